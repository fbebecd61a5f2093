"""Activity analysis: which variables carry a derivative.

A variable is *varied* if it depends on a differentiated input, *useful* if the output
depends on it; only variables that are both (*active*) get tangent or adjoint code. Loops
feed values back to their headers, so both analyses run to a fixed point.

For tuples, lists and dicts, usefulness is asked of their items (`demanded`): a value
`p` read only as `p[0]` (`a, _ = p`) needs no derivative of `p[1]`, and a display `[a, b]`
or `{"loss": l, "aux": a}` none of the items no one reads. Otherwise the derivative of an
unread item is formed anyway, and where its partial is infinite (`math.sqrt` at 0) its zero
cotangent times that partial makes nan of a finite derivative; JAX and autograd leave such
items out the same way (symbolic zero cotangents). Each variable's demand is a set of
*paths*, tuples of literal keys: `()` is the whole value, `(1, "aux")` is `p[1]["aux"]`.
Paths flow back through item reads (`t[k]`, `d.get(k)`), copies (the SSA form's `a = b`
at joins and loop headers), `tuple(xs)` and starred unpacking's length check, and into
displays built from `[]` by appends and from `{}` by items set with literal keys; any other
statement reading a value reads it whole. The result's demand is the whole value, or in a
helper's derivative the items its callers read (`Function.reads`, ad/read_items.py).

>>> import math
>>> from s2s_ad.ssa.ir import Assign, Const, Function, Prim, Return, Var
>>> body = [Assign("a", Prim(math.sin, (Var("x"),)), 2),
...         Assign("b", Prim(math.cos, (Var("y"),)), 3),
...         Return((Var("a"),), False, 4)]
>>> sorted(activity(Function("f", ["x", "y"], body, "f.py", 1), ["x", "y"])[0])
['a', 'x']
"""

from __future__ import annotations

import operator

from .. import runtime
from ..rules.registry import lookup
from ..runtime import (  # (read per statement: `runtime.append` is a lookup at each use)
    append,
    dict_get,
    make_dict,
    make_list,
    reversed_items,
    setitem,
)
from ..ssa.ir import Assign, Const, Function, Index, Prim, SliceItem, Var, used_vars
from .integers import integral_names
from .settle import settle


def activity(
    fn: Function, wrt: list[str], found: tuple[list[Assign], tuple] | None = None
) -> tuple[set[str], dict[str, frozenset]]:
    """(the names, parameters and SSA variables, that are both varied and useful; the
    paths of each useful name's value a derivative of the result reads: `demanded`).
    `found`: `analysed_assignments(fn)`, where the caller has it (`display_reads` reads
    them too)."""
    found = found or analysed_assignments(fn)  # (both analyses read them: found once)
    demand = demanded(fn, found)
    return set(varied_paths(fn, wrt, found)) & set(demand), demand


def analysed_assignments(fn: Function) -> tuple[list[Assign], tuple[dict, dict]]:
    """(`fn`'s assignments that carry a derivative, in program order; `_displays` of all
    its assignments)."""
    every = fn.assigns()
    return [s for s in every if carries_derivative(s)], _displays(every)


def varied_paths(
    fn: Function, wrt: list[str], found: tuple[list[Assign], tuple] | None = None
) -> dict[str, frozenset]:
    """name → the paths of its value that depend on a differentiated input (`WHOLE`: all
    of it); names with no entry depend on none.

    Items are followed as `demanded` follows them, forward: into lists built by appends
    and dicts by items set (at the positions `_displays` knows, else at `ANY`
    position: a tape appended to in a loop), through copies and `tuple(xs)`, and out by
    item reads. The taped values of a loop in gradient code, `(z, X[i:j])` per iteration,
    leave the slice of data without a tangent where the replay reads it back (`item[1]`):
    a Hessian's pass computes none for it, nor for what is computed from it alone.
    `found`: `analysed_assignments(fn)`, where the caller has it."""
    varied: dict[str, frozenset] = {name: WHOLE for name in wrt}
    integral = integral_names(fn)  # counters, lengths, shapes: never varied (integers.py)
    carrying, displays = found or analysed_assignments(fn)
    assigns = [s for s in carrying if s.target not in integral]

    def vary(stmt: Assign) -> tuple[str, ...]:
        grew = _add(varied, stmt.target, _varied_value(stmt, varied, displays))
        return (stmt.target,) if grew else ()

    settle(assigns, [used_vars(s.value) for s in assigns], vary)
    return varied


class _AnyPosition:
    """The key of an item at a position not known statically (a tape's entry)."""

    def __repr__(self) -> str:
        return "ANY"


ANY = _AnyPosition()
_NONE: frozenset = frozenset()


def _varied_value(stmt: Assign, varied: dict, displays: tuple[dict, dict]) -> frozenset:
    """The varied paths of `stmt`'s value, given those of the names it reads."""
    positions, lengths = displays
    value = stmt.value
    if isinstance(value, Var):  # a copy
        return varied.get(value.name, _NONE)
    operands = derivative_operands(stmt)
    # (no generator expressions here: compiled, a function holding one makes a closure at
    # each call, most of which end here)
    if varied.keys().isdisjoint(operands):
        return _NONE
    args = value.args if isinstance(value, Prim) else ()
    if not args or not isinstance(args[0], Var):
        return WHOLE
    first = varied.get(args[0].name, _NONE)
    # a value (an item, a default) the statement places or gives as it is; any other varied
    # operand (an index, `np.c_[x, x]`) makes the whole result varied
    fn = value.fn
    builds = (fn is append or fn is setitem) and len(args) >= 2
    placed = args[2] if fn is dict_get and len(args) > 2 else None
    placed = args[1] if builds else placed
    placed_name = placed.name if isinstance(placed, Var) else None
    first_name = args[0].name
    for n in operands:
        if n in varied and n != first_name and n != placed_name:
            return WHOLE
    if fn in _SAME_ITEMS_FORWARD:
        return first
    if fn is reversed_items:  # the same items at other positions
        return WHOLE if () in first else frozenset([(ANY, *p[1:]) for p in first])
    if fn in _ITEM_READS and len(args) >= 2:  # `x[k]`, `d.get(k, default)`
        count = lengths.get(args[0].name)  # a list display's: `L[-1]` is `L[count - 1]`
        return _union(_read(first, args[1], count), varied.get(placed_name, _NONE))
    if builds:
        if id(stmt) in positions:
            key = positions[id(stmt)][0]
        else:  # `L[-1] = v` names another item once `L` grows: a position not known
            key = literal_key(args[2]) if fn is setitem and len(args) == 3 else None
            key = ANY if key is None or (type(key) is int and key < 0) else key
        item = varied.get(placed_name, _NONE)
        return _union(first, frozenset([(key, *p) for p in item]))
    return WHOLE


def _read(paths: frozenset, index: object, count: int | None = None) -> frozenset:
    """The varied paths of `x[index]` (`d.get(index)`) given those of `x` (`count`: its
    length, where it is a list display)."""
    if () in paths:
        return WHOLE
    key = literal_key(index)
    if count is not None and type(key) is int and key < 0:
        key += count
    if key is not None or isinstance(index, Var) or _one_atom(index, Var):
        found = {p[1:] for p in paths if key is None or _may_be(p[0], key)}
        return WHOLE if () in found else frozenset(found)
    if _one_atom(index, SliceItem):  # a slice: a list of some of the items
        return frozenset((ANY, *p[1:]) for p in paths)
    return WHOLE if paths else _NONE


def _one_atom(index: object, kind: type) -> bool:
    """Whether `index` is `[i]` of one item of `kind` (a variable, a slice)."""
    return isinstance(index, Index) and not index.is_tuple and isinstance(index.items[0], kind)


def _may_be(held: object, key: int | str) -> bool:
    """Whether the item at `held` (a path's key) may be the one `key` reads: the same key,
    any position, or a position counted from the other end."""
    if held is ANY or (held == key and type(held) is type(key)):
        return True
    return type(held) is int and type(key) is int and (held < 0) != (key < 0)


def _union(a: frozenset, b: frozenset) -> frozenset:
    return WHOLE if () in a or () in b else a | b


def derivative_operands(stmt: Assign) -> set[str]:
    """The variables a derivative can flow from: all the statement reads, except the
    operands a rule only takes shapes or positions from (its selectors)."""
    names = used_vars(stmt.value)
    rule = lookup(stmt.value.fn) if isinstance(stmt.value, Prim) else None
    if rule is None or not rule.selectors:
        return names
    site = rule.bind(stmt.value)
    if site is None:
        return names
    chosen = [*site.params.values()]
    chosen += [a for k, a in site.keywords.items() if k not in rule.selectors]
    return {a.name for a in chosen if isinstance(a, Var)}


def carries_derivative(stmt: Assign) -> bool:
    """False for primitives whose output is a constant as far as derivatives go."""
    if not isinstance(stmt.value, Prim):
        return True
    fn = stmt.value.fn
    rule = lookup(fn)
    if rule is None:  # (`print(v)` of an inlined lambda's body: its value is None)
        from ..ssa.effects import returns_none_for_effect  # (it imports this module's users)

        return not returns_none_for_effect(fn)
    return not rule.nondiff


# Demand: which items of each value a derivative of the result reads

WHOLE = frozenset({()})
MAX_DEPTH = 4  # longer paths stand for their prefix (a value built up in a loop)
# statements whose value is their first operand's, item for item
_SAME_ITEMS = (tuple, runtime.at_least)
# the items of `for v in xs`' sequence are those of `xs` (for a dict, its keys: varied
# where its values are, as before items were followed: more tangents, never fewer), and
# those of a tuple target's check of its length
_SAME_ITEMS_FORWARD = (*_SAME_ITEMS, runtime.sequence, runtime.exactly)
_ITEM_READS = (operator.getitem, runtime.dict_get)


def demanded(fn: Function, found: tuple[list[Assign], tuple] | None = None) -> dict[str, frozenset]:
    """name → the paths of its value a derivative of the result reads (`WHOLE`: all of
    it); names with no entry carry no derivative: none is useful. `found`:
    `analysed_assignments(fn)`, where the caller has it."""
    demand: dict[str, frozenset] = {}
    result = fn.result
    reads = WHOLE if fn.reads is None else fn.reads
    for position, atom in enumerate(result.values):
        if isinstance(atom, Var):
            below = items_at(reads, position, len(result.values)) if result.is_tuple else reads
            _add(demand, atom.name, below)
    carrying, (positions, _) = found or analysed_assignments(fn)
    assigns = carrying[::-1]

    def demand_operands(stmt: Assign) -> list[str]:
        paths = demand.get(stmt.target)
        if not paths:
            return []
        flows = _flows(stmt, paths, positions)
        return [name for name, below in flows if _add(demand, name, below)]

    settle(assigns, [(s.target,) for s in assigns], demand_operands)
    return demand


def display_reads(
    fn: Function, demand: dict[str, frozenset], found: tuple[list[Assign], tuple] | None = None
) -> dict[int, tuple]:
    """id(a display's statement, `t = rt.append(xs, v)` or `t = rt.setitem(d, v, key)`) →
    (the operands whose derivatives the demanded paths of `t` (`demanded`) read, the set of
    the others: those no demanded path goes into, an item of a helper's result its callers
    leave unread, whose derivative is zero). `found`: `analysed_assignments(fn)`, where
    the caller has it (`activity` read them)."""
    _, (positions, _) = found or analysed_assignments(fn)
    reads = {}
    for stmt in fn.assigns():
        if id(stmt) in positions:
            flows = _flows(stmt, demand.get(stmt.target, frozenset()), positions)
            flowing = {name for name, paths in flows if paths}
            operands = derivative_operands(stmt)
            read = [n for n in operands if n in flowing]
            reads[id(stmt)] = (read, frozenset(operands) - flowing)
    return reads


def items_at(paths: frozenset, key: int | str, count: int | None = None) -> frozenset:
    """The paths below item `key` of a value whose demanded paths are `paths` (a tuple or
    list of `count` items, where a negative index counts from its end)."""
    if () in paths:
        return WHOLE
    found = set()
    for path in paths:
        first = path[0]
        if count is not None and type(first) is int and first < 0:
            first += count
        if first == key and type(first) is type(key):
            found.add(path[1:])
    return WHOLE if () in found else frozenset(found)


def _add(demand: dict[str, frozenset], name: str, paths: frozenset) -> bool:
    """Add `paths` to `name`'s demand; whether it grew."""
    if not paths:
        return False
    old = demand.get(name)
    if old is WHOLE:
        return False
    if () in paths:
        demand[name] = WHOLE
        return True
    new = frozenset([p[:MAX_DEPTH] for p in paths])  # (a list: no generator, compiled)
    merged = new if old is None else old | new
    if merged == old:
        return False
    demand[name] = merged
    return True


def _flows(stmt: Assign, paths: frozenset, positions: dict):
    """(operand, the paths of it `stmt` reads) for each operand a derivative flows from,
    given the paths of `stmt`'s value that are demanded."""
    value = stmt.value
    if isinstance(value, Var):  # a copy
        return [(value.name, paths)]
    if isinstance(value, Prim) and value.args and isinstance(value.args[0], Var):
        first = value.args[0].name
        if value.fn in _SAME_ITEMS:
            return [(first, paths)]
        key = literal_key(value.args[1]) if value.fn in _ITEM_READS else None
        if key is not None and len(value.args) >= 2:
            flows = [(first, frozenset([(key, *p) for p in paths]))]  # (a list: no closure)
            default = value.args[2] if len(value.args) > 2 else None  # `d.get(k, default)`
            if isinstance(default, Var):
                flows.append((default.name, paths))
            return flows
        if id(stmt) in positions:  # `t = rt.append(xs, v)`, `t = rt.setitem(d, v, key)`
            key, count = positions[id(stmt)]
            item = value.args[1]
            flows = [(first, _others(paths, key, count))]
            if isinstance(item, Var):
                flows.append((item.name, items_at(paths, key, count)))
            return flows
    return [(name, WHOLE) for name in derivative_operands(stmt)]


def _others(paths: frozenset, key: int | str, count: int | None) -> frozenset:
    """The paths of a display before its item `key` was added (`count`: a list's length
    after): those not below `key`, with a list's negative indices counted from its end."""
    if () in paths:
        return WHOLE
    kept = set()
    for path in paths:
        first = path[0]
        if count is not None:
            if type(first) is not int:
                return WHOLE  # a list read by a key it cannot have: Python's error decides
            first = first + count if first < 0 else first
        if first != key:
            kept.add((first, *path[1:]))
    return frozenset(kept)


def _displays(assigns: list[Assign]) -> tuple[dict, dict]:
    """(id(statement) → (the key it sets, a list's length after it, or None for a dict),
    for each `rt.append` to a list, `rt.setitem` of a literal index in range in a list and
    `rt.setitem` of a literal key in a dict, built from `[]` or `{}` by such statements
    alone, each version assigned once; each such display's name → its length, or None
    for a dict), from `assigns`, a function's, in program order."""
    defined: dict[str, Assign | None] = {}
    for stmt in assigns:
        defined[stmt.target] = None if stmt.target in defined else stmt  # None: reassigned
    joins = _joins(assigns, defined)
    lengths: dict[str, int | None] = {}  # display name → its length (None: a dict)
    positions = {}
    for stmt in assigns:  # in program order: a display's versions come in order
        value = stmt.value
        if stmt.target in joins:  # each arm's version, copied: one display if all agree
            known = value.name in lengths and lengths.get(stmt.target, -1) in (
                -1,
                lengths[value.name],
            )
            if known and joins[stmt.target]:
                lengths[stmt.target] = lengths[value.name]
            else:
                joins[stmt.target] = False
                lengths.pop(stmt.target, None)
            continue
        if defined.get(stmt.target) is not stmt:
            continue
        if isinstance(value, Var):  # a copy (of `{}` shared by a loop's displays: cse.py)
            if value.name in lengths:
                lengths[stmt.target] = lengths[value.name]
        elif not isinstance(value, Prim):
            continue
        elif value.fn is make_list and not value.args:
            lengths[stmt.target] = 0
        elif value.fn is make_dict and not value.args:
            lengths[stmt.target] = None
        elif (value.fn is append or value.fn is setitem) and isinstance(value.args[0], Var):
            before = value.args[0].name
            if before not in lengths:
                continue
            count = lengths[before]
            if value.fn is append and count is not None:
                positions[id(stmt)] = (count, count + 1)
                lengths[stmt.target] = count + 1
            elif value.fn is setitem and count is None and len(value.args) == 3:
                key = literal_key(value.args[2])
                if key is not None:
                    positions[id(stmt)] = (key, None)
                    lengths[stmt.target] = None
            elif value.fn is setitem and len(value.args) == 3:  # `L[-1] = v`
                key = literal_key(value.args[2])
                key = key + count if type(key) is int and key < 0 else key
                if type(key) is int and 0 <= key < count:
                    positions[id(stmt)] = (key, count)
                    lengths[stmt.target] = count
    return positions, lengths


def _joins(assigns: list[Assign], defined: dict) -> dict[str, bool]:
    """The names assigned more than once, by copies alone, each before any statement reads
    the name (an `if`'s join of its arms' versions, not a loop's carried value) → True."""
    copies: dict[str, int] = {}  # name → the index of its last copy (-1: not all copies)
    first_read: dict[str, int] = {}
    for k, stmt in enumerate(assigns):
        for name in used_vars(stmt.value):
            first_read.setdefault(name, k)
        if defined[stmt.target] is None and copies.get(stmt.target, 0) >= 0:
            copies[stmt.target] = k if isinstance(stmt.value, Var) else -1
    return {
        name: True
        for name, last in copies.items()
        if 0 <= last < first_read.get(name, len(assigns))
    }


def literal_key(operand: object) -> int | str | None:
    """k of an index `[k]` (or the operand `k`) that is an integer or string literal."""
    if isinstance(operand, Index):
        if len(operand.items) != 1 or operand.is_tuple:
            return None
        operand = operand.items[0]
    if isinstance(operand, Const) and type(operand.value) in (int, str):
        return operand.value
    return None
