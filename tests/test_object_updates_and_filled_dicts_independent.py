# ruff: noqa: B007, B017, B023, RUF005, SIM108
"""Independent tests (127th tester) of helpers that set attributes of objects, dicts and lists
filled by item assignment in the arms of an `if`, `jit=True` first called where the compiled
code raises, and derivatives deferred into the arms of `if`s.

Written from the README alone. Every derivative is checked against central differences of the
plain call (module state reset before each call), the value against the plain call's, and
warnings against the plain call's."""

import math
import types
import warnings

import numpy as np
import pytest

import s2s_ad as ad

THIS_FILE = __file__


# ---------------------------------------------------------------------------------------------
# 1. helpers that set attributes
# ---------------------------------------------------------------------------------------------


class Cfg:
    def __init__(self):
        self.train = True
        self.scale = 2.0
        self.opt = Opt()


class Opt:
    def __init__(self, lr=0.5):
        self.lr = lr
        self.step = 0
        self.epoch = 0.0


class Sim:
    def __init__(self):
        self.t = 0.0
        self.dt = 0.25
        self.k = 1.5

    def advance(self):
        self.t = self.t + self.dt


SETTINGS = types.SimpleNamespace(train=True, scale=2.0, mode="fit")


class _State:
    def __init__(self):
        self.last = 0.0
        self.step = 0


STATE = _State()
SIM = Sim()


def reset_module_state():
    SETTINGS.train = True
    SETTINGS.scale = 2.0
    SETTINGS.mode = "fit"
    STATE.last = 0.0
    STATE.step = 0
    SIM.t = 0.0
    SIM.dt = 0.25
    SIM.k = 1.5
    Kind.kind = 1.0


def disable(cfg):
    cfg.train = False


def switch_off():
    SETTINGS.train = False


def switch_on():
    SETTINGS.train = True


def toggle():
    SETTINGS.train = not SETTINGS.train


def set_scale(cfg, s):
    cfg.scale = s


def set_global_scale(s):
    SETTINGS.scale = s


def decay(opt):
    opt.lr = opt.lr * 0.5


def scheduler_step(opt):
    opt.lr *= 0.9
    opt.epoch += 1.0


def tick(state):
    state.step += 1


def log_step():
    STATE.step = STATE.step + 1


def step(sim):
    sim.t = sim.t + sim.dt
    sim.k = sim.k * 0.8


def setattr_off(cfg):
    cfg.train = False


def dict_set(cfg):
    cfg.__dict__["scale"] = 3.0


def nested_set(cfg):
    cfg.opt.lr = 0.125


def outer_disable(cfg):
    disable(cfg)


def eval_mode():
    switch_off()


def gain():
    return SETTINGS.scale


def scaled(x, cfg):
    return x * cfg.scale


class Prop:
    def __init__(self):
        self._lr = 1.0

    @property
    def lr(self):
        return self._lr

    @lr.setter
    def lr(self, v):
        self._lr = v * 2.0


def set_lr(p, v):
    p.lr = v


class Kind:
    kind = 1.0


def class_attr_set(k):
    type(k).kind = 4.0


def set_kind_class():
    Kind.kind = 3.0


def record(v):
    STATE.last = v


def record_into(s, v):
    s.last = v


# --- programs: x is differentiated, the rest held fixed -----------------------------------


def p_disable_local(x):
    cfg = Cfg()
    a = x * cfg.scale
    disable(cfg)
    if cfg.train:
        return np.sum(a * a)
    return np.sum(np.sin(a) * x)


def p_disable_arg(x, cfg):
    a = np.sum(np.tanh(x) * cfg.scale)
    disable(cfg)
    if cfg.train:
        return a * a
    return a * 3.0 + np.sum(x * x)


def p_switch_off_in_branch(x):
    y = np.sum(x * x)
    if SETTINGS.train:
        switch_off()
        out = y * 3.0
    else:
        out = y * 5.0
    if SETTINGS.train:
        out = out * np.sum(x)
    else:
        out = out + np.sum(np.cos(x))
    return out


def p_ternary_global(x):
    y = np.sum(np.exp(x))
    out = y * 2.0 if SETTINGS.train else y * 7.0
    switch_off()
    return out + (y if SETTINGS.train else np.sqrt(y))


def p_toggles(x):
    s = np.sum(np.exp(x))
    toggle()
    a = s * 2.0 if SETTINGS.train else np.log(s)
    toggle()
    b = s * 3.0 if SETTINGS.train else np.log(s)
    return a + b


def p_toggle_in_loop(x):
    y = x
    for i in range(4):
        toggle()
        if SETTINGS.train:
            y = np.sin(y) + y
        else:
            y = y * y * 0.5
    return np.sum(y)


def p_ternary_toggle_in_loop(x):
    y = x
    for i in range(3):
        toggle()
        y = np.cos(y) * 2.0 if SETTINGS.train else y * 1.5
    return np.sum(y * y)


def p_loop_decay(x, opt):
    y = x
    for i in range(3):
        decay(opt)
        y = np.sin(y) * opt.lr + y
    return np.sum(y * y)


def p_scheduler(w, opt, data):
    loss = 0.0
    for epoch in range(3):
        loss = loss + np.sum((w * data - 1.0) ** 2) * opt.lr + opt.epoch * np.sum(w)
        scheduler_step(opt)
    return loss


def p_loop_tick(x, opt):
    y = x
    for i in range(3):
        tick(opt)
        y = y * opt.step + np.cos(y)
    return np.sum(y)


def p_logger_global(x):
    loss = 0.0
    for i in range(3):
        log_step()
        loss = loss + np.sum(np.sin(x * STATE.step))
    return loss


def p_sim_steps(x, sim):
    e = 0.0
    for i in range(4):
        step(sim)
        e = e + np.sum(np.sin(x * sim.t) * sim.k)
    return e


def p_sim_method_global(x):
    e = 0.0
    for i in range(3):
        SIM.advance()
        e = e + np.sum(np.cos(x + SIM.t))
    return e


def p_setattr(x, cfg):
    a = np.sum(np.sin(x))
    setattr_off(cfg)
    if cfg.train:
        return a * 2.0
    return a * a


def p_dict_set(x, cfg):
    a = np.sum(x * cfg.scale)
    dict_set(cfg)
    return a * cfg.scale


def p_nested_attr(x, cfg):
    a = np.sum(x * x) * cfg.opt.lr
    nested_set(cfg)
    return a + np.sum(x) * cfg.opt.lr


def p_old_value_kept(x, cfg):
    t = cfg.scale
    set_scale(cfg, 7.0)
    return np.sum(x * x) * t + np.sum(x) * cfg.scale


def p_property_setter(x, p):
    a = np.sum(x * x) * p.lr
    set_lr(p, 0.25)
    return a + np.sum(x * x * x) * p.lr


def p_branch_effect(x, cfg):
    s = np.sum(x * x)
    if s > 1.0:
        set_scale(cfg, 4.0)
    return s * cfg.scale


def p_nested_helper(x, cfg):
    a = np.sum(np.exp(x))
    outer_disable(cfg)
    return a * 2.0 if cfg.train else a * a


def p_eval_mode_nested(x):
    a = np.sum(x**3)
    eval_mode()
    if SETTINGS.train:
        return a
    return a * np.sum(x)


def p_read_through_helper(x, cfg):
    a = np.sum(scaled(x, cfg))
    set_scale(cfg, 0.5)
    return a * np.sum(scaled(x, cfg))


def p_global_scale_via_getter(x):
    a = np.sum(x) * gain()
    set_global_scale(4.0)
    return a * np.sum(x * x) * gain()


def p_global_scale_direct(x):
    a = np.sum(np.sin(x)) * SETTINGS.scale
    set_global_scale(0.5)
    return a + np.sum(x * x) * SETTINGS.scale


def p_module_obj_passed(x):
    a = np.sum(x * x)
    disable(SETTINGS)
    return a * 2.0 if SETTINGS.train else a * np.sum(x)


def p_two_objects(x, c1, c2):
    a = np.sum(x * c1.scale) + np.sum(x * x * c2.scale)
    set_scale(c1, 3.0)
    set_scale(c2, 5.0)
    return a * c1.scale + np.sum(x) * c2.scale


def p_float_arg(x, cfg):
    a = math.sin(x) * cfg.scale
    set_scale(cfg, 3.0)
    disable(cfg)
    b = x * x * cfg.scale
    if cfg.train:
        return a
    return a + b


# --- found wrong: -------------------------------------------------------------------------


def p_alias_then_helper(x, cfg):
    c2 = cfg
    a = np.sum(x * x) * cfg.scale
    set_scale(c2, 5.0)
    return a + np.sum(x) * cfg.scale


def p_module_alias(x):
    s = SETTINGS
    a = np.sum(x * x) * s.scale
    set_global_scale(5.0)
    return a + np.sum(x) * s.scale


def p_class_attr_by_helper(x, k):
    a = np.sum(x * x) * k.kind
    class_attr_set(k)
    return a + np.sum(x) * k.kind


def p_module_class_attr(x):
    k = Kind()
    a = np.sum(x * x) * k.kind
    set_kind_class()
    return a + np.sum(x) * k.kind


def p_store_global(x):
    record(np.sum(x * x))
    return STATE.last * 3.0 + np.sum(x)


def p_store_local(x):
    s = _State()
    record_into(s, np.sum(x * x))
    return s.last * 3.0 + np.sum(x)


def maybe_off(cfg, v):
    if v > 1.0:
        cfg.train = False


def p_effect_given_float(x, cfg):
    s = np.sum(x * x)
    maybe_off(cfg, s)
    if cfg.train:
        return s * 2.0
    return np.sqrt(s)


def _args_none():
    return ()


X3 = np.array([0.3, -0.7, 1.1])
X2 = np.array([0.6, 1.2])

# name -> (function, x, make_rest)  (make_rest gives fresh held-fixed arguments each call)
PROGRAMS = {
    "disable_local": (p_disable_local, X3, _args_none),
    "disable_arg": (p_disable_arg, X3, lambda: (Cfg(),)),
    "switch_off_in_branch": (p_switch_off_in_branch, X3, _args_none),
    "ternary_global": (p_ternary_global, X3, _args_none),
    "toggles": (p_toggles, X3, _args_none),
    "toggle_in_loop": (p_toggle_in_loop, X3, _args_none),
    "ternary_toggle_in_loop": (p_ternary_toggle_in_loop, X3, _args_none),
    "loop_decay": (p_loop_decay, X3, lambda: (Opt(),)),
    "scheduler": (p_scheduler, X3, lambda: (Opt(), np.array([1.0, 2.0, -0.5]))),
    "loop_tick": (p_loop_tick, X3, lambda: (Opt(),)),
    "logger_global": (p_logger_global, X3, _args_none),
    "sim_steps": (p_sim_steps, X3, lambda: (Sim(),)),
    "sim_method_global": (p_sim_method_global, X3, _args_none),
    "setattr": (p_setattr, X3, lambda: (Cfg(),)),
    "dict_set": (p_dict_set, X3, lambda: (Cfg(),)),
    "nested_attr": (p_nested_attr, X3, lambda: (Cfg(),)),
    "old_value_kept": (p_old_value_kept, X3, lambda: (Cfg(),)),
    "property_setter": (p_property_setter, X3, lambda: (Prop(),)),
    "branch_effect_taken": (p_branch_effect, X3, lambda: (Cfg(),)),
    "branch_effect_not_taken": (p_branch_effect, X3 * 0.3, lambda: (Cfg(),)),
    "nested_helper": (p_nested_helper, X3, lambda: (Cfg(),)),
    "eval_mode_nested": (p_eval_mode_nested, X3, _args_none),
    "read_through_helper": (p_read_through_helper, X3, lambda: (Cfg(),)),
    "global_scale_via_getter": (p_global_scale_via_getter, X3, _args_none),
    "global_scale_direct": (p_global_scale_direct, X3, _args_none),
    "module_obj_passed": (p_module_obj_passed, X3, _args_none),
    "two_objects": (p_two_objects, X3, lambda: (Cfg(), Cfg())),
    "float_arg": (p_float_arg, 0.7, lambda: (Cfg(),)),
    "float32": (p_disable_arg, X3.astype(np.float32), lambda: (Cfg(),)),
    "float32_global": (p_global_scale_direct, X2.astype(np.float32), _args_none),
    "alias_then_helper": (p_alias_then_helper, X3, lambda: (Cfg(),)),
    "module_alias": (p_module_alias, X3, _args_none),
    "class_attr_by_helper": (p_class_attr_by_helper, X3, lambda: (type("K", (Kind,), {})(),)),
    "module_class_attr": (p_module_class_attr, X3, _args_none),
    "effect_given_float": (p_effect_given_float, X3, lambda: (Cfg(),)),
}

# which program is expected to fail, for which checks ("*" every check); (fixed: the alias,
# module-alias, class-attribute and module-class-attribute reads, stale after the helper's
# update, and the differentiated float refused as if updated in place; a helper storing a
# differentiated value that the function reads back (`store_global`, `store_local`) is
# refused now: REFUSALS)
KNOWN = {}

LOST_EFFECT = (
    "`vjp` of a function closing over `cfg` whose helper does `setattr(cfg, 'train', False)`: "
    "the value is right, but after the call `cfg.train` is still True where the plain call "
    "(and `grad`, `value_and_grad`, `jvp`, and `cfg.train = False` written directly) leave False"
)


def _param(name, check, extra=""):
    entry = KNOWN.get(name)
    ident = f"{name}-{extra}" if extra else name
    if entry and (entry[0] == "*" or entry[0] == check):
        return pytest.param(
            name, extra, id=ident, marks=pytest.mark.xfail(strict=True, reason=entry[1])
        )
    return pytest.param(name, extra, id=ident)


def _plain(f, x, make_rest):
    reset_module_state()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = f(x, *make_rest())
    return out, [str(m.message) for m in w]


def _central(f, x, make_rest, h=1e-6):
    def at(v):
        reset_module_state()
        return f(v, *make_rest())

    if not isinstance(x, np.ndarray):
        return (at(x + h) - at(x - h)) / (2 * h)
    x64 = x.astype(np.float64)
    g = np.zeros_like(x64)
    for i in range(x64.size):
        e = np.zeros_like(x64)
        e.flat[i] = h
        g.flat[i] = (float(at(x64 + e)) - float(at(x64 - e))) / (2 * h)
    return g


def _tol(x):
    if isinstance(x, np.ndarray) and x.dtype == np.float32:
        return dict(rtol=2e-4, atol=2e-4)
    return dict(rtol=1e-5, atol=1e-7)


def _unit(x, i):
    if not isinstance(x, np.ndarray):
        return 1.0
    e = np.zeros_like(x)
    e.flat[i] = 1
    return e


def _size(x):
    return x.size if isinstance(x, np.ndarray) else 1


def _bind(f, rest):
    """`f` with its held-fixed arguments bound, for `vjp` (which differentiates every argument)."""
    if len(rest) == 0:

        def bound0(v):
            return f(v)

        return bound0
    if len(rest) == 1:
        r0 = rest[0]

        def bound1(v):
            return f(v, r0)

        return bound1
    r0, r1 = rest

    def bound2(v):
        return f(v, r0, r1)

    return bound2


def _snapshot(v, depth=0):
    if depth > 3:
        return "..."
    if isinstance(v, np.ndarray):
        return ("array", v.tolist())
    if isinstance(v, (list, tuple)):
        return [_snapshot(a, depth + 1) for a in v]
    if hasattr(v, "__dict__") and not isinstance(v, type):
        return (type(v).__name__, {k: _snapshot(a, depth + 1) for k, a in sorted(vars(v).items())})
    return repr(v)


def _state(rest):
    return _snapshot([SETTINGS, STATE, SIM, Kind.kind, list(rest)])


def _run(api, f, x, make_rest):
    """The gradient of f with respect to x (held-fixed rest fresh each call) by `api`."""
    rest = make_rest()
    nfix = len(rest)
    if api == "grad":
        return ad.grad(f)(x, *rest)
    if api == "grad_forward":
        return ad.grad(f, mode="forward")(x, *rest)
    if api == "value_and_grad":
        return ad.value_and_grad(f)(x, *rest)[1]
    if api == "value_and_grad_forward":
        return ad.value_and_grad(f, mode="forward")(x, *rest)[1]
    if api == "jacfwd":
        return ad.jacfwd(f)(x, *rest)
    if api == "jacrev":
        return ad.jacrev(f)(x, *rest)
    if api == "jacobian":
        return ad.jacobian(f)(x, *rest)
    if api == "jit":
        return ad.grad(f, jit=True)(x, *rest)
    if api == "vjp":
        _, pb = ad.vjp(_bind(f, rest), x)
        return pb(1.0)[0]
    if api == "jvp":
        cols = []
        for i in range(_size(x)):
            reset_module_state()
            rest = make_rest()
            cols.append(ad.jvp(f, (x, *rest), (_unit(x, i),) + (None,) * nfix)[1])
        if not isinstance(x, np.ndarray):
            return cols[0]
        return np.array(cols).reshape(x.shape)
    raise AssertionError(api)


APIS = ["grad", "vjp", "jvp", "jit"]


@pytest.fixture(autouse=True)
def _clean_state():
    reset_module_state()
    yield
    reset_module_state()


@pytest.mark.parametrize(("name", "api"), [_param(n, "deriv", a) for n in PROGRAMS for a in APIS])
def test_attribute_helpers_derivative(name, api):
    f, x, make_rest = PROGRAMS[name]
    expected = _central(f, x, make_rest)
    reset_module_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # jit's "runs as NumPy code" is a log
        got = _run(api, f, x, make_rest)
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), expected, **_tol(x))
    if isinstance(x, np.ndarray):
        assert np.asarray(got).dtype == x.dtype
        assert np.shape(got) == x.shape


@pytest.mark.parametrize(
    ("name", "api"), [_param(n, "value", a) for n in PROGRAMS for a in ["value_and_grad", "vjp"]]
)
def test_attribute_helpers_value_and_state(name, api):
    """The value equals the plain call's, and the objects and module state after the call
    equal those after the plain call (the helper's effect happens once)."""
    f, x, make_rest = PROGRAMS[name]
    reset_module_state()
    rest = make_rest()
    plain = f(x, *rest)
    plain_state = _state(rest)
    reset_module_state()
    rest = make_rest()
    if api == "value_and_grad":
        value = ad.value_and_grad(f)(x, *rest)[0]
    elif api == "value_and_grad_forward":
        value = ad.value_and_grad(f, mode="forward")(x, *rest)[0]
    elif api == "jit":
        value = ad.value_and_grad(f, jit=True)(x, *rest)[0]
    elif api == "vjp":
        value = ad.vjp(_bind(f, rest), x)[0]
    else:
        value = ad.jvp(f, (x, *rest), (_unit(x, 0),) + (None,) * len(rest))[0]
    state = _state(rest)
    assert value == plain
    assert np.asarray(value).dtype == np.asarray(plain).dtype
    assert state == plain_state


HVP_TOO = {
    "toggle_in_loop",
    "loop_decay",
    "scheduler",
    "sim_steps",
    "property_setter",
    "float_arg",
    "switch_off_in_branch",
    "ternary_global",
}
HESSIAN_PROGRAMS = [
    "disable_local",
    "disable_arg",
    "switch_off_in_branch",
    "ternary_global",
    "toggles",
    "toggle_in_loop",
    "ternary_toggle_in_loop",
    "loop_decay",
    "scheduler",
    "loop_tick",
    "logger_global",
    "sim_steps",
    "setattr",
    "nested_attr",
    "old_value_kept",
    "property_setter",
    "branch_effect_taken",
    "nested_helper",
    "read_through_helper",
    "global_scale_via_getter",
    "global_scale_direct",
    "module_obj_passed",
    "float_arg",
    "alias_then_helper",
    "class_attr_by_helper",
]


@pytest.mark.parametrize(
    ("name", "api"),
    [
        _param(n, "deriv", a)
        for n in HESSIAN_PROGRAMS
        for a in (["hessian", "hvp"] if n in HVP_TOO else ["hessian"])
    ],
)
def test_attribute_helpers_second_order(name, api):
    """Hessians against central differences of the plain gradient's... of `grad` checked above:
    here against central differences of the plain call's gradient computed by `grad` at shifted
    points, and each API against `jacfwd(grad)`."""
    f, x, make_rest = PROGRAMS[name]

    def g_at(v):
        reset_module_state()
        return np.asarray(ad.grad(f)(v, *make_rest()), dtype=np.float64)

    h = 1e-5
    n = _size(x)
    cols = []
    for i in range(n):
        e = _unit(np.asarray(x, dtype=np.float64), i) * h if isinstance(x, np.ndarray) else h
        cols.append((g_at(x + e) - g_at(x - e)) / (2 * h))
    expected = (
        np.array(cols).reshape(np.shape(x) + np.shape(x)) if isinstance(x, np.ndarray) else cols[0]
    )
    # the gradient itself must be right for this to mean anything
    np.testing.assert_allclose(g_at(x), _central(f, x, make_rest), rtol=1e-5, atol=1e-7)
    reset_module_state()
    rest = make_rest()
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=RuntimeWarning)
        if api == "hessian":
            got = ad.hessian(f)(x, *rest)
        elif api == "jacfwd_grad":
            got = ad.jacfwd(ad.grad(f))(x, *rest)
        elif api == "jacrev_grad":
            got = ad.jacrev(ad.grad(f))(x, *rest)
        else:
            v = np.linspace(0.5, -0.25, n) if isinstance(x, np.ndarray) else 1.0
            got = ad.hvp(f, (x, *rest), (v,) + (None,) * len(rest))[1]
            expected = expected @ v if isinstance(x, np.ndarray) else expected * v
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), expected, rtol=1e-4, atol=1e-6)


def p_setattr_vjp_only(x, cfg):
    a = np.sum(np.sin(x))
    setattr_off(cfg)
    if cfg.train:
        return a * 2.0
    return a * a


def test_setattr_effect_under_vjp_of_closure():
    """Its own function, so that `vjp` makes its first derivative. (Once seen losing the
    effect, `cfg.train` True after the call; not reproduced since: kept as a check.)"""
    cfg = Cfg()
    plain = p_setattr_vjp_only(X3, cfg)
    assert cfg.train is False
    cfg = Cfg()

    def bound(v):
        return p_setattr_vjp_only(v, cfg)

    value, pb = ad.vjp(bound, X3)
    assert value == plain
    np.testing.assert_allclose(pb(1.0)[0], 2 * np.sum(np.sin(X3)) * np.cos(X3), rtol=1e-12)
    assert cfg.train is False


# --- refusals: an object carrying a derivative given to a helper that sets its attribute -----


class Holder:
    def __init__(self, w):
        self.w = w


def double(s):
    s.w = s.w * 2.0


def reset_w(s):
    s.w = 1.0


def log_loss(state, v):
    state.last = v


def r_double_made(x):
    s = Holder(x * x)
    double(s)
    return np.sum(s.w)


def r_reset_made(x):
    s = Holder(np.sin(x))
    reset_w(s)
    return np.sum(s.w * x)


def r_namespace(x):
    s = types.SimpleNamespace(w=x * 3.0, last=0.0)
    double(s)
    return np.sum(s.w)


def r_in_loop(x):
    s = Holder(x)
    for i in range(2):
        double(s)
    return np.sum(s.w * s.w)


def r_in_branch(x):
    s = Holder(np.exp(x))
    if np.sum(x) > 0.0:
        double(s)
    return np.sum(s.w)


def r_differentiated_object(h):
    double(h)
    return np.sum(h.w**2)


def r_nested(x):
    s = Holder(Holder(x * 2.0))
    double(s.w)
    return np.sum(s.w.w)


def dbl_setattr(s):
    s.w = s.w * 2.0


def dbl_dict(s):
    s.__dict__["w"] = s.w * 2.0


def dbl_vars(s):
    vars(s)["w"] = s.w * 2.0


class Scalable:
    def __init__(self, w):
        self.w = w

    def scale_up(self):
        self.w = self.w * 2.0


def dbl_method(s):
    s.scale_up()


def r_setattr(x):
    s = Holder(x * x)
    dbl_setattr(s)
    return np.sum(s.w)


def r_dict(x):
    s = Holder(x * x)
    dbl_dict(s)
    return np.sum(s.w)


def r_vars(x):
    s = Holder(x * x)
    dbl_vars(s)
    return np.sum(s.w)


def r_method(x):
    s = Scalable(x * x)
    dbl_method(s)
    return np.sum(s.w)


def value_and_set(cfg, v):
    cfg.scale = v
    return v * 2.0


def r_value_helper(x, cfg):
    y = value_and_set(cfg, np.sum(x))
    return y * cfg.scale


REFUSALS = {
    # name -> (function, args, line of the call in this file, wrt)
    "double_made": (r_double_made, lambda: (X3.copy(),), "double(s)"),
    "reset_made": (r_reset_made, lambda: (X3.copy(),), "reset_w(s)"),
    "namespace": (r_namespace, lambda: (X3.copy(),), "double(s)"),
    "in_loop": (r_in_loop, lambda: (X3.copy(),), "double(s)"),
    "in_branch": (r_in_branch, lambda: (X3.copy(),), "double(s)"),
    "differentiated_object": (r_differentiated_object, lambda: (Holder(X3.copy()),), "double(h)"),
    "nested": (r_nested, lambda: (X3.copy(),), "double(s.w)"),
    "value_helper": (r_value_helper, lambda: (X3.copy(), Cfg()), None),
    "setattr_made": (r_setattr, lambda: (X3.copy(),), "dbl_setattr(s)"),
    "dict_made": (r_dict, lambda: (X3.copy(),), "dbl_dict(s)"),
    "vars_made": (r_vars, lambda: (X3.copy(),), "dbl_vars(s)"),
    "method_in_helper": (r_method, lambda: (X3.copy(),), "dbl_method(s)"),
    # a helper storing a differentiated value where the function reads it back
    "store_global": (p_store_global, lambda: (X3.copy(),), "record(np.sum(x * x))"),
    "store_local": (p_store_local, lambda: (X3.copy(),), "record_into(s, np.sum(x * x))"),
}


def _line_of(f, text):
    import inspect

    lines, start = inspect.getsourcelines(f)
    for i, line in enumerate(lines):
        if line.strip() == text:
            return start + i
    raise AssertionError(text)


REFUSAL_APIS = ["grad", "jvp", "hessian"]


# (`differentiated_object`, an argument's object updated by a helper, silently wrong before
# session 52: refused since, as a helper storing a value made from a derivative it is given)
REFUSAL_NAMES = list(REFUSALS)


@pytest.mark.parametrize("name", REFUSAL_NAMES)
@pytest.mark.parametrize("api", REFUSAL_APIS)
def test_refused_with_location(name, api):
    f, make_args, call = REFUSALS[name]
    args = make_args()
    with pytest.raises(Exception) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        if api == "grad":
            ad.grad(f)(*args)
        elif api == "grad_forward":
            ad.grad(f, mode="forward")(*args)
        elif api == "value_and_grad":
            ad.value_and_grad(f)(*args)
        elif api == "jacfwd":
            ad.jacfwd(f)(*args)
        elif api == "jacrev":
            ad.jacrev(f)(*args)
        elif api == "vjp":
            ad.vjp(f, *args)[1](1.0)
        elif api == "jvp":
            tangents = tuple(
                np.ones_like(a)
                if isinstance(a, np.ndarray)
                else Holder(np.ones(3))
                if isinstance(a, Holder)
                else None
                for a in args
            )
            ad.jvp(f, args, tangents)
        elif api == "hessian":
            ad.hessian(f)(*args)
        else:
            ad.grad(f, jit=True)(*args)
    assert info.type.__module__.startswith("s2s_ad"), repr(info.value)
    msg = str(info.value)
    if call is not None:
        assert f"{THIS_FILE}:{_line_of(f, call)}" in msg, msg
    else:
        assert THIS_FILE in msg, msg
    assert "Traceback" not in msg


def test_refused_argument_unchanged():
    """A refused call leaves the caller's object as it was."""
    h = Holder(X3.copy())
    with pytest.raises(Exception):
        ad.grad(r_differentiated_object)(h)
    np.testing.assert_array_equal(h.w, X3)


# ---------------------------------------------------------------------------------------------
# 2. dicts and lists filled by item assignment in the arms of an `if`
# ---------------------------------------------------------------------------------------------


def metrics(v, flag):
    r = {"d": v, "n": 0.0}
    if flag:
        r["d"] = v * v
    else:
        r["d"] = v * 3.0
    r["n"] = np.sqrt(np.sum(v * v))
    return r


def d_metrics_true(x):
    r = metrics(x, True)
    return np.sum(r["d"])


def d_metrics_false(x):
    r = metrics(x, False)
    return np.sum(r["d"])


def metrics_scalar(v):
    r = {"d": v, "n": 0.0}
    if v > 0.5:
        r["d"] = v * v
    else:
        r["d"] = math.sin(v)
    r["n"] = math.sqrt(v)
    return r


def d_metrics_scalar(x):
    r = metrics_scalar(x)
    return r["d"] * 2.0


def metrics_list(v):
    r = [v, 0.0]
    if np.sum(v) >= 0.0:
        r[0] = np.tanh(v)
    else:
        r[0] = v**3
    r[1] = np.sqrt(v)
    return r


def d_metrics_list(x):
    r = metrics_list(x)
    return np.sum(r[0])


def metrics_three(v):
    r = {"d": v, "n": 0.0, "lg": 0.0}
    if np.sum(v) >= 0.0:
        r["d"] = v * 2.0
        r["lg"] = np.log1p(v * v)
    else:
        r["d"] = v * v
        r["lg"] = np.log1p(np.abs(v))
    r["n"] = np.sqrt(v * v * v)
    return r


def d_metrics_get(x):
    r = metrics_three(x)
    return np.sum(r.get("d")) + np.sum(x)


def d_metrics_two_reads(x):
    r = metrics_three(x)
    return np.sum(r["d"] * r["lg"])


def nested_metrics(v):
    r = {"d": v, "aux": {"n": 0.0}}
    if np.sum(v) >= 0:
        r["d"] = np.exp(v)
    else:
        r["d"] = np.cos(v)
    r["aux"]["n"] = np.sqrt(v)
    return r


def d_nested_metrics(x):
    return np.sum(nested_metrics(x)["d"])


def metrics_in_arm(v, flag):
    r = {"d": v, "n": 0.0}
    if flag:
        r["d"] = v * 4.0
        r["n"] = np.sqrt(v)
    else:
        r["d"] = np.sin(v)
        r["n"] = np.arcsin(v)
    return r


def d_metrics_in_arm(x):
    r = metrics_in_arm(x, np.sum(x) > 0.5)
    return np.sum(r["d"] * r["d"])


def d_metrics_twice(x):
    a = metrics(x, True)
    b = metrics(x * 2.0, False)
    return np.sum(a["d"]) + np.sum(b["d"] * x)


def d_metrics_loop(x):
    total = 0.0
    for flag in (True, False):
        r = metrics(x, flag)
        total = total + np.sum(r["d"])
    return total


def d_metrics_unpack(x):
    r = metrics(x, True)
    d = r["d"]
    return np.sum(np.sin(d))


def d_metrics_local(x):
    r = {"d": x, "n": 0.0}
    if np.sum(x) > 0.1:
        r["d"] = x * x
    else:
        r["d"] = x * 2.0
    r["n"] = np.sqrt(x)
    return np.sum(r["d"])


FILLED = {
    "metrics_true_zero": (d_metrics_true, np.zeros(3)),
    "metrics_true_mixed": (d_metrics_true, np.array([0.0, 1.0, 2.0])),
    "metrics_false_zero": (d_metrics_false, np.zeros(3)),
    "metrics_scalar_zero": (d_metrics_scalar, 0.0),
    "metrics_list_zero": (d_metrics_list, np.zeros(3)),
    "metrics_list_mixed": (d_metrics_list, np.array([0.0, 0.5])),
    "metrics_get": (d_metrics_get, np.array([0.0, 1.0])),
    "metrics_two_reads": (d_metrics_two_reads, np.array([0.0, 1.0])),
    "nested_metrics_zero": (d_nested_metrics, np.zeros(2)),
    "nested_metrics_mixed": (d_nested_metrics, np.array([0.0, 1.0])),
    "metrics_in_arm_sqrt": (d_metrics_in_arm, np.array([0.0, 1.0])),
    "metrics_in_arm_arcsin": (d_metrics_in_arm, np.array([0.0, 0.2, 0.1])),
    "metrics_twice": (d_metrics_twice, np.zeros(3)),
    "metrics_loop": (d_metrics_loop, np.zeros(3)),
    "metrics_unpack": (d_metrics_unpack, np.zeros(2)),
    "metrics_local": (d_metrics_local, np.zeros(3)),
    "metrics_float32": (d_metrics_true, np.zeros(3, dtype=np.float32)),
    "metrics_list_float32": (d_metrics_list, np.array([0.0, 0.5], dtype=np.float32)),
}

FILLED_APIS = ["grad", "jvp", "hessian"]
HESSIAN_LOOP = (
    "`metrics(x, flag)` called in a loop over two flags, only `r['d']` read: the Hessian forms "
    "the unread `r['n'] = np.sqrt(np.sum(v * v))`'s tangent, 0/0, RuntimeWarning (the README "
    "lists a helper's result carried around a loop as not yet right; here only the sum is carried)"
)


def _fd_plain(f, x, h=1e-6):
    """One-sided differences (x + h, x + 2h) extrapolated: second-order accurate and keeping x
    inside sqrt's and arcsin's domain at 0."""

    def at(v):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(f(v))

    if not isinstance(x, np.ndarray):
        return (-3 * at(x) + 4 * at(x + h) - at(x + 2 * h)) / (2 * h)
    x64 = x.astype(np.float64)
    g = np.zeros_like(x64)
    for i in range(x64.size):
        e = np.zeros_like(x64)
        e.flat[i] = h
        g.flat[i] = (-3 * at(x64) + 4 * at(x64 + e) - at(x64 + 2 * e)) / (2 * h)
    return g


def _filled_params():
    out = []
    for n in FILLED:
        for a in FILLED_APIS:
            marks = (
                [pytest.mark.xfail(strict=True, reason=HESSIAN_LOOP)]
                if (n, a) == ("metrics_loop", "hessian")
                else []
            )
            out.append(pytest.param(n, a, id=f"{n}-{a}", marks=marks))
    return out


@pytest.mark.parametrize(("name", "api"), _filled_params())
def test_filled_dicts(name, api):
    f, x = FILLED[name]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        plain = f(x)
    assert not w  # the programs are chosen so that the plain call warns of nothing
    n = _size(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=RuntimeWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        if api in ("hessian", "hvp", "jacfwd_grad", "jit_hessian"):
            if api == "hessian":
                got = ad.hessian(f)(x)
            elif api == "jit_hessian":
                got = ad.hessian(f, jit=True)(x)
            elif api == "jacfwd_grad":
                got = ad.jacfwd(ad.grad(f))(x)
            else:
                v = np.ones_like(x) if isinstance(x, np.ndarray) else 1.0
                got = ad.hvp(f, (x,), (v,))[1]
            assert np.all(np.isfinite(got))

            # against one-sided differences of the gradient along positive directions
            def g_at(v):
                return np.asarray(
                    ad.grad(f)(np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v),
                    dtype=np.float64,
                )

            h = 1e-6
            cols = []
            for i in range(n):
                e = (
                    _unit(np.asarray(x, dtype=np.float64), i) * h
                    if isinstance(x, np.ndarray)
                    else h
                )
                cols.append((-3 * g_at(x) + 4 * g_at(x + e) - g_at(x + 2 * e)) / (2 * h))
            H = (
                np.array(cols).reshape(np.shape(x) + np.shape(x))
                if isinstance(x, np.ndarray)
                else cols[0]
            )
            if api == "hvp":
                H = H @ np.ones(n) if isinstance(x, np.ndarray) else H
            np.testing.assert_allclose(np.asarray(got, dtype=np.float64), H, rtol=1e-4, atol=1e-4)
            return
        if api == "jit_jacfwd":
            got = ad.jacfwd(f, jit=True)(x)
        else:
            got = _run(api, f, x, _args_none)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), _fd_plain(f, x), **_tol(x))
    if api in ("grad", "value_and_grad", "jit"):
        value = ad.value_and_grad(f, jit=(api == "jit"))(x)[0]
        assert value == plain


# ---------------------------------------------------------------------------------------------
# 3. jit=True first called where the compiled code raises, then at regular points
# ---------------------------------------------------------------------------------------------


def j_kink(x, y):
    r = math.sqrt(x * x + y * y)
    return r * 2.0 + x * y


def j_ratio(x, y):
    return x / y + y * y


def j_norm(x):
    return np.sqrt(np.sum(x * x)) + np.sum(x)


def j_normalised(x):
    return np.sum(x * x / np.sum(x * x))


def j_abs_kink(x, y):
    d = x - y
    return abs(d) * 3.0 + x * x


def j_loop_ratio(x, y):
    s = 0.0
    for i in range(3):
        s = s + x / (y - i)
    return s * y


def j_pow(x, y):
    return x**0.5 * y + y**2


JIT_CASES = {
    "kink_origin": (j_kink, (0.0, 0.0), [(1.0, 2.0), (0.3, -0.5)]),
    "ratio_zero": (j_ratio, (1.0, 0.0), [(1.0, 2.0), (-2.0, 0.5)]),
    "norm_zero": (
        j_norm,
        (np.zeros(3),),
        [(np.array([1.0, 2.0, 3.0]),), (np.array([-0.5, 0.0, 0.25]),)],
    ),
    "normalised_zero": (j_normalised, (np.zeros(2),), [(np.array([1.0, 2.0]),)]),
    "abs_kink": (j_abs_kink, (1.0, 1.0), [(1.0, 2.0), (3.0, 0.5)]),
    "loop_ratio_pole": (j_loop_ratio, (1.0, 1.0), [(1.0, 3.5), (2.0, -1.0)]),
    "pow_zero": (j_pow, (0.0, 1.0), [(4.0, 1.0), (0.25, -2.0)]),
}

JIT_APIS = ["value_and_grad", "grad_both", "hessian"]


def _jit_make(api, f, nargs, jit):
    both = (0, 1) if nargs > 1 else 0
    if api == "grad":
        return ad.grad(f, jit=jit)
    if api == "grad_forward":
        return ad.grad(f, mode="forward", jit=jit)
    if api == "value_and_grad":
        return ad.value_and_grad(f, jit=jit)
    if api == "grad_both":
        return ad.grad(f, wrt=both, jit=jit)
    if api == "jacfwd":
        return ad.jacfwd(f, wrt=both, jit=jit)
    if api == "jacrev":
        return ad.jacrev(f, wrt=both, jit=jit)
    return ad.hessian(f, jit=jit)


def _outcome(g, args):
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = g(*args)
        return (
            "ok",
            r,
            sorted({str(m.message) for m in w if issubclass(m.category, RuntimeWarning)}),
        )
    except Exception as e:
        return ("raised", type(e).__name__, None)


def _same(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "raised":
        return a[1] == b[1]
    ra, rb = a[1], b[1]
    return repr(_flat(ra)) == repr(_flat(rb)) and a[2] == b[2]


def _flat(r):
    if isinstance(r, (tuple, list)):
        return [_flat(v) for v in r]
    return np.round(np.asarray(r, dtype=np.float64), 12).tolist()


@pytest.mark.parametrize("name", list(JIT_CASES))
@pytest.mark.parametrize("api", JIT_APIS)
def test_jit_after_raising_first_call(name, api):
    f, first, later = JIT_CASES[name]
    compiled = _jit_make(api, f, len(first), True)
    numpy_code = _jit_make(api, f, len(first), False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        for args in [first] + later + [first] + later[:1]:
            a = _outcome(compiled, args)
            b = _outcome(numpy_code, args)
            assert _same(a, b), (args, a, b)
    # and the regular points against central differences
    for args in later:
        g = ad.grad(f, wrt=0, jit=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=UserWarning)
            got = g(*args)
        x = args[0]
        exp = _central(lambda v, *r: f(v, *r), x, lambda: args[1:])
        np.testing.assert_allclose(np.asarray(got, dtype=np.float64), exp, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------------------------
# 4. derivatives deferred into branches
# ---------------------------------------------------------------------------------------------


def b_elif_chain(x, k):
    p = np.sqrt(x)
    if k == 0:
        out = np.sum(p * 2.0)
    elif k == 1:
        out = np.sum(p * p * p)
    else:
        out = np.sum(x * 3.0)
    return out


def b_two_ifs(x, use):
    p = np.sqrt(x)
    q = np.sum(x * x)
    if use:
        q = q + np.sum(p)
    q = q * 2.0
    if use:
        q = q + np.sum(p * p)
    return q


def b_both_arms(x, use):
    p = np.arcsin(x)
    if use:
        out = np.sum(p * 2.0)
    else:
        out = np.sum(x * x)
    return out


def b_both_arms_read(x, k):
    p = np.cbrt(x)
    if k == 0:
        out = np.sum(p * x)
    elif k == 1:
        out = np.sum(p * p)
    else:
        out = np.sum(np.sin(x))
    return out


def b_settings_flag(x):
    p = np.sqrt(x)
    switch_off()
    if SETTINGS.train:
        out = np.sum(p)
    else:
        out = np.sum(x * x)
    return out


def b_cfg_flag(x, cfg):
    p = np.sqrt(x)
    disable(cfg)
    if cfg.train:
        return np.sum(p * 2.0)
    return np.sum(np.cos(x))


def b_norm_helper(x, use):
    n = np.linalg.norm(x)
    if use:
        return n * 2.0
    return np.sum(x * x)


def b_three_ifs(x, use):
    p = np.sqrt(x)
    s = np.sum(np.exp(x))
    if use:
        s = s + np.sum(p)
    if use:
        s = s * np.sum(p)
    if use:
        s = s - np.sum(p * x)
    return s


DEFERRED = {
    "elif_chain_else": (b_elif_chain, np.array([0.0, 1.0]), lambda: (2,)),
    "two_ifs": (b_two_ifs, np.array([0.0, 1.0]), lambda: (False,)),
    "both_arms_edge": (b_both_arms, np.array([1.0, 0.5]), lambda: (False,)),
    "cbrt_both_arms_else": (b_both_arms_read, np.array([0.0, 1.0]), lambda: (2,)),
    "settings_flag": (b_settings_flag, np.array([0.0, 2.0]), _args_none),
    "cfg_flag": (b_cfg_flag, np.array([0.0, 2.0]), lambda: (Cfg(),)),
    "norm_at_zero": (b_norm_helper, np.zeros(3), lambda: (False,)),
    "three_ifs": (b_three_ifs, np.array([0.0, 1.0]), lambda: (False,)),
}

WARN_ELIF = (
    "a value read in the `if k == 0` and `elif k == 1` arms only, `k == 2` at `x = 0`: the "
    "second-order code forms sqrt's infinite partial anyway, RuntimeWarning 'divide by zero' "
    "(EvaluationError under warnings as errors, claiming the plain call raises this too, "
    "which it does not); the first order is right"
)

DEFERRED_KNOWN = {
    ("elif_chain_else", "hessian"): WARN_ELIF,
    ("elif_chain_else", "jacrev_grad"): WARN_ELIF,
}

DEFERRED_APIS = ["grad", "jvp", "hessian", "jacrev_grad"]


def _deferred_params():
    out = []
    for n in DEFERRED:
        for a in DEFERRED_APIS:
            reason = DEFERRED_KNOWN.get((n, a))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(n, a, id=f"{n}-{a}", marks=marks))
    return out


@pytest.mark.parametrize(("name", "api"), _deferred_params())
def test_deferred_into_branches(name, api):
    f, x, make_rest = DEFERRED[name]
    reset_module_state()
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        f(x, *make_rest())
    assert not w
    n = _size(x)
    reset_module_state()
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=RuntimeWarning)
        warnings.simplefilter("ignore", category=UserWarning)
        if api in ("hessian", "hvp", "jacfwd_grad", "jacrev_grad", "jit_hessian"):
            rest = make_rest()
            if api == "hessian":
                got = ad.hessian(f)(x, *rest)
            elif api == "jit_hessian":
                got = ad.hessian(f, jit=True)(x, *rest)
            elif api == "jacfwd_grad":
                got = ad.jacfwd(ad.grad(f))(x, *rest)
            elif api == "jacrev_grad":
                got = ad.jacrev(ad.grad(f))(x, *rest)
            else:
                got = ad.hvp(f, (x, *rest), (np.ones(n),) + (None,) * len(rest))[1]

            def g_at(v):
                reset_module_state()
                return np.asarray(ad.grad(f)(v, *make_rest()), dtype=np.float64)

            h = 1e-6
            cols = []
            for i in range(n):
                e = _unit(x.astype(np.float64), i) * h
                cols.append((-3 * g_at(x) + 4 * g_at(x + e) - g_at(x + 2 * e)) / (2 * h))
            H = np.array(cols)
            if api == "hvp":
                H = H @ np.ones(n)
            np.testing.assert_allclose(np.asarray(got, dtype=np.float64), H, rtol=1e-4, atol=1e-4)
            return
        got = _run(api, f, x, make_rest)
    assert np.all(np.isfinite(got))

    def at(v):
        reset_module_state()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(f(v, *make_rest()))

    exp = np.zeros(n)
    h = 1e-6
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        # one-sided, into the domain: the functions are evaluated at x and x - h, x - 2h where
        # x is at the top of arcsin's domain, else x + h, x + 2h
        s = -1.0 if x[i] >= 1.0 and f is b_both_arms else 1.0
        exp[i] = s * (-3 * at(x) + 4 * at(x + s * e) - at(x + 2 * s * e)) / (2 * h)
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), exp, rtol=1e-5, atol=1e-6)
