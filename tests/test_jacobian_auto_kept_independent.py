"""Independent tests: ``jacobian(f, mode="auto")`` called again and again.

Written from the README and issue 19 only. The first call of an ``auto`` Jacobian for an
argument signature decides forward or reverse mode (by sizes, or by timing both when
inputs outnumber outputs and the output is not a scalar) and keeps the fast path it
timed; later calls run that kept code. Every call here is checked against central
differences, ``jacfwd`` and ``jacrev`` of the same function; the results must have the
right types and shapes, be separate arrays, leave the arguments and the primal function
alone, and stay right when the arguments change values, shape or dtype between calls.
"""

import contextlib
import io
import itertools
import threading
import warnings
import zlib

import numpy as np
import pytest

import s2s_ad as ad

# --------------------------------------------------------------------------------------
# helpers


def leaves(tree):
    """The leaves of a nest of tuples, lists and dicts, in order."""
    if isinstance(tree, (tuple, list)):
        out = []
        for item in tree:
            out.extend(leaves(item))
        return out
    if isinstance(tree, dict):
        out = []
        for key in tree:
            out.extend(leaves(tree[key]))
        return out
    return [tree]


def copy_tree(tree):
    if isinstance(tree, tuple):
        return tuple(copy_tree(t) for t in tree)
    if isinstance(tree, list):
        return [copy_tree(t) for t in tree]
    if isinstance(tree, dict):
        return {k: copy_tree(v) for k, v in tree.items()}
    if isinstance(tree, np.ndarray):
        return tree.copy()
    return tree


def assert_same_structure(got, want, path="J"):
    """Same container types, keys, lengths, leaf types and shapes (values not compared)."""
    if isinstance(want, (tuple, list, dict)):
        assert type(got) is type(want), f"{path}: {type(got).__name__} != {type(want).__name__}"
        assert len(got) == len(want), f"{path}: length {len(got)} != {len(want)}"
        if isinstance(want, dict):
            assert list(got) == list(want), f"{path}: keys {list(got)} != {list(want)}"
            for key in want:
                assert_same_structure(got[key], want[key], f"{path}[{key!r}]")
        else:
            for i, (g, w) in enumerate(zip(got, want, strict=True)):
                assert_same_structure(g, w, f"{path}[{i}]")
        return
    if want is None:
        assert got is None, f"{path}: {got!r} is not None"
        return
    assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray), (
        f"{path}: {type(got).__name__} vs {type(want).__name__}"
    )
    assert np.shape(got) == np.shape(want), f"{path}: shape {np.shape(got)} != {np.shape(want)}"
    assert np.result_type(got) == np.result_type(want), (
        f"{path}: dtype {np.result_type(got)} != {np.result_type(want)}"
    )


def assert_tree_close(got, want, rtol, atol, path="J"):
    for i, (g, w) in enumerate(zip(leaves(got), leaves(want), strict=True)):
        if w is None:
            assert g is None
            continue
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        assert g.shape == w.shape, f"{path} leaf {i}: {g.shape} != {w.shape}"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"{path} leaf {i}")


def assert_tree_equal(got, want, path="J"):
    for i, (g, w) in enumerate(zip(leaves(got), leaves(want), strict=True)):
        if w is None:
            assert g is None
            continue
        assert np.array_equal(np.asarray(g), np.asarray(w), equal_nan=True), f"{path} leaf {i}"


def central_block(f, args, index, eps=1e-6):
    """d f(*args) / d args[index] by central differences, shape out.shape + in.shape,
    for an output that is one float array and an input that is a float or a float array."""
    x0 = args[index]
    scalar = not isinstance(x0, np.ndarray)
    x = np.array(x0, dtype=np.float64)
    flat = x.reshape(-1)
    cols = []
    for k in range(flat.size):
        plus = flat.copy()
        minus = flat.copy()
        plus[k] += eps
        minus[k] -= eps
        a_plus = list(args)
        a_minus = list(args)
        a_plus[index] = float(plus[0]) if scalar else plus.reshape(x.shape)
        a_minus[index] = float(minus[0]) if scalar else minus.reshape(x.shape)
        fp = np.asarray(f(*a_plus), dtype=np.float64)
        fm = np.asarray(f(*a_minus), dtype=np.float64)
        cols.append((fp - fm) / (2 * eps))
    out_shape = cols[0].shape
    jac = np.stack(cols, axis=-1).reshape(out_shape + x.shape)
    return jac


def wrt_indices(wrt, names):
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    return [names.index(w) if isinstance(w, str) else w for w in items]


def check_against_references(f, jac_result, args, wrt, names, rtol=1e-6, atol=1e-7, cd=True):
    """jac_result against jacfwd, jacrev (same wrt) and central differences."""
    fwd = ad.jacfwd(f, wrt=wrt)(*args)
    rev = ad.jacrev(f, wrt=wrt)(*args)
    assert_same_structure(jac_result, fwd)
    assert_same_structure(jac_result, rev)
    assert_tree_close(jac_result, fwd, rtol=1e-10, atol=1e-12, path="auto vs jacfwd")
    assert_tree_close(jac_result, rev, rtol=1e-10, atol=1e-12, path="auto vs jacrev")
    if cd:
        blocks = [central_block(f, args, i) for i in wrt_indices(wrt, names)]
        want = tuple(blocks) if isinstance(wrt, tuple) else blocks[0]
        assert_tree_close(jac_result, want, rtol=rtol, atol=atol, path="auto vs central")


def assert_separate(results, args_list):
    """No array leaf of any result shares memory with another result or an argument."""
    arrays = [leaf for r in results for leaf in leaves(r) if isinstance(leaf, np.ndarray)]
    for i, a in enumerate(arrays):
        for b in arrays[i + 1 :]:
            assert not np.shares_memory(a, b), "two results share memory"
        for args in args_list:
            for arg in leaves(list(args)):
                if isinstance(arg, np.ndarray):
                    assert not np.shares_memory(a, arg), "a result shares memory with an argument"


def scribble(result):
    """Write into every array leaf of a result."""
    for leaf in leaves(result):
        if isinstance(leaf, np.ndarray) and leaf.size:
            leaf[...] = 12345.0


# --------------------------------------------------------------------------------------
# programs a user writes


RNG_GLOBAL = np.random.default_rng(2024)
W_LAYER = RNG_GLOBAL.standard_normal((4, 240)) * 0.1
A_SOFT = RNG_GLOBAL.standard_normal((5, 200)) * 0.1
W_2D = RNG_GLOBAL.standard_normal((4, 20)) * 0.3


def layer(x, b):
    return np.tanh(W_LAYER @ x + b)


def softmax_logits(x):
    z = A_SOFT @ np.sin(x)
    z = z - np.max(z)
    e = np.exp(z)
    return e / np.sum(e)


def residuals(theta, t, y):
    a, k, c = theta[0], theta[1], theta[2]
    return a * np.exp(-k * t) + c - y


def lorenz(state, params):
    x, y, z = state[0], state[1], state[2]
    sigma, rho, beta = params[0], params[1], params[2]
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def pendulum(state, omega2, damping):
    theta, v = state[0], state[1]
    return np.array([v, -omega2 * np.sin(theta) - damping * v])


def dict_net(params, x):
    h = np.tanh(params["W1"] @ x + params["b1"])
    return params["W2"] @ h + params["b2"]


def tuple_mlp(params, x):
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    return W @ x + b


def two_arg(x, y):
    return np.tanh(W_LAYER[:3, : x.shape[0]] @ np.sin(x) + np.cos(y[:3]) * np.sum(y))


def field_2d(X):
    return np.tanh(W_2D @ np.sin(X))[:, :3]


def mse_loss(w, X, y):
    r = X @ w - y
    return np.mean(r * r)


def rk_step(state, h):
    k1 = lorenz(state, np.array([10.0, 28.0, 8.0 / 3.0]))
    k2 = lorenz(state + 0.5 * h * k1, np.array([10.0, 28.0, 8.0 / 3.0]))
    return state + h * k2


def make_layer_args(rng, n=240):
    return (rng.standard_normal(n), rng.standard_normal(4) * 0.1)


def make_dict_params(rng, n_in=12, n_hidden=16, n_out=3):
    return {
        "W1": rng.standard_normal((n_hidden, n_in)) * 0.3,
        "b1": rng.standard_normal(n_hidden) * 0.1,
        "W2": rng.standard_normal((n_out, n_hidden)) * 0.3,
        "b2": rng.standard_normal(n_out) * 0.1,
    }


def make_mlp(rng, sizes):
    return [
        (rng.standard_normal((o, i)) * 0.3, rng.standard_normal(o) * 0.1)
        for i, o in itertools.pairwise(sizes)
    ]


# name -> (function, parameter names, argument maker(rng, k), wrt choices)
ARRAY_PROGRAMS = {
    "layer": (layer, ["x", "b"], lambda rng, k: make_layer_args(rng), [0, "x", (0,), ("b", "x")]),
    "softmax": (
        softmax_logits,
        ["x"],
        lambda rng, k: (rng.standard_normal(200),),
        [0, "x", (0,), ("x",)],
    ),
    "least_squares_residuals": (
        residuals,
        ["theta", "t", "y"],
        lambda rng, k: (
            np.array([1.0, 0.5, 0.1]) + 0.1 * rng.standard_normal(3),
            np.linspace(0.0, 3.0, 40),
            rng.standard_normal(40),
        ),
        [0, "theta", (0, 2), ("y",)],
    ),
    "lorenz": (
        lorenz,
        ["state", "params"],
        lambda rng, k: (rng.standard_normal(3) * 5, np.array([10.0, 28.0, 8.0 / 3.0])),
        [0, "params", (0, 1), ("params", "state")],
    ),
    "pendulum": (
        pendulum,
        ["state", "omega2", "damping"],
        lambda rng, k: (rng.standard_normal(2), 4.0 + rng.random(), 0.1 + 0.1 * rng.random()),
        [0, "omega2", (0, 1, 2), ("damping",)],
    ),
    "two_arg_more_inputs": (
        two_arg,
        ["x", "y"],
        lambda rng, k: (rng.standard_normal(200), rng.standard_normal(150) * 0.1),
        [0, "y", (0, 1), ("y", 0)],
    ),
    "field_2d": (field_2d, ["X"], lambda rng, k: (rng.standard_normal((20, 30)),), [0, (0,)]),
    "rk_step": (
        rk_step,
        ["state", "h"],
        lambda rng, k: (rng.standard_normal(3), 0.01),
        [0, (0, 1)],
    ),
    "mse_scalar_output": (
        mse_loss,
        ["w", "X", "y"],
        lambda rng, k: (
            rng.standard_normal(6),
            rng.standard_normal((30, 6)),
            rng.standard_normal(30),
        ),
        [0, "X", (0, 2)],
    ),
}


def wrt_id(wrt):
    """A plain-string id for a wrt: 0, x, tuple(0), tuple(b-x)."""
    if isinstance(wrt, tuple):
        return "tuple(" + "-".join(str(w) for w in wrt) + ")"
    return str(wrt)


ARRAY_CASES = [
    pytest.param(name, wrt, id=f"{name}-wrt={wrt_id(wrt)}")
    for name, (_, _, _, wrts) in ARRAY_PROGRAMS.items()
    for wrt in wrts
]


@pytest.mark.parametrize(("name", "wrt"), ARRAY_CASES)
def test_repeated_calls_match_references(name, wrt):
    f, names, make, _ = ARRAY_PROGRAMS[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}|{wrt!r}".encode()))
    jac = ad.jacobian(f, wrt=wrt, mode="auto")
    results, snapshots, all_args = [], [], []
    for k in range(5):
        args = make(rng, k)
        before = copy_tree(list(args))
        value_before = np.array(f(*args), copy=True)
        got = jac(*args)
        # arguments untouched, primal unchanged
        assert_tree_equal(list(args), before, path="arguments")
        np.testing.assert_array_equal(np.asarray(f(*args)), value_before)
        check_against_references(f, got, args, wrt, names)
        # type of the result follows wrt: a tuple for a tuple, else one block
        if isinstance(wrt, tuple):
            assert isinstance(got, tuple) and len(got) == len(wrt)
        else:
            assert isinstance(got, np.ndarray)
        results.append(got)
        snapshots.append(copy_tree(got))
        all_args.append(args)
    assert_separate(results, all_args)
    # writing into each result changes no other result and no argument
    for i, r in enumerate(results):
        scribble(r)
        for k in range(i + 1, len(results)):
            assert_tree_equal(results[k], snapshots[k], path=f"result {k} after writing {i}")
    for args, _ in zip(all_args, range(len(all_args)), strict=True):
        for leaf in leaves(list(args)):
            if isinstance(leaf, np.ndarray):
                assert not np.any(leaf == 12345.0)
    # and the next call is still right after the writes
    args = make(rng, 99)
    check_against_references(f, jac(*args), args, wrt, names)


@pytest.mark.parametrize(
    "wrt",
    [0, "params", (0,), ("params", 1), (1, 0)],
    ids=["0", "params", "tuple(0)", "tuple(params-1)", "tuple(1-0)"],
)
def test_dict_network_parameters(wrt):
    rng = np.random.default_rng(11)
    jac = ad.jacobian(dict_net, wrt=wrt, mode="auto")
    results = []
    for _ in range(4):
        params = make_dict_params(rng)
        x = rng.standard_normal(12)
        before = copy_tree(params)
        got = jac(params, x)
        assert_tree_equal(params, before, path="params")
        fwd = ad.jacfwd(dict_net, wrt=wrt)(params, x)
        rev = ad.jacrev(dict_net, wrt=wrt)(params, x)
        assert_same_structure(got, fwd)
        assert_same_structure(got, rev)
        assert_tree_close(got, fwd, 1e-10, 1e-12)
        assert_tree_close(got, rev, 1e-10, 1e-12)
        block = got[0] if isinstance(wrt, tuple) and wrt[0] in (0, "params") else got
        if isinstance(wrt, tuple) and wrt[0] not in (0, "params"):
            block = got[1]
        assert isinstance(block, dict) and list(block) == ["W1", "b1", "W2", "b2"]
        # one entry against central differences
        cd = central_block(
            lambda b2, p=params, x=x: dict_net({**p, "b2": b2}, x), [params["b2"]], 0
        )
        np.testing.assert_allclose(block["b2"], cd, rtol=1e-6, atol=1e-8)
        cd_w1 = central_block(
            lambda w1, p=params, x=x: dict_net({**p, "W1": w1}, x), [params["W1"]], 0
        )
        np.testing.assert_allclose(block["W1"], cd_w1, rtol=1e-6, atol=1e-8)
        results.append(got)
    assert_separate(results, [])


def test_tuple_mlp_changing_depth_and_back():
    rng = np.random.default_rng(12)
    jac = ad.jacobian(tuple_mlp, wrt=(0, 1), mode="auto")
    for sizes in ([10, 16, 3], [10, 8, 8, 3], [10, 16, 3], [10, 16, 2], [10, 16, 3]):
        params = make_mlp(rng, sizes)
        x = rng.standard_normal(10)
        got = jac(params, x)
        assert isinstance(got, tuple) and len(got) == 2
        assert isinstance(got[0], list) and len(got[0]) == len(sizes) - 1
        assert all(isinstance(t, tuple) and len(t) == 2 for t in got[0])
        fwd = ad.jacfwd(tuple_mlp, wrt=(0, 1))(params, x)
        rev = ad.jacrev(tuple_mlp, wrt=(0, 1))(params, x)
        assert_same_structure(got, fwd)
        assert_tree_close(got, fwd, 1e-10, 1e-12)
        assert_tree_close(got, rev, 1e-10, 1e-12)
        np.testing.assert_allclose(
            got[1], central_block(tuple_mlp, [params, x], 1), rtol=1e-6, atol=1e-8
        )
        assert got[0][-1][1].shape == (sizes[-1], sizes[-1])


# --------------------------------------------------------------------------------------
# the kept path when the arguments change between calls


def test_shape_changes_and_back():
    rng = np.random.default_rng(21)
    jac = ad.jacobian(two_arg, wrt=0, mode="auto")
    kept = {}
    for n in (200, 2, 200, 3, 150, 200, 240, 200):
        x = rng.standard_normal(n)
        y = rng.standard_normal(7) * 0.1
        got = jac(x, y)
        assert got.shape == (3, n)
        check_against_references(two_arg, got, (x, y), 0, ["x", "y"])
        kept.setdefault(n, []).append(got)
    assert_separate([r for rs in kept.values() for r in rs], [])


def test_dtype_changes_between_calls():
    rng = np.random.default_rng(22)
    a32 = (rng.standard_normal((3, 250)) * 0.1).astype(np.float32)

    def f32(x):
        return np.tanh(a32.astype(x.dtype) @ np.sin(x))

    jac = ad.jacobian(f32, mode="auto")
    for dtype in (np.float32, np.float64, np.float32, np.float64, np.float32):
        x = rng.standard_normal(250).astype(dtype)
        got = jac(x)
        assert got.dtype == dtype, (got.dtype, dtype)
        assert got.shape == (3, 250)
        fwd = ad.jacfwd(f32)(x)
        rev = ad.jacrev(f32)(x)
        assert got.dtype == fwd.dtype == rev.dtype
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, fwd, rtol=tol, atol=tol)
        np.testing.assert_allclose(got, rev, rtol=tol, atol=tol)
        # against central differences of the same function in float64
        cd = central_block(f32, [x.astype(np.float64)], 0)
        np.testing.assert_allclose(got, cd, rtol=1e-3 if dtype == np.float32 else 1e-6, atol=1e-5)


def test_float32_layer_stays_float32_on_every_call():
    rng = np.random.default_rng(23)
    w = (rng.standard_normal((4, 300)) * 0.1).astype(np.float32)

    def layer32(x, b):
        return np.tanh(w @ x + b)

    jac = ad.jacobian(layer32, wrt=(0, 1), mode="auto")
    first = None
    for _ in range(4):
        x = rng.standard_normal(300).astype(np.float32)
        b = rng.standard_normal(4).astype(np.float32)
        got = jac(x, b)
        assert [g.dtype for g in got] == [np.float32, np.float32]
        ref = ad.jacrev(layer32, wrt=(0, 1))(x, b)
        assert_same_structure(got, ref)
        assert_tree_close(got, ref, 1e-5, 1e-6)
        if first is None:
            first = got
        else:
            assert not any(np.shares_memory(a, c) for a in got for c in first)


def test_value_dependent_output_shape():
    rng = np.random.default_rng(24)

    def positives(x):
        y = np.sin(x) * np.cosh(0.5 * x)
        return y[x > 0.8]

    jac = ad.jacobian(positives, mode="auto")
    for _ in range(5):
        x = rng.standard_normal(260)
        got = jac(x)
        assert got.shape == (int(np.sum(x > 0.8)), 260)
        check_against_references(positives, got, (x,), 0, ["x"], cd=False)
        np.testing.assert_allclose(got, central_block(positives, [x], 0), rtol=1e-6, atol=1e-8)


GAIN = {"rows": 3}


def rows_from_global(x):
    m = GAIN["rows"]
    return np.tanh(W_LAYER[:m, :220] @ np.sin(x))


def test_global_changes_output_rows_between_calls():
    rng = np.random.default_rng(25)
    jac = ad.jacobian(rows_from_global, mode="auto")
    try:
        for m in (3, 3, 1, 4, 3, 2):
            GAIN["rows"] = m
            x = rng.standard_normal(220)
            got = jac(x)
            assert got.shape == (m, 220)
            check_against_references(rows_from_global, got, (x,), 0, ["x"])
    finally:
        GAIN["rows"] = 3


def test_argument_changed_in_place_between_calls():
    rng = np.random.default_rng(26)
    x, b = make_layer_args(rng)
    jac = ad.jacobian(layer, wrt=(0, 1), mode="auto")
    earlier = []
    for _ in range(4):
        got = jac(x, b)
        check_against_references(layer, got, (x, b), (0, 1), ["x", "b"])
        earlier.append((copy_tree(got), got))
        x[:] = rng.standard_normal(x.size)
        b += 0.3
    # results of earlier calls did not follow the in-place changes
    for snapshot, got in earlier:
        assert_tree_equal(got, snapshot)


def test_global_array_changed_in_place_and_rebound():
    rng = np.random.default_rng(27)
    global W_LAYER
    saved = W_LAYER
    try:
        W_LAYER = saved.copy()
        jac = ad.jacobian(layer, wrt=0, mode="auto")
        x, b = make_layer_args(rng)
        first = jac(x, b)
        check_against_references(layer, first, (x, b), 0, ["x", "b"])
        W_LAYER[...] = rng.standard_normal(W_LAYER.shape) * 0.1
        second = jac(x, b)
        check_against_references(layer, second, (x, b), 0, ["x", "b"])
        assert not np.allclose(first, second)
        W_LAYER = rng.standard_normal((4, 240)) * 0.1
        third = jac(x, b)
        check_against_references(layer, third, (x, b), 0, ["x", "b"])
        assert not np.shares_memory(third, W_LAYER)
    finally:
        W_LAYER = saved


def test_scalar_argument_kinds_between_calls():
    rng = np.random.default_rng(28)
    a = rng.standard_normal((3, 220)) * 0.1

    def scaled(x, c):
        return np.tanh(a @ np.sin(x * c))

    jac = ad.jacobian(scaled, wrt=("c", 0), mode="auto")
    for c in (0.7, np.float64(0.7), 1.3, np.array(0.9), 0.4):
        x = rng.standard_normal(220)
        got = jac(x, c)
        assert isinstance(got, tuple) and len(got) == 2
        assert got[0].shape == (3, *np.shape(c))
        assert got[1].shape == (3, 220)
        check_against_references(scaled, got, (x, c), ("c", 0), ["x", "c"])


def test_interleaved_jacobians_of_one_function():
    rng = np.random.default_rng(29)
    names = ["x", "y"]
    wrts = [0, "y", (1, 0), (0,), ("x", "y")]
    jacs = [ad.jacobian(two_arg, wrt=w, mode="auto") for w in wrts]
    for _ in range(4):
        x = rng.standard_normal(200)
        y = rng.standard_normal(150) * 0.1
        for w, jac in zip(wrts, jacs, strict=True):
            got = jac(x, y)
            check_against_references(two_arg, got, (x, y), w, names, cd=False)
            if isinstance(w, tuple):
                assert isinstance(got, tuple) and len(got) == len(w)
            else:
                assert isinstance(got, np.ndarray)


def test_keyword_and_positional_calls_mix():
    rng = np.random.default_rng(30)

    def damped(x, y, c=0.5):
        return np.tanh(W_LAYER[:3, :200] @ np.sin(x) + c * np.cos(y[:3]))

    jac = ad.jacobian(damped, wrt=("y", "x"), mode="auto")
    for k in range(6):
        x = rng.standard_normal(200)
        y = rng.standard_normal(50)
        if k % 4 == 0:
            got = jac(x, y)
        elif k % 4 == 1:
            got = jac(x, y=y)
        elif k % 4 == 2:
            got = jac(x=x, y=y, c=0.5)
        else:
            got = jac(x, y, 0.5)
        check_against_references(damped, got, (x, y), (1, 0), ["x", "y"], cd=False)
        np.testing.assert_allclose(got[0], central_block(damped, [x, y], 1), rtol=1e-6, atol=1e-8)


def test_wrt_repeated_parameter_later_calls():
    rng = np.random.default_rng(31)
    jac = ad.jacobian(layer, wrt=(0, "x"), mode="auto")
    for _ in range(4):
        x, b = make_layer_args(rng)
        got = jac(x, b)
        assert isinstance(got, tuple) and len(got) == 2
        np.testing.assert_array_equal(got[0], got[1])
        assert not np.shares_memory(got[0], got[1])
        np.testing.assert_allclose(got[0], ad.jacrev(layer)(x, b), rtol=1e-12, atol=1e-14)
        got[0][...] = 0.0
        assert np.any(got[1] != 0.0)


def test_jacobian_of_gradient_more_inputs_than_outputs():
    rng = np.random.default_rng(32)

    def loss(x, y):
        return np.sum(np.tanh(np.outer(x, y)) ** 2)

    g = ad.grad(loss)
    jac = ad.jacobian(g, wrt=1, mode="auto")
    for n in (120, 120, 60, 120):
        x = rng.standard_normal(5)
        y = rng.standard_normal(n) * 0.3
        got = jac(x, y)
        assert got.shape == (5, n)
        np.testing.assert_allclose(got, ad.jacfwd(g, wrt=1)(x, y), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got, ad.jacrev(g, wrt=1)(x, y), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(got, central_block(g, [x, y], 1), rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------------------
# what the call prints, warns and raises: the same on the first and later calls


def printing_layer(x):
    print("evaluating layer with", x.shape[0], "inputs")
    return np.tanh(W_LAYER[:, :200] @ np.sin(x))


def warning_layer(x):
    y = np.log(x)
    z = np.where(x > 0, y, 0.0)
    return W_LAYER[:, :200] @ np.sin(z)


def capture(fn):
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        value = fn()
    return value, out.getvalue(), [(w.category, str(w.message)) for w in caught]


@pytest.mark.parametrize("program", ["printing_layer", "warning_layer"])
def test_prints_and_warnings_same_on_every_call(program):
    f = {"printing_layer": printing_layer, "warning_layer": warning_layer}[program]
    rng = np.random.default_rng(33)
    jac = ad.jacobian(f, mode="auto")
    seen = []
    for _ in range(4):
        x = rng.standard_normal(200)
        _, plain_out, plain_warn = capture(lambda x=x: f(x))
        got, out, warn = capture(lambda x=x: jac(x))
        seen.append((out, warn))
        assert out == plain_out
        assert warn == plain_warn
        with np.errstate(invalid="ignore"):
            np.testing.assert_allclose(got, ad.jacfwd(f)(x), rtol=1e-10, atol=1e-12)
    assert all(s == seen[0] for s in seen)


def test_error_on_later_call_is_located_and_recovers():
    rng = np.random.default_rng(34)
    jac = ad.jacobian(printing_layer, mode="auto")
    messages = []
    for n in (200, 200, 150, 200, 150, 200):
        x = rng.standard_normal(n)
        if n == 200:
            with contextlib.redirect_stdout(io.StringIO()):
                got = jac(x)
                ref = ad.jacfwd(printing_layer)(x)
            np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
        else:
            with pytest.raises(Exception) as info, contextlib.redirect_stdout(io.StringIO()):
                jac(x)
            text = str(info.value)
            assert "test_jacobian_auto_kept_independent.py" in text
            assert "matmul" in text
            messages.append((type(info.value), text))
    assert messages[0][0] is messages[1][0]


def test_singular_matrix_between_good_calls():
    rng = np.random.default_rng(35)

    def first_rows_of_solve(m, b):
        return np.linalg.solve(m, b)[:3]

    jac = ad.jacobian(first_rows_of_solve, wrt=0, mode="auto")
    for good in (False, True, False, True, True):
        b = rng.standard_normal(12)
        if good:
            m = rng.standard_normal((12, 12)) + 6 * np.eye(12)
            got = jac(m, b)
            assert got.shape == (3, 12, 12)
            check_against_references(first_rows_of_solve, got, (m, b), 0, ["m", "b"], 1e-5, 1e-7)
        else:
            with pytest.raises(Exception, match="Singular matrix"):
                jac(np.zeros((12, 12)), b)


def test_threads_share_one_jacobian_object():
    a = np.random.default_rng(36).standard_normal((3, 220)) * 0.1

    def thread_f(x):
        return np.tanh(a[:, : x.shape[0]] @ np.sin(x) * 2.0)

    jac = ad.jacobian(thread_f, mode="auto")
    errors = []
    results = {}

    def work(seed):
        try:
            rng = np.random.default_rng(seed)
            for i in range(4):
                x = rng.standard_normal(220 if i % 2 == 0 else 40)
                got = jac(x)
                ref = ad.jacrev(thread_f)(x)
                if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-10, atol=1e-12):
                    errors.append((seed, i))
                results[(seed, i)] = got
        except Exception as exc:  # reported below
            errors.append((seed, repr(exc)))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_separate(list(results.values()), [])


def test_result_identity_like_functions_not_aliased():
    rng = np.random.default_rng(37)

    def first_three(x):
        return x[:3]

    def halves(x):
        return x[:2], x[2:4]

    def picked(x):
        return {"head": x[:2], "last": x[-1]}

    for f in (first_three, halves, picked):
        jac = ad.jacobian(f, mode="auto")
        x = rng.standard_normal(300)
        first = jac(x)
        snapshot = copy_tree(first)
        scribble(first)
        for _ in range(3):
            again = jac(x)
            assert_tree_equal(again, snapshot)
            assert_tree_close(again, ad.jacfwd(f)(x), 0, 0)
            assert_tree_close(again, ad.jacrev(f)(x), 0, 0)
            assert_separate([first, again], [(x,)])
            scribble(again)
        assert not np.any(x == 12345.0)
