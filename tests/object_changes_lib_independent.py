"""Another module's classes, changed through this module by the tests (tester 88)."""

import numpy as np


class LibLayer:
    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return np.sin(self.w * x)


def lib_apply_alt(self, x):
    return np.cos(self.w * x) * 1.5


class LibScale:
    K = 2.0

    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return self.K * self.w * x


class LibScaleAlt:
    K = 3.0

    def __init__(self, w):
        self.w = w

    def apply(self, x):
        return self.K * np.tanh(self.w * x)
