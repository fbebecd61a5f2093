"""jit=True on basic-index reads and broadcasting sums, by an independent tester.

Every derivative under jit=True must equal the jit=False one (rtol 1e-12 for float64, same
dtype, shape and type), match central differences, run compiled where the README says it
compiles (`runs_of`), and log one warning on `s2s_ad.jit` per function that runs as NumPy code.
"""

import logging

import jit_indexing_programs_independent as P
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.jit.backend import runs_of

pytest.importorskip("numba")

RNG = np.random.default_rng(20261203)


def r(*shape):
    return RNG.standard_normal(shape)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def jit_warnings():
    handler = _Collect()
    logger = logging.getLogger("s2s_ad.jit")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def central(f, args, wrt, eps=1e-6):
    x = np.asarray(args[wrt], dtype=np.float64)
    out0 = np.asarray(f(*args))
    J = np.zeros(out0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        a = list(args)
        xp = x.copy()
        xp[idx] += eps
        a[wrt] = xp
        fp = np.asarray(f(*a))
        xm = x.copy()
        xm[idx] -= eps
        a[wrt] = xm
        fm = np.asarray(f(*a))
        J[(Ellipsis, *idx)] = (fp - fm) / (2 * eps)
    return J


def same(plain, jitted, rtol=1e-12):
    assert type(jitted) is type(plain)
    assert np.shape(jitted) == np.shape(plain)
    assert np.asarray(jitted).dtype == np.asarray(plain).dtype
    np.testing.assert_allclose(jitted, plain, rtol=rtol, atol=0)


def all_compiled(f):
    runs = runs_of(f)
    return runs and all(runs.values())


# ------------------------------------------------------------------------- gradients

GRAD_CASES = {
    "outer_sin": (P.outer_sin, [(r(4), r(3)), (r(2), r(5))]),
    "diag_loop": (P.diag_loop, [(r(4, 4), r(4)), (r(2, 2), r(2))]),
    "stencil_energy": (P.stencil_energy, [(r(6),), (r(9),)]),
    "row_col_mix": (P.row_col_mix, [(r(3, 3),)]),
    "steps_and_negatives": (P.steps_and_negatives, [(r(7),), (r(8),)]),
    "none_mix": (P.none_mix, [(r(3, 3),)]),
    "attention_scores": (P.attention_scores, [(r(3, 2), r(4, 2))]),
    "bias_layer": (P.bias_layer, [(r(3, 2), r(2), r(4, 3))]),
    "bias_column": (P.bias_column, [(r(3, 2), r(4), r(4, 3))]),
    "length_one_axes": (P.length_one_axes, [(r(3, 1), r(1, 4)), (r(1, 2), r(5, 1))]),
    "poly_features": (P.poly_features, [(r(4), r(3))]),
    "rows_loop": (P.rows_loop, [(r(3, 4), r(4))]),
    "heat_steps": (P.heat_steps, [(r(9), 3), (r(9), 1), (r(9), 3)]),
    "row_by_arg": (P.row_by_arg, [(r(4, 4), r(4), 0), (r(4, 4), r(4), 2), (r(4, 4), r(4), 3)]),
    "window": (P.window, [(r(9), 1, 5), (r(9), 2, 8), (r(9), 0, 3)]),
    "lagged": (P.lagged, [(r(7),)]),
    "chained": (P.chained, [(r(3, 3),)]),
    "clamped": (P.clamped, [(r(6),)]),
    "time_stepper": (P.time_stepper, [(r(8), 0.1, 3), (r(8), 0.1, 0), (r(8), 0.1, 2)]),
}


@pytest.mark.parametrize("name", list(GRAD_CASES), ids=list(GRAD_CASES))
def test_grad_compiled_equals_numpy_and_differences(name, jit_warnings):
    f, arg_sets = GRAD_CASES[name]
    g_jit = ad.grad(f, jit=True)
    g = ad.grad(f)
    for args in arg_sets:
        plain = g(*args)
        jitted = g_jit(*args)
        assert all_compiled(f), runs_of(f)
        same(plain, jitted)
        np.testing.assert_allclose(plain, central(f, args, 0), rtol=1e-5, atol=1e-7)
    assert jit_warnings == []


VG_NAMES = ["outer_sin", "diag_loop", "length_one_axes", "row_by_arg"]


@pytest.mark.parametrize("name", VG_NAMES, ids=VG_NAMES)
def test_value_and_grad_gradient(name, jit_warnings):
    f, arg_sets = GRAD_CASES[name]
    vg_jit = ad.value_and_grad(f, jit=True)
    for args in arg_sets:
        v, g = vg_jit(*args)
        assert all_compiled(f), runs_of(f)
        same(ad.grad(f)(*args), g)
        assert float(v) == pytest.approx(float(f(*args)), rel=1e-14)
    assert jit_warnings == []


def test_value_and_grad_value_type():
    x = np.array([0.5, -1.0, 2.0, 0.25])
    v0 = P.sq_sum(x)
    v_plain, _ = ad.value_and_grad(P.sq_sum)(x)
    v_jit, _ = ad.value_and_grad(P.sq_sum, jit=True)(x)
    assert type(v_plain) is type(v0) is np.float64
    assert type(v_jit) is type(v0)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "value_and_grad(f, jit=True) value differs from the plain call in the last bits "
        "(f = np.sum(x * x), x = default_rng(18).standard_normal(24): plain 25.119034263409617, "
        "jit 25.11903426340961; Numba sums in order, NumPy pairwise)"
    ),
)
def test_value_and_grad_value_equals_plain_call():
    x = np.random.default_rng(18).standard_normal(24)
    v0 = P.sq_sum(x)
    v_plain, _ = ad.value_and_grad(P.sq_sum)(x)
    assert v_plain == v0
    v_jit, _ = ad.value_and_grad(P.sq_sum, jit=True)(x)
    assert v_jit == v0


# ------------------------------------------------------------------------- Hessians

HESS_NAMES = ["outer_sin", "stencil_energy", "chained", "lagged", "clamped", "row_by_arg"]


@pytest.mark.parametrize("name", HESS_NAMES, ids=HESS_NAMES)
def test_hessian_compiled(name, jit_warnings):
    f, arg_sets = GRAD_CASES[name]
    h_jit = ad.hessian(f, jit=True)
    for args in arg_sets[:2]:
        plain = ad.hessian(f)(*args)
        jitted = h_jit(*args)
        assert all_compiled(f), runs_of(f)
        same(plain, jitted)
        same(plain, ad.jacfwd(ad.grad(f))(*args))
        np.testing.assert_allclose(plain, central(ad.grad(f), args, 0), rtol=1e-5, atol=1e-6)
    assert jit_warnings == []


def test_hessian_bias_wrt_bias(jit_warnings):
    W, b, X = GRAD_CASES["bias_layer"][1][0]
    plain = ad.hessian(P.bias_layer, wrt=1)(W, b, X)
    jitted = ad.hessian(P.bias_layer, wrt=1, jit=True)(W, b, X)
    same(plain, jitted)
    np.testing.assert_allclose(
        plain, central(ad.grad(P.bias_layer, wrt=1), (W, b, X), 1), rtol=1e-5, atol=1e-6
    )


# ------------------------------------------------------------------------- Jacobians

JAC_CASES = {
    "stencil_vec": (P.stencil_vec, (r(6),)),
    "pair_columns": (P.pair_columns, (r(4, 2),)),
    "layer_vec": (P.layer_vec, (r(3), r(2, 3), r(2))),
    "grid_vec": (P.grid_vec, (r(4),)),
}


@pytest.mark.parametrize("name", list(JAC_CASES), ids=list(JAC_CASES))
def test_jacobians_compiled(name, jit_warnings):
    f, args = JAC_CASES[name]
    fwd = ad.jacfwd(f)(*args)
    rev = ad.jacrev(f)(*args)
    same(fwd, rev)
    np.testing.assert_allclose(fwd, central(f, args, 0), rtol=1e-5, atol=1e-7)
    same(fwd, ad.jacfwd(f, jit=True)(*args))
    same(rev, ad.jacrev(f, jit=True)(*args))
    same(fwd, ad.jacobian(f, jit=True)(*args))
    assert all_compiled(f), runs_of(f)
    assert jit_warnings == []


# ------------------------------------------------------------------------- dtypes


def test_dtypes_alternate(jit_warnings):
    u64 = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 1.1])
    order = [np.float64, np.float32, np.float16, np.float32, np.float64, np.float16, np.float64]
    for dt in order:
        u = u64.astype(dt)
        for mk, f in [
            (ad.grad, P.dtype_probe),
            (ad.hessian, P.dtype_probe),
            (ad.jacfwd, P.dtype_probe_vec),
            (ad.jacrev, P.dtype_probe_vec),
            (ad.jacobian, P.dtype_probe_vec),
        ]:
            plain = mk(f)(u)
            jitted = mk(f, jit=True)(u)
            assert plain.dtype == dt, (mk.__name__, dt, plain.dtype)
            if dt is np.float64:
                same(plain, jitted)
            else:
                assert type(jitted) is type(plain) and jitted.dtype == dt
                np.testing.assert_array_equal(jitted, plain)
        v, g = ad.value_and_grad(P.dtype_probe, jit=True)(u)
        assert g.dtype == dt
        if dt is not np.float64:
            assert type(v) is type(P.dtype_probe(u)) and v == P.dtype_probe(u)
        # every derivative function of both programs was called in this round
        for f in (P.dtype_probe, P.dtype_probe_vec):
            if dt is np.float64:
                assert all(runs_of(f).values()), (dt, runs_of(f))
            else:
                assert not any(runs_of(f).values()), (dt, runs_of(f))
    assert len(jit_warnings) == 2, jit_warnings
    assert all("float32" in m and "float16" in m for m in jit_warnings)
    assert any("`dtype_probe`" in m for m in jit_warnings)
    assert any("`dtype_probe_vec`" in m for m in jit_warnings)


def test_float16_hessian_and_jacobians_against_float64():
    u = np.array([0.5, -1.0, 0.75, 1.5, -0.25, 1.0])
    h16 = ad.hessian(P.dtype_probe, jit=True)(u.astype(np.float16))
    h64 = ad.hessian(P.dtype_probe)(u)
    assert h16.dtype == np.float16 and h16.shape == h64.shape
    np.testing.assert_allclose(h16.astype(np.float64), h64, rtol=2e-2, atol=2e-2)
    j16 = ad.jacrev(P.dtype_probe_vec, jit=True)(u.astype(np.float16))
    assert j16.dtype == np.float16
    np.testing.assert_allclose(
        j16.astype(np.float64), ad.jacfwd(P.dtype_probe_vec)(u), rtol=2e-2, atol=2e-2
    )


# ------------------------------------------------------------------------- nan and inf

NAN_CASES = {
    "variance_one_element": (P.variance_ddof, np.array([1.5])),
    "python_acc_ratio_one_element": (P.python_acc_ratio, np.array([1.5])),
    "python_acc_ratio_zero": (P.python_acc_ratio, np.array([0.0])),
    "python_acc_sqrt_at_zero": (P.python_acc, np.zeros(3)),
}


@pytest.mark.parametrize("name", list(NAN_CASES), ids=list(NAN_CASES))
def test_second_order_nan_inf_like_plain(name):
    f, x = NAN_CASES[name]
    with np.errstate(all="ignore"):
        ref = ad.hessian(f)(x)
        assert not np.all(np.isfinite(ref))
        np.testing.assert_array_equal(ad.hessian(f, jit=True)(x), ref)
        np.testing.assert_array_equal(ad.jacfwd(ad.grad(f))(x), ref)
        np.testing.assert_array_equal(ad.jacrev(ad.grad(f))(x), ref)
        np.testing.assert_array_equal(ad.jacfwd(ad.grad(f), jit=True)(x), ref)
        np.testing.assert_array_equal(ad.jacrev(ad.grad(f), jit=True)(x), ref)
        _, hv = ad.hvp(f, (x,), (np.ones_like(x),))
        np.testing.assert_array_equal(hv, ref @ np.ones_like(x))


# ------------------------------------------------------------------------- fallbacks


def _fallback_case(mk, f, args, wrt=0):
    plain = mk(f, wrt=wrt)(*args)
    jitted = mk(f, wrt=wrt, jit=True)(*args)
    same(plain, jitted)
    return runs_of(f)


def test_hessian_broadcast_difference_compiles_or_warns(jit_warnings):
    runs = _fallback_case(ad.hessian, P.gauss_kernel, (r(3), r(4)))
    assert all(runs.values()) or jit_warnings, (runs, jit_warnings)


def test_jacfwd_broadcast_difference_compiles_or_warns(jit_warnings):
    runs = _fallback_case(ad.jacfwd, P.kernel_rows, (r(3), r(4)))
    assert all(runs.values()) or jit_warnings, (runs, jit_warnings)


def test_jacfwd_bias_vector_compiles():
    runs = _fallback_case(ad.jacfwd, P.shifted_rows, (r(3, 2), r(2)), wrt=1)
    assert all(runs.values()), runs


# (compiled since jit/direction_sums.py: strict expected failures before)
def test_hessian_whole_sum_reused_fallback():
    runs = _fallback_case(ad.hessian, P.sum_squared, (r(4),))
    assert all(runs.values()), runs


def test_jacfwd_whole_sum_fallback():
    runs = _fallback_case(ad.jacfwd, P.normalized, (r(4),))
    assert all(runs.values()), runs


@pytest.mark.xfail(
    strict=True,
    reason=(
        "hessian(diag_loop, jit=True), `s = 0.0; for i in range(n): s += A[i, i] * x[i]`, runs "
        "as NumPy code: the loop's tape in the gradient code, whose tangent code builds it with "
        "`rt.append` (no Numba version); `rt.directions_zeros`, its first refusal before, now "
        "compiles"
    ),
)
def test_hessian_diag_loop_fallback():
    A, x = GRAD_CASES["diag_loop"][1][0]
    runs = _fallback_case(ad.hessian, P.diag_loop, (A, x))
    assert all(runs.values()), runs


def test_fallbacks_give_the_numpy_numbers():
    # documented NumPy-code cases: taped loops at second order, Ellipsis, axis= reductions
    for mk, f, args in [
        (ad.hessian, P.rows_loop, GRAD_CASES["rows_loop"][1][0]),
        (ad.hessian, P.time_stepper, (r(8), 0.1, 3)),
        (ad.grad, P.ellipsis_last, (r(2, 3, 2),)),
        (ad.grad, P.softmax_keepdims, (r(3, 4),)),
        (ad.hessian, P.keepdims_center, (r(4, 3),)),
        (ad.hessian, P.window, (r(9), 2, 7)),
    ]:
        same(mk(f)(*args), mk(f, jit=True)(*args))
