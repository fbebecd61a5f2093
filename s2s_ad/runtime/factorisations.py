"""Derivatives of `np.linalg.qr`, `np.cov`, `np.corrcoef`, `np.linalg.multi_dot` and
`np.vander` (rules/factorisations.py).

Each helper is plain NumPy over functions with rules and is marked `@differentiated_through`
(runtime/through.py): code differentiated again transforms it from this source, so these
functions have second derivatives without rules of their own.

QR, A = Q R with Q (m, k) orthonormal and R (k, n) upper triangular, k = min(m, n), A of full
rank (Walter & Lehmann 2018, "Algorithmic differentiation of linear algebra functions with
application in optimum experimental design"; Liao, Liu, Wang & Xiang 2019, "Differentiable
programming tensor networks", §4 for m < n):

    m ≥ n:  B = dA R⁻¹, X = Qᵀ B, U = triu(X) + tril(X, -1)ᵀ  →  dQ = B - Q U, dR = U R
            M = R R̄ᵀ - Q̄ᵀ Q  →  Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, copyltu(M) = tril(M) + tril(M, -1)ᵀ
    m < n:  A = [X Y], X = Q R₁ (square), R₂ = Qᵀ Y; Ā = [X̄ Ȳ] with X̄ the square adjoint
            of (Q̄ + Y R̄₂ᵀ, R̄₁) and Ȳ = Q R̄₂

Covariance (numpy.org/doc/stable/reference/generated/numpy.cov.html): with X the variables
in rows (the layout `np.cov` builds from `m`, `y` and `rowvar`), Xc = X - mean(X, axis=1)
and f = N - ddof, C = Xc Xcᵀ / f; dC = (dXc Xcᵀ + Xc dXcᵀ) / f, X̄ = centre((C̄ + C̄ᵀ) Xc) / f.
Correlation: R = C / (s sᵀ), s = √diag(C); dR = dC / (s sᵀ) - R ∘ (q 1ᵀ + 1 qᵀ), q = diag(dC)
/ (2 diag(C)). `np.corrcoef` clips R to [-1, 1] against rounding; the derivative is that of R.

Cholesky factors in SciPy's layout (scipy.linalg.cho_factor / cho_solve): `c` holds the
factor in one triangle and `a`'s own entries in the other (LAPACK's potrf leaves them), so
dc = dL + (da off the factor's triangle), with dL np.linalg.cholesky's tangent (the upper
factor as the transpose of the lower one of aᵀ). x = cho_solve((c, lower), b) solves
L Lᵀ x = b: dx = -A⁻¹ (dL Lᵀ + L dLᵀ) x, and L̄ = (Ā + Āᵀ) L with Ā = -A⁻¹ x̄ xᵀ, onto the
factor's triangle.
LU factors in SciPy's layout (scipy.linalg.lu_factor / lu_solve): `lu` packs L (unit
diagonal, strictly lower) and U, and A[rows] = L U for the rows `piv`'s interchanges give.
With X = L⁻¹ dA[rows] U⁻¹: dL = L tril(X, -1), dU = triu(X) U; and Ā[rows] = L⁻ᵀ (tril(Lᵀ L̄,
-1) + triu(Ū Uᵀ)) U⁻ᵀ. x = lu_solve((lu, piv), b) solves A x = b (Aᵀ x = b with trans=1).
"""

from __future__ import annotations

import numpy as np

from ..errors import S2SError
from .core import Derivatives, broadcast_tangent, zeros_like
from .linalg import cholesky_jvp, cholesky_vjp, from_lower, mT
from .through import differentiated_through

__all__ = [
    "cho_factor_jvp",
    "cho_factor_vjp",
    "cho_solve_jvp",
    "cho_solve_vjp",
    "corrcoef_jvp",
    "corrcoef_vjp",
    "cov_jvp",
    "cov_vjp",
    "diagonal_blocks",
    "doubled",
    "lu_factor_jvp",
    "lu_factor_vjp",
    "lu_rows",
    "lu_solve_jvp",
    "lu_solve_vjp",
    "multi_dot_jvp",
    "multi_dot_vjp",
    "qr_jvp",
    "qr_vjp",
    "upper_right",
    "vander_jvp",
    "vander_vjp",
]


# QR


@differentiated_through
def _qr_factors(a, ans, mode):
    """(Q, R) of `a`, from `ans` where `mode` returned both; refused where the derivative
    is not unique or not written: `mode="complete"` of a tall matrix (the extra columns of Q
    are any orthonormal completion), `mode="raw"`."""
    m, n = np.shape(a)[-2:]
    if mode == "raw" or (mode == "complete" and m > n):
        raise S2SError(
            f'the derivative of np.linalg.qr with mode="{mode}" is not implemented'
            + (f" (Q's last {m - n} columns are not unique)" if mode == "complete" else ""),
            hint='call np.linalg.qr(a) (mode="reduced") or mode="r"',
        )
    if mode == "r":
        q, r = np.linalg.qr(a)
    else:
        q, r = ans
    return q, r


@differentiated_through
def _qr_tall_jvp(d, q, r):
    b = mT(np.linalg.solve(mT(r), mT(d)))  # dA R⁻¹
    x = mT(q) @ b
    u = np.triu(x) + mT(np.tril(x, -1))
    return b - q @ u, u @ r


@differentiated_through
def _qr_tall_vjp(gq, gr, q, r):
    inner = gq + q @ from_lower(r @ mT(gr) - mT(gq) @ q)
    return mT(np.linalg.solve(r, mT(inner)))  # (…) R⁻ᵀ


@differentiated_through
def qr_jvp(d, a, ans, mode="reduced"):
    """Tangent of `np.linalg.qr(a, mode)` along `d` = dA: (dQ, dR), or dR for mode="r"."""
    q, r = _qr_factors(a, ans, mode)
    m, n = np.shape(a)[-2:]
    if m >= n:
        dq, dr = _qr_tall_jvp(d, q, r)
    else:
        dq, dr1 = _qr_tall_jvp(d[..., :, :m], q, r[..., :, :m])
        dr2 = mT(dq) @ a[..., :, m:] + mT(q) @ d[..., :, m:]
        dr = np.concatenate([dr1, dr2], axis=-1)
    if mode == "r":
        return dr
    return Derivatives([dq, dr])


@differentiated_through
def qr_vjp(g, a, ans, mode="reduced"):
    """Cotangent of `a` in `np.linalg.qr(a, mode)`, given (Q̄, R̄), or R̄ for mode="r"."""
    q, r = _qr_factors(a, ans, mode)
    if mode == "r":
        gq, gr = np.zeros_like(q), broadcast_tangent(g, r)
    else:
        gq, gr = broadcast_tangent(g[0], q), broadcast_tangent(g[1], r)
    m, n = np.shape(a)[-2:]
    if m >= n:
        return _qr_tall_vjp(gq, gr, q, r)
    gr2 = gr[..., :, m:]
    gx = _qr_tall_vjp(gq + a[..., :, m:] @ mT(gr2), gr[..., :, :m], q, r[..., :, :m])
    return np.concatenate([gx, q @ gr2], axis=-1)


# covariance and correlation


@differentiated_through
def _oriented(v, rowvar):
    """`v` as `np.cov` lays it out: at least 2-D, variables in rows."""
    rows = np.atleast_2d(v)
    if not rowvar and np.shape(rows)[0] != 1:
        rows = mT(rows)
    return rows


@differentiated_through
def _unoriented(rows, v, rowvar):
    """The adjoint of `_oriented`: `rows` (in its layout) back in the layout of `v`."""
    if not rowvar and np.shape(np.atleast_2d(v))[0] != 1:
        rows = mT(rows)
    return np.reshape(rows, np.shape(v))


@differentiated_through
def _variables(m, y, rowvar):
    """The (variables, observations) matrix `np.cov(m, y, rowvar)` reads."""
    x = _oriented(m, rowvar)
    if y is not None:
        x = np.concatenate([x, _oriented(y, rowvar)], axis=0)
    return x


@differentiated_through
def _centred(x):
    return x - np.mean(x, axis=1, keepdims=True)


@differentiated_through
def _dof(x, bias, ddof):
    """N - ddof, 0 where that is not positive (np.cov warns and divides by 0 then)."""
    if ddof is None:
        ddof = 0 if bias else 1
    return max(np.shape(x)[1] - ddof, 0)


@differentiated_through
def _tangent_rows(dm, dy, m, y, rowvar):
    """The tangent of `_variables(m, y, rowvar)` given the tangents of m and y (0.0 for one
    that does not move): the same layout of them, each at its value's shape."""
    moved_y = None if y is None else dy + np.zeros(np.shape(y))  # (m, y may be lists)
    return _variables(dm + np.zeros(np.shape(m)), moved_y, rowvar)


@differentiated_through
def cov_jvp(dm, dy, m, y=None, rowvar=True, bias=False, ddof=None):
    """Tangent of `np.cov(m, y, rowvar, bias, ddof)` along dm and dy (either may be 0.0)."""
    x = _variables(m, y, rowvar)
    xc, zc = _centred(x), _centred(_tangent_rows(dm, dy, m, y, rowvar))
    c = (zc @ mT(xc) + xc @ mT(zc)) / _dof(x, bias, ddof)
    return np.squeeze(c)


@differentiated_through
def cov_vjp(g, m, y=None, rowvar=True, bias=False, ddof=None, wrt=0):
    """Cotangent of `m` (wrt=0) or `y` (wrt=1) in `np.cov(m, y, rowvar, bias, ddof)`."""
    x = _variables(m, y, rowvar)
    k = np.shape(x)[0]
    g = np.reshape(g, (k, k))
    rows = _centred((g + mT(g)) @ _centred(x)) / _dof(x, bias, ddof)
    first = np.shape(_oriented(m, rowvar))[0]
    if wrt == 0:
        return _unoriented(rows[:first], m, rowvar)
    return _unoriented(rows[first:], y, rowvar)


@differentiated_through
def _correlation_parts(m, y, rowvar):
    c = np.atleast_2d(np.cov(m, y, rowvar))
    s = np.sqrt(np.diagonal(c))
    return c, s, c / (s[:, None] * s[None, :])


@differentiated_through
def corrcoef_jvp(dm, dy, m, y=None, rowvar=True):
    """Tangent of `np.corrcoef(m, y, rowvar)` along dm and dy (either may be 0.0)."""
    c, s, r = _correlation_parts(m, y, rowvar)
    dc = np.atleast_2d(cov_jvp(dm, dy, m, y, rowvar))
    q = np.diagonal(dc) / (2.0 * np.diagonal(c))
    return np.squeeze(dc / (s[:, None] * s[None, :]) - r * (q[:, None] + q[None, :]))


@differentiated_through
def corrcoef_vjp(g, m, y=None, rowvar=True, wrt=0):
    """Cotangent of `m` (wrt=0) or `y` (wrt=1) in `np.corrcoef(m, y, rowvar)`."""
    c, s, r = _correlation_parts(m, y, rowvar)
    k = np.shape(c)[0]
    g = np.reshape(g, (k, k))
    gr = g * r
    w = (np.sum(gr, axis=1) + np.sum(gr, axis=0)) / (2.0 * np.diagonal(c))
    gc = g / (s[:, None] * s[None, :]) - np.diag(w)
    return cov_vjp(gc, m, y, rowvar, False, None, wrt)


# chains of products


@differentiated_through
def _chain(arrays):
    """`np.linalg.multi_dot(arrays)` of at least one array."""
    if len(arrays) == 1:
        return arrays[0]
    return np.linalg.multi_dot(arrays)


@differentiated_through
def multi_dot_jvp(d, arrays):
    """Tangent of `np.linalg.multi_dot(arrays)` given one tangent per array (0.0 for an
    array that does not move): Σₖ A₁ ⋯ dAₖ ⋯ Aₙ."""
    total = 0.0
    for k in range(len(arrays)):
        moved = d[k] + np.zeros(np.shape(arrays[k]))
        total = total + np.linalg.multi_dot([*arrays[:k], moved, *arrays[k + 1 :]])
    return total


@differentiated_through
def multi_dot_vjp(g, arrays):
    """Cotangents of `arrays` in `np.linalg.multi_dot(arrays)`: Āₖ = Lₖᵀ G Rₖᵀ, with Lₖ the
    product before Aₖ and Rₖ after it (a 1-D first array a row, a 1-D last one a column)."""
    n = len(arrays)
    column = np.reshape(arrays[-1], (-1, 1)) if np.ndim(arrays[-1]) == 1 else arrays[-1]
    rows = [np.atleast_2d(a) for a in arrays[:-1]] + [column]
    g = np.reshape(g, (np.shape(rows[0])[0], np.shape(rows[-1])[1]))
    out = []
    for k in range(n):
        left = mT(_chain(rows[:k])) @ g if k > 0 else g
        right = left @ mT(_chain(rows[k + 1 :])) if k < n - 1 else left
        out.append(np.reshape(right, np.shape(arrays[k])))
    return Derivatives(out)


# Vandermonde matrices


@differentiated_through
def _powers_tangent(x, n, increasing):
    """∂ np.vander(x, n, increasing) / ∂x, column by column: p x^(p-1) for the power p."""
    if n == 0:
        return np.zeros((np.shape(x)[0], 0))
    powers = np.arange(n) if increasing else np.arange(n)[::-1]
    zeros = np.zeros((np.shape(x)[0], 1))
    fewer = np.vander(x, n - 1, increasing)  # x^(p-1) for p ≥ 1; power 0 moves nothing
    if increasing:
        return np.concatenate([zeros, fewer], axis=1) * powers
    return np.concatenate([fewer, zeros], axis=1) * powers


@differentiated_through
def vander_jvp(d, x, n=None, increasing=False):
    """Tangent of `np.vander(x, n, increasing)` along `d` = dx."""
    n = np.shape(x)[0] if n is None else n
    return d[:, None] * _powers_tangent(x, n, increasing)


@differentiated_through
def vander_vjp(g, x, n=None, increasing=False):
    """Cotangent of `x` in `np.vander(x, n, increasing)`."""
    n = np.shape(x)[0] if n is None else n
    return np.sum(g * _powers_tangent(x, n, increasing), axis=1)


# the Fréchet derivative of expm differentiated: L(A, E) is the upper right block of
# expm([[A, E], [0, A]]) (Higham 2008, "Functions of Matrices", Thm. 3.6), so its derivative
# in A along F is the upper right block of L([[A, E], [0, A]], [[F, 0], [0, F]]), whose
# adjoint reads the diagonal blocks of L([[A, E], [0, A]]ᵀ, [[0, G], [0, 0]])


@differentiated_through
def doubled(a, e):
    """The block matrix [[a, e], [0, a]] (of stacks too)."""
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros_like(a), a], axis=-1)
    return np.concatenate([top, bottom], axis=-2)


@differentiated_through
def upper_right(big):
    """The upper right quarter of a block matrix of twice the size."""
    n = np.shape(big)[-1] // 2
    return big[..., :n, n:]


@differentiated_through
def diagonal_blocks(big):
    """The sum of the two diagonal quarters of a block matrix of twice the size."""
    n = np.shape(big)[-1] // 2
    return big[..., :n, :n] + big[..., n:, n:]


# Cholesky factors in SciPy's layout


@differentiated_through
def _lower_factor(c, lower):
    """L of A = L Lᵀ from `c` of cho_factor (its upper factor U = Lᵀ transposed)."""
    return np.tril(c) if lower else mT(np.triu(c))


@differentiated_through
def cho_factor_jvp(d, a, ans):
    """Tangent of `(c, lower) = scipy.linalg.cho_factor(a, lower)` along `d` = da."""
    c, lower = ans
    if lower:
        return Derivatives([cholesky_jvp(d, a, np.tril(c)) + np.triu(d, 1), zeros_like(lower)])
    upper = mT(cholesky_jvp(mT(d), mT(a), mT(np.triu(c))))
    return Derivatives([upper + np.tril(d, -1), zeros_like(lower)])


@differentiated_through
def cho_factor_vjp(g, a, ans):
    """Cotangent of `a` in `scipy.linalg.cho_factor(a, lower)`, given (c̄, ·)."""
    c, lower = ans
    gc = broadcast_tangent(g[0], c)
    if lower:
        return cholesky_vjp(np.tril(gc), a, np.tril(c)) + np.triu(gc, 1)
    upper = mT(cholesky_vjp(mT(np.triu(gc)), mT(a), mT(np.triu(c))))
    return upper + np.tril(gc, -1)


@differentiated_through
def _cho_solved(factor, r):
    """A⁻¹ r for A = L Lᵀ."""
    return np.linalg.solve(mT(factor), np.linalg.solve(factor, r))


@differentiated_through
def cho_solve_jvp(d, c_and_lower, b, ans):
    """Tangent of `scipy.linalg.cho_solve(c_and_lower, b)` through the factor (d = (dc, ·))."""
    c, lower = c_and_lower
    factor = _lower_factor(c, lower)
    moved = _lower_factor(broadcast_tangent(d[0], c), lower)
    return -_cho_solved(factor, (moved @ mT(factor) + factor @ mT(moved)) @ ans)


@differentiated_through
def cho_solve_vjp(g, c_and_lower, b, ans):
    """Cotangent of the factor `(c, lower)` in `scipy.linalg.cho_solve(c_and_lower, b)`."""
    c, lower = c_and_lower
    factor = _lower_factor(c, lower)
    n = np.shape(c)[-1]
    y = np.reshape(_cho_solved(factor, g), (n, -1))
    a_bar = -(y @ mT(np.reshape(ans, (n, -1))))
    l_bar = (a_bar + mT(a_bar)) @ factor
    return Derivatives([np.tril(l_bar) if lower else mT(np.tril(l_bar)), zeros_like(lower)])


# LU factors in SciPy's layout


def lu_rows(piv):
    """The rows of `a` in the order LAPACK's interchanges `piv` (row i swapped with row
    piv[i], in turn) leave them: a[rows] = L U. Integers: no derivative (its own rule)."""
    rows = np.arange(np.shape(piv)[-1])
    for i, j in enumerate(piv):
        rows[i], rows[j] = rows[j], rows[i]
    return rows


@differentiated_through
def _lu_parts(lu):
    n = np.shape(lu)[-1]
    return np.tril(lu, -1) + np.eye(n), np.triu(lu)


@differentiated_through
def lu_factor_jvp(d, a, ans):
    """Tangent of `(lu, piv) = scipy.linalg.lu_factor(a)` along `d` = da."""
    lu, piv = ans
    low, up = _lu_parts(lu)
    x = mT(np.linalg.solve(mT(up), mT(np.linalg.solve(low, d[lu_rows(piv)]))))
    return Derivatives([low @ np.tril(x, -1) + np.triu(x) @ up, zeros_like(piv)])


@differentiated_through
def lu_factor_vjp(g, a, ans):
    """Cotangent of `a` in `scipy.linalg.lu_factor(a)`, given (lu̅, ·)."""
    lu, piv = ans
    low, up = _lu_parts(lu)
    glu = broadcast_tangent(g[0], lu)
    m = np.tril(mT(low) @ glu, -1) + np.triu(glu @ mT(up))
    rows_bar = np.linalg.solve(mT(low), mT(np.linalg.solve(up, mT(m))))
    return rows_bar[np.argsort(lu_rows(piv))]


@differentiated_through
def _lu_matrix(lu, piv):
    """A from its packed factors: (L U)[rows⁻¹]."""
    low, up = _lu_parts(lu)
    return (low @ up)[np.argsort(lu_rows(piv))]


@differentiated_through
def lu_solve_jvp(d, lu_and_piv, b, ans, trans=0):
    """Tangent of `scipy.linalg.lu_solve(lu_and_piv, b, trans)` through the factors."""
    lu, piv = lu_and_piv
    low, up = _lu_parts(lu)
    moved = broadcast_tangent(d[0], lu)
    da = (np.tril(moved, -1) @ up + low @ np.triu(moved))[np.argsort(lu_rows(piv))]
    a = _lu_matrix(lu, piv)
    if trans == 0:
        return -np.linalg.solve(a, da @ ans)
    return -np.linalg.solve(mT(a), mT(da) @ ans)


@differentiated_through
def lu_solve_vjp(g, lu_and_piv, b, ans, trans=0):
    """Cotangent of the factors `(lu, piv)` in `scipy.linalg.lu_solve(lu_and_piv, b, trans)`."""
    lu, piv = lu_and_piv
    low, up = _lu_parts(lu)
    a = _lu_matrix(lu, piv)
    n = np.shape(lu)[-1]
    x = np.reshape(ans, (n, -1))
    if trans == 0:
        y = np.reshape(np.linalg.solve(mT(a), g), (n, -1))
        a_bar = -(y @ mT(x))
    else:
        y = np.reshape(np.linalg.solve(a, g), (n, -1))
        a_bar = -(x @ mT(y))
    rows_bar = a_bar[lu_rows(piv)]
    lu_bar = np.tril(rows_bar @ mT(up), -1) + np.triu(mT(low) @ rows_bar)
    return Derivatives([lu_bar, zeros_like(piv)])
