"""Independent tests (73rd tester): SciPy's linear algebra and special-function rules, as
Gaussian-process, Kalman-filter and robust-statistics code uses them.

Written from the README alone, without reading s2s_ad's code. Each program is what a user
writes: the Rasmussen & Williams Alg. 2.1 negative log marginal likelihood through
``scipy.linalg.cholesky`` and ``solve_triangular``, the same through ``solve(assume_a="pos")``,
Kalman updates through ``inv`` and ``solve``, log-determinants from a Cholesky diagonal, a
continuous-time Markov chain's ``expm(Q * t)``, Huber regressions, histogram divergences and
Box-Cox likelihoods.

The truth is the plain call: central differences of it (float64, eps 1e-6, rtol 1e-5; 1e-4 for
second differences), forward mode against reverse mode, and every primal value an API returns
must equal the plain call's exactly. Matrices are perturbed in every entry, so a rule reading
one triangle must give the other triangle a zero derivative, as central differences do.
A refusal must be an ``S2SError`` naming this file. Where s2s_ad is wrong today the test is a
strict expected failure whose reason says what was observed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.linalg
import scipy.special as sp
from scipy.linalg import cho_solve, cholesky, det, expm, inv, solve, solve_triangular

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads

THIS_FILE = os.path.basename(__file__)
EPS = 1e-6
RTOL = 1e-5
RTOL2 = 1e-4
ATOL = 1e-7

# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------

_R = np.random.default_rng(73)
X_GP = np.linspace(-1.5, 1.5, 6)
Y_GP = np.sin(2.0 * X_GP) + 0.1 * _R.standard_normal(6)
THETA = np.array([np.log(0.7), np.log(1.2), np.log(0.3)])  # log length, log signal, log noise


def _spd(n, seed, shift=1.0):
    r = np.random.default_rng(seed)
    m = r.standard_normal((n, n))
    return m @ m.T / n + shift * np.eye(n)


def _nonsym(a, seed, size=0.3):
    """A positive definite matrix plus a non-symmetric perturbation: the triangles differ."""
    r = np.random.default_rng(seed)
    return a + size * np.triu(r.standard_normal(a.shape), 1)


A4 = _spd(4, 1)
A4_NS = _nonsym(A4, 2)  # upper triangle differs from the lower one
A4_NSL = _nonsym(A4, 3).T  # lower triangle differs
B4 = _R.standard_normal(4)
B43 = _R.standard_normal((4, 3))
G4 = _R.standard_normal((4, 4)) + 4.0 * np.eye(4)  # general, well conditioned
U4 = np.triu(_R.standard_normal((4, 4))) + 3.0 * np.eye(4)
L4 = np.tril(_R.standard_normal((4, 4))) + 3.0 * np.eye(4)
FULL4 = _R.standard_normal((4, 4)) + 3.0 * np.eye(4)  # both triangles full

# Kalman
P0 = _spd(3, 5, 0.5)
H0 = _R.standard_normal((2, 3))
R0 = _spd(2, 6, 0.2)
X0 = _R.standard_normal(3)
Z0 = _R.standard_normal(2)

# CTMC
RATES = np.array([0.8, 0.3, 0.5, 0.2, 0.6, 0.4])
P_START = np.array([0.6, 0.3, 0.1])
COUNTS = np.array([[5.0, 2.0, 1.0], [1.0, 6.0, 2.0], [0.0, 3.0, 4.0]])

# regression
XR = _R.standard_normal((9, 3))
YR = XR @ np.array([1.0, -2.0, 0.5]) + np.array([0.1, -0.2, 3.0, 0.05, -2.5, 0.3, 0.0, 0.2, 0.1])
WR = np.array([0.8, -1.5, 0.3])

# histograms
LOGITS = np.array([0.3, -0.2, 1.1, 0.4, -0.7])
Q_HIST = np.array([0.15, 0.25, 0.3, 0.2, 0.1])

# Box-Cox
POS_DATA = np.array([0.8, 1.3, 2.1, 0.5, 3.2, 1.7, 0.9])


# ---------------------------------------------------------------------------------------------
# programs
# ---------------------------------------------------------------------------------------------


def _kernel(theta, x):
    ell = np.exp(theta[0])
    sf2 = np.exp(2.0 * theta[1])
    sn2 = np.exp(2.0 * theta[2])
    d = x[:, None] - x[None, :]
    return sf2 * np.exp(-0.5 * d**2 / ell**2) + sn2 * np.eye(x.shape[0])


def gp_nll_chol(theta, x, y):
    """Rasmussen & Williams Algorithm 2.1."""
    K = _kernel(theta, x)
    L = cholesky(K, lower=True)
    v = solve_triangular(L, y, lower=True)
    alpha = solve_triangular(L.T, v, lower=False)
    n = y.shape[0]
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2.0 * np.pi)


def gp_nll_chol_trans(theta, x, y):
    """Alg. 2.1 with the upper factor and trans= instead of transposes."""
    K = _kernel(theta, x)
    U = scipy.linalg.cholesky(K)
    v = scipy.linalg.solve_triangular(U, y, trans="T")
    alpha = scipy.linalg.solve_triangular(U, v, trans=0)
    return 0.5 * np.dot(y, alpha) + np.sum(np.log(np.diagonal(U)))


def gp_nll_solve(theta, x, y):
    K = _kernel(theta, x)
    alpha = solve(K, y, assume_a="pos")
    logdet = 2.0 * np.sum(np.log(np.diag(cholesky(K, lower=True))))
    return 0.5 * y @ alpha + 0.5 * logdet


def gp_nll_det(theta, x, y):
    K = _kernel(theta, x)
    alpha = scipy.linalg.solve(K, y, assume_a="sym")
    return 0.5 * y @ alpha + 0.5 * np.log(det(K))


def gp_predict_mean(theta, x, y):
    """The posterior mean at the training points: a vector output."""
    K = _kernel(theta, x)
    noise = np.exp(2.0 * theta[2]) * np.eye(x.shape[0])
    return (K - noise) @ solve(K, y, assume_a="pos", lower=True)


def kalman_inv(P, H, R, x, z):
    S = H @ P @ H.T + R
    K = P @ H.T @ inv(S)
    x_new = x + K @ (z - H @ x)
    P_new = (np.eye(P.shape[0]) - K @ H) @ P
    return np.sum(x_new**2) + np.trace(P_new)


def kalman_solve(P, H, R, x, z):
    S = H @ P @ H.T + R
    Kt = solve(S, H @ P)  # general solve, S symmetric anyway
    innov = z - H @ x
    x_new = x + Kt.T @ innov
    P_new = P - Kt.T @ S @ Kt
    nll = 0.5 * innov @ solve(S, innov, assume_a="pos") + 0.5 * np.log(det(S))
    return nll + 0.1 * np.sum(x_new**2) + 0.1 * np.trace(P_new)


def kalman_state(P, H, R, x, z):
    """The updated state: a vector output."""
    S = H @ P @ H.T + R
    return x + P @ H.T @ solve(S, z - H @ x, assume_a="sym")


def logdet_chol(A):
    return 2.0 * np.sum(np.log(np.diag(cholesky(A))))


def logdet_chol_lower(A):
    return 2.0 * np.sum(np.log(np.diag(cholesky(A, lower=True))))


def solve_sym_upper(A, b):
    return np.sum(np.sin(solve(A, b, assume_a="sym")))


def solve_sym_lower(A, b):
    return np.sum(np.sin(solve(A, b, assume_a="sym", lower=True)))


def solve_pos_upper(A, b):
    return np.sum(solve(A, b, assume_a="pos") ** 2)


def solve_her_lower(A, b):
    return np.sum(solve(A, b, assume_a="her", lower=True) ** 2)


def solve_gen(A, b):
    return np.sum(np.tanh(solve(A, b, assume_a="gen")))


def solve_matrix_rhs(A, B):
    return solve(A, B)


def inv_trace(A, B):
    return np.trace(inv(A) @ B) + np.sum(inv(A) ** 2)


def det_log(A):
    return np.log(np.abs(det(A))) + det(A) ** 2 * 0.01


def _generator(rates):
    Q = np.array(
        [
            [-(rates[0] + rates[1]), rates[0], rates[1]],
            [rates[2], -(rates[2] + rates[3]), rates[3]],
            [rates[4], rates[5], -(rates[4] + rates[5])],
        ]
    )
    return Q


def ctmc_loglik(rates, t):
    Q = _generator(rates)
    P = expm(Q * t)
    return np.sum(COUNTS * np.log(P)) + np.log(P_START @ P @ np.ones(3))


def ctmc_marginal(rates, t):
    """The distribution after t: a vector output."""
    return P_START @ scipy.linalg.expm(_generator(rates) * t)


def huber_regression(w, X, y):
    r = y - X @ w
    return np.sum(sp.huber(1.0, r)) + 0.5 * np.sum(sp.pseudo_huber(0.5, r))


def huber_delta(delta, r):
    return np.sum(sp.huber(delta, r) + sp.pseudo_huber(delta, 2.0 * r))


def kl_hist(logits, q):
    p = np.exp(logits) / np.sum(np.exp(logits))
    return np.sum(sp.rel_entr(p, q)) + 0.5 * np.sum(sp.kl_div(q, p))


def kl_rows(logits, q):
    """Row-wise divergences of a batch of histograms: a vector output."""
    p = sp.softmax(logits, axis=-1)
    return np.sum(sp.kl_div(p, q), axis=-1)


LMBDA = 0.4


def boxcox_loglik(scale, x):
    lmbda = LMBDA
    z = x * scale
    y = sp.boxcox(z, lmbda)
    n = z.shape[0]
    mu = np.mean(y)
    return -0.5 * n * np.log(np.mean((y - mu) ** 2)) + (lmbda - 1.0) * np.sum(np.log(z))


def negbin_loglik(params, k):
    """Negative binomial log-likelihood through loggamma, log1p and expm1."""
    r = np.exp(params[0])
    mu = np.expm1(params[1]) + 1.0
    ll = (
        sp.loggamma(k + r)
        - sp.loggamma(r)
        - sp.loggamma(k + 1.0)
        + r * np.log(r / (r + mu))
        + k * sp.log1p(-r / (r + mu))
    )
    return np.sum(ll) + np.sum(sp.expm1(0.1 * params))


K_COUNTS = np.array([0.0, 3.0, 1.0, 7.0, 2.0])


# ---------------------------------------------------------------------------------------------
# checking
# ---------------------------------------------------------------------------------------------


def _as_float(v):
    return np.asarray(v, dtype=np.float64)


def _cd_jac(f, args, wrt, eps=EPS):
    """Central-difference Jacobian, shape out.shape + arg.shape."""
    x = _as_float(args[wrt])
    out0 = _as_float(f(*args))
    jac = np.zeros(out0.shape + x.shape)
    for idx in np.ndindex(*x.shape) if x.shape else [()]:
        xp = x.copy()
        xm = x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        ap = list(args)
        am = list(args)
        ap[wrt] = xp if x.shape else float(xp)
        am[wrt] = xm if x.shape else float(xm)
        d = (_as_float(f(*ap)) - _as_float(f(*am))) / (2 * eps)
        jac[(Ellipsis, *idx)] = d
    return jac


def _close(got, want, rtol=RTOL, atol=ATOL):
    got = _as_float(got)
    want = _as_float(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * scale)


def _same(got, want):
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def _direction(x, seed=0):
    r = np.random.default_rng(seed)
    x = _as_float(x)
    return r.standard_normal(x.shape) if x.shape else float(r.standard_normal())


def check(api, f, args, wrt=0):
    """Check one API on f at args with respect to argument wrt."""
    args = tuple(args)
    plain = f(*args)
    scalar = np.ndim(plain) == 0
    if api in ("grad", "value_and_grad", "hessian", "hvp"):
        assert scalar
    if api == "grad":
        g = ad.grad(f, wrt=wrt)(*args)
        _close(g, _cd_jac(f, args, wrt))
    elif api == "value_and_grad":
        v, g = ad.value_and_grad(f, wrt=wrt)(*args)
        _same(v, plain)
        _close(g, _cd_jac(f, args, wrt))
    elif api == "jvp":
        tangents = [None] * len(args)
        tangents[wrt] = _direction(args[wrt])
        out, t = ad.jvp(f, args, tuple(tangents))
        _same(out, plain)
        jac = _cd_jac(f, args, wrt)
        nd = np.ndim(args[wrt])
        want = np.tensordot(jac, tangents[wrt], axes=nd) if nd else jac * tangents[wrt]
        _close(t, want)
    elif api == "vjp":
        out, pullback = ad.vjp(f, *args)
        _same(out, plain)
        ct = _direction(plain, 1)
        cts = pullback(ct)
        jac = _cd_jac(f, args, wrt)
        no = np.ndim(plain)
        want = np.tensordot(ct, jac, axes=no) if no else ct * jac
        _close(cts[wrt], want)
    elif api == "jacfwd":
        _close(ad.jacfwd(f, wrt=wrt)(*args), _cd_jac(f, args, wrt))
    elif api == "jacrev":
        _close(ad.jacrev(f, wrt=wrt)(*args), _cd_jac(f, args, wrt))
    elif api == "fwd_vs_rev":
        jf = ad.jacfwd(f, wrt=wrt)(*args)
        jr = ad.jacrev(f, wrt=wrt)(*args)
        _close(jf, jr, rtol=1e-9, atol=1e-11)
    elif api == "grad+hvp":
        check("value_and_grad", f, args, wrt)
        check("hvp", f, args, wrt)
    elif api == "hessian":
        h = ad.hessian(f, wrt=wrt)(*args)
        g = ad.grad(f, wrt=wrt)
        _close(h, _cd_jac(g, args, wrt, eps=1e-5), rtol=RTOL2, atol=1e-6)
    elif api == "hvp":
        tangents = [None] * len(args)
        v = _direction(args[wrt], 2)
        tangents[wrt] = v
        res = ad.hvp(f, args, tuple(tangents))
        hv = res[1] if isinstance(res, tuple) else res
        g = ad.grad(f, wrt=wrt)
        hc = _cd_jac(g, args, wrt, eps=1e-5)
        nd = np.ndim(args[wrt])
        want = np.tensordot(hc, v, axes=nd) if nd else hc * v
        _close(hv, want, rtol=RTOL2, atol=1e-6)
    else:
        raise AssertionError(api)


FULL_APIS = ("grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "hvp")
VECTOR_APIS = ("jacfwd", "jacrev", "vjp")

# name -> (function, args, wrt): every API
FULL_PROGRAMS = {
    "gp_chol_theta": (gp_nll_chol, (THETA, X_GP, Y_GP), 0),
    "kalman_inv_P": (kalman_inv, (P0, H0, R0, X0, Z0), 0),
    "logdet_chol_upper_nonsym": (logdet_chol, (A4_NS,), 0),
    "solve_sym_lower_nonsym": (solve_sym_lower, (A4_NSL, B4), 0),
}

# value_and_grad and hvp against differences
PAIR_PROGRAMS = {
    "gp_chol_y": (gp_nll_chol, (THETA, X_GP, Y_GP), 2),
    "gp_chol_trans_theta": (gp_nll_chol_trans, (THETA, X_GP, Y_GP), 0),
    "gp_solve_pos_theta": (gp_nll_solve, (THETA, X_GP, Y_GP), 0),
    "gp_det_sym_theta": (gp_nll_det, (THETA, X_GP, Y_GP), 0),
    "kalman_inv_R": (kalman_inv, (P0, H0, R0, X0, Z0), 2),
    "kalman_solve_P": (kalman_solve, (P0, H0, R0, X0, Z0), 0),
    "kalman_solve_z": (kalman_solve, (P0, H0, R0, X0, Z0), 4),
    "logdet_chol_lower_nonsym": (logdet_chol_lower, (A4_NSL,), 0),
    "solve_sym_upper_nonsym": (solve_sym_upper, (A4_NS, B4), 0),
    "solve_pos_upper_nonsym": (solve_pos_upper, (A4_NS, B4), 0),
    "solve_her_lower_nonsym": (solve_her_lower, (A4_NSL, B4), 0),
    "solve_gen_A": (solve_gen, (G4, B4), 0),
    "inv_trace_A": (inv_trace, (G4, A4), 0),
    "det_log_A": (det_log, (G4,), 0),
    "huber_w": (huber_regression, (WR, XR, YR), 0),
    "huber_delta": (huber_delta, (0.7, YR - XR @ WR), 0),
    "huber_r": (huber_delta, (0.7, YR - XR @ WR), 1),
    "kl_logits": (kl_hist, (LOGITS, Q_HIST), 0),
    "kl_q": (kl_hist, (LOGITS, Q_HIST), 1),
    "boxcox_scale": (boxcox_loglik, (1.3, POS_DATA), 0),
    "boxcox_x": (boxcox_loglik, (1.3, POS_DATA), 1),
    "negbin_params": (negbin_loglik, (np.array([0.4, 1.1]), K_COUNTS), 0),
}

VECTOR_PROGRAMS = {
    "gp_mean_theta": (gp_predict_mean, (THETA, X_GP, Y_GP), 0),
    "kalman_state_P": (kalman_state, (P0, H0, R0, X0, Z0), 0),
    "solve_matrix_rhs_A": (solve_matrix_rhs, (FULL4, B43), 0),
    "solve_matrix_rhs_B": (solve_matrix_rhs, (FULL4, B43), 1),
    "kl_rows": (kl_rows, (np.stack([LOGITS, LOGITS[::-1]]), np.stack([Q_HIST, Q_HIST])), 0),
}

EXPM_CASES = [
    ("ctmc_rates", ctmc_loglik, (RATES, 0.7), 0, api)
    for api in ("grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev")
] + [
    ("ctmc_t", ctmc_loglik, (RATES, 0.7), 1, "grad"),
    ("ctmc_t", ctmc_loglik, (RATES, 0.7), 1, "jvp"),
    ("ctmc_marginal", ctmc_marginal, (RATES, 0.7), 0, "jacfwd"),
    ("ctmc_marginal", ctmc_marginal, (RATES, 0.7), 0, "jacrev"),
    ("ctmc_marginal_t", ctmc_marginal, (RATES, 0.7), 1, "vjp"),
]


def _cases(programs, apis):
    return [pytest.param(name, api, id=f"{name}-{api}") for name in programs for api in apis]


@pytest.mark.parametrize(("name", "api"), _cases(FULL_PROGRAMS, FULL_APIS))
def test_every_api(name, api):
    f, args, wrt = FULL_PROGRAMS[name]
    check(api, f, args, wrt)


@pytest.mark.parametrize("name", list(PAIR_PROGRAMS))
def test_value_gradient_and_hvp(name):
    f, args, wrt = PAIR_PROGRAMS[name]
    check("grad+hvp", f, args, wrt)


@pytest.mark.parametrize(("name", "api"), _cases(VECTOR_PROGRAMS, VECTOR_APIS))
def test_vector_output(name, api):
    f, args, wrt = VECTOR_PROGRAMS[name]
    check(api, f, args, wrt)


@pytest.mark.parametrize(
    ("f", "args", "wrt", "api"),
    [pytest.param(f, a, w, api, id=f"{n}-{api}") for n, f, a, w, api in EXPM_CASES],
)
def test_expm_first_order(f, args, wrt, api):
    check(api, f, args, wrt)


def ctmc_path(rates, dts):
    """Likelihood of a two-state chain observed at several times: expm in a loop."""
    Q = np.array([[-rates[0], rates[0]], [rates[1], -rates[1]]])
    p = np.array([1.0, 0.0])
    ll = 0.0
    for dt in dts:
        p = p @ scipy.linalg.expm(Q * dt)
        ll = ll + np.log(p[1])
    return ll


def test_expm_in_a_loop_all_first_order_apis():
    args = (np.array([0.7, 0.4]), [0.3, 0.5, 1.0])
    for api in ("grad", "jvp", "vjp", "jacrev"):
        check(api, ctmc_path, args, 0)


@pytest.mark.parametrize("api", ["hessian", "hvp"])
def test_expm_second_order(api):
    """Refused at the line until session 39 (expm_frechet had no rule): against central
    differences of the gradient."""
    gradient, h = ad.grad(ctmc_loglik), 1e-5
    steps = np.eye(RATES.size)
    reference = np.array(
        [(gradient(RATES + h * e, 0.7) - gradient(RATES - h * e, 0.7)) / (2 * h) for e in steps]
    )
    if api == "hessian":
        got = ad.hessian(ctmc_loglik)(RATES, 0.7)
    else:
        products = [ad.hvp(ctmc_loglik, (RATES, 0.7), (e, None))[1] for e in steps]
        got = np.stack([p[0] if isinstance(p, tuple) else p for p in products])
    np.testing.assert_allclose(got, reference, rtol=1e-5, atol=1e-6)


# --- solve_triangular: every lower / trans / unit_diagonal spelling, as literals -------------


def tri_U_0(T, b):
    return np.sum(np.sin(solve_triangular(T, b, trans=0)))


def tri_U_1(T, b):
    return np.sum(np.sin(solve_triangular(T, b, trans=1, unit_diagonal=True)))


def tri_U_2(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=False, trans=2)))


def tri_U_N_unit(T, b):
    return np.sum(np.sin(solve_triangular(T, b, trans="N", unit_diagonal=True)))


def tri_U_T(T, b):
    return np.sum(np.sin(solve_triangular(T, b, trans="T")))


def tri_U_C_unit(T, b):
    return np.sum(np.sin(solve_triangular(T, b, trans="C", unit_diagonal=True)))


def tri_L_0_unit(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, unit_diagonal=True)))


def tri_L_1(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, trans=1)))


def tri_L_2_unit(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, trans=2, unit_diagonal=True)))


def tri_L_N(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, trans="N")))


def tri_L_T_unit(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, trans="T", unit_diagonal=True)))


def tri_L_C(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, trans="C")))


def tri_positional(T, b):
    return np.sum(np.sin(solve_triangular(T, b, "T", True, True)))


def tri_keywords(T, b):
    return np.sum(np.sin(solve_triangular(a=T, b=b, lower=True, trans="T", unit_diagonal=False)))


TRI = [
    tri_U_0,
    tri_U_1,
    tri_U_2,
    tri_U_N_unit,
    tri_U_T,
    tri_U_C_unit,
    tri_L_0_unit,
    tri_L_1,
    tri_L_2_unit,
    tri_L_N,
    tri_L_T_unit,
    tri_L_C,
    tri_positional,
    tri_keywords,
]


@pytest.mark.parametrize("f", TRI, ids=[f.__name__ for f in TRI])
def test_solve_triangular_spellings(f):
    """A full matrix: the triangle not read (and a unit diagonal) must get zero derivative."""
    args = (FULL4, B43)
    check("grad", f, args, 0)
    check("jvp", f, args, 0)
    check("hvp", f, args, 0)
    check("vjp", f, args, 1)
    check("fwd_vs_rev", f, args, 1)


# --- keyword and positional spellings of the other rules ------------------------------------


def chol_keywords(A):
    return np.sum(np.sin(cholesky(a=A, lower=True, check_finite=False)))


def chol_positional(A):
    return np.sum(np.sin(scipy.linalg.cholesky(A, True, False, True)))


def solve_keywords(A, b):
    return np.sum(np.sin(solve(a=A, b=b, assume_a="pos", lower=True, check_finite=False)))


def solve_positional_lower(A, b):
    return np.sum(np.sin(solve(A, b, True, False, False, True, "sym")))


def solve_long_kind(A, b):
    return np.sum(np.sin(solve(A, b, assume_a="positive definite")))


def inv_det_keywords(A):
    return np.sum(np.sin(inv(a=A, overwrite_a=False))) + det(a=A, check_finite=True)


def expm_keyword(A):
    return np.sum(np.sin(expm(A=A)))


SPELLINGS = [
    (chol_keywords, (A4_NS,), ("grad", "jvp", "hvp")),
    (chol_positional, (A4_NSL,), ("grad", "jvp", "hvp")),
    (solve_keywords, (A4_NS, B4), ("grad", "jvp", "hvp")),
    (solve_positional_lower, (A4_NS, B4), ("grad", "jvp", "hvp")),
    (solve_long_kind, (A4_NSL, B4), ("grad", "jvp", "hvp")),
    (inv_det_keywords, (G4,), ("grad", "jvp", "hvp")),
    (expm_keyword, (0.3 * G4,), ("grad", "jvp", "vjp")),
]


@pytest.mark.parametrize(
    ("f", "args", "apis"), SPELLINGS, ids=[f.__name__ for f, _, _ in SPELLINGS]
)
def test_keyword_and_positional_spellings(f, args, apis):
    for api in apis:
        check(api, f, args, 0)


# --- batches ---------------------------------------------------------------------------------

_RB = np.random.default_rng(731)
AB = np.stack([_nonsym(_spd(3, 20 + i), 30 + i) for i in range(2)])
AB = AB + 0.2 * np.tril(_RB.standard_normal((2, 3, 3)), -1)  # both triangles differ
FB = _RB.standard_normal((2, 3, 3)) + 3.0 * np.eye(3)
BB = _RB.standard_normal((2, 3, 2))


def chol_batch(A):
    return np.sum(np.sin(cholesky(A)))


def solve_batch_sym_pos(A, b):
    return np.sum(np.sin(solve(A, b, assume_a="sym"))) + np.sum(
        solve(A, b, assume_a="pos", lower=True) ** 2
    )


def tri_batch(T, b):
    return np.sum(np.sin(solve_triangular(T, b, lower=True, trans="T")))


def inv_det_batch(A):
    return np.sum(np.sin(inv(A))) + np.sum(det(A) ** 2)


def expm_batch(A):
    return np.sum(np.sin(expm(A)))


BATCH = [
    (chol_batch, (AB,), FULL_APIS),
    (solve_batch_sym_pos, (AB, BB), ("grad", "jvp", "hvp")),
    (tri_batch, (FB, BB), ("grad", "jvp", "hvp")),
    (inv_det_batch, (FB,), ("grad", "jvp", "hvp")),
    (expm_batch, (0.4 * FB,), ("grad", "jvp", "vjp", "jacrev")),
]


@pytest.mark.parametrize(("f", "args", "apis"), BATCH, ids=[f.__name__ for f, _, _ in BATCH])
def test_batch_shapes(f, args, apis):
    for api in apis:
        check(api, f, args, 0)


def test_solve_batch_right_hand_side():
    check("grad", solve_batch_sym_pos, (AB, BB), 1)
    check("hvp", solve_batch_sym_pos, (AB, BB), 1)


# --- float32 ---------------------------------------------------------------------------------


def special_all(x):
    return np.sum(
        sp.log1p(x)
        + sp.expm1(x)
        + sp.loggamma(x + 1.0)
        + sp.boxcox(x + 1.0, 0.5)
        + sp.boxcox(x + 1.0, 0.0)
        + sp.huber(0.5, x)
        + sp.pseudo_huber(0.5, x)
        + sp.rel_entr(x, 0.5)
        + sp.kl_div(x, 0.5)
    )


def linalg_all(A, b):
    return (
        np.sum(solve(A, b, assume_a="pos") ** 2)
        + np.sum(inv(A) ** 2)
        + np.sum(solve_triangular(A, b, trans="T") ** 2)
        + np.sum(np.log(np.diag(cholesky(A, lower=True))))
    )


F32 = [
    (gp_nll_chol, (THETA, X_GP, Y_GP), True),
    (linalg_all, (A4, B4), True),
    (det_log, (G4,), True),
    (special_all, (np.array([0.2, 0.7, 1.5]),), True),
    (expm_batch, (0.4 * FB,), False),
]


@pytest.mark.parametrize(("f", "args", "second"), F32, ids=[f.__name__ for f, _, _ in F32])
def test_float32_inputs(f, args, second):
    a32 = tuple(np.asarray(a, np.float32) for a in args)
    plain = f(*a32)
    v, g = ad.value_and_grad(f)(*a32)
    _same(v, plain)
    assert np.asarray(v).dtype == np.asarray(plain).dtype
    assert g.dtype == np.float32
    g64 = ad.grad(f)(*(np.asarray(a, np.float64) for a in a32))
    np.testing.assert_allclose(g, g64, rtol=3e-3, atol=3e-4 * max(1.0, np.max(np.abs(g64))))
    out, t = ad.jvp(f, a32, (np.ones_like(a32[0]),) + (None,) * (len(a32) - 1))
    _same(out, plain)
    want = np.sum(g64)  # the tangent along ones is the gradient's sum
    assert abs(float(t) - want) <= 3e-3 * max(1.0, abs(want)), (t, want)
    out, pullback = ad.vjp(f, *a32)
    _same(out, plain)
    assert pullback(np.float32(1.0))[0].dtype == np.float32
    if second:
        h = ad.hessian(f)(*a32)
        h64 = ad.hessian(f)(*(np.asarray(a, np.float64) for a in a32))
        assert h.dtype == np.float32
        np.testing.assert_allclose(h, h64, rtol=1e-2, atol=1e-2 * max(1.0, np.max(np.abs(h64))))


# --- realistic wholes: a hypergradient step, hyperparameters in a dict ----------------------


def gp_one_step(theta):
    """The likelihood after one gradient step: grad inside, so second order through the rules."""
    g = ad.grad(gp_nll_chol)(theta, X_GP, Y_GP)
    return gp_nll_chol(theta - 0.05 * g, X_GP, Y_GP)


@pytest.mark.parametrize("api", ["value_and_grad", "jvp", "hvp"])
def test_gradient_step_inside(api):
    check(api, gp_one_step, (THETA,), 0)


def gp_dict(p):
    d = X_GP[:, None] - X_GP[None, :]
    K = p["sf2"] * np.exp(-0.5 * d**2 / p["ell"] ** 2) + p["sn2"] * np.eye(X_GP.shape[0])
    alpha = scipy.linalg.solve(K, Y_GP, assume_a="pos")
    return 0.5 * Y_GP @ alpha + 0.5 * np.log(scipy.linalg.det(K))


def test_hyperparameters_in_a_dict():
    p = {"ell": 0.7, "sf2": 1.3, "sn2": 0.05}
    v, g = ad.value_and_grad(gp_dict)(p)
    _same(v, gp_dict(p))
    h = ad.hessian(gp_dict)(p)
    for k in p:
        qp, qm = dict(p), dict(p)
        qp[k] += EPS
        qm[k] -= EPS
        assert abs(g[k] - (gp_dict(qp) - gp_dict(qm)) / (2 * EPS)) < 1e-5 * max(1.0, abs(g[k]))
        gp_, gm_ = ad.grad(gp_dict)(qp), ad.grad(gp_dict)(qm)
        for j in p:
            want = (gp_[j] - gm_[j]) / (2 * EPS)
            assert abs(h[j][k] - want) < RTOL2 * max(1.0, abs(want)), (j, k, h[j][k], want)


# --- refusals --------------------------------------------------------------------------------


def tri_variable_trans(T, b, trans):
    return np.sum(solve_triangular(T, b, trans=trans))


def solve_variable_kind(A, b, kind):
    return np.sum(solve(A, b, assume_a=kind))


def solve_diagonal(A, b):
    return np.sum(solve(A, b, assume_a="diagonal"))


def solve_transposed(A, b):
    return np.sum(solve(A, b, transposed=True))


def boxcox_in_lambda(lmbda, x):
    return np.sum(sp.boxcox(x, lmbda))


def cho_solve_call(A, b):
    return np.sum(cho_solve((cholesky(A, lower=True), True), b))


REFUSED = [
    (tri_variable_trans, (U4, B4, "T"), "trans"),
    (solve_variable_kind, (A4, B4, "pos"), "assume_a"),
    (solve_diagonal, (np.diag([1.0, 2.0, 3.0, 4.0]), B4), "diagonal"),
    (solve_transposed, (G4, B4), "transposed"),
    (boxcox_in_lambda, (0.3, POS_DATA), "lmbda"),
]
# (cho_solve_call was refused until session 39: tested by test_cho_solve_since_session_39)


def test_cho_solve_since_session_39():
    check_grads(cho_solve_call, (A4, B4))


@pytest.mark.parametrize(("f", "args", "word"), REFUSED, ids=[f.__name__ for f, _, _ in REFUSED])
def test_refused_at_the_line(f, args, word):
    for api in ("grad", "jvp"):
        with pytest.raises(S2SError) as info:
            if api == "grad":
                ad.grad(f)(*args)
            else:
                ad.jvp(f, args, (np.ones_like(args[0]),) + (None,) * (len(args) - 1))
        msg = str(info.value)
        assert THIS_FILE in msg and word in msg, msg


# (the hint suggested `trans=True or trans=False` until session 37)
@pytest.mark.parametrize(
    ("f", "args"),
    [(tri_variable_trans, (U4, B4, "T")), (solve_variable_kind, (A4, B4, "pos"))],
    ids=["trans", "assume_a"],
)
def test_refusal_hint_for_non_boolean_options(f, args):
    with pytest.raises(S2SError) as info:
        ad.grad(f)(*args)
    assert "=True" not in str(info.value), str(info.value)


# --- edges -----------------------------------------------------------------------------------


def det_only(A):
    return det(A)


def test_det_of_singular_matrix_is_the_adjugate():
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 2.0]) + np.outer([0.0, 1.0, 0.0], [1.0, 0.0, 0.0])
    for api in ("grad", "jvp", "hvp"):
        check(api, det_only, (a,), 0)


def pseudo_huber_sum(delta, r):
    return np.sum(sp.pseudo_huber(delta, r))


# (nan, a 0/0 in the rule, until session 37)
def test_pseudo_huber_zero_delta_gradient_in_r():
    g = ad.grad(pseudo_huber_sum, wrt=1)(0.0, np.array([0.0, 1.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0])
