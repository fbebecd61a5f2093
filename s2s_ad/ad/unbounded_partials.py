"""Primitives whose partial derivatives may be infinite where their value is finite.

    n = np.sqrt(np.sum(v * v))   # ∂n/∂v is v / n: infinite at v = 0, where n is 0

A zero cotangent meeting such a partial gives nan (0 · ∞), a zero tangent through it too, so
deferral (deferred.py) places the derivative of such a value in each arm of an `if` that
reads it, with the chain of values between; it does not split a chain of bounded partials:
that would copy derivative code into every arm for nothing.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ..ssa.ir import Const, Prim
from .calls import is_user_call

# infinite partials at finite points: roots and logarithms at 0, inverse functions at their
# domain's edge, `tan` at its poles, norms, angles and standard deviations at 0
_UNBOUNDED = frozenset(
    (
        *(np.sqrt, np.cbrt, np.log, np.log2, np.log10, np.log1p, np.reciprocal),
        *(np.arcsin, np.arccos, np.arctanh, np.arccosh, np.tan, np.arctan2),
        *(np.linalg.norm, np.hypot, np.std),
        *(math.sqrt, math.log, math.log2, math.log10, math.log1p),
        *(math.asin, math.acos, math.atanh, math.acosh, math.tan, math.atan2, math.hypot),
    )
)
_QUOTIENTS = frozenset((operator.truediv, np.divide))  # ∂(x / y)/∂y = -x / y²
_POWERS = frozenset((operator.pow, np.power, np.float_power))  # y · x ** (y - 1)


def may_be_unbounded(value: object) -> bool:
    """Whether the partials of `value` may be infinite where it is finite (a helper's call:
    its pullback may hold anything)."""
    if not isinstance(value, Prim):
        return False
    if value.fn in _UNBOUNDED or is_user_call(value):
        return True
    if value.fn in _QUOTIENTS:
        return len(value.args) < 2 or not isinstance(value.args[1], Const)
    if value.fn in _POWERS:  # bounded at 0 where the exponent is 0 or at least 1
        exponent = value.args[1] if len(value.args) > 1 else None
        if not isinstance(exponent, Const) or type(exponent.value) not in (int, float):
            return True
        return 0 < exponent.value < 1 or exponent.value < 0
    return False
