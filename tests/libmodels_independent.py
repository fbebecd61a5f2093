"""A model library in a module of its own, for tests/test_model_libraries_independent.py:
layers, networks and a physics system, with helpers reading the module's globals."""

import math

import libthird_independent as third
import numpy as np
from libthird_independent import soft
from numpy import tanh

import s2s_ad as ad

W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
SCALE = 1.5
TABLE = np.array([1.0, 2.0, 3.0])
CONFIG = {"gain": 2.0, "use_bias": True}
LOG = []


def act(z):
    return tanh(z)


def scale(z):
    return SCALE * z


def helper(z):  # the training script has a `helper` of its own
    return np.sin(z) * SCALE


def project(x):
    return W @ x


def table_dot(x):
    return np.sum(TABLE * x)


def config_gain(x):
    g = CONFIG["gain"]
    if CONFIG["use_bias"]:
        return g * x + 0.5
    return g * x


def with_math(t):
    return math.exp(-t * t) + math.sin(t) * math.sqrt(2.0) + math.log(1.0 + t * t)


def checked(x):
    assert np.all(np.isfinite(x)), "non-finite input"
    if x.shape[0] == 0:
        raise ValueError("empty input")
    return x * 2.0


def checked_positive(x):
    if np.any(x <= 0.0):
        raise ValueError("checked_positive needs positive input")
    return np.log(x)


def printing(x):
    print("lib printing", x.shape)
    return np.sum(x**2)


def comp(x):
    return sum([x[i] * TABLE[i] for i in range(len(TABLE))])


def comp_dict(x):
    d = {k: x[i] ** 2 for i, k in enumerate(["a", "b", "c"])}
    return d["a"] + 2.0 * d["c"]


def newton_sqrt(x, tol=1e-12):
    y = x
    k = 0
    while k < 30:
        y = 0.5 * (y + x / y)
        k += 1
        if np.max(np.abs(y * y - x)) < tol:
            break
    return y


def early(x):
    if np.sum(x) > 100.0:
        return x * 0.0
    for i in range(3):
        if i == 2:
            return x * SCALE
        x = np.sin(x)
    return x


def defaults_arr(x, w=np.array([1.0, -2.0, 0.5]), f=np.cos):  # noqa: B008
    return f(x) * w


def default_fn(x, f=np.cos):
    return f(x) * 2.0


def default_arr(x, w=np.array([1.0, -2.0, 0.5])):  # noqa: B008
    return np.sin(x) * w


def kw(x, *, alpha=0.3, beta=1.0):
    return alpha * x**2 + beta * x


def star(*args):
    total = 0.0
    for a in args:
        total = total + np.sum(a * a)
    return total


def third_call(x):
    return third.shifted(soft(x, k=2.0))


def third_damp(x):
    return third.damp(x) * SCALE


def logging_loss(x):
    LOG.append(1)
    return np.sum(x**3)


def apply(fn, x):
    return fn(x) * SCALE


def star_forward(*args):
    return star(*args) + third.times_np(args[0])[0]


def energy(x):
    return SCALE * np.sum(x**4) / 4.0 + np.sum(x * TABLE)


d_energy = ad.grad(energy)


def force(x):
    return -d_energy(x)


def first_over(x, limit=0.5):
    i = 0
    while i < x.shape[0]:
        if x[i] > limit:
            return x[i] * SCALE
        i += 1
    return np.sum(x)


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return act(self.W @ x + self.b)

    def __call__(self, x):
        return self.forward(x)


class ScaledDense(Dense):
    def forward(self, x):
        return super().forward(x) * SCALE


class MLP:
    def __init__(self, layers):
        self.layers = layers

    @property
    def depth(self):
        return len(self.layers)

    @property
    def last_W(self):
        return self.layers[-1].W

    def hidden(self, x):
        for layer in self.layers[:-1]:
            x = layer(x)
        return x

    def forward(self, x):
        h = self.hidden(x)
        return self.last_W @ h

    def __call__(self, x):
        return np.sum(self.forward(x) ** 2) / self.depth


class Spring:
    def __init__(self, k, m, c):
        self.k = k
        self.m = m
        self.c = c

    @property
    def omega2(self):
        return self.k / self.m

    def accel(self, x, v):
        return -self.omega2 * x - self.c * v

    def step(self, x, v, dt):
        v = v + dt * self.accel(x, v)
        x = x + dt * v
        return x, v

    def energy(self, x, v):
        return 0.5 * self.m * v * v + 0.5 * self.k * x * x

    def simulate(self, x, v, n=20, dt=0.05):
        for _ in range(n):
            x, v = self.step(x, v, dt)
        return self.energy(x, v)


class GlobalNet:
    """Reads the module's W and SCALE and calls the module's act."""

    def __call__(self, x):
        return np.sum(act(W @ x) * SCALE)


class Polynomial:
    def __init__(self, coefs):
        self.coefs = coefs

    def __call__(self, t):
        acc = 0.0
        for c in reversed(self.coefs):
            acc = acc * t + c
        return acc
