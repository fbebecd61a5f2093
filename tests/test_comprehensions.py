"""List, set and dict comprehensions and generator expressions over differentiated values
(`ssa/comprehensions.py`): each becomes the loop a person would write, in a scope of its own.

Every program runs in reverse and forward mode against central differences, the two modes
against each other, the primal value against the plain call, and (a selection) to second
order; the forms whose loop could not go before their statement are refused at their line.
"""

import math

import gast
import numpy as np
import pytest
from derivative_tests import (
    assert_located_refusal,
    derivative_tests,
    marked_line,
    second_differences,
)

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError
from s2s_ad.frontend import syntax
from s2s_ad.frontend.parse import parse_function
from s2s_ad.ssa.comprehensions import lower_comprehensions
from s2s_ad.testing import check_grads, check_modes_agree

XS = np.array([0.7, -0.4, 1.3])
WS = np.array([0.2, 1.1, -0.5])


# forms


def squares(xs):
    ys = [a * a for a in xs]
    return np.sum(np.array(ys))


def weighted_sum(ws, xs):
    return sum(w * x for w, x in zip(ws, xs))  # noqa: B905


def filtered(xs):
    return sum([np.sin(a) for a in xs if a > 0.0])


def product_pairs(xs, ws):
    return sum(a * b for a in xs for b in ws if a > b)


def two_ifs(xs):
    return sum(a**2 for a in xs if a > -1.0 if a < 1.0)


def over_range(x):
    return np.stack([x**k for k in range(1, 4)])


def over_enumerate(xs):
    return sum(i * np.exp(a) for i, a in enumerate(xs))


def over_a_list(x):
    hs = [x, 2.0 * x, x * x]
    return np.sum(np.array([np.tanh(h) for h in hs]))


def rows_of_matrix(m):
    return np.array([np.sum(row * row) for row in m])


def nested_lists(xs):
    table = [[a * b for b in xs] for a in xs]
    return np.sum(np.array(table))


def inner_iterable_reads_outer(xs):
    return sum(a * b for a in xs for b in [a, 2.0 * a])


def as_list_and_tuple(xs):
    ys = list(np.cos(a) for a in xs)
    t = tuple(a * 3.0 for a in xs)
    return ys[0] * t[2] + np.sum(np.array(ys))


def sum_with_start(xs):
    return sum((a * a for a in xs), 1.5)


def in_if_and_elif_tests(xs):
    if sum(a for a in xs) > 10.0:
        y = xs * 2.0
    elif any(a > 1.0 for a in xs):
        y = np.sum(np.array([a * xs for a in xs]), axis=0)
    else:
        y = -xs
    return np.sum(y)


def all_and_any(xs):
    s = np.sum(xs)
    if all(a > -2.0 for a in xs):
        s = s * 2.0
    if any(a > 5.0 for a in xs):
        s = s * 3.0
    return s


def any_stops_at_the_first_true(xs):
    # Python's any never asks for sqrt(-1.0): the loop must not evaluate it either
    found = any(math.sqrt(a) > 1.0 for a in [4.0, -1.0])
    return np.sum(xs) * (2.0 if found else 1.0)


def all_stops_at_the_first_false(xs):
    ok = all(math.sqrt(a) < 5.0 for a in [100.0, -1.0] if a != 50.0)
    ok2 = all(math.log(a) > 5.0 for a in [2.0, -1.0])
    return np.sum(xs) * (2.0 if ok else 1.0) * (3.0 if ok2 else 1.0)


def as_loop_iterable(xs):
    s = 0.0
    for y in [a * 2.0 for a in xs]:
        s = s + y * y
    return s


def in_a_loop(x, xs):
    s = x
    for i in range(3):
        s = s * 0.5 + sum(s * a for a in xs if a > i - 1)
    return s


def comprehension_returned(xs):
    return np.array([a * xs[0] for a in xs])


def scale(a, b):
    return np.sin(a) * b


def helper_in_element(xs, ws):
    return sum(scale(a, w) for a, w in zip(xs, ws))  # noqa: B905


def builds_list(xs):
    return [np.exp(a) for a in xs]


def helper_with_comprehension(xs):
    return np.sum(np.array(builds_list(xs)))


def nested_def_in_element(xs):
    def g(a):
        return a * np.cos(a)

    return sum(g(a) for a in xs)


def nested_def_with_comprehension(xs, w):
    def layer(v):
        return np.array([np.tanh(w * a) for a in v])

    return np.sum(layer(xs) * layer(xs * 2.0))


def nested_def_default(xs):
    def g(v, weights=[a * 2.0 for a in xs]):  # noqa: B006
        return np.sum(v * np.array(weights))

    return g(xs)


def passive_set_comprehension(x):
    return x * len({i % 2 for i in range(5)})


# scope


def target_does_not_leak(xs):
    a = 2.0
    ys = [a * 3.0 for a in xs]
    return a * np.sum(np.array(ys))


def target_named_as_a_parameter(x, a):
    ys = [x * a for a in range(3)]
    return a * sum(ys)


def same_target_twice(xs):
    ys = [a * 2.0 for a in xs]
    zs = [a + 1.0 for a in ys]
    return np.sum(np.array(zs) * np.array(ys))


def inner_shadows_outer(xs):
    return sum(sum(a * 2.0 for a in xs) * a for a in xs)


def first_iterable_reads_the_enclosing_name(xs):
    a = xs * 2.0
    return sum([a * 3.0 for a in a])


def result_name_read_inside(xs):
    ys = xs * 1.0
    ys = [a * ys[0] for a in ys]
    return np.sum(np.array(ys))


def target_named_like_a_builtin(xs):
    return sum(sum * 2.0 for sum in xs)


def in_conditional_expression(xs, c):
    return np.sum(np.array([a * 2.0 for a in xs]) if c > 0.0 else xs)


def only_the_branch_taken_is_built(xs, c):
    # Python never evaluates the other branch: its sqrt of a negative number must not run
    ys = [math.sqrt(c) * a for a in xs] if c > 0.0 else [math.sqrt(-c) * a for a in xs]
    return np.sum(np.array(ys))


def in_and_and_or(xs, c):
    ok = c > 0.0 and all(a > -5.0 for a in xs) and sum(a * c for a in xs) > 0.1
    other = c < 0.0 or any(math.sqrt(c) * a > 1.0 for a in xs)  # sqrt(c) only for c >= 0
    return np.sum(xs) * (2.0 if ok else 1.0) * (3.0 if other else 1.0) * c


def conditional_in_an_element(xs):
    return sum(sum(a * b for b in xs) if a > 0.0 else -a for a in xs)


def in_while_test(xs, c):
    n = 0
    while sum(a * c for a in xs if a > 0.0) < 10.0 and n < 20:
        xs = xs * 1.5
        n += 1
        if n > 15:
            break
    else:
        xs = xs + c
    return np.sum(xs * c)


def in_while_test_after_and(xs, c):
    n = 0
    while n < 6 and all(a * c < 8.0 for a in xs):
        xs = xs * 1.5 + c
        n += 1
    return np.sum(xs)


def list_of_pairs(xs, ws):
    ps = [(a, w * a) for a, w in zip(xs, ws)]  # noqa: B905
    s = 0.0
    for a, b in ps:
        s = s + a * b
    return s + len([a for a in xs if a > 0]) * ps[0][1]


def returned_early_from_a_loop(xs):
    for k in range(3):
        if k == 1:
            return sum(a * k for a in xs)
    return 0.0


CASES = [
    (list_of_pairs, (XS, WS)),
    (returned_early_from_a_loop, (XS,)),
    (in_while_test, (XS, 0.8)),
    (in_while_test, (XS, 40.0)),
    (in_while_test_after_and, (XS, 0.8)),
    (in_conditional_expression, (XS, 1.0)),
    (in_conditional_expression, (XS, -1.0)),
    (only_the_branch_taken_is_built, (XS, 0.8)),
    (only_the_branch_taken_is_built, (XS, -0.8)),
    (in_and_and_or, (XS, 0.8)),
    (in_and_and_or, (XS, -0.8)),
    (in_and_and_or, (XS * 5.0, 6.0)),
    (conditional_in_an_element, (XS,)),
    (squares, (XS,)),
    (weighted_sum, (WS, XS)),
    (filtered, (XS,)),
    (product_pairs, (XS, WS)),
    (two_ifs, (XS,)),
    (over_range, (XS,)),
    (over_enumerate, (XS,)),
    (over_a_list, (0.7,)),
    (rows_of_matrix, (np.arange(6.0).reshape(2, 3) * 0.3,)),
    (nested_lists, (XS,)),
    (inner_iterable_reads_outer, (XS,)),
    (as_list_and_tuple, (XS,)),
    (sum_with_start, (XS,)),
    (in_if_and_elif_tests, (XS,)),
    (in_if_and_elif_tests, (XS * 0.1,)),
    (in_if_and_elif_tests, (XS * 10.0,)),
    (all_and_any, (XS,)),
    (all_and_any, (XS * 6.0,)),
    (any_stops_at_the_first_true, (XS,)),
    (all_stops_at_the_first_false, (XS,)),
    (as_loop_iterable, (XS,)),
    (in_a_loop, (0.9, XS)),
    (comprehension_returned, (XS,)),
    (helper_in_element, (XS, WS)),
    (helper_with_comprehension, (XS,)),
    (nested_def_in_element, (XS,)),
    (nested_def_with_comprehension, (XS, 0.8)),
    (nested_def_default, (XS,)),
    (passive_set_comprehension, (0.7,)),
    (target_does_not_leak, (XS,)),
    (target_named_as_a_parameter, (0.7, 1.5)),
    (same_target_twice, (XS,)),
    (inner_shadows_outer, (XS,)),
    (first_iterable_reads_the_enclosing_name, (XS,)),
    (result_name_read_inside, (XS,)),
    (target_named_like_a_builtin, (XS,)),
]

test_jvp_and_vjp, test_grad_forward_equals_reverse = derivative_tests(CASES)


def over_powers(x):
    factors = np.array([np.sin(x * k) + 2.0 for k in range(3)])
    return sum(x**k / (k + 1.0) for k in range(4)) * np.sum(factors**2)


def pairs_of_powers(x):
    return sum(x**i * x**j for i in range(3) for j in range(i, 3) if i + j > 0)


SECOND_ORDER = [(over_powers, 0.7), (pairs_of_powers, 0.7)]
test_second_jvp_and_vjp, test_second_forward_equals_reverse = derivative_tests(
    [(fn, (x,)) for fn, x in SECOND_ORDER if np.ndim(fn(x)) == 0]
)


@pytest.mark.parametrize("fn", [over_powers], ids=lambda f: f.__name__)
def test_second_order(fn):
    x = 0.7
    expected = second_differences(fn, x)
    for hessian in (ad.hessian(fn), ad.jacfwd(ad.grad(fn))):
        got = np.reshape(hessian(x), expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_second_order_over_an_array():
    ad.hessian(squares)(XS)


def test_second_order_of_a_list_built_under_an_if():
    ad.hessian(pairs_of_powers)(0.7)


# what the loops look like


def lowered(fn) -> str:
    parsed = parse_function(fn)
    return gast.unparse(lower_comprehensions(parsed.node, parsed.filename)).strip()


def test_the_loops_read_as_a_person_would_write_them():
    assert lowered(weighted_sum).splitlines()[1:] == [
        "    _terms = []",
        "    for w, x in zip(ws, xs):",
        "        _terms.append(w * x)",
        "    return sum(_terms)",
    ]
    assert lowered(squares).splitlines()[1:4] == [
        "    ys = []",
        "    for a in xs:",
        "        ys.append(a * a)",
    ]


def test_targets_get_names_of_their_own():
    text = lowered(target_does_not_leak)
    assert "for a_1 in xs:" in text and "ys.append(a_1 * 3.0)" in text
    assert "return a * np.sum(np.array(ys))" in text
    text = lowered(inner_shadows_outer)  # the inner `a` is another variable than the outer
    assert "for a in xs:" in text and "for a_1 in xs:" in text and "a_1 * 2.0" in text
    text = lowered(same_target_twice)  # two comprehensions, two variables
    assert "for a in xs:" in text and "for a_1 in ys:" in text


def dict_of_squares(xs):
    d = {k: a * a for k, a in enumerate(xs) if k > 0}
    return d[1] + d[2]


def test_a_dict_comprehension_becomes_a_loop_assigning_items(monkeypatch):
    # dict displays are lowered on another branch of issue 15; the rewrite is ready for them
    monkeypatch.setitem(syntax.LOWERED, "DictComp", syntax.Fields(("key", "value", "generators")))
    assert lowered(dict_of_squares).splitlines()[1:5] == [
        "    d = {}",
        "    for k, a in enumerate(xs):",
        "        if k > 0:",
        "            d[k] = a * a",
    ]


def test_a_set_comprehension_is_the_set_of_a_list():
    assert lowered(passive_set_comprehension).splitlines()[1:] == [
        "    _items = []",
        "    for i in range(5):",
        "        _items.append(i % 2)",
        "    return x * len(set(_items))",
    ]


def test_any_and_all_test_nothing_after_the_element_that_decides():
    assert lowered(all_and_any).splitlines()[2:6] == [
        "    _all = True",
        "    for a in xs:",
        "        if _all and (not a > -2.0):",
        "            _all = False",
    ]


# max and min of a list are item 4 of issue 15 (another branch)


def max_of_generator(xs):
    return max(a * a for a in xs) + min(np.sin(a) for a in xs)


def test_max_and_min_of_a_generator():
    check_grads(max_of_generator, (XS,))
    ad.testing.check_modes_agree(max_of_generator, (XS,))


def reduced_lists(xs):
    rows = [xs[0] * xs, np.sin(xs[2]) * xs]
    return np.sum(np.sum(rows, axis=0) ** 2) + np.mean([a * a for a in xs]) + np.sum(rows)


def test_np_sum_and_mean_of_lists_in_every_mode():
    # jacfwd, hessian and forward-mode grad carry a list's tangent as one per item, each
    # with its directions: reducing it must sum items, not directions
    check_grads(reduced_lists, (XS,))
    check_modes_agree(reduced_lists, (XS,))
    np.testing.assert_allclose(ad.jacfwd(reduced_lists)(XS), ad.grad(reduced_lists)(XS))


def list_reduced_along_axis_1(xs):
    return np.sum(np.sum([xs[0] * xs, xs[2] * xs], axis=1) ** 2)


def list_reduced_keeping_dims(xs):
    return np.sum(np.mean([xs[0] * xs, xs[2] * xs], keepdims=True) ** 2)


@pytest.mark.parametrize("fn", [list_reduced_along_axis_1, list_reduced_keeping_dims])
def test_lists_reduced_along_other_axes_in_vector_mode(fn):
    """A list display given to a NumPy reduction is converted to an array first (issue 18):
    vector mode differentiates it along any axis (once refused)."""
    check_grads(fn, (XS,))
    np.testing.assert_allclose(ad.jacfwd(fn)(XS), ad.grad(fn)(XS), rtol=1e-12)


# refused: a located error that says what to write


def in_while_test_with_continue(xs):
    k = 0
    while sum(a for a in xs) < 10.0:  # <- error
        k += 1
        if k < 2:
            continue
        xs = xs * 2.0
    return np.sum(xs)


def in_while_test_with_continue_in_else(xs):
    k = 0
    while sum(a for a in xs) < 10.0:  # <- error
        for _ in range(k):
            break
        else:
            k += 1
            continue
        xs = xs * 2.0
    return np.sum(xs)


def lazy_generator(xs):
    g = (a * 2.0 for a in xs)  # <- error
    return sum(g)


def generator_to_np_array(xs):
    return np.sum(np.array(a * 2.0 for a in xs))  # <- error


def element_target(xs):
    ys = [0.0]
    zs = [ys[0] * 2.0 for ys[0] in xs]  # <- error
    return np.sum(np.array(zs))


def in_for_target(xs):
    ys = [0.0, 0.0]
    for ys[[i for i in range(1)][0]] in xs:  # <- error  # noqa: RUF015, B007
        pass
    return ys[0] * 2.0


def nested_call_beside(xs):
    def g(v):
        return v * 2.0

    return np.sum(g(xs)) + sum(a for a in xs)  # <- error


REFUSED = [
    (in_while_test_with_continue, (XS,), "`while` loop that uses `continue`"),
    (in_while_test_with_continue_in_else, (XS,), "`while` loop that uses `continue`"),
    (lazy_generator, (XS,), "a generator expression whose elements are not consumed at once"),
    (generator_to_np_array, (XS,), "a generator expression whose elements are not consumed"),
    (element_target, (XS,), "a comprehension target that is not a name"),
    (in_for_target, (XS,), "a comprehension in a `for` target"),
    (nested_call_beside, (XS,), "also calls the nested function `g`, which may update"),
]


@pytest.mark.parametrize(("fn", "args", "match"), REFUSED, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_a_located_error(fn, args, match, mode):
    fn(*args)  # plain Python runs it
    assert_located_refusal(fn, match, mode)


def nested_call_after(xs):
    acc = [np.sum(xs) * 0.0]

    def push(v):
        acc.append(v * 2.0)
        return np.sum(v)

    total = 0.5 * sum(push(a) for a in xs) + np.sum(acc[-1])  # exact: the loop runs first
    return total + np.sum(np.array(acc))


def nested_call_before(xs):
    acc = [xs * 1.0]

    def push(v):
        acc.append(v * 2.0)
        return np.sum(v)

    return np.sum(acc[-1]) + sum(push(a) for a in xs)  # <- error


def nested_call_in_element_of_a_sum(xs):
    def h(v):
        return np.sin(v) * 0.5

    t = np.sum(xs)
    t = t + sum(h(a * t) for a in (1.0, 2.0))
    return t


def test_nested_calls_in_their_order():
    check_grads(nested_call_after, (XS,))
    check_modes_agree(nested_call_after, (XS,))
    check_grads(nested_call_in_element_of_a_sum, (XS,))
    check_modes_agree(nested_call_in_element_of_a_sum, (XS,))
    with pytest.raises(UnsupportedSyntaxError, match="may update what the rest") as info:
        ad.derivative_source(nested_call_before)
    assert info.value.line == marked_line(nested_call_before)
