"""Second derivatives of programs people write (the seventy-fourth tester, independent).

Written from the README alone, without reading s2s_ad's code: Newton and trust-region
objectives, Laplace approximations, Fisher information, physics energies, loops with
``break`` and ``while``, branches, in-place updates of copies, partials and lambdas given
to helpers, comprehensions, dicts, dataclasses, NamedTuples, kinks away from the kink,
``scipy.special`` and ``scipy.stats`` log-densities, ``np.linalg`` and ``print``. Helpers
and classes live partly in ``second_order_lib_independent`` (imported by name).

For each program: the value equals the plain call; the gradient matches central
differences of the function; the Hessian matches central differences of the gradient;
``hessian``, ``jacfwd(grad(f))``, ``jacrev(grad(f))``, ``hvp``, ``jvp``/``vjp`` of
``grad(f)`` (and ``grad(grad(f))`` for a scalar) agree; each is called twice.
"""

# ruff: noqa: B905, SIM108, B007, RUF059  (the programs are written as users write them)

import dataclasses
import functools
import math
from typing import NamedTuple

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.special as sp
import scipy.stats as st
from second_order_lib_independent import (
    LennardJones,
    LogisticModel,
    Prior,
    Spring,
    apply_twice,
    gaussian_logpdf,
    lj_pair,
    newton_direction,
    pair_distance,
    quad_form,
    rosenbrock,
    smooth_abs,
    softplus,
    weighted_sum,
)

import s2s_ad as ad

RNG = np.random.default_rng(74)
X_DATA = RNG.standard_normal((12, 3))
Y_DATA = (RNG.random(12) < 0.5).astype(float)
OBS = RNG.standard_normal(15) * 1.3 + 0.4
POS_OBS = RNG.gamma(2.0, 1.5, size=10)
COUNTS = np.array([1.0, 3.0, 0.0, 2.0, 5.0, 1.0])
OBS2 = RNG.standard_normal((8, 2))
A_SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
B_VEC = np.array([1.0, -2.0, 0.5])
MASSES = np.array([1.0, 2.0, 1.5, 0.7])
CENTERS = np.array([0.3, -0.4, 1.1, 0.0])
TIMES = np.linspace(0.0, 2.0, 6)
SERIES = np.cumsum(RNG.standard_normal(20)) * 0.3
LOG = []


# --- Newton, trust region, barrier ---------------------------------------------------


def p_rosenbrock(x):
    return rosenbrock(x)


def p_newton_step(x):
    g = A_SPD @ x - B_VEC + x**3
    H = A_SPD + np.diag(3.0 * x**2)
    step = newton_direction(g, H)
    x_new = x - step
    return 0.5 * x_new @ A_SPD @ x_new - B_VEC @ x_new + 0.25 * np.sum(x_new**4)


def p_trust_region(p, radius=0.5):
    g = np.array([1.0, -0.5, 0.25])
    model = g @ p + 0.5 * quad_form(A_SPD, p)
    excess = np.maximum(np.linalg.norm(p) - radius, 0.0)
    return model + 10.0 * excess**2


def p_log_barrier(x, t=5.0):
    A = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, -1.0, -1.0]])
    b = np.array([2.0, 2.0, 1.5, 3.0])
    slack = b - A @ x
    return t * np.array([1.0, 2.0, -1.0]) @ x - np.sum(np.log(slack))


# --- Laplace approximations, Fisher information, densities --------------------------

MODEL = LogisticModel(X_DATA, Y_DATA)


def p_laplace_logistic(w):
    return -MODEL.log_post(w)


def p_laplace_evidence(w):
    z = X_DATA @ w
    s = sp.expit(z)
    nll = -np.sum(Y_DATA * z - softplus(z)) + 0.5 * np.sum(w**2)
    H = (X_DATA.T * (s * (1.0 - s))) @ X_DATA + np.eye(3)
    sign, logdet = np.linalg.slogdet(H)
    return nll + 0.5 * logdet


def p_fisher_gaussian(theta):
    return -np.sum(gaussian_logpdf(OBS, theta[0], theta[1]))


def p_stats_norm(theta):
    return -np.sum(st.norm.logpdf(OBS, loc=theta[0], scale=np.exp(theta[1])))


def p_stats_t(theta):
    df = 1.0 + np.exp(theta[2])
    return -np.sum(st.t.logpdf(OBS, df, theta[0], np.exp(theta[1])))


def p_stats_gamma(theta):
    return -np.sum(st.gamma.logpdf(POS_OBS, a=np.exp(theta[0]), scale=np.exp(theta[1])))


def p_negbin_gammaln(theta):
    r = np.exp(theta[0])
    p = sp.expit(theta[1])
    ll = sp.gammaln(COUNTS + r) - sp.gammaln(r) - sp.gammaln(COUNTS + 1.0)
    ll = ll + r * np.log(1.0 - p) + COUNTS * np.log(p)
    return -np.sum(ll)


def p_mixture_logsumexp(theta):
    logw = sp.log_softmax(np.array([0.0, theta[0]]))
    mus = theta[1:3]
    comp = np.stack([logw[k] + st.norm.logpdf(OBS, mus[k], 1.0) for k in range(2)])
    return -np.sum(sp.logsumexp(comp, axis=0))


def p_mvn_cov(theta):
    L = np.array([[np.exp(theta[0]), 0.0], [theta[1], np.exp(theta[2])]])
    cov = L @ L.T
    return -np.sum(st.multivariate_normal.logpdf(OBS2, mean=theta[3:5], cov=cov))


def p_gp_nll(t):
    ell, s2, noise = np.exp(t[0]), np.exp(t[1]), np.exp(t[2])
    d = TIMES[:, None] - TIMES[None, :]
    K = s2 * np.exp(-0.5 * d * d / ell**2) + noise * np.eye(len(TIMES))
    y = np.sin(TIMES)
    alpha = np.linalg.solve(K, y)
    return 0.5 * y @ alpha + 0.5 * np.log(np.linalg.det(K))


def p_ar1_loglik(t):
    phi = np.tanh(t[0])
    sigma = np.exp(t[1])
    resid = SERIES[1:] - phi * SERIES[:-1]
    return np.sum(resid**2) / (2.0 * sigma**2) + (len(SERIES) - 1) * np.log(sigma)


def p_softmax_regression(W):
    logits = X_DATA @ W
    logp = sp.log_softmax(logits, axis=1)
    labels = (np.arange(12) % 3).astype(int)
    return -np.sum(logp[np.arange(12), labels]) + 0.1 * np.sum(W * W)


def p_cholesky_logdet(t):
    M = A_SPD + np.outer(t, t)
    C = np.linalg.cholesky(M)
    return 2.0 * np.sum(np.log(np.diag(C))) + t @ np.linalg.inv(M) @ t


# --- physics -------------------------------------------------------------------------

SPRINGS = [Spring(3.0, 1.0), Spring(2.0, 0.8), Spring(4.0, 1.2)]


def p_spring_chain(x):
    pos = x.reshape(-1, 2)
    e = 0.0
    for i, s in enumerate(SPRINGS):
        e = e + s.energy(pos[i], pos[i + 1])
    return e + 0.5 * np.sum(pos[:, 1])


def p_nbody_loops(x, G=1.0):
    pos = x.reshape(-1, 3)
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            e = e - G * MASSES[i] * MASSES[j] / pair_distance(pos[i], pos[j])
    return e


def p_nbody_vectorised(x):
    pos = x.reshape(-1, 3)
    diff = pos[:, None, :] - pos[None, :, :]
    r = np.sqrt(np.sum(diff**2, axis=-1) + 0.05**2)
    iu = np.triu_indices(pos.shape[0], 1)
    mm = MASSES[:, None] * MASSES[None, :]
    return -np.sum(mm[iu] / r[iu])


LJ = LennardJones(1.0, 1.0)


def p_lennard_jones(x):
    return LJ.total(x.reshape(-1, 2))


class Pendulum:
    def __init__(self, g=9.81, length=1.0, damping=0.1):
        self.g, self.length, self.damping = g, length, damping

    def accel(self, theta, omega):
        return -self.g / self.length * np.sin(theta) - self.damping * omega

    def step(self, theta, omega, dt):
        omega = omega + dt * self.accel(theta, omega)
        return theta + dt * omega, omega


PEND = Pendulum()


def p_pendulum_fit(state, n=20):
    theta, omega = state[0], state[1]
    loss = 0.0
    for k in range(n):
        theta, omega = PEND.step(theta, omega, 0.05)
        loss = loss + (theta - 0.3 * np.cos(0.5 * k)) ** 2
    return loss


def p_lagrangian(q):
    M = np.array([[2.0, 0.3], [0.3, 1.0]])
    qd = np.array([0.5, -0.2])
    kin = 0.5 * qd @ (M * (1.0 + 0.1 * np.cos(q[0] - q[1]))) @ qd
    pot = 9.81 * (np.cos(q[0]) + 0.5 * np.cos(q[1]))
    return kin - pot


def p_morse_lib_partial(r):
    fn = functools.partial(lj_pair, eps=2.0, sigma=0.9)
    return weighted_sum(fn, r, np.array([1.0, 0.5, 0.25]))


# --- control flow --------------------------------------------------------------------


def p_gd_break(x):
    y = x.copy()
    for _ in range(50):
        g = 2.0 * y + np.sin(y)
        y = y - 0.1 * g
        if np.sum(g * g) < 0.05:
            break
    return np.sum(y**2 * np.array([1.0, 2.0, 3.0])) + np.sum(np.cos(y))


def p_while_ode(x, dt=0.1, T=1.0):
    t = 0.0
    y = x
    while t < T - 1e-9:
        y = y + dt * (-(y**3) + np.sin(t) * y)
        t = t + dt
    return np.sum(y * y)


def p_while_break_event(x):
    h = x[0]
    v = x[1]
    steps = 0
    while True:
        v = v - 9.81 * 0.01 - 0.02 * v * abs(v)
        h = h + 0.01 * v
        steps += 1
        if h < 0.0 or steps >= 200:
            break
    return h * h + v * v * x[2]


def p_branch_on_value(x):
    s = np.sum(x)
    if s > 1.0:
        out = np.sum(np.exp(0.3 * x))
    elif s > -1.0:
        out = np.sum(x**4) + s * s
    else:
        out = -np.sum(np.log1p(x * x))
    return out


def p_loop_continue(x):
    total = 0.0
    for i, (xi, c) in enumerate(zip(x, CENTERS)):
        if c == 0.0:
            continue
        if xi > c:
            total = total + (xi - c) ** 3 * (i + 1)
        else:
            total = total + np.exp(xi - c)
    return total


def p_inplace_copy(x):
    y = x.copy()
    y[0] *= 2.0
    y[1:] += y[:-1] ** 2
    y[y > 10.0] = 10.0
    z = y
    z[2] = z[2] * z[0]
    return np.sum(np.tanh(y) * y) + y[2]


def p_recurrence_fill(x):
    a = np.zeros_like(x)
    a[0] = x[0]
    for i in range(1, x.shape[0]):
        a[i] = 0.5 * a[i - 1] * x[i] + np.sin(x[i])
    return np.sum(a**2)


def p_print_logging(x):
    e = np.sum((x - 1.0) ** 2 * np.arange(1.0, 4.0))
    print(f"energy {e:.4f}")
    r = np.sum(np.exp(-x))
    print("reg", r)
    return e + r


# --- functions passed around ---------------------------------------------------------


def p_lambda_twice(x):
    return np.sum(apply_twice(lambda v: np.sin(v) + 0.1 * v * v, x))


def p_partial_local(x):
    fn = functools.partial(smooth_abs, eps=0.01)
    return np.sum(apply_twice(fn, x - 0.3))


def _integrate(rhs, y0, dt, n):
    y = y0
    for _ in range(n):
        y = y + dt * rhs(y)
    return y


def p_rhs_lambda(x):
    k = 1.5
    y = _integrate(lambda y: -k * y + np.sin(y), x, 0.1, 10)
    return np.sum(y**2)


def p_nested_def_closure(x):
    scale = np.sum(x * x)

    def term(v, c):
        return np.exp(-scale * (v - c) ** 2)

    return sum(term(xi, c) for xi, c in zip(x, CENTERS[:3]))


POTENTIALS = {"harm": lambda r: 0.5 * r**2, "lj": lj_pair}


def p_dict_of_functions(x):
    pos = x.reshape(-1, 2)
    r = pair_distance(pos[0], pos[1])
    return POTENTIALS["lj"](r) + POTENTIALS["harm"](r - 1.0)


# --- comprehensions, dicts, records --------------------------------------------------


def p_list_comprehension(x):
    terms = [np.exp(-((xi - c) ** 2)) * (k + 1) for k, (xi, c) in enumerate(zip(x, CENTERS))]
    return sum(terms) + np.sum(np.array([xi * xj for xi in x[:2] for xj in x[2:]]))


NAMES = ("a", "b", "c")


def p_dict_comprehension(x):
    params = {name: x[i] for i, name in enumerate(NAMES)}
    return params["a"] ** 2 * params["b"] + np.exp(params["c"]) * params["a"]


def p_dict_argument(p):
    z = X_DATA @ p["w"] + p["b"]
    return np.sum(softplus(z) - Y_DATA * z) + 0.5 * p["lam"] * np.sum(p["w"] ** 2)


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float
    log_s: float


def p_dataclass_argument(p):
    pred = X_DATA @ p.w + p.b
    s = np.exp(p.log_s)
    return np.sum((pred - Y_DATA) ** 2) / (2.0 * s * s) + len(Y_DATA) * p.log_s


def p_namedtuple_prior(prior):
    return -np.sum(st.norm.logpdf(OBS, prior.mu, np.exp(prior.scale)))


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


def p_mlp_layers(params):
    h = X_DATA[:5]
    for layer in params[:-1]:
        h = np.tanh(h @ layer.W + layer.b)
    last = params[-1]
    out = h @ last.W + last.b
    return np.mean((out[:, 0] - Y_DATA[:5]) ** 2)


CFG = {"springs": SPRINGS, "k_wall": 2.0}


def p_spring_objects_dict(x):
    pos = x.reshape(-1, 2)
    e = sum(s.energy(pos[i], pos[i + 1]) for i, s in enumerate(CFG["springs"]))
    return e + CFG["k_wall"] * np.sum(pos[0] ** 2)


# --- kinks away from the kink --------------------------------------------------------


def p_where_kink(x):
    return np.sum(np.where(x > 0.0, x**3, -0.5 * x**2)) + np.sum(np.abs(x) * x)


def p_hinge_squared(w):
    z = X_DATA @ w
    margin = 1.0 - (2.0 * Y_DATA - 1.0) * z
    return np.sum(np.maximum(margin, 0.0) ** 2) + 0.1 * np.sum(np.abs(w) ** 3)


def p_clip_minimum(x):
    y = np.clip(x, -2.0, 2.0)
    return np.sum(np.minimum(y**2, 3.0) * np.exp(0.1 * y))


def p_max_builtin(x):
    a = max(x[0] ** 2, x[1])
    b = min(x[2], x[0] * x[1])
    return a * b + abs(x[2]) ** 1.5


# --- scalars ---------------------------------------------------------------------------


def s_newton_sqrt(a):
    x = a
    for _ in range(6):
        x = 0.5 * (x + a / x)
    return x * x + x


def s_series_while(x):
    term = 1.0
    total = 1.0
    k = 1
    while abs(term) > 1e-12:
        term = term * x / k
        total = total + term
        k += 1
    return total * math.cos(x)


def s_math_functions(x):
    return math.exp(-x) * math.log(1.0 + x * x) + math.sin(x) ** 2 + math.sqrt(x)


def s_special_scalar(x):
    return sp.gammaln(x) + sp.erf(0.5 * x) + sp.digamma(x) * x


def s_branchy_scalar(x):
    if x > 2.0:
        y = x**3 - 4.0 * x
    elif x > 0.0:
        y = np.exp(x) * x
    else:
        y = -x
    return y * np.sin(y)


def s_lj_dimer(r):
    return LJ.pair(r) + 0.5 * (r - 1.2) ** 2


PROGRAMS = {
    "rosenbrock_lib": (p_rosenbrock, (np.array([-1.2, 1.0, 0.8]),)),
    "newton_step_solve": (p_newton_step, (np.array([0.4, -0.3, 0.8]),)),
    "trust_region": (p_trust_region, (np.array([0.5, -0.4, 0.3]),)),
    "log_barrier": (p_log_barrier, (np.array([0.1, 0.2, -0.1]),)),
    "laplace_logistic_class": (p_laplace_logistic, (np.array([0.3, -0.2, 0.5]),)),
    "laplace_evidence_slogdet": (p_laplace_evidence, (np.array([0.3, -0.2, 0.5]),)),
    "fisher_gaussian_lib": (p_fisher_gaussian, (np.array([0.2, 0.1]),)),
    "stats_norm": (p_stats_norm, (np.array([0.2, 0.1]),)),
    "stats_t": (p_stats_t, (np.array([0.2, 0.1, 1.0]),)),
    "stats_gamma": (p_stats_gamma, (np.array([0.6, 0.3]),)),
    "negbin_gammaln": (p_negbin_gammaln, (np.array([0.5, -0.2]),)),
    "mixture_logsumexp": (p_mixture_logsumexp, (np.array([0.3, -0.5, 1.0]),)),
    "mvn_cov": (p_mvn_cov, (np.array([0.1, 0.3, -0.2, 0.1, -0.1]),)),
    "gp_nll_solve_det": (p_gp_nll, (np.array([-0.2, 0.1, -1.5]),)),
    "ar1_loglik": (p_ar1_loglik, (np.array([0.4, -0.3]),)),
    "softmax_regression_matrix": (p_softmax_regression, (RNG.standard_normal((3, 3)) * 0.3,)),
    "cholesky_logdet_inv": (p_cholesky_logdet, (np.array([0.3, -0.5, 0.2]),)),
    "spring_chain_dataclass": (
        p_spring_chain,
        (np.array([0.0, 0.0, 1.1, 0.2, 2.0, -0.1, 3.1, 0.3]),),
    ),
    "nbody_loops": (p_nbody_loops, (RNG.standard_normal(12),)),
    "nbody_vectorised": (p_nbody_vectorised, (RNG.standard_normal(12),)),
    "lennard_jones_class": (p_lennard_jones, (np.array([0.0, 0.0, 1.1, 0.1, 0.4, 1.0]),)),
    "pendulum_class_loop": (p_pendulum_fit, (np.array([0.4, 0.1]),)),
    "lagrangian": (p_lagrangian, (np.array([0.3, -0.4]),)),
    "partial_of_lib_to_lib_helper": (p_morse_lib_partial, (np.array([1.05, 1.2, 0.95]),)),
    "gd_loop_break": (p_gd_break, (np.array([0.8, -0.6, 1.2]),)),
    "while_ode": (p_while_ode, (np.array([0.5, -0.8]),)),
    "while_true_break_event": (p_while_break_event, (np.array([1.0, 0.5, 0.3]),)),
    "branch_on_value": (p_branch_on_value, (np.array([0.2, -0.5, 0.4]),)),
    "branch_on_value_high": (p_branch_on_value, (np.array([0.9, 0.5, 0.4]),)),
    "loop_continue_enumerate_zip": (p_loop_continue, (np.array([0.5, -0.9, 0.2, 1.0]),)),
    "inplace_copy_updates": (p_inplace_copy, (np.array([0.5, -0.3, 0.8, 1.1]),)),
    "recurrence_fill_local": (p_recurrence_fill, (np.array([0.5, -0.3, 0.8, 1.1]),)),
    "print_logging": (p_print_logging, (np.array([0.5, -0.3, 0.8]),)),
    "lambda_to_lib_helper": (p_lambda_twice, (np.array([0.5, -0.3, 0.8]),)),
    "local_partial_to_lib_helper": (p_partial_local, (np.array([0.5, -0.3, 0.8]),)),
    "lambda_rhs_closure": (p_rhs_lambda, (np.array([0.5, -0.3, 0.8]),)),
    "nested_def_generator_sum": (p_nested_def_closure, (np.array([0.5, -0.3, 0.8]),)),
    "dict_of_functions": (p_dict_of_functions, (np.array([0.0, 0.1, 1.1, 0.3]),)),
    "list_comprehension": (p_list_comprehension, (np.array([0.5, -0.3, 0.8, 0.2]),)),
    "dict_comprehension": (p_dict_comprehension, (np.array([0.5, -0.3, 0.8]),)),
    "dict_argument": (p_dict_argument, ({"w": np.array([0.3, -0.2, 0.1]), "b": 0.2, "lam": 0.5},)),
    "dataclass_argument": (p_dataclass_argument, (Params(np.array([0.3, -0.2, 0.1]), 0.2, -0.3),)),
    "namedtuple_lib_prior": (p_namedtuple_prior, (Prior(0.3, 0.2),)),
    "mlp_namedtuple_layers": (
        p_mlp_layers,
        (
            [
                Layer(RNG.standard_normal((3, 2)) * 0.5, np.zeros(2)),
                Layer(RNG.standard_normal((2, 1)) * 0.5, np.full(1, 0.1)),
            ],
        ),
    ),
    "spring_objects_in_dict": (
        p_spring_objects_dict,
        (np.array([0.0, 0.0, 1.1, 0.2, 2.0, -0.1, 3.1, 0.3]),),
    ),
    "where_abs_kink": (p_where_kink, (np.array([0.5, -0.3, 0.8, -1.2]),)),
    "hinge_squared_maximum": (p_hinge_squared, (np.array([0.3, -0.2, 0.5]),)),
    "clip_minimum": (p_clip_minimum, (np.array([0.5, -2.5, 1.9, 1.5]),)),
    "max_min_builtins": (p_max_builtin, (np.array([1.3, 0.5, -0.7]),)),
    "scalar_newton_sqrt": (s_newton_sqrt, (2.0,)),
    "scalar_series_while": (s_series_while, (0.7,)),
    "scalar_math": (s_math_functions, (1.3,)),
    "scalar_special": (s_special_scalar, (2.3,)),
    "scalar_branchy": (s_branchy_scalar, (1.2,)),
    "scalar_lj_dimer_method": (s_lj_dimer, (1.15,)),
}


# --- more: linear algebra, angles, inner gradients, scipy.linalg -----------------------


def p_eig_energy(x):
    M = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]]) + np.diag(x)
    M = M + 0.1 * np.outer(x, x)
    w = np.linalg.eigvalsh(M)
    return np.sum(w**3) + w[0] * w[-1]


def p_eigh_vectors(x):
    M = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 0.5]]) + np.diag(x)
    w, V = np.linalg.eigh(M)
    return w[0] + np.sum(V[:, 0] ** 4)


def _angle(a, b, c):
    u = a - b
    v = c - b
    cos_t = u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
    return np.arccos(cos_t)


def p_bond_angle(x):
    pos = x.reshape(-1, 3)
    e = 0.0
    for i in range(pos.shape[0] - 2):
        theta = _angle(pos[i], pos[i + 1], pos[i + 2])
        e = e + 0.5 * 2.0 * (theta - 1.9) ** 2
    return e


def p_dihedral(x):
    p = x.reshape(4, 3)
    b0 = p[0] - p[1]
    b1 = p[2] - p[1]
    b2 = p[3] - p[2]
    n1 = np.cross(b0, b1)
    n2 = np.cross(b1, b2)
    m1 = np.cross(n1, b1 / np.linalg.norm(b1))
    phi = np.arctan2(m1 @ n2, n1 @ n2)
    return 1.5 * (1.0 + np.cos(3.0 * phi - 0.2))


def _energy_for_newton(y):
    return np.sum(y**4) / 4.0 + 0.5 * y @ A_SPD @ y - B_VEC @ y


def p_inner_grad_newton(x):
    g = ad.grad(_energy_for_newton)(x)
    H = A_SPD + np.diag(3.0 * x**2)
    x_new = x - np.linalg.solve(H, g)
    return _energy_for_newton(x_new)


def p_inner_grad_gd_loop(x):
    y = x
    for _ in range(4):
        y = y - 0.05 * ad.grad(rosenbrock)(y)
    return rosenbrock(y)


def p_scipy_linalg(t):
    M = A_SPD + np.outer(t, t)
    c = sla.cholesky(M, lower=True)
    z = sla.solve_triangular(c, B_VEC, lower=True)
    return z @ z + np.log(sla.det(M)) + np.trace(sla.inv(M))


def p_scipy_solve_pos(t):
    M = A_SPD + np.diag(np.exp(t))
    return B_VEC @ sla.solve(M, B_VEC, assume_a="pos")


def p_kalman_loglik(t):
    q, r = np.exp(t[0]), np.exp(t[1])
    F = np.array([[1.0, 0.1], [0.0, 1.0]])
    Hm = np.array([[1.0, 0.0]])
    m = np.zeros(2)
    P = np.eye(2)
    ll = 0.0
    for yk in SERIES[:8]:
        m = F @ m
        P = F @ P @ F.T + q * np.eye(2)
        S = Hm @ P @ Hm.T + r
        K = P @ Hm.T / S[0, 0]
        resid = yk - (Hm @ m)[0]
        ll = ll - 0.5 * (np.log(2 * np.pi * S[0, 0]) + resid**2 / S[0, 0])
        m = m + K[:, 0] * resid
        P = P - K @ Hm @ P
    return -ll


def p_laplacian_energy(u):
    grad_u = np.diff(u)
    lap = np.roll(u, 1) - 2.0 * u + np.roll(u, -1)
    return 0.5 * np.sum(grad_u**2) + 0.25 * np.sum(u**4) + 0.1 * np.sum(lap**2)


def p_einsum_energy(x):
    pos = x.reshape(-1, 2)
    gram = np.einsum("id,jd->ij", pos, pos)
    return np.einsum("ij,ij->", gram, gram) + np.tensordot(pos, pos, axes=2)


def p_sorted_trimmed(x):
    r = (OBS[:6] - x[0]) / np.exp(x[1])
    s = np.sort(r * r)
    return np.sum(s[:-2]) + x[1] * 4.0


def p_sorted_key(x):
    terms = sorted([x[0] ** 2, x[1] * 3.0, np.sin(x[2])], key=lambda v: -v)
    return terms[0] * 2.0 + terms[1] * terms[2]


def p_prod_cumprod_norm(x):
    return np.prod(1.0 + x**2) + np.sum(np.cumprod(np.cos(x))) + np.linalg.norm(x) ** 3


def p_std_var(x):
    return np.std(x, ddof=1) * np.var(x) + np.mean(x) ** 2


@dataclasses.dataclass
class Oscillator:
    k: float
    m: float

    def energy(self, q, p):
        return 0.5 * p * p / self.m + 0.5 * self.k * q * q


OSC = Oscillator(2.0, 1.5)


def p_dataclass_replace(x):
    e = 0.0
    q, p = x[0], x[1]
    for _ in range(5):
        p = p - 0.1 * OSC.k * q
        q = q + 0.1 * p / OSC.m
        e = e + OSC.energy(q, p)
    stiff = dataclasses.replace(OSC, k=OSC.k * x[2])
    return e + stiff.k * q * q


def p_data_args(w, X, y, n_iter):
    b = 0.0
    for _ in range(n_iter):
        b = b + 0.1 * np.mean(y - sp.expit(X @ w + b))
    z = X @ w + b
    return np.sum(softplus(z) - y * z)


def p_wrt_first_of_many(x, scale, shift, label):
    if label == "quartic":
        return np.sum(((x - shift) * scale) ** 4) + np.sum(x**2)
    return np.sum(np.cosh(x * scale))


def p_namedtuple_replace(prior):
    p2 = prior._replace(scale=prior.scale * 2.0)
    return -np.sum(gaussian_logpdf(OBS, p2.mu, p2.scale)) + prior.mu**2


def p_stats_beta_poisson_dirichlet(t):
    a, b = np.exp(t[0]), np.exp(t[1])
    lp = np.sum(st.beta.logpdf(np.array([0.2, 0.5, 0.7]), a, b))
    lp = lp + np.sum(st.poisson.logpmf(COUNTS, np.exp(t[2])))
    lp = lp + st.dirichlet.logpdf(np.array([0.2, 0.3, 0.5]), np.exp(t[:3]))
    return -lp


def p_frozen_in_expression(t):
    return -np.sum(st.norm(t[0], np.exp(t[1])).logpdf(OBS))


def _logged_energy(y):
    e = np.sum(y**2 * np.cos(y))
    print("helper energy", round(float(e), 6))
    return e


def p_printing_helper(x):
    return _logged_energy(x) + _logged_energy(2.0 * x)


def p_aug_assign_loop(x):
    acc = np.zeros(2)
    v = x.copy()
    for i in range(4):
        acc += v[:2] * v[2:]
        v *= 0.9
        v[i] -= 0.1 * v[i] ** 2
    return np.sum(acc**2) + np.sum(v**3)


def p_checkpointed_loop(x):
    y = x
    for _ in ad.checkpoint(range(12), every=4):
        y = y + 0.05 * np.tanh(A_SPD @ y)
    return np.sum(y**2)


def p_break_fill_in_loop(x):
    out = np.zeros(6)
    y = x[0]
    for i in range(6):
        y = y * x[1] + np.sin(y)
        out[i] = y
        if abs(y) > 3.0:
            break
    return np.sum(out**2)


def p_partial_of_method(x):
    fn = functools.partial(LJ.pair)
    rs = 1.0 + np.exp(x)
    return sum(fn(r) for r in rs)


def p_global_partial_lib(x):
    return weighted_sum(SOFT_ABS_WIDE, x, np.array([1.0, 2.0, 3.0]))


SOFT_ABS_WIDE = functools.partial(smooth_abs, eps=0.5)


def s_inner_grad_scalar(x):
    d = ad.grad(s_newton_sqrt)(x)
    return d * x + s_newton_sqrt(x)


def s_bisection_free_newton(c):
    x = 1.0
    it = 0
    while abs(x**3 - c) > 1e-12 and it < 50:
        x = x - (x**3 - c) / (3.0 * x**2)
        it += 1
    return x


PROGRAMS.update(
    {
        "eigvalsh_energy": (p_eig_energy, (np.array([0.2, -0.1, 0.3]),)),
        "eigh_vectors": (p_eigh_vectors, (np.array([0.2, -0.1, 0.3]),)),
        "bond_angle_arccos": (p_bond_angle, (RNG.standard_normal(12),)),
        "dihedral_cross_arctan2": (
            p_dihedral,
            (np.array([1.0, 0.2, 0.0, 0.0, 0.0, 0.1, 0.1, 1.5, 0.0, 1.2, 1.7, 0.9]),),
        ),
        "inner_grad_newton": (p_inner_grad_newton, (np.array([0.4, -0.3, 0.8]),)),
        "inner_grad_gd_loop": (p_inner_grad_gd_loop, (np.array([0.4, 0.3, 0.2]),)),
        "scipy_linalg_chol_tri_det_inv": (p_scipy_linalg, (np.array([0.3, -0.5, 0.2]),)),
        "scipy_linalg_solve_pos": (p_scipy_solve_pos, (np.array([0.3, -0.5, 0.2]),)),
        "kalman_loglik": (p_kalman_loglik, (np.array([-1.0, -0.5]),)),
        "laplacian_energy_roll_diff": (
            p_laplacian_energy,
            (np.array([0.3, -0.5, 0.2, 0.9, -0.1]),),
        ),
        "einsum_tensordot": (p_einsum_energy, (np.array([0.3, -0.5, 0.2, 0.9, -0.1, 0.4]),)),
        "sort_trimmed": (p_sorted_trimmed, (np.array([0.3, 0.1]),)),
        "sorted_key_lambda": (p_sorted_key, (np.array([0.3, 0.5, 1.2]),)),
        "prod_cumprod_norm": (p_prod_cumprod_norm, (np.array([0.3, -0.5, 0.2]),)),
        "std_var": (p_std_var, (np.array([0.3, -0.5, 0.2, 0.9]),)),
        "dataclass_replace_method": (p_dataclass_replace, (np.array([0.5, -0.2, 1.3]),)),
        "data_and_int_arguments": (p_data_args, (np.array([0.3, -0.2, 0.5]), X_DATA, Y_DATA, 3)),
        "string_and_float_arguments": (
            p_wrt_first_of_many,
            (np.array([0.3, -0.2, 0.5]), 1.5, 0.2, "quartic"),
        ),
        "namedtuple_replace": (p_namedtuple_replace, (Prior(0.3, 0.2),)),
        "stats_beta_poisson_dirichlet": (
            p_stats_beta_poisson_dirichlet,
            (np.array([0.3, 0.5, 0.2]),),
        ),
        "stats_frozen_in_expression": (p_frozen_in_expression, (np.array([0.3, 0.2]),)),
        "printing_helper": (p_printing_helper, (np.array([0.3, -0.5, 0.2]),)),
        "aug_assign_loop": (p_aug_assign_loop, (np.array([0.3, -0.5, 0.2, 0.7]),)),
        "checkpointed_loop": (p_checkpointed_loop, (np.array([0.3, -0.5, 0.2]),)),
        "break_fill_in_loop": (p_break_fill_in_loop, (np.array([0.8, 1.3]),)),
        "partial_of_method": (p_partial_of_method, (np.array([0.1, 0.3, -0.05]),)),
        "global_partial_lib": (p_global_partial_lib, (np.array([0.3, -0.5, 0.2]),)),
        "scalar_inner_grad": (s_inner_grad_scalar, (2.0,)),
        "scalar_newton_cuberoot_while": (s_bisection_free_newton, (3.0,)),
    }
)


# --- more: inner gradients, nested records, periodic boxes -------------------------------


def loglik_one(theta, xi):
    return gaussian_logpdf(xi, theta[0], theta[1])


def q_fisher_inner_grad(theta):
    F = 0.01 * np.eye(2)
    for xi in OBS[:5]:
        s = ad.grad(loglik_one)(theta, xi)
        F = F + np.outer(s, s)
    sign, ld = np.linalg.slogdet(F)
    return ld


def q_lambdas_in_loop(x):
    fs = [lambda v, k=k: np.exp(-k * v * v) for k in (1.0, 2.0, 3.0)]
    total = 0.0
    for f in fs:
        total = total + np.sum(f(x))
    return total


def q_nested_dict(p):
    h = np.tanh(X_DATA @ p["l1"]["W"] + p["l1"]["b"])
    out = h @ p["l2"]["w"]
    return np.mean((out - Y_DATA) ** 2)


def q_items_get(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    total = 0.0
    for k, v in d.items():
        total = total + v**3 * d.get("c", 1.5)
    return total + d.get("a") * d["b"]


def q_hypot_logaddexp(x):
    return (
        np.sum(np.hypot(x, 1.0 + x**2)) + np.sum(np.logaddexp(x, -x)) + math.fsum([x[0], x[1] ** 2])
    )


def q_value_in_branch(x):
    r = np.sqrt(np.sum(x * x))
    if r > 0.5:
        return r**3
    return np.sum(x)


def q_helper_while_break(x):
    return _while_helper(x) ** 2


def _while_helper(v):
    k = 0
    out = v
    while True:
        out = np.cos(out) * 0.9 + 0.05 * v
        k += 1
        if k >= 7:
            break
    return np.sum(out)


def q_lj_min_image(x):
    pos = x.reshape(-1, 2)
    L = 3.0
    e = 0.0
    for i in range(pos.shape[0]):
        for j in range(i):
            d = pos[i] - pos[j]
            d = d - L * np.round(d / L)
            r = np.sqrt(d @ d)
            if r < 2.5:
                e = e + lj_pair(r)
    return e


def q_float_cast(x):
    n = float(len(x))
    s = 0.0
    for xi in x:
        s += float(np.exp(xi)) / n
    return s * s


def q_inner_value_and_grad(x):
    v, g = ad.value_and_grad(p_rosenbrock)(x)
    return v + 0.5 * np.sum(g * g) * 1e-3


def s_loop_scalar_lib(x):
    return _while_helper(np.array([x, 2 * x])) * x


def q_tuple_arg(p):
    W, b = p
    return np.sum(softplus(X_DATA @ W + b))


def q_mean_axis_keepdims(x):
    M = x.reshape(3, 2)
    c = M - np.mean(M, axis=0, keepdims=True)
    return np.sum(c**2 * np.exp(M)) + np.max(M) ** 2


def q_where_inf_branch(x):
    return np.sum(np.where(x > 0.0, np.log1p(x), x - 0.5 * x * x))


PROGRAMS.update(
    {
        "fisher_inner_grad": (q_fisher_inner_grad, (np.array([0.2, 0.1]),)),
        "local_list_of_lambdas": (q_lambdas_in_loop, (np.array([0.2, -0.4, 0.6]),)),
        "nested_dict": (
            q_nested_dict,
            (
                {
                    "l1": {"W": np.ones((3, 2)) * 0.2, "b": np.zeros(2) + 0.1},
                    "l2": {"w": np.array([0.5, -0.3])},
                },
            ),
        ),
        "items_get": (q_items_get, (np.array([0.2, -0.4]),)),
        "hypot_logaddexp": (q_hypot_logaddexp, (np.array([0.2, -0.4, 0.6]),)),
        "value_in_branch": (q_value_in_branch, (np.array([0.4, -0.6, 0.6]),)),
        "helper_while_break": (q_helper_while_break, (np.array([0.4, -0.6, 0.6]),)),
        "lj_min_image": (q_lj_min_image, (np.array([0.0, 0.0, 1.1, 0.1, 0.4, 1.0, 1.6, 1.2]),)),
        "float_cast": (q_float_cast, (np.array([0.2, -0.4, 0.6]),)),
        "inner_value_and_grad": (q_inner_value_and_grad, (np.array([0.2, -0.4, 0.6]),)),
        "scalar_loop_lib": (s_loop_scalar_lib, (0.7,)),
        "tuple_arg": (q_tuple_arg, ((np.ones((3, 2)) * 0.1, np.array([0.1, -0.2])),)),
        "mean_axis_keepdims": (q_mean_axis_keepdims, (np.array([0.2, -0.4, 0.6, 0.1, 0.9, -0.3]),)),
        "where_log1p": (q_where_inf_branch, (np.array([0.2, -0.4, 0.6]),)),
    }
)

# (local_list_of_lambdas, `[lambda v, k=k: ... for k in ...]` iterated by `for f in fs`, was
# refused: written out since session 39, ssa/lambda_lists.py)
XFAIL: dict[str, str] = {}


# --- structure helpers -----------------------------------------------------------------


def _is_leaf(t):
    return isinstance(t, (float, np.floating)) or (
        isinstance(t, np.ndarray) and t.dtype.kind == "f"
    )


def _children(node, tmpl):
    """Pairs (child of node, child of tmpl), in tmpl's order."""
    if isinstance(tmpl, dict):
        return [(node[k], tmpl[k]) for k in tmpl]
    if dataclasses.is_dataclass(tmpl):
        return [(getattr(node, f.name), getattr(tmpl, f.name)) for f in dataclasses.fields(tmpl)]
    if isinstance(tmpl, (tuple, list)):
        return list(zip(node, tmpl, strict=True))
    return []


def _walk(node, tmpl):
    if _is_leaf(tmpl):
        return [node]
    out = []
    for n, t in _children(node, tmpl):
        out.extend(_walk(n, t))
    return out


def _flat(node, tmpl):
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in _walk(node, tmpl)])


def _unflat(vec, tmpl, pos=None):
    pos = [0] if pos is None else pos
    if _is_leaf(tmpl):
        size = np.size(tmpl)
        chunk = vec[pos[0] : pos[0] + size]
        pos[0] += size
        if isinstance(tmpl, np.ndarray):
            return chunk.reshape(tmpl.shape).copy()
        return float(chunk[0])
    if isinstance(tmpl, dict):
        return {k: _unflat(vec, v, pos) for k, v in tmpl.items()}
    if dataclasses.is_dataclass(tmpl):
        vals = {f.name: _unflat(vec, getattr(tmpl, f.name), pos) for f in dataclasses.fields(tmpl)}
        return dataclasses.replace(tmpl, **vals)
    if isinstance(tmpl, tuple) and hasattr(tmpl, "_fields"):
        return type(tmpl)(*[_unflat(vec, v, pos) for v in tmpl])
    if isinstance(tmpl, (tuple, list)):
        return type(tmpl)(_unflat(vec, v, pos) for v in tmpl)
    return tmpl


def _flat_hessian(H, tmpl):
    """The Hessian's structure of structures as one (n, n) matrix, in tmpl's leaf order."""
    sizes = [np.size(v) for v in _walk(tmpl, tmpl)]
    rows = []
    for outer, size in zip(_walk(H, tmpl), sizes, strict=True):
        blocks = [np.asarray(b, dtype=float).reshape(size, -1) for b in _walk(outer, tmpl)]
        rows.append(np.concatenate(blocks, axis=1))
    return np.concatenate(rows, axis=0)


def _call(f, x, rest):
    return f(x, *rest)


def _grad_fd(f, x, rest, eps=1e-6):
    v0 = _flat(x, x)
    g = np.zeros_like(v0)
    for i in range(v0.size):
        e = np.zeros_like(v0)
        e[i] = eps
        g[i] = (f(_unflat(v0 + e, x), *rest) - f(_unflat(v0 - e, x), *rest)) / (2 * eps)
    return g


def _hess_fd(f, x, rest, eps=1e-5):
    v0 = _flat(x, x)
    g = ad.grad(f)
    cols = []
    for i in range(v0.size):
        e = np.zeros_like(v0)
        e[i] = eps
        gp = _flat(g(_unflat(v0 + e, x), *rest), x)
        gm = _flat(g(_unflat(v0 - e, x), *rest), x)
        cols.append((gp - gm) / (2 * eps))
    return np.array(cols).T


def _close(a, b, rtol, atol_scale):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    atol = atol_scale * (1.0 + np.max(np.abs(b)))
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _twice(fn):
    first = fn()
    second = fn()
    return first, second


def _params(names):
    out = []
    for name in names:
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


@pytest.mark.parametrize("name", _params(PROGRAMS))
def test_first_order(name, capsys):
    f, args = PROGRAMS[name]
    x, rest = args[0], args[1:]
    plain = f(*args)
    val, g = ad.value_and_grad(f)(*args)
    val2, g2 = ad.value_and_grad(f)(*args)
    assert val == plain and val2 == plain
    gf = _flat(g, x)
    assert np.array_equal(gf, _flat(g2, x))
    np.testing.assert_array_equal(gf, _flat(ad.grad(f)(*args), x))
    _close(gf, _grad_fd(f, x, rest), 1e-5, 1e-6)


def _second_order(name):
    f, args = PROGRAMS[name]
    x, rest = args[0], args[1:]
    g = _flat(ad.grad(f)(*args), x)
    n = g.size
    H1, H2 = _twice(lambda: ad.hessian(f)(*args))
    H = _flat_hessian(H1, x)
    assert H.shape == (n, n)
    np.testing.assert_array_equal(H, _flat_hessian(H2, x))
    _close(H, _hess_fd(f, x, rest), 1e-4, 1e-6)
    gf = ad.grad(f)
    for api in (ad.jacfwd, ad.jacrev):
        J1, J2 = _twice(lambda api=api: api(gf)(*args))
        _close(_flat_hessian(J1, x), H, 1e-8, 1e-10)
        np.testing.assert_array_equal(_flat_hessian(J1, x), _flat_hessian(J2, x))
    v = np.linspace(0.7, -0.4, n) + 0.05
    vt = _unflat(v, x)
    tangents = (vt,) + (None,) * len(rest)
    for api in (lambda: ad.hvp(f, args, tangents), lambda: ad.jvp(gf, args, tangents)):
        (o1, hv1), (o2, hv2) = _twice(api)
        _close(_flat(o1, x), g, 1e-12, 1e-14)
        _close(_flat(hv1, x), H @ v, 1e-8, 1e-10)
        np.testing.assert_array_equal(_flat(hv1, x), _flat(hv2, x))
    out, pb = ad.vjp(gf, *args)
    _close(_flat(out, x), g, 1e-12, 1e-14)
    r1, r2 = _twice(lambda: pb(vt))
    _close(_flat(r1[0], x), H.T @ v, 1e-8, 1e-10)
    np.testing.assert_array_equal(_flat(r1[0], x), _flat(r2[0], x))
    if isinstance(x, float):
        d1, d2 = _twice(lambda: ad.grad(gf)(*args))
        _close(d1, H[0, 0], 1e-8, 1e-10)
        assert d1 == d2


@pytest.mark.parametrize("name", _params(PROGRAMS))
def test_second_order(name, capsys):
    _second_order(name)
