"""Byte-identical generated code, before and after a change to the transformation.

A pytest plugin records every source the pipeline produces while tests run (each compiled
derivative's source, each `to_source` of a derivative tree, each rendered SSA form), per
test, in order; `compare` says whether two recordings are the same, byte for byte.

Record in each tree (same test files, same order, no xdist so caches fill the same way):

    cd /work/main && PYTHONPATH=/work/wt-speed/benchmarks GENERATED_SOURCES=/tmp/before.jsonl \
        .venv/bin/python -m pytest -p generated_sources -p no:xdist -p no:cacheprovider \
        -q tests/test_golden.py ...
    cd <worktree> && (the same with GENERATED_SOURCES=/tmp/after.jsonl)
    python benchmarks/generated_sources.py /tmp/before.jsonl /tmp/after.jsonl

Quicker, without running tests (every mode of the functions of some test modules):

    cd /work/main && .venv/bin/python <worktree>/benchmarks/generated_sources.py dump /tmp/b.jsonl
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

_CURRENT = ["<collection>"]
_RECORDS: list[dict] = []


def _normalise(text: str, root: str) -> str:
    """Paths that differ between trees or runs: the tree's root, temporary files, ids."""
    text = text.replace(root, "<root>")
    text = re.sub(r"/tmp/[\w./-]*", "<tmp>", text)
    return re.sub(r"0x[0-9a-f]{6,}", "0x?", text)


def _wrap(module, name: str, kind: str, root: str) -> None:
    original = getattr(module, name)

    def recording(*args, **kwargs):
        result = original(*args, **kwargs)
        if kind == "compiled":
            source, label = args[0], args[4]
        else:
            source, label = result, ""
        _RECORDS.append(
            {
                "test": _CURRENT[0],
                "kind": kind,
                "label": _normalise(label, root),
                "source": _normalise(source, root),
            }
        )
        return result

    setattr(module, name, recording)


def pytest_configure(config) -> None:
    from s2s_ad import pipeline

    root = str(Path(pipeline.__file__).resolve().parents[1])
    _wrap(pipeline, "compile_function", "compiled", root)
    _wrap(pipeline, "to_source", "to_source", root)
    _wrap(pipeline, "render_function", "ssa", root)


def pytest_runtest_setup(item) -> None:
    _CURRENT[0] = item.nodeid


def pytest_unconfigure(config) -> None:
    out = os.environ.get("GENERATED_SOURCES")
    if out:
        with open(out, "w") as f:
            for record in _RECORDS:
                f.write(json.dumps(record) + "\n")


def compare(before: str, after: str) -> int:
    """0 when the two recordings hold the same sources in the same order, else 1 (the
    first differences printed)."""
    a = [json.loads(line) for line in Path(before).read_text().splitlines()]
    b = [json.loads(line) for line in Path(after).read_text().splitlines()]
    shown = 0
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y and shown < 3:
            shown += 1
            print(f"record {k} differs: {x['test']} / {y['test']} ({x['label']})")
            import difflib

            diff = difflib.unified_diff(
                x["source"].splitlines(), y["source"].splitlines(), lineterm=""
            )
            print("\n".join(list(diff)[:40]))
    same = a == b
    print(f"{len(a)} vs {len(b)} records; {'IDENTICAL' if same else 'DIFFERENT'}")
    print(f"{sum(len(r['source']) for r in a)} characters of generated source compared")
    return 0 if same else 1


MODULES = [
    "golden_functions",
    "test_hessian_loops",
    "independent_programs",
    "test_issue17_programs",
    "test_loop_exits",
]
MODES = ["reverse", "forward", "vector", "gradient", "hessian"]


def dump(out: str) -> None:
    """The quick recording, without running tests: every mode's source of every function
    defined at the top of the test modules in `MODULES` (or the error it raises), run from
    the tree whose code is to be recorded."""
    import importlib
    import inspect
    import warnings

    root = Path.cwd()
    sys.path[:0] = [str(root), str(root / "tests")]
    import s2s_ad as ad

    assert Path(ad.__file__).resolve().is_relative_to(root.resolve()), ad.__file__
    warnings.simplefilter("ignore")
    with open(out, "w") as f:
        for module_name in MODULES:
            module = importlib.import_module(module_name)
            for name, fn in sorted(vars(module).items()):
                if not inspect.isfunction(fn) or fn.__module__ != module_name:
                    continue
                if name.startswith("test") or name.startswith("_"):
                    continue
                for mode in MODES:
                    try:
                        text = ad.derivative_source(fn, mode=mode)
                    except Exception as exc:  # the refusal is recorded too
                        text = f"{type(exc).__name__}: {exc}"
                    record = {"test": f"{module_name}.{name}", "kind": mode, "label": ""}
                    record["source"] = _normalise(text, str(root))
                    f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[1], sys.argv[2]))
