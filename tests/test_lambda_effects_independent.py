"""The 131st independent tester's file: lambdas called for their effect, and stores read back.

Written from the README alone (not the library's source or tests).

1. A lambda called for its effect (`print`, `setattr` on a module object, a module list's
   `append`, a `logging` call, `warnings.warn`) runs once per derivative call, as in the
   plain call: printed lines, logged records, warnings and the module's state after the
   call equal one plain call's, under every API; a pullback called later prints nothing; the
   derivatives agree with central differences and forward mode with reverse mode.
2. A helper or lambda storing a value carrying a derivative where the function reads it back
   is refused at the call; what the README says is not refused (another attribute or key, a
   length, a stored comparison, a local bound to the old value, logging read by no one) is
   differentiated exactly.

Every strict expected failure names the numbers it found.
"""

import contextlib
import io
import logging
import operator
import types
import warnings

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

STATE = types.SimpleNamespace(last=0.0, scale=2.0, step=0, best=np.inf, conv=False)
LOG = []
HIST = {"loss": [], "y": 0.0, "lr": 0.1}
logger = logging.getLogger("s2s_ad_t131.train")


class Recorder:
    def __init__(self):
        self.last = 0.0
        self.count = 0

    def record(self, v):
        self.last = v
        self.count += 1


REC = Recorder()


def reset():
    STATE.last = 0.0
    STATE.scale = 2.0
    STATE.step = 0
    STATE.best = np.inf
    STATE.conv = False
    LOG.clear()
    HIST["loss"].clear()
    HIST["y"] = 0.0
    HIST["lr"] = 0.1
    REC.last = 0.0
    REC.count = 0


# ---------------------------------------------------------------- helpers of the programs


def store_last(v):
    STATE.last = v


def store_conv(v):
    STATE.conv = bool(v < 1.0)


def log_only(v):
    LOG.append(v)


def cache_y(v):
    HIST["y"] = v


def set_vars_item(v):
    vars(STATE)["last"] = v


def store_into(obj, v):
    obj.last = v


def obj_set(v):
    object.__setattr__(STATE, "last", v)


# ---------------------------------------------------------------- part 1: effects


def p_print(x):
    y = np.sin(x) * x
    show = lambda v: print("loss", v)  # noqa: E731
    show(y)
    return y * y


def p_setattr(x):
    y = np.exp(x) + x
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    rec(y)
    return y * 3.0


def p_append(x):
    y = x * x
    keep = lambda v: LOG.append(float(v))  # noqa: E731
    keep(y)
    return np.sin(y)


def p_logger(x):
    y = np.cos(x) * 2.0
    note = lambda v: logger.info("val %.6f", v)  # noqa: E731
    note(y)
    return y * x


def p_progress(x):
    acc = 0.0
    prog = lambda i, v: print("step", i, f"{v:.6f}")  # noqa: E731
    for i in range(3):
        acc = acc + np.sin(x * (i + 1))
        prog(i, acc)
    return acc


def p_train(w):
    lr = 0.1
    cb = lambda i, v: logger.info("epoch %d loss %.5f", i, v)  # noqa: E731
    total = 0.0
    for i in range(4):
        loss = (w - 1.0) ** 2 * (i + 1) + np.sin(w)
        cb(i, loss)
        total = total + loss * lr
    return total


def p_scheduler(x):
    lr = 0.5
    sched = lambda k: print("lr", round(0.5 * 0.9**k, 6))  # noqa: E731
    p = x
    for k in range(3):
        sched(k)
        p = p - lr * 0.9**k * np.tanh(p)
    keep = lambda v: LOG.append(float(v))  # noqa: E731
    keep(p)
    return p * p


def p_best(x):
    y = x * x + 0.1
    better = lambda v: setattr(STATE, "best", min(STATE.best, float(v)))  # noqa: E731
    better(y)
    return np.log(y)


def p_warn(x):
    y = x**3
    w = lambda v: warnings.warn("big " + str(round(float(v), 4)))  # noqa: E731, B028
    w(y)
    return y + x


EFFECT_PROGRAMS = {
    "print": p_print,
    "setattr_unread": p_setattr,
    "append_unread": p_append,
    "logger": p_logger,
    "progress_loop": p_progress,
    "train_callback": p_train,
    "scheduler_and_recorder": p_scheduler,
    "best_so_far": p_best,
}

X0 = 0.7


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.msgs = []

    def emit(self, record):
        self.msgs.append(record.getMessage())


def observe(call):
    """Run call() from a fresh state: (result, printed, logged, warned, state)."""
    reset()
    h = _Collect()
    logger.addHandler(h)
    logger.setLevel(logging.INFO)
    buf = io.StringIO()
    try:
        with (
            contextlib.redirect_stdout(buf),
            warnings.catch_warnings(record=True) as ws,
        ):
            warnings.simplefilter("always")
            r = call()
    finally:
        logger.removeHandler(h)
    state = (repr(STATE.last), repr(STATE.best), list(LOG))
    return r, buf.getvalue(), h.msgs, [str(w.message) for w in ws], state


def _vjp(f, x):
    out, pb = ad.vjp(f, x)
    return out, pb(1.0)


APIS = {
    "grad": lambda f, x: ad.grad(f)(x),
    "grad_forward": lambda f, x: ad.grad(f, mode="forward")(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x),
    "jvp": lambda f, x: ad.jvp(f, (x,), (1.0,)),
    "vjp": _vjp,
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "hessian": lambda f, x: ad.hessian(f)(x),
    "hvp": lambda f, x: ad.hvp(f, (x,), (1.0,)),
    "grad_of_grad": lambda f, x: ad.grad(ad.grad(f))(x),
}


def _effect_params():
    out = []
    for pname in EFFECT_PROGRAMS:
        for api in APIS:
            out.append(pytest.param(pname, api, id=f"{pname}-{api}"))
    return out


@pytest.mark.parametrize("pname,api", _effect_params())
def test_effects_once_as_plain_call(pname, api):
    f = EFFECT_PROGRAMS[pname]
    _, p_out, p_log, p_warn_, p_state = observe(lambda: f(X0))
    assert p_out or p_log or p_state != observe(lambda: None)[4]
    _, out, log, warned, state = observe(lambda: APIS[api](f, X0))
    assert out == p_out
    assert log == p_log
    assert warned == p_warn_
    assert state == p_state


def _fd(f, x, h=1e-6):
    reset()
    fp = f(x + h)
    reset()
    fm = f(x - h)
    return (fp - fm) / (2 * h)


@pytest.mark.parametrize("pname", list(EFFECT_PROGRAMS))
def test_effect_programs_derivatives(pname):
    f = EFFECT_PROGRAMS[pname]
    with contextlib.redirect_stdout(io.StringIO()):
        reset()
        v_plain = f(X0)
        fd = _fd(f, X0)
        fd2 = (_fd(f, X0 + 1e-4, 1e-6) - _fd(f, X0 - 1e-4, 1e-6)) / 2e-4
        reset()
        v, g = ad.value_and_grad(f)(X0)
        reset()
        gf = ad.grad(f, mode="forward")(X0)
        reset()
        pv, t = ad.jvp(f, (X0,), (1.0,))
        reset()
        hs = ad.hessian(f)(X0)
        reset()
        _, hv = ad.hvp(f, (X0,), (1.0,))
    assert v == pytest.approx(v_plain, rel=1e-14, abs=1e-14)
    assert pv == pytest.approx(v_plain, rel=1e-14, abs=1e-14)
    assert g == pytest.approx(fd, rel=1e-6, abs=1e-8)
    assert gf == pytest.approx(g, rel=1e-12, abs=1e-14)
    assert t == pytest.approx(g, rel=1e-12, abs=1e-14)
    assert hs == pytest.approx(fd2, rel=1e-4, abs=1e-5)
    assert hv == pytest.approx(hs, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("pname", ["print", "progress_loop", "logger", "append_unread"])
def test_pullback_called_later_has_no_effect(pname):
    f = EFFECT_PROGRAMS[pname]
    _, p_out, p_log, _, p_state = observe(lambda: f(X0))
    holder = {}

    def first():
        holder["out"], holder["pb"] = ad.vjp(f, X0)
        return holder["out"]

    _, out, log, _, state = observe(first)
    assert (out, log, state) == (p_out, p_log, p_state)
    h = _Collect()
    logger.addHandler(h)
    buf = io.StringIO()
    n_log = len(LOG)
    try:
        with contextlib.redirect_stdout(buf):
            for ct in (1.0, 2.0, -0.5):
                (g,) = holder["pb"](ct)
    finally:
        logger.removeHandler(h)
    assert buf.getvalue() == ""
    assert h.msgs == []
    assert len(LOG) == n_log
    reset()
    with contextlib.redirect_stdout(io.StringIO()):
        assert g == pytest.approx(-0.5 * ad.grad(f)(X0), rel=1e-14)


def test_vector_input_progress_print_under_jacfwd():
    x = np.array([0.3, -0.2, 0.9])
    _, p_out, *_ = observe(lambda: p_vec(x))
    r, out, *_ = observe(lambda: ad.jacfwd(p_vec)(x))
    assert out == p_out
    reset()
    with contextlib.redirect_stdout(io.StringIO()):
        jr = ad.jacobian(p_vec, mode="reverse")(x)
    np.testing.assert_allclose(r, jr, rtol=1e-12, atol=1e-14)


def p_vec(x):
    y = np.tanh(x) * 2.0
    show = lambda v: print("norm", f"{float(np.sum(v * v)):.6f}")  # noqa: E731
    show(y)
    return y * x


# ---- a lambda's effect in a checkpointed loop


def p_ck_print(x):
    acc = x
    show = lambda i, v: print("it", i, f"{v:.6f}")  # noqa: E731
    for i in ad.checkpoint(range(4)):
        acc = np.sin(acc) * 1.1
        show(i, acc)
    return acc


def p_ck_counter(x):
    acc = x
    bump = lambda: setattr(STATE, "step", STATE.step + 1)  # noqa: E731
    for _ in ad.checkpoint(range(4)):
        acc = np.sin(acc) * 1.1
        bump()
    return acc


def p_ck_log(x):
    acc = x
    note = lambda i, v: logger.info("it %d %.6f", i, v)  # noqa: E731
    for i in ad.checkpoint(range(4), every=2):
        acc = np.sin(acc) * 1.1
        note(i, acc)
    return acc


def p_ck_print_statement(x):
    acc = x
    for i in ad.checkpoint(range(4)):
        acc = np.sin(acc) * 1.1
        print("it", i, f"{acc:.6f}")
    return acc


# (until session 53 a lambda called for its effect in a checkpointed loop ran again when
# reverse mode recomputed segments: 8 lines printed where the plain call prints 4)

CK_APIS = ["grad", "grad_forward", "vjp", "jvp", "hessian"]


@pytest.mark.parametrize(
    "f,api",
    [pytest.param(f, a, id=f"{f.__name__}-{a}") for a in CK_APIS for f in (p_ck_print, p_ck_log)],
)
def test_checkpoint_lambda_effects_once(f, api):
    _, p_out, p_log, _, _ = observe(lambda: f(X0))
    p_step = STATE.step
    _, out, log, _, _ = observe(lambda: APIS[api](f, X0))
    assert (out, log, STATE.step) == (p_out, p_log, p_step)


@pytest.mark.parametrize("api", CK_APIS)
def test_checkpoint_print_statement_once(api):
    _, p_out, *_ = observe(lambda: p_ck_print_statement(X0))
    _, out, *_ = observe(lambda: APIS[api](p_ck_print_statement, X0))
    assert out == p_out


@pytest.mark.parametrize("api", ["grad", "vjp", "hessian"])
def test_checkpoint_counter_lambda_refused(api):
    """(Since session 52) `bump = lambda: setattr(STATE, "step", STATE.step + 1)` in a
    checkpointed loop changes module state the loop reads: reverse mode, which recomputes
    the loop's segments, refuses it at the read (it would bump the counter again)."""
    with pytest.raises(UnsupportedSyntaxError, match="checkpointed loop"):
        APIS[api](p_ck_counter, X0)


@pytest.mark.parametrize("f", [p_ck_print, p_ck_log], ids=lambda f: f.__name__)
def test_checkpoint_lambda_derivatives(f):
    with contextlib.redirect_stdout(io.StringIO()):
        g = ad.grad(f)(X0)
        gf = ad.grad(f, mode="forward")(X0)
        fd = _fd(f, X0)
    assert g == pytest.approx(0.48147131152162376, rel=1e-12)
    assert gf == pytest.approx(g, rel=1e-12)
    assert g == pytest.approx(fd, rel=1e-6)


def test_pullback_later_does_not_bump_counter():
    reset()
    _, pb = ad.vjp(p_step_unread, X0)
    assert STATE.step == 1
    for ct in (1.0, 3.0):
        (g,) = pb(ct)
    assert STATE.step == 1
    assert g == pytest.approx(3.0 * 2.8, rel=1e-14)


def p_vec_log(x):
    y = np.tanh(x) * x
    note = lambda v: logger.info("%s", v)  # noqa: E731
    note(y)
    return np.sum(y**2)


def p_vec_repr(x):
    y = np.tanh(x) * x
    note = lambda v: print(repr(v), type(v).__name__)  # noqa: E731
    note(y)
    return np.sum(y**2)


VEC_APIS = {
    "grad": lambda f, x: ad.grad(f)(x),
    "grad_forward": lambda f, x: ad.grad(f, mode="forward")(x),
    "jvp": lambda f, x: ad.jvp(f, (x,), (x,)),
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "hessian": lambda f, x: ad.hessian(f)(x),
    "hvp": lambda f, x: ad.hvp(f, (x,), (x,)),
}


@pytest.mark.parametrize("api", list(VEC_APIS))
@pytest.mark.parametrize("f", [p_vec_log, p_vec_repr], ids=lambda f: f.__name__)
def test_vector_lambda_logs_primal_once(f, api):
    _, p_out, p_log, *_ = observe(lambda: f(XV))
    assert p_out or p_log
    _, out, log, *_ = observe(lambda: VEC_APIS[api](f, XV))
    assert (out, log) == (p_out, p_log)


# ---- warnings.warn in a lambda: dropped

# (fixed in session 52: warnings.warn in a lambda was dropped under every API but jacrev;
# in session 53 jacrev's twice)


@pytest.mark.parametrize("api", list(APIS))
def test_warn_in_lambda(api):
    _, _, _, p_w, _ = observe(lambda: p_warn(X0))
    assert p_w == ["big 0.343"]
    _, _, _, w, _ = observe(lambda: APIS[api](p_warn, X0))
    assert w == p_w


# ---- a lambda's store read back in second order (ran twice until session 53)


def p_step(x):
    y = x * x
    bump = lambda: setattr(STATE, "step", STATE.step + 1)  # noqa: E731
    bump()
    return y * STATE.step


def p_step_unread(x):
    y = x * x
    bump = lambda: setattr(STATE, "step", STATE.step + 1)  # noqa: E731
    bump()
    return y * 2.0


SECOND = {
    "hessian": lambda f: ad.hessian(f)(X0),
    "hvp": lambda f: ad.hvp(f, (X0,), (1.0,))[1],
    "grad_of_grad": lambda f: ad.grad(ad.grad(f))(X0),
    "jacfwd_of_grad": lambda f: ad.jacfwd(ad.grad(f))(X0),
}


@pytest.mark.parametrize("api", list(SECOND))
def test_step_counter_lambda_first_order(api):
    for call in (lambda: ad.grad(p_step)(X0), lambda: ad.jvp(p_step, (X0,), (1.0,))[1]):
        reset()
        assert call() == pytest.approx(1.4, rel=1e-14)
        assert STATE.step == 1


@pytest.mark.parametrize("api", list(SECOND))
def test_step_counter_lambda_unread_second_order(api):
    reset()
    assert SECOND[api](p_step_unread) == pytest.approx(4.0, rel=1e-14)
    assert STATE.step == 1


@pytest.mark.parametrize("api", list(SECOND))
def test_step_counter_lambda_second_order(api):
    reset()
    h = SECOND[api](p_step)
    assert (h, STATE.step) == (pytest.approx(2.0, rel=1e-14), 1)


# ---- a lambda that prints and returns its argument (called for its value)


def ident_print(v):
    print("y", v)
    return v


def p_print_value_lambda(x):
    y = x * x
    show = lambda v: (print("y", v), v)[1]  # noqa: E731
    z = show(y)
    return z * 3.0


def p_print_value_helper(x):
    y = x * x
    z = ident_print(y)
    return z * 3.0


def p_print_or_value(x):
    y = x * x
    show = lambda v: print("y", v) or v  # noqa: E731
    z = show(y)
    return np.sin(z)


VALUE_APIS = {
    "grad": lambda f: ad.grad(f)(X0),
    "jvp": lambda f: ad.jvp(f, (X0,), (1.0,))[1],
    "hessian": lambda f: ad.hessian(f)(X0),
    "hvp": lambda f: ad.hvp(f, (X0,), (1.0,))[1],
    "grad_of_grad": lambda f: ad.grad(ad.grad(f))(X0),
    "jacfwd_of_grad": lambda f: ad.jacfwd(ad.grad(f))(X0),
    "jacrev": lambda f: ad.jacrev(f)(X0),
}
VALUE_EXPECTED = {"grad": 4.2, "jvp": 4.2, "jacrev": 4.2}


@pytest.mark.parametrize(
    "f,api",
    [
        pytest.param(f, a, id=f"{f.__name__}-{a}")
        for f in (p_print_value_lambda, p_print_value_helper)
        for a in VALUE_APIS
    ],
)
def test_lambda_called_for_value_prints_once(f, api):
    _, p_out, *_ = observe(lambda: f(X0))
    r, out, *_ = observe(lambda: VALUE_APIS[api](f))
    assert r == pytest.approx(VALUE_EXPECTED.get(api, 6.0), rel=1e-14)
    assert out == p_out == "y 0.48999999999999994\n"


# (refused until session 54: 'no derivative rule for `print`')
def test_print_or_value_lambda():
    _, p_out, *_ = observe(lambda: p_print_or_value(X0))
    r, out, *_ = observe(lambda: ad.grad(p_print_or_value)(X0))
    assert r == pytest.approx(1.2352660020541701, rel=1e-14)
    assert out == p_out


# ---- jacrev and the auto Jacobian run a lambda's effect twice: a step counter

COUNTER_APIS = {
    "grad": lambda f: ad.grad(f)(X0),
    "jacfwd": lambda f: ad.jacfwd(f)(X0),
    "jacrev": lambda f: ad.jacrev(f)(X0),
    "jacobian_auto": lambda f: ad.jacobian(f)(X0),
    "jacobian_reverse": lambda f: ad.jacobian(f, mode="reverse")(X0),
}


# (jacrev and the Jacobians reading it bumped the counter twice until session 53)
@pytest.mark.parametrize("api", list(COUNTER_APIS))
def test_counter_lambda_jacobians(api):
    reset()
    assert COUNTER_APIS[api](p_step_unread) == pytest.approx(2.8, rel=1e-14)
    assert STATE.step == 1


# ---- a structured (dict) argument: second order runs a lambda's print twice


def p_dict_lambda(p, x):
    y = np.tanh(p["w"] * x)
    show = lambda v: print("h", float(np.sum(v)))  # noqa: E731
    show(y)
    return np.sum(y**2)


def p_dict_statement(p, x):
    y = np.tanh(p["w"] * x)
    print("h", float(np.sum(y)))
    return np.sum(y**2)


XV = np.array([0.5, -0.3])
H_DICT = np.array([[0.38542703, 0.0], [0.0, 0.1742344]])

DICT_APIS = {
    "grad": lambda f: ad.grad(f)({"w": XV}, XV)["w"],
    "hessian_wrt_x": lambda f: np.diag(ad.hessian(f, wrt=1)({"w": XV}, XV)),
    "hessian": lambda f: np.diag(ad.hessian(f)({"w": XV}, XV)["w"]["w"]),
    "hvp": lambda f: ad.hvp(f, ({"w": XV}, XV), ({"w": np.ones(2)}, None))[1]["w"],
    "jacfwd_of_grad": lambda f: np.diag(ad.jacfwd(ad.grad(f))({"w": XV}, XV)["w"]["w"]),
}
DICT_EXPECTED = {
    "grad": [0.23022718, -0.05342079],
    "hessian_wrt_x": [0.38542703, 0.1742344],
    "hessian": [0.38542703, 0.1742344],
    "hvp": [0.38542703, 0.1742344],
    "jacfwd_of_grad": [0.38542703, 0.1742344],
}


@pytest.mark.parametrize(
    "f,api",
    [
        pytest.param(f, a, id=f"{f.__name__}-{a}")
        for f in (p_dict_lambda, p_dict_statement)
        for a in DICT_APIS
    ],
)
def test_dict_argument_lambda_prints_once(f, api):
    _, p_out, *_ = observe(lambda: f({"w": XV}, XV))
    r, out, *_ = observe(lambda: DICT_APIS[api](f))
    np.testing.assert_allclose(r, DICT_EXPECTED[api], rtol=1e-7)
    assert out == p_out == "h 0.33467644715086925\n"


# ---- jit=True: the first call prints a lambda's line twice


def p_jit_lambda(x):
    y = np.sin(x) * x
    show = lambda v: print("loss", v)  # noqa: E731
    show(y)
    return y * y


def p_jit_statement(x):
    y = np.sin(x) * x
    print("loss", y)
    return y * y


@pytest.mark.parametrize(
    "f",
    [
        p_jit_lambda,  # (its first call printed twice until session 53)
        p_jit_statement,
    ],
    ids=lambda f: f.__name__,
)
def test_jit_first_call_prints_once(f):
    pytest.importorskip("numba")
    _, p_out, *_ = observe(lambda: f(X0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = ad.grad(f, jit=True)
        outs = [observe(lambda: g(X0)) for _ in range(2)]
    for r, out, *_ in outs:
        assert r == pytest.approx(1.0638933676641766, rel=1e-12)
        assert out == p_out


# ---- a scheduler lambda changing a module object's attribute the function reads

SCHED = types.SimpleNamespace(lr=0.5)


def decay_def():
    SCHED.lr = SCHED.lr * 0.5


def sched_lambda_once(w):
    decay = lambda: setattr(SCHED, "lr", SCHED.lr * 0.5)  # noqa: E731
    w = w - SCHED.lr * np.sin(w)
    decay()
    w = w - SCHED.lr * np.sin(w)
    return w * w


def sched_def_once(w):
    w = w - SCHED.lr * np.sin(w)
    decay_def()
    w = w - SCHED.lr * np.sin(w)
    return w * w


def sched_lambda_loop(w):
    decay = lambda: setattr(SCHED, "lr", SCHED.lr * 0.5)  # noqa: E731
    for _ in range(3):
        w = w - SCHED.lr * np.sin(w)
        decay()
    return w * w


def sched_def_loop(w):
    for _ in range(3):
        w = w - SCHED.lr * np.sin(w)
        decay_def()
    return w * w


SCHED_APIS = {
    "grad": lambda f: ad.grad(f)(X0),
    "grad_forward": lambda f: ad.grad(f, mode="forward")(X0),
    "vjp": lambda f: ad.vjp(f, X0)[1](1.0)[0],
    "jacrev": lambda f: ad.jacrev(f)(X0),
    "hessian": lambda f: ad.hessian(f)(X0),
}
# central differences of the plain call (second: of forward-mode gradients), and SCHED.lr after
SCHED_EXPECTED = {
    "once": (0.2708412977781016, 0.6108597753434752, 0.25),
    "loop": (0.20896678988580053, 0.47660594980347687, 0.0625),
}


def _sched_params():
    out = []
    for kind, (fl, fd) in {
        "once": (sched_lambda_once, sched_def_once),
        "loop": (sched_lambda_loop, sched_def_loop),
    }.items():
        # (the lambda's Hessian gave 1.2787013499856554 and 1.8179096229816771, compounding
        # the decay, until session 52 refused it; right since session 53)
        for api in SCHED_APIS:
            out.append(pytest.param(fl, kind, api, id=f"{fl.__name__}-{api}"))
            out.append(pytest.param(fd, kind, api, id=f"{fd.__name__}-{api}"))
    return out


@pytest.mark.parametrize("f,kind,api", _sched_params())
def test_scheduler_lambda(f, kind, api):
    d1, d2, lr = SCHED_EXPECTED[kind]
    SCHED.lr = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = SCHED_APIS[api](f)
    assert r == pytest.approx(d2 if api == "hessian" else d1, rel=1e-7)
    assert SCHED.lr == lr


# the same schedule kept in a module dict, changed by a lambda

HSCHED = {"lr": 0.5}


def hsched_dunder(w):
    decay = lambda: HSCHED.__setitem__("lr", HSCHED["lr"] * 0.5)  # noqa: E731
    w = w - HSCHED["lr"] * np.sin(w)
    decay()
    w = w - HSCHED["lr"] * np.sin(w)
    return w * w


def hsched_operator(w):
    decay = lambda: operator.setitem(HSCHED, "lr", HSCHED["lr"] * 0.5)  # noqa: E731
    w = w - HSCHED["lr"] * np.sin(w)
    decay()
    w = w - HSCHED["lr"] * np.sin(w)
    return w * w


@pytest.mark.parametrize(
    "f,api",
    [
        # (the Hessian gave 1.2190074972576919 and 0.9799146156121188, silently, until
        # session 53)
        pytest.param(f, a, id=f"{f.__name__}-{a}")
        for f in (hsched_dunder, hsched_operator)
        for a in ("grad", "grad_forward", "hessian")
    ],
)
def test_dict_scheduler_lambda(f, api):
    HSCHED["lr"] = 0.5
    r = SCHED_APIS[api](f)
    want = 0.6108597753434752 if api == "hessian" else 0.2708412977781016
    assert r == pytest.approx(want, rel=1e-7)
    assert HSCHED["lr"] == 0.25


# ---------------------------------------------------------------- part 2: refusals


def r_lambda_setattr_read(x):
    y = x * x
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    rec(y)
    return STATE.last * x


def r_helper_read(x):
    y = np.sin(x)
    store_last(y)
    return STATE.last + x


def r_lambda_append_read(x):
    y = x * 2.0
    keep = lambda v: LOG.append(v)  # noqa: E731
    keep(y)
    return LOG[-1] * x


def r_method_read(x):
    y = x**2
    REC.record(y)
    return REC.last * 3.0


def r_loop_next_iteration(x):
    acc = 0.0
    for _ in range(3):
        acc = acc + STATE.last * 0.5 + x
        store_last(acc)
    return acc


def r_cache_key(x):
    y = x * 3.0
    cache_y(y)
    return HIST["y"] + x


def r_lambda_dunder_setitem(x):
    y = x * x
    f = lambda v: HIST.__setitem__("y", v)  # noqa: E731
    f(y)
    return HIST["y"] + x


def r_lambda_default_obj(x):
    y = x * x
    rec = lambda v, obj=STATE: setattr(obj, "last", v)  # noqa: E731
    rec(y)
    return STATE.last + x


def r_lambda_object_arg(x):
    y = x * x
    rec = lambda o, v: setattr(o, "last", v)  # noqa: E731
    rec(STATE, y)
    return STATE.last + x


def r_lambda_print_or_setattr(x):
    y = x * x
    rec = lambda v: print("y", v) or setattr(STATE, "last", v)  # noqa: E731
    rec(y)
    return STATE.last + x


def r_lambda_in_while(x):
    i = 0
    acc = x
    while i < 3:
        acc = acc + STATE.last
        rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
        rec(acc * 0.5)
        i += 1
    return acc


def r_getattr_read(x):
    y = x * x
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    rec(y)
    return getattr(STATE, "last") + x  # noqa: B009


def r_tuple_unpack_lambda(x):
    y = x * x
    rec = lambda v: (setattr(STATE, "last", v), LOG.append(1))  # noqa: E731
    rec(y)
    return STATE.last + x


REFUSED = [
    r_lambda_setattr_read,
    r_helper_read,
    r_lambda_append_read,
    r_method_read,
    r_loop_next_iteration,
    r_cache_key,
    r_lambda_dunder_setitem,
    r_lambda_default_obj,
    r_lambda_object_arg,
    r_lambda_print_or_setattr,
    r_lambda_in_while,
    r_getattr_read,
    r_tuple_unpack_lambda,
]

REFUSE_APIS = {
    "grad": lambda f: ad.grad(f)(X0),
    "grad_forward": lambda f: ad.grad(f, mode="forward")(X0),
    "jvp": lambda f: ad.jvp(f, (X0,), (1.0,)),
    "vjp": lambda f: ad.vjp(f, X0),
    "hessian": lambda f: ad.hessian(f)(X0),
    "jacrev": lambda f: ad.jacrev(f)(X0),
}


@pytest.mark.parametrize("api", list(REFUSE_APIS))
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_store_read_back_refused(f, api):
    reset()
    with (
        contextlib.redirect_stdout(io.StringIO()),
        pytest.raises(UnsupportedSyntaxError) as ei,
    ):
        REFUSE_APIS[api](f)
    assert __file__ in str(ei.value) or "test_lambda_effects_independent" in str(ei.value)


# ---- must not be refused: differentiated exactly


def a_other_attr(x):
    y = x * x
    store_last(y)
    return y * STATE.scale


def a_helper_len(x):
    y = x * x
    log_only(y)
    return y * len(LOG)


def a_stored_comparison(x):
    y = x * x
    store_conv(y)
    if STATE.conv:
        return y * 2.0
    return y


def a_prev(x):
    prev = STATE.last
    y = x * x
    store_last(y)
    return y + prev


def a_log_only(x):
    y = x * x
    log_only(y)
    return np.sin(y)


def a_lambda_prev(x):
    prev = STATE.last
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    y = np.exp(x)
    rec(y)
    return y * 2.0 + prev


def a_lambda_other_attr(x):
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    y = np.exp(x)
    rec(y)
    return y * STATE.scale


def a_cache_other_key(x):
    y = x * 3.0
    cache_y(y)
    return y * HIST["lr"]


def a_lambda_stored_comparison(x):
    y = x * x
    mark = lambda v: setattr(STATE, "conv", bool(v < 1.0))  # noqa: E731
    mark(y)
    if STATE.conv:
        return y * 3.0
    return y


def a_lambda_dict_list_len(x):
    y = np.sin(x) * x
    rec = lambda v: HIST["loss"].append(v)  # noqa: E731
    rec(y)
    return y * len(HIST["loss"])


def a_train_recorder(w):
    total = 0.0
    rec = lambda i, v: LOG.append((i, float(v)))  # noqa: E731
    show = lambda i: print("epoch", i, "done")  # noqa: E731
    for i in range(3):
        loss = np.sum((w - 0.5 * i) ** 2)
        rec(i, loss)
        show(i)
        total = total + loss * STATE.scale
    return total


ACCEPTED = [
    a_other_attr,
    a_helper_len,
    a_stored_comparison,
    a_prev,
    a_log_only,
    a_lambda_prev,
    a_lambda_other_attr,
    a_cache_other_key,
    a_lambda_stored_comparison,
    a_lambda_dict_list_len,
]


def _state():
    return (repr(STATE.last), repr(STATE.step), repr(LOG), repr(HIST), REC.count)


def _check_exact(f):
    with contextlib.redirect_stdout(io.StringIO()):
        reset()
        v_plain = f(X0)
        st_plain = _state()
        reset()
        ad.grad(f)(X0)
        assert _state() == st_plain
        fd = _fd(f, X0)
        fd2 = (_fd(f, X0 + 1e-4) - _fd(f, X0 - 1e-4)) / 2e-4
        reset()
        v, g = ad.value_and_grad(f)(X0)
        reset()
        gf = ad.grad(f, mode="forward")(X0)
        reset()
        hs = ad.hessian(f)(X0)
    assert v == pytest.approx(v_plain, rel=1e-14)
    assert g == pytest.approx(fd, rel=1e-6, abs=1e-8)
    assert gf == pytest.approx(g, rel=1e-12)
    assert hs == pytest.approx(fd2, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("f", ACCEPTED, ids=lambda f: f.__name__)
def test_not_refused_and_exact(f):
    _check_exact(f)


# ---- wrong refusals


def w_method_other_attr(x):
    y = x**2
    REC.record(y)
    return y * REC.count


def w_lambda_append_len(x):
    y = x * x
    keep = lambda v: LOG.append(v)  # noqa: E731
    keep(y)
    return y * len(LOG)


def w_lambda_setitem_other_key(x):
    y = x * x
    rec = lambda v: HIST.__setitem__("y", v)  # noqa: E731
    rec(y)
    return y * (len(HIST["loss"]) + 1.0)


def w_lambda_append_loop(w):
    total = 0.0
    rec = lambda v: LOG.append(v)  # noqa: E731
    for i in range(3):
        loss = (w - 0.5 * i) ** 2
        rec(loss)
        total = total + loss
    return total


def w_lambda_setattr_loop(w):
    total = 0.0
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    for i in range(3):
        loss = (w - 0.5 * i) ** 2
        rec(loss)
        total = total + loss
    return total


def w_lambda_dict_list_loop(w):
    total = 0.0
    rec = lambda v: HIST["loss"].append(v)  # noqa: E731
    for i in range(3):
        loss = (w - 0.5 * i) ** 2
        rec(loss)
        total = total + loss
    return total


def w_lambda_immediate_loop(w):
    total = 0.0
    for i in range(3):
        loss = (w - 0.5 * i) ** 2
        (lambda v: LOG.append(v))(loss)
        total = total + loss
    return total


def w_lambda_append_twice(w):
    rec = lambda v: LOG.append(v)  # noqa: E731
    loss = (w - 0.5) ** 2
    rec(loss)
    loss2 = loss * 3.0
    rec(loss2)
    return loss2


def inline_append_loop(w):
    total = 0.0
    for i in range(3):
        loss = (w - 0.5 * i) ** 2
        LOG.append(loss)
        total = total + loss
    return total


def helper_append_loop(w):
    total = 0.0
    for i in range(3):
        loss = (w - 0.5 * i) ** 2
        log_only(loss)
        total = total + loss
    return total


def helper_append_twice(w):
    loss = (w - 0.5) ** 2
    log_only(loss)
    loss2 = loss * 3.0
    log_only(loss2)
    return loss2


@pytest.mark.parametrize(
    "f",
    [inline_append_loop, helper_append_loop, helper_append_twice],
    ids=lambda f: f.__name__,
)
def test_logging_store_twice_not_refused(f):
    _check_exact(f)


TWICE = (
    "a lambda storing a value (read back by no one) called more than once is refused as "
    "read back at the lambda's own line ('`{store}` of a value that carries a derivative "
    "into `{obj}`, where the function reads it back (line of the lambda)'); the same "
    "store written inline or in a def helper is accepted; expected grad 1.2, hessian 6.0 "
    "at w = 0.7, and {effect} after the call"
)


def w_identity_test_after_store(x):
    y = x * x
    store_last(y)
    return y * 2.0 + (0.0 if STATE.last is None else 1.0)


def a_lambda_identity_test_after_store(x):
    y = x * x
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    rec(y)
    return y * 2.0 + (0.0 if STATE.last is None else 1.0)


def a_old_value_forms(x):
    st = STATE
    prev = st.last
    before = LOG[-1] if LOG else 0.5
    snap = dict(HIST)
    y = x * x
    store_last(y)
    log_only(y)
    cache_y(y)
    return y + prev + before + snap["y"]


@pytest.mark.parametrize(
    "f", [a_lambda_identity_test_after_store, a_old_value_forms], ids=lambda f: f.__name__
)
def test_more_not_refused(f):
    _check_exact(f)


# (w_lambda_append_len, `len(LOG)` after a lambda's append: refused until session 56)
WRONG_REFUSALS: dict = {}


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=r), id=f.__name__)
        for f, r in WRONG_REFUSALS.items()
    ],
)
def test_wrong_refusals(f):
    _check_exact(f)


def test_length_after_lambda_append_exact():
    _check_exact(w_lambda_append_len)


# ---- stores read back, neither refused nor right: silently wrong derivatives


def s_lambda_operator_setitem(x):
    y = x * x
    f = lambda v: operator.setitem(HIST, "y", v)  # noqa: E731
    f(y)
    return HIST["y"] + x


def s_lambda_dict_update(x):
    y = x * x
    rec = lambda v: STATE.__dict__.update(last=v)  # noqa: E731
    rec(y)
    return STATE.last + x


def s_helper_vars_item(x):
    y = x * x
    set_vars_item(y)
    return STATE.last + x


def s_lambda_dunder_setattr_loop(x):
    acc = x
    for _ in range(3):
        acc = np.sin(acc) + x
        (lambda v: STATE.__setattr__("last", v))(acc)
    return acc + STATE.last


def s_lambda_calls_helper_with_object(x):
    y = x * x
    rec = lambda v: store_into(STATE, v)  # noqa: E731
    rec(y)
    return STATE.last + x


def s_lambda_object_setattr(x):
    y = x * x
    rec = lambda v: object.__setattr__(STATE, "last", v)  # noqa: E731
    rec(y)
    return STATE.last + x


def s_lambda_dict_dunder_setitem(x):
    y = x * x
    rec = lambda v: STATE.__dict__.__setitem__("last", v)  # noqa: E731
    rec(y)
    return STATE.last + x


def helper_object_given(x):
    y = x * x
    store_into(STATE, y)
    return STATE.last + x


def helper_object_setattr(x):
    y = x * x
    obj_set(y)
    return STATE.last + x


@pytest.mark.parametrize(
    "f", [helper_object_given, helper_object_setattr], ids=lambda f: f.__name__
)
def test_def_helper_forms_refused(f):
    reset()
    with pytest.raises(UnsupportedSyntaxError):
        ad.grad(f)(X0)


def a_lambda_calls_helper_other_attr(x):
    y = x * x
    rec = lambda v: store_into(STATE, v)  # noqa: E731
    rec(y)
    return y * STATE.scale


def test_lambda_calling_helper_other_attr_exact():
    _check_exact(a_lambda_calls_helper_other_attr)


def get_last():
    return STATE.last


def s_lambda_store_getter_read(x):
    y = x * x
    rec = lambda v: setattr(STATE, "last", v)  # noqa: E731
    rec(y)
    return get_last() + x


def helper_store_getter_read(x):
    y = x * x
    store_last(y)
    return get_last() + x


def test_helper_store_getter_read_refused():
    reset()
    with pytest.raises(UnsupportedSyntaxError):
        ad.grad(helper_store_getter_read)(X0)


SILENT = {
    s_lambda_dict_dunder_setitem: (
        "rec = lambda v: STATE.__dict__.__setitem__('last', v); then STATE.last + x: grad "
        "1.0, hessian 0.0 (expected 2.4, 2.0), not refused"
    ),
    s_lambda_dict_update: (
        "lambda v: STATE.__dict__.update(last=v), then STATE.last + x: grad 1.0, hessian "
        "0.0 (expected 2.4, 2.0), not refused (vars(P).update and P.__dict__ are followed)"
    ),
    s_helper_vars_item: (
        "helper vars(STATE)['last'] = v, then STATE.last + x: grad 1.0, hessian 0.0 "
        "(expected 2.4, 2.0), not refused"
    ),
    s_lambda_dunder_setattr_loop: (
        "(lambda v: STATE.__setattr__('last', v))(acc) in a loop, then acc + STATE.last: "
        "grad 0.8555234889251251 (central difference 1.7110469778813808: STATE.last's "
        "derivative dropped), not refused"
    ),
}


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=r), id=f.__name__)
        for f, r in SILENT.items()
    ],
)
def test_silent_store_read_back_refused_or_right(f):
    reset()
    try:
        g = ad.grad(f)(X0)
    except UnsupportedSyntaxError:
        return
    reset()
    assert g == pytest.approx(_fd(f, X0), rel=1e-6)
