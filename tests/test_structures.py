"""Gradients with respect to tuple, list and dict arguments come back in the same structure."""

import numpy as np
import pytest
from derivative_tests import derivative_tests

import s2s_ad as ad
from s2s_ad.testing import check_grads


def mlp_tuple(params, x):
    w1, b1, w2, b2 = params
    h = np.tanh(x @ w1 + b1)
    return np.sum((h @ w2 + b2) ** 2)


def mlp_dict(params, x):
    h = np.tanh(x @ params["w1"] + params["b1"])
    return np.sum((h @ params["w2"]) ** 2) + params["scale"] * 0.5


def indexed_list(ws, x):
    return np.sum(ws[0] * x) + np.sum(ws[-1] * x * x)


def partly_used(params, x):
    a, _ = params
    return a * x


def iterates(params, x):
    total = 0.0
    for p in params:
        total = total + p * x
    return total


rng = np.random.default_rng(11)
X = rng.standard_normal((5, 3))


def layer(params, x):
    w1, b1, w2, scale = params
    return np.tanh(x @ w1 + b1) @ w2 * scale


def passes_tuple_to_helper(params, x):
    """The whole tuple goes to a helper: its pullback returns one adjoint per item."""
    return np.sum(layer(params, x) ** 2)


def passes_and_unpacks(params, x):
    w1, _b1, _w2, scale = params
    return np.sum(layer(params, x)) + np.sum(w1 * w1) * scale + np.sum(layer(params, x * 2.0))


def dict_helper(params, x):
    return np.sum(np.tanh(x @ params["w1"] + params["b1"])) * params["scale"]


def passes_dict_to_helper(params, x):
    return dict_helper(params, x) * 3.0 + params["scale"] ** 2


def two_levels(params, x):
    return passes_tuple_to_helper(params, x) + np.sum(layer(params, x))


def item_in_loop(p, n):
    """`p[1]` read only inside a loop: its adjoint lives across iterations (and is zero when
    the loop does not run)."""
    x = p[0]
    for _ in range(n):
        x = x * p[1] + x
    return np.sum(x)


def squashed(params, a):
    return np.sum(np.tanh(params["b1"] * a)) * params["scale"]


def whole_in_loop(p, n):
    """The whole dict passed to a helper inside a loop."""
    s = 0.0
    for _ in range(n):
        s = s + squashed(p, s * 0.1 + 1.0)
    return s


TUPLE = (rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2)), 0.3)
DICT = {
    "w1": rng.standard_normal((3, 4)),
    "b1": rng.standard_normal(4),
    "w2": rng.standard_normal((4, 2)),
    "scale": 1.7,
}
LIST = [rng.standard_normal(3), rng.standard_normal(3)]

CASES = [
    (mlp_tuple, (TUPLE, X)),
    (mlp_dict, (DICT, X)),
    (indexed_list, (LIST, rng.standard_normal(3))),
    (partly_used, ((1.5, 2.5), 0.7)),
    (passes_tuple_to_helper, (TUPLE, X)),
    (passes_and_unpacks, (TUPLE, X)),
    (passes_tuple_to_helper, (list(TUPLE), X)),
    (passes_dict_to_helper, (DICT, X)),
    (two_levels, (TUPLE, X)),
    *[(item_in_loop, ((rng.standard_normal(3), 0.7), n)) for n in (0, 1, 3)],
    *[(whole_in_loop, (DICT, n)) for n in (0, 1, 3)],
]


test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_has_the_structure_of_its_argument(mode):
    g = ad.grad(mlp_tuple, mode=mode)(TUPLE, X)
    assert isinstance(g, tuple) and len(g) == 4
    assert [np.shape(a) for a in g] == [np.shape(a) for a in TUPLE]
    assert type(g[3]) is float
    d = ad.grad(mlp_dict, mode=mode)(DICT, X)
    assert isinstance(d, dict) and list(d) == list(DICT)
    assert d["scale"] == pytest.approx(0.5)
    assert isinstance(ad.grad(indexed_list, mode=mode)(LIST, np.ones(3)), list)
    assert ad.grad(partly_used, mode=mode)((1.5, 2.5), 0.7) == (pytest.approx(0.7), 0.0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_iterating_a_tuple_argument_is_differentiated(mode):
    # once refused ("used other than by indexing"); now the tuple's adjoint is a whole value
    assert ad.grad(iterates, mode=mode)((1.0, 2.0), 0.5) == (0.5, 0.5)
    check_grads(iterates, ((1.0, 2.0), 0.5))


def namespace_loss(p, x):
    return np.sum((p.w * x + p.b) ** 2)


def test_a_namespace_argument():
    """`types.SimpleNamespace`, whose objects `object.__new__` refuses to make: its
    gradient is a namespace of the same attributes (it raised a TypeError from inside)."""
    import types

    p = types.SimpleNamespace(w=np.array([0.5, -1.0, 2.0]), b=0.25)
    x = np.array([0.3, 1.1, -0.7])
    check_grads(namespace_loss, (p, x))
    g = ad.grad(namespace_loss)(p, x)
    residual = p.w * x + p.b
    assert type(g) is types.SimpleNamespace
    np.testing.assert_allclose(g.w, 2 * residual * x, rtol=1e-14)
    np.testing.assert_allclose(g.b, 2 * np.sum(residual), rtol=1e-14)
