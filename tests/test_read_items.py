"""A helper's outputs its caller reads no derivative of are not differentiated in the
helper's code (ad/read_items.py): where such an output's partial is infinite (`math.sqrt`
at 0), the derivative through the outputs read stays finite, as JAX's symbolic zeros give.
Outputs read in any other way keep their derivatives."""

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad


def pair(t):
    return t * 2.0, math.sqrt(t)


def triple(t):
    return t * 2.0, math.sqrt(t), t**3


def as_list(t):
    return [t * 2.0, math.sqrt(t)]


def as_dict(t):
    return {"a": t * 2.0, "b": math.sqrt(t)}


def forwards(t):
    return pair(t)


def nested(t):
    return (t * 2.0, math.sqrt(t)), {"rmse": math.sqrt(t), "n": 3.0}


def two_returns(t, early):
    if early:
        return {"a": t * 2.0, "b": math.sqrt(t)}
    return {"a": t * 2.0, "b": math.sqrt(t) * 2.0}


def grown(t):
    r = [t * 2.0]
    r.append(math.sqrt(t))
    r.append(t * 0.0 + 1.0)
    return r


def unpacked(x):
    a, _ = pair(x)
    return a * x


def negative_index(x):
    p = pair(x)
    return p[-2] * x


def middle_unread(x):
    a, _, c = triple(x)
    return a * x + c


def list_result(x):
    a, _ = as_list(x)
    return a * x


def dict_result(x):
    return as_dict(x)["a"] * x


def through_helper(x):
    a, _ = forwards(x)
    return a * x


def nested_read(x):
    (a, _), info = nested(x)
    return a * x * info["n"]


def nested_index(x):
    return nested(x)[0][0] * x


def two_returns_read(x):
    return two_returns(x, True)["a"] * x


def alias_read(x):
    p = pair(x)
    q = p
    return q[0] * x


def dict_get_read(x):
    return as_dict(x).get("a") * x


def starred_read(x):
    a, *_rest = pair(x)
    return a * x


def grown_read(x):
    r = grown(x)
    return r[-3] * x + r[2]


def carried(x):
    p = pair(x)
    for _ in range(2):
        p = pair(p[0])
    return p[0] * x


def in_loop(x):
    s = 0.0
    for _ in range(3):
        a, _ = pair(x)
        s = s + a * x
    return s


def read_in_test(x):
    a, b = pair(x)
    if b >= 0.0:  # a test carries no derivative
        return a * x
    return x


# (function, its value's derivative at 0, second derivative at 0)
UNREAD = [
    (unpacked, 0.0, 4.0),
    (negative_index, 0.0, 4.0),
    (middle_unread, 0.0, 4.0),
    (list_result, 0.0, 4.0),
    (dict_result, 0.0, 4.0),
    (through_helper, 0.0, 4.0),
    (in_loop, 0.0, 12.0),
    (nested_read, 0.0, 12.0),
    (nested_index, 0.0, 4.0),
    (two_returns_read, 0.0, 4.0),
    (alias_read, 0.0, 4.0),
    (dict_get_read, 0.0, 4.0),
    (starred_read, 0.0, 4.0),
    (grown_read, 0.0, 4.0),
    (read_in_test, 0.0, 4.0),
]

FIRST = {
    "grad": lambda f, x: ad.grad(f)(x),
    "forward grad": lambda f, x: ad.grad(f, mode="forward")(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x)[1],
    "jvp": lambda f, x: ad.jvp(f, (x,), (1.0,))[1],
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0)[0],
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
}


@pytest.mark.parametrize("api", FIRST)
@pytest.mark.parametrize(("fn", "first", "second"), UNREAD, ids=[u[0].__name__ for u in UNREAD])
@pytest.mark.parametrize("x", [0.0, np.float64(0.0)], ids=["float", "np.float64"])
def test_unread_outputs_make_no_infinite_derivative(fn, first, second, api, x):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 * inf underneath
        assert float(np.squeeze(FIRST[api](fn, x))) == first
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(np.squeeze(ad.hessian(fn)(x))) == pytest.approx(second)


def test_a_result_carried_around_a_loop_is_read_by_its_items():
    # (its Hessian still forms the unread output's tangent, with a warning: the flat gradient
    # code's loop reads the result whole)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for api in FIRST:
            assert float(np.squeeze(FIRST[api](carried, 0.0))) == 0.0, api


@pytest.mark.parametrize(("fn", "first", "second"), UNREAD, ids=[u[0].__name__ for u in UNREAD])
def test_away_from_the_edge_the_numbers_are_the_central_differences(fn, first, second):
    x, h = 0.7, 1e-6
    central = (fn(x + h) - fn(x - h)) / (2 * h)
    assert ad.grad(fn)(x) == pytest.approx(central, rel=1e-6)
    assert ad.grad(fn, mode="forward")(x) == pytest.approx(ad.grad(fn)(x), rel=1e-12)
    value, _ = ad.value_and_grad(fn)(x)
    assert value == fn(x)


def test_an_overwritten_item_is_unread():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the first "a" (a square root) is never formed
        assert ad.grad(overwritten)(0.0) == 3.0


def test_the_pullback_takes_the_cotangents_read_only():
    source = ad.derivative_source(unpacked, "gradient", args=(0.5,))
    assert "_t1_pullback(a_bar)" in source  # one cotangent, not a zero for `_`


def both_read(x):
    a, b = pair(x)
    return a * x + b


def read_whole(x):
    p = pair(x)
    return sum(p)  # iterated: every output's derivative flows


def passed_on(x):
    return np.sum(np.array(pair(x)))


def display_rewritten(t):
    r = [t * 2.0, t * 3.0]
    r[0] = math.sqrt(t)  # not a display any more: every item counts
    return r


def reads_rewritten(x):
    return display_rewritten(x)[-2] * 1.0


def twice(t):
    y = math.sqrt(t)
    return y, y


def second_of_twice(x):
    _, b = twice(x)
    return b


def read_early(t):
    d = {"a": t * 2.0}
    s = d["a"] * 3.0  # an earlier version of the display, read for the result
    d["b"] = math.sqrt(t)
    return d, s


def early_and_late(x):
    d, s = read_early(x)
    return d["b"] + s


def int_keys(t):
    return {0: t * 2.0, -1: math.sqrt(t)}


def negative_key(x):
    return int_keys(x)[-1]  # a dict's key, not a position from the end


def repeated_key(t):
    return {"a": math.sqrt(t), "a": t * 3.0}  # noqa: F601 (the second one is kept)


def overwritten(x):
    return repeated_key(x)["a"]


def listed(t):
    return [(t * 2.0, math.sqrt(t)), t**3]


def inner_item(x):
    return listed(x)[0][1] + listed(x)[-1]


READ = [
    both_read,
    read_whole,
    passed_on,
    reads_rewritten,
    second_of_twice,
    early_and_late,
    negative_key,
    inner_item,
]


@pytest.mark.parametrize("fn", READ, ids=[f.__name__ for f in READ])
def test_outputs_read_in_any_other_way_keep_their_derivatives(fn):
    x, h = 0.7, 1e-6
    central = (fn(x + h) - fn(x - h)) / (2 * h)
    for api in FIRST:
        assert float(np.squeeze(FIRST[api](fn, x))) == pytest.approx(central, rel=1e-6), api
    hessian = float(np.squeeze(ad.hessian(fn)(x)))
    gradient = ad.grad(fn)
    assert hessian == pytest.approx((gradient(x + h) - gradient(x - h)) / (2 * h), rel=1e-5)


def state_in_a_loop(x, y):
    st = {"h": x[1] + y, "r": np.sqrt(x[0])}
    for _ in range(2):  # each iteration's display starts from the one `{}` (cse.py)
        st = {"h": st["h"] * x[2], "r": st["r"]}
    return st["h"]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_dict_state_rebuilt_in_a_loop_leaves_its_unread_entry_out(mode):
    x = np.array([0.0, 1.3, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dx, dy = ad.grad(state_in_a_loop, wrt=(0, 1), mode=mode)(x, 0.0)
    np.testing.assert_allclose(dx, [0.0, 1.0, 2.6])
    assert dy == pytest.approx(1.0)


def overwritten_through_an_alias(x, y):
    d = {"a": x[0] * y, "b": x[1]}
    e = d
    e["a"] = x[2] * 4.0  # no entry of `d` depends on `y` any more
    return d["a"] * y


def test_a_tangent_dict_with_every_entry_cleared_reads_as_zero():
    x = np.array([0.7, 1.3, 0.45])
    assert ad.jacfwd(overwritten_through_an_alias, wrt=1)(x, 0.8) == pytest.approx(1.8)
