# ruff: noqa: SIM108, B007, RUF005  (programs written as people write them)
"""Independent tester 128: attribute reads after helpers that set attributes.

Each program calls a helper of its own for its effect (setting an attribute of an
object passed in, of a module's object, of a class), then reads attributes again.
Checked: value == plain call (module state reset before every call), grad vs central
differences, reverse vs forward grad, jvp vs central differences, hessian vs jacfwd(grad).
"""

import dataclasses
import inspect
import types

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------- module state


class Config:
    scale = 1.0  # class attribute, read through instances

    def __init__(self):
        self.flag = True


@dataclasses.dataclass
class Opt:
    lr: float = 0.1
    step: int = 0


@dataclasses.dataclass
class Model:
    w: float = 1.5
    cfg: object = None


CFG = types.SimpleNamespace(scale=1.0, train=True, temp=1.0)
OPT = Opt()
STATE = types.SimpleNamespace(step=0, n=0, flag=False)
SCHED = Opt(lr=0.5)
INST = Config()
MODEL = Model(w=1.5, cfg=types.SimpleNamespace(temp=2.0))


class Scaler:
    def __init__(self):
        self.scale = 1.0

    def bump(self, v):
        self.scale = v


SCALER = Scaler()


def reset():
    CFG.scale, CFG.train, CFG.temp = 1.0, True, 1.0
    OPT.lr, OPT.step = 0.1, 0
    STATE.step, STATE.n, STATE.flag = 0, 0, False
    SCHED.lr, SCHED.step = 0.5, 0
    Config.scale = 1.0
    INST.flag = True
    MODEL.w = 1.5
    MODEL.cfg.temp = 2.0
    SCALER.scale = 1.0


# ---------------------------------------------------------------- helpers


def set_scale(obj, v):
    obj.scale = v


def set_train(obj, flag):
    obj.train = flag


def decay(opt):
    opt.lr = opt.lr * 0.5


def tick(state):
    state.step += 1


def inc_n(state):
    state.n = state.n + 1


def set_class_scale(v):
    Config.scale = v


def warm(model):
    model.cfg.temp = model.cfg.temp * 3.0


def outer_helper(obj):
    set_scale(obj, 4.0)


def setattr_helper(obj, name, v):
    setattr(obj, name, v)


def record(state, v):
    state.n += 1
    if v > 1e6:
        state.flag = True


def record_float(state, v):
    state.n = state.n + 2


class State:
    def __init__(self, w):
        self.w = w


def double(s):
    s.w = s.w * 2.0


# ---------------------------------------------------------------- programs


def p_arg_ns(x, cfg):
    a = np.sum(x * cfg.scale)
    set_scale(cfg, 3.0)
    return a * np.sum(x * cfg.scale)


def p_module_flag(x):
    a = np.sum(np.sin(x))
    set_train(CFG, False)
    if CFG.train:
        return a * 2.0
    return a * np.sum(x * x)


def p_module_flag_before_after(x):
    b = 0.0
    if CFG.train:
        b = np.sum(x)
    set_train(CFG, False)
    if CFG.train:
        b = b + 100.0 * np.sum(x)
    else:
        b = b * np.sum(np.cos(x))
    return b


def p_sched_module(x):
    total = 0.0
    for _ in range(3):
        total = total + np.sum(np.tanh(x * OPT.lr))
        decay(OPT)
    return total * OPT.lr


def p_sched_arg(x, opt):
    y = x
    for _ in range(3):
        y = y - opt.lr * 2.0 * y
        decay(opt)
    return np.sum(y * y) + opt.lr * np.sum(x)


def p_counter(x):
    acc = 0.0
    for i in range(4):
        tick(STATE)
        acc = acc + STATE.step * np.sum(x**2)
    return acc


def p_counter_arg(x, state):
    tick(state)
    tick(state)
    return np.sum(x) * state.step**2


def p_alias(x, cfg):
    c = cfg
    a = np.sum(x) * c.scale
    set_scale(cfg, 2.5)
    return a * c.scale + np.sum(x * x) * cfg.scale


def p_alias_module(x):
    c = CFG
    a = np.sum(np.exp(x)) * c.scale
    set_scale(CFG, 0.5)
    return a * c.scale


def p_class_attr(x):
    a = np.sum(x) * INST.scale
    set_class_scale(3.0)
    return a * INST.scale * np.sum(x)


def p_class_attr_direct(x):
    a = np.sum(x * Config.scale)
    set_class_scale(0.25)
    return a * Config.scale + np.sum(np.sin(x)) * INST.scale


def p_nested(x):
    t0 = MODEL.cfg.temp
    warm(MODEL)
    return np.sum(np.tanh(x / MODEL.cfg.temp)) * t0 * MODEL.w


def p_nested_helper(x, cfg):
    outer_helper(cfg)
    return np.sum(x**3) * cfg.scale


def p_setattr(x):
    a = np.sum(x) * CFG.temp
    setattr_helper(CFG, "temp", 7.0)
    return a * np.sum(x) / CFG.temp


def p_method_module(x):
    a = np.sum(x * SCALER.scale)
    SCALER.bump(2.0)
    return a * np.sum(x * SCALER.scale)


def p_dataclass_arg(x, opt):
    tick(opt)
    decay(opt)
    return np.sum(np.sin(x)) * opt.lr + opt.step * np.sum(x * x)


def p_float_beside(x, state):
    v = np.sum(x * x)
    record(state, v)
    return v * state.n


def p_float_beside_module(x):
    v = np.sum(np.exp(x))
    record_float(STATE, v)
    return v * STATE.n + np.sum(x) * STATE.n


def p_branch_in_loop(x):
    y = x
    for i in range(3):
        if CFG.train:
            y = np.sin(y)
        else:
            y = y * 1.1
        if i == 0:
            set_train(CFG, False)
    return np.sum(y * y)


def p_made_object(x):
    s = State(x * x)
    double(s)
    return np.sum(s.w)


def p_made_object_ns(x):
    s = State(np.sin(x))
    decay_like = s
    double(decay_like)
    return np.sum(s.w)


# ---------------------------------------------------------------- cases


def ns():
    return types.SimpleNamespace(scale=1.0, train=True, temp=1.0)


X = np.array([0.3, -0.7, 1.1])

CASES = {
    "arg_ns": (p_arg_ns, lambda: (X.copy(), ns())),
    "module_flag": (p_module_flag, lambda: (X.copy(),)),
    "module_flag_before_after": (p_module_flag_before_after, lambda: (X.copy(),)),
    "sched_module": (p_sched_module, lambda: (X.copy(),)),
    "sched_arg": (p_sched_arg, lambda: (X.copy(), Opt(lr=0.2))),
    "counter": (p_counter, lambda: (X.copy(),)),
    "counter_arg": (p_counter_arg, lambda: (X.copy(), types.SimpleNamespace(step=1))),
    "alias": (p_alias, lambda: (X.copy(), ns())),
    "alias_module": (p_alias_module, lambda: (X.copy(),)),
    "class_attr": (p_class_attr, lambda: (X.copy(),)),
    "class_attr_direct": (p_class_attr_direct, lambda: (X.copy(),)),
    "nested": (p_nested, lambda: (X.copy(),)),
    "nested_helper": (p_nested_helper, lambda: (X.copy(), ns())),
    "setattr": (p_setattr, lambda: (X.copy(),)),
    "method_module": (p_method_module, lambda: (X.copy(),)),
    "dataclass_arg": (p_dataclass_arg, lambda: (X.copy(), Opt(lr=0.4, step=2))),
    "float_beside": (p_float_beside, lambda: (X.copy(), types.SimpleNamespace(n=0, flag=False))),
    "float_beside_module": (p_float_beside_module, lambda: (X.copy(),)),
    "branch_in_loop": (p_branch_in_loop, lambda: (X.copy(),)),
}

# (fixed: a helper's builtin setattr(obj, name, v) on a module object, whose attribute the
# reverse sweep read again after it, and an alias of a made object given to an updating helper,
# not refused: both gave wrong derivatives silently)
XFAIL: dict = {}


def params(test):
    out = []
    for name in CASES:
        if (test, name) in XFAIL:
            reason = XFAIL[(test, name)]
            out.append(pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason)))
        else:
            out.append(name)
    return out


def plain(f, args):
    reset()
    return f(*args)


def fd_grad(f, make, h=1e-6):
    args = make()
    x = args[0]
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        a1 = make()
        a2 = make()
        g[i] = (plain(f, (x + e,) + a1[1:]) - plain(f, (x - e,) + a2[1:])) / (2 * h)
    return g


@pytest.mark.parametrize("name", params("value_and_grad"))
def test_value_and_grad(name):
    f, make = CASES[name]
    expected = plain(f, make())
    reset()
    v, g = ad.value_and_grad(f)(*make())
    assert np.allclose(v, expected, rtol=1e-12, atol=1e-12), (v, expected)
    assert np.allclose(g, fd_grad(f, make), rtol=1e-5, atol=1e-7), g


@pytest.mark.parametrize("name", params("forward_vs_reverse"))
def test_grad_forward_vs_reverse(name):
    f, make = CASES[name]
    reset()
    gr = ad.grad(f)(*make())
    reset()
    gf = ad.grad(f, mode="forward")(*make())
    assert np.allclose(gr, gf, rtol=1e-10, atol=1e-12), (gr, gf)
    assert np.allclose(gf, fd_grad(f, make), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", params("jvp"))
def test_jvp(name):
    f, make = CASES[name]
    t = np.array([0.2, -0.5, 0.9])
    args = make()
    expected_v = plain(f, make())
    expected_t = fd_grad(f, make) @ t
    reset()
    tangents = (t,) + tuple(None for _ in args[1:])
    v, jt = ad.jvp(f, args, tangents)
    assert np.allclose(v, expected_v, rtol=1e-12, atol=1e-12), (v, expected_v)
    assert np.allclose(jt, expected_t, rtol=1e-5, atol=1e-7), (jt, expected_t)


@pytest.mark.parametrize("name", params("hessian"))
def test_hessian(name):
    f, make = CASES[name]
    reset()
    H = ad.hessian(f)(*make())
    reset()
    J = ad.jacfwd(ad.grad(f))(*make())
    assert np.allclose(H, J, rtol=1e-9, atol=1e-10), (H, J)
    assert np.allclose(H, H.T, rtol=1e-8, atol=1e-10)
    # central differences of the plain-reset gradient
    h = 1e-5
    x = make()[0]
    fd = np.zeros((x.size, x.size))
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        reset()
        gp = ad.grad(f)(*((x + e,) + make()[1:]))
        reset()
        gm = ad.grad(f)(*((x - e,) + make()[1:]))
        fd[:, i] = (gp - gm) / (2 * h)
    assert np.allclose(H, fd, rtol=1e-4, atol=1e-6), (H, fd)


@pytest.mark.parametrize("name", params("state_after_call_matches_plain"))
def test_state_after_call_matches_plain(name):
    """The helper's effect on the objects is the plain call's, once per call."""
    f, make = CASES[name]
    a1 = make()
    plain(f, a1)
    snap_plain = (
        dict(vars(CFG)),
        dataclasses.asdict(OPT),
        dict(vars(STATE)),
        Config.scale,
        MODEL.cfg.temp,
        SCALER.scale,
        [dict(vars(a)) for a in a1[1:]],
    )
    reset()
    a2 = make()
    ad.grad(f)(*a2)
    snap_ad = (
        dict(vars(CFG)),
        dataclasses.asdict(OPT),
        dict(vars(STATE)),
        Config.scale,
        MODEL.cfg.temp,
        SCALER.scale,
        [dict(vars(a)) for a in a2[1:]],
    )
    assert snap_ad == snap_plain


# ---------------------------------------------------------------- refusals


def _line_of(f, text):
    src, start = inspect.getsourcelines(f)
    for k, line in enumerate(src):
        if text in line:
            return start + k
    raise AssertionError(text)


@pytest.mark.parametrize(
    "f, call",
    [
        (p_made_object, "double(s)"),
        (p_made_object_ns, "double(decay_like)"),
    ],
)
@pytest.mark.parametrize("api", ["grad", "forward", "jvp", "hessian"])
def test_made_object_updated_by_helper_refused(f, call, api):
    x = X.copy()
    with pytest.raises(Exception) as info:
        if api == "grad":
            ad.grad(f)(x)
        elif api == "forward":
            ad.grad(f, mode="forward")(x)
        elif api == "jvp":
            ad.jvp(f, (x,), (np.ones(3),))
        else:
            ad.hessian(f)(x)
    msg = str(info.value)
    assert "test_attribute_reads_after_helpers_independent.py" in msg, msg
    assert str(_line_of(f, call)) in msg, msg
