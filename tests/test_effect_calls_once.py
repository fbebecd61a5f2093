"""A call kept for its effect that an inlined lambda's body becomes (`_t = print(v)`) runs
once, as a statement kept for its effect does: under `jacrev`, at second order, and not again
when a checkpointed loop recomputes a segment (session 53: `ssa/effects.first_effect` names
such calls; `ad/reverse.py` stands None in for their value in a rerun)."""

import contextlib
import io

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

LOG = []
QUEUE = []


def printed_in_checkpoint(x):
    show = lambda v: (print("it", round(float(v), 9)), v)[1]  # noqa: E731
    acc = x
    for _ in ad.checkpoint(range(4), every=2):
        acc = show(np.sin(acc) * 1.1)
    return acc * acc


def appended_in_checkpoint(x):
    keep = lambda v: LOG.append(round(float(v), 9))  # noqa: E731
    acc = x
    for _ in ad.checkpoint(range(3)):
        acc = np.cos(acc) + 0.5 * acc
        keep(acc)
    return acc


def popped_in_checkpoint(x):
    acc = x
    for _ in ad.checkpoint(range(2)):
        acc = acc * QUEUE.pop()
    return acc


def logged_twice_read(x):
    note = lambda v: LOG.append(round(float(v), 9))  # noqa: E731
    y = np.tanh(x) * 2.0
    note(y)
    z = np.sin(y)
    note(z)
    return z * y


def _observed(call):
    LOG.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = call()
    return value, out.getvalue(), list(LOG)


def _central(f, x, h=1e-6):
    return (_observed(lambda: f(x + h))[0] - _observed(lambda: f(x - h))[0]) / (2 * h)


FIRST = {
    "grad": lambda f, x: ad.grad(f)(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x)[1],
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0)[0],
    "jvp": lambda f, x: ad.jvp(f, (x,), (1.0,))[1],
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
}
SECOND = {
    "hessian": lambda f, x: ad.hessian(f)(x),
    "hvp": lambda f, x: ad.hvp(f, (x,), (1.0,))[1],
    "grad_grad": lambda f, x: ad.grad(ad.grad(f))(x),
    "jacrev_grad": lambda f, x: ad.jacrev(ad.grad(f))(x),
}


@pytest.mark.parametrize("api", FIRST)
@pytest.mark.parametrize("f", [printed_in_checkpoint, appended_in_checkpoint, logged_twice_read])
def test_first_order_runs_effects_once(f, api):
    x = 0.4
    _, printed, logged = _observed(lambda: f(x))
    assert printed or logged
    got, got_printed, got_logged = _observed(lambda: FIRST[api](f, x))
    assert (got_printed, got_logged) == (printed, logged)
    assert float(got) == pytest.approx(_central(f, x), rel=1e-6)


@pytest.mark.parametrize("api", SECOND)
@pytest.mark.parametrize("f", [printed_in_checkpoint, logged_twice_read])
def test_second_order_runs_effects_once(f, api):
    x = 0.4
    _, printed, logged = _observed(lambda: f(x))
    g = ad.grad(f)
    want = (_observed(lambda: g(x + 1e-5))[0] - _observed(lambda: g(x - 1e-5))[0]) / 2e-5
    got, got_printed, got_logged = _observed(lambda: SECOND[api](f, x))
    assert (got_printed, got_logged) == (printed, logged)
    assert float(got) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("api", ["grad", "vjp", "hessian"])
def test_pop_in_checkpointed_loop_refused_at_its_line(api):
    QUEUE[:] = [2.0, 3.0]
    call = {**FIRST, **SECOND}[api]
    with pytest.raises(UnsupportedSyntaxError, match=r"QUEUE\.pop.*checkpointed loop") as info:
        call(popped_in_checkpoint, 0.5)
    line = popped_in_checkpoint.__code__.co_firstlineno + 3
    assert f"{__file__}:{line}" in str(info.value)


def test_pop_outside_checkpoint_differentiated():
    def popped(x):
        acc = x
        for _ in range(2):
            acc = acc * QUEUE.pop()
        return acc

    QUEUE[:] = [2.0, 3.0]
    assert ad.grad(popped)(0.5) == pytest.approx(6.0)
    assert QUEUE == []


STREAM = io.StringIO()


def count_read_in_checkpoint(x):
    acc = x
    for _ in ad.checkpoint(range(3)):
        n = STREAM.write("ab")
        acc = np.sin(acc) * 0.5 * n
    return acc


def count_unread_in_checkpoint(x):
    acc = x
    for _ in ad.checkpoint(range(3)):
        n = STREAM.write("ab")  # noqa: F841 (written for its effect; its count unused)
        acc = np.sin(acc) * 1.5
    return acc


@pytest.mark.parametrize("api", ["grad", "vjp", "jacrev", "hessian"])
def test_write_count_read_in_checkpointed_loop_refused_at_its_line(api):
    call = {**FIRST, **SECOND}[api]
    with pytest.raises(UnsupportedSyntaxError, match=r"STREAM\.write.*count") as info:
        call(count_read_in_checkpoint, 0.5)
    line = count_read_in_checkpoint.__code__.co_firstlineno + 3
    assert f"{__file__}:{line}" in str(info.value)


@pytest.mark.parametrize("api", ["jvp", "jacfwd"])
def test_write_count_read_in_checkpointed_loop_forward_mode(api):
    STREAM.seek(0)
    STREAM.truncate()
    want = _central(count_read_in_checkpoint, 0.5)
    STREAM.seek(0)
    STREAM.truncate()
    got = FIRST[api](count_read_in_checkpoint, 0.5)
    assert STREAM.getvalue() == "ab" * 3
    assert float(got) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("api", [*FIRST, *SECOND])
def test_write_count_unread_in_checkpointed_loop_written_once(api):
    want = _central(count_unread_in_checkpoint, 0.5)
    if api in SECOND:
        want = _central(ad.grad(count_unread_in_checkpoint), 0.5)
    STREAM.seek(0)
    STREAM.truncate()
    got = {**FIRST, **SECOND}[api](count_unread_in_checkpoint, 0.5)
    assert STREAM.getvalue() == "ab" * 3
    assert float(got) == pytest.approx(want, rel=1e-5)


def _printing_inner(w):
    print("inner", file=STREAM)
    return np.sin(w) * 3.3


def _appending_inner(w):
    LOG.append(1.0)
    return np.sin(w) * 3.3


def _calling_grad_of(inner):
    def outer(w):
        return ad.grad(inner)(w) * w

    return outer


@pytest.mark.parametrize("inner", [_printing_inner, _appending_inner], ids=lambda f: f.__name__)
def test_grad_of_an_effectful_helper_inside_first_order_once(inner):
    outer = _calling_grad_of(inner)
    STREAM.seek(0)
    STREAM.truncate()
    LOG.clear()
    got = ad.grad(outer)(0.4)
    assert (STREAM.getvalue(), LOG) in (("inner\n", []), ("", [1.0]))
    assert float(got) == pytest.approx(3.3 * (np.cos(0.4) - 0.4 * np.sin(0.4)), rel=1e-12)


@pytest.mark.parametrize("api", SECOND)
@pytest.mark.parametrize("inner", [_printing_inner, _appending_inner], ids=lambda f: f.__name__)
def test_grad_of_an_effectful_helper_inside_refused_at_second_order(inner, api):
    # (its gradient code's own derivative would run it again: printed or appended twice)
    outer = _calling_grad_of(inner)
    with pytest.raises(UnsupportedSyntaxError, match=f"derivative of `{inner.__name__}`") as e:
        SECOND[api](outer, 0.4)
    line = _calling_grad_of.__code__.co_firstlineno + 2
    assert f"{__file__}:{line}" in str(e.value)


class _Holder:
    last = 0.0


_LOGGER = __import__("logging").getLogger("s2s_ad_tests_effect_or_value")
_OR_VALUE = {
    "print": lambda v: print("v", round(float(v), 9)) or v,
    "append": lambda v: LOG.append(round(float(v), 9)) or v,
    "setattr": lambda v: setattr(_Holder, "last", round(float(v), 9)) or v,
    "logger": lambda v: _LOGGER.info("v %s", v) or v,
}


def _or_value_in_loop(kind):
    tap = _OR_VALUE[kind]

    def f(x):
        acc = x
        for _ in range(2):
            acc = np.sin(tap(acc * 1.3))
        return acc * acc

    return f


@pytest.mark.parametrize("api", [*FIRST, *SECOND])
@pytest.mark.parametrize("kind", _OR_VALUE)
def test_effect_or_value_is_the_value(kind, api):
    # `effect(v) or v`: the effect's None carries no derivative, `or` gives `v`
    f = _or_value_in_loop(kind)
    plain = _observed(lambda: (f(0.4), _Holder.last))
    want = _central(f, 0.4)
    if api in SECOND:
        want = _central(ad.grad(f), 0.4)
    got, printed, logged = _observed(lambda: {**FIRST, **SECOND}[api](f, 0.4))
    assert (printed, logged) == plain[1:]
    assert _Holder.last == plain[0][1]
    assert float(got) == pytest.approx(want, rel=1e-5)


def _built_list(v):
    out = []
    out.append(v)
    out.extend([v * 2.0])
    out.insert(0, np.sin(v))
    return out[0] + out[1] * out[2]


def _built_dict(v):
    d = {}
    d.setdefault("a", v * 3.0)
    d.update(b=np.cos(v))
    return d["a"] * d["b"]


@pytest.mark.parametrize("api", ["grad", "vjp", "jacrev", "hessian", "grad_grad"])
@pytest.mark.parametrize("helper", [_built_list, _built_dict], ids=lambda f: f.__name__)
def test_helper_building_its_own_container_in_checkpointed_loop(helper, api):
    # (its `out.append(v)` is a step of its value, no effect: refused until session 54)
    def f(x):
        acc = x
        for _ in ad.checkpoint(range(3)):
            acc = np.tanh(helper(acc) * 0.4)
        return acc

    want = _central(f, 0.3) if api in FIRST else _central(ad.grad(f), 0.3)
    got = {**FIRST, **SECOND}[api](f, 0.3)
    assert float(got) == pytest.approx(want, rel=1e-6)


_FORMAT = "%.4f|%.4f"


def _formatted_in_lambda(x):
    show = lambda v: print("%.4f %.4f" % (v, v * 2.0))  # noqa: E731, UP031
    note = lambda v: LOG.append(_FORMAT % (v, np.sin(v)))  # noqa: E731
    y = np.sin(x) * x
    show(y)
    note(y * 3.0)
    return y * y


@pytest.mark.parametrize("api", [*FIRST, *SECOND])
def test_percent_formatting_of_a_tuple_in_a_lambda(api):
    # (refused until session 54: "`mod` with a list or tuple operand")
    plain = _observed(lambda: _formatted_in_lambda(0.6))
    want = _central(_formatted_in_lambda, 0.6)
    if api in SECOND:
        want = _central(ad.grad(_formatted_in_lambda), 0.6)
    got, printed, logged = _observed(lambda: {**FIRST, **SECOND}[api](_formatted_in_lambda, 0.6))
    assert (printed, logged) == plain[1:]
    assert float(got) == pytest.approx(want, rel=1e-5)


def _fit(x, on_step, n):
    s = x
    for _ in range(n):
        s = np.sin(s) * 1.1
        on_step(s)
    return s


def _callback_literal_print(x):
    return _fit(x, lambda v: print("step", round(float(v), 9)), 2) ** 2


def _callback_literal_append(x):
    return _fit(x, lambda v: LOG.append(round(float(v), 9)), 3) * x


def _callback_nested_def(x):
    def on_step(v):
        print("nested", round(float(v), 9))
        LOG.append(round(float(v) * 2.0, 9))

    return np.tanh(_fit(x * 0.5, on_step, 2))


@pytest.mark.parametrize("api", [*FIRST, *SECOND])
@pytest.mark.parametrize(
    "f",
    [_callback_literal_print, _callback_literal_append, _callback_nested_def],
    ids=lambda f: f.__name__,
)
def test_function_given_to_a_helper_called_for_its_effect(f, api):
    # (a lambda or nested def: refused until session 54, "`on_step` used as a value")
    plain = _observed(lambda: f(0.8))
    want = _central(f, 0.8) if api in FIRST else _central(ad.grad(f), 0.8)
    got, printed, logged = _observed(lambda: {**FIRST, **SECOND}[api](f, 0.8))
    assert (printed, logged) == plain[1:]
    assert float(got) == pytest.approx(want, rel=1e-5)
