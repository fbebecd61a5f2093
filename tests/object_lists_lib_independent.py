"""Classes of another module for tests/test_object_lists_independent.py (tester 86)."""

import numpy as np


class A:
    """Named like the programs' own `A`, with another energy."""

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**3) / 3.0


class LibCubic:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**3) / 3.0 + np.sum(np.exp(0.1 * self.w))


class LibDense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, h):
        return np.tanh(self.W @ h + self.b)
