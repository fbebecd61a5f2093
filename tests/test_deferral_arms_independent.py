# ruff: noqa: B007, E501, RUF005, RUF059, SIM102, SIM108  (user-style programs: if-blocks, unused loop names and aux outputs on purpose; the expected-failure reasons quote code in full)
"""The 126th tester's programs against deferral into both arms of an `if` and into the first
of two `if`s on one flag (README, "a value read only in a branch that does not run").

Written from the README and the brief alone, without reading `s2s_ad/` or `tests/`.

Each program is differentiated with respect to its first argument. At a point where a
value's partial derivative is infinite (`np.sqrt` at 0, `arcsin` at 1, a norm at 0,
`x ** 0.5` at 0, `np.std` of a constant vector, `math.sqrt` at 0, a helper computing such),
on a path that reads neither the value nor anything computed from it, the derivative must
be that of the path taken, worked out by hand, with no warning; away from such points every
path is compared with central differences; forward with reverse; Hessians with
`jacfwd(grad)`, `jacrev(grad)` and `hvp`; the primal value with the plain call's, bit for
bit. Programs where a flag or a comparison's operand changes between two `if`s check that
no derivative is placed in an `if` that does not run with the one reading the value: there
a finite wrong number is the failure, and a nan (or a warning) at a point where the path
taken reads the value is the right answer.
"""

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------------------------------
# helpers the programs call


def norm_and_size(v):
    n = np.sqrt(np.sum(v * v))
    return n, v.shape[0]


def root_and_flag(x):
    r = np.sqrt(x)
    return r, x > 0.25


def safe_root(x):
    return np.sqrt(x)


# ---------------------------------------------------------------------------------------
# 1. one value read in both arms of an if (and nested arms, if/elif/else); a third path
#    reads neither


def drag_force(v, regime):
    # laminar / transitional / turbulent: the root only in the last two
    p = np.sqrt(v)
    if regime == 0:
        force = 0.5 * v
    elif regime == 1:
        force = 2.0 * p + v
    else:
        force = p * v + 3.0 * v
    return force


def drag_force_3(v, regime):
    # the path that reads nothing is the last arm
    p = np.sqrt(v)
    if regime == 0:
        force = 2.0 * p + v
    elif regime == 1:
        force = p * v + 3.0 * v
    else:
        force = 0.5 * v * v + v
    return force


def safe_normalise(x, w, mode):
    n = np.linalg.norm(x)
    if mode == "unit":
        y = x / n
    elif mode == "soft":
        y = x / (n + 1.0)
    else:
        y = x * 0.5
    return np.sum(y * w)


def huber_root(r, delta, kind):
    root = r**0.5
    if kind == "root":
        loss = delta * root
    elif kind == "mixed":
        loss = root + r * r
    else:
        loss = 0.5 * r * r + r
    return loss


def activation_by_flag(x, act):
    c = np.cbrt(x)
    h = np.tanh(x)
    if act == "cbrt":
        y = 2.0 * c
    elif act == "mix":
        y = c + h
    else:
        y = h
    return y


def arcsin_regimes(x, k):
    a = np.arcsin(x)
    if k == 0:
        y = a
    elif k == 1:
        y = a * a + x
    else:
        y = 3.0 * x
    return y


def std_standardise(x, w, normalise):
    s = np.std(x)
    m = np.mean(x)
    if normalise == 1:
        z = (x - m) / (s + 1.0)
    elif normalise == 2:
        z = x * s
    else:
        z = x - m
    return np.sum(z * w)


def chain_between(x, k):
    # the chain p -> q -> r is read in both arms only
    p = np.sqrt(x)
    q = 3.0 * p
    r = q + x
    if k == 0:
        y = r * 2.0
    elif k == 1:
        y = q * r
    else:
        y = 4.0 * x
    return y


def chain_split(x, k):
    # one arm reads p, the other reads q computed from p
    p = np.sqrt(x)
    q = p * 2.0 + x
    if k == 0:
        y = p
    elif k == 1:
        y = q * q
    else:
        y = 7.0 * x
    return y


def nested_arms(x, a, b):
    p = np.sqrt(x)
    y = x
    if a:
        if b:
            y = y + p
        else:
            y = y + 2.0 * p
    else:
        if b:
            y = y + 3.0 * p
        else:
            y = y * 2.0
    return y


def early_returns(x, k):
    p = np.sqrt(x)
    if k == 0:
        return 2.0 * p
    elif k == 1:
        return p + x
    return 3.0 * x


def math_root(x, k):
    p = math.sqrt(x)
    if k == 0:
        y = 2.0 * p
    elif k == 1:
        y = p * x + x
    else:
        y = 3.0 * x
    return y


def math_asin(x, k):
    a = math.asin(x)
    if k == 0:
        y = a
    elif k == 1:
        y = a * x
    else:
        y = 2.0 * x
    return y


def helper_pair(x, mode):
    n, m = norm_and_size(x)
    if mode == 0:
        y = n * m
    elif mode == 1:
        y = n + np.sum(x)
    else:
        y = np.sum(x * x)
    return y


def helper_root(x, k):
    r = safe_root(x)
    if k == 0:
        y = 2.0 * r
    elif k == 1:
        y = r * x
    else:
        y = x * x + x
    return y


def root_in_test(x, delta):
    # the value read in the test of the if is no derivative read
    r = np.sqrt(x)
    if r < delta:
        y = 0.5 * x
    else:
        y = 2.0 * r + x
    return y


def ternary_arms(x, k):
    p = np.sqrt(x)
    y = 2.0 * p if k == 0 else (p * x if k == 1 else 3.0 * x)
    return y


def quotient(x, c, k):
    # a quotient by a differentiated value: partial 1/x unbounded at x = 0
    q = c / x
    if k == 0:
        y = q
    elif k == 1:
        y = q * q
    else:
        y = 2.0 * x
    return y


def array_chain_arms(x, k):
    # a norm, then an array computed from it (bounded partials) read in both arms
    a = x * np.array([1.0, 2.0, 3.0])
    n = np.sqrt(np.sum(a * a))
    q = n * a
    if k == 0:
        y = np.sum(q * a)
    elif k == 1:
        y = np.sum(q) * a[1]
    else:
        y = np.sum(a)
    return y


def inplace_in_arm(x, k):
    # the arms update the array the chain was computed from before reading the chain
    a = x * np.array([1.0, 2.0, 3.0])
    n = np.sqrt(np.sum(a * a))
    q = n * a
    if k == 0:
        a[0] = 7.0
        y = np.sum(q * a)
    elif k == 1:
        a[1] = -1.0
        y = np.sum(q) * a[1]
    else:
        y = np.sum(a)
    return y


def inplace_between(x, training):
    # two ifs on one flag with the array the norm was taken of updated in place between
    a = x.copy()
    n = np.linalg.norm(a)
    y = np.sum(x)
    if training:
        y = y + n * a[0]
    a[0] = 0.0
    a *= 2.0
    if training:
        y = y + n * np.sum(a)
    return y


def bounded_chain(x, k):
    # only bounded partials: not copied, must still be exact
    p = np.tanh(x) * x + 2.0 * x
    if k == 0:
        y = p * p
    elif k == 1:
        y = p + x
    else:
        y = 3.0 * x
    return y


def loop_body_arms(x, w):
    # a value made in the loop body and read in both arms of an if in that body
    y = 0.0
    for i in range(w.shape[0]):
        p = np.sqrt(x * w[i])
        if w[i] > 1.0:
            y = y + p
        elif w[i] > 0.5:
            y = y + 2.0 * p
        else:
            y = y + x
    return y


def loop_break_arms(x, w):
    y = 0.0
    for i in range(w.shape[0]):
        p = np.sqrt(x * w[i])
        if w[i] > 1.0:
            y = y + p
            break
        elif w[i] > 0.5:
            y = y + 2.0 * p
            continue
        y = y + x * w[i]
    return y


def float32_norm(x, mode):
    n = np.linalg.norm(x)
    if mode == 0:
        y = np.sum(x) * n
    elif mode == 1:
        y = n + np.sum(x)
    else:
        y = np.sum(x * x) * np.float32(0.5)
    return y


# ---------------------------------------------------------------------------------------
# 2. two ifs on one flag (the same name, a copy, the same comparison twice)


def step_rule(x, training):
    lr = np.sqrt(x)
    y = 2.0 * x
    if training:
        y = y + lr
    y = y * 1.5
    if training:
        y = y + 3.0 * lr * x
    return y


def step_rule_copy(x, training):
    lr = np.sqrt(x)
    use = training
    y = 2.0 * x
    if training:
        y = y + lr
    y = np.tanh(y) + y
    if use:
        y = y * lr
    return y


def step_rule_compare(x, k):
    r = x**0.5
    y = x * x
    if k > 0:
        y = y + r
    y = y + x
    if k > 0:
        y = y + r * r * r
    return y


def step_rule_math(x, training):
    lr = math.sqrt(x)
    y = 2.0 * x
    if training:
        y = y + lr
    if training:
        y = y + lr * x
    return y


def clip_by_norm(g, training, maxn):
    n = np.linalg.norm(g)
    step = 0.1 * g
    if training:
        step = step * (maxn / (n + maxn))
    loss = np.sum(step * step)
    if training:
        loss = loss + 0.01 * n
    return loss


def two_ifs_both_arms(x, flag):
    p = np.sqrt(x)
    y = 2.0 * x
    if flag:
        y = y + p
    else:
        y = y - x
    if flag:
        y = y * p
    else:
        y = y * 3.0
    return y


def two_ifs_elif_twice(x, k):
    p = np.sqrt(x)
    y = 2.0 * x
    if k == 0:
        y = y + p
    elif k == 1:
        y = y - p
    y = y + 1.0
    if k == 0:
        y = y + 3.0 * p
    elif k == 1:
        y = y - 3.0 * p
    return y


def flag_in_loop_body(x, c, training):
    # two ifs on one flag inside one iteration, the value made in that iteration
    y = 0.0
    for i in range(c.shape[0]):
        p = np.sqrt(x * c[i])
        if training:
            y = y + p
        y = y + x
        if training:
            y = y + p * p
    return y


def helper_aux_two_ifs(x, training):
    r, big = root_and_flag(x)
    y = x * 2.0
    if training:
        y = y + r
    if training:
        y = y + r * x
    return y


def flag_with_return(x, training, k):
    p = np.sqrt(x)
    y = 3.0 * x
    if training:
        y = y + p
    if k > 2:
        return y
    if training:
        y = y + 2.0 * p
    return y


# ---------------------------------------------------------------------------------------
# 3. ifs that do NOT run together: the first one must not receive the derivative


def flag_negated(x, flag):
    p = np.sqrt(x)
    y = 2.0 * x
    if flag:
        y = y + p
    flag = not flag
    if flag:
        y = y + 3.0 * p
    return y


def flag_reassigned_in_branch(x, flag, k):
    p = np.sqrt(x)
    y = 2.0 * x
    if flag:
        y = y + p
    if k > 1:
        flag = not flag
    if flag:
        y = y + 3.0 * p
    return y


def compare_operand_updated(x, k):
    p = np.sqrt(x)
    y = 2.0 * x
    if k > 0:
        y = y + p
    k -= 1.0
    if k > 0:
        y = y + 3.0 * p
    return y


def compare_element_updated(x, s):
    a = np.array([s, 1.0])
    p = np.sqrt(x)
    y = 2.0 * x
    if a[0] > 0:
        y = y + p
    a[0] = -a[0]
    if a[0] > 0:
        y = y + 3.0 * p
    return y


def compare_alias_updated(x, s):
    a = np.array([s, 1.0])
    b = a
    p = np.sqrt(x)
    y = 2.0 * x
    if a[0] > 0:
        y = y + p
    b[0] = -b[0]
    if a[0] > 0:
        y = y + 3.0 * p
    return y


def compare_after_loop(x, k):
    p = np.sqrt(x)
    y = 2.0 * x
    if k > 0:
        y = y + p
    while k > 0:
        k = k - 1
    if k > 0:
        y = y + 3.0 * p
    return y


def compare_list_length(x, n):
    hist = []
    for i in range(n):
        hist.append(1.0)
    p = np.sqrt(x)
    y = 2.0 * x
    if len(hist) > 1:
        y = y + p
    hist.append(2.0)
    if len(hist) > 1:
        y = y + 3.0 * p
    return y


def compare_on_input(x, c):
    p = np.sqrt(x)
    y = 2.0 * x
    if x > c:
        y = y + p
    x = x + 1.0
    if x > c:
        y = y + 3.0 * p
    return y


def local_list_flag(x, flag):
    fl = [flag]
    p = np.sqrt(x)
    y = 2.0 * x
    if fl[0]:
        y = y + p
    fl[0] = not flag
    if fl[0]:
        y = y + 3.0 * p
    return y


def local_dict_flag(x, flag):
    cfg = {"train": flag}
    p = np.sqrt(x)
    y = 2.0 * x
    if cfg["train"]:
        y = y + p
    cfg["train"] = not flag
    if cfg["train"]:
        y = y + 3.0 * p
    return y


def copy_then_rebind(x, training):
    p = np.sqrt(x)
    y = 2.0 * x
    if training:
        y = y + p
    t2 = training
    training = False
    if t2:
        y = y + 3.0 * p
    if training:
        y = y + 5.0 * p
    return y


def and_then_single(x, a, b):
    p = np.sqrt(x)
    y = 2.0 * x
    if a and b:
        y = y + p
    if a:
        y = y + 3.0 * p
    return y


def and_changed(x, a, b):
    p = np.sqrt(x)
    y = 2.0 * x
    if a and b:
        y = y + p
    b = not b
    if a and b:
        y = y + 3.0 * p
    return y


def elif_then_if(x, k, flag):
    p = np.sqrt(x)
    y = 2.0 * x
    if k == 0:
        y = y + 1.0
    elif flag:
        y = y + p
    if flag:
        y = y + 3.0 * p
    return y


def nested_first_if(x, a, flag):
    p = np.sqrt(x)
    y = 2.0 * x
    if a:
        if flag:
            y = y + p
    if flag:
        y = y + 3.0 * p
    return y


def first_if_in_loop(x, n, flag):
    p = np.sqrt(x)
    y = 2.0 * x
    for i in range(n):
        if flag:
            y = y + p
    if flag:
        y = y + 3.0 * p
    return y


def loop_flag_toggles(x, n, flag):
    # the flag changes every iteration: the two ifs of one iteration see one value
    p = np.sqrt(x)
    y = 2.0 * x
    for i in range(n):
        if flag:
            y = y + p
        flag = not flag
        if flag:
            y = y + 3.0 * p
    return y


def not_flag_arms(x, flag):
    p = np.sqrt(x)
    y = 2.0 * x
    if flag:
        y = y + p
    if not flag:
        y = y + 3.0 * p
    return y


def else_reads_then_if(x, flag):
    # the first if reads p in its else: it runs together with `if not flag`, not `if flag`
    p = np.sqrt(x)
    y = 2.0 * x
    if flag:
        y = y + 1.0
    else:
        y = y + p
    if flag:
        y = y + 3.0 * p
    return y


def arms_then_reassigned(x, k):
    # both arms of the first if read p, k is changed, a second k == 0 test reads p
    p = np.sqrt(x)
    y = 2.0 * x
    if k == 0:
        y = y + p
    elif k == 1:
        y = y - p
    k = k + 1
    if k == 1:
        y = y + 3.0 * p
    return y


# ---------------------------------------------------------------------------------------
# the cases: (id, function, args, derivative of the path taken by hand or None, Hessian by
# hand or None). None: compare with central differences (the point is regular).

X3 = np.array([0.3, -1.2, 2.0])
W3 = np.array([1.0, 2.0, -0.5])
C3 = np.array([1.0, 1.0, 1.0])
WL = np.array([2.0, 0.7, 0.0, 0.3])

CASES = [
    # 1. both arms; at the singular point, a third path
    ("drag-sing-laminar", drag_force, (0.0, 0), 0.5, 0.0),
    ("drag-reg-1", drag_force, (1.7, 1), None, None),
    ("drag-reg-2", drag_force, (1.7, 2), None, None),
    ("drag3-sing-else", drag_force_3, (0.0, 5), 1.0, 1.0),
    ("drag3-reg-0", drag_force_3, (0.6, 0), None, None),
    (
        "normalise-sing-plain",
        safe_normalise,
        (np.zeros(3), W3, "plain"),
        0.5 * W3,
        np.zeros((3, 3)),
    ),
    ("normalise-reg-unit", safe_normalise, (X3, W3, "unit"), None, None),
    ("normalise-reg-soft", safe_normalise, (X3, W3, "soft"), None, None),
    ("huber-sing-quad", huber_root, (0.0, 1.5, "quad"), 1.0, 1.0),
    ("huber-reg-root", huber_root, (0.8, 1.5, "root"), None, None),
    ("huber-reg-mixed", huber_root, (0.8, 1.5, "mixed"), None, None),
    ("act-sing-tanh", activation_by_flag, (0.0, "tanh"), 1.0, 0.0),
    ("act-reg-cbrt", activation_by_flag, (0.4, "cbrt"), None, None),
    ("arcsin-sing-lin", arcsin_regimes, (1.0, 2), 3.0, 0.0),
    ("arcsin-reg-1", arcsin_regimes, (0.3, 1), None, None),
    (
        "std-sing-centre",
        std_standardise,
        (np.full(3, 2.0), W3, 0),
        W3 - np.mean(W3),
        np.zeros((3, 3)),
    ),
    ("std-reg-1", std_standardise, (X3, W3, 1), None, None),
    ("chain-sing-else", chain_between, (0.0, 2), 4.0, 0.0),
    ("chain-reg-1", chain_between, (0.9, 1), None, None),
    ("chainsplit-sing-else", chain_split, (0.0, 2), 7.0, 0.0),
    ("chainsplit-reg-0", chain_split, (0.9, 0), None, None),
    ("chainsplit-reg-1", chain_split, (0.9, 1), None, None),
    ("nested-sing-FF", nested_arms, (0.0, False, False), 2.0, 0.0),
    ("nested-reg-TT", nested_arms, (0.5, True, True), None, None),
    ("nested-reg-FT", nested_arms, (0.5, False, True), None, None),
    ("return-sing-tail", early_returns, (0.0, 4), 3.0, 0.0),
    ("return-reg-0", early_returns, (0.5, 0), None, None),
    ("mathroot-sing-else", math_root, (0.0, 2), 3.0, 0.0),
    ("mathroot-reg-0", math_root, (0.5, 0), None, None),
    ("mathasin-sing-else", math_asin, (1.0, 2), 2.0, 0.0),
    ("mathasin-reg-1", math_asin, (0.4, 1), None, None),
    ("helperpair-sing-2", helper_pair, (np.zeros(3), 2), np.zeros(3), 2.0 * np.eye(3)),
    ("helperpair-reg-0", helper_pair, (X3, 0), None, None),
    ("helperroot-sing-2", helper_root, (0.0, 2), 1.0, 2.0),
    ("helperroot-reg-0", helper_root, (0.5, 0), None, None),
    ("helperroot-reg-1", helper_root, (0.5, 1), None, None),
    ("testreads-sing-small", root_in_test, (0.0, 0.5), 0.5, 0.0),
    ("testreads-reg-big", root_in_test, (1.0, 0.5), None, None),
    ("ternary-sing-else", ternary_arms, (0.0, 2), 3.0, 0.0),
    ("ternary-reg-0", ternary_arms, (0.5, 0), None, None),
    ("quotient-reg-0", quotient, (0.7, 2.0, 0), None, None),
    ("armchain-sing-else", array_chain_arms, (0.0, 2), 6.0, 0.0),
    ("armchain-reg-0", array_chain_arms, (0.7, 0), None, None),
    ("armchain-reg-1", array_chain_arms, (0.7, 1), None, None),
    ("inplacearm-sing-else", inplace_in_arm, (0.0, 2), 6.0, 0.0),
    ("inplacearm-reg-0", inplace_in_arm, (0.7, 0), None, None),
    (
        "inplacebetween-sing-off",
        inplace_between,
        (np.zeros(3), False),
        np.ones(3),
        np.zeros((3, 3)),
    ),
    ("inplacebetween-reg-on", inplace_between, (X3, True), None, None),
    ("bounded-reg-0", bounded_chain, (0.3, 0), None, None),
    ("bounded-reg-1", bounded_chain, (0.3, 1), None, None),
    ("loopbody-sing", loop_body_arms, (0.0, WL), None, None),  # filled below
    ("loopbody-reg", loop_body_arms, (0.8, WL), None, None),
    ("loopbreak-reg", loop_break_arms, (0.8, np.array([0.7, 0.3, 2.0, 0.1])), None, None),
    ("loopbreak-sing-none", loop_break_arms, (0.0, np.array([0.3, 0.1])), 0.4, 0.0),
    ("f32-sing-2", float32_norm, (np.zeros(3, np.float32), 2), np.zeros(3, np.float32), np.eye(3)),
    ("f32-reg-0", float32_norm, (X3.astype(np.float32), 0), None, None),
    # 2. two ifs on one flag
    ("step-sing-off", step_rule, (0.0, False), 3.0, 0.0),
    ("step-reg-on", step_rule, (0.6, True), None, None),
    ("step-reg-off", step_rule, (0.6, False), None, None),
    ("stepcopy-sing-off", step_rule_copy, (0.0, False), 2.0 + 2.0, 0.0),
    ("stepcopy-reg-on", step_rule_copy, (0.6, True), None, None),
    ("stepcmp-sing-off", step_rule_compare, (0.0, -1.0), 1.0, 2.0),
    ("stepcmp-reg-on", step_rule_compare, (0.6, 2.0), None, None),
    ("stepmath-sing-off", step_rule_math, (0.0, False), 2.0, 0.0),
    ("stepmath-reg-on", step_rule_math, (0.6, True), None, None),
    ("clip-sing-off", clip_by_norm, (np.zeros(3), False, 1.0), np.zeros(3), 0.02 * np.eye(3)),
    ("clip-reg-on", clip_by_norm, (X3, True, 1.0), None, None),
    ("clip-reg-off", clip_by_norm, (X3, False, 1.0), None, None),
    ("twoboth-reg-T", two_ifs_both_arms, (0.6, True), None, None),
    ("elif2-sing-2", two_ifs_elif_twice, (0.0, 2), 2.0, 0.0),
    ("elif2-reg-0", two_ifs_elif_twice, (0.6, 0), None, None),
    ("elif2-reg-1", two_ifs_elif_twice, (0.6, 1), None, None),
    ("loopflag-sing-off", flag_in_loop_body, (0.0, C3, False), 3.0, 0.0),
    ("loopflag-reg-on", flag_in_loop_body, (0.6, C3, True), None, None),
    ("helperaux-sing-off", helper_aux_two_ifs, (0.0, False), 2.0, 0.0),
    ("helperaux-reg-on", helper_aux_two_ifs, (0.6, True), None, None),
    ("flagret-sing-off", flag_with_return, (0.0, False, 3), 3.0, 0.0),
    ("flagret-reg-on-ret", flag_with_return, (0.6, True, 3), None, None),
    ("flagret-reg-on", flag_with_return, (0.6, True, 1), None, None),
    # 3. not together: every path compared with central differences
    ("negated-reg-T", flag_negated, (0.6, True), None, None),
    ("negated-reg-F", flag_negated, (0.6, False), None, None),
    ("reassign-reg-F-k2", flag_reassigned_in_branch, (0.6, False, 2), None, None),
    ("reassign-reg-T-k2", flag_reassigned_in_branch, (0.6, True, 2), None, None),
    ("reassign-reg-T-k0", flag_reassigned_in_branch, (0.6, True, 0), None, None),
    ("inplace-reg-half", compare_operand_updated, (0.6, 0.5), None, None),
    ("inplace-reg-two", compare_operand_updated, (0.6, 2.0), None, None),
    ("element-reg-pos", compare_element_updated, (0.6, 1.0), None, None),
    ("element-reg-neg", compare_element_updated, (0.6, -1.0), None, None),
    ("alias-reg-pos", compare_alias_updated, (0.6, 1.0), None, None),
    ("alias-reg-neg", compare_alias_updated, (0.6, -1.0), None, None),
    ("afterloop-reg-2", compare_after_loop, (0.6, 2), None, None),
    ("listlen-reg-1", compare_list_length, (0.6, 1), None, None),
    ("oninput-reg-mid", compare_on_input, (0.6, 1.5), None, None),
    ("oninput-reg-low", compare_on_input, (0.6, 0.2), None, None),
    ("listflag-reg-T", local_list_flag, (0.6, True), None, None),
    ("listflag-reg-F", local_list_flag, (0.6, False), None, None),
    ("dictflag-reg-T", local_dict_flag, (0.6, True), None, None),
    ("dictflag-reg-F", local_dict_flag, (0.6, False), None, None),
    ("copyrebind-reg-T", copy_then_rebind, (0.6, True), None, None),
    ("copyrebind-sing-F", copy_then_rebind, (0.0, False), 2.0, 0.0),
    ("andsingle-reg-TF", and_then_single, (0.6, True, False), None, None),
    ("andsingle-reg-TT", and_then_single, (0.6, True, True), None, None),
    ("andchanged-reg-TT", and_changed, (0.6, True, True), None, None),
    ("andchanged-reg-TF", and_changed, (0.6, True, False), None, None),
    ("elifthen-reg-0T", elif_then_if, (0.6, 0, True), None, None),
    ("elifthen-reg-1T", elif_then_if, (0.6, 1, True), None, None),
    ("nestedfirst-reg-FT", nested_first_if, (0.6, False, True), None, None),
    ("nestedfirst-reg-TT", nested_first_if, (0.6, True, True), None, None),
    ("firstinloop-reg-0T", first_if_in_loop, (0.6, 0, True), None, None),
    ("firstinloop-reg-2T", first_if_in_loop, (0.6, 2, True), None, None),
    ("toggles-reg-3T", loop_flag_toggles, (0.6, 3, True), None, None),
    ("toggles-reg-0T", loop_flag_toggles, (0.6, 0, True), None, None),
    ("notflag-reg-T", not_flag_arms, (0.6, True), None, None),
    ("notflag-reg-F", not_flag_arms, (0.6, False), None, None),
    ("elsereads-reg-T", else_reads_then_if, (0.6, True), None, None),
    ("elsereads-reg-F", else_reads_then_if, (0.6, False), None, None),
    ("armsreassigned-reg-0", arms_then_reassigned, (0.6, 0), None, None),
    ("armsreassigned-reg-1", arms_then_reassigned, (0.6, 1), None, None),
]


# the loop whose every iteration takes a path: w = 2.0 (root), 0.7 (2 root), 0.0 (x), 0.3 (x);
# at x = 0 with w = 0.0 and 0.3 only, no root is read
CASES = [c for c in CASES if c[0] != "loopbody-sing"] + [
    ("loopbody-sing-none", loop_body_arms, (0.0, np.array([0.0, 0.3, 0.1])), 3.0, 0.0),
]

IDS = [c[0] for c in CASES]
BY_ID = {c[0]: c for c in CASES}
SINGULAR = [c[0] for c in CASES if c[3] is not None]

# known failures: test name -> reason (filled from the findings)
PENDING = {
    "test_forward[helperpair-sing-2]": "README 'Not yet': forward mode's call of a helper makes its value and tangent where the call stands, so the helper's root read only on a path not taken warns (x_dot / (2.0 * r) at r = 0)",
    "test_second_order[helperpair-sing-2]": "second order inherits the helper limitation: the Hessian's tangent pass calls the helper's tangent where the call stands and divides by 2*sqrt(0) (RuntimeWarning; the number is right when warnings are ignored)",
    "test_forward[helperroot-sing-2]": "README 'Not yet': forward mode's call of a helper makes its value and tangent where the call stands, so the helper's root read only on a path not taken warns (x_dot / (2.0 * r) at r = 0)",
    "test_second_order[helperroot-sing-2]": "second order inherits the helper limitation: the Hessian's tangent pass calls the helper's tangent where the call stands and divides by 2*sqrt(0) (RuntimeWarning; the number is right when warnings are ignored)",
    "test_forward[helperaux-sing-off]": "README 'Not yet': forward mode's call of a helper makes its value and tangent where the call stands, so the helper's root read only on a path not taken warns (x_dot / (2.0 * r) at r = 0)",
    "test_second_order[helperaux-sing-off]": "second order inherits the helper limitation: the Hessian's tangent pass calls the helper's tangent where the call stands and divides by 2*sqrt(0) (RuntimeWarning; the number is right when warnings are ignored)",
    "test_second_order[loopbody-reg]": "second order of a value made in a loop body and read only in that body's if arms: first order is exact, but the Hessian's tangent computes p_dot = _dot / (2.0 * p) unconditionally in the loop, a RuntimeWarning at an iteration where sqrt is 0 and its arm does not run (numbers right when warnings are ignored)",
    "test_second_order[loopbody-sing-none]": "second order of a value made in a loop body and read only in that body's if arms: first order is exact, but the Hessian's tangent computes p_dot = _dot / (2.0 * p) unconditionally in the loop, a RuntimeWarning at an iteration where sqrt is 0 and its arm does not run (numbers right when warnings are ignored)",
    "test_second_order[loopbreak-sing-none]": "second order of a value made in a loop body and read only in that body's if arms: first order is exact, but the Hessian's tangent computes p_dot = _dot / (2.0 * p) unconditionally in the loop, a RuntimeWarning at an iteration where sqrt is 0 and its arm does not run (numbers right when warnings are ignored)",
    "test_second_order[loopflag-sing-off]": "second order of a value made in a loop body and read only in that body's if arms: first order is exact, but the Hessian's tangent computes p_dot = _dot / (2.0 * p) unconditionally in the loop, a RuntimeWarning at an iteration where sqrt is 0 and its arm does not run (numbers right when warnings are ignored)",
    "test_second_order[armchain-sing-else]": "second order where a norm's chain q = n * a (an array) is read in both arms: hessian/jacfwd(grad) compute n_dot = _t7_dot / (2.0 * n) before the if (RuntimeWarning 'invalid value in divide' at x = 0, k = 2; the plain call gives none; numbers right when warnings are ignored); the scalar chain (chain-sing-else) is fine",
    "test_second_order[inplacearm-sing-else]": "second order where a norm's chain q = n * a (an array) is read in both arms: hessian/jacfwd(grad) compute n_dot = _t7_dot / (2.0 * n) before the if (RuntimeWarning 'invalid value in divide' at x = 0, k = 2; the plain call gives none; numbers right when warnings are ignored); the scalar chain (chain-sing-else) is fine",
}


def _xfail(name, test):
    key = f"{test}[{name}]"
    if key in PENDING:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=PENDING[key]))
    return name


def _params(test, ids=None):
    return [_xfail(n, test) for n in (IDS if ids is None else ids)]


# ---------------------------------------------------------------------------------------
# machinery


def _call(thunk):
    """Run with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return thunk()


def _as_float(v):
    return np.asarray(v, dtype=np.float64)


def _close(got, want, rtol, atol=1e-9):
    got, want = _as_float(got), _as_float(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert np.all(np.isfinite(got)), got
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _rest(args):
    return args[1:]


def _fd_grad(f, args, h=1e-6):
    x, rest = args[0], args[1:]
    if np.ndim(x) == 0:
        return (f(x + h, *rest) - f(x - h, *rest)) / (2 * h)
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return g


def _expected_grad(case):
    _, f, args, g, _ = case
    if g is not None:
        return g
    return _fd_grad(f, args)


def _expected_hess(case):
    _, f, args, _, h = case
    if h is not None:
        return h
    gf = ad.grad(f)
    x = args[0]
    if np.ndim(x) == 0:
        return _fd_grad(lambda v, *r: float(gf(v, *r)), args)
    x = np.asarray(x, dtype=np.float64)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = 1e-6
        cols.append((gf(x + e, *args[1:]) - gf(x - e, *args[1:])) / 2e-6)
    return np.stack(cols, axis=-1)


def _tol(case):
    x = case[2][0]
    if getattr(x, "dtype", None) == np.float32:
        return 2e-3 if case[3] is None else 1e-6
    return 1e-5 if case[3] is None else 1e-6


def _plain(case):
    _, f, args, _, _ = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args)


def _ones_like(x):
    if np.ndim(x) == 0:
        return 1.0
    return np.ones_like(x)


# ---------------------------------------------------------------------------------------
# the tests: every case under reverse mode, forward mode and second order


@pytest.mark.parametrize("name", _params("test_reverse"))
def test_reverse(name):
    """value_and_grad (the value bit for bit), vjp's pullback, jacrev; no warning."""
    case = BY_ID[name]
    _, f, args, _, _ = case
    want_value, want = _plain(case), _expected_grad(case)
    value, g = _call(lambda: ad.value_and_grad(f)(*args))
    assert value == want_value
    _close(g, want, _tol(case))
    if np.ndim(args[0]):
        assert g.dtype == args[0].dtype
    out, pullback = _call(lambda: ad.vjp(f, *args))
    assert out == want_value
    _close(_call(lambda: pullback(_ones_like(out)))[0], want, _tol(case))
    _close(_call(lambda: ad.jacrev(f)(*args)), want, _tol(case))


@pytest.mark.parametrize("name", _params("test_forward"))
def test_forward(name):
    """jvp (= reverse along a direction, rtol 1e-6), grad(mode="forward"), jacfwd."""
    case = BY_ID[name]
    _, f, args, _, _ = case
    want = _expected_grad(case)
    x = args[0]
    fixed = (None,) * (len(args) - 1)
    if np.ndim(x) == 0:
        v = 1.0
    else:
        v = np.random.default_rng(7).standard_normal(x.shape).astype(x.dtype)
    value, t = _call(lambda: ad.jvp(f, args, (v,) + fixed))
    assert value == _plain(case)
    g = _call(lambda: ad.grad(f)(*args))
    _close(t, np.sum(g * v), 1e-5 if getattr(x, "dtype", None) == np.float32 else 1e-6)
    _close(_call(lambda: ad.grad(f, mode="forward")(*args)), want, _tol(case))
    _close(_call(lambda: ad.jacfwd(f)(*args)), want, _tol(case))


@pytest.mark.parametrize("name", _params("test_second_order"))
def test_second_order(name):
    """hessian against the hand value or differences of the gradient; jacfwd(grad),
    jacrev(grad) and hvp against hessian; no warning."""
    case = BY_ID[name]
    _, f, args, _, _ = case
    x = args[0]
    h = _call(lambda: ad.hessian(f)(*args))
    _close(h, _expected_hess(case), _tol(case) * 10)
    rt = 1e-5 if getattr(x, "dtype", None) == np.float32 else 1e-6
    _close(_call(lambda: ad.jacfwd(ad.grad(f))(*args)), h, rt)
    _close(_call(lambda: ad.jacrev(ad.grad(f))(*args)), h, rt)
    fixed = (None,) * (len(args) - 1)
    if np.ndim(x) == 0:
        _, hv = _call(lambda: ad.hvp(f, args, (1.0,) + fixed))
        _close(hv, h, rt)
    else:
        v = np.linspace(0.5, 1.5, x.size).astype(x.dtype).reshape(x.shape)
        _, hv = _call(lambda: ad.hvp(f, args, (v,) + fixed))
        _close(np.ravel(hv), np.asarray(h).reshape(x.size, x.size) @ np.ravel(v), rt)


JIT_IDS = [
    "drag-sing-laminar",
    "drag-reg-2",
    "huber-sing-quad",
    "arcsin-sing-lin",
    "chain-sing-else",
    "step-sing-off",
    "step-reg-on",
    "elif2-sing-2",
    "clip-sing-off",
    "negated-reg-F",
    "reassign-reg-F-k2",
    "inplace-reg-half",
]


@pytest.mark.parametrize("name", _params("test_jit_grad", JIT_IDS))
def test_jit_grad(name):
    case = BY_ID[name]
    _, f, args, _, _ = case
    value, g = _call(lambda: ad.value_and_grad(f, jit=True)(*args))
    assert value == _plain(case)
    _close(g, _expected_grad(case), _tol(case))
    # a second call gives the same
    _close(_call(lambda: ad.grad(f, jit=True)(*args)), g, 0.0, 0.0)


JIT_HESS_IDS = ["drag-sing-laminar", "step-sing-off", "clip-sing-off", "negated-reg-T"]


@pytest.mark.parametrize("name", _params("test_jit_hessian", JIT_HESS_IDS))
def test_jit_hessian(name):
    case = BY_ID[name]
    _, f, args, _, _ = case
    _close(_call(lambda: ad.hessian(f, jit=True)(*args)), _expected_hess(case), _tol(case) * 10)


# ---------------------------------------------------------------------------------------
# ifs that do not run together, at the singular point on a path that reads neither: the
# derivative of the path taken, or (not deferred) a located error for NumPy's warning; a
# finite wrong number is the failure

NOT_TOGETHER_SINGULAR = [
    ("inplace-k-neg", compare_operand_updated, (0.0, -1.0), 2.0),
    ("reassign-F-k0", flag_reassigned_in_branch, (0.0, False, 0), 2.0),
    ("andchanged-F", and_changed, (0.0, False, True), 2.0),
    ("firstinloop-0F", first_if_in_loop, (0.0, 0, False), 2.0),
    ("nestedfirst-FF", nested_first_if, (0.0, False, False), 2.0),
    ("elifthen-0F", elif_then_if, (0.0, 0, False), 2.0),
    ("toggles-0", loop_flag_toggles, (0.0, 0, True), 2.0),
    ("oninput-high", compare_on_input, (0.0, 1.5), 2.0),
    ("afterloop-neg", compare_after_loop, (0.0, -1), 2.0),
]


@pytest.mark.parametrize("api", ["reverse", "forward", "hessian"])
@pytest.mark.parametrize(
    "name,f,args,want", NOT_TOGETHER_SINGULAR, ids=[c[0] for c in NOT_TOGETHER_SINGULAR]
)
def test_not_together_singular(name, f, args, want, api):
    run = {
        "reverse": lambda: ad.grad(f)(*args),
        "forward": lambda: ad.grad(f, mode="forward")(*args),
        "hessian": lambda: ad.hessian(f)(*args),
    }[api]
    try:
        got = _call(run)
    except ad.errors.EvaluationError as e:
        assert "RuntimeWarning" in str(e) and __file__ in str(e), str(e)
        return
    _close(got, 0.0 if api == "hessian" else want, 1e-6)


# ---------------------------------------------------------------------------------------
# a flag read from mutable state, changed by a helper between the two ifs


class TrainCfg:
    def __init__(self, train):
        self.train = train


class GlobalCfg:
    train = True


GLOBAL_CFG = GlobalCfg()


def disable(cfg):
    cfg.train = False


def switch_global_off():
    GLOBAL_CFG.train = False
    return 0.0


def helper_disables_local_object(x, train):
    cfg = TrainCfg(train)
    p = np.sqrt(x)
    y = 2.0 * x
    if cfg.train:
        y = y + p
    disable(cfg)
    if cfg.train:
        y = y + 3.0 * p
    return y


def helper_disables_local_object_tanh(x, train):
    cfg = TrainCfg(train)
    y = 2.0 * x
    if cfg.train:
        y = y + np.tanh(x)
    disable(cfg)
    if cfg.train:
        y = y + 3.0 * np.tanh(x)
    return y


def helper_disables_global(x):
    p = np.sqrt(x)
    y = 2.0 * x
    if GLOBAL_CFG.train:
        y = y + p
    y = y + switch_global_off()
    if GLOBAL_CFG.train:
        y = y + 3.0 * p
    return y


def helper_disables_global_tanh(x):
    y = 2.0 * x
    if GLOBAL_CFG.train:
        y = y + np.tanh(x)
    y = y + switch_global_off()
    return y


def _fresh_local(f):
    return lambda x: f(x, True)


STATE_CASES = [
    ("local-object-root", _fresh_local(helper_disables_local_object)),
    ("local-object-tanh", _fresh_local(helper_disables_local_object_tanh)),
    ("global-root", helper_disables_global),
    ("global-tanh", helper_disables_global_tanh),
]

# (fixed: a helper's `cfg.train = False` on a local object, whose second `cfg.train` read
# was the first one's; a global flag a helper switched off, which the reverse sweep read
# again: all six gave wrong values or derivatives, no error)
STATE_PENDING: dict = {}


def _state_params():
    out = []
    for name, f in STATE_CASES:
        for api in ("reverse", "forward"):
            reason = STATE_PENDING.get((name, api))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(name, f, api, id=f"{name}-{api}", marks=marks))
    return out


@pytest.mark.parametrize("name,f,api", _state_params())
def test_flag_changed_by_helper(name, f, api):
    def plain(x):
        GLOBAL_CFG.train = True
        return f(x)

    x = 0.6
    want_value = plain(x)
    want = (plain(x + 1e-6) - plain(x - 1e-6)) / 2e-6
    GLOBAL_CFG.train = True
    try:
        if api == "reverse":
            value, g = _call(lambda: ad.value_and_grad(f)(x))
        else:
            value, g = _call(lambda: ad.jvp(f, (x,), (1.0,)))
    finally:
        GLOBAL_CFG.train = True
    assert value == want_value
    _close(g, want, 1e-5)


# ---------------------------------------------------------------------------------------
# wrong input still gets a located error naming this file and the line


def bad_int_flag_twice(x, training):
    p = np.sqrt(x)
    y = 2.0 * x
    if training:
        y = y + p
    if training:
        y = y + p * p
    return y


def bad_shapes_in_arm(x, k):
    p = np.sqrt(x)
    if k == 0:
        y = np.sum(p @ np.ones((4, 2)))
    elif k == 1:
        y = np.sum(p)
    else:
        y = np.sum(x)
    return y


def bad_attribute_in_arms(x, flag):
    p = np.sqrt(x)
    cfg = TrainCfg(flag)
    if flag:
        cfg.train = p
        y = x
    else:
        y = p
    return y


def test_error_integer_argument():
    with pytest.raises(ad.errors.S2SError) as e:
        ad.grad(bad_int_flag_twice)(1, True)
    assert "ArgumentError" in type(e.value).__name__ or "integer" in str(e.value).lower()


def test_error_shapes_in_deferred_arm():
    with pytest.raises(ad.errors.S2SError) as e:
        _call(lambda: ad.grad(bad_shapes_in_arm)(np.ones(3), 0))
    msg = str(e.value)
    assert __file__ in msg and "p @ np.ones((4, 2))" in msg, msg


def test_error_attribute_assignment_in_arm():
    with pytest.raises(ad.errors.S2SError) as e:
        ad.grad(bad_attribute_in_arms)(1.0, True)
    msg = str(e.value)
    assert __file__ in msg and ".train" in msg, msg
