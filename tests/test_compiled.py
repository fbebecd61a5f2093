"""The passes compiled by Cython (setup.py): used where built, never when stale.

`make` builds them in place; `s2s_ad.compiled` imports a module's source instead of its
extension when the source differs from the one it was built from, or when
`S2S_AD_PURE_PYTHON` is set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import s2s_ad
import s2s_ad.compiled
from s2s_ad.compiled import compiled_modules, source_digest

PACKAGE = Path(s2s_ad.__file__).parent

try:
    from s2s_ad._compiled_from import BUILT_FROM
except ImportError:  # (installed with S2S_AD_PURE_PYTHON=1 and never built: nothing to check)
    BUILT_FROM = None

# `make test` sets S2S_AD_COMPILED_EXPECTED=1: there, passes not built fail these tests
if BUILT_FROM is None and os.environ.get("S2S_AD_COMPILED_EXPECTED"):
    raise AssertionError("the passes are not compiled (no s2s_ad/_compiled_from.py): make build")
needs_build = pytest.mark.skipif(BUILT_FROM is None, reason="the passes were not compiled")


def _run(code: str, root: Path, scratch: Path, **env: str) -> str:
    """`code`, as a file in `scratch` (s2s_ad reads its functions' source), run in a fresh
    interpreter importing s2s_ad from `root`; its output."""
    script = scratch / "probe.py"
    script.write_text(textwrap.dedent(code))
    environment = {k: v for k, v in os.environ.items() if k != "S2S_AD_PURE_PYTHON"}
    environment.update(env, PYTHONPATH=str(root))
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=scratch,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


PROBE = """
    import sys

    # (only the package on PYTHONPATH: an editable install's finder would supply what a copy
    # lacks, such as a deleted record, from the clone)
    names = [getattr(f, "__name__", type(f).__name__) for f in sys.meta_path]
    sys.meta_path = [f for f, name in zip(sys.meta_path, names) if "Editable" not in name]

    import numpy as np
    import s2s_ad as ad
    import s2s_ad.ssa.cse, s2s_ad.ssa.lower
    from s2s_ad.compiled import compiled_modules

    def f(x):
        return np.sum(np.sin(x) * x)

    print(ad.grad(f)(np.array([0.5, 1.5])).tolist())
    print(" ".join(compiled_modules()))
    print(s2s_ad.ssa.cse.__file__)
    print(getattr(s2s_ad.ssa.cse, "STALE_MARK", None))
"""


def _probe(root: Path, scratch: Path, **env: str):
    gradient, compiled, cse_file, mark = _run(PROBE, root, scratch, **env).splitlines()
    expected = [np.cos(x) * x + np.sin(x) for x in (0.5, 1.5)]
    assert np.allclose(eval(gradient), expected, rtol=1e-14)
    return set(compiled.split()), cse_file, mark


@needs_build
@pytest.mark.skipif("S2S_AD_PURE_PYTHON" in os.environ, reason="asked to run the source")
def test_every_pass_imported_runs_compiled():
    imported = [name for name in BUILT_FROM if name in sys.modules]
    assert imported, "no compiled pass imported"
    assert set(imported) <= set(compiled_modules()), set(imported) - set(compiled_modules())


@needs_build
def test_the_record_matches_the_sources_beside_it():
    """`make` rebuilt every changed module (else the tests would have run part of the source)."""
    stale = [
        name
        for name, digest in BUILT_FROM.items()
        if source_digest((PACKAGE.parent / (name.replace(".", "/") + ".py")).read_bytes()) != digest
    ]
    assert stale == []


@needs_build
def test_a_changed_source_runs_instead_of_its_stale_extension(tmp_path):
    copy = tmp_path / "s2s_ad"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.c"))
    compiled, cse_file, mark = _probe(tmp_path, tmp_path)
    assert {"s2s_ad.ssa.cse", "s2s_ad.ssa.lower"} <= compiled
    assert mark == "None"

    source = copy / "ssa" / "cse.py"
    source.write_text(source.read_text() + "\nSTALE_MARK = 1\n")  # an edit since the build
    compiled, cse_file, mark = _probe(tmp_path, tmp_path)
    assert "s2s_ad.ssa.cse" not in compiled and "s2s_ad.ssa.lower" in compiled
    assert cse_file == str(source) and mark == "1"


@needs_build
def test_without_the_record_no_extension_is_trusted(tmp_path):
    """A build whose record is lost (deleted, or an old tree's): every pass from source."""
    shutil.copytree(PACKAGE, tmp_path / "s2s_ad", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "s2s_ad" / "_compiled_from.py").unlink()
    compiled, cse_file, _ = _probe(tmp_path, tmp_path)
    assert compiled == set() and cse_file.endswith("cse.py")


@needs_build
@pytest.mark.parametrize("setting", ["", "0", "false", "No"])
def test_a_pure_python_setting_that_says_no_keeps_the_extensions(tmp_path, setting):
    compiled, _, _ = _probe(PACKAGE.parent, tmp_path, S2S_AD_PURE_PYTHON=setting)
    assert "s2s_ad.ssa.cse" in compiled


def test_pure_python_runs_every_pass_from_its_source(tmp_path):
    compiled, cse_file, _ = _probe(PACKAGE.parent, tmp_path, S2S_AD_PURE_PYTHON="1")
    assert compiled == set()
    assert cse_file.endswith("cse.py")


DEEP = """
    import importlib.util, sys
    sys.setrecursionlimit(10_000)  # lets Python compile code nested up to 30,000 levels
    import s2s_ad as ad
    from s2s_ad.errors import UnsupportedSyntaxError

    for terms in (1000, 5200):
        path = f"sum_{terms}.py"
        with open(path, "w") as file:
            file.write("def f(x):\\n    return " + " + ".join(["x"] * terms) + "\\n")
        spec = importlib.util.spec_from_file_location(f"sum_{terms}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        try:
            print(terms, ad.grad(module.f)(0.5))
        except UnsupportedSyntaxError as error:
            print(terms, error.filename.endswith(path), error.line, "nested" in str(error))
"""


@needs_build
@pytest.mark.skipif("S2S_AD_PURE_PYTHON" in os.environ, reason="asked to run the source")
def test_code_nested_past_the_compiled_reach_is_refused_not_crashed(tmp_path):
    """Python compiles a 5,200-term sum once the recursion limit is raised; the compiled
    passes would recurse on the C stack that deep (20,000 crashed the process): past 5,000,
    refused at the line. 1,000 terms (past the pure passes' reach) are differentiated."""
    assert _run(DEEP, PACKAGE.parent, tmp_path).splitlines() == ["1000 1000.0", "5200 True 2 True"]
