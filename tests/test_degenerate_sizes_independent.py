"""Derivatives at degenerate sizes and zero divisors, written by an independent tester.

Read only the README (its "Numerical edge cases" table) and issue 19. Where the plain
NumPy call returns nan or inf because a count is 0 (ddof=1 of one element, the mean of an
empty array, a hand-written `/ (n - 1)`), every API must give nan/inf (or an empty
gradient), never an exception; float32 stays float32; and at ordinary sizes the same
programs match central differences, forward equal to reverse.

Each program is a module-level function (s2s_ad reads its source).
"""

import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------------------------------
# programs a user writes: statistics, normalisation, losses, physics
# ---------------------------------------------------------------------------------------


def sample_variance(x):
    return np.var(x, ddof=1)


def sample_std(x):
    return np.std(x, ddof=1)


def mean_loss(x):
    return np.mean(x)


def mean_over_rows_energy(x):
    # x: (samples, features); per-feature mean, then energy
    return np.sum(np.mean(x, axis=0) ** 2)


def mean_over_cols_energy(x):
    return np.sum(np.mean(x, axis=1) ** 2)


def per_row_sample_var(x):
    return np.sum(np.var(x, axis=1, ddof=1))


def per_row_sample_std(x):
    return np.sum(np.std(x, axis=1, ddof=1))


def batchnorm_ddof1(x):
    # batch normalisation with the unbiased std, batch on axis 0
    z = (x - np.mean(x, axis=0, keepdims=True)) / np.std(x, axis=0, ddof=1, keepdims=True)
    return np.sum(z**2 * np.arange(1, x.shape[1] + 1, dtype=x.dtype))


def batchnorm_f64_weights(x):
    # the same with float64 weights: a float32 input gives a float64 loss, as in NumPy
    z = (x - np.mean(x, axis=0, keepdims=True)) / np.std(x, axis=0, ddof=1, keepdims=True)
    return np.sum(z**2 * np.arange(1.0, x.shape[1] + 1.0))


def zscore_loss(x):
    z = (x - x.mean()) / x.std()
    return np.sum(z**3 + z)


def layernorm_unbiased(x):
    mu = x.mean(axis=-1, keepdims=True)
    sd = x.std(axis=-1, ddof=1, keepdims=True)
    return np.sum(np.tanh((x - mu) / sd))


def sample_cov_matrix(x):
    # covariance by hand, the matrix divided by n - 1 (a NumPy array / Python int)
    n = x.shape[0]
    d = x - x.mean(axis=0)
    c = d.T @ d / (n - 1)
    return np.sum(c * c)


def rms_norm(x):
    return np.linalg.norm(x) / np.sqrt(len(x))


def var_of_all(x):
    return np.var(x)


def mean_over_two_axes(x):
    return np.sum(np.mean(x, axis=(0, 1)) ** 2)


def std_ddof2(x):
    return np.std(x, ddof=2)


def var_ddof_beyond_n(x):
    # ddof larger than the sample: NumPy clamps the divisor at 0 (inf)
    return np.var(x, ddof=3)


def std_ddof_beyond_n(x):
    return np.std(x, ddof=3)


def inverse_total(x):
    # a Python int divided by a NumPy value that is 0
    n = len(x) - 1
    return n / np.sum(x)


def weighted_average(x):
    return np.average(x)


# --- the user's own divisions by a Python number (the README's known gap and its kin) ---


def hand_sample_var(x):
    d = x - np.mean(x)
    return np.sum(d * d) / (len(x) - 1)


def hand_mean_by_size(x):
    return np.sum(x) / x.size


def bessel_correction(x):
    n = x.shape[0]
    return x.var() * n / (n - 1)


def kinetic_energy_per_dof(v, lo, hi):
    # physics: energy over a span of a Python-float interval
    return 0.5 * np.sum(v * v) / (hi - lo)


def np_divide_by_count(x):
    return np.divide(np.sum(x**2), len(x) - 1)


def float_count_divisor(x):
    return np.sum(x**2) / float(len(x) - 1)


def math_sqrt_divisor(x):
    return np.sum(x) / math.sqrt(len(x) - 1)


def raw_moments_variance(x):
    n = len(x)
    return np.sum(x**2) / n - (np.sum(x) / n) ** 2


def inplace_divide(x):
    s = np.sum(x * x)
    s /= len(x) - 1
    return s


def loop_sum_of_squares(x):
    acc = 0.0
    for i in range(len(x)):
        acc = acc + x[i] ** 2
    return acc / (len(x) - 1)


# ---------------------------------------------------------------------------------------
# hand-written reference gradients (NumPy, IEEE at the degenerate points)
# ---------------------------------------------------------------------------------------


def _ref_sample_variance(x):
    return 2.0 * (x - x.mean()) / (x.size - 1)


def _ref_sample_std(x):
    return (x - x.mean()) / ((x.size - 1) * np.std(x, ddof=1))


def _ref_mean(x):
    return np.ones_like(x) / x.size


def _ref_var_of_all(x):
    return 2.0 * (x - x.mean()) / x.size


def _ref_std_ddof(ddof):
    def ref(x):
        div = max(x.size - ddof, 0)
        return (x - x.mean()) / (div * np.std(x, ddof=ddof))

    return ref


def _ref_var_ddof(ddof):
    def ref(x):
        return 2.0 * (x - x.mean()) / max(x.size - ddof, 0)

    return ref


def _ref_inverse_total(x):
    return np.full_like(x, -(len(x) - 1) / np.sum(x) ** 2)


def _ref_hand_mean(x):
    return np.ones_like(x) / np.float64(x.size)


def _ref_float_count(x):
    return 2.0 * x / np.float64(len(x) - 1)


def _ref_math_sqrt(x):
    return np.ones_like(x) / np.sqrt(np.float64(len(x) - 1))


def _ref_raw_moments(x):
    n = np.float64(len(x))
    return 2.0 * x / n - 2.0 * (np.sum(x) / n) / n


def _ref_mean_rows_energy(x):
    m = np.mean(x, axis=0, keepdims=True)
    return np.broadcast_to(2.0 * m / x.shape[0], x.shape).copy()


def _ref_mean_cols_energy(x):
    m = np.mean(x, axis=1, keepdims=True)
    return np.broadcast_to(2.0 * m / x.shape[1], x.shape).copy()


def _ref_row_var(x):
    return 2.0 * (x - x.mean(axis=1, keepdims=True)) / (x.shape[1] - 1)


def _ref_row_std(x):
    sd = np.std(x, axis=1, ddof=1, keepdims=True)
    return (x - x.mean(axis=1, keepdims=True)) / ((x.shape[1] - 1) * sd)


def _nan_like(x):
    return np.full_like(x, np.nan)


def _inf_like(x):
    return np.full_like(x, np.inf)


# ---------------------------------------------------------------------------------------
# machinery
# ---------------------------------------------------------------------------------------

APIS = (
    "grad",
    "grad_forward",
    "value_and_grad",
    "vjp",
    "jvp",
    "jacfwd",
    "jacrev",
    "jacobian",
    "hessian",
)
FORWARD_APIS = ("grad_forward", "jvp", "jacfwd", "jacobian")
REVERSE_APIS = ("grad", "value_and_grad", "vjp", "jacrev", "hessian")


def _quiet(fn, *a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            return fn(*a)


def _run_api(api, f, args, v=None):
    if api == "grad":
        return ad.grad(f)(*args)
    if api == "grad_forward":
        return ad.grad(f, mode="forward")(*args)
    if api == "value_and_grad":
        return ad.value_and_grad(f)(*args)
    if api == "vjp":
        out, pb = ad.vjp(f, *args)
        # the cotangent a user passes: 1.0, or np.float32(1.0) for a float32 result
        ct = np.float32(1.0) if np.asarray(out).dtype == np.float32 else 1.0
        return out, pb(ct)[0]
    if api == "jvp":
        tangents = (v, *(None for _ in args[1:]))
        return ad.jvp(f, args, tangents)
    if api == "jacfwd":
        return ad.jacfwd(f)(*args)
    if api == "jacrev":
        return ad.jacrev(f)(*args)
    if api == "jacobian":
        return ad.jacobian(f)(*args)
    if api == "hessian":
        return ad.hessian(f)(*args)
    raise AssertionError(api)


def _same(actual, expected, rtol):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0.0, equal_nan=True)


def _check_degenerate(api, f, args, ref_grad):
    """At a degenerate point: no exception, the plain value, the IEEE gradient."""
    x = args[0]
    plain = _quiet(f, *args)
    g_ref = np.asarray(_quiet(ref_grad, x), dtype=x.dtype)
    rtol = 1e-5 if x.dtype == np.float32 else 1e-12
    v = np.ones_like(x)
    res = _quiet(_run_api, api, f, args, v)
    if api == "value_and_grad" or api == "vjp":
        value, g = res
        _same(value, plain, rtol)
    elif api == "jvp":
        value, t = res
        _same(value, plain, rtol)
        # the tangent along v: <g, v>; a value that is nan for every input (a count of 0)
        # has a nan tangent, as np.mean of an empty array gives in forward mode
        expected_t = _quiet(lambda: np.sum(g_ref * v)) if x.size else np.nan
        assert np.asarray(t).dtype == np.asarray(plain).dtype
        if np.isfinite(expected_t):
            _same(t, expected_t, rtol)
        else:
            # inf - inf orders differ between a sum of partials and the tangent sweep:
            # any non-finite tangent is IEEE here, a finite one is not
            assert not np.isfinite(t), t
        return
    elif api == "hessian":
        h = res
        assert np.asarray(h).shape == x.shape + x.shape
        assert np.asarray(h).dtype == x.dtype
        # a count of 0 makes every second derivative that is not exactly 0 nan or inf
        if f.__name__ in LINEAR_IN_X:
            assert np.all(h == 0.0), h
        elif h.size:
            assert not np.all(np.isfinite(h)), h
        return
    else:
        g = res
    assert isinstance(g, np.ndarray)
    assert g.dtype == x.dtype, (g.dtype, x.dtype)
    _same(g, g_ref, rtol)


# Before session 22, hessian differentiated gradient code made for any dtype, whose seed 1.0
# divided by a Python number that is 0 raised NumericalError where the plain call gives
# nan/inf (`n = x.shape[0]`; `acc = 0.0` then `acc + x[i] ** 2`); its gradient code is now
# specialised to the arguments' shapes and dtypes, as grad's
# the Hessian of a function linear in x is exactly 0 even where its gradient is inf (the
# gradient does not depend on x; JAX gives 0 too)
LINEAR_IN_X = ("math_sqrt_divisor",)


def _cases():
    one = np.array([2.0])
    one32 = np.array([2.0], dtype=np.float32)
    empty = np.zeros(0)
    two = np.array([1.0, 2.0])
    table = [
        # id, function, args, reference gradient, apis expected to fail -> reason
        ("sample_variance_n1", sample_variance, (one,), _ref_sample_variance, {}),
        ("sample_variance_n1_f32", sample_variance, (one32,), _ref_sample_variance, {}),
        ("sample_std_n1", sample_std, (one,), _ref_sample_std, {}),
        ("sample_std_n1_f32", sample_std, (one32,), _ref_sample_std, {}),
        ("mean_empty", mean_loss, (empty,), _ref_mean, {}),
        ("mean_empty_f32", mean_loss, (np.zeros(0, np.float32),), _ref_mean, {}),
        ("mean_axis0_empty", mean_over_rows_energy, (np.zeros((0, 3)),), _ref_mean_rows_energy, {}),
        ("mean_axis1_empty", mean_over_cols_energy, (np.zeros((3, 0)),), _ref_mean_cols_energy, {}),
        ("row_var_ddof1_len1", per_row_sample_var, (np.ones((3, 1)),), _ref_row_var, {}),
        (
            "row_std_ddof1_len1",
            per_row_sample_std,
            (np.arange(3.0).reshape(3, 1),),
            _ref_row_std,
            {},
        ),
        (
            "row_std_ddof1_len1_f32",
            per_row_sample_std,
            (np.ones((3, 1), np.float32),),
            _ref_row_std,
            {},
        ),
        ("batchnorm_batch1", batchnorm_ddof1, (np.array([[0.5, -1.0, 2.0]]),), _nan_like, {}),
        (
            "batchnorm_batch1_f32",
            batchnorm_ddof1,
            (np.array([[0.5, -1.0, 2.0]], np.float32),),
            _nan_like,
            {},
        ),
        ("zscore_one_element", zscore_loss, (one,), _nan_like, {}),
        ("zscore_constant", zscore_loss, (np.full(4, 3.0),), _nan_like, {}),
        ("layernorm_one_feature", layernorm_unbiased, (np.array([[1.0], [2.0]]),), _nan_like, {}),
        ("sample_cov_one_row", sample_cov_matrix, (np.array([[1.0, 2.0, 3.0]]),), _nan_like, {}),
        ("rms_empty", rms_norm, (empty,), _ref_mean, {}),
        (
            "mean_two_axes_empty",
            mean_over_two_axes,
            (np.zeros((0, 2, 3)),),
            lambda x: np.zeros_like(x),
            {},
        ),
        ("std_ddof2_n1", std_ddof2, (one,), _ref_std_ddof(2), {}),
        ("std_ddof2_n2", std_ddof2, (two,), _ref_std_ddof(2), {}),
        ("inverse_total_zero", inverse_total, (np.array([1.0, -1.0]),), _ref_inverse_total, {}),
        (
            "var_empty",
            var_of_all,
            (empty,),
            _ref_var_of_all,
            {},  # (its jvp gave the finite tangent 0.0 before session 15)
        ),
        (
            "var_ddof3_n2",
            var_ddof_beyond_n,
            (two,),
            _ref_var_ddof(3),
            {},  # (every API gave the finite [1, -1] before session 15: n - ddof = -1)
        ),
        (
            "std_ddof3_n2",
            std_ddof_beyond_n,
            (two,),
            _ref_std_ddof(3),
            {},  # (the finite [0, -0] before session 15)
        ),
        # the user's own divisions by a Python number equal to 0
        (
            "hand_sample_var_n1",
            hand_sample_var,
            (one,),
            _ref_sample_variance,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "hand_mean_by_size_empty",
            hand_mean_by_size,
            (empty,),
            _ref_hand_mean,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "bessel_correction_n1",
            bessel_correction,
            (one,),
            _nan_like,
            {},  # (hessian: NumericalError before session 22's specialised gradient code)
        ),
        (
            "np_divide_by_count_n1",
            np_divide_by_count,
            (one,),
            _ref_float_count,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "float_count_divisor_n1",
            float_count_divisor,
            (one,),
            _ref_float_count,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "math_sqrt_divisor_n1",
            math_sqrt_divisor,
            (one,),
            _ref_math_sqrt,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "raw_moments_empty",
            raw_moments_variance,
            (empty,),
            _ref_raw_moments,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "inplace_divide_n1",
            inplace_divide,
            (one,),
            _ref_float_count,
            {},  # (hessian: NumericalError before session 16)
        ),
        (
            "loop_sum_sq_n1",
            loop_sum_of_squares,
            (one,),
            _ref_float_count,
            {},  # (hessian: NumericalError before session 22's specialised gradient code)
        ),
    ]
    out = []
    for name, f, args, ref, failing in table:
        for api in APIS:
            marks = []
            if api in failing:
                marks = [pytest.mark.xfail(strict=True, reason=failing[api])]
            out.append(pytest.param(api, f, args, ref, id=f"{name}-{api}", marks=marks))
    return out


@pytest.mark.parametrize("api, f, args, ref", _cases())
def test_degenerate(api, f, args, ref):
    _check_degenerate(api, f, args, ref)


# the physics program: a Python-float span hi - lo that is 0, gradient w.r.t. the array


# (hessian: NumericalError before session 16)
@pytest.mark.parametrize("api", APIS)
def test_kinetic_energy_zero_span(api):
    v = np.array([1.0, -2.0, 0.5])
    args = (v, 1.5, 1.5)
    expected = np.array([np.inf, -np.inf, np.inf])
    _check_degenerate(api, kinetic_energy_per_dof, args, lambda x: expected)


# ---------------------------------------------------------------------------------------
# errors raised must name the user's file and the line of the division
# ---------------------------------------------------------------------------------------


def _line_of(f, text):
    import inspect

    lines, start = inspect.getsourcelines(f)
    for i, line in enumerate(lines):
        if text in line:
            return start + i
    raise AssertionError(text)


LOCATION_CASES = [
    ("grad", hand_sample_var, "/ (len(x) - 1)", ()),
    ("value_and_grad", hand_sample_var, "/ (len(x) - 1)", ()),
    ("vjp", hand_mean_by_size, "/ x.size", ()),  # at the empty array
    ("jacrev", bessel_correction, "/ (n - 1)", ()),
    ("hessian", float_count_divisor, "float(len(x) - 1)", ()),
    (
        "grad",
        inplace_divide,
        "s /= len(x) - 1",
        (),  # (raised, naming the line before, before session 15)
    ),
    ("value_and_grad", inplace_divide, "s /= len(x) - 1", ()),
    (
        "hessian",
        inplace_divide,
        "s /= len(x) - 1",
        (),  # (raised, naming the line before, before session 16)
    ),
    (
        "grad",
        loop_sum_of_squares,
        "return acc / (len(x) - 1)",
        (),  # (raised, naming the line before, before session 15)
    ),
    (
        "hessian",
        loop_sum_of_squares,
        "return acc / (len(x) - 1)",
        (),  # (named the loop body's line before session 16)
    ),
    ("vjp", loop_sum_of_squares, "return acc / (len(x) - 1)", ()),
]


@pytest.mark.parametrize(
    "api, f, text",
    [pytest.param(a, f, t, marks=m, id=f"{f.__name__}-{a}") for a, f, t, m in LOCATION_CASES],
)
def test_error_if_any_names_the_division(api, f, text):
    """If reverse mode still raises at a zero Python divisor, the error is an s2s_ad error
    naming this file and the division's line; if it no longer raises, the result is nan/inf."""
    x = np.zeros(0) if f is hand_mean_by_size else np.array([2.0])
    try:
        res = _quiet(_run_api, api, f, (x,), np.ones_like(x))
    except ad.S2SError as e:
        msg = str(e)
        assert type(e).__name__ == "NumericalError", msg
        assert f"{__file__}:{_line_of(f, text)}" in msg, msg
    else:
        flat = np.concatenate([np.ravel(r) for r in (res if isinstance(res, tuple) else (res,))])
        assert flat.size == 0 or not np.all(np.isfinite(flat))


@pytest.mark.parametrize("size", [0, 3])
def test_average_differentiates(size):
    x = np.arange(float(size))
    g = _quiet(ad.grad(weighted_average), x)
    _same(g, _quiet(_ref_mean, x), 1e-12)


# ---------------------------------------------------------------------------------------
# ordinary sizes: central differences, forward == reverse, float32 kept, no warnings
# ---------------------------------------------------------------------------------------


def _central(f, args, h=1e-6):
    x = args[0]
    g = np.zeros_like(x)
    flat = g.reshape(-1)
    for i in range(x.size):
        xp = x.copy().reshape(-1)
        xm = x.copy().reshape(-1)
        xp[i] += h
        xm[i] -= h
        fp = f(xp.reshape(x.shape), *args[1:])
        fm = f(xm.reshape(x.shape), *args[1:])
        flat[i] = (fp - fm) / (2 * h)
    return g


rng = np.random.default_rng(19)
_X5 = rng.standard_normal(5)
_M43 = rng.standard_normal((4, 3))
_T234 = rng.standard_normal((2, 3, 4))

ORDINARY = [
    ("sample_variance", sample_variance, (_X5,)),
    ("sample_std", sample_std, (_X5,)),
    ("mean_loss", mean_loss, (_X5,)),
    ("mean_rows", mean_over_rows_energy, (_M43,)),
    ("mean_cols", mean_over_cols_energy, (_M43,)),
    ("row_var", per_row_sample_var, (_M43,)),
    ("row_std", per_row_sample_std, (_M43,)),
    ("batchnorm", batchnorm_ddof1, (_M43,)),
    ("zscore", zscore_loss, (_X5,)),
    ("layernorm", layernorm_unbiased, (_M43,)),
    ("sample_cov", sample_cov_matrix, (_M43,)),
    ("rms", rms_norm, (_X5,)),
    ("var_of_all", var_of_all, (_X5,)),
    ("mean_two_axes", mean_over_two_axes, (_T234,)),
    ("std_ddof2", std_ddof2, (_X5,)),
    ("var_ddof3", var_ddof_beyond_n, (_X5,)),
    ("std_ddof3", std_ddof_beyond_n, (_X5,)),
    ("inverse_total", inverse_total, (_X5 + 3.0,)),
    ("hand_sample_var", hand_sample_var, (_X5,)),
    ("hand_mean_by_size", hand_mean_by_size, (_X5,)),
    ("bessel", bessel_correction, (_X5,)),
    ("kinetic", kinetic_energy_per_dof, (_X5, 0.5, 2.0)),
    ("np_divide", np_divide_by_count, (_X5,)),
    ("float_count", float_count_divisor, (_X5,)),
    ("math_sqrt", math_sqrt_divisor, (_X5,)),
    ("raw_moments", raw_moments_variance, (_X5,)),
    ("inplace_divide", inplace_divide, (_X5,)),
    ("loop_sum_sq", loop_sum_of_squares, (_X5,)),
]


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("name, f, args", ORDINARY, ids=[c[0] for c in ORDINARY])
def test_ordinary_sizes(name, f, args):
    x = args[0]
    fd = _central(f, args)
    g = ad.grad(f)(*args)
    gf = ad.grad(f, mode="forward")(*args)
    assert g.dtype == x.dtype and g.shape == x.shape
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gf, g, rtol=1e-12, atol=1e-14)
    value, g2 = ad.value_and_grad(f)(*args)
    assert value == f(*args)
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-14)
    _, pb = ad.vjp(f, *args)
    np.testing.assert_allclose(pb(1.0)[0], g, rtol=1e-12, atol=1e-14)
    v = np.random.default_rng(7).standard_normal(x.shape)
    _, t = ad.jvp(f, args, (v, *(None for _ in args[1:])))
    np.testing.assert_allclose(t, np.sum(g * v), rtol=1e-10, atol=1e-12)
    for jac in (ad.jacfwd(f)(*args), ad.jacrev(f)(*args), ad.jacobian(f)(*args)):
        np.testing.assert_allclose(jac, g, rtol=1e-12, atol=1e-14)


HESSIAN_ORDINARY = [
    c
    for c in ORDINARY
    if c[0]
    in (
        "sample_variance",
        "sample_std",
        "row_std",
        "batchnorm",
        "zscore",
        "sample_cov",
        "rms",
        "hand_sample_var",
        "bessel",
        "raw_moments",
        "loop_sum_sq",
        "std_ddof2",
        "kinetic",
    )
]


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("name, f, args", HESSIAN_ORDINARY, ids=[c[0] for c in HESSIAN_ORDINARY])
def test_ordinary_hessian(name, f, args):
    x = args[0]
    h = ad.hessian(f)(*args)
    assert h.shape == x.shape + x.shape
    gfun = ad.grad(f)
    eps = 1e-5
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((gfun(x + e, *args[1:]) - gfun(x - e, *args[1:])) / (2 * eps))
    fd = np.moveaxis(
        np.array(cols).reshape(x.shape + x.shape),
        tuple(range(x.ndim)),
        tuple(range(x.ndim, 2 * x.ndim)),
    )
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6)
    # symmetric
    hm = h.reshape(x.size, x.size)
    np.testing.assert_allclose(hm, hm.T, rtol=1e-10, atol=1e-12)


F32_ORDINARY = [
    c
    for c in ORDINARY
    if c[0]
    in (
        "sample_variance",
        "sample_std",
        "mean_rows",
        "row_std",
        "batchnorm",
        "zscore",
        "layernorm",
        "sample_cov",
        "hand_sample_var",
        "bessel",
        "float_count",
        "loop_sum_sq",
    )
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name, f, args", F32_ORDINARY, ids=[c[0] for c in F32_ORDINARY])
def test_float32_ordinary(api, name, f, args):
    x64 = args[0]
    x = x64.astype(np.float32)
    g64 = ad.grad(f)(x64)
    v = np.ones_like(x)
    res = _run_api(api, f, (x,), v)
    if api == "hessian":
        assert res.dtype == np.float32 and res.shape == x.shape + x.shape
        np.testing.assert_allclose(res, ad.hessian(f)(x64), rtol=2e-3, atol=2e-3)
        return
    if api == "jvp":
        value, t = res
        assert np.asarray(value).dtype == np.float32 and np.asarray(t).dtype == np.float32
        np.testing.assert_allclose(t, np.sum(g64), rtol=1e-3, atol=1e-3)
        return
    g = res[1] if api in ("value_and_grad", "vjp") else res
    if api in ("value_and_grad", "vjp"):
        assert np.asarray(res[0]).dtype == np.float32
    assert g.dtype == np.float32, g.dtype
    assert g.shape == x.shape
    np.testing.assert_allclose(g, g64, rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------------------------------
# a float32 input whose loss NumPy computes in float64 (float64 weights, np.sqrt(len(x)))
# ---------------------------------------------------------------------------------------

MIXED_JAC_REASON = (
    "float32 input, float64 output: grad gives a float32 gradient (the input's dtype, as the "
    "README says), the Jacobian functions a float64 one; the README lists jacrev's as not yet "
    "right, jacfwd and jacobian do the same"
)


@pytest.mark.parametrize(
    "api",
    ["grad", "grad_forward", "value_and_grad", "vjp"]
    + [
        pytest.param(a, marks=pytest.mark.xfail(strict=True, reason=MIXED_JAC_REASON))
        for a in ("jacfwd", "jacrev", "jacobian")
    ],
)
@pytest.mark.parametrize(
    "f, x",
    [
        (batchnorm_f64_weights, _M43.astype(np.float32)),
        (rms_norm, _X5.astype(np.float32)),
        (batchnorm_f64_weights, np.array([[0.5, -1.0, 2.0]], np.float32)),  # batch of 1: nan
    ],
    ids=["batchnorm", "rms", "batchnorm_batch1"],
)
def test_float32_input_float64_loss(api, f, x):
    plain = _quiet(f, x)
    assert np.asarray(plain).dtype == np.float64
    res = _quiet(_run_api, api, f, (x,), np.ones_like(x))
    g = res[1] if api in ("value_and_grad", "vjp") else res
    if api in ("value_and_grad", "vjp"):
        assert np.asarray(res[0]).dtype == np.float64
    assert g.shape == x.shape
    g64 = _quiet(ad.grad(f), x.astype(np.float64))
    np.testing.assert_allclose(g, g64, rtol=1e-3, atol=1e-4, equal_nan=True)
    assert g.dtype == np.float32, g.dtype
