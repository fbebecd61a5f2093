"""Functions whose output carries no derivative: shapes, rounding, truth values.

Policy: these are piecewise constant or integer-valued, so their derivative is zero wherever
it exists; s2s_ad treats their outputs as constants (like JAX's `stop_gradient`).
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .registry import nondifferentiable, register

NONDIFF = [
    (np.shape, "np.shape"),
    (np.size, "np.size"),
    (np.ndim, "np.ndim"),
    (builtins.len, "len"),
    (builtins.int, "int"),
    (builtins.round, "round"),
    (np.floor, "np.floor"),
    (np.ceil, "np.ceil"),
    (np.trunc, "np.trunc"),
    (np.rint, "np.rint"),
    (np.round, "np.round"),
    (np.sign, "np.sign"),
    (np.floor_divide, "np.floor_divide"),
    (math.floor, "math.floor"),
    (math.ceil, "math.ceil"),
    (math.trunc, "math.trunc"),
    (operator.floordiv, "operator.floordiv"),
    (operator.not_, "operator.not_"),
    (operator.lt, "operator.lt"),
    (operator.le, "operator.le"),
    (operator.gt, "operator.gt"),
    (operator.ge, "operator.ge"),
    (operator.eq, "operator.eq"),
    (operator.ne, "operator.ne"),
    (operator.is_, "operator.is_"),
    (operator.is_not, "operator.is_not"),
    (builtins.bool, "bool"),
    (builtins.range, "range"),
    (np.zeros_like, "np.zeros_like"),
    (np.ones_like, "np.ones_like"),
]

for fn, label in NONDIFF:
    register(fn, nondifferentiable(label))
