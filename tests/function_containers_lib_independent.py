"""Tester 75's second module: activations, function containers and layers kept elsewhere.

Imported by its name (`import function_containers_lib_independent as fcl`) by
`test_function_containers_independent.py`.
"""

import dataclasses
import functools

import numpy as np

SHIFT = 0.3


def softplus(v):
    return np.log1p(np.exp(v))


def shifted_sin(v):
    return np.sin(v + SHIFT)


def poly(v, a=1.0, b=0.5):
    return a * v + b * v**2


ACTS = {"softplus": softplus, "tanh": np.tanh, "poly": functools.partial(poly, b=0.25)}
FUNCS = [shifted_sin, np.tanh, softplus]


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return self.W @ x + self.b


@dataclasses.dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)

    def forward(self, x):
        return self(x)


class Stack:
    def __init__(self, layers, act=np.tanh):
        self.layers = layers
        self.act = act

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


def run_layers(layers, x):
    for layer in layers:
        x = layer(x)
    return x
