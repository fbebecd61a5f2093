"""A nested function reading a name the loop around its calls rebinds: each call reads the
binding of that moment, as Python's closure does (session 41: the loop did not carry the
name, so every call read the value before the loop, with no error). Checked against central
differences, forward against reverse, the value against the plain call, and to second order.
"""

import numpy as np
import pytest
from derivative_tests import derivative_tests, marked_line, second_differences

import s2s_ad as ad


def read_before_rebinding(x):
    e = x * 0.0

    def peek():
        return e

    acc = 0.0
    for t in range(3):
        acc = acc + np.sum(peek() * x)
        e = x * (t + 1.0)
    return acc


def read_through_a_second_nested_function(x):
    scale = 1.0

    def inner():
        return scale * x

    def outer():
        return np.sin(inner())

    acc = 0.0
    for _ in range(4):
        acc = acc + np.sum(outer())
        scale = scale * 0.5 + np.sum(x) * 0.1
    return acc


def read_in_a_while_loop(x):
    h = x[0] * 1.0

    def energy():
        return h * h + x[1]

    total, k = 0.0, 0
    while k < 3:
        total = total + energy()
        h = np.tanh(h + x[1])
        k += 1
    return total


def passed_on_to_a_builtin(x):
    w = x * 1.0

    def weight(v):
        return v * np.sum(w)

    acc = 0.0
    for _ in range(3):
        acc = acc + sum(map(weight, [x[0], x[1]]))
        w = w * 0.9 + 0.1
    return acc


def read_after_rebinding(x):
    e = x * 0.0

    def peek():
        return e

    acc = 0.0
    for t in range(3):
        e = x * (t + 2.0)
        acc = acc + np.sum(peek() ** 2)
    return acc


def lambda_in_a_list(x):
    e = x * 0.0
    fs = [lambda v: v * e, np.sin]
    acc = 0.0
    for t in range(3):
        acc = acc + np.sum(fs[0](x) + fs[1](x))
        e = x * (t + 1.0)
    return acc


def given_to_a_helper(x):
    e = x * 0.0

    def peek(v):
        return v * e

    acc = 0.0
    for t in range(3):
        acc = acc + np.sum(apply(peek, x))
        e = np.cos(x) * (t + 1.0)
    return acc


def apply(g, v):
    return g(v)


X = np.array([0.3, -0.7, 1.1])
CASES = [
    (read_before_rebinding, (X,)),
    (read_through_a_second_nested_function, (X,)),
    (read_in_a_while_loop, (X,)),
    (passed_on_to_a_builtin, (X,)),
    (read_after_rebinding, (X,)),
    (lambda_in_a_list, (X,)),
    (given_to_a_helper, (X,)),
]
test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_is_the_plain_call(fn, args):
    value, _ = ad.value_and_grad(fn)(*args)
    assert value == fn(*args)


@pytest.mark.parametrize("fn", [read_before_rebinding, read_in_a_while_loop])
def test_second_order(fn):
    np.testing.assert_allclose(ad.hessian(fn)(X), second_differences(fn, X), atol=1e-5)


def dict_seen_through_a_closure(x):
    d = {"w": x * 1.0}
    e = {"w": x * 0.0}

    def peek():
        return e["w"]

    acc = 0.0
    for _ in range(3):
        d["w"] = d["w"] * 0.5 + 0.1  # <- error
        acc = acc + np.sum(peek())  # from the second iteration `e` is `d`: sees the update
        e = d
    return acc


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_an_update_a_closure_sees_through_an_alias_is_refused_when_run(mode):
    fn = dict_seen_through_a_closure
    with pytest.raises(ad.S2SError, match="may be `d`'s object") as info:
        ad.grad(fn, mode=mode)(X)
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, marked_line(fn))
    assert info.value.hint
