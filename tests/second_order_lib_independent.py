"""Helpers and classes the second-order tester's programs import by name.

Written from the README alone (the seventy-fourth tester): physics pieces, small
statistical models and numerical helpers, the way a user keeps them in a module of
their own next to the objective.
"""

# ruff: noqa: B905  (the programs are written as users write them)

import dataclasses
from typing import NamedTuple

import numpy as np

SOFTENING = 0.05
DEFAULT_K = 3.0


def softplus(z):
    return np.log1p(np.exp(z))


def pair_distance(a, b):
    d = a - b
    return np.sqrt(np.sum(d * d) + SOFTENING**2)


def lj_pair(r, eps=1.0, sigma=1.0):
    s6 = (sigma / r) ** 6
    return 4.0 * eps * (s6 * s6 - s6)


def spring_energy(a, b, k, rest):
    return 0.5 * k * (pair_distance(a, b) - rest) ** 2


def apply_twice(fn, v):
    return fn(fn(v))


def weighted_sum(fn, xs, weights):
    total = 0.0
    for xi, wi in zip(xs, weights):
        total = total + wi * fn(xi)
    return total


def gaussian_logpdf(x, mu, log_sigma):
    sigma = np.exp(log_sigma)
    z = (x - mu) / sigma
    return -0.5 * z * z - log_sigma - 0.5 * np.log(2.0 * np.pi)


def quad_form(A, v):
    return v @ A @ v


def smooth_abs(v, eps=1e-3):
    return np.sqrt(v * v + eps)


@dataclasses.dataclass
class Spring:
    k: float
    rest: float

    def energy(self, a, b):
        return spring_energy(a, b, self.k, self.rest)


class LennardJones:
    def __init__(self, eps, sigma):
        self.eps = eps
        self.sigma = sigma

    def pair(self, r):
        return lj_pair(r, self.eps, self.sigma)

    def total(self, pos):
        n = pos.shape[0]
        e = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                r = pair_distance(pos[i], pos[j])
                e = e + self.pair(r)
        return e


class Prior(NamedTuple):
    mu: float
    scale: float


class LogisticModel:
    def __init__(self, X, y, prior_scale=2.0):
        self.X = X
        self.y = y
        self.prior_scale = prior_scale

    def log_lik(self, w):
        z = self.X @ w
        return np.sum(self.y * z - softplus(z))

    def log_prior(self, w):
        return -0.5 * np.sum(w * w) / self.prior_scale**2

    def log_post(self, w):
        return self.log_lik(w) + self.log_prior(w)


def rosenbrock(v, a=1.0, b=100.0):
    return np.sum(b * (v[1:] - v[:-1] ** 2) ** 2 + (a - v[:-1]) ** 2)


def newton_direction(g, H):
    return np.linalg.solve(H, g)
