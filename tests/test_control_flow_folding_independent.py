"""Independent tests of derivatives through control flow whose flags and tests fold.

Written from the README and issue 19 alone. Each program (in
``control_flow_folding_programs_independent.py``) is checked for: ``grad`` in both modes
against central differences, forward against reverse (``grad`` of both modes, ``jvp``
against ``vjp`` by the dot-product test, ``jacfwd`` against ``jacrev``), the value of
``value_and_grad``, ``jvp`` and ``vjp`` equal to the plain call, and for some programs
``hessian`` against central differences of the gradient.
"""

import numpy as np
import pytest

import s2s_ad as ad
from tests import control_flow_folding_programs_independent as P

H = 1e-6
RTOL_FD = 1e-6
ATOL_FD = 1e-8
RTOL_MODES = 1e-10
ATOL_MODES = 1e-12


def _as_tuple(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def _shift(args, i, delta):
    """args with args[i] moved by delta (same shape as args[i])."""
    out = list(args)
    a = args[i]
    out[i] = a + delta if isinstance(a, np.ndarray) else float(a + delta)
    return tuple(out)


def _central(f, args, i):
    a = args[i]
    if isinstance(a, np.ndarray):
        g = np.zeros(a.shape)
        for idx in np.ndindex(a.shape):
            e = np.zeros(a.shape)
            e[idx] = H
            g[idx] = (f(*_shift(args, i, e)) - f(*_shift(args, i, -e))) / (2 * H)
        return g
    return (f(*_shift(args, i, H)) - f(*_shift(args, i, -H))) / (2 * H)


def _central_jac_of_grad(g, args, i, j):
    """d(grad_i)/d(args_j) by central differences of a gradient function."""
    a = args[j]
    if isinstance(a, np.ndarray):
        cols = []
        for idx in np.ndindex(a.shape):
            e = np.zeros(a.shape)
            e[idx] = H
            gp = np.asarray(g(*_shift(args, j, e)))
            gm = np.asarray(g(*_shift(args, j, -e)))
            cols.append((gp - gm) / (2 * H))
        stacked = np.stack(cols, axis=-1)
        return stacked.reshape(np.shape(args[i]) + a.shape)
    return (np.asarray(g(*_shift(args, j, H))) - np.asarray(g(*_shift(args, j, -H)))) / (2 * H)


# (id, function, arguments, wrt, check hessian)
X4 = np.array([0.3, -0.4, 0.9, 0.2])
X5 = np.array([0.7, 0.5, 1.1, -0.3, 0.4])
CASES = [
    ("cumsum_until_breaks", P.cumsum_until, (np.array([0.8, 1.1, 0.9, 1.2]),), 0, True),
    ("cumsum_until_else", P.cumsum_until, (np.array([0.3, 0.2, 0.4]),), 0, True),
    ("skip_negative", P.skip_negative, (X4,), 0, True),
    ("nested_return_inner", P.nested_return, (0.9, 4), 0, True),
    ("nested_return_falls_through", P.nested_return, (-0.7, 3), 0, True),
    ("newton_sqrt", P.newton_sqrt, (2.3,), 0, True),
    ("while_tol", P.while_tol, (3.7,), 0, True),
    ("user_flag", P.user_flag, (0.8,), 0, True),
    ("while_else_no_break", P.while_else, (0.4,), 0, True),
    ("while_else_breaks", P.while_else_breaks, (0.35,), 0, True),
    ("while_else_breaks_never", P.while_else_breaks, (-2.0,), 0, False),
    ("first_above_found", P.first_above, (X5, 1.0), 0, True),
    ("first_above_none", P.first_above, (X5, 2.0), 0, False),
    ("while_continue", P.while_continue, (X4,), 0, True),
    ("while_true_return_early", P.while_true_return, (0.9,), 0, True),
    ("while_true_return_late", P.while_true_return, (3.0,), 0, True),
    ("bisect_like", P.bisect_like, (2.17,), 0, True),
    ("stencil_break", P.stencil_break, (np.linspace(-1.0, 2.0, 8) ** 2,), 0, True),
    ("nested_flag", P.nested_flag, (X5,), 0, True),
    ("nested_for_else_inner_breaks", P.nested_for_else, (0.7,), 0, True),
    ("nested_for_else_no_break", P.nested_for_else, (-1.3,), 0, True),
    ("const_branches", P.const_branches, (0.6,), 0, True),
    ("dead_break", P.dead_break, (0.45,), 0, True),
    ("dead_return_in_loop", P.dead_return_in_loop, (0.45,), 0, True),
    ("const_while", P.const_while, (0.8,), 0, True),
    ("const_loop_bounds", P.const_loop_bounds, (1.3,), 0, True),
    ("const_folded_flags", P.const_folded_flags, (0.9,), 0, True),
    ("bool_mix_pos_small", P.bool_mix, (0.5, 0.3), (0, 1), True),
    ("bool_mix_neg_big", P.bool_mix, (-0.5, 1.7), (0, 1), True),
    ("bool_mix_neg_small", P.bool_mix, (-0.5, -0.2), (0, 1), True),
    ("chained_compare", P.chained_compare, (1.1,), 0, True),
    ("ternary_loop", P.ternary_loop, (0.3,), 0, True),
    ("lambda_loop", P.lambda_loop, (X4,), 0, True),
    ("lambda_loop_breaks", P.lambda_loop, (X4 * 4.0,), 0, False),
    ("any_in_while", P.any_in_while, (np.array([0.9, 0.05, 0.4]),), 0, True),
    ("all_branch_all", P.all_branch, (np.array([0.9, 0.5, 0.4]),), 0, True),
    ("all_branch_breaks", P.all_branch, (np.array([0.9, -0.5, 0.4]),), 0, True),
    ("shadow_names", P.shadow_names, (0.4,), 0, True),
    ("lambda_default_flag", P.lambda_default_flag, (0.4,), 0, True),
    ("dict_comp_loop", P.dict_comp_loop, (0.4,), 0, True),
    ("calls_helper", P.calls_helper, (0.7,), 0, True),
    ("calls_helper_negative", P.calls_helper, (-0.7,), 0, True),
    ("calls_find", P.calls_find, (X5,), 0, True),
    ("helper_in_while", P.helper_in_while, (0.6,), 0, True),
    ("long_sim_bounces", P.long_sim, (1.2, -0.5, 40), (0, 1), True),
    ("long_sim_short", P.long_sim, (0.3, 0.1, 9), (0, 1), True),
    (
        "long_optimizer",
        P.long_optimizer,
        (np.array([0.5, -0.2, 0.8]), np.array([1.0, 0.7, -0.6])),
        (0, 1),
        True,
    ),
    ("long_scalar_mix", P.long_scalar_mix, (0.7, 0.4), (0, 1), True),
    ("long_scalar_mix_negative", P.long_scalar_mix, (-0.6, 0.9), (0, 1), True),
    ("dead_division_by_zero", P.dead_division_by_zero, (0.3,), 0, True),
    ("dead_complex_power", P.dead_complex_power, (0.3,), 0, True),
    ("literal_values", P.literal_values, (0.3,), 0, True),
    ("int_flags", P.int_flags, (0.3,), 0, True),
    ("flag_as_number", P.flag_as_number, (0.7,), 0, True),
    ("flag_if_or_value_true", P.flag_if_or_value, (0.4, 0.2), (0, 1), True),
    ("flag_if_or_value_mixed", P.flag_if_or_value, (-0.3, 0.2), (0, 1), True),
    ("flag_if_or_value_false", P.flag_if_or_value, (0.2, -0.4), (0, 1), True),
    ("falsy_literal_branches", P.falsy_literal_branches, (0.3,), 0, True),
    ("break_in_true_branch", P.break_in_true_branch, (0.3,), 0, True),
    ("return_in_constant_while", P.return_in_constant_while, (0.8,), 0, True),
    ("flag_never_set", P.flag_never_set, (0.3,), 0, True),
    ("zero_trip_while_else_runs", P.zero_trip_while_else, (0.3, 0), 0, True),
    ("zero_trip_while_else_zero_trips", P.zero_trip_while_else, (0.3, 5), 0, True),
    ("true_and_compare_no_break", P.true_and_compare_loops, (0.9, 6), 0, True),
    ("true_and_compare_breaks", P.true_and_compare_loops, (2.5, 6), 0, True),
    ("nested_while_breaks_all", P.nested_while_breaks, (0.5,), 0, True),
    ("nested_while_breaks_early", P.nested_while_breaks, (1.4,), 0, True),
    ("return_nested_branches_pos", P.return_from_nested_branches, (0.8, 6), 0, True),
    ("return_nested_branches_neg", P.return_from_nested_branches, (-0.5, 6), 0, True),
    ("return_nested_branches_very_neg", P.return_from_nested_branches, (-2.5, 6), 0, True),
    ("comprehension_any_exit_breaks", P.comprehension_any_exit, (X4,), 0, True),
    ("comprehension_any_exit_else", P.comprehension_any_exit, (X4 * 0.3,), 0, True),
    ("lambda_in_while_test", P.lambda_in_while_test, (0.9,), 0, True),
    ("generator_min_in_loop", P.generator_min_in_loop, (X4,), 0, True),
    ("helper_exits_in_loops", P.helper_exits_in_loops, (0.6,), 0, True),
    ("zero_and_branch_first_order", P.zero_and_branch, (0.37,), 0, False),
    ("none_and_branch_in_loop", P.none_and_branch_in_loop, (0.37,), 0, True),
    ("tuple_flag", P.tuple_flag, (0.7,), 0, True),
    ("helper_flag", P.helper_flag, (0.7,), 0, True),
    ("augmented_flag", P.augmented_flag, (0.7,), 0, True),
    ("or_flag", P.or_flag, (0.7,), 0, True),
    ("loop_target_flag", P.loop_target_flag, (0.7,), 0, True),
    ("chained_flag", P.chained_flag, (0.7,), 0, True),
    ("annotated_flag", P.annotated_flag, (0.7,), 0, True),
    ("else_sets_flag", P.else_sets_flag, (0.7,), 0, True),
    ("errstate_flag", P.errstate_flag, (0.7,), 0, True),
    ("lambda_same_name", P.lambda_same_name, (0.7,), 0, True),
    ("comp_same_name", P.comp_same_name, (0.7,), 0, True),
    ("comp_leak_name", P.comp_leak_name, (0.7,), 0, True),
    ("swap_flags", P.swap_flags, (0.7,), 0, True),
    ("flag_from_not", P.flag_from_not, (0.7,), 0, True),
    ("global_and_true", P.global_and_true, (0.7,), 0, True),
    ("active_and_literal", P.active_and_literal, (0.7,), 0, True),
    ("true_and_active", P.true_and_active, (0.7,), 0, True),
    ("loop_int_and", P.loop_int_and, (0.7,), 0, True),
    ("compare_and_int", P.compare_and_int, (0.7,), 0, True),
    ("bool_arith", P.bool_arith, (0.7,), 0, True),
    ("literal_compare_chain", P.literal_compare_chain, (0.7,), 0, True),
    ("float_literal_ops", P.float_literal_ops, (0.7,), 0, True),
    ("active_or_literal_nonzero", P.active_or_literal, (0.9,), 0, True),
    ("active_or_literal_small", P.active_or_literal, (0.3,), 0, True),
    ("int_and_true_two", P.int_and_true, (0.7, 2), 0, True),
    ("int_and_true_zero", P.int_and_true, (0.7, 0), 0, False),
    ("not_not_two", P.not_not, (0.7, 2), 0, True),
    ("not_not_zero", P.not_not, (0.7, 0), 0, False),
]

VECTOR_CASES = [
    ("vec_loop_break_breaks", P.vec_loop_break, (np.array([1.5, 0.8, 1.9]),)),
    ("vec_loop_break_runs_out", P.vec_loop_break, (np.array([0.1, 0.2, -0.3]),)),
    ("vec_early_return_none", P.vec_early_return, (np.array([0.1, 0.2, -0.3]),)),
    ("vec_early_return_second", P.vec_early_return, (np.array([0.1, 6.0, -0.3]),)),
]

IDS = [c[0] for c in CASES]


def _wrt_value(g, wrt):
    return g if isinstance(wrt, tuple) else (g,)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"], ids=["reverse", "forward"])
def test_grad_against_central_differences(case, mode):
    _, f, args, wrt, _ = case
    g = _wrt_value(ad.grad(f, wrt=wrt, mode=mode)(*args), wrt)
    for k, i in enumerate(_as_tuple(wrt)):
        np.testing.assert_allclose(g[k], _central(f, args, i), rtol=RTOL_FD, atol=ATOL_FD)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward_equals_reverse(case):
    _, f, args, wrt, _ = case
    gr = _wrt_value(ad.grad(f, wrt=wrt, mode="reverse")(*args), wrt)
    gf = _wrt_value(ad.grad(f, wrt=wrt, mode="forward")(*args), wrt)
    for a, b in zip(gr, gf, strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL_MODES, atol=ATOL_MODES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward"], ids=["reverse", "forward"])
def test_value_and_grad_value_is_plain_call(case, mode):
    _, f, args, wrt, _ = case
    expected = f(*args)
    value, g = ad.value_and_grad(f, wrt=wrt, mode=mode)(*args)
    assert value == expected
    assert type(value) is type(expected) or np.ndim(value) == np.ndim(expected)
    g_alone = _wrt_value(ad.grad(f, wrt=wrt, mode=mode)(*args), wrt)
    for a, b in zip(_wrt_value(g, wrt), g_alone, strict=True):
        np.testing.assert_allclose(a, b, rtol=RTOL_MODES, atol=ATOL_MODES)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_jvp_vjp_dot_product(case):
    _, f, args, wrt, _ = case
    rng = np.random.default_rng(7)
    wrts = _as_tuple(wrt)
    tangents = []
    for i, a in enumerate(args):
        if i in wrts:
            tangents.append(
                rng.standard_normal(np.shape(a)) if np.ndim(a) else float(rng.standard_normal())
            )
        else:
            tangents.append(None)
    expected = f(*args)
    out, tout = ad.jvp(f, args, tuple(tangents))
    assert out == expected
    out2, pullback = ad.vjp(f, *args)
    assert out2 == expected
    ct = 0.7
    cts = pullback(ct)
    lhs = ct * float(np.sum(tout))
    rhs = sum(float(np.sum(cts[i] * tangents[i])) for i in wrts)
    np.testing.assert_allclose(lhs, rhs, rtol=RTOL_MODES, atol=ATOL_MODES)


HESS_CASES = [c for c in CASES if c[4]]


@pytest.mark.parametrize("case", HESS_CASES, ids=[c[0] for c in HESS_CASES])
def test_hessian_against_differences_of_gradient(case):
    _, f, args, wrt, _ = case
    wrts = _as_tuple(wrt)
    hess = ad.hessian(f, wrt=wrt)(*args)
    g = ad.grad(f, wrt=wrt)
    for bi, i in enumerate(wrts):
        for bj, j in enumerate(wrts):
            block = hess[bi][bj] if isinstance(wrt, tuple) else hess

            def gi(*a, bi=bi):
                r = g(*a)
                return r[bi] if isinstance(wrt, tuple) else r

            np.testing.assert_allclose(
                block, _central_jac_of_grad(gi, args, i, j), rtol=1e-5, atol=1e-7
            )


@pytest.mark.parametrize("case", VECTOR_CASES, ids=[c[0] for c in VECTOR_CASES])
def test_vector_jacobians(case):
    _, f, args = case
    expected = f(*args)
    jf = ad.jacfwd(f)(*args)
    jr = ad.jacrev(f)(*args)
    np.testing.assert_allclose(jf, jr, rtol=RTOL_MODES, atol=ATOL_MODES)
    x = args[0]
    cd = np.zeros(expected.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[idx] = H
        cd[(..., *idx)] = (f(x + e) - f(x - e)) / (2 * H)
    np.testing.assert_allclose(jf, cd, rtol=RTOL_FD, atol=ATOL_FD)
    t = np.linspace(0.3, -0.8, x.size).reshape(x.shape)
    out, tout = ad.jvp(f, (x,), (t,))
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_allclose(tout, jf @ t, rtol=RTOL_MODES, atol=ATOL_MODES)
    out2, pullback = ad.vjp(f, x)
    np.testing.assert_array_equal(out2, expected)
    ct = np.linspace(-1.0, 1.0, expected.size).reshape(expected.shape)
    np.testing.assert_allclose(pullback(ct)[0], ct @ jr, rtol=RTOL_MODES, atol=ATOL_MODES)


REFUSED = [
    ("walrus_loop", P.walrus_loop, (X4,)),
    ("continue_in_comprehension_while", P.continue_in_comprehension_while, (X4,)),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
@pytest.mark.parametrize("mode", ["reverse", "forward"], ids=["reverse", "forward"])
def test_refused_constructs_name_file_and_line(case, mode):
    _, f, args = case
    with pytest.raises(ad.S2SError) as info:
        ad.grad(f, mode=mode)(*args)
    msg = str(info.value)
    assert "control_flow_folding_programs_independent.py" in msg
    first = f.__code__.co_firstlineno
    assert any(str(n) in msg for n in range(first + 1, first + 8))


# `if 0 and z > 0.07:` inside a branch: the flat gradient code kept the dead reverse branch
# `if _t2:` (`_t2 = 0`, the folded `0 and ...`) reading `_t3`, which the forward sweep never
# defines; differentiating it again raised NameResolutionError at the user's dead line
# (fixed in session 28: an integer literal is followed as a flag like True and 0.0)


def test_hessian_of_dead_zero_and_branch():
    np.testing.assert_allclose(ad.hessian(P.zero_and_branch)(0.37), 1.0, rtol=1e-12)


def test_grad_of_grad_of_dead_zero_and_branch():
    np.testing.assert_allclose(ad.grad(ad.grad(P.zero_and_branch))(0.37), 1.0, rtol=1e-12)
