"""Dtypes and sizes where issue 19 changed the generated code (an independent tester's tests).

Written from the README and issue 19 only. The programs are in
tests/dtypes_and_sizes_programs_independent.py. Checked:

- float64 losses with float32/float16/int factors (arguments, NumPy scalars, module-level
  weights, masks and targets): the float64 gradient of `grad`, `value_and_grad`, `vjp`'s
  pullback(1.0) and `jvp` against the exact float64 answer, at float64 accuracy (the float32
  values are exact in float64, so the exact gradient is the float64 formula of them);
- float32 and float16 parameters: dtypes kept, numbers against a float64 recomputation at the
  precision of the dtype, `grad` against `vjp` and `value_and_grad`;
- sizes 3x4 to 1000x1000: matrix adjoints of `X @ W` with C, Fortran, transposed, strided and
  broadcast operands, outer products written three ways, dense layers, MLPs, logistic
  regression, attention: exact formulas, central differences along random directions and
  forward/reverse dot-product tests;
- `jacrev` (vector reverse mode) against `jacfwd` and against `vjp` row by row;
- `jit=True` against the NumPy backend.

Found: `grad` of a float64 loss meeting a float32 or float16 value (an argument, a global, a
NumPy scalar) through a division or mean rounded as the narrower dtype (3e-8 relative with
float32, 3.5e-4 with float16), its weak seed 1.0 deciding the product's dtype; and
`np.average`'s derivative normalising float32/float16 weights in their own dtype (5e-4
relative). Both fixed since (ad/seed_dtype.py, runtime/averages.py); their cases pass here.

Tolerances: float64 results that only add a few terms are held to 1e-14 relative (about 50
ulps); sums of thousands of terms to 1e-12; float32 results to a few float32 ulps per
operation (1e-6 to 2e-5 relative by size), float16 ones to 4e-3; central differences with
step 1e-6 to 1e-6 relative.
"""

import numpy as np
import pytest

import s2s_ad as ad
from tests import dtypes_and_sizes_programs_independent as P

F64_TIGHT = 1e-14  # float64 gradient made of a few float64 operations on exact inputs


def rel(a, b):
    """Largest absolute difference divided by the largest magnitude of the reference."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return float(np.max(np.abs(a - b))) / scale


def _w(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n)


WT32_64 = P.WT32.astype(np.float64)
WT16_64 = P.WT16.astype(np.float64)
S32 = float(P.S32)
S16 = float(P.S16)


def _exact_global_weights(w):
    W = P.W32.astype(np.float64)
    r = W @ w - P.T32.astype(np.float64)
    return 2.0 * W.T @ (P.MASK * r) / np.sum(P.MASK)


# name, program, arguments (the first is differentiated), exact float64 gradient
MIXED = {
    "mse_f32_data": (
        P.mse_f32_data,
        lambda: (_w(3, 1), _w((5, 3), 2).astype(np.float32), _w(5, 3)),
        lambda w, x, y: 2.0 * x.astype(np.float64).T @ (x.astype(np.float64) @ w - y) / 5,
    ),
    "np_float32_literal_factor": (
        P.scaled_sum,
        lambda: (_w(4, 4),),
        lambda w: 2.0 * float(np.float32(0.7)) * w,
    ),
    "global_np_float32_factor": (
        P.global_c32,
        lambda: (_w(4, 5),),
        lambda w: float(P.C32) * np.cos(w),
    ),
    "mean_times_f32_array": (
        P.mean_times_f32,
        lambda: (_w(7, 6), _w(7, 7).astype(np.float32)),
        lambda w, x: x.astype(np.float64) / 7,
    ),
    "sum_tanh_times_f32_array": (
        P.sum_f32_factor,
        lambda: (_w(7, 8), _w(7, 9).astype(np.float32)),
        lambda w, x: x.astype(np.float64) * (1 - np.tanh(w) ** 2),
    ),
    "global_f32_weights_bool_mask_f32_target": (
        P.global_weights,
        lambda: (_w(3, 10),),
        _exact_global_weights,
    ),
    "global_int_mask_mean": (
        P.int_mask_mean,
        lambda: (_w(4, 11),),
        lambda w: 2.0 * P.MASK_I * w / 4,
    ),
    "mean_sq_minus_global_f32_target": (
        P.mean_f32_global_target,
        lambda: (_w(6, 12),),
        lambda w: 2.0 * (w - WT32_64) / 6,
    ),
    "elementwise_div_by_np_float32": (
        P.div_elementwise_f32,
        lambda: (_w(6, 13),),
        lambda w: 2.0 * w / S32,
    ),
    "times_f32_reciprocal": (
        P.mul_by_f32_recip,
        lambda: (_w(6, 14),),
        lambda w: 2.0 * w * float(np.float32(1.0) / np.float32(3.1)),
    ),
    "weights_normalised_in_f32_first": (
        P.normalized_weights,
        lambda: (_w(6, 15),),
        lambda w: 2.0 * w * (P.WT32 / np.sum(P.WT32)).astype(np.float64),
    ),
    # the cases below divide a float64 sum by a float32/float16 scalar
    "sum_div_np_float32_literal": (
        P.div_by_f32_scalar,
        lambda: (_w(6, 16),),
        lambda w: 2.0 * w / S32,
    ),
    "sum_div_global_np_float32": (
        P.div_global_s32,
        lambda: (_w(6, 17),),
        lambda w: np.cos(w) / S32,
    ),
    "sum_div_global_np_float16": (
        P.div_global_s16,
        lambda: (_w(6, 18),),
        lambda w: np.cos(w) / S16,
    ),
    "weighted_sum_div_f32_sum_of_weights": (
        P.div_by_f32_sum,
        lambda: (_w(6, 19),),
        lambda w: 2.0 * WT32_64 * w / float(np.sum(P.WT32)),
    ),
    "weighted_sum_div_f16_sum_of_weights": (
        P.global_weights_f16,
        lambda: (_w(4, 20),),
        lambda w: 2.0 * WT16_64 * w / float(np.sum(P.WT16)),
    ),
    "ratio_of_sums_f32_weights": (
        P.ratio_of_sums,
        lambda: (_w(6, 21),),
        lambda w: WT32_64 / float(np.sum(P.WT32)),
    ),
    "sum_div_f32_sum_of_squares": (
        P.div_sum_of_f32_target,
        lambda: (_w(6, 22),),
        lambda w: 2.0 * (w - float(P.T32[0])) / float(np.sum(P.T32**2)),
    ),
    "mean_div_global_np_float32": (
        P.mean_then_div,
        lambda: (_w(6, 23),),
        lambda w: 2.0 * w / 6 / S32,
    ),
    "one_minus_sum_div_global_np_float32": (
        P.rsub_div,
        lambda: (_w(6, 24),),
        lambda w: -2.0 * w / S32,
    ),
    "sum_div_np_float32_argument": (
        P.f32_scalar_param_div,
        lambda: (_w(6, 25), np.float32(3.1)),
        lambda w, s: 2.0 * w / float(s),
    ),
    # np.average computes in float64 (the result type): weights of a lower dtype
    "average_f32_weights": (
        P.average_w32,
        lambda: (_w(6, 26),),
        lambda w: np.cos(w) * WT32_64 / WT32_64.sum(),
    ),
    "average_f16_weights": (
        P.average_w,
        lambda: (_w(4, 27),),
        lambda w: 2.0 * w * WT16_64 / WT16_64.sum(),
    ),
    "average_axis1_f32_weights": (
        P.average_axis,
        lambda: (_w((3, 6), 28),),
        lambda W: 2.0 * W * WT32_64 / WT32_64.sum(),
    ),
}


@pytest.mark.parametrize("name", list(MIXED))
def test_grad_of_float64_loss_is_float64_exact(name):
    f, make, exact = MIXED[name]
    args = make()
    g = ad.grad(f)(*args)
    assert np.asarray(g).dtype == np.float64
    assert rel(g, exact(*args)) <= F64_TIGHT


@pytest.mark.parametrize("name", list(MIXED))
def test_value_and_grad_of_float64_loss_is_float64_exact(name):
    f, make, exact = MIXED[name]
    args = make()
    v, g = ad.value_and_grad(f)(*args)
    assert v == f(*args)
    assert rel(g, exact(*args)) <= F64_TIGHT


@pytest.mark.parametrize("name", list(MIXED))
def test_vjp_and_jvp_of_float64_loss_are_float64_exact(name):
    f, make, exact = MIXED[name]
    args = make()
    ex = exact(*args)
    out, pullback = ad.vjp(f, *args)
    assert out == f(*args)
    assert rel(pullback(1.0)[0], ex) <= F64_TIGHT
    d = _w(np.shape(args[0]), 99)
    val, tan = ad.jvp(f, args, (d,) + (None,) * (len(args) - 1))
    assert val == f(*args)
    assert rel(tan, np.sum(ex * d)) <= 1e-13


@pytest.mark.parametrize("name", list(MIXED))
def test_grad_equals_vjp_pullback_of_one(name):
    f, make, _ = MIXED[name]
    args = make()
    g = ad.grad(f)(*args)
    gv = ad.vjp(f, *args)[1](1.0)[0]
    assert rel(g, gv) <= F64_TIGHT


def test_grad_wrt_one_equals_grad_wrt_both_for_float32_scalar_argument_first_block():
    # the first block of wrt=(0, 1) is float64-exact; the dtype of the second follows s
    w, s = _w(6, 30), np.float32(3.1)
    g0, gs = ad.grad(P.f32_scalar_param_div, wrt=(0, 1))(w, s)
    assert rel(g0, 2.0 * w / float(s)) <= F64_TIGHT
    assert isinstance(gs, np.float32)
    assert rel(gs, -np.sum(w**2) / float(s) ** 2) <= 4 * np.finfo(np.float32).eps


def test_grad_wrt_zero_equals_first_block_of_wrt_both():
    w, s = _w(6, 31), np.float32(3.1)
    g = ad.grad(P.f32_scalar_param_div)(w, s)
    g0, _ = ad.grad(P.f32_scalar_param_div, wrt=(0, 1))(w, s)
    assert rel(g, g0) <= F64_TIGHT


# ---------------------------------------------------------------- low-precision parameters

LOWP = {
    # name: program, args maker (float64), indices differentiated
    "mse": (P.mse_f32_data, lambda: (_w(3, 40), _w((5, 3), 41), _w(5, 42)), (0,)),
    "logreg": (
        P.logreg,
        lambda: (_w(4, 43) * 0.3, _w((16, 4), 44), (_w(16, 45) > 0).astype(np.float64)),
        (0,),
    ),
    "dense_sum": (P.dense_sum, lambda: (_w((3, 4), 46) * 0.3, _w(4, 47), _w(3, 48)), (0, 2)),
    "mlp": (
        P.mlp,
        lambda: (_w((4, 5), 49) * 0.4, _w(5, 50), _w(5, 51), _w((8, 4), 52)),
        (0, 1, 2),
    ),
    "attention": (P.attention, lambda: (_w((4, 3), 53), _w((5, 3), 54)), (0, 1)),
    "lsq": (P.lsq, lambda: (_w(3, 55), _w((6, 3), 56), _w(6, 57)), (0,)),
    "outer_sum_sq": (P.outer_sum_sq, lambda: (_w(3, 58), _w(4, 59)), (0, 1)),
    "rank1_update": (P.rank1_update, lambda: (_w((3, 4), 60), _w(3, 61), _w(4, 62)), (0, 1, 2)),
}


def _lowp_params():
    out = []
    for name in LOWP:
        for dt in ("float32", "float16"):
            for data in ("same", "float64"):
                out.append(pytest.param(name, dt, data, id=f"{name}-{dt}-data_{data}"))
    return out


@pytest.mark.parametrize(("name", "dtype", "data"), _lowp_params())
def test_low_precision_parameters(name, dtype, data):
    f, make, wrt = LOWP[name]
    dt = np.dtype(dtype)
    args64 = make()
    args = list(args64)
    for i, a in enumerate(args64):
        if i in wrt or data == "same":
            args[i] = a.astype(dt)
    args = tuple(args)
    g = ad.grad(f, wrt=wrt)(*args)
    v, g2 = ad.value_and_grad(f, wrt=wrt)(*args)
    out, pullback = ad.vjp(f, *args)
    assert v == f(*args) and out == f(*args)
    cts = pullback(1.0)
    # the float64 re-computation: every input cast (exactly) to float64
    g64 = ad.grad(f, wrt=wrt)(*(np.asarray(a, np.float64) for a in args))
    eps = np.finfo(dt).eps
    for k, i in enumerate(wrt):
        assert g[k].dtype == dt and g2[k].dtype == dt and cts[i].dtype == dt
        # grad, value_and_grad and vjp run the same arithmetic up to the seed's rounding
        assert rel(g[k], g2[k]) == 0.0
        assert rel(g[k], cts[i]) <= 4 * eps
        # against float64: each primal and adjoint step rounds once in the low dtype
        assert rel(g[k], g64[k]) <= (60 if dtype == "float32" else 30) * eps, rel(g[k], g64[k])


# ---------------------------------------------------------------- matrix adjoints by layout


def _layout(a, kind):
    if kind == "C":
        return np.ascontiguousarray(a)
    if kind == "F":
        return np.asfortranarray(a)
    if kind == "T":  # a transposed view of a C array
        return np.ascontiguousarray(a.T).T
    if kind == "strided":  # a slice with steps of a larger array
        big = np.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)
        big[::2, ::3] = a
        return big[::2, ::3]
    raise ValueError(kind)


SIZES = [(3, 4, 2), (64, 300, 200), (256, 200, 100)]
LAYOUTS = [
    ("C", "C"),
    ("F", "C"),
    ("C", "F"),
    ("T", "T"),
    ("strided", "C"),
    ("C", "strided"),
    ("F", "strided"),
]


@pytest.mark.parametrize(
    ("n", "k", "m", "lx", "lw", "dtype"),
    [
        pytest.param(*s, *lay, dt, id=f"{s[0]}x{s[1]}x{s[2]}-{lay[0]}-{lay[1]}-{dt}")
        for s in SIZES
        for lay in LAYOUTS
        for dt in ("float64", "float32")
    ],
)
def test_matmul_adjoint_layouts_exact(n, k, m, lx, lw, dtype):
    rng = np.random.default_rng(n + k + m)
    X0 = rng.standard_normal((n, k)).astype(dtype)
    W0 = rng.standard_normal((k, m)).astype(dtype)
    X, W = _layout(X0, lx), _layout(W0, lw)
    gX, gW = ad.grad(P.xw_lin, wrt=(0, 1))(X, W)
    assert gX.dtype == dtype and gW.dtype == dtype
    Xd, Wd = X0.astype(np.float64), W0.astype(np.float64)
    Y = Xd @ Wd
    # float32: the product Y and the adjoint products round in float32 (sums of k or m terms)
    tol = 1e-13 if dtype == "float64" else 2e-6
    assert rel(gX, 2 * Y @ Wd.T) <= tol
    assert rel(gW, 2 * Xd.T @ Y) <= tol
    # the same numbers for every layout (the C layout is the reference)
    gXc, gWc = ad.grad(P.xw_lin, wrt=(0, 1))(X0, W0)
    assert rel(gX, gXc) <= (4e-16 if dtype == "float64" else 4e-7) * np.sqrt(k)
    assert rel(gW, gWc) <= (4e-16 if dtype == "float64" else 4e-7) * np.sqrt(n)


def _directional(f, args, wrt, seed, h=1e-6):
    """(gradient . d, central difference, jvp, vjp(1.0) . d) along a random direction."""
    rng = np.random.default_rng(seed)
    ds = [rng.standard_normal(np.shape(args[i])) for i in wrt]
    gs = ad.grad(f, wrt=tuple(wrt))(*args)
    lin = sum(float(np.sum(np.asarray(g, np.float64) * d)) for g, d in zip(gs, ds, strict=True))
    a64 = [np.asarray(a, np.float64) for a in args]
    ap, am = list(a64), list(a64)
    for i, d in zip(wrt, ds, strict=True):
        ap[i] = a64[i] + h * d
        am[i] = a64[i] - h * d
    cd = (f(*ap) - f(*am)) / (2 * h)
    tangents = [None] * len(args)
    for i, d in zip(wrt, ds, strict=True):
        tangents[i] = d.astype(np.asarray(args[i]).dtype)
    _, jv = ad.jvp(f, tuple(args), tuple(tangents))
    cts = ad.vjp(f, *args)[1](1.0)
    lin_v = sum(
        float(np.sum(np.asarray(cts[i], np.float64) * d)) for i, d in zip(wrt, ds, strict=True)
    )
    return lin, cd, float(jv), lin_v


def _big_cases():
    rng = np.random.default_rng(70)

    def r(*s):
        return rng.standard_normal(s)

    X300 = r(64, 300)
    return {
        "tanh_XW_64x300x200_C": (P.xw_loss, (X300, r(300, 200) * 0.05), (0, 1)),
        "tanh_XW_F_and_strided": (
            P.xw_loss,
            (_layout(r(128, 300), "F"), _layout(r(300, 200) * 0.05, "strided")),
            (0, 1),
        ),
        "tanh_XW_X_broadcast_to": (
            P.xw_loss,
            (np.broadcast_to(r(300), (64, 300)), r(300, 200) * 0.05),
            (1,),
        ),
        "tanh_XW_W_broadcast_to": (
            P.xw_loss,
            (X300, np.broadcast_to(r(300, 1) * 0.05, (300, 200))),
            (0,),
        ),
        "sin_XtW_transposed_operand": (P.xtw_loss, (r(300, 64), r(300, 50) * 0.1), (0, 1)),
        "dense_1000x1000": (P.dense_sum, (r(1000, 1000) * 0.03, r(1000), r(1000)), (0, 1, 2)),
        "mlp_batch256": (P.mlp, (r(100, 64) * 0.1, r(64), r(64), r(256, 100)), (0, 1, 2)),
        "mlp_batch64_f32_weights_f64_data": (
            P.mlp,
            (
                (r(100, 64) * 0.1).astype(np.float32),
                r(64).astype(np.float32),
                r(64).astype(np.float32),
                r(64, 100),
            ),
            (0, 1, 2),
        ),
        "logreg_1000x200": (
            P.logreg,
            (r(200) * 0.1, r(1000, 200), (r(1000) > 0).astype(float)),
            (0,),
        ),
        "lsq_300x200": (P.lsq, (r(200), r(300, 200), r(300)), (0,)),
        "attention_128x64": (P.attention, (r(128, 64) * 0.3, r(96, 64) * 0.3), (0, 1)),
        "batch_dense_relu_256": (P.batch_dense, (r(50, 100) * 0.1, r(50), r(256, 100)), (0, 1)),
        "outer_np_1000x1000": (P.outer_np, (r(1000), r(1000)), (0, 1)),
        "outer_broadcast_1000x1000": (P.outer_bc, (r(1000), r(1000)), (0, 1)),
        "outer_matmul_1000x1000": (P.outer_mm, (r(1000), r(1000)), (0, 1)),
        "outer_matmul_300x200": (P.outer_mm, (r(300), r(200)), (0, 1)),
        "rank1_update_300x200": (P.rank1_update, (r(300, 200), r(300), r(200)), (0, 1, 2)),
        "dot_300x200_strided": (
            P.dot_lin,
            (_layout(r(64, 300), "strided"), r(300, 200) * 0.1),
            (0, 1),
        ),
    }


BIG = _big_cases()


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in BIG])
def test_large_models_directional(name):
    f, args, wrt = BIG[name]
    lin, cd, jv, lin_v = _directional(f, args, wrt, seed=len(name))
    low = any(np.asarray(args[i]).dtype == np.float32 for i in wrt)
    # central differences on float64 copies: truncation ~h^2, rounding ~eps*|f|/h
    assert abs(lin - cd) <= (1e-4 if low else 1e-6) * max(abs(cd), 1.0)
    # forward against reverse (dot-product test) and grad against vjp
    tol = 1e-5 if low else 1e-12
    assert abs(lin - jv) <= tol * max(abs(lin), 1.0)
    assert abs(lin - lin_v) <= tol * max(abs(lin), 1.0)


@pytest.mark.parametrize(
    ("n", "m", "du", "dv", "dc"),
    [
        pytest.param(n, m, *dts, id=f"{n}x{m}-{'-'.join(d[-2:] for d in dts)}")
        for n, m in [(3, 4), (300, 200), (1000, 1000), (1, 5), (5, 1)]
        for dts in [
            ("float64", "float64", "float64"),
            ("float32", "float32", "float32"),
            ("float32", "float64", "float64"),
            ("float64", "float64", "float32"),
        ]
    ],
)
@pytest.mark.parametrize("prog", ["outer_mm_lin", "outer_bc_lin", "np_outer_lin"])
def test_outer_product_adjoints_exact(prog, n, m, du, dv, dc):
    rng = np.random.default_rng(n * m)
    u = rng.standard_normal(n).astype(du)
    v = rng.standard_normal(m).astype(dv)
    C = rng.standard_normal((n, m)).astype(dc)
    f = getattr(P, prog)
    gu, gv = ad.grad(f, wrt=(0, 1))(u, v, C)
    val, (hu, hv) = ad.value_and_grad(f, wrt=(0, 1))(u, v, C)
    assert val == f(u, v, C)
    assert gu.dtype == du and gv.dtype == dv
    eu = C.astype(np.float64) @ v.astype(np.float64)
    ev = C.astype(np.float64).T @ u.astype(np.float64)
    # float64 results: sums of m (or n) products; float32 ones: sums in float32
    for g, e, dt, terms in ((gu, eu, du, m), (gv, ev, dv, n)):
        lowest = np.result_type(du, dv, dc)
        if dt == "float32" or lowest == np.float32:
            tol = 4 * np.finfo(np.float32).eps * max(np.sqrt(terms), 4)
        else:
            tol = 1e-15 * max(np.sqrt(terms), 4)
        assert rel(g, e) <= tol
    assert rel(gu, hu) == 0.0 and rel(gv, hv) == 0.0


# ---------------------------------------------------------------- jacrev against jacfwd

JAC = {
    "softmax": (P.softmax_vec, lambda: (_w(5, 80),)),
    "tanh_of_f32_global_weights": (P.layer_f32_global, lambda: (_w(3, 81),)),
    "normalize_by_sum_sq": (P.normalize, lambda: (_w(4, 82),)),
    "mean_center": (P.mean_center, lambda: (_w(6, 83),)),
    "f32_weights_div_f32_sum": (P.weighted_out, lambda: (_w(4, 84),)),
    "attention_row": (P.attn_row, lambda: (_w(3, 85), _w((5, 3), 86))),
    "tanh_XW_matrix_out": (P.mat_out, lambda: (_w((3, 4), 87), _w((4, 2), 88))),
    "outer_ravel_sq": (P.vec_outer, lambda: (_w(3, 89), _w(2, 90))),
    "tanh_Wx": (P.vec_layer, lambda: (_w(4, 91), _w((3, 4), 92))),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in JAC])
def test_jacrev_equals_jacfwd_and_vjp_rows(name, dtype):
    f, make = JAC[name]
    args = tuple(a.astype(dtype) for a in make())
    out = f(*args)
    eps = np.finfo(np.result_type(out, *args)).eps
    for wrt in range(len(args)):
        Jr = ad.jacrev(f, wrt)(*args)
        Jf = ad.jacfwd(f, wrt)(*args)
        Jr_again = ad.jacrev(f, wrt)(*args)
        Jrm = ad.jacobian(f, wrt, mode="reverse")(*args)
        assert Jr.shape == out.shape + args[wrt].shape
        assert rel(Jr, Jf) <= 8 * eps
        assert rel(Jr, Jr_again) == 0.0 and rel(Jr, Jrm) == 0.0
        _, pullback = ad.vjp(f, *args)
        eye = np.eye(out.size, dtype=out.dtype).reshape((out.size, *out.shape))
        rows = np.stack([pullback(e)[wrt] for e in eye]).reshape(Jr.shape)
        # vjp rows carry the input's dtype, so compare at the lower precision
        assert rel(Jr, rows) <= 8 * max(np.finfo(rows.dtype).eps, np.finfo(Jr.dtype).eps)


# ---------------------------------------------------------------- jit=True


def _jit_cases():
    rng = np.random.default_rng(100)

    def r(*s):
        return rng.standard_normal(s)

    return {
        "dense_sum": (P.dense_sum, (r(20, 30) * 0.1, r(30), r(20)), (0, 2), "grad"),
        "lsq": (P.lsq, (r(30), r(64, 30), r(64)), 0, "value_and_grad"),
        "tanh_XW": (P.xw_loss, (r(64, 30), r(30, 5)), (0, 1), "grad"),
        "np_float32_literal_factor": (P.scaled_sum, (r(5),), 0, "grad"),
        "sum_div_np_float32_literal": (P.div_by_f32_scalar, (r(6),), 0, "grad"),
    }


JIT = _jit_cases()


@pytest.mark.parametrize("name", list(JIT))
def test_jit_equals_numpy_backend(name):
    f, args, wrt, api = JIT[name]
    fn = getattr(ad, api)
    ref = fn(f, wrt)(*args)
    got = fn(f, wrt, jit=True)(*args)
    if api == "value_and_grad":
        (ref_v, ref), (got_v, got) = ref, got
        assert type(got_v) is type(ref_v)
        # Numba adds in order, NumPy pairwise: the value may differ in the last bits
        assert abs(got_v - f(*args)) <= 1e-13 * abs(ref_v)
    refs = ref if isinstance(ref, tuple) else (ref,)
    gots = got if isinstance(got, tuple) else (got,)
    for a, b in zip(gots, refs, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert rel(a, b) <= 1e-13


def test_forward_grad_hessian_and_hvp_exact_for_sum_div_np_float32():
    w = _w(6, 110)
    s = S32
    assert rel(ad.grad(P.div_by_f32_scalar, mode="forward")(w), 2.0 * w / s) <= F64_TIGHT
    assert rel(ad.hessian(P.div_by_f32_scalar)(w), 2.0 * np.eye(6) / s) <= F64_TIGHT
    _, hv = ad.hvp(P.div_by_f32_scalar, (w,), (np.ones(6),))
    assert rel(hv, 2.0 * np.ones(6) / s) <= F64_TIGHT


@pytest.mark.parametrize("api", ["jacrev", "jacobian"])
def test_jacrev_of_scalar_sum_div_np_float32_exact(api):
    w = _w(6, 111)
    assert rel(getattr(ad, api)(P.div_by_f32_scalar)(w), 2.0 * w / S32) <= F64_TIGHT
