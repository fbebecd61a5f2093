"""Dicts as local values: displays, `dict(...)`, their methods, and loops over them.

A dict is a value like a list: each update makes a new version (`rt.setitem`, which copies),
so `d[k] = v` is an element assignment (`element_targets.py`, seen through aliases `e = d`
as for lists, `aliasing.py`), and reads `d[k]` are `operator.getitem`. The runtime helpers
and their derivatives are in `runtime/dicts.py`; a dict's derivative is a dict of its
entries' derivatives, a missing entry being zero. Before → after:

    d = {'w': W, 'b': b}            _t1 = rt.make_dict()
                                    _t2 = rt.setitem(_t1, W, 'w')
                                    d = rt.setitem(_t2, b, 'b')
    for k, v in d.items():          _t3 = rt.dict_keys(d); _t4 = rt.dict_values(d)
        s = s + np.sum(v)           for _i in range(len(_t3)): k = _t3[_i]; v = _t4[_i]; …
"""

from __future__ import annotations

import operator

import gast

from .. import runtime
from .ir import Atom, Const, Expr, Index, Prim

# methods only dicts have (a local value's `.items()` is a dict's)
DICT_METHODS = ("items", "values", "keys", "get")
# dict methods that update the dict in place and are not lowered, and what to write instead
UPDATING = {
    "update": "`d[k] = v` for each entry (`.update()` is lowered on a dict made in the function)",
    "setdefault": "`if k not in d: d[k] = v` (`.setdefault()` is lowered on a dict made in the "
    "function)",
    "popitem": "a new dict without the entry",
    "clear": "a new empty dict `d = {}`",
}
UPDATED_HERE = ("update", "setdefault", "pop")  # on a local dict: `_dict_update`


class DictValues:
    """The dict half of the expression lowering (a mixin: it uses `_atom`, `_atom_of`,
    `_rt`, `_unsupported` and `kind_of`)."""

    def _dict_display(self, node: gast.Dict) -> Expr:
        """`{k1: v1, k2: v2}`: keys and values evaluated in Python's order, then one new
        dict per entry; `{**d, k: v}`: a copy of `d` first, and a later `**e` merged in
        (`_merged_into`)."""
        pairs: list[tuple[Atom, Atom]] = []
        value = None
        for key, item in zip(node.keys, node.values, strict=True):
            if key is not None:
                pairs.append((self._atom(key), self._atom(item)))
            elif not pairs and value is None:  # `{**d, …}`: a copy of `d`
                value = Prim(runtime.copy_dict, (self._atom(item),), spelled=self._rt("copy_dict"))
            else:
                part = self._atom(item)
                value, pairs = self._merged_into(self._dict_of(pairs, value), part, "`**`"), []
        return self._dict_of(pairs, value)

    def _merged(self, first: Atom, second: Atom) -> Expr:
        """`first | second` of two dicts: a copy of `first` with `second`'s entries."""
        copied = Prim(runtime.copy_dict, (first,), spelled=self._rt("copy_dict"))
        return self._merged_into(copied, second, "`|`")

    def _merged_into(self, base: Expr, other: Atom, what: str) -> Expr:
        """`base` (a new dict) with the entries of the dict `other` assigned: entry by
        entry where the lowering knows its keys (`_known_keys`), else `rt.updated`."""
        if (self.kind_of(other) or "").split("/")[0] in ("list", "tuple"):
            raise self._unsupported(
                f"{what} of a list or tuple of pairs",
                hint="assign each pair: `for k, v in pairs: d[k] = v`",
            )
        if self._known_keys(other) is None:
            made = (self._atom_of(base), other)
            return Prim(runtime.updated, made, spelled=self._rt("updated"))
        return self._dict_of(self._entries_read(other), base)

    def _dict_of(self, pairs: list[tuple[Atom, Atom]], start: Expr | None = None) -> Expr:
        """`start` (by default an empty dict) with each (key, value) of `pairs` assigned."""
        value = start or Prim(runtime.make_dict, (), spelled=self._rt("make_dict"))
        for key, item in pairs:
            value = Prim(
                runtime.setitem,
                (self._atom_of(value), item, Index((key,), False)),
                spelled=self._rt("setitem"),
            )
        return value

    def _entries_read(self, other: Atom) -> list[tuple[Const, Atom]]:
        """(key, `other[key]`) for each key of the dict `other`, whose keys the lowering
        knows (a display, literal keys, an argument's structure)."""
        return [
            (Const(k), self._atom_of(Prim(operator.getitem, (other, Index((Const(k),), False)))))
            for k in self._known_keys(other)  # ssa/star_arguments.py
        ]

    def _dict_call(self, args: tuple, kwargs: tuple) -> Expr:
        """`dict(w=W, b=b)`, `dict()`, and `dict(d)` (a copy, keywords added after); the
        arguments already lowered."""
        if len(args) > 1:
            raise self._unsupported(
                "this call of `dict`",
                hint="write `dict(w=W, b=b)`, `dict(d)` or a display `{'w': W, 'b': b}`",
            )
        pairs = [(Const(name), atom) for name, atom in kwargs]
        if not args:
            return self._dict_of(pairs)
        if self.kind_of(args[0]) not in (None, "dict"):  # pairs: `dict(zip(names, values))`
            if pairs:
                raise self._unsupported(
                    "`dict(...)` of a list or tuple of pairs with keywords (not supported yet)",
                    hint="write a display `{'w': W, 'b': b}` or assign entries in a loop",
                )
            return Prim(dict, args, spelled="dict")  # a derivative only where `dict` has a rule
        return self._dict_of(pairs, Prim(runtime.copy_dict, args, spelled=self._rt("copy_dict")))

    def _dict_method(self, func: gast.Attribute, args: tuple, kwargs: tuple) -> Expr | None:
        """A dict's method on a local value, or None when `func` is not one."""
        name = func.attr
        if name in UPDATED_HERE and self._is_local_dict(func.value):
            return self._dict_update(func.value.id, name, args, kwargs)
        if name in UPDATING:
            raise self._unsupported(
                f"`.{name}()`, which updates a dict in place", hint=f"write {UPDATING[name]}"
            )
        if name == "copy":  # a dict's where the lowering knows a local name holds one
            if not (isinstance(func.value, gast.Name) and func.value.id in self.env):
                return None
            receiver = self._atom(func.value)
            if self.kind_of(receiver) != "dict":
                return None
            return Prim(runtime.copy_dict, (receiver,), spelled=self._rt("copy_dict"))
        if name not in DICT_METHODS:
            return None
        if kwargs or (name == "get" and not 1 <= len(args) <= 2) or (name != "get" and args):
            raise self._unsupported(
                f"this call of `.{name}()`",
                hint="write `d.items()`, `d.values()`, `d.keys()` or `d.get(k, default)`",
            )
        receiver = self._atom(func.value)
        if name == "get":
            default = args[1] if len(args) == 2 else Const(None)
            return Prim(
                runtime.dict_get, (receiver, args[0], default), spelled=self._rt("dict_get")
            )
        helper = getattr(runtime, f"dict_{name}")
        return Prim(helper, (receiver,), spelled=self._rt(f"dict_{name}"))

    def _is_local_dict(self, node: gast.expr) -> bool:
        return (
            isinstance(node, gast.Name)
            and node.id in self.env
            and self.kind_of(self.env[node.id]) == "dict"
        )

    def _dict_update(self, name: str, method: str, args: tuple, kwargs: tuple) -> Atom:
        """`d.update(e, k=v)`, `d.setdefault(k, v)` and `d.pop(k[, v])` on the local dict
        `d`: a new version of `d`, with the checks of `d[k] = v` (`_update`: no other name
        sees the change), and the call's value. `d.setdefault(k, v)` is `v = d.get(k, v);
        d[k] = v` (writing an entry its own value changes nothing); `d.pop(k)` reads the entry
        and drops it (`rt.without_key`)."""
        what = f"`.{method}()`"
        if method == "update":
            if len(args) > 1:
                raise self._unsupported(
                    "`.update()` with more than one positional argument",
                    hint="`d.update(e)`, `d.update(k=v)` or `d.update(e, k=v)`",
                )
            known = not args or self._known_keys(args[0]) is not None
            pairs = self._entries_read(args[0]) if args and known else []  # (read first)
            pairs += [(Const(key), atom) for key, atom in kwargs]
            self._update(name, what, of_list=True)  # (as `d[k] = v`: ssa/element_targets.py)
            base = self.env[name] if known else self._merged_into(self.env[name], args[0], what)
            self._define(name, self._dict_of(pairs, base))
            self._rebind_aliases(name)
            return Const(None)
        if kwargs or not 1 <= len(args) <= 2:
            raise self._unsupported(
                f"this call of {what}", hint=f"`d.{method}(k)` or `d.{method}(k, default)`"
            )
        current, key = self.env[name], Index((args[0],), False)
        if len(args) == 2 or method == "setdefault":
            default = args[1] if len(args) == 2 else Const(None)
            read = Prim(runtime.dict_get, (current, args[0], default), spelled=self._rt("dict_get"))
        else:  # (KeyError where missing, also where nothing reads the entry)
            self._atom_of(
                Prim(runtime.key_present, (current, args[0]), spelled=self._rt("key_present"))
            )
            read = Prim(operator.getitem, (current, key))
        value = self._atom_of(read)
        self._update(name, what, of_list=True)
        if method == "setdefault":
            new = Prim(runtime.setitem, (self.env[name], value, key), spelled=self._rt("setitem"))
        else:
            new = Prim(
                runtime.without_key, (self.env[name], args[0]), spelled=self._rt("without_key")
            )
        self._define(name, new)
        self._rebind_aliases(name)
        return value

    def _dict_loop(self, stmt: gast.For, it: gast.expr):
        """`for k, v in d.items()`, `for v in d.values()`, `for k in d.keys()`: the keys and
        values in lists indexed by the loop (like `zip`), or None for another loop."""
        if not (
            isinstance(it, gast.Call)
            and isinstance(it.func, gast.Attribute)
            and it.func.attr in ("items", "values", "keys")
            and not it.args
            and not it.keywords
            and self._is_local_chain(it.func)
        ):
            return None
        target = stmt.target
        if it.func.attr == "items" and not (
            isinstance(target, gast.Tuple) and len(target.elts) == 2
        ):
            return None  # `for pair in d.items()`: the pairs themselves
        receiver = self._atom(it.func.value)
        if it.func.attr != "items":
            seq = self._atom_of(self._dict_method(it.func, (), ()))
            return (
                self._range_over([seq]),
                self.namer.fresh("_i"),
                self._unpacked(target, self._element(seq)),
            )
        keys = self._atom_of(Prim(runtime.dict_keys, (receiver,), spelled=self._rt("dict_keys")))
        values = self._atom_of(
            Prim(runtime.dict_values, (receiver,), spelled=self._rt("dict_values"))
        )
        if not all(isinstance(e, gast.Name) for e in target.elts):
            return None  # `for k, (W, b) in d.items()`: over the pairs (nested_targets.py)
        pairs = [(e.id, self._element(s)) for e, s in zip(target.elts, (keys, values), strict=True)]
        return self._range_over([keys]), self.namer.fresh("_i"), pairs
