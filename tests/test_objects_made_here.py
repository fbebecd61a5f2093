"""Methods and properties of objects the differentiated function makes itself (session 39):
`Holder(w).energy(x)`, `h = Scaler(s); h.apply(x)`, a static method through an object of a
class of methods alone (`Util().squash(x)`), a method returning another object
(`Holder(x).scaled(2.0).energy(x)`), a property (`self.w2`), a class of another module.
The method is inlined with `self` bound to the object (ssa/records.py); before, each was
refused as "method `.energy()` of a local value; supported array methods are …".

Every program: all modes against central differences, the value against the plain call,
and the Hessian against central differences of the gradient."""

from __future__ import annotations

import everyday_lib_independent as lib
import numpy as np
import pytest
from made_objects_programs_independent import Inner, Outer

import s2s_ad as ad
from s2s_ad.testing import check_grads


class Holder:
    def __init__(self, w):
        self.w = w

    @property
    def w2(self):
        return self.w * 2.0

    def energy(self, x):
        return np.sum(self.w * x**2) + np.sum(self.w2)

    def scaled(self, k):
        return Holder(self.w * k)


class Util:
    @staticmethod
    def squash(v):
        return np.tanh(v) * 2.0


class Layer:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)

    def forward(self, x):
        return self(x) * 0.5 + x


W = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4], [0.0, 0.2, 0.6]])


def method_at_once(x):
    return Holder(np.cos(x)).energy(x)


def method_of_a_name(x):
    h = Holder(np.sin(x))
    return h.energy(x) * 2.0 + h.energy(x**2)


def static_through_an_object(x):
    u = Util()
    return np.sum(u.squash(x))


def method_of_a_method(x):
    return Holder(x).scaled(2.0).energy(x)


def another_modules_class(x):
    return np.sum(lib.Scaler(2.0).apply(x) * x)


def called_at_once(x):
    return np.sum(lib.Scaler(2.0)(x) * x) + np.sum(Layer(W, x)(x))


def layers_made_here(x):
    layer = Layer(W * x[0], x)
    h = layer.forward(x)
    return np.sum(Layer(W.T, h).forward(h) ** 2)


PROGRAMS = [
    method_at_once,
    method_of_a_name,
    static_through_an_object,
    method_of_a_method,
    another_modules_class,
    called_at_once,
    layers_made_here,
]
X = np.array([0.3, -0.5, 0.9])


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_methods_of_objects_made_here(f):
    check_grads(f, (X,))
    assert ad.value_and_grad(f)(X)[0] == f(X)
    gradient, h = ad.grad(f), 1e-5
    reference = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(ad.hessian(f)(X), reference, rtol=1e-5, atol=1e-6)


def nested_objects(x):
    return Outer(Inner(x), 2.0).f(x)


def inner_named(x):
    inner = Inner(x)
    return Outer(inner, 2.0).s * inner.f(x)


def outer_passed(x, outer):
    return outer.f(x)


def test_an_object_held_by_one_made_here_is_followed():
    """`self.inner.f(x)` of `Outer(Inner(x), s)`: refused until session 45 (with a hint naming
    the two ways below), followed now, as the class of the object an attribute holds is known
    from the one made here."""
    check_grads(nested_objects, (X,))
    assert ad.value_and_grad(nested_objects)(X)[0] == nested_objects(X)
    check_grads(inner_named, (X,))
    a = np.array([1.5, -0.5, 2.0])
    gradient = ad.grad(outer_passed)(X, Outer(Inner(a), 2.0))
    np.testing.assert_allclose(gradient, -2.0 * a * np.sin(a * X), rtol=1e-12)
