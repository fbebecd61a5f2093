"""The `s2s-ad` command: output for the sample, one-line located errors with exit code 2."""

import math
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
    assert err.startswith(f"s2s-ad: {bad}:3: unsupported construct: `try` around an assignment")


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


def test_show_stages(capsys, tmp_path):
    module = tmp_path / "looped.py"
    module.write_text(
        "import numpy as np\n\ndef f(x, n):\n    for _ in range(n):\n"
        "        x = np.sin(x) * 1.5\n    return x\n"
    )
    _, adjoint, _ = run(capsys, "show", f"{module}:f", "--stage", "adjoint")
    _, simplified, _ = run(capsys, "show", f"{module}:f", "--stage", "simplified")
    _, tangent, _ = run(capsys, "show", f"{module}:f", "--stage", "tangent")
    _, forward, _ = run(capsys, "show", f"{module}:f", "--mode", "forward")
    assert "x_2_bar = x_1_bar" in adjoint  # a copy the passes read through and drop
    assert "x_2_bar = x_1_bar" not in simplified
    assert simplified.startswith("def f_vjp(x, n):") and adjoint.startswith("def f_vjp(x, n):")
    assert tangent.startswith("def f_jvp(x, n, x_dot):") and len(tangent) > len(forward)


def test_colours_only_when_asked_or_on_a_terminal(capsys):
    _, plain, _ = run(capsys, "show", f"{SAMPLE}:f")  # captured: not a terminal
    _, coloured, _ = run(capsys, "show", f"{SAMPLE}:f", "--color", "always")
    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert coloured.count("\n") == plain.count("\n")


def test_check_prints_a_table_and_passes(capsys):
    code, out, err = run(capsys, "check", f"{SAMPLE}:f", "--args", "2.0", "5.0")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["check", "argument", "s2s_ad", "reference", "|difference|"]
    assert sum(line.endswith(" ok") for line in lines) == 6
    assert lines[6].startswith("forward value vs plain call ")
    assert lines[-1] == "6 of 6 checks passed"


def test_check_prints_the_gradient(capsys):
    """Beside the directional checks (norms along a random direction, easily misread as
    partial derivatives), the gradient itself: f = ln x1 + x1·x2 - sin x2 at (2, 5) has
    ∂f/∂x1 = 1/x1 + x2 = 5.5 and ∂f/∂x2 = x1 - cos x2."""
    code, out, err = run(capsys, "check", f"{SAMPLE}:f", "--args", "2.0", "5.0")
    assert code == 0, err
    assert "along a random direction" in out
    tail = out.split("gradient of f at these arguments (reverse mode):\n", 1)[1].splitlines()
    assert tail[0] == "  df/dx1 = 5.5"
    assert tail[1].startswith("  df/dx2 = ")
    assert float(tail[1].split("= ")[1]) == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)


def test_check_prints_an_array_gradient_and_none_for_vector_functions(capsys, tmp_path):
    module = tmp_path / "fns.py"
    module.write_text(
        "import numpy as np\n\n"
        "def energy(x, w):\n    return np.sum(w * x ** 2)\n\n"
        "def vec(x):\n    return np.sin(x)\n"
    )
    code, out, _ = run(capsys, "check", f"{module}:energy", "--args", "np.array([1.0, 2.0])",
                       "np.array([3.0, 0.5])")  # fmt: skip
    assert code == 0
    assert "  denergy/dx = [6. 2.]" in out  # 2 w x
    assert "  denergy/dw = [1. 4.]" in out  # x ** 2
    code, out, _ = run(capsys, "check", f"{module}:vec", "--args", "np.array([1.0, 2.0])")
    assert code == 0
    assert "`vec` does not return a real scalar: no gradient to print" in out


def test_check_tolerances_have_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    words = " ".join(capsys.readouterr()[0].split())
    assert "--rtol RTOL relative tolerance" in words and "(default: 1e-06)" in words
    assert "--atol ATOL absolute tolerance" in words and "(default: 1e-08)" in words


SPECIALISE = """
import numpy as np


def tanh_layer(w, x, b):
    return np.sum(np.tanh(w @ x + b))
"""


def test_show_args_prints_the_code_grad_runs(capsys, tmp_path):
    """`show --args` prints the flat gradient specialised to the arguments' shapes: no
    `rt.unbroadcast` where the shapes say the operand already has the result's shape."""
    module = tmp_path / "layer.py"
    module.write_text(SPECIALISE)
    argv = ["--args", "np.ones((3, 4))", "np.arange(4.0)", "np.zeros(3)"]
    code, out, err = run(capsys, "show", f"{module}:tanh_layer", *argv, "--color", "never")
    assert code == 0, err
    # grad's cotangent 1.0 folded in: no seed parameter, no `np.full_like` (issue 19)
    assert out.startswith("def tanh_layer_grad(w, x, b):") and "full_like" not in out
    assert "unbroadcast" not in out and "w_bar = _t2_bar[:, None] * x" in out
    code, generic, _ = run(capsys, "show", f"{module}:tanh_layer", "--mode", "gradient")
    assert "rt.unbroadcast(" in generic  # without --args: the shape-generic code
    code, out, _ = run(capsys, "show", f"{module}:tanh_layer", *argv, "--mode", "reverse")
    assert code == 0 and out.startswith("def tanh_layer_vjp(w, x, b):")


def test_show_args_bad_input_is_one_line(capsys, tmp_path):
    module = tmp_path / "layer.py"
    module.write_text(SPECIALISE)
    code, out, err = run(capsys, "show", f"{module}:tanh_layer", "--args", "np.ones(", "--stage",
                         "simplified")  # fmt: skip
    assert (code, out) == (2, "") and err.startswith("s2s-ad: --args 'np.ones(': SyntaxError")
    code, out, err = run(capsys, "show", f"{module}:tanh_layer", "--args", "1.0", "--stage", "ssa")
    assert (code, out) == (2, "") and "--stage simplified" in err and err.count("\n") == 1
    code, out, err = run(capsys, "show", f"{module}:tanh_layer", "--args", "np.ones(3)")
    assert (code, out) == (2, "") and err.startswith(f"s2s-ad: {module}:")  # too few arguments
    assert err.count("\n") == 1


WRONG_RULE = """
import numpy as np
import s2s_ad

def softplus(x):
    return np.log1p(np.exp(x))

s2s_ad.defjvp(softplus, lambda d, ans, x: d * 2.0)  # wrong on purpose
s2s_ad.defvjp(softplus, lambda g, ans, x: g * 3.0)  # and disagreeing with it

def f(x):
    return np.sum(softplus(x) * x)
"""


def test_check_finds_a_wrong_rule(capsys, tmp_path):
    module = tmp_path / "wrong.py"
    module.write_text(WRONG_RULE)
    code, out, _ = run(capsys, "check", f"{module}:f", "--args", "np.linspace(-1, 1, 4)")
    assert code == 1
    assert out.count("MISMATCH") == 2
    assert out.splitlines()[-1] == "2 of 4 checks passed"  # the values are right


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--args", "np.nope(3)"], "--args 'np.nope(3)': AttributeError"),
        ([], "give the function's arguments"),
    ],
)
def test_check_bad_arguments_are_one_line(capsys, argv, message):
    code, out, err = run(capsys, "check", f"{SAMPLE}:f", *argv)
    assert (code, out) == (2, "")
    assert message in err and err.count("\n") == 1


RUN_EXPORTED = """
import importlib.abc, sys
class NoS2SAD(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] == "s2s_ad":
            raise ImportError("s2s_ad must not be needed")
sys.meta_path.insert(0, NoS2SAD())
sys.path.insert(0, sys.argv[1])
import numpy as np
import exported
inputs = np.load(sys.argv[2])
params = tuple(inputs[f"p{k}"] for k in range(6))
if sys.argv[4] == "gradient":  # flat code: the helpers' own flat gradient code (issue 17)
    value, grads = 0.0, exported.loss_grad(params, inputs["x"], inputs["y"])
else:
    value, grads = exported.loss_value_and_grad(params, inputs["x"], inputs["y"])
np.save(sys.argv[3], np.concatenate([[value], *[g.ravel() for g in grads]]))
"""


@pytest.mark.parametrize("mode", ["value_and_gradient", "gradient"])
def test_export_writes_a_module_that_runs_without_s2s_ad(capsys, tmp_path, mode):
    import numpy as np

    import s2s_ad as ad

    sys.path.insert(0, str(ROOT / "samples"))
    try:
        import train_mlp
    finally:
        sys.path.pop(0)
    target = tmp_path / "exported.py"
    code, out, err = run(capsys, "export", f"{ROOT / 'samples' / 'train_mlp.py'}:loss", "-o",
                         str(target), "--mode", mode)  # fmt: skip
    assert (code, out) == (0, f"wrote {target}\n"), err
    rng = np.random.default_rng(0)
    params = (rng.normal(size=(2, 4)), np.zeros(4), rng.normal(size=(4, 4)), np.zeros(4),
              rng.normal(size=(4, 1)), np.zeros(1))  # fmt: skip
    x, y = rng.normal(size=(6, 2)), np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    inputs, result = tmp_path / "inputs.npz", tmp_path / "result.npy"
    np.savez(inputs, x=x, y=y, **{f"p{k}": p for k, p in enumerate(params)})
    subprocess.run(
        [sys.executable, "-c", RUN_EXPORTED, str(tmp_path), str(inputs), str(result), mode],
        check=True,
        cwd=tmp_path,
    )
    value, grads = ad.value_and_grad(train_mlp.loss)(params, x, y)
    value = value if mode == "value_and_gradient" else 0.0
    expected = np.concatenate([[value], *[g.ravel() for g in grads]])
    np.testing.assert_allclose(np.load(result), expected, rtol=1e-13)


def test_export_refuses_what_it_cannot_write(capsys, tmp_path):
    module = tmp_path / "opaque.py"
    module.write_text(
        "import numpy as np\nimport threading\nLOCK = threading.Lock()\n\n"
        "def f(x):\n    with_lock = LOCK\n    return x * x if with_lock else x\n"
    )
    code, out, err = run(capsys, "export", f"{module}:f")
    assert (code, out) == (2, "")
    assert "cannot export the global `LOCK`" in err and err.count("\n") == 1


def test_help_shows_examples(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out, _ = capsys.readouterr()
    assert "s2s-ad check samples/teaching.py:f --args 2.0 5.0" in out
    assert "s2s-ad export" in out


def test_check_with_only_integer_arguments_is_one_line_exit_2(capsys, tmp_path):
    module = tmp_path / "scaled.py"
    module.write_text("def f(x, n):\n    return x * n\n")
    code, out, err = run(capsys, "check", f"{module}:f", "--args", "2", "5")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"s2s-ad: {module}:1: ") and "`x`, an int" in err


def test_check_says_which_arguments_it_skips(capsys, tmp_path):
    module = tmp_path / "scaled.py"
    module.write_text("def f(x, n):\n    return x * n\n")
    code, out, _ = run(capsys, "check", f"{module}:f", "--args", "2", "5.0")
    assert code == 0
    assert "x = 2 skipped: an int has no derivative (write it as a float to check it)" in out
    assert out.endswith("4 of 4 checks passed\n")  # derivatives and values of `n`


def test_runtime_helpers_have_one_name_each():
    """Export copies the runtime's helpers by name into one module: two modules defining the
    same name (a private `_zeros` in two files) would make the copy call the wrong one."""
    import inspect

    import s2s_ad.runtime as runtime

    seen: dict[str, str] = {}
    for module in (getattr(runtime, m) for m in dir(runtime)):
        if not inspect.ismodule(module) or not module.__name__.startswith("s2s_ad.runtime."):
            continue
        for name, value in vars(module).items():
            defined_here = getattr(value, "__module__", None) == module.__name__
            if defined_here and (inspect.isfunction(value) or inspect.isclass(value)):
                assert name not in seen, f"`{name}` in {module.__name__} and {seen[name]}"
                seen[name] = module.__name__


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("check", ["2.0, 3.0"], 'one tuple, --args "2.0, 3.0", is one argument'),
        ("check", ["2.0"], "missing a required argument: 'x2'"),
        ("show", ["2.0", "3.0", "4.0"], "too many positional arguments"),
        ("check", ["np.ones(2)", "np.ones(3)"], "`f` itself raised ValueError"),
    ],
)
def test_args_that_do_not_fit_are_one_line(capsys, command, args, expected):
    """--args that do not fit the function (a tuple for two parameters, too few or too many,
    shapes the function itself cannot combine): one line naming the function, exit code 2,
    never a traceback from inside s2s_ad."""
    code, out, err = run(capsys, command, f"{SAMPLE}:f", "--args", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and expected in err, err
    assert "f(x1, x2)" in err or f"{SAMPLE}:12" in err
