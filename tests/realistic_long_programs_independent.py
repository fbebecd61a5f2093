"""Realistic long functions, generated at any length, for issue 19's part 6 (tester 84).

Written from the README alone (s2s_ad's code and tests not read). Each kind is a function a
user would write (an MLP written out, a spring chain integrated in time, a PDE stencil, a
Gaussian-process likelihood, a loss of many branches, an optimiser unrolled over a dict of
parameters, a model of helper functions, everyday Python with comprehensions, `while` and
early returns), made of blocks repeated with varied constants until its body has about the
number of lines asked. `load(kind, lines)` writes the module to a fresh file (a new name each
time, so no derivative is cached) and imports it; its function `f(x)` takes one float64
vector `x` of `PARAMS[kind]` entries and returns a scalar (or, with `vector=True`, a vector
of two entries: the loss and a quantity of the state).
"""

import importlib.util
import itertools
import os
import sys
import tempfile

import numpy as np

SIZES = (25, 100, 400, 1000)

_counter = itertools.count()
_module_dir = None


def module_dir():
    """Where generated modules go: $T84_MODULE_DIR, else a fresh temporary directory."""
    global _module_dir
    if _module_dir is None:
        _module_dir = os.environ.get("T84_MODULE_DIR") or tempfile.mkdtemp(prefix="t84_mods_")
        os.makedirs(_module_dir, exist_ok=True)
    return _module_dir


def _ret(vector, main, aux):
    return f"return np.array([{main}, {aux}])" if vector else f"return {main}"


# --- 1. an MLP forward pass and loss, layers written out ---------------------------------

MLP_GLOBALS = """
X = np.linspace(-1.0, 1.0, 20).reshape(5, 4) + 0.1 * np.cos(np.arange(20.0)).reshape(5, 4)
Y = np.array([0, 1, 1, 0, 1])
"""


def _mlp(k):
    o = (7 * k) % 20
    s = 0.4 + 0.05 * (k % 5)
    kind = k % 3
    if kind == 0:
        return [
            f"W{k} = x[{o}:{o + 16}].reshape(4, 4) * {s}",
            f"b{k} = x[{(o + 3) % 30}:{(o + 3) % 30 + 4}] * 0.1",
            f"z{k} = h @ W{k} + b{k}",
            f"h = np.tanh(z{k}) + 0.5 * h",
        ]
    if kind == 1:
        return [
            f"W{k} = x[{o}:{o + 16}].reshape(4, 4).T * {s}",
            f"z{k} = h @ W{k}",
            f"h = np.log1p(np.exp(-np.abs(z{k}))) + np.maximum(z{k}, 0.0)",
            "h = h - np.mean(h, axis=1, keepdims=True)",
            "h = h / np.sqrt(np.var(h, axis=1, keepdims=True) + 1e-3)",
        ]
    return [
        f"c{k} = x[{(o + 5) % 30}:{(o + 5) % 30 + 4}] * {s}",
        f"g{k} = 1.0 / (1.0 + np.exp(-(h @ x[{o}:{o + 16}].reshape(4, 4) * {s} + c{k})))",
        f"h = g{k} * h + (1.0 - g{k}) * np.sin(h)",
        f"acc = acc + {0.01 + 0.001 * (k % 4)} * np.sum(h ** 2)",
    ]


def _mlp_parts(vector):
    head = ["h = X", "acc = 0.0"]
    tail = [
        "logits = h @ x[0:8].reshape(4, 2)",
        "m = np.max(logits, axis=1, keepdims=True)",
        "logp = logits - m - np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))",
        "loss = -np.mean(logp[np.arange(5), Y])",
        _ret(vector, "loss + acc + 1e-3 * np.sum(x ** 2)", "np.sum(h) * 0.1"),
    ]
    return MLP_GLOBALS, "", head, _mlp, tail


# --- 2. a spring chain and a pendulum-like chain integrated in time ----------------------


def _physics(k):
    c = 0.05 + 0.01 * (k % 4)
    n = 3 + k % 3
    if k % 2 == 0:
        return [
            f"for step in range({n}):",
            "    e01 = p[1] - p[0] - 1.0",
            "    e12 = p[2] - p[1] - 1.0",
            f"    a0 = (k[0] * e01 - {c} * v[0]) / m[0]",
            f"    a1 = (k[1] * e12 - k[0] * e01 - {c} * v[1]) / m[1]",
            f"    a2 = (-k[1] * e12 - k[2] * p[2] * 0.01 - {c} * v[2]) / m[2]",
            "    v = v + dt * np.array([a0, a1, a2])",
            "    p = p + dt * v",
            "energy = energy + 0.5 * np.sum(m * v ** 2)"
            " + 0.5 * (k[0] * e01 ** 2 + k[1] * e12 ** 2)",
        ]
    return [
        "t = 0.0",
        f"while t < {0.01 * n - 0.005}:",
        "    a = -k * np.sin(p - p.mean()) / m",
        "    v = v + 0.5 * dt * a",
        "    p = p + dt * v",
        "    a = -k * np.sin(p - p.mean()) / m",
        "    v = v + 0.5 * dt * a",
        "    t = t + dt",
        f"energy = energy + np.sum(v * v) * {c} + np.sum(np.cos(p - p.mean())) * 0.01",
    ]


def _physics_parts(vector):
    head = [
        "p = x[0:3] * 0.1 + np.array([0.0, 1.0, 2.0])",
        "v = x[3:6] * 0.5",
        "k = np.exp(0.1 * x[6:9]) * 5.0",
        "m = 1.0 + x[9:12] ** 2",
        "dt = 0.01",
        "energy = 0.0",
    ]
    tail = [_ret(vector, "energy + 0.1 * np.sum(p ** 2)", "np.sum(v)")]
    return "", "", head, _physics, tail


# --- 3. a finite-difference PDE (heat, Burgers, reaction) --------------------------------


def _stencil(k):
    c = 0.05 + 0.01 * (k % 5)
    kind = k % 4
    if kind == 0:
        return [
            "lap = np.roll(u, 1) - 2.0 * u + np.roll(u, -1)",
            f"u = u + {2 * c} * lap",
        ]
    if kind == 1:
        return [
            "un = u.copy()",
            "flux = 0.5 * un ** 2",
            f"u = np.concatenate([un[:1], un[1:] - {c} * (flux[1:] - flux[:-1])])",
        ]
    if kind == 2:
        return [
            "w = np.zeros_like(u)",
            "for i in range(1, 15):",
            f"    w[i] = u[i] + {c} * (u[i - 1] - 2.0 * u[i] + u[i + 1])",
            "w[0] = w[1]",
            "w[15] = w[14]",
            "u = w",
        ]
    return [
        f"u = u + 0.01 * u * (1.0 - u) * {1.0 + c}",
        f"mass = mass + np.sum(u[2:-2:2]) * {c * 0.1}",
    ]


def _stencil_parts(vector):
    head = ["u = 0.5 + 0.2 * np.tanh(x)", "mass = 0.0"]
    tail = [_ret(vector, "np.sum(u ** 2) / 16.0 + mass", "u[3] - u[11]")]
    return "", "", head, _stencil, tail


# --- 4. a Gaussian-process / kernel regression negative log-likelihood -------------------

GP_GLOBALS = """
XD = np.stack([np.linspace(0.0, 2.0, 6), np.sin(np.arange(6.0))], axis=1)
YD = np.cos(np.arange(6.0)) + 0.3 * np.arange(6.0) / 6.0
D2 = np.sum((XD[:, None, :] - XD[None, :, :]) ** 2, axis=2)
"""


def _gp(k):
    i, j = k % 8, (k + 3) % 8
    c = 0.1 + 0.02 * (k % 3)
    kind = k % 4
    if kind == 0:
        return [
            f"ls{k} = np.exp(0.2 * x[{i}])",
            f"sf{k} = np.exp(0.2 * x[{j}])",
            f"K{k} = sf{k} * np.exp(-0.5 * D2 / ls{k} ** 2) + {c} * np.eye(6)",
            f"L{k} = np.linalg.cholesky(K{k})",
            f"a{k} = np.linalg.solve(K{k}, YD)",
            f"nll = nll + 0.5 * YD @ a{k} + np.sum(np.log(np.diag(L{k})))"
            " + 3.0 * np.log(2.0 * np.pi)",
        ]
    if kind == 1:
        return [
            f"r{k} = np.sqrt(D2 + 1e-9) / np.exp(0.2 * x[{i}])",
            f"K{k} = np.exp(0.2 * x[{j}]) * (1.0 + 1.7320508 * r{k}) * np.exp(-1.7320508 * r{k})",
            f"K{k} = K{k} + {c} * np.eye(6)",
            f"sign{k}, logdet{k} = np.linalg.slogdet(K{k})",
            f"res{k} = YD - 0.1 * x[{(i + 1) % 8}]",
            f"alpha{k} = np.linalg.solve(K{k}, res{k})",
            f"nll = nll + 0.5 * res{k} @ alpha{k} + 0.5 * logdet{k}",
        ]
    if kind == 2:
        return [
            f"K{k} = np.exp(-D2 * np.exp(0.2 * x[{i}]))",
            f"Kinv{k} = np.linalg.inv(K{k} + {c} * np.eye(6))",
            f"pred{k} = K{k} @ Kinv{k} @ YD",
            f"nll = nll + {c} * np.sum((pred{k} - YD) ** 2)",
        ]
    return [
        f"Kp{k} = np.exp(-2.0 * np.sin(np.pi * np.sqrt(D2 + 1e-9) / 2.0) ** 2"
        f" * np.exp(0.2 * x[{i}]))",
        f"Kl{k} = (XD @ XD.T) * np.exp(0.1 * x[{j}]) + {c + 0.5} * np.eye(6)",
        f"nll = nll + 0.01 * np.trace(np.linalg.solve(Kl{k}, Kp{k}))",
        f"nll = nll + 0.01 * np.linalg.det(Kl{k} / 3.0)",
    ]


def _gp_parts(vector):
    head = ["nll = 0.0"]
    tail = [_ret(vector, "nll / 10.0 + 0.01 * np.sum(x ** 2)", "np.sum(x[:4]) * nll * 0.01")]
    return GP_GLOBALS, "", head, _gp, tail


# --- 5. a loss with many branches on values ----------------------------------------------


def _branches(k):
    i, j = k % 6, (k + 2) % 6
    a = 1.0 + 0.1 * (k % 3)
    t = 0.3 + 0.1 * (k % 4)
    c = 0.1 + 0.01 * (k % 5)
    kind = k % 3
    if kind == 0:
        return [
            f"r{k} = x[{i}] * {a} - x[{j}] * 0.7 + np.tanh(acc) * 0.1",
            f"if r{k} > {t}:",
            f"    acc = acc + {c} * (r{k} - {0.5 * t})",
            f"elif r{k} < -{t}:",
            f"    acc = acc - {c} * (r{k} + {0.5 * t})",
            "else:",
            f"    acc = acc + {0.5 * c} * r{k} ** 2 / {t}",
        ]
    if kind == 1:
        return [
            f"s{k} = np.sum(x * x) * {0.1 * a} - acc * 0.05",
            f"if s{k} > 1.5:",
            f"    if x[{i}] > 0.0:",
            f"        acc = acc + np.log(s{k}) * {c}",
            "    else:",
            f"        acc = acc + np.sqrt(s{k}) * {c}",
            f"elif s{k} > 0.2:",
            f"    acc = acc + s{k} * {c}",
            "else:",
            f"    acc = acc + abs(s{k}) * {c} + x[{j}] * 0.01",
        ]
    return [
        f"d{k} = abs(x[{i}] - x[{j}])",
        f"acc = acc + ({c} * d{k} if d{k} < {t} else {c} * ({t} + np.log1p(d{k} - {t})))",
        f"acc = acc + (max(x[{i}], x[{j}]) - min(x[{i}], x[{j}])) * 0.01",
    ]


def _branches_parts(vector):
    head = ["acc = 0.0"]
    tail = [_ret(vector, "acc + 0.01 * np.sum(x ** 2)", "acc * acc")]
    return "", "", head, _branches, tail


# --- 6. an optimiser unrolled over a dict of parameters ----------------------------------

OPT_GLOBALS = """
A = np.cos(np.arange(32.0)).reshape(8, 4) + 0.5 * np.eye(8, 4)
YV = np.sin(np.arange(8.0)) + 0.2
"""


def _optimiser(k):
    mom = 0.5 + 0.05 * (k % 5)
    wt = 0.1 + 0.02 * (k % 3)
    grads = [
        'pred = A @ params["w"] + params["b"] + np.tanh(A @ params["s"]) * 0.1',
        "res = pred - YV",
        't_s = 1.0 - np.tanh(A @ params["s"]) ** 2',
        'grads = {"w": A.T @ res / 8.0, "b": np.mean(res), "s": A.T @ (res * t_s * 0.1) / 8.0}',
    ]
    if k % 2 == 0:
        return [
            *grads,
            "for name in params:",
            f"    vel[name] = {mom} * vel[name] + grads[name]",
            "    params[name] = params[name] - lr * vel[name]",
            f"total = total + np.mean(res ** 2) * {wt}",
        ]
    return [
        *grads,
        "for name, value in list(params.items()):",
        "    g = grads[name]",
        "    m1[name] = 0.9 * m1[name] + 0.1 * g",
        "    m2[name] = 0.99 * m2[name] + 0.01 * g * g",
        "    params[name] = value - 0.5 * lr * m1[name] / (np.sqrt(m2[name]) + 0.1)",
        f"total = total + np.mean(res ** 2) * {wt}",
    ]


def _optimiser_parts(vector):
    head = [
        'params = {"w": x[0:4] * 1.0, "b": x[4] * 1.0, "s": x[5:9] * 1.0}',
        'vel = {"w": np.zeros(4), "b": 0.0, "s": np.zeros(4)}',
        'm1 = {"w": np.zeros(4), "b": 0.0, "s": np.zeros(4)}',
        'm2 = {"w": np.zeros(4), "b": 0.0, "s": np.zeros(4)}',
        "lr = 0.05 + 0.01 * np.tanh(x[9])",
        "total = 0.0",
    ]
    tail = [_ret(vector, 'total + 0.01 * np.sum(params["w"] ** 2)', 'params["b"]')]
    return OPT_GLOBALS, "", head, _optimiser, tail


# --- 7. a model calling several small helpers --------------------------------------------

HELPERS_GLOBALS = """
XH = np.linspace(-1.0, 1.0, 20).reshape(5, 4)
TH = np.sin(3.0 * XH)
"""

HELPERS = """

def dense(W, b, h):
    return h @ W + b


def gelu(z):
    return 0.5 * z * (1.0 + np.tanh(0.7978845608 * (z + 0.044715 * z ** 3)))


def layer_norm(h, eps=1e-3):
    mu = np.mean(h, axis=-1, keepdims=True)
    var = np.var(h, axis=-1, keepdims=True)
    return (h - mu) / np.sqrt(var + eps)


def softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def attention(q, k, v):
    s = q @ k.T / 2.0
    return softmax(s) @ v


def mse(a, b, scale=1.0):
    return scale * np.mean((a - b) ** 2)


def block_params(x, o):
    W = x[o:o + 16].reshape(4, 4) * 0.3
    b = x[o + 16:o + 20] * 0.1
    return W, b
"""


def _helpers(k):
    o = (5 * k) % 20
    kind = k % 3
    if kind == 0:
        return [
            f"Wq{k}, bq{k} = block_params(x, {o})",
            f"Wk{k}, _ = block_params(x, {(o + 4) % 20})",
            f"h = layer_norm(h + attention(dense(Wq{k}, bq{k}, h), h @ Wk{k}, h))",
        ]
    if kind == 1:
        return [
            f"W{k}, b{k} = block_params(x, {o})",
            f"h = h + gelu(dense(W{k}, b{k}, h)) * 0.5",
            "h = layer_norm(h, eps=1e-2)",
        ]
    return [f"loss = loss + mse(h, TH, scale={0.1 + 0.01 * (k % 4)})"]


def _helpers_parts(vector):
    head = ["h = XH", "loss = 0.0"]
    tail = [_ret(vector, "loss + mse(h, TH)", "np.sum(softmax(h)[:, 0])")]
    return HELPERS_GLOBALS, HELPERS, head, _helpers, tail


# --- 8. everyday Python: comprehensions, unpacking, while, early returns -----------------


def _pythonic_factory(vector):
    def block(k):
        c = 0.1 + 0.01 * (k % 5)
        kind = k % 5
        if kind == 0:
            return [
                f"sq = [v * v * {c} for v in xs if v > -10.0]",
                "total = total + sum(sq) / len(sq)",
                "xs = [v + 0.01 * np.tanh(total) for v in xs]",
            ]
        if kind == 1:
            return [
                "a, b = b * 0.9 + 0.1 * np.sin(a), a * 0.95 + 0.05 * np.cos(b)",
                "c, (d, e) = e, (c * 0.9, d + 0.1 * a)",
                f"total = total + (a * b + c * d) * {c}",
            ]
        if kind == 2:
            return [
                "n = 0",
                "y = 1.0 + 0.1 * a * a",
                f"while n < {2 + k % 3}:",
                "    y = 0.5 * (y + (2.0 + e * e) / y)",
                "    n += 1",
                f"total = total + y * {c}",
            ]
        if kind == 3:
            return [
                "pairs = {i: u * w for i, (u, w) in enumerate(zip(xs, xs[1:]))}",
                f"total = total + sum(pairs.values()) * {c}",
                "for i, v in enumerate(xs):",
                "    if v > 50.0:",
                f"        {_ret(vector, 'total + v', 'v')}",
            ]
        return [
            "if abs(total) > 1e6:",
            f"    {_ret(vector, 'total * 0.5 + a', 'a')}",
            f"total = total + max(a, b) * {c} + min(d, e) * {c * 0.5}",
            "xs = xs[1:] + xs[:1]",
        ]

    return block


def _pythonic_parts(vector):
    head = [
        "xs = [x[i] for i in range(6)]",
        "a, b, c, d, e, g = xs",
        "total = 0.0",
        "if g > 100.0:",
        f"    {_ret(vector, 'g', 'g')}",
    ]
    tail = [_ret(vector, "total + 0.01 * (a * a + b * b + g * g)", "a + b")]
    return "", "", head, _pythonic_factory(vector), tail


KINDS = {
    "mlp": _mlp_parts,
    "physics": _physics_parts,
    "stencil": _stencil_parts,
    "gp": _gp_parts,
    "branches": _branches_parts,
    "optimiser": _optimiser_parts,
    "helpers": _helpers_parts,
    "pythonic": _pythonic_parts,
}

PARAMS = {
    "mlp": 40,
    "physics": 12,
    "stencil": 16,
    "gp": 8,
    "branches": 6,
    "optimiser": 10,
    "helpers": 40,
    "pythonic": 6,
}


def source(kind, lines, vector=False):
    """The module's source: `f`'s body has about `lines` lines (at least, within a block)."""
    globals_src, helpers_src, head, block, tail = KINDS[kind](vector)
    body = list(head)
    k = 0
    while len(body) + len(tail) < lines:
        body.extend(block(k))
        k += 1
    body.extend(tail)
    text = "import math\n\nimport numpy as np\n" + globals_src + helpers_src + "\n\ndef f(x):\n"
    return text + "".join("    " + line + "\n" for line in body)


def body_lines(src):
    """The number of lines of `f`'s body."""
    after = src.split("\ndef f(x):\n", 1)[1]
    return sum(1 for line in after.splitlines() if line.strip())


def load_source(src, kind="m"):
    """Write `src` to a fresh module file, import it and return the module."""
    name = f"t84_{kind}_{os.getpid()}_{next(_counter)}"
    path = os.path.join(module_dir(), name + ".py")
    with open(path, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load(kind, lines, vector=False):
    """A fresh module of `kind` at about `lines` lines: its `f`."""
    return load_source(source(kind, lines, vector), kind).f


def point(kind, seed=0):
    """A generic evaluation point for `kind`."""
    rng = np.random.default_rng(1000 + seed + 17 * list(KINDS).index(kind))
    return rng.standard_normal(PARAMS[kind]) * 0.5


if __name__ == "__main__":
    for kind in KINDS:
        for n in SIZES:
            f = load(kind, n)
            print(kind, n, body_lines(source(kind, n)), f(point(kind)))
