"""Shapes computed in the function, and defaults that are not literals.

Shape arguments may be any passive values: sizes read from `x.shape`, `len(xs)`, `x.size`
or passive arguments, combined with arithmetic (`x.reshape(n * 4, 6)`, `x.reshape(-1, n)`,
`np.zeros((n, m))`, `np.full((n, 2), v)`, `x.transpose(1, 0)`). Defaults are evaluated as
Python does, once at the `def` (`scale=SCALE * 2`, `w=np.ones(3)`), for helpers, nested
defs and the differentiated function itself; a default is never differentiated unless the
caller passes the argument. Each in reverse, forward and vector mode and to second order.
"""

import numpy as np
import pytest
from derivative_tests import derivative_tests, second_differences

import s2s_ad as ad
from s2s_ad.testing import check_grads, check_modes_agree

# computed shape arguments


def reshape_product(x):
    n = x.shape[0] // 6
    return np.sum(np.sin(x.reshape(n * 2, 3)) ** 2)


def reshape_minus_one(x):
    n = x.shape[1]
    return np.sum(np.tanh(x.reshape(-1, n)) * x.reshape(n, -1).T)


def reshape_passive_argument(x, k):
    return np.sum(x.reshape(k, -1) ** 3 @ np.ones(x.size // k))


def reshape_swapped(x):
    n, m = x.shape
    return np.sum(x.reshape(m, n) ** 2 * np.arange(m * n).reshape(m, n))


def reshape_list_shape(x):
    n = x.shape[0]
    return np.sum(x.reshape([n, -1]) ** 3)


def transpose_axes(x):
    n, m = x.shape
    return np.sum(x.transpose(1, 0) @ (np.ones((n, m)) * x))


def zeros_computed(x, m):
    n = x.shape[0]
    z = np.zeros((n, m))
    return np.sum((z + x[:, None]) ** 2)


def ones_plus_one(x):
    n = len(x)
    return np.sum(np.ones(n + 1)[:n] * x**2)


def eye_of_list_length(x):
    xs = [x[0], x[1], x[2]]
    return np.sum(np.eye(len(xs)) @ x**2) + xs[1]


def full_of_active(x):
    n = x.shape[0]
    return np.sum(np.full((n, 2), x[1]) ** 2) + np.sum(np.arange(n) * x)


def arange_size(x):
    k = x.size
    return np.sum(np.arange(k) * np.exp(x))


def zeros_of_joined_shape(x):
    n = x.shape[0]
    z = np.zeros((n,) + x.shape[1:])  # noqa: RUF005  (as users write it)
    return np.sum((z + x) ** 2)


def shifted_eye(x):
    n = x.shape[0]
    return np.sum(np.eye(n, n, 1) @ x**2)


def tile_and_broadcast(x):
    n, m = x.shape
    return np.sum(np.tile(x, (2, 1)) ** 2) + np.sum(np.broadcast_to(x, (3, n, m)) * 2.0)


MATRIX = np.arange(1.0, 13.0).reshape(4, 3) / 10
VECTOR = np.array([0.3, -0.7, 1.1])
SHAPE_CASES = [
    (reshape_product, (MATRIX.ravel(),)),
    (reshape_minus_one, (MATRIX,)),
    (reshape_passive_argument, (MATRIX, 2)),
    (reshape_swapped, (MATRIX,)),
    (reshape_list_shape, (MATRIX,)),
    (transpose_axes, (MATRIX,)),
    (zeros_computed, (VECTOR, 4)),
    (ones_plus_one, (VECTOR,)),
    (eye_of_list_length, (VECTOR,)),
    (full_of_active, (VECTOR,)),
    (arange_size, (VECTOR,)),
    (zeros_of_joined_shape, (MATRIX,)),
    (shifted_eye, (MATRIX,)),
    (tile_and_broadcast, (MATRIX,)),
]

test_shapes_numeric, test_shapes_modes_agree = derivative_tests(SHAPE_CASES)


def _second(cases):
    return [pytest.param(fn, args, id=fn.__name__) for fn, args in cases]


def _hessian_matches(fn, args):
    x, rest = args[0], args[1:]

    def of_x(v):
        return fn(v, *rest)

    expected = second_differences(of_x, x)
    for hessian in (ad.hessian(fn), ad.jacfwd(ad.grad(fn))):
        np.testing.assert_allclose(hessian(*args), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("fn", "args"), _second(SHAPE_CASES))
def test_shapes_second_order(fn, args):
    _hessian_matches(fn, args)


@pytest.mark.parametrize(("fn", "args"), SHAPE_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_shapes_vector_mode(fn, args):
    expected = ad.grad(fn)(*args)  # every case is a scalar: its Jacobian is the gradient
    np.testing.assert_allclose(ad.jacfwd(fn)(*args), expected, rtol=1e-12, atol=1e-12)


# defaults that are not literals

SCALE = 1.5


def _weighted(x, scale=SCALE * 2, axis=None, w=np.array([0.5, -1.0, 2.0])):  # noqa: B008
    return np.sum(x * w, axis=axis) * scale


def helper_defaults(x):
    return _weighted(x) + _weighted(x**2, 0.5)


def helper_default_passed_active(x):
    return _weighted(x, w=np.sin(x))  # passed: differentiated through `w` too


def helper_default_in_loop(x):
    total = 0.0
    for k in range(3):
        total = total + _weighted(x * k, axis=0)
    return total


WEIGHTS = np.array([1.0, -2.0, 0.5])


def _keyword_only(x, *, w=WEIGHTS * 2, k=len(WEIGHTS)):  # noqa: B008
    return np.sum(x * w) * k


def _optional(x, y=WEIGHTS + 1.0, z=None):
    return np.sum(x * y) + (0.0 if z is None else np.sum(z))


def helper_keyword_defaults(x):
    a = _keyword_only(x) + _keyword_only(x, w=x)
    return a + _optional(x) + _optional(x, z=x**2) + _optional(y=x, x=WEIGHTS)


def nested_defaults(x):
    n = x.shape[0]

    def inner(v, s=n * SCALE, w=np.arange(3.0) + 1.0, axis=None):  # noqa: B008
        return np.sum(np.cos(v) * w, axis=axis) * s

    return inner(x) + inner(x**2, 2.0)


def nested_default_of_active(x):
    def inner(v, s=x[0] * 2.0):  # evaluated at the def, from the active x: it carries x
        return np.sum(v) * s

    return inner(x**2)


def own_defaults(x, scale=SCALE * 2, w=np.array([1.0, 2.0, 3.0])):  # noqa: B008
    return np.sum(np.sin(x * w)) * scale


DEFAULT_CASES = [
    (helper_defaults, (VECTOR,)),
    (helper_default_passed_active, (VECTOR,)),
    (helper_default_in_loop, (VECTOR,)),
    (helper_keyword_defaults, (VECTOR,)),
    (nested_defaults, (VECTOR,)),
    (nested_default_of_active, (VECTOR,)),
    (own_defaults, (VECTOR,)),
]

test_defaults_numeric, test_defaults_modes_agree = derivative_tests(DEFAULT_CASES)

HELPERS = {
    helper_defaults,
    helper_default_passed_active,
    helper_default_in_loop,
    helper_keyword_defaults,
}


@pytest.mark.parametrize(
    ("fn", "args"),
    [c for c in DEFAULT_CASES if c[0] not in HELPERS],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_defaults_second_order(fn, args):
    _hessian_matches(fn, args)


def test_helper_defaults_second_order():
    _hessian_matches(helper_defaults, (VECTOR,))


def test_a_default_is_the_object_made_at_the_def():
    global SCALE
    expected = ad.grad(helper_defaults)(VECTOR)
    SCALE = 100.0  # the defaults were evaluated at the def: nothing changes
    try:
        np.testing.assert_array_equal(ad.grad(helper_defaults, mode="forward")(VECTOR), expected)
        check_grads(helper_defaults, (VECTOR,))
    finally:
        SCALE = 1.5
    w = _weighted.__defaults__[2]
    before = w.copy()
    ad.grad(helper_defaults)(VECTOR)
    np.testing.assert_array_equal(w, before)  # never written to


def test_own_defaults_are_differentiated_only_when_passed():
    # grad with respect to x: `w` keeps its default and gets no gradient
    gx = ad.grad(own_defaults)(VECTOR)
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(gx, np.cos(VECTOR * w) * w * SCALE * 2, rtol=1e-14)
    value, (gx2, gw) = ad.value_and_grad(own_defaults, wrt=("x", "w"))(VECTOR, w=w * 2.0)
    assert value == own_defaults(VECTOR, w=w * 2.0)
    np.testing.assert_allclose(gw, np.cos(VECTOR * w * 2.0) * VECTOR * SCALE * 2, rtol=1e-14)
    np.testing.assert_allclose(gx2, np.cos(VECTOR * w * 2.0) * w * 2.0 * SCALE * 2, rtol=1e-14)
    check_grads(lambda_free_own_defaults_passed, (VECTOR, w))
    check_modes_agree(lambda_free_own_defaults_passed, (VECTOR, w))


def lambda_free_own_defaults_passed(x, w):
    return own_defaults(x, w=w) + own_defaults(x)


def test_export_writes_the_default_objects(tmp_path):
    import importlib.util

    from s2s_ad.export import export_source
    from s2s_ad.pipeline import derivative

    made = derivative(helper_defaults, "value_and_gradient", ("x",))
    path = tmp_path / "exported_defaults.py"
    path.write_text(export_source(helper_defaults, made))
    spec = importlib.util.spec_from_file_location("exported_defaults", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    value, gradient = module.helper_defaults_value_and_grad(VECTOR)
    expected_value, expected = ad.value_and_grad(helper_defaults)(VECTOR)
    assert value == expected_value
    np.testing.assert_array_equal(gradient, expected)
