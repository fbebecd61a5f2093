"""`np.average`'s weights: avg = Σ a·w / Σ w over `axis`, as NumPy computes it.

Its derivative in `a` is a weighted sum with the shares P = w / Σ w (`average_share`); in
`w`, dP = (dw - P·Σ dw) / Σ w, so d avg = Σ a·dP (`average_share_jvp`, and its adjoint
`average_share_vjp`). A 1-D `w` given with `axis` lies along that axis of `a`
(https://numpy.org/doc/stable/reference/generated/numpy.average.html).
"""

from __future__ import annotations

import numpy as np

from .arrays import _axes

__all__ = ["average_refused", "average_share", "average_share_jvp", "average_share_vjp"]


def _spread(w, a, axis):
    """`w` broadcast to `a`'s shape: ones where no weights are given; weights of the shape of
    `a` along `axis` (1-D for one axis) lie along those axes."""
    if w is None:
        return np.ones(np.shape(a))
    w = np.asarray(w)
    if w.shape != np.shape(a) and axis is not None:
        axes = _axes(axis, np.ndim(a))
        w = w.reshape([n if i in axes else 1 for i, n in enumerate(np.shape(a))])
    return np.broadcast_to(w, np.shape(a))


def _total(w, axis):
    """Σ w over `axis`, kept for broadcasting."""
    return np.sum(w, axis=axis, keepdims=True)


def _weight_shares(a, w, axis):
    """(P = w / Σ w at `a`'s shape, Σ w kept for broadcasting), in the dtype `np.average`
    computes in: float16 or float32 weights of float64 values are summed and divided in
    float64, as NumPy sums them (not in their own dtype: 5e-4 off in float16)."""
    spread = _spread(w, a, axis)
    if w is not None:
        spread = spread.astype(_computed_in(a, spread), copy=False)
    total = _total(spread, axis)
    return spread / total, total


def _computed_in(a, w) -> np.dtype:
    """`np.average`'s dtype: the promoted dtype of the values and the weights, at least
    float64 for integer or boolean values (NumPy's `average` source, numpy/lib)."""
    values = np.asarray(a).dtype
    if values.kind in "biu":
        return np.result_type(values, w.dtype, np.float64)
    return np.result_type(values, w.dtype)


def average_share(a, w, axis):
    """P = w / Σ w at `a`'s shape: ∂ average / ∂a."""
    return _weight_shares(a, w, axis)[0]


def average_share_jvp(d, a, w, axis):
    """The tangent of `average_share(a, w, axis)` for the weights' tangent `d`."""
    (share, total), dw = _weight_shares(a, w, axis), _spread(d, a, axis)
    return (dw - share * _total(dw, axis)) / total


def average_share_vjp(g, a, w, axis):
    """The cotangent of the weights `w` of `average_share(a, w, axis)` for its cotangent `g`
    (`a`'s shape), summed back to `w`'s shape."""
    share, total = _weight_shares(a, w, axis)
    spread = (g - _total(g * share, axis)) / total
    if np.shape(w) == np.shape(a):
        return spread
    others = tuple(i for i in range(np.ndim(a)) if i not in _axes(axis, np.ndim(a)))
    return np.sum(spread, axis=others).reshape(np.shape(w))  # `w` along `axis`


def average_refused(what: str) -> None:
    """Raised where generated code meets an `np.average` call it has no derivative for."""
    raise NotImplementedError(
        f"np.average with {what} has no derivative rule yet: compute "
        "np.sum(a * w, axis) / np.sum(w, axis) (and the sum of weights) yourself"
    )
