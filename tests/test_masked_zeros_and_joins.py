"""Two kinds of input that gave nan or a refusal where a derivative exists (session 39).

1. A norm that is zero where the function masks it out: pairwise distances with their zero
   diagonal under `np.where` (the n-body energy a tester brought from tutorials). The
   gradient was right; every entry of the Hessian was nan, as the norm's curvature `d / n`
   read 0 / 0 at the masked zero (`rt.quotient_or_zero` now: 0 where nothing moves).
2. A call whose result carries no derivative (`np.zeros(n)`, `np.eye(n)`, `np.argmax(x)`)
   made active by a join with a differentiated value (`z = np.zeros(n) if c else x`, or the
   two branches of an `if`): refused with "`np.zeros` is called with arguments its
   derivative rule does not know".

Each program is checked in every mode against central differences (check_grads), and its
Hessian (`hessian`, `jacfwd(grad)`, `jacrev(grad)`) against central differences of the
gradient.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads

POINTS = np.array([0.1, 0.5, 1.2, -0.3, 0.7, 0.9, -0.4, 0.2])


def _pairs(x):
    p = x.reshape(4, 2)
    return p[:, None, :] - p[None, :, :]


def lennard_jones(x):
    r = np.linalg.norm(_pairs(x), axis=-1)
    mask = np.eye(4, dtype=bool)
    safe = np.where(mask, 1.0, r)
    return 0.5 * np.sum(np.where(mask, 0.0, (1.0 / safe) ** 12 - (1.0 / safe) ** 6))


def springs(x):
    r = np.linalg.norm(_pairs(x), axis=-1)
    return np.sum(np.where(np.eye(4, dtype=bool), 0.0, (r - 1.0) ** 2))


def springs_keepdims(x):
    diff = _pairs(x)
    r = np.linalg.norm(diff, axis=2, keepdims=True)
    return np.sum(np.where(np.eye(4, dtype=bool)[:, :, None], 0.0, diff * r))


def distance(a, b):
    return np.linalg.norm(a - b)


def springs_by_helper(x):
    p = x.reshape(4, 2)
    total = 0.0
    for i in range(4):
        for j in range(4):
            d = distance(p[i], p[j])  # 0 for i == j, kept out below
            total = total + np.where(i == j, 0.0, d * d * d)
    return total


def gravity(x):
    r = np.linalg.norm(_pairs(x), axis=-1)
    r = r + np.eye(4)  # (1 on the diagonal, masked anyway)
    return -np.sum(np.where(np.eye(4, dtype=bool), 0.0, 1.0 / r))


def soft_distances(x):
    r = np.linalg.norm(_pairs(x), axis=-1)
    return np.sum(np.where(r > 0.0, np.exp(-r) * r, 0.0))


MASKED = [lennard_jones, springs, springs_keepdims, springs_by_helper, gravity, soft_distances]
SECOND = {
    "hessian": ad.hessian,
    "jacfwd(grad)": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev(grad)": lambda f: ad.jacrev(ad.grad(f)),
}


def _gradient_differences(f, x, h=1e-5):
    gradient = ad.grad(f)
    return np.array([(gradient(x + h * e) - gradient(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", MASKED, ids=lambda f: f.__name__)
def test_masked_zero_norms_have_first_derivatives(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (1 / 0 on the masked diagonal)
        check_grads(f, (POINTS,))


@pytest.mark.parametrize("second", list(SECOND), ids=list(SECOND))
@pytest.mark.parametrize("f", MASKED, ids=lambda f: f.__name__)
def test_masked_zero_norms_have_hessians(f, second):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = _gradient_differences(f, POINTS)
        ours = SECOND[second](f)(POINTS)
    assert np.all(np.isfinite(ours))
    scale = max(float(np.max(np.abs(reference))), 1.0)
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5 * scale)


def test_the_norms_curvature_at_an_unmasked_zero_is_still_not_a_number():
    """Where the norm's zero is not masked and its direction moves (the Hessian of
    `norm(x) ** 2` at 0, truly 2 I), the chain rule multiplies the zero cotangent 2|x| by
    the infinite curvature: nan, as JAX gives, never a made-up finite number."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hessian = ad.hessian(lambda x: np.linalg.norm(x) ** 2)(np.zeros(2))
    assert np.all(np.isnan(np.diag(hessian)))


# 2. joins of a differentiated value with a call carrying no derivative


def zeros_or_value(x):
    z = np.zeros(x.shape[0] - 1) if x[0] > 0.0 else x[1:]
    return np.sum(z * x[1:]) + np.sum(x**2)


def helper_zeros(g, flag):
    return np.zeros(g.shape[1]) if flag == 0 else np.broadcast_to(g[0, 0], g.shape[1])


def zeros_from_a_helper(x):
    return np.sum(helper_zeros(np.outer(x, x), 1) * x) + np.sum(helper_zeros(np.outer(x, x), 0))


def eye_or_outer(x):
    if x[0] > 0.0:  # noqa: SIM108 (the statement form: a join of two branches)
        m = np.eye(x.size)
    else:
        m = np.outer(x, x)
    return np.sum(m * np.sin(x)[:, None])


def index_or_value(x):
    k = np.argmax(x) if x[1] > 0.0 else x[2] * 2.0
    return k * x[0] + np.sum(np.cos(x))


def ones_in_a_loop(x):
    acc = x * 1.0
    for i in range(3):
        acc = np.ones(x.size) if i == 1 else acc * x
    return np.sum(acc)


JOINS = [zeros_or_value, zeros_from_a_helper, eye_or_outer, index_or_value, ones_in_a_loop]
X = np.array([0.4, 0.9, -0.3, 0.6])


@pytest.mark.parametrize("x", [X, -X], ids=["then", "else"])
@pytest.mark.parametrize("f", JOINS, ids=lambda f: f.__name__)
def test_a_join_with_a_call_carrying_no_derivative(f, x):
    check_grads(f, (x,))
    reference = _gradient_differences(f, x)
    for name, second in SECOND.items():
        ours = second(f)(x)
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6, err_msg=name)


# 3. the same masks where the statements stand in a `with` block (session 39: reverse over
# reverse gave nan, the uses in the reverse sweep's `with` taken for another block's)


def where_sqrt_in_errstate(x):
    with np.errstate(invalid="ignore"):
        r = np.where(x > 0.0, np.sqrt(x), 0.0)
    return np.sum(r * x)


def where_log_read_after(x):
    with np.errstate(divide="ignore"):
        logs = np.log(np.abs(x))
    return np.sum(np.where(x != 0.0, logs * x * x, 0.0))


def nested_withs(x):
    with np.errstate(divide="ignore"):  # noqa: SIM117 (nested, as written)
        with np.errstate(invalid="ignore"):
            inverse = np.where(x != 0.0, 1.0 / x, 0.0)
    return np.sum(inverse * np.cos(x))


WITHS = [where_sqrt_in_errstate, where_log_read_after, nested_withs]
AT_ZEROS = np.array([0.0, 0.8, -0.5, 1.3])


@pytest.mark.parametrize("second", list(SECOND), ids=list(SECOND))
@pytest.mark.parametrize("f", WITHS, ids=lambda f: f.__name__)
def test_masks_inside_with_blocks(f, second):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = SECOND[second](f)(AT_ZEROS)
    assert np.all(np.isfinite(ours)), second
    # away from the zero the Hessian is smooth: central differences of the gradient there
    x = AT_ZEROS + np.array([0.4, 0.0, 0.0, 0.0])
    reference = _gradient_differences(f, x)
    np.testing.assert_allclose(SECOND[second](f)(x), reference, rtol=1e-5, atol=1e-6)
    assert np.all(ours[0] == 0.0) and np.all(ours[:, 0] == 0.0)  # the zero is masked out
