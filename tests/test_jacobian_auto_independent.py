"""Independent tests of jacobian(f, mode="auto"): values, agreement, dtypes, memory, effects."""

import contextlib
import io
import warnings

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------- programs


def layer(W, x, b):
    """A dense layer tanh(W @ x + b)."""
    return np.tanh(W @ x + b)


def softmax(z):
    """A numerically stable softmax."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def residuals(p, t, y):
    """Residuals of an exponential-decay least-squares fit."""
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def lorenz(u, sigma, rho, beta):
    """The Lorenz system's right-hand side."""
    x, y, z = u[0], u[1], u[2]
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def predator_prey(u, k):
    """A Lotka-Volterra right-hand side with a parameter vector."""
    return np.stack([k[0] * u[0] - k[1] * u[0] * u[1], k[2] * u[0] * u[1] - k[3] * u[1]])


def dict_net(params, x):
    """A two-output network whose weights are held in a dict."""
    h = np.tanh(params["W1"] @ x + params["b1"])
    return params["W2"] @ h


def pair(x, y):
    """Two wrt arguments mixed into three outputs."""
    return np.array([np.sum(x * y[:4]), np.sin(x[0]) * y[4], np.sum(np.cos(x)) + y[0] ** 2])


def gram(X):
    """A 2-d input mapped to its Gram matrix."""
    return X @ X.T


def row_norms(X):
    """Row-wise squared norms of a 2-d input."""
    return np.sum(X**2, axis=1)


def logsumexp(x):
    """A scalar log-sum-exp."""
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def energy_keep(x):
    """An energy returned as an array of shape (1,)."""
    return np.sum(x**2 + np.sin(x), keepdims=True)


def chatty(x, A):
    """A layer that prints its progress."""
    print("evaluating layer")
    y = np.tanh(A @ x)
    print("done")
    return y


def sqrt_or_neg(x, A):
    """A map whose plain call warns about sqrt of negatives."""
    r = np.where(x > 0, np.sqrt(x), -x)
    return A @ r


def positives(x):
    """Squares of the positive entries: the output shape follows the values."""
    return x[x > 0] ** 2


def identity(x):
    """The identity map."""
    return x


def linear(x, A):
    """A linear map A @ x."""
    return A @ x


def add_two(x, y):
    """Elementwise sum of two vectors."""
    return x + y


def first_two(x):
    """A slice of the input."""
    return x[:2]


# ---------------------------------------------------------------- helpers


def _leaves(tree):
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [tree]


def _wrt_indices(wrt, fn):
    import inspect

    names = list(inspect.signature(fn).parameters)
    ws = wrt if isinstance(wrt, tuple) else (wrt,)
    return [names.index(w) if isinstance(w, str) else w for w in ws], isinstance(wrt, tuple)


def _replace_leaf(tree, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(tree, dict):
        out = dict(tree)
        out[head] = _replace_leaf(tree[head], rest, value)
        return out
    out = list(tree)
    out[head] = _replace_leaf(tree[head], rest, value)
    return type(tree)(out)


def _leaf_paths(tree, prefix=()):
    if isinstance(tree, dict):
        return [p for k in sorted(tree) for p in _leaf_paths(tree[k], (*prefix, k))]
    if isinstance(tree, (tuple, list)):
        return [p for i, item in enumerate(tree) for p in _leaf_paths(item, (*prefix, i))]
    return [prefix]


def _get(tree, path):
    for p in path:
        tree = tree[p]
    return tree


def central_differences(fn, args, wrt, h=1e-6):
    """Jacobian leaves by central differences, in _leaves order."""
    idx, _ = _wrt_indices(wrt, fn)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.redirect_stdout(io.StringIO()):
            y0 = np.asarray(fn(*args))
            for i in idx:
                for path in _leaf_paths(args[i]):
                    leaf = np.asarray(_get(args[i], path), dtype=np.float64)
                    J = np.zeros(y0.shape + leaf.shape)
                    for k in np.ndindex(leaf.shape):
                        cols = []
                        for s in (1.0, -1.0):
                            pert = leaf.copy()
                            pert[k] += s * h
                            a = list(args)
                            a[i] = _replace_leaf(args[i], path, pert)
                            cols.append(np.asarray(fn(*a), dtype=np.float64))
                        J[(..., *k)] = (cols[0] - cols[1]) / (2 * h)
                    out.append(J)
    return out


def run_captured(call):
    buf = io.StringIO()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with contextlib.redirect_stdout(buf):
            res = call()
    return res, buf.getvalue(), sorted((w.category.__name__, str(w.message)) for w in rec)


def assert_no_sharing(result, args):
    leaves = [a for a in _leaves(result) if isinstance(a, np.ndarray)]
    arg_leaves = [a for a in _leaves(list(args)) if isinstance(a, np.ndarray)]
    for i, a in enumerate(leaves):
        for b in leaves[i + 1 :]:
            assert not np.shares_memory(a, b), "two returned arrays share memory"
        for b in arg_leaves:
            assert not np.shares_memory(a, b), "a returned array shares memory with an argument"


def check_auto(fn, make_args, wrt=0, calls=3, seed=0, jit=False):
    rng = np.random.default_rng(seed)
    J = ad.jacobian(fn, wrt, mode="auto", jit=jit)
    F = ad.jacfwd(fn, wrt)
    R = ad.jacrev(fn, wrt)
    for _ in range(calls):
        args = make_args(rng)
        res, out_a, warn_a = run_captured(lambda args=args: J(*args))
        fwd, out_f, warn_f = run_captured(lambda args=args: F(*args))
        rev, _, _ = run_captured(lambda args=args: R(*args))
        assert out_a == out_f
        assert warn_a == warn_f
        la, lf, lr = _leaves(res), _leaves(fwd), _leaves(rev)
        assert len(la) == len(lf) == len(lr)
        assert type(res) is type(fwd)
        fd = central_differences(fn, args, wrt)
        for a, f, r, d in zip(la, lf, lr, fd, strict=True):
            assert a.shape == f.shape
            assert a.dtype == f.dtype
            np.testing.assert_allclose(a, f, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(a, d, rtol=1e-6, atol=1e-7)
        assert_no_sharing(res, args)


# ---------------------------------------------------------------- cases


def _layer_args(rng, n=5, m=3):
    return rng.standard_normal((m, n)) * 0.5, rng.standard_normal(n), rng.standard_normal(m) * 0.1


CASES = {
    "layer-wrt-x-wide": (layer, lambda r: _layer_args(r, 6, 2), 1),
    "layer-wrt-x-tall": (layer, lambda r: _layer_args(r, 2, 6), 1),
    "layer-wrt-W": (layer, _layer_args, 0),
    "layer-wrt-W-and-b": (layer, _layer_args, ("W", "b")),
    "softmax": (softmax, lambda r: (r.standard_normal(6),), 0),
    "residuals-wrt-p": (
        residuals,
        lambda r: (
            np.array([2.0, 0.7, 0.1]) + 0.1 * r.standard_normal(3),
            np.linspace(0, 3, 12),
            r.standard_normal(12),
        ),
        0,
    ),
    "residuals-wrt-t": (
        residuals,
        lambda r: (
            np.array([2.0, 0.7, 0.1]),
            np.linspace(0, 3, 5) + 0.01 * r.standard_normal(5),
            r.standard_normal(5),
        ),
        (0, 1),
    ),
    "lorenz": (lorenz, lambda r: (r.standard_normal(3) * 5, 10.0, 28.0, 8.0 / 3.0), 0),
    "predator-prey-wrt-k": (
        predator_prey,
        lambda r: (r.uniform(0.5, 2, 2), r.uniform(0.1, 1, 4)),
        1,
    ),
    "predator-prey-wrt-both": (
        predator_prey,
        lambda r: (r.uniform(0.5, 2, 2), r.uniform(0.1, 1, 4)),
        (0, 1),
    ),
    "dict-params": (
        dict_net,
        lambda r: (
            {
                "W1": r.standard_normal((4, 3)) * 0.5,
                "b1": r.standard_normal(4) * 0.1,
                "W2": r.standard_normal((2, 4)) * 0.5,
            },
            r.standard_normal(3),
        ),
        0,
    ),
    "two-wrt": (pair, lambda r: (r.standard_normal(4), r.standard_normal(5)), (0, 1)),
    "gram-2d": (gram, lambda r: (r.standard_normal((3, 4)),), 0),
    "row-norms-2d": (row_norms, lambda r: (r.standard_normal((2, 5)),), 0),
    "logsumexp-scalar": (logsumexp, lambda r: (r.standard_normal(7),), 0),
    "shape-1-output": (energy_keep, lambda r: (r.standard_normal(6),), 0),
    "prints": (chatty, lambda r: (r.standard_normal(5), r.standard_normal((2, 5))), 0),
    "warns": (
        sqrt_or_neg,
        lambda r: (
            np.array([1.0, -1.0, 2.0, -0.5, 0.3]) + 0.01 * r.standard_normal(5),
            r.standard_normal((2, 5)),
        ),
        0,
    ),
    "linear-wrt-x": (linear, lambda r: (r.standard_normal(6), r.standard_normal((2, 6))), 0),
    "linear-wrt-x-tall": (linear, lambda r: (r.standard_normal(2), r.standard_normal((6, 2))), 0),
    "identity": (identity, lambda r: (r.standard_normal(4),), 0),
    "add-two-wrt-both": (add_two, lambda r: (r.standard_normal(3), r.standard_normal(3)), (0, 1)),
    "slice-wide": (first_two, lambda r: (r.standard_normal(5),), 0),
}


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_auto_matches_everything(name):
    fn, make_args, wrt = CASES[name]
    check_auto(fn, make_args, wrt)


def test_value_dependent_output_shape():
    """Same input shape, output shape changing with the values."""
    J = ad.jacobian(positives, mode="auto")
    for x in (
        np.array([1.0, -2.0, 3.0, -1.0, 0.5, -0.2]),
        np.array([1.0, 2.0, -3.0, -1.0, -0.5, -0.2]),
        np.array([1.0, 2.0, 3.0, 1.0, 0.5, -0.2]),
        np.array([-1.0, -2.0, -3.0, -1.0, 0.5, -0.2]),
    ):
        res = J(x)
        ref = ad.jacfwd(positives)(x)
        assert res.shape == ref.shape
        np.testing.assert_allclose(res, ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            res, central_differences(positives, (x,), 0)[0], rtol=1e-6, atol=1e-7
        )
        assert not np.shares_memory(res, x)


@pytest.mark.parametrize("shape", [(2, 6), (6, 2)], ids=["wide", "tall"])
def test_float32_layer(shape):
    """A float32 layer keeps float32 and agrees with jacfwd or jacrev."""
    m, n = shape
    rng = np.random.default_rng(3)
    J = ad.jacobian(layer, 1, mode="auto")
    for _ in range(3):
        W = (rng.standard_normal((m, n)) * 0.5).astype(np.float32)
        x = rng.standard_normal(n).astype(np.float32)
        b = rng.standard_normal(m).astype(np.float32)
        res = J(W, x, b)
        fwd = ad.jacfwd(layer, 1)(W, x, b)
        rev = ad.jacrev(layer, 1)(W, x, b)
        assert res.dtype == fwd.dtype == np.float32
        assert res.shape == fwd.shape
        assert np.array_equal(res, fwd) or np.array_equal(res, rev)
        exact = ad.jacfwd(layer, 1)(
            W.astype(np.float64), x.astype(np.float64), b.astype(np.float64)
        )
        np.testing.assert_allclose(res, exact, rtol=1e-5, atol=1e-6)
        assert not any(np.shares_memory(res, a) for a in (W, x, b))


def test_prints_once_per_call_like_plain_call():
    """On the timed first call and later ones, output equals one plain call's."""
    rng = np.random.default_rng(5)
    J = ad.jacobian(chatty, mode="auto")
    for _ in range(3):
        x, A = rng.standard_normal(6), rng.standard_normal((2, 6))
        _, plain, _ = run_captured(lambda x=x, A=A: chatty(x, A))
        _, got, _ = run_captured(lambda x=x, A=A: J(x, A))
        assert got == plain


def test_warns_like_plain_call():
    """Warnings of the timed first call and later ones equal the plain call's."""
    rng = np.random.default_rng(6)
    J = ad.jacobian(sqrt_or_neg, mode="auto")
    for _ in range(3):
        x = np.array([1.0, -1.0, 2.0, -0.5, 0.3, 0.7]) + 0.01 * rng.standard_normal(6)
        A = rng.standard_normal((2, 6))
        _, _, plain = run_captured(lambda x=x, A=A: sqrt_or_neg(x, A))
        _, _, got = run_captured(lambda x=x, A=A: J(x, A))
        assert [w for w in got if w[0] == "RuntimeWarning" and "sqrt" in w[1]] == plain


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"], ids=["auto", "forward", "reverse"])
def test_repeated_results_are_fresh(mode):
    """Results of repeated calls do not share memory with each other."""
    rng = np.random.default_rng(7)
    A = rng.standard_normal((2, 5))
    J = ad.jacobian(linear, 0, mode=mode)
    results = [J(rng.standard_normal(5), A) for _ in range(3)]
    for i, a in enumerate(results):
        assert not np.shares_memory(a, A)
        for b in results[i + 1 :]:
            assert not np.shares_memory(a, b)
        np.testing.assert_array_equal(a, A)


def test_jvp_identity_fresh():
    """jvp of the identity returns arrays not sharing memory with the tangent or each other."""
    x, v = np.arange(3.0), np.ones(3)
    for _ in range(3):
        out, t = ad.jvp(identity, (x,), (v,))
        assert not np.shares_memory(t, v)
        assert not np.shares_memory(out, t)
        np.testing.assert_array_equal(t, v)


def test_vjp_identity_fresh():
    """vjp of the identity returns a cotangent not sharing memory with the one passed in."""
    x, ct = np.arange(3.0), np.ones(3)
    for _ in range(3):
        out, pb = ad.vjp(identity, x)
        (g,) = pb(ct)
        assert not np.shares_memory(g, ct)
        assert not np.shares_memory(g, out)
        np.testing.assert_array_equal(g, ct)


@pytest.mark.parametrize(
    "name", ["layer-wrt-x-wide", "softmax"], ids=["jit-layer-wide", "jit-softmax"]
)
def test_jit_same_numbers(name):
    """jit=True gives the NumPy backend's numbers."""
    fn, make_args, wrt = CASES[name]
    rng = np.random.default_rng(11)
    Jj = ad.jacobian(fn, wrt, mode="auto", jit=True)
    Jn = ad.jacobian(fn, wrt, mode="auto")
    F = ad.jacfwd(fn, wrt)
    for _ in range(3):
        args = make_args(rng)
        a = Jj(*args)
        np.testing.assert_allclose(a, Jn(*args), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, F(*args), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a, central_differences(fn, args, wrt)[0], rtol=1e-6, atol=1e-7)
        assert_no_sharing(a, args)


def inner(x, y):
    """A scalar inner product of two vectors."""
    return np.sum(x * y)


def weighted(x, a):
    """A scalar weighted sum np.dot(a, x)."""
    return np.dot(a, x)


def scaled_pair(x, y):
    """A shape-(1,) output of two wrt arguments."""
    return np.atleast_1d(np.sum(x**2) * y[0] + np.sum(y))


def orbit(t, u):
    """A 2-d orbit right-hand side with a scalar time argument."""
    r3 = (u[0] ** 2 + u[1] ** 2) ** 1.5
    return np.array([u[2], u[3], -u[0] / r3 + 0.01 * np.sin(t), -u[1] / r3])


MORE = {
    "inner-scalar-wrt-both": (
        inner,
        lambda r: (r.standard_normal(4), r.standard_normal(4)),
        (0, 1),
    ),
    "weighted-scalar": (weighted, lambda r: (r.standard_normal(5), r.standard_normal(5)), 0),
    "shape-1-two-wrt": (
        scaled_pair,
        lambda r: (r.standard_normal(3), r.standard_normal(2)),
        (0, 1),
    ),
    "orbit-wrt-u": (
        orbit,
        lambda r: (
            float(r.uniform(0, 1)),
            np.array([1.0, 0.1, 0.0, 1.0]) + 0.01 * r.standard_normal(4),
        ),
        1,
    ),
    "orbit-wrt-t": (orbit, lambda r: (float(r.uniform(0, 1)), np.array([1.0, 0.1, 0.0, 1.0])), 0),
}


@pytest.mark.parametrize("name", list(MORE), ids=list(MORE))
def test_auto_more(name):
    fn, make_args, wrt = MORE[name]
    check_auto(fn, make_args, wrt)


def test_same_array_twice_wrt_both():
    """The same array passed as both wrt arguments: two fresh Jacobians."""
    J = ad.jacobian(add_two, (0, 1), mode="auto")
    for k in range(3):
        x = np.arange(3.0) + k
        jx, jy = J(x, x)
        assert not np.shares_memory(jx, jy)
        assert not np.shares_memory(jx, x) and not np.shares_memory(jy, x)
        np.testing.assert_array_equal(jx, np.eye(3))
        np.testing.assert_array_equal(jy, np.eye(3))


def test_alternating_shapes_back_and_forth():
    """Shapes alternate between wide and tall; each call matches jacfwd."""
    rng = np.random.default_rng(13)
    J = ad.jacobian(layer, 1, mode="auto")
    for n, m in [(6, 2), (2, 6), (6, 2), (2, 6), (6, 2)]:
        args = _layer_args(rng, n, m)
        res = J(*args)
        np.testing.assert_allclose(res, ad.jacfwd(layer, 1)(*args), rtol=1e-12, atol=1e-12)
        assert_no_sharing(res, args)


def test_keyword_call_after_positional():
    """A keyword call after positional ones with the same shapes."""
    rng = np.random.default_rng(17)
    J = ad.jacobian(linear, 0, mode="auto")
    for _ in range(2):
        x, A = rng.standard_normal(6), rng.standard_normal((2, 6))
        np.testing.assert_array_equal(J(x, A), A)
    x, A = rng.standard_normal(6), rng.standard_normal((2, 6))
    res = J(x, A=A)
    np.testing.assert_array_equal(res, A)
    assert not np.shares_memory(res, A)


@pytest.mark.parametrize(
    "name",
    ["linear-wrt-x", "weighted-scalar", "identity"],
    ids=["jit-linear", "jit-weighted", "jit-identity"],
)
def test_jit_no_sharing(name):
    """jit=True results are fresh and equal the NumPy backend's."""
    fn, make_args, wrt = {**CASES, **MORE}[name]
    rng = np.random.default_rng(19)
    Jj = ad.jacobian(fn, wrt, mode="auto", jit=True)
    for _ in range(3):
        args = make_args(rng)
        a = Jj(*args)
        np.testing.assert_allclose(a, ad.jacfwd(fn, wrt)(*args), rtol=1e-12, atol=1e-12)
        assert_no_sharing(a, args)


def tiled(x):
    """The input repeated once or four times, chosen by its first value."""
    return np.tile(x, int(x[0] > 0) * 3 + 1)


@pytest.mark.parametrize(
    "fn,xs",
    [
        (positives, [np.array([1.0, -2, 3, -1, 0.5, -0.2]), -np.ones(6), np.arange(1.0, 7.0)]),
        (tiled, [np.array([-1.0, 2, 3]), np.array([1.0, 2, 3]), np.array([-1.0, 2, 3])]),
    ],
    ids=["positives-empty-and-full", "tile-count-by-value"],
)
def test_value_dependent_shapes_more(fn, xs):
    """Output shapes set by values, including empty ones, match jacfwd."""
    J = ad.jacobian(fn, mode="auto")
    for x in xs:
        res, ref = J(x), ad.jacfwd(fn)(x)
        assert res.shape == ref.shape and res.dtype == ref.dtype
        np.testing.assert_allclose(res, ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(res, central_differences(fn, (x,), 0)[0], rtol=1e-6, atol=1e-7)
        assert not np.shares_memory(res, x)
