"""`np.average`: through `a` and through the weights (1-D along an axis, or `a`'s shape),
with and without `axis` and `keepdims`, in every mode; second order through `a`; what is
refused (the weights' second derivative, `returned=True`) is refused at the user's line."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads, numeric_jvp

rng = np.random.default_rng(3)
A = rng.standard_normal((3, 4))
W1 = rng.uniform(0.5, 2.0, 4)  # along axis 1
WA = rng.uniform(0.5, 2.0, (3, 4))  # a's shape


def central(f, x):
    """∂f/∂x by central differences, one basis direction at a time: (f's size, x's size)."""
    columns = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        columns.append(numeric_jvp(f, (x,), (e.reshape(x.shape),)))
    return np.stack(columns, axis=-1)


def mean_squared(a):
    return np.average(a) ** 2


def along_rows(a):
    return np.sum(np.average(a, axis=0) ** 2)


def weighted_rows(a):
    return np.sum(np.sin(np.average(a, axis=1, weights=W1)))


def weighted_elements(a):
    return np.sum(np.average(a, axis=0, weights=WA) ** 3)


def over_two_axes(a):
    return np.sum(np.tanh(np.average(a, axis=(0, 1), weights=WA, keepdims=True)) * a)


def kept_dims(a):
    return np.sum(np.average(a, axis=1, weights=W1, keepdims=True) * a)


def positional(a):
    return np.sum(np.average(a, 1, W1) * np.arange(3.0))


IN_A = [
    mean_squared,
    along_rows,
    weighted_rows,
    weighted_elements,
    over_two_axes,
    kept_dims,
    positional,
]


@pytest.mark.parametrize("f", IN_A, ids=lambda f: f.__name__)
def test_through_a_first_and_second_order(f):
    check_grads(f, (A,))
    g = ad.grad(f)(A)
    np.testing.assert_allclose(g, central(f, A).reshape(A.shape), atol=1e-7)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(A), g, rtol=1e-12, atol=1e-14)
    value, g2 = ad.value_and_grad(f)(A)
    assert value == f(A)
    np.testing.assert_array_equal(g2, g)
    h = ad.hessian(f)(A).reshape(A.size, A.size)
    np.testing.assert_allclose(h, central(ad.grad(f), A), atol=1e-5)


def by_weights_along(w):
    return np.sum(np.average(A, axis=1, weights=w) ** 2)


A3 = rng.standard_normal((2, 3, 4))
W02 = rng.uniform(0.5, 2.0, (2, 4))  # along axes 0 and 2 (NumPy 2)


def by_weights_over_two_axes(w):
    return np.sum(np.average(A3, axis=(0, -1), weights=w) ** 2)


def by_weights_everywhere(w):
    return np.tanh(np.average(A, weights=w))


@pytest.mark.parametrize(
    "f, w",
    [(by_weights_along, W1), (by_weights_everywhere, WA), (by_weights_over_two_axes, W02)],
)
def test_through_the_weights(f, w):
    g = ad.grad(f)(w)
    np.testing.assert_allclose(g, central(f, w).reshape(w.shape), atol=1e-7)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(w), g, rtol=1e-10, atol=1e-14)


def both(a, w):
    return np.average(a, axis=1, weights=w)


def test_jacobians_of_both_arguments_agree():
    forward = ad.jacfwd(both, wrt=(0, 1))(A, W1)
    reverse = ad.jacrev(both, wrt=(0, 1))(A, W1)
    for f_block, r_block in zip(forward, reverse, strict=True):
        np.testing.assert_allclose(f_block, r_block, rtol=1e-12, atol=1e-14)
    e = np.zeros(3)
    e[1] = 1.0
    np.testing.assert_allclose(
        reverse[1][1], central(lambda w: both(A, w) @ e, W1).reshape(W1.shape), atol=1e-7
    )


def test_float32_stays_float32():
    a = A.astype(np.float32)
    assert ad.grad(along_rows)(a).dtype == np.float32


def weights_second_order(w):
    return np.sum(np.average(A, axis=1, weights=w) ** 2)  # <- second order refused


def sum_of_weights_too(a):
    avg, total = np.average(a, axis=0, weights=WA, returned=True)  # <- refused
    return np.sum(avg * total)


def _line(f, marker):
    import inspect

    lines, start = inspect.getsourcelines(f)
    return start + next(i for i, text in enumerate(lines) if marker in text)


@pytest.mark.parametrize(
    "f, x, api",
    [(weights_second_order, W1, ad.hessian), (sum_of_weights_too, A, ad.grad)],
    ids=["weights-hessian", "returned"],
)
def test_what_is_refused_is_located(f, x, api):
    with pytest.raises(ad.S2SError) as info:
        api(f)(x)
    assert f"{__file__}:{_line(f, '# <-')}:" in str(info.value)
