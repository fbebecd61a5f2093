"""A function defined in a notebook cell is differentiated: IPython compiles a cell statement
by statement (`np.sum` then compiles otherwise than in the whole cell's text), so the check
that the source is the running code goes by names and numbers there, not by bytecode."""

import numpy as np
import pytest

InteractiveShell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell

CELL = """
import numpy as np
import s2s_ad as ad

def rollout(x, steps=3):
    y = x
    for _ in range(steps):
        y = y + 0.1 * np.sin(y)
    return np.sum(y * y)

gradient = ad.grad(rollout)(np.array([0.5, -1.0]))
"""


def test_a_function_of_a_cell_is_differentiated():
    shell = InteractiveShell.instance()
    result = shell.run_cell(CELL)
    assert result.success, result.error_in_exec
    x = np.array([0.5, -1.0])
    rollout = shell.user_ns["rollout"]
    h = 1e-6
    expected = [(rollout(x + h * e) - rollout(x - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(shell.user_ns["gradient"], expected, rtol=1e-6)
