# ruff: noqa: E501, F841, SIM108, B007, B905
"""Programs for test_long_functions_comments_independent.py.

Realistic user code: long straight-line NumPy, loops with break/continue, while loops,
branches, helpers returning tuples, names bound again, in-place updates, slicing,
np.where and reductions along axes. Written by an independent tester; each function is
defined here because s2s_ad reads its source.
"""

import math

import numpy as np

GRAVITY = 9.81
DT = 0.01


# ---------------------------------------------------------------- helpers


def spring_forces(p, k, rest):
    """Forces of a chain of springs between consecutive points (1-d positions)."""
    stretch = p[1:] - p[:-1] - rest
    f_links = k * stretch
    left = np.concatenate((f_links, np.zeros(1)))
    right = np.concatenate((np.zeros(1), f_links))
    return left - right, 0.5 * k * np.sum(stretch * stretch)


def rhs(y, damping):
    """Right-hand side of a damped pendulum chain: (theta, omega) pairs."""
    theta = y[0]
    omega = y[1]
    dtheta = omega
    domega = -GRAVITY * np.sin(theta) - damping * omega
    return np.stack((dtheta, domega))


def softplus(z):
    return np.where(z > 20.0, z, np.log1p(np.exp(np.minimum(z, 20.0))))


def layer(W, b, h):
    z = W @ h + b
    return np.tanh(z), z


def stats(v):
    m = np.mean(v)
    s = np.sqrt(np.mean((v - m) ** 2) + 1e-6)
    return m, s


# ---------------------------------------------------------------- programs


def spring_chain_energy(p, v):
    """Three explicit symplectic-Euler steps of a spring chain, written out."""
    k = 3.0
    rest = 0.5
    mass = 1.5
    f, pe = spring_forces(p, k, rest)
    v = v + DT * f / mass
    v = v - DT * GRAVITY * 0.01
    p = p + DT * v
    f, pe = spring_forces(p, k, rest)
    v = v + DT * f / mass
    v = v * (1.0 - 0.02 * DT)
    p = p + DT * v
    f, pe = spring_forces(p, k, rest)
    v = v + DT * f / mass
    drag = 0.1 * v * np.abs(v)
    v = v - DT * drag / mass
    p = p + DT * v
    f, pe = spring_forces(p, k, rest)
    ke = 0.5 * mass * np.sum(v * v)
    height = np.sum(p) / p.shape[0]
    energy = ke + pe + mass * GRAVITY * height * 0.01
    momentum = mass * np.sum(v)
    centre = np.mean(p)
    spread = np.sum((p - centre) ** 2)
    penalty = 0.5 * momentum**2 + 0.1 * spread
    total = energy + penalty
    total = total + 0.001 * np.sum(f * f)
    return total


def feature_pipeline(w, X):
    """Standardise, expand features, score, and a loss with several terms."""
    mu = np.mean(X, axis=0)
    sd = np.std(X, axis=0) + 1e-3
    Z = (X - mu) / sd
    sq = Z**2
    cross = Z[:, :1] * Z[:, 1:]
    logs = np.log1p(np.abs(Z))
    feats = np.concatenate((Z, sq, cross, logs), axis=1)
    n_feat = feats.shape[1]
    w_main = w[:n_feat]
    bias = w[n_feat]
    scores = feats @ w_main + bias
    scores = np.clip(scores, -30.0, 30.0)
    probs = 1.0 / (1.0 + np.exp(-scores))
    labels = (np.sum(X, axis=1) > 0.0) * 1.0
    eps = 1e-9
    nll = -np.mean(labels * np.log(probs + eps) + (1.0 - labels) * np.log(1.0 - probs + eps))
    l2 = 0.01 * np.sum(w_main**2)
    l1 = 0.001 * np.sum(np.sqrt(w_main**2 + 1e-8))
    margin = np.where(scores * (2.0 * labels - 1.0) < 1.0, 1.0 - scores * (2.0 * labels - 1.0), 0.0)
    hinge = 0.1 * np.mean(margin)
    col_energy = np.sum(np.mean(feats * feats, axis=0) * w_main**2)
    loss = nll
    loss = loss + l2
    loss = loss + l1
    loss += hinge
    loss += 0.001 * col_energy
    return loss


def many_term_loss(pred, target):
    """A loss with many terms, one name bound again and again."""
    diff = pred - target
    loss = np.mean(diff**2)
    huber_delta = 0.5
    absd = np.abs(diff)
    huber = np.where(absd < huber_delta, 0.5 * diff**2, huber_delta * (absd - 0.5 * huber_delta))
    loss = loss + 0.3 * np.sum(huber)
    logits = pred - np.max(pred)
    e = np.exp(logits)
    soft = e / np.sum(e)
    entropy = -np.sum(soft * np.log(soft + 1e-12))
    loss = loss + 0.05 * entropy
    tv = np.sum(np.abs(pred[1:] - pred[:-1]))
    loss = loss + 0.01 * tv
    curvature = pred[2:] - 2.0 * pred[1:-1] + pred[:-2]
    loss = loss + 0.02 * np.sum(curvature**2)
    m, s = stats(pred)
    loss = loss + 0.1 * (m - np.mean(target)) ** 2
    loss = loss + 0.1 * (s - 1.0) ** 2
    cos_sim = np.dot(pred, target) / (np.linalg.norm(pred) * np.linalg.norm(target))
    loss = loss + 0.2 * (1.0 - cos_sim)
    log_cosh = np.sum(np.log(np.cosh(diff)))
    loss = loss + 0.05 * log_cosh
    unused_debug = np.max(np.abs(diff))
    quantile = np.sum(np.maximum(0.7 * diff, -0.3 * diff))
    loss = loss + 0.01 * quantile
    return loss


def loop_break_continue(x, n):
    """A training-style loop with continue for skipped steps and break on a threshold."""
    acc = 0.0
    h = x * 1.0
    for i in range(n):
        h = np.tanh(h * 1.1 + 0.1)
        if i % 3 == 1:
            continue
        step = np.sum(h * h) * 0.5
        acc += step
        if acc > 50.0:
            break
        h = h + 0.05 * x
    acc = acc + np.sum(h)
    return acc


def while_fixed_point(x):
    """Fixed-point iteration with a while loop; the count stays away from its bound."""
    y = x * 0.5
    k = 0
    change = 1.0
    while k < 12 and change > 1e-300:
        y_new = 0.5 * np.cos(y) + 0.3 * x
        change = float(np.max(np.abs(y_new - y)))
        y = y_new
        k += 1
    return np.sum(y * y) + 0.1 * k


def helper_tuples_loop(W, x, n):
    """A helper returning a tuple, unpacked in a loop; names swapped each step."""
    h = x
    prev = x * 0.0
    total = 0.0
    for t in range(n):
        h_new, z = layer(W, 0.1 * t, h)
        prev, h = h, h_new
        total = total + np.sum(z**2) * 0.01
    a, b = np.sum(h), np.sum(prev)
    return a * b + total


def heat_stencil(u, steps):
    """Explicit heat equation with slicing, fixed boundaries, then a misfit."""
    alpha = 0.2
    target = np.linspace(0.0, 1.0, u.shape[0])
    for s in range(steps):
        lap = u[2:] - 2.0 * u[1:-1] + u[:-2]
        interior = u[1:-1] + alpha * lap
        u = np.concatenate((u[:1], interior, u[-1:]))
        u = u - 0.001 * u**3
    misfit = u - target
    return np.sum(misfit**2) + 0.01 * np.sum(u[1:] * u[:-1])


def inplace_fill(x, n):
    """Element updates of local arrays: a[i] = ..., a[i:] += ..., masks."""
    a = np.zeros(n)
    for i in range(n):
        a[i] = np.sin(x[i % x.shape[0]]) * (i + 1)
    b = a.copy()
    b[1:] += 0.5 * a[:-1]
    b[0] = b[0] * 2.0
    c = b * x[0]
    c[c < 0.0] = 0.0
    d = np.zeros((2, n))
    d[0, :] = c
    d[1, :] = b * b
    return np.sum(d) + np.sum(d[:, 1:] * d[:, :-1])


def axis_reductions(X):
    """Reductions along axes: sums, means, max, var, a log-sum-exp with keepdims."""
    col = np.sum(X, axis=0)
    row = np.mean(X, axis=1)
    mx = np.max(X, axis=1, keepdims=True)
    lse = mx[:, 0] + np.log(np.sum(np.exp(X - mx), axis=1))
    var = np.var(X, axis=0)
    cum = np.cumsum(X, axis=1)
    prodt = np.prod(1.0 + 0.1 * X, axis=0)
    out = np.sum(col**2) + np.sum(row * lse) + np.sum(var)
    out = out + 0.01 * np.sum(cum[:, -1]) + np.sum(prodt)
    out += np.sum(np.min(X, axis=0) * 0.3)
    out += X.sum(axis=1).dot(np.arange(X.shape[0]) * 1.0)
    return out


def rnn_unrolled(params, xs):
    """An RNN over a sequence; params a tuple; a branch on the step index."""
    Wh, Wx, b = params
    h = np.zeros(Wh.shape[0])
    loss = 0.0
    for t in range(xs.shape[0]):
        pre = Wh @ h + Wx @ xs[t] + b
        if t == 0:
            h = np.tanh(pre)
        else:
            h = 0.8 * np.tanh(pre) + 0.2 * h
        loss = loss + np.sum((h - 0.1 * t) ** 2)
    return loss / xs.shape[0]


def nested_branches(x, mode):
    """if/elif/else nested on values and on a flag."""
    s = np.sum(x)
    if s > 1.0:
        y = x * s
        if mode == "square":
            z = y**2
        else:
            z = np.abs(y) + 1.0
    elif s > -1.0:
        y = np.sin(x)
        z = y * 3.0
        if np.max(x) > 0.5:
            z = z + np.exp(-x)
    else:
        y = -x
        z = np.log1p(y * y)
    z = z * 0.5
    return np.sum(z) + s * 0.1


def rk4_pendulum(y0, damping):
    """Two RK4 steps of a damped pendulum, written out, then an energy."""
    h = 0.05
    y = y0
    k1 = rhs(y, damping)
    k2 = rhs(y + 0.5 * h * k1, damping)
    k3 = rhs(y + 0.5 * h * k2, damping)
    k4 = rhs(y + h * k3, damping)
    y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    k1 = rhs(y, damping)
    k2 = rhs(y + 0.5 * h * k1, damping)
    k3 = rhs(y + 0.5 * h * k2, damping)
    k4 = rhs(y + h * k3, damping)
    y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    theta, omega = y[0], y[1]
    energy = 0.5 * omega**2 + GRAVITY * (1.0 - np.cos(theta))
    return np.sum(energy)


def fibonacci_like(a, b, n):
    """Tuple swaps a, b = b, a + b and a running product."""
    prod = 1.0
    for i in range(n):
        a, b = b, 0.5 * a + 0.5 * np.sin(b)
        prod = prod * (1.0 + 0.1 * np.tanh(np.sum(a)))
    c = a
    a = b
    b = c
    return np.sum(a * 2.0 + b) * prod


def while_else_search(x):
    """while ... else with a break, a counter read after the loop."""
    y = x
    i = 0
    while i < 6:
        y = y * 0.9 + 0.1 * np.sin(y)
        if np.sum(y * y) < 1e-300:
            break
        i += 1
    else:
        y = y + 0.01 * i
    return np.sum(y**3) + i


def dead_debug_values(x, y):
    """Values computed for debugging and never used: the derivative should not mention them."""
    debug_norm = np.linalg.norm(x)
    debug_ratio = debug_norm / (1.0 + np.linalg.norm(y))
    a = x * y
    debug_max = np.max(a)
    b = np.exp(-a * a)
    c = b * x + y
    debug_min = np.min(c)
    d = np.sum(c**2)
    return d


def zip_layers(x, ws, bs):
    """Loops over zip of lists of weights, with enumerate and an early-layer branch."""
    h = x
    reg = 0.0
    for k, (w, b) in enumerate(zip(ws, bs)):
        z = w * h + b
        if k == 0:
            h = np.tanh(z)
        else:
            h = h + np.tanh(z)
        reg = reg + 0.01 * np.sum(w * w)
    return np.sum(h**2) + reg


def safe_piecewise(x):
    """Piecewise definitions through np.where, with safe branches."""
    pos = np.where(x > 0.0, x, 0.0)
    root = np.where(x > 0.0, np.sqrt(np.abs(x) + 1e-12), 0.0)
    smooth = np.where(np.abs(x) < 1.0, 0.5 * x * x, np.abs(x) - 0.5)
    band = np.where(x > 1.5, 2.0 * x, np.where(x < -1.5, -x, x * x))
    out = np.sum(pos * root) + np.sum(smooth) + 0.3 * np.sum(band)
    out += np.sum(np.maximum(x, 0.2 * x))
    return out


def early_return_loop(x, n):
    """Return from inside a loop when a running value passes a bound."""
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(x * (i + 1)))
        if s > 1e6:
            return s * 2.0
    if s < -1e6:
        return -s
    return s * s + np.sum(x)


def triangular_loops(x):
    """Nested loops, the inner one triangular, an accumulator bound again."""
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        row = 0.0
        for j in range(i):
            row = row + x[i] * x[j] * (1.0 / (1 + i + j))
        total = total + row * row
        if i % 2 == 0:
            total = total + 0.1 * x[i] ** 2
    return total


def mlp_tuple_params(params, X, y):
    """A two-layer network, params a tuple of arrays, a loss with a penalty."""
    W1, b1, W2, b2 = params
    H = np.tanh(X @ W1 + b1)
    out = H @ W2 + b2
    out = out[:, 0]
    err = out - y
    mse = np.mean(err**2)
    penalty = 1e-3 * (np.sum(W1**2) + np.sum(W2**2))
    act_reg = 1e-3 * np.mean(np.sum(H**2, axis=1))
    return mse + penalty + act_reg


def vector_field(x):
    """R^5 -> R^4: a long pipeline with vector output (for the Jacobians)."""
    a = np.sin(x[:4]) * x[1:]
    b = np.cumsum(a)
    c = b * b - 0.5 * x[:4]
    d = np.tanh(c) + np.exp(-0.5 * x[1:] ** 2)
    e = d[::-1] * 0.3 + d
    f = np.where(e > 0.0, e, 0.1 * e)
    g = f / (1.0 + np.sum(x**2))
    g = g + 0.05 * np.roll(g, 1)
    return g


def small_hessian_target(x):
    """A smooth scalar function of a few variables with a loop and a branch."""
    r = 0.0
    for i in range(x.shape[0] - 1):
        r = r + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    if r > 0.0:
        r = r + 0.1 * np.sum(np.sin(x) * np.cos(x[::-1]))
    return r


def counter_while_accumulate(x, limit):
    """A while loop counting up to a limit, continue on odd steps, a helper call."""
    i = 0
    acc = x * 0.0
    while i < limit:
        i += 1
        if i % 2 == 1:
            acc = acc + 0.1 * x
            continue
        sp = softplus(acc - x)
        acc = acc + 0.5 * sp
    return np.sum(acc * acc)


def scalar_physics(m, c):
    """Python floats: a projectile with drag, Euler steps in a while loop."""
    x = 0.0
    y = 0.0
    vx = 10.0 * math.cos(0.7)
    vy = 10.0 * math.sin(0.7)
    t = 0.0
    steps = 0
    while steps < 40:
        speed = math.sqrt(vx * vx + vy * vy)
        ax = -c / m * speed * vx
        ay = -GRAVITY - c / m * speed * vy
        x += vx * DT * 5
        y += vy * DT * 5
        vx += ax * DT * 5
        vy += ay * DT * 5
        t += DT * 5
        steps += 1
    return x + 0.5 * y + 0.1 * t


def generated_chain(x, y):
    """A long straight-line function, as a code generator writes one."""
    a = x * 0.5
    b = y * 0.25 + 0.1
    c = np.sin(x) * 0.3
    d = np.cos(y) * 0.2
    c = np.tanh(a) * 0.9 + b * 0.1
    a = a / (1.0 + 0.1 * d * d)
    a = np.tanh(c) * 0.9 + d * 0.1
    a = a + 0.05 * np.sin(b * c)
    b = np.tanh(a) * 0.9 + d * 0.1
    a -= 0.03 * np.exp(-d * d)
    a = a * 0.99 + 0.01 * np.sum(c) / c.size
    b = d * 0.7 - 0.2 * c
    a = a * 0.99 + 0.01 * np.sum(b) / b.size
    b = b / (1.0 + 0.1 * c * c)
    a = np.tanh(c) * 0.9 + d * 0.1
    b = b / (1.0 + 0.1 * c * c)
    d = d / (1.0 + 0.1 * b * b)
    c += 0.01 * a * a
    a = a * 0.99 + 0.01 * np.sum(b) / b.size
    d = np.where(b > 0.0, d * 0.95, d * 1.05)
    a = d * 0.7 - 0.2 * b
    c -= 0.03 * np.exp(-a * a)
    a = a * 0.99 + 0.01 * np.sum(d) / d.size
    c, b = b * 0.8, c * 0.8 + 0.01
    d = np.where(a > 0.0, d * 0.95, d * 1.05)
    d = np.tanh(c) * 0.9 + a * 0.1
    c = np.where(d > 0.0, c * 0.95, c * 1.05)
    d = np.tanh(c) * 0.9 + b * 0.1
    d = d + 0.05 * np.sin(b * a)
    d = np.where(a > 0.0, d * 0.95, d * 1.05)
    b -= 0.03 * np.exp(-c * c)
    d = b * 0.7 - 0.2 * a
    d = b * 0.7 - 0.2 * c
    d -= 0.03 * np.exp(-c * c)
    c += 0.01 * d * d
    b = a * 0.7 - 0.2 * c
    b = np.tanh(c) * 0.9 + a * 0.1
    d = np.where(c > 0.0, d * 0.95, d * 1.05)
    c -= 0.03 * np.exp(-a * a)
    c = d * 0.7 - 0.2 * b
    a -= 0.03 * np.exp(-b * b)
    d, b = b * 0.8, d * 0.8 + 0.01
    d = d + 0.05 * np.sin(a * c)
    b = b + 0.05 * np.sin(d * a)
    # a checkpoint in the chain: keep the scales bounded
    c = c + 0.05 * np.sin(d * a)
    a = a * 0.99 + 0.01 * np.sum(d) / d.size
    a = a + 0.05 * np.sin(b * d)
    b = c * 0.7 - 0.2 * d
    c, b = b * 0.8, c * 0.8 + 0.01
    a, d = d * 0.8, a * 0.8 + 0.01
    d = d + 0.05 * np.sin(b * c)
    b = np.where(a > 0.0, b * 0.95, b * 1.05)
    d = d * 0.99 + 0.01 * np.sum(a) / a.size
    a = d * 0.7 - 0.2 * b
    a = a + 0.05 * np.sin(c * b)
    c = d * 0.7 - 0.2 * b
    c += 0.01 * a * a
    b += 0.01 * a * a
    b = b / (1.0 + 0.1 * d * d)
    a, d = d * 0.8, a * 0.8 + 0.01
    c, a = a * 0.8, c * 0.8 + 0.01
    c += 0.01 * b * b
    a += 0.01 * d * d
    c = np.tanh(a) * 0.9 + b * 0.1
    d = d + 0.05 * np.sin(c * b)
    a, b = b * 0.8, a * 0.8 + 0.01
    b = b + 0.05 * np.sin(d * c)
    d = d + 0.05 * np.sin(b * c)
    b = np.tanh(a) * 0.9 + c * 0.1
    b = c * 0.7 - 0.2 * d
    d = c * 0.7 - 0.2 * b
    b = b + 0.05 * np.sin(a * c)
    b += 0.01 * d * d
    a = np.where(b > 0.0, a * 0.95, a * 1.05)
    b = np.where(c > 0.0, b * 0.95, b * 1.05)
    d = d / (1.0 + 0.1 * c * c)
    d = d * 0.99 + 0.01 * np.sum(b) / b.size
    b = b * 0.99 + 0.01 * np.sum(a) / a.size
    a = np.tanh(b) * 0.9 + d * 0.1
    b, a = a * 0.8, b * 0.8 + 0.01
    a = a / (1.0 + 0.1 * d * d)
    d += 0.01 * a * a
    b = b + 0.05 * np.sin(d * a)
    d = d + 0.05 * np.sin(c * a)
    # a checkpoint in the chain: keep the scales bounded
    d = np.where(b > 0.0, d * 0.95, d * 1.05)
    d = d * 0.99 + 0.01 * np.sum(b) / b.size
    b = b * 0.99 + 0.01 * np.sum(d) / d.size
    b -= 0.03 * np.exp(-d * d)
    a = a / (1.0 + 0.1 * c * c)
    a -= 0.03 * np.exp(-c * c)
    a = a + 0.05 * np.sin(d * b)
    b = c * 0.7 - 0.2 * d
    c += 0.01 * a * a
    a = b * 0.7 - 0.2 * c
    b = b * 0.99 + 0.01 * np.sum(d) / d.size
    d += 0.01 * b * b
    c = c / (1.0 + 0.1 * a * a)
    a, b = b * 0.8, a * 0.8 + 0.01
    a = a * 0.99 + 0.01 * np.sum(c) / c.size
    c = c + 0.05 * np.sin(d * a)
    b = np.where(a > 0.0, b * 0.95, b * 1.05)
    c = np.where(a > 0.0, c * 0.95, c * 1.05)
    b -= 0.03 * np.exp(-d * d)
    b = b / (1.0 + 0.1 * d * d)
    a = b * 0.7 - 0.2 * d
    d = np.tanh(a) * 0.9 + b * 0.1
    a += 0.01 * b * b
    a, b = b * 0.8, a * 0.8 + 0.01
    a = np.where(b > 0.0, a * 0.95, a * 1.05)
    b = b + 0.05 * np.sin(a * c)
    b = d * 0.7 - 0.2 * a
    b = b * 0.99 + 0.01 * np.sum(c) / c.size
    b = b * 0.99 + 0.01 * np.sum(c) / c.size
    b = np.tanh(d) * 0.9 + c * 0.1
    c = np.tanh(a) * 0.9 + d * 0.1
    b += 0.01 * c * c
    d, a = a * 0.8, d * 0.8 + 0.01
    d += 0.01 * c * c
    b = d * 0.7 - 0.2 * a
    d = b * 0.7 - 0.2 * a
    a -= 0.03 * np.exp(-d * d)
    b -= 0.03 * np.exp(-a * a)
    c = np.where(d > 0.0, c * 0.95, c * 1.05)
    a = b * 0.7 - 0.2 * d
    # a checkpoint in the chain: keep the scales bounded
    c = np.where(b > 0.0, c * 0.95, c * 1.05)
    c += 0.01 * b * b
    a = a / (1.0 + 0.1 * d * d)
    b -= 0.03 * np.exp(-a * a)
    a = a * 0.99 + 0.01 * np.sum(c) / c.size
    b = b + 0.05 * np.sin(a * c)
    c -= 0.03 * np.exp(-a * a)
    a = np.where(b > 0.0, a * 0.95, a * 1.05)
    c = c + 0.05 * np.sin(d * a)
    b = b / (1.0 + 0.1 * d * d)
    d = a * 0.7 - 0.2 * b
    a = a * 0.99 + 0.01 * np.sum(b) / b.size
    b += 0.01 * c * c
    a = d * 0.7 - 0.2 * c
    c, a = a * 0.8, c * 0.8 + 0.01
    a = a * 0.99 + 0.01 * np.sum(d) / d.size
    b = np.tanh(d) * 0.9 + c * 0.1
    d = d * 0.99 + 0.01 * np.sum(c) / c.size
    a = np.where(c > 0.0, a * 0.95, a * 1.05)
    a += 0.01 * b * b
    b, c = c * 0.8, b * 0.8 + 0.01
    d = np.where(a > 0.0, d * 0.95, d * 1.05)
    a = a + 0.05 * np.sin(c * d)
    b = np.where(d > 0.0, b * 0.95, b * 1.05)
    b = np.tanh(a) * 0.9 + d * 0.1
    d += 0.01 * b * b
    d, b = b * 0.8, d * 0.8 + 0.01
    d = d * 0.99 + 0.01 * np.sum(a) / a.size
    b, d = d * 0.8, b * 0.8 + 0.01
    a = a + 0.05 * np.sin(b * c)
    d += 0.01 * b * b
    b = a * 0.7 - 0.2 * c
    c = c * 0.99 + 0.01 * np.sum(a) / a.size
    c += 0.01 * a * a
    d = np.tanh(b) * 0.9 + c * 0.1
    b, a = a * 0.8, b * 0.8 + 0.01
    d -= 0.03 * np.exp(-b * b)
    c = c + 0.05 * np.sin(b * d)
    c = c / (1.0 + 0.1 * b * b)
    d = np.tanh(a) * 0.9 + c * 0.1
    # a checkpoint in the chain: keep the scales bounded
    c = c + 0.05 * np.sin(b * d)
    d = d / (1.0 + 0.1 * a * a)
    d = np.where(b > 0.0, d * 0.95, d * 1.05)
    a = d * 0.7 - 0.2 * b
    b = b * 0.99 + 0.01 * np.sum(c) / c.size
    c -= 0.03 * np.exp(-a * a)
    a = a * 0.99 + 0.01 * np.sum(b) / b.size
    b = np.tanh(c) * 0.9 + a * 0.1
    d = np.where(b > 0.0, d * 0.95, d * 1.05)
    d = a * 0.7 - 0.2 * c
    d = np.where(b > 0.0, d * 0.95, d * 1.05)
    c -= 0.03 * np.exp(-b * b)
    b = b * 0.99 + 0.01 * np.sum(c) / c.size
    d = a * 0.7 - 0.2 * c
    a = a * 0.99 + 0.01 * np.sum(b) / b.size
    b, d = d * 0.8, b * 0.8 + 0.01
    d += 0.01 * a * a
    a = a * 0.99 + 0.01 * np.sum(b) / b.size
    a = a / (1.0 + 0.1 * d * d)
    c = np.tanh(d) * 0.9 + a * 0.1
    d = d * 0.99 + 0.01 * np.sum(c) / c.size
    b = b / (1.0 + 0.1 * c * c)
    a = a / (1.0 + 0.1 * c * c)
    b = b + 0.05 * np.sin(c * a)
    c -= 0.03 * np.exp(-a * a)
    d = np.tanh(b) * 0.9 + c * 0.1
    b, a = a * 0.8, b * 0.8 + 0.01
    d -= 0.03 * np.exp(-a * a)
    d = d + 0.05 * np.sin(b * a)
    b = b * 0.99 + 0.01 * np.sum(c) / c.size
    return np.sum(a * b) + np.sum(c) - 0.5 * np.sum(d * d)


# ---------------------------------------------------------------- short programs at the edges of the comments


def branch_const_else(x, flag):
    """One branch makes y from x, the other from a constant."""
    if flag > 0.0:
        y = x * 2.0
    else:
        y = np.ones_like(x) * 3.0
    return np.sum(y * y)


def loop_passive_body(x, n):
    """A loop that only counts; its count scales x afterwards."""
    count = 0
    y = x * 1.0
    for i in range(n):
        count = count + i
        if count > 100:
            break
    y = y * count
    return np.sum(y)


def pass_else(x, n):
    """A branch whose else is `pass`, and a continue that never runs."""
    y = x * 1.0
    for i in range(n):
        if i % 2 == 0:
            y = y * 1.1 + 0.01 * np.sin(y)
        else:
            pass
        if i > 100:
            continue
    return np.sum(y)


def nested_loops_while(x):
    """A for loop with continue and break nested in a while loop."""
    total = 0.0
    k = 0
    while k < 3:
        for j in range(4):
            if j == 2:
                continue
            total = total + np.sum(x ** (j + 1)) * 0.1
            if total > 1e9:
                break
        k += 1
        if k == 1:
            total = total * 1.0
    return total


def ret_in_branch_only(x):
    """A return in one branch; the other binds a constant returned later."""
    s = np.sum(x)
    if s > 0:
        return s * s
    else:
        t = 1.0
    return t


def aug_on_passive(x, n):
    """An offset updated in place that carries no derivative."""
    y = x
    off = 0.0
    for i in range(n):
        off += 1.0
        y = y + off * 0.01
    return np.sum(y * y)
