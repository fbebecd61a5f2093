"""Helpers and models in a module of their own (tester 77): what the programs of
`t77_programs_independent.py` import, as a user's code imports its library."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-8
SCALE = 0.75


def softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def dense(W, b, x):
    return np.tanh(W @ x + b)


def mse(pred, target):
    diff = pred - target
    return np.mean(diff * diff)


def normalise(v):
    return v / np.sqrt(np.sum(v * v) + EPS)


@dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


@dataclass
class MLP:
    layers: list

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Scaler:
    def __init__(self, s):
        self.s = s

    def apply(self, x):
        return x * self.s + SCALE
