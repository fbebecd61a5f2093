"""A value carrying a derivative stored into module objects in a loop over them (the
function's own `for o in OBJS: setattr(o, "lr", v)`, or a helper's `for o in objs: o.lr =
v`, `for o in d.values()`, `enumerate(objs)`) or by a setter's
`partial` (`partial(setattr, OBJS[0], "lr")`, a list of them, `partial(operator.setitem,
CACHE, "k")`), then read back: the derivative code stores the value alone, so it is refused
at the store's line. The same stores of constants, or never read back, are exact."""

import functools
import operator

import numpy as np
import pytest
from module_state_checks import assert_exact, marked_line

import s2s_ad as ad


class Box:
    lr = 0.0


OBJS = [Box(), Box()]
HOLD = {"s": Box(), "t": Box()}
CACHE = {}
SET_LR0 = functools.partial(setattr, OBJS[0], "lr")
OPS = [functools.partial(setattr, HOLD["s"], "lr")]
PUT_K = functools.partial(operator.setitem, CACHE, "k")


def reset():
    for o in (*OBJS, *HOLD.values()):
        o.lr = 0.0
    CACHE.clear()
    CACHE["k"] = 1.0


def snapshot():
    def plain(v):
        return np.asarray(v).tolist()

    objects = [plain(o.lr) for o in (*OBJS, *HOLD.values())]
    return objects, plain(CACHE["k"])


reset()


def put_all(objs, v):
    for o in objs:
        o.lr = v


def put_vals(d, v):
    for o in d.values():
        o.lr = v


def put_scaled(objs, v):
    for i, o in enumerate(objs):
        o.lr = v * (i + 1)


def put_module(v):
    for o in OBJS:
        o.lr = v


def helper_loops_over_list(x):
    put_all(OBJS, np.tanh(x))  # STORE
    return np.sum(OBJS[1].lr * x)


def helper_loops_over_dict_values(x):
    put_vals(HOLD, np.sin(x))  # STORE
    return np.sum(HOLD["t"].lr * x)


def helper_loops_with_enumerate(x):
    put_scaled(OBJS, np.sin(x))  # STORE
    return np.sum(OBJS[0].lr + x)


def helper_loops_over_module_list(x):
    put_module(np.cos(x))  # STORE
    return np.sum(OBJS[0].lr * x)


def partial_setattr(x):
    SET_LR0(np.sin(x))  # STORE
    return np.sum(OBJS[0].lr * x)


def list_of_partials(x):
    OPS[0](np.sin(x) * 2.0)  # STORE
    return np.sum(HOLD["s"].lr * x)


def partial_setitem(x):
    PUT_K(np.sum(x**2))  # STORE
    return CACHE["k"] * 3.0


def own_loop_read_through_lambda(x):
    v = x * x
    for o in OBJS:
        setattr(o, "lr", v)  # noqa: B010 STORE
    get = lambda: OBJS[1].lr  # noqa: E731
    return np.sum(get() + x)


def own_loop_read_next_iteration(x):
    acc = 0.0
    for i in range(3):
        acc = acc + OBJS[1].lr * x[i]
        for o in OBJS:
            setattr(o, "lr", np.sin(x[i]))  # noqa: B010 STORE
    return acc


def own_loop_over_dict_values(x):
    for o in HOLD.values():
        setattr(o, "lr", np.cos(x))  # noqa: B010 STORE
    return np.sum(HOLD["t"].lr * x)


def own_loop_assigns_attribute(x):
    v = np.sin(x)
    for o in OBJS:
        o.lr = v  # STORE
    return np.sum(OBJS[0].lr * x)


def own_loop_over_dict_items_assigns(x):
    for _key, o in HOLD.items():
        o.lr = np.cos(x)  # STORE
    return np.sum(HOLD["s"].lr)


REFUSED = [
    own_loop_assigns_attribute,
    own_loop_over_dict_items_assigns,
    own_loop_read_through_lambda,
    own_loop_read_next_iteration,
    own_loop_over_dict_values,
    helper_loops_over_list,
    helper_loops_over_dict_values,
    helper_loops_with_enumerate,
    helper_loops_over_module_list,
    partial_setattr,
    list_of_partials,
    partial_setitem,
]
X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("api", ["grad", "jacfwd", "jacrev", "value_and_grad"])
@pytest.mark.parametrize("f", REFUSED, ids=lambda f: f.__name__)
def test_value_with_derivative_stored_and_read_back_is_refused(f, api):
    reset()
    with pytest.raises(ad.S2SError) as info:
        getattr(ad, api)(f)(X)
    assert f"{__file__}:{marked_line(f)}:" in str(info.value)


def constant_stored_by_loop_then_read(x):
    put_all(OBJS, 0.5)
    return np.sum(OBJS[1].lr * x**2)


def stored_by_loop_not_read_back(x):
    put_vals(HOLD, np.sin(x))
    return np.sum(x**2)


def constant_through_partial_then_read(x):
    SET_LR0(2.0)
    return np.sum(OBJS[0].lr * np.sin(x))


def partial_store_not_read_back(x):
    OPS[0](np.sin(x))
    PUT_K(np.sum(x))
    return np.sum(np.tanh(x))


def own_loop_constant_then_read(x):
    for o in OBJS:
        setattr(o, "lr", 1.5)  # noqa: B010
    return np.sum(OBJS[1].lr * np.sin(x))


def own_loop_not_read_back(x):
    v = np.tanh(x)
    for o in OBJS:
        setattr(o, "lr", v)  # noqa: B010
    return np.sum(v * x)


def own_loop_assigns_not_read_back(x):
    v = x * x
    for o in OBJS:
        o.lr = v
    for i, o in enumerate(HOLD.values()):
        o.lr = np.cos(x) * i
    return np.sum(v + x)


def own_loop_assigns_constant_then_read(x):
    for o in HOLD.values():
        o.lr = 0.25
    return np.sum(HOLD["t"].lr * x**2)


EXACT = [
    own_loop_assigns_not_read_back,
    own_loop_assigns_constant_then_read,
    own_loop_constant_then_read,
    own_loop_not_read_back,
    constant_stored_by_loop_then_read,
    stored_by_loop_not_read_back,
    constant_through_partial_then_read,
    partial_store_not_read_back,
]


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize("f", EXACT, ids=lambda f: f.__name__)
def test_store_of_constant_or_unread_is_exact(f, api):
    assert_exact(f, X, api, reset, snapshot)
