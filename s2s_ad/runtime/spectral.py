"""Helpers for the derivatives of the symmetric eigendecomposition and the singular value
decomposition, and for their second derivatives (Giles 2008, "Collected matrix derivative
results"; Townsend 2016 for the SVD).

Before: `w, v = np.linalg.eigh(a)` had first derivatives only. After: the helpers its
derivative code calls (`eigh_jvp`, `eigh_vjp`) have derivatives of their own here
(`eigh_jvp_tangent`, …; rules in rules/runtime_spectral.py), so Hessians exist. `eigh` reads
only the lower triangle of its argument, so derivatives are taken with respect to that
triangle. Equal eigenvalues (singular values) have no derivative of the eigenvectors: the
gaps 1 / (w_j - w_i) are infinite there, and so are the results — except for pairs whose
coupling is exactly 0 (an output that does not depend on the eigenvectors of a repeated
eigenvalue, such as `np.sum(w)`): they contribute 0 (`_times_gaps`), in both modes.
"""

from __future__ import annotations

import numpy as np

from ..errors import S2SError
from .core import Derivatives, as_array
from .linalg import from_lower, mT, onto_lower
from .through import differentiated_through


@differentiated_through
def _gaps(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (eigenvalue gaps)."""
    gap = w[..., None, :] - w[..., :, None]
    n = np.shape(w)[-1]
    with np.errstate(divide="ignore"):
        gaps = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(np.eye(n, dtype=bool), 1, gap))
    return gaps


def _differences(g):
    """D[i, j] = g[j] - g[i] over the last axis."""
    return g[..., None, :] - g[..., :, None]


def _divided_differences(g, w):
    """D[i, j] = (g[j] - g[i]) / (w[j] - w[i]) off the diagonal, and 0 where g[j] = g[i]
    (on the diagonal, and for a pair of equal eigenvalues weighted alike: the terms of such
    a pair cancel exactly, so they are left out rather than formed as ±∞ and added)."""
    num = _differences(as_array(g))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(num == 0, 0.0, num * _gaps(w))


def eigh_jvp(d, a, ans, uplo="L"):
    """Tangent of `(w, v) = np.linalg.eigh(a)`, for distinct eigenvalues."""
    w, v = ans
    c = mT(v) @ from_lower(d, uplo) @ v
    dw = np.diagonal(c, axis1=-2, axis2=-1).copy()
    return Derivatives([dw, v @ _times_gaps(_gaps(w), c)])  # added item by item


def eigh_vjp(g, a, ans, uplo="L"):
    """Cotangent of `a` in `(w, v) = np.linalg.eigh(a)`, for distinct eigenvalues."""
    w, v = ans
    gw, gv = g
    inner = _times_gaps(_gaps(w), mT(v) @ gv) + as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1])
    return onto_lower(v @ inner @ mT(v), uplo)


def _times_gaps(f, m):
    """F ∘ M, 0 where M is 0: a pair of equal eigenvalues (F infinite) whose coupling M is
    0 — an output that does not depend on how the eigenvectors turn inside their shared
    eigenspace (a zero cotangent of V, as for `np.sum(w)`) — contributes nothing."""
    with np.errstate(invalid="ignore"):
        return np.where(m == 0, 0.0, f * m)


def _gaps_tangent(f, dw):
    """Tangent of F = _gaps(w): dF_ij = -F_ij² (dw_j - dw_i)."""
    return -(f * f) * (dw[..., None, :] - dw[..., :, None])


def _gaps_cotangent(z):
    """The cotangent of w from <Z / F², dF> (Z already holds the F² factor)."""
    return np.sum(z, axis=-1) - np.sum(z, axis=-2)


def _refuse_repeated(w):
    """Second derivatives through eigh's eigenvectors at (nearly) repeated eigenvalues: the
    eigenvector tangent there is ±∞ (or, a rounding error apart, ±1e16 with noise that
    reaches every other pair), so no accurate number exists: refused."""
    w = np.asarray(w)
    off_diagonal = ~np.eye(np.shape(w)[-1], dtype=bool)
    gaps = np.abs(w[..., None, :] - w[..., :, None])[..., off_diagonal]
    scale = max(float(np.max(np.abs(w), initial=0.0)), np.finfo(float).tiny)
    if np.any(gaps <= 1e-9 * scale):
        raise S2SError(
            "a second derivative through np.linalg.eigh at repeated eigenvalues (equal to "
            "nine digits): the eigenvectors have no derivative there",
            hint="for eigenvalues alone use np.linalg.eigvalsh, whose second derivatives are "
            "exact there for outputs that weight repeated eigenvalues alike (np.sum(w))",
        )


def eigh_jvp_tangent(d, ans, dans, uplo="L"):
    """Tangent of eigh_jvp(d, a, ans) as `ans` = (w, V) moves by `dans` = (dw, dV)."""
    (w, v), (dw, dv) = ans, dans
    _refuse_repeated(w)
    s, f = from_lower(d, uplo), _gaps(w)
    c = mT(v) @ s @ v
    dc = mT(dv) @ s @ v + mT(v) @ s @ dv
    ddw = np.diagonal(dc, axis1=-2, axis2=-1).copy()
    return Derivatives([ddw, dv @ (f * c) + v @ (_gaps_tangent(f, dw) * c + f * dc)])


def eigh_jvp_cotangent(d, ans, g, uplo="L"):
    """The cotangent of `ans` = (w, V) in <g, eigh_jvp(d, a, ans)>, g = (gw, gV)."""
    (w, v), (gw, gv) = ans, g
    _refuse_repeated(w)
    s, f = from_lower(d, uplo), _gaps(w)
    c = mT(v) @ s @ v
    vg = mT(v) @ gv
    x = as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1]) + f * vg  # the coefficient of C
    v_bar = s @ v @ (x + mT(x)) + gv @ mT(f * c)
    return Derivatives([_gaps_cotangent(vg * c * f * f), v_bar])


def eigh_vjp_tangent(g, ans, dans, uplo="L"):
    """Tangent of eigh_vjp(g, a, ans) as `ans` = (w, V) moves by `dans` = (dw, dV), a
    tangent of eigh's output (Vᵀ dV antisymmetric, V orthogonal)."""
    (w, v), (dw, dv), (gw, gv) = ans, dans, g
    weights = _differences(as_array(gw))
    if not np.any(gv) and not np.any(weights):
        # every eigenvalue weighted alike (np.sum(w), the trace): dV diag(gw) Vᵀ + its
        # transpose is exactly 0 for any tangent of eigh's output, repeated eigenvalues too
        return onto_lower(np.zeros_like(dv), uplo)
    _refuse_repeated(w)
    f = _gaps(w)
    h = mT(v) @ gv
    k = f * h + as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1])
    dk = _gaps_tangent(f, dw) * h + f * (mT(dv) @ gv)
    return onto_lower(dv @ k @ mT(v) + v @ dk @ mT(v) + v @ k @ mT(dv), uplo)


def eigh_vjp_cotangent(g, ans, d, uplo="L"):
    """The cotangent of `ans` = (w, V) in <d, eigh_vjp(g, a, ans)>."""
    (w, v), (gw, gv) = ans, g
    if not np.any(gv) and not np.any(_differences(as_array(gw))):
        # every eigenvalue weighted alike: eigh_vjp is c I whatever (w, V) on eigh's outputs
        # (V orthogonal); the part of the cotangent off them, 2c d V, is read by nothing
        return Derivatives([np.zeros_like(w), np.zeros_like(v)])
    _refuse_repeated(w)
    f = _gaps(w)
    h = mT(v) @ gv
    k = f * h + as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1])
    fd = from_lower(d, uplo)
    r = mT(v) @ fd @ v
    v_bar = fd @ v @ (k + mT(k)) + gv @ mT(r * f)
    return Derivatives([_gaps_cotangent(r * h * f * f), v_bar])


def eigvalsh_jvp(d, a, uplo="L"):
    """Tangent of `np.linalg.eigvalsh(a)`: the eigenvectors' quadratic forms of `d`."""
    _, v = np.linalg.eigh(a, uplo)
    return np.diagonal(mT(v) @ from_lower(d, uplo) @ v, axis1=-2, axis2=-1).copy()


def eigvalsh_vjp(g, a, uplo="L"):
    """Cotangent of `a` in `np.linalg.eigvalsh(a)`."""
    _, v = np.linalg.eigh(a, uplo)
    return onto_lower((v * as_array(g)[..., None, :]) @ mT(v), uplo)


def _eigen_quadratics(a, uplo, *tangents):
    """The eigenvalues w of symmetric `a` and Vᵀ S V for each tangent's symmetric S."""
    w, v = np.linalg.eigh(a, uplo)
    return w, [mT(v) @ from_lower(t, uplo) @ v for t in tangents], v


def eigvalsh_hess(t, s, a, uplo="L"):
    """The second derivative of `np.linalg.eigvalsh(a)` along `t` and `s` (symmetric):
    2 Σ_k C_t[i, k] F[k, i] C_s[k, i] with C = Vᵀ S V, from dV = V (F ∘ C) (distinct
    eigenvalues; where two are equal F is infinite and so is this, as the eigenvalues have
    no second derivative at a crossing)."""
    w, (ct, cs), _ = _eigen_quadratics(a, uplo, t, s)
    return 2.0 * np.sum(ct * mT(_gaps(w) * cs), axis=-1)


def eigvalsh_hess_vjp(g, t, a, uplo="L"):
    """The cotangent of `s` in <g, eigvalsh_hess(t, s, a)> (the same trilinear form read
    as a function of `s`)."""
    w, (ct,), v = _eigen_quadratics(a, uplo, t)
    # the symmetric part of 2 F ∘ Ctᵀ ∘ g_row (all onto_lower reads), Ct ∘ D with the divided
    # differences D of g: exact 0 for equal eigenvalues weighted alike (np.sum(w) = trace)
    return onto_lower(v @ (ct * _divided_differences(g, w)) @ mT(v), uplo)


# the singular value decomposition (thin, distinct nonzero singular values)


@differentiated_through
def _svd_parts(a, ans, compute_uv, full_matrices):
    m, n = np.shape(a)[-2:]
    if compute_uv and full_matrices and m != n:
        raise S2SError(
            "the derivative of np.linalg.svd with full_matrices=True is not unique for a "
            f"{m}x{n} matrix",
            hint="call np.linalg.svd(a, full_matrices=False)",
        )
    if compute_uv:
        return ans
    return np.linalg.svd(a, full_matrices=False)


@differentiated_through
def _svd_gaps(s):
    """F[i, j] = 1 / (s[j]² - s[i]²) off the diagonal, 0 on it."""
    return _gaps(s * s)


@differentiated_through
def svd_jvp(d, a, ans, full_matrices=True, compute_uv=True):
    """Tangent of `np.linalg.svd(a, full_matrices, compute_uv)`."""
    u, s, vt = _svd_parts(a, ans, compute_uv, full_matrices)
    v = mT(vt)
    p = mT(u) @ d @ v
    ds = np.diagonal(p, axis1=-2, axis2=-1).copy()
    if not compute_uv:
        return ds
    f = _svd_gaps(s)
    s_row = s[..., None, :]
    s_col = s[..., :, None]
    du = u @ (f * (p * s_row + s_col * mT(p))) + (d @ v - u @ (mT(u) @ d @ v)) / s_row
    dv = v @ (f * (s_col * p + mT(p) * s_row)) + (mT(d) @ u - v @ (mT(v) @ mT(d) @ u)) / s_row
    return (du, ds, mT(dv))


@differentiated_through
def svd_vjp(g, a, ans, full_matrices=True, compute_uv=True):
    """Cotangent of `a` in `np.linalg.svd(a, full_matrices, compute_uv)`."""
    u, s, vt = _svd_parts(a, ans, compute_uv, full_matrices)
    v = mT(vt)
    if not compute_uv:
        return (u * as_array(g)[..., None, :]) @ vt
    gu, gs, gvt = g
    gv = mT(gvt)
    f = _svd_gaps(s)
    s_row = s[..., None, :]
    s_col = s[..., :, None]
    k = np.shape(s)[-1]
    core = (
        (f * (mT(u) @ gu - mT(gu) @ u)) * s_row
        + as_array(gs)[..., None, :] * np.eye(k)
        + s_col * (f * (mT(v) @ gv - mT(gv) @ v))
    )
    out = u @ core @ vt
    out = out + ((gu - u @ (mT(u) @ gu)) / s_row) @ vt
    out = out + u @ (mT(gv - v @ (mT(v) @ gv)) / s_col)
    return out


# singular values alone (`compute_uv=False`), with the thin SVD a = U S Vᵀ


def _thin_svd(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return u, s, mT(vt)


def svdvals_jvp(d, a):
    """Tangent of `np.linalg.svd(a, compute_uv=False)`: ds_i = u_iᵀ d v_i."""
    u, _, v = _thin_svd(a)
    return np.diagonal(mT(u) @ d @ v, axis1=-2, axis2=-1).copy()


def svdvals_vjp(g, a):
    """Cotangent of `a` in `np.linalg.svd(a, compute_uv=False)`: U diag(g) Vᵀ."""
    u, _, v = _thin_svd(a)
    return (u * as_array(g)[..., None, :]) @ mT(v)


def svdvals_hess(e, f, a):
    """The second derivative of the singular values along `e` and `f` (symmetric), for
    distinct nonzero singular values (the eigenvalues' second derivative, Giles 2008, applied
    to the symmetric dilation [[0, a], [aᵀ, 0]], whose eigenvalues are ±s): with P = Uᵀ e V,
    Q = Uᵀ f V and the parts of e V, eᵀ U outside U's and V's columns,
    h_i = Σ_{j≠i} (s_i (P_ij Q_ij + P_ji Q_ji) + s_j (P_ij Q_ji + P_ji Q_ij)) / (s_i² - s_j²)
          + (e_⊥ v_i · f_⊥ v_i + e_⊥ᵀ u_i · f_⊥ᵀ u_i) / s_i.
    Equal singular values make it infinite, a zero one too (no second derivative there)."""
    u, s, v = _thin_svd(a)
    p, q = mT(u) @ e @ v, mT(u) @ f @ v
    pt, qt = mT(p), mT(q)
    si, sj = s[..., :, None], s[..., None, :]
    pairs = -_svd_gaps(s) * (si * (p * q + pt * qt) + sj * (p * qt + pt * q))
    eu, fu = e @ v - u @ p, f @ v - u @ q
    ev, fv = mT(e) @ u - v @ pt, mT(f) @ u - v @ qt
    outside = np.sum(eu * fu, axis=-2) + np.sum(ev * fv, axis=-2)
    return np.sum(pairs, axis=-1) + outside / s


def svdvals_hess_vjp(g, e, a):
    """The cotangent of `f` in <g, svdvals_hess(e, f, a)>."""
    u, s, v = _thin_svd(a)
    g = as_array(g)
    p = mT(u) @ e @ v
    pt = mT(p)
    # m_ij = (p_ij (g_j s_j - g_i s_i) + p_ji (g_j s_i - g_i s_j)) / (s_j² - s_i²), written with
    # the divided differences of g over s and the sums (g_j + g_i) / (s_j + s_i) so that equal
    # singular values weighted alike (the nuclear norm) give finite, exact terms
    apart = _divided_differences(g, s)
    together = (g[..., None, :] + g[..., :, None]) / (s[..., None, :] + s[..., :, None])
    together = together * (1.0 - np.eye(np.shape(s)[-1]))
    m = 0.5 * (p * (apart + together) + pt * (apart - together))
    scale = (g / s)[..., None, :]
    eu = e @ v - u @ p
    ev = mT(e) @ u - v @ pt
    return u @ m @ mT(v) + (eu * scale) @ mT(v) + u @ mT(ev * scale)
