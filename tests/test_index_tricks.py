"""`np.r_[...]` and `np.c_[...]` join arrays by indexing (issue 14, item 7): derivatives in
both modes, exact where the join is; the other index objects (`np.s_`, `np.index_exp`,
`np.mgrid`, `np.ogrid`) are passive, and a differentiated value in their index is refused.
"""

import numpy as np
import pytest
from derivative_tests import derivative_tests

import s2s_ad as ad
from s2s_ad.errors import UnknownCalleeError
from s2s_ad.testing import numeric_jvp

M = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])


def r_twice(x):
    return np.r_[x, x] * np.arange(1.0, 7.0)


def c_twice(x):
    return np.c_[x, x] * np.array([1.0, -2.0])


def r_mixed(x):
    return np.r_[x, 1.0, x[:2]] ** 2


def c_pair(x, y):
    return np.sin(np.c_[x, y])


def r_range(x):
    return np.r_[0:3, x, 4.0:5.0:3j] * np.r_[x, x, x]


def r_scalars(s, t):
    return np.r_[s, t * 2.0, s * t]


def r_directive(a, b):
    return np.r_["0,2", a, b] @ np.array([1.0, 2.0, -1.0])


def c_matrix(x):
    return np.c_[M, x[:2]] * np.c_[M, M][:, :4]


def r_nested_list(s, y):
    return np.r_[[s, 1.0], y] * 3.0


def r_scalar_sum(s):
    return np.sum(np.r_[s, s * s, 2.0])


X = np.array([0.5, -1.2, 2.0])
Y = np.array([1.1, 0.4, -0.3])
CASES = [
    (r_twice, (X,)),
    (c_twice, (X,)),
    (r_mixed, (X,)),
    (c_pair, (X, Y)),
    (r_range, (X,)),
    (r_scalars, (0.7, np.float64(-1.3))),
    (r_directive, (X, Y)),
    (c_matrix, (X,)),
    (r_nested_list, (0.7, Y)),
    (r_scalar_sum, (0.7,)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_primal_and_jacobians(fn, args):
    plain = fn(*args)
    out, _ = ad.vjp(fn, *args)
    np.testing.assert_array_equal(out, plain)
    tangents = tuple(np.ones_like(a) if np.ndim(a) else 1.0 for a in args)
    out, out_dot = ad.jvp(fn, args, tangents)
    np.testing.assert_array_equal(out, plain)
    np.testing.assert_allclose(
        np.ravel(out_dot), numeric_jvp(fn, args, tangents), rtol=1e-6, atol=1e-8
    )
    if isinstance(args[0], np.ndarray):
        np.testing.assert_allclose(ad.jacfwd(fn)(*args), ad.jacrev(fn)(*args), rtol=1e-12)


def test_the_issue_numbers():
    """The gradient of np.sum(np.r_[x, x]) and of np.sum(np.c_[x, x]) is 2 everywhere."""

    def r_sum(x):
        return np.sum(np.r_[x, x])

    def c_sum(x):
        return np.sum(np.c_[x, x])

    for f in (r_sum, c_sum):
        for mode in ("reverse", "forward"):
            np.testing.assert_array_equal(ad.grad(f, mode=mode)(X), [2.0, 2.0, 2.0])


def loss_r(x):
    return np.sum(np.sin(np.r_[x, x * x, 1.0]))


def test_hessian():
    h = ad.hessian(loss_r)(X)
    expected = np.diag(-np.sin(X) + (2.0 * np.cos(X * X) - 4.0 * X * X * np.sin(X * X)))
    np.testing.assert_allclose(h, expected, rtol=1e-10, atol=1e-12)


# the passive index objects: fine with constant indices, refused with a differentiated one


def passive_grids(x):
    rows, cols = np.ogrid[0:2, 0:3]
    grid = np.mgrid[0:2, 0:3][1]
    return np.sum(M[np.s_[:, 1:]] * x[1:]) + np.sum((rows + cols + grid) * x)


def passive_index_exp(x):
    return np.sum(x[np.index_exp[::2]] ** 2)


test_passive_numeric, test_passive_modes = derivative_tests(
    [(passive_grids, (X,)), (passive_index_exp, (X,))]
)


def s_of_x(x):
    return np.s_[x] * 2.0


def index_exp_of_x(x):
    return np.sum(np.index_exp[x][0])


def mgrid_to_x(x):
    return np.sum(np.mgrid[0.0:x:4j])


def ogrid_of_x(x):
    return np.sum(np.ogrid[0.0:x:4j])


@pytest.mark.parametrize("fn", [s_of_x, index_exp_of_x, mgrid_to_x, ogrid_of_x])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_a_differentiated_index(fn, mode):
    with pytest.raises(UnknownCalleeError, match=r"test_index_tricks\.py:\d+: `np\.") as info:
        ad.grad(fn, mode=mode)(1.5)
    assert "no derivative flows through an index" in str(info.value)


def c_through_a_name(x):
    joiner = np.c_
    return np.sum(joiner[x, x])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_concatenator_through_a_name_is_refused(mode):
    """`R = np.c_; R[x, x]`: not lowered as a join, so refused rather than a silent zero."""
    with pytest.raises(UnknownCalleeError, match=r"test_index_tricks\.py:\d+: `np\.c_\[\.\.\.\]`"):
        ad.grad(c_through_a_name, mode=mode)(X)
