"""Library functions differentiated through a definition written in s2s_ad
(rules/definitions.py, runtime/definitions.py): `np.polyfit`.

The definition repeats NumPy's computation in its order, so the value is the library's bit
for bit; derivatives come from transforming it, to every order; where no derivative flows
the generated code calls the library's own function; options the definition does not cover
are refused at the user's line.
"""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads

T = np.linspace(0.0, 1.0, 7)


def fit_to_data(p):
    c = np.polyfit(T, np.sin(3.0 * T) * p[0] + p[1] * T**2, 2)
    return np.sum(c**2) + np.polyval(c, 0.5)


def fit_at_moving_points(p):
    c = np.polyfit(T + p[0] * T**2, np.cos(T) * p[2], 3)
    return np.sum(c * np.arange(4.0))


def fit_two_data_sets(p):
    y = np.stack([np.sin(T) * p[0], T * p[1] + p[2]], axis=1)
    return np.sum(np.polyfit(T, y, 1) ** 2)


def fit_with_rcond(p):
    return np.sum(np.polyfit(T * p[2], np.exp(T * p[0]), 2, rcond=1e-12))


FITS = [fit_to_data, fit_at_moving_points, fit_two_data_sets, fit_with_rcond]
P = np.array([0.7, 1.3, 0.4])


@pytest.mark.parametrize("f", FITS, ids=lambda f: f.__name__)
def test_first_derivatives_and_the_exact_value(f):
    check_grads(f, (P,))
    value, _ = ad.value_and_grad(f)(P)
    assert value == f(P)  # bit for bit: NumPy's order of operations


@pytest.mark.parametrize(
    "second",
    [ad.hessian, lambda f: ad.jacfwd(ad.grad(f)), lambda f: ad.jacrev(ad.grad(f))],
    ids=["hessian", "jacfwd(grad)", "jacrev(grad)"],
)
@pytest.mark.parametrize("f", FITS, ids=lambda f: f.__name__)
def test_second_derivatives(f, second):
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(P + h * e) - gradient(P - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(second(f)(P), reference, rtol=1e-5, atol=1e-6)


def fit_of_constants(p):
    c = np.polyfit(T, np.exp(T), 2)
    return np.sum(c) * p[0]


def test_a_fit_no_derivative_flows_through_is_the_librarys_call():
    source = ad.derivative_source(fit_of_constants)
    assert "np.polyfit(T, _t1, 2)" in source
    assert ad.grad(fit_of_constants)(P)[0] == np.sum(np.polyfit(T, np.exp(T), 2))


def weighted_fit(p):
    return np.sum(np.polyfit(T, np.sin(T) * p[0], 2, w=np.ones(7)))


def full_fit(p):
    return np.sum(np.polyfit(T, np.sin(T) * p[0], 2, None, True)[0])


@pytest.mark.parametrize(("f", "option"), [(weighted_fit, "w"), (full_fit, "full")])
def test_options_not_covered_are_refused_at_the_line(f, option):
    where = rf"test_definitions\.py:\d+.*`np\.polyfit` with `{option}=`"
    with pytest.raises(S2SError, match=where):
        ad.grad(f)(P)
