"""Independent tests (140th tester): module-level files and streams in differentiated code.

Written from the README only.  Streams read as a whole must be refused (or be exact with one
plain call's reads); streams read by line must be read exactly as one plain call reads them,
with exact derivatives; streams written to must receive exactly one plain call's text.
"""

import csv
import io
import json
import logging
import sys
import tempfile

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

TEXT = "2.0\n3.0\n5.0\n7.0\n"
F = io.StringIO()
W = io.StringIO()
TMP = tempfile.TemporaryFile("w+")  # noqa: SIM115 (a module-level stream under test)
LOG = logging.getLogger("t140_streams")
LOG_BUF = io.StringIO()
_handler = logging.StreamHandler(LOG_BUF)
_handler.setFormatter(logging.Formatter("%(message)s"))
LOG.addHandler(_handler)
LOG.setLevel(logging.INFO)
LOG.propagate = False


def reset():
    for s in (F, TMP):
        s.seek(0)
        s.truncate()
        s.write(TEXT)
        s.seek(0)
    for s in (W, LOG_BUF):
        s.seek(0)
        s.truncate()


# ---------------------------------------------------------------- read by line


def f_readline(x):
    a = float(F.readline())
    return np.sum(a * x**2) + np.sin(x[0]) * x[1]


def f_two_lines(x):
    a = float(F.readline())
    b = float(F.readline())
    return np.sum(a * x**2) + b * np.prod(x)


def _take():
    return float(F.readline())


take_l = lambda: float(F.readline())  # noqa: E731


def f_def_helper(x):
    a = _take()
    return np.sum(a * np.sin(x)) * x[0]


def f_lambda_helper(x):
    a = take_l()
    return np.sum(a * x**3) + x[1] * x[2]


def f_read_all(x):
    vals = F.read().split()
    a = float(vals[0])
    b = float(vals[3])
    return a * np.sum(x**2) + b * x[0] * x[2]


def f_tmpfile(x):
    a = float(TMP.readline())
    return np.sum(np.exp(a * 0.1 * x)) + a * x[0] * x[1]


def f_readline_loop(x):
    s = x[0] * 0.0
    for i in range(2):
        a = float(F.readline())
        s = s + a * x[i] ** 2 * x[2]
    return s


READERS = [f_readline, f_two_lines, f_def_helper, f_lambda_helper, f_read_all, f_tmpfile]
READERS += [f_readline_loop]

X = np.array([0.5, 1.5, -0.7])
V = np.array([0.3, -1.1, 0.8])


def plain_pos(f, x):
    reset()
    f(x)
    return F.tell(), TMP.tell(), W.getvalue(), LOG_BUF.getvalue()


def fd_grad(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        reset()
        fp = f(x + e)
        reset()
        fm = f(x - e)
        g[i] = (fp - fm) / (2 * h)
    return g


def fd_hess(f, x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        e = np.zeros_like(x)
        e[i] = h
        H[:, i] = (fd_grad(f, x + e, 1e-5) - fd_grad(f, x - e, 1e-5)) / (2 * h)
    return H


APIS = {
    "grad": lambda f: ad.grad(f)(X),
    "value_and_grad": lambda f: ad.value_and_grad(f)(X)[1],
    "vjp": lambda f: ad.vjp(f, X)[1](1.0)[0],
    "jvp": lambda f: ad.jvp(f, (X,), (V,))[1],
    "jacfwd": lambda f: ad.jacfwd(f)(X),
    "jacrev": lambda f: ad.jacrev(f)(X),
    "jacobian_fwd": lambda f: ad.jacobian(f, mode="forward")(X),
    "jacobian_rev": lambda f: ad.jacobian(f, mode="reverse")(X),
    "hessian": lambda f: ad.hessian(f)(X),
    "hvp": lambda f: ad.hvp(f, (X,), (V,))[1],
    "jacrev_grad": lambda f: ad.jacrev(ad.grad(f))(X),
    "grad_jit": lambda f: ad.grad(f, jit=True)(X),
}
SECOND = {"hessian", "jacrev_grad"}


def expected(api, g, H):
    if api == "jvp":
        return g @ V
    if api == "hvp":
        return H @ V
    if api in SECOND:
        return H
    return g


@pytest.fixture(scope="module")
def reference():
    return {f.__name__: (fd_grad(f, X), fd_hess(f, X), plain_pos(f, X)) for f in READERS}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize("f", READERS, ids=lambda f: f.__name__)
def test_read_by_line_once_and_exact(f, api, reference):
    g, H, pos = reference[f.__name__]
    reset()
    got = APIS[api](f)
    assert (F.tell(), TMP.tell()) == pos[:2]
    np.testing.assert_allclose(got, expected(api, g, H), rtol=1e-5, atol=1e-6)


def test_value_of_value_and_grad_uses_first_line():
    reset()
    v, _ = ad.value_and_grad(f_two_lines)(X)
    reset()
    assert v == f_two_lines(X)
    assert F.tell() == len("2.0\n3.0\n")


def test_open_file_readline(tmp_path):
    p = tmp_path / "vals.txt"
    p.write_text(TEXT)
    src = (
        "import numpy as np\n"
        f"FH = open({str(p)!r})\n"
        "def f(x):\n"
        "    a = float(FH.readline())\n"
        "    return np.sum(a * x ** 2)\n"
    )
    mod = tmp_path / "t140_openmod.py"
    mod.write_text(src)
    sys.path.insert(0, str(tmp_path))
    try:
        import t140_openmod as m

        for api in ("grad", "jacrev", "hessian", "jacrev_grad"):
            m.FH.seek(0)
            got = APIS[api](m.f)
            assert m.FH.tell() == 4
            want = 4 * np.eye(3) if api in SECOND else 4.0 * X
            np.testing.assert_allclose(got, want)
        m.FH.close()
    finally:
        sys.path.remove(str(tmp_path))


# ---------------------------------------------------------------- read as a whole


def f_for_line(x):
    s = 0.0
    for line in F:
        s = s + float(line)
    return np.sum(s * x**2)


def f_list(x):
    lines = list(F)
    return float(lines[1]) * np.sum(x**2)


def f_readlines_loop(x):
    s = 0.0
    for line in F.readlines():
        s = s + float(line)
    return s * np.sum(x**3)


def f_csv_reader(x):
    s = 0.0
    for row in csv.reader(F):
        s = s + float(row[0])
    return s * np.sum(x**2)


def f_loadtxt(x):
    a = np.loadtxt(F)
    return np.sum(a[:3] * x**2)


def f_json(x):
    d = json.load(F)
    return d["a"] * np.sum(x**2)


def _whole_helper():
    return len(list(F))


def f_whole_in_helper(x):
    return _whole_helper() * np.sum(x**2)


WHOLE = [f_for_line, f_list, f_readlines_loop, f_csv_reader, f_loadtxt, f_json]
WHOLE += [f_whole_in_helper]


def _reset_for(f):
    reset()
    if f is f_json:
        F.seek(0)
        F.truncate()
        F.write('{"a": 3.0}')
        F.seek(0)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("api", ["grad", "jvp", "jacrev", "jacobian_fwd", "hessian"])
@pytest.mark.parametrize("f", WHOLE, ids=lambda f: f.__name__)
def test_read_whole_refused_or_exact(f, api):
    _reset_for(f)
    f(X)
    pos = F.tell()
    # central differences with the stream reset
    h = 1e-5
    g = np.zeros(3)
    for i in range(3):
        e = np.eye(3)[i] * h
        _reset_for(f)
        fp = f(X + e)
        _reset_for(f)
        fm = f(X - e)
        g[i] = (fp - fm) / (2 * h)
    _reset_for(f)
    try:
        got = APIS[api](f)
    except UnsupportedSyntaxError as e:
        assert "test_module_streams_independent.py" in str(e)
        return
    assert F.tell() == pos
    if api == "hessian":
        H = np.zeros((3, 3))
        for i in range(3):
            e = np.eye(3)[i] * 1e-4
            H[:, i] = (fd_grad_whole(f, X + e) - fd_grad_whole(f, X - e)) / 2e-4
        np.testing.assert_allclose(got, H, rtol=1e-4, atol=1e-5)
    else:
        np.testing.assert_allclose(got, g @ V if api == "jvp" else g, rtol=1e-5, atol=1e-6)


def fd_grad_whole(f, x, h=1e-5):
    g = np.zeros(3)
    for i in range(3):
        e = np.eye(3)[i] * h
        _reset_for(f)
        fp = f(x + e)
        _reset_for(f)
        fm = f(x - e)
        g[i] = (fp - fm) / (2 * h)
    return g


# ---------------------------------------------------------------- written


def f_print(x):
    y = np.sum(x**3)
    print("y", y, file=W)
    return y * 2.0


def f_write_count(x):
    y = np.sum(np.sin(x) * x)
    n = W.write("abc\n")
    return y * n


def f_write_plain(x):
    W.write("start\n")
    y = np.sum(x**2 * x[0])
    W.write(f"{y:.4f}\n")
    W.flush()
    return y


def f_csv_writer(x):
    y = np.sum(np.exp(0.3 * x))
    csv.writer(W).writerow(["row", 1, 2.5])
    return y * x[1]


def f_logger(x):
    y = np.sum(x**2) * x[2]
    LOG.info("loss %s", "here")
    return y


def f_stdout(x):
    y = np.sum(np.cos(x))
    print("to stdout", file=sys.stdout)
    return y * x[0]


def _write_helper(v):
    W.write("helper\n")
    return v


wl = lambda v: (W.write("lam\n"), v)[1]  # noqa: E731


def f_write_helpers(x):
    y = _write_helper(np.sum(x**2))
    z = wl(np.prod(x))
    return y * z


def f_tmp_write(x):
    TMP.write("t\n")
    return np.sum(x**4)


def f_checkpoint_write(x):
    s = x * 1.0
    for i in ad.checkpoint(range(6), every=2):
        s = np.sin(s) * 1.1
        W.write(f"{i}\n")
        print("it", i, file=W)
    return np.sum(s**2)


def f_checkpoint_write_count(x):
    s = x * 1.0
    for _i in ad.checkpoint(range(4)):
        n = W.write("ab")
        s = s * 0.25 * n + 0.1 * s**2
    return np.sum(s)


def f_checkpoint_readline(x):
    s = x * 1.0
    for _i in ad.checkpoint(range(3)):
        a = float(F.readline())
        s = np.sin(s) * a * 0.3
    return np.sum(s)


WRITERS = [f_print, f_write_count, f_write_plain, f_csv_writer, f_logger, f_write_helpers]
WRITERS += [f_tmp_write, f_checkpoint_write]


@pytest.fixture(scope="module")
def wref():
    out = {}
    for f in WRITERS:
        reset()
        f(X)
        TMP.seek(0)
        out[f.__name__] = (W.getvalue(), LOG_BUF.getvalue(), TMP.read(), fd_grad(f, X))
    return out


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize("f", WRITERS, ids=lambda f: f.__name__)
def test_written_once_exact(f, api, wref):
    w, lg, tmp, g = wref[f.__name__]
    reset()
    got = APIS[api](f)
    TMP.seek(0)
    assert (W.getvalue(), LOG_BUF.getvalue(), TMP.read()) == (w, lg, tmp)
    if api not in SECOND and api != "hvp":
        np.testing.assert_allclose(got, g @ V if api == "jvp" else g, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("api", list(APIS))
def test_stdout_once(api, capsys):
    f_stdout(X)
    assert capsys.readouterr().out == "to stdout\n"
    APIS[api](f_stdout)
    assert capsys.readouterr().out == "to stdout\n"


# (140th tester) a stream's `write` whose count is used, in a checkpointed loop, made the
# reverse-mode code fail: the recomputed segment had `n = None` (EvaluationError
# "unsupported operand type(s) for *: 'float' and 'NoneType'"). Session 54: refused at its
# line in reverse mode (the pullback writes nothing again, so it has no count); forward mode
# is exact. Gradient at X = [0.5, 1.5, -0.7]: [0.0907102, 0.193686, 0.0363162].
REVERSE_REFUSED = {"grad", "value_and_grad", "vjp", "jacrev", "jacobian_rev", "hessian", "hvp"}
REVERSE_REFUSED |= {"jacrev_grad", "grad_jit"}


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("api", list(APIS))
def test_checkpoint_write_count(api):
    f = f_checkpoint_write_count
    reset()
    f(X)
    want_text = W.getvalue()
    assert want_text == "ab" * 4
    g, H = fd_grad(f, X), fd_hess(f, X)
    np.testing.assert_allclose(g, [0.0907102, 0.193686, 0.0363162], rtol=1e-4)
    reset()
    if api in REVERSE_REFUSED:
        with pytest.raises(UnsupportedSyntaxError, match="whose count of what it wrote") as e:
            APIS[api](f)
        assert "test_module_streams_independent.py" in str(e.value)
        return
    got = APIS[api](f)
    assert W.getvalue() == want_text
    np.testing.assert_allclose(got, expected(api, g, H), rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("api", list(APIS))
def test_checkpoint_readline_refused_or_exact(api):
    f = f_checkpoint_readline
    reset()
    f(X)
    pos = F.tell()
    g, H = fd_grad(f, X), fd_hess(f, X)
    reset()
    try:
        got = APIS[api](f)
    except UnsupportedSyntaxError as e:
        assert "test_module_streams_independent.py" in str(e)
        return
    assert F.tell() == pos
    np.testing.assert_allclose(got, expected(api, g, H), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- writing helpers, more forms


def _wr_count(v):
    n = W.write("xyz")
    return v * n


def _wr_stmt(v):
    W.write("s\n")
    return v * 2.0


def f_helper_count(x):
    return np.sum(_wr_count(x) ** 2)


def f_helper_stmt(x):
    return np.sum(_wr_stmt(x) ** 3)


def f_cp_helper_count(x):
    s = x * 1.0
    for _i in ad.checkpoint(range(4), every=2):
        s = np.sin(_wr_count(s)) * 0.3
    return np.sum(s)


def f_cp_helper_stmt(x):
    s = x * 1.0
    for _i in ad.checkpoint(range(4), every=2):
        s = np.sin(_wr_stmt(s)) * 0.3
    return np.sum(s)


def f_csv_writer_local(x):
    w = csv.writer(W)
    w.writerow(["a", 1])
    return np.sum(x**2) * x[0]


def f_stdout_count(x):
    n = sys.stdout.write("hi\n")
    return n * np.sum(x**2)


MORE = [f_helper_count, f_helper_stmt, f_cp_helper_count, f_cp_helper_stmt]
MORE += [f_csv_writer_local, f_stdout_count]

# BUGS (140th tester), see the report: the text a plain call writes, and what each API wrote.
# (fixed in session 53, strict expected failures before: a helper whose `write` count is used
# wrote twice at second order ("xyzxyz"), and in a checkpointed loop reverse mode neither
# refused it nor wrote once; it counts as a helper with an effect now)
MORE_BROKEN = set()
# `w = csv.writer(W); w.writerow([...])` is refused under every API ("method `.writerow()` of
# the local `w` in a statement kept for its effect: it may update `w` in place")
MORE_BROKEN |= {("f_csv_writer_local", a) for a in APIS}


def _more_params():
    out = []
    for f in MORE:
        for a in APIS:
            marks = ()
            if (f.__name__, a) in MORE_BROKEN:
                marks = pytest.mark.xfail(strict=True, reason="written again")
            out.append(pytest.param(f, a, marks=marks, id=f"{f.__name__}-{a}"))
    return out


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("f", "api"), _more_params())
def test_more_writers_once_exact(f, api, capsys):
    reset()
    f(X)
    want = (W.getvalue(), capsys.readouterr().out)
    g, H = fd_grad(f, X), fd_hess(f, X)
    capsys.readouterr()
    reset()
    try:
        got = APIS[api](f)
    except UnsupportedSyntaxError as e:
        # a helper writing in a checkpointed loop may be refused in reverse mode (README)
        assert f in (f_cp_helper_count, f_cp_helper_stmt), str(e)
        assert "test_module_streams_independent.py" in str(e)
        return
    assert (W.getvalue(), capsys.readouterr().out) == want
    np.testing.assert_allclose(got, expected(api, g, H), rtol=1e-4, atol=1e-5)
