# ruff: noqa: SIM108, B028
"""Classes and programs of tests/test_object_state_independent.py that the tests change
between two calls of one derivative (methods, properties, class attributes, classes)."""

import warnings
from typing import NamedTuple

import numpy as np


class Box:
    k = 2.0

    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w * x) * self.k

    @property
    def p(self):
        return np.sum(self.w**2)

    def step(self, dt):
        return Box(self.w * (1.0 + dt))


class SubBox(Box):
    pass


class AltBox:
    k = 5.0

    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(np.sin(self.w) * x)

    @property
    def p(self):
        return np.sum(self.w**3)

    def step(self, dt):
        return AltBox(self.w - dt)


class St(NamedTuple):
    m: np.ndarray
    P: float


def advance(s, z):
    return St(s.m + 0.5 * (z - s.m), s.P * 0.5)


def advance_other(s, z):
    return St(s.m * 0.25 + z, s.P + 1.0)


def r_method(x):
    b = Box(x)
    return b.f(x)


def r_property(x):
    b = Box(x)
    return b.p + np.sum(b.w)


def r_class_attr(x):
    b = Box(x)
    return np.sum(b.w * x) * b.k


def r_class_attr_in_method(x):
    b = Box(x)
    return b.f(np.cos(x))


def r_loop_step(x):
    b = Box(x)
    for _ in range(3):
        b = b.step(0.1)
    return b.f(x) + b.p


def r_list_items(x):
    bs = [Box(x * k) for k in (1.0, 2.0)]
    t = 0.0
    for b in bs:
        t = t + b.f(x)
    return t + bs[-1].step(0.5).f(x)


def r_subclass(x):
    b = SubBox(x)
    return b.f(x) + b.p


def r_state_helper(x):
    s = St(x, 1.0)
    for i in range(3):
        s = advance(s, x * i)
    return np.sum(s.m**2) * s.P


def r_warn_method(x):
    b = WarnBox(x)
    return b.f(x)


def r_warn_loop(x):
    b = WarnBox(x)
    t = 0.0
    for _ in range(2):
        t = t + b.f(x)
        b = WarnBox(b.w * 0.5)
    return t


def r_warn_list(x):
    bs = [WarnBox(x), WarnBox(x * 2.0)]
    return bs[-1].f(x) + bs[0].g(x)


class WarnBox:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        warnings.warn("t87 warnbox f", UserWarning, stacklevel=2)
        return np.sum(self.w * x)

    def g(self, x):
        warnings.warn("t87 warnbox g", UserWarning)
        return np.sum(self.w * x**2)


def scale_of(v):
    return v * 2.0


class UsesGlobal:
    def __init__(self, w):
        self.w = scale_of(w)

    def f(self, x):
        return np.sum(np.tanh(self.w) * x)


def r_init(x):
    b = Box(x * 0.5)
    return b.f(x)


def r_init_helper(x):
    u = UsesGlobal(x)
    return u.f(x)


def r_meta_class_call(x):
    b = Box(x)
    c = b.step(0.2)
    return c.f(x) + np.sum(c.w)


def r_by_data(x):
    if x[0] > 0.0:
        b = Box(x)
    else:
        b = AltBox(x)
    return np.sum(b.w * x) * b.k
