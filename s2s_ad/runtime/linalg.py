"""Helpers for the derivatives of contractions and matrix decompositions.

The decompositions follow the usual matrix-calculus results (Giles 2008, "Collected matrix
derivative results"; Murray 2016 for Cholesky; Townsend 2016 for the SVD). `np.linalg.eigh`
and `cholesky` read only the lower triangle of their argument, so their derivatives are
taken with respect to that triangle: a perturbation of the upper triangle changes nothing.
"""

from __future__ import annotations

import string

import numpy as np

from ..errors import S2SError
from .core import Derivatives, as_array, unbroadcast


def mT(a):
    """The matrix transpose of the last two axes."""
    return np.swapaxes(a, -1, -2)


# einsum and the contractions written with it


def _explicit(subscripts: str, operands) -> tuple[list[str], str]:
    """The operands' and the output's subscripts, with `...` spelled as capital letters."""
    text = subscripts.replace(" ", "")
    inputs, _, output = text.partition("->")
    parts = inputs.split(",")
    if "->" not in text:  # implicit: letters seen once, in alphabetical order
        letters = [c for c in inputs if c.isalpha()]
        output = ("..." if "..." in inputs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1)
        )
    spare = [c for c in string.ascii_uppercase if c not in text]
    widest = max(
        (np.ndim(op) - len(p.replace("...", "")) for p, op in zip(parts, operands, strict=True)),
        default=0,
    )
    ellipsis = "".join(spare[:widest])

    def spelled(part: str, ndim: int | None) -> str:
        if "..." not in part:
            return part
        n = (ndim - len(part.replace("...", ""))) if ndim is not None else widest
        return part.replace("...", ellipsis[widest - n :])

    return (
        [spelled(p, np.ndim(op)) for p, op in zip(parts, operands, strict=True)],
        spelled(output, None),
    )


def einsum_vjp(g, subscripts, k, *operands):
    """Cotangent of operand `k` in `np.einsum(subscripts, *operands)`: linear in `g` and in
    each other operand; operand `k` gives only its shape."""
    parts, output = _explicit(subscripts, operands)
    mine = parts[k]
    if len(set(mine)) != len(mine):
        raise S2SError(
            f"the derivative of np.einsum through an operand with a repeated index ({mine!r}) "
            "is not implemented",
            hint="take the diagonal with np.diagonal first",
        )
    others = [(p, op) for i, (p, op) in enumerate(zip(parts, operands, strict=True)) if i != k]
    seen = set(output).union(*(set(p) for p, _ in others))
    reached = "".join(c for c in mine if c in seen)
    spec = ",".join([output, *(p for p, _ in others)]) + "->" + reached
    partial = np.einsum(spec, g, *(op for _, op in others))
    # letters only this operand has were summed away: broadcast back along them
    expanded = np.reshape(
        partial,
        [np.shape(partial)[reached.index(c)] if c in reached else 1 for c in mine],
    )
    return np.broadcast_to(expanded, np.shape(operands[k])).astype(
        np.result_type(operands[k], g), copy=True
    )


def _tensordot_subscripts(a, b, axes) -> str:
    if np.ndim(axes) == 0:
        axes_a = list(range(np.ndim(a) - axes, np.ndim(a)))
        axes_b = list(range(axes))
    else:
        axes_a, axes_b = ([x] if np.ndim(x) == 0 else list(x) for x in axes)
    letters = iter(string.ascii_letters)
    sub_a = [next(letters) for _ in range(np.ndim(a))]
    sub_b = [next(letters) for _ in range(np.ndim(b))]
    for i, j in zip(axes_a, axes_b, strict=True):
        sub_b[j % np.ndim(b)] = sub_a[i % np.ndim(a)]
    contracted = {sub_a[i % np.ndim(a)] for i in axes_a}
    out = [c for c in sub_a if c not in contracted] + [c for c in sub_b if c not in contracted]
    return f"{''.join(sub_a)},{''.join(sub_b)}->{''.join(out)}"


def tensordot_vjp(g, a, b, axes, k):
    """Cotangent of `a` (k=0) or `b` (k=1) in `np.tensordot(a, b, axes)`."""
    return einsum_vjp(g, _tensordot_subscripts(a, b, axes), k, a, b)


def inner_vjp(g, a, b, k):
    """Cotangent of `a` (k=0) or `b` (k=1) in `np.inner(a, b)`."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:  # a product with a scalar
        return unbroadcast(as_array(g) * (b if k == 0 else a), (a, b)[k])
    return tensordot_vjp(g, a, b, ([-1], [-1]), k)


def outer_vjp(g, a, b, k):
    """Cotangent of `a` (k=0) or `b` (k=1) in `np.outer(a, b)`."""
    g = np.reshape(g, (np.size(a), np.size(b)))
    flat = g @ np.ravel(b) if k == 0 else np.ravel(a) @ g
    return np.reshape(flat, np.shape((a, b)[k]))


# inverses and solves


def solve_vjp_a(g, a, ans):
    """Cotangent of `a` in `x = np.linalg.solve(a, b)`: -(aᵀ⁻¹ g) xᵀ."""
    gb = np.linalg.solve(mT(a), g)
    if np.ndim(ans) == 1:
        return -np.outer(gb, ans)
    return -(gb @ mT(ans))


def adjugate(a):
    """The adjugate (classical adjoint) of the last two axes: adj(a) · a = det(a) · I, also
    where `a` is singular (Jacobi's formula: d det(a) = tr(adj(a) · da)).

    From the SVD a = U diag(s) Vᵀ, since adj(BC) = adj(C) adj(B), adj(diag(s)) =
    diag(∏_{j≠i} s_j) and adj(Q) = det(Q) Qᵀ for orthogonal Q (the adjugate's properties in
    Horn & Johnson, "Matrix Analysis", 2nd ed., §0.8.2): adj(a) = det(U) det(V) ·
    V diag(∏_{j≠i} s_j) Uᵀ. The products leave s_i out instead of dividing by it, so a zero
    singular value is fine.
    """
    u, s, vt = np.linalg.svd(a)
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.flip(
        np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :-1]], axis=-1), axis=-1), -1
    )
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * (mT(vt) * (before * after)[..., None, :]) @ mT(u)


def adjugate_jvp(d, a):
    """Tangent of `adjugate(a)`, exact also where `a` is singular (its entries are minors:
    polynomials in `a`).

    With a = U S Vᵀ, adj(a) = det(U) det(V) · V adj(S) Uᵀ, so its tangent is
    det(U) det(V) · V M Uᵀ with P = Uᵀ d V and M the tangent of adj at the diagonal S:
    M_ii = Σ_{k≠i} P_kk q_ik and M_ij = -P_ij q_ij (i ≠ j), q_ij = ∏_{l≠i,j} s_l (the
    invertible case's (tr(adj d) adj - adj d adj) / det with the division carried out).
    """
    u, s, vt = np.linalg.svd(a)
    p = mT(u) @ d @ mT(vt)
    q = _pair_products(s)
    diagonal = np.einsum("...ik,...kk->...i", q, p)
    m = -q * p + diagonal[..., None] * np.eye(np.shape(s)[-1])
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * (mT(vt) @ m @ mT(u))


def _pair_products(s):
    """q[i, j] = ∏_{l≠i,j} s_l for i ≠ j, 0 on the diagonal, without dividing (s may hold
    zeros): the products before i, strictly between i and j, and after j."""
    n = np.shape(s)[-1]
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.flip(
        np.cumprod(np.concatenate([ones, np.flip(s, -1)[..., :-1]], axis=-1), axis=-1), -1
    )
    # between[i, j] = ∏_{i<l<j} s_l: cumulative products of the entries after i
    later = np.where(np.arange(n)[None, :] > np.arange(n)[:, None], s[..., None, :], 1.0)
    running = np.cumprod(later, axis=-1)
    between = np.concatenate([np.ones_like(running[..., :1]), running[..., :-1]], axis=-1)
    upper = before[..., :, None] * between * after[..., None, :]
    upper = np.triu(upper, 1)
    return upper + mT(upper)


def det_jvp(d, a):
    """Tangent of `np.linalg.det(a)`: tr(adj(a) · d) (Jacobi's formula)."""
    return np.einsum("...ij,...ji->...", adjugate(a), d)


def det_vjp(g, a, ans):
    """Cotangent of `a` in `np.linalg.det(a)`: g · adj(a)ᵀ (Jacobi's formula; a singular `a`
    has a derivative too, so no inverse)."""
    return as_array(g)[..., None, None] * mT(adjugate(a))


def slogdet_jvp(d, a, ans):
    """Tangent of `(sign, log|det a|)`: the sign does not move; d log|det| = tr(a⁻¹ da)."""
    step = np.trace(np.linalg.solve(a, d), axis1=-2, axis2=-1)
    # added item by item where tangents through several arguments meet (second derivatives)
    return Derivatives([np.zeros_like(ans[0]), step])


def slogdet_vjp(g, a, ans):
    """Cotangent of `a` in `np.linalg.slogdet(a)`: only the log-determinant carries one."""
    return as_array(g[1])[..., None, None] * mT(np.linalg.inv(a))


# decompositions of symmetric matrices, which read the lower triangle


def from_lower(d, uplo="L"):
    """The symmetric matrix whose lower (or upper, `uplo="U"`) triangle is that of `d`."""
    d = d if uplo == "L" else mT(d)
    return np.tril(d) + mT(np.tril(d, -1))


def onto_lower(b, uplo="L"):
    """The transpose of `from_lower`: the cotangent of the triangle that was read."""
    out = np.tril(b) + np.tril(mT(b), -1)
    return out if uplo == "L" else mT(out)


def phi(x):
    """The lower triangle with its diagonal halved (Murray 2016's Φ; its own adjoint)."""
    return np.tril(x) - 0.5 * np.eye(np.shape(x)[-1]) * x


def sym(x):
    """x + xᵀ over the last two axes (its own adjoint)."""
    return x + mT(x)


def inner_of(d, lower):
    """L⁻¹ S L⁻ᵀ for the symmetric S read from the lower triangle of `d` (L = `lower`)."""
    return np.linalg.solve(lower, mT(np.linalg.solve(lower, from_lower(d))))


def lower_sandwich(q, lower):
    """The lower triangle's share of L⁻ᵀ q L⁻¹: the transpose of `inner_of`."""
    b = np.linalg.solve(mT(lower), mT(np.linalg.solve(mT(lower), mT(q))))
    return onto_lower(b)


def cholesky_jvp(d, a, ans):
    """Tangent of `L = np.linalg.cholesky(a)`: L Φ(L⁻¹ dA L⁻ᵀ)."""
    return ans @ phi(inner_of(d, ans))


def cholesky_vjp(g, a, ans):
    """Cotangent of `a` in `L = np.linalg.cholesky(a)`: L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, onto the triangle."""
    return lower_sandwich(phi(mT(ans) @ g), ans)


def _gaps(w):
    """F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it (eigenvalue gaps)."""
    gap = w[..., None, :] - w[..., :, None]
    n = np.shape(w)[-1]
    with np.errstate(divide="ignore"):
        return np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(np.eye(n, dtype=bool), 1, gap))


def eigh_jvp(d, a, ans, uplo="L"):
    """Tangent of `(w, v) = np.linalg.eigh(a)`, for distinct eigenvalues."""
    w, v = ans
    c = mT(v) @ from_lower(d, uplo) @ v
    dw = np.diagonal(c, axis1=-2, axis2=-1).copy()
    return Derivatives([dw, v @ (_gaps(w) * c)])  # added item by item (second derivatives)


def eigh_vjp(g, a, ans, uplo="L"):
    """Cotangent of `a` in `(w, v) = np.linalg.eigh(a)`, for distinct eigenvalues."""
    w, v = ans
    gw, gv = g
    inner = _gaps(w) * (mT(v) @ gv) + as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1])
    return onto_lower(v @ inner @ mT(v), uplo)


def _gaps_tangent(f, dw):
    """Tangent of F = _gaps(w): dF_ij = -F_ij² (dw_j - dw_i)."""
    return -(f * f) * (dw[..., None, :] - dw[..., :, None])


def _gaps_cotangent(z):
    """The cotangent of w from <Z / F², dF> (Z already holds the F² factor)."""
    return np.sum(z, axis=-1) - np.sum(z, axis=-2)


def eigh_jvp_tangent(d, ans, dans, uplo="L"):
    """Tangent of eigh_jvp(d, a, ans) as `ans` = (w, V) moves by `dans` = (dw, dV)."""
    (w, v), (dw, dv) = ans, dans
    s, f = from_lower(d, uplo), _gaps(w)
    c = mT(v) @ s @ v
    dc = mT(dv) @ s @ v + mT(v) @ s @ dv
    ddw = np.diagonal(dc, axis1=-2, axis2=-1).copy()
    return Derivatives([ddw, dv @ (f * c) + v @ (_gaps_tangent(f, dw) * c + f * dc)])


def eigh_jvp_cotangent(d, ans, g, uplo="L"):
    """The cotangent of `ans` = (w, V) in <g, eigh_jvp(d, a, ans)>, g = (gw, gV)."""
    (w, v), (gw, gv) = ans, g
    s, f = from_lower(d, uplo), _gaps(w)
    c = mT(v) @ s @ v
    vg = mT(v) @ gv
    x = as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1]) + f * vg  # the coefficient of C
    v_bar = s @ v @ (x + mT(x)) + gv @ mT(f * c)
    return Derivatives([_gaps_cotangent(vg * c * f * f), v_bar])


def eigh_vjp_tangent(g, ans, dans, uplo="L"):
    """Tangent of eigh_vjp(g, a, ans) as `ans` = (w, V) moves by `dans` = (dw, dV)."""
    (w, v), (dw, dv), (gw, gv) = ans, dans, g
    f = _gaps(w)
    h = mT(v) @ gv
    k = f * h + as_array(gw)[..., None, :] * np.eye(np.shape(w)[-1])
    dk = _gaps_tangent(f, dw) * h + f * (mT(dv) @ gv)
    return onto_lower(dv @ k @ mT(v) + v @ dk @ mT(v) + v @ k @ mT(dv), uplo)


def eigh_vjp_cotangent(g, ans, d, uplo="L"):
    """The cotangent of `ans` = (w, V) in <d, eigh_vjp(g, a, ans)>."""
    (w, v), (gw, gv) = ans, g
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
    """The eigenvalue gaps F of symmetric `a` and Vᵀ S V for each tangent's symmetric S."""
    w, v = np.linalg.eigh(a, uplo)
    return _gaps(w), [mT(v) @ from_lower(t, uplo) @ v for t in tangents], v


def eigvalsh_hess(t, s, a, uplo="L"):
    """The second derivative of `np.linalg.eigvalsh(a)` along `t` and `s` (symmetric):
    2 Σ_k C_t[i, k] F[k, i] C_s[k, i] with C = Vᵀ S V, from dV = V (F ∘ C) (distinct
    eigenvalues; where two are equal F is infinite and so is this, as the eigenvalues have
    no second derivative at a crossing)."""
    f, (ct, cs), _ = _eigen_quadratics(a, uplo, t, s)
    return 2.0 * np.sum(ct * mT(f * cs), axis=-1)


def eigvalsh_hess_vjp(g, t, a, uplo="L"):
    """The cotangent of `s` in <g, eigvalsh_hess(t, s, a)> (the same trilinear form read
    as a function of `s`)."""
    f, (ct,), v = _eigen_quadratics(a, uplo, t)
    m = 2.0 * f * mT(ct) * as_array(g)[..., None, :]
    return onto_lower(v @ m @ mT(v), uplo)


# the singular value decomposition (thin, distinct nonzero singular values)


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


def _svd_gaps(s):
    """F[i, j] = 1 / (s[j]² - s[i]²) off the diagonal, 0 on it."""
    return _gaps(s * s)


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
    si, sj = s[..., :, None], s[..., None, :]
    c = -g[..., :, None] * _svd_gaps(s)
    m = c * (si * p + sj * pt) + mT(c * (si * pt + sj * p))
    scale = (g / s)[..., None, :]
    eu = e @ v - u @ p
    ev = mT(e) @ u - v @ pt
    return u @ m @ mT(v) + (eu * scale) @ mT(v) + u @ mT(ev * scale)
