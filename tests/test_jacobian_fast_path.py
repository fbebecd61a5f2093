"""The Jacobians' fast path: a later call with arguments of the same kinds (plain float
arrays and numbers) runs the code made for the first without binding, checking and looking
it up again, as `grad` does. It must give what the checked path gives, whatever the call."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import s2s_ad as ad

MODES = [ad.jacfwd, ad.jacrev, ad.jacobian]


def layer(x, a):
    return np.tanh(a @ x)


def identity(x):
    return x


def positives(x):
    return x[x > 0] ** 2  # the output's shape depends on the values


def scale_helper(x):
    return 2.0 * x


def scaled(x):
    return scale_helper(x) * x


def _numeric(f, x, step=1e-6):
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = step
        columns.append((f(x + e) - f(x - e)) / (2 * step))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("jac", MODES, ids=lambda j: j.__name__)
def test_later_calls_equal_the_first_and_fresh_calls(jac):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    jacobian = jac(layer)
    for _ in range(3):
        x = rng.standard_normal(3)
        got = jacobian(x, a)
        np.testing.assert_array_equal(got, jac(layer)(x, a))  # a new function: checked path
        np.testing.assert_allclose(got, _numeric(lambda v: layer(v, a), x), atol=1e-8)


@pytest.mark.parametrize("jac", MODES, ids=lambda j: j.__name__)
def test_a_returned_jacobian_is_the_callers_own(jac):
    """Changing a returned Jacobian in place (the identity's is the seed itself) changes no
    later result."""
    jacobian = jac(identity)
    x = np.arange(3.0)
    first = jacobian(x)
    first[:] = 7.0
    np.testing.assert_array_equal(jacobian(x), np.eye(3))


@pytest.mark.parametrize("jac", MODES, ids=lambda j: j.__name__)
def test_outputs_whose_shape_follows_the_values(jac):
    jacobian = jac(positives)
    for x in (np.array([1.0, -2.0, 3.0]), np.array([1.0, 2.0, 3.0]), np.array([-1.0, 2.0, -3.0])):
        got = jacobian(x)
        assert got.shape == (int(np.sum(x > 0)), 3)
        np.testing.assert_allclose(got, _numeric(positives, x), atol=1e-8)


@pytest.mark.parametrize("jac", MODES, ids=lambda j: j.__name__)
def test_a_rebound_helper_is_followed(jac):
    global scale_helper
    jacobian = jac(scaled)
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(jacobian(x), np.diag(4.0 * x))
    saved = scale_helper
    try:
        scale_helper = lambda v: 3.0 * v  # noqa: E731
        np.testing.assert_allclose(jacobian(x), np.diag(6.0 * x))
    finally:
        scale_helper = saved
    np.testing.assert_allclose(jacobian(x), np.diag(4.0 * x))


@pytest.mark.parametrize("jac", MODES, ids=lambda j: j.__name__)
def test_argument_kinds_each_get_their_own_code(jac):
    """The same shapes in other dtypes or types: each its own entry, each result of its
    own dtype, as the checked path gives it."""
    jacobian = jac(layer)
    a = np.ones((2, 3))
    x64 = np.array([0.1, 0.2, 0.3])
    for args in [(x64, a), (x64.astype(np.float32), a.astype(np.float32))]:
        got = jacobian(*args)
        want = jac(layer)(*args)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ad.S2SError):
        jacobian(np.array([1, 2, 3]), a)  # integers: refused, as on a first call


def guarded(x):
    if x[0] > 5.0:
        raise ValueError("x[0] is too large")
    return np.tanh(x) * x


def python_division(x):
    return np.sin(x) * (1.0 / float(x[0]))  # ZeroDivisionError at x[0] == 0


def count_log_warnings(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return sum("log" in str(w.message) for w in caught)


def logs(x, a):
    return np.log(x) * a  # 'invalid value encountered in log' for x < 0


def test_jacrev_gives_numpys_warnings_once_per_call():
    """jacrev's code computes the value with the rows (`f_value_and_grad`'s vector tangent):
    later calls run it alone, and the first learns the outputs' kinds from a call of `f`
    whose warnings are silenced. NumPy's warning is given once per call, as by the plain
    call (twice before: once by `f`, once by the code)."""
    x, a = np.array([-1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])
    plain = count_log_warnings(lambda: logs(x, a))
    jacobian = ad.jacrev(logs)
    counts = [count_log_warnings(lambda: jacobian(x, a)) for _ in range(3)]
    assert counts == [plain] * 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(jacobian(x, a), ad.jacfwd(logs)(x, a))


@pytest.mark.parametrize("f, bad", [(python_division, 0.0), (guarded, 6.0)], ids=["div", "raise"])
def test_jacrev_raises_fs_error_and_recovers(f, bad):
    """Without a call of `f` on later calls, its own error (a Python division by zero, a
    `raise`) is still reported, on the first call and on a later one; calls after it are not
    swept row by row for good."""
    from s2s_ad import vector_reverse

    good, wrong = np.array([0.5, 1.0, 2.0]), np.array([bad, 1.0, 2.0])
    for first in (good, wrong):
        jacobian = ad.jacrev(f)
        if first is good:
            jacobian(good)
        with pytest.raises((ad.S2SError, ValueError, ZeroDivisionError)):
            jacobian(wrong)
        np.testing.assert_allclose(jacobian(good), _numeric(f, good), atol=1e-7)
    refused = [key for key in vector_reverse.ROW_BY_ROW if key[0] is python_division]
    assert not refused


def sliced_by_value(x):
    return x[: int(x[0])] * 2.0  # the output's shape follows a value: f is called


def test_jacrev_of_an_output_shape_set_by_values():
    jacobian = ad.jacrev(sliced_by_value)
    for n in (3.0, 2.0, 4.0):
        x = np.array([n, 1.0, 2.0, 3.0])
        got = jacobian(x)
        np.testing.assert_array_equal(got, 2.0 * np.eye(int(n), 4))  # int(): no derivative


def _function(scalar: bool, factor: float):
    """A new `f` (no free variables: its code can be swapped for another `f`'s)."""
    if scalar and factor == 2.0:

        def f(x):
            return np.sum(x * 2.0)
    elif scalar:

        def f(x):
            return np.sum(x * 5.0)
    elif factor == 2.0:

        def f(x):
            return x * 2.0
    else:

        def f(x):
            return x * 5.0

    return f


@pytest.mark.parametrize("make", [*MODES, ad.grad], ids=lambda j: j.__name__)
def test_replaced_code_is_followed(make):
    """`f.__code__ = …` makes a new function of the old object: every kept fast path and
    the vector reverse code made for it are made again."""
    scalar = make is ad.grad
    f = _function(scalar, 2.0)
    x = np.array([1.0, 2.0])
    derivative = make(f)
    derivative(x)
    derivative(x)
    f.__code__ = _function(scalar, 5.0).__code__
    want = np.full(2, 5.0) if scalar else 5.0 * np.eye(2)
    np.testing.assert_array_equal(derivative(x), want)
    np.testing.assert_array_equal(make(f)(x), want)


class _Settings:
    act = staticmethod(np.tanh)


SETTINGS = _Settings()


def _activated(x):
    return np.sum(SETTINGS.act(x) * 2.0)


def test_an_objects_own_function_shadowing_its_class_is_followed():
    """`SETTINGS.act = np.sin` on the object (its class holds `np.tanh`): the derivative is
    made again, as for a rebound global, never tanh's rule applied to the new function."""
    x = np.array([0.3, -0.7])
    g = ad.grad(_activated)
    np.testing.assert_allclose(g(x), 2.0 * (1.0 - np.tanh(x) ** 2))
    try:
        SETTINGS.act = np.sin
        np.testing.assert_allclose(g(x), 2.0 * np.cos(x))
        np.testing.assert_allclose(ad.jacrev(_activated)(x), 2.0 * np.cos(x))
    finally:
        del SETTINGS.act
    np.testing.assert_allclose(g(x), 2.0 * (1.0 - np.tanh(x) ** 2))
    _Settings.act = staticmethod(np.cos)  # the class's own entry, rebound
    try:
        np.testing.assert_allclose(g(x), -2.0 * np.sin(x))
    finally:
        _Settings.act = staticmethod(np.tanh)


# the Hessian's fast path (one float array differentiated, a scalar output known)


def energy(x, a):
    return np.sum(np.tanh(a @ x) ** 2) + 0.5 * np.sum(x * x * x)


def quadratic(x):
    return 0.5 * np.sum(x * x)  # its gradient's tangent is the seed itself


def looped(x, n):
    total = 0.0
    for k in range(n):
        if np.sum(x) > k:
            total = total + np.sum(np.sin(x * (k + 1)))
        else:
            total = total + np.sum(x**2) / (k + 1)
    return total


def grid(x):
    return np.sum(np.exp(x[:, :-1] * x[:, 1:])) + np.sum(x**4)


HESSIAN_CASES = [
    ("energy", energy, lambda r: (r.standard_normal(3), r.standard_normal((4, 3)))),
    ("energy float32", energy, lambda r: (r.standard_normal(3, np.float32), np.ones((2, 3)))),
    ("quadratic", quadratic, lambda r: (r.standard_normal(4),)),
    ("looped", looped, lambda r: (r.standard_normal(3), 3)),
    ("grid", grid, lambda r: (r.standard_normal((2, 3)) / 2,)),
    ("0-d", quadratic, lambda r: (np.array(0.7),)),
]


@pytest.mark.parametrize("jit", [False, True], ids=["numpy", "jit"])
@pytest.mark.parametrize("case", HESSIAN_CASES, ids=lambda c: c[0])
def test_later_hessians_equal_the_checked_path_bit_for_bit(case, jit):
    """The Hessian's later calls (its code, cotangent and seeds made once, the columns
    shaped directly) give what a fresh `hessian` gives on its first, checked call, bit for
    bit, at new values each call; and a returned Hessian is the caller's own."""
    if jit and case[0] != "energy":
        pytest.skip("one compiled case: each compiles for seconds")
    _, f, make = case
    rng = np.random.default_rng(7)
    kept = ad.hessian(f, jit=jit)
    for _ in range(3):
        args = make(rng)
        found = kept(*args)
        expected = ad.hessian(f, jit=jit)(*args)  # a fresh one: the checked path
        assert found.dtype == expected.dtype == args[0].dtype
        assert found.shape == args[0].shape * 2
        assert np.array_equal(found, expected)
        found[...] = 99.0  # the caller's own: the next call is not changed
    again = kept(*args)
    assert np.array_equal(again, expected)


def unread_second(x0, x1):
    return np.sum(x0)  # a constant gradient: no row depends on the cotangent


def doubled_first(x, y):
    return x * 2.0


@pytest.mark.parametrize(
    "f, args",
    [(unread_second, (1.0, 2.0)), (doubled_first, (np.ones(2), np.ones(2)))],
    ids=["scalar", "array"],
)
def test_jacrev_of_inputs_whose_rows_are_zero_or_constant(f, args):
    """Several inputs, one the output does not read: zero blocks, on the first call and
    on the fast path, as jacfwd gives them."""
    jacobian = ad.jacrev(f, wrt=(0, 1))
    want = ad.jacfwd(f, wrt=(0, 1))(*args)
    for _ in range(3):
        got = jacobian(*args)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
