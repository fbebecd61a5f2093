"""The benchmark workloads: each a plain NumPy function, its arguments, and a gradient written
by hand (the practical limit a derivative tool can approach); the Hessian workloads likewise
with a Hessian written by hand.

Used by `benchmarks/gradients.py` and `benchmarks/hessians.py`; every derivative is checked
against the hand-written one before anything is timed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

rng = np.random.default_rng(0)


@dataclass
class Workload:
    name: str
    fn: Callable
    args: tuple
    hand: Callable  # the gradient with respect to the first argument, written by hand
    forward: bool = True  # whether a forward-mode gradient (one pass, n directions) is sensible


# scalar loop, 100 steps of y = y + x * x


def squares_loop(x):
    y = 0.0
    for _ in range(100):
        y = y + x * x
    return y


def squares_loop_hand(x):
    g = 0.0
    for _ in range(100):  # as the loop is written: one step of the adjoint per step
        g = g + 2.0 * x
    return g


# scalar loop, 200 steps of sin/cos


def scalar_loop(x):
    for _ in range(200):
        x = np.sin(x) * 0.9 + np.cos(x) * 0.1
    return x


def scalar_loop_hand(x):
    xs = []
    for _ in range(200):
        xs.append(x)
        x = np.sin(x) * 0.9 + np.cos(x) * 0.1
    g = 1.0
    for x in reversed(xs):
        g = g * (np.cos(x) * 0.9 - np.sin(x) * 0.1)
    return g


# scalar transcendental chain


def chain(x):
    a = np.exp(np.sin(x) * 0.5)
    b = np.log(1.0 + a * a)
    c = np.tanh(b * x)
    return np.sqrt(1.0 + c * c) * a


def chain_hand(x):
    s = np.sin(x)
    a = np.exp(s * 0.5)
    b = np.log(1.0 + a * a)
    c = np.tanh(b * x)
    r = np.sqrt(1.0 + c * c)
    g_r, g_a = a, r
    g_c = g_r * c / r
    g_bx = g_c * (1.0 - c * c)
    g_b, g_x = g_bx * x, g_bx * b
    g_a = g_a + g_b * 2.0 * a / (1.0 + a * a)
    return g_x + g_a * a * 0.5 * np.cos(x)


# sum(tanh(W @ x + b))


def tanh_layer(w, x, b):
    return np.sum(np.tanh(w @ x + b))


def tanh_layer_hand(w, x, b):
    h = np.tanh(w @ x + b)
    return np.outer(1.0 - h * h, x)


# 2-layer MLP, softmax cross-entropy, batch 64


def mlp(w1, b1, w2, b2, x, labels):
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.take_along_axis(logp, labels[:, None], axis=1))


def mlp_hand(w1, b1, w2, b2, x, labels):
    h = np.tanh(x @ w1 + b1)
    logits = h @ w2 + b2
    p = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p /= np.sum(p, axis=1, keepdims=True)
    p[np.arange(len(labels)), labels] -= 1.0
    g_logits = p / len(labels)
    g_h = g_logits @ w2.T
    return x.T @ (g_h * (1.0 - h * h))


# Rosenbrock on 1,000 variables, with slicing


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hand(x):
    d = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[1:] += 200.0 * d
    g[:-1] += -400.0 * d * x[:-1] - 2.0 * (1.0 - x[:-1])
    return g


# a recurrent loop of matrix-vector products


def recurrent(w, h):
    for _ in range(20):
        h = np.tanh(w @ h)
    return np.sum(h)


def recurrent_hand(w, h):
    hs = []
    for _ in range(20):
        hs.append(h)
        h = np.tanh(w @ h)
    g_h = np.ones_like(h)
    g_w = np.zeros_like(w)
    out = h
    for prev in reversed(hs):
        g_pre = g_h * (1.0 - out * out)
        g_w += np.outer(g_pre, prev)
        g_h = w.T @ g_pre
        out = prev
    return g_w


WORKLOADS = [
    Workload("scalar loop, 100 steps of y = y + x * x", squares_loop, (0.3,), squares_loop_hand),
    Workload("scalar loop, 200 steps of sin/cos", scalar_loop, (0.3,), scalar_loop_hand),
    Workload("scalar transcendental chain", chain, (0.7,), chain_hand),
    Workload(
        "sum(tanh(W@x+b)), W 10x10",
        tanh_layer,
        (rng.standard_normal((10, 10)), rng.standard_normal(10), rng.standard_normal(10)),
        tanh_layer_hand,
    ),
    Workload(
        "sum(tanh(W@x+b)), W 1000x1000",
        tanh_layer,
        (
            rng.standard_normal((1000, 1000)) / 30,
            rng.standard_normal(1000),
            rng.standard_normal(1000),
        ),
        tanh_layer_hand,
        forward=False,
    ),
    Workload(
        "MLP 784-128-10, batch 64",
        mlp,
        (
            rng.standard_normal((784, 128)) / 28,
            np.zeros(128),
            rng.standard_normal((128, 10)) / 11,
            np.zeros(10),
            rng.standard_normal((64, 784)),
            rng.integers(0, 10, 64),
        ),
        mlp_hand,
        forward=False,
    ),
    Workload(
        "Rosenbrock, 1,000 variables", rosenbrock, (rng.uniform(-1, 1, 1000),), rosenbrock_hand
    ),
    Workload(
        "recurrent: 20 steps of tanh(W@h), W 50x50",
        recurrent,
        (rng.standard_normal((50, 50)) / 7, rng.standard_normal(50)),
        recurrent_hand,
        forward=False,
    ),
]


# Hessians: logistic regression's negative log-likelihood with a Gaussian prior, n = 10, 100,
# 1,000 weights, 200 rows of data; accumulated over batches of 50 rows in a loop (as a
# streaming or mini-batch likelihood is written), and in one batch for comparison


@dataclass
class HessianWorkload:
    name: str
    fn: Callable
    args: tuple
    hand: Callable  # the Hessian with respect to the first argument, written by hand


def batched_nll(w, X, y):
    total = 0.5 * np.sum(w * w)
    for start in range(0, X.shape[0], 50):
        z = X[start : start + 50] @ w
        total = total + np.sum(np.logaddexp(0.0, z) - y[start : start + 50] * z)
    return total


def nll(w, X, y):
    z = X @ w
    return 0.5 * np.sum(w * w) + np.sum(np.logaddexp(0.0, z) - y * z)


def nll_hessian_hand(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return X.T @ ((p * (1.0 - p))[:, None] * X) + np.eye(len(w))


def _logistic_data(n: int, rows: int = 200) -> tuple:
    w = rng.standard_normal(n) / 2
    X = rng.standard_normal((rows, n)) / np.sqrt(n)
    y = (rng.uniform(size=rows) < 1.0 / (1.0 + np.exp(-(X @ w)))).astype(float)
    return w, X, y


HESSIAN_WORKLOADS = [
    HessianWorkload(f"{label}, {n:,} inputs", fn, args, nll_hessian_hand)
    for n in (10, 100, 1000)
    for args in [_logistic_data(n)]
    for label, fn in [("logistic NLL, loop over 4 batches", batched_nll), ("logistic NLL", nll)]
]
