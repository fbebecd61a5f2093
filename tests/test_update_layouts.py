"""An element or slice update of an array that is not C-ordered (a transpose, a Fortran-ordered
copy, axes swapped, a reversed or strided view copied): the generated code's new array version
keeps the layout, so a reduction of it adds in the plain call's order and the primal value is
bit for bit the plain call's; the gradient matches central differences and forward mode."""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads, check_modes_agree

X = np.linspace(0.3, 2.9, 24) ** 1.7 * np.array([1.0, -1.0, 1e-3, 7.0] * 6)


def transposed(x):
    return (x.reshape(4, 6) * 1.0).T


def fortran(x):
    return np.asfortranarray(x.reshape(4, 6) * 1.0)


def swapped(x):
    return np.swapaxes(x.reshape(2, 3, 4) * 1.0, 0, 2)


def reversed_rows(x):
    return (x.reshape(4, 6) * 1.0)[::-1, ::2].copy(order="K")


def copied_in_c_order(x):  # (a method's copy is C-ordered, np.copy's keeps the layout)
    return np.asfortranarray(x.reshape(4, 6) * 1.0).copy()


def copied_in_f_order(x):
    return np.copy(x.reshape(4, 6) * 1.0, order="F")


def reversed_columns(x):  # (a view of a fresh array, with a negative stride)
    return np.sin(x.reshape(4, 6))[:, ::-1]


def every_other_column(x):
    return np.cos(x.reshape(4, 6))[:, ::2]


LAYOUTS = [
    transposed,
    fortran,
    swapped,
    reversed_rows,
    copied_in_c_order,
    copied_in_f_order,
    reversed_columns,
    every_other_column,
]


def element(layout, reduction):
    def f(x):
        a = layout(x)
        a[0, 1] = x[5] ** 2
        return reduction(a)

    return f


def augmented_element(layout, reduction):
    def f(x):
        a = layout(x)
        a[1, 0] += np.sin(x[3])
        return reduction(a)

    return f


def row(layout, reduction):
    def f(x):
        a = layout(x)
        a[1] = a[1] * x[2]
        return reduction(a)

    return f


def column_slice(layout, reduction):
    def f(x):
        a = layout(x)
        a[:, 0] = np.cos(x[0]) * a[:, 1]
        return reduction(a)

    return f


def in_a_loop(layout, reduction):
    def f(x):
        a = layout(x)
        for i in range(2):
            a[i, i] = a[i, i] * x[i] + 0.1
        return reduction(a)

    return f


UPDATES = [element, augmented_element, row, column_slice, in_a_loop]


def reduced_sum(a):
    return np.sum(a)


def reduced_mean_of_squares(a):
    return np.mean(a * a)


def reduced_along_axis(a):
    return np.sum(np.sum(a, axis=0) ** 2)


def reduced_by_a_product(a):  # (`@` of a reversed view takes NumPy's loop, not BLAS)
    return np.sum((a @ np.linspace(-0.7, 1.1, a.shape[-1])) ** 2)


REDUCTIONS = [reduced_sum, reduced_mean_of_squares, reduced_along_axis, reduced_by_a_product]


def _program(layout, update, reduction):
    """A user's function: a fresh array of `layout`, updated as `update` does, reduced by
    `reduction` (the helpers called through the closure, as a user's factory would)."""
    f = update(layout, reduction)
    f.__name__ = f"{layout.__name__}_{update.__name__}_{reduction.__name__}"
    return f


CASES = [
    _program(layout, update, reduction)
    for layout in LAYOUTS
    for update in UPDATES
    for reduction in REDUCTIONS
]


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_value_is_the_plain_calls_bit_for_bit(f):
    value, _ = ad.value_and_grad(f)(X.copy())
    assert value == f(X.copy())


@pytest.mark.parametrize("f", CASES, ids=lambda f: f.__name__)
def test_gradient_matches_differences_and_forward_mode(f):
    check_grads(f, (X.copy(),))
    check_modes_agree(f, (X.copy(),))


def test_the_copy_keeps_the_strides_of_a_view():
    from s2s_ad.runtime.core import copy_keeping_layout

    base = np.arange(60.0).reshape(3, 4, 5)
    for view in [base[:, ::-1], base[::2, 1::2].transpose(2, 0, 1), base.T[::-1], base[..., ::3]]:
        copy = copy_keeping_layout(view)
        assert copy.strides == view.strides
        assert np.array_equal(copy, view) and not np.shares_memory(copy, view)
    sparse = base.ravel()[::7]  # (spans 7 times its memory: copied densely)
    assert copy_keeping_layout(sparse).strides == (8,)


def test_the_update_keeps_a_transposed_layout():
    """The case that was wrong in its last bits: the plain call's `np.sum` of a transposed
    array updated in place differs from the sum of a C-ordered copy."""

    def f(x):
        a = (x.reshape(2, 3) * 1.0).T
        a[0, 0] = x[5] ** 2
        return np.sum(a)

    x = np.array([0.1, -0.2, 0.3, 1e-8, 5.0, 0.05])
    assert ad.value_and_grad(f)(x)[0] == f(x)
