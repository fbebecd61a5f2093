"""Located run-time errors, lists grown from module globals, float32 parameters with float64
data, and second derivatives at degenerate sizes.

Written by an independent tester from the README and issue 19 only (no s2s_ad code or tests
read). Covers: (1) errors raised only by a derivative (Python floats divided by 0,
``x ** 0.5`` at 0, ``math.sqrt``/``math.asin`` at their edges) must name this file and the
line of the user's statement under grad, value_and_grad, grad of grad, hessian and
jacfwd(grad(f)), in straight-line code, loops, ``while``, branches, helpers and return-only
results; (2) lists holding items or rows of module-level arrays/lists grown with
append/+=/extend/insert must match central differences and leave the global unchanged, and a
list that is (or may be) a global list being grown must be refused with a located error;
(3) float32 parameters with float64 data: dtypes and values of grad, hessian, hvp,
Jacobians, jvp and vjp of grad(f); (4) second derivatives at degenerate sizes (inf/nan as the
plain call, or a located error where the plain call raises).
"""

import copy
import math
import warnings

import numpy as np
import pytest

import s2s_ad as ad

HERE = __file__


def _line(func, marker):
    import inspect

    lines, start = inspect.getsourcelines(func)
    for k, text in enumerate(lines):
        if marker in text:
            return start + k
    raise AssertionError(marker)


# ---------------------------------------------------------------- part 1: located errors


def e_straight(x):
    a = x * 2.0
    y = math.sqrt(x)  # E1
    return y + a


def e_loop(x):
    s = 0.0
    for _ in range(3):
        s = s + x**0.5  # E1
    return s


def e_while(x):
    s = 0.0
    i = 0
    while i < 3:
        s = s + math.sqrt(x)  # E1
        i += 1
    return s


def e_branch(x):
    if x >= 0.0:  # noqa: SIM108
        y = x**0.5  # E1
    else:
        y = -x
    return y * 3.0


def _e_helper(u):
    return math.sqrt(u) * 2.0  # E1


def e_helper(x):
    z = x + 1.0
    y = _e_helper(x)  # E2
    return y + z


def e_return_only(x):
    a = x * x
    return a + math.sqrt(x)  # E1


def e_read_by_return(x):
    b = math.asin(x)  # E1
    c = x * 3.0
    return c + b


def e_loop_asin(x):
    s = 0.0
    for k in range(4):
        t = math.asin(x) * k  # E1
        s = s + t
    return s


def e_float_div(x):
    c = x * 0.0
    y = x * x
    r = y / (c + 0.0) if c != 0.0 else y**1.5
    return math.sqrt(r)  # E1


def e_log_loop(x):
    s = 1.0
    for _ in range(2):
        s = s * math.log(1.0 + math.sqrt(x))  # E1
    return s + x


E_CASES = [
    (e_straight, 0.0),
    (e_loop, 0.0),
    (e_while, 0.0),
    (e_branch, 0.0),
    (e_helper, 0.0),
    (e_return_only, 0.0),
    (e_read_by_return, 1.0),
    (e_loop_asin, 1.0),
    (e_float_div, 0.0),
    (e_log_loop, 0.0),
]

APIS = {
    "grad": lambda f: ad.grad(f),
    "value_and_grad": lambda f: ad.value_and_grad(f),
    "grad_grad": lambda f: ad.grad(ad.grad(f)),
    "hessian": lambda f: ad.hessian(f),
    "jacfwd_grad": lambda f: ad.jacfwd(ad.grad(f)),
}


def _allowed_lines(f):
    lines = {_line(f, "# E1")} if f is not e_helper else set()
    if f is e_helper:
        lines = {_line(e_helper, "# E2"), _line(_e_helper, "# E1")}
    return lines


def _check_located(f, x, api):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        f(x)  # the plain call works
        with pytest.raises(ad.S2SError) as info:
            APIS[api](f)(x)
    msg = str(info.value)
    found = [ln for ln in _allowed_lines(f) if f"{HERE}:{ln}:" in msg]
    assert found, msg


def _loc_params():
    return [pytest.param(f, x, api, id=f"{f.__name__}-{api}") for f, x in E_CASES for api in APIS]


@pytest.mark.parametrize(("f", "x", "api"), _loc_params())
def test_located_error(f, x, api):
    _check_located(f, x, api)


@pytest.mark.parametrize("f", [f for f, _ in E_CASES], ids=lambda f: f.__name__)
def test_located_cases_ordinary_point(f):
    x = 0.3
    h = 1e-6
    fd = (f(x + h) - f(x - h)) / (2 * h)
    g = ad.grad(f)(x)
    assert g == pytest.approx(fd, rel=1e-5, abs=1e-6)
    assert ad.grad(f, mode="forward")(x) == pytest.approx(g, rel=1e-12)
    g2 = ad.hessian(f)(x)
    fd2 = (ad.grad(f)(x + h) - ad.grad(f)(x - h)) / (2 * h)
    assert float(np.asarray(g2)) == pytest.approx(fd2, rel=1e-4, abs=1e-5)


# ---------------------------------------------------------------- part 2: global lists

G_ARR = np.array([0.5, -1.0, 2.0])
G_MAT = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25], [0.3, 0.2, 0.1]])
G_LIST = [1.0, 2.0, 3.0]
G_ROWS = [np.array([1.0, 0.0, -1.0]), np.array([0.5, 0.5, 0.5])]


def gl_append_rows(w):
    xs = []
    for i in range(3):
        xs.append(G_MAT[i] * w)
    xs.append(G_ARR)
    return np.sum(np.stack(xs) ** 2)


def gl_items(w):
    xs = [G_LIST[0], G_LIST[2]]
    xs.append(w[0] * G_LIST[1])
    xs += [w[1] * w[2]]
    xs.extend([G_ARR[1] * w[0]])
    xs.insert(0, G_MAT[1, 1] * w[2])
    return sum(v * v for v in xs)


def gl_row_alias(w):
    rows = [G_MAT[0], G_ROWS[1]]
    rows += [w]
    rows.insert(1, G_ARR)
    rows.extend([G_ROWS[0] * w])
    return np.sum(np.tanh(np.stack(rows) @ w))


def gl_copy_then_grow(w):
    xs = list(G_LIST)
    xs.append(w[0] ** 2)
    ys = G_ROWS[:]
    ys.append(w)
    ys += [w * 2.0]
    return sum(xs) + np.sum(np.stack(ys) * w)


def gl_join_then_grow(w):
    xs = G_LIST + [w[1]]  # noqa: RUF005
    xs.append(w[2] * 3.0)
    zs = [] + G_ROWS  # noqa: RUF005
    zs.append(w)
    return sum(xs) * np.sum(np.stack(zs) ** 2)


def gl_loop_items(w):
    acc = []
    for v in G_LIST:
        acc.append(v * w[0])
    for r in G_ROWS:
        acc.extend([np.dot(r, w)])
    return sum(a * a for a in acc)


GL_OK = [
    gl_append_rows,
    gl_items,
    gl_row_alias,
    gl_copy_then_grow,
    gl_join_then_grow,
    gl_loop_items,
]


def _snapshot():
    return copy.deepcopy((G_ARR, G_MAT, G_LIST, G_ROWS))


def _same(a, b):
    ga, gm, gl, gr = a
    ha, hm, hl, hr = b
    return (
        np.array_equal(ga, ha)
        and np.array_equal(gm, hm)
        and gl == hl
        and len(gr) == len(hr)
        and all(np.array_equal(p, q) for p, q in zip(gr, hr, strict=False))
    )


def _fd_grad(f, w, h=1e-6):
    g = np.zeros_like(w)
    for i in range(w.size):
        e = np.zeros_like(w)
        e[i] = h
        g[i] = (f(w + e) - f(w - e)) / (2 * h)
    return g


@pytest.mark.parametrize("f", GL_OK, ids=lambda f: f.__name__)
def test_global_lists_allowed(f):
    w = np.array([0.3, -0.7, 1.1])
    before = _snapshot()
    fd = _fd_grad(f, w)
    g = ad.grad(f)(w)
    assert _same(before, _snapshot())
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)
    v, g2 = ad.value_and_grad(f)(w)
    assert _same(before, _snapshot())
    assert v == pytest.approx(f(w), rel=1e-12)
    np.testing.assert_allclose(g2, g, rtol=1e-12)
    gf = ad.grad(f, mode="forward")(w)
    assert _same(before, _snapshot())
    np.testing.assert_allclose(gf, g, rtol=1e-10, atol=1e-12)
    jf = ad.jacfwd(f)(w)
    assert _same(before, _snapshot())
    np.testing.assert_allclose(jf, g, rtol=1e-10, atol=1e-12)
    hs = ad.hessian(f)(w)
    assert _same(before, _snapshot())
    fdh = np.stack([_fd_grad(lambda u, i=i: ad.grad(f)(u)[i], w) for i in range(3)])
    np.testing.assert_allclose(hs, fdh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacrev(ad.grad(f))(w), hs, rtol=1e-10, atol=1e-10)
    assert _same(before, _snapshot())
    # calling again gives the same (no accumulated state)
    np.testing.assert_array_equal(ad.grad(f)(w), g)
    assert _same(before, _snapshot())


def gb_alias_append(w):
    xs = G_LIST  # BAD
    xs.append(w[0] * 2.0)  # BAD
    return sum(xs)


def gb_alias_iadd(w):
    xs = G_LIST
    xs += [w[1]]  # BAD
    return sum(xs) * w[0]


def gb_alias_extend(w):
    rows = G_ROWS
    rows.extend([w * 2.0])  # BAD
    return np.sum(np.stack(rows) ** 2)


def gb_alias_insert(w):
    rows = G_ROWS
    rows.insert(0, w)  # BAD
    return np.sum(np.stack(rows) * w)


def gb_maybe(w, fresh=False):
    xs = [] if fresh else G_LIST
    xs.append(w[2])  # BAD
    return sum(xs) * w[1]


def _gb_get():
    return G_LIST


def gb_helper(w):
    xs = _gb_get()
    xs.append(w[0])  # BAD
    return sum(xs)


def gb_loop(w):
    xs = G_LIST
    for i in range(2):
        xs.append(w[i] * w[i])  # BAD
    return sum(xs)


GL_BAD = [
    gb_alias_append,
    gb_alias_iadd,
    gb_alias_extend,
    gb_alias_insert,
    gb_maybe,
    gb_helper,
    gb_loop,
]


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "forward", "hessian"])
@pytest.mark.parametrize(
    "f",
    [pytest.param(f, id=f.__name__) for f in GL_BAD],
)
def test_global_lists_refused(f, api):
    w = np.array([0.3, -0.7, 1.1])
    before = _snapshot()
    call = {
        "grad": lambda: ad.grad(f)(w),
        "value_and_grad": lambda: ad.value_and_grad(f)(w),
        "forward": lambda: ad.grad(f, mode="forward")(w),
        "hessian": lambda: ad.hessian(f)(w),
    }[api]
    try:
        with pytest.raises(ad.S2SError) as info:
            call()
        assert _same(before, _snapshot()), "global list modified"
        msg = str(info.value)
        import inspect

        lines, start = inspect.getsourcelines(f)
        bad = {start + k for k, t in enumerate(lines) if "# BAD" in t}
        assert any(f"{HERE}:{ln}:" in msg for ln in bad), msg
    finally:
        G_LIST[:] = before[2]
        G_ROWS[:] = before[3]


# ---------------------------------------------------------------- part 3: float32 + float64

D64 = np.linspace(-1.0, 1.5, 4)
X64 = np.array([[1.0, 0.5, -0.2, 0.1], [0.3, -1.0, 0.7, 0.2], [0.0, 0.4, 0.9, -0.6]])
Y64 = np.array([0.5, -0.25, 1.0])


def f32_elementwise(w):
    return np.sum(np.tanh(w * D64) ** 2) + np.sum(w**2 * D64)


def f32_lsq(w):
    r = X64 @ w - Y64
    return np.sum(r * r) / len(Y64)


def f32_loop(w):
    s = 0.0
    for i in range(len(D64)):
        s = s + np.sin(w[i] * D64[i]) * w[(i + 1) % len(D64)]
    return s + np.mean(np.exp(0.1 * w) * D64)


def f32_scalar_count(w):
    m = np.mean(w * D64)
    return np.sum((w * D64 - m) ** 2) / (w.size - 1) + float(np.sum(D64)) * np.sum(w**3)


F32 = [f32_elementwise, f32_lsq, f32_loop, f32_scalar_count]


def _fd64(f, w):
    return _fd_grad(f, w.astype(np.float64))


def _fd_hess64(f, w, h=1e-5):
    w64 = w.astype(np.float64)
    g = ad.grad(f)
    cols = []
    for i in range(w64.size):
        e = np.zeros_like(w64)
        e[i] = h
        cols.append((g(w64 + e) - g(w64 - e)) / (2 * h))
    return np.stack(cols, axis=-1)


W32 = np.array([0.3, -0.6, 0.8, 0.2], dtype=np.float32)
V32 = np.array([1.0, 0.5, -0.5, 0.25], dtype=np.float32)


@pytest.mark.parametrize("f", F32, ids=lambda f: f.__name__)
def test_f32_grad(f):
    g = ad.grad(f)(W32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, _fd64(f, W32), rtol=2e-4, atol=2e-5)
    _v, g2 = ad.value_and_grad(f)(W32)
    assert g2.dtype == np.float32
    np.testing.assert_array_equal(g2, g)
    gf = ad.grad(f, mode="forward")(W32)
    assert gf.dtype == np.float32
    np.testing.assert_allclose(gf, g, rtol=1e-5, atol=1e-6)


F32_SECOND = {
    "hessian": lambda f: ad.hessian(f)(W32),
    "jacfwd": lambda f: ad.jacfwd(ad.grad(f))(W32),
    "jacrev": lambda f: ad.jacrev(ad.grad(f))(W32),
    "jacobian": lambda f: ad.jacobian(ad.grad(f))(W32),
    "jacobian_rev": lambda f: ad.jacobian(ad.grad(f), mode="reverse")(W32),
}


@pytest.mark.parametrize("kind", list(F32_SECOND))
@pytest.mark.parametrize("f", F32, ids=lambda f: f.__name__)
def test_f32_second(f, kind):
    h = F32_SECOND[kind](f)
    assert h.dtype == np.float32, h.dtype
    assert h.shape == (4, 4)
    np.testing.assert_allclose(h, _fd_hess64(f, W32), rtol=2e-3, atol=2e-4)


def _last(r):
    return r[-1] if isinstance(r, tuple) else r


@pytest.mark.parametrize("f", F32, ids=lambda f: f.__name__)
def test_f32_hvp_jvp_vjp(f):
    hess = _fd_hess64(f, W32)
    hv = _last(ad.hvp(f, (W32,), (V32,)))
    assert hv.dtype == np.float32
    np.testing.assert_allclose(hv, hess @ V32.astype(np.float64), rtol=2e-3, atol=2e-4)
    val, tan = ad.jvp(ad.grad(f), (W32,), (V32,))
    g = ad.grad(f)(W32)
    assert val.dtype == np.float32 and tan.dtype == np.float32
    np.testing.assert_array_equal(val, g)
    np.testing.assert_allclose(tan, hv, rtol=1e-5, atol=1e-6)
    out, pull = ad.vjp(ad.grad(f), W32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, g)
    (ct,) = pull(V32)
    assert ct.dtype == np.float32
    np.testing.assert_allclose(ct, hess.T @ V32.astype(np.float64), rtol=2e-3, atol=2e-4)


# ---------------------------------------------------------------- part 4: degenerate sizes


def d_len(x):
    m = np.mean(x)
    return np.sum((x - m) ** 2) / (len(x) - 1)


def d_size(x):
    return np.sum(x**2) / (x.size - 1)


def d_acc64(x):
    acc = np.float64(0.0)
    for v in x:
        acc = acc + v * v
    return acc / (len(x) - 1)


def d_acc_elem(x):
    acc = x[0] * 0.0
    for i in range(1, len(x) + 1):
        acc = acc + x[i - 1] ** 3
    return acc / (x.size - 1)


def d_acc_py(x):
    acc = 0.0
    for v in x:
        acc = acc + v * v
    return acc / (len(x) - 1)


def d_raises(x):
    s = float(np.sum(x * x))
    return s / (len(x) - 1)  # D1


D_NAN = [d_len, d_size, d_acc64, d_acc_elem, d_acc_py]
# (d_acc_py, a Python 0.0 accumulator over NumPy scalars, raised NumericalError in second
# derivatives before session 22: their gradient code is now specialised to the dtypes)
D_XFAIL: dict[str, str] = {}

SECOND = {
    "hessian": lambda f, x: ad.hessian(f)(x),
    "hvp": lambda f, x: _last(ad.hvp(f, (x,), (np.ones_like(x),))),
    "jacfwd_grad": lambda f, x: ad.jacfwd(ad.grad(f))(x),
}


def _d_params():
    out = []
    for f in D_NAN:
        for k in SECOND:
            marks = []
            if f.__name__ in D_XFAIL:
                marks = [pytest.mark.xfail(strict=True, reason=D_XFAIL[f.__name__])]
            out.append(pytest.param(f, k, id=f"{f.__name__}-{k}", marks=marks))
    return out


@pytest.mark.parametrize(("f", "kind"), _d_params())
def test_degenerate_second_order(f, kind):
    x = np.array([1.5])
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        plain = f(x)
        assert not np.isfinite(plain)
        g = ad.grad(f)(x)
        assert not np.all(np.isfinite(g))
        r = np.asarray(SECOND[kind](f, x))
    assert not np.all(np.isfinite(r)), r


@pytest.mark.parametrize("f", D_NAN, ids=lambda f: f.__name__)
def test_degenerate_cases_ordinary(f):
    x = np.array([0.4, -1.2, 2.0])
    np.testing.assert_allclose(ad.grad(f)(x), _fd_grad(f, x), rtol=1e-6, atol=1e-7)
    h = ad.hessian(f)(x)
    fdh = np.stack([_fd_grad(lambda u, i=i: ad.grad(f)(u)[i], x) for i in range(3)])
    np.testing.assert_allclose(h, fdh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(x), h, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kind", ["grad", *SECOND])
def test_degenerate_plain_raises_located(kind):
    x = np.array([1.5])
    with pytest.raises(ZeroDivisionError):
        d_raises(x)
    call = (lambda f, u: ad.grad(f)(u)) if kind == "grad" else SECOND[kind]
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            call(d_raises, x)
    msg = str(info.value)
    assert isinstance(info.value, (ad.S2SError, ZeroDivisionError)), repr(info.value)
    assert f"{HERE}:{_line(d_raises, '# D1')}:" in msg, msg
