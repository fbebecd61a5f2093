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
item, ("ragged", (d0, d1, …)) for one of several lengths whose item at a position counted from
the start is known, or ("list", d) for one whose items are all described by d. A ragged one is
what a branch's saved values become where the other branch saves none, so the hidden counters
of a checkpointed loop inside it stay integers when read back from a tape:

    _branch2 = (_checkpoints1, _segments1, x1_2)   # if taken: (TOP, INT, TOP)
    _branch2 = ()                                  # if not: unpacked only where it was taken
    _segments1 = _branch2[1]                       # ragged (TOP, INT, TOP): INT
"""

from __future__ import annotations

import operator
from operator import getitem  # (a module's attribute is looked up at each use, compiled)

import numpy as np

from .. import runtime
from ..pytrees import TreeDef
from ..runtime import (  # (likewise: `_described` reads them per statement)
    append,
    exactly,
    make_list,
    replaced,
    segments,
)
from ..ssa.ir import Assign, Const, For, Function, Index, Prim, Var, used_vars, walk
from .settle import settle

INT = "int"
TOP = "top"
NOTHING = "nothing"  # no value: the items of an empty list; what a name starts from
EMPTY = ("seq", ())
_POSITIONAL = ("seq", "ragged")
_DEPTH = 8
_INTEGER_RESULTS = (range, len, int, np.shape, np.ndim, np.size, runtime.segments)
_INTEGER_OPERATORS = (
    operator.add, operator.sub, operator.mul, operator.floordiv, operator.mod,
    operator.neg, operator.pos, abs, min, max,
)  # fmt: skip
_SAME_ITEMS = (tuple, list, runtime.sequence)
_RECORDS = (runtime.new_record, runtime.new_object)
_REVERSED = (reversed, runtime.reversed_items)  # (the second: `zip(reversed(…), …)`'s lowering)


def integral_names(fn: Function) -> set[str]:
    """The names of `fn` (SSA variables and loop targets) that hold integers only (or other
    values without a derivative: the static leaves of structured arguments)."""
    return {name for name, d in descriptions(fn).items() if _integral(d)}


def static_parts(fn: Function, atom: object) -> object | None:
    """What a call passing `atom` gives the callee's parameter: the description of a
    structure with static leaves (`Function.structures`), else None."""
    d = descriptions(fn).get(atom.name) if isinstance(atom, Var) else None
    return d if isinstance(d, tuple) and d[0] in ("seq", "fields") and _holds_int(d) else None


def _holds_int(d: object) -> bool:
    if d == INT:
        return True
    if not isinstance(d, tuple):
        return False
    items = (item for _, item in d[1]) if d[0] == "fields" else d[1]
    return d[0] != "list" and any(_holds_int(item) for item in items)


_DESCRIBED: dict[int, tuple[Function, dict]] = {}  # id → (the function, its descriptions)


def descriptions(fn: Function) -> dict[str, object]:
    """Each name of `fn` → what it holds (the module docstring's descriptions), found once
    per `Function` (activity and each call site ask)."""
    found = _DESCRIBED.get(id(fn))
    if found is None or found[0] is not fn:
        if len(_DESCRIBED) > 64:  # only the functions being differentiated now matter
            _DESCRIBED.clear()
        found = _DESCRIBED[id(fn)] = (fn, _descriptions(fn))
    return found[1]


def _descriptions(fn: Function) -> dict[str, object]:
    statements = [s for s in walk(fn.body) if isinstance(s, (Assign, For))]
    # Optimistic: a name starts as NOTHING and grows to what flows into it, so a loop header
    # that reads a value assigned further down (a tape, a branch's saved values) is not
    # taken for anything before that value is known; parameters are TOP, but for the static
    # leaves of their structure (an int field `p.n`, a string in a NamedTuple).
    described: dict[str, object] = {stmt.target: NOTHING for stmt in statements}
    for name, d in fn.structures.items():
        described[name] = _join(described.get(name, NOTHING), d)

    def describe(stmt: Assign | For) -> tuple[str, ...]:
        if isinstance(stmt, For):
            new = _iterated(stmt.iterable, described)
        else:
            new = _described(stmt.value, described)
        old = described[stmt.target]
        joined = _bounded(_join(old, new))
        if joined == old:
            return ()
        described[stmt.target] = joined
        return (stmt.target,)

    reads = [used_vars(s.iterable if isinstance(s, For) else s.value) for s in statements]
    settle(statements, reads, describe)  # (a join: describing twice changes nothing)
    return described


def structure(tree: TreeDef) -> object:
    """What an argument of the structure `tree` holds: INT at its static leaves (numbers
    without a derivative, strings, None), TOP at the others; ("fields", ((key, d), …)) for
    the attributes of a record or the entries of a dict, ("seq", …) for a tuple or list
    (an append, an update makes a new version in the SSA form)."""
    if tree.node is None:
        return TOP if tree.differentiable or tree.code is not None else INT
    items = tuple(structure(child) for child in tree.children)
    if all(item == TOP for item in items):
        return TOP
    if tree.node.kind in ("tuple", "list"):
        return ("seq", items)
    # a NamedTuple's fields are also read by position (`p[0]`, unpacking)
    positional = tree.node.kind == "namedtuple"
    return ("fields", tuple(zip(tree.node.keys, items, strict=True)), positional)


def _fields(names: tuple, items: object, positional: bool) -> object:
    """A record built from `items` (a list described item by item) under `names`."""
    if items == NOTHING:
        return NOTHING
    if not (isinstance(items, tuple) and items[0] == "seq" and len(items[1]) == len(names)):
        return TOP
    if all(item == TOP for item in items[1]):
        return TOP
    return ("fields", tuple(zip(names, items[1], strict=True)), positional)


def _replaced(record: object, names: tuple, items: object) -> object:
    """`record._replace(…)`, `dataclasses.replace(record, …)`: `names` set to `items`."""
    if NOTHING in (record, items):
        return NOTHING
    if not (isinstance(record, tuple) and record[0] == "fields"):
        return TOP
    if not (isinstance(items, tuple) and items[0] == "seq" and len(items[1]) == len(names)):
        return TOP
    changes = dict(zip(names, items[1], strict=True))
    keys = {key for key, _ in record[1]}
    if not set(changes) <= keys:
        return TOP
    pairs = tuple((key, changes.get(key, d)) for key, d in record[1])
    return ("fields", pairs, record[2])


def _field(record: object, key: object, by_position: bool) -> object:
    """The description of `record.key` (an attribute) or `record[key]` (an entry, or a
    NamedTuple's item by position)."""
    if not (isinstance(record, tuple) and record[0] == "fields"):
        return NOTHING if record == NOTHING else TOP
    _, pairs, positional = record
    if by_position:
        if positional and isinstance(key, int) and -len(pairs) <= key < len(pairs):
            return pairs[key][1]
        if positional:
            return TOP
    return next((d for k, d in pairs if k == key and type(k) is type(key)), TOP)


def _bounded(d: object, depth: int = 0) -> object:
    """`d` with lists nested deeper than `_DEPTH` taken as TOP: a loop that wraps a value in
    a tuple each time would otherwise describe it deeper on every pass."""
    if not isinstance(d, tuple) or d[0] == "fields":  # (an argument's: of fixed depth)
        return d
    if depth >= _DEPTH:
        return TOP
    if d[0] == "list":
        return ("list", _bounded(d[1], depth + 1))
    # (of a list: a generator expression, compiled, makes a closure at every call)
    return (d[0], tuple([_bounded(item, depth + 1) for item in d[1]]))


def _integral(d: object) -> bool:
    if d in (INT, NOTHING):
        return True
    if isinstance(d, tuple) and d[0] in _POSITIONAL:
        return all(_integral(item) for item in d[1])
    if isinstance(d, tuple) and d[0] == "fields":
        return all(_integral(item) for _, item in d[1])
    return isinstance(d, tuple) and d[0] == "list" and _integral(d[1])


def _join(a: object, b: object) -> object:
    if a == b or b == NOTHING:
        return a
    if a == NOTHING:
        return b
    if TOP in (a, b) or INT in (a, b) or "fields" in (a[0], b[0]):
        return TOP
    if a[0] == b[0] == "seq" and len(a[1]) == len(b[1]):
        return ("seq", tuple([_join(x, y) for x, y in zip(a[1], b[1], strict=True)]))
    if a[0] in _POSITIONAL and b[0] in _POSITIONAL:  # lengths differ: position by position
        longer, shorter = (a[1], b[1]) if len(a[1]) >= len(b[1]) else (b[1], a[1])
        padded = (*shorter, *[NOTHING] * (len(longer) - len(shorter)))
        return ("ragged", tuple([_join(x, y) for x, y in zip(longer, padded, strict=True)]))
    return ("list", _join(_items(a), _items(b)))


def _items(d: object) -> object:
    """What any one item of a list or tuple described by `d` is."""
    if d in (INT, NOTHING):
        return d
    if not isinstance(d, tuple):
        return TOP
    if d[0] == "list":
        return d[1]
    if d[0] == "fields":  # a dict's keys, or a record's items: not followed
        return TOP
    items = d[1]  # "seq" or "ragged"
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
        if value is None:  # a name's placeholder before the loop that binds it: no items
            return NOTHING
        if isinstance(value, _PLAIN) or (isinstance(value, tuple) and _all_plain(value)):
            return INT
        return TOP
    return TOP


_PLAIN = (int, bool, str, type(None))


def _all_plain(values: tuple) -> bool:
    """(A function of its own: a generator expression in `_atom`, compiled, made a closure
    at each of its calls, most of which read a variable.)"""
    return all(isinstance(v, _PLAIN) for v in values)


def _described(value: object, described: dict) -> object:
    if not isinstance(value, Prim):
        return _atom(value, described)
    fn, args = value.fn, value.args
    try:
        followed = fn in _FOLLOWED
    except TypeError:  # an unhashable callable: the comparisons below decide
        followed = True
    if not followed:  # (most calls: one lookup, not the comparisons below)
        return TOP
    if fn in _INTEGER_OPERATORS:  # (the commonest followed: asked first, as none is also
        # in another group below)
        return INT if args and all([_whole(_atom(a, described)) for a in args]) else TOP
    if fn in _INTEGER_RESULTS and fn is not segments:
        return INT  # lengths, shapes, `range`, `int(…)`: integers whatever they are of
    if fn is segments:  # a checkpointed loop's iterations cut into ranges
        return INT if args and _whole(_atom(args[0], described)) else TOP
    if fn is append and len(args) == 2:
        return _appended(_atom(args[0], described), _atom(args[1], described))
    if fn is make_list:  # `[a, b]`
        return ("seq", tuple([_atom(a, described) for a in args]))
    if fn in _SAME_ITEMS:
        return EMPTY if not args else _atom(args[0], described)
    if fn in _REVERSED and len(args) == 1:  # positions counted from the other end
        return _reversed(_atom(args[0], described))
    if fn is exactly and args:  # a tuple target's check of its length
        return _atom(args[0], described)
    if fn is getitem and len(args) == 2 and isinstance(args[1], Index):
        return _item(_atom(args[0], described), args[1])
    if fn is getattr and len(args) == 2 and isinstance(args[1], Const):  # `p.n`
        return _field(_atom(args[0], described), args[1].value, by_position=False)
    if fn in _RECORDS and len(args) == 3 and isinstance(args[1], Const):  # `P(w, n)`
        cls = getattr(args[0], "value", None)
        positional = isinstance(cls, type) and issubclass(cls, tuple)
        return _fields(args[1].value, _atom(args[2], described), positional)
    if fn is replaced and len(args) == 3 and isinstance(args[1], Const):
        return _replaced(_atom(args[0], described), args[1].value, _atom(args[2], described))
    return TOP


# the functions `_described` follows; it describes a call of any other as TOP
_FOLLOWED = frozenset(
    {
        *_INTEGER_RESULTS, runtime.append, runtime.make_list, *_SAME_ITEMS, *_REVERSED,
        runtime.exactly, operator.getitem, getattr, *_RECORDS, runtime.replaced,
        *_INTEGER_OPERATORS,
    }
)  # fmt: skip


def _whole(d: object) -> bool:
    """An integer, or nothing yet (a value still to flow in, or none at all)."""
    return d in (INT, NOTHING)


def _appended(seq: object, item: object) -> object:
    if seq == NOTHING:
        return NOTHING
    if seq == INT and _whole(item):
        return INT
    if isinstance(seq, tuple) and seq[0] == "seq":
        return ("seq", (*seq[1], item))
    if isinstance(seq, tuple) and seq[0] == "list":
        return ("list", _join(seq[1], item))
    if isinstance(seq, tuple) and seq[0] == "ragged":  # its length, so the new position, varies
        return ("list", _join(_items(seq), item))
    return TOP


def _reversed(d: object) -> object:
    if isinstance(d, tuple) and d[0] == "seq":
        return ("seq", d[1][::-1])
    if isinstance(d, tuple) and d[0] == "ragged":
        return ("list", _items(d))
    return d


def _item(seq: object, index: Index) -> object:
    if seq == NOTHING:
        return NOTHING
    if index.is_tuple or len(index.items) != 1:
        return INT if seq == INT else TOP
    (at,) = index.items
    if isinstance(seq, tuple) and seq[0] == "fields":  # `d["n"]`, `p[0]` of a NamedTuple
        return _field(seq, at.value, by_position=True) if isinstance(at, Const) else TOP
    if isinstance(seq, tuple) and seq[0] == "seq" and isinstance(at, Const):
        position = at.value
        if isinstance(position, int) and -len(seq[1]) <= position < len(seq[1]):
            return seq[1][position]
        return NOTHING if isinstance(position, int) else TOP  # an IndexError: no value
    if isinstance(seq, tuple) and seq[0] == "ragged" and isinstance(at, Const):
        position = at.value  # from the end: which item depends on the length
        if isinstance(position, int) and 0 <= position < len(seq[1]):
            return seq[1][position]
        if isinstance(position, int) and position >= len(seq[1]):
            return NOTHING
    return _items(seq) if isinstance(at, (Var, Const)) else TOP


def _iterated(iterable: object, described: dict) -> object:
    """A loop target over `iterable`."""
    if isinstance(iterable, Prim):
        return _items(_described(iterable, described))
    return _items(_atom(iterable, described))
