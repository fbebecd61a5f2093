# ruff: noqa
# (user code kept as people write it: unused names, lambdas assigned, `- -x`, zip without
# strict, refused constructs; the lint rules would rewrite what is being tested)
"""Programs for the independent test of issue 19 part 6 (transformation speed) and of the
`jit=True` sums.  Written by an independent tester from the README and issue 19 only.

Each program is a plain function.  ``CASES`` (at the end) says how each is called:
its arguments, which of them are differentiated, whether its output is a scalar or an
array, and whether second derivatives are checked.  ``REFUSED`` lists programs s2s_ad
must refuse, with a piece of the message; ``JIT_CASES`` lists the programs run with
``jit=True``.
"""

import dataclasses
import math
from typing import NamedTuple

import numpy as np

# ---------------------------------------------------------------------------
# literals, negative numbers and powers (the emitter)
# ---------------------------------------------------------------------------


def neg_base_literal_power(x):
    return (-1.5) ** 2 * x + (-2.0) ** 3 * x * x


def neg_power_of_name(x):
    return -(x**2) + (-x) ** 2 * 3.0


def two_to_minus_x(x):
    return 2**-x + 3.0 ** (-x * 0.5)


def negative_exponent(x):
    return x**-2.0 + x**-1 + 1.0 / x**3


def power_tower(x):
    return x**2**0.5 + (x**2) ** 0.5 + 2**2**0.5 * x


def minus_two_squared(x):
    return -(2**2) * x + (-2) ** 2 * x - -x + x - -1.0


def literal_negations(x, y):
    a = -(-x)
    b = -(x - y)
    c = -1.0 * -y
    d = 0.0 - x * -2.5
    return a * b + c * d - -3.0 * x * y


def negative_zero_literal(x):
    return x * -0.0 + x * 0.0 + x**2 * -1.0


def float_formats(x):
    return 1e-3 * x + 1e2 * x**2 + 1_000.5 * x + 0x10 * x + 2.5e-1 / x + 0o7 * x


def tiny_and_huge(x):
    return 1e-300 * 1e300 * x + 1e150 * x * 1e-150 + x * 1e-8 * 1e8


def int_exponents(x):
    return x**0 + x**1 + x**2 + x**3 + x**4 * 0.25


def half_powers(x):
    return x**0.5 + x**1.5 - x**-0.5 + np.sqrt(x) ** 3


def pow_of_literal_base(x):
    return 10.0**x + math.e**x + 0.5**x + np.exp2(x)


def pow_builtin(x, y):
    return pow(x, 2) + pow(x, y) + pow(2.0, -y) + math.pow(x, 1.5)


def negative_literal_array(x):
    w = np.array([-1.0, 2.0, -3.5])
    return np.sum(w * x**2) + np.sum(-(w**2) * x) + np.sum((-w) ** 2 * x)


def inf_literals_where(x):
    y = np.where(x > 0.0, x, -np.inf)
    z = np.maximum(y, -math.inf)
    return np.sum(np.exp(z)) + np.sum(np.clip(x, -np.inf, np.inf) ** 2)


def inf_literals_min(x):
    best = float("inf")
    worst = -float("inf")
    for v in x:
        best = min(best, v)
        worst = max(worst, v)
    return best * worst + np.sum(x)


def nan_literal_branch(x):
    marker = float("nan")
    if math.isnan(marker):
        return x * 2.0
    return x * 3.0


def isinf_guard(x):
    lim = math.inf
    s = 0.0
    for v in x:
        if v < lim:
            s = s + v**2
    return s * np.inf * 0.0 + s if False else s


def attribute_of_literal(x):
    return x * (2).real + (1.5).real * x**2 + (3.0).imag * x + (-2).real * x


def unary_plus_and_minus(x):
    return +x * -(+x) + -(+(-x)) * 2.0


def division_by_negative(x, y):
    return x / -y + (-x) / y + x / -2.0 - -x / 4.0


def floor_mod_literals(x):
    k = 7 // 2
    r = 7 % 3
    return x * k + x**2 * r + x * (-7 // 2) + x * (-7 % 3)


def negative_exponent_array(x):
    return np.sum(x**-2.0) + np.sum(np.power(x, -1.5)) + np.sum(1.0 / x**2)


def neg_exponent_sum_axis(x):
    r = np.sum(x**-1.0, axis=-1)
    return np.sum(r**2) + np.sum(np.mean(x, axis=-2) ** -2)


def abs_negatives(x):
    return abs(-x) + abs(-2.5) * x + np.abs(-(x**3))


def bool_literals_arith(x):
    return x * True + x**2 * (1 + True) + x * float(False)


def chained_compare_literals(x):
    if -1.0 < x < 2.0:
        return x**2 * -1.0
    return x * -3.0


def keyword_call_numbers(x):
    return (
        np.sum(np.clip(x, a_min=-0.5, a_max=0.5) ** 2)
        + np.linalg.norm(x, ord=2)
        + np.sum(x, axis=-1, keepdims=False)
    )


# ---------------------------------------------------------------------------
# physics steps, losses, small networks
# ---------------------------------------------------------------------------


def spring_euler(k, x0, v0):
    x, v = x0, v0
    dt = 0.01
    for _ in range(50):
        a = -k * x - 0.1 * v
        x = x + dt * v
        v = v + dt * a
    return x**2 + 0.5 * v**2


def pendulum_leapfrog(omega2, theta0):
    theta = theta0
    p = 0.0
    dt = 0.05
    for _ in range(40):
        p = p - 0.5 * dt * omega2 * np.sin(theta)
        theta = theta + dt * p
        p = p - 0.5 * dt * omega2 * np.sin(theta)
    return theta


def projectile_drag(v0, angle):
    vx = v0 * math.cos(angle)
    vy = v0 * math.sin(angle)
    x, y = 0.0, 0.0
    dt = 0.02
    for _ in range(100):
        speed = math.sqrt(vx * vx + vy * vy)
        vx = vx - dt * 0.05 * speed * vx
        vy = vy - dt * (9.81 + 0.05 * speed * vy)
        x = x + dt * vx
        y = y + dt * vy
        if y < 0.0:
            break
    return x


def nbody_energy(pos):
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r = np.sqrt(np.sum(d**2) + 0.01)
            e = e - 1.0 / r
    return e


def heat_step(u):
    for _ in range(5):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u = u + 0.1 * lap
    return np.sum(u**2)


def rk4_decay(lam, y0):
    y = y0
    h = 0.1
    for _ in range(10):
        k1 = -lam * y
        k2 = -lam * (y + 0.5 * h * k1)
        k3 = -lam * (y + 0.5 * h * k2)
        k4 = -lam * (y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def lennard_jones(r):
    s6 = (1.0 / r) ** 6
    return np.sum(4.0 * (s6**2 - s6))


def mse_loss(w, x, y):
    pred = x @ w
    return np.mean((pred - y) ** 2)


def logistic_nll(w, x, y):
    z = x @ w
    return np.sum(np.logaddexp(0.0, z) - y * z) / y.shape[0]


def softmax_xent(logits, labels):
    m = np.max(logits, axis=-1, keepdims=True)
    z = logits - m
    lse = np.log(np.sum(np.exp(z), axis=-1))
    picked = np.sum(z * labels, axis=-1)
    return np.mean(lse - picked)


def huber(r, delta):
    a = np.abs(r)
    quad = 0.5 * r**2
    lin = delta * (a - 0.5 * delta)
    return np.sum(np.where(a <= delta, quad, lin))


def mlp_two_layer(w1, b1, w2, x):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2
    return np.sum(out**2) * 0.5


def mlp_list_params(params, x):
    for w, b in params[:-1]:
        x = np.tanh(w @ x + b)
    w, b = params[-1]
    return np.sum((w @ x + b) ** 2) / len(params)


def mlp_dict_params(p, x):
    h = np.maximum(p["w1"] @ x + p["b1"], 0.0)
    h = np.tanh(h)
    y = p["w2"] @ h
    return np.sum(y**2) + 0.01 * sum(np.sum(v**2) for v in p.values())


def rnn_unroll(w, u, xs):
    h = np.zeros(w.shape[0])
    for x in xs:
        h = np.tanh(w @ h + u @ x)
    return np.sum(h)


def layer_norm(x, gamma, beta):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    xh = (x - mu) / np.sqrt(var + 1e-5)
    return np.sum((gamma * xh + beta) ** 2)


def row_normalise_loss(a):
    rows = a / np.sum(a, axis=1)[:, None]
    return np.sum(rows**2)


def attention_scores(q, k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    s = s - np.max(s, axis=-1, keepdims=True)
    p = np.exp(s)
    p = p / np.sum(p, axis=-1, keepdims=True)
    return np.sum(p * s)


def l2_reg_loss(w, x, y, lam=0.1):
    r = x @ w - y
    return r @ r + lam * w @ w


def poisson_nll(log_rate, counts):
    return np.sum(np.exp(log_rate) - counts * log_rate)


def cosine_sim(a, b):
    return np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))


def gaussian_logpdf(x, mu, log_sigma):
    s = np.exp(log_sigma)
    z = (x - mu) / s
    return np.sum(-0.5 * z**2 - log_sigma - 0.5 * np.log(2.0 * np.pi))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def ridge_closed(w, a):
    m = a.T @ a + np.eye(a.shape[1]) * w
    return np.sum(np.linalg.solve(m, a.T @ np.ones(a.shape[0])))


def cubic_spline_energy(y):
    d2 = y[2:] - 2.0 * y[1:-1] + y[:-2]
    return np.sum(d2**2) + 0.5 * np.sum(np.diff(y) ** 2)


# ---------------------------------------------------------------------------
# control flow: break, loop else, early return, many branches
# ---------------------------------------------------------------------------


def newton_sqrt(a):
    x = a
    for _ in range(30):
        nx = 0.5 * (x + a / x)
        if abs(nx - x) < 1e-12:
            x = nx
            break
        x = nx
    return x


def search_with_else(x):
    acc = 0.0
    for i in range(5):
        acc = acc + x * i
        if acc > 100.0:
            break
    else:
        acc = acc * 2.0
    return acc


def search_with_else_breaks(x):
    acc = x
    for i in range(10):
        acc = acc * 1.5 + 0.1
        if acc > 3.0:
            break
    else:
        acc = -acc
    return acc**2


def while_else(x):
    k = 0
    y = x
    while k < 4:
        y = np.sin(y) + x
        k = k + 1
        if y > 10.0:
            break
    else:
        y = y * 3.0
    return y


def early_return_loop(x):
    s = 0.0
    for i in range(8):
        s = s + np.cos(x * i)
        if s < -1.0:
            return s * x
    return s + x


def early_return_branches(x, y):
    if x > 2.0:
        return x * y
    elif x > 0.0:
        if y > 0.0:
            return x**2 * y
        return -x * y**2
    else:
        return np.exp(x) + y


def nested_break_continue(x):
    total = 0.0
    for i in range(4):
        for j in range(4):
            if j == i:
                continue
            if j > i + 2:
                break
            total = total + x[i] * x[j]
    return total


def many_branches(x):
    if x < -2.0:
        y = x**3
    elif x < -1.0:
        y = -(x**2)
    elif x < 0.0:
        y = np.sin(x)
    elif x < 0.5:
        y = np.exp(x) - 1.0
    elif x < 1.0:
        y = x * np.log(1.0 + x)
    elif x < 2.0:
        y = np.sqrt(x) * 2.0
    elif x < 3.0:
        y = 1.0 / x
    else:
        y = x**-2.0
    return y * 2.0 + x


def piecewise_chain(x):
    r = 0.0
    for k in range(6):
        if k % 3 == 0:
            r = r + x ** (k + 1)
        elif k % 3 == 1:
            r = r - np.sin(r + x)
        else:
            r = r * 0.5 + np.cos(x * k)
    return r


def ternaries(x, y):
    a = x if x > y else y
    b = x * 2.0 if x > 0.0 else -x
    c = (a**2 if b > 1.0 else a) + (b if a < 3.0 else b**2)
    return c * y


def bisection_root(c):
    lo, hi = 0.0, 10.0
    for _ in range(5):
        mid = 0.5 * (lo + hi)
        if mid * mid - c > 0.0:
            hi = mid
        else:
            lo = mid
    return lo * c


def loop_name_after_break(x):
    for i in range(10):
        y = x * i
        if y > 2.5:
            break
    return y * x


def while_until_event(v0):
    t = 0.0
    h = 1.0
    v = v0
    while h > 0.0:
        h = h + v * 0.01
        v = v - 9.81 * 0.01
        t = t + 0.01
    return t * v0 + h


def returns_in_nested_loops(x):
    for i in range(3):
        for j in range(3):
            if x[i] * x[j] > 0.8:
                return x[i] ** 2 + x[j]
    return np.sum(x)


def and_or_logic(x, y):
    if x > 0.0 and y > 0.0 or x < -5.0:
        z = x * y
    elif not (x > 0.0) and y > 0.0:
        z = x - y
    else:
        z = x + y
    return z**2


# ---------------------------------------------------------------------------
# comprehensions, lambdas, nested functions
# ---------------------------------------------------------------------------


def list_comp_sum(x):
    return sum([x[i] ** 2 for i in range(len(x))])


def gen_expr_sum(x):
    return sum(v * w for v, w in zip(x, x[::-1]))


def nested_comp(x):
    m = [[x[i] * x[j] for j in range(3)] for i in range(3)]
    return np.sum(np.array(m) ** 2)


def comp_with_if(x):
    return sum(v**2 for v in x if v > 0.0) + sum([np.sin(v) for v in x if v <= 0.0])


def dict_comp(x):
    d = {k: x[k] * (k + 1) for k in range(3)}
    return d[0] + d[1] * d[2]


def set_keys_comp(x):
    keys = {i % 2 for i in range(5)}
    return sum(x[k] ** 2 for k in keys)


def comp_enumerate(x):
    return np.sum(np.array([v * i for i, v in enumerate(x)])) + max(v for v in x)


def any_all_gen(x):
    if any(v > 1.5 for v in x):
        s = np.sum(x**2)
    else:
        s = np.sum(x)
    if all(v > -10.0 for v in x):
        s = s * 2.0
    return s


def lambda_assigned(x):
    sq = lambda t: t * t
    cube = lambda t, p=3.0: t**p
    return sq(x) + cube(x) + (lambda z: np.sin(z) * 2.0)(x)


def lambda_closure(x, y):
    scale = y * 2.0
    f = lambda t: np.tanh(t * scale)
    return f(x) + f(x * 0.5)


def lambda_chosen(x):
    if x > 0.0:
        act = lambda t: t**2
    else:
        act = lambda t: -t
    return act(x) * 3.0


def lambda_to_helper(x):
    return integrate(lambda y: -0.5 * y, x, 0.1, 20)


def integrate(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def nested_def_closure(x):
    c = np.sum(x)

    def inner(t, k=2.0):
        return t * c + k * t**2

    return np.sum(inner(x)) + inner(c, 0.5)


def nested_def_in_loop_use(x):
    def step(s, t):
        return s * 0.9 + np.sin(t)

    s = 0.0
    for v in x:
        s = step(s, v)
    return s


def map_filter_sorted(x):
    ys = list(map(lambda t: t * 2.0, x))
    zs = sorted(ys)
    big = list(filter(lambda t: t > 0.0, zs))
    return sum(big) + zs[0] * zs[-1]


def comp_over_helper_calls(x):
    return sum(helper_sq(v, p=2.0) for v in x)


def helper_sq(v, p=1.0):
    return v**p * 0.5


# ---------------------------------------------------------------------------
# structures, objects, keyword arguments, attributes
# ---------------------------------------------------------------------------


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


class Model:
    def __init__(self, layers, scale):
        self.layers = layers
        self.scale = scale

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x * self.scale

    def loss(self, x):
        return np.sum(self.forward(x) ** 2)


def tuple_args(p, x):
    a, b = p
    return np.sum(a * x) + b**2


def namedtuple_param(p, x):
    return np.sum((p.w * x + p.b) ** 2)


def dict_arg_keys(d):
    s = 0.0
    for k, v in d.items():
        if k == "a":
            s = s + np.sum(v**2)
        else:
            s = s + np.sum(np.sin(v))
    return s + d.get("c", 0.0)


def list_of_arrays(xs):
    total = 0.0
    for i, x in enumerate(xs):
        total = total + (i + 1) * np.sum(x**2)
    return total + np.sum(xs[-1] * xs[0])


def model_loss(model, x):
    return model.loss(x)


def method_bound_call(x):
    return _MODEL.loss(x)


def keyword_arguments(x, y):
    return helper_kw(x, b=y, c=2.0) + helper_kw(a=y, b=x)


def helper_kw(a, b, c=1.0):
    return a * b + c * a**2


def sum_axis_minus_one(x):
    return np.sum(np.sum(x**2, axis=-1) * np.arange(1.0, x.shape[0] + 1))


def mean_axis_keywords(x):
    m = np.mean(x, axis=0)
    s = x.sum(axis=1)
    return np.sum(m**2) + np.sum(s * s) + x.max(axis=-1).sum()


def shape_attributes(x):
    n, m = x.shape
    return np.sum(x.T @ x) / (n * m) + x.size * np.sum(x) + x.ndim * 1.0


def array_methods(x):
    y = x.reshape(2, 3).T.copy()
    return y.sum() + y.prod() * 0.1 + y.std() + y.var() + y.cumsum().sum() + y.dot(y.T).trace()


def einsum_keywords(a, b):
    c = np.einsum("ij,jk->ik", a, b, optimize=False)
    return np.sum(np.tanh(c)) + np.sum(np.tensordot(a, b, axes=1))


def stack_concat(x, y):
    z = np.concatenate([x, y * 2.0], axis=0)
    s = np.stack([x, y], axis=-1)
    return np.sum(z**2) + np.sum(s[:, 0] * s[:, 1])


def element_updates(x):
    a = np.zeros(4)
    a[0] = x[0] ** 2
    a[1:3] = x[1:3] * 2.0
    a[-1] += x[-1]
    return np.sum(a * np.arange(4.0))


def global_constants(x):
    return np.sum(WEIGHTS * x) * RATE + SHIFT**2 * np.sum(x)


WEIGHTS = np.array([0.5, -1.0, 2.0])
RATE = -0.25
SHIFT = -1.5
_MODEL = Model([Dense(np.eye(2) * 0.5, np.array([0.1, -0.2]))], 2.0)

# ---------------------------------------------------------------------------
# long straight-line functions (generated once, written out here as text)
# ---------------------------------------------------------------------------


def long_scalar_60(x, y):
    v0 = np.sin(x) + 2.0 * x
    v1 = np.sqrt(y**2 + 1.0) - y * 0.5
    v2 = (1.0 + v1**2) ** -0.5 * y
    v3 = v1 - -x * -0.25
    v4 = np.tanh(x - v3)
    v5 = v4 - -v4 * -1.5
    v6 = v0 * v3 * 0.5
    v7 = np.exp(-0.1 * v1**2) * v6
    v8 = 2.0 ** -(v7**2) + v1
    v9 = (1.0 + v3**2) ** -0.5 * v6
    v10 = v7 / (1.0 + v6**2)
    v11 = (1.0 + v6**2) ** -0.5 * v8
    v12 = np.cos(v8) * -x
    v13 = np.sqrt(v12**2 + 1.0) - y * 0.5
    v14 = 2.0 ** -(v13**2) + v7
    v15 = np.cos(v11) * -v14
    v16 = np.tanh(v15 - v4)
    v17 = np.exp(-0.1 * v15**2) * v13
    v18 = (-0.25) ** 2 * v16 - y
    v19 = np.sqrt(v18**2 + 1.0) - v10 * 0.5
    v20 = 2.0 ** -(v15**2) + v9
    v21 = (1.0 + v20**2) ** -0.5 * v9
    v22 = -(v21**2) * 0.1 + v14
    v23 = (1.0 + v21**2) ** -0.5 * v10
    v24 = v23 * x * -0.25
    v25 = v20 - -v21 * 1e-2
    v26 = -(v24**2) * 0.1 + v10
    v27 = v22 * v14 * -1.5
    v28 = (1e-2) ** 2 * v23 - v15
    v29 = v14 - -v26 * 2.0
    v30 = np.sqrt(v26**2 + 1.0) - v27 * 0.5
    v31 = 2.0 ** -(v29**2) + x
    v32 = np.cos(v30) * -v6
    v33 = (1.0 + v28**2) ** -0.5 * v25
    v34 = np.cos(v30) * -v33
    v35 = np.exp(-0.1 * v32**2) * v29
    v36 = np.cos(v32) * -x
    v37 = v19 - -v35 * -0.25
    v38 = -(v32**2) * 0.1 + v12
    v39 = np.sin(v37) + -1.5 * v35
    v40 = np.sqrt(v38**2 + 1.0) - v14 * 0.5
    v41 = (1.0 + v35**2) ** -0.5 * v3
    v42 = np.tanh(v36 - v15)
    v43 = v37 / (1.0 + v37**2)
    v44 = -(v40**2) * 0.1 + v2
    v45 = np.sqrt(v41**2 + 1.0) - v31 * 0.5
    v46 = np.tanh(v42 - v39)
    v47 = (1.0 + v44**2) ** -0.5 * v42
    v48 = np.tanh(v45 - v5)
    v49 = (-0.25) ** 2 * v46 - v19
    v50 = 2.0 ** -(v46**2) + v4
    v51 = np.exp(-0.1 * v49**2) * v11
    v52 = np.exp(-0.1 * v46**2) * v12
    v53 = -(v48**2) * 0.1 + v0
    v54 = np.sqrt(v51**2 + 1.0) - v43 * 0.5
    v55 = np.sqrt(v52**2 + 1.0) - v32 * 0.5
    v56 = (-0.25) ** 2 * v55 - v31
    v57 = np.exp(-0.1 * v55**2) * v39
    v58 = np.sqrt(v57**2 + 1.0) - v34 * 0.5
    v59 = 2.0 ** -(v58**2) + v25
    return (np.sum(v55) + np.sum(v56) + np.sum(v57) + np.sum(v58) + np.sum(v59)) * 0.2


def long_array_150(x, y):
    v0 = x / (1.0 + x**2)
    v1 = np.tanh(x - v0)
    v2 = v0 * y * 1e-2
    v3 = np.sqrt(v2**2 + 1.0) - y * 0.5
    v4 = v1 / (1.0 + v3**2)
    v5 = np.tanh(v3 - v1)
    v6 = (1.0 + v0**2) ** -0.5 * x
    v7 = np.cos(v3) * -v4
    v8 = (-1.5) ** 2 * v3 - v6
    v9 = v4 / (1.0 + x**2)
    v10 = np.cos(v5) * -v0
    v11 = np.cos(v7) * -v6
    v12 = 2.0 ** -(v7**2) + v5
    v13 = v12 - -v11 * 2.0
    v14 = -(v10**2) * 0.1 + v9
    v15 = np.cos(v12) * -v12
    v16 = (1.0 + v11**2) ** -0.5 * v13
    v17 = np.sqrt(v15**2 + 1.0) - v14 * 0.5
    v18 = v12 - -v15 * 2.0
    v19 = (1.0 + v18**2) ** -0.5 * v15
    v20 = v17 / (1.0 + v19**2)
    v21 = np.tanh(v20 - v3)
    v22 = 2.0 ** -(v19**2) + v7
    v23 = np.cos(v21) * -v15
    v24 = np.exp(-0.1 * v23**2) * v17
    v25 = (1.0 + v21**2) ** -0.5 * v21
    v26 = v9 - -v24 * 3
    v27 = 2.0 ** -(v21**2) + v23
    v28 = 2.0 ** -(v22**2) + v27
    v29 = np.sqrt(v23**2 + 1.0) - y * 0.5
    v30 = (1e-2) ** 2 * v24 - v15
    v31 = -(v30**2) * 0.1 + v4
    v32 = v28 * v13 * -1.5
    v33 = v30 / (1.0 + v0**2)
    v34 = np.sqrt(v30**2 + 1.0) - v9 * 0.5
    v35 = np.sin(v29) + 0.5 * v3
    v36 = v30 * v0 * 3
    v37 = -(v33**2) * 0.1 + v14
    v38 = 2.0 ** -(v37**2) + v9
    v39 = v33 * v22 * 1e-2
    v40 = v35 * v7 * 0.5
    v41 = 2.0 ** -(v37**2) + v37
    v42 = v41 / (1.0 + v5**2)
    v43 = (1.0 + v40**2) ** -0.5 * y
    v44 = v42 * v36 * 3
    v45 = 2.0 ** -(v41**2) + v23
    v46 = np.sin(v41) + -1.5 * v28
    v47 = np.sin(v46) + 2.0 * v41
    v48 = np.cos(v42) * -v26
    v49 = (1.0 + v47**2) ** -0.5 * v47
    v50 = v48 / (1.0 + v18**2)
    v51 = np.exp(-0.1 * v47**2) * v14
    v52 = np.cos(v51) * -y
    v53 = np.tanh(v48 - v40)
    v54 = -(v48**2) * 0.1 + v6
    v55 = (3) ** 2 * v49 - v27
    v56 = (0.5) ** 2 * v54 - v43
    v57 = np.sin(v52) + -0.25 * v43
    v58 = (1e-2) ** 2 * v54 - v3
    v59 = 2.0 ** -(v57**2) + v48
    v60 = np.exp(-0.1 * v56**2) * v14
    v61 = -(v57**2) * 0.1 + v31
    v62 = -(v56**2) * 0.1 + v47
    v63 = np.sin(v57) + -1.5 * v9
    v64 = (-1.5) ** 2 * v58 - v0
    v65 = np.cos(v59) * -v25
    v66 = np.tanh(v65 - v57)
    v67 = np.sqrt(v65**2 + 1.0) - v46 * 0.5
    v68 = np.cos(v63) * -v53
    v69 = np.cos(v63) * -v4
    v70 = np.sqrt(v68**2 + 1.0) - v21 * 0.5
    v71 = np.cos(v68) * -v44
    v72 = 2.0 ** -(v66**2) + v44
    v73 = np.sqrt(v69**2 + 1.0) - v37 * 0.5
    v74 = np.tanh(v71 - v10)
    v75 = v70 * v0 * -0.25
    v76 = (-0.25) ** 2 * v73 - v60
    v77 = v75 * v76 * 0.5
    v78 = np.tanh(v74 - v1)
    v79 = (1.0 + v78**2) ** -0.5 * v7
    v80 = v75 / (1.0 + v12**2)
    v81 = v78 / (1.0 + v57**2)
    v82 = np.sin(v79) + 2.0 * v13
    v83 = v77 / (1.0 + v8**2)
    v84 = 2.0 ** -(v83**2) + v48
    v85 = np.sqrt(v79**2 + 1.0) - v1 * 0.5
    v86 = 2.0 ** -(v83**2) + v3
    v87 = (1.0 + v84**2) ** -0.5 * v35
    v88 = (1.0 + v83**2) ** -0.5 * v45
    v89 = 2.0 ** -(v87**2) + v59
    v90 = np.tanh(v87 - v60)
    v91 = (1.0 + v88**2) ** -0.5 * v27
    v92 = np.exp(-0.1 * v90**2) * v31
    v93 = np.sin(v92) + 3 * v84
    v94 = np.sin(v92) + 1e-2 * v91
    v95 = np.cos(v89) * -v43
    v96 = np.sin(v91) + 0.5 * v51
    v97 = -(v96**2) * 0.1 + v80
    v98 = 2.0 ** -(v94**2) + v47
    v99 = (1.0 + v98**2) ** -0.5 * v85
    v100 = np.sin(v95) + 2.0 * v65
    v101 = np.sin(v96) + -0.25 * v67
    v102 = 2.0 ** -(v98**2) + v64
    v103 = -(v101**2) * 0.1 + v30
    v104 = np.exp(-0.1 * v101**2) * v88
    v105 = 2.0 ** -(v101**2) + v98
    v106 = 2.0 ** -(v101**2) + v57
    v107 = np.exp(-0.1 * v101**2) * v101
    v108 = np.cos(v107) * -v21
    v109 = np.exp(-0.1 * v103**2) * v59
    v110 = np.exp(-0.1 * v106**2) * v88
    v111 = v110 / (1.0 + v80**2)
    v112 = 2.0 ** -(v110**2) + v40
    v113 = (3) ** 2 * v112 - v8
    v114 = np.exp(-0.1 * v112**2) * v77
    v115 = v114 * v46 * 3
    v116 = 2.0 ** -(v112**2) + v57
    v117 = np.sin(v114) + -1.5 * v81
    v118 = 2.0 ** -(v112**2) + v49
    v119 = (-0.25) ** 2 * v117 - v75
    v120 = (1e-2) ** 2 * v114 - v47
    v121 = v93 - -v117 * 1e-2
    v122 = -(v117**2) * 0.1 + v60
    v123 = np.exp(-0.1 * v117**2) * v76
    v124 = v30 - -v121 * 1e-2
    v125 = (3) ** 2 * v120 - v57
    v126 = (1.0 + v120**2) ** -0.5 * v87
    v127 = (1.0 + v125**2) ** -0.5 * v14
    v128 = np.tanh(v127 - v83)
    v129 = np.sin(v127) + 0.5 * v115
    v130 = np.exp(-0.1 * v128**2) * v86
    v131 = -(v127**2) * 0.1 + v32
    v132 = np.sqrt(v129**2 + 1.0) - v95 * 0.5
    v133 = np.tanh(v129 - v37)
    v134 = v132 / (1.0 + v117**2)
    v135 = (1.0 + v129**2) ** -0.5 * v95
    v136 = np.sqrt(v131**2 + 1.0) - v76 * 0.5
    v137 = np.cos(v132) * -v121
    v138 = np.tanh(v137 - v75)
    v139 = np.sqrt(v135**2 + 1.0) - v75 * 0.5
    v140 = np.sin(v136) + 1e-2 * v98
    v141 = v51 - -v139 * -0.25
    v142 = np.sqrt(v140**2 + 1.0) - v36 * 0.5
    v143 = (0.5) ** 2 * v137 - v76
    v144 = np.cos(v141) * -v141
    v145 = np.sin(v141) + 0.5 * v13
    v146 = (2.0) ** 2 * v145 - v95
    v147 = v143 / (1.0 + v89**2)
    v148 = (1.0 + v145**2) ** -0.5 * v90
    v149 = -(v146**2) * 0.1 + v72
    return (np.sum(v145) + np.sum(v146) + np.sum(v147) + np.sum(v148) + np.sum(v149)) * 0.2


def long_branches_280(x, y):
    v0 = x - -x * 2.0
    v1 = np.sin(y) + 1e-2 * v0
    v2 = np.cos(x) * -v1
    v3 = (1.0 + y**2) ** -0.5 * y
    v4 = np.exp(-0.1 * v2**2) * v2
    v5 = (-1.5) ** 2 * v4 - v4
    v6 = np.exp(-0.1 * v5**2) * v0
    v7 = np.sin(v6) + 3 * x
    v8 = np.tanh(v3 - v7)
    v9 = v2 - -v3 * -0.25
    v10 = np.exp(-0.1 * v9**2) * v4
    v11 = (1.0 + v8**2) ** -0.5 * v9
    v12 = v7 * v3 * 0.5
    v13 = np.tanh(v8 - v5)
    v14 = np.tanh(v13 - v11)
    v15 = v14 - -v12 * -0.25
    v16 = np.exp(-0.1 * v12**2) * v15
    v17 = np.sqrt(v15**2 + 1.0) - v5 * 0.5
    v18 = np.sqrt(v12**2 + 1.0) - v6 * 0.5
    v19 = v18 / (1.0 + v3**2)
    v20 = np.sin(v18) + 1e-2 * v16
    v21 = np.sqrt(v20**2 + 1.0) - v18 * 0.5
    v22 = np.sin(v20) + 2.0 * v6
    v23 = (1.0 + v17**2) ** -0.5 * v13
    if np.sum(v18) > 0.0:
        v24 = np.exp(-0.1 * v18**2) * v9
    else:
        v24 = -v9 * 0.5 + v18
    v25 = np.exp(-0.1 * v20**2) * x
    v26 = v23 * v25 * 0.5
    v27 = np.exp(-0.1 * v25**2) * v17
    v28 = np.cos(v27) * -v16
    v29 = v25 * v14 * -1.5
    v30 = np.sin(v26) + 0.5 * x
    v31 = np.exp(-0.1 * v29**2) * v0
    v32 = 2.0 ** -(v28**2) + v14
    v33 = v27 / (1.0 + v19**2)
    v34 = (1.0 + v29**2) ** -0.5 * v22
    v35 = v22 - -v33 * 3
    v36 = v33 - -v35 * 0.5
    v37 = np.sqrt(v35**2 + 1.0) - v15 * 0.5
    v38 = np.exp(-0.1 * v37**2) * v13
    v39 = np.cos(v35) * -v31
    v40 = x - -v36 * -0.25
    v41 = y - -v37 * -0.25
    v42 = v40 * v38 * -1.5
    v43 = (1.0 + v42**2) ** -0.5 * v38
    v44 = v41 - -v40 * 2.0
    v45 = (1.0 + v44**2) ** -0.5 * v15
    v46 = np.sqrt(v40**2 + 1.0) - v35 * 0.5
    v47 = np.sqrt(v41**2 + 1.0) - v21 * 0.5
    v48 = v17 - -v45 * 1e-2
    if np.sum(v45) > 0.0:
        v49 = -(v45**2) * 0.1 + v9
    else:
        v49 = -v9 * 0.5 + v45
    v50 = v46 - -v46 * 2.0
    v51 = np.sin(v47) + -0.25 * v17
    v52 = 2.0 ** -(v46**2) + v34
    v53 = (1e-2) ** 2 * v48 - v17
    v54 = (2.0) ** 2 * v53 - v49
    v55 = np.exp(-0.1 * v51**2) * v9
    v56 = np.sin(v55) + 0.5 * v42
    v57 = np.sqrt(v55**2 + 1.0) - v18 * 0.5
    v58 = np.sin(v53) + -1.5 * v26
    v59 = (3) ** 2 * v55 - v45
    v60 = (2.0) ** 2 * v58 - v26
    v61 = (1e-2) ** 2 * v55 - v0
    v62 = v58 / (1.0 + v21**2)
    v63 = v62 / (1.0 + v8**2)
    v64 = np.tanh(v62 - v14)
    v65 = v63 / (1.0 + v32**2)
    v66 = np.exp(-0.1 * v65**2) * v51
    v67 = np.exp(-0.1 * v65**2) * v50
    v68 = (1.0 + v63**2) ** -0.5 * v23
    v69 = np.cos(v67) * -v63
    v70 = 2.0 ** -(v69**2) + v26
    v71 = np.cos(v68) * -v64
    v72 = v27 - -v68 * 0.5
    v73 = v69 * v13 * -1.5
    if np.sum(v68) > 0.0:
        v74 = np.exp(-0.1 * v68**2) * v63
    else:
        v74 = -v63 * 0.5 + v68
    v75 = (1.0 + v73**2) ** -0.5 * v4
    v76 = np.cos(v75) * -v13
    v77 = v73 * v28 * 3
    v78 = v76 * v66 * -0.25
    v79 = -(v77**2) * 0.1 + v12
    v80 = v76 * v67 * -0.25
    v81 = np.sin(v77) + -1.5 * v26
    v82 = (-1.5) ** 2 * v80 - v13
    v83 = (1.0 + v79**2) ** -0.5 * v14
    v84 = v83 * v71 * -0.25
    v85 = v29 - -v81 * 2.0
    v86 = v84 * v64 * -0.25
    v87 = v84 * v39 * 0.5
    v88 = v83 * v3 * 0.5
    v89 = 2.0 ** -(v83**2) + v59
    v90 = (1.0 + v84**2) ** -0.5 * v63
    v91 = np.sin(v87) + 2.0 * v18
    v92 = np.exp(-0.1 * v88**2) * v47
    v93 = np.tanh(v91 - v36)
    v94 = np.sin(v89) + -0.25 * v40
    v95 = 2.0 ** -(v90**2) + v69
    v96 = v46 - -v95 * 0.5
    v97 = (1.0 + v92**2) ** -0.5 * v3
    v98 = np.exp(-0.1 * v96**2) * v81
    if np.sum(v98) > 0.0:
        v99 = np.exp(-0.1 * v98**2) * v3
    else:
        v99 = -v3 * 0.5 + v98
    v100 = (1.0 + v94**2) ** -0.5 * v45
    v101 = 2.0 ** -(v100**2) + v38
    v102 = (0.5) ** 2 * v99 - v56
    v103 = 2.0 ** -(v98**2) + v66
    v104 = (-0.25) ** 2 * v102 - v7
    v105 = v102 / (1.0 + v14**2)
    v106 = np.sin(v102) + 2.0 * v69
    v107 = 2.0 ** -(v104**2) + v86
    v108 = np.exp(-0.1 * v107**2) * v106
    v109 = v108 / (1.0 + v11**2)
    v110 = v66 - -v108 * 0.5
    v111 = -(v110**2) * 0.1 + x
    v112 = v107 * v97 * -0.25
    v113 = np.sin(v111) + 1e-2 * v9
    v114 = -(v113**2) * 0.1 + v110
    v115 = v109 * v41 * 0.5
    v116 = 2.0 ** -(v110**2) + v84
    v117 = np.sin(v113) + 2.0 * v72
    v118 = np.cos(v112) * -v96
    v119 = np.sin(v117) + -1.5 * v89
    v120 = np.cos(v118) * -v93
    v121 = v68 - -v115 * 2.0
    v122 = (0.5) ** 2 * v117 - v103
    v123 = (1.0 + v118**2) ** -0.5 * v80
    if np.sum(v122) > 0.0:
        v124 = np.tanh(v122 - v87)
    else:
        v124 = -v87 * 0.5 + v122
    v125 = v121 / (1.0 + v74**2)
    v126 = np.exp(-0.1 * v124**2) * v105
    v127 = 2.0 ** -(v125**2) + v58
    v128 = v104 - -v123 * 3
    v129 = np.sqrt(v127**2 + 1.0) - v121 * 0.5
    v130 = np.sin(v127) + -1.5 * v36
    v131 = np.cos(v128) * -v121
    v132 = np.tanh(v129 - v45)
    v133 = np.cos(v128) * -v35
    v134 = np.cos(v130) * -v57
    v135 = v103 - -v131 * 1e-2
    v136 = np.tanh(v134 - v66)
    v137 = np.exp(-0.1 * v131**2) * v66
    v138 = v133 / (1.0 + v42**2)
    v139 = -(v134**2) * 0.1 + v80
    v140 = v120 - -v137 * 3
    v141 = np.sqrt(v136**2 + 1.0) - v117 * 0.5
    v142 = 2.0 ** -(v140**2) + v5
    v143 = v137 * v100 * 3
    v144 = np.sqrt(v141**2 + 1.0) - v56 * 0.5
    v145 = np.tanh(v144 - v15)
    v146 = -(v141**2) * 0.1 + v46
    v147 = -(v142**2) * 0.1 + v7
    v148 = np.exp(-0.1 * v142**2) * v78
    if np.sum(v143) > 0.0:
        v149 = np.sin(v143) + 0.5 * v19
    else:
        v149 = -v19 * 0.5 + v143
    v150 = v146 / (1.0 + v72**2)
    v151 = np.sqrt(v148**2 + 1.0) - v146 * 0.5
    v152 = v148 / (1.0 + y**2)
    v153 = (1.0 + v149**2) ** -0.5 * v109
    v154 = v51 - -v148 * 3
    v155 = -(v154**2) * 0.1 + v123
    v156 = np.tanh(v154 - v79)
    v157 = (1.0 + v151**2) ** -0.5 * v108
    v158 = np.cos(v156) * -v62
    v159 = v158 / (1.0 + v93**2)
    v160 = np.sqrt(v157**2 + 1.0) - v73 * 0.5
    v161 = v160 / (1.0 + v65**2)
    v162 = np.cos(v161) * -v142
    v163 = v157 / (1.0 + v124**2)
    v164 = 2.0 ** -(v158**2) + v73
    v165 = np.sqrt(v163**2 + 1.0) - v44 * 0.5
    v166 = -(v165**2) * 0.1 + v159
    v167 = np.sin(v163) + -0.25 * v165
    v168 = v162 / (1.0 + v141**2)
    v169 = np.exp(-0.1 * v168**2) * v164
    v170 = -(v168**2) * 0.1 + v74
    v171 = -(v168**2) * 0.1 + v121
    v172 = 2.0 ** -(v171**2) + v15
    v173 = v139 - -v168 * 1e-2
    if np.sum(v173) > 0.0:
        v174 = np.sin(v173) + 2.0 * v98
    else:
        v174 = -v98 * 0.5 + v173
    v175 = v171 * v67 * -0.25
    v176 = np.cos(v171) * -v8
    v177 = np.cos(v173) * -v61
    v178 = (1.0 + v174**2) ** -0.5 * v83
    v179 = (1.0 + v177**2) ** -0.5 * v15
    v180 = v36 - -v174 * 2.0
    v181 = v172 - -v175 * 0.5
    v182 = 2.0 ** -(v181**2) + v26
    v183 = np.sqrt(v178**2 + 1.0) - v143 * 0.5
    v184 = -(v183**2) * 0.1 + v98
    v185 = np.exp(-0.1 * v183**2) * v153
    v186 = -(v181**2) * 0.1 + v137
    v187 = np.tanh(v185 - v43)
    v188 = (1.0 + v184**2) ** -0.5 * v73
    v189 = np.cos(v186) * -v96
    v190 = (1.0 + v188**2) ** -0.5 * v77
    v191 = np.tanh(v189 - v173)
    v192 = v121 - -v191 * 0.5
    v193 = v188 * v184 * 3
    v194 = (3) ** 2 * v188 - v191
    v195 = np.sqrt(v192**2 + 1.0) - v42 * 0.5
    v196 = np.cos(v193) * -v48
    v197 = np.sqrt(v192**2 + 1.0) - v7 * 0.5
    v198 = np.tanh(v195 - v26)
    if np.sum(v198) > 0.0:
        v199 = (1.0 + v198**2) ** -0.5 * v37
    else:
        v199 = -v37 * 0.5 + v198
    v200 = v194 * v157 * 0.5
    v201 = np.cos(v197) * -v156
    v202 = v196 * v125 * 1e-2
    v203 = v199 / (1.0 + v80**2)
    v204 = np.sin(v203) + -1.5 * v175
    v205 = 2.0 ** -(v203**2) + v196
    v206 = (2.0) ** 2 * v200 - v187
    v207 = 2.0 ** -(v201**2) + v49
    v208 = np.sin(v203) + 2.0 * v122
    v209 = (0.5) ** 2 * v203 - v102
    v210 = (1.0 + v209**2) ** -0.5 * v39
    v211 = np.cos(v208) * -v177
    v212 = (1.0 + v209**2) ** -0.5 * v51
    v213 = (1.0 + v209**2) ** -0.5 * v3
    v214 = -(v213**2) * 0.1 + v100
    v215 = np.tanh(v212 - v7)
    v216 = (1.0 + v212**2) ** -0.5 * v215
    v217 = np.exp(-0.1 * v215**2) * v90
    v218 = np.tanh(v213 - x)
    v219 = np.cos(v215) * -v34
    v220 = v215 * v38 * -1.5
    v221 = np.cos(v216) * -v147
    v222 = -(v217**2) * 0.1 + v160
    v223 = (1.0 + v217**2) ** -0.5 * v153
    if np.sum(v221) > 0.0:
        v224 = v221 * v45 * 0.5
    else:
        v224 = -v45 * 0.5 + v221
    v225 = np.exp(-0.1 * v222**2) * v112
    v226 = v220 * v178 * 3
    v227 = np.exp(-0.1 * v222**2) * v101
    v228 = (-1.5) ** 2 * v225 - v4
    v229 = (-0.25) ** 2 * v223 - v97
    v230 = np.sin(v225) + 1e-2 * v83
    v231 = v227 * v29 * 1e-2
    v232 = (1.0 + v231**2) ** -0.5 * v72
    v233 = np.cos(v229) * -v123
    v234 = np.sqrt(v230**2 + 1.0) - v5 * 0.5
    v235 = v231 * v79 * 0.5
    v236 = v109 - -v235 * 0.5
    v237 = v235 * x * 0.5
    v238 = -(v237**2) * 0.1 + v21
    v239 = v237 * v7 * -0.25
    v240 = v235 / (1.0 + v165**2)
    v241 = v236 / (1.0 + v228**2)
    v242 = np.sqrt(v239**2 + 1.0) - v232 * 0.5
    v243 = v95 - -v237 * 2.0
    v244 = np.sin(v243) + -0.25 * v240
    v245 = np.sin(v241) + -0.25 * v45
    v246 = v244 / (1.0 + v97**2)
    v247 = -(v245**2) * 0.1 + v172
    v248 = np.exp(-0.1 * v247**2) * v219
    if np.sum(v247) > 0.0:
        v249 = v247 / (1.0 + v89**2)
    else:
        v249 = -v89 * 0.5 + v247
    v250 = (1.0 + v247**2) ** -0.5 * v110
    v251 = np.tanh(v250 - v121)
    v252 = v127 - -v247 * 3
    v253 = (1.0 + v252**2) ** -0.5 * v176
    v254 = 2.0 ** -(v248**2) + v76
    v255 = 2.0 ** -(v249**2) + v237
    v256 = (2.0) ** 2 * v255 - v47
    v257 = v255 * v26 * 1e-2
    v258 = np.sqrt(v255**2 + 1.0) - v236 * 0.5
    v259 = np.sin(v255) + 0.5 * v187
    v260 = v255 / (1.0 + v202**2)
    v261 = (1.0 + v259**2) ** -0.5 * v157
    v262 = 2.0 ** -(v256**2) + v105
    v263 = -(v257**2) * 0.1 + v76
    v264 = (0.5) ** 2 * v262 - v3
    v265 = np.cos(v261) * -v104
    v266 = v212 - -v264 * 1e-2
    v267 = -(v263**2) * 0.1 + v94
    v268 = np.sin(v266) + 0.5 * v38
    v269 = (0.5) ** 2 * v267 - v10
    v270 = (1.0 + v266**2) ** -0.5 * v41
    v271 = v112 - -v268 * 3
    v272 = 2.0 ** -(v266**2) + v246
    v273 = np.sqrt(v269**2 + 1.0) - v204 * 0.5
    if np.sum(v271) > 0.0:
        v274 = v54 - -v271 * 2.0
    else:
        v274 = -v54 * 0.5 + v271
    v275 = np.sin(v272) + -1.5 * v192
    v276 = np.tanh(v274 - v1)
    v277 = v276 / (1.0 + v37**2)
    v278 = np.cos(v273) * -v246
    v279 = np.sqrt(v278**2 + 1.0) - v184 * 0.5
    return (np.sum(v275) + np.sum(v276) + np.sum(v277) + np.sum(v278) + np.sum(v279)) * 0.2


# ---------------------------------------------------------------------------
# code s2s_ad refuses: the line marked "# refused here" is the one the error names
# ---------------------------------------------------------------------------


def refused_try(x):
    try:  # refused here
        y = x * 2.0
    except ValueError:
        y = x
    return y


def refused_global(x):
    global RATE  # refused here
    return x * RATE


def refused_walrus(x):
    if (y := x * 2.0) > 1.0:  # refused here
        return y
    return x


def refused_yield(x):
    yield x * 2.0  # refused here


def refused_del(x):
    y = x * 2.0
    z = y + 1.0
    del y  # refused here
    return z


def refused_class_inside(x):
    class Local:  # refused here
        pass

    return x * 2.0


def refused_import_inside(x):
    import math as m  # refused here

    return m.sin(x)


def refused_generator_kept(x):
    g = (v * 2.0 for v in x)  # refused here
    return sum(g)


def refused_max_key(x):
    return max(x[0], x[1], key=abs)  # refused here


def refused_dict_popitem(x):
    # (was `e = {**d}`, refused until session 43: lowered since)
    d = {"a": x}
    _, e = d.popitem()  # refused here
    return e * 2.0


def refused_match(x):
    match 1:  # refused here
        case 1:
            return x * 2.0
    return x


def refused_nonlocal(x):
    y = x

    def inner():
        nonlocal y  # refused here
        y = y * 2.0

    inner()
    return y


def refused_update_argument(x):
    x[0] = 2.0 * x[1]  # refused here
    return np.sum(x)


def refused_view_write(x):
    a = x * 1.0
    v = a[1:3]
    v *= 2.0  # refused here
    return np.sum(a)


def refused_with_as(x):
    with open("/dev/null") as fh:  # refused here
        y = x * 2.0
    return y


def refused_comprehension_in_lambda_gen(x):
    return np.array(v * 2.0 for v in x).sum()  # refused here


def refused_complex_literal(x):
    return x * (1.0 + 2j)  # refused here


def refused_dict_update_pairs(x):
    # (was `d.update({"b": x})`, refused until session 43: lowered since)
    d = {"a": x}
    d.update([("b", x)])  # refused here
    return d["a"]


def refused_out_kw(x):
    y = np.zeros(3)
    np.multiply(x, 2.0, out=y)  # refused here
    return np.sum(y)


def refused_no_rule(x):
    return np.sum(np.unwrap(x))  # refused here


# ---------------------------------------------------------------------------
# programs run with jit=True: sums along axes and over whole arrays
# ---------------------------------------------------------------------------


def jit_sum_axis_loss(x):
    r = np.sum(x * x, axis=1)
    return np.sum(np.sin(r) + r * 0.5)


def jit_sum_axis0_loss(x):
    c = np.sum(np.tanh(x), axis=0)
    return np.sum(c**2) - np.mean(x)


def jit_row_normalise(a):
    s = np.sum(a, axis=1)
    n = a / s[:, None]
    return np.sum(n * n)


def jit_row_normalise_vec(a):
    s = np.sum(a * a, axis=-1)
    return np.exp(-s) * 2.0 + np.sum(a)


def jit_mean_whole(x):
    m = np.mean(x)
    d = x - m
    return np.sum(d * d * d) + m**2


def jit_normalise_vector(x):
    return x / np.sum(x)


def jit_sum_axis_scalar_loop(w):
    s = 0.0
    for i in range(w.shape[0]):
        s = s + np.sum(w[i] * w[i]) * (i + 1.0)
    return s + np.sum(np.sum(w, axis=0) ** 2)


def jit_keepdims_fallback(x):
    s = np.sum(x, axis=1, keepdims=True)
    return np.sum((x / s) ** 2)


def jit_max_axis_fallback(x):
    return np.sum(np.max(x, axis=1) ** 2)


# ---------------------------------------------------------------------------
# constants the passes propagate into powers, attributes and keywords
# ---------------------------------------------------------------------------


def propagated_negative_base(x):
    c = -2.0
    return c**2 * x + x * c**3


def propagated_literal_attributes(x):
    c = 2
    d = -2
    e = 1.5
    return x * c.real + x**2 * c.imag + x * d.real + x**2 * e.real


def propagated_negative_exponents(x):
    n = 2
    e = -0.5
    return x**-n + (x * x) ** e + x**-e


def propagated_keywords(x):
    ax = -1
    kd = False
    return np.sum(np.sum(x**2, axis=ax, keepdims=kd) ** 2)


def propagated_infinities(x):
    c = float("inf")
    m = -c
    return max(x, m) * 2.0 + x * (c > 0) + np.minimum(x, c)


def propagated_int_powers(x):
    a = -3
    b = a**2
    k = -1.5
    return x * b + k**2 * x + (-k) ** 3 * x + -(k**2) * x


def propagated_in_loop(x):
    c = -2.0
    y = x
    for i in range(3):
        y = y * c**2 + c**i
    return y


def propagated_negative_zero(x):
    c = -0.0
    return x * c**2 + math.copysign(1.0, c) * x


def propagated_numpy_scalar(x):
    c = np.float64(-1.5)
    return c**2 * x


def propagated_overflow(x):
    c = 1e308
    return x * (c * 10 > 0) + x


def propagated_int_negative_power(x):
    c = -2
    return 2**c * x + c**-2 * x + (1 + c) ** 2 * x


def propagated_nan(x):
    c = float("nan")
    if c != c:
        return x * 3.0
    return x


# ---------------------------------------------------------------------------
# the front-end passes: scopes of comprehensions, loop else, early returns
# ---------------------------------------------------------------------------


def comprehension_scope(x):
    i = 2.0
    s = sum(x[i] ** 2 for i in range(3))
    t = [i * v for v in x]
    return s * i + sum(t)


def triangle_comprehension(x):
    rows = [[x[i] * x[j] for j in range(i)] for i in range(1, 4)]
    return sum(sum(r) for r in rows)


def comprehension_two_fors(x, y):
    return sum(a * b for a in x for b in y if a > b) + sum([a - b for a, b in zip(x, y)])


def lambda_defaults_loop(x):
    total = 0.0
    for k in range(3):
        f = lambda t, k=k: t ** (k + 1)
        total = total + f(x)
    return total


def lambda_of_lambda(x):
    twice = lambda f, t: f(f(t))
    return twice(lambda u: np.sin(u) * 1.5, x)


def for_else_continue(x):
    s = 0.0
    for i in range(5):
        if i % 2 == 0:
            continue
        s = s + x**i
    else:
        s = s - x
    return s


def return_in_for_else(x):
    for i in range(4):
        if x * i > 10.0:
            return x * i
    else:
        return -(x**2)
    return x


def while_else_return(x):
    k = 0
    while k < 3:
        x = x * 1.1 - 0.05
        k += 1
    else:
        if x > 0.0:
            return x**3
    return -x


def result_after_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.log(x) * 2.0
        if np.sum(y) > 0.0:
            r = np.sum(y**2)
        else:
            r = np.sum(y)
    return r


def nested_early_returns(x):
    for i in range(3):
        if x[i] > 0.0:
            for j in range(3):
                if x[j] < -0.5:
                    return x[i] * x[j]
            if x[i] > 0.9:
                return x[i] ** 2
    return np.sum(x) * 0.5


def augmented_and_annotated(x):
    y: float = x * 2.0
    y += x**2
    y *= 0.5
    y -= -x
    y /= 1.5
    y **= 2
    return y


def multiple_targets(x):
    a = b = x * 2.0
    c, (d, e) = a + 1.0, (b * x, -a)
    return a * b + c * d * e


def star_unpack(x):
    first, *rest = [x, x * 2.0, x * 3.0]
    return first * sum(rest)


def loop_over_dict_items(x):
    coeffs = {"a": -1.5, "b": 2.0, "c": -0.25}
    s = 0.0
    for k, v in coeffs.items():
        s = s + v * x ** len(k) + (v**2 if k != "b" else -v) * x
    return s


def string_format_passive(x):
    label = f"loss {x:.3f}"
    msg = "value=%.2f" % x
    if len(label) > 3 and len(msg) > 3:
        return x * 2.0
    return x


def assert_and_raise(x):
    assert x > 0.0, "x must be positive"
    if x > 100.0:
        raise ValueError("too large")
    return np.log(x) * x


# ---------------------------------------------------------------------------
# the validator: constructs that are allowed in unusual places
# ---------------------------------------------------------------------------


def docstring_pass_ellipsis(x):
    """A docstring, then `pass` and `...` statements."""
    pass
    ...
    return x**2 * -1.5


def nested_def_keyword_only(x):
    def inner(t, *, k=-1.5, p=2):
        return k * t**p

    return inner(x) + inner(x, k=0.5, p=3)


def nested_def_positional_only(x):
    def inner(t, /, k=-0.5):
        return t * k + t**2

    return inner(x) + inner(x, -2.0)


def lambda_star_args(x):
    add = lambda *ts: sum(ts)
    return add(x, x**2, -x) * 2.0


def slicing_forms(x):
    return (
        np.sum(x[::-1] * x)
        + np.sum(x[-2:] ** 2)
        + x[..., 0] * x[-1]
        + np.sum(x[None, :] * x[:, None])
        + np.sum(x[1:-1:2])
    )


def annotated_nested(x: np.ndarray) -> float:
    scale: float = -0.5
    out: np.ndarray = x * scale
    return float(np.sum(out**2))


def debug_flag_branch(x):
    debug = False
    if not debug:
        y = x * 2.0
    else:
        y = x
    if __debug__:
        y = y + x**2
    return y


def nested_fstring(x):
    width = 6
    s = f"{x:{width}.{2}f} and {-x!r}"
    if len(s) > 0:
        return x**3
    return x


def print_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + x * i
        if i == 5:
            print("never", s)
    return s**2


def chained_comparisons(x):
    if -2.0 < x <= 1.0 != 2.0:
        return np.sin(x) * -1.0
    return x


def conditional_lambda_default(x):
    f = (lambda t, c=-2.0: t * c) if x > 0.0 else (lambda t, c=3.0: t + c)
    return f(x) ** 2


def comprehension_over_dict(x):
    d = {"a": x, "b": -(x**2), "c": x * 0.5}
    return sum(v**2 for k, v in d.items() if k != "b") + sum(d[k] for k in d)


def any_all_stop(x):
    checks = [x > 0.5, x > -0.5]
    if all(checks) or any(v > 2.0 for v in [x, x**2]):
        return x**2
    return -x


def tuple_returns_helper(x):
    a, b = _two(x)
    (c, d), e = _two(a), b * 2.0
    return a * b + c - d * e


def _two(t):
    return t**2, -t


def loop_over_zip_enumerate(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + (i - 1.5) * a * b
    return s


def sorted_reverse_key(x):
    ys = sorted([x[0], -x[1], x[2] * 2.0], reverse=True)
    zs = sorted(list(x), key=lambda t: -t)
    return ys[0] * zs[0] + ys[-1]


def while_with_counter_and_else(x):
    n = 0
    acc = x
    while acc < 5.0:
        acc = acc * 1.7 + 0.1
        n = n + 1
        if n > 20:
            break
    else:
        acc = acc - 0.25 * n
    return acc


def keyword_heavy_calls(x):
    a = np.roll(x, shift=-1) * np.linalg.norm(x, ord=-1)
    b = np.diff(x, n=2, axis=-1)
    c = np.pad(x, pad_width=1, mode="constant", constant_values=-1.5)
    d = np.cumsum(x[::-1], axis=-1)
    e = np.linspace(x[0], x[1], num=5)
    f = np.mean(x.reshape(2, 3), axis=-1, keepdims=True) * np.std(x, ddof=1)
    return (
        np.sum(a**2)
        + np.sum(b * -2.0)
        + np.sum(c**2)
        + np.sum(d * d) * 1e-1
        + np.sum(e**3)
        + np.sum(f)
        + np.sum(np.tile(x[:2], reps=2) ** 2)
    )


def numpy_scalar_literals(x):
    c = np.float64(-0.5)
    d = np.float32(2.0)
    return x**2 * c + x * float(d) + np.float64(-1.0) ** 2 * x + x ** np.int64(3)


# ---------------------------------------------------------------------------
# random programs of loops with else, break, continue, early returns, lambdas,
# comprehensions, negative literals and powers (drawn once by a generator, kept as text)
# ---------------------------------------------------------------------------


def helper(a, b=1.0):
    return a * b - b**2 * 0.5


def random_front_end_3074(x, y):
    v0 = x * 1e3 + y
    v1 = x * 1e-3 + y
    v2 = x * -0.0 + y
    v3 = x * 1e3 + y
    v4 = x * -1.5 + y
    v5 = x * math.pi + y
    v4 = 3
    v5 = v3
    return 1e-3 + v0 * v1


def random_front_end_3051(x, y):
    v0 = x * (1.5).imag + y
    v1 = x * 0.5 + y
    v2 = x * -1.5 + y
    v3 = x * 3 + y
    v4 = x * (1.5).imag + y
    v5 = x * -math.e + y
    v0 = (np.cos(v4) * (-2) ** 2) ** -2.0
    v1 = np.sin(-(y**2)) if x > (-3).real else -x
    return v5 + v0 * v1


def random_front_end_3018(x, y):
    v0 = x * -math.e + y
    v1 = x * -2 + y
    v2 = x * (-2) + y
    v3 = x * -1.5 + y
    v4 = x * 3 + y
    v5 = x * 3 + y
    v1 = -(-np.tanh(--(0.0**2)) * 1e3)
    v5 = abs(np.tanh(1e-3) * math.pi) + v0
    return -(-abs(0.25) + y) / (1.0 + v2**2) + v0 * v1


def random_front_end_3063(x, y):
    v0 = x * (-2) + y
    v1 = x * -2 + y
    v2 = x * 0.25 + y
    v3 = x * (-1.5) + y
    v4 = x * 2.0 + y
    v5 = x * 1e-3 + y
    v2 = -y - True**2 + abs(np.exp(-((-0.75) ** 2))) + v5
    v5 = np.sin(2.0)
    v3 = helper(v5, b=1.5 ** -((y / (1.0 + x**2) + v3) ** 2))
    v2 = -1.5
    return v4 + v0 * v1


def random_front_end_3013(x, y):
    v0 = x * (-3).real + y
    v1 = x * 2.0 + y
    v2 = x * 2.0 + y
    v3 = x * 3 + y
    v4 = x * 3 + y
    v5 = x * 3 + y
    if v4 < (2).real:
        return (np.exp(-((v3 + math.pi) ** 2))) ** -2.0
    v5 = 2.0
    v3 = 2.0 ** -((v2) ** 2)
    return np.tanh(v2) * -1.5 - np.tanh(np.cos(x) * (-3).real**2) * 1e3 + v0 * v1


def random_front_end_3105(x, y):
    v0 = x * (-3).real + y
    v1 = x * 1e3 + y
    v2 = x * -2 + y
    v3 = x * (2).real + y
    v4 = x * 2.0 + y
    v5 = x * -0.0 + y
    v4 = helper(-(-max(-((1.5).imag**2), 2.0 ** -((v2) ** 2))), b=v1)
    v5 = np.sin(np.cos(-(-0.25)) * (-2) ** 2)
    v4 = -np.exp(-((v2) ** 2)) - ((-2) if y > -0.75 else -y) ** 2
    return (2).real + v0 * v1


def random_front_end_3099(x, y):
    v0 = x * 0.5 + y
    v1 = x * math.pi + y
    v2 = x * (-3).real + y
    v3 = x * math.pi + y
    v4 = x * 0.5 + y
    v5 = x * 0.25 + y
    if -(--2) < True:
        return x
    v5 = max(v1 * (1.5).imag, (-2) ** 2**-1) - abs(v4 - -y) + -0.0 * v2
    g = lambda t, k=1e3: v3
    v4 = g(v5) + g(v2, k=3)
    return (y * v4) ** -1 + v0 * v1


def random_front_end_3075(x, y):
    v0 = x * -0.75 + y
    v1 = x * (1.5).imag + y
    v2 = x * True + y
    v3 = x * -0.75 + y
    v4 = x * 0.5 + y
    v5 = x * -1.5 + y
    v0 = 1e3 - -v0
    if v4 - -(v5 if np.sin(v2) > (-2) else -np.sin(v2)) < (-3).real:
        return (abs(y) + v3 if x > (-2) else -x) * -math.e
    return np.tanh(1e-3 - np.tanh(v5) * True) * -0.75 + v0 * v1


def random_front_end_3012(x, y):
    v0 = x * (-2) + y
    v1 = x * 1e-3 + y
    v2 = x * (-3).real + y
    v3 = x * 1e-3 + y
    v4 = x * (-2) + y
    v5 = x * 0.5 + y
    v5 = v1 * 2.0 ** -((abs(v4) + v5) ** 2)
    v2 = abs(-(-math.pi) * -0.0) + --(y**2**2)
    v4 = np.sin(np.sin(np.tanh(v1) * (-2)))
    v0 = -(-np.cos(np.exp(-((y) ** 2))) * (2).real**2)
    return -(-v3) + v0 * v1


def random_front_end_3056(x, y):
    v0 = x * 0.25 + y
    v1 = x * -0.0 + y
    v2 = x * -0.0 + y
    v3 = x * -math.e + y
    v4 = x * True + y
    v5 = x * -math.e + y
    v3 = True
    v3 = np.exp(-((v0 + math.pi) ** 2)) - -np.sin((-2) ** 3)
    v3 = 1.5 ** -((2.0 ** -((max(x, v4)) ** 2)) ** 2)
    v5 = helper(np.exp(-((np.sin(max(y, v5))) ** 2)), b=np.cos(-(-v3)) * (-3).real**2)
    return x + v0 * v1


def random_front_end_3035(x, y):
    v0 = x * (1.5).imag + y
    v1 = x * 0.25 + y
    v2 = x * 1e3 + y
    v3 = x * -0.0 + y
    v4 = x * -math.e + y
    v5 = x * -math.e + y
    v1 = helper(
        np.exp(-((np.sin(v4) / (1.0 + np.tanh(v1) * (-2) ** 2)) ** 2)),
        b=np.exp(-((2.0 - --2) ** 2)) / (1.0 + -(math.e**2)),
    )
    v1 = np.sin(-(-(-3).real - -0.25))
    return np.tanh(-(v3**2) - (1.5).imag - (-2)) * (-3).real + v0 * v1


def random_front_end_3076(x, y):
    v0 = x * 0.25 + y
    v1 = x * -0.0 + y
    v2 = x * -2 + y
    v3 = x * 3 + y
    v4 = x * (1.5).imag + y
    v5 = x * -2 + y
    v1 = sum(
        [
            -1.5
            for t in (-0.75 / (1.0 + (1.5).imag + 3**2) + np.sin(v1) - v0, max(x - --2, v5))
            if t > 1e-3
        ]
    )
    v0 = (2.0 ** -((v4) ** 2) / (1.0 + np.exp(-((v5) ** 2)) ** 2)) ** 2
    v2 = (v0 + y / (1.0 + y * v3**2)) ** 2
    return (-3).real + v0 * v1


def random_front_end_3026(x, y):
    v0 = x * True + y
    v1 = x * -2 + y
    v2 = x * math.pi + y
    v3 = x * 1e-3 + y
    v4 = x * 0.25 + y
    v5 = x * -0.0 + y
    v1 = max(-(-max(0.25, v0)), 0.25)
    if v3 < True:
        return np.exp(-((np.cos(x) * 1e-3**2) ** 2)) + np.sin(v3)
    v0 = v2
    return (
        (np.exp(-((v1) ** 2))) ** (-1) ** 2
        - -(max(v5, -0.75) if np.cos(v1) * (-2) ** 2 > 1e-3 else -np.cos(v1) * (-2) ** 2)
        + v0 * v1
    )


def random_front_end_3020(x, y):
    v0 = x * -math.e + y
    v1 = x * (2).real + y
    v2 = x * (-2) + y
    v3 = x * 1e-3 + y
    v4 = x * -math.e + y
    v5 = x * (-1.5) + y
    v0 = np.sin(y) + v2 - -(2).real + abs((1e-3 if v2 > 3 else -v2)) + 2.0 / (1.0 + v4**2)
    v4 = np.sin(2.0 - -v1 - -((-0.75) ** -1))
    v4 = y
    v1 = v3 * -1.5 + -2 - np.cos(x) * 1e3**2
    if (2).real < 1e3:
        return y
    return -(v5**2) + v0 * v1


def random_front_end_3057(x, y):
    v0 = x * True + y
    v1 = x * (2).real + y
    v2 = x * -math.e + y
    v3 = x * 3 + y
    v4 = x * (-2) + y
    v5 = x * (-1.5) + y
    v5 = sum([v4 for t in (v2, np.sin(-(--2))) if t > -2])
    v4 = sum([2.0 for t in (np.cos((-2) - -v5) * -(0.75**2), np.cos(y) * True**2) if t > math.pi])
    v3 = -(v2**2) * v3 - --0.75 - --(-np.sin(v4))
    return np.cos(-(1e-3**2) - v3 * -0.0) * (-1.5) ** 2 + v0 * v1


def random_front_end_3004(x, y):
    v0 = x * (-3).real + y
    v1 = x * (-3).real + y
    v2 = x * 1e-3 + y
    v3 = x * -0.0 + y
    v4 = x * -1.5 + y
    v5 = x * -0.0 + y
    if v4 < (-3).real:
        return abs(1.5 ** -((x - v3) ** 2)) + x
    v0 = helper(
        abs(np.sin(y) * ((1.5).imag if (2).real > (-2) else -(2).real)) + v2,
        b=-(-((2).real - y if abs(v2) + 1e3 > -math.e else -abs(v2) + 1e3)),
    )
    return (0.5 ** -((2.0 ** -((2.0) ** 2)) ** 2)) ** -2.0 + v0 * v1


def random_front_end_3029(x, y):
    v0 = x * (1.5).imag + y
    v1 = x * -2 + y
    v2 = x * 3 + y
    v3 = x * (-2) + y
    v4 = x * 3 + y
    v5 = x * (1.5).imag + y
    v3 = np.tanh(2.0) * (2).real
    v1 = y
    v5 = v1
    g = lambda t, k=(-3).real: (-0.0 if v0 > -0.75 else -v0) - -abs(v5) + y * v4
    v0 = g(--((-((v1) ** 3)) ** 2)) + g(max(v5, v1) - max(x, y) * np.tanh(x) * 0.25, k=3)
    v3 = np.sin(v0) + -(v4**2) / (1.0 + v5**2)
    return v2 + v0 * v1


def random_front_end_3046(x, y):
    v0 = x * -1.5 + y
    v1 = x * -0.75 + y
    v2 = x * 0.5 + y
    v3 = x * 3 + y
    v4 = x * 3 + y
    v5 = x * True + y
    v4 = -(2.0 ** -((v0 if v3 > (-3).real else -v3) ** 2**2))
    if max(0.5, np.exp(-((v0) ** 2))) < -math.e:
        return (-3).real
    g = lambda t, k=-0.75: np.tanh(np.cos(-(-k)) * True**2) * (-3).real
    v0 = g(x) + g(v2, k=(-1.5))
    return max(np.exp(-((0.25) ** 2)), np.cos(np.cos(y) * 1e-3**2) * -(0.75**2)) + v0 * v1


def random_front_end_3102(x, y):
    v0 = x * (2).real + y
    v1 = x * 0.25 + y
    v2 = x * -2 + y
    v3 = x * -1.5 + y
    v4 = x * 0.5 + y
    v5 = x * -0.75 + y
    v3 = v0
    v4 = sum(
        [
            (max(-(v0**2), np.exp(-(((1.5).imag) ** 2))) if x > 3 else -x)
            for t in (
                (
                    -(-np.cos(y) * (-1.5) ** 2)
                    if y - (2).real + (v3 if -0.75 > (-1.5) else --0.75) > 3
                    else -y - (2).real + (v3 if -0.75 > (-1.5) else --0.75)
                ),
                np.sin(v2),
            )
            if t > -2
        ]
    )
    return (-(-x) if v0 / (1.0 + v0**2) > -2 else -v0 / (1.0 + v0**2)) + v0 * v1


def random_front_end_3116(x, y):
    v0 = x * (2).real + y
    v1 = x * -0.75 + y
    v2 = x * 0.25 + y
    v3 = x * -math.e + y
    v4 = x * (-1.5) + y
    v5 = x * -math.e + y
    v4 = sum(
        [
            np.exp(-((-0.0) ** 2))
            for t in (
                np.tanh(abs(-1.5) + np.exp(-(((2).real) ** 2))) * 1e-3,
                abs(x) + v4 / (1.0 + -(y**2**2)) + -y * 2.0**2,
            )
            if t > (-3).real
        ]
    )
    if 0.5 ** -((-(-max((-1.5), (-3).real))) ** 2) < -2:
        return np.tanh(np.cos(y) * 0.25**2 - v1 + (-1.5)) * (-1.5)
    v5 = np.tanh(0.5 ** -((abs(y) + (1.5).imag) ** 2)) * 1e-3
    return (v0 * x if (x) ** 2 > 2.0 else -((x) ** 2)) + (v5) ** 2 + v0 * v1


def random_front_end_3047(x, y):
    v0 = x * -0.75 + y
    v1 = x * -math.e + y
    v2 = x * 1e3 + y
    v3 = x * (1.5).imag + y
    v4 = x * 0.5 + y
    v5 = x * 0.5 + y
    v1 = (v4 if v5 / (1.0 + math.pi**2) > math.pi else -v5 / (1.0 + math.pi**2)) / (
        1.0 + (0.25 if v2 > 2.0 else -v2) + (x if x > 2.0 else -x) ** 2
    )
    if -(np.sin(np.exp(-((v5) ** 2))) ** 2) < 1e-3:
        return max(1.5 ** -((-(-math.pi)) ** 2), 3 - v4 * (v1 if -1.5 > 1e3 else --1.5))
    v0 = np.exp(-((v3) ** 2))
    return (
        max(
            (v0 if (-3).real > -math.e else -(-3).real) + np.exp(-((v0) ** 2)),
            np.tanh((-2) - -0.0) * (2).real,
        )
        + v0 * v1
    )


def random_front_end_3098(x, y):
    v0 = x * (1.5).imag + y
    v1 = x * -math.e + y
    v2 = x * 0.5 + y
    v3 = x * 3 + y
    v4 = x * -1.5 + y
    v5 = x * 2.0 + y
    v4 = sum(
        [
            -((v5 if x > (-2) else -x) ** 2) / (1.0 + True - v3**2)
            for t in (v4, np.sin((v0 if 3 > 2.0 else -3)) - y)
            if t > -1.5
        ]
    )
    v4 = helper(
        abs(-(--(-v1)))
        + ((1.5).imag - v2 if 2.0 ** -((v4) ** 2) > 2.0 else -(2.0 ** -((v4) ** 2))),
        b=(v2 if np.tanh(v4) * 1e3 > (1.5).imag else -np.tanh(v4) * 1e3),
    )
    v4 = -(1e3**2)
    if np.tanh(np.cos((v4 if v2 > (-1.5) else -v2)) * -(0.75**2)) * 0.25 < (-1.5):
        return 1e-3
    return np.sin(2.0 ** -((abs(v4) + v4) ** 2)) + v0 * v1


def random_front_end_3083(x, y):
    v0 = x * math.pi + y
    v1 = x * (1.5).imag + y
    v2 = x * (-3).real + y
    v3 = x * (-2) + y
    v4 = x * 0.5 + y
    v5 = x * 0.25 + y
    if v4 > (-1.5):
        v1 = (
            np.cos((v4 * v5 if np.cos(v3) * (2).real**2 > -math.e else -np.cos(v3) * (2).real**2))
            * (-2) ** 2
        )
        if -np.tanh(-0.0) * math.pi - -v5 - -(v1**2) < 3:
            return v0
        v2 = np.exp(-((v5) ** 2)) if v1 > -0.75 else -v1
        v3 = np.exp(-((3) ** 2))
    v4 = sum(
        [
            np.tanh(v5 - -v4 - v3) * (2).real
            for t in (np.cos(v2) * (1.5).imag**2, np.sin(v0 * v0 + np.cos(y) * -(0.75**2)))
            if t > -0.75
        ]
    )
    return np.sin(v4) + v0 * v1


def random_front_end_3011(x, y):
    v0 = x * (-1.5) + y
    v1 = x * (1.5).imag + y
    v2 = x * -2 + y
    v3 = x * 3 + y
    v4 = x * -0.0 + y
    v5 = x * (-2) + y
    g = lambda t, k=-0.0: 1.5 ** -(((np.exp(-((k) ** 2))) ** (-1) ** 2) ** 2)
    v2 = g((abs(x * v4) + v3) ** 3) + g(x, k=(1.5).imag)
    v5 = sum(
        [
            -(-v4) - (v1 if -0.0 > -1.5 else --0.0) + np.cos(0.25) * -(0.75**2)
            for t in (
                0.5 - 0.5 ** -((v3 if y > 3 else -y) ** 2),
                (v5 * 2.0 / (1.0 + max(v3, -math.e) ** 2)) ** (-1) ** 2,
            )
            if t > (-3).real
        ]
    )
    v4 = x
    if v3 < (1.5).imag:
        return -(--1e3 * v2**2)
    if np.exp(-((max(0.5, v0) - -(v0 if v3 > (-2) else -v3)) ** 2)) < math.pi:
        return True
    return 0.25 + v0 * v1


# ---------------------------------------------------------------------------
# refused constructs hidden in the less walked places of the tree
# ---------------------------------------------------------------------------


def hidden_walrus_in_lambda(x):
    f = lambda t: (y := t * 2.0) + 1.0  # refused here
    return f(x)


def hidden_try_in_for_else(x):
    for i in range(2):
        x = x * 2.0
    else:
        try:  # refused here
            x = x + 1.0
        except ValueError:
            pass
    return x


def hidden_del_in_while_else(x):
    k = 0
    y = x
    while k < 2:
        k += 1
    else:
        del k  # refused here
    return y * 2.0


def hidden_import_in_elif(x):
    if x > 5.0:
        y = x
    elif x > 0.0:
        import math as m2  # refused here

        y = m2.sin(x)
    else:
        y = -x
    return y


def hidden_walrus_in_default(x):
    def inner(t, k=(z := 2.0)):  # refused here
        return t * k

    return inner(x)


def hidden_walrus_in_comprehension_if(x):
    return sum(v for v in x if (w := v) > 0.0)  # refused here


def hidden_walrus_in_keyword(x):
    return np.sum(np.clip(x, a_min=(lo := -1.0), a_max=1.0))  # refused here


def hidden_walrus_in_slice(x):
    return np.sum(x[(i := 1) :])  # refused here


def hidden_walrus_in_fstring(x):
    label = f"{(y := 2.0)}"  # refused here
    return x * len(label)


def hidden_global_in_nested_loop(x):
    for i in range(2):
        for j in range(2):
            if i == j:
                global WEIGHTS  # refused here
    return x


def hidden_class_in_branch(x):
    if x > 0.0:

        class Inner:  # refused here
            pass

    return x * 2.0


def hidden_yield_in_nested_def(x):
    def gen(t):
        yield t  # refused here

    return sum(gen(x))


def hidden_generator_in_nested_def(x):
    def inner(t):
        g = (v * t for v in range(3))  # refused here
        return sum(g)

    return inner(x)


def hidden_try_finally_in_loop(x):
    s = 0.0
    for i in range(3):
        try:  # refused here
            s = s + x * i
        finally:
            pass
    return s


def hidden_async_def(x):
    async def inner():  # refused here
        return 1.0

    return x * 2.0


def hidden_walrus_in_while_test(x):
    k = 0
    while (k := k + 1) < 3:  # refused here
        x = x * 1.5
    return x


def hidden_walrus_in_assert(x):
    assert (c := x) > -100.0  # refused here
    return x * 2.0


def hidden_del_in_comprehension_body_def(x):
    def inner(t):
        u = [t, t * 2.0]
        del u[0]  # refused here
        return u[0]

    return inner(x)


def jit_mean_axis_loss(x):
    return np.sum(np.mean(x, axis=1) ** 2)


def jit_sum_axis0_jacobian(x):
    return np.sum(x, axis=0) * 2.0 - np.sum(x * x, axis=0)


def jit_log_row_sums(x):
    return np.sum(np.log(np.sum(x, axis=1)))


def folded_signed_zeros(x):
    c = 0.0 * -1.0
    d = -(0.0)
    e = -0.0 + 0.0
    return x * math.copysign(2.0, c) + x**2 * math.copysign(1.0, d) + x * math.copysign(3.0, e)


def folded_infinities(x):
    c = 1e308 * 10
    d = -c
    return x * math.atan(d) + x**2 * math.atan(c) + x * math.exp(d)


def folded_big_ints(x):
    n = 2**70
    m = -(3**41)
    return x * (n % 7) + x**2 * float(10**20) * 1e-20 + x * (m % 5) + x * (n // 2**69)


def folded_negative_powers_of_ints(x):
    return x * 2**-3 + x * (-2) ** -3 + x * (-2) ** 3 + x**2 * 10**-2 + x * -(10**2)


def jit_center(x):
    return x - np.mean(x)


def jit_normalise_rows_of_jacobian(x):
    return x / np.sum(x)


# ---------------------------------------------------------------------------
# programs with array outputs (Jacobians)
# ---------------------------------------------------------------------------


def vec_softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def vec_row_norms(a):
    return np.sqrt(np.sum(a**2, axis=-1))


def vec_negative_powers(x):
    return np.concatenate([x**-2.0, (-1.5) ** 2 * x, -(x**2), 2.0**-x])


def vec_euler_state(p):
    x, v = p[0], p[1]
    for _ in range(20):
        x, v = x + 0.05 * v, v - 0.05 * (p[2] * x + 0.1 * v)
    return np.array([x, v])


def vec_comprehension(x):
    return np.array([x[i] * x[(i + 1) % len(x)] for i in range(len(x))])


def vec_branches(x):
    out = []
    for v in x:
        if v > 0.5:
            out.append(v**2)
        elif v > 0.0:
            out.append(np.sin(v))
        else:
            out.append(-(v**3))
    return np.array(out)


def vec_column_means(a):
    return np.mean(a, axis=0) - np.sum(a, axis=-1)[0]


# ---------------------------------------------------------------------------
# how each program is called
# ---------------------------------------------------------------------------


def _rng(seed):
    return np.random.default_rng(seed)


def case(fn, args, wrt=0, out="scalar", second=False):
    """One program: fn, a function making its arguments, the differentiated ones."""
    return {"name": fn.__name__, "fn": fn, "args": args, "wrt": wrt, "out": out, "second": second}


def _pos(n, seed, lo=0.5, hi=1.5):
    return _rng(seed).uniform(lo, hi, n)


def _nrm(shape, seed, s=0.5):
    return _rng(seed).standard_normal(shape) * s


def _params_list():
    return [(_nrm((3, 2), 1), _nrm(3, 2)), (_nrm((1, 3), 3), _nrm(1, 4))]


def _params_dict():
    return {"w1": _nrm((4, 3), 5), "b1": _nrm(4, 6), "w2": _nrm((2, 4), 7)}


def _model():
    return Model([Dense(_nrm((3, 3), 8), _nrm(3, 9)), Dense(_nrm((2, 3), 10), _nrm(2, 11))], 1.5)


def _onehot():
    lab = np.zeros((4, 3))
    lab[np.arange(4), [0, 2, 1, 2]] = 1.0
    return lab


CASES = [
    # literals and powers
    case(neg_base_literal_power, lambda: (1.3,), second=True),
    case(neg_power_of_name, lambda: (0.7,), second=True),
    case(two_to_minus_x, lambda: (0.9,), second=True),
    case(negative_exponent, lambda: (1.2,), second=True),
    case(power_tower, lambda: (1.4,), second=True),
    case(minus_two_squared, lambda: (0.6,)),
    case(literal_negations, lambda: (0.8, -1.3), wrt=(0, 1), second=True),
    case(negative_zero_literal, lambda: (0.4,)),
    case(float_formats, lambda: (1.1,), second=True),
    case(tiny_and_huge, lambda: (2.0,)),
    case(int_exponents, lambda: (-1.3,), second=True),
    case(half_powers, lambda: (1.7,), second=True),
    case(pow_of_literal_base, lambda: (0.3,), second=True),
    case(pow_builtin, lambda: (1.2, 0.7), wrt=(0, 1), second=True),
    case(negative_literal_array, lambda: (_nrm(3, 12),), second=True),
    case(inf_literals_where, lambda: (np.array([0.3, -0.2, 0.7]),)),
    case(inf_literals_min, lambda: (np.array([0.3, -0.2, 0.7]),)),
    case(nan_literal_branch, lambda: (0.5,)),
    case(isinf_guard, lambda: (np.array([0.3, -0.2, 0.7]),)),
    case(attribute_of_literal, lambda: (0.9,), second=True),
    case(unary_plus_and_minus, lambda: (0.9,)),
    case(division_by_negative, lambda: (0.9, 1.7), wrt=(0, 1), second=True),
    case(floor_mod_literals, lambda: (0.9,)),
    case(negative_exponent_array, lambda: (_pos(4, 13),), second=True),
    case(neg_exponent_sum_axis, lambda: (_pos((3, 4), 14),), second=True),
    case(abs_negatives, lambda: (0.9,)),
    case(bool_literals_arith, lambda: (0.9,)),
    case(chained_compare_literals, lambda: (0.9,)),
    case(keyword_call_numbers, lambda: (np.array([0.3, -0.2, 0.7, 0.1]),)),
    # physics, losses, networks
    case(spring_euler, lambda: (2.0, 1.0, 0.0), wrt=(0, 1, 2), second=True),
    case(pendulum_leapfrog, lambda: (4.0, 0.5), wrt=(0, 1), second=True),
    case(projectile_drag, lambda: (12.0, 0.7), wrt=(0, 1)),
    case(nbody_energy, lambda: (_nrm((4, 2), 15, 1.0),), second=True),
    case(heat_step, lambda: (_nrm(8, 16),), second=True),
    case(rk4_decay, lambda: (0.8, 1.5), wrt=(0, 1), second=True),
    case(lennard_jones, lambda: (_pos(5, 17, 0.9, 1.6),), second=True),
    case(mse_loss, lambda: (_nrm(3, 18), _nrm((6, 3), 19), _nrm(6, 20)), second=True),
    case(
        logistic_nll,
        lambda: (_nrm(3, 21), _nrm((8, 3), 22), (_rng(23).uniform(size=8) > 0.5) * 1.0),
        second=True,
    ),
    case(softmax_xent, lambda: (_nrm((4, 3), 24), _onehot()), second=True),
    case(huber, lambda: (np.array([0.3, -2.0, 1.4, -0.2]), 1.0)),
    case(
        mlp_two_layer,
        lambda: (_nrm((3, 4), 25), _nrm(4, 26), _nrm((4, 2), 27), _nrm((5, 3), 28)),
        wrt=(0, 1, 2),
        second=True,
    ),
    case(mlp_list_params, lambda: (_params_list(), _nrm(2, 29)), second=True),
    case(mlp_dict_params, lambda: (_params_dict(), _nrm(3, 30))),
    case(
        rnn_unroll,
        lambda: (_nrm((3, 3), 31), _nrm((3, 2), 32), _nrm((4, 2), 33)),
        wrt=(0, 1),
        second=True,
    ),
    case(
        layer_norm, lambda: (_nrm((3, 5), 34), _pos(5, 35), _nrm(5, 36)), wrt=(0, 1, 2), second=True
    ),
    case(row_normalise_loss, lambda: (_pos((3, 4), 37),), second=True),
    case(attention_scores, lambda: (_nrm((3, 4), 38), _nrm((5, 4), 39)), wrt=(0, 1), second=True),
    case(l2_reg_loss, lambda: (_nrm(3, 40), _nrm((5, 3), 41), _nrm(5, 42)), second=True),
    case(poisson_nll, lambda: (_nrm(5, 43), np.array([1.0, 0.0, 3.0, 2.0, 1.0])), second=True),
    case(cosine_sim, lambda: (_nrm(4, 44), _nrm(4, 45)), wrt=(0, 1), second=True),
    case(gaussian_logpdf, lambda: (_nrm(5, 46), 0.3, -0.2), wrt=(1, 2), second=True),
    case(rosenbrock, lambda: (_nrm(6, 47),), second=True),
    case(ridge_closed, lambda: (0.7, _nrm((5, 3), 48)), wrt=(0, 1), second=True),
    case(cubic_spline_energy, lambda: (_nrm(7, 49),), second=True),
    # control flow
    case(newton_sqrt, lambda: (2.5,)),
    case(search_with_else, lambda: (0.7,), second=True),
    case(search_with_else_breaks, lambda: (0.3,), second=True),
    case(while_else, lambda: (0.6,), second=True),
    case(early_return_loop, lambda: (0.4,), second=True),
    case(early_return_branches, lambda: (1.3, -0.6), wrt=(0, 1), second=True),
    case(nested_break_continue, lambda: (_nrm(4, 50),), second=True),
    case(many_branches, lambda: (-2.5,), second=True),
    case(piecewise_chain, lambda: (0.7,), second=True),
    case(ternaries, lambda: (0.7, 1.9), wrt=(0, 1), second=True),
    case(bisection_root, lambda: (2.3,)),
    case(loop_name_after_break, lambda: (0.7,), second=True),
    case(while_until_event, lambda: (2.0,)),
    case(returns_in_nested_loops, lambda: (np.array([0.5, 0.95, 0.3]),), second=True),
    case(and_or_logic, lambda: (-0.7, 0.4), wrt=(0, 1), second=True),
    # comprehensions, lambdas, nested functions
    case(list_comp_sum, lambda: (_nrm(4, 51),), second=True),
    case(gen_expr_sum, lambda: (_nrm(4, 52),), second=True),
    case(nested_comp, lambda: (_nrm(3, 53),), second=True),
    case(comp_with_if, lambda: (np.array([0.4, -0.3, 1.2, -0.8]),), second=True),
    case(dict_comp, lambda: (_nrm(3, 54),), second=True),
    case(set_keys_comp, lambda: (_nrm(3, 55),)),
    case(comp_enumerate, lambda: (np.array([0.4, -0.3, 1.2, -0.8]),)),
    case(any_all_gen, lambda: (np.array([0.4, -0.3, 1.7]),), second=True),
    case(lambda_assigned, lambda: (0.8,), second=True),
    case(lambda_closure, lambda: (0.8, 0.3), wrt=(0, 1), second=True),
    case(lambda_chosen, lambda: (-0.8,), second=True),
    case(lambda_to_helper, lambda: (1.4,), second=True),
    case(nested_def_closure, lambda: (_nrm(3, 56),), second=True),
    case(nested_def_in_loop_use, lambda: (_nrm(4, 57),), second=True),
    case(map_filter_sorted, lambda: (np.array([0.4, -0.3, 1.2, -0.8]),)),
    case(comp_over_helper_calls, lambda: (_nrm(3, 58),), second=True),
    # structures, objects, keywords, attributes
    case(tuple_args, lambda: ((_nrm(3, 59), 0.4), _nrm(3, 60)), second=True),
    case(namedtuple_param, lambda: (Params(_nrm(3, 61), 0.2), _nrm(3, 62)), second=True),
    case(dict_arg_keys, lambda: ({"a": _nrm(2, 63), "b": _nrm(3, 64), "c": 0.5},)),
    case(list_of_arrays, lambda: ([_nrm(2, 65), _nrm(2, 66), _nrm(2, 67)],), second=True),
    case(model_loss, lambda: (_model(), _nrm(3, 68)), wrt=(0, 1)),
    case(method_bound_call, lambda: (_nrm(2, 69),), second=True),
    case(keyword_arguments, lambda: (0.6, -1.1), wrt=(0, 1), second=True),
    case(sum_axis_minus_one, lambda: (_nrm((3, 4), 70),), second=True),
    case(mean_axis_keywords, lambda: (_nrm((3, 4), 71),)),
    case(shape_attributes, lambda: (_nrm((3, 2), 72),), second=True),
    case(array_methods, lambda: (_pos(6, 73),)),
    case(einsum_keywords, lambda: (_nrm((2, 3), 74), _nrm((3, 4), 75)), wrt=(0, 1), second=True),
    case(stack_concat, lambda: (_nrm(3, 76), _nrm(3, 77)), wrt=(0, 1), second=True),
    case(element_updates, lambda: (_nrm(4, 78),), second=True),
    case(global_constants, lambda: (_nrm(3, 79),), second=True),
    # long functions
    case(long_scalar_60, lambda: (0.3, 0.7), wrt=(0, 1), second=True),
    case(
        long_array_150,
        lambda: (np.linspace(0.1, 0.5, 4), np.linspace(-0.3, 0.4, 4)),
        wrt=(0, 1),
        second=True,
    ),
    case(
        long_branches_280, lambda: (np.linspace(0.1, 0.5, 4), np.linspace(-0.3, 0.4, 4)), wrt=(0, 1)
    ),
    # array outputs
    case(vec_softmax, lambda: (_nrm(4, 80),), out="vector"),
    case(vec_row_norms, lambda: (_nrm((3, 4), 81),), out="vector"),
    case(vec_negative_powers, lambda: (_pos(3, 82),), out="vector"),
    case(vec_euler_state, lambda: (np.array([1.0, 0.0, 2.0]),), out="vector"),
    case(vec_comprehension, lambda: (_nrm(4, 83),), out="vector"),
    case(vec_branches, lambda: (np.array([0.7, 0.2, -0.4]),), out="vector"),
    case(vec_column_means, lambda: (_nrm((3, 4), 84),), out="vector"),
    case(jit_normalise_vector, lambda: (_pos(4, 85),), out="vector"),
    case(jit_row_normalise_vec, lambda: (_pos((3, 4), 86),), out="vector"),
]

REFUSED = [
    (refused_try, (1.0,), "try"),
    (refused_global, (1.0,), "global"),
    (refused_walrus, (1.0,), ":="),
    (refused_yield, (1.0,), "yield"),
    (refused_del, (1.0,), "del"),
    (refused_class_inside, (1.0,), "class"),
    (refused_import_inside, (1.0,), "import"),
    (refused_generator_kept, (np.ones(3),), "generator"),
    (refused_max_key, (np.ones(3),), "key"),
    (refused_dict_popitem, (1.0,), "popitem"),
    (refused_match, (1.0,), "match"),
    (refused_nonlocal, (1.0,), "nonlocal"),
    (refused_update_argument, (np.ones(3),), "x"),
    (refused_view_write, (np.ones(4),), "v"),
    (refused_with_as, (1.0,), "with"),
    (refused_comprehension_in_lambda_gen, (np.ones(3),), "["),
    (refused_complex_literal, (1.0,), "complex"),
    (refused_dict_update_pairs, (1.0,), "update"),
    (refused_out_kw, (np.ones(3),), "out"),
    (refused_no_rule, (np.ones(3),), "defvjp"),
]

# (program, arguments, API, does the README say it compiles?)
JIT_CASES = [
    (jit_sum_axis_loss, lambda: (_nrm((3, 4), 90),), "grad", True),
    (jit_sum_axis0_loss, lambda: (_nrm((3, 4), 91),), "grad", True),
    (jit_row_normalise, lambda: (_pos((3, 4), 92),), "grad", True),
    (jit_mean_whole, lambda: (_nrm(5, 93),), "hessian", True),
    (jit_sum_axis_loss, lambda: (_nrm((2, 3), 94),), "hessian", True),
    (jit_row_normalise_vec, lambda: (_pos((3, 4), 95),), "jacfwd", True),
    (jit_normalise_vector, lambda: (_pos(4, 96),), "jacfwd", True),
    (jit_sum_axis_scalar_loop, lambda: (_nrm((3, 2), 97),), "value_and_grad", True),
    (jit_keepdims_fallback, lambda: (_pos((3, 4), 98),), "grad", False),
    (jit_max_axis_fallback, lambda: (_nrm((3, 4), 99),), "grad", False),
]


# ---------------------------------------------------------------------------
# more refused code: inside nested functions, comprehensions and helpers
# ---------------------------------------------------------------------------


def refused_walrus_in_comprehension(x):
    return sum([(y := v * 2.0) for v in x])  # refused here


def refused_try_in_nested_def(x):
    def inner(t):
        try:  # refused here
            u = t * 2.0
        except ValueError:
            u = t
        return u

    return inner(x)


def refused_global_in_nested_def(x):
    def inner(t):
        global SHIFT  # refused here
        return t * SHIFT

    return inner(x)


def _helper_with_del(t):
    u = t * 2.0
    v = u + 1.0
    del u  # refused here
    return v


def refused_in_helper(x):
    return _helper_with_del(x) * 3.0


def refused_return_in_with(x):
    with np.errstate(divide="ignore"):
        y = np.log(x) * 2.0
        if np.sum(y) > 0.0:
            return np.sum(y**2)  # refused here
    return np.sum(y)


def refused_exec(x):
    exec("y = 1")  # refused here
    return x


def refused_recursion(x):
    if x > 1.0:
        return refused_recursion(x * 0.5)  # refused here
    return x


def refused_nonlocal_lambda_loop(x):
    y = x
    for i in range(3):
        y = y * 2.0
    else:
        del i  # refused here
    return y


CASES += [
    case(propagated_negative_base, lambda: (1.3,), second=True),
    case(propagated_literal_attributes, lambda: (1.3,), second=True),
    case(propagated_negative_exponents, lambda: (1.3,), second=True),
    case(propagated_keywords, lambda: (_nrm((2, 3), 100),), second=True),
    case(propagated_infinities, lambda: (1.3,)),
    case(propagated_int_powers, lambda: (1.3,), second=True),
    case(propagated_in_loop, lambda: (1.3,), second=True),
    case(propagated_negative_zero, lambda: (1.3,), second=True),
    case(propagated_numpy_scalar, lambda: (1.3,), second=True),
    case(propagated_overflow, lambda: (1.3,)),
    case(propagated_int_negative_power, lambda: (1.3,), second=True),
    case(propagated_nan, lambda: (1.3,)),
    case(comprehension_scope, lambda: (_nrm(3, 101),), second=True),
    case(triangle_comprehension, lambda: (_nrm(4, 102),), second=True),
    case(comprehension_two_fors, lambda: (_nrm(3, 103), _nrm(3, 104)), wrt=(0, 1), second=True),
    case(lambda_defaults_loop, lambda: (0.7,), second=True),
    case(lambda_of_lambda, lambda: (0.7,), second=True),
    case(for_else_continue, lambda: (0.7,), second=True),
    case(return_in_for_else, lambda: (0.7,), second=True),
    case(while_else_return, lambda: (0.7,), second=True),
    case(result_after_errstate, lambda: (_pos(3, 105, 1.5, 2.5),), second=True),
    case(nested_early_returns, lambda: (np.array([0.3, 0.95, 0.2]),), second=True),
    case(augmented_and_annotated, lambda: (0.7,), second=True),
    case(multiple_targets, lambda: (0.7,), second=True),
    case(star_unpack, lambda: (0.7,), second=True),
    case(loop_over_dict_items, lambda: (0.7,), second=True),
    case(string_format_passive, lambda: (0.7,)),
    case(assert_and_raise, lambda: (0.7,), second=True),
]

REFUSED += [
    (refused_walrus_in_comprehension, (np.ones(3),), ":="),
    (refused_try_in_nested_def, (1.0,), "try"),
    (refused_global_in_nested_def, (1.0,), "global"),
    (refused_in_helper, (1.0,), "del", _helper_with_del),
    (refused_exec, (1.0,), "exec"),
    (refused_return_in_with, (np.ones(3) * 2.0,), "with"),
    (refused_recursion, (3.0,), "recurs"),
    (refused_nonlocal_lambda_loop, (1.0,), "del"),
]


# ---------------------------------------------------------------------------
# more jit=True programs
# ---------------------------------------------------------------------------


def jit_sum_negative_axis_3d(x):
    s = np.sum(x * x, axis=-1)
    t = np.sum(np.cos(s), axis=1)
    return np.sum(t * t) + np.sum(x)


def jit_sum_tuple_axis(x):
    return np.sum(np.sum(np.exp(x), axis=(0, 1)) ** 2)


def jit_row_normalise_hessian(a):
    s = np.sum(a, axis=1)
    n = a / s[:, None]
    return np.sum(n * n * n)


def jit_column_means(a):
    return np.mean(a, axis=0) * 2.0 - a[0]


def jit_float32_loss(x):
    return np.sum(np.sum(x * x, axis=0) * 3.0)


# None: either compiled without a warning, or run as NumPy code with the one warning
JIT_CASES += [
    (jit_sum_negative_axis_3d, lambda: (_nrm((2, 3, 2), 110),), "grad", True),
    (jit_sum_tuple_axis, lambda: (_nrm((2, 2, 3), 111),), "grad", None),
    (jit_row_normalise_hessian, lambda: (_pos((2, 3), 112),), "hessian", True),
    (jit_row_normalise_vec, lambda: (_pos((3, 4), 113),), "jacrev", None),
    (jit_column_means, lambda: (_nrm((3, 2), 114),), "jacfwd", False),
    (jit_float32_loss, lambda: (_nrm((3, 2), 115).astype(np.float32),), "grad", False),
]

CASES += [
    case(docstring_pass_ellipsis, lambda: (0.7,), second=True),
    case(nested_def_keyword_only, lambda: (0.7,), second=True),
    case(nested_def_positional_only, lambda: (0.7,), second=True),
    case(lambda_star_args, lambda: (0.7,), second=True),
    case(slicing_forms, lambda: (_nrm(5, 120),), second=True),
    case(annotated_nested, lambda: (_nrm(3, 121),), second=True),
    case(debug_flag_branch, lambda: (0.7,), second=True),
    case(nested_fstring, lambda: (0.7,), second=True),
    case(print_in_loop, lambda: (0.7,), second=True),
    case(chained_comparisons, lambda: (0.7,), second=True),
    case(conditional_lambda_default, lambda: (0.7,), second=True),
    case(comprehension_over_dict, lambda: (0.7,), second=True),
    case(any_all_stop, lambda: (0.7,), second=True),
    case(tuple_returns_helper, lambda: (0.7,), second=True),
    case(loop_over_zip_enumerate, lambda: (_nrm(3, 122), _nrm(3, 123)), wrt=(0, 1), second=True),
    case(sorted_reverse_key, lambda: (np.array([0.3, -0.9, 0.6]),)),
    case(while_with_counter_and_else, lambda: (0.7,), second=True),
]
CASES += [
    case(keyword_heavy_calls, lambda: (_pos(6, 124),), second=True),
    case(numpy_scalar_literals, lambda: (0.7,), second=True),
]

CASES += [
    case(random_front_end_3074, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3051, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3018, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3063, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3013, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3105, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3099, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3075, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3012, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3056, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3035, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3076, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3026, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3020, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3057, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3004, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3029, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3046, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3102, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3116, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3047, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3098, lambda: (0.37, -0.61), wrt=(0, 1), second=True),
    case(random_front_end_3083, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
    case(random_front_end_3011, lambda: (0.37, -0.61), wrt=(0, 1), second=False),
]

REFUSED += [
    (hidden_walrus_in_lambda, (1.0,), ":="),
    (hidden_try_in_for_else, (1.0,), "try"),
    (hidden_del_in_while_else, (1.0,), "del"),
    (hidden_import_in_elif, (1.0,), "import"),
    (hidden_walrus_in_default, (1.0,), ":="),
    (hidden_walrus_in_comprehension_if, (np.ones(3),), ":="),
    (hidden_walrus_in_keyword, (np.ones(3),), ":="),
    (hidden_walrus_in_slice, (np.ones(3),), ":="),
    (hidden_walrus_in_fstring, (1.0,), ":="),
    (hidden_global_in_nested_loop, (1.0,), "global"),
    (hidden_class_in_branch, (1.0,), "class"),
    (hidden_yield_in_nested_def, (1.0,), "yield"),
    (hidden_generator_in_nested_def, (1.0,), "generator"),
    (hidden_try_finally_in_loop, (1.0,), "try"),
    (hidden_async_def, (1.0,), "async"),
    (hidden_walrus_in_while_test, (1.0,), ":="),
    (hidden_walrus_in_assert, (1.0,), ":="),
    (hidden_del_in_comprehension_body_def, (1.0,), "del"),
]

JIT_CASES += [
    (jit_mean_axis_loss, lambda: (_nrm((3, 4), 116),), "grad", False),
    (jit_sum_axis0_jacobian, lambda: (_nrm((2, 3), 117),), "jacfwd", True),
]

CASES += [
    case(folded_signed_zeros, lambda: (0.7,), second=True),
    case(folded_infinities, lambda: (0.7,), second=True),
    case(folded_big_ints, lambda: (0.7,), second=True),
    case(folded_negative_powers_of_ints, lambda: (0.7,), second=True),
]

JIT_CASES += [
    (jit_center, lambda: (_nrm(4, 118),), "jacfwd", True),
    (jit_normalise_rows_of_jacobian, lambda: (_pos(4, 119),), "jacrev", True),
]


def jit_python_float_value(x):
    return float(np.sum(np.sum(x * x, axis=1)))


def jit_mean_whole_value(x):
    return np.mean(x**2) * -1.5


JIT_CASES += [
    (jit_python_float_value, lambda: (_pos((2, 3), 125),), "value_and_grad", True),
    (jit_mean_whole_value, lambda: (_pos((2, 3), 126),), "value_and_grad", True),
]
