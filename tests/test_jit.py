"""`grad(f, jit=True)`: the shape-specialised derivative code compiled by Numba, with the
NumPy backend's numbers; where Numba cannot compile the code, the NumPy code with one logged
warning (s2s_ad/jit/)."""

import ast
import logging
import textwrap

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.jit import backend
from s2s_ad.jit.fuse import fused
from s2s_ad.runs import derivative_run
from s2s_ad.testing import check_grads, plain_value

pytest.importorskip("numba")

RTOL = 1e-13  # the same arithmetic; Numba's sin/cos/exp may round the last bit differently


def squares(x):
    y = 0.0
    for _ in range(100):
        y = y + x * x
    return y


def sin_cos_steps(x):
    for _ in range(200):
        x = np.sin(x) * 0.9 + np.cos(x) * 0.1
    return x


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def two_scalars(a, b):
    s = 0.0
    for k in range(5):
        s = s + np.exp(-a * k) * b + np.tanh(b * k) / (1.0 + a * a)
    if a > b:
        s = s * a
    else:
        s = s / (1.0 + b * b)
    return s


def elementwise(x, w):
    return np.sum(np.tanh(x * w) + np.log(1.0 + x * x) * 0.5)


rng = np.random.default_rng(3)
CASES = {
    "squares": (squares, (0.3,)),
    "sin_cos_steps": (sin_cos_steps, (0.3,)),
    "rosenbrock": (rosenbrock, (rng.uniform(-1, 1, 1000),)),
    "two_scalars a>b": (two_scalars, (0.7, 0.2)),
    "two_scalars a<b": (two_scalars, (0.2, 0.7)),
    "elementwise": (elementwise, (rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))),
}


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.fixture
def jit_log(caplog):
    caplog.set_level(logging.DEBUG, logger="s2s_ad.jit")
    return caplog


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", list(CASES))
def test_compiled_gradients_equal_numpy_backend(name, mode, jit_log):
    f, args = CASES[name]
    wrt = tuple(range(len(args)))
    expected = ad.grad(f, wrt, mode=mode)(*args)
    got = ad.grad(f, wrt, mode=mode, jit=True)(*args)
    for g, e, x in zip(got, expected, args, strict=True):
        assert type(g) is type(x) and np.shape(g) == np.shape(x)
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=1e-300)
    value, also = ad.value_and_grad(f, wrt, mode=mode, jit=True)(*args)
    np.testing.assert_allclose(value, plain_value(f, args), rtol=RTOL)
    for g, e in zip(also, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=1e-300)
    runs = backend.runs_of(f)
    if mode == "reverse":
        assert runs[f"{f.__name__}_grad"] and runs[f"{f.__name__}_value_and_grad"]
        assert not _warnings(jit_log)
    elif name in ("squares", "sin_cos_steps"):  # one scalar input: the plain tangent code
        assert runs[f"{f.__name__}_jvp"]
        assert not _warnings(jit_log)


@pytest.mark.parametrize("name", list(CASES))
def test_compiled_gradients_against_central_differences(name):
    f, args = CASES[name]
    check_grads(f, args)  # the derivative the jitted code equals (above) is the right one
    wrt = tuple(range(len(args)))
    reverse = ad.grad(f, wrt, jit=True)(*args)
    forward = ad.grad(f, wrt, mode="forward", jit=True)(*args)
    for r, fw in zip(reverse, forward, strict=True):
        np.testing.assert_allclose(r, fw, rtol=1e-12, atol=1e-14)


def test_the_compiled_code_is_the_code_derivative_source_shows(jit_log):
    args = (0.4,)
    shown = ad.derivative_source(sin_cos_steps, "gradient", args=args)
    g = ad.grad(sin_cos_steps, jit=True)
    g(*args)
    run = derivative_run(sin_cos_steps, "gradient", 0, args).function
    runner = backend.compiled(run, sin_cos_steps)
    assert runner.function.__code__ is run.__code__
    compiled_code = runner.dispatcher.py_func.__code__  # fuse.py's, of the same lines
    assert compiled_code.co_filename == run.__code__.co_filename
    assert compiled_code.co_name == run.__code__.co_name
    g(*args)
    assert runner.ran_compiled
    assert ad.derivative_source(sin_cos_steps, "gradient", args=args) == shown


def max_rows(x):  # np.max over an axis: `rt.extremum_share`, without a Numba version
    return np.sum(np.max(x * x, axis=0) * np.sin(x[0]))


def test_fallback_to_numpy_with_one_warning(jit_log):
    x = np.random.default_rng(5).standard_normal((3, 4))
    expected = ad.grad(max_rows)(x)
    g = ad.grad(max_rows, jit=True)
    for _ in range(3):
        np.testing.assert_allclose(g(x), expected, rtol=0, atol=0)  # the NumPy code itself
    np.testing.assert_allclose(ad.value_and_grad(max_rows, jit=True)(x)[1], expected)
    np.testing.assert_allclose(ad.grad(max_rows, mode="forward", jit=True)(x), expected)
    check_grads(max_rows, (x,))
    (warning,) = _warnings(jit_log)  # one per function, whatever the calls
    assert "`max_rows`" in warning and "runs as NumPy code" in warning
    assert "rt.extremum_share" in warning and "line " in warning  # the construct and where
    assert not any(backend.runs_of(max_rows).values())


def branches_in_a_loop(a, b):
    s = 0.0
    for k in range(5):
        if a > b:
            s = s + np.exp(-a * k) * b
        else:
            s = s + np.tanh(b * k) / (1.0 + a * a)
    return s


@pytest.mark.parametrize("args", [(0.7, 0.2), (0.2, 0.7)])
def test_fallback_where_numba_cannot_type_the_tape(args, jit_log):
    # each branch saves different values on the loop's tape: a list Numba cannot type
    expected = ad.grad(branches_in_a_loop, (0, 1))(*args)
    got = ad.grad(branches_in_a_loop, (0, 1), jit=True)(*args)
    assert got == expected
    check_grads(branches_in_a_loop, args)
    for warning in _warnings(jit_log):  # the first parameter's run says it once
        assert "`branches_in_a_loop`" in warning and "Cannot unify" in warning
        assert "_tape1.append(" in warning
    assert not any(backend.runs_of(branches_in_a_loop).values())


def noisy(x):
    print("x is", x)
    return x * x


def test_code_with_effects_runs_as_numpy(jit_log, capsys):
    assert ad.grad(noisy, jit=True)(1.5) == 3.0
    assert capsys.readouterr().out == "x is 1.5\n"  # Python's print, not Numba's
    (warning,) = _warnings(jit_log)
    assert "`noisy`" in warning and "print" in warning


def test_structured_arguments_run_as_numpy_with_one_warning(jit_log):
    def f(p):
        return p["a"] * p["b"] ** 2

    g = ad.grad(f, jit=True)
    for _ in range(2):
        got = g({"a": 2.0, "b": 3.0})
        assert got == {"a": 9.0, "b": 12.0}
    (warning,) = _warnings(jit_log)
    assert "`f`" in warning and "structures" in warning


def guarded_ratio(x, y):
    return x / y


def test_an_error_of_the_compiled_code_is_the_numpy_codes(jit_log):
    g, plain = ad.grad(guarded_ratio, jit=True), ad.grad(guarded_ratio)
    assert g(1.0, 4.0) == plain(1.0, 4.0)
    with pytest.raises(ad.S2SError) as compiled_error:
        g(1.0, 0.0)  # ZeroDivisionError in the compiled code
    with pytest.raises(ad.S2SError) as numpy_error:
        plain(1.0, 0.0)
    assert type(compiled_error.value) is type(numpy_error.value)
    assert str(compiled_error.value) == str(numpy_error.value)
    assert backend.runs_of(guarded_ratio) == {"guarded_ratio_grad": False}
    assert g(2.0, 4.0) == plain(2.0, 4.0)
    assert backend.runs_of(guarded_ratio) == {"guarded_ratio_grad": True}  # still compiled
    assert not _warnings(jit_log)


def test_single_use_temporaries_are_inlined_where_nothing_changes_between():
    source = """
    def f_grad(x, y):
        k = a_list[0]
        m = k * 2.0
        for i in range(3):
            k = k + m
        a = x * 2.0
        b = np.sin(a)
        c = rt.helper(y)
        d = b + c
        e = x + 1.0
        x = y
        return e * d + k
    """
    tree = ast.parse(textwrap.dedent(source)).body[0]
    expected = """
    def f_grad(x, y):
        k = a_list[0]
        m = k * 2.0
        for i in range(3):
            k = k + m
        b = np.sin(x * 2.0)
        c = rt.helper(y)
        e = x + 1.0
        x = y
        return e * (b + c) + k
    """
    # `b` is not moved past a helper's call (it may update arrays in place), `e` not past
    # the rebinding of `x`, `m` not into a loop; `d` moves past both
    assert ast.unparse(fused(tree, "np")) == textwrap.dedent(expected).strip()


def log_of(x):
    return np.log(x) * x


def test_a_nan_of_the_compiled_code_comes_with_numpys_warning():
    g, plain = ad.grad(log_of, jit=True), ad.grad(log_of)
    assert g(2.0) == plain(2.0)
    assert backend.runs_of(log_of) == {"log_of_grad": True}
    for gradient in (g, plain):
        with pytest.warns(RuntimeWarning, match="invalid value"):
            assert np.isnan(gradient(-1.0))
    assert backend.runs_of(log_of) == {"log_of_grad": False}  # the NumPy code's run


# jit=True on the Jacobians and the Hessian (issue 19 part 5): the vector code compiled


def layer(x, a):
    return np.tanh(a @ x)


def matvec_in_matrix(w, x):
    return np.exp(-(w @ x))


def row_times_matrix(x, b):
    return np.sin(x @ b) * 2.0


def tail_differences(x):
    return x[1:] * x[:-1] - np.cos(x[:-1])


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(w * w)


def filled_in_a_loop(x):  # per-direction `setitem_value_vjp`: no Numba version
    res = np.zeros(len(x))
    for i in range(len(x)):
        res[i] = np.sin(x[i]) * x[i - 1]
    return res


rng_j = np.random.default_rng(11)
JACOBIAN_CASES = {  # (function, arguments, wrt); each compiles whole
    "layer wide": (layer, (rng_j.standard_normal(3), rng_j.standard_normal((7, 3))), 0),
    "layer tall": (layer, (rng_j.standard_normal(7), rng_j.standard_normal((3, 7))), 0),
    "layer in a": (layer, (rng_j.standard_normal(3), rng_j.standard_normal((4, 3))), 1),
    "matvec in matrix": (
        matvec_in_matrix,
        (rng_j.standard_normal((3, 4)) / 2, rng_j.standard_normal(4)),
        0,
    ),
    "row times matrix": (
        row_times_matrix,
        (rng_j.standard_normal(4), rng_j.standard_normal((4, 3))),
        0,
    ),
    "row times matrix in b": (
        row_times_matrix,
        (rng_j.standard_normal(4), rng_j.standard_normal((4, 3))),
        1,
    ),
    "tail differences": (tail_differences, (rng_j.standard_normal(6),), 0),
}


def _central_jacobian(f, args, wrt, h=1e-6):
    """Central differences of f with respect to args[wrt]: out.shape + in.shape."""
    x = np.asarray(args[wrt], dtype=float)
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = h
        step = step.reshape(x.shape)
        up = [*args[:wrt], x + step, *args[wrt + 1 :]]
        down = [*args[:wrt], x - step, *args[wrt + 1 :]]
        columns.append((np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * h))
    out_shape = np.shape(f(*args))
    return np.moveaxis(np.array(columns), 0, -1).reshape(out_shape + x.shape)


@pytest.mark.parametrize("name", list(JACOBIAN_CASES))
def test_compiled_jacobians_equal_numpy_backend(name, jit_log):
    f, args, wrt = JACOBIAN_CASES[name]
    forward = ad.jacfwd(f, wrt)(*args)
    reverse = ad.jacrev(f, wrt)(*args)
    for make, expected in [(ad.jacfwd, forward), (ad.jacrev, reverse)]:
        got = make(f, wrt, jit=True)(*args)
        assert type(got) is np.ndarray and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-15)
    for mode in ("forward", "reverse", "auto"):
        got = ad.jacobian(f, wrt, mode, jit=True)(*args)
        np.testing.assert_allclose(got, forward, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(forward, _central_jacobian(f, args, wrt), rtol=1e-6, atol=1e-8)
    assert not _warnings(jit_log)  # every pass ran compiled
    runs = backend.runs_of(f)
    assert runs and all(runs.values()), runs


HESSIAN_CASES = {
    "rosenbrock": (rosenbrock, (rng_j.uniform(-1, 1, 8),)),
    "logistic nll": (
        logistic_nll,
        (rng_j.standard_normal(5), rng_j.standard_normal((12, 5)), (rng_j.random(12) > 0.5) * 1.0),
    ),
    "elementwise": (elementwise, (rng_j.standard_normal(6), rng_j.standard_normal(6))),
}


@pytest.mark.parametrize("name", list(HESSIAN_CASES))
def test_compiled_hessians_equal_numpy_backend(name, jit_log):
    f, args = HESSIAN_CASES[name]
    expected = ad.hessian(f)(*args)
    got = ad.hessian(f, jit=True)(*args)
    assert type(got) is np.ndarray and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-15)
    assert not _warnings(jit_log)
    assert backend.runs_of(f)[f"{f.__name__}_grad_jvp"]
    # against central differences of the gradient, and symmetric
    gradient = ad.grad(f)
    np.testing.assert_allclose(
        got, _central_jacobian(gradient, args, 0, h=1e-5), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(got, got.T, rtol=1e-12, atol=1e-14)


def test_hessian_of_a_taped_loop_runs_as_numpy_with_one_warning(jit_log):
    # the gradient code's loop tape (a list of tuples) has tangents Numba cannot type
    def spiral(x):
        s = 0.0
        for k in range(20):
            s = s + np.sin(x[0] * k * 0.1) * x[1] + x[0] * x[1] * x[1]
        return s

    x = np.array([0.3, -0.7])
    expected = ad.hessian(spiral)(x)
    h = ad.hessian(spiral, jit=True)
    for _ in range(2):
        np.testing.assert_array_equal(h(x), expected)  # the NumPy code itself
    np.testing.assert_allclose(
        expected, _central_jacobian(ad.grad(spiral), (x,), 0, h=1e-5), rtol=1e-6, atol=1e-7
    )
    (warning,) = _warnings(jit_log)
    assert "`spiral`" in warning and "Numba cannot compile `spiral_grad_jvp`" in warning
    assert "line " in warning and "of the generated code" in warning  # the construct named
    assert backend.runs_of(spiral) == {"spiral_grad_jvp": False}


def test_jacobians_fall_back_with_one_warning(jit_log):
    x = np.random.default_rng(12).standard_normal(5)
    expected = ad.jacfwd(filled_in_a_loop)(x)
    for _ in range(2):
        for make in (ad.jacfwd, ad.jacrev, ad.jacobian):
            got = make(filled_in_a_loop, jit=True)(x)
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        expected, _central_jacobian(filled_in_a_loop, (x,), 0), rtol=1e-6, atol=1e-8
    )
    (warning,) = _warnings(jit_log)  # one per function, whatever the Jacobians and calls
    assert "`filled_in_a_loop`" in warning and "runs as NumPy code" in warning
    assert "line " in warning  # the generated line Numba refused


def two_outputs(x):
    return {"s": np.sin(x), "p": np.prod(x)}


def test_a_jacobian_swept_row_by_row_says_so_once(jit_log):
    x = np.array([0.4, -1.2, 0.8])
    expected = ad.jacfwd(two_outputs)(x)
    for _ in range(2):
        got = ad.jacrev(two_outputs, jit=True)(x)
        for key in ("s", "p"):
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        expected["s"], _central_jacobian(lambda v: np.sin(v), (x,), 0), rtol=1e-6
    )
    (warning,) = _warnings(jit_log)
    assert "`two_outputs`" in warning and "row by row" in warning


def test_structured_arguments_of_a_jacobian_run_as_numpy(jit_log):
    def f(p):
        return np.tanh(p["w"] * p["b"])

    p = {"w": np.array([0.5, -1.0]), "b": 2.0}
    expected = ad.jacfwd(f)(p)
    got = ad.jacfwd(f, jit=True)(p)
    np.testing.assert_array_equal(got["w"], expected["w"])
    np.testing.assert_array_equal(got["b"], expected["b"])
    (warning,) = _warnings(jit_log)
    assert "`f`" in warning and "structures" in warning


def test_jacobian_and_hessian_sources_are_the_same_after_jit():
    args = (np.array([0.3, -0.2, 1.1, 0.4]),)
    vector = ad.derivative_source(tail_differences, "vector", args=args)
    hessian = ad.derivative_source(rosenbrock, "hessian", args=args)
    ad.jacfwd(tail_differences, jit=True)(*args)
    ad.hessian(rosenbrock, jit=True)(*args)
    assert ad.derivative_source(tail_differences, "vector", args=args) == vector
    assert ad.derivative_source(rosenbrock, "hessian", args=args) == hessian
    assert "rt.getitem_vjp_directions(" in hessian  # all directions in one call


def root_of_the_squares(x):
    return np.sqrt(np.sum(x * x)) + np.sum(x)


def test_a_first_call_the_compiled_code_raises_in_leaves_later_calls_compiled():
    """At x = 0 the compiled gradient divides the float 0 by 0: Numba raises where NumPy
    gives nan, so that call's answer is the NumPy code's; later calls of those argument
    kinds run compiled, with the NumPy code's result types (a KeyError once)."""
    x = np.array([0.3, 0.5, 0.7])
    gradient = ad.grad(root_of_the_squares, jit=True)
    value_and_gradient = ad.value_and_grad(root_of_the_squares, jit=True)
    with np.errstate(all="ignore"):
        assert np.all(np.isnan(gradient(np.zeros(3))))
        assert np.all(np.isnan(value_and_gradient(np.zeros(3))[1]))
    np.testing.assert_allclose(gradient(x), ad.grad(root_of_the_squares)(x), rtol=RTOL)
    value, also = value_and_gradient(x)
    assert type(value) is type(root_of_the_squares(x))
    assert value == pytest.approx(root_of_the_squares(x), rel=RTOL)
    np.testing.assert_allclose(also, ad.grad(root_of_the_squares)(x), rtol=RTOL)
    assert backend.runs_of(root_of_the_squares)["root_of_the_squares_grad"]
