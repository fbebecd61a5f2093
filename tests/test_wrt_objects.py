"""Differentiating with respect to an object whose methods are called (Equinox-style
modules, ssa/live_objects.py): the code it runs is resolved from its structure's classes and
functions when the derivative is made, its float attributes are the parameters. Both modes,
second order, the primal value, the gradient's class, and the cache keyed on the structure."""

from dataclasses import dataclass

import numpy as np
import pytest
from derivative_tests import derivative_tests, second_differences

import s2s_ad as ad
from s2s_ad import pipeline, pytrees
from s2s_ad.errors import UnsupportedSyntaxError
from s2s_ad.testing import assert_same_value, plain_value

rng = np.random.default_rng(16)


# (a) a callable dataclass layer


@dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


def apply(fn, x):
    return np.sum(fn(x) ** 2)


# (b) a plain class: `forward` calls a function attribute and loops over a list of layers


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, h):
        return self.W @ h + self.b


class Net:
    def __init__(self, layers, act, scale):
        self.layers = layers
        self.act = act
        self.scale = scale

    def forward(self, x):
        h = x
        for layer in self.layers[:-1]:
            h = self.act(layer(h))
        return self.scale * self.layers[-1](h)


def net_loss(model, x):
    return np.sum(np.sin(model.forward(x)))


# (c) a list of layer objects


def chain(params, x):
    h = x
    for layer in params:
        h = layer(h)
    return np.sum(h * h)


# (d) a method calling a module-level helper with `self.W`


def affine(W, b, x):
    return W @ x + b


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.cos(affine(self.W, self.b, x))


def linear_loss(m, x):
    return np.sum(m.forward(x))


class Scaled:
    """A weight computed by a property (a fresh tester's program: the property's getter ran
    on the structure's placeholders and crashed inside s2s_ad)."""

    def __init__(self, raw, scale):
        self.raw = raw
        self.scale = scale

    @property
    def weight(self):
        return self.raw * self.scale

    def forward(self, x):
        return np.tanh(self.weight @ x)


def property_read(m, x):
    return np.sum(np.tanh(m.weight @ x)) + np.sum(m.forward(x) * m.weight.T[0])


def predict(model, x):
    return model(x)


def through_a_helper(model, x):
    """A helper whose body only calls the differentiated model (a fresh tester's program:
    its derivative with respect to the model was silently zero)."""
    return np.sum(predict(model, x) ** 2)


def _dense(n, m):
    return Dense(rng.standard_normal((n, m)), rng.standard_normal(n))


def _net(act=np.tanh):
    layers = [Affine(rng.standard_normal((2, 2)), rng.standard_normal(2)) for _ in range(2)]
    return Net(layers, act, 0.7)


X = rng.standard_normal(2)
CASES = [
    (apply, (_dense(2, 2), X)),
    (net_loss, (_net(), X)),
    (chain, ([_dense(2, 2), _dense(2, 2)], X)),
    (linear_loss, (Linear(rng.standard_normal((2, 2)), rng.standard_normal(2)), X)),
    (property_read, (Scaled(rng.standard_normal((2, 2)), 0.7), X)),
    (through_a_helper, (_dense(2, 2), X)),
]
test_numeric, test_modes = derivative_tests(CASES)
IDS = [fn.__name__ for fn, _ in CASES]


@pytest.mark.parametrize(("fn", "args"), CASES, ids=IDS)
def test_primal_of_value_and_grad_vjp_jvp_is_the_plain_call(fn, args):
    plain = plain_value(fn, args)
    value, _ = ad.value_and_grad(fn)(*args)
    assert_same_value(value, plain, "value_and_grad")
    out, _ = ad.vjp(fn, *args)
    assert_same_value(out, plain, "vjp")
    tangent = pytrees.map_leaves(lambda x: np.ones_like(x) if pytrees.is_leaf(x) else x, args[0])
    out, _ = ad.jvp(fn, args, (tangent, None))
    assert_same_value(out, plain, "jvp")


def _same_classes(gradient, value) -> None:
    """The gradient is built of the value's own classes, node by node."""
    at = pytrees.node(value)
    if at is None:
        return
    assert type(gradient) is type(value)
    for g, v in zip(pytrees.children(gradient, at), pytrees.children(value, at), strict=True):
        _same_classes(g, v)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradient_is_an_object_of_the_same_class(fn, args, mode):
    gradient = ad.grad(fn, mode=mode)(*args)
    _same_classes(gradient, args[0])


def _with_flat(like, flat):
    """`like` holding the entries of `flat` at its float leaves (code leaves kept)."""
    pieces = iter(flat)

    def leaf(x):
        if not pytrees.is_leaf(x):
            return x
        size = np.size(x)
        taken = np.array([next(pieces) for _ in range(size)])
        return taken.reshape(np.shape(x)) if np.ndim(x) else float(taken[0])

    return pytrees.map_leaves(leaf, like)


def _flat_hessian(hessian, like):
    leaves = pytrees.float_leaves(like)
    rows = []
    for li, row in zip(leaves, pytrees.derivative_leaves(hessian, like), strict=True):
        blocks = pytrees.derivative_leaves(row, like)
        parts = [
            np.reshape(b, (np.size(li), np.size(lj))) for b, lj in zip(blocks, leaves, strict=True)
        ]
        rows.append(np.concatenate(parts, axis=1))
    return np.concatenate(rows, axis=0)


SECOND = [pytest.param(*case, id=name) for case, name in zip(CASES, IDS, strict=True)]


@pytest.mark.parametrize(("fn", "args"), SECOND)
def test_hessian_against_second_differences(fn, args):
    model, x = args
    hessian = ad.hessian(fn)(model, x)
    flat = np.concatenate([np.ravel(v) for v in pytrees.float_leaves(model)])
    numeric = second_differences(lambda v: fn(_with_flat(model, v), x), flat)
    np.testing.assert_allclose(_flat_hessian(hessian, model), numeric, rtol=1e-5, atol=1e-6)


def _counting(monkeypatch) -> list:
    made: list = []
    original = pipeline.differentiate

    def counted(fn, mode, wrt, **kwargs):
        made.append((fn.__name__, mode))
        return original(fn, mode, wrt, **kwargs)

    monkeypatch.setattr(pipeline, "differentiate", counted)
    return made


def test_a_new_object_of_the_same_structure_reuses_the_derivative(monkeypatch):
    made = _counting(monkeypatch)
    gradient = ad.grad(net_loss)
    first = gradient(_net(), X)
    after_first = len(made)
    model = _net()  # a new model, as a training step builds
    second = gradient(model, X)
    assert len(made) == after_first
    # and it is that model's gradient, not the first one's
    assert not np.allclose(first.layers[0].W, second.layers[0].W)
    h = 1e-6
    bumped = _net()
    bumped.layers, bumped.scale = model.layers, model.scale + h
    lowered = Net(model.layers, np.tanh, model.scale - h)
    numeric = (net_loss(bumped, X) - net_loss(lowered, X)) / (2 * h)
    np.testing.assert_allclose(second.scale, numeric, rtol=1e-6)


def test_a_different_function_attribute_makes_a_new_derivative(monkeypatch):
    made = _counting(monkeypatch)
    gradient = ad.grad(net_loss)
    model = _net(np.tanh)
    gradient(model, X)
    count = len(made)
    other = Net(model.layers, np.sin, model.scale)
    g = gradient(other, X)
    assert len(made) > count
    # sin's derivative, not tanh's: against a central difference in the scale
    h = 1e-6
    up = net_loss(Net(model.layers, np.sin, model.scale + h), X)
    down = net_loss(Net(model.layers, np.sin, model.scale - h), X)
    np.testing.assert_allclose(g.scale, (up - down) / (2 * h), rtol=1e-6)


def method_as_value(model, x):
    f = model.forward
    return np.sum(f(x))


def test_a_method_of_the_differentiated_object_used_as_a_value_is_refused():
    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(method_as_value)(Linear(np.eye(2), np.ones(2)), X)
    assert "used as a value" in str(info.value)
    assert "test_wrt_objects.py" in str(info.value)


class Delegating:
    """Holds a bound method of a layer it also holds: the layer's weights are parameters,
    so reading them through the bound method (held fixed) would be wrong."""

    def __init__(self, layer):
        self.layer = layer
        self.fn = layer.forward

    def __call__(self, x):
        return self.fn(x)


def delegate(model, x):
    return np.sum(model(x))


def test_a_bound_method_of_another_object_held_by_the_differentiated_one_is_refused():
    model = Delegating(Linear(np.eye(2), np.ones(2)))
    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(delegate)(model, X)
    assert "binds another object" in str(info.value)
