"""The `s2s-ad` command: output for the sample, one-line located errors with exit code 2."""

import subprocess
import sys
from pathlib import Path

import pytest

from s2s_ad import cli

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "samples" / "teaching.py"
GOLDEN = Path(__file__).parent / "golden"


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "golden"),
    [
        (["--wrt", "x1", "x2"], "cli_teaching_reverse.txt"),
        (["--wrt", "x1", "x2", "--mode", "forward"], "cli_teaching_forward.txt"),
        (["--stage", "ssa"], "cli_teaching_ssa.txt"),
    ],
)
def test_show_sample(capsys, argv, golden):
    code, out, err = run(capsys, "show", f"{SAMPLE}:f", *argv)
    assert code == 0, err
    assert out == (GOLDEN / golden).read_text()


def test_show_default_wrt_is_first_parameter(capsys):
    code, out, _ = run(capsys, "show", f"{SAMPLE}:f")
    assert code == 0
    assert "return x1_bar\n" in out


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("samples/missing.py:f", "samples/missing.py: no such file"),
        (f"{SAMPLE}:g", f"{SAMPLE}: no function named `g`"),
        (f"{SAMPLE}", f"{SAMPLE}: expected FILE.py:FUNCTION"),
    ],
)
def test_bad_targets_print_one_line_and_exit_2(capsys, target, message):
    code, out, err = run(capsys, "show", target)
    assert code == 2
    assert out == ""
    assert err.strip() == f"s2s-ad: {message}"


def test_unsupported_construct_names_file_and_line(capsys, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f(x):\n    y = x\n    try:\n        y = y * x\n    except ValueError:\n"
        "        pass\n    return y\n"
    )
    code, _, err = run(capsys, "show", f"{bad}:f")
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"s2s-ad: {bad}:3: unsupported construct: `try` statement")


def test_bad_wrt_is_one_line(capsys):
    code, _, err = run(capsys, "show", f"{SAMPLE}:f", "--wrt", "nope")
    assert code == 2
    assert "wrt='nope' does not name a parameter" in err and err.count("\n") == 1


def test_module_that_fails_to_import(capsys, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\ndef f(x):\n    return x\n")
    code, _, err = run(capsys, "show", f"{broken}:f")
    assert code == 2
    assert "importing it failed: RuntimeError: boom" in err


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "s2s_ad", "show", f"{SAMPLE}:f", "--stage", "ssa"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (GOLDEN / "cli_teaching_ssa.txt").read_text()


def test_rules_counts_and_lists_the_table(capsys):
    from s2s_ad.rules.registry import REGISTRY

    code, out, _ = run(capsys, "rules")
    assert code == 0
    counts = dict(line.split() for line in out.splitlines())
    assert int(counts["total"]) == len(REGISTRY) >= 150
    assert int(counts["linalg"]) > 0 and int(counts["nondifferentiable"]) > 0
    code, out, _ = run(capsys, "rules", "--list")
    assert "    np.linalg.cholesky\n" in out and "    scipy.special.expit\n" in out


@pytest.mark.parametrize(
    ("mode", "first_line"),
    [
        ("vector", "def f_jvp(x1, x2, x1_dot):"),
        ("gradient", "def f_grad(x1, x2, f_bar=1.0):"),
        ("hessian", "def f_grad_jvp(x1, x2, f_bar, x1_dot):"),
    ],
)
def test_show_vector_and_second_order_code(capsys, mode, first_line):
    code, out, err = run(capsys, "show", f"{SAMPLE}:f", "--mode", mode)
    assert code == 0, err
    assert out.splitlines()[0] == first_line
