"""`lambda` inside a differentiated function (a nested def, `s2s_ad/ssa/lambdas.py`), and a
lambda given to `grad`, `value_and_grad`, `jacobian`, `hessian`, `jvp`, `vjp` (its source
found by `s2s_ad/frontend/lambda_source.py`).

Every program: value equal to the plain call, JVP against central differences, VJP against
JVP, forward `grad` against reverse `grad`, and the Hessian against central differences of
the gradient.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from derivative_tests import derivative_tests

import s2s_ad as ad
from s2s_ad.errors import SourceError, UnsupportedSyntaxError
from s2s_ad.testing import assert_same_value, check_grads, check_modes_agree, plain_value

rng = np.random.default_rng(15)
X = rng.standard_normal(4)
W = rng.standard_normal((3, 4)) * 0.5


def assigned_and_called(x, w):
    act = lambda z: np.tanh(z)  # noqa: E731
    h = act(w @ x)
    return np.sum(act(h) ** 2)


def called_at_once(x, s):
    return np.sum((lambda z: z * s)(x) + (lambda a, b=2.0: a * b)(x) ** 2)


def chosen_by_if(x, c):
    if c > 0.0:  # noqa: SIM108
        act = lambda z: np.sin(z)  # noqa: E731
    else:
        act = lambda z: np.cos(z) * z  # noqa: E731
    return np.sum(act(x) * x)


def chosen_by_if_expression(x):
    act = np.tanh if x[0] > 0.0 else (lambda z: z * np.exp(z))
    return np.sum(act(x))


def closure_read_at_the_call(x, s):
    scale = s * 2.0
    g = lambda z: np.exp(z * scale)  # noqa: E731
    scale = s * 3.0  # Python's closure reads the name when `g` runs: 3 s
    return np.sum(g(x))


def defaults_read_at_the_def(x, s):
    scale = s * 2.0
    g = lambda z, a=scale: np.exp(z * a)  # noqa: E731
    scale = s * 3.0
    return np.sum(g(x)) + scale


def keyword_arguments(x, s):
    f = lambda z, *, power=2.0, gain=1.0: gain * z**power  # noqa: E731
    return np.sum(f(x, gain=s) + f(x, power=3.0))


def lambda_of_lambda(x, s):
    outer = lambda z: (lambda v: v * s)(z) + z  # noqa: E731
    return np.sum(outer(x) ** 2)


def in_a_loop(x, n):
    total = 0.0
    for i in range(n):
        f = lambda z: np.sin(z * (i + 1))  # noqa: E731, B023
        total = total + np.sum(f(x))
    return total


def name_bound_to_a_numpy_function(x):
    act = np.tanh
    return np.sum(act(x) * act(2.0 * x))


def rebound_in_a_loop(x):
    act = np.tanh
    for _ in range(2):
        act = np.sin
        x = act(x) * 1.5
    return np.sum(x)


def chosen_between_numpy_and_lambda(x, c):
    act = np.tanh
    if c > 0.0:
        act = lambda z: z * 3.0  # noqa: E731
    return np.sum(act(x) * x)


def lambda_and_nested_def_renamed(x, s):
    def g(z):
        return z * s

    h = g
    k = lambda z: h(z) ** 2  # noqa: E731
    return np.sum(k(x))


def mixture_of_experts(x, w):
    experts = 0.0
    gate = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    for k in range(3):
        experts = experts + gate(w[k] @ x) * np.tanh(w[k] @ x)
    return np.sum(experts)


CASES = [
    (assigned_and_called, (X, rng.standard_normal((4, 4)) * 0.5)),
    (called_at_once, (X, 0.7)),
    (chosen_by_if, (X, 1.0)),
    (chosen_by_if, (X, -1.0)),
    (chosen_by_if_expression, (np.abs(X),)),
    (chosen_by_if_expression, (-np.abs(X),)),
    (closure_read_at_the_call, (X, 0.3)),
    (defaults_read_at_the_def, (X, 0.3)),
    (keyword_arguments, (X, 0.7)),
    (lambda_of_lambda, (X, 0.7)),
    (in_a_loop, (X, 3)),
    (name_bound_to_a_numpy_function, (X,)),
    (rebound_in_a_loop, (X,)),
    (chosen_between_numpy_and_lambda, (X, 1.0)),
    (chosen_between_numpy_and_lambda, (X, -1.0)),
    (lambda_and_nested_def_renamed, (X, 0.7)),
    (mixture_of_experts, (X, W)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def numeric_hessian(f, args, step=1e-5):
    """Central differences of the (reverse-mode) gradient with respect to the first argument."""
    x = np.asarray(args[0], dtype=float)
    columns = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = step
        e = e.reshape(x.shape)
        plus = ad.grad(f)(x + e, *args[1:])
        minus = ad.grad(f)(x - e, *args[1:])
        columns.append(np.ravel((plus - minus) / (2 * step)))
    return np.stack(columns, axis=-1).reshape(x.shape * 2)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_second_order(fn, args):
    h = ad.hessian(fn)(*args)
    np.testing.assert_allclose(h, numeric_hessian(fn, args), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_primal_value_is_the_plain_call(fn, args):
    plain = plain_value(fn, args)
    value, _ = ad.value_and_grad(fn)(*args)
    assert_same_value(value, plain, "value_and_grad")
    out, _ = ad.jvp(
        fn, args, tuple(np.ones_like(a) if i == 0 else 0.0 * a for i, a in enumerate(args))
    )
    assert_same_value(out, plain, "jvp")


def test_a_lambda_reads_its_closure_when_called_as_python_does():
    # closure_read_at_the_call must use 3 s, defaults_read_at_the_def 2 s
    s = 0.3
    assert np.isclose(closure_read_at_the_call(X, s), np.sum(np.exp(X * 3 * s)))
    np.testing.assert_allclose(
        ad.grad(closure_read_at_the_call)(X, s), 3 * s * np.exp(X * 3 * s), rtol=1e-12
    )
    np.testing.assert_allclose(
        ad.grad(defaults_read_at_the_def)(X, s), 2 * s * np.exp(X * 2 * s), rtol=1e-12
    )


def test_the_lambda_becomes_a_readable_def():
    source = ad.derivative_source(assigned_and_called)
    assert "tanh" in source and "lambda" not in source


# A lambda given to the transforms: its free names are its closure's and the module's.


def gp_negative_log_likelihood(params, x, y):
    """A Gaussian process's negative log marginal likelihood, an RBF kernel plus noise."""
    log_amplitude, log_length, log_noise = params[0], params[1], params[2]
    d = (x[:, None] - x[None, :]) / np.exp(log_length)
    k = np.exp(2.0 * log_amplitude) * np.exp(-0.5 * d**2) + np.exp(log_noise) * np.eye(len(x))
    alpha = np.linalg.solve(k, y)
    _, logdet = np.linalg.slogdet(k)
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(x) * np.log(2.0 * np.pi)


GP_X = np.linspace(-1.0, 1.0, 6)
GP_Y = np.sin(3.0 * GP_X) + 0.1 * rng.standard_normal(6)
GP_PARAMS = np.array([0.1, -0.5, -2.0])


def test_grad_of_a_lambda_the_gp_marginal_likelihood():
    objective = lambda p: gp_negative_log_likelihood(p, GP_X, GP_Y)  # noqa: E731
    expected = ad.grad(gp_negative_log_likelihood)(GP_PARAMS, GP_X, GP_Y)
    np.testing.assert_allclose(ad.grad(objective)(GP_PARAMS), expected, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(objective, mode="forward")(GP_PARAMS), expected, rtol=1e-10)
    value, _ = ad.value_and_grad(objective)(GP_PARAMS)
    assert_same_value(value, objective(GP_PARAMS), "value_and_grad of a lambda")
    check_grads(objective, (GP_PARAMS,))


def test_transforms_given_a_lambda_inline():
    x = X[:3]
    np.testing.assert_allclose(
        ad.grad(lambda w: np.sum(np.tanh(W[:, :3] @ w) ** 2))(x),
        ad.grad(lambda v: np.sum(np.tanh(W[:, :3] @ v) ** 2), mode="forward")(x),
        rtol=1e-12,
    )
    jac = ad.jacobian(lambda w: np.sin(w) * 2.0)(x)
    np.testing.assert_allclose(jac, np.diag(2.0 * np.cos(x)), rtol=1e-12)
    hess = ad.hessian(lambda w: np.sum(np.sin(w) * w))(x)
    np.testing.assert_allclose(hess, np.diag(2.0 * np.cos(x) - x * np.sin(x)), rtol=1e-12)
    out, tangent = ad.jvp(lambda w: np.exp(w), (x,), (np.ones(3),))
    assert_same_value(out, np.exp(x), "jvp of a lambda")
    np.testing.assert_allclose(tangent, np.exp(x), rtol=1e-12)
    out, pullback = ad.vjp(lambda w, s=2.0: w**s, x)
    assert_same_value(out, x**2.0, "vjp of a lambda")
    (x_bar,) = pullback(np.ones(3))
    np.testing.assert_allclose(x_bar, 2.0 * x, rtol=1e-12)
    check_modes_agree(lambda w: np.sum(np.cos(w) * w), (x,))


def test_two_lambdas_on_one_line_are_told_apart_by_their_positions():
    double, triple = (lambda w: np.sum(w * 2.0)), (lambda w: np.sum(w * 3.0))
    np.testing.assert_allclose(ad.grad(double)(X), 2.0 * np.ones(4))
    np.testing.assert_allclose(ad.grad(triple)(X), 3.0 * np.ones(4))


def test_a_lambda_without_source_is_a_clear_error():
    made = eval("lambda t: t * 2.0")
    with pytest.raises(SourceError, match=r"lambda.*`def`") as info:
        ad.grad(made)(1.0)
    assert "`def`" in str(info.value)


AMBIGUOUS = """
import numpy as np
import s2s_ad as ad
double, triple = (lambda w: w * 2.0), (lambda w: w * 3.0)
try:
    ad.grad(double)(1.0)
except ad.S2SError as exc:
    print(type(exc).__name__, exc.line, exc)
"""


def test_lambdas_no_position_tells_apart_are_a_clear_error(tmp_path):
    # without code positions (`-X no_debug_ranges`) two such lambdas on a line are ambiguous
    path = tmp_path / "ambiguous.py"
    path.write_text(textwrap.dedent(AMBIGUOUS))
    run = subprocess.run(
        [sys.executable, "-X", "no_debug_ranges", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(ad.__file__).parents[1])},  # this s2s_ad
    )
    assert run.stdout.startswith("SourceError 4 ")
    assert "cannot tell which lambda" in run.stdout and "`def`" in run.stdout


def test_a_lambda_stored_in_a_list_is_called_through_it():
    """A list (or dict) of functions made in the function is known when the derivative is
    made (`FunctionItems`): its items called by a literal index. Before session 37, refused
    as a lambda used as a value."""

    def stored(x):
        fs = [lambda t: t * 2.0, lambda t: t * t]
        return fs[0](x) + fs[-1](x)

    assert ad.grad(stored)(1.5) == 2.0 + 3.0


def test_a_list_of_functions_used_as_a_value_is_refused_at_its_line():
    def stored(x):
        fs = [lambda t: t * 2.0]
        return len(fs) * x  # <- error

    with pytest.raises(UnsupportedSyntaxError, match="list or dict of functions") as info:
        ad.grad(stored)(1.0)
    assert info.value.line == stored.__code__.co_firstlineno + 2


def test_a_lambda_with_defaults_in_a_while_test_is_refused():
    def looping(x):
        while (lambda t, k=2.0: t * k)(x) < 10.0:  # <- error
            x = x * 1.5
        return x

    with pytest.raises(UnsupportedSyntaxError, match="lambda with defaults in a `while`") as info:
        ad.grad(looping)(1.0)
    assert info.value.line == looping.__code__.co_firstlineno + 1


def test_a_lambda_a_loop_rebinds_called_after_it_is_refused():
    def after_the_loop(x):
        for i in range(2):
            f = lambda z: z * (i + 2.0)  # noqa: E731, B023
        return f(x)  # <- error

    with pytest.raises(UnsupportedSyntaxError, match="which the loop on line") as info:
        ad.grad(after_the_loop)(1.0)
    assert info.value.line == after_the_loop.__code__.co_firstlineno + 3


softplus = lambda z: np.log1p(np.exp(z))  # noqa: E731  (a module-level lambda as a helper)


def calls_a_module_level_lambda(x):
    return np.sum(softplus(x) * x)


def test_a_module_level_lambda_is_a_helper_with_its_own_derivative():
    check_grads(calls_a_module_level_lambda, (X,))
    check_modes_agree(calls_a_module_level_lambda, (X,))
    np.testing.assert_allclose(
        ad.grad(calls_a_module_level_lambda)(X),
        np.log1p(np.exp(X)) + X / (1.0 + np.exp(-X)),
        rtol=1e-12,
    )


def test_a_lambda_with_defaults_python_may_not_evaluate_is_refused():
    def conditional(x):
        y = (lambda t, d=np.log(x): t + d)(x) if x > 0.0 else 0.0  # <- error  # noqa: B008
        return y

    with pytest.raises(UnsupportedSyntaxError, match="may not evaluate") as info:
        ad.grad(conditional)(1.0)
    assert info.value.line == conditional.__code__.co_firstlineno + 1


def without_defaults_in_an_arm(x):
    return np.sum((lambda t: np.log(t))(x) if x[0] > 0.0 else x * 2.0)


@pytest.mark.parametrize("x", [np.abs(X) + 0.5, -np.abs(X) - 0.5], ids=["log", "double"])
def test_a_lambda_without_defaults_in_an_arm_runs_only_there(x):
    check_grads(without_defaults_in_an_arm, (x,))
    check_modes_agree(without_defaults_in_an_arm, (x,))


def _cube(v):
    return v**3


# a lambda differentiated whose default is a function (NumPy's or the user's): its stand-in
# `def` was written `def <lambda>(…)`, a SyntaxError from inside s2s_ad (session 39)
DEFAULT_FUNCTIONS = {
    "numpy": lambda x, fn=np.sin: np.sum(fn(x)),
    "user": lambda x, fn=_cube, k=2.0: np.sum(fn(x) * k),
}


@pytest.mark.parametrize("name", list(DEFAULT_FUNCTIONS))
def test_a_lambda_with_a_function_default(name):
    f = DEFAULT_FUNCTIONS[name]
    check_grads(f, (np.abs(X) + 0.5,))
    gradient, x, h = ad.grad(f), np.abs(X) + 0.5, 1e-5
    reference = np.array(
        [(gradient(x + h * e) - gradient(x - h * e)) / (2 * h) for e in np.eye(x.size)]
    )
    np.testing.assert_allclose(ad.hessian(f)(x), reference, rtol=1e-5, atol=1e-6)
