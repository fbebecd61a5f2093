"""Programs for test_hessians_and_jit_warnings_independent.py (an independent tester's).

Each program is a module source, written to a fresh file of a temporary directory before it
is differentiated (s2s_ad reads a function's source from its file). Run this file to time
the first `hessian` call of fresh unrolled functions at about 50 to 400 lines:

    PYTHONPATH=. python tests/hessians_and_jit_warnings_programs.py
"""

import importlib.util
import itertools
import os
import sys
import tempfile
import time

_COUNTER = itertools.count()
_TMP = None


def load(src, stem="prog"):
    """Write `src` to a fresh module file and import it."""
    global _TMP
    if _TMP is None:
        _TMP = tempfile.mkdtemp(prefix="s2s_t53_")
    name = f"_s2s_t53_{stem}_{next(_COUNTER)}"
    path = os.path.join(_TMP, name + ".py")
    with open(path, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def line_of(src, marker):
    """1-based line number of the only line of `src` containing `marker`."""
    hits = [i + 1 for i, line in enumerate(src.splitlines()) if marker in line]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


# --------------------------------------------------------------------------------------
# Long unrolled functions (for Hessians)
# --------------------------------------------------------------------------------------


def oscillator_chain(n):
    """Four coupled scalar states stepped n times, written out (a generated model)."""
    body = [
        "import numpy as np",
        "",
        "",
        "def f(x):",
        "    a, b, c, d = x[0], x[1], x[2], x[3]",
    ]
    cycle = [
        "    a = a + 0.01 * np.sin(b * c)",
        "    b = b - 0.01 * a * np.cos(d)",
        "    c = c + 0.01 * np.tanh(a - d)",
        "    d = d * (1.0 - 0.001 * c * c)",
    ]
    body += [cycle[k % 4] for k in range(n)]
    body.append("    return a * b + c * d + np.exp(0.1 * a)")
    return "\n".join(body) + "\n"


def residual_layers(n):
    """n residual tanh layers over a module-level matrix, unrolled."""
    body = [
        "import numpy as np",
        "",
        "A = np.linspace(-0.5, 0.5, 25).reshape(5, 5)",
        "",
        "",
        "def f(x):",
        "    h = x",
    ]
    for k in range(n):
        body.append(f"    h = h + 0.05 * np.tanh(A @ h + {0.01 * (k % 7):.2f})")
    body.append("    return np.sum(h * h) + np.sum(np.sin(h))")
    return "\n".join(body) + "\n"


def logged_simulation(n):
    """An unrolled simulation with a helper, an assert and progress printing every 10 steps."""
    body = [
        "import logging",
        "",
        "import numpy as np",
        "",
        'log = logging.getLogger("t53.sim")',
        "DT = 0.02",
        "",
        "",
        "def force(q, p):",
        "    return -np.sin(q) - 0.1 * p * np.abs(p)",
        "",
        "",
        "def energy(q, p):",
        "    return 0.5 * p * p + 1.0 - np.cos(q)",
        "",
        "",
        "def f(state):",
        "    q, p = state[0], state[1]",
        "    k = state[2]",
    ]
    for step in range(n):
        if step % 3 == 0:
            body.append("    p = p + DT * (force(q, p) - k * q)")
        elif step % 3 == 1:
            body.append("    q = q + DT * p")
        else:
            body.append("    k = k * (1.0 - DT * 0.05 * q * q)")
        if step % 10 == 9:
            body.append(f'    print("step {step}", float(q), float(p))')
            body.append('    assert np.isfinite(q), "diverged"')
            body.append('    log.debug("energy %.4f", float(energy(q, p)))')
    body.append("    return energy(q, p) + 0.1 * k * q * q")
    return "\n".join(body) + "\n"


# --------------------------------------------------------------------------------------
# Programs whose derivative runs a statement kept for its effect (jit=True fallbacks)
# Each: (source, function name, marker of the statement to be named, owner of the line)
# --------------------------------------------------------------------------------------

EFFECT_PROGRAMS = {
    "training_print": (
        """import numpy as np


def loss(w, x, y):
    pred = np.tanh(x @ w)
    err = np.mean((pred - y) ** 2)
    print("loss", float(err))
    return err
""",
        "loss",
        'print("loss", float(err))',
        "loss",
    ),
    "training_logging": (
        """import logging

import numpy as np

log = logging.getLogger("t53.train")


def loss(w, x, y):
    pred = np.tanh(x @ w)
    err = np.mean((pred - y) ** 2)
    reg = 0.01 * np.sum(w * w)
    log.info("err %.5f reg %.5f", float(err), float(reg))
    return err + reg
""",
        "loss",
        'log.info("err %.5f reg %.5f", float(err), float(reg))',
        "loss",
    ),
    "simulation_assert_in_loop": (
        """import numpy as np


def loss(w, x, y):
    v = x @ w
    for i in range(4):
        v = v - 0.1 * v ** 3
        assert np.all(np.abs(v) < 100.0), "diverged"
    return np.sum((v - y) ** 2)
""",
        "loss",
        'assert np.all(np.abs(v) < 100.0), "diverged"',
        "loss",
    ),
    "progress_every_other_iteration": (
        """import numpy as np


def loss(w, x, y):
    total = 0.0
    for epoch in range(4):
        total = total + np.sum(np.cos(x @ w * (epoch + 1.0)) * y)
        if epoch % 2 == 1:
            print(f"epoch {epoch}: {total:.4f}")
    return total
""",
        "loss",
        'print(f"epoch {epoch}: {total:.4f}")',
        "loss",
    ),
    "helper_prints": (
        """import numpy as np


def layer(w, x):
    h = np.tanh(x @ w)
    print("layer mean", float(np.mean(h)))
    return h


def loss(w, x, y):
    h = layer(w, x)
    return np.sum((h - y) ** 2)
""",
        "loss",
        'print("layer mean", float(np.mean(h)))',
        "layer",
    ),
    "helper_appends_local_list": (
        """import numpy as np


def features(w, x):
    parts = []
    parts.append(np.sin(x @ w))
    return parts[0]


def loss(w, x, y):
    return np.sum((features(w, x) - y) ** 2)
""",
        "loss",
        "parts.append(np.sin(x @ w))",
        "features",
    ),
    "helper_of_helper_logs": (
        """import logging

import numpy as np

log = logging.getLogger("t53.deep")


def inner(v):
    log.debug("inner %d", v.shape[0])
    return v * 1.5


def middle(w, x):
    return inner(np.tanh(x @ w)) + 1.0


def loss(w, x, y):
    return np.sum((middle(w, x) - y) ** 2)
""",
        "loss",
        'log.debug("inner %d", v.shape[0])',
        "inner",
    ),
    "warns_when_large": (
        """import warnings

import numpy as np


def loss(w, x, y):
    err = np.sum((x @ w - y) ** 2)
    if err > 1e6:
        warnings.warn("loss is very large")
    return err
""",
        "loss",
        'warnings.warn("loss is very large")',
        "loss",
    ),
    "module_list_history": (
        """import numpy as np

HISTORY = []


def loss(w, x, y):
    err = np.sum((np.sin(x @ w) - y) ** 2)
    HISTORY.append(float(err))
    return err
""",
        "loss",
        "HISTORY.append(float(err))",
        "loss",
    ),
    "nested_def_reporter": (
        """import numpy as np


def loss(w, x, y):
    def report(v):
        print("residual norm", float(np.sqrt(np.sum(v * v))))

    r = np.tanh(x @ w) - y
    report(r)
    return np.sum(r * r)
""",
        "loss",
        'print("residual norm", float(np.sqrt(np.sum(v * v))))',
        "loss",
    ),
    "config_verbose": (
        """import types

import numpy as np

CFG = types.SimpleNamespace(verbose=True, scale=0.5)


def loss(w, x, y):
    err = np.sum((np.tanh(CFG.scale * (x @ w)) - y) ** 2)
    if CFG.verbose:
        print("err=%.4f" % err)
    return err
""",
        "loss",
        'print("err=%.4f" % err)',
        "loss",
    ),
}

# Falls back for another reason than an effect: the message must not blame one.
MAX_ALONG_AXIS = """import numpy as np


def loss(w, x, y):
    m = np.max(x * w, axis=0)
    return np.sum((m - y) ** 2)
"""

# No effect, compiles: no warning at all.
PLAIN_LOSS = """import numpy as np


def loss(w, x, y):
    pred = np.tanh(x @ w)
    return np.mean((pred - y) ** 2)
"""

# A print written over several lines.
MULTILINE_PRINT = """import numpy as np


def loss(w, x, y):
    err = np.sum((np.tanh(x @ w) - y) ** 2)
    print(
        "the loss is",
        float(err),
    )
    return err
"""

# A print under try/except (kept whole for its effect).
TRY_PRINT = """import numpy as np


def loss(w, x, y):
    err = np.sum((np.tanh(x @ w) - y) ** 2)
    try:
        print("loss", float(err))
    except ValueError:
        pass
    return err
"""

# A function returning a vector, with a print (for jacrev).
VECTOR_PRINT = """import numpy as np


def model(w):
    h = np.tanh(w) * 2.0
    print("h", h.shape)
    return h[:-1] * h[1:]
"""


# --------------------------------------------------------------------------------------
# Module state read by derivatives
# --------------------------------------------------------------------------------------

STATE_MODULE = """import types

import numpy as np

SCALE = 2.0
W = np.array([1.0, -2.0, 0.5])
CFG = types.SimpleNamespace(rate=0.5)
TABLE = {"k": 2.0}
COEFS = [2.0]


class Hyper:
    decay = 0.1


def f_global(x):
    return np.sum(np.sin(x) * SCALE)


def f_array(x):
    return np.sum(np.tanh(x * W) ** 2)


def f_namespace(x):
    return np.sum(np.exp(CFG.rate * x))


def f_class_attr(x):
    return np.sum(x ** 3) * Hyper.decay


def scaled_sine(x):
    return np.sin(x) * SCALE


def f_helper_global(x):
    return np.sum(scaled_sine(x))


def f_vector_global(x):
    return np.sin(x) * SCALE


def f_local_copy(x):
    s = SCALE
    return np.sum(np.sin(x) * s)


def f_dict_item(x):
    return np.sum(np.sin(x) * TABLE["k"])


def f_list_item(x):
    return np.sum(np.sin(x) * COEFS[0])


def f_array_item(x):
    return np.sum(np.sin(x) * W[0])


def make_cell_closure():
    s = 2.0

    def f(x):
        return np.sum(np.cos(x) * s)

    def set_s(v):
        nonlocal s
        s = v

    return f, set_s


def make_array_closure():
    arr = np.array([1.0, 2.0, 3.0])

    def f(x):
        return np.sum(np.sin(x * arr))

    return f, arr
"""


def _time_first_hessians(sizes=(50, 100, 200, 400)):
    import contextlib
    import io

    import numpy as np

    import s2s_ad as ad

    kinds = {
        "oscillator_chain": (oscillator_chain, np.linspace(0.2, 1.0, 4)),
        "residual_layers": (residual_layers, np.linspace(0.2, 1.0, 5)),
        "logged_simulation": (logged_simulation, np.array([0.4, -0.2, 0.3])),
    }
    ad.hessian(load(oscillator_chain(8)).f)(np.linspace(0.2, 1.0, 4))  # warm up imports
    for kind, (gen, x) in kinds.items():
        for n in sizes:
            best = float("inf")
            src = gen(n)
            for _ in range(2):
                mod = load(src, kind)
                with contextlib.redirect_stdout(io.StringIO()):
                    t0 = time.process_time()
                    ad.hessian(mod.f)(x)
                    best = min(best, time.process_time() - t0)
            lines = len(src.splitlines())
            print(
                f"{kind:18s} {lines:4d} lines  first hessian {best:6.3f} s cpu"
                f"  {1000 * best / lines:5.2f} ms/line",
                flush=True,
            )


if __name__ == "__main__":
    _time_first_hessians()
