# ruff: noqa: B007, B905, RUF007, RUF012, RUF059  (programs written as people write them)
"""Programs written the way people write them, and a harness checking s2s_ad on them.

Tester 69 (independent): every derivative against central differences, forward against
reverse, primal values against the plain call, each called twice and at other inputs.
"""

import copy
import dataclasses
import functools
import inspect
import math
from typing import NamedTuple

import numpy as np
import scipy.special
import scipy.stats

import s2s_ad as ad

EPS = 1e-6
RTOL = 1e-5


# ----------------------------------------------------------------------------- trees


def _is_float_leaf(x):
    if isinstance(x, bool):
        return False
    if isinstance(x, float | np.floating):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _children(x):
    if isinstance(x, dict):
        return list(x.values())
    if isinstance(x, tuple | list):
        return list(x)
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return [getattr(x, f.name) for f in dataclasses.fields(x)]
    if hasattr(x, "__dict__") and not inspect.isroutine(x) and not isinstance(x, type):
        return list(vars(x).values())
    return None


def tree_vec(x):
    """All float leaves of `x`, flattened and joined into one float64 vector."""
    if x is None:
        return np.zeros(0)
    if _is_float_leaf(x):
        return np.asarray(x, dtype=float).ravel()
    kids = _children(x)
    if kids is None:
        return np.zeros(0)
    parts = [tree_vec(k) for k in kids]
    return np.concatenate(parts) if parts else np.zeros(0)


def tree_from_vec(template, vec):
    """`template` with its float leaves replaced by consecutive entries of `vec`."""
    pos = [0]

    def build(x):
        if _is_float_leaf(x):
            a = np.asarray(x)
            k = a.size
            chunk = vec[pos[0] : pos[0] + k]
            pos[0] += k
            if isinstance(x, np.ndarray):
                return chunk.reshape(a.shape).astype(a.dtype)
            return float(chunk[0])
        if isinstance(x, dict):
            return {k: build(v) for k, v in x.items()}
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return type(x)(*[build(v) for v in x])
        if isinstance(x, tuple | list):
            return type(x)(build(v) for v in x)
        if dataclasses.is_dataclass(x) and not isinstance(x, type):
            return dataclasses.replace(
                x, **{f.name: build(getattr(x, f.name)) for f in dataclasses.fields(x)}
            )
        if hasattr(x, "__dict__") and not inspect.isroutine(x) and not isinstance(x, type):
            y = copy.copy(x)
            for k, v in vars(x).items():
                setattr(y, k, build(v))
            return y
        return x

    out = build(template)
    assert pos[0] == len(vec)
    return out


# ----------------------------------------------------------------------------- checks


def close(got, want, what):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    err = np.abs(got - want)
    ok = err <= 1e-6 * scale + RTOL * np.abs(want)
    assert np.all(ok), (
        f"{what}: max error {err.max():.3e}\n got {got.ravel()[:8]}\nwant {want.ravel()[:8]}"
    )


def same(got, want, what):
    g, w = tree_vec(got), tree_vec(want)
    assert g.shape == w.shape and np.array_equal(g, w), f"{what}: primal {g[:6]} != plain {w[:6]}"


def fd_jacobian(f, args, wrt):
    """Central-difference Jacobian of tree_vec(f(*args)) w.r.t. the float leaves of args[wrt]."""
    base = [tree_vec(args[i]) for i in wrt]
    sizes = [b.size for b in base]
    x0 = np.concatenate(base)
    cols = []

    def call(xv):
        new = list(args)
        off = 0
        for i, s in zip(wrt, sizes):
            new[i] = tree_from_vec(copy.deepcopy(args[i]), xv[off : off + s])
            off += s
        return tree_vec(f(*new))

    for j in range(x0.size):
        h = EPS * max(1.0, abs(x0[j]))
        xp, xm = x0.copy(), x0.copy()
        xp[j] += h
        xm[j] -= h
        cols.append((call(xp) - call(xm)) / (2 * h))
    return np.stack(cols, axis=1)


def grad_vec(g, n_wrt):
    if n_wrt == 1:
        return tree_vec(g)
    assert isinstance(g, tuple) and len(g) == n_wrt, f"gradient for a tuple wrt: {type(g)}"
    return np.concatenate([tree_vec(x) for x in g])


def check_first(f, args, wrt):
    """grad, value_and_grad (single and tuple wrt) and grad(mode='forward')."""
    plain = f(*args)
    for w in ([wrt[0]], list(wrt)):
        J = fd_jacobian(f, args, w)
        key = w[0] if len(w) == 1 else tuple(w)
        for _ in range(2):
            g = ad.grad(f, wrt=key)(*args)
            close(grad_vec(g, len(w)), J[0], f"grad wrt={key}")
            v, g = ad.value_and_grad(f, wrt=key)(*args)
            same(v, plain, "value_and_grad value")
            close(grad_vec(g, len(w)), J[0], f"value_and_grad wrt={key}")
        g = ad.grad(f, wrt=key, mode="forward")(*args)
        close(grad_vec(g, len(w)), J[0], f"grad(mode=forward) wrt={key}")


def _tangent_like(rng, x):
    return tree_from_vec(x, rng.standard_normal(tree_vec(x).size))


def check_jvp_vjp(f, args, wrt):
    rng = np.random.default_rng(7)
    plain = f(*args)
    J = fd_jacobian(f, args, list(wrt))
    tans = [None] * len(args)
    for i in wrt:
        tans[i] = _tangent_like(rng, args[i])
    tv = np.concatenate([tree_vec(tans[i]) for i in wrt])
    for _ in range(2):
        out, tout = ad.jvp(f, tuple(args), tuple(tans))
        same(out, plain, "jvp primal")
        close(tree_vec(tout), J @ tv, "jvp tangent")
    ct = _tangent_like(rng, plain)
    ctv = tree_vec(ct)
    for _ in range(2):
        out, pb = ad.vjp(f, *args)
        same(out, plain, "vjp primal")
        cots = pb(ct)
        got = np.concatenate([tree_vec(cots[i]) for i in wrt])
        close(got, J.T @ ctv, "vjp cotangent")
        # forward against reverse: <ct, J t> == <J^T ct, t>
        _, tout = ad.jvp(f, tuple(args), tuple(tans))
        close(float(got @ tv), float(ctv @ tree_vec(tout)), "dot-product test")


def _jac_matrix(jac, args, wrt, nout):
    blocks = jac if len(wrt) > 1 else (jac,)
    assert len(blocks) == len(wrt)
    return np.concatenate(
        [
            np.asarray(b, dtype=float).reshape(nout, tree_vec(args[i]).size)
            for b, i in zip(blocks, wrt)
        ],
        axis=1,
    )


def check_jacobians(f, args, wrt):
    plain = f(*args)
    nout = tree_vec(plain).size
    for w in ([wrt[0]], list(wrt)):
        key = w[0] if len(w) == 1 else tuple(w)
        J = fd_jacobian(f, args, w)
        for _ in range(2):
            jf = ad.jacfwd(f, wrt=key)(*args)
            jr = ad.jacrev(f, wrt=key)(*args)
            close(_jac_matrix(jf, args, w, nout), J, f"jacfwd wrt={key}")
            close(_jac_matrix(jr, args, w, nout), J, f"jacrev wrt={key}")
            close(
                _jac_matrix(jf, args, w, nout), _jac_matrix(jr, args, w, nout), "jacfwd vs jacrev"
            )
        if len(w) == 1:
            shape_in = np.shape(args[w[0]])
            assert np.shape(jf) == np.shape(plain) + shape_in, f"jacfwd shape {np.shape(jf)}"
            assert np.shape(jr) == np.shape(plain) + shape_in, f"jacrev shape {np.shape(jr)}"


def check_second(f, args, wrt):
    i = wrt[0]
    n = tree_vec(args[i]).size

    def g(*a):
        return ad.grad(f, wrt=i)(*a)

    H_fd = fd_jacobian(g, args, [i])
    rng = np.random.default_rng(3)
    for _ in range(2):
        H = ad.hessian(f, wrt=i)(*args)
        close(np.asarray(H, dtype=float).reshape(n, n), H_fd, "hessian")
        v = _tangent_like(rng, args[i])
        tans = [None] * len(args)
        tans[i] = v
        gr, hv = ad.hvp(f, tuple(args), tuple(tans))
        close(tree_vec(gr), tree_vec(g(*args)), "hvp gradient")
        close(tree_vec(hv), H_fd @ tree_vec(v), "hvp product")


# ----------------------------------------------------------------------------- programs

LR = 0.05
REG = 1e-2
CONFIG = {"lr": 0.1, "epochs": 2, "batch": 4, "reg": 0.01}
N_STEPS = 20


# 1. linear regression trained by minibatch SGD inside the loss (in-place updates on a copy)
def sgd_trained_loss(w, X, y):
    w = w.copy()
    for epoch in range(CONFIG["epochs"]):
        for start in range(0, len(X), CONFIG["batch"]):
            xb = X[start : start + CONFIG["batch"]]
            yb = y[start : start + CONFIG["batch"]]
            pred = xb @ w
            gw = xb.T @ (pred - yb) / len(xb)
            w -= CONFIG["lr"] * gw
    return np.mean((X @ w - y) ** 2)


def make_sgd(rng, n):
    return rng.standard_normal(n), rng.standard_normal((8, n)), rng.standard_normal(8)


# 2. two-layer network, MSE
def two_layer(W1, b1, W2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2
    return 0.5 * np.mean((out - y) ** 2)


def make_two_layer(rng, n):
    return (
        rng.standard_normal((3, n)) * 0.5,
        rng.standard_normal(n) * 0.1,
        rng.standard_normal(n) * 0.5,
        rng.standard_normal((6, 3)),
        rng.standard_normal(6),
    )


# 3. RNN unrolled, stops when the state grows
def rnn_break(Wh, Wx, xs):
    h = np.zeros(Wh.shape[0])
    for t, x in enumerate(xs):
        h = np.tanh(Wh @ h + Wx * x)
        if np.linalg.norm(h) > 1.5:
            break
    return np.sum(h**2) + 0.1 * t


def make_rnn(rng, n):
    return rng.standard_normal((n, n)) * 0.6, rng.standard_normal(n), rng.standard_normal(6)


# 4. LSTM cell over a sequence
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_cell(W, h, c, x):
    z = W @ np.concatenate([h, x])
    n = h.shape[0]
    i, f, o, g = (
        sigmoid(z[:n]),
        sigmoid(z[n : 2 * n]),
        sigmoid(z[2 * n : 3 * n]),
        np.tanh(z[3 * n :]),
    )
    c = f * c + i * g
    h = o * np.tanh(c)
    return h, c


def lstm_loss(W, seq):
    n = W.shape[0] // 4
    h, c = np.zeros(n), np.zeros(n)
    for x in seq:
        h, c = lstm_cell(W, h, c, x)
    return np.sum(h) + 0.5 * np.sum(c**2)


def make_lstm(rng, n):
    return rng.standard_normal((4 * n, n + 2)) * 0.4, rng.standard_normal((4, 2))


# 5. Gaussian process negative log marginal likelihood
def gp_nll(theta, X, y):
    ls, sf, sn = np.exp(theta)
    d2 = np.sum((X[:, None, :] - X[None, :, :]) ** 2, axis=-1)
    K = sf**2 * np.exp(-0.5 * d2 / ls**2) + (sn**2 + 1e-6) * np.eye(len(X))
    alpha = np.linalg.solve(K, y)
    sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(X) * np.log(2 * np.pi)


def make_gp(rng, n):
    return (
        np.array([0.1, 0.2, -1.0]) + 0.1 * rng.standard_normal(3),
        rng.standard_normal((n, 2)),
        rng.standard_normal(n),
    )


# 6. logistic regression with L2
def logistic_l2(w, b, X, y):
    z = X @ w + b
    nll = np.sum(np.logaddexp(0.0, z) - y * z)
    return nll / len(y) + REG * np.dot(w, w)


def make_logistic(rng, n):
    X = rng.standard_normal((10, n))
    return rng.standard_normal(n), 0.3, X, (rng.random(10) > 0.5).astype(float)


# 7. 1-D Gaussian mixture log likelihood, log-sum-exp by hand
def gmm_loglik(means, log_sds, logits, data):
    log_w = logits - np.max(logits)
    log_w = log_w - np.log(np.sum(np.exp(log_w)))
    sds = np.exp(log_sds)
    comp = (
        -0.5 * ((data[:, None] - means) / sds) ** 2 - log_sds - 0.5 * math.log(2 * math.pi) + log_w
    )
    m = comp.max(axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.exp(comp - m).sum(axis=1)))


def make_gmm(rng, n):
    return (
        rng.standard_normal(n),
        0.1 * rng.standard_normal(n),
        rng.standard_normal(n),
        rng.standard_normal(12),
    )


# 8. Black-Scholes call with scipy.stats.norm
def black_scholes(S, sigma, K, T, r):
    d1 = (np.log(S / K) + (r + 0.5 * sigma**2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    price = S * scipy.stats.norm.cdf(d1) - K * np.exp(-r * T) * scipy.stats.norm.cdf(d2)
    return np.sum(price)


def make_bs(rng, n):
    return 100.0 + 5 * rng.standard_normal(n), 0.2 + 0.05 * rng.random(n), 100.0, 1.0, 0.03


# 9. Kalman filter, a few steps; NamedTuple state
class KState(NamedTuple):
    m: np.ndarray
    P: np.ndarray


def kalman_step(state, z, A, H, Q, R):
    m = A @ state.m
    P = A @ state.P @ A.T + Q
    S = H @ P @ H.T + R
    K = P @ H.T @ np.linalg.inv(S)
    m = m + K @ (z - H @ m)
    P = (np.eye(len(m)) - K @ H) @ P
    return KState(m, P)


def kalman_nll(q, zs, A, H):
    state = KState(np.zeros(A.shape[0]), np.eye(A.shape[0]))
    Q = q * np.eye(A.shape[0])
    R = 0.5 * np.eye(H.shape[0])
    total = 0.0
    for z in zs:
        pred = H @ (A @ state.m)
        total = total + np.sum((z - pred) ** 2)
        state = kalman_step(state, z, A, H, Q, R)
    return total + np.trace(state.P)


def make_kalman(rng, n):
    A = np.eye(n) + 0.1 * rng.standard_normal((n, n))
    return 0.1 + 0.05 * rng.random(), rng.standard_normal((5, 2)), A, rng.standard_normal((2, n))


# 10. RK4 on Lotka-Volterra
def lv_rhs(y, a, b):
    return np.array([a * y[0] - b * y[0] * y[1], b * y[0] * y[1] - a * y[1]])


def rk4_final(params, y0):
    a, b = params[0], params[1]
    dt = 0.05
    y = y0
    for _ in range(N_STEPS):
        k1 = lv_rhs(y, a, b)
        k2 = lv_rhs(y + 0.5 * dt * k1, a, b)
        k3 = lv_rhs(y + 0.5 * dt * k2, a, b)
        k4 = lv_rhs(y + dt * k3, a, b)
        y = y + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return y


def make_rk4(rng, n):
    return np.array([1.0, 0.5]) + 0.1 * rng.random(2), np.array([1.0, 0.8]) + 0.1 * rng.random(2)


# 11. leapfrog for a pendulum, energy at the end
def leapfrog_energy(q0, p0, omega2):
    q, p = q0, p0
    dt = 0.1
    for step in range(N_STEPS):
        p = p - 0.5 * dt * omega2 * np.sin(q)
        q = q + dt * p
        p = p - 0.5 * dt * omega2 * np.sin(q)
    return np.sum(0.5 * p**2 + omega2 * (1 - np.cos(q)))


def make_leapfrog(rng, n):
    return rng.standard_normal(n), rng.standard_normal(n), 1.0 + rng.random()


# 12. spring chain energy, pairwise loop
def spring_energy(pos, k, rest):
    energy = 0.0
    n = len(pos)
    for i in range(n):
        for j in range(i + 1, n):
            d = np.linalg.norm(pos[i] - pos[j])
            energy += 0.5 * k / (j - i) * (d - rest * (j - i)) ** 2
    return energy


def make_spring(rng, n):
    return np.cumsum(rng.random((n, 2)) + 0.5, axis=0), 2.0, 0.7


# 13. n-body gravitational energy with kinetic term
def nbody_energy(x, v, masses):
    kinetic = sum(0.5 * m * np.dot(vi, vi) for m, vi in zip(masses, v))
    potential = 0.0
    for i, (xi, mi) in enumerate(zip(x, masses)):
        for j in range(i):
            r = np.sqrt(np.sum((xi - x[j]) ** 2))
            potential -= mi * masses[j] / r
    return kinetic + potential


def make_nbody(rng, n):
    return rng.standard_normal((n, 3)) * 2, rng.standard_normal((n, 3)), list(1.0 + rng.random(n))


# 14. explicit heat equation, u[1:-1] = ...
def heat(u0, alpha):
    u = u0.copy()
    r = alpha * 0.2
    for _ in range(10):
        un = u.copy()
        u[1:-1] = un[1:-1] + r * (un[2:] - 2 * un[1:-1] + un[:-2])
        u[0] = 0.0
        u[-1] = 0.0
    return np.sum(u**2)


def make_heat(rng, n):
    return rng.random(n + 4), 0.8 + 0.1 * rng.random()


# 15. a Model class held fixed, called on x
class Model:
    def __init__(self, W, b, scale=1.0):
        self.W = W
        self.b = b
        self.scale = scale

    @property
    def out_dim(self):
        return self.W.shape[0]

    def __call__(self, x):
        return self.scale * np.tanh(self.W @ x + self.b) / self.out_dim


_RNG = np.random.default_rng(42)
MODEL = Model(_RNG.standard_normal((4, 3)), _RNG.standard_normal(4), 2.0)


def model_loss(x, target):
    pred = MODEL(x)
    return np.sum((pred - target) ** 2)


def make_model_loss(rng, n):
    return rng.standard_normal(3), rng.standard_normal(4)


# 16. model as an argument (differentiated)
def model_arg_loss(model, x, y):
    return np.mean((model(x) - y) ** 2)


def make_model_arg(rng, n):
    return (
        Model(rng.standard_normal((n, 3)), rng.standard_normal(n), 1.5),
        rng.standard_normal(3),
        rng.standard_normal(n),
    )


# 17. dataclass of parameters
@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float
    log_noise: float


def dataclass_loss(p, x, y):
    pred = x @ p.w + p.b
    noise = math.exp(p.log_noise)
    return np.sum((pred - y) ** 2) / (2 * noise) + len(y) * p.log_noise


def make_dataclass(rng, n):
    return (
        Params(rng.standard_normal(n), 0.1, 0.3),
        rng.standard_normal((5, n)),
        rng.standard_normal(5),
    )


# 18. generator expression over zip of lists
def weighted_sum(ws, xs):
    total = sum(w * x for w, x in zip(ws, xs))
    return total**2 + sum(math.sin(w) for w in ws)


def make_weighted(rng, n):
    return list(rng.standard_normal(n)), list(rng.standard_normal(n))


# 19. Newton iteration with a tolerance and a cap
def newton_cuberoot(a):
    x = 1.0
    it = 0
    while it < 50:
        step = (x**3 - a) / (3 * x**2)
        x = x - step
        it += 1
        if abs(step) < 1e-12:
            break
    return x * 2.0


def make_newton(rng, n):
    return 2.0 + rng.random()


# 20. for ... else
def first_above(xs, thresh):
    for i, x in enumerate(xs):
        if x > thresh:
            result = x * i
            break
    else:
        result = np.sum(xs) * 0.5
    return result**2


def make_first_above(rng, n):
    return rng.random(n), 0.7


# 21. early return in a helper, with assert and print
def clipped_norm(v, limit):
    assert v.ndim == 1, "need a vector"
    norm = np.sqrt(np.sum(v**2))
    if norm < limit:
        return v
    return v * (limit / norm)


def grad_clip_loss(v, limit):
    c = clipped_norm(v, limit)
    print(f"norm after clipping: {np.linalg.norm(c):.4f}")
    return np.sum(c * np.arange(1, len(c) + 1))


def make_clip(rng, n):
    return rng.standard_normal(n) * 2, 1.5


# 22. math functions on scalars
def projectile_range(v0, angle):
    g = 9.81
    vx = v0 * math.cos(angle)
    vy = v0 * math.sin(angle)
    t = 2 * vy / g
    return vx * t + 0.1 * math.log1p(v0) + math.hypot(vx, vy) * 0.01


def make_projectile(rng, n):
    return 10.0 + rng.random(), 0.6 + 0.1 * rng.random()


# 23. *args helper and keyword arguments
def poly(x, *coeffs):
    acc = 0.0
    for k, c in enumerate(coeffs):
        acc = acc + c * x**k
    return acc


def star_args_loss(x, a, b, c):
    y = poly(x, a, b, c)
    return np.sum(smooth(y, width=0.5, power=2))


def smooth(y, width=1.0, power=1):
    return (1 + (y / width) ** 2) ** (0.5 * power)


def make_star(rng, n):
    return rng.standard_normal(n), 0.5, -0.3, 0.2


# 24. strided view written in place; += on arrays
def strided_update(x, s):
    y = x.copy()
    y[::2] *= s
    y[1::2] += s**2
    y += np.cumsum(y) * 0.1
    return np.sum(np.sin(y))


def make_strided(rng, n):
    return rng.standard_normal(2 * n), 1.3


# 25. aliasing: b = a then element update seen through a
def alias_update(x):
    a = x * 2.0
    b = a
    b[0] = b[0] ** 2
    c = np.copy(a)
    c[-1] = 0.0
    return np.sum(a * x) + np.sum(c)


def make_alias(rng, n):
    return rng.standard_normal(n)


# 26. transpose and reshape reads
def reshape_loss(x, W):
    M = x.reshape(2, -1)
    G = M @ M.T
    return np.sum(G * W) + np.trace(M.T @ M)


def make_reshape(rng, n):
    return rng.standard_normal(2 * n), rng.standard_normal((2, 2))


# 27. softmax cross entropy
def softmax_xent(logits, labels):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(logp[np.arange(len(labels)), labels])


def make_xent(rng, n):
    return rng.standard_normal((5, n)), rng.integers(0, n, size=5)


# 28. single-head attention
def attention(Wq, Wk, X):
    Q, K = X @ Wq, X @ Wk
    scores = Q @ K.T / np.sqrt(Q.shape[1])
    scores = scores - scores.max(axis=-1, keepdims=True)
    A = np.exp(scores)
    A /= A.sum(axis=-1, keepdims=True)
    return np.sum((A @ X) ** 2)


def make_attention(rng, n):
    return (
        rng.standard_normal((3, n)) * 0.5,
        rng.standard_normal((3, n)) * 0.5,
        rng.standard_normal((4, 3)),
    )


# 29. Rosenbrock, sum over a generator
def rosenbrock(x):
    return sum(100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(len(x) - 1))


def make_rosen(rng, n):
    return rng.standard_normal(n) * 0.5


# 30. Huber loss with np.where
def huber(pred, y, delta=1.0):
    r = pred - y
    quad = 0.5 * r**2
    lin = delta * (np.abs(r) - 0.5 * delta)
    return np.mean(np.where(np.abs(r) <= delta, quad, lin))


def make_huber(rng, n):
    return rng.standard_normal(n) * 2, rng.standard_normal(n)


# 31. discounted returns, reversed loop, list appends
def discounted_loss(rewards, values, gamma=0.9):
    returns = []
    g = 0.0
    for r in reversed(list(rewards)):
        g = r + gamma * g
        returns.append(g)
    returns = np.array(returns[::-1])
    adv = returns - values
    return np.sum(adv**2)


def make_disc(rng, n):
    return rng.standard_normal(n), rng.standard_normal(n)


# 32. projectile with drag, while loop until it lands
def drag_range(v0, k):
    x, y = 0.0, 0.0
    vx, vy = v0 * 0.8, v0 * 0.6
    dt = 0.01
    steps = 0
    while y >= 0.0 and steps < 10000:
        speed = math.sqrt(vx * vx + vy * vy)
        vx = vx - k * speed * vx * dt
        vy = vy - (9.81 + k * speed * vy) * dt
        x += vx * dt
        y += vy * dt
        steps += 1
    return x


def make_drag(rng, n):
    return 10.0 + rng.random(), 0.05 + 0.01 * rng.random()


# 33. batch normalisation then a linear head
def batchnorm_head(X, gamma, beta, w):
    mu = X.mean(axis=0)
    var = X.var(axis=0)
    Xh = (X - mu) / np.sqrt(var + 1e-5)
    Y = gamma * Xh + beta
    return np.sum(np.maximum(Y, 0.0) @ w)


def make_bn(rng, n):
    return (
        rng.standard_normal((6, n)),
        1.0 + 0.1 * rng.standard_normal(n),
        0.5 + 0.1 * rng.standard_normal(n),
        rng.standard_normal(n),
    )


# 34. Lennard-Jones energy, vectorised pairs
def lennard_jones(pos, eps_lj, sigma):
    i, j = np.triu_indices(len(pos), k=1)
    d = pos[i] - pos[j]
    r2 = np.sum(d * d, axis=1)
    s6 = (sigma**2 / r2) ** 3
    return np.sum(4 * eps_lj * (s6**2 - s6))


def make_lj(rng, n):
    grid = np.stack([np.arange(n) * 1.2, np.zeros(n)], axis=1)
    return grid + 0.05 * rng.standard_normal((n, 2)), 1.0, 1.0


# 35. Poisson regression with gammaln
def poisson_nll(w, X, counts):
    eta = X @ w
    return np.sum(np.exp(eta) - counts * eta + scipy.special.gammaln(counts + 1.0))


def make_poisson(rng, n):
    return (
        0.1 * rng.standard_normal(n),
        rng.standard_normal((7, n)),
        rng.integers(0, 5, 7).astype(float),
    )


# 36. portfolio: Sharpe ratio of softmax weights
def sharpe(logits, mu, cov):
    w = np.exp(logits) / np.sum(np.exp(logits))
    ret = w @ mu
    vol = np.sqrt(w @ cov @ w)
    return -ret / vol


def make_sharpe(rng, n):
    A = rng.standard_normal((n, n))
    return rng.standard_normal(n), 0.05 + 0.1 * rng.random(n), A @ A.T / n + 0.1 * np.eye(n)


# 37. wave equation with np.roll (periodic)
def wave(u0, c):
    u_prev = u0.copy()
    u = u0.copy()
    for _ in range(8):
        lap = np.roll(u, 1) - 2 * u + np.roll(u, -1)
        u_next = 2 * u - u_prev + (c * 0.3) ** 2 * lap
        u_prev, u = u, u_next
    return np.sum(u**2) + np.sum(np.diff(u) ** 2)


def make_wave(rng, n):
    return np.sin(np.linspace(0, 2 * np.pi, n + 4)) + 0.1 * rng.standard_normal(
        n + 4
    ), 0.9 + 0.1 * rng.random()


# 38. config dict with nested values and a classmethod constructor
class Trainer:
    defaults = {"alpha": 0.5, "beta": 2.0}

    def __init__(self, alpha, beta):
        self.alpha = alpha
        self.beta = beta

    @classmethod
    def from_config(cls, cfg):
        return cls(cfg["alpha"], cfg["beta"])

    def penalty(self, w):
        return self.alpha * np.sum(w**2) + self.beta * np.sum(np.abs(w) ** 3)


TRAINER = Trainer.from_config(Trainer.defaults)


def config_loss(w, X):
    fit = np.sum(np.cos(X @ w))
    return fit + TRAINER.penalty(w)


def make_config(rng, n):
    return rng.standard_normal(n), rng.standard_normal((4, n))


# 39. list comprehension of layers as (W, b) tuples
def layers_loss(params, x):
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    out = W @ x + b
    return np.sum(out**2)


def make_layers(rng, n):
    sizes = [3, n, n, 1]
    params = [
        (rng.standard_normal((o, i)) * 0.5, rng.standard_normal(o) * 0.1)
        for i, o in zip(sizes[:-1], sizes[1:])
    ]
    return params, rng.standard_normal(3)


# 40. dict of parameters, .items()
def dict_params_loss(params, x):
    total = 0.0
    for name, value in params.items():
        if name.startswith("w"):
            total = total + np.sum(np.sin(value * x[: len(value)]))
        else:
            total = total + 0.5 * np.sum(value**2)
    return total


def make_dict(rng, n):
    return {
        "w1": rng.standard_normal(n),
        "bias": rng.standard_normal(2),
        "w2": rng.standard_normal(n - 1),
    }, rng.standard_normal(n)


# 41. finite element 1-D bar energy
def fem_energy(u, E, f):
    n = len(u)
    h = 1.0 / (n + 1)
    full = np.concatenate([[0.0], u, [0.0]])
    strain = np.diff(full) / h
    return 0.5 * E * h * np.sum(strain**2) - h * np.dot(f, u)


def make_fem(rng, n):
    return rng.standard_normal(n) * 0.1, 2.0 + rng.random(), rng.standard_normal(n)


# 42. euler simulation of a damped pendulum vs data (trajectory list, np.array)
def pendulum_fit(theta, data):
    omega2, damping = theta[0], theta[1]
    q, p = 1.0, 0.0
    traj = []
    for _ in range(len(data)):
        p = p - 0.05 * (omega2 * np.sin(q) + damping * p)
        q = q + 0.05 * p
        traj.append(q)
    return np.mean((np.array(traj) - data) ** 2)


def make_pendulum(rng, n):
    return np.array([2.0, 0.1]) + 0.1 * rng.random(2), np.cos(np.linspace(0, 3, n + 5))


# 43. conv1d by slicing, then relu and max-pool
def conv1d_loss(kernel, signal):
    k = len(kernel)
    out = np.zeros(len(signal) - k + 1)
    for i in range(len(out)):
        out[i] = np.dot(kernel, signal[i : i + k])
    act = np.maximum(out, 0.0)
    pooled = [max(act[i], act[i + 1]) for i in range(0, len(act) - 1, 2)]
    return sum(pooled)


def make_conv(rng, n):
    return rng.standard_normal(3), rng.standard_normal(n + 6)


# 44. tuple unpacking, swap, early return inside a loop
def bisect_root(a, b):
    lo, hi = 0.0, 3.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        val = mid**3 - a * mid - b
        if abs(val) < 1e-13:
            break
        if val > 0:
            hi = mid
        else:
            lo = mid
    else:
        mid = lo
    # two Newton steps so that the root carries its derivatives (implicit function theorem)
    root = mid
    for _ in range(2):
        root = root - (root**3 - a * root - b) / (3 * root**2 - a)
    if root > 2.9:
        return 0.0
    return root * a


def make_bisect(rng, n):
    return 1.0 + 0.1 * rng.random(), 1.0 + 0.1 * rng.random()


# 45. determinant, inverse and trace
def matrix_objective(A):
    B = A @ A.T + np.eye(A.shape[0])
    return np.log(np.linalg.det(B)) + np.trace(np.linalg.inv(B)) + np.linalg.norm(A, "fro")


def make_matrix(rng, n):
    return rng.standard_normal((n, n))


# 46. vector output: softmax
def softmax(z, temperature):
    e = np.exp((z - np.max(z)) / temperature)
    return e / e.sum()


def make_softmax(rng, n):
    return rng.standard_normal(n), 1.5


# 47. vector output: trajectory of an ODE by forward Euler
def euler_traj(y0, k):
    ys = [y0]
    y = y0
    for _ in range(5):
        y = y + 0.1 * (-k * y + np.sin(y))
        ys.append(y)
    return np.stack(ys)


def make_euler(rng, n):
    return rng.standard_normal(n), 0.5 + rng.random()


# 48. vector output: residuals for least squares
def residuals(params, t, y):
    a, b, c = params
    return a * np.exp(-b * t) + c - y


def make_residuals(rng, n):
    t = np.linspace(0, 2, n + 3)
    return np.array([1.0, 0.7, 0.1]) + 0.1 * rng.random(3), t, np.exp(-t)


# 49. per-sample gradient-ish loop with list of losses and np.mean
def per_sample(w, X, y):
    losses = [np.log1p(np.exp(-yi * (xi @ w))) for xi, yi in zip(X, y)]
    return np.mean(losses) + 0.5 * REG * w @ w


def make_per_sample(rng, n):
    return rng.standard_normal(n), rng.standard_normal((6, n)), np.sign(rng.standard_normal(6))


# 50. global constant arrays and a nested def
KERNEL = np.array([0.25, 0.5, 0.25])


def smooth_penalty(x, lam):
    def blur(v):
        return np.convolve(v, KERNEL, mode="same")

    y = blur(blur(x))
    return np.sum((y - x) ** 2) + lam * np.sum(np.abs(np.diff(x)))


def make_smooth(rng, n):
    return rng.standard_normal(n + 3), 0.3


# 51. view of a reshaped copy written in place, base read later: README says refused
def reshape_view_write(x):
    y = x.copy()
    r = y.reshape(2, -1)
    r[0] += 1.0
    return np.sum(y * x)


def make_view_write(rng, n):
    return rng.standard_normal(2 * n)


# 52. local rng made in the function: README says refused
def local_rng_dropout(w, x):
    rng = np.random.default_rng(0)
    mask = rng.random(len(w)) > 0.5
    return np.sum((w * mask) @ x)


def make_local_rng(rng, n):
    return rng.standard_normal(n), rng.standard_normal(n)


# 53. Metropolis-style energy with clipping and sorted
def sorted_energy(x, temperature):
    ordered = sorted(x)
    gaps = [b - a for a, b in zip(ordered[:-1], ordered[1:])]
    return sum(math.exp(-g / temperature) for g in gaps) + max(x) - min(x)


def make_sorted(rng, n):
    return list(rng.standard_normal(n) * 3), 0.8


# 55. scatter with repeated indices: `a[idx] += v` adds once per distinct index in NumPy
def scatter_repeat(x, v):
    a = np.zeros(len(x))
    idx = np.array([0, 1, 1, 2, 0])
    a[idx] += v * x[:5] if len(x) >= 5 else v
    return np.sum(a * x)


def make_scatter(rng, n):
    return rng.standard_normal(n + 3), 1.3


# 56. 2-D heat equation with a 2-D slice stencil
def heat2d(u0, kappa):
    u = u0.copy()
    for _ in range(5):
        lap = u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4 * u[1:-1, 1:-1]
        u[1:-1, 1:-1] += 0.2 * kappa * lap
    return np.sum(u**3)


def make_heat2d(rng, n):
    return rng.random((n + 2, n + 3)), 0.9 + 0.1 * rng.random()


# 57. closure factory: make_loss(X, y) returns loss(w)
def make_loss(X, y, reg=0.1):
    def loss(w, scale):
        r = X @ w - y
        return scale * np.sum(r**2) + reg * np.sum(w**2)

    return loss


def closure_factory(w, scale, X, y):
    loss = make_loss(X, y)
    return loss(w, scale)


def make_factory(rng, n):
    return rng.standard_normal(n), 0.7, rng.standard_normal((5, n)), rng.standard_normal(5)


# 58. Cholesky-based GP (np.linalg.cholesky, triangular solves by np.linalg.solve)
def gp_chol(log_ls, X, y):
    ls = np.exp(log_ls)
    d = (X[:, None] - X[None, :]) / ls
    K = np.exp(-0.5 * d**2) + 0.1 * np.eye(len(X))
    L = np.linalg.cholesky(K)
    z = np.linalg.solve(L, y)
    return 0.5 * z @ z + np.sum(np.log(np.diag(L)))


def make_gp_chol(rng, n):
    return (
        0.2 * rng.standard_normal(),
        np.sort(rng.standard_normal(n + 2)),
        rng.standard_normal(n + 2),
    )


# 59. PCA-like objective with eigh
def top_eig(A):
    S = A.T @ A
    vals, vecs = np.linalg.eigh(S)
    return vals[-1] + 0.1 * np.sum(vals**2)


def make_eig(rng, n):
    return rng.standard_normal((n + 2, n))


# 60. einsum bilinear form
def bilinear(U, V, T):
    return np.einsum("ij,jk,ik->", U, T, V) + np.einsum("ii->", U @ V.T)


def make_bilinear(rng, n):
    return rng.standard_normal((n, n)), rng.standard_normal((n, n)), rng.standard_normal((n, n))


# 61. sort, interp, polyval
def sorted_interp(x, c):
    xs = np.sort(x)
    grid = np.linspace(-1.0, 1.0, 7)
    yi = np.interp(xs, grid, np.cumsum(np.abs(grid)))
    return np.sum(yi) + np.polyval(np.array([c, 1.0, -c]), xs).sum()


def make_sorted_interp(rng, n):
    return rng.standard_normal(n) * 1.5, 0.4


# 62. cumprod survival curve, hstack/vstack
def survival(hazard, w):
    surv = np.cumprod(1.0 - hazard)
    feats = np.hstack([surv, hazard])
    stacked = np.vstack([feats, feats**2])
    return np.sum(stacked @ np.concatenate([w, w]))


def make_survival(rng, n):
    return 0.1 + 0.3 * rng.random(n), rng.standard_normal(n)


# 63. while True with a break, chained comparison, clamp with min/max
def damped_until_small(x0, damping):
    x, v = x0, 0.0
    t = 0
    while True:
        a = -x - damping * v
        v = v + 0.1 * a
        x = x + 0.1 * v
        t += 1
        if not (-0.05 < x < 0.05) and t < 200:
            continue
        break
    return min(max(x * 10.0, -0.3), 0.3) + v**2


def make_damped(rng, n):
    return 1.0 + 0.1 * rng.random(), 0.3 + 0.05 * rng.random()


# 64. zip(*pairs), float() of an array sum, list element +=
def pairs_loss(a, b):
    pairs = [(a[i], b[i]) for i in range(len(a))]
    xs, ys = zip(*pairs)
    acc = [0.0, 0.0]
    for x, y in zip(xs, ys):
        acc[0] += x * y
        acc[1] += float(np.exp(x - y))
    return acc[0] ** 2 + acc[1]


def make_pairs(rng, n):
    return rng.standard_normal(n), rng.standard_normal(n)


# 65. a class hierarchy of layers
class Layer:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.activation(self.W @ x)

    def activation(self, z):
        return z


class TanhLayer(Layer):
    def activation(self, z):
        return np.tanh(z)


class SoftplusLayer(Layer):
    def activation(self, z):
        return np.logaddexp(0.0, z)


class Net:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x


def net_loss(net, x, y):
    return np.sum((net(x) - y) ** 2)


def make_net(rng, n):
    net = Net(
        [
            TanhLayer(rng.standard_normal((n, 3)) * 0.5),
            SoftplusLayer(rng.standard_normal((n, n)) * 0.5),
            Layer(rng.standard_normal((2, n))),
        ]
    )
    return net, rng.standard_normal(3), rng.standard_normal(2)


# 66. functools.partial and a lambda, given to a helper integrating an ODE
def integrate(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def decay(y, k, c=0.0):
    return -k * y + c * np.sin(y)


def ode_partial(y0, k):
    y = integrate(functools.partial(decay, k=k, c=0.5), y0, 0.1, 10)
    z = integrate(lambda u: -(u**3), y, 0.05, 5)
    return np.sum(z**2)


def make_ode_partial(rng, n):
    return rng.standard_normal(n), 0.8


# 67. np.linalg.norm along an axis, std with ddof, tril
def stats_loss(X):
    norms = np.linalg.norm(X, axis=1)
    s = X.std(axis=0, ddof=1)
    L = np.tril(X[: X.shape[1], :])
    return np.sum(norms) + np.sum(s) + np.sum(L**2)


def make_stats(rng, n):
    return rng.standard_normal((n + 2, n))


# 68. scipy.special functions and scipy.stats logpdfs
def bayes_logpost(theta, data):
    mu, log_sigma = theta[0], theta[1]
    sigma = np.exp(log_sigma)
    ll = np.sum(scipy.stats.norm.logpdf(data, mu, sigma))
    prior = scipy.stats.norm.logpdf(mu, 0.0, 10.0) + scipy.stats.t.logpdf(log_sigma, 3.0)
    return ll + prior + np.sum(scipy.special.expit(data * mu))


def make_bayes(rng, n):
    return np.array([0.3, -0.2]) + 0.1 * rng.standard_normal(2), rng.standard_normal(n + 4)


# 69. masked update on a local array, negative step slices
def masked_reverse(x, thresh):
    y = x * 2.0
    y[y < thresh] = 0.0
    z = y[::-1] + x[::-1] * thresh
    return np.sum(z * np.arange(len(z))) + np.sum(np.outer(x, z[:3]))


def make_masked(rng, n):
    return rng.standard_normal(n), 0.1


# 70. a module-level jitted-style "step" function used by a loss with a global rebound later
SCALE = 2.0


def scaled_loss(x):
    return SCALE * np.sum(np.sin(x) ** 2)


def make_scaled(rng, n):
    return rng.standard_normal(n)


# 71. x.T written in place on a local copy: refused (see test)
def transpose_write(A, s):
    B = A.copy()
    B.T[0] = B.T[0] * s
    return np.sum(B**2) + np.sum(B[:, 0])


def make_transpose_write(rng, n):
    return rng.standard_normal((n, 3)), 1.5


# 72. a closure made by a factory at module level, differentiated itself
_R = np.random.default_rng(11)
LOSS_FN = make_loss(_R.standard_normal((5, 3)), _R.standard_normal(5), reg=0.2)


def make_loss_fn(rng, n):
    return rng.standard_normal(3), 0.5 + rng.random()


# 73. arguments that are not differentiated change between calls: ints, flags, strings, None
def configurable(x, w, n_steps, training=True, act="tanh", mask=None, lr=0.1):
    h = x.copy()
    for step in range(n_steps):
        z = h * w
        if act == "tanh":
            h = np.tanh(z)
        elif act == "relu":
            h = np.maximum(z, 0.0) + 0.01 * z
        else:
            h = z / (1.0 + np.abs(z))
        if training:
            h = h - lr * step * h**2
    if mask is not None:
        h = h * mask
    if len(x) > 3:
        h = h[:3] * 2.0
    return np.sum(h**2) + np.sum(w)


# 74. a lambda and a nested def given to the integrator helper (README: supported)
def ode_lambda(y0, k):
    def rhs(u):
        return decay(u, k, c=0.5)

    y = integrate(rhs, y0, 0.1, 10)
    z = integrate(lambda u: -(u**3), y, 0.05, 5)
    return np.sum(z**2)


# 75. a partial of constants given to the integrator helper
def ode_const_partial(y0, k):
    y = integrate(functools.partial(decay, k=0.8, c=0.5), y0, 0.1, 10)
    return np.sum(y**2) * k


# 76. heat equation with np.pad boundary, np.gradient and np.trapezoid
def heat_pad(u0, D):
    u = u0
    for _ in range(6):
        up = np.pad(u, 1, mode="edge")
        u = u + 0.2 * D * (up[2:] - 2 * up[1:-1] + up[:-2])
    du = np.gradient(u, 0.1)
    return np.trapezoid(u**2, dx=0.1) + 0.01 * np.sum(du**2)


def make_heat_pad(rng, n):
    return rng.random(n + 4), 0.8 + 0.1 * rng.random()


# 77. angular momentum and torque with np.cross, arctan2, hypot
def rigid_body(r, v, m):
    L = np.sum(m[:, None] * np.cross(r, v), axis=0)
    angles = np.arctan2(r[:, 1], r[:, 0])
    radii = np.hypot(r[:, 0], r[:, 1])
    return L @ L + np.sum(np.sin(angles) * radii)


def make_rigid(rng, n):
    return rng.standard_normal((n, 3)), rng.standard_normal((n, 3)), 1.0 + rng.random(n)


# 78. clipped binary cross entropy
def bce(logits, y):
    p = 1.0 / (1.0 + np.exp(-logits))
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def make_bce(rng, n):
    return rng.standard_normal(n) * 2, (rng.random(n) > 0.5).astype(float)


# 79. batched matmul with None axes, expand_dims, broadcast_to, tensordot
def batched(W, X):
    H = np.matmul(X[:, None, :], W[None, :, :])[:, 0, :]
    e = np.expand_dims(np.sum(H, axis=1), -1)
    B = np.broadcast_to(e, H.shape)
    return np.sum(np.tanh(H) * B) + np.tensordot(W, W, axes=2)


def make_batched(rng, n):
    return rng.standard_normal((3, n)) * 0.5, rng.standard_normal((4, 3))


# 80. gather by argmax and take_along_axis (hard attention / max-margin)
def max_margin(scores, labels):
    best_wrong = np.where(np.arange(scores.shape[1])[None, :] == labels[:, None], -np.inf, scores)
    idx = np.argmax(best_wrong, axis=1)
    wrong = np.take_along_axis(scores, idx[:, None], axis=1)[:, 0]
    right = scores[np.arange(len(labels)), labels]
    return np.sum(np.maximum(0.0, 1.0 + wrong - right))


def make_margin(rng, n):
    return rng.standard_normal((5, n)), rng.integers(0, n, 5)


# 81. sum of a list of arrays, x.item(), enumerate with start
def list_of_arrays(xs_w, scale):
    terms = []
    for k, row in enumerate(xs_w, start=1):
        terms.append(np.sin(row) / k)
    total = sum(terms)
    first = float(total[0])
    return np.sum(total**2) * scale + first


def make_list_arrays(rng, n):
    return rng.standard_normal((4, n)), 1.2


# 82. matrix power, pinv, outer products (Markov chain / least squares)
def markov(logits, v):
    P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    P5 = P @ P @ P @ P @ P
    A = np.outer(v, v) + np.eye(len(v))
    return np.sum(P5 @ v) + np.trace(np.linalg.pinv(A))


def make_markov(rng, n):
    return rng.standard_normal((n, n)), rng.standard_normal(n)


# 83. nonzero indices, searchsorted bins, minimum/maximum
def binned(x, w):
    idx = np.nonzero(x > 0)[0]
    pos = x[idx]
    edges = np.array([-1.0, 0.0, 0.5, 1.5])
    b = np.searchsorted(edges, x)
    return np.sum(pos**2) + np.sum(np.minimum(x, w) * b) + np.max(np.maximum(x, 0.1 * w))


def make_binned(rng, n):
    return rng.standard_normal(n), rng.standard_normal(n)


# 84. frozen dataclass with __post_init__-free derived property, held in a list
@dataclasses.dataclass(frozen=True)
class Spring:
    k: float
    rest: float

    @property
    def stiffness(self):
        return self.k * 2.0


def springs_energy(springs, x):
    e = 0.0
    for i, s in enumerate(springs):
        d = x[i + 1] - x[i]
        e += 0.5 * s.stiffness * (d - s.rest) ** 2
    return e


def make_springs(rng, n):
    return [Spring(1.0 + rng.random(), 0.5 + rng.random()) for _ in range(n)], np.cumsum(
        rng.random(n + 1)
    )


# 85. Metropolis-adjusted style: log-density with np.logaddexp.reduce and np.add.reduce
def mixture_logpdf(x, shift):
    comps = np.stack([-0.5 * (x - shift) ** 2, -0.5 * (x + shift) ** 2])
    return np.sum(np.logaddexp(comps[0], comps[1])) + np.sum(x)


def make_mixture(rng, n):
    return rng.standard_normal(n), 1.0 + 0.1 * rng.random()


# 86-93. in-place idioms on local arrays
def shift_overlap(x):
    a = x.copy()
    a[1:] = a[:-1] * 1.0
    a[1:] = a[:-1]
    return np.sum(a * np.arange(len(a)) * x)


def swap_halves(x):
    a = x * 1.0
    a[::2], a[1::2] = a[1::2], a[::2].copy()
    return np.sum(a * np.arange(len(a)) * x)


def neumann(u0, k):
    u = np.tile(u0, (3, 1)) * 1.0
    for _ in range(3):
        u[1:-1, 1:-1] = u[1:-1, 1:-1] + k * (u[1:-1, 2:] - u[1:-1, 1:-1])
        u[:, 0] = u[:, 1]
        u[:, -1] = u[:, -2]
    return np.sum(u**2)


def diag_indices_noise(x, noise):
    K = np.outer(x, x)
    K[np.diag_indices(len(x))] += noise
    return np.sum(np.linalg.inv(K + np.eye(len(x))))


def sym_inplace(A):
    B = A.copy()
    B += B.T
    return np.sum(B**3)


def fancy_self(x):
    y = x.copy()
    idx = np.array([2, 0])
    y[idx] = y[idx] * 2.0 + y[::-1][:2]
    return np.sum(y**2)


def chain_alias(x):
    a = b = np.zeros(len(x))
    a[0] = x[0] * 3.0
    b[1] = x[1] ** 2
    return np.sum(a * b) + np.sum(b) + a[1]


def ravel_loop(X):
    Y = X.copy()
    total = 0.0
    for v in Y.ravel():
        total += v**2
    Y[0, 0] = 3.0
    return total + np.sum(Y * X)


def make_vec(rng, n):
    return rng.standard_normal(n + 2)


def make_vec_scalar(rng, n):
    return rng.standard_normal(n + 2), 0.3 + 0.1 * rng.random()


def make_square(rng, n):
    return rng.standard_normal((n, n))


# refused constructs (README: refused with a located error)
def fill_diag(x, noise):
    K = np.outer(x, x)
    np.fill_diagonal(K, noise)
    return np.sum(K**2)


def row_view(A):
    B = A * 1.0
    row = B[0]
    row *= 2.0
    return np.sum(B**2)


def arg_reshape_write(x):
    y = x.reshape(-1)
    y[0] = 0.0
    return np.sum(y**2)


def matrix_power_loss(A):
    return np.sum(np.linalg.matrix_power(A, 3))


def ufunc_reduce_loss(x):
    return np.add.reduce(x**2)


def item_loss(x):
    return x[0].item() * 2.0 + np.sum(x)


def make_even(rng, n):
    return rng.standard_normal(2 * n)


# 94. checkpointed simulation loop (README: `for t in checkpoint(range(n))`)
def checkpointed_sim(x0, k):
    x = x0
    v = np.zeros_like(x0)
    for _ in ad.checkpoint(range(30)):
        a = -k * np.sin(x) - 0.1 * v
        v = v + 0.05 * a
        x = x + 0.05 * v
    return np.sum(x**2 + v**2)


# 95. loss returning (value, aux) handled by vjp; a float32 data batch with float64 weights
def loss_with_aux(w, X):
    pred = np.tanh(X @ w)
    return np.mean(pred**2), pred


def make_aux(rng, n):
    return rng.standard_normal(n), rng.standard_normal((4, n)).astype(np.float32)


def float32_data_loss(w, X):
    return np.mean(np.tanh(X @ w) ** 2)


# 96. a plain class whose method calls another of its methods (no inheritance, no property)
class Affine:
    def __init__(self, W):
        self.W = W

    def act(self, z):
        return np.tanh(z)

    def forward(self, x):
        return self.act(self.W @ x)


def affine_loss(layer, x):
    return np.sum(layer.forward(x) ** 2)


def make_affine(rng, n):
    return Affine(rng.standard_normal((2, n)) * 0.5), rng.standard_normal(n)
