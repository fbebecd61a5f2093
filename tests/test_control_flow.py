"""Branches, loops and array methods, in both modes, against central differences."""

import math

import numpy as np
from derivative_tests import derivative_tests

import s2s_ad as ad


def branch(x, y):
    if x > y:
        z = x * y
    else:
        z = x + y
    return z * x


def branch_elif(x):
    if x < -1.0:
        y = -x
    elif x < 1.0:
        y = x * x
    else:
        y = 2.0 * x - 1.0
    return y * math.sin(x)


def branch_one_sided(x, y):
    z = y
    if x > 0.0:
        z = z * x
    return z


def branch_nested(x, y):
    if x > 0.0:
        if y > 0.0:
            r = x * y
        else:
            r = x - y
    else:
        r = np.sin(x) * y
    return r


def conditional_expression(x, y):
    z = x * x if x > y else y * 3.0
    return z + (x if y > 0.0 else y)


def bool_ops(x, y):
    if x > 0.0 and y > 0.0:
        z = x * y
    elif x > 0.0 or not y > -1.0:
        z = x - y
    else:
        z = y
    return z


def chained_comparison(x):
    if 0.0 < x < 1.0:
        return_value = x**3
    else:
        return_value = x
    return return_value


def for_range(x, n):
    for _ in range(n):
        x = np.sin(x) * 1.5
    return x


def for_range_uses_index(x):
    acc = 0.0
    for i in range(4):
        acc = acc + x**i / (i + 1.0)
    return acc


def loop_carried_two(x, y):
    a, b = x, y
    for _ in range(3):
        a, b = b * a, a + 0.5 * b
    return a * b


def loop_with_branch(x, n):
    for i in range(n):
        if x > 1.0:
            x = x / 2.0 + i
        else:
            x = x * x + 0.1
    return x


def nested_loops(x, n):
    for i in range(n):
        for j in range(i):
            x = x + math.sin(x) * j
    return x


def while_loop(x):
    i = 0
    while i < 4 and x < 100.0:
        x = x * 1.5 + np.tanh(x)
        i += 1
    return x


def while_active_condition(x):
    while x < 10.0:
        x = x * 2.0
    return x


def loop_invariant_weight(w, x):
    h = x
    for _ in range(3):
        h = np.tanh(w @ h)
    return np.sum(h)


def over_rows(m, w):
    total = 0.0
    for row in m:
        total = total + np.tanh(row @ w)
    return total


def enumerate_zip(xs, ys):
    total = 0.0
    for i, v in enumerate(xs):
        total = total + v * (i + 1.0)
    for a, b in zip(xs, ys):
        total = total + a * b
    return total


def variable_defined_in_loop(x):
    for i in range(3):
        t = x * i
    return t * x


def indexing(x):
    return x[0] * x[1:].sum() + x[-1] ** 2


def methods(m):
    return (m.T @ m).sum() + m.mean(axis=0).dot(m[0]) + m.reshape(-1).sum() * m.shape[0]


def newton_with_break(a):
    x = a
    for _ in range(50):
        step = (x * x - a) / (2.0 * x)
        x = x - step
        if abs(step) < 1e-12:
            break
    return x


def while_with_break(x):
    while True:
        x = x * 1.5
        if x > 10.0:
            break
    return x


def continue_in_loop(x, n):
    total = 0.0
    for i in range(n):
        if i % 2 == 0:
            continue
        total = total + x**i
    return total


def break_over_array(xs):
    total = 0.0
    for v in xs:
        if total > 2.0:
            break
        total = total + v * v
    return total


def break_in_nested_loop(x):
    for i in range(3):
        for j in range(5):
            if j > i:
                break
            x = np.sin(x) + 0.1 * j
    return x


def fill_in_loop(x, n):
    a = np.zeros(n)
    for i in range(n):
        a[i] = np.sin(x * i)
    return np.sum(a * a)


def update_rows(m, v):
    out = np.zeros((3, 4))
    out[0] = v
    out[1:, :] = m[1:] * 2.0
    out[2, 1] += v[0]
    out[out > 1.0] = 0.0
    return np.sum(out * out)


def early_return(x):
    if x > 1.0:
        return x * x
    elif x < -1.0:
        return -x
    y = np.sin(x)
    return y * 2.0


def return_in_loop(x):
    for i in range(10):
        x = x * 1.3 + 0.1
        if x > 3.0:
            return x * i
    return x


def return_in_nested_loop(x):
    for i in range(4):
        for j in range(4):
            x = np.sin(x) + 0.5 * j
            if x > 1.2:
                return x * i
    return -x


def ends_in_branch(x):
    if x > 0.0:
        return x**3
    else:
        return np.exp(x)


def collect_in_loop(x, n):
    hs = []
    h = x
    for _ in range(n):
        h = np.tanh(h * 1.3 + 0.2)
        hs.append(h)
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[-1] + sum(hs))


def array_of_scalars(x, y):
    v = np.array([x * y, np.sin(x), 2.0])
    w = [x, y]
    w.append(x * x)
    return np.sum(v * v) + np.dot(np.array(w), v)


def iterate_over_list(x):
    parts = [x, x * 2.0, np.sin(x)]
    total = 0.0
    for p in parts:
        total = total + p * p
    return total + parts[1] * parts[-1]


def rnn(w, u, xs):
    h = np.zeros(3)
    for t in range(xs.shape[0]):
        h = np.tanh(w @ h + u * xs[t])
    return np.sum(h * h)


rng = np.random.default_rng(3)
W = rng.standard_normal((3, 3)) * 0.5
V3 = rng.standard_normal(3)
M = rng.standard_normal((3, 4))

CASES = [
    (branch, (1.3, 0.7)),
    (branch, (0.3, 0.7)),
    (branch_elif, (-1.5,)),
    (branch_elif, (0.4,)),
    (branch_elif, (1.7,)),
    (branch_one_sided, (1.3, 0.7)),
    (branch_one_sided, (-1.3, 0.7)),
    (branch_nested, (1.3, 0.7)),
    (branch_nested, (1.3, -0.7)),
    (branch_nested, (-1.3, 0.7)),
    (conditional_expression, (1.3, 0.7)),
    (conditional_expression, (0.3, -0.7)),
    (bool_ops, (1.3, 0.7)),
    (bool_ops, (1.3, -0.7)),
    (bool_ops, (-1.3, -1.7)),
    (chained_comparison, (0.5,)),
    (chained_comparison, (1.5,)),
    (for_range, (0.7, 5)),
    (for_range, (0.7, 0)),
    (for_range_uses_index, (1.3,)),
    (loop_carried_two, (0.9, 1.1)),
    (loop_with_branch, (2.5, 6)),
    (nested_loops, (0.4, 4)),
    (while_loop, (1.2,)),
    (while_active_condition, (0.7,)),
    (loop_invariant_weight, (W, V3)),
    (over_rows, (M, rng.standard_normal(4))),
    (enumerate_zip, (V3, rng.standard_normal(3))),
    (variable_defined_in_loop, (1.3,)),
    (indexing, (rng.standard_normal(5),)),
    (methods, (M,)),
    (rnn, (W, V3, rng.standard_normal(4))),
    (newton_with_break, (2.0,)),
    (while_with_break, (0.7,)),
    (continue_in_loop, (1.1, 6)),
    (break_over_array, (np.array([0.5, 1.0, 1.5, 2.0]),)),
    (break_in_nested_loop, (0.3,)),
    (fill_in_loop, (0.7, 5)),
    (update_rows, (M, rng.standard_normal(4))),
    (early_return, (1.5,)),
    (early_return, (-1.5,)),
    (early_return, (0.5,)),
    (return_in_loop, (1.1,)),
    (return_in_loop, (0.01,)),
    (return_in_nested_loop, (0.3,)),
    (ends_in_branch, (0.7,)),
    (ends_in_branch, (-0.7,)),
    (collect_in_loop, (0.4, 5)),
    (collect_in_loop, (rng.standard_normal(3), 4)),
    (array_of_scalars, (0.7, 1.3)),
    (iterate_over_list, (0.9,)),
]


test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def test_pullback_can_be_called_twice():
    _, pullback = ad.vjp(loop_invariant_weight, W, V3)
    first = pullback(1.0)
    second = pullback(2.0)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_allclose(2 * a, b, rtol=1e-14)


def test_tape_saves_only_what_the_adjoint_reads():
    source = ad.derivative_source(for_range, wrt=0)
    assert "_tape1.append(x_1)" in source  # only what the adjoint reads: x for sin
