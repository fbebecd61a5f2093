"""Later calls of jacfwd, jacrev, jacobian and hessian (independent tester, issue 19).

The second, third, ... call of a Jacobian or Hessian function with arguments of the kinds of
the first takes a fast path. Every later call here is checked against central differences
(written here), against a fresh Jacobian function's first call on the same arguments (the
checked path), against the other mode, and for the kind of its result (type, shape, dtype,
writeable, not sharing memory with an argument, a global or an earlier result).
"""

import copy
import types
import warnings

import jacobian_later_calls_programs_independent as P
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import ArgumentError, ComplexValueError, EvaluationError

# -------- helpers

APIS = {
    "jacfwd": lambda f, **kw: ad.jacfwd(f, **kw),
    "jacrev": lambda f, **kw: ad.jacrev(f, **kw),
    "auto": lambda f, **kw: ad.jacobian(f, mode="auto", **kw),
    "forward": lambda f, **kw: ad.jacobian(f, mode="forward", **kw),
    "reverse": lambda f, **kw: ad.jacobian(f, mode="reverse", **kw),
}
API_IDS = list(APIS)

GLOBAL_ARRAYS = ["A_MAT", "B_VEC", "S_MAT", "OFFSETS", "W1", "C1", "W2", "C2", "X_DATA", "Y_DATA"]


def _set(args, i, value):
    args = list(args)
    args[i] = value
    return args


def num_jac(f, args, i, kwargs=None, h=1e-6):
    """Central differences of f (array output) in argument i, shape out.shape + in.shape."""
    kwargs = kwargs or {}
    x0 = args[i]
    x = np.asarray(x0, dtype=np.float64)
    out0 = np.asarray(f(*args, **kwargs), dtype=np.float64)
    jac = np.zeros(out0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[idx] += h
        xm[idx] -= h
        if isinstance(x0, float):
            xp, xm = float(xp), float(xm)
        fp = np.asarray(f(*_set(args, i, xp), **kwargs), dtype=np.float64)
        fm = np.asarray(f(*_set(args, i, xm), **kwargs), dtype=np.float64)
        jac[(Ellipsis, *idx)] = (fp - fm) / (2.0 * h)
    return jac


def num_hess(grad, args, i=0, h=1e-6):
    """Central differences of a hand-written gradient: the Hessian in argument i."""
    x0 = args[i]
    x = np.asarray(x0, dtype=np.float64)
    jac = np.zeros(x.shape + x.shape)
    for idx in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[idx] += h
        xm[idx] -= h
        if isinstance(x0, float):
            xp, xm = float(xp), float(xm)
        gp = np.asarray(grad(*_set(args, i, xp)), dtype=np.float64)
        gm = np.asarray(grad(*_set(args, i, xm)), dtype=np.float64)
        jac[(Ellipsis, *idx)] = (gp - gm) / (2.0 * h)
    return jac


def close(actual, expected, rtol=1e-6):
    """Elementwise |a - e| <= rtol * (|e| + max|e|) + tiny: float64 central differences."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def kind(value):
    """Type, shape and dtype of a result, recursively for tuples and dicts."""
    if isinstance(value, tuple):
        return ("tuple", tuple(kind(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, kind(v)) for k, v in value.items()))
    return (type(value), np.shape(value), np.asarray(value).dtype)


def clone(f):
    """A new function object of the same code: its first call is a fresh, checked one."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    g.__qualname__ = f.__qualname__
    g.__module__ = f.__module__
    return g


def leaves(value):
    if isinstance(value, tuple):
        return [leaf for v in value for leaf in leaves(v)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in leaves(v)]
    return [value]


def globals_snapshot():
    return {name: getattr(P, name).copy() for name in GLOBAL_ARRAYS}


def assert_globals_unchanged(snapshot):
    for name, value in snapshot.items():
        np.testing.assert_array_equal(getattr(P, name), value, err_msg=f"global {name} changed")


def assert_independent(result, args, earlier=()):
    """The result is writeable and shares memory with no argument, global or earlier result."""
    others = [a for a in args if isinstance(a, np.ndarray)]
    others += [getattr(P, name) for name in GLOBAL_ARRAYS]
    others += [leaf for e in earlier for leaf in leaves(e) if isinstance(leaf, np.ndarray)]
    for leaf in leaves(result):
        if isinstance(leaf, np.ndarray) and leaf.size:
            assert leaf.flags.writeable, "Jacobian is read-only"
            for other in others:
                assert not np.shares_memory(leaf, other), "Jacobian shares memory"


def scribble(result):
    """Write into every array of a result, as a user reusing the buffer would."""
    for leaf in leaves(result):
        if isinstance(leaf, np.ndarray) and leaf.size and leaf.flags.writeable:
            leaf[...] = 99.0


def rng_vec(k, n, lo=-1.0, hi=1.0, dtype=np.float64):
    rng = np.random.default_rng(100 + k)
    return rng.uniform(lo, hi, size=n).astype(dtype)


# -------- cases: (function, maker, wrt, kwargs)


def _vec(n, lo=-1.0, hi=1.0, dtype=np.float64):
    return lambda k: (rng_vec(k, n, lo, hi, dtype),)


CASES = {
    "identity": (P.identity, _vec(4), 0),
    "double": (P.double, _vec(3), 0),
    "reversed_vector": (P.reversed_vector, _vec(5), 0),
    "transpose_2d": (P.transpose_2d, lambda k: (rng_vec(k, 6).reshape(2, 3),), 0),
    "tail_view": (P.tail_view, _vec(4), 0),
    "reshape_view": (P.reshape_view, _vec(6), 0),
    "column_view": (P.column_view, lambda k: (rng_vec(k, 6).reshape(3, 2),), 0),
    "linear_map": (P.linear_map, _vec(3), 0),
    "linear_map_right": (P.linear_map_right, _vec(3), 0),
    "linear_map_dot": (P.linear_map_dot, _vec(3), 0),
    "linear_map_arg": (
        P.linear_map_arg,
        lambda k: (rng_vec(k, 3), rng_vec(k + 50, 8).reshape(2, 4)[:, :3] * 1.0),
        0,
    ),
    "affine_scaled": (P.affine_scaled, _vec(3), 0),
    "pair_product": (P.pair_product, _vec(3), 0),
    "zero_d_input": (P.zero_d_input, lambda k: (np.array(0.2 + 0.3 * k),), 0),
    "zero_d_to_vector": (P.zero_d_to_vector, lambda k: (np.array(0.4 + 0.5 * k),), 0),
    "python_float_input": (P.zero_d_input, lambda k: (0.2 + 0.3 * k,), 0),
    "constant_output": (P.constant_output, _vec(3), 0),
    "floored": (P.floored, lambda k: (rng_vec(k, 3, 0.1, 0.9) + np.array([0.0, 1.0, 2.0]),), 0),
    "outer_product": (P.outer_product, _vec(3), 0),
    "float32_layer": (P.half_precision_layer, _vec(3, dtype=np.float32), 0),
    "float32_identity": (P.identity, _vec(3, dtype=np.float32), 0),
    "float32_double": (P.double, _vec(4, dtype=np.float32), 0),
    "float32_times_float64": (P.mixed_precision, _vec(3, dtype=np.float32), 0),
    "dense_tanh": (P.dense_tanh, _vec(3), 0),
    "softmax": (P.softmax, _vec(4, -2.0, 2.0), 0),
    "row_softmax": (P.row_softmax, lambda k: (rng_vec(k, 6, -2.0, 2.0).reshape(2, 3),), 0),
    "laplacian_1d": (P.laplacian_1d, _vec(6), 0),
    "heat_rhs": (P.heat_rhs, _vec(5), 0),
    "lorenz": (P.lorenz, lambda k: (rng_vec(k, 3, -5.0, 5.0),), 0),
    "van_der_pol": (P.van_der_pol, lambda k: (rng_vec(k, 2), 1.0 + k), 0),
    "van_der_pol_wrt_mu": (P.van_der_pol, lambda k: (rng_vec(k, 2), 1.0 + k), 1),
    "predator_prey_state": (
        P.predator_prey,
        lambda k: (rng_vec(k, 2, 0.5, 2.0), rng_vec(k + 9, 4, 0.1, 1.0)),
        0,
    ),
    "predator_prey_params": (
        P.predator_prey,
        lambda k: (rng_vec(k, 2, 0.5, 2.0), rng_vec(k + 9, 4, 0.1, 1.0)),
        1,
    ),
    "mlp": (P.mlp, _vec(3), 0),
    "polar_to_cartesian": (
        P.polar_to_cartesian,
        lambda k: (np.array([1.0 + k, 0.3 + 0.4 * k]),),
        0,
    ),
    "residuals": (
        P.residuals,
        lambda k: (np.array([2.0, 0.5, 0.1]) + rng_vec(k, 3, -0.1, 0.1),),
        0,
    ),
    "kinematics": (P.kinematics, _vec(3, -2.0, 2.0), 0),
    "normalize": (P.normalize, _vec(4, 0.5, 2.0), 0),
    "product_wrt_y": (P.product_of_two, lambda k: (rng_vec(k, 3), rng_vec(k + 7, 3)), 1),
    "strided_input": (P.dense_tanh, lambda k: (rng_vec(k, 6)[::2],), 0),
    "fortran_input": (
        P.row_softmax,
        lambda k: (np.asfortranarray(rng_vec(k, 6).reshape(2, 3)),),
        0,
    ),
    "broadcast_rows": (P.broadcast_rows, _vec(3), 0),
    "as_column": (P.as_column, _vec(3), 0),
    "flipped": (P.flipped, _vec(4), 0),
    "no_copy_cast": (P.no_copy_cast, _vec(3), 0),
    "eye_times": (P.eye_times, _vec(3), 0),
    "halve_until_small": (P.halve_until_small, _vec(4, -6.0, 6.0), 0),
    "branch_on_sign": (P.branch_on_sign, _vec(4, -2.0, 2.0), 0),
    "relu_features": (P.relu_features, _vec(4, -2.0, 2.0), 0),
    "top_two_squared": (P.top_two_squared, _vec(4, -2.0, 2.0), 0),
    "repeated_sine": (P.repeated_sine, _vec(4, -2.0, 2.0), 0),
}
CASE_IDS = list(CASES)


def _read_only(args):
    out = []
    for a in args:
        if isinstance(a, np.ndarray):
            a = a.copy()
            a.flags.writeable = False
        out.append(a)
    return tuple(out)


@pytest.mark.parametrize("api", API_IDS)
@pytest.mark.parametrize("case", CASE_IDS)
def test_later_calls_against_differences_and_fresh_call(case, api):
    f, maker, wrt = CASES[case]
    jac = APIS[api](f, wrt=wrt)
    snapshot = globals_snapshot()
    first_kind = None
    earlier = []
    for k in range(4):
        args = maker(k)
        saved = copy.deepcopy(args)
        result = jac(*args)
        # the value: central differences, and a fresh Jacobian function's (checked) first call
        close(result, num_jac(f, saved, wrt))
        fresh = APIS[api](clone(f), wrt=wrt)(*copy.deepcopy(saved))
        assert kind(result) == kind(fresh)
        np.testing.assert_array_equal(result, fresh)
        # the kind of the result is the first call's
        if first_kind is None:
            first_kind = kind(result)
        assert kind(result) == first_kind
        # arguments untouched; result independent of them, of globals and of earlier results
        for a, s in zip(args, saved, strict=True):
            np.testing.assert_array_equal(a, s)
        assert_independent(result, args, earlier)
        earlier.append(result)
    # writing into the results changes neither arguments, globals nor the next call
    for r in earlier:
        scribble(r)
    assert_globals_unchanged(snapshot)
    args = maker(7)
    close(jac(*args), num_jac(f, args, wrt))


@pytest.mark.parametrize("api", API_IDS)
@pytest.mark.parametrize(
    "case", ["identity", "linear_map", "dense_tanh", "softmax", "lorenz", "transpose_2d"]
)
def test_read_only_arguments_on_later_calls(case, api):
    f, maker, wrt = CASES[case]
    jac = APIS[api](f, wrt=wrt)
    for k in range(3):
        args = _read_only(maker(k))
        result = jac(*args)
        close(result, num_jac(f, args, wrt))
        assert_independent(result, args)
        scribble(result)
        np.testing.assert_array_equal(args[wrt], maker(k)[wrt])


@pytest.mark.parametrize("case", CASE_IDS)
def test_forward_equals_reverse_on_later_calls(case):
    f, maker, wrt = CASES[case]
    jf = ad.jacfwd(f, wrt=wrt)
    jr = ad.jacrev(f, wrt=wrt)
    ja = ad.jacobian(f, wrt=wrt)
    for k in range(4):
        args = maker(k)
        a = jf(*args)
        b = jr(*args)
        c = ja(*args)
        assert kind(a) == kind(b) == kind(c)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("api", API_IDS)
def test_same_array_updated_in_place_between_calls(api):
    """The user keeps one state buffer and updates it: each call must see the new values."""
    jac = APIS[api](P.dense_tanh)
    x = np.array([0.1, 0.2, 0.3])
    for k in range(4):
        x[:] = rng_vec(k, 3)
        close(jac(x), num_jac(P.dense_tanh, (x,), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_identity_result_scribbled_then_called_again(api):
    """J of the identity written into; the next call is the unit matrix again."""
    jac = APIS[api](P.identity)
    x = np.arange(3.0)
    for _ in range(3):
        j = jac(x)
        np.testing.assert_array_equal(j, np.eye(3))
        j[0, 0] = 99.0
        j[1, 2] = -5.0
        np.testing.assert_array_equal(x, np.arange(3.0))


@pytest.mark.parametrize("api", API_IDS)
def test_linear_map_result_is_not_the_global(api):
    """J of A @ x is A: writing into J must not write into A."""
    jac = APIS[api](P.linear_map)
    a_before = P.A_MAT.copy()
    for k in range(3):
        j = jac(rng_vec(k, 3))
        np.testing.assert_array_equal(j, a_before)
        j[0, 0] = 99.0
        np.testing.assert_array_equal(P.A_MAT, a_before)


@pytest.mark.parametrize("api", API_IDS)
def test_linear_map_argument_not_returned(api):
    """J of m @ x with m an argument is m: writing into J must not write into m."""
    jac = APIS[api](P.linear_map_arg)
    m = np.arange(6.0).reshape(2, 3)
    for k in range(3):
        j = jac(rng_vec(k, 3), m)
        np.testing.assert_array_equal(j, np.arange(6.0).reshape(2, 3))
        assert not np.shares_memory(j, m)
        j[...] = 0.0
        np.testing.assert_array_equal(m, np.arange(6.0).reshape(2, 3))


# -------- shapes and dtypes changing between calls


@pytest.mark.parametrize("api", API_IDS)
def test_alternating_shapes(api):
    """3, 5, 3, 4, 5 inputs: each call's Jacobian has its own shape and the right values."""
    jac = APIS[api](P.softmax)
    for k, n in enumerate([3, 5, 3, 4, 5, 3]):
        x = rng_vec(k, n)
        j = jac(x)
        assert j.shape == (n, n)
        close(j, num_jac(P.softmax, (x,), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_alternating_dtypes(api):
    """float64, float32, ...: softmax keeps the dtype, so must its Jacobian, on every call."""
    jac = APIS[api](P.softmax)
    for k, dt in enumerate(
        [np.float64, np.float32, np.float64, np.float32, np.float32, np.float64]
    ):
        x = rng_vec(k, 3).astype(dt)
        j = jac(x)
        assert j.dtype == dt
        fresh = APIS[api](clone(P.softmax))(x)
        assert kind(j) == kind(fresh)
        np.testing.assert_array_equal(j, fresh)
        rtol = 1e-6 if dt == np.float64 else 1e-4
        close(j, num_jac(P.softmax, (x.astype(np.float64),), 0), rtol=rtol)


@pytest.mark.parametrize("api", API_IDS)
def test_alternating_dtypes_mixed_output(api):
    """float32 x through a float64 matrix: each later call's kind equals a fresh call's."""
    jac = APIS[api](P.dense_tanh)
    for k, dt in enumerate(
        [np.float64, np.float32, np.float64, np.float32, np.float32, np.float64]
    ):
        x = rng_vec(k, 3).astype(dt)
        j = jac(x)
        fresh = APIS[api](clone(P.dense_tanh))(x)
        assert kind(j) == kind(fresh)
        np.testing.assert_array_equal(j, fresh)
        rtol = 1e-6 if dt == np.float64 else 1e-4
        close(j, num_jac(P.dense_tanh, (x.astype(np.float64),), 0), rtol=rtol)


@pytest.mark.parametrize("api", API_IDS)
def test_zero_d_then_python_float_then_0d(api):
    """A 0-d array, a Python float, a NumPy float: each gives its own kind of derivative."""
    jac = APIS[api](P.zero_d_input)
    expected = lambda t: np.cos(t) * t + np.sin(t) + 2.0 * t  # noqa: E731
    results = []
    for t in [np.array(0.3), 0.5, np.array(0.7), 0.9, np.float64(1.1), np.array(1.3)]:
        r = jac(t)
        results.append((t, r))
        close(r, expected(float(t)))
    for t, r in results:
        if isinstance(t, np.ndarray):
            assert isinstance(r, np.ndarray) and r.shape == ()
        else:
            assert isinstance(r, float)


@pytest.mark.parametrize("api", API_IDS)
def test_value_dependent_output_length(api):
    """x[x > 0]: the number of rows changes between calls of the same argument shape."""
    jac = APIS[api](P.positives)
    for x in [
        np.array([0.5, -0.2, 0.3, 0.1]),
        np.array([-0.5, -0.2, 0.3, -0.1]),
        np.array([0.5, 0.2, 0.3, 0.1]),
        np.array([-0.5, -0.2, -0.3, -0.1]),
        np.array([0.5, -0.2, 0.3, 0.1]),
    ]:
        j = jac(x)
        mask = x > 0
        assert j.shape == (int(mask.sum()), 4)
        np.testing.assert_array_equal(j, np.eye(4)[mask])


@pytest.mark.parametrize("api", API_IDS)
def test_integer_output_zero_jacobian(api):
    """argsort's indices: no derivative; later calls give zeros of the first call's kind."""
    jac = APIS[api](P.rounded_index)
    first = None
    for k in range(4):
        j = jac(rng_vec(k, 3))
        if first is None:
            first = kind(j)
        assert kind(j) == first
        np.testing.assert_array_equal(j, np.zeros((3, 3)))


@pytest.mark.parametrize("api", API_IDS)
@pytest.mark.parametrize("bad", ["complex", "int", "string"])
def test_bad_argument_on_later_call_refused(api, bad):
    """After float calls, a complex / integer / string argument is refused, not differentiated."""
    jac = APIS[api](P.dense_tanh)
    for k in range(3):
        jac(rng_vec(k, 3))
    value = {
        "complex": np.array([0.1, 0.2, 0.3]) + 0.5j,
        "int": np.array([1, 2, 3]),
        "string": "abc",
    }[bad]
    with pytest.raises(ArgumentError):
        jac(value)
    # and still right afterwards
    x = rng_vec(9, 3)
    close(jac(x), num_jac(P.dense_tanh, (x,), 0))


# -------- structured results, several arguments, keywords


@pytest.mark.parametrize("api", API_IDS)
def test_tuple_output_later_calls(api):
    jac = APIS[api](P.tuple_output)
    earlier = []
    for k in range(4):
        x = rng_vec(k, 3)
        j = jac(x)
        assert isinstance(j, tuple) and len(j) == 2
        close(j[0], num_jac(lambda v: P.tuple_output(v)[0], (x,), 0))
        close(j[1], num_jac(lambda v: P.tuple_output(v)[1], (x,), 0))
        assert_independent(j, (x,), earlier)
        earlier.append(j)


@pytest.mark.parametrize("api", API_IDS)
def test_dict_output_later_calls(api):
    jac = APIS[api](P.dict_output)
    earlier = []
    for k in range(4):
        x = rng_vec(k, 4)
        j = jac(x)
        assert isinstance(j, dict) and set(j) == {"mean", "centred"}
        close(j["mean"], num_jac(lambda v: P.dict_output(v)["mean"], (x,), 0))
        close(j["centred"], num_jac(lambda v: P.dict_output(v)["centred"], (x,), 0))
        assert_independent(j, (x,), earlier)
        earlier.append(j)


@pytest.mark.parametrize("api", API_IDS)
@pytest.mark.parametrize(
    "wrt", [(0, 1), ("x", "y"), (1, 0), ("y", 0), (0, 0)], ids=["01", "names", "10", "y0", "00"]
)
def test_several_wrt_later_calls(api, wrt):
    jac = APIS[api](P.product_of_two, wrt=wrt)
    index = {"x": 0, "y": 1, 0: 0, 1: 1}
    earlier = []
    for k in range(4):
        x, y = rng_vec(k, 3), rng_vec(k + 20, 3)
        j = jac(x, y)
        assert isinstance(j, tuple) and len(j) == 2
        for block, w in zip(j, wrt, strict=True):
            close(block, num_jac(P.product_of_two, (x, y), index[w]))
        assert_independent(j, (x, y), earlier)
        earlier.append(j)


@pytest.mark.parametrize("api", API_IDS)
def test_same_array_passed_twice(api):
    """f(x, x) with wrt=(0, 1): both blocks, and they are not the same buffer."""
    jac = APIS[api](P.product_of_two, wrt=(0, 1))
    for k in range(3):
        x = rng_vec(k, 3)
        jx, jy = jac(x, x)
        close(jx, np.diag(x + np.cos(x)))
        close(jy, np.diag(x))
        assert not np.shares_memory(jx, jy)


@pytest.mark.parametrize("api", API_IDS)
def test_returns_other_argument(api):
    """f(x, y) = y, wrt=(0, 1): a zero block and a unit block, neither a view of y."""
    jac = APIS[api](P.returns_first_arg_of_two, wrt=(0, 1))
    for k in range(3):
        x, y = rng_vec(k, 3), rng_vec(k + 4, 3)
        jx, jy = jac(x, y)
        np.testing.assert_array_equal(jx, np.zeros((3, 3)))
        np.testing.assert_array_equal(jy, np.eye(3))
        jy[0, 0] = 5.0
        jx[0, 0] = 5.0
    jx, jy = jac(x, y)
    np.testing.assert_array_equal(jy, np.eye(3))
    np.testing.assert_array_equal(jx, np.zeros((3, 3)))


@pytest.mark.parametrize("api", API_IDS)
def test_keyword_argument_changes_on_later_calls(api):
    jac = APIS[api](P.scaled_by_keyword)
    x = np.array([0.1, -0.4, 0.7])
    for scale in [1.0, 2.0, 0.5, 3.0]:
        j = jac(x, scale=scale)
        close(j, num_jac(P.scaled_by_keyword, (x,), 0, {"scale": scale}))
    # default again, then positional
    close(jac(x), num_jac(P.scaled_by_keyword, (x,), 0))
    close(jac(x, 2.5), num_jac(P.scaled_by_keyword, (x, 2.5), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_keyword_for_the_differentiated_argument(api):
    """jac(x=...) by keyword on later calls, mixed with positional calls."""
    jac = APIS[api](P.scaled_by_keyword)
    for k in range(4):
        x = rng_vec(k, 3)
        j = jac(x=x, scale=1.5) if k % 2 else jac(x, 1.5)
        close(j, num_jac(P.scaled_by_keyword, (x, 1.5), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_van_der_pol_mu_by_keyword(api):
    jac = APIS[api](P.van_der_pol)
    for k in range(4):
        y = rng_vec(k, 2)
        mu = 0.5 + k
        j = jac(y, mu=mu) if k % 2 else jac(y, mu)
        close(j, num_jac(P.van_der_pol, (y, mu), 0))


# -------- globals and code changing between calls


@pytest.fixture
def restore_globals():
    saved = {name: getattr(P, name) for name in [*GLOBAL_ARRAYS, "GAIN"]}
    saved_code = {
        name: getattr(P, name).__code__ for name in ["uses_gain", "double", "gained_quartic"]
    }
    yield
    for name, value in saved.items():
        setattr(P, name, value)
    for name, code in saved_code.items():
        getattr(P, name).__code__ = code


@pytest.mark.parametrize("api", API_IDS)
def test_global_array_rebound_between_calls(api, restore_globals):
    jac = APIS[api](P.uses_global_weights)
    x = np.array([0.3, -0.1, 0.2])
    for k in range(4):
        P.W1 = np.random.default_rng(k).standard_normal((5, 3))
        close(jac(x), num_jac(P.uses_global_weights, (x,), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_global_array_updated_in_place_between_calls(api, restore_globals):
    P.W1 = P.W1.copy()
    jac = APIS[api](P.uses_global_weights)
    x = np.array([0.3, -0.1, 0.2])
    for k in range(4):
        P.W1[...] = np.random.default_rng(k).standard_normal((5, 3))
        close(jac(x), num_jac(P.uses_global_weights, (x,), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_global_rebound_to_other_shape(api, restore_globals):
    """W1 rebound to a matrix with more rows: the Jacobian gets more rows."""
    jac = APIS[api](P.uses_global_weights)
    x = np.array([0.3, -0.1, 0.2])
    for k, rows in enumerate([5, 2, 7, 5]):
        P.W1 = np.random.default_rng(k).standard_normal((rows, 3))
        j = jac(x)
        assert j.shape == (rows, 3)
        close(j, num_jac(P.uses_global_weights, (x,), 0))


@pytest.mark.parametrize("api", API_IDS)
def test_float_global_rebound(api, restore_globals):
    jac = APIS[api](P.uses_gain)
    x = np.array([0.3, -0.1, 0.2])
    for gain in [2.0, 3.0, -1.0, 0.0, 2.0]:
        P.GAIN = gain
        close(jac(x), np.diag(gain * np.cos(x)))


@pytest.mark.parametrize("api", API_IDS)
def test_code_replaced_between_calls(api, restore_globals):
    """double.__code__ replaced by triple's: the next call differentiates the new code."""

    jac = APIS[api](P.double)
    x = np.array([0.3, -0.1, 0.2])
    np.testing.assert_array_equal(jac(x), 2.0 * np.eye(3))
    np.testing.assert_array_equal(jac(x), 2.0 * np.eye(3))
    P.double.__code__ = P.affine_scaled.__code__
    P.GAIN = 3.0
    np.testing.assert_array_equal(jac(x), 3.0 * np.eye(3))
    np.testing.assert_array_equal(jac(x + 1.0), 3.0 * np.eye(3))


@pytest.mark.parametrize("api", API_IDS)
def test_module_function_rebound_to_new_function(api, restore_globals):
    """jac made from the function object: rebinding the module name keeps the old function."""
    f = P.double
    jac = APIS[api](f)
    x = np.array([0.3, -0.1, 0.2])
    jac(x)
    new = types.FunctionType(P.affine_scaled.__code__, P.__dict__, "double")
    P.double = new
    try:
        np.testing.assert_array_equal(jac(x), 2.0 * np.eye(3))
    finally:
        P.double = f


# -------- errors and warnings on a later call


@pytest.mark.parametrize("api", API_IDS)
def test_exception_on_later_call_then_recovers(api):
    jac = APIS[api](P.checked_sqrt)
    good = np.array([0.5, 1.0, 2.0])
    close(jac(good), np.diag(0.5 / np.sqrt(good)))
    close(jac(good * 2.0), np.diag(0.5 / np.sqrt(good * 2.0)))
    with pytest.raises(ValueError, match="negative input"):
        jac(np.array([0.5, -1.0, 2.0]))
    close(jac(good * 3.0), np.diag(0.5 / np.sqrt(good * 3.0)))


@pytest.mark.parametrize("api", API_IDS)
def test_division_by_zero_warns_on_later_call(api):
    """1 / x: no warning at nonzero x; at a 0 on a later call, a RuntimeWarning (as plain calls)."""
    jac = APIS[api](P.reciprocal)
    x = np.array([0.5, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(jac(x), np.diag(-1.0 / x**2))
        close(jac(x * 2.0), np.diag(-1.0 / (x * 2.0) ** 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        j = jac(np.array([0.5, 0.0, 2.0]))
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)
    assert np.isinf(j[1, 1]) or np.isnan(j[1, 1])
    close(j[0, 0], -4.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(jac(x * 4.0), np.diag(-1.0 / (x * 4.0) ** 2))


@pytest.mark.parametrize("api", API_IDS)
def test_errstate_raise_on_later_call(api):
    """Under np.errstate(divide='raise') the later call raises as the plain call does."""
    jac = APIS[api](P.reciprocal)
    jac(np.array([0.5, 1.0, 2.0]))
    jac(np.array([1.5, 1.0, 2.0]))
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            P.reciprocal(np.array([0.5, 0.0, 2.0]))
        with pytest.raises((FloatingPointError, EvaluationError)):
            jac(np.array([0.5, 0.0, 2.0]))


@pytest.mark.parametrize("api", API_IDS)
def test_complex_result_refused_on_later_call(api):
    """t ** 0.5 of a Python float: real for t > 0, complex for t < 0 on a later call: refused."""
    jac = APIS[api](P.float_root)
    close(jac(4.0), 0.5)
    close(jac(9.0), 1.0 / 3.0)
    with pytest.raises(ComplexValueError):
        jac(-4.0)
    close(jac(16.0), 0.25)


# -------- interleaving


def test_interleaved_jacfwd_jacrev_jacobian_hessian():
    """The same function's Jacobians and Hessian interleaved, several signatures."""
    f, g = P.mlp_loss, P.mlp_loss_grad
    jf, jr, ja, h = ad.jacfwd(f), ad.jacrev(f), ad.jacobian(f), ad.hessian(f)
    jfo = ad.jacfwd(P.mlp)
    for k in range(4):
        x = rng_vec(k, 3)
        close(h(x), num_hess(g, (x,)))
        close(jr(x), g(x))
        close(jfo(x), num_jac(P.mlp, (x,), 0))
        close(jf(x), g(x))
        close(ja(x), g(x))
        close(h(x), num_hess(g, (x,)))


def test_interleaved_shapes_between_apis():
    jf, jr, h = ad.jacfwd(P.log_sum_exp), ad.jacrev(P.log_sum_exp), ad.hessian(P.log_sum_exp)
    for k, n in enumerate([3, 4, 3, 5, 4]):
        x = rng_vec(k, n)
        close(jf(x), P.log_sum_exp_grad(x))
        close(h(x), num_hess(P.log_sum_exp_grad, (x,)))
        close(jr(x), P.log_sum_exp_grad(x))


# -------- Hessians

HESSIANS = {
    "rosenbrock": (P.rosenbrock, P.rosenbrock_grad, _vec(5, -1.5, 1.5)),
    "logistic_nll": (P.logistic_nll, P.logistic_nll_grad, _vec(3)),
    "quadratic_form": (P.quadratic_form, P.quadratic_form_grad, _vec(3)),
    "log_sum_exp": (P.log_sum_exp, P.log_sum_exp_grad, _vec(4, -2.0, 2.0)),
    "cross_entropy": (P.cross_entropy, P.cross_entropy_grad, _vec(4, -2.0, 2.0)),
    "mlp_loss": (P.mlp_loss, P.mlp_loss_grad, _vec(3)),
    "energy_2d": (P.energy_2d, P.energy_2d_grad, lambda k: (rng_vec(k, 4).reshape(2, 2),)),
    "scalar_cubic_0d": (P.scalar_cubic, P.scalar_cubic_grad, lambda k: (np.array(0.3 + 0.4 * k),)),
    "scalar_cubic_float": (P.scalar_cubic, P.scalar_cubic_grad, lambda k: (0.3 + 0.4 * k,)),
    "rosenbrock_float32": (P.rosenbrock, P.rosenbrock_grad, _vec(4, -1.0, 1.0, np.float32)),
    "weighted_sum_sq": (
        P.weighted_sum_sq,
        P.weighted_sum_sq_grad,
        lambda k: (rng_vec(k, 3), rng_vec(k + 3, 3, 0.5, 2.0)),
    ),
}


@pytest.mark.parametrize("case", list(HESSIANS))
def test_hessian_later_calls(case):
    f, g, maker = HESSIANS[case]
    hess = ad.hessian(f)
    snapshot = globals_snapshot()
    first_kind = None
    earlier = []
    for k in range(4):
        args = maker(k)
        saved = copy.deepcopy(args)
        h = hess(*args)
        is32 = np.asarray(args[0]).dtype == np.float32
        args64 = tuple(np.asarray(a, dtype=np.float64) if is32 else a for a in args)
        close(h, num_hess(g, args64), rtol=1e-3 if is32 else 1e-6)
        fresh = ad.hessian(clone(f))(*copy.deepcopy(saved))
        assert kind(h) == kind(fresh)
        np.testing.assert_array_equal(h, fresh)
        if first_kind is None:
            first_kind = kind(h)
        assert kind(h) == first_kind
        np.testing.assert_allclose(
            np.asarray(h),
            np.swapaxes(np.asarray(h).reshape(np.size(args[0]), -1), 0, 1).reshape(np.shape(h)),
            rtol=1e-10,
            atol=1e-10,
        )
        for a, s in zip(args, saved, strict=True):
            np.testing.assert_array_equal(a, s)
        assert_independent(h, args, earlier)
        earlier.append(h)
    for r in earlier:
        scribble(r)
    assert_globals_unchanged(snapshot)
    args = maker(8)
    close(
        hess(*args),
        num_hess(g, args),
        rtol=1e-3 if np.asarray(args[0]).dtype == np.float32 else 1e-6,
    )


def test_hessian_of_quadratic_is_not_the_global():
    hess = ad.hessian(P.quadratic_form)
    s_before = P.S_MAT.copy()
    for k in range(3):
        h = hess(rng_vec(k, 3))
        np.testing.assert_array_equal(h, s_before)
        h[0, 0] = 99.0
        np.testing.assert_array_equal(P.S_MAT, s_before)


def test_hessian_float_global_rebound(restore_globals):
    hess = ad.hessian(P.gained_quartic)
    x = np.array([0.3, -0.5, 0.8])
    for gain in [2.0, 5.0, -1.0, 2.0]:
        P.GAIN = gain
        close(hess(x), np.diag(gain * 12.0 * x**2))


def test_hessian_global_data_rebound(restore_globals):
    """Newton steps on new data: X_DATA rebound between Hessian calls."""
    hess = ad.hessian(P.logistic_nll)
    w = np.array([0.2, -0.1, 0.3])
    for k in range(4):
        P.X_DATA = np.random.default_rng(k).standard_normal((6, 3))
        close(hess(w), num_hess(P.logistic_nll_grad, (w,)))


def test_hessian_alternating_shapes_and_dtypes():
    hess = ad.hessian(P.rosenbrock)
    for k, (n, dt) in enumerate(
        [(3, np.float64), (5, np.float64), (3, np.float32), (3, np.float64), (5, np.float32)]
    ):
        x = rng_vec(k, n).astype(dt)
        h = hess(x)
        assert h.shape == (n, n) and h.dtype == dt
        close(
            h,
            num_hess(P.rosenbrock_grad, (x.astype(np.float64),)),
            rtol=1e-6 if dt == np.float64 else 1e-3,
        )


def test_hessian_newton_loop():
    """A Newton iteration on logistic regression: the Hessian and gradient each step."""
    hess = ad.hessian(P.logistic_nll)
    grad = ad.grad(P.logistic_nll)
    w = np.zeros(3)
    for _ in range(6):
        h = hess(w)
        close(h, num_hess(P.logistic_nll_grad, (w,)))
        w = w - np.linalg.solve(h + 1e-3 * np.eye(3), grad(w))
    close(grad(w), P.logistic_nll_grad(w))


def test_newton_solver_for_ode_step():
    """Backward Euler on Lorenz: Newton's iteration calls jacobian() on every step."""
    jac = ad.jacobian(P.lorenz)
    y = np.array([1.0, 1.0, 1.0])
    dt = 0.01
    for _ in range(5):
        z = y.copy()
        for _ in range(4):
            r = z - y - dt * P.lorenz(z)
            jz = jac(z)
            close(jz, num_jac(P.lorenz, (z,), 0))
            z = z - np.linalg.solve(np.eye(3) - dt * jz, r)
        y = z
    assert np.all(np.isfinite(y))


# -------- results whose kind follows the values


def _signed(k):
    rng = np.random.default_rng(300 + k)
    x = rng.uniform(0.2, 1.5, 3) * rng.choice([-1.0, 1.0], 3)
    if k % 2:
        x[0] = -abs(x[0])
    else:
        x[0] = abs(x[0])
    return x


@pytest.mark.parametrize("api", API_IDS)
@pytest.mark.parametrize(
    "name", ["positive_list", "optional_entry", "scalar_or_vector", "tiled_rows", "positives"]
)
def test_result_kind_following_values(api, name):
    """The structure or shape of the result changes between calls: each call as a fresh one."""
    f = getattr(P, name)
    jac = APIS[api](f)
    for k in range(6):
        x = _signed(k)
        j = jac(x)
        fresh = APIS[api](clone(f))(x.copy())
        assert kind(j) == kind(fresh)
        for a, b in zip(leaves(j), leaves(fresh), strict=True):
            np.testing.assert_array_equal(a, b)
        if isinstance(j, np.ndarray):
            close(j, num_jac(f, (x,), 0))
        scribble(j)


# -------- many signatures, threads


@pytest.mark.parametrize("api", [*API_IDS, "hessian"])
def test_more_signatures_than_cached(api):
    """21 input lengths, three rounds: the fast path of each length stays right."""
    f = P.log_sum_exp
    make = ad.hessian if api == "hessian" else APIS[api]
    jac = make(f)
    for rnd in range(3):
        for n in range(1, 22):
            x = np.linspace(-1.0, 1.0, n) + 0.1 * rnd
            j = jac(x)
            p = P.log_sum_exp_grad(x)
            if api == "hessian":
                np.testing.assert_allclose(j, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-14)
            else:
                np.testing.assert_allclose(j, p, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("api", [*API_IDS, "hessian"])
def test_threads_share_one_jacobian_function(api):
    import threading

    f = P.mlp_loss if api == "hessian" else P.mlp
    make = ad.hessian if api == "hessian" else APIS[api]
    jac = make(f)
    jac(np.zeros(3))
    errors = []

    def expected(x):
        if api == "hessian":
            return num_hess(P.mlp_loss_grad, (x,))
        h = np.tanh(P.W1 @ x + P.C1)
        return P.W2 @ ((1.0 - h * h)[:, None] * P.W1)

    def work(seed):
        rng = np.random.default_rng(seed)
        for _ in range(60):
            x = rng.standard_normal(3)
            j = jac(x)
            try:
                close(j, expected(x))
            except AssertionError as e:
                errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# -------- closures, defaults, objects


@pytest.mark.parametrize("api", API_IDS)
def test_closures_of_one_factory_alternating(api):
    f2, f3 = P.make_scaled_sine(2.0), P.make_scaled_sine(3.0)
    j2, j3 = APIS[api](f2), APIS[api](f3)
    for k in range(3):
        x = rng_vec(k, 3)
        close(j2(x), np.diag(2.0 * np.cos(x)))
        close(j3(x), np.diag(3.0 * np.cos(x)))
    f2.__closure__[0].cell_contents = 5.0
    x = rng_vec(5, 3)
    close(j2(x), np.diag(5.0 * np.cos(x)))
    close(j3(x), np.diag(3.0 * np.cos(x)))


@pytest.mark.parametrize("api", API_IDS)
def test_defaults_replaced_between_calls(api):
    f = P.sine_with_default
    jac = APIS[api](f)
    x = np.array([0.3, -0.1, 0.2])
    try:
        close(jac(x), np.diag(2.0 * np.cos(x)))
        close(jac(x), np.diag(2.0 * np.cos(x)))
        f.__defaults__ = (4.0,)
        close(jac(x), np.diag(4.0 * np.cos(x)))
        close(jac(x + 1.0), np.diag(4.0 * np.cos(x + 1.0)))
    finally:
        f.__defaults__ = (2.0,)


@pytest.mark.parametrize("api", API_IDS)
def test_layer_object_trained_between_calls(api):
    """A callable layer whose weights are replaced (other shape too) between Jacobian calls."""
    layer = P.TanhLayer(np.ones((2, 3)) * 0.3)
    jac = APIS[api](layer)
    x = np.array([0.3, -0.1, 0.2])
    for k, rows in enumerate([2, 2, 4, 2, 1]):
        layer.w = np.random.default_rng(k).standard_normal((rows, 3))
        j = jac(x)
        assert j.shape == (rows, 3)
        close(j, (1.0 - np.tanh(layer.w @ x) ** 2)[:, None] * layer.w)


# -------- side effects once per later call


@pytest.mark.parametrize("api", [*API_IDS, "hessian"])
def test_print_once_per_later_call(api, capsys):
    f = P.noisy_loss if api == "hessian" else P.noisy_model
    make = ad.hessian if api == "hessian" else APIS[api]
    jac = make(f)
    jac(np.array([0.1, 0.2, 0.3]))
    capsys.readouterr()
    for k in range(3):
        jac(rng_vec(k, 3))
        out = capsys.readouterr().out
        assert out.count("evaluating") == 1, out


# -------- second order through grad, Hessian blocks


@pytest.mark.parametrize("api", API_IDS)
def test_jacobian_of_grad_later_calls(api):
    jac = APIS[api](ad.grad(P.mlp_loss))
    for k in range(4):
        x = rng_vec(k, 3)
        close(jac(x), num_hess(P.mlp_loss_grad, (x,)))


@pytest.mark.parametrize("wrt", [(0, 1), ("y", "x"), (1, 0)], ids=["01", "names", "10"])
def test_hessian_two_arguments_later_calls(wrt):
    hess = ad.hessian(P.coupled_loss, wrt=wrt)
    index = {"x": 0, "y": 1, 0: 0, 1: 1}

    def grad_in(i):
        def g(x, y):
            gx = 2.0 * x * y + y * np.cos(x * y)
            gy = x * x + x * np.cos(x * y)
            return (gx, gy)[i]

        return g

    earlier = []
    for k in range(4):
        x, y = rng_vec(k, 3), rng_vec(k + 30, 3)
        h = hess(x, y)
        for a, wa in enumerate(wrt):
            for b, wb in enumerate(wrt):
                close(h[a][b], num_hess(grad_in(index[wa]), (x, y), index[wb]))
        assert_independent(h, (x, y), earlier)
        earlier.append(h)


@pytest.mark.parametrize("api", [*API_IDS, "hessian"])
def test_repeated_wrt_blocks_are_separate_arrays(api):
    f = P.coupled_loss if api == "hessian" else P.product_of_two
    make = ad.hessian if api == "hessian" else APIS[api]
    jac = make(f, wrt=(0, 0))
    for k in range(3):
        x, y = rng_vec(k, 3), rng_vec(k + 10, 3)
        j = jac(x, y)
        blocks = [b for b in leaves(j)]
        before = blocks[-1].copy()
        blocks[0][...] = 99.0
        np.testing.assert_array_equal(blocks[-1], before)


def test_forward_grad_with_repeated_wrt():
    g = ad.grad(P.coupled_loss, wrt=(0, 0), mode="forward")
    x, y = rng_vec(0, 3), rng_vec(1, 3)
    gx, gx2 = g(x, y)
    close(gx, 2.0 * x * y + y * np.cos(x * y))
    close(gx2, gx)
