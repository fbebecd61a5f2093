"""The Numba versions of the vector code's direction helpers (s2s_ad/jit/directions.py) give
the NumPy helpers' numbers, case by case (each covered rank, both `through_g` ways), and
leave other cases to the NumPy code."""

import numpy as np
import pytest

from s2s_ad import runtime as rt

numba = pytest.importorskip("numba")
from s2s_ad.jit import helpers  # noqa: E402

rng = np.random.default_rng(21)
n = 3  # directions


def r(*shape):
    return rng.standard_normal(shape)


A, B, V, W = r(4, 5), r(5, 2), r(5), r(4)
CASES = {  # name → (helper, arguments)
    "matmul_right x matrix, y vector": ("matmul_right", (A, r(n, 5))),
    "matmul_right x vector, y vector": ("matmul_right", (V, r(n, 5))),
    "matmul_right x matrix, y matrix": ("matmul_right", (A, r(n, 5, 2))),
    "matmul_right x vector, y matrix": ("matmul_right", (V, r(n, 5, 2))),
    "matmul_left x vector, y matrix": ("matmul_left", (r(n, 5), B)),
    "matmul_left x vector, y vector": ("matmul_left", (r(n, 5), V)),
    "matmul_left x matrix, y matrix": ("matmul_left", (r(n, 4, 5), B)),
    "matmul_left x matrix, y vector": ("matmul_left", (r(n, 4, 5), V)),
    "matmul_vjp_left matrix vector": ("matmul_vjp_left", (W, A, V)),
    "matmul_vjp_left matrix matrix": ("matmul_vjp_left", (r(4, 2), A, B)),
    "matmul_vjp_left vector matrix": ("matmul_vjp_left", (r(2), V, B)),
    "matmul_vjp_right matrix vector": ("matmul_vjp_right", (W, A, V)),
    "matmul_vjp_right matrix matrix": ("matmul_vjp_right", (r(4, 2), A, B)),
    "matmul_vjp_right vector matrix": ("matmul_vjp_right", (r(2), V, B)),
    "right_directions matrices through g": (
        "matmul_vjp_right_directions",
        (r(n, 4, 2), r(4, 2), A, B, True),
    ),
    "right_directions matrices through a": (
        "matmul_vjp_right_directions",
        (r(n, 4, 5), r(4, 2), A, B, False),
    ),
    "right_directions matrix vector through g": (
        "matmul_vjp_right_directions",
        (r(n, 4), W, A, V, True),
    ),
    "right_directions matrix vector through a": (
        "matmul_vjp_right_directions",
        (r(n, 4, 5), W, A, V, False),
    ),
    "right_directions vector matrix through g": (
        "matmul_vjp_right_directions",
        (r(n, 2), r(2), V, B, True),
    ),
    "right_directions vector matrix through a": (
        "matmul_vjp_right_directions",
        (r(n, 5), r(2), V, B, False),
    ),
    "left_directions matrices through g": (
        "matmul_vjp_left_directions",
        (r(n, 4, 2), r(4, 2), A, B, True),
    ),
    "left_directions matrices through b": (
        "matmul_vjp_left_directions",
        (r(n, 5, 2), r(4, 2), A, B, False),
    ),
    "left_directions matrix vector through g": (
        "matmul_vjp_left_directions",
        (r(n, 4), W, A, V, True),
    ),
    "left_directions matrix vector through b": (
        "matmul_vjp_left_directions",
        (r(n, 5), W, A, V, False),
    ),
    "left_directions vector matrix through g": (
        "matmul_vjp_left_directions",
        (r(n, 2), r(2), V, B, True),
    ),
    "left_directions vector matrix through b": (
        "matmul_vjp_left_directions",
        (r(n, 5, 2), r(2), V, B, False),
    ),
    "along vector of a vector": ("along", (r(n), V)),
    "along vector of a matrix": ("along", (r(n), A)),
    "along matrix of a matrix": ("along", (r(n, 5), A)),
    "along of a scalar": ("along", (r(n), 2.0)),
    "along same rank": ("along", (r(n, 5), V)),
    "broadcast_directions same shape": ("broadcast_directions", (r(n, 5), V)),
    "broadcast_directions of a scalar": ("broadcast_directions", (r(n), 2.0)),
    "broadcast_directions of a length-one axis": ("broadcast_directions", (r(n, 1), V)),
    "broadcast_directions to a higher rank": ("broadcast_directions", (r(n, 5), A)),
    "broadcast_directions of a column": ("broadcast_directions", (r(n, 4, 1), A)),
    "unbroadcast_directions same shape": ("unbroadcast_directions", (r(n, 4, 5), A)),
    "unbroadcast_directions to a scalar": ("unbroadcast_directions", (r(n, 5), 2.0)),
    "unbroadcast_directions scalar": ("unbroadcast_directions", (r(n), 2.0)),
    "directions_getitem integer": ("directions_getitem", (r(n, 5), 2, 0.0)),
    "directions_getitem slice": ("directions_getitem", (r(n, 5), slice(1, None), V[1:])),
    "directions_getitem row": ("directions_getitem", (r(n, 4, 5), -1, A[-1])),
    "full_like": ("full_like", (A, 1.5)),
    "directions_zeros of a Python float": ("directions_zeros", (0.0, r(n, 5))),
    "directions_zeros of a Python int": ("directions_zeros", (0, r(n, 5))),
    "directions_zeros of an array": ("directions_zeros", (A, r(n, 4, 5))),
    "unreduce along axis 0": ("unreduce", (r(5), A, 0, False)),
    "unreduce along the last axis": ("unreduce", (r(4), A, -1, False)),
    "unreduce with keepdims": ("unreduce", (r(4, 1), A, 1, True)),
    "unreduce of a whole sum": ("unreduce", (2.5, A, None, False)),
    "unreduce_directions along axis 0": ("unreduce_directions", (r(n, 5), A, 0, False)),
    "unreduce_directions along the last axis": ("unreduce_directions", (r(n, 4), A, -1, False)),
    "unreduce_directions with keepdims": ("unreduce_directions", (r(n, 4, 1), A, 1, True)),
    "unreduce_directions of a whole sum": ("unreduce_directions", (r(n), A, None, False)),
}


def _compiled(name: str, count: int):
    """A Numba-compiled function calling the Numba version of helper `name`."""
    helper = getattr(helpers, name)
    params = ", ".join(f"a{k}" for k in range(count))
    scope = {"helper": helper}
    exec(f"def call({params}):\n    return helper({params})\n", scope)
    return numba.njit(scope["call"])


@pytest.mark.parametrize("case", list(CASES))
def test_numba_helper_equals_numpy_helper(case):
    name, args = CASES[case]
    expected = getattr(rt, name)(*args)
    got = _compiled(name, len(args))(*args)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)


def test_batched_getitem_vjp_equals_per_direction():
    d, x = r(n, 4), r(6)
    for index in (slice(1, 5), slice(None, -2)):
        expected = rt.per_direction(lambda dk, i=index: rt.getitem_vjp(dk, x, i), d)
        got = _compiled("getitem_vjp_directions", 3)(d, x, index)
        np.testing.assert_array_equal(got, expected)
    d1 = r(n)
    expected = rt.per_direction(lambda dk: rt.getitem_vjp(dk, x, 2), d1)
    np.testing.assert_array_equal(_compiled("getitem_vjp_directions", 3)(d1, x, 2), expected)
    m = r(3, 4)
    d2 = r(n, 4)
    expected = rt.per_direction(lambda dk: rt.getitem_vjp(dk, m, 1), d2)
    np.testing.assert_array_equal(_compiled("getitem_vjp_directions", 3)(d2, m, 1), expected)


# (primal shape, its `axis`): the vector tangent reduced as rules/reductions.py reduces it
REDUCED = [((5,), None), ((4, 5), None), ((2, 4, 5), None), ((), None), ((4, 5), 0), ((4, 5), -1)]


@pytest.mark.parametrize(("shape", "axis"), REDUCED, ids=[f"{s} {a}" for s, a in REDUCED])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_reductions_of_directions_equal_numpy(reduction, shape, axis):
    """`rt.sum_directions(d, a)` (jit/direction_sums.py writes it for `np.sum(d,
    axis=rt.shifted(axis, x, False), keepdims=False)`) gives NumPy's numbers and dtype."""
    x, d = r(*shape), r(n, *shape)
    expected = getattr(np, reduction)(d, axis=rt.shifted(axis, x, False), keepdims=False)
    tangent_axis = None if axis is None else (axis + 1 if axis >= 0 else axis)
    got = _compiled(f"{reduction}_directions", 2)(d, tangent_axis)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-14)


@pytest.mark.parametrize(
    ("d_shape", "like_shape"),
    [
        ((4, 5), (1, 5)),  # an axis of length one
        ((4, 5), (4, 1)),
        ((2, 4, 5), (5,)),  # axes broadcasting put in front
        ((2, 4, 5), (1, 5)),  # both
        ((4, 5), ()),  # a scalar
        ((4, 5), (4, 5)),  # nothing to sum
    ],
)
def test_unbroadcast_sums_every_broadcast_axis(d_shape, like_shape):
    d, like = r(n, *d_shape), (r(*like_shape) if like_shape else 0.5)
    np.testing.assert_allclose(
        _compiled("unbroadcast_directions", 2)(d, like),
        rt.unbroadcast_directions(d, like),
        rtol=1e-14,
    )
    g = r(*d_shape)
    np.testing.assert_allclose(
        _compiled("unbroadcast", 2)(g, like), rt.unbroadcast(g, like), rtol=1e-14
    )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("unbroadcast_directions", (r(n, 4, 5), r(3, 5))),  # shapes that do not broadcast
        ("matmul_vjp_right_directions", (r(n, 4), W, A, V, False)),  # direction by direction
    ],
)
def test_shapes_not_covered_raise_for_the_numpy_code(name, args):
    with pytest.raises(ValueError, match=r"s2s_ad\.jit"):
        _compiled(name, len(args))(*args)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("along", (r(n, 2, 3), r(2, 3, 4, 5))),  # ranks not covered: untyped
        ("directions_getitem", (r(n, 5), np.array([0, 0]), V[[0, 0]])),  # a repeated index
        ("full_like", (2.0, 1.0)),
    ],
)
def test_cases_not_covered_are_untyped(name, args):
    with pytest.raises(numba.core.errors.TypingError):
        _compiled(name, len(args))(*args)
