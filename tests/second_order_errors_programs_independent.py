# ruff: noqa: F841, B007, SIM108  (programs written as users write them)
"""Programs for test_second_order_errors_independent.py (independent tester, issue 19).

Functions live in a file so s2s_ad can read their source. Line numbers of
"failing" statements are found by the tests through marker comments (# FAIL:<name>).
"""

import logging
import math

import numpy as np

LOG = []
logger = logging.getLogger("s2s_indep_t43")


def report(tag, v):
    print("report", tag, v)


# ---------------------------------------------------------------- A: side effects, several wrt


def two_scalars_print(x, y):
    print("enter", x, y)
    a = x * x * y
    b = np.sin(x) * np.exp(y)
    print("mid", a)
    return a + b + y**3


def two_arrays_log(w, b):
    LOG.append("call")
    z = np.tanh(w * 2.0 + b)
    LOG.append(float(np.sum(z)))
    return np.sum(z**2) + np.sum(w * b)


def linear_in_b(x, b):
    print("linear in b")
    return np.sum(x**3) + np.sum(b * 2.0) + 3.0 * np.sum(x)


def linear_in_both(x, y):
    print("linear both")
    return 2.0 * np.sum(x) - 3.0 * np.sum(y)


def errstate_prog(x, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.log(x) * y
    print("q", np.round(q, 6))
    return np.sum(q) + np.sum(x * y * y)


def helper_prints(u, v):
    report("h", u)
    return u * v + np.cos(u)


def with_helper(x, y):
    print("outer")
    t = helper_prints(x, y)
    return np.sum(t * t)


def three_args(x, y, z):
    print("three", np.shape(x), np.shape(y))
    logger.warning("three args called")
    return np.sum(x * y) * z + np.sum(np.sin(x)) * z * z + np.sum(y**2)


def loop_print(x, y):
    s = 0.0
    for i in range(3):
        print("iter", i)
        s = s + np.sum(np.sin(x * (i + 1))) * y
    LOG.append(i)
    return s * y


def branch_print(x, y):
    if np.sum(x) > 0:
        print("positive branch")
        r = np.sum(x**2) * y
    else:
        print("negative branch")
        r = np.sum(x) * y * y
    return r


def mixed_scalar_array(x, s):
    print("mixed", s)
    return np.sum(np.exp(x * s)) + s**4


def matrix_vec(W, v):
    print("mv", W.shape)
    h = np.tanh(W @ v)
    return np.sum(h**2) + np.sum(W**2) * 0.1


def constant_out(x, y):
    print("const")
    return 3.0


# ---------------------------------------------------------------- B: derivative fails


def neg_pow(x):
    y = -x
    z = y**0.5  # FAIL:neg_pow
    return 1.0


def neg_pow_used(x):
    y = -x
    z = y**0.5  # FAIL:neg_pow_used
    return x * 2.0 + 0.0 * abs(z)


def math_sqrt_zero(x):
    y = x * x
    r = math.sqrt(y)  # FAIL:math_sqrt_zero
    return r + x


def math_sqrt_diff(x, w):
    d = w - x
    r = math.sqrt(d)  # FAIL:math_sqrt_diff
    return r * 3.0


def math_sqrt_scaled_neg(x):
    t = -(2.0 * x)
    u = t + 2.0 * x
    r = math.sqrt(u)  # FAIL:math_sqrt_scaled_neg
    return r + x * x


def div_zero_py(x, c):
    q = x / c  # FAIL:div_zero_py
    return q * q


def pow_half_zero(x):
    a = x - x
    b = a**0.5  # FAIL:pow_half_zero
    return b + x


def accum_same_var(x):
    s = x
    s = s * 2.0
    s = s - 2.0 * x
    s = math.sqrt(s)  # FAIL:accum_same_var
    return s + x


def loop_accum(x, n):
    s = 0.0
    for i in range(n):
        s = s + x
    s = s - n * x
    r = math.sqrt(s)  # FAIL:loop_accum
    return r + x


def branch_fail(x):
    if x > 0:
        y = x - x
        r = math.sqrt(y)  # FAIL:branch_fail
    else:
        r = x
    return r * 2.0


def loop_fail_inside(x):
    s = x
    for i in range(3):
        d = s - x * (i + 1) + x * i
        s = s + math.sqrt(d)  # FAIL:loop_fail_inside
    return s


def asin_one(x):
    u = x / x
    r = math.asin(u)  # FAIL:asin_one
    return r * x


def neg_chain_pow(x):
    y = -x
    z = -y
    w = -z
    v = w**1.5  # FAIL:neg_chain_pow
    return x + 0.0 * abs(v)


def np_sqrt_zero_raise(x):
    with np.errstate(all="raise"):
        y = x * 0.0
        r = np.sqrt(y)  # FAIL:np_sqrt_zero_raise
    return np.sum(r) + np.sum(x)


def log_zero_py(x):
    d = x - x
    r = math.log(d + 1.0) + 1.0 / d  # FAIL:log_zero_py
    return r


def second_only_fail(x):
    # first derivative 1/(2 sqrt(x)) at x>0 fine ... second derivative fine; use x**1.5 at 0
    y = x - x
    r = y**1.5  # FAIL:second_only_fail
    return r + x * x


def two_arg_diff_fail(x, y):
    d = y - x
    r = math.sqrt(d)  # FAIL:two_arg_diff_fail
    return r + x * y


def helper_sqrt(u):
    return math.sqrt(u)  # FAIL:helper_sqrt


def calls_failing_helper(x):
    d = x - x
    r = helper_sqrt(d)
    return r + x


def neg_base_active_exp(x, p):
    y = -x
    z = y**p  # FAIL:neg_base_active_exp
    return z + x


def scaled_neg_base(x, p):
    t = -(2.0 * x)
    z = t**p  # FAIL:scaled_neg_base
    return z * 0.5


def diff_base_exp(x, w, p):
    d = w - x
    z = d**p  # FAIL:diff_base_exp
    return z + 1.0


def neg_then_sqrt_two_lines(x):
    y = -x
    y = y + 0.0
    z = y**0.5  # FAIL:neg_then_sqrt_two_lines
    return x * 3.0 + 0.0 * abs(z)


def neg_chain_complex_in_loop(x, n):
    s = 0.0
    for i in range(n):
        y = -(x * (i + 1))
        s = s + y**1.5  # FAIL:neg_chain_complex_in_loop
    return s


def neg_pow_branch(x):
    if x > 0:
        y = -x
        z = y**0.25  # FAIL:neg_pow_branch
        r = z * 0.0 + x
    else:
        r = x * x
    return r


def accumulate_neg(x, y):
    s = x * 0.0
    s = s - x
    s = s - y
    r = s**0.5  # FAIL:accumulate_neg
    return r


def np_pow_neg(x):
    y = -x
    z = np.power(y, 0.5)  # FAIL:np_pow_neg
    return np.sum(x) + 0.0 * np.sum(z)


def float_div_in_deriv(x, y):
    d = x - y
    r = d * d / (d * d) if False else math.log(d * d + 1.0)
    q = x / d  # FAIL:float_div_in_deriv
    return r + q


def neg_complex_sum(x, y):
    a = -x
    b = a - y
    c = b**0.5  # FAIL:neg_complex_sum
    return c


def complex_in_branch(x):
    if x > 0:
        z = (x - 2.0) ** 0.5  # FAIL:complex_in_branch
        r = x * 3.0 + 0.0 * abs(z)
    else:
        r = x * x
    return r


def complex_in_branch_neg(x):
    if x > 0:
        y = -x
        z = y**0.5  # FAIL:complex_in_branch_neg
        r = x * 3.0 + 0.0 * abs(z)
    else:
        r = x * x
    return r


def complex_in_loop_last(x):
    for i in range(2):
        z = (x - 2.0) ** 0.5  # FAIL:complex_in_loop_last
    return x * 3.0 + 0.0 * abs(z)


# ---------------------------------------------------------------- C: sources


def const_print(x, y):
    print("constant only")
    return 3.0


def const_plain(x):
    return 3.0


def const_local(x, y):
    z = 2.0
    return z * 1.5


def linear_print(x):
    print("lin")
    return 3.0 * x


def linear_two(x, y):
    return 2.0 * np.sum(x) - 3.0 * np.sum(y)


def neg_only(x):
    y = -x
    return y


def loop_linear(x, n):
    y = np.zeros_like(x)
    for i in range(n):
        y = y + x * i
    return np.sum(y)


def loop_linear_print(x, n):
    y = np.zeros_like(x)
    for i in range(n):
        print("step", i)
        y = y + x * i
    return np.sum(y)


def tanh_layer(w, x, b):
    return np.sum(np.tanh(w @ x + b))


def quad_scaled(x, y):
    a = -(2.0 * x)
    b = y - x
    return np.sum(a * b) + np.sum(b * b)


def exp_scaled(x, s):
    return np.sum(np.exp(x * s))


def errstate_linear(x, y):
    with np.errstate(divide="ignore"):
        z = 2.0 * x + y
    return np.sum(z)


def errstate_linear_print(x, y):
    with np.errstate(divide="ignore"):
        print("inside")
        z = 2.0 * x - y
    return np.sum(z)


def loop_print_const(x, n):
    for i in range(n):
        print("i", i)
    return 3.0 * np.sum(x)


def branch_linear(x, flag):
    if flag > 0:
        y = 2.0 * x
    else:
        y = -x
    return np.sum(y)


def helper_lin(u):
    return 2.0 * u


def calls_linear_helper(x):
    return np.sum(helper_lin(x))


def neg_scaled_sum(x, y):
    a = -(2.0 * x)
    a = a - y
    return np.sum(a)
