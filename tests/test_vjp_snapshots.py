"""`vjp`'s pullback at the values of the call (s2s_ad/snapshots.py, ad/pullback_reads.py):
the ways an array reaches the pullback from outside, each written into after `vjp`, and the
plain call's semantics the copies must not change (a helper writing the module's array that
a local name aliases)."""

from __future__ import annotations

import numpy as np

import s2s_ad as ad

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
WBUF = np.array([1.0, 2.0, 3.0])


def set_first(v):
    WBUF[0] = v


def alias_then_helper_writes(x):
    w = WBUF  # the plain call sees the helper's write through `w`
    a = x * w
    set_first(5.0)
    return np.sum(a * w)


def rows_of_argument(h, X):
    for i in range(X.shape[0]):
        h = np.tanh(h * X[i])  # the tape holds views of X
    return np.sum(h)


def view_of_global_by_call(x):
    return np.sum(np.sin(np.transpose(W) @ x) + np.reshape(W, (3, 2)) @ x)  # (views held)


def output_the_pullback_reads(x):
    return np.exp(x)


def _cotangent(f, args, write, ct=1.0):
    """The pullback's cotangents called at once, and again after `write()`."""
    _, pullback = ad.vjp(f, *args)
    first = pullback(ct)
    write()
    return first, pullback(ct)


def test_a_helper_writing_an_aliased_module_array_is_seen_as_in_the_plain_call():
    x = np.array([1.0, 2.0, 3.0])
    WBUF[:] = [1.0, 2.0, 3.0]
    plain = alias_then_helper_writes(x)
    WBUF[:] = [1.0, 2.0, 3.0]
    value, pullback = ad.vjp(alias_then_helper_writes, x)
    assert value == plain  # (36.0 where `w` was bound as a copy before the helper ran)
    WBUF[:] = [1.0, 2.0, 3.0]
    expected = ad.grad(alias_then_helper_writes)(x)
    WBUF[:] = [-7.0, 0.0, 0.0]  # a write after the call: not seen
    np.testing.assert_array_equal(pullback(1.0)[0], expected)


def test_views_of_an_argument_on_a_loop_tape():
    h, X = np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.1]])

    def write():
        X[:] = 0.0
        h[:] = 9.0

    first, again = _cotangent(rows_of_argument, (h, X), write)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_views_of_a_module_array_made_by_calls():
    saved = W.copy()
    x = np.array([0.2, -0.4])

    def write():
        W[:] = 0.0

    try:
        first, again = _cotangent(view_of_global_by_call, (x,), write)
    finally:
        W[:] = saved
    np.testing.assert_array_equal(first[0], again[0])


def test_the_returned_array_written_by_the_caller():
    x = np.array([0.1, 0.2])
    y, pullback = ad.vjp(output_the_pullback_reads, x)
    np.testing.assert_array_equal(y, np.exp(x))
    y[:] = 0.0
    np.testing.assert_array_equal(pullback(np.ones(2))[0], np.exp(x))
