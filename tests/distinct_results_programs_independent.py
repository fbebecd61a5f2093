"""Programs a user would differentiate, chosen so that two returned arrays could share memory.

Written by an independent tester from the README alone. Each function's docstring says what a
user would use it for. The tests are in tests/test_distinct_results_independent.py.
"""

import dataclasses
from typing import NamedTuple

import numpy as np

# Globals the programs read (never differentiated); the tests check no derivative is one of them.
WEIGHTS = np.array([0.5, -1.5, 2.0, 0.25])
A_MAT = np.array([[2.0, 0.5, -1.0, 0.0], [0.5, 1.0, 0.25, -0.5], [0.0, -0.75, 3.0, 1.0]])
SYM = np.array(
    [[2.0, 0.5, 0.0, 0.1], [0.5, 1.5, 0.2, 0.0], [0.0, 0.2, 1.0, 0.3], [0.1, 0.0, 0.3, 2.5]]
)
OFFSET = np.array([0.1, -0.2, 0.3])


class Params(NamedTuple):
    w: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray


class Model:
    def __init__(self, scale, shift):
        self.scale = scale
        self.shift = shift


# ---- scalar losses -------------------------------------------------------------------------


def residual_plus_bias(x, y):
    """Loss of a prediction sin(x) shifted by a bias vector y: the bias gets the sum's cotangent."""
    return np.sum(np.sin(x) + y)


def difference_energy(x, y):
    """Energy of the difference of two signals: x and y get the same cotangent up to sign."""
    d = x - y
    return np.sum(d * d) + np.sum(x) - np.sum(y)


def two_sums(x, y):
    """Total of two separate parameter vectors, linear in both."""
    return np.sum(x) + np.sum(y)


def weighted_total(x):
    """Weighted score of features x by the global weights (the gradient equals WEIGHTS)."""
    return np.sum(WEIGHTS * x)


def inner_product(x, y):
    """Correlation of two vectors written as x @ y (each gradient is the other argument)."""
    return x @ y


def bias_pair_loss(p):
    """Loss of a dict of two bias vectors added together: both leaves get the same gradient."""
    return np.sum(np.tanh(p["a"] + p["b"]))


def record_loss(p, x):
    """Loss of a NamedTuple of parameters where w and b enter as w + b (equal gradients)."""
    return np.sum(np.tanh(p.w + p.b + x) ** 2)


def layer_loss(layer, x):
    """Squared output of a dataclass layer; the bias gradient is the output's cotangent."""
    z = layer.W @ x + layer.b
    return np.sum(z * z) * 0.5


def model_loss(m, x):
    """Loss of an object with array attributes scale and shift applied to data x."""
    return np.sum(np.log1p(np.exp(m.scale * x + m.shift)))


def mlp_loss(params, x):
    """A two-layer network held as a list of (W, b) tuples, with a squared output."""
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    out = W @ x + b
    return np.sum(out * out)


def nested_loss(tree):
    """A loss over parameters nested three levels deep, where several leaves are summed."""
    inner = tree["enc"]["layers"][0]
    s = inner[0] + inner[1] + tree["head"]["b"]
    return np.sum(s * s) + np.sum(tree["head"]["b"])


def scalar_pair(a, b):
    """A product of two 0-d array parameters plus a linear term (e.g. rate and scale)."""
    return a * b + a + b


def float32_loss(x, y):
    """A float32 loss of two parameter vectors that get the same cotangent."""
    return np.sum(np.cos(x) + y)


def outer_grid_loss(x, y):
    """A loss over all pairs x_i + y_j by broadcasting (the adjoint sums over each axis)."""
    return np.sum(np.sin(x[:, None] + y[None, :]))


def mean_pair(x, y):
    """Average of two means, used as a regulariser of two vectors of the same length."""
    return np.mean(x) + np.mean(y)


def quadratic_form(x, y):
    """A quadratic energy with a coupling term, for Hessian blocks of two parameters."""
    return 0.5 * (x @ SYM @ x) + np.sum(x * y) + 0.5 * np.sum(y * y)


def same_param_twice(x):
    """A smooth loss of one vector, differentiated with wrt naming it twice."""
    return np.sum(np.exp(0.3 * x) * x)


# ---- vector-valued functions ---------------------------------------------------------------


def two_sines(x):
    """Return sin(x) twice (a function whose two outputs compute the same thing)."""
    return np.sin(x), np.sin(x)


def same_output_twice(x):
    """Return one computed array twice, as a function returning (y, y)."""
    y = np.tanh(x)
    return y, y


def input_and_copy(x):
    """Return the input and the input times one."""
    return x, x * 1.0


def overlapping_windows(x):
    """Two overlapping windows of a signal, x[:-1] and x[1:], as returned by a stencil."""
    return x[:-1], x[1:]


def matrix_and_transpose(X):
    """An elementwise map of a matrix and its transpose (a view of it)."""
    y = np.tanh(X)
    return y, y.T


def matrix_and_flat(X):
    """A scaled matrix and its flattened view via reshape."""
    y = X * 2.0
    return y, y.reshape(-1)


def identity(x):
    """The identity map (a placeholder layer that passes its input through)."""
    return x


def identity_pair(x, y):
    """Pass two arrays through unchanged, as a no-op stage of a pipeline."""
    return x, y


def broadcast_rows(x):
    """Repeat a row vector three times with np.broadcast_to (a read-only view in NumPy)."""
    return np.broadcast_to(x, (3, x.shape[0]))


def ravel_matrix(X):
    """Flatten a matrix with np.ravel (a view of the input)."""
    return np.ravel(X)


def matrix_rows(M):
    """Return the three rows of a matrix as separate outputs (slices of one array)."""
    return M[0], M[1], M[2]


def add_vectors(x, y):
    """The sum x + y of two vectors (its Jacobian in x and in y is the same identity)."""
    return x + y


def dict_of_sines(x):
    """A dict of results where two entries compute the same sine."""
    return {"a": np.sin(x), "b": np.sin(x), "c": np.cos(x)}


def affine_map(x):
    """An affine layer A @ x + c with a global matrix (its Jacobian equals the global A)."""
    return A_MAT @ x + OFFSET


def scaled_by_global(x):
    """Elementwise scaling by global weights (its Jacobian is diag(WEIGHTS))."""
    return WEIGHTS * x


def record_passthrough(p):
    """Return the two fields of a NamedTuple of parameters unchanged."""
    return p.w, p.b


def dict_passthrough(d):
    """Return a dict parameter rebuilt with the same leaves (a pytree identity)."""
    return {"u": d["u"], "v": d["v"]}


def float32_pair(x):
    """A float32 map returning the value and its double, with shared sub-expressions."""
    y = np.sin(x)
    return y, y


def zero_d_pair(a):
    """A 0-d array parameter returned with its square (two 0-d results)."""
    return a, a * a


def nested_outputs(x):
    """Outputs nested in a dict of tuples, two leaves of which are the same array."""
    y = np.exp(x)
    return {"first": (y, x), "second": [y * 1.0, y]}


def object_fields(m):
    """Return the two array attributes of an object (a parameter holder) unchanged."""
    return m.scale, m.shift


def transpose_only(X):
    """The transpose of a matrix (a layout change between two stages)."""
    return X.T


def half_norm(x):
    """Half the squared norm, a ridge penalty (its gradient is x and its Hessian the identity)."""
    return 0.5 * np.sum(x * x)


def with_constant_output(x):
    """A feature map returning the sines and a fixed global offset vector beside them."""
    return np.sin(x), OFFSET


def copies_in_loop(x):
    """Three copies of a vector made in a loop (e.g. ensemble members before perturbation)."""
    ys = []
    for _ in range(3):
        ys.append(x * 1.0)
    return ys


def plus_zero_pair(x):
    """A dict of x times one and x plus zero (the same map written two ways)."""
    return {"a": x * 1.0, "b": x + 0.0}


def repeated_sum_loop(x, y):
    """A loss accumulated over three loop iterations of the same sum of x + y."""
    s = 0.0
    for _ in range(3):
        s = s + np.sum(np.tanh(x + y))
    return s


def product_of_pair(p):
    """A loss of a dict of two arrays multiplied (called with one array shared by both keys)."""
    return np.sum(np.tanh(p["a"] * p["b"]))
