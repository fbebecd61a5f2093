"""Issue 14, items 6, 9, 10, 11: complex intermediate values, refusals that must be right
answers or right messages, errors raised while derivative code runs, and call-time
arguments. Each case gives the right value (against central differences and the plain
call) or an `S2SError` whose file is this file and whose line is the one marked
`# <- error`, in both modes."""

import inspect
import math
import warnings

import numpy as np
import pytest
from derivative_tests import marked_line

import s2s_ad as ad
from s2s_ad.errors import (
    ArgumentError,
    ComplexValueError,
    EvaluationError,
    S2SError,
    UnsupportedSyntaxError,
)
from s2s_ad.testing import check_grads, check_modes_agree, numeric_jvp

MODES = ["reverse", "forward"]


def assert_located(error: S2SError, fn) -> None:
    assert error.filename == __file__
    assert error.line == marked_line(fn)
    assert str(error).startswith(f"{__file__}:{error.line}: ")
    assert error.hint


@pytest.fixture(autouse=True)
def _no_imaginary_part_dropped():
    """A ComplexWarning anywhere would be an imaginary part cast away: make it fail."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        yield


# 6. complex intermediate values


def complex_literal(t):
    return np.abs(np.exp(1j * t) + 2.0) ** 2  # <- error


def complex_fft(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)  # <- error


def complex_astype(x):
    z = x.astype(complex) * 2.0  # <- error
    return np.sum(np.abs(z))


def complex_dtype(x):
    z = np.zeros(2, dtype=np.complex128) + x  # <- error
    return np.sum(np.abs(z))


COMPLEX_GLOBAL = np.array([1.0 + 1.0j, 2.0])


def complex_global(x):
    return np.sum(np.abs(COMPLEX_GLOBAL * x + 1.0))  # <- error


def complex_builtin(t):
    z = complex(t, 1.0)  # <- error
    return abs(z)


def phase():
    return np.exp(0.3j)


def complex_from_helper(t):
    z = phase() * t  # <- error
    return np.abs(z) ** 2


def complex_from_power(t):
    y = (t - 3.0) ** 0.5  # <- error
    return abs(y) * 2.0


STATIC = [complex_literal, complex_fft, complex_astype, complex_dtype, complex_global]
STATIC += [complex_builtin]
RUNTIME = [complex_from_helper, complex_from_power]


def _argument(fn):
    return 0.7 if fn in (complex_literal, complex_builtin, *RUNTIME) else np.array([1.0, 2.0])


@pytest.mark.parametrize("fn", STATIC, ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", MODES)
def test_complex_value_seen_in_the_source_is_refused(fn, mode):
    with pytest.raises(ComplexValueError, match="complex") as info:
        ad.derivative_source(fn, mode=mode)
    assert_located(info.value, fn)
    with pytest.raises(ComplexValueError) as info:
        ad.grad(fn, mode=mode)(_argument(fn))
    assert_located(info.value, fn)


ENTRY_POINTS = {
    "grad reverse": lambda f, x: ad.grad(f)(x),
    "grad forward": lambda f, x: ad.grad(f, mode="forward")(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x),
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0),
    "jvp": lambda f, x: ad.jvp(f, (x,), (np.ones_like(x),)),
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "hessian": lambda f, x: ad.hessian(f)(x),
}


@pytest.mark.parametrize("fn", RUNTIME, ids=lambda f: f.__name__)
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_complex_value_made_at_run_time_is_refused_where_it_appears(fn, entry):
    with pytest.raises(ComplexValueError, match="a complex value appears at") as info:
        ENTRY_POINTS[entry](fn, _argument(fn))
    assert_located(info.value, fn)


def test_complex_value_made_at_run_time_is_refused_on_every_call():
    g = ad.grad(complex_from_power)
    assert g(4.0) == pytest.approx(1.0)  # real at t > 3: d/dt 2 sqrt(t - 3) = 1 / sqrt(1)
    for _ in range(2):  # the fast path of the second call checks too
        with pytest.raises(ComplexValueError):
            g(1.0)


# 9. refusals that must be right answers or right messages

W = np.array([[1.0, 2.0, 0.5], [3.0, -4.0, 1.5]])


def global_transpose_dot(x):
    return np.sum(np.tanh(W.T.dot(x)))


def global_dot(y):
    return np.sum(W.dot(y) ** 2)


@pytest.mark.parametrize(
    ("fn", "arg"),
    [(global_transpose_dot, np.array([0.3, -0.2])), (global_dot, np.array([0.1, 0.2, 0.3]))],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_method_of_a_global_array(fn, arg):
    check_grads(fn, (arg,))
    reverse = check_modes_agree(fn, (arg,))[0]
    value, gradient = ad.value_and_grad(fn)(arg)
    assert value == fn(arg)
    np.testing.assert_allclose(gradient, reverse)
    np.testing.assert_allclose(reverse, numeric_gradient(fn, arg), rtol=1e-6, atol=1e-8)


def numeric_gradient(fn, x):
    eye = np.eye(x.size)
    return np.array([numeric_jvp(fn, (x,), (eye[k],)) for k in range(x.size)]).ravel()


def squares(y):
    return np.sum(y**2)


d_squares = ad.grad(squares)


def calls_a_gradient(x):
    return np.sum(d_squares(x) * x)


def calls_an_argument(x, fn):
    return fn(x) * 2.0


def generator_helper(x):
    yield x * 2.0


def calls_a_generator(x):
    return sum(generator_helper(x))  # <- error


def is_a_generator(x):
    yield x * 2.0  # <- error


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("fn", "args", "match"),
    [
        (calls_a_generator, (1.0,), "generator function .*`yield`"),
        (is_a_generator, (1.0,), "yield"),
    ],
    ids=lambda v: getattr(v, "__name__", None) if callable(v) else "",
)
def test_refusal_names_the_user_line_and_the_reason(fn, args, match, mode):
    with pytest.raises(UnsupportedSyntaxError, match=match) as info:
        ad.grad(fn, mode=mode)(*args)
    assert_located(info.value, fn)
    assert "api.py" not in str(info.value)


@pytest.mark.parametrize("mode", MODES)
def test_a_derivative_call_and_a_function_argument_are_differentiated(mode):
    # issue 16 made both work (tests/test_callables.py has the full set)
    x = np.array([0.5, -1.5])
    np.testing.assert_allclose(ad.grad(calls_a_gradient, mode=mode)(x), 4.0 * x)
    np.testing.assert_allclose(ad.grad(calls_an_argument, mode=mode)(0.3, np.sin), 2 * np.cos(0.3))


def list_as_array(x):
    return np.sum(x * 2.0)  # <- error


@pytest.mark.parametrize("mode", MODES)
def test_a_list_where_an_array_is_meant_advises_np_array(mode):
    with pytest.raises(S2SError) as info:
        ad.grad(list_as_array, mode=mode)([1.0, 2.0])
    assert_located(info.value, list_as_array)
    assert "np.array(" in info.value.hint


# 10. errors raised while derivative code runs


def determinant(a):
    return np.linalg.det(a) * 2.0


def determinants(a):
    return np.linalg.det(a)


SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])
SINGULAR_3 = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])


def cofactor_adjugate(a: np.ndarray) -> np.ndarray:
    """adj(a)[j, i] = (-1)^(i+j) det(a without row i and column j): the textbook definition."""
    n = a.shape[0]
    cofactors = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, axis=0), j, axis=1)
            cofactors[i, j] = (-1) ** (i + j) * np.linalg.det(minor)
    return cofactors.T


@pytest.mark.parametrize("a", [SINGULAR, SINGULAR_3, np.zeros((3, 3))], ids=["2", "3", "zero"])
@pytest.mark.parametrize("mode", MODES)
def test_det_of_a_singular_matrix(a, mode):
    value, gradient = ad.value_and_grad(determinant, mode=mode)(a)
    assert value == determinant(a)
    # Jacobi's formula: d det(a) / da = adj(a)ᵀ
    np.testing.assert_allclose(gradient, 2.0 * cofactor_adjugate(a).T, atol=1e-12)


@pytest.mark.parametrize(
    "a",
    [SINGULAR, SINGULAR_3, np.array([[2.0, -1.0], [0.5, 3.0]]), np.arange(12.0).reshape(3, 2, 2)],
    ids=["singular", "singular3", "regular", "stacked"],
)
def test_det_derivative_against_central_differences(a):
    check_grads(determinants, (a,))
    check_grads(determinant, (a[0] if a.ndim == 3 else a,))


def dot_3d(a, b):
    return np.sum(np.dot(a, b))


def einsum_trace(a):
    return np.einsum("ii->", a) * 3.0


def mismatched(a, b):
    c = np.sin(a)
    return np.sum(np.dot(c, b))  # <- error


# Refused in reverse mode until issue 18 (N-D `dot`, a repeated index in one operand): both
# modes now agree with central differences.
@pytest.mark.parametrize(
    ("fn", "args"),
    [(dot_3d, (np.ones((2, 2, 3)), np.ones((3, 2)))), (einsum_trace, (np.eye(2) * 2.0,))],
    ids=["dot", "einsum"],
)
def test_once_refused_runtime_forms_agree_in_both_modes(fn, args):
    numeric = numeric_gradient(fn_of_first(fn, args), args[0].ravel())
    for mode in ("reverse", "forward"):
        gradient = ad.grad(fn, mode=mode)(*args)
        np.testing.assert_allclose(gradient.ravel(), numeric, rtol=1e-6, atol=1e-8)


def fn_of_first(fn, args):
    return lambda x: fn(x.reshape(args[0].shape), *args[1:])


B_MISFIT = np.ones((4, 2))  # does not fit a (3,) vector: NumPy raises inside generated code


def calls_mismatched(a):
    return mismatched(a, B_MISFIT) * 2.0


@pytest.mark.parametrize("entry", [e for e in ENTRY_POINTS if e != "hessian"])
def test_an_exception_inside_derivative_code_is_located(entry):
    # raised in the helper's derivative code, which the caller's code calls: the helper's line
    with pytest.raises(EvaluationError, match="ValueError") as info:
        ENTRY_POINTS[entry](calls_mismatched, np.ones(3))
    assert_located(info.value, mismatched)
    assert "np.dot(c, b)" in str(info.value)


def float_root(x):
    y = x * 1.0
    return math.sqrt(y)  # <- error


@pytest.mark.parametrize("mode", MODES)
def test_numerical_error_names_the_statement(mode):
    with pytest.raises(S2SError, match="infinite or undefined") as info:
        ad.grad(float_root, mode=mode)(0.0)
    assert_located(info.value, float_root)


# 11. call-time arguments


def times(x, n):
    return x * n


def affine(x, y):
    return x * y + 1.0


def test_vjp_with_only_integers_names_the_argument():
    with pytest.raises(ArgumentError, match="`x`, an int") as info:
        ad.vjp(times, 2, 5)
    assert info.value.filename == __file__
    assert "float" in info.value.hint


@pytest.mark.parametrize("tangent", [0, None, 0.0])
def test_jvp_holds_an_integer_with_a_zero_tangent_fixed(tangent):
    out, out_dot = ad.jvp(times, (2.0, 5), (1.0, tangent))
    assert (out, out_dot) == (times(2.0, 5), 5.0)


def test_jvp_refuses_a_nonzero_tangent_for_an_integer():
    with pytest.raises(ArgumentError, match="`n`, an int"):
        ad.jvp(times, (2.0, 5), (1.0, 1))


ALL_ENTRIES = {
    "grad": lambda w: lambda *a: ad.grad(affine, w)(*a),
    "grad forward": lambda w: lambda *a: ad.grad(affine, w, mode="forward")(*a),
    "value_and_grad": lambda w: lambda *a: ad.value_and_grad(affine, w)(*a)[1],
    "jacfwd": lambda w: lambda *a: ad.jacfwd(affine, w)(*a),
    "jacrev": lambda w: lambda *a: ad.jacrev(affine, w)(*a),
    "jacobian": lambda w: lambda *a: ad.jacobian(affine, w)(*a),
    "hessian": lambda w: lambda *a: ad.hessian(affine, w)(*a),
    "jvp": lambda w: lambda *a: ad.jvp(affine, a, (1.0, None) if w == 0 else (None, 1.0))[1],
    "hvp": lambda w: lambda *a: ad.hvp(affine, a, (1.0, None) if w == 0 else (None, 1.0))[1],
    "vjp": lambda w: lambda *a: ad.vjp(affine, *a)[1](1.0)[w],
}
NON_FLOATS = {"int": 3, "bool": True, "complex": 1j, "str": "abc", "None": None}


@pytest.mark.parametrize("entry", ALL_ENTRIES)
@pytest.mark.parametrize("kind", NON_FLOATS)
def test_a_non_float_argument_differentiated_is_named(entry, kind):
    if entry == "vjp":
        pytest.skip("vjp differentiates only its float arguments (None for the others)")
    with pytest.raises(ArgumentError, match="`y`") as info:
        ALL_ENTRIES[entry](1)(2.0, NON_FLOATS[kind])
    assert info.value.filename == __file__


@pytest.mark.parametrize("entry", ALL_ENTRIES)
@pytest.mark.parametrize("kind", NON_FLOATS)
def test_a_non_float_argument_held_fixed(entry, kind):
    value = NON_FLOATS[kind]
    call = ALL_ENTRIES[entry](0)
    if kind == "complex":
        with pytest.raises(ArgumentError, match="`y` of `affine` is complex"):
            call(2.0, value)
    elif kind in ("int", "bool"):  # held fixed: d(x * y + 1) / dx = y; second derivative 0
        assert call(2.0, value) == (0.0 if entry in ("hessian", "hvp") else float(value))
    else:  # the plain call raises too (x * "abc"); located where generated code ran it
        with pytest.raises((EvaluationError, TypeError)) as info:
            call(2.0, value)
        if isinstance(info.value, S2SError):
            assert info.value.filename == __file__
            assert info.value.line == inspect.getsourcelines(affine)[1] + 1


def test_vjp_gives_none_for_an_integer_argument():
    out, pullback = ad.vjp(affine, 2.0, 3)
    assert out == affine(2.0, 3)
    assert pullback(1.0) == (3.0, None)
