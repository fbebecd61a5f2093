"""Derivatives that stay finite where the math is (issue 18, "Numerically robust rules").

Each point named in the issue, in both modes, at first and (where the function is smooth
there) second order: the branch `np.where` does not take contributes exactly zero even where
its partials are infinite or nan (ad/masks.py); eigh with a repeated eigenvalue the output
does not depend on; sinc near 0; logsumexp and logaddexp with -inf entries; the norm at 0
(zero subgradient); det at a singular matrix and slogdet. (`np.std`/`np.var` of one element:
tests/test_moment_edges.py.)
"""

import numpy as np
import pytest
import scipy.special
from derivative_tests import derivative_tests
from hessian_checks import assert_hessian_consistent

import s2s_ad as ad
from s2s_ad.testing import check_grads, check_modes_agree

MODES = ("reverse", "forward")


# the branch not taken is still computed: NumPy warns of sqrt(-1), log(0), 0 / 0
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


# 1. nan-free np.where: the whole kind (an elementwise chain in a branch, both branches,
# nested wheres, a scalar branch, broadcasting, a Python float, a loop)


def where_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), 0.0))


def where_sinc(x):
    return np.sum(np.where(x != 0, np.sin(x) / x, 1.0))


def where_xlogx(x):
    return np.sum(np.where(x > 0, x * np.log(x), 0.0))


def where_arctan2(x, y):
    r = x * x + y * y
    return np.sum(np.where(r > 0, np.arctan2(y, x) * r, 0.0))


def where_chains_both_branches(x, y):
    a = np.sin(x) * y
    b = np.log(a)
    return np.sum(np.where(a > 0, b * 2.0, np.sqrt(-a) * np.exp(x)))


def where_nested(x):
    inner = np.where(x > 0, np.sqrt(x), -x)
    return np.sum(np.where(x > 1, np.log(np.log(x)), inner) ** 2)


def where_broadcast(x, w):
    return np.sum(np.where(x > 0, np.sqrt(x) * w, w * w))  # x (3, 1), w (4,)


def where_scalar_log(s, v):
    return np.sum(np.where(v > 10.0, np.log(s) * v, v))  # no element picks log(s)


def where_float(x):
    return np.where(x > 0, np.sqrt(x), 0.0) * 3.0


def where_in_loop(x):
    total = 0.0
    for i in range(3):
        total = total + np.sum(np.where(x > i - 1.0, np.sqrt(x - i + 1.0), 1.0 / x))
    return total


def where_division(x, y):
    return np.sum(np.where(np.abs(y) > 0.1, x / y, x))


def where_asserted(x):
    root = np.sqrt(x)
    assert root.shape == x.shape  # a passive read: no derivative flows back through it
    return np.sum(np.where(x > 0, root, 0.0))


V = np.array([-1.0, 4.0, 0.25, -0.5])
XY = (np.array([0.0, 1.0, -0.5, 0.0]), np.array([0.0, 2.0, 0.3, -1.0]))
WHERE_CASES = [
    (where_sqrt, (V,)),
    (where_asserted, (V,)),
    (where_sinc, (np.array([0.0, 1.0, -2.0]),)),
    (where_xlogx, (np.array([-1.0, 2.0, 0.5]),)),
    (where_chains_both_branches, (np.array([0.5, -0.7, 2.0]), np.array([1.5, 0.8, -0.4]))),
    (where_nested, (np.array([-1.0, 0.5, 2.0, 4.0]),)),
    (where_broadcast, (np.array([[-1.0], [0.5], [2.0]]), np.array([0.3, -0.2, 1.1, 0.7]))),
    (where_scalar_log, (-1.0, np.array([0.5, 1.0, 2.0]))),
    (where_float, (-1.0,)),
    (where_float, (4.0,)),
    (where_in_loop, (np.array([-0.5, 0.5, 3.0]),)),
    (where_division, (np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 0.0]))),
]
with np.errstate(all="ignore"):  # the table is called once as it is made
    test_where_jvp_and_vjp, test_where_forward_equals_reverse = derivative_tests(WHERE_CASES)


@pytest.mark.parametrize("mode", MODES)
def test_where_arctan2_at_the_origin_is_zero(mode):
    # arctan2's partials at (0, 0) are 0 / 0; the branch is not taken there
    gx, gy = ad.grad(where_arctan2, wrt=(0, 1), mode=mode)(*XY)
    x, y = XY
    r = x * x + y * y
    safe = np.where(r > 0, r, 1.0)
    angle = np.arctan2(y, x)
    np.testing.assert_allclose(gx, np.where(r > 0, -y + 2 * x * angle, 0.0), rtol=1e-12)
    np.testing.assert_allclose(gy, np.where(r > 0, x + 2 * y * angle, 0.0), rtol=1e-12)
    assert np.all(np.isfinite(safe))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("fn", "x", "expected"),
    [
        # at the boundary the derivative is the taken branch's, never nan
        (where_sqrt, [0.0, -1.0, 4.0], [0.0, 0.0, 0.25]),
        (where_sinc, [0.0, 0.0], [0.0, 0.0]),
        (where_xlogx, [0.0, -2.0, 1.0], [0.0, 0.0, 1.0]),
    ],
    ids=["sqrt", "sinc", "xlogx"],
)
def test_where_at_the_boundary(fn, x, expected, mode):
    np.testing.assert_array_equal(ad.grad(fn, mode=mode)(np.array(x)), expected)


# smooth points only: at an element on the boundary (sin(x) / x at 0) the program's second
# derivative is the taken branch's, and differences of the gradient see the other one
SMOOTH = [(where_sinc, (np.array([0.5, 1.0, -2.0]),))]
SMOOTH += [c for c in WHERE_CASES if c[0] not in (where_in_loop, where_sinc)]


@pytest.mark.parametrize(("fn", "args"), SMOOTH, ids=lambda v: getattr(v, "__name__", ""))
def test_where_second_order(fn, args):
    hessian = assert_hessian_consistent(fn, args)
    assert np.all(np.isfinite(hessian))


def test_where_jacobians_by_columns_and_rows():
    def elementwise(x):
        return np.where(x > 0, np.sqrt(x) * np.log(x), -x)

    x = np.array([-1.0, 0.0, 2.0, 0.5])
    by_columns = ad.jacfwd(elementwise)(x)
    by_rows = ad.jacrev(elementwise)(x)
    np.testing.assert_allclose(by_columns, by_rows, rtol=1e-14)
    expected = np.where(x > 0, (np.log(np.abs(x) + (x == 0)) + 2) / (2 * np.sqrt(np.abs(x))), -1.0)
    np.testing.assert_allclose(np.diag(by_rows), expected, rtol=1e-12)


def test_the_taken_branch_keeps_ieee_infinities():
    # only the branch not taken is masked: sqrt at 0 where it is taken is still inf
    g = ad.grad(lambda x: np.sum(np.where(x >= 0, np.sqrt(x), 0.0)))(np.array([0.0, 4.0]))
    np.testing.assert_array_equal(g, [np.inf, 0.25])


# 2. eigh with a repeated eigenvalue the output does not depend on


def eigenvalue_sum(a):
    w, _v = np.linalg.eigh(a)
    return np.sum(w) + np.sum(w**2)


def top_eigenvector(a):
    w, v = np.linalg.eigh(a)
    return (v[:, -1] @ np.array([1.0, 2.0, 3.0])) ** 2 + w[0] * w[1]  # the repeated pair


Q, _ = np.linalg.qr(np.random.default_rng(4).standard_normal((3, 3)))
PAIRS = [np.diag([1.0, 1.0, 3.0]), Q @ np.diag([1.0, 1.0, 3.0]) @ Q.T]


@pytest.mark.parametrize("a", [np.eye(3), *PAIRS], ids=["eye", "pair", "rotated"])
def test_eigh_eigenvalues_only(a):
    check_grads(eigenvalue_sum, (a,))
    g = check_modes_agree(eigenvalue_sum, (a,))[0]
    # tr(A) + |A|², A read from its lower triangle (each entry below the diagonal twice)
    np.testing.assert_allclose(g, np.tril(4 * a, -1) + np.diag(1 + 2 * np.diag(a)), atol=1e-12)


@pytest.mark.parametrize("a", PAIRS, ids=["pair", "rotated"])
def test_eigh_vector_of_a_distinct_eigenvalue(a):
    check_grads(top_eigenvector, (a,))
    assert np.all(np.isfinite(check_modes_agree(top_eigenvector, (a,))[0]))


# 3. sinc near 0: a series, no cancellation


def sinc(x):
    return np.sinc(x)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("x", [1e-8, 1e-9, 1e-12, 0.0, -1e-8])
def test_sinc_slope_near_zero(x, mode):
    p = np.pi
    slope = -(p**2) * x / 3 + p**4 * x**3 / 30  # the Taylor series; next term ~ x**5
    curvature = -(p**2) / 3 + p**4 * x**2 / 10
    assert ad.grad(sinc, mode=mode)(x) == pytest.approx(slope, rel=1e-12, abs=1e-300)
    hessian = ad.hessian(sinc)(x)
    assert float(hessian) == pytest.approx(curvature, rel=1e-12)


# 4. logsumexp and logaddexp with -inf entries: weight 0


def lse(x):
    return scipy.special.logsumexp(x)


def add_logs(x, y):
    return np.sum(np.logaddexp(x, y))


@pytest.mark.parametrize("mode", MODES)
def test_logsumexp_with_minus_infinity(mode):
    x = np.array([0.5, -np.inf, 1.0, -np.inf])
    g = ad.grad(lse, mode=mode)(x)
    finite = np.exp(x[[0, 2]] - scipy.special.logsumexp(x[[0, 2]]))
    np.testing.assert_allclose(g, [finite[0], 0.0, finite[1], 0.0], rtol=1e-14)


def test_logsumexp_with_minus_infinity_second_order():
    x = np.array([0.5, -np.inf, 1.0])
    h = ad.hessian(lse)(x)
    p = np.exp(x[[0, 2]] - scipy.special.logsumexp(x[[0, 2]]))
    inner = np.diag(p) - np.outer(p, p)
    expected = np.zeros((3, 3))
    expected[np.ix_([0, 2], [0, 2])] = inner
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("mode", MODES)
def test_logaddexp_with_minus_infinity(mode):
    x = np.array([-np.inf, 0.3, 2.0])
    y = np.array([1.0, -np.inf, 2.0])
    gx, gy = ad.grad(add_logs, wrt=(0, 1), mode=mode)(x, y)
    np.testing.assert_allclose(gx, [0.0, 1.0, 0.5], rtol=1e-15)
    np.testing.assert_allclose(gy, [1.0, 0.0, 0.5], rtol=1e-15)


def test_logaddexp_with_minus_infinity_second_order():
    def f(x):
        return np.logaddexp(x[0], x[1]) + np.logaddexp(x[2], x[1])

    x = np.array([-np.inf, 0.3, 1.2])
    h = ad.hessian(f)(x)
    p = 1 / (1 + np.exp(x[1] - x[2]))  # the weight of x[2] in logaddexp(x[2], x[1])
    expected = np.zeros((3, 3))
    expected[np.ix_([2, 1], [2, 1])] = p * (1 - p) * np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-15)


# 5. the norm at 0: the zero subgradient


def norm(x):
    return np.linalg.norm(x)


def norm_squared(x):
    return np.linalg.norm(x) ** 2


def p_norm_squared(x):
    return np.linalg.norm(x, ord=3) ** 2


def row_norms_squared(x):
    return np.sum(np.linalg.norm(x, axis=1) ** 2)


NORM_CASES = [
    (norm_squared, (np.zeros(3),)),
    (p_norm_squared, (np.zeros(3),)),
    (row_norms_squared, (np.array([[0.0, 0.0], [1.0, -2.0], [0.0, 0.0]]),)),
]
test_norm_jvp_and_vjp, test_norm_forward_equals_reverse = derivative_tests(NORM_CASES)


@pytest.mark.parametrize("mode", MODES)
def test_norm_at_zero_is_the_zero_subgradient(mode):
    np.testing.assert_array_equal(ad.grad(norm, mode=mode)(np.zeros(3)), np.zeros(3))
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    g = ad.grad(row_norms_squared, mode=mode)(x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-14)


# 6. det at a singular matrix (the adjugate) and slogdet where defined


def det(a):
    return np.linalg.det(a)


def log_abs_det(a):
    sign, logdet = np.linalg.slogdet(a)
    return logdet * sign


RANK_ONE = np.outer([1.0, 2.0, -1.0], [0.5, 1.0, 3.0])
RANK_TWO = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.5], [0.0, 1.0, -1.0]]) @ np.diag([1, 1, 0.0])
test_det_jvp_and_vjp, test_det_forward_equals_reverse = derivative_tests(
    [(det, (RANK_ONE,)), (det, (RANK_TWO,)), (log_abs_det, (np.array([[1.0, 2.0], [3.0, 4.0]]),))]
)


@pytest.mark.parametrize("a", [RANK_ONE, RANK_TWO], ids=["rank1", "rank2"])
def test_det_singular_second_order(a):
    assert_hessian_consistent(det, (a,))
