"""Programs for tests/test_made_object_classes.py: objects made in the function, their class
followed through copies, joins and loops, or refused where it may differ by path."""

from typing import NamedTuple

import numpy as np


class A:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w * x)

    def next(self, s):
        return A(self.w * s)

    def other(self):
        return B(self.w)


class B:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(np.sin(self.w * x))

    def next(self, s):
        return B(self.w + s)


def loop_switch(x):
    h = A(x)
    t = 0.0
    for _i in range(3):
        t = t + h.f(x)
        h = B(x * 2.0)
    return t


def loop_switch_by_method(x):
    h = A(x)
    t = 0.0
    for _i in range(3):
        t = t + h.f(x)
        h = h.other()
    return t


def loop_switch_used_after(x):
    h = A(x)
    for _i in range(2):
        h = B(x * 2.0)
    return h.f(x)


def branch_two(x):
    h = A(x)
    if x[0] > 0:
        h = B(x)
    return h.f(x)


def branch_same(x):
    if x[0] > 0:  # noqa: SIM108 (a join of two branches, not an expression)
        h = A(x)
    else:
        h = A(x * 3.0)
    return h.f(x)


def ifexp_same(x):
    h = A(x) if x[0] > 0 else A(2.0 * x)
    return h.f(x)


def ifexp_two(x):
    h = A(x) if x[0] > 0 else B(2.0 * x)
    return h.f(x)


def copy_then(x):
    h = A(x)
    g = h
    return g.f(x) + g.next(2.0).f(x)


def while_chain(x):
    h = A(x)
    k = 0
    while k < 3:
        h = h.next(0.5)
        k += 1
    return h.f(x)


def nested_chain(x):
    h = A(x)
    for _i in range(2):
        for _j in range(2):
            h = h.next(1.5)
        h = h.next(0.5)
    return h.f(x)


def while_switch(x):
    h = A(x)
    k = 0
    t = 0.0
    while k < 3:
        t = t + h.f(x)
        h = B(x)
        k += 1
    return t


def nested_switch(x):
    h = A(x)
    t = 0.0
    for _i in range(2):
        for _j in range(2):
            t = t + h.f(x)
        h = B(x)
    return t


def ifexp_direct(x):
    return (A(x) if x[0] > 0 else B(2.0 * x)).f(x)


def swap_loop(x):
    a = A(x)
    b = B(x)
    t = 0.0
    for _i in range(3):
        t = t + a.f(x)
        a, b = b, a
    return t


def swap_same(x):
    a = A(x)
    b = A(2.0 * x)
    t = 0.0
    for i in range(3):
        t = t + a.f(x) * i
        a, b = b, a
    return t


def tuple_unpack(x):
    a, b = A(x), B(x)
    return a.f(x) + b.f(x)


def list_item(x):
    hs = [A(x), B(x)]
    h = hs[1]
    return h.f(x)


def break_loop(x):
    h = A(x)
    for _i in range(5):
        h = h.next(0.5)
        if np.sum(h.w) < 0.1:
            break
    return h.f(x)


def list_loop(x):
    hs = [A(x), A(x**2)]
    s = 0.0
    for h in hs:
        s = s + h.f(x)
    return s


def appended_in_loop(x):
    hs = []
    for k in range(3):
        hs.append(A(x * (k + 1.0)))
    s = 0.0
    for h in hs:
        s = s + h.f(x)
    return s


def comprehension_of_objects(x):
    hs = [A(x * c) for c in (1.0, 2.0)]
    return sum(h.f(x) for h in hs)


def appended_in_branch(x):
    hs = [A(x)]
    if x[0] > 0:
        hs.append(A(3.0 * x))
    s = 0.0
    for h in hs:
        s = s + h.next(2.0).f(x)
    return s


def list_of_two_classes(x):
    hs = [A(x), B(x**2)]
    s = 0.0
    for h in hs:
        s = s + h.f(x)
    return s


def item_replaced(x):
    hs = [A(x), A(x**2)]
    hs[1] = B(x)
    s = 0.0
    for h in hs:
        s = s + h.f(x)
    return s


def other_class_appended(x):
    hs = [A(x)]
    hs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.f(x)
    return s


def appended_through_alias(x):
    hs = [A(x), A(2.0 * x)]
    gs = hs
    gs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.f(x)
    return s


def other_class_appended_in_loop(x):
    hs = [A(x)]
    t = 0.0
    for _k in range(2):
        for h in hs:
            t = t + h.f(x)
        hs.append(B(x))
    return t


def chosen_in_comprehension(x):
    hs = [A(x) if c > 1.5 else B(x) for c in (1.0, 2.0)]
    return sum(h.f(x) for h in hs)


def item_methods(x):
    hs = [A(x), A(2.0 * x)]
    hs.append(A(x**2))
    return hs[0].f(x) * hs[1].f(x) + hs[-1].next(0.5).f(x)


def item_method_of_two_classes(x):
    hs = [A(x), B(2.0 * x)]
    return hs[1].f(x)


class Rec(NamedTuple):
    m: np.ndarray
    p: np.ndarray


def rec_step(r, x):
    return Rec(r.m * 0.5 + x, r.p)


def record_rebound_by_helper(x):
    r = Rec(x, 2.0 * x)
    t = 0.0
    for _ in range(3):
        t = t + np.sum(r.m * r.p)
        r = rec_step(r, x)
    return t
