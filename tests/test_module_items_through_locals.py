"""A module's container or object reached through a local name or a helper, and an item or
attribute of it updated in place (session 55).

`d = CACHE; h = d.get("k"); h.append(v)`, `s = STATE; h = s.buf`, `next(iter(d.values()))`,
or a helper given the module's dict returning `d.get("k")`, `d["a"]["b"]` or `s.buf`: the
derivative code updated a new version of `h`, so the module kept its old state and the
value and gradient read from it were wrong, silently, in both modes. Such an update is
refused at its line, naming the global; reading the items, and updating what a helper
builds anew from them, are differentiated as before.
"""

import numpy as np
import pytest
from module_state_checks import assert_exact, central_differences

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

CACHE = {}
QUEUE = []
OBJECTS = []


class State:
    pass


STATE = State()
X = np.array([0.3, 0.5, 0.7])


def reset():
    CACHE.clear()
    CACHE.update({"k": [1.0], "a": {"b": [1.0]}, "n": 2.0, "w": np.array([1.0, 2.0, 3.0])})
    QUEUE[:] = [[1.0]]
    STATE.buf, STATE.scale = [1.0], 3.0
    STATE.inner = State()
    STATE.inner.buf = [1.0]
    made = State()
    made.buf = [1.0]
    OBJECTS[:] = [made]


def state():
    return repr((CACHE, QUEUE, STATE.buf, STATE.inner.buf, [o.buf for o in OBJECTS]))


def item_of(d):
    return d.get("k")


def item_by_index(d):
    return d["k"]


def item_set_default(d, k):
    return d.setdefault(k, [])


def deep_item(d):
    return d["a"]["b"]


def keyword_item(*, d):
    return d.get("k")


def item_and_number(d):
    return d["k"], 2.0


def buffer_of(s):
    return s.buf


def copy_of_item(d):
    return list(d["k"])


def weights_of(d):
    return d["w"]


def helper_get(x):
    h = item_of(CACHE)
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["k"])


def helper_index(x):
    h = item_by_index(CACHE)
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["k"])


def helper_set_default(x):
    h = item_set_default(CACHE, "k")
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["k"])


def helper_deep(x):
    h = deep_item(CACHE)
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["a"]["b"])


def helper_keyword(x):
    h = keyword_item(d=CACHE)
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["k"])


def helper_tuple(x):
    h, c = item_and_number(CACHE)
    h.append(c)
    return np.sum(x**2) * len(CACHE["k"])


def helper_given_alias(x):
    d = CACHE
    h = deep_item(d)
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["a"]["b"])


def helper_attribute(x):
    h = buffer_of(STATE)
    h.append(1.0)
    return np.sum(x**2) * len(STATE.buf)


def helper_attribute_set(x):
    h = buffer_of(STATE.inner)
    h[0] = 3.0
    return np.sum(x**2) * STATE.inner.buf[0]


def helper_list_item(x):
    h = buffer_of(OBJECTS[0])
    h.append(1.0)
    return np.sum(x**2) * len(OBJECTS[0].buf)


def alias_get(x):
    d = CACHE
    h = d.get("k")
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["k"])


def alias_get_nested(x):
    d = CACHE
    inner = d.get("a")
    h = inner.get("b")
    h.append(x[0])
    return np.sum(x**2) * len(CACHE["a"]["b"])


def alias_attribute(x):
    s = STATE
    h = s.buf
    h.append(1.0)
    return np.sum(x**2) * len(STATE.buf)


def alias_values(x):
    d = CACHE
    h = next(iter(d.values()))
    h.append(1.0)
    return np.sum(x**2) * len(CACHE["k"])


def alias_max(x):
    q = QUEUE
    h = max(q)
    h.append(1.0)
    return np.sum(x**2) * len(QUEUE[0])


def alias_in_loop(x):
    total = 0.0
    for o in OBJECTS:
        h = o.buf
        h.append(float(len(h)))
        total = total + np.sum(x**2) * len(o.buf)
    return total


UPDATES = [
    helper_get,
    helper_index,
    helper_set_default,
    helper_deep,
    helper_keyword,
    helper_tuple,
    helper_given_alias,
    helper_attribute,
    helper_attribute_set,
    helper_list_item,
    alias_get,
    alias_get_nested,
    alias_attribute,
    alias_values,
    alias_max,
    alias_in_loop,
]


def plain(f):
    reset()
    value = f(X)
    return value, state()


@pytest.mark.parametrize("f", UPDATES, ids=lambda f: f.__name__)
def test_plain_call_updates_the_module(f):
    reset()
    before = state()
    _, after = plain(f)
    assert after != before  # (else the case tests nothing)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", UPDATES, ids=lambda f: f.__name__)
def test_update_refused_at_its_line(f, mode):
    reset()
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.grad(f, mode=mode)(X)
    message = str(caught.value)
    assert "test_module_items_through_locals.py" in message
    assert any(g in message for g in ("CACHE", "STATE", "QUEUE", "OBJECTS")), message


def read_item_through_alias(x):
    d = CACHE
    n = d.get("n")
    return np.sum(x**2) * (n + 1.0)


def read_attribute_through_alias(x):
    s = STATE
    w = s.scale
    return np.sum(x**2) * w


def read_weights_from_helper(x):
    w = weights_of(CACHE)
    return np.sum(x**2 * w)


def update_a_copy_made_by_a_helper(x):
    h = copy_of_item(CACHE)
    h.append(1.0)
    h[0] = 5.0
    return np.sum(x**2) * len(h) * h[0]


def read_values_through_alias(x):
    d = CACHE
    total = 0.0
    for v in d.values():
        if isinstance(v, list):
            total = total + len(v)
    return np.sum(x**2) * total


READS = [
    read_item_through_alias,
    read_attribute_through_alias,
    read_weights_from_helper,
    update_a_copy_made_by_a_helper,
    read_values_through_alias,
]


@pytest.mark.parametrize(
    "api",
    ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"],
)
@pytest.mark.parametrize("f", READS, ids=lambda f: f.__name__)
def test_reads_and_fresh_copies_stay_exact(f, api):
    assert_exact(f, X, api, reset, state)


# `x op= v` of an item or attribute read out of a module's container or object: a number
# (or string, tuple) is rebound, as in Python, and differentiated (these were refused as
# updates of the global before session 55); an array, list or object the operator would
# update in place is refused at the update's line when the derivative runs (`rt.rebound`),
# the module left as it was.
SETTINGS = {"lr": 0.5, "w": np.array([1.0, 2.0, 3.0])}
STEPS = [0.1, 0.2, 0.3]
ARRAYS = [np.ones(3), np.ones(3)]
WORK = np.ones(3)


class Model:
    pass


MODEL = Model()
MODEL.scale, MODEL.w = 2.0, np.array([1.0, 2.0, 3.0])


def scale_of(m):
    return m.scale


def decayed_rate(x):
    lr = SETTINGS["lr"]
    lr *= np.sum(x)
    return lr * np.sum(x**2)


def rate_in_a_loop(x):
    lr = SETTINGS["lr"]
    for _ in range(3):
        lr *= 0.9
        x = x - lr * x**2
    return np.sum(x)


def steps_of_a_module_list(x):
    total = 0.0
    for w in STEPS:
        w += 0.1
        total = total + w * np.sum(x**2)
    return total


def attribute_through_alias(x):
    m = MODEL
    c = m.scale
    c -= 0.5
    return np.sum(x**2) * c


def attribute_from_helper(x):
    c = scale_of(MODEL)
    c += np.sum(x)
    return np.sum(x**2) * c


NUMBERS = [
    decayed_rate,
    rate_in_a_loop,
    steps_of_a_module_list,
    attribute_through_alias,
    attribute_from_helper,
]


def module_state():
    return repr((SETTINGS, STEPS, ARRAYS, WORK, MODEL.scale, MODEL.w))


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "hessian"])
@pytest.mark.parametrize("f", NUMBERS, ids=lambda f: f.__name__)
def test_number_items_rebound_exactly(f, api):
    before = module_state()
    value = f(X)
    assert module_state() == before  # (a number rebound: nothing updated)
    if api == "hessian":
        got = ad.hessian(f)(X)
        second = central_differences(ad.grad(f), X, reset)
        np.testing.assert_allclose(got, second, rtol=1e-5, atol=1e-6)
    elif api == "value_and_grad":
        v, got = ad.value_and_grad(f)(X)
        assert v == value
        np.testing.assert_allclose(got, central_differences(f, X, reset), rtol=1e-6, atol=1e-7)
    else:
        mode = "forward" if api == "grad_forward" else "reverse"
        got = ad.grad(f, mode=mode)(X)
        np.testing.assert_allclose(got, central_differences(f, X, reset), rtol=1e-6, atol=1e-7)
    assert module_state() == before


def array_item_updated(x):
    h = SETTINGS["w"]
    h += x
    return np.sum(h * x)


def array_attribute_updated(x):
    m = MODEL
    w = m.w
    w *= 2.0
    return np.sum(w * x)


def arrays_of_a_module_list_updated(x):
    total = 0.0
    for a in ARRAYS:
        a += 1.0
        total = total + np.sum(a * x)
    return total


def module_array_itself_updated(x):
    b = WORK
    b += 1.0
    return np.sum(b * x)


IN_PLACE = [
    array_item_updated,
    array_attribute_updated,
    arrays_of_a_module_list_updated,
    module_array_itself_updated,
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("f", IN_PLACE, ids=lambda f: f.__name__)
def test_in_place_items_refused_at_the_update(f, mode):
    before = module_state()
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.grad(f, mode=mode)(X)
    message = str(caught.value)
    assert "test_module_items_through_locals.py" in message and "global" in message
    assert "= …` on" in message
    assert module_state() == before
