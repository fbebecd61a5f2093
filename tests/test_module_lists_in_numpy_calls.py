"""A module's list (or list of lists) given to a NumPy function with a rule: `np.interp(x,
XP, FP)`, `np.dot(x, WL)`, `np.matmul(WM, x)`, `np.outer`, `np.convolve`, … . The rules'
derivatives index and transpose their operands as arrays; a module's list is converted
where it is read, as a local list is, so each derivative equals central differences (it
crashed in reverse mode: `rt.dot_vjp_left(…, x, WL)`, `FP[rt.interval(x, XP)]`)."""

import numpy as np
import pytest

import s2s_ad as ad

WL = [0.5, -1.5, 2.0]
WM = [[1.0, 2.0, 0.5], [0.3, -1.0, 2.0]]
XP = [0.0, 1.0, 2.0]
FP = [0.0, 10.0, 5.0]
MASK = [True, False, True]


def dot_right(x):
    return np.dot(x, WL) * np.sum(x)


def dot_left(x):
    return np.dot(WL, np.sin(x))


def dot_matrix(x):
    return np.sum(np.dot(WM, x) ** 2)


def matmul_left(x):
    return np.sum(np.matmul(WM, x) ** 2)


def matmul_right(x):
    return np.sum(np.tanh(np.matmul(x[:2], WM)))


def inner(x):
    return np.inner(x, WL) ** 2


def outer(x):
    return np.sum(np.outer(x, WL) ** 2)


def vdot(x):
    return np.vdot(x, WL) * x[0]


def tensordot(x):
    return np.tensordot(x**2, WL, axes=1)


def einsum(x):
    return np.einsum("i,i->", np.exp(x), WL)


def convolve(x):
    return np.sum(np.convolve(x, WL) ** 2)


def interp(x):
    return np.sum(np.interp(x, XP, FP) * x)


def where_mask(x):
    return np.sum(np.where(MASK, x, WL) ** 2)


def maximum(x):
    return np.sum(np.maximum(x, WL) * x)


def polyval(x):
    return np.sum(np.polyval(WL, x))


PROGRAMS = [
    dot_right,
    dot_left,
    dot_matrix,
    matmul_left,
    matmul_right,
    inner,
    outer,
    vdot,
    tensordot,
    einsum,
    convolve,
    interp,
    where_mask,
    maximum,
    polyval,
]
X = np.array([0.3, -0.7, 1.2])


def central_differences(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("api", ["grad", "grad_forward", "jacrev", "value_and_grad"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_module_list_operand_is_exact(f, api):
    expected = central_differences(f, X)
    if api == "value_and_grad":
        value, got = ad.value_and_grad(f)(X)
        assert value == f(X)
    elif api == "jacrev":
        got = ad.jacrev(f)(X)
    else:
        got = ad.grad(f, mode="forward" if api == "grad_forward" else "reverse")(X)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", [dot_right, matmul_left, outer, interp], ids=lambda f: f.__name__)
def test_module_list_operand_second_order(f):
    gradient, h = ad.grad(f), 1e-6
    expected = np.array([(gradient(X + h * e) - gradient(X - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(ad.hessian(f)(X), expected, rtol=1e-5, atol=1e-6)
