"""Edges of the Jacobian API, by kind:

- a parameter named twice in `wrt` (`(0, 0)`, `(1, 0, 1)`, `("x", 0)`) gives its block again
  in every Jacobian and in `hessian`, as `grad` does (before: a `SyntaxError` from generated
  code with two parameters `x_dot_1`);
- a result that is complex at the arguments is refused with `ComplexValueError` by every
  Jacobian, fresh or on the fast path (before: `None` in place of its Jacobian);
- `jacrev` of a scalar output is the gradient, from the flat gradient code seeded with 1.0
  (before: the vector code of that code, a derivative of the next order, for one row).
"""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import s2s_ad as ad

MAKERS = {"jacfwd": ad.jacfwd, "jacrev": ad.jacrev, "jacobian": ad.jacobian}


def scaled_sine(x, y):
    return x * y + np.sin(x) * y[0]


def energy(x, y):
    return np.sum(x * y * x) + np.sum(np.sin(y) * x[0])


def pair_output(x, y):
    return {"a": x * y, "b": np.tanh(y) * 2.0}


def record_input(p, y):
    return np.sum(p["w"] * y) + p["b"] ** 2


X = np.array([2.0, 3.0, 0.5])
Y = np.array([0.1, -1.0, 0.7])
REPEATS = [(0, 0), (1, 0, 1), ("x", 0), (0, "y", "x", 1)]


def _distinct(wrt):
    names = ["xy"[w] if isinstance(w, int) else w for w in wrt]
    distinct = list(dict.fromkeys(names))
    return tuple(distinct), [distinct.index(n) for n in names]


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("wrt", REPEATS, ids=str)
@pytest.mark.parametrize("f", [scaled_sine, pair_output], ids=lambda f: f.__name__)
def test_repeated_wrt_repeats_the_blocks(maker, wrt, f):
    distinct, picks = _distinct(wrt)
    once = MAKERS[maker](f, wrt=distinct)(X, Y)
    kept = MAKERS[maker](f, wrt=wrt)
    for _ in range(2):  # the first call and a later one
        got = kept(X, Y)
        if isinstance(got, dict):
            for k in got:
                assert len(got[k]) == len(wrt)
                for block, i in zip(got[k], picks, strict=True):
                    np.testing.assert_array_equal(block, once[k][i])
        else:
            assert isinstance(got, tuple) and len(got) == len(wrt)
            for block, i in zip(got, picks, strict=True):
                np.testing.assert_array_equal(block, once[i])


@pytest.mark.parametrize("wrt", REPEATS, ids=str)
def test_repeated_wrt_in_the_hessian(wrt):
    distinct, picks = _distinct(wrt)
    once = ad.hessian(energy, wrt=distinct)(X, Y)
    got = ad.hessian(energy, wrt=wrt)(X, Y)
    assert len(got) == len(wrt)
    for row, i in zip(got, picks, strict=True):
        assert len(row) == len(wrt)
        for block, j in zip(row, picks, strict=True):
            np.testing.assert_array_equal(block, once[i][j])


def test_repeated_wrt_of_a_structure():
    p = {"w": np.array([1.0, -2.0, 0.5]), "b": 0.3}
    once = ad.jacfwd(record_input)(p, Y)
    for maker in MAKERS.values():
        got = maker(record_input, wrt=(0, 0))(p, Y)
        for block in got:
            np.testing.assert_allclose(block["w"], once["w"], rtol=1e-14)
            np.testing.assert_allclose(block["b"], once["b"], rtol=1e-14)


def real_power(x, p):
    return x**p + x


def power_of_array(x):
    return np.sqrt(x.astype(complex)) * 2.0


def complex_in_a_record(x):
    return {"re": x * 2.0, "z": x + 1j * x}


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize(
    "f, good, bad",
    [
        (real_power, (8.0, 0.5), (-8.0, 0.5)),
        (power_of_array, (np.array([1.0, 4.0]),), (np.array([1.0, 4.0]),)),
        (complex_in_a_record, (np.array([1.0, 2.0]),), (np.array([1.0, 2.0]),)),
    ],
    ids=["python_complex", "complex_array", "complex_leaf"],
)
def test_complex_results_are_refused(maker, f, good, bad):
    with pytest.raises(ad.S2SError, match="complex"):
        MAKERS[maker](f)(*bad)  # a fresh function
    kept = MAKERS[maker](f)
    with contextlib.suppress(ad.S2SError):  # (refused too where the result is complex)
        kept(*good)  # the fast path's entry, where the result is real
    with pytest.raises(ad.S2SError, match="complex"):
        kept(*bad)


# a scalar output: jacrev's one row is the gradient, from the flat gradient code itself


def scalar_loss(x, y):
    return np.sum(np.sin(x) * y) + x[0] ** 2


def zero_d_loss(x):
    return np.asarray(np.sum(np.tanh(x) ** 2))


def loss_of_a_record(p, y):
    return np.sum(p["w"] * y) + p["b"] ** 2 + 3.0


def unused_input(x, y):
    return np.sum(x**2)


@pytest.mark.parametrize(
    "f, args, wrt",
    [
        (scalar_loss, (X, Y), 0),
        (scalar_loss, (X, Y), (0, 1)),
        (scalar_loss, (X.astype(np.float32), Y.astype(np.float32)), 0),
        (zero_d_loss, (X,), 0),
        (loss_of_a_record, ({"w": X, "b": 0.3}, Y), 0),
        (unused_input, (X, Y), (0, 1)),
        (scalar_loss, (np.array([0.5]), np.array([2.0])), 0),
    ],
    ids=["array", "two_inputs", "float32", "zero_d", "record", "unused", "size_one"],
)
def test_jacrev_of_a_scalar_is_the_gradient(f, args, wrt):
    expected = ad.grad(f, wrt=wrt)(*args)
    kept = ad.jacrev(f, wrt=wrt)
    for got in (kept(*args), kept(*args), ad.jacobian(f, wrt=wrt, mode="reverse")(*args)):
        got_leaves = ad.pytrees.flatten(got)[0]
        expected_leaves = ad.pytrees.flatten(expected)[0]
        assert len(got_leaves) == len(expected_leaves)
        for g, e in zip(got_leaves, expected_leaves, strict=True):
            np.testing.assert_array_equal(g, e)
            assert np.shape(g) == np.shape(e) and np.asarray(g).dtype == np.asarray(e).dtype
    forward = ad.jacfwd(f, wrt=wrt)(*args)
    for g, e in zip(ad.pytrees.flatten(got)[0], ad.pytrees.flatten(forward)[0], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-6 if np.asarray(g).dtype == np.float32 else 1e-13)


# a complex cotangent written into an array's adjoint (`rt.getitem_vjp`, `rt.scatter_add`)
# stays complex, so `grad` refuses it as the other makers do, where the imaginary part was
# dropped with a ComplexWarning (a wrong gradient)


def items_to_a_power(x):
    return float(x[0]) ** 0.5 + float(x[1]) ** 0.5


def looped_items(x):
    s = 0.0
    for i in range(3):
        s = s + float(x[i]) ** 0.5 * x[i]
    return s


def repeated_index(x):
    idx = np.array([0, 0, 1])
    return np.sum(x[idx]) + float(x[2]) ** 1.5


@pytest.mark.parametrize(
    "f", [items_to_a_power, looped_items, repeated_index], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("maker", ["grad", "value_and_grad", "jacrev", "hessian"])
def test_complex_cotangent_of_an_item_is_refused(f, maker):
    x = np.array([-1.0, 2.0, -3.0])
    assert isinstance(f(x), complex)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ad.errors.ComplexValueError) as info:
            getattr(ad, maker)(f)(x)
    assert info.value.filename == __file__
    assert not [w for w in caught if "imaginary" in str(w.message)]  # nothing dropped


def test_real_cotangents_of_items_unchanged():
    x = np.array([1.0, 2.0, 3.0])
    for f in (items_to_a_power, looped_items, repeated_index):
        g = ad.grad(f)(x)
        assert g.dtype == np.float64
        np.testing.assert_allclose(g, ad.jacfwd(f)(x), rtol=1e-13)


# a negative literal the lowering folded into a constant, written back as the left operand of
# `**` (or before `.attr`), is parenthesised: `-1.0 ** 0.5` reads back as `-(1.0 ** 0.5)`,
# which gave the real -1 for the complex 1j (a wrong value, and a wrong gradient)


def power_of_a_negative_literal(x):
    return np.sum(x * (-1.0) ** 0.5)


def power_of_a_negative_name(x):
    a = -2.0
    return np.sum(x * a**0.5)


def even_power_of_a_negative(x):
    a = -2.0
    return np.sum(x * a**2 + (-3.0) ** 3 * x)


@pytest.mark.parametrize("f", [power_of_a_negative_literal, power_of_a_negative_name])
@pytest.mark.parametrize("maker", ["grad", "value_and_grad", "jacfwd", "jacrev"])
def test_complex_power_of_a_negative_literal_is_refused(f, maker):
    # (`hessian` is exactly 0 here, linear in x, and computes no complex value)
    x = np.array([-4.0, 1.0, 2.0])
    assert isinstance(f(x), complex)
    with pytest.raises(ad.errors.ComplexValueError):
        getattr(ad, maker)(f)(x)


def test_real_power_of_a_negative_literal():
    x = np.array([-4.0, 1.0, 2.0])
    value, gradient = ad.value_and_grad(even_power_of_a_negative)(x)
    assert value == even_power_of_a_negative(x)
    np.testing.assert_array_equal(gradient, np.full(3, 4.0 - 27.0))
