"""Checkpointed loops (`for … in s2s_ad.checkpoint(…)`): the same derivatives as the plain
loop, in every mode, with the loop's state kept per segment instead of per iteration."""

import math

import numpy as np
import pytest
from derivative_tests import derivative_tests

import s2s_ad as ad
from s2s_ad.errors import S2SError, UnsupportedSyntaxError


def helper(a, b):
    return np.tanh(a * b)


def plain(x, n):
    for i in range(n):
        x = np.sin(x) * 1.01 + 0.1 * i
    return np.sum(x * x)


def marked(x, n):
    for i in ad.checkpoint(range(n)):
        x = np.sin(x) * 1.01 + 0.1 * i
    return np.sum(x * x)


def every_three(x, n):
    for i in ad.checkpoint(range(n), every=3):
        x = np.sin(x) * 1.01 + 0.1 * i
    return np.sum(x * x)


def every_argument(x, n, k):
    for i in ad.checkpoint(range(n), k):
        x = np.sin(x) * 1.01 + 0.1 * i
    return np.sum(x * x)


def with_branch(x, y):
    for i in ad.checkpoint(range(7), every=2):
        if np.sum(x) > i * 0.3:  # noqa: SIM108 (a branch, as written)
            x = x * y
        else:
            x = np.cos(x) + y
        y = y * 0.9
    return np.sum(x) + y


def with_inner_loop(x, y):
    s = 0.0
    for i in ad.checkpoint(range(5)):
        for j in range(3):
            x = np.sin(x + j) * y
        s = s + np.sum(x) * i
    return s


def inside_outer_loop(x, y):
    for k in range(3):
        for _ in ad.checkpoint(range(6), every=4):
            x = np.tanh(x * y + k)
        y = y * 1.1
    return np.sum(x * y)


def with_helper(x, y):
    for _ in ad.checkpoint(range(6)):
        x = helper(x, y) + x
    return np.sum(x)


def with_list(x):
    xs = []
    for i in ad.checkpoint(range(5)):
        x = np.sin(x) + i
        xs.append(x)
    return np.sum(np.stack(xs) ** 2)


def with_break(x):
    for _ in ad.checkpoint(range(20), every=3):
        x = x * 1.3 + np.sin(x)
        if np.max(x) > 4.0:
            break
    return np.sum(x)


def over_rows(w, x):
    for k, row in ad.checkpoint(enumerate(w)):
        x = np.tanh(row * x + k)
    return np.sum(x)


def over_pairs(a, b, x):
    for u, v in ad.checkpoint(zip(a, b), every=2):  # noqa: B905
        x = x * u + v
    return x


def with_update(x):
    a = np.zeros(6)
    for i in ad.checkpoint(range(6)):
        a[i] = np.sum(x) * i
        x = x * 1.5
    return np.sum(a * a)


def while_inside(x):
    for _ in ad.checkpoint(range(3)):
        k = 0
        while k < 3:
            x = np.exp(-x) * x
            k = k + 1
    return np.sum(x)


rng = np.random.default_rng(7)
X = rng.normal(size=4)
Y = rng.normal(size=4) * 0.5
CASES = [
    (marked, (X, 17)),
    (marked, (X, 1)),
    (marked, (X, 0)),
    (every_three, (X, 10)),
    (every_argument, (X, 9, 2)),
    (with_branch, (X, 0.7)),
    (with_inner_loop, (X, 0.8)),
    (inside_outer_loop, (X, Y)),
    (with_helper, (X, Y)),
    (with_list, (X,)),
    (with_break, (np.abs(X),)),
    (over_rows, (rng.normal(size=(5, 4)), X)),
    (over_pairs, (rng.normal(size=5), rng.normal(size=5), 0.3)),
    (with_update, (X,)),
    (while_inside, (np.abs(X),)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 10, 16, 17, 100])
def test_same_numbers_as_the_plain_loop(n):
    """Recomputing a segment repeats the same operations: the same floats, bit for bit."""
    expected = ad.grad(plain)(X, n)
    assert np.array_equal(ad.grad(marked)(X, n), expected)
    assert np.array_equal(ad.vjp(marked, X, n)[1](1.0)[0], expected)
    for every in (1, 2, 5, 200):
        assert np.array_equal(ad.grad(every_argument)(X, n, every), expected)


def test_second_derivatives_through_a_checkpointed_loop():
    np.testing.assert_allclose(ad.hessian(marked)(X, 9), ad.hessian(plain)(X, 9), rtol=1e-12)


def test_forward_mode_and_plain_calls_ignore_the_mark():
    assert marked(X, 5) == plain(X, 5)
    np.testing.assert_array_equal(
        ad.grad(marked, mode="forward")(X, 5), ad.grad(plain, mode="forward")(X, 5)
    )


def test_the_forward_sweep_keeps_one_entry_per_segment():
    source = ad.derivative_source(marked)
    assert "_checkpoints1.append(x_1)" in source
    assert "x_1 = _checkpoints1[_k1]" in source
    assert source.count("_tape1.append") == 1  # only in the pullback's rerun of a segment


def test_bad_segment_length_is_a_clear_error():
    with pytest.raises(S2SError, match="`every` must be a positive integer, not 0"):
        ad.grad(every_argument)(X, 5, 0)


def bad_call(x):
    for _ in ad.checkpoint(range(3), 2, 3):
        x = x * 2.0
    return x


def test_a_bad_call_of_checkpoint_is_located():
    with pytest.raises(UnsupportedSyntaxError) as info:
        ad.grad(bad_call)(1.0)
    assert "this call of `checkpoint`" in str(info.value)
    assert f"test_checkpoint.py:{bad_call.__code__.co_firstlineno + 1}" in str(info.value)


def test_segments_cover_every_iteration_once():
    from s2s_ad.runtime import segments

    for n in range(0, 50):
        for every in (None, 1, 3, 7):
            cut = segments(range(2, 2 + n), every)
            assert [i for s in cut for i in s] == list(range(2, 2 + n))
            if every is None and n:
                assert len(cut) == math.ceil(n / math.ceil(math.sqrt(n)))
