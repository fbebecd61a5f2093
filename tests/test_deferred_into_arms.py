# ruff: noqa: SIM108  (branches written as users write them)
"""A value whose partial may be infinite (`np.sqrt` at 0), read in both arms of an `if` and
nowhere else, has its derivative placed in each arm (ad/deferred.py), so that where a third
path runs, reading neither, its zero cotangent or tangent never meets the infinite partial:
the derivative is the path taken's, as JAX's tracing of it gives, with no nan and no warning.
A chain of bounded partials read so is not copied into the arms."""

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad


def _root_helper(v):
    return np.sqrt(v) * 2.0


# (name, the unbounded value of x, a point where its partial is infinite, a point inside)
UNBOUNDED = {
    "sqrt": (lambda x: np.sqrt(x), np.zeros(3), np.array([0.3, 0.7, 1.2])),
    "cbrt": (lambda x: np.cbrt(x), np.zeros(3), np.array([0.3, 0.7, 1.2])),
    "power_half": (lambda x: x**0.5, np.zeros(3), np.array([0.3, 0.7, 1.2])),
    "arcsin": (lambda x: np.arcsin(x), np.ones(3), np.array([0.1, 0.4, 0.6])),
    "norm": (lambda x: np.linalg.norm(x), np.zeros(3), np.array([0.3, 0.7, 1.2])),
    "std": (lambda x: np.std(x), np.full(3, 0.5), np.array([0.3, 0.7, 1.2])),
    "helper": (lambda x: _root_helper(x), np.zeros(3), np.array([0.3, 0.7, 1.2])),
}

# each program reads `p` (or a chain from it) in both arms of the inner `if` and in one arm
# of the outer; `k == 2` runs the path reading neither


def sqrt_two_arms(x, k):
    p = np.sqrt(x)
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def sqrt_chain(x, k):
    p = np.sqrt(x)
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def cbrt_two_arms(x, k):
    p = np.cbrt(x)
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def cbrt_chain(x, k):
    p = np.cbrt(x)
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def power_half_two_arms(x, k):
    p = x**0.5
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def power_half_chain(x, k):
    p = x**0.5
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def arcsin_two_arms(x, k):
    p = np.arcsin(x)
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def arcsin_chain(x, k):
    p = np.arcsin(x)
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def norm_two_arms(x, k):
    p = np.linalg.norm(x)
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def norm_chain(x, k):
    p = np.linalg.norm(x)
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def std_two_arms(x, k):
    p = np.std(x)
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def std_chain(x, k):
    p = np.std(x)
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def helper_two_arms(x, k):
    p = _root_helper(x)
    if k == 0:
        y = p * 2.0 + x
    elif k == 1:
        y = p - x
    else:
        y = x * 3.0
    return np.sum(y)


def helper_chain(x, k):
    p = _root_helper(x)
    q = p * p + 1.0
    r = q * 0.5
    if k < 2:
        if k == 0:
            y = r + x
        else:
            y = r * x
    else:
        y = x * x
    return np.sum(y)


def _taken(shape, x):
    """The gradient of the path reading neither (k == 2) at x."""
    return np.full(3, 3.0) if shape == "two_arms" else 2.0 * x


CASES = [(name, shape) for name in UNBOUNDED for shape in ("two_arms", "chain")]
IDS = [f"{name}-{shape}" for name, shape in CASES]


def _program(name, shape):
    return globals()[f"{name}_{shape}"]


@pytest.mark.parametrize(("name", "shape"), CASES, ids=IDS)
def test_the_path_taken_at_the_edge_reverse_mode(name, shape):
    f, edge = _program(name, shape), UNBOUNDED[name][1]
    want = _taken(shape, edge)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 * inf underneath
        np.testing.assert_array_equal(ad.grad(f)(edge, 2), want)
        np.testing.assert_array_equal(ad.jacrev(f)(edge, 2), want)
        value, gradient = ad.value_and_grad(f)(edge, 2)
        assert value == f(edge, 2)
        np.testing.assert_array_equal(gradient, want)
        _, pullback = ad.vjp(f, edge, 2)
        np.testing.assert_array_equal(pullback(1.0)[0], want)


HELPER_TANGENT = (
    "forward mode's call of a helper makes its value and tangent together, where the call "
    "stands, so the helper's tangent is formed before the branches (divide by zero)"
)
FORWARD = [
    pytest.param(*case, id=i, marks=pytest.mark.xfail(strict=True, reason=HELPER_TANGENT))
    if case[0] == "helper"
    else pytest.param(*case, id=i)
    for case, i in zip(CASES, IDS, strict=True)
]


@pytest.mark.parametrize(("name", "shape"), FORWARD)
def test_the_path_taken_at_the_edge_forward_mode(name, shape):
    f, edge = _program(name, shape), UNBOUNDED[name][1]
    want = _taken(shape, edge)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ad.grad(f, mode="forward")(edge, 2), want)
        np.testing.assert_array_equal(ad.jacfwd(f)(edge, 2), want)
        value, tangent = ad.jvp(f, (edge, 2), (np.ones(3), None))
        assert value == f(edge, 2)
        assert tangent == pytest.approx(np.sum(want))


SECOND = [  # (the Hessian of two_arms, linear in the helper's value, reads no tangent of it)
    pytest.param(*case, id=i, marks=pytest.mark.xfail(strict=True, reason=HELPER_TANGENT))
    if case == ("helper", "chain")
    else pytest.param(*case, id=i)
    for case, i in zip(CASES, IDS, strict=True)
]


@pytest.mark.parametrize(("name", "shape"), SECOND)
def test_the_path_taken_at_the_edge_second_order(name, shape):
    f, edge = _program(name, shape), UNBOUNDED[name][1]
    want = np.zeros((3, 3)) if shape == "two_arms" else 2.0 * np.eye(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ad.hessian(f)(edge, 2), want)


@pytest.mark.parametrize(("name", "shape"), CASES, ids=IDS)
@pytest.mark.parametrize("k", [0, 1, 2])
def test_every_path_inside_matches_central_differences(name, shape, k):
    f, x = _program(name, shape), UNBOUNDED[name][2]
    h = 1e-6
    central = np.array([(f(x + h * e, k) - f(x - h * e, k)) / (2 * h) for e in np.eye(3)])
    reverse = ad.grad(f)(x, k)
    np.testing.assert_allclose(reverse, central, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x, k), reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        ad.hessian(f)(x, k), ad.jacfwd(ad.grad(f))(x, k), rtol=1e-9, atol=1e-12
    )


def _direction(v, eps):
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        if n > 1.0:
            out = v / n
        else:
            out = v * n
    else:
        out = v * 0.0
    return out, n


def unread_item_read_in_two_arms(x):
    d, _ = _direction(x, 1e-9)  # n: read in both arms of the inner `if`, neither taken at 0
    return np.sum(d * d) + np.sum(x)


def python_float_two_arms(x, k):
    p = math.sqrt(x)
    if k == 0:
        y = p * 2.0
    elif k == 1:
        y = p + x
    else:
        y = x * 3.0
    return y


def test_a_helpers_unread_item_read_in_two_arms():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for grad in (ad.grad, ad.jacrev, ad.jacfwd):
            np.testing.assert_array_equal(grad(unread_item_read_in_two_arms)(np.zeros(3)), 1.0)
        assert np.all(ad.hessian(unread_item_read_in_two_arms)(np.zeros(3)) == 0.0)


def test_python_floats_raise_no_error_on_the_path_reading_neither():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ad.grad(python_float_two_arms)(0.0, 2) == 3.0
        assert ad.grad(python_float_two_arms, mode="forward")(0.0, 2) == 3.0
        assert ad.hessian(python_float_two_arms)(0.0, 2) == 0.0


def bounded_chain_in_two_arms(x, k):
    p = x * 0.7
    q = p - 1.0
    if k == 0:
        y = q * x
    else:
        y = q + x
    return np.sum(y)


def test_a_chain_of_bounded_partials_is_not_copied_into_the_arms():
    for mode, term in (("reverse", "q_bar * 0.7"), ("forward", "x_dot * 0.7")):
        source = ad.derivative_source(bounded_chain_in_two_arms, mode)
        assert source.count(term) == 1, source
    # and a root read so is placed in each arm
    for mode, term in (("reverse", " / (2.0 * p)"), ("forward", " / (2.0 * p)")):
        source = ad.derivative_source(sqrt_two_arms, mode)
        assert source.count(term) == 2, source


def one_flag_two_ifs(x, k):
    p = np.sqrt(x)
    c = k > 0
    if c:
        y = p * 2.0
    else:
        y = x * 1.5
    if c:
        z = p * y + x
    else:
        z = y * y
    return np.sum(z)


def one_test_written_twice(x, k):
    p = np.sqrt(x)
    q = p * 3.0
    if k > 0:
        y = q * 2.0
    else:
        y = x * 1.5
    t = np.sum(y)
    if k > 0:
        t = t + np.sum(q * x)
    return t


def math_root_two_ifs(x, k):
    p = math.sqrt(x)
    if k > 0:
        y = p * 2.0
    else:
        y = x * 1.5
    if k > 0:
        y = y + p * x
    return y


# (function, the gradient and the Hessian at x = 0 on the path reading neither, k = 0)
ONE_FLAG = [
    (one_flag_two_ifs, np.zeros(3), np.zeros(3), np.diag(np.full(3, 4.5))),
    (one_test_written_twice, np.zeros(3), np.full(3, 1.5), np.zeros((3, 3))),
    (math_root_two_ifs, 0.0, 1.5, 0.0),
]
ONE_FLAG_IDS = [case[0].__name__ for case in ONE_FLAG]


@pytest.mark.parametrize(("f", "x", "gradient", "hessian"), ONE_FLAG, ids=ONE_FLAG_IDS)
def test_arms_of_ifs_on_one_flag_place_the_derivative_in_the_first(f, x, gradient, hessian):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ad.grad(f)(x, 0), gradient)
        np.testing.assert_array_equal(ad.grad(f, mode="forward")(x, 0), gradient)
        np.testing.assert_array_equal(ad.hessian(f)(x, 0), hessian)
        np.testing.assert_array_equal(ad.jacrev(ad.grad(f))(x, 0), hessian)
        np.testing.assert_array_equal(ad.jacfwd(ad.grad(f))(x, 0), hessian)


@pytest.mark.parametrize(("f", "x", "gradient", "hessian"), ONE_FLAG, ids=ONE_FLAG_IDS)
@pytest.mark.parametrize("k", [0, 1])
def test_arms_of_ifs_on_one_flag_inside_match_central_differences(f, x, gradient, hessian, k):
    _check_inside(f, np.array([0.3, 0.7, 1.1]) if np.ndim(x) else 0.7, k)


def _check_inside(f, x, *rest):
    """The gradient against central differences, forward against reverse, and the Hessian
    against `jacrev(grad)`, at `x` (an array of 3 or a number) with the other arguments."""
    h = 1e-6
    if np.ndim(x):
        central = np.array(
            [(f(x + h * e, *rest) - f(x - h * e, *rest)) / (2 * h) for e in np.eye(3)]
        )
    else:
        central = (f(x + h, *rest) - f(x - h, *rest)) / (2 * h)
    g = ad.grad(f)(x, *rest)
    np.testing.assert_allclose(g, central, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x, *rest), g, rtol=1e-12)
    np.testing.assert_allclose(
        ad.hessian(f)(x, *rest), ad.jacrev(ad.grad(f))(x, *rest), rtol=1e-9, atol=1e-12
    )


# `if`/`elif` chains on the same comparisons, written twice: the arms of the second chain run
# with the first's, at each level of the chain (the elif is an `if` in the first's `else`)


def elif_chains_twice(x, k):
    p = np.sqrt(x)
    y = 2.0 * x
    if k == 0:
        y = y + p
    elif k == 1:
        y = y - p * x
    elif k == 2:
        y = y * p
    y = y + 1.0
    if k == 0:
        y = y + 3.0 * p
    elif k == 1:
        y = y - 3.0 * p * p
    elif k == 2:
        y = y + p * x
    return np.sum(y * y)


def elif_modes_twice(x, k):
    mode = ("a", "b", "c")[k]
    p = math.sqrt(x)
    if mode == "a":
        y = p * 2.0
    elif mode == "b":
        y = x * p
    else:
        y = x * 1.5
    if mode == "a":
        y = y + p * x
    elif mode == "b":
        y = y * p
    return y * y


# (function, the path reading no root, the point on it, the gradient and Hessian there)
ELIF_CHAINS = [
    (elif_chains_twice, 3, np.zeros(3), np.full(3, 4.0), np.diag(np.full(3, 8.0))),
    (elif_modes_twice, 2, 0.0, 0.0, 4.5),
]
ELIF_IDS = [case[0].__name__ for case in ELIF_CHAINS]


@pytest.mark.parametrize(("f", "k", "x", "gradient", "hessian"), ELIF_CHAINS, ids=ELIF_IDS)
def test_elif_chains_on_one_comparison_at_the_edge(f, k, x, gradient, hessian):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ad.value_and_grad(f)(x, k)[0] == pytest.approx(np.sum(f(x, k)))
        np.testing.assert_allclose(ad.grad(f)(x, k), gradient, rtol=1e-12)
        np.testing.assert_allclose(ad.grad(f, mode="forward")(x, k), gradient, rtol=1e-12)
        np.testing.assert_allclose(ad.hessian(f)(x, k), hessian, rtol=1e-12)
        np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x, k), hessian, rtol=1e-12)
        np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(x, k), hessian, rtol=1e-12)


@pytest.mark.parametrize(("f", "k", "x", "gradient", "hessian"), ELIF_CHAINS, ids=ELIF_IDS)
@pytest.mark.parametrize("path", [0, 1, 2, 3])
def test_elif_chains_on_one_comparison_inside(f, k, x, gradient, hessian, path):
    if path > k:
        pytest.skip("the function has fewer paths")
    _check_inside(f, np.array([0.3, 0.7, 1.1]) if np.ndim(x) else 0.7, path)


# an `if` on a flag, then the same flag's `if` deeper (in the `else` an early return becomes,
# or inside another `if`): every read of the value is in an arm on the flag, so the first
# such arm holds its derivative


def flag_then_early_return(x, training, k):
    p = np.sqrt(x)
    y = 3.0 * x
    if training:
        y = y + p * x
    if k > 2:
        return np.sum(y * y)
    if training:
        y = y + 2.0 * p
    return np.sum(y * y)


def flag_then_nested(x, training, k):
    p = np.sqrt(x)
    y = 3.0 * x
    if training:
        y = y * p
    if k > 0:
        y = y + 1.0
        if training:
            y = y + p * p
    return np.sum(y * y)


# (function, k; at x = 0 with training False the paths read no root: 18 x and 18 (x + 1)
DEEPER_FLAG = [
    (flag_then_early_return, 3, np.zeros(3), np.diag(np.full(3, 18.0))),
    (flag_then_early_return, 1, np.zeros(3), np.diag(np.full(3, 18.0))),
    (flag_then_nested, 1, np.full(3, 6.0), np.diag(np.full(3, 18.0))),
    (flag_then_nested, 0, np.zeros(3), np.diag(np.full(3, 18.0))),
]
DEEPER_IDS = [f"{f.__name__}-{k}" for f, k, _, _ in DEEPER_FLAG]


@pytest.mark.parametrize(("f", "k", "gradient", "hessian"), DEEPER_FLAG, ids=DEEPER_IDS)
def test_an_if_on_the_flag_deeper_at_the_edge(f, k, gradient, hessian):
    x = np.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = ad.value_and_grad(f)(x, False, k)
        assert value == f(x, False, k)
        np.testing.assert_allclose(g, gradient, rtol=1e-12)
        np.testing.assert_allclose(ad.grad(f, mode="forward")(x, False, k), gradient, rtol=1e-12)
        np.testing.assert_allclose(ad.hessian(f)(x, False, k), hessian, rtol=1e-12)
        np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(x, False, k), hessian, rtol=1e-12)


@pytest.mark.parametrize(("f", "k", "gradient", "hessian"), DEEPER_FLAG, ids=DEEPER_IDS)
@pytest.mark.parametrize("training", [True, False])
def test_an_if_on_the_flag_deeper_inside(f, k, gradient, hessian, training):
    _check_inside(f, np.array([0.3, 0.7, 1.1]), training, k)
