"""Long programs a user would write (50 to 470 lines), checked in every mode.

An independent tester's file, written from the README and issue 19 only (without reading
s2s_ad's code or tests).  The programs live in tests/long_user_programs.py: a chemical
kinetics right-hand side integrated by Heun's method, a transformer written out layer by
layer, a loss of fifteen terms, a reaction-diffusion stencil, feature engineering before a
logistic model, Newton's method with a hand-written Thomas solve, an LSTM unrolled through
helper calls, a PID controller with saturations and a coasting `while` loop, a Lorenz RK4
fit, and three generated styles (an unrolled three-body stepper, a point-by-point stencil,
a block-by-block model with branches) at about 50, 100, 200 and 400 lines.

Also: a Kalman filter, an American option on a binomial tree, a robot arm's kinematics
(Jacobians), a Gaussian-process likelihood, an age-structured epidemic, a hierarchical
model with scipy.stats, Lennard-Jones dynamics with forces accumulated in place, a ray
tracer with helpers and nested branches, a recurrence with tuple swaps and comprehensions,
a dataclass double pendulum stepping a NamedTuple state, a finite-volume Burgers solver and
an upwind scheme with element updates.

Each is checked: the value `value_and_grad`, `vjp` and `jvp` return equals the plain call
exactly; reverse mode against central differences (rtol 1e-5); forward mode, `jvp`, `vjp`,
`jacfwd` and `jacrev` against reverse mode (rtol 1e-10); Hessians (and `hvp`) on most
against central differences of the gradient and against `jacfwd(grad)`; printed output
under every API; the module `s2s-ad export` writes.

Strict expected failures (what the long programs found, each also in its smallest form):
`hessian` of a loop over a dict's keys with `if name.startswith("w"):` refused as if the
key were differentiated; `s2s-ad export` of a helper called first from a constant zero
state (an RNN) refused ("the name `rnn_cell_vjp` means two things"); `jit=True`'s fallback
warning blaming `print`/logging in a function that has neither; second derivatives
(`hessian`, `hvp`, `jacfwd(grad)`, `jacrev(grad)`) of a loss drawing from a module-level
generator (dropout in a helper) use other draws than the plain call: a wrong Hessian.
"""

import dataclasses
import importlib.util
import logging
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import s2s_ad as ad

_HERE = Path(__file__).resolve().parent
if "long_user_programs" in sys.modules:
    lup = sys.modules["long_user_programs"]
else:
    _spec = importlib.util.spec_from_file_location(
        "long_user_programs", _HERE / "long_user_programs.py"
    )
    lup = importlib.util.module_from_spec(_spec)
    sys.modules["long_user_programs"] = lup
    _spec.loader.exec_module(lup)


# ---------------------------------------------------------------------------
# small tree utilities (dicts, lists, tuples of floats and float arrays)
# ---------------------------------------------------------------------------


def leaves(tree):
    if isinstance(tree, dict):
        return [lf for k in tree for lf in leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [lf for item in tree for lf in leaves(item)]
    return [tree]


def rebuild(tree, new_leaves):
    it = iter(new_leaves)

    def go(t):
        if isinstance(t, dict):
            return {k: go(t[k]) for k in t}
        if isinstance(t, (list, tuple)):
            return type(t)(go(x) for x in t)
        return next(it)

    return go(tree)


def flat(tree):
    return np.concatenate([np.ravel(np.asarray(lf, dtype=float)) for lf in leaves(tree)])


def unflat(tree, vec):
    out = []
    pos = 0
    for lf in leaves(tree):
        a = np.asarray(lf)
        piece = vec[pos : pos + a.size]
        pos += a.size
        out.append(float(piece[0]) if np.ndim(lf) == 0 else piece.reshape(a.shape).copy())
    return rebuild(tree, out)


def with_arg(args, i, value):
    args = list(args)
    args[i] = value
    return tuple(args)


def fd_grad(f, args, wrt, h=1e-6, directions=None):
    """Central differences of a scalar f with respect to args[wrt] (flattened).

    With ``directions`` (a list of flat vectors), the directional derivatives instead.
    """
    x0 = flat(args[wrt])
    vecs = directions if directions is not None else list(np.eye(x0.size))
    out = []
    for v in vecs:
        # coordinates: relative steps; scaled directions (see _directions): the step h
        step = h * max(1.0, abs(float(x0[v != 0][0]))) if directions is None else h
        fp = f(*with_arg(args, wrt, unflat(args[wrt], x0 + step * v)))
        fm = f(*with_arg(args, wrt, unflat(args[wrt], x0 - step * v)))
        out.append((fp - fm) / (2.0 * step))
    return np.array(out)


def assert_close(actual, reference, rtol, what, scale_atol=None, scale=None):
    """|actual - reference| <= rtol |reference| + scale_atol * scale, elementwise.

    ``scale`` defaults to the largest |reference| entry, ``scale_atol`` to rtol / 10.
    """
    actual = np.asarray(actual, dtype=float)
    reference = np.asarray(reference, dtype=float)
    assert actual.shape == reference.shape, (what, actual.shape, reference.shape)
    assert np.all(np.isfinite(actual)), (what, actual)
    if scale is None:
        scale = float(np.max(np.abs(reference))) if reference.size else 0.0
    atol = (scale_atol if scale_atol is not None else rtol * 0.1) * max(scale, 1e-300)
    bad = np.abs(actual - reference) > atol + rtol * np.abs(reference)
    if np.any(bad):
        idx = np.argwhere(bad)[:5]
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} entries differ; first at {idx.tolist()}:"
            f" got {actual[bad][:5]}, expected {reference[bad][:5]}"
        )


def assert_same_value(got, plain, what):
    """The primal a derivative API returns must be the plain call's, bit for bit."""
    assert type(got) is type(plain), (what, type(got), type(plain))
    g = np.asarray(got)
    p = np.asarray(plain)
    assert g.dtype == p.dtype and g.shape == p.shape, (what, g.dtype, p.dtype)
    assert np.array_equal(g, p, equal_nan=True), (what, got, plain)


# ---------------------------------------------------------------------------
# the programs and their arguments
# ---------------------------------------------------------------------------


def kinetics_args():
    rng = np.random.default_rng(1)
    log_a = np.log(np.array([3.0, 2.0, 4.0, 1.5, 0.8, 1.2, 2.5, 3.0, 2.0, 1.0, 0.7, 1.1]))
    log_a = log_a + 0.05 * rng.standard_normal(12)
    c0 = np.array([0.6, 0.3, 0.02, 0.01, 0.01, 0.05, 0.005, 0.002, 0.5])
    observed = np.log(np.linspace(0.06, 0.2, 12) + 0.05)
    return (log_a, c0, 1.4, observed)


def transformer_args():
    rng = np.random.default_rng(2)
    p = lup.make_transformer_params(rng)
    x = rng.standard_normal((lup.SEQ, 3))
    y = np.eye(3)[[0, 2, 1, 1, 0]]
    return (p, x, y)


def many_terms_args():
    rng = np.random.default_rng(3)
    t = np.linspace(0.0, 1.0, 30)
    y = np.sin(2 * np.pi * t) + 0.1 * rng.standard_normal(30)
    c = 0.5 * rng.standard_normal(12)
    prior = 0.3 * rng.standard_normal(12)
    return (c, t, y, prior)


def stencil_args():
    rng = np.random.default_rng(4)
    g = lup.GRID
    u0 = 0.3 + 0.2 * rng.random((g, g))
    target = 0.4 + 0.1 * rng.random((g, g))
    return (u0, 0.8, 2.0, target)


def features_args():
    rng = np.random.default_rng(5)
    n = 20
    price = 100.0 * np.exp(np.cumsum(0.01 * rng.standard_normal(n)))
    volume = 1000.0 + 200.0 * rng.random(n)
    high = price * (1.0 + 0.02 * rng.random(n))
    low = price * (1.0 - 0.02 * rng.random(n))
    spread = 0.05 + 0.01 * rng.random(n)
    raw = np.stack([price, volume, high, low, spread], axis=1)
    labels = (rng.random(n) > 0.5).astype(float)
    w = 0.1 * rng.standard_normal(13)
    return (w, raw, labels)


def bvp_args():
    x = np.linspace(0.0, 1.0, 12)[1:-1]
    return (10.0 * np.sin(np.pi * x) + 3.0 * x, 5.0)


def lstm_args():
    rng = np.random.default_rng(6)
    n, d = 3, 2
    params = (
        0.5 * rng.standard_normal((4 * n, d)),
        0.5 * rng.standard_normal((4 * n, n)),
        0.1 * rng.standard_normal(4 * n),
        1.0 + 0.1 * rng.standard_normal(n),
        rng.standard_normal(n),
        0.5 * rng.standard_normal((2, n)),
        0.1 * rng.standard_normal(2),
    )
    xs = [rng.standard_normal(d) for _ in range(5)]
    return (params, xs, np.array([0.7, 0.2]))


def pid_args():
    setpoints = np.concatenate([np.zeros(5), np.ones(40), 0.5 * np.ones(25)])
    return (2.0, 0.7, 0.15, setpoints)


def lorenz_args():
    rng = np.random.default_rng(8)
    obs = rng.standard_normal((30, 3)) + np.array([1.0, 1.0, 20.0])
    return (np.array([10.0, 28.0, 8.0 / 3.0]), np.array([1.0, 1.5, 20.0]), obs)


def kalman_args():
    rng = np.random.default_rng(0)
    ys = np.cumsum(rng.standard_normal((15, 1)), axis=0)
    ys[4, 0] = np.nan  # a missing observation: the update is skipped
    return (np.array([-1.0, -3.0, -0.5]), ys, np.zeros(2))


def option_args():
    return (100.0, 0.25, 0.03, 105.0, 30)


def gp_args():
    x = np.linspace(0.0, 3.0, 8)
    return (np.array([0.0, 0.1, -1.5]), x, np.sin(x))


def sir_args():
    rng = np.random.default_rng(0)
    return (0.5, 0.3 + rng.random((4, 4)), np.array([100.0, 200.0, 150.0, 80.0]), 30)


def schools_args():
    rng = np.random.default_rng(0)
    y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
    return (np.concatenate([[4.0, 1.2], 0.3 * rng.standard_normal(8)]), y, sigma)


def md_args():
    rng = np.random.default_rng(0)
    pos = np.array([[0.0, 0.0], [1.12, 0.0], [0.5, 1.0], [1.6, 1.1]])
    pos = pos + 0.02 * rng.standard_normal((4, 2))
    return (pos, 0.1 * rng.standard_normal((4, 2)), 5)


def render_args():
    centers = np.array([[0.0, 0.0, 1.0], [0.6, 0.3, 1.5], [-0.5, -0.2, 0.8]])
    light = np.array([2.0, 3.0, -1.0])
    return (
        centers,
        light,
        np.array([0.5, 0.4, 0.3]),
        np.array([0.9, 0.6, 0.7]),
        np.linspace(0.0, 0.5, 16),
    )


def recurrence_args():
    return (np.array([0.3, 0.7, -0.2, 0.5]), 12)


def burgers_args():
    x = np.linspace(0.0, 1.0, 16, endpoint=False)
    u0 = 0.5 + 0.4 * np.sin(2 * np.pi * x) + 0.05 * np.cos(6 * np.pi * x)
    return (u0, 0.5 + 0.3 * np.sin(2 * np.pi * x - 0.3), 6)


def upwind_args():
    return (0.3 + 0.4 * np.sin(np.arange(10.0)), 0.4, 3)


# name: (function, argument maker, the wrt of each check, take Hessian)
PROGRAMS = {
    "kinetics_heun": (lup.ignition_loss, kinetics_args, [0, 1], True),
    "transformer_dict": (lup.tiny_transformer_loss, transformer_args, [0, 1], False),
    "many_term_loss": (lup.many_term_loss, many_terms_args, [0, 3], True),
    "reaction_diffusion": (lup.reaction_diffusion_loss, stencil_args, [0, 1, 2], True),
    "feature_engineering": (lup.engineer_and_score, features_args, [0, 1], True),
    "newton_thomas": (lup.bvp_loss, bvp_args, [0, 1], True),
    "lstm_helpers": (lup.lstm_loss, lstm_args, [0], False),
    "pid_controller": (lup.pid_cost, pid_args, [0, 1, 2], True),
    "lorenz_rk4": (lup.lorenz_fit, lorenz_args, [0, 1], True),
    "kalman_filter": (lup.kalman_loglik, kalman_args, [0, 2], True),
    "american_option": (lup.american_put, option_args, [1, 0, 2], True),
    "gp_likelihood": (lup.gp_nll, gp_args, [0, 1], True),
    "sir_age_groups": (lup.sir_age, sir_args, [1, 0], True),
    "eight_schools": (lup.eight_schools_logpost, schools_args, [0, 2], True),
    "lennard_jones_md": (lup.lj_md, md_args, [0, 1], True),
    "ray_tracer": (lup.render_loss, render_args, [0, 1, 2, 3], True),
    "recurrence_swaps": (lup.fib_like, recurrence_args, [0], True),
    "burgers_fv": (lup.burgers_loss, burgers_args, [0, 1], True),
    "upwind_inplace": (lup.upwind_inplace, upwind_args, [0, 1], True),
}


def _directions(arg, count, seed):
    n = flat(arg).size
    if n <= 40:
        return None  # every coordinate
    # random directions scaled by each entry's size, so that prices of 100 and spreads of
    # 0.05 are moved by the same relative amount
    rng = np.random.default_rng(seed)
    scale = np.maximum(np.abs(flat(arg)), 1e-2)
    return [rng.standard_normal(n) * scale for _ in range(count)]


# ---------------------------------------------------------------------------
# first order
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_values_equal_the_plain_call(name):
    f, make, wrts, _ = PROGRAMS[name]
    args = make()
    plain = f(*args)
    assert np.isfinite(plain)
    wrt = tuple(wrts) if len(wrts) > 1 else wrts[0]
    v, _ = ad.value_and_grad(f, wrt=wrt)(*args)
    assert_same_value(v, plain, "value_and_grad")
    v, _ = ad.value_and_grad(f, wrt=wrts[0], mode="forward")(*args)
    assert_same_value(v, plain, "value_and_grad forward")
    out, _ = ad.vjp(f, *args)
    assert_same_value(out, plain, "vjp")
    tangents = tuple(
        rebuild(a, [np.ones_like(np.asarray(lf)) for lf in leaves(a)]) if i == wrts[0] else None
        for i, a in enumerate(args)
    )
    out, _ = ad.jvp(f, args, tangents)
    assert_same_value(out, plain, "jvp")
    # derivative calls must not modify the arguments
    again = make()
    for a, b in zip(args, again, strict=True):
        assert np.array_equal(flat(a), flat(b), equal_nan=True)


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_reverse_mode_against_central_differences(name):
    f, make, wrts, _ = PROGRAMS[name]
    args = make()
    grads = ad.grad(f, wrt=tuple(wrts))(*args)
    for i, g in zip(wrts, grads, strict=True):
        assert type(g) is type(args[i]), (name, i, type(g))
        dirs = _directions(args[i], 3, seed=i)
        ref = fd_grad(f, args, i, directions=dirs)
        gflat = flat(g)
        got = gflat if dirs is None else np.array([gflat @ d for d in dirs])
        assert_close(got, ref, 1e-5, f"{name} d/d arg {i}")


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_forward_mode_jvp_vjp_agree_with_reverse(name):
    f, make, wrts, _ = PROGRAMS[name]
    args = make()
    rng = np.random.default_rng(11)
    for i in wrts:
        g_rev = ad.grad(f, wrt=i)(*args)
        g_fwd = ad.grad(f, wrt=i, mode="forward")(*args)
        assert_close(flat(g_fwd), flat(g_rev), 1e-10, f"{name} forward vs reverse, arg {i}")
        v = rng.standard_normal(flat(args[i]).size)
        tangents = tuple(unflat(a, v) if j == i else None for j, a in enumerate(args))
        _, t_out = ad.jvp(f, args, tangents)
        assert_close(t_out, flat(g_rev) @ v, 1e-10, f"{name} jvp vs grad, arg {i}")
        _, pullback = ad.vjp(f, *args)
        ct = pullback(1.0)
        assert_close(flat(ct[i]), flat(g_rev), 1e-10, f"{name} vjp vs grad, arg {i}")
        ct2 = pullback(-2.5)
        assert_close(flat(ct2[i]), -2.5 * flat(g_rev), 1e-10, f"{name} vjp(-2.5), arg {i}")


# ---------------------------------------------------------------------------
# second order
# ---------------------------------------------------------------------------


HESSIAN_PROGRAMS = [n for n, spec in PROGRAMS.items() if spec[3]]


@pytest.mark.parametrize("name", HESSIAN_PROGRAMS)
def test_hessian_against_differences_of_the_gradient(name):
    f, make, wrts, _ = PROGRAMS[name]
    args = make()
    i = wrts[0]
    x = args[i]
    n = flat(x).size
    hess = ad.hessian(f, wrt=i)(*args)
    hmat = np.asarray(hess, dtype=float).reshape(n, n)
    g = ad.grad(f, wrt=i)
    dirs = _directions(x, 2, seed=5)
    if dirs is None:
        dirs = list(np.eye(n))
    h = 1e-5 * max(1.0, float(np.max(np.abs(flat(x)))))
    x0 = flat(x)
    for d in dirs:
        gp = flat(g(*with_arg(args, i, unflat(x, x0 + h * d))))
        gm = flat(g(*with_arg(args, i, unflat(x, x0 - h * d))))
        assert_close(
            hmat @ d,
            (gp - gm) / (2 * h),
            1e-5,
            f"{name} Hessian column",
            1e-5,
            scale=float(np.max(np.abs(hmat))) * float(np.max(np.abs(d))),
        )
    assert_close(hmat, hmat.T, 1e-9, f"{name} Hessian symmetry")
    v = np.random.default_rng(3).standard_normal(n)
    # None tangents hold the other arguments fixed: (gradient, H v) for the one moved
    tangents = tuple(unflat(a, v) if j == i else None for j, a in enumerate(args))
    grad_i, hv_i = ad.hvp(f, args, tangents)
    assert_close(flat(grad_i), flat(g(*args)), 1e-12, f"{name} hvp's gradient")
    assert_close(flat(hv_i), hmat @ v, 1e-10, f"{name} hvp vs hessian")


# ---------------------------------------------------------------------------
# Jacobians of the kinetics right-hand side
# ---------------------------------------------------------------------------


def test_kinetics_jacobian_every_way():
    log_a, c0, temp, _ = kinetics_args()
    f = lup.h2o2_rhs
    plain = f(c0, temp, log_a)
    jf = ad.jacfwd(f)(c0, temp, log_a)
    jr = ad.jacrev(f)(c0, temp, log_a)
    ja = ad.jacobian(f, mode="auto")(c0, temp, log_a)
    assert jf.shape == jr.shape == (9, 9)
    # central differences column by column
    cols = []
    for k in range(9):
        e = np.zeros(9)
        e[k] = 1e-7
        cols.append((f(c0 + e, temp, log_a) - f(c0 - e, temp, log_a)) / 2e-7)
    ref = np.stack(cols, axis=1)
    assert_close(jr, ref, 1e-5, "jacrev vs central differences", 1e-6)
    assert_close(jf, jr, 1e-10, "jacfwd vs jacrev")
    assert_close(ja, jr, 1e-10, "jacobian(auto) vs jacrev")
    # with respect to the rate parameters and the temperature (a float)
    jp = ad.jacfwd(f, wrt=(1, 2))(c0, temp, log_a)
    jq = ad.jacrev(f, wrt=(1, 2))(c0, temp, log_a)
    assert jp[0].shape == (9,) and jp[1].shape == (9, 12)
    assert_close(jp[0], jq[0], 1e-10, "d rhs / d T")
    assert_close(jp[1], jq[1], 1e-10, "d rhs / d log_a")
    dT = (f(c0, temp + 1e-6, log_a) - f(c0, temp - 1e-6, log_a)) / 2e-6
    assert_close(jq[0], dT, 1e-5, "d rhs / d T vs central differences", 1e-6)
    # vjp with a vector cotangent and jvp with a vector tangent
    ct = np.linspace(-1.0, 1.0, 9)
    out, pullback = ad.vjp(f, c0, temp, log_a)
    assert_same_value(out, plain, "vjp of the rhs")
    bars = pullback(ct)
    assert_close(bars[0], ct @ jr, 1e-10, "vjp vs jacrev")
    assert isinstance(bars[1], float) or np.ndim(bars[1]) == 0
    assert_close(bars[1], ct @ jq[0], 1e-10, "vjp's temperature cotangent")
    t = np.cos(np.arange(9.0))
    out, tan = ad.jvp(f, (c0, temp, log_a), (t, None, None))
    assert_same_value(out, plain, "jvp of the rhs")
    assert_close(tan, jr @ t, 1e-10, "jvp vs jacrev")


# ---------------------------------------------------------------------------
# the generated styles at about 50, 100, 200 and 400 lines
# ---------------------------------------------------------------------------

GENERATED = [(style, target) for style in lup.SIZES for target in lup.SIZES[style]]
TRANSFORM_TIMES = {}


@pytest.mark.parametrize(("style", "target"), GENERATED)
def test_generated_program(style, target):
    param = lup.SIZES[style][target]
    source, name = lup.STYLES[style](param, tag=1000 + target)
    f = lup.load_program(source, name)
    n_lines = lup.function_lines(source, name)
    assert 0.8 * target <= n_lines <= 1.2 * target, n_lines
    args = lup.style_args(style, param)
    plain = f(*args)
    t0 = time.process_time()
    value, g = ad.value_and_grad(f)(*args)
    TRANSFORM_TIMES[(style, n_lines)] = time.process_time() - t0
    assert_same_value(value, plain, "value_and_grad")
    dirs = _directions(args[0], 2, seed=target)
    ref = fd_grad(f, args, 0, directions=dirs)
    got = flat(g) if dirs is None else np.array([flat(g) @ d for d in dirs])
    assert_close(got, ref, 1e-5, f"{style} {n_lines} lines vs central differences")
    # forward mode: directional derivative by jvp (one pass, whatever the input size)
    v = np.random.default_rng(target).standard_normal(flat(args[0]).size)
    out, t_out = ad.jvp(f, args, (unflat(args[0], v),) + (None,) * (len(args) - 1))
    assert_same_value(out, plain, "jvp")
    assert_close(t_out, flat(g) @ v, 1e-10, f"{style} {n_lines} lines, jvp vs grad")
    # a second argument: the step / rate / target
    g1 = ad.grad(f, wrt=1)(*args)
    ref1 = fd_grad(f, args, 1, directions=_directions(args[1], 2, seed=1))
    got1 = flat(g1) if flat(args[1]).size <= 40 else None
    if got1 is not None:
        assert_close(got1, ref1, 1e-5, f"{style} {n_lines} lines, second argument")


@pytest.mark.parametrize("style", ["nbody", "stencil"])  # the styles of few inputs
def test_generated_hessian_at_50_lines(style):
    param = lup.SIZES[style][50]
    source, name = lup.STYLES[style](param, tag=77)
    f = lup.load_program(source, name)
    args = lup.style_args(style, param)
    x = args[0]
    hmat = np.asarray(ad.hessian(f)(*args), dtype=float)
    n = flat(x).size
    hmat = hmat.reshape(n, n)
    jf = np.asarray(ad.jacfwd(ad.grad(f))(*args)).reshape(n, n)
    assert_close(jf, hmat, 1e-10, f"{style}: jacfwd(grad) vs hessian")
    g = ad.grad(f)
    h = 1e-5
    cols = [
        (g(*with_arg(args, 0, x + h * e)) - g(*with_arg(args, 0, x - h * e))) / (2 * h)
        for e in np.eye(n)
    ]
    assert_close(hmat, np.stack(cols, axis=1), 1e-5, f"{style}: Hessian vs differences", 1e-5)


def test_report_transform_times():
    """Not a pass/fail timing: prints the processor time of the first value_and_grad."""
    if not TRANSFORM_TIMES:
        pytest.skip("run with the generated programs")
    for (style, n_lines), t in sorted(TRANSFORM_TIMES.items()):
        print(f"{style:8s} {n_lines:4d} lines {t * 1e3:8.1f} ms {t * 1e3 / n_lines:6.3f} ms/line")
    assert all(math.isfinite(t) for t in TRANSFORM_TIMES.values())


# ---------------------------------------------------------------------------
# objects, vector outputs, printed output
# ---------------------------------------------------------------------------


def test_double_pendulum_dataclass_and_namedtuple():
    model = lup.DoublePendulum(1.0, 0.8, 1.0, 0.7, 0.05)
    s0 = lup.State(0.9, -0.4, 0.1, 0.3)
    k = np.arange(30) * 0.1
    obs = np.stack([0.8 * np.cos(k), -0.3 * np.sin(k)], axis=1)
    f = lup.pendulum_loss
    plain = f(model, s0, obs, 0.02)
    value, (g_model, g_state) = ad.value_and_grad(f, wrt=(0, 1))(model, s0, obs, 0.02)
    assert_same_value(value, plain, "value_and_grad")
    assert type(g_model) is lup.DoublePendulum and type(g_state) is lup.State
    fwd_model, fwd_state = ad.grad(f, wrt=(0, 1), mode="forward")(model, s0, obs, 0.02)
    h = 1e-6
    fields = [fl.name for fl in dataclasses.fields(model)]
    got = [getattr(g_model, fl) for fl in fields]
    ref = []
    for fl in fields:
        up = dataclasses.replace(model, **{fl: getattr(model, fl) + h})
        dn = dataclasses.replace(model, **{fl: getattr(model, fl) - h})
        ref.append((f(up, s0, obs, 0.02) - f(dn, s0, obs, 0.02)) / (2 * h))
    assert_close(got, ref, 1e-5, "d loss / d model")
    assert_close([getattr(fwd_model, fl) for fl in fields], got, 1e-10, "model fwd vs rev")
    ref = []
    for fl in s0._fields:
        up = s0._replace(**{fl: getattr(s0, fl) + h})
        dn = s0._replace(**{fl: getattr(s0, fl) - h})
        ref.append((f(model, up, obs, 0.02) - f(model, dn, obs, 0.02)) / (2 * h))
    assert_close(list(g_state), ref, 1e-5, "d loss / d state")
    assert_close(list(fwd_state), list(g_state), 1e-10, "state fwd vs rev")
    # the Hessian with respect to the NamedTuple state: a State of States
    hess = ad.hessian(f, wrt=1)(model, s0, obs, 0.02)
    assert type(hess) is lup.State and type(hess.theta1) is lup.State
    hmat = np.array([list(row) for row in hess])
    assert_close(hmat, hmat.T, 1e-9, "pendulum Hessian symmetry")
    g = ad.grad(f, wrt=1)
    for col, fl in enumerate(s0._fields):
        up = s0._replace(**{fl: getattr(s0, fl) + 1e-5})
        dn = s0._replace(**{fl: getattr(s0, fl) - 1e-5})
        fd = np.array(list(g(model, up, obs, 0.02))) - np.array(list(g(model, dn, obs, 0.02)))
        assert_close(
            hmat[:, col],
            fd / 2e-5,
            1e-5,
            "pendulum Hessian",
            1e-5,
            scale=float(np.max(np.abs(hmat))),
        )


def test_robot_arm_jacobian():
    q = np.array([0.1, 0.3, -0.2, 0.5, 0.4, -0.1])
    lengths = np.array([1.0, 0.8, 0.6, 0.5, 0.3, 0.2])
    f = lup.arm_tip
    jf = ad.jacfwd(f)(q, lengths)
    jr = ad.jacrev(f)(q, lengths)
    assert jf.shape == jr.shape == (5, 6)
    ref = np.stack(
        [(f(q + 1e-7 * e, lengths) - f(q - 1e-7 * e, lengths)) / 2e-7 for e in np.eye(6)], axis=1
    )
    assert_close(jr, ref, 1e-5, "arm jacrev vs central differences", 1e-6)
    assert_close(jf, jr, 1e-10, "arm jacfwd vs jacrev")
    # with respect to both, and the vjp / jvp of one direction
    jl = ad.jacrev(f, wrt=(0, 1))(q, lengths)
    assert_close(jl[0], jr, 1e-12, "jacrev wrt (0, 1), block 0")
    refl = np.stack(
        [(f(q, lengths + 1e-7 * e) - f(q, lengths - 1e-7 * e)) / 2e-7 for e in np.eye(6)], axis=1
    )
    assert_close(jl[1], refl, 1e-5, "arm d/d lengths", 1e-6)
    out, pullback = ad.vjp(f, q, lengths)
    assert_same_value(out, f(q, lengths), "vjp of the arm")
    ct = np.array([1.0, -2.0, 0.5, 0.25, 3.0])
    bq, bl = pullback(ct)
    assert_close(bq, ct @ jr, 1e-10, "arm vjp q")
    assert_close(bl, ct @ jl[1], 1e-10, "arm vjp lengths")


def test_printed_progress_is_the_plain_calls(capsys):
    args = (*render_args(), True)
    lup.render_loss(*args)
    expected = capsys.readouterr().out
    assert expected.count("pixel") == 4
    runs = {
        "grad": lambda: ad.grad(lup.render_loss)(*args),
        "value_and_grad": lambda: ad.value_and_grad(lup.render_loss, wrt=(0, 1))(*args),
        "forward": lambda: ad.grad(lup.render_loss, wrt=1, mode="forward")(*args),
        "vjp": lambda: ad.vjp(lup.render_loss, *args)[1](1.0),
        "jvp": lambda: ad.jvp(lup.render_loss, args, (np.ones((3, 3)),) + (None,) * 5),
        "hessian": lambda: ad.hessian(lup.render_loss, wrt=2)(*args),
    }
    for api, run in runs.items():
        run()
        assert capsys.readouterr().out == expected, api


# ---------------------------------------------------------------------------
# export: the module `s2s-ad export` writes, run without the API
# ---------------------------------------------------------------------------


def _export(func, tmp_path, mode="value_and_gradient"):
    out = tmp_path / f"exported_{func}_{mode}.py"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(_HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "s2s_ad",
            "export",
            f"{_HERE / 'long_user_programs.py'}:{func}",
            "--mode",
            mode,
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return proc, out


def _load_exported(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_export_of_long_programs_gives_the_same_numbers(tmp_path):
    for key, func in (("pid_controller", "pid_cost"),):
        proc, out = _export(func, tmp_path)
        assert proc.returncode == 0, proc.stderr
        exported = _load_exported(out)
        f, make, _, _ = PROGRAMS[key]
        args = make()
        value, grad = getattr(exported, f"{func}_value_and_grad")(*args)
        v2, g2 = ad.value_and_grad(f)(*args)
        assert_same_value(value, f(*args), f"exported {func} value")
        assert_same_value(v2, value, f"exported {func} value against the API's")
        assert_close(flat(grad), flat(g2), 1e-12, f"exported {func} gradient")


# (until session 33 export refused a helper called twice with different arguments active,
# `cell_vjp` and `cell_vjp_1`: 'the name `rnn_cell_vjp` means two things')
@pytest.mark.parametrize("func", ["rnn_loss", "lstm_loss"])
def test_export_of_a_recurrent_helper_called_from_a_zero_state(tmp_path, func):
    # the first call's state is np.zeros: a constant, so that call's derivative differs
    proc, out = _export(func, tmp_path)
    assert proc.returncode == 0, proc.stderr
    exported = _load_exported(out)
    args = (
        lstm_args()
        if func == "lstm_loss"
        else (np.array([[0.3, -0.2], [0.1, 0.5]]), [np.array([1.0, 0.5]), np.array([-0.3, 0.2])])
    )
    value, grad = getattr(exported, f"{func}_value_and_grad")(*args)
    f = getattr(lup, func)
    assert_same_value(value, f(*args), "exported value")
    assert_close(flat(grad), flat(ad.grad(f)(*args)), 1e-12, "exported gradient")


def test_rnn_loss_derivatives_in_process():
    """The same recurrent program is right through the API (the export alone fails)."""
    w = np.array([[0.3, -0.2], [0.1, 0.5]])
    xs = [np.array([1.0, 0.5]), np.array([-0.3, 0.2])]
    g = ad.grad(lup.rnn_loss)(w, xs)
    ref = fd_grad(lup.rnn_loss, (w, xs), 0).reshape(2, 2)
    assert_close(g, ref, 1e-5, "rnn gradient")
    assert_close(ad.grad(lup.rnn_loss, mode="forward")(w, xs), g, 1e-10, "rnn forward")


# ---------------------------------------------------------------------------
# what the long programs found, in their smallest form
# ---------------------------------------------------------------------------

_NAMED = {"w1": np.array([1.0, 2.0]), "b1": np.array([0.5]), "w2": np.array([-0.3])}


def test_dict_loop_with_startswith_first_order():
    g = ad.grad(lup.decay_named)(_NAMED)
    assert_close(g["w1"], np.cos(_NAMED["w1"]), 1e-14, "w1")
    assert_close(g["b1"], np.zeros(1), 1e-14, "b1")
    gf = ad.grad(lup.decay_named, mode="forward")(_NAMED)
    assert_close(flat(gf), flat(g), 1e-14, "forward")


# (until session 33 hessian of `for name in p: if name.startswith('w'): ...` refused: 'no
# derivative rule for `startswith`, which is applied to a differentiated value')
@pytest.mark.parametrize("api", ["hessian", "jacfwd_of_grad"])
def test_dict_loop_with_startswith_second_order(api):
    if api == "hessian":
        hess = ad.hessian(lup.decay_named)(_NAMED)
    else:
        hess = ad.jacfwd(ad.grad(lup.decay_named))(_NAMED)
    assert_close(hess["w1"]["w1"], np.diag(-np.sin(_NAMED["w1"])), 1e-14, "w1 w1")
    assert_close(hess["b1"]["b1"], np.zeros((1, 1)), 1e-14, "b1 b1")
    assert_close(hess["w1"]["w2"], np.zeros((2, 1)), 1e-14, "w1 w2")


# (refused until session 33: the weight decay loops over the dict's keys with startswith)
def test_transformer_hessian_vector_product():
    p, x, y = transformer_args()
    v = rebuild(p, [np.ones_like(lf) for lf in leaves(p)])
    grads, hv = ad.hvp(lup.tiny_transformer_loss, (p, x, y), (v, None, None))
    g = ad.grad(lup.tiny_transformer_loss)
    assert_close(flat(grads), flat(g(p, x, y)), 1e-12, "hvp's gradient")
    h = 1e-5
    up = rebuild(p, [a + h for a in leaves(p)])
    dn = rebuild(p, [a - h for a in leaves(p)])
    fd = (flat(g(up, x, y)) - flat(g(dn, x, y))) / (2 * h)
    assert_close(flat(hv), fd, 1e-5, "transformer H v", 1e-5)


# (the warning blamed `print`, logging for a function with neither: its helper appends to a
# local list; it now names that statement)
def test_jit_fallback_warning_names_the_right_construct(caplog):
    pytest.importorskip("numba")
    u = np.array([0.3, 0.5, -0.2])
    with caplog.at_level(logging.WARNING, logger="s2s_ad"):
        g = ad.grad(lup.loss_with_list_helper, jit=True)(u)
    assert_close(g, 2.0 * u + np.array([0.0, 1.0, 0.0]), 1e-14, "jit gradient")
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "runs as NumPy code" in messages  # the fallback happened and was logged
    assert "print" not in messages and "logging" not in messages, messages
    # (until session 54 it named `out.append(u[i] * u[i])`, the helper's append to a list of
    # its own, as an effect; it names the helper's derivative Numba cannot compile now)
    assert "squares_by_append" in messages, messages


# ---------------------------------------------------------------------------
# random draws from a module-level generator (input noise, dropout in a helper)
# ---------------------------------------------------------------------------

_W = np.array([0.5, -0.3, 0.8, 1.1])
_X = np.array([1.0, 2.0, -1.0, 0.5])


def _draws_of_one_plain_call():
    """Reset the generator; return the draws one plain call makes and the state after."""
    lup.DROPOUT_RNG.bit_generator.state = np.random.default_rng(0).bit_generator.state
    noise = lup.DROPOUT_RNG.standard_normal(4)
    keep = lup.DROPOUT_RNG.random(4) > 0.3
    after = lup.DROPOUT_RNG.bit_generator.state
    lup.DROPOUT_RNG.bit_generator.state = np.random.default_rng(0).bit_generator.state
    return noise, keep, after


def test_noisy_loss_first_order_uses_the_plain_calls_draws():
    noise, keep, after = _draws_of_one_plain_call()
    ref = ad.grad(lup.noisy_loss_fixed)(_W, _X, noise, keep)
    fd = fd_grad(lup.noisy_loss_fixed, (_W, _X, noise, keep), 0)
    assert_close(ref, fd, 1e-5, "fixed-noise gradient vs central differences")
    runs = {
        "grad": lambda: ad.grad(lup.noisy_loss)(_W, _X),
        "value_and_grad": lambda: ad.value_and_grad(lup.noisy_loss)(_W, _X)[1],
        "forward": lambda: ad.grad(lup.noisy_loss, mode="forward")(_W, _X),
        "vjp": lambda: ad.vjp(lup.noisy_loss, _W, _X)[1](1.0)[0],
    }
    for api, run in runs.items():
        _draws_of_one_plain_call()
        assert_close(run(), ref, 1e-12, api)
        assert lup.DROPOUT_RNG.bit_generator.state == after, f"{api} drew another number"
    _draws_of_one_plain_call()
    _, t = ad.jvp(lup.noisy_loss, (_W, _X), (np.ones(4), None))
    assert_close(t, np.sum(ref), 1e-12, "jvp")


# (until session 33 second derivatives ran the dropout helper's forward sweep again, and
# jacrev(grad) the whole function, drawing other numbers: a wrong Hessian, no warning)
@pytest.mark.parametrize("api", ["hessian", "hvp", "jacfwd_of_grad", "jacrev_of_grad"])
def test_noisy_loss_second_order_uses_the_plain_calls_draws(api):
    noise, keep, after = _draws_of_one_plain_call()
    ref = ad.hessian(lup.noisy_loss_fixed)(_W, _X, noise, keep)
    g = ad.grad(lup.noisy_loss_fixed)
    fd = np.stack(
        [
            (g(_W + 1e-5 * e, _X, noise, keep) - g(_W - 1e-5 * e, _X, noise, keep)) / 2e-5
            for e in np.eye(4)
        ],
        axis=1,
    )
    assert_close(ref, fd, 1e-5, "fixed-noise Hessian vs differences", 1e-5)
    if api == "hessian":
        got = ad.hessian(lup.noisy_loss)(_W, _X)
    elif api == "hvp":
        got = ad.hvp(lup.noisy_loss, (_W, _X), (np.eye(4)[3], None))[1]
        ref = ref[:, 3]
    elif api == "jacfwd_of_grad":
        got = ad.jacfwd(ad.grad(lup.noisy_loss))(_W, _X)
    else:
        got = ad.jacrev(ad.grad(lup.noisy_loss))(_W, _X)
    assert_close(got, ref, 1e-10, f"{api} with the plain call's draws")
    assert lup.DROPOUT_RNG.bit_generator.state == after, f"{api} drew other numbers"
