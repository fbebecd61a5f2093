"""Helper module for test_held_models_independent.py: classes and helpers of another module."""

import numpy as np


class ForeignDense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)


class ForeignCallable:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return np.sin(self.W @ x)


class ForeignData:
    def __init__(self, A, c):
        self.A = A
        self.c = c


def foreign_loss(model, x):
    return np.sum(model.forward(x) ** 2)


def foreign_quad(data, x):
    return 0.5 * x @ (data.A @ x) + data.c * np.sum(x)


FOREIGN_MODEL = ForeignDense(np.array([[0.3, -0.2, 0.1], [0.5, 0.4, -0.6]]), np.array([0.1, -0.2]))
