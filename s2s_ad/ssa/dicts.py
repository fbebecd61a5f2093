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

import gast

from .. import runtime
from .ir import Atom, Const, Expr, Index, Prim

# methods only dicts have (a local value's `.items()` is a dict's)
DICT_METHODS = ("items", "values", "keys", "get")
# dict methods that update the dict in place, and what to write instead
UPDATING = {
    "update": "`d = {**d, ...}` is not supported yet: assign each entry, `d[k] = v`",
    "setdefault": "`if k not in d: d[k] = v` … or assign the entry, `d[k] = v`",
    "popitem": "a new dict without the entry",
    "clear": "a new empty dict `d = {}`",
}


class DictValues:
    """The dict half of the expression lowering (a mixin: it uses `_atom`, `_atom_of`,
    `_rt`, `_unsupported` and `kind_of`)."""

    def _dict_display(self, node: gast.Dict) -> Expr:
        """`{k1: v1, k2: v2}`: keys and values evaluated in Python's order, then one new
        dict per entry."""
        if any(key is None for key in node.keys):
            raise self._unsupported(
                "`**` unpacking in a dict display (not supported yet)",
                hint="copy the dict, `e = dict(d)`, then assign entries `e[k] = v`",
            )
        pairs = [
            (self._atom(k), self._atom(v)) for k, v in zip(node.keys, node.values, strict=True)
        ]
        return self._dict_of(pairs)

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
