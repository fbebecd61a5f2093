# ruff: noqa: SIM108, B905, B007
# (user code as people write it: if-blocks, zip, unused loop names are what is tested)
"""Programs for tests/test_specialised_second_order_independent.py.

Written by an independent tester from the README and issue 19 alone: losses, physics
energies, statistics and small networks a user would write, each with several argument
signatures (shapes and dtypes) so that the code specialised to the first signature is
called again with others.

SCALAR is a list of (name, function, wrt, signatures): the function returns a real scalar;
each signature is a zero-argument callable giving a fresh tuple of arguments.
VECTOR is the same for functions returning arrays (for jacrev / jacfwd).
"""

import math

import numpy as np

RNG_SEED = 1234


def _r(shape, seed, lo=-1.0, hi=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, size=shape).astype(dtype)


# ----------------------------------------------------------------- globals and helpers

A_GLOBAL = np.array([[2.0, 0.3, -0.1], [0.3, 1.5, 0.2], [-0.1, 0.2, 1.0]])
SHIFT = 0.25
STIFFNESS = 3.0


def softplus(z):
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def act(z):
    return np.tanh(z)


def pair_energy(r2):
    inv6 = 1.0 / r2**3
    return 4.0 * (inv6 * inv6 - inv6)


def make_scaled_quadratic(c):
    weights = np.array([1.0, 2.0, 3.0])

    def inner(x):
        return c * np.sum(weights[: x.shape[0]] * x**2) + np.sum(np.sin(x)) * c

    return inner


# ----------------------------------------------------------------- scalar programs


def mse(w, X, y):
    r = X @ w - y
    return np.mean(r**2)


def ridge(w, X, y, lam):
    return np.mean((X @ w - y) ** 2) + lam * np.sum(w**2)


def logistic_nll(w, X, y):
    z = X @ w
    # stable log(1 + exp(-y z)) written with np.where
    m = -y * z
    return np.sum(np.where(m > 0, m + np.log1p(np.exp(-m)), np.log1p(np.exp(m))))


def softplus_loss(w, X):
    return np.sum(softplus(X @ w)) + 0.1 * np.sum(w * w)


def huber(r, delta):
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta)))


def logsumexp_rows(x):
    m = np.max(x, axis=1, keepdims=True)
    return np.sum(m + np.log(np.sum(np.exp(x - m), axis=1, keepdims=True)))


def softmax_xent(logits, labels):
    z = logits - np.max(logits, axis=-1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))
    n = logits.shape[0]
    return -np.mean(logp[np.arange(n), labels])


def spring_chain(x, rest):
    d = x[1:] - x[:-1]
    return 0.5 * STIFFNESS * np.sum((d - rest) ** 2) + 0.1 * np.sum(x**4)


def lennard_jones(pos):
    n = pos.shape[0]
    diff = pos[:, None, :] - pos[None, :, :]
    r2 = np.sum(diff**2, axis=-1)
    iu = np.triu_indices(n, 1)
    return np.sum(pair_energy(r2[iu]))


def gravity_loops(pos, masses):
    e = 0.0
    n = pos.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            e = e - masses[i] * masses[j] / np.sqrt(np.sum(d * d) + 0.1)
    return e


def pendulum_sim(theta, omega, n):
    dt = 0.05
    th = theta
    v = omega
    for _ in range(n):
        v = v - dt * np.sin(th)
        th = th + dt * v
    return np.sum(th**2) + 0.5 * np.sum(v**2)


def damped_while(x):
    y = x
    i = 0
    while i < 20:
        y = 0.8 * y + 0.1 * np.sin(y)
        if np.sum(y * y) < 1e-3:
            break
        i = i + 1
    return np.sum(y**2) + np.sum(x * y)


def branch_on_value(x):
    if np.sum(x) > 0:
        y = np.sum(x**3)
    else:
        y = np.sum(np.exp(x))
    return y + np.sum(x**2)


def folded_local_constant(x):
    scale = 0.5
    if np.sum(x) > 0.0:
        if scale < 1.0:
            y = np.sum(np.sin(x) * x) * scale
        else:
            y = np.sum(x**4)
    else:
        y = np.sum(np.cos(x) ** 2)
    return y + np.sum(x**2) * 0.1


def folded_flag_in_loop(x, n):
    debug = False
    acc = 0.0
    for i in range(n):
        if not debug:
            acc = acc + np.sum(np.tanh(x * (i + 1)) ** 2)
        else:
            acc = acc + np.sum(x)
    return acc


def folded_elif_literal(x):
    s = np.sum(x)
    if s > 10.0:
        y = np.sum(x**2)
    elif 1.5 > 1.0:
        y = np.sum(np.exp(0.5 * x)) * s
    else:
        y = np.sum(x)
    return y


def folded_flag_in_while(x):
    verbose = False
    y = x
    k = 0
    while k < 5:
        if verbose:
            y = y + 1.0
        elif np.max(y) > 100.0:
            break
        else:
            y = y * np.cos(y) + 0.3 * y
        k = k + 1
    return np.sum(y**2)


def folded_nested_loop_branch(x):
    use_bias = True
    bias = 0.2
    total = 0.0
    for i in range(3):
        z = x * (1.0 + 0.5 * i)
        if np.mean(z) > -5.0:
            if use_bias:
                z = z + bias
            if 2 < 3:
                total = total + np.sum(np.sin(z) ** 2)
            else:
                total = total + np.sum(z)
        else:
            total = total - np.sum(z)
    return total


def mlp_loss(W1, b1, W2, X, y):
    h = act(X @ W1.T + b1)
    out = h @ W2
    return np.mean((out - y) ** 2)


def closure_quadratic(x):
    return _CLOSED(x)


_CLOSED = make_scaled_quadratic(1.5)


def global_quadratic(x):
    return 0.5 * x @ A_GLOBAL @ x + SHIFT * np.sum(np.cos(x))


def gaussian_nll(mu, log_sigma, data):
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    return np.sum(0.5 * z**2 + log_sigma) + 0.5 * data.size * math.log(2 * math.pi)


def norm_penalty(x, c):
    return np.linalg.norm(x - c) ** 3 + np.sum(np.linalg.norm(x.reshape(-1, 2), axis=1))


def column_stats(X):
    mu = np.mean(X, axis=0, keepdims=True)
    var = np.mean((X - mu) ** 2, axis=0)
    return np.sum(np.log(var + 1.0)) + np.sum(mu**2)


def var_std(x):
    return np.var(x) + np.std(x, ddof=1) * 0.5


def quadratic_form(x, A):
    return x @ A @ x + np.sum(np.tanh(x))


def int_fixed_power(x, k, idx):
    return np.sum(x**k) + np.sum(x[idx] ** 2)


def fancy_repeat(x, idx):
    g = x[idx]
    return np.sum(g * np.sin(g)) + np.sum(x[x > 0.0] ** 3)


def broadcast_pair(a, b):
    return np.sum(np.sin(a * b) + a**2 * b)


def scalar_scale(s, x):
    return np.sum(np.exp(-s * x**2)) + np.sum(s**3)


def poly_cos(x):
    return np.sum(x**3 * np.cos(x))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def frobenius_trace(A):
    return np.trace(A @ A.T) + np.sum(np.sin(A)) * np.sum(A**2)


def log_diag(A):
    n = A.shape[0]
    M = A @ A.T + np.eye(n)
    return np.sum(np.log(np.diag(M))) + np.linalg.det(M) * 0.01


def max_pool(x):
    p = np.max(x.reshape(2, -1), axis=1)
    return np.sum(p**2) + np.sum(x**2) * 0.5


def relu_net(W, x):
    h = np.maximum(W @ x, 0.0)
    return np.sum(h**2) + np.sum(np.minimum(W, 0.5) ** 2)


def cumsum_sq(x):
    return np.sum(np.cumsum(x) ** 2)


def rows_loop(w, X):
    s = 0.0
    for row in X:
        s = s + np.tanh(row @ w) ** 2
    return s


def enum_zip(w, xs, ys):
    total = 0.0
    for i, (xv, yv) in enumerate(zip(xs, ys)):
        total = total + (i + 1) * (np.sum(w * xv) - yv) ** 2
    return total


def horner(x, coeffs):
    y = np.zeros_like(x)
    for c in coeffs:
        y = y * x + c
    return np.sum(y**2)


def clipped(x):
    return np.sum(np.clip(x, -0.5, 0.5) ** 2 + x**2 * np.exp(0.1 * x))


def lattice_roll(u):
    du = np.roll(u, 1, axis=0) - u
    dv = np.roll(u, -1, axis=1) - u
    return np.sum(du**2 + dv**2) + 0.25 * np.sum(u**4)


def kinetic(v, m):
    return 0.5 * np.sum(m * v**2) + np.sum(v**2) ** 2 * 0.01


def float32_weights(w, X):
    return np.sum(np.tanh(X @ w) ** 2) + np.sum(w**2)


def mean_axis_keepdims(X):
    m = np.mean(X, axis=1, keepdims=True)
    return np.sum((X - m) ** 3) + np.sum(np.mean(X, axis=0) ** 2)


def early_return(x):
    s = np.sum(x)
    if s > 1.0:
        return np.sum(x**3)
    for i in range(4):
        if np.max(x) > 5.0:
            return np.sum(x)
        x = x * 0.9 + 0.05 * x**2
    return np.sum(x**2)


def zero_d_mix(a, x):
    return np.sum(a * np.sum(x**2) + np.sin(a) * np.sum(x))


def sum_scalar_chain(x):
    return np.sum(x) ** 2 + np.prod(x)


def one_hot_energy(x, W, idx):
    z = W[idx] @ x
    return np.sum(np.log1p(z**2))


# ----------------------------------------------------------------- vector programs


def v_tanh_layer(x, A):
    return np.tanh(A @ x) * x[0]


def v_softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def v_residuals(w, X, y):
    return X @ w - y


def v_cumprod(x):
    return np.cumprod(x) + x


def v_where(x):
    return np.where(x > 0, x**2, np.sin(x))


def v_outer(x):
    return np.outer(x, np.cos(x))


def v_euler(y, n):
    dt = 0.1
    for _ in range(n):
        y = y + dt * np.array([y[1], -np.sin(y[0])])
    return y


def v_normalise(x):
    return x / np.linalg.norm(x)


def v_broadcast(a, b):
    return a * np.exp(b) + a**2


def v_keepdims(X):
    return np.sum(X**2, axis=1, keepdims=True) * np.mean(X)


def v_scalar_times(s, x):
    return s * np.tanh(x) + s**2


def v_branch_flag(x):
    clamp = True
    if np.sum(x) > 0:
        if clamp:
            y = np.minimum(x, 2.0) * x
        else:
            y = x
    else:
        y = np.exp(x)
    return y


def v_gather(x, idx):
    return x[idx] * x[::-1][idx]


def v_loop_break(x):
    y = x
    for i in range(10):
        y = np.sin(y) + 0.5 * y
        if np.max(np.abs(y)) < 0.05:
            break
    return y


# ----------------------------------------------------------------- more flags known when made


def c_arith_flag(x):
    scale = 0.5
    if np.sum(x) > 0:
        if 2 * scale < 1.5:
            y = np.sum(np.sin(x) * x)
        else:
            y = np.sum(x)
    else:
        y = np.sum(x**2)
    return y


def c_and_or(x):
    scale = 0.5
    debug = False
    if np.max(x) > 0:
        if scale < 1.0 and not debug:
            y = np.sum(np.exp(x) * x)
        elif debug or scale > 2:
            y = np.sum(x)
        else:
            y = np.sum(x**5)
    else:
        y = np.sum(x**2)
    return y * np.sum(x)


def c_ternary_flag(x):
    debug = False
    y = np.sum(x**3) if not debug else np.sum(x)
    for i in range(2):
        z = x * 0.5 if debug else np.sin(x) * y
        y = np.sum(z**2)
    return y


def _helper_with_flag(z):
    verbose = False
    if np.sum(z) > 0:
        if not verbose:
            return np.sum(np.tanh(z) ** 2)
        return np.sum(z)
    return np.sum(z**2)


def c_helper_flag(x):
    return _helper_with_flag(x * 2.0) + _helper_with_flag(-x) * 0.5


def c_literal_conditions(x):
    y = np.sum(x**2)
    if np.sum(x) > 0:
        if 0:
            y = y + np.sum(x)
        if None:
            y = y * 2
        if "":
            y = y * 3
        if 1:
            y = y * np.sum(np.cos(x))
        while False:
            y = y + 1.0
    return y


def c_first_flag(x):
    first = True
    acc = 0.0
    for i in range(3):
        if first:
            acc = acc + np.sum(x**3)
            first = False
        else:
            acc = acc + np.sum(np.sin(x) * x) * i
    return acc


def c_done_flag(x):
    done = False
    y = x
    k = 0
    while not done:
        y = y * 0.5 + np.sin(y) * 0.1
        k += 1
        if k >= 3:
            done = True
    return np.sum(y**2) + np.sum(x * y)


def c_loop_elif_break(x):
    total = 0.0
    for i in range(4):
        if np.sum(x) * i > 3.0:
            break
        elif 1.5 > 1.0:
            total = total + np.sum(np.exp(x * 0.3 * i))
        else:
            total = total - 1.0
    return total * np.sum(x**2)


def c_const_in_else_rows(X):
    scale = 2.0
    out = 0.0
    for row in X:
        if np.sum(row) > 0.0:
            out = out + np.sum(row**2)
        else:
            if scale < 1.0:
                out = out + np.sum(row)
            elif scale < 3.0:
                out = out + np.sum(np.cos(row) * row) * scale
            else:
                out = out + 0.0
    return out


def c_flag_param(x, debug=False):
    if np.sum(x) > 0:
        if not debug:
            y = np.sum(x**3)
        else:
            y = np.sum(x)
    else:
        y = np.sum(x**2)
    return y


# ----------------------------------------------------------------- shape- and type-dependent code


def by_ndim(x):
    if x.ndim == 1:
        return np.sum(x**3)
    elif x.ndim == 2:
        return np.sum(np.sin(x) * x[0])
    return np.sum(np.exp(x))


def by_shape(x):
    if x.shape[0] > 2:
        y = x[:2]
    else:
        y = x
    if len(x) == 1:
        return np.sum(y**4)
    return np.sum(y**2 * np.cos(x[-1]))


def by_size(x):
    if np.size(x) == 1:
        return np.sum(x**3) * 2.0
    return np.sum(np.tanh(x) ** 2)


def by_type(x):
    if isinstance(x, np.ndarray):
        return np.sum(x**3)
    return x**4


def by_scalarness(x):
    if np.ndim(x) == 0:
        return np.sin(x) * x
    return np.sum(x**2) * np.sum(x)


def by_int_kind(x, w):
    if w.dtype.kind == "i":
        return np.sum(x**2 * w)
    return np.sum(np.sin(x * w))


def head_tail(x, k):
    return np.sum(x[:k] ** 3) + np.sum(x[k:] ** 2 * np.sin(x[k:]))


def fill_loop(x, n):
    y = np.zeros(n)
    for i in range(n):
        y[i] = np.sum(x ** (i + 1))
    return np.sum(y**2)


def neighbour_loop(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        s = s + (x[i + 1] - x[i]) ** 2 * x[i]
    return s + np.sum(x[-1:] ** 3)


def axes_mix(x):
    return np.sum(np.sum(x**2, axis=-1) ** 2) + np.sum(np.mean(x, axis=0, keepdims=True) ** 3)


def tuple_axis(x):
    return np.sum(np.mean(x, axis=(0, 2)) ** 2) + np.sum(
        np.linalg.norm(x, axis=1, keepdims=True) ** 3
    )


def matvec_rank(A, x):
    return np.sum(np.tanh(A @ x) ** 2)


def norms_mix(x):
    return np.linalg.norm(x, 1) + np.linalg.norm(x) ** 2 + np.linalg.norm(x, np.inf) * np.sum(x)


def v_tile_n(x, n):
    return np.tile(x, n) * np.arange(1.0, n * x.size + 1)


def v_positive(x):
    return x[x > 0] ** 2


def _sig(*arrays):
    """A signature: a callable giving a fresh copy of the arguments."""

    def make():
        return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in arrays)

    return make


LABELS5 = np.array([0, 2, 1, 2, 0])
LABELS3 = np.array([1, 0, 1])

SCALAR = [
    (
        "mse",
        mse,
        0,
        [
            _sig(_r(3, 1), _r((5, 3), 2), _r(5, 3)),
            _sig(_r(2, 4), _r((4, 2), 5), _r(4, 6)),
            _sig(_r(1, 7), _r((3, 1), 8), _r(3, 9)),
        ],
    ),
    (
        "ridge",
        ridge,
        0,
        [
            _sig(_r(3, 1), _r((6, 3), 2), _r(6, 3), 0.3),
            _sig(_r(4, 1), _r((2, 4), 2), _r(2, 3), 0.01),
        ],
    ),
    (
        "logistic_nll",
        logistic_nll,
        0,
        [
            _sig(_r(3, 11), _r((8, 3), 12, -2, 2), np.sign(_r(8, 13))),
            _sig(_r(5, 14), _r((4, 5), 15, -2, 2), np.sign(_r(4, 16))),
        ],
    ),
    (
        "softplus_loss",
        softplus_loss,
        0,
        [
            _sig(_r(3, 17, -2, 2), _r((6, 3), 18, -2, 2)),
            _sig(_r(2, 19, -2, 2), _r((3, 2), 20, -2, 2)),
        ],
    ),
    (
        "huber",
        huber,
        0,
        [
            _sig(np.array([-2.0, -0.3, 0.1, 0.7, 1.9]), 1.0),
            _sig(np.array([[0.2, -1.5], [3.0, -0.4]]), 0.5),
            _sig(np.array([0.25]), 1.0),
        ],
    ),
    (
        "logsumexp_rows",
        logsumexp_rows,
        0,
        [
            _sig(_r((3, 4), 21, -2, 2)),
            _sig(_r((1, 5), 22, -2, 2)),
            _sig(_r((4, 1), 23, -2, 2)),
        ],
    ),
    (
        "softmax_xent",
        softmax_xent,
        0,
        [
            _sig(_r((5, 3), 24, -2, 2), LABELS5),
            _sig(_r((3, 2), 25, -2, 2), LABELS3),
        ],
    ),
    (
        "spring_chain",
        spring_chain,
        0,
        [
            _sig(np.array([0.0, 1.1, 1.9, 3.2, 4.05]), 1.0),
            _sig(np.array([0.0, 0.8]), 1.0),
            _sig(np.array([0.1, 1.3, 2.2]), np.array(0.9)),
        ],
    ),
    (
        "lennard_jones",
        lennard_jones,
        0,
        [
            _sig(np.array([[0.0, 0.0], [1.1, 0.1], [0.2, 1.2]])),
            _sig(np.array([[0.0, 0.0, 0.0], [1.2, 0.0, 0.1], [0.0, 1.15, 0.0], [0.9, 0.9, 0.8]])),
        ],
    ),
    (
        "gravity_loops",
        gravity_loops,
        0,
        [
            _sig(_r((3, 2), 26, -2, 2), np.array([1.0, 2.0, 0.5])),
            _sig(_r((4, 3), 27, -2, 2), np.array([1.0, 1.5, 0.5, 2.0])),
        ],
    ),
    (
        "pendulum_sim",
        pendulum_sim,
        0,
        [
            _sig(np.array([0.3, -0.2, 1.0]), np.array([0.0, 0.1, -0.3]), 12),
            _sig(0.4, 0.1, 7),
            _sig(np.array([[0.3, 0.2], [-0.5, 0.9]]), np.array([0.1, -0.1]), 5),
        ],
    ),
    (
        "damped_while",
        damped_while,
        0,
        [
            _sig(np.array([0.5, -0.4, 0.3])),
            _sig(np.array([0.02, 0.01])),
            _sig(np.array([[0.9, 0.2], [-0.3, 0.6]])),
        ],
    ),
    (
        "branch_on_value",
        branch_on_value,
        0,
        [
            _sig(np.array([0.5, 0.2, 0.9])),
            _sig(np.array([-0.5, -0.2])),
            _sig(np.array([[0.3, -0.1], [0.2, 0.4]])),
        ],
    ),
    (
        "folded_local_constant",
        folded_local_constant,
        0,
        [
            _sig(np.array([0.5, 0.7, -0.1])),
            _sig(np.array([-0.5, -0.7])),
            _sig(np.array([[0.2, 0.3], [0.4, -0.2]])),
        ],
    ),
    (
        "folded_flag_in_loop",
        folded_flag_in_loop,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5]), 3),
            _sig(np.array([[0.1, 0.2], [0.3, -0.4]]), 2),
            _sig(0.4, 4),
        ],
    ),
    (
        "folded_elif_literal",
        folded_elif_literal,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5])),
            _sig(np.array([4.0, 3.5, 3.2])),
            _sig(np.array([0.7])),
        ],
    ),
    (
        "folded_flag_in_while",
        folded_flag_in_while,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5])),
            _sig(np.array([[0.6, 0.1], [0.2, -0.3]])),
        ],
    ),
    (
        "folded_nested_loop_branch",
        folded_nested_loop_branch,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5, 0.1])),
            _sig(np.array([-0.6, 0.25])),
            _sig(np.array([[-20.0, 0.1], [0.2, 0.3]])),
        ],
    ),
    (
        "mlp_W1",
        mlp_loss,
        0,
        [
            _sig(_r((3, 2), 30), _r(3, 31), _r(3, 32), _r((4, 2), 33), _r(4, 34)),
            _sig(_r((2, 3), 35), _r(2, 36), _r(2, 37), _r((5, 3), 38), _r(5, 39)),
        ],
    ),
    (
        "mlp_all",
        mlp_loss,
        (0, 1, 2),
        [
            _sig(_r((2, 2), 40), _r(2, 41), _r(2, 42), _r((3, 2), 43), _r(3, 44)),
            _sig(_r((3, 2), 45), _r(3, 46), _r(3, 47), _r((4, 2), 48), _r(4, 49)),
        ],
    ),
    (
        "closure_quadratic",
        closure_quadratic,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5])),
            _sig(np.array([0.7, 0.1])),
            _sig(np.array([0.9])),
        ],
    ),
    (
        "global_quadratic",
        global_quadratic,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5])),
            _sig(np.array([1.3, 0.2, -0.5])),
        ],
    ),
    (
        "gaussian_nll",
        gaussian_nll,
        (0, 1),
        [
            _sig(0.3, -0.2, _r(6, 50, -2, 2)),
            _sig(np.array([0.1, 0.2]), np.array([0.0, -0.3]), _r((5, 2), 51, -2, 2)),
            _sig(np.array([[0.1], [0.4]]), np.array([0.1, -0.1, 0.2]), _r((2, 3), 52, -2, 2)),
        ],
    ),
    (
        "norm_penalty",
        norm_penalty,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5, 1.0]), np.array([0.1, 0.1, 0.1, 0.1])),
            _sig(np.array([0.3, -0.2]), 0.5),
            _sig(np.array([[0.3, -0.2], [0.5, 1.0]]), np.array([0.2, -0.1])),
        ],
    ),
    (
        "column_stats",
        column_stats,
        0,
        [
            _sig(_r((4, 3), 53)),
            _sig(_r((2, 2), 54)),
            _sig(_r((5, 1), 55)),
        ],
    ),
    (
        "var_std",
        var_std,
        0,
        [
            _sig(_r(5, 56)),
            _sig(_r((2, 3), 57)),
            _sig(_r(2, 58)),
        ],
    ),
    (
        "quadratic_form_mixed32",
        quadratic_form,
        0,
        [
            _sig(_r(3, 59, dtype=np.float32), A_GLOBAL),
            _sig(_r(3, 60), A_GLOBAL.astype(np.float32)),
            _sig(_r(2, 61), A_GLOBAL[:2, :2]),
        ],
    ),
    (
        "int_fixed_power",
        int_fixed_power,
        0,
        [
            _sig(_r(4, 62, 0.5, 1.5), 3, np.array([0, 2, 2])),
            _sig(_r(3, 63, 0.5, 1.5), 4, np.array([1])),
            _sig(_r((2, 2), 64, 0.5, 1.5), 2, np.array([1, 1])),
        ],
    ),
    (
        "fancy_repeat",
        fancy_repeat,
        0,
        [
            _sig(np.array([0.3, -0.2, 0.5, 1.0]), np.array([0, 0, 3, 1])),
            _sig(np.array([-0.3, 0.7]), np.array([1, 1, 1])),
            _sig(np.array([0.4, -0.6, 0.2]), np.array([], dtype=np.int64)),
        ],
    ),
    (
        "broadcast_a",
        broadcast_pair,
        0,
        [
            _sig(_r((3, 1), 65), _r(4, 66)),
            _sig(_r(4, 67), _r((3, 1), 68)),
            _sig(0.3, _r(4, 69)),
            _sig(np.array(0.4), _r((2, 3), 70)),
        ],
    ),
    (
        "broadcast_both",
        broadcast_pair,
        (0, 1),
        [
            _sig(_r((3, 1), 71), _r(4, 72)),
            _sig(_r((1, 2), 73), _r((3, 1), 74)),
            _sig(np.array([0.5]), _r(3, 75)),
        ],
    ),
    (
        "scalar_scale",
        scalar_scale,
        0,
        [
            _sig(0.7, _r(4, 76)),
            _sig(np.array(0.7), _r((2, 3), 77)),
            _sig(np.array([0.7]), _r(3, 78)),
            _sig(np.float32(0.7), _r(3, 79)),
        ],
    ),
    (
        "scalar_scale_both",
        scalar_scale,
        (0, 1),
        [
            _sig(0.7, _r(3, 80)),
            _sig(np.array(0.5), _r((2, 2), 81)),
        ],
    ),
    (
        "float_then_array",
        poly_cos,
        0,
        [
            _sig(0.7),
            _sig(np.array([0.7, -0.3, 1.2])),
            _sig(np.array(0.7)),
            _sig(np.array([[0.5, 0.2], [0.1, -0.9]])),
            _sig(np.array([0.25])),
            _sig(np.float64(1.1)),
        ],
    ),
    (
        "rosenbrock",
        rosenbrock,
        0,
        [
            _sig(np.array([0.5, 0.8, 1.1, 0.9])),
            _sig(np.array([1.2, 1.0])),
            _sig(np.array([-0.5, 0.3, 0.2, 0.1, 0.6, 0.7])),
        ],
    ),
    (
        "frobenius_trace",
        frobenius_trace,
        0,
        [
            _sig(_r((2, 3), 82)),
            _sig(_r((3, 2), 83)),
            _sig(_r((1, 1), 84)),
        ],
    ),
    (
        "log_diag",
        log_diag,
        0,
        [
            _sig(_r((2, 2), 85)),
            _sig(_r((3, 2), 86)),
        ],
    ),
    (
        "max_pool",
        max_pool,
        0,
        [
            _sig(np.array([0.1, 0.9, -0.3, 0.4, 0.2, 0.8])),
            _sig(np.array([0.5, -0.2])),
            _sig(np.array([[0.1, 0.7], [0.3, 0.2]])),
        ],
    ),
    (
        "relu_net",
        relu_net,
        0,
        [
            _sig(_r((3, 2), 87), _r(2, 88)),
            _sig(_r((2, 4), 89), _r(4, 90)),
        ],
    ),
    (
        "cumsum_sq",
        cumsum_sq,
        0,
        [
            _sig(_r(5, 91)),
            _sig(_r((2, 3), 92)),
            _sig(_r(1, 93)),
        ],
    ),
    (
        "rows_loop",
        rows_loop,
        0,
        [
            _sig(_r(3, 94), _r((4, 3), 95)),
            _sig(_r(2, 96), _r((2, 2), 97)),
        ],
    ),
    (
        "enum_zip",
        enum_zip,
        0,
        [
            _sig(_r(3, 98), _r((4, 3), 99), _r(4, 100)),
            _sig(_r(2, 101), [_r(2, 102), _r(2, 103)], [0.5, -0.2]),
        ],
    ),
    (
        "horner",
        horner,
        0,
        [
            _sig(_r(3, 104), [1.0, -0.5, 0.25, 2.0]),
            _sig(_r((2, 2), 105), [0.5, 1.5]),
            _sig(0.3, [1.0, 2.0, 3.0]),
        ],
    ),
    (
        "clipped",
        clipped,
        0,
        [
            _sig(np.array([-1.0, -0.2, 0.3, 0.9])),
            _sig(np.array([[0.2], [0.7]])),
        ],
    ),
    (
        "lattice_roll",
        lattice_roll,
        0,
        [
            _sig(_r((3, 3), 106)),
            _sig(_r((2, 4), 107)),
        ],
    ),
    (
        "kinetic_int_mass",
        kinetic,
        0,
        [
            _sig(_r(3, 108), np.array([1, 2, 3])),
            _sig(_r((2, 2), 109), 2),
            _sig(_r(4, 110), np.array([1.0, 2.0, 3.0, 4.0])),
        ],
    ),
    (
        "float32_weights",
        float32_weights,
        0,
        [
            _sig(_r(3, 111, dtype=np.float32), _r((4, 3), 112)),
            _sig(_r(3, 113, dtype=np.float32), _r((4, 3), 114, dtype=np.float32)),
            _sig(_r(2, 115), _r((3, 2), 116, dtype=np.float32)),
        ],
    ),
    (
        "mean_axis_keepdims",
        mean_axis_keepdims,
        0,
        [
            _sig(_r((3, 4), 117)),
            _sig(_r((2, 1), 118)),
            _sig(_r((1, 3), 119)),
        ],
    ),
    (
        "early_return",
        early_return,
        0,
        [
            _sig(np.array([0.8, 0.6, 0.2])),
            _sig(np.array([0.1, -0.4])),
            _sig(np.array([[0.1, 0.2], [-0.3, 0.1]])),
        ],
    ),
    (
        "zero_d_mix",
        zero_d_mix,
        (0, 1),
        [
            _sig(np.array(0.4), _r(3, 120)),
            _sig(0.4, _r((2, 2), 121)),
            _sig(np.array([0.4]), np.array(0.3)),
        ],
    ),
    (
        "sum_scalar_chain",
        sum_scalar_chain,
        0,
        [
            _sig(_r(4, 122)),
            _sig(_r((2, 2), 123)),
            _sig(_r(1, 124)),
        ],
    ),
    (
        "one_hot_energy",
        one_hot_energy,
        0,
        [
            _sig(_r(3, 125), _r((4, 3), 126), np.array([0, 3, 3])),
            _sig(_r(2, 127), _r((3, 2), 128), np.array([2])),
        ],
    ),
    (
        "c_arith_flag",
        c_arith_flag,
        0,
        [
            _sig(np.array([0.3, 0.4])),
            _sig(np.array([-0.3, -0.4, 0.1])),
            _sig(0.7),
            _sig(np.array(0.7)),
        ],
    ),
    (
        "c_and_or",
        c_and_or,
        0,
        [
            _sig(np.array([0.3, -0.4, 0.2])),
            _sig(np.array([-0.3, -0.4])),
            _sig(0.7),
        ],
    ),
    (
        "c_ternary_flag",
        c_ternary_flag,
        0,
        [
            _sig(np.array([0.3, 0.4])),
            _sig(np.array([[0.3, 0.4], [0.1, -0.2]])),
            _sig(0.7),
        ],
    ),
    (
        "c_helper_flag",
        c_helper_flag,
        0,
        [
            _sig(np.array([0.3, 0.4])),
            _sig(np.array([0.3, -0.5])),
            _sig(0.7),
            _sig(-0.4),
        ],
    ),
    (
        "c_literal_conditions",
        c_literal_conditions,
        0,
        [
            _sig(np.array([0.3, 0.4])),
            _sig(np.array([-0.3, 0.1, 0.05])),
            _sig(0.7),
        ],
    ),
    (
        "c_first_flag",
        c_first_flag,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.2])),
            _sig(np.array([[0.3], [0.5]])),
            _sig(0.7),
        ],
    ),
    (
        "c_done_flag",
        c_done_flag,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.2])),
            _sig(0.7),
            _sig(np.array([0.9])),
        ],
    ),
    (
        "c_loop_elif_break",
        c_loop_elif_break,
        0,
        [
            _sig(np.array([0.3, 0.9])),
            _sig(np.array([0.1, 0.2])),
            _sig(np.array([2.0, 1.5, 0.5])),
            _sig(0.7),
        ],
    ),
    (
        "c_const_in_else_rows",
        c_const_in_else_rows,
        0,
        [
            _sig(np.array([[0.3, 0.4], [-0.5, 0.2], [-0.1, -0.2]])),
            _sig(np.array([[-0.3, 0.1, 0.1]])),
        ],
    ),
    (
        "c_flag_param",
        c_flag_param,
        0,
        [
            _sig(np.array([0.3, 0.4])),
            _sig(np.array([0.3, 0.4]), True),
            _sig(np.array([0.3, 0.4]), False),
            _sig(np.array([-0.3, 0.1]), True),
        ],
    ),
    (
        "by_ndim",
        by_ndim,
        0,
        [
            _sig(np.array([0.3, 0.5])),
            _sig(np.array([[0.3, 0.5], [0.1, 0.2]])),
            _sig(np.ones((1, 1, 2)) * 0.3),
        ],
    ),
    (
        "by_shape",
        by_shape,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.7])),
            _sig(np.array([0.4])),
            _sig(np.array([0.3, 0.5])),
            _sig(np.ones((3, 2)) * 0.3),
        ],
    ),
    (
        "by_size",
        by_size,
        0,
        [
            _sig(np.array([0.3])),
            _sig(np.array([0.3, 0.5])),
            _sig(np.array(0.3)),
            _sig(np.ones((1, 1)) * 0.3),
        ],
    ),
    (
        "by_type",
        by_type,
        0,
        [
            _sig(0.3),
            _sig(np.array([0.3, 0.5])),
            _sig(np.float64(0.3)),
            _sig(np.array(0.3)),
        ],
    ),
    (
        "by_scalarness",
        by_scalarness,
        0,
        [
            _sig(0.3),
            _sig(np.array([0.3, 0.5])),
            _sig(np.array(0.3)),
            _sig(np.array([0.3])),
        ],
    ),
    (
        "by_int_kind",
        by_int_kind,
        0,
        [
            _sig(np.array([0.3, 0.5]), np.array([1, 2])),
            _sig(np.array([0.3, 0.5]), np.array([1.0, 2.0])),
            _sig(np.array([0.3, 0.5]), np.array([1, 2], np.int32)),
        ],
    ),
    (
        "head_tail",
        head_tail,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.7, 0.9]), 2),
            _sig(np.array([0.3, 0.5, 0.7, 0.9]), 0),
            _sig(np.array([0.3, 0.5, 0.7, 0.9]), 4),
            _sig(np.array([0.3, 0.5, 0.7, 0.9]), -1),
        ],
    ),
    (
        "fill_loop",
        fill_loop,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.7]), 2),
            _sig(np.array([0.3, 0.5, 0.7]), 3),
            _sig(np.array([0.3, 0.5, 0.7]), 0),
            _sig(np.array([0.4]), 1),
        ],
    ),
    (
        "neighbour_loop",
        neighbour_loop,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.7])),
            _sig(np.array([0.3])),
            _sig(np.array([0.3, 0.5, 0.7, 0.1, 0.2])),
        ],
    ),
    (
        "axes_mix",
        axes_mix,
        0,
        [
            _sig(np.array([0.3, 0.5, 0.7])),
            _sig(np.arange(6.0).reshape(2, 3) / 7),
            _sig(np.arange(24.0).reshape(2, 3, 4) / 30),
            _sig(np.ones((1, 1))),
        ],
    ),
    (
        "tuple_axis",
        tuple_axis,
        0,
        [
            _sig(np.arange(1, 25.0).reshape(2, 3, 4) / 30),
            _sig(np.arange(1, 7.0).reshape(1, 2, 3) / 7),
            _sig(np.arange(1, 25.0).reshape(4, 3, 2) / 30),
        ],
    ),
    (
        "matvec_rank_x",
        matvec_rank,
        1,
        [
            _sig(np.arange(1, 7.0).reshape(2, 3) / 10, np.array([0.1, 0.2, 0.3])),
            _sig(np.arange(1, 7.0).reshape(2, 3) / 10, np.arange(6.0).reshape(3, 2) / 10),
            _sig(np.arange(1, 7.0).reshape(2, 3) / 10, np.arange(12.0).reshape(2, 3, 2) / 10),
        ],
    ),
    (
        "matvec_rank_A",
        matvec_rank,
        0,
        [
            _sig(np.arange(1, 7.0).reshape(2, 3) / 10, np.array([0.1, 0.2, 0.3])),
            _sig(np.array([1.0, 2.0, 3.0]) / 10, np.array([0.1, 0.2, 0.3])),
            _sig(np.arange(12.0).reshape(2, 2, 3) / 10, np.array([0.1, 0.2, 0.3])),
        ],
    ),
    (
        "norms_mix",
        norms_mix,
        0,
        [
            _sig(np.array([0.3, -0.5, 0.7])),
            _sig(np.array([[0.3, -0.5], [0.2, 0.9]])),
            _sig(np.array([2.0])),
        ],
    ),
]

VECTOR = [
    (
        "v_tanh_layer",
        v_tanh_layer,
        0,
        [
            _sig(_r(3, 201), _r((4, 3), 202)),
            _sig(_r(2, 203), _r((5, 2), 204)),
            _sig(_r(4, 205), _r((1, 4), 206)),
        ],
    ),
    (
        "v_softmax",
        v_softmax,
        0,
        [
            _sig(_r(4, 207)),
            _sig(_r((2, 3), 208)),
            _sig(_r(1, 209)),
        ],
    ),
    (
        "v_residuals",
        v_residuals,
        0,
        [
            _sig(_r(3, 210), _r((5, 3), 211), _r(5, 212)),
            _sig(_r(2, 213), _r((2, 2), 214), 0.5),
        ],
    ),
    (
        "v_cumprod",
        v_cumprod,
        0,
        [
            _sig(_r(4, 215, 0.5, 1.5)),
            _sig(_r(2, 216, 0.5, 1.5)),
        ],
    ),
    (
        "v_where",
        v_where,
        0,
        [
            _sig(np.array([-0.5, 0.3, 0.8])),
            _sig(np.array([[0.5, -0.3], [0.2, -0.9]])),
            _sig(np.array(0.4)),
        ],
    ),
    (
        "v_outer",
        v_outer,
        0,
        [
            _sig(_r(3, 217)),
            _sig(_r(2, 218)),
        ],
    ),
    (
        "v_euler",
        v_euler,
        0,
        [
            _sig(np.array([0.5, 0.1]), 5),
            _sig(np.array([1.5, -0.3]), 2),
        ],
    ),
    (
        "v_normalise",
        v_normalise,
        0,
        [
            _sig(_r(3, 219)),
            _sig(_r((2, 2), 220)),
        ],
    ),
    (
        "v_broadcast_a",
        v_broadcast,
        0,
        [
            _sig(_r((3, 1), 221), _r(4, 222)),
            _sig(_r(4, 223), _r((2, 1), 224)),
            _sig(0.3, _r(3, 225)),
        ],
    ),
    (
        "v_broadcast_b",
        v_broadcast,
        1,
        [
            _sig(_r((3, 1), 226), _r(4, 227)),
            _sig(_r(2, 228), 0.4),
        ],
    ),
    (
        "v_keepdims",
        v_keepdims,
        0,
        [
            _sig(_r((3, 2), 229)),
            _sig(_r((1, 4), 230)),
        ],
    ),
    (
        "v_scalar_times",
        v_scalar_times,
        0,
        [
            _sig(0.7, _r(3, 231)),
            _sig(np.array(0.7), _r((2, 2), 232)),
            _sig(np.array([0.7]), _r(2, 233)),
        ],
    ),
    (
        "v_branch_flag",
        v_branch_flag,
        0,
        [
            _sig(np.array([0.5, 2.5, 1.0])),
            _sig(np.array([-0.5, -0.25])),
            _sig(np.array([[0.5, 3.0], [0.1, 0.2]])),
        ],
    ),
    (
        "v_gather",
        v_gather,
        0,
        [
            _sig(_r(4, 234), np.array([0, 0, 3])),
            _sig(_r(3, 235), np.array([2, 1])),
        ],
    ),
    (
        "v_loop_break",
        v_loop_break,
        0,
        [
            _sig(np.array([0.5, -0.3, 0.9])),
            _sig(np.array([0.01, -0.02])),
        ],
    ),
    (
        "v_tile_n",
        v_tile_n,
        0,
        [
            _sig(np.array([0.3, 0.5]), 2),
            _sig(np.array([0.3, 0.5]), 3),
            _sig(np.array([0.3, 0.5]), 1),
        ],
    ),
    (
        "v_positive",
        v_positive,
        0,
        [
            _sig(np.array([1.0, -1.0, 2.0])),
            _sig(np.array([1.0, 1.0, 2.0])),
            _sig(np.array([-1.0, -1.0, -2.0])),
        ],
    ),
]
