"""A branch test that folds to an integer literal is followed as a flag in both sweeps.

`if 0 and z > a:` folds to `_t2 = 0`; the forward sweep took the `else` but the reverse
sweep kept `if _t2:`, whose body read values never computed: first derivatives were right
(the branch never ran), and differentiating that code again refused the names (the 45th
tester). Checked at second order against differences of the gradient, and in both modes.
"""

import numpy as np
import programs_integer_flags as P
import pytest

import s2s_ad as ad

SCALARS = ["zero_and", "one_or", "chained", "in_a_loop"]
X = 0.37


def _difference(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", SCALARS)
def test_second_derivatives(name):
    f = getattr(P, name)
    gradient = ad.grad(f)
    expected = _difference(gradient, X)
    np.testing.assert_allclose(ad.hessian(f)(X), expected, rtol=1e-6)
    np.testing.assert_allclose(ad.grad(gradient)(X), expected, rtol=1e-6)
    np.testing.assert_allclose(ad.grad(ad.grad(f, mode="forward"))(X), expected, rtol=1e-6)


@pytest.mark.parametrize("name", SCALARS)
def test_first_derivatives_and_values(name):
    f = getattr(P, name)
    np.testing.assert_allclose(ad.grad(f)(X), _difference(f, X), rtol=1e-6)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(X), ad.grad(f)(X), rtol=1e-12)
    value, _ = ad.value_and_grad(f)(X)
    assert value == f(X)


def test_array_hessian():
    x = np.array([0.3, -0.2, 0.5])
    hessian = ad.hessian(P.on_arrays)(x)
    gradient = ad.grad(P.on_arrays)
    columns = [(gradient(x + 1e-5 * e) - gradient(x - 1e-5 * e)) / 2e-5 for e in np.eye(3)]
    np.testing.assert_allclose(hessian, np.array(columns).T, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(hessian, ad.jacfwd(gradient)(x), rtol=1e-10, atol=1e-12)
