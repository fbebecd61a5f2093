"""Static shapes: the shape of every variable that follows from the arguments' shapes alone.

A derivative specialised to one signature of argument shapes uses them to leave out work
a person would not write: `rt.unbroadcast(g, x)` where `x` already has the result's shape,
`rt.along` in the vector mode, the general matmul adjoint where both operands are plain
matrices. A shape is known only where no value could change it: globals, slices with
computed bounds, boolean masks, anything without a shape rule here are unknown (None), and
so are variables assigned different shapes on different paths (a loop that grows an array).

The analysis is flow-insensitive, which SSA makes cheap and sound: each name's shape is the
join of the shapes of all its assignments (the copies that stand for phi nodes included),
iterated optimistically to a fixed point.
"""

from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from operator import getitem  # (a module's attribute is looked up at each use, compiled)

import numpy as np

from ..rules.registry import Rule, lookup
from ..runtime import IDENTITY_CHECKS
from ..ssa.ir import (
    COMPARE_OPERATORS,
    Assign,
    Atom,
    Const,
    For,
    Free,
    Function,
    Index,
    Prim,
    SliceItem,
    Stmt,
    Var,
    While,
    used_vars,
    walk,
)
from .settle import settle

Shape = tuple[int, ...]
_UNSEEN = object()  # not evaluated yet: the optimistic start of the fixed point

REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.nansum}
REDUCTIONS |= {np.std, np.var}
ELEMENTWISE_TESTS = {*COMPARE_OPERATORS, np.sign, np.floor, np.ceil, np.isnan, np.isfinite}
MATMULS = {operator.matmul, np.matmul, np.dot}
FILLED = {np.zeros, np.ones, np.empty, np.full}  # a new array of the shape given first
# a Python number whatever the operand is (or a failure at run time, as in the plain call)
NUMBERS = {builtins.float, builtins.int, builtins.bool, builtins.len}


def infer_shapes(fn: Function, params: dict[str, Shape | None]) -> dict[str, Shape]:
    """Known shapes of `fn`'s variables, given the shapes of its parameters."""
    integers = {s.target for s in walk(fn.body) if isinstance(s, For) and _is_range(s.iterable)}

    def assigned_shape(stmt: Assign | For | While, shapes: dict) -> tuple:
        """(the name `stmt` assigns, the shape it gives it)."""
        if isinstance(stmt, Assign):
            return stmt.target, _shape_of(stmt.value, shapes, integers)
        if isinstance(stmt, For):
            return stmt.target, () if stmt.target in integers else None
        return stmt.test, None

    shapes = fixed_point(params, fn, assigned_shape)  # (a closure: one call per statement)
    return {name: s for name, s in shapes.items() if isinstance(s, tuple)}


def fixed_point(start: dict, fn: Function, fact_of: Callable[[Stmt, dict], tuple]) -> dict:
    """Each variable's fact (a shape, a dtype), from `start` (the parameters') and the facts
    `fact_of(statement, found)` gives as `(target, fact)` for each assignment of `fn`: the
    same fact on every assignment, else None (unknown). Optimistic: a fact `_UNSEEN` (an
    operand not evaluated yet) is skipped. A statement is evaluated again only once a
    variable it reads has changed (settle.py)."""
    found: dict[str, object] = dict(start)

    def join(stmt: Stmt) -> tuple[str, ...]:
        target, fact = fact_of(stmt, found)
        old = found.get(target, _UNSEEN)
        new = fact if old is _UNSEEN else (old if old == fact else None)
        if fact is _UNSEEN or new is old:
            return ()
        found[target] = new
        return (target,)

    statements = [s for s in walk(fn.body) if isinstance(s, (Assign, For, While))]
    reads = [used_vars(s.value) if isinstance(s, Assign) else () for s in statements]
    settle(statements, reads, join)
    return found


def _is_range(iterable: object) -> bool:
    return isinstance(iterable, Prim) and iterable.fn is builtins.range


def _atom_shape(atom: Atom, shapes: dict) -> object:
    if isinstance(atom, Var):
        return shapes.get(atom.name, _UNSEEN)
    if isinstance(atom, Const) and isinstance(atom.value, (bool, int, float, np.generic)):
        return ()
    if isinstance(atom, Free) and _library_constant(atom):
        return ()
    return None  # globals can be rebound between calls; strings, None, tuples


# NumPy's and `math`'s own number constants, by identity: `np.pi` is a number for good,
# where a global of the user's may be rebound to an array between calls
_CONSTANTS = {id(c): c for c in (np.pi, np.e, np.inf, np.nan, np.euler_gamma)}
_CONSTANTS |= {id(c): c for c in (math.pi, math.e, math.tau, math.inf, math.nan)}


def _library_constant(atom: Free) -> bool:
    """Whether `atom` is `np.pi`, `math.e`, … (an attribute holding one of those objects)."""
    return "." in atom.source and id(atom.value) in _CONSTANTS


def _shape_of(value: object, shapes: dict, integers: set[str]) -> object:
    """The shape `value` evaluates to: a tuple, None (unknown) or _UNSEEN."""
    if not isinstance(value, Prim):
        return _atom_shape(value, shapes)
    fn, args = value.fn, value.args
    if fn is getitem:
        return _indexed(value, shapes, integers)
    if fn in FILLED and args and isinstance(args[0], Const):
        return _literal_shape(args[0].value)
    if fn in IDENTITY_CHECKS:  # its first argument, checked (ssa/aliasing.py)
        return _atom_shape(args[0], shapes)
    rule = lookup(fn)  # (once: both checks below read it)
    if _always_scalar(value, rule):
        return ()
    inputs = [  # (a variable's read here: most operands are, and a call each cost as much)
        shapes.get(a.name, _UNSEEN) if type(a) is Var else _atom_shape(a, shapes)
        for a in args
        if not isinstance(a, Index)
    ]
    keywords = dict(value.kwargs)
    inputs += [_atom_shape(a, shapes) for a in keywords.values()]
    if _UNSEEN in inputs:
        return _UNSEEN
    if None in inputs:  # (shapes are tuples: none equals None)
        return None
    try:
        return _rule_shape(value, rule, inputs, keywords)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
        return None  # the call fails at run time too, with NumPy's own message


def _always_scalar(prim: Prim, rule: Rule | None) -> bool:
    """Whether `prim` gives a 0-d value whatever its operands' shapes: `float(x)`, `len(x)`,
    `math.exp(x)`, and a reduction over every axis (`np.sum(x)`, also of a list); `rule`:
    its function's."""
    if prim.fn in NUMBERS:
        return True
    if rule is not None and rule.family == "math":
        return True
    if prim.fn not in REDUCTIONS or len(prim.args) != 1:
        return False
    keywords = dict(prim.kwargs)
    if keywords.keys() - {"axis", "keepdims", "dtype", "ddof"}:
        return False
    axis, keepdims = _literal(keywords.get("axis"), None), _literal(keywords.get("keepdims"), False)
    return axis is None and keepdims is False


def _rule_shape(prim: Prim, rule: Rule | None, inputs: list, keywords: dict) -> Shape | None:
    fn = prim.fn
    if (rule is not None and rule.diagonal) or fn in ELEMENTWISE_TESTS:
        return broadcast(inputs)
    if fn in REDUCTIONS and len(prim.args) == 1:
        axis = _literal(keywords.get("axis"), None)
        keepdims = _literal(keywords.get("keepdims"), False)
        if axis is _UNSEEN or keepdims is _UNSEEN or set(keywords) - {"axis", "keepdims", "ddof"}:
            return None
        return _reduced(inputs[0], axis, bool(keepdims))
    if fn in MATMULS and len(inputs) == 2 and not keywords:
        return _matmul(*inputs, dot=fn is np.dot)
    if fn is np.transpose and len(inputs) == 1:  # `x.T` too
        return inputs[0][::-1]
    if fn in (np.zeros_like, np.ones_like, np.full_like) and not keywords.keys() - {"dtype"}:
        return inputs[0]
    return None


def broadcast(shapes: list[Shape]) -> Shape:
    """`np.broadcast_shapes(*shapes)` as a tuple; the common cases (0-d operands, one shape
    among the rest) without it, whose arrays made for each call cost about a hundredth of a
    transformation. Raises ValueError where the shapes do not broadcast."""
    found: Shape = ()
    for shape in shapes:
        if shape != () and shape != found:
            if found != ():
                return tuple(np.broadcast_shapes(*shapes))
            found = shape
    return found


def _literal_shape(value: object) -> Shape | None:
    """The shape a literal `shape` argument gives (`3` or `(2, 3)`), None if not one."""
    dims = value if isinstance(value, tuple) else (value,)
    if all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in dims):
        return tuple(dims)
    return None


def _literal(atom: Atom | None, default: object) -> object:
    if atom is None:
        return default
    return atom.value if isinstance(atom, Const) else _UNSEEN


def _reduced(shape: Shape, axis: object, keepdims: bool) -> Shape:
    if axis is None:
        return tuple(1 for _ in shape) if keepdims else ()
    axes = {a % len(shape) if -len(shape) <= a < len(shape) else a for a in np.atleast_1d(axis)}
    if not axes <= set(range(len(shape))):
        raise ValueError("axis out of range")
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _matmul(a: Shape, b: Shape, *, dot: bool) -> Shape | None:
    if dot and (len(a) > 2 or len(b) > 2):
        return None
    if dot and (a == () or b == ()):
        return tuple(np.broadcast_shapes(a, b))
    if a == () or b == ():
        raise ValueError("matmul of a scalar")
    if a[-1] != (b[-2] if len(b) > 1 else b[0]):
        raise ValueError("mismatched inner dimensions")
    if len(a) == 1 and len(b) == 1:
        return ()
    if len(a) == 1:
        return (*b[:-2], b[-1])
    if len(b) == 1:
        return a[:-1]
    return (*np.broadcast_shapes(a[:-2], b[:-2]), a[-2], b[-1])


def _indexed(prim: Prim, shapes: dict, integers: set[str]) -> object:
    """`x[index]` where every item of the index is a literal, a literal slice, or a loop
    counter of `range`: NumPy's own indexing of a zero-strided stand-in gives the shape."""
    base, index = prim.args
    shape = _atom_shape(base, shapes)
    if not isinstance(shape, tuple) or not isinstance(index, Index):
        return shape if shape is _UNSEEN else None
    items = []
    for item in index.items:
        if isinstance(item, SliceItem):
            parts = [_literal(p, None) for p in (item.lower, item.upper, item.step)]
            if _UNSEEN in parts:
                return None
            items.append(slice(*parts))
        elif isinstance(item, Var) and item.name in integers:
            items.append(0)
        elif isinstance(item, Const) and not isinstance(item.value, (list, str)):
            items.append(item.value)
        else:
            return None
    stand_in = np.broadcast_to(np.empty((), dtype=np.int8), shape)
    try:
        return stand_in[tuple(items) if index.is_tuple else items[0]].shape
    except (IndexError, TypeError, ValueError):
        return None
