"""Statements kept for their effect (`print`, `assert`) inside a method read `self` as the
known object the derivative is made for: before, the generated code named `self`, which it
does not have (NameError from the derivative code)."""

import numpy as np
import pytest

import s2s_ad as ad


class Model:
    def __init__(self):
        self.w = np.array([1.0, 2.0, 3.0])
        self.layers = [np.array([0.5, -1.0, 2.0])]

    def loss(self, x):
        print("w", self.w.shape, self.layers[0][1])
        assert self.w.shape == x.shape, f"shape {self.w.shape}"
        return np.sum(self.w * x * x) + np.sum(np.sin(self.layers[0] * x))


def through_argument(m, x):
    return m.loss(x) * 2.0


X = np.array([0.5, 1.0, 2.0])
EXPECTED = 2 * Model().w * X + Model().layers[0] * np.cos(Model().layers[0] * X)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_method_printing_and_asserting_on_self(mode, capsys):
    model = Model()
    model.loss(X)
    plain = capsys.readouterr().out
    value, gradient = ad.value_and_grad(model.loss, mode=mode)(X)
    assert capsys.readouterr().out == plain
    assert value == model.loss(X)
    np.testing.assert_allclose(gradient, EXPECTED, rtol=1e-12)


def test_an_object_argument_whose_method_prints(capsys):
    gradient = ad.grad(through_argument, wrt=1)(Model(), X)
    assert "w (3,) -1.0" in capsys.readouterr().out
    np.testing.assert_allclose(gradient, 2 * EXPECTED, rtol=1e-12)


def test_the_hessian_of_a_method_printing_on_self():
    hessian = ad.hessian(Model().loss)(X)
    layer = Model().layers[0]
    expected = np.diag(2 * Model().w - layer**2 * np.sin(layer * X))
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-14)
