"""Integer analysis: the names whose value is made only from loop counters, lengths, shapes and
integer constants, whatever lists and tuples it passes through. Such a value never carries a
derivative (`activity.py` leaves it inactive), even where it shares a list with one that does.

That matters most in derivative code differentiated again: a tape holds a loop's counters
beside its floats, and name-by-name activity would make the counters read back from it
active (a counter with a tangent, an index "depending on the input"). Here a list or tuple
is followed item by item while its items are known by position, as a whole once not:

    _t3 = rt.append(_t2, x_1)            # [float]
    _t4 = rt.append(_t3, i)              # [float, int]
    _t5 = tuple(_t4)                     # (float, int)
    _tape_2 = rt.append(_tape_1, _t5)    # a list of (float, int)
    k = _item[1]                         # int: never active, though `_item` is

A description is INT, TOP (anything), ("seq", (d0, d1, …)) for a list or tuple known item by
item, or ("list", d) for one whose items are all described by d.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import runtime
from ..ssa.ir import Assign, Const, For, Function, Index, Prim, Var, walk

INT = "int"
TOP = "top"
NOTHING = "nothing"  # the items of an empty list: what a join starts from
EMPTY = ("seq", ())
_INTEGER_RESULTS = (range, len, int, np.shape, np.ndim, np.size, runtime.segments)
_INTEGER_OPERATORS = (
    operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod,
    operator.neg, operator.pos, abs, min, max,
)  # fmt: skip
_SAME_ITEMS = (tuple, list, reversed, runtime.make_list)


def integral_names(fn: Function) -> set[str]:
    """The names of `fn` (SSA variables and loop targets) that hold integers only."""
    described: dict[str, object] = {}
    statements = [s for s in walk(fn.body) if isinstance(s, (Assign, For))]
    while True:
        changed = False
        for stmt in statements:
            new = _iterated(stmt.iterable, described) if isinstance(stmt, For) else None
            if not isinstance(stmt, For):
                new = _described(stmt.value, described)
            old = described.get(stmt.target)
            joined = new if old is None else _join(old, new)
            if joined != old:
                described[stmt.target] = joined
                changed = True
        if not changed:
            return {name for name, d in described.items() if _integral(d)}


def _integral(d: object) -> bool:
    if d in (INT, NOTHING):
        return True
    if isinstance(d, tuple) and d[0] == "seq":
        return all(_integral(item) for item in d[1])
    return isinstance(d, tuple) and d[0] == "list" and _integral(d[1])


def _join(a: object, b: object) -> object:
    if a == b or b == NOTHING:
        return a
    if a == NOTHING:
        return b
    if TOP in (a, b) or INT in (a, b):
        return TOP
    if a[0] == b[0] == "seq" and len(a[1]) == len(b[1]):
        return ("seq", tuple(_join(x, y) for x, y in zip(a[1], b[1], strict=True)))
    return ("list", _join(_items(a), _items(b)))


def _items(d: object) -> object:
    """What any one item of a list or tuple described by `d` is."""
    if d == INT:
        return INT
    if not isinstance(d, tuple):
        return TOP
    if d[0] == "list":
        return d[1]
    items = d[1]
    if not items:
        return NOTHING
    joined = items[0]
    for item in items[1:]:
        joined = _join(joined, item)
    return joined


def _atom(atom: object, described: dict) -> object:
    if isinstance(atom, Var):
        return described.get(atom.name, TOP)
    if isinstance(atom, Const):
        value = atom.value
        plain = (int, bool, str, type(None))
        if isinstance(value, plain) or (
            isinstance(value, tuple) and all(isinstance(v, plain) for v in value)
        ):
            return INT
        return TOP
    return TOP


def _described(value: object, described: dict) -> object:
    if not isinstance(value, Prim):
        return _atom(value, described)
    fn, args = value.fn, value.args
    if fn in _INTEGER_RESULTS and fn is not runtime.segments:
        return INT  # lengths, shapes, `range`, `int(…)`: integers whatever they are of
    if fn is runtime.segments:  # a checkpointed loop's iterations cut into ranges
        return INT if args and _atom(args[0], described) == INT else TOP
    if fn is runtime.append and len(args) == 2:
        return _appended(_atom(args[0], described), _atom(args[1], described))
    if fn in _SAME_ITEMS:
        return EMPTY if not args else _atom(args[0], described)
    if fn is operator.getitem and len(args) == 2 and isinstance(args[1], Index):
        return _item(_atom(args[0], described), args[1])
    if fn in _INTEGER_OPERATORS and args:
        return INT if all(_atom(a, described) == INT for a in args) else TOP
    return TOP


def _appended(seq: object, item: object) -> object:
    if seq == INT and item == INT:
        return INT
    if isinstance(seq, tuple) and seq[0] == "seq":
        return ("seq", (*seq[1], item))
    if isinstance(seq, tuple) and seq[0] == "list":
        return ("list", _join(seq[1], item))
    return TOP


def _item(seq: object, index: Index) -> object:
    if index.is_tuple or len(index.items) != 1:
        return INT if seq == INT else TOP
    (at,) = index.items
    if isinstance(seq, tuple) and seq[0] == "seq" and isinstance(at, Const):
        position = at.value
        if isinstance(position, int) and -len(seq[1]) <= position < len(seq[1]):
            return seq[1][position]
        return TOP
    return _items(seq) if isinstance(at, (Var, Const)) else TOP


def _iterated(iterable: object, described: dict) -> object:
    """A loop target over `iterable`."""
    if isinstance(iterable, Prim):
        return _items(_described(iterable, described))
    return _items(_atom(iterable, described))
