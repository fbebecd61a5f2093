import numpy as np

from . import act as A
from .act import relu, smooth


class Block:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return smooth(self.W @ x) + relu(x).sum() * 0.1


def block_loss(block, x):
    return np.sum(block(x) ** 2) + A.GAIN * np.sum(x)
