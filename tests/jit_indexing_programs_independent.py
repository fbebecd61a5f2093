"""Programs for test_jit_indexing_independent.py: basic-index reads and broadcasting
sums as a user writes them, differentiated under jit=True and jit=False."""

import numpy as np

# ---------------------------------------------------------------- scalar outputs


def outer_sin(x, y):
    return np.sum(np.sin(x[:, None] * y[None, :]))


def diag_loop(A, x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += A[i, i] * x[i]
    return s * s


def stencil_energy(u):
    lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
    return np.sum(lap * lap) + u[0] * u[-1]


def row_col_mix(A):
    c = A[:, 0]
    r = A[1, :]
    return np.sum(c * c * r) + np.sum(A[1, 1:] * A[0, :-1]) + A[-1, -1] ** 3


def steps_and_negatives(x):
    rev = x[::-1]
    ev = x[::2]
    od = x[1::2]
    return np.sum(rev * x) + np.sum(ev**2) * x[-2] + np.sum(np.cos(od)) + x[-1:0:-2][0]


def tensor_slices(T):
    a = T[0, :, 1]
    b = T[:, -1, :]
    c = T[1, 0]
    return np.sum(a * a) + np.sum(np.exp(b)) + np.sum(c * T[0, 0]) + T[-1, 1, 0] * T[0, -1, -1]


def none_mix(x):
    a = x[0, None, :2]
    b = x[:, None]
    c = x[None, 1, 1:]
    return np.sum(a * b[1, :, :2]) + np.sum(np.tanh(b) ** 2) + np.sum(c * c * c)


def pair_coulomb(X):
    dx = X[:, None, 0] - X[None, :, 0]
    dy = X[:, None, 1] - X[None, :, 1]
    r2 = dx * dx + dy * dy + 1.0
    return np.sum(1.0 / np.sqrt(r2))


def attention_scores(q, k):
    d = q[:, None, :] - k[None, :, :]
    return np.sum(np.exp(-0.5 * d * d))


def bias_layer(W, b, X):
    h = np.tanh(X @ W + b)
    return np.sum(h * h)


def bias_column(W, c, X):
    z = X @ W + c[:, None]
    return np.sum(np.sin(z))


def length_one_axes(a, b):
    z = a * b + a
    return np.sum(z * z)


def poly_features(x, c):
    P = x[:, None] * c[None, :] + x[:, None] ** 2
    return np.sum(np.cos(P)) + np.sum(P[:, 0] * P[:, -1])


def masked_sum(x, m):
    return np.sum(x * x * m) + np.sum(np.where(m > 0.5, np.sin(x), 0.0))


def rows_loop(A, x):
    n = A.shape[0]
    s = 0.0
    for i in range(n):
        r = np.sum(A[i, :] * x)
        s += r * r + A[i, 0] * x[-1]
    return s


def heat_steps(u, nsteps):
    e = 0.0
    for _ in range(nsteps):
        lap = u[:-2] - 2.0 * u[1:-1] + u[2:]
        u = u[1:-1] + 0.1 * lap * u[1:-1]
        e += np.sum(u * u)
    return e


def softmax_keepdims(Z):
    m = np.max(Z, axis=1, keepdims=True)
    e = np.exp(Z - m)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * p)


def keepdims_center(X):
    mu = np.mean(X, axis=0, keepdims=True)
    return np.sum((X - mu) ** 2)


def variance_ddof(x):
    mu = np.sum(x) / x.shape[0]
    return np.sum((x - mu) ** 2) / (x.shape[0] - 1)


def python_acc(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return np.sqrt(s)


def python_acc_ratio(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s / (x.shape[0] - 1)


# ---------------------------------------------------------------- vector outputs


def stencil_vec(u):
    return u[2:] - 2.0 * u[1:-1] * u[1:-1] + u[:-2]


def outer_mat(x):
    return np.tanh(x[:, None] * x[None, :]) + x[None, :]


def pair_columns(A):
    return A[:, 0] * A[:, 1] + A[::-1, 0]


def tensor_vec(T):
    return T[0, :, 1] * T[1, :, 0] + T[-1, :, -1]


def layer_vec(x, W, b):
    return np.tanh(W @ x + b) * x[0]


def grid_vec(x):
    return (x[:, None] - x[None, :]) ** 2 * x[None, 1:2]


# ---------------------------------------------------------------- indices from values

LAG = 2


def row_by_arg(A, x, i):
    return np.sum(np.tanh(A[i, :] * x)) + A[i, i] * A[-1 - i, i]


def window(x, lo, hi):
    w = x[lo:hi]
    b = x[hi - 1 : lo : -1]
    return np.sum(w * w) * x[hi - 1] + np.sum(np.sin(b))


def lagged(x):
    n = x.shape[0]
    return np.sum(x[LAG:] * x[:-LAG]) + x[n - LAG] ** 2


def chained(A):
    return A[1][0] * A[0][1] + np.sum(A[1][::-1] ** 2)


def ellipsis_last(T):
    return np.sum(T[..., 0] * T[..., -1])


def clamped(x):
    return np.sum(x[:100] ** 3) + np.sum(x[-100:2]) + np.sum(x[5:2] * 4.0)


def time_stepper(u, dt, nsteps):
    e = 0.0
    for _ in range(nsteps):
        flux = u[1:] - u[:-1]
        u = u[1:] * (1.0 - dt * flux)
        e += np.sum(u**2)
    return e


# ---------------------------------------------------------------- probes for single findings


def sq_sum(x):
    return np.sum(x * x)


def sum_squared(x):
    return np.sum(x * x) ** 2


def normalized(x):
    return x / np.sum(x * x)


def gauss_kernel(x, y):
    d = x[:, None] - y[None, :]
    return np.sum(np.exp(-d * d))


def kernel_rows(x, y):
    return np.tanh(x[:, None] - y[None, :])


def shifted_rows(Z, b):
    return np.tanh(Z + b)


def dtype_probe(u):
    lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
    return np.sum(lap * lap * u[1:-1]) + np.sum(u[0, None] * u[-1:])


def dtype_probe_vec(u):
    return u[1:] * u[:-1] + u[None, 0] * 3.0
