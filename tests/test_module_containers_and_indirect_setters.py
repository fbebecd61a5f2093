"""Module arrays kept in local containers across helpers that update them, and setters
reached indirectly (session 58).

A helper updating a module's arrays in place (`for w in WS: w *= 0.5`) changes what any
list, tuple or dict holding those very arrays reads afterwards, however the container was
made: a comprehension, `map`, `zip`, `enumerate`, `+`, `extend`, `append` in a loop, a starred
unpacking, nested lists. A helper reaching a setter (a `partial(setattr, OPT, "lr")` or a
helper of yours) through a module dict or list, a default argument or a closure changes the
module as calling it by name does; given a value carrying a derivative, that store is refused
where it is read back, never a silent zero. Each derivative is checked against central
differences, forward mode against reverse, the value and the module state after the call
against one plain call's.
"""

import functools
import operator

import numpy as np
import pytest
from module_state_checks import assert_hessian_exact, central_differences

import s2s_ad as ad

WS = [np.array([1.0, 2.0, -1.0]), np.array([0.5, -0.5, 2.0])]
CFG = {"k": np.array([1.0, -2.0, 0.5]), "b": np.array([0.2, 0.3, 0.4])}
_WS0 = [w.copy() for w in WS]
_CFG0 = {k: v.copy() for k, v in CFG.items()}


class Opt:
    lr = 0.5


OPT = Opt()
RATES = {"lr": 0.5}


def reset():
    for w, w0 in zip(WS, _WS0, strict=True):
        w[:] = w0
    for k in CFG:
        CFG[k][:] = _CFG0[k]
    OPT.lr = 0.5
    RATES["lr"] = 0.5


def state():
    return [w.copy() for w in WS] + [v.copy() for v in CFG.values()] + [OPT.lr, RATES["lr"]]


def shrink():
    for w in WS:
        w *= 0.5
    a = CFG["k"]
    a += 1.0


# --- A. module arrays in local containers, read around `shrink()` ---------------------------


def a_loop_read_before_append(x):
    kept = []
    tot = 0.0
    for _, v in CFG.items():
        if kept:
            a = x @ kept[-1]
            shrink()
            tot = tot + a * (x @ kept[-1])
        kept.append(v)
    return tot


def a_map_asarray_same_name(x):
    ws = list(map(np.asarray, WS))
    w = ws[0]
    a = x @ w
    shrink()
    return a * (x @ w)


def a_zip_pairs_loop(x):
    pairs = list(zip(["a", "b"], WS, strict=True))
    tot = 0.0
    for _, w in pairs:
        a = np.sum(np.sin(x * w))
        shrink()
        tot = tot + a * np.sum(x * w)
    return tot


def a_nested_lists(x):
    grid = [[WS[0], CFG["k"]], [WS[1]]]
    rows = grid + [[CFG["b"]]]  # noqa: RUF005 - the join people write
    a = x @ rows[0][1]
    shrink()
    return a * (x @ rows[0][1]) + x @ rows[2][0]


def a_dict_comprehension(x):
    d = {k: v for k, v in CFG.items()}
    a = x @ d["k"]
    shrink()
    return a * (x @ d["k"])


def a_tuple_unpacked(x):
    w0, w1 = tuple(WS)
    a = x @ w0
    shrink()
    return a * (x @ w0) + x @ w1


def a_sorted_by_key(x):
    ws = sorted(WS, key=lambda w: w[0])
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def a_enumerate_joined(x):
    tot = 0.0
    for i, w in enumerate(list(WS) + [CFG["k"]]):  # noqa: RUF005
        a = x @ w
        shrink()
        tot = tot + (i + 1) * a * (x @ w)
    return tot


def a_extended(x):
    ws = []
    ws.extend(WS)
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def a_dict_of_lists(x):
    groups = {"w": list(WS), "c": [CFG["k"]]}
    a = np.sum(np.tanh(x * groups["w"][1]))
    shrink()
    return a * np.sum(x * groups["w"][1]) + x @ groups["c"][0]


def a_map_asarray(x):
    ws = list(map(np.asarray, WS))
    a = x @ ws[0]
    shrink()
    return a * (x @ ws[0])


def a_dict_zip(x):
    d = dict(zip(["a", "b"], WS, strict=True))
    a = x @ d["a"]
    shrink()
    return a * (x @ d["a"])


def a_starred_module_list(x):
    ws = [*WS, CFG["k"]]
    a = x @ ws[2]
    shrink()
    return a * (x @ ws[2]) + x @ ws[0]


def a_starred_in_tuple(x):
    a = np.sum(np.concatenate((*WS, x)) ** 2)
    shrink()
    return a * np.sum(np.stack([x, *WS]) ** 2)


PROGRAMS_A = {name: fn for name, fn in globals().items() if name.startswith("a_")}


# --- B. writers reached through a default argument, a closure or a loop over a module list ---


def halve_lr():
    OPT.lr = OPT.lr * 0.5


set_rate = functools.partial(operator.setitem, RATES, "lr")
set_lr = functools.partial(setattr, OPT, "lr")


def run_default(step=halve_lr):
    step()


def b_default_function(x):
    a = np.sum(np.sin(x)) * OPT.lr
    run_default()
    return a * OPT.lr


def make_runner(step):
    def run():
        step()

    return run


RUN = make_runner(halve_lr)


def b_closure_function(x):
    a = np.sum(np.sin(x)) * OPT.lr
    RUN()
    return a * OPT.lr


STEPS = [halve_lr, set_rate]


def run_first_steps():
    for step in STEPS[:1]:
        step()


def b_loop_over_slice(x):
    a = np.sum(np.sin(x)) * OPT.lr
    run_first_steps()
    return a * OPT.lr


def decay_rate(setter=set_rate):
    setter(RATES["lr"] * 0.5)


def b_default_partial(x):
    a = np.sum(np.sin(x)) * RATES["lr"]
    decay_rate()
    return a * RATES["lr"]


def decay_keyword(*, setter=set_rate):
    setter(RATES["lr"] * 0.5)


def b_keyword_only_default(x):
    a = np.sum(np.sin(x)) * RATES["lr"]
    decay_keyword()
    return a * RATES["lr"]


DECAYS = {"lr": set_lr}


def decay_all():
    for name, setter in DECAYS.items():
        setter(getattr(OPT, name) * 0.5)


def b_dict_items_loop(x):
    a = np.sum(np.sin(x) * x) * OPT.lr
    decay_all()
    return a * OPT.lr + np.sum(x) * OPT.lr


PROGRAMS_B = {name: fn for name, fn in globals().items() if name.startswith("b_")}

APIS = ("grad", "grad_forward", "value_and_grad", "vjp", "jvp", "jacrev", "hessian")


def _derivative(f, x, api):
    if api == "grad":
        return None, ad.grad(f)(x)
    if api == "grad_forward":
        return None, ad.grad(f, mode="forward")(x)
    if api == "value_and_grad":
        return ad.value_and_grad(f)(x)
    if api == "vjp":
        value, pullback = ad.vjp(f, x)
        return value, pullback(1.0)[0]
    if api == "jvp":  # (the gradient, one basis tangent at a time, each from the state reset)
        rows = []
        for e in np.eye(len(x)):
            reset()
            rows.append(ad.jvp(f, (x,), (e,)))
        return rows[0][0], np.array([t for _, t in rows])
    return None, ad.jacrev(f)(x)


X = np.array([0.3, -0.7, 1.1])


def check(f, api, x=X):
    reset()
    plain = f(x)
    after = state()
    expected = central_differences(f, x, reset)
    reset()
    if api == "hessian":
        assert_hessian_exact(f, x, reset)
        return
    value, got = _derivative(f, x, api)
    for now, then in zip(state(), after, strict=True):
        np.testing.assert_array_equal(now, then)  # (changed once, as by one plain call)
    if value is not None:
        np.testing.assert_allclose(value, plain, rtol=1e-12)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", sorted(PROGRAMS_A))
def test_module_arrays_in_local_containers(name, api):
    check(PROGRAMS_A[name], api)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", sorted(PROGRAMS_B))
def test_writers_reached_indirectly(name, api):
    check(PROGRAMS_B[name], api)


# --- C. a value carrying a derivative stored through an indirect setter: refused -------------


def store_through_dict(v):
    DECAYS["lr"](v)


def c_dict(x):
    store_through_dict(np.sum(x))  # STORE
    return OPT.lr * 2.0


def store_by_default(v, setter=set_rate):
    setter(v)


def c_default(x):
    store_by_default(np.sum(x * x))  # STORE
    return RATES["lr"] * 2.0


def make_store(setter):
    def store(v):
        setter(v)

    return store


STORE = make_store(set_lr)


def c_closure(x):
    STORE(np.sum(x))  # STORE
    return OPT.lr * 3.0


def store_by_name(v):
    set_lr(v)


def c_by_name(x):
    store_by_name(np.sum(np.sin(x)))  # STORE
    return OPT.lr * 2.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("fn", [c_dict, c_default, c_closure, c_by_name], ids=lambda f: f.__name__)
def test_derivative_stored_through_an_indirect_setter_is_refused(fn, mode):
    from module_state_checks import marked_line

    reset()
    with pytest.raises(ad.S2SError) as caught:
        ad.grad(fn, mode=mode)(X)
    message = str(caught.value)
    assert f"{__file__}:{marked_line(fn)}" in message
    assert "carries a derivative" in message and "reads it back" in message


# --- D. starred items of unknown length in list and tuple displays: joined when run ---------


def pair_of(x):
    return [x, np.sin(x)]


def d_helper_result_starred(x):
    ys = [*pair_of(x), x * 3.0]
    return np.sum(ys[1] * ys[2])


def d_several_starred(x):
    ws = [x, *WS, *[x * 2.0], *WS[1:]]
    return np.sum(np.stack(ws) ** 2)


def d_tuple_display_joined(x):
    parts = (*pair_of(x), *WS)
    return np.sum(np.concatenate(parts) * np.tile(x, 4))


def d_starred_in_loop(x):
    acc = []
    for k in range(3):
        acc = [*acc, np.tanh(x * (k + 1))]
    return np.sum(np.stack(acc) ** 2)


def d_appended_then_starred(x):
    acc = [x]
    tot = 0.0
    for _ in range(2):
        acc.append(np.sin(acc[-1]))
        tot = np.sum(np.stack([*acc]))
    return tot


def d_tuple_grown_then_starred(x):
    acc = (x,)
    total = 0.0
    for k in range(3):
        acc = (*acc, np.cos(x * k))
        total = total + sum(np.sum(a * a) for a in [*acc])
    return total


def d_starred_unpacked_target(x):
    first, *rest = (*pair_of(x), *WS)
    return np.sum(first * rest[0]) + np.sum(rest[-1] * x)


PROGRAMS_D = {name: fn for name, fn in globals().items() if name.startswith("d_")}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", sorted(PROGRAMS_D))
def test_starred_items_of_unknown_length_in_displays(name, api):
    check(PROGRAMS_D[name], api)


# --- E. setters given to a helper, an object's own setter partial, a repeated module list ---

set_rate_item = functools.partial(RATES.__setitem__, "lr")


def apply(setter, value):
    setter(value)


def e_setter_given_to_helper(x):
    a = np.sum(np.sin(x)) * OPT.lr
    apply(set_lr, 0.125)
    return a * OPT.lr + np.sum(x * x) * OPT.lr


def e_own_setter_partial(x):
    a = np.sum(np.sin(x)) * RATES["lr"]
    apply(set_rate_item, 0.25)
    return a * RATES["lr"]


def e_repeated_module_list(x):
    ws = WS * 2
    shrink()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[3] * x))


def e_module_list_joined_to_local(x):
    ws = WS + [x]  # noqa: RUF005
    shrink()
    return np.sum(ws[0] * ws[2]) + np.sum(ws[1] * x)


PROGRAMS_E = {name: fn for name, fn in globals().items() if name.startswith("e_")}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", sorted(PROGRAMS_E))
def test_setters_given_and_lists_repeated(name, api):
    check(PROGRAMS_E[name], api)


class Scheduler:
    def __init__(self, opt):
        self.opt = opt

    def set(self, value):
        self.opt.lr = value


SCHEDULER = Scheduler(OPT)


def c_setter_given_to_helper(x):
    apply(set_lr, float(np.sin(x[0])))  # STORE
    return OPT.lr * np.sum(np.cos(x))


def c_own_setter_partial_in_helper(x):
    apply(set_rate_item, float(np.sum(x * x)))  # STORE
    return RATES["lr"] * 2.0


def c_method_storing_into_another_name(x):
    SCHEDULER.set(float(np.tanh(x[0])))  # STORE
    return OPT.lr * np.sum(np.sin(x))


def c_slice_of_module_list_read_back(x):
    ws = WS[:]
    add_to_first(np.sin(x))  # STORE
    return np.sum(ws[0] * x)


def c_joined_list_read_back(x):
    ws = [*WS, CFG["b"]]
    add_to_first(np.tanh(x))  # STORE
    return np.sum(ws[0] * x)


def add_to_first(v):
    WS[0] += v


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    "fn",
    [
        c_setter_given_to_helper,
        c_own_setter_partial_in_helper,
        c_method_storing_into_another_name,
        c_slice_of_module_list_read_back,
        c_joined_list_read_back,
    ],
    ids=lambda f: f.__name__,
)
def test_derivative_stored_and_read_back_another_way_is_refused(fn, mode):
    test_derivative_stored_through_an_indirect_setter_is_refused(fn, mode)
