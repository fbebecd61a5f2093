"""Programs for tests/test_second_order_paths_independent.py (59th independent tester).

Plain module-level functions a user would write, read by s2s_ad from this file: losses of a
few parameters, physics energies, integer step counts and indices beside float arrays, NumPy
scalar arguments of several precisions, vector and 0-d outputs, and functions with effects
(prints, random draws, helpers of their own that print or count, module lists, logging),
functions updating an argument in place, functions reading module globals the tests change.

Each line a test looks for by its text is unique in this file (the tests find the line of a
refused statement by its text).
"""

import functools
import logging
import math
import random
import sys
import warnings

import numpy as np

LOGGER = logging.getLogger("s2s_ad_tester59_programs")

# ---------------------------------------------------------------------------------------
# module state the tests read or change
# ---------------------------------------------------------------------------------------

RNG = np.random.default_rng(59)
SCALE = 2.0
WEIGHTS = np.array([0.5, -1.0, 2.0])
PROJ = np.array([1.0, -2.0, 0.5])
ACT = np.tanh
CALLS = 0
LOSSES = []


class Stats:
    ticks = 0


STATS = Stats()


class Spring:
    def __init__(self, k, rest):
        self.k = k
        self.rest = rest

    def energy(self, d):
        return 0.5 * self.k * (d - self.rest) ** 2


SPRING = Spring(3.0, 0.7)


def loud_tanh_norm(v):
    print("loud_tanh_norm", float(np.sum(v)))
    return np.sum(np.tanh(v) ** 2)


class LoudLayer:
    def __init__(self, w):
        self.w = w

    def __call__(self, v):
        print("LoudLayer called")
        return np.sum(np.sin(self.w * v) ** 2)


class Tools:
    @staticmethod
    def loud_cube(v):
        print("Tools.loud_cube")
        return np.sum(v**3)


LOUD = loud_tanh_norm
FUNCS = {"norm": loud_tanh_norm}
LOUD_PARTIAL = functools.partial(loud_tanh_norm)
LOUD_LAYER = LoudLayer(1.5)
GENS = {"train": np.random.default_rng(5)}


# ---------------------------------------------------------------------------------------
# helpers of the user's own
# ---------------------------------------------------------------------------------------


def sq_norm(v):
    return np.sum(v * v)


def soft_abs(v, eps=1e-2):
    return np.sqrt(v * v + eps)


def noisy_print_norm(v):
    print("helper sees", float(np.sum(v)))
    return np.sum(v * v)


def tick():
    global CALLS
    CALLS += 1


def counted_cube(v):
    tick()
    return np.sum(v**3)


def counted_square(v):
    stats_tick()
    return np.sum(v * v)


def stats_tick():
    STATS.ticks += 1


def loud_act(v):
    print("loud_act called")
    return np.sin(v) * 1.5


def dropout_mask(n):
    return RNG.random(n) > 0.3


def scale_in_place(v):
    v *= 2.0
    return np.sum(v)


# ---------------------------------------------------------------------------------------
# scalar outputs without effects (the paths that now skip code)
# ---------------------------------------------------------------------------------------


def least_squares(w, X, y):
    r = X @ w - y
    return np.sum(r * r) / len(y)


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) + 0.05 * np.sum(w**2)


def mlp_tanh(p, x, y):
    W1 = p[:6].reshape(3, 2)
    b1 = p[6:9]
    W2 = p[9:12]
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h + p[12]
    return (out - y) ** 2


def mlp_batch(p, X, Y):
    W1 = p[:8].reshape(2, 4)
    b1 = p[8:12]
    w2 = p[12:16]
    H = np.tanh(X @ W1 + b1)
    pred = H @ w2
    return np.mean((pred - Y) ** 2)


def spring_chain(x, k, n):
    e = 0.0
    for i in range(n):
        d = x[i + 1] - x[i] - 1.0
        e = e + 0.5 * k * d * d
    return e + 0.1 * np.sum(x**4)


def lennard_jones(pos):
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r2 = np.sum(d * d)
            inv6 = 1.0 / r2**3
            e = e + 4.0 * (inv6 * inv6 - inv6)
    return e


def pendulum_energy(theta, omega, g):
    return 0.5 * omega * omega + g * (1.0 - math.cos(theta)) + 0.1 * theta * omega


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def euler_decay(x0, dt, nsteps):
    x = x0
    for _ in range(nsteps):
        x = x + dt * (-x * x * x + np.sin(x))
    return np.sum(x * x)


def index_pick(x, i, j):
    return x[i] * x[j] ** 2 + np.sin(x[i + 1]) * x[j]


def f64_scalar_poly(a, b):
    return a**3 * b + np.exp(a * b) - np.log1p(b * b)


def f32_scalar_and_array(s, x32):
    return np.sum(np.tanh(s * x32) ** 2) + s * s


def f16_scalar_and_array(h, x):
    return np.sum(np.cos(h * x) * x) + h * np.sum(x * x)


def f32_array_weak_float(x32, c):
    return np.sum(np.exp(c * x32) * x32) + c * np.sum(x32 * x32)


def f32_steps(x32, n):
    y = x32
    for _ in range(n):
        y = y - np.float32(0.1) * np.sin(y)
    return np.sum(y * y)


def zero_d_output(x):
    return np.array(np.sum(x * x) + np.prod(x))


def zero_d_reshape(x):
    return (np.sum(np.sin(x) * x)).reshape(())


def quad_form(x, A):
    return x @ A @ x + np.sum(np.cos(x))


def branchy(x):
    s = np.sum(x)
    if s > 0.0:
        return np.sum(x**3) + s * s
    else:
        return np.sum(np.exp(x)) - s


def newton_sqrt_loss(a):
    y = a
    k = 0
    while abs(y * y - a) > 1e-12 and k < 50:
        y = 0.5 * (y + a / y)
        k = k + 1
    return y * a


def loop_break(x, n):
    acc = 0.0
    for i in range(n):
        if acc > 3.0:
            break
        acc = acc + np.sum(np.sin(x * (i + 1)) ** 2)
    return acc * np.sum(x)


def sum_along_axis0(x):
    return np.sum(x * x, axis=0)


def first_item(x):
    return x[0] * np.sum(x)


def global_scale_loss(x):
    return SCALE * np.sum(x**3) + SCALE**2 * np.sum(x)


def global_weights_loss(x):
    return np.sum(WEIGHTS * np.sin(x) * x)


def global_act_loss(x):
    return np.sum(ACT(x) ** 2)


def global_proj(x):
    return PROJ @ np.tanh(x)


def helper_pure(x):
    return sq_norm(np.tanh(x)) + np.sum(soft_abs(x))


def method_helper(x):
    e = 0.0
    for i in range(x.shape[0] - 1):
        e = e + SPRING.energy(x[i + 1] - x[i])
    return e


def lambda_inside(x):
    sq = lambda v: v * v  # noqa: E731
    return np.sum(sq(np.sin(x))) * np.sum(x)


def comprehension_helper(x):
    return sum(soft_abs(v) * v for v in x) + x[0] * x[1]


def inplace_float_arg(a, b):
    a += b * b
    a *= b
    return a * a + math.sin(a)


def inplace_local_copy(x):
    y = x.copy()
    y += 1.0
    y[0] = y[0] * y[1]
    return np.sum(y**3)


# ---------------------------------------------------------------------------------------
# vector outputs
# ---------------------------------------------------------------------------------------


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def rk4_step(y, dt):
    def rhs(u):
        return np.array([u[1], -np.sin(u[0]) - 0.1 * u[1]])

    k1 = rhs(y)
    k2 = rhs(y + 0.5 * dt * k1)
    k3 = rhs(y + 0.5 * dt * k2)
    k4 = rhs(y + dt * k3)
    return y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def circle_of_scalar(t):
    return np.array([np.cos(t), np.sin(t), t * t])


def f32_scalar_to_vector(s):
    return np.array([s * s, np.sin(s), s * np.float32(3.0)])


def polar_point(r, t):
    return np.array([r * np.cos(t), r * np.sin(t), r * r * t])


def zero_d_of_scalar(t):
    return np.array(t * t * np.sin(t))


def keepdims_norm(x):
    return np.sum(x * x, keepdims=True)


def outer_matrix(x):
    return np.outer(x, np.tanh(x))


def vector_with_steps(x, n):
    for _ in range(n):
        x = x + 0.1 * np.sin(x[::-1])
    return x


# ---------------------------------------------------------------------------------------
# effects
# ---------------------------------------------------------------------------------------


def printing_loss(x):
    print("printing_loss called")
    return np.sum(np.tanh(x) ** 2)


def printing_vector(x):
    print("printing_vector called")
    return np.sin(x) * x


def printing_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(x ** (i + 2))
        print("step", i)
    return s


def helper_prints(x):
    return noisy_print_norm(np.sin(x)) + np.sum(x**3)


def nested_def_prints(x):
    def report(v):
        print("nested report", float(np.sum(v)))
        return v * v

    return np.sum(report(np.cos(x)))


def lambda_prints(x):
    show = lambda v: print("lambda shows", float(v))  # noqa: E731
    y = np.sum(np.exp(x))
    show(y)
    return y * y


def print_to_stderr(x):
    v = np.sum(x * x)
    print("print_to_stderr value", float(v), file=sys.stderr)
    return v * np.sum(x)


def global_tick_statement(x):
    tick()
    return np.sum(x**4)


def global_count_in_expression(x):
    return counted_cube(x) + np.sum(np.sin(x))


def attribute_count_in_expression(x):
    return counted_square(np.tanh(x)) * np.sum(x)


def attribute_tick(x):
    stats_tick()
    return np.sum(np.exp(x) * x)


def module_list_append(x):
    loss = np.sum(np.sin(x) ** 2)
    LOSSES.append(float(loss))
    return loss * loss


def logging_loss(x):
    v = np.sum(x**2)
    LOGGER.warning("logging_loss value %.6f", v)
    return v * np.sum(np.cos(x))


def noisy_weights(w, X):
    eps = RNG.normal(size=w.shape)
    return np.sum(np.tanh(X @ (w * (1.0 + 0.1 * eps))) ** 2)


def helper_dropout(w, X):
    mask = dropout_mask(w.shape[0])
    return np.sum(np.tanh(X @ (w * mask)) ** 2) + np.sum(w**2)


def legacy_random(w):
    u = np.random.rand(w.shape[0])
    return np.sum((w - u) ** 4)


def python_random(a, b):
    g = random.gauss(0.0, 1.0)
    return (a * b + g) ** 2 + a**3


def noisy_vector(w):
    eps = RNG.normal(size=w.shape)
    return np.sin(w) * (1.0 + eps)


# ---------------------------------------------------------------------------------------
# refused: in-place updates of an argument
# ---------------------------------------------------------------------------------------


def inplace_arg_array(x):
    x += 0.5  # tester59: in-place update of the argument x
    return np.sum(x**2)


def inplace_arg_element(x):
    x[0] = 0.0  # tester59: element update of the argument x
    return np.sum(x**3)


def inplace_arg_helper(x):
    t = scale_in_place(x)  # tester59: helper updating its argument
    return t * np.sum(x)


def inplace_arg_vector(x):
    x *= 3.0  # tester59: in-place vector update of the argument x
    return np.sin(x)


# ---------------------------------------------------------------------------------------
# effects reached other than by a plain call of a helper or print
# ---------------------------------------------------------------------------------------


def alias_print_loss(x):
    say = print
    say("alias_print_loss called")
    return np.sum(x**3) * np.sum(x)


def stdout_write_loss(x):
    sys.stdout.write("stdout_write_loss called\n")
    return np.sum(np.exp(x) * x)


def warn_loss(x):
    warnings.warn("warn_loss called", UserWarning, stacklevel=1)
    return np.sum(np.sin(x) * x * x)


def global_alias_helper(x):
    return LOUD(x) + np.sum(x**4)


def dict_helper(x):
    return FUNCS["norm"](x) * np.sum(x)


def partial_helper(x):
    return LOUD_PARTIAL(x) + np.sum(x * x * x)


def callable_object_helper(x):
    return LOUD_LAYER(x) + np.sum(x**4)


def staticmethod_helper(x):
    return Tools.loud_cube(x) + np.sum(np.cos(x))


def dict_generator(w):
    eps = GENS["train"].normal(size=w.shape)
    return np.sum((w * (1.0 + 0.2 * eps)) ** 4)


def python_random_random(x):
    u = random.random()
    return np.sum(np.exp(u * x)) + np.sum(x**3)


def inplace_arg_sub(x):
    x -= 0.25  # tester59: subtract in place from the argument x
    return np.sum(x**3)


def inplace_arg_mul(x):
    x *= 1.5  # tester59: multiply the argument x in place
    return np.sum(np.sin(x) * x)


def inplace_arg_slice(x):
    x[1:] += 1.0  # tester59: slice update of the argument x
    return np.sum(x**3)


def inplace_arg_out(x):
    np.multiply(x, 2.0, out=x)  # tester59: out= on the argument x
    return np.sum(x**3)


def inplace_second_arg(w, b):
    b += w  # tester59: in-place update of the second argument b
    return np.sum(w * w * b)


# ---------------------------------------------------------------------------------------
# outputs whose kind follows integer, None or flag arguments; NumPy scalars held fixed
# ---------------------------------------------------------------------------------------


def sum_axis(x, axis):
    return np.sum(np.sin(x) * x, axis=axis)


def power_sum(x, k):
    return np.sum(np.abs(x) ** k + x)


def first_k(x, k):
    return np.sin(x[:k]) * x[0]


def flagged_loss(x, use_cubes):
    if use_cubes:
        return np.sum(x**3) + np.sum(x)
    return np.sum(np.exp(x))


def scaled_tanh(x, s):
    return np.tanh(s * x) * s


def scaled_loss(x, s):
    return np.sum(np.tanh(s * x) ** 2) * s


def keyword_loss(x, scale=2.0, steps=2):
    for _ in range(steps):
        x = x - 0.1 * scale * np.sin(x)
    return np.sum(x * x)


def hinge_squared(w, x):
    m = 1.0 - np.dot(w, x)
    if m > 0.0:
        return m * m
    return 0.0


def two_params(p):
    a, b = p
    return np.sum(a * a * b) + np.sum(np.sin(a)) + np.sum(b**3)


def decay_curve(k, ts):
    return np.exp(-k * ts) * (1.0 + k)


def early_return_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.cos(x * (i + 1)))
        if s > 2.5:
            return s * np.sum(x * x)
    return s + np.sum(x**3)


# ---------------------------------------------------------------------------------------
# refused: in-place updates of an argument through another name, in loops, on branches
# ---------------------------------------------------------------------------------------


def inplace_alias_of_arg(x):
    y = x
    y += 1.0  # tester59: update through an alias of the argument x
    return np.sum(y * x)


def inplace_view_of_arg(x):
    v = x[1:]
    v *= 2.0  # tester59: update through a view of the argument x
    return np.sum(x**3)


def inplace_arg_in_loop(x, n):
    for _ in range(n):
        x += 0.1 * np.sin(x)  # tester59: in-place update of x in a loop
    return np.sum(x * x)


def inplace_arg_on_branch(x):
    if np.sum(x) > 0.0:
        x *= 0.5  # tester59: in-place update of x on one branch
    return np.sum(x**4)


def inplace_list_arg(x, log):
    log.append(float(np.sum(x)))  # tester59: append to the list argument log
    return np.sum(x**2)


def inplace_nested_def_arg(x):
    def bump(v):
        v += 1.0  # tester59: nested def updating its argument

    bump(x)
    return np.sum(x**3)


def copy_then_update(x):
    x = x.copy()
    x += 0.5
    x[0] = x[0] * x[-1]
    return np.sum(x**3)


# ---------------------------------------------------------------------------------------
# functions reached through objects, partials, lambdas, and function arguments
# ---------------------------------------------------------------------------------------


class Regulariser:
    def __init__(self, lam):
        self.lam = lam

    def penalty(self, w):
        print("Regulariser.penalty called")
        return self.lam * np.sum(w**4)

    def loss(self, w):
        print("Regulariser.loss called")
        return np.sum(np.cosh(w)) + self.lam * np.sum(w**2)


def object_method_loss(w, reg):
    return reg.penalty(w) + np.sum(np.sin(w) * w)


def quiet_weighted(w, lam):
    return lam * np.sum(w**4) + np.sum(np.sin(w) * w)


def function_argument_loss(w, fn):
    return np.sum(fn(w) * w) + np.sum(w**2)


def printing_power(w, p=3.0):
    print("printing_power called")
    return np.sum(np.abs(w) ** p)


LAMBDA_LOSS = lambda v: printing_loss(v) * 2.0 + np.sum(v**3)  # noqa: E731
PARTIAL_POWER = functools.partial(printing_power, p=2.5)


# ---------------------------------------------------------------------------------------
# scalar outputs of kinds a shape analysis may not prove
# ---------------------------------------------------------------------------------------

NHEAD = 2


def float_of_sum(x):
    return float(np.sum(x**3)) + math.exp(float(x[0]))


def masked_sum(x):
    return np.sum(x[x > 0.0] ** 3) + np.sum(x * x)


def global_slice_sum(x):
    return np.sum(np.sin(x[:NHEAD]) * x[:NHEAD]) + np.sum(x**4)


def max_of_terms(x):
    return np.max(x**2 + np.sin(x)) + np.sum(x) ** 2


def gathered(x, idx):
    return np.sum(x[idx] ** 3 * x[idx[::-1]])


def builtin_sum_of_list(x):
    terms = [x[i] * x[i + 1] for i in range(len(x) - 1)]
    return sum(terms) + np.sum(np.exp(x))


def dot_of_rows(X):
    return X[0] @ X[1] + np.sum(X**4)
