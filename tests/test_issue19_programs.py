# ruff: noqa: B007, B023, B028, B905, RUF005, RUF059, SIM108  (programs written as users write them)
"""Issue 19 (speed) programs, written from the README and issue 19 alone, without reading s2s_ad.

The rewrites of issue 19 touch how loops are taped and replayed in reverse mode (counted loops
replayed with `reversed(range)`, only needed values saved, dead forward code removed), grad's
seed, jacrev's one sweep with a leading axis of cotangents, `grad(f, jit=True)` and the speed of
the transformation. These are the programs a user writes that go through exactly those paths;
every derivative is checked against central differences, forward against reverse, jacrev
against jacfwd, vjp with cotangents other than one against the Jacobian, the value of
value_and_grad against the plain call, and repeated calls (other values, other shapes) against
the first.
"""

import logging
import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7


def _is_float_arg(a):
    if isinstance(a, bool):
        return False
    if isinstance(a, float):
        return True
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _perturbed(args, i, flat_index, h):
    args = list(args)
    a = args[i]
    if isinstance(a, float):
        args[i] = a + h
    else:
        b = np.array(a, dtype=float, copy=True)
        b.reshape(-1)[flat_index] += h
        args[i] = b
    return args


def num_jac(f, args, i, eps=EPS):
    """Central differences of f (any array-valued or scalar output) with respect to args[i]:
    shape out.shape + in.shape."""
    a = args[i]
    in_shape = np.shape(a)
    size = int(np.prod(in_shape)) if in_shape else 1
    out0 = np.asarray(f(*args), dtype=float)
    cols = []
    for k in range(size):
        hi = np.asarray(f(*_perturbed(args, i, k, eps)), dtype=float)
        lo = np.asarray(f(*_perturbed(args, i, k, -eps)), dtype=float)
        cols.append((hi - lo) / (2 * eps))
    jac = np.stack(cols, axis=-1) if cols else np.zeros(out0.shape + (0,))
    return jac.reshape(out0.shape + in_shape)


def assert_close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def float_indices(args):
    return [i for i, a in enumerate(args) if _is_float_arg(a)]


# ---------------------------------------------------------------------------------------------
# scalar-valued programs: counted loops, while loops, break/continue/else, helpers, ...
# ---------------------------------------------------------------------------------------------


def horner_int_n(x, n):
    y = 0.0
    for i in range(n):
        y = y * x + i
    return y


def square_accumulate_100(x):
    y = 0.0
    for _ in range(100):
        y = y + x * x
    return y


def sincos_200(x):
    a = x
    b = 0.5
    for _ in range(200):
        a, b = np.sin(a) * 0.9 + 0.1 * b, np.cos(b) * 0.5 + 0.2 * a
    return a * b


def len_bound_pairs(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i - 1]
    return s


def shape_bound_weighted(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + (i + 1) * np.sin(x[i]) ** 2
    return s


def fill_local_array(x):
    res = np.zeros(len(x))
    for i in range(len(x)):
        res[i] = x[i] ** 2 * (i + 0.5)
    return np.sum(res * x)


def overwrite_sin_times_x(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) * x
    return y


def overwrite_read_before(x):
    y = x
    for _ in range(6):
        y = y * np.cos(y) + x
    return y


def nested_triangular(x):
    s = 0.0
    n = len(x)
    for i in range(n):
        for j in range(i):
            s = s + x[i] * x[j] * (i - j)
    return s


def nested_inner_from_outer(x):
    s = 0.0
    for i in range(len(x)):
        for j in range(i, len(x)):
            s = s + np.cos(x[i] - x[j]) / (j + 1)
    return s


def break_on_threshold(x):
    y = 1.0
    for _ in range(30):
        y = y * x
        if y > 10.0:
            break
    return y + x


def continue_every_third(x):
    s = 0.0
    for i in range(10):
        if i % 3 == 0:
            continue
        s = s + x**i / (i + 1)
    return s


def for_else_search(x):
    found = 0.0
    for i in range(len(x)):
        if x[i] > 2.5:
            found = x[i] * i
            break
    else:
        found = np.sum(x)
    return found * x[0]


def while_until_event(x):
    y = 0.2
    k = 0
    while y < 5.0:
        y = y * x + 0.1
        k += 1
    return y * k


def while_counter_break(x):
    y = x
    i = 0
    while True:
        y = np.sqrt(y + i)
        i += 1
        if i >= 7:
            break
    return y


def loop_invariant_before(x, a, b):
    c = np.exp(a) * b
    y = 0.0
    for _ in range(8):
        y = y * c + x
    return y


def several_accumulators(x):
    s1 = 0.0
    s2 = 0.0
    s3 = 1.0
    for i in range(len(x)):
        s1 = s1 + x[i]
        s2 = s2 + x[i] ** 2
        s3 = s3 * (1.0 + 0.1 * x[i])
    return s1 * s2 + s3


def _step(y, x, i):
    return np.tanh(y * x) + 0.1 * i


def helper_in_loop(x):
    y = 0.3
    for i in range(5):
        y = _step(y, x, i)
    return y


def _two(y, z, x):
    return y * x + z, z - 0.5 * y * x


def helper_tuple_in_loop(x):
    y = 1.0
    z = 0.5
    for _ in range(4):
        y, z = _two(y, z, x)
    return y + z * z


def negative_step_range(x):
    y = 0.0
    n = len(x)
    for i in range(n - 1, -1, -2):
        y = y * 0.5 + x[i] * i
    return y**2


def range_start_step_args(x, start, step):
    y = 0.0
    for i in range(start, len(x), step):
        y = y + x[i] * x[i] * i
    return y


def counter_float_scaled(x, n):
    y = 0.0
    for i in range(n):
        y = y + x * float(i) / n
    return y * y


def power_of_counter(x):
    s = 0.0
    for i in range(6):
        s = s + x**i / math.factorial(i)
    return s


def list_append_then_stack(x):
    ys = []
    y = x
    for _ in range(5):
        y = 0.8 * np.sin(y) + 0.3
        ys.append(y)
    return np.sum(np.array(ys) ** 2)


def enumerate_array(x):
    s = 0.0
    for i, xi in enumerate(x):
        s = s + i * xi**2
    return s


def zip_two_arrays(x, w):
    s = 0.0
    for xi, wi in zip(x, w):
        s = s + np.tanh(xi * wi)
    return s


def rosenbrock_loop(x):
    s = 0.0
    for i in range(len(x) - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosenbrock_vec(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rnn_loop(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h**2)


def early_return_in_loop(x):
    y = x
    for i in range(20):
        y = y * 1.3 + 0.1
        if y > 4.0:
            return y * i
    return -y


def dead_forward_code(x):
    y = 0.0
    unused = 1.0
    for i in range(10):
        unused = unused * np.exp(x) + i
        y = y + x * x
    return y


def counter_rebound_in_body(x):
    y = 0.0
    for i in range(5):
        i = i * 2 + 1
        y = y * x + i
    return y


def bound_variable_changed_in_body(x):
    n = len(x)
    y = 0.0
    for i in range(n):
        n = n - 1
        y = y + x[i] * n
    return y * y + n


def bound_from_active_value(x):
    n = int(np.floor(x * 3.0))
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


def while_inside_for(x):
    s = 0.0
    for i in range(len(x)):
        y = x[i]
        while y < 3.0:
            y = y * 1.7 + 0.05
        s = s + y * (i + 1)
    return s


def user_reversed_range(x):
    y = 1.0
    for i in reversed(range(len(x))):
        y = y * x[i] + i
    return y


def slice_accumulate(x, w):
    res = np.zeros(len(x) + 1)
    for i in range(len(x)):
        res[i : i + 2] += x[i] * w
    return np.sum(res**2)


def inplace_array_acc(x):
    acc = np.zeros_like(x)
    for i in range(4):
        acc += x * (i + 1)
        acc = np.sin(acc)
    return np.sum(acc)


def matrix_power_trace(A):
    M = np.eye(A.shape[0])
    for _ in range(4):
        M = M @ A
    return np.trace(M)


def newton_sqrt(x):
    y = x
    for _ in range(6):
        y = y - (y * y - x) / (2.0 * y)
    return y


def euler_pendulum(theta0, omega2, n):
    th = theta0
    w = 0.0
    dt = 0.05
    for _ in range(n):
        w = w - dt * omega2 * np.sin(th) - dt * 0.1 * w
        th = th + dt * w
    return th


def where_in_loop(x):
    y = x
    for _ in range(3):
        y = np.where(y > 0.0, y * 1.5, 0.2 * y) + 0.1
    return np.sum(y**2)


def cumulative_product(x):
    p = 1.0
    for i in range(len(x)):
        p = p * x[i]
    return p


def parity_branch(x):
    y = x
    for i in range(8):
        if i % 2 == 0:
            y = y * x
        else:
            y = y + x
    return y


def total_variation_smooth(x):
    s = 0.0
    for i in range(len(x) - 1):
        d = x[i + 1] - x[i]
        s = s + np.sqrt(d * d + 0.01)
    return s


def loop_var_after_loop(x, n):
    y = x
    i = 0
    for i in range(n):
        y = y * 0.9 + x
    return y * i


def zero_trip_loop(x, n):
    y = x * 2.0
    for _ in range(n):
        y = np.sin(y)
    return y


def loop_logsumexp(x):
    m = x[0]
    for i in range(1, len(x)):
        m = max(m, x[i])
    s = 0.0
    for i in range(len(x)):
        s = s + np.exp(x[i] - m)
    return m + np.log(s)


def vector_state_loop(x, A):
    v = x
    for _ in range(5):
        v = np.tanh(A @ v) + 0.5 * v
    return np.sum(v * x)


def mlp_loop_layers(W1, W2, x):
    h = x
    for _ in range(3):
        h = np.tanh(W1 @ h)
    return np.sum((W2 @ h) ** 2)


def coupled_swap(x):
    a = 1.0
    b = x
    for _ in range(6):
        a, b = b, a + x * b * 0.3
    return a + b


def range_len_minus_expression(x):
    y = 0.0
    for i in range(2, len(x) - 1):
        y = y + x[i - 2] * x[i + 1] - x[i] ** 3 / (i * i)
    return y


def nested_break_inner(x):
    s = 0.0
    for i in range(4):
        for j in range(5):
            s = s + x[i] * x[j] * 0.3
            if s > 2.0:
                break
    return s


def two_steps_back(x):
    a = x
    b = 1.0
    for _ in range(6):
        a, b = 0.5 * a + 0.3 * b * x, a
    return a * b


def conditional_save(x):
    y = x
    saved = 0.0
    for i in range(6):
        y = np.sin(y) + x
        if i == 2:
            saved = y
    return y * saved


def augmented_float(x):
    y = 0.0
    for i in range(5):
        y += x * i
        y *= 0.9
    return y**2


def grid_2d_indices(X):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            s = s + X[i, j] ** 2 * (i + 2 * j)
    return s


def rows_of_matrix(X):
    s = 0.0
    for row in X:
        s = s + np.sum(np.tanh(row)) ** 2
    return s


def checkpointed_loop(x):
    y = x
    for _ in ad.checkpoint(range(9)):
        y = np.sin(y) * 1.2 + x
    return y


def checkpointed_every_3(x):
    y = x
    for i in ad.checkpoint(range(10), every=3):
        y = np.cos(y) * x + i * 0.01
    return y


def while_on_array(x):
    v = x.copy()
    k = 0
    while np.max(v) < 3.0:
        v = v * 1.3 + 0.05
        k += 1
    return np.sum(v**2) + k


def size_and_ndim_bound(X):
    s = 0.0
    for i in range(X.size):
        s = s + X.ravel()[i] ** 3 * X.ndim
    return s


WEIGHTS = [0.5, 1.5, -0.2]


def global_list_len_bound(x):
    s = 0.0
    for i in range(len(WEIGHTS)):
        s = s + WEIGHTS[i] * x ** (i + 1)
    return s


def while_break_else_in_for(x):
    y = x
    for i in range(3):
        k = 0
        while k < 10:
            y = y * 1.1
            k += 1
            if y > 2.0 + i:
                break
        else:
            y = y - 0.5
    return y


def _layer(h, i):
    return np.tanh(h * (i + 1)) + h[::-1] * 0.1


def array_helper_in_loop(x):
    h = x
    for i in range(3):
        h = _layer(h, i)
    return np.sum(h)


def tuple_state(x):
    pair = (0.0, 1.0)
    for _ in range(4):
        pair = (pair[0] + x * pair[1], pair[1] * 0.5 * x)
    return pair[0] + pair[1]


def list_grows_in_loop(x):
    xs = [x, x * 2.0]
    for i in range(len(xs)):
        xs.append(xs[i] * xs[-1] * 0.5)
    return sum(xs)


def bound_rebound_after(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * x + i
    n = n + 5
    return y * n


def invariant_rebound_after(x, a):
    c = np.exp(a)
    y = 0.0
    for _ in range(5):
        y = y * 0.5 + c * x
    c = c * 3.0
    return y + c


def invariant_array_updated_after(x):
    w = x * 2.0
    y = 0.0
    for i in range(3):
        y = y + np.sum(w * x) * (i + 1)
    w[0] = 100.0
    return y + np.sum(w * x)


def control_only_variable(x):
    z = 0.0
    y = 0.0
    for _ in range(6):
        z = z + x
        if z > 1.0:
            y = y + x * x
        else:
            y = y - x
    return y


def while_cond_only_variable(x):
    t = 0.0
    y = 0.0
    while t < 2.0:
        t = t + 0.3 * x
        y = y + x**2
    return y


def range_negative_start(x):
    s = 0.0
    for i in range(-3, 2):
        s = s + x[i] * (i + 4)
    return s**2


def empty_range_start_gt_stop(x, n):
    y = x
    for _ in range(n, 2):
        y = y * x
    return y + x


def two_loops_bound_changed_between(x, n):
    y = x
    for _ in range(n):
        y = y * 0.9 + x
    n = n - 2
    for _ in range(n):
        y = np.cos(y) + x
    return y


def flag_chooses_loop(x, flag):
    y = x
    if flag:
        for _ in range(3):
            y = np.sin(y) * x
    else:
        for _ in range(5):
            y = y * y * 0.5 + x
    return y


def target_shadows_active(x, n):
    i = x * 2.0
    y = x
    for i in range(n):
        y = y * 0.5 + x * i
    return y + i


def counter_conditionally_rebound(x):
    y = 0.0
    for i in range(6):
        if y > 1.0:
            i = i + 10
        y = y + x * i
    return y


def raise_guard(x):
    z = 1.0
    y = 0.0
    for _ in range(5):
        z = z * x
        if z > 1e6:
            raise ValueError("overflow")
        y = y + x
    return y


def comprehension_sum(x):
    return sum(x[i] * x[i - 1] * i for i in range(len(x)))


def comprehension_matrix(x):
    M = np.array([[x[i] * x[j] + i - j for j in range(len(x))] for i in range(len(x))])
    return np.sum(M**2)


def comprehension_in_loop(x):
    y = x
    for k in range(3):
        y = np.array([np.sin(y[i]) * (k + 1) + y[i - 1] for i in range(len(y))])
    return np.sum(y)


def errstate_in_loop(x):
    y = x
    for _ in range(3):
        with np.errstate(divide="ignore"):
            y = np.log(y * y + 1.0) + x
    return np.sum(y)


def zip_range_array(x):
    s = 0.0
    for i, xi in zip(range(10), x):
        s = s + xi**2 * i
    return s


def enumerate_start_2(x):
    s = 0.0
    for i, xi in enumerate(x, 2):
        s = s + np.exp(-xi * i)
    return s


def lambda_in_loop(x):
    f = lambda v, k: np.sin(v) * k  # noqa: E731
    y = x
    for k in range(1, 4):
        y = f(y, k) + x
    return y


def nested_def_in_loop(x):
    def step(v):
        return v * np.cos(v) + x

    y = x
    for _ in range(4):
        y = step(y)
    return y


def running_max_min(x):
    best = x[0]
    worst = x[0]
    for v in x[1:]:
        best = max(best, v)
        worst = min(worst, v)
    return best * worst + best**2


SCALAR_PROGRAMS = {
    "horner_int_n": (horner_int_n, lambda r: (1.3, 5)),
    "square_accumulate_100": (square_accumulate_100, lambda r: (0.7,)),
    "sincos_200": (sincos_200, lambda r: (0.4,)),
    "len_bound_pairs": (len_bound_pairs, lambda r: (r.standard_normal(5),)),
    "shape_bound_weighted": (shape_bound_weighted, lambda r: (r.standard_normal(6),)),
    "fill_local_array": (fill_local_array, lambda r: (r.standard_normal(5),)),
    "overwrite_sin_times_x": (overwrite_sin_times_x, lambda r: (1.1, 7)),
    "overwrite_read_before": (overwrite_read_before, lambda r: (0.6,)),
    "nested_triangular": (nested_triangular, lambda r: (r.standard_normal(5),)),
    "nested_inner_from_outer": (nested_inner_from_outer, lambda r: (r.standard_normal(4),)),
    "break_on_threshold": (break_on_threshold, lambda r: (1.37,)),
    "continue_every_third": (continue_every_third, lambda r: (0.8,)),
    "for_else_search_found": (for_else_search, lambda r: (np.array([1.0, 2.0, 3.1, 0.5]),)),
    "for_else_search_else": (for_else_search, lambda r: (np.array([1.0, 2.0, 2.1, 0.5]),)),
    "while_until_event": (while_until_event, lambda r: (1.63,)),
    "while_counter_break": (while_counter_break, lambda r: (2.2,)),
    "loop_invariant_before": (loop_invariant_before, lambda r: (0.9, 0.2, 0.7)),
    "several_accumulators": (several_accumulators, lambda r: (r.standard_normal(5),)),
    "helper_in_loop": (helper_in_loop, lambda r: (0.8,)),
    "helper_tuple_in_loop": (helper_tuple_in_loop, lambda r: (0.7,)),
    "negative_step_range": (negative_step_range, lambda r: (r.standard_normal(7),)),
    "range_start_step_args": (range_start_step_args, lambda r: (r.standard_normal(9), 1, 3)),
    "counter_float_scaled": (counter_float_scaled, lambda r: (0.9, 6)),
    "power_of_counter": (power_of_counter, lambda r: (1.2,)),
    "list_append_then_stack": (list_append_then_stack, lambda r: (0.4,)),
    "enumerate_array": (enumerate_array, lambda r: (r.standard_normal(5),)),
    "zip_two_arrays": (zip_two_arrays, lambda r: (r.standard_normal(4), r.standard_normal(4))),
    "rosenbrock_loop": (rosenbrock_loop, lambda r: (r.standard_normal(6),)),
    "rosenbrock_vec": (rosenbrock_vec, lambda r: (r.standard_normal(6),)),
    "rnn_loop": (rnn_loop, lambda r: (0.4 * r.standard_normal((3, 3)), r.standard_normal((4, 3)))),
    "early_return_in_loop": (early_return_in_loop, lambda r: (0.7,)),
    "early_return_not_taken": (early_return_in_loop, lambda r: (-3.0,)),
    "dead_forward_code": (dead_forward_code, lambda r: (0.3,)),
    "counter_rebound_in_body": (counter_rebound_in_body, lambda r: (1.1,)),
    "bound_variable_changed_in_body": (
        bound_variable_changed_in_body,
        lambda r: (r.standard_normal(5),),
    ),
    "bound_from_active_value": (bound_from_active_value, lambda r: (1.55,)),
    "while_inside_for": (while_inside_for, lambda r: (np.array([0.5, 1.2, 2.0, 3.5]),)),
    "user_reversed_range": (user_reversed_range, lambda r: (r.standard_normal(5),)),
    "slice_accumulate": (slice_accumulate, lambda r: (r.standard_normal(4), r.standard_normal(2))),
    "inplace_array_acc": (inplace_array_acc, lambda r: (r.standard_normal(3),)),
    "matrix_power_trace": (matrix_power_trace, lambda r: (0.5 * r.standard_normal((3, 3)),)),
    "newton_sqrt": (newton_sqrt, lambda r: (2.3,)),
    "euler_pendulum": (euler_pendulum, lambda r: (0.8, 2.0, 40)),
    "where_in_loop": (where_in_loop, lambda r: (np.array([-1.0, 0.5, 2.0, -0.3]),)),
    "cumulative_product": (cumulative_product, lambda r: (r.standard_normal(5),)),
    "parity_branch": (parity_branch, lambda r: (0.9,)),
    "total_variation_smooth": (total_variation_smooth, lambda r: (r.standard_normal(6),)),
    "loop_var_after_loop": (loop_var_after_loop, lambda r: (0.7, 4)),
    "zero_trip_loop": (zero_trip_loop, lambda r: (0.7, 0)),
    "one_trip_loop": (zero_trip_loop, lambda r: (0.7, 1)),
    "loop_logsumexp": (loop_logsumexp, lambda r: (r.standard_normal(5),)),
    "vector_state_loop": (
        vector_state_loop,
        lambda r: (r.standard_normal(3), 0.5 * r.standard_normal((3, 3))),
    ),
    "mlp_loop_layers": (
        mlp_loop_layers,
        lambda r: (
            0.5 * r.standard_normal((4, 4)),
            r.standard_normal((2, 4)),
            r.standard_normal(4),
        ),
    ),
    "coupled_swap": (coupled_swap, lambda r: (0.8,)),
    "range_len_minus_expression": (
        range_len_minus_expression,
        lambda r: (r.standard_normal(7) + 2.0,),
    ),
    "nested_break_inner": (nested_break_inner, lambda r: (np.array([0.5, 0.8, -0.3, 1.1, 0.2]),)),
    "two_steps_back": (two_steps_back, lambda r: (0.7,)),
    "conditional_save": (conditional_save, lambda r: (0.7,)),
    "augmented_float": (augmented_float, lambda r: (0.7,)),
    "grid_2d_indices": (grid_2d_indices, lambda r: (r.standard_normal((2, 3)),)),
    "rows_of_matrix": (rows_of_matrix, lambda r: (r.standard_normal((3, 2)),)),
    "checkpointed_loop": (checkpointed_loop, lambda r: (0.4,)),
    "checkpointed_every_3": (checkpointed_every_3, lambda r: (0.4,)),
    "while_on_array": (while_on_array, lambda r: (np.array([0.5, 1.0, 0.2]),)),
    "size_and_ndim_bound": (size_and_ndim_bound, lambda r: (r.standard_normal((2, 3)),)),
    "global_list_len_bound": (global_list_len_bound, lambda r: (0.8,)),
    "while_break_else_in_for": (while_break_else_in_for, lambda r: (1.3,)),
    "array_helper_in_loop": (array_helper_in_loop, lambda r: (np.array([0.5, 1.0, 0.2]),)),
    "tuple_state": (tuple_state, lambda r: (0.7,)),
    "list_grows_in_loop": (list_grows_in_loop, lambda r: (0.7,)),
    "bound_rebound_after": (bound_rebound_after, lambda r: (0.7, 4)),
    "invariant_rebound_after": (invariant_rebound_after, lambda r: (0.7, 0.3)),
    "invariant_array_updated_after": (
        invariant_array_updated_after,
        lambda r: (np.array([0.5, -0.2, 1.0]),),
    ),
    "control_only_variable": (control_only_variable, lambda r: (0.3,)),
    "while_cond_only_variable": (while_cond_only_variable, lambda r: (0.7,)),
    "range_negative_start": (range_negative_start, lambda r: (np.arange(1.0, 6.0) * 0.3,)),
    "empty_range_start_gt_stop_runs": (empty_range_start_gt_stop, lambda r: (0.7, 0)),
    "empty_range_start_gt_stop_empty": (empty_range_start_gt_stop, lambda r: (0.7, 5)),
    "two_loops_bound_changed_between": (two_loops_bound_changed_between, lambda r: (0.7, 4)),
    "flag_chooses_loop_true": (flag_chooses_loop, lambda r: (0.7, True)),
    "flag_chooses_loop_false": (flag_chooses_loop, lambda r: (0.7, False)),
    "target_shadows_active_runs": (target_shadows_active, lambda r: (0.7, 3)),
    "target_shadows_active_empty": (target_shadows_active, lambda r: (0.7, 0)),
    "counter_conditionally_rebound": (counter_conditionally_rebound, lambda r: (0.7,)),
    "raise_guard": (raise_guard, lambda r: (0.7,)),
    "comprehension_sum": (comprehension_sum, lambda r: (r.standard_normal(4),)),
    "comprehension_matrix": (comprehension_matrix, lambda r: (r.standard_normal(3),)),
    "comprehension_in_loop": (comprehension_in_loop, lambda r: (r.standard_normal(3),)),
    "errstate_in_loop": (errstate_in_loop, lambda r: (r.standard_normal(3),)),
    "zip_range_array": (zip_range_array, lambda r: (r.standard_normal(4),)),
    "enumerate_start_2": (enumerate_start_2, lambda r: (r.standard_normal(4),)),
    "lambda_in_loop": (lambda_in_loop, lambda r: (0.4,)),
    "nested_def_in_loop": (nested_def_in_loop, lambda r: (0.4,)),
    "running_max_min": (running_max_min, lambda r: (np.array([0.3, 1.5, -0.7, 0.9]),)),
}

SCALAR_NAMES = sorted(SCALAR_PROGRAMS)


def _scalar_case(name, seed=0):
    fn, make = SCALAR_PROGRAMS[name]
    return fn, make(np.random.default_rng(seed))


def _as_tuple(g, n):
    return g if n > 1 else (g,)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_grad_matches_central_differences(name):
    fn, args = _scalar_case(name)
    for i in float_indices(args):
        g = ad.grad(fn, wrt=i)(*args)
        assert np.shape(g) == np.shape(args[i])
        assert_close(g, num_jac(fn, args, i), what=f"{name} d/d arg {i}")


MULTI_ARG_NAMES = [n for n in SCALAR_NAMES if len(float_indices(_scalar_case(n, seed=1)[1])) > 1]


@pytest.mark.parametrize("name", MULTI_ARG_NAMES)
def test_grad_wrt_all_float_args_at_once(name):
    fn, args = _scalar_case(name, seed=1)
    idx = float_indices(args)
    gs = ad.grad(fn, wrt=tuple(idx))(*args)
    assert isinstance(gs, tuple) and len(gs) == len(idx)
    for g, i in zip(gs, idx):
        assert_close(g, ad.grad(fn, wrt=i)(*args), rtol=1e-12, atol=1e-14, what=f"arg {i}")


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_value_and_grad_value_is_the_plain_call(name):
    fn, args = _scalar_case(name)
    plain = fn(*args)
    value, g = ad.value_and_grad(fn)(*args)
    assert float(value) == float(plain), (value, plain)
    assert_close(g, ad.grad(fn)(*args), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_forward_mode_matches_reverse(name):
    fn, args = _scalar_case(name, seed=2)
    r = np.random.default_rng(7)
    for i in float_indices(args):
        g_rev = ad.grad(fn, wrt=i)(*args)
        g_fwd = ad.grad(fn, wrt=i, mode="forward")(*args)
        assert_close(g_fwd, g_rev, rtol=1e-10, atol=1e-12, what=f"arg {i}")
        # jvp along a random direction = <grad, direction>
        t = r.standard_normal(np.shape(args[i]))
        t = float(t) if isinstance(args[i], float) else t
        tangents = [None] * len(args)
        tangents[i] = t
        out, dout = ad.jvp(fn, tuple(args), tuple(tangents))
        assert float(out) == float(fn(*args))
        assert_close(dout, np.sum(np.asarray(g_rev) * t), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_vjp_with_non_unit_cotangents(name):
    fn, args = _scalar_case(name, seed=3)
    out, pullback = ad.vjp(fn, *args)
    assert float(out) == float(fn(*args))
    first = pullback(2.5)
    second = pullback(-0.75)
    third = pullback(2.5)
    for i in float_indices(args):
        g = ad.grad(fn, wrt=i)(*args)
        assert_close(first[i], 2.5 * np.asarray(g), rtol=1e-12, atol=1e-14, what=f"arg {i} ct 2.5")
        assert_close(
            second[i], -0.75 * np.asarray(g), rtol=1e-12, atol=1e-14, what=f"arg {i} ct -0.75"
        )
        # the pullback can be called again: the saved values are not consumed
        np.testing.assert_array_equal(third[i], first[i])
    for i, a in enumerate(args):
        if not _is_float_arg(a):
            assert first[i] is None


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_grad_repeated_calls_other_values_same_result(name):
    fn, args = _scalar_case(name, seed=4)
    g = ad.grad(fn)
    first = np.array(g(*args), copy=True)
    _, other = _scalar_case(name, seed=5)
    if (
        _is_float_arg(args[0])
        and np.ndim(args[0]) == 0
        and name not in ("bound_from_active_value",)
    ):
        other = (args[0] * 0.97,) + tuple(args[1:])
    g(*other)
    again = g(*args)
    np.testing.assert_array_equal(again, first)
    fresh = ad.grad(fn)(*args)
    np.testing.assert_array_equal(fresh, first)


@pytest.mark.parametrize("name", SCALAR_NAMES)
def test_two_vjps_alive_at_once_keep_their_own_values(name):
    fn, a1 = _scalar_case(name, seed=40)
    if (_is_float_arg(a1[0]) and np.ndim(a1[0]) == 0) or name == "bound_from_active_value":
        a2 = (a1[0] * 0.98,) + tuple(a1[1:])
    else:
        a2 = _scalar_case(name, seed=41)[1]
    _, p1 = ad.vjp(fn, *a1)
    _, p2 = ad.vjp(fn, *a2)
    r2 = p2(1.5)[0]
    r1 = p1(1.5)[0]
    assert_close(r1, 1.5 * np.asarray(ad.grad(fn)(*a1)), rtol=1e-12, atol=1e-14, what="first")
    assert_close(r2, 1.5 * np.asarray(ad.grad(fn)(*a2)), rtol=1e-12, atol=1e-14, what="second")


# shape-generic programs: the same gradient object with vectors of other lengths
SHAPE_GENERIC = [
    "comprehension_sum",
    "comprehension_matrix",
    "comprehension_in_loop",
    "zip_range_array",
    "range_negative_start",
    "array_helper_in_loop",
    "invariant_array_updated_after",
    "len_bound_pairs",
    "shape_bound_weighted",
    "fill_local_array",
    "nested_triangular",
    "several_accumulators",
    "negative_step_range",
    "enumerate_array",
    "rosenbrock_loop",
    "rosenbrock_vec",
    "user_reversed_range",
    "cumulative_product",
    "total_variation_smooth",
    "loop_logsumexp",
    "range_len_minus_expression",
    "bound_variable_changed_in_body",
]


@pytest.mark.parametrize("name", SHAPE_GENERIC)
def test_grad_with_other_argument_shapes(name):
    fn, _ = SCALAR_PROGRAMS[name]
    g = ad.grad(fn)
    r = np.random.default_rng(11)
    xs = [
        r.standard_normal(n) + (2.0 if name == "range_len_minus_expression" else 0.0)
        for n in (5, 8, 4)
    ]
    xs.append(xs[0])
    results = [np.array(g(x), copy=True) for x in xs]
    for x, res in zip(xs, results):
        assert res.shape == x.shape
        assert_close(res, num_jac(fn, (x,), 0), what=f"length {len(x)}")
    np.testing.assert_array_equal(results[0], results[3])


def test_int_argument_trip_count_changes_between_calls():
    g = ad.grad(horner_int_n)
    values = {n: g(1.3, n) for n in (5, 2, 9, 0, 5)}
    for n, v in values.items():
        assert_close(v, num_jac(horner_int_n, (1.3, n), 0), what=f"n={n}")
    e = ad.grad(euler_pendulum, wrt=(0, 1))
    for n in (10, 3, 25):
        d0, d1 = e(0.8, 2.0, n)
        assert_close(d0, num_jac(euler_pendulum, (0.8, 2.0, n), 0), what=f"theta0 n={n}")
        assert_close(d1, num_jac(euler_pendulum, (0.8, 2.0, n), 1), what=f"omega2 n={n}")


def test_zero_and_one_trip_loops_value_and_grad():
    for n in (0, 1, 3, 0):
        v, g = ad.value_and_grad(zero_trip_loop)(0.7, n)
        assert v == zero_trip_loop(0.7, n)
        assert_close(g, num_jac(zero_trip_loop, (0.7, n), 0), what=f"n={n}")


def test_grad_wrt_by_name_in_loop_program():
    args = (0.9, 0.2, 0.7)
    ga, gb = ad.grad(loop_invariant_before, wrt=("a", "b"))(*args)
    assert_close(ga, num_jac(loop_invariant_before, args, 1))
    assert_close(gb, num_jac(loop_invariant_before, args, 2))


def test_break_point_moves_between_calls():
    # the loop leaves at a different iteration for each x: the reverse sweep must replay
    # exactly the iterations that ran
    g = ad.grad(break_on_threshold)
    for x in (1.37, 3.3, 1.05, 1.37, 11.0):
        assert_close(g(x), num_jac(break_on_threshold, (x,), 0), what=f"x={x}")


def test_while_trip_count_moves_between_calls():
    g = ad.grad(while_until_event)
    for x in (1.63, 2.9, 1.2, 1.63):
        assert_close(g(x), num_jac(while_until_event, (x,), 0), what=f"x={x}")


def test_bound_from_active_value_moves_between_calls():
    g = ad.grad(bound_from_active_value)
    for x in (1.55, 2.1, 0.5, 1.2):
        assert_close(g(x), num_jac(bound_from_active_value, (x,), 0), what=f"x={x}")


# ---------------------------------------------------------------------------------------------
# vector-valued programs for jacrev / jacfwd / vjp with a leading cotangent axis
# ---------------------------------------------------------------------------------------------

A_GLOBAL = np.array([[1.0, -0.5, 0.3, 0.2], [0.1, 0.7, -1.2, 0.4], [0.6, 0.0, 0.9, -0.3]])


def vec_elementwise(x):
    return np.sin(x) * x + np.exp(-x * x)


def vec_matvec_global(x):
    return A_GLOBAL @ x


def vec_matvec_wrt_matrix(W, x):
    return np.tanh(W @ x)


def vec_vecmat(x, B):
    return x @ B


def vec_matmat(X, Y):
    return X @ Y


def vec_reductions(x):
    return np.array([np.sum(x), np.prod(x), np.max(x), np.mean(x**2)])


def vec_axis_reductions(X):
    return np.concatenate([np.sum(X, axis=0), np.mean(X, axis=1), np.max(X, axis=-1)])


def vec_keepdims_normalise(X):
    return X / np.sum(X**2, axis=1, keepdims=True)


def vec_cumsum_flat(X):
    return np.cumsum(X) * 0.5 + np.cumprod(X[0])[-1]


def vec_indexing(x):
    return x[::2] * x[1::2] + x[-1]


def vec_fancy_index(x):
    idx = np.array([0, 2, 2, 1, 0])
    return x[idx] ** 2


def vec_mask_index(x):
    return x[x > 0.0] * 3.0


def vec_concatenate(x):
    return np.concatenate([x, x**2, [np.sum(x)]])


def vec_loop_fill(x):
    res = np.zeros(len(x))
    for i in range(len(x)):
        res[i] = np.sin(x[i]) * x[i - 1] + i
    return res


def vec_loop_cumulative(x):
    res = np.zeros(len(x))
    acc = 0.0
    for i in range(len(x)):
        acc = acc * 0.5 + x[i] ** 2
        res[i] = acc
    return res


def vec_broadcast_outer(x, y):
    return x[:, None] * y[None, :] + np.sin(x)[:, None]


def vec_outer(u, v):
    return np.outer(u, v) + u[:, None] @ v[None, :]


def vec_transpose_reshape(X):
    return (X.T @ X).reshape(-1)[::2]


def vec_solve(A, b):
    return np.linalg.solve(A, b)


def vec_inv(A):
    return np.linalg.inv(A)


def vec_einsum(X, y):
    return np.einsum("ij,j->i", X, y) + np.einsum("ij,ij->i", X, X)


def vec_sort_flip_roll(x):
    return np.sort(x) + np.flip(x) * np.roll(x, 1)


def vec_diff_trace(X):
    return np.concatenate([np.diff(X[0]), [np.trace(X)], np.diagonal(X) ** 2])


def vec_norm_rows(X):
    return np.linalg.norm(X, axis=1)


def vec_list_stack_loop(x):
    rows = []
    h = x
    for _ in range(3):
        h = np.tanh(h * 1.5 + 0.1)
        rows.append(h)
    return np.stack(rows)


def vec_scalar_to_vector(theta):
    traj = np.zeros(6)
    y = 1.0
    for i in range(6):
        y = y + 0.1 * np.sin(theta * y)
        traj[i] = y
    return traj


def vec_many_to_few(x):
    return np.array([np.sum(x**2), np.sum(np.sin(x)), np.dot(x[:-1], x[1:])])


def vec_few_to_many(x):
    t = np.linspace(0.0, 1.0, 30)
    return x[0] * np.sin(t * x[1]) + x[2] * t**2


def vec_scalar_output_as_vector(x):
    return np.sum(x**3)


def vec_rnn_states(W, x):
    h = np.zeros(W.shape[0])
    out = []
    for t in range(3):
        h = np.tanh(W @ h + x * t)
        out.append(np.sum(h))
    return np.array(out)


def vec_softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def vec_where_clip(x):
    return np.where(x > 0.0, x**2, -x) + np.clip(x, -0.5, 0.5)


def vec_stack_2d_output(x, w):
    return np.stack([x * w, x + w, x / w])


def vec_matrix_loop_power(A):
    M = A
    for _ in range(2):
        M = M @ A + 0.1 * A
    return M


def vec_loop_break(x):
    res = np.zeros(len(x))
    acc = 1.0
    for i in range(len(x)):
        acc = acc * x[i]
        if abs(acc) > 5.0:
            break
        res[i] = acc
    return res


def vec_while(x):
    v = x
    while np.sum(v) < 10.0:
        v = v * 1.5 + 0.2
    return v


def vec_checkpoint(x):
    h = x
    for _ in ad.checkpoint(range(6)):
        h = np.tanh(h[::-1] * 1.3 + 0.1)
    return h


def vec_mean_axis0_3d(X):
    return np.mean(X**2, axis=0).ravel()


def vec_swapaxes(X):
    return np.swapaxes(X, 0, 1) @ np.ones(X.shape[0])


def vec_expand_squeeze(x):
    return np.squeeze(np.expand_dims(x, 0) * np.expand_dims(x, 1)).sum(axis=-1)


def vec_tile_repeat(x):
    return np.concatenate([np.tile(x, 2), np.repeat(x, 2)]) * 1.5


def vec_pad(x):
    return np.pad(x, (1, 2)) * np.arange(len(x) + 3.0)


def vec_take_along(X):
    idx = np.array([[0], [1]])
    return np.take_along_axis(X, idx, axis=1).ravel() + X[:, -1]


def vec_max_axis(X):
    return np.max(X, axis=0) * np.min(X, axis=1)[0]


def vec_var_std(X):
    return np.concatenate([np.var(X, axis=0), np.std(X, axis=1)])


def vec_dot_2d(A, B):
    return np.dot(A, B).ravel()


def vec_cross(a, b):
    return np.cross(a, b)


def vec_det_slogdet(A):
    return np.array([np.linalg.det(A), np.linalg.slogdet(A)[1]])


def vec_cholesky(A):
    return np.linalg.cholesky(A @ A.T + np.eye(A.shape[0])).ravel()


def vec_tensordot(A, B):
    return np.tensordot(A, B, axes=([1], [0])).ravel()


def vec_triu_tril(A):
    return (np.triu(A) + 2 * np.tril(A, -1)).ravel()


def vec_matvec_loop(W, x):
    outs = []
    h = x
    for _ in range(3):
        h = W @ h
        outs.append(h[0])
    return np.array(outs)


def vec_scalar_times_matrix(a, X):
    return (a * X).T.ravel()


def vec_prod_axis(X):
    return np.prod(X, axis=1)


def vec_cumsum_axis0(X):
    return np.cumsum(X, axis=0).ravel()


def vec_index_assign_2d(x):
    M = np.zeros((2, 3))
    for i in range(2):
        M[i, :] = x * (i + 1)
        M[i, i] = x[0] ** 2
    return M


def vec_logsumexp_rows(X):
    m = np.max(X, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(X - m), axis=1, keepdims=True))).ravel()


def vec_constant_row(x):
    return np.array([np.sum(x**2), 3.0, x[0]])


def vec_independent_of_input(x):
    return np.ones(3) * 2.0


def vec_list_params(params, x):
    W, b = params
    return np.tanh(W @ x + b)


def vec_math_in_loop(x):
    res = np.zeros(len(x))
    for i in range(len(x)):
        res[i] = math.sin(x[i]) * math.exp(-(x[i] ** 2)) + float(x[i - 1])
    return res


def vec_builtins_in_loop(x):
    out = []
    for i in range(len(x)):
        out.append(max(x[i], 0.1 * x[i]) + abs(x[i]) * min(x[i], 1.0))
    return np.array(out)


def vec_python_scalars(a, b):
    s = a
    vals = []
    for k in range(3):
        s = math.tanh(s * b) + a**k
        vals.append(s)
    return np.array(vals)


def vec_scalar_powers(x):
    return np.array([x**2.5, 2.0**x, x**x])


def vec_hypot_arctan2(x, y):
    return np.array([np.hypot(x, y), np.arctan2(y, x), math.atan2(y, x), math.hypot(x, y)])


VEC_PROGRAMS = {
    "elementwise": (vec_elementwise, lambda r: (r.standard_normal(5),)),
    "matvec_global": (vec_matvec_global, lambda r: (r.standard_normal(4),)),
    "matvec_wrt_matrix": (
        vec_matvec_wrt_matrix,
        lambda r: (0.5 * r.standard_normal((3, 4)), r.standard_normal(4)),
    ),
    "vecmat": (vec_vecmat, lambda r: (r.standard_normal(3), r.standard_normal((3, 4)))),
    "matmat": (vec_matmat, lambda r: (r.standard_normal((2, 3)), r.standard_normal((3, 4)))),
    "reductions": (vec_reductions, lambda r: (np.array([0.5, -1.2, 2.0, 0.9]),)),
    "axis_reductions": (
        vec_axis_reductions,
        lambda r: (np.array([[0.5, -1.2, 2.0], [0.9, 0.3, -0.7]]),),
    ),
    "keepdims_normalise": (vec_keepdims_normalise, lambda r: (r.standard_normal((3, 2)),)),
    "cumsum_flat": (vec_cumsum_flat, lambda r: (r.standard_normal((2, 3)),)),
    "indexing": (vec_indexing, lambda r: (r.standard_normal(6),)),
    "fancy_index": (vec_fancy_index, lambda r: (r.standard_normal(3),)),
    "mask_index": (vec_mask_index, lambda r: (np.array([0.5, -1.0, 2.0, -0.1, 0.3]),)),
    "concatenate": (vec_concatenate, lambda r: (r.standard_normal(4),)),
    "loop_fill": (vec_loop_fill, lambda r: (r.standard_normal(5),)),
    "loop_cumulative": (vec_loop_cumulative, lambda r: (r.standard_normal(5),)),
    "broadcast_outer": (
        vec_broadcast_outer,
        lambda r: (r.standard_normal(3), r.standard_normal(4)),
    ),
    "outer": (vec_outer, lambda r: (r.standard_normal(3), r.standard_normal(2))),
    "transpose_reshape": (vec_transpose_reshape, lambda r: (r.standard_normal((3, 2)),)),
    "solve": (
        vec_solve,
        lambda r: (np.eye(3) * 3.0 + r.standard_normal((3, 3)), r.standard_normal(3)),
    ),
    "inv": (vec_inv, lambda r: (np.eye(3) * 3.0 + r.standard_normal((3, 3)),)),
    "einsum": (vec_einsum, lambda r: (r.standard_normal((3, 2)), r.standard_normal(2))),
    "sort_flip_roll": (vec_sort_flip_roll, lambda r: (np.array([0.3, -1.1, 2.2, 0.9, -0.4]),)),
    "diff_trace": (vec_diff_trace, lambda r: (r.standard_normal((3, 3)),)),
    "norm_rows": (vec_norm_rows, lambda r: (r.standard_normal((3, 4)),)),
    "list_stack_loop": (vec_list_stack_loop, lambda r: (r.standard_normal(3),)),
    "scalar_to_vector": (vec_scalar_to_vector, lambda r: (1.3,)),
    "many_to_few": (vec_many_to_few, lambda r: (r.standard_normal(40),)),
    "few_to_many": (vec_few_to_many, lambda r: (np.array([0.7, 2.0, -0.4]),)),
    "scalar_output": (vec_scalar_output_as_vector, lambda r: (r.standard_normal(4),)),
    "rnn_states": (
        vec_rnn_states,
        lambda r: (0.5 * r.standard_normal((3, 3)), r.standard_normal(3)),
    ),
    "softmax": (vec_softmax, lambda r: (r.standard_normal(4),)),
    "where_clip": (vec_where_clip, lambda r: (np.array([0.3, -1.2, 0.8, -0.2, 1.5]),)),
    "stack_2d_output": (
        vec_stack_2d_output,
        lambda r: (r.standard_normal(3), r.standard_normal(3) + 3.0),
    ),
    "matrix_loop_power": (vec_matrix_loop_power, lambda r: (0.5 * r.standard_normal((3, 3)),)),
    "loop_break": (vec_loop_break, lambda r: (np.array([1.5, 2.0, 1.2, 3.0, 0.4]),)),
    "while": (vec_while, lambda r: (np.array([0.5, 1.0, 0.2]),)),
    "checkpoint": (vec_checkpoint, lambda r: (np.array([0.5, 1.0, 0.2]),)),
    "mean_axis0_3d": (vec_mean_axis0_3d, lambda r: (r.standard_normal((2, 3, 2)),)),
    "swapaxes": (vec_swapaxes, lambda r: (r.standard_normal((2, 3)),)),
    "expand_squeeze": (vec_expand_squeeze, lambda r: (r.standard_normal(3),)),
    "tile_repeat": (vec_tile_repeat, lambda r: (r.standard_normal(3),)),
    "pad": (vec_pad, lambda r: (r.standard_normal(3),)),
    "take_along": (vec_take_along, lambda r: (r.standard_normal((2, 3)),)),
    "max_axis": (vec_max_axis, lambda r: (r.standard_normal((3, 3)),)),
    "var_std": (vec_var_std, lambda r: (r.standard_normal((3, 4)),)),
    "dot_2d": (vec_dot_2d, lambda r: (r.standard_normal((2, 3)), r.standard_normal((3, 2)))),
    "cross": (vec_cross, lambda r: (r.standard_normal(3), r.standard_normal(3))),
    "det_slogdet": (vec_det_slogdet, lambda r: (r.standard_normal((3, 3)) + 3 * np.eye(3),)),
    "cholesky": (vec_cholesky, lambda r: (r.standard_normal((3, 3)),)),
    "tensordot": (vec_tensordot, lambda r: (r.standard_normal((2, 3)), r.standard_normal((3, 2)))),
    "triu_tril": (vec_triu_tril, lambda r: (r.standard_normal((3, 3)),)),
    "matvec_loop": (
        vec_matvec_loop,
        lambda r: (0.5 * r.standard_normal((3, 3)), r.standard_normal(3)),
    ),
    "scalar_times_matrix": (vec_scalar_times_matrix, lambda r: (1.7, r.standard_normal((2, 3)))),
    "prod_axis": (vec_prod_axis, lambda r: (r.standard_normal((3, 4)),)),
    "cumsum_axis0": (vec_cumsum_axis0, lambda r: (r.standard_normal((3, 2)),)),
    "index_assign_2d": (vec_index_assign_2d, lambda r: (r.standard_normal(3),)),
    "logsumexp_rows": (vec_logsumexp_rows, lambda r: (r.standard_normal((3, 4)),)),
    "constant_row": (vec_constant_row, lambda r: (r.standard_normal(3),)),
    "independent_of_input": (vec_independent_of_input, lambda r: (r.standard_normal(3),)),
    "math_in_loop": (vec_math_in_loop, lambda r: (np.array([0.3, -0.5, 1.2]),)),
    "builtins_in_loop": (vec_builtins_in_loop, lambda r: (np.array([0.3, -0.5, 1.2, 2.0]),)),
    "python_scalars": (vec_python_scalars, lambda r: (0.7, 0.4)),
    "scalar_powers": (vec_scalar_powers, lambda r: (1.3,)),
    "hypot_arctan2": (vec_hypot_arctan2, lambda r: (0.7, -0.4)),
}

VEC_NAMES = sorted(VEC_PROGRAMS)


def _vec_case(name, seed=0):
    fn, make = VEC_PROGRAMS[name]
    return fn, make(np.random.default_rng(seed))


@pytest.mark.parametrize("name", VEC_NAMES)
def test_jacrev_matches_central_differences(name):
    fn, args = _vec_case(name)
    for i in float_indices(args):
        J = ad.jacrev(fn, wrt=i)(*args)
        assert_close(J, num_jac(fn, args, i), what=f"{name} d/d arg {i}")


@pytest.mark.parametrize("name", VEC_NAMES)
def test_jacrev_matches_jacfwd(name):
    fn, args = _vec_case(name, seed=1)
    idx = tuple(float_indices(args))
    wrt = idx if len(idx) > 1 else idx[0]
    Jr = _as_tuple(ad.jacrev(fn, wrt=wrt)(*args), len(idx))
    Jf = _as_tuple(ad.jacfwd(fn, wrt=wrt)(*args), len(idx))
    Jrm = _as_tuple(ad.jacobian(fn, wrt=wrt, mode="reverse")(*args), len(idx))
    for a, b, c, i in zip(Jr, Jf, Jrm, idx):
        assert_close(a, b, rtol=1e-10, atol=1e-12, what=f"jacrev vs jacfwd arg {i}")
        np.testing.assert_array_equal(c, a)


@pytest.mark.parametrize("name", VEC_NAMES)
def test_vjp_random_cotangents_is_jacobian_transposed(name):
    fn, args = _vec_case(name, seed=2)
    out, pullback = ad.vjp(fn, *args)
    np.testing.assert_array_equal(out, fn(*args))
    r = np.random.default_rng(3)
    cts = [r.standard_normal(np.shape(out)) for _ in range(2)]
    if np.ndim(out) == 0:
        cts = [float(c) for c in cts]
    res = [pullback(ct) for ct in cts]
    for i in float_indices(args):
        J = np.asarray(ad.jacfwd(fn, wrt=i)(*args))
        n_out = np.ndim(out)
        for ct, got in zip(cts, res):
            expected = np.tensordot(np.asarray(ct), J, axes=n_out)
            assert_close(got[i], expected, rtol=1e-10, atol=1e-12, what=f"arg {i}")
    again = pullback(cts[0])
    for i in float_indices(args):
        np.testing.assert_array_equal(again[i], res[0][i])


@pytest.mark.parametrize("name", VEC_NAMES)
def test_jvp_random_tangent_is_jacobian_times_tangent(name):
    fn, args = _vec_case(name, seed=4)
    r = np.random.default_rng(5)
    for i in float_indices(args):
        t = r.standard_normal(np.shape(args[i]))
        t = float(t) if isinstance(args[i], float) else t
        tangents = [None] * len(args)
        tangents[i] = t
        out, dout = ad.jvp(fn, tuple(args), tuple(tangents))
        np.testing.assert_array_equal(out, fn(*args))
        J = np.asarray(ad.jacrev(fn, wrt=i)(*args))
        expected = np.tensordot(J, np.asarray(t), axes=np.ndim(args[i]))
        assert_close(dout, expected, rtol=1e-10, atol=1e-12, what=f"arg {i}")


@pytest.mark.parametrize("name", VEC_NAMES)
def test_jacrev_repeated_calls_other_values(name):
    fn, args = _vec_case(name, seed=6)
    j = ad.jacrev(fn)
    first = np.array(j(*args), copy=True)
    _, other = _vec_case(name, seed=7)
    if name in (
        "reductions",
        "axis_reductions",
        "mask_index",
        "sort_flip_roll",
        "where_clip",
        "few_to_many",
        "loop_break",
        "while",
        "max_axis",
        "builtins_in_loop",
    ):
        other = (args[0] * 1.01,) + tuple(args[1:])
    j(*other)
    np.testing.assert_array_equal(j(*args), first)


@pytest.mark.parametrize("name", VEC_NAMES)
def test_two_vector_vjps_alive_at_once(name):
    fn, a1 = _vec_case(name, seed=40)
    a2 = (a1[0] * 1.01,) + tuple(a1[1:])
    o1, p1 = ad.vjp(fn, *a1)
    o2, p2 = ad.vjp(fn, *a2)
    ct = np.random.default_rng(0).standard_normal(np.shape(o1))
    if np.ndim(o1) == 0:
        ct = float(ct)
    r2 = p2(ct)[0]
    r1 = p1(ct)[0]
    J1 = np.asarray(ad.jacrev(fn)(*a1))
    J2 = np.asarray(ad.jacrev(fn)(*a2))
    assert_close(r1, np.tensordot(ct, J1, axes=np.ndim(o1)), rtol=1e-10, atol=1e-12, what="first")
    assert_close(r2, np.tensordot(ct, J2, axes=np.ndim(o2)), rtol=1e-10, atol=1e-12, what="second")


VEC_SHAPE_GENERIC = {
    "elementwise": [(3,), (6,)],
    "indexing": [(4,), (8,)],
    "concatenate": [(2,), (5,)],
    "loop_fill": [(3,), (6,)],
    "loop_cumulative": [(2,), (7,)],
    "keepdims_normalise": [(2, 3), (4, 1)],
    "axis_reductions": [(3, 2), (1, 4)],
    "norm_rows": [(2, 2), (4, 3)],
    "softmax": [(3,), (6,)],
    "list_stack_loop": [(2,), (5,)],
    "many_to_few": [(3,), (9,)],
}


@pytest.mark.parametrize("name", sorted(VEC_SHAPE_GENERIC))
def test_jacrev_with_other_argument_shapes(name):
    fn, _ = VEC_PROGRAMS[name]
    j = ad.jacrev(fn)
    r = np.random.default_rng(8)
    shapes = VEC_SHAPE_GENERIC[name]
    xs = [r.standard_normal(s) for s in shapes] + [None]
    xs[-1] = xs[0]
    results = [np.array(j(x), copy=True) for x in xs]
    for x, J in zip(xs, results):
        assert_close(J, num_jac(fn, (x,), 0), what=f"shape {x.shape}")
    np.testing.assert_array_equal(results[0], results[-1])


def tuple_output(x, y):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * y[i]
    return s, np.sin(x) * y[0], x[:2] ** 2


def dict_output(x):
    acc = np.zeros(2)
    for i in range(len(x)):
        acc = acc + x[i] * np.array([1.0, float(i)])
    return {"total": np.sum(x**2), "acc": acc}


def test_jacrev_tuple_outputs_wrt_two_args():
    r = np.random.default_rng(9)
    x, y = r.standard_normal(3), r.standard_normal(3)
    Jr = ad.jacrev(tuple_output, wrt=(0, 1))(x, y)
    Jf = ad.jacfwd(tuple_output, wrt=(0, 1))(x, y)
    assert isinstance(Jr, tuple) and len(Jr) == 3
    for k in range(3):
        for i in range(2):
            expected = num_jac(lambda a, b: tuple_output(a, b)[k], (x, y), i)
            assert_close(Jr[k][i], expected, what=f"output {k} arg {i}")
            assert_close(Jf[k][i], Jr[k][i], rtol=1e-10, atol=1e-12)


def test_vjp_tuple_outputs_non_unit_cotangents():
    r = np.random.default_rng(10)
    x, y = r.standard_normal(3), r.standard_normal(3)
    out, pullback = ad.vjp(tuple_output, x, y)
    cts = (2.5, r.standard_normal(3), r.standard_normal(2))
    gx, gy = pullback(cts)
    Jf = ad.jacfwd(tuple_output, wrt=(0, 1))(x, y)
    ex = cts[0] * Jf[0][0] + cts[1] @ Jf[1][0] + cts[2] @ Jf[2][0]
    ey = cts[0] * Jf[0][1] + cts[1] @ Jf[1][1] + cts[2] @ Jf[2][1]
    assert_close(gx, ex, rtol=1e-10, atol=1e-12)
    assert_close(gy, ey, rtol=1e-10, atol=1e-12)


def test_jacrev_dict_output_from_loop():
    x = np.array([0.5, -1.0, 2.0, 0.3])
    Jr = ad.jacrev(dict_output)(x)
    Jf = ad.jacfwd(dict_output)(x)
    assert set(Jr) == {"total", "acc"}
    assert_close(Jr["total"], 2 * x)
    assert_close(Jr["acc"], num_jac(lambda a: dict_output(a)["acc"], (x,), 0))
    for k in Jr:
        assert_close(Jr[k], Jf[k], rtol=1e-12, atol=1e-14)


def test_vjp_dict_output_cotangent():
    x = np.array([0.5, -1.0, 2.0, 0.3])
    out, pullback = ad.vjp(dict_output, x)
    (gx,) = pullback({"total": -1.5, "acc": np.array([0.25, 2.0])})
    expected = -1.5 * 2 * x + 0.25 * np.ones(4) + 2.0 * np.arange(4.0)
    assert_close(gx, expected, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# seeds: grad's specialised seed against vjp's general one, on sums and loops
# ---------------------------------------------------------------------------------------------


def sum_of_tanh_layer(W, x, b):
    return np.sum(np.tanh(W @ x + b))


def mean_square(x):
    return np.mean(x**2)


def sum_keepdims(X):
    return np.sum(np.sum(X**2, axis=1, keepdims=True))


@pytest.mark.parametrize(
    "fn,shape", [(mean_square, (5,)), (sum_keepdims, (3, 2)), (rosenbrock_vec, (6,))]
)
@pytest.mark.parametrize("ct", [1.0, 2.5, -3.0, 0.0])
def test_seed_grad_versus_vjp_cotangent(fn, shape, ct):
    x = np.random.default_rng(12).standard_normal(shape)
    g = ad.grad(fn)(x)
    _, pullback = ad.vjp(fn, x)
    (v,) = pullback(ct)
    assert_close(v, ct * g, rtol=1e-13, atol=1e-15)
    (v1,) = pullback(1.0)
    np.testing.assert_array_equal(v1, g)


def test_seed_float32_gradient_stays_float32():
    x = np.array([0.5, -0.25, 1.5], dtype=np.float32)
    g = ad.grad(rosenbrock_vec)(x)
    assert g.dtype == np.float32
    assert_close(g, num_jac(rosenbrock_vec, (x.astype(float),), 0), rtol=1e-4, atol=1e-4)


def test_tanh_layer_large_blas_sizes_against_hand_written():
    # issue 19 part 4: large outer products and matrix adjoints may go through BLAS by size;
    # small and large must give the hand-written gradient
    r = np.random.default_rng(13)
    for m, n in ((3, 4), (300, 200)):
        W = r.standard_normal((m, n)) / np.sqrt(n)
        x, b = r.standard_normal(n), r.standard_normal(m)
        dW, dx, db = ad.grad(sum_of_tanh_layer, wrt=(0, 1, 2))(W, x, b)
        s = 1.0 - np.tanh(W @ x + b) ** 2
        assert_close(dW, np.outer(s, x), rtol=1e-12, atol=1e-14, what=f"dW {m}x{n}")
        assert_close(dx, W.T @ s, rtol=1e-12, atol=1e-13, what=f"dx {m}x{n}")
        assert_close(db, s, rtol=1e-12, atol=1e-14, what=f"db {m}x{n}")


def batch_mlp(W1, W2, X):
    return np.sum(np.tanh(X @ W1) @ W2)


def test_matrix_adjoints_large_batch_against_hand_written():
    r = np.random.default_rng(14)
    for b, n, h in ((2, 3, 4), (128, 100, 64)):
        X = r.standard_normal((b, n))
        W1 = r.standard_normal((n, h)) / np.sqrt(n)
        W2 = r.standard_normal((h, 3))
        d1, d2 = ad.grad(batch_mlp, wrt=(0, 1))(W1, W2, X)
        H = np.tanh(X @ W1)
        G = np.ones((b, 3))
        e2 = H.T @ G
        e1 = X.T @ ((G @ W2.T) * (1 - H**2))
        assert_close(d1, e1, rtol=1e-11, atol=1e-12)
        assert_close(d2, e2, rtol=1e-11, atol=1e-12)


def test_jacobian_many_inputs_few_outputs_large():
    # the 1000 -> 10 workload of issue 19, smaller: one reverse sweep for all rows
    r = np.random.default_rng(15)
    A = r.standard_normal((10, 120))
    x = r.standard_normal(120)

    J = ad.jacrev(lambda v: np.tanh(A @ v))(x)
    s = 1.0 - np.tanh(A @ x) ** 2
    assert_close(J, s[:, None] * A, rtol=1e-12, atol=1e-14)
    J2 = ad.jacobian(lambda v: np.tanh(A @ v), mode="auto")(x)
    assert_close(J2, J, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------
# second derivatives of the loop programs
# ---------------------------------------------------------------------------------------------

HESSIAN_NAMES = [
    "horner_int_n",
    "square_accumulate_100",
    "len_bound_pairs",
    "fill_local_array",
    "overwrite_sin_times_x",
    "overwrite_read_before",
    "nested_triangular",
    "break_on_threshold",
    "continue_every_third",
    "for_else_search_found",
    "while_until_event",
    "loop_invariant_before",
    "several_accumulators",
    "helper_in_loop",
    "negative_step_range",
    "rosenbrock_loop",
    "rnn_loop",
    "counter_rebound_in_body",
    "bound_variable_changed_in_body",
    "user_reversed_range",
    "newton_sqrt",
    "euler_pendulum",
    "cumulative_product",
    "parity_branch",
    "total_variation_smooth",
    "loop_var_after_loop",
    "coupled_swap",
    "vector_state_loop",
    "nested_break_inner",
    "two_steps_back",
    "conditional_save",
    "grid_2d_indices",
    "checkpointed_loop",
    "checkpointed_every_3",
    "while_on_array",
    "while_break_else_in_for",
    "array_helper_in_loop",
    "tuple_state",
    "list_grows_in_loop",
    "bound_rebound_after",
    "invariant_rebound_after",
    "invariant_array_updated_after",
    "control_only_variable",
    "while_cond_only_variable",
    "two_loops_bound_changed_between",
    "flag_chooses_loop_true",
    "flag_chooses_loop_false",
    "target_shadows_active_runs",
    "target_shadows_active_empty",
    "counter_conditionally_rebound",
    "raise_guard",
    "comprehension_in_loop",
    "nested_def_in_loop",
    "running_max_min",
]


@pytest.mark.parametrize("name", HESSIAN_NAMES)
def test_hessian_of_loop_program(name):
    fn, args = _scalar_case(name, seed=20)
    if name == "rnn_loop":
        args = (args[0][:2, :2], args[1][:3, :2])
    i = 0
    H = np.asarray(ad.hessian(fn)(*args))
    n_shape = np.shape(args[0])
    assert H.shape == n_shape + n_shape
    Hf = np.asarray(ad.jacfwd(ad.grad(fn))(*args))
    Hr = np.asarray(ad.jacrev(ad.grad(fn))(*args))
    num = num_jac(lambda *a: np.asarray(ad.grad(fn, wrt=i)(*a)), args, i)
    assert_close(H, num, rtol=1e-5, atol=1e-6, what="hessian vs central differences of grad")
    assert_close(Hf, H, rtol=1e-10, atol=1e-10, what="jacfwd(grad) vs hessian")
    assert_close(Hr, H, rtol=1e-10, atol=1e-10, what="jacrev(grad) vs hessian")
    flat = H.reshape(int(np.prod(n_shape or (1,))), -1)
    assert_close(flat, flat.T, rtol=1e-10, atol=1e-10, what="symmetry")


def test_grad_of_grad_scalar_loops():
    for fn, x in (
        (horner_int_n, (1.3, 5)),
        (overwrite_sin_times_x, (1.1, 7)),
        (while_until_event, (1.63,)),
    ):
        gg = ad.grad(ad.grad(fn))(*x)
        num = num_jac(lambda *a: ad.grad(fn)(*a), x, 0)
        assert_close(gg, num, rtol=1e-5, atol=1e-6, what=fn.__name__)


# ---------------------------------------------------------------------------------------------
# print / side effects in loops: dead forward code must not drop them
# ---------------------------------------------------------------------------------------------


def print_in_loop(x):
    y = 0.0
    for i in range(3):
        y = y + x * x
        print("step", i, round(float(y), 6))
    return y


def print_value_not_needed_by_adjoint(x):
    y = 0.0
    z = 1.0
    for i in range(4):
        z = z * 2.0 + i
        y = y + x * 3.0
        print(f"z={z} y={y:.4f}")
    return y


LOG = []


def log_to_module_list(x):
    y = x
    for i in range(3):
        y = np.sin(y) + x
        LOG.append(float(y))
    return y


def assert_in_loop(x):
    y = x
    for _ in range(5):
        y = y * 2.0
        assert y < 100.0, "diverged"
    return y


def _plain_output(fn, args, capsys):
    capsys.readouterr()
    fn(*args)
    return capsys.readouterr().out


PRINT_CALLS = {
    "grad": lambda fn, args: ad.grad(fn)(*args),
    "grad_forward": lambda fn, args: ad.grad(fn, mode="forward")(*args),
    "value_and_grad": lambda fn, args: ad.value_and_grad(fn)(*args),
    "vjp_and_pullback": lambda fn, args: ad.vjp(fn, *args)[1](2.5),
    "jvp": lambda fn, args: ad.jvp(fn, args, (1.0,)),
    "jacrev": lambda fn, args: ad.jacrev(fn)(*args),
    "jacfwd": lambda fn, args: ad.jacfwd(fn)(*args),
    "hessian": lambda fn, args: ad.hessian(fn)(*args),
}


@pytest.mark.parametrize("call", sorted(PRINT_CALLS))
@pytest.mark.parametrize(
    "fn", [print_in_loop, print_value_not_needed_by_adjoint], ids=lambda f: f.__name__
)
def test_print_in_loop_happens_as_in_plain_call(fn, call, capsys):
    args = (0.7,)
    expected = _plain_output(fn, args, capsys)
    for _ in range(2):  # the second call runs the cached code
        PRINT_CALLS[call](fn, args)
        assert capsys.readouterr().out == expected


def warn_in_loop(x):
    y = x
    z = 0.0
    for i in range(4):
        y = y * 1.5
        z = z + y
        if z > 3.0:
            warnings.warn(f"big {i}")
    return y


def print_after_loop(x):
    z = 0.0
    y = 0.0
    for _ in range(4):
        z = z * 2.0 + x
        y = y + x * x
    print("z", z)
    return y


def log_in_loop(x):
    y = x
    for i in range(3):
        y = np.cos(y) * x
        logging.getLogger("issue19.user").info("step %d y=%.6f", i, y)
    return y


@pytest.mark.parametrize("call", sorted(PRINT_CALLS))
def test_print_after_loop_of_dead_value(call, capsys):
    expected = _plain_output(print_after_loop, (0.7,), capsys)
    PRINT_CALLS[call](print_after_loop, (0.7,))
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize("call", sorted(PRINT_CALLS))
def test_warnings_in_loop_as_in_plain_call(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_in_loop(0.9)
    plain = [str(w.message) for w in caught]
    assert plain == ["big 1", "big 2", "big 3"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        PRINT_CALLS[call](warn_in_loop, (0.9,))
    assert [str(w.message) for w in caught if "big" in str(w.message)] == plain


@pytest.mark.parametrize("call", sorted(PRINT_CALLS))
def test_logging_in_loop_as_in_plain_call(call, caplog):
    with caplog.at_level(logging.INFO, logger="issue19.user"):
        log_in_loop(0.6)
        plain = [r.getMessage() for r in caplog.records if r.name == "issue19.user"]
        caplog.clear()
        PRINT_CALLS[call](log_in_loop, (0.6,))
        got = [r.getMessage() for r in caplog.records if r.name == "issue19.user"]
    assert got == plain


@pytest.mark.parametrize("call", sorted(PRINT_CALLS))
def test_raise_in_loop_still_raises(call):
    with pytest.raises(ValueError, match="overflow"):
        PRINT_CALLS[call](raise_guard, (50.0,))


def test_module_list_side_effect_under_grad():
    LOG.clear()
    log_to_module_list(0.4)
    plain = list(LOG)
    LOG.clear()
    g = ad.grad(log_to_module_list)(0.4)
    assert plain == LOG
    assert_close(g, num_jac(log_to_module_list, (0.4,), 0))
    LOG.clear()


def test_assert_in_loop_still_checked():
    assert_close(ad.grad(assert_in_loop)(0.5), 32.0)
    with pytest.raises(AssertionError):
        ad.grad(assert_in_loop)(5.0)


# ---------------------------------------------------------------------------------------------
# values that look loop-invariant but are updated in the loop (in place, through an alias)
# ---------------------------------------------------------------------------------------------


def alias_element_update_in_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        s = s + w[0]
        v[0] = v[0] * 2.0
    return s


def alias_made_in_loop(x):
    w = x * 1.0
    s = 0.0
    for _ in range(2):
        v = w
        s = s + w[0]
        v[0] = v[0] * 2.0
    return s


def alias_augmented_in_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        s = s + w[0]
        v += 1.0
    return s


def alias_updated_sum_sin(x):
    w = x * 1.0
    v = w
    s = 0.0
    for i in range(len(x)):
        s = s + np.sum(np.sin(w)) * x[i]
        v[i] = v[i] * 2.0
    return s


def inplace_mul_read_earlier(x):
    w = x * 1.0
    s = 0.0
    for i in range(3):
        s = s + np.sum(w * w) * (i + 1)
        w *= 1.1
    return s


def list_read_then_appended(x):
    xs = [x]
    s = 0.0
    for _ in range(4):
        s = s + sum(xs) * x
        xs.append(np.sin(xs[-1]))
    return s


def row_update_read_by_matmul(x):
    M = np.outer(x, x)
    s = 0.0
    for i in range(M.shape[0]):
        s = s + np.sum(M @ x) * 0.1
        M[i, :] = M[i, :] * 0.5 + x
    return s + np.sum(M)


def swap_arrays_in_loop(x):
    a = x * 1.0
    b = x * 2.0
    for _ in range(3):
        a, b = b, a * b
    return np.sum(a + b)


def invariant_after_first_loop(x):
    y = x
    for _ in range(3):
        y = y * 0.9 + 0.1
    c = np.cos(y)
    for _ in range(3):
        y = y * c + x
    return y


def alias_view_slice_in_loop(x):
    w = x * 1.0
    v = w[:]
    s = 0.0
    for _ in range(2):
        s = s + w[0]
        v[0] = v[0] * 2.0
    return s


def _identity(a):
    return a


def alias_from_helper_in_loop(x):
    w = x * 1.0
    v = _identity(w)
    s = 0.0
    for _ in range(2):
        s = s + w[0]
        v[0] = v[0] * 2.0
    return s


def alias_tuple_unpacked_in_loop(x):
    w = x * 1.0
    v, u = w, 1.0
    s = 0.0
    for _ in range(2):
        s = s + w[0] * u
        v[0] = v[0] * 2.0
    return s


def alias_in_while_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    k = 0
    while k < 2:
        s = s + w[0]
        v[0] = v[0] * 2.0
        k += 1
    return s


def alias_original_updated_in_loop(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        s = s + v[0]
        w[0] = w[0] * 2.0
    return s


def alias_nested_loops(x):
    w = x * 1.0
    v = w
    s = 0.0
    for _ in range(2):
        for j in range(2):
            s = s + w[j]
            v[j] = v[j] * 2.0
    return s


UPDATED_IN_LOOP = {
    "alias_element_update_in_loop": (alias_element_update_in_loop, np.array([0.5, 1.0])),
    "alias_made_in_loop": (alias_made_in_loop, np.array([0.5, 1.0])),
    "alias_augmented_in_loop": (alias_augmented_in_loop, np.array([0.5, 1.0])),
    "alias_updated_sum_sin": (alias_updated_sum_sin, np.array([0.3, -0.5, 1.2])),
    "inplace_mul_read_earlier": (inplace_mul_read_earlier, np.array([0.3, -0.5, 1.2])),
    "list_read_then_appended": (list_read_then_appended, 0.6),
    "row_update_read_by_matmul": (row_update_read_by_matmul, np.array([0.3, -0.5, 1.2])),
    "swap_arrays_in_loop": (swap_arrays_in_loop, np.array([0.3, -0.5, 1.2])),
    "invariant_after_first_loop": (invariant_after_first_loop, 0.6),
    "alias_view_slice_in_loop": (alias_view_slice_in_loop, np.array([0.5, 1.0])),
    "alias_from_helper_in_loop": (alias_from_helper_in_loop, np.array([0.5, 1.0])),
    "alias_tuple_unpacked_in_loop": (alias_tuple_unpacked_in_loop, np.array([0.5, 1.0])),
    "alias_in_while_loop": (alias_in_while_loop, np.array([0.5, 1.0])),
    "alias_original_updated_in_loop": (alias_original_updated_in_loop, np.array([0.5, 1.0])),
    "alias_nested_loops": (alias_nested_loops, np.array([0.5, 1.0])),
}


@pytest.mark.parametrize("name", sorted(UPDATED_IN_LOOP))
def test_updated_in_loop_value_and_gradient(name):
    fn, x = UPDATED_IN_LOOP[name]
    plain = fn(np.array(x, copy=True) if isinstance(x, np.ndarray) else x)
    try:
        value, g = ad.value_and_grad(fn)(x)
    except ad.S2SError:
        # a located refusal is allowed ("never a wrong number"); then every mode refuses
        with pytest.raises(ad.S2SError):
            ad.grad(fn, mode="forward")(x)
        return
    assert float(value) == float(plain), (value, plain)
    expected = num_jac(fn, (x,), 0)
    assert_close(g, expected, what="reverse")
    assert_close(ad.grad(fn, mode="forward")(x), expected, what="forward")
    (v,) = ad.vjp(fn, x)[1](2.5)
    assert_close(v, 2.5 * expected, what="vjp 2.5")


# ---------------------------------------------------------------------------------------------
# more seeds, structures, argument types and Hessian blocks
# ---------------------------------------------------------------------------------------------


def seed_identity(x):
    return x


def seed_double(x):
    return 2.0 * x


def seed_negate(x):
    return -x


def seed_constant(x):
    return 3.0


def seed_first_element(x):
    return x[0]


def seed_times_zero(x):
    return np.sum(x) * 0.0


def seed_inner(x):
    return x @ x


def seed_python_float(x):
    return float(np.sum(x**2))


def seed_loop_accumulator(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * (i + 1)
    return s


SEED_CASES = {
    "identity": (seed_identity, 2.0, 1.0),
    "double": (seed_double, 2.0, 2.0),
    "negate_float32": (seed_negate, np.float32(2.0), np.float32(-1.0)),
    "constant": (seed_constant, 2.0, 0.0),
    "first_element": (seed_first_element, np.array([1.0, 2.0]), np.array([1.0, 0.0])),
    "times_zero": (seed_times_zero, np.array([1.0, 2.0]), np.array([0.0, 0.0])),
    "inner": (seed_inner, np.array([1.0, 2.0]), np.array([2.0, 4.0])),
    "python_float": (seed_python_float, np.array([1.0, 2.0]), np.array([2.0, 4.0])),
    "loop_accumulator": (
        seed_loop_accumulator,
        np.array([1.0, 2.0, 3.0]),
        np.array([1.0, 2.0, 3.0]),
    ),
}


@pytest.mark.parametrize("case", sorted(SEED_CASES))
def test_seed_specialised_gradient_type_and_value(case):
    fn, x, expected = SEED_CASES[case]
    g = ad.grad(fn)(x)
    assert type(g) is type(expected), (type(g), type(expected))
    assert np.asarray(g).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(g, expected)
    value, g2 = ad.value_and_grad(fn)(x)
    assert value == fn(x) and type(value) is type(fn(x))
    np.testing.assert_array_equal(g2, expected)
    _, pullback = ad.vjp(fn, x)
    (v,) = pullback(-2.5)
    np.testing.assert_array_equal(np.asarray(v), -2.5 * np.asarray(expected))


def test_argument_types_float_npfloat_0d_array_share_nothing_wrong():
    g = ad.grad(overwrite_sin_times_x)
    a = g(1.1, 7)
    b = g(np.float64(1.1), 7)
    c = g(np.array(1.1), 7)
    d = g(1.1, np.int64(7))
    assert isinstance(a, float)
    assert float(b) == a and float(c) == a and float(d) == a
    assert np.shape(c) == ()


def stop_gradient_in_loop(x):
    y = x
    for _ in range(4):
        y = y * ad.stop_gradient(y) + x
    return y


def test_stop_gradient_in_loop_against_hand_derivative():
    x = 0.7
    y, dy = x, 1.0
    for _ in range(4):
        y, dy = y * y + x, y * dy + 1.0
    assert_close(ad.grad(stop_gradient_in_loop)(x), dy, rtol=1e-13)
    assert_close(ad.grad(stop_gradient_in_loop, mode="forward")(x), dy, rtol=1e-13)
    (v,) = ad.vjp(stop_gradient_in_loop, x)[1](2.5)
    assert_close(v, 2.5 * dy, rtol=1e-13)


def test_jacrev_of_list_params_structure():
    r = np.random.default_rng(16)
    W, b, x = 0.5 * r.standard_normal((3, 2)), r.standard_normal(3), r.standard_normal(2)
    Jr = ad.jacrev(vec_list_params)([W, b], x)
    Jf = ad.jacfwd(vec_list_params)([W, b], x)
    assert isinstance(Jr, list) and len(Jr) == 2
    assert_close(Jr[0], num_jac(lambda w: vec_list_params([w, b], x), (W,), 0))
    assert_close(Jr[1], num_jac(lambda c: vec_list_params([W, c], x), (b,), 0))
    for a, c in zip(Jr, Jf):
        assert_close(a, c, rtol=1e-12, atol=1e-14)
    _, pullback = ad.vjp(vec_list_params, [W, b], x)
    ct = r.standard_normal(3)
    (gp, gx) = pullback(ct)
    assert_close(gp[0], np.tensordot(ct, Jr[0], axes=1), rtol=1e-12, atol=1e-14)
    assert_close(gp[1], ct @ Jr[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "fn,args",
    [
        (loop_invariant_before, (0.9, 0.2, 0.7)),
        (euler_pendulum, (0.8, 2.0, 15)),
        (zip_two_arrays, (np.array([0.3, -0.5, 1.1]), np.array([0.9, 0.4, -0.2]))),
    ],
    ids=lambda v: getattr(v, "__name__", "args"),
)
def test_hessian_blocks_wrt_tuple(fn, args):
    idx = tuple(float_indices(args))
    H = ad.hessian(fn, wrt=idx)(*args)
    assert isinstance(H, tuple) and len(H) == len(idx)
    for a, i in enumerate(idx):
        for b, j in enumerate(idx):
            num = num_jac(lambda *z: np.asarray(ad.grad(fn, wrt=i)(*z)), args, j)
            assert_close(H[a][b], num, rtol=1e-5, atol=1e-6, what=f"block {i},{j}")
            assert_close(
                np.asarray(H[a][b]),
                np.swapaxes(
                    np.asarray(H[b][a]).reshape(num.shape[::-1] if num.ndim == 2 else num.shape),
                    0,
                    -1,
                )
                if num.ndim == 2
                else np.asarray(H[b][a]).T,
                rtol=1e-10,
                atol=1e-10,
            )


@pytest.mark.parametrize(
    "name", ["rosenbrock_loop", "nested_triangular", "while_on_array", "rnn_loop"]
)
def test_hvp_matches_hessian_times_vector(name):
    fn, args = _scalar_case(name, seed=21)
    v = np.random.default_rng(22).standard_normal(np.shape(args[0]))
    tangents = (v,) + tuple(None for _ in args[1:])
    out = ad.hvp(fn, args, tangents)
    hv = out[1] if isinstance(out, tuple) else out
    H = np.asarray(ad.hessian(fn)(*args))
    nd = np.ndim(args[0])
    assert_close(hv, np.tensordot(H, v, axes=nd), rtol=1e-10, atol=1e-10)


def loop_append_module_list(x):
    y = x
    for _ in range(3):
        y = np.sin(y) + x
        LOG.append(float(y))
    return y


MODULE_LIST_CALLS = {
    "grad": lambda x: ad.grad(loop_append_module_list)(x),
    "grad_forward": lambda x: ad.grad(loop_append_module_list, mode="forward")(x),
    "value_and_grad": lambda x: ad.value_and_grad(loop_append_module_list)(x)[1],
    "vjp": lambda x: ad.vjp(loop_append_module_list, x)[1](1.0)[0],
    "jvp": lambda x: ad.jvp(loop_append_module_list, (x,), (1.0,))[1],
}


@pytest.mark.parametrize("call", sorted(MODULE_LIST_CALLS))
def test_module_list_append_in_loop_every_mode(call):
    LOG.clear()
    loop_append_module_list(0.4)
    plain = list(LOG)
    LOG.clear()
    try:
        g = MODULE_LIST_CALLS[call](0.4)
        assert plain == LOG
    finally:
        LOG.clear()
    assert_close(g, num_jac(loop_append_module_list, (0.4,), 0))


# ---------------------------------------------------------------------------------------------
# jit=True (issue 19 part 5): the documented contract, for when it lands
# ---------------------------------------------------------------------------------------------

try:
    import numba  # noqa: F401

    HAVE_NUMBA = True
except ImportError:
    HAVE_NUMBA = False

JIT_NAMES = [
    "horner_int_n",
    "square_accumulate_100",
    "sincos_200",
    "len_bound_pairs",
    "fill_local_array",
    "overwrite_sin_times_x",
    "nested_triangular",
    "break_on_threshold",
    "while_until_event",
    "rosenbrock_loop",
    "rosenbrock_vec",
    "rnn_loop",
    "euler_pendulum",
]


JIT_SCALAR_LOOPS = {
    "horner_int_n",
    "square_accumulate_100",
    "sincos_200",
    "overwrite_sin_times_x",
    "break_on_threshold",
    "while_until_event",
    "euler_pendulum",
}


def _s2s_warnings(caplog):
    return [
        r for r in caplog.records if r.name.startswith("s2s_ad") and r.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("name", JIT_NAMES)
def test_jit_grad_same_numbers(name, caplog):
    fn, args = _scalar_case(name, seed=30)
    expected = ad.grad(fn)(*args)
    with caplog.at_level(logging.DEBUG, logger="s2s_ad"):
        g = ad.grad(fn, jit=True)
        got = g(*args)
        again = g(*args)
    assert_close(got, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(again, got)
    # compiled or fallen back to NumPy: at most one warning for the two calls
    assert len(_s2s_warnings(caplog)) <= 1
    if HAVE_NUMBA and name in JIT_SCALAR_LOOPS:
        # issue 19: "scalar loops run at compiled speed"
        assert not _s2s_warnings(caplog), [r.getMessage() for r in _s2s_warnings(caplog)]


@pytest.mark.parametrize("name", ["horner_int_n", "rosenbrock_loop", "rnn_loop"])
def test_jit_value_and_grad_same_numbers(name):
    fn, args = _scalar_case(name, seed=31)
    v, g = ad.value_and_grad(fn, jit=True)(*args)
    v0, g0 = ad.value_and_grad(fn)(*args)
    assert float(v) == float(fn(*args))
    assert_close(g, g0, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("jac", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("name", ["loop_fill", "matvec_wrt_matrix", "loop_cumulative"])
def test_jit_jacobians_same_numbers(jac, name):
    fn, args = _vec_case(name, seed=32)
    J = getattr(ad, jac)(fn, jit=True)(*args)
    J0 = getattr(ad, jac)(fn)(*args)
    assert_close(J, J0, rtol=1e-12, atol=1e-14)


def numba_unfriendly(x):
    # einsum and a dict: constructs Numba does not compile
    d = {"a": x, "b": x * 2.0}
    s = 0.0
    for i in range(3):
        s = s + np.einsum("i,i->", d["a"], d["b"]) * (i + 1)
    return s


@pytest.mark.parametrize("jit", [False, True])
def test_jit_fallback_right_numbers_one_warning(jit, caplog):
    x = np.array([0.5, -1.0, 2.0])
    with caplog.at_level(logging.DEBUG, logger="s2s_ad"):
        g = ad.grad(numba_unfriendly, jit=jit)
        first = g(x)
        second = g(x)
    assert_close(first, num_jac(numba_unfriendly, (x,), 0))
    np.testing.assert_array_equal(first, second)
    warned = _s2s_warnings(caplog)
    if not jit:
        assert not warned
    elif HAVE_NUMBA:
        assert len(warned) == 1, [r.getMessage() for r in warned]
    else:
        assert len(warned) <= 1


def test_jit_print_in_loop_prints_as_plain(capsys):
    expected = _plain_output(print_in_loop, (0.7,), capsys)
    g = ad.grad(print_in_loop, jit=True)
    for _ in range(2):
        assert_close(g(0.7), ad.grad(print_in_loop)(0.7), rtol=1e-12, atol=1e-14)
        assert capsys.readouterr().out == expected * 2


def test_jit_derivative_source_is_the_same():
    args = (np.array([0.3, -0.2, 1.1, 0.4]),)
    src = ad.derivative_source(rosenbrock_loop, "gradient", args=args)
    ad.grad(rosenbrock_loop, jit=True)(*args)
    assert ad.derivative_source(rosenbrock_loop, "gradient", args=args) == src


# ---------------------------------------------------------------------------------------------
# expected failures found by this file (strict xfails through the conftest)
# ---------------------------------------------------------------------------------------------

PENDING_TESTS = {}
