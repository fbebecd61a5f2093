"""Shapes the shape-generic derivative may rely on: those that hold for every argument.

A derivative made for every shape (what `vjp`, `jvp` and `derivative_source(f)` give) knows
no argument's shape: an argument written as a float may be called with an array, and a
helper may be given a list. Some values' shapes follow from the code alone: Python
literals, `range` counters, `len(x)`, `float(x)`, `math.exp(x)`, `np.sum(x)` over every
axis, and arithmetic of those are 0-d (ad/shapes.py with no argument's shape). Others are
known *equal*: `np.tanh(x) * 2.0` has the shape of `np.tanh(x)`, whatever it is (`Like`).
Where an operand has the result's shape, or the other operand is 0-d and cannot broadcast
it, `rt.unbroadcast(x_bar, x)` sums over no axis and is left out (ad/templates.py,
`_may_broadcast`); likewise `rt.along` and `rt.broadcast_tangent` in the tangent code.
Sound or nothing: a shape is unknown unless it follows for every argument.

Before → after, `total` a float accumulated over a `range` loop (`k` its counter), `y` an
array `np.tanh(x)`:
    `total_1_bar = rt.unbroadcast(total_2_bar, total_1)` (`total_2 = total_1 + _t2`, both 0-d)
    `y_bar = y_bar + rt.unbroadcast(_t1_bar * k, y)`     (`_t1 = y * k`)
        →  `total_1_bar = total_2_bar`;  `y_bar = y_bar + _t1_bar * k`

A `Like(r)` stands for the shape of `r`'s value: `r` is a parameter or a variable assigned
once outside every loop, so its shape is one for the whole call. A loop-carried variable has
the set of shapes of its assignments (`x_1`: {(), Like("vx")} for `x = 0.0` then
`x = x + vx * dt`); elementwise operations broadcast the sets pairwise, and only a single
shape is known. Python's `+`, `*` and `%` also join, repeat and format lists, tuples and
strings: each value has a kind (a float or an array; a number; perhaps a sequence), a shape
passes through those operators only where an operand is a float or an array (or both are
numbers), and only values known not to be sequences get a shape: an argument keeps its
`rt.unbroadcast`, which makes a list's cotangent. The analysis is flow-insensitive on SSA,
iterated to a fixed point (each value is computed from earlier ones: the induction holds).
"""

from __future__ import annotations

import builtins
import operator
from dataclasses import dataclass

import numpy as np

from .. import runtime
from ..rules.registry import lookup
from ..ssa.ir import COMPARE_OPERATORS, Assign, Const, For, Function, Index, Prim, Var, While, walk
from .shapes import ELEMENTWISE_TESTS, MATMULS, REDUCTIONS, _is_range, infer_shapes

_UNSEEN = object()  # not evaluated yet: the optimistic start of the fixed point
_MOST = 4  # more shapes than this in one variable's set: unknown
# kinds of values, from the most to the least known: a float or an array (a NumPy scalar
# too), with which `+` and `*` are arithmetic whatever the other operand; a number or an
# array (a Python int or bool too); anything (None: perhaps a list, a tuple, a string)
FLOAT, NUMBER = "float", "number"
PYTHON_OPERATORS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow}
PYTHON_OPERATORS |= {operator.neg, operator.pos, operator.mod, builtins.abs, builtins.pow}
SEQUENCE_OPERATORS = {operator.add, operator.mul, operator.mod}  # join, repeat, format too
INTEGERS = {builtins.len, builtins.int, builtins.bool}


@dataclass(frozen=True)
class Like:
    """The shape of `name`'s value, whatever it is (a parameter's, or a variable's assigned
    once outside every loop)."""

    name: str


Shapes = frozenset | None  # of tuples and `Like`s; None: unknown


def known_shapes(fn: Function) -> tuple[dict[str, tuple | Like], frozenset[str]]:
    """`fn`'s variables whose shape is the same for every argument, or the same as a root's,
    and the variables known not to be sequences (numbers and arrays): the shapes it is
    specialised to where it is (`fn.shapes`), else those that follow with no argument's."""
    if fn.shapes:
        return fn.shapes, frozenset(fn.shapes)
    concrete = infer_shapes(fn, dict.fromkeys(fn.params))
    kinds = value_kinds(fn)
    roots = _roots(fn)
    sets: dict[str, object] = {p: frozenset({Like(p)}) for p in fn.params}
    changed = True
    while changed:
        changed = False
        for target, value in _assignments(fn):
            new = _set_of(target, value, sets, concrete, roots, kinds)
            if new is _UNSEEN:
                continue
            old = sets.get(target, _UNSEEN)
            if old is not _UNSEEN:
                new = None if old is None or new is None else old | new
                new = None if new is not None and len(new) > _MOST else new
            if new != old:
                sets[target] = new
                changed = True
    numbers = frozenset(name for name, kind in kinds.items() if kind in (FLOAT, NUMBER))
    known: dict[str, tuple | Like] = dict(concrete)
    for name, shapes in sets.items():
        one = isinstance(shapes, frozenset) and len(shapes) == 1
        if name not in known and one and name in numbers:
            known[name] = next(iter(shapes))
    return known, numbers | frozenset(concrete)


def value_kinds(fn: Function) -> dict[str, str | None]:
    """FLOAT, NUMBER or None for each variable: the least known of its assignments, from
    the optimistic start (each value is computed from earlier ones, so the induction holds)."""
    kinds: dict[str, object] = dict.fromkeys(fn.params)  # an argument may be anything
    counters = {s.target for s in walk(fn.body) if isinstance(s, For) and _is_range(s.iterable)}
    loops = {s.target for s in walk(fn.body) if isinstance(s, For)}
    changed = True
    while changed:
        changed = False
        for target, value in _assignments(fn):
            if value is not None:
                new = _kind(value, kinds)
            else:  # a counter of `range`, another loop's item, a `while` test (a truth value)
                new = NUMBER if target in counters or target not in loops else None
            if new is _UNSEEN:
                continue
            old = kinds.get(target, _UNSEEN)
            if old is not _UNSEEN:
                new = old if old == new else (NUMBER if None not in (old, new) else None)
            if new != old:
                kinds[target] = new
                changed = True
    return {name: kind for name, kind in kinds.items() if kind is not _UNSEEN}


def _kind(value: object, kinds: dict) -> object:
    if isinstance(value, Var):
        return kinds.get(value.name, _UNSEEN)
    if isinstance(value, Const):
        if isinstance(value.value, (bool, int)):
            return NUMBER
        return FLOAT if isinstance(value.value, (float, complex, np.generic)) else None
    if not isinstance(value, Prim):
        return None
    if value.fn in runtime.IDENTITY_CHECKS:
        return _kind(value.args[0], kinds)
    if _numpy_call(value) or value.fn in REDUCTIONS or value.fn is builtins.float:
        return FLOAT
    if value.fn in INTEGERS or value.fn in ELEMENTWISE_TESTS:
        return NUMBER
    if value.fn not in PYTHON_OPERATORS:
        return None
    operands = [_kind(a, kinds) for a in value.args]
    if _UNSEEN in operands:
        return _UNSEEN
    if FLOAT in operands or value.fn is operator.truediv:  # an int's quotient is a float
        return FLOAT
    if value.fn not in SEQUENCE_OPERATORS or _square(value):  # `-`, `**`, `abs` of a list,
        return NUMBER  # and a list times a list, fail
    return NUMBER if all(k == NUMBER for k in operands) else None


def _square(prim: Prim) -> bool:
    """`x * x`: a number's or an array's square (a list times a list fails)."""
    return prim.fn is operator.mul and len(set(prim.args)) == 1 and isinstance(prim.args[0], Var)


def _numpy_call(prim: Prim) -> bool:
    """A NumPy ufunc or elementwise function, a matrix product or a `math` function: its
    result is an array or a NumPy scalar (`np.sin` of a list too), or a float."""
    rule = lookup(prim.fn)
    if rule is not None and rule.family == "math":
        return True
    if isinstance(prim.fn, np.ufunc) or (prim.fn in MATMULS and prim.fn is not operator.matmul):
        return True
    return rule is not None and rule.diagonal and rule.name.startswith("np.")


def _assignments(fn: Function):
    for stmt in walk(fn.body):
        if isinstance(stmt, Assign):
            yield stmt.target, stmt.value
        elif isinstance(stmt, For):
            yield stmt.target, None
        elif isinstance(stmt, While):
            yield stmt.test, None


def _roots(fn: Function) -> set[str]:
    """Names whose value is one for the whole call: parameters never assigned, variables
    assigned once, not in a loop's body (each iteration would give a new value)."""
    counts: dict[str, int] = {}
    for target, _ in _assignments(fn):
        counts[target] = counts.get(target, 0) + 1
    in_loops = {
        target
        for stmt in walk(fn.body)
        if isinstance(stmt, (For, While))
        for target, _ in _assignments(Function("", [], stmt.body, "", 0))
    }
    once = {name for name, n in counts.items() if n == 1 and name not in in_loops}
    return (once | {p for p in fn.params if p not in counts}) - _loop_names(fn)


def _loop_names(fn: Function) -> set[str]:
    return {s.target for s in walk(fn.body) if isinstance(s, For)} | {
        s.test for s in walk(fn.body) if isinstance(s, While)
    }


def _set_of(
    target: str, value: object, sets: dict, concrete: dict, roots: set[str], kinds: dict
) -> object:
    """The shapes `target` may have after `target = value`: a frozenset, None or _UNSEEN."""
    if target in concrete:
        return frozenset({concrete[target]})
    found = _elementwise(value, sets, kinds) if value is not None else None
    if found is _UNSEEN or found is not None:
        return found
    return frozenset({Like(target)}) if target in roots else None


def _elementwise(value: object, sets: dict, kinds: dict) -> object:
    """The shapes of a copy, or of an elementwise primitive of operands of known shapes
    (a Python operator only where it is arithmetic: an operand a float or an array, or all
    numbers)."""
    if isinstance(value, (Var, Const)):
        return _atom_set(value, sets)
    if not isinstance(value, Prim) or value.kwargs:
        return None
    if value.fn in runtime.IDENTITY_CHECKS:  # its first argument, checked (ssa/aliasing.py)
        return _atom_set(value.args[0], sets)
    if value.fn in SEQUENCE_OPERATORS or value.fn in COMPARE_OPERATORS:  # lists compare whole
        operands = [_kind(a, kinds) for a in value.args]
        arithmetic = FLOAT in operands or all(k == NUMBER for k in operands)
        if not (arithmetic or _square(value)):
            return None
    elif not (_numpy_call(value) or value.fn in PYTHON_OPERATORS or value.fn in ELEMENTWISE_TESTS):
        return None
    rule = lookup(value.fn)
    elementwise = (rule is not None and rule.diagonal) or value.fn in ELEMENTWISE_TESTS
    if not elementwise or any(isinstance(a, Index) for a in value.args):
        return None
    result: object = frozenset({()})
    for arg in value.args:
        shapes = _atom_set(arg, sets)
        if shapes is _UNSEEN or shapes is None:
            return shapes
        result = _broadcast(result, shapes)
        if result is None:
            return None
    return result


def _atom_set(atom: object, sets: dict) -> object:
    if isinstance(atom, Var):
        return sets.get(atom.name, _UNSEEN)
    if isinstance(atom, Const) and isinstance(atom.value, (bool, int, float, np.generic)):
        return frozenset({()})
    return None  # globals can be rebound between calls; strings, None, tuples


def _broadcast(left: frozenset, right: frozenset) -> Shapes:
    """Every shape broadcasting one of `left` with one of `right` gives; None if unknown."""
    found = set()
    for a in left:
        for b in right:
            if a == () or a == b:
                found.add(b)
            elif b == ():
                found.add(a)
            elif isinstance(a, tuple) and isinstance(b, tuple):
                try:
                    found.add(tuple(np.broadcast_shapes(a, b)))
                except ValueError:
                    return None  # the call fails at run time too
            else:
                return None
    return frozenset(found) if len(found) <= _MOST else None
