"""vjp's pullback gives the VJP at the values of the vjp call (an independent tester's programs).

Written from the README and the behaviour described for `vjp` alone, without reading s2s_ad's
code or tests. `y, pullback = s2s_ad.vjp(f, *args)`: whatever the caller writes into arrays
afterwards (the arguments, arrays inside lists, tuples, dicts, NamedTuples, dataclasses and
objects passed in, data batches held fixed, the returned value, module globals, closed-over
arrays, object attributes, views of these), the pullback must return exactly what it returned
when called right after `vjp`; that first result must match central differences of the plain
function; the primal value must equal the plain call's; calling the pullback several times
gives the same result; rebinding a global in between changes nothing.

Each test: `run_case(f, args, mutate)`, which
  1. calls `f` plainly on a deep copy of the arguments (the reference value),
  2. calls `vjp`, checks the value equals the plain call's bit for bit,
  3. calls the pullback once with a random cotangent (the reference result),
  4. checks that result against central differences of the plain function (float64,
     eps 1e-6, rtol 1e-5) with respect to every float leaf of every argument,
  5. runs `mutate`, the caller's writes, in place,
  6. calls the pullback again (twice) and requires exactly the reference result.

The functions differentiated are defined at module level (s2s_ad reads their source).
"""

import copy
import dataclasses
import functools
import math
import types
from typing import NamedTuple

import numpy as np
import pytest
import scipy.special

import s2s_ad as ad
from s2s_ad.errors import S2SError

EPS = 1e-6
RTOL = 1e-5


# --------------------------------------------------------------------------------------------
# the harness
# --------------------------------------------------------------------------------------------


def _is_float_array(v):
    return isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)


def _children(v):
    """(step, child) pairs of a structure: ('item', k) or ('attr', name)."""
    if isinstance(v, dict):
        return [(("item", k), c) for k, c in v.items()]
    if isinstance(v, (list, tuple)):
        return [(("item", i), c) for i, c in enumerate(v)]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return [(("attr", fld.name), getattr(v, fld.name)) for fld in dataclasses.fields(v)]
    if hasattr(v, "__dict__") and not isinstance(v, (type, types.FunctionType)):
        return [(("attr", k), c) for k, c in sorted(vars(v).items()) if not callable(c)]
    return []


def _float_leaves(v, path=()):
    """Paths to the float arrays and Python floats held in a structure."""
    if _is_float_array(v) or isinstance(v, float):
        yield path, v
        return
    for step, child in _children(v):
        yield from _float_leaves(child, (*path, step))


def _get(v, path):
    for kind, key in path:
        v = v[key] if kind == "item" else getattr(v, key)
    return v


def _dot(ct, out):
    """<ct, out> over matching structures."""
    if isinstance(out, (tuple, list)):
        assert len(ct) == len(out)
        return sum(_dot(c, o) for c, o in zip(ct, out, strict=True))
    if isinstance(out, dict):
        return sum(_dot(ct[k], out[k]) for k in out)
    return float(np.sum(np.asarray(ct, dtype=np.float64) * np.asarray(out, dtype=np.float64)))


def _random_like(out, rng):
    if isinstance(out, tuple):
        return tuple(_random_like(o, rng) for o in out)
    if isinstance(out, list):
        return [_random_like(o, rng) for o in out]
    if isinstance(out, dict):
        return {k: _random_like(o, rng) for k, o in out.items()}
    if isinstance(out, np.ndarray) and out.ndim > 0:
        return rng.standard_normal(out.shape)
    return float(rng.standard_normal())


def _assert_tree_equal(got, want, where="result"):
    """Exact equality of two structures of arrays and numbers."""
    if want is None:
        assert got is None, f"{where}: expected None, got {got!r}"
        return
    if isinstance(want, (np.ndarray, float, int, np.floating, np.integer)):
        assert got is not None, f"{where}: got None, expected {want!r}"
        np.testing.assert_array_equal(
            np.asarray(got), np.asarray(want), err_msg=f"{where}: changed (got vs expected)"
        )
        assert np.shape(got) == np.shape(want), (
            f"{where}: shape {np.shape(got)} != {np.shape(want)}"
        )
        return
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)), f"{where}: {type(got)} where a sequence was expected"
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _assert_tree_equal(g, w, f"{where}[{i}]")
        return
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{where}: keys differ"
        for k in want:
            _assert_tree_equal(got[k], want[k], f"{where}[{k!r}]")
        return
    # dataclasses and objects: their attributes
    for k, w in vars(want).items():
        _assert_tree_equal(getattr(got, k, None), w, f"{where}.{k}")


def _fd_vjp(f, args, ct, path):
    """Central difference of <ct, f(args)> with respect to every element of one float leaf."""
    argi, inner = path[0][1], path[1:]

    def phi(work):
        return _dot(ct, f(*copy.deepcopy(work)))

    work = [copy.deepcopy(a) for a in args]  # each argument its own copy: partials
    leaf = _get(work[argi], inner)
    if isinstance(leaf, float):  # a Python float: set it where it is held
        vals = []
        for sign in (1.0, -1.0):
            w2 = copy.deepcopy(work)
            if inner:
                kind, key = inner[-1]
                parent = _get(w2[argi], inner[:-1])
                assert not isinstance(parent, tuple), "test harness: float in a tuple"
                if kind == "item":
                    parent[key] = leaf + sign * EPS
                else:
                    setattr(parent, key, leaf + sign * EPS)
            else:
                w2[argi] = leaf + sign * EPS
            vals.append(phi(w2))
        return (vals[0] - vals[1]) / (2 * EPS)
    grad = np.zeros(leaf.shape)
    for idx in np.ndindex(leaf.shape):
        orig = leaf[idx]
        leaf[idx] = orig + EPS
        fp = phi(work)
        leaf[idx] = orig - EPS
        fm = phi(work)
        leaf[idx] = orig
        grad[idx] = (fp - fm) / (2 * EPS)
    return grad


def _check_against_fd(f, args_ref, ct, result):
    assert isinstance(result, tuple), f"pullback returned {type(result)}, not a tuple"
    assert len(result) == len(args_ref), "pullback: one entry per argument"
    for argi, a in enumerate(args_ref):
        if isinstance(a, np.ndarray) and not _is_float_array(a):
            assert result[argi] is None, f"argument {argi} ({a.dtype}) should get None"
    for path, _ in _float_leaves(tuple(args_ref)):
        fd = _fd_vjp(f, args_ref, ct, path)
        got = _get(result, path)
        assert got is not None, f"pullback gave None for float leaf {path}"
        scale = max(1.0, float(np.max(np.abs(fd))) if np.size(fd) else 1.0)
        np.testing.assert_allclose(
            np.asarray(got, dtype=np.float64),
            fd,
            rtol=RTOL,
            atol=1e-6 * scale,
            err_msg=f"pullback vs central differences at leaf {path}",
        )


class Case:
    """What run_case found, for tests that check more afterwards."""

    def __init__(self, y, pullback, ct, first):
        self.y, self.pullback, self.ct, self.first = y, pullback, ct, first


def _scribble(v):
    """The caller's `out[...] = 0` on every float array a result holds."""
    if _is_float_array(v):
        if v.flags.writeable:
            v[...] = 0.0
        return
    for _, child in _children(v):
        _scribble(child)


def _collect(errors, result_of, expected, where):
    """Call the pullback and compare; keep a failure (an assertion, or an error it raised)."""
    try:
        _assert_tree_equal(result_of(), expected, where)
    except Exception as exc:
        errors.append(f"{where}: {type(exc).__name__}: {exc}")


def run_case(f, args, mutate, *, seed=0, fd=True, mutate_again=None):
    """The protocol of the module docstring. `mutate(args, y, first)` writes in place.

    Two `vjp` calls on the same arguments: the first pullback is called right away (the
    reference, checked against central differences), then after the caller's writes; the
    second is called for the first time only after the writes (and after the caller zeroed
    its own output), and must give the reference too. The caller also zeroes the arrays
    the first pullback call returned (an optimiser's `g[...] = 0`), which must change
    nothing either.
    """
    rng = np.random.default_rng(seed)
    args = tuple(args)
    args_ref = copy.deepcopy(args)
    y_plain = f(*copy.deepcopy(args))
    y_late, pullback_late = ad.vjp(f, *args)
    y, pullback = ad.vjp(f, *args)
    _assert_tree_equal(y, y_plain, "primal value vs the plain call")
    _assert_tree_equal(y_late, y_plain, "primal value (second vjp) vs the plain call")
    ct = _random_like(y_plain, rng)
    ct2 = _random_like(y_plain, rng)
    first = pullback(copy.deepcopy(ct))
    first_copy = copy.deepcopy(first)
    first2 = copy.deepcopy(pullback(copy.deepcopy(ct2)))
    if fd:
        _check_against_fd(f, args_ref, ct, first)
    _scribble(first)
    mutate(args, y, first_copy)
    _scribble(y_late)
    errors = []

    def call(pb, c):
        return lambda: pb(copy.deepcopy(c))

    _collect(errors, call(pullback, ct), first_copy, "pullback after the caller's writes")
    _collect(
        errors,
        call(pullback_late, ct),
        first_copy,
        "pullback first called after the caller's writes",
    )
    _collect(
        errors,
        call(pullback_late, ct2),
        first2,
        "pullback first called after the writes, another cotangent",
    )
    if mutate_again is not None:
        mutate_again(args, y, first_copy)
    _collect(errors, call(pullback, ct), first_copy, "pullback called a third time")
    if errors:
        raise AssertionError("\n\n".join(errors))
    return Case(y, pullback, ct, first_copy)


def _rng(seed):
    return np.random.default_rng(seed)


# --------------------------------------------------------------------------------------------
# module state the programs read
# --------------------------------------------------------------------------------------------

W_RNN = np.zeros((3, 3))
U_RNN = np.zeros((3, 2))
GW_FEAT = np.zeros((4, 3))
GB_FEAT = np.zeros(3)
G_SL = np.zeros((4, 6))
G_T = np.zeros((3, 4))
G_POS = np.zeros((3, 3))
G_NEG = np.zeros((3, 3))
KERNEL_G = np.zeros(3)
DECAY_G = np.zeros(3)
G_RAV = np.zeros((2, 3))
T_RIDGE = np.zeros(5)
COEF_G = np.zeros(4)
CFG_G = {"W": np.zeros((2, 3)), "b": np.zeros(2)}
HP_G = types.SimpleNamespace(W=np.zeros((2, 3)), scale=np.ones(2))
W_REC = np.zeros((2, 3))
CALL_COUNT = np.zeros(1)
G_REB = np.zeros((3, 3))
GW1 = np.zeros((4, 3))
GB1 = np.zeros(4)
GW2 = np.zeros((2, 4))
GB2 = np.zeros(2)
G_SCALE = np.ones(3)
W_CK = np.zeros((3, 3))
G_IN = np.zeros((2, 3))
DEF_W = np.array([0.5, -1.0, 2.0])
GL = [np.zeros((3, 3)), np.zeros((2, 3))]
IDX_G = np.array([0, 1])
G_RET = np.zeros(3)


# --------------------------------------------------------------------------------------------
# classes
# --------------------------------------------------------------------------------------------


class Linear:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)


class BatchNorm:
    def __init__(self, gamma, beta, eps=1e-5):
        self.gamma = gamma
        self.beta = beta
        self.eps = eps

    def normalize(self, X):
        mu = np.mean(X, axis=0)
        var = np.var(X, axis=0)
        return self.gamma * (X - mu) / np.sqrt(var + self.eps) + self.beta


class Net:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, x):
        h = x
        for layer in self.layers:
            h = layer.forward(h)
        return np.sum(h**2)


@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray


class Params(NamedTuple):
    w: np.ndarray
    b: np.ndarray


MODEL_G = Linear(np.zeros((2, 3)), np.zeros(2))


# --------------------------------------------------------------------------------------------
# the programs
# --------------------------------------------------------------------------------------------


def dense_tanh(W, b, x):
    return np.tanh(W @ x + b)


def mlp_batch_loss(params, X, T):
    W1, b1, W2, b2 = params
    H = np.tanh(X @ W1 + b1)
    out = H @ W2 + b2
    return np.mean((out - T) ** 2)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def log_softmax(Z):
    m = np.max(Z, axis=1, keepdims=True)
    s = Z - m
    return s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))


def rnn_loss(h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W_RNN @ h + U_RNN @ xs[t])
    return np.sum(h**2)


def _features(x):
    return np.tanh(GW_FEAT @ x)


def helper_global_loss(x):
    feat = _features(x)
    return np.sum(feat**2) + np.sum(np.sin(x) * GB_FEAT)


def sliced_global(x):
    A = G_SL[1:, ::2]
    return np.sum(np.sin(A @ x) ** 2)


def transposed_global(x):
    return np.tanh(G_T.T @ x)


def reshaped_arg(x, v):
    M = x.reshape(2, 3)
    return np.sum(np.tanh(M @ v) ** 2)


def object_method_loss(model, x):
    return np.sum(model.forward(x) ** 2)


def global_object_loss(x):
    return np.sum(np.log1p(np.exp(MODEL_G.forward(x))))


def dataclass_loss(layer, x):
    h = np.tanh(layer.W @ x + layer.b)
    return np.sum(h * h * x[:2])


def dict_params_loss(params, x):
    z = params["W"] @ x + params["b"]
    return np.sum(np.log1p(np.exp(z)) * z)


def namedtuple_loss(p, X):
    return np.sum(np.tanh(X @ p.w + p.b) ** 2)


def make_closure_loss(A, t):
    def loss(x):
        r = A @ np.sin(x) - t
        return 0.5 * (r @ r)

    return loss


def branch_global(x):
    if np.sum(x) > 0:  # noqa: SIM108 (a branch, as users write it)
        M = G_POS
    else:
        M = G_NEG
    return np.sum(np.tanh(M @ x) ** 2)


def branch_args(x, A, B):
    if x[0] > 0:  # noqa: SIM108 (a branch, as users write it)
        y = A @ x
    else:
        y = (B @ x) * 2.0
    return np.sum(np.exp(0.3 * y) * x)


def logistic_rows(w, X, t):
    s = 0.0
    for i in range(X.shape[0]):
        z = X[i] @ w
        s = s + np.log1p(np.exp(-t[i] * z))
    return s / X.shape[0]


def logistic_loss(w, X, t):
    z = X @ w
    return np.mean(np.log1p(np.exp(-t * z))) + 0.1 * np.sum(w**2)


dlogistic = ad.grad(logistic_loss)


def two_outputs(x, W):
    a = np.tanh(W @ x)
    b = np.sin(x) * np.sum(a)
    return a, b


def net_list(params, x):
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    return np.sum((W @ x + b) ** 2) / len(params)


def dict_output(x, W):
    return {"h": np.tanh(W @ x), "s": np.sum(np.exp(x))}


def inplace_scale(x, w):
    x *= 2.0
    return np.sum(np.sin(x) * w)


def inplace_element(x, w):
    y = np.sum(np.sin(x) * w)
    x[0] = 0.0
    return y


def _record_call():
    CALL_COUNT[0] += 1.0


def recording_loss(x):
    y = np.sum(np.tanh(W_REC @ x) ** 2)
    _record_call()
    return y


def rebind_global_loss(x):
    return np.sum(np.tanh(G_REB @ x) ** 2)


def exp_output(x):
    return np.exp(x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def normalize(x):
    return x / np.linalg.norm(x)


def attention(Q, K, V):
    S = Q @ K.T / math.sqrt(Q.shape[1])
    S = S - np.max(S, axis=1, keepdims=True)
    P = np.exp(S)
    P = P / np.sum(P, axis=1, keepdims=True)
    return P @ V


def conv_global(x):
    return np.sum(np.tanh(np.convolve(x, KERNEL_G, mode="valid")) ** 2)


def bn_loss(X, bn):
    Y = bn.normalize(X)
    return np.sum(Y**3)


def _step(x, f):
    return DECAY_G * x + 0.1 * np.sin(f) * x**2


def decay_sim(x0, forcing):
    x = x0
    for t in range(forcing.shape[0]):
        x = _step(x, forcing[t])
    return np.sum(x**2)


def fixed_point(x, A):
    k = 0
    while k < 4:
        x = np.tanh(A @ x) + 0.1
        k += 1
    return np.sum(x * x)


def dict_batch_loss(w, batch):
    X = batch["X"]
    y = batch["y"]
    return np.mean(np.log(np.cosh(X @ w - y)))


def list_data_loss(w, xs):
    s = 0.0
    for x in xs:
        s = s + np.sum(np.tanh(w * x) ** 2)
    return s


def tuple_data_loss(w, data):
    X, t = data
    return np.sum((np.tanh(X @ w) - t) ** 2)


def net_object_loss(net, x):
    return net.loss(x)


def make_model(W1, W2):
    def hidden(x):
        return np.tanh(W1 @ x)

    def model(x):
        return np.sum(np.sin(W2 @ hidden(x)))

    return model


def raveled_global(x):
    w = G_RAV.ravel()
    return np.sum(np.cos(w * x))


def quad_form(x, A):
    return x @ A @ x + np.sum(np.sin(A) * A)


def gram(X):
    return np.tanh(X @ X.T)


def ridge_loss(w, X):
    r = np.tanh(X @ w) - T_RIDGE
    return np.sum(r**2) + 0.5 * np.sum(w**4)


dridge = ad.grad(ridge_loss)


def rows_loss(w, X):
    s = 0.0
    for i in range(X.shape[0]):
        s = s + np.sin(X[i] @ w) ** 2
    return s


drows = ad.grad(rows_loss)


def horner_global(x):
    acc = np.zeros_like(x)
    for c in COEF_G:
        acc = acc * x + c
    return np.sum(np.sin(acc))


def global_dict_loss(x):
    return np.sum(np.tanh(CFG_G["W"] @ x + CFG_G["b"]) ** 2)


def namespace_loss(x):
    return np.sum(HP_G.scale * np.sin(HP_G.W @ x))


def maxpool(x):
    m = np.max(x.reshape(3, 2), axis=1)
    return np.sum(m**2 * np.arange(1.0, 4.0))


def embed_loss(E, idx):
    return np.sum(np.tanh(E[idx]) ** 2)


def masked_loss(x, mask):
    return np.sum(np.exp(x[mask]) * x[mask])


def leaky(x):
    return np.where(x > 0, x, 0.01 * x) * np.sin(x)


def relu_layer(W, x):
    return np.maximum(W @ x, 0.0)


def scaled(x, s):
    return np.tanh(s * x)


def cumulative(x):
    h = x
    out = 0.0
    for _ in range(3):
        h = np.sin(h) * x
        out = out + np.sum(h)
    return out


def _dense(h, W, b):
    return np.tanh(W @ h + b)


def two_layer_helper(x):
    h = _dense(x, GW1, GB1)
    return np.sum(_dense(h, GW2, GB2) ** 2)


def cubic(x):
    return np.sum(x**3)


dobject = ad.grad(object_method_loss, wrt=1)


def matrix_out(x, A):
    return np.outer(np.sin(x), x) @ A


def scaled_global_out(x):
    return np.exp(G_SCALE * x)


def list_params_out(params, x):
    h = np.tanh(params[0] @ x)
    return np.sin(params[1] @ h)


def sum_of_squares_loop(x, W):
    total = 0.0
    for row in W:
        total = total + np.sum((row * x) ** 2)
    return np.log(total)


def elementwise_poly(x):
    y = x * x
    return y * x + np.sqrt(y + 1.0)


def split_view(X):
    return X.T, np.sum(np.tanh(X) ** 2)


def checkpointed_rnn(h, xs):
    for t in ad.checkpoint(range(xs.shape[0]), every=2):
        h = np.tanh(W_CK @ h + xs[t])
    return np.sum(h**2)


def _inner_energy(x):
    return np.sum(np.tanh(G_IN @ x) ** 2)


d_inner = ad.grad(_inner_energy)


def uses_inner_grad(x):
    g = d_inner(x)
    return np.sum(g * np.sin(x))


def f_default(x, w=DEF_W):
    return np.sum(np.sin(w * x) ** 2)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


def poly_steps(x, n):
    for _ in range(n):
        x = np.sin(x) * 1.5
    return np.sum(x)


def stop_grad_product(x):
    return np.sum(x**2 * ad.stop_gradient(x))


def softplus_ruled(x):
    return np.log1p(np.exp(x))


def _softplus_vjp(g, ans, x):
    return g * scipy.special.expit(x) + 0.0 * ans


ad.defvjp(softplus_ruled, _softplus_vjp)
ad.defjvp(softplus_ruled, lambda d, ans, x: d * scipy.special.expit(x))


def ruled_loss(x, W):
    return np.sum(softplus_ruled(W @ x) ** 2)


def logsumexp_rows(Z, w):
    return np.sum(scipy.special.logsumexp(Z * w, axis=1) ** 2)


def global_list_loss(x):
    h = np.tanh(GL[0] @ x)
    return np.sum(np.sin(GL[1] @ h))


def list_output(x, W):
    return [np.tanh(W @ x), np.exp(x)]


def attr_loss(layer, x):
    return np.sum(np.tanh(layer.W @ x + layer.b) ** 2)


ddense = ad.grad(attr_loss, wrt=1)


def make_settable_loss(A):
    def set_A(new):
        nonlocal A
        A = new

    def loss(x):
        return np.sum(np.tanh(A @ x) ** 2)

    return loss, set_A


def scale_by_0d(x, s):
    return np.tanh(s * x)


def sin_product(a, b):
    return np.sum(np.sin(a) * b * a)


def gather_global(E):
    return np.sum(np.tanh(E[IDX_G]) ** 2)


def with_input(x):
    return x, np.sum(np.sin(x) * x)


def with_global(x):
    return G_RET, np.sum(G_RET * np.sin(x) * x)


# --------------------------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------------------------


def test_dense_layer_output_and_arguments_written():
    r = _rng(1)
    W, b, x = r.standard_normal((4, 3)), r.standard_normal(4), r.standard_normal(3)

    def mutate(args, y, g):
        W, b, x = args
        y /= y.sum()
        x[:] = 0.0
        W *= 2.0
        b -= 1.0

    run_case(dense_tanh, (W, b, x), mutate)


def test_dense_layer_only_output_written():
    r = _rng(2)
    W, b, x = r.standard_normal((4, 3)), r.standard_normal(4), r.standard_normal(3)

    def mutate(args, y, g):
        y[:] = 0.0

    run_case(dense_tanh, (W, b, x), mutate)


def test_dense_layer_only_input_written():
    r = _rng(3)
    W, b, x = r.standard_normal((4, 3)), r.standard_normal(4), r.standard_normal(3)

    def mutate(args, y, g):
        args[2][:] = r.standard_normal(3)

    run_case(dense_tanh, (W, b, x), mutate)


def test_mlp_sgd_step_and_next_batch():
    r = _rng(4)
    params = (
        r.standard_normal((3, 4)) * 0.5,
        r.standard_normal(4) * 0.1,
        r.standard_normal((4, 2)) * 0.5,
        r.standard_normal(2) * 0.1,
    )
    X, T = r.standard_normal((5, 3)), r.standard_normal((5, 2))

    def mutate(args, y, g):
        params, X, T = args
        for p, gp in zip(params, g[0], strict=True):
            p -= 0.1 * gp
        X[:] = r.standard_normal((5, 3))
        T[:] = r.standard_normal((5, 2))

    run_case(mlp_batch_loss, (params, X, T), mutate)


def test_softmax_probs_minus_onehot_in_place():
    r = _rng(5)
    z = r.standard_normal(5)

    def mutate(args, probs, g):
        probs[2] -= 1.0  # the cross-entropy gradient computed in the output's buffer

    def mutate_again(args, probs, g):
        probs[:] = 0.0
        args[0][...] *= 3.0

    run_case(softmax, (z,), mutate, mutate_again=mutate_again)


def test_log_softmax_output_zeroed():
    r = _rng(6)
    Z = r.standard_normal((3, 4))

    def mutate(args, out, g):
        out[...] = 0.0
        args[0][...] *= 0.5

    run_case(log_softmax, (Z,), mutate)


def test_rnn_loop_over_global_weights():
    global W_RNN, U_RNN
    r = _rng(7)
    W_RNN = r.standard_normal((3, 3)) * 0.6
    U_RNN = r.standard_normal((3, 2))
    h0, xs = r.standard_normal(3), r.standard_normal((4, 2))

    def mutate(args, y, g):
        W_RNN[...] *= 2.0
        U_RNN[:] = 0.0
        args[1][:] = r.standard_normal((4, 2))

    run_case(rnn_loss, (h0, xs), mutate)


def test_rnn_global_weight_updated_by_training_step():
    global W_RNN, U_RNN
    r = _rng(8)
    W_RNN = r.standard_normal((3, 3)) * 0.6
    U_RNN = r.standard_normal((3, 2))
    h0, xs = r.standard_normal(3), r.standard_normal((4, 2))

    def mutate(args, y, g):
        W_RNN[...] -= 0.5 * np.outer(g[0], g[0])  # the caller's own update rule

    run_case(rnn_loss, (h0, xs), mutate)


def test_helper_reading_global_arrays():
    global GW_FEAT, GB_FEAT
    r = _rng(9)
    GW_FEAT = r.standard_normal((4, 3))
    GB_FEAT = r.standard_normal(3)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        GW_FEAT[:] = 0.0
        GB_FEAT[...] += 1.0

    run_case(helper_global_loss, (x,), mutate)


def test_slice_view_of_global_written_through_a_view():
    global G_SL
    r = _rng(10)
    G_SL = r.standard_normal((4, 6))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        v = G_SL[1:]
        v *= 3.0
        G_SL[0, 0] = 9.0

    run_case(sliced_global, (x,), mutate)


def test_transpose_of_global_copyto_and_output_zeroed():
    global G_T
    r = _rng(11)
    G_T = r.standard_normal((3, 4))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        np.copyto(G_T, r.standard_normal((3, 4)))
        y[...] = 0.0

    run_case(transposed_global, (x,), mutate)


def test_reshape_view_of_argument_written():
    r = _rng(12)
    x, v = r.standard_normal(6), r.standard_normal(3)

    def mutate(args, y, g):
        x, v = args
        x.reshape(2, 3)[0] = 5.0
        v[:] = 0.0

    run_case(reshaped_arg, (x, v), mutate)


def test_object_argument_attributes_updated_by_sgd():
    r = _rng(13)
    model = Linear(r.standard_normal((2, 3)), r.standard_normal(2))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        model, x = args
        model.W -= 0.5 * g[0].W
        model.b[:] = 0.0
        x *= -1.0

    run_case(object_method_loss, (model, x), mutate)


def test_global_object_attributes_written():
    r = _rng(14)
    MODEL_G.W = r.standard_normal((2, 3))
    MODEL_G.b = r.standard_normal(2)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        MODEL_G.W *= 0.0
        MODEL_G.b += 1.0

    run_case(global_object_loss, (x,), mutate)


def test_dataclass_argument_fields_written():
    r = _rng(15)
    layer = Dense(r.standard_normal((2, 3)), r.standard_normal(2))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        layer, x = args
        layer.W[:] = 0.0
        layer.b += 1.0
        x[:] = 2.0

    run_case(dataclass_loss, (layer, x), mutate)


def test_dict_of_parameters_updated_in_place():
    r = _rng(16)
    params = {"W": r.standard_normal((2, 3)), "b": r.standard_normal(2)}
    x = r.standard_normal(3)

    def mutate(args, y, g):
        params, x = args
        params["W"] -= 0.1 * g[0]["W"]
        params["b"][...] = 0.0
        x += 1.0

    run_case(dict_params_loss, (params, x), mutate)


def test_namedtuple_parameters_and_data_written():
    r = _rng(17)
    p = Params(r.standard_normal(3), r.standard_normal(1))
    X = r.standard_normal((4, 3))

    def mutate(args, y, g):
        p, X = args
        p.w[:] = 1.0
        p.b[...] *= -2.0
        X[:] = 0.0

    run_case(namedtuple_loss, (p, X), mutate)


def test_closure_over_arrays_written():
    r = _rng(18)
    A, t = r.standard_normal((4, 3)), r.standard_normal(4)
    loss = make_closure_loss(A, t)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        A[...] *= 2.0
        t[:] = 0.0

    run_case(loss, (x,), mutate)


def test_branch_choosing_a_global_array():
    global G_POS, G_NEG
    r = _rng(19)
    G_POS, G_NEG = r.standard_normal((3, 3)), r.standard_normal((3, 3))
    x = np.abs(r.standard_normal(3))  # sum > 0: G_POS chosen

    def mutate(args, y, g):
        G_POS[:] = 0.0
        G_NEG[...] += 1.0

    run_case(branch_global, (x,), mutate)


def test_branch_choosing_an_argument_then_argument_flipped():
    r = _rng(20)
    x = np.array([0.7, -0.3, 0.2])
    A, B = r.standard_normal((3, 3)), r.standard_normal((3, 3))

    def mutate(args, y, g):
        x, A, B = args
        A[...] = 0.0
        x[0] = -5.0  # would take the other branch now
        B *= 3.0

    run_case(branch_args, (x, A, B), mutate)


def test_loop_over_rows_of_a_data_matrix_next_batch():
    r = _rng(21)
    w = r.standard_normal(3)
    X = r.standard_normal((5, 3))
    t = np.sign(r.standard_normal(5))

    def mutate(args, y, g):
        w, X, t = args
        X[:] = r.standard_normal((5, 3))
        t[:] = -t
        w -= 0.1 * g[0]

    run_case(logistic_rows, (w, X, t), mutate)


def test_loop_over_rows_only_one_row_written():
    r = _rng(22)
    w = r.standard_normal(3)
    X = r.standard_normal((5, 3))
    t = np.sign(r.standard_normal(5))

    def mutate(args, y, g):
        args[1][3] = 0.0

    run_case(logistic_rows, (w, X, t), mutate)


def test_vjp_of_grad_weights_updated_with_the_gradient():
    r = _rng(23)
    w = r.standard_normal(3)
    X = r.standard_normal((6, 3))
    t = np.sign(r.standard_normal(6))

    def mutate(args, g_w, g):
        w, X, _t = args
        w -= 0.5 * g_w
        g_w[:] = 0.0
        X *= 2.0

    run_case(dlogistic, (w, X, t), mutate)


def test_vjp_of_grad_data_batch_replaced():
    r = _rng(24)
    w = r.standard_normal(3)
    X = r.standard_normal((6, 3))
    t = np.sign(r.standard_normal(6))

    def mutate(args, g_w, g):
        args[1][:] = r.standard_normal((6, 3))
        args[2][:] = 1.0

    run_case(dlogistic, (w, X, t), mutate)


def test_vjp_of_grad_reading_a_global():
    global T_RIDGE
    r = _rng(25)
    T_RIDGE = r.standard_normal(5) * 0.5
    w, X = r.standard_normal(3), r.standard_normal((5, 3))

    def mutate(args, g_w, g):
        T_RIDGE[:] = 0.0
        args[0][...] -= 0.1 * g_w

    run_case(dridge, (w, X), mutate)


def test_vjp_of_grad_with_a_loop_over_rows():
    r = _rng(26)
    w, X = r.standard_normal(3), r.standard_normal((4, 3))

    def mutate(args, g_w, g):
        w, X = args
        X[0] = 1.0
        X[2:] *= -1.0
        w[:] = g_w

    run_case(drows, (w, X), mutate)


def test_two_outputs_both_written():
    r = _rng(28)
    x, W = r.standard_normal(3), r.standard_normal((2, 3))

    def mutate(args, y, g):
        a, b = y
        a[:] = 0.0
        b *= 3.0
        args[0][:] = 1.0
        args[1][...] /= 2.0

    run_case(two_outputs, (x, W), mutate)


def test_list_of_layer_tuples_updated_in_place():
    r = _rng(29)
    params = [
        (r.standard_normal((3, 2)), r.standard_normal(3)),
        (r.standard_normal((3, 3)), r.standard_normal(3)),
        (r.standard_normal((1, 3)), r.standard_normal(1)),
    ]
    x = r.standard_normal(2)

    def mutate(args, y, g):
        params, _x = args
        for (W, b), (dW, db) in zip(params, g[0], strict=True):
            W -= 0.3 * dW
            b -= 0.3 * db
        params[0][0][...] = 0.0

    run_case(net_list, (params, x), mutate)


def test_dict_output_written():
    r = _rng(30)
    x, W = r.standard_normal(3), r.standard_normal((2, 3))

    def mutate(args, out, g):
        out["h"][:] = 0.0
        args[0][...] *= 2.0

    run_case(dict_output, (x, W), mutate)


def _refused_at_line(exc, fn):
    """A located S2SError at a line of `fn` in this file."""
    msg = str(exc)
    first = fn.__code__.co_firstlineno
    lines = range(first, first + 20)
    return isinstance(exc, S2SError) and any(f"{__file__}:{n}" in msg for n in lines)


@pytest.mark.parametrize("fn", [inplace_scale, inplace_element], ids=lambda f: f.__name__)
def test_function_updating_its_argument_in_place(fn):
    """README: in-place updates of arguments are refused (catalogued as unsupported).

    Allowed outcomes: a located S2SError at the function's line (refused, as documented),
    or the update done as in the plain call with the right numbers and a pullback that no
    later write changes.
    """
    r = _rng(31)
    x, w = r.standard_normal(3), r.standard_normal(3)
    x_plain = x.copy()
    y_plain = fn(x_plain, w.copy())
    x_before = x.copy()
    try:
        y, pullback = ad.vjp(fn, x, w)
    except S2SError as exc:  # documented as unsupported: refused at the user's line
        assert _refused_at_line(exc, fn), f"refusal does not name the line: {exc}"
        np.testing.assert_array_equal(x, x_before)  # a refusal leaves the caller's array
        return
    _assert_tree_equal(y, y_plain, "primal value vs the plain call")
    np.testing.assert_array_equal(x, x_plain)  # the caller sees the update, as plainly
    ct = 0.7
    first = copy.deepcopy(pullback(ct))
    _check_against_fd(fn, (x_before, w.copy()), ct, first)
    x[:] = 0.0
    w *= 2.0
    _assert_tree_equal(pullback(ct), first, "pullback after the caller's writes")


def test_helper_updating_a_global_counter_keeps_doing_so():
    global W_REC
    r = _rng(32)
    W_REC = r.standard_normal((2, 3))
    x = r.standard_normal(3)
    CALL_COUNT[:] = 0.0
    recording_loss(x.copy())
    assert CALL_COUNT[0] == 1.0
    _y, pullback = ad.vjp(recording_loss, x)
    assert CALL_COUNT[0] == 2.0, "the function's in-place update of module state must happen"
    ct = 1.3
    first = copy.deepcopy(pullback(ct))
    assert CALL_COUNT[0] == 2.0, "the pullback must not run the effect again"
    W_REC_ref = W_REC.copy()
    saved = CALL_COUNT.copy()
    try:
        _check_against_fd(recording_loss, (x.copy(),), ct, first)
    finally:
        CALL_COUNT[:] = saved
        W_REC[...] = W_REC_ref
    W_REC[...] *= 3.0
    CALL_COUNT[:] = 0.0
    x[:] = 0.0
    _assert_tree_equal(pullback(ct), first, "pullback after the caller's writes")
    assert CALL_COUNT[0] == 0.0


def test_rebinding_a_global_between_vjp_and_pullback():
    global G_REB
    r = _rng(33)
    G_REB = r.standard_normal((3, 3))
    x = r.standard_normal(3)
    old = G_REB

    def mutate(args, y, g):
        global G_REB
        G_REB = r.standard_normal((3, 3))  # rebinding: must not change the result

    def mutate_again(args, y, g):
        old[...] = 0.0  # and writing into the array the call read
        G_REB[...] = 1.0

    run_case(rebind_global_loss, (x,), mutate, mutate_again=mutate_again)


def test_pullback_called_between_several_rounds_of_writes():
    r = _rng(34)
    W, b, x = r.standard_normal((4, 3)), r.standard_normal(4), r.standard_normal(3)
    y, pullback = ad.vjp(dense_tanh, W, b, x)
    ct = r.standard_normal(4)
    first = copy.deepcopy(pullback(ct))
    _check_against_fd(dense_tanh, (W.copy(), b.copy(), x.copy()), ct, first)
    for k in range(4):
        W += 0.1 * (k + 1)
        x[k % 3] = -x[k % 3]
        y *= 0.5
        _assert_tree_equal(pullback(ct), first, f"pullback after round {k} of writes")


def test_exp_output_zeroed():
    r = _rng(35)
    x = r.standard_normal(4)

    def mutate(args, y, g):
        y[:] = 0.0

    run_case(exp_output, (x,), mutate)


def test_sigmoid_output_thresholded_in_place():
    r = _rng(36)
    x = r.standard_normal(5)

    def mutate(args, y, g):
        y[y > 0.5] = 1.0
        y[y <= 0.5] = 0.0

    run_case(sigmoid, (x,), mutate)


def test_normalize_input_written():
    r = _rng(37)
    x = r.standard_normal(4)

    def mutate(args, y, g):
        args[0][...] += r.standard_normal(4)
        y[:] = 0.0

    run_case(normalize, (x,), mutate)


def test_attention_keys_written_through_transpose_view():
    r = _rng(38)
    Q, K, V = r.standard_normal((2, 3)), r.standard_normal((4, 3)), r.standard_normal((4, 2))

    def mutate(args, out, g):
        Q, K, V = args
        K.T[0] = 0.0
        V[...] = 0.0
        Q += 1.0
        out[...] = 0.0

    run_case(attention, (Q, K, V), mutate)


def test_convolution_with_global_kernel_written():
    global KERNEL_G
    r = _rng(39)
    KERNEL_G = r.standard_normal(3)
    x = r.standard_normal(6)

    def mutate(args, y, g):
        KERNEL_G[:] = KERNEL_G[::-1].copy()
        KERNEL_G[...] *= 2.0

    run_case(conv_global, (x,), mutate)


def test_batchnorm_object_and_batch_written():
    r = _rng(40)
    X = r.standard_normal((5, 3))
    bn = BatchNorm(r.standard_normal(3), r.standard_normal(3))

    def mutate(args, y, g):
        X, bn = args
        bn.gamma *= 2.0
        bn.beta[:] = 0.0
        X[:] = r.standard_normal((5, 3))

    run_case(bn_loss, (X, bn), mutate)


def test_simulation_loop_helper_reading_global_decay():
    global DECAY_G
    r = _rng(41)
    DECAY_G = np.array([0.9, 0.5, 0.7])
    x0, forcing = r.standard_normal(3) * 0.5, r.standard_normal((5, 3))

    def mutate(args, y, g):
        DECAY_G[:] = 0.0
        args[1][:] = 0.0
        args[0][1] = 3.0

    run_case(decay_sim, (x0, forcing), mutate)


def test_while_loop_matrix_written():
    r = _rng(42)
    x, A = r.standard_normal(3), r.standard_normal((3, 3))

    def mutate(args, y, g):
        x, A = args
        A *= -1.0
        x[:] = 0.0

    run_case(fixed_point, (x, A), mutate)


def test_dict_data_batch_held_fixed_replaced():
    r = _rng(43)
    w = r.standard_normal(3)
    batch = {"X": r.standard_normal((4, 3)), "y": r.standard_normal(4)}

    def mutate(args, y, g):
        _w, batch = args
        batch["X"][:] = r.standard_normal((4, 3))
        batch["y"][:] = r.standard_normal(4)

    run_case(dict_batch_loss, (w, batch), mutate)


def test_list_of_data_arrays_written_in_a_loop():
    r = _rng(44)
    w = r.standard_normal(3)
    xs = [r.standard_normal(3) for _ in range(3)]

    def mutate(args, y, g):
        _w, xs = args
        for a in xs:
            a *= 2.0
        xs[1][:] = 0.0

    run_case(list_data_loss, (w, xs), mutate)


def test_tuple_of_data_arrays_written():
    r = _rng(45)
    w = r.standard_normal(3)
    data = (r.standard_normal((4, 3)), r.standard_normal(4))

    def mutate(args, y, g):
        data = args[1]
        data[0][:] = 0.0
        data[1][...] = 1.0

    run_case(tuple_data_loss, (w, data), mutate)


def test_object_with_list_of_layers_updated():
    r = _rng(46)
    net = Net(
        [
            Linear(r.standard_normal((3, 2)), r.standard_normal(3)),
            Linear(r.standard_normal((2, 3)), r.standard_normal(2)),
        ]
    )
    x = r.standard_normal(2)

    def mutate(args, y, g):
        net, x = args
        net.layers[0].W -= 0.5 * g[0].layers[0].W
        net.layers[1].b[:] = 0.0
        x *= 4.0

    run_case(net_object_loss, (net, x), mutate)


def test_nested_closures_with_helper_over_arrays():
    r = _rng(47)
    W1, W2 = r.standard_normal((4, 3)), r.standard_normal((2, 4))
    model = make_model(W1, W2)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        W1[...] *= 2.0
        W2[:] = 0.0

    run_case(model, (x,), mutate)


def test_ravel_view_of_global_written():
    global G_RAV
    r = _rng(48)
    G_RAV = r.standard_normal((2, 3))
    x = r.standard_normal(6)

    def mutate(args, y, g):
        G_RAV.ravel()[::2] = 5.0  # a view of the contiguous global

    run_case(raveled_global, (x,), mutate)


def test_quadratic_form_matrix_copyto_and_transpose_write():
    r = _rng(49)
    x, A = r.standard_normal(3), r.standard_normal((3, 3))

    def mutate(args, y, g):
        x, A = args
        np.copyto(A, A.T.copy() * 3.0)
        A.T[0] = 0.0
        x[:] = 0.0

    run_case(quad_form, (x, A), mutate)


def test_gram_matrix_output_zeroed():
    r = _rng(50)
    X = r.standard_normal((3, 2))

    def mutate(args, out, g):
        out[...] = 0.0
        args[0][:] = 1.0

    run_case(gram, (X,), mutate)


def test_horner_over_global_coefficients():
    global COEF_G
    r = _rng(51)
    COEF_G = r.standard_normal(4)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        COEF_G[:] = 0.0
        args[0][:] = 2.0

    run_case(horner_global, (x,), mutate)


def test_global_dict_of_arrays_written():
    r = _rng(52)
    CFG_G["W"] = r.standard_normal((2, 3))
    CFG_G["b"] = r.standard_normal(2)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        CFG_G["W"][:] = 0.0
        CFG_G["b"] += 5.0

    run_case(global_dict_loss, (x,), mutate)


def test_global_namespace_arrays_written():
    r = _rng(53)
    HP_G.W = r.standard_normal((2, 3))
    HP_G.scale = np.array([1.5, -0.5])
    x = r.standard_normal(3)

    def mutate(args, y, g):
        HP_G.W *= 2.0
        HP_G.scale[:] = 0.0

    run_case(namespace_loss, (x,), mutate)


def test_maxpool_input_reordered():
    x = np.array([0.3, -1.2, 2.0, 0.5, -0.1, 0.8])

    def mutate(args, y, g):
        args[0][:] = args[0][::-1].copy()

    run_case(maxpool, (x,), mutate)


def test_embedding_lookup_index_batch_replaced():
    r = _rng(54)
    E = r.standard_normal((5, 2))
    idx = np.array([0, 3, 3, 1])

    def mutate(args, y, g):
        args[1][:] = np.array([2, 2, 4, 0])  # the next batch's indices

    run_case(embed_loss, (E, idx), mutate)


def test_boolean_mask_flipped():
    r = _rng(55)
    x = r.standard_normal(5)
    mask = np.array([True, False, True, True, False])

    def mutate(args, y, g):
        args[1][:] = ~args[1]

    run_case(masked_loss, (x, mask), mutate)


def test_leaky_relu_input_negated():
    x = np.array([0.5, -0.7, 1.2, -0.3])

    def mutate(args, y, g):
        args[0][:] = -args[0]
        y[:] = 0.0

    run_case(leaky, (x,), mutate)


def test_relu_layer_everything_negated():
    r = _rng(56)
    W, x = r.standard_normal((4, 3)), r.standard_normal(3)

    def mutate(args, y, g):
        W, x = args
        y[:] = 0.0
        W *= -1.0
        x *= -1.0

    run_case(relu_layer, (W, x), mutate)


def test_python_float_scale_and_array_written():
    r = _rng(57)
    x = r.standard_normal(4)

    def mutate(args, y, g):
        args[0][:] = 10.0
        y /= 2.0

    run_case(scaled, (x, 0.7), mutate)


def test_loop_taping_values_built_from_the_argument():
    r = _rng(58)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        args[0][:] = 0.0

    run_case(cumulative, (x,), mutate)


def test_helper_called_twice_with_global_layers():
    global GW1, GB1, GW2, GB2
    r = _rng(59)
    GW1, GB1 = r.standard_normal((4, 3)), r.standard_normal(4)
    GW2, GB2 = r.standard_normal((2, 4)), r.standard_normal(2)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        GW1[...] *= 0.0
        GB1[...] = 3.0
        GW2[0] = 1.0
        GB2[...] -= 1.0

    run_case(two_layer_helper, (x,), mutate)


def test_cubic_argument_zeroed():
    x = np.array([1.0, -2.0, 0.5])

    def mutate(args, y, g):
        args[0][:] = 0.0

    run_case(cubic, (x,), mutate)


def test_matrix_output_written_through_views():
    r = _rng(60)
    x, A = r.standard_normal(3), r.standard_normal((3, 2))

    def mutate(args, y, g):
        x, A = args
        y.T[0] = 0.0
        y.reshape(-1)[-1] = 7.0
        x[::2] = 1.0
        A[1:] = -A[1:]

    run_case(matrix_out, (x, A), mutate)


def test_exp_of_global_scale_output_and_global_written():
    global G_SCALE
    r = _rng(61)
    G_SCALE = np.array([0.5, 1.5, -1.0])
    x = r.standard_normal(3)

    def mutate(args, y, g):
        y[:] = 1.0
        G_SCALE[:] = 0.0

    run_case(scaled_global_out, (x,), mutate)


def test_list_of_weight_arrays_items_updated():
    r = _rng(62)
    params = [r.standard_normal((4, 3)), r.standard_normal((2, 4))]
    x = r.standard_normal(3)

    def mutate(args, y, g):
        params, _x = args
        for p, gp in zip(params, g[0], strict=True):
            p -= 0.2 * gp
        y[...] = 0.0

    run_case(list_params_out, (params, x), mutate)


def test_loop_over_rows_of_matrix_argument_with_log():
    r = _rng(63)
    x, W = r.standard_normal(3), r.standard_normal((4, 3))

    def mutate(args, y, g):
        x, W = args
        for row in W:
            row *= 0.5
        x[1] = 10.0

    run_case(sum_of_squares_loop, (x, W), mutate)


def test_elementwise_polynomial_output_and_input_written():
    r = _rng(64)
    x = r.standard_normal(4)

    def mutate(args, y, g):
        y -= 1.0
        args[0][...] *= 7.0

    run_case(elementwise_poly, (x,), mutate)


def test_vjp_of_grad_pullback_several_times_with_writes_between():
    r = _rng(65)
    w = r.standard_normal(3)
    X = r.standard_normal((6, 3))
    t = np.sign(r.standard_normal(6))
    g_w, pullback = ad.vjp(dlogistic, w, X, t)
    _assert_tree_equal(g_w, dlogistic(w.copy(), X.copy(), t.copy()), "primal of grad")
    ct = r.standard_normal(3)
    first = copy.deepcopy(pullback(ct))
    _check_against_fd(dlogistic, (w.copy(), X.copy(), t.copy()), ct, first)
    for _ in range(3):
        w -= 0.1 * g_w
        X[:, 0] += 1.0
        _assert_tree_equal(pullback(ct), first, "pullback of grad after a training step")


def test_primal_value_is_the_plain_call_after_writes_to_the_output():
    """The value vjp hands back must be the plain call's, and writing into it changes nothing."""
    r = _rng(66)
    Z = r.standard_normal((2, 4))
    out, pullback = ad.vjp(log_softmax, Z)
    _assert_tree_equal(out, log_softmax(Z.copy()), "primal value")
    ct = r.standard_normal((2, 4))
    first = copy.deepcopy(pullback(ct))
    out += 100.0
    Z[:] = np.nan
    _assert_tree_equal(pullback(ct), first, "pullback after nan written into the argument")


def test_returned_view_of_argument_written():
    r = _rng(70)
    X = r.standard_normal((3, 2))

    def mutate(args, y, g):
        y[0][...] = 0.0  # a view of X: writes X

    run_case(split_view, (X,), mutate)


def test_argument_list_items_rebound_by_sgd():
    r = _rng(71)
    params = [
        (r.standard_normal((3, 2)), r.standard_normal(3)),
        (r.standard_normal((1, 3)), r.standard_normal(1)),
    ]
    x = r.standard_normal(2)

    def mutate(args, y, g):
        params = args[0]
        for i, ((W, b), (dW, db)) in enumerate(zip(params, g[0], strict=True)):
            params[i] = (W - 0.5 * dW, b - 0.5 * db)  # not in place: list items rebound

    run_case(net_list, (params, x), mutate)


def test_argument_dict_items_rebound_by_sgd():
    r = _rng(72)
    params = {"W": r.standard_normal((2, 3)), "b": r.standard_normal(2)}
    x = r.standard_normal(3)

    def mutate(args, y, g):
        params = args[0]
        params["W"] = params["W"] - 0.5 * g[0]["W"]
        params["b"] = np.zeros(2)

    run_case(dict_params_loss, (params, x), mutate)


def test_argument_object_attribute_rebound_by_sgd():
    r = _rng(73)
    model = Linear(r.standard_normal((2, 3)), r.standard_normal(2))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        model = args[0]
        model.W = model.W - 0.5 * g[0].W
        model.b = model.b + 1.0

    run_case(object_method_loss, (model, x), mutate)


def test_global_object_attribute_rebound():
    r = _rng(74)
    MODEL_G.W = r.standard_normal((2, 3))
    MODEL_G.b = r.standard_normal(2)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        MODEL_G.W = np.zeros((2, 3))
        MODEL_G.b = MODEL_G.b * 3.0

    run_case(global_object_loss, (x,), mutate)


def test_checkpointed_loop_over_global_weights_and_argument_sequence():
    global W_CK
    r = _rng(75)
    W_CK = r.standard_normal((3, 3)) * 0.5
    h0, xs = r.standard_normal(3), r.standard_normal((5, 3))

    def mutate(args, y, g):
        W_CK[...] = 0.0
        args[1][:] = 1.0
        args[0].fill(0.0)

    run_case(checkpointed_rnn, (h0, xs), mutate)


def test_grad_of_helper_called_inside_reading_a_global():
    global G_IN
    r = _rng(76)
    G_IN = r.standard_normal((2, 3))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        G_IN[...] *= -2.0
        args[0][...] = 0.5

    run_case(uses_inner_grad, (x,), mutate)


def test_default_argument_array_written():
    r = _rng(77)
    DEF_W[:] = [0.5, -1.0, 2.0]
    x = r.standard_normal(3)

    def mutate(args, y, g):
        DEF_W[:] = 0.0  # the default's array, written by the module's owner

    try:
        run_case(f_default, (x,), mutate)
    finally:
        DEF_W[:] = [0.5, -1.0, 2.0]


def test_partial_with_bound_data_batch_replaced():
    r = _rng(78)
    X, t = r.standard_normal((6, 3)), np.sign(r.standard_normal(6))
    loss = functools.partial(logistic_loss, X=X, t=t)
    w = r.standard_normal(3)

    def mutate(args, y, g):
        X[:] = r.standard_normal((6, 3))
        t[:] = -t
        args[0][...] -= 0.1 * g[0]

    run_case(loss, (w,), mutate)


def test_bound_method_of_object_with_layers():
    r = _rng(79)
    net = Net(
        [
            Linear(r.standard_normal((3, 2)), r.standard_normal(3)),
            Linear(r.standard_normal((2, 3)), r.standard_normal(2)),
        ]
    )
    x = r.standard_normal(2)

    def mutate(args, y, g):
        for layer in net.layers:
            layer.W *= 0.5
            layer.b[...] = 1.0
        args[0][:] = 0.0

    run_case(net.loss, (x,), mutate)


def test_callable_object_weights_written():
    r = _rng(80)
    layer = Affine(r.standard_normal((2, 3)), r.standard_normal(2))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        layer.W[0] = 0.0
        layer.b -= 1.0
        y[...] = 0.0

    run_case(layer, (x,), mutate)


def test_lambda_closing_over_data_batch():
    r = _rng(81)
    X, t = r.standard_normal((6, 3)), np.sign(r.standard_normal(6))
    w = r.standard_normal(3)
    loss = lambda w: logistic_loss(w, X, t)  # noqa: E731

    def mutate(args, y, g):
        X[...] = 0.0
        t[...] = 1.0

    run_case(loss, (w,), mutate)


def test_integer_argument_held_fixed_and_array_written():
    r = _rng(82)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        args[0][:] = 3.0

    run_case(poly_steps, (x, 3), mutate)


def test_stop_gradient_of_argument_written():
    """x**2 * stop_gradient(x): the pullback is ct * 2 x * x at the call's x (no differences:
    the plain call differentiates through stop_gradient, which is x there)."""
    x = np.array([0.5, -1.5, 2.0])
    x0 = x.copy()

    def mutate(args, y, g):
        args[0][:] = 10.0

    case = run_case(stop_grad_product, (x,), mutate, fd=False)
    np.testing.assert_allclose(case.first[0], case.ct * 2 * x0 * x0, rtol=1e-12)


def test_user_rule_reading_its_argument_written():
    r = _rng(83)
    x, W = r.standard_normal(3), r.standard_normal((2, 3))

    def mutate(args, y, g):
        args[0][:] = -5.0
        args[1][...] = 0.0

    run_case(ruled_loss, (x, W), mutate)


def test_scipy_logsumexp_rows_written():
    r = _rng(84)
    Z, w = r.standard_normal((3, 4)), r.standard_normal(4)

    def mutate(args, y, g):
        args[0][1:] = 0.0
        args[1][...] *= -1.0

    run_case(logsumexp_rows, (Z, w), mutate)


def test_global_list_of_weights_written_and_rebound():
    r = _rng(85)
    GL[0] = r.standard_normal((3, 3))
    GL[1] = r.standard_normal((2, 3))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        GL[0][...] = 0.0
        GL[1] = np.ones((2, 3))

    run_case(global_list_loss, (x,), mutate)


def test_list_output_items_written():
    r = _rng(86)
    x, W = r.standard_normal(3), r.standard_normal((2, 3))

    def mutate(args, y, g):
        for item in y:
            item *= 0.0
        args[0][:] = 1.0

    run_case(list_output, (x, W), mutate)


def test_vjp_of_grad_with_respect_to_a_dataclass_layer():
    r = _rng(87)
    layer = Dense(r.standard_normal((2, 3)), r.standard_normal(2))
    x = r.standard_normal(3)

    def mutate(args, g_x, g):
        layer, x = args
        layer.W -= 0.5 * g[0].W
        layer.b[...] = 0.0
        x -= 0.1 * g_x

    run_case(ddense, (layer, x), mutate)


def test_vjp_of_grad_with_respect_to_an_object_with_methods():
    """vjp of grad(f, wrt=1) where the first argument is an object whose method f calls.

    Its cotangent for model.W must be the mixed second derivative (as for a dataclass or
    an object without methods), not zeros.
    """
    r = _rng(27)
    model = Linear(r.standard_normal((2, 3)), r.standard_normal(2))
    x = r.standard_normal(3)

    def mutate(args, g_x, g):
        model, x = args
        model.W *= 3.0
        x -= 0.1 * g_x

    run_case(dobject, (model, x), mutate)


def _linear_map(x, W):
    return W @ x


def _total(x):
    return np.sum(x)


def _passthrough(x, y):
    return x + y, y * 1.0


@pytest.mark.parametrize(
    "fn, args",
    [
        (_total, (np.arange(3.0),)),
        (_linear_map, (np.arange(3.0), np.ones((2, 3)))),
        (_passthrough, (np.arange(3.0), np.ones(3))),
        (cubic, (np.arange(3.0),)),
    ],
    ids=["sum", "linear", "passthrough", "cubic"],
)
def test_only_the_returned_gradients_written(fn, args):
    """No write but the caller zeroing the arrays one pullback call returned (`g[...] = 0`)."""
    r = _rng(88)
    y, pullback = ad.vjp(fn, *args)
    ct = _random_like(y, r)
    first = pullback(copy.deepcopy(ct))
    first_copy = copy.deepcopy(first)
    _check_against_fd(fn, copy.deepcopy(args), ct, first)
    _scribble(first)
    _assert_tree_equal(pullback(copy.deepcopy(ct)), first_copy, "pullback after g[...] = 0")
    _scribble(ct)
    _assert_tree_equal(pullback(_random_like(y, _rng(88))), first_copy, "pullback again")


def test_global_dict_item_and_namespace_attribute_rebound():
    r = _rng(90)
    CFG_G["W"] = r.standard_normal((2, 3))
    CFG_G["b"] = r.standard_normal(2)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        CFG_G["W"] = np.zeros((2, 3))  # rebinding items: must not change the result
        CFG_G["b"] = CFG_G["b"] + 1.0

    run_case(global_dict_loss, (x,), mutate)


def test_global_namespace_attribute_rebound():
    r = _rng(91)
    HP_G.W = r.standard_normal((2, 3))
    HP_G.scale = np.array([1.5, -0.5])
    x = r.standard_normal(3)

    def mutate(args, y, g):
        HP_G.W = np.ones((2, 3))
        HP_G.scale = np.zeros(2)

    run_case(namespace_loss, (x,), mutate)


def test_closure_variable_rebound_then_old_array_written():
    r = _rng(92)
    A = r.standard_normal((2, 3))
    loss, set_A = make_settable_loss(A)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        set_A(np.zeros((2, 3)))  # rebinding the closure's variable

    def mutate_again(args, y, g):
        A[...] = 5.0  # writing into the array the call read

    run_case(loss, (x,), mutate, mutate_again=mutate_again)


def test_zero_dimensional_array_argument_written():
    r = _rng(93)
    x, s = r.standard_normal(4), np.array(0.7)

    def mutate(args, y, g):
        args[1][...] = 2.0
        y[...] = 0.0

    run_case(scale_by_0d, (x, s), mutate)


def test_minibatch_views_of_a_dataset_as_arguments():
    r = _rng(94)
    X_all, t_all = r.standard_normal((10, 3)), np.sign(r.standard_normal(10))
    w = r.standard_normal(3)

    def mutate(args, y, g):
        X_all[:] = r.standard_normal((10, 3))  # the dataset reshuffled in place
        t_all[:] = -t_all

    run_case(logistic_loss, (w, X_all[2:6], t_all[2:6]), mutate)


def test_transposed_view_argument_base_written():
    r = _rng(95)
    M = r.standard_normal((4, 3))
    x = r.standard_normal(3)

    def mutate(args, y, g):
        np.multiply(M, 2.0, out=M)  # a ufunc writing into the base of the argument
        if isinstance(y, np.ndarray) and y.ndim:
            y[...] = 0.0

    run_case(dense_tanh, (M.T.T, np.zeros(4), x), mutate)
    run_case(quad_form, (x, M[:3].T), mutate, seed=1)


def test_same_array_passed_twice():
    r = _rng(96)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        args[0][:] = 0.0  # both arguments

    run_case(sin_product, (x, x), mutate)


def test_global_integer_index_array_written():
    r = _rng(97)
    IDX_G[:] = [0, 2]
    E = r.standard_normal((4, 2))

    def mutate(args, y, g):
        IDX_G[:] = [3, 3]

    try:
        run_case(gather_global, (E,), mutate)
    finally:
        IDX_G[:] = [0, 1]


def test_argument_returned_itself_then_written_through_the_output():
    r = _rng(98)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        y[0][...] = 0.0  # the plain call returns x itself: this may write x

    run_case(with_input, (x,), mutate)


def test_global_returned_itself_then_written_through_the_output():
    global G_RET
    r = _rng(99)
    G_RET = r.standard_normal(3)
    x = r.standard_normal(3)

    def mutate(args, y, g):
        y[0][...] = 0.0  # the plain call returns the global array itself
        G_RET[...] += 1.0

    run_case(with_global, (x,), mutate)
