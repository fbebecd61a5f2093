"""Arrays updated in place inside a loop through one name and read through another
(ssa/loop_sharing.py, ssa/aliasing.py): every later iteration, and the code after the loop,
sees the update exactly as the plain call does, in both modes and at second order, or the
derivative is refused with a located error naming both names; never a wrong number."""

from __future__ import annotations

import numpy as np
import pytest
from programs import load

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree

X = np.array([0.5, 1.0, 2.0, -1.0, 0.3, 1.7])
MODES = ("reverse", "forward")

# the class: how `v` is made from `a`, where, how one of them is updated in the loop, and
# which of them the loop reads (before the update: the next iteration reads it after)
MAKERS = {
    "slice": "a[0:1]",
    "row": "a[1]",
    "T": "a.T",
    "reshape": "a.reshape(3, 2)",
    "asarray": "np.asarray(a)",
    "alias": "a",
}
UPDATES = {
    "v *=": ("v", "v *= 1.5"),
    "v +=": ("v", "v += x[0]"),
    "v[0] =": ("v", "v[0] = v[0] * x[1]"),
    "v[:] +=": ("v", "v[:] += x[2]"),
    "a *=": ("a", "a *= x[3]"),
    "a[0] =": ("a", "a[0] = a[0] * x[4]"),
}
READS = {
    "view": "s = s + np.sum(v * v)",
    "base": "s = s + np.sum(a * a)",
    "both": "s = s + np.sum(a * a) + np.sum(v) * x[5]",
}
PLACES = ("before", "inside")  # `v = …` before the loop, or first in its body


def _source(maker: str, update: str, read: str, place: str) -> str:
    make = f"v = {MAKERS[maker]}"
    return (
        "def f(x):\n"
        "    a = x.reshape(2, 3) * 1.0\n"
        f"    {make if place == 'before' else 'pass'}\n"
        "    s = 0.0\n"
        "    for _ in range(3):\n"
        f"        {make if place == 'inside' else 'pass'}\n"
        f"        {READS[read]}\n"
        f"        {UPDATES[update][1]}\n"
        "    return s\n"
    )


def _exact(maker: str, update: str, read: str, place: str) -> bool:
    """Whether the derivative must be exact (else refused): when no later read (the next
    iteration's included) sees the other name after the update, or when `v` is `a` itself
    and the update is an element update (both names then see the new version).

    A `v` made in the body is made again, from the updated `a`, by the next iteration: the
    base is read after an update of `v`, and the old `v` is never read after one of `a`."""
    updated = UPDATES[update][0]
    other = "a" if updated == "v" else "v"
    reads_other = read == "both" or read == {"v": "view", "a": "base"}[other]
    if place == "inside":
        reads_other = updated == "v"  # `v = a…` reads `a`; `v` is made before it is read
    element = "[" in update
    return not reads_other or (maker == "alias" and element)


CASES = [(m, u, r, p) for m in MAKERS for u in UPDATES for r in READS for p in PLACES]


def assert_exact(f, args, expected):
    """The primal value of every entry point is the plain call's; both modes agree with
    central differences and with each other."""
    for mode in MODES:
        value, _ = ad.value_and_grad(f, mode=mode)(*_copies(args))
        assert value == expected, (mode, value, expected)
    out, _ = ad.vjp(f, *_copies(args))
    assert out == expected
    check_grads(f, _copies(args))
    check_modes_agree(f, _copies(args))


def assert_refused(f, args, *, line, names):
    """Both modes raise a located error naming `names`, at `line` of `f`'s file."""
    for mode in MODES:
        with pytest.raises(S2SError) as info:
            ad.grad(f, mode=mode)(*_copies(args))
        message = str(info.value)
        assert f"{f.__code__.co_filename}:{line}:" in message, message
        for name in names:
            assert f"`{name}`" in message, message


def _copies(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


@pytest.mark.parametrize(("maker", "update", "read", "place"), CASES, ids="-".join)
def test_update_in_loop_through_views_and_aliases(maker, update, read, place):
    f = load(_source(maker, update, read, place))
    expected = f(X.copy())
    if _exact(maker, update, read, place):
        assert_exact(f, (X,), expected)
    else:
        update_line = f.__code__.co_firstlineno + 7
        assert_refused(f, (X,), line=update_line, names=("v", "a"))


# hand-written members of the class, with their second derivatives


def element_update_read_by_original(x):
    w = x * 1.0
    v = w
    s = 0.0
    for i in range(3):
        s = s + np.sum(np.sin(w)) * x[i]
        v[i] = v[i] * x[i]
    return s


def original_updated_read_by_alias(x):
    w = x * 1.0
    v = w
    s = 0.0
    for i in range(3):
        s = s + v[0] * v[i]
        w[i] = np.cos(w[i]) * x[0]
    return s


def alias_updated_in_while_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    k = 0
    while s < 4.0 and k < 5:
        s = s + np.sum(w * w)
        v[k % 3] = v[k % 3] * 1.5
        k += 1
    return s


def alias_updated_in_nested_loops(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        for j in range(3):
            s = s + w[j] * w[(j + 1) % 3]
            v[j] = v[j] * x[j]
    return s


def alias_read_only_after_loop(x):
    w = x * 1.0
    v = w
    for i in range(3):
        v[i] = v[i] ** 2
    return np.sum(w * x)


def alias_made_in_loop(x):
    w = x * 1.0
    s = 0.0
    for i in range(3):
        v = w
        s = s + np.prod(w)
        v[i] = v[i] + x[(i + 1) % 3]
    return s


def row_updated_through_alias(x):
    M = np.outer(x, x)
    N = M
    s = 0.0
    for i in range(3):
        s = s + np.sum(M @ x)
        N[i, :] = N[i, :] * 0.5 + x
    return s + np.sum(M * M)


def list_grown_through_alias_read_in_loop(x):
    xs = [x[0]]
    ys = xs
    s = 0.0
    for i in range(1, 3):
        s = s + sum(xs) * x[i]
        ys.append(np.sin(x[i]) * ys[-1])
    return s + sum(xs)


def float_alias_augmented_is_a_rebinding(x):
    a = x[0] * 1.0
    b = a
    s = 0.0
    for i in range(3):
        s = s + a * x[i]
        b += x[i]
    return s + b


def updated_after_rebinding(x):
    w = x * 1.0
    v = w
    s = 0.0
    for i in range(3):
        s = s + w[0] * x[i]
        if i > 0:
            v[0] = v[0] * x[i]  # `v` is a new array by then: `w` stays as it is
        v = x * 3.0
    return s


def alias_updated_in_loop_in_branch_of_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    for k in range(3):
        s = s + np.sum(w)
        if k > 0:  # the same array on both branches: after the join too
            for i in range(3):
                v[i] = v[i] * x[i]
    return s


EXACT = [
    element_update_read_by_original,
    original_updated_read_by_alias,
    alias_updated_in_while_loop,
    alias_updated_in_nested_loops,
    alias_read_only_after_loop,
    alias_made_in_loop,
    row_updated_through_alias,
    list_grown_through_alias_read_in_loop,
    float_alias_augmented_is_a_rebinding,
    updated_after_rebinding,
    alias_updated_in_loop_in_branch_of_loop,
]
XS = np.array([0.7, -0.4, 1.1])


@pytest.mark.parametrize("fn", EXACT, ids=lambda f: f.__name__)
def test_exact(fn):
    assert_exact(fn, (XS,), fn(XS.copy()))


def _central_jacobian(g, x, h=1e-5):
    return np.stack([(g(x + e) - g(x - e)) / (2 * h) for e in np.eye(x.size) * h], axis=-1)


@pytest.mark.parametrize("fn", EXACT, ids=lambda f: f.__name__)
def test_second_order(fn):
    assert_second_order(fn)


def assert_second_order(fn, rest=()):
    """The Hessian in `fn`'s first argument (`XS`; `rest`: the others) agrees with central
    differences of the gradient, is symmetric, and equals `jacfwd(grad)`, `jacrev(grad)`
    and, along a direction, `hvp`."""
    grad = ad.grad(fn)
    expected = _central_jacobian(lambda x: grad(x.copy(), *rest), XS)
    hessian = ad.hessian(fn)(XS.copy(), *rest)
    np.testing.assert_allclose(hessian, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-10, atol=1e-10)
    jacfwd = ad.jacfwd(ad.grad(fn))(XS.copy(), *rest)
    np.testing.assert_allclose(jacfwd, hessian, rtol=1e-9, atol=1e-9)
    jacrev = ad.jacrev(ad.grad(fn))(XS.copy(), *rest)
    np.testing.assert_allclose(jacrev, hessian, rtol=1e-9, atol=1e-9)
    direction = np.array([0.3, -1.2, 0.5])
    gradient, hvp = ad.hvp(fn, (XS.copy(), *rest), (direction, *[None] * len(rest)))
    np.testing.assert_allclose(gradient, grad(XS.copy(), *rest), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hvp, hessian @ direction, rtol=1e-9, atol=1e-9)


# the class of nested loops: an inner loop carries a name that shares memory with the name
# it updates (certainly, or perhaps: only the outer loop's back edge makes them perhaps
# share). The outer loop, which may run zero times (checkpointed or not, `for` or `while`),
# must carry that name too, or the name be bound in its body: else the inner loop's exit
# copy is a version that an empty outer loop leaves unbound (`NameError` of `a_2`, found by
# tests/test_properties.py's tuple-argument programs).


def normalized(u):
    """The argument itself, or a new array: may share memory with it."""
    return u if np.max(np.abs(u)) < 1e3 else u / np.max(np.abs(u))


def perhaps_shared_in_inner_loop(x, n):
    a = np.sin(x)
    b = x * 2.0
    for _ in range(n):
        for _ in range(2):
            b += x
        b = normalized(b)
    return np.sum(a * a) + np.sum(b * x)


def perhaps_shared_in_checkpointed_loop(x, n):
    a = np.sin(x)
    b = x * 2.0
    for _ in ad.checkpoint(range(n)):
        for _ in range(2):
            b += x
        b = normalized(b)
    return np.sum(a * a) + np.sum(b * x)


def perhaps_shared_read_only_after(x, n):
    a = np.sin(x)
    b = x * 2.0
    for _ in ad.checkpoint(range(n)):
        for _ in range(1):
            b += np.sin(b)
        for _ in range(0):
            b = normalized(b)
    return np.sum(a)


def perhaps_shared_in_while_loop(x, n):
    a = np.sin(x)
    b = x * 2.0
    k = 0
    while k < n:
        for _ in range(2):
            b += x
        b = normalized(b)
        k += 1
    return np.sum(a * a) + np.sum(b * x)


def perhaps_shared_tuple_unpacked(p, n):
    a, c = p
    b = np.logaddexp(c, 2.0)
    a = np.tanh(c) if np.sum(c) < np.sum(a) else np.arctan(b)
    for _ in ad.checkpoint(range(n)):
        for _ in range(1):
            b += np.sin(b)
        b = normalized(b)
    return np.sum(a * c) + np.sum(b)


def halved(u):
    """A new array at these values, the argument itself at others: may share memory."""
    return u if np.max(np.abs(u)) > 1e3 else u * 0.5


# `s` is carried only because it may share memory with `u`, and no iteration rebinds it;
# `u` does not reach the result, so the loops have nothing else to differentiate (the
# header's adjoint was left unbound: `s_2_bar`, found by the scalar control-flow programs)


def perhaps_shared_in_loops_with_nothing_active(x, n):
    s = np.exp(x)
    u = halved(s)
    for _ in ad.checkpoint(range(n)):
        for _ in range(2):
            u += 1.0
    return np.sum(s * x)


def perhaps_shared_after_loop_in_loops_with_nothing_active(x, n):
    s = np.exp(x)
    u = halved(x)
    for _ in range(2):
        u = halved(s)
    for _ in range(n):
        for _ in range(2):
            u += 1.0
    return np.sum(s * x)


def alias_updated_in_inner_loop(x, n):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(n):
        for i in range(3):
            s = s + w[i]
            v[i] = v[i] * x[i]
    return s + np.sum(w * x)


def alias_updated_in_checkpointed_inner_loop(x, n):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in ad.checkpoint(range(n)):
        for i in range(3):
            s = s + w[i]
            v[i] = v[i] * x[i]
    return s + np.sum(w * x)


def alias_made_in_outer_loop(x, n):
    s = 0.0
    for _ in range(n):
        w = x * 1.0
        v = w
        for i in range(3):
            s = s + w[i] * w[(i + 1) % 3]
            v[i] = v[i] * x[i]
    return s


def alias_updated_in_loop_in_branch(x, n):
    w = x * 1.0
    v = w
    if n > 1:
        for i in range(3):
            v[i] = v[i] * x[i]
    return np.sum(w * x)


NESTED = [
    perhaps_shared_in_inner_loop,
    perhaps_shared_in_checkpointed_loop,
    perhaps_shared_read_only_after,
    perhaps_shared_in_while_loop,
    perhaps_shared_tuple_unpacked,
    perhaps_shared_in_loops_with_nothing_active,
    perhaps_shared_after_loop_in_loops_with_nothing_active,
    alias_updated_in_inner_loop,
    alias_updated_in_checkpointed_inner_loop,
    alias_made_in_outer_loop,
    alias_updated_in_loop_in_branch,
]
TRIPS = (0, 1, 3)  # the outer loop's: 0 leaves every version bound in its body unbound


def _nested_args(fn, n):
    if fn is perhaps_shared_tuple_unpacked:
        return (XS * 1.0, XS[::-1] * 0.5), n
    return XS.copy(), n


@pytest.mark.parametrize("n", TRIPS)
@pytest.mark.parametrize("fn", NESTED, ids=lambda f: f.__name__)
def test_nested_loops_exact(fn, n):
    args = _nested_args(fn, n)
    assert_exact(fn, args, fn(*_nested_args(fn, n)))


@pytest.mark.parametrize("n", TRIPS)
@pytest.mark.parametrize("fn", [f for f in NESTED if f is not perhaps_shared_tuple_unpacked])
def test_nested_loops_second_order(fn, n):
    assert_second_order(fn, (n,))


# what stays refused: sharing the analysis cannot follow through the loop


def rebound_after_update(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        s = s + w[0]
        v[0] = v[0] * 2.0  # <- error (the first iteration's `v` is `w`: checked when called)
        v = x * 3.0
    return s


def alias_on_one_branch(x):
    w = x * 1.0
    v = w if x[0] > 0.0 else w * 2.0  # perhaps `w`: checked when called
    s = 0.0
    for i in range(2):
        s = s + w[0]
        v[i] = v[i] * 2.0  # <- error
    return s


def augmented_alias_of_array(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        s = s + w[0]
        v += 1.0  # <- error
    return s


def view_updated_in_loop(x):
    w = x * 1.0
    v = w[1:]
    s = 0.0
    for _ in range(2):
        s = s + w[1]
        v[0] = v[0] * 2.0  # <- error
    return s


def alias_rebound_on_one_branch_in_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    for k in range(3):
        s = s + np.sum(w)
        if k > 1:  # a new array on one branch: after the join perhaps `w`, perhaps not
            v = x * 3.0
        v[0] = v[0] * x[0]  # <- error
    return s


REFUSED = [
    rebound_after_update,
    alias_on_one_branch,
    augmented_alias_of_array,
    view_updated_in_loop,
    alias_rebound_on_one_branch_in_loop,
]


@pytest.mark.parametrize("fn", REFUSED, ids=lambda f: f.__name__)
def test_refused(fn):
    from derivative_tests import marked_line

    names = ("v", "w")
    assert_refused(fn, (XS,), line=marked_line(fn), names=names)
    with pytest.raises(S2SError):
        ad.hessian(fn)(XS.copy())
