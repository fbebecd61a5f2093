# ruff: noqa: SIM108
# (the branches are statements: what the derivative code defers into)
"""A helper's result item the caller leaves unread, computed by a function with an infinite
partial at the point (`np.sqrt` at 0) and read only in a branch that does not run: its zero
cotangent must not meet that partial (0 * inf = nan), whatever holds the items — a tuple, a
list, a dict, a name bound to a tuple (ad/deferred.py; the 123rd tester found the tuple)."""

import warnings

import numpy as np
import pytest

import s2s_ad as ad


def _direction(v, eps):
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        out = v / n
    else:
        out = v * 0.0
    return out, n


def as_tuple(x):
    d, _ = _direction(x, 1e-9)
    return np.sum(d * d) + np.sum(x)


def as_list(x):
    d, n = _direction(x, 1e-9)
    pair = [d, n]
    return np.sum(pair[0] * pair[0]) + np.sum(x)


def _direction_list(v, eps):
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        out = v / n
    else:
        out = v * 0.0
    return [out, n]


def list_result(x):
    return np.sum(_direction_list(x, 1e-9)[0] ** 2) + np.sum(x)


def _direction_dict(v, eps):
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        out = v / n
    else:
        out = v * 0.0
    return {"d": out, "n": n}


def dict_result(x):
    r = _direction_dict(x, 1e-9)
    return np.sum(r["d"] ** 2) + np.sum(x)


def _direction_named(v, eps):
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        out = v / n
    else:
        out = v * 0.0
    result = (out, n)
    return result


def named_tuple_result(x):
    d, _ = _direction_named(x, 1e-9)
    return np.sum(d * d) + np.sum(x)


def _direction_dict_filled(v, eps):
    r = {"d": v, "n": 0.0}
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        r["d"] = v / n
    else:
        r["d"] = v * 0.0
    r["n"] = n
    return r


def dict_filled_in_arms(x):
    return np.sum(_direction_dict_filled(x, 1e-9)["d"] ** 2) + np.sum(x)


def _direction_list_filled(v, eps):
    out = [v, 0.0]
    n = np.sqrt(np.sum(v * v))
    if n > eps:
        out[0] = v / n
    else:
        out[0] = v * 0.0
    out[1] = n
    return out


def list_filled_in_arms(x):
    d = _direction_list_filled(x, 1e-9)[0]
    return np.sum(d * d) + np.sum(x)


PROGRAMS = [
    as_tuple,
    as_list,
    list_result,
    dict_result,
    named_tuple_result,
    dict_filled_in_arms,
    list_filled_in_arms,
]


def _central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_at_zero_the_branch_taken_gives_the_derivative(f):
    # at 0 the branch `v * 0.0` runs: the derivative is that of `np.sum(x)`, ones
    x = np.zeros(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 * inf on the way either, nor 0 / 0
        for g in (
            ad.grad(f)(x),
            ad.jacrev(f)(x),
            ad.vjp(f, x)[1](1.0),
            ad.grad(f, mode="forward")(x),
            ad.jacfwd(f)(x),
        ):
            np.testing.assert_array_equal(np.reshape(g, -1), np.ones(4))
    with warnings.catch_warnings():
        # (the gradient code tests one flag in two `if` statements, forward and reverse
        # sweep: the norm's tangent is placed in the first, deferred.py)
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ad.hessian(f)(x), np.zeros((4, 4)))
        np.testing.assert_array_equal(ad.jacrev(ad.grad(f))(x), np.zeros((4, 4)))
    value, g = ad.value_and_grad(f)(x)
    assert value == f(x)
    np.testing.assert_array_equal(g, np.ones(4))


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_elsewhere_against_differences(f):
    x = np.array([0.3, -1.2, 0.7, 2.0])
    g = ad.grad(f)(x)
    np.testing.assert_allclose(g, _central(f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x), g, rtol=1e-12, atol=1e-14)
    h = ad.hessian(f)(x)
    dg = np.array([_central(lambda v, i=i: ad.grad(f)(v)[i], x) for i in range(4)])
    np.testing.assert_allclose(h, dg, rtol=1e-5, atol=1e-6)


def _checked(v):
    if np.any(v <= 0.0):
        raise ValueError("not positive")
    return np.log(v)


def raises_in_helper(x):
    return np.sum(_checked(x))


def raises_in_helper_scaled(x):
    return np.sum(_checked(x) * x)


SECOND_ORDER = {
    "hessian": lambda f: ad.hessian(f),
    "grad_of_grad": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev_of_grad": lambda f: ad.jacrev(ad.grad(f)),
    "grad": lambda f: ad.grad(f),
}


@pytest.mark.parametrize("f", [raises_in_helper, raises_in_helper_scaled], ids=lambda f: f.__name__)
@pytest.mark.parametrize("api", SECOND_ORDER)
def test_a_helpers_raise_keeps_its_type_and_names_its_line(api, f):
    # second-order code calls the plain helper for its value: the user's ValueError, not
    # s2s_ad's EvaluationError, with a note naming the `raise`
    line = _checked.__code__.co_firstlineno + 2
    with pytest.raises(ValueError, match="not positive") as info:
        SECOND_ORDER[api](f)(np.array([1.0, -2.0]))
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert f"{__file__}:{line}: raised by your statement" in notes
