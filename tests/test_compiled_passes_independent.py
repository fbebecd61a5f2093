"""Tester 77: the transformation's passes compiled by Cython against the same passes run from
their source (README "The transformation itself, compiled").

Written from the README and issue 19 alone. Every program of `t77_programs_independent.py` is
run in two subprocesses, one with the compiled passes and one with `S2S_AD_PURE_PYTHON=1`; their
values, derivatives (bit for bit), generated sources and errors (type, message, user frames)
must be identical, and the derivatives must match central differences and each other. Then:
deep code, threads, the command line, and the staleness claim (a pass whose `.py` changed since
the build runs from its source) on copies of the package.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
RUNNER = HERE / "t77_programs_independent.py"
PASSES = ("frontend", "ssa", "simplify", "ad", "codegen")


def env_for(pure: bool, **extra) -> dict:
    env = dict(os.environ)
    env.pop("S2S_AD_PURE_PYTHON", None)
    if pure:
        env["S2S_AD_PURE_PYTHON"] = "1"
    env.update(extra)
    return env


def compiled_available() -> bool:
    return any((ROOT / "s2s_ad" / p).glob("*.so") for p in PASSES)


needs_build = pytest.mark.skipif(
    not compiled_available(), reason="the passes are not compiled here (make build)"
)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The runner's pickled results, compiled and from source, run side by side."""
    d = tmp_path_factory.mktemp("t77_runs")
    procs = {}
    for mode in ("compiled", "pure"):
        out = d / f"{mode}.pickle"
        procs[mode] = (
            subprocess.Popen(
                [PY, str(RUNNER), str(out)],
                cwd=ROOT,
                env=env_for(mode == "pure"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            ),
            out,
        )
    loaded = {}
    for mode, (p, out) in procs.items():
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()[-3000:]
        with open(out, "rb") as fh:
            loaded[mode] = pickle.load(fh)
    return loaded


sys.path.insert(0, str(HERE))
import t77_programs_independent as progs  # noqa: E402

CASE_NAMES = sorted(progs.CASES)


def dec(e):
    """Decode the runner's encoding back to numbers (for the numeric checks)."""
    if isinstance(e, tuple) and e:
        tag = e[0]
        if tag == "nd":
            return np.frombuffer(bytes.fromhex(e[3]), dtype=np.dtype(e[1])).reshape(e[2])
        if tag == "np":
            return np.frombuffer(bytes.fromhex(e[2]), dtype=np.dtype(e[1]))[0]
        if tag == "float":
            return float.fromhex(e[1])
        if tag in ("int", "bool"):
            return e[1]
        if tag == "tuple":
            return tuple(dec(v) for v in e[2])
        if tag == "list":
            return [dec(v) for v in e[1]]
        if tag in ("dc", "obj"):
            return {k: dec(v) for k, v in e[2]}
        if tag == "dict":
            return {k: dec(v) for k, v in e[1]}
    return e


def ok(res, key):
    r = res[key]
    assert "ok" in r, f"{key}: {r['error']['type']}: {r['error']['message'][:400]}"
    return dec(r["ok"])


# ------------------------------------------------------------------------------------------
# 1. compiled and source agree exactly


@needs_build
def test_compiled_run_uses_compiled_passes_and_pure_run_none(runs):
    mods = runs["compiled"]["meta"]["compiled_modules"]
    for package in PASSES:
        assert any(m.startswith(f"s2s_ad.{package}.") for m in mods), (package, mods)
    assert runs["pure"]["meta"]["compiled_modules"] == []


@needs_build
@pytest.mark.parametrize("case", CASE_NAMES)
def test_compiled_and_source_give_identical_results(runs, case):
    a = runs["compiled"]["results"][case]
    b = runs["pure"]["results"][case]
    assert sorted(a) == sorted(b)
    diffs = [k for k in a if a[k] != b[k]]
    assert not diffs, {k: (a[k], b[k]) for k in diffs[:3]}


# ------------------------------------------------------------------------------------------
# 2. the numbers themselves (compiled run): central differences, forward = reverse, values


SIMPLE = [
    "while",
    "closure",
    "lambda",
    "comprehension",
    "special",
    "softmax",
    "rosenbrock",
    "local_updates",
    "tuple_helper",
    "nested_continue",
    "helpers",
    "scalar_mix",
    "pendulum",
]


def check_full(res, prefix=""):
    plain = ok(res, prefix + "plain")
    idx = sorted(
        int(k[len(prefix) + 4 :])
        for k in res
        if k.startswith(prefix + "grad") and k[len(prefix) + 4 :].isdigit()
    )
    assert idx, "no gradients computed"
    for i in idx:
        g = ok(res, f"{prefix}grad{i}")
        gf = ok(res, f"{prefix}grad_fwd{i}")
        fd = ok(res, f"{prefix}fd{i}")
        np.testing.assert_allclose(g, fd, rtol=2e-5, atol=2e-6)
        np.testing.assert_allclose(g, gf, rtol=1e-11, atol=1e-12)
        v, g2 = ok(res, f"{prefix}vag{i}")
        assert np.array_equal(v, plain), (v, plain)
        np.testing.assert_allclose(g2, g, rtol=1e-13, atol=1e-14)
        if f"{prefix}hessian{i}" in res:
            h = ok(res, f"{prefix}hessian{i}")
            jg = ok(res, f"{prefix}jacfwd_grad{i}")
            np.testing.assert_allclose(h, jg, rtol=1e-9, atol=1e-10)
    val, tan = ok(res, prefix + "jvp")
    assert np.array_equal(val, plain)
    val2, cot = ok(res, prefix + "vjp")
    assert np.array_equal(val2, plain)
    # jvp with the tangent 0.3 * ones on the differentiated arguments = <grad, 0.3 * ones>
    expected = sum(0.3 * np.sum(ok(res, f"{prefix}grad{i}")) for i in idx)
    np.testing.assert_allclose(tan, expected, rtol=1e-9, atol=1e-10)
    for i in idx:
        np.testing.assert_allclose(cot[i], ok(res, f"{prefix}grad{i}"), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", SIMPLE)
def test_derivatives_match_central_differences_and_each_other(runs, case):
    check_full(runs["compiled"]["results"][case])


def test_loop_break_else_every_exit(runs):
    res = runs["compiled"]["results"]["loop_break_else"]
    for n in (2, 5, 12):
        check_full(res, f"n{n}_")


def test_piecewise_every_arm(runs):
    res = runs["compiled"]["results"]["piecewise"]
    for k in range(6):
        check_full(res, f"x{k}_")


def test_generated_sources_are_produced(runs):
    res = runs["compiled"]["results"]["rosenbrock"]
    for mode in progs.SOURCE_MODES:
        src = ok(res, f"src_{mode}")
        assert "def " in src and "rosenbrock" in src
    assert "rosenbrock" in ok(res, "ssa")


def test_mlp_params_and_model_objects(runs):
    res = runs["compiled"]["results"]["mlp"]
    plain = ok(res, "plain")
    v, _g = ok(res, "vag")
    assert np.array_equal(v, plain)
    g0 = ok(res, "grad")
    np.testing.assert_allclose(g0[0][0][0, 1], ok(res, "fd_W1_01"), rtol=1e-5)
    np.testing.assert_allclose(ok(res, "grad_x"), ok(res, "fd_x"), rtol=1e-5, atol=1e-7)
    h = ok(res, "hess_x")
    np.testing.assert_allclose(h, ok(res, "jacrev_grad_x"), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(h, h.T, rtol=1e-9, atol=1e-11)

    res = runs["compiled"]["results"]["model"]
    gm = ok(res, "grad")
    np.testing.assert_allclose(gm["layers"][0]["b"][2], ok(res, "fd_b0_2"), rtol=1e-5)
    np.testing.assert_allclose(ok(res, "grad_x"), ok(res, "fd_x"), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ok(res, "grad_x"), ok(res, "grad_fwd_x"), rtol=1e-11)


def test_jacobians_all_routes(runs):
    res = runs["compiled"]["results"]["jacobians"]
    fd = ok(res, "fd")
    for key in ("jacfwd", "jacrev", "jacobian_auto", "jacobian_rev"):
        np.testing.assert_allclose(ok(res, key), fd, rtol=1e-6, atol=1e-8)
    J = ok(res, "jacfwd")
    val, tan = ok(res, "jvp")
    assert np.array_equal(val, ok(res, "plain"))
    np.testing.assert_allclose(tan, J @ np.array([1.0, 0.5, -2.0]), rtol=1e-12)
    val, cot = ok(res, "vjp")
    np.testing.assert_allclose(cot[0], np.array([1.0, -1.0, 0.5, 2.0]) @ J, rtol=1e-12)
    _, hv = ok(res, "hvp")
    x = np.array([0.5, 1.2, -0.3])
    H = np.array(
        [
            [1200 * x[0] ** 2 - 400 * x[1] + 2, -400 * x[0], 0],
            [-400 * x[0], 200 + 1200 * x[1] ** 2 - 400 * x[2], -400 * x[1]],
            [0, -400 * x[1], 200],
        ]
    )
    np.testing.assert_allclose(hv, H @ np.array([1.0, 0.0, 2.0]), rtol=1e-12)


ERROR_LINES = {
    "try": "err_try",
    "global": "err_global",
    "yield": "err_yield_gen",
    "recursive": "err_recursive",
    "inplace_arg": "err_inplace_arg",
    "del": "err_del",
    "walrus": "err_walrus",
    "non_scalar": "err_non_scalar",
    "no_rule": "err_no_rule",
    "sqrt_zero": "err_sqrt_zero",
    "class_in_fn": "err_class_in_fn",
    "match": "err_match",
    "nonlocal": "err_nonlocal",
    "complex": "err_complex",
}


@pytest.mark.parametrize("name", sorted(ERROR_LINES))
def test_refusals_are_located_in_the_users_function(runs, name):
    import inspect

    fn = getattr(progs, ERROR_LINES[name])
    lines, start = inspect.getsourcelines(fn)
    res = runs["compiled"]["results"]["errors"]
    r = res[f"{name}_grad"]
    assert "error" in r, r
    msg = r["error"]["message"]
    assert msg.startswith(str(RUNNER) + ":"), msg
    line = int(msg.split(":")[1])
    assert start <= line < start + len(lines), (line, start, msg)
    assert "S2SError" in r["error"]["mro"], r["error"]["mro"]


# ------------------------------------------------------------------------------------------
# 5. deep code, threads (subprocesses: a crash must not take pytest down)


def run_py(code: str, pure: bool = False, timeout=120, cwd=None):
    p = subprocess.run(
        [PY, "-c", textwrap.dedent(code)],
        cwd=cwd or ROOT,
        env=env_for(pure),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return p


DEEP = """
import sys, importlib.util
sys.setrecursionlimit({limit})
import numpy as np
import s2s_ad as ad
path = {path!r}
HEAD = "import numpy as np\\n\\ndef f(x):\\n    y = x * 1.0\\n    return "
open(path, "w").write(HEAD + {expr} + "\\n")
spec = importlib.util.spec_from_file_location("deep_mod", path)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
def run():
    try:
        print("OK", repr(ad.{api}(m.f)(0.3)))
    except Exception as e:
        print("ERR", type(e).__name__, str(e).splitlines()[0])
if {thread}:
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(2) as ex:
        ex.submit(run).result()
else:
    run()
"""


def deep(tmp_path, n, *, limit=1000, api="grad", thread=False, pure=False, kind="sum"):
    exprs = {
        "sum": f'" + ".join("x * %d.0" % (i % 7 + 1) for i in range({n}))',
        "neg": f'"-" * {n} + "x"',
    }
    code = DEEP.format(
        limit=limit,
        path=str(tmp_path / f"deep_{kind}_{n}.py"),
        expr=exprs[kind],
        api=api,
        thread=thread,
    )
    p = run_py(code, pure=pure, timeout=200)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])  # a negative code: a crash
    return p.stdout.strip()


@needs_build
def test_600_term_sum_differentiated_compiled_refused_at_its_line_from_source(tmp_path):
    out = deep(tmp_path, 600)
    assert out == "OK " + repr(float(sum(i % 7 + 1 for i in range(600)))), out
    out = deep(tmp_path, 600, pure=True)
    assert out.startswith(
        "ERR UnsupportedSyntaxError " + str(tmp_path / "deep_sum_600.py") + ":5:"
    ), out


@needs_build
@pytest.mark.parametrize("thread", [False, True])
def test_past_5000_levels_with_raised_limit_refused_at_line_not_crash(tmp_path, thread):
    out = deep(tmp_path, 5200, limit=100_000, thread=thread)
    assert out.startswith(
        "ERR UnsupportedSyntaxError " + str(tmp_path / "deep_sum_5200.py") + ":5:"
    ), out
    out = deep(tmp_path, 5200, limit=100_000, thread=thread, kind="neg")
    assert out.startswith(
        "ERR UnsupportedSyntaxError " + str(tmp_path / "deep_neg_5200.py") + ":5:"
    ), out


@needs_build
def test_4900_levels_in_a_worker_thread_hessian(tmp_path):
    out = deep(tmp_path, 4900, limit=100_000, thread=True, api="hessian")
    assert out == "OK 0.0", out
    out = deep(tmp_path, 4900, limit=100_000, thread=True, api="grad")
    assert out == "OK " + repr(float(sum(i % 7 + 1 for i in range(4900)))), out


ELIF = """
import sys, importlib.util
import numpy as np
import s2s_ad as ad
path = {path!r}
arms = "".join("    elif x < %d.5:\\n        y = x * %d.0\\n" % (i, i + 1) for i in range({n}))
open(path, "w").write("import math\\n\\ndef f(x):\\n    if x < -1.0:\\n        y = -x\\n" + arms
                      + "    else:\\n        y = x * x\\n    return y * math.sin(x)\\n")
spec = importlib.util.spec_from_file_location("elif_mod", path)
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
for api in ("grad", "hessian"):
    for x in (0.3, {n} - 0.2):
        try:
            print("OK", api, repr(getattr(ad, api)(m.f)(x)))
        except Exception as e:
            print("ERR", api, type(e).__name__, str(e).splitlines()[0])
try:
    print("SRC", len(ad.derivative_source(m.f)))
except Exception as e:
    print("ERR src", type(e).__name__, str(e).splitlines()[0])
"""


@needs_build
@pytest.mark.parametrize("n", [40, 120])
def test_long_elif_chain_same_compiled_and_source(tmp_path, n):
    code = ELIF.format(path=str(tmp_path / f"elif_{n}.py"), n=n)
    outs = []
    for pure in (False, True):
        p = run_py(code, pure=pure)
        assert p.returncode == 0, p.stderr[-2000:]
        outs.append(p.stdout)
    assert outs[0] == outs[1]
    if n == 40:
        assert "ERR" not in outs[0], outs[0]


THREADS = """
import numpy as np, math
import s2s_ad as ad
import sys
sys.path.insert(0, {here!r})
import t77_programs_independent as P
from concurrent.futures import ThreadPoolExecutor
jobs = [
    (P.rosenbrock, (np.array([0.5, 1.2, -0.3, 0.8]),)),
    (P.special_loss, (np.array([0.3, 1.7, 2.5]),)),
    (P.comprehension_loss, (np.array([0.4, -1.2, 0.9, 2.0]),)),
    (P.local_updates, (np.array([0.9, 0.2, -0.4, 0.3]),)),
    (P.while_newton, (2.3,)),
    (P.piecewise, (0.7,)),
    (P.nested_loops_continue, (np.array([0.1, -0.5, 0.9]),)),
    (P.closure_loss, (np.array([0.2, -0.4, 1.1]),)),
    (P.tuple_return_helper, (np.array([0.1, -0.5, 0.9, 1.3]),)),
    (P.softmax_xent, (np.linspace(-1, 1, 12).reshape(4, 3), np.eye(3)[[0, 2, 1, 1]])),
]
def one(job):
    f, args = job
    return (P.enc(ad.value_and_grad(f)(*args)), P.enc(ad.hessian(f)(*args)),
            ad.derivative_source(f, "gradient", args=args))
if {threaded}:
    with ThreadPoolExecutor(8) as ex:
        out = list(ex.map(one, jobs))
else:
    out = [one(j) for j in jobs]
import pickle
sys.stdout.buffer.write(pickle.dumps(out))
"""


@needs_build
def test_threads_making_gradients_of_different_functions_at_once():
    outs = []
    for threaded, pure in ((True, False), (False, False), (False, True)):
        p = subprocess.run(
            [PY, "-c", THREADS.format(here=str(HERE), threaded=threaded)],
            cwd=ROOT,
            env=env_for(pure),
            capture_output=True,
            timeout=200,
        )
        assert p.returncode == 0, p.stderr.decode()[-2000:]
        outs.append(pickle.loads(p.stdout))
    assert outs[0] == outs[1]
    assert outs[1] == outs[2]


# ------------------------------------------------------------------------------------------
# the command line, compiled and from source


CLI_RUNS = [
    ["show", "tests/t77_programs_independent.py:rosenbrock"],
    ["show", "tests/t77_programs_independent.py:piecewise", "--mode", "forward"],
    ["show", "tests/t77_programs_independent.py:helpers_loss", "--stage", "ssa"],
    ["show", "tests/t77_programs_independent.py:loop_break_else", "--stage", "adjoint"],
    ["show", "tests/t77_programs_independent.py:scalar_mix", "--args", "1.3", "0.7"],
    ["show", "tests/t77_programs_independent.py:err_try"],
    ["show", "tests/t77_programs_independent.py:err_no_rule", "--args", "np.ones(2)"],
    [
        "check",
        "tests/t77_programs_independent.py:rosenbrock",
        "--args",
        "np.array([0.5, 1.2, -0.3])",
    ],
]


@needs_build
@pytest.mark.parametrize(
    "argv", CLI_RUNS, ids=lambda a: "-".join(a[:1] + a[1].split(":")[1:] + a[2:3])
)
def test_cli_same_output_compiled_and_source(argv):
    outs = []
    for pure in (False, True):
        p = subprocess.run(
            [PY, "-m", "s2s_ad", *argv],
            cwd=ROOT,
            env=env_for(pure),
            capture_output=True,
            text=True,
            timeout=120,
        )
        outs.append((p.returncode, p.stdout, p.stderr))
    assert outs[0] == outs[1]
    rc, out, err = outs[0]
    if "err_" in argv[1]:
        assert rc == 2 and len(err.strip().splitlines()) == 1, (rc, err)
        assert "t77_programs_independent.py:" in err
    elif argv[0] == "show":
        assert rc == 0 and "def " in out, (rc, err)
    else:
        assert rc == 0 and "checks passed" in out, (rc, out, err)


# ------------------------------------------------------------------------------------------
# 3. staleness: a pass whose .py changed since the build runs from its source


PROBE = """
import importlib, sys
# only the copy on PYTHONPATH: drop the clone's editable-install finder, which would otherwise
# resolve a module missing from the copy (such as s2s_ad._compiled_from) in the clone
sys.meta_path = [
    f for f in sys.meta_path
    if "editable" not in getattr(f, "__name__", type(f).__name__).lower()
]
import numpy as np
import s2s_ad as ad
import s2s_ad.compiled as c
def f(x):
    return np.sum(np.sin(x) * x)
g = ad.grad(f)(np.array([0.5, 1.0]))
m = importlib.import_module({module!r})
print(repr((m.__file__.endswith(".py"), getattr(m, "T77_MARK", None),
            {module!r} in c.compiled_modules(), g.tolist())))
"""


def copy_package(tmp_path) -> Path:
    dst = tmp_path / "pkg"
    shutil.copytree(
        ROOT / "s2s_ad", dst / "s2s_ad", ignore=shutil.ignore_patterns("*.c", "__pycache__")
    )
    return dst


def probe_script(pkg: Path, module: str) -> str:
    script = pkg.parent / f"probe_{module.replace('.', '_')}.py"
    script.write_text(PROBE.format(module=module))
    return str(script)


def probe(pkg: Path, module: str, pure=False, cwd=None):
    env = env_for(pure, PYTHONPATH=str(pkg))
    p = subprocess.run(
        [PY, probe_script(pkg, module)],
        cwd=cwd or pkg.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    return eval(p.stdout.strip().splitlines()[-1])


GRAD = [0.5 * np.cos(0.5) + np.sin(0.5), np.cos(1.0) + np.sin(1.0)]


@needs_build
@pytest.mark.parametrize(
    "module",
    [
        "s2s_ad.codegen.emit",
        "s2s_ad.simplify.dead_code",
        "s2s_ad.ad.reverse",
        "s2s_ad.frontend.parse",
        "s2s_ad.ssa.lower",
    ],
)
def test_edited_pass_runs_from_source_then_compiled_again_when_restored(tmp_path, module):
    pkg = copy_package(tmp_path)
    path = pkg / (module.replace(".", "/") + ".py")
    if not path.exists():
        pytest.skip(f"{module} not in this version")
    original = path.read_bytes()
    is_py, mark, compiled, g = probe(pkg, module)
    assert (is_py, mark, compiled) == (False, None, True)
    np.testing.assert_allclose(g, GRAD, rtol=1e-14)
    path.write_bytes(original + b'\nT77_MARK = "edited"\n')  # an edit
    is_py, mark, compiled, g = probe(pkg, module)
    assert (is_py, mark, compiled) == (True, "edited", False)
    np.testing.assert_allclose(g, GRAD, rtol=1e-14)
    path.write_bytes(original)  # restored (as `git checkout` of the file would)
    is_py, mark, compiled, g = probe(pkg, module)
    assert (is_py, mark, compiled) == (False, None, True)


@needs_build
def test_touch_keeps_the_compiled_pass_and_pure_env_ignores_it(tmp_path):
    pkg = copy_package(tmp_path)
    path = pkg / "s2s_ad/codegen/emit.py"
    os.utime(path, None)
    assert probe(pkg, "s2s_ad.codegen.emit")[:3] == (False, None, True)
    assert probe(pkg, "s2s_ad.codegen.emit", pure=True)[:3] == (True, None, False)


@needs_build
def test_an_edit_that_breaks_the_pass_is_seen_not_hidden_by_the_build(tmp_path):
    pkg = copy_package(tmp_path)
    path = pkg / "s2s_ad/simplify/dead_code.py"
    path.write_bytes(path.read_bytes() + b'\nraise ImportError("T77: edited dead_code")\n')
    p = subprocess.run(
        [PY, probe_script(pkg, "s2s_ad.simplify.dead_code")],
        cwd=pkg.parent,
        env=env_for(False, PYTHONPATH=str(pkg)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode != 0 and "T77: edited dead_code" in p.stderr, (p.stdout, p.stderr[-1500:])


@needs_build
def test_git_checkout_of_an_older_pass_runs_that_source(tmp_path):
    rel = "s2s_ad/codegen/emit.py"
    log = subprocess.run(
        ["git", "log", "--format=%H", "-n", "3", "--", rel],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    head = (ROOT / rel).read_bytes()
    older = None
    for commit in log[1:]:
        blob = subprocess.run(
            ["git", "show", f"{commit}:{rel}"], cwd=ROOT, capture_output=True
        ).stdout
        if blob and blob != head:
            older = blob
            break
    if older is None:
        pytest.skip("no older version of emit.py")
    pkg = copy_package(tmp_path)
    (pkg / rel).write_bytes(older + b'\nT77_MARK = "older"\n')
    is_py, mark, compiled, g = probe(pkg, "s2s_ad.codegen.emit")
    assert (is_py, mark, compiled) == (True, "older", False)
    np.testing.assert_allclose(g, GRAD, rtol=1e-14)


@needs_build
def test_failed_rebuild_after_an_edit_does_not_run_the_stale_extension(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy2(ROOT / "setup.py", repo / "setup.py")
    shutil.copy2(ROOT / "pyproject.toml", repo / "pyproject.toml")
    shutil.copytree(ROOT / "s2s_ad", repo / "s2s_ad", ignore=shutil.ignore_patterns("__pycache__"))
    path = repo / "s2s_ad/codegen/primal_lines.py"
    path.write_bytes(path.read_bytes() + b'\nT77_MARK = "edited"\n')
    b = subprocess.run(
        [PY, "setup.py", "--quiet", "build_ext", "--inplace"],
        cwd=repo,
        env=env_for(False, CC="false"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert b.returncode == 0, b.stderr[-2000:]
    is_py, mark, compiled, _g = probe(repo, "s2s_ad.codegen.primal_lines", cwd=tmp_path)
    assert (is_py, mark, compiled) == (True, "edited", False)
