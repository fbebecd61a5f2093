"""Private names in methods (`self.__w`, `self.__helper(x)`, `__inner`) are read as the
running code reads them, mangled with the class's name: every mode against differences."""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.frontend.mangling import enclosing_class


class _Model:
    __scale = 3.0

    def __init__(self):
        self.__w = np.array([1.0, 2.0, 3.0])

    def loss(self, x):
        return np.sum(x * self.__scale * self.__w) + self.__helper(x)

    def __helper(self, x):
        return np.sum(x * x * x)

    def nested(self, x):
        def __inner(v):
            return np.sin(v) * self.__scale

        return np.sum(__inner(x) * self.__w)

    def as_lambda(self):
        return lambda x: np.sum(np.exp(x) * self.__scale)

    class Inner:
        def __init__(self):
            self.__k = 2.0

        def loss(self, x):
            return np.sum(self.__k * x * x)


X = np.array([0.5, -1.0, 2.0])


def _central(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("name", ["loss", "nested", "as_lambda", "inner"])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_private_names_in_methods(name, mode):
    model = _Model()
    fn = {
        "loss": model.loss,
        "nested": model.nested,
        "as_lambda": model.as_lambda(),
        "inner": _Model.Inner().loss,
    }[name]
    value, gradient = ad.value_and_grad(fn, mode=mode)(X)
    assert value == fn(X)
    np.testing.assert_allclose(gradient, _central(fn, X), rtol=1e-7, atol=1e-8)


def test_hessian_of_a_method_reading_private_names():
    np.testing.assert_allclose(ad.hessian(_Model().loss)(X), np.diag(6.0 * X), rtol=1e-12)


@pytest.mark.parametrize(
    "qualname, owner",
    [
        ("f", None),
        ("f.<locals>.g", None),
        ("Model.loss", "Model"),
        ("Model.loss.<locals>.inner", "Model"),
        ("Outer.Inner.loss", "Inner"),
        ("f.<locals>.Model.loss", "Model"),
        ("Model.<lambda>", "Model"),
    ],
)
def test_the_enclosing_class_of_a_qualified_name(qualname, owner):
    assert enclosing_class(qualname) == owner
