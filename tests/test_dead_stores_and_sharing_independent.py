# ruff: noqa: B002, B007, B905, RUF005, SIM108
# (the programs are written the way users write them: unused loop counters, negations of
# negations and if/else blocks on purpose)
"""Independent tests of the simplification of generated derivative code (issue 19 follow-up):
dead stores, sharing of repeated expressions across blocks, and folding of negations and
literal factors. Written from the README only, without reading s2s_ad's code or tests.

Each program is a function a user might write; each case checks one API on it against
central differences, the other mode, or the plain call (values bit for bit, prints and
side effects on globals equal, no spurious warnings)."""

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad

# ----------------------------------------------------------------------------- globals
LOG = []
SEEN = []
SCALE = 1.5


def note(v):
    """A helper kept for its side effect: appends to a module list, returns a value."""
    LOG.append(float(np.sum(v)))
    return v * 0.0


def shout(v):
    print("shout", float(np.sum(v)))
    return 1.0


def record(v):
    SEEN.append(round(float(np.sum(v)), 12))


def smooth(u):
    return np.tanh(u) * 0.5 + u * u


# ============================================================================ dead stores
def ds_reassign_chain(x):
    y = x * 2.0
    y = y * 2.0
    y = np.sin(y)
    y = y + x * 0.5
    return y * y


def ds_reassign_arrays(w):
    y = w * 3.0
    y = y * 2
    y = smooth(y)
    y = np.sum(y)
    y = y / len(w)
    return y


def ds_overwritten_literal(x):
    x_bar = 3.0  # a user variable named like generated ones
    t = x * x
    x_bar = 3.0 + t
    return x_bar * x


def ds_acc_overwrite(x):
    acc = 0.0
    acc = x * 1.0
    acc = acc + np.exp(-x)
    acc = acc * acc
    return acc


def ds_element_writes(x):
    a = np.zeros(3)
    a[0] = x[0]
    a[0] = a[0] * 2.0
    a[1] = x[1] * x[2]
    a[1] = a[1] + a[0]
    a[2] = 7.0
    a[2] = np.sin(x[2])
    return np.sum(a * a)


def ds_alias_element_write(x):
    a = x * 1.0
    b = a
    b[0] = b[0] * 3.0
    s = np.sum(a * a)
    b[1] = 0.5
    return s + np.sum(a)


def ds_alias_rebind(x):
    a = x * 2.0
    b = a
    a = a * 3.0
    b[0] = b[0] + 1.0
    return np.sum(a) + np.sum(b * b)


def ds_inplace_add(x):
    a = x * 1.0
    a += x * x
    a *= 2.0
    a -= np.cos(x)
    return np.sum(a)


def ds_inplace_scalar(x):
    t = x * 1.0
    t += 2.0
    t *= x
    t -= x / 3.0
    t /= 1.0 + x * x
    return t


def ds_view_read(x):
    a = x * 2.0
    v = a[1:]
    s = np.sum(v * v)
    a = a * 0.5
    return s + np.sum(a)


def ds_branch_read(x):
    y = x * 2.0
    if x > 1.0:
        z = y * y
    else:
        y = x * 3.0
        z = y
    return z + y


def ds_branch_both_assign(x):
    y = np.sin(x)
    if x > 0.0:
        y = y * 2.0
    else:
        y = np.cos(x)
    y = y + x
    return y * y


def ds_mid_return(x):
    y = x * 2.0
    if x > 1.0:
        return y * y
    y = x * 3.0
    return y + 1.0


def ds_mid_return_loop(x):
    y = x * 1.0
    for i in range(6):
        y = np.sin(y) + x
        if i == 3 and y > 0.5:
            return y * 10.0
        y = y * 1.1
    return y


def ds_break_continue(x):
    acc = 0.0
    t = x * 0.0
    for i in range(8):
        t = x * i
        if i % 2 == 1:
            continue
        if i == 6:
            break
        acc = acc + t * t
        t = acc * 0.5
    return acc + t


def ds_for_else(x):
    last = x
    for i in range(4):
        last = last * 1.2 + x
        if last > 100.0:
            break
    else:
        last = last * 2.0
    return last


def ds_closure_reads_later(x):
    y = x * 2.0

    def h():
        return y * y

    r = h()
    y = x * 5.0
    return r + h()


def ds_lambda_reads_later(x):
    y = x * 2.0
    h = lambda: y * 3.0  # noqa: E731
    y = x * 5.0
    return h()


def ds_nested_def_appends(x):
    out = []

    def add(v):
        out.append(v * v)

    add(x)
    t = x * 2.0
    add(t)
    t = x * 3.0
    return sum(out) + t


def ds_print_kept(x):
    v = x * 2.0
    print("v is", v)
    v = x * 3.0
    print("now", v)
    return v * x


def ds_helper_effect(x):
    v = note(x)
    v = x * 2.0
    return v * v


def ds_helper_effect_loop(x):
    y = x
    for i in range(3):
        d = note(y)
        d = y * 0.5
        y = y + d
    return y


def ds_statement_effect(x):
    record(x)
    y = x * x
    record(y)
    y = np.sin(y)
    return y


def ds_print_helper_value(x):
    f = shout(x)
    f = 2.0
    return x * f


def ds_tape_loop(x, n):
    y = x
    for i in range(n):
        z = np.sin(y)
        z = z * 1.5
        y = z + 0.1 * y
    return y


def ds_while(x):
    y = x
    k = 0
    while y < 10.0:
        t = y * 1.3
        t = t + x
        y = t
        k = k + 1
    return y + k


def ds_while_break(x):
    y = x
    steps = 0
    while True:
        y = y * 1.5 + np.sin(y)
        steps += 1
        if steps >= 5 or y > 50.0:
            break
    return y


def ds_checkpoint(x):
    y = x
    for t in ad.checkpoint(range(9), every=3):
        v = np.tanh(y)
        v = v * 0.9
        y = v + 0.05 * t
    return y


def ds_checkpoint_arrays(w):
    h = w * 1.0
    for t in ad.checkpoint(range(6)):
        g = np.sin(h)
        g = g * 0.8 + h * 0.1
        h = g
    return np.sum(h * h)


def ds_list_comprehension(x):
    ys = [x * i for i in range(4)]
    ys = [np.sin(y) for y in ys]
    total = sum(ys)
    total = total * total
    return total


def ds_dict_in_place(x):
    d = {}
    d["a"] = x * 2.0
    d["a"] = d["a"] * 3.0
    d["b"] = d["a"] + x
    e = d
    e["c"] = e["b"] * 0.5
    return d["a"] * d["b"] + d["c"]


def ds_dict_loop(x):
    d = {"s": 0.0}
    for i in range(4):
        d["s"] = d["s"] + x * i
        d["last"] = d["s"]
    return d["s"] * d["last"]


def ds_type_reuse(x):
    y = [x, x * 2.0, x * x]
    y = np.array(y)
    y = np.sum(y * y)
    y = float(y)
    y = y * 2.0
    return y


def ds_type_reuse_tuple(x):
    y = (x, x * 3.0)
    a, b = y
    y = a * b
    y = (y, y + 1.0)
    return y[0] + y[1]


def ds_list_inplace_alias(x):
    xs = [x]
    ys = xs
    ys.append(x * 2.0)
    xs.append(x * 3.0)
    xs = [x * 0.0]
    return sum(ys) + xs[0]


def ds_list_element_write(x):
    xs = [x, x * 2.0, 0.0]
    xs[2] = xs[0] * xs[1]
    xs[2] = xs[2] + 1.0
    xs[0] = 5.0
    return xs[0] * xs[2] + xs[1]


def ds_nested_loops(w):
    s = 0.0
    for i in range(2):
        row = w * (i + 1)
        for j in range(3):
            row = np.cos(row) * 0.5 + row
        s = s + np.sum(row)
        row = w * 0.0
    return s + np.sum(row)


def ds_physics_step(q):
    p = q * 0.0
    dt = 0.1
    for _ in range(5):
        f = -np.sin(q)
        p = p + 0.5 * dt * f
        q = q + dt * p
        f = -np.sin(q)
        p = p + 0.5 * dt * f
    return np.sum(p * p) * 0.5 - np.sum(np.cos(q))


def ds_recurrence(x):
    a = x
    b = x * 0.5
    for _ in range(6):
        c = a + b
        a = b
        b = c * 0.5
    return a * b


def ds_loop_name_after(x):
    v = x
    for i in range(3):
        v = x * (i + 1.0)
        w = v * v
    v = v + w
    return v


def ds_empty_loop_keeps(x, n):
    v = x * 2.0
    for i in range(n):
        v = x * 3.0
    return v * v


def ds_loss(w, xdata, ydata):
    pred = xdata @ w
    err = pred - ydata
    loss = np.mean(err * err)
    loss = loss + 0.01 * np.sum(w * w)
    reg = np.sum(np.abs(w))
    loss = loss + 0.001 * reg
    return loss


# ============================================================================ sharing
def sh_same_block(x):
    return np.sqrt(x) * np.sqrt(x) + np.sqrt(x)


def sh_inplace_in_loop(x):
    a = x.copy()
    s = np.sum(np.sqrt(a))
    for i in range(3):
        a[i] = a[i] * 2.0
        s = s + np.sum(np.sqrt(a))
    return s


def sh_alias_in_loop(x):
    a = x * 1.0
    b = a
    s = np.sum(a * a)
    for i in range(2):
        b[i] = b[i] * 3.0
        s = s + np.sum(a * a)
    return s


def sh_inplace_add_in_loop(x):
    a = x * 1.0
    s = np.sum(np.exp(a))
    for i in range(3):
        a += 0.5
        s = s + np.sum(np.exp(a))
    return s


def sh_reassigned_in_loop(x):
    s = np.sin(x)
    y = x
    for i in range(3):
        s = s + np.sin(x) * np.sin(y)
        y = y * 0.5
    return s


def sh_outside_and_branch(x):
    r = np.sqrt(x)
    if x > 1.0:
        r = r + np.sqrt(x) * 2.0
    return r


def sh_branch_untaken_inf(x):
    if np.sqrt(x) < 1e-3:
        return 2.0 * x
    return np.sqrt(x) * 3.0


def sh_branch_untaken_log(x):
    if x <= 0.0:
        y = x * 5.0
    else:
        y = np.log(x) + np.log(x) * x
    return y + x


def sh_loop_untaken_inf(x, n):
    s = x * 2.0
    for i in range(n):
        s = s + np.sqrt(x)
    return s


def sh_math_untaken(x):
    if x == 0.0:
        return x * 4.0
    return math.sqrt(x) + 1.0 / math.sqrt(x)


def sh_loop_zero(x, n):
    t = np.exp(x)
    for i in range(n):
        t = t + np.exp(x)
    return t * np.exp(x)


def sh_len_in_loop(xs):
    s = 0.0
    for v in xs:
        s = s + v / len(xs)
    return s * len(xs)


def sh_compare_shared(x):
    c = x > 0.5
    s = 0.0
    for i in range(3):
        if x > 0.5:
            s = s + x * i
        else:
            s = s - x
    return s + (1.0 if c else 2.0) * x


def sh_const_call(x):
    k = np.exp(-0.5)
    s = x * np.exp(-0.5)
    for i in range(3):
        s = s + np.exp(-0.5) * np.sin(s)
    return s * k


def sh_empty_list_outside(x):
    out = []
    tmp = []
    for i in range(3):
        out.append(x * i)
    tmp.append(x)
    return sum(out) + len(tmp) * 10.0 + len(out)


def sh_empty_list_inside(x):
    rows = []
    for i in range(3):
        row = []
        row.append(x * i)
        row.append(x + i)
        rows.append(sum(row) * len(row))
    return sum(rows) + len(rows)


def sh_empty_dict_inside(x):
    first = {}
    total = 0.0
    for i in range(3):
        d = {}
        d["v"] = x * (i + 1)
        total = total + d["v"] * len(d)
    first["k"] = x
    return total + first["k"] * len(first)


def sh_empty_list_zero_trip(x, n):
    out = []
    for i in range(n):
        out.append(x * i)
    other = []
    return x * (len(out) + 1) + len(other)


def sh_two_empty_lists(x):
    a = []
    b = []
    a.append(x)
    b.append(x * 2.0)
    b.append(x * 3.0)
    return sum(a) * len(b) + b[0]


def sh_while_shared(x):
    y = x
    n = 0
    while np.sqrt(y) < 3.0:
        y = y + np.sqrt(y)
        n = n + 1
    return y * np.sqrt(x)


def sh_element_write_loop_inf(x):
    a = np.ones(3) * x
    s = np.sum(np.sqrt(a))
    for i in range(3):
        if i == 1:
            a[i] = 0.0
        s = s + np.sum(a * a)
    return s


def sh_list_reads(x):
    xs = [x, x * 2.0]
    s = xs[0] * xs[0]
    for i in range(2):
        xs.append(xs[0] + i)
        s = s + xs[0] * xs[-1]
    return s + len(xs)


def sh_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def sh_softmax_loss(z, y):
    m = np.max(z)
    e = np.exp(z - m)
    p = e / np.sum(e)
    loss = -np.sum(y * np.log(p))
    if loss > 100.0:
        loss = np.sum(np.exp(z - m)) * 0.0 + loss
    return loss


# ============================================================================ negations
def ng_add_neg(a, m):
    return a + (-m)


def ng_sub_neg_factor(a, m):
    return a - m * -1.0


def ng_literal_factors(x):
    return 100.0 * (2 * x)


def ng_nonexact_factors(x):
    return 0.1 * (3.0 * x)


def ng_nonexact_factors2(x):
    return (x * 0.1) * 3.0


def ng_neg_of_product(t):
    return -(2 * t) + t * t


def ng_double_neg(x):
    return -(-x) * 3.0 - (-(x * x))


def ng_neg_diff(a, b):
    d = a - b
    n = -d
    return n * n * 0.5 + n


def ng_mixed_signs(x, y):
    u = -x
    v = -y * 2.0
    w = (u - v) * -0.5
    return w * x - u * v


def ng_div_neg(x):
    return -x / 4.0 + (-x) / (-2.0) + x / -8.0


def ng_arrays(w):
    return np.sum(-(w * 3.0) + (-w) * w - 2.0 * (-w))


def ng_loop_negs(x):
    y = x
    for i in range(4):
        y = y - (-0.5) * np.sin(y)
        y = -(-y)
    return y


def ng_rosen_scalar(a, b):
    return 100.0 * (b - a * a) ** 2 + (1.0 - a) ** 2


def ng_zero_products(x):
    return x * 0.0 + (-x) * 0.0 - 0.0 * x


def ng_chain_factors(x):
    return 2.0 * (0.5 * (4.0 * (0.25 * x)))


def ng_large_factors(x):
    return 1e200 * (1e200 * x) * 1e-300


def ng_neg_sum(w):
    return -np.sum(-w * 2.0) + np.sum(-(w * w))


def ng_leapfrog(q):
    p = -q * 0.5
    dt = 0.1
    for _ in range(3):
        p = p - 0.5 * dt * q
        q = q + dt * p
        p = p - 0.5 * dt * q
    return q * q + p * p


def sh_zeros_in_loop(x):
    a = np.zeros(3)
    s = 0.0
    for i in range(3):
        b = np.zeros(3)
        b[i] = x * (i + 1)
        s = s + np.sum(b * b) + np.sum(a)
    return s


def sh_two_zeros(x):
    a = np.zeros(2)
    b = np.zeros(2)
    a[0] = x
    return np.sum(a) + np.sum(b) * 10.0 + np.sum(b * b)


def sh_arange_written(x):
    a = np.arange(3.0)
    s = np.sum(np.arange(3.0) * x)
    for i in range(2):
        a[i] = x
        s = s + np.sum(np.arange(3.0)) * np.sum(a)
    return s


def sh_len_nested_append(x):
    xs = [x]

    def add(v):
        xs.append(v)

    n1 = len(xs)
    add(x * 2.0)
    n2 = len(xs)
    return sum(xs) * n1 + n2 * x


def sh_len_append_in_loop(x):
    xs = [x, 2.0 * x]
    n = len(xs)
    s = 0.0

    def add(v):
        xs.append(v)

    for i in range(3):
        add(x)
        s = s + len(xs) * x + n
    return s


def sh_getitem_after_write(x):
    a = x * 1.0
    s = a[0] * a[0]
    a[0] = a[0] * 2.0
    s = s + a[0] * a[0]
    a += 1.0
    return s + a[0] * np.sum(a)


def ds_continue_last(x):
    t = x * 0.0
    for i in range(4):
        t = x * i
        if i == 3:
            continue
        t = t * 2.0
    return t


def ds_break_last(x):
    t = x
    for i in range(4):
        t = x * i
        if i == 2:
            break
        t = t + 1.0
    return t


def ng_neg_of_diff(a, b):
    return -(a - b) + 0.0 * a


def ng_neg_of_sum(a, b):
    return -(a + b) * 1.0


def ng_zero_minus(a):
    m = -a
    return (0.0 - a) + (0.0 + m) * 2.0


def ds_errstate_block(x):
    y = x * 2.0
    with np.errstate(divide="ignore"):
        y = np.log(y) + y
        y = y * 3.0
    return y


def ds_lambda_default(x):
    acc = x * 1.0
    f = lambda v, acc=acc: v * acc  # noqa: E731
    acc = x * 7.0
    return f(x) + acc


# ============================================================================ tables
# (function, args, options). Scalar args are Python floats; array args float64.
V3 = np.array([0.7, 1.3, 2.1])
V4 = np.array([0.4, -0.8, 1.1, 0.3])
XD = np.array([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8], [0.9, 0.1, 0.4], [-0.5, 0.7, 1.2]])
YD = np.array([0.5, -0.3, 1.0, 0.2])
ZS = np.array([0.2, -1.1, 0.7, 1.5])
YS = np.array([0.1, 0.2, 0.3, 0.4])

PROGRAMS = {
    # dead stores
    "ds_reassign_chain": (ds_reassign_chain, (0.8,), {}),
    "ds_reassign_arrays": (ds_reassign_arrays, (V4,), {}),
    "ds_overwritten_literal": (ds_overwritten_literal, (1.3,), {}),
    "ds_acc_overwrite": (ds_acc_overwrite, (0.6,), {}),
    "ds_element_writes": (ds_element_writes, (V3,), {}),
    "ds_alias_element_write": (ds_alias_element_write, (V3,), {}),
    "ds_alias_rebind": (ds_alias_rebind, (V3,), {}),
    "ds_inplace_add": (ds_inplace_add, (V4,), {}),
    "ds_inplace_scalar": (ds_inplace_scalar, (0.9,), {}),
    "ds_view_read": (ds_view_read, (V4,), {}),
    "ds_branch_read_hi": (ds_branch_read, (1.7,), {}),
    "ds_branch_read_lo": (ds_branch_read, (0.4,), {}),
    "ds_branch_both_assign": (ds_branch_both_assign, (-0.7,), {}),
    "ds_mid_return_hi": (ds_mid_return, (1.4,), {}),
    "ds_mid_return_lo": (ds_mid_return, (0.6,), {}),
    "ds_mid_return_loop": (ds_mid_return_loop, (0.9,), {}),
    "ds_break_continue": (ds_break_continue, (0.7,), {}),
    "ds_for_else": (ds_for_else, (0.9,), {}),
    "ds_for_else_break": (ds_for_else, (30.0,), {}),
    "ds_closure_reads_later": (ds_closure_reads_later, (1.5,), {}),
    "ds_lambda_reads_later": (ds_lambda_reads_later, (1.5,), {}),
    "ds_nested_def_appends": (ds_nested_def_appends, (1.1,), {}),
    "ds_print_kept": (ds_print_kept, (1.5,), {"prints": True}),
    "ds_helper_effect": (ds_helper_effect, (1.25,), {"log": True}),
    "ds_helper_effect_loop": (ds_helper_effect_loop, (0.75,), {"log": True}),
    "ds_statement_effect": (ds_statement_effect, (0.6,), {"seen": True}),
    "ds_print_helper_value": (ds_print_helper_value, (0.6,), {"prints": True}),
    "ds_tape_loop": (ds_tape_loop, (0.6, 5), {}),
    "ds_tape_loop_zero": (ds_tape_loop, (0.6, 0), {}),
    "ds_while": (ds_while, (0.7,), {}),
    "ds_while_break": (ds_while_break, (0.3,), {}),
    "ds_checkpoint": (ds_checkpoint, (0.4,), {}),
    "ds_checkpoint_arrays": (ds_checkpoint_arrays, (V3,), {}),
    "ds_list_comprehension": (ds_list_comprehension, (0.3,), {}),
    "ds_dict_in_place": (ds_dict_in_place, (0.8,), {}),
    "ds_dict_loop": (ds_dict_loop, (0.8,), {}),
    "ds_type_reuse": (ds_type_reuse, (0.8,), {}),
    "ds_type_reuse_tuple": (ds_type_reuse_tuple, (0.8,), {}),
    "ds_list_inplace_alias": (ds_list_inplace_alias, (0.8,), {}),
    "ds_list_element_write": (ds_list_element_write, (0.8,), {}),
    "ds_nested_loops": (ds_nested_loops, (V3,), {}),
    "ds_physics_step": (ds_physics_step, (V3,), {}),
    "ds_recurrence": (ds_recurrence, (0.9,), {}),
    "ds_loop_name_after": (ds_loop_name_after, (0.9,), {}),
    "ds_empty_loop_keeps": (ds_empty_loop_keeps, (0.9, 0), {}),
    "ds_loss": (ds_loss, (np.array([0.3, -0.2, 0.5]), XD, YD), {}),
    # sharing
    "sh_same_block": (sh_same_block, (2.0,), {}),
    "sh_inplace_in_loop": (sh_inplace_in_loop, (V3,), {}),
    "sh_alias_in_loop": (sh_alias_in_loop, (V3,), {}),
    "sh_inplace_add_in_loop": (sh_inplace_add_in_loop, (V3,), {}),
    "sh_reassigned_in_loop": (sh_reassigned_in_loop, (0.9,), {}),
    "sh_outside_and_branch": (sh_outside_and_branch, (2.0,), {}),
    "sh_branch_untaken_inf": (sh_branch_untaken_inf, (0.0,), {"exact": 2.0}),
    "sh_branch_untaken_inf_pos": (sh_branch_untaken_inf, (4.0,), {}),
    "sh_branch_untaken_log": (sh_branch_untaken_log, (0.0,), {"exact": 6.0}),
    "sh_loop_untaken_inf": (sh_loop_untaken_inf, (0.0, 0), {"exact": 2.0}),
    "sh_math_untaken": (sh_math_untaken, (0.0,), {"exact": 4.0}),
    "sh_loop_zero": (sh_loop_zero, (0.3, 0), {}),
    "sh_loop_zero3": (sh_loop_zero, (0.3, 3), {}),
    "sh_len_in_loop": (sh_len_in_loop, (V4,), {}),
    "sh_compare_shared": (sh_compare_shared, (0.8,), {}),
    "sh_const_call": (sh_const_call, (0.8,), {}),
    "sh_empty_list_outside": (sh_empty_list_outside, (0.8,), {}),
    "sh_empty_list_inside": (sh_empty_list_inside, (0.8,), {}),
    "sh_empty_dict_inside": (sh_empty_dict_inside, (0.8,), {}),
    "sh_empty_list_zero_trip": (sh_empty_list_zero_trip, (0.8, 0), {}),
    "sh_two_empty_lists": (sh_two_empty_lists, (0.8,), {}),
    "sh_while_shared": (sh_while_shared, (1.2,), {}),
    "sh_element_write_loop_inf": (sh_element_write_loop_inf, (2.0,), {}),
    "sh_list_reads": (sh_list_reads, (0.8,), {}),
    "sh_rosenbrock": (sh_rosenbrock, (V4,), {}),
    "sh_softmax_loss": (sh_softmax_loss, (ZS, YS), {}),
    "sh_zeros_in_loop": (sh_zeros_in_loop, (0.7,), {}),
    "sh_two_zeros": (sh_two_zeros, (0.7,), {}),
    "sh_arange_written": (sh_arange_written, (0.7,), {}),
    "sh_len_nested_append": (sh_len_nested_append, (0.7,), {}),
    "sh_len_append_in_loop": (sh_len_append_in_loop, (0.7,), {}),
    "sh_getitem_after_write": (sh_getitem_after_write, (V3,), {}),
    "ds_continue_last": (ds_continue_last, (0.7,), {}),
    "ds_break_last": (ds_break_last, (0.7,), {}),
    "ds_errstate_block": (ds_errstate_block, (0.7,), {"no2": True}),
    "ds_lambda_default": (ds_lambda_default, (0.7,), {"no2": True}),
    # negations
    "ng_neg_of_diff": (ng_neg_of_diff, (0.5, 0.25), {}),
    "ng_neg_of_sum": (ng_neg_of_sum, (0.5, 0.25), {}),
    "ng_zero_minus": (ng_zero_minus, (0.5,), {}),
    "ng_add_neg": (ng_add_neg, (1.25, 0.5), {}),
    "ng_sub_neg_factor": (ng_sub_neg_factor, (1.25, 0.5), {}),
    "ng_literal_factors": (ng_literal_factors, (0.37,), {}),
    "ng_nonexact_factors": (ng_nonexact_factors, (0.37,), {}),
    "ng_nonexact_factors2": (ng_nonexact_factors2, (0.37,), {}),
    "ng_neg_of_product": (ng_neg_of_product, (0.37,), {}),
    "ng_double_neg": (ng_double_neg, (0.37,), {}),
    "ng_neg_diff": (ng_neg_diff, (1.2, 0.4), {}),
    "ng_mixed_signs": (ng_mixed_signs, (1.2, 0.4), {}),
    "ng_div_neg": (ng_div_neg, (0.37,), {}),
    "ng_arrays": (ng_arrays, (V4,), {}),
    "ng_loop_negs": (ng_loop_negs, (0.37,), {}),
    "ng_rosen_scalar": (ng_rosen_scalar, (0.3, 0.8), {}),
    "ng_zero_products": (ng_zero_products, (0.37,), {}),
    "ng_chain_factors": (ng_chain_factors, (0.37,), {}),
    "ng_neg_sum": (ng_neg_sum, (V4,), {}),
    "ng_leapfrog": (ng_leapfrog, (0.9,), {}),
}


# ============================================================================ harness
def _is_float_arg(a):
    return isinstance(a, float) or (isinstance(a, np.ndarray) and a.dtype.kind == "f")


def _bits_equal(a, b):
    """Equal bit for bit: same type family, same values, nan where nan, same zero signs."""
    a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a_arr.shape != b_arr.shape:
        return False
    return a_arr.tobytes() == b_arr.tobytes()


def _snapshot():
    return (len(LOG), len(SEEN))


def _effects_since(snap):
    return (list(LOG[snap[0] :]), list(SEEN[snap[1] :]))


def _plain(fn, args, capsys):
    capsys.readouterr()
    snap = _snapshot()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn(*args)
    out = capsys.readouterr().out
    return value, out, _effects_since(snap), [str(w.message) for w in caught]


def _run(call, capsys, plain_warnings):
    """Run a derivative call; returns (result, printed text, global effects). A warning
    the plain call did not give is an error."""
    capsys.readouterr()
    snap = _snapshot()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = call()
    out = capsys.readouterr().out
    extra = [str(w.message) for w in caught if str(w.message) not in plain_warnings]
    assert not extra, f"spurious warnings: {extra}"
    return res, out, _effects_since(snap)


def _central(fn, args, i, eps=1e-6):
    """Central-difference gradient of fn with respect to args[i]."""
    a = args[i]
    if isinstance(a, float):
        up = list(args)
        dn = list(args)
        up[i], dn[i] = a + eps, a - eps
        return (fn(*up) - fn(*dn)) / (2 * eps)
    g = np.zeros_like(a)
    for k in np.ndindex(a.shape):
        up, dn = a.copy(), a.copy()
        up[k] += eps
        dn[k] -= eps
        au, ad_ = list(args), list(args)
        au[i], ad_[i] = up, dn
        g[k] = (fn(*au) - fn(*ad_)) / (2 * eps)
    return g


def _quiet(fn):
    def wrapped(*a):
        cap = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import contextlib
            import io

            with contextlib.redirect_stdout(io.StringIO()):
                snap = _snapshot()
                r = fn(*a)
                del LOG[snap[0] :]
                del SEEN[snap[1] :]
        cap.append(r)
        return r

    return wrapped


def _close(a, b, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def _direction(a, seed):
    rng = np.random.default_rng(seed)
    if isinstance(a, float):
        return float(rng.uniform(-1, 1))
    return rng.uniform(-1, 1, a.shape)


GROUPS = {
    "reverse": ["grad", "value_and_grad", "vjp"],
    "forward": ["forward", "jvp", "jacfwd"],
    "jacrev_source": ["jacrev", "source"],
    "second": ["hessian", "gradgrad"],
}


def _check_effects(opts, plain_out, plain_eff, out, eff, api):
    if opts.get("prints") or plain_out:
        assert out == plain_out, f"{api} printed {out!r}, the plain call {plain_out!r}"
    else:
        assert out == "", f"{api} printed {out!r}"
    assert eff == plain_eff, f"{api} side effects {eff} != plain {plain_eff}"


def check_program(name, group, capsys):
    for api in GROUPS[group]:
        _check_one(name, api, capsys)


def _check_one(name, api, capsys):
    fn, args, opts = PROGRAMS[name]
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    value, plain_out, plain_eff, plain_warn = _plain(fn, args, capsys)
    q = _quiet(fn)
    exact = opts.get("exact")
    cd = _central(q, args, 0) if exact is None else exact

    if api == "grad":
        g, out, eff = _run(lambda: ad.grad(fn)(*args), capsys, plain_warn)
        _check_effects(opts, plain_out, plain_eff, out, eff, api)
        if exact is not None:
            assert g == exact
        else:
            _close(g, cd, rtol=1e-5, atol=1e-7)
    elif api == "value_and_grad":
        (v, g), out, eff = _run(lambda: ad.value_and_grad(fn)(*args), capsys, plain_warn)
        _check_effects(opts, plain_out, plain_eff, out, eff, api)
        assert _bits_equal(v, value), f"value {v!r} != plain {value!r}"
        if exact is not None:
            assert g == exact
        else:
            _close(g, cd, rtol=1e-5, atol=1e-7)
    elif api == "forward":
        g, out, eff = _run(lambda: ad.grad(fn, mode="forward")(*args), capsys, plain_warn)
        _check_effects(opts, plain_out, plain_eff, out, eff, api)
        (v2, g2), _, _ = _run(
            lambda: ad.value_and_grad(fn, mode="forward")(*args), capsys, plain_warn
        )
        assert _bits_equal(v2, value)
        gr = _quiet(ad.grad(fn))(*args)
        if exact is not None:
            assert g == exact
        _close(g, gr, rtol=1e-10, atol=1e-12)
        _close(g2, gr, rtol=1e-10, atol=1e-12)
    elif api == "jvp":
        tans = tuple(_direction(a, 7 + k) if _is_float_arg(a) else None for k, a in enumerate(args))
        (v, t), out, eff = _run(lambda: ad.jvp(fn, args, tans), capsys, plain_warn)
        _check_effects(opts, plain_out, plain_eff, out, eff, api)
        assert _bits_equal(v, value), f"value {v!r} != plain {value!r}"
        eps = 1e-6
        up = tuple(a + eps * d if d is not None else a for a, d in zip(args, tans))
        dn = tuple(a - eps * d if d is not None else a for a, d in zip(args, tans))
        if exact is not None:
            ref = exact * tans[0]
        else:
            ref = (q(*up) - q(*dn)) / (2 * eps)
        _close(t, ref, rtol=1e-5, atol=1e-7)
    elif api == "vjp":

        def both():
            out_, pb = ad.vjp(fn, *args)
            return out_, pb(1.0)

        (v, cts), out, eff = _run(both, capsys, plain_warn)
        _check_effects(opts, plain_out, plain_eff, out, eff, api)
        assert _bits_equal(v, value), f"value {v!r} != plain {value!r}"
        g = _quiet(ad.grad(fn))(*args)
        if name.startswith("ng_"):
            assert _bits_equal(cts[0], g), f"vjp {cts[0]!r} != grad {g!r} bit for bit"
        else:
            _close(cts[0], g, rtol=1e-12, atol=1e-14)
        for k, a in enumerate(args):
            if k and _is_float_arg(a):
                _close(cts[k], _central(q, args, k), rtol=1e-5, atol=1e-7)
    elif api in ("jacfwd", "jacrev"):
        jac = getattr(ad, api)
        j, out, eff = _run(lambda: jac(fn)(*args), capsys, plain_warn)
        if api == "jacfwd":
            _check_effects(opts, plain_out, plain_eff, out, eff, api)
        if exact is not None:
            assert float(j) == exact
        else:
            _close(j, cd, rtol=1e-5, atol=1e-7)
    elif api == "source":
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for mode in ("gradient", "reverse", "forward"):
                src = ad.derivative_source(fn, mode, args=args)
                assert "def " in src
                compile(src, "<src>", "exec")
            ssa = ad.ssa_source(fn)
            assert ssa
    elif api == "hessian":
        h = _quiet(ad.hessian(fn))(*args)
        gq = _quiet(ad.grad(fn))
        if isinstance(args[0], float):
            ref = _central(gq, args, 0, eps=1e-5)
            _close(h, ref, rtol=1e-4, atol=1e-6)
        else:
            # rows of the Hessian: d(grad)/dx_k
            ref = np.stack(
                [
                    _central(lambda *a, k=k: gq(*a)[k], args, 0, eps=1e-5)
                    for k in np.ndindex(args[0].shape)
                ]
            )
            _close(np.reshape(h, ref.shape), ref, rtol=1e-4, atol=1e-6)
            _close(h, np.swapaxes(h, 0, 1), rtol=1e-9, atol=1e-10)
    elif api == "gradgrad":
        gq = _quiet(ad.grad(fn))
        if isinstance(args[0], float):
            ref = _central(gq, args, 0, eps=1e-5)
            gg = _quiet(ad.grad(ad.grad(fn)))(*args)
        else:
            v = _direction(args[0], 3)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gg = ad.hvp(fn, args, (v,) + tuple(None for _ in args[1:]))[1]
            ref = (
                gq(*((args[0] + 1e-5 * v,) + args[1:])) - gq(*((args[0] - 1e-5 * v,) + args[1:]))
            ) / 2e-5
        _close(gg, ref, rtol=1e-4, atol=1e-6)
    else:  # pragma: no cover
        raise AssertionError(api)


# ============================================================================ expected failures
XFAIL = {}


def _cases():
    out = []
    for name, (fn, args, opts) in PROGRAMS.items():
        apis = ["reverse", "forward"] + ([] if name.startswith("ng_") else ["jacrev_source"])
        if "exact" not in opts and not opts.get("no2"):
            apis.append("second")
        for api in apis:
            marks = []
            reason = XFAIL.get((name, api)) or XFAIL.get((name, "*"))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(name, api, id=f"{name}-{api}", marks=marks))
    return out


@pytest.mark.parametrize("name, group", _cases())
def test_program(name, group, capsys):
    check_program(name, group, capsys)


# ============================================================================ special values
# The code as the AD stage writes it, before the simplification passes (`s2s-ad show
# --stage adjoint`), is the reference: the simplified code must give its numbers bit for bit
# (nan compared as nan whatever its sign bit) at every combination of special values.
SPECIAL = [0.0, -0.0, 1.5, -2.0, math.inf, -math.inf, math.nan, 5e-324, 1e308, -3e-310]
NG_NAMES = [
    n for n in PROGRAMS if n.startswith("ng_") and all(isinstance(a, float) for a in PROGRAMS[n][1])
]


def _nan_bits(a):
    a = np.array(a, dtype=float)
    a[np.isnan(a)] = np.nan
    return a.tobytes()


def _unsimplified_vjp(name, fn):
    import subprocess
    import sys

    import s2s_ad.runtime as rt

    nargs = fn.__code__.co_argcount
    params = list(fn.__code__.co_varnames[:nargs])
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "s2s_ad",
            "show",
            f"{__file__}:{name}",
            "--stage",
            "adjoint",
            "--wrt",
            *params,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    scope = dict(globals())
    scope.update(rt=rt, np=np)
    exec(compile(res.stdout, f"<unsimplified {name}>", "exec"), scope)
    return scope[f"{name}_vjp"]


@pytest.mark.parametrize("name", NG_NAMES)
def test_negations_special_values_bit_for_bit(name):
    import itertools

    fn = PROGRAMS[name][0]
    nargs = fn.__code__.co_argcount
    ref = _unsimplified_vjp(name, fn)
    wrt = tuple(range(nargs))
    vag = ad.value_and_grad(fn, wrt=wrt)
    fwd = ad.value_and_grad(fn, wrt=wrt, mode="forward")
    bad = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for args in itertools.product(SPECIAL, repeat=nargs):
            try:
                v0 = fn(*args)
            except (OverflowError, ZeroDivisionError):
                continue
            rv, pb = ref(*args)
            rg = pb(1.0)
            rg = rg if isinstance(rg, tuple) else (rg,)
            v1, g1 = vag(*args)
            v2, pb2 = ad.vjp(fn, *args)
            g2 = pb2(1.0)
            v3, _ = fwd(*args)
            v4, _ = ad.jvp(fn, args, tuple(1.0 for _ in args))
            for label, got, want in [
                ("reference value", rv, v0),
                ("value_and_grad value", v1, v0),
                ("vjp value", v2, v0),
                ("forward value", v3, v0),
                ("jvp value", v4, v0),
                ("grad", g1, rg),
                ("vjp cotangents", g2, rg),
            ]:
                if _nan_bits(got) != _nan_bits(want):
                    bad.append((args, label, got, want))
    assert not bad, bad[:5]
