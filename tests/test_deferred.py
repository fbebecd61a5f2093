# ruff: noqa: SIM108  (branches written as users write them)
"""The derivative of a value read only inside one `if` branch runs in that branch
(ad/deferred.py): where the branch does not run, the value's infinite partial (`np.sqrt`
at 0) never meets its zero cotangent, so the derivative stays finite, as JAX's tracing of
the branch taken gives; the primal still runs where it stands."""

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad


def root_in_branch(x, use):
    p = np.sqrt(x)
    if use:
        return np.sum(p)
    return np.sum(2.0 * x)


def chain_into_branch(x, use):
    p = np.sqrt(x)
    q = p * 3.0
    r = q + x
    if use:
        return np.sum(r)
    return np.sum(x * x)


def nested_branches(x, a, b):
    p = np.sqrt(x)
    if a:
        if b:
            return np.sum(p)
        return np.sum(x * 4.0)
    return np.sum(x * 2.0)


def branch_in_loop(x):
    s = 0.0
    for i in range(3):
        p = np.sqrt(x[i])
        if i > 5:
            s = s + p
        else:
            s = s + 2.0 * x[i]
    return s


def python_floats(x, use):
    p = math.sqrt(x)
    if use:
        return p
    return 2.0 * x


def join_after(x, use):
    p = np.sqrt(x)
    if use:
        y = p
    else:
        y = 2.0 * x
    return np.sum(y)


Z = np.zeros(3)
# (function, arguments at the edge, the gradient there)
EDGE = [
    (root_in_branch, (Z, False), np.full(3, 2.0)),
    (chain_into_branch, (Z, False), np.zeros(3)),
    (nested_branches, (Z, True, False), np.full(3, 4.0)),
    (nested_branches, (Z, False, True), np.full(3, 2.0)),
    (branch_in_loop, (Z,), np.full(3, 2.0)),
    (python_floats, (0.0, False), 2.0),
    (join_after, (Z, False), np.full(3, 2.0)),
]
IDS = [f"{f.__name__}-{i}" for i, (f, _, _) in enumerate(EDGE)]


def _jvp(f, args):
    x = args[0]
    seed = np.ones_like(x) if np.ndim(x) else 1.0
    return ad.jvp(f, args, (seed, *(None for _ in args[1:])))


@pytest.mark.parametrize(("f", "args", "want"), EDGE, ids=IDS)
def test_no_nan_from_a_branch_not_taken(f, args, want):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0 * inf underneath
        np.testing.assert_array_equal(ad.grad(f)(*args), want)
        np.testing.assert_array_equal(ad.grad(f, mode="forward")(*args), want)
        value, tangent = _jvp(f, args)
        assert value == f(*args)
        assert tangent == pytest.approx(np.sum(want))
        value, pullback = ad.vjp(f, *args)
        np.testing.assert_array_equal(pullback(1.0)[0], want)
        np.testing.assert_array_equal(np.atleast_1d(ad.jacrev(f)(*args)), np.atleast_1d(want))


LOOP_TAPE = (
    "the Hessian of a value read in a branch inside a loop: the flat gradient code saves the "
    "value on the loop's tape, so its tangent is made in the forward loop, outside the branch "
    "(a divide-by-zero warning; the numbers are right)"
)
SECOND = [
    pytest.param(*case, id=i, marks=pytest.mark.xfail(strict=True, reason=LOOP_TAPE))
    if case[0] is branch_in_loop
    else pytest.param(*case, id=i)
    for case, i in zip(EDGE, IDS, strict=True)
]


@pytest.mark.parametrize(("f", "args", "want"), SECOND)
def test_second_order_at_the_edge(f, args, want):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hessian = ad.hessian(f)(*args)
    assert np.all(np.isfinite(hessian))


@pytest.mark.parametrize(("f", "args", "want"), EDGE, ids=IDS)
@pytest.mark.parametrize("taken", [True, False])
def test_away_from_the_edge_both_paths_match_central_differences(f, args, want, taken):
    x = np.array([0.3, 0.7, 1.2]) if np.ndim(args[0]) else 0.7
    rest = tuple(taken for _ in args[1:])
    h = 1e-6

    def g(v):
        return f(v, *rest)

    if np.ndim(x):
        central = np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(3)])
    else:
        central = (g(x + h) - g(x - h)) / (2 * h)
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(ad.grad(f, mode=mode)(x, *rest), central, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(
        ad.hessian(f)(x, *rest), ad.jacfwd(ad.grad(f))(x, *rest), rtol=1e-9, atol=1e-12
    )


def _scaled_root(v):
    return np.sqrt(v) * 2.0


def helper_before_branch(x, use):
    p = _scaled_root(x)  # its pullback call is placed in the branch too
    if use:
        return np.sum(p)
    return np.sum(x)


def where_in_branch(x, use):
    p = np.sqrt(x)
    if use:  # masked under np.where where its adjoint is placed: in the branch
        return np.sum(np.where(x > 0.5, p, 0.0) + x)
    return np.sum(x * 2.0)


def test_a_helper_read_only_in_a_branch_not_taken():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(ad.grad(helper_before_branch)(Z, False), np.ones(3))


def test_np_where_in_the_branch_masks_the_value_placed_there():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the masked division still warns: README)
        found = ad.grad(where_in_branch)(np.array([0.0, 0.0, 1.0]), True)
    np.testing.assert_array_equal(found, [1.0, 1.0, 1.5])
