"""Numba versions of the vector tangent code's direction helpers (jacfwd, jacrev, hessian).

Before: the vector code of `jacfwd(f)` or `hessian(f)` (a leading axis of directions on
every tangent) calls `rt.matmul_right`, `rt.along`, `rt.directions_getitem`, ... of
`s2s_ad.runtime.directions`, plain Python Numba cannot type. After: helpers.py exports these
stubs, and

    z_dot = rt.matmul_right(X, w_dot)                  # (directions, *z.shape)
    _t12_dot = _t4_bar * rt.along(_t11_dot, _t12)
    _t14_dot = rt.matmul_vjp_right_directions(z_bar_1_dot, z_bar_1, X, w, True)

compile. Each Numba implementation (`overload`) covers the ranks of the common cases (vectors
and matrices) with the NumPy helper's result there; other ranks leave the helper untyped, and
a shape the compiled helper does not cover raises at run time: either way the derivative runs
as NumPy code (backend.py), never a different number.
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.extending import overload

from .basic_index import read_function, scatter_function
from .unbroadcasting import summing_function


def along(d, ans):
    """`rt.along`: directions `d` with axes of length one after the direction axis."""
    raise NotImplementedError("compiled by Numba only")


def broadcast_directions(t, like):
    """`rt.broadcast_directions` where `t` already has `like`'s shape after the directions."""
    raise NotImplementedError("compiled by Numba only")


def unbroadcast_directions(d, like):
    """`rt.unbroadcast_directions`: `d` summed down to (directions, *like.shape)."""
    raise NotImplementedError("compiled by Numba only")


def directions_getitem(d, index, ans=None):
    """`rt.directions_getitem` of an array's tangent read by an integer or a slice."""
    raise NotImplementedError("compiled by Numba only")


def full_like(x, value):
    """`rt.full_like` of a float array."""
    raise NotImplementedError("compiled by Numba only")


def full_like_directions(x, d):
    """`rt.full_like_directions`: each direction's number filling `x`'s shape."""
    raise NotImplementedError("compiled by Numba only")


def matmul_left(d, y):
    """`rt.matmul_left`: the tangent of `x @ y` through `x`."""
    raise NotImplementedError("compiled by Numba only")


def matmul_right(x, d):
    """`rt.matmul_right`: the tangent of `x @ y` through `y`."""
    raise NotImplementedError("compiled by Numba only")


def matmul_vjp_left(g, a, b):
    """`rt.matmul_vjp_left` of vectors and matrices: the cotangent of `a` in `a @ b`."""
    raise NotImplementedError("compiled by Numba only")


def matmul_vjp_right(g, a, b):
    """`rt.matmul_vjp_right` of vectors and matrices: the cotangent of `b` in `a @ b`."""
    raise NotImplementedError("compiled by Numba only")


def matmul_vjp_left_directions(d, g, a, b, through_g):
    """`rt.matmul_vjp_left_directions` of vectors and matrices."""
    raise NotImplementedError("compiled by Numba only")


def matmul_vjp_right_directions(d, g, a, b, through_g):
    """`rt.matmul_vjp_right_directions` of vectors and matrices."""
    raise NotImplementedError("compiled by Numba only")


def getitem_vjp_directions(d, x, index):
    """`rt.per_direction(lambda dk: rt.getitem_vjp(dk, x, index), d)` (batched.py writes it
    so): each direction's cotangent scattered into zeros of `x`'s shape, stacked."""
    raise NotImplementedError("compiled by Numba only")


def sum_directions(d, axis):
    """`np.sum(d, axis=rt.shifted(a, x, False))` of a vector tangent `d` of an array `x`:
    `axis` is the tangent's, None for every axis but the directions' (direction_sums.py)."""
    raise NotImplementedError("compiled by Numba only")


def mean_directions(d, axis):
    """`np.mean(d, axis=rt.shifted(a, x, False))`, as `sum_directions`."""
    raise NotImplementedError("compiled by Numba only")


def directions_zeros(x, seed):
    """`rt.directions_zeros`: a zero tangent for a number or a float array `x`, with as
    many directions as `seed` has."""
    raise NotImplementedError("compiled by Numba only")


def unreduce_directions(d, like, axis, keepdims):
    """`rt.unreduce_directions`: each direction of a reduction's tangent spread back over
    `like`'s shape."""
    raise NotImplementedError("compiled by Numba only")


def _array(t, ndim: int | None = None, floats: bool = True) -> bool:
    if not isinstance(t, types.Array) or (ndim is not None and t.ndim != ndim):
        return False
    return not floats or isinstance(t.dtype, types.Float)


@overload(sum_directions)
def _sum_directions(d, axis):
    return _reduced_directions(d, axis, mean=False)


@overload(mean_directions)
def _mean_directions(d, axis):
    return _reduced_directions(d, axis, mean=True)


def _reduced_directions(d, axis, *, mean: bool):
    """The Numba version of a vector tangent's sum or mean (`sum_directions`): over every
    axis but the directions' (`axis` None), each direction's elements summed in order; or
    over one axis, by Numba's `np.sum`; of one direction per element of a 0-d primal
    (`d` of rank 1), nothing to reduce: a copy, as NumPy's `np.sum(d, axis=())`."""
    if not isinstance(d, types.Array) or not isinstance(d.dtype, types.Float):
        return None
    if d.ndim == 1:
        return lambda d, axis: d.copy()
    if isinstance(axis, (types.NoneType, types.Omitted)):

        def every_axis(d, axis):
            out = np.empty(d.shape[0], d.dtype)
            count = d.size // d.shape[0] if d.shape[0] else 0
            for k in range(d.shape[0]):
                total = np.sum(d[k])
                out[k] = total / count if mean else total
            return out

        return every_axis
    if isinstance(axis, types.Integer):
        if mean:
            return lambda d, axis: np.sum(d, axis=axis) / d.shape[axis]
        return lambda d, axis: np.sum(d, axis=axis)
    return None


@overload(directions_zeros)
def _directions_zeros(x, seed):
    if not _array(seed):
        return None
    if isinstance(x, types.Integer):  # (a Python 0 accumulator: float64, as np.result_type)
        return lambda x, seed: np.zeros(seed.shape[0])
    if isinstance(x, types.Float):
        return lambda x, seed: np.zeros(seed.shape[0], type(x))
    if _array(x):
        return lambda x, seed: np.zeros((seed.shape[0], *x.shape), x.dtype)
    return None


@overload(unreduce_directions)
def _unreduce_directions(d, like, axis, keepdims):
    """A new array where NumPy's helper gives a read-only broadcast view (helpers.py's
    `unreduce`, one direction at a time); tuples of axes and 0-d `like` stay NumPy's."""
    if not _array(d) or not isinstance(like, types.Array):
        return None
    if d.ndim == 1 and isinstance(axis, (types.NoneType, types.Omitted)):

        def every_axis(d, like, axis, keepdims):  # one number per direction, everywhere
            out = np.empty((d.shape[0], *like.shape), d.dtype)
            for k in range(d.shape[0]):
                out[k] = d[k]
            return out

        return every_axis
    if d.ndim == like.ndim + 1:  # `keepdims=True`: the reduced axes kept, of length one
        return lambda d, like, axis, keepdims: np.broadcast_to(d, (d.shape[0], *like.shape)).copy()
    if d.ndim == like.ndim and isinstance(axis, types.Integer):

        def spread(d, like, axis, keepdims):
            kept = np.expand_dims(d, 1 + axis % like.ndim)
            return np.broadcast_to(kept, (d.shape[0], *like.shape)).copy()

        return spread
    return None


@overload(along)
def _along(d, ans):
    if not _array(d):
        return None
    ans_ndim = ans.ndim if isinstance(ans, types.Array) else 0
    if not isinstance(ans, (types.Array, types.Float, types.Integer)):
        return None
    missing = ans_ndim - (d.ndim - 1)
    if missing <= 0:
        return lambda d, ans: d
    # (a slice's tangent, `d[:, 1, 1:]`, is no contiguous block: Numba reshapes only those)
    if d.ndim == 1 and missing == 1:
        return lambda d, ans: np.ascontiguousarray(d).reshape((d.shape[0], 1))
    if d.ndim == 1 and missing == 2:
        return lambda d, ans: np.ascontiguousarray(d).reshape((d.shape[0], 1, 1))
    if d.ndim == 2 and missing == 1:
        return lambda d, ans: np.ascontiguousarray(d).reshape((d.shape[0], 1, d.shape[1]))
    return None


@overload(broadcast_directions)
def _broadcast_directions(t, like):
    if _array(t, 1) and isinstance(like, (types.Float, types.Integer)):
        return lambda t, like: t
    if _array(t) and _array(like, floats=False) and t.ndim - 1 <= like.ndim:
        # each direction broadcast by assignment (`b_dot` of `Z + b`, `y[None, :]`'s); where
        # the shapes already match, `t` itself, as the NumPy helper gives it
        same_rank = t.ndim - 1 == like.ndim

        def broadcast(t, like):
            if same_rank and t.shape[1:] == like.shape:
                return t
            out = np.empty((t.shape[0], *like.shape), t.dtype)
            for k in range(t.shape[0]):
                out[k] = t[k]
            return out

        return broadcast
    return None


@overload(unbroadcast_directions)
def _unbroadcast_directions(d, like):
    if _array(d, 1) and isinstance(like, (types.Float, types.Integer)):
        return lambda d, like: d
    return summing_function(d, like, directions=True)


@overload(directions_getitem)
def _directions_getitem(d, index, ans=None):
    return read_function(d, index)  # `x[i]`, `x[:, None]`, `x[i, 1:]`: basic_index.py


@overload(full_like_directions)
def _full_like_directions(x, d):
    if _array(x) and _array(d, 1):  # one number per direction (a sum's seed's tangent)

        def filled(x, d):
            out = np.empty((d.shape[0], *x.shape), x.dtype)
            for k in range(d.shape[0]):
                out[k] = d[k]
            return out

        return filled
    return None


@overload(full_like)
def _full_like(x, value):
    if _array(x) and isinstance(value, (types.Float, types.Integer)):
        return lambda x, value: np.full_like(x, value)
    return None


@overload(matmul_left)
def _matmul_left(d, y):
    if _array(d, 2) and _array(y) and y.ndim <= 2:  # x a vector: d @ y
        return lambda d, y: np.dot(d, y)
    if _array(d, 3) and _array(y, 2):  # x a matrix: each direction's matrix @ y

        def each(d, y):
            out = np.empty((d.shape[0], d.shape[1], y.shape[1]), d.dtype)
            for k in range(d.shape[0]):
                out[k] = np.dot(d[k], y)
            return out

        return each
    if _array(d, 3) and _array(y, 1):  # x a matrix, y a vector

        def each_vector(d, y):
            out = np.empty((d.shape[0], d.shape[1]), d.dtype)
            for k in range(d.shape[0]):
                out[k] = np.dot(d[k], y)
            return out

        return each_vector
    return None


@overload(matmul_right)
def _matmul_right(x, d):
    if _array(x, 2) and _array(d, 2):  # y a vector: d @ xᵀ
        return lambda x, d: np.dot(d, x.T)
    if _array(x, 1) and _array(d, 2):  # x and y vectors: d @ x
        return lambda x, d: np.dot(d, x)
    if _array(x, 2) and _array(d, 3):  # y a matrix: x @ each direction's matrix

        def each(x, d):
            out = np.empty((d.shape[0], x.shape[0], d.shape[2]), d.dtype)
            for k in range(d.shape[0]):
                out[k] = np.dot(x, d[k])
            return out

        return each
    if _array(x, 1) and _array(d, 3):  # x a vector, y a matrix: x @ each direction's matrix

        def each_vector(x, d):
            out = np.empty((d.shape[0], d.shape[2]), d.dtype)
            for k in range(d.shape[0]):
                out[k] = np.dot(x, d[k])
            return out

        return each_vector
    return None


@overload(matmul_vjp_left)
def _matmul_vjp_left(g, a, b):
    if _array(a, 2) and _array(b, 1) and _array(g, 1):
        return lambda g, a, b: np.outer(g, b)
    if _array(a, 2) and _array(b, 2) and _array(g, 2):
        return lambda g, a, b: np.dot(g, b.T)
    if _array(a, 1) and _array(b, 2) and _array(g, 1):
        return lambda g, a, b: np.dot(b, g)
    return None


@overload(matmul_vjp_right)
def _matmul_vjp_right(g, a, b):
    if _array(a, 1) and _array(b, 2) and _array(g, 1):
        return lambda g, a, b: np.outer(a, g)
    if _array(a, 2) and _array(b, 2) and _array(g, 2):
        return lambda g, a, b: np.dot(a.T, g)
    if _array(a, 2) and _array(b, 1) and _array(g, 1):
        return lambda g, a, b: np.dot(a.T, g)
    return None


@overload(matmul_vjp_right_directions)
def _matmul_vjp_right_directions(d, g, a, b, through_g):
    if not (_array(d) and _array(g) and _array(a) and _array(b)):
        return None
    if a.ndim == 2 and b.ndim == 2 and d.ndim == 3:  # aᵀ @ g

        def matrices(d, g, a, b, through_g):
            n = d.shape[0]
            if through_g:  # aᵀ @ each direction of g
                out = np.empty((n, a.shape[1], d.shape[2]), d.dtype)
                for k in range(n):
                    out[k] = np.dot(a.T, d[k])
                return out
            out = np.empty((n, d.shape[2], g.shape[1]), d.dtype)
            for k in range(n):  # each direction of a, transposed, @ g
                out[k] = np.dot(d[k].T, g)
            return out

        return matrices
    if a.ndim == 2 and b.ndim == 1 and d.ndim == 2:  # through g (a vector): d @ a

        def through_vector(d, g, a, b, through_g):
            if not through_g:
                raise ValueError("s2s_ad.jit: direction by direction")
            return np.dot(d, a)

        return through_vector
    if a.ndim == 2 and b.ndim == 1 and d.ndim == 3:  # through a: g @ each direction

        def through_matrix(d, g, a, b, through_g):
            if through_g:
                raise ValueError("s2s_ad.jit: direction by direction")
            out = np.empty((d.shape[0], d.shape[2]), d.dtype)
            for k in range(d.shape[0]):
                out[k] = np.dot(g, d[k])
            return out

        return through_matrix
    if a.ndim == 1 and b.ndim == 2 and d.ndim == 2:  # outer(a, g)

        def outer(d, g, a, b, through_g):
            if through_g:
                return a.reshape((1, a.shape[0], 1)) * d.reshape((d.shape[0], 1, d.shape[1]))
            return d.reshape((d.shape[0], d.shape[1], 1)) * g

        return outer
    return None


@overload(matmul_vjp_left_directions)
def _matmul_vjp_left_directions(d, g, a, b, through_g):
    if not (_array(d) and _array(g) and _array(a) and _array(b)):
        return None
    if a.ndim == 2 and b.ndim == 2 and d.ndim == 3:  # g @ bᵀ

        def matrices(d, g, a, b, through_g):
            n = d.shape[0]
            if through_g:  # each direction of g @ bᵀ
                out = np.empty((n, d.shape[1], b.shape[0]), d.dtype)
                for k in range(n):
                    out[k] = np.dot(d[k], b.T)
                return out
            out = np.empty((n, g.shape[0], d.shape[1]), d.dtype)
            for k in range(n):  # g @ each direction of b, transposed
                out[k] = np.dot(g, d[k].T)
            return out

        return matrices
    if a.ndim == 2 and b.ndim == 1 and d.ndim == 2:  # outer(g, b)

        def outer(d, g, a, b, through_g):
            if through_g:
                return d.reshape((d.shape[0], d.shape[1], 1)) * b
            return g.reshape((1, g.shape[0], 1)) * d.reshape((d.shape[0], 1, d.shape[1]))

        return outer
    if a.ndim == 1 and b.ndim == 2 and d.ndim == 2:  # through g (a vector): d @ bᵀ

        def through_vector(d, g, a, b, through_g):
            if not through_g:
                raise ValueError("s2s_ad.jit: direction by direction")
            return np.dot(d, b.T)

        return through_vector
    if a.ndim == 1 and b.ndim == 2 and d.ndim == 3:  # through b: each direction @ g

        def through_matrix(d, g, a, b, through_g):
            if through_g:
                raise ValueError("s2s_ad.jit: direction by direction")
            out = np.empty((d.shape[0], d.shape[1]), d.dtype)
            for k in range(d.shape[0]):
                out[k] = np.dot(d[k], g)
            return out

        return through_matrix
    return None


@overload(getitem_vjp_directions)
def _getitem_vjp_directions(d, x, index):
    if _array(d) and _array(x):  # `x[i]`, `A[i, 1:]`, `x[:, None]`: basic_index.py
        return scatter_function(d, x, index, "directions")
    return None
