"""Second derivatives through the linear-algebra helpers of derivative code (issue 17):
products and contractions, solves, determinants, Cholesky and eigenvalues.

Each function's `hessian` (one vector tangent pass over its gradient code) is checked
against central differences of its gradient, and against `jacfwd(grad)` and
`jacrev(grad)` (reverse over reverse); `hvp` in a random direction against a central
difference of the gradient along it; the gradient code's own JVP and VJP against central
differences in both modes (`check_grads` on `grad(f)`); and the primal value of
`value_and_grad` against the plain call.
"""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads

rng = np.random.default_rng(17)
X3 = np.array([0.3, 0.5, 0.7])
X4 = rng.uniform(0.2, 0.9, size=4)
WEIGHTS = np.arange(9.0).reshape(3, 3) * 0.1
SPD = np.outer(X3, X3) + np.eye(3) * (1.0 + X3)
TALL = np.array([[1.0, 2.0, 0.0], [-1.0, 1.0, 3.0], [0.5, 0.0, 2.0], [0.3, 0.2, 0.1]])
MIX = np.array([[1.0, 2.0, 0.0], [-1.0, 1.0, 3.0], [0.5, 0.0, 2.0]])


def dot_squared(v):
    return np.dot(v, v) ** 2


def dot_matrix_vector(v):
    return np.sum(np.dot(np.outer(v, v) + MIX, v) ** 3)


def dot_scalar(v):
    return np.sum(np.dot(v[0], v) ** 2)


def inner_squared(v):
    return np.inner(v, v) ** 2 + np.sum(np.inner(np.outer(v, v), v) ** 2)


def outer_power(v):
    return np.sum(np.outer(v, v * v) ** 2)


def einsum_form(v):
    return np.einsum("i,ij,j->", v, np.outer(v, v) + MIX, v) ** 2


def einsum_matrix(v):
    a = np.outer(v, v) + MIX
    return np.sum(np.einsum("ij,jk->ik", a, a) ** 2) + np.sum(np.einsum("ij->j", a * a) ** 2)


def tensordot_form(v):
    a = np.outer(v, v) + MIX
    return np.sum(np.tensordot(a, v, 1) ** 2) + np.tensordot(a, a) ** 2


def trace_form(v):
    return np.trace(np.outer(v, v) @ MIX) ** 2


def quadratic_form(v):
    a = np.outer(v, v) + np.eye(3) * (1.0 + v)
    return v @ a @ v + np.dot(v, MIX @ v) ** 2


def solve_vector(v):
    return np.sum(np.linalg.solve((np.outer(v, v) + np.eye(3) * (1.0 + v)) + MIX, v) ** 2)


def solve_matrix(v):
    return np.sum(
        np.linalg.solve((np.outer(v, v) + np.eye(3) * (1.0 + v)) + MIX, np.outer(v, v) + np.eye(3))
        ** 2
    )


def determinant(v):
    return np.linalg.det((np.outer(v, v) + np.eye(3) * (1.0 + v)) + MIX)


def determinant_singular(v):
    """det(diag(v)) = v0 v1 v2 at v0 = 0: a singular matrix, finite second derivatives."""
    return np.linalg.det(np.eye(3) * v)


def log_determinant(v):
    sign, logdet = np.linalg.slogdet((np.outer(v, v) + np.eye(3) * (1.0 + v)) + MIX * 0.1)
    return logdet * sign


def cholesky_logdet(v):
    chol = np.linalg.cholesky(np.outer(v, v) + np.eye(3) * (1.0 + v))
    return 2.0 * np.sum(np.log(np.sum(chol * np.eye(3), axis=1)))


def cholesky_solve(v):
    chol = np.linalg.cholesky(np.outer(v, v) + np.eye(3) * (1.0 + v))
    return np.sum(np.linalg.solve(chol, v) ** 2) + np.sum(chol * WEIGHTS) + np.sum(chol**3)


def eigenvalues(v):
    a = np.outer(v, v) * MIX + np.eye(3) * v
    w = np.linalg.eigvalsh(a)
    return np.sum(w * np.array([1.0, -2.0, 3.0])) + np.linalg.eigvalsh(a, "U")[2] ** 2


def eigenvalue_power(v):
    return np.sum(np.linalg.eigvalsh(np.outer(v, v) + np.eye(3) * (1.0 + v)) ** 3)


def singular_values(v):
    a = np.outer(TALL @ v, v) + TALL
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 3) + np.linalg.svd(a.T, False, False)[0]


def eigenvectors(v):
    w, vectors = np.linalg.eigh(np.outer(v, v) + MIX + MIX.T)
    return np.sum(w**2) + np.sum(vectors[0] ** 2)


STACK = rng.standard_normal((2, 3, 3)) + 3.0 * np.eye(3)


def stacked_matrices(v):
    """Every helper over a stack of two matrices (leading batch axis)."""
    a = STACK * v[:2, None, None] + np.outer(v, v)
    pd = a @ np.swapaxes(a, -1, -2) + np.eye(3)
    chol = np.linalg.cholesky(pd)
    total = np.sum(np.linalg.det(a) ** 2) + np.sum(np.linalg.slogdet(pd)[1])
    total = total + np.sum(np.linalg.solve(a, np.ones((2, 3, 1)) * v[:, None]) ** 2)
    total = total + np.sum(chol**3) + np.sum(np.linalg.eigvalsh(pd) ** 2)
    total = total + np.sum(np.linalg.svd(a, compute_uv=False) ** 3)
    return total + np.sum(np.einsum("bij,bjk->bik", a, a) ** 2)


CASES = [
    (dot_squared, X3),
    (dot_matrix_vector, X3),
    (dot_scalar, X3),
    (inner_squared, X3),
    (outer_power, X3),
    (einsum_form, X3),
    (einsum_matrix, X3),
    (tensordot_form, X3),
    (trace_form, X3),
    (quadratic_form, X3),
    (solve_vector, X3),
    (solve_matrix, X3),
    (determinant, X3),
    (determinant_singular, np.array([0.0, 0.5, 0.7])),
    (log_determinant, X3),
    (cholesky_logdet, X3),
    (cholesky_solve, X3),
    (eigenvalues, X3),
    (eigenvalue_power, X3),
    (singular_values, X3),
    (stacked_matrices, X3),
    (eigenvectors, X3),
]
IDS = [fn.__name__ for fn, _ in CASES]


def gradient_differences(f, x, h=1e-5):
    """The Hessian by central differences of the (reverse-mode) gradient."""
    g = ad.grad(f)
    return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(x.size)]).T


def assert_close(ours, reference, rtol=1e-6):
    scale = max(float(np.max(np.abs(reference))), 1.0)
    np.testing.assert_allclose(ours, reference, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize(("fn", "x"), CASES, ids=IDS)
def test_hessian_against_gradient_differences(fn, x):
    hessian = ad.hessian(fn)(x)
    assert_close(hessian, gradient_differences(fn, x))
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("fn", "x"), CASES, ids=IDS)
def test_forward_and_reverse_over_reverse_agree(fn, x):
    hessian = ad.hessian(fn)(x)
    scale = max(float(np.max(np.abs(hessian))), 1.0)
    for other in (ad.jacfwd(ad.grad(fn))(x), ad.jacrev(ad.grad(fn))(x)):
        np.testing.assert_allclose(other, hessian, rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize(("fn", "x"), CASES, ids=IDS)
def test_hvp_and_gradient_code_derivatives(fn, x):
    v = rng.standard_normal(x.shape)
    gradient, product = ad.hvp(fn, (x,), (v,))
    g = ad.grad(fn)
    h = 1e-5
    assert_close(product, (g(x + h * v) - g(x - h * v)) / (2 * h))
    assert_close(gradient, g(x), rtol=1e-12)
    check_grads(g, (x,))  # the gradient code's JVP and VJP, both modes
    value, _ = ad.value_and_grad(fn)(x)
    assert value == fn(x)


def det_of_scalar(t):
    return np.linalg.det(MIX + t * np.eye(3)) + np.linalg.slogdet(SPD * t)[1]


def solve_of_scalar(t):
    return np.sum(np.linalg.solve(SPD + t * MIX, X3) ** 2) * np.dot(X3 * t, X3 * t)


def eigenvalues_of_scalar(t):
    return np.sum(np.linalg.eigvalsh(SPD + t * (MIX + MIX.T)) ** 3)


def contractions_of_scalar(t):
    v = X3 * t + MIX[0]
    a = np.outer(v, v) + MIX
    return np.einsum("i,ij,j->", v, a, v) ** 2 + np.tensordot(a, a) * np.inner(v, v) ** 2


@pytest.mark.parametrize("fn", [det_of_scalar, solve_of_scalar, eigenvalues_of_scalar])
def test_scalar_grad_of_grad(fn):
    t, h = 0.8, 1e-5
    g = ad.grad(fn)
    reference = (g(t + h) - g(t - h)) / (2 * h)
    assert_close(ad.grad(ad.grad(fn))(t), reference)
    assert_close(ad.hessian(fn)(t), reference)
    assert_close(ad.grad(ad.grad(fn), mode="forward")(t), reference)


def cholesky_of_scalar(t):
    chol = np.linalg.cholesky(SPD + t * np.outer(X3, X3))
    return np.sum(np.linalg.solve(chol, X3) ** 2) + np.sum(chol**3)


@pytest.mark.parametrize("fn", [cholesky_of_scalar, solve_of_scalar, contractions_of_scalar])
def test_third_derivative(fn):
    """The Cholesky and solve helpers' rules are written with helpers that have rules, so the
    third derivative exists: against central differences of the second."""
    t, h = 0.8, 1e-5
    second = ad.grad(ad.grad(fn))
    reference = (second(t + h) - second(t - h)) / (2 * h)
    assert_close(ad.grad(ad.grad(ad.grad(fn)))(t), reference, rtol=1e-5)


@pytest.mark.parametrize(
    ("fn", "helper"),
    [(det_of_scalar, "rt.adjugate_jvp"), (eigenvalues_of_scalar, "rt.eigvalsh_hess")],
)
def test_refused_third_derivatives_are_located(fn, helper):
    """Through `a`, the determinant's and eigenvalues' second-order helpers have no rule yet:
    a third derivative is refused with an error naming the helper and the function's file."""
    with pytest.raises(S2SError) as caught:
        ad.grad(ad.grad(ad.grad(fn)))(0.8)
    message = str(caught.value)
    assert helper in message
    assert "test_linalg_second_order.py" in message


def singular_vectors(v):
    u, s, _ = np.linalg.svd(np.outer(TALL @ v, v) + TALL, full_matrices=False)
    return np.sum(s**2) + np.sum(u[0] ** 2)


def eigenvectors(v):
    w, vectors = np.linalg.eig(np.diag([1.0, 2.0, 4.0]) + np.triu(np.outer(v, v), 1))
    return np.sum(w * v) + np.sum(vectors[0] ** 2)


@pytest.mark.parametrize(
    "second",
    [ad.hessian, lambda f: ad.jacfwd(ad.grad(f)), lambda f: ad.jacrev(ad.grad(f))],
    ids=["hessian", "jacfwd(grad)", "jacrev(grad)"],
)
@pytest.mark.parametrize("fn", [singular_vectors, eigenvectors])
def test_vectors_of_decompositions_have_second_derivatives(fn, second):
    """rt.svd_vjp, rt.eig_vjp and their jvps are differentiated through their source
    (runtime/through.py): the Hessian of a function of the singular vectors, or of a
    non-symmetric matrix's eigenvectors, against central differences of its gradient
    (before, refused: "no derivative of the next order")."""
    check_grads(fn, (X3,))
    gradient, h = ad.grad(fn), 1e-5
    reference = np.array(
        [(gradient(X3 + h * e) - gradient(X3 - h * e)) / (2 * h) for e in np.eye(X3.size)]
    )
    assert_close(second(fn)(X3), reference, rtol=1e-5)


def spectral_norm(v):
    return np.linalg.norm(np.outer(TALL @ v, v) + TALL, 2)


@pytest.mark.parametrize(("fn", "helper"), [(spectral_norm, "rt.norm_flat")])
def test_refused_second_derivatives_are_located(fn, helper):
    """The matrix 2-norm has a first derivative but no second one yet: a Hessian is
    refused with an error naming the helper and the function's file."""
    check_grads(fn, (X3,))
    with pytest.raises(S2SError) as caught:
        ad.hessian(fn)(X3)
    message = str(caught.value)
    assert helper in message
    assert "test_linalg_second_order.py" in message


# Repeated eigenvalues (singular values) of a function that is smooth there: the pair terms
# of equal eigenvalues weighted alike cancel, and are left out rather than formed as ±∞ (or,
# at a rotated matrix whose eigenvalues differ by rounding, as ±1e16) and added.
_Q = np.linalg.qr(np.array([[1.0, 0.2, 0.3], [0.1, 1.0, -0.4], [0.5, 0.3, 1.0]]))[0]
REPEATED_SPECTRA = {
    "identity": np.eye(3),
    "rotated 1, 1, 3": _Q @ np.diag([1.0, 1.0, 3.0]) @ _Q.T,
    "block 1, 1, 3": np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0], [0.0, 1.0, 2.0]]),
}


def trace_by_eigenvalues(v):
    a = np.reshape(v, (3, 3))
    return np.sum(np.linalg.eigvalsh(a + a.T)) + np.sum(np.linalg.eigvalsh(a) * 2.0)


def nuclear_norm(v):
    return np.sum(np.linalg.svd(np.reshape(v, (3, 3)), compute_uv=False))


@pytest.mark.parametrize("point", sorted(REPEATED_SPECTRA))
def test_hessian_at_repeated_eigenvalues_weighted_alike(point):
    x = REPEATED_SPECTRA[point].ravel()
    # linear in the matrix: the Hessian is exactly 0 whatever the spectrum
    np.testing.assert_array_equal(ad.hessian(trace_by_eigenvalues)(x), np.zeros((9, 9)))


@pytest.mark.parametrize("point", sorted(REPEATED_SPECTRA))
def test_nuclear_norm_hessian_at_repeated_singular_values(point):
    x = REPEATED_SPECTRA[point].ravel()
    hessian = ad.hessian(nuclear_norm)(x)
    assert_close(hessian, gradient_differences(nuclear_norm, x), rtol=1e-5)
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-12)


def trace_by_eigh(v):
    a = np.reshape(v, (3, 3))
    return np.sum(np.linalg.eigh(a + a.T)[0])


def eigenvalues_weighted_apart(v):
    a = np.reshape(v, (3, 3))
    w, _ = np.linalg.eigh(a + a.T)
    return w[0] + w[1] + 2.0 * w[2]


# the first derivative's eigenvector tangent is ±inf there (nobody reads it): NumPy warns
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("point", sorted(REPEATED_SPECTRA))
def test_eigh_at_repeated_eigenvalues_exact_or_refused(point):
    x = REPEATED_SPECTRA[point].ravel() / 2.0
    for second in (ad.hessian, lambda f: ad.jacrev(ad.grad(f))):
        np.testing.assert_array_equal(second(trace_by_eigh)(x), np.zeros((9, 9)))
        # a repeated eigenvalue weighted apart from its twin: no second derivative exists
        with pytest.raises(S2SError, match="repeated eigenvalues") as refused:
            second(eigenvalues_weighted_apart)(x)
        assert refused.value.line == eigenvalues_weighted_apart.__code__.co_firstlineno + 2
