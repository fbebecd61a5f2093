# ruff: noqa
"""Derivative code placed inside the branch that reads it (an independent tester's programs).

Written from the README and the feature's description only.  Every program is something a
user might write: a value computed before an `if` whose derivative is needed only on one
path.  Each is checked for the plain call's value, against central differences, forward
against reverse, and (where a partial is infinite on the path not taken) for the exact
finite answer with no warning or error the plain call does not give.
"""

import contextlib
import io
import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad


# ----------------------------------------------------------------------------------------
# programs: one array argument x (differentiated) and passive flags / counters
# ----------------------------------------------------------------------------------------


def sqrt_one_branch(x, use):
    p = np.sqrt(x)
    if use:
        return np.sum(p)
    return np.sum(2 * x)


def chain_one_branch(x, use):
    p = np.sqrt(x)
    q = p * 3.0
    r = np.sin(q)
    if use:
        return np.sum(r * x)
    return np.sum(x * x)


def log_else_only(x, use):
    p = np.log(x)
    if use:
        return np.sum(x**2)
    else:
        return np.sum(p * x)


def used_in_both(x, use):
    p = np.sqrt(x)
    if use:
        r = np.sum(p)
    else:
        r = np.sum(p * p * 3.0)
    return r


def branch_and_after(x, use):
    p = np.sqrt(x)
    s = 0.0
    if use:
        s = s + np.sum(p)
    return s + np.sum(p * x)


def branch_and_later_if(x, a, b):
    p = np.sqrt(x) + x
    s = np.sum(x)
    if a:
        s = s + np.sum(p * 2.0)
    if b:
        s = s + np.sum(np.cos(p))
    return s


def used_in_test_and_branch(x):
    p = np.sqrt(x)
    if np.sum(p) > 2.0:
        return np.sum(p * x)
    return np.sum(x * x)


def used_in_test_only(x):
    p = np.sqrt(x)
    if np.sum(p) > 2.0:
        return np.sum(x**3)
    return np.sum(x)


def nested_inner(x, a, b):
    p = np.sqrt(x)
    q = np.log(x)
    if a:
        if b:
            return np.sum(p * x)
        else:
            return np.sum(q)
    return np.sum(x * x)


def nested_outer_and_inner(x, a, b):
    p = np.tanh(x) * 2.0
    s = 0.0
    if a:
        s = s + np.sum(p)
        if b:
            s = s + np.sum(p * p)
    else:
        s = s + np.sum(x)
    return s


def nested_inner_both_levels_else(x, a, b):
    p = np.exp(x)
    if a:
        if b:
            r = np.sum(p)
        else:
            r = np.sum(x)
    else:
        r = np.sum(p * x)
    return r


def elif_chain(x, k):
    p = np.sqrt(x)
    q = np.log1p(x)
    r = np.arcsin(x / 4.0)
    if k == 0:
        return np.sum(p)
    elif k == 1:
        return np.sum(q * x)
    elif k == 2:
        return np.sum(r)
    else:
        return np.sum(x**2)


def elif_shared_two_arms(x, k):
    p = np.sqrt(x) * np.exp(x)
    if k == 0:
        out = np.sum(p)
    elif k == 1:
        out = np.sum(p * 2.0 + x)
    else:
        out = np.sum(x**3)
    return out


def reassigned_in_branch(x, use):
    p = np.sqrt(x)
    if use:
        p = p * 2.0
    return np.sum(p)


def replaced_in_branch(x, use):
    p = np.sqrt(x)
    if use:
        p = x * 3.0
    return np.sum(p)


def inplace_add_in_branch(x, use):
    p = x * 2.0
    if use:
        p += np.sin(x)
    return np.sum(p * p)


def inplace_before_use(x, use):
    a = x * 1.0
    p = np.sin(a)
    a += 1.0
    if use:
        return np.sum(p * 2.0)
    return np.sum(a * a)


def inplace_in_branch_after_value(x, use):
    a = x * 1.0
    p = np.sin(a)
    if use:
        a += 1.0
        return np.sum(p * a)
    return np.sum(a)


def elem_update_in_branch(x, use):
    p = np.exp(x)
    if use:
        p[0] = 0.0
    return np.sum(p)


def elem_update_before_branch(x, use):
    a = x * 1.0
    p = a * a
    a[0] = 5.0
    if use:
        return np.sum(p)
    return np.sum(a * x)


def elem_update_in_branch_reads_old(x, use):
    a = np.cos(x)
    p = a * x
    if use:
        a[1] = 2.0 * x[0]
        return np.sum(p) + np.sum(a * a)
    return np.sum(x)


def alias_read_in_branch(x, use):
    p = np.sqrt(x)
    q = p
    if use:
        return np.sum(q * x)
    return np.sum(x)


def copy_then_update_in_branch(x, use):
    p = np.exp(x)
    if use:
        q = p.copy()
        q[1] = x[0] * 5.0
        return np.sum(q * p)
    return np.sum(x)


def list_of_values(x, use):
    L = [np.sqrt(x), np.log(x)]
    if use:
        return np.sum(L[0])
    return np.sum(L[1] * x)


def list_appended(x, use):
    L = []
    L.append(np.sqrt(x))
    L.append(x * x)
    if use:
        return np.sum(L[0] * L[1])
    return np.sum(L[1])


def dict_of_values(x, use):
    d = {"a": np.sqrt(x), "b": x * x}
    if use:
        return np.sum(d["a"])
    return np.sum(d["b"])


def _scaled_root(v):
    return np.sqrt(v) * 2.0


def _root_and_square(v):
    return np.sqrt(v), v * v


def helper_before_branch(x, use):
    p = _scaled_root(x)
    if use:
        return np.sum(p)
    return np.sum(x)


def helper_tuple_before_branch(x, use):
    a, b = _root_and_square(x)
    if use:
        return np.sum(a)
    return np.sum(b)


def lambda_before_branch(x, use):
    p = np.sqrt(x)
    g = lambda t: t * p
    if use:
        return np.sum(g(x))
    return np.sum(x)


def closure_before_branch(x, use):
    p = np.log(x)

    def inner(t):
        return np.sum(p * t)

    if use:
        return inner(x)
    return np.sum(x * 3.0)


def where_in_branch(x, use):
    p = np.sqrt(x)
    if use:
        return np.sum(np.where(x > 0.5, p, 0.0) + x)
    return np.sum(x * 2.0)


def data_branch(x):
    p = np.log(x)
    if np.sum(x) > 1.5:
        return np.sum(p * x)
    return np.sum(x**2)


def early_returns_chain(x, a, b):
    p = np.sqrt(x)
    q = np.log(x)
    if a:
        return np.sum(x)
    if b:
        return np.sum(p)
    return np.sum(q)


def early_return_then_fallthrough(x, a):
    p = np.sqrt(x) * 4.0
    if a:
        return np.sum(x * x)
    return np.sum(p)


def ternary_branch(x, use):
    p = np.sqrt(x)
    return np.sum(p) if use else np.sum(2.0 * x)


def two_values_two_branches(x, use):
    p = np.sqrt(x)
    q = p * 2.0
    r = p * 3.0
    if use:
        return np.sum(q)
    return np.sum(r * x)


def partial_chain(x, use):
    p = np.sqrt(x)
    q = p * 2.0
    if use:
        return np.sum(q)
    return np.sum(p * x)


def value_used_by_moved_and_kept(x, use):
    p = np.exp(x)
    q = p * 2.0
    r = p + 1.0
    s = np.sum(r)
    if use:
        s = s + np.sum(q)
    return s


def print_in_branch(x, use):
    p = np.sqrt(x)
    print("p0", float(p[0]))
    if use:
        print("taken")
        return np.sum(p)
    print("not taken")
    return np.sum(2.0 * x)


def assert_in_branch(x, use):
    p = np.sqrt(x)
    if use:
        assert np.all(p >= 0.0), "negative"
        return np.sum(p * p * p)
    return np.sum(x)


def two_ifs_same_flag(x, use):
    p = np.sqrt(x)
    s = np.sum(x)
    if use:
        s = s + np.sum(p)
    if not use:
        s = s * 2.0
    return s


def flag_from_value(x, n):
    p = np.sqrt(x)
    big = n > 2
    if big:
        return np.sum(p * n)
    return np.sum(x * n)


def branch_then_loop_reads(x, use, n):
    p = np.sqrt(x)
    s = 0.0
    if use:
        s = np.sum(p)
    for i in range(n):
        s = s + np.sum(p * x) * 0.5
    return s


# ---- loops ------------------------------------------------------------------------------


def value_before_loop_branch_in_loop(x, n):
    p = np.sqrt(x)
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            s = s + np.sum(p * (i + 1))
        else:
            s = s + np.sum(x)
    return s


def value_before_loop_rare_branch(x, n):
    p = np.sqrt(x)
    s = 0.0
    for i in range(n):
        if i == 2:
            s = s + np.sum(p)
        s = s + np.sum(x) * 0.5
    return s


def value_in_loop_branch_in_loop(x, n):
    h = x * 1.0
    for i in range(n):
        p = np.sqrt(h)
        if i % 2 == 0:
            h = h + p * 0.1
        else:
            h = h * 0.9
    return np.sum(h)


def value_in_loop_read_next_iteration(x, n):
    h = x * 1.0
    acc = 0.0
    p = h * 0.0
    for i in range(n):
        if i % 3 == 1:
            acc = acc + np.sum(p)
        p = np.sin(h)
        h = h * 1.1
    return acc + np.sum(h)


def while_break_in_branch(x):
    h = x * 1.0
    k = 0
    while k < 10:
        p = np.sqrt(h)
        if np.sum(p) > 3.0:
            break
        h = h + p * 0.5
        k = k + 1
    return np.sum(h)


def for_continue(x):
    s = 0.0
    for v in x:
        p = np.sqrt(v) * 3.0
        if v < 0.5:
            continue
        s = s + p * v
    return s


def for_break_return(x, lim):
    p = np.log(x)
    s = 0.0
    for i in range(len(x)):
        q = p[i] * 2.0
        if i >= lim:
            return s + q
        s = s + x[i] ** 2
    return s


def nested_loops_branch(x, n):
    s = 0.0
    for i in range(n):
        p = np.tanh(x * (i + 1))
        for j in range(2):
            if (i + j) % 2 == 0:
                s = s + np.sum(p * j)
            else:
                s = s + np.sum(x) * 0.1
    return s


def checkpointed_branch(x, n):
    h = x * 1.0
    for t in ad.checkpoint(range(n)):
        p = np.sin(h)
        if t % 3 == 0:
            h = h + p * 0.1
        else:
            h = h * 0.95
    return np.sum(h * h)


def checkpointed_outer_value(x, n):
    p = np.sqrt(x)
    h = x * 1.0
    for t in ad.checkpoint(range(n), every=2):
        if t % 2 == 0:
            h = h + p * 0.1
        else:
            h = h * 0.9
    return np.sum(h)


def loop_carried_in_branch(x, n):
    h = x * 1.0
    g = x * 0.0
    for i in range(n):
        p = np.exp(-h)
        if i % 2 == 0:
            g = g + p
        h = h + 0.1 * g
    return np.sum(h) + np.sum(g)


# ---- scalar programs on Python floats (math.*) -----------------------------------------


def m_sqrt(x, use):
    p = math.sqrt(x)
    q = p * 3
    if use:
        return q
    return 2 * x


def m_log(x, use):
    p = math.log(x)
    if use:
        return p * x
    return x * x


def m_asin(x, use):
    p = math.asin(x)
    if use:
        return p
    return 3.0 * x


def m_acos_elif(x, k):
    p = math.acos(x)
    q = math.atanh(x * 0.5)
    if k == 0:
        return p
    elif k == 1:
        return q
    return x * 5.0


def m_pow_half(x, use):
    p = x**0.5
    if use:
        return p + x
    return 7.0 * x


def m_reciprocal(x, use):
    p = 1.0 / x
    if use:
        return p * p
    return x - 1.0


def m_nested(x, a, b):
    p = math.sqrt(x)
    q = math.log(x)
    if a:
        if b:
            return p
        return q
    return x * x * 0.5


def m_chain_exp(x, use):
    p = math.sqrt(x)
    q = math.exp(p)
    r = q * p
    if use:
        return r
    return math.sin(x)


def m_abs_sqrt(x, use):
    p = math.sqrt(abs(x))
    if use:
        return p
    return x * 4.0


def m_loop_branch(x, n):
    s = 0.0
    for i in range(n):
        p = math.sqrt(x * i)
        if i > 0:
            s = s + p
        else:
            s = s + x
    return s


def m_loop_before(x, n):
    p = math.sqrt(x)
    s = 0.0
    for i in range(n):
        if i < 0:
            s = s + p
        s = s + x * i
    return s


def m_data_test(x):
    p = math.sqrt(x)
    if x > 1.0:
        return p * x
    return x * x


# ---- vector outputs (Jacobians) ---------------------------------------------------------


def vec_two_branches(x, mode):
    p = np.sqrt(x)
    q = np.exp(x)
    if mode == 0:
        r0 = p[0] * x[1]
    else:
        r0 = q[0]
    if mode == 1:
        r1 = p[1]
    else:
        r1 = q[1] * x[2]
    return np.array([r0, r1, x[2] * x[0]])


def vec_elementwise_branch_in_loop(x):
    p = np.sqrt(x)
    q = x * x
    out = []
    for i in range(len(x)):
        if x[i] > 0.5:
            out.append(p[i] * 2.0)
        else:
            out.append(q[i])
    return np.stack(out)


def vec_return_in_branch(x, use):
    p = np.sqrt(x)
    q = np.log1p(x)
    if use:
        return p * q
    return x * 2.0


def vec_nested(x, a, b):
    p = np.sin(x) * x
    if a:
        y = p * 2.0
        if b:
            y = y + np.sqrt(x)
    else:
        y = x**3
    return y


# ---- more shapes: definitions in branches, loop else, structures, several arguments ---------


def defined_in_outer_read_in_inner(x, a, b):
    if a:
        p = np.sqrt(x)
        q = p * np.exp(x)
        if b:
            return np.sum(q)
        return np.sum(x * 2.0)
    return np.sum(x * x)


def inner_arm_of_one_arm(x, a, b):
    p = np.log(x) + x
    if a:
        if b:
            r = np.sum(p)
        else:
            r = np.sum(x)
    else:
        if b:
            r = np.sum(x * 3.0)
        else:
            r = np.sum(x * x)
    return r


def for_else_reads(x, lim):
    p = np.sqrt(x) * 2.0
    s = 0.0
    for i in range(3):
        if i >= lim:
            break
        s = s + np.sum(x) * i
    else:
        s = s + np.sum(p)
    return s


def while_else_reads(x, lim):
    p = np.tanh(x) * 2.0
    s = 0.0
    k = 0
    while k < 3:
        if k >= lim:
            break
        s = s + np.sum(x * x) * k
        k = k + 1
    else:
        s = s + np.sum(p * x)
    return s


def break_in_branch_with_value(x):
    h = x * 1.0
    s = 0.0
    for i in range(6):
        p = np.sqrt(h) * 1.5
        if i == 3:
            s = s + np.sum(p)
            break
        h = h * 1.2
    return s + np.sum(h)


def continue_after_value_read_both(x):
    s = 0.0
    for v in x:
        p = np.sqrt(v)
        if v < 0.5:
            s = s + p
            continue
        s = s + p * 2.0
    return s


def value_carried_to_next_branch(x, n):
    h = x * 1.0
    prev = x * 0.0
    s = 0.0
    for i in range(n):
        cur = np.exp(-h) * h
        if i % 2 == 1:
            s = s + np.sum(prev * cur)
        prev = cur
        h = h + 0.2
    return s + np.sum(prev)


def while_flag_branch(x, n):
    s = 0.0
    k = 0
    h = x * 1.0
    while k < n:
        p = np.log1p(h)
        if k % 2 == 0:
            s = s + np.sum(p)
        else:
            s = s - np.sum(h) * 0.1
        h = h * 0.8 + p * 0.1
        k += 1
    return s


def dict_param_branch(params, use):
    w = params["w"]
    p = np.sqrt(w) * params["b"]
    if use:
        return np.sum(p)
    return np.sum(w * w) + np.sum(params["b"])


def two_args_branch(x, y, use):
    p = np.sqrt(x) * y
    q = np.log(y) + x
    if use:
        return np.sum(p)
    return np.sum(q * q)


def raise_in_other_branch(x, use):
    p = np.sqrt(x) * 3.0
    if use:
        return np.sum(p)
    elif np.any(x < 0.0):
        raise ValueError("negative input")
    return np.sum(x)


def lambda_with_branch_inside(x, use):
    p = np.sqrt(x)
    h = lambda t: p * t if use else t * 2.0
    return np.sum(h(x))


def augmented_float_in_branch(x, use):
    p = np.sqrt(x)
    s = float(np.sum(x))
    s2 = np.sum(x * x)
    if use:
        s2 += np.sum(p)
    return s2


def np_where_and_branch_same_value(x, use):
    p = np.sqrt(x)
    base = np.sum(np.where(x > 0.5, x, 0.0))
    if use:
        base = base + np.sum(p * p)
    return base


def multiple_uses_inside_branch(x, use):
    p = np.sqrt(x)
    if use:
        a = np.sum(p)
        b = np.sum(p * x)
        c = np.sum(np.sin(p))
        return a + b * c
    return np.sum(x)


def reassign_name_after_if(x, use):
    p = np.sqrt(x)
    s = np.sum(x)
    if use:
        s = s + np.sum(p)
    p = x * 3.0
    return s + np.sum(p)


def value_read_in_two_nested_levels(x, a, b):
    p = np.exp(x) * 0.5
    s = 0.0
    if a:
        s = np.sum(p)
        if b:
            s = s * np.sum(p)
    return s + np.sum(x)


def integer_counter_branch(x, n):
    p = np.sqrt(x)
    q = p * p * p
    count = 0
    for i in range(n):
        count += 1
    if count > 2:
        return np.sum(q)
    return np.sum(x * 5.0)


# ---- helpers ----------------------------------------------------------------------------


def _plain(f, args):
    buf = io.StringIO()
    with warnings.catch_warnings(record=True) as w, contextlib.redirect_stdout(buf):
        warnings.simplefilter("always")
        v = f(*args)
    return v, buf.getvalue(), sorted(str(i.message) for i in w)


def _run(call):
    buf = io.StringIO()
    with warnings.catch_warnings(record=True) as w, contextlib.redirect_stdout(buf):
        warnings.simplefilter("always")
        r = call()
    return r, buf.getvalue(), sorted(str(i.message) for i in w)


def _fd_grad(f, args, h=1e-6):
    x = args[0]
    rest = args[1:]
    if isinstance(x, float):
        with contextlib.redirect_stdout(io.StringIO()):
            return (f(x + h, *rest) - f(x - h, *rest)) / (2 * h)
    g = np.zeros_like(x)
    with contextlib.redirect_stdout(io.StringIO()):
        for i in range(x.size):
            e = np.zeros_like(x)
            e.flat[i] = h
            g.flat[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * h)
    return g


def _fd_jac(f, args, h=1e-6):
    x = args[0]
    rest = args[1:]
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        cols.append((np.asarray(f(x + e, *rest)) - np.asarray(f(x - e, *rest))) / (2 * h))
    return np.stack(cols, axis=-1)


def _close(a, b, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol
    )


X3 = np.array([0.3, 0.8, 1.4])
X3B = np.array([1.2, 0.9, 2.1])
X3S = np.array([0.2, 0.4, 0.3])
X4 = np.array([0.35, 0.7, 1.05, 1.6])

# (function, list of argument tuples) -- points away from singularities and branch switches
SCALAR_OUT = [
    (sqrt_one_branch, [(X3, True), (X3, False)]),
    (chain_one_branch, [(X3, True), (X3, False)]),
    (log_else_only, [(X3, True), (X3, False)]),
    (used_in_both, [(X3, True), (X3, False)]),
    (branch_and_after, [(X3, True), (X3, False)]),
    (
        branch_and_later_if,
        [(X3, True, True), (X3, True, False), (X3, False, True), (X3, False, False)],
    ),
    (used_in_test_and_branch, [(X3B,), (X3S,)]),
    (used_in_test_only, [(X3B,), (X3S,)]),
    (nested_inner, [(X3, True, True), (X3, True, False), (X3, False, True)]),
    (nested_outer_and_inner, [(X3, True, True), (X3, True, False), (X3, False, True)]),
    (nested_inner_both_levels_else, [(X3, True, True), (X3, True, False), (X3, False, False)]),
    (elif_chain, [(X3, 0), (X3, 1), (X3, 2), (X3, 3)]),
    (elif_shared_two_arms, [(X3, 0), (X3, 1), (X3, 2)]),
    (reassigned_in_branch, [(X3, True), (X3, False)]),
    (replaced_in_branch, [(X3, True), (X3, False)]),
    (inplace_add_in_branch, [(X3, True), (X3, False)]),
    (inplace_before_use, [(X3, True), (X3, False)]),
    (inplace_in_branch_after_value, [(X3, True), (X3, False)]),
    (elem_update_in_branch, [(X3, True), (X3, False)]),
    (elem_update_before_branch, [(X3, True), (X3, False)]),
    (elem_update_in_branch_reads_old, [(X3, True), (X3, False)]),
    (alias_read_in_branch, [(X3, True), (X3, False)]),
    (copy_then_update_in_branch, [(X3, True), (X3, False)]),
    (list_of_values, [(X3, True), (X3, False)]),
    (list_appended, [(X3, True), (X3, False)]),
    (dict_of_values, [(X3, True), (X3, False)]),
    (helper_before_branch, [(X3, True), (X3, False)]),
    (helper_tuple_before_branch, [(X3, True), (X3, False)]),
    (lambda_before_branch, [(X3, True), (X3, False)]),
    (closure_before_branch, [(X3, True), (X3, False)]),
    (where_in_branch, [(X3, True), (X3, False)]),
    (data_branch, [(X3,), (X3S,)]),
    (early_returns_chain, [(X3, True, True), (X3, False, True), (X3, False, False)]),
    (early_return_then_fallthrough, [(X3, True), (X3, False)]),
    (ternary_branch, [(X3, True), (X3, False)]),
    (two_values_two_branches, [(X3, True), (X3, False)]),
    (partial_chain, [(X3, True), (X3, False)]),
    (value_used_by_moved_and_kept, [(X3, True), (X3, False)]),
    (print_in_branch, [(X3, True), (X3, False)]),
    (assert_in_branch, [(X3, True), (X3, False)]),
    (two_ifs_same_flag, [(X3, True), (X3, False)]),
    (flag_from_value, [(X3, 3), (X3, 1)]),
    (branch_then_loop_reads, [(X3, True, 3), (X3, False, 2), (X3, True, 0)]),
    (value_before_loop_branch_in_loop, [(X3, 5), (X3, 1), (X3, 0)]),
    (value_before_loop_rare_branch, [(X3, 5), (X3, 2)]),
    (value_in_loop_branch_in_loop, [(X3, 5), (X3, 2)]),
    (value_in_loop_read_next_iteration, [(X3, 6), (X3, 2)]),
    (while_break_in_branch, [(X3,), (X3B,)]),
    (for_continue, [(X4,)]),
    (for_break_return, [(X4, 2), (X4, 10)]),
    (nested_loops_branch, [(X3, 3), (X3, 1)]),
    (checkpointed_branch, [(X3, 7), (X3, 2)]),
    (checkpointed_outer_value, [(X3, 5)]),
    (loop_carried_in_branch, [(X3, 5), (X3, 1)]),
    (m_sqrt, [(0.7, True), (0.7, False)]),
    (m_log, [(0.7, True), (0.7, False)]),
    (m_asin, [(0.4, True), (0.4, False)]),
    (m_acos_elif, [(0.4, 0), (0.4, 1), (0.4, 2)]),
    (m_pow_half, [(0.7, True), (0.7, False)]),
    (m_reciprocal, [(0.7, True), (0.7, False)]),
    (m_nested, [(0.7, True, True), (0.7, True, False), (0.7, False, True)]),
    (m_chain_exp, [(0.7, True), (0.7, False)]),
    (m_abs_sqrt, [(0.7, True), (0.7, False)]),
    (m_loop_branch, [(0.7, 4)]),
    (m_loop_before, [(0.7, 3)]),
    (m_data_test, [(1.7,), (0.6,)]),
    (defined_in_outer_read_in_inner, [(X3, True, True), (X3, True, False), (X3, False, True)]),
    (
        inner_arm_of_one_arm,
        [(X3, True, True), (X3, True, False), (X3, False, True), (X3, False, False)],
    ),
    (for_else_reads, [(X3, 1), (X3, 5)]),
    (while_else_reads, [(X3, 1), (X3, 5)]),
    (break_in_branch_with_value, [(X3,)]),
    (continue_after_value_read_both, [(X4,)]),
    (value_carried_to_next_branch, [(X3, 5), (X3, 2)]),
    (while_flag_branch, [(X3, 5), (X3, 1)]),
    (raise_in_other_branch, [(X3, True), (X3, False)]),
    (lambda_with_branch_inside, [(X3, True), (X3, False)]),
    (augmented_float_in_branch, [(X3, True), (X3, False)]),
    (np_where_and_branch_same_value, [(X3, True), (X3, False)]),
    (multiple_uses_inside_branch, [(X3, True), (X3, False)]),
    (reassign_name_after_if, [(X3, True), (X3, False)]),
    (value_read_in_two_nested_levels, [(X3, True, True), (X3, True, False), (X3, False, True)]),
    (integer_counter_branch, [(X3, 3), (X3, 1)]),
]

CASES = [
    pytest.param(f, a, id=f"{f.__name__}-{i}")
    for f, arglist in SCALAR_OUT
    for i, a in enumerate(arglist)
]


def _id(x):
    return x


@pytest.mark.parametrize("f,args", CASES)
def test_value_gradients_and_printing(f, args):
    """value = plain call; printed lines and warnings as the plain call's; reverse against
    central differences; forward = reverse; jvp, vjp and the dot product."""
    v0, out0, w0 = _plain(f, args)
    (v, g), out, w = _run(lambda: ad.value_and_grad(f)(*args))
    assert v == v0
    assert out == out0
    assert w == w0
    _close(g, _fd_grad(f, args))
    (vf, gf), out, w = _run(lambda: ad.value_and_grad(f, mode="forward")(*args))
    assert vf == v0
    assert out == out0
    assert w == w0
    _close(gf, g, rtol=1e-12, atol=1e-13)
    x = args[0]
    rng = np.random.default_rng(7)
    t = rng.standard_normal() if isinstance(x, float) else rng.standard_normal(x.shape)
    tangents = (t,) + tuple(None for _ in args[1:])
    (y, ydot), out, w = _run(lambda: ad.jvp(f, args, tangents))
    assert y == v0
    assert out == out0
    assert w == w0
    (y2, pb), out2, w2 = _run(lambda: ad.vjp(f, *args))
    assert y2 == v0
    assert out2 == out0
    assert w2 == w0
    cot = pb(1.0)[0]
    _close(cot, g, rtol=1e-12, atol=1e-13)
    _close(ydot, np.sum(np.asarray(cot) * t), rtol=1e-10, atol=1e-12)


SECOND = [
    (sqrt_one_branch, [(X3, True), (X3, False)]),
    (chain_one_branch, [(X3, True), (X3, False)]),
    (used_in_both, [(X3, True), (X3, False)]),
    (branch_and_after, [(X3, True), (X3, False)]),
    (nested_inner, [(X3, True, True), (X3, True, False)]),
    (nested_outer_and_inner, [(X3, True, True), (X3, True, False), (X3, False, True)]),
    (elif_chain, [(X3, 0), (X3, 1), (X3, 2)]),
    (reassigned_in_branch, [(X3, True), (X3, False)]),
    (replaced_in_branch, [(X3, True)]),
    (inplace_add_in_branch, [(X3, True), (X3, False)]),
    (inplace_in_branch_after_value, [(X3, True)]),
    (elem_update_in_branch_reads_old, [(X3, True)]),
    (list_of_values, [(X3, True), (X3, False)]),
    (dict_of_values, [(X3, True)]),
    (helper_before_branch, [(X3, True)]),
    (lambda_before_branch, [(X3, True)]),
    (two_values_two_branches, [(X3, True), (X3, False)]),
    (value_used_by_moved_and_kept, [(X3, True), (X3, False)]),
    (value_before_loop_branch_in_loop, [(X3, 4)]),
    (value_in_loop_branch_in_loop, [(X3, 4)]),
    (value_in_loop_read_next_iteration, [(X3, 5)]),
    (loop_carried_in_branch, [(X3, 4)]),
    (checkpointed_branch, [(X3, 5)]),
    (early_returns_chain, [(X3, False, True), (X3, False, False)]),
    (data_branch, [(X3,)]),
]

SECOND_CASES = [
    pytest.param(f, a, id=f"{f.__name__}-{i}")
    for f, arglist in SECOND
    for i, a in enumerate(arglist)
]


@pytest.mark.parametrize("f,args", SECOND_CASES)
def test_second_order(f, args):
    H = ad.hessian(f)(*args)
    g = ad.grad(f)
    Hfd = _fd_jac(lambda x, *r: g(x, *r), args, h=1e-5)
    _close(H, Hfd, rtol=1e-5, atol=1e-6)
    _close(H, H.T, rtol=1e-10, atol=1e-12)
    rng = np.random.default_rng(3)
    v = rng.standard_normal(args[0].shape)
    hv = ad.hvp(f, args, (v,) + tuple(None for _ in args[1:]))
    hv = hv[1] if isinstance(hv, tuple) else hv
    _close(hv, H @ v, rtol=1e-9, atol=1e-11)
    _close(ad.jacfwd(g)(*args), H, rtol=1e-10, atol=1e-12)
    _close(ad.jacrev(g)(*args), H, rtol=1e-10, atol=1e-12)


SCALAR_SECOND_XFAIL = {
    "m_loop_branch": "see LOOP2_BUG: grad(grad) of `for i in range(n): p = math.sqrt(x * i); if i > 0: s = s + p` raises NumericalError (ZeroDivisionError in p_1_dot = _t1_dot / (2.0 * p_1)) at x = 0.7, where grad(grad) is -1.7699"
}

SCALAR_SECOND = [
    (m_sqrt, (0.7, True)),
    (m_sqrt, (0.7, False)),
    (m_log, (0.7, True)),
    (m_asin, (0.4, True)),
    (m_acos_elif, (0.4, 0)),
    (m_acos_elif, (0.4, 1)),
    (m_pow_half, (0.7, True)),
    (m_reciprocal, (0.7, True)),
    (m_nested, (0.7, True, True)),
    (m_nested, (0.7, True, False)),
    (m_chain_exp, (0.7, True)),
    (m_loop_branch, (0.7, 4)),
    (m_data_test, (1.7,)),
    (m_data_test, (0.6,)),
]


@pytest.mark.parametrize(
    "f,args",
    [
        pytest.param(
            f,
            a,
            id=f"{f.__name__}-{i}",
            marks=[pytest.mark.xfail(strict=True, reason=SCALAR_SECOND_XFAIL[f.__name__])]
            if f.__name__ in SCALAR_SECOND_XFAIL
            else [],
        )
        for i, (f, a) in enumerate(SCALAR_SECOND)
    ],
)
def test_grad_of_grad_scalar(f, args):
    gg = ad.grad(ad.grad(f))(*args)
    g = ad.grad(f)
    fd = _fd_grad(lambda x, *r: g(x, *r), args, h=1e-5)
    _close(gg, fd, rtol=1e-5, atol=1e-6)
    gg_fwd = ad.grad(ad.grad(f, mode="forward"), mode="forward")(*args)
    _close(gg_fwd, gg, rtol=1e-10, atol=1e-12)
    h = ad.hessian(f)(*args)
    _close(h, gg, rtol=1e-10, atol=1e-12)


VEC = [
    (vec_two_branches, [(X3, 0), (X3, 1), (X3, 2)]),
    (vec_elementwise_branch_in_loop, [(X3,), (X3S,), (X3B,)]),
    (vec_return_in_branch, [(X3, True), (X3, False)]),
    (vec_nested, [(X3, True, True), (X3, True, False), (X3, False, True)]),
]

VEC_CASES = [
    pytest.param(f, a, id=f"{f.__name__}-{i}") for f, arglist in VEC for i, a in enumerate(arglist)
]


@pytest.mark.parametrize("f,args", VEC_CASES)
def test_vector_output_jacobians(f, args):
    for kind in ["jacfwd", "jacrev", "jacobian", "jacobian_fwd", "jacobian_rev"]:
        J = {
            "jacfwd": lambda: ad.jacfwd(f)(*args),
            "jacrev": lambda: ad.jacrev(f)(*args),
            "jacobian": lambda: ad.jacobian(f)(*args),
            "jacobian_fwd": lambda: ad.jacobian(f, mode="forward")(*args),
            "jacobian_rev": lambda: ad.jacobian(f, mode="reverse")(*args),
        }[kind]()
        _close(J, _fd_jac(f, args))
        Jf = ad.jacfwd(f)(*args)
        _close(ad.jacrev(f)(*args), Jf, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("f,args", VEC_CASES)
def test_vector_output_jvp_vjp(f, args):
    rng = np.random.default_rng(11)
    t = rng.standard_normal(args[0].shape)
    y0 = f(*args)
    y, yd = ad.jvp(f, args, (t,) + tuple(None for _ in args[1:]))
    np.testing.assert_array_equal(y, y0)
    y2, pb = ad.vjp(f, *args)
    np.testing.assert_array_equal(y2, y0)
    u = rng.standard_normal(np.shape(y0))
    xb = pb(u)[0]
    _close(np.sum(yd * u), np.sum(xb * t), rtol=1e-10, atol=1e-12)
    _close(yd, _fd_jac(f, args) @ t)


# ----------------------------------------------------------------------------------------
# several differentiated arguments and dict parameters
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("use", [True, False])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_two_arguments(use, mode):
    x, y = X3.copy(), X3B.copy()
    gx, gy = ad.grad(two_args_branch, wrt=(0, 1), mode=mode)(x, y, use)
    _close(gx, _fd_grad(lambda a, b, u: two_args_branch(a, b, u), (x, y, use)))
    _close(gy, _fd_grad(lambda b, a, u: two_args_branch(a, b, u), (y, x, use)))


@pytest.mark.parametrize("use", [True, False])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_dict_parameters(use, mode):
    params = {"w": X3.copy(), "b": X3B.copy()}
    g = ad.grad(dict_param_branch, mode=mode)(params, use)
    gw = _fd_grad(lambda w, u: dict_param_branch({"w": w, "b": params["b"]}, u), (params["w"], use))
    gb = _fd_grad(lambda b, u: dict_param_branch({"w": params["w"], "b": b}, u), (params["b"], use))
    _close(g["w"], gw)
    _close(g["b"], gb)


def test_two_arguments_singular_not_taken():
    # sqrt(x) and log(y) at 0: only the branch not taken reads them
    x = np.array([0.0, 1.0])
    y = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = ad.grad(two_args_branch, wrt=(0, 1))(x, y, False)
    # sum((log(y) + x)^2)
    q = np.log(y) + x
    _close(gx, 2 * q, rtol=1e-14, atol=0)
    _close(gy, 2 * q / y, rtol=1e-14, atol=0)


# ----------------------------------------------------------------------------------------
# the purpose: infinite partials on values read only on paths not taken
# ----------------------------------------------------------------------------------------


def cube_of_root_branch(x, use):
    p = math.sqrt(x)
    if use:
        return p * p * p
    return 2.0 * x


def np_cube_of_root_branch(x, use):
    p = np.sqrt(x)
    if use:
        return np.sum(p * p * p)
    return np.sum(2.0 * x)


def loop_root_from_counter(x, n):
    s = 0.0
    for i in range(n):
        p = np.sqrt(x * i)
        if i > 0:
            s = s + np.sum(p)
        else:
            s = s + np.sum(x)
    return s


Z3 = np.array([0.0, 0.0, 1.0])
ZH = np.array([0.0, 0.5, 0.5])
ZC = np.array([0.0, 0.7, 1.2])
I3 = np.eye(3)
O3 = np.zeros((3, 3))
_LP = np.array([0.5, 0.9, 1.3])


def _loop_root_grad(x, n):
    return 1.0 + sum(0.5 * np.sqrt(i) / np.sqrt(x) for i in range(1, n))


def _loop_root_hess(x, n):
    return np.diag(sum(-0.25 * np.sqrt(i) * x**-1.5 for i in range(1, n)))


WHERE_BUG = (
    "np.where inside the branch, p = np.sqrt(x) before `if use:` read only by np.where(x > 0.5, p, 0.0): "
    "the gradient is right (the mask counts p in the branch), but the masked adjoint still divides "
    "by 2 * sqrt(0) before masking, an 'invalid value' RuntimeWarning the plain call does not give "
    "(the np.where warnings the README lists)"
)
HELPER_FORWARD_BUG = (
    "a helper's result read only in the branch not taken, forward mode: the helper's tangent code "
    "is the call itself, made before the `if`, so its sqrt tangent at 0 warns (divide by zero) "
    "where the plain call does not; the numbers are right"
)
HELPER_TUPLE_BUG = (
    "a helper's tuple result split between the branches (a in one, b in the other): its "
    "pullback runs after the `if` with a zero cotangent for the output of the branch not taken, "
    "and sqrt's infinite partial makes nan of it (reverse mode; forward warns)"
)
SECOND_BUG = (
    "second order: the tangent of the flat gradient code computes p_dot = x_dot / (2.0 * p) outside the branch that "
    "reads it (at the top of f_grad_jvp): with math.sqrt at 0 grad(grad), hvp, jacrev(grad) and forward-over-forward "
    "raise NumericalError where the second derivative is 0; with np.sqrt hessian/hvp/jacfwd(grad)/jacrev(grad) give "
    "divide-by-zero and invalid-value RuntimeWarnings the plain call and the first derivatives do not give"
)
LOOP2_BUG = (
    "second order in a loop: p = sqrt(x * i) read only in `if i > 0:` (or `continue` before its use); the first "
    "derivatives place its derivative in the branch, but the tangent of the flat gradient code computes p_dot at i = 0 "
    "outside it: grad(grad) of math.sqrt raises NumericalError (the second derivative is finite), NumPy gives an "
    "'invalid value encountered in divide' RuntimeWarning the plain call does not give"
)
NESTED_WARN_BUG = (
    "warning of the primal lost: p = np.log(x) + x read only in an inner branch of nested ifs (`if a: if b: ...`); "
    "at x = [0, 0, 1] on another path grad (reverse, no value) drops `np.log(x)` and gives no 'divide by zero "
    "encountered in log' RuntimeWarning, which the plain call, value_and_grad and forward mode give (the gradient is right)"
)
S2 = {"second": SECOND_BUG}  # (print_, raise_, assert_in_branch, [np_]cube_of_root_branch:
# fixed, the flag's two ifs in the gradient code place the tangent in the first, deferred.py)
L2 = {"second": LOOP2_BUG}

# f, args, expected gradient, expected Hessian (None: skip), {api: reason} known failures
SING = [
    (sqrt_one_branch, (Z3, False), 2.0 * np.ones(3), O3, {}),
    (chain_one_branch, (Z3, False), 2 * Z3, 2 * I3, {}),
    (log_else_only, (Z3, True), 2 * Z3, 2 * I3, {}),
    (nested_inner, (Z3, False, True), 2 * Z3, 2 * I3, {}),
    (elif_chain, (Z3, 1), np.array([0.0, 0.0, math.log(2) + 0.5]), np.diag([2.0, 2.0, 0.75]), {}),
    (elif_chain, (Z3, 3), 2 * Z3, 2 * I3, {}),
    (elif_chain, (np.array([4.0, 0.0, 1.0]), 3), np.array([8.0, 0.0, 2.0]), 2 * I3, {}),
    (replaced_in_branch, (Z3, True), 3.0 * np.ones(3), O3, {}),
    (reassigned_in_branch, (np.ones(3), True), np.ones(3), -0.5 * I3, {}),
    (lambda_before_branch, (Z3, False), np.ones(3), O3, {}),
    (closure_before_branch, (Z3, False), 3.0 * np.ones(3), O3, {}),
    (early_returns_chain, (Z3, True, True), np.ones(3), O3, {}),
    (early_return_then_fallthrough, (Z3, True), 2 * Z3, 2 * I3, {}),
    (ternary_branch, (Z3, False), 2.0 * np.ones(3), O3, {}),
    (print_in_branch, (Z3, False), 2.0 * np.ones(3), O3, {}),
    (two_ifs_same_flag, (Z3, False), 2.0 * np.ones(3), O3, {}),
    (flag_from_value, (Z3, 1), np.ones(3), O3, {}),
    (used_in_test_only, (ZH,), np.ones(3), O3, {}),
    (data_branch, (ZH,), 2 * ZH, 2 * I3, {}),
    (defined_in_outer_read_in_inner, (Z3, True, False), 2.0 * np.ones(3), O3, S2),
    (inner_arm_of_one_arm, (Z3, True, False), np.ones(3), O3, {"reverse": NESTED_WARN_BUG}),
    (inner_arm_of_one_arm, (Z3, False, True), 3.0 * np.ones(3), O3, {"reverse": NESTED_WARN_BUG}),
    (raise_in_other_branch, (Z3, False), np.ones(3), O3, {}),
    (integer_counter_branch, (Z3, 1), 5.0 * np.ones(3), O3, {}),
    (for_else_reads, (Z3, 1), 0.0 * np.ones(3), O3, {}),
    (assert_in_branch, (Z3, False), np.ones(3), O3, {}),
    (np_cube_of_root_branch, (Z3, False), 2.0 * np.ones(3), O3, {}),
    (
        for_continue,
        (ZC,),
        np.array([0.0, 4.5 * math.sqrt(0.7), 4.5 * math.sqrt(1.2)]),
        np.diag([0.0, 2.25 / math.sqrt(0.7), 2.25 / math.sqrt(1.2)]),
        L2,
    ),
    (loop_root_from_counter, (_LP, 4), _loop_root_grad(_LP, 4), _loop_root_hess(_LP, 4), L2),
    (
        where_in_branch,
        (Z3, True),
        np.array([1.0, 1.0, 1.5]),
        np.diag([0.0, 0.0, -0.25]),
        {"reverse": WHERE_BUG, "second": WHERE_BUG, "forward_warnings_ok": True},
    ),
    (helper_before_branch, (Z3, False), np.ones(3), O3, {"forward": HELPER_FORWARD_BUG}),
    (
        helper_tuple_before_branch,
        (Z3, False),
        2 * Z3,
        2 * I3,
        {"reverse": HELPER_TUPLE_BUG, "forward": HELPER_TUPLE_BUG, "second": HELPER_TUPLE_BUG},
    ),
    # Python floats: math.* raise where NumPy gives inf
    (m_sqrt, (0.0, False), 2.0, 0.0, {}),
    (m_asin, (1.0, False), 3.0, 0.0, {}),
    (m_acos_elif, (1.0, 2), 5.0, 0.0, {}),
    (m_acos_elif, (0.0, 1), 0.5, 0.0, {}),
    (m_pow_half, (0.0, False), 7.0, 0.0, {}),
    (m_chain_exp, (0.0, False), 1.0, 0.0, {}),
    (m_abs_sqrt, (0.0, False), 4.0, 0.0, {}),
    (m_data_test, (0.0,), 0.0, 2.0, {}),
    (m_nested, (1.0, False, True), 1.0, 1.0, {}),
    (
        m_loop_branch,
        (0.7, 4),
        1.0 + sum(0.5 * math.sqrt(i / 0.7) for i in range(1, 4)),
        sum(-0.25 * math.sqrt(i) * 0.7**-1.5 for i in range(1, 4)),
        L2,
    ),
    (cube_of_root_branch, (0.0, False), 2.0, 0.0, {}),
]

GROUPS = {
    "reverse": ["grad_rev", "vag_rev", "vjp", "jacrev", "jacobian_rev", "jacobian"],
    "forward": ["grad_fwd", "vag_fwd", "jvp", "jacfwd", "jacobian_fwd"],
    "second": ["hessian", "hvp", "jacfwd_grad", "jacrev_grad", "grad_grad", "grad_grad_fwd"],
}


def _api(api, f, args, v0):
    x = args[0]
    nones = tuple(None for _ in args[1:])
    scalar = isinstance(x, float)
    if api == "grad_rev":
        return ad.grad(f)(*args)
    if api == "grad_fwd":
        return ad.grad(f, mode="forward")(*args)
    if api in ("vag_rev", "vag_fwd"):
        v, g = ad.value_and_grad(f, mode="reverse" if api == "vag_rev" else "forward")(*args)
        assert v == v0
        return g
    if api == "jvp":  # along ones: the sum of the gradient
        y, d = ad.jvp(f, args, ((1.0 if scalar else np.ones_like(x)),) + nones)
        assert y == v0
        return d
    if api == "vjp":
        y, pb = ad.vjp(f, *args)
        assert y == v0
        return pb(1.0)[0]
    if api == "jacfwd":
        return ad.jacfwd(f)(*args)
    if api == "jacrev":
        return ad.jacrev(f)(*args)
    if api == "jacobian":
        return ad.jacobian(f)(*args)
    if api == "jacobian_fwd":
        return ad.jacobian(f, mode="forward")(*args)
    if api == "jacobian_rev":
        return ad.jacobian(f, mode="reverse")(*args)
    if api == "hessian":
        return ad.hessian(f)(*args)
    if api == "hvp":  # along ones: the row sums of the Hessian
        r = ad.hvp(f, args, ((1.0 if scalar else np.ones_like(x)),) + nones)
        return r[1] if isinstance(r, tuple) else r
    if api == "jacfwd_grad":
        return ad.jacfwd(ad.grad(f))(*args)
    if api == "jacrev_grad":
        return ad.jacrev(ad.grad(f))(*args)
    if api == "grad_grad":
        return ad.grad(ad.grad(f))(*args)
    if api == "grad_grad_fwd":
        return ad.grad(ad.grad(f, mode="forward"), mode="forward")(*args)
    raise AssertionError(api)


def _sing_params():
    out = []
    for f, args, g, H, bugs in SING:
        for group in GROUPS:
            marks = [pytest.mark.xfail(strict=True, reason=bugs[group])] if group in bugs else []
            tag = "-".join(str(a) for a in args[1:])
            out.append(
                pytest.param(
                    f, args, g, H, group, bugs, marks=marks, id=f"{f.__name__}-{tag}-{group}"
                )
            )
    return out


@pytest.mark.parametrize("f,args,g,H,group,bugs", _sing_params())
def test_not_taken_singular(f, args, g, H, group, bugs):
    """Exact finite derivatives where a value only a branch not taken reads has an infinite
    partial; no error, and no warning or printed line the plain call does not give."""
    v0, out0, w0 = _plain(f, args)
    scalar = isinstance(args[0], float)
    for api in GROUPS[group]:
        if api.startswith("grad_grad") and not scalar:
            continue
        r, out, w = _run(lambda: _api(api, f, args, v0))
        expected = H if group == "second" else g
        if api == "jvp":
            expected = np.sum(g)
        if api == "hvp":
            expected = np.sum(H, axis=-1) if not scalar else H
        np.testing.assert_allclose(r, expected, rtol=1e-12, atol=1e-14, err_msg=api)
        if group == "second":
            # f_grad may run the primal again: its warnings may repeat, no new ones
            assert set(w) <= set(w0), (
                f"{api}: warnings the plain call does not give: {sorted(set(w) - set(w0))}"
            )
        elif not (group == "forward" and bugs.get("forward_warnings_ok")):
            assert w == w0, f"{api}: warnings differ from the plain call's: {w} vs {w0}"
        if api in ("grad_rev", "grad_fwd", "vag_rev", "vag_fwd", "jvp", "vjp"):
            assert out == out0, f"{api}: printed output differs from the plain call's"
