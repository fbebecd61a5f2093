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
from derivative_tests import derivative_tests

import s2s_ad as ad
from s2s_ad.errors import UnknownCalleeError, UnsupportedSyntaxError
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
    return sum(w * x for w, x in zip(ws, xs))


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
    return sum(scale(a, w) for a, w in zip(xs, ws))


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


CASES = [
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
