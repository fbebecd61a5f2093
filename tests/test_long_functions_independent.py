# ruff: noqa: E501, E731, SIM103, B905

"""Long user functions (tests/long_programs_independent.py) through every API of s2s_ad.

An independent tester's checks, written from the README and issue 19 only: gradients against
central differences, forward against reverse mode, the value against the plain call, second
derivatives against differences of the gradient, and the derivative source compiling.
"""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

import s2s_ad as ad
from tests import long_programs_independent as P

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


# --------------------------------------------------------------------------- pytrees


def _is_float_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True
    if isinstance(v, np.ndarray):
        return np.issubdtype(v.dtype, np.floating)
    if isinstance(v, np.floating):
        return True
    return False


def flatten(tree):
    """The float leaves of a tree of tuples, lists and dicts, in a fixed order."""
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out += flatten(tree[k])
        return out
    if isinstance(tree, (list, tuple)):
        out = []
        for v in tree:
            out += flatten(v)
        return out
    return [tree] if _is_float_leaf(tree) else []


def to_vec(tree):
    leaves = flatten(tree)
    if not leaves:
        return np.zeros(0)
    return np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for v in leaves])


def from_vec(tree, vec):
    """A tree like `tree` with its float leaves replaced from `vec` (same order as flatten)."""
    pos = [0]

    def rebuild(t):
        if isinstance(t, dict):
            return _dict_rebuild(t)
        if isinstance(t, tuple):
            return tuple(rebuild(v) for v in t)
        if isinstance(t, list):
            return [rebuild(v) for v in t]
        if _is_float_leaf(t):
            if isinstance(t, np.ndarray):
                n = t.size
                v = vec[pos[0] : pos[0] + n].reshape(t.shape).astype(t.dtype)
                pos[0] += n
                return v
            v = float(vec[pos[0]])
            pos[0] += 1
            return v
        return t

    def _dict_rebuild(t):
        new = {}
        for k in sorted(t):
            new[k] = rebuild(t[k])
        return {k: new[k] for k in t}

    return rebuild(tree)


# --------------------------------------------------------------------------- cases


@dataclasses.dataclass
class Case:
    name: str
    fn: object
    make: object  # () -> tuple of arguments
    wrt: tuple
    second: bool = False
    vector_out: bool = False


def _rng(seed):
    return np.random.default_rng(seed)


def _mlp_args():
    r = _rng(3)
    x = r.standard_normal((5, 3))
    y = np.eye(3)[[0, 1, 2, 1, 0]]
    return (
        r.standard_normal((3, 4)) * 0.5,
        r.standard_normal(4) * 0.1,
        r.standard_normal((4, 4)) * 0.5,
        r.standard_normal(4) * 0.1,
        r.standard_normal((4, 3)) * 0.5,
        r.standard_normal(3) * 0.1,
        x,
        y,
    )


def _gru_args():
    r = _rng(4)
    n, m = 3, 2
    mats = [r.standard_normal(s) * 0.4 for s in [(n, m), (n, n), (n, m), (n, n), (n, m), (n, n)]]
    bs = [r.standard_normal(n) * 0.1 for _ in range(3)]
    xs = [r.standard_normal(m) for _ in range(4)]
    return (*mats, *bs, xs)


def _kalman_args():
    r = _rng(5)
    obs = np.cumsum(r.standard_normal(6) * 0.3)
    return (0.5, 0.2, obs, np.array([0.1, 0.2]))


def _lstm_args():
    r = _rng(6)
    n, m = 2, 3
    return (
        r.standard_normal((4 * n, m)) * 0.4,
        r.standard_normal((4 * n, n)) * 0.4,
        r.standard_normal(4 * n) * 0.1,
        r.standard_normal((4, m)),
        r.standard_normal(n) * 0.1,
        r.standard_normal(n) * 0.1,
    )


def _attn_args():
    r = _rng(7)
    d = 3
    return (
        r.standard_normal((d, d)) * 0.5,
        r.standard_normal((d, d)) * 0.5,
        r.standard_normal((d, d)) * 0.5,
        r.standard_normal((d, d)) * 0.5,
        1.0 + 0.1 * r.standard_normal(d),
        0.1 * r.standard_normal(d),
        r.standard_normal((4, d)),
    )


def _containers_args():
    r = _rng(8)
    layers = [
        (r.standard_normal((3, 4)) * 0.5, r.standard_normal(4) * 0.1),
        (r.standard_normal((4, 2)) * 0.5, r.standard_normal(2) * 0.1),
    ]
    return ({"layers": layers, "scales": {"out": 1.5, "hid": 0.5}}, r.standard_normal((5, 3)))


def _portfolio_args():
    r = _rng(9)
    a = r.standard_normal((4, 4)) * 0.3
    return (
        r.standard_normal(4) * 0.3,
        np.array([0.05, 0.08, 0.03, 0.1]),
        a @ a.T + 0.1 * np.eye(4),
        2.0,
    )


CASES = [
    Case(
        "rk4_lorenz",
        P.rk4_lorenz,
        lambda: (np.array([1.0, 1.5, 2.0]), 10.0, 28.0, 8.0 / 3.0),
        (0, 1, 2, 3),
        True,
    ),
    Case("dopri5_vdp", P.dopri5_vdp, lambda: (np.array([1.2, -0.3]), 0.8), (0, 1), True),
    Case("mlp_loss", P.mlp_loss, _mlp_args, (0, 1, 2, 3, 4, 5), False),
    Case("gru_sequence", P.gru_sequence, _gru_args, tuple(range(10)), False),
    Case(
        "bs_atm",
        P.bs_price_with_branches,
        lambda: (100.0, 98.0, 0.75, 0.03, 0.35),
        (0, 1, 2, 3, 4),
        True,
    ),
    Case(
        "bs_itm",
        P.bs_price_with_branches,
        lambda: (130.0, 100.0, 0.5, 0.02, 0.2),
        (0, 1, 2, 3, 4),
        True,
    ),
    Case(
        "bs_otm",
        P.bs_price_with_branches,
        lambda: (70.0, 100.0, 1.5, 0.01, 0.25),
        (0, 1, 2, 3, 4),
        False,
    ),
    Case(
        "crr_american_put",
        P.crr_american_put,
        lambda: (97.3, 100.0, 0.8, 0.04, 0.3),
        (0, 3, 4),
        False,
    ),
    Case(
        "robertson",
        P.robertson_kinetics,
        lambda: (np.array([1.0, 0.2, 0.1]), np.log(np.array([0.4, 3.0, 1.5, 0.2]))),
        (0, 1),
        True,
    ),
    Case(
        "biquad",
        P.biquad_filter_energy,
        lambda: (
            np.sin(np.arange(12) * 0.7) + 0.1 * np.arange(12),
            np.array([0.2, 0.3, 0.1]),
            np.array([-0.4, 0.1]),
        ),
        (0, 1, 2),
        True,
    ),
    Case(
        "many_term_loss",
        P.many_term_loss,
        lambda: (
            {
                "w": np.array([0.3, -0.2, 0.8, 1.1, -0.6]),
                "s": np.array([0.9, 1.2, 0.7, 1.4, 1.05]),
                "off": 0.15,
            },
            np.array([0.1, 0.9, -0.4, 1.6, 0.05]),
        ),
        (0,),
        True,
    ),
    Case(
        "nbody",
        P.nbody_leapfrog,
        lambda: (
            np.array([[0.0, 0.0], [1.0, 0.1], [-0.3, 0.9]]),
            np.array([[0.0, 0.1], [-0.2, 0.3], [0.1, -0.4]]),
            np.array([1.0, 0.5, 0.3]),
        ),
        (0, 1, 2),
        False,
    ),
    Case(
        "branchy",
        P.branchy_piecewise,
        lambda: (np.array([1.5, 0.4, -0.5, -1.7, 0.9, 2.2]), 0.7),
        (0, 1),
        True,
    ),
    Case(
        "unit_shapes",
        P.unit_shapes,
        lambda: (np.array([0.4]), np.array([[0.7]]), np.array([0.1, -0.3, 0.5]), 1.3),
        (0, 1, 2, 3),
        True,
    ),
    Case(
        "int_inputs",
        P.int_inputs,
        lambda: (np.array([0.3, -0.4, 1.1, 0.6]), 5, np.array([0, 2, 3, 2]), 2),
        (0,),
        True,
    ),
    Case(
        "helper_heavy",
        P.helper_heavy,
        lambda: (np.array([0.3, -0.7, 1.2]), np.array([0.5, 0.1, -0.4])),
        (0, 1),
        True,
    ),
    Case(
        "reassign_chain",
        P.reassign_chain,
        lambda: (np.array([0.3, -0.5, 0.8]), np.array([0.2, 0.9, -0.4])),
        (0, 1),
        True,
    ),
    Case(
        "heat_equation",
        P.heat_equation,
        lambda: (np.sin(np.linspace(0, np.pi, 8)) + 0.1, 0.8, 0.3),
        (0, 1, 2),
        False,
    ),
    Case("kalman", P.kalman_nll, _kalman_args, (0, 1, 3), False),
    Case("newton", P.newton_sqrt_cubic, lambda: (3.0, 1.0), (0,), True),
    Case(
        "adam_unrolled",
        P.adam_unrolled,
        lambda: (
            np.array([0.5, -0.3]),
            0.05,
            np.array([[2.0, 0.3], [0.1, 1.0], [0.5, 0.5]]),
            np.array([1.0, -0.5, 0.2]),
        ),
        (0, 1, 2, 3),
        False,
    ),
    Case("lstm", P.lstm_written, _lstm_args, (0, 1, 2, 3, 4, 5), False),
    Case("attention", P.attention_block, _attn_args, (0, 1, 2, 3, 4, 5, 6), False),
    Case(
        "chebyshev",
        P.chebyshev_unrolled,
        lambda: (np.array([0.3, -0.6, 0.9]), np.linspace(1.0, -0.5, 13)),
        (0, 1),
        True,
    ),
    Case(
        "dead_code",
        P.dead_code_heavy,
        lambda: (np.array([0.4, -0.2]), np.array([0.7, 1.1])),
        (0, 1),
        True,
    ),
    Case("sir_rk4", P.sir_rk4, lambda: (0.4, 0.1, np.array([0.97, 0.03, 0.0])), (0, 1, 2), True),
    Case(
        "fir",
        P.fir_by_hand,
        lambda: (
            np.cos(np.arange(10) * 0.9) + 0.05 * np.arange(10),
            np.array([0.5, -0.3, 0.2, 0.1]),
        ),
        (0, 1),
        False,
    ),
    Case("portfolio", P.portfolio_objective, _portfolio_args, (0, 1, 2, 3), True),
    Case(
        "inplace_ops",
        P.inplace_ops,
        lambda: (np.array([0.3, 1.2, -0.4, 0.8, 0.55]), 1.3),
        (0, 1),
        True,
    ),
    Case("containers_mix", P.containers_mix, _containers_args, (0, 1), True),
    Case(
        "long_straight_line",
        P.long_straight_line,
        lambda: (np.array([0.3, -0.2, 0.5]), np.linspace(0.2, 0.9, 10)),
        (0, 1),
        True,
    ),
    Case(
        "generated_300",
        P.generated_300,
        lambda: (np.array([0.3, -0.4, 0.7]), np.array([0.8, 0.5, -0.3])),
        (0, 1),
        True,
    ),
    Case(
        "formatting_oddities",
        P.formatting_oddities,
        lambda: (np.array([0.3, -0.4, 0.7]), 0.6),
        (0, 1),
        True,
    ),
    Case("event_hit", P.event_integrator, lambda: (1.0, 2.0, -0.5), (0, 1, 2), True),
    Case("event_miss", P.event_integrator, lambda: (1.0, 2.0, -5.0), (0, 1), True),
    Case(
        "spline_eval",
        P.spline_eval,
        lambda: (np.array([0.05, 0.33, 0.61, 0.97]), np.array([0.1, 0.5, -0.2, 0.7, 0.3])),
        (0, 1),
        True,
    ),
    Case("multi_return_a", P.multi_return, lambda: (np.array([0.3, 0.5, -0.2]), 0.7), (0, 1), True),
    Case("multi_return_b", P.multi_return, lambda: (np.array([0.3, 0.5, -0.2]), 1.7), (0, 1), True),
    Case(
        "multi_return_c", P.multi_return, lambda: (np.array([0.3, 6.5, -0.2]), 0.7), (0, 1), False
    ),
    Case(
        "multi_return_d", P.multi_return, lambda: (np.array([-0.3, -0.5, -0.2]), 0.7), (0, 1), True
    ),
    Case(
        "cse_across_branches",
        P.cse_across_branches,
        lambda: (np.array([0.3, 0.5]), np.array([0.2, -0.1])),
        (0, 1),
        True,
    ),
    Case(
        "dict_state_loop",
        P.dict_state_loop,
        lambda: ({"p": 0.3, "q": 0.1, "e": 0.0}, np.array([0.1, 0.5, -0.3, 0.2])),
        (0, 1),
        True,
    ),
    Case(
        "lorenz_checkpointed",
        P.lorenz_checkpointed,
        lambda: (np.array([1.0, 1.5, 2.0]), 10.0, 28.0, 8.0 / 3.0),
        (0, 1, 2, 3),
        True,
    ),
    Case(
        "many_args",
        P.many_args,
        lambda: tuple(0.1 * i + 0.2 for i in range(12)),
        tuple(range(12)),
        True,
    ),
    Case(
        "nested_loops_break",
        P.nested_loops_break,
        lambda: (np.array([0.3, 1.5, 0.7, 2.5, 0.1]), 1.1),
        (0, 1),
        True,
    ),
    Case(
        "tuple_state_rnn",
        P.tuple_state_rnn,
        lambda: (
            _rng(0).standard_normal((8, 4)) * 0.5,
            [np.array([0.3, -0.2]), np.array([0.5, 0.1]), np.array([-0.4, 0.6])],
        ),
        (0, 1),
        True,
    ),
    Case(
        "list_ops",
        P.list_ops,
        lambda: (
            [np.array([0.3, 0.5]), np.array([0.1, -0.2]), np.array([0.7, 0.4])],
            [np.array([1.3, 0.5]), np.array([0.1, -1.2]), np.array([0.2, 0.4])],
        ),
        (0, 1),
        True,
    ),
    Case(
        "collide_names",
        P.collide_names,
        lambda: (np.array([0.3, 0.4, 0.7]), np.array([0.5, 1.2, 0.9])),
        (0, 1),
        True,
    ),
    Case(
        "negative_powers",
        P.negative_powers,
        lambda: (np.array([0.3, 0.4, 0.7]), np.array([0.5, 1.2, 0.9])),
        (0, 1),
        True,
    ),
    Case("literal_chain", P.literal_chain, lambda: (np.array([0.3, 0.4, 0.7]),), (0,), True),
    Case(
        "static_method",
        P.Model.loss_static,
        lambda: (np.array([0.3, 0.4, 0.7]), np.array([0.5, 1.2, 0.9])),
        (0, 1),
        True,
    ),
    Case("defined_in_if", P.defined_in_if, lambda: (np.array([0.3, 0.4, 0.7]),), (0,), True),
    Case("lambda_in_tuple", P.two_lambdas[1], lambda: (np.array([0.3, 0.4, 0.7]),), (0,), True),
    Case("one_liner", P.one_liner, lambda: (np.array([0.3, 0.4, 0.7]),), (0,), True),
    Case(
        "docstring_code", P.with_docstring_code, lambda: (np.array([0.3, 0.4, 0.7]),), (0,), False
    ),
    Case(
        "invariant_traps",
        P.invariant_traps,
        lambda: (np.array([0.3, 0.5]), 0.1, 0.7),
        (0, 1, 2),
        True,
    ),
    Case(
        "array_mutated_in_loop",
        P.array_mutated_in_loop,
        lambda: (np.array([0.3, 0.5, 0.2]), np.array([0.9, 0.8, 1.1])),
        (0, 1),
        True,
    ),
    Case("adaptive_while", P.adaptive_while, lambda: (1.0, 3.0, 1e-3), (0, 1), True),
    Case(
        "overlapping_slices", P.overlapping_slices, lambda: (np.linspace(0.2, 1.3, 6),), (0,), True
    ),
    Case(
        "branch_reassigned_invariant",
        P.branch_reassigned_invariant,
        lambda: (np.array([0.3, 0.6]), 0.8),
        (0, 1),
        True,
    ),
    Case(
        "pendulum_states",
        P.pendulum_states,
        lambda: (np.array([9.0, 0.3, 0.8]),),
        (0,),
        False,
        True,
    ),
]

SCALAR_CASES = [c for c in CASES if not c.vector_out]
SECOND_CASES = [c for c in CASES if c.second]
IDS = lambda c: c.name

PENDING = {}


def _pending(case, test):
    reason = PENDING.get((case.name, test))
    if reason:
        pytest.xfail(reason)


# --------------------------------------------------------------------------- finite differences


def fd_grad(f, args, wrt, h=1e-6):
    """Central differences of a scalar f w.r.t. args[wrt] (any float tree): a flat vector."""
    base = args[wrt]
    v0 = to_vec(base)
    g = np.zeros_like(v0)
    for k in range(v0.size):
        vp = v0.copy()
        vm = v0.copy()
        step = h * max(1.0, abs(v0[k]))
        vp[k] += step
        vm[k] -= step
        ap = list(args)
        am = list(args)
        ap[wrt] = from_vec(base, vp)
        am[wrt] = from_vec(base, vm)
        g[k] = (f(*ap) - f(*am)) / (2 * step)
    return g


def _close(a, b, rtol, atol, what):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: shapes {a.shape} vs {b.shape}"
    assert np.all(np.isfinite(a)), f"{what}: non-finite {a}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("case", SCALAR_CASES, ids=IDS)
def test_grad_matches_central_differences(case):
    _pending(case, "fd")
    args = case.make()
    grads = ad.grad(case.fn, wrt=case.wrt)(*args)
    assert isinstance(grads, tuple) and len(grads) == len(case.wrt)
    for i, g in zip(case.wrt, grads):
        # gradient has the argument's structure
        assert type(g) is type(args[i]) or (isinstance(args[i], float) and isinstance(g, float)), (
            type(g),
            type(args[i]),
        )
        if isinstance(args[i], np.ndarray):
            assert g.shape == args[i].shape and g.dtype == args[i].dtype
        ref = fd_grad(case.fn, args, i)
        _close(to_vec(g), ref, 1e-5, 1e-7, f"{case.name} d/d arg{i}")


@pytest.mark.parametrize("case", SCALAR_CASES, ids=IDS)
def test_value_and_grad_value_is_plain_call(case):
    _pending(case, "value")
    args = case.make()
    plain = case.fn(*args)
    value, grads = ad.value_and_grad(case.fn, wrt=case.wrt)(*args)
    assert np.asarray(value).dtype == np.asarray(plain).dtype
    assert value == plain, (value, plain)
    # the gradient of value_and_grad is grad's, bit for bit
    grads2 = ad.grad(case.fn, wrt=case.wrt)(*args)
    np.testing.assert_array_equal(to_vec(grads), to_vec(grads2))


@pytest.mark.parametrize("case", SCALAR_CASES, ids=IDS)
def test_forward_mode_grad_matches_reverse(case):
    _pending(case, "forward")
    args = case.make()
    rev = ad.grad(case.fn, wrt=case.wrt)(*args)
    fwd = ad.grad(case.fn, wrt=case.wrt, mode="forward")(*args)
    _close(to_vec(fwd), to_vec(rev), 1e-10, 1e-12, f"{case.name}: forward vs reverse")
    value_f, _ = ad.value_and_grad(case.fn, wrt=case.wrt, mode="forward")(*args)
    assert value_f == case.fn(*args)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jvp_vjp_dot_product(case):
    """<J v, u> = <v, J^T u> with random v over all differentiated arguments, and the values."""
    _pending(case, "dot")
    args = case.make()
    r = _rng(42)
    tangents = []
    for i, a in enumerate(args):
        if i in case.wrt:
            vec = r.standard_normal(to_vec(a).size)
            tangents.append(from_vec(a, vec))
        else:
            tangents.append(None)
    plain = case.fn(*args)
    out, jv = ad.jvp(case.fn, tuple(args), tuple(tangents))
    np.testing.assert_array_equal(out, plain)
    out2, pullback = ad.vjp(case.fn, *args)
    np.testing.assert_array_equal(out2, plain)
    u = r.standard_normal(np.shape(plain))
    if np.ndim(plain) == 0:
        u = float(u)
    cts = pullback(u)
    assert len(cts) == len(args)
    lhs = float(np.sum(np.asarray(jv) * u))
    rhs = 0.0
    for i in case.wrt:
        rhs += float(to_vec(cts[i]) @ to_vec(tangents[i]))
    assert np.isclose(lhs, rhs, rtol=1e-10, atol=1e-12), (lhs, rhs)
    # the pullback is reusable and linear in its cotangent
    again = pullback(u)
    twice = pullback(2.0 * u)
    for i in case.wrt:
        np.testing.assert_array_equal(to_vec(again[i]), to_vec(cts[i]))
        np.testing.assert_allclose(to_vec(twice[i]), 2.0 * to_vec(cts[i]), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("case", [c for c in CASES if c.vector_out], ids=IDS)
def test_jacfwd_jacrev_and_fd(case):
    args = case.make()
    jf = ad.jacfwd(case.fn)(*args)
    jr = ad.jacrev(case.fn)(*args)
    ja = ad.jacobian(case.fn)(*args)
    _close(jf, jr, 1e-10, 1e-12, "jacfwd vs jacrev")
    _close(ja, jr, 1e-10, 1e-12, "jacobian vs jacrev")
    x = args[0]
    h = 1e-6
    cols = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h
        cols.append((case.fn(x + e, *args[1:]) - case.fn(x - e, *args[1:])) / (2 * h))
    _close(jf, np.stack(cols, axis=-1), 1e-5, 1e-7, "jacfwd vs central differences")


@pytest.mark.parametrize("case", SECOND_CASES, ids=IDS)
def test_hessian_matches_differences_of_gradient(case):
    _pending(case, "hessian")
    args = case.make()
    i = case.wrt[0]
    a = args[i]
    if not isinstance(a, (float, np.ndarray)):
        pytest.skip("structured first argument: checked by grad of grad below")
    H = ad.hessian(case.fn, wrt=i)(*args)
    n = to_vec(a).size
    H2 = np.asarray(H, dtype=np.float64).reshape(n, n)
    g = ad.grad(case.fn, wrt=i)
    v0 = to_vec(a)
    ref = np.zeros((n, n))
    for k in range(n):
        h = 1e-5 * max(1.0, abs(v0[k]))
        vp, vm = v0.copy(), v0.copy()
        vp[k] += h
        vm[k] -= h
        ap, am = list(args), list(args)
        ap[i] = from_vec(a, vp)
        am[i] = from_vec(a, vm)
        ref[:, k] = (to_vec(g(*ap)) - to_vec(g(*am))) / (2 * h)
    _close(H2, ref, 1e-5, 1e-6, f"{case.name}: hessian vs differences of grad")
    _close(H2, H2.T, 1e-9, 1e-10, f"{case.name}: hessian symmetric")


@pytest.mark.parametrize("case", SECOND_CASES, ids=IDS)
def test_grad_of_grad_direction(case):
    """d/dt <grad f(x + t v), w> by grad of a scalar function of the gradient vs hvp."""
    _pending(case, "gradgrad")
    args = case.make()
    i = case.wrt[-1]
    a = args[i]
    r = _rng(7)
    n = to_vec(a).size
    v = from_vec(a, r.standard_normal(n))
    _, hv = ad.hvp(case.fn, tuple(args), tuple(v if j == i else None for j in range(len(args))))
    hv_vec = to_vec(
        hv[i] if isinstance(hv, tuple) and len(hv) == len(args) and not isinstance(a, tuple) else hv
    )
    g = ad.grad(case.fn, wrt=i)
    v0 = to_vec(a)
    vv = to_vec(v)
    h = 1e-5
    ap, am = list(args), list(args)
    ap[i] = from_vec(a, v0 + h * vv)
    am[i] = from_vec(a, v0 - h * vv)
    ref = (to_vec(g(*ap)) - to_vec(g(*am))) / (2 * h)
    _close(hv_vec, ref, 1e-5, 1e-6, f"{case.name}: hvp vs differences")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_derivative_source_compiles(case):
    args = case.make()
    modes = ["reverse", "forward"]
    for mode in modes:
        src = ad.derivative_source(case.fn, mode)
        assert case.fn.__name__.strip("<>") in src
        compile(src, f"<{case.name}-{mode}>", "exec")
    if not case.vector_out:
        src = ad.derivative_source(case.fn, "gradient", wrt=case.wrt[0], args=args)
        compile(src, f"<{case.name}-gradient>", "exec")
    ssa = ad.ssa_source(case.fn)
    compile(ssa, f"<{case.name}-ssa>", "exec")


@pytest.mark.parametrize("case", SECOND_CASES[:4], ids=IDS)
def test_hessian_source_compiles(case):
    src = ad.derivative_source(case.fn, "hessian")
    compile(src, f"<{case.name}-hessian>", "exec")


# --------------------------------------------------------------------------- dtypes


def test_float32_gradient_dtype_and_values():
    r = _rng(11)
    w = (r.standard_normal((3, 4)) * 0.5).astype(np.float32)
    x = r.standard_normal(4).astype(np.float32)
    b = (r.standard_normal(3) * 0.1).astype(np.float32)
    gw, gb = ad.grad(P.float32_layer, wrt=(0, 2))(w, x, b)
    assert gw.dtype == np.float32 and gb.dtype == np.float32
    gw64, gb64 = ad.grad(P.float32_layer, wrt=(0, 2))(
        w.astype(np.float64), x.astype(np.float64), b.astype(np.float64)
    )
    np.testing.assert_allclose(gw, gw64, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gb, gb64, rtol=1e-4, atol=1e-5)
    value, _ = ad.value_and_grad(P.float32_layer)(w, x, b)
    plain = P.float32_layer(w, x, b)
    assert value == plain and np.asarray(value).dtype == np.asarray(plain).dtype
    gf = ad.grad(P.float32_layer, mode="forward")(w, x, b)
    assert gf.dtype == np.float32
    np.testing.assert_allclose(gf, gw, rtol=1e-5, atol=1e-6)


def test_integer_argument_refused_and_held_fixed():
    args = (np.array([0.3, -0.4, 1.1, 0.6]), 5, np.array([0, 2, 3, 2]), 2)
    with pytest.raises(ad.S2SError):
        ad.grad(P.int_inputs, wrt=1)(*args)
    _, pullback = ad.vjp(P.int_inputs, *args)
    cts = pullback(1.0)
    assert cts[1] is None and cts[2] is None and cts[3] is None
    np.testing.assert_allclose(cts[0], ad.grad(P.int_inputs)(*args), rtol=0, atol=0)


def test_unit_shapes_gradient_shapes():
    a, b, c, s = np.array([0.4]), np.array([[0.7]]), np.array([0.1, -0.3, 0.5]), 1.3
    ga, gb, gc, gs = ad.grad(P.unit_shapes, wrt=(0, 1, 2, 3))(a, b, c, s)
    assert ga.shape == (1,) and gb.shape == (1, 1) and gc.shape == (3,) and isinstance(gs, float)


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(
    "func,args",
    [
        ("rk4_lorenz", ["np.array([1.0, 1.5, 2.0])", "10.0", "28.0", "8.0/3.0"]),
        ("long_straight_line", ["np.array([0.3, -0.2, 0.5])", "np.linspace(0.2, 0.9, 10)"]),
    ],
)
def test_cli_show_and_check(func, args):
    path = os.path.join(HERE, "long_programs_independent.py")
    env = dict(os.environ, PYTHONPATH=ROOT)
    show = subprocess.run(
        [sys.executable, "-m", "s2s_ad", "show", f"{path}:{func}", "--args", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert show.returncode == 0, show.stderr
    compile(show.stdout, "<cli-show>", "exec")
    check = subprocess.run(
        [sys.executable, "-m", "s2s_ad", "check", f"{path}:{func}", "--args", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert check.returncode == 0, check.stdout + check.stderr


# --------------------------------------------------------------------------- values, prints, methods


def test_cancelling_literals_value_bit_for_bit():
    x = np.array([0.3, 0.4, 0.7, 1.1])
    plain = P.cancelling_literals(x)
    value, g = ad.value_and_grad(P.cancelling_literals)(x)
    assert value == plain
    value_f, _ = ad.value_and_grad(P.cancelling_literals, mode="forward")(x)
    assert value_f == plain
    out, _ = ad.jvp(P.cancelling_literals, (x,), (np.ones_like(x),))
    assert out == plain
    # d/dx of each term is 0.3, 1, 1, 0.3, 1 (the 1e16 term is exactly 1 by the chain rule)
    np.testing.assert_allclose(g, np.full(4, 3.6), rtol=1e-12)


def test_prints_of_multiline_strings_same_as_plain(capsys):
    x = np.array([0.3, 0.4, 0.7])
    plain = P.multiline_strings(x)
    expected = capsys.readouterr().out
    assert expected == "a multi-line\nmessage # not a comment|"
    value, g = ad.value_and_grad(P.multiline_strings)(x)
    assert capsys.readouterr().out == expected
    assert value == plain
    np.testing.assert_allclose(g, 4.0 * x, rtol=1e-14)
    ad.grad(P.multiline_strings, mode="forward")(x)
    assert capsys.readouterr().out == expected
    for mode in ("reverse", "forward", "gradient"):
        src = (
            ad.derivative_source(P.multiline_strings, mode)
            if mode != "gradient"
            else ad.derivative_source(P.multiline_strings, mode, args=(x,))
        )
        compile(src, "<multiline>", "exec")


def test_bound_method_gradient():
    m = P.Model(np.array([[0.5, 0.1, 0.0], [0.2, -0.3, 0.4], [0.0, 0.1, 0.6]]))
    x = np.array([0.3, 0.4, 0.7])
    g = ad.grad(m.loss_method)(x)
    ref = fd_grad(lambda x: m.loss_method(x), (x,), 0)
    np.testing.assert_allclose(g, ref, rtol=1e-5, atol=1e-7)
    gw = ad.grad(P.Model.loss_method)(m, x)  # gradient with respect to the object
    assert isinstance(gw, P.Model)
    ref_w = fd_grad(lambda w: P.Model(w).loss_method(x), (m.w,), 0)
    np.testing.assert_allclose(gw.w.ravel(), ref_w, rtol=1e-5, atol=1e-7)


def test_keyword_only_argument_of_function_defined_in_if():
    x = np.array([0.3, 0.4, 0.7])
    g = ad.grad(P.defined_in_if)(x, k=0.25)
    s = P.GRAVITY * 0.2
    np.testing.assert_allclose(g, np.cos(x * s * 0.25) * s * 0.25, rtol=1e-13)


def test_runtime_error_names_line_after_unicode_names():
    with pytest.raises(ad.S2SError) as info:
        ad.grad(P.unicode_then_error)(0.5)
    lines, start = __import__("inspect").getsourcelines(P.unicode_then_error)
    line = start + next(i for i, t in enumerate(lines) if "r = math.sqrt" in t)
    msg = str(info.value)
    assert f"long_programs_independent.py:{line}" in msg, msg
    assert "r = math.sqrt(β * δ)" in msg, msg


# --------------------------------------------------------------------------- refusals


def _line_of(fn, needle):
    import inspect

    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, t in enumerate(lines) if needle in t)


@pytest.mark.parametrize(
    "fn,needle",
    [
        (P.refused_late_global, "global GRAVITY"),
        (P.refused_late_try, "try:"),
        (P.refused_late_walrus, "(n :="),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
@pytest.mark.parametrize("api", ["grad", "forward", "hessian", "source"])
def test_refused_construct_names_file_and_line(fn, needle, api):
    x = np.array([0.3, 0.4])
    with pytest.raises(ad.S2SError) as info:
        if api == "grad":
            ad.grad(fn)(x)
        elif api == "forward":
            ad.jvp(fn, (x,), (np.ones(2),))
        elif api == "hessian":
            ad.hessian(fn)(x)
        else:
            ad.derivative_source(fn)
    msg = str(info.value)
    assert f"long_programs_independent.py:{_line_of(fn, needle)}:" in msg, msg


def test_cli_refusal_is_one_line_exit_2():
    path = os.path.join(HERE, "long_programs_independent.py")
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run(
        [sys.executable, "-m", "s2s_ad", "show", f"{path}:refused_late_try"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert res.returncode == 2
    err = (res.stderr + res.stdout).strip()
    assert len(err.splitlines()) == 1, err
    assert f"long_programs_independent.py:{_line_of(P.refused_late_try, 'try:')}" in err


# --------------------------------------------------------------------------- jit


@pytest.mark.parametrize("name", ["newton", "bs_atm", "many_args"])
def test_jit_gradient_equals_numpy_code(name):
    pytest.importorskip("numba")
    case = next(c for c in CASES if c.name == name)
    args = case.make()
    gj = ad.grad(case.fn, wrt=case.wrt, jit=True)(*args)
    g = ad.grad(case.fn, wrt=case.wrt)(*args)
    np.testing.assert_allclose(to_vec(gj), to_vec(g), rtol=1e-14, atol=0)
