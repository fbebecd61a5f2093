"""Every entry point's per-call fast path (fast_path.py): a call by position whose argument
signature was seen runs the code made for it; calls by name, calls leaving defaults out and
calls to a function with keyword-only parameters take the checked path, whose bound values
are kept apart. Whatever the order of calls, each gives what a fresh derivative gives, and a
call Python would refuse is refused."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad

APIS = {
    "grad": ad.grad,
    "value_and_grad": ad.value_and_grad,
    "jacfwd": ad.jacfwd,
    "jacrev": ad.jacrev,
    "jacobian": ad.jacobian,
    "hessian": ad.hessian,
}


def with_default(x, scale=2.0):
    return np.sum(np.sin(x) * x) * scale


def keyword_only(x, *, scale=2.0):
    return np.sum(np.sin(x) * x) * scale


def two_arrays(x, w):
    return np.sum(np.tanh(w @ x) ** 2)


X = np.array([0.3, -0.7, 1.1])
W = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4]])

# (function, calls as (args, kwargs)), alternated so that each kind follows each other
CALLS = {
    "with_default": (
        with_default,
        [((X,), {}), ((X, 3.0), {}), ((X,), {"scale": 4.0}), ((), {"x": X, "scale": 3.0})],
    ),
    "keyword_only": (keyword_only, [((X,), {}), ((X,), {"scale": 3.0}), ((), {"x": X})]),
    "two_arrays": (two_arrays, [((X, W), {}), ((X,), {"w": W}), ((), {"w": W, "x": X})]),
}


def _same(got, expected):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same(g, e)
        return
    assert type(got) is type(expected)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize("case", list(CALLS))
def test_calls_of_every_kind_in_turn_give_the_checked_result(api, case):
    fn, calls = CALLS[case]
    derivative = APIS[api](fn)
    for _ in range(3):  # the first round makes the code; the later ones find it
        for args, kwargs in calls:
            expected = APIS[api](fn)(*args, **kwargs)  # a fresh entry point: checked
            _same(derivative(*args, **kwargs), expected)


@pytest.mark.parametrize("api", list(APIS))
def test_keyword_only_given_by_position_is_refused_after_calls_by_name(api):
    derivative = APIS[api](keyword_only)
    for _ in range(2):
        derivative(X, scale=3.0)
        derivative(X)
    with pytest.raises(ad.S2SError, match="too many positional arguments"):
        derivative(X, 3.0)


@pytest.mark.parametrize("api", ["grad", "jacfwd", "jacrev", "hessian"])
def test_the_fast_path_agrees_with_central_differences(api):
    derivative = APIS[api](with_default)
    gradient = ad.grad(with_default)
    for scale in (2.0, 3.0, 2.0):
        got = derivative(X, scale)
        if api == "hessian":
            h = 1e-6
            columns = [
                (gradient(X + h * e, scale) - gradient(X - h * e, scale)) / (2 * h)
                for e in np.eye(len(X))
            ]
            np.testing.assert_allclose(got, np.array(columns).T, rtol=1e-6, atol=1e-8)
        else:
            h = 1e-6
            numeric = [
                (with_default(X + h * e, scale) - with_default(X - h * e, scale)) / (2 * h)
                for e in np.eye(len(X))
            ]
            np.testing.assert_allclose(got, numeric, rtol=1e-6, atol=1e-8)
