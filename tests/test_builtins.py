"""Python's builtins over sequences and the list methods (issue 15, item 4): `max`/`min` of a
list, an array or several values (ties split evenly, as `np.max`), `sorted`, `reversed`,
`map`, `filter`, `zip` (also `zip(*pairs)`), `enumerate(zip(…))` with nested loop targets,
`pop`/`extend`/`insert`/`index`, `in`/`not in`, starred assignment and element swaps — in
reverse and forward mode against central differences, forward against reverse, the primal
of every entry point equal to the plain call, second order against second differences; and
the located refusals of the forms left out."""

import re

import numpy as np
import pytest
from derivative_tests import second_differences

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree


def square(v):
    return v * v


def positive(v):
    return v > 0.0


def max_of_list(x, y):
    return max([x, y * 0.5, x * y]) + min([x, y, -x * y])


def max_of_values(x, y):
    return max(x, y * 0.5, x * y) * min(x, y, 2.0, x - y)


def max_of_array(x, y):
    return max(x * y) + min(np.sin(x)) * 2.0


def sorted_list(x, y):
    L = sorted([x, y, x * y, -x])
    return L[0] + 2.0 * L[1] + 3.0 * L[2] + 4.0 * L[3]


def sorted_reverse_and_key(x, y):
    L = sorted([x, -y, x * y], reverse=True)
    M = sorted([x, -y, x * y], key=abs)
    return L[0] * 3.0 + L[2] * L[1] + M[0] * M[2]


def sorted_array(x, y):
    L = sorted(x * y)
    return L[0] * 3.0 + L[-1]


def reversed_list(x, y):
    L = list(reversed([x, y, x * y]))
    return L[0] * 3.0 + L[2] + sum(reversed(L)) * L[1]


def reversed_array(x, y):
    return sum(reversed(x * y)) * x[0] + list(reversed(x))[0]


def map_function(x, y):
    return sum(map(square, [x, y, x * y]))


def map_two_sequences(x, y):
    total = 0.0
    for v in map(np.multiply, [x, y], [y, x * 2.0]):
        total = total + v
    return total


def filter_function(x, y):
    L = list(filter(positive, [x * x, -y * y, x * y, y * y + 1.0]))
    return L[0] * L[-1] + len(L)


def zip_as_list(x, y):
    pairs = list(zip([x, y], [y, x * y]))
    return pairs[1][1] * pairs[0][0]


def unzip_pairs(x, y):
    pairs = [(x, y), (y * 2.0, x), (x * y, 1.0)]
    a, b = zip(*pairs)
    return sum(a) * b[0] + a[2]


def enumerate_zip(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip([x, y, x * y], [y, x, x])):
        s = s + (i + 1) * a * b
    return s


def nested_loop_targets(x, y):
    s = 0.0
    for (a, b), c in zip([(x, y), (y, x * y)], [x, y]):
        s = s + a * b * c
    for i, (a, (b, c)) in enumerate(zip([x, y], zip([y, x], [x, x])), 1):
        s = s + i * a * b * c
    for i, pair in enumerate(zip([x, y], [y, x])):
        s = s + i * pair[0] * pair[1]
    return s


def nested_tuple_assignment(x, y):
    (a, b), c = (x, y * 2.0), x * y
    return a * b + c


def pop_items(x, y):
    L = [x, y, x * y, y * y]
    first = L.pop(0)
    L.pop()
    return first * L[0] + L[-1] * len(L)


def pop_in_loop(x, y):
    L = [x, y, x * y, y * y]
    s = 0.0
    while L:
        s = s * 0.5 + L.pop()
    return s


def extend_and_insert(x, y):
    L = [x]
    L.extend([y, x * y])
    L.extend((y,))
    L.insert(1, x * 3.0)
    L.insert(-1, y * y)
    L.insert(10, x)
    return L[1] * L[2] + L[3] * L[4] + L[-1] * L[0]


def alias_sees_pop(x, y):
    L = [x, y, x * y]
    M = L
    L.pop()
    M.extend([y])
    return M[-1] * L[0] * len(M)


def index_and_membership(x, y):
    names = ["relu", "tanh"]
    k = names.index("tanh")
    s = x * k
    if "relu" in names:
        s = s + y * y
    if "sigmoid" not in ("relu", "tanh"):
        s = s * x
    return s


def starred(x, y):
    first, *rest = [x, y, x * y]
    *init, last = (x, y * 2.0)
    a, *middle, b = [x, y, y * y, x * 3.0]
    return first * sum(rest) + init[0] * last + a * middle[1] * b + len(middle)


def starred_runtime(x, y):
    L = [x * y, y, x]
    L.append(y)
    head, *tail = L
    return head * tail[-1] + sum(tail)


def swaps(x, y):
    a = np.array([x, y, x * y])
    a[0], a[2] = a[2], a[0]
    L = [x, y, x * y]
    L[0], L[1] = L[1], L[0]
    return a[0] * 2.0 + a[2] + L[0] * L[2]


SCALAR_CASES = [
    max_of_list,
    max_of_values,
    sorted_list,
    sorted_reverse_and_key,
    reversed_list,
    map_function,
    map_two_sequences,
    filter_function,
    zip_as_list,
    unzip_pairs,
    enumerate_zip,
    nested_loop_targets,
    nested_tuple_assignment,
    pop_items,
    pop_in_loop,
    extend_and_insert,
    alias_sees_pop,
    index_and_membership,
    starred,
    starred_runtime,
    swaps,
]
ARRAY_CASES = [max_of_array, sorted_array, reversed_array]


@pytest.mark.parametrize("fn", SCALAR_CASES, ids=lambda f: f.__name__)
def test_both_modes(fn):
    for args in ((1.5, 2.5), (-0.7, 1.3)):
        check_grads(fn, args)
        check_modes_agree(fn, args)


@pytest.mark.parametrize("fn", ARRAY_CASES, ids=lambda f: f.__name__)
def test_both_modes_on_arrays(fn):
    args = (np.array([0.3, -1.2, 0.8]), np.array([1.1, 0.4, -0.9]))
    check_grads(fn, args)
    check_modes_agree(fn, args)


@pytest.mark.parametrize("fn", SCALAR_CASES, ids=lambda f: f.__name__)
def test_jacobians(fn):
    """The vector tangent code (jacfwd) agrees with reverse sweeps (jacrev)."""
    by_columns = ad.jacfwd(fn, (0, 1))(1.5, 2.5)
    by_rows = ad.jacrev(fn, (0, 1))(1.5, 2.5)
    for column, row in zip(by_columns, by_rows, strict=True):
        np.testing.assert_allclose(column, row, rtol=1e-12, atol=1e-12)


# values and types as Python's; ties split as np.max does


def max_of_floats(x, y):
    return max([x, y])


def min_of_three(x, y):
    return min(x, y, x * y)


def test_value_is_pythons():
    for fn in (max_of_floats, min_of_three):
        for mode in ("reverse", "forward"):
            value, _ = ad.value_and_grad(fn, wrt=(0, 1), mode=mode)(1.5, 2.5)
            assert type(value) is float and value == fn(1.5, 2.5)


def tie_of_two(x, y):
    return max([x, y])


def tie_of_three(x, y):
    return min(x, y, 2.0 * y - x)


def tie_in_array(x):
    return max(x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_ties_split_evenly(mode):
    assert ad.grad(tie_of_two, wrt=(0, 1), mode=mode)(2.0, 2.0) == (0.5, 0.5)
    # x, y and 2y - x all equal 2: each gets a third of the derivative
    gx, gy = ad.grad(tie_of_three, wrt=(0, 1), mode=mode)(2.0, 2.0)
    assert gx == pytest.approx(0.0, abs=1e-15) and gy == pytest.approx(1.0, rel=1e-15)
    x = np.array([1.0, 3.0, 3.0, -2.0])
    expected = ad.grad(np_max, mode=mode)(x)  # np.max's policy (README, "kinks")
    np.testing.assert_array_equal(ad.grad(tie_in_array, mode=mode)(x), expected)
    np.testing.assert_array_equal(expected, [0.0, 0.5, 0.5, 0.0])


def np_max(x):
    return np.max(x)


# second order


def second_builtins(x):
    L = [x[0], x[1] * x[0], np.sin(x[2])]
    s = max(L) * min(x[0], x[1], x[2]) + max(x * x)
    M = sorted(L, reverse=True)
    R = list(reversed(L))
    s = s + M[0] * M[1] + R[0] * R[2] * R[1]
    first, *rest = L
    return s + first * sum(rest)


def second_list_methods(x):
    L = [x[0], x[1] * x[1], x[2] * x[0]]
    a = L.pop(0)
    L.extend([x[1] * a])
    L.insert(1, a * a)
    return a * L[0] + L[1] * L[-1]


def second_unzip(x):
    pairs = [(x[0], x[1]), (x[2], x[0] * x[1])]
    u, v = zip(*pairs)
    return sum(u) * v[1]


def second_loops(x):
    s = 0.0
    for i, (a, b) in enumerate(zip([x[0], x[1]], [x[2], x[0]])):
        s = s + (i + 1) * a * b
    return s + sum(map(np.sin, [x[0] * x[1], x[2]]))


HESSIANS = {
    "hessian": ad.hessian,
    "jacfwd(grad)": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev(grad)": lambda f: ad.jacrev(ad.grad(f)),
}
SECOND = [
    *((second_builtins, way) for way in HESSIANS),
    *((second_list_methods, way) for way in HESSIANS),
    *((second_loops, way) for way in HESSIANS),
    (second_unzip, "hessian"),
    (second_unzip, "jacfwd(grad)"),
    (second_unzip, "jacrev(grad)"),  # unbroadcast's adjoint keeps a tuple's cotangent
]


@pytest.mark.parametrize(("fn", "way"), SECOND, ids=lambda v: getattr(v, "__name__", v))
def test_hessian(fn, way):
    x = np.array([0.7, -0.4, 1.1])
    expected = second_differences(fn, x)
    np.testing.assert_allclose(HESSIANS[way](fn)(x), expected, rtol=1e-6, atol=1e-6)
    check_grads(fn, (x,))
    check_modes_agree(fn, (x,))


# refusals: located, saying what to write


def map_kept(x):
    m = map(square, [x])
    return sum(m)


def reversed_of_map(x):
    return sum(reversed(map(square, [x])))


def max_with_key(x):
    return max([x, -x], key=abs)


def starred_loop_target(x):
    s = 0.0
    for a, *b in [(x, x, x)]:
        s = s + a
    return s


def starred_in_display(x, y):
    L = [x, x * y]
    return sum([*L, y]) * max(*L, y)


def pop_of_argument(L):
    v = L.pop()
    return v * 2.0


REFUSED = [
    (map_kept, "`map(…)` kept as a value", 1),
    (reversed_of_map, "`map(…)` kept as a value", 1),
    (max_with_key, "`max` with `key=`", 1),
    (starred_loop_target, "starred expression", 2),
]


@pytest.mark.parametrize(
    ("fn", "message", "offset"), REFUSED, ids=lambda v: getattr(v, "__name__", "")
)
def test_refusals_are_located(fn, message, offset):
    line = fn.__code__.co_firstlineno + offset
    for mode in ("reverse", "forward"):
        with pytest.raises(S2SError, match=re.escape(message)) as error:
            ad.grad(fn, mode=mode)(0.7)
        assert f"test_builtins.py:{line}:" in str(error.value)
        assert error.value.hint


def test_pop_of_an_argument_is_refused():
    with pytest.raises(S2SError, match="in-place update of the argument `L`"):
        ad.grad(pop_of_argument)([0.7, 1.2])


def too_few_to_unpack(x):
    L = [x]
    first, second, *rest = L
    return first


def test_too_few_values_raise_as_python():
    with pytest.raises(ValueError, match="not enough values to unpack"):
        too_few_to_unpack(0.7)
    with pytest.raises(S2SError, match="not enough values to unpack"):
        ad.grad(too_few_to_unpack)(0.7)


def map_nested_def(x, y):
    def scaled(v, w=y):
        return v * w

    return sum(map(scaled, [x, x * x])) + sum(filter(None, [x, 0.0, y]))


def test_map_calls_a_nested_function():
    for args in ((1.5, 2.5), (-0.7, 1.3)):
        check_grads(map_nested_def, args)
        check_modes_agree(map_nested_def, args)


def unpack_too_many(x):
    s = 0.0
    for i, (a, b) in enumerate([(x, x, x)]):
        s = s + a * b
    return s


def unpack_too_few(x):
    s = 0.0
    for (a, b), c in zip([(x,)], [x]):
        s = s + a * b * c
    return s


@pytest.mark.parametrize("fn", [unpack_too_many, unpack_too_few])
def test_loop_unpacking_counts_as_python(fn):
    with pytest.raises(ValueError, match="values to unpack"):
        fn(0.7)
    for mode in ("reverse", "forward"):
        with pytest.raises(S2SError, match="values to unpack"):
            ad.grad(fn, mode=mode)(0.7)


def pop_in_closure(x, y):
    L = [x, y, x * y]

    def take():
        return L.pop()

    a = take()
    b = take()
    return a * b + L[0] * len(L)


def pop_in_for_loop(x, y):
    L = [x, y, x * y]
    out = 0.0
    for _ in range(2):
        out = out + L.pop() * x
    return out + len(L) * L[0]


def enumerate_as_value(x, y):
    E = list(enumerate([x, y * x], 1))
    return E[1][0] * E[1][1] + E[0][1]


def zip_strict_loop(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip([x, y], [y, x * y], strict=True)):
        s = s + (i + 1) * a * b
    return s


def zip_strict_value(x, y):
    P = list(zip([x, y], [y, x * y], strict=True))
    d = dict(zip(["a", "b"], [1.0, 2.0]))
    return P[1][1] * P[0][0] * len(d)


@pytest.mark.parametrize(
    "fn",
    [
        pop_in_closure,
        pop_in_for_loop,
        enumerate_as_value,
        zip_strict_loop,
        zip_strict_value,
        starred_in_display,
    ],
)
def test_more_forms(fn):
    for args in ((1.5, 2.5), (-0.7, 1.3)):
        check_grads(fn, args)
        check_modes_agree(fn, args)


def membership_of_active(x, y):
    L = [x, y]
    if 1.5 in L:
        return x * 2.0
    return y * y


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_membership_of_active_values_picks_a_branch(mode):
    """`in` compares values: the branch taken at the point decides the derivative."""
    assert ad.grad(membership_of_active, wrt=(0, 1), mode=mode)(1.5, 2.5) == (2.0, 0.0)
    assert ad.grad(membership_of_active, wrt=(0, 1), mode=mode)(1.3, 2.5) == (0.0, 5.0)


EXPORTED = """
def f(x, y):
    L = sorted([x, y, x * y], reverse=True)
    first, *rest = L
    v = L.pop()
    L.insert(0, v * 2.0)
    s = 0.0
    for i, (a, b) in enumerate(zip(L, reversed(rest))):
        s = s + i * a * b
    return max(L) * min(x, y, 2.0) + first * sum(rest) + v + s
"""
RUN_EXPORTED = """
import sys
sys.modules["s2s_ad"] = None  # the exported module must not need s2s_ad
sys.path.insert(0, sys.argv[1])
import exported
print(repr(exported.f_value_and_grad(1.5, 2.5)))
"""


def test_export_copies_the_runtime_helpers(tmp_path):
    """`s2s-ad export` writes the helpers these builtins call into a module that runs
    without s2s_ad, and it computes what s2s_ad computes."""
    import subprocess
    import sys

    from s2s_ad import cli

    (tmp_path / "user.py").write_text(EXPORTED)
    target = tmp_path / "exported.py"
    argv = ["export", f"{tmp_path / 'user.py'}:f", "-o", str(target), "--wrt", "x", "y"]
    assert cli.main(argv) == 0
    run = [sys.executable, "-c", RUN_EXPORTED, str(tmp_path)]
    out = subprocess.run(run, check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    sys.path.insert(0, str(tmp_path))
    try:
        import user
    finally:
        sys.path.pop(0)
    assert out.strip() == repr(ad.value_and_grad(user.f, wrt=(0, 1))(1.5, 2.5))
