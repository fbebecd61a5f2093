"""Python's arithmetic operators and their NumPy ufunc twins."""

from __future__ import annotations

import builtins
import operator

import numpy as np

from .elementwise import POW_EXPONENT, pow_base
from .registry import elementwise, registrar

register = registrar("arithmetic")

# operator, ufunc twin, parameter names, one partial per parameter (linear in d)
OPERATORS = [
    (operator.add, np.add, ("x", "y"), ("d", "d")),
    (operator.sub, np.subtract, ("x", "y"), ("d", "-d")),
    (operator.mul, np.multiply, ("x", "y"), ("d * y", "x * d")),
    (operator.truediv, np.divide, ("x", "y"), ("d / y", "-d * ans / y")),
    (operator.pow, None, ("x", "y"), (pow_base, POW_EXPONENT)),
]

for op, ufunc, params, partials in OPERATORS:
    register(op, elementwise(f"operator.{op.__name__}", params, *partials))
    if ufunc is not None:
        register(ufunc, elementwise(f"np.{ufunc.__name__}", params, *partials))

register(operator.neg, elementwise("operator.neg", ("x",), "-d"))
register(operator.pos, elementwise("operator.pos", ("x",), "d"))
register(builtins.float, elementwise("float", ("x",), "d"))
