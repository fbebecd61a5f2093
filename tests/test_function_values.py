"""Function values given to the user's helpers (`s2s_ad/ssa/function_values.py`): a module-level
function called with a lambda, a nested def, a module-level function or a NumPy function;
the call is inlined and specialised to the function it receives.

Every program: value equal to the plain call, JVP against central differences, VJP against
JVP, forward `grad` against reverse `grad`, and (where no module-level helper is left as a
call) the Hessian against central differences of the gradient.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from derivative_tests import assert_located_refusal, derivative_tests
from helpers_elsewhere import shifted_square

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError
from s2s_ad.pipeline import ssa_source
from s2s_ad.testing import assert_same_value, plain_value

rng = np.random.default_rng(1515)
X = rng.standard_normal(3)
INPUTS = rng.standard_normal((5, 3))
TARGETS = rng.standard_normal(5)
PARAMS = (rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(4) * 0.1, rng.standard_normal(4))


def apply(f, x):
    return f(x) * 2.0


def apply_twice(f, x):
    return apply(f, apply(f, x))


def integrate(rhs, y0, dt, n):
    """Explicit Euler steps of y' = rhs(y): the ODE-net / fluid style of a callback."""
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def rk2(rhs, y, dt, n=4):
    for _ in range(n):
        half = y + 0.5 * dt * rhs(y)
        y = y + dt * rhs(half)
    return y


def predict(params, inputs):
    w1, b1, w2 = params
    return np.tanh(inputs @ w1 + b1) @ w2


def train_loss(params, model, inputs, targets):
    return np.mean((model(params, inputs) - targets) ** 2)


def decay(y):
    return -0.7 * y + np.sin(y)


# callers


def with_lambda(x, s):
    return np.sum(apply(lambda z: np.sin(z) * s, x))


def with_nested_def(x, s):
    def g(z):
        return np.exp(-z * s)

    return np.sum(apply(g, x))


def with_module_function(x):
    return np.sum(apply(decay, x) ** 2)


def with_numpy_function(x):
    return np.sum(apply(np.tanh, x) * x)


def with_two_callbacks(x, s):
    # each call is specialised to its own function
    return np.sum(apply(lambda z: z * s, x) + apply(np.cos, x))


def with_a_chain_of_helpers(x, s):
    return np.sum(apply_twice(lambda z: np.sin(z * s), x))


def ode_net(y0, k):
    def rhs(y):
        return -k * y + np.sin(y)

    return np.sum(integrate(rhs, y0, 0.1, 6) ** 2)


def ode_with_module_rhs(y0):
    return np.sum(integrate(decay, y0, 0.1, 6))


def runge_kutta_lambda(y0, k):
    return np.sum(rk2(lambda y: -k * y**3, y0, 0.05))


def keyword_callback(x, s):
    return np.sum(integrate(y0=x, dt=0.2, n=3, rhs=lambda y: np.cos(y) * s))


def chosen_callback(x, c):
    if c > 0.0:  # noqa: SIM108
        f = lambda z: z**2  # noqa: E731
    else:
        f = np.sin
    return np.sum(apply(f, x))


def callback_reads_its_closure(x, s):
    # `s` here, not the helper's own names: the lambda sees the caller's values
    offset = s * 3.0
    return np.sum(apply(lambda z: z + offset, x) * x)


def named_helper(x, s):
    run = apply
    return np.sum(run(lambda z: z * s, x))


def function_held_in_a_name(x):
    act = np.tanh
    return np.sum(apply(act, x) * x)


def module_helper_via_a_lambda(x):
    return np.sum(apply(lambda z: shifted_square(z), x))


def mlp_loss(params, inputs, targets):
    return train_loss(params, predict, inputs, targets)


CASES = [
    (with_lambda, (X, 0.7)),
    (with_nested_def, (X, 0.7)),
    (with_module_function, (X,)),
    (with_numpy_function, (X,)),
    (with_two_callbacks, (X, 0.7)),
    (with_a_chain_of_helpers, (X, 0.7)),
    (ode_net, (X, 0.7)),
    (ode_with_module_rhs, (X,)),
    (runge_kutta_lambda, (X, 0.7)),
    (keyword_callback, (X, 0.7)),
    (chosen_callback, (X, 1.0)),
    (chosen_callback, (X, -1.0)),
    (callback_reads_its_closure, (X, 0.7)),
    (named_helper, (X, 0.7)),
    (function_held_in_a_name, (X,)),
    (module_helper_via_a_lambda, (X,)),
    (mlp_loss, (PARAMS, INPUTS, TARGETS)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def numeric_hessian(f, args, step=1e-5):
    x = np.asarray(args[0], dtype=float)
    columns = []
    for i in range(x.size):
        e = np.zeros(x.shape)
        e.flat[i] = step
        plus = ad.grad(f)(x + e, *args[1:])
        minus = ad.grad(f)(x - e, *args[1:])
        columns.append(np.ravel((plus - minus) / (2 * step)))
    return np.stack(columns, axis=-1).reshape(x.shape * 2)


# all but the structured `mlp_loss` (tests/test_pytrees.py has Hessians of structures); those
# calling a module-level function (`decay`, `predict`) call its flat gradient code (issue 17)
SECOND_ORDER = [(fn, args) for fn, args in CASES if fn is not mlp_loss]


@pytest.mark.parametrize(("fn", "args"), SECOND_ORDER, ids=lambda c: getattr(c, "__name__", ""))
def test_second_order(fn, args):
    np.testing.assert_allclose(
        ad.hessian(fn)(*args), numeric_hessian(fn, args), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_primal_value_is_the_plain_call(fn, args):
    plain = plain_value(fn, args)
    value, _ = ad.value_and_grad(fn)(*args)
    assert_same_value(value, plain, "value_and_grad")
    out, _ = ad.vjp(fn, *args)
    assert_same_value(out, plain, "vjp")


def test_the_closure_is_the_callers_not_the_helpers():
    def shadowing(x, s):
        return np.sum(shadow(lambda z: z * s, x))

    s = 0.7
    np.testing.assert_allclose(ad.grad(shadowing)(X, s), np.full(3, s), rtol=1e-12)
    assert_same_value(ad.value_and_grad(shadowing)(X, s)[0], shadowing(X, s), "value")


def shadow(f, x):
    s = 100.0  # not the `s` the lambda closes over
    return f(x) + s


def test_the_helper_is_specialised_to_each_function_in_the_generated_code():
    source = ad.derivative_source(with_two_callbacks)
    assert "np.cos(x)" in source and "apply" not in source


def swap_target(x):
    return np.sum(apply(target, x))


def target(v):
    return np.sin(v)


def test_redefining_the_function_given_makes_a_new_derivative():
    global target
    original = target
    first = ad.grad(swap_target)(X)
    np.testing.assert_allclose(first, 2.0 * np.cos(X), rtol=1e-12)
    try:
        target = np.exp
        np.testing.assert_allclose(ad.grad(swap_target)(X), 2.0 * np.exp(X), rtol=1e-12)
    finally:
        target = original


# refused, at the caller's line


def add_to(f, acc, v):
    acc.append(f(v))
    return 0.0


def helper_updating_its_argument(x):
    acc = [x]
    y = add_to(np.sin, acc, x)  # <- error
    return np.sum(acc[-1]) + y


def clashing_name(x):
    W = x * 2.0
    return np.sum(reads_global_w(np.sin, W))  # <- error


W = np.ones(3)


def reads_global_w(f, v):
    return f(v) * W


def nested_def_reading_a_shadowed_name(x, s):
    def step(f, s):
        return f(x) * s  # <- error

    return np.sum(step(lambda z: z * s, 2.0))


def numpy_function_given_a_lambda(x):
    return np.sum(np.apply_along_axis(lambda r: r * 2.0, 0, x))  # <- error


REFUSED = [
    (helper_updating_its_argument, "updates its argument `acc` in place"),
    (clashing_name, "reads the module's `W`"),
    (nested_def_reading_a_shadowed_name, "reads `s`: the nested function rebinds"),
    (numpy_function_given_a_lambda, "a lambda used as a value"),
]


@pytest.mark.parametrize(("fn", "match"), REFUSED, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_a_located_error(fn, match, mode):
    assert_located_refusal(fn, match, mode)


def test_a_helper_of_another_module_given_a_function(tmp_path, monkeypatch):
    """Inlined, its module's names read in its module (ssa/module_reads.py): before
    session 37, refused. A module loaded from its file only (not imported by its name)
    is still refused at the call."""
    (tmp_path / "other_helpers.py").write_text(
        "import numpy\nSCALE = 2.0\n\n\ndef run(f, x):\n    return numpy.exp(f(x)) * SCALE\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import other_helpers

    def caller(x):
        return np.sum(other_helpers.run(np.sin, x))

    def caller_by_name(x):
        return np.sum(run(np.sin, x))

    run = other_helpers.run
    for fn in (caller, caller_by_name):
        expected = 2.0 * np.exp(np.sin(X)) * np.cos(X)
        np.testing.assert_allclose(ad.grad(fn)(X), expected, rtol=1e-12)
        other_helpers.SCALE = 3.0  # read where it is, when the derivative runs
        np.testing.assert_allclose(ad.grad(fn)(X), 1.5 * expected, rtol=1e-12)
        other_helpers.SCALE = 2.0
    spec = importlib.util.spec_from_file_location("unimported", tmp_path / "other_helpers.py")
    unimported = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unimported)

    def caller_of_unimported(x):
        return np.sum(unimported.run(np.sin, x))

    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(caller_of_unimported)(X)
    assert info.value.filename == __file__


# golden: the code a callback given to a helper becomes, as a person would write it inline

GOLDEN = Path(__file__).parent / "golden" / "function_values.txt"


def render_golden() -> str:
    parts = []
    for fn in (ode_net, with_lambda):
        parts += [f"# {fn.__name__}: --stage ssa", ssa_source(fn)]
        parts += [f"# {fn.__name__}: reverse", ad.derivative_source(fn, mode="reverse")]
        parts += [f"# {fn.__name__}: forward", ad.derivative_source(fn, mode="forward")]
    return "\n".join(parts)


def test_golden_source():
    assert render_golden() == GOLDEN.read_text()


if __name__ == "__main__" and "--update" in sys.argv:
    GOLDEN.write_text(render_golden())


def test_a_lambda_closing_over_the_model_is_how_to_pass_one_to_grad():
    objective = lambda p: train_loss(p, predict, INPUTS, TARGETS)  # noqa: E731
    grads = ad.grad(objective)(PARAMS)
    expected = ad.grad(mlp_loss)(PARAMS, INPUTS, TARGETS)
    for ours, reference in zip(grads, expected, strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-12)
    value, _ = ad.value_and_grad(objective)(PARAMS)
    assert_same_value(value, objective(PARAMS), "value_and_grad of a lambda")


def test_a_function_given_to_the_differentiated_function_itself_specialises_it():
    # issue 16: the derivative is made for the function given (tests/test_callables.py)
    grads = ad.grad(train_loss)(PARAMS, predict, INPUTS, TARGETS)
    expected = ad.grad(mlp_loss)(PARAMS, INPUTS, TARGETS)
    for ours, reference in zip(grads, expected, strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-12)
