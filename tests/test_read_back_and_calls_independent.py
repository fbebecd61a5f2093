"""Independent tests (145th tester): checkpointed loops reading back module state,
and lambdas / nested defs ending in a call of a function held in a module dict/list."""

import numpy as np
import pytest

import s2s_ad as ad

Q = [[]]
LOG = []
W = np.array([0.5, -1.2, 2.0])
SCALE = 1.7


class Rec:
    def __init__(self):
        self.log = []

    def record(self, v):
        self.log.append(v)


REC = Rec()
SINK_OUT = []
SINKS = [lambda v: SINK_OUT.append(float(np.sum(v)))]
HANDLERS = {"w": lambda v: SINK_OUT.append(float(np.sum(v)))}


def reset():
    Q[0].clear()
    D["k"].clear()
    LOG.clear()
    REC.log.clear()
    SINK_OUT.clear()


def cdiff(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        reset()
        fp = f(x + e)
        reset()
        fm = f(x - e)
        g.flat[i] = (fp - fm) / (2 * h)
    reset()
    return g


def loop_q_readback(x):
    s = 0.0
    for t in ad.checkpoint(range(6)):
        Q[0].append(t)
        s = s + np.sum(x) * len(Q[0])
    return s


def loop_rec_readback(x):
    s = 0.0
    for t in ad.checkpoint(range(6)):
        REC.record(t)
        s = s + np.sum(x * x) * len(REC.log)
    return s


def loop_log_reads_other(x):
    s = 0.0
    for t in ad.checkpoint(range(6)):
        LOG.append(t)
        print("t", t)
        s = s + np.sum(np.sin(x * W)) * SCALE + 0.1 * s
    return s


D = {"k": []}


def _store(v):
    D["k"].append(v)


STORE = {"h": _store}


def loop_dict_readback(x):
    s = 0.0
    for t in ad.checkpoint(range(6)):
        D["k"].append(t)
        s = s + np.sum(np.cos(x)) * len(D["k"])
    return s


def loop_handler_readback(x):
    s = 0.0
    for t in ad.checkpoint(range(6)):
        STORE["h"](t)
        s = s + np.sum(x**3) * len(D["k"])
    return s


X = np.array([0.3, -0.4, 0.9])
READBACK = [loop_q_readback, loop_rec_readback, loop_dict_readback, loop_handler_readback]


@pytest.mark.parametrize("api", ["grad", "jacrev", "vjp", "hessian"])
@pytest.mark.parametrize("f", READBACK)
def test_readback_refused_or_exact(f, api):
    reset()
    ref = cdiff(f, X)
    reset()
    call = {
        "grad": lambda: ad.grad(f)(X),
        "jacrev": lambda: np.asarray(ad.jacrev(f)(X)).ravel(),
        "vjp": lambda: ad.vjp(f, X)[1](1.0),
        "hessian": lambda: ad.hessian(f)(X),
    }[api]
    try:
        g = call()
    except Exception as e:  # refusal is allowed, located in this file
        assert "test_read_back_and_calls_independent.py" in str(e), str(e)
        return
    if isinstance(g, tuple):
        g = g[0]
    if api == "hessian":
        return
    np.testing.assert_allclose(np.asarray(g).ravel(), ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", READBACK)
def test_readback_forward_mode_exact(f):
    ref = cdiff(f, X)
    reset()
    J = np.asarray(ad.jacfwd(f)(X)).ravel()
    np.testing.assert_allclose(J, ref, rtol=1e-5, atol=1e-6)


def test_log_reading_other_arrays_exact(capsys):
    ref = cdiff(loop_log_reads_other, X)
    reset()
    capsys.readouterr()
    plain = loop_log_reads_other(X)
    plain_out = capsys.readouterr().out
    plain_log = list(LOG)
    reset()
    v, g = ad.value_and_grad(loop_log_reads_other)(X)
    out = capsys.readouterr().out
    np.testing.assert_allclose(v, plain, rtol=1e-12)
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)
    assert plain_log == LOG
    assert out == plain_out
    reset()
    Jf = np.asarray(ad.jacfwd(loop_log_reads_other)(X)).ravel()
    np.testing.assert_allclose(Jf, g, rtol=1e-10, atol=1e-12)
    assert plain_log == LOG


def lam_sinks(x):
    show = lambda v: SINKS[0](v)  # noqa: E731
    y = np.sum(np.tanh(x) * W)
    show(y)
    return y * y


def lam_handlers(x):
    def show(v):
        return HANDLERS["w"](v)

    y = np.sum(np.exp(0.3 * x))
    show(y)
    return y * np.sum(x)


def _apis(f):
    return {
        "grad": lambda: ad.grad(f)(X),
        "jacrev": lambda: ad.jacrev(f)(X),
        "hessian": lambda: ad.hessian(f)(X),
        "vjp": lambda: ad.vjp(f, X)[1](1.0),
    }


@pytest.mark.parametrize("f", [lam_sinks, lam_handlers])
@pytest.mark.parametrize("api", ["grad", "jacrev", "hessian", "vjp"])
def test_sink_call_runs_once(f, api):
    reset()
    f(X)
    plain = list(SINK_OUT)
    assert len(plain) == 1
    reset()
    _apis(f)[api]()
    np.testing.assert_allclose(SINK_OUT, plain, rtol=1e-12)


@pytest.mark.parametrize("f", [lam_sinks, lam_handlers])
def test_sink_call_gradient_exact(f):
    ref = cdiff(f, X)
    reset()
    g = ad.grad(f)(X)
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)
    reset()
    Jf = np.asarray(ad.jacfwd(f)(X)).ravel()
    np.testing.assert_allclose(Jf, g, rtol=1e-10, atol=1e-12)


class _State:
    n = 0


STATE = _State()


def loop_setattr_readback_ckpt(x):
    s = 0.0
    for _t in ad.checkpoint(range(6)):
        setattr(STATE, "n", STATE.n + 1)  # noqa: B010
        s = s + np.sum(x * x) * STATE.n
    return s


def loop_setattr_readback_plain(x):
    s = 0.0
    for _t in range(6):
        setattr(STATE, "n", STATE.n + 1)  # noqa: B010
        s = s + np.sum(x * x) * STATE.n
    return s


def _grad_setattr(f):
    STATE.n = 0
    g = np.zeros(3)
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1e-6
        STATE.n = 0
        a = f(X + e)
        STATE.n = 0
        b = f(X - e)
        g[i] = (a - b) / 2e-6
    STATE.n = 0
    return g


# (145th tester: reverse mode used the final STATE.n, [21.6, -28.8, 64.8] where central
# differences give [12.6, -16.8, 37.8], silently; a `setattr` statement on a module object
# counts as a write of it since session 54, so the loop's reads are bound where they stand)
@pytest.mark.parametrize("f", [loop_setattr_readback_ckpt, loop_setattr_readback_plain])
def test_setattr_readback_refused_or_exact(f):
    ref = _grad_setattr(f)
    try:
        g = ad.grad(f)(X)
    except Exception as e:
        assert "test_read_back_and_calls_independent.py" in str(e), str(e)
        return
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f", [loop_setattr_readback_ckpt, loop_setattr_readback_plain])
def test_setattr_readback_forward_exact(f):
    ref = _grad_setattr(f)
    J = np.asarray(ad.jacfwd(f)(X)).ravel()
    np.testing.assert_allclose(J, ref, rtol=1e-5, atol=1e-6)
    assert STATE.n == 6


def loop_sink_reads_other(x):
    s = 0.0
    for _t in ad.checkpoint(range(4)):
        s = s + np.sum(np.sin(x * W)) * 0.5 + 0.1 * s
        SINKS[0](s)
    return s


@pytest.mark.xfail(
    strict=True,
    reason="BUG (over-refusal): a checkpointed loop calling SINKS[0](s), which only "
    "appends to SINK_OUT, is refused for reading the unrelated module array W",
)
def test_sink_in_ckpt_loop_reading_other_array_exact():
    reset()
    loop_sink_reads_other(X)
    plain = list(SINK_OUT)
    ref = cdiff(loop_sink_reads_other, X)
    reset()
    g = ad.grad(loop_sink_reads_other)(X)
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(SINK_OUT, plain, rtol=1e-12)
