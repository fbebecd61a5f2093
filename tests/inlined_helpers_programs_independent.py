"""Programs for test_inlined_helpers_independent.py (56th independent tester).

Helpers that print, log or draw (inlined at second order), helpers that change module
state, and functions whose vjp pullback reads globals and attributes.
"""

import logging
from typing import NamedTuple

import numpy as np

LOGGER = logging.getLogger("s2s_indep56")
RNG = np.random.default_rng(0)

# ---------------------------------------------------------------- part 1: printing helpers


def h_loop(x, n=3):
    acc = x * 0.0
    for k in range(n):
        acc = acc + np.sin(x * (k + 1)) / (k + 1)
    print("h_loop", n)
    return acc


def f_loop(x):
    return np.sum(h_loop(x) ** 2)


def h_loop_q(x, n=3):
    acc = x * 0.0
    for k in range(n):
        acc = acc + np.sin(x * (k + 1)) / (k + 1)
    return acc


def f_loop_q(x):
    return np.sum(h_loop_q(x) ** 2)


def h_branch(x, mode="tanh"):
    print("h_branch", mode)
    if mode == "tanh":
        return np.tanh(x) * 2.0
    if np.sum(x) > 0.0:
        return x**3
    return np.exp(x)


def f_branch(x):
    return np.sum(h_branch(x) * x) + np.sum(h_branch(x, mode="poly"))


def h_branch_q(x, mode="tanh"):
    if mode == "tanh":
        return np.tanh(x) * 2.0
    if np.sum(x) > 0.0:
        return x**3
    return np.exp(x)


def f_branch_q(x):
    return np.sum(h_branch_q(x) * x) + np.sum(h_branch_q(x, mode="poly"))


def h_tuple(x, scale=0.5, shift=-0.25):
    LOGGER.info("h_tuple %s", scale)
    a = np.sin(x) * scale
    b = np.cos(x + shift)
    return a, b


def f_tuple(x):
    a, b = h_tuple(x, shift=0.1)
    c, d = h_tuple(a, scale=2.0)
    return np.sum(a * b) + np.sum(c * d * x)


def h_tuple_q(x, scale=0.5, shift=-0.25):
    a = np.sin(x) * scale
    b = np.cos(x + shift)
    return a, b


def f_tuple_q(x):
    a, b = h_tuple_q(x, shift=0.1)
    c, d = h_tuple_q(a, scale=2.0)
    return np.sum(a * b) + np.sum(c * d * x)


def inner_quiet(x, p=2.0):
    return np.log1p(x * x) * p


def h_nested(x):
    y = inner_quiet(x)
    print("h_nested", y.shape)
    z = inner_quiet(y, p=0.5)
    return y * z


def f_nested(x):
    return np.sum(h_nested(x) + np.cos(x))


def h_nested_q(x):
    y = inner_quiet(x)
    z = inner_quiet(y, p=0.5)
    return y * z


def f_nested_q(x):
    return np.sum(h_nested_q(x) + np.cos(x))


def h_stack(x):
    rows = []
    for k in range(3):
        rows.append(x * (k + 1.0) + np.sin(x) * k)
    print("h_stack rows", len(rows))
    return np.stack(rows)


def f_stack(x):
    m = h_stack(x)
    return np.sum(np.tanh(m) ** 2)


def h_stack_q(x):
    rows = []
    for k in range(3):
        rows.append(x * (k + 1.0) + np.sin(x) * k)
    return np.stack(rows)


def f_stack_q(x):
    m = h_stack_q(x)
    return np.sum(np.tanh(m) ** 2)


def h_dict(d):
    print("h_dict", sorted(d))
    return d["a"] * np.sin(d["b"]) + d["c"]


def f_dict(x):
    return np.sum(h_dict({"a": x, "b": x * x, "c": 1.5}) ** 2)


def h_dict_q(d):
    return d["a"] * np.sin(d["b"]) + d["c"]


def f_dict_q(x):
    return np.sum(h_dict_q({"a": x, "b": x * x, "c": 1.5}) ** 2)


class Pair(NamedTuple):
    w: object
    b: object


def h_nt(p, x):
    LOGGER.info("h_nt")
    return np.tanh(p.w * x + p.b)


def f_nt(x):
    p = Pair(x * 0.5, np.cos(x))
    return np.sum(h_nt(p, x) ** 2)


def h_nt_q(p, x):
    return np.tanh(p.w * x + p.b)


def f_nt_q(x):
    p = Pair(x * 0.5, np.cos(x))
    return np.sum(h_nt_q(p, x) ** 2)


def h_lambda(fn, x):
    print("h_lambda")
    return fn(x) + fn(x * 0.5)


def f_lambda(x):
    return np.sum(h_lambda(lambda v: np.sin(v) * v, x) ** 2)


def h_lambda_q(fn, x):
    return fn(x) + fn(x * 0.5)


def f_lambda_q(x):
    return np.sum(h_lambda_q(lambda v: np.sin(v) * v, x) ** 2)


def h_star(*args):
    print("h_star", len(args))
    total = args[0] * 0.0
    for a in args:
        total = total + a * a
    return total


def f_star(x):
    return np.sum(np.sqrt(h_star(x, np.sin(x), x * 0.3) + 1.0))


def h_star_q(*args):
    total = args[0] * 0.0
    for a in args:
        total = total + a * a
    return total


def f_star_q(x):
    return np.sum(np.sqrt(h_star_q(x, np.sin(x), x * 0.3) + 1.0))


def h_early(x, limit=10.0):
    for k in range(5):
        if np.sum(x * x) * (k + 1) > limit:
            print("h_early stop", k)
            return x * (k + 1.0)
    print("h_early done")
    return -x


def f_early(x):
    return np.sum(np.sin(h_early(x)) * x)


def h_early_q(x, limit=10.0):
    for k in range(5):
        if np.sum(x * x) * (k + 1) > limit:
            return x * (k + 1.0)
    return -x


def f_early_q(x):
    return np.sum(np.sin(h_early_q(x)) * x)


def h_loop_print(x):
    acc = 0.0
    for k in range(3):
        v = np.sum(np.cos(x * k))
        print("step", k)
        acc = acc + v * v
    return acc


def f_loop_print(x):
    return h_loop_print(x) + np.sum(x**3)


def h_loop_print_q(x):
    acc = 0.0
    for k in range(3):
        v = np.sum(np.cos(x * k))
        acc = acc + v * v
    return acc


def f_loop_print_q(x):
    return h_loop_print_q(x) + np.sum(x**3)


def h_called_twice(x, tag="a"):
    print("twice", tag)
    return np.exp(-x * x)


def f_called_twice(x):
    return np.sum(h_called_twice(x) * h_called_twice(x * 2.0, tag="b") + x)


def h_called_twice_q(x, tag="a"):
    return np.exp(-x * x)


def f_called_twice_q(x):
    return np.sum(h_called_twice_q(x) * h_called_twice_q(x * 2.0, tag="b") + x)


def h_outer_print(x):
    print("outer")
    return h_inner_print(x * 2.0) + x


def h_inner_print(y):
    print("inner")
    return np.sin(y) * y


def f_two_levels(x):
    return np.sum(h_outer_print(x) ** 2)


def h_outer_print_q(x):
    return h_inner_print_q(x * 2.0) + x


def h_inner_print_q(y):
    return np.sin(y) * y


def f_two_levels_q(x):
    return np.sum(h_outer_print_q(x) ** 2)


# random draws -- the twin takes the draws as an argument


def h_noise(x, sigma=0.1):
    eps = RNG.standard_normal(x.shape)
    return x + sigma * eps


def f_noise(x):
    y = h_noise(x)
    return np.sum(np.sin(y) * y * x)


def f_noise_fixed(x, eps):
    y = x + 0.1 * eps
    return np.sum(np.sin(y) * y * x)


def h_dropout(x, keep=0.7):
    mask = RNG.uniform(size=x.shape) < keep
    print("dropout")
    return np.where(mask, x / keep, 0.0)


def f_dropout(x):
    return np.sum(np.tanh(h_dropout(x)) * x**2)


def f_dropout_fixed(x, u):
    mask = u < 0.7
    return np.sum(np.tanh(np.where(mask, x / 0.7, 0.0)) * x**2)


def s_loop(t):
    return f_loop(np.array([t, 0.5 * t, -t]))


def s_loop_q(t):
    return f_loop_q(np.array([t, 0.5 * t, -t]))


def s_tuple(t):
    a, b = h_tuple(t, shift=0.3)
    return a * b + t * t * a


def s_tuple_q(t):
    a, b = h_tuple_q(t, shift=0.3)
    return a * b + t * t * a


def s_branch(t):
    return np.sum(h_branch(t) * t) + t * 0.5


def s_branch_q(t):
    return np.sum(h_branch_q(t) * t) + t * 0.5


def s_noise(t):
    e = RNG.standard_normal()
    print("s_noise")
    return np.sin(t + 0.1 * e) * t


def s_helper_noise(t):
    y = h_scalar_noise(t)
    return np.sin(y) * t


def h_scalar_noise(t):
    e = RNG.standard_normal()
    print("h_scalar_noise")
    return t + 0.1 * e


def s_noise_fixed(t, e):
    return np.sin(t + 0.1 * e) * t


# ---------------------------------------------------------------- part 2: module state

HISTORY = []
CALLS = 0
SCALE = 2.0
STATS = np.zeros(3)
CACHE = {}
DECAY = 0.9
OFFSET = np.array([0.1, -0.2, 0.3])
BIG = np.linspace(-1.0, 1.0, 6000)


class Cfg:
    pass


CFG = Cfg()
CFG.steps = 0
CFG.lr = 0.05


def record(loss):
    HISTORY.append(float(loss))


def mse(w, x, y):
    r = x @ w - y
    return np.mean(r * r)


def train_step(w, x, y):
    loss = mse(w, x, y) + 0.01 * np.sum(w * w)
    record(loss)
    return loss


def train_step_q(w, x, y):
    return mse(w, x, y) + 0.01 * np.sum(w * w)


def bump():
    global CALLS
    CALLS += 1


def damp(v):
    return v * DECAY + OFFSET


def sim(x):
    bump()
    v = x
    for _ in range(4):
        v = damp(np.sin(v)) * SCALE
    return np.sum(v * v)


def sim_q(x):
    v = x
    for _ in range(4):
        v = (np.sin(v) * 0.9 + np.array([0.1, -0.2, 0.3])) * 2.0
    return np.sum(v * v)


def set_scale(s):
    global SCALE
    SCALE = s


def rescaled(x):
    a = x * SCALE
    set_scale(3.0)
    b = a * a + x * SCALE
    set_scale(2.0)
    return np.sum(b)


def rescaled_q(x):
    a = x * 2.0
    b = a * a + x * 3.0
    return np.sum(b)


def count_step():
    CFG.steps += 1


def stats_note(v):
    STATS[0] = v
    STATS[1] += 1.0


def obj_state(x):
    count_step()
    y = np.tanh(x) * CFG.lr + helper_poly(x)
    stats_note(float(np.sum(y)))
    return np.sum(y * y)


def helper_poly(x):
    return x * x * 0.5 - x


def obj_state_q(x):
    y = np.tanh(x) * 0.05 + (x * x * 0.5 - x)
    return np.sum(y * y)


def fill_cache(key):
    if key not in CACHE:
        CACHE[key] = 0.5 * len(CACHE) + 1.0


def cached(x):
    fill_cache("a")
    fill_cache("b")
    return np.sum(np.sin(x) * SCALE) + np.sum(x**2)


def cached_q(x):
    return np.sum(np.sin(x) * 2.0) + np.sum(x**2)


def log_value(v):
    LOGGER.info("value %.6f", v)


def big_loop(x):
    acc = 0.0
    for i in range(30):
        seg = BIG[i * 200 : (i + 1) * 200]
        acc = acc + np.sum(seg * seg) * x[i % 3] ** 2 + np.sum(seg) * x[(i + 1) % 3]
    log_value(acc)
    return acc + damp(x) @ x


def big_loop_q(x):
    acc = 0.0
    for i in range(30):
        seg = np.linspace(-1.0, 1.0, 6000)[i * 200 : (i + 1) * 200]
        acc = acc + np.sum(seg * seg) * x[i % 3] ** 2 + np.sum(seg) * x[(i + 1) % 3]
    return acc + (x * 0.9 + np.array([0.1, -0.2, 0.3])) @ x


def vec_state(x):
    bump()
    record(float(np.sum(x)))
    return np.tanh(x * SCALE) + OFFSET * x


def vec_state_q(x):
    return np.tanh(x * 2.0) + np.array([0.1, -0.2, 0.3]) * x


# ---------------------------------------------------------------- part 3: pullbacks

W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
CONFIG = {"alpha": 0.7, "beta": np.array([1.0, -2.0])}


class Layer:
    def __init__(self, W, b):
        self.W = W
        self.b = b


class Model:
    def __init__(self, layers, scale):
        self.layers = layers
        self.scale = scale

    def forward(self, x):
        for layer in self.layers:
            x = np.tanh(layer.W @ x + layer.b)
        return x * self.scale

    def loss(self, x):
        return np.sum(self.forward(x) ** 2)


class Holder:
    pass


MODEL = Model(
    [
        Layer(np.array([[0.3, -0.1, 0.2], [0.5, 0.4, -0.2]]), np.array([0.1, 0.0])),
        Layer(np.array([[0.7, -0.5], [0.2, 0.9]]), np.array([-0.1, 0.2])),
    ],
    1.5,
)
NEST = Holder()
NEST.inner = Holder()
NEST.inner.model = MODEL
NEST.inner.gain = 0.8


def glob_w(x):
    return np.tanh(W @ x) * CONFIG["alpha"] + CONFIG["beta"] * np.sum(x)


def glob_w_q(x):
    return np.tanh(np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]]) @ x) * 0.7 + np.array(
        [1.0, -2.0]
    ) * np.sum(x)


def glob_scalar(x):
    return np.sum(np.sin(W @ x) ** 2) * CFG.lr


def nested_attr(x):
    return NEST.inner.model.forward(x) * NEST.inner.gain


def nested_attr_q(x):
    h = np.tanh(np.array([[0.3, -0.1, 0.2], [0.5, 0.4, -0.2]]) @ x + np.array([0.1, 0.0]))
    h = np.tanh(np.array([[0.7, -0.5], [0.2, 0.9]]) @ h + np.array([-0.1, 0.2]))
    return h * 1.5 * 0.8


def pull_state(x):
    bump()
    return np.sin(W @ x) * SCALE


# ---------------------------------------------------------------- name capture when inlining


def h_shadow(x):
    print("h_shadow")
    return x * SCALE + np.sum(W @ x)


def f_shadow(x):
    SCALE = 5.0
    W = x * 0.5
    y = h_shadow(x)
    return np.sum(y * y) * SCALE + np.sum(W * x)


def f_shadow_q(x):
    y = x * 2.0 + np.sum(np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]]) @ x)
    return np.sum(y * y) * 5.0 + np.sum(x * 0.5 * x)


def h_names(y, x):
    print("h_names")
    acc = y * 2.0
    z = acc - x
    return z * x


def f_names(x):
    y = np.sin(x)
    acc = np.cos(x)
    z = h_names(x, y)
    return np.sum(z * acc + y * 3.0 + acc * acc)


def f_names_q(x):
    y = np.sin(x)
    acc = np.cos(x)
    z = (x * 2.0 - y) * y
    return np.sum(z * acc + y * 3.0 + acc * acc)


def h_ret_in_loop(x, n=4):
    for k in range(n):
        if k == 2:
            print("ret at", k)
            return x * (k + 1.0)
    return x


def f_caller_loop(x):
    total = 0.0
    for j in range(3):
        total = total + np.sum(np.sin(h_ret_in_loop(x * (j + 1.0))))
    return total


def f_caller_loop_q(x):
    total = 0.0
    for j in range(3):
        total = total + np.sum(np.sin(x * (j + 1.0) * 3.0))
    return total


def h_break_else(x):
    out = x
    for k in range(5):
        out = out * 0.9 + np.sin(out)
        if k >= 10:
            break
    else:
        print("no break")
        out = out + 1.0
    return out


def f_break_else(x):
    return np.sum(h_break_else(x) ** 2)


def h_break_else_q(x):
    out = x
    for _k in range(5):
        out = out * 0.9 + np.sin(out)
    return out + 1.0


def f_break_else_q(x):
    return np.sum(h_break_else_q(x) ** 2)


def h_kwonly(x, *, power=2, coef=1.5):
    print("kwonly", power, coef)
    return coef * x**power


def f_kwonly(x):
    return np.sum(h_kwonly(x, coef=0.5, power=3) + h_kwonly(np.sin(x)))


def f_kwonly_q(x):
    return np.sum(0.5 * x**3 + 1.5 * np.sin(x) ** 2)


def h_closure(x):
    def sq(v):
        return v * v

    print("closure")
    return sq(x) + sq(np.sin(x))


def f_closure(x):
    return np.sum(h_closure(x) * x)


def f_closure_q(x):
    return np.sum((x * x + np.sin(x) ** 2) * x)


def h_scaled_print(x):
    print("scaled", SCALE)
    return x * SCALE


def f_print_and_state(x):
    a = h_scaled_print(x)
    set_scale(3.0)
    b = h_scaled_print(x)
    set_scale(2.0)
    return np.sum(a * b + np.sin(a))


def f_print_and_state_q(x):
    a = x * 2.0
    b = x * 3.0
    return np.sum(a * b + np.sin(a))


def h_default_global(x, s=SCALE):
    print("default_global", s)
    return np.sin(x) * s


def f_default_global(x):
    return np.sum(h_default_global(x) ** 2)


def f_default_global_q(x):
    return np.sum((np.sin(x) * 2.0) ** 2)


def h_records(x):
    print("records")
    HISTORY.append(float(np.sum(x)))
    return np.tanh(x)


def f_records(x):
    y = h_records(x)
    z = h_records(y * 2.0)
    return np.sum(y * z)


def f_records_q(x):
    y = np.tanh(x)
    z = np.tanh(y * 2.0)
    return np.sum(y * z)


def h_lst_print(xs):
    print("lst", len(xs))
    out = []
    for v in xs:
        out.append(v * v)
    return out


def f_list_arg(x):
    parts = h_lst_print([x, np.sin(x), x * 0.5])
    return np.sum(np.stack(parts) ** 2)


def f_list_arg_q(x):
    parts = [x * x, np.sin(x) ** 2, (x * 0.5) ** 2]
    return np.sum(np.stack(parts) ** 2)


def sim_local_decay(x):
    bump()
    DECAY = 0.5
    v = damp(np.sin(x)) * DECAY
    return np.sum(v * v)


def sim_local_decay_q(x):
    v = (np.sin(x) * 0.9 + np.array([0.1, -0.2, 0.3])) * 0.5
    return np.sum(v * v)


def h_param_named_global(SCALE):
    print("param", SCALE.shape)
    return SCALE * 2.0


def f_param_named_global(x):
    return np.sum(np.sin(h_param_named_global(x)) * SCALE)


def f_param_named_global_q(x):
    return np.sum(np.sin(x * 2.0) * 2.0)
