"""Which values are lists or tuples, so that `+` joins them and `*` repeats them.

The arithmetic rules of `+` and `*` add and scale derivatives; on lists and tuples Python's
`+` joins and `*` repeats, so the lowering writes those as `rt.concat` / `rt.repeat` (with
their own rules) wherever it knows an operand is a list or tuple. Known: displays, `list()`
and `tuple()`, appends, joins, repeats, slices and element updates of known lists, their
items when those are known lists (rows of `[[x, y], [y, x]]`, a loop over them), list
arguments, the user's helpers whose lowering returns one, NumPy functions that always return
one. A name assigned in a loop or in branches joins the kinds of its assignments. Before →
after (`L` a list, `x` a float):
    `M = L + [x]`   →  `_t2 = rt.append(_t1, x)`; `M = rt.concat(L, _t2)`
    `M = 2 * L`     →  `M = rt.repeat(L, 2)`
Unknown operands keep the arithmetic rules; where those meet a list at run time, the
derivative code refuses it (`rt.unbroadcast`, `Derivatives`).
"""

from __future__ import annotations

import contextlib
import operator
import types

import gast
import numpy as np
from gast import Assign, Call, Name  # (`made_sequences` walks every node)

from .. import runtime
from ..errors import S2SError
from ..frontend.library import is_differentiated_through, is_library_function, module_name
from ..rules.registry import lookup
from ..runtime import append, dict_get, make_list, new_record, replaced, setitem, unzip
from .ir import Atom, Const, Expr, Free, Prim, SliceItem, Var

BINOPS = {
    gast.Add: operator.add,
    gast.Sub: operator.sub,
    gast.Mult: operator.mul,
    gast.Div: operator.truediv,
    gast.Pow: operator.pow,
    gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv,
    gast.Mod: operator.mod,
    gast.BitAnd: operator.and_,  # masks: `(x > 0) & (x < 1)`
    gast.BitOr: operator.or_,
    gast.BitXor: operator.xor,
}

# the runtime's functions `kind_of` asks about, in tuples made once (a tuple written in the
# test would look each one up in the module at every call, for every value lowered)
_MAKE_DICTS = (runtime.make_dict, runtime.copy_dict, runtime.updated)
_UPDATE_DICTS = (runtime.setitem, runtime.without_key)
JOINS = (runtime.concat, runtime.extend)  # (`a + b` of lists, `a.extend(b)`)
_SAME_KIND = (runtime.repeat, runtime.sequence, runtime.deep_copy, *runtime.IDENTITY_CHECKS)


class SequenceKinds:
    """The kinds half of the expression lowering: `kinds` maps SSA names to kinds; the
    lowering supplies `_rt` and `_unsupported`."""

    kinds: dict[str, str | None]

    def note_sequence_kind(self, target: str, value: Expr) -> None:
        """Record whether `target` holds a list or a tuple (None: not known to), joining the
        kinds of every assignment of it (a loop header, a joined temporary)."""
        if isinstance(value, Free) and isinstance(value.value, runtime.Unbound):
            return  # (a name unbound on one path: its kind is the other path's)
        kind = self.kind_of(value)
        self.kinds[target] = join_kinds(self.kinds[target], kind) if target in self.kinds else kind

    def kind_of(self, expr: object) -> str | None:
        """Where `expr` is known to make a list or tuple, "list" or "tuple", followed by
        "/" and its items' kind when they are all known lists or tuples ("list/tuple"), or
        "/*" while it has no items; else None."""
        if isinstance(expr, Var):
            return self.kinds.get(expr.name)
        if isinstance(expr, Const):
            return {list: "list", tuple: "tuple"}.get(type(expr.value))
        if not isinstance(expr, Prim):
            return None
        fn, args = expr.fn, expr.args
        if fn in _MAKE_DICTS:  # ssa/dicts.py
            return "dict"
        if fn in _UPDATE_DICTS and self.kind_of(args[0]) == "dict":
            return "dict"  # (not of a derivative's dict, in gradient code differentiated again)
        if fn is make_list:
            return "list/*"
        if fn is new_record and is_namedtuple(getattr(args[0], "value", None)):
            return "tuple"
        if fn is replaced and self.kind_of(args[0]) == "tuple":
            return "tuple"
        if fn in (list, tuple):
            return _sequence_kind(fn.__name__, _items(self.kind_of(args[0])) if args else "*")
        if fn is append:
            return _sequence_kind(
                "list", _join(_items(self.kind_of(args[0])), self.kind_of(args[1]))
            )
        if fn in JOINS:
            left, right = (self.kind_of(a) for a in args)
            top = next((k for k in (left, right) if k and k != MAYBE), "").split("/")[0]
            return _sequence_kind(top, _join(_items(left), _items(right)))
        if fn in _SAME_KIND:
            return self.kind_of(args[0])
        if fn is unzip:  # `zip(*pairs)`: a list of tuples
            return "list/tuple"
        if fn in RETURNS_LIST or fn in RETURNS_TUPLE:
            return "list" if fn in RETURNS_LIST else "tuple"
        if fn in RETURNS_MAYBE:
            return MAYBE
        if isinstance(fn, types.FunctionType) and is_users(fn):
            return helper_facts(fn)[0]  # a list or tuple: `helper(x) + [v]` joins
        if fn is setitem:
            kind = self.kind_of(args[0])
            if kind == MAYBE:
                return MAYBE
            return kind and _sequence_kind("list", _join(_items(kind), self.kind_of(args[1])))
        if fn is dict_get:  # `d.get(k, default)`: ssa/entry_kinds.py
            return self.entry_kind(args[0], args[1], default=self.kind_of(args[2]))
        if fn is getattr:  # `obj.attr`: ssa/entry_kinds.py
            return self.entry_kind(args[0], args[1])
        if fn is operator.getitem:
            index = args[1]
            whole = self.kind_of(args[0])
            if not index.is_tuple and isinstance(index.items[0], SliceItem):
                return whole  # a slice of a list is a list
            entry = self._item_entry(args[0], index)  # at a literal position or key
            if isinstance(entry, tuple):  # (ssa/entry_kinds.py: each item's own kind)
                return entry[0]
            key = index.items[0] if not index.is_tuple else None
            named = isinstance(key, Const) and isinstance(key.value, str)  # (of a mapping)
            if whole == "dict" or (whole is None and named):  # an entry not followed: anything
                return MAYBE
            item = _items(whole) if not index.is_tuple else None
            return None if item == "*" else item
        return None

    def _binop(self, op: type, left: Atom, right: Atom) -> Prim:
        """`left op right`; on a list or tuple `+` joins (`rt.concat`) and `*` repeats
        (`rt.repeat`, the sequence first), as in Python."""
        kinds = (self.kind_of(left), self.kind_of(right))
        if not any(kinds) or (op is gast.Mod and self._is_text(left)):
            return Prim(BINOPS[op], (left, right))  # (`"%.3f %.3f" % (a, b)`: formatting)
        if set(kinds) <= {MAYBE, None}:  # perhaps a join: its derivative checked (`rt.plus`)
            if op is not gast.Add:  # (a list's derivative is never scaled: `Derivatives`)
                return Prim(BINOPS[op], (left, right))
            return Prim(runtime.plus, (left, right), spelled=self._rt("plus"))
        if kinds == ("dict", "dict") and op is gast.BitOr:  # `d | e`: ssa/dicts.py
            return self._merged(left, right)
        if "dict" in kinds:
            raise self._unsupported(
                f"`{BINOPS[op].__name__}` with a dict operand",
                hint="combine dicts entry by entry: `e = dict(d)`, then `e[k] = v`",
            )
        if op is gast.Add:
            return Prim(runtime.concat, (left, right), spelled=self._rt("concat"))
        if op is gast.Mult:
            sequence, count = (left, right) if kinds[0] else (right, left)
            return Prim(runtime.repeat, (sequence, count), spelled=self._rt("repeat"))
        raise self._unsupported(
            f"`{BINOPS[op].__name__}` with a list or tuple operand (NumPy would apply it "
            "elementwise)",
            hint="convert the list first: `np.array(L)`",
        )

    def _is_text(self, atom: Atom) -> bool:
        """Whether `atom` is a string literal, a name bound to one (`fmt = "%.3f"`), or a
        module's string (`FORMAT % (a, b)`)."""
        if isinstance(atom, Free):
            return isinstance(atom.value, str)
        literal = self._literal_of(atom)
        return literal is not None and isinstance(literal.value, str)


# the kind of a value that may be a list or tuple, or may not: bound to a list on one path
# and to an array on another (`v = [x[1]] if c else x[1:2]`), in a loop, an entry of a dict
# not followed; `+` of it is Python's, its derivative checked when called (`rt.plus`)
MAYBE = "?"


def made_sequences(every: list[gast.AST]) -> set[str]:
    """The names the statements whose nodes are `every` (a loop body's `_body_nodes`,
    ssa/aliasing.py) assign a list or tuple as written (`name = [..]`, `list(...)`,
    `tuple(...)`, `sorted(...)`, a comprehension): a loop carrying a value that is not one
    before may carry one from its second iteration on."""
    found = set()
    for node in every:
        if type(node) is not Assign:
            continue
        value = node.value
        func = value.func if isinstance(value, Call) else None
        named = isinstance(func, Name) and func.id in ("list", "tuple", "sorted")
        if named or isinstance(value, (gast.List, gast.ListComp, gast.Tuple)):
            found.update(t.id for t in node.targets if isinstance(t, Name))
    return found


# NumPy functions that always return a list or a tuple of arrays (not meshgrid: a list in
# NumPy 1, a tuple in 2; not svd nor qr: one array with compute_uv=False or mode="r")
RETURNS_LIST = {np.split, np.array_split, np.hsplit, np.vsplit, np.dsplit}
RETURNS_LIST |= {runtime.at_least, runtime.sorted_items, runtime.reversed_items, runtime.unzip}
RETURNS_TUPLE = {np.linalg.eigh, np.linalg.slogdet, np.nonzero}
# … or one array, by their options (`mode="r"`, `compute_uv=False`, a 1-D `np.gradient`)
RETURNS_MAYBE = {np.linalg.qr, np.linalg.svd, np.gradient, np.meshgrid, np.linalg.eig}


_HELPERS: dict = {}  # helper's code → `helper_facts`


def is_users(fn: types.FunctionType) -> bool:
    """A helper of the user's (not NumPy's, a library's with rules, or s2s_ad's own)."""
    if is_differentiated_through(fn):
        return lookup(fn) is None
    root = module_name(fn).split(".")[0]
    return root != "s2s_ad" and lookup(fn) is None and not is_library_function(fn)


def helper_facts(fn: types.FunctionType) -> tuple:
    """(the kind of the user's helper `fn`'s result, the globals it may be or share memory
    with: `Function.result_globals`, whether it returns objects it made:
    `Function.result_objects`, whether it may return a dict's view: `Function.result_views`,
    whether it may return an argument: `Function.result_arguments`, the kinds of its
    result's items: `Function.result_entries`, whether it may return an item of an
    argument: `Function.result_items`), from its lowering, once per code; (None, (),
    False, False, False, None, True) where not known: a recursive helper while it is
    lowered, or one that cannot be (its calls are refused later)."""
    code = fn.__code__
    if code not in _HELPERS:
        # (while lowered, its result may be an item of what it is given: `result_items`)
        _HELPERS[code] = (None, (), False, False, False, None, True)
        from ..pipeline import to_ssa  # the stages around this one

        with contextlib.suppress(S2SError):
            ssa = to_ssa(fn)
            facts = (ssa.result_kind, ssa.result_globals, ssa.result_objects, ssa.result_views)
            _HELPERS[code] = (*facts, ssa.result_arguments, ssa.result_entries, ssa.result_items)
    return _HELPERS[code]


def _items(kind: str | None) -> str | None:
    """The kind of a sequence's items ("*": it has none), None when not known."""
    return kind.split("/", 1)[1] if kind and "/" in kind else None


def _join(a: str | None, b: str | None) -> str | None:
    """The items' kind of a sequence holding items of kinds `a` and `b`."""
    if a == "*" or b == "*" or a == b:
        return b if a == "*" else a
    return MAYBE if a or b else None  # (a list beside an array: perhaps a list)


def join_kinds(a: str | None, b: str | None) -> str | None:
    """The kind of a name assigned values of kinds `a` and `b` (a loop header, a join):
    `MAYBE` where one may be a list or tuple and the other not, or not the same kind."""
    if a is None and b is None:
        return None
    if a is None or b is None or a.split("/")[0] != b.split("/")[0]:
        return MAYBE
    return _sequence_kind(a.split("/")[0], _join(_items(a), _items(b)))


def _sequence_kind(top: str, items: str | None) -> str | None:
    if not top:
        return None
    return f"{top}/{items}" if items else top


def is_namedtuple(cls: object) -> bool:
    """Whether `cls` is a NamedTuple class: its records are tuples, which `+` joins
    (`Feat(a, b) + …`), built by its own constructor (ssa/records.py)."""
    return (
        isinstance(cls, type)
        and issubclass(cls, tuple)
        and hasattr(cls, "_fields")
        and hasattr(cls, "_make")
    )


def holds_class(entries: dict | None) -> bool:
    """Whether `entries` (ssa/entry_kinds.py's) hold an object of a user class anywhere."""
    pending = [entries]
    while pending:
        found = pending.pop()
        for entry in (found or {}).values():
            if isinstance(entry, tuple) and (entry[2] is not None or entry[1]):
                if entry[2] is not None:
                    return True
                pending.append(entry[1])
    return False
