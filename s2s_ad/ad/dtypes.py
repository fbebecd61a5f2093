"""Static dtypes: the dtype of every variable that follows from the arguments' dtypes alone.

Code specialised to one signature of argument shapes and dtypes (what `grad` and the
Jacobians run) may leave out a product only where it is exact: `ones * e` is `e` when the
ones cannot widen `e`'s dtype (simplify/unit_seeds.py). That needs the dtypes this analysis
finds, sound or nothing, as ad/shapes.py finds shapes: flow-insensitive on SSA, each name's
dtype the one all its assignments give, else unknown.

A fact is `("strong", dtype)` for a NumPy array (or perhaps a NumPy scalar), `("scalar",
dtype)` for a NumPy scalar (`np.float64(…)`: never changed in place), or `("weak", type)` for
a Python `float`, `int` or `bool`, which NumPy's promotion rules (NEP 50) let the other
operand's dtype decide. An operator or a NumPy ufunc gives the dtype and kind NumPy's own
promotion gives: the analysis applies it to stand-ins of its operands' kinds (an array of one
element, a NumPy scalar, a Python number). Globals, calls of other functions and anything
without a rule here are unknown.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .. import runtime
from ..ssa.ir import Assign, Const, For, Function, Index, Prim, Var, While, walk
from .shapes import _UNSEEN, MATMULS, REDUCTIONS, _is_range, fixed_point

Fact = tuple[str, object]  # ("strong" | "scalar", np.dtype) or ("weak", float | int | bool)
WEAK_FLOAT: Fact = ("weak", float)
_WEAK_TYPES = (bool, int, float)  # `bool` before `int`: True is an int too
# Python's arithmetic operators: NumPy's promotion for arrays, Python's for Python numbers
_OPERATORS = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow}
_OPERATORS |= {operator.neg, operator.pos, builtins.abs}
# their dtype is their (first) operand's, unless asked for another one
_SAME_DTYPE = {np.transpose, np.zeros_like, np.ones_like, np.full_like, *runtime.IDENTITY_CHECKS}
_SAME_DTYPE.add(runtime.sequence)  # what a loop iterates over: an array's rows or elements
# functions that give a Python int or float whatever they are given: counts (`len(x)`,
# `x.size`, `x.ndim`), conversions, and the `math` module's functions of real numbers
_PYTHON_NUMBERS = {fn: ("weak", int) for fn in (builtins.len, builtins.int, np.size, np.ndim)}
_PYTHON_NUMBERS[builtins.float] = WEAK_FLOAT
_PYTHON_NUMBERS.update(
    (getattr(math, name), WEAK_FLOAT)
    for name in (
        *("sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "pow", "fabs", "hypot"),
        *("sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh"),
        *("asinh", "acosh", "atanh", "erf", "erfc", "gamma", "lgamma", "fsum", "copysign"),
        *("degrees", "radians"),
    )
)


def argument_fact(kind: object) -> Fact | None:
    """An argument's fact from its part of a signature: `(dtype, shape)` for an array, its
    type otherwise (`float`, `np.float32`, a list …)."""
    if isinstance(kind, tuple):
        return ("strong", kind[0])
    if kind in _WEAK_TYPES:
        return ("weak", kind)
    if isinstance(kind, type) and issubclass(kind, np.number):
        return ("scalar", np.dtype(kind))
    return None


def infer_dtypes(fn: Function, params: dict[str, Fact | None]) -> dict[str, Fact]:
    """Known dtypes of `fn`'s variables, given its parameters' (None: unknown)."""
    counters = {s.target for s in walk(fn.body) if isinstance(s, For) and _is_range(s.iterable)}

    def assigned_fact(stmt: Assign | For | While, facts: dict) -> tuple:
        """(the name `stmt` assigns, the fact it gives it)."""
        if isinstance(stmt, Assign):
            return stmt.target, _fact_of(stmt.value, facts)
        if isinstance(stmt, For):
            return stmt.target, ("weak", int) if stmt.target in counters else None
        return stmt.test, None

    found = fixed_point(params, fn, assigned_fact)  # (a closure: one call per statement)
    return {name: fact for name, fact in found.items() if isinstance(fact, tuple)}


def _atom_fact(atom: object, facts: dict) -> object:
    if isinstance(atom, Var):
        return facts.get(atom.name, _UNSEEN)
    if isinstance(atom, Const):
        value = atom.value
        if type(value) in _WEAK_TYPES:
            return ("weak", type(value))
        if isinstance(value, np.generic):
            return ("scalar", value.dtype)
    return None  # globals can be rebound between calls; strings, None, tuples


def _fact_of(value: object, facts: dict) -> object:
    """The fact `value` evaluates to: a Fact, None (unknown) or _UNSEEN."""
    if not isinstance(value, Prim):
        return _atom_fact(value, facts)
    fn = value.fn
    if fn in _PYTHON_NUMBERS:  # a Python number, whatever the argument
        return _PYTHON_NUMBERS[fn]
    if isinstance(fn, type) and issubclass(fn, np.floating) and not value.kwargs:
        return ("strong", np.dtype(fn))  # `np.float64(0.0)`: a NumPy float (an array's too)
    if value.kwargs and fn not in REDUCTIONS:
        return None
    inputs = [("index", a) if isinstance(a, Index) else _atom_fact(a, facts) for a in value.args]
    if not inputs or _UNSEEN in inputs:
        return _UNSEEN if _UNSEEN in inputs else None
    if None in inputs:
        return None
    first = inputs[0]
    numpy = all([f[0] in ("strong", "scalar") for f in inputs])  # (no generator, compiled)
    if fn is operator.getitem or fn in _SAME_DTYPE:  # an element, a part: the array's dtype
        return ("strong", first[1]) if first[0] == "strong" else None
    if fn in REDUCTIONS:  # of floats, without `dtype=`: their own dtype
        keywords = {k for k, _ in value.kwargs}
        exact = numpy and first[1].kind == "f" and len(inputs) == 1
        return first if exact and not keywords - {"axis", "keepdims"} else None
    if fn in MATMULS and len(inputs) == 2 and numpy:
        return ("strong", np.result_type(inputs[0][1], inputs[1][1]))
    if fn in _OPERATORS or isinstance(fn, np.ufunc):
        return promoted(fn, inputs)
    return None


def stand_in(fact: Fact) -> object:
    """A value of `fact`'s dtype and kind: NumPy promotes it as any such value (an array of
    one element, since NumPy's operations on 0-d arrays give NumPy scalars)."""
    kind, dtype = fact
    if kind == "weak":
        return dtype(1)
    return dtype.type(1) if kind == "scalar" else np.ones(1, dtype)


def fact_of_value(value: object) -> Fact | None:
    """The fact of a computed value (a stand-in's result)."""
    if type(value) in _WEAK_TYPES:
        return ("weak", type(value))
    if isinstance(value, np.ndarray):
        return ("strong", value.dtype)
    if isinstance(value, np.generic):
        return ("scalar", value.dtype)
    return None


def promoted(fn: object, inputs: list[Fact]) -> Fact | None:
    """The fact of `fn` applied to values of `inputs`' dtypes, by NumPy's own promotion."""
    key = (fn, *inputs)
    if key not in _PROMOTED:
        _PROMOTED[key] = _promoted(fn, inputs)
    return _PROMOTED[key]


_PROMOTED: dict[tuple, Fact | None] = {}  # (fn, *facts) → fact: a few dozen in practice


def _promoted(fn: object, inputs: list[Fact]) -> Fact | None:
    if any(kind not in ("strong", "scalar", "weak") for kind, _ in inputs):
        return None
    if fn is operator.pow and all(f[0] == "weak" and f[1] is not float for f in inputs):
        return None  # `2 ** -1` is a float, `2 ** 1` an int: the value decides
    try:
        with np.errstate(all="ignore"):
            result = fn(*[stand_in(fact) for fact in inputs])
    except (TypeError, ValueError, ArithmeticError):
        return None
    return fact_of_value(result)
