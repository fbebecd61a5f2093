"""In-place updates of objects other names share (views, aliases, lists, closures): each
gives the plain call's value and derivative, or a located error naming both names.

The right answer is always Python's: the plain call, and central differences of it. The
table at the top crosses every way of making a second name for an array's memory with every
in-place update of either name and every choice of which name is read afterwards.
"""

from __future__ import annotations

import numpy as np
import pytest
from programs import load

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree

X = np.array([0.5, 1.0, 2.0, -1.0, 0.3, 1.7])
MODES = ("reverse", "forward")

# how `v` is made from `a` (a 2-by-3 array the function made)
MAKERS = {
    "slice": "a[0:1]",
    "ellipsis": "a[..., 1:]",
    "row": "a[1]",
    "T": "a.T",
    "transpose": "np.transpose(a)",
    "swapaxes": "np.swapaxes(a, 0, 1)",
    "squeeze": "np.squeeze(a[None])",
    "reshape": "a.reshape(3, 2)",
    "ravel": "a.ravel()",
    "asarray": "np.asarray(a)",
    "alias": "a",
}
# in-place updates, of the view `v` or of the base `a`
UPDATES = {
    "v *=": ("v", "v *= 2.0"),
    "v +=": ("v", "v += x[0]"),
    "v[0] =": ("v", "v[0] = x[1] * 3.0"),
    "v[:] +=": ("v", "v[:] += x[2]"),
    "a *=": ("a", "a *= x[3]"),
    "a[0] =": ("a", "a[0] = x[4] * 2.0"),
}
# which names are read after the update
READS = {
    "view": "return np.sum(v * v) + x[5]",
    "base": "return np.sum(a * a) + x[5]",
    "both": "return np.sum(a * a) + np.sum(v) * x[5]",
}


def _source(maker: str, update: str, read: str) -> str:
    return (
        "def f(x):\n"
        "    a = x.reshape(2, 3) * 1.0\n"
        f"    v = {MAKERS[maker]}\n"
        f"    {UPDATES[update][1]}\n"
        f"    {READS[read]}\n"
    )


def _exact(maker: str, update: str, read: str) -> bool:
    """Whether s2s_ad differentiates the program (else it must refuse it): when the other
    name is not read after the update, or when `v` is `a` itself and the update is an
    element update (only arrays have those, so both names see the new version)."""
    updated = UPDATES[update][0]
    other_read = read == "both" or read != {"v": "view", "a": "base"}[updated]
    element = "[" in update
    return not other_read or (maker == "alias" and element)


CASES = [(m, u, r) for m in MAKERS for u in UPDATES for r in READS]


@pytest.mark.parametrize(("maker", "update", "read"), CASES, ids="-".join)
def test_update_through_views_and_aliases(maker, update, read):
    f = load(_source(maker, update, read))
    expected = f(X.copy())
    if _exact(maker, update, read):
        assert_exact(f, X, expected)
    else:
        assert_refused(f, (X,), line=f.__code__.co_firstlineno + 3, names=("v", "a"))


def assert_exact(f, x, expected):
    """The primal value of every entry point is the plain call's; both modes agree with
    central differences."""
    for mode in MODES:
        value, _ = ad.value_and_grad(f, mode=mode)(x.copy())
        assert value == expected
    out, _ = ad.vjp(f, x.copy())
    assert out == expected
    check_grads(f, (x.copy(),))
    check_modes_agree(f, (x.copy(),))


def assert_refused(f, args, *, line, names):
    """Both modes raise a located error naming `names`, at `line` of `f`'s file."""
    for mode in MODES:
        with pytest.raises(S2SError) as info:
            ad.grad(f, mode=mode)(*(a.copy() if hasattr(a, "copy") else a for a in args))
        message = str(info.value)
        assert f"{f.__code__.co_filename}:{line}:" in message, message
        for name in names:
            assert f"`{name}`" in message, message


def _first_line(f) -> int:
    return f.__code__.co_firstlineno


# the issue's cases


def view_written(x):
    a = x * 1.0
    v = a[1:3]
    v *= 2.0
    return np.sum(a * a)


def alias_augmented(x):
    a = x * 2.0
    b = a
    b += 1.0
    return np.sum(a * b)


def test_issue_cases_are_refused_naming_both():
    x = np.array([0.5, 1.0, 2.0, -1.0])
    assert_refused(view_written, (x,), line=_first_line(view_written) + 3, names=("v", "a"))
    line = _first_line(alias_augmented) + 3
    assert_refused(alias_augmented, (x,), line=line, names=("b", "a"))


def view_hint(x):
    a = x * 1.0
    v = a[1:3]
    v[0] = 2.0
    return np.sum(a * a)


def test_view_error_says_where_the_view_was_made_and_what_to_write():
    with pytest.raises(S2SError) as info:
        ad.grad(view_hint)(np.ones(4))
    message = str(info.value)
    assert f"line {_first_line(view_hint) + 2}: `v = a[1:3]`" in message
    assert "`v` is a view of `a`" in message and ".copy()" in message


# what is exact


def element_through_alias(x):
    y = np.zeros(3)
    z = y
    z[0] = x[0] * 2.0
    z[1:] += x[1:3]
    return np.sum(y * y) + np.sum(z)


def scalar_elements(x):
    a = np.tanh(x)
    s = a[0]
    for i in range(1, 4):
        s += a[i]
    return s * np.sum(a)


def swap(x):
    a = x * 1.0
    tmp = a[0]
    a[0] = a[1]
    a[1] = tmp
    return np.sum(a * np.arange(4.0))


def rebound_is_not_an_alias(x):
    a = x * 1.0
    b = a
    a = np.tanh(a)
    a[0] += 1.0
    b[1] = 3.0 * x[2]
    return np.sum(a * b)


def rebound_in_loop(x):
    a = x * 1.0
    b = a
    for _ in range(2):
        b = a
        a = np.tanh(a)
    a[0] += 1.0
    return np.sum(a * b)


def argument_element_read(x):
    s = x[0]
    s += x[1] * 2.0
    return s * x[2]


def float_rebinding(x, y):
    z = y
    z *= x[0]
    return z + y * x[1]


def list_alias_append(x):
    xs = [x[0]]
    ys = xs
    ys.append(x[1] * 2.0)
    return np.sum(np.array(xs)) * x[2]


def copy_before_update(x):
    a = x * 2.0
    v = a[1:3].copy()
    v *= 3.0
    b = a.reshape(2, 2).copy()
    b[0, 0] = 7.0
    return np.sum(a) + np.sum(v * v) + np.sum(b * a.reshape(2, 2))


def updates_in_loop_of_fresh_arrays(x):
    buf = np.zeros(4)
    acc = x * 0.0
    for i in range(4):
        buf[i] = x[i] ** 2
        acc += buf
    return np.sum(acc * buf)


def closure_sees_alias_update(x):
    a = x * 1.0

    def total():
        return np.sum(a * a)

    b = a
    b[0] = 5.0 * x[1]
    return total() + np.sum(b)


def alias_in_loop(x):
    a = x * 1.0
    for i in range(2):
        b = a
        b[i] = b[i] * 2.0
    return np.sum(a * a)


EXACT = [
    element_through_alias,
    scalar_elements,
    swap,
    rebound_is_not_an_alias,
    rebound_in_loop,
    argument_element_read,
    list_alias_append,
    copy_before_update,
    updates_in_loop_of_fresh_arrays,
    closure_sees_alias_update,
    alias_in_loop,  # the loop carries `a`, which `b = a; b[i] = …` updates (loop_sharing.py)
]


@pytest.mark.parametrize("fn", EXACT, ids=lambda f: f.__name__)
def test_exact(fn):
    x = np.array([0.5, 1.0, 2.0, -1.0])
    assert_exact(fn, x, fn(x.copy()))


def test_augmented_float_argument_is_a_rebinding():
    x, y = np.array([0.5, 1.5]), 0.7
    expected = float_rebinding(x, y)
    for mode in MODES:
        value, _ = ad.value_and_grad(float_rebinding, wrt=(0, 1), mode=mode)(x, y)
        assert value == expected
    check_grads(float_rebinding, (x, y))


# what is refused


def argument_augmented(x):
    x *= 2.0
    return np.sum(x)


def argument_view(x):
    v = x[1:3]
    v *= 2.0
    return np.sum(v)


def argument_row(x):
    s = x[0]
    s += 1.0
    return np.sum(s)


def array_in_list(x):
    a = x * 1.0
    xs = [a, x]
    a[0] = 5.0
    return np.sum(xs[0])


def array_in_tuple(x):
    a = x * 1.0
    t = (a, x)
    a[0] = 5.0
    return np.sum(t[0])


def element_of_list(x):
    a = x * 1.0
    xs = [a]
    t = xs[0]
    t[0] = 5.0
    return np.sum(a)


def rows_of_loop(x):
    a = np.outer(x, x)
    for row in a:
        row *= 2.0
    return np.sum(a)


def first_half(a):
    return a[:2]


def helper_result(x):
    a = x * 1.0
    b = first_half(a)
    b[0] = 5.0
    return np.sum(a)


def joined_alias(x):
    a = x * 1.0
    if x[0] > 0.0:  # noqa: SIM108  (a statement, not an expression, joins here)
        b = a
    else:
        b = a * 1.0
    b += 1.0
    return np.sum(a * b)


def closure_reads_base(x):
    a = x * 1.0

    def total():
        return np.sum(a * a)

    v = a[1:3]
    v *= 2.0
    return total()


REFUSED = [
    (argument_augmented, 1, ("x",)),
    (argument_view, 2, ("v", "x")),
    (array_in_list, 3, ("a", "xs")),
    (array_in_tuple, 3, ("a", "t")),
    (element_of_list, 4, ("t", "a")),
    (rows_of_loop, 3, ("row", "a")),
    (joined_alias, 6, ("b", "a")),
    (helper_result, 3, ("b", "a")),
    (closure_reads_base, 7, ("v", "a")),
]


@pytest.mark.parametrize(
    ("fn", "offset", "names"), REFUSED, ids=lambda c: getattr(c, "__name__", "")
)
def test_refused(fn, offset, names):
    x = np.array([0.5, 1.0, 2.0, -1.0])
    assert_refused(fn, (x,), line=_first_line(fn) + offset, names=names)


def test_element_of_argument_row_is_refused_only_when_it_is_a_row():
    vector, matrix = np.array([0.5, 1.0]), np.array([[0.5, 1.0], [2.0, 3.0]])
    assert_exact(argument_row, vector, argument_row(vector.copy()))
    assert_refused(argument_row, (matrix,), line=_first_line(argument_row) + 2, names=("s", "x"))


def tuple_element_updated(p, y):
    x0 = p[0]
    x0 += y
    return np.sum(x0) + np.sum(p[0]) * p[1]


def test_element_of_tuple_argument_is_refused_only_when_it_is_an_array():
    floats = ((0.5, 0.3), 0.2)
    expected = tuple_element_updated(*floats)
    for mode in MODES:
        value, _ = ad.value_and_grad(tuple_element_updated, wrt=(0, 1), mode=mode)(*floats)
        assert value == expected
    check_grads(tuple_element_updated, floats)
    arrays = ((np.array([0.5, 1.0]), 0.3), 0.2)
    line = _first_line(tuple_element_updated) + 2
    assert_refused(tuple_element_updated, arrays, line=line, names=("x0", "p"))


# NumPy calls and methods that write into an array


def writes_out(x):
    a = x * 1.0
    b = np.zeros(4)
    c = np.multiply(a, 2.0, out=b)
    return np.sum(b) + np.sum(c)


def writes_copyto(x):
    a = np.zeros(4)
    c = np.copyto(a, x)
    return np.sum(a) + np.sum(c)


def sorts_in_place(x):
    a = x * 1.0
    c = a.sort()
    return np.sum(a * np.arange(4.0)) + np.sum(c)


def fills_in_place(x):
    a = x * 1.0
    c = a.fill(2.0)
    return np.sum(a) + np.sum(c)


@pytest.mark.parametrize(
    ("fn", "offset", "match"),
    [
        (writes_out, 3, "`out=`"),
        (writes_copyto, 2, "np.copyto"),
        (sorts_in_place, 2, r"`\.sort\(\)`, which updates `a` in place"),
        (fills_in_place, 2, r"`\.fill\(\)`, which updates `a` in place"),
    ],
    ids=lambda c: getattr(c, "__name__", ""),
)
def test_writing_calls_are_refused(fn, offset, match):
    for mode in MODES:
        with pytest.raises(S2SError, match=match) as info:
            ad.grad(fn, mode=mode)(np.array([0.5, 1.0, 2.0, -1.0]))
        assert f"{fn.__code__.co_filename}:{_first_line(fn) + offset}:" in str(info.value)


# nested functions: updates of the enclosing function's lists and arrays, defaults


def closure_appends(x):
    acc = []

    def add(v):
        acc.append(v * 2.0)

    for i in range(3):
        add(x[i])
    return np.sum(np.array(acc)) * x[3]


def closure_sets_elements(x):
    buf = np.zeros(3)

    def put(i, v):
        buf[i] = v

    for i in range(3):
        put(i, x[i] ** 2)
    return np.sum(buf * x[:3])


def closure_appends_outside_loop(x):
    acc = [x[0]]

    def add(v):
        acc.append(v * 2.0)
        return len(acc)

    n = add(x[1])
    m = add(x[3])
    return np.sum(np.array(acc)) * (n + m)


def closure_updates_through_parameter(x):
    acc = [x[0]]

    def add(xs, v):
        xs.append(v * 3.0)
        return 0.0

    _ = add(acc, x[1])
    return np.sum(np.array(acc))


def closure_calls_closure(x):
    acc = []

    def add(v):
        acc.append(v)
        return 0.0

    def add_twice(v):
        add(v)
        add(v * v)

    for i in range(2):
        _ = add_twice(x[i])
    return np.sum(np.array(acc))


def closure_without_return(x):
    acc = []

    def add(v):
        acc.append(v * 2.0)

    def add_or_not(v):
        if v > 0.0:
            acc.append(v)
            return
        acc.append(v * v)

    for i in range(3):
        _ = add(x[i])
        _ = add_or_not(x[i + 1])
    return np.sum(np.array(acc))


def default_at_def(x):
    c = x[0] * 2.0

    def g(y, c=c):
        return y * c

    c = x[1] * 5.0
    return g(x[2]) + c


def default_expression_at_def(x):
    c = x[0]

    def g(y, *, k=c * 3.0):
        return y + k

    c = x[1]
    first = g(x[2])
    c = x[3]
    return first * g(x[1], k=c) + c


def default_read_twice(x):
    scale = x[0]

    def g(y, s=scale):
        return y * s

    a = g(x[1])
    scale = x[2]
    return a + g(x[3]) * scale


NESTED = [
    closure_appends,
    closure_sets_elements,
    closure_appends_outside_loop,
    closure_updates_through_parameter,
    closure_calls_closure,
    closure_without_return,
    default_at_def,
    default_expression_at_def,
    default_read_twice,
]


@pytest.mark.parametrize("fn", NESTED, ids=lambda f: f.__name__)
def test_nested_functions(fn):
    x = np.array([0.5, 1.0, 2.0, -1.0])
    assert_exact(fn, x, fn(x.copy()))


def default_in_branch(x):
    c = x[0]
    if x[1] > 0.0:

        def g(y, c=c):
            return y * c

    else:

        def g(y, c=c):
            return y + c

    return g(x[2])


def default_updated_in_place(x):
    def g(y, acc=[]):  # noqa: B006  (Python keeps the list between calls)
        acc.append(y)
        return np.sum(np.array(acc))

    return g(x[0]) + g(x[1])


@pytest.mark.parametrize(
    ("fn", "offset", "match"),
    [
        (default_in_branch, 12, "defined with computed defaults in the branches of an `if`"),
        (default_updated_in_place, 5, "updates its default `acc` in place"),
    ],
    ids=lambda c: getattr(c, "__name__", ""),
)
def test_nested_defaults_refused(fn, offset, match):
    for mode in MODES:
        with pytest.raises(S2SError, match=match) as info:
            ad.grad(fn, mode=mode)(np.array([0.5, 1.0, 2.0, -1.0]))
        assert f"{fn.__code__.co_filename}:{_first_line(fn) + offset}:" in str(info.value)
