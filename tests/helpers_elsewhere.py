"""Helpers in another module: their globals are their own module's."""

import numpy as np

OFFSET = 0.5  # a global of this module, not of the caller's


def shifted_square(x):
    return (x + OFFSET) ** 2


def normalise(v):
    return v / np.sqrt(np.sum(v * v))
