# ruff: noqa: B007, SIM108  (the programs are written as users write them)
"""Independent tests: grad's unit seeds of sums, in loops, branches and helpers.

Written from the README and issue 19 alone (no look at s2s_ad/ or its tests).

`grad(f)` makes code specialised to the argument shapes and dtypes.  The adjoint of a sum
starts from ones shaped like the summand; where that shape is known the code writes
`np.full(shape, 1.0)` and the simplifier drops what computed a value only to give the ones
their shape (loop tapes included).  For every program here:

1. `grad(f, wrt)(*args)`, called twice (the second call takes the fast path), equals the
   generic pullback `vjp(f, *args)[1](1.0)` bit for bit, with its dtype and type;
2. float64 gradients agree with central differences written here;
3. `grad(f, wrt, mode="forward")` agrees with reverse mode;
4. `value_and_grad`'s value equals the plain call bit for bit, its gradient grad's;
5. all of it again for a second set of argument shapes (or trip counts);
6. `derivative_source(f, "gradient", args=...)` compiles.
"""

import inspect
import math

import numpy as np
import pytest

import s2s_ad as ad

# ----------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------


def vec(n, seed=0, lo=-1.0, hi=1.0, dtype=np.float64):
    return np.random.default_rng(seed).uniform(lo, hi, size=n).astype(dtype)


def mat(shape, seed=0, dtype=np.float64):
    return (np.random.default_rng(seed).standard_normal(shape) * 0.5).astype(dtype)


GLOBAL_OFFSET = vec(4, seed=99)


# ----------------------------------------------------------------------------------------
# programs
# ----------------------------------------------------------------------------------------


def sum_sin(a):
    return np.sum(np.sin(a))


def mse(y, t):
    return np.mean((y - t) ** 2)


def method_sum_sq(x):
    return (x**2).sum()


def method_mean_chain(x):
    return np.exp(x).mean() + (x * 3.0).sum()


def sum_plus_const(x):
    # summand x + 1.0 only gives the ones their shape
    return np.sum(x + 1.0)


def sum_times_literal(x):
    return np.sum(x * 2.5) + np.mean(x / 4.0)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def sum_outer_broadcast(x, y):
    return np.sum(x[:, None] + y[None, :])


def sum_with_global(x):
    return np.sum(x + GLOBAL_OFFSET)


def used_elsewhere(x):
    y = np.sin(x)
    s = np.sum(y)
    return s * np.ravel(y)[0] + np.sum(y * y)


def used_nowhere_else(x, w):
    z = np.exp(x) * 3.0
    return np.sum(z + w) + np.sum(w * w)


def loop_range_n(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(x * i))
    return s


def loop_range_literal(x):
    s = 0.0
    for i in range(3):
        s = s + np.mean(x * x) * (i + 1)
    return s


def zeros_accumulate(x, n):
    y = np.zeros_like(x)
    for i in range(n):
        y = y + x * i
    return np.sum(y)


def loop_state_shape_only(w, h, n):
    # h is not differentiated: it only gives the ones of the sum their shape
    s = 0.0
    for i in range(n):
        h = np.tanh(h) + 0.5
        s = s + np.sum(h + w)
    return s


def loop_state_shape_only_vec(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.tanh(h) * 0.9
        s = s + np.sum(h * 0.0 + w)
    return s


def loop_concat_grows(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, h[:1] * 0.5])
        s = s + np.sum(h + w)
    return s


def loop_concat_grows_active(x, n):
    h = x
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, np.sin(h[:2])])
        s = s + np.sum(h * h)
    return s


def loop_slice_shrinks(w, a, n):
    s = 0.0
    for i in range(n):
        a = a[1:] * 2.0
        s = s + np.sum(a + w) + np.sum(a * w)
    return s


def loop_slice_shrinks_active(x, n):
    a = x
    s = 0.0
    for i in range(n):
        a = np.cos(a[1:])
        s = s + np.mean(a)
    return s


def while_shrinks(w, a):
    s = 0.0
    while a.shape[0] > 1:
        a = a[1:] + 1.0
        s = s + np.sum(a * 0.0 + w)
    return s


def while_break_data(x):
    s = 0.0
    i = 0
    while True:
        s = s + np.sum(x**2) * 0.5
        x = x * 0.9
        i = i + 1
        if s > 3.0 or i >= 20:
            break
    return s


def while_break_counter(x, n):
    s = 0.0
    i = 0
    while i < 100:
        s = s + np.mean(np.tanh(x + i))
        i = i + 1
        if i >= n:
            break
    return s


def for_break(x, n):
    s = 0.0
    for i in range(n):
        v = x * (i + 1.0)
        if np.sum(v) > 4.0:
            break
        s = s + np.sum(np.sin(v))
    return s


def branch_on_data(x):
    if np.sum(x) > 0.0:
        s = np.sum(x**2)
    else:
        s = np.mean(np.cos(x))
    return s


def branch_in_loop(x, n):
    s = 0.0
    for i in range(n):
        if x[i % x.shape[0]] > 0.0:
            s = s + np.sum(x * i)
        else:
            s = s + np.mean(x**2)
    return s


def branch_shape_in_loop(w, x, n):
    s = 0.0
    for i in range(n):
        if x[i % x.shape[0]] > 0.0:
            v = x[1:]
        else:
            v = x
        s = s + np.sum(v + w)
    return s


def nested_loops(x, n):
    s = 0.0
    for i in range(n):
        for j in range(2):
            s = s + np.sum(np.sin(x * (i + j)))
    return s


def nested_loops_state(x, n, m):
    h = x
    s = 0.0
    for i in range(n):
        for j in range(m):
            h = np.tanh(h) + 0.1 * j
            s = s + np.sum(h)
        s = s + np.mean(h * h)
    return s


def enumerate_rows(w, X):
    s = 0.0
    for k, row in enumerate(X):
        s = s + np.sum(row * w) * (k + 1)
    return s


def rows_shape_only(w, X):
    s = 0.0
    for row in X:
        s = s + np.sum(row + w)
    return s


def sum_0d(a):
    return np.sum(np.sin(a)) + np.mean(a**2) + (a * 3.0).sum()


def loop_0d(a, n):
    s = 0.0
    for i in range(n):
        a = np.cos(a) + 0.1
        s = s + np.sum(a)
    return s


def axis_sums(x, w):
    return np.sum(np.sum(x**2, axis=0) * w) + np.sum(np.mean(x, axis=1) ** 2)


def axis_keepdims(x):
    c = x - np.mean(x, axis=1, keepdims=True)
    return np.sum(np.sum(c * c, axis=1, keepdims=True))


def axis_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sum(np.sin(x * i), axis=1) ** 2)
    return s


def method_axis(x):
    return x.mean(axis=0).sum() + (x * x).sum(axis=1).mean()


def int_index(x, idx):
    return np.sum(x[idx] ** 2)


def int_weights(x, k):
    return np.sum(x * k) + np.sum(k * k) * np.sum(x)


def int_sum_scalar(x, k):
    return np.sum(k * 1.0) * x + np.mean(k + x)


def helper_sum(v):
    return np.sum(np.tanh(v))


def loop_helper(x, n):
    s = 0.0
    for i in range(n):
        s = s + helper_sum(x * (i + 1))
    return s


def helper_shape_only(v, w):
    return np.sum(v + w)


def loop_helper_shape_only(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.sin(h)
        s = s + helper_shape_only(h, w)
    return s


def layer_loss(w, b, x, t):
    return np.mean((np.tanh(x @ w + b) - t) ** 2)


def several_args_loop(a, b, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(a * b) + np.mean(b + i)
        a = np.sin(a)
    return s


def accumulator_array(x, n):
    acc = np.sum(x) * 0.0
    for i in range(n):
        acc = acc + np.sum((x - i) ** 2)
    return acc


def mixed_dtype_sum(x, d):
    return np.sum(x * d) + np.mean(x)


def python_float_sum(w, h):
    # w a Python float, broadcast over h
    return np.sum(h + w) + np.sum(h * w)


def alt_branch(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.sin(h) + 1.0
        if i % 2 == 0:
            s = s + np.sum(h + w)
        else:
            s = s + np.sum(h * w)
    return s


def while_break_shrink(w, h, k):
    s = 0.0
    while True:
        h = h[1:]
        s = s + np.sum(h + w)
        if h.shape[0] <= k:
            break
    return s


def prefix_loop(w, x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(x[:i] + w) + np.mean(x[i:] * w)
    return s


def prefix_loop_x(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(x[: i + 1])) + np.sum(x[i:] + 2.0)
    return s


def rows_grow_axis(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, h[:1] * 0.5], axis=0)
        s = s + np.sum(np.sum(h + w, axis=0) ** 2)
    return s


def data_len(w, x):
    k = int(np.sum(x > 0))
    return np.sum(x[:k] + w)


def sum_after_and_in(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, np.tanh(h[-1:])])
        s = s + np.mean(h + w)
    return s + np.sum(h + w) + np.sum(h * w)


def inner_sum_outer_shape(x, n, m):
    s = 0.0
    h = x
    for i in range(n):
        h = np.concatenate([h, h[:1]])
        for j in range(m):
            s = s + np.sum(np.sin(h) + 1.0)
    return s


def cont(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, h[:1] + 1.0])
        if h[-1] > 2.5:
            continue
        s = s + np.sum(h * 0.0 + w)
    return s


def prefix_n(w, x, n):
    return np.sum(x[:n] + w)


def zeros_n(w, n):
    return np.sum(np.zeros(n) + w)


def masked(w, x):
    return np.sum(x[x > 0] + w)


def masked_arg(w, x, m):
    return np.sum(x[m] * 0.0 + w)


def concat_n(w, h, n):
    for i in range(n):
        h = np.concatenate([h, h[:1]])
    return np.sum(h + w)


def while_data(w, h):
    s = 0.0
    while np.sum(h) < 3.0:
        h = np.concatenate([h, np.abs(h[:1]) + 0.5])
        s = s + np.sum(h + w)
    return s


def loop_mask(w, x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(x[x > 0.1 * i] + w)
    return s


def arange_n(w, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.arange(i) * 1.0 + w)
    return s


def shape_tuple(w, shape):
    return np.sum(np.zeros(shape) + w)


def flag_slice(w, x, first):
    if first:
        v = x[1:]
    else:
        v = x
    return np.sum(v + w)


def astype_sum(x):
    return np.sum(np.sin(x).astype(np.float32)) + np.sum(np.cos(x).astype(np.float64))


def list_arg(w, xs):
    s = 0.0
    for v in xs:
        s = s + np.sum(v + w)
    return s


def int_plus(w, k):
    return np.sum(k + w)


def hsum(v, w):
    return np.sum(v + w) + np.mean(np.sin(v) * w)


def helper_grows(w, h, n):
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, h[:1] * 0.5])
        s = s + hsum(h, w)
    return s


def helper_grows_h(h, n):
    s = 0.0
    for i in range(n):
        h = np.concatenate([h, np.cos(h[:1])])
        s = s + hsum(h, 1.5)
    return s


def helper_twice(x):
    return hsum(x, 0.5) + hsum(x[1:], 0.25) + hsum(np.array(0.3), 0.1)


# ----------------------------------------------------------------------------------------
# cases: (id, f, wrt, [args, second args], float64-checkable?)
# ----------------------------------------------------------------------------------------

CASES = [
    ("sum_sin", sum_sin, 0, [(vec(5),), (mat((3, 4), 1),)]),
    ("mse_y", mse, 0, [(vec(6), vec(6, 1)), (mat((2, 3)), mat((2, 3), 2))]),
    ("mse_both", mse, (0, 1), [(vec(6), vec(6, 1)), (vec(3), vec(3, 2))]),
    ("mse_names", mse, ("y", "t"), [(vec(4), vec(4, 1)), (mat((2, 2)), 0.5)]),
    ("method_sum_sq", method_sum_sq, 0, [(vec(5),), (mat((2, 3)),)]),
    ("method_mean_chain", method_mean_chain, 0, [(vec(5),), (mat((4, 1)),)]),
    ("sum_plus_const", sum_plus_const, 0, [(vec(5),), (mat((3, 2)),)]),
    ("sum_times_literal", sum_times_literal, 0, [(vec(5),), (mat((3, 2)),)]),
    ("rosenbrock", rosenbrock, 0, [(vec(6),), (vec(10, 3),)]),
    ("sum_outer_x", sum_outer_broadcast, 0, [(vec(3), vec(4, 1)), (vec(5), vec(2, 1))]),
    ("sum_outer_xy", sum_outer_broadcast, (0, 1), [(vec(3), vec(4, 1)), (vec(1), vec(2, 1))]),
    ("sum_with_global", sum_with_global, 0, [(vec(4),), (mat((3, 4)),)]),
    ("used_elsewhere", used_elsewhere, 0, [(vec(5),), (mat((2, 3)),)]),
    ("used_nowhere_w", used_nowhere_else, 1, [(vec(5), 0.3), (mat((2, 3)), 0.7)]),
    ("used_nowhere_both", used_nowhere_else, (0, 1), [(vec(5), 0.3), (vec(2), vec(2, 4))]),
    ("loop_range_n", loop_range_n, 0, [(vec(5), 3), (mat((2, 3)), 5)]),
    ("loop_range_n_zero", loop_range_n, 0, [(vec(5), 0), (vec(3), 1)]),
    ("loop_range_literal", loop_range_literal, 0, [(vec(5),), (mat((2, 3)),)]),
    ("zeros_accumulate", zeros_accumulate, 0, [(vec(5), 4), (mat((2, 3)), 2)]),
    ("zeros_accumulate_empty", zeros_accumulate, 0, [(vec(5), 0), (vec(2), 1)]),
    ("loop_state_shape_only", loop_state_shape_only, 0, [(0.3, vec(4), 3), (-0.2, mat((2, 3)), 2)]),
    (
        "loop_state_shape_only_0d_w",
        loop_state_shape_only,
        0,
        [(np.array(0.3), vec(4), 3), (np.array(0.1), vec(7), 0)],
    ),
    (
        "loop_state_shape_only_vec",
        loop_state_shape_only_vec,
        0,
        [(vec(4, 5), mat((3, 4)), 3), (vec(2, 5), mat((5, 2)), 4)],
    ),
    ("loop_concat_grows", loop_concat_grows, 0, [(0.3, vec(3), 3), (np.array(0.2), vec(2), 5)]),
    ("loop_concat_grows_active", loop_concat_grows_active, 0, [(vec(3), 3), (vec(4, 2), 2)]),
    ("loop_slice_shrinks", loop_slice_shrinks, 0, [(0.3, vec(6), 3), (np.array(-0.4), vec(9), 5)]),
    ("loop_slice_shrinks_active", loop_slice_shrinks_active, 0, [(vec(6), 3), (vec(8, 1), 5)]),
    ("while_shrinks", while_shrinks, 0, [(0.3, vec(5)), (np.array(0.7), vec(3))]),
    ("while_break_data", while_break_data, 0, [(vec(5),), (vec(3, 1) * 3.0,)]),
    ("while_break_counter", while_break_counter, 0, [(vec(5), 3), (mat((2, 2)), 7)]),
    ("for_break", for_break, 0, [(vec(5, lo=0.1, hi=0.5), 6), (vec(3, 1, 0.5, 1.0), 10)]),
    ("branch_on_data_pos", branch_on_data, 0, [(vec(5, lo=0.1),), (mat((2, 2)) + 1.0,)]),
    ("branch_on_data_neg", branch_on_data, 0, [(vec(5, hi=-0.1),), (mat((2, 2)) - 2.0,)]),
    ("branch_in_loop", branch_in_loop, 0, [(vec(5), 7), (vec(3, 4), 4)]),
    (
        "branch_shape_in_loop",
        branch_shape_in_loop,
        0,
        [(0.3, vec(5), 7), (np.array(1.5), vec(3, 4), 4)],
    ),
    (
        "branch_shape_in_loop_x",
        branch_shape_in_loop,
        (0, 1),
        [(0.3, vec(5), 7), (0.2, vec(4, 4), 3)],
    ),
    ("nested_loops", nested_loops, 0, [(vec(5), 3), (mat((2, 3)), 2)]),
    ("nested_loops_state", nested_loops_state, 0, [(vec(4), 2, 3), (mat((2, 2)), 3, 1)]),
    ("nested_loops_state_m0", nested_loops_state, 0, [(vec(4), 2, 0), (vec(3), 0, 2)]),
    ("enumerate_rows", enumerate_rows, 0, [(vec(3), mat((4, 3))), (vec(2), mat((2, 2)))]),
    ("enumerate_rows_both", enumerate_rows, (0, 1), [(vec(3), mat((4, 3))), (vec(2), mat((2, 2)))]),
    ("rows_shape_only", rows_shape_only, 0, [(vec(3), mat((4, 3))), (0.5, mat((2, 5)))]),
    ("sum_0d", sum_0d, 0, [(np.array(0.4),), (np.array(-1.2),)]),
    ("loop_0d", loop_0d, 0, [(np.array(0.4), 3), (np.array(-1.2), 0)]),
    ("axis_sums_x", axis_sums, 0, [(mat((3, 4)), vec(4)), (mat((2, 5), 1), vec(5, 2))]),
    ("axis_sums_both", axis_sums, ("x", "w"), [(mat((3, 4)), vec(4)), (mat((2, 5), 1), vec(5, 2))]),
    ("axis_keepdims", axis_keepdims, 0, [(mat((3, 4)),), (mat((2, 6), 1),)]),
    ("axis_in_loop", axis_in_loop, 0, [(mat((3, 4)), 3), (mat((2, 2), 1), 1)]),
    ("method_axis", method_axis, 0, [(mat((3, 4)),), (mat((5, 1), 1),)]),
    ("int_index", int_index, 0, [(vec(5), np.array([0, 2, 2, 4])), (vec(3), np.array([1, 1]))]),
    (
        "int_weights",
        int_weights,
        0,
        [(vec(4), np.array([3, -1, 0, 2])), (mat((2, 3)), np.array([1, 2, 3]))],
    ),
    (
        "int_sum_scalar",
        int_sum_scalar,
        0,
        [(0.7, np.array([3, -1, 2])), (np.array(0.2), np.arange(6))],
    ),
    ("loop_helper", loop_helper, 0, [(vec(5), 3), (mat((2, 3)), 2)]),
    (
        "loop_helper_shape_only",
        loop_helper_shape_only,
        0,
        [(0.3, vec(4), 3), (vec(3), mat((2, 3)), 2)],
    ),
    (
        "layer_loss_wb",
        layer_loss,
        (0, 1),
        [
            (mat((3, 2)), vec(2), mat((4, 3)), mat((4, 2))),
            (mat((2, 1)), vec(1), mat((5, 2)), mat((5, 1))),
        ],
    ),
    (
        "layer_loss_names",
        layer_loss,
        ("w", "b", "x"),
        [(mat((3, 2)), vec(2), mat((4, 3)), mat((4, 2))), (mat((1, 3)), 0.1, mat((2, 1)), 0.5)],
    ),
    (
        "several_args_loop",
        several_args_loop,
        (0, 1),
        [(vec(4), vec(4, 1), 3), (mat((2, 2)), vec(2, 1), 2)],
    ),
    ("several_args_loop_b", several_args_loop, 1, [(vec(4), vec(4, 1), 3), (vec(3), 0.5, 0)]),
    ("accumulator_array", accumulator_array, 0, [(vec(4), 3), (mat((2, 3)), 0)]),
    ("python_float_w", python_float_sum, 0, [(0.3, vec(4)), (1.5, mat((2, 3)))]),
    ("python_float_both", python_float_sum, (0, 1), [(0.3, vec(4)), (1.5, mat((2, 3)))]),
]

F32, F16 = np.float32, np.float16

SAME_SHAPE_CASES = [
    # the same argument shapes and dtypes, other values: shapes that follow values
    ("prefix_n", prefix_n, 0, [(0.5, np.ones(5), 2), (0.5, np.ones(5), 4), (0.5, np.ones(5), 1)]),
    ("zeros_n", zeros_n, 0, [(0.5, 2), (0.5, 5), (0.5, 0)]),
    ("masked", masked, 0, [(0.5, np.array([1.0, -1, 1, 1])), (0.5, np.array([-1.0, -1, -1, 1]))]),
    (
        "masked_arg",
        masked_arg,
        0,
        [
            (0.5, np.arange(4.0), np.array([1, 0, 1, 1], bool)),
            (0.5, np.arange(4.0), np.zeros(4, bool)),
        ],
    ),
    ("concat_n", concat_n, 0, [(0.5, np.ones(2), 1), (0.5, np.ones(2), 4), (0.5, np.ones(2), 0)]),
    ("concat_n_h", concat_n, (0, 1), [(0.5, vec(2), 1), (0.5, vec(2), 4)]),
    ("while_data", while_data, 0, [(0.5, np.array([0.1, 0.2])), (0.5, np.array([1.0, 1.5]))]),
    (
        "loop_mask",
        loop_mask,
        0,
        [(0.5, np.linspace(-1.0, 1.0, 5), 3), (0.5, np.linspace(0.0, 1.0, 5), 5)],
    ),
    ("arange_n", arange_n, 0, [(0.5, 3), (0.5, 6), (0.5, 0)]),
    ("shape_tuple", shape_tuple, 0, [(0.5, (2, 3)), (0.5, (4, 5)), (0.5, (2, 3))]),
    ("flag_slice", flag_slice, (0, 1), [(0.5, vec(4), True), (0.5, vec(4), False)]),
    ("list_arg", list_arg, 0, [(0.5, [vec(2), vec(3)]), (0.5, [vec(3), vec(1)])]),
    (
        "int_plus",
        int_plus,
        0,
        [(0.5, np.arange(4)), (np.array([0.5]), np.arange(4, dtype=np.int8))],
    ),
    (
        "alt_branch",
        alt_branch,
        0,
        [
            (0.5, np.linspace(-1.0, 1.0, 5), 3),
            (0.5, np.linspace(-1.0, 1.0, 5), 4),
            (vec(5), np.linspace(-1.0, 1.0, 5), 3),
        ],
    ),
    (
        "alt_branch_h",
        alt_branch,
        1,
        [(0.5, np.linspace(-1.0, 1.0, 5), 3), (np.ones(5), np.linspace(-1.0, 1.0, 5), 4)],
    ),
    (
        "while_break_shrink",
        while_break_shrink,
        0,
        [(0.5, np.linspace(-1.0, 1.0, 5), 2), (0.5, np.linspace(-1.0, 1.0, 5), 0)],
    ),
    (
        "prefix_loop",
        prefix_loop,
        0,
        [(0.5, np.linspace(-1.0, 1.0, 5), 3), (0.5, np.linspace(-1.0, 1.0, 5), 5)],
    ),
    (
        "prefix_loop_x",
        prefix_loop_x,
        0,
        [(np.linspace(-1.0, 1.0, 5), 3), (np.linspace(-1.0, 1.0, 5), 5), (vec(2), 2)],
    ),
    (
        "rows_grow_axis",
        rows_grow_axis,
        (0, 1),
        [(vec(3), mat((2, 3)), 3), (vec(3), mat((2, 3)), 1), (np.array(0.5), mat((1, 2)), 2)],
    ),
    (
        "data_len",
        data_len,
        0,
        [(0.5, np.linspace(-1.0, 1.0, 5)), (0.5, 0.6 - np.linspace(-1.0, 1.0, 5))],
    ),
    (
        "sum_after_and_in",
        sum_after_and_in,
        (0, 1),
        [(0.5, np.linspace(-1.0, 1.0, 5), 3), (0.5, np.linspace(-1.0, 1.0, 5), 0)],
    ),
    (
        "inner_sum_outer_shape",
        inner_sum_outer_shape,
        0,
        [
            (np.linspace(-1.0, 1.0, 5), 3, 2),
            (np.linspace(-1.0, 1.0, 5), 2, 0),
            (np.linspace(-1.0, 1.0, 5), 0, 2),
        ],
    ),
    (
        "helper_grows",
        helper_grows,
        0,
        [(0.5, vec(3), 3), (0.5, vec(3), 0), (np.array(0.2), vec(4), 2)],
    ),
    ("helper_grows_h", helper_grows_h, 0, [(vec(3), 3), (vec(3), 1), (vec(2), 0)]),
    ("helper_twice", helper_twice, 0, [(vec(3),), (vec(5),)]),
    ("continue_grows", cont, 0, [(0.5, np.array([0.0, 1.0]), 4), (0.5, np.array([1.0, 0.2]), 3)]),
]

LOW_PRECISION_CASES = [
    # float32 intermediates: compared with the generic pullback, not differences
    ("astype_sum", astype_sum, 0, [(vec(4),), (vec(4, 1, dtype=F32),), (vec(3, dtype=F16),)]),
    ("f32_helper_twice", helper_twice, 0, [(vec(3, dtype=F32),), (vec(5, dtype=F16),)]),
    ("f32_sum_sin", sum_sin, 0, [(vec(5, dtype=F32),), (mat((3, 4), 1, F32),)]),
    ("f16_sum_sin", sum_sin, 0, [(vec(5, dtype=F16),), (mat((3, 4), 1, F16),)]),
    ("f32_mse", mse, (0, 1), [(vec(6, dtype=F32), vec(6, 1, dtype=F32)), (vec(2, dtype=F32), 0.5)]),
    ("f16_mse", mse, 0, [(vec(6, dtype=F16), vec(6, 1, dtype=F16)), (vec(3, dtype=F16), vec(3))]),
    ("f32_method_sum_sq", method_sum_sq, 0, [(vec(5, dtype=F32),), (mat((2, 3), 0, F32),)]),
    ("f16_method_mean_chain", method_mean_chain, 0, [(vec(5, dtype=F16),), (mat((2, 3), 0, F16),)]),
    ("f32_sum_plus_const", sum_plus_const, 0, [(vec(5, dtype=F32),), (mat((2, 3), 0, F32),)]),
    ("f16_sum_times_literal", sum_times_literal, 0, [(vec(5, dtype=F16),), (mat((2, 3), 0, F16),)]),
    ("f32_rosenbrock", rosenbrock, 0, [(vec(6, dtype=F32),), (vec(9, 2, dtype=F32),)]),
    ("f32_sum_with_global", sum_with_global, 0, [(vec(4, dtype=F32),), (mat((2, 4), 0, F32),)]),
    ("f32_loop_range_n", loop_range_n, 0, [(vec(5, dtype=F32), 3), (mat((2, 3), 0, F32), 0)]),
    ("f16_loop_range_n", loop_range_n, 0, [(vec(5, dtype=F16), 3), (vec(2, dtype=F16), 1)]),
    ("f32_zeros_accumulate", zeros_accumulate, 0, [(vec(5, dtype=F32), 4), (vec(2, dtype=F32), 0)]),
    ("f16_zeros_accumulate", zeros_accumulate, 0, [(vec(5, dtype=F16), 4), (vec(2, dtype=F16), 1)]),
    (
        "f32_loop_state_shape_only_vec",
        loop_state_shape_only_vec,
        0,
        [(vec(4, 5, dtype=F32), mat((3, 4)), 3), (vec(2, dtype=F32), mat((5, 2), 0, F32), 2)],
    ),
    (
        "f16_loop_state_shape_only_0d",
        loop_state_shape_only,
        0,
        [(np.array(0.3, dtype=F16), vec(4, dtype=F16), 3), (np.array(0.1, F16), vec(7), 2)],
    ),
    (
        "f32_loop_concat_grows",
        loop_concat_grows,
        0,
        [(np.array(0.3, dtype=F32), vec(3, dtype=F32), 3), (np.array(0.2, F32), vec(2), 2)],
    ),
    (
        "f32_loop_concat_active",
        loop_concat_grows_active,
        0,
        [(vec(3, dtype=F32), 3), (vec(2, dtype=F32), 0)],
    ),
    (
        "f16_loop_slice_active",
        loop_slice_shrinks_active,
        0,
        [(vec(6, dtype=F16), 3), (vec(8, dtype=F16), 5)],
    ),
    (
        "f32_while_break_data",
        while_break_data,
        0,
        [(vec(5, dtype=F32),), (vec(3, 1, dtype=F32) * 3,)],
    ),
    (
        "f32_for_break",
        for_break,
        0,
        [(vec(5, 0, 0.1, 0.5, F32), 6), (vec(3, 1, 0.5, 1.0, F32), 10)],
    ),
    ("f32_branch_in_loop", branch_in_loop, 0, [(vec(5, dtype=F32), 7), (vec(3, 4, dtype=F32), 4)]),
    (
        "f16_nested_loops_state",
        nested_loops_state,
        0,
        [(vec(4, dtype=F16), 2, 3), (vec(2, dtype=F16), 1, 1)],
    ),
    ("f32_sum_0d", sum_0d, 0, [(np.array(0.4, F32),), (np.array(-1.2, F32),)]),
    ("f16_loop_0d", loop_0d, 0, [(np.array(0.4, F16), 3), (np.array(-1.2, F16), 1)]),
    (
        "f32_axis_sums",
        axis_sums,
        (0, 1),
        [(mat((3, 4), 0, F32), vec(4, dtype=F32)), (mat((2, 5), 1, F32), vec(5))],
    ),
    ("f16_axis_keepdims", axis_keepdims, 0, [(mat((3, 4), 0, F16),), (mat((2, 6), 1, F16),)]),
    (
        "f32_int_weights",
        int_weights,
        0,
        [(vec(4, dtype=F32), np.array([3, -1, 0, 2])), (vec(3, dtype=F32), np.arange(3))],
    ),
    (
        "f32_int_index",
        int_index,
        0,
        [(vec(5, dtype=F32), np.array([0, 2, 2])), (vec(2, dtype=F32), np.array([1]))],
    ),
    ("f32_loop_helper", loop_helper, 0, [(vec(5, dtype=F32), 3), (mat((2, 3), 0, F32), 2)]),
    (
        "f16_loop_helper_shape_only",
        loop_helper_shape_only,
        0,
        [(np.array(0.3, F16), vec(4, dtype=F16), 3), (vec(3, dtype=F16), mat((2, 3), 0, F16), 2)],
    ),
    (
        "f32_layer_loss",
        layer_loss,
        (0, 1),
        [
            (mat((3, 2), 0, F32), vec(2, dtype=F32), mat((4, 3)), mat((4, 2))),
            (mat((2, 1), 0, F32), vec(1, dtype=F32), mat((5, 2), 0, F32), mat((5, 1), 0, F32)),
        ],
    ),
    (
        "f32_mixed_dtype_sum",
        mixed_dtype_sum,
        0,
        [(vec(4, dtype=F32), vec(4, 1)), (vec(3, dtype=F32), 2.5)],
    ),
    (
        "f16_mixed_dtype_sum",
        mixed_dtype_sum,
        0,
        [(vec(4, dtype=F16), vec(4, 1, dtype=F32)), (mat((2, 2), 0, F16), vec(2))],
    ),
    (
        "f32_accumulator_array",
        accumulator_array,
        0,
        [(vec(4, dtype=F32), 3), (vec(2, dtype=F32), 0)],
    ),
    (
        "f32_several_args_loop",
        several_args_loop,
        (0, 1),
        [(vec(4, dtype=F32), vec(4, 1), 3), (vec(2, dtype=F16), vec(2, 1, dtype=F32), 2)],
    ),
]


# ----------------------------------------------------------------------------------------
# harness
# ----------------------------------------------------------------------------------------


def _positions(f, wrt):
    names = list(inspect.signature(f).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [names.index(w) if isinstance(w, str) else w for w in items]


def _pick(cotangents, f, wrt):
    pos = _positions(f, wrt)
    picked = tuple(cotangents[p] for p in pos)
    return picked if isinstance(wrt, tuple) else picked[0]


def _as_tuple(g, wrt):
    return g if isinstance(wrt, tuple) else (g,)


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _same(a, b, what):
    """Bit for bit, with type and dtype."""
    assert type(a) is type(b), f"{what}: type {type(a)} != {type(b)}"
    if isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
        assert np.shape(a) == np.shape(b), f"{what}: shape {np.shape(a)} != {np.shape(b)}"
        np.testing.assert_array_equal(a, b, err_msg=what, strict=True)
    else:
        assert a == b or (math.isnan(a) and math.isnan(b)), f"{what}: {a!r} != {b!r}"


def _central(f, args, pos, eps=1e-6):
    args = list(args)
    x = args[pos]
    if isinstance(x, float):
        plus = list(args)
        minus = list(args)
        plus[pos] = x + eps
        minus[pos] = x - eps
        return (f(*plus) - f(*minus)) / (2 * eps)
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[k] += eps
        xm[k] -= eps
        plus = list(args)
        minus = list(args)
        plus[pos] = xp
        minus[pos] = xm
        out[k] = (f(*plus) - f(*minus)) / (2 * eps)
    return out


def _check_source(f, wrt, args):
    src = ad.derivative_source(f, "gradient", wrt=wrt, args=args)
    compile(src, "<derivative>", "exec")
    return src


def _check(f, wrt, args, low_precision):
    low_precision = low_precision or any(
        np.asarray(args[p]).dtype != np.float64 for p in _positions(f, wrt)
    )
    plain = f(*_copy(args))
    g = ad.grad(f, wrt=wrt)
    first = g(*_copy(args))
    second = g(*_copy(args))
    _, pullback = ad.vjp(f, *_copy(args))
    generic = _pick(pullback(1.0), f, wrt)
    for a, b, c in zip(
        _as_tuple(first, wrt), _as_tuple(second, wrt), _as_tuple(generic, wrt), strict=True
    ):
        _same(a, c, f"grad vs generic pullback of {f.__name__}")
        _same(b, c, f"second grad call vs generic pullback of {f.__name__}")
    # vjp keeps the general seed: a seed of 2.0 doubles every entry, exactly (float16
    # gradients reach subnormals here, where doubling rounds: not checked there)
    doubled = _pick(pullback(2.0), f, wrt)
    for a, c in zip(_as_tuple(doubled, wrt), _as_tuple(generic, wrt), strict=True):
        if np.asarray(c).dtype != np.float16:
            np.testing.assert_array_equal(a, c * 2, err_msg=f"vjp seed 2.0 of {f.__name__}")
    value, vg = ad.value_and_grad(f, wrt=wrt)(*_copy(args))
    _same(value, plain, f"value_and_grad value of {f.__name__}")
    for a, b in zip(_as_tuple(vg, wrt), _as_tuple(first, wrt), strict=True):
        _same(a, b, f"value_and_grad gradient of {f.__name__}")
    value2, _ = ad.value_and_grad(f, wrt=wrt)(*_copy(args))
    _same(value2, plain, f"second value_and_grad value of {f.__name__}")
    fwd = ad.grad(f, wrt=wrt, mode="forward")(*_copy(args))
    tol = dict(rtol=2e-2, atol=2e-2) if low_precision else dict(rtol=1e-10, atol=1e-12)
    for a, b in zip(_as_tuple(fwd, wrt), _as_tuple(first, wrt), strict=True):
        assert np.shape(a) == np.shape(b)
        np.testing.assert_allclose(np.float64(a), np.float64(b), **tol)
    for p, a in zip(_positions(f, wrt), _as_tuple(first, wrt), strict=True):
        x = args[p]
        assert np.shape(a) == np.shape(x)
        if isinstance(x, np.ndarray):
            assert a.dtype == x.dtype, (a.dtype, x.dtype)
        if not low_precision:
            num = _central(f, _copy(args), p)
            np.testing.assert_allclose(np.float64(a), num, rtol=1e-6, atol=1e-7)
    _check_source(f, wrt, _copy(args))


XFAIL = {}


def _params(cases, low):
    out = []
    for name, f, wrt, argsets in cases:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        out.append(pytest.param(f, wrt, argsets, low, id=name, marks=marks))
    return out


@pytest.mark.parametrize(
    "f, wrt, argsets, low",
    _params(CASES + SAME_SHAPE_CASES, False) + _params(LOW_PRECISION_CASES, True),
)
def test_sum_seed(f, wrt, argsets, low):
    for args in argsets:
        _check(f, wrt, args, low)
    # back to the first signature: its cached code again
    _check(f, wrt, argsets[0], low)


def _counted_loop_sources():
    return [
        ("loop_state_shape_only", loop_state_shape_only, (0.3, vec(4), 3)),
        ("loop_state_shape_only_vec", loop_state_shape_only_vec, (vec(4), mat((3, 4)), 3)),
        ("zeros_accumulate", zeros_accumulate, (vec(5), 4)),
    ]


TAPE_XFAIL = {}


@pytest.mark.parametrize(
    "name, f, args",
    [
        pytest.param(
            n,
            f,
            a,
            id=n,
            marks=[pytest.mark.xfail(strict=True, reason=TAPE_XFAIL[n])] if n in TAPE_XFAIL else [],
        )
        for n, f, a in _counted_loop_sources()
    ],
)
def test_counted_loop_needing_no_values_has_no_tape(name, f, args):
    """README: 'a counted loop that needs none has no tape' (issue 19 part 1)."""
    src = _check_source(f, 0, args)
    assert "_tape" not in src, src
    assert "append" not in src, src
