"""The partial derivatives of quantiles and of the reductions that skip NaN (`np.median`,
`np.quantile`, `np.percentile`, `np.nanmean`, `np.nanvar`, …: rules/order_statistics.py).

A quantile by NumPy's default ("linear") method is the sorted values' linear interpolation
at the virtual index p = q·(n - 1): (1 - t)·s[⌊p⌋] + t·s[⌊p⌋ + 1], t = p - ⌊p⌋ (NumPy's
`quantile` documentation, method 1 of Hyndman & Fan 1996 numbered 7). Its partial
derivatives are those weights at the elements that hold s[⌊p⌋] and s[⌊p⌋ + 1]; where several
elements hold one value (a tie, a kink), its weight is split evenly among them, as the
extrema's are (`extremum_share`). They depend on the order of the elements only: they
carry no derivative themselves (rules/helpers.py).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["nan_count", "nan_share", "quantile_weights"]


def quantile_weights(x, q, axis=None):
    """∂ np.quantile(x, q, axis) / ∂x at `x`'s shape, for a scalar `q` in [0, 1]."""
    x = np.asarray(x)
    if np.ndim(q) != 0:
        raise NotImplementedError(
            "the derivative of a quantile of several q at once is not supported yet: take "
            "one quantile per call (`[np.quantile(x, p) for p in qs]`)"
        )
    axes = _axes(axis, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(*moved.shape[: x.ndim - len(axes)], -1)
    n = flat.shape[-1]
    position = float(q) * (n - 1)
    below = min(math.floor(position), n - 1)
    above = min(below + 1, n - 1)
    fraction = position - below
    ordered = np.sort(flat, axis=-1)
    weights = (1.0 - fraction) * _tie_share(flat, ordered[..., below : below + 1])
    if fraction:
        weights = weights + fraction * _tie_share(flat, ordered[..., above : above + 1])
    weights = weights.reshape(moved.shape)
    return np.moveaxis(weights, tuple(range(x.ndim - len(axes), x.ndim)), axes).astype(
        np.result_type(x, np.float32)
    )


def _tie_share(values, chosen):
    hit = values == chosen
    return hit / np.sum(hit, axis=-1, keepdims=True)


def _axes(axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def nan_share(x, axis=None):
    """∂ np.nanmean(x, axis) / ∂x: 1 / (the count of numbers) where `x` is a number, 0 at
    NaN."""
    numbers = ~np.isnan(x)
    return numbers / np.sum(numbers, axis=axis, keepdims=True).astype(np.result_type(x, np.float32))


def nan_count(x, axis=None):
    """How many numbers (not NaN) each reduced value was reduced from, kept as an axis."""
    return np.sum(~np.isnan(x), axis=axis, keepdims=True)
