"""Functions whose output carries no derivative: shapes, rounding, indices, truth values,
and arrays made from shapes alone.

Policy: these are piecewise constant, integer- or boolean-valued, or depend on their
argument's shape only, so their derivative is zero wherever it exists; s2s_ad treats their
outputs as constants (like JAX's `stop_gradient`). A function that *selects* values
(`np.sort`, `np.max`, `np.where`) is differentiable and has its own rule; one that is not
listed anywhere gets a located error, never a silent zero.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from ..custom import stop_gradient
from ..ssa.strings import STRING_ONLY_METHODS
from .registry import nondifferentiable, registrar

register = registrar("nondifferentiable")

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
    # (a class test: a truth value; in gradient code differentiated again, of a value that
    # carries a derivative there: `isinstance(o, Dual)` of an operator method's operand)
    (builtins.isinstance, "isinstance"),
    (builtins.issubclass, "issubclass"),
    (builtins.callable, "callable"),
    (builtins.hasattr, "hasattr"),
    (builtins.range, "range"),
    (np.zeros_like, "np.zeros_like"),
    (np.ones_like, "np.ones_like"),
    (np.empty_like, "np.empty_like"),
    (np.zeros, "np.zeros"),
    (np.ones, "np.ones"),
    (np.empty, "np.empty"),
    (np.eye, "np.eye"),
    (np.identity, "np.identity"),
    (np.result_type, "np.result_type"),  # also `x.dtype`
    (np.fix, "np.fix"),
    (np.heaviside, "np.heaviside"),
    (np.signbit, "np.signbit"),
    # indices and positions
    (np.argmax, "np.argmax"),
    (np.argmin, "np.argmin"),
    (np.argsort, "np.argsort"),
    (np.argwhere, "np.argwhere"),
    (np.nonzero, "np.nonzero"),
    (np.flatnonzero, "np.flatnonzero"),
    (np.searchsorted, "np.searchsorted"),
    (np.digitize, "np.digitize"),
    (np.count_nonzero, "np.count_nonzero"),
    # truth values and masks
    (np.any, "np.any"),
    (np.all, "np.all"),
    (np.isnan, "np.isnan"),
    (np.isinf, "np.isinf"),
    (np.isfinite, "np.isfinite"),
    (np.isclose, "np.isclose"),
    (np.allclose, "np.allclose"),
    (np.array_equal, "np.array_equal"),
    (np.less, "np.less"),
    (np.less_equal, "np.less_equal"),
    (np.greater, "np.greater"),
    (np.greater_equal, "np.greater_equal"),
    (np.equal, "np.equal"),
    (np.not_equal, "np.not_equal"),
    (np.logical_and, "np.logical_and"),
    (np.logical_or, "np.logical_or"),
    (np.logical_not, "np.logical_not"),
    (np.logical_xor, "np.logical_xor"),
    (operator.and_, "operator.and_"),
    (operator.or_, "operator.or_"),
    (operator.xor, "operator.xor"),
    (operator.invert, "operator.invert"),
    (math.isnan, "math.isnan"),
    (math.isinf, "math.isinf"),
    (math.isfinite, "math.isfinite"),
    (math.isclose, "math.isclose"),
    (stop_gradient, "s2s_ad.stop_gradient"),
]

for fn, label in NONDIFF:
    register(fn, nondifferentiable(label))
# text: a string's methods give strings, truth values and positions, never a derivative
# (`name.startswith("w")` of a dict's key that gradient code reads back from a list)
for method in sorted(STRING_ONLY_METHODS):
    register(getattr(str, method), nondifferentiable(f"str.{method}"))
