"""Programs whose Jacobians and Hessians are taken again and again (independent tester).

Plain NumPy functions, written the way people write what they take Jacobians and Hessians
of: layers, softmax, losses, stencils, ODE right-hand sides, small networks, and the edge
shapes (identity, views of the input, 0-d, 2-d, float32, value-dependent shapes, tuples and
dicts as results, several arguments).
"""

import numpy as np

# -------- globals read by programs

A_MAT = np.array(
    [
        [0.5, -1.0, 2.0],
        [1.5, 0.25, -0.75],
        [-2.0, 1.0, 0.5],
        [0.3, 0.7, -1.1],
    ]
)
B_VEC = np.array([0.1, -0.2, 0.3, -0.4])
S_MAT = np.array([[2.0, 0.5, 0.1], [0.5, 3.0, 0.2], [0.1, 0.2, 4.0]])
GAIN = 2.0
OFFSETS = np.array([1.0, 2.0, 3.0])

W1 = np.array(
    [[0.2, -0.4, 0.1], [0.5, 0.3, -0.2], [-0.1, 0.6, 0.4], [0.7, -0.3, 0.2], [0.05, 0.1, -0.6]]
)
C1 = np.array([0.1, 0.0, -0.1, 0.2, -0.05])
W2 = np.array([[0.3, -0.5, 0.2, 0.1, 0.4], [-0.2, 0.1, 0.6, -0.3, 0.2]])
C2 = np.array([0.05, -0.05])

X_DATA = np.array(
    [
        [1.0, 0.5, -0.3],
        [-0.7, 1.2, 0.4],
        [0.2, -0.9, 1.1],
        [1.5, 0.3, 0.8],
        [-0.4, -0.6, -1.2],
        [0.9, 1.4, -0.2],
    ]
)
Y_DATA = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])


# -------- simplest shapes


def identity(x):
    """The identity: the Jacobian a user checks their setup with (must be the unit matrix)."""
    return x


def double(x):
    """Scaling by a literal: the Jacobian of a unit conversion."""
    return x * 2.0


def reversed_vector(x):
    """The vector read backwards (a view of the input): a permutation Jacobian."""
    return x[::-1]


def transpose_2d(x):
    """The transpose of a matrix argument (a view): 4-d Jacobian of a layout change."""
    return x.T


def tail_view(x):
    """All but the first element (a view of the input), as a shift in a recurrence."""
    return x[1:]


def reshape_view(x):
    """A vector reshaped to a matrix (a view), as parameters are unpacked into a layer."""
    return x.reshape(2, 3)


def column_view(x):
    """The first column of a matrix argument (a view), as a state's positions are read."""
    return x[:, 0]


def linear_map(x):
    """A fixed linear map read from a global matrix: the Jacobian is that matrix."""
    return A_MAT @ x


def linear_map_right(x):
    """A row vector times a global matrix's transpose: the Jacobian is the matrix."""
    return x @ A_MAT.T


def linear_map_dot(x):
    """np.dot with a global matrix, as older code writes a linear map."""
    return np.dot(A_MAT, x)


def linear_map_arg(x, m):
    """A linear map given as an argument (held fixed, differentiated in x)."""
    return m @ x


def affine_scaled(x):
    """An affine map with a module-level gain and offsets (globals read live)."""
    return GAIN * x + OFFSETS


def positives(x):
    """The positive entries: an output whose length depends on the values."""
    return x[x > 0]


def pair_product(x):
    """The product of the first two entries as a 0-d result."""
    return x[0] * x[1]


def zero_d_input(t):
    """A function of a 0-d array: a scalar trajectory point and its speed."""
    return np.sin(t) * t + t**2


def zero_d_to_vector(t):
    """A 0-d parameter spread into a curve: the curve's tangent vector."""
    return np.array([np.cos(t), np.sin(t), t])


def rounded_index(x):
    """An integer array output (indices of the sort): no derivative flows."""
    return np.argsort(x)


def floored(x):
    """x rounded down: piecewise constant, derivative zero almost everywhere."""
    return np.floor(x)


def constant_output(x):
    """An output that does not depend on x (a constant map): zero Jacobian."""
    return OFFSETS * 1.0


def outer_product(x):
    """The outer product of x with itself (a rank-one matrix, 2-d output)."""
    return x[:, None] * x[None, :]


def half_precision_layer(x):
    """A float32 layer: tanh of a float32 matrix product (dtype of the Jacobian)."""
    w = A_MAT.astype(np.float32)
    return np.tanh(w @ x)


def mixed_precision(x):
    """float32 input times a float64 global: the output is float64."""
    return x * OFFSETS


# -------- what users compute Jacobians of


def dense_tanh(x):
    """A dense layer tanh(W x + b): the Jacobian used to check a layer's sensitivity."""
    return np.tanh(A_MAT @ x + B_VEC)


def softmax(x):
    """The numerically stable softmax; its Jacobian is diag(p) - p p^T."""
    z = x - np.max(x)
    e = np.exp(z)
    return e / np.sum(e)


def row_softmax(x):
    """Softmax along each row of a matrix of logits (2-d in, 2-d out)."""
    z = x - np.max(x, axis=1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=1, keepdims=True)


def laplacian_1d(u):
    """The second difference of a 1-d grid with zero boundaries: a finite-difference stencil."""
    h = 0.1
    interior = (u[:-2] - 2.0 * u[1:-1] + u[2:]) / (h * h)
    return interior


def heat_rhs(u):
    """A 1-d heat equation right-hand side with Dirichlet ends (same length as u)."""
    h = 0.5
    padded = np.concatenate([np.zeros(1), u, np.zeros(1)])
    return (padded[:-2] - 2.0 * padded[1:-1] + padded[2:]) / (h * h)


def lorenz(state):
    """The Lorenz system's right-hand side: its Jacobian is what an implicit ODE solver needs."""
    sigma, rho, beta = 10.0, 28.0, 8.0 / 3.0
    x, y, z = state[0], state[1], state[2]
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def van_der_pol(y, mu):
    """Van der Pol oscillator right-hand side with stiffness mu (a keyword on later calls)."""
    return np.array([y[1], mu * (1.0 - y[0] ** 2) * y[1] - y[0]])


def predator_prey(y, params):
    """Lotka-Volterra right-hand side; Jacobian with respect to state and parameters."""
    a, b, c, d = params[0], params[1], params[2], params[3]
    prey, pred = y[0], y[1]
    return np.array([a * prey - b * prey * pred, d * prey * pred - c * pred])


def mlp(x):
    """A 3-5-2 network's output: the input-output Jacobian used for saliency maps."""
    h = np.tanh(W1 @ x + C1)
    return W2 @ h + C2


def polar_to_cartesian(p):
    """Polar to Cartesian coordinates: the Jacobian of a change of variables."""
    r, theta = p[0], p[1]
    return np.array([r * np.cos(theta), r * np.sin(theta)])


def residuals(theta):
    """Residuals of an exponential fit to fixed data (Gauss-Newton's Jacobian)."""
    t = np.linspace(0.0, 2.0, 7)
    data = np.array([2.0, 1.6, 1.3, 1.05, 0.85, 0.7, 0.55])
    return theta[0] * np.exp(-theta[1] * t) + theta[2] - data


def kinematics(q):
    """Forward kinematics of a planar 3-link arm: the manipulator Jacobian."""
    lengths = np.array([1.0, 0.8, 0.5])
    angles = np.cumsum(q)
    return np.array([np.sum(lengths * np.cos(angles)), np.sum(lengths * np.sin(angles))])


def normalize(x):
    """x divided by its Euclidean norm: the Jacobian of projecting to the sphere."""
    return x / np.sqrt(np.sum(x * x))


def reciprocal(x):
    """1 / x elementwise: divides by zero where an entry is 0."""
    return 1.0 / x


def checked_sqrt(x):
    """sqrt that refuses negative input with an exception (a user's validation)."""
    if np.any(x < 0.0):
        raise ValueError("negative input to checked_sqrt")
    return np.sqrt(x)


def product_of_two(x, y):
    """x * y + sin(x): a Jacobian with respect to both arguments."""
    return x * y + np.sin(x)


def scaled_by_keyword(x, scale=1.0):
    """tanh(scale * x): the keyword changes between calls (a temperature)."""
    return np.tanh(scale * x)


def tuple_output(x):
    """Two results, a vector and a scalar: the state update and its energy."""
    return np.sin(x), np.sum(x**2)


def dict_output(x):
    """Named results in a dict: the mean and the spread of a signal."""
    return {"mean": np.mean(x), "centred": x - np.mean(x)}


def uses_global_weights(x):
    """Reads the module's W1 at call time: rebinding or updating it must change the Jacobian."""
    return np.tanh(W1 @ x)


def uses_gain(x):
    """Scales by the module's GAIN (a float global that is rebound between calls)."""
    return GAIN * np.sin(x)


def returns_first_arg_of_two(x, y):
    """Returns its second argument unchanged; differentiated in both arguments."""
    return y


# -------- scalar objectives (Hessians)


def rosenbrock(x):
    """The Rosenbrock function, the classic optimisation test problem."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    """Hand-written gradient of rosenbrock (reference)."""
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] += -400.0 * x[:-1] * d - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * d
    return g


def logistic_nll(w):
    """Logistic regression's negative log-likelihood on fixed data (Newton's method's Hessian)."""
    z = X_DATA @ w
    return np.sum(np.logaddexp(0.0, z) - Y_DATA * z)


def logistic_nll_grad(w):
    """Hand-written gradient of logistic_nll (reference)."""
    z = X_DATA @ w
    p = 1.0 / (1.0 + np.exp(-z))
    return X_DATA.T @ (p - Y_DATA)


def quadratic_form(x):
    """0.5 x^T S x: its Hessian is the global matrix S itself."""
    return 0.5 * x @ (S_MAT @ x)


def quadratic_form_grad(x):
    """Hand-written gradient of quadratic_form (reference)."""
    return 0.5 * (S_MAT + S_MAT.T) @ x


def log_sum_exp(x):
    """log(sum(exp(x))), stabilised: the smooth maximum."""
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def log_sum_exp_grad(x):
    """Hand-written gradient of log_sum_exp (the softmax)."""
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def cross_entropy(logits):
    """Softmax cross-entropy against a fixed one-hot label (class 1)."""
    z = logits - np.max(logits)
    return -(z[1] - np.log(np.sum(np.exp(z))))


def cross_entropy_grad(logits):
    """Hand-written gradient of cross_entropy."""
    e = np.exp(logits - np.max(logits))
    p = e / np.sum(e)
    onehot = np.zeros_like(logits)
    onehot[1] = 1.0
    return p - onehot


def mlp_loss(x):
    """Squared output of the 3-5-2 network: a network's input-curvature."""
    h = np.tanh(W1 @ x + C1)
    out = W2 @ h + C2
    return np.sum(out**2)


def mlp_loss_grad(x):
    """Hand-written gradient of mlp_loss (reference)."""
    h = np.tanh(W1 @ x + C1)
    out = W2 @ h + C2
    dh = W2.T @ (2.0 * out)
    return W1.T @ (dh * (1.0 - h * h))


def energy_2d(x):
    """An energy of a 2x2 matrix argument (sum of squares and a coupling): 2-d Hessian."""
    return np.sum(x**2) + x[0, 0] * x[1, 1] + np.sum(np.sin(x))


def energy_2d_grad(x):
    """Hand-written gradient of energy_2d (reference)."""
    g = 2.0 * x + np.cos(x)
    g[0, 0] += x[1, 1]
    g[1, 1] += x[0, 0]
    return g


def scalar_cubic(t):
    """A cubic of a Python float or 0-d array: a 1x1 Hessian."""
    return t**3 - 2.0 * t


def scalar_cubic_grad(t):
    """Hand-written derivative of scalar_cubic."""
    return 3.0 * t**2 - 2.0


def gained_quartic(x):
    """GAIN * sum(x^4): the Hessian reads the module's GAIN."""
    return GAIN * np.sum(x**4)


def gained_quartic_grad(x):
    """Hand-written gradient of gained_quartic (reads GAIN)."""
    return GAIN * 4.0 * x**3


def weighted_sum_sq(x, w):
    """sum(w * x^2): Hessian in x with weights w passed as an argument."""
    return np.sum(w * x**2)


def weighted_sum_sq_grad(x, w):
    """Hand-written gradient of weighted_sum_sq in x."""
    return 2.0 * w * x


def float_root(t):
    """The square root of a Python float by ** 0.5: complex for negative t."""
    return t**0.5 * 2.0


# -------- values deciding the path


def halve_until_small(x):
    """Rescale until every entry is at most 1 (a while loop whose trip count follows the values)."""
    y = x * 1.0
    while np.max(np.abs(y)) > 1.0:
        y = y / 2.0
    return y * y


def branch_on_sign(x):
    """A model with two regimes chosen by the first entry's sign."""
    if x[0] > 0:
        return np.sin(x) * 2.0
    else:
        return np.cos(x) * 3.0


def relu_features(x):
    """ReLU features plus an absolute value: piecewise, the pieces change between calls."""
    h = np.maximum(x, 0.0)
    return h * h + np.abs(x)


def top_two_squared(x):
    """The two largest entries squared (which entries depends on the values)."""
    return x[np.argsort(x)[-2:]] ** 2


def repeated_sine(x):
    """sin applied as many times as x has positive entries (a value-dependent loop count)."""
    n = int(np.sum(x > 0))
    y = x
    for _ in range(n):
        y = np.sin(y) * 1.5
    return y


def positive_list(x):
    """A list of twice each positive entry: the result's length follows the values."""
    out = []
    for i in range(x.shape[0]):
        if x[i] > 0:
            out.append(x[i] * 2.0)
    return out


def optional_entry(x):
    """A dict of results with an entry present only when x[0] > 0 (a diagnostic)."""
    d = {"a": x * 1.0}
    if x[0] > 0:
        d["b"] = np.sin(x)
    return d


def scalar_or_vector(x):
    """A vector result for x[0] > 0, a scalar one otherwise."""
    if x[0] > 0:
        return x * 3.0
    return x[0] * 3.0


def tiled_rows(x):
    """x repeated once per positive entry: the number of rows follows the values."""
    k = int(np.sum(x > 0))
    return np.tile(x, (k, 1))


# -------- views and copies of the input


def broadcast_rows(x):
    """x broadcast to two rows (a read-only view with a zero stride)."""
    return np.broadcast_to(x, (2, x.shape[0]))


def as_column(x):
    """x as a column vector (a view), as code feeding matrix products does."""
    return np.expand_dims(x, 1)


def flipped(x):
    """np.flip of the input (a view with a negative stride)."""
    return np.flip(x)


def no_copy_cast(x):
    """np.asarray(x, dtype=float64): the input itself for a float64 input."""
    return np.asarray(x, dtype=np.float64)


def both_ways(x):
    """The input returned twice, as a tuple (both results are the input)."""
    return x, x


def eye_times(x):
    """The unit matrix times x (a no-op map written out)."""
    return np.eye(3) @ x


# -------- functions with state around them


def make_scaled_sine(c):
    """A factory of models c * sin(x): closures sharing one code object."""

    def scaled_sine(x):
        return c * np.sin(x)

    return scaled_sine


def sine_with_default(x, s=2.0):
    """s * sin(x) with a default the user changes through __defaults__."""
    return s * np.sin(x)


class TanhLayer:
    """A layer object whose weights are updated between Jacobian calls (training)."""

    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.tanh(self.w @ x)


def noisy_model(x):
    """A model that logs each evaluation with print."""
    print("evaluating noisy_model")
    return np.sin(x) * 2.0


def noisy_loss(x):
    """A loss that logs each evaluation with print (Hessian)."""
    print("evaluating noisy_loss")
    return np.sum(np.sin(x) ** 2)


def coupled_loss(x, y):
    """sum(x^2 y) + sum(sin(x y)): a Hessian with respect to two arguments."""
    return np.sum(x * x * y) + np.sum(np.sin(x * y))
