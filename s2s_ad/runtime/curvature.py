"""Helpers that the rules of derivative helpers call: derivatives of `sinc` of every
order (`sinc_slope` is the first), the kinds of norms, and the linear moves that undo
other helpers' moves.

The first derivatives of `np.prod`, `np.cumprod`, `np.linalg.norm` and `np.sinc` are runtime
helpers (`prod_partials`, `cumprod_jvp`, `norm_partials` in `arrays.py`, `sinc_slope` here);
differentiating derivative code (a Hessian) differentiates those helpers, which call these.
Before → after (the tangent of the gradient code of `np.linalg.norm(x)`):
    `x_bar = rt.unreduce(n_bar, x, None, False) * rt.norm_partials(x, n, None, None, False)`
    →  `… x_dot / rt.unreduce(n, x, None, False) if rt.norm_kind(x, None, None) == 'two' …`
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import S2SError
from .arrays import _along_last, _axes, _from_last
from .core import as_array

__all__ = [
    "along_last",
    "from_last",
    "joined_pieces",
    "norm_flat",
    "norm_kind",
    "sinc_derivative",
    "sinc_slope",
    "untransposed",
]


def along_last(x, like, axis=None):
    """`x` (shaped like `like`) with the axes `axis` gathered into one last axis."""
    return _along_last(np.broadcast_to(x, np.shape(like)), axis)[0]


def from_last(flat, like, axis=None):
    """Undo `along_last`: `flat` back to the shape and axis order of `like`."""
    return _from_last(flat, as_array(like), _axes(axis, np.ndim(like)))


def joined_pieces(pieces, xs, axis=0, view=None):
    """The transpose of `concatenate_vjp`: the pieces (one per array of `xs`, shaped like
    it) joined as `np.concatenate(xs, axis)` joins the arrays (`view`: hstack's and vstack's
    `np.atleast_*d`)."""
    shaped = [np.broadcast_to(p, np.shape(x)) for p, x in zip(pieces, xs, strict=True)]
    viewed = [view(p) if view else as_array(p) for p in shaped]
    if axis is None:
        return np.concatenate([np.ravel(v) for v in viewed])
    return np.concatenate(viewed, axis=axis)


def _sinc_series(x, order: int):
    """The `order`-th derivative of sinc by its Taylor series (accurate for |x| <= 1):
    sinc(x) = Σ (-1)^n (πx)^{2n} / (2n+1)!."""
    total = np.zeros(np.shape(x))
    for n in range((order + 1) // 2, (order + 1) // 2 + 40):
        power = 2 * n - order
        coefficient = (-1) ** n * math.pi ** (2 * n) / math.factorial(2 * n + 1)
        coefficient *= math.factorial(2 * n) / math.factorial(power)
        total = total + coefficient * x**power
    return total


def _sinc_closed(x, order: int):
    """The `order`-th derivative of sin(πx) / (πx) by Leibniz's rule (for |x| > 1)."""
    total = np.zeros(np.shape(x))
    for j in range(order + 1):
        m = order - j
        sine = math.pi**j * np.sin(math.pi * x + j * math.pi / 2)
        inverse = (-1) ** m * math.factorial(m) / (math.pi * x ** (m + 1))
        total = total + math.comb(order, j) * sine * inverse
    return total


def sinc_slope(x):
    """d sinc(x) / dx = (cos(πx) - sinc(x)) / x, and 0 at x = 0: by the Taylor series near
    0, where that quotient cancels."""
    return sinc_derivative(x, 1)


def sinc_derivative(x, order):
    """The `order`-th derivative of `np.sinc` at `x`: exact at 0 (the Taylor series near
    0, where the closed form cancels), for any order (each one's rule calls the next)."""
    x = as_array(x).astype(np.result_type(x, 1.0))
    near = np.abs(x) <= 1.0
    safe = np.where(near, 2.0, x)
    out = np.where(near, _sinc_series(np.where(near, x, 0.0), order), _sinc_closed(safe, order))
    return out if np.ndim(out) else out[()]


def norm_kind(x, ord=None, axis=None) -> str:
    """How the gradient of `np.linalg.norm(x, ord, axis)` varies: "two" (x / n: the 2-norm
    of vectors, Frobenius), "power" (another p-norm of vectors), "flat" (piecewise linear:
    zero curvature) or "spectral" (the matrix 2, -2 and nuclear norms)."""
    matrix = (axis is None and np.ndim(x) == 2 and ord is not None) or (
        np.ndim(axis) == 1 and len(axis) == 2
    )
    if ord is None or ord == "fro" or (ord == 2 and not matrix):
        return "two"
    if matrix:
        return "flat" if ord in (1, -1, np.inf, -np.inf) else "spectral"
    return "flat" if ord in (1, 0, np.inf, -np.inf) else "power"


def norm_flat(like, x, ord=None, axis=None):
    """The zero curvature of a piecewise-linear norm, shaped like `like`; the spectral and
    nuclear matrix norms are refused."""
    if norm_kind(x, ord, axis) == "spectral":
        raise S2SError(
            f"the second derivative of np.linalg.norm with ord={ord!r} for matrices is not "
            "implemented",
            hint="use the Frobenius norm (ord None or 'fro'), or write the norm with np.linalg.svd",
        )
    return np.zeros(np.shape(like))


def untransposed(g, axes, x):
    """The transpose of `transposed(d, axes, x)`: a tangent with a leading direction axis
    moved back from the axis order of `np.transpose(x, axes)` to that of `x`."""
    order = range(np.ndim(x))[::-1] if axes is None else [a % np.ndim(x) for a in axes]
    return np.transpose(g, (0, *(int(a) + 1 for a in np.argsort(list(order)))))
