"""How the cost of transforming a function grows with its length: 10, 100 and 1,000 lines.

Run: `.venv/bin/python benchmarks/transform_cost.py` (or `make bench-transform`). Each
function is a fresh module (so nothing is cached), mixing elementwise calls, arithmetic,
a reduction and a branch; "cold" is the first `grad` call (parse, lower, differentiate,
emit, compile, then run), "cached" a later call, "cold cpu" the first call's processor time
(steadier than the wall clock on a shared machine). Best of 3.

`--calls`: the Python function calls one transformation makes instead (counted by cProfile),
a measure a loaded machine does not disturb, for comparing two versions side by side.

The passes run compiled where `make` built them (Cython, setup.py); `S2S_AD_PURE_PYTHON=1`
runs their source, to compare the two in one run.

`--one-line-sums`: the first `grad` of sums of 250 to 2,000 terms written on one line.

`--second-order`: the first call of `hessian`, `jacfwd(grad(f))` and `jacrev(grad(f))`
(each on a fresh function, so none reuses another's code: every transformation it makes, from
the lowering on), processor time, and a later call of each (best of 20), at 25 and 100 lines.
"""

from __future__ import annotations

import cProfile
import importlib.util
import pstats
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import s2s_ad as ad
from s2s_ad.compiled import compiled_modules

LINES = ["a = np.sin(x) * b + c", "b = np.tanh(a - 0.5 * c)", "c = a * b + np.exp(-c * c)"]


def source(n: int, name: str) -> str:
    body = ["    a = x * 1.0", "    b = x * 2.0", "    c = x * 3.0"]
    for k in range(n - 4):
        if k % 25 == 24:
            body.append(
                "    if np.sum(a) > 0.0:\n        a = a * 0.5\n    else:\n        a = a + 0.1"
            )
        else:
            body.append("    " + LINES[k % len(LINES)])
    body.append("    return np.sum(a + b + c)")
    return f"import numpy as np\n\n\ndef {name}(x):\n" + "\n".join(body) + "\n"


def fresh_function(n: int, directory: Path, tag: str):
    name = f"f{n}_{tag}"
    path = directory / f"{name}.py"
    path.write_text(source(n, name))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def count_calls(directory: Path, x: np.ndarray) -> None:
    print(f"{'lines':>6} {'calls':>12}")
    for n in [10, 100, 1000]:
        gradient = ad.grad(fresh_function(n, directory, "calls"))
        profile = cProfile.Profile()
        profile.runcall(gradient, x)
        print(f"{n:>6} {pstats.Stats(profile).total_calls:>12,}")


SECOND_ORDER = {
    "hessian": ad.hessian,
    "jacfwd(grad)": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev(grad)": lambda f: ad.jacrev(ad.grad(f)),
}


def one_line_sums(directory: Path) -> None:
    """The first `grad` of `c1 * x + c2 * x + …` written on one line, processor time: the
    adjoint's chain of constants is folded in one round of the passes (linear in the terms)."""
    print(f"{'terms':>6} {'first call cpu ms':>18} {'ms / term':>10}")
    for terms in [250, 500, 1000, 2000]:
        name = f"sum{terms}"
        path = directory / f"{name}.py"
        body = " + ".join(f"{k % 5 + 1}.0 * x" for k in range(terms))
        path.write_text(f"def {name}(x):\n    return {body}\n")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cpu = time.process_time()
        ad.grad(getattr(module, name))(0.5)
        spent = time.process_time() - cpu
        print(f"{terms:>6} {spent * 1e3:>18.1f} {spent * 1e3 / terms:>10.3f}")


def second_order(directory: Path, x: np.ndarray) -> None:
    ad.jacrev(ad.grad(fresh_function(10, directory, "warm2")))(x)  # first-use costs
    print(f"{'lines':>6} {'API':>14} {'first call cpu ms':>18} {'later call ms':>14}")
    for n in [25, 100]:
        for label, api in SECOND_ORDER.items():
            made = api(fresh_function(n, directory, f"s{len(label)}_{label[3:6]}"))
            cpu = time.process_time()
            made(x)
            first = time.process_time() - cpu
            later = []
            for _ in range(20):
                start = time.perf_counter()
                made(x)
                later.append(time.perf_counter() - start)
            print(f"{n:>6} {label:>14} {first * 1e3:>18.1f} {min(later) * 1e3:>14.3f}")


def _passes_compiled() -> str:
    try:
        from s2s_ad._compiled_from import BUILT_FROM
    except ImportError:
        return "the passes are not compiled (not built)"
    imported = [name for name in BUILT_FROM if name in sys.modules]
    running = len(set(imported) & set(compiled_modules()))
    return f"{running} of the {len(imported)} passes imported run compiled"


def main() -> None:
    x = np.linspace(0.1, 0.9, 8)
    directory = Path(tempfile.mkdtemp(prefix="s2s_transform_"))
    ad.grad(fresh_function(10, directory, "warm"))(x)  # imports and first-use costs: not timed
    if "--calls" in sys.argv[1:]:
        count_calls(directory, x)
        return
    if "--second-order" in sys.argv[1:]:
        second_order(directory, x)
        return
    if "--one-line-sums" in sys.argv[1:]:
        one_line_sums(directory)
        return
    # (the interpreter's build matters: Debian's runs it in 11 % fewer instructions than pyenv's)
    print(f"Python {sys.version.split()[0]} at {sys.executable}")
    # (`make` compiles the passes with Cython; S2S_AD_PURE_PYTHON=1 runs their source instead)
    print(_passes_compiled())
    print(
        f"{'lines':>6} {'cold ms':>9} {'cold cpu ms':>12} {'cached ms':>10} {'cold ms / line':>15}"
    )
    for n in [10, 100, 1000]:
        colds, cpus, cached = [], [], []
        for trial in range(3):
            fn = fresh_function(n, directory, f"t{trial}")
            gradient = ad.grad(fn)
            start, cpu = time.perf_counter(), time.process_time()
            gradient(x)
            colds.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            start = time.perf_counter()
            gradient(x)
            cached.append(time.perf_counter() - start)
        cold, cpu, warm = min(colds), min(cpus), min(cached)
        figures = f"{cold * 1e3:>9.1f} {cpu * 1e3:>12.1f} {warm * 1e3:>10.3f}"
        print(f"{n:>6} {figures} {cold * 1e3 / n:>15.3f}")


if __name__ == "__main__":
    main()
