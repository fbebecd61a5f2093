"""Shape specialisation: the static shapes `grad` compiles its code for, and that code's
results for every signature of argument shapes (each against the shape-generic code)."""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import pipeline
from s2s_ad.ad.shapes import infer_shapes

rng = np.random.default_rng(3)


def shapes_of(fn, *args) -> dict:
    ssa = pipeline.to_ssa(fn)
    given = [np.shape(a) if isinstance(a, (float, np.ndarray)) else None for a in args]
    return infer_shapes(ssa, dict(zip(ssa.params, given, strict=True)))


def broadcasting(x, y):
    z = x * y
    s = np.sum(z, axis=0, keepdims=True)
    t = np.mean(z, axis=-1)
    return np.sum(s) + np.sum(t)


def products(a, b, v):
    m = a @ b
    w = m @ v
    u = v @ m
    d = np.dot(v, v)
    return np.sum(w) + np.sum(u) + d + np.sum(a.T)


def indexing(x, n):
    a = x[1:]
    b = x[:, None]
    c = x[n:]
    total = 0.0
    for i in range(3):
        total = total + x[i]
    return np.sum(a) + np.sum(b) + np.sum(c) + total


GROWN = np.ones(2)


def growing(x):
    acc = x
    for _ in range(3):
        acc = np.concatenate([acc, x])
    return np.sum(acc * GROWN[0])


def test_broadcast_and_reductions():
    shapes = shapes_of(broadcasting, np.ones((3, 4)), np.ones(4))
    assert shapes["z"] == (3, 4)
    assert shapes["s"] == (1, 4)
    assert shapes["t"] == (3,)
    assert shapes["broadcasting"] == ()


def test_products():
    shapes = shapes_of(products, np.ones((2, 3)), np.ones((3, 5)), np.ones(5))
    assert (shapes["m"], shapes["w"], shapes["d"]) == ((2, 5), (2,), ())
    assert "u" not in shapes  # (5,) @ (2, 5) fails at run time: no shape is claimed


def test_indexing_by_literals_and_loop_counters_only():
    shapes = shapes_of(indexing, np.ones(5), 2)
    assert shapes["a"] == (4,) and shapes["b"] == (5, 1)
    assert "c" not in shapes  # the bound is a value
    assert shapes["i"] == () and shapes["total_3"] == ()


def test_a_shape_that_changes_in_a_loop_or_comes_from_a_global_is_unknown():
    shapes = shapes_of(growing, np.ones(2))
    assert shapes["x"] == (2,)
    assert shapes["acc"] == (2,)  # the copy before the loop
    assert {"acc_1", "acc_2", "acc_3", "_t4", "_t5"}.isdisjoint(shapes)


def scale_sum(x, y):
    return np.sum(x * y)


SIGNATURES = [
    (np.ones(3), np.ones(3)),
    (np.ones(3), np.ones(1)),  # y broadcasts: its gradient is summed
    (np.ones((2, 3)), np.ones(3)),
    (np.ones((2, 3)), np.ones((2, 1))),
    (1.5, np.ones(4)),
    (np.ones(4), 2.0),
]


def summed_to(a, shape):
    """`a` summed over the axes broadcasting added or stretched, down to `shape`."""
    lead = np.ndim(a) - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and a.shape[lead + i] != 1)
    return np.sum(a, axis=tuple(range(lead)) + stretched).reshape(shape)


@pytest.mark.parametrize("args", SIGNATURES)
def test_each_signature_gets_its_own_code(args):
    x, y = (a * rng.uniform(0.5, 2.0, np.shape(a)) for a in args)
    full = np.broadcast_shapes(np.shape(x), np.shape(y))
    g = ad.grad(scale_sum, wrt=(0, 1))
    for _ in range(2):  # the specialised code, then its cached fast path
        gx, gy = g(x, y)
        np.testing.assert_allclose(gx, summed_to(np.broadcast_to(y, full), np.shape(x)))
        np.testing.assert_allclose(gy, summed_to(np.broadcast_to(x, full), np.shape(y)))


def test_one_gradient_across_shapes_matches_the_generic_code():
    g = ad.grad(scale_sum, wrt=(0, 1))
    for x, y in SIGNATURES * 2:
        got = g(x * 1.5, y * 0.5)
        _, pullback = ad.vjp(scale_sum, x * 1.5, y * 0.5)  # shape-generic code
        for a, b in zip(got, pullback(1.0), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-15)


def test_beyond_the_signature_limit_results_stay_right(monkeypatch):
    from s2s_ad import api

    monkeypatch.setattr(api, "MAX_SPECIALISED", 2)
    g = ad.grad(scale_sum)
    for n in range(1, 6):
        x, y = np.arange(n, dtype=float), np.full(n, 2.0)
        np.testing.assert_array_equal(g(x, y), y)


SCALE = np.ones(3)


def uses_global(x):
    return np.sum(x * SCALE)


def test_a_global_rebound_to_another_shape_after_the_first_call():
    global SCALE
    g = ad.grad(uses_global)
    x = np.arange(3.0)
    np.testing.assert_array_equal(g(x), np.ones(3))
    SCALE = np.full((2, 3), 2.0)  # now broadcasts x: its gradient sums over the new axis
    try:
        np.testing.assert_array_equal(g(x), np.full(3, 4.0))
    finally:
        SCALE = np.ones(3)


def test_specialised_code_leaves_out_helpers_a_person_would_not_write():
    def layer(w, x, b):
        return np.sum(np.tanh(w @ x + b))

    source = ad.derivative_source(layer, mode="reverse")
    assert "rt.unbroadcast" in source and "rt.matmul_vjp_left" in source  # shape-generic
    from s2s_ad.pipeline import derivative

    d = derivative(layer, "value_and_gradient", ("w",), shapes=((4, 3), (3,), (4,)))
    assert "rt." not in d.source
    assert "_t2_bar[:, None] * x" in d.source  # the outer product, written out


@pytest.mark.parametrize("args", SIGNATURES)
def test_forward_mode_per_signature_matches_reverse(args):
    x, y = (a * rng.uniform(0.5, 2.0, np.shape(a)) for a in args)
    forward = ad.grad(scale_sum, wrt=(0, 1), mode="forward")
    reverse = ad.grad(scale_sum, wrt=(0, 1))
    for _ in range(2):  # the specialised code, then its cached fast path
        for f, r in zip(forward(x, y), reverse(x, y), strict=True):
            assert type(f) is type(r) and np.shape(f) == np.shape(r)
            np.testing.assert_allclose(f, r, rtol=1e-14)
    value, gx = ad.value_and_grad(scale_sum, mode="forward")(x, y)
    assert value == scale_sum(x, y)
    np.testing.assert_allclose(gx, reverse(x, y)[0], rtol=1e-14)
