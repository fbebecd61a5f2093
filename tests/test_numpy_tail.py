"""Issue 18's NumPy tail: the forms whose derivative is not implemented are refused with a
located error (the user's file and line, what to write instead), in both modes; the rules
themselves are rows of tests/test_rules.py (both modes, float32, vector mode, second order).
"""

import numpy as np
import pytest
from derivative_tests import marked_line

import s2s_ad as ad
from s2s_ad.errors import S2SError


def linspace_with_step(x):
    values, step = np.linspace(x[0], x[1], 5, retstep=True)  # <- error
    return np.sum(values) * step


def interp_with_active_knots(x):
    return np.sum(np.interp(0.5, x, x**2))  # <- error


def eigvals_complex(x):
    return np.sum(np.linalg.eigvals(x))  # <- error


def trapezoid_with_2d_points(x):
    return np.sum(np.trapezoid(x**2, np.cumsum(np.ones((3, 3)), axis=1)))  # <- error


AT_TRANSFORMATION = [
    (linspace_with_step, "retstep"),
    (interp_with_active_knots, "`xp`"),
]
ROTATION = np.array([[0.0, -1.0, 0.2], [1.0, 0.0, 0.1], [0.0, 0.3, 2.0]])  # eigenvalues ±i·…
AT_EVALUATION = [
    (eigvals_complex, ROTATION, "complex eigenvalues"),
    (trapezoid_with_2d_points, np.ones((3, 3)), "more than one axis"),
]
# forward mode needs no weights there (the tangent is np.trapezoid of the tangent): exact
REVERSE_ONLY = {trapezoid_with_2d_points}


def _assert_located(error: S2SError, fn) -> None:
    assert error.filename == __file__
    assert error.line == marked_line(fn)
    assert error.hint, "every error says what to do instead"


@pytest.mark.parametrize(
    ("fn", "match"), AT_TRANSFORMATION, ids=lambda c: getattr(c, "__name__", "")
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_when_made(fn, match, mode):
    with pytest.raises(S2SError, match=match) as info:
        ad.derivative_source(fn, mode=mode)
    _assert_located(info.value, fn)


@pytest.mark.parametrize(
    ("fn", "x", "match"), AT_EVALUATION, ids=lambda c: getattr(c, "__name__", "")
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_when_run(fn, x, match, mode):
    if mode == "forward" and fn in REVERSE_ONLY:
        pytest.skip("exact in forward mode: test_trapezoid_2d_points_forward")
    with pytest.raises(S2SError, match=match) as info:
        if mode == "reverse":
            ad.grad(fn)(x)
        else:
            ad.jvp(fn, (x,), (np.ones_like(x),))
    _assert_located(info.value, fn)


def test_eigvals_at_real_eigenvalues_match_eigvalsh_on_a_symmetric_matrix():
    """An independent check of the eigvals rule: on a symmetric matrix it is eigvalsh's."""
    a = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 3.5]])
    weights = np.array([0.3, -1.2, 2.0])

    def by_eigvals(x):
        return np.sum(np.sort(np.linalg.eigvals(x + x.T)) * weights)

    def by_eigvalsh(x):
        return np.sum(np.linalg.eigvalsh(x + x.T) * weights)

    np.testing.assert_allclose(ad.grad(by_eigvals)(a), ad.grad(by_eigvalsh)(a), rtol=1e-10)


def test_trapezoid_2d_points_forward():
    """Forward mode of np.trapezoid with 2-D sample points is exact (no refusal needed)."""
    x, t = np.linspace(0.5, 2.0, 9).reshape(3, 3), np.arange(9.0).reshape(3, 3) / 9.0
    value, slope = ad.jvp(trapezoid_with_2d_points, (x,), (t,))
    eps = 1e-6
    central = (trapezoid_with_2d_points(x + eps * t) - trapezoid_with_2d_points(x - eps * t)) / (
        2 * eps
    )
    assert value == trapezoid_with_2d_points(x)
    np.testing.assert_allclose(slope, central, rtol=1e-7)
