"""An independent tester's checks of how s2s_ad finds and checks a function's source.

Written from the README and issue 19 only (session: linecache with the function's module
globals from `co_firstlineno`, inspect as the fallback; the free-name check compiled once per
text and shared; starred / nested-function validation skipped where there is none).
Programs are in tests/source_finding_programs_independent.py; each is written to a file
under tmp_path and loaded from there.
"""

import importlib
import linecache
import os
import sys
import textwrap
import time
import types
import zipfile

import numpy as np
import pytest

import s2s_ad as ad
from tests import source_finding_programs_independent as P

X = P.X


def _assert_refused_at(excinfo, path, line, *words):
    exc = excinfo.value
    assert isinstance(exc, ad.S2SError), f"{type(exc).__name__} is not an s2s_ad error: {exc}"
    text = str(exc)
    assert f"{path}:{line}" in text, text
    for word in words:
        assert word in text, text


# --- layouts and decorators ------------------------------------------------------------


@pytest.fixture(scope="module")
def layout_module(tmp_path_factory):
    directory = tmp_path_factory.mktemp("layout")
    path = P.write_module(directory, "layout_mod", P.LAYOUT_SOURCE)
    return P.load_from_path(path, "layout_mod")


@pytest.mark.parametrize(
    "dotted", [c[1] for c in P.LAYOUT_CASES], ids=[c[0] for c in P.LAYOUT_CASES]
)
def test_layouts_differentiate(layout_module, dotted):
    f = P.resolve(layout_module, dotted)
    assert P.check_scalar_program(f, X) == []
    if dotted in P.LAYOUT_EXPECTED:
        np.testing.assert_allclose(ad.grad(f)(X), P.LAYOUT_EXPECTED[dotted](X), rtol=1e-12)


def test_lambda_returned_by_one_line_def(layout_module):
    # the lambda's first line is the line of `def one_line_lambda_factory`: the def found
    # there is not the lambda
    lam = layout_module.one_line_lambda_factory(2.5)
    assert P.check_scalar_program(lam, X) == []
    np.testing.assert_allclose(ad.grad(lam)(X), 5.0 * X, rtol=1e-12)


def test_renamed_function_still_found(layout_module, tmp_path):
    path = P.write_module(tmp_path, "renamed_mod", P.EDIT_BODY)
    m = P.load_from_path(path, "renamed_mod")
    f = m.f
    f.__name__ = "something_else"
    f.__qualname__ = "Other.something_else"
    np.testing.assert_allclose(ad.grad(f)(X), 3.0 * (np.sin(X) + X * np.cos(X)), rtol=1e-12)


@pytest.mark.parametrize(
    "dotted,marker",
    [("tripled", "tripled-def"), ("Holder.st", "st-def")],
    ids=["wraps-wrapper", "staticmethod-over-wraps-wrapper"],
)
def test_wraps_wrapper_that_changes_value_refused_or_right(tmp_path, dotted, marker):
    path = P.write_module(tmp_path, "wrapped_mod", P.WRAPPED_SOURCE)
    m = P.load_from_path(path, "wrapped_mod")
    f = P.resolve(m, dotted)
    expected = 9.0 * X**2 if dotted == "tripled" else 6.0 * X
    try:
        g = ad.grad(f)(X)
    except ad.S2SError as exc:
        text = str(exc)
        assert path in text and "decorator" in text, text
    else:  # differentiating the wrapper itself is right too; the inner function alone is not
        np.testing.assert_allclose(g, expected, rtol=1e-12)


# --- starred expressions and nested functions ------------------------------------------


@pytest.fixture(scope="module")
def starred_module(tmp_path_factory):
    directory = tmp_path_factory.mktemp("starred")
    path = P.write_module(directory, "starred_mod", P.STARRED_SOURCE)
    return P.load_from_path(path, "starred_mod")


@pytest.mark.parametrize("name", P.STARRED_CASES, ids=P.STARRED_CASES)
def test_starred_and_nested_differentiate(starred_module, name, capsys):
    assert P.check_scalar_program(getattr(starred_module, name), X) == []


def test_print_star_prints_like_plain_call(starred_module, capsys):
    starred_module.print_star(X)
    plain = capsys.readouterr().out
    ad.grad(starred_module.print_star)(X)
    assert capsys.readouterr().out == plain == "value of x\n"


@pytest.fixture(scope="module")
def refused_module(tmp_path_factory):
    directory = tmp_path_factory.mktemp("refused")
    path = P.write_module(directory, "refused_mod", P.REFUSED_SOURCE)
    return path, P.load_from_path(path, "refused_mod")


@pytest.mark.parametrize("name,word", P.REFUSED_CASES, ids=[c[0] for c in P.REFUSED_CASES])
@pytest.mark.parametrize("api", ["grad", "jvp", "jacfwd"])
def test_refused_starred_and_nested_name_file_and_line(refused_module, name, word, api):
    path, m = refused_module
    f = getattr(m, name)
    line = P.line_of(P.REFUSED_SOURCE, f"{name}-line")
    with pytest.raises(Exception) as excinfo:
        if api == "grad":
            ad.grad(f)(X.copy())
        elif api == "jvp":
            ad.jvp(f, (X.copy(),), (np.ones(3),))
        else:
            ad.jacfwd(f)(X.copy())
    _assert_refused_at(excinfo, path, line, word)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "not yet: a lambda called for its effect, `add = lambda v: out.append(v * 2.0)` then"
        " `add(x[0])`, returns the append's None, and is refused (since session 28 with"
        " '`.append()` of a list used as a value' and the hint to write a nested def, which"
        " is differentiated; it was 'supported array methods are …')"
    ),
)
def test_lambda_called_for_effect_appends(tmp_path):
    source = """
    import numpy as np


    def f(x):
        out = []
        add = lambda v: out.append(v * 2.0)  # noqa: E731
        add(x[0])
        add(x[1] * x[2])
        return sum(out)
    """
    m = P.load_from_path(P.write_module(tmp_path, "lam_effect", source), "lam_effect")
    assert P.check_scalar_program(m.f, X) == []


# --- how the module was loaded ---------------------------------------------------------


def test_module_loaded_from_path_not_in_sys_modules(tmp_path):
    path = P.write_module(tmp_path, "from_path_mod", P.EDIT_BODY)
    m = P.load_from_path(path, "from_path_mod")
    assert "from_path_mod" not in sys.modules
    assert P.check_scalar_program(m.f, X) == []


def test_module_imported_into_sys_modules(tmp_path, monkeypatch):
    P.write_module(tmp_path, "imported_mod_sf", P.EDIT_BODY)
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("imported_mod_sf")
    try:
        assert P.check_scalar_program(m.f, X) == []
    finally:
        sys.modules.pop("imported_mod_sf", None)


def test_exec_with_real_file_name(tmp_path):
    path = P.write_module(tmp_path, "exec_mod", P.EDIT_BODY)
    ns = P.exec_file(path, {"__name__": "exec_mod"})
    assert P.check_scalar_program(ns["f"], X) == []


def test_exec_into_empty_dict_without_helpers(tmp_path):
    path = P.write_module(tmp_path, "exec_bare", P.EDIT_BODY)
    ns = P.exec_file(path, {})
    assert P.check_scalar_program(ns["f"], X) == []


@pytest.mark.parametrize(
    "filename",
    ["<string>", "<generated>", "/nonexistent/dir/mod.py"],
    ids=["string", "generated", "missing-file"],
)
def test_exec_without_source_refused(filename):
    ns = P.exec_file(
        None, {"__name__": "fake"}, source=textwrap.dedent(P.EDIT_V1), filename=filename
    )
    with pytest.raises(Exception) as excinfo:
        ad.grad(ns["f"])(X)
    _assert_refused_at(excinfo, filename, 5, "source")


def test_exec_text_that_is_not_the_file_refused(tmp_path):
    path = P.write_module(tmp_path, "exec_other", P.EDIT_V1)
    ns = P.exec_file(path, {"__name__": "exec_other"}, source=textwrap.dedent(P.EDIT_SAME_SIZE))
    with pytest.raises(Exception) as excinfo:
        ad.grad(ns["f"])(X)
    _assert_refused_at(excinfo, path, 5, "edited")


def test_exec_with_a_file_name_holding_other_code(tmp_path):
    # code compiled under the name of a file whose line holds a different `def f`
    path = P.write_module(
        tmp_path, "exec_mismatch", "import numpy as np\n\n\n\ndef f(x):\n    return np.sum(x)\n"
    )
    ns = P.exec_file(path, {"__name__": "m"}, source=textwrap.dedent(P.EDIT_BODY))
    with pytest.raises(ad.S2SError) as excinfo:
        ad.grad(ns["f"])(X)
    assert path in str(excinfo.value)


def test_zip_import(tmp_path, monkeypatch):
    archive = tmp_path / "programs_sf.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(
            "zipped_mod_sf.py",
            textwrap.dedent(P.EDIT_BODY + P.REBIND_SOURCE.replace("def f(x)", "def f2(x)")),
        )
    monkeypatch.syspath_prepend(str(archive))
    try:
        m = importlib.import_module("zipped_mod_sf")
        assert os.path.exists(str(archive)) and not os.path.exists(m.__file__)
        assert P.check_scalar_program(m.f, X) == []
        np.testing.assert_allclose(ad.grad(m.f)(X), 3.0 * (np.sin(X) + X * np.cos(X)), rtol=1e-12)
        assert P.check_scalar_program(m.g, X) == []
        m.inner = m.cube
        np.testing.assert_allclose(ad.grad(m.g)(X), 3.0 * X**2 + 1.0, rtol=1e-12)
    finally:
        sys.modules.pop("zipped_mod_sf", None)


def test_deleted_file_refused(tmp_path):
    path = P.write_module(tmp_path, "deleted_mod", P.EDIT_V1)
    m = P.load_from_path(path, "deleted_mod")
    os.remove(path)
    try:
        g = ad.grad(m.f)(X)
    except ad.S2SError as exc:
        assert f"{path}:5" in str(exc), str(exc)
    else:
        np.testing.assert_allclose(g, 2.0 * X, rtol=1e-12)


@pytest.mark.parametrize(
    "newline,encoding,prefix",
    [
        ("\r\n", "utf-8", "# crlf\r\n\x0c\r\n# note\u2028still the comment\r\n"),
        ("\r", "utf-8", "# cr only\r# form feed next\r\x0c\r"),
        ("\n", "latin-1", "# -*- coding: latin-1 -*-\n# caf\xe9 \xe0 la cr\xe8me\n"),
        ("\n", "utf-8", "\ufeff# bom, then a line separator\u2028in a comment\n# \x0c\n"),
    ],
    ids=["crlf-formfeed-u2028", "cr-only", "latin-1", "bom-u2028"],
)
def test_line_endings_and_encodings(tmp_path, newline, encoding, prefix):
    body = [
        "import numpy as np",
        "",
        "",
        "def f(x):",
        "    s = 'd\xe9j\xe0'",
        "    return np.sum(x * x * 3.0) + 0.0 * len(s)",
        "",
    ]
    text = prefix + newline.join(body)
    path = os.path.join(str(tmp_path), "endings_mod.py")
    with open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    m = P.load_from_path(path, "endings_mod")
    assert P.check_scalar_program(m.f, X) == []
    np.testing.assert_allclose(ad.grad(m.f)(X), 6.0 * X, rtol=1e-12)


# --- files edited after import ---------------------------------------------------------


@pytest.mark.parametrize(
    "edited,line,words",
    [
        (P.EDIT_SAME_SIZE, 5, ("edited",)),
        (P.EDIT_BODY, 5, ("edited",)),
        (P.EDIT_LINES_ABOVE, 5, ("edited",)),
        (P.EDIT_V1.replace("def f(x):", "def f(x):\n    x = x * 1.0"), 5, ("edited",)),
    ],
    ids=["operator-changed", "body-changed", "lines-inserted-above", "statement-inserted"],
)
@pytest.mark.parametrize("api", ["grad", "jvp", "vjp", "jacrev"])
def test_edited_file_refused(tmp_path, edited, line, words, api):
    path = P.write_module(tmp_path, "edited_mod", P.EDIT_V1)
    m = P.load_from_path(path, "edited_mod")
    P.write_module(tmp_path, "edited_mod", edited)
    with pytest.raises(Exception) as excinfo:
        if api == "grad":
            ad.grad(m.f)(X)
        elif api == "jvp":
            ad.jvp(m.f, (X,), (np.ones(3),))
        elif api == "vjp":
            ad.vjp(m.f, X)
        else:
            ad.jacrev(m.f)(X)
    _assert_refused_at(excinfo, path, line, *words)


def test_edit_after_linecache_holds_the_old_text(tmp_path):
    # the old text is in linecache (a traceback printed it, say): the function still runs
    # the old code, so the old derivative is right; a refusal naming the file is right too
    path = P.write_module(tmp_path, "cached_mod", P.EDIT_V1)
    m = P.load_from_path(path, "cached_mod")
    linecache.getlines(path)
    P.write_module(tmp_path, "cached_mod", P.EDIT_SAME_SIZE)
    try:
        g = ad.grad(m.f)(X)
    except ad.S2SError as exc:
        assert f"{path}:5" in str(exc), str(exc)
    else:
        np.testing.assert_allclose(g, 2.0 * X, rtol=1e-12)


def test_edit_after_derivative_made_keeps_running_code(tmp_path):
    # a derivative made before the edit is of the code that runs: the old function's
    # derivative stays right (or is refused), never the edited text's
    path = P.write_module(tmp_path, "before_edit", P.EDIT_V1)
    m = P.load_from_path(path, "before_edit")
    np.testing.assert_allclose(ad.grad(m.f)(X), 2.0 * X, rtol=1e-12)
    P.write_module(tmp_path, "before_edit", P.EDIT_BODY)
    try:
        g = ad.grad(m.f)(X)
    except ad.S2SError as exc:
        assert path in str(exc)
    else:
        np.testing.assert_allclose(g, 2.0 * X, rtol=1e-12)


@pytest.mark.parametrize(
    "edited",
    [P.EDIT_BODY, P.EDIT_LINES_ABOVE.replace("x * x", "x * x * x")],
    ids=["body", "lines-above-and-body"],
)
def test_reloaded_from_path_after_edit(tmp_path, edited):
    path = P.write_module(tmp_path, "reload_path", P.EDIT_V1)
    m1 = P.load_from_path(path, "reload_path")
    np.testing.assert_allclose(ad.grad(m1.f)(X), 2.0 * X, rtol=1e-12)
    time.sleep(0.01)
    P.write_module(tmp_path, "reload_path", edited)
    m2 = P.load_from_path(path, "reload_path")
    assert P.check_scalar_program(m2.f, X) == []
    np.testing.assert_allclose(ad.grad(m2.f)(X), P.central_gradient(m2.f, X), rtol=1e-6)


def test_reexec_same_size_edit(tmp_path):
    path = P.write_module(tmp_path, "reexec", P.EDIT_V1)
    ns1 = P.exec_file(path, {"__name__": "reexec"})
    np.testing.assert_allclose(ad.grad(ns1["f"])(X), 2.0 * X, rtol=1e-12)
    P.write_module(tmp_path, "reexec", P.EDIT_SAME_SIZE)
    ns2 = P.exec_file(path, {"__name__": "reexec"})
    np.testing.assert_allclose(ad.grad(ns2["f"])(X), 2.0 * np.ones(3), rtol=1e-12)
    np.testing.assert_allclose(ad.jvp(ns2["f"], (X,), (np.ones(3),))[1], 6.0)


def test_importlib_reload_same_size_edit(tmp_path, monkeypatch):
    P.write_module(tmp_path, "reload_mod_sf", P.EDIT_V1)
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("reload_mod_sf")
    try:
        np.testing.assert_allclose(ad.grad(m.f)(X), 2.0 * X, rtol=1e-12)
        old_f = m.f
        time.sleep(1.1)  # the cached bytecode's stamp is in seconds
        P.write_module(tmp_path, "reload_mod_sf", P.EDIT_SAME_SIZE)
        importlib.reload(m)
        assert m.f(X) == np.sum(X + X)
        np.testing.assert_allclose(ad.grad(m.f)(X), 2.0 * np.ones(3), rtol=1e-12)
        np.testing.assert_allclose(ad.jacfwd(m.f)(X), 2.0 * np.ones(3), rtol=1e-12)
        assert old_f is not m.f
    finally:
        sys.modules.pop("reload_mod_sf", None)


# --- rebinding: helpers, globals, closures, defaults -----------------------------------


@pytest.fixture
def twin_modules(tmp_path):
    a = P.load_from_path(P.write_module(tmp_path, "twin_a", P.REBIND_SOURCE), "twin_a")
    b = P.load_from_path(P.write_module(tmp_path, "twin_b", P.REBIND_SOURCE), "twin_b")
    return a, b


def _all_gradients(f):
    return [
        ad.grad(f)(X),
        ad.grad(f, mode="forward")(X),
        ad.vjp(f, X)[1](1.0)[0],
        ad.jacfwd(f)(X),
        ad.jacrev(f)(X),
    ]


def test_twin_modules_rebinding_one_helper(twin_modules):
    a, b = twin_modules
    for m in (a, b):
        for g in _all_gradients(m.f):
            np.testing.assert_allclose(g, 4.0 * X, rtol=1e-12)
    b.helper = b.cube
    for g in _all_gradients(b.f):
        np.testing.assert_allclose(g, 6.0 * X**2, rtol=1e-12)
    for g in _all_gradients(a.f):
        np.testing.assert_allclose(g, 4.0 * X, rtol=1e-12)
    a.helper = np.sin
    a.SCALE = 5.0
    for g in _all_gradients(a.f):
        np.testing.assert_allclose(g, 5.0 * np.cos(X), rtol=1e-12)
    for g in _all_gradients(b.f):
        np.testing.assert_allclose(g, 6.0 * X**2, rtol=1e-12)
    np.testing.assert_allclose(np.diag(ad.hessian(b.f)(X)), 12.0 * X, rtol=1e-12)


def test_twin_modules_helper_of_helper(twin_modules):
    a, b = twin_modules
    for m in (a, b):
        np.testing.assert_allclose(ad.grad(m.g)(X), 2.0 * X + 1.0, rtol=1e-12)
        np.testing.assert_allclose(ad.jacfwd(m.g)(X), 2.0 * X + 1.0, rtol=1e-12)
    a.inner = a.cube
    for g in _all_gradients(a.g):
        np.testing.assert_allclose(g, 3.0 * X**2 + 1.0, rtol=1e-12)
    for g in _all_gradients(b.g):
        np.testing.assert_allclose(g, 2.0 * X + 1.0, rtol=1e-12)


def test_twin_modules_attribute_of_object(twin_modules):
    a, b = twin_modules
    for m in (a, b):
        np.testing.assert_allclose(ad.grad(m.uses_cfg)(X), 2.0 * X, rtol=1e-12)
    b.cfg.act = b.cube
    np.testing.assert_allclose(ad.grad(b.uses_cfg)(X), 3.0 * X**2, rtol=1e-12)
    np.testing.assert_allclose(
        ad.jvp(b.uses_cfg, (X,), (np.ones(3),))[1], np.sum(3.0 * X**2), rtol=1e-12
    )
    np.testing.assert_allclose(ad.grad(a.uses_cfg)(X), 2.0 * X, rtol=1e-12)


def test_twin_modules_defaults(twin_modules):
    a, b = twin_modules
    for m in (a, b):
        np.testing.assert_allclose(ad.grad(m.with_defaults)(X), 4.0 * X, rtol=1e-12)
        np.testing.assert_allclose(ad.jacrev(m.with_defaults)(X), 4.0 * X, rtol=1e-12)
    b.with_defaults.__defaults__ = (3.0,)
    a.with_defaults.__kwdefaults__ = {"k": 10.0}
    for g in _all_gradients(b.with_defaults):
        np.testing.assert_allclose(g, 12.0 * X, rtol=1e-12)
    for g in _all_gradients(a.with_defaults):
        np.testing.assert_allclose(g, 20.0 * X, rtol=1e-12)


def test_closure_cell_changes(twin_modules):
    a, b = twin_modules
    closed, set_h = a.make(a.sq)
    other, _ = b.make(b.sq)
    np.testing.assert_allclose(ad.grad(closed)(X), 2.0 * X, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(other)(X), 2.0 * X, rtol=1e-12)
    set_h(a.cube)
    for g in _all_gradients(closed):
        np.testing.assert_allclose(g, 3.0 * X**2, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(other)(X), 2.0 * X, rtol=1e-12)
    closed.__closure__[0].cell_contents = np.sin
    for g in _all_gradients(closed):
        np.testing.assert_allclose(g, np.cos(X), rtol=1e-12)


def test_function_type_with_other_globals(twin_modules):
    a, _ = twin_modules
    env = {"np": np, "helper": a.cube, "SCALE": 1.0, "__name__": "env"}
    f = types.FunctionType(a.f.__code__, env)
    for g in _all_gradients(f):
        np.testing.assert_allclose(g, 3.0 * X**2, rtol=1e-12)
    env["helper"] = a.sq
    for g in _all_gradients(f):
        np.testing.assert_allclose(g, 2.0 * X, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(a.f)(X), 4.0 * X, rtol=1e-12)


def test_exec_namespaces_sharing_one_code_object(tmp_path):
    path = P.write_module(tmp_path, "exec_twins", P.EXEC_HELPER_SOURCE)
    with open(path, encoding="utf-8") as fh:
        code = compile(fh.read(), path, "exec")
    ns1, ns2 = {"__name__": "one"}, {"__name__": "two"}
    exec(code, ns1)
    exec(code, ns2)
    np.testing.assert_allclose(ad.grad(ns1["f"])(X), 2.0 * X, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(ns2["f"])(X), 2.0 * X, rtol=1e-12)
    ns2["helper"] = lambda v: v * v * v
    np.testing.assert_allclose(ad.grad(ns2["f"])(X), 3.0 * X**2, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(ns1["f"])(X), 2.0 * X, rtol=1e-12)
    ns1["helper"] = np.sin
    np.testing.assert_allclose(
        ad.jvp(ns1["f"], (X,), (np.ones(3),))[1], np.sum(np.cos(X)), rtol=1e-12
    )
    np.testing.assert_allclose(ad.jacrev(ns2["f"])(X), 3.0 * X**2, rtol=1e-12)
    del ns2["helper"]
    with pytest.raises(Exception) as excinfo:
        ad.grad(ns2["f"])(X)
    _assert_refused_at(
        excinfo, path, P.line_of(P.EXEC_HELPER_SOURCE, "np.sum(helper(x))"), "`helper`"
    )


@pytest.mark.parametrize("api", ["grad", "jvp"])
def test_exec_into_empty_dict_with_helper(tmp_path, api):
    path = P.write_module(tmp_path, "exec_empty_helper", P.EXEC_HELPER_SOURCE)
    ns = P.exec_file(path, {})
    assert ns["helper"].__module__ is None
    if api == "grad":
        np.testing.assert_allclose(ad.grad(ns["f"])(X), 2.0 * X, rtol=1e-12)
    else:
        np.testing.assert_allclose(
            ad.jvp(ns["f"], (X,), (np.ones(3),))[1], np.sum(2.0 * X), rtol=1e-12
        )


ATTRIBUTE_SOURCE = """
import types

import numpy as np


def sq(v):
    return v * v


def cube(v):
    return v * v * v


class Cfg:
    pass


class K:
    act = sq


cfg = Cfg()
cfg.act = sq
ns = types.SimpleNamespace(act=sq)


def uses_cfg(x):
    return np.sum(cfg.act(x))


def uses_k(x):
    return np.sum(K.act(x))


def uses_ns(x):
    return np.sum(ns.act(x))
"""


def _rebind_attribute(m, name):
    target = {"uses_cfg": m.cfg, "uses_k": m.K, "uses_ns": m.ns}[name]
    target.act = m.cube


@pytest.mark.parametrize(
    "name", ["uses_cfg", "uses_k"], ids=["object-attribute", "class-attribute"]
)
def test_attribute_rebound_in_imported_module(tmp_path, monkeypatch, name):
    module_name = f"attr_mod_sf_{name}"
    P.write_module(tmp_path, module_name, ATTRIBUTE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module(module_name)
    try:
        f = getattr(m, name)
        for g in _all_gradients(f):
            np.testing.assert_allclose(g, 2.0 * X, rtol=1e-12)
        _rebind_attribute(m, name)
        for g in _all_gradients(f):
            np.testing.assert_allclose(g, 3.0 * X**2, rtol=1e-12)
    finally:
        sys.modules.pop(module_name, None)


def test_namespace_attribute_rebound_in_imported_module(tmp_path, monkeypatch):
    P.write_module(tmp_path, "attr_mod_sf_ns", ATTRIBUTE_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("attr_mod_sf_ns")
    try:
        np.testing.assert_allclose(ad.grad(m.uses_ns)(X), 2.0 * X, rtol=1e-12)
        _rebind_attribute(m, "uses_ns")
        np.testing.assert_allclose(ad.grad(m.uses_ns)(X), 3.0 * X**2, rtol=1e-12)
    finally:
        sys.modules.pop("attr_mod_sf_ns", None)


@pytest.mark.parametrize(
    "name", ["uses_cfg", "uses_k"], ids=["object-attribute", "class-attribute"]
)
@pytest.mark.parametrize("api", ["grad", "jvp", "jacfwd", "hessian"])
def test_attribute_rebound_in_module_loaded_from_path(tmp_path, name, api):
    m = P.load_from_path(
        P.write_module(tmp_path, "attr_path_mod", ATTRIBUTE_SOURCE), "attr_path_mod"
    )
    f = getattr(m, name)
    calls = {
        "grad": lambda: ad.grad(f)(X),
        "jvp": lambda: ad.jvp(f, (X,), (np.ones(3),))[1],
        "jacfwd": lambda: ad.jacfwd(f)(X),
        "hessian": lambda: np.diag(ad.hessian(f)(X)),
    }
    first = {
        "grad": 2.0 * X,
        "jvp": np.sum(2.0 * X),
        "jacfwd": 2.0 * X,
        "hessian": 2.0 * np.ones(3),
    }
    after = {
        "grad": 3.0 * X**2,
        "jvp": np.sum(3.0 * X**2),
        "jacfwd": 3.0 * X**2,
        "hessian": 6.0 * X,
    }
    np.testing.assert_allclose(calls[api](), first[api], rtol=1e-12)
    _rebind_attribute(m, name)
    np.testing.assert_allclose(calls[api](), after[api], rtol=1e-12)


def test_attribute_set_before_first_derivative_in_module_loaded_from_path(tmp_path):
    m = P.load_from_path(
        P.write_module(tmp_path, "attr_path_first", ATTRIBUTE_SOURCE), "attr_path_first"
    )
    m.cfg.act = m.cube
    for g in _all_gradients(m.uses_cfg):
        np.testing.assert_allclose(g, 3.0 * X**2, rtol=1e-12)
