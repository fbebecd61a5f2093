"""Helpers for the derivatives of contractions and matrix decompositions.

The decompositions follow the usual matrix-calculus results (Giles 2008, "Collected matrix
derivative results"; Murray 2016 for Cholesky); eigh and svd are in `spectral.py`.
`cholesky` reads only the lower triangle of its argument, so its derivatives are taken with
respect to that triangle: a perturbation of the upper triangle changes nothing.
"""

from __future__ import annotations

import string

import numpy as np

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
    mine, spelled, diagonals = _distinct(parts[k], "".join(parts) + output)
    others = [(p, op) for i, (p, op) in enumerate(zip(parts, operands, strict=True)) if i != k]
    seen = set(output).union(*(set(p) for p, _ in others))
    unique = "".join(dict.fromkeys(mine))
    reached = "".join(c for c in unique if c in seen)
    spec = ",".join([output, *(p for p, _ in others)]) + "->" + reached
    partial = np.einsum(spec, g, *(op for _, op in others))
    # letters only this operand has were summed away: broadcast back along them
    shape = dict(zip(parts[k], np.shape(operands[k]), strict=True))
    expanded = np.reshape(
        partial,
        [np.shape(partial)[reached.index(c)] if c in reached else 1 for c in unique],
    )
    expanded = np.broadcast_to(expanded, [shape[c] for c in unique])
    if diagonals:  # a repeated index reads a diagonal: the cotangent lies on it, zeros off it
        eyes = [np.eye(shape[c]) for c, _ in diagonals]
        spec = ",".join([unique, *(c + fresh for c, fresh in diagonals)]) + "->" + spelled
        expanded = np.einsum(spec, expanded, *eyes)
    return expanded.astype(np.result_type(operands[k], g), copy=True)


def _distinct(part: str, used: str) -> tuple[str, str, list[tuple[str, str]]]:
    """`part` with each repeat of an index renamed to a fresh letter: (the indices the
    operand's cotangent is computed over, that spelling, [(index, its fresh name)])."""
    fresh = (c for c in string.ascii_letters if c not in used)
    spelled, diagonals = "", []
    for c in part:
        if c in spelled:
            name = next(fresh)
            diagonals.append((c, name))
            spelled += name
        else:
            spelled += c
    return part, spelled, diagonals


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
