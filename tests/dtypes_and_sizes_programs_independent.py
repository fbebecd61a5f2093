"""Programs for tests/test_dtypes_and_sizes_independent.py (an independent tester's models:
mixed dtypes, module-level arrays of other dtypes, sizes from 3x4 to 1000x1000)."""

import numpy as np

_rng = np.random.default_rng(7)
W32 = _rng.standard_normal((4, 3)).astype(np.float32)
MASK = _rng.random(4) > 0.3
MASK_I = MASK.astype(np.int64)
T32 = _rng.standard_normal(4).astype(np.float32)
WT16 = _rng.random(4).astype(np.float16)
C32 = np.float32(0.7)


def mse_f32_data(w, x, y):
    r = x @ w - y
    return np.mean(r * r)


def scaled_sum(w):
    return np.sum(np.float32(0.7) * w * w)


def global_c32(w):
    return np.sum(C32 * np.sin(w))


def mean_times_f32(w, x32):
    return np.mean(x32 * w)


def sum_f32_factor(w, x32):
    return np.sum(np.tanh(w) * x32)


def global_weights(w):
    z = W32 @ w
    return np.sum(MASK * (z - T32) ** 2) / np.sum(MASK)


def global_weights_f16(w):
    return np.sum(WT16 * w**2) / np.sum(WT16)


def average_w(w):
    return np.average(w**2, weights=WT16)


def int_mask_mean(w):
    return np.mean(MASK_I * w * w)


def logreg(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, z) - y * z)


def dense_sum(W, x, b):
    return np.sum(np.tanh(W @ x + b))


def mlp(W1, b1, W2, X):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2
    return np.mean(out**2)


def outer_np(u, v):
    return np.sum(np.sin(np.outer(u, v)))


def outer_bc(u, v):
    return np.sum(np.sin(u[:, None] * v[None, :]))


def outer_mm(u, v):
    return np.sum(np.sin(u[:, None] @ v[None, :]))


def attention(Q, K):
    s = Q @ K.T / np.sqrt(Q.shape[1])
    s = s - np.max(s, axis=1, keepdims=True)
    e = np.exp(s)
    p = e / np.sum(e, axis=1, keepdims=True)
    return np.sum(p * p)


def lsq(w, A, b):
    r = A @ w - b
    return 0.5 * np.sum(r**2)


def vec_layer(x, W):
    return np.tanh(W @ x)


def vec_outer(u, v):
    return np.outer(u, v).ravel() ** 2


WT32 = _rng.random(6).astype(np.float32)


def average_w32(w):
    return np.average(np.sin(w), weights=WT32)


def div_by_f32_sum(w):
    return np.sum(WT32 * w**2) / np.sum(WT32)


def div_by_f32_scalar(w):
    return np.sum(w**2) / np.float32(3.1)


def mul_by_f32_recip(w):
    return np.sum(w**2) * (np.float32(1.0) / np.float32(3.1))


def mean_f32_global_target(w):
    return np.mean((w - WT32) ** 2)


def average_axis(W):
    return np.sum(np.average(W**2, axis=1, weights=WT32))


def xw_loss(X, W):
    return np.sum(np.tanh(X @ W))


def xw_lin(X, W):
    return np.sum((X @ W) * (X @ W))


def xtw_loss(X, W):
    return np.sum(np.sin(X.T @ W))


def outer_sum_sq(u, v):
    return np.sum(np.outer(u, v) ** 2)


def outer_mm_lin(u, v, C):
    return np.sum((u[:, None] @ v[None, :]) * C)


def outer_bc_lin(u, v, C):
    return np.sum(u[:, None] * v[None, :] * C)


def np_outer_lin(u, v, C):
    return np.sum(np.outer(u, v) * C)


def rank1_update(A, u, v):
    B = A + np.outer(u, v)
    return np.sum(B * B)


def batch_dense(W, b, X):
    return np.mean(np.maximum(X @ W.T + b, 0.0) ** 2)


def dot_lin(X, W):
    return np.sum(np.dot(X, W) ** 2)


def softmax_vec(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def layer_f32_global(x):
    return np.tanh(W32 @ x)


def normalize(x):
    return x / np.sum(x * x)


def mean_center(x):
    return x - np.mean(x)


def weighted_out(x):
    return WT32[:4] * np.sin(x) / np.sum(WT32[:4])


def attn_row(q, K):
    s = K @ q / np.sqrt(q.shape[0])
    e = np.exp(s - np.max(s))
    return e / np.sum(e)


def mat_out(X, W):
    return np.tanh(X @ W)


S32 = np.float32(3.1)
S16 = np.float16(3.1)


def div_elementwise_f32(w):
    return np.sum(w**2 / np.float32(3.1))


def div_global_s32(w):
    return np.sum(np.sin(w)) / S32


def div_global_s16(w):
    return np.sum(np.sin(w)) / S16


def div_sum_of_f32_target(w):
    return np.sum((w - T32[0]) ** 2) / np.sum(T32**2)


def mean_then_div(w):
    return np.mean(w**2) / S32


def f32_scalar_param_div(w, s):
    return np.sum(w**2) / s


def rsub_div(w):
    return 1.0 - np.sum(w**2) / S32


def ratio_of_sums(w):
    return np.sum(w * WT32) / np.sum(WT32)


def normalized_weights(w):
    p = WT32 / np.sum(WT32)
    return np.sum(p * w**2)
