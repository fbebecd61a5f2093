"""The vector tangent mode over lists: a list's tangent (one per item, each with its axis of
directions) becomes an array's (directions first) wherever NumPy reads the list as an array.

Before the fix, NumPy read the items' tangents as (items, directions, …): the directions'
numbers in the wrong places, silently. Wrong on main: `jacfwd` of `np.ravel`,
`np.transpose` or `np.expand_dims` of a list, the Hessian of those and of
`np.linalg.solve` of a list, and every third derivative by `jacfwd(grad(grad(f)))` or
`hessian(grad(f))` of a function building a nested array from scalars (the adjoint of
`np.array([[x, x * x], …])` in the gradient code's gradient code: `rt.broadcast_directions`
of a list's tangent); `jacrev(grad(f))` was swept row by row because of it.

Every derivative here is checked against central differences (second and third derivatives:
central differences of the gradient, or of the second derivative).
"""

import numpy as np
import pytest
from test_vector_reverse import swept_by_rows

import s2s_ad as ad
from s2s_ad.runtime import directions as rt_directions
from s2s_ad.testing import check_grads, check_modes_agree

STEP = 1e-5


def differences(fn, x):
    """Central differences of `fn` (array-valued) at `x`: shape fn(x).shape + x.shape."""
    if np.ndim(x) == 0:
        return (np.asarray(fn(x + STEP)) - np.asarray(fn(x - STEP))) / (2 * STEP)
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = STEP
        columns.append((np.asarray(fn(x + e)) - np.asarray(fn(x - e))) / (2 * STEP))
    return np.stack(columns, axis=-1).reshape(np.shape(fn(x)) + x.shape)


def close(got, expected):
    np.testing.assert_allclose(np.reshape(got, np.shape(expected)), expected, rtol=1e-5, atol=1e-6)


# functions building lists and nested arrays from scalars: `s(x)` gives two scalars of the
# point (a float point: x and x * x as floats; an array point: 0-d arrays and floats read
# from it), mixed with constants


def scalars(x):
    if np.ndim(x) == 0:
        return x, x * x
    return np.asarray(x[0]) * 1.0, x[1] * x[0]  # a 0-d array and a float


def nested_square(x):  # the report's `second_nested`
    a, b = scalars(x)
    A = np.array([[a, b], [1.0, np.cos(a)]])
    return np.sum(A @ A)


def nested_tanh(x):
    a, b = scalars(x)
    A = np.array([[np.sin(a), b * 2.0], [a * b, 3.0]])
    return np.sum(np.tanh(A @ A))


def row_used_twice(x):
    a, b = scalars(x)
    r = [a, b]
    A = np.array([r, r])
    return np.sum(A * A) + r[0] * r[1]


def appended(x):
    a, b = scalars(x)
    L = [a, np.sin(b), 2.0]
    L.append(a * b)
    return np.sum(np.array(L) ** 2) + L[1] * L[3]


def stacked_zero_d(x):
    a, b = scalars(x)
    v = np.stack([a * b, np.exp(np.asarray(a)), np.asarray(1.5)])
    return np.dot(v, v) * v[0]


def cubed_matrix(x):
    a, b = scalars(x)
    c = np.asarray(a) * 2.0
    A = np.array([[c, b], [a * c, 1.0]])
    return np.sum(A @ A @ A)


def items_in_a_loop(x):
    a, b = scalars(x)
    L = [a * 1.0, b, np.cos(a)]
    s = 0.0
    for i in range(3):
        s = s + L[i] * L[(i + 1) % 3]
    return s * np.sum(np.array(L))


def three_deep(x):
    a, b = scalars(x)
    A = np.array([[[a, 1.0], [b, a]], [[2.0, np.sin(b)], [a, a * 3.0]]])
    return np.sum(A * A * A)


def raveled_and_transposed(x):
    a, b = scalars(x)
    M = [[a * b, 2.0], [np.sin(b), a]]
    return np.sum(np.ravel(M) * np.arange(1.0, 5.0)) * np.sum(np.transpose(M)[0] ** 2)


def solved(x):
    a, b = scalars(x)
    M = [[2.0 + a * a, b], [np.sin(b), 3.0]]
    return np.sum(np.linalg.solve(M, np.array([1.0, a])))


FAMILY = [
    nested_square,
    nested_tanh,
    row_used_twice,
    appended,
    stacked_zero_d,
    cubed_matrix,
    items_in_a_loop,
    three_deep,
    raveled_and_transposed,
    solved,
]
POINTS = {"float": 0.7, "array": np.array([0.7, -0.4])}
NAME = {"ids": lambda f: f.__name__}


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("fn", FAMILY, **NAME)
def test_second_derivatives(fn, point):
    """hessian == jacfwd(grad) == jacrev(grad) (one vector pass, not row by row) == grad(grad)
    for a float == central differences of the gradient."""
    x = POINTS[point]
    gradient = ad.grad(fn)
    expected = differences(gradient, x)
    close(ad.hessian(fn)(x), expected)
    close(ad.jacfwd(gradient)(x), expected)
    close(ad.jacrev(gradient)(x), expected)
    assert not swept_by_rows(gradient, 0, (x,))
    if point == "float":
        close(ad.grad(gradient)(x), expected)
    check_grads(fn, (x,))
    check_modes_agree(fn, (x,))


@pytest.mark.parametrize("fn", FAMILY, **NAME)
def test_third_derivatives_by_nesting(fn):
    """grad(grad(grad)) == jacfwd(grad(grad)) == jacrev(grad(grad)) == hessian(grad) ==
    central differences of the second derivative."""
    x = POINTS["float"]
    second = ad.grad(ad.grad(fn))
    expected = differences(second, x)
    close(ad.grad(second)(x), expected)
    close(ad.jacfwd(second)(x), expected)
    close(ad.jacrev(second)(x), expected)
    close(ad.hessian(ad.grad(fn))(x), expected)


# NumPy functions given a list, which they read as one array: first derivatives in every
# mode, and the Hessian of a scalar made of them


def items(x):
    return [x[0] * x[1], np.sin(x[1])]


def rows(x):
    return [[x[0] * x[1], 2.0], [np.sin(x[1]), x[0]]]


READERS = [
    lambda x: np.ravel(rows(x)),
    lambda x: np.transpose(rows(x)),
    lambda x: np.expand_dims(items(x), 0),
    lambda x: np.reshape(items(x), (2, 1)),
    lambda x: np.squeeze([items(x)]),
    lambda x: np.swapaxes(rows(x), 0, 1),
    lambda x: np.flip(rows(x), 0),
    lambda x: np.where([True, False], items(x), 1.0),
    lambda x: np.clip(items(x), -0.5, 0.5),
    lambda x: np.sort(items(x)),
    lambda x: np.diag(rows(x)),
    lambda x: np.dot(items(x), items(x)),
    lambda x: np.inner(items(x), x),
    lambda x: np.einsum("ij,j->i", rows(x), x),
    lambda x: np.repeat(items(x), 2),
    lambda x: np.linalg.solve(rows(x), x),
    lambda x: np.linalg.det(rows(x)),
    lambda x: np.cumsum(rows(x), axis=1),
]
READER_IDS = [
    "ravel",
    "transpose",
    "expand_dims",
    "reshape",
    "squeeze",
    "swapaxes",
    "flip",
    "where",
    "clip",
    "sort",
    "diag",
    "dot",
    "inner",
    "einsum",
    "repeat",
    "solve",
    "det",
    "cumsum",
]
X = np.array([0.7, -0.4])  # two items and two directions: a swapped layout shows


@pytest.mark.parametrize("fn", READERS, ids=READER_IDS)
def test_numpy_function_of_a_list(fn):
    expected = differences(fn, X)
    close(ad.jacfwd(fn)(X), expected)
    close(ad.jacrev(fn)(X), expected)
    value, tangent = ad.jvp(fn, (X,), (np.array([1.0, 0.0]),))
    np.testing.assert_allclose(value, fn(X), rtol=1e-15)
    close(tangent, expected[..., 0])
    check_grads(fn, (X,))

    def scalar(x):
        return np.sum(np.sin(fn(x)))

    gradient = ad.grad(scalar)
    hessian = differences(gradient, X)
    close(ad.hessian(scalar)(X), hessian)
    close(ad.jacfwd(gradient)(X), hessian)
    close(ad.jacrev(gradient)(X), hessian)


# the runtime's conversions between the two layouts


def test_directions_first_lays_out_an_array_tangent():
    """Two items, each (3 directions,) → the array's tangent (3 directions, 2 items); a
    nested list's rows too; a zero item broadcasts."""
    t = [np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])]
    np.testing.assert_array_equal(
        rt_directions.directions_first(t, np.zeros(2)), [[1, 4], [2, 5], [3, 6]]
    )
    nested = [[np.array([1.0, 2.0]), 0.0], [np.array([3.0, 4.0]), np.array([5.0, 6.0])]]
    out = rt_directions.directions_first(nested, np.zeros((2, 2)))
    np.testing.assert_array_equal(out, [[[1, 0], [3, 5]], [[2, 0], [4, 6]]])


def test_unbroadcast_directions_to_a_list_keeps_items():
    """An array's tangent (directions, items) summed to a list: one tangent per item."""
    d = np.array([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]])
    out = rt_directions.unbroadcast_directions(d, [0.5, 0.25])
    assert len(out) == 2 and out.directions == 3
    np.testing.assert_array_equal(out[0], [1, 2, 3])
    np.testing.assert_array_equal(out[1], [4, 5, 6])
    back = rt_directions.broadcast_directions(out, np.zeros(2))
    np.testing.assert_array_equal(back, d)


# lists known as lists however they are made: by a helper, in a loop, in a branch, as a
# tuple, or given as the argument


def helper_rows(x):
    return [[x[0] * x[1], 2.0], [np.sin(x[1]), x[0]]]


def raveled_from_a_helper(x):
    return np.ravel(helper_rows(x))


def transposed_from_a_helper(x):
    return np.transpose(helper_rows(x))


def built_in_a_loop(x):
    L = []
    for i in range(2):
        L.append([x[i], x[0] * x[i]])
    return np.ravel(L)


def chosen_in_a_branch(x):
    L = [x[0], x[1]] if x[0] > 0 else (x[1], x[0])
    return np.transpose([L, L])


def transposed_tuples(x):
    return np.transpose(((x[0], x[1] * 2.0), (x[1], 1.0)))


MADE = [
    raveled_from_a_helper,
    transposed_from_a_helper,
    built_in_a_loop,
    chosen_in_a_branch,
    transposed_tuples,
]


@pytest.mark.parametrize("fn", MADE, **NAME)
def test_lists_made_elsewhere(fn):
    expected = differences(fn, X)
    close(ad.jacfwd(fn)(X), expected)
    close(ad.jacrev(fn)(X), expected)
    check_grads(fn, (X,))

    def scalar(x):
        return np.sum(np.sin(fn(x)))

    gradient = ad.grad(scalar)
    hessian = differences(gradient, X)
    close(ad.hessian(scalar)(X), hessian)
    close(ad.jacrev(gradient)(X), hessian)


def raveled_argument(L):
    return np.ravel(L) * np.array([1.0, 2.0, 3.0, 4.0])


def test_jacobians_with_respect_to_a_nested_list():
    """Each float of the list argument: its column, the same by columns and by rows."""
    L = [[0.7, -0.4], [0.3, 1.1]]
    by_columns = ad.jacfwd(raveled_argument)(L)
    by_rows = ad.jacrev(raveled_argument)(L)
    for i in range(2):
        for j in range(2):
            L_plus = [row[:] for row in L]
            L_minus = [row[:] for row in L]
            L_plus[i][j] += STEP
            L_minus[i][j] -= STEP
            column = (raveled_argument(L_plus) - raveled_argument(L_minus)) / (2 * STEP)
            close(by_columns[i][j], column)
            close(by_rows[i][j], column)
