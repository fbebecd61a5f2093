"""`super()` in methods of classes of another module (tests/super_other_module_models.py),
the layout of a model library. Imported by its name, that module's methods are inlined
for the object, as the differentiated function's own module's are (ssa/module_reads.py);
loaded from its file only, a method's derivative is made on its own, with its object known
at run time only, so `super().name` is resolved from the method's class (`ssa/super_calls.py`,
`_by_class`), checked for every class derived from it now and watched for those derived
later. Before session 37 both were refused at the method's line.
Each program: every API against central differences, forward against reverse, the primal
against the plain call."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import super_other_module_models as models

import s2s_ad as ad

EPS = 1e-6
X = np.array([0.3, -0.7, 1.1])


def _matrix(seed):
    return np.random.default_rng(seed).standard_normal((3, 3)) * 0.4


def _loss(model, x):
    return np.sum(model.forward(x) ** 2)


MODELS = {
    "scaled": lambda: models.Scaled(_matrix(1), np.full(3, 0.1), 1.5),
    "residual_two_levels": lambda: models.Residual(_matrix(2), np.full(3, -0.2), 0.7),
    "named_super": lambda: models.Named(_matrix(3), np.zeros(3)),
    "property_and_class_attribute": lambda: models.Weighted(_matrix(4), np.zeros(3)),
}


def _differences(f, x):
    return np.array([(f(x + EPS * e) - f(x - EPS * e)) / (2 * EPS) for e in np.eye(x.size)])


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_api_with_the_model_held_fixed(name):
    model = MODELS[name]()
    value, g = ad.value_and_grad(_loss, wrt=1)(model, X)
    assert value == _loss(model, X)
    expected = _differences(lambda x: _loss(model, x), X)
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-8)
    v = np.array([1.0, -2.0, 0.5])
    primal, tangent = ad.jvp(lambda x: _loss(model, x), (X,), (v,))
    assert primal == _loss(model, X)
    np.testing.assert_allclose(tangent, expected @ v, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(ad.vjp(lambda x: _loss(model, x), X)[1](1.0)[0], g, rtol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(lambda x: _loss(model, x))(X), g, rtol=1e-12)
    H = ad.hessian(lambda x: _loss(model, x))(X)
    gradient = ad.grad(lambda x: _loss(model, x))
    np.testing.assert_allclose(H, _differences(gradient, X), rtol=1e-5, atol=1e-7)


# (a property read on a differentiated object of another module's class is refused, with
# `super()` or without: its derivative code reads the object's attributes at run time)
@pytest.mark.parametrize("name", sorted(set(MODELS) - {"property_and_class_attribute"}))
def test_gradient_with_respect_to_the_model(name):
    model = MODELS[name]()
    g = ad.grad(_loss)(model, X)
    for field in ("W", "b"):
        array = getattr(model, field)
        expected = np.zeros(array.size)
        for i in range(array.size):
            old = array.flat[i]
            array.flat[i] = old + EPS
            up = _loss(model, X)
            array.flat[i] = old - EPS
            down = _loss(model, X)
            array.flat[i] = old
            expected[i] = (up - down) / (2 * EPS)
        np.testing.assert_allclose(getattr(g, field).ravel(), expected, rtol=1e-5, atol=1e-8)


def test_a_base_method_redefined_makes_a_new_derivative():
    model = MODELS["scaled"]()
    g = ad.grad(_loss, wrt=1)
    g(model, X)
    old = models.Dense.forward
    models.Dense.forward = lambda self, x: np.sin(self.W @ x)
    try:
        expected = _differences(lambda x: _loss(model, x), X)
        np.testing.assert_allclose(g(model, X), expected, rtol=1e-5, atol=1e-8)
    finally:
        models.Dense.forward = old


def _unregistered_models():
    """The same classes from a module Python has not imported by its name (loaded from its
    file, not in `sys.modules`): their methods are made on their own, for objects known at
    run time only, so `super()` is resolved by the method's class (`_by_class`)."""
    spec = importlib.util.spec_from_file_location("unregistered_models", models.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_diamond_follows_each_objects_own_mro():
    """Imported by name, another module's methods are inlined for the object: for `Both`,
    `Left`'s super() is `Right` (tanh(3 W x)); for `Left` itself, `Base2`."""
    W = _matrix(5)
    for model, inner in [(models.Both(W), 3.0), (models.Left(W), 1.0)]:
        g = ad.grad(_loss, wrt=1)(model, X)
        expected = _differences(lambda x, m=model: _loss(m, x), X)
        np.testing.assert_allclose(g, expected, rtol=1e-5)
        assert np.isclose(_loss(model, X), np.sum(np.tanh(inner * W @ X) ** 2))


def test_a_diamond_of_a_module_not_imported_by_name_is_refused_at_its_line():
    unregistered = _unregistered_models()
    for model in (unregistered.Both(_matrix(5)), unregistered.Left(_matrix(5))):
        with pytest.raises(ad.S2SError, match=r"super_other_module_models\.py:\d+.*multiple"):
            ad.grad(_loss, wrt=1)(model, X)


def test_super_of_a_module_not_imported_by_name():
    unregistered = _unregistered_models()
    model = unregistered.Residual(_matrix(2), np.full(3, -0.2), 0.7)
    g = ad.grad(_loss, wrt=1)(model, X)
    np.testing.assert_allclose(g, _differences(lambda x: _loss(model, x), X), rtol=1e-5)
    H = ad.hessian(lambda x: _loss(model, x))(X)
    gradient = ad.grad(lambda x: _loss(model, x))
    np.testing.assert_allclose(H, _differences(gradient, X), rtol=1e-5, atol=1e-7)


def test_a_class_derived_later_is_checked_again():
    """A diamond made after the derivative of a method made on its own: it is made again,
    and refused, not reused with `Base3`'s method for an object whose next class is
    another."""
    unregistered = _unregistered_models()
    model = unregistered.Later(_matrix(6))
    g = ad.grad(_loss, wrt=1)
    np.testing.assert_allclose(
        g(model, X), _differences(lambda x: _loss(model, x), X), rtol=1e-5, atol=1e-8
    )

    class Mixin(unregistered.Base3):
        def forward(self, x):
            return super().forward(x) + 1.0

    class Diamond(unregistered.Later, Mixin):
        pass

    with pytest.raises(ad.S2SError, match="multiple inheritance"):
        g(Diamond(_matrix(6)), X)
    with pytest.raises(ad.S2SError, match="multiple inheritance"):
        g(model, X)
