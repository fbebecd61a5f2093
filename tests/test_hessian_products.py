"""Hessians through matrix products: the vector-mode tangents of the gradient code's matmul
adjoints (`rt.matmul_vjp_left` / `rt.matmul_vjp_right`) are one product for all directions
(`runtime/directions.py`), where they were a Python loop over the directions (a Hessian of
1,000 inputs: 1,000 products per `X @ w` in the function).

Each Hessian (vector mode) against central differences of the reverse-mode gradient, the
reverse-over-reverse Jacobian of the gradient (`jacrev(grad)`, no vector mode), `jacfwd(grad)`,
and `hvp` (one tangent, no vector mode) with the gradient it returns equal to `grad`.
"""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import numeric_jvp

rng = np.random.default_rng(17)


def matrix_vector(w, X):
    return np.sum(np.logaddexp(0.0, X @ w)) + 0.5 * np.sum(w * w)


def matrix_vector_both(w, X):
    return np.sum(np.tanh(X @ w) ** 2)


def matrix_matrix(A, B):
    return np.sum(np.sin(A @ B))


def vector_matrix(v, M):
    return np.sum(np.sin(v @ M) * (v @ M))


def vector_vector(v, u):  # a dot product: the per-direction path
    return np.sin(v @ u) * np.sum(v * u)


def stacked_matrix(T, B):  # 3-D @ 2-D: the per-direction path
    return np.sum(np.tanh(T @ B) ** 2)


def batched_likelihood(w, X, y):  # the Hessian benchmark's loop over batches
    total = 0.5 * np.sum(w * w)
    for start in range(0, X.shape[0], 3):
        z = X[start : start + 3] @ w
        total = total + np.sum(np.logaddexp(0.0, z) - y[start : start + 3] * z)
    return total


CASES = [  # (function, arguments, wrt, whether one product serves every direction)
    (matrix_vector, (rng.standard_normal(4), rng.standard_normal((5, 4))), (0,), True),
    (matrix_vector_both, (rng.standard_normal(3), rng.standard_normal((4, 3))), (0, 1), True),
    (matrix_matrix, (rng.standard_normal((2, 3)), rng.standard_normal((3, 4))), (0, 1), True),
    (vector_matrix, (rng.standard_normal(3), rng.standard_normal((3, 2))), (0, 1), True),
    (vector_vector, (rng.standard_normal(3), rng.standard_normal(3)), (0, 1), False),
    (stacked_matrix, (rng.standard_normal((2, 2, 3)), rng.standard_normal((3, 2))), (0, 1), False),
    (
        batched_likelihood,
        (rng.standard_normal(4), rng.standard_normal((7, 4)), rng.uniform(size=7).round()),
        (0,),
        True,
    ),
]
IDS = [case[0].__name__ for case in CASES]


def numeric_block(f, args, i, j):
    """∂(∂f/∂args[i])/∂args[j] by central differences of the reverse-mode gradient."""
    grad_i = ad.grad(f, wrt=i)
    x = args[j]
    columns = []
    for k in range(x.size):
        step = np.zeros(x.size)
        step[k] = 1.0
        tangents = [None] * len(args)
        tangents[j] = step.reshape(x.shape)
        columns.append(numeric_jvp(grad_i, args, tangents))
    return np.moveaxis(np.array(columns), 0, -1).reshape(args[i].shape + x.shape)


def blocks(f, args, wrt):
    """{(i, j): the Hessian block} from `ad.hessian` (one vector tangent pass)."""
    h = ad.hessian(f, wrt=wrt if len(wrt) > 1 else wrt[0])(*args)
    if len(wrt) == 1:
        return {(wrt[0], wrt[0]): h}
    return {(i, j): h[a][b] for a, i in enumerate(wrt) for b, j in enumerate(wrt)}


@pytest.mark.parametrize(("f", "args", "wrt", "one_product"), CASES, ids=IDS)
def test_hessian_matches_second_differences(f, args, wrt, one_product):
    for (i, j), block in blocks(f, args, wrt).items():
        np.testing.assert_allclose(block, numeric_block(f, args, i, j), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("f", "args", "wrt", "one_product"), CASES, ids=IDS)
def test_hessian_equals_jacrev_and_jacfwd_of_grad(f, args, wrt, one_product):
    for (i, j), block in blocks(f, args, wrt).items():
        by_rows = ad.jacrev(ad.grad(f, wrt=i), wrt=j)(*args)
        by_columns = ad.jacfwd(ad.grad(f, wrt=i), wrt=j)(*args)
        np.testing.assert_allclose(block, by_rows, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(block, by_columns, rtol=1e-12, atol=1e-12)
    if len(wrt) == 2:  # symmetric: the cross blocks are each other's transposes
        hxy, hyx = blocks(f, args, wrt)[(0, 1)], blocks(f, args, wrt)[(1, 0)]
        nx = args[0].ndim
        np.testing.assert_allclose(hxy, np.moveaxis(hyx, range(hyx.ndim - nx, hyx.ndim), range(nx)))


@pytest.mark.parametrize(("f", "args", "wrt", "one_product"), CASES, ids=IDS)
def test_hvp_agrees_and_gives_the_gradient(f, args, wrt, one_product):
    tangents = [None] * len(args)
    for i in wrt:
        tangents[i] = rng.standard_normal(args[i].shape)
    gradient, product = ad.hvp(f, args, tangents)
    h = blocks(f, args, wrt)
    for a, i in enumerate(wrt):
        expected = sum(np.tensordot(h[(i, j)], tangents[j], axes=args[j].ndim) for j in wrt)
        got = product[a] if len(wrt) > 1 else product
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
        plain = ad.grad(f, wrt=i)(*args)
        np.testing.assert_allclose(gradient[a] if len(wrt) > 1 else gradient, plain, rtol=1e-14)


@pytest.mark.parametrize(("f", "args", "wrt", "one_product"), CASES, ids=IDS)
def test_one_product_for_all_directions(f, args, wrt, one_product):
    """The Hessian code calls the batched tangents, never a per-direction loop over them."""
    source = ad.derivative_source(f, mode="hessian", wrt=wrt if len(wrt) > 1 else wrt[0])
    assert "_directions(" in source
    assert "per_direction(lambda d: rt.matmul_vjp" not in source
    if one_product:  # and the runtime takes its one-product branch (no fallback inside)
        calls = []
        import s2s_ad.runtime.directions as directions

        original = directions.per_direction
        directions.per_direction = lambda *a: calls.append(a) or original(*a)
        try:
            blocks(f, args, wrt)
        finally:
            directions.per_direction = original
        assert not calls


# Lists and tapes: `xs.append(v)`, `tuple(…)`, `list(…)` in the gradient code have tangents for
# all directions at once, and the zero tangents of passive items are lazy zero views
# (`rt.zeros_along`) that `Derivatives`' item-by-item sum skips.


def appends_in_loop(x, data):
    hs = []
    for k in range(3):
        hs.append(np.tanh(x * (k + 1.0)))
        hs.append(data[k])  # a passive item
    return np.sum(np.array(hs[::2]) ** 2) + np.sum(np.array(hs[1::2]) * x)


def tuple_of_list(x, data):
    parts = [np.sin(x), data[0], x * x]
    a, b, c = tuple(parts)
    return np.sum(a * c) + np.sum(b * a)


def list_of_array(x, data):
    rows = list(x[:, None] * x + data)  # np.outer: issue 17 part B
    total = 0.0
    for row in rows:
        total = total + np.sum(np.cos(row))
    return total


def list_of_dict(x, data):
    keys = list({"a": x, "b": data[0]})
    return np.sum(x**3) * len(keys)


def float_items(x, data):  # scalars appended: tangents of shape (directions,)
    ys = []
    for k in range(3):
        ys.append(np.sum(x * data[k]))
    return ys[0] * ys[1] + ys[2] ** 2


LIST_CASES = [appends_in_loop, tuple_of_list, list_of_array, list_of_dict, float_items]
LIST_ARGS = (rng.standard_normal(3), rng.standard_normal((3, 3)))


@pytest.mark.parametrize("f", LIST_CASES, ids=lambda f: f.__name__)
def test_hessian_through_lists(f):
    h = ad.hessian(f)(*LIST_ARGS)
    np.testing.assert_allclose(h, numeric_block(f, LIST_ARGS, 0, 0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h, ad.jacrev(ad.grad(f))(*LIST_ARGS), rtol=1e-12, atol=1e-12)
    v = rng.standard_normal(3)
    gradient, product = ad.hvp(f, LIST_ARGS, (v, None))
    np.testing.assert_allclose(product, h @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradient, ad.grad(f)(*LIST_ARGS), rtol=1e-14)
    source = ad.derivative_source(f, mode="hessian")
    assert "per_direction(lambda d: rt.append" not in source


def test_zero_views_are_skipped_exactly():
    from s2s_ad import runtime as rt

    d = np.ones((4, 2))
    zero = rt.zeros_along(np.ones(2), d)
    assert zero.shape == (4, 2) and rt.is_zero_view(zero) and not zero.flags.writeable
    assert not rt.is_zero_view(np.broadcast_to(np.float64(1.0), (4, 2)))  # not a zero
    assert not rt.is_zero_view(np.zeros((4, 2)))  # a real array: added as usual
    total = rt.Derivatives([d, zero]) + rt.Derivatives([zero, d])
    assert total[0] is d and total[1] is d  # nothing allocated for the zeros
    wider = rt.Derivatives([np.ones(2)]) + rt.Derivatives([zero])  # shapes differ: broadcast
    assert wider[0].shape == (4, 2)
    narrow = rt.Derivatives([np.ones((4, 2), np.float32)]) + rt.Derivatives([zero])
    assert narrow[0].dtype == np.float64  # as NumPy's sum would be


def scaled_by_count(x, n):
    return np.sum(np.sin(x) ** 2) * n


@pytest.mark.parametrize("zero", [0, 0.0, None])
def test_hvp_holds_an_integer_with_a_zero_tangent_fixed(zero):
    """As `jvp` does: a zero tangent of an integer argument is no direction (a nonzero one
    is refused: integers have no derivative)."""
    x, v = np.array([0.3, 0.5]), np.array([1.0, -2.0])
    grad, product = ad.hvp(scaled_by_count, (x, 3), (v, zero))
    np.testing.assert_allclose(grad, ad.grad(scaled_by_count)(x, 3), rtol=1e-14)
    expected = 3 * 2.0 * np.cos(2 * x) * v  # d²/dx² sin(x)² = 2 cos(2x), times n
    np.testing.assert_allclose(product, expected, rtol=1e-12)
    with pytest.raises(ad.S2SError, match="an int"):
        ad.hvp(scaled_by_count, (x, 3), (v, 1))
