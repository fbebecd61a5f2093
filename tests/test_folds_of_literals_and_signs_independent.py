# ruff: noqa: SIM108, SIM102, B007, B002, B905, E501  (literal flags, nested ifs, unused loop names, `-(-x)` and plain zip are what is tested)
"""Folds of literals, flags and signs in generated derivative code, written from the README alone.

Tester 116. The simplification passes were changed to reach the same code whatever order they
run in: `and`/`or` with a literal operand (`while err > tol and n < 50` with `n = 0` before),
loop values that are one literal in every iteration (`verbose = 0`, `mode = 2` read in a loop),
and chains of negations and products by literals (`-(-x) * 0.5`, `-(-(-(a * b)))`,
`-1.0 * -y`, `x * -2 + y`, `a - (-3.0) * x`, `a + m * -64`). These are realistic programs that
make those shapes: iterative solvers (Newton, bisection then Newton, Kepler, fixed point)
with counters in their `while` tests, verbosity and debug flags and modes set to constants,
`for`/`while` loops with `break` and counters, and sign-heavy arithmetic on Python floats, ints,
float64 and float32 arrays (sizes 0 to 5), integer arrays held fixed.

Each program is checked:
- `grad` against central differences (for float32 arguments: differences of the same program
  run in float64, at a float32 tolerance), and the gradient's type and dtype against its input's;
- forward mode against reverse mode (`jacfwd` against `jacrev` for outputs that are arrays);
- `value_and_grad`'s value (both modes) against the plain call, bit for bit (sign of zero too)
  and its dtype;
- `hessian` against central differences of the gradient where the program is smooth;
- `derivative_source` of reverse, forward and hessian code compiles;
- readability (strict expected failures with reason "readability" where not met): no line of the
  derivative code multiplies by `1.0` or `-1.0` where the other factor is a float, no
  `x and True` / `x or False` remains (where Python gives the flag itself); no chain of
  negations of derivatives and no `e + -c` is left standing. The sources read are the
  shape-generic reverse and forward code, the Hessian's code and the code `grad` (or `jacfwd`)
  runs for the arguments.
Some sign and literal chains are also checked bit for bit against the chain rule written out.

Findings (strict expected failures, `FINDINGS`):
- wrong numbers, 4 programs: `c and True` (a flag bound to a literal True) is folded to `c` where
  `c` compares NumPy scalars (`np.linalg.norm(x) < 10.0`, `np.min(x) < 0.0`, `np.hypot(x, 1.0) <
  5.0`), an np.bool_, but `np.True_ and True` is Python's True (and `np.False_ or False` is
  Python's False): `converged is True`, `rejected is False` take the other branch and a count of
  flags `(a and enforce) + (b and enforce)` is np.True_ (1) instead of 2, a wrong value and
  gradient in every API with no error; `x * x * ok` of a Python float x is np.float64, not float.
  Flags of `np.isfinite`, `np.any`, `np.all`, `.all()`, `len`, `.size` and of Python numbers
  are kept right.
- readability, 23 programs: products by `1.0`/`-1.0` (or `1`/`-1`) of floats left in derivative
  code (`x_bar * 1.0` of `a * 1.0`, `-1.0 * _t5_bar` of `-1.0 * -y`, `a_bar = -1.0 * b` in
  grad's code of `-(-(-(a * b)))`, `1.0 * x_1` after `0.5 * k` with `k = 2.0` folds, `delta =
  1.0` propagated into a Huber loss, atan2's rule with a literal), chains of negations of
  tangents and cotangents (`-(-x) * 0.5` in forward and reverse code); `y_bar + -0.5` (fixed in session 47).
No invalid code and no internal error; the loop values that are a literal in some iterations
only (a first-iteration flag, a mode changed at the end of the body, `continue` skipping the
assignment, a checkpointed loop) all gave the right numbers.
"""

import ast
import inspect
import math
import re
from dataclasses import dataclass, field

import numpy as np
import pytest

import s2s_ad as ad

H = 1e-6
RTOL = 1e-5
HESS_H = 1e-5
HESS_RTOL = 1e-4

# module constants a user keeps at the top of a file
MAXIT = 40
TOL = 1e-12
VERBOSE = 0
DEBUG = False


# ============================================================ iterative solvers


def newton_sqrt(a):
    x = a
    err = 1.0
    tol = 1e-12
    n = 0
    while err > tol and n < 50:
        x_new = 0.5 * (x + a / x)
        err = abs(x_new - x)
        x = x_new
        n += 1
    return x


def newton_sqrt_array(a):
    # elementwise square roots; a sum of |errors| works for an empty array too
    x = a * 1.0
    err = 1.0
    n = 0
    while err > 1e-13 and n < 60:
        x_new = 0.5 * (x + a / x)
        err = np.sum(np.abs(x_new - x))
        x = x_new
        n += 1
    return np.sum(x * x * x)


def bisect_then_newton(a):
    # cube root: bracket by bisection, then polish with Newton (so the derivative converges)
    lo = 0.0
    hi = a + 1.0
    it = 0
    while hi - lo > 1e-6 and it < MAXIT:
        mid = 0.5 * (lo + hi)
        if mid * mid * mid - a > 0:
            hi = mid
        else:
            lo = mid
        it += 1
    x = 0.5 * (lo + hi)
    for k in range(4):
        x = x - (x * x * x - a) / (3.0 * x * x)
    return x


def fixed_point_cos(a):
    x = 0.0
    diff = 1.0
    it = 0
    while diff > 1e-15 and it < 200:
        x_new = a * math.cos(x)
        diff = abs(x_new - x)
        x = x_new
        it = it + 1
    return x


def kepler(m, e):
    # eccentric anomaly E - e sin E = M by Newton
    big_e = m
    it = 0
    delta = 1.0
    while abs(delta) > TOL and it < 30:
        f = big_e - e * math.sin(big_e) - m
        fp = 1.0 - e * math.cos(big_e)
        delta = f / fp
        big_e = big_e - delta
        it += 1
    return big_e


def newton_system(b):
    # y + 0.1 y**3 = b elementwise, Newton on the whole vector
    y = b * 0.5
    r = y + 0.1 * y**3 - b
    it = 0
    while np.sum(np.abs(r)) > 1e-12 and it < 40:
        y = y - r / (1.0 + 0.3 * y * y)
        r = y + 0.1 * y**3 - b
        it += 1
    return np.sum(y * y)


def newton_converged_flag(a):
    x = 1.0
    converged = False
    it = 0
    while not converged and it < 30:
        step = (x * x - a) / (2.0 * x)
        x = x - step
        converged = abs(step) < 1e-14
        it += 1
    return x * x * x


# ============================================================ flags, modes, verbosity


def verbose_loop(x):
    verbose = 0
    s = 0.0
    for i in range(4):
        if verbose > 1 and x > 0:
            print("step", i, s)
        s = s + math.sin(x * (i + 1))
    return s


def mode_loop(x, y):
    mode = 2
    acc = 0.0
    for i in range(3):
        if mode == 2 or np.sum(y) > 5:
            acc = acc + np.sum(x * y)
        else:
            acc = acc - np.sum(x)
        y = y * 0.5
    return acc


def debug_check(x):
    debug = False
    if debug and np.any(x < 0):
        raise ValueError("negative input")
    return np.sum(x**2) + np.sum(-x)


def momentum_descent(w, target):
    use_momentum = True
    v = w * 0.0
    for k in range(5):
        g = 2.0 * (w - target)
        if use_momentum and k > 0:
            v = 0.9 * v + g
        else:
            v = g
        w = w - 0.1 * v
    return np.sum(w * w)


def clip_none(x):
    clip = None
    if clip is not None and np.max(x) > clip:
        x = np.clip(x, -clip, clip)
    return np.sum(np.tanh(x) * -(-x))


def flags_and_true(x, y):
    ok = x > 0
    strict = True
    if ok and strict and y > 0:
        return x * y
    return x - y


def number_and_true(x, n):
    # `n and True` of an int is n when n is 0, True otherwise: not the same as n
    scale = n and True
    return x * scale + x * x


def flag_and_one(x):
    flag = x > 0.5
    k = flag and 1
    return x * k + x * x


def or_defaults(x):
    user_tol = 0.0
    tol = user_tol or 1e-8
    max_iter = 0
    n = max_iter or 6
    y = x
    for i in range(n):
        y = y - 0.25 * (y * y - x)
        if abs(y) < tol:
            break
    return y


def module_flags(x):
    total = 0.0
    for i in range(3):
        if VERBOSE > 0 and DEBUG:
            print(total)
        if DEBUG or VERBOSE > 2:
            total = total + 100.0 * x
        total = total + x * x * (i + 1)
    return total


def float32_mode_loop(x):
    mode = 0
    for i in range(3):
        if mode == 1 and np.sum(x) > 0:
            x = x * 2.0
        else:
            x = np.tanh(x) * -1.0
    return np.sum(x * x)


def for_else_negate(x):
    for i in range(3):
        if x > 100.0 and i > 0:
            break
        x = x * -0.5 + 1.0
    else:
        x = -(-x)
    return x * x


def nested_flags_arrays(x):
    verbose = 0
    mode = 2
    out = x * 0.0
    for i in range(2):
        for j in range(2):
            if verbose > 1 and np.sum(out) > 0:
                print(i, j)
            if mode == 2 or i > j:
                out = out + x * (i - j - 1)
            else:
                out = out - x
    return np.sum(out * out)


# ============================================================ signs and literal products


def brief_signs(x, y):
    return -(-x) * 0.5 + -1.0 * -y + x * -2 + y - (-3.0) * x


def double_negation_half(x):
    return -(-x) * 0.5


def triple_negation(a, b):
    return -(-(-(a * b)))


def minus_one_times_minus(y):
    return -1.0 * -y * y


def times_minus_two_plus(x, y):
    return np.sum((x * -2 + y) ** 2)


def minus_neg_literal(a, x):
    return np.sum(a - (-3.0) * x + a * x)


def second_differences(x):
    d1 = x[1:] - x[:-1]
    d2 = d1[1:] - d1[:-1]
    return np.sum(-(-d2) * d2) - np.sum(-(x - 1.0)) * 0.5


def negated_sums(x, y):
    return -np.sum(-x * -y) - -np.sum(y - x) * -np.sum(x)


def float32_minus_one(x):
    return np.sum((-1.0 * x) * (x * -1) + x * -2.5 - -(x * x))


def int_array_times_minus_two(x, m):
    return np.sum(x * (m * -2) + x * -2 + m * x * x)


def int8_shift_array_out(x, m):
    return x * x + m * -64 + x * -64


def neg_zero_literals(x):
    y = x + -0.0
    z = -0.0 * x + y * -1.0
    return y * y + z * -(-0.5)


def neg_zero_sign_sensitive(x):
    # atan2 tells -0.0 from 0.0: at x = 0.0, `-x + 0.0` is 0.0 (pi), not -0.0 (-pi)
    y = -x + 0.0
    return math.atan2(y, -1.0) + x * x


def neg_zero_array_sign(x):
    y = x * -1.0 + 0.0
    return np.sum(np.arctan2(y, -1.0)) + np.sum(x * x)


def rosenbrock_signs(x):
    a = -(x[:-1] - 1.0)
    b = x[1:] - x[:-1] ** 2
    return np.sum(100.0 * b * b + a * a)


def differences_of_differences(a, b, c, d):
    return ((a - b) - (c - d)) * -((a - c) - -(b - d)) - -(-(d - a))


def spring_energy(x):
    k = 2.0
    v = x * 0.0
    dt = 0.1
    for i in range(5):
        f = -k * x
        v = v + f * dt
        x = x + v * dt
    return np.sum(0.5 * v * v + 0.5 * k * x * x)


def python_int_mixed(x, n):
    return x * -n + x * (-1.0 * n) + x ** (-1.0 * n) * -2


def int_array_power_minus_one(x, m):
    # `2 ** (-1.0 * m)` of an int array is a float power; `2 ** -m` would raise
    scale = 2 ** (-1.0 * m)
    return np.sum(x * x * scale) * -1.0


def huber_negative_branch(r):
    delta = 1.0
    return np.sum(
        np.where(
            r < -delta,
            -delta * (r + 0.5 * delta),
            np.where(r > delta, delta * (r - 0.5 * delta), 0.5 * r * r),
        )
    )


def literal_products_of_both_signs(x):
    return np.sum(-2.0 * (-3.0 * x) * x + 0.5 * (-(4.0 * x)) - 100.0 * (2 * x) * -1.0)


def vector_signs(x):
    return -(-x) * 0.5 - x * -2 + -1.0 * -x * x


def vector_flag_loop(x):
    verbose = 0
    for i in range(3):
        if verbose > 0 and np.sum(x) > 0:
            print(x)
        x = -(np.tanh(x) * -1.5) + x * -0.5
    return x


# ============================================================ loop values that are literals only sometimes


def first_iteration_flag(x):
    first = True
    y = x
    for i in range(4):
        if first:
            y = y * x
        else:
            y = y + np.sin(y)
        first = False
    return y


def mode_changes_after_first(x):
    mode = 1
    y = x
    for i in range(3):
        if mode == 2 or y > 50.0:
            y = y + x * x
        else:
            y = y * x
        mode = 2
    return y


def scale_reset_branch(x):
    y = x
    for i in range(4):
        scale = 1.0
        if y > 1.5:
            scale = 0.5
        y = y * scale * x + 0.25
    return y


def done_flag_while(x):
    done = False
    it = 0
    y = x
    while not done and it < 10:
        step = 0.5 * (y - 1.0)
        y = y - step
        if abs(step) < 1e-2:
            done = True
        it += 1
    return y * x


def checkpointed_first_flag(x):
    first = True
    verbose = 0
    y = x
    for t in ad.checkpoint(range(7), every=2):
        if verbose > 1 and y > 0:
            print(t)
        if first:
            y = y * x
        else:
            y = y * 0.5 + np.sin(y)
        first = False
    return y


def continue_skips_literal(x):
    mode = 0
    y = x
    for i in range(4):
        if i % 2 == 0:
            y = y * (mode + 1) * x
            continue
        y = y + np.cos(y) * mode
        mode = 1
    return y


def count_guard_division(x):
    count = 0
    total = 0.0
    if count > 0 and total / count > 1.0:
        total = total * 2.0
    for i in range(3):
        if count == 0 or total / count > 0.5:
            total = total + x * (i + 1)
        count += 1
    return total / count


def finite_guard(x):
    # np.isfinite of a float is a NumPy bool: `np.True_ and True` is the Python bool True
    use_guard = True
    ok = np.isfinite(x) and use_guard
    return x * x * ok


def literal_chain_exact(x):
    # the reverse sweep's 0.1 * (3.0 * g) is not 0.30000000000000004 * g for every g
    z = 3.0 * (0.1 * x)
    return np.sum(np.sin(z))


def vector_int_power(x, m):
    w = -1.0 * m
    return x * 2**w + -(-x) * x


def vector_mask_minus_one(x, mask):
    return x * (-1.0 * mask) + x * x * -1


def vector_int64_scalar(x, n):
    return x * 2 ** (-1.0 * n) + x * -n


# ============================================================ flags of NumPy comparisons meeting literal flags
#
# A comparison of NumPy values is a NumPy bool: `np.True_ and True` is Python's True, not
# np.True_, and `np.False_ or False` is Python's False. Where the result is more than a test
# (`is True`, a sum of flags, a product with a Python float) the literal cannot be dropped.


def converged_is_true(x):
    check_positive = True
    converged = np.linalg.norm(x) < 10.0 and check_positive
    if converged is True:
        return np.sum(x * x)
    return np.sum(x)


def violations_count(x):
    # the number of constraints violated: Python's True + True is 2, np.True_ + np.True_ is True
    enforce = True
    violated = (np.min(x) < 0.0 and enforce) + (np.max(x) > 1.5 and enforce)
    return np.sum(x * x) * (1.0 + violated)


def rejected_is_false(x):
    strict = False
    rejected = np.max(x) > 100.0 or strict
    if rejected is False:
        return np.sum(x * x)
    return np.sum(x)


def hypot_flag_times_float(x):
    check = True
    ok = np.hypot(x, 1.0) < 5.0 and check
    return x * x * ok


def verbose_prints(x):
    verbose = 2
    y = x
    for i in range(3):
        if verbose > 1 and i % 2 == 0:
            print("iteration", i)
        y = y * 0.5 + np.sin(y)
    return y


# ============================================================ cases


F64_3 = np.array([0.7, -1.3, 2.1])
F64_5 = np.array([0.3, -0.8, 1.7, 0.45, -1.1])
F32_3 = np.array([0.7, -1.3, 2.1], dtype=np.float32)
F32_5 = np.array([0.3, -0.8, 1.7, 0.45, -1.1], dtype=np.float32)
POS_4 = np.array([0.5, 1.5, 2.0, 3.0])


@dataclass
class Case:
    name: str
    fn: object
    args: tuple
    wrt: object = 0
    hess: bool = True  # smooth: hessian checked against differences of the gradient
    fd: bool = True  # differentiable at the point: central differences
    vector: bool = False  # the output is an array: jacfwd / jacrev
    fd_rtol: float = RTOL
    marks: dict = field(default_factory=dict)  # test name -> xfail reason

    @property
    def wrt_tuple(self):
        return self.wrt if isinstance(self.wrt, tuple) else (self.wrt,)


CASES = [
    # solvers
    Case("newton_sqrt", newton_sqrt, (2.0,)),
    Case("newton_sqrt_array_0", newton_sqrt_array, (np.zeros(0),)),
    Case("newton_sqrt_array_1", newton_sqrt_array, (np.array([3.0]),)),
    Case("newton_sqrt_array_4", newton_sqrt_array, (POS_4.copy(),)),
    Case(
        "newton_sqrt_array_f32",
        newton_sqrt_array,
        (POS_4.astype(np.float32),),
        fd_rtol=1e-3,
        hess=False,
    ),
    Case("bisect_then_newton", bisect_then_newton, (5.0,)),
    Case("fixed_point_cos", fixed_point_cos, (0.6,)),
    Case("kepler", kepler, (1.1, 0.3), wrt=(0, 1)),
    Case("newton_system", newton_system, (np.array([0.5, 1.0, -2.0]),)),
    Case(
        "newton_system_f32",
        newton_system,
        (np.array([0.5, 1.0, -2.0], dtype=np.float32),),
        fd_rtol=1e-3,
        hess=False,
    ),
    Case("newton_converged_flag", newton_converged_flag, (2.5,)),
    # flags and modes
    Case("verbose_loop", verbose_loop, (0.8,)),
    Case("mode_loop", mode_loop, (F64_3.copy(), np.array([1.0, 2.0, 0.5])), wrt=(0, 1)),
    Case("debug_check", debug_check, (F64_5.copy(),)),
    Case("debug_check_empty", debug_check, (np.zeros(0),)),
    Case(
        "momentum_descent", momentum_descent, (F64_3.copy(), np.array([0.1, 0.2, 0.3])), wrt=(0, 1)
    ),
    Case("clip_none", clip_none, (F64_5.copy(),)),
    Case("clip_none_f32", clip_none, (F32_5.copy(),), fd_rtol=1e-3, hess=False),
    Case("flags_and_true_pos", flags_and_true, (0.7, 1.2), wrt=(0, 1)),
    Case("flags_and_true_neg", flags_and_true, (0.7, -1.2), wrt=(0, 1)),
    Case("number_and_true_3", number_and_true, (0.9, 3)),
    Case("number_and_true_0", number_and_true, (0.9, 0)),
    Case("flag_and_one_true", flag_and_one, (0.7,)),
    Case("flag_and_one_false", flag_and_one, (0.3,)),
    Case("or_defaults", or_defaults, (2.0,)),
    Case("module_flags", module_flags, (0.6,)),
    Case("float32_mode_loop", float32_mode_loop, (F32_3.copy(),), fd_rtol=1e-3, hess=False),
    Case("for_else_negate", for_else_negate, (0.8,)),
    Case("nested_flags_arrays", nested_flags_arrays, (F64_3.copy(),)),
    # signs
    Case("brief_signs", brief_signs, (1.5, 2.5), wrt=(0, 1)),
    Case("double_negation_half", double_negation_half, (0.7,)),
    Case(
        "double_negation_half_f32", double_negation_half, (F32_3.copy(),), vector=True, fd_rtol=1e-3
    ),
    Case("triple_negation", triple_negation, (1.25, -0.5), wrt=(0, 1)),
    Case(
        "triple_negation_arrays",
        triple_negation,
        (F64_3.copy(), np.array([2.0, 0.5, -1.0])),
        wrt=(0, 1),
        vector=True,
    ),
    Case("minus_one_times_minus", minus_one_times_minus, (1.3,)),
    Case(
        "times_minus_two_plus",
        times_minus_two_plus,
        (F64_3.copy(), np.array([0.2, 0.4, 0.6])),
        wrt=(0, 1),
    ),
    Case(
        "times_minus_two_plus_f32",
        times_minus_two_plus,
        (F32_3.copy(), np.array([0.2, 0.4, 0.6], dtype=np.float32)),
        wrt=(0, 1),
        fd_rtol=1e-3,
        hess=False,
    ),
    Case(
        "minus_neg_literal",
        minus_neg_literal,
        (F64_3.copy(), np.array([1.0, -1.0, 0.5])),
        wrt=(0, 1),
    ),
    Case("second_differences_0", second_differences, (np.zeros(0),)),
    Case("second_differences_2", second_differences, (np.array([0.5, -0.5]),)),
    Case("second_differences_5", second_differences, (F64_5.copy(),)),
    Case("negated_sums", negated_sums, (F64_3.copy(), np.array([0.4, 0.9, -0.2])), wrt=(0, 1)),
    Case("float32_minus_one", float32_minus_one, (F32_5.copy(),), fd_rtol=1e-3, hess=False),
    Case("float32_minus_one_0", float32_minus_one, (np.zeros(0, dtype=np.float32),), hess=False),
    Case(
        "int_array_times_minus_two", int_array_times_minus_two, (F64_3.copy(), np.array([1, -2, 3]))
    ),
    Case(
        "int8_shift_array_out",
        int8_shift_array_out,
        (F64_3.copy(), np.array([2, 1, -2], dtype=np.int8)),
        vector=True,
    ),
    Case("neg_zero_literals", neg_zero_literals, (0.4,)),
    Case("neg_zero_literals_at_zero", neg_zero_literals, (0.0,)),
    Case("neg_zero_literals_at_neg_zero", neg_zero_literals, (-0.0,)),
    Case("neg_zero_sign_sensitive", neg_zero_sign_sensitive, (0.3,)),
    Case("neg_zero_sign_sensitive_at_zero", neg_zero_sign_sensitive, (0.0,), fd=False, hess=False),
    Case(
        "neg_zero_array_sign",
        neg_zero_array_sign,
        (np.array([0.0, -0.0, 0.5], dtype=np.float32),),
        fd=False,
        hess=False,
    ),
    Case("rosenbrock_signs", rosenbrock_signs, (F64_5.copy(),)),
    Case("rosenbrock_signs_1", rosenbrock_signs, (np.array([0.3]),)),
    Case(
        "differences_of_differences",
        differences_of_differences,
        (1.0, 0.25, -0.5, 2.0),
        wrt=(0, 1, 2, 3),
    ),
    Case("spring_energy", spring_energy, (F64_3.copy(),)),
    Case("spring_energy_f32", spring_energy, (F32_3.copy(),), fd_rtol=1e-3, hess=False),
    Case("python_int_mixed", python_int_mixed, (1.4, 2)),
    Case(
        "int_array_power_minus_one", int_array_power_minus_one, (F64_3.copy(), np.array([1, 2, 3]))
    ),
    Case("huber_negative_branch", huber_negative_branch, (np.array([-2.5, -0.3, 0.4, 1.9]),)),
    Case("literal_products_of_both_signs", literal_products_of_both_signs, (F64_3.copy(),)),
    Case("vector_signs", vector_signs, (F64_3.copy(),), vector=True),
    Case("vector_signs_f32", vector_signs, (F32_3.copy(),), vector=True, fd_rtol=1e-3),
    Case("vector_flag_loop", vector_flag_loop, (F64_3.copy(),), vector=True),
    # loop values that are literals only in some iterations
    Case("first_iteration_flag", first_iteration_flag, (0.9,)),
    Case("mode_changes_after_first", mode_changes_after_first, (1.1,)),
    Case("scale_reset_branch", scale_reset_branch, (1.3,)),
    Case("done_flag_while", done_flag_while, (2.0,)),
    Case("checkpointed_first_flag", checkpointed_first_flag, (0.7,)),
    Case("continue_skips_literal", continue_skips_literal, (0.6,)),
    Case("count_guard_division", count_guard_division, (0.8,)),
    Case("finite_guard", finite_guard, (1.5,)),
    Case("literal_chain_exact", literal_chain_exact, (np.array([0.3, 1.7, -2.2, 5.1, 0.05]),)),
    Case("vector_int_power", vector_int_power, (F64_3.copy(), np.array([1, 2, 3])), vector=True),
    Case(
        "vector_mask_minus_one",
        vector_mask_minus_one,
        (F64_3.copy(), np.array([True, False, True])),
        vector=True,
    ),
    Case("vector_int64_scalar", vector_int64_scalar, (F64_3.copy(), np.int64(2)), vector=True),
    # NumPy flags meeting literal flags
    Case("converged_is_true", converged_is_true, (np.array([-0.5, 2.0]),)),
    Case("violations_count", violations_count, (np.array([-0.5, 2.0]),)),
    Case("rejected_is_false", rejected_is_false, (np.array([-0.5, 2.0]),)),
    Case("hypot_flag_times_float", hypot_flag_times_float, (1.5,)),
    Case("verbose_prints", verbose_prints, (0.8,)),
]


# ============================================================ findings (strict expected failures)

R = "readability: "
FINDINGS = {
    # wrong numbers found here, fixed in session 47: `c and True` of a literal flag folded to
    # `c`, a comparison of NumPy scalars giving np.True_ (simplify/truth_values.py), the four
    # programs under "NumPy flags meeting literal flags" above
    # readability: products by 1.0 / -1.0 (or 1 / -1) of floats
    **{
        name: {
            "readability": R
            + "the derivative of `x = a * 1.0` keeps the unit factor: `x_1_bar * 1.0` "
            "(reverse, gradient), `a_dot * 1.0` (forward), both in the Hessian's code"
        }
        for name in (
            "newton_sqrt_array_0",
            "newton_sqrt_array_1",
            "newton_sqrt_array_4",
            "newton_sqrt_array_f32",
        )
    },
    "verbose_loop": {
        "readability": R + "grad's code for a float x seeds `_t3_bar = 1.0 * math.cos(_t3)` in its "
        "reverse loop (the unit cotangent times a float)"
    },
    "float32_mode_loop": {
        "readability": R + "the derivative of `np.tanh(x) * -1.0` of a float32 array is "
        "`x_1_bar * -1.0` (reverse, gradient, Hessian) and `_t3_dot * -1.0` (forward, Hessian), "
        "not a negation"
    },
    "triple_negation": {
        "readability": R
        + "grad's code for floats a, b is `a_bar = -1.0 * b` and `b_bar = a * -1.0`: products "
        "by -1.0 of floats, not `-b`, `-a`",
        "negations": R + "`-(-(-(a * b)))`: chains of negations of the cotangent "
        "(`_t3_bar = -triple_negation_bar`, `_t2_bar = -_t3_bar`, then `-_t2_bar`; reverse, Hessian) and "
        "of the tangent (forward)",
    },
    "minus_one_times_minus": {
        "readability": R + "`-1.0 * -y * y`: `_t1_bar = -1.0 * _t2_bar` (reverse), "
        "`-1.0 * _t1_dot` (forward), `_t2_dot = 1.0 * y_dot` and `-1.0 * _t2_bar` (Hessian)"
    },
    "negated_sums": {
        "readability": R + "grad's code for float64 arrays has `_t9_bar = _t7 * -1.0`, "
        "`_t7_bar = -1.0 * _t9`, `_t1_bar = 1.0 * y` and `_t2_bar = x * 1.0`"
    },
    **{
        name: {
            "readability": R
            + "float32 arrays: `x_bar - 1.0 * _t1_bar` and `x_bar - _t2_bar * 1` (reverse, "
            "gradient, Hessian), `-1.0 * x_dot` and `x_dot * -1` (forward, Hessian)",
            "negations": R
            + "`- -(x * x)`: `_t7_bar = -_t8_bar` then `_t6_bar = -_t7_bar` in grad's and the "
            "Hessian's code",
        }
        for name in ("float32_minus_one", "float32_minus_one_0")
    },
    **{
        name: {
            "readability": R
            + "the derivative of `y * -1.0` is `z_bar * 1.0` (reverse) and `x_dot * -1.0` (forward)",
            # (fixed in session 47: grad's code added a negative literal, `y_bar + -0.5`)
        }
        for name in (
            "neg_zero_literals",
            "neg_zero_literals_at_zero",
            "neg_zero_literals_at_neg_zero",
        )
    },
    **{
        name: {
            "readability": R + "atan2's rule with its literal x = -1.0 keeps the factor: "
            "`_t2_bar * -1.0 / (y * y + 1.0)` (reverse), `_t1_dot * -1.0 / ...` (forward), "
            "`neg_zero_sign_sensitive_bar * -1.0` (Hessian)"
        }
        for name in ("neg_zero_sign_sensitive", "neg_zero_sign_sensitive_at_zero")
    },
    "neg_zero_array_sign": {
        "readability": R + "`x * -1.0` of a float32 array: `_t2_bar * -1.0` and `y_bar * 1.0` "
        "(reverse, gradient, Hessian), `x_dot * -1.0`, `_t1_dot * -1.0` (forward)"
    },
    **{
        name: {
            "readability": R
            + "`0.5 * k * x * x` with k = 2.0 folds to `_t7 = 1.0 * x_1` and keeps "
            "`1.0 * _t7_bar` (reverse, gradient, Hessian), `1.0 * x_1_dot` (forward, Hessian)"
        }
        for name in ("spring_energy", "spring_energy_f32")
    },
    "int_array_power_minus_one": {
        "readability": R + "the derivative of `np.sum(...) * -1.0` is "
        "`int_array_power_minus_one_bar * -1.0` (reverse, Hessian) and `_t4_dot * -1.0` (forward)"
    },
    "huber_negative_branch": {
        "readability": R + "`delta = 1.0` folded into `-delta * (r + 0.5 * delta)` and "
        "`delta * (r - 0.5 * delta)` leaves `-1.0 * _t5`, `1.0 * _t9`, `1.0 * _t10_bar`, "
        "`-1.0 * _t6_bar` (every mode), `-1.0 * r_dot`, `1.0 * r_dot` (forward)"
    },
    "literal_products_of_both_signs": {
        "readability": R + "`100.0 * (2 * x) * -1.0`: `_t9_bar = _t10_bar * -1.0` "
        "(reverse, gradient), `_t9_dot * -1.0` (forward)"
    },
    **{
        name: {
            "readability": R
            + "`-1.0 * -x * x`: `-1.0 * _t7_bar` (reverse), `-1.0 * _t1_dot` (forward, vector)"
        }
        for name in ("vector_signs", "vector_signs_f32")
    },
    "vector_mask_minus_one": {
        "readability": R + "`x * x * -1`: `_t3_bar = _t4_bar * -1` (reverse), "
        "`_t3_dot * -1` (forward, vector)"
    },
    # readability: chains of negations left
    "kepler": {
        "negations": R + "forward code: `fp_dot = -_t9_dot` then `-fp_dot * delta_2 / fp` (the "
        "quotient rule's negation of a negation)"
    },
    **{
        name: {
            "negations": R + "`np.tanh(x) * -(-x)`: `_t6_bar = -_t7_bar` then `x_2_bar = -_t6_bar` "
            "(reverse, gradient), two such chains in the Hessian's code"
        }
        for name in ("clip_none", "clip_none_f32")
    },
    "for_else_negate": {
        "negations": R + "`x = -(-x)` in a for-else: `_t11_bar = -x_6_bar` then "
        "`x_4_bar = -_t11_bar` (reverse, gradient, Hessian), `_t11_dot = -x_1_dot` negated "
        "again (forward, Hessian)"
    },
    "brief_signs": {
        "readability": R + "`-1.0 * -y`'s derivative keeps the factor: `-1.0 * _t5_bar` (reverse), "
        "`-1.0 * _t4_dot` (forward), `-1.0 * brief_signs_bar` (Hessian)",
        "negations": R + "forward code of `-(-x) * 0.5`: `_t1_dot = -x_dot`, then `-_t1_dot`",
    },
    **{
        name: {
            "negations": R
            + "`-(-x) * 0.5`: `_t1_bar = -_t2_bar` then `x_bar = -_t1_bar` (reverse), "
            "`_t1_dot = -x_dot` then `_t2_dot = -_t1_dot` (forward, vector)"
        }
        for name in ("double_negation_half", "double_negation_half_f32")
    },
    "triple_negation_arrays": {
        "negations": R + "`-(-(-(a * b)))` of arrays: chains of negations of the "
        "cotangent (reverse) and of the tangent (forward, vector)"
    },
    **{
        name: {
            "negations": R
            + "Hessian code of `-(-d2) * d2`: `_t5_dot = -d2_dot` then `_t6_dot = -_t5_dot`"
        }
        for name in ("second_differences_0", "second_differences_2", "second_differences_5")
    },
    "differences_of_differences": {
        "negations": R + "`-(-(d - a))`: `_t11_bar = -_t12_bar` negated again (reverse, Hessian)"
    },
}
for _c in CASES:
    _c.marks.update(FINDINGS.get(_c.name, {}))
assert set(FINDINGS) <= {c.name for c in CASES}, set(FINDINGS) - {c.name for c in CASES}

PROGRAMS = sorted({c.fn.__name__ for c in CASES})


# ============================================================ helpers


def _is_float32(a):
    return isinstance(a, np.ndarray) and a.dtype == np.float32


def _as64(args):
    return tuple(a.astype(np.float64) if _is_float32(a) else a for a in args)


def _fd_args(case):
    """the arguments for central differences: float32 arrays in float64"""
    return _as64(case.args) if any(_is_float32(a) for a in case.args) else case.args


def _perturbed(args, i, idx, h):
    args = list(args)
    a = args[i]
    if isinstance(a, np.ndarray):
        a = a.copy()
        a[idx] += h
    else:
        a = a + h
    args[i] = a
    return tuple(args)


def _central(fn, args, i):
    """d fn / d args[i] by central differences (fn's value may be an array)"""
    x = args[i]
    out_shape = np.shape(fn(*args))
    ref = np.zeros(out_shape + np.shape(x))
    for idx in np.ndindex(np.shape(x)):
        h = H * max(1.0, abs(float(np.asarray(x)[idx])))
        fp = np.asarray(fn(*_perturbed(args, i, idx, h)), dtype=np.float64)
        fm = np.asarray(fn(*_perturbed(args, i, idx, -h)), dtype=np.float64)
        ref[(Ellipsis, *idx)] = (fp - fm) / (2 * h)
    return ref


def _grads(case, mode="reverse"):
    g = ad.grad(case.fn, wrt=case.wrt, mode=mode)(*case.args)
    return g if isinstance(case.wrt, tuple) else (g,)


def _same_bits(a, b):
    a = np.asarray(a)
    b = np.asarray(b)
    return (
        a.shape == b.shape
        and a.dtype == b.dtype
        and np.array_equal(a, b, equal_nan=True)
        and np.array_equal(np.signbit(a), np.signbit(b))
    )


def _check_type_like(g, x):
    if isinstance(x, np.ndarray):
        assert isinstance(g, np.ndarray), (type(g), type(x))
        assert g.dtype == x.dtype, (g.dtype, x.dtype)
        assert g.shape == x.shape
    else:
        assert isinstance(g, float), (type(g), g)


def _close(a, b, rtol):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = 1.0 + (np.max(np.abs(b)) if b.size else 0.0)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * scale)


def _params(test, cases):
    out = []
    for c in cases:
        marks = []
        if test in c.marks:
            marks.append(pytest.mark.xfail(strict=True, reason=c.marks[test]))
        out.append(pytest.param(c, id=c.name, marks=marks))
    return out


# ---------------------------------------------------------------- readability analysis

DERIVATIVE_NAME = re.compile(r"_(bar|dot)(_\d+)?$")
USER_UNIT_FACTOR = re.compile(r"(\*\s*\(?-?1\.0\b)|((?<![\w.])-?1\.0\s*\*)")


def _is_derivative_name(name):
    return DERIVATIVE_NAME.search(name) is not None


def _literal_value(node):
    """the value of a numeric literal, `-c` included, else None"""
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _literal_value(node.operand)
        return None if inner is None else -inner
    return None


def _names_in(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _float_names(tree, case):
    """names of the generated code known to hold floats: float arguments, derivatives
    (`_bar`, `_dot`), and names assigned from an expression with a float literal or name"""
    floats = set()
    names = case.fn.__code__.co_varnames[: case.fn.__code__.co_argcount]
    for name, value in zip(names, case.args):
        if isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            floats.add(name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and _is_derivative_name(node.id):
            floats.add(node.id)
    for _ in range(4):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                if _is_float_expr(node.value, floats):
                    floats.add(node.targets[0].id)
    return floats


def _is_float_expr(node, floats):
    if isinstance(node, ast.Name):
        return node.id in floats
    if isinstance(node, ast.Constant):
        return isinstance(node.value, float)
    if isinstance(node, ast.UnaryOp):
        return _is_float_expr(node.operand, floats)
    if isinstance(node, ast.BinOp):
        return _is_float_expr(node.left, floats) or _is_float_expr(node.right, floats)
    if isinstance(node, ast.Call):
        # NumPy's and math's functions of floats; a call of a literal-free int stays int
        func = ast.unparse(node.func)
        if func.startswith(("math.", "np.", "rt.")) and func not in (
            "np.isfinite",
            "np.isnan",
            "np.any",
            "np.all",
        ):
            return any(_is_float_expr(a, floats) for a in node.args)
        return False
    return False  # comparisons, `and`/`or` of flags, tuples, subscripts


def _user_writes_unit_factor(fn):
    return USER_UNIT_FACTOR.search(inspect.getsource(fn)) is not None


def _unit_factors(src, case):
    """products by 1.0 or -1.0 (or 1, -1) whose other factor is a float: in derivative expressions
    (reading a `_bar` or `_dot` name), and in primal ones where the user wrote none"""
    tree = ast.parse(src)
    floats = _float_names(tree, case)
    user_wrote = _user_writes_unit_factor(case.fn)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for lit, other in ((node.left, node.right), (node.right, node.left)):
                v = _literal_value(lit)
                if not (v in (1, -1) and _is_float_expr(other, floats)):
                    continue
                derivative = any(_is_derivative_name(n) for n in _names_in(other))
                if derivative or not user_wrote:
                    bad.append(ast.unparse(node))
    return bad


def _literal_flags(src):
    """`x and True`, `x or False` (a literal True/False operand of and/or) left in the code"""
    bad = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.BoolOp) and any(
            isinstance(v, ast.Constant) and isinstance(v.value, bool) for v in node.values
        ):
            bad.append(ast.unparse(node))
    return bad


def _negation_chains(src):
    """in derivative expressions: `b = -a` where `a` is assigned once, as `a = -c`, and read
    only there, or `-(-a)`; anywhere: `e - -c` or `e + -c` of a nonzero literal c"""
    tree = ast.parse(src)
    assigned, reads = {}, {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            assigned.setdefault(node.targets[0].id, []).append(node.value)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads[node.id] = reads.get(node.id, 0) + 1
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = node.operand
            derivative = any(_is_derivative_name(n) for n in _names_in(inner))
            if derivative and isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub):
                bad.append(ast.unparse(node))
            if derivative and isinstance(inner, ast.Name) and reads.get(inner.id) == 1:
                values = assigned.get(inner.id, [])
                if (
                    len(values) == 1
                    and isinstance(values[0], ast.UnaryOp)
                    and isinstance(values[0].op, ast.USub)
                ):
                    bad.append(f"{ast.unparse(node)} where {inner.id} = {ast.unparse(values[0])}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            v = _literal_value(node.right)
            if v is not None and v < 0:
                bad.append(ast.unparse(node))
    return bad


def _sources(case, runs=False):
    """the derivative sources the brief names: shape-generic reverse and forward code, and the
    Hessian's code for the arguments; with `runs`, also the code the API runs on them
    (`grad`'s flat gradient, `jacfwd`'s vector code)"""
    out = {
        "reverse": ad.derivative_source(case.fn, wrt=case.wrt),
        "forward": ad.derivative_source(case.fn, mode="forward", wrt=case.wrt),
    }
    if not case.vector:
        out["hessian"] = ad.derivative_source(case.fn, "hessian", wrt=case.wrt, args=case.args)
    if runs:
        mode = "vector" if case.vector else "gradient"
        out[mode] = ad.derivative_source(case.fn, mode, wrt=case.wrt, args=case.args)
    return out


# ============================================================ checks


SCALAR_CASES = [c for c in CASES if not c.vector]
VECTOR_CASES = [c for c in CASES if c.vector]


def test_program_count():
    assert 40 <= len(PROGRAMS) <= 70, len(PROGRAMS)


@pytest.mark.parametrize("case", _params("grad_fd", [c for c in SCALAR_CASES if c.fd]))
def test_grad_matches_central_differences(case):
    gs = _grads(case)
    fd_args = _fd_args(case)
    for i, g in zip(case.wrt_tuple, gs):
        _check_type_like(g, case.args[i])
        _close(g, _central(case.fn, fd_args, i), case.fd_rtol)


@pytest.mark.parametrize("case", _params("fwd_rev", SCALAR_CASES))
def test_forward_mode_equals_reverse_mode(case):
    gr = _grads(case)
    gf = _grads(case, mode="forward")
    for i, a, b in zip(case.wrt_tuple, gf, gr):
        _check_type_like(a, case.args[i])
        tol = 1e-5 if _is_float32(case.args[i]) else 1e-11
        _close(a, b, tol)


@pytest.mark.parametrize("case", _params("value", SCALAR_CASES))
def test_value_and_grad_value_is_the_plain_call_bit_for_bit(case):
    plain = case.fn(*case.args)
    for mode in ("reverse", "forward"):
        value, g = ad.value_and_grad(case.fn, wrt=case.wrt, mode=mode)(*case.args)
        assert _same_bits(value, plain), (mode, value, plain)
        assert type(value) is type(plain), (mode, type(value), type(plain))
        g = g if isinstance(case.wrt, tuple) else (g,)
        for i, gi in zip(case.wrt_tuple, g):
            _check_type_like(gi, case.args[i])


@pytest.mark.parametrize(
    "case",
    _params(
        "hessian",
        [c for c in SCALAR_CASES if c.hess and c.fd and not any(map(_is_float32, c.args))],
    ),
)
def test_hessian_matches_differences_of_the_gradient(case):
    hs = ad.hessian(case.fn, wrt=case.wrt)(*case.args)
    gfn = ad.grad(case.fn, wrt=case.wrt)
    wrt = case.wrt_tuple
    for a, i in enumerate(wrt):
        for b, j in enumerate(wrt):
            block = hs[a][b] if isinstance(case.wrt, tuple) else hs
            xi, xj = case.args[i], case.args[j]
            ref = np.zeros(np.shape(xi) + np.shape(xj))
            for idx in np.ndindex(np.shape(xj)):
                h = HESS_H * max(1.0, abs(float(np.asarray(xj)[idx])))
                gp = gfn(*_perturbed(case.args, j, idx, h))
                gm = gfn(*_perturbed(case.args, j, idx, -h))
                if isinstance(case.wrt, tuple):
                    gp, gm = gp[a], gm[a]
                ref[(Ellipsis, *idx)] = (np.asarray(gp) - np.asarray(gm)) / (2 * h)
            assert np.shape(block) == ref.shape, (np.shape(block), ref.shape)
            _close(block, ref, HESS_RTOL)


@pytest.mark.parametrize("case", _params("jacobians", VECTOR_CASES))
def test_jacobians_forward_reverse_and_differences(case):
    plain = case.fn(*case.args)
    fd_args = _fd_args(case)
    jf = ad.jacfwd(case.fn, wrt=case.wrt)(*case.args)
    jr = ad.jacrev(case.fn, wrt=case.wrt)(*case.args)
    jf = jf if isinstance(case.wrt, tuple) else (jf,)
    jr = jr if isinstance(case.wrt, tuple) else (jr,)
    for i, a, b in zip(case.wrt_tuple, jf, jr):
        x = case.args[i]
        assert np.shape(a) == np.shape(plain) + np.shape(x)
        assert np.asarray(a).dtype == np.asarray(b).dtype == np.asarray(plain).dtype
        tol = 1e-5 if _is_float32(x) else 1e-11
        _close(a, b, tol)
        _close(b, _central(case.fn, fd_args, i), case.fd_rtol)
    # vjp's and jvp's values are the plain call's, bit for bit
    out, pullback = ad.vjp(case.fn, *case.args)
    assert _same_bits(out, plain)
    ct = np.ones_like(plain) * 0.75
    cts = pullback(ct)
    for i in case.wrt_tuple:
        assert cts[i].dtype == case.args[i].dtype
        _close(
            cts[i],
            np.tensordot(ct, jr[case.wrt_tuple.index(i)], axes=np.ndim(plain)),
            1e-5 if _is_float32(case.args[i]) else 1e-11,
        )
    tangents = tuple(
        np.ones_like(a) * 0.5 if k in case.wrt_tuple else None for k, a in enumerate(case.args)
    )
    val, tan = ad.jvp(case.fn, case.args, tangents)
    assert _same_bits(val, plain)
    assert tan.dtype == plain.dtype


@pytest.mark.parametrize("case", _params("compile", CASES))
def test_derivative_sources_compile(case):
    for mode, src in _sources(case, runs=True).items():
        compile(src, f"<{case.name}:{mode}>", "exec")


# `n and True` of an int n and `np.isfinite(x) and True` (the Python bool True, not np.True_)
# are not their first operand: these literals must stay; so must `c and check` of a comparison
# of NumPy scalars read as a value (the four programs of the fixed wrong numbers)
LITERAL_FLAGS_KEPT = {
    "number_and_true_3",
    "number_and_true_0",
    "finite_guard",
    "converged_is_true",
    "violations_count",
    "rejected_is_false",
    "hypot_flag_times_float",
}


@pytest.mark.parametrize("case", _params("readability", CASES))
def test_readability_no_unit_factors_no_literal_flags(case):
    found = {}
    for mode, src in _sources(case, runs=True).items():
        bad = _unit_factors(src, case)
        if case.name not in LITERAL_FLAGS_KEPT:
            bad += _literal_flags(src)
        if bad:
            found[mode] = bad
    assert not found, found


@pytest.mark.parametrize("case", _params("negations", CASES))
def test_readability_negation_chains_are_folded(case):
    found = {}
    for mode, src in _sources(case, runs=True).items():
        bad = _negation_chains(src)
        if bad:
            found[mode] = bad
    assert not found, found


# ============================================================ bit for bit where the arithmetic is the same
#
# Negations are exact, and so are products by powers of two: the folded derivative must give
# the bits of the derivative written out in the order of the chain rule. A product of two
# literals that is not exact (3.0 * 0.1 is 0.30000000000000004) must not be folded.

RNG = np.random.default_rng(116)
XS = RNG.standard_normal(5)
YS = RNG.standard_normal(5)
CT = RNG.standard_normal(5)
TS = RNG.standard_normal(5)


def _exact_double_negation_half():
    out, pb = ad.vjp(double_negation_half, XS)
    _, tan = ad.jvp(double_negation_half, (XS,), (TS,))
    return [(pb(CT)[0], CT * 0.5), (tan, TS * 0.5), (out, XS * 0.5)]


def _exact_triple_negation():
    _, pb = ad.vjp(triple_negation, XS, YS)
    ga, gb = pb(CT)
    _, tan = ad.jvp(triple_negation, (XS, YS), (TS, None))
    return [(ga, -(CT * YS)), (gb, -(XS * CT)), (tan, -(TS * YS))]


def _exact_times_minus_two_plus():
    gx, gy = ad.grad(times_minus_two_plus, wrt=(0, 1))(XS, YS)
    r = XS * -2 + YS
    return [(gx, (2.0 * r) * -2), (gy, 2.0 * r)]


def _exact_minus_neg_literal():
    ga, gx = ad.grad(minus_neg_literal, wrt=(0, 1))(XS, YS)
    return [(ga, 1.0 + YS), (gx, 3.0 + XS)]


def _exact_brief_signs():
    x, y = 1.1, -0.7
    gx, gy = ad.grad(brief_signs, wrt=(0, 1))(x, y)
    # 0.5 - 2 + 3.0 for x; 1.0 + 1 for y: every partial is exact
    return [(gx, 1.5), (gy, 2.0)]


def _exact_literal_chain_reverse():
    g = ad.grad(literal_chain_exact)(XS)
    c = np.cos(3.0 * (0.1 * XS))
    return [(g, 0.1 * (3.0 * c))]


def _exact_literal_chain_forward():
    _, tan = ad.jvp(literal_chain_exact, (XS,), (TS,))
    z = 3.0 * (0.1 * XS)
    return [(tan, np.sum((3.0 * (0.1 * TS)) * np.cos(z)))]


EXACT = {
    "double_negation_half": _exact_double_negation_half,
    "triple_negation": _exact_triple_negation,
    "times_minus_two_plus": _exact_times_minus_two_plus,
    "minus_neg_literal": _exact_minus_neg_literal,
    "brief_signs": _exact_brief_signs,
    "literal_chain_reverse": _exact_literal_chain_reverse,
    "literal_chain_forward": _exact_literal_chain_forward,
}


@pytest.mark.parametrize("name", list(EXACT))
def test_sign_and_literal_chains_bit_for_bit(name):
    for got, want in EXACT[name]():
        assert _same_bits(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)), (
            got,
            want,
        )


def test_inexact_literal_product_would_show():
    # the check above can tell the folded 0.30000000000000004 * g from 0.1 * (3.0 * g)
    c = np.cos(3.0 * (0.1 * XS))
    assert not np.array_equal(0.1 * (3.0 * c), 0.30000000000000004 * c)


# ============================================================ printed output under a literal flag


def test_printing_under_a_literal_verbosity_flag_matches_the_plain_call(capsys):
    verbose_prints(0.8)
    plain = capsys.readouterr().out
    assert plain.count("iteration") == 2
    runs = {
        "grad": lambda: ad.grad(verbose_prints)(0.8),
        "grad forward": lambda: ad.grad(verbose_prints, mode="forward")(0.8),
        "value_and_grad": lambda: ad.value_and_grad(verbose_prints)(0.8),
        "hessian": lambda: ad.hessian(verbose_prints)(0.8),
        "grad of grad": lambda: ad.grad(ad.grad(verbose_prints))(0.8),
    }
    for name, run in runs.items():
        run()
        assert capsys.readouterr().out == plain, name
