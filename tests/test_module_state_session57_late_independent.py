"""The 154th tester: module state changed by helpers, session 57's later fixes (independent).

Programs written from the README alone, as a user training or simulating with module-level
state would write them: setter ``partial``s of a module's object, dict or array called inside
helpers (schedulers, annealers, methods, loops), helpers updating a module's arrays in place
called for values with and without a derivative, shallow copies and holders of a module's
list or dict of arrays read across a helper updating the arrays, and the "keep a copy" hint of
refused stores.  Every program is checked under every API against one plain call: its value,
the module's state each call leaves (reset before each call), central differences of the plain
function for first derivatives, and second central differences for the Hessian.  Each bug
found is a strict xfail whose reason holds its minimal repro.
"""

import contextlib
import copy
import operator
from functools import partial

import numpy as np
import pytest

import s2s_ad as ad

APIS = ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
FIRST = APIS[:-1]


def _snap(objs):
    out = []
    for o in objs:
        if isinstance(o, np.ndarray):
            out.append(o.copy())
        elif isinstance(o, dict):
            out.append({k: np.array(v, dtype=float) for k, v in o.items()})
        elif isinstance(o, list):
            out.append([np.array(v, dtype=float) for v in o])
        else:
            out.append({k: np.array(v, dtype=float) for k, v in vars(o).items()})
    return out


def _same_state(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        if isinstance(b, np.ndarray):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        elif isinstance(b, dict):
            assert a.keys() == b.keys()
            for k in b:
                np.testing.assert_allclose(a[k], b[k], rtol=1e-12, atol=1e-12)
        else:
            assert len(a) == len(b)
            for p, q in zip(a, b, strict=True):
                np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-12)


def _fd_grad(f, reset, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        reset()
        fp = f(x + e)
        reset()
        fm = f(x - e)
        g[i] = (fp - fm) / (2 * h)
    return g


def _fd_hess(f, reset, x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            vals = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                e = np.zeros(n)
                e[i] += si * h
                e[j] += sj * h
                reset()
                vals.append(f(x + e.reshape(x.shape)))
            H[i, j] = (vals[0] - vals[1] - vals[2] + vals[3]) / (4 * h * h)
    return H


def check(f, reset, state, x, api, tol=1e-6):
    """One API call of scalar ``f`` against one plain call (value, module state, derivative)."""
    x = np.asarray(x, dtype=float)
    reset()
    y0 = f(x.copy())
    want = _snap(state())
    if api == "hessian":
        ref = _fd_hess(f, reset, x)
        reset()
        H = ad.hessian(f)(x.copy())
        _same_state(_snap(state()), want)
        np.testing.assert_allclose(np.reshape(H, ref.shape), ref, rtol=1e-4, atol=1e-4)
        return
    g = _fd_grad(f, reset, x)
    t = np.linspace(0.3, 1.1, x.size).reshape(x.shape)
    reset()
    if api == "grad":
        got = ad.grad(f)(x.copy())
    elif api == "grad_fwd":
        got = ad.grad(f, mode="forward")(x.copy())
    elif api == "value_and_grad":
        v, got = ad.value_and_grad(f)(x.copy())
        np.testing.assert_allclose(v, y0, rtol=1e-12)
    elif api == "vjp":
        v, pb = ad.vjp(f, x.copy())
        np.testing.assert_allclose(v, y0, rtol=1e-12)
        got = pb(1.0)[0]
    elif api == "jvp":
        v, d = ad.jvp(f, (x.copy(),), (t,))
        np.testing.assert_allclose(v, y0, rtol=1e-12)
        got = None
        np.testing.assert_allclose(d, np.sum(g * t), rtol=tol, atol=tol)
    elif api == "jacfwd":
        got = ad.jacfwd(f)(x.copy())
    elif api == "jacrev":
        got = ad.jacrev(f)(x.copy())
    else:
        raise AssertionError(api)
    _same_state(_snap(state()), want)
    if got is not None:
        np.testing.assert_allclose(np.reshape(got, g.shape), g, rtol=tol, atol=tol)


def run_refused(f, reset, state, x, api):
    """Run ``api`` of ``f``, expecting a refusal; return it with whether the module stayed."""
    x = np.asarray(x, dtype=float)
    reset()
    want = _snap(state())
    call = {
        "grad": lambda: ad.grad(f)(x),
        "grad_fwd": lambda: ad.grad(f, mode="forward")(x),
        "value_and_grad": lambda: ad.value_and_grad(f)(x),
        "vjp": lambda: ad.vjp(f, x)[1](1.0),
        "jvp": lambda: ad.jvp(f, (x,), (np.ones_like(x),)),
        "jacfwd": lambda: ad.jacfwd(f)(x),
        "jacrev": lambda: ad.jacrev(f)(x),
        "hessian": lambda: ad.hessian(f)(x),
    }[api]
    with pytest.raises(ad.S2SError) as info:
        call()
    _same_state(_snap(state()), want)
    return str(info.value)


def params(names, apis, xfails):
    out = []
    for n in names:
        for a in apis:
            reason = xfails.get((n, a)) or xfails.get((n, "*"))
            if reason is None and a != "hessian" and (n, "rev") in xfails and a in REVERSE:
                reason = xfails[(n, "rev")]
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(n, a, marks=marks, id=f"{n}-{a}"))
    return out


REVERSE = ("grad", "value_and_grad", "vjp", "jacrev")
X3 = np.array([0.3, -0.7, 1.1])
X2 = np.array([0.3, -0.7])


# ---------------------------------------------------------------------------------------------
# A. module-level setter partials called inside helpers of the user's
# ---------------------------------------------------------------------------------------------


class Opt:
    def __init__(self):
        self.lr = 1.0
        self.n = 0


OPT = Opt()
set_lr = partial(setattr, OPT, "lr")
set_n = partial(setattr, OPT, "n")
CFG_A = {"lr": 1.0}
set_cfg_lr = partial(operator.setitem, CFG_A, "lr")
SET_CFG = partial(operator.setitem, CFG_A)
CFG_B = {"lr": 1.0, "mom": 0.5}
set_b_lr = partial(CFG_B.__setitem__, "lr")
M_A = np.array([1.0, 2.0, 3.0])
set_m0 = partial(M_A.__setitem__, 0)


def reset_a():
    OPT.lr = 1.0
    OPT.n = 0
    CFG_A.clear()
    CFG_A["lr"] = 1.0
    CFG_B["lr"] = 1.0
    CFG_B["mom"] = 0.5
    M_A[:] = [1.0, 2.0, 3.0]


def state_a():
    return [OPT, CFG_A, CFG_B, M_A]


def decay():
    set_lr(OPT.lr * 0.5)


def a_step_decay(x):
    a = np.sum(np.sin(x)) * OPT.lr
    decay()
    return a + np.sum(x**2) * OPT.lr


def anneal(f):
    set_cfg_lr(CFG_A["lr"] * f)


def a_anneal_loop(x):
    tot = 0.0
    for _ in range(3):
        tot = tot + np.sum(np.sin(x) * x) * CFG_A["lr"]
        anneal(0.9)
    return tot


def inner_b(f):
    set_b_lr(CFG_B["lr"] * f)


def outer_b():
    inner_b(0.5)
    inner_b(3.0)


def a_nested_dict_setitem(x):
    a = np.sum(x**3) * CFG_B["lr"]
    outer_b()
    b = np.sum(np.cos(x)) * CFG_B["lr"]
    outer_b()
    return a * CFG_B["lr"] + b


def bump():
    set_m0(M_A[0] + 1.0)


def a_array_setitem(x):
    a = x @ M_A
    bump()
    return a * (x @ M_A)


class Trainer:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return np.sum(np.tanh(self.w * x)) * OPT.lr

    def decay(self):
        set_lr(OPT.lr * 0.25)


TRAINER = Trainer(np.array([0.5, -1.0, 2.0]))


def a_method(x):
    a = TRAINER.loss(x)
    TRAINER.decay()
    return a + TRAINER.loss(x) ** 2


def warmup(k):
    if k < 2:
        set_lr(OPT.lr + 0.5)
    else:
        set_lr(OPT.lr * 0.5)


def a_warmup_while(x):
    k = 0
    tot = 0.0
    while k < 4:
        tot = tot + OPT.lr * np.sum(x * x)
        warmup(k)
        k += 1
    return tot


def a_alias_before(x):
    lr = OPT.lr
    decay()
    return np.sum(x**2) * lr + np.sum(x) * OPT.lr


def decay_and_get():
    set_lr(OPT.lr * 0.5)
    return OPT.lr


def a_helper_value(x):
    a = np.sum(np.exp(x)) * OPT.lr
    new = decay_and_get()
    return a + new * np.sum(x**2) + OPT.lr * np.sum(x)


def set_key(k, v):
    SET_CFG(k, v)


def a_setitem_key_arg(x):
    a = np.sum(x) * CFG_A["lr"]
    set_key("lr", CFG_A["lr"] + 2.0)
    return a * CFG_A["lr"] + np.sum(x * x) * CFG_A["lr"]


def sched():
    set_lr(OPT.lr * 0.5)
    set_n(OPT.n + 1)


def a_two_setters_rnn(x):
    y = x
    for _ in range(3):
        y = np.tanh(y) * OPT.lr + y * OPT.n
        sched()
    return np.sum(y)


def a_cfg_read_by_local_dict(x):
    d = CFG_A
    a = np.sum(np.sin(x)) * d["lr"]
    anneal(0.5)
    return a * d["lr"] + np.sum(x) * d.get("lr")


PROGRAMS_A = {
    name: globals()[name]
    for name in (
        "a_step_decay",
        "a_anneal_loop",
        "a_nested_dict_setitem",
        "a_array_setitem",
        "a_method",
        "a_warmup_while",
        "a_alias_before",
        "a_helper_value",
        "a_setitem_key_arg",
        "a_two_setters_rnn",
        "a_cfg_read_by_local_dict",
    )
}


@pytest.mark.parametrize(("name", "api"), params(PROGRAMS_A, APIS, {}))
def test_setter_partials_in_helpers(name, api):
    check(PROGRAMS_A[name], reset_a, state_a, X3, api)


def store_lr(v):
    set_lr(v)


def a_helper_stores_derivative(x):
    store_lr(np.sum(x))
    return OPT.lr * 2.0


def a_direct_stores_derivative(x):
    set_lr(np.sum(x))
    return OPT.lr * 2.0


STORE_BUG = (
    "silent zero gradient: `set_lr = partial(setattr, OPT, 'lr')`; `def store_lr(v): set_lr(v)`;"
    " `def f(x): store_lr(np.sum(x)); return OPT.lr * 2.0`: grad(f)(x) gives zeros in every"
    " mode (plain: 2.0 per entry); the same store written in f, `set_lr(np.sum(x))`, is refused"
)


# (a strict xfail, `STORE_BUG`, until session 58: the helper's store is now refused, as the
# same store written in the function is)
@pytest.mark.parametrize("api", FIRST)
def test_helper_storing_a_derivative_by_setter_partial_is_refused_or_exact(api):
    # either refused (as the same store in the function is) or exact: never zeros silently
    with contextlib.suppress(ad.S2SError):
        check(a_helper_stores_derivative, reset_a, state_a, X3, api)


@pytest.mark.parametrize("api", ["grad", "grad_fwd", "jacrev"])
def test_direct_store_of_a_derivative_by_setter_partial_is_refused(api):
    msg = run_refused(a_direct_stores_derivative, reset_a, state_a, X3, api)
    assert "set_lr" in msg and "OPT.lr" in msg


def a_checkpointed_scheduler(x):
    tot = 0.0
    for _ in ad.checkpoint(range(6), every=2):
        tot = tot + np.sum(np.sin(x) * x) * OPT.lr
        sched()
    return tot


@pytest.mark.parametrize("api", ["grad_fwd", "jvp", "jacfwd"])
def test_checkpointed_scheduler_forward(api):
    check(a_checkpointed_scheduler, reset_a, state_a, X3, api)


@pytest.mark.parametrize("api", ["grad", "vjp", "jacrev"])
def test_checkpointed_scheduler_reverse_is_refused_and_module_left(api):
    msg = run_refused(a_checkpointed_scheduler, reset_a, state_a, X3, api)
    assert "checkpointed loop" in msg


# ---------------------------------------------------------------------------------------------
# B. helpers updating a module's array they are given, called for a value
# ---------------------------------------------------------------------------------------------

M_B = np.array([[1.0, 2.0], [3.0, -1.0]])
M_B0 = M_B.copy()


class Sim:
    def __init__(self):
        self.buf = np.array([1.0, 2.0])


SIM = Sim()


def reset_b():
    M_B[:] = M_B0
    SIM.buf[:] = [1.0, 2.0]


def state_b():
    return [M_B, SIM.buf]


def step(a, x):
    a *= 0.5
    return np.sum(x * a[0])


def b_step_value(x):
    y = step(M_B, x)
    return y + np.sum(x**2)


def b_step_value_scaled(x):
    return step(M_B, x) * 2.0


def b_step_in_loop(x):
    tot = 0.0
    for _ in range(2):
        tot = tot + step(M_B, x)
    return tot


def b_step_object_buffer(x):
    return step(SIM.buf[None, :], x)


def b_step_full_slice(x):
    y = step(M_B[:], x)
    return y


def b_step_row_slice(x):
    return step(M_B[0:1], x)


def inner_half(a):
    a *= 0.5


def step_nested(a, x):
    inner_half(a)
    return np.sum(x @ a)


def b_step_helpers_helper(x):
    return step_nested(M_B, x) + 1.0


def b_step_obj_attr(x):
    y = step(SIM.buf, x)
    return y * y


REFUSED_B = {
    name: globals()[name]
    for name in (
        "b_step_value",
        "b_step_value_scaled",
        "b_step_in_loop",
        "b_step_object_buffer",
        "b_step_full_slice",
        "b_step_row_slice",
        "b_step_obj_attr",
    )
}
VIEW_HESSIAN = (
    "hessian changes the module while refusing: `def step(a, x): a *= 0.5; return"
    " np.sum(x * a[0])`; `def f(x): return step(M[:], x)` (or `M[0:1]`, `SIM.buf[None, :]`):"
    " every first-order API refuses and leaves M; ad.hessian(f)(x) refuses too but leaves M"
    " halved"
)
XFAIL_B = {
    ("b_step_full_slice", "hessian"): VIEW_HESSIAN,
    ("b_step_row_slice", "hessian"): VIEW_HESSIAN,
    ("b_step_object_buffer", "hessian"): VIEW_HESSIAN,
}


@pytest.mark.parametrize(("name", "api"), params(REFUSED_B, APIS, XFAIL_B))
def test_value_helper_updating_module_array_is_refused_leaving_module(name, api):
    msg = run_refused(REFUSED_B[name], reset_b, state_b, X2, api)
    assert "step" in msg and "in place" in msg


@pytest.mark.parametrize("api", ["grad", "jacrev", "hessian"])
def test_value_helper_refusal_names_the_module_array(api):
    msg = run_refused(b_step_value, reset_b, state_b, X2, api)
    assert "`M_B`" in msg and "derivative" in msg and "line" in msg


@pytest.mark.parametrize("api", APIS)
def test_value_helper_through_helpers_helper_is_exact(api):
    # the update made by a helper's helper: not refused, and exact as the plain call
    check(b_step_helpers_helper, reset_b, state_b, X2, api)


def count(a):
    a *= 0.5
    return a.shape[0]


def b_count(x):
    n = count(M_B)
    return np.sum(x * M_B[0]) * n


def b_count_in_loop(x):
    tot = 0.0
    for _ in range(2):
        n = count(M_B)
        tot = tot + np.sum(x * M_B[0]) * n
    return tot


def first_after_halving(a):
    a *= 0.5
    return float(a[0, 0])


def b_float_value(x):
    c = first_after_halving(M_B)
    return np.sum(x * M_B[0]) + c * np.sum(x)


def b_count_unused_shape(x):
    n = count(M_B)
    return np.sum(x * M_B[0]) * n + np.sum(x * x)


def b_count_statement(x):
    a = x @ M_B
    count(M_B)
    return np.sum(a * (x @ M_B))


def count_item(a):
    a[0] += 1.0
    return a.shape[0]


def b_count_item_update(x):
    n = count_item(M_B)
    return np.sum(x * M_B[0]) * n


def count_item_set(a):
    a[0, 0] = 5.0
    return len(a)


def b_count_item_set(x):
    n = count_item_set(M_B)
    return np.sum(x * M_B[0]) * n


def clip_count(a):
    np.clip(a, -1.5, 1.5, out=a)
    return a.shape[1]


def b_clip_count(x):
    n = clip_count(M_B)
    return np.sum(x * M_B[0]) * n


def b_count_item_statement(x):
    count_item(M_B)
    return np.sum(x * M_B[0])


ITEM_REFUSED = (
    "refusal of valid code: `def count_item(a): a[0] += 1.0; return a.shape[0]` (or"
    " `a[0, 0] = 5.0; return len(a)`); `def f(x): n = count_item(M); return np.sum(x * M[0]) * n`"
    " is refused in every API ('updates its argument `a` in place ... the caller's value would"
    " change without its derivative') though n carries none; `a *= 0.5` there runs, and"
    " `count_item(M)` as a statement runs"
)
CLIP_HESSIAN = (
    "refusal of valid code in hessian only: `def clip_count(a): np.clip(a, -1.5, 1.5, out=a);"
    " return a.shape[1]`; `def f(x): n = clip_count(M); return np.sum(x * M[0]) * n`: every"
    " first-order API is exact, ad.hessian(f) refuses 'a call with `out=`'"
)
PROGRAMS_B = {
    name: globals()[name]
    for name in (
        "b_count",
        "b_count_in_loop",
        "b_float_value",
        "b_count_unused_shape",
        "b_count_statement",
        "b_count_item_update",
        "b_count_item_set",
        "b_clip_count",
        "b_count_item_statement",
    )
}
XFAIL_B2 = {
    ("b_count_item_update", "*"): ITEM_REFUSED,
    ("b_count_item_set", "*"): ITEM_REFUSED,
    ("b_clip_count", "hessian"): CLIP_HESSIAN,
}


@pytest.mark.parametrize(("name", "api"), params(PROGRAMS_B, APIS, XFAIL_B2))
def test_helper_updating_module_array_for_a_value_without_derivative(name, api):
    check(PROGRAMS_B[name], reset_b, state_b, X2, api)


# ---------------------------------------------------------------------------------------------
# C. shallow copies and holders of a module's list or dict of arrays, across a helper
#    updating the arrays in place
# ---------------------------------------------------------------------------------------------

WS = [np.array([1.0, 2.0, -1.0]), np.array([0.5, -0.5, 2.0])]
WS0 = [w.copy() for w in WS]
CFG = {"k": np.array([1.0, -2.0, 0.5]), "b": np.array([0.2, 0.3, 0.4])}
CFG0 = {k: v.copy() for k, v in CFG.items()}


def reset_c():
    for w, w0 in zip(WS, WS0, strict=True):
        w[:] = w0
    for k in CFG:
        CFG[k][:] = CFG0[k]


def state_c():
    return [WS, CFG]


def shrink():
    for w in WS:
        w *= 0.5
    a = CFG["k"]
    a += 1.0
    b = CFG["b"]
    b[0] = -3.0


def halve(a):
    a *= 0.5


def shrink_by_helpers():
    halve(WS[0])
    np.clip(WS[1], -0.6, 0.6, out=WS[1])


def c_list(x):
    ws = list(WS)
    a = np.sum(np.sin(x * ws[0])) + x @ ws[1]
    shrink()
    return a * np.sum(x * ws[0]) + np.sum(x**2 * ws[1])


def c_tuple(x):
    ws = tuple(WS)
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0]) + np.sum(np.tanh(x * ws[1]))


def c_slice(x):
    ws = WS[:]
    a = x @ ws[1]
    shrink()
    return a * (x @ ws[1]) + x @ ws[0]


def c_values(x):
    vs = list(CFG.values())
    a = np.sum(x * vs[0] * vs[1])
    shrink()
    return a * np.sum(x * vs[0]) + np.sum(x * vs[1] ** 2)


def c_get(x):
    k = CFG.get("k")
    a = np.sum(np.exp(x * k))
    shrink()
    return a + np.sum(x * k) ** 2


def c_next_iter(x):
    k = next(iter(CFG.values()))
    a = x @ k
    shrink()
    return a * (x @ k)


def c_list_display(x):
    pair = [WS[0], WS[1]]
    a = x @ pair[0]
    shrink()
    return a * (x @ pair[1]) + x @ pair[0]


def c_dict_display(x):
    d = {"w": WS[0], "c": CFG["b"]}
    a = np.sum(x * d["w"]) + np.sum(x * d["c"])
    shrink()
    return a * np.sum(x * d["w"] * d["c"])


def c_tuple_display(x):
    t = (WS[0], CFG["k"])
    a = x @ t[0] + x @ t[1]
    shrink()
    return a * (x @ t[0]) * (x @ t[1])


def c_nested_display(x):
    d = {"ws": [WS[0], WS[1]]}
    a = x @ d["ws"][0]
    shrink()
    return a * (x @ d["ws"][0])


def c_computed_index_loop(x):
    tot = 0.0
    for i in range(2):
        w = WS[i]
        a = x @ w
        shrink()
        tot = tot + a * (x @ w)
    return tot


def c_computed_key_loop(x):
    tot = 0.0
    for k in ["k", "b"]:
        v = CFG[k]
        a = np.sum(x * v)
        shrink()
        tot = tot + a * np.sum(x * v)
    return tot


def c_index_expr(x):
    i = len(WS) - 1
    w = WS[i]
    a = x @ w
    shrink()
    return a * (x @ w) + x @ WS[i - 1]


def c_key_built(x):
    key = "k" if x.shape[0] == 3 else "b"
    v = CFG[key]
    a = np.sum(x * v)
    shrink()
    return a * np.sum(x * v)


def c_modulo_index(x):
    tot = 0.0
    for j in range(3):
        tot = tot + np.sum(np.sin(x * WS[j % 2]))
        shrink()
    return tot


def c_list_helpers_helper(x):
    ws = list(WS)
    a = x @ ws[0] + x @ ws[1]
    shrink_by_helpers()
    return a * (x @ ws[0]) + (x @ ws[1]) ** 2


def c_copy_loops(x):
    ws = list(WS)
    a = 0.0
    for w in ws:
        a = a + x @ w
    shrink()
    b = 0.0
    for w in ws:
        b = b + np.sum(x * w) ** 2
    return a * b


class Model:
    def __init__(self):
        self.params = WS

    def forward(self, x):
        return np.sum(np.tanh(x * self.params[0])) + x @ self.params[1]


MODEL = Model()


def c_model_params_copy(x):
    ps = list(MODEL.params)
    a = MODEL.forward(x)
    shrink()
    return a * (x @ ps[0]) + MODEL.forward(x)


def c_appended_holder(x):
    kept = []
    kept.append(WS[0])
    a = x @ kept[0]
    shrink()
    return a * (x @ kept[0])


def c_items_pick(x):
    for k, v in CFG.items():
        if k == "k":
            kv = v
    a = x @ kv
    shrink()
    return a * (x @ kv)


def c_unpack(x):
    w0, w1 = WS
    a = x @ w0
    shrink()
    return a * (x @ w0) + x @ w1


def c_ifexp(x):
    v = WS[0] if x.shape[0] > 1 else WS[1]
    a = x @ v
    shrink()
    return a * (x @ v)


def c_negative_index_copy(x):
    ws = list(WS)
    a = x @ ws[-1]
    shrink()
    return a * (x @ ws[-1])


def pick(d):
    return d.get("k")


def c_helper_returns_item(x):
    v = pick(CFG)
    a = x @ v
    shrink()
    return a * (x @ v)


def c_setdefault(x):
    v = CFG.setdefault("k", WS[0])
    a = x @ v
    shrink()
    return a * (x @ v)


def c_get_or(x):
    v = CFG.get("zz") or WS[0]
    a = x @ v
    shrink()
    return a * (x @ v)


def c_enumerate(x):
    tot = 0.0
    for _, w in enumerate(WS):
        a = x @ w
        shrink()
        tot = tot + a * (x @ w)
    return tot


def c_zip(x):
    tot = 0.0
    for w, c in zip(WS, [1.0, 2.0], strict=True):
        a = x @ w
        shrink()
        tot = tot + c * a * (x @ w)
    return tot


# --- found wrong ---------------------------------------------------------------------------


def c_get_default_module_array(x):
    v = CFG.get("zz", WS[0])
    a = x @ v
    shrink()
    return a * (x @ v)


def c_get_default_cfg_item(x):
    v = CFG.get("zz", CFG["b"])
    a = x @ v
    shrink()
    return a * (x @ v)


def c_loop_over_values_copy(x):
    tot = 0.0
    for v in list(CFG.values()):
        a = x @ v
        shrink()
        tot = tot + a * (x @ v)
    return tot


def c_items_appended(x):
    kept = []
    for _, v in CFG.items():
        kept.append(v)
    a = x @ kept[0]
    shrink()
    return a * (x @ kept[0]) + x @ kept[1]


def c_dict_call(x):
    d = dict(CFG)
    a = x @ d["k"]
    shrink()
    return a * (x @ d["k"])


def c_dict_copy(x):
    d = CFG.copy()
    a = x @ d["k"]
    shrink()
    return a * (x @ d["k"])


def c_list_copy_method(x):
    ws = WS.copy()
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def c_copy_copy(x):
    ws = copy.copy(WS)
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def c_reversed(x):
    ws = list(reversed(WS))
    a = x @ ws[1]
    shrink()
    return a * (x @ ws[1])


def c_map_asarray(x):
    ws = list(map(np.asarray, WS))
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def c_dict_zip(x):
    d = dict(zip(["a", "b"], WS, strict=True))
    a = x @ d["a"]
    shrink()
    return a * (x @ d["a"])


def c_dict_unpacked(x):
    d = {**CFG}
    a = x @ d["k"]
    shrink()
    return a * (x @ d["k"])


def c_list_concat(x):
    ws = list(WS) + [CFG["k"]]  # noqa: RUF005
    a = x @ ws[2]
    shrink()
    return a * (x @ ws[2]) + x @ ws[0]


def c_tuple_values(x):
    vals = tuple(CFG.values())
    a = x @ vals[0]
    shrink()
    return a * (x @ vals[0])


def c_asarray_item(x):
    w = np.asarray(WS[0])
    a = x @ w
    shrink()
    return a * (x @ w)


def c_ellipsis_view(x):
    w = WS[0][...]
    a = x @ w
    shrink()
    return a * (x @ w)


def c_reversed_slice(x):
    ws = WS[::-1]
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def c_first_key(x):
    k = list(CFG)[0]  # noqa: RUF015
    v = CFG[k]
    a = x @ v
    shrink()
    return a * (x @ v)


def c_copy_indexed_in_loop(x):
    ws = list(WS)
    tot = 0.0
    for j in range(2):
        w = ws[j]
        a = x @ w
        shrink()
        tot = tot + a * (x @ w)
    return tot


COPY_INDEXED_LOOP = (
    "silent wrong value and gradient in every mode: `ws = list(WS); tot = 0.0; for j in"
    " range(2): w = ws[j]; a = x @ w; shrink(); tot = tot + a * (x @ w)` (a copy of the"
    " module list indexed by the loop variable, the helper halving the arrays in the body):"
    " plain 3.33125, every API 6.6625 at x=[.3,-.7,1.1]; `w = WS[j]` of the module list is exact"
)
MAP_ZIP = (
    "silent wrong value and gradient in every mode: `ws = list(map(np.asarray, WS))` or"
    " `d = dict(zip(['a', 'b'], WS))` (the same arrays, np.asarray copying nothing), then"
    " `a = x @ ws[0]; shrink(); return a * (x @ ws[0])` with `shrink` doing `for w in WS:"
    " w *= 0.5`: every API gives 4.84 where the plain call gives 2.42 at x=[.3,-.7,1.1]"
)
UNPACK_CONCAT = (
    "silent wrong gradient in reverse mode (values and forward mode exact): `d = {**CFG}` or"
    " `ws = list(WS) + [CFG['k']]`, then `a = x @ d['k']; shrink(); return a * (x @ d['k'])`:"
    " reverse gives [10.4, -5.2, 7.8] where the plain call's gradient is [7.45, -8.15, 4.85];"
    " their Hessians are wrong too (`{**CFG}`'s not symmetric)"
)
GET_DEFAULT = (
    "silent wrong value and gradient in every mode: `v = CFG.get('zz', WS[0])` (a missing key,"
    " the default a module array; `CFG.get('zz', CFG['b'])` too); `a = x @ v; shrink();"
    " return a * (x @ v)` with `shrink` doing `for w in WS: w *= 0.5`: the derivative code reads"
    " v before the update both times (value 4.84 where the plain call gives 2.42 at x=[.3,-.7,1.1])"
)
VALUES_LOOP = (
    "silent wrong value and gradient in every mode: `for v in list(CFG.values()): a = x @ v;"
    " shrink(); tot = tot + a * (x @ v)` (a loop over a copy of a module dict's arrays, the"
    " helper updating them in the body): plain 7.0864, every API 5.5114 at x=[.3,-.7,1.1];"
    " `vs = list(CFG.values())` bound to a name first is exact"
)
ITEMS_APPENDED = (
    "silent wrong value and gradient in every mode: `kept = []; for _, v in CFG.items():"
    " kept.append(v)`; `a = x @ kept[0]; shrink(); return a * (x @ kept[0]) + x @ kept[1]`:"
    " plain 5.9675, every API 5.3525 (kept read as before the update); `kept.append(WS[0])` is"
    " exact"
)
REVERSE_COPIES = (
    "silent wrong gradient in reverse mode (grad, value_and_grad, vjp, jacrev; values and"
    " forward mode exact): `d = dict(CFG)` / `CFG.copy()` / `ws = WS.copy()` /"
    " `copy.copy(WS)` / `list(reversed(WS))`, then `a = x @ ws[0]; shrink(); return a *"
    " (x @ ws[0])`: reverse gives [-1.65, -3.3, 1.65] where the plain call's gradient is"
    " [-2.2, -4.4, 2.2] (the pullback reads the halved array for the first product);"
    " `list(WS)`, `tuple(WS)`, `WS[:]` are exact; their Hessians are wrong too (not even"
    " symmetric for `dict(CFG)`)"
)
XFAIL_C = {
    ("c_get_default_module_array", "*"): GET_DEFAULT,
    ("c_get_default_cfg_item", "*"): GET_DEFAULT,
    ("c_loop_over_values_copy", "*"): VALUES_LOOP,
    ("c_items_appended", "*"): ITEMS_APPENDED,
}
for _n in ("c_dict_call", "c_dict_copy", "c_list_copy_method", "c_copy_copy", "c_reversed"):
    XFAIL_C[(_n, "rev")] = REVERSE_COPIES
XFAIL_C[("c_map_asarray", "*")] = MAP_ZIP
XFAIL_C[("c_copy_indexed_in_loop", "*")] = COPY_INDEXED_LOOP
XFAIL_C[("c_dict_zip", "*")] = MAP_ZIP
XFAIL_C[("c_dict_unpacked", "rev")] = UNPACK_CONCAT
XFAIL_C[("c_list_concat", "rev")] = UNPACK_CONCAT
XFAIL_C[("c_dict_unpacked", "hessian")] = UNPACK_CONCAT
XFAIL_C[("c_list_concat", "hessian")] = UNPACK_CONCAT
for _n in ("c_dict_call", "c_dict_copy", "c_list_copy_method", "c_copy_copy", "c_reversed"):
    XFAIL_C[(_n, "hessian")] = REVERSE_COPIES

# Fixed in session 57 after this file was written (copies holding a module list's or dict's
# very items: `dict(CFG)`, `CFG.copy()`, `WS.copy()`, `copy.copy(WS)`, `list(reversed(WS))`,
# `{**CFG}`, `list(CFG.values())`, a copy indexed in a loop; `CFG.get(k, default)`): these
# programs pass every API now.
_FIXED_C = {
    "c_get_default_module_array",
    "c_get_default_cfg_item",
    "c_loop_over_values_copy",
    "c_dict_call",
    "c_dict_copy",
    "c_list_copy_method",
    "c_copy_copy",
    "c_reversed",
    "c_dict_unpacked",
    "c_copy_indexed_in_loop",
}
# Fixed in session 58: lists and dicts a module's arrays are put into where they are not
# followed item by item (`list(map(np.asarray, WS))`, `dict(zip(names, WS))`, `list(WS) +
# [v]`, `kept.append(v)` in a loop over `CFG.items()`): each item copied where it is used.
_FIXED_C |= {"c_map_asarray", "c_dict_zip", "c_list_concat", "c_items_appended"}
XFAIL_C = {key: why for key, why in XFAIL_C.items() if key[0] not in _FIXED_C}

PROGRAMS_C = {name: fn for name, fn in globals().items() if name.startswith("c_")}


@pytest.mark.parametrize(("name", "api"), params(PROGRAMS_C, APIS, XFAIL_C))
def test_module_arrays_held_across_an_updating_helper(name, api):
    check(PROGRAMS_C[name], reset_c, state_c, X3, api)


# ---------------------------------------------------------------------------------------------
# D. refused stores and the "keep a copy" code their messages suggest
# ---------------------------------------------------------------------------------------------

HIST = {}
LOG = []


def reset_d():
    HIST.clear()
    LOG.clear()


def state_d():
    return [HIST, LOG]


def d_hist_then_update(x):
    v = np.tanh(x)
    HIST["k"] = v
    v += 1.0
    return np.sum(v * x)


def d_log_then_container_update(x):
    v = np.sin(x)
    LOG.append(v)
    LOG[-1] *= 2.0
    return np.sum(v * x)


def d_insert_then_update(x):
    v = np.sin(x) * 2.0
    LOG.insert(0, v)
    v -= 0.5
    return np.sum(v * v)


def d_view_kept_then_update(x):
    v = x * 3.0
    u = v[:]
    HIST["u"] = u
    v += 1.0
    return np.sum(v**2)


def double_last():
    LOG[-1] *= 2.0


def d_log_then_helper_update(x):
    v = np.cos(x)
    LOG.append(v)
    double_last()
    return np.sum(v * x)


REFUSED_D = {name: fn for name, fn in globals().items() if name.startswith("d_")}
HINTS = {
    "d_hist_then_update": "HIST['k'] = v.copy()",
    "d_log_then_container_update": "LOG.append(v.copy())",
    "d_insert_then_update": "LOG.insert(0, v.copy())",
    "d_view_kept_then_update": "HIST['u'] = u.copy()",
    "d_log_then_helper_update": "LOG.append(v.copy())",
}


@pytest.mark.parametrize("name", sorted(REFUSED_D))
def test_store_then_update_is_refused_with_a_copy_hint(name):
    msg = run_refused(REFUSED_D[name], reset_d, state_d, X3, "grad")
    assert HINTS[name] in msg


def e_hist_copy(x):
    v = np.tanh(x)
    HIST["k"] = v.copy()
    v += 1.0
    return np.sum(v * x)


def e_log_copy_container_update(x):
    v = np.sin(x)
    LOG.append(v.copy())
    LOG[-1] *= 2.0
    return np.sum(v * x)


def e_insert_copy(x):
    v = np.sin(x) * 2.0
    LOG.insert(0, v.copy())
    v -= 0.5
    return np.sum(v * v)


def e_view_copy(x):
    v = x * 3.0
    u = v[:]
    HIST["u"] = u.copy()
    v += 1.0
    return np.sum(v**2)


def e_log_copy_helper_update(x):
    v = np.cos(x)
    LOG.append(v.copy())
    double_last()
    return np.sum(v * x)


def e_hist_copy_in_loop(x):
    v = np.tanh(x)
    for i in range(3):
        HIST[f"step{i}"] = v.copy()
        v *= 0.9
    return np.sum(v * x)


def e_hist_fstring_key(x):
    v = np.tanh(x)
    i = 2
    HIST[f"step{i}"] = v.copy()
    v *= 0.9
    return np.sum(v * x)


HINTED = {name: fn for name, fn in globals().items() if name.startswith("e_")}
HINT_REFUSED = (
    "the hint is refused: `LOG.append(v)` then `LOG[-1] *= 2.0` is refused with 'keep a copy:"
    " `LOG.append(v.copy())`', and `v = np.sin(x); LOG.append(v.copy()); LOG[-1] *= 2.0;"
    " return np.sum(v * x)` is refused in every API ('`LOG` ... read back in a computation')"
    " though the result does not read LOG"
)
FSTRING_KEY = (
    "refusal of valid code: a module dict's item at an f-string key, `i = 2;"
    " HIST[f'step{i}'] = v.copy()` (v = np.tanh(x)), is refused in every API ('element"
    " assignment on `HIST`, which is not a local array or list'), while `HIST['s'] = v.copy()`"
    " and `HIST[i] = v.copy()` run; the loop `for i in range(3): HIST[f'step{i}'] = v.copy();"
    " v *= 0.9` is refused the same way"
)
XFAIL_E = {
    ("e_log_copy_container_update", "*"): HINT_REFUSED,
    ("e_hist_fstring_key", "*"): FSTRING_KEY,
}
XFAIL_E[("e_hist_copy_in_loop", "*")] = FSTRING_KEY


@pytest.mark.parametrize(("name", "api"), params(HINTED, APIS, XFAIL_E))
def test_the_copy_hint_is_valid_code(name, api):
    check(HINTED[name], reset_d, state_d, X3, api)


# ---------------------------------------------------------------------------------------------
# F. a module's setter partial reached another way: a module dict or list of callbacks, a
#    default argument, a closure, an object's attribute, a module-level lambda
# ---------------------------------------------------------------------------------------------

CALLBACKS = {"lr": set_lr}
SETTERS = [set_lr]
KEY_F = "lr"
CFG_F = {"lr": 1.0}
set_key_f = partial(operator.setitem, CFG_F, KEY_F)
decay_lambda = lambda: set_lr(OPT.lr * 0.5)  # noqa: E731


def reset_f():
    reset_a()
    CFG_F["lr"] = 1.0


def state_f():
    return [OPT, CFG_F]


def callback_decay():
    CALLBACKS["lr"](OPT.lr * 0.5)


def f_callback_dict(x):
    a = np.sum(np.sin(x)) * OPT.lr
    callback_decay()
    return a * OPT.lr + np.sum(x * x) * OPT.lr


def setters_decay():
    for s in SETTERS:
        s(OPT.lr * 0.5)


def f_setter_list(x):
    a = np.sum(np.sin(x)) * OPT.lr
    setters_decay()
    return a * OPT.lr + np.sum(x * x) * OPT.lr


def default_decay(setter=set_lr):
    setter(OPT.lr * 0.5)


def f_default_argument(x):
    a = np.sum(np.sin(x)) * OPT.lr
    default_decay()
    return a * OPT.lr + np.sum(x * x) * OPT.lr


def f_default_argument_rows(x):
    out = np.zeros(2)
    for i in range(2):
        out[i] = np.sum(np.sin(x) * x) * OPT.lr + x[i] * OPT.lr
        default_decay()
    return np.sum(out * out)


def make_step(setter):
    def step():
        setter(OPT.lr * 0.5)

    return step


CLOSURE_STEP = make_step(set_lr)


def f_closure(x):
    a = np.sum(np.sin(x)) * OPT.lr
    CLOSURE_STEP()
    return a * OPT.lr + np.sum(x * x) * OPT.lr


def f_module_lambda(x):
    a = np.sum(np.sin(x)) * OPT.lr
    decay_lambda()
    return a * OPT.lr + np.sum(x * x) * OPT.lr


class StepLR:
    def __init__(self, setter, gamma):
        self.setter = setter
        self.gamma = gamma

    def step(self):
        self.setter(OPT.lr * self.gamma)


SCHED = StepLR(set_lr, 0.5)


def f_scheduler_object(x):
    a = np.sum(np.sin(x)) * OPT.lr
    SCHED.step()
    return a * OPT.lr + np.sum(x * x) * OPT.lr


def key_decay():
    set_key_f(CFG_F[KEY_F] * 0.5)


def f_key_from_module_name(x):
    a = np.sum(np.sin(x)) * CFG_F["lr"]
    key_decay()
    return a * CFG_F["lr"] + np.sum(x * x) * CFG_F[KEY_F]


INDIRECT_SETTER = (
    "silent wrong gradient in reverse mode (grad, value_and_grad, vjp, jacrev; value and"
    " forward mode exact): `set_lr = partial(setattr, OPT, 'lr')` reached in a helper through"
    " a module dict `CALLBACKS = {'lr': set_lr}` (`def decay(): CALLBACKS['lr'](OPT.lr * 0.5)`),"
    " a module list (`for s in SETTERS: s(OPT.lr * 0.5)`), a default argument"
    " (`def decay(setter=set_lr): setter(OPT.lr * 0.5)`) or a closure"
    " (`make_step(set_lr)`); `def f(x): a = np.sum(np.sin(x)) * OPT.lr; decay(); return"
    " a * OPT.lr + np.sum(x * x) * OPT.lr`: at x=[.3,-.7,1.1] reverse gives"
    " [0.5388, -0.5088, 1.2134] where the plain call's gradient is [0.7777, -0.3176, 1.3268]"
    " (the reverse sweep reads OPT.lr after the helper); calling set_lr by its name, a"
    " module-level lambda or an object's attribute is exact; their Hessians are wrong too"
)
PROGRAMS_F = {name: fn for name, fn in globals().items() if name.startswith("f_")}
XFAIL_F = {
    (n, "rev"): INDIRECT_SETTER
    for n in (
        "f_callback_dict",
        "f_setter_list",
        "f_default_argument",
        "f_default_argument_rows",
        "f_closure",
    )
}


for _n in (
    "f_callback_dict",
    "f_setter_list",
    "f_default_argument",
    "f_default_argument_rows",
    "f_closure",
):
    XFAIL_F[(_n, "hessian")] = INDIRECT_SETTER
# Fixed in session 58: a setter partial a helper reaches through a module dict or list, a
# default argument or a closure makes it a writer, as calling it by name does.
XFAIL_F = {}


@pytest.mark.parametrize(("name", "api"), params(PROGRAMS_F, APIS, XFAIL_F))
def test_setter_partials_reached_indirectly(name, api):
    check(PROGRAMS_F[name], reset_f, state_f, X3, api)


# ---------------------------------------------------------------------------------------------
# G. helpers given a module's list of arrays, and methods updating their object's array
# ---------------------------------------------------------------------------------------------


def count_all(ws):
    for w in ws:
        w *= 0.5
    return len(ws)


def halve_each(ws):
    for w in ws:
        w *= 0.5


def step_all(ws, x):
    for w in ws:
        w *= 0.5
    return x @ ws[0]


def g_count_all_value(x):
    n = count_all(WS)
    return (x @ WS[0]) * n


def g_count_all_copy_value(x):
    a = x @ WS[0]
    n = count_all(list(WS))
    return a * (x @ WS[0]) * n


def g_count_all_statement(x):
    a = x @ WS[0]
    count_all(WS)
    return a * (x @ WS[0])


def g_count_all_copy_statement(x):
    a = x @ WS[0]
    count_all(list(WS))
    return a * (x @ WS[0])


def g_halve_each(x):
    a = x @ WS[0]
    halve_each(WS)
    return a * (x @ WS[0]) + np.sum(np.sin(x * WS[1]))


COUNT_ALL_REFUSED = (
    "refusal of valid code: `def count_all(ws): for w in ws: w *= 0.5; return len(ws)`;"
    " `def f(x): n = count_all(WS); return (x @ WS[0]) * n` is refused in every API ('`w *= …`"
    " on `w`, which may be an item or attribute of the global `WS`') though n carries no"
    " derivative; `count_all(WS)` as a statement runs and is exact"
)
COUNT_ALL_COPY = (
    "silent wrong gradient in grad, value_and_grad, jacrev and hessian (vjp exact):"
    " `n = count_all(list(WS))` (count_all"
    " doing `for w in ws: w *= 0.5; return len(ws)`) in `a = x @ WS[0]; n = count_all(list(WS));"
    " return a * (x @ WS[0]) * n`: reverse gives [-3.3, -6.6, 3.3] where the plain call's"
    " gradient is [-4.4, -8.8, 4.4] at x=[.3,-.7,1.1]; the same call as a statement, and"
    " `count_all(WS)` given the list itself, are exact or refused"
)
PROGRAMS_G = {name: fn for name, fn in globals().items() if name.startswith("g_")}
XFAIL_G = {
    ("g_count_all_value", "*"): COUNT_ALL_REFUSED,
}
for _a in ("grad", "value_and_grad", "jacrev", "hessian"):
    XFAIL_G[("g_count_all_copy_value", _a)] = COUNT_ALL_COPY
# Since session 58 the copy given (`count_all(list(WS))`, a local holding the module's arrays)
# makes the function a writer's caller, as `count_all(WS)` does: refused in every API as that
# is (no longer silently wrong in reverse mode; forward mode, exact before, refused too)
XFAIL_G[("g_count_all_copy_value", "*")] = COUNT_ALL_REFUSED
for _a in ("grad", "value_and_grad", "jacrev", "hessian"):
    del XFAIL_G[("g_count_all_copy_value", _a)]


@pytest.mark.parametrize(("name", "api"), params(PROGRAMS_G, APIS, XFAIL_G))
def test_helpers_given_a_module_list_of_arrays(name, api):
    check(PROGRAMS_G[name], reset_c, state_c, X3, api)


def h_step_all_value(x):
    return step_all(WS, x) + np.sum(x**2)


LIST_HESSIAN = (
    "hessian changes the module while refusing: `def step_all(ws, x): for w in ws: w *= 0.5;"
    " return x @ ws[0]`; `def f(x): return step_all(WS, x) + np.sum(x**2)`: every first-order"
    " API refuses and leaves WS; ad.hessian(f)(x) refuses too but leaves every array of WS"
    " halved"
)


@pytest.mark.parametrize(
    "api",
    [*FIRST, pytest.param("hessian", marks=pytest.mark.xfail(strict=True, reason=LIST_HESSIAN))],
)
def test_value_helper_updating_module_list_arrays_is_refused(api):
    msg = run_refused(h_step_all_value, reset_c, state_c, X3, api)
    assert "WS" in msg


class Buffer:
    def __init__(self):
        self.buf = np.array([1.0, 2.0, -1.0])

    def step(self, x):
        self.buf *= 0.5
        return x @ self.buf

    def count(self):
        self.buf *= 0.5
        return len(self.buf)


BUFFER = Buffer()


def reset_g():
    BUFFER.buf[:] = [1.0, 2.0, -1.0]


def state_g():
    return [BUFFER.buf]


def h_method_step_value(x):
    return BUFFER.step(x) + np.sum(x**2)


def h_method_count(x):
    n = BUFFER.count()
    return (x @ BUFFER.buf) * n


@pytest.mark.parametrize("api", APIS)
def test_method_updating_its_buffer_for_a_value_is_refused_leaving_module(api):
    run_refused(h_method_step_value, reset_g, state_g, X3, api)


METHOD_COUNT = (
    "refusal of valid code: a method of a module's object updating its own array, `def"
    " count(self): self.buf *= 0.5; return len(self.buf)`; `def f(x): n = BUFFER.count();"
    " return (x @ BUFFER.buf) * n` is refused in every API ('assignment to an attribute (`.buf"
    " = …` would change the object for every name that holds it)') though n carries no"
    " derivative; a helper given the module's array, `count(M)` doing `a *= 0.5`, runs"
)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.xfail(strict=True, reason=METHOD_COUNT)
def test_method_updating_its_buffer_for_a_count(api):
    check(h_method_count, reset_g, state_g, X3, api)
