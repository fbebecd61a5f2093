# ruff: noqa: SIM108 -- branches written out on purpose: what the derivative code folds
"""Branches whose condition is known when the code is made (a literal comparison, a local
constant), nested in a branch on a value: both sweeps fold them alike, so the gradient code
is differentiated again (before, its reverse sweep kept the other branch, reading values the
forward sweep no longer computed, and every second derivative refused them)."""

import numpy as np
import pytest

import s2s_ad as ad


def nested_local_constant(x):
    scale = 0.5
    if np.sum(x) > 0.0:
        if scale < 1.0:
            y = np.sin(x) * x
        else:
            y = np.cos(x * x)
    else:
        y = x * 3.0
    return np.sum(y)


def elif_literal(x):
    if np.sum(x) > 0.0:
        y = np.sin(x) * x
    elif 1.5 > 1.0:
        y = np.cos(x * x)
    else:
        y = np.exp(x * x)
    return np.sum(y)


def literal_false(x):
    if np.max(x) > 0.2:
        if 2.0 < 1.0:
            y = np.exp(x)
        else:
            y = np.tanh(x) ** 2
    else:
        y = x * x
    return np.sum(y)


def in_a_loop(x):
    s = 0.0
    damped = True
    for i in range(3):
        if x[i] > 0.0:
            if damped:
                s = s + np.tanh(x[i]) ** 2
            else:
                t = np.exp(x[i])
                s = s + t * t
    return s


def flag_copied(x):
    verbose = False
    debug = verbose
    if np.sum(x * x) > 0.1:
        if not debug:
            y = np.log(1.0 + x * x)
        else:
            y = x
    else:
        y = x * 2.0
    return np.sum(y * y)


PROGRAMS = [nested_local_constant, elif_literal, literal_false, in_a_loop, flag_copied]
POINTS = [np.array([0.3, -0.2, 0.5, 0.1]), np.array([-0.4, -0.3, 0.1, -0.2])]


def _gradient_differences(g, x, h=1e-6):
    return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("point", range(len(POINTS)))
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_second_derivatives_of_branches_known_when_made(f, point):
    x = POINTS[point]
    g = ad.grad(f)
    hessian = ad.hessian(f)(x)
    np.testing.assert_allclose(hessian, _gradient_differences(g, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ad.jacfwd(g)(x), hessian, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x), g(x), rtol=1e-12, atol=1e-14)
    value, _ = ad.value_and_grad(f)(x)
    assert value == f(x)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_the_gradient_code_keeps_no_branch_that_cannot_run(f):
    source = ad.derivative_source(f, "gradient")
    assert "if True" not in source and "if False" not in source
