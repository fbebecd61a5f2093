# ruff: noqa: B007, B905, RUF059, SIM108
# (the programs are written as users write them: unused loop counters, plain zip, ...)
"""Long programs of the kind users write, for tests/test_long_user_programs_independent.py.

Written by an independent tester from the README and issue 19 only.  The hand-written
programs below are ordinary module-level functions (s2s_ad reads them from this file);
the generators at the end write programs of one style at any length, each into a fresh
module file, for timing the transformation (``python tests/long_user_programs.py``).
"""

import atexit
import dataclasses
import importlib.util
import itertools
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np
import scipy.stats as st

# ---------------------------------------------------------------------------
# 1. A chemical kinetics right-hand side (hydrogen/oxygen-like mechanism,
#    dimensionless temperature), written reaction by reaction.
# ---------------------------------------------------------------------------

R_GAS = 1.0
EFF_H2 = 2.5
EFF_H2O = 12.0


def arrhenius(a, b, ea, temp):
    return a * temp**b * np.exp(-ea / (R_GAS * temp))


def h2o2_rhs(c, temp, log_a):
    h2 = c[0]
    o2 = c[1]
    h = c[2]
    o = c[3]
    oh = c[4]
    h2o = c[5]
    ho2 = c[6]
    h2o2 = c[7]
    n2 = c[8]
    # third body concentration with efficiencies
    m = EFF_H2 * h2 + o2 + h + o + oh + EFF_H2O * h2o + ho2 + h2o2 + n2

    # rate constants
    k1 = arrhenius(np.exp(log_a[0]), 0.0, 1.6, temp)
    k2 = arrhenius(np.exp(log_a[1]), 1.0, 0.9, temp)
    k3 = arrhenius(np.exp(log_a[2]), 0.5, 0.4, temp)
    k4 = arrhenius(np.exp(log_a[3]), 0.7, 0.2, temp)
    k5 = arrhenius(np.exp(log_a[4]), -1.0, 0.0, temp)
    k6 = arrhenius(np.exp(log_a[5]), -0.8, 0.0, temp)
    k7 = arrhenius(np.exp(log_a[6]), 0.0, 0.1, temp)
    k8 = arrhenius(np.exp(log_a[7]), 0.0, 0.3, temp)
    k9 = arrhenius(np.exp(log_a[8]), 0.0, 0.05, temp)
    k10 = arrhenius(np.exp(log_a[9]), 0.0, 0.6, temp)
    k11 = arrhenius(np.exp(log_a[10]), 0.0, 2.2, temp)
    k12 = arrhenius(np.exp(log_a[11]), 1.5, 0.5, temp)

    # reaction rates (law of mass action)
    r1 = k1 * h * o2  # H + O2 -> O + OH
    r2 = k2 * o * h2  # O + H2 -> H + OH
    r3 = k3 * oh * h2  # OH + H2 -> H + H2O
    r4 = k4 * oh * oh  # OH + OH -> O + H2O
    r5 = k5 * h * h * m  # H + H + M -> H2 + M
    r6 = k6 * h * oh * m  # H + OH + M -> H2O + M
    r7 = k7 * h * o2 * m  # H + O2 + M -> HO2 + M
    r8 = k8 * ho2 * h  # HO2 + H -> OH + OH
    r9 = k9 * ho2 * oh  # HO2 + OH -> H2O + O2
    r10 = k10 * ho2 * ho2  # HO2 + HO2 -> H2O2 + O2
    r11 = k11 * h2o2 * m  # H2O2 + M -> OH + OH + M
    r12 = k12 * h2o2 * h  # H2O2 + H -> H2O + OH

    # species balances
    dh2 = -r2 - r3 + r5
    do2 = -r1 - r7 + r9 + r10
    dh = -r1 + r2 + r3 - 2.0 * r5 - r6 - r7 - r8 - r12
    do = r1 - r2 + r4
    doh = r1 + r2 - r3 - 2.0 * r4 - r6 + 2.0 * r8 - r9 + 2.0 * r11 + r12
    dh2o = r3 + r4 + r6 + r9 + r12
    dho2 = r7 - r8 - r9 - 2.0 * r10
    dh2o2 = r10 - r11 - r12
    dn2 = 0.0 * n2
    return np.array([dh2, do2, dh, do, doh, dh2o, dho2, dh2o2, dn2])


def ignition_loss(log_a, c0, temp, observed):
    """Heun's method over a fixed number of steps, fit to observed water fractions."""
    dt = 0.05
    c = c0
    water = []
    temps = []
    t_now = temp
    for step in range(12):
        k1 = h2o2_rhs(c, t_now, log_a)
        c_pred = c + dt * k1
        k2 = h2o2_rhs(c_pred, t_now, log_a)
        c = c + 0.5 * dt * (k1 + k2)
        # crude heat release: temperature rises with water made
        heat = 0.8 * (k1[5] + k2[5]) * 0.5
        t_now = t_now + dt * heat
        water.append(c[5])
        temps.append(t_now)
    w = np.array(water)
    tt = np.array(temps)
    misfit = np.sum((np.log(w + 0.05) - observed) ** 2)
    # keep the mechanism near its prior and temperatures physical
    prior = 0.01 * np.sum(log_a**2)
    smooth_t = 0.1 * np.sum(np.diff(tt) ** 2)
    mass = np.sum(c) - np.sum(c0)
    return misfit + prior + smooth_t + 0.5 * mass * mass


# ---------------------------------------------------------------------------
# 2. A transformer-like model written out layer by layer (dict of parameters)
# ---------------------------------------------------------------------------

D_MODEL = 4
SEQ = 5


def layer_norm(h, g, b):
    mu = np.mean(h, axis=-1, keepdims=True)
    var = np.mean((h - mu) ** 2, axis=-1, keepdims=True)
    return g * (h - mu) / np.sqrt(var + 1e-5) + b


def gelu(z):
    return 0.5 * z * (1.0 + np.tanh(0.7978845608 * (z + 0.044715 * z**3)))


def causal_softmax(scores):
    mask = np.tril(np.ones((SEQ, SEQ))) > 0.0
    s = np.where(mask, scores, -1e9)
    s = s - np.max(s, axis=-1, keepdims=True)
    e = np.exp(s)
    return e / np.sum(e, axis=-1, keepdims=True)


def tiny_transformer_loss(p, x, y_onehot):
    scale = 1.0 / math.sqrt(D_MODEL)
    h = x @ p["w_in"] + p["pos"]

    # block 1: attention
    a_in = layer_norm(h, p["ln1_g"], p["ln1_b"])
    q = a_in @ p["wq1"]
    k = a_in @ p["wk1"]
    v = a_in @ p["wv1"]
    scores = q @ k.T * scale
    att = causal_softmax(scores)
    ctx = att @ v
    h = h + ctx @ p["wo1"]
    # block 1: feed-forward
    f_in = layer_norm(h, p["ln2_g"], p["ln2_b"])
    f_hidden = gelu(f_in @ p["w1a"] + p["b1a"])
    h = h + f_hidden @ p["w1b"] + p["b1b"]

    # block 2: attention
    a_in = layer_norm(h, p["ln3_g"], p["ln3_b"])
    q = a_in @ p["wq2"]
    k = a_in @ p["wk2"]
    v = a_in @ p["wv2"]
    scores = q @ k.T * scale
    att = causal_softmax(scores)
    ctx = att @ v
    h = h + ctx @ p["wo2"]
    # block 2: feed-forward
    f_in = layer_norm(h, p["ln4_g"], p["ln4_b"])
    f_hidden = gelu(f_in @ p["w2a"] + p["b2a"])
    h = h + f_hidden @ p["w2b"] + p["b2b"]

    # head
    h = layer_norm(h, p["lnf_g"], p["lnf_b"])
    logits = h @ p["w_out"]
    logits = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    nll = -np.mean(np.sum(y_onehot * log_probs, axis=1))

    # weight decay on matrices only
    decay = 0.0
    for name in p:
        if name.startswith("w"):
            decay = decay + np.sum(p[name] ** 2)
    return nll + 1e-3 * decay


def make_transformer_params(rng):
    d = D_MODEL
    p = {"w_in": rng.standard_normal((3, d)) * 0.5, "pos": rng.standard_normal((SEQ, d)) * 0.1}
    for i in (1, 2):
        for nm in ("wq", "wk", "wv", "wo"):
            p[f"{nm}{i}"] = rng.standard_normal((d, d)) * 0.4
        p[f"w{i}a"] = rng.standard_normal((d, 2 * d)) * 0.4
        p[f"b{i}a"] = rng.standard_normal(2 * d) * 0.1
        p[f"w{i}b"] = rng.standard_normal((2 * d, d)) * 0.4
        p[f"b{i}b"] = rng.standard_normal(d) * 0.1
    for i in (1, 2, 3, 4, "f"):
        p[f"ln{i}_g"] = 1.0 + 0.1 * rng.standard_normal(d)
        p[f"ln{i}_b"] = 0.1 * rng.standard_normal(d)
    p["w_out"] = rng.standard_normal((d, 3)) * 0.5
    return p


# ---------------------------------------------------------------------------
# 3. A loss with many terms (regularised curve fit of spline-like coefficients)
# ---------------------------------------------------------------------------

HUBER_DELTA = 0.3


def basis(t, n):
    centers = np.linspace(0.0, 1.0, n)
    return np.exp(-((t[:, None] - centers[None, :]) ** 2) / 0.02)


def many_term_loss(c, t, y, prior):
    n = c.shape[0]
    b = basis(t, n)
    pred = b @ c
    r = pred - y

    # data terms
    mse = np.mean(r**2)
    abs_r = np.abs(r)
    huber = np.sum(
        np.where(abs_r < HUBER_DELTA, 0.5 * r**2, HUBER_DELTA * (abs_r - 0.5 * HUBER_DELTA))
    )
    tau = 0.8
    pinball = np.mean(np.where(r >= 0.0, tau * r, (tau - 1.0) * r))
    log_cosh = np.sum(np.log(np.cosh(r)))

    # smoothness and total variation
    d1 = np.diff(c)
    d2 = np.diff(c, 2)
    smooth = np.sum(d2**2)
    tv = np.sum(np.sqrt(d1**2 + 1e-4))

    # positivity barrier and box penalty
    barrier = -np.sum(np.log(c + 3.0))
    box = np.sum(np.maximum(0.0, c - 1.5) ** 2) + np.sum(np.minimum(0.0, c + 1.5) ** 2)

    # distribution-like terms on a softmax of the coefficients
    z = c - np.max(c)
    pr = np.exp(z) / np.sum(np.exp(z))
    entropy = -np.sum(pr * np.log(pr))
    q = np.exp(prior) / np.sum(np.exp(prior))
    kl = np.sum(pr * (np.log(pr) - np.log(q)))

    # similarity to the prior
    cos = np.dot(c, prior) / (np.linalg.norm(c) * np.linalg.norm(prior))
    corr = np.mean((c - c.mean()) * (prior - prior.mean()))
    spread = np.var(c) + np.std(d1)

    # a soft maximum of the residuals and a normalised residual energy
    softmax_r = np.log(np.sum(np.exp(5.0 * abs_r))) / 5.0
    energy = np.linalg.norm(r) ** 2 / (1.0 + np.linalg.norm(y) ** 2)

    total = (
        mse
        + 0.1 * huber
        + 0.2 * pinball
        + 0.05 * log_cosh
        + 1e-2 * smooth
        + 1e-3 * tv
        + 1e-3 * barrier
        + box
        + 0.01 * entropy
        + 0.02 * kl
        + 0.1 * (1.0 - cos)
        - 0.01 * corr
        + 1e-3 * spread
        + 0.05 * softmax_r
        + 0.1 * energy
    )
    return total


# ---------------------------------------------------------------------------
# 4. A finite-difference stencil: Fisher-KPP reaction-diffusion on a grid
# ---------------------------------------------------------------------------

GRID = 7


def reaction_diffusion_loss(u0, diff, rate, target):
    h = 1.0 / (GRID - 1)
    dt = 0.2 * h * h / diff
    u = u0.copy()
    for step in range(5):
        center = u[1:-1, 1:-1]
        lap = (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * center) / (h * h)
        growth = rate * center * (1.0 - center)
        un = u.copy()
        un[1:-1, 1:-1] = center + dt * (diff * lap + growth)
        # zero-flux boundaries
        un[0, :] = un[1, :]
        un[-1, :] = un[-2, :]
        un[:, 0] = un[:, 1]
        un[:, -1] = un[:, -2]
        u = un
    mass = np.sum(u) * h * h
    misfit = np.sum((u - target) ** 2) * h * h
    grad_x = (u[1:, :] - u[:-1, :]) / h
    grad_y = (u[:, 1:] - u[:, :-1]) / h
    dirichlet = 0.5 * (np.sum(grad_x**2) + np.sum(grad_y**2)) * h * h
    return misfit + 0.01 * dirichlet + 0.1 * (mass - 0.3) ** 2


# ---------------------------------------------------------------------------
# 5. Feature engineering then a logistic model
# ---------------------------------------------------------------------------


def engineer_and_score(w, raw, labels):
    price = raw[:, 0]
    volume = raw[:, 1]
    high = raw[:, 2]
    low = raw[:, 3]
    spread_raw = raw[:, 4]

    log_price = np.log(price)
    log_volume = np.log1p(volume)
    ret = np.diff(log_price)
    ret = np.concatenate([np.zeros(1), ret])
    rng_ = (high - low) / price
    mid = 0.5 * (high + low)
    rel_mid = (price - mid) / (high - low + 1e-3)

    # moving averages written out with slices (window 3)
    ma3 = (price[2:] + price[1:-1] + price[:-2]) / 3.0
    ma3 = np.concatenate([price[:2], ma3])
    dev_ma = price / ma3 - 1.0
    vol_ma = (volume[2:] + volume[1:-1] + volume[:-2]) / 3.0
    vol_ma = np.concatenate([volume[:2], vol_ma])
    vol_ratio = volume / (vol_ma + 1.0)

    # rolling volatility of returns
    r2 = ret**2
    rv = np.sqrt((r2[2:] + r2[1:-1] + r2[:-2]) / 3.0 + 1e-8)
    rv = np.concatenate([rv[:1], rv[:1], rv])

    # standardisation
    def zscore(v):
        return (v - np.mean(v)) / (np.std(v) + 1e-6)

    f1 = zscore(log_price)
    f2 = zscore(log_volume)
    f3 = zscore(ret)
    f4 = zscore(rng_)
    f5 = np.clip(rel_mid, -2.0, 2.0)
    f6 = zscore(dev_ma)
    f7 = np.tanh(vol_ratio - 1.0)
    f8 = zscore(rv)
    f9 = np.log(spread_raw + 0.01)
    f10 = f1 * f3
    f11 = f2 * f6
    f12 = f3**2
    feats = np.stack([f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12], axis=1)
    feats = np.concatenate([feats, np.ones((feats.shape[0], 1))], axis=1)

    logit = feats @ w
    # numerically stable logistic loss, written the long way
    pos = np.maximum(logit, 0.0)
    loss_terms = pos - logit * labels + np.log(np.exp(-pos) + np.exp(logit - pos))
    return np.mean(loss_terms) + 1e-3 * np.sum(w[:-1] ** 2)


# ---------------------------------------------------------------------------
# 6. A hand-written solver: Newton's method for -u'' + alpha u^3 = f,
#    with a Thomas tridiagonal solve written out with loops and lists
# ---------------------------------------------------------------------------


def thomas(a, b, c, d):
    n = len(d)
    cp = [c[0] / b[0]]
    dp = [d[0] / b[0]]
    for i in range(1, n):
        denom = b[i] - a[i] * cp[i - 1]
        cp.append(c[i] / denom)
        dp.append((d[i] - a[i] * dp[i - 1]) / denom)
    x = [0.0] * n
    x[n - 1] = dp[n - 1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]
    return np.array(x)


def solve_bvp(f, alpha, n_iter):
    n = f.shape[0]
    h = 1.0 / (n + 1)
    u = np.zeros(n)
    for it in range(n_iter):
        upad = np.concatenate([np.zeros(1), u, np.zeros(1)])
        lap = (upad[2:] - 2.0 * upad[1:-1] + upad[:-2]) / (h * h)
        res = -lap + alpha * u**3 - f
        diag = 2.0 / (h * h) + 3.0 * alpha * u**2
        off = -np.ones(n) / (h * h)
        du = thomas(off, diag, off, -res)
        u = u + du
        if np.max(np.abs(du)) < 1e-300:
            break
    return u


def bvp_loss(f, alpha):
    u = solve_bvp(f, alpha, 6)
    h = 1.0 / (f.shape[0] + 1)
    energy = np.sum(u**2) * h
    roughness = np.sum(np.diff(u) ** 2) / h
    peak = np.max(u)
    return energy + 0.1 * roughness + 0.5 * peak


# ---------------------------------------------------------------------------
# 7. Many helper calls: a small LSTM unrolled by hand, attention pooling, a head
# ---------------------------------------------------------------------------


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def lstm_cell(x, h, c, wx, wh, b):
    z = wx @ x + wh @ h + b
    n = h.shape[0]
    i = sigmoid(z[:n])
    f = sigmoid(z[n : 2 * n] + 1.0)
    o = sigmoid(z[2 * n : 3 * n])
    g = np.tanh(z[3 * n :])
    c_new = f * c + i * g
    h_new = o * np.tanh(c_new)
    return h_new, c_new


def rms_norm(v, gain, eps=1e-6):
    return gain * v / np.sqrt(np.mean(v**2) + eps)


def attention_pool(hs, query):
    scores = np.array([np.dot(hh, query) for hh in hs])
    scores = scores - np.max(scores)
    weights = np.exp(scores) / np.sum(np.exp(scores))
    pooled = weights[0] * hs[0]
    for j in range(1, len(hs)):
        pooled = pooled + weights[j] * hs[j]
    return pooled


def head(v, w, b, temperature=2.0):
    return softplus(w @ v + b) / temperature


def lstm_loss(params, xs, target):
    wx, wh, b, gain, query, w_head, b_head = params
    n = wh.shape[1]
    h = np.zeros(n)
    c = np.zeros(n)
    h1, c1 = lstm_cell(xs[0], h, c, wx, wh, b)
    h1 = rms_norm(h1, gain)
    h2, c2 = lstm_cell(xs[1], h1, c1, wx, wh, b)
    h2 = rms_norm(h2, gain)
    h3, c3 = lstm_cell(xs[2], h2, c2, wx, wh, b)
    h3 = rms_norm(h3, gain)
    h4, c4 = lstm_cell(xs[3], h3, c3, wx, wh, b)
    h4 = rms_norm(h4, gain)
    h5, c5 = lstm_cell(xs[4], h4, c4, wx, wh, b)
    h5 = rms_norm(h5, gain)
    pooled = attention_pool([h1, h2, h3, h4, h5], query)
    out = head(pooled, w_head, b_head)
    out2 = head(h5, w_head, b_head, temperature=4.0)
    pred = out + out2
    cell_penalty = sigmoid(np.sum(c5**2)) + softplus(np.sum(c3))
    return np.sum((pred - target) ** 2) + 0.01 * cell_penalty


# ---------------------------------------------------------------------------
# 8. A long scalar simulation with loops and branches in between: a PID
#    controller with saturation and anti-windup driving a nonlinear plant
# ---------------------------------------------------------------------------

DT = 0.05
I_MAX = 2.0
U_MAX = 4.0
MASS = 1.3
K_SPRING = 0.7


def pid_cost(kp, ki, kd, setpoints):
    y = 0.0
    v = 0.0
    integ = 0.0
    prev_err = setpoints[0]
    cost = 0.0
    peak = -1e9
    saturated_steps = 0
    for t in range(len(setpoints)):
        sp = setpoints[t]
        err = sp - y
        integ = integ + err * DT
        if integ > I_MAX:
            integ = I_MAX
        elif integ < -I_MAX:
            integ = -I_MAX
        deriv = (err - prev_err) / DT
        u = kp * err + ki * integ + kd * deriv
        if u > U_MAX:
            u = U_MAX
            saturated_steps += 1
        elif u < -U_MAX:
            u = -U_MAX
            saturated_steps += 1
        if abs(v) > 0.1:
            friction = 0.3 * v * abs(v)
        else:
            friction = 0.03 * v
        acc = (u - friction - K_SPRING * math.sin(y)) / MASS
        v = v + acc * DT
        y = y + v * DT
        prev_err = err
        cost = cost + err * err * DT + 1e-3 * u * u * DT
        if y > peak:
            peak = y
    # overshoot relative to the last setpoint
    final_sp = setpoints[-1]
    overshoot = peak - final_sp
    if overshoot > 0.0:
        cost = cost + 2.0 * overshoot * overshoot
    else:
        cost = cost + 0.1 * overshoot * overshoot
    # let the plant coast and measure how far it drifts
    drift = 0.0
    steps = 0
    while steps < 20:
        acc = -(0.3 * v * abs(v) + K_SPRING * math.sin(y)) / MASS
        v = v + acc * DT
        y = y + v * DT
        drift = drift + abs(y - final_sp) * DT
        steps += 1
        if abs(v) < 1e-4:
            break
    cost = cost + 0.5 * drift
    if saturated_steps > 10:
        cost = cost * 1.1
    return cost


# ---------------------------------------------------------------------------
# 9. A hand-written RK4 integrator of a Lorenz-like system with parameters,
#    all steps in one function
# ---------------------------------------------------------------------------


def lorenz_fit(theta, x0, obs):
    sigma = theta[0]
    rho = theta[1]
    beta = theta[2]
    x = x0[0]
    y = x0[1]
    z = x0[2]
    dt = 0.01
    loss = 0.0
    for k in range(len(obs)):
        # stage 1
        k1x = sigma * (y - x)
        k1y = x * (rho - z) - y
        k1z = x * y - beta * z
        # stage 2
        x2 = x + 0.5 * dt * k1x
        y2 = y + 0.5 * dt * k1y
        z2 = z + 0.5 * dt * k1z
        k2x = sigma * (y2 - x2)
        k2y = x2 * (rho - z2) - y2
        k2z = x2 * y2 - beta * z2
        # stage 3
        x3 = x + 0.5 * dt * k2x
        y3 = y + 0.5 * dt * k2y
        z3 = z + 0.5 * dt * k2z
        k3x = sigma * (y3 - x3)
        k3y = x3 * (rho - z3) - y3
        k3z = x3 * y3 - beta * z3
        # stage 4
        x4 = x + dt * k3x
        y4 = y + dt * k3y
        z4 = z + dt * k3z
        k4x = sigma * (y4 - x4)
        k4y = x4 * (rho - z4) - y4
        k4z = x4 * y4 - beta * z4
        # update
        x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        y = y + dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
        z = z + dt / 6.0 * (k1z + 2.0 * k2z + 2.0 * k3z + k4z)
        if k % 2 == 0:
            loss = loss + (x - obs[k, 0]) ** 2 + (y - obs[k, 1]) ** 2
        else:
            loss = loss + 0.5 * (z - obs[k, 2]) ** 2
    return loss


# ---------------------------------------------------------------------------
# 10. A Kalman filter, an American option on a binomial tree, a robot arm's
#     forward kinematics, a Gaussian-process likelihood, an age-structured
#     epidemic (written by hand, loops and branches between the statements)
# ---------------------------------------------------------------------------


def kalman_loglik(params, ys, x0):
    """Local linear trend model, Kalman filter written out."""
    if ys.ndim != 2:
        raise ValueError(f"ys must be 2-D, got {ys.ndim}")
    q_level, q_slope, r_obs = np.exp(params[0]), np.exp(params[1]), np.exp(params[2])
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    H = np.array([[1.0, 0.0]])
    Q = np.diag(np.array([q_level, q_slope]))
    R = np.array([[r_obs]])
    x = x0.copy()
    P = np.eye(2) * 10.0
    ll = 0.0
    n_obs = 0
    for t, y in enumerate(ys):
        # predict
        x = F @ x
        P = F @ P @ F.T + Q
        # update
        if np.isnan(y[0]):
            continue
        innov = y - H @ x
        S = H @ P @ H.T + R
        Sinv = np.linalg.inv(S)
        K = P @ H.T @ Sinv
        x = x + K @ innov
        I_KH = np.eye(2) - K @ H
        P = I_KH @ P @ I_KH.T + K @ R @ K.T  # Joseph form
        sign, logdet = np.linalg.slogdet(S)
        ll = ll - 0.5 * (logdet + innov @ Sinv @ innov + math.log(2 * math.pi))
        n_obs += 1
    assert n_obs > 0, "no observations"
    return -ll / n_obs


def american_put(s0, sigma, r, strike, n_steps):
    dt = 1.0 / n_steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    prices = s0 * u ** np.arange(n_steps, -1, -1.0) * d ** np.arange(0, n_steps + 1, 1.0)
    values = np.maximum(strike - prices, 0.0)
    for step in range(n_steps - 1, -1, -1):
        prices = prices[:-1] * d
        cont = disc * (p * values[:-1] + (1.0 - p) * values[1:])
        exercise = strike - prices
        values = np.maximum(cont, exercise)
    return values[0]


def arm_tip(q, lengths):
    """Planar 6-link arm plus a wrist: forward kinematics written out."""
    a1 = q[0]
    a2 = a1 + q[1]
    a3 = a2 + q[2]
    a4 = a3 + q[3]
    a5 = a4 + q[4]
    a6 = a5 + q[5]
    x1 = lengths[0] * math.cos(a1)
    y1 = lengths[0] * math.sin(a1)
    x2 = x1 + lengths[1] * math.cos(a2)
    y2 = y1 + lengths[1] * math.sin(a2)
    x3 = x2 + lengths[2] * math.cos(a3)
    y3 = y2 + lengths[2] * math.sin(a3)
    x4 = x3 + lengths[3] * math.cos(a4)
    y4 = y3 + lengths[3] * math.sin(a4)
    x5 = x4 + lengths[4] * math.cos(a5)
    y5 = y4 + lengths[4] * math.sin(a5)
    x6 = x5 + lengths[5] * math.cos(a6)
    y6 = y5 + lengths[5] * math.sin(a6)
    heading = math.atan2(y6 - y5, x6 - x5)
    reach = math.hypot(x6, y6)
    elbow = min(y2, y3)
    return np.array([x6, y6, heading, reach, elbow])


def gp_nll(log_params, x, y):
    ell = math.exp(log_params[0])
    sf2 = math.exp(2.0 * log_params[1])
    sn2 = math.exp(2.0 * log_params[2])
    n = len(x)
    K = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            K[i, j] = sf2 * math.exp(-0.5 * (x[i] - x[j]) ** 2 / ell**2)
    K = K + sn2 * np.eye(n)
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    nll = 0.5 * y @ alpha + np.sum(np.log(np.diag(L))) + 0.5 * n * math.log(2 * math.pi)
    return nll


def sir_age(beta_scale, contacts, n0, days):
    s = n0 * 0.99
    i = n0 * 0.01
    r = np.zeros_like(n0)
    gamma = 0.2
    peak = 0.0
    for day in range(days):
        force = beta_scale * contacts @ (i / n0)
        new_inf = s * (1.0 - np.exp(-force))
        new_rec = gamma * i
        s = s - new_inf
        i = i + new_inf - new_rec
        r = r + new_rec
        total_i = np.sum(i)
        if total_i > peak:
            peak = total_i
    attack = np.sum(r) / np.sum(n0)
    return attack + 0.1 * peak / np.sum(n0)


# ---------------------------------------------------------------------------
# 11. A hierarchical model's negative log posterior with scipy.stats
# ---------------------------------------------------------------------------


def eight_schools_logpost(theta, y, sigma):
    mu = theta[0]
    log_tau = theta[1]
    eta = theta[2:]
    tau = np.exp(log_tau)
    effects = mu + tau * eta
    # likelihood
    lik = np.sum(st.norm.logpdf(y, effects, sigma))
    # priors
    lp_mu = st.norm.logpdf(mu, 0.0, 5.0)
    lp_tau = st.cauchy.logpdf(tau, 0.0, 5.0) + log_tau  # half-Cauchy with Jacobian
    lp_eta = np.sum(st.norm.logpdf(eta, 0.0, 1.0))
    # a soft constraint on the spread of effects
    spread = np.std(effects)
    lp_spread = -0.5 * ((spread - 8.0) / 4.0) ** 2
    return -(lik + lp_mu + lp_tau + lp_eta + lp_spread)


# ---------------------------------------------------------------------------
# 12. Molecular dynamics with forces accumulated in place in a double loop
# ---------------------------------------------------------------------------


def lj_md(pos, vel, n_steps):
    n = pos.shape[0]
    dt = 0.005
    x = pos.copy()
    v = vel.copy()
    energy_trace = []
    for step in range(n_steps):
        f = np.zeros_like(x)
        pot = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                d = x[i] - x[j]
                r2 = d @ d
                inv6 = 1.0 / r2**3
                pot += 4.0 * (inv6 * inv6 - inv6)
                fmag = 24.0 * (2.0 * inv6 * inv6 - inv6) / r2
                f[i] += fmag * d
                f[j] -= fmag * d
        v += dt * f
        x += dt * v
        kin = 0.5 * np.sum(v * v)
        energy_trace.append(kin + pot)
    e = np.array(energy_trace)
    return np.sum((e - e[0]) ** 2) + np.sum(x**2) * 1e-3


# ---------------------------------------------------------------------------
# 13. A small ray tracer with helpers, nested loops and branches, and a
#     recurrence with tuple swaps, chained comparisons and comprehensions
# ---------------------------------------------------------------------------


def normalize(v):
    return v / math.sqrt(v @ v)


def intersect(origin, direction, center, radius):
    oc = origin - center
    b = oc @ direction
    c = oc @ oc - radius * radius
    disc = b * b - c
    if disc < 0.0:
        return -1.0
    t = -b - math.sqrt(disc)
    if t < 1e-4:
        t = -b + math.sqrt(disc)
    return t


def shade(point, normal, light, albedo):
    to_light = normalize(light - point)
    lam = max(0.0, normal @ to_light)
    half = normalize(to_light + np.array([0.0, 0.0, 1.0]))
    spec = max(0.0, normal @ half) ** 16
    return albedo * lam + 0.3 * spec


def render_loss(centers, light, radii, albedos, target, verbose=False):
    origin = np.array([0.0, 0.0, -3.0])
    pixels = []
    idx = 0
    for py in (-0.3, -0.1, 0.1, 0.3):
        for px in (-0.3, -0.1, 0.1, 0.3):
            d = normalize(np.array([px, py, 1.0]))
            t_best = 1e9
            hit = -1
            for k in range(len(radii)):
                t = intersect(origin, d, centers[k], radii[k])
                if 0.0 < t < t_best:
                    t_best = t
                    hit = k
            if hit < 0:
                color = 0.05
            else:
                p = origin + t_best * d
                n = normalize(p - centers[hit])
                color = shade(p, n, light, albedos[hit])
                # a soft shadow term: distance of the light to the other spheres' centers
                for k in range(len(radii)):
                    if k != hit:
                        gap = np.sum((light - centers[k]) ** 2)
                        color = color * (1.0 - 0.05 * math.exp(-gap))
            pixels.append(color)
            if verbose and idx % 5 == 0:
                print(f"pixel {idx}: {color:.4f}")
            idx += 1
    img = np.array(pixels)
    return np.sum((img - target) ** 2)


def fib_like(x, n):
    a, b = x[0], x[1]
    acc = 0.0
    for i in range(n):
        a, b = b, 0.5 * a + 0.4 * math.sin(b)
        if 0.0 < a < 1.0:
            acc += a * a
        elif a >= 1.0:
            acc += max(a, b, 0.5) - min(a, b)
        else:
            acc += abs(a)
    parts = [w * v for w, v in zip(x, x[::-1]) if v > 0.0]
    total = sum(parts) + math.fsum([a, b, acc])
    return total + sum(xi**2 for xi in x)


# ---------------------------------------------------------------------------
# 14. A double pendulum as a dataclass with methods and a NamedTuple state
# ---------------------------------------------------------------------------


class State(NamedTuple):
    theta1: float
    theta2: float
    omega1: float
    omega2: float


@dataclasses.dataclass
class DoublePendulum:
    m1: float
    m2: float
    l1: float
    l2: float
    damping: float
    g: float = 9.81

    def accelerations(self, s):
        d = s.theta1 - s.theta2
        den = 2.0 * self.m1 + self.m2 - self.m2 * math.cos(2.0 * d)
        a1 = (
            -self.g * (2.0 * self.m1 + self.m2) * math.sin(s.theta1)
            - self.m2 * self.g * math.sin(s.theta1 - 2.0 * s.theta2)
            - 2.0
            * math.sin(d)
            * self.m2
            * (s.omega2**2 * self.l2 + s.omega1**2 * self.l1 * math.cos(d))
        ) / (self.l1 * den)
        a2 = (
            2.0
            * math.sin(d)
            * (
                s.omega1**2 * self.l1 * (self.m1 + self.m2)
                + self.g * (self.m1 + self.m2) * math.cos(s.theta1)
                + s.omega2**2 * self.l2 * self.m2 * math.cos(d)
            )
        ) / (self.l2 * den)
        return a1 - self.damping * s.omega1, a2 - self.damping * s.omega2

    def energy(self, s):
        y1 = -self.l1 * math.cos(s.theta1)
        y2 = y1 - self.l2 * math.cos(s.theta2)
        v1sq = (self.l1 * s.omega1) ** 2
        v2sq = (
            v1sq
            + (self.l2 * s.omega2) ** 2
            + 2.0 * self.l1 * self.l2 * s.omega1 * s.omega2 * math.cos(s.theta1 - s.theta2)
        )
        kin = 0.5 * self.m1 * v1sq + 0.5 * self.m2 * v2sq
        pot = self.g * (self.m1 * y1 + self.m2 * y2)
        return kin + pot

    def step(self, s, dt):
        a1, a2 = self.accelerations(s)
        w1 = s.omega1 + dt * a1
        w2 = s.omega2 + dt * a2
        return s._replace(
            theta1=s.theta1 + dt * w1, theta2=s.theta2 + dt * w2, omega1=w1, omega2=w2
        )


def pendulum_loss(model, s0, obs, dt):
    s = s0
    loss = 0.0
    e0 = model.energy(s0)
    for k in range(obs.shape[0]):
        s = model.step(s, dt)
        if k % 3 == 2:
            loss = loss + (s.theta1 - obs[k, 0]) ** 2 + (s.theta2 - obs[k, 1]) ** 2
    drift = model.energy(s) - e0
    return loss + 0.01 * drift * drift


# ---------------------------------------------------------------------------
# 15. A finite-volume Burgers solver (MUSCL, minmod, Rusanov, SSP-RK2, CFL
#     step from the state) and an upwind scheme with element updates
# ---------------------------------------------------------------------------


def minmod(a, b):
    return np.where(a * b > 0.0, np.sign(a) * np.minimum(np.abs(a), np.abs(b)), 0.0)


def rusanov_flux(ul, ur):
    fl = 0.5 * ul * ul
    fr = 0.5 * ur * ur
    speed = np.maximum(np.abs(ul), np.abs(ur))
    return 0.5 * (fl + fr) - 0.5 * speed * (ur - ul)


def burgers_rhs(u, dx):
    # MUSCL reconstruction with periodic ghosts
    up = np.roll(u, -1)
    um = np.roll(u, 1)
    slope = minmod(u - um, up - u)
    ul = u + 0.5 * slope  # left state at i+1/2
    ur = np.roll(u - 0.5 * slope, -1)  # right state at i+1/2
    flux = rusanov_flux(ul, ur)
    return -(flux - np.roll(flux, 1)) / dx


def burgers_loss(u0, target, n_steps):
    n = u0.shape[0]
    dx = 1.0 / n
    u = u0.copy()
    t = 0.0
    for step in range(n_steps):
        dt = 0.4 * dx / (np.max(np.abs(u)) + 1e-6)
        # SSP-RK2
        u1 = u + dt * burgers_rhs(u, dx)
        u = 0.5 * u + 0.5 * (u1 + dt * burgers_rhs(u1, dx))
        t = t + dt
    tv = np.sum(np.abs(np.diff(u)))
    return np.sum((u - target) ** 2) * dx + 0.01 * tv + 0.1 * t


def upwind_inplace(u0, c, n_steps):
    u = u0.copy()
    n = u.shape[0]
    for step in range(n_steps):
        new = u.copy()
        for i in range(1, n):
            new[i] = u[i] - c * (u[i] - u[i - 1])
        new[0] = new[-1]
        u = new
    mask = u > 0.5
    hot = u[mask]
    u[mask] = 0.5 + 0.1 * (hot - 0.5)
    return np.sum(u**2) + np.sum(u[::2]) - np.sum(u[1::3] * u[::3][: len(u[1::3])])


# ---------------------------------------------------------------------------
# 16. The smallest programs showing what the long ones found
# ---------------------------------------------------------------------------


def decay_named(p):
    """Weight decay over the entries of a dict whose names start with "w"."""
    total = 0.0
    for name in p:
        if name.startswith("w"):
            total = total + np.sum(np.sin(p[name]))
    return total


def rnn_cell(x, h, w):
    return np.tanh(w @ x + h)


def rnn_loss(w, xs):
    h = np.zeros(2)
    h = rnn_cell(xs[0], h, w)
    h = rnn_cell(xs[1], h, w)
    return np.sum(h**2)


def squares_by_append(u):
    out = []
    for i in range(u.shape[0]):
        out.append(u[i] * u[i])
    return np.array(out)


def loss_with_list_helper(u):
    v = squares_by_append(u)
    return np.sum(v) + np.max(u)


DROPOUT_RNG = np.random.default_rng(0)


def dropout(h, rate):
    keep = DROPOUT_RNG.random(h.shape[0]) > rate
    return np.where(keep, h, 0.0) / (1.0 - rate)


def noisy_loss(w, x):
    """Input noise and dropout from a module-level generator, as in a training loss."""
    noise = DROPOUT_RNG.standard_normal(x.shape[0])
    h = np.tanh(x * w + 0.1 * noise)
    h = dropout(h, 0.3)
    return np.sum(h**2 * w)


def noisy_loss_fixed(w, x, noise, keep):
    """noisy_loss with its random draws passed in."""
    h = np.tanh(x * w + 0.1 * noise)
    h = np.where(keep, h, 0.0) / (1.0 - 0.3)
    return np.sum(h**2 * w)


# ---------------------------------------------------------------------------
# Generators: programs of one style at any length, for timing and checks.
# ---------------------------------------------------------------------------


def gen_nbody(steps, tag=0):
    """Three bodies in the plane, kick-drift steps written out component by component."""
    eps = 0.05 + 1e-6 * tag
    lines = [
        "import math",
        "",
        "import numpy as np",
        "",
        f"G = {1.0 + 1e-7 * tag!r}",
        f"EPS = {eps!r}",
        "",
        "",
        "def simulate(q, p, m, dt):",
        "    x1 = q[0]",
        "    y1 = q[1]",
        "    x2 = q[2]",
        "    y2 = q[3]",
        "    x3 = q[4]",
        "    y3 = q[5]",
        "    vx1 = p[0] / m[0]",
        "    vy1 = p[1] / m[0]",
        "    vx2 = p[2] / m[1]",
        "    vy2 = p[3] / m[1]",
        "    vx3 = p[4] / m[2]",
        "    vy3 = p[5] / m[2]",
    ]
    for s in range(steps):
        lines.append(f"    # step {s}")
        for i, j in ((1, 2), (1, 3), (2, 3)):
            lines += [
                f"    dx{i}{j} = x{j} - x{i}",
                f"    dy{i}{j} = y{j} - y{i}",
                f"    r{i}{j} = dx{i}{j} * dx{i}{j} + dy{i}{j} * dy{i}{j} + EPS",
                f"    w{i}{j} = G / (r{i}{j} * math.sqrt(r{i}{j}))",
            ]
        lines += [
            "    ax1 = m[1] * dx12 * w12 + m[2] * dx13 * w13",
            "    ay1 = m[1] * dy12 * w12 + m[2] * dy13 * w13",
            "    ax2 = -m[0] * dx12 * w12 + m[2] * dx23 * w23",
            "    ay2 = -m[0] * dy12 * w12 + m[2] * dy23 * w23",
            "    ax3 = -m[0] * dx13 * w13 - m[1] * dx23 * w23",
            "    ay3 = -m[0] * dy13 * w13 - m[1] * dy23 * w23",
        ]
        for b in (1, 2, 3):
            lines += [f"    vx{b} = vx{b} + dt * ax{b}", f"    vy{b} = vy{b} + dt * ay{b}"]
        for b in (1, 2, 3):
            lines += [f"    x{b} = x{b} + dt * vx{b}", f"    y{b} = y{b} + dt * vy{b}"]
    lines += [
        "    kin = 0.5 * (m[0] * (vx1 * vx1 + vy1 * vy1) + m[1] * (vx2 * vx2 + vy2 * vy2))",
        "    kin = kin + 0.5 * m[2] * (vx3 * vx3 + vy3 * vy3)",
        "    pot = -G * m[0] * m[1] / math.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2 + EPS)",
        "    pot = pot - G * m[0] * m[2] / math.sqrt((x3 - x1) ** 2 + (y3 - y1) ** 2 + EPS)",
        "    pot = pot - G * m[1] * m[2] / math.sqrt((x3 - x2) ** 2 + (y3 - y2) ** 2 + EPS)",
        "    spread = (x1 - x2) ** 2 + (y1 - y2) ** 2 + (x1 - x3) ** 2 + (y1 - y3) ** 2",
        "    return kin + pot + 0.1 * spread",
    ]
    return "\n".join(lines) + "\n", "simulate"


def gen_stencil(steps, n=9, tag=0):
    """A 1-D nonlinear diffusion written out point by point, step by step."""
    lines = [
        "import numpy as np",
        "",
        f"NU = {0.21 + 1e-7 * tag!r}",
        "",
        "",
        "def diffuse(u, r, src):",
    ]
    for i in range(n):
        lines.append(f"    u{i} = u[{i}]")
    for s in range(steps):
        lines.append(f"    # step {s}: interior points, then the boundaries")
        for i in range(1, n - 1):
            lines.append(
                f"    v{i} = u{i} + r * (u{i - 1} - 2.0 * u{i} + u{i + 1})"
                f" - NU * u{i} * u{i} * u{i} + src[{i}]"
            )
        lines.append("    v0 = v1")
        lines.append(f"    v{n - 1} = 0.5 * v{n - 2}")
        for i in range(n):
            lines.append(f"    u{i} = v{i}")
    terms = " + ".join(f"u{i} * u{i}" for i in range(n))
    lines.append(f"    energy = {terms}")
    lines.append(f"    return 0.5 * energy + u0 * u{n - 1}")
    return "\n".join(lines) + "\n", "diffuse"


def gen_blocks(blocks, tag=0):
    """An array model written block by block, with a branch and a small loop per block."""
    lines = [
        "import numpy as np",
        "",
        f"SHIFT = {0.1 + 1e-7 * tag!r}",
        "",
        "",
        "def deep_model(w, x, y):",
        "    h = x",
        "    aux = 0.0",
    ]
    for k in range(blocks):
        lines += [
            f"    # block {k}",
            f"    z = w[{k}] @ h + SHIFT * {k % 3}",
            "    if np.mean(z) > 0.0:",
            "        h = np.tanh(z) + 0.5 * h",
            "    else:",
            "        h = np.sin(z) * 0.9 + h",
            "    s = 0.0",
            "    for i in range(2):",
            "        s = s + np.sum(h[i::2] ** 2)",
            "    h = h / np.sqrt(s + 1.0)",
            f"    aux = aux + {0.01 * (k + 1)!r} * np.sum(np.abs(z))",
        ]
    lines += ["    return np.sum((h - y) ** 2) + aux"]
    return "\n".join(lines) + "\n", "deep_model"


STYLES = {"nbody": gen_nbody, "stencil": gen_stencil, "blocks": gen_blocks}

_counter = itertools.count()
_tmpdir = None


def load_program(source, func_name):
    """Write ``source`` to a fresh module file and import it; return the function."""
    global _tmpdir
    if _tmpdir is None:
        _tmpdir = tempfile.mkdtemp(prefix="long_user_programs_")
        atexit.register(shutil.rmtree, _tmpdir, True)
    name = f"lup_mod_{next(_counter)}_{time.monotonic_ns()}"
    path = Path(_tmpdir) / f"{name}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return getattr(module, func_name)


def function_lines(source, func_name):
    """Number of lines of the function's definition in ``source``."""
    lines = source.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(f"def {func_name}("))
    end = start + 1
    while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
        end += 1
    return end - start


def style_args(style, size_param):
    rng = np.random.default_rng(7)
    if style == "nbody":
        q = np.array([0.0, 0.0, 1.0, 0.1, -0.3, 0.9])
        p = np.array([0.05, -0.1, 0.0, 0.5, -0.2, -0.3])
        return (q, p, np.array([1.0, 0.6, 0.4]), 0.01)
    if style == "stencil":
        return (np.linspace(0.2, 0.9, 9) ** 2, 0.3, 0.01 * np.sin(np.arange(9.0)))
    d = 5
    w = rng.standard_normal((size_param, d, d)) * 0.5
    return (w, rng.standard_normal(d), rng.standard_normal(d) * 0.3)


# step counts giving about 50, 100, 200 and 400 lines in each style
SIZES = {
    "nbody": {50: 1, 100: 3, 200: 6, 400: 12},
    "stencil": {50: 2, 100: 5, 200: 10, 400: 20},
    "blocks": {50: 4, 100: 9, 200: 18, 400: 36},
}


def time_first_call(style, size_param, tag, api="grad"):
    """Processor seconds of the first call of ``api`` on a fresh function (it transforms)."""
    import s2s_ad as ad

    source, name = STYLES[style](size_param, tag=tag)
    f = load_program(source, name)
    args = style_args(style, size_param)
    t0 = time.process_time()
    if api == "grad":
        ad.grad(f)(*args)
    elif api == "jvp":
        ad.jvp(f, args, (np.ones_like(args[0]),) + (None,) * (len(args) - 1))
    elif api == "vjp":
        ad.vjp(f, *args)[1](1.0)
    elif api == "hessian":
        ad.hessian(f)(*args)
    else:
        raise ValueError(api)
    return time.process_time() - t0, function_lines(source, name)


def measure(styles=("nbody", "stencil", "blocks"), repeats=3, tag_base=0, api="grad"):
    """Processor seconds of the first call, best of ``repeats`` fresh functions."""
    out = {}
    tags = itertools.count(tag_base)
    for style in styles:
        for target, param in SIZES[style].items():
            best = math.inf
            for _ in range(repeats):
                t, n_lines = time_first_call(style, param, next(tags), api)
                best = min(best, t)
            out[(style, target)] = (n_lines, best)
    return out


if __name__ == "__main__":
    # python tests/long_user_programs.py [repeats] [grad|jvp|vjp|hessian] [style ...]
    import s2s_ad  # noqa: F401  (imported before timing)

    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    api = sys.argv[2] if len(sys.argv) > 2 else "grad"
    styles = tuple(sys.argv[3:]) or ("nbody", "stencil", "blocks")
    time_first_call("blocks", 2, 10**6, api)  # warm the library's own lazy imports
    res = measure(styles, repeats=repeats, tag_base=int(time.time()) % 100000, api=api)
    for (style, target), (n_lines, best) in res.items():
        print(
            f"{api:7s} {style:8s} ~{target:3d} lines: {n_lines:3d} lines  "
            f"{best * 1e3:8.1f} ms  {best * 1e3 / n_lines:6.3f} ms/line"
        )
