"""Programs for tests/test_mean_and_ufunc_seeds_independent.py.

Losses and reductions of NumPy ufuncs, the kind of code whose gradient seed (the ones of a
sum, the 1/n of a mean) `grad` now folds into the expression reading it.  Written by an
independent tester from the README and issue 19 alone.
"""

import numpy as np
from scipy import special

# globals read by the programs (never differentiated)
TARGET = np.array([0.25, -0.5, 1.0, 0.75, -1.25])
WEIGHTS32 = np.array([0.5, 1.5, 2.5, 1.0, 3.0], dtype=np.float32)
MASK = np.array([True, False, True, True, False])
COUNTS = np.array([1, 2, 3, 4, 5])
GRID = np.arange(15.0).reshape(3, 5) / 7.0
SCALE = 0.37


# ---------------------------------------------------------------- losses


def mse(w, X, y):
    return np.mean((X @ w - y) ** 2)


def mae(pred, target):
    return np.mean(np.abs(pred - target))


def huber(pred, target):
    r = pred - target
    a = np.abs(r)
    return np.mean(np.where(a < 1.0, 0.5 * r**2, a - 0.5))


def log_cosh(pred, target):
    return np.mean(np.log(np.cosh(pred - target)))


def softplus_loss(z):
    return np.mean(np.log1p(np.exp(z)))


def bce(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def logistic_nll(w, X, y):
    z = X @ w
    return np.mean(np.log1p(np.exp(-z)) + (1.0 - y) * z)


def mse_global(pred):
    return np.mean((pred - TARGET) ** 2)


def weighted_mse_global32(pred):
    return np.sum(WEIGHTS32 * (pred - TARGET) ** 2) / np.sum(WEIGHTS32)


def masked_mean_global(x):
    return np.sum(np.where(MASK, np.sin(x), 0.0)) / np.sum(MASK)


def counts_weighted(x):
    return np.mean(np.exp(x) * COUNTS)


def make_closure_loss(target):
    def closure_loss(pred):
        return np.mean(np.tanh(pred - target) ** 2)

    return closure_loss


# ----------------------------------------------------------- reductions


def sum_rows_mean(X):
    return np.mean(np.sum(X**2, axis=1))


def mean_of_means(X):
    return np.mean(np.mean(np.sin(X), axis=0))


def centred_sq(X):
    return np.sum((X - X.mean(axis=0, keepdims=True)) ** 2)


def mean_keepdims_sq(X):
    return np.sum(np.mean(np.exp(X), axis=1, keepdims=True) ** 2)


def weighted_mean(x, w):
    return np.sum(w * x**2) / np.sum(w)


def method_mean(x):
    return (x**2).mean()


def method_sum(x):
    return np.sin(x).sum()


def average_plain(x):
    return np.average(np.tanh(x))


def average_weighted(x, w):
    return np.average(np.sin(x), weights=w)


def mean_in_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.mean(np.sin(x * (i + 1)))
    return s


def mean_in_branch(x, flag):
    if flag:
        return np.mean(np.exp(x))
    return np.sum(np.cos(x))


def several_reductions(x):
    return np.mean(np.exp(x)) + np.sum(np.sin(x)) + np.mean(x**2) - np.sum(np.abs(x))


def mean_3d(T):
    return np.mean(np.tanh(T))


def sum_3d_axes(T):
    return np.sum(np.mean(np.sin(T), axis=(0, 2)) ** 2)


def mean_scaled_twice(x):
    return 2.0 * np.mean(np.sin(x)) + np.mean(np.cos(x)) / 4.0


def mean_negated(x):
    return -np.mean(np.log(x))


def std_by_hand(x):
    m = np.mean(x)
    return np.mean((x - m) ** 2)


def mean_sum_len(x):
    return np.sum(np.sin(x)) / len(x) + np.mean(np.cos(x))


def mean_global_scale(x):
    return np.mean(np.sin(x)) * SCALE


# --------------------------------------------------- ufuncs under reductions


def sum_sin(x):
    return np.sum(np.sin(x))


def sum_cos(x):
    return np.sum(np.cos(x))


def mean_exp(x):
    return np.mean(np.exp(x))


def sum_log(x):
    return np.sum(np.log(x))


def mean_sqrt(x):
    return np.mean(np.sqrt(x))


def sum_tanh(x):
    return np.sum(np.tanh(x))


def mean_abs(x):
    return np.mean(np.abs(x))


def sum_sign_times(x):
    return np.sum(np.sign(x) * x**2)


def mean_floor_plus(x):
    return np.mean(np.floor(x) + np.sin(x))


def sum_relu(x):
    return np.sum(np.maximum(x, 0.0))


def mean_minimum(x):
    return np.mean(np.minimum(x, 0.5))


def sum_hypot(x, y):
    return np.sum(np.hypot(x, y))


def mean_arctan2(x, y):
    return np.mean(np.arctan2(x, y))


def sum_power3(x):
    return np.sum(np.power(x, 3))


def mean_power_xy(x, y):
    return np.mean(np.power(x, y))


def sum_square(x):
    return np.sum(np.square(x))


def mean_reciprocal(x):
    return np.mean(np.reciprocal(x))


def sum_expm1(x):
    return np.sum(np.expm1(x))


def mean_log1p(x):
    return np.mean(np.log1p(x))


def sum_clip(x):
    return np.sum(np.clip(x, -0.5, 0.8))


def mean_gelu(x):
    return np.mean(0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x**3))))


def sum_erf(x):
    return np.sum(special.erf(x))


def sum_sin_times_ints(x, k):
    return np.sum(np.sin(x) * k)


def mean_exp_masked(x, m):
    return np.mean(np.exp(x) * m)


def sum_where_cmp(x):
    return np.sum(np.where(x > 0.5, np.sin(x), np.cos(x)))


def sum_times_isnan(x, y):
    return np.sum(np.exp(x) * np.isnan(y))


def sum_times_floor_ints(x, k):
    return np.sum(x * np.floor(k))


def mean_sin_int_scaled(x, k):
    return np.mean(np.sin(x * k))


def sum_hypot_scalar(x):
    return np.sum(np.hypot(x, 2.0))


def sum_row_col(x, y):
    return np.sum(np.sin(x[:, None] * y[None, :]))


def mean_row_col(x, y):
    return np.mean(np.exp(x[:, None] - y[None, :]))


def sum_sin_plus_grid(x):
    return np.sum(np.sin(x) + GRID)


def mean_sin_of_grid(x):
    return np.mean(np.sin(x + GRID))


def nested_sum(x):
    return np.sum(np.sin(np.cos(np.exp(x))))


def nested_mean(x):
    return np.mean(np.sqrt(np.exp(np.sin(x)) + 1.0))


# ------------------------------------------------- for the expected failures


def reg_scaled_mean(w):
    return 0.3 * np.mean(w**2)


def tenth_mean_sin(x):
    return 0.1 * np.mean(np.sin(x))


def plain_mean_sin(x):
    return np.mean(np.sin(x))


def l2_penalty(w, lam):
    return np.mean(w**2) * lam


def product_of_means(x, y):
    return np.mean(np.sin(x)) * np.mean(y)
