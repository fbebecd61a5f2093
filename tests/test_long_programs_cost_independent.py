"""Independent tester 118: long realistic programs, checked at ~25, ~100 and ~400 lines.

Written from the README alone (not the library's source or its tests). Each *kind* below is
a generator of the source of a module a scientist or ML engineer might write: a Kalman
filter's negative log-likelihood unrolled over time steps, a Lotka-Volterra fit by RK4 (and
3/8-rule) steps, a 1-D finite-element bar assembled element by element from a dict of
parameters, a feature-engineering pipeline (helpers returning tuples, list comprehensions,
dicts), a loss with many regularisers chosen by config flags, a transformer-like stack of
attention layers with reshapes, and a flight simulation of `while` loops with `break` and
`continue`.  A size knob sets the number of repeated units, chosen so the module has about
25, 100 and 400 non-blank lines.

For every kind and size:

* `grad` against central differences (a fourth-order central stencil, along random
  directions and along coordinates),
* `jvp` (forward mode) against `grad` (reverse mode) along random directions, and the value
  `jvp` returns equal to the plain call's,
* the value `value_and_grad` returns equal to the plain call's (the README: bit for bit), and
  its gradient equal to `grad`'s.

`load_kind(kind, size, tag)` writes the module to a fresh file under a fresh name and
imports it, so nothing is cached between loads; `benchmarks/long_programs_cost_independent.py`
uses it to time the first `grad`.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import tempfile

import numpy as np
import pytest

import s2s_ad as ad

TARGET_LINES = {"s25": 25, "s100": 100, "s400": 400}

# ---------------------------------------------------------------------------------------
# generators: each returns the module source for a size knob n
# ---------------------------------------------------------------------------------------


def gen_kalman(n):
    """Negative log-likelihood of a 2-state linear Gaussian model, n steps unrolled."""
    out = [
        "import numpy as np",
        "",
        "H = np.array([[1.0, 0.0], [0.3, 1.0]])",
        "I2 = np.eye(2)",
        f"YS = np.random.default_rng(11).normal(size=({n}, 2)) * 0.4 + 1.0",
    ]
    helpers = [
        "",
        "",
        "def predict(x, P, F, Q):",
        "    return F @ x, F @ P @ F.T + Q",
        "",
        "",
        "def update(x, P, y, R):",
        "    S = H @ P @ H.T + R",
        "    e = y - H @ x",
        "    K = np.linalg.solve(S.T, (P @ H.T).T).T",
        "    sign, logdet = np.linalg.slogdet(S)",
        "    return x + K @ e, (I2 - K @ H) @ P, 0.5 * (e @ np.linalg.solve(S, e) + logdet)",
    ]
    if n >= 2:  # the one-step version has no use for the helpers
        out += helpers
    out += [
        "",
        "",
        "def kalman_nll(theta, x0):",
        "    a = np.tanh(theta[0])",
        "    q = np.exp(theta[1])",
        "    r = np.exp(theta[2])",
        "    dt = 0.1",
        "    F = np.array([[1.0, dt], [0.0, a]])",
        "    Q = q * np.array([[dt ** 3 / 3.0, dt ** 2 / 2.0], [dt ** 2 / 2.0, dt]])",
        "    R = r * I2",
        "    x = x0",
        "    P = np.eye(2)",
        "    nll = 0.0",
    ]
    for k in range(n):
        out.append(f"    # step {k}")
        if k % 4 == 1:
            out.append("    x, P = predict(x, P, F, Q)")
            out.append(f"    x, P, ll = update(x, P, YS[{k}], R)")
            out.append("    nll = nll + ll")
            continue
        out.append("    x = F @ x")
        out.append("    P = F @ P @ F.T + Q")
        if k % 4 == 3:
            out.append("    # observation missing: predict only")
            continue
        out.append("    S = H @ P @ H.T + R")
        out.append(f"    e = YS[{k}] - H @ x")
        out.append("    K = P @ H.T @ np.linalg.inv(S)")
        out.append("    x = x + K @ e")
        if k % 4 == 2:
            out.append("    A = I2 - K @ H")
            out.append("    P = A @ P @ A.T + K @ R @ K.T")
        else:
            out.append("    P = (I2 - K @ H) @ P")
        out.append("    nll = nll + 0.5 * (e @ np.linalg.solve(S, e) + np.log(np.linalg.det(S)))")
    out.append("    return nll")
    return "\n".join(out) + "\n"


def args_kalman(rng):
    theta = np.array([0.4, -1.0, -0.7]) + 0.1 * rng.standard_normal(3)
    x0 = np.array([0.5, -0.2])
    return (theta, x0)


def gen_rk4(n):
    """Lotka-Volterra parameters fitted to observations through n RK steps."""
    out = [
        "import numpy as np",
        "",
        f"OBS = 1.0 + 0.3 * np.abs(np.random.default_rng(5).normal(size=({n}, 2)))",
        "",
        "",
        "def rhs(y, th):",
        "    prey, pred = y[0], y[1]",
        "    dprey = th[0] * prey - th[1] * prey * pred",
        "    dpred = th[2] * prey * pred - th[3] * pred",
        "    return np.array([dprey, dpred])",
        "",
        "",
        "# Butcher tableau of the classical RK4",
        "A_RK = [[], [0.5], [0.0, 0.5], [0.0, 0.0, 1.0]]",
        "B_RK = [1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0]",
        "",
        "",
        "def fit_lv(th, y0):",
        "    h = 0.05",
        "    y = y0",
        "    loss = 0.0",
    ]
    for k in range(n):
        out.append(f"    # step {k}")
        if k % 3 == 0:
            out.append("    ks = []")
            out.append("    for s in range(4):")
            out.append(
                "        ys = y + h * sum(A_RK[s][m] * ks[m] for m in range(s)) if s > 0 else y"
            )
            out.append("        ks.append(rhs(ys, th))")
            out.append("    y = y + h * sum(B_RK[s] * ks[s] for s in range(4))")
        elif k % 3 == 1:
            out.append("    k1 = rhs(y, th)")
            out.append("    k2 = rhs(y + h * k1 / 3.0, th)")
            out.append("    k3 = rhs(y + h * (k2 - k1 / 3.0), th)")
            out.append("    k4 = rhs(y + h * (k1 - k2 + k3), th)")
            out.append("    y = y + h * (k1 + 3.0 * k2 + 3.0 * k3 + k4) / 8.0")
        else:
            out.append("    k1 = rhs(y, th)")
            out.append("    k2 = rhs(y + 0.5 * h * k1, th)")
            out.append("    k3 = rhs(y + 0.5 * h * k2, th)")
            out.append("    k4 = rhs(y + h * k3, th)")
            out.append("    y = y + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)")
        out.append(f"    loss = loss + np.sum((np.log(y) - np.log(OBS[{k}])) ** 2)")
    out.append("    return loss / " + f"{n}.0")
    return "\n".join(out) + "\n"


def args_rk4(rng):
    th = np.array([1.1, 0.4, 0.3, 0.9]) + 0.05 * rng.standard_normal(4)
    y0 = np.array([1.2, 0.8])
    return (th, y0)


def gen_springs(n):
    """A bar of n elements (n+1 nodes), fixed at node 0, springs to ground, dict params."""
    nn = n + 1
    out = [
        "import numpy as np",
        "",
        f"LEN = 1.0 + 0.5 * np.random.default_rng(2).random({n})",
        "",
        "",
        "def compliance(p, loads):",
        f"    K = np.zeros(({nn}, {nn}))",
        '    E = p["E"]',
    ]
    for e in range(n):
        i, j = e, e + 1
        out.append(f"    # element {e}: nodes {i}-{j}")
        out.append(f'    ke = E * p["A"][{e}] / LEN[{e}]')
        out.append(f"    K[{i}, {i}] += ke")
        out.append(f"    K[{i}, {j}] -= ke")
        out.append(f"    K[{j}, {i}] -= ke")
        out.append(f"    K[{j}, {j}] += ke")
        if e % 4 == 3:
            out.append(f'    K[{j}, {j}] += p["ground"]["s{e}"]')
    out.append("    Kr = K[1:, 1:]")
    out.append("    u = np.linalg.solve(Kr, loads[1:])")
    out.append("    energy = 0.5 * loads[1:] @ u")
    out.append('    penalty = p["lam"] * np.sum((p["A"] - 1.0) ** 2)')
    out.append("    return energy + penalty")
    return "\n".join(out) + "\n"


def args_springs(rng, n):
    p = {
        "E": 2.0 + 0.1 * rng.random(),
        "A": 1.0 + 0.3 * rng.random(n),
        "ground": {f"s{e}": 0.5 + 0.2 * rng.random() for e in range(n) if e % 4 == 3},
        "lam": 0.1,
    }
    loads = rng.standard_normal(n + 1)
    return (p, loads)


FEATURE_TEMPLATES = [
    [
        "    # block {i}: standardized column {j}, scaled by its mean",
        "    z{i}, m{i} = standardize(X[:, {j}] * w[{i}])",
        "    feats.append(z{i} * np.tanh(m{i}))",
    ],
    [
        "    # block {i}: polynomial features of column {j}",
        "    p{i} = poly(X[:, {j}], 3)",
        "    feats.append(sum(c * wk for c, wk in"
        " zip(p{i}, [w[{i}], 0.5 * w[{i}] ** 2, 0.1 * w[{i}]])))",
    ],
    [
        "    # block {i}: interactions of columns {j} and {j2}, row by row",
        "    rows{i} = [(X[t, {j}], X[t, {j2}]) for t in range(X.shape[0])]",
        "    inter{i} = np.array([a * b * w[{i}] for a, b in rows{i}])",
        "    feats.append(np.tanh(inter{i}))",
    ],
    [
        "    # block {i}: soft clipping of column {j} in a window",
        '    win{i} = {{"lo": X[:, {j}] - w[{i}], "hi": X[:, {j}] + w[{i}]}}',
        '    feats.append(softplus(win{i}["lo"]) - softplus(-win{i}["hi"]))',
    ],
    [
        "    # block {i}: first difference of column {j}",
        "    lag{i} = np.concatenate([X[:1, {j}], X[:-1, {j}]])",
        "    feats.append(w[{i}] * (X[:, {j}] - lag{i}) + 0.1 * w[{i}] ** 2)",
    ],
]


def gen_features(n):
    """n feature blocks of five kinds, then a linear readout and a squared error."""
    out = [
        "import numpy as np",
        "",
        "",
        "def standardize(col):",
        "    mu = np.mean(col)",
        "    sd = np.std(col) + 1e-3",
        "    return (col - mu) / sd, mu",
        "",
        "",
        "def poly(col, deg):",
        "    return [col ** k for k in range(1, deg + 1)]",
        "",
        "",
        "def softplus(z):",
        "    return np.log1p(np.exp(z))",
        "",
        "",
        "def pipeline_loss(w, X, y):",
        "    feats = []",
    ]
    for i in range(n):
        j = i % 6
        j2 = (i + 1) % 6
        for line in FEATURE_TEMPLATES[i % len(FEATURE_TEMPLATES)]:
            out.append(line.format(i=i, j=j, j2=j2))
    out.append("    F = np.stack(feats, axis=1)")
    out.append(f"    pred = F @ w[{n}:] / len(feats)")
    out.append("    resid = pred - y")
    out.append("    return np.mean(resid ** 2) + 1e-3 * np.sum(w ** 2)")
    return "\n".join(out) + "\n"


def args_features(rng, n):
    w = 0.5 + 0.5 * rng.random(2 * n)
    X = rng.standard_normal((12, 6))
    y = rng.standard_normal(12)
    return (w, X, y)


REG_KINDS = ["l2", "huber", "group", "elastic", "tv", "logbarrier", "entropy"]


def gen_regs(n):
    """A data term and n regularisers, each chosen by flags of a config dict."""
    out = [
        "import numpy as np",
        "",
        "",
        "def penalised_loss(w, X, y, cfg):",
        "    pred = X @ w[:4]",
        '    if cfg["robust"]:',
        "        r = pred - y",
        "        total = np.mean(np.sqrt(1.0 + r ** 2) - 1.0)",
        "    else:",
        "        total = np.mean((pred - y) ** 2)",
    ]
    for i in range(n):
        lo, hi = 4 + 4 * i, 8 + 4 * i
        kind = REG_KINDS[i % len(REG_KINDS)]
        out.append(f"    # regulariser {i} ({kind}) on w[{lo}:{hi}]")
        out.append(f"    g = w[{lo}:{hi}]")
        out.append(f'    lam = cfg["lam"][{i}]')
        if kind == "l2":
            out.append(f'    if cfg["on"][{i}]:')
            out.append("        total = total + lam * np.sum(g ** 2)")
        elif kind == "huber":
            out.append(f'    if cfg["on"][{i}] and cfg["kind"][{i}] == "huber":')
            out.append("        a = np.abs(g)")
            out.append(
                "        total = total + lam * np.sum(np.where(a < 1.0, 0.5 * g ** 2, a - 0.5))"
            )
            out.append(f'    elif cfg["on"][{i}]:')
            out.append("        total = total + lam * np.sum(np.abs(g))")
        elif kind == "group":
            out.append(f'    if cfg["on"][{i}]:')
            out.append("        total = total + lam * np.sqrt(np.sum(g ** 2) + 1e-8)")
            out.append('    if cfg["normalize"]:')
            out.append(f"        total = total / (1.0 + 0.01 * {i})")
        elif kind == "elastic":
            out.append(f'    mix = cfg["mix"] if cfg["on"][{i}] else 0.0')
            out.append(
                "    total = total + lam * (mix * np.sum(np.abs(g)) + (1.0 - mix) * np.sum(g ** 2))"
            )
        elif kind == "tv":
            out.append(f'    if not cfg["on"][{i}]:')
            out.append("        pass")
            out.append(f'    elif cfg["kind"][{i}] == "tv2":')
            out.append("        total = total + lam * np.sum(np.diff(g, 2) ** 2)")
            out.append("    else:")
            out.append("        total = total + lam * np.sum(np.sqrt(np.diff(g) ** 2 + 1e-4))")
        elif kind == "logbarrier":
            out.append(f'    if cfg["on"][{i}]:')
            out.append("        total = total - lam * np.sum(np.log(4.0 - g ** 2))")
        else:
            out.append(f'    if cfg["on"][{i}]:')
            out.append("        pr = np.exp(g) / np.sum(np.exp(g))")
            out.append("        total = total + lam * np.sum(pr * np.log(pr))")
    out.append("    return total")
    return "\n".join(out) + "\n"


def args_regs(rng, n):
    w = 0.2 + 0.8 * rng.random(4 + 4 * n)
    w[4::3] *= -1.0
    X = rng.standard_normal((10, 4))
    y = rng.standard_normal(10)
    cfg = {
        "robust": True,
        "normalize": True,
        "mix": 0.3,
        "lam": [0.1 + 0.01 * i for i in range(n)],
        "on": [i % 5 != 4 for i in range(n)],
        "kind": ["tv2" if i % 3 == 0 else "huber" for i in range(n)],
    }
    return (w, X, y, cfg)


T_, D_, NH_, DH_, FF_ = 4, 8, 2, 4, 12


def gen_attention(n):
    """n transformer layers (attention with reshapes, layer norms, a GELU MLP)."""
    out = [
        "import numpy as np",
        "",
        f"T, D, NH, DH = {T_}, {D_}, {NH_}, {DH_}",
        "MASK = np.triu(np.full((T, T), -1e9), 1)",
        "",
        "",
        "def layer_norm(h, g, b):",
        "    mu = np.mean(h, axis=-1, keepdims=True)",
        "    var = np.var(h, axis=-1, keepdims=True)",
        "    return g * (h - mu) / np.sqrt(var + 1e-5) + b",
        "",
        "",
        "def gelu(z):",
        "    return 0.5 * z * (1.0 + np.tanh(0.7978845608 * (z + 0.044715 * z ** 3)))",
        "",
        "",
        "def transformer_loss(layers, x, target):",
        "    h = x",
    ]
    for k in range(n):
        out.append(f"    # layer {k}" + (" (causal)" if k % 2 else ""))
        out.append(f"    L = layers[{k}]")
        out.append('    q = (h @ L["Wq"]).reshape(T, NH, DH).transpose(1, 0, 2)')
        out.append('    kk = (h @ L["Wk"]).reshape(T, NH, DH).transpose(1, 0, 2)')
        out.append('    v = (h @ L["Wv"]).reshape(T, NH, DH).transpose(1, 0, 2)')
        out.append("    s = q @ kk.transpose(0, 2, 1) / np.sqrt(DH)")
        if k % 2:
            out.append("    s = s + MASK")
        out.append("    s = s - np.max(s, axis=-1, keepdims=True)")
        out.append("    att = np.exp(s)")
        out.append("    att = att / np.sum(att, axis=-1, keepdims=True)")
        out.append("    o = (att @ v).transpose(1, 0, 2).reshape(T, D)")
        out.append('    h = layer_norm(h + o @ L["Wo"], L["g1"], L["b1"])')
        out.append('    f = gelu(h @ L["W1"])')
        out.append('    h = layer_norm(h + f @ L["W2"], L["g2"], L["b2"])')
    out.append("    return np.mean((h - target) ** 2)")
    return "\n".join(out) + "\n"


def args_attention(rng, n):
    layers = []
    for _ in range(n):
        layers.append(
            {
                "Wq": rng.standard_normal((D_, D_)) * 0.4,
                "Wk": rng.standard_normal((D_, D_)) * 0.4,
                "Wv": rng.standard_normal((D_, D_)) * 0.4,
                "Wo": rng.standard_normal((D_, D_)) * 0.3,
                "W1": rng.standard_normal((D_, FF_)) * 0.3,
                "W2": rng.standard_normal((FF_, D_)) * 0.3,
                "g1": 1.0 + 0.1 * rng.standard_normal(D_),
                "b1": 0.1 * rng.standard_normal(D_),
                "g2": 1.0 + 0.1 * rng.standard_normal(D_),
                "b2": 0.1 * rng.standard_normal(D_),
            }
        )
    x = rng.standard_normal((T_, D_))
    target = rng.standard_normal((T_, D_))
    return (layers, x, target)


def gen_flight(n):
    """n flight phases, each a loop with `while`/`break`/`continue` on scalar state."""
    out = [
        "import math",
        "",
        "import numpy as np",
        "",
        "DT = 0.02",
        f"GOALS = 2.0 + np.random.default_rng(7).random({n})",
        "",
        "",
        "def flight_cost(theta):",
        "    g = 9.81",
        "    drag = math.exp(theta[0])",
        "    lift = theta[1]",
        "    thrust = theta[2]",
        "    x, y, v = 0.0, 1.0, 0.0",
        "    cost = 0.0",
    ]
    for k in range(n):
        kind = k % 3
        out.append(f"    # phase {k}")
        if kind == 0:
            out.append("    steps = 0")
            out.append("    while steps < 40:")
            out.append("        acc = thrust - g + lift * v - drag * v * abs(v)")
            out.append("        v = v + DT * acc")
            out.append("        y = y + DT * v")
            out.append("        x = x + DT * (1.0 + 0.1 * v)")
            out.append("        steps += 1")
            out.append("        if y < 0.0:")
            out.append("            y = -0.5 * y")
            out.append("            v = -0.7 * v")
            out.append("            break")
            out.append(f"    cost = cost + (x - GOALS[{k}]) ** 2 + 0.001 * steps")
        elif kind == 1:
            out.append("    for i in range(30):")
            out.append("        if i % 4 == 3:")
            out.append("            continue")
            out.append("        v = v + DT * (0.5 * thrust - g * 0.2 - drag * v)")
            out.append("        y = y + DT * v")
            out.append("        if abs(v) > 50.0:")
            out.append("            break")
            out.append("    x = x + 0.01 * math.tanh(v)")
            out.append("    cost = cost + 0.1 * (y - 1.0) ** 2")
        else:
            out.append("    e = 1.0")
            out.append("    n = 0")
            out.append("    while e > 1e-3 and n < 25:")
            out.append("        e = e * (0.6 + 0.1 * math.tanh(lift))")
            out.append("        y = y + DT * e * thrust * 0.05")
            out.append("        n += 1")
            out.append("    cost = cost + 0.01 * e + 0.001 * y ** 2")
    out.append("    return cost")
    return "\n".join(out) + "\n"


def args_flight(rng):
    theta = np.array([-2.0, 0.05, 10.5]) + 0.01 * rng.standard_normal(3)
    return (theta,)


KINDS = {
    # kind: (generator, function name, args maker(rng, n))
    "kalman": (gen_kalman, "kalman_nll", lambda rng, n: args_kalman(rng)),
    "rk4": (gen_rk4, "fit_lv", lambda rng, n: args_rk4(rng)),
    "springs": (gen_springs, "compliance", args_springs),
    "features": (gen_features, "pipeline_loss", args_features),
    "regs": (gen_regs, "penalised_loss", args_regs),
    "attention": (gen_attention, "transformer_loss", args_attention),
    "flight": (gen_flight, "flight_cost", lambda rng, n: args_flight(rng)),
}


def count_lines(src):
    return sum(1 for line in src.splitlines() if line.strip())


def knob_for(kind, target):
    """The size knob whose module is closest to `target` non-blank lines."""
    gen = KINDS[kind][0]
    best = None
    for n in range(1, 400):
        lines = count_lines(gen(n))
        if best is None or abs(lines - target) < abs(best[1] - target):
            best = (n, lines)
        if lines > target:
            break
    return best


_TMP = tempfile.mkdtemp(prefix="s2s_t118_")
_COUNTER = itertools.count()


def load_kind(kind, target, tag=None):
    """Write the kind's module at about `target` lines to a new file under a new name and
    import it. Returns (function, args, lines)."""
    gen, fname, make_args = KINDS[kind]
    n, lines = knob_for(kind, target)
    src = gen(n)
    name = f"t118_{kind}_{target}_{tag or ''}_{os.getpid()}_{next(_COUNTER)}"
    path = os.path.join(_TMP, name + ".py")
    with open(path, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(1000 + 7 * n + len(kind))
    args = make_args(rng, n)
    return getattr(mod, fname), args, lines


# ---------------------------------------------------------------------------------------
# structures: flatten float leaves of nested dicts, lists, tuples, arrays and floats
# ---------------------------------------------------------------------------------------


def flatten(tree):
    if isinstance(tree, dict):
        return np.concatenate([flatten(tree[k]) for k in sorted(tree)] or [np.zeros(0)])
    if isinstance(tree, (list, tuple)):
        return np.concatenate([flatten(t) for t in tree] or [np.zeros(0)])
    if isinstance(tree, np.ndarray):
        return tree.astype(float).ravel()
    if isinstance(tree, float):
        return np.array([tree])
    raise TypeError(f"unexpected leaf {type(tree)}")


def unflatten(like, vec):
    """A structure like `like` holding vec's numbers (in flatten's order)."""
    pos = [0]

    def build(t):
        if isinstance(t, dict):
            return {k: build(t[k]) for k in sorted(t)}
        if isinstance(t, list):
            return [build(x) for x in t]
        if isinstance(t, tuple):
            return tuple(build(x) for x in t)
        if isinstance(t, np.ndarray):
            out = vec[pos[0] : pos[0] + t.size].reshape(t.shape).copy()
            pos[0] += t.size
            return out
        if isinstance(t, float):
            out = float(vec[pos[0]])
            pos[0] += 1
            return out
        raise TypeError(type(t))

    result = build(like)
    assert pos[0] == vec.size
    return result


def same_structure(a, b):
    if isinstance(a, dict):
        same_keys = isinstance(b, dict) and set(a) == set(b)
        return same_keys and all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same_structure, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape
    if isinstance(a, float):
        return isinstance(b, float)
    return False


# ---------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------

_LOADED = {}


def loaded(kind, size):
    key = (kind, size)
    if key not in _LOADED:
        _LOADED[key] = load_kind(kind, TARGET_LINES[size], tag="t")
    return _LOADED[key]


def directional_fd(f, args, x0, v, h):
    """Fourth-order central difference of f along v in the first argument."""

    def at(s):
        return float(f(unflatten(args[0], x0 + s * v), *args[1:]))

    return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)


CASES = [(k, s) for k in KINDS for s in TARGET_LINES]
IDS = [f"{k}-{s}" for k, s in CASES]

# Step of the difference stencil: h ** 4 truncation against eps * |f| / h rounding.
FD_STEP = {"flight": 1e-4}
FD_RTOL = 1e-6


def test_sizes_are_what_the_brief_asks():
    for kind in KINDS:
        for size, target in TARGET_LINES.items():
            _, lines = knob_for(kind, target)
            assert abs(lines - target) <= max(4, 0.08 * target), (kind, size, lines)


@pytest.mark.parametrize(("kind", "size"), CASES, ids=IDS)
def test_grad_against_central_differences(kind, size):
    f, args, _ = loaded(kind, size)
    g = ad.grad(f)(*args)
    assert same_structure(args[0], g), (type(g), g if not isinstance(g, dict) else list(g))
    gv = flatten(g)
    x0 = flatten(args[0])
    assert gv.shape == x0.shape
    assert np.all(np.isfinite(gv))
    fx = abs(float(f(*args)))
    rng = np.random.default_rng(42)
    h = FD_STEP.get(kind, 1e-3)
    directions = [u / np.linalg.norm(u) for u in rng.standard_normal((3, x0.size))]
    coords = rng.choice(x0.size, size=min(x0.size, 16), replace=False)
    for c in coords:
        e = np.zeros(x0.size)
        e[c] = 1.0
        directions.append(e)
    for v in directions:
        ours = float(gv @ v)
        ref = directional_fd(f, args, x0, v, h)
        tol = FD_RTOL * abs(ref) + 1e-9 * (fx + np.abs(gv) @ np.abs(v))
        assert abs(ours - ref) <= tol, (kind, size, ours, ref, abs(ours - ref), tol)


@pytest.mark.parametrize(("kind", "size"), CASES, ids=IDS)
def test_jvp_against_grad(kind, size):
    f, args, _ = loaded(kind, size)
    g = ad.grad(f)(*args)
    gv = flatten(g)
    rng = np.random.default_rng(7)
    plain = f(*args)
    for _ in range(2):
        v = rng.standard_normal(gv.size)
        tangent = unflatten(args[0], v)
        value, dot = ad.jvp(f, args, (tangent,) + (None,) * (len(args) - 1))
        assert value == plain, (value, plain)
        ref = float(gv @ v)
        scale = np.abs(gv) @ np.abs(v)
        assert abs(float(dot) - ref) <= 1e-10 * scale + 1e-14, (kind, size, float(dot), ref)


@pytest.mark.parametrize(("kind", "size"), CASES, ids=IDS)
def test_value_and_grad_primal_is_the_plain_call(kind, size):
    f, args, _ = loaded(kind, size)
    plain = f(*args)
    value, g = ad.value_and_grad(f)(*args)
    assert value == plain, (value, plain, value - plain)
    g2 = ad.grad(f)(*args)
    np.testing.assert_allclose(flatten(g), flatten(g2), rtol=1e-13, atol=0.0)
    # a second call, the cached code: the same value again
    value2, _ = ad.value_and_grad(f)(*args)
    assert value2 == plain


@pytest.mark.parametrize("kind", list(KINDS))
def test_fresh_modules_give_the_same_gradient(kind):
    """Two loads of the same source (new module each, nothing cached) agree bit for bit."""
    f1, a1, _ = load_kind(kind, 25, tag="fresh")
    f2, a2, _ = load_kind(kind, 25, tag="fresh")
    g1 = flatten(ad.grad(f1)(*a1))
    g2 = flatten(ad.grad(f2)(*a2))
    assert np.array_equal(g1, g2)
