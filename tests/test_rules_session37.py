"""Rules added in session 37: `scipy.special`'s log1p, expm1, loggamma, rel_entr, kl_div,
huber, pseudo_huber and boxcox (in x); `scipy.linalg`'s solve (every `assume_a` that reads
all of `a` or one triangle), inv, det, cholesky (upper and lower), solve_triangular (both
triangles, `trans`, `unit_diagonal`) and expm (first order: its Fréchet derivative has no
rule); NumPy's median, quantile, percentile (ties split evenly), ptp, nanmax, nanmin,
nanmean, nanvar, nanstd, cumulative_sum, ediff1d and linalg.matrix_power. Each against
central differences, forward against reverse, second order against
differences of the gradient; a triangle the solver does not read gets no derivative."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.special as sp

import s2s_ad as ad

EPS = 1e-6
RNG = np.random.default_rng(37)
X = np.array([0.3, 1.7, 2.5])
Y = np.array([0.9, 0.4, 1.3])
_B = RNG.standard_normal((3, 3))
SPD = _B @ _B.T + 3.0 * np.eye(3)
W = RNG.standard_normal((3, 3))
B1 = RNG.standard_normal(3)
B2 = RNG.standard_normal((3, 2))
TRI = np.tril(RNG.standard_normal((3, 3))) + 3.0 * np.eye(3)


def _differences(f, a):
    g = np.zeros(a.size)
    for i in range(a.size):
        if np.isnan(a.flat[i]):
            continue
        e = np.zeros(a.size)
        e[i] = EPS
        e = e.reshape(a.shape)
        g[i] = (f(a + e) - f(a - e)) / (2 * EPS)
    return g.reshape(a.shape)


SPECIAL = {
    "log1p": (lambda x: np.sum(sp.log1p(x) ** 2), X),
    "expm1": (lambda x: np.sum(sp.expm1(x) ** 2), X),
    "loggamma": (lambda x: np.sum(sp.loggamma(x) ** 2), X),
    "rel_entr_x": (lambda x: np.sum(sp.rel_entr(x, Y)), X),
    "rel_entr_y": (lambda y: np.sum(sp.rel_entr(X, y) ** 2), Y),
    "kl_div_x": (lambda x: np.sum(sp.kl_div(x, Y) ** 2), X),
    "kl_div_y": (lambda y: np.sum(sp.kl_div(X, y) ** 2), Y),
    "huber_r": (lambda r: np.sum(sp.huber(1.0, 1.3 * r - 1.0) ** 2), X),
    "huber_delta": (lambda d: np.sum(sp.huber(d, np.array([0.1, 2.0, -3.0]))), X),
    "pseudo_huber_r": (lambda r: np.sum(sp.pseudo_huber(0.7, r) ** 2), X),
    "pseudo_huber_delta": (lambda d: np.sum(sp.pseudo_huber(d, np.array([0.1, 2.0, -3.0]))), X),
    "boxcox": (lambda x: np.sum(sp.boxcox(x, 0.5) ** 2), X),
    "boxcox_log": (lambda x: np.sum(sp.boxcox(x, 0.0) ** 2), X),
}
LINALG = {
    "solve_a": (lambda a: np.sum(sla.solve(a, B1) ** 2), SPD + 0.3 * W),
    "solve_b": (lambda b: np.sum(sla.solve(SPD, b) ** 3), B2),
    "solve_gen": (lambda a: np.sum(sla.solve(a, B2, assume_a="gen") ** 2), SPD + 0.3 * W),
    # one triangle read: the other one's entries get no derivative (central differences agree)
    "solve_pos_upper": (lambda a: np.sum(sla.solve(a, B1, assume_a="pos") ** 2), SPD + 0.3 * W),
    "solve_sym_lower": (
        lambda a: np.sum(sla.solve(a, B2, assume_a="sym", lower=True) ** 2),
        SPD + 0.3 * W,
    ),
    "inv": (lambda a: np.sum(sla.inv(a) * W), SPD),
    "det": (lambda a: sla.det(a) ** 2, SPD),
    "cholesky_upper": (lambda a: np.sum(sla.cholesky(a) * W), SPD + 0.2 * W),
    "cholesky_lower": (lambda a: np.sum(sla.cholesky(a, lower=True) * W), SPD + 0.2 * W),
    "triangular_lower": (
        lambda a: np.sum(sla.solve_triangular(a, B1, lower=True) ** 2),
        TRI + 0.5 * W,
    ),
    "triangular_lower_transposed": (
        lambda a: np.sum(sla.solve_triangular(a, B2, lower=True, trans=1) ** 2),
        TRI + 0.5 * W,
    ),
    "triangular_upper_unit": (
        lambda a: np.sum(sla.solve_triangular(a, B1, unit_diagonal=True) ** 2),
        TRI.T + 0.5 * W,
    ),
    "triangular_b_transposed": (
        lambda b: np.sum(sla.solve_triangular(TRI.T, b, trans="T") ** 2),
        B2,
    ),
    "expm": (lambda a: np.sum(sla.expm(a) * W), 0.3 * W.T),
}
M = RNG.standard_normal((4, 5))
MNAN = M.copy()
MNAN[1, 2] = MNAN[3, 0] = np.nan
W5, W4 = RNG.standard_normal(5), RNG.standard_normal(4)
NUMPY = {
    "median": (lambda x: np.median(x) ** 2, M),
    "median_axis": (lambda x: np.sum(np.median(x, axis=0) * W5), M),
    "median_even": (lambda x: np.sum(np.median(x, axis=1, keepdims=True) ** 3), M[:, :4]),
    "quantile": (lambda x: np.quantile(x, 0.3) ** 2, M),
    "quantile_axis": (lambda x: np.sum(np.quantile(x, 0.75, axis=1) * W4), M),
    "quantile_axes": (lambda x: np.quantile(x.reshape(2, 2, 5), 0.4, axis=(0, 2)).sum() ** 2, M),
    "percentile": (lambda x: np.sum(np.percentile(x, 90, axis=0) ** 2), M),
    "ptp": (lambda x: np.sum(np.ptp(x, axis=1) ** 2), M),
    "nanmax": (lambda x: np.sum(np.nanmax(x, axis=1) ** 2), MNAN),
    "nanmin": (lambda x: np.nanmin(x) ** 2, MNAN),
    "nanmean": (lambda x: np.sum(np.nanmean(x, axis=0) * W5), MNAN),
    "nanvar": (lambda x: np.sum(np.nanvar(x, axis=1) * W4), MNAN),
    "nanstd": (lambda x: np.sum(np.nanstd(x, axis=0, ddof=1) * W5), MNAN),
    "cumulative_sum": (lambda x: np.sum(np.cumulative_sum(x, axis=1) ** 2 * M), M),
    "ediff1d": (lambda x: np.sum(np.ediff1d(x) ** 3), M),
    "matrix_power_3": (lambda a: np.sum(np.linalg.matrix_power(a, 3) * W), 0.5 * _B + np.eye(3)),
    "matrix_power_minus_2": (lambda a: np.sum(np.linalg.matrix_power(a, -2) * W), SPD),
}
CASES = {**SPECIAL, **LINALG, **NUMPY}


def _numbers(a):
    """Central differences skip NaN entries (the reductions that skip NaN give them 0)."""
    return ~np.isnan(a)


@pytest.mark.parametrize("name", sorted(CASES))
def test_first_order(name):
    f, a = CASES[name]
    value, g = ad.value_and_grad(f)(a)
    assert value == f(a)
    expected = _differences(f, a)
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-7)
    v = np.where(_numbers(a), RNG.standard_normal(a.shape), 0.0)
    np.testing.assert_allclose(ad.jvp(f, (a,), (v,))[1], np.sum(expected * v), rtol=1e-5)


@pytest.mark.parametrize("name", sorted(set(CASES) - {"expm"}))
def test_second_order(name):
    f, a = CASES[name]
    H = ad.hessian(f)(a).reshape(a.size, a.size)
    gradient = ad.grad(f)
    columns = [
        _differences(lambda x, i=i: gradient(x).ravel()[i], a).ravel() for i in range(a.size)
    ]
    np.testing.assert_allclose(H, np.stack(columns), rtol=1e-4, atol=1e-5)


def test_a_median_among_ties_splits_its_weight_evenly():
    """A tie is a kink: as for `max`, each tied element gets an even share (their sum, the
    derivative along all of them, is 1)."""
    x = np.array([1.0, 3.0, 3.0, 3.0, 0.5])
    np.testing.assert_allclose(_median_grad(x), [0, 1 / 3, 1 / 3, 1 / 3, 0])


def _median_of(x):
    return np.median(x) * 2.0


def _median_grad(x):
    return ad.grad(_median_of)(x) / 2.0


def _nearest(x):
    return np.quantile(x, 0.5, method="nearest")


def _power_of_variable(a, n):
    return np.sum(np.linalg.matrix_power(a, n))


def _ediff_with_end(x):
    return np.sum(np.ediff1d(x, to_end=[1.0]))


def _several_q(x):
    return np.sum(np.quantile(x, np.array([0.2, 0.8])))


@pytest.mark.parametrize(
    ("f", "args", "what"),
    [
        (_nearest, (M,), "method='nearest'"),
        (_power_of_variable, (SPD, 3), "`n` is a variable"),
        (_ediff_with_end, (M,), "to_end"),
        (_several_q, (M,), "several q"),
    ],
    ids=["quantile_method", "matrix_power_n", "ediff1d_to_end", "quantile_several_q"],
)
def test_what_the_numpy_rules_do_not_cover_is_refused_at_the_line(f, args, what):
    with pytest.raises(ad.S2SError, match=r"test_rules_session37\.py:\d+") as info:
        ad.grad(f)(*args)
    assert what in str(info.value)


def _banded(a):
    return np.sum(sla.solve(a, B1, assume_a="banded"))


def _expm_twice(a):
    return np.sum(sla.expm(a) * W)


def test_what_the_rules_do_not_cover_is_refused_at_the_line():
    with pytest.raises(ad.S2SError, match=r"test_rules_session37\.py:\d+.*assume_a='banded'"):
        ad.grad(_banded)(SPD)


def test_expm_has_second_derivatives():
    """Refused until session 39 (`expm_frechet` had no rule): the Hessian against central
    differences of the gradient."""
    a, h = 0.3 * W, 1e-5
    gradient = ad.grad(_expm_twice)
    steps = np.eye(a.size).reshape(a.size, *a.shape)
    reference = np.array([(gradient(a + h * e) - gradient(a - h * e)) / (2 * h) for e in steps])
    hessian = ad.hessian(_expm_twice)(a).reshape(a.size, a.size)
    np.testing.assert_allclose(hessian, reference.reshape(a.size, a.size), rtol=1e-5, atol=1e-7)
