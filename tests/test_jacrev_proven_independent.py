"""Independent tests of jacrev's skipped call of f (issue 19, vector reverse mode).

Written from the README and issue 19 only: jacrev / jacobian(mode="reverse") / jacobian(f)
no longer call ``f`` first where a static analysis proves the output's shape and dtype.
Every program here is something a user would write; each Jacobian is checked against
central differences, against jacfwd, and against a fresh jacrev's first call (bit for bit),
and the warnings and errors against the plain call's.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

import s2s_ad as ad

# --- helpers


def record(fn, *args, **kw):
    """(result or exception, list of warning messages) of one call."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = fn(*args, **kw)
        except Exception as exc:
            out = exc
    return out, [f"{w.category.__name__}: {w.message}" for w in caught]


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def leaves(r):
    return list(r) if isinstance(r, tuple) else [r]


def central(f, args, i, eps=1e-6):
    """Central differences of f with respect to args[i] (float64)."""
    args = list(args)
    x0 = np.asarray(args[i], dtype=np.float64)
    out0 = np.asarray(quiet(f, *args))
    jac = np.zeros(out0.shape + x0.shape)
    for idx in np.ndindex(*x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[idx] += eps
        xm[idx] -= eps
        ap, am = list(args), list(args)
        ap[i] = xp if x0.ndim else float(xp)
        am[i] = xm if x0.ndim else float(xm)
        fp = np.asarray(quiet(f, *ap), dtype=np.float64)
        fm = np.asarray(quiet(f, *am), dtype=np.float64)
        jac[(Ellipsis, *idx)] = (fp - fm) / (2 * eps)
    return jac


def same_bits(a, b):
    a, b = leaves(a), leaves(b)
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert type(u) is type(v), (type(u), type(v))
        u, v = np.asarray(u), np.asarray(v)
        assert u.shape == v.shape, (u.shape, v.shape)
        assert u.dtype == v.dtype, (u.dtype, v.dtype)
        assert u.tobytes() == v.tobytes(), (u, v)


def full_check(f, args, wrt=0, fd=True, rtol=1e-6, atol=1e-7, again=None):
    """jacrev against jacfwd, jacobian(mode='reverse'), a fresh jacrev, central differences."""
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    rev = again if again is not None else ad.jacrev(f, wrt=wrt)
    j1 = rev(*args)
    j2 = rev(*args)
    fresh = ad.jacrev(f, wrt=wrt)(*args)
    same_bits(j1, j2)
    same_bits(j1, fresh)
    same_bits(j1, ad.jacobian(f, wrt=wrt, mode="reverse")(*args))
    fwd = ad.jacfwd(f, wrt=wrt)(*args)
    out = np.asarray(f(*args))
    for blk, fblk, i in zip(leaves(j1), leaves(fwd), wrts, strict=True):
        shape = out.shape + np.shape(args[i])
        assert np.shape(blk) == shape, (np.shape(blk), shape)
        assert np.shape(fblk) == shape
        assert np.asarray(blk).dtype == np.asarray(fblk).dtype
        tol = 1e-12 if np.asarray(blk).dtype == np.float64 else 1e-5
        np.testing.assert_allclose(blk, fblk, rtol=tol, atol=tol)
        if fd:
            np.testing.assert_allclose(blk, central(f, args, i), rtol=rtol, atol=atol)
    return j1


def assert_same_error(plain_exc, got):
    """got must be an exception carrying the plain call's error (its type or message)."""
    assert isinstance(got, Exception), f"expected {plain_exc!r}, got a result {got!r}"
    assert isinstance(got, (type(plain_exc), ad.S2SError)), repr(got)
    first_line = str(plain_exc).splitlines()[0]  # pytest rewrites asserts of this module
    assert first_line in str(got), (str(plain_exc), str(got))


# --- data

X3 = np.array([0.5, -1.0, 2.0])
X5 = np.array([0.5, -1.0, 2.0, -0.3, 1.5])
X2D = np.arange(6.0).reshape(2, 3) * 0.3 - 0.5
W23 = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
N_GLOBAL = 3
A_GLOBAL = np.ones((3, 5))
G_BCAST = np.ones(5)
MASK_GLOBAL = np.array([True, False, True, False, False])
SIZES = {"k": 2}
KS = [2]
K0 = np.array(2)
SCALE = 2.0
C_GLOBAL = -1.0
LOG = []

# --- 1. outputs that are the input or a view of it


def ident(x):
    return x


def transpose(x):
    return x.T


def every_other(x):
    return x[::2]


def flat(x):
    return x.reshape(-1)


def reshaped(x):
    return x.reshape(3, 2)


def tail(x):
    return x[1:]


def reversed_view(x):
    return x[::-1]


def col(x):
    return x[:, 1]


def newaxis_view(x):
    return x[None, :]


def swapped(x):
    return np.swapaxes(x, 0, 1)


VIEW_CASES = [
    (ident, X3),
    (ident, X2D),
    (transpose, X2D),
    (every_other, X5),
    (flat, X2D),
    (reshaped, X2D),
    (tail, X5),
    (reversed_view, X3),
    (col, X2D),
    (newaxis_view, X3),
    (swapped, X2D),
]


@pytest.mark.parametrize(("f", "x"), VIEW_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_views_and_identity(f, x):
    j = full_check(f, (x,))
    # the Jacobian of a view is 0/1: exactly the one of the identity, rearranged
    assert set(np.unique(j)) <= {0.0, 1.0}
    assert not np.shares_memory(j, x)


@pytest.mark.parametrize(("f", "x"), VIEW_CASES[:6], ids=lambda v: getattr(v, "__name__", ""))
def test_views_float32(f, x):
    x32 = x.astype(np.float32)
    j = ad.jacrev(f)(x32)
    assert j.dtype == np.float32
    same_bits(j, ad.jacrev(f)(x32))
    np.testing.assert_array_equal(j, ad.jacfwd(f)(x32))


@pytest.mark.parametrize("f", [ident, every_other, transpose], ids=lambda f: f.__name__)
def test_mutating_the_result_does_not_change_the_next_call(f):
    x = X2D if f is transpose else X5
    jr = ad.jacrev(f)
    first = jr(x)
    keep = first.copy()
    first[...] = 99.0
    second = jr(x)
    np.testing.assert_array_equal(second, keep)
    assert np.array_equal(x, X2D if f is transpose else X5)


# --- 2. shapes that follow from values


def by_mask(x):
    return x[x > 0] * 2.0


def by_nonzero(x):
    idx = np.nonzero(x > 0)[0]
    return np.sin(x[idx])


def by_unique(x):
    u = np.unique(np.sign(x))
    return x[: len(u)] * 3.0


def by_count(x):
    k = int(np.sum(x > 0))
    return np.cos(x[:k])


def by_branch(x):
    if x[0] > 0:
        return x[:2] * 1.0
    return x * 1.0


def by_mean_mask(x):
    return x[x > np.mean(x)] ** 2


def by_while(x):
    y = x
    while np.sum(y) < 20.0:
        y = np.append(y, y[-1] * 2.0)
    return y


def by_int_of_value(x):
    out = []
    for i in range(int(x[2])):
        out.append(x[i] * x[i])
    return np.array(out)


def by_ones_of_value(x):
    return np.ones(int(x[2])) * x[1]


def by_flatnonzero(x):
    return np.tanh(x[np.flatnonzero(x < 1.0)])


VALUE_SHAPE_CASES = [
    (by_mask, [X5, -X5, np.abs(X5), X5, -np.abs(X5)]),
    (by_nonzero, [X5, -X5, np.abs(X5), X5]),
    (by_unique, [X5, np.ones(5), X5 * 3.0, -np.ones(5), X5]),
    (by_count, [X5, np.abs(X5), X5]),
    (by_branch, [X3, -X3, X3]),
    (by_mean_mask, [X5, np.array([0.0, 1.0, 2.3, 3.0, 4.0]), X5]),
    (by_while, [np.abs(X5), np.abs(X5) * 3, np.abs(X5)]),
    (by_int_of_value, [X5 + 0.05, X5 * 2.0 + 0.05, X5 + 0.05]),
    (by_ones_of_value, [X5 + 0.05, X5 * 3.0 + 0.05, X5 + 0.05]),
    (by_flatnonzero, [X5, X5 - 0.9, X5]),
]


@pytest.mark.parametrize(("f", "xs"), VALUE_SHAPE_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_output_shape_set_by_values(f, xs):
    jr = ad.jacrev(f)
    for x in xs:
        full_check(f, (x,), again=jr)


def slice_k(x, k):
    return x[:k] * 2.0


def tile_k(x, k):
    return np.tile(x, k) * 1.5


def repeat_k(x, k):
    return np.repeat(x, k) * 1.5


def arange_n(x, n):
    return np.arange(n) * x[0]


def linspace_a(x, a):
    return np.linspace(0.0, 1.0, int(a)) * x[1]


def strided_k(x, k):
    return x[::k] * x[0]


def diff_k(x, k):
    return np.diff(x, n=k)


def index_by(x, idx):
    return x[idx] * 2.0


def flagged(x, flag):
    if flag:
        return x[:2] * 1.0
    return x * 1.0


def by_mode(x, mode):
    if mode == "twice":
        return np.concatenate([x, x])
    return x * 3.0


def maybe_none(x, k):
    if k is None:
        return x * 2.0
    return x[:k] * 2.0


def rows_k(x, k):
    return np.zeros((k, len(x))) + x


M1 = np.array([True, False, True, False, False])
M2 = np.ones(5, bool)

ARG_SHAPE_CASES = [
    (slice_k, [(X3, 2), (X3, 3), (X5, 1), (X3, 0), (X3, 2)]),
    (slice_k, [(X5, np.int64(2)), (X5, np.int64(4)), (X5, np.array(1)), (X5, np.array(3))]),
    (tile_k, [(X3, 2), (X5, 3), (X3, 1)]),
    (repeat_k, [(X3, 2), (X5, 3), (X3, 2)]),
    (arange_n, [(X3, 2), (X5, 4), (X5, 1)]),
    (linspace_a, [(X5, 2.0), (X5, 3.0), (X5, np.float64(4.0))]),
    (strided_k, [(X5, 2), (X5, 3), (X5, 1)]),
    (diff_k, [(X5, 1), (X5, 2), (X3, 2)]),
    (index_by, [(X5, M1), (X5, M2), (X5, M1), (X5, ~M1)]),
    (index_by, [(X5, np.array([0, 1])), (X5, np.array([3, 1])), (X5, np.array([0, 1, 2]))]),
    (index_by, [(X5, [0, 1]), (X5, [0, 1, 2]), (X5, [4])]),
    (index_by, [(X5, slice(0, 2)), (X5, slice(0, 4)), (X5, slice(None, None, 2))]),
    (index_by, [(X5, np.array([[0, 1], [2, 3]])), (X5, 2), (X5, np.array([[0, 1], [2, 3]]))]),
    (flagged, [(X3, True), (X3, False), (X3, True)]),
    (by_mode, [(X3, "twice"), (X3, "once"), (X3, "twice")]),
    (maybe_none, [(X5, None), (X5, 2), (X5, None)]),
    (rows_k, [(X3, 2), (X5, 4), (X3, 1)]),
]


@pytest.mark.parametrize(
    ("f", "calls"),
    ARG_SHAPE_CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(ARG_SHAPE_CASES)],
)
def test_output_shape_set_by_passive_arguments(f, calls):
    jr = ad.jacrev(f)
    ja = ad.jacobian(f)
    for args in calls:
        full_check(f, args, again=jr)
        np.testing.assert_allclose(ja(*args), jr(*args), rtol=1e-12, atol=1e-12)


# --- 3. globals, closures, defaults, attributes rebound between calls


def uses_n_global(x):
    return x[:N_GLOBAL] * x[:N_GLOBAL]


def uses_zeros_n(x):
    return np.zeros(N_GLOBAL) + x[0] * x[1]


def uses_a_global(x):
    return np.tanh(A_GLOBAL @ x)


def uses_bcast_global(x):
    return x * G_BCAST


def uses_mask_global(x):
    return x[MASK_GLOBAL] * 2.0


def uses_dict_global(x):
    return x[: SIZES["k"]] * 2.0


def uses_list_global(x):
    return x[: KS[0]] * 2.0


def uses_0d_global(x):
    return x[:K0] * 2.0


def uses_scale(x):
    return x * SCALE


def _set(name, value):
    globals()[name] = value


REBIND_CASES = [
    (
        uses_n_global,
        [lambda: _set("N_GLOBAL", 3), lambda: _set("N_GLOBAL", 2), lambda: _set("N_GLOBAL", 5)],
    ),
    (
        uses_zeros_n,
        [lambda: _set("N_GLOBAL", 3), lambda: _set("N_GLOBAL", 1), lambda: _set("N_GLOBAL", 4)],
    ),
    (
        uses_a_global,
        [
            lambda: _set("A_GLOBAL", np.ones((3, 5)) * 0.1),
            lambda: _set("A_GLOBAL", np.ones((2, 5)) * 0.2),
            lambda: _set("A_GLOBAL", np.ones(5) * 0.3),
        ],
    ),
    (
        uses_bcast_global,
        [
            lambda: _set("G_BCAST", np.ones(5)),
            lambda: _set("G_BCAST", np.arange(10.0).reshape(2, 5)),
            lambda: _set("G_BCAST", 3.0),
        ],
    ),
    (
        uses_mask_global,
        [
            lambda: MASK_GLOBAL.__setitem__(slice(None), [True, False, True, False, False]),
            lambda: MASK_GLOBAL.__setitem__(slice(None), True),
            lambda: MASK_GLOBAL.__setitem__(slice(None), False),
        ],
    ),
    (
        uses_dict_global,
        [lambda: SIZES.update(k=2), lambda: SIZES.update(k=4), lambda: SIZES.update(k=1)],
    ),
    (
        uses_list_global,
        [lambda: KS.__setitem__(0, 2), lambda: KS.__setitem__(0, 4), lambda: KS.__setitem__(0, 1)],
    ),
    (
        uses_0d_global,
        [
            lambda: K0.__setitem__((), 2),
            lambda: K0.__setitem__((), 4),
            lambda: K0.__setitem__((), 1),
        ],
    ),
]


@pytest.mark.parametrize(("f", "steps"), REBIND_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_globals_changed_between_calls(f, steps):
    saved = {
        k: (v.copy() if isinstance(v, (np.ndarray, list, dict)) else v)
        for k, v in globals().items()
        if k in ("N_GLOBAL", "A_GLOBAL", "G_BCAST", "SIZES", "KS")
    }
    mask_saved, k0_saved = MASK_GLOBAL.copy(), K0.copy()
    try:
        jr = ad.jacrev(f)
        for step in steps + steps[:1]:
            step()
            full_check(f, (X5,), again=jr)
    finally:
        globals().update(saved)
        MASK_GLOBAL[...] = mask_saved
        K0[...] = k0_saved


def test_global_scale_dtype_changes():
    x32 = X3.astype(np.float32)
    jr = ad.jacrev(uses_scale)
    try:
        for value in (2.0, np.float32(2.0), np.float64(2.0), np.array([1.0, 2.0, 3.0]), 2.0):
            _set("SCALE", value)
            j = jr(x32)
            assert j.dtype == ad.jacfwd(uses_scale)(x32).dtype
            np.testing.assert_allclose(j, ad.jacfwd(uses_scale)(x32), rtol=1e-6)
            same_bits(j, ad.jacrev(uses_scale)(x32))
    finally:
        _set("SCALE", 2.0)


def make_prefix(n):
    def prefix(x):
        return x[:n] * 2.0

    def set_n(v):
        nonlocal n
        n = v

    return prefix, set_n


def test_closure_cell_changed_between_calls():
    prefix, set_n = make_prefix(2)
    jr = ad.jacrev(prefix)
    for n in (2, 4, 1, 2):
        set_n(n)
        j = full_check(prefix, (X5,), again=jr)
        assert j.shape == (n, 5)


def with_default(x, k=2):
    return x[:k] * 3.0


def with_list_default(x, sizes=[2]):  # noqa: B006 - a user's mutable default, changed below
    return x[: sizes[0]] * 3.0


def test_defaults_rebound_between_calls():
    jr = ad.jacrev(with_default)
    saved = with_default.__defaults__
    try:
        for k in (2, 4, 1):
            with_default.__defaults__ = (k,)
            assert full_check(with_default, (X5,), again=jr).shape == (k, 5)
    finally:
        with_default.__defaults__ = saved


def test_mutable_default_changed_between_calls():
    jr = ad.jacrev(with_list_default)
    try:
        for k in (2, 4, 1):
            with_list_default.__defaults__[0][0] = k
            assert full_check(with_list_default, (X5,), again=jr).shape == (k, 5)
    finally:
        with_list_default.__defaults__[0][0] = 2


@dataclass
class Cfg:
    n: int = 2


CFG = Cfg()


def uses_cfg(x):
    return np.sin(x[: CFG.n])


class Layer:
    k = 2

    def __init__(self, w):
        self.w = w

    def head(self, x):
        return np.tanh(self.w * x[: self.k])


def test_object_attribute_changed_between_calls():
    jr = ad.jacrev(uses_cfg)
    try:
        for n in (2, 5, 1, 2):
            CFG.n = n
            assert full_check(uses_cfg, (X5,), again=jr).shape == (n, 5)
    finally:
        CFG.n = 2


def test_method_with_instance_attribute_changed():
    layer = Layer(0.7)
    jr = ad.jacrev(layer.head)
    for k in (2, 3, 1):
        layer.k = k
        assert full_check(layer.head, (X5,), again=jr).shape == (k, 5)


# --- 4. dtypes


def f32_mul(x):
    return x * 0.5 + np.pi


def f64_scalar(x):
    return x * np.float64(2.0)


def f64_array_const(x):
    return x * np.array([1.0, 2.0, 3.0])


def f32_scalar(x):
    return x * np.float32(2.0)


def cast32(x):
    return np.sin(x).astype(np.float32)


def cast64(x):
    return np.sin(x).astype(np.float64)


def cast16(x):
    return (x * 2.0).astype(np.float16)


def asarray32(x):
    return np.asarray(x * 2.0, dtype=np.float32)


def asarray_float(x):
    return np.asarray(x, dtype=float) * 2.0


def item_product(x):
    return x[0] * x[1] * np.ones(2)


def float_item(x):
    return float(x[0]) * x


def np64_item(x):
    return np.float64(x[0]) * x


def matmul_global(x):
    return W23 @ x


def zero_d_array(x):
    return x + np.array(2.0)


def int64_array(x):
    return x + np.arange(3, dtype=np.int64)


def int16_array(x):
    return x * np.arange(1, 4, dtype=np.int16)


def where_py(x):
    return np.where(x > 0, x, 0.0)


def where_f64(x):
    return np.where(x > 0, x, np.zeros(3))


def concat_f64(x):
    return np.concatenate([x, np.zeros(2)])


def concat_same(x):
    return np.concatenate([x, np.zeros(2, dtype=x.dtype)])


def full_of_item(x):
    return np.full(3, x[0]) * x


def ones_like_dtype(x):
    return np.ones(3, dtype=x.dtype) * x[1]


def mean_f64(x):
    return np.mean(x * x, keepdims=True, dtype=np.float64)


def power_f64(x):
    return x ** np.float64(2)


def interp(x):
    return np.interp(x, np.array([-2.5, 0.1, 3.0]), np.array([1.0, 2.0, -1.0]))


def polyval(x):
    return np.polyval(np.array([1.0, 2.0, 3.0]), x)


def stack_items(x):
    return np.stack([x[0], x[1] * 2.0])


def list_to_array(x):
    return np.array([x[0], x[1] * 2.0, 1.0])


def list_to_array32(x):
    return np.array([x[0], x[1] * 2.0], dtype=np.float32)


def branch_dtype(x):
    if x[0] > 0:
        return (x * 2.0).astype(np.float32)
    return x * 2.0


def math_exp_item(x):
    return math.exp(x[0]) * x


DTYPE_CASES = [
    f32_mul,
    f64_scalar,
    f64_array_const,
    f32_scalar,
    cast32,
    cast64,
    cast16,
    asarray32,
    asarray_float,
    item_product,
    float_item,
    np64_item,
    matmul_global,
    zero_d_array,
    int64_array,
    int16_array,
    where_py,
    where_f64,
    concat_f64,
    concat_same,
    full_of_item,
    ones_like_dtype,
    mean_f64,
    power_f64,
    interp,
    polyval,
    stack_items,
    list_to_array,
    list_to_array32,
    branch_dtype,
    math_exp_item,
]


@pytest.mark.parametrize("f", DTYPE_CASES, ids=lambda f: f.__name__)
def test_dtypes_float32_and_float64_alternating(f):
    x64 = np.array([0.5, -1.0, 2.0])
    x32 = x64.astype(np.float32)
    jr = ad.jacrev(f)
    results = {}
    for x in (x32, x64, x32, -x64, x64, -x32):
        j = jr(x)
        same_bits(j, ad.jacrev(f)(x))
        fw = ad.jacfwd(f)(x)
        assert j.shape == np.shape(f(x)) + x.shape
        assert j.dtype == fw.dtype, (j.dtype, fw.dtype)
        # the Jacobian is at least as wide as the input (README: float32 stays float32)
        assert np.can_cast(x.dtype, j.dtype)
        exact = j.dtype == np.float64 and np.asarray(f(x)).dtype == np.float64
        tol = 1e-12 if exact else 1e-6
        np.testing.assert_allclose(j, fw, rtol=tol, atol=tol)
        key = (x.dtype.str, x.tobytes())
        if key in results:
            same_bits(j, results[key])
        results[key] = j
        if exact and x.dtype == np.float64:
            np.testing.assert_allclose(j, central(f, (x,), 0), rtol=1e-6, atol=1e-6)


def test_float16_input():
    x16 = np.array([0.5, -1.0, 2.0], dtype=np.float16)
    for f in (f32_mul, cast32, ident, item_product):
        j = ad.jacrev(f)(x16)
        same_bits(j, ad.jacrev(f)(x16))
        fw = ad.jacfwd(f)(x16)
        assert j.dtype == fw.dtype
        np.testing.assert_allclose(j.astype(float), fw.astype(float), rtol=1e-2, atol=1e-2)


def scalar_in_vector_out(a):
    return np.array([a, a * a, np.sin(a)])


def scalar_times_ones(a):
    return a * np.ones(3)


@pytest.mark.parametrize("a", [0.7, np.float64(0.7), np.float32(0.7), np.array(0.7)], ids=repr)
@pytest.mark.parametrize("f", [scalar_in_vector_out, scalar_times_ones], ids=lambda f: f.__name__)
def test_scalar_inputs(f, a):
    jr = ad.jacrev(f)
    j = jr(a)
    same_bits(j, jr(a))
    same_bits(j, ad.jacrev(f)(a))
    fw = ad.jacfwd(f)(a)
    assert np.shape(j) == np.shape(f(a)) == np.shape(fw)
    assert np.asarray(j).dtype == np.asarray(fw).dtype
    np.testing.assert_allclose(j, fw, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(j, central(f, (float(a),), 0), rtol=1e-5, atol=1e-6)


def test_integer_output_is_not_a_silent_wrong_jacobian():
    def floor_int(x):
        return np.floor(x * 3.0).astype(int)

    got, _ = record(ad.jacrev(floor_int), X3)
    fw, _ = record(ad.jacfwd(floor_int), X3)
    if isinstance(got, Exception):
        assert isinstance(fw, Exception) or np.all(np.asarray(fw) == 0)
    else:
        assert np.all(np.asarray(got) == 0)
        assert np.shape(got) == (3, 3)


# --- 5. several arguments, 2-D, helpers, loops


def two_args(x, y):
    return x * y + np.sin(x)


def layer(x, w):
    return np.tanh(w @ x)


def bilinear(a, b):
    return a @ b.T + np.exp(a[:, :1])


def helper(x, k=2):
    return x[:k] * 3.0


def calls_helper(x):
    return helper(x) + helper(x[::-1])


def calls_helper_global(x):
    return np.cos(helper(x, N_GLOBAL))


def rnn(x, w):
    h = x
    for _ in range(3):
        h = np.tanh(w @ h) + h * 0.5
    return h


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def normalise(x):
    return (x - np.mean(x)) / np.std(x)


MULTI_CASES = [
    (two_args, (X3, X3[::-1].copy()), (0, 1)),
    (two_args, (X3, 0.7), (0, 1)),
    (layer, (X3, W23), (0, 1)),
    (layer, (X3, W23), 1),
    (bilinear, (X2D, X2D[::-1].copy()), (0, 1)),
    (bilinear, (X2D, np.ones((4, 3)) * 0.3), (1, 0)),
    (calls_helper, (X5,), 0),
    (calls_helper_global, (X5,), 0),
    (rnn, (X3, W23.T @ W23 * 0.3), (0, 1)),
    (softmax, (X5,), 0),
    (normalise, (X5,), 0),
    (two_args, (X3, X3 * 2.0), (0, 0)),
]


@pytest.mark.parametrize(
    ("f", "args", "wrt"),
    MULTI_CASES,
    ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(MULTI_CASES)],
)
def test_several_arguments_and_2d(f, args, wrt):
    full_check(f, args, wrt=wrt)


def test_one_function_across_many_shapes_and_dtypes():
    def f(x):
        return np.sin(x) * np.sum(x * x) + x[..., :1]

    jr = ad.jacrev(f)
    firsts = {}
    inputs = [
        np.array([0.3]),
        X3,
        X2D,
        X3.astype(np.float32),
        X5,
        X2D.astype(np.float32),
        np.ones((2, 2, 2)) * 0.1,
        X3 * 2.0,
        X2D,
        np.array([0.3]),
        X3.astype(np.float32),
    ]
    for x in inputs:
        j = jr(x)
        fresh = ad.jacrev(f)(x)
        same_bits(j, fresh)
        key = (x.dtype.str, x.shape, x.tobytes())
        if key in firsts:
            same_bits(j, firsts[key])
        firsts[key] = j
        assert j.shape == x.shape + x.shape
        if x.dtype == np.float64:
            np.testing.assert_allclose(j, central(f, (x,), 0), rtol=1e-6, atol=1e-7)
            np.testing.assert_allclose(j, ad.jacfwd(f)(x), rtol=1e-12, atol=1e-12)


def test_structured_output_tuple():
    def pair(x):
        return np.sin(x) * 2.0, x[:2] * x[1:]

    jr = ad.jacrev(pair)
    for x in (X3, X3 * 2.0, X3):
        j = jr(x)
        same_bits(j, ad.jacrev(pair)(x))
        fw = ad.jacfwd(pair)(x)
        for a, b in zip(j, fw, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# --- 6. scalar outputs under every API


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def quad_loop(x):
    s = 0.0
    for i in range(len(x)):
        s = s + x[i] * x[i] * (i + 1)
    return s


@pytest.mark.parametrize("f", [rosen, logsumexp, quad_loop], ids=lambda f: f.__name__)
def test_scalar_output_all_apis(f):
    x = np.array([0.3, -0.7, 1.1, 0.2])
    g = ad.grad(f)(x)
    jr = ad.jacrev(f)
    j1, j2 = jr(x), jr(x)
    same_bits(j1, j2)
    same_bits(j1, ad.jacrev(f)(x))
    np.testing.assert_allclose(j1, g, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(j1, ad.jacfwd(f)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(j1, ad.jacobian(f)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(j1, central(f, (x,), 0), rtol=1e-6, atol=1e-6)
    h = ad.hessian(f)(x)
    np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h, ad.jacfwd(ad.grad(f))(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h, ad.jacrev(ad.grad(f))(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(h, central(ad.grad(f), (x,), 0), rtol=1e-5, atol=1e-5)


def test_jacrev_of_grad_reused_across_shapes():
    jr = ad.jacrev(ad.grad(rosen))
    for x in (
        np.array([0.3, -0.7, 1.1]),
        np.array([0.3, -0.7, 1.1, 0.2]),
        np.array([0.3, -0.7, 1.1]),
    ):
        h = jr(x)
        np.testing.assert_allclose(h, ad.hessian(rosen)(x), rtol=1e-10, atol=1e-10)
        same_bits(h, ad.jacrev(ad.grad(rosen))(x))


# --- 7. errors between valid calls


def raises_when_negative(x):
    if x[0] < 0:
        raise ValueError("first entry must be non-negative")
    return x * x


def asserts_positive(x):
    assert np.all(x > 0), "all entries must be positive"
    return np.sqrt(x)


def bad_shape_sometimes(x):
    return W23 @ x * 2.0


def math_log_of_item(x):
    return x * math.log(x[0])


@pytest.mark.parametrize(
    ("f", "good", "bad"),
    [
        (raises_when_negative, np.array([1.0, -2.0, 3.0]), np.array([-1.0, 2.0, 3.0])),
        (asserts_positive, np.abs(X3), X3),
        (bad_shape_sometimes, X3, X5),
        (math_log_of_item, np.abs(X3), -np.abs(X3)),
    ],
    ids=["raise", "assert", "shape", "math.log"],
)
@pytest.mark.parametrize("api", ["jacrev", "jacobian_reverse", "jacobian_auto"])
def test_errors_between_valid_calls(f, good, bad, api):
    make = {
        "jacrev": lambda: ad.jacrev(f),
        "jacobian_reverse": lambda: ad.jacobian(f, mode="reverse"),
        "jacobian_auto": lambda: ad.jacobian(f),
    }[api]
    jr = make()
    plain_exc, _ = record(f, bad)
    assert isinstance(plain_exc, Exception)
    first = jr(good)
    for x in (bad, good, bad, good):
        got, _ = record(jr, x)
        if x is bad:
            assert_same_error(plain_exc, got)
            fresh, _ = record(make(), x)
            assert type(fresh) is type(got)
        else:
            same_bits(got, first)
    # a fresh one whose first call raises, then works
    jr2 = make()
    assert_same_error(plain_exc, record(jr2, bad)[0])
    same_bits(jr2(good), first)


def test_user_exception_type_kept():
    class MyError(RuntimeError):
        pass

    def picky(x):
        if x[1] > 1.0:
            raise MyError("too big")
        return np.exp(x)

    jr = ad.jacrev(picky)
    jr(X3)
    with pytest.raises(MyError, match="too big"):
        jr(X3 * -2.0)
    full_check(picky, (X3,), again=jr)


def derivative_only_raises(x, a):
    return x * math.sqrt(a) + 1.0 / (a - 1.0)


def test_error_where_the_plain_call_raises_too_with_scalar_argument():
    # a = 1.0: the plain call raises ZeroDivisionError itself
    plain_exc, _ = record(derivative_only_raises, X3, 1.0)
    for api in (ad.jacrev, ad.jacfwd):
        got, _ = record(api(derivative_only_raises, wrt=(0, 1)), X3, 1.0)
        assert_same_error(plain_exc, got)


# --- 8. errors of statements the derivative does not need


def plus_one_over_n(x, n):
    return x * 2.0 + 1.0 / n


def plus_math_log(x, c):
    return np.sin(x) * 2.0 + math.log(c)


def plus_math_sqrt_global(x):
    return x * 2.0 + math.sqrt(C_GLOBAL)


def plus_lambda_division(x, n):
    inv = lambda: 1.0 / n  # noqa: E731 - as a user writes it
    return np.tanh(x) + inv()


def plus_key_error(x, key):
    table = {"a": 1.0}
    return x * 2.0 + table[key]


def plus_float_of_string(x, s):
    return x * float(s)


VALUE_ERROR_CASES = [
    (plus_key_error, (X3, "b")),
    (plus_float_of_string, (X3, "abc")),
    (bad_shape_sometimes, (X5,)),
]

LOST_ERROR_CASES = [
    (plus_one_over_n, (X3, 0)),
    (plus_math_log, (X3, -1.0)),
    (plus_math_sqrt_global, (X3,)),
    (plus_lambda_division, (X3, 0)),
]


@pytest.mark.parametrize(("f", "args"), VALUE_ERROR_CASES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("api", [ad.jacrev, ad.jacfwd], ids=["jacrev", "jacfwd"])
def test_errors_of_the_plain_call_are_raised(f, args, api):
    plain_exc, _ = record(f, *args)
    assert isinstance(plain_exc, Exception)
    assert_same_error(plain_exc, record(api(f), *args)[0])


@pytest.mark.parametrize(("f", "args"), LOST_ERROR_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_errors_of_value_only_statements_jacfwd(f, args):
    plain_exc, _ = record(f, *args)
    assert isinstance(plain_exc, Exception)
    assert_same_error(plain_exc, record(ad.jacfwd(f), *args)[0])


@pytest.mark.parametrize(("f", "args"), LOST_ERROR_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_errors_of_value_only_statements_jacrev(f, args):
    plain_exc, _ = record(f, *args)
    assert isinstance(plain_exc, Exception)
    assert_same_error(plain_exc, record(ad.jacrev(f), *args)[0])


def test_value_only_error_after_valid_call_jacrev():
    jr = ad.jacrev(plus_one_over_n)
    full_check(plus_one_over_n, (X3, 2), again=jr)
    plain_exc, _ = record(plus_one_over_n, X3, 0)
    assert_same_error(plain_exc, record(jr, X3, 0)[0])


# --- 9. warnings: the plain call's, once


def log_times_sum(x):
    return np.log(x[:2]) * np.sum(x)


def sqrt_vec(x):
    return np.sqrt(x) * 2.0


def errstate_log(x):
    with np.errstate(invalid="ignore"):
        y = np.log(x)
    return y * 2.0


def user_warning(x):
    warnings.warn("check your input", UserWarning, stacklevel=1)
    return np.sin(x)


def log_of_global(x):
    return np.exp(x) * 2.0 + np.log(C_GLOBAL)


WARN_OK_CASES = [
    (log_times_sum, np.array([-1.0, 2.0, 0.5])),
    (sqrt_vec, np.array([-1.0, 2.0, 0.5])),
    (errstate_log, np.array([-1.0, 2.0, 0.5])),
    (user_warning, X3),
    (log_of_global, X3),
]


@pytest.mark.parametrize(("f", "x"), WARN_OK_CASES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("api", ["jacrev", "jacobian_reverse", "jacfwd"])
def test_warnings_equal_the_plain_call(f, x, api):
    make = {
        "jacrev": lambda: ad.jacrev(f),
        "jacobian_reverse": lambda: ad.jacobian(f, mode="reverse"),
        "jacfwd": lambda: ad.jacfwd(f),
    }[api]
    _, plain_w = record(f, x)
    jr = make()
    for _ in range(3):
        got, w = record(jr, x)
        assert not isinstance(got, Exception), got
        assert w == plain_w


def log_times_two(x):
    return np.log(x) * 2.0


def log_plus_x(x):
    return np.log(x) + x


def log10_log2(x):
    return np.log10(x) + np.log2(x)


def log1p_scaled(x):
    return np.log1p(x * 3.0)


def log_kept_by_zero(x):
    y = np.log(x)
    return x * 2.0 + 0.0 * y


def scalar_divide_by_zero(x):
    return x * 2.0 + np.float64(1.0) / 0.0


LOST_WARNING_CASES = [
    (log_times_two, np.array([-1.0, 2.0, 0.5])),
    (log_plus_x, np.array([-1.0, 2.0, 0.5])),
    (log10_log2, np.array([-1.0, 2.0, 0.5])),
    (log1p_scaled, np.array([-1.0, 2.0, 0.5])),
    (log_kept_by_zero, np.array([-1.0, 2.0, 0.5])),
    (scalar_divide_by_zero, X3),
]


@pytest.mark.parametrize(("f", "x"), LOST_WARNING_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_only_warnings_jacfwd(f, x):
    _, plain_w = record(f, x)
    assert plain_w
    for _ in range(2):
        _, w = record(ad.jacfwd(f), x)
        assert w == plain_w


@pytest.mark.parametrize(("f", "x"), LOST_WARNING_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_only_warnings_jacrev(f, x):
    _, plain_w = record(f, x)
    assert plain_w
    jr = ad.jacrev(f)
    for _ in range(2):
        _, w = record(jr, x)
        assert w == plain_w


def test_arcsin_warning_jacrev():
    def f(x):
        return np.arcsin(x * 2.0)

    _, plain_w = record(f, X3)
    _, w = record(ad.jacrev(f), X3)
    for msg in plain_w:
        assert msg in w


def sum_log(x):
    return np.sum(np.log(x))


def sum_sqrt(x):
    return np.sum(np.sqrt(x))


@pytest.mark.parametrize("f", [sum_log, sum_sqrt], ids=lambda f: f.__name__)
def test_scalar_output_warning_count_jacrev(f):
    x = np.array([-0.5, 1.0, 2.0])
    _, plain_w = record(f, x)
    assert len(plain_w) == 1
    jr = ad.jacrev(f)
    counts = [len(record(jr, x)[1]) for _ in range(3)]
    assert counts == [1, 1, 1]


@pytest.mark.parametrize("f", [sum_log, sum_sqrt], ids=lambda f: f.__name__)
def test_scalar_output_warning_count_jacfwd(f):
    x = np.array([-0.5, 1.0, 2.0])
    jf = ad.jacfwd(f)
    assert [len(record(jf, x)[1]) for _ in range(3)] == [1, 1, 1]


@pytest.mark.parametrize(
    ("f", "x"),
    [(log_times_sum, np.array([-1.0, 2.0, 0.5])), (sqrt_vec, np.array([-1.0, 2.0, 0.5]))],
    ids=["R3-R2", "R3-R3"],
)
def test_jacobian_auto_first_call_warnings(f, x):
    _, plain_w = record(f, x)
    _, w = record(ad.jacobian(f), x)
    assert w == plain_w


def test_jacobian_auto_later_calls_warn_once():
    x = np.array([-1.0, 2.0, 0.5])
    _, plain_w = record(log_times_sum, x)
    ja = ad.jacobian(log_times_sum)
    quiet(ja, x)
    for _ in range(2):
        got, w = record(ja, x)
        assert w == plain_w
        # a fresh function takes the mode this one decided (timed: forward or reverse, whose
        # rows differ where the value has a nan: 0 * nan in the reverse sweep, as in JAX)
        np.testing.assert_array_equal(got, quiet(ad.jacobian(log_times_sum), x))


# --- 10. passive code runs once per call


def appends(x):
    LOG.append(float(x[0]))
    return np.sin(x) * 2.0


def prints(x):
    print("step", x.shape)
    return np.tanh(x[:2]) * np.sum(x)


@pytest.mark.parametrize("api", ["jacrev", "jacobian_reverse", "jacobian_auto", "jacfwd"])
def test_side_effects_once_per_call(api, capsys):
    make = {
        "jacrev": ad.jacrev,
        "jacobian_reverse": lambda f: ad.jacobian(f, mode="reverse"),
        "jacobian_auto": ad.jacobian,
        "jacfwd": ad.jacfwd,
    }[api]
    ja, jp = make(appends), make(prints)
    for k in range(3):
        LOG.clear()
        ja(X3 * (k + 1))
        assert [0.5 * (k + 1)] == LOG
        capsys.readouterr()
        jp(X5)
        assert capsys.readouterr().out == "step (5,)\n"


def test_side_effect_once_when_f_raises(capsys):
    def noisy(x):
        print("checking")
        if x[0] < 0:
            raise ValueError("negative")
        return x * 3.0

    jr = ad.jacrev(noisy)
    jr(X3)
    capsys.readouterr()
    with pytest.raises(ValueError, match="negative"):
        jr(-X3)
    assert capsys.readouterr().out == "checking\n"

    def appends_then_raises(x):
        LOG.append(1)
        if x[0] < 0:
            raise ValueError("negative")
        return np.sin(x)

    jr = ad.jacrev(appends_then_raises)
    jr(X3)
    LOG.clear()
    with pytest.raises(ValueError, match="negative"):
        jr(-X3)
    assert LOG == [1]


# --- 11. 0-d outputs and NumPy scalars


def first_item(x):
    return x[0] * x[1]


def zero_d_sum(x):
    return np.asarray(np.sum(x * x))


def zero_d_array_of_item(x):
    return np.array(x[0] * 2.0)


def squeezed(x):
    return np.squeeze(x[1:2] * 2.0)


def one_element(x):
    return x[0:1] * 3.0


@pytest.mark.parametrize(
    "f",
    [first_item, zero_d_sum, zero_d_array_of_item, squeezed, one_element],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_zero_d_and_scalar_outputs(f, dtype):
    x = X3.astype(dtype)
    jr = ad.jacrev(f)
    j1, j2 = jr(x), jr(x)
    same_bits(j1, j2)
    same_bits(j1, ad.jacrev(f)(x))
    fw = ad.jacfwd(f)(x)
    assert type(j1) is type(fw)
    assert j1.shape == np.shape(f(x)) + x.shape == fw.shape
    assert j1.dtype == fw.dtype == dtype
    np.testing.assert_allclose(j1, fw, rtol=1e-12, atol=1e-12)
    if dtype == np.float64:
        np.testing.assert_allclose(j1, central(f, (x,), 0), rtol=1e-6, atol=1e-7)
