"""The samples run end to end (on small sizes), as a newcomer would run them."""

import os
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
        ("train_model.py", ["--steps", "300", "--plot", "model.png"], "both went down: True"),
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


def test_readme_quickstart_runs(tmp_path):
    """The README's quickstart, as a newcomer pastes it into a file."""
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "quickstart.py").write_text(code)
    env = {**os.environ, "PYTHONPATH": str(SAMPLES.parent)}  # this checkout's s2s_ad
    run = subprocess.run(
        [sys.executable, "quickstart.py"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("def loss_vjp(w, x, b):")
