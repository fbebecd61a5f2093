"""Functions defined in IPython / Jupyter cells: their source comes from IPython's cell cache
(registered with `linecache`); redefining a function or a helper in a later cell is seen.

The cells run in a real IPython shell, in a subprocess (the shell installs hooks of its own).
"""

import json
import subprocess
import sys

import numpy as np

SHELL = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for cell in json.loads(sys.argv[1]):
    result = shell.run_cell(cell, store_history=True)
    if not result.success:
        error = result.error_in_exec or result.error_before_exec
        raise SystemExit(f"cell {cell!r} failed: {type(error).__name__}: {error}")
print(json.dumps(shell.user_ns["results"]))
"""

CELLS = [
    "import numpy as np\nimport s2s_ad as ad\nx = np.array([0.5, 1.0, 2.0])\nresults = {}",
    "def helper(x):\n    return np.sin(x) * x",
    "def f(x):\n    return np.sum(helper(x) ** 2)",
    "gradient = ad.grad(f)\nresults['first'] = gradient(x).tolist()",
    "results['forward'] = ad.grad(f, mode='forward')(x).tolist()",
    "def helper(x):\n    return np.cos(x)",  # redefined: f now calls this one
    "results['helper redefined'] = gradient(x).tolist()",
    "def f(x):\n    return np.sum(np.tanh(x))",  # the same name, new source
    "results['f redefined'] = ad.grad(f)(x).tolist()",
    "results['source'] = ad.derivative_source(f)",
]


def test_cells_differentiate_and_redefinitions_are_seen():
    run = subprocess.run(
        [sys.executable, "-c", SHELL, json.dumps(CELLS)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr + run.stdout
    results = json.loads(run.stdout.strip().splitlines()[-1])
    x = np.array([0.5, 1.0, 2.0])
    h = np.sin(x) * x
    expected = 2.0 * h * (np.cos(x) * x + np.sin(x))
    np.testing.assert_allclose(results["first"], expected, rtol=1e-14)
    np.testing.assert_allclose(results["forward"], expected, rtol=1e-14)
    np.testing.assert_allclose(
        results["helper redefined"], -2.0 * np.cos(x) * np.sin(x), rtol=1e-14
    )
    np.testing.assert_allclose(results["f redefined"], 1.0 - np.tanh(x) ** 2, rtol=1e-14)
    assert "np.tanh(x)" in results["source"]
