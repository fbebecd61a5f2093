"""Shape and index helpers for the derivatives of NumPy's less common functions
(rules/tail.py): `np.rollaxis`, `np.column_stack`, `np.kron`.

They compute positions, shapes and subscripts only (no derivative flows through them), so
the derivative templates stay written with functions that have rules, and second
derivatives follow. Before → after, for `np.kron(a, b)` of 2-D `a` (m, n), `b` (p, q):

    cotangent of a:  (no rule)  →  np.einsum('ajbk,jk->ab', reshape(g, (m, p, n, q)), b)
"""

from __future__ import annotations

import string

import numpy as np

from ..errors import S2SError
from .core import Derivatives, unbroadcast
from .through import differentiated_through

__all__ = [
    "along_axis",
    "column",
    "convolve_padding",
    "eigvals_jvp",
    "eigvals_vjp",
    "inside",
    "interval",
    "kron_padded",
    "kron_shape",
    "kron_subscripts",
    "masked_split",
    "masked_sum",
    "onehot",
    "partition_order",
    "rolled_position",
    "sample_points",
    "select_masks",
    "trapezoid_weights",
]


def rolled_position(x, axis, start):
    """Where `np.rollaxis(x, axis, start)` puts `axis`: np.moveaxis's destination."""
    n = np.ndim(x)
    axis = axis % n
    start = start + n if start < 0 else start
    return start - 1 if axis < start else start


def column(x):
    """`x` as np.column_stack reads it: a 1-D (or 0-D) array as one column."""
    x = np.asarray(x)
    return x.reshape(-1, 1) if x.ndim < 2 else x


def kron_padded(x, other):
    """The shape of `x` with ones in front, as np.kron pads the operand of fewer axes."""
    n = max(np.ndim(x), np.ndim(other))
    return (1,) * (n - np.ndim(x)) + np.shape(x)


def kron_shape(a, b):
    """The result of `np.kron(a, b)` cut into (a₀, b₀, a₁, b₁, …) axes."""
    return tuple(s for pair in zip(kron_padded(a, b), kron_padded(b, a), strict=True) for s in pair)


def kron_subscripts(a, b, k):
    """einsum subscripts contracting the cut result with the other operand, keeping operand
    `k` (0: a, 1: b)."""
    n = max(np.ndim(a), np.ndim(b))
    mine, other = string.ascii_letters[:n], string.ascii_letters[n : 2 * n]
    pairs = zip(mine, other, strict=True) if k == 0 else zip(other, mine, strict=True)
    return "".join(p + q for p, q in pairs) + "," + other + "->" + mine


def convolve_padding(a, v, mode):
    """Zeros before and after the result of `np.convolve(a, v, mode)` that make it the full
    convolution (the cotangent of the cut-off elements is zero)."""
    n, m = np.size(a), np.size(v)
    full = n + m - 1
    if mode == "full":
        return (0, 0)
    kept = max(n, m) if mode == "same" else max(n, m) - min(n, m) + 1
    before = (full - kept) // 2 if mode == "same" else min(n, m) - 1
    return (before, full - kept - before)


def along_axis(y, axis):
    """The shape that lays a 1-D array along `axis` of `y` (np.trapezoid's weights)."""
    shape = [1] * np.ndim(y)
    shape[axis] = -1
    return tuple(shape)


def trapezoid_weights(y, axis, dx):
    """The weight of each element of `y` along `axis` in `np.trapezoid(y, dx=dx, axis)`:
    dx/2 at the two ends, dx inside (0 for a single sample), laid along that axis."""
    n = np.shape(y)[axis]
    weights = np.full(n, float(dx))
    weights[[0, -1]] = 0.5 * dx if n > 1 else 0.0
    return weights.reshape(along_axis(y, axis))


def interval(x, xp):
    """For each point of `x`, the index j of the piece [xp[j], xp[j+1]] np.interp reads
    (the first or last piece outside the range)."""
    return np.clip(np.searchsorted(xp, x, side="right") - 1, 0, np.size(xp) - 2)


def inside(x, xp):
    """Whether each point of `x` is within the sample points (outside, np.interp is flat)."""
    return (x >= xp[0]) & (x <= xp[-1])


def onehot(j, n):
    """Rows of the n-by-n identity picked by the integer array `j`."""
    return np.eye(n)[np.ravel(j)]


def partition_order(x, kth, axis, ans):
    """The positions in `x` of the elements of `ans = np.partition(x, kth, axis)`
    (np.argpartition, checked to give the same arrangement)."""
    order = np.argpartition(x, kth, axis=axis)
    if not np.array_equal(np.take_along_axis(np.asarray(x), order, axis), ans, equal_nan=True):
        raise S2SError(
            "np.partition and np.argpartition arranged the elements differently here, so the "
            "derivative of np.partition cannot follow them",
            hint="use np.sort (whose derivative follows a stable order) instead",
        )
    return order


def select_masks(condlist, choicelist):
    """For each choice of `np.select(condlist, choicelist, default)`, where it is the
    one picked (its condition the first true one), in the result's shape; then the
    default's mask."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in [*condlist, *choicelist]))
    taken = np.zeros(shape, dtype=bool)
    masks = []
    for condition in condlist:
        mine = np.broadcast_to(condition, shape) & ~taken
        masks.append(mine.astype(float))
        taken = taken | mine
    masks.append((~taken).astype(float))
    return masks


def masked_sum(masks, items):
    """Σ masks[k] · items[k]: np.select's tangent (linear in the items)."""
    total = 0.0
    for mask, item in zip(masks, items, strict=True):
        total = total + mask * item
    return total


def masked_split(g, masks, items):
    """The cotangent of each item of `masked_sum(masks, items)`: its mask times `g`,
    summed back to the item's shape."""
    return Derivatives(unbroadcast(m * g, item) for m, item in zip(masks, items, strict=True))


@differentiated_through
def _real_eigen(a, name="np.linalg.eigvals"):
    """Eigenvectors of `a` and their inverse, refused when an eigenvalue is complex."""
    w, vectors = np.linalg.eig(a)
    if np.iscomplexobj(w) and np.any(np.imag(w) != 0):
        raise S2SError(
            f"the derivative of {name} at a matrix with complex eigenvalues is not "
            "implemented (complex values are not supported)",
            hint="differentiate where the eigenvalues are real (e.g. a symmetric matrix: "
            "np.linalg.eigvalsh)",
        )
    vectors = np.real(vectors)
    return vectors, np.linalg.inv(vectors)


@differentiated_through
def eigvals_jvp(d, a):
    """Tangent of the eigenvalues of `a`: dλᵢ = (V⁻¹ dA V)ᵢᵢ (distinct real eigenvalues)."""
    vectors, inverse = _real_eigen(a)
    return np.diagonal(inverse @ d @ vectors, axis1=-2, axis2=-1)


@differentiated_through
def eigvals_vjp(g, a):
    """Cotangent of `a` in `np.linalg.eigvals(a)`: V⁻ᵀ diag(g) Vᵀ."""
    vectors, inverse = _real_eigen(a)
    return np.swapaxes(inverse, -1, -2) @ (np.expand_dims(g, -1) * np.swapaxes(vectors, -1, -2))


def sample_points(x):
    """`x` itself, when it is np.trapezoid's 1-D sample points; more axes are refused."""
    if np.ndim(x) > 1:
        raise S2SError(
            "the derivative of np.trapezoid with sample points `x` of more than one axis "
            "is not implemented",
            hint="pass `x` as a 1-D array (one sample point per element along `axis`)",
        )
    return x
