# ruff: noqa: B007, B020, B023, B905, E731, SIM108
"""Counted loops in reverse mode (issue 19 part 1), tested by a tester who read only the README
and issue 19, never s2s_ad's code or its other tests.

Programs a user would write with `for i in range(...)` loops (every form of bounds and steps,
empty and one-trip ranges, triangular nests, bounds reassigned, the counter used as an index,
as a number, in branches, after the loop, shadowing an argument), next to loops that are not
counted (`break`, `while`, `enumerate`, `zip`, arrays), in-place updates, lists, helpers,
closures, comprehensions, checkpoints. Each program is checked against the plain call, forward
mode, central differences, at second order, and compiled with `jit=True`; the generated code of
counted loops is read to check that the counter is never appended to a tape.

What fails because of s2s_ad is a strict expected failure whose reason says what is wrong.
"""

import ast
import contextlib
import importlib.util
import io
import math
import re
import warnings
from typing import Any, NamedTuple

import numpy as np
import pytest

import s2s_ad
import s2s_ad as ad

# --------------------------------------------------------------------------------------------
# programs
# --------------------------------------------------------------------------------------------


def simple_index(x, n):
    y = 0.0
    for i in range(n):
        y = y + x[i] * np.sin(y + i)
    return y


def start_stop(x, a, b):
    y = 1.0
    for i in range(a, b):
        y = y * x[i] + np.cos(x[i - 1]) * i
    return y


def stepped(x, a, b, s):
    y = 1.0
    for i in range(a, b, s):
        y = y * (1.0 + x[i] * i) + np.tanh(y)
    return y


def from_len(x):
    s = x[0]
    for i in range(1, len(x)):
        s = s * x[i] + np.cos(s) * i
    return s


def from_shape(x):
    y = 0.0
    for i in range(x.shape[0] - 1):
        y = y + (x[i + 1] - x[i]) ** 2 * (i + 1)
    return y


def no_tape_scalar(x, n):
    y = 0.0
    for i in range(n):
        y = y + x * i
    return y


def no_tape_array(x, n):
    s = 0.0
    for i in range(2, n, 3):
        s = s + np.sum(x[i] * x) * i
    return s


def no_tape_vector(x, n):
    y = np.zeros_like(x)
    for i in range(n):
        y = y + x * i
    return np.sum(y)


def counter_unused(x, n):
    for _ in range(n):
        x = np.sin(x) * 1.5
    return x


def shrinking_bound(x, n):
    y = 0.0
    for i in range(n):
        y = y + x[i] * x[n - 1] * (i + 1)
        n = n - 1
    return y


def bound_grows_in_outer(x, m):
    y = 0.0
    for k in range(3):
        for i in range(m):
            y = y + x[i] * x[k] * np.cos(y) * i
        m = m + 1
    return y


def bound_changes_in_inner(x, m):
    y = 0.0
    for k in range(3):
        for i in range(m):
            y = y + x[i] * np.sin(y + k)
            m = m + 1
        m = m - 1
    return y


def bound_reassigned_between(x):
    n = 2
    y = 0.0
    for i in range(n):
        y = y + x[i] * np.exp(-y)
    n = len(x)
    for i in range(1, n):
        y = y * 0.9 + x[i] * x[i - 1] * i
    return y


def triangular(x):
    n = len(x)
    y = 0.0
    for i in range(n):
        for j in range(i):
            y = y + x[i] * x[j] * (i - j) + np.sin(y)
    return y


def triangular_upper(x):
    n = len(x)
    y = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            y = y + (x[i] - x[j]) ** 2 / (1.0 + i + j)
    return y


def triangular_matrix(a):
    n = a.shape[0]
    s = 0.0
    for i in range(n):
        for j in range(i + 1):
            s = s + a[i, j] * a[j, i] * (j + 1)
    return s


def three_deep(x):
    n = len(x)
    y = 0.0
    for i in range(n):
        for j in range(i, n, 2):
            for k in range(j - i):
                y = y + x[i] * x[j] * np.sin(x[k] + y * 0.1)
    return y


def reverse_index(x):
    n = len(x)
    y = 0.0
    for i in range(n):
        y = y * 0.5 + x[n - 1 - i] * x[i - 1]
    return y


def neighbour_index(x):
    y = 0.0
    for i in range(1, len(x) - 1):
        y = y + x[i - 1] * x[i + 1] - x[i] ** 2 * np.cos(y)
    return y


def counter_arithmetic(x):
    y = 0.0
    for i in range(1, 5):
        y = y + x**i / i + np.exp(-i * x) + i**2 * 0.01 * x
    return y


def counter_as_float(x, n, dt):
    y = x
    for i in range(n):
        t = i * dt
        y = y + dt * np.sin(t * y) * float(i)
    return y


def counter_parity(x):
    y = 0.0
    for i in range(len(x)):
        if i % 2 == 0:
            y = y + x[i] ** 2
        else:
            y = y * x[i]
    return y


def counter_shadows_argument(x, i):
    y = x[i] * x[i]
    for i in range(3):
        y = y * x[i] + 1.0
    return y


def counter_shadows_bound(x, n):
    y = 0.0
    for n in range(n):
        y = y + x[n] * n
    return y * n


def counter_after_loop(x, n):
    y = 0.0
    for i in range(n):
        y = y + x[i] * x[i]
    return y * i


def counter_index_after_loop(x, n):
    y = 0.0
    for i in range(n):
        y = y + np.sin(x[i]) * y + x[i]
    return y + x[i]


def counter_copied(x):
    y = 0.0
    for i in range(len(x) - 1):
        j = i
        k = j + 1
        y = y + x[j] * x[k] * j
    return y


def counter_rebound(x, n):
    y = 1.0
    for i in range(n):
        y = y + x[i] * y
        i = i + 1
        y = y * x[i % n]
    return y


def counter_rebound_in_branch(x, n):
    y = 0.0
    for i in range(n):
        if x[i] > 0.45:
            i = i + 1
        y = y + x[i] * np.sin(y + i)
    return y


def same_counter_in_sequence(x):
    y = 0.0
    for i in range(3):
        y = y + x[i] * y + 1.0
    z = y * x[i]
    for i in range(2, 5):
        z = np.sin(z) * x[i]
    for i in range(i):
        z = z + x[i] * i
    return z


def same_counter_nested(x):
    y = 0.0
    for i in range(3):
        for i in range(2):
            y = y + x[i] * x[i + 1]
        y = y * x[i]
    return y


def empty_loop_then_counter(x):
    y = 0.0
    for i in range(3):
        y = y + x[i] * np.exp(-y)
    for i in range(0):
        y = y + 100.0 * x[i]
    return y * i


def with_continue(x, n):
    y = 0.0
    for i in range(n):
        if i % 2 == 1:
            continue
        y = y + np.sin(x[i]) * y + x[i] * i
    return y


def continue_on_value(x):
    y = 1.0
    for i in range(len(x)):
        if x[i] < 0.3:
            continue
        y = y * x[i] + i
    return y


def with_break(x, n):
    y = 0.0
    for i in range(n):
        y = y + x[i] * x[i]
        if y > 1.0:
            break
    return y * i


def inner_break(x):
    y = 0.0
    for i in range(len(x)):
        for j in range(len(x)):
            y = y + x[i] * x[j]
            if j >= i:
                break
    return y


def early_return(x, n):
    y = 0.0
    for i in range(n):
        y = y * x[i] + np.sin(x[i])
        if y > 1.5:
            return y * i
    return y


def nested_return(x, n):
    y = 0.0
    for i in range(n):
        for j in range(i):
            y = y + x[i] * x[j]
            if y > 0.5:
                return y * i
    return y


def for_else(x, n):
    y = 0.0
    for i in range(n):
        y = y + x[i] * y + x[i]
    else:
        y = y * 2.0
    return y


def while_loop(x):
    i = 0
    y = 0.0
    while i < len(x):
        y = y + x[i] * np.exp(-y)
        i = i + 1
    return y


def while_around_counted(x):
    y = x[0]
    n = 1
    while y < 3.0:
        for i in range(n):
            y = y + x[i] * (i + 1) * 0.5
        n = n + 1
    return y * y


def while_inside_counted(x):
    y = 0.0
    for i in range(len(x)):
        z = x[i]
        while z < 2.0:
            z = z * 1.7 + 0.1
        y = y + z * i
    return y


def enumerate_loop(x):
    y = 0.0
    for i, xi in enumerate(x):
        y = y + xi * np.cos(y) * i
    return y


def zip_loop(x, w):
    y = 0.0
    for a, b in zip(x, w):
        y = y * a + b
    return y


def array_loop(x):
    y = 0.0
    for v in x:
        y = y + np.sin(v * y) + v
    return y


def list_loop(x):
    y = 0.0
    for v in [x[0], x[2], x[1] * x[3]]:
        y = y * v + 1.0
    return y


def reversed_range_loop(x):
    y = 0.0
    for i in reversed(range(len(x))):
        y = np.sin(y) + x[i] * i
    return y


def range_in_a_name(x, n):
    r = range(1, n)
    y = 0.0
    for i in r:
        y = y * x[i] + x[i - 1]
    return y


def sliced_range(x):
    y = 0.0
    for i in range(len(x))[::2]:
        y = y * x[i] + x[i] ** 2
    return y


def fill_array(x):
    n = x.shape[0]
    a = np.zeros(n)
    a[0] = x[0]
    for i in range(1, n):
        a[i] = a[i - 1] * x[i] + np.cos(x[i - 1])
    return np.sum(a * a)


def update_in_place(x):
    n = len(x)
    a = np.ones(n)
    for i in range(n):
        a[i] += x[i] * x[n - 1 - i]
        a[(i + 1) % n] *= 1.0 + 0.1 * x[i]
    return np.sum(np.log(a))


def repeated_slot(x):
    a = np.zeros(2)
    for i in range(len(x)):
        a[i % 2] += x[i] * a[(i + 1) % 2] + x[i]
    return np.sum(a**2)


def fill_rows(x):
    n = len(x)
    m = np.zeros((n, n))
    for i in range(n):
        m[i, :] = x * x[i]
        m[i, i] += 1.0
    return np.sum(np.linalg.solve(m, x))


def cumulative(x):
    out = np.zeros_like(x)
    s = 0.0
    for i in range(len(x)):
        s = s + x[i]
        out[i] = s
    return np.sum(out**2)


def append_list(x, n):
    ys = []
    for i in range(n):
        ys.append(x[i] * float(i) + x[i + 1] ** 2)
    return np.sum(np.stack(ys) ** 2)


def prefix_products(x):
    xs = []
    for i in range(len(x)):
        xs.append(x[i] * (xs[-1] if i > 0 else 1.0))
    return sum(xs)


def _step(y, xi, i):
    return y + np.tanh(xi * y + i)


def helper_in_loop(x):
    y = 0.5
    for i in range(len(x)):
        y = _step(y, x[i], i)
    return y


def _pair_sum(v, k):
    s = 0.0
    for j in range(k):
        s = s + v[j] * v[j + 1] * j
    return s


def loop_in_helper(x):
    return _pair_sum(x, 3) + _pair_sum(x * x, len(x) - 1)


def _prefix_dot(v, m):
    s = 0.0
    for j in range(m):
        s = s + v[j] * v[m]
    return s


def helper_bound_from_counter(x):
    y = 0.0
    for i in range(len(x)):
        y = y + _prefix_dot(x, i) * np.cos(y)
    return y


def closure_loop(x, n):
    def acc(v):
        s = 0.0
        for k in range(n):
            s = s + v[k] * k
        return s

    return acc(x) * acc(x * x)


def lambda_in_loop(x):
    y = 0.5
    for i in range(len(x)):
        g = lambda t: t * i + np.sin(t)
        y = y + g(x[i]) * y + g(y) * 0.1
    return y


def list_comprehension(x):
    return sum([x[i] * x[i + 1] * i for i in range(len(x) - 1)])


def generator_sum(x):
    n = len(x)
    return sum(x[i] * x[j] / (1.0 + i + j) for i in range(n) for j in range(i))


def comprehension_in_loop(x):
    y = 0.0
    for i in range(1, len(x)):
        y = y + sum([x[j] * i for j in range(i)]) * x[i]
    return y


def checkpointed(x, n):
    y = x
    for i in s2s_ad.checkpoint(range(n), every=2):
        y = np.sin(y) * 1.1 + 0.01 * i
    return y


def checkpointed_backwards(x):
    y = 1.0
    for i in s2s_ad.checkpoint(range(len(x) - 1, -1, -1)):
        y = y * x[i] + np.sin(y) * i
    return y


def value_overwritten_on_one_iteration(x, n):
    c = x
    y = 0.0
    for i in range(n):
        y = y + np.sin(c) * i
        if i == 2:
            c = x * 3.0
    return y


def swap(x, z, n):
    a, b = x, z
    s = 0.0
    for i in range(n):
        s = s + a * b * b * i
        a, b = b, a
    return s


def rotate_three(x, n):
    a, b, c = x[0], x[1], x[2]
    s = 0.0
    for i in range(n):
        s = s + a * b**2 * c**3 * (i + 1)
        a, b, c = b, c, a
    return s


def lagged(x, n):
    prev = 0.0
    cur = x
    for i in range(n):
        prev, cur = cur, cur * prev * 0.5 + x * i
    return cur


def int_carried(x, n):
    k = 1
    y = 0.0
    for i in range(n):
        k = k * 2
        y = y + x * k
    return y


def passive_float_carried(x, n):
    c = 1.0
    y = 0.0
    for i in range(n):
        c = c * 0.5 + i
        y = y + x * c * x
    return y


def invariant_per_outer(x, n):
    y = 0.1
    for k in range(3):
        c = x * (k + 1)
        for i in range(n):
            y = y + np.sin(c * y)
    return y


def invariant_changed_after_inner(x, n):
    y = 0.1
    c = x
    for k in range(3):
        for i in range(n):
            y = y + np.sin(c * y) * 0.5
        c = c * 1.5 + y
    return y * c


def outer_untaped_inner_taped(x, n):
    y = 0.0
    for i in range(n):
        z = x
        for j in range(3):
            z = np.sin(z) + 0.1 * j
        y = y + z * i
    return y


def both_untaped(x, n, m):
    y = 0.0
    for i in range(n):
        for j in range(m):
            y = y + x[j] * i
    return y


def leapfrog(q, p, n, dt):
    h = 0.5 * dt
    for i in range(n):
        p = p - h * np.sin(q)
        q = q + dt * p
        p = p - h * np.sin(q)
    return q * q + p * p


def rk4(y, n, dt):
    for i in range(n):
        t = i * dt
        k1 = -y * t + np.cos(t)
        k2 = -(y + 0.5 * dt * k1) * (t + 0.5 * dt)
        k3 = -(y + 0.5 * dt * k2) * (t + 0.5 * dt)
        k4 = -(y + dt * k3) * (t + dt)
        y = y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.sum(y**2)


def horner(c, x):
    y = 0.0
    for i in range(len(c) - 1, -1, -1):
        y = y * x + c[i]
    return y


def recurrent(w, h, n):
    m = w.shape[0]
    for t in range(n):
        for i in range(m):
            h = h + 0.1 * np.tanh(w[i, :] @ h) * (i - t)
    return np.sum(h**2)


def power_iteration(a, n):
    v = np.ones(a.shape[0])
    for i in range(n):
        w = a @ v
        v = w / np.linalg.norm(w)
    return v @ a @ v


def window_sums(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + np.sum(x[i : i + 2] ** 2) * np.sum(x[: i + 1])
    return s


def counter_as_step(x):
    s = 0.0
    for i in range(1, 4):
        s = s + np.sum(x[::i] ** 2) * np.sum(x[i:])
    return s


def roll_loop(x):
    y = np.zeros_like(x)
    for i in range(x.shape[0]):
        y = y + np.roll(x, i) * x * (i + 1)
    return np.sum(y)


def zero_d_state(x, n):
    y = x
    for i in range(n):
        y = y * x + np.sqrt(1.0 + y * y) * i
    return np.sum(y)


def bound_from_data(x):
    n = int(x[0] * 10)
    y = 0.0
    for i in range(n):
        y = y + x[i % len(x)] * y + 1.0
    return y


def params_loop(params, x):
    h = x
    for i in range(len(params)):
        w, b = params[i]
        h = np.tanh(w @ h + b) * (i + 1)
    return np.sum(h**2)


def while_counter_feeds_for(x):
    y = 0.0
    j = 0
    for i in range(3):
        while j < 2 * i:
            y = y + x[j] * np.cos(y)
            j = j + 1
    return y


def pow_of_counter(x, n):
    y = 0.5
    for i in range(n):
        y = y * x + x**i + y ** (i + 1)
    return y


def pow_of_counter_backwards(x):
    y = 0.0
    for i in range(6, -2, -2):
        y = y * x + x**i
    return y


def bounds_from_int_array(x, idx):
    y = 0.0
    for i in range(idx[0], idx[1]):
        y = y * x[i] + x[i] ** 2
    return y


def arange_of_counter(x):
    y = 0.0
    for i in range(len(x)):
        y = y + np.sum(x[:i] * np.arange(i)) * x[i]
    return y


def counter_through_math(x):
    y = 0.0
    for i in range(1, 5):
        y = (
            y
            + x * math.sqrt(i)
            + np.float64(i) * x**2
            + (i / 2) * np.exp(-i * x)
            + math.exp(-i) * x
        )
    return y


def counter_floor_and_mod(x):
    y = 0.0
    for i in range(1, 7):
        y = y + x[i // 2] ** (i % 3) * (i // 3)
    return y


# --------------------------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------------------------

X6 = np.linspace(0.1, 0.9, 6)
X9 = np.linspace(0.1, 0.9, 9)
_RNG = np.random.default_rng(20261207)
A4 = _RNG.standard_normal((4, 4))
W3 = _RNG.standard_normal((3, 3))
SPD3 = (lambda m: m + m.T + 6.0 * np.eye(3))(_RNG.standard_normal((3, 3)))
PARAMS = [
    (_RNG.standard_normal((3, 2)), _RNG.standard_normal(3)),
    (_RNG.standard_normal((2, 3)), _RNG.standard_normal(2)),
]


class Case(NamedTuple):
    id: str
    f: Any
    args: tuple
    wrt: int = 0
    second: bool = True
    jit: bool = False
    counted: bool = True  # has a counted loop whose counter must not be taped
    taped_counter_bug: str = ""  # xfail reason for the generated-code check


CASES = [
    Case("simple_index", simple_index, (X6, 5), jit=True),
    Case("simple_index_empty", simple_index, (X6, 0)),
    Case("simple_index_one", simple_index, (X6, 1)),
    Case("start_stop", start_stop, (X6, 1, 6)),
    Case("start_stop_empty", start_stop, (X6, 4, 2)),
    Case("stepped_pos", stepped, (X9, 0, 9, 2)),
    Case("stepped_neg3", stepped, (X9, 8, 0, -3), jit=True),
    Case("stepped_neg1_to_minus1", stepped, (X9, 8, -1, -1)),
    Case("stepped_empty", stepped, (X9, 3, 3, 1), jit=True),
    Case("stepped_one_neg", stepped, (X9, 3, 2, -5)),
    Case("stepped_big_step", stepped, (X9, 1, 9, 100)),
    Case("from_len", from_len, (X6,)),
    Case("from_len_single", from_len, (np.array([0.7]),)),
    Case("from_shape", from_shape, (X6,)),
    Case("no_tape_scalar", no_tape_scalar, (0.7, 5), jit=True),
    Case("no_tape_array", no_tape_array, (X9, 9)),
    Case("counter_unused", counter_unused, (0.3, 4), jit=True),
    Case("shrinking_bound", shrinking_bound, (X6, 6)),
    Case("bound_grows_in_outer", bound_grows_in_outer, (X6, 2)),
    Case("bound_changes_in_inner", bound_changes_in_inner, (X6, 2)),
    Case(
        "bound_reassigned_between",
        bound_reassigned_between,
        (X6,),
    ),
    Case("triangular", triangular, (X6,), jit=True),
    Case("triangular_upper", triangular_upper, (X6,)),
    Case("triangular_matrix", triangular_matrix, (A4,)),
    Case("three_deep", three_deep, (X6,)),
    Case("reverse_index", reverse_index, (X6,)),
    Case("neighbour_index", neighbour_index, (X6,)),
    Case("counter_arithmetic", counter_arithmetic, (0.7,)),
    Case("counter_as_float", counter_as_float, (0.3, 5, 0.1)),
    Case("counter_parity", counter_parity, (X6,)),
    Case("counter_shadows_argument", counter_shadows_argument, (X6, 4)),
    Case(
        "counter_shadows_bound",
        counter_shadows_bound,
        (X6, 4),
    ),
    Case("counter_after_loop", counter_after_loop, (X6, 4)),
    Case(
        "counter_index_after_loop",
        counter_index_after_loop,
        (X6, 4),
    ),
    Case("counter_copied", counter_copied, (X6,)),
    Case("counter_rebound", counter_rebound, (X6, 6)),
    Case("counter_rebound_in_branch", counter_rebound_in_branch, (X6, 5)),
    Case(
        "same_counter_in_sequence",
        same_counter_in_sequence,
        (X6,),
    ),
    Case(
        "same_counter_nested",
        same_counter_nested,
        (X6,),
    ),
    Case(
        "empty_loop_then_counter",
        empty_loop_then_counter,
        (X6,),
    ),
    Case("with_continue", with_continue, (X6, 6)),
    Case("continue_on_value", continue_on_value, (X6,)),
    Case("with_break", with_break, (X6, 6), counted=False),
    Case("inner_break", inner_break, (X6,)),
    Case("early_return_taken", early_return, (X6 + 1.0, 6), counted=False),
    Case("early_return_not_taken", early_return, (X6, 6), counted=False),
    Case("nested_return_taken", nested_return, (X6, 6), counted=False),
    Case("nested_return_not_taken", nested_return, (X6 * 0.1, 6), counted=False),
    Case("for_else", for_else, (X6, 4)),
    Case("for_else_empty", for_else, (X6, 0)),
    Case("while_loop", while_loop, (X6,), counted=False),
    Case("while_around_counted", while_around_counted, (X6,)),
    Case("while_inside_counted", while_inside_counted, (X6 + 0.2,)),
    Case("enumerate_loop", enumerate_loop, (X6,), counted=False),
    Case("zip_loop", zip_loop, (X6, X6[::-1].copy()), counted=False),
    Case("array_loop", array_loop, (X6,), counted=False),
    Case("list_loop", list_loop, (X6,), counted=False),
    Case("reversed_range_loop", reversed_range_loop, (X6,), counted=False),
    Case("range_in_a_name", range_in_a_name, (X6, 5), counted=False),
    Case("sliced_range", sliced_range, (X6,), counted=False),
    Case("fill_array", fill_array, (X6,)),
    Case("update_in_place", update_in_place, (X6,)),
    Case("repeated_slot", repeated_slot, (X6,)),
    Case("fill_rows", fill_rows, (X6[:4].copy(),)),
    Case("cumulative", cumulative, (X6,)),
    Case("append_list", append_list, (X6, 5)),
    Case("prefix_products", prefix_products, (X6,)),
    Case("helper_in_loop", helper_in_loop, (X6,)),
    Case("loop_in_helper", loop_in_helper, (X6,)),
    Case("helper_bound_from_counter", helper_bound_from_counter, (X6,)),
    Case("closure_loop", closure_loop, (X6, 4)),
    Case("lambda_in_loop", lambda_in_loop, (X6,)),
    Case("list_comprehension", list_comprehension, (X6,)),
    Case("generator_sum", generator_sum, (X6,)),
    Case("comprehension_in_loop", comprehension_in_loop, (X6,)),
    Case("checkpointed", checkpointed, (0.4, 5)),
    Case("checkpointed_backwards", checkpointed_backwards, (X6,)),
    Case("value_overwritten_on_one_iteration", value_overwritten_on_one_iteration, (0.4, 5)),
    Case("swap_x", swap, (0.4, 1.3, 5), jit=True),
    Case("swap_z", swap, (0.4, 1.3, 5), wrt=1),
    Case("rotate_three", rotate_three, (X6, 5)),
    Case("lagged", lagged, (0.7, 5)),
    Case("int_carried", int_carried, (0.4, 5), jit=True),
    Case("passive_float_carried", passive_float_carried, (0.4, 5)),
    Case("invariant_per_outer", invariant_per_outer, (0.4, 3)),
    Case("invariant_changed_after_inner", invariant_changed_after_inner, (0.4, 2)),
    Case("outer_untaped_inner_taped", outer_untaped_inner_taped, (0.3, 4), jit=True),
    Case("both_untaped", both_untaped, (X6, 3, 4)),
    Case("leapfrog_q", leapfrog, (0.3, 0.2, 6, 0.1)),
    Case("leapfrog_p", leapfrog, (0.3, 0.2, 6, 0.1), wrt=1),
    Case("rk4", rk4, (X6[:3].copy(), 5, 0.1)),
    Case("horner_c", horner, (X6, 0.7)),
    Case("horner_x", horner, (X6, 0.7), wrt=1),
    Case("recurrent_w", recurrent, (W3, np.ones(3), 3)),
    Case("recurrent_h", recurrent, (W3, np.ones(3), 3), wrt=1),
    Case("power_iteration", power_iteration, (SPD3, 4)),
    Case("window_sums", window_sums, (X6,)),
    Case("counter_as_step", counter_as_step, (X6,)),
    Case("roll_loop", roll_loop, (X6,)),
    Case("zero_d_state", zero_d_state, (np.array(0.3), 4)),
    Case("bound_from_data", bound_from_data, (X6 + 0.25,)),
    Case("while_counter_feeds_for", while_counter_feeds_for, (X6,)),
    Case("pow_of_counter_negative_base", pow_of_counter, (-0.6, 4)),
    Case("pow_of_counter_backwards", pow_of_counter_backwards, (-0.7,)),
    Case("bounds_from_int_array", bounds_from_int_array, (X6, np.array([1, 5]))),
    Case("arange_of_counter", arange_of_counter, (X6,)),
    Case("counter_through_math", counter_through_math, (0.4,)),
    Case("counter_floor_and_mod", counter_floor_and_mod, (np.array([-0.6, 0.3, -1.2, 0.8]),)),
]

CASE_IDS = [c.id for c in CASES]
SECOND = [c for c in CASES if c.second]
JIT = [c for c in CASES if c.jit]
COUNTED = [c for c in CASES if c.counted]


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _with(args, k, v):
    args = list(args)
    args[k] = v
    return tuple(args)


def _scale(*values):
    return max([1.0] + [float(np.max(np.abs(np.asarray(v)))) for v in values])


def central_differences(fn, args, wrt, h):
    """d fn / d args[wrt] by central differences, shape fn(...).shape + x.shape."""
    x = args[wrt]
    if isinstance(x, float):
        up = np.asarray(fn(*_with(args, wrt, x + h)), dtype=float)
        down = np.asarray(fn(*_with(args, wrt, x - h)), dtype=float)
        return (up - down) / (2 * h)
    x = np.asarray(x, dtype=np.float64)
    cols = []
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        up = np.asarray(fn(*_with(args, wrt, xp)), dtype=float)
        down = np.asarray(fn(*_with(args, wrt, xm)), dtype=float)
        cols.append((up - down) / (2 * h))
    out_shape = np.shape(fn(*args))
    if not cols:
        return np.zeros(out_shape + x.shape)
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


def _tangents(args, wrt, v):
    return tuple(v if k == wrt else None for k in range(len(args)))


def _direction(x):
    rng = np.random.default_rng(7)
    if isinstance(x, float):
        return 0.37
    return rng.standard_normal(np.shape(x))


def taped_counters(source):
    """Counters of `for c in range(...)` loops that some `_tapeN.append(...)` inside saves."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Call)
            and isinstance(node.iter.func, ast.Name)
            and node.iter.func.id == "range"
        ):
            continue
        counter = node.target.id
        for sub in ast.walk(node):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "append"
                and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id.startswith("_tape")
            ):
                names = {n.id for a in sub.args for n in ast.walk(a) if isinstance(n, ast.Name)}
                if counter in names:
                    found.append((counter, ast.unparse(sub)))
    return found


def _fresh(f):
    """A new function object with f's code: a derivative made for it alone."""
    import types

    return types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


# --------------------------------------------------------------------------------------------
# first order: value, reverse against forward, central differences
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_value_and_grad_match_the_plain_call(case):
    args = _copy(case.args)
    plain = case.f(*_copy(args))
    value, g = ad.value_and_grad(case.f, wrt=case.wrt)(*args)
    assert value == plain or (np.isnan(value) and np.isnan(plain))
    g2 = ad.grad(case.f, wrt=case.wrt)(*args)
    assert np.array_equal(np.asarray(g), np.asarray(g2))
    x = args[case.wrt]
    assert np.shape(g) == np.shape(x)
    assert type(g) is type(x) or (isinstance(x, float) and isinstance(g, float))
    # derivative calls never modify the arguments
    for a, b in zip(args, case.args):
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_reverse_matches_forward(case):
    args = _copy(case.args)
    plain = case.f(*_copy(args))
    g = np.asarray(ad.grad(case.f, wrt=case.wrt)(*args), dtype=float)
    scale = _scale(g)
    jf = np.asarray(ad.jacfwd(case.f, wrt=case.wrt)(*args), dtype=float)
    np.testing.assert_allclose(jf, g, rtol=1e-12, atol=1e-12 * scale)
    gf = np.asarray(ad.grad(case.f, wrt=case.wrt, mode="forward")(*args), dtype=float)
    np.testing.assert_allclose(gf, g, rtol=1e-12, atol=1e-12 * scale)
    v = _direction(args[case.wrt])
    out, tangent = ad.jvp(case.f, args, _tangents(args, case.wrt, v))
    assert out == plain
    np.testing.assert_allclose(tangent, np.sum(g * v), rtol=1e-12, atol=1e-12 * scale)
    out, pullback = ad.vjp(case.f, *args)
    assert out == plain
    first = pullback(1.0)
    np.testing.assert_allclose(
        np.asarray(first[case.wrt], dtype=float), g, rtol=1e-12, atol=1e-12 * scale
    )
    # a pullback replays its loops again on a second call, with another seed
    second = pullback(-2.5)
    np.testing.assert_allclose(
        np.asarray(second[case.wrt], dtype=float), -2.5 * g, rtol=1e-12, atol=1e-12 * scale
    )


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_reverse_matches_central_differences(case):
    args = _copy(case.args)
    g = np.asarray(ad.grad(case.f, wrt=case.wrt)(*args), dtype=float)
    fd = central_differences(case.f, args, case.wrt, 1e-6)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7 * _scale(fd, case.f(*args)))


# --------------------------------------------------------------------------------------------
# second order
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", SECOND, ids=[c.id for c in SECOND])
def test_hessian(case):
    args = _copy(case.args)
    w = case.wrt
    h = np.asarray(ad.hessian(case.f, wrt=w)(*args), dtype=float)
    scale = _scale(h)
    h2 = np.asarray(ad.jacfwd(ad.grad(case.f, wrt=w), wrt=w)(*args), dtype=float)
    np.testing.assert_allclose(h, h2, rtol=1e-10, atol=1e-10 * scale)
    grad_f = ad.grad(case.f, wrt=w)
    fd = central_differences(grad_f, args, w, 1e-5)
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6 * _scale(fd))
    x = args[w]
    if not isinstance(x, float):
        n = int(np.size(x))
        hm = h.reshape(n, n)
        np.testing.assert_allclose(hm, hm.T, rtol=1e-9, atol=1e-9 * scale)
        v = _direction(x)
        _, hv = ad.hvp(case.f, args, _tangents(args, w, v))
        np.testing.assert_allclose(np.ravel(hv), hm @ np.ravel(v), rtol=1e-9, atol=1e-9 * scale * n)


OTHER_SECOND = [
    c
    for c in CASES
    if c.id
    in (
        "simple_index",
        "stepped_neg3",
        "triangular",
        "counter_as_float",
        "swap_x",
        "leapfrog_q",
        "bound_grows_in_outer",
        "counter_rebound_in_branch",
        "with_continue",
    )
]


@pytest.mark.parametrize("case", OTHER_SECOND, ids=[c.id for c in OTHER_SECOND])
def test_jacrev_of_grad_and_grad_of_grad(case):
    args = _copy(case.args)
    w = case.wrt
    h = np.asarray(ad.hessian(case.f, wrt=w)(*args), dtype=float)
    scale = _scale(h)
    h3 = np.asarray(ad.jacrev(ad.grad(case.f, wrt=w), wrt=w)(*args), dtype=float)
    np.testing.assert_allclose(h, h3, rtol=1e-10, atol=1e-10 * scale)
    if isinstance(args[w], float):
        gg = ad.grad(ad.grad(case.f, wrt=w), wrt=w)(*args)
        np.testing.assert_allclose(gg, h, rtol=1e-10, atol=1e-10 * scale)


# --------------------------------------------------------------------------------------------
# jit=True
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", JIT, ids=[c.id for c in JIT])
def test_jit_gives_the_numpy_numbers(case, caplog):
    args = _copy(case.args)
    f = _fresh(case.f)
    g = np.asarray(ad.grad(f, wrt=case.wrt)(*args), dtype=float)
    gj = ad.grad(f, wrt=case.wrt, jit=True)(*args)
    gj_again = ad.grad(f, wrt=case.wrt, jit=True)(*args)
    scale = _scale(g)
    np.testing.assert_allclose(np.asarray(gj, dtype=float), g, rtol=1e-12, atol=1e-12 * scale)
    assert np.array_equal(np.asarray(gj), np.asarray(gj_again))
    if case.id in ("simple_index", "stepped_neg3", "triangular"):
        value, gv = ad.value_and_grad(f, wrt=case.wrt, jit=True)(*args)
        plain = case.f(*_copy(args))
        assert value == pytest.approx(plain, rel=1e-12, abs=1e-300)
        np.testing.assert_allclose(np.asarray(gv, dtype=float), g, rtol=1e-12, atol=1e-12 * scale)


def test_one_gradient_called_with_other_trip_counts():
    """The code made for the first call serves other values of the bound, 0 included."""
    f = _fresh(simple_index)
    g, h, vg = ad.grad(f), ad.hessian(f), ad.value_and_grad(f)
    gj = ad.grad(f, jit=True)
    for n in (0, 5, 2, 0, 6, 1):
        ref = ad.grad(_fresh(simple_index))(X6, n)
        assert np.array_equal(g(X6, n), ref)
        np.testing.assert_allclose(gj(X6, n), ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(
            h(X6, n), ad.hessian(_fresh(simple_index))(X6, n), rtol=1e-12, atol=1e-14
        )
        assert vg(X6, n)[0] == simple_index(X6, n)


def test_jit_compiles_counted_loops():
    """The scalar counted loops of the issue run compiled, not through the NumPy fallback."""
    from s2s_ad.jit.backend import runs_of

    for f, args in [
        (_fresh(no_tape_scalar), (0.7, 5)),
        (_fresh(stepped), (X9, 8, 0, -3)),
        (_fresh(simple_index), (X6, 5)),
        (_fresh(leapfrog), (0.3, 0.2, 6, 0.1)),
    ]:
        ad.grad(f, jit=True)(*args)
        runs = runs_of(f)
        assert runs and all(runs.values()), (f.__name__, runs)


def test_jit_hessian_of_counted_loop():
    for f, args in [(_fresh(stepped), (X9, 8, 0, -3)), (_fresh(triangular), (X6,))]:
        h = ad.hessian(f)(*args)
        hj = ad.hessian(f, jit=True)(*args)
        np.testing.assert_allclose(hj, h, rtol=1e-12, atol=1e-12 * _scale(h))


# --------------------------------------------------------------------------------------------
# the generated code
# --------------------------------------------------------------------------------------------


def _counted_params():
    out = []
    for c in COUNTED:
        marks = []
        if c.taped_counter_bug:
            marks = [pytest.mark.xfail(strict=True, reason=c.taped_counter_bug)]
        out.append(pytest.param(c, id=c.id, marks=marks))
    return out


@pytest.mark.parametrize("case", _counted_params())
def test_counter_is_never_taped(case):
    args = _copy(case.args)
    for mode in ("gradient", "reverse"):
        kw = {"args": args} if mode == "gradient" else {}
        src = ad.derivative_source(case.f, mode, wrt=case.wrt, **kw)
        assert taped_counters(src) == [], (mode, src)


@pytest.mark.parametrize(
    ("f", "args"),
    [
        (no_tape_scalar, (0.7, 5)),
        (no_tape_vector, (X6, 5)),
        (both_untaped, (X6, 3, 4)),
    ],
    ids=["no_tape_scalar", "no_tape_vector", "both_untaped"],
)
def test_loop_needing_nothing_has_no_tape(f, args):
    src = ad.derivative_source(f, "gradient", args=args)
    assert re.search(r"_tape\d", src) is None, src
    assert "in reversed(range(" in src, src


@pytest.mark.parametrize(
    ("f", "args"),
    [
        pytest.param(no_tape_scalar, (0.7, 5), id="no_tape_scalar"),
        pytest.param(no_tape_vector, (X6, 5), id="no_tape_vector"),
    ],
)
def test_grad_of_untaped_loop_runs_no_forward_loop(f, args):
    src = ad.derivative_source(f, "gradient", args=args)
    forward_loops = [
        node
        for node in ast.walk(ast.parse(src))
        if isinstance(node, ast.For)
        and isinstance(node.iter, ast.Call)
        and isinstance(node.iter.func, ast.Name)
        and node.iter.func.id == "range"
    ]
    assert forward_loops == [], src
    assert "in reversed(range(" in src, src


@pytest.mark.parametrize(
    ("f", "args"),
    [(simple_index, (X6, 5)), (stepped, (X9, 8, 0, -3)), (triangular, (X6,))],
    ids=["simple_index", "stepped", "triangular"],
)
def test_counter_taken_from_the_range(f, args):
    src = ad.derivative_source(f, "gradient", args=args)
    assert "zip(reversed(range(" in src, src
    assert taped_counters(src) == []


def test_replay_without_counter_drops_it():
    src = ad.derivative_source(counter_unused, "gradient", args=(0.3, 4))
    assert "zip(" not in src
    assert "in reversed(_tape1)" in src


# --------------------------------------------------------------------------------------------
# argument kinds: float32, 0-d arrays, numpy scalars
# --------------------------------------------------------------------------------------------

KINDS = [
    pytest.param(lambda v: float(v), id="python-float"),
    pytest.param(lambda v: np.float64(v), id="np.float64"),
    pytest.param(lambda v: np.float32(v), id="np.float32"),
    pytest.param(lambda v: np.array(v), id="0-d-float64"),
    pytest.param(lambda v: np.array(v, dtype=np.float32), id="0-d-float32"),
    pytest.param(lambda v: np.array([v, v / 2, v / 3], dtype=np.float32), id="float32-vector"),
]


def untaped_sum(x, n):
    y = 0.0
    for i in range(n):
        y = y + x * i
    return np.sum(y)


def taped_sum(x, n):
    y = 0.0
    for i in range(n):
        y = y + np.sin(x * y) * i + x
    return np.sum(y)


@pytest.mark.parametrize("make", KINDS)
@pytest.mark.parametrize("f", [untaped_sum, taped_sum], ids=["untaped", "taped"])
@pytest.mark.parametrize("n", [0, 1, 4])
def test_argument_kinds_keep_type_and_dtype(make, f, n):
    x = make(0.7)
    for g in (
        ad.grad(f)(x, n),
        ad.value_and_grad(f)(x, n)[1],
        ad.grad(f, mode="forward")(x, n),
    ):
        assert type(g) is type(x)
        assert np.asarray(g).dtype == np.asarray(x).dtype
        assert np.shape(g) == np.shape(x)
    g = np.asarray(ad.grad(f)(x, n), dtype=float)
    g64 = np.asarray(ad.grad(f)(np.asarray(x, dtype=np.float64), n), dtype=float)
    tol = 1e-5 if np.asarray(x).dtype == np.float32 else 1e-12
    np.testing.assert_allclose(g, g64, rtol=tol, atol=tol)
    assert ad.value_and_grad(f)(x, n)[0] == f(x, n)


# --------------------------------------------------------------------------------------------
# Jacobians of vector-valued counted loops
# --------------------------------------------------------------------------------------------


def vec_windows(x):
    y = np.zeros(3)
    for i in range(3):
        y = y + x[i : i + 3] * (i + 1) * x[i]
    return y


def vec_from_list(x, n):
    out = []
    acc = 0.0
    for i in range(n):
        acc = acc * x[i] + np.sin(x[n - 1 - i])
        out.append(acc * i)
    return np.array(out)


def vec_state(h, w, n):
    for t in range(n):
        h = np.tanh(w @ h) + 0.1 * t * h
    return h


def vec_scan_backwards(x):
    n = len(x)
    out = np.zeros(n)
    carry = 0.0
    for i in range(n - 1, -1, -1):
        carry = carry * 0.9 + x[i] ** 2
        out[i] = carry
    return out


VEC = [
    pytest.param(vec_windows, (X6,), 0, id="vec_windows"),
    pytest.param(vec_from_list, (X6, 5), 0, id="vec_from_list"),
    pytest.param(vec_state, (np.full(4, 0.3), A4 * 0.5, 4), 0, id="vec_state_h"),
    pytest.param(vec_state, (np.full(4, 0.3), A4 * 0.5, 4), 1, id="vec_state_w"),
    pytest.param(vec_scan_backwards, (X6,), 0, id="vec_scan_backwards"),
]


@pytest.mark.parametrize(("f", "args", "wrt"), VEC)
def test_jacobians_of_vector_loops(f, args, wrt):
    jf = ad.jacfwd(f, wrt=wrt)(*args)
    jr = ad.jacrev(f, wrt=wrt)(*args)
    scale = _scale(jf)
    np.testing.assert_allclose(jr, jf, rtol=1e-12, atol=1e-12 * scale)
    for mode in ("auto", "forward", "reverse"):
        ja = ad.jacobian(f, wrt=wrt, mode=mode)(*args)
        np.testing.assert_allclose(ja, jf, rtol=1e-12, atol=1e-12 * scale)
    fd = central_differences(f, args, wrt, 1e-6)
    np.testing.assert_allclose(jf, fd, rtol=1e-6, atol=1e-7 * _scale(fd))


@pytest.mark.parametrize(("f", "args", "wrt"), VEC[:2])
def test_jit_jacobians_of_vector_loops(f, args, wrt):
    g = _fresh(f)
    jf = ad.jacfwd(g, wrt=wrt)(*args)
    for fn in (ad.jacfwd, ad.jacrev):
        jj = fn(g, wrt=wrt, jit=True)(*args)
        np.testing.assert_allclose(jj, jf, rtol=1e-12, atol=1e-12 * _scale(jf))


# --------------------------------------------------------------------------------------------
# wrt naming a parameter twice
# --------------------------------------------------------------------------------------------


def two_args_vec(x, y):
    out = np.zeros(3)
    for i in range(3):
        out[i] = x[i] * y[i] ** 2 + np.sin(x[(i + 1) % 3]) * y[i]
    return out


def two_args_scalar(x, y):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] ** 2 * y[i] + x[i] * y[(i + 1) % 3] ** 3
    return s


XA = np.array([0.3, 0.5, 0.7])
YA = np.array([1.1, 1.3, 1.7])


@pytest.mark.parametrize("jac", [ad.jacfwd, ad.jacrev, ad.jacobian], ids=lambda j: j.__name__)
@pytest.mark.parametrize("wrt", [(0, 0), (1, 0, 1), ("x", 0), ("y", "x", 1)], ids=str)
def test_jacobian_wrt_repeated(jac, wrt):
    blocks = {
        0: ad.jacfwd(two_args_vec, wrt=0)(XA, YA),
        1: ad.jacfwd(two_args_vec, wrt=1)(XA, YA),
    }
    idx = [0 if w in (0, "x") else 1 for w in wrt]
    got = jac(two_args_vec, wrt=wrt)(XA, YA)
    assert isinstance(got, tuple) and len(got) == len(wrt)
    for g, k in zip(got, idx):
        np.testing.assert_allclose(g, blocks[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("wrt", [(0, 0), (1, 0, 1), ("x", 0)], ids=str)
def test_hessian_wrt_repeated(wrt):
    blocks = {
        (a, b): np.asarray(ad.jacfwd(ad.grad(two_args_scalar, wrt=a), wrt=b)(XA, YA), dtype=float)
        for a in (0, 1)
        for b in (0, 1)
    }
    idx = [0 if w in (0, "x") else 1 for w in wrt]
    got = ad.hessian(two_args_scalar, wrt=wrt)(XA, YA)
    assert len(got) == len(wrt)
    for a, ia in enumerate(idx):
        assert len(got[a]) == len(wrt)
        for b, ib in enumerate(idx):
            np.testing.assert_allclose(got[a][b], blocks[(ia, ib)], rtol=1e-10, atol=1e-12)


def test_grad_wrt_repeated_matches_jacobians():
    g = ad.grad(two_args_scalar, wrt=(0, 0, 1))(XA, YA)
    j = ad.jacrev(two_args_scalar, wrt=(0, 0, 1))(XA, YA)
    for a, b in zip(g, j):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# complex results: refused by every Jacobian, with a located error
# --------------------------------------------------------------------------------------------


def complex_scalar_loop(x):
    s = x
    for i in range(3):
        s = s**1.5 - 2.0
    return s


def complex_from_float_of_item(x):
    s = 0.0
    for i in range(2):
        s = s + float(x[i]) ** 0.5
    return s


def complex_from_list_item(x):
    s = 0.0
    for i in range(2):
        s = s + x[i] ** 0.5 * 1.0
    return s


def complex_no_loop(x):
    return float(x[0]) ** 0.5 + float(x[1]) ** 0.5


def _assert_complex_refused(fn, line_text):
    with pytest.raises(s2s_ad.S2SError) as info:
        fn()
    assert type(info.value).__name__ == "ComplexValueError", repr(info.value)
    msg = str(info.value)
    assert __file__ in msg or "test_counted_loops_independent.py" in msg, msg
    assert line_text in msg, msg


JACOBIANS = [
    pytest.param(lambda f, a: ad.jacfwd(f)(*a), id="jacfwd"),
    pytest.param(lambda f, a: ad.jacrev(f)(*a), id="jacrev"),
    pytest.param(lambda f, a: ad.jacobian(f)(*a), id="jacobian"),
    pytest.param(lambda f, a: ad.jacobian(f, mode="forward")(*a), id="jacobian-forward"),
    pytest.param(lambda f, a: ad.jacobian(f, mode="reverse")(*a), id="jacobian-reverse"),
    pytest.param(lambda f, a: ad.jacfwd(f, jit=True)(*a), id="jacfwd-jit"),
    pytest.param(lambda f, a: ad.jacrev(f, jit=True)(*a), id="jacrev-jit"),
]


@pytest.mark.parametrize("jac", JACOBIANS)
@pytest.mark.parametrize(
    ("f", "args", "line"),
    [
        (complex_scalar_loop, (0.5,), "s = s**1.5 - 2.0"),
        (complex_from_float_of_item, (np.array([-1.0, 2.0]),), "float(x[i]) ** 0.5"),
        (complex_from_list_item, ([-1.0, 2.0],), "x[i] ** 0.5"),
    ],
    ids=["scalar_loop", "float_of_item", "list_item"],
)
def test_complex_result_refused_by_jacobians(jac, f, args, line):
    assert isinstance(f(*args), complex)
    _assert_complex_refused(lambda: jac(_fresh(f), args), line)


def test_complex_result_refused_by_hessian_scalar_loop():
    _assert_complex_refused(lambda: ad.hessian(complex_scalar_loop)(0.5), "s = s**1.5 - 2.0")


@pytest.mark.xfail(
    strict=True,
    reason="hessian of `s = s + x[i] ** 0.5 * 1.0` in `for i in range(2)` at the list "
    "[-1.0, 2.0] (complex result) raises ComplexValueError naming the `def` line of the "
    "function (it named no file and no line), where the Jacobians name the user's line",
)
def test_complex_result_hessian_names_the_line():
    _assert_complex_refused(lambda: ad.hessian(complex_from_list_item)([-1.0, 2.0]), "x[i] ** 0.5")


def test_complex_result_hessian_float_of_item():
    _assert_complex_refused(
        lambda: ad.hessian(complex_from_float_of_item)(np.array([-1.0, 2.0])),
        "float(x[i]) ** 0.5",
    )


def test_complex_result_grad_float_of_item():
    _assert_complex_refused(
        lambda: ad.grad(complex_from_float_of_item)(np.array([-1.0, 2.0])),
        "float(x[i]) ** 0.5",
    )


def test_complex_result_grad_no_loop():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _assert_complex_refused(
            lambda: ad.grad(complex_no_loop)(np.array([-1.0, 2.0])), "float(x[0]) ** 0.5"
        )


# --------------------------------------------------------------------------------------------
# located errors
# --------------------------------------------------------------------------------------------


def _line_of(f, snippet):
    import inspect

    lines, first = inspect.getsourcelines(f)
    hits = [first + k for k, line in enumerate(lines) if snippet in line]
    assert len(hits) == 1, (snippet, hits)
    return hits[0]


def _assert_located(exc, f, snippet):
    """exc is an s2s_ad error naming this file and the line of f holding snippet."""
    assert isinstance(exc, s2s_ad.S2SError), repr(exc)
    msg = str(exc)
    assert f"test_counted_loops_independent.py:{_line_of(f, snippet)}:" in msg, msg


def test_counter_after_empty_loop_is_unbound_at_the_users_line():
    with pytest.raises(UnboundLocalError):
        counter_after_loop(X6, 0)
    for fn in (
        lambda: ad.grad(counter_after_loop)(X6, 0),
        lambda: ad.value_and_grad(counter_after_loop)(X6, 0),
        lambda: ad.vjp(counter_after_loop, X6, 0),
        lambda: ad.jacfwd(counter_after_loop)(X6, 0),
    ):
        with pytest.raises(Exception) as info:
            fn()
        _assert_located(info.value, counter_after_loop, "return y * i")


def float_bound(x, n):
    y = 0.0
    for i in range(n):
        y = y + x * i
    return y


def test_float_bound_raises_at_the_users_line():
    with pytest.raises(TypeError):
        float_bound(0.5, 3.0)
    for fn in (
        lambda: ad.grad(float_bound)(0.5, 3.0),
        lambda: ad.value_and_grad(float_bound)(0.5, 3.0),
        lambda: ad.jacfwd(float_bound)(0.5, 3.0),
        lambda: ad.hessian(float_bound)(0.5, 3.0),
    ):
        with pytest.raises(Exception) as info:
            fn()
        _assert_located(info.value, float_bound, "for i in range(n)")


def starred_range(x, span):
    y = 0.0
    for i in range(*span):
        y = y + x[i] * np.cos(y)
    return y


def test_starred_range_of_unknown_length_refused_at_its_line():
    with pytest.raises(s2s_ad.S2SError) as info:
        ad.grad(starred_range)(X6, (1, 6, 2))
    _assert_located(info.value, starred_range, "range(*span)")


def test_counter_out_of_bounds_raises_at_the_users_line():
    with pytest.raises(IndexError):
        simple_index(X6, 9)
    for fn in (
        lambda: ad.value_and_grad(simple_index)(X6, 9),
        lambda: ad.jacfwd(simple_index)(X6, 9),
    ):
        with pytest.raises(Exception) as info:
            fn()
        _assert_located(info.value, simple_index, "x[i] * np.sin(y + i)")


# --------------------------------------------------------------------------------------------
# effects inside counted loops: printed once, as in the plain call
# --------------------------------------------------------------------------------------------


def printing_untaped(x, n):
    y = 0.0
    for i in range(n):
        print("step", i)
        y = y + x * i
    return y


def printing_taped(x, n):
    y = 0.0
    for i in range(n):
        y = y + np.sin(x * y) * i + x
        print("y", i, round(float(y), 6))
    return y


def _stdout(fn):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    return buf.getvalue()


@pytest.mark.parametrize("f", [printing_untaped, printing_taped], ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda f: ad.grad(f)(0.5, 3), id="grad"),
        pytest.param(lambda f: ad.value_and_grad(f)(0.5, 3), id="value_and_grad"),
        pytest.param(lambda f: ad.vjp(f, 0.5, 3)[1](1.0), id="vjp"),
        pytest.param(lambda f: ad.jacrev(f)(0.5, 3), id="jacrev"),
        pytest.param(lambda f: ad.hessian(f)(0.5, 3), id="hessian"),
    ],
)
def test_prints_in_counted_loops_run_as_in_the_plain_call(f, call):
    assert _stdout(lambda: call(f)) == _stdout(lambda: f(0.5, 3))


# --------------------------------------------------------------------------------------------
# structures: a counted loop over a list of (W, b) pairs
# --------------------------------------------------------------------------------------------


def test_counted_loop_over_parameter_list():
    x = np.array([0.3, -0.2])
    g = ad.grad(params_loop)(PARAMS, x)
    assert isinstance(g, list) and len(g) == 2
    h = 1e-6
    for layer in range(2):
        for k in range(2):
            num = np.zeros_like(PARAMS[layer][k])
            for idx in np.ndindex(num.shape):
                up = [(w.copy(), b.copy()) for w, b in PARAMS]
                down = [(w.copy(), b.copy()) for w, b in PARAMS]
                up[layer][k][idx] += h
                down[layer][k][idx] -= h
                num[idx] = (params_loop(up, x) - params_loop(down, x)) / (2 * h)
            np.testing.assert_allclose(g[layer][k], num, rtol=1e-6, atol=1e-8)
    src = ad.derivative_source(params_loop, "gradient", args=(PARAMS, x))
    assert taped_counters(src) == []


# --------------------------------------------------------------------------------------------
# names of the generated code: a user's local `zip`, `reversed`, `len`, `min`, `tuple`
# --------------------------------------------------------------------------------------------


def local_zip(x, n):
    zip = 2.0
    y = 0.0
    for i in range(n):
        y = y + np.sin(x[i] * y) * zip * i + x[i]
    return y


def local_reversed(x, n):
    reversed = x[::-1]
    y = 0.0
    for i in range(n):
        y = y + np.sin(x[i] * y) * reversed[i] * i + x[i]
    return y


def local_len(x):
    len = x.shape[0]
    y = 0.0
    for i in range(len):
        y = y + np.sin(x[i] * y) * i + x[i]
    return y


def local_min(x, n):
    min = np.min(x)
    y = 0.0
    for i in range(n):
        y = y + np.sin(x[i] * y) * min * i + x[i]
    return y


def local_tuple(x, n):
    tuple = np.sum(x) * 0.5
    y = 0.0
    for i in range(n):
        y = y + np.sin(x[i] * y) * tuple * i + x[i]
    return y


def local_len_array_loop(x):
    len = np.sum(x) * 0.5
    y = 0.0
    for v in x:
        y = y + np.sin(v * y) * len + v
    return y


def _reference_grad(f, args):
    return central_differences(f, args, 0, 1e-6)


def _shadow_param(f, args, how, reason):
    return pytest.param(
        f,
        args,
        how,
        id=f"{f.__name__}-{how}",
        marks=[pytest.mark.xfail(strict=True, reason=reason)] if reason else [],
    )


SHADOWS = [
    _shadow_param(local_zip, (X6, 5), "grad", ""),
    _shadow_param(local_zip, (X6, 5), "vjp", ""),
    _shadow_param(local_zip, (X6, 5), "hessian", ""),
    _shadow_param(local_reversed, (X6, 5), "grad", ""),
    _shadow_param(local_reversed, (X6, 5), "jacrev", ""),
    _shadow_param(local_reversed, (X6, 5), "hessian", ""),
    _shadow_param(local_len, (X6,), "grad", ""),
    _shadow_param(local_len, (X6,), "hessian", ""),
    _shadow_param(local_min, (X6, 5), "grad", ""),
    _shadow_param(local_min, (X6, 5), "hessian", ""),
    _shadow_param(local_tuple, (X6, 5), "grad", ""),
    _shadow_param(local_tuple, (X6, 5), "hessian", ""),
    _shadow_param(local_len_array_loop, (X6,), "grad", ""),
    _shadow_param(local_len_array_loop, (X6,), "hessian", ""),
]


@pytest.mark.parametrize(("f", "args", "how"), SHADOWS)
def test_user_locals_named_like_builtins(f, args, how):
    g_ref = _reference_grad(f, args)
    if how == "grad":
        g = ad.grad(f)(*args)
        np.testing.assert_allclose(g, g_ref, rtol=1e-6, atol=1e-7 * _scale(g_ref))
    elif how == "vjp":
        _, pb = ad.vjp(f, *args)
        np.testing.assert_allclose(pb(1.0)[0], g_ref, rtol=1e-6, atol=1e-7 * _scale(g_ref))
    elif how == "jacrev":
        np.testing.assert_allclose(ad.jacrev(f)(*args), g_ref, rtol=1e-6, atol=1e-7 * _scale(g_ref))
    else:
        h = ad.hessian(f)(*args)
        fd = central_differences(ad.grad(f), args, 0, 1e-5)
        np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6 * _scale(fd))


STAR_MODULE = """\
from numpy import *


def loss(x, n):
    y = 0.0
    for i in range(n):
        y = y + sin(x[i] * y) * i + x[i]
    return y
"""


@pytest.fixture
def star_module(tmp_path):
    path = tmp_path / "star_numpy_user.py"
    path.write_text(STAR_MODULE)
    spec = importlib.util.spec_from_file_location("star_numpy_user", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_star_import_of_numpy_first_order(star_module):
    f = star_module.loss
    g = ad.grad(f)(X6, 5)
    np.testing.assert_allclose(g, central_differences(f, (X6, 5), 0, 1e-6), rtol=1e-6, atol=1e-8)


def test_star_import_of_numpy_hessian(star_module):
    f = star_module.loss
    h = ad.hessian(f)(X6, 5)
    fd = central_differences(ad.grad(f), (X6, 5), 0, 1e-5)
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6 * _scale(fd))


# --------------------------------------------------------------------------------------------
# empty arrays
# --------------------------------------------------------------------------------------------


def sum_of_squares_loop(x):
    y = 0.0
    for i in range(len(x)):
        y = y + x[i] * x[i]
    return y


def test_empty_array_first_order():
    x = np.zeros(0)
    assert sum_of_squares_loop(x) == 0.0
    assert ad.grad(sum_of_squares_loop)(x).shape == (0,)
    assert ad.jacfwd(sum_of_squares_loop)(x).shape == (0,)
    assert ad.jacrev(sum_of_squares_loop)(x).shape == (0,)
    _, hv = ad.hvp(sum_of_squares_loop, (x,), (x,))
    assert hv.shape == (0,)


@pytest.mark.parametrize(
    "second",
    [
        pytest.param(
            lambda f, x: ad.hessian(f)(x),
            id="hessian",
        ),
        pytest.param(
            lambda f, x: ad.jacfwd(ad.grad(f))(x),
            id="jacfwd-grad",
        ),
        pytest.param(lambda f, x: ad.jacrev(ad.grad(f))(x), id="jacrev-grad"),
    ],
)
def test_empty_array_second_order(second):
    h = second(sum_of_squares_loop, np.zeros(0))
    assert np.shape(h) == (0, 0)


# --------------------------------------------------------------------------------------------
# a sanity check of the helpers themselves
# --------------------------------------------------------------------------------------------


def test_taped_counters_detector():
    src = (
        "def f(x, n):\n"
        "    _tape1 = []\n"
        "    for i in range(n):\n"
        "        _tape1.append((x, i))\n"
        "    for j in range(n):\n"
        "        _tape1.append(x)\n"
    )
    assert taped_counters(src) == [("i", "_tape1.append((x, i))")]
    assert math.isclose(central_differences(lambda x: x**3, (2.0,), 0, 1e-6), 12.0, rel_tol=1e-9)
