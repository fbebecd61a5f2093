# ruff: noqa: E501, F841, SIM108, B007, B002, B905, E731, E741, E702, E704
# fmt: off

"""Long user functions (40-300 lines each) for tests/test_long_functions_independent.py.

Written by an independent tester from the README and issue 19 alone: the kind of code a
scientist writes in one function body (unrolled steppers, hand-written layers, pricing,
integrators with many stages, rate laws, filters, many-term losses).
"""

import math

import numpy as np
import scipy.special as sp

import s2s_ad

GRAVITY = 9.81
SOFTENING = 0.05
DP_C = (0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0)


# --------------------------------------------------------------------------- helpers


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def softplus(z):
    return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)


def lin(w, x, b):
    return w @ x + b


def lorenz_rhs(y, sigma, rho, beta):
    dx = sigma * (y[1] - y[0])
    dy = y[0] * (rho - y[2]) - y[1]
    dz = y[0] * y[1] - beta * y[2]
    return np.array([dx, dy, dz])


def sir_rhs(s, i, r, beta, gamma):
    n = s + i + r
    inf = beta * s * i / n
    rec = gamma * i
    return -inf, inf - rec, rec


def vdp(y, mu):
    return np.array([y[1], mu * (1.0 - y[0] * y[0]) * y[1] - y[0]])


def huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


# --------------------------------------------------------------------------- 1. RK4 Lorenz


def rk4_lorenz(y0, sigma, rho, beta):
    """RK4 written out component by component, 25 steps."""
    dt = 0.01
    x = y0[0]
    y = y0[1]
    z = y0[2]
    energy = 0.0
    for step in range(25):
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
        energy += (x * x + y * y + z * z) * dt
    final = x * x + 0.5 * y * y + 0.25 * z * z
    unused = np.sqrt(final) * 0.0
    return final * 0.001 + energy * 0.0001


# --------------------------------------------------------------------------- 2. Dormand-Prince


def dopri5_vdp(y0, mu):
    """Fixed-step Dormand-Prince (RK45) with all stages written out; the error estimate is
    computed every step and feeds an adaptive-ish step rescale through a while loop."""
    a21 = 1.0 / 5.0
    a31, a32 = 3.0 / 40.0, 9.0 / 40.0
    a41, a42, a43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
    a51, a52, a53, a54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
    a61, a62, a63, a64, a65 = 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0
    b1, b2, b3, b4, b5, b6 = 35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
    e1, e3, e4, e5, e6, e7 = 71.0 / 57600.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0, -1.0 / 40.0
    y = y0 * 1.0
    t = 0.0
    h = 0.05
    t_end = 0.6
    err_total = 0.0
    nsteps = 0
    while t < t_end - 1e-12:
        k1 = vdp(y, mu)
        k2 = vdp(y + h * (a21 * k1), mu)
        k3 = vdp(y + h * (a31 * k1 + a32 * k2), mu)
        k4 = vdp(y + h * (a41 * k1 + a42 * k2 + a43 * k3), mu)
        k5 = vdp(y + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4), mu)
        k6 = vdp(y + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5), mu)
        y_new = y + h * (b1 * k1 + b2 * k2 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6)
        k7 = vdp(y_new, mu)
        err = h * (e1 * k1 + 0.0 * k2 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7)
        err_norm = np.sqrt(np.sum(err * err))
        err_total = err_total + err_norm
        y = y_new
        t = t + h
        nsteps += 1
        if nsteps > 100:
            break
    return np.sum(y * y) + 10.0 * err_total + 0.0 * t


# --------------------------------------------------------------------------- 3. MLP


def mlp_loss(w1, b1, w2, b2, w3, b3, x, y):
    """A 3-layer network written by hand with softmax cross-entropy and many penalty terms."""
    h1 = x @ w1 + b1
    a1 = np.tanh(h1)
    h2 = a1 @ w2 + b2
    a2 = np.maximum(h2, 0.01 * h2)  # leaky relu
    logits = a2 @ w3 + b3
    m = np.max(logits, axis=1, keepdims=True)
    z = logits - m
    ez = np.exp(z)
    denom = np.sum(ez, axis=1, keepdims=True)
    logp = z - np.log(denom)
    probs = ez / denom
    nll = -np.sum(y * logp) / x.shape[0]
    l2 = 0.5 * (np.sum(w1 ** 2) + np.sum(w2 ** 2) + np.sum(w3 ** 2))
    l1 = np.sum(np.abs(w1)) * 0.0
    ent = -np.sum(probs * logp) / x.shape[0]
    act_pen = np.mean(a1 ** 2) + np.mean(a2 ** 2)
    bias_pen = np.sum(b1 * b1) + np.sum(b2 * b2) + np.sum(b3 * b3)
    acc = np.mean(np.argmax(probs, axis=1) == np.argmax(y, axis=1))
    loss = nll
    loss = loss + 1e-3 * l2
    loss = loss + l1
    loss = loss + 0.01 * ent
    loss = loss + 0.05 * act_pen
    loss = loss + 1e-4 * bias_pen
    loss = loss * 1.0
    if acc > 2.0:
        loss = loss * 0.0
    return loss


# --------------------------------------------------------------------------- 4. GRU


def gru_sequence(Wz, Uz, Wr, Ur, Wh, Uh, bz, br, bh, xs):
    """A GRU cell written out, unrolled over a list of inputs, with a list of states."""
    h = np.zeros(Uz.shape[0])
    states = []
    total = 0.0
    for t, x in enumerate(xs):
        zt = sigmoid(Wz @ x + Uz @ h + bz)
        rt_ = sigmoid(Wr @ x + Ur @ h + br)
        cand = np.tanh(Wh @ x + Uh @ (rt_ * h) + bh)
        h = (1.0 - zt) * h + zt * cand
        states.append(h)
        total = total + np.sum(h * h) * (t + 1)
    hs = np.stack(states)
    last = states[-1]
    first = states[0]
    smooth = np.sum(np.diff(hs, axis=0) ** 2)
    return total / len(xs) + 0.1 * smooth + np.sum(last * first)


# --------------------------------------------------------------------------- 5. Black-Scholes


def bs_price_with_branches(S, K, T, r, sigma):
    """Black-Scholes call and put with many branches on moneyness (scalar floats)."""
    sqrtT = math.sqrt(T)
    vol = sigma * sqrtT
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / vol
    d2 = d1 - vol
    nd1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
    nd2 = 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    disc = math.exp(-r * T)
    call = S * nd1 - K * disc * nd2
    put = call - S + K * disc
    pdf1 = math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi)
    vega = S * pdf1 * sqrtT
    gamma = pdf1 / (S * vol)
    moneyness = S / K
    if moneyness > 1.2:
        value = call * 0.9 + put * 0.1
    elif moneyness > 1.05:
        value = call * 0.7 + put * 0.3
    elif moneyness > 0.95:
        value = 0.5 * (call + put)
        if vol > 0.3:
            value = value + 0.01 * vega
        else:
            value = value - 0.01 * vega
    elif moneyness > 0.8:
        value = call * 0.3 + put * 0.7
    else:
        value = put
    value = value + 0.5 * gamma * S * S * sigma * sigma * 0.001
    if T < 0.0:
        value = -value  # dead for valid inputs
    return value


# --------------------------------------------------------------------------- 6. binomial tree


def crr_american_put(S0, K, T, r, sigma):
    """Cox-Ross-Rubinstein American put, backward induction over arrays with np.maximum."""
    n = 24
    dt = T / n
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    j = np.arange(n + 1)
    prices = S0 * u ** (n - j) * d ** j
    values = np.maximum(K - prices, 0.0)
    for i in range(n - 1, -1, -1):
        j = np.arange(i + 1)
        prices = S0 * u ** (i - j) * d ** j
        cont = disc * (p * values[:-1] + (1.0 - p) * values[1:])
        exer = K - prices
        values = np.maximum(cont, exer)
    return values[0]


# --------------------------------------------------------------------------- 7. chemistry


def robertson_kinetics(c0, logk):
    """Robertson-like kinetics with Arrhenius factors, dict of species, explicit Euler with
    sub-steps, and a Michaelis-Menten term."""
    k = np.exp(logk)
    temp = 300.0
    ea = np.array([10.0, 20.0, 5.0, 15.0])
    rate_const = k * np.exp(-ea / (8.314e-3 * temp) * 0.01)
    species = {"A": c0[0], "B": c0[1], "C": c0[2]}
    dt = 0.02
    history = []
    for step in range(30):
        a = species["A"]
        b = species["B"]
        c = species["C"]
        r1 = rate_const[0] * a
        r2 = rate_const[1] * b * b
        r3 = rate_const[2] * b * c
        mm = rate_const[3] * a / (0.5 + a)
        da = -r1 + r3 - mm
        db = r1 - r2 - r3
        dc = r2 + mm
        species = {"A": a + dt * da, "B": b + dt * db, "C": c + dt * dc}
        if step % 10 == 9:
            history.append(species["A"] + species["B"] + species["C"])
    mass_err = 0.0
    for tot in history:
        mass_err = mass_err + (tot - (c0[0] + c0[1] + c0[2])) ** 2
    return species["A"] * 2.0 + species["B"] * 3.0 + species["C"] + mass_err * 100.0


# --------------------------------------------------------------------------- 8. IIR biquad


def biquad_filter_energy(x, b, a):
    """Direct form II transposed biquad, sample by sample, with a list of outputs."""
    z1 = 0.0
    z2 = 0.0
    ys = []
    for n in range(x.shape[0]):
        xn = x[n]
        yn = b[0] * xn + z1
        z1 = b[1] * xn - a[0] * yn + z2
        z2 = b[2] * xn - a[1] * yn
        ys.append(yn)
    y = np.array(ys)
    energy = np.sum(y * y)
    tail = np.sum(y[-4:] ** 2)
    mean = np.mean(y)
    centered = y - mean
    var = np.mean(centered ** 2)
    return energy + 0.5 * tail + var - 0.1 * mean


# --------------------------------------------------------------------------- 9. many-term loss


def many_term_loss(params, target):
    """A dict of arrays and a loss with many terms (Huber, log-cosh, smoothness, barrier...)."""
    w = params["w"]
    s = params["s"]
    off = params["off"]
    pred = w * s + off
    r = pred - target
    t1 = np.sum(huber(r, 0.5))
    t2 = np.sum(np.log(np.cosh(r)))
    t3 = np.sum(np.diff(w) ** 2)
    t4 = np.sum(np.diff(w, n=2) ** 2)
    t5 = -np.sum(np.log(s))
    t6 = np.sum((s - 1.0) ** 2)
    t7 = off * off
    t8 = np.sum(sp.expit(w) * (1.0 - sp.expit(w)))
    t9 = np.sum(softplus(w - 1.0))
    t10 = np.linalg.norm(r)
    t11 = np.sum(np.sqrt(r * r + 1e-2))
    t12 = np.max(np.abs(r)) * 0.0
    t13 = np.sum(np.where(r > 0.0, r ** 2, 0.3 * r ** 2))
    t14 = sp.logsumexp(r)
    t15 = np.std(w) + np.var(s)
    total = t1 + t2 + 0.1 * t3 + 0.01 * t4 + 0.05 * t5 + t6
    total += t7
    total += 0.2 * t8
    total += 0.3 * t9
    total += t10 + t11 + t12
    total += 0.5 * t13 + 0.1 * t14 + t15
    return total


# --------------------------------------------------------------------------- 10. N-body


def nbody_leapfrog(pos, vel, masses):
    """Three bodies, explicit pair loops, softened gravity, velocity Verlet, 12 steps."""
    dt = 0.01
    n = pos.shape[0]
    kinetic0 = 0.5 * np.sum(masses[:, None] * vel * vel)
    for step in range(12):
        acc = np.zeros_like(pos)
        for i in range(n):
            for j in range(n):
                if i != j:
                    d = pos[j] - pos[i]
                    r2 = np.sum(d * d) + SOFTENING * SOFTENING
                    inv = 1.0 / (r2 * np.sqrt(r2))
                    acc[i] = acc[i] + masses[j] * d * inv
        vel = vel + 0.5 * dt * acc
        pos = pos + dt * vel
        acc2 = np.zeros_like(pos)
        for i in range(n):
            for j in range(n):
                if i == j:
                    continue
                d = pos[j] - pos[i]
                r2 = np.sum(d * d) + SOFTENING * SOFTENING
                acc2[i] += masses[j] * d / (r2 * np.sqrt(r2))
        vel = vel + 0.5 * dt * acc2
    kinetic = 0.5 * np.sum(masses[:, None] * vel * vel)
    potential = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = pos[j] - pos[i]
            potential = potential - masses[i] * masses[j] / np.sqrt(np.sum(d * d) + SOFTENING ** 2)
    return kinetic + potential + 0.1 * kinetic0


# --------------------------------------------------------------------------- 11. branchy


def branchy_piecewise(x, a):
    """Branches on data values in a loop, a while loop with a counter, elif chains."""
    out = 0.0
    for i in range(x.shape[0]):
        v = x[i]
        if v > 1.0:
            out = out + a * v * v
        elif v > 0.0:
            out = out + np.sin(v) * a
        elif v > -1.0:
            out = out - np.exp(v) * a * a
        else:
            out = out + v ** 3
        if i % 2 == 0:
            out = out * 1.0
        else:
            out = -(-out)
    y = x * a
    count = 0
    while np.sum(y * y) > 0.5 and count < 20:
        y = y * 0.8 + 0.01 * np.tanh(y)
        count += 1
    if count > 5:
        out = out + np.sum(y)
    else:
        out = out - np.sum(y)
    s = out + 0.0
    if s > 1e6:
        return s * 0.0
    return s + np.sum(y ** 2)


# --------------------------------------------------------------------------- 12. unit shapes


def unit_shapes(a, b, c, s):
    """Arrays of shape (1,), (1, 1), (3,) and a float mixed; broadcasts and reductions."""
    u = a * b  # (1,) * (1,1) -> (1,1)
    v = u + c  # (1,1) + (3,) -> (1,3)
    w = v * s
    t = np.tanh(w) + a[0] * c
    r = t.reshape(3)
    q = r @ c + b[0, 0] * s
    e = np.exp(-a * a)
    f = e + b
    g = np.sum(f) + np.sum(u.T @ v)
    k = (a + 0.0) * 1.0
    m = np.squeeze(k) * s
    h = np.mean(v, axis=1, keepdims=True)
    total = q + g + m + np.sum(h * b)
    total = total + float(np.sum(a * a)) * 0.0
    return total


# --------------------------------------------------------------------------- 13. float32


def float32_layer(w, x, b):
    """A float32 layer: weights and data float32, literals Python floats."""
    h = np.tanh(w @ x + b)
    h2 = h * h * 0.5 + 0.1 * h
    s = np.sum(h2)
    s = s + 0.0 * np.sum(w)
    s = s * 1.0
    return s + np.sum(b * b) * 0.01


# --------------------------------------------------------------------------- 14. integers


def int_inputs(x, n_steps, idx, scale):
    """Integer arguments held fixed: a step count, an index array, an int scale."""
    y = x * 1.0
    for k in range(n_steps):
        y = y + 0.1 * np.sin(y * scale) / (k + 1)
    picked = y[idx]
    total = np.sum(picked ** 2) + np.sum(y) / scale
    for i in idx:
        total = total + y[i] * i
    return total


# --------------------------------------------------------------------------- 15. helpers


def helper_heavy(x, w):
    """Small helpers called many times, their results reused and discarded."""
    a = sigmoid(x)
    b = softplus(x)
    c = sigmoid(a * w)
    d = softplus(b - c)
    e = sigmoid(d) + sigmoid(-d)  # identically 1
    f = softplus(c) - softplus(-c)  # = c
    g = huber(x - w, 0.3)
    hh = sigmoid(sigmoid(sigmoid(x)))
    i = softplus(softplus(w))
    j = lin(np.outer(x, w), w, x)
    k = sigmoid(j)
    unused = softplus(j * 3.0)
    total = np.sum(a) + np.sum(b) + np.sum(c * d) + np.sum(e * f) + np.sum(g)
    total = total + np.sum(hh * i) + np.sum(k)
    return total


# --------------------------------------------------------------------------- 16. reassigned


def reassign_chain(x, y):
    """One variable reassigned many times, with unit factors, negations and zeros."""
    z = x
    z = z * 1.0
    z = z + 0.0
    z = -z
    z = -z
    z = z * y
    z = z - 0.0 * y
    z = 1.0 * z + 0.0
    z = z / 1.0
    z = np.sin(z)
    z = z * z
    z = z + x * 0.0
    z = -(-(z))
    z = z + y
    z = z * 2.0
    z = z * 0.5
    z = np.exp(-z)
    z = z ** 1.0
    z = z ** 2.0
    z = z + 1.0
    z = np.log(z)
    z = z + z
    z = z - z * 0.5
    z = z * (1.0 + 0.0)
    z = z * (2.0 - 1.0)
    tmp = z * 3.0
    tmp = tmp * 0.0
    z = z + tmp
    z = np.sqrt(z * z + 1.0)
    z = z * x
    z = z - (-y)
    z = z * (-1.0)
    z = -z
    z = z / (1.0 + y * y)
    w = z
    w = w + z
    w = w - z
    z = w
    z = np.tanh(z)
    z = z + x * y
    z = z * z
    z = z + 0.0 * z
    z = np.sum(z)
    z = z + 0.0
    return z


# --------------------------------------------------------------------------- 17. heat equation


def heat_equation(u0, kappa, source):
    """Explicit finite differences with element updates of a local array and boundary fixes."""
    u = u0.copy()
    dx = 1.0 / (u.shape[0] - 1)
    dt = 0.2 * dx * dx
    total_flux = 0.0
    for step in range(30):
        lap = np.zeros_like(u)
        lap[1:-1] = (u[2:] - 2.0 * u[1:-1] + u[:-2]) / (dx * dx)
        u_new = u + dt * kappa * lap + dt * source * np.sin(u)
        u_new[0] = 0.0
        u_new[-1] = u_new[-2]  # Neumann
        flux = kappa * (u_new[1] - u_new[0]) / dx
        total_flux += flux * dt
        u = u_new
    return np.sum(u * u) * dx + total_flux


# --------------------------------------------------------------------------- 18. Kalman filter


def kalman_nll(q, rr, obs, x0):
    """A 2-state constant-velocity Kalman filter with its Gaussian negative log-likelihood."""
    dt = 0.1
    F = np.array([[1.0, dt], [0.0, 1.0]])
    H = np.array([[1.0, 0.0]])
    Q = q * np.array([[dt ** 3 / 3.0, dt ** 2 / 2.0], [dt ** 2 / 2.0, dt]])
    R = np.array([[rr]])
    x = x0
    P = np.eye(2)
    nll = 0.0
    for k in range(obs.shape[0]):
        # predict
        x = F @ x
        P = F @ P @ F.T + Q
        # update
        innov = obs[k] - H @ x
        S = H @ P @ H.T + R
        Sinv = np.linalg.inv(S)
        K = P @ H.T @ Sinv
        x = x + K @ innov
        P = (np.eye(2) - K @ H) @ P
        nll = nll + 0.5 * (np.log(np.linalg.det(S)) + innov @ Sinv @ innov)
    return nll + 0.01 * np.sum(x * x)


# --------------------------------------------------------------------------- 19. pendulum tuple


def pendulum_states(params):
    """A tuple state carried through a loop, returning a vector (for the Jacobians)."""
    g_over_l, damping, theta0 = params[0], params[1], params[2]
    state = (theta0, 0.0)
    dt = 0.05
    out = []
    for step in range(20):
        th, om = state
        alpha = -g_over_l * np.sin(th) - damping * om
        om = om + dt * alpha
        th = th + dt * om
        state = (th, om)
        if step % 5 == 4:
            out.append(th)
            out.append(om)
    return np.array(out)


# --------------------------------------------------------------------------- 20. Newton


def newton_sqrt_cubic(c, x0):
    """Newton iterations in a while loop with a tolerance and a break, then a bisection-free
    polish with a counted for loop."""
    x = x0
    it = 0
    while True:
        fx = x * x * x - c
        dfx = 3.0 * x * x
        step = fx / dfx
        x = x - step
        it += 1
        if abs(step) < 1e-13 or it >= 50:
            break
    y = c * 1.0
    for k in range(6):
        y = 0.5 * (y + c / y)
    return x * 2.0 + y


# --------------------------------------------------------------------------- 21. Adam unrolled


def adam_unrolled(w0, lr, A, b):
    """Ten hand-written Adam steps on a quadratic, differentiated through the optimiser."""
    beta1 = 0.9
    beta2 = 0.999
    eps = 1e-8
    w = w0
    m = np.zeros_like(w0)
    v = np.zeros_like(w0)
    losses = []
    for t in range(1, 11):
        r = A @ w - b
        g = A.T @ r
        m = beta1 * m + (1.0 - beta1) * g
        v = beta2 * v + (1.0 - beta2) * g * g
        mhat = m / (1.0 - beta1 ** t)
        vhat = v / (1.0 - beta2 ** t)
        w = w - lr * mhat / (np.sqrt(vhat) + eps)
        losses.append(0.5 * np.sum(r * r))
    final = 0.5 * np.sum((A @ w - b) ** 2)
    return final + 0.1 * sum(losses)


# --------------------------------------------------------------------------- 22. LSTM


def lstm_written(W, U, bias, xs, h0, c0):
    """LSTM with four gates sliced from stacked weights, over the rows of an array."""
    n = h0.shape[0]
    h = h0
    c = c0
    outs = []
    for x in xs:
        gates = W @ x + U @ h + bias
        i = sigmoid(gates[0:n])
        f = sigmoid(gates[n:2 * n] + 1.0)
        o = sigmoid(gates[2 * n:3 * n])
        g = np.tanh(gates[3 * n:4 * n])
        c = f * c + i * g
        h = o * np.tanh(c)
        outs.append(np.sum(h))
    seq = np.array(outs)
    return np.sum(seq ** 2) + np.sum(c * c) * 0.1


# --------------------------------------------------------------------------- 23. attention


def attention_block(Wq, Wk, Wv, Wo, gamma, beta, X):
    """One self-attention head with softmax and layer norm written out, plus a residual."""
    Q = X @ Wq
    K = X @ Wk
    V = X @ Wv
    d = Q.shape[1]
    scores = Q @ K.T / np.sqrt(d)
    scores = scores - np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores)
    attn = e / np.sum(e, axis=-1, keepdims=True)
    ctx = attn @ V
    out = ctx @ Wo
    res = X + out
    mu = np.mean(res, axis=-1, keepdims=True)
    var = np.mean((res - mu) ** 2, axis=-1, keepdims=True)
    normed = (res - mu) / np.sqrt(var + 1e-5)
    y = normed * gamma + beta
    ff = np.maximum(y, 0.0) * 0.0 + np.tanh(y)
    return np.sum(ff ** 2) / X.shape[0] + 0.01 * np.sum(attn * np.log(attn + 1e-9))


# --------------------------------------------------------------------------- 24. Chebyshev


def chebyshev_unrolled(x, c):
    """Chebyshev polynomials T0..T12 written out one variable each, and Horner on top."""
    T0 = np.ones_like(x)
    T1 = x
    T2 = 2.0 * x * T1 - T0
    T3 = 2.0 * x * T2 - T1
    T4 = 2.0 * x * T3 - T2
    T5 = 2.0 * x * T4 - T3
    T6 = 2.0 * x * T5 - T4
    T7 = 2.0 * x * T6 - T5
    T8 = 2.0 * x * T7 - T6
    T9 = 2.0 * x * T8 - T7
    T10 = 2.0 * x * T9 - T8
    T11 = 2.0 * x * T10 - T9
    T12 = 2.0 * x * T11 - T10
    s = c[0] * T0 + c[1] * T1 + c[2] * T2 + c[3] * T3 + c[4] * T4 + c[5] * T5 + c[6] * T6
    s = s + c[7] * T7 + c[8] * T8 + c[9] * T9 + c[10] * T10 + c[11] * T11 + c[12] * T12
    p = c[12]
    p = p * x + c[11]
    p = p * x + c[10]
    p = p * x + c[9]
    p = p * x + c[8]
    p = p * x + c[7]
    p = p * x + c[6]
    p = p * x + c[5]
    p = p * x + c[4]
    p = p * x + c[3]
    p = p * x + c[2]
    p = p * x + c[1]
    p = p * x + c[0]
    return np.sum(s * s) + np.sum(np.sin(p))


# --------------------------------------------------------------------------- 25. dead code


def dead_code_heavy(x, y):
    """Values computed and never used, dead branches, loops whose results are dropped."""
    a = np.exp(x)
    b = np.log(a)  # = x, used
    unused1 = np.sqrt(np.abs(y)) * 7.0
    unused2 = unused1 + np.cosh(x)
    junk = []
    for i in range(5):
        junk.append(np.sin(x * i))
    if False:
        b = b * 1000.0
    if 0 > 1:
        y = y * 1000.0
    flag = True
    if not flag:
        b = -b
    c = b * y
    d = c + 0.0 * unused2
    acc = 0.0
    for k in range(3):
        acc = acc + k
    e = np.tanh(d) * acc
    ghost = e * 100.0
    ghost = ghost + 1.0
    f = e + x * y
    return np.sum(f * f)


# --------------------------------------------------------------------------- 26. SIR


def sir_rk4(beta, gamma, y0):
    """SIR epidemic with RK4, the right-hand side a helper returning a tuple."""
    s, i, r = y0[0], y0[1], y0[2]
    dt = 0.5
    peak = 0.0
    for step in range(20):
        k1s, k1i, k1r = sir_rhs(s, i, r, beta, gamma)
        k2s, k2i, k2r = sir_rhs(s + 0.5 * dt * k1s, i + 0.5 * dt * k1i, r + 0.5 * dt * k1r, beta, gamma)
        k3s, k3i, k3r = sir_rhs(s + 0.5 * dt * k2s, i + 0.5 * dt * k2i, r + 0.5 * dt * k2r, beta, gamma)
        k4s, k4i, k4r = sir_rhs(s + dt * k3s, i + dt * k3i, r + dt * k3r, beta, gamma)
        s = s + dt / 6.0 * (k1s + 2.0 * k2s + 2.0 * k3s + k4s)
        i = i + dt / 6.0 * (k1i + 2.0 * k2i + 2.0 * k3i + k4i)
        r = r + dt / 6.0 * (k1r + 2.0 * k2r + 2.0 * k3r + k4r)
        if i > peak:
            peak = i
    return r + 2.0 * peak + 0.5 * s * i


# --------------------------------------------------------------------------- 27. FIR


def fir_by_hand(x, h):
    """FIR convolution by hand over taps, windowed, and its comparison with np.convolve."""
    n = x.shape[0]
    m = h.shape[0]
    win = np.hanning(m + 2)[1:-1]
    hw = h * win
    y = np.zeros(n)
    for k in range(m):
        y[k:] = y[k:] + hw[k] * x[: n - k]
    y2 = np.convolve(x, hw)[:n]
    mismatch = np.sum((y - y2) ** 2)
    energy = np.sum(y ** 2)
    rms = np.sqrt(energy / n)
    peak = np.max(np.abs(y))
    return energy + rms + 0.1 * peak + 1000.0 * mismatch


# --------------------------------------------------------------------------- 28. portfolio


def portfolio_objective(logits, mu, cov, risk_aversion):
    """Softmax weights, mean-variance, risk contributions, entropy and a log barrier."""
    z = logits - np.max(logits)
    w = np.exp(z) / np.sum(np.exp(z))
    ret = w @ mu
    var = w @ cov @ w
    vol = np.sqrt(var)
    mrc = cov @ w / vol
    rc = w * mrc
    target = vol / w.shape[0]
    risk_parity = np.sum((rc - target) ** 2)
    entropy = -np.sum(w * np.log(w))
    barrier = -np.sum(np.log(w + 1e-3))
    turnover = np.sum(np.abs(w - 1.0 / w.shape[0]) ** 2)
    sharpe = ret / vol
    obj = -ret + risk_aversion * var
    obj = obj + 10.0 * risk_parity
    obj = obj - 0.01 * entropy
    obj = obj + 1e-4 * barrier
    obj = obj + 0.1 * turnover
    obj = obj - 0.05 * sharpe
    return obj


# --------------------------------------------------------------------------- 29. in-place ops


def inplace_ops(x, s):
    """+=, -=, *=, /= on local arrays and floats, element updates and masked updates."""
    a = x.copy()
    a += 1.0
    a *= s
    a -= 0.5 * x
    a /= 2.0
    b = np.zeros_like(x)
    b[0] = a[0] * 3.0
    b[1:] += a[1:] * a[:-1]
    b[b > 0.5] *= 2.0
    c = s
    c += 1.0
    c *= c
    c -= s
    c /= 3.0
    t = 0.0
    for i in range(x.shape[0]):
        t += a[i] * b[i]
        t -= 0.1 * x[i]
        t *= 0.99
    d = a * 1.0
    d[::2] = -d[::2]
    return t + c + np.sum(d * b)


# --------------------------------------------------------------------------- 30. tuple/list/dict


def containers_mix(params, xs):
    """Params as a list of (W, b) tuples, a dict of scales, tuples of arrays in a loop."""
    layers = params["layers"]
    scales = params["scales"]
    h = xs
    acts = []
    for W, b in layers:
        h = np.tanh(h @ W + b)
        acts.append(h)
    pair = (acts[0], acts[-1])
    first, last = pair
    loss = np.sum(last ** 2) * scales["out"]
    loss = loss + np.sum(first ** 2) * scales["hid"]
    reg = 0.0
    for W, b in layers:
        reg = reg + np.sum(W * W)
    stats = {"m": np.mean(last), "v": np.var(last)}
    loss = loss + 0.01 * reg + stats["m"] ** 2 + stats["v"]
    return loss


# --------------------------------------------------------------------------- 31. long straight


def long_straight_line(x, p):
    """~120 lines of straight-line scalar/array arithmetic (a generated-looking model)."""
    a0 = x * p[0]
    a1 = np.sin(a0) + p[1]
    a2 = a1 * a1 - a0
    a3 = np.cos(a2) * p[2]
    a4 = a3 + a1 * 0.5
    a5 = np.tanh(a4) - a2 * 0.1
    a6 = a5 * a5 + 1.0
    a7 = np.log(a6)
    a8 = a7 * p[3] + a0
    a9 = np.exp(-a8 * a8)
    b0 = a9 + a7 * 0.3
    b1 = b0 * b0 - a5
    b2 = np.sin(b1) * np.cos(a3)
    b3 = b2 + p[4] * a1
    b4 = b3 * 1.0 + 0.0
    b5 = np.sqrt(b4 * b4 + 0.5)
    b6 = b5 - a4
    b7 = -b6 * p[5]
    b8 = b7 + a8 * 0.2
    b9 = np.arctan(b8)
    c0 = b9 * b9 + b5
    c1 = c0 / (1.0 + a6)
    c2 = c1 - b2 * 0.7
    c3 = np.sinh(c2 * 0.3)
    c4 = c3 + c1
    c5 = c4 * p[6] - b9
    c6 = np.tanh(c5)
    c7 = c6 * a1 + c3
    c8 = c7 - c7 * 0.5
    c9 = c8 + a9
    d0 = np.sin(c9) * p[7]
    d1 = d0 + c6 * c6
    d2 = d1 * b0
    d3 = np.exp(-d2 * d2 * 0.1)
    d4 = d3 + d1 * 0.25
    d5 = d4 - c2
    d6 = d5 * d5 * 0.5
    d7 = np.log1p(d6)
    d8 = d7 + p[8] * c4
    d9 = d8 * 1.0
    e0 = -(-d9)
    e1 = e0 + a2 * 0.05
    e2 = np.cos(e1) + np.sin(e1)
    e3 = e2 * e2 - 1.0
    e4 = e3 + b8 * 0.01
    e5 = np.tanh(e4 * p[9])
    e6 = e5 + d3
    e7 = e6 * c0
    e8 = e7 - b5 * 0.1
    e9 = e8 / (1.0 + d6)
    f0 = e9 + a0 * 0.0
    f1 = f0 * p[0] + p[1]
    f2 = np.sin(f1 + a3)
    f3 = f2 * b1
    f4 = f3 + c8
    f5 = np.sqrt(f4 * f4 + 1.0)
    f6 = f5 - e5
    f7 = f6 * f6
    f8 = f7 * 0.5 + e9
    f9 = np.tanh(f8)
    g0 = f9 + b9 * c9
    g1 = g0 * g0 - d4
    g2 = np.exp(-np.abs(g1) * 0.0) * g1
    g3 = g2 + p[2] * p[3]
    g4 = g3 - f5 * 0.01
    g5 = np.cos(g4) * d8
    g6 = g5 + e2
    g7 = g6 * 0.5 + g0 * 0.5
    g8 = g7 * g7
    g9 = np.log(g8 + 1.0)
    h0 = g9 + f9
    h1 = h0 * p[4] - f2
    h2 = np.sin(h1) * np.sin(h1) + np.cos(h1) * np.cos(h1)
    h3 = h2 * h0
    h4 = h3 - c5 * 0.2
    h5 = np.tanh(h4) + a7
    h6 = h5 * h5
    h7 = h6 + e7 * 0.01
    h8 = h7 * p[5]
    h9 = np.arctan(h8) + g9
    i0 = h9 + h9
    i1 = i0 - h9
    i2 = i1 * b3
    i3 = i2 + d2
    i4 = np.sin(i3)
    i5 = i4 * i4 + g4 * 0.1
    i6 = i5 - a5 * a5
    i7 = np.exp(-i6 * i6)
    i8 = i7 + h5
    i9 = i8 * p[6] + p[7]
    j0 = np.tanh(i9)
    j1 = j0 * g6
    j2 = j1 + f7 * 0.01
    j3 = j2 * j2
    j4 = np.sqrt(j3 + 0.1)
    j5 = j4 - i8
    j6 = j5 * p[8]
    j7 = j6 + i2
    j8 = np.cos(j7)
    j9 = j8 * j8 + j0
    k0 = j9 + c7 + d5 + e6 + f3 + g5 + h3 + i4
    k1 = k0 * p[9]
    k2 = k1 - a1 * b1 * c1
    k3 = np.sin(k2) + k0 * 0.001
    unused_a = np.exp(k3) * 5.0
    unused_b = unused_a + j9
    total = np.sum(k3 * k3) + np.sum(j4) * 0.1
    return total


# --------------------------------------------------------------------------- 32. generated 300


def generated_300(x, w):
    """A ~300-line generated model: many temporaries, branches, loops and helpers."""
    x0 = x[0]
    x1 = x[1] * w[0]
    x2 = np.tanh(x[2] + w[1])
    v = x * w
    x3 = np.arctan(x2) * x0 * 1.0
    x4 = x3 * 1.0
    x4 += 0.2 * x3
    x4 *= 0.9
    x5 = x4
    for _i in range(2):
        x5 = 0.9 * x5 + 0.1 * np.cos(x5 + x1)
    x6 = np.cos(x0) - x0 * -1.0
    x7 = np.sqrt(x5 * x5 + 0.3) - x1 * -1.0
    x8 = np.exp(-(x6)**2) * x1 * 0.25
    x9 = np.arctan(x5) - x8 * 1.0
    v = v * (1.0 + 0.05 * np.tanh(x6))
    x10 = np.sum(v * v) * 0.1 + x6 * 0.5
    x11 = np.exp(-(x8)**2) - x9 * 0.5
    x12 = np.arctan(x11) + x10 * 2.0
    v = v * (1.0 + 0.05 * np.tanh(x12))
    x13 = np.sum(v * v) * 0.1 + x12 * 0.5
    x14 = np.arctan(x10) - x13 * 2.0
    x15 = -(x7 * x10) * 0.3 + 0.0 * x9
    v = v * (1.0 + 0.05 * np.tanh(x9))
    x16 = np.sum(v * v) * 0.1 + x9 * 0.5
    if x15 > x16:
        x17 = x15 * 0.7 - np.sin(x16)
    elif x15 > -0.5:
        x17 = np.tanh(x15 + x16) * 1.0
    else:
        x17 = x16 * x16 * 0.1
    x18 = sigmoid(x11) * x17 * -1.0
    if x15 > x17:
        x19 = x15 * 0.7 - np.sin(x17)
    elif x15 > -0.5:
        x19 = np.tanh(x15 + x17) * 1.0
    else:
        x19 = x17 * x17 * 0.1
    if x16 > x19:
        x20 = x16 * 0.7 - np.sin(x19)
    elif x16 > -0.5:
        x20 = np.tanh(x16 + x19) * 1.0
    else:
        x20 = x19 * x19 * 0.1
    v = v * (1.0 + 0.05 * np.tanh(x19))
    x21 = np.sum(v * v) * 0.1 + x19 * 0.5
    x22 = softplus(x18) + x14 * 1.0
    if x22 > x22:
        x23 = x22 * 0.7 - np.sin(x22)
    elif x22 > -0.5:
        x23 = np.tanh(x22 + x22) * 1.0
    else:
        x23 = x22 * x22 * 0.1
    x24 = sigmoid(x20) * x23 * -1.0
    x25 = -(x24 - x17) * 0.3 + 0.0 * x21
    x26 = np.cos(x25) * x22 * -1.0
    x27 = x21 * 1.0
    x27 += 0.2 * x25
    x27 *= 0.9
    v = v * (1.0 + 0.05 * np.tanh(x27))
    x28 = np.sum(v * v) * 0.1 + x27 * 0.5
    dead29 = np.exp(x25) * 3.0
    x29 = x25 - 0.0
    x30 = x27 * 1.0
    x30 += 0.2 * x23
    x30 *= 0.9
    x31 = np.log1p(x25 * x25) - x23 * 0.5
    x32 = np.arctan(x25) * x27 * 1.0
    x33 = np.sin(x29) * x30 * 1.0
    x34 = np.sqrt(x28 * x28 + 0.3) * x29 * -1.0
    x35 = -(x31 + x33) * 0.3 + 0.0 * x29
    x36 = x32 * 1.0
    x36 += 0.2 * x34
    x36 *= 0.9
    x37 = np.tanh(x32) - x29 * 0.5
    x38 = np.cos(x30) - x35 * 0.5
    x39 = np.sqrt(x36 * x36 + 0.3) * x35 * -1.0
    x40 = np.cos(x39) - x34 * 1.0
    x41 = -(x36 - x38) * 0.3 + 0.0 * x40
    x42 = -(x35 * x40) * 0.3 + 0.0 * x34
    x43 = np.tanh(x35) * x35 * -1.0
    v = v * (1.0 + 0.05 * np.tanh(x39))
    x44 = np.sum(v * v) * 0.1 + x39 * 0.5
    x45 = -(x37 + x40) * 0.3 + 0.0 * x39
    x46 = np.tanh(x44) - x44 * 2.0
    x47 = np.cos(x45) - x41 * 0.25
    x48 = np.sqrt(x47 * x47 + 0.3) - x44 * -1.0
    x49 = np.arctan(x48) - x42 * 2.0
    x50 = x46
    for _i in range(1):
        x50 = 0.9 * x50 + 0.1 * np.cos(x50 + x45)
    x51 = np.cos(x50) * x48 * -1.0
    x52 = -(x46 + x49) * 0.3 + 0.0 * x46
    x53 = np.arctan(x48) + x49 * 2.0
    x54 = x49
    for _i in range(3):
        x54 = 0.9 * x54 + 0.1 * np.cos(x54 + x50)
    x55 = -(x49 + x51) * 0.3 + 0.0 * x48
    dead56 = np.exp(x50) * 3.0
    x56 = x50 - 0.0
    x57 = np.sin(x54) * x51 * 0.5
    x58 = -(x54 * x51) * 0.3 + 0.0 * x54
    x59 = x53 * 1.0
    x59 += 0.2 * x55
    x59 *= 0.9
    x60 = np.sin(x58) - x58 * 0.5
    x61 = sigmoid(x53) - x54 * 0.5
    if x59 > x59:
        x62 = x59 * 0.7 - np.sin(x59)
    elif x59 > -0.5:
        x62 = np.tanh(x59 + x59) * 1.0
    else:
        x62 = x59 * x59 * 0.1
    x63 = x55
    for _i in range(2):
        x63 = 0.9 * x63 + 0.1 * np.cos(x63 + x60)
    if x63 > x62:
        x64 = x63 * 0.7 - np.sin(x62)
    elif x63 > -0.5:
        x64 = np.tanh(x63 + x62) * 1.0
    else:
        x64 = x62 * x62 * 0.1
    dead65 = np.exp(x58) * 3.0
    x65 = x58 - 0.0
    if x62 > x64:
        x66 = x62 * 0.7 - np.sin(x64)
    elif x62 > -0.5:
        x66 = np.tanh(x62 + x64) * 1.0
    else:
        x66 = x64 * x64 * 0.1
    x67 = np.exp(-(x59)**2) * x65 * 0.5
    x68 = np.exp(-(x64)**2) * x61 * 0.25
    x69 = x66
    for _i in range(3):
        x69 = 0.9 * x69 + 0.1 * np.cos(x69 + x61)
    x70 = -(x67 + x62) * 0.3 + 0.0 * x63
    x71 = np.cos(x64) + x65 * 2.0
    x72 = softplus(x64) - x66 * 0.25
    x73 = np.log1p(x68 * x68) - x68 * 1.0
    x74 = np.sin(x72) - x68 * 1.0
    x75 = softplus(x74) - x71 * 0.25
    x76 = np.cos(x70) * x68 * 2.0
    v = v * (1.0 + 0.05 * np.tanh(x74))
    x77 = np.sum(v * v) * 0.1 + x74 * 0.5
    if x75 > x70:
        x78 = x75 * 0.7 - np.sin(x70)
    elif x75 > -0.5:
        x78 = np.tanh(x75 + x70) * 1.0
    else:
        x78 = x70 * x70 * 0.1
    if x71 > x74:
        x79 = x71 * 0.7 - np.sin(x74)
    elif x71 > -0.5:
        x79 = np.tanh(x71 + x74) * 1.0
    else:
        x79 = x74 * x74 * 0.1
    x80 = -(x75 * x74) * 0.3 + 0.0 * x78
    if x78 > x76:
        x81 = x78 * 0.7 - np.sin(x76)
    elif x78 > -0.5:
        x81 = np.tanh(x78 + x76) * 1.0
    else:
        x81 = x76 * x76 * 0.1
    x82 = -(x78 - x77) * 0.3 + 0.0 * x79
    x83 = np.sqrt(x82 * x82 + 0.3) * x79 * 1.0
    x84 = np.log1p(x78 * x78) - x76 * 0.25
    v = v * (1.0 + 0.05 * np.tanh(x83))
    x85 = np.sum(v * v) * 0.1 + x83 * 0.5
    x86 = x80
    for _i in range(1):
        x86 = 0.9 * x86 + 0.1 * np.cos(x86 + x82)
    x87 = softplus(x81) * x80 * 0.5
    x88 = -(x84 * x80) * 0.3 + 0.0 * x86
    x89 = np.arctan(x83) * x82 * 0.5
    x90 = np.log1p(x87 * x87) * x86 * 0.25
    x91 = sigmoid(x85) - x87 * 2.0
    x92 = np.tanh(x90) + x84 * 2.0
    if x91 > x90:
        x93 = x91 * 0.7 - np.sin(x90)
    elif x91 > -0.5:
        x93 = np.tanh(x91 + x90) * 1.0
    else:
        x93 = x90 * x90 * 0.1
    v = v * (1.0 + 0.05 * np.tanh(x88))
    x94 = np.sum(v * v) * 0.1 + x88 * 0.5
    x95 = x87
    for _i in range(1):
        x95 = 0.9 * x95 + 0.1 * np.cos(x95 + x92)
    x96 = -(x90 + x89) * 0.3 + 0.0 * x88
    v = v * (1.0 + 0.05 * np.tanh(x90))
    x97 = np.sum(v * v) * 0.1 + x90 * 0.5
    x98 = sigmoid(x92) * x93 * 1.0
    x99 = np.exp(-(x98)**2) + x92 * -1.0
    x100 = softplus(x93) - x99 * -1.0
    x101 = np.arctan(x96) - x100 * 2.0
    x102 = np.cos(x95) - x98 * 0.25
    x103 = x98
    for _i in range(1):
        x103 = 0.9 * x103 + 0.1 * np.cos(x103 + x100)
    x104 = np.arctan(x101) - x103 * -1.0
    x105 = sigmoid(x104) + x102 * 0.25
    x106 = np.log1p(x101 * x101) + x105 * 2.0
    if x101 > x105:
        x107 = x101 * 0.7 - np.sin(x105)
    elif x101 > -0.5:
        x107 = np.tanh(x101 + x105) * 1.0
    else:
        x107 = x105 * x105 * 0.1
    x108 = np.cos(x105) - x107 * 0.25
    x109 = softplus(x104) - x103 * 2.0
    x110 = x106
    for _i in range(2):
        x110 = 0.9 * x110 + 0.1 * np.cos(x110 + x109)
    if x109 > x103:
        x111 = x109 * 0.7 - np.sin(x103)
    elif x109 > -0.5:
        x111 = np.tanh(x109 + x103) * 1.0
    else:
        x111 = x103 * x103 * 0.1
    x112 = -(x109 * x110) * 0.3 + 0.0 * x109
    x113 = np.sqrt(x108 * x108 + 0.3) - x110 * 0.25
    x114 = np.log1p(x108 * x108) + x110 * 2.0
    if x109 > x112:
        x115 = x109 * 0.7 - np.sin(x112)
    elif x109 > -0.5:
        x115 = np.tanh(x109 + x112) * 1.0
    else:
        x115 = x112 * x112 * 0.1
    x116 = -(x114 - x115) * 0.3 + 0.0 * x113
    x117 = sigmoid(x110) * x113 * 0.25
    x118 = sigmoid(x117) * x114 * 2.0
    if x112 > x114:
        x119 = x112 * 0.7 - np.sin(x114)
    elif x112 > -0.5:
        x119 = np.tanh(x112 + x114) * 1.0
    else:
        x119 = x114 * x114 * 0.1
    x120 = -(x112 + x114) * 0.3 + 0.0 * x117
    dead121 = np.exp(x120) * 3.0
    x121 = x120 - 0.0
    x122 = np.tanh(x118) + x120 * 2.0
    if x117 > x116:
        x123 = x117 * 0.7 - np.sin(x116)
    elif x117 > -0.5:
        x123 = np.tanh(x117 + x116) * 1.0
    else:
        x123 = x116 * x116 * 0.1
    x124 = np.log1p(x116 * x116) + x119 * -1.0
    if x122 > x122:
        x125 = x122 * 0.7 - np.sin(x122)
    elif x122 > -0.5:
        x125 = np.tanh(x122 + x122) * 1.0
    else:
        x125 = x122 * x122 * 0.1
    x126 = np.sqrt(x122 * x122 + 0.3) - x123 * 0.25
    x127 = np.sqrt(x121 * x121 + 0.3) + x126 * 0.25
    x128 = np.sqrt(x123 * x123 + 0.3) - x124 * 2.0
    v = v * (1.0 + 0.05 * np.tanh(x127))
    x129 = np.sum(v * v) * 0.1 + x127 * 0.5
    x130 = np.sin(x128) + x126 * -1.0
    if x128 > x130:
        x131 = x128 * 0.7 - np.sin(x130)
    elif x128 > -0.5:
        x131 = np.tanh(x128 + x130) * 1.0
    else:
        x131 = x130 * x130 * 0.1
    x132 = np.exp(-(x129)**2) + x125 * 2.0
    v = v * (1.0 + 0.05 * np.tanh(x127))
    x133 = np.sum(v * v) * 0.1 + x127 * 0.5
    x134 = x132
    for _i in range(3):
        x134 = 0.9 * x134 + 0.1 * np.cos(x134 + x127)
    x135 = x130 * 1.0
    x135 += 0.2 * x127
    x135 *= 0.9
    x136 = -(x131 - x130) * 0.3 + 0.0 * x131
    x137 = x133
    for _i in range(3):
        x137 = 0.9 * x137 + 0.1 * np.cos(x137 + x136)
    x138 = np.exp(-(x135)**2) * x136 * 2.0
    if x134 > x133:
        x139 = x134 * 0.7 - np.sin(x133)
    elif x134 > -0.5:
        x139 = np.tanh(x134 + x133) * 1.0
    else:
        x139 = x133 * x133 * 0.1
    if x134 > x134:
        x140 = x134 * 0.7 - np.sin(x134)
    elif x134 > -0.5:
        x140 = np.tanh(x134 + x134) * 1.0
    else:
        x140 = x134 * x134 * 0.1
    return x135 * x135 + x136 * x136 + x137 * x137 + x138 * x138 + x139 * x139 + x140 * x140 + np.sum(v) * 0.01


# --------------------------------------------------------------------------- 33. formatting


def formatting_oddities(x, y):
    """Semicolons, continuations, comments inside expressions, strings with '#', unicode."""
    a = x * 2.0; b = a + 1.0; c = np.sin(b)
    label = "weight # not a comment"
    tag = 'single "quoted" \' # also not'
    d = (a
         + b  # a comment inside the parentheses
         - c * 0.5
         )
    e = a * b \
        + c * d \
        - 0.25
    α = 0.5
    θ = np.tanh(e * α)
    table = {label: θ, tag: d, "line\nbreak": e, "k#1": a}
    """A bare string in the middle of the body, with a # and a 'quote'."""
    f = table["weight # not a comment"] * table['single "quoted" \' # also not']
    g = table["line\nbreak"] + table["k#1"]
    h: float = 0.0
    h = h + np.sum(f * g)
    if (np.sum(a) > -100.0
            and np.sum(b) < 100.0):  # a multi-line condition
        h = h + np.sum(np.cos(θ)) * y
    else:
        h = h - 1.0
    msg = f"value {np.sum(a):.3f} # {label}"
    scale = len(msg) * 0.0 + 1.0
    long = (a * 0.1 + b * 0.2 + c * 0.3 + d * 0.4 + e * 0.5 + θ * 0.6 + f * 0.7 + g * 0.8 + a * b * 0.9 + b * c * 1.1 + c * d * 1.2 + d * e * 1.3 + e * θ * 1.4 + θ * f * 1.5 + f * g * 1.6 + g * a * 1.7)
    sq = lambda t: t * t
    return h * scale + np.sum(sq(long)) * 0.01 + y * y


# --------------------------------------------------------------------------- 34. signed zeros


def signed_zero_value(x):
    """Additions of 0.0 and multiplications by -0.0 the plain call keeps (the value's sign)."""
    a = x * -0.0  # -0.0 for positive x
    b = a + 0.0  # +0.0: Python/IEEE, the sign of a zero sum is +
    c = x * 0.0 - 0.0 * x  # 0.0
    d = -(x * 0.0)  # -0.0
    return np.sum(x * x) * 0.0 + b[0] + d[0] * 1.0 + c[1]


def signed_zero_grad(x):
    """A gradient that is a signed zero in places: 0.0 * x and -0.0 factors."""
    return np.sum(x * 0.0) + np.sum(-(x * 0.0)) + np.sum(x[1:] * x[1:]) - 0.0 * x[0]


# --------------------------------------------------------------------------- 35. refused late


def refused_late_global(x):
    """A long function with a refused construct (global) near its end."""
    a = x * 2.0
    b = np.sin(a)
    c = b * b
    d = c + a
    e = np.tanh(d)
    f = e * 0.5
    g = f + 1.0
    h = g * g
    i = h - a
    j = np.exp(-i)
    global GRAVITY
    k = j * GRAVITY
    return np.sum(k)


def refused_late_try(x):
    """A long function with try around assignments, refused, on a continued statement."""
    a = x * 2.0
    b = (np.sin(a)
         + np.cos(a))
    c = b * b
    d = c + a
    try:
        e = np.tanh(d)
    except ValueError:
        e = d
    return np.sum(e)


def refused_late_walrus(x):
    """`:=` is refused: the error must name this file and its line."""
    a = x * 2.0
    b = np.sin(a)
    c = b * b
    d = c + a
    if (n := np.sum(d)) > 0.0:
        d = d * n
    return np.sum(d)


# --------------------------------------------------------------------------- 36. control flow


def cubic_hermite(y0, y1, m0, m1, t):
    t2 = t * t
    t3 = t2 * t
    return (2.0 * t3 - 3.0 * t2 + 1.0) * y0 + (t3 - 2.0 * t2 + t) * m0 + (-2.0 * t3 + 3.0 * t2) * y1 + (t3 - t2) * m1


def event_integrator(y0, k, threshold):
    """Integrate until an event with an early return inside the while loop; for-else after."""
    y = y0
    v = 0.0
    t = 0.0
    dt = 0.05
    steps = 0
    while steps < 200:
        a = -k * y - 0.1 * v
        v = v + dt * a
        y = y + dt * v
        t = t + dt
        steps += 1
        if y < threshold:
            frac = (threshold - y) / (y - (y - dt * v))
            return t - frac * dt + y * 0.0 + v * v
    for j in range(3):
        if j > 5:
            break
    else:
        y = y + 1.0
    return y + v


def spline_eval(xq, ys):
    """Piecewise cubic Hermite evaluation with a search loop and break, per query point."""
    n = ys.shape[0]
    h = 1.0 / (n - 1)
    out = []
    for q in xq:
        idx = 0
        for i in range(n - 1):
            if q < (i + 1) * h:
                idx = i
                break
        else:
            idx = n - 2
        if idx == 0:
            m0 = (ys[1] - ys[0]) / h
        else:
            m0 = (ys[idx + 1] - ys[idx - 1]) / (2.0 * h)
        if idx == n - 2:
            m1 = (ys[n - 1] - ys[n - 2]) / h
        else:
            m1 = (ys[idx + 2] - ys[idx]) / (2.0 * h)
        t = (q - idx * h) / h
        out.append(cubic_hermite(ys[idx], ys[idx + 1], m0 * h, m1 * h, t))
    vals = np.array(out)
    return np.sum(vals ** 2) + np.sum(np.diff(vals) ** 2)


def multi_return(x, a):
    """Returns at several depths: in branches, in loops, after loops."""
    s = np.sum(x)
    if a > 10.0:
        return s * 0.0
    for i in range(x.shape[0]):
        if x[i] > 5.0:
            return x[i] * a
        if x[i] < -5.0:
            continue
        s = s + x[i] * a * 0.1
    if s > 0.0:
        if a > 1.0:
            return s * s * a
        else:
            return s * np.exp(a)
    elif s > -1.0:
        return -s * a
    return s ** 3


def cse_across_branches(x, y):
    """The same expressions in branches, loops and after them."""
    r = np.sqrt(x * x + y * y + 1.0)
    if np.sum(r) > 2.0:
        u = np.sqrt(x * x + y * y + 1.0) * 2.0
        w = np.exp(-np.sqrt(x * x + y * y + 1.0))
    else:
        u = np.sqrt(x * x + y * y + 1.0) * 3.0
        w = np.sqrt(x * x + y * y + 1.0)
    acc = np.zeros_like(x)
    for k in range(3):
        acc = acc + np.sqrt(x * x + y * y + 1.0) * k + np.sin(x * y)
        acc = acc + np.sin(x * y) * 0.5
    z = np.sin(x * y) + np.sqrt(x * x + y * y + 1.0)
    return np.sum(u * w) + np.sum(acc) + np.sum(z * z)


def dict_state_loop(state, forcing):
    """A dict state updated entry by entry in a loop, read back through items()."""
    s = dict(state)
    total = 0.0
    for t in range(forcing.shape[0]):
        f = forcing[t]
        s["p"] = s["p"] + 0.1 * s["q"]
        s["q"] = s["q"] - 0.1 * np.sin(s["p"]) + 0.05 * f
        s["e"] = 0.5 * s["q"] * s["q"] - np.cos(s["p"])
        for key, val in s.items():
            if key == "e":
                total = total + val * 0.1
    keys = sorted(s.keys())
    return total + sum(s[k_] for k_ in keys if k_ != "e") + s.get("missing", 0.0)


def lorenz_checkpointed(y0, sigma, rho, beta):
    """Vector RK4 with a helper, in a checkpointed loop."""
    dt = 0.01
    y = y0
    acc = 0.0
    for t in s2s_ad.checkpoint(range(36), every=5):
        k1 = lorenz_rhs(y, sigma, rho, beta)
        k2 = lorenz_rhs(y + 0.5 * dt * k1, sigma, rho, beta)
        k3 = lorenz_rhs(y + 0.5 * dt * k2, sigma, rho, beta)
        k4 = lorenz_rhs(y + dt * k3, sigma, rho, beta)
        y = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
        acc = acc + np.sum(y * y) * dt
    return np.sum(y * y) * 0.001 + acc * 1e-4


def many_args(a, b, c, d, e, f, g, h, i, j, k, l):
    """Twelve scalar arguments, each used in a different way."""
    t1 = a * b + c
    t2 = math.sin(d) * e - f
    t3 = math.exp(-g * g) + h / (1.0 + i * i)
    t4 = math.tanh(j) * k ** 2 - math.log(1.0 + l * l)
    t5 = t1 * t2 - t3 * t4
    t6 = abs(t5) + max(a, b) + min(c, d)
    t7 = t6 if t5 > 0 else -t6
    return t7 + t1 * t3 + t2 * t4 + a * b * c * d * e * f * g * h * i * j * k * l


def nested_loops_break(x, w):
    """Triangular nested loops with break and continue on data."""
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        row = 0.0
        for j in range(i, n):
            if x[j] * w > 2.0:
                break
            if j % 2 == 1:
                continue
            row = row + x[i] * x[j] * w
        total = total + np.tanh(row)
        if total > 50.0:
            break
    k = 0
    y = total
    while k < n:
        y = y * 0.95 + x[k] * 0.01
        k = k + 2
    return y


def lstm_cell_tuple(h, c, x, W):
    z = W @ np.concatenate([h, x])
    n = h.shape[0]
    i = sigmoid(z[:n])
    f = sigmoid(z[n:2 * n])
    g = np.tanh(z[2 * n:3 * n])
    o = sigmoid(z[3 * n:])
    c2 = f * c + i * g
    h2 = o * np.tanh(c2)
    return h2, c2, (i, f, o)


def tuple_state_rnn(W, xs):
    """A helper returning a nested tuple; callers read some items only."""
    n = W.shape[0] // 4
    h = np.zeros(n)
    c = np.zeros(n)
    gate_pen = 0.0
    for x in xs:
        h, c, gates = lstm_cell_tuple(h, c, x, W)
        i_gate, _, _ = gates
        gate_pen = gate_pen + np.sum(i_gate) * 0.01
    h_last, _, _ = lstm_cell_tuple(h, c, xs[0], W)
    return np.sum(h_last ** 2) + gate_pen + np.sum(h * c)


def list_ops(xs, ys):
    """Lists joined, reversed, zipped, enumerated from 1, summed."""
    zs = [x * y for x, y in zip(xs, ys)]
    rev = list(reversed(zs))
    both = zs + rev
    total = sum(both)
    acc = 0.0
    for k, z in enumerate(both, 1):
        acc = acc + np.sum(z) / k
    head, *rest = both
    tail = rest[-1]
    return np.sum(total * total) + acc + np.sum(head * tail) + len(rest) * 0.0


# --------------------------------------------------------------------------- 37. names, powers


def collide_names(x, x_1):
    """User names that look like generated ones (x_bar, x_1, _t1, _tape1, pullback, rt, ...)."""
    x_bar = x * 2.0
    x_2 = x_bar + x_1
    _t1 = np.sin(x_2)
    _t2 = _t1 * x
    _t1_bar = _t2 + 1.0
    pullback = _t1_bar * x_1
    _tape1 = []
    for i in range(3):
        _tape1.append(pullback * i)
        pullback = pullback * 0.9 + _t1
    rt = sum(_tape1)
    x_1_bar = rt * x_bar
    x_dot = x_1_bar + 0.5
    ans = x_dot * x_dot
    _checkpoints1 = ans + x_2
    out_bar = _checkpoints1 * 0.1
    x_3 = out_bar
    f_grad = x_3 + x
    return np.sum(f_grad * f_grad)


def negative_powers(x, y):
    """Negations around powers, negative exponents, negated literals: precedence traps."""
    a = -x
    b = a ** 3
    c = (-y) ** 2
    d = -y ** 2
    e = x ** -3.0
    f = -(x ** -1.5)
    g = (-x) ** 4 * -y
    h = 2.0 ** (-x * y)
    k = -(-x) ** 3
    m = 1.0 / -(-(-y))
    n = -x * -y * -1.0
    p = (a - -b) ** 2
    q = -(a * b) / -(c + 1.0)
    return np.sum(b + c + d + e + f + g + h + k + m + n + p + q)


def literal_chain(x):
    """Chains of literal factors and additions the simplifier may be tempted to fold."""
    a = x * 3.0
    b = a * 0.1
    c = b + 0.1
    d = c + 0.2
    f = -(-d) * -1.0
    g = -f * 2.0 * 0.5
    h = 0.1 * (0.2 * (0.3 * g))
    i = h / 3.0 / 7.0
    j = i - -x
    k = 1.0 / -x + -(x * 0.7) * 1.1
    n = x * (2 ** 70) * 1e-21
    r = 100.0 * (2.0 * (x * x)) * 0.01
    return np.sum(j * j) + np.sum(k) + np.sum(n) + np.sum(h) + np.sum(r)


def cancelling_literals(x):
    """Values whose bits depend on the order of the literal operations (no folding allowed)."""
    a = (x * 3.0) * 0.1
    b = (x + 0.1) + 0.2
    c = (x - 1e16) + 1e16
    d = x * 0.1 * 3.0
    e = (x / 3.0) * 3.0
    return np.sum(a + b + c + d + e)


def multiline_strings(x):
    """Triple-quoted strings with newlines and '#' as dict keys and in print."""
    key = """first
second # third"""
    d = {key: x * 2.0, "plain": x}
    print("""a multi-line
message # not a comment""", end="|")
    y = d["""first
second # third"""] * d["plain"]
    return np.sum(y)


def unicode_then_error(x):
    """Unicode names before a statement whose derivative fails (math.sqrt at 0)."""
    β = 0.0
    δ = x * 1.0
    r = math.sqrt(β * δ)
    return r + δ


# --------------------------------------------------------------------------- 38. definitions


class Model:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def loss_static(x, y):
        """Indented source, a staticmethod."""
        a = x * y
        if np.sum(a) > 0.0:
            b = np.tanh(a)
        else:
            b = a
        return np.sum(b * b)

    def loss_method(self, x):
        h = np.tanh(self.w @ x)
        return np.sum(h * h)


if GRAVITY > 1.0:
    def defined_in_if(x,  # the input
                      s=GRAVITY * 0.2,  # a default
                      *,
                      k: float = 0.5,
                      ):  # closing
        y = x * s \
            * k
        return np.sum(np.sin(y))
else:
    def defined_in_if(x):
        return np.sum(x)


two_lambdas = (lambda x: np.sum(x * x), lambda x: np.sum(x * x * x))


def one_liner(x): return np.sum(np.exp(x) * 2.0)


def with_docstring_code(x):
    """Example:

        >>> def f(x):  # doctest: +SKIP
        ...     global y
        try:
            pass
        except: pass
    """
    return np.sum(x * 3.0)


# --------------------------------------------------------------------------- 39. loop invariants


def invariant_traps(y0, dt, c):
    y = y0
    damp = c * 1.0
    half = 0.5 * dt
    acc = 0.0
    for i in range(8):
        k = 0.5 * dt
        y = y + k * np.sin(y) * damp + half * y
        if i == 5:
            damp = damp * 2.0
        dt = dt * 0.9
        acc = acc + k * np.sum(y)
    return np.sum(y * y) + acc


def array_mutated_in_loop(x, w):
    c = w * 1.0
    y = x
    for i in range(4):
        y = y * c + np.tanh(y)
        c[i % c.shape[0]] = c[i % c.shape[0]] * 0.5 + y[0]
    return np.sum(y * y) + np.sum(c)


def adaptive_while(y0, lam, tol):
    y = y0
    t = 0.0
    h = 0.1
    n = 0
    while t < 1.0 and n < 50:
        y1 = y + h * (-lam * y)
        y_half = y + 0.5 * h * (-lam * y)
        y2 = y_half + 0.5 * h * (-lam * y_half)
        err = np.abs(y2 - y1)
        if err > tol:
            h = h * 0.5
        else:
            y = y2
            t = t + h
            h = h * 1.2
        n += 1
    return y + 0.0 * t


def overlapping_slices(x):
    a = x[:4] * x[1:5]
    b = x[2:] + x[:-2] * 0.5
    c = x[::2] * x[1::2]
    d = x[::-1][:3] * x[-3:]
    e = np.zeros(6)
    e[1:5] = a
    e[0] = b[0] * c[0]
    e[2:] += b[:4] * 0.1
    e[::3] = e[::3] * d[:2]
    return np.sum(e * e) + np.sum(b) + np.sum(c * c) + np.sum(d)


def branch_reassigned_invariant(x, a):
    s = a * 2.0
    total = 0.0
    for i in range(6):
        if i == 3:
            s = a * 3.0
        v = s * x[i % 2]
        total = total + np.sin(v) * s
    return total
