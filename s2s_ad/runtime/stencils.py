"""Adjoints of NumPy's linear finite differences (rules/numpy_more.py): `np.gradient`.

np.gradient is linear in its array: along each axis it is a matrix G (central differences
inside, one-sided of `edge_order` at the ends), so its adjoint applies Gᵀ along that axis.
G is read off np.gradient itself (its columns are the gradients of the unit vectors), so
the adjoint matches NumPy's stencils exactly. Before → after, for 1-D `f` of length n:

    cotangent of f:  (no rule)  →  Gᵀ @ g,  G = np.gradient(np.eye(n), h, axis=0)
"""

from __future__ import annotations

import numpy as np

from ..errors import S2SError
from .core import Derivatives, as_array
from .tail import _real_eigen
from .through import differentiated_through

__all__ = [
    "eig_jvp",
    "eig_vjp",
    "gradient_tangent",
    "gradient_vjp",
    "lstsq_jvp_a",
    "lstsq_jvp_b",
    "lstsq_vjp_a",
    "lstsq_vjp_b",
]


def gradient_tangent(t):
    """np.gradient's result as a tangent: the tuple of one array per axis as a list's."""
    return Derivatives(t) if isinstance(t, (list, tuple)) else t


def gradient_vjp(g, f, h=1.0, axis=None, edge_order=1):
    """The cotangent of `f` in `np.gradient(f, h, axis=axis, edge_order=edge_order)`, given
    the cotangent `g` of its result (one array per axis, or one array for one axis)."""
    f = as_array(f)
    axes = tuple(range(f.ndim)) if axis is None else tuple(np.atleast_1d(axis))
    # one part per axis (a list, or stacked in an array), or one array for one axis
    parts = list(g) if isinstance(g, (list, tuple)) or len(axes) > 1 else [g]
    out = np.zeros(f.shape, np.result_type(f, as_array(parts[0]), np.float32))
    for part, ax in zip(parts, axes, strict=True):
        n = f.shape[ax]
        stencil = np.gradient(np.eye(n, dtype=out.dtype), h, axis=0, edge_order=edge_order)
        part = np.broadcast_to(part, f.shape)  # a zero may stand as 0.0 for an unused part
        moved = np.tensordot(stencil, np.moveaxis(part, ax, 0), axes=([0], [0]))
        out = out + np.moveaxis(moved, 0, ax)
    return out


# np.linalg.lstsq(a, b) of a full-column-rank `a` (m ≥ n, rank n): x = G aᵀ b, G = (aᵀa)⁻¹,
# r = b - a x with aᵀ r = 0. Then dx = P (db - da x) + G daᵀ r (P = G aᵀ = pinv(a)),
# d‖r‖² = -2 rᵀ(db - da x), and dsᵢ = uᵢᵀ da vᵢ for the singular values (distinct).


@differentiated_through
def _lstsq_parts(a, b, ans):
    a = as_array(a)
    n = a.shape[1]
    if ans[2] < n:
        raise S2SError(
            "the derivative of np.linalg.lstsq of a matrix without full column rank "
            f"(rank {ans[2]} of {n} columns) is not implemented",
            hint="give it a matrix of full column rank, or use np.linalg.pinv(a) @ b",
        )
    column = np.ndim(b) == 1  # b, x, r as matrices of one column
    x = ans[0][:, None] if column else ans[0]
    r = (b[:, None] if column else as_array(b)) - a @ x
    gram = np.linalg.inv(a.T @ a)
    return a, x, r, gram, column


@differentiated_through
def lstsq_jvp_a(d, a, b, ans):
    """Tangent of `np.linalg.lstsq(a, b)` (x, residuals, rank, s) along `d` = da."""
    a, x, r, gram, column = _lstsq_parts(a, b, ans)
    dx = gram @ (d.T @ r - a.T @ (d @ x))
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    ds = np.einsum("mi,mn,in->i", u, d, vt)
    return _lstsq_tangent(dx, -2.0 * np.sum(r * (d @ x), axis=0), ds, ans, column)


@differentiated_through
def lstsq_jvp_b(d, a, b, ans):
    """Tangent of `np.linalg.lstsq(a, b)` along `d` = db."""
    a, _, r, gram, column = _lstsq_parts(a, b, ans)
    db = d[:, None] if column else d
    dx = gram @ (a.T @ db)
    zeros = np.zeros_like(ans[3])
    return _lstsq_tangent(dx, 2.0 * np.sum(r * db, axis=0), zeros, ans, column)


@differentiated_through
def _lstsq_tangent(dx, dres, ds, ans, column):
    dres = dres[: np.size(ans[1])]  # residuals are empty where m == n
    return Derivatives([dx[:, 0] if column else dx, dres, 0.0, ds])


@differentiated_through
def _lstsq_cotangents(g, ans, column):
    gx = as_array(g[0])
    gx = gx[:, None] if column else gx
    gres = np.zeros(gx.shape[1]) if np.size(ans[1]) == 0 else np.broadcast_to(g[1], gx.shape[1])
    return gx, gres


@differentiated_through
def lstsq_vjp_a(g, a, b, ans):
    """Cotangent of `a` in `np.linalg.lstsq(a, b)`, given one item per result."""
    a, x, r, gram, column = _lstsq_parts(a, b, ans)
    gx, gres = _lstsq_cotangents(g, ans, column)
    pinv_t = a @ gram  # Pᵀ
    out = -(pinv_t @ gx) @ x.T + r @ (gram @ gx).T - 2.0 * (r * gres) @ x.T
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    return out + (u * np.broadcast_to(g[3], u.shape[1:])) @ vt


@differentiated_through
def lstsq_vjp_b(g, a, b, ans):
    """Cotangent of `b` in `np.linalg.lstsq(a, b)`."""
    a, _, r, gram, column = _lstsq_parts(a, b, ans)
    gx, gres = _lstsq_cotangents(g, ans, column)
    out = a @ (gram @ gx) + 2.0 * r * gres
    return out[:, 0] if column else out


# np.linalg.eig of a matrix with distinct real eigenvalues: with C = V⁻¹ dA V and
# Fᵢⱼ = 1/(λⱼ - λᵢ) (0 on the diagonal), dλ = diag(C) and the raw dV = V (F ∘ C), each
# column then kept orthogonal to its own unit eigenvector (NumPy normalises them).


@differentiated_through
def _eig_parts(a, ans):
    vectors, inverse = _real_eigen(a, "np.linalg.eig")
    w = np.real(ans[0])
    gaps = w[..., None, :] - w[..., :, None]
    eye = np.eye(w.shape[-1], dtype=bool)
    safe = np.where(eye, 1.0, gaps)
    return vectors, inverse, np.where(eye, 0.0, 1.0 / safe)


@differentiated_through
def eig_jvp(d, a, ans):
    """Tangent of `(w, v) = np.linalg.eig(a)` along `d` = dA (distinct real eigenvalues)."""
    vectors, inverse, f = _eig_parts(a, ans)
    c = inverse @ d @ vectors
    raw = vectors @ (f * c)
    along = np.sum(vectors * raw, axis=-2, keepdims=True)  # vᵢᵀ dvᵢ (unit columns)
    return Derivatives([np.diagonal(c, axis1=-2, axis2=-1), raw - vectors * along])


@differentiated_through
def eig_vjp(g, a, ans):
    """Cotangent of `a` in `np.linalg.eig(a)`, given one item per result (w, v)."""
    vectors, inverse, f = _eig_parts(a, ans)
    gv = np.broadcast_to(g[1], vectors.shape)
    gv = gv - vectors * np.sum(vectors * gv, axis=-2, keepdims=True)
    inner = f * (np.swapaxes(vectors, -1, -2) @ gv)
    inner = inner + np.broadcast_to(g[0], vectors.shape[:-1])[..., None] * np.eye(vectors.shape[-1])
    return np.swapaxes(inverse, -1, -2) @ inner @ np.swapaxes(vectors, -1, -2)
