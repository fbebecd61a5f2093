"""Issue 17 breakers: second and higher derivatives of realistic user programs.

Each case checks hessian against central differences of s2s_ad.grad (and of a hand-written
gradient where given), symmetry, jacfwd(grad) and jacrev(grad), and the primal value.
"""

import dataclasses
import math
from typing import NamedTuple

import numpy as np
import pytest
import scipy.special

import s2s_ad as ad

RNG = np.random.default_rng(17)
X5 = RNG.normal(size=5)
X4 = RNG.normal(size=4)
X3 = RNG.normal(size=3)
A33 = RNG.normal(size=(3, 3))
SPD = A33 @ A33.T + 3.0 * np.eye(3)
DATA = RNG.normal(size=(6, 3))
Y6 = RNG.normal(size=6)
LABELS = np.array([0, 2, 1, 1, 0, 2])


def fd_jac(g, x, eps=1e-5):
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = eps
        cols.append((np.asarray(g(x + e)) - np.asarray(g(x - e))).ravel() / (2 * eps))
    return np.stack(cols, axis=-1).reshape(np.shape(g(x)) + x.shape)


# ---------------------------------------------------------------- physics


def pendulum_energy_after_steps(q):
    # q = [theta, omega]; leapfrog / Verlet steps, final energy
    th, om = q[0], q[1]
    dt = 0.05
    for _ in range(20):
        om = om - 0.5 * dt * np.sin(th)
        th = th + dt * om
        om = om - 0.5 * dt * np.sin(th)
    return 0.5 * om**2 + (1.0 - np.cos(th)) + th * om


def pair_energy(x):
    # Lennard-Jones-like on 1-D positions with a pair loop
    e = 0.0
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            r = x[i] - x[j]
            r2 = r * r + 1.0
            e = e + 1.0 / r2**6 - 2.0 / r2**3
    return e


def rk4_step(y, dt):
    k1 = -y + np.sin(y)
    k2 = -(y + 0.5 * dt * k1) + np.sin(y + 0.5 * dt * k1)
    k3 = -(y + 0.5 * dt * k2) + np.sin(y + 0.5 * dt * k2)
    k4 = -(y + dt * k3) + np.sin(y + dt * k3)
    return y + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def rk4_integrate(y):
    for _ in range(8):
        y = rk4_step(y, 0.1)
    return np.sum(y**2)


def integrate_until_event(x):
    # explicit Euler until the height falls below 0.2 (while loop, event)
    h = x[0] ** 2 + 1.0
    v = x[1]
    t = 0.0
    n = 0
    while h > 0.2 and n < 50:
        v = v - 0.1 * (1.0 + 0.1 * h)
        h = h + 0.1 * v
        t = t + 0.1
        n += 1
    return h * v + t * x[0]


def checkpointed_pendulum(q):
    th, om = q[0], q[1]
    for _ in ad.checkpoint(range(16), every=4):
        om = om - 0.05 * np.sin(th)
        th = th + 0.05 * om
    return th**2 * om + np.cos(om)


def damped_with_bounce(x):
    # a branch taken on some iterations only
    p = x[0]
    v = x[1]
    for _ in range(12):
        p = p + 0.2 * v
        if p < 0.0:
            p = -p
            v = -0.8 * v
        v = v - 0.2
    return p * p + v * p


# ---------------------------------------------------------------- statistics


def gamma_loglik(theta):
    a = np.exp(theta[0])
    b = np.exp(theta[1])
    y = np.abs(Y6) + 0.5
    return np.sum(a * np.log(b) - scipy.special.gammaln(a) + (a - 1.0) * np.log(y) - b * y)


def logistic_loglik(w):
    z = DATA @ w
    y = (Y6 > 0).astype(float)
    p = scipy.special.expit(z)
    return np.sum(y * np.log(p) + (1.0 - y) * np.log1p(-p)) - 0.1 * np.sum(w**2)


def probit_loglik(w):
    z = DATA @ w
    y = np.where(Y6 > 0, 1.0, -1.0)
    return np.sum(scipy.special.log_ndtr(y * z))


def gmm_loglik(mu):
    # 1-D mixture of 3 Gaussians, logsumexp over components
    x = Y6[:, None]
    lp = -0.5 * (x - mu[None, :]) ** 2 - np.log(3.0)
    return np.sum(scipy.special.logsumexp(lp, axis=1))


def gmm_loglik_manual(mu):
    x = Y6[:, None]
    lp = -0.5 * (x - mu[None, :]) ** 2
    m = np.max(lp, axis=1, keepdims=True)
    return np.sum(m[:, 0] + np.log(np.sum(np.exp(lp - m), axis=1)))


def gp_marginal_loglik(theta):
    ell = np.exp(theta[0])
    sf2 = np.exp(theta[1])
    sn2 = np.exp(theta[2])
    x = DATA[:, 0]
    d = x[:, None] - x[None, :]
    K = sf2 * np.exp(-0.5 * d**2 / ell**2) + sn2 * np.eye(len(x))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, Y6))
    return -0.5 * Y6 @ alpha - np.sum(np.log(np.diag(L)))


def gp_slogdet(theta):
    x = DATA[:, 0]
    d = x[:, None] - x[None, :]
    K = np.exp(theta[1]) * np.exp(-0.5 * d**2 / np.exp(2 * theta[0])) + np.exp(theta[2]) * np.eye(6)
    _sign, logdet = np.linalg.slogdet(K)
    return -0.5 * Y6 @ np.linalg.solve(K, Y6) - 0.5 * logdet


def poisson_loglik(w):
    rate = np.exp(DATA @ w)
    counts = np.round(np.abs(Y6) * 3)
    return np.sum(counts * np.log(rate) - rate - scipy.special.gammaln(counts + 1.0))


def student_t_loglik(p):
    nu = np.exp(p[0]) + 1.0
    mu = p[1]
    r = Y6 - mu
    return np.sum(
        scipy.special.gammaln((nu + 1) / 2)
        - scipy.special.gammaln(nu / 2)
        - 0.5 * np.log(nu * np.pi)
        - (nu + 1) / 2 * np.log1p(r**2 / nu)
    )


def black_scholes_price(s):
    # s = [spot, vol]
    k, t, r = 1.0, 0.5, 0.01
    sig = s[1]
    d1 = (np.log(s[0] / k) + (r + 0.5 * sig**2) * t) / (sig * np.sqrt(t))
    d2 = d1 - sig * np.sqrt(t)
    return s[0] * scipy.special.ndtr(d1) - k * np.exp(-r * t) * scipy.special.ndtr(d2)


# ---------------------------------------------------------------- ML


def dense(W, b, x):
    return np.tanh(W @ x + b)


def mlp_flat(w):
    W1 = w[:6].reshape(2, 3)
    b1 = w[6:8]
    W2 = w[8:10].reshape(1, 2)
    h = dense(W1, b1, DATA[0])
    return np.sum((W2 @ h) ** 2) + np.sum(h)


def softmax_xent(w):
    W = w.reshape(3, 3)
    logits = DATA @ W
    logits = logits - np.max(logits, axis=1, keepdims=True)
    logp = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(6), LABELS])


def softmax_xent_onehot(w):
    W = w.reshape(3, 3)
    logits = DATA @ W
    onehot = np.eye(3)[LABELS]
    lse = scipy.special.logsumexp(logits, axis=1)
    return np.mean(lse - np.sum(onehot * logits, axis=1))


def layer_loop(w):
    params = [(w[:9].reshape(3, 3), w[9:12]), (w[12:15].reshape(1, 3), w[15:16])]
    x = DATA[1]
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    return np.sum((W @ x + b) ** 2)


def l2_normalize_then_loss(x):
    u = x / np.linalg.norm(x)
    return np.sum(u * np.arange(1.0, len(x) + 1.0)) ** 2


def attention_like(x):
    q = x[:3]
    K = DATA[:4]
    s = K @ q
    a = np.exp(s - np.max(s))
    a = a / np.sum(a)
    return np.sum(a * (K @ x[3:6]))


# ---------------------------------------------------------------- numerics


def f_sort(x):
    s = np.sort(x)
    return np.sum(s * np.arange(1.0, len(x) + 1.0) ** 2) + s[0] * s[-1]


def f_cumprod(x):
    return np.sum(np.cumprod(1.0 + 0.1 * x) ** 2)


def f_prod(x):
    return np.prod(x) + np.prod(x**2 + 1.0)


def f_norm(x):
    return np.linalg.norm(x) ** 3 + np.linalg.norm(x, 1) * np.linalg.norm(x, np.inf)


def f_clip_where(x):
    y = np.clip(x, -0.5, 0.5)
    z = np.where(x > 0.1, x**3, np.sin(x))
    return np.sum(y**2 * z) + np.sum(np.maximum(x, 0.2) ** 3)


def f_abs_nonkink(x):
    return np.sum(np.abs(x) ** 3) + abs(x[0] * x[1]) * x[2]


def f_det_inv(x):
    M = SPD + np.outer(x[:3], x[:3])
    return np.linalg.det(M) + np.trace(np.linalg.inv(M))


def f_eigvalsh(x):
    M = SPD + np.diag(x[:3]) + 0.1 * np.outer(x[:3], x[:3])
    w = np.linalg.eigvalsh(M)
    return w[0] * w[-1] + np.sum(w**2)


def f_concat_stack(x):
    a = np.concatenate([x, x**2, np.sin(x)])
    b = np.stack([x, np.cos(x)])
    return np.sum(a**2) * np.sum(b[1] * b[0])


def f_einsum(x):
    M = x[:4].reshape(2, 2)
    return np.einsum("ij,jk,ki->", M, M, M) + np.einsum("i,i->", x, x) ** 2


def f_logaddexp_hypot(x):
    return np.sum(np.logaddexp(x, 2 * x)) + np.sum(np.hypot(x, 1.0 + x**2))


def f_tile_repeat_pad(x):
    t = np.tile(x, 2)
    r = np.repeat(x, 2)
    p = np.pad(x, 1)
    return np.sum(t * r) + np.sum(p**3)


def f_cumsum_diff(x):
    c = np.cumsum(x**2)
    return np.sum(np.diff(c) ** 2) + c[-1] ** 2


def f_float_pow(x):
    return np.sum(np.sqrt(x**2 + 1.0) ** 1.5) + np.sum(np.power(x**2 + 2.0, x))


def f_arctan2(x):
    return np.sum(np.arctan2(x, 1.0 + x**2) * x)


# ---------------------------------------------------------------- control flow


def loop_counter_index(x):
    s = 0.0
    for m in range(len(x)):
        s = s + x[m] * x[(m + 1) % len(x)] ** 2
    return s


def fill_local_array(x):
    res = np.zeros(len(x))
    for m in range(len(x)):
        res[m] = np.sin(x[m]) * x[m - 1]
    return np.sum(res**2)


def branch_some_iterations(x):
    for i in range(len(x)):
        if x[i] > 0.0:  # noqa: SIM108
            x = x * np.sin(x[i])
        else:
            x = x + x[i] ** 2
    return np.sum(x**2)


def break_continue_loop(x):
    s = 0.0
    for i in range(10):
        if i % 3 == 0:
            continue
        s = s + np.exp(0.1 * x[i % len(x)]) * s + x[0] * (1.0 + 0.5)
        if s > 50.0:
            break
    return s * x[1]


def early_return(x):
    acc = x[0]
    for i in range(1, len(x)):
        acc = acc * np.cos(x[i]) + x[i] ** 2
        if acc > 3.0:
            return acc * x[0]
    return acc**2


def while_newton_sqrt(x):
    # Newton iteration inside: sqrt of a via a while loop, then a loss
    a = x[0] ** 2 + 2.0
    y = a
    k = 0
    while k < 30 and abs(y * y - a) > 1e-14:
        y = 0.5 * (y + a / y)
        k += 1
    return y * x[1] ** 2


def tape_of_lists(x):
    hist = []
    h = x
    for _ in range(4):
        h = np.tanh(h * 1.3 + 0.1)
        hist.append(h)
    return sum(np.sum(v**2) for v in hist) + np.sum(np.array(hist)[:, 0])


def tuple_grown_in_loop(x):
    pair = (x[0], x[1])
    for _ in range(5):
        pair = (pair[1] * 0.9, np.sin(pair[0]) + pair[1] * x[2])
    return pair[0] * pair[1]


def elif_chain_loop(x):
    s = 0.0
    for i in range(len(x)):
        v = x[i]
        if v > 1.0:
            s = s + v**3
        elif v > 0.0:
            s = s + np.sin(v) * s
        elif v > 100.0:
            s = s - v
        else:
            s = s + v**2 * x[0]
    return s


def max_in_loop(x):
    v = x
    for _ in range(3):
        v = v - (np.max(v) if 1.09 > 1.5 else 2.0) * 0.1 * v
    return np.sum(v**3)


def noisy_helper(x):
    print("noisy helper called", x.shape)
    return np.sum(x**3)


def helper_with_print(x):
    return noisy_helper(x) * np.sum(np.sin(x))


def inner_helper(x, scale=2.0):
    return np.sin(x) * scale, np.cos(x)


def outer_helper(x):
    a, b = inner_helper(x)
    return np.sum(a * b), a


def nested_helpers_in_loop(x):
    s = 0.0
    for _ in range(3):
        v, a = outer_helper(x)
        s = s + v
        x = x + 0.1 * a
    return s


def g_inner(x):
    return np.sum(np.sin(x) * x**2)


def grad_inside(x):
    return np.sum(ad.grad(g_inner)(x) ** 2)


# ---------------------------------------------------------------- structures


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Model:
    W: np.ndarray
    c: np.ndarray


def namedtuple_loss(p):
    return np.sum(np.tanh(DATA @ p.w + p.b) ** 2)


def dataclass_loss(m):
    h = np.tanh(DATA @ m.W)
    return np.sum((h @ m.c - Y6) ** 2)


def dict_loss(p):
    h = np.tanh(DATA @ p["w"] + p["b"])
    return np.sum(h**2 * p["s"])


def two_args(x, y):
    return np.sum(np.sin(x) * y**2) + np.sum(x) * np.sum(y**3)


# ---------------------------------------------------------------- user rules


def softplus(x):
    return np.log1p(np.exp(x))


ad.defjvp(softplus, lambda d, ans, x: d * scipy.special.expit(x))
ad.defvjp(softplus, lambda g, ans, x: g * scipy.special.expit(x))


def softplus_loss(x):
    return np.sum(softplus(x * 2.0) ** 2)


def mysq(x):
    return x * x


def mysq_vjp(g, ans, x):
    return 2.0 * g * x


ad.defvjp(mysq, mysq_vjp)
ad.defjvp(mysq, lambda d, ans, x: 2.0 * d * x)


def mysq_loss(x):
    return np.sum(mysq(np.sin(x)) * x)


# ---------------------------------------------------------------- tables


CASES = {
    "pendulum_verlet": (pendulum_energy_after_steps, np.array([0.7, -0.3])),
    "pair_energy": (pair_energy, np.array([0.0, 1.1, 2.3, 3.0])),
    "rk4": (rk4_integrate, X3.copy()),
    "integrate_until_event": (integrate_until_event, np.array([0.8, 0.3])),
    "checkpointed_pendulum": (checkpointed_pendulum, np.array([0.4, 0.2])),
    "bounce": (damped_with_bounce, np.array([0.3, -0.6])),
    "gamma_loglik": (gamma_loglik, np.array([0.4, -0.2])),
    "logistic": (logistic_loglik, X3.copy()),
    "probit": (probit_loglik, X3.copy()),
    "gmm_logsumexp": (gmm_loglik, np.array([-1.0, 0.0, 1.0])),
    "gmm_manual": (gmm_loglik_manual, np.array([-1.0, 0.0, 1.0])),
    "gp_cholesky": (gp_marginal_loglik, np.array([0.1, 0.2, -1.0])),
    "gp_slogdet": (gp_slogdet, np.array([0.1, 0.2, -1.0])),
    "poisson": (poisson_loglik, 0.3 * X3),
    "student_t": (student_t_loglik, np.array([1.0, 0.2])),
    "black_scholes": (black_scholes_price, np.array([1.1, 0.3])),
    "mlp_helper": (mlp_flat, RNG.normal(size=10)),
    "softmax_xent": (softmax_xent, RNG.normal(size=9)),
    "softmax_xent_onehot": (softmax_xent_onehot, RNG.normal(size=9)),
    "layer_loop": (layer_loop, 0.5 * RNG.normal(size=16)),
    "l2_normalize": (l2_normalize_then_loss, X4.copy()),
    "attention": (attention_like, RNG.normal(size=6)),
    "sort": (f_sort, X5.copy()),
    "cumprod": (f_cumprod, X5.copy()),
    "prod": (f_prod, X4.copy()),
    "norms": (f_norm, X4.copy()),
    "clip_where_maximum": (f_clip_where, np.array([-0.9, -0.2, 0.05, 0.3, 0.9])),
    "abs_nonkink": (f_abs_nonkink, X4.copy()),
    "det_inv": (f_det_inv, X3.copy()),
    "eigvalsh": (f_eigvalsh, X3.copy()),
    "concat_stack": (f_concat_stack, X3.copy()),
    "einsum": (f_einsum, X4.copy()),
    "logaddexp_hypot": (f_logaddexp_hypot, X3.copy()),
    "tile_repeat_pad": (f_tile_repeat_pad, X3.copy()),
    "cumsum_diff": (f_cumsum_diff, X4.copy()),
    "float_pow": (f_float_pow, X3.copy()),
    "arctan2": (f_arctan2, X3.copy()),
    "loop_counter_index": (loop_counter_index, X4.copy()),
    "fill_local_array": (fill_local_array, X4.copy()),
    "branch_some_iterations": (branch_some_iterations, np.array([0.5, -0.3, 0.2])),
    "break_continue": (break_continue_loop, np.array([0.9, 1.2, 0.4])),
    "early_return_hit": (early_return, np.array([1.5, 0.2, 1.4, 0.3])),
    "early_return_miss": (early_return, np.array([0.3, 0.2, 0.1, 0.3])),
    "while_newton": (while_newton_sqrt, np.array([0.7, 1.3])),
    "tape_of_lists": (tape_of_lists, X3.copy()),
    "tuple_grown": (tuple_grown_in_loop, np.array([0.3, 0.8, 0.5])),
    "elif_chain": (elif_chain_loop, np.array([0.5, 1.5, -0.4, 0.3])),
    "max_in_loop": (max_in_loop, X3.copy()),
    "helper_print": (helper_with_print, X3.copy()),
    "nested_helpers_loop": (nested_helpers_in_loop, X3.copy()),
    "grad_inside": (grad_inside, X3.copy()),
    "softplus_rule": (softplus_loss, X3.copy()),
    "mysq_rule": (mysq_loss, X3.copy()),
}


@pytest.mark.parametrize("name", list(CASES))
def test_hessian_vs_fd_of_grad(name):
    f, x = CASES[name]
    H = ad.hessian(f)(x)
    H_fd = fd_jac(ad.grad(f), x)
    assert H.shape == x.shape + x.shape
    np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", list(CASES))
def test_hessian_modes_agree(name):
    f, x = CASES[name]
    H = ad.hessian(f)(x)
    Hf = ad.jacfwd(ad.grad(f))(x)
    Hr = ad.jacrev(ad.grad(f))(x)
    np.testing.assert_allclose(Hf, H, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(Hr, H, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", list(CASES))
def test_hvp_and_grad_value(name):
    f, x = CASES[name]
    v = np.linspace(0.3, -0.7, x.size).reshape(x.shape)
    out = ad.hvp(f, (x,), (v,))
    hv = out[1] if isinstance(out, tuple) else out
    hv = hv[0] if isinstance(hv, tuple) else hv
    eps = 1e-5
    g = ad.grad(f)
    hv_fd = (g(x + eps * v) - g(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(hv, hv_fd, rtol=1e-5, atol=1e-6)
    val, _gr = ad.value_and_grad(f)(x)
    np.testing.assert_allclose(val, f(x), rtol=1e-12)


# ---------------------------------------------------------------- hand-written gradients


def hand_grad_pair_energy(x):
    g = np.zeros_like(x)
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            r = x[i] - x[j]
            r2 = r * r + 1.0
            de = (-6.0 / r2**7 + 6.0 / r2**4) * 2 * r
            g[i] += de
            g[j] -= de
    return g


def hand_grad_logistic(w):
    z = DATA @ w
    y = (Y6 > 0).astype(float)
    p = scipy.special.expit(z)
    return DATA.T @ (y - p) - 0.2 * w


def hand_grad_prod(x):
    return np.array([np.prod(np.delete(x, i)) for i in range(len(x))]) + np.array(
        [2 * x[i] * np.prod(np.delete(x**2 + 1.0, i)) for i in range(len(x))]
    )


HAND = {
    "pair_energy": (pair_energy, hand_grad_pair_energy, np.array([0.0, 1.1, 2.3, 3.0])),
    "logistic": (logistic_loglik, hand_grad_logistic, X3.copy()),
    "prod": (f_prod, hand_grad_prod, X4.copy()),
}


@pytest.mark.parametrize("name", list(HAND))
def test_hessian_vs_hand_gradient(name):
    f, g, x = HAND[name]
    np.testing.assert_allclose(ad.grad(f)(x), g(x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ad.hessian(f)(x), fd_jac(g, x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- scalars: grad(grad), third


def sc_pendulum_period(a):
    # period integral by midpoint rule in a loop
    s = 0.0
    n = 40
    for i in range(n):
        t = (i + 0.5) / n * np.pi / 2
        s = s + 1.0 / np.sqrt(1.0 - np.sin(a / 2) ** 2 * np.sin(t) ** 2)
    return 4.0 * s * (np.pi / 2) / n


def sc_loop_branch(x):
    for _ in range(2):
        if x > 1.0:
            x = np.sin(x) * x
    return x


def sc_erf_expit(x):
    return scipy.special.erf(x) * scipy.special.expit(2 * x) + scipy.special.ndtr(x)


def sc_while_halving(x):
    y = x
    while y > 0.1:
        y = y * 0.5 + 0.01 * y**2
    return y * x


def sc_newton_root(c):
    # solve z**3 + z = c by Newton: implicit function z(c)
    z = 0.0 * c
    for _ in range(30):
        z = z - (z**3 + z - c) / (3 * z**2 + 1.0)
    return z


def sc_softplus(x):
    return softplus(x) * x


def sc_break_mul(x):
    y = x
    for _i in range(10):
        y = y * (1.0 + 0.5) * 0.7 + np.sin(y)
        if y > 5.0:
            break
    return y


def sc_math_module(x):
    return math.exp(math.sin(x)) * math.log1p(x * x)


SCALARS = {
    "pendulum_period": (sc_pendulum_period, 0.8, None),
    "loop_branch_18": (sc_loop_branch, 18.0, None),
    "loop_branch_1.2": (sc_loop_branch, 1.2, None),
    "erf_expit_ndtr": (sc_erf_expit, 0.4, None),
    "while_halving": (sc_while_halving, 3.0, None),
    "newton_root": (sc_newton_root, 1.7, None),
    "softplus": (sc_softplus, 0.3, None),
    "break_mul": (sc_break_mul, 0.6, None),
    "math_module": (sc_math_module, 0.7, None),
}


@pytest.mark.parametrize("name", list(SCALARS))
def test_scalar_second_derivatives(name):
    f, x, _ = SCALARS[name]
    eps = 1e-5
    g = ad.grad(f)
    d2_fd = (g(x + eps) - g(x - eps)) / (2 * eps)
    gg = ad.grad(ad.grad(f))(x)
    h = ad.hessian(f)(x)
    np.testing.assert_allclose(gg, d2_fd, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.asarray(h), gg, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(ad.jacfwd(g)(x)), gg, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(np.asarray(ad.jacrev(g)(x)), gg, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", list(SCALARS))
def test_scalar_third_derivative(name):
    f, x, _ = SCALARS[name]
    eps = 1e-4
    gg = ad.grad(ad.grad(f))
    d3_fd = (gg(x + eps) - gg(x - eps)) / (2 * eps)
    ggg = ad.grad(ad.grad(ad.grad(f)))(x)
    np.testing.assert_allclose(ggg, d3_fd, rtol=1e-4, atol=1e-6)


def test_implicit_newton_root_exact():
    # z(c) with z**3 + z = c: z' = 1/(3z^2+1), z'' = -6 z z'^3
    c = 1.7
    z = sc_newton_root(c)
    zp = 1.0 / (3 * z**2 + 1.0)
    np.testing.assert_allclose(ad.grad(ad.grad(sc_newton_root))(c), -6 * z * zp**3, rtol=1e-8)


# ---------------------------------------------------------------- structures, wrt tuples


def test_hessian_namedtuple():
    p = Params(X3.copy(), 0.2)
    H = ad.hessian(namedtuple_loss)(p)

    # H.w.w compared with FD of grad.w
    def gw(w):
        return ad.grad(namedtuple_loss)(Params(w, 0.2)).w

    np.testing.assert_allclose(H.w.w, fd_jac(gw, p.w), rtol=1e-5, atol=1e-6)

    def gb(b):
        return ad.grad(namedtuple_loss)(Params(p.w, float(b))).w

    eps = 1e-5
    fd_wb = (gb(0.2 + eps) - gb(0.2 - eps)) / (2 * eps)
    np.testing.assert_allclose(np.asarray(H.w.b), fd_wb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(H.b.w), fd_wb, rtol=1e-5, atol=1e-6)


def test_hessian_dataclass():
    m = Model(0.5 * A33.copy(), X3.copy())
    H = ad.hessian(dataclass_loss)(m)

    def gc(c):
        return ad.grad(dataclass_loss)(Model(m.W, c)).c

    np.testing.assert_allclose(H.c.c, fd_jac(gc, m.c), rtol=1e-5, atol=1e-6)

    def gW(W):
        return ad.grad(dataclass_loss)(Model(W, m.c)).c

    np.testing.assert_allclose(H.c.W, fd_jac(gW, m.W), rtol=1e-5, atol=1e-6)


def test_hessian_dict():
    p = {"w": X3.copy(), "b": 0.1, "s": np.ones(6) * 0.5}
    H = ad.hessian(dict_loss)(p)

    def gw(w):
        return ad.grad(dict_loss)({"w": w, "b": 0.1, "s": p["s"]})["w"]

    np.testing.assert_allclose(H["w"]["w"], fd_jac(gw, p["w"]), rtol=1e-5, atol=1e-6)

    def gs(s):
        return ad.grad(dict_loss)({"w": p["w"], "b": 0.1, "s": s})["w"]

    np.testing.assert_allclose(H["w"]["s"], fd_jac(gs, p["s"]), rtol=1e-5, atol=1e-6)


def test_hessian_wrt_tuple():
    x, y = X3.copy(), X3[::-1].copy()
    H = ad.hessian(two_args, wrt=(0, 1))(x, y)

    def gx_of_y(yy):
        return ad.grad(two_args, wrt=0)(x, yy)

    np.testing.assert_allclose(H[0][1], fd_jac(gx_of_y, y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H[1][0], np.asarray(H[0][1]).T, rtol=1e-9, atol=1e-12)


def test_hessian_float32():
    x = X3.astype(np.float32)
    H = ad.hessian(logistic_loglik)(x)
    assert H.dtype == np.float32
    np.testing.assert_allclose(
        H, ad.hessian(logistic_loglik)(x.astype(float)), rtol=1e-3, atol=1e-4
    )


def test_newton_step_converges():
    # Newton's method on a smooth convex problem converges quadratically
    w = np.zeros(3)

    def neg(w):
        return -logistic_loglik(w)

    for _ in range(8):
        g = ad.grad(neg)(w)
        H = ad.hessian(neg)(w)
        w = w - np.linalg.solve(H, g)
    assert np.linalg.norm(ad.grad(neg)(w)) < 1e-10


def test_hvp_two_args_primal():
    x, y = X3.copy(), X3[::-1].copy()
    out = ad.hvp(lambda a: two_args(a, y), (x,), (np.ones(3),))
    assert out is not None


# ---------------------------------------------------------------- batch 2: edge points


def poly_eval(c, x):
    s = 0.0
    for k in range(len(c)):
        s = s + c[k] * x**k
    return s


def poly_at_zero(x):
    c = np.array([1.0, -2.0, 3.0, 0.5])
    return poly_eval(c, x[0]) + poly_eval(c, x[1]) * x[2]


def cube_negative(x):
    return np.sum(x**3) + np.sum(x**2.0 * x) + np.sum(np.power(x, 4))


def prod_with_zero(x):
    return np.prod(x)


def cumprod_with_zero(x):
    return np.sum(np.cumprod(x))


def int_counter_power(x):
    s = 0.0
    for i in range(4):
        s = s + np.sum(x**i) / (i + 1.0)
    return s


def argsort_index(x):
    idx = np.argsort(x)
    return np.sum(x[idx] * np.arange(len(x)) ** 2.0) + np.sum(np.sort(x)[-2:] ** 3)


def builtin_sorted_max(x):
    xs = [x[0] * 2.0, x[1] ** 2, np.sin(x[2])]
    s = sorted(xs)
    return s[0] * s[2] + max(xs) ** 2 + min(xs) * x[0]


def std_var(x):
    return np.std(x) ** 3 + np.var(x, ddof=1) * np.mean(x**2)


def norm_axis(x):
    M = x.reshape(2, 3)
    return np.sum(np.linalg.norm(M, axis=1) ** 3) + np.linalg.norm(M)


def scipy_softmax(x):
    p = scipy.special.softmax(x)
    return np.sum(p * np.arange(len(x))) + np.sum(scipy.special.log_softmax(x) ** 2)


def xlogy_entropy(x):
    p = scipy.special.expit(x)
    return -np.sum(scipy.special.xlogy(p, p) + scipy.special.xlogy(1 - p, 1 - p))


def digamma_gamma(x):
    a = np.exp(x)
    return np.sum(scipy.special.gamma(a) * a) + np.sum(scipy.special.digamma(a + 1.0))


def rows_loop(x):
    W = x.reshape(3, 2)
    s = 0.0
    for row in W:
        s = s + np.tanh(row @ row) * row[0]
    return s


def logsumexp_b(x):
    return scipy.special.logsumexp(x, b=np.array([0.5, 1.0, 2.0]))


def list_params_loss(params):
    x = DATA[2]
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    return np.sum((W @ x + b) ** 2)


CASES2 = {
    "poly_at_zero": (poly_at_zero, np.array([0.0, 0.0, 0.7])),
    "cube_negative": (cube_negative, np.array([-1.5, -0.2, 0.0, 0.8])),
    "prod_one_zero": (prod_with_zero, np.array([0.0, 2.0, 3.0])),
    "prod_two_zeros": (prod_with_zero, np.array([0.0, 0.0, 3.0, 1.5])),
    "cumprod_zero": (cumprod_with_zero, np.array([1.5, 0.0, 2.0, -1.0])),
    "int_counter_power_zero": (int_counter_power, np.array([0.0, 1.0, -1.0])),
    "argsort_index": (argsort_index, X4.copy()),
    "builtin_sorted_max": (builtin_sorted_max, np.array([0.4, 0.9, 0.3])),
    "std_var": (std_var, X4.copy()),
    "norm_axis": (norm_axis, RNG.normal(size=6)),
    "scipy_softmax": (scipy_softmax, X4.copy()),
    "xlogy_entropy": (xlogy_entropy, X3.copy()),
    "digamma_gamma": (digamma_gamma, 0.3 * X3),
    "rows_loop": (rows_loop, RNG.normal(size=6)),
    "logsumexp_b": (logsumexp_b, X3.copy()),
}


def _exact_hessians():
    return {
        "poly_at_zero": None,
        "prod_one_zero": None,
    }


@pytest.mark.parametrize("name", list(CASES2))
def test_edge_hessian_vs_fd(name):
    f, x = CASES2[name]
    with np.errstate(all="ignore"):
        H = ad.hessian(f)(x)
        H_fd = fd_jac(ad.grad(f), x)
        Hf = ad.jacfwd(ad.grad(f))(x)
    assert np.all(np.isfinite(H)), H
    np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(Hf, H, rtol=1e-9, atol=1e-10)


def test_poly_at_zero_exact():
    H = ad.hessian(poly_at_zero)(np.array([0.0, 0.0, 0.7]))
    # d2/dx0^2 = 2*3 = 6 ; d2/dx1^2 = 6*0.7 ; d2/dx1 dx2 = p'(0) = -2
    expect = np.array([[6.0, 0.0, 0.0], [0.0, 4.2, -2.0], [0.0, -2.0, 0.0]])
    np.testing.assert_allclose(H, expect, rtol=1e-12, atol=1e-12)


def test_prod_two_zeros_exact():
    H = ad.hessian(prod_with_zero)(np.array([0.0, 0.0, 3.0, 1.5]))
    expect = np.zeros((4, 4))
    expect[0, 1] = expect[1, 0] = 4.5
    np.testing.assert_allclose(H, expect, atol=1e-12)


def test_hessian_list_of_pairs():
    params = [(0.5 * A33.copy(), X3.copy()), (X3[None, :].copy(), np.array([0.1]))]
    H = ad.hessian(list_params_loss)(params)

    def gb2(b1):
        p = [(params[0][0], b1), params[1]]
        return ad.grad(list_params_loss)(p)[1][0]  # dW2

    # h[1][0][0][1] = d2 f / dW2 db1, blocks W2.shape + b1.shape
    np.testing.assert_allclose(
        np.asarray(H[1][0][0][1]), fd_jac(gb2, params[0][1]), rtol=1e-5, atol=1e-6
    )


def sc_gammaln(x):
    return scipy.special.gammaln(x) * x


def sc_logndtr(x):
    return scipy.special.log_ndtr(x) + scipy.special.erfc(x) * x


def sc_chol_logdet(a):
    B = np.outer(X3, X3)
    L = np.linalg.cholesky(SPD + a * B)
    return np.sum(np.log(np.diag(L)))


def sc_solve(a):
    return Y6[:3] @ np.linalg.solve(SPD + a * A33 @ A33.T, Y6[:3])


def sc_inv(a):
    return np.sum(np.linalg.inv(SPD + a * np.eye(3)))


def sc_norm(a):
    return np.linalg.norm(X3 * a + np.array([1.0, a**2, 0.5]))


def sc_sort(a):
    return np.sum(np.sort(np.array([a, a**2, 1.0 - a])) * np.array([1.0, 2.0, 3.0]) ** 2)


def sc_checkpoint_break(x):
    y = x
    for _i in ad.checkpoint(range(20), every=3):
        y = np.sin(y) * 1.1 + 0.05 * y**2
        if y > 2.0:
            break
    return y


def sc_expit_logit(x):
    return scipy.special.logit(scipy.special.expit(x) * 0.5 + 0.25) * x


SCALARS2 = {
    "gammaln": (sc_gammaln, 2.3),
    "log_ndtr_erfc": (sc_logndtr, -0.7),
    "chol_logdet": (sc_chol_logdet, 0.3),
    "solve": (sc_solve, 0.4),
    "inv": (sc_inv, 0.6),
    "norm": (sc_norm, 0.6),
    "sort": (sc_sort, 0.3),
    "checkpoint_break": (sc_checkpoint_break, 0.7),
    "expit_logit": (sc_expit_logit, 0.4),
}


@pytest.mark.parametrize("name", list(SCALARS2))
def test_scalar_third_order_rules(name):
    f, x = SCALARS2[name]
    eps = 1e-4
    g2 = ad.grad(ad.grad(f))
    d2_fd = (ad.grad(f)(x + 1e-5) - ad.grad(f)(x - 1e-5)) / 2e-5
    np.testing.assert_allclose(g2(x), d2_fd, rtol=1e-5, atol=1e-7)
    d3_fd = (g2(x + eps) - g2(x - eps)) / (2 * eps)
    np.testing.assert_allclose(ad.grad(g2)(x), d3_fd, rtol=1e-4, atol=1e-6)


def test_third_tensor_jacfwd_hessian():
    f = logistic_loglik
    x = X3.copy()
    T = ad.jacfwd(ad.hessian(f))(x)
    T_fd = fd_jac(ad.hessian(f), x)
    np.testing.assert_allclose(T, T_fd, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(T, np.transpose(T, (1, 0, 2)), atol=1e-10)
    np.testing.assert_allclose(T, np.transpose(T, (2, 1, 0)), atol=1e-10)


def test_third_tensor_loop_branch():
    f = branch_some_iterations
    x = np.array([0.5, -0.3, 0.2])
    T = ad.jacfwd(ad.hessian(f))(x)
    np.testing.assert_allclose(T, fd_jac(ad.hessian(f), x), rtol=1e-4, atol=1e-6)


def test_mixed_partial_wrt1():
    x, y = X3.copy(), X3[::-1].copy()
    H = ad.hessian(two_args, wrt=1)(x, y)

    def gy(yy):
        return ad.grad(two_args, wrt=1)(x, yy)

    np.testing.assert_allclose(H, fd_jac(gy, y), rtol=1e-5, atol=1e-6)


def test_jvp_vjp_of_grad():
    f = gp_marginal_loglik
    x = np.array([0.1, 0.2, -1.0])
    v = np.array([0.3, -0.2, 0.5])
    H = ad.hessian(f)(x)
    _, t = ad.jvp(ad.grad(f), (x,), (v,))
    np.testing.assert_allclose(t, H @ v, rtol=1e-9, atol=1e-10)
    _, pb = ad.vjp(ad.grad(f), x)
    np.testing.assert_allclose(pb(v)[0], H.T @ v, rtol=1e-9, atol=1e-10)


def test_hessian_shape_change_cache():
    H3 = ad.hessian(f_cumprod)(X3.copy())
    H5 = ad.hessian(f_cumprod)(X5.copy())
    np.testing.assert_allclose(H3, fd_jac(ad.grad(f_cumprod), X3), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H5, fd_jac(ad.grad(f_cumprod), X5), rtol=1e-5, atol=1e-6)


def later_rule_fn(x):
    return np.sin(x)


def later_rule_loss(x):
    return np.sum(later_rule_fn(x) ** 2)


def test_rule_defined_after_hessian_drops_cache():
    x = X3.copy()
    H0 = ad.hessian(later_rule_loss)(x)
    np.testing.assert_allclose(H0, fd_jac(ad.grad(later_rule_loss), x), rtol=1e-5, atol=1e-6)
    # a deliberately different rule: derivative 2*cos(x) -> Hessian must change
    ad.defvjp(later_rule_fn, lambda g, ans, x: 2.0 * g * np.cos(x))
    ad.defjvp(later_rule_fn, lambda d, ans, x: 2.0 * d * np.cos(x))
    H1 = ad.hessian(later_rule_loss)(x)
    # the new (inconsistent) rule must be used: the gradient changes, so must the Hessian
    np.testing.assert_allclose(ad.grad(later_rule_loss)(x), 4 * np.sin(x) * np.cos(x))
    assert not np.allclose(H0, H1)
    np.testing.assert_allclose(H1, H1.T, atol=1e-12)


def test_hessian_float32_loop():
    x = np.array([0.5, -0.3, 0.2], dtype=np.float32)
    H = ad.hessian(branch_some_iterations)(x)
    assert H.dtype == np.float32
    Hd = ad.hessian(branch_some_iterations)(x.astype(float))
    np.testing.assert_allclose(H, Hd, rtol=1e-3, atol=1e-4)


def test_grad_grad_of_float32_scalar():
    x = np.float32(0.8)
    gg = ad.grad(ad.grad(sc_pendulum_period))(x)
    assert isinstance(gg, np.float32)
    np.testing.assert_allclose(gg, ad.grad(ad.grad(sc_pendulum_period))(0.8), rtol=1e-3)


# ---------------------------------------------------------------- batch 3: idioms


def recurrence_fill(x):
    a = np.zeros(len(x))
    a[0] = x[0]
    for i in range(1, len(x)):
        a[i] = a[i - 1] * np.sin(x[i]) + x[i] ** 2
    a[a < -10.0] = 0.0
    return np.sum(a**2)


def mask_update(x):
    y = x * 1.0
    y[x > 0.0] = y[x > 0.0] ** 3
    y[0] += x[1] * x[2]
    return np.sum(y * x)


def integrate(rhs, y, dt, n):
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def lambda_integrator(x):
    k = 1.3
    y = integrate(lambda y: -k * y + np.sin(y) * y[::-1], x, 0.1, 6)
    return np.sum(y**2)


def nested_def_closure(x):
    scale = x[0]

    def step(v):
        return np.tanh(v * scale) + 0.1 * v

    v = x
    for _ in range(3):
        v = step(v)
    return np.sum(v**2)


class Quadratic:
    def __init__(self, A):
        self.A = A

    def energy(self, x):
        return 0.5 * x @ self.A @ x + np.sum(np.cos(x))

    def loss(self, x):
        return self.energy(x) ** 2


QUAD = Quadratic(SPD)


def method_loss(x):
    return QUAD.loss(x)


def for_else_while_else(x):
    s = x[0]
    for i in range(3):
        s = s * x[i] + 1.0
        if s > 100.0:
            break
    else:
        s = s * 2.0
    k = 0
    while k < 3:
        s = s + np.sin(s) * x[1]
        k += 1
    else:
        s = s - x[2] ** 2
    return s


def zip_enumerate(x):
    xs = [x[0], x[1], x[2]]
    ws = [0.5, 1.5, 2.5]
    s = 0.0
    for i, (a, w) in enumerate(zip(xs, ws, strict=True)):
        s = s + w * a ** (i + 1) + a * s
    return s


def list_methods(x):
    xs = [x[0], x[1]]
    xs.append(x[2] ** 2)
    xs.insert(0, x[0] * x[1])
    last = xs.pop()
    return sum(xs) * last + xs[0] ** 2


def matmul_outer_kron(x):
    v = x[:3]
    M = np.outer(v, v) + SPD
    return v @ M @ v + np.trace(M @ M) + np.dot(v, v) ** 2 + np.inner(v, M @ v)


def max_axis_reduce(x):
    M = x.reshape(2, 3)
    return np.sum(np.max(M, axis=0) ** 2) + np.min(M) * np.sum(M)


def pairwise_dist_helper(P):
    n = P.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i):
            d, r = dist_and_inv(P[i], P[j])
            e = e + r + 0.01 * d**2
    return e


def dist_and_inv(a, b):
    d = np.linalg.norm(a - b)
    return d, 1.0 / d


def pairwise_flat(x):
    return pairwise_dist_helper(x.reshape(3, 2))


def kwargs_helper(x, **opts):
    return np.sum(np.exp(-opts["a"] * x**2)) * opts["b"]


def kwargs_caller(x):
    return kwargs_helper(x, a=x[0] ** 2, b=2.0) + kwargs_helper(x, **{"a": 1.0, "b": x[1]})


def trust_region_model(x):
    # quadratic model m(p) = g.p + 0.5 p H p evaluated at a clipped Newton-ish step
    g = np.array([x[0] * x[1], np.sin(x[1]), x[2] ** 2])
    p = -g / (1.0 + np.linalg.norm(g))
    return g @ p + 0.5 * p @ SPD @ p


def verlet_pair_potential(x):
    # 3 particles in 1-D, velocity Verlet with a pair-force helper
    pos = x[:3].copy()
    vel = x[3:] * 1.0
    dt = 0.02

    def force(q):
        f = np.zeros(3)
        for i in range(3):
            for j in range(3):
                if i != j:
                    r = q[i] - q[j]
                    f[i] = f[i] - r * np.exp(-(r**2))
        return f

    a = force(pos)
    for _ in range(5):
        pos = pos + dt * vel + 0.5 * dt**2 * a
        a_new = force(pos)
        vel = vel + 0.5 * dt * (a + a_new)
        a = a_new
    return np.sum(vel**2) + np.sum(np.exp(-((pos[0] - pos[1]) ** 2)))


CASES3 = {
    "recurrence_fill": (recurrence_fill, X4.copy()),
    "mask_update": (mask_update, np.array([0.4, -0.3, 0.8, -1.1])),
    "lambda_integrator": (lambda_integrator, X3.copy()),
    "nested_def_closure": (nested_def_closure, X3.copy()),
    "method_loss": (method_loss, X3.copy()),
    "for_else_while_else": (for_else_while_else, np.array([0.5, 0.9, 0.4])),
    "zip_enumerate": (zip_enumerate, np.array([0.5, 0.9, 0.4])),
    "list_methods": (list_methods, np.array([0.5, 0.9, 0.4])),
    "matmul_outer_inner": (matmul_outer_kron, X3.copy()),
    "max_axis_reduce": (max_axis_reduce, RNG.normal(size=6)),
    "pairwise_helper": (pairwise_flat, np.array([0.0, 0.1, 1.0, -0.5, 0.3, 1.2])),
    "kwargs_helper": (kwargs_caller, X3.copy()),
    "trust_region_model": (trust_region_model, X3.copy()),
    "verlet_pair_force": (verlet_pair_potential, np.array([0.0, 0.7, 1.5, 0.1, -0.2, 0.3])),
}


@pytest.mark.parametrize("name", list(CASES3))
def test_idiom_hessian(name):
    f, x = CASES3[name]
    x0 = x.copy()
    H = ad.hessian(f)(x)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", list(CASES3))
def test_idiom_third_directional(name):
    # d/dt of v.H(x + t u).v: grad of a function calling hvp is not allowed, so use
    # jacfwd(hessian) when available; else compare grad(grad(phi)) for phi(t) = f(x + t u)
    f, x = CASES3[name]
    u = np.linspace(0.2, -0.4, x.size)

    def phi(t):
        return f(x + t * u)

    eps = 1e-4
    g2 = ad.grad(ad.grad(phi))
    d3_fd = (g2(0.3 + eps) - g2(0.3 - eps)) / (2 * eps)
    np.testing.assert_allclose(ad.grad(g2)(0.3), d3_fd, rtol=1e-4, atol=1e-6)


# ---------------------------------------------------------------- batch 4: rules, stop_gradient


def sg_loss(x):
    return np.sum(x * ad.stop_gradient(x) ** 2) + np.sum(np.sign(x) * x**2)


def test_stop_gradient_hessian_exact():
    # f = sum(x * sg(x)**2) + sum(sign(x) x**2): grad = sg(x)**2 + 2 sign(x) x,
    # Hessian = diag(2 sign(x)) (the stopped factor is a constant, as in JAX)
    x = np.array([0.5, -1.2, 2.0])
    H = ad.hessian(sg_loss)(x)
    np.testing.assert_allclose(H, np.diag(2.0 * np.sign(x)), atol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(sg_loss))(x), H, atol=1e-12)
    np.testing.assert_allclose(ad.jacrev(ad.grad(sg_loss))(x), H, atol=1e-12)


def sg_scalar(x):
    return x * ad.stop_gradient(x**2) + np.floor(x) * x**3


def test_stop_gradient_grad_grad_exact():
    x = 1.7
    # grad = sg(x^2) + 3 floor(x) x^2 ; second = 6 floor(x) x ; third = 6 floor(x)
    np.testing.assert_allclose(ad.grad(ad.grad(sg_scalar))(x), 6.0 * x, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(ad.grad(ad.grad(sg_scalar)))(x), 6.0, rtol=1e-12)


def vjp_only(x):
    return np.sin(x) * 2.0


ad.defvjp(vjp_only, lambda g, ans, x: 2.0 * g * np.cos(x))
ad.defjvp(vjp_only, lambda d, ans, x: 2.0 * d * np.cos(x))


def jvp_only(x):
    return np.exp(x) - x


ad.defjvp(jvp_only, lambda d, ans, x: d * (ans + x - 1.0))
ad.defvjp(jvp_only, lambda g, ans, x: g * (np.exp(x) - 1.0))


def two_arg_rule(a, b):
    return a * np.exp(b)


ad.defvjp(
    two_arg_rule,
    lambda g, ans, a, b: g * np.exp(b),
    lambda g, ans, a, b: g * ans,
)
ad.defjvp(
    two_arg_rule,
    lambda d, ans, a, b: d * np.exp(b),
    lambda d, ans, a, b: d * ans,
)


def rule_helper(x):
    return np.tanh(x) * 0.5


def uses_helper_rule(x):
    return np.sum(x) * 1.0


def uses_helper_rule_vjp(g, ans, x):
    return g * (1.0 + rule_helper(x) - rule_helper(x))


ad.defvjp(uses_helper_rule, uses_helper_rule_vjp)
ad.defjvp(uses_helper_rule, lambda d, ans, x: np.sum(d))


def rule_losses(x):
    return (
        np.sum(vjp_only(x) ** 2)
        + np.sum(jvp_only(x) * x)
        + np.sum(two_arg_rule(x, x[::-1]) ** 2)
        + uses_helper_rule(x**2) ** 2
    )


def hand_rule_losses(x):
    return (
        np.sum((2 * np.sin(x)) ** 2)
        + np.sum((np.exp(x) - x) * x)
        + np.sum((x * np.exp(x[::-1])) ** 2)
        + np.sum(x**2) ** 2
    )


@pytest.mark.parametrize("which", ["hessian", "jacfwd", "jacrev"])
def test_user_rules_variants(which):
    x = np.array([0.3, -0.5, 0.8])
    fn = {
        "hessian": ad.hessian,
        "jacfwd": lambda f: ad.jacfwd(ad.grad(f)),
        "jacrev": lambda f: ad.jacrev(ad.grad(f)),
    }[which]
    H = fn(rule_losses)(x)
    H_ref = fd_jac(ad.grad(hand_rule_losses), x)
    np.testing.assert_allclose(H, H_ref, rtol=1e-5, atol=1e-6)


def elementwise_zoo(x):
    return (
        np.sum(np.cbrt(x))
        + np.sum(np.float_power(x, 3.0))
        + np.sum(np.power(x, np.array([2, 3, 4])))
        + np.sum(x ** np.array([2.0, 3.0, 1.0]))
        + np.sum(np.square(x) * np.reciprocal(x + 3.0))
        + np.sum(np.arcsinh(x) * np.expm1(x) + np.tan(0.3 * x) + np.log2(x + 2.0))
        + np.sum(np.sinc(x) + scipy.special.erfinv(0.3 * x))
    )


def test_elementwise_zoo_negative_points():
    x = np.array([-0.8, -0.3, 0.6])
    with np.errstate(all="ignore"):
        H = ad.hessian(elementwise_zoo)(x)
    assert np.all(np.isfinite(H)), H
    np.testing.assert_allclose(H, fd_jac(ad.grad(elementwise_zoo), x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "fn",
    [
        np.cbrt,
        np.arcsinh,
        np.expm1,
        np.tan,
        np.sinc,
        np.log1p,
        np.arctan,
        np.cosh,
        scipy.special.erfinv,
        scipy.special.erf,
        scipy.special.expit,
        scipy.special.ndtr,
        scipy.special.log_ndtr,
        scipy.special.logit,
        scipy.special.gamma,
        scipy.special.digamma,
    ],
    ids=lambda f: f.__name__,
)
def test_elementwise_third_derivative(fn):
    x = 0.37

    def f(t):
        return fn(t) * t

    d3 = ad.grad(ad.grad(ad.grad(f)))(x)
    gg = ad.grad(ad.grad(f))
    eps = 1e-4
    np.testing.assert_allclose(d3, (gg(x + eps) - gg(x - eps)) / (2 * eps), rtol=1e-4, atol=1e-6)


def eig_vec_loss(x):
    M = SPD + np.diag(x)
    w, V = np.linalg.eigh(M)
    return w[-1] * np.sum(V[:, 0] ** 4) + np.sum(w**2)


def svdvals_loss(x):
    M = A33 + np.diag(x)
    s = np.linalg.svd(M, compute_uv=False)
    return np.sum(s**3)


@pytest.mark.parametrize("f", [eig_vec_loss, svdvals_loss], ids=lambda f: f.__name__)
def test_spectral_hessians(f):
    x = X3.copy()
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(H, H.T, atol=1e-9)


def hvp_two(x, y):
    return np.sum(np.sin(x * y) * x) + np.sum(y**3) * x[0]


def test_hvp_two_primals():
    x, y = X3.copy(), X3[::-1].copy() + 0.5
    u, w = np.array([0.1, -0.2, 0.3]), np.array([0.4, 0.0, -0.1])
    out = ad.hvp(hvp_two, (x, y), (u, w))
    eps = 1e-5
    g = ad.grad(hvp_two, wrt=(0, 1))
    gp, gm = g(x + eps * u, y + eps * w), g(x - eps * u, y - eps * w)
    hv = (
        out[1]
        if isinstance(out, tuple) and len(out) == 2 and not np.isscalar(out[0]) and len(out[1]) == 2
        else out
    )
    flat = np.concatenate([np.ravel(a) for a in hv])
    ref = np.concatenate([(gp[k] - gm[k]) / (2 * eps) for k in range(2)])
    np.testing.assert_allclose(flat, ref, rtol=1e-5, atol=1e-6)


def int_from_active(x):
    n = int(np.floor(x[0] * 3.0)) + 2
    s = 0.0
    for i in range(n):
        s = s + x[1] ** 2 * np.cos(x[2] * i)
    return s


def comprehension_loss(x):
    ys = [np.sin(a) * b for a, b in zip(x, x[::-1], strict=True)]
    d = {k: v**2 for k, v in enumerate(ys)}
    return sum(d.values()) * ys[0]


@pytest.mark.parametrize("f", [int_from_active, comprehension_loss], ids=lambda f: f.__name__)
def test_misc_hessians(f):
    x = np.array([0.9, 0.4, -0.7])
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)


def test_fourth_derivative_loop():
    f = sc_loop_branch
    x = 1.2
    g3 = ad.grad(ad.grad(ad.grad(f)))
    eps = 1e-3
    d4 = ad.grad(g3)(x)
    np.testing.assert_allclose(d4, (g3(x + eps) - g3(x - eps)) / (2 * eps), rtol=1e-4, atol=1e-5)


def test_helper_print_runs(capsys):
    ad.hessian(helper_with_print)(X3.copy())
    out = capsys.readouterr().out
    assert "noisy helper called" in out


def autograd_style(x):
    return np.log(np.cosh(x))


# only a vjp, as autograd's defvjp examples have it
ad.defvjp(autograd_style, lambda g, ans, x: g * np.tanh(x))


def autograd_style_loss(x):
    return np.sum(autograd_style(x * x[::-1]))


@pytest.mark.parametrize("which", ["hessian", "jacfwd", "jacrev", "grad_grad"])
def test_vjp_only_rule_second_order(which):
    x = np.array([0.3, -0.5, 0.8])
    if which == "grad_grad":
        val = ad.grad(ad.grad(lambda t: autograd_style(t) * t))(0.4)
        ref = (1 - np.tanh(0.4) ** 2) * 0.4 + 2 * np.tanh(0.4)
        np.testing.assert_allclose(val, ref, rtol=1e-10)
        return
    fn = {
        "hessian": ad.hessian,
        "jacfwd": lambda f: ad.jacfwd(ad.grad(f)),
        "jacrev": lambda f: ad.jacrev(ad.grad(f)),
    }[which]
    H = fn(autograd_style_loss)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(autograd_style_loss), x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- batch 5: call patterns


@pytest.mark.parametrize(
    "point",
    [[0.8, 0.3], [0.2, -0.5], [1.5, 0.9], [0.05, 0.0]],
    ids=lambda p: "_".join(map(str, p)),
)
def test_event_loop_many_points(point):
    # trip counts differ from point to point; the compiled code is reused
    x = np.array(point)
    H = ad.hessian(integrate_until_event)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(integrate_until_event), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        ad.jacfwd(ad.grad(integrate_until_event))(x), H, rtol=1e-9, atol=1e-10
    )


SCALE = np.array([1.0, 2.0, 3.0])


def global_scaled(x):
    return np.sum(SCALE * x**3)


def test_global_read_live_second_order():
    global SCALE
    x = np.array([0.5, -0.4, 1.1])
    H1 = ad.hessian(global_scaled)(x)
    np.testing.assert_allclose(H1, np.diag(6 * SCALE * x), rtol=1e-12)
    old = SCALE
    try:
        SCALE = np.array([-1.0, 0.5, 4.0])
        H2 = ad.hessian(global_scaled)(x)
        np.testing.assert_allclose(H2, np.diag(6 * SCALE * x), rtol=1e-12)
        gg = ad.grad(ad.grad(lambda t: global_scaled(np.array([t, 0.0, 0.0]))))(0.7)
        np.testing.assert_allclose(gg, 6 * SCALE[0] * 0.7, rtol=1e-12)
    finally:
        SCALE = old


def matrix_input(W):
    h = np.tanh(DATA[:2] @ W)
    return np.sum(h**2) + np.sum(W[0] * W[1]) ** 2


def test_hessian_matrix_argument():
    W = 0.3 * A33[:, :2].copy()
    H = ad.hessian(matrix_input)(W)
    assert H.shape == (3, 2, 3, 2)
    np.testing.assert_allclose(H, fd_jac(ad.grad(matrix_input), W), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacrev(ad.grad(matrix_input))(W), H, rtol=1e-9, atol=1e-10)
    v = np.ones_like(W) * 0.1
    out = ad.hvp(matrix_input, (W,), (v,))
    hv = out[1] if isinstance(out, tuple) else out
    hv = hv[0] if isinstance(hv, tuple) else hv
    np.testing.assert_allclose(hv, np.tensordot(H, v, axes=2), rtol=1e-9, atol=1e-10)


def zero_d(x):
    return np.sin(x) * x**2 + np.exp(0.3 * x)


def test_hessian_zero_d_and_float():
    for x in [np.array(0.6), 0.6, np.float64(0.6)]:
        h = ad.hessian(zero_d)(x)
        ref = -np.sin(0.6) * 0.36 + 4 * 0.6 * np.cos(0.6) + 2 * np.sin(0.6) + 0.09 * np.exp(0.18)
        np.testing.assert_allclose(h, ref, rtol=1e-12)
        assert np.shape(h) == np.shape(x)


def steps_with_int(x, n, scale=0.5):
    y = x
    for _ in range(n):
        y = y + scale * np.sin(y[::-1]) * y
    return np.sum(y**2)


@pytest.mark.parametrize("n", [0, 1, 4])
def test_hessian_passive_int_arg(n):
    x = X3.copy()
    H = ad.hessian(steps_with_int)(x, n)
    np.testing.assert_allclose(
        H, fd_jac(lambda t: ad.grad(steps_with_int)(t, n), x), rtol=1e-5, atol=1e-6
    )
    Hn = ad.hessian(steps_with_int, wrt="x")(x, n, scale=0.25)
    np.testing.assert_allclose(
        Hn, fd_jac(lambda t: ad.grad(steps_with_int)(t, n, scale=0.25), x), rtol=1e-5, atol=1e-6
    )


def alias_loop(x):
    a = np.zeros(3)
    b = a
    for i in range(3):
        a[i] = x[i] * x[(i + 1) % 3]
        b[i] = b[i] + np.sin(x[i])
    c = a.copy()
    c += x**2
    return np.sum(b * c)


def test_alias_loop_hessian():
    x = np.array([0.4, -0.7, 1.2])
    H = ad.hessian(alias_loop)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(alias_loop), x), rtol=1e-5, atol=1e-6)

    def hand(x):
        a = np.array([x[i] * x[(i + 1) % 3] + np.sin(x[i]) for i in range(3)])
        return np.sum(a * (a + x**2))

    np.testing.assert_allclose(alias_loop(x), hand(x), rtol=1e-12)
    np.testing.assert_allclose(H, fd_jac(ad.grad(hand), x), rtol=1e-5, atol=1e-6)


def dict_grad_loss(p):
    return np.sum(np.sin(p["a"]) * p["b"] ** 2)


def test_jacfwd_of_grad_dict():
    p = {"a": X3.copy(), "b": X3[::-1].copy()}
    J = ad.jacfwd(ad.grad(dict_grad_loss))(p)
    H = ad.hessian(dict_grad_loss)(p)
    for k1 in "ab":
        for k2 in "ab":
            np.testing.assert_allclose(J[k1][k2], H[k1][k2], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(H["a"]["b"], np.diag(2 * np.cos(p["a"]) * p["b"]), rtol=1e-12)
    np.testing.assert_allclose(H["b"]["b"], np.diag(2 * np.sin(p["a"])), rtol=1e-12, atol=1e-15)


def test_hessian_float32_scalar_constants():
    x = np.array([0.5, -0.3, 0.2], dtype=np.float32)
    H = ad.hessian(gmm_loglik)(x)
    assert H.dtype == np.float32
    np.testing.assert_allclose(H, ad.hessian(gmm_loglik)(x.astype(float)), rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------- batch 6: control flow in helpers


def find_first_big(v, thresh):
    for i in range(len(v)):
        for j in range(2):
            if v[i] * (j + 1.0) > thresh:
                return v[i] * v[j] + i, True
    return np.sum(v), False


def caller_of_find(x):
    s = 0.0
    y = x
    for k in range(3):
        r, found = find_first_big(y, 0.5 + 0.3 * k)
        if found:
            s = s + r**2
        else:
            s = s - r
            continue
        y = y * np.cos(r)
    return s + np.sum(y**2)


def nested_while(x):
    a = x[0]
    b = x[1]
    outer = 0
    while outer < 4:
        inner = 0
        while True:
            a = a * 0.9 + np.sin(b) * 0.2
            inner += 1
            if inner >= 2 or a > 1.5:
                break
        b = b + a * x[2]
        outer += 1
    return a * b


def g_vg(x):
    return np.sum(np.exp(-(x**2)) * x)


DG = ad.grad(g_vg)


def value_and_grad_inside(x):
    v, g = ad.value_and_grad(g_vg)(x)
    return v**2 + np.sum(g * x) + np.sum(DG(x * 0.5) ** 2)


def hand_g_vg_grad(x):
    return np.exp(-(x**2)) * (1.0 - 2.0 * x**2)


def value_and_grad_inside_hand(x):
    v = g_vg(x)
    return v**2 + np.sum(hand_g_vg_grad(x) * x) + np.sum(hand_g_vg_grad(x * 0.5) ** 2)


def checkpoint_zip_nested(x):
    ws = [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    h = x
    for w, k in ad.checkpoint(zip(ws, range(6), strict=True), every=2):
        for j in range(2):
            if (k + j) % 3 == 0:
                continue
            h = np.tanh(h * w + 0.1 * j) + 0.01 * h[::-1]
    return np.sum(h * x)


def wrt_scalar_and_array(a, v):
    return a**3 * np.sum(np.sin(v)) + np.sum(v**2) * np.exp(a)


CASES6 = {
    "find_first_big": (caller_of_find, np.array([0.3, 0.7, -0.2])),
    "nested_while": (nested_while, np.array([0.5, 0.4, 0.3])),
    "value_and_grad_inside": (value_and_grad_inside, X3.copy()),
    "checkpoint_zip_nested": (checkpoint_zip_nested, X3.copy()),
}


@pytest.mark.parametrize("name", list(CASES6))
def test_control_flow_helpers_hessian(name):
    f, x = CASES6[name]
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)


def test_value_and_grad_inside_vs_hand():
    x = X3.copy()
    np.testing.assert_allclose(
        ad.grad(value_and_grad_inside)(x),
        ad.grad(value_and_grad_inside_hand)(x),
        rtol=1e-10,
    )
    np.testing.assert_allclose(
        ad.hessian(value_and_grad_inside)(x),
        fd_jac(ad.grad(value_and_grad_inside_hand), x),
        rtol=1e-5,
        atol=1e-6,
    )


def test_hessian_wrt_scalar_and_array():
    a, v = 0.7, X3.copy()
    H = ad.hessian(wrt_scalar_and_array, wrt=(0, 1))(a, v)
    np.testing.assert_allclose(H[0][0], 6 * a * np.sum(np.sin(v)) + np.sum(v**2) * np.exp(a))
    np.testing.assert_allclose(H[0][1], 3 * a**2 * np.cos(v) + 2 * v * np.exp(a), rtol=1e-12)
    np.testing.assert_allclose(H[1][0], H[0][1], rtol=1e-12)
    np.testing.assert_allclose(
        H[1][1], np.diag(-(a**3) * np.sin(v)) + 2 * np.exp(a) * np.eye(3), rtol=1e-12, atol=1e-14
    )


# ---------------------------------------------------------------- batch 7: axes and broadcasting


def ax_pairwise(x):
    d = x[:, None] - x[None, :]
    return np.sum(np.exp(-(d**2)) * np.arange(len(x))[:, np.newaxis])


def ax_ellipsis(M):
    return np.sum(M[..., 0] ** 2 * M[..., -1]) + np.sum(np.sum(M, axis=-1) ** 3)


def ax_transpose(M):
    return np.sum((M.T @ M) ** 2) + np.sum(np.swapaxes(M, 0, 1)[0] * M[:, 1])


def ax_reshape_neg(M):
    v = M.reshape(-1)
    c = M.reshape(-1, 1)
    return np.sum(v * np.sin(v)) + np.sum((c @ c.T) * np.eye(v.size)) ** 2


def ax_expand_broadcast(M):
    e = np.expand_dims(M, 0)
    b = np.broadcast_to(M[:, :1], M.shape)
    return np.sum(e**2 * b) + np.sum(np.moveaxis(M, 1, 0)[1] ** 3)


def ax_einsum_ellipsis(M):
    return np.einsum("...i,...i->...", M, M) @ np.arange(1.0, M.shape[0] + 1.0) + np.einsum(
        "ij,ij->", M, np.tanh(M)
    )


def ax_keepdims(M):
    mu = np.mean(M, axis=1, keepdims=True)
    sd = np.std(M, axis=1, keepdims=True)
    z = (M - mu) / sd
    return np.sum(z**3 * M) + np.sum(np.max(M, axis=-1) ** 2)


def ax_matmul_batch(M):
    B = np.stack([M, M**2])
    return np.sum(np.matmul(B, np.swapaxes(B, -1, -2)) ** 2)


def ax_atleast_dot(M):
    v = np.atleast_2d(M[0])
    return np.sum(np.dot(v, M.T) ** 2) + M.dot(M[1]).sum() ** 2 + np.trace(M @ M.T)


def layer_norm_mlp(M):
    h = M @ A33[:2, :2]
    h = (h - h.mean(axis=-1, keepdims=True)) / np.sqrt(h.var(axis=-1, keepdims=True) + 1e-3)
    return np.sum(np.tanh(h) ** 2 * M)


AXES = {
    "pairwise": (ax_pairwise, X4.copy()),
    "ellipsis": (ax_ellipsis, RNG.normal(size=(3, 2))),
    "transpose": (ax_transpose, RNG.normal(size=(3, 2))),
    "reshape_neg": (ax_reshape_neg, RNG.normal(size=(2, 3))),
    "expand_broadcast": (ax_expand_broadcast, RNG.normal(size=(3, 2))),
    "einsum_ellipsis": (ax_einsum_ellipsis, RNG.normal(size=(3, 2))),
    "keepdims": (ax_keepdims, RNG.normal(size=(2, 3))),
    "matmul_batch": (ax_matmul_batch, RNG.normal(size=(2, 3))),
    "atleast_dot": (ax_atleast_dot, RNG.normal(size=(2, 3))),
    "layer_norm": (layer_norm_mlp, RNG.normal(size=(3, 2))),
}


@pytest.mark.parametrize("name", list(AXES))
def test_axes_hessian(name):
    f, x = AXES[name]
    H = ad.hessian(f)(x)
    assert H.shape == x.shape + x.shape
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)


# ---------------------------------------------------------------- batch 8: third-order routes


def third_ref(f, x):
    return fd_jac(ad.hessian(f), x, eps=1e-4)


V3 = np.array([0.3, -0.6, 0.2])


def grad_dot_v(x):
    return np.sum(ad.grad(logistic_loglik)(x) * V3)


def grad_dot_v_loop(x):
    return np.sum(ad.grad(branch_some_iterations)(x) * V3)


THIRD = {
    "jacfwd_jacfwd_grad": lambda f: ad.jacfwd(ad.jacfwd(ad.grad(f))),
    "jacrev_jacfwd_grad": lambda f: ad.jacrev(ad.jacfwd(ad.grad(f))),
    "jacfwd_jacrev_grad": lambda f: ad.jacfwd(ad.jacrev(ad.grad(f))),
    "jacrev_hessian": lambda f: ad.jacrev(ad.hessian(f)),
}


@pytest.mark.parametrize("route", list(THIRD))
@pytest.mark.parametrize(
    "f,x",
    [(logistic_loglik, X3.copy()), (branch_some_iterations, np.array([0.5, -0.3, 0.2]))],
    ids=["logistic", "loop_branch"],
)
def test_third_tensor_routes(route, f, x):
    T = THIRD[route](f)(x)
    np.testing.assert_allclose(T, third_ref(f, x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("f", [grad_dot_v, grad_dot_v_loop], ids=lambda f: f.__name__)
def test_hessian_of_directional_grad(f):
    # hessian of x -> grad(g)(x).v is the third derivative contracted with v
    x = np.array([0.5, -0.3, 0.2])
    g = logistic_loglik if f is grad_dot_v else branch_some_iterations
    H = ad.hessian(f)(x)
    ref = np.tensordot(third_ref(g, x), V3, axes=([2], [0]))
    np.testing.assert_allclose(H, ref, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- batch 9: rules with ans, misc


def mytanh(x):
    return np.tanh(x)


ad.defvjp(mytanh, lambda g, ans, x: g * (1.0 - ans**2))
ad.defjvp(mytanh, lambda d, ans, x: d * (1.0 - ans**2))

BETA = 2.0


def soft(x, beta=1.5):
    return np.log1p(np.exp(beta * x)) / beta


ad.defvjp(soft, lambda g, ans, x, beta=1.5: g * scipy.special.expit(beta * x) * BETA / 2.0)
ad.defjvp(soft, lambda d, ans, x, beta=1.5: d * scipy.special.expit(beta * x) * BETA / 2.0)


def ans_rule_loss(x):
    h = mytanh(x * x[::-1])
    return np.sum(h**2) + np.sum(soft(x) * x) + np.sum(soft(x, beta=3.0))


def ans_rule_hand(x):
    h = np.tanh(x * x[::-1])
    return (
        np.sum(h**2)
        + np.sum(np.log1p(np.exp(1.5 * x)) / 1.5 * x)
        + np.sum(np.log1p(np.exp(3.0 * x)) / 3.0)
    )


@pytest.mark.parametrize("which", ["hessian", "jacrev", "grad_grad"])
def test_rule_using_ans(which):
    x = np.array([0.3, -0.5, 0.8])
    if which == "grad_grad":
        val = ad.grad(ad.grad(lambda t: mytanh(t) * t))(0.4)
        th = np.tanh(0.4)
        ref = 2 * (1 - th**2) - 2 * th * (1 - th**2) * 0.4
        np.testing.assert_allclose(val, ref, rtol=1e-10)
        return
    fn = ad.hessian if which == "hessian" else (lambda f: ad.jacrev(ad.grad(f)))
    H = fn(ans_rule_loss)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(ans_rule_hand), x), rtol=1e-5, atol=1e-6)


def rep_idx_update(x):
    a = np.zeros(3)
    a[[0, 0, 1]] += x * np.array([1.0, 2.0, 3.0])
    return np.sum(a**2 * x)


def rep_read(x):
    y = x[[0, 0, 2, 1]]
    return np.sum(y**3) * np.take(x, [1, 1]).sum()


def diff2_cumsum_rev(x):
    return np.sum(np.diff(x**2, n=2) ** 2) + np.sum(x[::-1].cumsum()[::-1] ** 2)


def loop_over_active(x):
    s = 0.0
    for xi in x:
        if xi > 0:  # noqa: SIM108
            s = s + xi**3 * s + xi
        else:
            s = s * np.exp(xi)
    return s


def logdet_chol_loop(x):
    M = np.eye(3) * 2 + np.outer(x, x)
    L = np.linalg.cholesky(M)
    s = 0.0
    for i in range(3):
        s = s + 2 * np.log(L[i, i])
    return s


def hand_logdet(x):
    return np.log(8.0 * (1 + x @ x / 2.0))


MISC9 = {
    "rep_idx_update": (rep_idx_update, np.array([0.3, 0.5, -0.2])),
    "rep_read": (rep_read, np.array([0.3, 0.5, -0.2])),
    "diff2_cumsum_rev": (diff2_cumsum_rev, np.array([0.3, 0.5, -0.2, 0.9])),
    "loop_over_active": (loop_over_active, np.array([0.3, -0.5, 0.8])),
    "logdet_chol_loop": (logdet_chol_loop, np.array([0.3, -0.5, 0.2])),
}


@pytest.mark.parametrize("name", list(MISC9))
def test_misc9_hessian(name):
    f, x = MISC9[name]
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)
    if name == "logdet_chol_loop":
        np.testing.assert_allclose(H, fd_jac(ad.grad(hand_logdet), x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- batch 10: objects with methods


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


@dataclasses.dataclass
class Net:
    layers: list
    head: np.ndarray

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.head @ x

    def loss(self, x, y):
        return (self.forward(x) - y) ** 2


def net_loss(net, x, y):
    return net.loss(x, y) + 0.01 * sum(np.sum(layer.W**2) for layer in net.layers)


class PT(NamedTuple):
    a: np.ndarray
    c: float


def replace_loss(p):
    q = p._replace(a=np.sin(p.a) * p.c)
    r = dataclasses.replace(Model(np.ones((3, 3)), q.a), c=q.a**2)
    return np.sum(r.c * q.a) + q.c**3


def test_hessian_net_object():
    net = Net([Layer(0.5 * A33.copy(), X3.copy()), Layer(0.3 * A33.T.copy(), 0.1 * X3)], X3.copy())
    x, y = DATA[0], 0.3
    H = ad.hessian(net_loss)(net, x, y)

    def g_head(h):
        return ad.grad(net_loss)(Net(net.layers, h), x, y).head

    np.testing.assert_allclose(H.head.head, fd_jac(g_head, net.head), rtol=1e-5, atol=1e-6)

    def g_b1_of_head(h):
        return ad.grad(net_loss)(Net(net.layers, h), x, y).layers[1].b

    np.testing.assert_allclose(
        np.asarray(H.layers[1].b.head), fd_jac(g_b1_of_head, net.head), rtol=1e-5, atol=1e-6
    )


def test_grad_grad_method_partial():
    import functools

    net = Net([Layer(0.5 * A33.copy(), X3.copy())], X3.copy())

    def scalar_in(t):
        return net.loss(DATA[1] * t, 0.2)

    gg = ad.grad(ad.grad(scalar_in))(0.8)
    g = ad.grad(scalar_in)
    np.testing.assert_allclose(gg, (g(0.8 + 1e-5) - g(0.8 - 1e-5)) / 2e-5, rtol=1e-5)
    part = functools.partial(wrt_scalar_and_array, v=X3.copy())
    np.testing.assert_allclose(
        ad.grad(ad.grad(part))(0.7),
        6 * 0.7 * np.sum(np.sin(X3)) + np.sum(X3**2) * np.exp(0.7),
        rtol=1e-12,
    )


def test_hessian_replace():
    p = PT(X3.copy(), 0.7)
    H = ad.hessian(replace_loss)(p)

    def ga(a):
        return ad.grad(replace_loss)(PT(a, 0.7)).a

    np.testing.assert_allclose(H.a.a, fd_jac(ga, p.a), rtol=1e-5, atol=1e-6)
    eps = 1e-5
    gc = (
        ad.grad(replace_loss)(PT(p.a, 0.7 + eps)).c - ad.grad(replace_loss)(PT(p.a, 0.7 - eps)).c
    ) / (2 * eps)
    np.testing.assert_allclose(np.asarray(H.c.c), gc, rtol=1e-5, atol=1e-6)


def replace_two_args(a, c):
    r = dataclasses.replace(Model(0.0, a), c=a**2)
    return np.sum(r.c) * c


def nt_replace_two_args(a, c):
    q = PT(a, c)._replace(a=a**2)
    return np.sum(q.a) * q.c


@pytest.mark.parametrize("f", [replace_two_args, nt_replace_two_args], ids=lambda f: f.__name__)
def test_hessian_wrt_tuple_with_replace(f):
    a, c = np.array([0.1, 0.2, 0.3]), 0.7
    H = ad.hessian(f, wrt=(0, 1))(a, c)
    np.testing.assert_allclose(H[0][0], 2 * c * np.eye(3), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(H[0][1]), 2 * a, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(H[1][1]), 0.0, atol=1e-14)


def replace_sliced(x):
    a, c = x[:3], x[3]
    r = dataclasses.replace(Model(0.0, a), c=a**2)
    return np.sum(r.c) * c


def test_hessian_replace_sliced_input():
    x = np.array([0.1, 0.2, 0.3, 0.7])
    H = ad.hessian(replace_sliced)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(replace_sliced), x), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- batch 11: value-dependent sizes


def positive_part(x):
    p = x[x > 0]
    return np.sum(p**3) * len(p) + np.sum(np.outer(p, p))


def nonzero_loop(x):
    idx = np.nonzero(x > 0.1)[0]
    s = 0.0
    for i in idx:
        s = s + x[i] ** 3 * x[idx[0]]
    return s


def count_split(x):
    k = int(np.sum(x > 0))
    return np.sum(x[:k] ** 2 * x[k:].sum()) if k < len(x) else np.sum(x**3)


def masked(x, mask):
    return np.sum(np.exp(x[mask]) * x[mask][::-1])


SIZE_POINTS = [
    np.array([0.3, -0.5, 0.8, 0.2]),
    np.array([0.3, 0.5, 0.8, 0.2]),
    np.array([-0.3, -0.5, 0.8, -0.2]),
    np.array([-0.3, -0.5, -0.8, -0.2]),
]


@pytest.mark.parametrize("f", [positive_part, nonzero_loop, count_split], ids=lambda f: f.__name__)
def test_value_dependent_sizes_sequential_points(f):
    # the same compiled code is reused at points where the selected sizes differ
    for x in SIZE_POINTS:
        H = ad.hessian(f)(x)
        np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)


def test_passive_mask_changes_between_calls():
    x = SIZE_POINTS[0]
    for mk in [[True, False, True, True], [False, False, True, False], [True] * 4]:
        mk = np.array(mk)
        H = ad.hessian(masked)(x, mk)
        np.testing.assert_allclose(
            H, fd_jac(lambda t, mk=mk: ad.grad(masked)(t, mk), x), rtol=1e-5, atol=1e-6
        )


# ---------------------------------------------------------------- batch 12: iterative algorithms

A_PI = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]])


def power_iteration_top(x):
    M = A_PI + np.diag(x)
    v = np.ones(3) / np.sqrt(3.0)
    for _ in range(60):
        w = M @ v
        v = w / np.linalg.norm(w)
    return v @ M @ v


def eigvalsh_top(x):
    return np.linalg.eigvalsh(A_PI + np.diag(x))[-1]


def inner_loss_branchy(w):
    s = 0.0
    for i in range(3):
        if w[i] > 0:  # noqa: SIM108
            s = s + w[i] ** 4
        else:
            s = s + np.sin(w[i]) * w[i]
    return s


def unrolled_gd(x):
    w = x
    for _ in ad.checkpoint(range(5), every=2):
        w = w - 0.1 * ad.grad(inner_loss_branchy)(w)
    return np.sum(w**2 * x)


def ckpt_break_continue(x):
    h = x
    for t in ad.checkpoint(range(11), every=3):
        h = np.tanh(h * 1.2 + 0.1 * t) + 0.05 * h[::-1]
        if np.sum(h) > 2.5:
            break
        if t % 4 == 1:
            continue
        h = h * 1.01
    return np.sum(h**2) * x[0]


ITER = {
    "power_iteration": (power_iteration_top, np.array([0.1, -0.2, 0.3])),
    "unrolled_gd_grad_inside": (unrolled_gd, np.array([0.4, -0.3, 0.6])),
    "ckpt_break_continue_early": (ckpt_break_continue, np.array([1.4, 1.3, 0.6])),
    "ckpt_break_continue_full": (ckpt_break_continue, np.array([0.4, -0.3, 0.6])),
}


@pytest.mark.parametrize("name", list(ITER))
def test_iterative_hessian(name):
    f, x = ITER[name]
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H, fd_jac(ad.grad(f), x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(x), H, rtol=1e-9, atol=1e-10)
    if name == "power_iteration":
        np.testing.assert_allclose(H, ad.hessian(eigvalsh_top)(x), rtol=1e-8, atol=1e-10)


def dict_with_static_leaves(p):
    s = 0.0
    for _ in range(p["n"]):
        s = s + np.sum(np.tanh(p["w"] * p["scale"]) ** 2)
    return s if p["mode"] == "sum" else -s


def test_hessian_dict_static_leaves():
    p = {"w": np.array([0.3, -0.4]), "n": 3, "mode": "sum", "scale": 1.5, "idx": np.array([0, 1])}
    H = ad.hessian(dict_with_static_leaves)(p)
    assert H["n"] is None and H["w"]["n"] is None
    t = np.tanh(p["w"] * 1.5)
    np.testing.assert_allclose(
        np.diag(H["w"]["w"]), 6 * 1.5**2 * (1 - t**2) * (1 - 3 * t**2), rtol=1e-12
    )
    # d2/dw ds of 3 sum(tanh(w s)^2) = 6 (1-t^2) [t + w s (1 - 3 t^2)]
    w = p["w"]
    np.testing.assert_allclose(
        np.asarray(H["w"]["scale"]), 6 * (1 - t**2) * (t + w * 1.5 * (1 - 3 * t**2)), rtol=1e-12
    )


THIRD_TENSORS = (
    "refused, located at the function: a derivative of what jacfwd, jacrev or hessian made "
    "(third-order tensors; README, Second and higher derivatives)"
)
PENDING_TESTS = {
    "test_third_tensor_jacfwd_hessian": THIRD_TENSORS,
    "test_third_tensor_loop_branch": THIRD_TENSORS,
    "test_third_tensor_routes[logistic-jacfwd_jacfwd_grad]": THIRD_TENSORS,
    "test_third_tensor_routes[logistic-jacrev_jacfwd_grad]": THIRD_TENSORS,
    "test_third_tensor_routes[logistic-jacfwd_jacrev_grad]": THIRD_TENSORS,
    "test_third_tensor_routes[logistic-jacrev_hessian]": THIRD_TENSORS,
    "test_third_tensor_routes[loop_branch-jacfwd_jacfwd_grad]": THIRD_TENSORS,
    "test_third_tensor_routes[loop_branch-jacrev_jacfwd_grad]": THIRD_TENSORS,
    "test_third_tensor_routes[loop_branch-jacfwd_jacrev_grad]": THIRD_TENSORS,
    "test_third_tensor_routes[loop_branch-jacrev_hessian]": THIRD_TENSORS,
    "test_vjp_only_rule_second_order[hessian]": "refused: rule for reverse mode only, "
    "differentiated in forward mode (autograd-style defvjp-only rule)",
    "test_vjp_only_rule_second_order[jacfwd]": "same refusal as hessian",
    "test_vjp_only_rule_second_order[grad_grad]": "same refusal: grad(grad) of a defvjp-only rule",
}
