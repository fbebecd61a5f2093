"""Helpers in another module (cannot be copied into the caller's derivative code)."""

import numpy as np

OTHER_SCALE = 1.5
OTHER_LOG = []


def other_scaled(x):
    return np.sin(x) * OTHER_SCALE


def other_note(v):
    print("other note", float(np.sum(v)))
    OTHER_LOG.append(float(np.sum(v)))


def other_set_scale(v):
    global OTHER_SCALE
    OTHER_SCALE = v
