# ruff: noqa: B002, B905, E501, SIM108
"""Negations, literal factors and shared expressions: an independent tester's programs.

Written from the README and issue 19 only (without reading s2s_ad/ or the other tests).
Two changes are exercised here:

1. the generated derivative code folds a negated derivative, or a literal times a value,
   into the one expression that reads it (``a + (-m)`` as ``a - m``, ``-(2.0 * e)`` as
   ``-2.0 * e``, ``100.0 * (2 * e)`` as ``200.0 * e``): the claim is the same numbers bit
   for bit on real floats, special values included;
2. a repeated pure expression is shared only within one block: an occurrence inside a
   branch or loop body does not reuse a value computed outside it.

Programs a user writes (residuals, negative log-likelihoods, Rosenbrock, springs,
leapfrog, differences of differences, lists/tuples/dicts of arrays, loops, branches,
helpers, nested defs, lambdas, comprehensions, methods), checked in every API against
central differences, forward against reverse, second order against differences of the
gradient, the primal value against the plain call bit for bit, and at special inputs
against the IEEE value of the derivative's formula.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import s2s_ad as ad

# --------------------------------------------------------------------------------------
# helpers of the programs
# --------------------------------------------------------------------------------------


def model_line(w, x):
    return w[0] * x + w[1]


def resid(a, b):
    return a - b


def neg_half_sq(r):
    return -0.5 * r * r


class Quadratic:
    def __init__(self, c):
        self.c = c

    def __call__(self, x):
        return self.c * x * x - x

    def energy(self, x, k):
        return np.sum(-(k * x) * -x) - self.c * np.sum(x)


QUAD = Quadratic(3.0)
SCALE = 2.5


# --------------------------------------------------------------------------------------
# the programs: each a scalar loss a user would write
# --------------------------------------------------------------------------------------


def residual_loss(w, x, y):
    r = y - model_line(w, x)
    return np.sum(r**2) / len(x)


def neg_log_lik(mu, log_sigma, data):
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    return -np.sum(-0.5 * z**2 - log_sigma - 0.5 * np.log(2.0 * np.pi))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_loop(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return total


def spring_chain(x, k):
    ext = x[1:] - x[:-1] - 1.0
    return 0.5 * k * np.sum(ext**2) - np.sum(-(k * x) * 0.01)


def a_minus_bc(a, b, c):
    return a - b * c


def a_minus_bc_sq(a, b, c):
    return (a - b * c) ** 2 - (b - a) * -c


def a_minus_bc_sum(a, b, c):
    return np.sum(a_minus_bc_sq(a, b, c))


def python_int_mix_sum(x, n):
    return np.sum(python_int_mix(x, n))


def x_minus_2y(x, y):
    return np.sum(np.sin(x - 2.0 * y) - (x - y) * 2.0)


def scaled_diff(a, b):
    return np.sum(0.5 * (a - b) ** 2 - 0.25 * (b - 2.0 * a) ** 2)


def c_times_neg(x, y):
    return np.sum(3.0 * -x * y - -y * x * 0.5)


def double_neg(x):
    return np.sum(-(-x) * -(-(-x)) + -(-(x * 2.0)) - (-(3.0 * x)) ** 2)


def diff_of_diffs(x):
    d2 = (x[2:] - x[1:-1]) - (x[1:-1] - x[:-2])
    return np.sum(d2**2) - np.sum(-(x[1:] - x[:-1]))


def neg_k_x(x, k):
    f = -(k * x)
    return np.sum(f * x) - np.sum(-(2.0 * x)) * k


def mixed_int_counts(w, counts):
    # counts is an integer array: held fixed
    return np.sum((w - counts) ** 2 - 2 * (counts - w) + -(counts * w))


def python_int_mix(x, n):
    return (x - n) ** 2 * n - -(n * x) + 100 * (2 * x)


def list_params(params, x):
    w, b = params[0], params[1]
    pred = w * x - b
    return np.sum((x - pred) ** 2) - np.sum(-(params[2] - w))


def tuple_params(p, x):
    a, b = p
    return np.sum(-((a * x - b) ** 2)) * -1.0 + np.sum(0.5 * (a - b) ** 2)


def dict_params(d, x):
    r = d["w"] * x - (d["b"] - x)
    return np.sum(r * r) - np.sum(-d["b"] * 4.0)


def loop_gd(x, lr):
    y = x
    for _ in range(4):
        y = y - lr * (2.0 * y - 1.0)
    return np.sum((y - 0.3) ** 2)


def while_shrink(x):
    y = x
    n = 0
    while n < 3:
        y = y - 0.5 * (y - 1.0) * -y
        n += 1
    return np.sum(-((y - x) ** 2))


def loop_break(x):
    acc = 0.0
    for i in range(10):
        acc = acc - (x[i % len(x)] - 0.5 * i) ** 2
        if i >= 3:
            break
    return acc


def loop_zero(x, n):
    acc = -np.sum(x)
    for i in range(n):
        acc = acc - np.sum((x - i) ** 2)
    return acc - np.sum(-(x - 1.0))


def branch_sub(x, y):
    if np.sum(x) > np.sum(y):
        r = x - y
    else:
        r = y - 2.0 * x
    return np.sum(-(r**2))


def helper_calls(x, y):
    r = resid(y, x)
    return np.sum(neg_half_sq(r)) - np.sum(neg_half_sq(x - 1.0))


def nested_def(x, y):
    def pot(u):
        return -((u - y) ** 2)

    return np.sum(pot(x) - pot(2.0 * x))


def with_lambda(x, c):
    d = lambda u: c - u * u  # noqa: E731
    return np.sum(-d(x) * 2.0 - d(-x))


def comprehension(xs, c):
    return sum([-np.sum((xi - c) ** 2) for xi in xs]) - sum(-xi[0] for xi in xs)


def method_call(x, k):
    return QUAD.energy(x, k) - np.sum(QUAD(x))


def leapfrog(x0, v0, k):
    x, v = x0, v0
    dt = 0.1
    for _ in range(5):
        v = v - 0.5 * dt * k * x
        x = x + dt * v
        v = v - 0.5 * dt * k * x
    return np.sum(x * x) + np.sum(-(v - 1.0) * v)


def physics_drag(v, c):
    f = -c * v * np.abs(v) - 9.81
    return np.sum(-((f - 1.0) ** 2)) * -0.5


def global_scale(x):
    return np.sum(SCALE * -((x - 1.0) ** 2) - -x * SCALE)


def neg_logsumexp(x, y):
    m = np.max(x)
    return -(np.sum(x * y) - (m + np.log(np.sum(np.exp(x - m)))))


def huber_like(x, y):
    r = y - x
    return np.sum(np.where(np.abs(r) < 1.0, 0.5 * r * r, np.abs(r) - 0.5))


def scalar_chain(x, y):
    a = x - y
    b = -(a * 3.0)
    c = 2.0 * (b - x)
    d = 100.0 * (2.0 * c)
    return d * -a - (c - b) * 0.5


def scalar_loop(x):
    y = x
    for _ in range(3):
        y = y - 0.1 * (y * y - 2.0)
    return -y * 3.0 - (y - x) ** 2


# repeated pure expressions, in and out of blocks (change 2)


def sqrt_in_branch(x, flag):
    s = np.sqrt(x)
    if flag:
        t = np.sqrt(x) * 2.0
    else:
        t = -x
    return np.sum(s - t)


def sqrt_branch_not_taken(x, flag):
    # the branch's np.sqrt(x) repeats the one outside: at x = 0 with flag False only
    # the outside sqrt is differentiated.
    s = x * 3.0
    if flag:
        s = s - np.sqrt(x)
    return np.sum(s - np.sqrt(x + 1.0))


def log_in_loop(x, n):
    a = np.log(x)
    acc = -a
    for _ in range(n):
        acc = acc - np.log(x) * 0.5
    return np.sum(acc)


def sqrt_in_loop_zero(x, n):
    acc = np.sum(x)
    for _ in range(n):
        acc = acc - np.sum(np.sqrt(x))
    return acc - 0.5 * np.sum(np.sqrt(x + 0.0))


def repeated_in_while(x):
    e = np.exp(-x)
    y = x
    k = 0
    while k < 2:
        y = y - np.exp(-x) * 0.25
        k = k + 1
    return np.sum(y - e)


def repeated_both_branches(x, y):
    if np.sum(x) > 0:
        r = np.tanh(x - y)
    else:
        r = -np.tanh(x - y)
    return np.sum(r - np.tanh(x - y) * 0.5)


def len_shared(xs):
    n = len(xs)
    if len(xs) > 1:
        return np.sum(xs - np.mean(xs)) * n - np.sum(-(xs**2)) / len(xs)
    return -np.sum(xs)


# --------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------

RNG = np.random.default_rng(21)


def _vec(n, lo=-1.0, hi=1.0, dtype=np.float64):
    return RNG.uniform(lo, hi, n).astype(dtype)


# name -> (function, arguments, wrt (tuple of indices), hessian wrt or None)
PROGRAMS = {
    "residual_loss_x": (residual_loss, (_vec(2), _vec(5), _vec(5)), (0, 1, 2), 1),
    "neg_log_lik": (neg_log_lik, (0.3, -0.2, _vec(6)), (0, 1), 0),
    "rosenbrock": (rosenbrock, (_vec(5, -1.5, 1.5),), (0,), 0),
    "rosenbrock_f32": (rosenbrock, (_vec(5, -1.5, 1.5, np.float32),), (0,), None),
    "rosenbrock_loop": (rosenbrock_loop, (_vec(4, -1.5, 1.5),), (0,), 0),
    "spring_chain": (spring_chain, (np.cumsum(_vec(5, 0.5, 1.5)), 2.0), (0, 1), 0),
    "a_minus_bc": (a_minus_bc, (0.7, -1.3, 2.1), (0, 1, 2), 1),
    "a_minus_bc_arr": (a_minus_bc_sum, (_vec(3), _vec(3), _vec(3)), (0, 1, 2), 2),
    "x_minus_2y": (x_minus_2y, (_vec(4), _vec(4)), (0, 1), 1),
    "x_minus_2y_f32": (
        x_minus_2y,
        (_vec(4, dtype=np.float32), _vec(4, dtype=np.float32)),
        (0, 1),
        None,
    ),
    "scaled_diff": (scaled_diff, (_vec(4), _vec(4)), (0, 1), 0),
    "c_times_neg": (c_times_neg, (_vec(3), _vec(3)), (0, 1), 0),
    "double_neg": (double_neg, (_vec(4),), (0,), 0),
    "double_neg_f32": (double_neg, (_vec(4, dtype=np.float32),), (0,), None),
    "diff_of_diffs": (diff_of_diffs, (_vec(6),), (0,), 0),
    "neg_k_x": (neg_k_x, (_vec(4), 1.7), (0, 1), 0),
    "mixed_int_counts": (mixed_int_counts, (_vec(5, 0, 4), np.array([0, 1, 2, 3, 4])), (0,), 0),
    "python_int_mix": (python_int_mix, (1.3, 3), (0,), 0),
    "python_int_mix_arr": (python_int_mix_sum, (_vec(3), 2), (0,), 0),
    "list_params": (list_params, ([_vec(3), _vec(3), _vec(3)], _vec(3)), (0,), None),
    "tuple_params": (tuple_params, ((_vec(3), _vec(3)), _vec(3)), (0,), None),
    "dict_params": (dict_params, ({"w": _vec(3), "b": _vec(3)}, _vec(3)), (0,), None),
    "loop_gd": (loop_gd, (_vec(3), 0.1), (0, 1), 0),
    "while_shrink": (while_shrink, (_vec(3, 0.2, 0.9),), (0,), 0),
    "loop_break": (loop_break, (_vec(3),), (0,), 0),
    "loop_zero": (loop_zero, (_vec(3), 0), (0,), 0),
    "branch_sub_a": (branch_sub, (_vec(3, 0.5, 1.0), _vec(3, -1.0, 0.0)), (0, 1), 0),
    "branch_sub_b": (branch_sub, (_vec(3, -1.0, 0.0), _vec(3, 0.5, 1.0)), (0, 1), 0),
    "helper_calls": (helper_calls, (_vec(3), _vec(3)), (0, 1), 0),
    "nested_def": (nested_def, (_vec(3), _vec(3)), (0, 1), 0),
    "with_lambda": (with_lambda, (_vec(3), 0.4), (0, 1), 0),
    "comprehension": (comprehension, ([_vec(2), _vec(2), _vec(2)], 0.3), (0, 1), None),
    "method_call": (method_call, (_vec(3), 1.5), (0, 1), 0),
    "leapfrog": (leapfrog, (_vec(3), _vec(3), 2.0), (0, 1, 2), 0),
    "physics_drag": (physics_drag, (_vec(3), 0.3), (0, 1), 0),
    "global_scale": (global_scale, (_vec(3),), (0,), 0),
    "neg_logsumexp": (neg_logsumexp, (_vec(4), _vec(4)), (0, 1), 0),
    "huber_like": (huber_like, (_vec(5, -2, 2), _vec(5, -0.2, 0.2)), (0, 1), 0),
    "scalar_chain": (scalar_chain, (0.8, -0.35), (0, 1), 0),
    "scalar_loop": (scalar_loop, (1.1,), (0,), 0),
    "scalar_loop_f32": (scalar_loop, (np.float32(1.1),), (0,), None),
    "sqrt_in_branch_t": (sqrt_in_branch, (_vec(3, 0.5, 2.0), True), (0,), 0),
    "sqrt_branch_not_taken": (sqrt_branch_not_taken, (_vec(3, 0.5, 2.0), False), (0,), 0),
    "log_in_loop": (log_in_loop, (_vec(3, 0.5, 2.0), 3), (0,), 0),
    "sqrt_in_loop_zero": (sqrt_in_loop_zero, (_vec(3, 0.5, 2.0), 0), (0,), 0),
    "repeated_in_while": (repeated_in_while, (_vec(3),), (0,), 0),
    "repeated_both_branches": (repeated_both_branches, (_vec(3, 0.1, 1.0), _vec(3)), (0, 1), 0),
    "len_shared": (len_shared, (_vec(4),), (0,), 0),
}


# --------------------------------------------------------------------------------------
# pytrees of the arguments, central differences, comparisons
# --------------------------------------------------------------------------------------


def _leaves(t):
    if isinstance(t, dict):
        return [leaf for k in sorted(t) for leaf in _leaves(t[k])]
    if isinstance(t, (list, tuple)):
        return [leaf for item in t for leaf in _leaves(item)]
    return [t]


def _rebuild(t, it):
    if isinstance(t, dict):
        return {k: _rebuild(t[k], it) for k in sorted(t)}
    if isinstance(t, (list, tuple)):
        return type(t)(_rebuild(item, it) for item in t)
    return next(it)


def _flat(t):
    return np.concatenate([np.ravel(np.asarray(leaf, dtype=np.float64)) for leaf in _leaves(t)])


def _wide(t):
    """float64 copy of a float32 argument (central differences in float32 are useless)."""
    leaves = [
        np.float64(leaf)
        if isinstance(leaf, np.float32)
        else (
            leaf.astype(np.float64)
            if isinstance(leaf, np.ndarray) and leaf.dtype == np.float32
            else leaf
        )
        for leaf in _leaves(t)
    ]
    return _rebuild(t, iter(leaves))


def _perturbed(t, k, h):
    leaves = _leaves(t)
    out, pos = [], 0
    for leaf in leaves:
        if isinstance(leaf, np.ndarray):
            a = leaf.astype(np.float64).copy()
            if pos <= k < pos + a.size:
                a.flat[k - pos] += h
            pos += a.size
            out.append(a)
        else:
            out.append(float(leaf) + h if pos == k else leaf)
            pos += 1
    return _rebuild(t, iter(out))


def _central(f, args, i, h=1e-6):
    args = tuple(_wide(a) for a in args)
    n = _flat(args[i]).size
    g = np.empty(n)
    for k in range(n):
        plus = list(args)
        minus = list(args)
        plus[i] = _perturbed(args[i], k, h)
        minus[i] = _perturbed(args[i], k, -h)
        g[k] = (f(*plus) - f(*minus)) / (2 * h)
    return g


def _is_32(t):
    return any(
        (isinstance(leaf, (np.ndarray, np.generic)) and leaf.dtype == np.float32)
        for leaf in _leaves(t)
    )


def _as_tuple(g, wrt):
    return tuple(g) if len(wrt) > 1 else (g,)


def _wrt(wrt):
    return wrt if len(wrt) > 1 else wrt[0]


def _same_bits(a, b):
    """Equal values, nan where nan, the same sign of every zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    eq = (a == b) & (np.signbit(a) == np.signbit(b))
    return bool(np.all(both_nan | eq))


def _close(a, b, rtol, atol):
    np.testing.assert_allclose(_flat(a), _flat(b), rtol=rtol, atol=atol)


# --------------------------------------------------------------------------------------
# the checks, one per API
# --------------------------------------------------------------------------------------

CHECKS = ["central", "fwd_rev", "value", "jvp", "vjp", "jac", "hessian"]

XFAIL = {}


def _case_params():
    out = []
    for name in PROGRAMS:
        for check in CHECKS:
            marks = []
            if (name, check) in XFAIL:
                marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[(name, check)]))
            out.append(pytest.param(name, check, marks=marks, id=f"{name}-{check}"))
    return out


def _run(name, check):
    f, args, wrt, hwrt = PROGRAMS[name]
    w = _wrt(wrt)
    is32 = any(_is_32(args[i]) for i in wrt)
    rtol = 2e-3 if is32 else 2e-6
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = f(*args)
        g = _as_tuple(ad.grad(f, wrt=w)(*args), wrt)
        if check == "central":
            for i, gi in zip(wrt, g):
                if is32:
                    assert all(
                        np.asarray(leaf).dtype == np.float32
                        for leaf, a in zip(_leaves(gi), _leaves(args[i]))
                        if isinstance(a, (np.ndarray, np.generic))
                    )
                fd = _central(f, args, i)
                _close(gi, fd, rtol=rtol if is32 else 1e-5, atol=1e-3 if is32 else 1e-6)
        elif check == "fwd_rev":
            gf = _as_tuple(ad.grad(f, wrt=w, mode="forward")(*args), wrt)
            for a, b in zip(g, gf):
                _close(a, b, rtol=1e-5 if is32 else 1e-12, atol=1e-6 if is32 else 1e-13)
        elif check == "value":
            v, gv = ad.value_and_grad(f, wrt=w)(*args)
            vf, gvf = ad.value_and_grad(f, wrt=w, mode="forward")(*args)
            assert _same_bits(v, plain), (v, plain)
            assert _same_bits(vf, plain), (vf, plain)
            for a, b in zip(g, _as_tuple(gv, wrt)):
                assert _same_bits(_flat(a), _flat(b))
            for a, b in zip(g, _as_tuple(gvf, wrt)):
                _close(a, b, rtol=1e-5 if is32 else 1e-12, atol=1e-6 if is32 else 1e-13)
        elif check == "jvp":
            tangents = []
            expect = 0.0
            for i, a in enumerate(args):
                if i in wrt:
                    t = _rebuild(
                        a,
                        iter(
                            [
                                (
                                    RNG.standard_normal(np.shape(leaf)).astype(
                                        np.asarray(leaf).dtype
                                    )
                                    if isinstance(leaf, np.ndarray)
                                    else (
                                        type(leaf)(RNG.standard_normal())
                                        if isinstance(leaf, (float, np.floating))
                                        else leaf
                                    )
                                )
                                for leaf in _leaves(a)
                            ]
                        ),
                    )
                    tangents.append(t)
                    expect += float(_flat(g[wrt.index(i)]) @ _flat(t))
                else:
                    tangents.append(None)
            v, tan = ad.jvp(f, args, tuple(tangents))
            assert _same_bits(v, plain), (v, plain)
            np.testing.assert_allclose(
                float(tan), expect, rtol=1e-4 if is32 else 1e-11, atol=1e-5 if is32 else 1e-12
            )
        elif check == "vjp":
            v, pb = ad.vjp(f, *args)
            assert _same_bits(v, plain), (v, plain)
            ct = pb(1.0)
            for i in wrt:
                _close(
                    ct[i],
                    g[wrt.index(i)],
                    rtol=1e-6 if is32 else 1e-13,
                    atol=1e-7 if is32 else 1e-14,
                )
        elif check == "jac":
            jf = _as_tuple(ad.jacfwd(f, wrt=w)(*args), wrt)
            jr = _as_tuple(ad.jacrev(f, wrt=w)(*args), wrt)
            for a, b, c in zip(g, jf, jr):
                _close(a, b, rtol=1e-5 if is32 else 1e-12, atol=1e-6 if is32 else 1e-13)
                _close(a, c, rtol=1e-6 if is32 else 1e-13, atol=1e-7 if is32 else 1e-14)
        elif check == "hessian":
            if hwrt is None:
                # float32 and structured arguments: second order along jvp of grad instead
                gg = ad.grad(f, wrt=wrt[0])
                t = _rebuild(
                    args[wrt[0]],
                    iter(
                        [
                            np.ones_like(leaf) if isinstance(leaf, np.ndarray) else type(leaf)(1.0)
                            for leaf in _leaves(args[wrt[0]])
                        ]
                    ),
                )
                tangents = [None] * len(args)
                tangents[wrt[0]] = t
                gv, hv = ad.jvp(gg, args, tuple(tangents))
                assert _same_bits(_flat(gv), _flat(g[0]))
                h = 1e-3 if is32 else 1e-5
                plus = list(map(_wide, args))
                minus = list(map(_wide, args))
                plus[wrt[0]] = _rebuild(
                    plus[wrt[0]], iter([np.asarray(leaf) + h for leaf in _leaves(plus[wrt[0]])])
                )
                minus[wrt[0]] = _rebuild(
                    minus[wrt[0]], iter([np.asarray(leaf) - h for leaf in _leaves(minus[wrt[0]])])
                )
                fd = (_flat(gg(*plus)) - _flat(gg(*minus))) / (2 * h)
                np.testing.assert_allclose(
                    _flat(hv), fd, rtol=1e-2 if is32 else 1e-5, atol=1e-2 if is32 else 1e-5
                )
                return
            H = np.asarray(ad.hessian(f, wrt=hwrt)(*args), dtype=np.float64)
            gfun = ad.grad(f, wrt=hwrt)
            x = args[hwrt]
            n = np.size(x)
            H = H.reshape(n, n)
            h = 1e-5
            fd = np.empty((n, n))
            for k in range(n):
                plus, minus = list(args), list(args)
                plus[hwrt] = _perturbed(x, k, h)
                minus[hwrt] = _perturbed(x, k, -h)
                if not isinstance(x, np.ndarray):
                    plus[hwrt], minus[hwrt] = float(plus[hwrt]), float(minus[hwrt])
                fd[:, k] = (np.ravel(gfun(*plus)) - np.ravel(gfun(*minus))) / (2 * h)
            np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-5)
            np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)
            J = (
                np.asarray(ad.jacfwd(gfun, wrt=hwrt)(*args), dtype=np.float64).reshape(n, n)
                if isinstance(x, np.ndarray)
                else None
            )
            if J is not None:
                np.testing.assert_allclose(H, J, rtol=1e-12, atol=1e-12)
                _, hv = ad.hvp(
                    f,
                    args,
                    tuple(np.ones_like(a) if i == hwrt else None for i, a in enumerate(args)),
                )
                np.testing.assert_allclose(np.ravel(hv), H @ np.ones(n), rtol=1e-11, atol=1e-12)
            else:
                gg = ad.grad(ad.grad(f, wrt=hwrt), wrt=hwrt)(*args)
                np.testing.assert_allclose(float(gg), H[0, 0], rtol=1e-12, atol=1e-12)
        else:  # pragma: no cover
            raise AssertionError(check)


@pytest.mark.parametrize(("name", "check"), _case_params())
def test_program(name, check):
    _run(name, check)


# --------------------------------------------------------------------------------------
# special values: functions whose partials are one IEEE operation, at every triple
# --------------------------------------------------------------------------------------


def sp_a_minus_bc(a, b, c):
    return a - b * c


def sp_plus_neg(a, b, c):
    return a + (-b) * c


def sp_diff_of_diffs(a, b, c):
    return (a - b) - (b - c)


def sp_c_times_neg(a, b, c):
    return 3.0 * -a * b - -(-c)


def sp_neg_chain(a, b, c):
    return -(-(-(a * b))) - (-(-c)) * a


def sp_minus_two(a, b, c):
    return a - 2.0 * b - c * 4.0


SPECIAL = [0.0, -0.0, 1.0, -1.5, np.inf, -np.inf, np.nan, 1e308, -1e308, 5e-324, 1e-310, 3.0]

# the partial derivatives as the math writes them, each one IEEE operation
SP_PARTIALS = {
    "a_minus_bc": (sp_a_minus_bc, (lambda a, b, c: 1.0, lambda a, b, c: -c, lambda a, b, c: -b)),
    "plus_neg": (sp_plus_neg, (lambda a, b, c: 1.0, lambda a, b, c: -c, lambda a, b, c: -b)),
    "diff_of_diffs": (
        sp_diff_of_diffs,
        (lambda a, b, c: 1.0, lambda a, b, c: -2.0, lambda a, b, c: 1.0),
    ),
    "c_times_neg": (
        sp_c_times_neg,
        (lambda a, b, c: -3.0 * b, lambda a, b, c: -3.0 * a, lambda a, b, c: -1.0),
    ),
    "neg_chain": (sp_neg_chain, (lambda a, b, c: -b - c, lambda a, b, c: -a, lambda a, b, c: -a)),
    "minus_two": (sp_minus_two, (lambda a, b, c: 1.0, lambda a, b, c: -2.0, lambda a, b, c: -4.0)),
}


def _sp_params():
    out = []
    for name in SP_PARTIALS:
        for i in range(3):
            for kind in ("py", "f32", "arr"):
                out.append(pytest.param(name, i, kind, id=f"{name}-d{i}-{kind}"))
    return out


@pytest.mark.parametrize(("name", "i", "kind"), _sp_params())
def test_special_values(name, i, kind):
    f, partials = SP_PARTIALS[name]
    rev = ad.grad(f, wrt=i)
    fwd = ad.grad(f, wrt=i, mode="forward")
    bad = []
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for combo in [(a, b, c) for a in SPECIAL for b in SPECIAL for c in SPECIAL]:
            if kind == "py":
                args = combo
            elif kind == "f32":
                args = tuple(np.float32(v) for v in combo)
            else:
                args = tuple(np.array([v, -v]) for v in combo)
            expect = partials[i](*args)
            if kind == "arr":
                expect = np.broadcast_to(np.asarray(expect, dtype=np.float64), (2,))
            elif kind == "f32":
                expect = np.float32(expect)
            if kind == "arr":
                r = ad.vjp(f, *args)[1](np.ones(2))[i]
                g = ad.jvp(f, args, tuple(np.ones(2) if j == i else None for j in range(3)))[1]
            else:
                r = rev(*args)
                g = fwd(*args)
            if kind == "f32" and not (isinstance(r, np.float32) and isinstance(g, np.float32)):
                bad.append((combo, "dtype", type(r), type(g)))
            if not _same_bits(r, expect):
                bad.append((combo, "reverse", r, expect))
            if not _same_bits(g, expect):
                bad.append((combo, "forward", g, expect))
            if kind != "arr":
                v, gv = ad.value_and_grad(f, wrt=i)(*args)
                if not (_same_bits(v, f(*args)) and _same_bits(gv, r)):
                    bad.append((combo, "value_and_grad", v, gv))
    assert not bad, bad[:5]


# where forward and reverse order the same products differently, a huge or a subnormal
# operand overflows in one of them: nan where the math (and the other mode) is finite


def sp_log_scaled(b, c):
    return -b * np.log(c)


def sp_cubic_weight(b, c):
    return -3.0 * (b * b) * c


@pytest.mark.xfail(
    strict=True,
    reason="forward mode: d/dc of -b*log(c) at b=0, c=5e-324 is nan (tangent 1/c = inf times b = 0) "
    "where the value is finite (-0*log(5e-324) = 0), the math gives -b/c = -0.0 and reverse "
    "mode gives 0.0 (the same before the negation folds)",
)
def test_forward_nan_at_subnormal():
    with np.errstate(all="ignore"):
        assert np.isfinite(sp_log_scaled(0.0, 5e-324))
        r = ad.grad(sp_log_scaled, wrt=1)(0.0, 5e-324)
        g = ad.grad(sp_log_scaled, wrt=1, mode="forward")(0.0, 5e-324)
    assert r == 0.0
    assert not np.isnan(g)


@pytest.mark.xfail(
    strict=True,
    reason="reverse mode: d/db of -3.0*(b*b)*c at b=0, c=1e308 is nan (the adjoint -3.0*c "
    "overflows to -inf, times 2*b = 0) where the value is finite (-0.0), the math gives "
    "-6*b*c = 0 and forward mode gives 0.0 (the same before the negation folds)",
)
def test_reverse_nan_at_huge():
    with np.errstate(all="ignore"):
        assert np.isfinite(sp_cubic_weight(0.0, 1e308))
        g = ad.grad(sp_cubic_weight, wrt=0, mode="forward")(0.0, 1e308)
        r = ad.grad(sp_cubic_weight, wrt=0)(0.0, 1e308)
    assert g == 0.0
    assert not np.isnan(r)


# --------------------------------------------------------------------------------------
# shared expressions at x = 0: an occurrence in a branch or loop that does not run must
# not bring its infinite partial derivative in (change 2)
# --------------------------------------------------------------------------------------


def cse_stop_then_branch(x, flag):
    s = ad.stop_gradient(np.sqrt(x))
    y = x * 2.0 - np.sum(s) * 0.0
    if flag:
        y = y - np.sqrt(x)
    return np.sum(y)


def cse_condition_then_loop(x, n):
    ok = np.all(np.sqrt(x) < 10.0)
    acc = np.sum(x * x)
    for _ in range(n):
        acc = acc - np.sum(np.sqrt(x))
    return acc if ok else -acc


def cse_branch_then_flag(x, flag):
    if flag:
        t = np.sum(np.log(x))
    else:
        t = 0.0
    return t - np.sum(x * 3.0) + float(np.sum(np.log(x + 1.0)) > -1.0)


def cse_while_zero(x, n):
    acc = -np.sum(x)
    k = 0
    while k < n:
        acc = acc - np.sum(np.sqrt(x)) * 0.5
        k += 1
    return acc - np.sum(-(np.sqrt(x + 1.0)))


def cse_branch_then_after(x, flag):
    y = x - 1.0
    if flag:
        y = y * np.sqrt(x)
    z = np.sqrt(x)
    return np.sum(y) - np.sum(ad.stop_gradient(z))


def cse_len_across(x, xs):
    total = -np.sum(x) / len(xs)
    for v in xs:
        total = total - np.sum((x - v) ** 2) / len(xs)
    return total


def cse_mask_then_branch(x, flag):
    a = np.sqrt(x) > 0.5
    b = np.where(a, x, -x)
    if flag:
        b = b - np.sqrt(x)
    return np.sum(b)


def cse_branch_in_loop_never(x, n):
    for i in range(n):
        if i > 100:
            x = x - np.sqrt(x)
    return np.sum(-x) - np.sum(np.sqrt(x + 2.0))


X0 = np.array([0.0, 1.0, 4.0])

CSE_CASES = {
    "stop_then_branch": (cse_stop_then_branch, (X0, False), np.full(3, 2.0), np.zeros((3, 3))),
    "condition_then_loop": (cse_condition_then_loop, (X0, 0), 2.0 * X0, 2.0 * np.eye(3)),
    "branch_then_flag": (cse_branch_then_flag, (X0, False), np.full(3, -3.0), np.zeros((3, 3))),
    "while_zero": (
        cse_while_zero,
        (X0, 0),
        -1.0 + 0.5 / np.sqrt(X0 + 1.0),
        np.diag(-0.25 * (X0 + 1.0) ** -1.5),
    ),
    "branch_then_after": (cse_branch_then_after, (X0, False), np.ones(3), np.zeros((3, 3))),
    "len_across": (cse_len_across, (X0, [X0, X0 + 1.0]), np.full(3, 0.5), -2.0 * np.eye(3)),
    "mask_then_branch": (
        cse_mask_then_branch,
        (X0, False),
        np.array([-1.0, 1.0, 1.0]),
        np.zeros((3, 3)),
    ),
    "branch_in_loop_never": (
        cse_branch_in_loop_never,
        (X0, 3),
        -1.0 - 0.5 / np.sqrt(X0 + 2.0),
        np.diag(0.25 * (X0 + 2.0) ** -1.5),
    ),
}

CSE_APIS = ["grad", "forward", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian"]


@pytest.mark.parametrize("api", CSE_APIS)
@pytest.mark.parametrize("name", list(CSE_CASES))
def test_shared_expression_not_run(name, api):
    f, args, expect, hess = CSE_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the plain call warns of nothing: neither may these
        plain = f(*args)
        if api == "grad":
            got = ad.grad(f)(*args)
        elif api == "forward":
            got = ad.grad(f, mode="forward")(*args)
        elif api == "value_and_grad":
            v, got = ad.value_and_grad(f)(*args)
            assert _same_bits(v, plain)
        elif api == "vjp":
            v, pb = ad.vjp(f, *args)
            assert _same_bits(v, plain)
            got = pb(1.0)[0]
        elif api == "jvp":
            v, got = ad.jvp(f, args, (np.array([1.0, -2.0, 0.5]), None))
            assert _same_bits(v, plain)
            expect = expect @ np.array([1.0, -2.0, 0.5])
        elif api == "jacfwd":
            got = ad.jacfwd(f)(*args)
        elif api == "jacrev":
            got = ad.jacrev(f)(*args)
        else:
            got, expect = ad.hessian(f)(*args), hess
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), expect, rtol=1e-13, atol=1e-15)
    assert not np.any(np.isnan(got))


# --------------------------------------------------------------------------------------
# the derivative source reads sensibly
# --------------------------------------------------------------------------------------

import ast  # noqa: E402
import re  # noqa: E402


def _dead_stores(src):
    """Names assigned in a function body's straight-line code and assigned again before
    any statement reads them."""
    fn = ast.parse(src).body[0]
    dead = []
    body = fn.body
    for k, st in enumerate(body):
        if not (
            isinstance(st, ast.Assign)
            and len(st.targets) == 1
            and isinstance(st.targets[0], ast.Name)
        ):
            continue
        name = st.targets[0].id
        for later in body[k + 1 :]:
            reads = {
                n.id
                for n in ast.walk(later)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            }
            if name in reads:
                break
            if (
                isinstance(later, ast.Assign)
                and len(later.targets) == 1
                and isinstance(later.targets[0], ast.Name)
                and later.targets[0].id == name
            ):
                dead.append(ast.unparse(st))
                break
    return dead


SOURCE_CASES = {
    name: spec
    for name, spec in PROGRAMS.items()
    if not name.endswith(("_f32", "_x", "_arr", "_f", "_two", "_b", "_zero", "_loop"))
}
SOURCE_CASES_SP = {
    name: (f, (1.5, -2.0, 3.0), (0, 1, 2), None) for name, (f, _) in SP_PARTIALS.items()
}
# (three strict xfails fixed: dead stores `b_bar = 0.5` then `b_bar = 0.5 + _t2_bar`, one
# left by the negation fold, and `- n * -1.0` where `+ n * 1.0` reads better;
# simplify/dead_code.py's overwritten stores and simplify/negations.py's `_flipped`)
SOURCE_XFAIL: dict[str, str] = {}


def _source_params():
    out = []
    for name in list(SOURCE_CASES) + list(SOURCE_CASES_SP):
        marks = (
            [pytest.mark.xfail(strict=True, reason=SOURCE_XFAIL[name])]
            if name in SOURCE_XFAIL
            else []
        )
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("name", _source_params())
def test_gradient_source_reads_sensibly(name):
    f, args, wrt, _ = SOURCE_CASES.get(name) or SOURCE_CASES_SP[name]
    src = ad.derivative_source(f, "gradient", wrt=_wrt(wrt), args=args)
    compile(src, "<gradient>", "exec")
    assert src.startswith("def ")
    # a negation added (`+ -name`, `+ (-name)`) or negated twice is folded away
    assert "+ -_" not in src and "+ (-" not in src and "--" not in src.replace("# ", "")
    assert "- -" not in src and "-(-" not in src
    # a subtraction of a product by -1.0 is an addition written twice negated
    assert not re.search(r"- [\w.]+ \* -1\.0\b", src), src
    assert not _dead_stores(src), _dead_stores(src)


def test_rosenbrock_source_literal_folded():
    src = ad.derivative_source(rosenbrock, "gradient", args=(np.ones(5),))
    assert "200.0 *" in src and "100.0 * (2" not in src
    g = ad.grad(rosenbrock)(np.array([1.0, 1.0, 1.0]))
    assert np.all(g == 0.0)


def test_fft_is_refused_at_its_line():
    # README: np.fft (complex intermediates) is refused with ComplexValueError at its line
    def power(x):
        return np.sum(np.abs(np.fft.fft(x - 1.0)) ** 2)

    with pytest.raises(ad.S2SError) as info:
        ad.grad(power)(np.ones(4))
    assert "Complex" in type(info.value).__name__ and "fft" in str(info.value)
