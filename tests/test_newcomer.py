"""A newcomer's path (issue 20): printing the code `grad` runs for given arguments, `wrt`
refused when the derivative is made, scalar Jacobians and Hessians as floats, articles in
messages, the package metadata that installs without warnings."""

import inspect
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tomllib

import s2s_ad as ad
import s2s_ad.runtime
from s2s_ad.errors import ArgumentError, with_article
from s2s_ad.pipeline import _CACHE
from s2s_ad.testing import check_grads, numeric_jvp

ROOT = Path(__file__).parent.parent


def tanh_layer(w, x, b):
    return np.sum(np.tanh(w @ x + b))


def teaching(x1, x2):
    return math.log(x1) + x1 * x2 - math.sin(x2)


def cubic(x):
    return x**3 * 2.0


def curve(x):
    return np.array([x, x * x])


def params_loss(params, x):
    w, b = params
    return np.sum(np.tanh(w @ x + b) ** 2)


W, X, B = np.linspace(-1.0, 1.0, 12).reshape(3, 4), np.arange(4.0), np.array([0.1, -0.2, 0.3])


def _compiled_sources() -> set[str]:
    return {d.source for per_function in list(_CACHE.values()) for d in per_function.values()}


# derivative_source(f, mode, args=...): the code the API runs on those arguments

CALLS = {
    "gradient": lambda f, args: ad.grad(f)(*args),
    "reverse": lambda f, args: ad.vjp(f, *args)[1](1.0),
    "forward": lambda f, args: ad.jvp(f, args, (np.ones_like(args[0]),) + (None,) * 2),
    "vector": lambda f, args: ad.jacfwd(f)(*args),
    "hessian": lambda f, args: ad.hessian(f)(*args),
}


@pytest.mark.parametrize("mode", list(CALLS))
def test_source_with_args_is_the_code_the_call_compiled(mode):
    """The printed source is one the matching API call compiled (and with `args`, the code
    for their shapes, not the generic one)."""

    def layer(w, x, b):  # a fresh function: its cache holds only what this test made
        return np.sum(np.tanh(w @ x + b))

    CALLS[mode](layer, (W, X, B))
    compiled = _compiled_sources()
    wrt = (0, 1, 2) if mode == "reverse" else 0  # vjp: with respect to every float argument
    source = ad.derivative_source(layer, mode, wrt, args=(W, X, B))
    assert source in compiled
    if mode in ("gradient", "vector"):
        assert source != ad.derivative_source(layer, mode)  # shape-specialised


def test_gradient_source_with_args_runs_and_is_right():
    """The printed flat gradient, executed with `np` and `rt` = s2s_ad.runtime (as the
    README says), gives the gradient: against central differences and the plain call."""
    source = ad.derivative_source(tanh_layer, "gradient", args=(W, X, B))
    # grad's cotangent 1.0 folded in: no seed parameter (issue 19)
    assert source.startswith("def tanh_layer_grad(w, x, b):")
    assert "unbroadcast" not in source  # the shapes say no operand is broadcast
    namespace = {"np": np, "rt": s2s_ad.runtime}
    exec(source, namespace)
    printed = namespace["tanh_layer_grad"](W, X, B)
    direction = np.random.default_rng(0).standard_normal(W.shape)
    numeric = numeric_jvp(tanh_layer, (W, X, B), (direction, None, None))
    assert np.sum(printed * direction) == pytest.approx(float(numeric[0]), rel=1e-7)
    np.testing.assert_array_equal(printed, ad.grad(tanh_layer)(W, X, B))
    check_grads(tanh_layer, (W, X, B))


def test_source_with_args_for_floats_and_several_wrt():
    source = ad.derivative_source(teaching, "gradient", wrt=(0, 1), args=(2.0, 5.0))
    namespace = {"np": np, "rt": s2s_ad.runtime, "math": math}
    exec(source, namespace)
    dx1, dx2 = namespace["teaching_grad"](2.0, 5.0)
    assert dx1 == pytest.approx(5.5, rel=1e-15)
    assert dx2 == pytest.approx(2.0 - math.cos(5.0), rel=1e-15)
    assert (dx1, dx2) == ad.grad(teaching, wrt=(0, 1))(2.0, 5.0)


def test_source_with_structured_args_is_what_grad_runs():
    """grad of a structure takes the checked reverse-mode path: its vjp code is printed."""

    def loss(params, x):
        w, b = params
        return np.sum(np.tanh(w @ x + b) ** 2)

    ad.grad(loss)((W, B), X)
    compiled = _compiled_sources()
    source = ad.derivative_source(loss, "gradient", args=((W, B), X))
    assert source in compiled and source.startswith("def loss_vjp(")


@pytest.mark.parametrize("args", [{"w": W}, W, None.__class__])
def test_source_args_must_be_a_tuple(args):
    with pytest.raises(ArgumentError, match="not a tuple of its arguments") as info:
        ad.derivative_source(tanh_layer, "gradient", args=args)
    assert info.value.filename == __file__


def test_source_args_are_checked_like_a_call():
    with pytest.raises(ArgumentError, match="bad call of `tanh_layer`"):
        ad.derivative_source(tanh_layer, "gradient", args=(W, X))
    with pytest.raises(ArgumentError, match="`w`, an int"):
        ad.derivative_source(tanh_layer, "gradient", args=(1, X, B))


# wrt: refused when the derivative is made


MAKERS = {
    "grad": ad.grad,
    "value_and_grad": ad.value_and_grad,
    "jacfwd": ad.jacfwd,
    "jacrev": ad.jacrev,
    "jacobian": ad.jacobian,
    "hessian": ad.hessian,
}


@pytest.mark.parametrize("made_by", list(MAKERS))
@pytest.mark.parametrize(
    ("wrt", "kind"),
    [(np.ones(3), "an ndarray"), (2.0, "a float"), ([0, 1], "a list"), ((), "a tuple"),
     (True, "a bool"), ((0, 1.5), "a tuple")],
)  # fmt: skip
def test_wrt_that_is_not_an_index_or_name_is_refused_at_once(made_by, wrt, kind):
    """`grad(f, x)` passes the point where `wrt` goes: refused at `grad(...)`'s line, naming
    `f`."""
    with pytest.raises(ArgumentError) as info:
        line = inspect.currentframe().f_lineno + 1
        MAKERS[made_by](tanh_layer, wrt)
    message = str(info.value)
    assert f"{made_by}(`tanh_layer`, wrt=…) got {kind} as wrt" in message
    assert f"`{made_by}(tanh_layer)(x)`" in message
    assert (info.value.filename, info.value.line) == (__file__, line)  # the call


@pytest.mark.parametrize("made_by", list(MAKERS))
def test_wrt_none_is_named_as_such(made_by):
    with pytest.raises(ArgumentError, match=rf"{made_by}\(`tanh_layer`, wrt=…\) got None as wrt"):
        MAKERS[made_by](tanh_layer, None)


@pytest.mark.parametrize("made_by", list(MAKERS))
@pytest.mark.parametrize("wrt", [5, -4, "z", (0, 9), ("x", "nope")])
def test_wrt_naming_no_parameter_is_refused_when_the_derivative_is_made(made_by, wrt):
    """Not at the first call: at `grad(f, 5)`'s line, listing the parameters."""
    with pytest.raises(ArgumentError) as info:
        line = inspect.currentframe().f_lineno + 1
        MAKERS[made_by](tanh_layer, wrt)
    assert "does not name a parameter of `tanh_layer`; its parameters are w, x, b" in str(
        info.value
    )
    assert (info.value.filename, info.value.line) == (__file__, line)  # the call


@pytest.mark.parametrize("wrt", [0, "x", np.int64(0), (0,), ("x", np.int64(0))])
def test_wrt_indices_and_names_still_work(wrt):
    g = ad.grad(cubic, wrt)(1.5)
    assert (g if not isinstance(wrt, tuple) else g[0]) == pytest.approx(13.5, rel=1e-15)


# Jacobians and Hessians with respect to a Python float: floats, as grad gives


@pytest.mark.parametrize(
    "make",
    [ad.hessian, ad.jacfwd, ad.jacrev, lambda f: ad.jacobian(f, mode="auto")],
    ids=["hessian", "jacfwd", "jacrev", "jacobian"],
)
def test_scalar_blocks_with_respect_to_a_float_are_floats(make):
    x = 1.5
    result = make(cubic)(x)
    assert type(result) is float
    if make is ad.hessian:  # 12 x, against central differences of the gradient
        g = ad.grad(cubic)
        assert result == pytest.approx((g(x + 1e-6) - g(x - 1e-6)) / 2e-6, rel=1e-7)
        assert result == pytest.approx(12.0 * x, rel=1e-14)
    else:
        assert result == pytest.approx((cubic(x + 1e-6) - cubic(x - 1e-6)) / 2e-6, rel=1e-7)
        assert result == ad.grad(cubic)(x)
    assert type(make(cubic)(np.float32(x))) is np.float32  # its input's type, as grad's
    column = make(curve)(x) if make is not ad.hessian else None  # a vector output: an array
    if column is not None:
        assert type(column) is np.ndarray and column.shape == (2,)
        np.testing.assert_allclose(column, [1.0, 2 * x], rtol=1e-14)


def test_hessian_of_two_floats_is_a_tuple_of_floats():
    def g(x, y):
        return x * y * y

    h = ad.hessian(g, wrt=(0, 1))(1.5, 2.0)
    assert all(type(v) is float for row in h for v in row)
    assert h == ((0.0, 4.0), (4.0, 3.0))  # (0, 2y), (2y, 2x)


# messages and packaging


@pytest.mark.parametrize(
    ("noun", "said"),
    [("int", "an int"), ("ndarray", "an ndarray"), ("float", "a float"), ("uint8", "a uint8"),
     ("object", "an object"), ("list", "a list"), ("Interval", "an Interval")],
)  # fmt: skip
def test_articles(noun, said):
    assert with_article(noun) == said


def test_messages_say_an_int_and_an_ndarray():
    with pytest.raises(ArgumentError, match="`x`, an int"):
        ad.grad(cubic)(2)
    with pytest.raises(ad.S2SError, match="it is an int, not a Python function"):
        ad.grad(3)


def test_license_is_an_spdx_string_with_the_setuptools_that_reads_it():
    """A license table makes every install print setuptools' deprecation warning; the SPDX
    string needs setuptools 77."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    requires = project["build-system"]["requires"]
    assert "setuptools>=77" in requires


# the README, as a newcomer pastes it

README = (ROOT / "README.md").read_text()


def _block_after(marker: str, fence: str = "```python\n") -> str:
    return README.split(marker, 1)[1].split(fence, 1)[1].split("```", 1)[0]


def test_readme_dask_snippet_runs(tmp_path):
    """The Dask snippet defines everything it uses and prints what its comments say."""
    pytest.importorskip("dask.array")
    code = _block_after("in their library: **Dask arrays**")
    (tmp_path / "dask_snippet.py").write_text(code)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's s2s_ad
    run = subprocess.run(
        [sys.executable, "dask_snippet.py"], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Array (4000, 1000) (1000, 1000)\n")


def test_readme_speed_block_is_what_grad_runs():
    """The Speed section's code is `derivative_source(..., "gradient", args=...)` for the
    shapes it names, as it says."""
    shown = _block_after("the code `grad` runs is (printed by")
    assert ad.derivative_source(tanh_layer, "gradient", args=(W, X, B)) == shown


def test_readme_command_lines_do_not_need_an_activated_venv():
    """Every command of the command-line block is `.venv/bin/s2s-ad` (a bare `s2s-ad` is
    `command not found` unless .venv is activated), and the export writes outside the clone."""
    block = README.split("## The command line", 1)[1].split("```\n", 2)[1]
    commands = [line for line in block.splitlines() if line.strip()]
    assert commands and all(line.startswith(".venv/bin/s2s-ad ") for line in commands)
    export = next(line for line in commands if " export " in line)
    assert " -o /tmp/" in export
    install = README.split("**Into your own environment**", 1)[1].split("```\n", 2)[1]
    assert "python -m pip install -e" in install and "python -m s2s_ad show" in install


# samples: pictures outside the clone by default, the committed ones refreshed by one target


def test_a_sample_run_without_plot_writes_outside_the_clone(tmp_path):
    before = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "samples", "*.png"],
        capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, str(ROOT / "samples" / "train_mlp.py"), "--steps", "20"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    picture = tmp_path / "s2s_ad_samples" / "mlp.png"
    if "matplotlib is not installed" not in run.stdout:
        assert f"saved {picture}" in run.stdout and picture.is_file()
    after = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "samples", "*.png"],
        capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    assert after == before


def test_make_pictures_refreshes_every_committed_picture():
    run = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "pictures", "jacobians", "mlp"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    for name, script in [("mlp", "train_mlp"), ("model", "train_model"),
                         ("pendulum", "pendulum_fit"), ("jacobians", "jacobians")]:  # fmt: skip
        assert f"samples/{script}.py --plot samples/{name}.png" in run.stdout
        assert (ROOT / "samples" / f"{name}.png").is_file()
    assert "samples/jacobians.py --plot /" in run.stdout  # `make jacobians`: outside the clone
    assert "samples/train_mlp.py --plot /" in run.stdout


def test_the_ssa_form_is_public_api():
    """The tutorial prints it with `s2s_ad.ssa_source`, not from the internal pipeline."""
    from s2s_ad.pipeline import ssa_source

    assert "ssa_source" in ad.__all__
    assert ad.ssa_source(tanh_layer) == ssa_source(tanh_layer)
    assert "_t1 = w @ x" in ad.ssa_source(tanh_layer)
    assert ad.ssa_source(ad.grad(tanh_layer)).startswith("def tanh_layer_grad(")
    tutorial = (Path(__file__).parent.parent / "docs" / "tutorial.md").read_text()
    assert "s2s_ad.pipeline" not in tutorial
