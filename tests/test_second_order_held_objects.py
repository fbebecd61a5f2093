"""Derivatives of `grad(f, wrt=1)` with respect to the object `grad` held fixed.

`grad(f, wrt=1)(model, x)` holds `model` fixed; its code was specialised to the very object
given when the object's class has methods (the methods are then known). A derivative of that
code with respect to `model` (`vjp`, `jvp`, `jacfwd`/`jacrev`/`jacobian` with `wrt=0`) read
the object closed over, not the parameter, and gave zeros with no error (the 61st tester
found it for `vjp`). Each is checked here against central differences of `grad(f, wrt=1)`
itself, at every float leaf of the object, with and without a method call.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

import s2s_ad as ad


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)


@dataclasses.dataclass
class Scaled:
    W: np.ndarray
    scale: float

    def apply(self, x):
        return self.scale * np.sin(self.W @ x)


class Stack:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x


def method_loss(model, x):
    return np.sum(model.forward(x) ** 2)


def attribute_loss(model, x):  # (the class has a method; this function calls none)
    return np.sum(np.tanh(model.W @ x + model.b) ** 2)


def dataclass_loss(model, x):
    return np.sum(model.apply(x) ** 3) + model.scale * np.sum(x**2)


def stack_loss(model, x):
    return np.sum(np.cos(model.forward(x)))


def _rng(seed):
    return np.random.default_rng(seed)


def _linear(r, n_out=2, n_in=3):
    return Linear(r.standard_normal((n_out, n_in)), r.standard_normal(n_out))


CASES = {
    "method": (method_loss, lambda r: _linear(r)),
    "attribute": (attribute_loss, lambda r: _linear(r)),
    "dataclass": (dataclass_loss, lambda r: Scaled(r.standard_normal((2, 3)), 0.7)),
    "stack": (stack_loss, lambda r: Stack([_linear(r, 3, 3), _linear(r, 2, 3)])),
}


def _leaves(model):
    """(getter, setter) of every float leaf of `model`: arrays elementwise, floats."""
    found = []

    def visit(obj, path):
        for name, value in vars(obj).items():
            if isinstance(value, np.ndarray):
                for idx in np.ndindex(value.shape):
                    found.append(((*path, (name, idx)), value, idx))
            elif isinstance(value, float):
                found.append(((*path, (name, None)), obj, name))
            elif isinstance(value, list):
                for i, item in enumerate(value):
                    visit(item, (*path, (name, i)))

    visit(model, ())
    return found


def _nudge(holder, at, by):
    if isinstance(holder, np.ndarray):
        holder[at] += by
    else:
        setattr(holder, at, getattr(holder, at) + by)


def _central_jacobian(gx, model, x, eps=1e-6):
    """Columns d grad_x / d leaf, one per float leaf of `model`, by central differences."""
    columns = []
    for _, holder, at in _leaves(model):
        _nudge(holder, at, eps)
        up = gx(model, x)
        _nudge(holder, at, -2 * eps)
        down = gx(model, x)
        _nudge(holder, at, eps)
        columns.append((up - down) / (2 * eps))
    return np.stack(columns, axis=1)  # (len(x), leaves)


def _flat(derivative_object, model):
    """The leaves of a derivative with the object's structure, in `_leaves`' order."""
    values = []
    for path, _, _ in _leaves(model):
        node = derivative_object
        for name, index in path:
            node = getattr(node, name)
            if index is not None:  # (a list's position, or an array's element)
                node = node[index]
        values.append(float(node))
    return np.array(values)


def _setup(case, seed):
    loss, make = CASES[case]
    r = _rng(seed)
    model, x = make(r), r.standard_normal(3)
    gx = ad.grad(loss, wrt=1)
    return gx, model, x, r, _central_jacobian(gx, model, x)


@pytest.mark.parametrize("case", sorted(CASES))
def test_vjp(case):
    gx, model, x, r, J = _setup(case, 1)
    v = r.standard_normal(3)
    value, pullback = ad.vjp(gx, model, x)
    np.testing.assert_allclose(value, gx(model, x), rtol=1e-12)
    cotangent = pullback(v)[0]
    np.testing.assert_allclose(_flat(cotangent, model), v @ J, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", sorted(CASES))
def test_jvp(case):
    gx, model, x, _, J = _setup(case, 2)
    direction = _rng(3)
    leaves = _leaves(model)
    tangent_values = direction.standard_normal(len(leaves))
    tangent = _with_leaves(model, tangent_values)
    _, out_tangent = ad.jvp(gx, (model, x), (tangent, np.zeros(3)))
    np.testing.assert_allclose(out_tangent, J @ tangent_values, rtol=1e-5, atol=1e-7)


def _with_leaves(model, values):
    """A copy of `model` whose float leaves are `values` (in `_leaves`' order)."""
    made = copy.deepcopy(model)
    for (_, holder, at), value in zip(_leaves(made), values, strict=True):
        if isinstance(holder, np.ndarray):
            holder[at] = value
        else:
            setattr(holder, at, float(value))
    return made


@pytest.mark.parametrize("api", ["jacfwd", "jacrev", "jacobian"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_jacobians(case, api):
    gx, model, x, _, J = _setup(case, 4)
    jac = getattr(ad, api)(gx, wrt=0)(model, x)
    rows = [_flat(_row(jac, model, i), model) for i in range(3)]
    np.testing.assert_allclose(np.stack(rows), J, rtol=1e-5, atol=1e-7)


def _row(jac, model, i):
    """Row `i` of a Jacobian with the object's structure (leaves of shape (3, *leaf))."""
    return _mapped(jac, lambda leaf: np.asarray(leaf)[i])


def _mapped(node, fn):
    if isinstance(node, list):
        return [_mapped(n, fn) for n in node]
    if hasattr(node, "__dict__"):
        made = object.__new__(type(node))
        for name, value in vars(node).items():
            setattr(made, name, _mapped(value, fn))
        return made
    return fn(node)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_plain_gradient_is_unchanged_by_the_second_order_calls(case):
    """The first-order code `grad` runs on the same object still holds it fixed."""
    gx, model, x, _, _ = _setup(case, 5)
    before = gx(model, x)
    ad.vjp(gx, model, x)[1](np.ones(3))
    ad.jacfwd(gx, wrt=0)(model, x)
    np.testing.assert_array_equal(gx(model, x), before)
