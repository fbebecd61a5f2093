"""Another module's classes, for tests/test_object_classes_independent.py."""

import numpy as np


class LH:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**3)

    def scaled(self, s):
        return LH(self.w * s)


class H:
    """Same name and methods as the programs module's H, another body."""

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(np.cos(self.w * x))

    def scaled(self, s):
        return H(self.w * s)
