"""Numba-compilable versions of the runtime helpers that scalar loops and elementwise chains
need, in a module that compiled derivative code reads as its `rt`.

Before: the generated code's `rt` is `s2s_ad.runtime`, plain Python Numba cannot type. After:
`rt` is this module when the code is compiled (backend.py), and

    x_bar = rt.zeros_like(x)                      # 0.0 for a float, zeros for an array
    x_bar = rt.getitem_vjp(_t2_bar, x, slice(None, -1))
    for x_1 in reversed(_tape1): ...              # `reversed` of a tape list or a range

compile to loops. Each helper is a stub whose Numba implementation (`overload`) covers the
argument types of the common cases and the NumPy helper's exact semantics there; any other
types leave the helper untyped, Numba raises a TypingError naming the line, and the
derivative runs as NumPy code (backend.py). A helper not defined here is untyped too.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .basic_index import scatter_function
from .unbroadcasting import summing_function


def zeros_like(x):
    """`rt.zeros_like` of a float or a float array."""
    raise NotImplementedError("compiled by Numba only")


def getitem_vjp(g, x, index):
    """`rt.getitem_vjp` of an array read by an integer or a slice (no element named twice)."""
    raise NotImplementedError("compiled by Numba only")


def scatter_add(total, g, x, index):
    """`rt.scatter_add`: `total + getitem_vjp(g, x, index)`, into `total` in place."""
    raise NotImplementedError("compiled by Numba only")


def unbroadcast(g, like):
    """`rt.unbroadcast` where no sum is needed (`g` has `like`'s shape), or down to a float."""
    raise NotImplementedError("compiled by Numba only")


def unreduce(g, like, axis, keepdims):
    """`rt.unreduce`: the cotangent of a reduction over one axis, or all, spread back over
    `like`'s shape."""
    raise NotImplementedError("compiled by Numba only")


def ratio(a, b):
    """`rt.ratio`: `a / b`, NumPy's quotient (inf or nan) where `b` is 0."""
    raise NotImplementedError("compiled by Numba only")


def reversed_(seq):
    """Python's `reversed` of a list (a tape) or a `range` (a counted loop replayed)."""
    raise NotImplementedError("compiled by Numba only")


_FLOATS = (types.Float, types.Integer)


@overload(zeros_like)
def _zeros_like(x):
    if isinstance(x, _FLOATS):
        return lambda x: 0.0
    if isinstance(x, types.Array) and isinstance(x.dtype, types.Float):
        return lambda x: np.zeros(x.shape, x.dtype)
    return None


@overload(ratio)
def _ratio(a, b):
    if isinstance(a, _FLOATS) and isinstance(b, _FLOATS):
        return lambda a, b: np.divide(float(a), b)  # a ufunc: NumPy's rule at 0, no exception
    if isinstance(a, (types.Array, *_FLOATS)) and isinstance(b, (types.Array, *_FLOATS)):
        return lambda a, b: a / b  # an array: divided elementwise, NumPy's way
    return None


@overload(getitem_vjp)
def _getitem_vjp(g, x, index):
    return scatter_function(g, x, index, "vjp")  # `x[i]`, `A[i, j]`, `x[:, None]`


@overload(scatter_add)
def _scatter_add(total, g, x, index):
    same = isinstance(total, types.Array) and isinstance(x, types.Array)
    if same and total.ndim == x.ndim and total.dtype == x.dtype:
        return scatter_function(g, x, index, "add")
    return None


@overload(unbroadcast)
def _unbroadcast(g, like):
    if isinstance(like, types.Float) and isinstance(g, _FLOATS):
        return lambda g, like: g
    if isinstance(like, types.Float) and isinstance(g, types.Array):
        return lambda g, like: np.sum(g)
    if isinstance(like, types.Array) and isinstance(g, types.Array):
        return summing_function(g, like, directions=False)  # x[:, None] * y, keepdims
    if isinstance(like, types.Array) and isinstance(g, _FLOATS):
        return lambda g, like: g  # a scalar that broadcasts, as the NumPy helper returns it
    return None


@overload(unreduce)
def _unreduce(g, like, axis, keepdims):
    """A new array where NumPy's helper gives a read-only broadcast view: the same numbers
    (the code never writes into either). Tuples of axes, and 0-d `like`, stay NumPy's."""
    if not isinstance(like, types.Array):
        return None
    if isinstance(g, _FLOATS) and isinstance(axis, (types.NoneType, types.Omitted)):
        return lambda g, like, axis, keepdims: np.full(like.shape, g)
    if not isinstance(g, types.Array):
        return None
    if g.ndim == like.ndim:  # `keepdims=True`: the reduced axes kept, of length one
        return lambda g, like, axis, keepdims: np.broadcast_to(g, like.shape).copy()
    if g.ndim == like.ndim - 1 and isinstance(axis, types.Integer):

        def spread(g, like, axis, keepdims):
            kept = np.expand_dims(g, axis % like.ndim)
            return np.broadcast_to(kept, like.shape).copy()

        return spread
    return None


@overload(reversed_)
def _reversed(seq):
    if isinstance(seq, types.List):
        return lambda seq: seq[::-1]
    if isinstance(seq, types.RangeType):

        def backwards(seq):
            n = len(seq)
            last = seq.start + (n - 1) * seq.step
            return range(last, last - n * seq.step, -seq.step)

        return backwards
    return None


# the vector tangent code's direction helpers (jacfwd, jacrev, hessian): directions.py
from .directions import (  # noqa: E402
    along,
    broadcast_directions,
    directions_getitem,
    directions_zeros,
    full_like,
    full_like_directions,
    getitem_vjp_directions,
    matmul_left,
    matmul_right,
    matmul_vjp_left,
    matmul_vjp_left_directions,
    matmul_vjp_right,
    matmul_vjp_right_directions,
    mean_directions,
    sum_directions,
    unbroadcast_directions,
    unreduce_directions,
)

__all__ = [
    "along",
    "broadcast_directions",
    "directions_getitem",
    "directions_zeros",
    "full_like",
    "full_like_directions",
    "getitem_vjp",
    "getitem_vjp_directions",
    "matmul_left",
    "matmul_right",
    "matmul_vjp_left",
    "matmul_vjp_left_directions",
    "matmul_vjp_right",
    "matmul_vjp_right_directions",
    "mean_directions",
    "ratio",
    "reversed_",
    "scatter_add",
    "sum_directions",
    "unbroadcast",
    "unbroadcast_directions",
    "unreduce",
    "unreduce_directions",
    "zeros_like",
]
