# ruff: noqa: B007, SIM108, B002
"""User programs whose derivatives contain chains of constants (independent tester 78)."""

import math

import numpy as np


def long_sum(x):
    return x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x + x


def poly_literal(x):
    return 1.0 + 2.0 * x + 3.0 * x**2 + 4.0 * x**3 + 5.0 * x**4 - 6.0 * x**5 + 0.5 * x**6


def weighted_sum(x):
    return 2.0 * x + 3.0 * x + 0.25 * x - 1.5 * x + 7.0 * x + 2.0 * x * 3.0 + x / 4.0 - x / 8.0


def mul_chain(x):
    return x * 2.0 * 3.0 * 0.5 * 4.0


def neg_shift(x):
    return -1.0 * (x - 3.0) * (x + 2.0 - 5.0)


def div_literals(x):
    return x / 2.0 / 5.0 + (x * x) / 10.0 / 0.1


def zero_times(x):
    return 0.0 * x + x * 0.0 + np.sin(x) * 1.0 + 0 * x**2


def int_bool_mix(x):
    return 2 * x + True * x + 3 * x * 2 + x * False + (1 + 2) * x + 4 * x**2


def huge_lit(x):
    return x * 1e308 * 1e-308 + x * 1e-320 * 1e300


def overflow_lit(x):
    # 1e308 * 10.0 is inf: the derivative is inf and must stay so
    return x * 1e308 * 10.0


def nan_lit(x):
    # (1e308*10) - (1e308*10) = nan
    return x * (1e308 * 10.0 - 1e308 * 10.0)


def pow_tower(x):
    return x**2**3


def pow_tower_paren(x):
    return (x**2) ** 3


def loop_const(x):
    y = 0.0
    for i in range(5):
        y = y + 2.0 * x
    return y


def loop_weight_index(x):
    y = x * 0.0
    for i in range(6):
        y = y + (i + 1.0) * 0.5 * x**2
    return y


def unrolled(x):
    y = 0.0
    y = y + 1.0 * x
    y = y + 2.0 * x
    y = y + 3.0 * x
    y = y + 4.0 * x
    y = y + 5.0 * x
    y = y + 6.0 * x
    y = y + 7.0 * x
    y = y + 8.0 * x
    return y * y


def branch_const(x):
    if x > 0.0:
        y = 2.0 * 3.0 * x + 1.0 + 2.0
    else:
        y = -1.0 * x * 4.0 - 2.0 * 0.5 * x
    return y * x


def _helper(u):
    return 3.0 * u + 2.0 * u + 1.0 * u + 0.5


def helper_call(x):
    return _helper(x) * 2.0 + _helper(x * 2.0 * 0.5)


def vec_sum(x):
    return np.sum(2.0 * x + 3.0 * x + x * 4.0 * 0.25 + x / 2.0 / 2.0)


def vec_out(x):
    return 2.0 * x + x * 3.0 * 3.0 - 1.0 * x


def two_args(x, y):
    return 2.0 * x * y + 3.0 * x + 4.0 * y + x * y * 0.5 * 2.0


def math_const(x):
    return math.pi * 2.0 * x + math.e * 1.0 * x**2


def repeated_add_consts(x):
    y = x
    y = y + 2.0
    y = y + 2.0
    y = y + 2.0
    y = y + 2.0
    return y * y


def minus_chain(x):
    return -(-(-x)) * -2.0 - (-3.0) * x


def long_terms_1d(x):
    return (
        1.0 * x
        + 2.0 * x
        + 3.0 * x
        + 4.0 * x
        + 5.0 * x
        + 6.0 * x
        + 7.0 * x
        + 8.0 * x
        + 9.0 * x
        + 10.0 * x
        + 11.0 * x
        + 12.0 * x
        + 13.0 * x
        + 14.0 * x
        + 15.0 * x
    )


def sin_consts(x):
    return np.sin(2.0 * 3.0 * x) + np.cos(x * 0.5 * 4.0) + np.exp(x / 10.0 * 2.0)


SCALAR = [
    long_sum,
    poly_literal,
    weighted_sum,
    mul_chain,
    neg_shift,
    div_literals,
    zero_times,
    int_bool_mix,
    huge_lit,
    pow_tower,
    pow_tower_paren,
    loop_const,
    loop_weight_index,
    unrolled,
    branch_const,
    helper_call,
    math_const,
    repeated_add_consts,
    minus_chain,
    long_terms_1d,
    sin_consts,
]
