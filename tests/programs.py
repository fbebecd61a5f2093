"""Random straight-line programs for property tests: source text plus the arguments to use."""

from __future__ import annotations

import importlib.util
import itertools
import sys
import tempfile
from pathlib import Path

from hypothesis import strategies as st

# Each entry: a template over operands a, b whose value stays finite for finite inputs.
UNARY = [
    "np.sin({a})",
    "np.cos({a})",
    "np.tanh({a})",
    "np.exp(np.tanh({a}))",
    "np.log(1.0 + {a} * {a})",
    "np.sqrt(1.0 + {a} * {a})",
    "np.arctan({a})",
    "-{a}",
    "{a} ** 2",
]
BINARY = [
    "{a} + {b}",
    "{a} - {b}",
    "{a} * {b}",
    "{a} / (1.5 + {b} * {b})",
    "np.hypot({a}, 1.0 + {b} * {b})",
    "np.arctan2({a}, 2.0 + {b} * {b})",
]
SCALAR_MATH = {"np.sin": "math.sin", "np.cos": "math.cos", "np.tanh": "math.tanh"}

_counter = itertools.count()
_modules_dir = Path(tempfile.mkdtemp(prefix="s2s_programs_"))


@st.composite
def programs(draw, n_inputs=2, max_statements=8, augment=True):
    """A function `f(x0, x1, ...)` as source text: assignments, reassignments, `+=`.

    With `augment=False` there is no `+=` (NumPy's in-place `+=` cannot grow an array's
    shape, so broadcasting programs would fail in the function itself).
    """
    names = [f"x{i}" for i in range(n_inputs)]
    lines = [f"def f({', '.join(names)}):"]
    pool = list(names)
    for _ in range(draw(st.integers(1, max_statements))):
        a = draw(st.sampled_from(pool))
        b = draw(st.sampled_from([*pool, "0.5", "2.0"]))
        if draw(st.booleans()):
            expr = draw(st.sampled_from(UNARY)).format(a=a)
        else:
            expr = draw(st.sampled_from(BINARY)).format(a=a, b=b)
        kind = draw(
            st.sampled_from(["new", "reassign", "augment"] if augment else ["new", "reassign"])
        )
        if kind == "new" or len(pool) == n_inputs:
            target = f"v{len(pool)}"
            pool.append(target)
            lines.append(f"    {target} = {expr}")
        elif kind == "reassign":
            target = draw(st.sampled_from(pool))
            lines.append(f"    {target} = {expr}")
        else:
            target = draw(st.sampled_from(pool))
            lines.append(f"    {target} += {expr}")
    result = " + ".join(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
    lines.append(f"    return np.sum({result})")
    return "\n".join(lines) + "\n"


def load(source: str):
    """Write `source` to a module file (s2s_ad reads source from files) and return `f`."""
    name = f"s2s_program_{next(_counter)}"
    path = _modules_dir / f"{name}.py"
    path.write_text("import math\n\nimport numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.f
