"""Programs for tests/test_layouts_and_raises_independent.py (tester brief 120).

Kept out of a test_*.py module so pytest does not rewrite the ``assert`` statements.
(a) element and slice updates of arrays that are not C-ordered, then reductions;
(b) the user's own exceptions raised while a derivative runs.
"""

import numpy as np

W5 = np.linspace(-1.0, 1.3, 5)
W17 = np.linspace(-0.7, 1.1, 17)
FINALLY_LOG = []


# ---------------------------------------------------------------- (a) layouts


def l_transpose_elem(x):  # x (13, 17)
    a = np.sin(x).T
    a[1, 2] = 3.0 * x[0, 0]
    return np.sum(np.cos(a))


def l_fortran_col(x):  # x (13, 17)
    a = np.asfortranarray(np.exp(0.3 * x))
    a[:, 0] = x[:, 1]
    return np.mean(np.sin(a))


def l_swapaxes_3d(x):  # x (5, 6, 7)
    a = np.swapaxes(np.cos(x), 0, 2)
    a[1] += x[0, 0, 0]
    return np.std(a)


def l_reversed_1d(x):  # x (101,)
    a = np.sin(x)[::-1]
    a[2] = 0.5 * x[3]
    return np.sum(a * a)


def l_strided_1d(x):  # x (101,)
    a = np.tanh(x)[::3]
    a[1:4] = a[1:4] * 2.0
    return np.sum(np.exp(a))


def l_copy_order_f(x):  # x (13, 17)
    a = x.copy(order="F")
    a[0, 0] = 1.0
    return np.linalg.norm(np.sin(a))


def l_np_copy_of_f_arg(x):  # x F-ordered (13, 17)
    a = np.copy(x)
    a[a > 0.5] = 0.5
    return np.sum(np.tanh(a))


def l_np_array_order_f_fancy(x):  # x (13, 17)
    a = np.array(x * 1.5, order="F")
    a[[0, 3, 5]] += 1.0
    return np.sum(np.sin(a))


def l_moveaxis_loop_matvec(x):  # x (5, 6, 7)
    a = np.moveaxis(np.exp(0.2 * x), 0, -1)
    for k in range(3):
        a[k] = a[k] * x[k, 0, 0]
    return np.sum(a @ W5)


def l_transpose_axes_prod(x):  # x (5, 6, 7)
    a = np.tanh(x).transpose(2, 0, 1)
    a[:, 1, :] = 0.0
    return np.prod(1.0 + 0.01 * a)


def l_reshape_f_cumsum(x):  # x (12, 5)
    a = np.sin(x).reshape(20, 3, order="F")
    a[3, :] += 1.0
    return np.sum(np.cumsum(a, axis=0)[-1]) + np.sum(np.sin(a))


def l_ravel_after_update(x):  # x (13, 17)
    a = np.sin(x).T
    a[0, :] = 1.0
    r = a.ravel()
    return np.sum(np.cos(r))


def l_einsum_out(x, y):  # x (13, 17), y (17, 9)
    a = np.einsum("ij,jk->ki", x, y)
    a[0] = 0.0
    return np.sum(np.sin(a))


def l_loop_diag_update_f(x):  # x (13, 17)
    a = np.sin(x).T
    for i in range(a.shape[0]):
        a[i, i % a.shape[1]] += x[i % 3, 0]
    return np.sum(np.tanh(a))


def l_bool_mask_fortran_norm(x):  # x (13, 17)
    a = np.asfortranarray(x * x)
    a[a > 0.3] = 0.3
    return np.sum(np.sqrt(a + 1.0)) / a.size + np.linalg.norm(a)


def l_matmul_after_update(x):  # x (13, 17)
    a = np.exp(0.1 * x).T
    a[:, 0] = 1.0
    return np.sum(a @ a.T)


def l_matvec_reversed_cols(x):  # x (13, 17)
    a = np.sin(x)[:, ::-1]
    a[2, 3] = 0.0
    v = a @ W17
    return v @ v


def l_3d_negative_steps(x):  # x (5, 6, 7)
    a = np.cos(x)[::-1, :, ::-2]
    a[0, 1] = 0.25
    return np.sum(np.sin(a)) + np.mean(a)


def l_while_row_updates(x):  # x F-ordered (13, 17)
    a = np.copy(x)
    k = 0
    while k < 4:
        a[k] += np.sin(x[k])
        k += 1
    return np.sum(np.cos(a))


def _clipped(m):
    c = np.copy(m)
    c[c < 0.0] = 0.0
    return c


def l_helper_copy_update(x):  # x F-ordered (13, 17)
    a = _clipped(np.sin(x))
    return np.sum(a * a) + np.mean(np.cos(a))


def l_method_copy_of_transposed(x):  # x (13, 17)
    a = x.T.copy()
    a[:, 1] = 2.0
    b = np.sin(x).T
    b[0, 0] = a[0, 0]
    return np.sum(b) + np.sum(a)


def l_std_col_swap(x):  # x (13, 17)
    a = np.sin(x).T
    a[0], a[1] = a[1].copy(), a[0].copy()
    return np.std(a) + np.sum(a)


def l_norm_fro_3d(x):  # x F-ordered (5, 6, 7)
    a = np.cos(x)
    a[:, :, 2] = x[:, :, 3] * 2.0
    return np.linalg.norm(a) + np.sum(a)


def l_fancy_in_loop(x):  # x (13, 17)
    a = np.asfortranarray(np.tanh(x))
    for j in range(3):
        a[[j, j + 4], j] = x[j, j] * 2.0
    return np.sum(a) + np.mean(np.sin(a))


def l_vector_out(x):  # x (13, 17); vector result
    a = np.sin(x).T
    a[1, :] = 0.5
    return np.sum(a, axis=1) + np.sum(np.cumsum(a, axis=0), axis=1)


# ---------------------------------------------------------------- (b) raises


class ConfigError(Exception):
    pass


def check_positive(x):
    if np.any(x <= 0.0):
        raise ValueError(f"x must be positive, smallest is {np.min(x):.4f}")


def check_outer(x):
    y = x * 2.0
    check_positive(y - 1.0)


def r_branch(x):
    y = np.sin(x)
    if np.sum(x) > 1.0:
        raise ValueError("sum too large: %.3f" % np.sum(x))  # noqa: UP031 (as users write it)
    return np.sum(y * y)


def r_assert(x):
    s = np.sum(x**2)
    assert s < 1.0, f"norm too large: {s:.4f}"
    return s


def r_assert_bare(x):
    s = np.sum(np.sin(x))
    assert s < 0.0
    return s * s


def r_loop(x):
    total = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.7:
            raise ArithmeticError(f"element {i} too big")
        total = total + np.sin(x[i]) * x[i]
    return total


def r_helper(x):
    check_positive(x - 0.6)
    return np.sum(np.log(x))


def r_nested_helper(x):
    z = np.tanh(x)
    check_outer(x)
    return np.sum(z)


def r_try_finally(x):
    y = np.cos(x)
    try:
        check_positive(x - 0.6)
    finally:
        FINALLY_LOG.append(1)
    return np.sum(y)


def r_custom(x):
    y = np.exp(x)
    if np.max(y) > 2.0:
        raise ConfigError("exp too large", float(np.max(x)))
    return np.sum(y)


def r_in_loop_after_work(x):
    y = x * 1.0
    for k in range(5):
        y = np.sin(y) + x
        if np.sum(y) > 3.0:
            raise RuntimeError(f"diverged at step {k}")
    return np.sum(y)


def r_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.log(x)
        if np.any(x > 0.7):
            raise ValueError("out of range")
    return np.sum(y)


def r_layout_and_raise(x):  # both: an update of a transposed array, then a check
    a = np.sin(x).T
    a[0, 0] = 0.0
    if np.sum(a) > 1.0:
        raise ValueError("too big after update")
    return np.sum(a)
