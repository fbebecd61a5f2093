"""Source-finding edges, located errors and primal comments, by an independent tester.

Written from the README and issue 19 alone (s2s_ad's code and tests unread). The programs
are in tests/source_edges_programs_independent.py; files that must be edited, or written
with CRLF, tabs or other encodings, are made in temporary folders here.
"""

import ast
import importlib
import inspect
import re
import subprocess
import sys
import textwrap
import uuid
import warnings
from pathlib import Path

import numpy as np
import pytest

import s2s_ad as ad
from tests import source_edges_programs_independent as P

PROGRAMS_FILE = Path(P.__file__).resolve()
ROOT = PROGRAMS_FILE.parent.parent


def _arg(kind):
    return np.array(P.X3) if kind == "v" else np.array(P.M23) / 7.0


def _central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


GOOD = sorted(P.GOOD)


# ------------------------------------------------------------------ derivatives are right


@pytest.mark.parametrize("name", GOOD)
def test_gradient_matches_differences_and_modes(name):
    f = getattr(P, name)
    x = _arg(P.GOOD[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = f(x)
        value_r, g_r = ad.value_and_grad(f)(x)
        value_f, g_f = ad.value_and_grad(f, mode="forward")(x)
        g_plain = ad.grad(f)(x)
    assert value_r == plain and value_f == plain
    np.testing.assert_allclose(g_r, g_plain, rtol=1e-13, atol=0)
    np.testing.assert_allclose(g_f, g_r, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g_r, _central(f, x), rtol=1e-5, atol=1e-6)
    # jvp along a direction equals <grad, v>
    v = np.linspace(0.5, -0.25, x.size).reshape(x.shape)
    out, tangent = ad.jvp(f, (x,), (v,))
    assert out == plain
    np.testing.assert_allclose(tangent, np.sum(g_r * v), rtol=1e-10, atol=1e-12)


def test_methods_and_class_functions():
    x = _arg("v")
    m = P.Model(0.5)
    for f, ref in [
        (m.loss, lambda z: np.sum(np.tanh(z * 0.5) ** 2)),
        (P.Model.static_loss, lambda z: np.sum(np.exp(z) * 0.5)),
        (P.Model.class_loss, lambda z: np.sum(z**4)),
    ]:
        g = ad.grad(f)(x)
        np.testing.assert_allclose(g, _central(ref, x), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(ad.grad(f, mode="forward")(x), g, rtol=1e-12)


def test_adjacent_functions_are_not_mixed():
    x = _arg("v")
    np.testing.assert_array_equal(ad.grad(P.adjacent_a)(x), np.full(3, 5.0))
    np.testing.assert_allclose(ad.grad(P.adjacent_b)(x), 7.0 + 2 * x, rtol=1e-14)
    src = ad.derivative_source(P.adjacent_a)
    assert "7.0" not in src and "5.0" in src


# ------------------------------------------------------------------ the shown code


def _comments(src):
    out = []
    for line in src.splitlines():
        m = re.match(r"^\s*# (.*)$", line)
        if m and m.group(1) not in ("forward sweep", "reverse sweep"):
            out.append(m.group(1))
    return out


def _check_comments(src, user_src):
    user_consts = {
        repr(c.value) for c in ast.walk(ast.parse(user_src)) if isinstance(c, ast.Constant)
    }
    for text in _comments(src):
        body = text + ("\n    pass" if text.endswith(":") else "")
        tree = ast.parse(body)  # every comment is a statement or a header
        assert ast.unparse(tree.body[0]).split("\n")[0] == text, text
        # a literal in a comment is the user's literal (or a small one of desugaring)
        for c in ast.walk(tree):
            if (
                isinstance(c, ast.Constant)
                and isinstance(c.value, (float, str))
                and not isinstance(c.value, bool)
            ):
                if c.value in (0.0, 1.0, 2.0, 0.5, -1.0):
                    continue
                assert repr(c.value) in user_consts or isinstance(c.value, float), (text, c.value)


def _user_source(f):
    return textwrap.dedent(inspect.getsource(f)) if f.__name__ != "<lambda>" else "x = 0"


MODES = ["reverse", "forward", "gradient", "vector"]


@pytest.mark.parametrize("name", GOOD)
def test_shown_code_compiles_and_comments_are_statements(name):
    f = getattr(P, name)
    x = _arg(P.GOOD[name])
    for mode in MODES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            src = ad.derivative_source(f, mode, args=(x,) if mode == "gradient" else None)
        compile(src, f"<{name} {mode}>", "exec")
        _check_comments(src, _user_source(f) if f.__name__ != "<lambda>" else "x = 0")


def _function_body(src, fname):
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == fname:
            return node
    raise AssertionError(fname)


def test_literal_comments_name_the_literals():
    src = ad.derivative_source(P.literals)
    comments = _comments(src)
    for needed in [
        "a = x * -0.0",
        "b = x * 1e-300",
        "c = x * 1e+16",
        "d = x + 12345678901234567890123",
        "k = np.clip(x, a_min=-5.0, a_max=5.0)",
        "h = x * True",
    ]:
        assert needed in comments, (needed, comments)
    # the forward sweep holds the string exactly
    ns = {}
    fwd = _function_body(src, "literals_vjp")
    strings = [
        c.value for c in ast.walk(fwd) if isinstance(c, ast.Constant) and isinstance(c.value, str)
    ]
    assert "a 'quoted' \"string\"\n" in strings
    del ns


def test_method_attribute_comments():
    comments = _comments(ad.derivative_source(P.methods_attrs))
    assert "m = x.sum(axis=0)" in comments
    assert "n = np.linalg.norm(x)" in comments
    assert any("np.pi" in c for c in comments)
    assert any(".T" in c for c in comments) or any(
        "np.transpose" in c or "_t" in c for c in comments
    )


def _cli(*args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "s2s_ad", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TERM": "dumb"},
    )


@pytest.mark.parametrize(
    "name,extra",
    [
        ("dec_stacked", ["--mode", "reverse"]),
        ("literals", ["--mode", "forward"]),
        ("one_liner", ["--args", "np.array([0.3, -0.7, 1.2])"]),
        ("ends_multiline_return", ["--mode", "reverse"]),
    ],
)
def test_cli_show_compiles(name, extra):
    r = _cli("show", f"{PROGRAMS_FILE}:{name}", *extra)
    assert r.returncode == 0, r.stderr
    out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout)
    compile(out, name, "exec")
    _check_comments(out, _user_source(getattr(P, name)))


def test_cli_show_error_names_the_line():
    line = _marked(P.err_walrus_decorated)
    r = _cli("show", f"{PROGRAMS_FILE}:err_walrus_decorated")
    assert r.returncode == 2
    text = (r.stdout + r.stderr).strip()
    assert len(text.splitlines()) == 1, text
    assert f"source_edges_programs_independent.py:{line[0]}" in text


@pytest.mark.parametrize(
    "name", ["dec_stacked", "literals", "one_liner", "ends_pass", "float_inf_nan"]
)
def test_export_runs_and_matches(name, tmp_path):
    out = tmp_path / f"{name}_exp.py"
    r = _cli("export", f"{PROGRAMS_FILE}:{name}", "-o", str(out))
    assert r.returncode == 0, r.stderr
    compile(out.read_text(), str(out), "exec")
    spec = importlib.util.spec_from_file_location(f"exp_{name}", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x = _arg("v")
    value, grad = getattr(mod, f"{name}_value_and_grad")(x)
    ev, eg = ad.value_and_grad(getattr(P, name))(x)
    assert value == ev
    np.testing.assert_allclose(grad, eg, rtol=1e-14, atol=0)


# ------------------------------------------------------------------ located errors


def _marked(f):
    lines, start = inspect.getsourcelines(f)
    return [start + i for i, text in enumerate(lines) if "# <- here" in text]


def _line_of(err):
    m = re.search(r"source_edges_programs_independent\.py:(\d+)", str(err))
    return int(m.group(1)) if m else None


ERR_STATIC = [
    "err_walrus_decorated",
    "err_del_before_pass",
    "err_one_liner",
    "err_global_end",
    "err_multiline_return",
    "err_nested_def_end",
    "err_semicolon",
    "err_yield_end",
    "err_match_end",
    "err_backslash",
    "err_after_unicode",
    "err_in_lambda",
]


def _resolve(name):
    if name == "method_err":
        return P.Holder().method_err
    if name == "static_err":
        return P.Holder.static_err
    return getattr(P, name)


@pytest.mark.parametrize("name", [*ERR_STATIC, "method_err", "static_err"])
@pytest.mark.parametrize("api", ["grad", "forward", "source", "hessian"])
def test_refusal_names_the_line(name, api):
    f = _resolve(name)
    x = _arg("v")
    with pytest.raises(ad.S2SError) as info:
        if api == "grad":
            ad.grad(f)(x)
        elif api == "forward":
            ad.grad(f, mode="forward")(x)
        elif api == "source":
            ad.derivative_source(f)
        else:
            ad.hessian(f)(x)
    assert _line_of(info.value) in _marked(f), str(info.value)


RUNTIME = {
    "rt_sqrt_end": (1.0,),
    "rt_log_decorated": (1.5,),
    "rt_asin_one_liner": (1.0,),
    "rt_sqrt_in_loop": (2.0,),
    "rt_shapes": (np.array(P.X3), np.ones((2, 4))),
}


@pytest.mark.parametrize("name", sorted(RUNTIME))
@pytest.mark.parametrize("api", ["grad", "forward", "value_and_grad"])
def test_runtime_failure_names_the_line(name, api):
    f = getattr(P, name)
    args = RUNTIME[name]
    with pytest.raises(Exception) as info:
        if api == "grad":
            ad.grad(f)(*args)
        elif api == "forward":
            ad.grad(f, mode="forward")(*args)
        else:
            ad.value_and_grad(f)(*args)
    expected = _marked(f)
    if name == "rt_sqrt_end":  # a statement on two lines: either line is the statement's
        expected = [expected[0] - 1, expected[0]]
    assert _line_of(info.value) in expected, str(info.value)


# ------------------------------------------------------------------ files of other shapes


def _module(tmp_path, text, raw=None):
    name = f"srcedge_{uuid.uuid4().hex[:10]}"
    path = tmp_path / f"{name}.py"
    path.write_bytes(raw if raw is not None else text.encode())
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.invalidate_caches()
        return importlib.import_module(name), path
    finally:
        sys.path.remove(str(tmp_path))


BODY = """import numpy as np
import math


def f(x):
    y = x * 2.0
    return np.sum(y * y)


def g(x):
    return np.sum(
        x ** 3
    )


def bad(x):
    y = x * 2.0
    return np.sum((w := y))


def sq(x):
    return math.sqrt(x - 1.0) * 2.0
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("indent", ["    ", "\t"])
def test_line_endings_and_tabs(tmp_path, newline, indent):
    text = BODY.replace("    ", indent).replace("\n", newline)
    mod, path = _module(tmp_path, text)
    x = _arg("v")
    np.testing.assert_allclose(ad.grad(mod.f)(x), 8 * x, rtol=1e-14)
    np.testing.assert_allclose(ad.grad(mod.g, mode="forward")(x), 3 * x**2, rtol=1e-14)
    with pytest.raises(ad.S2SError) as info:
        ad.grad(mod.bad)(x)
    assert f"{path.name}:18" in str(info.value)
    with pytest.raises(Exception) as info:
        ad.grad(mod.sq)(1.0)
    assert f"{path.name}:22" in str(info.value)


def test_bom_and_latin1(tmp_path):
    mod, _ = _module(tmp_path, "\ufeff" + BODY)
    np.testing.assert_allclose(ad.grad(mod.f)(_arg("v")), 8 * _arg("v"))
    raw = ("# -*- coding: latin-1 -*-\n" + BODY.replace("y = x * 2.0", "y = x * 2.0  # é")).encode(
        "latin-1"
    )
    mod, path = _module(tmp_path, None, raw=raw)
    np.testing.assert_allclose(ad.grad(mod.f)(_arg("v")), 8 * _arg("v"))
    with pytest.raises(ad.S2SError) as info:
        ad.grad(mod.bad)(_arg("v"))
    assert f"{path.name}:19" in str(info.value)


def test_trailing_dead_code_after_return(tmp_path):
    # dead code after a return: either refused at its line or the right derivative
    text = "import numpy as np\n\n\ndef f(x):\n    y = x * 2.0\n    return np.sum(y)\n    del y\n"
    mod, path = _module(tmp_path, text)
    try:
        g = ad.grad(mod.f)(_arg("v"))
    except ad.S2SError as e:
        assert f"{path.name}:7" in str(e)
    else:
        np.testing.assert_array_equal(g, np.full(3, 2.0))


# ------------------------------------------------------------------ edited after import

H = "import numpy as np\n\n"


def _message(err):
    """The error's text without its file name (tmp_path holds the test's name)."""
    return re.sub(r"\S*\.py:\d+:?", "FILE", str(err))


def _edited(tmp_path, before, after):
    mod, path = _module(tmp_path, H + before)
    path.write_text(H + after)
    return mod


def _refused_or_right(f, x):
    plain = f(x)
    try:
        value, g = ad.value_and_grad(f)(x)
    except ad.S2SError as e:
        assert "edited" in _message(e), str(e)
        return
    assert value == plain
    np.testing.assert_allclose(g, _central(f, x), rtol=1e-6, atol=1e-8)


EDITS = {
    "constant": pytest.param(
        "def f(x):\n    return np.sum(x * 2.0)\n", "def f(x):\n    return np.sum(x * 3.0)\n"
    ),
    "function": pytest.param(
        "def f(x):\n    return np.sum(np.sin(x))\n", "def f(x):\n    return np.sum(np.cos(x))\n"
    ),
    "line_added": pytest.param(
        "def f(x):\n    y = x * x\n    return np.sum(y)\n",
        "def f(x):\n    y = x * x\n    y = y * y\n    return np.sum(y)\n",
    ),
    "shorter": pytest.param(
        "def f(x):\n    y = x * 2.0\n    return np.sum(y)\n",
        "def f(x):\n    return np.sum(x * 5.0)\n",
    ),
    "comment_only": pytest.param(
        "def f(x):\n    return np.sum(x * 2.0)\n", "def f(x):\n    return np.sum(x * 2.0)  # note\n"
    ),
    "appended_dead": pytest.param(
        "def f(x):\n    y = x * 2.0\n    return np.sum(y)\n",
        "def f(x):\n    y = x * 2.0\n    return np.sum(y)\n    z = 1\n",
    ),
    "operator": pytest.param(
        "def f(x):\n    return np.sum(x * 2.0)\n",
        "def f(x):\n    return np.sum(x / 2.0)\n",
    ),
    "name_read": pytest.param(
        "def f(x):\n    y = x * x\n    return np.sum(y)\n",
        "def f(x):\n    y = x * x\n    return np.sum(x)\n",
    ),
    "same_line_longer": pytest.param(
        "def f(x):\n    return np.sum(x * 2.0)\n",
        "def f(x):\n    return np.sum(x * 2.0) + np.sum(x * x)\n",
    ),
}


@pytest.mark.parametrize(
    "before,after", [pytest.param(*p.values, marks=p.marks, id=k) for k, p in sorted(EDITS.items())]
)
def test_edited_file_refused_or_right(tmp_path, before, after):
    mod = _edited(tmp_path, before, after)
    _refused_or_right(mod.f, _arg("v"))


def test_edited_file_shifted_refused_clearly(tmp_path):
    mod = _edited(
        tmp_path,
        "def f(x):\n    return np.sum(x * 2.0)\n",
        "# new\n# lines\n\ndef f(x):\n    return np.sum(x * 2.0)\n",
    )
    with pytest.raises(ad.S2SError) as info:
        ad.grad(mod.f)(_arg("v"))
    assert "edited" in _message(info.value), str(info.value)


def test_exec_and_eval_are_refused_clearly():
    ns = {"np": np}
    exec("def f(x):\n    return np.sum(x * x)\n", ns)
    with pytest.raises(ad.S2SError, match="source"):
        ad.grad(ns["f"])(_arg("v"))
    lam = eval("lambda x: np.sum(x * x)", {"np": np})
    with pytest.raises(ad.S2SError, match="source"):
        ad.grad(lam)(_arg("v"))
