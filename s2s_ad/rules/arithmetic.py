"""Python's arithmetic operators and their NumPy ufunc twins."""

from __future__ import annotations

import builtins
import operator

import numpy as np

from .. import runtime
from .elementwise import POW_EXPONENT, pow_base
from .registry import SAME_CALL, Rule, Site, elementwise, registrar

register = registrar("arithmetic")


def quotient_through_x(site: Site) -> str:
    """`x / y` through `x`: `d / y`. In code specialised to dtypes, where `x` may be a NumPy
    value (not known to be a Python number) and `y` a Python number that is 0 (not a literal
    other than 0, not known to be NumPy's), `d` is divided as `x` was, NumPy's way
    (`rt.ratio`: inf or nan, not ZeroDivisionError): `d` may be a Python float where `x` is
    NumPy's (`grad`'s seed 1.0 reaching `np.sum(r * r) / (len(r) - 1)` of one element, or
    `/ x.size` of an empty array). Where `x` is a Python number, the plain division of
    `x` raises first."""
    if site.is_const("y"):
        return "d / y" if site.const("y") != 0 else "rt.ratio(d, y)"
    if site.dtypes is None:
        return "d / y"
    x, y = site.dtypes.get("x"), site.dtypes.get("y")
    python_x = x is not None and x[0] == "weak"
    numpy_y = y is not None and y[0] in ("strong", "scalar")
    return "d / y" if python_x or numpy_y else "rt.ratio(d, y)"


# operator, ufunc twin, parameter names, one partial per parameter (linear in d)
OPERATORS = [
    (operator.add, np.add, ("x", "y"), ("d", "d")),
    (operator.sub, np.subtract, ("x", "y"), ("d", "-d")),
    (operator.mul, np.multiply, ("x", "y"), ("d * y", "x * d")),
    (operator.truediv, np.divide, ("x", "y"), (quotient_through_x, "-d * ans / y")),
    (operator.pow, None, ("x", "y"), (pow_base, POW_EXPONENT)),
]

for op, ufunc, params, partials in OPERATORS:
    register(op, elementwise(f"operator.{op.__name__}", params, *partials))
    if ufunc is not None:
        register(ufunc, elementwise(f"np.{ufunc.__name__}", params, *partials))

# `a + b` perhaps of lists (runtime/sequences.py): a sum's rule, checked not to be a join's
register(runtime.plus, elementwise("rt.plus", ("x", "y"), "rt.summand(d, x)", "rt.summand(d, y)"))
register(
    runtime.summand,
    Rule(
        "rt.summand",
        ("d",),
        (SAME_CALL,),
        ("rt.summand(d, x)",),
        keywords=(("x", None),),
        selectors=("x",),
        batched=("rt.summand(d, x)",),
    ),
)

register(operator.neg, elementwise("operator.neg", ("x",), "-d"))
register(operator.pos, elementwise("operator.pos", ("x",), "d"))
register(builtins.float, elementwise("float", ("x",), "d"))
