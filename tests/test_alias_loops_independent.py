# ruff: noqa: B007, B008, B905, SIM108, SIM113
"""NumPy arrays updated in place through an alias or a view, inside loops and branches.

Written by an independent tester from README.md alone (s2s_ad's source and tests unread).
Each program is what a user might write; each check kind is one parametrized test. The truth
is the plain call: central differences of it, and its value. A refusal passes only if it is
an ``s2s_ad.S2SError`` whose message names this file and a line of the program (or of a helper
it calls); any other exception, or a wrong number, fails. Where s2s_ad is wrong today the
parametrization is a strict expected failure whose reason says what was wrong.
"""

import copy
import dataclasses
import inspect
import os
import re
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad

THIS_FILE = os.path.basename(__file__)

# ---------------------------------------------------------------------------------------------
# helpers the programs call (module level, as a user's module would have them)
# ---------------------------------------------------------------------------------------------


def scale_in_place(v, s):
    v *= s


def set_first(v, val):
    v[0] = val


def identity(v):
    return v


def tail_view(v):
    return v[1:]


def same_twice(v):
    return v, v


@dataclasses.dataclass
class Workspace:
    grid: np.ndarray
    alpha: float


class Holder(NamedTuple):
    buf: np.ndarray
    scale: float


WORK = np.zeros(3)


def relax_step(u, x):
    n = u.shape[0]
    out = np.zeros(n)
    out[0] = u[0]
    out[n - 1] = u[n - 1]
    for i in range(1, n - 1):
        out[i] = 0.5 * (u[i - 1] + u[i + 1]) + 0.1 * x[i]
    return out


# ---------------------------------------------------------------------------------------------
# the programs
# ---------------------------------------------------------------------------------------------


def brief_example(x):
    a = np.zeros(3)
    b = a
    for i in range(3):
        b[i] = x * (i + 1) + a[i - 1]
    return np.sum(a**2)


def running_sum_prealloc(x):
    out = np.zeros(x.shape[0])
    acc = out
    acc[0] = x[0]
    for i in range(1, x.shape[0]):
        acc[i] = out[i - 1] + x[i] * x[i]
    return np.sum(out * x)


def cumulative_product_alias(x):
    buf = np.ones(x.shape[0] + 1)
    view = buf
    for i in range(x.shape[0]):
        view[i + 1] = buf[i] * np.sin(x[i])
    return np.sum(buf) + buf[-1] * x[0]


def ping_pong_jacobi(x):
    u = x.copy()
    v = np.zeros_like(x)
    for it in range(4):
        v[0] = u[0]
        v[-1] = u[-1]
        v[1:-1] = 0.5 * (u[:-2] + u[2:]) + 0.1 * x[1:-1] ** 2
        u, v = v, u
    return np.sum(u**2) + np.sum(v * x)


def ping_pong_same_buffer(x):
    # u and v name the same array: the "Jacobi" step becomes Gauss-Seidel in place
    u = x * 1.0
    v = u
    for it in range(3):
        for i in range(1, x.shape[0] - 1):
            v[i] = 0.5 * (u[i - 1] + u[i + 1]) + 0.1 * x[i] ** 2
        u, v = v, u
    return np.sum(u**2)


def gauss_seidel(x):
    a = x * 1.0
    for sweep in range(3):
        for i in range(1, x.shape[0] - 1):
            a[i] = 0.5 * (a[i - 1] + a[i + 1]) + 0.1 * np.tanh(x[i])
    return np.sum(a**2)


def gauss_seidel_alias_read(x):
    grid = np.zeros(x.shape[0] + 2)
    g = grid
    g[1:-1] = x
    for sweep in range(2):
        for i in range(1, grid.shape[0] - 1):
            g[i] = 0.25 * grid[i - 1] + 0.25 * grid[i + 1] + 0.5 * x[i - 1] ** 2
    return np.sum(grid * grid) + np.sum(g)


def swap_each_iteration(x):
    a = x * 1.0
    b = x * 2.0
    for i in range(3):
        b[i] = a[i] * b[i] + 1.0
        a, b = b, a
    return np.sum(a * a) - np.sum(b)


def iadd_alias(x):
    a = x * x
    b = a
    b += x
    return np.sum(a * x)


def iadd_alias_in_loop(x):
    a = np.zeros_like(x)
    b = a
    for i in range(3):
        b += x * (i + 1.0)
        a[0] = a[0] * 0.5
    return np.sum(a**2) + np.sum(b)


def imul_alias_loop(x):
    a = x * 1.0
    b = a
    for i in range(x.shape[0]):
        b *= 1.0 + 0.1 * x[i]
    return np.sum(a) + np.sum(b**2)


def alias_made_in_loop(x):
    a = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        b = a
        b[i] = np.exp(0.3 * x[i]) + a[i - 1]
    return np.sum(a**2) + np.sum(b)


def tuple_unpack_alias(x):
    a = np.zeros(4)
    b, c = a, a
    for i in range(4):
        b[i] = x[i] * 2.0
        c[(i + 1) % 4] = c[(i + 1) % 4] + x[i] ** 2
    return np.sum(a**2)


def list_holds_same_array(x):
    a = np.zeros(3)
    bufs = [a, a]
    for i in range(3):
        bufs[i % 2][i] = x[i] * a[i - 1] + x[i]
    return np.sum(a**2)


def dict_holds_array(x):
    a = np.zeros(3)
    state = {"buf": a}
    for i in range(3):
        state["buf"][i] = x[i] ** 2 + a[i - 1]
    return np.sum(a * x)


def copy_breaks_alias(x):
    a = x * 2.0
    b = a.copy()
    for i in range(x.shape[0]):
        b[i] = b[i] ** 2 + a[i]
    return np.sum(a) + np.sum(b)


def np_copy_breaks_alias(x):
    a = x * 2.0
    b = np.copy(a)
    c = b
    for i in range(x.shape[0]):
        c[i] = c[i] * a[i]
    return np.sum(a**2) + np.sum(b)


def zero_iteration_loop(x):
    n = x.shape[0] - x.shape[0]
    a = x * 1.0
    b = a
    for i in range(n):
        b[i] = 100.0
    return np.sum(a**2) + np.sum(b)


def while_alias(x):
    a = np.zeros(x.shape[0])
    b = a
    i = 0
    while i < x.shape[0]:
        b[i] = x[i] * (a[i - 1] + 1.0)
        i += 1
    return np.sum(a**2)


def while_break_else(x):
    a = np.zeros(x.shape[0])
    b = a
    i = 0
    total = 0.0
    while i < x.shape[0]:
        b[i] = x[i] * 2.0 + a[i - 1] * 0.5
        total = total + a[i]
        if total > 3.0:
            break
        i += 1
    else:
        b[0] = b[0] + 10.0 * x[0]
    return np.sum(a**2) + total


def for_break_alias(x):
    a = np.zeros(x.shape[0])
    b = a
    for i in range(x.shape[0]):
        b[i] = np.sin(x[i]) + a[i - 1]
        if a[i] > 1.5:
            break
    return np.sum(a**2) + i


def for_continue_alias(x):
    a = x * 1.0
    b = a
    for i in range(x.shape[0]):
        if i % 2 == 0:
            continue
        b[i] = a[i - 1] * x[i]
    return np.sum(a**2)


def for_else_alias(x):
    a = np.zeros(x.shape[0])
    b = a
    for i in range(x.shape[0]):
        b[i] = x[i] ** 2
        if a[i] > 100.0:
            break
    else:
        b[-1] = a[0] * a[1]
    return np.sum(a * x)


def nested_loops_alias(x):
    m = x.reshape(2, 3) * 1.0
    g = m
    for i in range(2):
        for j in range(1, 3):
            g[i, j] = m[i, j - 1] * 0.5 + m[i, j] * x[j]
    return np.sum(m**2)


def ring_buffer(x):
    buf = np.zeros(3)
    ring = buf
    for t in range(7):
        ring[t % 3] = x[t % x.shape[0]] + 0.5 * buf[(t - 1) % 3] ** 2
    return np.sum(buf**2)


def histogram_accumulate(x):
    counts = np.zeros(3)
    h = counts
    for i, v in enumerate(x):
        h[i % 3] += v**2
    return np.sum(counts * counts)


def simulation_history(x):
    n_steps = 5
    hist = np.zeros((n_steps, 2))
    rec = hist
    pos = x[0]
    vel = x[1]
    for t in range(n_steps):
        rec[t, 0] = pos
        rec[t, 1] = vel
        vel = vel - 0.1 * np.sin(pos)
        pos = pos + 0.1 * vel
    return np.sum(hist[:, 0] ** 2) + np.sum(rec[:, 1])


def local_copy_of_argument(x):
    y = x.copy()
    z = y
    for i in range(x.shape[0]):
        z[i] = z[i] * x[i] + 1.0
    return np.sum(x * y)


def mutate_argument_via_alias(x):
    y = x
    for i in range(x.shape[0]):
        y[i] = y[i] * 2.0
    return np.sum(x**2)


def helper_updates_argument(x):
    a = x * 1.0
    for i in range(2):
        scale_in_place(a, 1.5)
    return np.sum(a**2)


def helper_sets_element(x):
    a = x * 1.0
    b = a
    set_first(b, x[1] ** 2)
    return np.sum(a * x)


def helper_returns_alias(x):
    a = np.zeros(x.shape[0])
    b = identity(a)
    for i in range(x.shape[0]):
        b[i] = x[i] ** 2 + a[i - 1]
    return np.sum(a * x)


def helper_builds_new_array(x):
    u = x * 1.0
    w = u
    for it in range(2):
        u = relax_step(u, x)
    return np.sum(u**2) + np.sum(w)


def view_slice_update_base_read(x):
    a = x * 1.0
    v = a[1:]
    for i in range(v.shape[0]):
        v[i] = v[i] * 2.0 + x[0]
    return np.sum(a**2)


def view_strided_update(x):
    a = x * 1.0
    v = a[::2]
    for i in range(v.shape[0]):
        v[i] += x[i] ** 2
    return np.sum(a * x)


def view_transpose_update(x):
    m = x.reshape(2, 3) * 1.0
    t = m.T
    for i in range(3):
        t[i, 0] = t[i, 1] * x[i]
    return np.sum(m**2)


def view_reshape_update(x):
    a = x * 1.0
    r = a.reshape(2, 3)
    for i in range(2):
        r[i, :] = r[i, :] * (1.0 + x[i])
    return np.sum(a**2)


def normalise_through_view(x):
    a = np.ones(x.shape[0] + 1)
    v = a[1:]
    v[:] = x
    v /= np.sum(v)
    return np.sum(a**2)


def base_updated_view_read(x):
    a = x * 1.0
    v = a[1:]
    for i in range(a.shape[0]):
        a[i] = a[i] ** 2
    return np.sum(v * x[1:])


def loop_rows_are_views(x):
    m = x.reshape(2, 3) * 1.0
    for row in m:
        row *= row[0]
    return np.sum(m**2)


def full_slice_is_view(x):
    a = np.zeros(x.shape[0])
    v = a[:]
    for i in range(x.shape[0]):
        v[i] = x[i] * 3.0 + a[i - 1]
    return np.sum(a**2)


def fancy_index_is_copy(x):
    a = x * 1.0
    c = a[[0, 1, 2]]
    for i in range(3):
        c[i] = c[i] * x[i]
    return np.sum(a**2) + np.sum(c)


def alias_on_one_branch(x):
    a = x * 1.0
    if x[0] > 0.0:
        b = a
    else:
        b = a.copy()
    for i in range(x.shape[0]):
        b[i] = b[i] * x[i]
    return np.sum(a**2) + np.sum(b)


def rebind_alias_after_update(x):
    a = np.zeros(x.shape[0])
    b = a
    for i in range(x.shape[0]):
        b[i] = x[i] ** 2
        b = b * 1.0
    return np.sum(a) + np.sum(b)


def scalar_iadd_not_alias(x):
    a = x * 1.0
    s = a[0]
    for i in range(3):
        s += x[i] ** 2
    return np.sum(a**2) + s


def matrix_row_alias(x):
    m = np.zeros((3, 3))
    r = m[1]
    for i in range(3):
        r[i] = x[i] ** 2
    return np.sum(m * m)


def alias_outer_inner_loop(x):
    a = x * 1.0
    for outer in range(2):
        b = a
        for i in range(x.shape[0]):
            b[i] = np.cos(a[i - 1]) + x[i]
    return np.sum(a**2) + np.sum(b)


def code_after_loop_reads_both(x):
    a = np.zeros(x.shape[0])
    b = a
    for i in range(x.shape[0]):
        b[i] = x[i] ** 3
    a[0] = a[0] + b[1]
    b[1] = b[1] * a[0]
    return np.sum(a * b) + np.sum(a) * np.sum(b)


def scalar_input_buffer(x):
    a = np.zeros(4)
    b = a
    for i in range(4):
        if i == 0:
            b[i] = x
        else:
            b[i] = a[i - 1] * x + np.sin(b[i - 1])
    return np.sum(a**2)


def asarray_alias(x):
    a = x * 1.0
    b = np.asarray(a)
    for i in range(x.shape[0]):
        b[i] = b[i] ** 2
    return np.sum(a * x)


def ellipsis_view(x):
    a = np.zeros(x.shape[0])
    v = a[...]
    for i in range(x.shape[0]):
        v[i] = x[i] * 2.0
    return np.sum(a**2)


def swap_aliases_in_while(x):
    a = x * 1.0
    b = np.zeros_like(x)
    k = 0
    while k < 3:
        b[:] = a * 0.5 + x**2 * 0.1
        a, b = b, a
        k += 1
    return np.sum(a**2) + np.sum(b)


def trajectory_list_same_array(x):
    # the list holds the same array three times; the in-place update changes every entry
    state = x * 1.0
    traj = []
    for t in range(3):
        traj.append(state)
        state[0] = state[0] * 0.5 + x[1] ** 2
    return np.sum(np.stack(traj) ** 2)


def trajectory_list_copies(x):
    state = x * 1.0
    traj = []
    for t in range(3):
        traj.append(state.copy())
        state[0] = state[0] * 0.5 + x[1] ** 2
    return np.sum(np.stack(traj) ** 2)


def dict_entry_then_update(x):
    state = x * 1.0
    snapshots = {}
    for t in range(2):
        snapshots[t] = state
        state[t] = np.sin(state[t]) * x[2]
    return np.sum(snapshots[0] * x) + np.sum(snapshots[1] ** 2)


def alias_from_list_item(x):
    a = np.zeros(3)
    holder = [a]
    b = holder[0]
    for i in range(3):
        b[i] = x[i] ** 2 + a[i - 1]
    return np.sum(a * x)


def alias_from_dict_value(x):
    a = np.zeros(3)
    d = {"k": a}
    b = d["k"]
    for i in range(3):
        b[i] = x[i] * 2.0 + a[i - 1] ** 2
    return np.sum(a**2)


def loop_over_list_of_arrays(x):
    a = x * 1.0
    c = x * 2.0
    for arr in [a, c]:
        arr[0] = arr[1] * x[2]
    return np.sum(a**2) + np.sum(c * x)


def chained_assignment_alias(x):
    a = b = np.zeros(3)
    for i in range(3):
        a[i] = x[i] ** 2 + b[i - 1]
    return np.sum(b * x)


def conditional_expression_alias(x):
    a = np.zeros(3)
    c = np.zeros(3)
    b = a if x[0] > 0.0 else c
    for i in range(3):
        b[i] = x[i] ** 2
    return np.sum(a * x) + np.sum(c)


def nested_def_updates_alias(x):
    buf = np.zeros(3)
    view = buf

    def put(i, val):
        buf[i] = val

    for i in range(3):
        put(i, x[i] ** 2 + view[i - 1])
    return np.sum(view * x)


def rebind_base_then_update_alias(x):
    a = x * 1.0
    b = a
    a = a * 2.0
    for i in range(3):
        b[i] = b[i] ** 2
    return np.sum(a) + np.sum(b * x)


def alias_starts_mid_loop(x):
    a = np.zeros(3)
    b = np.ones(3)
    for i in range(3):
        if i == 1:
            b = a
        b[i] = x[i] * 3.0 + b[i - 1]
    return np.sum(a**2) + np.sum(b)


def swap_with_outside_alias(x):
    a = x * 1.0
    b = x * 2.0
    keep = a
    for i in range(3):
        a[i] = a[i] + b[i] ** 2
        a, b = b, a
    return np.sum(keep**2) + np.sum(a * x)


def iterate_array_while_updating(x):
    a = x * 1.0
    out = 0.0
    for i, v in enumerate(a):
        if i + 1 < a.shape[0]:
            a[i + 1] = a[i + 1] + v * x[i]
        out = out + v**2
    return out


def base_updated_row_view_read(x):
    m = np.zeros((2, 3))
    row = m[0]
    for i in range(3):
        m[0, i] = x[i] ** 2
    return np.sum(row * x)


def row_view_read_inside_loop(x):
    m = np.zeros((3, 3))
    m[0] = x
    for i in range(1, 3):
        r = m[i - 1]
        m[i - 1, 0] = x[i] ** 2
        m[i] = r * 2.0
    return np.sum(m**2)


def flip_view_read(x):
    a = x * 1.0
    f = a[::-1]
    for i in range(a.shape[0]):
        a[i] = a[i] * x[0]
    return np.sum(f * x)


def diagonal_view_read(x):
    m = np.outer(x, x)
    d = m.diagonal()
    for i in range(x.shape[0]):
        m[i, i] = np.sin(x[i])
    return np.sum(d**2) + np.sum(m)


def transpose_view_read(x):
    m = x.reshape(2, 2) * 1.0
    t = m.T
    for i in range(2):
        m[i, 1 - i] = m[i, i] * x[i]
    return np.sum(t * x.reshape(2, 2))


def column_view_update(x):
    m = np.zeros((3, 2))
    col = m[:, 0]
    for i in range(3):
        col[i] = x[i] ** 2
    return np.sum(m**2)


def matrix_row_scalar_iadd(x):
    m = np.zeros((2, 3))
    s = m[0]
    s += x
    return np.sum(m**2)


def astype_is_copy(x):
    a = x * 1.0
    b = a.astype(float)
    for i in range(x.shape[0]):
        b[i] = b[i] ** 2
    return np.sum(a * x) + np.sum(b)


def atleast_1d_same_array(x):
    a = x * 1.0
    b = np.atleast_1d(a)
    for i in range(x.shape[0]):
        b[i] = b[i] * x[i]
    return np.sum(a**2)


def helper_returns_view(x):
    a = x * 1.0
    t = tail_view(a)
    for i in range(t.shape[0]):
        t[i] = t[i] * x[0]
    return np.sum(a**2)


def helper_returns_pair(x):
    a = x * 1.0
    b, c = same_twice(a)
    b[0] = c[1] * x[2]
    return np.sum(a**2) + np.sum(c)


def fancy_iadd_repeated_index(x):
    counts = np.zeros(3)
    h = counts
    idx = np.array([0, 1, 0, 2, 0])
    h[idx] += x**2
    return np.sum(counts * x[:3])


def fancy_assign_repeated_index(x):
    a = np.zeros(3)
    b = a
    idx = [1, 1, 2]
    b[idx] = x[:3] ** 2
    return np.sum(a * np.arange(1.0, 4.0))


def mask_update_alias_loop(x):
    a = x * 1.0
    b = a
    for it in range(2):
        b[a > 0.5] *= 0.5 + x[0] ** 2
    return np.sum(a**2)


def while_condition_reads_alias(x):
    a = np.zeros(5)
    b = a
    a[0] = x[0]
    k = 0
    while b[k] < 2.0 and k < 4:
        a[k + 1] = b[k] * (1.0 + x[1] ** 2) + 0.3
        k += 1
    return np.sum(a**2) + k


def default_buffer_argument(x, buf=np.zeros(3)):
    for i in range(3):
        buf[i] = x[i] ** 2
    return np.sum(buf * x)


def copy_inside_loop_each_iteration(x):
    a = x * 1.0
    for it in range(3):
        b = a.copy()
        for i in range(1, a.shape[0]):
            b[i] = 0.5 * (a[i] + a[i - 1]) * x[i]
        a = b
    return np.sum(a**2)


def nested_alias_both_loops(x):
    g = np.zeros((3, 3))
    h = g
    for i in range(3):
        row_total = 0.0
        for j in range(3):
            h[i, j] = x[j] * (i + 1) + g[i - 1, j] * 0.5
            row_total = row_total + g[i, j]
        if row_total > 50.0:
            break
    return np.sum(g**2)


def zero_trip_while_alias_read_after(x):
    a = x * 1.0
    b = a
    k = 10
    while k < 3:
        b[k] = 0.0
        k += 1
    b[0] = b[0] * x[1]
    return np.sum(a**2)


def for_over_array_while_updating(x):
    a = x * 1.0
    total = 0.0
    k = 0
    for v in a:
        a[(k + 1) % a.shape[0]] = v * x[k] + 0.1
        total = total + v * v
        k += 1
    return total + np.sum(a)


def rows_of_matrix_while_updating(x):
    m = np.zeros((3, 2))
    m[0] = x[:2]
    out = 0.0
    for i, row in enumerate(m):
        if i + 1 < 3:
            m[i + 1] = row * x[2] + 0.5
        out = out + np.sum(row**2)
    return out


def zip_over_array_while_updating(x):
    a = x * 1.0
    w = x * 0.5
    s = 0.0
    for i, (u, v) in enumerate(zip(a, w)):
        if i + 1 < a.shape[0]:
            a[i + 1] = a[i + 1] * u
        s = s + u * v
    return s


def dict_value_alias_no_loop(x):
    a = x * 1.0
    d = {"w": a}
    b = d["w"]
    b[0] = x[1] ** 2
    return np.sum(a**2)


def dict_built_in_loop(x):
    a = x * 1.0
    d = {}
    for i in range(2):
        d["cur"] = a
        a[i] = a[i] * x[2]
    return np.sum(d["cur"] ** 2)


def dict_shallow_copy_alias(x):
    a = x * 1.0
    d = {"w": a}
    e = d.copy()
    b = e["w"]
    for i in range(2):
        b[i] = b[i] * x[2] + 1.0
    return np.sum(d["w"] ** 2)


def dict_items_loop_update(x):
    params = {"p": x * 1.0, "q": x * 2.0}
    keep = params["p"]
    for key, arr in params.items():
        arr[0] = arr[1] * x[2]
    return np.sum(keep**2) + np.sum(params["q"])


def tuple_item_alias(x):
    a = x * 1.0
    pair = (a, x * 2.0)
    b = pair[0]
    for i in range(2):
        b[i] = b[i] ** 2
    return np.sum(a * x)


def namedtuple_field_alias(x):
    a = np.zeros(3)
    h = Holder(a, 2.0)
    b = h.buf
    for i in range(3):
        b[i] = x[i] * h.scale + a[i - 1]
    return np.sum(a**2)


def passive_argument_alias(x, w):
    v = w
    for i in range(3):
        v[i] = x[i] ** 2
    return np.sum(w * x)


def structured_argument_alias(x, bufs):
    b = bufs[0]
    for i in range(3):
        b[i] = x[i] ** 2
    return np.sum(bufs[0] * x)


def global_array_alias(x):
    b = WORK
    for i in range(3):
        b[i] = x[i] ** 2
    return np.sum(WORK * x)


def closure_array_alias(x):
    store = np.zeros(3)

    def fill():
        out = store
        for i in range(3):
            out[i] = x[i] ** 2
        return out

    r = fill()
    return np.sum(store * x) + np.sum(r)


def view_of_view_update(x):
    a = x * 1.0
    v = a[1:]
    w = v[1:]
    for i in range(w.shape[0]):
        w[i] = w[i] * x[0]
    return np.sum(a**2)


def overlapping_self_iadd(x):
    a = x * 1.0
    b = a
    for it in range(2):
        b[1:] += a[:-1] * x[1:]
    return np.sum(a**2)


def shift_ring_buffer(x):
    buf = np.zeros(3)
    hist = buf
    for t in range(x.shape[0]):
        buf[1:] = buf[:-1]
        buf[0] = x[t] + 0.5 * hist[2]
    return np.sum(hist**2)


def ravel_function_view(x):
    m = x.reshape(2, 2) * 1.0
    r = np.ravel(m)
    for i in range(4):
        r[i] = r[i] * x[i]
    return np.sum(m**2)


def flatten_is_copy(x):
    m = x.reshape(2, 2) * 1.0
    r = m.flatten()
    for i in range(4):
        r[i] = r[i] * x[i]
    return np.sum(m**2) + np.sum(r)


def loop_row_element_assign(x):
    m = x.reshape(2, 3) * 1.0
    for i, row in enumerate(m):
        row[0] = row[1] * x[i] + row[2]
    return np.sum(m**2)


def first_item_rank_dependent(x):
    a = x * 1.0
    s = a[0]
    s += 1.0
    return np.sum(a**2) + np.sum(s)


def dataclass_field_alias(x):
    ws = Workspace(np.zeros(4), 0.5)
    g = ws.grid
    for i in range(4):
        g[i] = x[i] ** 2 + ws.alpha * ws.grid[i - 1]
    return np.sum(ws.grid**2)


def state_dict_simulation(x):
    state = {"pos": np.zeros(4), "vel": np.zeros(4)}
    pos = state["pos"]
    vel = state["vel"]
    p = x[0]
    v = x[1]
    for t in range(4):
        v = v - 0.2 * np.sin(p)
        p = p + 0.2 * v
        pos[t] = p
        vel[t] = v
    return np.sum(state["pos"] ** 2) + np.sum(state["vel"])


ARGS_VEC6 = (np.array([0.3, -0.7, 1.1, 0.4, -0.2, 0.9]),)
ARGS_VEC5 = (np.array([0.3, -0.7, 1.1, 0.4, 0.5]),)
ARGS_VEC4 = (np.array([0.5, 0.8, 1.2, 0.3]),)
ARGS_VEC3 = (np.array([0.6, -0.4, 0.9]),)

PROGRAMS = {
    "brief_example": (brief_example, (0.7,)),
    "running_sum_prealloc": (running_sum_prealloc, ARGS_VEC5),
    "cumulative_product_alias": (cumulative_product_alias, ARGS_VEC4),
    "ping_pong_jacobi": (ping_pong_jacobi, ARGS_VEC6),
    "ping_pong_same_buffer": (ping_pong_same_buffer, ARGS_VEC5),
    "gauss_seidel": (gauss_seidel, ARGS_VEC5),
    "gauss_seidel_alias_read": (gauss_seidel_alias_read, ARGS_VEC4),
    "swap_each_iteration": (swap_each_iteration, ARGS_VEC4),
    "iadd_alias": (iadd_alias, ARGS_VEC4),
    "iadd_alias_in_loop": (iadd_alias_in_loop, ARGS_VEC4),
    "imul_alias_loop": (imul_alias_loop, ARGS_VEC3),
    "alias_made_in_loop": (alias_made_in_loop, ARGS_VEC4),
    "tuple_unpack_alias": (tuple_unpack_alias, ARGS_VEC4),
    "list_holds_same_array": (list_holds_same_array, ARGS_VEC3),
    "dict_holds_array": (dict_holds_array, ARGS_VEC3),
    "copy_breaks_alias": (copy_breaks_alias, ARGS_VEC4),
    "np_copy_breaks_alias": (np_copy_breaks_alias, ARGS_VEC4),
    "zero_iteration_loop": (zero_iteration_loop, ARGS_VEC3),
    "while_alias": (while_alias, ARGS_VEC4),
    "while_break_else": (while_break_else, ARGS_VEC5),
    "while_no_break_else": (while_break_else, (np.array([0.1, 0.2, -0.3, 0.1]),)),
    "for_break_alias": (for_break_alias, ARGS_VEC5),
    "for_continue_alias": (for_continue_alias, ARGS_VEC5),
    "for_else_alias": (for_else_alias, ARGS_VEC4),
    "nested_loops_alias": (nested_loops_alias, ARGS_VEC6),
    "ring_buffer": (ring_buffer, ARGS_VEC4),
    "histogram_accumulate": (histogram_accumulate, ARGS_VEC5),
    "simulation_history": (simulation_history, (np.array([0.4, -0.3]),)),
    "local_copy_of_argument": (local_copy_of_argument, ARGS_VEC4),
    "mutate_argument_via_alias": (mutate_argument_via_alias, ARGS_VEC3),
    "helper_updates_argument": (helper_updates_argument, ARGS_VEC3),
    "helper_sets_element": (helper_sets_element, ARGS_VEC3),
    "helper_returns_alias": (helper_returns_alias, ARGS_VEC4),
    "helper_builds_new_array": (helper_builds_new_array, ARGS_VEC5),
    "view_slice_update_base_read": (view_slice_update_base_read, ARGS_VEC4),
    "view_strided_update": (view_strided_update, ARGS_VEC5),
    "view_transpose_update": (view_transpose_update, ARGS_VEC6),
    "view_reshape_update": (view_reshape_update, ARGS_VEC6),
    "normalise_through_view": (normalise_through_view, ARGS_VEC4),
    "base_updated_view_read": (base_updated_view_read, ARGS_VEC4),
    "loop_rows_are_views": (loop_rows_are_views, ARGS_VEC6),
    "full_slice_is_view": (full_slice_is_view, ARGS_VEC4),
    "fancy_index_is_copy": (fancy_index_is_copy, ARGS_VEC4),
    "alias_on_one_branch": (alias_on_one_branch, ARGS_VEC4),
    "alias_on_other_branch": (alias_on_one_branch, (-ARGS_VEC4[0],)),
    "rebind_alias_after_update": (rebind_alias_after_update, ARGS_VEC3),
    "scalar_iadd_not_alias": (scalar_iadd_not_alias, ARGS_VEC4),
    "matrix_row_alias": (matrix_row_alias, ARGS_VEC3),
    "alias_outer_inner_loop": (alias_outer_inner_loop, ARGS_VEC4),
    "code_after_loop_reads_both": (code_after_loop_reads_both, ARGS_VEC4),
    "scalar_input_buffer": (scalar_input_buffer, (0.6,)),
    "asarray_alias": (asarray_alias, ARGS_VEC4),
    "ellipsis_view": (ellipsis_view, ARGS_VEC4),
    "swap_aliases_in_while": (swap_aliases_in_while, ARGS_VEC4),
    "trajectory_list_same_array": (trajectory_list_same_array, ARGS_VEC4),
    "trajectory_list_copies": (trajectory_list_copies, ARGS_VEC4),
    "dict_entry_then_update": (dict_entry_then_update, ARGS_VEC4),
    "alias_from_list_item": (alias_from_list_item, ARGS_VEC3),
    "alias_from_dict_value": (alias_from_dict_value, ARGS_VEC3),
    "loop_over_list_of_arrays": (loop_over_list_of_arrays, ARGS_VEC4),
    "chained_assignment_alias": (chained_assignment_alias, ARGS_VEC3),
    "conditional_expression_alias": (conditional_expression_alias, ARGS_VEC3),
    "nested_def_updates_alias": (nested_def_updates_alias, ARGS_VEC3),
    "rebind_base_then_update_alias": (rebind_base_then_update_alias, ARGS_VEC4),
    "alias_starts_mid_loop": (alias_starts_mid_loop, ARGS_VEC3),
    "swap_with_outside_alias": (swap_with_outside_alias, ARGS_VEC4),
    "iterate_array_while_updating": (iterate_array_while_updating, ARGS_VEC4),
    "base_updated_row_view_read": (base_updated_row_view_read, ARGS_VEC3),
    "row_view_read_inside_loop": (row_view_read_inside_loop, ARGS_VEC3),
    "flip_view_read": (flip_view_read, ARGS_VEC4),
    "diagonal_view_read": (diagonal_view_read, ARGS_VEC3),
    "transpose_view_read": (transpose_view_read, ARGS_VEC4),
    "column_view_update": (column_view_update, ARGS_VEC3),
    "matrix_row_scalar_iadd": (matrix_row_scalar_iadd, ARGS_VEC3),
    "astype_is_copy": (astype_is_copy, ARGS_VEC4),
    "atleast_1d_same_array": (atleast_1d_same_array, ARGS_VEC4),
    "helper_returns_view": (helper_returns_view, ARGS_VEC4),
    "helper_returns_pair": (helper_returns_pair, ARGS_VEC4),
    "fancy_iadd_repeated_index": (fancy_iadd_repeated_index, ARGS_VEC5),
    "fancy_assign_repeated_index": (fancy_assign_repeated_index, ARGS_VEC3),
    "mask_update_alias_loop": (mask_update_alias_loop, (np.array([0.3, 0.7, 1.1, 0.4, 0.6]),)),
    "while_condition_reads_alias": (while_condition_reads_alias, (np.array([0.5, 0.6]),)),
    "default_buffer_argument": (default_buffer_argument, ARGS_VEC3),
    "copy_inside_loop_each_iteration": (copy_inside_loop_each_iteration, ARGS_VEC4),
    "nested_alias_both_loops": (nested_alias_both_loops, ARGS_VEC3),
    "zero_trip_while_alias_read_after": (zero_trip_while_alias_read_after, ARGS_VEC3),
    "for_over_array_while_updating": (for_over_array_while_updating, ARGS_VEC4),
    "rows_of_matrix_while_updating": (rows_of_matrix_while_updating, ARGS_VEC3),
    "zip_over_array_while_updating": (zip_over_array_while_updating, ARGS_VEC4),
    "dict_value_alias_no_loop": (dict_value_alias_no_loop, ARGS_VEC3),
    "dict_built_in_loop": (dict_built_in_loop, ARGS_VEC3),
    "dict_shallow_copy_alias": (dict_shallow_copy_alias, ARGS_VEC3),
    "dict_items_loop_update": (dict_items_loop_update, ARGS_VEC3),
    "tuple_item_alias": (tuple_item_alias, ARGS_VEC3),
    "namedtuple_field_alias": (namedtuple_field_alias, ARGS_VEC3),
    "passive_argument_alias": (passive_argument_alias, (ARGS_VEC3[0], np.zeros(3))),
    "structured_argument_alias": (structured_argument_alias, (ARGS_VEC3[0], (np.zeros(3),))),
    "global_array_alias": (global_array_alias, ARGS_VEC3),
    "closure_array_alias": (closure_array_alias, ARGS_VEC3),
    "view_of_view_update": (view_of_view_update, ARGS_VEC4),
    "overlapping_self_iadd": (overlapping_self_iadd, ARGS_VEC4),
    "shift_ring_buffer": (shift_ring_buffer, ARGS_VEC5),
    "ravel_function_view": (ravel_function_view, ARGS_VEC4),
    "flatten_is_copy": (flatten_is_copy, ARGS_VEC4),
    "loop_row_element_assign": (loop_row_element_assign, ARGS_VEC6),
    "first_item_rank_dependent_1d": (first_item_rank_dependent, ARGS_VEC3),
    "first_item_rank_dependent_2d": (first_item_rank_dependent, (ARGS_VEC4[0].reshape(2, 2),)),
    "dataclass_field_alias": (dataclass_field_alias, ARGS_VEC4),
    "state_dict_simulation": (state_dict_simulation, (np.array([0.4, -0.3]),)),
}

HELPERS = (scale_in_place, set_first, identity, relax_step, tail_view, same_twice)


# ---------------------------------------------------------------------------------------------
# checking machinery
# ---------------------------------------------------------------------------------------------

REFUSED = object()
H = 1e-6
RTOL_FD = 1e-6
RTOL_MODES = 1e-10


def _copy_args(args):
    return copy.deepcopy(tuple(args))


def _line_ranges(fn):
    lines, start = inspect.getsourcelines(fn)
    return range(start, start + len(lines))


def _assert_located_refusal(name, err):
    fn = PROGRAMS[name][0]
    msg = str(err)
    assert THIS_FILE in msg, f"refusal does not name the user's file: {msg!r}"
    allowed = set(_line_ranges(fn))
    for helper in HELPERS:
        allowed |= set(_line_ranges(helper))
    numbers = {int(n) for n in re.findall(r"\d+", msg)}
    assert numbers & allowed, f"refusal names no line of the program: {msg!r}"


def _attempt(name, thunk):
    try:
        return thunk()
    except ad.S2SError as err:
        _assert_located_refusal(name, err)
        return REFUSED


def _fresh(name):
    fn, args = PROGRAMS[name]
    WORK[:] = 0.0  # global_array_alias's plain call writes into this module's array
    return fn, _copy_args(args)


def _plain(fn, args):
    return fn(*_copy_args(args))


def _central_grad(fn, args):
    x = args[0]
    if np.ndim(x) == 0:
        return (_plain(fn, (x + H, *args[1:])) - _plain(fn, (x - H, *args[1:]))) / (2 * H)
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[k] += H
        xm[k] -= H
        g[k] = (_plain(fn, (xp, *args[1:])) - _plain(fn, (xm, *args[1:]))) / (2 * H)
    return g


def _close(actual, expected, rtol, what):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=what)


def _direction(x):
    rng = np.random.default_rng(1234)
    if np.ndim(x) == 0:
        return 0.8
    return rng.standard_normal(np.shape(x))


# ---------------------------------------------------------------------------------------------
# expected failures (each documents a bug found)
# ---------------------------------------------------------------------------------------------

# program: (what goes wrong, s2s_ad's value, the plain call's, s2s_ad's gradient, central
# differences). Every one is a silent wrong number in every API: the derivative code computes
# another function than the plain call does.
SILENT_WRONG: dict[str, tuple[str, str, str, str, str]] = {
    # all twelve found (dict values and records updated through another name, loops over an
    # array that updates it, an alias of a module global) are now refused with a located
    # error, which the checks count as a pass
}

XFAIL = {}
for _name, (_what, _val, _plain_value, _g, _fd) in SILENT_WRONG.items():
    _grad_msg = f"grad {_g} vs central differences {_fd}"
    XFAIL["grad", _name] = f"silent wrong gradient: {_what}; {_grad_msg}"
    XFAIL["value_and_grad", _name] = (
        f"silent wrong value: {_what}; value {_val} vs plain {_plain_value}"
    )
    XFAIL["forward_vs_reverse", _name] = (
        f"silent wrong value: {_what}; jvp's value {_val} vs plain call {_plain_value}"
    )
    XFAIL["hessian", _name] = (
        f"the gradient under the Hessian is already wrong: {_what}; {_grad_msg}"
    )


def _params(check):
    out = []
    for name in PROGRAMS:
        reason = XFAIL.get((check, name))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("grad"))
def test_grad_matches_central_differences(name):
    fn, args = _fresh(name)
    before = _copy_args(args)
    g = _attempt(name, lambda: ad.grad(fn)(*args))
    if g is REFUSED:
        return
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b, err_msg="grad modified the caller's argument")
    _close(g, _central_grad(fn, before), RTOL_FD, "grad vs central differences")


@pytest.mark.parametrize("name", _params("value_and_grad"))
def test_value_and_grad(name):
    fn, args = _fresh(name)
    out = _attempt(name, lambda: ad.value_and_grad(fn)(*args))
    if out is REFUSED:
        return
    value, g = out
    assert value == _plain(fn, args), f"value {value!r} != plain call {_plain(fn, args)!r}"
    _close(g, _central_grad(fn, args), RTOL_FD, "value_and_grad's gradient")


@pytest.mark.parametrize("name", _params("forward_vs_reverse"))
def test_forward_matches_reverse(name):
    fn, args = _fresh(name)
    v = _direction(args[0])
    fwd = _attempt(name, lambda: ad.jvp(fn, _copy_args(args), (v, *[None] * (len(args) - 1))))
    rev = _attempt(name, lambda: ad.vjp(fn, *_copy_args(args)))
    if fwd is REFUSED or rev is REFUSED:
        return
    value_f, tangent = fwd
    value_r, pullback = rev
    plain = _plain(fn, args)
    assert value_f == plain, f"jvp value {value_f!r} != plain call {plain!r}"
    assert value_r == plain, f"vjp value {value_r!r} != plain call {plain!r}"
    g = pullback(1.0)[0]
    _close(tangent, np.sum(np.asarray(g) * v), RTOL_MODES, "jvp vs <vjp, v>")
    # forward against central differences along v as well
    fd = (_plain(fn, (args[0] + H * v, *args[1:])) - _plain(fn, (args[0] - H * v, *args[1:]))) / (
        2 * H
    )
    _close(tangent, fd, RTOL_FD, "jvp vs central differences")


@pytest.mark.parametrize("name", _params("hessian"))
def test_hessian_matches_differences_of_gradient(name):
    fn, args = _fresh(name)
    g = _attempt(name, lambda: ad.grad(fn)(*_copy_args(args)))
    if g is REFUSED:
        return
    _close(g, _central_grad(fn, args), RTOL_FD, "grad vs central differences (before hessian)")
    hess = _attempt(name, lambda: ad.hessian(fn)(*_copy_args(args)))
    if hess is REFUSED:
        return
    x = args[0]
    grad_fn = ad.grad(fn)
    if np.ndim(x) == 0:
        expected = (grad_fn(x + H, *args[1:]) - grad_fn(x - H, *args[1:])) / (2 * H)
    else:
        cols = []
        for k in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[k] += H
            xm[k] -= H
            cols.append((grad_fn(xp, *args[1:]) - grad_fn(xm, *args[1:])) / (2 * H))
        expected = np.stack(cols, axis=-1).reshape(x.shape + x.shape)
    # the gradient itself is checked above; this checks the Hessian against it
    _close(hess, expected, RTOL_FD, "hessian vs central differences of grad")
    _close(hess, np.swapaxes(hess, 0, -1) if np.ndim(x) == 1 else hess, 1e-9, "symmetry")
