import numpy as xp
from numpy import tanh as _t

GAIN = 1.2


def relu(z):
    return xp.maximum(z, 0.0)


def smooth(z):
    return _t(z) * GAIN
