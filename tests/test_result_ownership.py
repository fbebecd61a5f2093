"""A derivative handed to the user is the user's: changing it in place changes nothing a
later call gives, and no argument. The fast paths make their one-hot seeds and cotangents
once per argument signature and pass them to every later call's code; a result that is a
seed or a view of one (the derivative of `x`, `x[0]`, `x.T`, …) must be copied, not handed
out. Each program is called, its result overwritten, then called again."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad


def identity(x):
    return x


def first(x):
    return x[0]


def tail(x):
    return x[1:]


def transposed(x):
    return x.T


def flattened(x):
    return np.reshape(x, (-1,))


def doubled_first(x):
    return x[0] + x[0]


def sum_of(x):
    return np.sum(x)


def scaled_rows(x):
    return np.tanh(x) * 2.0


def pair(x):
    return x, x[::-1]


VECTOR = np.array([0.3, -0.7, 1.1])
MATRIX = np.array([[0.3, -0.7], [1.1, 0.5], [0.2, -0.4]])
SCALAR_PROGRAMS = [first, doubled_first, sum_of]
ARRAY_PROGRAMS = [identity, tail, scaled_rows]
MATRIX_PROGRAMS = [identity, transposed, flattened]

JACOBIANS = [
    ("jacfwd", ad.jacfwd),
    ("jacrev", ad.jacrev),
    ("jacobian", ad.jacobian),
    ("jacobian reverse", lambda f: ad.jacobian(f, mode="reverse")),
    ("jacobian forward", lambda f: ad.jacobian(f, mode="forward")),
]


def _spoil(result):
    """Overwrite every array in `result` in place (a tuple's too)."""
    for part in result if isinstance(result, tuple) else (result,):
        if isinstance(part, np.ndarray):
            part[...] = 1e6


def _assert_unchanged_after_spoiling(derivative, arg):
    kept = arg.copy()
    first_result = derivative(arg)
    expected = first_result.copy()
    _spoil(first_result)
    for _ in range(2):  # the fast path's calls, after the first call that made the code
        again = derivative(arg)
        np.testing.assert_array_equal(again, expected)
        _spoil(again)
    np.testing.assert_array_equal(arg, kept)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("program", SCALAR_PROGRAMS, ids=lambda f: f.__name__)
def test_gradient_is_not_a_seed(program, mode, jit):
    if jit:
        pytest.importorskip("numba")
    _assert_unchanged_after_spoiling(ad.grad(program, mode=mode, jit=jit), VECTOR)


@pytest.mark.parametrize("name,make", JACOBIANS, ids=[n for n, _ in JACOBIANS])
@pytest.mark.parametrize("program", ARRAY_PROGRAMS, ids=lambda f: f.__name__)
def test_vector_jacobian_is_not_a_seed(program, name, make):
    _assert_unchanged_after_spoiling(make(program), VECTOR)


@pytest.mark.parametrize("name,make", JACOBIANS, ids=[n for n, _ in JACOBIANS])
@pytest.mark.parametrize("program", MATRIX_PROGRAMS, ids=lambda f: f.__name__)
def test_matrix_jacobian_is_not_a_seed(program, name, make):
    _assert_unchanged_after_spoiling(make(program), MATRIX)


@pytest.mark.parametrize("name,make", JACOBIANS, ids=[n for n, _ in JACOBIANS])
def test_jacobians_of_two_outputs_are_not_seeds(name, make):
    jacobian = make(pair)
    first_result = jacobian(VECTOR)
    expected = tuple(j.copy() for j in first_result)
    _spoil(first_result)
    again = jacobian(VECTOR)
    for got, want in zip(again, expected, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("make", [ad.jacfwd, ad.jacrev], ids=["jacfwd", "jacrev"])
def test_compiled_jacobian_is_not_a_seed(make, jit):
    if jit:
        pytest.importorskip("numba")
    _assert_unchanged_after_spoiling(make(identity, jit=jit), VECTOR)


def test_hessian_is_not_a_seed():
    def quadratic(x):
        return 0.5 * np.sum(x * x)

    _assert_unchanged_after_spoiling(ad.hessian(quadratic), VECTOR)
