"""A helper storing a value made from a differentiated argument where the function reads it
back is refused at the call (ad/stored_derivatives.py); helpers that only log such a value, or
store values made from nothing differentiated, are called as before, with right derivatives."""

from __future__ import annotations

import types

import numpy as np
import pytest

import s2s_ad as ad

STATE = types.SimpleNamespace(last=0.0, step=0)
LOG: list = []
TOTAL = 0.0
X = np.array([0.3, -0.7, 1.1])


class Box:
    def __init__(self, w=0.0):
        self.w = w
        self.train = True


def record(v):
    STATE.last = v


def record_scaled(v, k=2.0):
    y = v * k
    STATE.last = y


def append_log(v):
    LOG.append(v)


def set_total(v):
    global TOTAL
    TOTAL = v


def set_by_name(v):
    setattr(STATE, "last", v)  # noqa: B010 (the builtin is what is tested)


def store_into(box, v):
    box.w = v


def store_via(v):
    record(v)  # a helper of a helper


def double(box):
    box.w = box.w * 2.0


def store_and_return(box, v):
    box.w = v
    return v * 2.0


def record_and_return(v):
    STATE.last = v
    return v * 2.0


def append_and_return(v):
    LOG.append(v)
    return v * 2.0


def tick():
    STATE.step = STATE.step + 1


def switch_off(box, v):
    if v > 1.0:
        box.train = False


def reset():
    LOG.clear()
    STATE.last, STATE.step = 0.0, 0


# --- refused: stored, then read back ----------------------------------------------------------


def r_attribute(x):
    record(np.sum(x * x))
    return STATE.last * 3.0 + np.sum(x)


def r_made_in_helper(x):
    record_scaled(np.sum(np.sin(x)), k=3.0)
    return STATE.last + np.sum(x)


def r_list(x):
    append_log(np.sum(x * x))
    return LOG[-1] * np.sum(x)


def r_global(x):
    set_total(np.sum(x))
    return TOTAL * 2.0 + np.sum(x * x)


def r_setattr(x):
    set_by_name(np.sum(np.cos(x)))
    return STATE.last * np.sum(x)


def r_object(x):
    b = Box()
    store_into(b, np.sum(x * x))
    return b.w + np.sum(x)


def r_keyword(x):
    b = Box()
    store_into(v=np.sum(x), box=b)
    return b.w * 2.0


def r_nested_helper(x):
    store_via(np.sum(x * x))
    return STATE.last + 1.0


def r_in_loop(x):
    s = 0.0
    for i in range(3):
        append_log(x[i] * 2.0)
        s = s + LOG[-1] * x[i]
    return s


def r_called_for_value(x):
    y = record_and_return(np.sum(x * x))
    return y + STATE.last


def r_list_called_for_value(x):
    y = append_and_return(np.sum(np.sin(x)))
    return y * LOG[-1]


def r_argument_object(b):
    double(b)
    return np.sum(b.w**2)


REFUSED = {
    "attribute": (r_attribute, lambda: (X.copy(),), "record(np.sum(x * x))"),
    "made_in_helper": (
        r_made_in_helper,
        lambda: (X.copy(),),
        "record_scaled(np.sum(np.sin(x)), k=3.0)",
    ),
    "list": (r_list, lambda: (X.copy(),), "append_log(np.sum(x * x))"),
    "global": (r_global, lambda: (X.copy(),), "set_total(np.sum(x))"),
    "setattr": (r_setattr, lambda: (X.copy(),), "set_by_name(np.sum(np.cos(x)))"),
    "object": (r_object, lambda: (X.copy(),), "store_into(b, np.sum(x * x))"),
    "keyword": (r_keyword, lambda: (X.copy(),), "store_into(v=np.sum(x), box=b)"),
    "nested_helper": (r_nested_helper, lambda: (X.copy(),), "store_via(np.sum(x * x))"),
    "in_loop": (r_in_loop, lambda: (X.copy(),), "append_log(x[i] * 2.0)"),
    "argument_object": (r_argument_object, lambda: (Box(X.copy()),), "double(b)"),
    "called_for_value": (
        r_called_for_value,
        lambda: (X.copy(),),
        "y = record_and_return(np.sum(x * x))",
    ),
    "list_called_for_value": (
        r_list_called_for_value,
        lambda: (X.copy(),),
        "y = append_and_return(np.sum(np.sin(x)))",
    ),
}


def _line_of(f, text):
    import inspect

    lines, start = inspect.getsourcelines(f)
    return start + [line.strip() for line in lines].index(text)


@pytest.mark.parametrize("api", ["grad", "forward", "hessian"])
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_at_the_call(name, api):
    f, make_args, call = REFUSED[name]
    args = make_args()
    reset()
    with pytest.raises(ad.S2SError) as info:
        if api == "grad":
            ad.grad(f)(*args)
        elif api == "forward":
            ad.grad(f, mode="forward")(*args)
        else:
            ad.hessian(f)(*args)
    msg = str(info.value)
    assert f"{__file__}:{_line_of(f, call)}:" in msg, msg
    assert "stores" in msg and "reads it back" in msg, msg


# --- not refused: right derivatives ------------------------------------------------------------


def ok_logged_only(x):
    y = np.sum(np.sin(x) * x)
    append_log(y)  # read back by no one
    record(y)
    return y * 2.0


def ok_constant_stored(x):
    b = Box()
    s = np.sum(x * x)
    switch_off(b, s)  # stores False: no derivative
    if b.train:
        return s * 2.0
    return np.sqrt(s)


def ok_counter(x):
    total = 0.0
    for _ in range(3):
        tick()
        total = total + np.sum(np.sin(x * STATE.step))
    return total


def ok_read_before(x):
    a = np.sum(x) * STATE.last  # read before the store only
    record(np.sum(x * x))
    return a + np.sum(x * x)


def ok_stored_fixed_value(x, scale):
    record(scale * 2.0)  # `scale` held fixed: no derivative stored
    return np.sum(x * x) * STATE.last


OK = {
    "logged_only": (ok_logged_only, (X,)),
    "constant_stored": (ok_constant_stored, (X,)),
    "counter": (ok_counter, (X,)),
    "read_before": (ok_read_before, (X,)),
    "stored_fixed_value": (ok_stored_fixed_value, (X, 1.5)),
}


def _central(f, args):
    x = args[0]
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = 1e-6
        reset()
        up = f(x + e, *args[1:])
        reset()
        down = f(x - e, *args[1:])
        g[k] = (up - down) / 2e-6
    return g


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("name", sorted(OK))
def test_not_refused_and_right(name, mode):
    f, args = OK[name]
    reset()
    plain = f(*args)
    reset()
    value, g = ad.value_and_grad(f, mode=mode)(*args)
    np.testing.assert_allclose(value, plain, rtol=1e-12)
    np.testing.assert_allclose(g, _central(f, args), rtol=1e-6, atol=1e-8)


# --- a lambda's body called for its effect runs, as in the plain call ---------------------------

OUT: list = []


def lambda_effects(x):
    show = lambda v: print("loss", v)  # noqa: E731
    note = lambda v: setattr(STATE, "last", v)  # noqa: E731
    push = lambda v: OUT.append(v)  # noqa: E731
    y = np.sum(x * x)
    show(y)
    note(y)
    push(y)
    return y * 2.0


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_lambdas_effects_run_once(mode, capsys):
    reset()
    OUT.clear()
    value, g = ad.value_and_grad(lambda_effects, mode=mode)(X)
    assert value == 2.0 * np.sum(X * X)
    np.testing.assert_allclose(g, 4.0 * X)
    assert capsys.readouterr().out == f"loss {np.sum(X * X)}\n"
    assert STATE.last == np.sum(X * X)
    assert [np.sum(X * X)] == OUT


def lambda_store_read_back(x):
    note = lambda v: setattr(STATE, "last", v)  # noqa: E731
    y = np.sum(x * x)
    note(y)
    return STATE.last + y


def test_a_lambdas_store_read_back_is_refused_where_it_stores():
    with pytest.raises(ad.S2SError) as info:
        ad.grad(lambda_store_read_back)(X)
    written = 'note = lambda v: setattr(STATE, "last", v)  # noqa: E731'
    assert f"{__file__}:{_line_of(lambda_store_read_back, written)}:" in str(info.value)
