"""scipy.signal.convolve and scipy.linalg's solve_banded, solve_sylvester and sqrtm: the
rules are rows of tests/test_rules.py (both modes, float32, vector mode, second order);
here, the refusals (located, both modes) and checks against independent formulations."""

import numpy as np
import pytest
import scipy.integrate as sint
import scipy.linalg as sla
import scipy.signal as ssig
from derivative_tests import marked_line

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads

rng = np.random.default_rng(18)


def root_sum(a):
    return np.sum(sla.sqrtm(a))  # <- error


def root_with_disp(a):
    r, _err = sla.sqrtm(a, disp=False)  # <- error
    return np.sum(r)


def _assert_located(error: S2SError, fn) -> None:
    assert error.filename == __file__
    assert error.line == marked_line(fn)
    assert error.hint, "every error says what to do instead"


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_sqrtm_without_a_real_root_is_refused_where_it_is_called(mode):
    a = np.array([[-1.0, 0.3], [0.2, -2.0]])  # negative eigenvalues: a complex root
    with pytest.raises(S2SError, match="complex") as info:
        if mode == "reverse":
            ad.grad(root_sum)(a)
        else:
            ad.jvp(root_sum, (a,), (np.ones_like(a),))
    _assert_located(info.value, root_sum)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_sqrtm_with_disp_is_refused(mode):
    with pytest.raises(S2SError, match="disp") as info:
        ad.derivative_source(root_with_disp, mode=mode)
    _assert_located(info.value, root_with_disp)


def test_sqrtm_squared_is_the_identity_map():
    """sqrtm(a) @ sqrtm(a) = a: the gradient of Σ w ⊙ (that) is w, whatever the rule's
    Sylvester solves do on the way."""
    a = rng.standard_normal((3, 3))
    a = a @ a.T + np.eye(3)
    w = rng.standard_normal((3, 3))

    def f(x):
        r = sla.sqrtm(x)
        return np.sum((r @ r) * w)

    np.testing.assert_allclose(ad.grad(f)(a), w, rtol=1e-8, atol=1e-10)
    _, tangent = ad.jvp(f, (a,), (w,))
    np.testing.assert_allclose(tangent, np.sum(w * w), rtol=1e-8)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_solve_banded_matches_the_dense_solve(mode):
    ab = rng.standard_normal((4, 6)) + np.array([[0.0], [0.0], [5.0], [0.0]])
    b = rng.standard_normal(6)
    dense = np.zeros((6, 6))
    for k, offset in enumerate([2, 1, 0, -1]):  # (l, u) = (1, 2): row k is diagonal u - k
        dense += np.diag(ab[k, max(offset, 0) : 6 + min(offset, 0)], offset)

    def banded(m, v):
        return np.sum(np.sin(sla.solve_banded((1, 2), m, v)))

    def full(m, v):
        return np.sum(np.sin(np.linalg.solve(m, v)))

    g_ab, g_b = ad.grad(banded, wrt=(0, 1), mode=mode)(ab, b)
    g_dense, g_b_dense = ad.grad(full, wrt=(0, 1))(dense, b)
    np.testing.assert_allclose(g_b, g_b_dense, rtol=1e-10)
    for k, offset in enumerate([2, 1, 0, -1]):
        kept = slice(max(offset, 0), 6 + min(offset, 0))
        np.testing.assert_allclose(g_ab[k, kept], np.diag(g_dense, offset), rtol=1e-10)
    assert g_ab[0, :2].tolist() == [0.0, 0.0]  # outside the band: unused storage
    assert g_ab[3, 5] == 0.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_signal_convolve_matches_numpy_convolve(mode):
    a, v = rng.standard_normal(7), rng.standard_normal(3)
    w = rng.standard_normal(9)

    def by_scipy(x, y):
        return np.sum(ssig.convolve(x, y) * w)

    def by_numpy(x, y):
        return np.sum(np.convolve(x, y) * w)

    scipy_grads = ad.grad(by_scipy, wrt=(0, 1), mode=mode)(a, v)
    numpy_grads = ad.grad(by_numpy, wrt=(0, 1))(a, v)
    for one, other in zip(scipy_grads, numpy_grads, strict=True):
        np.testing.assert_allclose(one, other, rtol=1e-12)


def test_signal_convolve_valid_with_the_larger_operand_second():
    """SciPy swaps the operands when the second is larger: the same math."""

    def f(x, k):
        return np.sum(ssig.convolve(x, k, "valid") ** 2)

    check_grads(f, (rng.standard_normal((2, 3)), rng.standard_normal((4, 5))))


# scipy.integrate.odeint calls the user's right-hand side inside the library: refused, with
# how to write it instead; run as it is when nothing differentiated flows into it

TIMES = np.linspace(0.0, 1.0, 5)


def decay(y, t, k):
    return -k * y


def integrated(y0, k):
    ys = sint.odeint(decay, y0, TIMES, args=(k,))  # <- error
    return np.sum(ys)


def integrated_passively(k):
    ys = sint.odeint(decay, np.ones(2), TIMES, args=(0.3,))
    return k * np.sum(ys)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_odeint_of_a_differentiated_value_is_refused_with_a_hint(mode):
    with pytest.raises(S2SError, match=r"no derivative rule for `sint\.odeint`") as info:
        ad.grad(integrated, mode=mode)(np.ones(2), 0.5)
    _assert_located(info.value, integrated)
    assert "`decay`" in info.value.hint and "Runge-Kutta" in info.value.hint


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_odeint_of_passive_values_runs_as_it_is(mode):
    expected = np.sum(sint.odeint(decay, np.ones(2), TIMES, args=(0.3,)))
    assert ad.grad(integrated_passively, mode=mode)(1.5) == pytest.approx(expected, rel=1e-12)
