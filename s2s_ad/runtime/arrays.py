"""Helpers for the derivatives of reductions, shape functions and indexing.

Each one is what a person would write by hand for that derivative; they live here because
the shapes they need are only known at run time.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import S2SError
from .core import Derivatives, as_array, unreduce


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis))


def _along_last(x, axis):
    """`x` with the reduced `axis` (int, tuple or None) gathered into one last axis."""
    axes = _axes(axis, np.ndim(x))
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0)))
    return np.reshape(moved, (*np.shape(moved)[: np.ndim(x) - len(axes)], -1)), axes


def _from_last(flat, x, axes):
    """Undo `_along_last`: back to the shape and axis order of `x`."""
    kept = [n for i, n in enumerate(np.shape(x)) if i not in axes]
    moved = np.reshape(flat, (*kept, *(np.shape(x)[a] for a in axes)))
    return np.moveaxis(moved, tuple(range(-len(axes), 0)), axes)


def prod_partials(x, axis=None):
    """∂ prod(x, axis) / ∂x, element by element: the product of the *other* elements.

    Exclusive products from the left and the right, so zeros in `x` are handled exactly.
    """
    flat, axes = _along_last(as_array(x), axis)
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return _from_last(left * right, as_array(x), axes)


def extremum_share(x, ans, axis=None, keepdims=False):
    """∂ max(x, axis) / ∂x: 1 at the maximum, split evenly where several elements tie."""
    x = as_array(x)  # a list too (np.max of a list)
    hit = x == unreduce(ans, x, axis, keepdims)
    count = np.sum(hit, axis=axis, keepdims=True)
    return hit / count.astype(np.result_type(x, np.float32))


def quantile_weights(x, q, axis=None):
    """∂ np.quantile(x, q, axis) / ∂x at `x`'s shape, for a scalar `q` in [0, 1].

    NumPy's default ("linear") method interpolates the sorted values at the virtual index
    p = q·(n - 1): (1 - t)·s[⌊p⌋] + t·s[⌊p⌋ + 1], t = p - ⌊p⌋ (NumPy's `quantile` page,
    Hyndman & Fan's method 7). The partials are those weights at the elements holding
    s[⌊p⌋] and s[⌊p⌋ + 1]; where several elements hold one value (a tie, a kink) its weight
    is split evenly among them, as `extremum_share` splits. They depend on the order only:
    no derivative of their own (rules/helpers.py)."""
    if np.ndim(q) != 0:
        raise NotImplementedError(
            "the derivative of a quantile of several q at once is not supported yet: take "
            "one quantile per call (`[np.quantile(x, p) for p in qs]`)"
        )
    x = as_array(x)
    flat, axes = _along_last(x, axis)
    n = flat.shape[-1]
    position = float(q) * (n - 1)
    below = min(math.floor(position), n - 1)
    fraction = position - below
    ordered = np.sort(flat, axis=-1)
    weights = (1.0 - fraction) * _tie_share(flat, ordered[..., below : below + 1])
    if fraction:
        above = min(below + 1, n - 1)
        weights = weights + fraction * _tie_share(flat, ordered[..., above : above + 1])
    return _from_last(weights, x, axes).astype(np.result_type(x, np.float32))


def _tie_share(values, chosen):
    hit = values == chosen
    return hit / np.sum(hit, axis=-1, keepdims=True)


def nan_share(x, axis=None):
    """∂ np.nanmean(x, axis) / ∂x: 1 / (the count of numbers) where `x` is a number, 0 at
    NaN."""
    numbers = ~np.isnan(x)
    return numbers / np.sum(numbers, axis=axis, keepdims=True).astype(np.result_type(x, np.float32))


def nan_count(x, axis=None):
    """How many numbers (not NaN) each reduced value was reduced from, kept as an axis."""
    return np.sum(~np.isnan(x), axis=axis, keepdims=True)


def centered(x, axis=None):
    """`x` minus its mean over `axis` (the derivative of var and std)."""
    return x - np.mean(x, axis=axis, keepdims=True)


def inverse_or_zero(x):
    """`1 / x`, and 0 where `x` is 0: the scale of std's derivative, which is 0 where the
    spread is 0 (one element, or all equal: a kink, as `abs` at 0)."""
    with np.errstate(divide="ignore"):
        return np.where(x == 0, 0.0, 1.0 / x) if np.ndim(x) else (0.0 * x if x == 0 else 1.0 / x)


def quotient_or_zero(a, b):
    """`a / b`, and 0 where `a` is 0, `b` too: a derivative moved by nothing changes
    nothing. The norm's curvature `d / n` at a zero the function masks (`np.where(i == j,
    0.0, np.linalg.norm(diff, axis=-1))` of pairwise distances) was 0 / 0, whose nan reached
    every entry of the Hessian; where only `b` is 0 the quotient stays NumPy's (±inf, nan),
    so a curvature that is infinite there still shows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(a == 0, 0.0, np.divide(a, b))
    return out[()] if out.ndim == 0 else out


def count(x, ans):
    """How many elements each reduced value was reduced from."""
    return np.size(x) // max(np.size(ans), 1)


def dof(x, ans, ddof):
    """The divisor of `np.var` and `np.std`: `count(x, ans) - ddof`, clamped at 0 as NumPy
    clamps it (`ddof` above the count gives inf or nan, not a negative divisor)."""
    return max(count(x, ans) - ddof, 0)


def diff_vjp(g, n=1, axis=-1):
    """Cotangent of `x` in `np.diff(x, n, axis)`: the transposed difference, `n` times."""
    for _ in range(n):
        widths = [(0, 0)] * np.ndim(g)
        before, after = list(widths), list(widths)
        before[axis] = (1, 0)
        after[axis] = (0, 1)
        g = np.pad(g, before) - np.pad(g, after)
    return g


def cumsum_vjp(g, x, axis):
    """Cotangent of `x` in `np.cumsum(x, axis)`: sums from the end."""
    if axis is None:
        return np.reshape(np.cumsum(g[::-1])[::-1], np.shape(x))
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


def _cumprod_along(x, axis):
    x = as_array(x)
    if axis is None:
        return np.ravel(x)[None, :], None
    return np.moveaxis(x, axis, -1), axis


def cumprod_jvp(d, x, ans, axis):
    """Tangent of `np.cumprod(x, axis)`."""
    xs, _ = _cumprod_along(x, axis)
    ds, _ = _cumprod_along(np.broadcast_to(d, np.shape(x)), axis)
    jac = _cumprod_matrix(xs)
    out = np.einsum("...ij,...j->...i", jac, ds)
    return np.ravel(out) if axis is None else np.moveaxis(out, -1, axis)


def cumprod_vjp(g, x, ans, axis):
    """Cotangent of `x` in `np.cumprod(x, axis)`."""
    xs, _ = _cumprod_along(x, axis)
    gs = as_array(g)[None, :] if axis is None else np.moveaxis(g, axis, -1)
    out = np.einsum("...ij,...i->...j", _cumprod_matrix(xs), gs)
    return np.reshape(out, np.shape(x)) if axis is None else np.moveaxis(out, -1, axis)


def _cumprod_matrix(xs):
    """J[..., i, j] = ∂ cumprod(xs)[..., i] / ∂xs[..., j] = prod of xs[..., :i+1] without j."""
    n = np.shape(xs)[-1]
    i, j = np.indices((n, n))
    # the product of xs[k] for k <= i, k != j: the cumulative product with xs[j] set to 1
    others = np.where(i == j, 1.0, as_array(xs)[..., None, :])  # [..., j, k]
    partial = np.cumprod(others, axis=-1)  # [..., j, i]
    return np.where(j <= i, np.swapaxes(partial, -1, -2), 0.0)


def trace_vjp(g, x, offset=0, axis1=0, axis2=1):
    """Cotangent of `x` in `np.trace(x, offset, axis1, axis2)` (also `np.diagonal`'s with
    `g[..., None]`): `g` spread along the diagonal."""
    shape = np.shape(x)
    eye = np.eye(shape[axis1], shape[axis2], k=offset, dtype=np.result_type(x, g))
    spread = as_array(g)[..., None, None] * eye
    return np.moveaxis(spread, (-2, -1), (axis1 % len(shape), axis2 % len(shape)))


def diagonal_vjp(g, x, offset=0, axis1=0, axis2=1):
    """Cotangent of `x` in `np.diagonal(x, offset, axis1, axis2)`."""
    shape = np.shape(x)
    eye = np.eye(shape[axis1], shape[axis2], k=offset, dtype=bool)
    out = np.zeros(np.shape(np.moveaxis(np.empty(shape), (axis1, axis2), (-2, -1))),
                   dtype=np.result_type(x, g))  # fmt: skip
    out[..., eye] = g
    return np.moveaxis(out, (-2, -1), (axis1 % len(shape), axis2 % len(shape)))


def diag_vjp(g, x, k=0):
    """Cotangent of `x` in `np.diag(x, k)`: the diagonal back out, or into a matrix."""
    if np.ndim(x) == 1:
        return np.diagonal(g, k).copy()
    return diagonal_vjp(g, x, k)


def norm_partials(x, ans, ord=None, axis=None, keepdims=False):
    """∂ np.linalg.norm(x, ord, axis, keepdims) / ∂x, shaped like `x`.

    Where a 2-norm, Frobenius or p-norm is 0 (x is 0 there) it has no derivative: the zero
    subgradient (PyTorch's choice), so `norm(x) ** 2` differentiates to 0 at 0, as the math
    says, and not to 0 · nan."""
    x = as_array(x)
    matrix = (axis is None and x.ndim == 2 and ord is not None) or (
        np.ndim(axis) == 1 and len(axis) == 2
    )
    n = ans if keepdims or axis is None else np.expand_dims(ans, axis)
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return _zero_at_zero(n, lambda m: x / m)
    if not matrix:
        if ord == 1:
            return np.sign(x)
        if ord in (np.inf, -np.inf):
            return np.sign(x) * extremum_share(np.abs(x), ans, axis, keepdims)
        if ord == 0:
            return np.zeros_like(x)
        return _zero_at_zero(n, lambda m: np.sign(x) * (np.abs(x) / m) ** (ord - 1))
    return _matrix_norm_partials(x, ord, (-2, -1) if axis is None else tuple(axis))


def _zero_at_zero(n, partials):
    """`partials(n)`, and 0 where the norm `n` is 0 (the zero subgradient)."""
    zero = n == 0
    if not np.any(zero):
        return partials(n)
    return np.where(zero, 0.0, partials(np.where(zero, 1.0, n)))


def _matrix_norm_partials(x, ord, axes):
    m = np.moveaxis(x, axes, (-2, -1))
    if ord in ("nuc", 2, -2):
        u, _s, vt = np.linalg.svd(m, full_matrices=False)
        if ord == "nuc":
            out = u @ vt
        else:
            k = 0 if ord == 2 else -1
            out = u[..., :, k, None] * vt[..., None, k, :]
    elif ord in (1, -1, np.inf, -np.inf):
        sum_axis = -2 if ord in (1, -1) else -1  # 1: column sums, inf: row sums
        sums = np.sum(np.abs(m), axis=sum_axis, keepdims=True)
        across = -1 if sum_axis == -2 else -2  # the largest (or smallest) of the sums
        pick = np.max if ord > 0 else np.min
        out = np.sign(m) * extremum_share(sums, pick(sums, axis=across), across)
    else:
        raise S2SError(
            f"the derivative of np.linalg.norm with ord={ord!r} for matrices is not defined",
            hint="use ord None, 'fro', 'nuc', 1, -1, 2, -2, inf or -inf",
        )
    return np.moveaxis(out, (-2, -1), axes)


def concatenate_vjp(g, xs, axis=0, view=None):
    """Cotangents of the arrays `xs` in `np.concatenate(xs, axis)` (and hstack/vstack, where
    `view` is the `np.atleast_*d` they apply first): the pieces of `g`."""
    viewed = [view(x) if view else as_array(x) for x in xs]
    if axis is None:  # the arrays were flattened first
        viewed, g, axis = [np.ravel(v) for v in viewed], np.ravel(g), 0
    bounds = np.cumsum([np.shape(v)[axis] for v in viewed])[:-1]
    pieces = np.split(g, bounds, axis=axis)
    return Derivatives(np.reshape(p, np.shape(x)) for p, x in zip(pieces, xs, strict=True))


def hstack_axis(xs) -> int:
    return 0 if np.ndim(xs[0]) <= 1 else 1


def tile_vjp(g, x, reps):
    """Cotangent of `x` in `np.tile(x, reps)`: the copies summed."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    ndim = max(np.ndim(x), len(reps))
    shape = (1,) * (ndim - np.ndim(x)) + np.shape(x)
    reps = (1,) * (ndim - len(reps)) + reps
    interleaved = [n for pair in zip(reps, shape, strict=True) for n in pair]
    summed = np.sum(np.reshape(g, interleaved), axis=tuple(range(0, 2 * ndim, 2)))
    return np.reshape(summed, np.shape(x))


def repeat_vjp(g, x, repeats, axis=None):
    """Cotangent of `x` in `np.repeat(x, repeats, axis)`: each element's copies summed."""
    source = np.ravel(x) if axis is None else as_array(x)
    along = 0 if axis is None else axis % np.ndim(x)
    n = np.shape(source)[along]
    owner = np.repeat(np.arange(n), np.broadcast_to(repeats, (n,)))
    out = np.zeros(np.shape(source), dtype=np.result_type(x, g))
    index = (slice(None),) * along + (owner,)
    np.add.at(out, index, g)
    return np.reshape(out, np.shape(x))


def roll_back(shift):
    """The shift that undoes `np.roll(x, shift)`."""
    return -shift if np.ndim(shift) == 0 else tuple(-s for s in shift)


PAD_COPY_MODES = ("constant", "edge", "reflect", "symmetric", "wrap")


def pad_vjp(g, x, pad_width, mode="constant"):
    """Cotangent of `x` in `np.pad(x, pad_width, mode)`: each output element added back to
    the element it was copied from (found by padding the index array the same way)."""
    if mode not in PAD_COPY_MODES:
        raise S2SError(
            f"the derivative of np.pad with mode={mode!r} is not implemented",
            hint=f"use one of the modes {', '.join(PAD_COPY_MODES)}",
        )
    index = np.arange(np.size(x)).reshape(np.shape(x))
    source = np.pad(
        index, pad_width, mode, **({"constant_values": -1} if mode == "constant" else {})
    )
    keep = source >= 0
    out = np.zeros(np.size(x), dtype=np.result_type(x, g))
    np.add.at(out, source[keep], as_array(g)[keep])
    return np.reshape(out, np.shape(x))


def take_vjp(g, x, indices, axis=None):
    """Cotangent of `x` in `np.take(x, indices, axis)`: scattered, added where repeated."""
    out = np.zeros(np.shape(x), dtype=np.result_type(x, g))
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    np.add.at(out, (slice(None),) * (axis % np.ndim(x)) + (indices,), g)
    return out


def take_along_axis_vjp(g, x, indices, axis):
    """Cotangent of `x` in `np.take_along_axis(x, indices, axis)`."""
    out = np.zeros(np.shape(x), dtype=np.result_type(x, g))
    if axis is None:
        np.add.at(out.reshape(-1), indices, g)
        return out
    grid = list(np.indices(np.shape(indices), sparse=True))
    grid[axis % np.ndim(x)] = indices
    np.add.at(out, tuple(grid), g)
    return out


def sort_jvp(d, x, axis=-1):
    """Tangent of `np.sort(x, axis)`: the tangent permuted like `x`."""
    order = np.argsort(x, axis=axis, kind="stable")
    if axis is None:
        return np.ravel(d)[order]
    return np.take_along_axis(np.broadcast_to(d, np.shape(x)), order, axis)


def sort_vjp(g, x, axis=-1):
    """Cotangent of `x` in `np.sort(x, axis)`: `g` sent back to where each value came from."""
    order = np.argsort(x, axis=axis, kind="stable")
    return take_along_axis_vjp(g, x, order, axis)


def cast(d, dtype):
    """A derivative converted like `x.astype(dtype)`; zero when `dtype` is not a float type
    (an integer or boolean result carries no derivative)."""
    if not np.issubdtype(np.dtype(dtype), np.inexact):
        return np.zeros(np.shape(d))
    return as_array(d).astype(dtype)


def cast_like(g, x, dtype):
    """The cotangent of `x` in `x.astype(dtype)`, in the type of `x`; zero when `dtype` is
    not a float type."""
    if not np.issubdtype(np.dtype(dtype), np.inexact):
        g = np.zeros(np.shape(g))
    if isinstance(x, (np.ndarray, np.generic)):
        return as_array(g).astype(x.dtype)
    return float(g)


def index_order(x, order) -> str:
    """The index order, "C" or "F", in which `np.reshape(x, …, order=order)` or
    `np.ravel(x, order)` reads `x`: "A" is "F" for an array Fortran- but not C-contiguous,
    "K" (ravel) the order of `x`'s memory, where that is one of the two (NumPy's
    `np.reshape` and `np.ravel` pages).

    Raises S2SError for "K" of an array laid out in neither order (a transpose of three
    axes): its derivative is not written yet."""
    if order == "F":
        return "F"
    if order not in ("A", "K"):
        return "C"
    flags = getattr(x, "flags", None)
    if flags is None or np.ndim(x) <= 1 or flags.c_contiguous:
        return "C"
    if flags.f_contiguous:
        return "F"
    if order == "A":
        return "C"
    raise S2SError(
        "np.ravel(x, order='K') of an array laid out neither in C nor in Fortran order: its "
        "derivative is not supported yet",
        hint="ravel in an explicit order: np.ravel(x, order='C') or order='F'",
    )


def reshape_in_order(x, shape, like, order):
    """`x` (a derivative) reshaped to `shape` in the index order the call read `like` in
    (`index_order`): the tangent or adjoint of `np.reshape(like, …, order=order)`."""
    return np.reshape(x, shape, order=index_order(like, order))
