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
