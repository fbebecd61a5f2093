"""Independent tests of the Jacobians' fast path for later calls (reused code and seeds).

Written from the README and issue 19 only. Every program is a module-level function a user
might write; each Jacobian is checked against central differences computed here with NumPy,
forward against reverse, the first call against later calls, results mutated in place,
and the arguments and the plain call's value left unchanged.
"""

import copy
import types

import numpy as np
import pytest

import s2s_ad as ad

# -------------------- programs


def dense_tanh(W, x, b):
    return np.tanh(W @ x + b)


def linear_map(W, x):
    return W @ x


def identity(x):
    return x


def transpose_view(A):
    return A.T


def reversed_view(x):
    return x[::-1]


def tail_view(x):
    return x[1:]


def reshape_view(x):
    return x.reshape(2, -1)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def layer_norm(x, gamma, beta):
    mu = np.mean(x)
    var = np.mean((x - mu) ** 2)
    return gamma * (x - mu) / np.sqrt(var + 1e-5) + beta


def poly_features(x):
    return np.concatenate([x, x**2, x**3, x[:-1] * x[1:]])


def rnn(W, U, h0, xs):
    h = h0
    for t in range(xs.shape[0]):
        h = np.tanh(W @ h + U @ xs[t])
    return h


def spring_forces(pos, k):
    d = np.diff(pos) - 1.0
    return k * (np.pad(d, (0, 1)) - np.pad(d, (1, 0)))


def gravity(pos, m):
    diff = pos[None, :, :] - pos[:, None, :]
    r2 = np.sum(diff**2, axis=-1) + 0.5
    inv = m[None, :] / r2**1.5
    return np.sum(diff * inv[:, :, None], axis=1)


def standardize(x):
    return (x - np.mean(x)) / np.std(x)


def gauss_loglik(mu, sigma, data):
    z = (data - mu) / sigma
    return -0.5 * z**2 - np.log(sigma)


def polar(r, th):
    return r * np.cos(th), r * np.sin(th)


def two_scalars(a, b):
    return np.array([a * b, a + b, np.sin(a) * b])


def scaled_tanh(x, s):
    return s * np.tanh(x / s)


def l2_normalize(x):
    return x / np.linalg.norm(x)


def mlp2(W1, b1, W2, x):
    h = np.tanh(W1 @ x + b1)
    return W2 @ h


def matmul_then_transpose(W, X):
    return (W @ X).T


def rowwise_softmax(Z):
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def euler_decay(y0, rate):
    y = y0
    out = []
    for _ in range(5):
        y = y - 0.1 * rate * y
        out.append(y)
    return np.stack(out)


def positive_part(x):
    return x[x > 0] * 2.0


def branch_shapes(x):
    if np.sum(x) > 0:
        return np.sin(x)
    return np.cos(x[:2]) * 3.0


def branch_dtype(x):
    if x[0] > 0:
        return x * 2.0
    return (x * 2.0).astype(np.float32)


def clipped(x):
    return np.clip(x, -1.0, 1.0) * x


# scalar-valued programs for hessian and grad(mode="forward")


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def log_sum_exp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def quad_form(x, A):
    return 0.5 * x @ (A @ x)


def spring_energy(pos, k):
    d = np.diff(pos) - 1.0
    return 0.5 * k * np.sum(d**2)


def tanh_energy(W, x):
    return np.sum(np.tanh(W @ x) ** 2)


OFFSET = np.array([1.0, -2.0, 0.5])


def returns_other(x, y):
    return y


def global_plus(x):
    return OFFSET + x[0]


def input_and_view(x):
    return x, x[::-1]


def input_twice(x):
    return x, x


def sum_squares(x):
    return np.sum(x**2)


def zero_d(x):
    return np.sum(x * x) * np.ones(())


def cubic(a):
    return a**3 + np.sin(a)


def cubic_total(a):
    return np.sum(a**3 + np.sin(a))


def shift_add(x):
    y = x.copy()
    y[1:] += x[:-1]
    return y


def running_sum(x):
    y = np.zeros_like(x)
    for i in range(x.shape[0]):
        y[i:] += x[i]
    return y


def neighbour_sum(x):
    return x[:-1] + x[1:]


def doubled(x):
    return x + x


def accumulate_inplace(x):
    y = x * 1.0
    y += x
    y *= 0.5
    return y


def mirror(x):
    return np.concatenate([x, x[::-1]])


def iterate_tanh(x, n):
    for _ in range(n):
        x = np.tanh(x) + 0.5 * x
    return x


def activation(x, relu):
    if relu:
        return np.maximum(x, 0.0) * x
    return np.tanh(x)


def activation_named(x, kind):
    if kind == "sin":
        return np.sin(x)
    if kind == "square":
        return x * x
    return np.tanh(x)


def gather(x, idx):
    return x[idx] * 2.0


def window(x, k):
    return x[:k] * x[0]


def masked_by(x, m):
    return x[m > 0] ** 2


SCALE = 2.0
WEIGHTS = np.array([1.0, 2.0, 3.0])


def uses_globals(x):
    return SCALE * np.sin(x) * WEIGHTS


def with_default(x, scale=2.0):
    return np.tanh(scale * x)


# matrix products of directions that are not (or not always) diagonal


def mat_reversed(W, x):
    return W @ x[::-1]


def mat_tail(W, x):
    return np.tanh(W @ x[1:])


def mat_roll(W, x):
    return W @ np.roll(x, 1)


def mat_sorted(W, x):
    return np.tanh(W @ np.sort(x))


def mat_sym(W, x):
    return W @ (x + x[::-1])


def mat_scaled(W, x, c):
    return np.tanh(W @ (x * c) + 0.1)


def mat_left(x, W):
    return np.tanh(x @ W)


def mat_transposed(W, x):
    return W.T @ x


def mat_twice(W, V, x):
    return np.tanh(W @ x) + V @ np.tanh(x)


def mat_two_inputs(W, x, y):
    return np.tanh(W @ x) + W @ y


def mat_dot_forms(W, x):
    return (
        np.dot(W, x) + W.dot(x) * 0.5 + np.matmul(W, x) * 0.25 + np.einsum("ij,j->i", W, x) * 0.125
    )


def mat_column(W, x):
    return np.tanh(W @ x[:, None])


def mat_outer(W, x):
    return W @ np.outer(x, x)


def mat_chain(A, B, x):
    return A @ np.tanh(B @ x)


def mat_gram(X):
    return X.T @ X


def mat_batch(W, X):
    return np.tanh(W @ X)


def mat_quadratic(x, A):
    return x * (A @ x)


def mat_stack(W, x):
    return W @ np.stack([x, 2.0 * x], axis=1)


def mat_concat(W, x):
    return W @ np.concatenate([x, x])


def mat_where(W, x):
    return W @ np.where(x > 0, x, 0.1 * x)


def bilinear(x, y):
    return x * y + np.sin(x)


def tuple_or_array(x):
    if x[0] > 0:
        return x * 2.0, np.sin(x)
    return x * 3.0


def list_out(x):
    return [x * 2.0, np.sin(x[:2])]


def dict_out(x):
    return {"a": x * 2.0, "b": np.cos(x)}


def scalar_or_vector(x):
    if x[0] > 0:
        return np.sum(x * x)
    return x * x


def mlp_params(params, x):
    for W, b in params:
        x = np.tanh(W @ x + b)
    return x


# -------------------- helpers


def num_jac(f, args, wrt, h=1e-6):
    """Central differences, JAX layout: output structure, then wrt structure."""
    args = [
        np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
        for a in args
    ]
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    out0 = f(*args)
    outs0 = out0 if isinstance(out0, tuple) else (out0,)
    blocks = []  # blocks[o][w]
    for _ in outs0:
        blocks.append([None] * len(wrts))
    for wi, i in enumerate(wrts):
        a = args[i]
        if isinstance(a, np.ndarray):
            flat = a.ravel()
            cols = [[] for _ in outs0]
            for k in range(flat.size):
                scale = h * max(1.0, abs(flat[k]))
                ap = flat.copy()
                am = flat.copy()
                ap[k] += scale
                am[k] -= scale
                argp = list(args)
                argm = list(args)
                argp[i] = ap.reshape(a.shape)
                argm[i] = am.reshape(a.shape)
                fp = f(*argp)
                fm = f(*argm)
                fp = fp if isinstance(fp, tuple) else (fp,)
                fm = fm if isinstance(fm, tuple) else (fm,)
                for oi in range(len(outs0)):
                    cols[oi].append(
                        (np.asarray(fp[oi], float) - np.asarray(fm[oi], float)) / (2 * scale)
                    )
            for oi, o in enumerate(outs0):
                oshape = np.shape(o)
                if flat.size == 0:
                    blocks[oi][wi] = np.zeros(oshape + a.shape)
                    continue
                J = np.stack(cols[oi], axis=-1).reshape(oshape + a.shape)
                blocks[oi][wi] = J
        else:
            a = float(a)
            scale = h * max(1.0, abs(a))
            argp = list(args)
            argm = list(args)
            argp[i] = a + scale
            argm[i] = a - scale
            fp = f(*argp)
            fm = f(*argm)
            fp = fp if isinstance(fp, tuple) else (fp,)
            fm = fm if isinstance(fm, tuple) else (fm,)
            for oi in range(len(outs0)):
                blocks[oi][wi] = (np.asarray(fp[oi], float) - np.asarray(fm[oi], float)) / (
                    2 * scale
                )
    res = []
    for oi in range(len(outs0)):
        res.append(tuple(blocks[oi]) if isinstance(wrt, tuple) else blocks[oi][0])
    return tuple(res) if isinstance(out0, tuple) else res[0]


def num_hessian(f, args, wrt=0, h=1e-4):
    x = np.array(args[wrt], dtype=np.float64)
    n = x.size
    H = np.zeros((n, n))
    flat = x.ravel()

    def fx(v):
        a = list(args)
        a[wrt] = v.reshape(x.shape)
        return float(f(*a))

    for i in range(n):
        for j in range(n):
            vals = []
            for si, sj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                v = flat.copy()
                v[i] += si * h
                v[j] += sj * h
                vals.append(fx(v))
            H[i, j] = (vals[0] - vals[1] - vals[2] + vals[3]) / (4 * h * h)
    return H.reshape(x.shape + x.shape)


def leaves(t):
    if isinstance(t, (tuple, list)):
        out = []
        for e in t:
            out.extend(leaves(e))
        return out
    return [t]


def assert_close(got, ref, rtol, atol):
    g, r = leaves(got), leaves(ref)
    assert len(g) == len(r)
    for a, b in zip(g, r, strict=False):
        assert np.shape(a) == np.shape(b), (np.shape(a), np.shape(b))
        np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def assert_identical(a, b):
    la, lb = leaves(a), leaves(b)
    assert len(la) == len(lb)
    for x, y in zip(la, lb, strict=False):
        assert type(x) is type(y), (type(x), type(y))
        assert np.shape(x) == np.shape(y)
        assert np.asarray(x).dtype == np.asarray(y).dtype
        assert np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True)


def snapshot(t):
    return copy.deepcopy(
        [np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in leaves(t)]
    )


def assert_same_as_fresh(api, got, want):
    """Bit for bit; `auto` may pick the other order by timing on a fresh function, so to 1e-12."""
    if api == "auto":
        for x, y in zip(leaves(got), leaves(want), strict=False):
            assert np.asarray(x).dtype == np.asarray(y).dtype
        assert_close(got, want, 1e-12, 1e-14)
    else:
        assert_identical(got, want)


def assert_no_sharing(a, b):
    for x in leaves(a):
        for y in leaves(b):
            if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
                assert not np.shares_memory(x, y)


def mutate(t):
    for x in leaves(t):
        if isinstance(x, np.ndarray) and x.size and x.flags.writeable:
            x[...] = 12345.0
            x.flat[0] = np.nan


def fresh(f):
    """The same code as a new function object: derivative caches start empty."""
    g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)
    g.__qualname__ = f.__qualname__
    g.__module__ = f.__module__
    return g


def rnd(rng, *shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape)


# -------------------- cases

# name -> (function, args maker(rng), wrt)
CASES = {
    "dense_x": (dense_tanh, lambda r: (rnd(r, 4, 3), rnd(r, 3), rnd(r, 4)), 1),
    "dense_W": (dense_tanh, lambda r: (rnd(r, 3, 4), rnd(r, 4), rnd(r, 3)), 0),
    "dense_Wb": (dense_tanh, lambda r: (rnd(r, 3, 4), rnd(r, 4), rnd(r, 3)), (0, 2)),
    "dense_b_x": (dense_tanh, lambda r: (rnd(r, 3, 4), rnd(r, 4), rnd(r, 3)), (2, 1)),
    "linear_x": (linear_map, lambda r: (rnd(r, 5, 3), rnd(r, 3)), 1),
    "linear_W": (linear_map, lambda r: (rnd(r, 2, 3), rnd(r, 3)), 0),
    "linear_matrix_x": (linear_map, lambda r: (rnd(r, 3, 4), rnd(r, 4, 2)), 1),
    "identity_vec": (identity, lambda r: (rnd(r, 4),), 0),
    "identity_mat": (identity, lambda r: (rnd(r, 2, 3),), 0),
    "transpose": (transpose_view, lambda r: (rnd(r, 2, 3),), 0),
    "reversed": (reversed_view, lambda r: (rnd(r, 5),), 0),
    "tail": (tail_view, lambda r: (rnd(r, 5),), 0),
    "reshape": (reshape_view, lambda r: (rnd(r, 6),), 0),
    "softmax": (softmax, lambda r: (rnd(r, 5),), 0),
    "layer_norm_x": (layer_norm, lambda r: (rnd(r, 5), rnd(r, 5), rnd(r, 5)), 0),
    "layer_norm_all": (layer_norm, lambda r: (rnd(r, 4), rnd(r, 4), rnd(r, 4)), (0, 1, 2)),
    "poly": (poly_features, lambda r: (rnd(r, 4),), 0),
    "rnn_h0": (rnn, lambda r: (rnd(r, 3, 3), rnd(r, 3, 2), rnd(r, 3), rnd(r, 4, 2)), 2),
    "rnn_W": (rnn, lambda r: (rnd(r, 3, 3), rnd(r, 3, 2), rnd(r, 3), rnd(r, 4, 2)), 0),
    "springs": (
        spring_forces,
        lambda r: (np.arange(5.0) * 1.1 + rnd(r, 5, lo=-0.2, hi=0.2), 2.5),
        0,
    ),
    "springs_k": (
        spring_forces,
        lambda r: (np.arange(5.0) * 1.1 + rnd(r, 5, lo=-0.2, hi=0.2), 2.5),
        (0, 1),
    ),
    "gravity": (gravity, lambda r: (rnd(r, 3, 2, lo=-2, hi=2), rnd(r, 3, lo=0.5, hi=1.5)), 0),
    "standardize": (standardize, lambda r: (rnd(r, 5),), 0),
    "gauss_params": (
        gauss_loglik,
        lambda r: (float(r.uniform(-1, 1)), float(r.uniform(0.5, 2)), rnd(r, 6)),
        (0, 1),
    ),
    "gauss_data": (
        gauss_loglik,
        lambda r: (float(r.uniform(-1, 1)), float(r.uniform(0.5, 2)), rnd(r, 6)),
        2,
    ),
    "polar_tuple_out": (polar, lambda r: (rnd(r, 3, lo=0.5, hi=2), rnd(r, 3)), 1),
    "polar_tuple_both": (polar, lambda r: (rnd(r, 3, lo=0.5, hi=2), rnd(r, 3)), (0, 1)),
    "two_scalars": (
        two_scalars,
        lambda r: (float(r.uniform(-1, 1)), float(r.uniform(-1, 1))),
        (0, 1),
    ),
    "two_scalars_a": (two_scalars, lambda r: (float(r.uniform(-1, 1)), float(r.uniform(-1, 1))), 0),
    "scaled_tanh": (scaled_tanh, lambda r: (rnd(r, 4), float(r.uniform(1, 2))), (0, 1)),
    "l2_normalize": (l2_normalize, lambda r: (rnd(r, 4),), 0),
    "mlp2_x": (mlp2, lambda r: (rnd(r, 5, 3), rnd(r, 5), rnd(r, 2, 5), rnd(r, 3)), 3),
    "mlp2_W1": (mlp2, lambda r: (rnd(r, 4, 3), rnd(r, 4), rnd(r, 2, 4), rnd(r, 3)), 0),
    "matmul_T": (matmul_then_transpose, lambda r: (rnd(r, 3, 2), rnd(r, 2, 4)), 1),
    "rowwise_softmax": (rowwise_softmax, lambda r: (rnd(r, 2, 3),), 0),
    "euler": (euler_decay, lambda r: (rnd(r, 3), float(r.uniform(0.5, 1.5))), (0, 1)),
    "clipped": (clipped, lambda r: (rnd(r, 5, lo=-2, hi=2),), 0),
    "returns_other": (returns_other, lambda r: (rnd(r, 3), rnd(r, 2)), 0),
    "returns_other_both": (returns_other, lambda r: (rnd(r, 3), rnd(r, 2)), (0, 1)),
    "global_plus": (global_plus, lambda r: (rnd(r, 2),), 0),
    "input_and_view": (input_and_view, lambda r: (rnd(r, 3),), 0),
    "input_twice": (input_twice, lambda r: (rnd(r, 3),), 0),
    "identity_wrt_twice": (identity, lambda r: (rnd(r, 3),), (0, 0)),
    "sum_squares": (sum_squares, lambda r: (rnd(r, 4),), 0),
    "zero_d": (zero_d, lambda r: (rnd(r, 2, 2),), 0),
    "cubic_float": (cubic, lambda r: (float(r.uniform(-1, 1)),), 0),
    "cubic_0d": (cubic, lambda r: (np.array(r.uniform(-1, 1)),), 0),
    "shift_add": (shift_add, lambda r: (rnd(r, 4),), 0),
    "running_sum": (running_sum, lambda r: (rnd(r, 4),), 0),
    "neighbour_sum": (neighbour_sum, lambda r: (rnd(r, 4),), 0),
    "doubled": (doubled, lambda r: (rnd(r, 3),), 0),
    "accumulate_inplace": (accumulate_inplace, lambda r: (rnd(r, 3),), 0),
    "mirror": (mirror, lambda r: (rnd(r, 3),), 0),
    "dense_large_x": (dense_tanh, lambda r: (rnd(r, 30, 40) * 0.2, rnd(r, 40), rnd(r, 30)), 1),
    "dense_large_W": (dense_tanh, lambda r: (rnd(r, 6, 12) * 0.2, rnd(r, 12), rnd(r, 6)), 0),
    "linear_large_x": (linear_map, lambda r: (rnd(r, 50, 20), rnd(r, 20)), 1),
    "mat_reversed": (mat_reversed, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 1),
    "mat_tail": (mat_tail, lambda r: (rnd(r, 3, 3), rnd(r, 4)), 1),
    "mat_roll": (mat_roll, lambda r: (rnd(r, 4, 4), rnd(r, 4)), 1),
    "mat_sorted": (mat_sorted, lambda r: (rnd(r, 4, 4), rnd(r, 4)), 1),
    "mat_sym": (mat_sym, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 1),
    "mat_scaled": (
        mat_scaled,
        lambda r: (rnd(r, 3, 4), rnd(r, 4), np.array([1.0, 0.0, -2.0, 0.5])),
        1,
    ),
    "mat_left": (mat_left, lambda r: (rnd(r, 4), rnd(r, 4, 3)), 0),
    "mat_left_W": (mat_left, lambda r: (rnd(r, 4), rnd(r, 4, 3)), 1),
    "mat_transposed": (mat_transposed, lambda r: (rnd(r, 4, 3), rnd(r, 4)), 1),
    "mat_twice": (mat_twice, lambda r: (rnd(r, 3, 4), rnd(r, 3, 4), rnd(r, 4)), 2),
    "mat_two_inputs": (mat_two_inputs, lambda r: (rnd(r, 4, 4), rnd(r, 4), rnd(r, 4)), (1, 2)),
    "mat_two_inputs_Wx": (mat_two_inputs, lambda r: (rnd(r, 3, 3), rnd(r, 3), rnd(r, 3)), (0, 1)),
    "mat_dot_forms": (mat_dot_forms, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 1),
    "mat_dot_forms_W": (mat_dot_forms, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 0),
    "mat_column": (mat_column, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 1),
    "mat_outer": (mat_outer, lambda r: (rnd(r, 2, 3), rnd(r, 3)), 1),
    "mat_chain": (mat_chain, lambda r: (rnd(r, 2, 3), rnd(r, 3, 4), rnd(r, 4)), 2),
    "mat_gram": (mat_gram, lambda r: (rnd(r, 3, 2),), 0),
    "mat_batch_X": (mat_batch, lambda r: (rnd(r, 3, 4), rnd(r, 4, 2)), 1),
    "mat_batch_W": (mat_batch, lambda r: (rnd(r, 3, 4), rnd(r, 4, 2)), 0),
    "mat_quadratic": (mat_quadratic, lambda r: (rnd(r, 4), rnd(r, 4, 4)), 0),
    "mat_stack": (mat_stack, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 1),
    "mat_concat": (mat_concat, lambda r: (rnd(r, 3, 6), rnd(r, 3)), 1),
    "mat_where": (mat_where, lambda r: (rnd(r, 3, 4), rnd(r, 4)), 1),
    "mat_square_identity": (linear_map, lambda r: (np.eye(4) + 0.0, rnd(r, 4)), 1),
}

APIS = {
    "jacfwd": lambda f, wrt: ad.jacfwd(f, wrt),
    "jacrev": lambda f, wrt: ad.jacrev(f, wrt),
    "auto": lambda f, wrt: ad.jacobian(f, wrt, mode="auto"),
    "forward": lambda f, wrt: ad.jacobian(f, wrt, mode="forward"),
    "reverse": lambda f, wrt: ad.jacobian(f, wrt, mode="reverse"),
}

RTOL = 1e-6
ATOL = 1e-7

XFAIL = {}


def params_repeat():
    out = []
    for c in CASES:
        for a in APIS:
            marks = XFAIL.get((c, a), ())
            out.append(pytest.param(c, a, id=f"{c}-{a}", marks=marks))
    return out


@pytest.mark.parametrize("case,api", params_repeat())
def test_repeat_calls(case, api):
    f, make, wrt = CASES[case]
    args = make(np.random.default_rng(1))
    saved = snapshot(args)
    value0 = f(*copy.deepcopy(args))
    jf = APIS[api](f, wrt)
    ref = num_jac(f, args, wrt)

    J1 = jf(*args)
    assert_close(J1, ref, RTOL, ATOL)
    J2 = jf(*args)
    assert_identical(J1, J2)
    assert_no_sharing(J1, J2)
    assert_no_sharing(J1, args)
    J3 = jf(*args)
    keep = copy.deepcopy(J3)
    assert_identical(J1, J3)
    mutate(J1)
    mutate(J2)
    J4 = jf(*args)
    assert_identical(J4, keep)
    assert_identical(J3, keep)
    # arguments and the plain call's value unchanged
    assert_identical(snapshot(args), saved)
    assert_identical(f(*args), value0)
    # different values, same kinds
    args2 = make(np.random.default_rng(2))
    J5 = jf(*args2)
    assert_close(J5, num_jac(f, args2, wrt), RTOL, ATOL)
    mutate(J4)
    J6 = jf(*args)
    assert_identical(J6, keep)


@pytest.mark.parametrize("case", list(CASES))
def test_forward_matches_reverse(case):
    f, make, wrt = CASES[case]
    for seed in (3, 4):
        args = make(np.random.default_rng(seed))
        Jf = ad.jacfwd(f, wrt)(*args)
        Jr = ad.jacrev(f, wrt)(*args)
        assert_close(Jf, Jr, 1e-12, 1e-14)
        Jf2 = ad.jacfwd(f, wrt)(*args)
        Jr2 = ad.jacrev(f, wrt)(*args)
        assert_identical(Jf, Jf2)
        assert_identical(Jr, Jr2)


# -------------------- alternating kinds


def f32(t):
    return tuple(np.asarray(a, np.float32) if isinstance(a, np.ndarray) else a for a in t)


def as_f64(t):
    def conv(a):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            return np.asarray(a, np.float64)
        if isinstance(a, np.floating):
            return float(a)
        return a

    return tuple(conv(a) for a in t)


def _r(seed):
    return np.random.default_rng(seed)


# name -> (function, wrt, list of argument tuples of different kinds)
ALTERNATIONS = {
    "dense_x": (
        dense_tanh,
        1,
        [
            (rnd(_r(10), 4, 3), rnd(_r(11), 3), rnd(_r(12), 4)),
            (rnd(_r(13), 2, 5), rnd(_r(14), 5), rnd(_r(15), 2)),
            f32((rnd(_r(10), 4, 3), rnd(_r(11), 3), rnd(_r(12), 4))),
            (rnd(_r(10), 4, 3), rnd(_r(11), 3), 0.25),
            (rnd(_r(10), 4, 3), rnd(_r(11), 3), np.float64(-0.5)),
            (rnd(_r(16), 1, 1), rnd(_r(17), 1), rnd(_r(18), 1)),
            (np.zeros((4, 0)), np.zeros(0), rnd(_r(12), 4)),
        ],
    ),
    "dense_W": (
        dense_tanh,
        0,
        [
            (rnd(_r(20), 3, 2), rnd(_r(21), 2), rnd(_r(22), 3)),
            (rnd(_r(23), 2, 3), rnd(_r(24), 3), rnd(_r(25), 2)),
            f32((rnd(_r(20), 3, 2), rnd(_r(21), 2), rnd(_r(22), 3))),
        ],
    ),
    "linear_x": (
        linear_map,
        1,
        [
            (rnd(_r(30), 3, 3), rnd(_r(31), 3)),
            (rnd(_r(32), 4, 2), rnd(_r(33), 2)),
            (rnd(_r(34), 3, 3), rnd(_r(35), 3, 2)),
            f32((rnd(_r(30), 3, 3), rnd(_r(31), 3))),
            (rnd(_r(30), 3, 3).astype(np.float32), rnd(_r(31), 3)),
        ],
    ),
    "softmax": (
        softmax,
        0,
        [(rnd(_r(40), 5),), (rnd(_r(41), 3),), f32((rnd(_r(40), 5),)), (rnd(_r(42), 2, 3),)],
    ),
    "scaled_tanh": (
        scaled_tanh,
        (0, 1),
        [
            (rnd(_r(50), 4), 1.5),
            (0.3, 1.5),
            (*f32((rnd(_r(50), 4),)), 1.5),
            (np.float64(0.3), 1.25),
            (np.array(0.3), 1.25),
            (rnd(_r(51), 2, 2), 2.0),
        ],
    ),
    "two_scalars": (
        two_scalars,
        (0, 1),
        [
            (0.3, -0.7),
            (np.float64(0.3), -0.7),
            (np.float32(0.3), np.float32(-0.7)),
            (np.array(0.3), np.array(-0.7)),
        ],
    ),
    "identity": (
        identity,
        0,
        [
            (rnd(_r(60), 4),),
            (0.5,),
            f32((rnd(_r(60), 4),)),
            (rnd(_r(61), 2, 3),),
            (np.array(0.5),),
            (np.float32(0.5),),
        ],
    ),
    "transpose": (
        transpose_view,
        0,
        [
            (rnd(_r(70), 2, 3),),
            (rnd(_r(71), 3, 2),),
            f32((rnd(_r(70), 2, 3),)),
            (rnd(_r(72), 1, 1),),
            (rnd(_r(73), 3),),
        ],
    ),
    "reversed": (
        reversed_view,
        0,
        [(rnd(_r(80), 5),), (rnd(_r(81), 2),), f32((rnd(_r(80), 5),)), (rnd(_r(82), 3, 2),)],
    ),
    "tail": (
        tail_view,
        0,
        [(rnd(_r(90), 5),), (rnd(_r(91), 2),), f32((rnd(_r(90), 5),)), (rnd(_r(92), 3, 2),)],
    ),
    "reshape": (
        reshape_view,
        0,
        [(rnd(_r(100), 6),), (rnd(_r(101), 4),), f32((rnd(_r(100), 6),)), (rnd(_r(102), 3, 2),)],
    ),
    "polar": (
        polar,
        (0, 1),
        [
            (rnd(_r(110), 3, lo=0.5, hi=2), rnd(_r(111), 3)),
            (1.5, 0.3),
            (1.5, rnd(_r(111), 3)),
            f32((rnd(_r(110), 3, lo=0.5, hi=2), rnd(_r(111), 3))),
        ],
    ),
    "layer_norm": (
        layer_norm,
        0,
        [
            (rnd(_r(120), 5), rnd(_r(121), 5), rnd(_r(122), 5)),
            (rnd(_r(120), 5), 1.0, 0.0),
            (rnd(_r(123), 3), rnd(_r(124), 3), 0.0),
            f32((rnd(_r(120), 5), rnd(_r(121), 5), rnd(_r(122), 5))),
        ],
    ),
    "mlp2_x": (
        mlp2,
        3,
        [
            (rnd(_r(130), 5, 3), rnd(_r(131), 5), rnd(_r(132), 2, 5), rnd(_r(133), 3)),
            (rnd(_r(134), 4, 2), rnd(_r(135), 4), rnd(_r(136), 3, 4), rnd(_r(137), 2)),
            f32((rnd(_r(130), 5, 3), rnd(_r(131), 5), rnd(_r(132), 2, 5), rnd(_r(133), 3))),
        ],
    ),
    "positive_part": (
        positive_part,
        0,
        [
            (np.array([0.5, -0.2, 0.3, -0.9]),),
            (np.array([0.5, 0.2, 0.3, -0.9]),),
            (np.array([-0.5, -0.2, -0.3, -0.9]),),
            (np.array([0.5, 0.2, 0.3, 0.9]),),
        ],
    ),
    "branch_shapes": (
        branch_shapes,
        0,
        [
            (np.array([0.5, 0.2, 0.3]),),
            (np.array([-0.5, -0.2, 0.3]),),
            (np.array([0.1, 0.2, 0.3]),),
        ],
    ),
    "branch_dtype": (
        branch_dtype,
        0,
        [
            (np.array([0.5, 0.2, 0.3]),),
            (np.array([-0.5, 0.2, 0.3]),),
            (np.array([0.7, -0.2, 0.3]),),
        ],
    ),
    "clipped": (
        clipped,
        0,
        [
            (np.array([0.5, -2.0, 3.0]),),
            (np.array([-0.5, 0.2, 0.3]),),
            (np.array([1.5, 1.2, -1.3]),),
        ],
    ),
}

ORDER = [0, 1, 2, 0, 3, 1, 4, 5, 2, 0, 5, 6, 4, 3, 1, 6]


def params_alternate():
    out = []
    for c in ALTERNATIONS:
        for a in APIS:
            marks = XFAIL.get(("alt", c, a), ())
            out.append(pytest.param(c, a, id=f"{c}-{a}", marks=marks))
    return out


def is_f32(a):
    return isinstance(a, (np.ndarray, np.floating)) and np.asarray(a).dtype == np.float32


def tol_for(args):
    if any(is_f32(a) for a in args):
        return 2e-3, 2e-4
    return RTOL, ATOL


def reference(f, args, wrt):
    """Central differences in float64; a larger step where the output itself is float32."""
    if any(is_f32(o) for o in leaves(f(*args))):
        return num_jac(f, as_f64(args), wrt, h=1e-2)
    return num_jac(f, as_f64(args), wrt)


@pytest.mark.parametrize("case,api", params_alternate())
def test_alternating_kinds(case, api):
    f, wrt, variants = ALTERNATIONS[case]
    jf = APIS[api](f, wrt)
    first = {}
    for k in ORDER:
        if k >= len(variants):
            continue
        args = variants[k]
        saved = snapshot(args)
        J = jf(*args)
        assert_identical(snapshot(args), saved)
        if k not in first:
            rtol, atol = tol_for(args)
            assert_close(J, reference(f, args, wrt), rtol, atol)
            Jfresh = APIS[api](fresh(f), wrt)(*args)
            assert_same_as_fresh(api, J, Jfresh)
            first[k] = copy.deepcopy(J)
        else:
            assert_identical(J, first[k])
        mutate(J)


# -------------------- inf and nan in the matrix

W_INF = np.array([[1.0, np.inf, 2.0], [3.0, 4.0, 5.0]])
W_NAN = np.array([[1.0, np.nan, 2.0], [3.0, 4.0, 5.0]])
W_FIN = np.array([[1.0, -1.5, 2.0], [3.0, 4.0, 5.0]])
X3 = np.array([0.5, 0.25, -1.0])
X3_INF = np.array([0.5, np.inf, -1.0])


@pytest.mark.parametrize("api", list(APIS))
def test_inf_in_matrix_linear(api):
    # d(W @ x)/dx is W itself, d(W @ x)/dW[i, j, k] = (i == j) * x[k]
    jx = APIS[api](linear_map, 1)
    jW = APIS[api](linear_map, 0)
    with np.errstate(all="ignore"):
        for W in (W_FIN, W_INF, W_FIN, W_INF):
            saved = W.copy()
            J1 = jx(W, X3)
            J2 = jx(W, X3)
            assert_identical(J1, J2)
            assert_same_as_fresh(api, J1, APIS[api](fresh(linear_map), 1)(W, X3))
            np.testing.assert_array_equal(J1, W)
            mutate(J1)
            np.testing.assert_array_equal(jx(W, X3), W)
            assert_identical(W, saved)
        for x in (X3, X3_INF, X3):
            Jw1 = jW(W_FIN, x)
            Jw2 = jW(W_FIN, x)
            assert_identical(Jw1, Jw2)
            assert_same_as_fresh(api, Jw1, APIS[api](fresh(linear_map), 0)(W_FIN, x))
            mutate(Jw2)
            assert_identical(jW(W_FIN, x), Jw1)
            if np.all(np.isfinite(x)):  # with an inf in x, 0 * inf makes nans (IEEE, as jvp/vjp do)
                expect = np.zeros((2, 2, 3))
                expect[0, 0] = x
                expect[1, 1] = x
                np.testing.assert_array_equal(Jw1, expect)


@pytest.mark.parametrize("api", list(APIS))
def test_nan_in_matrix_dense(api):
    # the row of a nan pre-activation is nan; results must not change from call to call
    b = np.zeros(2)
    jx = APIS[api](dense_tanh, 1)
    with np.errstate(all="ignore"):
        seen = {}
        for key, W in (
            ("fin", W_FIN),
            ("nan", W_NAN),
            ("inf", W_INF),
            ("fin", W_FIN),
            ("nan", W_NAN),
            ("inf", W_INF),
        ):
            J = jx(W, X3, b)
            if key not in seen:
                assert_same_as_fresh(api, J, APIS[api](fresh(dense_tanh), 1)(W, X3, b))
                assert np.all(np.isnan(J[0])) if key == "nan" else True
                seen[key] = J.copy()
            else:
                assert_identical(J, seen[key])
            mutate(J)
        # the finite matrix is right
        assert_close(seen["fin"], num_jac(dense_tanh, (W_FIN, X3, b), 1), RTOL, ATOL)


# -------------------- memory layouts


def layouts(shape, seed):
    base = rnd(_r(seed), *shape)
    c = np.ascontiguousarray(base)
    fort = np.asfortranarray(base)
    big = np.zeros(tuple(2 * s for s in shape))
    strided = big[tuple(slice(None, None, 2) for _ in shape)]
    strided[...] = base
    ro = base.copy()
    ro.flags.writeable = False
    neg = np.ascontiguousarray(base[..., ::-1])[..., ::-1]  # negative strides, same values
    return [c, fort, strided, ro, neg]


LAYOUT_CASES = {
    "dense_x": (dense_tanh, 1),
    "dense_W": (dense_tanh, 0),
    "identity_mat": (identity, 0),
    "transpose": (transpose_view, 0),
    "matmul_T": (matmul_then_transpose, 1),
    "rowwise_softmax": (rowwise_softmax, 0),
}


def layout_args(case, k):
    Ws = layouts((3, 4), 200)
    Xm = layouts((4, 2), 201)
    xs = layouts((4,), 202)
    M = layouts((2, 3), 203)
    b = np.linspace(-0.3, 0.3, 3)
    if case in ("dense_x", "dense_W"):
        return (Ws[k], xs[k], b)
    if case in ("identity_mat", "transpose", "rowwise_softmax"):
        return (M[k],)
    if case == "matmul_T":
        return (Ws[k], Xm[k])
    raise KeyError(case)


@pytest.mark.parametrize("case,api", [(c, a) for c in LAYOUT_CASES for a in APIS])
def test_layouts(case, api):
    """Fortran-ordered, strided, read-only and negative-stride inputs of the same shapes."""
    f, wrt = LAYOUT_CASES[case]
    jf = APIS[api](f, wrt)
    ref = num_jac(f, layout_args(case, 0), wrt)
    results = []
    for k in [0, 1, 2, 3, 4, 3, 2, 1, 0]:
        args = layout_args(case, k)
        saved = snapshot(args)
        J = jf(*args)
        assert_close(J, ref, RTOL, ATOL)
        assert_no_sharing(J, args)
        for j in leaves(J):
            assert j.flags.writeable
        results.append(copy.deepcopy(J))
        mutate(J)
        assert_identical(snapshot(args), saved)
        assert_identical(args[wrt].flags.writeable, k != 3)
    for J in results[1:]:
        assert_close(J, results[0], 1e-13, 1e-15)


# -------------------- hessian, grad(mode="forward")


def _spd(r, n):
    m = rnd(r, n, n)
    return m @ m.T + n * np.eye(n)


SCALAR_CASES = {
    "rosenbrock": (rosenbrock, lambda r: (rnd(r, 4),), 0),
    "logistic_w": (
        logistic_nll,
        lambda r: (rnd(r, 3), rnd(r, 6, 3), (r.uniform(size=6) > 0.5).astype(float)),
        0,
    ),
    "log_sum_exp": (log_sum_exp, lambda r: (rnd(r, 5),), 0),
    "quad_form": (quad_form, lambda r: (rnd(r, 3), _spd(r, 3)), 0),
    "spring_energy": (
        spring_energy,
        lambda r: (np.arange(4.0) + rnd(r, 4, lo=-0.2, hi=0.2), 2.5),
        0,
    ),
    "tanh_energy_W": (tanh_energy, lambda r: (rnd(r, 2, 3), rnd(r, 3)), 0),
    "tanh_energy_x": (tanh_energy, lambda r: (rnd(r, 2, 3), rnd(r, 3)), 1),
    "cubic_float": (cubic, lambda r: (float(r.uniform(-1, 1)),), 0),
    "cubic_total_vec": (cubic_total, lambda r: (rnd(r, 3),), 0),
    "cubic_total_float": (cubic_total, lambda r: (float(r.uniform(-1, 1)),), 0),
    "sum_squares_mat": (sum_squares, lambda r: (rnd(r, 2, 2),), 0),
}


def _same_kind(a, b):
    assert type(a) is type(b)
    assert np.shape(a) == np.shape(b)
    assert np.asarray(a).dtype == np.asarray(b).dtype


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_hessian_repeat(case):
    f, make, wrt = SCALAR_CASES[case]
    args = make(np.random.default_rng(5))
    saved = snapshot(args)
    value0 = f(*args)
    hf = ad.hessian(f, wrt)
    H1 = hf(*args)
    ref = num_hessian(f, args, wrt)
    np.testing.assert_allclose(np.asarray(H1), ref, rtol=1e-5, atol=1e-4)
    n = np.size(args[wrt])
    Hm = np.asarray(H1).reshape(n, n)
    np.testing.assert_allclose(Hm, Hm.T, rtol=1e-12, atol=1e-12)
    H2 = hf(*args)
    assert_identical(H1, H2)
    assert_no_sharing(H1, H2)
    assert_no_sharing(H1, args)
    keep = copy.deepcopy(H2)
    mutate(H1)
    mutate(H2)
    H3 = hf(*args)
    assert_identical(H3, keep)
    assert_identical(snapshot(args), saved)
    assert_identical(f(*args), value0)
    args2 = make(np.random.default_rng(6))
    H4 = hf(*args2)
    np.testing.assert_allclose(np.asarray(H4), num_hessian(f, args2, wrt), rtol=1e-5, atol=1e-4)
    # jacfwd of the reverse gradient and jacrev of it agree with the hessian
    np.testing.assert_allclose(
        np.asarray(ad.jacfwd(ad.grad(f, wrt), wrt)(*args)), np.asarray(keep), rtol=1e-12, atol=1e-12
    )
    mutate(H4)
    assert_identical(hf(*args), keep)


@pytest.mark.parametrize("case", list(SCALAR_CASES))
def test_grad_forward_repeat(case):
    f, make, wrt = SCALAR_CASES[case]
    args = make(np.random.default_rng(7))
    saved = snapshot(args)
    value0 = f(*args)
    gf = ad.grad(f, wrt, mode="forward")
    g1 = gf(*args)
    gr = ad.grad(f, wrt)(*args)
    _same_kind(g1, gr)
    np.testing.assert_allclose(np.asarray(g1), np.asarray(gr), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(g1), num_jac(f, args, wrt), rtol=1e-6, atol=1e-6)
    g2 = gf(*args)
    assert_identical(g1, g2)
    assert_no_sharing(g1, g2)
    assert_no_sharing(g1, args)
    keep = copy.deepcopy(g2)
    mutate(g1)
    mutate(g2)
    assert_identical(gf(*args), keep)
    assert_identical(snapshot(args), saved)
    assert_identical(f(*args), value0)
    args2 = make(np.random.default_rng(8))
    g4 = gf(*args2)
    np.testing.assert_allclose(np.asarray(g4), num_jac(f, args2, wrt), rtol=1e-6, atol=1e-6)
    assert_identical(gf(*args), keep)


SCALAR_ALTERNATIONS = {
    "rosenbrock": (
        rosenbrock,
        0,
        [(rnd(_r(300), 4),), (rnd(_r(301), 3),), f32((rnd(_r(300), 4),)), (rnd(_r(302), 2, 3),)],
    ),
    "cubic_total": (
        cubic_total,
        0,
        [
            (0.3,),
            (rnd(_r(303), 3),),
            (np.float32(0.3),),
            (np.array(0.3),),
            (np.float64(-0.4),),
            f32((rnd(_r(303), 3),)),
        ],
    ),
    "tanh_energy_x": (
        tanh_energy,
        1,
        [
            (rnd(_r(304), 2, 3), rnd(_r(305), 3)),
            (rnd(_r(306), 3, 2), rnd(_r(307), 2)),
            f32((rnd(_r(304), 2, 3), rnd(_r(305), 3))),
            (rnd(_r(304), 2, 3), rnd(_r(305), 3, 2)),
        ],
    ),
    "quad_form": (
        quad_form,
        0,
        [
            (rnd(_r(308), 3), _spd(_r(309), 3)),
            (rnd(_r(310), 2), _spd(_r(311), 2)),
            f32((rnd(_r(308), 3), _spd(_r(309), 3))),
        ],
    ),
}

SCALAR_APIS = {
    "hessian": lambda f, wrt: ad.hessian(f, wrt),
    "grad_forward": lambda f, wrt: ad.grad(f, wrt, mode="forward"),
    "jacfwd": lambda f, wrt: ad.jacfwd(f, wrt),
    "jacrev": lambda f, wrt: ad.jacrev(f, wrt),
}


def _hess_ref(f, args, wrt):
    a = as_f64(args)
    return num_hessian(f, a, wrt)


@pytest.mark.parametrize("case,api", [(c, a) for c in SCALAR_ALTERNATIONS for a in SCALAR_APIS])
def test_scalar_alternating_kinds(case, api):
    f, wrt, variants = SCALAR_ALTERNATIONS[case]
    fn = SCALAR_APIS[api](f, wrt)
    first = {}
    for k in ORDER:
        if k >= len(variants):
            continue
        args = variants[k]
        saved = snapshot(args)
        R = fn(*args)
        assert_identical(snapshot(args), saved)
        if k not in first:
            f32in = any(is_f32(a) for a in args)
            if api == "hessian":
                rtol, atol = (2e-3, 2e-2) if f32in else (1e-5, 1e-4)
                np.testing.assert_allclose(
                    np.asarray(R, float), _hess_ref(f, args, wrt), rtol=rtol, atol=atol
                )
            else:
                rtol, atol = (2e-3, 2e-3) if f32in else (1e-6, 1e-6)
                np.testing.assert_allclose(
                    np.asarray(R, float), num_jac(f, as_f64(args), wrt), rtol=rtol, atol=atol
                )
            assert_identical(R, SCALAR_APIS[api](fresh(f), wrt)(*args))
            first[k] = copy.deepcopy(R)
        else:
            assert_identical(R, first[k])
        mutate(R)


# -------------------- passive arguments, keywords, globals

# (function, wrt, list of (args, kwargs)): the passive arguments change from call to call
PASSIVE_SEQUENCES = {
    "iterate_n": (
        iterate_tanh,
        0,
        [((X3, 2), {}), ((X3, 3), {}), ((X3, 0), {}), ((X3, 2), {}), ((X3, 1), {})],
    ),
    "relu_flag": (
        activation,
        0,
        [((X3, True), {}), ((X3, False), {}), ((X3, True), {}), ((X3, 1), {}), ((X3, 0), {})],
    ),
    "kind_str": (
        activation_named,
        0,
        [((X3, "sin"), {}), ((X3, "square"), {}), ((X3, "tanh"), {}), ((X3, "sin"), {})],
    ),
    "gather_idx": (
        gather,
        0,
        [
            ((X3, np.array([0, 1])), {}),
            ((X3, np.array([2, 2])), {}),
            ((X3, np.array([1, 0])), {}),
            ((X3, np.array([0, 1, 2, 0])), {}),
            ((X3, np.array([0, 1])), {}),
            ((X3, [2, 0]), {}),
        ],
    ),
    "window_k": (window, 0, [((X3, 2), {}), ((X3, 3), {}), ((X3, 1), {}), ((X3, 2), {})]),
    "mask_arg": (
        masked_by,
        0,
        [
            ((X3, np.array([1.0, -1.0, 1.0])), {}),
            ((X3, np.array([1.0, 1.0, 1.0])), {}),
            ((X3, np.array([-1.0, 1.0, -1.0])), {}),
            ((X3, np.array([1.0, -1.0, 1.0])), {}),
        ],
    ),
    "keywords": (
        dense_tanh,
        1,
        [
            ((W_FIN[:, :3], X3, np.zeros(2)), {}),
            ((W_FIN[:, :3],), {"x": X3, "b": np.ones(2)}),
            ((W_FIN[:, :3], X3), {"b": np.array([0.5, -0.5])}),
            ((), {"b": np.zeros(2), "x": X3 * 2.0, "W": W_FIN}),
            ((W_FIN[:, :3], X3, np.zeros(2)), {}),
        ],
    ),
    "keywords_wrt_name": (
        dense_tanh,
        "x",
        [
            ((W_FIN, X3, np.zeros(2)), {}),
            ((W_FIN,), {"x": X3 * 0.5, "b": np.ones(2)}),
            ((), {"W": W_FIN.T.copy(), "x": np.ones(2), "b": np.zeros(3)}),
        ],
    ),
    "default": (
        with_default,
        0,
        [((X3,), {}), ((X3, 3.0), {}), ((X3,), {}), ((X3,), {"scale": 0.5}), ((X3,), {})],
    ),
    "weak_scalar_f32": (
        scaled_tanh,
        0,
        [
            ((X3.astype(np.float32), 1.5), {}),
            ((X3.astype(np.float32), np.float64(1.5)), {}),
            ((X3.astype(np.float32), np.float32(1.5)), {}),
            ((X3.astype(np.float32), 2), {}),
            ((X3.astype(np.float32), 1.5), {}),
        ],
    ),
}


def _bind_ref(f, args, kwargs, wrt):
    """Positional arguments for the reference, with defaults and keywords bound."""
    import inspect

    sig = inspect.signature(f)
    ba = sig.bind(*args, **kwargs)
    ba.apply_defaults()
    names = list(sig.parameters)
    w = names.index(wrt) if isinstance(wrt, str) else wrt
    return tuple(ba.arguments[n] for n in names), w


@pytest.mark.parametrize("case,api", [(c, a) for c in PASSIVE_SEQUENCES for a in APIS])
def test_passive_arguments_change(case, api):
    f, wrt, seq = PASSIVE_SEQUENCES[case]
    jf = APIS[api](f, wrt)
    first = {}
    for _k, (args, kwargs) in enumerate(seq):
        key = repr((args, sorted(kwargs.items())))
        J = jf(*args, **kwargs)
        pos, w = _bind_ref(f, args, kwargs, wrt)
        assert_close(J, reference(f, pos, w), *tol_for(pos))
        Jf = APIS[api](fresh(f), wrt)(*args, **kwargs)
        assert_same_as_fresh(api, J, Jf)
        if key in first:
            assert_identical(J, first[key])
        else:
            first[key] = copy.deepcopy(J)
        mutate(J)


@pytest.mark.parametrize("api", list(APIS))
def test_globals_rebound_between_calls(api):
    global SCALE, WEIGHTS
    old = SCALE, WEIGHTS
    try:
        jf = APIS[api](uses_globals, 0)
        for scale, weights in [
            (2.0, np.array([1.0, 2.0, 3.0])),
            (3.0, np.array([1.0, 2.0, 3.0])),
            (3.0, np.array([-1.0, 0.5, 3.0])),
            (3.0, np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]])),
            (np.float32(1.5), np.array([1.0, 2.0, 3.0])),
            (2.0, np.array([1.0, 2.0, 3.0])),
        ]:
            SCALE, WEIGHTS = scale, weights
            J = jf(X3)
            assert_close(J, num_jac(uses_globals, (X3,), 0), RTOL, ATOL)
            assert_same_as_fresh(api, J, APIS[api](fresh(uses_globals), 0)(X3))
            mutate(J)
        # an update in place of the global array
        SCALE, WEIGHTS = 2.0, np.array([1.0, 2.0, 3.0])
        J1 = jf(X3).copy()
        WEIGHTS[1] = 10.0
        J2 = jf(X3)
        assert_close(J2, num_jac(uses_globals, (X3,), 0), RTOL, ATOL)
        assert not np.array_equal(J1, J2)
    finally:
        SCALE, WEIGHTS = old


# -------------------- kinds refused or changed after fast calls


def _outcome(fn, *args):
    """('ok', result) or ('error', exception type name)."""
    try:
        with np.errstate(all="ignore"):
            return ("ok", fn(*args))
    except Exception as e:
        return ("error", type(e).__name__)


def _same_outcome(a, b, api=None):
    assert a[0] == b[0], (a, b)
    if a[0] == "ok":
        assert_same_as_fresh(api, a[1], b[1])
    else:
        assert a[1] == b[1]


ODD_INPUTS = {
    "list": [0.5, 0.25, -1.0],
    "tuple": (0.5, 0.25, -1.0),
    "int_array": np.array([1, 2, 3]),
    "bool_array": np.array([True, False, True]),
    "complex_array": np.array([0.5, 0.25, -1.0]) + 0j,
    "float16": np.array([0.5, 0.25, -1.0], dtype=np.float16),
    "longdouble": np.array([0.5, 0.25, -1.0], dtype=np.longdouble),
    "int": 2,
    "float_other_shape": np.array([[0.5, 0.25, -1.0]]),
}


@pytest.mark.parametrize("api", [*list(APIS), "hessian_sum", "grad_forward"])
@pytest.mark.parametrize("odd", list(ODD_INPUTS))
def test_odd_kind_after_fast_calls(odd, api):
    """After two calls with a float64 vector, a call of another kind does what a fresh call does."""
    if api == "hessian_sum":
        f = cubic_total
        mk = lambda g: ad.hessian(g)  # noqa: E731
    elif api == "grad_forward":
        f = cubic_total
        mk = lambda g: ad.grad(g, mode="forward")  # noqa: E731
    else:
        f = softmax
        mk = lambda g: APIS[api](g, 0)  # noqa: E731
    fn = mk(f)
    good = np.array([0.1, -0.3, 0.7])
    r1 = fn(good)
    r2 = fn(good)
    assert_identical(r1, r2)
    got = _outcome(fn, ODD_INPUTS[odd])
    want = _outcome(mk(fresh(f)), ODD_INPUTS[odd])
    _same_outcome(got, want, api)
    # and the float64 kind still gives the first numbers
    assert_identical(fn(good), r1)


@pytest.mark.parametrize("api", list(APIS))
def test_same_array_for_two_arguments(api):
    x = np.array([0.5, -0.25, 1.5])
    y = np.array([-1.0, 2.0, 0.3])
    jf = APIS[api](bilinear, (0, 1))
    for a, b in [(x, y), (x, x), (y, y), (x, y), (y, x), (x, x)]:
        J = jf(a, b)
        assert_close(J, num_jac(bilinear, (a.copy(), b.copy()), (0, 1)), RTOL, ATOL)
        assert_same_as_fresh(api, J, APIS[api](fresh(bilinear), (0, 1))(a, b))
        mutate(J)
    np.testing.assert_array_equal(x, [0.5, -0.25, 1.5])
    np.testing.assert_array_equal(y, [-1.0, 2.0, 0.3])


@pytest.mark.parametrize("api", list(APIS))
def test_argument_updated_in_place_between_calls(api):
    W = np.array([[0.5, -1.0, 0.25], [1.5, 0.5, -0.5]])
    x = np.array([0.3, -0.2, 0.9])
    b = np.zeros(2)
    jx = APIS[api](dense_tanh, 1)
    jW = APIS[api](dense_tanh, 0)
    for step in range(4):
        Jx = jx(W, x, b)
        JW = jW(W, x, b)
        assert_close(Jx, num_jac(dense_tanh, (W, x, b), 1), RTOL, ATOL)
        assert_close(JW, num_jac(dense_tanh, (W, x, b), 0), RTOL, ATOL)
        # the user updates the arrays in place, as an optimiser does
        W -= 0.3 * JW.sum(axis=0)
        x *= -1.1
        x[step % 3] += 0.5
        b += 0.2


@pytest.mark.parametrize("api", list(APIS))
def test_output_structure_changes_with_values(api):
    for f in (tuple_or_array, scalar_or_vector):
        jf = APIS[api](f, 0)
        for x in (
            [0.5, 0.2, -0.3],
            [-0.5, 0.2, -0.3],
            [0.5, 0.2, -0.3],
            [0.1, 0.1, 0.1],
            [-0.5, 0.2, -0.3],
        ):
            x = np.array(x)
            got = _outcome(jf, x)
            want = _outcome(APIS[api](fresh(f), 0), x)
            _same_outcome(got, want, api)
            if got[0] == "ok":
                assert_close(got[1], num_jac(f, (x,), 0), RTOL, ATOL)
                mutate(got[1])


def _dict_num_jac(x):
    out = dict_out(x)
    res = {}
    for k in out:
        res[k] = num_jac(lambda v, k=k: dict_out(v)[k], (x,), 0)
    return res


@pytest.mark.parametrize("api", list(APIS))
def test_list_and_dict_outputs(api):
    jl = APIS[api](list_out, 0)
    jd = APIS[api](dict_out, 0)
    for x in (
        np.array([0.5, 0.2, -0.3]),
        np.array([0.1, -0.7, 0.4]),
        np.array([0.5, 0.2, -0.3]),
        np.array([0.1, 0.2]),
    ):
        L1 = jl(x)
        assert isinstance(L1, list)
        ref = num_jac(lambda v: tuple(list_out(v)), (x,), 0)
        assert_close(tuple(L1), ref, RTOL, ATOL)
        mutate(L1)
        L2 = jl(x)
        assert_close(tuple(L2), ref, RTOL, ATOL)
        D1 = jd(x)
        dref = _dict_num_jac(x)
        assert set(D1) == set(dref)
        for k in dref:
            assert_close(D1[k], dref[k], RTOL, ATOL)
        mutate(list(D1.values()))
        D2 = jd(x)
        for k in dref:
            assert_close(D2[k], dref[k], RTOL, ATOL)


@pytest.mark.parametrize("api", list(APIS))
def test_structured_params(api):
    rng = np.random.default_rng(9)
    params = [(rnd(rng, 3, 2), rnd(rng, 3)), (rnd(rng, 2, 3), rnd(rng, 2))]
    x = rnd(rng, 2)
    jf = APIS[api](mlp_params, 1)
    ref = num_jac(mlp_params, (params, x), 1)
    J1 = jf(params, x)
    assert_close(J1, ref, RTOL, ATOL)
    mutate(J1)
    assert_close(jf(params, x), ref, RTOL, ATOL)
    # the parameters' Jacobian: blocks in the parameters' structure
    jp = APIS[api](mlp_params, 0)
    P1 = jp(params, x)
    P2 = jp(params, x)
    for (gW, gb), (W, b), (hW, hb) in zip(P1, params, P2, strict=False):
        assert gW.shape == (2, *W.shape) and gb.shape == (2, *b.shape)
        assert_identical((gW, gb), (hW, hb))

    # one entry against central differences
    def f_b0(b0):
        return mlp_params([(params[0][0], b0), params[1]], x)

    assert_close(P1[0][1], num_jac(f_b0, (params[0][1],), 0), RTOL, ATOL)
    mutate([P1[0][0], P1[0][1], P1[1][0], P1[1][1]])
    P3 = jp(params, x)
    assert_identical(P3[0][1], P2[0][1])


# -------------------- jit=True (Numba, optional)

try:
    import numba  # noqa: F401

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

JIT_CASES = {
    "jacfwd_dense_x": (
        lambda f, w: ad.jacfwd(f, w, jit=True),
        lambda f, w: ad.jacfwd(f, w),
        "dense_x",
    ),
    "jacrev_linear_W": (
        lambda f, w: ad.jacrev(f, w, jit=True),
        lambda f, w: ad.jacrev(f, w),
        "linear_W",
    ),
    "jacobian_reverse_identity": (
        lambda f, w: ad.jacobian(f, w, mode="reverse", jit=True),
        lambda f, w: ad.jacobian(f, w, mode="reverse"),
        "identity_vec",
    ),
    "grad_forward_cubic": (
        lambda f, w: ad.grad(f, w, mode="forward", jit=True),
        lambda f, w: ad.grad(f, w, mode="forward"),
        "cubic_total_vec",
    ),
}


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba not installed")
@pytest.mark.parametrize("case", list(JIT_CASES))
def test_jit_repeat(case):
    mk_jit, mk_plain, prog = JIT_CASES[case]
    f, make, wrt = CASES[prog] if prog in CASES else SCALAR_CASES[prog]
    f = fresh(f)  # its own caches, compiled here
    jf = mk_jit(f, wrt)
    args = make(np.random.default_rng(11))
    saved = snapshot(args)
    value0 = f(*args)
    J1 = jf(*args)
    assert_close(J1, num_jac(f, args, wrt), RTOL, ATOL)
    assert_close(J1, mk_plain(f, wrt)(*args), 1e-12, 1e-14)
    J2 = jf(*args)
    assert_identical(J1, J2)
    assert_no_sharing(J1, J2)
    assert_no_sharing(J1, args)
    keep = copy.deepcopy(J2)
    mutate(J1)
    mutate(J2)
    assert_identical(jf(*args), keep)
    args2 = make(np.random.default_rng(12))
    J3 = jf(*args2)
    assert_close(J3, num_jac(f, args2, wrt), RTOL, ATOL)
    mutate(J3)
    assert_identical(jf(*args), keep)
    assert_identical(snapshot(args), saved)
    assert_identical(f(*args), value0)


# -------------------- many signatures, tuples of wrt at second order


@pytest.mark.parametrize("api", ["jacfwd", "jacrev"])
def test_many_signatures(api):
    """More shapes than a cache may hold, then the first ones again."""
    jf = APIS[api](softmax, 0)
    firsts = {}
    sizes = [*list(range(1, 21)), 1, 2, 3, 20, 19, 5]
    for n in sizes:
        z = np.linspace(-1.0, 1.0, n) ** 2
        J = jf(z)
        if n not in firsts:
            assert_close(J, num_jac(softmax, (z,), 0), RTOL, ATOL)
            firsts[n] = J.copy()
        else:
            assert_identical(J, firsts[n])
        mutate(J)


def spring_energy_total(pos, k, rest):
    d = np.diff(pos) - rest
    return 0.5 * k * np.sum(d**2) + 0.1 * np.sum(pos**4)


def num_hessian_multi(f, args, wrt):
    """Blocks H[i][j] = d2 f / d args[wrt[i]] d args[wrt[j]] by central differences."""
    shapes = [np.shape(args[i]) for i in wrt]
    sizes = [int(np.prod(s)) for s in shapes]
    v0 = np.concatenate([np.ravel(np.asarray(args[i], float)) for i in wrt])

    def g(v):
        a = list(args)
        off = 0
        for i, s, n in zip(wrt, shapes, sizes, strict=False):
            part = v[off : off + n]
            a[i] = part.reshape(s) if s else float(part[0])
            off += n
        return f(*a)

    H = num_hessian(g, (v0,), 0)
    offs = np.cumsum([0, *sizes])
    return tuple(
        tuple(
            H[offs[i] : offs[i + 1], offs[j] : offs[j + 1]].reshape(shapes[i] + shapes[j])
            for j in range(len(wrt))
        )
        for i in range(len(wrt))
    )


def test_hessian_wrt_tuple_repeat():
    hf = ad.hessian(spring_energy_total, (0, 1, 2))
    for pos, k, rest in [
        (np.array([0.0, 1.1, 1.9, 3.2]), 2.5, 1.0),
        (np.array([0.0, 0.9, 2.1, 3.0]), 1.5, 0.8),
        (np.array([0.0, 1.1, 1.9, 3.2]), 2.5, 1.0),
        (np.array([0.0, 1.0, 2.5]), 2.0, 1.2),
    ]:
        H = hf(pos, k, rest)
        assert_close(
            H, num_hessian_multi(spring_energy_total, (pos, k, rest), (0, 1, 2)), 1e-5, 1e-4
        )
        assert_identical(H, ad.hessian(fresh(spring_energy_total), (0, 1, 2))(pos, k, rest))
        mutate(H)
    gf = ad.grad(spring_energy_total, (0, 1), mode="forward")
    for pos, k in [
        (np.array([0.0, 1.1, 1.9]), 2.5),
        (np.array([0.0, 1.1, 1.9]), 3.5),
        (np.array([0.0, 1.1]), 2.5),
    ]:
        g = gf(pos, k, 1.0)
        gr = ad.grad(spring_energy_total, (0, 1))(pos, k, 1.0)
        assert type(g[1]) is type(gr[1])
        assert_close(g, gr, 1e-12, 1e-14)
        assert_close(g, num_jac(spring_energy_total, (pos, k, 1.0), (0, 1)), RTOL, ATOL)
        mutate(g)


def energy_steps(x, n):
    for _ in range(n):
        x = x - 0.1 * np.tanh(x)
    return np.sum(x**2)


def test_hessian_passive_int_changes():
    hf = ad.hessian(energy_steps)
    gf = ad.grad(energy_steps, mode="forward")
    x = np.array([0.5, -1.0, 2.0])
    for n in (1, 3, 0, 1, 5, 3):
        H = hf(x, n)
        np.testing.assert_allclose(H, num_hessian(energy_steps, (x, n), 0), rtol=1e-5, atol=1e-4)
        g = gf(x, n)
        np.testing.assert_allclose(g, num_jac(energy_steps, (x, n), 0), rtol=1e-6, atol=1e-6)
        mutate(H)
        mutate(g)
