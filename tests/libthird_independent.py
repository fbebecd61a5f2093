"""A third module for tests/test_model_libraries_independent.py: helpers the model library
calls (NumPy imported under another name, a global the other modules also bind)."""

import numpy as xp

SHIFT = 0.1
SCALE = -7.0  # the model library has a SCALE of its own


def soft(z, k=1.0):
    return xp.log1p(xp.exp(k * z)) / k


def shifted(z):
    return z + SHIFT


def damp(z):
    return z * (1.0 - 0.1 * SCALE / 7.0)


np = 3.0  # not NumPy here: a number named like the other modules' NumPy


def times_np(z):
    return np * z + xp.sin(z)
