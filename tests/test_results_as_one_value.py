"""A call whose function returns several results, used as one value: `r = inner(x)` then
`r[0]`, `inner(x)[1]`, `np.stack(inner(x))`, of a nested function, a lambda, and a helper of
yours inlined (in a function that also calls a helper changing module state, or at second
order where a helper prints). Session 54: a nested function's was refused ("several results
used as one value"), an inlined helper's broke an SSA invariant (an internal error). Each is
checked against central differences, forward against reverse, and the plain call's value."""

import io

import numpy as np
import pytest

import s2s_ad as ad

LOG = []
QUIET = io.StringIO()


def report(a):
    LOG.append(float(np.sum(a)))


def noisy(a):
    print("at", float(np.sum(a)), file=QUIET)
    return a * 1.0


def pair(a, b):
    c = a
    for _ in range(2):
        c = np.sin(c) + 0.1 * np.tanh(b)
    return c, a * b


def triple(a):
    return np.cos(a), a * a, np.tanh(a) * 0.5


def kept_whole_nested(x):
    def inner(v):
        return np.sin(v), v * 2.0

    r = inner(x)
    return np.sum(r[0] * r[1])


def indexed_call_nested(x):
    def inner(v):
        return np.sin(v), v * 2.0

    return np.sum(inner(x)[0] + inner(x * 0.5)[-1])


def stacked_nested(x):
    def inner(v):
        return np.sin(v), np.cos(v)

    return np.sum(np.stack(inner(x)) ** 2 * np.arange(2.0)[:, None])


def lambda_kept_whole(x):
    both = lambda v: (v * v, np.tanh(v))  # noqa: E731
    r = both(x)
    a, b = r
    return np.sum(a * b + r[1])


def nested_in_loop(x):
    def step(s):
        return s * 0.9 + 0.1 * np.sin(s), np.sum(s * s)

    s, total = x, 0.0
    for _ in range(3):
        r = step(s)
        s = r[0]
        total = total + r[1]
    return total + np.sum(s)


def nested_in_branch(x):
    def inner(v):
        return v * 3.0, np.exp(v * 0.1)

    if np.sum(x) > 0.0:  # noqa: SIM108 (each branch binds the results)
        r = inner(x)
    else:
        r = inner(-x)
    return np.sum(r[0] * r[1])


def chosen_by_expression(x):
    def inner(v):
        return v * 3.0, np.exp(v * 0.1)

    r = inner(x) if np.sum(x) > 0.0 else inner(x * 2.0)
    return np.sum(r[0] * r[1])


def writer_kept_whole(x):
    r = pair(x, x * 2.0)
    report(x)
    return np.sum(r[0] * r[1])


def writer_indexed_call(x):
    report(x)
    return np.sum(pair(x, x)[0] * triple(x)[2])


def writer_loop_and_with(x):
    v = x + x
    res = pair(x, v)
    for _ in range(2):
        x = x + 0.5 * res[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = x * np.cos(x) + 0.5 * np.tanh(x)
        report(x)
    return np.sum(x)


def writer_unpacked_later(x):
    r = triple(x)
    report(r[1])
    a, b, c = r
    return np.sum(a * b - c)


def printer_kept_whole(x):
    y = noisy(x)
    r = pair(y, x)
    return np.sum(r[0] * r[1])


def printer_indexed_call(x):
    y = noisy(x * 2.0)
    return np.sum(triple(y)[1] * pair(x, y)[1])


FUNCTIONS = [
    kept_whole_nested,
    indexed_call_nested,
    stacked_nested,
    lambda_kept_whole,
    nested_in_loop,
    nested_in_branch,
    chosen_by_expression,
    writer_kept_whole,
    writer_indexed_call,
    writer_loop_and_with,
    writer_unpacked_later,
    printer_kept_whole,
    printer_indexed_call,
]
X = np.array([0.3, -0.7, 1.1])


def _central_gradient(f, x, h=1e-6):
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)])


def _central_hessian(f, x, h=1e-4):
    g = ad.grad(f)
    return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(x.size)])


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_first_order_against_differences_and_forward(f):
    want = _central_gradient(f, X)
    value, got = ad.value_and_grad(f)(X)
    assert value == f(X)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.jacfwd(f)(X), got, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ad.jacrev(f)(X), got, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_second_order_against_differences_of_the_gradient(f):
    want = _central_hessian(f, X)
    got = ad.hessian(f)(X)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(X), got, rtol=1e-10, atol=1e-12)


def test_effects_run_once():
    LOG.clear()
    writer_kept_whole(X)
    plain = list(LOG)
    LOG.clear()
    ad.grad(writer_kept_whole)(X)
    assert plain == LOG
    QUIET.seek(0)
    QUIET.truncate()
    printer_kept_whole(X)
    plain_text = QUIET.getvalue()
    QUIET.seek(0)
    QUIET.truncate()
    ad.hessian(printer_kept_whole)(X)
    assert QUIET.getvalue() == plain_text


def sliced_and_counted(x):
    def trip(v):
        return np.sum(v), np.cos(v), v**3

    r = trip(x)
    s = r[1:]
    total = np.sum(s[0] * s[1]) + np.sum(r[::-1][0])
    for i in range(len(r)):
        total = total + np.sum(r[i]) * 0.1
    return total


def test_sliced_and_indexed_by_a_counter():
    # (refused until session 54: "indexing the tuple `r` with anything but an integer literal")
    want = _central_gradient(sliced_and_counted, X)
    np.testing.assert_allclose(ad.grad(sliced_and_counted)(X), want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ad.jacfwd(sliced_and_counted)(X), want, rtol=1e-6, atol=1e-8)
    got = ad.hessian(sliced_and_counted)(X)
    np.testing.assert_allclose(got, _central_hessian(sliced_and_counted, X), rtol=1e-5, atol=1e-7)


def out_of_range(x):
    def inner(v):
        return np.sin(v), v * 2.0

    r = inner(x)
    return np.sum(r[2])


def test_literal_index_out_of_range_refused():
    # (the plain call raises IndexError at every call; a gradient of zeros would hide it)
    with pytest.raises(IndexError):
        out_of_range(X)
    with pytest.raises(ad.errors.UnsupportedSyntaxError, match="out of range") as info:
        ad.grad(out_of_range)(X)
    assert f"{__file__}:{out_of_range.__code__.co_firstlineno + 5}" in str(info.value)
