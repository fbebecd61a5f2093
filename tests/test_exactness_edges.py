"""Edges of the language model where a derivative must be exact or refused (issue 14):
nested functions rebound by branches, loops and assignments.

Each program is checked in both modes against its plain call (the primal every entry point
returns) and central differences (`check_grads`), and reverse mode against forward mode
(`check_modes_agree`); each refusal names the user's file and line.
"""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import NameResolutionError, UnsupportedSyntaxError
from s2s_ad.testing import check_grads, check_modes_agree

X = np.array([0.5, 1.2, -0.7, 2.0])


def check_all(f, args):
    check_grads(f, args)
    check_modes_agree(f, args)


def assert_refused(f, args, line, error=UnsupportedSyntaxError, words=()):
    """Refused, in both modes, with a located error at `line` (relative to the `def`)."""
    for mode in ("reverse", "forward"):
        with pytest.raises(error) as caught:
            ad.grad(f, mode=mode)(*args)
        assert caught.value.filename == __file__
        assert caught.value.line == f.__code__.co_firstlineno + line, caught.value
        for word in words:
            assert word in str(caught.value)


# 1. A nested `def` rebound: the call runs the definition Python would call there.


def g(v):  # a global of the same name as the nested functions below
    return v * 100.0


def def_in_both_branches(x):
    if x > 0.0:

        def g(v):
            return np.sin(v)

    else:

        def g(v):
            return np.cos(v)

    return g(x) * x


def def_twice_in_sequence(x):
    def g(v):
        return np.sin(v)

    a = g(x)

    def g(v):
        return np.cos(v) * a

    return g(x) + a


def def_redefined_in_one_branch(x):
    def g(v):
        return np.sin(v)

    if x > 1.0:

        def g(v):
            return v * v

    return g(x) * x


def def_in_branches_with_defaults(x):
    if x > 0.0:

        def g(v, c=2.0):
            return v * c

    else:

        def g(v, c=3.0):
            return np.exp(v) * c

    return g(x)


def def_in_branches_updates_list(x):
    acc = [x]
    if x > 0.0:

        def add(v):
            acc.append(v * 2.0)

    else:

        def add(v):
            acc.append(np.sin(v))

    add(x * x)
    return acc[0] * acc[1]


def def_in_branches_tuple_result(x):
    if x > 0.0:

        def g(v):
            return v * 2.0, np.sin(v)

    else:

        def g(v):
            return np.cos(v), v

    a, b = g(x)
    return a * b


def def_in_nested_branches(x):
    def g(v):
        return v * 3.0

    if x > 0.0:
        if x > 1.0:

            def g(v):
                return np.sin(v)

    else:

        def g(v):
            return np.cos(v)

    return g(x) * x


def def_in_loop_body(v):
    s = 0.0
    for i in range(4):
        if v[i] > 0.0:

            def h(u):
                return u * u

        else:

            def h(u):
                return np.sin(u)

        s = s + h(v[i]) * v[0]
    return s


def def_in_loop_called_in_iteration(v):
    s = 0.0
    for e in v:

        def h(u):
            return u * e  # noqa: B023 (called in the same iteration)

        s = s + h(v[0])
    return s


def caller_late_binding(x):
    def h(v):
        return g(v) * 2.0  # the `g` bound when `h` is called

    def g(v):
        return np.sin(v)

    a = h(x)

    def g(v):  # noqa: F811 (rebinding is the point)
        return np.cos(v)

    return a + h(x)


@pytest.mark.parametrize(
    "f",
    [
        def_in_both_branches,
        def_twice_in_sequence,
        def_redefined_in_one_branch,
        def_in_branches_with_defaults,
        def_in_branches_updates_list,
        def_in_branches_tuple_result,
        def_in_nested_branches,
        caller_late_binding,
    ],
)
@pytest.mark.parametrize("x", [0.7, -0.7, 1.3])
def test_nested_def_rebound_is_exact(f, x):
    check_all(f, (x,))


@pytest.mark.parametrize("f", [def_in_loop_body, def_in_loop_called_in_iteration])
def test_nested_def_in_loop_body_is_exact(f):
    check_all(f, (X,))


def def_shadowed_by_value(x):
    def g(v):
        return np.sin(v)

    g = 3.0  # noqa: F811
    return g(x)


def def_on_one_branch_only(x):
    if x > 0.0:

        def k(v):
            return np.sin(v)

    return k(x)


def def_or_value_on_branches(x):
    if x > 0.0:

        def k(v):
            return np.sin(v)

    else:
        k = 2.0
    return k(x)


def called_before_def(x):
    a = g(x)  # noqa: F823 Python: UnboundLocalError (`g` is local), not the global `g`

    def g(v):
        return np.sin(v)

    return a + g(x)


def redefined_later_in_loop(v):
    def h(u):
        return u * 2.0

    s = 0.0
    for e in v:
        s = s + h(e)  # first iteration: u * 2.0; later ones: sin(u)

        def h(u):
            return np.sin(u)

    return s


def called_after_defining_loop(v):
    s = 0.0
    for e in v:

        def h(u):
            return u * e  # noqa: B023 (called in the same iteration)

        s = s + e
    return s + h(v[0])  # the last iteration's `h`, or a NameError for an empty loop


@pytest.mark.parametrize(
    "f, line, error",
    [
        (def_shadowed_by_value, 5, UnsupportedSyntaxError),
        (def_on_one_branch_only, 6, UnsupportedSyntaxError),
        (def_or_value_on_branches, 8, UnsupportedSyntaxError),
        (called_before_def, 1, NameResolutionError),
    ],
)
def test_nested_def_rebound_refused(f, line, error):
    assert_refused(f, (0.7,), line, error)


@pytest.mark.parametrize("f, line", [(redefined_later_in_loop, 6), (called_after_defining_loop, 8)])
def test_nested_def_rebound_by_loop_refused(f, line):
    assert_refused(f, (X,), line, words=("rebinds",))


def generator(x):
    yield x * 2.0


def test_generator_refused_at_its_yield():
    assert_refused(generator, (0.7,), 1, words=("yield",))
