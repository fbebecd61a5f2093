"""`np.reshape`/`x.reshape` and `np.ravel`/`x.ravel` in an index order other than C ("F", and
"A"/"K", which follow the array's layout): the derivative is reshaped in the order the call
read its argument in, in every mode (the adjoint reshaped back in C order gave a silently
wrong gradient, the 120th tester's `reshape(20, 3, order="F")`)."""

import numpy as np
import pytest
from derivative_tests import second_differences

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree

X = np.random.default_rng(0).uniform(-1.0, 1.0, (4, 6))


def reshape_f(x):
    return np.sum(np.sin(x).reshape(3, 8, order="F")[0] ** 2)


def reshape_f_then_update(x):
    a = np.sin(x).reshape(8, 3, order="F")
    a[3, :] += 1.0
    return np.sum(np.cumsum(a, axis=0)[-1]) + np.sum(np.sin(a))


def reshape_a_of_a_fortran_array(x):
    return np.sum(np.asfortranarray(np.sin(x)).reshape(8, 3, order="A")[1] ** 3)


def reshape_a_of_a_c_array(x):
    return np.sum(np.sin(x).reshape(8, 3, order="A")[1] ** 3)


def ravel_f(x):
    return np.sum(np.ravel(np.sin(x), order="F")[:7] ** 2)


def ravel_k_of_a_transpose(x):
    return np.sum(np.ravel(np.sin(x).T, order="K")[:7] ** 2)


def ravel_method_f(x):
    return np.sum(np.cos(x).ravel("F")[3:11] ** 2)


def np_reshape_f_weighted(x):
    w = np.arange(24.0).reshape(6, 4)
    return np.sum(np.reshape(x * x, (6, 4), order="F") * w)


PROGRAMS = [
    reshape_f,
    reshape_f_then_update,
    reshape_a_of_a_fortran_array,
    reshape_a_of_a_c_array,
    ravel_f,
    ravel_k_of_a_transpose,
    ravel_method_f,
    np_reshape_f_weighted,
]


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_gradient_against_differences_and_forward_mode(f):
    check_grads(f, (X,))
    check_modes_agree(f, (X,))
    assert ad.value_and_grad(f)(X)[0] == f(X)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_hessian_against_second_differences(f):
    x = X[:2, :3].copy()

    def small(v):
        return f(np.tile(v, (2, 2)))

    np.testing.assert_allclose(
        ad.hessian(small)(x), second_differences(small, x), rtol=1e-5, atol=1e-5
    )


def unravelled_f(x):  # a vector result: its Jacobian by columns (a direction axis) and rows
    return np.sin(x).reshape(8, 3, order="F")[2] * 2.0 + np.ravel(x, order="F")[:3]


def test_jacobians_of_both_modes_agree():
    forward = ad.jacfwd(unravelled_f)(X)
    reverse = ad.jacrev(unravelled_f)(X)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    h, step = 1e-6, np.eye(24)[5].reshape(4, 6)
    column = (unravelled_f(X + h * step) - unravelled_f(X - h * step)) / (2 * h)
    np.testing.assert_allclose(forward[:, 0, 5], column, rtol=1e-6, atol=1e-8)


def ravel_k_of_three_axes(x):
    return np.sum(np.ravel(np.sin(x).reshape(2, 3, 4).transpose(1, 2, 0), order="K")[:5])


def test_ravel_k_of_an_unordered_layout_is_refused_at_its_line():
    with pytest.raises(S2SError, match=r"order='K'") as info:
        ad.grad(ravel_k_of_three_axes)(X)
    assert info.value.filename == __file__
