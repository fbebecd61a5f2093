"""Issue 19, part 2: `grad`'s unit cotangent specialised in, exactly.

The code `grad` runs for one signature of argument shapes and dtypes leaves out the sum's
array of ones, scaled ones (`100.0 * ones`), `1.0 *` and `rt.zeros_like` of a Python number
only where the result is the same bit for bit: same values and same dtype as the shape-generic
pullback `vjp` runs with the seed 1.0. Checked here on the class of programs that meet those
rewrites: sums of elementwise chains with literal factors, over arrays of several dtypes,
mixed with Python and NumPy scalars.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.ad.dtypes import argument_fact, infer_dtypes
from s2s_ad.pipeline import to_ssa


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def scaled_sum(x, y):
    return np.sum(3.0 * (x * y) + x**2)


def mixed_sum(x, y):
    return np.sum(x**2 + y)


def deep_mixed(x, y):
    u = np.sin(x) * 0.3
    return np.sum(u**3 + y)


def scalar_times_array(s, x):
    return np.sum(s * x**2 + 0.5 * x)


def squares_loop(x):
    y = 0.0
    for _ in range(20):
        y = y + x * x
    return y


def int_and_float(k, x):
    return np.sum(k * x**2) + k * 1.5


CASES = [
    (rosenbrock, (np.linspace(-1.0, 1.0, 7),)),
    (rosenbrock, (np.linspace(-1.0, 1.0, 7).astype(np.float32),)),
    (scaled_sum, (np.arange(1.0, 5.0), np.arange(2.0, 6.0))),
    (scaled_sum, (np.arange(1.0, 5.0, dtype=np.float32), np.arange(2.0, 6.0))),
    (scaled_sum, (np.arange(1.0, 5.0), np.arange(2.0, 6.0, dtype=np.float32))),
    (scaled_sum, (np.arange(1.0, 5.0, dtype=np.float16), np.arange(2, 6))),
    (mixed_sum, (np.arange(1.0, 4.0, dtype=np.float32), np.ones(3))),
    (mixed_sum, (np.arange(1.0, 4.0), np.ones(3, dtype=np.float32))),
    (mixed_sum, (np.arange(1.0, 4.0, dtype=np.float32), 2.0)),
    # float64 ones would widen the float32 partial derivative, and the arithmetic after it
    (deep_mixed, (np.linspace(0.1, 3.0, 50, dtype=np.float32), np.ones(50))),
    (deep_mixed, (np.linspace(0.1, 3.0, 50), np.ones(50, dtype=np.float32))),
    (scalar_times_array, (np.float32(1.5), np.arange(1.0, 4.0))),
    (scalar_times_array, (1.5, np.arange(1.0, 4.0, dtype=np.float32))),
    (scalar_times_array, (np.float64(1.5), np.arange(1.0, 4.0, dtype=np.float32))),
    (squares_loop, (0.3,)),
    (squares_loop, (np.float32(0.3),)),
    (squares_loop, (np.float64(0.3),)),
    (int_and_float, (2, np.arange(1.0, 4.0, dtype=np.float32))),
]


@pytest.mark.parametrize(("f", "args"), CASES, ids=lambda v: getattr(v, "__name__", None))
def test_grad_is_the_generic_pullback_bit_for_bit(f, args):
    wrt = tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind == "f")
    got = ad.grad(f, wrt=wrt if len(wrt) > 1 else wrt[0])(*args)
    got = got if len(wrt) > 1 else (got,)
    value, pullback = ad.vjp(f, *args)
    assert value == f(*args)
    expected = pullback(1.0)
    for i, g in zip(wrt, got, strict=True):
        want = expected[i]
        assert np.asarray(g).dtype == np.asarray(want).dtype, (i, g, want)
        assert type(g) is type(want)
        np.testing.assert_array_equal(g, want)


def test_the_specialised_code_holds_no_ones():
    x = np.linspace(-1.0, 1.0, 7)
    source = ad.derivative_source(rosenbrock, "gradient", args=(x,))
    assert "full_like" not in source and "ones" not in source
    # the sum's seed, scaled by 100.0, reaches the partial derivative as a literal factor,
    # folded with the square's 2 (simplify/negations.py: exact, 2 a power of two)
    assert "200.0 * _t4" in source
    # the forward sweep computes only what the adjoint reads (no summand, no squares of it)
    forward = source[: source.index("# reverse sweep")]
    assert forward.count("**") == 1


def test_ones_wider_than_the_partial_derivative_are_kept():
    """float32 ones times a float64 partial derivative is float64: dropping them is exact.
    float64 ones times a float32 one would widen it: they stay."""
    x32, y64 = np.arange(1.0, 4.0, dtype=np.float32), np.ones(3)
    source = ad.derivative_source(mixed_sum, "gradient", args=(x32, y64))
    assert "np.full" in source  # (`np.full((3,), 1.0)`: the shape is known)
    source = ad.derivative_source(mixed_sum, "gradient", args=(x32.astype(float), y64))
    assert "np.full" not in source


def chain(x):
    a = np.exp(np.sin(x) * 0.5)
    return np.sqrt(1.0 + a * a) * a


def test_no_product_by_the_unit_cotangent_of_scalars():
    """`1.0 * a` is `a` for a Python float or a NumPy float scalar (immutable, same type); an
    array keeps its product, a new array (the adjoint may be updated in place later)."""
    source = ad.derivative_source(chain, "gradient", args=(0.3,))
    assert "1.0 *" not in source and "* 1.0" not in source
    for x in (0.3, np.float64(0.3), np.float32(0.3)):
        _, pullback = ad.vjp(chain, x)
        got, (want,) = ad.grad(chain)(x), pullback(1.0)
        assert type(got) is type(want) and got == want


def test_a_python_number_argument_starts_from_the_literal_zero():
    source = ad.derivative_source(squares_loop, "gradient", args=(0.3,))
    assert "x_bar = 0.0" in source and "zeros_like" not in source
    assert "x_bar = x_bar + 2.0 * x" in source
    # an array of one element keeps its zeros
    source = ad.derivative_source(squares_loop, "gradient", args=(np.array(0.3),))
    assert "zeros_like" in source


def _facts(f, *args):
    fn = to_ssa(f)
    kinds = [(a.dtype, a.shape) if type(a) is np.ndarray else type(a) for a in args]
    return infer_dtypes(fn, dict(zip(fn.params, map(argument_fact, kinds), strict=True)))


def test_dtypes_follow_numpys_promotion():
    def f(x, s, k, y):
        a = x * s  # float32 array, Python float: float32
        b = a + y  # float64
        c = np.sin(s)  # a NumPy float64 scalar
        d = k * 2  # a Python int
        e = k**2  # an int or a float: unknown
        g = k / 2  # a Python float
        h = np.sum(a)  # float32
        return b, c, d, e, g, h

    x, y = np.ones(3, np.float32), np.ones(3)
    facts = _facts(f, x, 1.5, 2, y)
    assert facts["a"] == ("strong", np.dtype(np.float32))
    assert facts["b"] == ("strong", np.dtype(np.float64))
    assert facts["c"] == ("scalar", np.dtype(np.float64))
    assert facts["d"] == ("weak", int)
    assert "e" not in facts
    assert facts["g"] == ("weak", float)
    assert facts["h"] == ("strong", np.dtype(np.float32))


def test_a_variable_given_two_dtypes_is_unknown():
    def f(x, n):
        y = 0.0
        for _ in range(n):
            y = y + x
        return y

    facts = _facts(f, np.ones(2, np.float32), 3)
    assert facts["x"] == ("strong", np.dtype(np.float32))
    assert not any(name.startswith("y") and fact[0] == "strong" for name, fact in facts.items())


def builtin_sum_1d(x):
    return sum(np.tanh(x) ** 3)


def builtin_sum_of_rows(m):
    return np.sum(sum(m * m) * np.arange(1.0, 4.0))


@pytest.mark.parametrize(
    ("f", "x"),
    [(builtin_sum_1d, np.linspace(-1.0, 1.0, 5)), (builtin_sum_of_rows, np.ones((2, 3)) * 0.7)],
)
def test_builtin_sum_over_a_computed_array(f, x):
    """`sum(a)` of an array computed in the function: its cotangent is an array of a's rows
    (it was a list, which the next rule refused as a list)."""
    from s2s_ad.testing import numeric_jvp

    g = ad.grad(f)(x)
    assert type(g) is np.ndarray and g.shape == x.shape
    v = np.linspace(0.3, 1.1, x.size).reshape(x.shape)
    assert np.isclose(np.sum(g * v), numeric_jvp(f, (x,), (v,)), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g, ad.grad(f, mode="forward")(x), rtol=1e-12, atol=1e-14)
    h = ad.hessian(f)(x)
    np.testing.assert_allclose(h, ad.jacfwd(ad.grad(f))(x), rtol=1e-10, atol=1e-12)


def loop_of_sums(w, x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(w * x[i])
    return s


def two_sums(w, x):
    return np.sum(w * x) + np.sum(w)


def unit_in_sum(w, x):
    return np.sum(w * x) + np.sum(x * x) * 1.0


@pytest.mark.parametrize("f", [loop_of_sums, two_sums, unit_in_sum])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ones_and_unit_factors_as_operands(f, dtype):
    """Ones and `1.0 *` before a name, inside a sum's operand (a new array anyway): left out,
    the same numbers as the generic pullback; a loop no longer tapes a value that only gave
    the ones their shape."""
    w = np.linspace(0.5, 1.5, 3).astype(dtype)
    x = np.arange(9.0).reshape(3, 3).astype(dtype) if f is loop_of_sums else w[::-1].copy()
    got = ad.grad(f)(w, x)
    _, pullback = ad.vjp(f, w, x)
    want = pullback(1.0)[0]
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    source = ad.derivative_source(f, "gradient", args=(w, x))
    if f is unit_in_sum:  # the gradient is `x`'s value: a new array, never `x` itself
        assert "np.full" in source, source  # (`np.full((3,), 1.0)`)
        assert not np.shares_memory(got, x)
    else:
        assert "full_like(_t" not in source, source


# ones whose shape the code is specialised to: `np.full(shape, 1.0)`, so nothing is
# computed only to give them their shape (issue 19, part 1: the forward sweep keeps only
# what the value or the adjoint reads)


def loop_only_for_the_shape(x, n):
    y = np.zeros_like(x)
    for i in range(n):
        y = y + x * i
    return np.sum(y)


def scaled_logs(x):
    return np.sum(np.log(x) * 3.0)


def zero_d_sum(x):
    return np.sum(np.tanh(x) * 2.0)


@pytest.mark.parametrize(
    "f, args",
    [
        (loop_only_for_the_shape, (np.linspace(0.5, 1.5, 4), 3)),
        (scaled_logs, (np.linspace(0.5, 1.5, 4),)),
        (zero_d_sum, (np.asarray(0.4),)),
    ],
    ids=["loop", "no_loop", "zero_d"],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ones_of_a_known_shape_need_nothing_computed(f, args, dtype):
    args = (np.asarray(args[0], dtype=dtype), *args[1:])
    got = ad.grad(f)(*args)
    _, pullback = ad.vjp(f, *args)
    want = pullback(1.0)[0]
    assert got.dtype == want.dtype and np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)
    source = ad.derivative_source(f, "gradient", args=args)
    assert "full_like" not in source, source
    if f is not zero_d_sum:  # (whose adjoint reads the forward sweep's tanh)
        forward = source.split("# reverse sweep")[0].split("\n", 1)[1]  # (after the `def`)
        assert "= " not in forward, source  # nothing computed
        assert "# forward sweep" not in forward, source  # nor a heading over nothing


def sums_in_a_loop(x, n):
    a = x * 1.0
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(a))  # the sum's ones need `np.sin(a)` for its shape only
        a = a + x * 0.1 * i
    return s


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_loop_tapes_nothing_only_for_the_ones_shape(dtype):
    """The ones of a sum in a loop: `np.sin(a)` gave them their shape and nothing else, so
    the forward loop neither computes nor saves it (the adjoint reads `np.cos(a)`): the
    dead-code pass counts no read of a name that the filled-in ones no longer read."""
    x = np.linspace(0.2, 1.2, 5).astype(dtype)
    got = ad.grad(sums_in_a_loop)(x, 4)
    _, pullback = ad.vjp(sums_in_a_loop, x, 4)
    want = pullback(1.0)[0]
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    source = ad.derivative_source(sums_in_a_loop, "gradient", args=(x, 4))
    forward = source.split("# reverse sweep")[0]
    assert "np.sin" not in forward, source
    assert "_tape1.append(a_1)" in forward, source  # the one value the replay needs


def test_counts_conversions_and_math_functions_give_python_numbers():
    """`len`, `x.size`, `x.ndim`, `int()` give a Python int and `float()` and the `math`
    functions a Python float, whatever their argument (the facts that let a division by
    them follow NumPy's promotion, ad/dtypes.py)."""

    def f(x, s):
        a = len(x)
        b = x.size
        c = x.ndim
        d = int(s)
        e = float(np.sum(x))
        g = math.sqrt(a - 1)
        h = math.log1p(s)
        k = np.sum(x) / (b - 1)  # a NumPy scalar divided by a Python int: NumPy's
        return a, b, c, d, e, g, h, k

    x = np.ones(3, np.float32)
    facts = _facts(f, x, np.float64(0.5))
    for name in "abcd":
        assert facts[name] == ("weak", int), name
    for name in "egh":
        assert facts[name] == ("weak", float), name
    assert facts["k"] == ("strong", np.dtype(np.float32))
    for name, value in zip("abcdegh", f(x, np.float64(0.5)), strict=False):
        assert type(value) is facts[name][1], name


def test_an_arrays_elements_and_numpy_scalar_constructors_have_its_dtype():
    def f(x):
        s = np.float32(0.0)
        for xi in x:
            s = s + xi * xi
        return s

    facts = _facts(f, np.ones(3, np.float32))
    assert facts["xi"] == ("strong", np.dtype(np.float32))
    assert facts["s"] == ("strong", np.dtype(np.float32))


# a mean's seed is its shape filled with `1.0 / n`: ones scaled by a literal, dropped as
# the sum's ones are (`seed * e` is `c * e` bit for bit where `e` has the seed's dtype)


def mean_squared_error(w, x, y):
    return np.mean((x @ w - y) ** 2)


def mean_tanh(x):
    return np.mean(np.tanh(x))


def mean_of_mixed(x, y):
    return np.mean(np.tanh(x) * y)


def mean_in_a_loop(x, n):
    total = 0.0
    for _ in range(n):
        total = total + np.mean(np.sin(x) * x)
        x = x * 0.9
    return total


# (f, arguments of a dtype, the dtypes whose seed stays; where floats of two dtypes meet,
# the seed is a float64 instead, `_mixed`)
MEANS = [
    (
        mean_squared_error,
        lambda d: (
            np.linspace(-1, 1, 3, dtype=d),
            np.arange(12.0, dtype=d).reshape(4, 3) / 7,
            np.linspace(0, 1, 4, dtype=d),
        ),
        (),
    ),
    (mean_tanh, lambda d: (np.linspace(-2, 2, 5, dtype=d),), ()),
    (mean_tanh, lambda d: (np.linspace(-2, 2, 6, dtype=d).reshape(2, 3),), ()),
    (mean_of_mixed, lambda d: (np.linspace(-2, 2, 5, dtype=d), np.linspace(1, 3, 5)), ()),
    (
        mean_of_mixed,
        lambda d: (np.linspace(-2, 2, 5), np.linspace(1, 3, 5, dtype=d)),
        (),
    ),
    (mean_in_a_loop, lambda d: (np.linspace(0.1, 0.9, 7, dtype=d), 3), ()),
]


@pytest.mark.parametrize(
    ("f", "make", "kept"), MEANS, ids=[f"{f.__name__}_{i}" for i, (f, *_) in enumerate(MEANS)]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_a_means_seed_is_a_literal_factor(f, make, kept, dtype):
    args = make(dtype)
    got = ad.grad(f)(*args)
    value, pullback = ad.vjp(f, *args)
    assert value == f(*args)
    want = pullback(1.0)[0]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    source = ad.derivative_source(f, "gradient", args=args)
    if _mixed(args):  # a float64 seed, not the weak literal (ad/seed_dtype.py): not folded
        assert "_bar = np.float64(1.0)" in source, source
        return
    assert "full_like" not in source, source
    assert ("np.full(" in source) == (dtype in kept), source


def _mixed(args: tuple) -> bool:
    """Whether the arrays among `args` are of several float dtypes."""
    return len({a.dtype for a in args if isinstance(a, np.ndarray)}) > 1


# ones times a NumPy ufunc of values of their shape (`np.cos(x)`, the sum's adjoint through
# `np.sin`) are the call itself; a literal filling them, the call scaled by it


def sum_sin(x):
    return np.sum(np.sin(x))


def mean_sin(x):
    return np.mean(np.sin(x))


def sum_abs_and_squares(x):
    return np.sum(np.abs(x)) + np.sum(np.sin(x) ** 2)


def sum_hypot(x, y):
    return np.sum(np.hypot(x, y))


UFUNCS = [sum_sin, mean_sin, sum_abs_and_squares]


@pytest.mark.parametrize("f", UFUNCS, ids=[f.__name__ for f in UFUNCS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_ones_times_a_ufunc_call_are_the_call(f, dtype):
    x = np.linspace(-1.5, 2.0, 7, dtype=dtype)
    got = ad.grad(f)(x)
    value, pullback = ad.vjp(f, x)
    assert value == f(x)
    want = pullback(1.0)[0]
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    source = ad.derivative_source(f, "gradient", args=(x,))
    assert "full" not in source, source


@pytest.mark.parametrize(
    ("f", "dtypes", "kept"),
    [
        (sum_hypot, (np.float32, np.float32), False),
        # floats of two dtypes: grad's seed is a float64, `np.full_like(_t1, seed)`, not the
        # weak literal 1.0 folded, which would round as float32 where it meets one
        (sum_hypot, (np.float32, np.float64), None),
        (sum_hypot, (np.float64, np.float64), False),
    ],
    ids=["hypot_f32", "hypot_mixed", "hypot_f64"],
)
def test_ufunc_calls_of_mixed_dtypes(f, dtypes, kept):
    args = tuple(np.linspace(0.5, 2.0, 5, dtype=d) for d in dtypes)
    got = ad.grad(f, wrt=(0, 1))(*args)
    _, pullback = ad.vjp(f, *args)
    for g, want in zip(got, pullback(1.0), strict=True):
        assert g.dtype == want.dtype
        np.testing.assert_array_equal(g, want)
    source = ad.derivative_source(f, "gradient", wrt=(0, 1), args=args)
    if kept is None:
        assert "_bar = np.float64(1.0)" in source, source
    else:
        assert ("np.full(" in source) == kept, source
