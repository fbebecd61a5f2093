"""Programs for test_fallback_and_fixed_tuples_independent.py (57th tester)."""

from dataclasses import dataclass
from typing import NamedTuple

import fallback_other_module_independent as other
import numpy as np

# ---------------------------------------------------------------- fixed tuples spread by *p


def poly(*args):
    *cs, x = args
    acc = np.zeros_like(x)
    for c in cs:
        acc = acc * x + c
    return acc


def spread_poly(x, p):
    return np.sum(poly(*p, x) ** 2)


def lin3(a, b, x):
    return a * np.sin(x) + b * x * x


def spread_fixed_arity(x, p):
    return np.sum(lin3(*p, x) ** 2)


def spread_scalar(x, p):
    return poly(*p, x) ** 3 + np.cos(x)


class Coef(NamedTuple):
    a: float
    b: float


def spread_named(x, p):
    return np.sum(lin3(*p, x) * np.tanh(x))


def spread_vector(x, p):
    return np.tanh(poly(*p, x))


def spread_front(x, p):
    return np.sum(lin3(x, *p) ** 2)


def lin3_front(x, a, b):
    return np.exp(a * x) + b * x


def spread_front2(x, p):
    return np.sum(lin3_front(x, *p) ** 2)


def spread_two_args(x, y, p):
    return np.sum(poly(*p, x * y) ** 2)


# ---------------------------------------------------------------- module state helpers
SCALE = 2.0
LOG = []
ARR = np.array([1.0, 2.0, 3.0])


class _Cfg:
    pass


CFG = _Cfg()
CFG.scale = 0.5


def set_scale(v):
    global SCALE
    SCALE = v


def set_cfg(v):
    CFG.scale = v


def set_arr(v):
    ARR[0] = v


def log_value(v):
    LOG.append(v)


def state_global(x):
    a = np.sin(x) * SCALE
    set_scale(3.0)
    return np.sum(a * a * SCALE + x * x * x)


def state_attr(x):
    a = np.sin(x) * CFG.scale
    set_cfg(1.25)
    return np.sum(a * a * CFG.scale + np.cos(x) * x)


def state_item(x):
    a = np.sin(x) * ARR[0]
    set_arr(4.0)
    return np.sum(a * a * ARR[0] + x**3)


def state_append(x):
    y = np.sum(np.sin(x) * x)
    log_value(len(LOG) + 1.0)
    return y * y * LOG[-1]


# ---------------------------------------------------------------- non-copyable helpers
def note(v):
    print("note", round(float(np.sum(v)), 6))


def use_note_or(x, flag):
    y = np.sin(x) * x
    if note(y) or flag:
        y = y * y
    return np.sum(y * x)


def make_closure(c):
    def inner(v):
        return np.sin(v) * c + v * v

    return inner


CLOSED = make_closure(1.75)


def use_closure(x):
    return np.sum(CLOSED(x) * np.cos(x))


def make_printing_closure(c):
    def inner(v):
        print("closure", round(float(np.sum(v)), 6))
        return np.sin(v) * c

    return inner


PCLOSED = make_printing_closure(0.5)


def use_printing_closure(x):
    return np.sum(PCLOSED(x) ** 2)


def use_other(x):
    return np.sum(other.other_scaled(x) ** 2 * x)


def use_other_note(x):
    other.other_note(x)
    return np.sum(np.sin(x) * x * x)


def use_other_state(x):
    a = other.other_scaled(x)
    other.other_set_scale(2.5)
    return np.sum(a * other.other_scaled(x))


K = 2.0


def times_k(v):
    return np.sin(v) * K


def shadow_global(x):
    K = np.cos(x)
    return np.sum(times_k(x) * K)


def times_k_print(v):
    print("k", K)
    return np.sin(v) * K


def shadow_global_print(x):
    K = x * x
    return np.sum(times_k_print(x) * K)


DEF_SCALE = 3.0


def with_default(v, s=DEF_SCALE * 2):
    return np.sin(v) * s


def use_default(x):
    return np.sum(with_default(x) * x)


def with_default_print(v, s=DEF_SCALE + 1.0):
    print("s", s)
    return np.sin(v) * s


def use_default_print(x):
    return np.sum(with_default_print(x) ** 2)


def bump_first(buf):
    buf[0] = buf[0] + 1.0


COUNTS = np.zeros(2)


def use_bump_global(x):
    bump_first(COUNTS)
    return np.sum(np.sin(x) * x * COUNTS[0])


def use_bump_local(x):
    buf = np.zeros(3)
    bump_first(buf)
    return np.sum(np.sin(x) * buf[0] + x * x)


def state_with_note_closure(x):
    a = np.sin(x) * SCALE
    set_scale(5.0)
    b = CLOSED(x)
    return np.sum(a * b * SCALE)


def state_with_other(x):
    a = other.other_scaled(x) * SCALE
    set_scale(0.75)
    return np.sum(a * a * SCALE)


def state_shadow(x):
    K = np.cos(x)
    set_scale(1.5)
    return np.sum(times_k(x) * K * SCALE)


def state_default(x):
    set_cfg(2.0)
    return np.sum(with_default(x) * x * CFG.scale)


def printing_helper(v):
    print("ph", round(float(np.sum(v)), 6))
    return np.sin(v) * 2.0


def use_printing_helper(x):
    return np.sum(printing_helper(x) ** 2)


# ---------------------------------------------------------------- integer leaves
class P(NamedTuple):
    w: np.ndarray
    n: int


@dataclass
class D:
    w: np.ndarray
    n: int


def int_leaf_dict(p):
    return np.sum(np.sin(p["w"]) ** 2) * p["n"] + np.sum(p["w"] ** 3)


def int_leaf_named(p):
    return np.sum(np.sin(p.w) ** 2) * p.n + np.sum(p.w**3)


def int_leaf_dc(p):
    return np.sum(np.sin(p.w) ** 2) * p.n + np.sum(p.w**3)


def int_leaf_vec_dict(p):
    return np.sin(p["w"]) * p["n"] + p["w"] ** 2


def int_leaf_vec_named(p):
    return np.sin(p.w) * p.n + p.w**2


def int_leaf_loop(p):
    acc = p["w"]
    for _ in range(p["n"]):
        acc = np.sin(acc) * 1.1
    return np.sum(acc**2)


# --------------------------------------- non-copyable helpers reading state changed mid-function
def make_scale_reader():
    def inner(v):
        return np.sin(v) * SCALE

    return inner


SCALE_READER = make_scale_reader()


def state_closure_reads(x):
    a = SCALE_READER(x)
    set_scale(2.5)
    return np.sum(a * SCALE_READER(x))


def ks(v):
    return np.sin(v) * K * SCALE


def state_shadow_reads(x):
    K = np.cos(x)
    a = ks(x)
    set_scale(2.5)
    return np.sum(a * ks(x) * K)


def scale_default(v, s=DEF_SCALE * 2):
    return np.sin(v) * s * SCALE


def state_default_reads(x):
    a = scale_default(x)
    set_scale(2.5)
    return np.sum(a * scale_default(x))


def bump_scale(v):
    global SCALE
    SCALE = SCALE + 1.0


def state_note_or(x, flag):
    a = np.sin(x) * SCALE
    if bump_scale(x) or flag:
        a = a * SCALE
    return np.sum(a * a)


def state_other_reads_ours(x):
    a = other.other_scaled(x) * SCALE
    other.other_set_scale(2.5)
    set_scale(0.5)
    return np.sum(a * other.other_scaled(x) * SCALE)


def attr_reader(v):
    return np.sin(v) * CFG.scale


def state_closure_attr(x):
    a = ATTR_READER(x)
    set_cfg(2.0)
    return np.sum(a * ATTR_READER(x))


def make_attr_reader():
    def inner(v):
        return np.sin(v) * CFG.scale

    return inner


ATTR_READER = make_attr_reader()


def make_item_reader():
    def inner(v):
        return np.sin(v) * ARR[0]

    return inner


ITEM_READER = make_item_reader()


def state_closure_item(x):
    a = ITEM_READER(x)
    set_arr(3.0)
    return np.sum(a * ITEM_READER(x))


def make_log_reader():
    def inner(v):
        return np.sin(v) * LOG[-1]

    return inner


LOG_READER = make_log_reader()


def state_closure_log(x):
    log_value(2.0)
    a = LOG_READER(x)
    log_value(3.0)
    return np.sum(a * LOG_READER(x))
