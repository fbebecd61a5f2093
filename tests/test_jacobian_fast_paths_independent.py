"""Independent tests of the per-call fast paths of jacrev, jacobian(mode="reverse"), jacfwd
and hessian (code specialised to the arguments' shapes and dtypes, kept per signature),
and of `jit=True` for Jacobians and Hessians of code indexing with tuples.

Written from the README and issue 19 only. Every result is compared with central
differences (float64), with the other mode, with a fresh transformation, and `jit=True`
with `jit=False`. Bugs found are strict expected failures stating expected vs actual.
"""

import logging

import jacobian_fast_paths_programs_independent as P
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.jit import backend

RTOL = 1e-5
ATOL = 1e-7
STEP = 1e-6


def rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- references


def _perturbed(args, k, flat, j, h):
    out = list(args)
    x = args[k]
    if np.ndim(x) == 0:
        out[k] = float(x) + h
    else:
        v = flat.copy()
        v[j] += h
        out[k] = v.reshape(np.shape(x))
    return out


def central_jacobian(f, args, k):
    """d f(*args) / d args[k] by central differences in float64, shape out + in."""
    args = [np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a for a in args]
    x = args[k]
    y0 = np.asarray(f(*args), dtype=np.float64)
    flat = np.asarray(x, dtype=np.float64).ravel()
    cols = []
    for j in range(max(flat.size, 1)):
        yp = np.asarray(f(*_perturbed(args, k, flat, j, STEP)), dtype=np.float64)
        ym = np.asarray(f(*_perturbed(args, k, flat, j, -STEP)), dtype=np.float64)
        cols.append((yp - ym) / (2 * STEP))
    J = np.stack(cols, axis=-1)
    return J.reshape(y0.shape + np.shape(x))


def central_hessian(f, args, k):
    """Central differences of s2s_ad's gradient (float64)."""
    return central_jacobian(ad.grad(f, wrt=k), args, k)


def make(kind, f, wrt=0, jit=False):
    if kind == "jacrev":
        return ad.jacrev(f, wrt=wrt, jit=jit)
    if kind == "jacfwd":
        return ad.jacfwd(f, wrt=wrt, jit=jit)
    if kind == "reverse":
        return ad.jacobian(f, wrt=wrt, mode="reverse", jit=jit)
    if kind == "hessian":
        return ad.hessian(f, wrt=wrt, jit=jit)
    raise ValueError(kind)


def close(a, b, rtol=RTOL, atol=ATOL):
    return np.shape(a) == np.shape(b) and np.allclose(a, b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- the vector-output cases

R = rng(11)
W34, X4, B3 = R.standard_normal((3, 4)), R.standard_normal(4), R.standard_normal(3)
A44 = R.standard_normal((4, 4))
V3, V5 = R.standard_normal(3), R.standard_normal(5)

JAC_CASES = {
    "linear-W": (P.linear, (W34, X4, B3), 0),
    "linear-x": (P.linear, (W34, X4, B3), 1),
    "linear-b": (P.linear, (W34, X4, B3), 2),
    "tanh_layer-W": (P.tanh_layer, (W34, X4, B3), 0),
    "tanh_layer-x": (P.tanh_layer, (W34, X4, B3), 1),
    "vec_mat-x": (P.vec_mat, (V3, R.standard_normal((3, 5))), 0),
    "vec_mat-A": (P.vec_mat, (V3, R.standard_normal((3, 5))), 1),
    "softplus": (P.softplus, (V5,), 0),
    "softplus_stable": (P.softplus_stable, (V5 * 3,), 0),
    "softmax": (P.softmax, (V5,), 0),
    "softmax_rows": (P.softmax_rows, (R.standard_normal((2, 3)),), 0),
    "sigmoid": (P.sigmoid, (V5,), 0),
    "mlp-x": (
        P.mlp,
        (
            V3,
            R.standard_normal((4, 3)),
            R.standard_normal(4),
            R.standard_normal((2, 4)),
            R.standard_normal(2),
        ),
        0,
    ),
    "mlp-W1": (
        P.mlp,
        (
            V3,
            R.standard_normal((4, 3)),
            R.standard_normal(4),
            R.standard_normal((2, 4)),
            R.standard_normal(2),
        ),
        1,
    ),
    "mlp-b2": (
        P.mlp,
        (
            V3,
            R.standard_normal((4, 3)),
            R.standard_normal(4),
            R.standard_normal((2, 4)),
            R.standard_normal(2),
        ),
        4,
    ),
    "outer-x": (P.outer, (V3, X4), 0),
    "outer-y": (P.outer, (V3, X4), 1),
    "outer_tanh-y": (P.outer_tanh, (V3, X4), 1),
    "pairwise_diff": (P.pairwise_diff, (X4,), 0),
    "row_tail": (P.row_tail, (W34, 1), 0),
    "row_tail-last": (P.row_tail, (W34, -1), 0),
    "col_tail-A": (P.col_tail, (A44, X4), 0),
    "col_tail-x": (P.col_tail, (A44, X4), 1),
    "first_col_sq": (P.first_col_sq, (A44[:3, :3],), 0),
    "column_weights-A": (P.column_weights, (W34, V3), 0),
    "column_weights-x": (P.column_weights, (W34, V3), 1),
    "row_weights-x": (P.row_weights, (W34, X4), 1),
    "corner_block": (P.corner_block, (A44[:3, :3],), 0),
    "scalar_pick": (P.scalar_pick, (A44[:2, :2],), 0),
    "gram": (P.gram, (R.standard_normal((3, 2)),), 0),
    "indexed_loop": (P.indexed_loop, (R.standard_normal((3, 2)),), 0),
    "sin_loop": (P.sin_loop, (V3, 3), 0),
    "cumulative": (P.cumulative, (V3,), 0),
    "branchy-pos": (P.branchy, (np.abs(V3),), 0),
    "branchy-neg": (P.branchy, (-np.abs(V3),), 0),
    "global_scaled": (P.global_scaled, (V3,), 0),
    "identity": (P.identity, (V3,), 0),
    "transpose_out": (P.transpose_out, (W34[:2],), 0),
    "normalise": (P.normalise, (V3,), 0),
    "layer_norm": (P.layer_norm, (V5,), 0),
    "two_scalars-a": (P.two_scalars, (0.3, 0.7), 0),
    "two_scalars-b": (P.two_scalars, (0.3, 0.7), 1),
    "weighted_rows-w": (P.weighted_rows, (W34, X4), 1),
    "shape_by_branch-pos": (P.shape_by_branch, (np.abs(V5),), 0),
    "shape_by_branch-neg": (P.shape_by_branch, (-np.abs(V5),), 0),
    "head": (P.head, (V5, 3), 0),
    "poly_scalar": (P.poly_scalar, (0.7,), 0),
    "math_scalar": (P.math_scalar, (0.7,), 0),
}


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse"])
@pytest.mark.parametrize("case", list(JAC_CASES))
def test_jacobian_against_central_differences_first_and_later_calls(case, kind):
    f, args, k = JAC_CASES[case]
    ref = central_jacobian(f, args, k)
    J = make(kind, f, k)
    first = J(*args)
    assert close(first, ref), (case, kind)
    for _ in range(3):  # the fast path: same signature again
        again = J(*args)
        assert np.array_equal(again, first)
        assert np.shape(again) == ref.shape


@pytest.mark.parametrize("case", list(JAC_CASES))
def test_jacfwd_equals_jacrev(case):
    f, args, k = JAC_CASES[case]
    a = ad.jacfwd(f, wrt=k)(*args)
    b = ad.jacrev(f, wrt=k)(*args)
    assert np.shape(a) == np.shape(b)
    assert np.allclose(a, b, rtol=1e-12, atol=1e-13)


# ---------------------------------------------------------------- Hessians

Xd = R.standard_normal((6, 3))
HESS_CASES = {
    "mse-w": (P.mse, (V3, Xd, R.standard_normal(6)), 0),
    "mse-X": (P.mse, (V3, Xd, R.standard_normal(6)), 1),
    "logistic_nll": (P.logistic_nll, (V3, Xd, (R.random(6) > 0.5).astype(float)), 0),
    "cross_entropy": (P.cross_entropy, (V5, 2), 0),
    "quad_form-x": (P.quad_form, (V3, A44[:3, :3]), 0),
    "quad_form-A": (P.quad_form, (V3, A44[:3, :3]), 1),
    "rosenbrock": (P.rosenbrock, (V5 * 0.5,), 0),
    "pair_energy": (P.pair_energy, (X4,), 0),
    "outer_energy-x": (P.outer_energy, (V3, X4 * 0.5), 0),
    "outer_energy-y": (P.outer_energy, (V3, X4 * 0.5), 1),
    "scaled_norm": (P.scaled_norm, (V3,), 0),
    "logsumexp": (P.logsumexp, (V5,), 0),
    "mlp_loss-W1": (
        P.mlp_loss,
        (
            R.standard_normal((2, 3)),
            R.standard_normal(2),
            R.standard_normal((2, 2)),
            R.standard_normal(2),
            V3,
            R.standard_normal(2),
        ),
        0,
    ),
    "mlp_loss-b1": (
        P.mlp_loss,
        (
            R.standard_normal((2, 3)),
            R.standard_normal(2),
            R.standard_normal((2, 2)),
            R.standard_normal(2),
            V3,
            R.standard_normal(2),
        ),
        1,
    ),
    "branch_scalar-pos": (P.branch_scalar, (np.abs(V3),), 0),
    "branch_scalar-neg": (P.branch_scalar, (-np.abs(V3),), 0),
    "scalar_pick": (P.scalar_pick, (A44[:2, :2],), 0),
    "sum_sq": (P.sum_sq, (V3,), 0),
    "poly_scalar": (P.poly_scalar, (0.7,), 0),
    "scalar_out_by_branch": (P.scalar_out_by_branch, (V3,), 0),
}


@pytest.mark.parametrize("case", list(HESS_CASES))
def test_hessian_against_references_first_and_later_calls(case):
    f, args, k = HESS_CASES[case]
    H = ad.hessian(f, wrt=k)
    h = H(*args)
    assert close(h, central_hessian(f, args, k))
    assert np.allclose(h, ad.jacfwd(ad.grad(f, wrt=k), wrt=k)(*args), rtol=1e-12, atol=1e-13)
    n = np.size(args[k])
    assert np.allclose(np.reshape(h, (n, n)), np.reshape(h, (n, n)).T, rtol=1e-12, atol=1e-13)
    for _ in range(3):
        assert np.array_equal(H(*args), h)


# ---------------------------------------------------------------- alternating signatures


def _tanh_args(n, dtype, seed):
    r = rng(seed)
    return (
        r.standard_normal((2, n)).astype(dtype),
        r.standard_normal(n).astype(dtype),
        r.standard_normal(2).astype(dtype),
    )


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse"])
def test_alternating_shapes_and_dtypes_jacobian(kind):
    J = make(kind, P.tanh_layer, 1)
    seq = [
        (3, np.float64),
        (3, np.float32),
        (4, np.float64),
        (3, np.float64),
        (1, np.float32),
        (4, np.float32),
        (3, np.float32),
        (1, np.float64),
    ] * 2
    for i, (n, dt) in enumerate(seq):
        args = _tanh_args(n, dt, i)
        got = J(*args)
        fresh = make(kind, P.tanh_layer, 1)(*args)
        assert got.dtype == np.dtype(dt), (n, dt, got.dtype)
        assert got.shape == (2, n)
        assert np.array_equal(got, fresh)
        ref = central_jacobian(P.tanh_layer, args, 1)
        assert close(
            got,
            ref,
            rtol=1e-5 if dt == np.float64 else 2e-3,
            atol=1e-7 if dt == np.float64 else 1e-4,
        )


def test_alternating_shapes_and_dtypes_hessian():
    H = ad.hessian(P.logistic_nll)
    for i, (n, m, dt) in enumerate(
        [
            (3, 5, np.float64),
            (3, 5, np.float32),
            (2, 4, np.float64),
            (3, 5, np.float64),
            (2, 4, np.float32),
            (3, 5, np.float32),
        ]
        * 2
    ):
        r = rng(i)
        args = (
            r.standard_normal(n).astype(dt),
            r.standard_normal((m, n)).astype(dt),
            (r.random(m) > 0.5).astype(dt),
        )
        h = H(*args)
        assert h.dtype == np.dtype(dt)
        assert h.shape == (n, n)
        assert np.array_equal(h, ad.hessian(P.logistic_nll)(*args))
        if dt == np.float64:
            assert close(h, central_hessian(P.logistic_nll, args, 0))


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "hessian"])
def test_more_than_sixteen_signatures(kind):
    f = P.logsumexp if kind == "hessian" else P.softplus
    J = make(kind, f)
    for rep in range(2):
        for n in range(1, 21):
            dt = np.float32 if n % 3 == 0 else np.float64
            x = rng(n + 100 * rep).standard_normal(n).astype(dt)
            got = J(x)
            assert got.dtype == np.dtype(dt)
            assert np.array_equal(got, make(kind, f)(x))


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "hessian"])
def test_scalar_kinds_alternate(kind):
    J = make(kind, P.poly_scalar)
    d1 = 3 * 0.7**2 + np.cos(0.7) * 0.7 + np.sin(0.7)
    d2 = 6 * 0.7 - np.sin(0.7) * 0.7 + 2 * np.cos(0.7)
    want = d2 if kind == "hessian" else d1
    seq = [
        0.7,
        np.array(0.7),
        np.float32(0.7),
        0.7,
        np.array(0.7, np.float32),
        np.float64(0.7),
        np.array(0.7),
    ]
    for v in seq:
        got = J(v)
        if isinstance(v, float) and not isinstance(v, np.floating):
            assert type(got) is float
        else:
            assert np.shape(got) == ()
            assert np.asarray(got).dtype == np.asarray(v).dtype
        tol = 1e-12 if np.asarray(v).dtype == np.float64 else 1e-5
        assert abs(float(got) - want) <= tol * abs(want)


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse", "hessian"])
def test_integer_input_refused_after_float_calls(kind):
    f = P.logsumexp if kind == "hessian" else P.softplus
    J = make(kind, f)
    J(np.ones(3))
    J(np.ones(3))
    with pytest.raises(ad.S2SError):
        J(np.ones(3, dtype=np.int64))
    with pytest.raises(ad.S2SError):
        make(kind, P.poly_scalar)(2)
    assert J(np.ones(3)).dtype == np.float64


# ---------------------------------------------------------------- mutation, views, read-only


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse"])
def test_arguments_mutated_in_place_between_calls(kind):
    args = [a.copy() for a in _tanh_args(4, np.float64, 3)]
    J = make(kind, P.tanh_layer, 0)
    for _ in range(4):
        got = J(*args)
        assert close(got, central_jacobian(P.tanh_layer, [a.copy() for a in args], 0))
        for a in args:
            a *= 1.3
            a += 0.1


def test_hessian_arguments_mutated_in_place_between_calls():
    r = rng(4)
    args = [r.standard_normal(3), r.standard_normal((5, 3)), (r.random(5) > 0.5).astype(float)]
    H = ad.hessian(P.logistic_nll)
    for _ in range(4):
        got = H(*args)
        assert close(got, central_hessian(P.logistic_nll, [a.copy() for a in args], 0))
        for a in args[:2]:
            a *= -1.2
            a += 0.05


MUTATE_CASES = {
    "jacrev-triple": ("jacrev", P.triple, 0, (V3,)),
    "jacfwd-triple": ("jacfwd", P.triple, 0, (V3,)),
    "reverse-select_two": ("reverse", P.select_two, 0, (V3,)),
    "jacfwd-select_two": ("jacfwd", P.select_two, 0, (V3,)),
    "jacrev-bias": ("jacrev", P.bias_only, 2, (W34, X4, B3)),
    "jacfwd-bias": ("jacfwd", P.bias_only, 2, (W34, X4, B3)),
    "jacrev-linear-x": ("jacrev", P.bias_only, 1, (W34, X4, B3)),
    "jacfwd-linear-x": ("jacfwd", P.bias_only, 1, (W34, X4, B3)),
    "jacrev-identity": ("jacrev", P.identity, 0, (V3,)),
    "jacfwd-identity": ("jacfwd", P.identity, 0, (V3,)),
    "jacrev-transpose": ("jacrev", P.transpose_out, 0, (W34,)),
    "hessian-sum_sq": ("hessian", P.sum_sq, 0, (V3,)),
    "hessian-quad_form": ("hessian", P.quad_form, 0, (V3, A44[:3, :3])),
    "hessian-0d": ("hessian", P.sum_sq, 0, (np.array(0.5),)),
    "jacrev-0d": ("jacrev", P.triple, 0, (np.array(0.5),)),
}


MUTATE_JIT = ["jacfwd-triple", "jacrev-bias", "jacrev-identity", "hessian-sum_sq", "jacrev-0d"]


@pytest.mark.parametrize(
    "case,jit",
    [(c, False) for c in MUTATE_CASES] + [(c, True) for c in MUTATE_JIT],
    ids=[c + "-numpy" for c in MUTATE_CASES] + [c + "-jit" for c in MUTATE_JIT],
)
def test_returned_jacobian_mutated_in_place(case, jit):
    kind, f, k, args = MUTATE_CASES[case]
    saved = [np.array(a) for a in args]
    J = make(kind, f, k, jit=jit)
    first = J(*args)
    want = np.array(first)
    assert not any(np.shares_memory(first, a) for a in args if isinstance(a, np.ndarray))
    first[...] = 42.0
    assert np.array_equal(J(*args), want)
    for a, s in zip(args, saved, strict=True):
        assert np.array_equal(a, s)  # the arguments are untouched


def _readonly(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


VIEW_KINDS = {
    "readonly": lambda a: _readonly(a),
    "fortran": lambda a: np.asfortranarray(a),
    "strided": lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
    "reversed-view": lambda a: np.ascontiguousarray(a[..., ::-1])[..., ::-1],
    "transposed-view": lambda a: np.ascontiguousarray(a.T).T,
}

VIEW_FUNCS = {
    "linear-W": ("jacrev", P.linear, (W34, X4, B3), 0),
    "linear-x": ("reverse", P.linear, (W34, X4, B3), 1),
    "col_tail-A": ("jacrev", P.col_tail, (A44, X4), 0),
    "outer-y": ("jacfwd", P.outer, (V3, X4), 1),
    "gram": ("jacrev", P.gram, (W34.T.copy(),), 0),
    "quad_form-A": ("hessian", P.quad_form, (V3, A44[:3, :3]), 1),
    "outer_energy-x": ("hessian", P.outer_energy, (V3, X4), 0),
}


@pytest.mark.parametrize("view", list(VIEW_KINDS))
@pytest.mark.parametrize("case", list(VIEW_FUNCS))
def test_readonly_and_noncontiguous_after_contiguous(case, view):
    kind, f, args, k = VIEW_FUNCS[case]
    J = make(kind, f, k)
    want = J(*args)
    vargs = tuple(VIEW_KINDS[view](a) if isinstance(a, np.ndarray) else a for a in args)
    for a, v in zip(args, vargs, strict=True):
        assert np.array_equal(a, v)
    got = J(*vargs)
    assert np.array_equal(got, want)
    assert np.array_equal(J(*args), want)


# ---------------------------------------------------------------- globals, ints, output shapes


@pytest.fixture
def restore_globals():
    saved = (P.SCALE, P.OFFSET, P.K)
    yield
    P.SCALE, P.OFFSET, P.K = saved


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse", "hessian"])
def test_globals_rebound_between_calls(kind, restore_globals):
    f = P.scaled_norm if kind == "hessian" else P.global_scaled
    J = make(kind, f)
    x = rng(5).standard_normal(3)
    for s, off in [
        (2.0, np.array([0.5, -0.25, 1.0])),
        (5.0, np.array([0.5, -0.25, 1.0])),
        (-1.0, np.array([3.0, 2.0, 1.0])),
        (3, np.arange(3.0) + 1.0),
    ]:
        P.SCALE, P.OFFSET = s, off
        got = J(x)
        ref = central_hessian(f, (x,), 0) if kind == "hessian" else central_jacobian(f, (x,), 0)
        assert close(got, ref), (s, off)
    P.OFFSET[0] = 9.0
    assert close(
        J(x), central_hessian(f, (x,), 0) if kind == "hessian" else central_jacobian(f, (x,), 0)
    )


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse"])
def test_output_shape_follows_int_argument_global_and_branch(kind, restore_globals):
    x = rng(6).standard_normal(5)
    J = make(kind, P.head)
    for k in [2, 3, 2, 5, 0, 2]:
        got = J(x, k)
        assert got.shape == (k, 5)
        assert np.array_equal(got, 2.0 * np.eye(5)[:k])
    J = make(kind, P.head_global)
    for K in [2, 4, 2, 1]:
        P.K = K
        got = J(x)
        assert got.shape == (K, 5)
        assert close(got, central_jacobian(P.head_global, (x,), 0))
    J = make(kind, P.shape_by_branch)
    for sign in [1, -1, 1, -1]:
        v = sign * np.abs(x)
        got = J(v)
        assert got.shape == ((2, 5) if sign > 0 else (5, 5))
        assert close(got, central_jacobian(P.shape_by_branch, (v,), 0))


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse"])
def test_passive_int_arguments_change_value(kind):
    x = rng(7).standard_normal(3)
    J = make(kind, P.sin_loop)
    for n in [1, 3, 0, 5, 3]:
        assert close(J(x, n), central_jacobian(P.sin_loop, (x, n), 0))
    X = rng(8).standard_normal((3, 4))
    J = make(kind, P.row_tail)
    for i in [0, 2, 1, -1]:
        assert close(J(X, i), central_jacobian(P.row_tail, (X, i), 0))


def test_hessian_passive_label_changes_value():
    z = rng(9).standard_normal(4)
    H = ad.hessian(P.cross_entropy)
    for lab in [0, 3, 1, 0]:
        assert close(H(z, lab), central_hessian(P.cross_entropy, (z, lab), 0))


# ---------------------------------------------------------------- wrt tuples


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse"])
def test_wrt_tuple_blocks(kind):
    args = (W34, X4, B3)
    J = make(kind, P.tanh_layer, (0, 1, 2))
    for _ in range(2):
        blocks = J(*args)
        assert isinstance(blocks, tuple) and len(blocks) == 3
        for i in range(3):
            assert close(blocks[i], central_jacobian(P.tanh_layer, args, i))
    named = make(kind, P.tanh_layer, ("x", "W"))(*args)
    assert np.array_equal(named[0], blocks[1])
    assert np.array_equal(named[1], blocks[0])


def test_two_scalars_wrt_tuple():
    for kind in ["jacrev", "jacfwd"]:
        J = make(kind, P.two_scalars, (0, 1))
        for a, b in [(0.3, 0.7), (np.float32(0.3), np.float32(0.7)), (0.3, 0.7)]:
            da, db = J(a, b)
            assert close(
                da,
                central_jacobian(P.two_scalars, (float(a), float(b)), 0),
                rtol=1e-5 if isinstance(a, float) else 1e-3,
                atol=1e-6,
            )
            assert close(
                db,
                central_jacobian(P.two_scalars, (float(a), float(b)), 1),
                rtol=1e-5 if isinstance(a, float) else 1e-3,
                atol=1e-6,
            )


def test_hessian_wrt_tuple_blocks():
    x, A = V3, A44[:3, :3]
    H = ad.hessian(P.quad_form, wrt=(0, 1))
    for _ in range(3):
        h = H(x, A)
        assert (
            h[0][0].shape == (3, 3)
            and h[0][1].shape == (3, 3, 3)
            and h[1][0].shape == (3, 3, 3)
            and h[1][1].shape == (3, 3, 3, 3)
        )
        assert close(h[0][0], A + A.T)
        assert close(h[0][1], central_jacobian(ad.grad(P.quad_form, wrt=0), (x, A), 1))
        assert close(h[1][0], central_jacobian(ad.grad(P.quad_form, wrt=1), (x, A), 0))


# ---------------------------------------------------------------- value_and_grad


VG_CASES = {
    k: HESS_CASES[k]
    for k in [
        "mse-w",
        "logistic_nll",
        "cross_entropy",
        "rosenbrock",
        "pair_energy",
        "outer_energy-x",
        "quad_form-x",
        "logsumexp",
        "mlp_loss-W1",
        "branch_scalar-neg",
        "scalar_pick",
    ]
}


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("case", list(VG_CASES))
def test_value_and_grad_value_is_the_plain_call(case, mode):
    f, args, k = VG_CASES[case]
    for dt in [np.float64, np.float32, np.float64]:
        a = tuple(x.astype(dt) if isinstance(x, np.ndarray) else x for x in args)
        plain = f(*a)
        vg = ad.value_and_grad(f, wrt=k, mode=mode)
        for _ in range(2):
            v, g = vg(*a)
            assert type(v) is type(plain)
            assert np.array_equal(v, plain)
            assert g.dtype == a[k].dtype


# ---------------------------------------------------------------- jit=True


JIT_JAC = {
    "jacrev-linear-x": ("jacrev", P.linear, (W34, X4, B3), 1),
    "jacrev-tanh_layer-W": ("jacrev", P.tanh_layer, (W34, X4, B3), 0),
    "reverse-vec_mat-A": ("reverse", P.vec_mat, (V3, R.standard_normal((3, 5))), 1),
    "jacfwd-outer-x": ("jacfwd", P.outer, (V3, X4), 0),
    "jacfwd-row_tail": ("jacfwd", P.row_tail, (W34, 1), 0),
    "jacfwd-col_tail-A": ("jacfwd", P.col_tail, (A44, X4), 0),
    "jacrev-col_tail-x": ("jacrev", P.col_tail, (A44, X4), 1),
    "jacrev-outer-y": ("jacrev", P.outer, (V3, X4), 1),
    "jacrev-corner_block": ("jacrev", P.corner_block, (A44[:3, :3],), 0),
    "jacrev-softmax_rows": ("jacrev", P.softmax_rows, (R.standard_normal((2, 3)),), 0),
    "hessian-quad_form-x": ("hessian", P.quad_form, (V3, A44[:3, :3]), 0),
    "hessian-rosenbrock": ("hessian", P.rosenbrock, (V5 * 0.5,), 0),
    "hessian-outer_energy-y": ("hessian", P.outer_energy, (V3, X4 * 0.5), 1),
    "hessian-pair_energy": ("hessian", P.pair_energy, (X4,), 0),
}


JIT_EQUAL = [
    c
    for c in JIT_JAC
    if c not in ("reverse-vec_mat-A", "jacrev-corner_block", "hessian-pair_energy")
]


@pytest.mark.parametrize("case", JIT_EQUAL)
def test_jit_equals_numpy_and_central_differences(case):
    kind, f, args, k = JIT_JAC[case]
    Jj = make(kind, f, k, jit=True)
    Jn = make(kind, f, k)
    want = Jn(*args)
    for _ in range(2):
        got = Jj(*args)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14)
    ref = central_hessian(f, args, k) if kind == "hessian" else central_jacobian(f, args, k)
    assert close(got, ref)
    # float32 alternated with float64: same dtype as the input, numbers of the NumPy code
    a32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    g32 = Jj(*a32)
    n32 = Jn(*a32)
    assert g32.dtype == np.float32
    # float32 rounding: compared at the scale of the largest entry (cancellation in Rosenbrock)
    assert np.allclose(g32, n32, rtol=1e-5, atol=1e-5 * float(np.max(np.abs(n32))))
    assert np.allclose(Jj(*args), want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "case",
    [
        "jacfwd-outer-x",
        "jacfwd-row_tail",
        "jacfwd-col_tail-A",
        "jacrev-linear-x",
        "hessian-quad_form-x",
        "jacrev-col_tail-x",
    ],
)
def test_jit_tuple_indexing_compiles_where_it_does(case):
    kind, f, args, k = JIT_JAC[case]
    make(kind, f, k, jit=True)(*args)
    runs = backend.runs_of(f)
    name = {
        "jacfwd": f.__name__ + "_jvp",
        "jacrev": f.__name__ + "_value_and_grad_jvp",
        "hessian": f.__name__ + "_grad_jvp",
    }[kind]
    assert runs.get(name) is True, runs


@pytest.mark.parametrize(
    "case",
    [
        "jacrev-outer-y",
        "jacrev-corner_block",
        "hessian-outer_energy-y",
        "hessian-pair_energy",
    ],
)
def test_jit_tuple_indexing_should_compile(case):
    kind, f, args, k = JIT_JAC[case]
    make(kind, f, k, jit=True)(*args)
    runs = backend.runs_of(f)
    name = {"jacrev": f.__name__ + "_value_and_grad_jvp", "hessian": f.__name__ + "_grad_jvp"}[kind]
    assert runs.get(name) is True, runs


@pytest.mark.parametrize("case", ["row_tail", "col_tail-A"])
def test_jit_jacrev_integer_slice_tuple_should_compile(case):
    f, args, k = {"row_tail": (P.row_tail, (W34, 1), 0), "col_tail-A": (P.col_tail, (A44, X4), 0)}[
        case
    ]
    ad.jacrev(f, wrt=k, jit=True)(*args)
    assert backend.runs_of(f).get(f.__name__ + "_value_and_grad_jvp") is True


def test_jit_fallback_warns_once_and_numbers_match(caplog):
    f = P.rows_softmax_only_here  # reductions with axis= have no Numba version
    J = ad.jacrev(f, jit=True)
    with caplog.at_level(logging.WARNING, logger="s2s_ad.jit"):
        for i, shape in enumerate([(2, 3), (2, 3), (3, 2), (2, 3), (3, 2)]):
            X = rng(i).standard_normal(shape)
            assert np.array_equal(J(X), ad.jacrev(f)(X))
    recs = [r for r in caplog.records if r.name == "s2s_ad.jit" and r.levelno >= logging.WARNING]
    assert len(recs) == 1, [r.getMessage() for r in recs]
    assert "rows_softmax_only_here" in recs[0].getMessage()


def test_jit_jacrev_float32_sigmoid_runs_vector_pass(caplog):
    x = np.linspace(-1.0, 1.0, 5).astype(np.float32)
    with caplog.at_level(logging.WARNING, logger="s2s_ad.jit"):
        got = ad.jacrev(P.sigmoid_only_here, jit=True)(x)
    assert got.dtype == np.float32
    assert np.allclose(got, ad.jacrev(P.sigmoid_only_here)(x), rtol=1e-5)
    msgs = [r.getMessage() for r in caplog.records if r.name == "s2s_ad.jit"]
    assert not any("row by row" in m for m in msgs), msgs


def test_jit_fallback_warning_quotes_generated_line(caplog):
    r = rng(12)
    args = (
        r.standard_normal(3).astype(np.float32),
        r.standard_normal((4, 3)).astype(np.float32),
        r.standard_normal(4).astype(np.float32),
    )
    with caplog.at_level(logging.WARNING, logger="s2s_ad.jit"):
        h = ad.hessian(P.mse_only_here, jit=True)(*args)
    assert h.dtype == np.float32
    assert np.array_equal(h, ad.hessian(P.mse_only_here)(*args))
    # (fixed: float32 arguments run as NumPy code, as Numba computes them with float literals
    # in float64; the warning says so instead of quoting a line of s2s_ad's helpers)
    msgs = [r.getMessage() for r in caplog.records if r.name == "s2s_ad.jit"]
    assert len(msgs) == 1
    assert "float32" in msgs[0] and "line 643" not in msgs[0], msgs[0]


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "hessian"])
def test_jit_globals_rebound(kind, restore_globals):
    f = P.scaled_norm if kind == "hessian" else P.global_scaled
    J = make(kind, f, jit=True)
    x = rng(13).standard_normal(3)
    for s, off in [(2.0, np.array([0.5, -0.25, 1.0])), (-3.0, np.array([1.0, 2.0, 3.0]))]:
        P.SCALE, P.OFFSET = s, off
        assert np.allclose(J(x), make(kind, f)(x), rtol=1e-12, atol=1e-14)
    P.OFFSET[2] = -7.0
    assert np.allclose(J(x), make(kind, f)(x), rtol=1e-12, atol=1e-14)


def test_jit_value_and_grad_float64_value_equals_plain_call():
    for f, args in [
        (P.rosenbrock, (V5,)),
        (P.quad_form, (V3, A44[:3, :3])),
        (P.logistic_nll, HESS_CASES["logistic_nll"][1]),
    ]:
        v, g = ad.value_and_grad(f, jit=True)(*args)
        assert v == f(*args)
        assert np.allclose(g, ad.grad(f)(*args), rtol=1e-12, atol=1e-14)


def test_jit_value_and_grad_float32_value_is_plain_call():
    x = rng(9).standard_normal(5).astype(np.float32)
    plain = P.rosenbrock(x)
    v, g = ad.value_and_grad(P.rosenbrock, jit=True)(x)
    assert g.dtype == np.float32
    assert np.asarray(v).dtype == np.float32
    assert v == plain


# ---------------------------------------------------------------- dtypes like JAX


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse", "hessian"])
def test_float32_in_float32_out(kind):
    f = P.logsumexp if kind == "hessian" else P.softplus
    x = np.linspace(-1, 1, 4).astype(np.float32)
    J = make(kind, f)
    for _ in range(2):
        got = J(x)
        assert got.dtype == np.float32
    assert J(x.astype(np.float64)).dtype == np.float64
    assert J(x).dtype == np.float32


@pytest.mark.parametrize("kind", ["jacrev", "jacfwd", "reverse", "hessian", "jacrev-scalar"])
def test_float16_in_float16_out(kind):
    x = np.linspace(-1, 1, 3).astype(np.float16)
    assert ad.grad(P.softplus_sum)(x).dtype == np.float16
    if kind == "jacrev-scalar":
        got = ad.jacrev(P.softplus_sum)(x)
    else:
        got = make(kind, P.softplus_sum if kind == "hessian" else P.softplus)(x)
    assert got.dtype == np.float16


@pytest.mark.parametrize("case", ["triple", "row_tail"])
def test_jit_jacfwd_float32_stays_float32(case):
    X = np.arange(12.0).reshape(3, 4).astype(np.float32)
    f, args = {"triple": (P.triple, (X[0].copy(),)), "row_tail": (P.row_tail, (X, 1))}[case]
    assert ad.jacfwd(f)(*args).dtype == np.float32
    got = ad.jacfwd(f, jit=True)(*args)
    assert got.dtype == np.float32
    assert np.array_equal(got, ad.jacfwd(f)(*args))


def test_jit_float32_rosenbrock_hessian_bit_equal():
    x = np.array([-0.10347822, -0.40675777, 0.1738253, 0.12377287, 0.5494064], np.float32)
    assert np.array_equal(ad.hessian(P.rosenbrock, jit=True)(x), ad.hessian(P.rosenbrock)(x))
