"""Functions whose SSA form and derivative source are pinned by golden tests."""

import math

import numpy as np


def tanh_layer(W, x, b):
    h = np.tanh(W @ x + b)
    return np.sum(h * h)


def scalar_chain(x, y):
    a = math.sin(x) * y
    a += x**2
    return a / y


def swap(x, y):
    x, y = y, x * 2.0
    return x - y


def partly_active(x, n):
    k = np.size(n)
    return x * k + n


def clashing_names(x, x_bar, _t1):
    x_dot = x * x_bar
    return x_dot + _t1 * x


def two_results(x, y):
    return x * y, x + 1.0
