"""Lists and tuples under forward, vector-forward and second-order differentiation.

Written by an independent tester who read only the README and issue 19 (not s2s_ad's code or
its other tests). Each program builds Python lists or tuples the way users write them:
appends in loops (recurrent nets keeping every hidden state, ODE integrators keeping the
trajectory), joins (`a + b`, `xs += ys`, `xs.extend(ys)`), lists stacked with `np.stack`,
`np.array`, `np.concatenate` or reduced with `sum`/`max`, items read back by index, lists of
lists, comprehensions, tuples, constants (data slices, literals) beside differentiated items,
empty lists, appends on one branch of an `if`, loops left by `break`, aliases (`b = a`).

Checked for every program: `jvp`, `grad(mode="forward")`, `jacfwd`, `jacrev`, `jacobian` against
fourth-order central differences; the dot-product test between `jvp` and `vjp`; the primal
values `jvp`, `vjp` and `value_and_grad` return against the plain call; `hessian` symmetric and
equal to `jacfwd(grad(f))`, `jacrev(grad(f))`, central differences of the gradient and `hvp`;
dtypes (float32 in, float32 out). A few cases run with `jit=True`.
"""

import logging

import numpy as np
import pytest

import s2s_ad as ad

RNG = np.random.default_rng(1917)
W = RNG.standard_normal((3, 3)) * 0.4
U = RNG.standard_normal((3, 3)) * 0.3
DATA = np.linspace(0.1, 0.9, 12).reshape(4, 3)
W32 = W.astype(np.float32)
DATA32 = DATA.astype(np.float32)


# ----------------------------------------------------------------------------------------
# programs: vector in, vector (or matrix) out
# ----------------------------------------------------------------------------------------


def rnn_stack(x):
    h = np.zeros(3)
    hs = []
    for t in range(4):
        h = np.tanh(W @ h + x * DATA[t])
        hs.append(h)
    return np.stack(hs)


def rnn_array(x):
    h = x * 0.5
    hs = [h]
    for t in range(3):
        h = np.tanh(W @ h + U @ x + DATA[t])
        hs.append(h)
    return np.array(hs)


def rnn_stack_axis1(x):
    h = x
    hs = []
    for _ in range(3):
        h = np.sin(W @ h) + x
        hs.append(h)
    return np.stack(hs, axis=1)


def rnn_concat(x):
    h = x
    hs = []
    for t in range(3):
        h = np.tanh(W @ h) * (t + 1.0)
        hs.append(h)
    return np.concatenate(hs)


def euler_trajectory(y0):
    y = y0
    traj = [y0]
    dt = 0.1
    for _ in range(5):
        y = y + dt * (np.sin(y) - 0.3 * y * y)
        traj.append(y)
    return np.array(traj)


def rk4_trajectory(y0):
    def rhs(y):
        return np.array([y[1], -np.sin(y[0]) - 0.1 * y[1]])

    y = y0[:2]
    traj = []
    h = 0.2
    for _ in range(4):
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * h * k1)
        k3 = rhs(y + 0.5 * h * k2)
        k4 = rhs(y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        traj.append(y)
    return np.stack(traj)


def scalar_items_array(x):
    out = []
    for i in range(3):
        out.append(x[i] * x[(i + 1) % 3])
    return np.array(out)


def mixed_constants(x):
    items = [x[0], 1.5, DATA[1, 2], np.sin(x[1]), x[2] * x[0]]
    return np.array(items)


def mixed_constant_rows(x):
    rows = [DATA[0], x, np.ones(3), x * x]
    return np.stack(rows)


def list_join_plus(x):
    a = [x[0], x[1] ** 2]
    b = [np.exp(x[2]), 2.0]
    c = a + b
    return np.array(c)


def list_iadd(x):
    xs = [x[0] * x[1]]
    ys = [np.cos(x[2]), x[0]]
    xs += ys
    xs += [3.0]
    return np.array(xs)


def list_extend(x):
    xs = []
    for i in range(3):
        xs.extend([x[i], x[i] * x[i]])
    return np.array(xs)


def list_of_lists(x):
    m = [[x[0], x[1] * x[2]], [np.sin(x[1]), 1.0]]
    return np.array(m)


def rows_appended(x):
    rows = []
    for i in range(3):
        rows.append([x[i], x[i] ** 3, 2.0])
    return np.array(rows)


def comprehension_vec(x):
    ys = [np.sin(v) * v for v in x]
    zs = [y + x[0] for y in ys if True]
    return np.array(zs)


def comprehension_zip(x):
    hs = [x * (i + 1.0) for i in range(3)]
    ws = [DATA[i] for i in range(3)]
    return np.stack([h * w for h, w in zip(hs, ws, strict=True)])


def tuple_pair(x):
    t = (x * x, np.sin(x))
    a, b = t
    return a + b * t[0]


def tuple_grown(x):
    t = ()
    for i in range(3):
        t = t + (x[i] * 2.0,)  # noqa: RUF005
    return np.array(t)


def index_back(x):
    hs = []
    h = x
    for _ in range(3):
        h = np.tanh(W @ h)
        hs.append(h)
    return hs[-1] * hs[0] + hs[1]


def index_loop(x):
    hs = []
    h = x
    for _ in range(4):
        h = np.cos(h) + 0.5 * x
        hs.append(h)
    acc = np.zeros(3)
    for i in range(len(hs)):
        acc = acc + hs[i] * (i + 1.0)
    return acc


def sum_list(x):
    hs = []
    h = x
    for _ in range(3):
        h = np.tanh(W @ h + x)
        hs.append(h)
    return sum(hs)


def repeat_slice_reverse(x):
    a = [x[0], x[1] * x[2]]
    b = a * 2
    c = b[::-1] + b[1:]
    return np.array(c)


def set_items(x):
    xs = [x[0], x[1], x[2]]
    xs[1] = xs[0] * xs[2]
    xs[2] += xs[1]
    return np.array(xs)


def one_branch_append(x):
    out = [x[0]]
    for i in range(3):
        if x[i] > 0.0:
            out.append(x[i] * x[i])
        else:
            out.append(np.exp(x[i]))
        if i == 1:
            out.append(x[2] * 3.0)
    return np.array(out)


def break_loop(x):
    h = x
    hs = []
    for t in range(10):
        h = np.sin(h) + 0.1 * x
        hs.append(h)
        if t >= 2:
            break
    return np.stack(hs)


def while_loop(x):
    h = x
    hs = []
    k = 0
    while k < 3:
        h = h * 0.9 + np.cos(h)
        hs.append(h)
        k += 1
    return np.stack(hs)


def alias_append(x):
    a = [x]
    b = a
    b.append(x * x)
    a.append(np.sin(x))
    return np.stack(b) + np.stack(a)


def alias_append_loop(x):
    a = []
    b = a
    h = x
    for _ in range(3):
        h = np.tanh(h * 1.3)
        b.append(h)
    return np.stack(a)


def empty_then_extend(x):
    xs = []
    ys = []
    xs = xs + ys
    xs.extend([x[0], x[1]])
    xs += []
    return np.array(xs) * x[2]


def pop_insert(x):
    xs = [x[0], x[1], x[2]]
    last = xs.pop()
    xs.insert(0, last * 2.0)
    return np.array(xs)


def list_of_tuples_traj(x):
    pos = x
    vel = np.zeros(3)
    traj = []
    for _ in range(3):
        vel = vel - 0.1 * np.sin(pos)
        pos = pos + 0.1 * vel
        traj.append((pos, vel))
    ps = [p for p, v in traj]
    vs = [v for p, v in traj]
    return np.stack(ps) + 2.0 * np.stack(vs)


def zip_star(x):
    pairs = [(x[0], x[1]), (x[1] * x[2], x[0] ** 2)]
    firsts, seconds = zip(*pairs)  # noqa: B905
    return np.array(list(firsts)) * np.array(list(seconds))


def stack_scalars_0d(x):
    items = []
    for i in range(3):
        items.append(np.sum(x * x[i]))
    return np.stack(items)


def return_tuple(x):
    hs = []
    h = x
    for _ in range(2):
        h = np.tanh(W @ h)
        hs.append(h)
    return hs[0], hs[1] * 2.0


def sorted_max(x):
    vals = [x[0] * 1.1, np.sin(x[1]) + 1.0, x[2] ** 2]
    s = sorted(vals)
    return np.array([max(vals), min(vals), s[1]])


def join_loop(x):
    xs = []
    h = x
    for _ in range(3):
        h = np.sin(h) * 1.1
        xs = xs + [h]  # noqa: RUF005
    return np.stack(xs)


def iadd_loop(x):
    xs = []
    h = x
    for _ in range(3):
        h = np.sin(h) * 1.1
        xs += [h]
    return np.stack(xs)


def prepend_loop(x):
    xs = []
    h = x
    for _ in range(3):
        h = np.cos(h) + x
        xs = [h] + xs  # noqa: RUF005
    return np.stack(xs)


def tail_slices(x):
    hs = []
    h = x
    for _ in range(4):
        h = np.tanh(W @ h) + x
        hs.append(h)
    return np.stack(hs[-2:]) * np.stack(hs[:2])


def reversed_enum(x):
    hs = [x * (k + 1.0) for k in range(3)]
    acc = np.zeros(3)
    for i, h in enumerate(reversed(hs)):
        acc = acc * 0.5 + h * h * (i + 1.0)
    return acc


def np_reduce_list(x):
    hs = [x, np.sin(x), x * x]
    return np.mean(hs, axis=0) + np.sum(hs) + np.max(hs, axis=0)


def vh_stack(x):
    hs = [x, np.sin(x)]
    return np.vstack(hs).ravel() + np.hstack(hs) + np.column_stack(hs).ravel()


def array_T(x):
    hs = [x, np.cos(x), x * 2.0]
    return np.array(hs).T @ x


def nested_setitem(x):
    grid = [[0.0, 0.0], [0.0, 0.0]]
    for i in range(2):
        for j in range(2):
            grid[i][j] = x[i] * x[j + 1]
    return np.array(grid)


def inplace_after_append(x):
    h = x * 1.0
    hs = []
    for _ in range(3):
        hs.append(h)
        h += x
    return np.stack(hs)


def slice_copy_append(x):
    a = [x]
    b = a[:]
    b.append(x * x)
    c = list(a)
    c.append(np.sin(x))
    return np.stack(a) * 3.0 + np.stack(b).sum(axis=0) + np.stack(c).sum(axis=0)


def join_then_append(x):
    a = [x]
    b = [x * 2.0]
    c = a + b
    a.append(x * x)
    return np.stack(c).sum(axis=0) + np.stack(a).sum(axis=0)


def item_update(x):
    hs = [x * 2.0, x * 3.0]
    hs[0][1] = 5.0
    return np.stack(hs)


def loop_setitem(x):
    xs = [x[0], x[1], x[2]]
    for i in range(len(xs)):
        xs[i] = xs[i] * xs[i - 1]
    return np.array(xs)


def helper_tuple(h, x):
    a = np.tanh(W @ h + x)
    return a, a * a


def helper_tuples_appended(x):
    outs = []
    h = x
    for _ in range(3):
        h, sq = helper_tuple(h, x)
        outs.append((h, sq))
    return np.stack([a + b for a, b in outs])


def ode_while_break(y0):
    y = y0
    t = 0.0
    traj = [y]
    while True:
        y = y + 0.1 * np.cos(y)
        traj.append(y)
        t += 0.1
        if t > 0.35:
            break
    return np.array(traj)


def max_default(x):
    xs = []
    for i in range(3):
        if x[i] > 5.0:
            xs.append(x[i])
    m = max(xs, default=0.0)
    return x * m + x[0]


def stack_mixed_0d(x):
    items = [np.sum(x), 2.0, x[1], np.float64(0.3)]
    return np.array(items) * x[0]


def count_index(x):
    xs = [x[0], x[1], x[2]]
    return np.array([xs[xs.index(x[1])] * len(xs)]) * x


def repeat_len(x):
    a = [x[0], x[1]]
    b = a * len(a)
    return np.array(b)


def list_3d(x):
    rows = []
    for i in range(2):
        rows.append([x * (i + 1.0), np.sin(x) * i])
    return np.array(rows)


def empty_concat(x):
    hs = []
    for i in range(3):
        if x[i] > 10.0:
            hs.append(x[i : i + 1])
    hs.append(x * 2.0)
    return np.concatenate(hs) + sum([])


def branch_last(x):
    hs = [x[0]]
    for i in range(3):
        if x[i] < 0.0:
            hs.append(x[i] ** 2)
        h = hs[-1] * x[i]
    return np.array([h, len(hs) * 1.0, hs[-1]])


def break_before_append(x):
    hs = []
    h = x
    for t in range(5):
        h = np.sin(h) + x
        if t == 2:
            break
        hs.append(h)
    return np.stack(hs) * h


def extend_named_list(x):
    xs = []
    ys = [x[0], x[1] * x[2]]
    xs.extend(ys)
    return np.array(xs)


def extend_display(x):
    hs = [x]
    hs.extend([x * 2.0, np.sin(x)])
    return np.stack(hs)


def global_item_iadd(x):
    vals = [x[0], DATA[0, 0]]
    vals += [x[1]]
    return np.array(vals)


def global_item_append(x):
    vals = [x[0], DATA[0, 0]]
    vals.append(x[1])
    return np.array(vals)


def global_row_append(x):
    rows = [DATA[0], x]
    rows.append(x * x)
    return np.stack(rows)


def literal_item_iadd(x):
    vals = [x[0], 0.5]
    vals += [x[1]]
    return np.array(vals)


def nested_row_read(x):
    m = [[x[0], x[1]], [x[2], x[0]]]
    r = m[1]
    return np.array(m) * r[0]


VECTOR_PROGRAMS = [
    rnn_stack,
    rnn_array,
    rnn_stack_axis1,
    rnn_concat,
    euler_trajectory,
    rk4_trajectory,
    scalar_items_array,
    mixed_constants,
    mixed_constant_rows,
    list_join_plus,
    list_iadd,
    list_extend,
    list_of_lists,
    rows_appended,
    comprehension_vec,
    comprehension_zip,
    tuple_pair,
    tuple_grown,
    index_back,
    index_loop,
    sum_list,
    repeat_slice_reverse,
    set_items,
    one_branch_append,
    break_loop,
    while_loop,
    alias_append,
    alias_append_loop,
    empty_then_extend,
    pop_insert,
    list_of_tuples_traj,
    zip_star,
    stack_scalars_0d,
    sorted_max,
    join_loop,
    iadd_loop,
    prepend_loop,
    tail_slices,
    reversed_enum,
    np_reduce_list,
    vh_stack,
    array_T,
    slice_copy_append,
    join_then_append,
    loop_setitem,
    helper_tuples_appended,
    ode_while_break,
    stack_mixed_0d,
    count_index,
    repeat_len,
    list_3d,
    extend_named_list,
    extend_display,
    global_item_iadd,
    global_item_append,
    global_row_append,
    literal_item_iadd,
    nested_row_read,
    empty_concat,
    branch_last,
    break_before_append,
]


def xfail(f, reason):
    return pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=reason), id=f.__name__)


def marked(programs, bugs):
    return [xfail(f, bugs[f]) if f in bugs else pytest.param(f, id=f.__name__) for f in programs]


# (`xs.extend(ys)` of `xs = []`, a name, in a loop, and the global items' lists: refused
# before session 16)
FIRST_ORDER_BUGS: dict = {}
# (nested_row_read: NESTED_ROW_HESSIAN, fixed in session 16)
SECOND_ORDER_BUGS = FIRST_ORDER_BUGS

# refused with a located error (documented, or at least located): the test accepts a right
# answer or an S2SError naming this file
MAY_REFUSE = [nested_setitem, inplace_after_append, item_update, max_default]

# ----------------------------------------------------------------------------------------
# programs: vector in, scalar out (for grad(mode="forward") and the Hessians)
# ----------------------------------------------------------------------------------------


def rnn_loss(x):
    h = np.zeros(3)
    hs = []
    for t in range(4):
        h = np.tanh(W @ h + x * DATA[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2) + np.sum(hs[-1] * x)


def euler_loss(y0):
    y = y0
    traj = [y0]
    for _ in range(5):
        y = y + 0.1 * (np.sin(y) - 0.3 * y * y)
        traj.append(y)
    return np.sum((np.array(traj) - 0.2) ** 2)


def sum_of_kept(x):
    hs = []
    h = x
    for _ in range(3):
        h = np.cos(W @ h) * x
        hs.append(np.sum(h * h))
    return sum(hs)


def mean_of_kept(x):
    hs = []
    h = x
    for _ in range(3):
        h = np.sin(h) * x + 0.2
        hs.append(h)
    total = sum(hs) / len(hs)
    return np.sum(total**3)


def scalar_list_loss(x):
    vals = [x[0] * x[1], 1.0, DATA[2, 1], np.exp(x[2] * 0.5)]
    vals += [x[0] ** 3]
    vals.extend([x[1] * x[2]])
    return sum(v * v for v in vals)


def joins_loss(x):
    a = [x[0], x[1]]
    b = [x[2] * x[0]]
    c = a + b + [2.0]
    d = c * 2
    return np.sum(np.array(d) ** 2) + c[-2] * d[0]


def nested_lists_loss(x):
    m = [[x[0], x[1]], [x[1] * x[2], np.cos(x[0])]]
    a = np.array(m)
    return np.sum(a @ a) + m[1][0] * m[0][1]


def branch_append_loss(x):
    kept = []
    for i in range(3):
        if x[i] > 0.0:
            kept.append(x[i] ** 3)
    if len(kept) == 0:
        return np.sum(x)
    return sum(kept) * x[0]


def break_loss(x):
    h = x
    hs = []
    for t in range(20):
        h = np.tanh(W @ h) + 0.3 * x
        hs.append(h)
        if np.sum(h * h) > 100.0 or t == 3:
            break
    return np.sum(np.array(hs) ** 2)


def alias_loss(x):
    a = []
    b = a
    for i in range(3):
        b.append(x[i] * x[(i + 2) % 3])
    a.append(np.sin(x[0]))
    return sum(a) * len(b)


def comprehension_loss(x):
    hs = [np.tanh(W @ x * (k + 1.0)) for k in range(3)]
    return sum(np.sum(h * x) for h in hs) + np.sum(np.stack(hs)[1] ** 2)


def tuples_loss(x):
    t = (x[0] * x[1], x[2])
    u = t + (np.sin(x[1]),)  # noqa: RUF005
    p, q, r = u
    return p * q + r * r + u[0] ** 2


def empty_list_loss(x):
    xs = []
    total = sum(xs) + 0.5
    for v in xs:
        total = total + v
    ys = []
    for i in range(3):
        ys.append(x[i])
    return total * np.sum(np.array(ys) ** 2)


def list_arg_loss(x):
    hs = []
    for i in range(2):
        hs.append(x * (i + 1.0))
    hs2 = list(hs)
    hs2.append(x**2)
    return np.sum(np.stack(hs2) ** 2) + np.sum(hs[0] * hs2[-1])


def rk4_loss(y0):
    def rhs(y):
        return np.array([y[1], -np.sin(y[0]) - 0.1 * y[1]])

    y = y0[:2]
    traj = []
    for _ in range(3):
        k1 = rhs(y)
        k2 = rhs(y + 0.1 * k1)
        k3 = rhs(y + 0.1 * k2)
        k4 = rhs(y + 0.2 * k3)
        y = y + 0.2 / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        traj.append(y)
    t = np.stack(traj)
    return np.sum(t**2) * y0[2]


def max_list_loss(x):
    vals = [x[0] * 1.1, np.sin(x[1]) + 1.0, x[2] ** 2]
    return max(vals) * min(vals) + sorted(vals)[1]


def lists_of_tuples_loss(x):
    pos = x
    vel = np.zeros(3)
    traj = []
    for _ in range(3):
        vel = vel - 0.1 * np.sin(pos)
        pos = pos + 0.1 * vel
        traj.append((pos, vel))
    e = 0.0
    for p, v in traj:
        e = e + np.sum(v * v) + np.sum(np.cos(p))
    return e


def while_loss(x):
    hs = []
    h = x
    while len(hs) < 3:
        h = np.sin(h) * 1.2 + x
        hs.append(h)
    return np.sum(hs[-1] * hs[0])


SCALAR_PROGRAMS = [
    rnn_loss,
    euler_loss,
    sum_of_kept,
    mean_of_kept,
    scalar_list_loss,
    joins_loss,
    nested_lists_loss,
    branch_append_loss,
    break_loss,
    alias_loss,
    comprehension_loss,
    tuples_loss,
    empty_list_loss,
    list_arg_loss,
    rk4_loss,
    max_list_loss,
    lists_of_tuples_loss,
    while_loss,
]

# (nested_lists_loss, scalar_list_loss: refused before session 16)
SCALAR_BUGS: dict = {}

X0 = np.array([0.7, -0.4, 1.1])
V0 = np.array([0.3, 0.8, -0.5])
U_OUT_SEED = 4242


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------


def central(f, x, v, h=1e-3):
    """Fourth-order central difference of f at x along v (f may return a tuple)."""

    def ev(s):
        out = f(x + s * v)
        if isinstance(out, tuple):
            return tuple(np.asarray(o, dtype=float) for o in out)
        return np.asarray(out, dtype=float)

    fm2, fm1, fp1, fp2 = ev(-2 * h), ev(-h), ev(h), ev(2 * h)
    if isinstance(fm2, tuple):
        return tuple(
            (a - 8 * b + 8 * c - d) / (12 * h)
            for a, b, c, d in zip(fm2, fm1, fp1, fp2, strict=True)
        )
    return (fm2 - 8 * fm1 + 8 * fp1 - fp2) / (12 * h)


def cd_jacobian(f, x):
    cols = [central(f, x, e) for e in np.eye(x.size)]
    return np.stack(cols, axis=-1)


def close(a, b, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def assert_same(a, b):
    """Primal values equal to the plain call's (bit for bit)."""
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for p, q in zip(a, b, strict=True):
            assert_same(p, q)
        return
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def dtype_of(v):
    return np.asarray(v).dtype


# ----------------------------------------------------------------------------------------
# first order, vector outputs
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", marked(VECTOR_PROGRAMS, FIRST_ORDER_BUGS))
def test_jvp_matches_central_differences(f):
    out, tan = ad.jvp(f, (X0,), (V0,))
    assert_same(out, f(X0))
    ref = central(f, X0, V0)
    if isinstance(ref, tuple):
        for a, b in zip(tan, ref, strict=True):
            close(a, b)
    else:
        close(tan, ref)


@pytest.mark.parametrize("f", marked(VECTOR_PROGRAMS, FIRST_ORDER_BUGS))
def test_dot_product_jvp_vjp(f):
    _, tan = ad.jvp(f, (X0,), (V0,))
    out, pullback = ad.vjp(f, X0)
    assert_same(out, f(X0))
    rng = np.random.default_rng(U_OUT_SEED)
    if isinstance(out, tuple):
        u = tuple(rng.standard_normal(np.shape(o)) for o in out)
        lhs = sum(np.sum(a * b) for a, b in zip(u, tan, strict=True))
    else:
        u = rng.standard_normal(np.shape(out))
        lhs = np.sum(u * tan)
    (xbar,) = pullback(u)
    close(lhs, np.sum(xbar * V0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", marked(VECTOR_PROGRAMS, FIRST_ORDER_BUGS))
def test_jacfwd_jacrev_central(f):
    ref = cd_jacobian(f, X0)
    jf = ad.jacfwd(f)(X0)
    jr = ad.jacrev(f)(X0)
    assert jf.shape == ref.shape and jr.shape == ref.shape
    close(jf, ref)
    close(jr, ref)
    close(jf, jr, rtol=1e-12, atol=1e-14)
    close(ad.jacobian(f)(X0), ref)


def test_jacfwd_tuple_output():
    jf = ad.jacfwd(return_tuple)(X0)
    jr = ad.jacrev(return_tuple)(X0)
    ref0 = cd_jacobian(lambda x: return_tuple(x)[0], X0)
    ref1 = cd_jacobian(lambda x: return_tuple(x)[1], X0)
    for j in (jf, jr):
        assert isinstance(j, tuple) and len(j) == 2
        close(j[0], ref0)
        close(j[1], ref1)


def test_nested_lists_loss_forward_modes():
    # the forward half of nested_lists_loss (its reverse mode is an expected failure)
    ref = cd_jacobian(nested_lists_loss, X0)
    close(ad.grad(nested_lists_loss, mode="forward")(X0), ref)
    v, _ = ad.value_and_grad(nested_lists_loss, mode="forward")(X0)
    assert_same(v, nested_lists_loss(X0))
    close(ad.jacfwd(nested_lists_loss)(X0), ref)


def test_jvp_tuple_output_primal():
    out, tan = ad.jvp(return_tuple, (X0,), (V0,))
    assert_same(out, return_tuple(X0))
    ref = central(return_tuple, X0, V0)
    close(tan[0], ref[0])
    close(tan[1], ref[1])


# ----------------------------------------------------------------------------------------
# first order, scalar outputs: forward gradient, value_and_grad
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", marked(SCALAR_PROGRAMS, SCALAR_BUGS))
def test_forward_grad_equals_reverse_and_cd(f):
    gf = ad.grad(f, mode="forward")(X0)
    gr = ad.grad(f)(X0)
    ref = cd_jacobian(f, X0)
    close(gf, ref)
    close(gr, ref)
    close(gf, gr, rtol=1e-12, atol=1e-14)
    assert gf.dtype == X0.dtype and gf.shape == X0.shape
    v_f, g_f = ad.value_and_grad(f, mode="forward")(X0)
    v_r, g_r = ad.value_and_grad(f)(X0)
    close(g_r, gr, rtol=0, atol=0)
    assert_same(v_f, f(X0))
    assert_same(v_r, f(X0))
    close(g_f, ref)


# ----------------------------------------------------------------------------------------
# second order
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("f", marked(SCALAR_PROGRAMS, SCALAR_BUGS))
def test_hessian_variants_agree(f):
    h = ad.hessian(f)(X0)
    assert h.shape == (3, 3) and h.dtype == np.float64
    close(h, h.T, rtol=1e-10, atol=1e-12)
    g = ad.grad(f)
    ref = cd_jacobian(g, X0)
    close(h, ref, rtol=1e-6, atol=1e-7)
    close(ad.jacfwd(g)(X0), h, rtol=1e-10, atol=1e-12)
    close(ad.jacrev(g)(X0), h, rtol=1e-10, atol=1e-12)
    res = ad.hvp(f, (X0,), (V0,))
    assert isinstance(res, tuple) and len(res) == 2  # (gradient, H v)
    close(res[0], ad.grad(f)(X0), rtol=1e-12, atol=1e-14)
    hv = res[1]
    close(hv, h @ V0, rtol=1e-9, atol=1e-11)


# ----------------------------------------------------------------------------------------
# float32
# ----------------------------------------------------------------------------------------

X32 = X0.astype(np.float32)
V32 = V0.astype(np.float32)

F32_VECTOR = [
    rnn_stack,
    euler_trajectory,
    scalar_items_array,
    mixed_constants,
    list_join_plus,
    list_iadd,
    list_of_lists,
    sum_list,
    alias_append,
    one_branch_append,
    tuple_grown,
    stack_scalars_0d,
]


@pytest.mark.parametrize("f", F32_VECTOR, ids=lambda f: f.__name__)
def test_float32_jvp_jacfwd(f):
    out, tan = ad.jvp(f, (X32,), (V32,))
    plain = f(X32)
    assert_same(out, plain)
    # tangents and Jacobians have the output's dtype (float64 where a float64 global or a
    # Python float literal in np.array promotes it, as NumPy does)
    assert dtype_of(tan) == dtype_of(plain), (dtype_of(tan), dtype_of(plain))
    _, tan64 = ad.jvp(f, (X0,), (V0,))
    close(tan, tan64, rtol=2e-4, atol=2e-5)
    jf = ad.jacfwd(f)(X32)
    jr = ad.jacrev(f)(X32)
    assert jf.dtype == dtype_of(plain), jf.dtype
    assert jr.dtype == dtype_of(plain), jr.dtype
    close(jf, ad.jacfwd(f)(X0), rtol=2e-4, atol=2e-5)
    close(jr, jf, rtol=1e-5, atol=1e-6)


def rnn32(x):
    h = np.zeros(3, dtype=np.float32)
    hs = []
    for t in range(3):
        h = np.tanh(W32 @ h + x * DATA32[t])
        hs.append(h)
    hs += [x * x]
    return np.stack(hs) + sum(hs)


def rnn32_loss(x):
    hs = rnn32(x)
    return np.sum(np.sin(hs))


def test_float32_stays_float32_everywhere():
    assert rnn32(X32).dtype == np.float32
    _, tan = ad.jvp(rnn32, (X32,), (V32,))
    assert tan.dtype == np.float32
    for jac in (ad.jacfwd, ad.jacrev, ad.jacobian):
        j = jac(rnn32)(X32)
        assert j.dtype == np.float32, (jac.__name__, j.dtype)
        close(j, jac(rnn32)(X0), rtol=2e-4, atol=2e-5)
    g = ad.grad(rnn32_loss, mode="forward")(X32)
    assert g.dtype == np.float32
    h = ad.hessian(rnn32_loss)(X32)
    assert h.dtype == np.float32
    close(h, ad.hessian(rnn32_loss)(X0), rtol=1e-3, atol=1e-4)
    h2 = ad.jacfwd(ad.grad(rnn32_loss))(X32)
    assert h2.dtype == np.float32
    close(h2, h, rtol=1e-4, atol=1e-5)


F32_SCALAR = [
    rnn_loss,
    euler_loss,
    scalar_list_loss,
    joins_loss,
    nested_lists_loss,
    alias_loss,
    tuples_loss,
    empty_list_loss,
    list_arg_loss,
]


@pytest.mark.parametrize("f", marked(F32_SCALAR, SCALAR_BUGS))
def test_float32_forward_grad_and_hessian(f):
    g = ad.grad(f, mode="forward")(X32)
    assert g.dtype == np.float32, g.dtype
    close(g, ad.grad(f)(X0), rtol=2e-4, atol=2e-5)
    v, g2 = ad.value_and_grad(f, mode="forward")(X32)
    assert_same(v, f(X32))
    assert g2.dtype == np.float32
    h = ad.hessian(f)(X32)
    assert h.dtype == np.float32, h.dtype
    close(h, ad.hessian(f)(X0), rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------------------------------
# several arguments, list arguments
# ----------------------------------------------------------------------------------------


def rnn_two_args(x, w):
    h = np.zeros(3)
    hs = []
    for t in range(3):
        h = np.tanh(w * h + x * DATA[t])
        hs.append(h)
    return np.sum(np.stack(hs) ** 2)


def list_argument_loss(xs):
    out = []
    for a in xs:
        out.append(a * a)
    out += xs
    return np.sum(np.stack(out) * 0.5) + np.sum(xs[0] * xs[-1])


def test_two_args_forward_and_hessian():
    w = np.array([0.5, -0.3, 0.8])
    gx, gw = ad.grad(rnn_two_args, wrt=(0, 1), mode="forward")(X0, w)
    rx, rw = ad.grad(rnn_two_args, wrt=(0, 1))(X0, w)
    close(gx, rx, rtol=1e-12)
    close(gw, rw, rtol=1e-12)
    close(gx, cd_jacobian(lambda x: rnn_two_args(x, w), X0))
    close(gw, cd_jacobian(lambda ww: rnn_two_args(X0, ww), w))
    h = ad.hessian(rnn_two_args, wrt=1)(X0, w)
    close(h, cd_jacobian(lambda ww: ad.grad(rnn_two_args, wrt=1)(X0, ww), w), rtol=1e-6)


def test_list_argument_jvp_and_hessian():
    xs = [X0, X0[::-1].copy()]
    vs = [V0, V0 * 2.0]
    out, tan = ad.jvp(list_argument_loss, (xs,), (vs,))
    assert_same(out, list_argument_loss(xs))

    def along(s):
        return list_argument_loss([xs[0] + s * vs[0], xs[1] + s * vs[1]])

    ref = (along(-2e-3) - 8 * along(-1e-3) + 8 * along(1e-3) - along(2e-3)) / 12e-3
    close(tan, ref)
    g = ad.grad(list_argument_loss, mode="forward")(xs)
    gr = ad.grad(list_argument_loss)(xs)
    assert isinstance(g, list) and len(g) == 2
    close(g[0], gr[0], rtol=1e-12)
    close(g[1], gr[1], rtol=1e-12)
    h = ad.hessian(list_argument_loss)(xs)
    close(h[0][1], np.diag(np.ones(3)))
    close(h[0][0], np.diag(np.ones(3)))


# ----------------------------------------------------------------------------------------
# updates of an appended array
# ----------------------------------------------------------------------------------------


def append_then_update(x):
    h = x * 2.0
    hs = [h]
    h[0] = 5.0
    return np.stack(hs)


def test_update_after_append_is_right_or_refused():
    try:
        out, tan = ad.jvp(append_then_update, (X0,), (V0,))
    except ad.S2SError as e:
        assert "test_list_tangents_independent.py" in str(e)
        return
    assert_same(out, append_then_update(X0))
    close(tan, central(append_then_update, X0, V0))


# ----------------------------------------------------------------------------------------
# jit=True: a few
# ----------------------------------------------------------------------------------------


def test_jit_forward_grad_and_hessian(caplog):
    with caplog.at_level(logging.WARNING, logger="s2s_ad.jit"):
        g = ad.grad(euler_loss, jit=True)(X0)
        h = ad.hessian(euler_loss, jit=True)(X0)
        j = ad.jacfwd(rnn_concat, jit=True)(X0)
    close(g, ad.grad(euler_loss)(X0), rtol=1e-12)
    close(h, ad.hessian(euler_loss)(X0), rtol=1e-12, atol=1e-14)
    close(j, ad.jacfwd(rnn_concat)(X0), rtol=1e-12, atol=1e-14)
    v, g2 = ad.value_and_grad(euler_loss, mode="forward", jit=True)(X0)
    assert_same(v, euler_loss(X0))
    close(g2, g, rtol=1e-12)


# ----------------------------------------------------------------------------------------
# second order of every vector program, through a scalar loss that calls it as a helper
# ----------------------------------------------------------------------------------------

OUT_W = np.linspace(0.3, 1.7, 64)


def scalarised(f):
    def loss(x):
        y = np.ravel(f(x))
        return np.sum(np.sin(y) * OUT_W[: y.size]) + np.sum(y * y) * 0.25

    return loss


@pytest.mark.parametrize("f", marked(VECTOR_PROGRAMS, SECOND_ORDER_BUGS))
def test_second_order_through_helper(f):
    loss = scalarised(f)
    g = ad.grad(loss)
    gf = ad.grad(loss, mode="forward")(X0)
    close(gf, cd_jacobian(loss, X0))
    h = ad.hessian(loss)(X0)
    close(h, h.T, rtol=1e-10, atol=1e-12)
    close(h, cd_jacobian(g, X0), rtol=1e-6, atol=1e-7)
    close(ad.jacfwd(g)(X0), h, rtol=1e-10, atol=1e-12)
    close(ad.jacrev(g)(X0), h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f", MAY_REFUSE, ids=lambda f: f.__name__)
def test_right_or_located_refusal(f):
    for run in (
        lambda: ad.jvp(f, (X0,), (V0,)),
        lambda: ad.jacfwd(f)(X0),
        lambda: ad.hessian(scalarised(f))(X0),
    ):
        try:
            res = run()
        except ad.S2SError as e:
            assert "test_list_tangents_independent.py:" in str(e), str(e)
            continue
        if isinstance(res, tuple):
            assert_same(res[0], f(X0))
            close(res[1], central(f, X0, V0))
