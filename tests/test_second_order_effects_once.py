"""Second derivatives with respect to several parameters run a function's `print` once, as
the plain call does: the scalar result is checked on the value the flat value-and-gradient
code returns, not by calling the function again; and the numbers are the Hessian's where
the gradient is constant (a symbolic zero for the tuple of gradients' tangents)."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import s2s_ad as ad


def helper(a, b):
    return a * b


def sums_a_list(x, y):
    print("sums_a_list")
    return sum([x[0], y])  # linear: a zero Hessian


def curved(x, y):
    print("curved")
    return sum([x[0] * y, y * y, np.sum(np.sin(x))])


def calls_a_helper(x, y):
    print("calls_a_helper", x.shape)
    return np.sum(helper(x, y) ** 2)


def prints_in_a_loop(x, y):
    total = 0.0
    for i in range(x.shape[0]):
        print("step", i)
        total = total + x[i] * y
    return total


FUNCTIONS = [sums_a_list, curved, calls_a_helper, prints_in_a_loop]
X, Y = np.array([0.3, 0.7, 1.1]), 0.9


def _printed(f, capsys):
    f(X, Y)
    return capsys.readouterr().out


def _hessian_by_differences(f, step=1e-5):
    """The Hessian of `f` over the flat vector (x, y), by central differences of its
    gradient (itself by central differences)."""
    z0 = np.append(X, Y)

    def value(z):
        return f(z[:3], z[3])

    def gradient(z):
        return np.array(
            [(value(z + step * e) - value(z - step * e)) / (2 * step) for e in np.eye(4)]
        )

    return np.array(
        [(gradient(z0 + step * e) - gradient(z0 - step * e)) / (2 * step) for e in np.eye(4)]
    )


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_hessian_of_two_parameters_prints_once(f, capsys):
    expected = _printed(f, capsys)
    (xx, xy), (yx, yy) = ad.hessian(f, wrt=(0, 1))(X, Y)
    assert capsys.readouterr().out == expected
    got = np.block([[xx, np.reshape(xy, (3, 1))], [np.reshape(yx, (1, 3)), np.reshape(yy, (1, 1))]])
    with contextlib.redirect_stdout(io.StringIO()):  # (its prints: not the ones counted)
        want = _hessian_by_differences(f)
    np.testing.assert_allclose(got, want, atol=1e-4)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_hvp_with_two_tangents_prints_once(f, capsys):
    expected = _printed(f, capsys)
    v, w = np.array([1.0, -0.5, 0.25]), 0.5
    gradient, product = ad.hvp(f, (X, Y), (v, w))
    assert capsys.readouterr().out == expected
    (xx, xy), (yx, yy) = ad.hessian(f, wrt=(0, 1))(X, Y)
    capsys.readouterr()
    np.testing.assert_allclose(product[0], xx @ v + np.reshape(xy, 3) * w, atol=1e-12)
    np.testing.assert_allclose(product[1], np.reshape(yx, 3) @ v + yy * w, atol=1e-12)
    want = ad.grad(f, wrt=(0, 1))(X, Y)
    capsys.readouterr()
    np.testing.assert_allclose(gradient[0], want[0], atol=1e-12)
    np.testing.assert_allclose(gradient[1], want[1], atol=1e-12)
