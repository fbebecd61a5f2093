"""Attributes and items of module (and closure) objects set by assignment (session 55):
`STATE.n += 1`, `OPT.lr *= 0.5`, `HOLD["s"].lr = v`, `HISTORY["loss"] = float(loss)`,
`CACHE["n"] += 1`, `ARR[1] = 3.0` are set as `setattr` and `__setitem__` set them
(ssa/module_attributes.py), with the checks such a call gets; they were refused before.
"""

import types

import numpy as np
import pytest
from module_state_checks import assert_exact

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

STATE = types.SimpleNamespace(n=0, scale=1.5, last=None, arr=np.ones(3))
HISTORY = {}
CACHE = {"n": 0}
ARR = np.ones(3)
BUF = [0.0, 0.0]
OPT = types.SimpleNamespace(inner=types.SimpleNamespace(lr=0.5))
HOLD = {"s": STATE}
X = np.array([0.3, -0.7, 1.1])


def reset():
    STATE.n, STATE.scale, STATE.last, STATE.arr = 0, 1.5, None, np.ones(3)
    OPT.inner.lr = 0.5
    HISTORY.clear()
    CACHE["n"] = 0
    ARR[:] = 1.0
    BUF[:] = [0.0, 0.0]


def snapshot():
    state = (STATE.n, STATE.scale, STATE.last, STATE.arr, OPT.inner.lr)
    return repr((*state, HISTORY, CACHE, ARR, BUF))


def counter_and_scale(x):
    STATE.n += 1
    STATE.scale = STATE.scale * 0.5
    return np.sum(x**2) * STATE.scale * STATE.n


def decay_in_a_loop(x):
    y = x
    for _ in range(4):
        y = y - OPT.inner.lr * np.sin(y) * y
        OPT.inner.lr *= 0.5
    return np.sum(y**2)


def decay_through_a_dict_item(x):
    y = x
    k = 0
    while k < 3:
        y = np.tanh(y) * HOLD["s"].scale
        HOLD["s"].scale -= 0.25
        k += 1
    return np.sum(y)


def counter_with_break(x):
    total = 0.0
    for i in range(5):
        STATE.n += 1
        total = total + np.sum(np.cos(x * i))
        if STATE.n >= 3:
            break
    return total * STATE.n


def closure_object():
    box = types.SimpleNamespace(steps=0)

    def f(x):
        box.steps += 2
        return np.sum(x**3) * box.steps

    return f, box


def metrics_and_counters(x):
    loss = np.sum(np.sin(x) * x)
    HISTORY["loss"] = float(loss)
    CACHE["n"] = CACHE.get("n", 0) + 1
    CACHE["n"] += 1
    BUF[1] = np.sum(x**2)  # (a value carrying a derivative, stored, not read back)
    return loss * CACHE["n"]


def array_item_set_between_reads(x):
    y = x * ARR
    ARR[1] = 3.0
    return np.sum(y * ARR)


SETS = [
    counter_and_scale,
    decay_in_a_loop,
    decay_through_a_dict_item,
    counter_with_break,
    metrics_and_counters,
    array_item_set_between_reads,
]


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize("f", SETS, ids=lambda f: f.__name__)
def test_module_attributes_set_exactly(f, api):
    assert_exact(f, X, api, reset, snapshot)


def test_closure_object_attribute():
    f, box = closure_object()
    ad.grad(f)(X)
    assert box.steps == 2
    np.testing.assert_allclose(ad.grad(f)(X), 3 * X**2 * 4, rtol=1e-12)
    assert box.steps == 4


def stored_and_read_back(x):
    STATE.last = np.sum(x**2)
    return STATE.last * 3.0


def array_attribute_updated(x):
    STATE.arr += x
    return np.sum(STATE.arr)


def array_item_stored_and_read_back(x):
    ARR[0] = np.sum(x**2)
    return np.sum(x * ARR)


def local_object_attribute(x):
    s = types.SimpleNamespace(a=1.0)
    s.a = 2.0
    return np.sum(x) * s.a


@pytest.mark.parametrize(
    "f",
    [
        stored_and_read_back,
        array_attribute_updated,
        array_item_stored_and_read_back,
        local_object_attribute,
    ],
)
def test_still_refused_at_the_line(f):
    reset()
    before = snapshot()
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.grad(f)(X)
    assert "test_module_attributes_set.py" in str(caught.value)
    assert snapshot() == before
