"""Jacobians in both accumulation orders and Hessians from the gradient code, against numbers
computed by central differences."""

import logging
import math

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import jacobians
from s2s_ad.errors import NonScalarOutputError
from s2s_ad.testing import numeric_jvp

MODES = ["forward", "reverse", "auto"]
rng = np.random.default_rng(3)


def r_to_r(x):
    return math.sin(x) * x**2


def rn_to_r(x):
    return np.sum(np.tanh(x) * x) + x[0] * x[-1]


def r_to_rm(x):
    return np.array([x, x**2, math.cos(x)]) * 1.5


def rn_to_rm(x, y):
    z = np.outer(x, y)
    for _ in range(2):
        z = np.tanh(z) + 0.1 * z
    return np.sum(z, axis=1) * y[0]


def matrices(w, b):
    return np.tanh(w @ w.T + b)


def two_outputs(x):
    return np.sin(x), np.sum(x**2)


def numeric_jacobian(f, args, k):
    """∂f/∂args[k] by central differences, shaped out.shape + arg.shape."""
    x = args[k]
    columns = []
    for i in range(int(np.size(x))):
        step = np.zeros(np.size(x))
        step[i] = 1.0
        tangents = [None] * len(args)
        tangents[k] = step.reshape(np.shape(x)) if np.ndim(x) else 1.0
        columns.append(numeric_jvp(f, args, tangents))
    out_shape = np.shape(f(*args))
    return np.moveaxis(np.array(columns), 0, -1).reshape(out_shape + np.shape(x))


CASES = [
    (r_to_r, (0.7,), 0),
    (rn_to_r, (rng.standard_normal(4),), 0),
    (r_to_rm, (0.4,), 0),
    (rn_to_rm, (rng.standard_normal(3), rng.standard_normal(4)), (0, 1)),
    (matrices, (rng.standard_normal((3, 2)), rng.standard_normal((3, 3))), (0, 1)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("f", "args", "wrt"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_jacobian_matches_central_differences(f, args, wrt, mode):
    jac = ad.jacobian(f, wrt, mode=mode)(*args)
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    found = jac if isinstance(wrt, tuple) else (jac,)
    for k, j in zip(positions, found, strict=True):
        expected = numeric_jacobian(f, args, k)
        assert np.shape(j) == expected.shape
        np.testing.assert_allclose(j, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("f", "args", "wrt"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_jacfwd_and_jacrev_agree(f, args, wrt):
    forward, reverse = ad.jacfwd(f, wrt)(*args), ad.jacrev(f, wrt)(*args)
    if not isinstance(wrt, tuple):
        forward, reverse = (forward,), (reverse,)
    for a, b in zip(forward, reverse, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_tuple_outputs_give_one_jacobian_each():
    x = rng.standard_normal(3)
    for mode in MODES:
        j_sin, j_sum = ad.jacobian(two_outputs, mode=mode)(x)
        np.testing.assert_allclose(j_sin, np.diag(np.cos(x)), atol=1e-14)
        np.testing.assert_allclose(j_sum, 2.0 * x, atol=1e-14)


def test_auto_mode_says_which_order_it_took(caplog, monkeypatch):
    monkeypatch.setattr(jacobians, "DECIDED", {})  # forget what earlier tests decided
    with caplog.at_level(logging.DEBUG, logger="s2s_ad"):
        ad.jacobian(r_to_rm)(0.3)  # 1 input, 3 outputs: forward, by the sizes
        ad.jacobian(rn_to_r)(np.ones(5))  # a scalar output: its gradient, reverse
        ad.jacobian(rn_to_r2)(np.ones(5))  # 5 inputs, 2 outputs: measured
        ad.jacobian(rn_to_r2)(np.ones(5))  # the measurement is remembered
    first, scalar, measured, remembered = (r.getMessage() for r in caplog.records)
    assert first == "jacobian of r_to_rm: forward mode (1 inputs, 3 outputs)"
    assert scalar == "jacobian of rn_to_r: reverse mode (5 inputs, 1 outputs)"
    assert measured.startswith("jacobian of rn_to_r2: ")
    assert "(5 inputs, 2 outputs; measured forward " in measured
    took = measured.split()[3]
    assert remembered == f"jacobian of rn_to_r2: {took} mode (decided before)"


def rn_to_r2(x):
    return np.array([np.sum(np.sin(x)), np.prod(x)])


def test_auto_mode_keeps_the_fast_path_it_timed(monkeypatch):
    """The first call times both orders' fast paths and keeps the one it takes: later calls
    run it, none builds another (before, the second call built it again)."""
    monkeypatch.setattr(jacobians, "DECIDED", {})
    built = []
    made = jacobians._fast_path
    monkeypatch.setattr(jacobians, "_fast_path", lambda *a: built.append(a[5]) or made(*a))
    jac = ad.jacobian(rn_to_r2)
    x = np.linspace(0.2, 1.0, 5)
    points = [x, x, x + 0.5, x - 0.25]
    found = [jac(p) for p in points]
    assert sorted(built) == ["forward", "reverse"]  # the first call's, timed; none since
    for point, jacobian in zip(points, found, strict=True):
        expected = np.array([np.cos(point), np.prod(point) / point])
        np.testing.assert_allclose(jacobian, expected, rtol=1e-13, atol=1e-15)


def test_vector_mode_is_one_pass():
    """jacfwd runs the generated tangent code once, with a leading axis of directions."""
    source = ad.derivative_source(rn_to_rm, mode="vector", wrt=(0, 1))
    assert "def rn_to_rm_jvp(x, y, x_dot, y_dot):" in source
    assert "rt.along(" in source or "rt.per_direction(" in source


def test_float32_jacobians_stay_float32():
    x = rng.standard_normal(4).astype(np.float32)
    for mode in MODES:
        assert ad.jacobian(rn_to_r, mode=mode)(x).dtype == np.float32


# Hessians: the tangent of the generated gradient code


def looped(x, n):
    s = 0.0
    for k in range(n):
        if np.sum(x) > 0.0:
            x = np.sin(x) * 1.1 + 0.1 * x
        else:
            x = np.tanh(x) * 2.0
        s = s + np.sum(x**2) * (k + 1)
    return s


def scalar_loop(x):
    y = x
    while y < 5.0:
        y = y * 1.5 + math.sin(x)
    return y * x


def mlp(w, x):
    h = np.tanh(w @ x)
    return np.sum(h**2) + np.max(h) + np.mean(np.maximum(h, 0.1))


def two_inputs(x, y):
    return np.sum(x**2 * y[0]) + np.sum(y**3) * x[1]


def numeric_hessian(f, args, k):
    """Second differences: central differences of the (reverse-mode) gradient."""
    return numeric_jacobian(ad.grad(f, wrt=k), args, k)


HESSIAN_CASES = [
    (rn_to_r, (rng.standard_normal(4),)),
    (looped, (rng.standard_normal(3), 3)),
    (looped, (-np.abs(rng.standard_normal(3)), 2)),
    (mlp, (rng.standard_normal((3, 4)), rng.standard_normal(4))),
]


@pytest.mark.parametrize(("f", "args"), HESSIAN_CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_hessian_matches_second_differences(f, args):
    h = ad.hessian(f)(*args)
    expected = numeric_hessian(f, args, 0)
    assert h.shape == np.shape(args[0]) * 2
    np.testing.assert_allclose(h, expected, rtol=1e-6, atol=1e-7)
    flat = h.reshape(np.size(args[0]), -1)
    np.testing.assert_allclose(flat, flat.T, rtol=1e-10, atol=1e-12)


def test_hessian_blocks_for_several_inputs():
    x, y = rng.standard_normal(3), rng.standard_normal(2)
    (hxx, hxy), (hyx, hyy) = ad.hessian(two_inputs, wrt=(0, 1))(x, y)
    np.testing.assert_allclose(hxx, np.diag(2.0 * y[0] * np.ones(3)), atol=1e-12)
    np.testing.assert_allclose(hxy, numeric_jacobian(ad.grad(two_inputs, 0), (x, y), 1), atol=1e-7)
    np.testing.assert_allclose(hyx, hxy.T, atol=1e-12)
    np.testing.assert_allclose(hyy, numeric_jacobian(ad.grad(two_inputs, 1), (x, y), 1), atol=1e-7)


def test_hessian_vector_product():
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    g, hv = ad.hvp(rn_to_r, (x,), (v,))
    np.testing.assert_allclose(g, ad.grad(rn_to_r)(x), rtol=1e-14)
    np.testing.assert_allclose(hv, ad.hessian(rn_to_r)(x) @ v, rtol=1e-12)


@pytest.mark.parametrize(("f", "x"), [(r_to_r, 0.7), (scalar_loop, 1.3)])
def test_grad_of_grad(f, x):
    second = ad.grad(ad.grad(f))(x)
    expected = numeric_jacobian(ad.grad(f), (x,), 0)
    np.testing.assert_allclose(second, expected, rtol=1e-6)
    third = ad.grad(ad.grad(ad.grad(f)))(x)
    np.testing.assert_allclose(third, numeric_jacobian(ad.grad(ad.grad(f)), (x,), 0), rtol=1e-5)


def test_hessian_needs_a_scalar_function():
    with pytest.raises(NonScalarOutputError):
        ad.hessian(r_to_rm)(0.3)


def test_second_order_source_can_be_printed():
    source = ad.derivative_source(rn_to_r, mode="hessian")
    assert "def rn_to_r_grad_jvp(x, rn_to_r_bar, x_dot):" in source
