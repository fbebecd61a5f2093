"""Programs of the kind autograd's, JAX's and PyTorch's tutorials differentiate, written from
scratch in plain NumPy/SciPy by an independent tester who read only the README
(`tests/test_tutorial_programs_independent.py` differentiates them under every API)."""

import numpy as np
import scipy.linalg
import scipy.special

import s2s_ad as ad

# ---------------------------------------------------------------------------------------------
# Logistic regression with an L2 penalty


def logreg_l2(w, X, y, lam):
    z = X @ w
    # log(1 + exp(-y z)) written stably
    nll = np.sum(np.logaddexp(0.0, -y * z))
    return nll / X.shape[0] + 0.5 * lam * np.dot(w, w)


def logreg_bias(params, X, y):
    w, b = params
    logits = X @ w + b
    p = scipy.special.expit(logits)
    eps = 1e-12
    return -np.mean(y * np.log(p + eps) + (1.0 - y) * np.log(1.0 - p + eps))


# ---------------------------------------------------------------------------------------------
# Two-layer MLP with softmax cross-entropy over a batch


def _log_softmax(z):
    m = np.max(z, axis=1, keepdims=True)
    s = z - m
    return s - np.log(np.sum(np.exp(s), axis=1, keepdims=True))


def mlp_list_loss(params, X, Y):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    logits = h @ W + b
    return -np.mean(np.sum(Y * _log_softmax(logits), axis=1))


def mlp_dict_loss(params, X, Y):
    h = np.maximum(0.0, X @ params["W1"] + params["b1"])
    logits = h @ params["W2"] + params["b2"]
    lp = scipy.special.log_softmax(logits, axis=1)
    return -np.sum(Y * lp) / X.shape[0]


def mlp_logits(params, X):
    h = X
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def mlp_l2_loss(params, X, Y, lam):
    reg = 0.0
    for W, _ in params:
        reg = reg + np.sum(W**2)
    return mlp_list_loss(params, X, Y) + lam * reg


# ---------------------------------------------------------------------------------------------
# Recurrent networks


def rnn_loss(params, xs, ys):
    Wx, Wh, b, Wo = params
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[0]):
        h = np.tanh(Wx @ xs[t] + Wh @ h + b)
        pred = Wo @ h
        loss = loss + np.sum((pred - ys[t]) ** 2)
    return loss / xs.shape[0]


def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1.0)


def lstm_loss(params, xs, target):
    W, U, b, Wo = params
    n = U.shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    for x in xs:
        gates = W @ x + U @ h + b
        i = _sigmoid(gates[:n])
        f = _sigmoid(gates[n : 2 * n])
        o = _sigmoid(gates[2 * n : 3 * n])
        g = np.tanh(gates[3 * n :])
        c = f * c + i * g
        h = o * np.tanh(c)
    out = Wo @ h
    return np.sum((out - target) ** 2)


def rnn_states(Wh, xs):
    # states stacked in a list, returned as an array (a vector output)
    h = np.zeros(Wh.shape[0])
    hs = []
    for t in range(xs.shape[0]):
        h = np.tanh(Wh @ h + xs[t])
        hs.append(h)
    return np.stack(hs)


# ---------------------------------------------------------------------------------------------
# Gaussian-process regression


def _rbf(X1, X2, log_ls, log_sf):
    ls = np.exp(log_ls)
    d = (X1[:, None, :] - X2[None, :, :]) / ls
    sq = np.sum(d**2, axis=-1)
    return np.exp(2.0 * log_sf) * np.exp(-0.5 * sq)


def gp_nlml_chol(theta, X, y):
    log_ls, log_sf, log_sn = theta[0], theta[1], theta[2]
    n = X.shape[0]
    K = _rbf(X, X, log_ls, log_sf) + (np.exp(2.0 * log_sn) + 1e-8) * np.eye(n)
    L = np.linalg.cholesky(K)
    a = scipy.linalg.solve_triangular(L, y, lower=True)
    alpha = scipy.linalg.solve_triangular(L.T, a, lower=False)
    return 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * np.log(2.0 * np.pi)


def gp_nlml_solve(theta, X, y):
    log_ls, log_sf, log_sn = theta
    n = X.shape[0]
    K = _rbf(X, X, log_ls, log_sf) + np.exp(2.0 * log_sn) * np.eye(n)
    alpha = np.linalg.solve(K, y)
    L = np.linalg.cholesky(K)
    return 0.5 * np.dot(y, alpha) + np.sum(np.log(np.diag(L)))


def gp_predict_mean(X, Xtr, ytr, theta):
    # the posterior mean at test points: a vector output, differentiated in X
    K = _rbf(Xtr, Xtr, theta[0], theta[1]) + np.exp(2.0 * theta[2]) * np.eye(Xtr.shape[0])
    Ks = _rbf(X, Xtr, theta[0], theta[1])
    return Ks @ np.linalg.solve(K, ytr)


def gp_nlml_slogdet(theta, X, y):
    K = _rbf(X, X, theta[0], theta[1]) + np.exp(2.0 * theta[2]) * np.eye(X.shape[0])
    _sign, logdet = np.linalg.slogdet(K)
    return 0.5 * y @ np.linalg.solve(K, y) + 0.5 * logdet


# ---------------------------------------------------------------------------------------------
# Gaussian mixture log-likelihood


def gmm_loglik(params, X):
    means, log_sigmas, logits = params
    log_w = logits - scipy.special.logsumexp(logits)
    d = X[:, None, :] - means[None, :, :]  # (n, k, D)
    sig = np.exp(log_sigmas)  # (k,)
    D = X.shape[1]
    quad = np.sum(d**2, axis=2) / sig**2
    log_norm = -D * log_sigmas - 0.5 * D * np.log(2.0 * np.pi)
    comp = log_w + log_norm - 0.5 * quad  # (n, k)
    return np.sum(scipy.special.logsumexp(comp, axis=1))


# ---------------------------------------------------------------------------------------------
# Black-box variational inference with a fixed noise sample


def _log_target(z):
    # a banana-shaped 2-D density, vectorised over rows of z
    a, b = z[:, 0], z[:, 1]
    return -0.5 * a**2 / 4.0 - 0.5 * (b - 0.5 * a**2) ** 2


def bbvi_elbo(var_params, eps):
    mu, log_sigma = var_params[:2], var_params[2:]
    z = mu + np.exp(log_sigma) * eps  # (S, 2) by broadcasting
    entropy = np.sum(log_sigma) + 0.5 * 2 * (1.0 + np.log(2.0 * np.pi))
    return np.mean(_log_target(z)) + entropy


def bbvi_elbo_full_cov(mu, L_flat, eps):
    L = np.array([[np.exp(L_flat[0]), 0.0], [L_flat[1], np.exp(L_flat[2])]])
    z = mu + eps @ L.T
    entropy = L_flat[0] + L_flat[2]
    return np.mean(_log_target(z)) + entropy


# ---------------------------------------------------------------------------------------------
# RK4 ODE integration, 50 steps


def _lotka(y, k):
    a, b = y[0], y[1]
    return np.array([k * a - 0.4 * a * b, -0.8 * b + 0.3 * a * b])


def rk4_final(y0, k):
    y = y0
    dt = 0.05
    for _ in range(50):
        k1 = _lotka(y, k)
        k2 = _lotka(y + 0.5 * dt * k1, k)
        k3 = _lotka(y + 0.5 * dt * k2, k)
        k4 = _lotka(y + dt * k3, k)
        y = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def rk4_loss(y0, k):
    y = rk4_final(y0, k)
    return np.sum((y - np.array([1.0, 2.0])) ** 2)


def rk4_pendulum(state, damping):
    # inline right-hand side, scalar state, 50 steps
    th, om = state[0], state[1]
    dt = 0.02
    for _ in range(50):
        a1, b1 = om, -np.sin(th) - damping * om
        a2, b2 = om + 0.5 * dt * b1, -np.sin(th + 0.5 * dt * a1) - damping * (om + 0.5 * dt * b1)
        a3, b3 = om + 0.5 * dt * b2, -np.sin(th + 0.5 * dt * a2) - damping * (om + 0.5 * dt * b2)
        a4, b4 = om + dt * b3, -np.sin(th + dt * a3) - damping * (om + dt * b3)
        th = th + dt / 6.0 * (a1 + 2 * a2 + 2 * a3 + a4)
        om = om + dt / 6.0 * (b1 + 2 * b2 + 2 * b3 + b4)
    return th**2 + 0.5 * om**2


# ---------------------------------------------------------------------------------------------
# Spring-mass / n-body


def nbody_energy_after_step(pos, vel, masses):
    dt = 0.01
    diff = pos[:, None, :] - pos[None, :, :]  # (n, n, 2)
    dist = np.linalg.norm(diff, axis=-1)
    n = pos.shape[0]
    safe = np.where(np.eye(n) > 0, 1.0, dist)
    inv3 = np.where(np.eye(n) > 0, 0.0, 1.0 / safe**3)
    acc = -np.sum(masses[None, :, None] * diff * inv3[:, :, None], axis=1)
    vel2 = vel + dt * acc
    pos2 = pos + dt * vel2
    kin = 0.5 * np.sum(masses[:, None] * vel2**2)
    d2 = np.linalg.norm(pos2[:, None, :] - pos2[None, :, :] + np.eye(n)[:, :, None], axis=-1)
    pot = -0.5 * np.sum(np.where(np.eye(n) > 0, 0.0, masses[:, None] * masses[None, :] / d2))
    return kin + pot


def spring_chain(x, k, rest):
    # a chain of springs with a wall contact penalty through np.where
    ext = np.abs(np.diff(x)) - rest
    e = 0.5 * k * np.sum(ext**2)
    wall = np.where(x < 0.0, 50.0 * x**2, 0.0)
    return e + np.sum(wall)


def spring_steps(x0, v0, k):
    x, v = x0, v0
    dt = 0.05
    for _ in range(20):
        f = -k * (x - np.roll(x, 1)) - k * (x - np.roll(x, -1))
        v = v + dt * f
        x = x + dt * v
    return np.sum(x**2) + 0.1 * np.linalg.norm(v)


# ---------------------------------------------------------------------------------------------
# Optimisation loops through 10 steps


def rosenbrock(p):
    return np.sum(100.0 * (p[1:] - p[:-1] ** 2) ** 2 + (1.0 - p[:-1]) ** 2)


def _rosen_grad_by_hand(p):
    g = np.zeros_like(p)
    g[:-1] = -400.0 * p[:-1] * (p[1:] - p[:-1] ** 2) - 2.0 * (1.0 - p[:-1])
    g[1:] = g[1:] + 200.0 * (p[1:] - p[:-1] ** 2)
    return g


def adam_rosen_by_hand(p0, lr):
    p = p0
    m = np.zeros_like(p0)
    v = np.zeros_like(p0)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, 11):
        g = _rosen_grad_by_hand(p)
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g**2
        mhat = m / (1.0 - b1**t)
        vhat = v / (1.0 - b2**t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
    return rosenbrock(p)


def adam_rosen_inner_grad(p0, lr):
    p = p0
    m = np.zeros_like(p0)
    v = np.zeros_like(p0)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, 11):
        g = ad.grad(rosenbrock)(p)
        m = b1 * m + (1.0 - b1) * g
        v = b2 * v + (1.0 - b2) * g**2
        mhat = m / (1.0 - b1**t)
        vhat = v / (1.0 - b2**t)
        p = p - lr * mhat / (np.sqrt(vhat) + eps)
    return rosenbrock(p)


def beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def gd_beale(xy, lr):
    x, y = xy[0], xy[1]
    for _ in range(10):
        t1 = 1.5 - x + x * y
        t2 = 2.25 - x + x * y**2
        t3 = 2.625 - x + x * y**3
        gx = 2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1)
        gy = 2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y**2
        x = x - lr * gx
        y = y - lr * gy
    return beale(x, y)


def himmelblau(p):
    x, y = p[0], p[1]
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def momentum_himmelblau(p0, lr):
    p = p0
    vel = np.zeros(2)
    for _ in range(10):
        g = ad.grad(himmelblau)(p)
        vel = 0.9 * vel - lr * g
        p = p + vel
    return himmelblau(p)


def adam_himmelblau_scalars(x, y, lr):
    # Adam on Python floats, with math-free scalar code
    mx = my = vx = vy = 0.0
    for t in range(1, 11):
        gx = 4 * x * (x**2 + y - 11.0) + 2 * (x + y**2 - 7.0)
        gy = 2 * (x**2 + y - 11.0) + 4 * y * (x + y**2 - 7.0)
        mx = 0.9 * mx + 0.1 * gx
        my = 0.9 * my + 0.1 * gy
        vx = 0.999 * vx + 0.001 * gx * gx
        vy = 0.999 * vy + 0.001 * gy * gy
        cx = mx / (1 - 0.9**t)
        cy = my / (1 - 0.9**t)
        x = x - lr * cx / ((vx / (1 - 0.999**t)) ** 0.5 + 1e-8)
        y = y - lr * cy / ((vy / (1 - 0.999**t)) ** 0.5 + 1e-8)
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


# ---------------------------------------------------------------------------------------------
# Stable softplus / log-sigmoid


def softplus_stable(x):
    return np.sum(np.logaddexp(0.0, x))


def softplus_where(x):
    return np.sum(np.where(x > 0, x + np.log1p(np.exp(-x)), np.log1p(np.exp(x))))


def log_sigmoid_where(x):
    return np.sum(np.where(x >= 0, -np.log1p(np.exp(-x)), x - np.log1p(np.exp(x))))


def log_sigmoid_vec(x):
    return -np.logaddexp(0.0, -x)


def softplus_max_form(x):
    return np.sum(np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))


# ---------------------------------------------------------------------------------------------
# Physics energy with triu_indices and fancy indexing


def pair_energy(pos, eps_lj):
    n = pos.shape[0]
    i, j = np.triu_indices(n, k=1)
    r = pos[i] - pos[j]
    d2 = np.sum(r**2, axis=1)
    inv6 = 1.0 / d2**3
    return np.sum(4.0 * eps_lj * (inv6**2 - inv6))


def bond_energy(pos, bonds, k):
    # bonds: an integer array of (i, j) pairs, some atoms repeated
    d = pos[bonds[:, 0]] - pos[bonds[:, 1]]
    r = np.sqrt(np.sum(d**2, axis=1))
    return 0.5 * k * np.sum((r - 1.0) ** 2)


def coulomb_matrix_energy(q, pos):
    n = q.shape[0]
    iu = np.triu_indices(n, 1)
    D = np.linalg.norm(pos[:, None, :] - pos[None, :, :] + np.eye(n)[:, :, None], axis=-1)
    Q = q[:, None] * q[None, :]
    return np.sum(Q[iu] / D[iu])


# ---------------------------------------------------------------------------------------------
# Convolutions with slicing


def conv1d_valid(x, w):
    k = w.shape[0]
    n = x.shape[0] - k + 1
    out = np.zeros(n)
    for i in range(k):
        out = out + w[i] * x[i : i + n]
    return np.sum(np.tanh(out) ** 2)


def conv2d_valid(img, ker):
    kh, kw = ker.shape
    H, W = img.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for a in range(kh):
        for b in range(kw):
            out = out + ker[a, b] * img[a : a + H - kh + 1, b : b + W - kw + 1]
    return np.sum(out**2)


def conv1d_setitem(x, w):
    k = w.shape[0]
    n = x.shape[0] - k + 1
    out = np.zeros(n)
    for i in range(n):
        out[i] = np.dot(x[i : i + k], w)
    return np.sum(out**3)


def conv2d_vector(img, ker):
    kh, kw = ker.shape
    H, W = img.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for a in range(kh):
        for b in range(kw):
            out = out + ker[a, b] * img[a : a + H - kh + 1, b : b + W - kw + 1]
    return out.ravel()


# ---------------------------------------------------------------------------------------------
# Newton iterations with a while loop and a tolerance


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


def newton_cubic_root(c):
    # root of x^3 + x - c, with an iteration cap too
    x = 1.0
    it = 0
    while True:
        fx = x**3 + x - c
        if abs(fx) < 1e-13 or it >= 50:
            break
        x = x - fx / (3 * x**2 + 1)
        it += 1
    return x


def newton_vector(a):
    # elementwise Newton for x = cos(a x) on an array; tolerance on the max step
    x = np.ones_like(a)
    step = np.ones_like(a)
    while np.max(np.abs(step)) > 1e-12:
        fx = x - np.cos(a * x)
        dfx = 1.0 + a * np.sin(a * x)
        step = fx / dfx
        x = x - step
    return np.sum(x**2)


# ---------------------------------------------------------------------------------------------
# A neural-network loss for Hessian-vector products


def nn_loss_flat(theta, X, y):
    W1 = theta[:12].reshape(3, 4)
    b1 = theta[12:16]
    w2 = theta[16:20]
    h = np.tanh(X @ W1 + b1)
    pred = h @ w2
    return np.mean((pred - y) ** 2)
