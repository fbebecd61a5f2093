"""The samples run end to end (on small sizes), as a newcomer would run them."""

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent.parent / "samples"


@pytest.mark.parametrize(
    ("script", "args", "expected"),
    [
        ("teaching.py", [], "reverse, forward and numeric derivatives agree"),
        ("jacobians.py", ["--quick", "--plot", "quick.png"], "the two agree: True"),
        ("train_mlp.py", ["--steps", "300", "--plot", "mlp.png"], "saved mlp.png"),
        ("pendulum_fit.py", ["--steps", "300", "--iterations", "15", "--plot", "p.png"], "saved"),
    ],
)
def test_sample_runs(script, args, expected, tmp_path):
    run = subprocess.run(
        [sys.executable, str(SAMPLES / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert expected in run.stdout
