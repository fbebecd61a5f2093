"""Programs for test_jacobian_fast_paths_independent.py.

Written by an independent tester from the README and issue 19 only: small models and
losses a user would take Jacobians and Hessians of, with tuple indexing (`x[:, None]`,
`x[i, 1:]`, `A[1:, 0]`), several array arguments, scalars, loops and branches.
"""

import math

import numpy as np

SCALE = 2.0
OFFSET = np.array([0.5, -0.25, 1.0])


# ---------------------------------------------------------------- layers and activations


def linear(W, x, b):
    return W @ x + b


def tanh_layer(W, x, b):
    return np.tanh(W @ x + b)


def vec_mat(x, A):
    return x @ A


def softplus(x):
    return np.log1p(np.exp(x))


def softplus_stable(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def softmax(x):
    z = x - np.max(x)
    e = np.exp(z)
    return e / np.sum(e)


def softmax_rows(X):
    e = np.exp(X - np.max(X, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def mlp(x, W1, b1, W2, b2):
    h = np.tanh(W1 @ x + b1)
    return W2 @ h + b2


def mlp_loss(W1, b1, W2, b2, x, y):
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h + b2
    return 0.5 * np.sum((out - y) ** 2)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---------------------------------------------------------------- losses (scalars)


def mse(w, X, y):
    r = X @ w - y
    return np.mean(r * r)


def logistic_nll(w, X, y):
    z = X @ w
    return np.sum(np.logaddexp(0.0, z) - y * z)


def cross_entropy(logits, label):
    m = np.max(logits)
    lse = m + np.log(np.sum(np.exp(logits - m)))
    return lse - logits[label]


def quad_form(x, A):
    return x @ A @ x


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def pair_energy(x):
    d = x[:, None] - x[None, :]
    return np.sum(np.exp(-(d**2)))


def outer_energy(x, y):
    return np.sum(np.tanh(x[:, None] * y[None, :]))


def scaled_norm(x):
    return SCALE * np.sum(x * x) + np.sum(OFFSET * x)


# ---------------------------------------------------------------- tuple indexing


def outer(x, y):
    return x[:, None] * y[None, :]


def outer_tanh(x, y):
    return np.tanh(x[:, None] * y[None, :])


def pairwise_diff(x):
    return x[:, None] - x[None, :]


def row_tail(X, i):
    return X[i, 1:] * 2.0 + X[0, :-1]


def col_tail(A, x):
    return A[1:, 0] * x[1:] + np.sin(A[0, 1:])


def first_col_sq(A):
    return A[:, 0] ** 2 + A[1:2, 1:].sum()


def column_weights(A, x):
    return np.sum(A * x[:, None], axis=0)


def row_weights(A, x):
    return np.sum(A * x[None, :], axis=1)


def corner_block(A):
    return np.exp(A[:2, 1:]) * A[1, 0]


def scalar_pick(A):
    return A[0, 1] * A[1, 0] - A[1, 1] ** 2


def gram(X):
    return X.T @ X


def indexed_loop(X):
    n = X.shape[0]
    acc = np.zeros(X.shape[1])
    for i in range(n):
        acc = acc + X[i, :] * X[i, 0]
    return acc


# ---------------------------------------------------------------- loops and branches


def sin_loop(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) * x
    return y


def cumulative(x):
    out = []
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] ** 2
        out.append(s)
    return np.array(out)


def branchy(x):
    if np.sum(x) > 0.0:
        return x**2 * SCALE
    else:
        return np.sin(x) + x


def branch_scalar(x):
    if np.sum(x) > 0.0:
        return np.sum(np.exp(x))
    return np.sum(x**4) - np.sum(x)


def poly_scalar(x):
    return x**3 + np.sin(x) * x


def two_scalars(a, b):
    return np.array([a * b, a + np.exp(b), np.sin(a) * b**2])


def math_scalar(x):
    return math.exp(x) * math.sin(x) + x * x


def global_scaled(x):
    return SCALE * np.tanh(x) + OFFSET[: x.shape[0]]


def identity(x):
    return x


def transpose_out(A):
    return A.T * 1.0


def normalise(x):
    return x / np.sqrt(np.sum(x * x))


def layer_norm(x):
    mu = np.mean(x)
    v = np.mean((x - mu) ** 2)
    return (x - mu) / np.sqrt(v + 1e-5)


# ---------------------------------------------------------------- output shapes set by values

K = 2


def head(x, k):
    return x[:k] * 2.0


def head_global(x):
    return np.sin(x[:K])


def shape_by_branch(x):
    if np.sum(x) > 0.0:
        return x[:2] * x[1:3]
    return x * 3.0


def weighted_rows(A, w):
    return A @ w + A[:, 0] * w[0]


def scalar_out_by_branch(x):
    if x[0] > 0.0:
        return np.sum(x**2)
    return np.sum(np.cos(x))


def softplus_sum(x):
    return np.sum(np.log1p(np.exp(x)))


def triple(x):
    return x * 3.0


def sum_sq(x):
    return np.sum(x * x)


def select_two(x):
    return x[:2]


def bias_only(W, x, b):
    return W @ x + b


def affine_scalar(a, b):
    return 2.0 * a - b


def rows_softmax_only_here(X):
    e = np.exp(X - np.max(X, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def sigmoid_only_here(x):
    return 1.0 / (1.0 + np.exp(-x))


def mse_only_here(w, X, y):
    r = X @ w - y
    return np.mean(r * r)
