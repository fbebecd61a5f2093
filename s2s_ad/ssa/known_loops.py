"""Loops over a known list of layers or functions (DESIGN.md, "Growing the language",
principle 4): `for layer in self.layers: h = layer(h)`, `for i, f in enumerate(FUNCS)`,
comprehensions over them, where the list is held by an object the derivative is specialised
to or by a global. The list is known when the derivative is made, so the body is lowered once
per element, the loop variable bound to that element, known (`Known`): a heterogeneous list
of layers (different classes, functions) mixes freely. The list's length and items are
watched (`Scope.watch`): adding or replacing a layer makes a new derivative.

Before (`self` known, two layers)::

    for layer in self.layers:
        h = layer(h)

After (SSA, each `__call__` inlined)::

    _t1 = self_.layers[0].W @ h
    h_1 = np.tanh(_t1)
    h_2 = h_1 * self_.layers[1].s
"""

from __future__ import annotations

import operator

import gast

from ..frontend.scope import is_missing
from .callable_values import Known
from .function_values import FunctionItems, Named, is_function_value
from .ir import Const, Free, Index, Prim
from .live_objects import followed
from .names import stored_names

_DICT_VIEWS = ("values", "items", "keys")


class KnownLoops:
    """The mixin: loops over known lists of functions or objects, unrolled."""

    def _unrolled(self, stmt: gast.For) -> bool:
        """`for layer in self.layers: h = layer(h)` (or `for i, layer in
        enumerate(self.layers)`), the list known (held by a known object or a global) and
        holding functions or objects: the body once per element, `layer` bound to it,
        known (True); any other loop is left to `_for` (False)."""
        enumerated = self._enumerate_parts(stmt)
        if enumerated is None:
            return False
        target, iterable, index, start = enumerated
        if self._unrolled_function_items(stmt, enumerated):  # `for f in fs`, `ops.items()`
            return True
        if self._unrolled_mixed(stmt, enumerated):  # objects of two classes: mixed_loops.py
            return True
        if stmt.orelse or not (isinstance(target, gast.Name) or _names_tuple(target)):
            return False
        items = self._known_items(iterable)
        if items is None:
            return False
        if isinstance(target, gast.Tuple):  # `for fn, c in PAIRS`: (function, data) pairs
            return self._unrolled_pairs(stmt, target, items, index, start)
        self._refuse_jumps(stmt)
        live = self._live(iterable)  # a differentiated list (ssa/live_objects.py): its atom
        self.scope.watch(_Length(items.value), "len", len(items.value))
        for i, value in enumerate(items.value):
            self.scope.watch(items.value, i, value)
            if start is not None:
                self._define(index, Const(start + i))
            atom = Free(self._item_spelled(items, i), value)
            known = is_function_value(value) or followed(value)
            if live is not None and (followed(value) or not known):
                # data through the run-time list, code from the example
                item = self._atom_of(Prim(operator.getitem, (live, Index((Const(i),), False))))
                self.env[target.id] = Known(atom, atom=item) if known else item
            else:
                self.env[target.id] = Known(atom) if known else atom
            self._block(stmt.body)
        return True

    def _unrolled_pairs(
        self, stmt: gast.For, target: gast.Tuple, items: Free, index, start
    ) -> bool:
        """`for fn, c in PAIRS:` over a known list of tuples holding functions or objects:
        the body once per tuple, each name bound to its item (a function known, data read
        live where the derivative runs, as the list's item `PAIRS[0][1]`). False where the
        tuples do not all have the target's length."""
        width = len(target.elts)
        if not all(isinstance(v, tuple) and len(v) == width for v in items.value):
            return False
        if self._live_root(stmt.iter):  # a differentiated argument's: its data vary per call
            return False
        self._refuse_jumps(stmt)
        self.scope.watch(_Length(items.value), "len", len(items.value))
        for i, pair in enumerate(items.value):
            self.scope.watch(items.value, i, pair)
            if start is not None:
                self._define(index, Const(start + i))
            for k, (name, value) in enumerate(zip(target.elts, pair, strict=True)):
                atom = Free(f"{self._item_spelled(items, i)}[{k}]", value)
                known = is_function_value(value) or followed(value)
                self.env[name.id] = Known(atom) if known else atom
            self._block(stmt.body)
        return True

    def _item_spelled(self, items: Free, i: int) -> str:
        """How the generated code reads item `i` of the known list `items`: by its place in
        the whole list where `items` is a literal slice of one."""
        whole, places = self.__dict__.get("slice_places", {}).get(id(items.value), (None, None))
        return f"{items.source}[{i}]" if whole is None else f"{whole}[{places[i]}]"

    def _refuse_jumps(self, stmt: gast.For) -> None:
        if any(n.startswith(("_stop", "_skip")) for n in stored_names(stmt.body)):
            raise self._unsupported(  # jumps.py's flags: run per iteration of a real loop
                "`break` or `continue` in a loop over functions or layers (s2s_ad runs its "
                "body once per element, each known when the derivative is made)",
                hint="guard the rest of the body with an `if` instead",
            )

    def _enumerate_parts(self, stmt: gast.For) -> tuple | None:
        """(target, iterable, index name, start) of a loop, `enumerate(xs, k)` read as `xs`
        with an index from `k` (None and None without it); None for an `enumerate` whose
        target or start the unrolling cannot take."""
        target, iterable = stmt.target, stmt.iter
        if not (_is_enumerate(iterable, self.scope) and isinstance(target, gast.Tuple)):
            return target, iterable, None, None
        if len(target.elts) != 2 or not isinstance(target.elts[0], gast.Name):
            return None
        if len(iterable.args) == 2 and not isinstance(iterable.args[1], gast.Constant):
            return None
        start = iterable.args[1].value if len(iterable.args) == 2 else 0
        return target.elts[1], iterable.args[0], target.elts[0].id, start

    def _unrolled_function_items(self, stmt: gast.For, enumerated: tuple) -> bool:
        """A loop over functions made in the function (`FunctionItems`: a display, or a
        name bound to one; lambdas and partials too): `for f in fs`, `fs[1:]`,
        `reversed(fs)`, a dict's keys, `.values()` and `.items()`, `enumerate` of any
        (`enumerated`: `_enumerate_parts`'s), unrolled as a known list is (False for any other
        loop)."""
        target, iterable, index, start = enumerated
        found = self._function_sequence(iterable)
        if found is None or stmt.orelse:
            return False
        kind, pairs = found
        pair = kind == "items" and isinstance(target, gast.Tuple) and len(target.elts) == 2
        if not (isinstance(target, gast.Name) or pair) or not all(
            isinstance(n, gast.Name) for n in getattr(target, "elts", [target])
        ):
            return False
        self._refuse_jumps(stmt)
        for i, (key, bound) in enumerate(pairs):
            if start is not None:
                self._define(index, Const(start + i))
            item = Known(bound.free) if isinstance(bound, Named) else bound
            if kind == "keys":
                self._define_key(target.id, key)
            elif pair:
                self._define_key(target.elts[0].id, key)
                self.env[target.elts[1].id] = item
            else:
                self.env[target.id] = item
            self._block(stmt.body)
        return True

    def _define_key(self, name: str, key: object) -> None:
        """`name` bound to a dict's literal key in an unrolled loop, remembered by its SSA
        version: `ops[name](x)` in the body reads that item (function_values.py)."""
        version = self._define(name, Const(key))
        self.__dict__.setdefault("known_keys", {})[version] = key

    def _function_sequence(self, node: gast.expr) -> tuple[str, list] | None:
        """("values", [(key, binding), …]) of what a loop over `node` yields, functions made
        in the function: "keys" for a dict itself, "items" for `.items()`; None where
        `node` is no such sequence."""
        if isinstance(node, gast.Call) and not node.keywords:
            func, args = node.func, node.args
            if isinstance(func, gast.Attribute) and not args and func.attr in _DICT_VIEWS:
                found = self._function_sequence(func.value)
                if found is None or found[0] != "keys":
                    return None
                return ("values" if func.attr == "values" else func.attr), found[1]
            if isinstance(func, gast.Name) and len(args) == 1 and func.id == "reversed":
                found = self._function_sequence(args[0])
                if found is None or found[0] != "values" or func.id in self.env:
                    return None  # (the builtin looked up only then: a lookup is watched)
                if self.scope.lookup("reversed") is not reversed:
                    return None
                return "values", found[1][::-1]
            return None
        bounds = _literal_slice(node)
        if bounds is not None:
            found = self._function_sequence(node.value)
            if found is None or found[0] != "values":
                return None
            return "values", found[1][slice(*bounds)]
        if not isinstance(node, (gast.List, gast.Tuple, gast.Dict, gast.Name)):
            return None
        items = self._function_argument(node)
        if not isinstance(items, FunctionItems):
            return None
        if items.keys is None:
            return "values", [(None, b) for b in items.items]
        return "keys", list(zip(items.keys, items.items, strict=True))

    def _known_items(self, node: gast.expr) -> Free | None:
        """A known list or tuple holding functions or objects with code, or None; a slice
        of one by literal bounds (`self.layers[:-1]`) too."""
        bounds = _literal_slice(node)
        if bounds is not None:
            whole = self._known_items(node.value)
            if whole is None:
                return None
            for i, value in enumerate(whole.value):  # the slice's items are the list's
                self.scope.watch(whole.value, i, value)
            # (and so is its length: `FNS.append(f)` later puts another item in `FNS[1:]`)
            self.scope.watch(_Length(whole.value), "len", len(whole.value))
            part = whole.value[slice(*bounds)]
            spelled = ":".join("" if b is None else str(b) for b in bounds)
            # (its items spelled by their places in the whole: `FNS[2]`, not `FNS[1:][1]`,
            # which code differentiated again could not follow)
            places = self.__dict__.setdefault("slice_places", {})
            source, inner = places.get(id(whole.value), (whole.source, range(len(whole.value))))
            places[id(part)] = (source, list(inner)[slice(*bounds)])  # (a slice of a slice)
            return Free(f"{whole.source}[{spelled}]", part)
        items = self._known_chain(node) or self._known_name(node)
        if items is None and isinstance(node, gast.Attribute) and not self._is_local_chain(node):
            items = self._known_chain(node, free_root=True)  # `NET.layers`
        if items is None and isinstance(node, gast.Name):
            name = node.id
            if name not in self.env and name not in self.locals:
                value = self.scope.lookup(name)
                items = None if is_missing(value) else Free(name, value)
                if items is not None:
                    self.scope.reads[name] = value
        if items is None or not isinstance(items.value, (list, tuple)):
            return None
        if not any(
            _holds_code(v) or (isinstance(v, tuple) and any(map(_holds_code, v)))
            for v in items.value
        ):
            return None
        return items


def _holds_code(value: object) -> bool:
    """A function, or an object whose code the lowering follows."""
    return is_function_value(value) or followed(value)


def _names_tuple(target: gast.expr) -> bool:
    return isinstance(target, gast.Tuple) and all(isinstance(e, gast.Name) for e in target.elts)


def _literal_slice(node: gast.expr) -> tuple | None:
    """(lower, upper, step) of `xs[a:b:c]` whose bounds are integer literals or absent."""
    if not isinstance(node, gast.Subscript) or not isinstance(node.slice, gast.Slice):
        return None
    bounds = []
    for part in (node.slice.lower, node.slice.upper, node.slice.step):
        sign = 1
        if isinstance(part, gast.UnaryOp) and isinstance(part.op, gast.USub):
            sign, part = -1, part.operand
        if part is None:
            bounds.append(None)
        elif isinstance(part, gast.Constant) and type(part.value) is int:
            bounds.append(sign * part.value)
        else:
            return None
    return tuple(bounds)


def _is_enumerate(node: gast.expr, scope) -> bool:
    import builtins

    return (
        isinstance(node, gast.Call)
        and isinstance(node.func, gast.Name)
        and node.func.id == "enumerate"
        and scope.lookup("enumerate") is builtins.enumerate
        and 1 <= len(node.args) <= 2
        and not node.keywords
        and not any(isinstance(a, gast.Starred) for a in node.args)
    )


class _Length:
    """A list's length seen as `Scope.watch` sees a holder (`holder["len"]`)."""

    def __init__(self, items: list | tuple) -> None:
        self.items = items

    def __getitem__(self, key: str) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return key == "len"
