"""Independent tests of `x.astype(...)` with every NumPy keyword, `copy=False` included.

Written from the README alone. Each program below is what a user would write: casts of
arguments, intermediates, globals and 2-d arrays, float64 -> float32 -> float64 round trips,
casts to int/bool used as masks and indices, casts in loops and branches, and in-place
updates after `copy=False`. A program that updates what `copy=False` may have returned must
either be refused with an s2s_ad error naming this file and the update's line, or give the
plain call's value and the right derivative, and never change the caller's arguments.
"""

import inspect
import os

import numpy as np
import pytest

import s2s_ad as ad

THIS_FILE = os.path.basename(__file__)

WG = np.array([[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]])
WG32 = WG.astype(np.float32)
DT = np.float64


# --------------------------------------------------------------------------------------
# programs that must run
# --------------------------------------------------------------------------------------


def cast_basic(x):
    y = x.astype(np.float64)
    return np.sum(np.sin(y) * y)


def cast_nocopy_read_only(x):
    y = x.astype(np.float64, copy=False)
    return np.sum(y**2 * x + np.cos(y))


def cast_all_keywords_copy_true(x):
    y = x.astype(dtype=np.float64, order="K", casting="same_kind", subok=True, copy=True)
    y += 1.0
    return np.sum(y * x)


def cast_positional_copy_true(x):
    y = x.astype(np.float64, "C", "unsafe", True, True)
    y[0] = 2.0 * x[1]
    return np.sum(y * x)


def cast_default_copy_then_imul(x):
    y = x.astype("f8")
    y *= 3.0
    y[-1] = np.exp(x[0])
    return np.sum(y * np.sin(x))


def mask_float(x):
    m = (x > 0.0).astype(np.float64)
    return np.sum(m * x**2 + (1.0 - m) * np.sin(x))


def mask_bool_index(x):
    m = (x > 0.0).astype(bool)
    return np.sum(x[m] ** 2) + np.sum(np.cos(x[~m]))


def int_index(x):
    k = (np.floor(np.abs(x) * 2.0).astype(np.intp)) % x.shape[0]
    return np.sum(x[k] * x) + np.sum(np.tanh(x))


def int_count(x):
    n = (x > 0.0).astype(int).sum()
    return np.sum(x**2) * n + np.sum(x)


def loop_casts(x):
    h = x
    for _i in range(3):
        y = h.astype(np.float64, copy=False)
        h = np.tanh(y * 0.9) + 0.1 * x
    return np.sum(h**2)


def loop_temp_update(x):
    h = x * 1.0
    for _i in range(3):
        y = (h * 1.0).astype(np.float64, copy=False)
        y *= 0.5
        h = np.sin(y) + x
    return np.sum(h * h)


def branch_casts(x):
    if np.sum(x) > 0.0:  # noqa: SIM108
        y = x.astype(np.float64, order="F")
    else:
        y = x.astype(np.float64, copy=True)
    y[0] = 1.0
    return np.sum(y * np.exp(x))


def cast_intermediate_unread(x):
    z = np.exp(x)
    y = z.astype(np.float64, copy=False)
    y += 1.0
    return np.sum(y**2)


def cast_global_read_only(x):
    w = WG.astype(np.float64, copy=False)
    w2 = WG32.astype(np.float64)
    return np.sum(np.tanh(w @ x)) + np.sum((w2 @ x) ** 2)


def asarray_and_array_copy(x):
    a = np.asarray(x, dtype=np.float64)
    b = np.array(x, dtype=np.float64)
    b += 1.0
    return np.sum(a * b) + np.sum(np.asarray(x * 2.0, dtype=float))


def order_f_of_c_matrix(a):
    y = a.astype(np.float64, order="F", copy=False)
    y *= 2.0
    return np.sum(y * a)


def order_c_of_f_matrix(a):
    y = a.astype(np.float64, order="C", copy=False)
    y *= 2.0
    return np.sum(y * np.sin(a))


def matrix_casts(a):
    b = a.astype(np.float64, order="C", casting="same_kind")
    m = (b > 1.0).astype(np.float64)
    return np.sum((b * m) @ b.T) + np.sum(b.T.astype(np.float64, order="F") ** 3)


def vec_cast_tanh(x):
    y = x.astype(np.float64, copy=False)
    return np.tanh(y) * x


def vec_mask(x):
    m = (x > 0.0).astype(x.dtype)
    return m * x**2 + np.exp(x) * (1.0 - m)


def vec_matrix(a):
    return (a.astype(np.float64, order="F") ** 2).sum(axis=0) + a.astype(float)[0]


def vec_loop(x):
    out = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        k = np.floor(x[i] * 0.0).astype(int)
        out[i] = x[i + k] ** 2 + np.sin(x[i].astype(np.float64))
    return out


X = np.array([0.3, -0.7, 1.2, 0.45])
X_POS = np.array([0.3, 0.7, 1.2, 0.45])
X_NEG = np.array([-0.3, -0.7, -1.2, 0.45])
XS = np.array([0.3, -0.7])
A = np.array([[0.5, 1.25, -0.75], [1.5, -0.25, 2.0]])

RUN_SCALAR = [
    ("cast_basic", cast_basic, X),
    ("cast_nocopy_read_only", cast_nocopy_read_only, X),
    ("cast_all_keywords_copy_true", cast_all_keywords_copy_true, X),
    ("cast_positional_copy_true", cast_positional_copy_true, X),
    ("cast_default_copy_then_imul", cast_default_copy_then_imul, X),
    ("mask_float", mask_float, X),
    ("mask_bool_index", mask_bool_index, X),
    ("int_index", int_index, X),
    ("int_count", int_count, X),
    ("loop_casts", loop_casts, X),
    ("loop_temp_update", loop_temp_update, X),
    ("branch_casts_pos", branch_casts, X_POS),
    ("branch_casts_neg", branch_casts, X_NEG),
    ("cast_intermediate_unread", cast_intermediate_unread, X),
    ("cast_global_read_only", cast_global_read_only, np.array([0.3, -0.7, 1.2])),
    ("asarray_and_array_copy", asarray_and_array_copy, X),
    ("order_f_of_c_matrix", order_f_of_c_matrix, A),
    ("order_c_of_f_matrix", order_c_of_f_matrix, np.asfortranarray(A)),
    ("order_c_of_transposed_view", order_c_of_f_matrix, A.T),
    ("matrix_casts", matrix_casts, A),
]
RUN_VECTOR = [
    ("vec_cast_tanh", vec_cast_tanh, X),
    ("vec_mask", vec_mask, X),
    ("vec_matrix", vec_matrix, A),
    ("vec_loop", vec_loop, X),
]
HESSIAN_IDS = {
    "cast_basic",
    "mask_float",
    "cast_all_keywords_copy_true",
    "loop_casts",
    "branch_casts_pos",
    "matrix_casts",
    "order_f_of_c_matrix",
}


def fresh(a):
    return np.copy(a, order="K")


def central(f, x, eps=1e-6):
    """Central differences of f at x: shape out.shape + x.shape."""
    out0 = np.asarray(f(fresh(x)))
    jac = np.zeros(out0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        xp, xm = fresh(x), fresh(x)
        xp[idx] += eps
        xm[idx] -= eps
        d = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2.0 * eps)
        jac[(..., *idx)] = d
    return jac


def central_hessian(f, x, eps=1e-5):
    g = ad.grad(f)
    h = np.zeros(x.shape + x.shape)
    for idx in np.ndindex(x.shape):
        xp, xm = fresh(x), fresh(x)
        xp[idx] += eps
        xm[idx] -= eps
        h[(..., *idx)] = (g(xp) - g(xm)) / (2.0 * eps)
    return h


def check_unchanged(arg, keep):
    assert arg.dtype == keep.dtype
    assert np.array_equal(arg, keep), "the caller's argument was changed"


@pytest.mark.parametrize("name, f, x0", RUN_SCALAR, ids=[c[0] for c in RUN_SCALAR])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_scalar_programs_grad(name, f, x0, mode):
    x = fresh(x0)
    keep = fresh(x0)
    w_keep, w32_keep = WG.copy(), WG32.copy()
    ref = central(f, x)
    plain = f(fresh(x0))
    g = ad.grad(f, mode=mode)(x)
    check_unchanged(x, keep)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, ref, rtol=1e-6, atol=1e-7)
    v, g2 = ad.value_and_grad(f, mode=mode)(x)
    check_unchanged(x, keep)
    assert v == plain
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-14)
    assert np.array_equal(WG, w_keep) and np.array_equal(WG32, w32_keep)


HESSIAN_CASES = [c for c in RUN_SCALAR if c[0] in HESSIAN_IDS]


@pytest.mark.parametrize("name, f, x0", HESSIAN_CASES, ids=[c[0] for c in HESSIAN_CASES])
def test_scalar_programs_hessian(name, f, x0):
    x = fresh(x0)
    keep = fresh(x0)
    h = ad.hessian(f)(x)
    check_unchanged(x, keep)
    assert h.shape == x.shape + x.shape
    np.testing.assert_allclose(h, central_hessian(f, x0), rtol=1e-5, atol=1e-6)
    hflat = h.reshape(x.size, x.size)
    np.testing.assert_allclose(hflat, hflat.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, f, x0", RUN_VECTOR, ids=[c[0] for c in RUN_VECTOR])
@pytest.mark.parametrize("api", ["jacfwd", "jacrev", "jacobian"])
def test_vector_programs_jacobians(name, f, x0, api):
    x = fresh(x0)
    keep = fresh(x0)
    ref = central(f, x)
    jac_fn = getattr(ad, api)(f)
    for _ in range(2):  # the first call and a later (fast path) call
        j = jac_fn(x)
        check_unchanged(x, keep)
        assert j.shape == ref.shape
        np.testing.assert_allclose(j, ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, f, x0", RUN_VECTOR, ids=[c[0] for c in RUN_VECTOR])
def test_vector_programs_jvp_vjp(name, f, x0):
    x = fresh(x0)
    keep = fresh(x0)
    ref = central(f, x)
    out_shape = ref.shape[: ref.ndim - x.ndim]
    rng = np.random.default_rng(3)
    t = rng.standard_normal(x.shape)
    u = rng.standard_normal(out_shape)
    val, jt = ad.jvp(f, (x,), (t,))
    check_unchanged(x, keep)
    assert np.array_equal(val, f(fresh(x0)))
    np.testing.assert_allclose(jt, np.tensordot(ref, t, axes=x.ndim), rtol=1e-6, atol=1e-7)
    _out, pullback = ad.vjp(f, x)
    (ct,) = pullback(u)
    check_unchanged(x, keep)
    np.testing.assert_allclose(ct, np.tensordot(u, ref, axes=u.ndim), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.sum(jt * u), np.sum(ct * t), rtol=1e-10)


# --------------------------------------------------------------------------------------
# float32 arguments: copy=False makes a new float64 array, so updates of it must run
# (compared with the analytic derivative: differences in float32 are too rough)
# --------------------------------------------------------------------------------------


def f32_nocopy_iadd(x):
    y = x.astype(np.float64, copy=False)
    y += 1.0
    return np.sum(y * x)


def f32_nocopy_setitem(x):
    y = x.astype(np.float64, copy=False)
    y[0] = 3.0
    return np.sum(y * x)


def f32_nocopy_imul_intermediate(x):
    z = np.sin(x)
    y = z.astype(np.float64, copy=False)
    y *= 2.0
    return np.sum(y * z)


def f32_asarray_iadd(x):
    y = np.asarray(x, dtype=np.float64)
    y += 1.0
    return np.sum(y * x)


def f32_roundtrip(x):
    y = x.astype(np.float32).astype(np.float64)
    return np.sum(y**3)


def f64_to_f32_nocopy_imul(x):
    y = x.astype(np.float32, copy=False)
    y *= 2.0
    return np.sum(y * x)


def _x32():
    return np.array([0.3, -0.7, 1.2], dtype=np.float32)


F32_CASES = [
    ("f32_nocopy_iadd", f32_nocopy_iadd, _x32(), lambda x: 2.0 * x + 1.0),
    ("f32_nocopy_setitem", f32_nocopy_setitem, _x32(), lambda x: np.r_[3.0, 2.0 * x[1:]]),
    (
        "f32_nocopy_imul_intermediate",
        f32_nocopy_imul_intermediate,
        _x32(),
        lambda x: 4.0 * np.sin(x) * np.cos(x),
    ),
    ("f32_asarray_iadd", f32_asarray_iadd, _x32(), lambda x: 2.0 * x + 1.0),
    ("f32_roundtrip_of_f32", f32_roundtrip, _x32(), lambda x: 3.0 * x**2),
    ("f64_roundtrip_through_f32", f32_roundtrip, np.array([0.3, -0.7, 1.2]), lambda x: 3 * x**2),
    ("f64_to_f32_nocopy_imul", f64_to_f32_nocopy_imul, np.array([0.3, -0.7, 1.2]), lambda x: 4 * x),
]


@pytest.mark.parametrize("name, f, x0, exact", F32_CASES, ids=[c[0] for c in F32_CASES])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_float32_casts(name, f, x0, exact, mode):
    x = fresh(x0)
    keep = fresh(x0)
    plain = f(fresh(x0))
    v, g = ad.value_and_grad(f, mode=mode)(x)
    check_unchanged(x, keep)
    assert v == plain
    assert g.dtype == x0.dtype and g.shape == x0.shape
    np.testing.assert_allclose(g, exact(x0.astype(np.float64)), rtol=2e-6, atol=1e-6)
    g2 = ad.grad(f, mode=mode)(x)
    check_unchanged(x, keep)
    np.testing.assert_allclose(g2, g, rtol=1e-6)


def test_float32_vector_nocopy_update_jacobians():
    def f(x):
        y = x.astype(np.float64, copy=False)
        y += 1.0
        return y * x

    x = _x32()
    keep = fresh(x)
    exact = np.diag(2.0 * x.astype(np.float64) + 1.0)
    for api in ("jacfwd", "jacrev", "jacobian"):
        j = getattr(ad, api)(f)
        for _ in range(2):
            np.testing.assert_allclose(j(x), exact, rtol=2e-6, atol=1e-6)
            check_unchanged(x, keep)


def test_float32_hessian_after_nocopy_update():
    x = _x32()
    keep = fresh(x)
    h = ad.hessian(f32_nocopy_iadd)(x)
    check_unchanged(x, keep)
    np.testing.assert_allclose(h, 2.0 * np.eye(3), rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------------------
# programs whose in-place update would change the argument or an intermediate read later:
# they must be refused with an s2s_ad error naming this file and the update's line
# --------------------------------------------------------------------------------------


def ref_iadd(x):
    y = x.astype(np.float64, copy=False)
    y += 1.0  # UPDATE
    return np.sum(y * x)


def ref_setitem(x):
    y = x.astype(np.float64, copy=False)
    y[1] = 0.5  # UPDATE
    return np.sum(y * x)


def ref_imul_intermediate(x):
    z = np.sin(x)
    y = z.astype(np.float64, copy=False)
    y *= 2.0  # UPDATE
    return np.sum(y * z)


def ref_dtype_string(x):
    y = x.astype("f8", copy=False)
    y -= 0.5  # UPDATE
    return np.sum(y * x)


def ref_dtype_python_float(x):
    y = x.astype(float, copy=False)
    y[0] = 2.0  # UPDATE
    return np.sum(y * x)


def ref_dtype_of_arg(x):
    y = x.astype(x.dtype, copy=False)
    y /= 2.0  # UPDATE
    return np.sum(y * x)


def ref_dtype_global(x):
    y = x.astype(DT, copy=False)
    y += 1.0  # UPDATE
    return np.sum(y * x)


def ref_positional_copy_false(x):
    y = x.astype(np.float64, "K", "same_kind", True, False)
    y += 1.0  # UPDATE
    return np.sum(y * x)


def ref_copy_flag(x, flag=False):
    y = x.astype(np.float64, copy=flag)
    y *= 2.0  # UPDATE
    return np.sum(y * x)


def ref_asarray(x):
    y = np.asarray(x, dtype=np.float64)
    y += 1.0  # UPDATE
    return np.sum(y * x)


def ref_loop(x):
    h = x * 1.0
    for _i in range(3):
        y = h.astype(np.float64, copy=False)
        y *= 0.5  # UPDATE
        h = np.tanh(y) + x * h
    return np.sum(h**2)


def ref_branch(x):
    if np.sum(x) > 0.0:  # noqa: SIM108
        y = x.astype(np.float64, copy=False)
    else:
        y = x.astype(np.float64)
    y *= 2.0  # UPDATE
    return np.sum(y * x)


def _to64(v):
    return v.astype(np.float64, copy=False)


def ref_helper(x):
    y = _to64(x)
    y += 1.0  # UPDATE
    return np.sum(y * x)


def ref_view_of_cast(x):
    y = x.astype(np.float64, copy=False)
    z = y[::2]
    z += 1.0  # UPDATE
    return np.sum(x * x)


def ref_cast_of_view(x):
    v = x[1:]
    y = v.astype(np.float64, copy=False)
    y[0] = 0.0  # UPDATE
    return np.sum(y * x[1:])


def ref_order_c_matrix(a):
    y = a.astype(np.float64, order="C", copy=False)
    y *= 2.0  # UPDATE
    return np.sum(y * a)


def ref_order_f_vector(x):
    y = x.astype(np.float64, order="F", copy=False)
    y *= 2.0  # UPDATE
    return np.sum(y * x)


def ref_vector_output(x):
    y = x.astype(np.float64, copy=False)
    y += 1.0  # UPDATE
    return y * x


REFUSED = [
    ("ref_iadd", ref_iadd, X),
    ("ref_setitem", ref_setitem, X),
    ("ref_imul_intermediate", ref_imul_intermediate, X),
    ("ref_dtype_string", ref_dtype_string, X),
    ("ref_dtype_python_float", ref_dtype_python_float, X),
    ("ref_dtype_of_arg", ref_dtype_of_arg, X),
    ("ref_dtype_global", ref_dtype_global, X),
    ("ref_positional_copy_false", ref_positional_copy_false, X),
    ("ref_copy_flag", ref_copy_flag, X),
    ("ref_asarray", ref_asarray, X),
    ("ref_loop", ref_loop, X),
    ("ref_branch", ref_branch, X_POS),
    ("ref_helper", ref_helper, X),
    ("ref_view_of_cast", ref_view_of_cast, X),
    ("ref_cast_of_view", ref_cast_of_view, X),
    ("ref_order_c_matrix", ref_order_c_matrix, A),
    ("ref_order_f_vector", ref_order_f_vector, X),
]


def update_line(f):
    lines, start = inspect.getsourcelines(f)
    hits = [start + i for i, text in enumerate(lines) if "# UPDATE" in text]
    assert len(hits) == 1
    return hits[0]


def assert_located_refusal(call, f, arg):
    keep = fresh(arg)
    with pytest.raises(ad.S2SError) as info:
        call(arg)
    msg = str(info.value)
    assert f"{THIS_FILE}:{update_line(f)}" in msg, msg
    assert "Traceback" not in msg
    check_unchanged(arg, keep)


API_SCALAR = {
    "grad_reverse": lambda f: ad.grad(f),
    "grad_forward": lambda f: ad.grad(f, mode="forward"),
    "value_and_grad": lambda f: ad.value_and_grad(f),
    "value_and_grad_forward": lambda f: ad.value_and_grad(f, mode="forward"),
    "hessian": lambda f: ad.hessian(f),
    "vjp": lambda f: lambda x: ad.vjp(f, x),
    "jvp": lambda f: lambda x: ad.jvp(f, (x,), (np.ones_like(x),)),
}


@pytest.mark.parametrize("name, f, x0", REFUSED, ids=[c[0] for c in REFUSED])
@pytest.mark.parametrize("api", sorted(API_SCALAR))
def test_refused_updates(name, f, x0, api):
    assert_located_refusal(API_SCALAR[api](f), f, fresh(x0))


JAC_APIS = {
    "jacfwd": ad.jacfwd,
    "jacobian": ad.jacobian,
    "jacobian_forward": lambda f: ad.jacobian(f, mode="forward"),
}


@pytest.mark.parametrize("api", sorted(JAC_APIS))
def test_refused_vector_output(api):
    jac = JAC_APIS[api](ref_vector_output)
    assert_located_refusal(jac, ref_vector_output, fresh(X))
    # the same function given a float32 argument: the cast copies, so it runs
    x32 = _x32()
    exact = np.diag(2.0 * x32.astype(np.float64) + 1.0)
    np.testing.assert_allclose(jac(x32), exact, rtol=2e-6, atol=1e-6)
    assert_located_refusal(jac, ref_vector_output, fresh(X))


def jr_astype_a(x):
    y = x.astype(np.float64, copy=False)
    y += 1.0  # UPDATE
    return y * x


def jr_astype_b(x):
    y = x.astype(np.float64, copy=False)
    y += 1.0  # UPDATE
    return y * x


def jr_asarray(x):
    y = np.asarray(x, dtype=np.float64)
    y += 1.0  # UPDATE
    return y * x


@pytest.mark.parametrize(
    "f, api",
    [
        (jr_astype_a, ad.jacrev),
        (jr_astype_b, lambda f: ad.jacobian(f, mode="reverse")),
        (jr_asarray, ad.jacrev),
    ],
    ids=["jacrev_astype", "jacobian_reverse_astype", "jacrev_asarray"],
)
def test_reverse_jacobian_refusal_leaves_argument_unchanged(f, api):
    assert_located_refusal(api(f), f, fresh(X))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_dtype_alternation_refuse_then_run(mode):
    """float64 (shares: refused), float32 (copies: runs), float64 again, float32 again."""
    g = ad.grad(ref_iadd, mode=mode)
    x32 = _x32()
    for _ in range(2):
        assert_located_refusal(g, ref_iadd, fresh(X))
        keep = fresh(x32)
        np.testing.assert_allclose(g(x32), 2.0 * x32 + 1.0, rtol=1e-6)
        check_unchanged(x32, keep)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_contiguity_alternation(mode):
    """order="C", copy=False shares with a C-ordered matrix but copies an F-ordered one."""
    g = ad.grad(ref_order_c_matrix, mode=mode)
    for _ in range(2):
        af = np.asfortranarray(A)
        keep = fresh(af)
        np.testing.assert_allclose(g(af), 4.0 * A, rtol=1e-12)
        check_unchanged(af, keep)
        assert_located_refusal(g, ref_order_c_matrix, fresh(A))


def test_copy_flag_true_runs_false_refused():
    np.testing.assert_allclose(ad.grad(ref_copy_flag)(fresh(X), True), 4.0 * X, rtol=1e-12)
    assert_located_refusal(lambda x: ad.grad(ref_copy_flag)(x, False), ref_copy_flag, fresh(X))


def test_branch_not_sharing_runs():
    # the else branch copies; the update is fine there
    x = fresh(X_NEG)
    keep = fresh(x)
    g = ad.grad(ref_branch)(x)
    check_unchanged(x, keep)
    np.testing.assert_allclose(g, 4.0 * X_NEG, rtol=1e-12)


# --------------------------------------------------------------------------------------
# np.array(x, dtype=..., copy=False): NumPy 2 never copies (and raises if it must)
# --------------------------------------------------------------------------------------


def array_nocopy_read(x):
    y = np.array(x, dtype=np.float64, copy=False)
    return np.sum(y**2)


def array_nocopy_update(x):
    y = np.array(x, dtype=np.float64, copy=False)
    y += 1.0  # UPDATE
    return np.sum(y * x)


def array_nocopy_needs_copy(x):
    y = np.array(x, dtype=np.float64, copy=False)  # UPDATE
    return np.sum(y**2)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_array_copy_false_read_only(mode):
    x = fresh(X)
    keep = fresh(x)
    v, g = ad.value_and_grad(array_nocopy_read, mode=mode)(x)
    check_unchanged(x, keep)
    assert v == array_nocopy_read(fresh(X))
    np.testing.assert_allclose(g, 2.0 * X, rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_array_copy_false_float32_raises_at_line(mode):
    x = _x32()
    with pytest.raises(ValueError):
        array_nocopy_needs_copy(fresh(x))
    assert_located_refusal(
        ad.value_and_grad(array_nocopy_needs_copy, mode=mode), array_nocopy_needs_copy, x
    )


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_array_copy_false_update_refused_or_right(mode):
    x = fresh(XS)
    keep = fresh(x)
    plain_arg = fresh(XS)
    plain = array_nocopy_update(plain_arg)  # changes plain_arg, as NumPy does
    try:
        v, g = ad.value_and_grad(array_nocopy_update, mode=mode)(x)
    except ad.S2SError as e:
        assert f"{THIS_FILE}:{update_line(array_nocopy_update)}" in str(e)
        check_unchanged(x, keep)
        return
    check_unchanged(x, keep)
    assert v == plain
    np.testing.assert_allclose(g, 2.0 * (XS + 1.0), rtol=1e-12)


# --------------------------------------------------------------------------------------
# a global cast with copy=False is the global itself: updating it must be refused,
# as `Wc = W; Wc *= 2.0` and `np.asarray(W, dtype=np.float64)` are
# --------------------------------------------------------------------------------------

WU = np.array([[1.0, 2.0], [3.0, 4.0]])


def global_alias_update(x):
    wc = WU
    wc *= 2.0  # UPDATE
    return np.sum(wc @ x)


def global_asarray_update(x):
    wc = np.asarray(WU, dtype=np.float64)
    wc *= 2.0  # UPDATE
    return np.sum(wc @ x)


def global_astype_update(x):
    wc = WU.astype(np.float64, copy=False)
    wc *= 2.0  # UPDATE
    return np.sum(wc @ x) + np.sum(WU @ x)


def global_astype_copy_update(x):
    wc = WU.astype(np.float64)
    wc *= 2.0
    return np.sum(wc @ x) + np.sum(WU @ x)


@pytest.mark.parametrize(
    "f", [global_alias_update, global_asarray_update], ids=["alias", "asarray"]
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_global_update_refused(f, mode):
    w_keep = WU.copy()
    assert_located_refusal(ad.grad(f, mode=mode), f, fresh(XS))
    assert np.array_equal(WU, w_keep)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_global_astype_copy_update_runs(mode):
    w_keep = WU.copy()
    v, g = ad.value_and_grad(global_astype_copy_update, mode=mode)(fresh(XS))
    assert np.array_equal(WU, w_keep)
    assert v == global_astype_copy_update(fresh(XS))
    np.testing.assert_allclose(g, 3.0 * WU.sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_global_astype_nocopy_update_refused(mode):
    w_keep = WU.copy()
    try:
        assert_located_refusal(ad.grad(global_astype_update, mode=mode), global_astype_update, XS)
    finally:
        WU[...] = w_keep
