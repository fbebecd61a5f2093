"""Passive code passes through (issue 15, item 1): `print`, logging, `warnings.warn`, bare
calls for their effect, `assert`, `raise`, f-strings and string formatting, `with` blocks
(around passive and active code), `try` around passive code. Each runs once per derivative
call, in program order, as in the plain call; the derivatives are checked against central
differences in both modes and to second order. What stays refused is refused at its line.
"""

import contextlib
import logging
import warnings

import numpy as np
import pytest
from derivative_tests import assert_located_refusal, derivative_tests, marked_line

import s2s_ad as ad
from s2s_ad.errors import NonScalarOutputError, UnsupportedSyntaxError
from s2s_ad.testing import assert_same_value, check_grads, check_modes_agree, numeric_jvp

LOG = logging.getLogger("s2s_ad.tests.passive")
RECORD: list = []


def note(value):
    """A helper called for its effect on passive data (a module-level list)."""
    RECORD.append(value)


def prints(x, n):
    y = np.sin(x)
    print("y:", y, "%.3f" % y, "{:.2f}".format(y), str(y), repr(n))  # noqa: UP031, UP032
    for i in range(n):
        print(f"step {i}: y = {y:.4f}, {y!r:>{12}}")
        y = y * x + 0.1
    print(isinstance(y, float), len("text"), "a" + "b")
    return y * y


def checks(x, y):
    assert x > 0.0, f"x must be positive, got {x}"
    if y > 100.0:
        raise ValueError(f"y too large: {y}")
    assert np.all(np.isfinite(x * y))
    return x * y + np.sin(y)


def logs(x):
    LOG.debug("x = %s", x)
    z = np.exp(x) * 2.0
    LOG.info(f"z = {np.sum(z):.3f}")
    logging.getLogger(__name__).debug("done")
    note(float(z[0]))
    RECORD.append(len(RECORD))
    return np.sum(z)


def labels(x):
    label = f"loss {np.sum(x):.3f} over {len(x)} values"
    short = "{:.2f}".format(x[0])  # noqa: UP032
    joined = ", ".join(["a", "b"])
    return np.sum(x * x) * (len(label) > 5) + x[0] * len(short) + len(joined)


def keeps_losses(x, activation):
    name = activation.strip().lower()
    y = np.tanh(x) if name.startswith("tanh") else np.sin(x)
    loss = np.sum(y * y)
    RECORD.append(loss)
    RECORD.append(f"{name}: {loss:.3f}")
    return loss


def errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x) * x
    return np.sum(y)


def nested_contexts(x, y):
    with warnings.catch_warnings(), np.errstate(over="ignore"):
        warnings.simplefilter("ignore")
        z = np.exp(x) * y
        with np.errstate(divide="ignore"):
            z = z / y + np.log(y)
    return z


@contextlib.contextmanager
def timed(label):
    yield label


def own_context(x):
    with timed("step"):
        y = np.tanh(x) * 3.0
    return y


def records_warnings(x):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = np.sin(x)
        warnings.warn("inside", UserWarning, stacklevel=1)
    return y * (1.0 + len(caught))


def in_a_loop(x, n):
    for i in range(n):
        with np.errstate(all="ignore"):
            x = np.sin(x) * 1.1
        print(i)
    return x


def tries(x):
    try:
        LOG.debug("about to compute")
        note("no error")
    except (TypeError, ValueError) as error:
        print("failed", error)
        raise RuntimeError("again") from error
    else:
        LOG.debug("fine")
    finally:
        LOG.debug("always")
    return x**3


def checkpointed(x, n):
    for i in ad.checkpoint(range(n), every=2):
        print(f"iteration {i}: {x:.6f}")
        with np.errstate(all="ignore"):
            x = np.sin(x) * 1.2 + 0.1
    return x


def scaled(x):
    return x * 0.9


def checkpointed_quiet_helper(x, n):
    for i in ad.checkpoint(range(n), every=2):
        print(f"iteration {i}")
        x = scaled(np.sin(x))
    return x


def fluid_steps(v, steps):
    """A small simulation in the style of autograd's fluid example: a print per step."""
    assert v.ndim == 1, "a 1-d field"
    for t in range(steps):
        print(f"step {t}: energy {np.sum(v * v):.6f}")
        v = 0.5 * (np.roll(v, 1) + np.roll(v, -1)) * 0.99
        with np.errstate(over="raise", invalid="raise"):
            v = v - 0.1 * v**3
    return np.sum(v**2)


def _announced(n):
    print("scale for", n)
    print("computed once per call")
    return 1.0 + 0.5 * n


def calls_a_loud_helper(x, n):
    scale = _announced(n)  # passive: called as written, printing in its own code
    print("x =", x)
    return np.sin(x) * scale


CASES = [
    (prints, (0.7, 3)),
    (checks, (0.7, 1.3)),
    (logs, (np.array([0.3, -0.2]),)),
    (labels, (np.array([0.3, -0.2, 1.1]),)),
    (keeps_losses, (np.array([0.3, -0.2, 1.1]), "  TANH ")),
    (errstate, (np.array([0.5, 1.5, 2.0]),)),
    (nested_contexts, (0.3, 1.7)),
    (own_context, (0.4,)),
    (records_warnings, (0.4,)),
    (in_a_loop, (0.7, 3)),
    (tries, (0.8,)),
    (checkpointed, (0.7, 5)),
    (fluid_steps, (np.array([0.3, -0.4, 0.8, 0.1, -0.2]), 4)),
    (calls_a_loud_helper, (0.4, 2)),
]

test_jvp_and_vjp, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_second_order_against_central_differences(fn, args):
    """The gradient code keeps the statements and differentiates again: the Hessian's
    product with a direction against central differences of the gradient."""
    args = tuple(args)
    x = args[0]
    direction = np.ones_like(x) * 0.7 if isinstance(x, np.ndarray) else 0.7
    hess = np.asarray(ad.hessian(fn)(*args))
    along = hess.reshape(np.size(x), np.size(x)) @ np.ravel(direction)

    def gradient(t):
        return ad.grad(fn)(t, *args[1:])

    numeric = numeric_jvp(gradient, (x,), (direction,))
    np.testing.assert_allclose(along, np.ravel(numeric), rtol=1e-5, atol=1e-6)
    jacfwd_of_grad = np.asarray(ad.jacfwd(ad.grad(fn))(*args))
    np.testing.assert_allclose(jacfwd_of_grad, hess, rtol=1e-9, atol=1e-12)


# Once per derivative call, in program order: what each prints equals the plain call's.


def _printed(capsys, run) -> str:
    capsys.readouterr()
    run()
    return capsys.readouterr().out


DRIVERS = {
    "grad": lambda f, a: ad.grad(f)(*a),
    "grad forward": lambda f, a: ad.grad(f, mode="forward")(*a),
    "value_and_grad": lambda f, a: ad.value_and_grad(f)(*a),
    "jvp": lambda f, a: ad.jvp(f, a, (np.ones_like(a[0]),) + (None,) * (len(a) - 1)),
    "vjp and pullback": lambda f, a: ad.vjp(f, *a)[1](1.0),
    "jacfwd": lambda f, a: ad.jacfwd(f)(*a),
    "jacrev": lambda f, a: ad.jacrev(f)(*a),
    "jacobian": lambda f, a: ad.jacobian(f)(*a),
    "jacobian of grad": lambda f, a: ad.jacobian(ad.grad(f))(*a),
    "hessian": lambda f, a: ad.hessian(f)(*a),
    "hvp": lambda f, a: ad.hvp(f, a, (np.ones_like(a[0]),) + (None,) * (len(a) - 1)),
}


@pytest.mark.parametrize("driver", DRIVERS)
@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (prints, (0.7, 3)),
        (checkpointed, (0.7, 5)),
        (in_a_loop, (0.7, 3)),
        (fluid_steps, (np.array([0.3, -0.4, 0.8, 0.1, -0.2]), 4)),
        (calls_a_loud_helper, (0.4, 2)),
    ],
    ids=lambda c: getattr(c, "__name__", ""),
)
def test_prints_what_the_plain_call_prints(capsys, driver, fn, args):
    plain = _printed(capsys, lambda: fn(*args))
    assert plain.count("\n") >= 3
    assert _printed(capsys, lambda: DRIVERS[driver](fn, args)) == plain
    # twice: the derivative cached on the first call prints as much on the second
    assert _printed(capsys, lambda: DRIVERS[driver](fn, args)) == plain


def rolls_and_prints(x):
    print("x =", x)
    return np.roll(x, 1) * 2.0  # not a scalar; np.roll has no shape rule


def test_hessian_of_a_non_scalar_function_with_prints_is_refused(capsys):
    """The value the gradient code returns beside tells, without a second plain call."""
    x = np.array([0.1, 0.2, 0.3])
    with pytest.raises(NonScalarOutputError):
        ad.hessian(rolls_and_prints)(x)
    with pytest.raises(NonScalarOutputError):
        ad.hvp(rolls_and_prints, (x,), (x,))
    assert capsys.readouterr().out.count("x =") == 2  # once per call


def test_effects_on_passive_data_run_once_in_order():
    RECORD.clear()
    x = np.array([0.3, -0.2])
    logs(x)
    plain = list(RECORD)
    for run in (ad.grad(logs), ad.grad(logs, mode="forward"), ad.hessian(logs)):
        RECORD.clear()
        run(x)
        assert plain == RECORD
    RECORD.clear()
    tries(0.8)
    assert RECORD == ["no error"]
    RECORD.clear()
    ad.grad(tries)(0.8)
    assert RECORD == ["no error"]


def test_logging_and_warnings_run_as_in_the_plain_call(caplog):
    def warns(x):
        warnings.warn(f"x is {x}", UserWarning, stacklevel=1)
        LOG.warning("logged %s", x)
        return x * x

    with caplog.at_level(logging.WARNING, logger=LOG.name):
        with pytest.warns(UserWarning, match=r"x is 0\.5"):
            assert ad.grad(warns)(0.5) == 1.0
        with pytest.warns(UserWarning, match=r"x is 0\.5"):
            assert ad.grad(warns, mode="forward")(0.5) == 1.0
    assert [r.getMessage() for r in caplog.records] == ["logged 0.5", "logged 0.5"]


# Exceptions: the user's own, as the plain call raises them; the context still exits.


@pytest.mark.parametrize(
    "run",
    [
        lambda f, *a: ad.grad(f)(*a),
        lambda f, *a: ad.grad(f, mode="forward")(*a),
        lambda f, *a: ad.jvp(f, a, (1.0, 0.0)),
        lambda f, *a: ad.hessian(f)(*a),
    ],
    ids=["reverse", "forward", "jvp", "hessian"],
)
def test_raise_and_assert_raise_the_users_exception(run):
    with pytest.raises(ValueError, match=r"y too large: 200\.0"):
        checks(0.7, 200.0)
    with pytest.raises(ValueError, match=r"y too large: 200\.0"):
        run(checks, 0.7, 200.0)
    with pytest.raises(AssertionError, match=r"x must be positive, got -1\.0"):
        run(checks, -1.0, 1.0)


def prints_badly(x):
    y = np.sin(x)
    print(f"{y:.3f}")  # an array has no such format: TypeError, in the plain call too
    return np.sum(y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_exception_from_a_print_is_the_plain_calls(mode):
    x = np.array([0.1, 0.2])
    with pytest.raises(TypeError) as plain:
        prints_badly(x)
    with pytest.raises(TypeError) as ours:
        ad.grad(prints_badly, mode=mode)(x)
    assert str(ours.value) == str(plain.value)


def raises_inside_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.log(x)
        if np.any(y > 1.0):
            raise FloatingPointError("too large")
    return np.sum(y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_derivative_that_raises_leaves_numpys_error_state(mode):
    before = np.geterr()
    with pytest.raises(FloatingPointError, match="too large"):
        ad.grad(raises_inside_errstate, mode=mode)(np.array([1.0, 10.0]))
    assert np.geterr() == before
    # and the context is in force while the body runs, in both sweeps: no warning at 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, _ = ad.value_and_grad(errstate)(np.array([0.0, 1.0]))
    assert_same_value(value, errstate(np.array([0.0, 1.0])), "the value")
    assert np.geterr() == before


def test_the_adjoint_runs_inside_errstate_again():
    """`y = np.log(x)` at 0: its adjoint divides by 0; errstate covers the pullback too."""

    def logs_at_zero(x):
        with np.errstate(divide="ignore"):
            y = np.log(x)
        return np.sum(y)

    x = np.array([0.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = ad.grad(logs_at_zero)(x)
        _, tangent = ad.jvp(logs_at_zero, (x,), (np.array([1.0, 0.0]),))
    np.testing.assert_array_equal(grad, [np.inf, 0.5])
    assert tangent == np.inf
    # without the context, NumPy warns in the plain call and in both derivatives alike
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        ad.grad(lambda_free_log)(x)


def lambda_free_log(x):
    return np.sum(np.log(x))


class Swallowing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True  # swallows any exception


def swallows(x):
    with Swallowing():
        y = x * 2.0
        if y > 1.0:
            raise ValueError("skipped")
        y = y * 3.0
    return y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_context_that_swallows_an_exception_is_refused_at_its_line(mode):
    assert ad.grad(swallows, mode=mode)(0.1) == pytest.approx(6.0)  # none raised: exact
    with pytest.raises(UnsupportedSyntaxError, match="swallowed ValueError") as info:
        ad.grad(swallows, mode=mode)(1.0)
    assert info.value.line == swallows.__code__.co_firstlineno + 1


# Refused: at the user's line, with what to write instead.


def try_around_active(x):
    try:  # <- error
        y = np.log(x)
    except FloatingPointError:
        y = x
    return y


def suppresses(x):
    with contextlib.suppress(ValueError):  # <- error
        y = x * 2.0
    return y


def with_as(x):
    with contextlib.nullcontext(x) as y:  # <- error
        z = y * 2.0
    return z


def breaks_in_with(x):
    for _ in range(3):
        with np.errstate(all="ignore"):
            x = x * 2.0
            if x > 1.0:
                break  # <- error
    return x


def _loud(x):
    print("in a helper", x)
    return x * 0.5


def checkpointed_loud_helper(x, n):
    for _ in ad.checkpoint(range(n)):
        x = _loud(np.sin(x))  # <- error
    return x


def keeps_an_updated_local(x):
    a = np.sin(x)
    RECORD.append(a)  # <- error
    b = a
    b[0] = 1.0
    return np.sum(a * x)


def sorts_a_local(x):
    xs = [x, 2.0]
    xs.sort()  # <- error
    return xs[0]


def shuffles(x):
    idx = np.arange(3)
    np.random.default_rng(0).shuffle(idx)  # <- error
    return x[idx]


def writes_through_helper(x):
    a = np.zeros(2)
    _fill(a, x)  # <- error
    return np.sum(a) + x


def _fill(a, x):
    a[0] = x


def assigns_in_try(x):
    try:  # <- error
        label = str(x)
    except ValueError:
        label = ""
    return x * len(label)


def handler_rebinds(x):
    error = x * 2.0
    try:  # <- error
        print(error)
    except ValueError as error:
        print(error)
    return error


REFUSED = [
    (try_around_active, r"`try` around an assignment \(line"),
    (suppresses, "swallows exceptions"),
    (with_as, r"`with … as name`"),
    (breaks_in_with, "`break` inside a `with` block"),
    (keeps_an_updated_local, r"`RECORD.append` keeps the local `a`, which the function then"),
    (handler_rebinds, "`except … as error`, which rebinds the local `error`"),
    (sorts_a_local, r"method `.sort\(\)` of the local `xs`"),
    (assigns_in_try, "`try` around an assignment"),
]


@pytest.mark.parametrize(("fn", "match"), REFUSED, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_a_located_error(fn, match, mode):
    assert_located_refusal(fn, match, mode)


def passes_none_to_an_updating_helper(x, ax=None):
    a = x * 2.0
    _show(ax, 3)  # updates its first argument when given one: here None
    return np.sum(a * a)


def _show(ax, t):
    if ax is not None:
        ax.append(t)


# A call for its effect that may update a local it is given is checked when it runs: an
# array, list or dict is refused (the SSA form would not see the update), other values pass.
UPDATED_AT_RUN_TIME = [
    (shuffles, "whether it updates `idx` in place"),
    # (since session 52 refused when the derivative is made, as a helper storing the
    # differentiated `x` where the function reads it back: ad/stored_derivatives.py)
    (
        writes_through_helper,
        r"may update its argument in place \(line \d+: `a\[0\] = …`\)"
        r"|which it stores \(line \d+ of `_fill`: `a\[0\] = x`\)",
    ),
]


@pytest.mark.parametrize(
    ("fn", "match"), UPDATED_AT_RUN_TIME, ids=lambda c: getattr(c, "__name__", "")
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_local_array_given_to_an_updating_call_is_refused_when_it_runs(fn, match, mode):
    with pytest.raises(UnsupportedSyntaxError, match=match) as info:
        ad.grad(fn, mode=mode)(np.array([0.3, -0.4, 0.8]) if fn is shuffles else 0.7)
    assert (info.value.filename, info.value.line) == (__file__, marked_line(fn))


def test_none_given_to_an_updating_helper_passes():
    x = np.array([0.3, -0.4, 0.8])
    check_grads(passes_none_to_an_updating_helper, (x,))
    check_modes_agree(passes_none_to_an_updating_helper, (x,))


def test_a_helper_with_a_print_in_a_checkpointed_loop(capsys):
    """Reverse mode would run the helper again for each recomputed segment: refused there;
    forward mode ignores the checkpoint and prints once."""
    with pytest.raises(UnsupportedSyntaxError, match="runs `print") as info:
        ad.grad(checkpointed_loud_helper)(0.5, 3)
    assert info.value.line == marked_line(checkpointed_loud_helper)
    plain = _printed(capsys, lambda: checkpointed_loud_helper(0.5, 3))
    printed = _printed(capsys, lambda: ad.grad(checkpointed_loud_helper, mode="forward")(0.5, 3))
    assert printed == plain
    # a helper without effects is fine: the loop's own print runs once per iteration
    plain = _printed(capsys, lambda: checkpointed_quiet_helper(0.5, 5))
    assert _printed(capsys, lambda: ad.grad(checkpointed_quiet_helper)(0.5, 5)) == plain
    check_grads(checkpointed_quiet_helper, (0.5, 5))


def test_refused_try_says_what_to_write():
    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(try_around_active)(1.0)
    assert "if …: raise" in info.value.hint


def test_the_statements_are_copied_as_written():
    source = ad.derivative_source(prints)
    assert "print(f'step {i}: y = {y_1:.4f}, {y_1!r:>{12}}')" in source
    assert "print('y:', y, '%.3f' % y, '{:.2f}'.format(y), str(y), repr(n))" in source
    pullback = source.split("def pullback")[1]
    assert "print(" not in pullback  # the reverse sweep has no effects
    assert check_grads(prints, (0.7, 3)) is None
