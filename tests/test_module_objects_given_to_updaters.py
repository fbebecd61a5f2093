"""A module's array, list or object given to a helper of yours that updates its argument in
place (`scale_inplace(M, 2.0)` doing `a *= s`, `np.clip(a, lo, hi, out=a)`, a helper calling
such a helper): the helper changes the module's state as `set_scale` does. Each derivative
equals central differences, its value the plain call's and the module state after it the
state one plain call leaves; the reverse sweep reads what the forward sweep read. A value
carrying a derivative stored so, then read back, is refused at the call's line; a number a
helper rebinds (`total += v`) stores nothing."""

import functools

import numpy as np
import pytest
from module_state_checks import assert_exact, marked_line

import s2s_ad as ad

M0 = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]])
M = M0.copy()
V = np.array([0.5, 1.5, -0.5])
W = [0.5, -1.5, 2.0]
CFG = {"arr": np.array([0.5, 1.5, -0.5])}


class State:
    pass


STATE = State()


class Config:
    SCALE = np.array([1.0, 0.5, 2.0])


def reset():
    Config.SCALE[:] = [1.0, 0.5, 2.0]
    M[:] = M0
    V[:] = [0.5, 1.5, -0.5]
    W[:] = [0.5, -1.5, 2.0]
    CFG["arr"] = np.array([0.5, 1.5, -0.5])
    STATE.buf = np.array([0.5, 1.5, -0.5])


def snapshot():
    return (
        Config.SCALE.tolist(),
        M.tolist(),
        V.tolist(),
        list(W),
        CFG["arr"].tolist(),
        STATE.buf.tolist(),
    )


reset()


def scale_inplace(a, s):
    a *= s


def normalise(a):
    a /= np.sum(np.abs(a))


def clip_unit(a):
    np.clip(a, -1.0, 1.0, out=a)


def twice(b):
    scale_inplace(b, 2.0)


def scaled(a, s):
    a *= s
    return a


def scale_items(values, s):
    for i in range(len(values)):
        values[i] *= s


def add_into(a, b):
    a += b


def accumulate(total, v):
    total += v
    return total


def between_reads(x):
    y = np.sum(M @ x**2)
    scale_inplace(M, 2.0)
    return y + np.sum(M @ x)


def by_keyword(x):
    y = np.sum(M @ x**2)
    scale_inplace(s=2.0, a=M)
    return y + np.sum(M @ x)


def row_view(x):
    y = np.sum(M @ x**2)
    scale_inplace(M[0], 2.0)
    return y + np.sum(M @ x)


def flat_view(x):
    y = np.sum(M @ np.sin(x))
    scale_inplace(M.reshape(-1), 0.5)
    return y * np.sum(M @ x)


def dict_item(x):
    y = np.sum(CFG["arr"] * x**2)
    scale_inplace(CFG["arr"], 3.0)
    return y + np.sum(CFG["arr"] * x)


def attribute(x):
    y = np.sum(STATE.buf * x**2)
    normalise(STATE.buf)
    return y + np.sum(STATE.buf * x)


def out_keyword(x):
    y = np.sum(V * np.sin(x))
    clip_unit(V)
    return y + np.sum(V * x)


def through_helper_of_helper(x):
    y = np.sum(V * np.sin(x))
    twice(V)
    return y + np.sum(V * x)


def result_unused(x):
    y = np.sum(V * np.sin(x))
    _ = scale_inplace(V, 2.0)
    return y + np.sum(V * x)


def result_used(x):
    y = np.sum(V * np.sin(x))
    w = scaled(V, 2.0)
    return y + np.sum(w * x)


def in_loop(x):
    y = 0.0
    for i in range(3):
        y = y + np.sum(V * np.sin(x * (i + 1)))
        scale_inplace(V, 0.5)
    return y


def read_before_only(x):
    y = np.sum(M @ x**2)
    scale_inplace(M, 2.0)
    return y


def module_list(x):
    y = np.sum(np.array(W) * x**2)
    scale_items(W, 2.0)
    return y + np.sum(np.array(W) * x)


def module_number_factor(x):
    a = np.tanh(x) @ V
    scale_inplace(V, float(len(W)))
    return a * np.sum(V * x)


def scale_each(arrays, s):
    for a in arrays:
        a *= s


def clip_method(a):
    a.clip(-0.2, 0.2, out=a)


def decay(a=V):
    a *= 0.5


HALVE = functools.partial(scale_inplace, s=0.5)


def tuple_of_module_arrays(x):
    y = np.sum(np.sin(M @ x))
    scale_each((M, V.reshape(1, 3)), 0.5)
    return y + np.sum(np.sin(M @ x)) * np.sum(V * x)


def keyword_dict(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(**{"a": M, "s": 0.5})
    return y + np.sum(np.sin(M @ x))


def class_attribute(x):
    y = np.sum(np.sin(Config.SCALE * x))
    scale_inplace(Config.SCALE, 2.0)
    return y + np.sum(np.sin(Config.SCALE * x))


def default_is_module_array(x):
    y = np.sum(np.sin(V * x))
    decay()
    return y + np.sum(np.sin(V * x))


def module_level_partial(x):
    y = np.sum(np.sin(M @ x))
    HALVE(M)
    return y + np.sum(np.sin(M @ x))


def clip_by_method(x):
    y = np.sum(np.sin(M @ x))
    clip_method(M)
    return y + np.sum(np.sin(M @ x))


EXACT = [
    tuple_of_module_arrays,
    keyword_dict,
    class_attribute,
    default_is_module_array,
    module_level_partial,
    clip_by_method,
    between_reads,
    by_keyword,
    row_view,
    flat_view,
    dict_item,
    attribute,
    out_keyword,
    through_helper_of_helper,
    result_unused,
    result_used,
    in_loop,
    read_before_only,
    module_list,
    module_number_factor,
]
X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize("f", EXACT, ids=lambda f: f.__name__)
def test_module_object_updated_by_helper_is_exact(f, api):
    assert_exact(f, X, api, reset, snapshot)


def test_vjp_reads_the_state_the_forward_sweep_read():
    reset()
    expected = ad.grad(between_reads)(X)
    reset()
    value, pullback = ad.vjp(between_reads, X)
    after = snapshot()
    reset()
    assert value == between_reads(X)
    assert snapshot() == after
    np.testing.assert_allclose(pullback(1.0)[0], expected, rtol=1e-12)


def stores_factor_with_derivative(x):
    s = np.sum(x) * 0.1
    scale_inplace(V, s)  # STORE
    return np.sum(V * x)


def stores_factor_result_unused(x):
    s = np.sum(x) * 0.1
    _ = scale_inplace(V, s)  # STORE
    return np.sum(V * x)


def adds_value_with_derivative(x):
    add_into(V, np.sin(x))  # STORE
    return np.sum(V * x)


@pytest.mark.parametrize("api", ["grad", "jacfwd", "jacrev"])
@pytest.mark.parametrize(
    "f, helper",
    [
        (stores_factor_with_derivative, "scale_inplace"),
        (stores_factor_result_unused, "scale_inplace"),
        (adds_value_with_derivative, "add_into"),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_value_with_derivative_stored_in_module_object_is_refused(f, helper, api):
    reset()
    with pytest.raises(ad.S2SError) as info:
        getattr(ad, api)(f)(X)
    message = str(info.value)
    assert f"{__file__}:{marked_line(f)}:" in message
    assert f"call of `{helper}` given a value that carries a derivative" in message


def rebinds_number(x):
    t = 0.0
    for i in range(3):
        t = accumulate(t, x[i] * 2.0)
    return t * t


def rebinds_argument_read_after(x):
    t0 = 0.5
    y = np.sum(x**2)
    t = accumulate(t0, y)
    return t + t0 * y


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize(
    "f", [rebinds_number, rebinds_argument_read_after], ids=lambda f: f.__name__
)
def test_number_rebound_by_helper_is_not_a_store(f, api):
    assert_exact(f, X, api, reset, snapshot)


def step_and_value(a, x):
    a *= 0.5
    return np.sum(a @ x)


def value_of_updating_helper_unused(x):
    _ = step_and_value(M, x)
    return np.sum(np.tanh(M @ x))


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
def test_unused_value_of_helper_updating_module_object_is_exact(api):
    assert_exact(value_of_updating_helper_unused, X, api, reset, snapshot)
