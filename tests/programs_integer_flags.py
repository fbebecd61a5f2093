# ruff: noqa: SIM102, SIM108, SIM222, SIM223  (the folded forms are what is tested)
"""Branches whose test folds to an integer literal (`0 and …`, `1 or …`, `2 and 0 and …`)
inside another branch: the programs of `test_integer_flags.py`."""

import numpy as np


def zero_and(x):
    z = x * 0.5
    if z < 0.64:
        if 0 and z > 0.07:
            z = np.tanh(z) * x
    return x * z


def one_or(x):
    z = x * 0.5
    if z < 0.64:
        if 1 or z > 0.07:
            z = np.sin(z) * x
        else:
            z = np.tanh(z) * x
    return x * z


def chained(x):
    z = x * 0.5
    if z < 0.64:
        if 2 and 0 and z > 0.07:
            z = np.exp(z) * x
        else:
            z = z * z * x
    return x * z


def in_a_loop(x):
    total = x * 0.0
    for k in range(3):
        if total < 10.0:
            if 0 and k > 1:
                total = total + np.cos(x * k)
            else:
                total = total + np.sin(x * k) * x
    return total * x


def on_arrays(x):
    y = x * 0.5
    if np.sum(y) < 5.0:
        if 1 or np.sum(y) > 0.1:
            y = np.tanh(y) * x
        else:
            y = np.exp(y)
    return np.sum(y * x)
