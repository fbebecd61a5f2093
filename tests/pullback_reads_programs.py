"""Functions reading module state, for `test_pullback_reads_state.py` (a module of their own:
s2s_ad reads source from files)."""

import numpy as np

SCALE = 2.0
W = np.array([1.0, 2.0])


class Config:
    def __init__(self, scale):
        self.scale = scale


CFG = Config(2.0)


def by_global(x):
    return np.sum(x * x * SCALE)


def by_attribute(x):
    return np.sum(x * x * CFG.scale)


def by_array(x):
    return np.sum(x * x * W)
