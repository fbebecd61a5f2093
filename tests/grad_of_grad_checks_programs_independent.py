"""Programs for tests/test_grad_of_grad_checks_independent.py (60th independent tester).

Written from the README and issue 19 alone, without reading s2s_ad's code or tests.
Each program is an ordinary module-level function, as a user would write it.  The
tables at the end say how each one is called:

* ``OK_CASES``: ``grad(f, wrt)`` returns a gradient; every derivative of ``grad(f)``
  must match central differences of ``grad(f)`` and the other APIs.
* ``REFUSED_CASES``: ``grad(f, wrt)`` refuses the call (an output that is not a real
  scalar, a complex value, an integer where it differentiates, an argument updated in
  place, no return value); every derivative of ``grad(f)`` must refuse it the same way.
* ``SEQUENCES``: one derivative object called on a list of argument sets, some refused
  and some not (output shape or kind depending on an argument or on the values).
"""

import numpy as np

# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(60)
X_DATA = _rng.standard_normal((7, 3))
Y_REG = X_DATA @ np.array([0.5, -1.0, 2.0]) + 0.1 * _rng.standard_normal(7)
Y_CLS = np.where(_rng.standard_normal(7) > 0.0, 1.0, -1.0)
W0 = np.array([0.2, -0.4, 0.7])
X_IN = _rng.standard_normal(3)
POS0 = np.array([[0.0, 0.0], [1.1, 0.1], [0.2, 1.2], [1.3, 1.0]])
MLP_PARAMS = (
    0.5 * _rng.standard_normal((4, 3)),
    0.1 * _rng.standard_normal(4),
    0.5 * _rng.standard_normal((2, 4)),
    0.1 * _rng.standard_normal(2),
)
MLP_TARGET = np.array([0.3, -0.2])
SAMPLES = np.array([0.9, 1.4, 0.3, 2.2, 1.1])
HISTORY = []  # a module's list the programs append to (an effect, as a training log)


# ---------------------------------------------------------------------------
# real scalar losses: every derivative of grad(f) must be right
# ---------------------------------------------------------------------------


def least_squares(w, X, y):
    r = X @ w - y
    return 0.5 * np.sum(r**2) + 0.05 * np.sum(w**4)


def logistic_loss(w, X, y, lam):
    z = y * (X @ w)
    return np.mean(np.log1p(np.exp(-z))) + lam * lam * np.dot(w, w)


def mlp_loss(params, x, target):
    W1, b1, W2, b2 = params
    h = np.tanh(W1 @ x + b1)
    out = W2 @ h + b2
    return np.sum((out - target) ** 2)


def ridge_dict(params, X, y):
    pred = X @ params["w"] + params["b"]
    penalty = np.sum(np.abs(params["w"]) ** params["degree"])
    return np.mean((pred - y) ** 2) + 0.1 * penalty


def lennard_jones(pos):
    energy = 0.0
    n = pos.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[i] - pos[j]
            r2 = np.sum(d * d)
            inv6 = 1.0 / r2**3
            energy = energy + 4.0 * (inv6 * inv6 - inv6)
    return energy


def spring_chain(x, k):
    stretch = np.diff(x) - 1.0
    return 0.5 * k * np.sum(stretch**2) + 0.25 * np.sum(stretch**4)


def morse(r, D, a):
    e = 1.0 - np.exp(-a * (r - 1.2))
    return D * e * e


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def zero_d_energy(x):
    e = np.sum(np.cosh(x)) + x @ x
    return np.asarray(e)


def printed_loss(w, X, y):
    loss = np.mean((X @ w - y) ** 2) + np.sum(np.sin(w) ** 2)
    print("[printed_loss]", float(loss))
    return loss


def _report(label, value):
    print(label, np.round(value, 6))


def helper_printed_loss(w, X, y):
    r = X @ w - y
    loss = np.sum(np.log(np.cosh(r)))
    _report("[helper_printed_loss]", loss)
    return loss


def history_loss(w):
    loss = np.sum(np.exp(0.3 * w) - w)
    HISTORY.append(float(loss))
    return loss


def zero_d_cubic(t):
    return np.asarray(t**3 - 2.0 * t)


def pendulum_energy(theta, omega, g):
    kinetic = 0.5 * omega * omega
    potential = g * (1.0 - np.cos(theta))
    return kinetic + potential + 0.1 * theta * omega


def softmax_xent(logits, label):
    m = np.max(logits)
    lse = m + np.log(np.sum(np.exp(logits - m)))
    return lse - logits[label]


def iterated_map(x, n):
    y = x
    for _ in range(n):
        y = np.sin(y) * 1.3 + 0.1 * y * y
    return np.sum(y)


def gaussian_nll(mu, log_sigma, data):
    sigma = np.exp(log_sigma)
    z = (data - mu) / sigma
    return np.sum(0.5 * z * z + log_sigma)


def hamiltonian(state):
    q, p = state
    return 0.5 * np.sum(p * p) + np.sum(1.0 - np.cos(q)) + 0.2 * np.sum(q * p)


def huber(x, delta):
    r = np.abs(x)
    quad = np.minimum(r, delta)
    lin = r - quad
    return np.sum(0.5 * quad**2 + delta * lin) + np.sum(x**3) / 3.0


# ---------------------------------------------------------------------------
# refused by grad(f): every derivative of grad(f) must refuse them the same way
# ---------------------------------------------------------------------------


def residuals(w, X, y):
    return X @ w - y


def loss_and_aux(w):
    loss = np.sum(w**2)
    return loss, np.max(w)


def keepdims_loss(w, X, y):
    r = X @ w - y
    return np.sum(r**2, keepdims=True)


def list_loss(w):
    return [np.sum(np.sin(w) ** 2)]


def sqrt_energy(e):
    return float(e) ** 0.5


def bond_stretch(x):
    gap = float(x[1] - x[0] - 1.0)
    return gap**1.5 + np.sum(x**2)


def normalize_inplace(w, X, y):
    X -= X.mean(axis=0)
    return np.sum((X @ w - y) ** 2)


def decay_inplace(w):
    w *= 0.9
    return np.sum(w**2)


def dict_inplace(params):
    params["w"] += 1.0
    return np.sum(params["w"] ** 2)


def poly_of_int(x, n):
    return x**3 * n + x * x


def scaled_sum(x, s):
    return np.sum(x * x) * s * s


def pair_energy(x, y):
    return (x - y) ** 2 + x * y * y


def printed_residuals(w):
    r = np.tanh(w) * 2.0 - 0.5
    print("[printed_residuals]", r.shape)
    return r**2


def helper_printed_residuals(w, X, y):
    r = np.tanh(X @ w) - y
    _report("[helper_printed_residuals]", r)
    return r * r


def history_residuals(w):
    r = np.exp(0.3 * w) - w
    HISTORY.append(float(np.sum(r)))
    return r


def printed_sqrt(e):
    print("[printed_sqrt]", e)
    return float(e) ** 0.5 + e


def reduce_or_not(x, reduce):
    sq = x**2 + np.sin(x)
    if reduce:
        return np.sum(sq)
    return sq


def sign_dependent(x):
    if x[0] > 0.0:
        return np.sum(x**3)
    return x**3


def forgot_return(x):
    y = np.sum(x**2)
    y = y + 1.0


def trajectory(v0):
    t = np.linspace(0.0, 1.0, 5)
    return v0 * t - 4.9 * t * t


def moments(x, order):
    m1 = np.mean(x**3)
    if order == 1:
        return m1
    return np.array([m1, np.mean(x**4)])


# ---------------------------------------------------------------------------
# how each program is called
# ---------------------------------------------------------------------------


def _mlp_params():
    return tuple(p.copy() for p in MLP_PARAMS)


# name -> (function, argument factory, grad's wrt, effect: the tag it prints, or
# "list:NAME" for a module list it appends to, or None)
OK_CASES = {
    "least_squares": (least_squares, lambda: (W0.copy(), X_DATA, Y_REG), 0, None),
    "logistic_wrt_tuple": (logistic_loss, lambda: (W0.copy(), X_DATA, Y_CLS, 0.3), (0, 3), None),
    "mlp_tuple_params": (mlp_loss, lambda: (_mlp_params(), X_IN, MLP_TARGET), 0, None),
    "ridge_dict_params": (
        ridge_dict,
        lambda: ({"w": W0 + 0.5, "b": 0.3, "degree": 3}, X_DATA, Y_REG),
        0,
        None,
    ),
    "lennard_jones_2d": (lennard_jones, lambda: (POS0.copy(),), 0, None),
    "spring_chain_names": (
        spring_chain,
        lambda: (np.array([0.0, 1.3, 2.1, 3.4]), 2.5),
        ("x", "k"),
        None,
    ),
    "morse_r": (morse, lambda: (1.5, 3.0, 1.1), 0, None),
    "morse_a_index": (morse, lambda: (1.5, 3.0, 1.1), 2, None),
    "morse_names_D_a": (morse, lambda: (1.5, 3.0, 1.1), ("D", "a"), None),
    "helper_printed_loss": (
        helper_printed_loss,
        lambda: (W0.copy(), X_DATA, Y_REG),
        0,
        "[helper_printed_loss]",
    ),
    "history_loss": (history_loss, lambda: (W0.copy(),), 0, "list:HISTORY"),
    "zero_d_cubic_scalar_in": (zero_d_cubic, lambda: (0.7,), 0, None),
    "rosenbrock": (rosenbrock, lambda: (np.array([0.3, 0.8, -0.4, 1.1]),), 0, None),
    "zero_d_energy": (zero_d_energy, lambda: (np.array([0.3, -0.6, 0.9]),), 0, None),
    "printed_loss": (printed_loss, lambda: (W0.copy(), X_DATA, Y_REG), 0, "[printed_loss]"),
    "pendulum_scalars": (pendulum_energy, lambda: (0.4, 1.3, 9.81), (0, 1), None),
    "softmax_int_label": (softmax_xent, lambda: (np.array([0.5, -1.0, 2.0, 0.1]), 2), 0, None),
    "iterated_map_int_n": (iterated_map, lambda: (np.array([0.2, -0.3, 0.5]), 3), 0, None),
    "gaussian_nll_scalars": (gaussian_nll, lambda: (1.1, -0.2, SAMPLES), (0, 1), None),
    "hamiltonian_tuple_state": (
        hamiltonian,
        lambda: ((np.array([0.3, -0.5]), np.array([1.2, 0.4])),),
        0,
        None,
    ),
    "huber": (huber, lambda: (np.array([0.3, -2.0, 1.5, -0.1]), 1.0), 0, None),
}

# name -> (function, argument factory, grad's wrt, error class name, tag or None)
REFUSED_CASES = {
    "residuals_vector": (
        residuals,
        lambda: (W0.copy(), X_DATA, Y_REG),
        0,
        "NonScalarOutputError",
        None,
    ),
    "loss_and_aux_tuple": (loss_and_aux, lambda: (W0.copy(),), 0, "NonScalarOutputError", None),
    "keepdims_shape_1": (
        keepdims_loss,
        lambda: (W0.copy(), X_DATA, Y_REG),
        0,
        "NonScalarOutputError",
        None,
    ),
    "list_loss": (list_loss, lambda: (W0.copy(),), 0, "NonScalarOutputError", None),
    "sqrt_energy_negative": (sqrt_energy, lambda: (-2.0,), 0, "ComplexValueError", None),
    "bond_stretch_compressed": (
        bond_stretch,
        lambda: (np.array([0.0, 0.6]),),
        0,
        "ComplexValueError",
        None,
    ),
    "normalize_inplace_data": (
        normalize_inplace,
        lambda: (W0.copy(), X_DATA.copy(), Y_REG),
        0,
        "UnsupportedSyntaxError",
        None,
    ),
    "decay_inplace_w": (decay_inplace, lambda: (W0.copy(),), 0, "UnsupportedSyntaxError", None),
    "dict_inplace": (dict_inplace, lambda: ({"w": W0.copy()},), 0, "UnsupportedSyntaxError", None),
    "poly_python_int": (poly_of_int, lambda: (2, 3), 0, "ArgumentError", None),
    "poly_numpy_int64": (poly_of_int, lambda: (np.int64(2), 3), 0, "ArgumentError", None),
    "scaled_sum_int_wrt1": (scaled_sum, lambda: (W0.copy(), 2), 1, "ArgumentError", None),
    "pair_energy_int_in_tuple": (
        pair_energy,
        lambda: (0.5, np.int64(3)),
        (0, 1),
        "ArgumentError",
        None,
    ),
    "rosenbrock_int_array": (rosenbrock, lambda: (np.arange(4),), 0, "ArgumentError", None),
    "printed_residuals": (
        printed_residuals,
        lambda: (W0.copy(),),
        0,
        "NonScalarOutputError",
        "[printed_residuals]",
    ),
    "helper_printed_residuals": (
        helper_printed_residuals,
        lambda: (W0.copy(), X_DATA, Y_REG),
        0,
        "NonScalarOutputError",
        "[helper_printed_residuals]",
    ),
    "history_residuals": (
        history_residuals,
        lambda: (W0.copy(),),
        0,
        "NonScalarOutputError",
        "list:HISTORY",
    ),
    "printed_sqrt_negative": (
        printed_sqrt,
        lambda: (-3.0,),
        0,
        "ComplexValueError",
        "[printed_sqrt]",
    ),
    "reduce_or_not_false": (
        reduce_or_not,
        lambda: (W0.copy(), False),
        0,
        "NonScalarOutputError",
        None,
    ),
    "sign_dependent_negative": (
        sign_dependent,
        lambda: (np.array([-0.5, 0.4, 1.2]),),
        0,
        "NonScalarOutputError",
        None,
    ),
    "forgot_return": (forgot_return, lambda: (W0.copy(),), 0, "UnsupportedSyntaxError", None),
    "trajectory_scalar_in": (trajectory, lambda: (3.0,), 0, "NonScalarOutputError", None),
    "moments_order_2": (moments, lambda: (W0.copy(), 2), 0, "NonScalarOutputError", None),
}

# name -> (function, grad's wrt, [(argument factory, error class name or None), ...])
# One derivative object is called on each argument set in turn.
_SCALAR_X = np.array([0.4, -0.3, 0.9])
SEQUENCES = {
    "reduce_flag_s_v_s": (
        reduce_or_not,
        0,
        [
            (lambda: (_SCALAR_X.copy(), True), None),
            (lambda: (_SCALAR_X.copy(), False), "NonScalarOutputError"),
            (lambda: (_SCALAR_X.copy(), True), None),
        ],
    ),
    "reduce_flag_v_s_v": (
        reduce_or_not,
        0,
        [
            (lambda: (_SCALAR_X.copy(), False), "NonScalarOutputError"),
            (lambda: (_SCALAR_X.copy(), True), None),
            (lambda: (_SCALAR_X.copy(), False), "NonScalarOutputError"),
        ],
    ),
    "sign_values_s_v_s": (
        sign_dependent,
        0,
        [
            (lambda: (np.array([0.5, 0.4, 1.2]),), None),
            (lambda: (np.array([-0.5, 0.4, 1.2]),), "NonScalarOutputError"),
            (lambda: (np.array([0.7, -0.2, 0.3]),), None),
        ],
    ),
    "sign_values_v_s_v": (
        sign_dependent,
        0,
        [
            (lambda: (np.array([-0.5, 0.4, 1.2]),), "NonScalarOutputError"),
            (lambda: (np.array([0.5, 0.4, 1.2]),), None),
            (lambda: (np.array([-0.7, -0.2, 0.3]),), "NonScalarOutputError"),
        ],
    ),
    "moments_order_1_2_1": (
        moments,
        0,
        [
            (lambda: (_SCALAR_X.copy(), 1), None),
            (lambda: (_SCALAR_X.copy(), 2), "NonScalarOutputError"),
            (lambda: (_SCALAR_X.copy(), 1), None),
        ],
    ),
    "sqrt_energy_pos_neg_pos": (
        sqrt_energy,
        0,
        [
            (lambda: (2.0,), None),
            (lambda: (-2.0,), "ComplexValueError"),
            (lambda: (3.0,), None),
        ],
    ),
    "bond_stretch_ok_bad_ok": (
        bond_stretch,
        0,
        [
            (lambda: (np.array([0.0, 1.6]),), None),
            (lambda: (np.array([0.0, 0.6]),), "ComplexValueError"),
            (lambda: (np.array([0.1, 1.9]),), None),
        ],
    ),
    "poly_float_int_float": (
        poly_of_int,
        0,
        [
            (lambda: (2.0, 3), None),
            (lambda: (2, 3), "ArgumentError"),
            (lambda: (1.5, 3), None),
        ],
    ),
    "poly_int_float": (
        poly_of_int,
        0,
        [
            (lambda: (2, 3), "ArgumentError"),
            (lambda: (2.0, 3), None),
        ],
    ),
    "rosenbrock_float_intarray_float": (
        rosenbrock,
        0,
        [
            (lambda: (np.array([0.3, 0.8, -0.4, 1.1]),), None),
            (lambda: (np.arange(4),), "ArgumentError"),
            (lambda: (np.array([0.5, 0.1, 0.4, 1.0]),), None),
        ],
    ),
}
