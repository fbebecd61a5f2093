"""Independent tests (57th tester): fixed tuples spread by `*p`, helpers called where they
cannot be copied into second-order and module-state derivative code, integer leaves' tangents.

Every derivative is checked against central differences of the plain function, forward
against reverse, the primal value and printed output against the plain call's, and the module
state each call leaves against the plain call's."""

import contextlib
import io
from dataclasses import dataclass

import fallback_and_fixed_tuples_programs_independent as M
import fallback_other_module_independent as O
import numpy as np
import pytest

import s2s_ad as ad

X3 = np.array([0.3, -0.7, 1.1])
V3 = np.array([0.5, -1.25, 2.0])


_PRINT_TWICE = (
    "a printing helper that cannot be copied (a closure; one reading a module global the caller "
    "names a local) prints twice at second order: `def f(x): return np.sum(PCLOSED(x) ** 2)` "
    "with PCLOSED a closure printing `closure 0.7` prints it twice under hessian"
)
# (a helper of another module reading that module's global, changed by a call later in the
# function: silently wrong until session 33, refused then; inlined since session 37, its
# reads in its module where they stand: right at second order too)
_SHADOW = (
    "(silently wrong until session 33, refused now) wrong number: a helper reading module "
    "global K (the caller has a local K) and SCALE, "
    "SCALE changed by a later call: `K = np.cos(x); a = ks(x); set_s2(2.5); return a * ks(x) * K` "
    "hessian at 0.3 gives 26.721, right 23.196; hvp's gradient 11.621, right 10.272"
)
# (state_note_or under jacrev(grad): it ran the state-changing helper twice until session 33,
# a helper writing module state now counting as an effect)
PENDING_TESTS = {
    "test_helpers_that_cannot_be_copied[printing_closure-hessian]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[printing_closure-hvp]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[printing_closure-jacfwd_grad]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[printing_closure-jacrev_grad]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[printing_closure-grad_grad]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[shadow_print-hessian]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[shadow_print-hvp]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[shadow_print-jacfwd_grad]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[shadow_print-jacrev_grad]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[shadow_print-grad_grad]": _PRINT_TWICE,
    "test_helpers_that_cannot_be_copied[state_shadow_reads-hessian]": _SHADOW,
    "test_helpers_that_cannot_be_copied[state_shadow_reads-hvp]": _SHADOW,
    "test_helpers_that_cannot_be_copied[state_shadow_reads-jacfwd_grad]": _SHADOW,
    "test_helpers_that_cannot_be_copied[state_shadow_reads-jacrev_grad]": _SHADOW,
    "test_helpers_that_cannot_be_copied[state_shadow_reads-grad_grad]": _SHADOW,
}


# ------------------------------------------------------------------ state and references
def reset_state():
    M.SCALE = 2.0
    M.CFG.scale = 0.5
    M.ARR[:] = [1.0, 2.0, 3.0]
    M.LOG.clear()
    M.COUNTS[:] = 0.0
    M.K = 2.0
    M.DEF_SCALE = 3.0
    O.OTHER_SCALE = 1.5
    O.OTHER_LOG.clear()


def snapshot():
    return (
        M.SCALE,
        M.CFG.scale,
        M.ARR.tolist(),
        list(M.LOG),
        M.COUNTS.tolist(),
        O.OTHER_SCALE,
        list(O.OTHER_LOG),
    )


@pytest.fixture(autouse=True)
def _restore():
    reset_state()
    yield
    reset_state()


def fresh(f, *args):
    reset_state()
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*args)


def run(call):
    """Run `call` from a fresh module state: (result, printed output, state after)."""
    reset_state()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        out = call()
    return out, buf.getvalue(), snapshot()


def fd_grad(f, x, rest=(), h=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = h
        g[i] = (fresh(f, x + e, *rest) - fresh(f, x - e, *rest)) / (2 * h)
    return g


def fd_jac(f, x, rest=(), h=1e-6):
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(fresh(f, x, *rest))
    J = np.zeros(y0.shape + x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = h
        J[(..., *i)] = (np.asarray(fresh(f, x + e, *rest)) - np.asarray(fresh(f, x - e, *rest))) / (
            2 * h
        )
    return J


def fd_hess(f, x, rest=(), h=1e-4):
    x = np.asarray(x, dtype=float)
    n = x.size
    H = np.zeros((n, n))
    flat = x.ravel()

    def ev(d):
        return fresh(f, (flat + d).reshape(x.shape), *rest)

    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            H[i, j] = (ev(ei + ej) - ev(ei - ej) - ev(-ei + ej) + ev(-ei - ej)) / (4 * h * h)
    return H.reshape(x.shape + x.shape)


def close(a, b, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol
    )


def plain(f, *args):
    return run(lambda: f(*args))


# ------------------------------------------------------------------ second-order battery
SECOND_APIS = [
    "hessian",
    "hvp",
    "jacfwd_grad",
    "jacrev_grad",
    "grad_grad",
    "grad",
    "vjp",
    "jvp",
    "jacfwd",
    "jacrev",
    "jacobian",
    "value_and_grad",
]


def check_api(f, api, x, rest=()):
    """Check one API on scalar function f(x, *rest) against central differences, its printed
    output and the module state it leaves against the plain call's."""
    val, out0, st0 = plain(f, x, *rest)
    nrest = (None,) * len(rest)
    if api == "hessian":
        r, out, st = run(lambda: ad.hessian(f)(x, *rest))
        close(r, fd_hess(f, x, rest))
    elif api == "hvp":
        v = np.asarray(V3[: np.size(x)]).reshape(np.shape(x)) if np.ndim(x) else 0.7
        r, out, st = run(lambda: ad.hvp(f, (x, *rest), (v, *nrest)))
        g, hv = r
        H = fd_hess(f, x, rest).reshape(np.size(x), np.size(x))
        close(g, fd_grad(f, x, rest))
        close(hv, (H @ np.ravel(v)).reshape(np.shape(x)))
    elif api == "jacfwd_grad":
        r, out, st = run(lambda: ad.jacfwd(ad.grad(f))(x, *rest))
        close(r, fd_hess(f, x, rest))
    elif api == "jacrev_grad":
        r, out, st = run(lambda: ad.jacrev(ad.grad(f))(x, *rest))
        close(r, fd_hess(f, x, rest))
    elif api == "grad_grad":
        xs = float(np.ravel(x)[0])
        r, out, st = run(lambda: ad.grad(ad.grad(f))(xs, *rest))
        val, out0, st0 = plain(f, xs, *rest)
        close(r, fd_hess(f, np.float64(xs), rest))
    elif api == "grad":
        r, out, st = run(lambda: ad.grad(f)(x, *rest))
        close(r, fd_grad(f, x, rest))
    elif api == "value_and_grad":
        r, out, st = run(lambda: ad.value_and_grad(f)(x, *rest))
        assert r[0] == val
        close(r[1], fd_grad(f, x, rest))
    elif api == "vjp":

        def go():
            y, pb = ad.vjp(f, x, *rest)
            return y, pb(1.0)

        r, out, st = run(go)
        assert r[0] == val
        close(r[1][0], fd_grad(f, x, rest))
    elif api == "jvp":
        v = V3[: np.size(x)].reshape(np.shape(x))
        r, out, st = run(lambda: ad.jvp(f, (x, *rest), (v, *nrest)))
        assert r[0] == val
        close(r[1], np.sum(fd_grad(f, x, rest) * v))
    elif api in ("jacfwd", "jacrev", "jacobian"):
        fn = getattr(ad, api)
        r, out, st = run(lambda: fn(f)(x, *rest))
        close(r, fd_jac(f, x, rest))
    else:  # pragma: no cover
        raise AssertionError(api)
    assert out == out0, (out, out0)
    assert st == st0, (st, st0)
    return r


# ------------------------------------------------------------------ 1. fixed tuples spread by *p
SPREAD = [
    ("poly2", M.spread_poly, (0.5, -1.0)),
    ("poly3", M.spread_poly, (0.5, -1.0, 2.0)),
    ("poly1", M.spread_poly, (1.5,)),
    ("lin3", M.spread_fixed_arity, (0.5, -1.0)),
    ("named", M.spread_named, M.Coef(0.75, -0.5)),
    ("front", M.spread_front, (0.5, 1.5)),
    ("front2", M.spread_front2, (0.3, -0.4)),
    ("scalar2", M.spread_scalar, (0.5, 2.0)),
]
SPREAD_APIS = [
    "hessian",
    "hvp",
    "jacfwd_grad",
    "jacrev_grad",
    "vjp",
    "jacfwd",
    "jacrev",
    "jacobian",
    "jvp",
]


@pytest.mark.parametrize("api", SPREAD_APIS)
@pytest.mark.parametrize("name,f,p", SPREAD, ids=[s[0] for s in SPREAD])
def test_spread_fixed_tuple(name, f, p, api):
    x = X3 if f is not M.spread_scalar else np.float64(0.4)
    if f is M.spread_scalar and api == "hvp":
        x = np.float64(0.4)
    check_api(f, api, x, (p,))


@pytest.mark.parametrize(
    "api", ["hessian", "hvp", "jacfwd_grad", "jacrev_grad", "vjp", "jacfwd", "jacrev"]
)
def test_spread_lengths_in_sequence(api):
    """The same function with a 2-tuple, a 3-tuple, then the 2-tuple again (and a 1-tuple)."""
    for p in [
        (0.5, -1.0),
        (0.5, -1.0, 2.0),
        (0.5, -1.0),
        (1.5,),
        (0.5, -1.0, 2.0, 0.25),
        (0.5, -1.0, 2.0),
    ]:
        check_api(M.spread_poly, api, X3, (p,))


def test_spread_lengths_in_sequence_mixed_apis():
    seq = [
        ("hessian", (0.5, -1.0)),
        ("jacfwd", (0.5, -1.0, 2.0)),
        ("hvp", (0.5, -1.0)),
        ("vjp", (0.5, -1.0, 2.0)),
        ("jacrev_grad", (1.0,)),
        ("hessian", (0.5, -1.0, 2.0)),
        ("hessian", (0.5, -1.0)),
    ]
    for api, p in seq:
        check_api(M.spread_poly, api, X3, (p,))


def test_spread_named_and_plain_tuple_alternating():
    for p in [M.Coef(0.75, -0.5), (0.75, -0.5, 1.0), M.Coef(-0.25, 1.5)]:
        f = M.spread_named if isinstance(p, M.Coef) else M.spread_poly
        check_api(f, "hessian", X3, (p,))
        check_api(f, "jacrev", X3, (p,))


def test_spread_vector_output_jacobians():
    for p in [(0.5, -1.0), (0.5, -1.0, 2.0), (0.5, -1.0)]:
        J = fd_jac(M.spread_vector, X3, (p,))
        jf = ad.jacfwd(M.spread_vector)(X3, p)
        jr = ad.jacrev(M.spread_vector)(X3, p)
        ja = ad.jacobian(M.spread_vector)(X3, p)
        close(jf, J)
        close(jr, J)
        close(ja, J)
        y, pb = ad.vjp(M.spread_vector, X3, p)
        assert np.array_equal(y, M.spread_vector(X3, p))
        close(pb(V3)[0], V3 @ J)
        y2, t = ad.jvp(M.spread_vector, (X3, p), (V3, None))
        assert np.array_equal(y2, M.spread_vector(X3, p))
        close(t, J @ V3)


def test_spread_two_differentiated_args_hessian():
    p = (0.5, -1.0, 2.0)
    y = np.array([1.2, 0.4, -0.9])
    for wrt in (0, 1):
        H = ad.hessian(M.spread_two_args, wrt=wrt)(X3, y, p)
        if wrt == 0:
            ref = fd_hess(lambda a, b, c: M.spread_two_args(a, b, c), X3, (y, p))
        else:
            ref = fd_hess(lambda b, a, c: M.spread_two_args(a, b, c), y, (X3, p))
        close(H, ref)


@pytest.mark.parametrize(
    "p", [(0.5, -1.0), (0.5, -1.0, 2.0), M.Coef(0.75, -0.5)], ids=["t2", "t3", "named"]
)
def test_spread_plain_grad_refused_at_user_line(p):
    f = M.spread_named if isinstance(p, M.Coef) else M.spread_poly
    with pytest.raises(Exception) as ei:
        ad.grad(f)(X3, p)
    err = ei.value
    msg = str(err)
    assert "*p" in msg, msg
    assert "fallback_and_fixed_tuples_programs_independent.py" in msg, msg
    # the error is s2s_ad's own, raised at the user's line, not a crash inside s2s_ad
    assert type(err).__module__.startswith("s2s_ad"), type(err)
    line = f.__code__.co_firstlineno + 1
    assert str(line) in msg, msg


def test_spread_plain_grad_refused_then_hessian_still_right():
    p = (0.5, -1.0, 2.0)
    with pytest.raises(Exception, match=r"\*p"):
        ad.grad(M.spread_poly)(X3, p)
    check_api(M.spread_poly, "hessian", X3, (p,))
    with pytest.raises(Exception, match=r"\*p"):
        ad.grad(M.spread_poly)(X3, (0.5, -1.0))
    check_api(M.spread_poly, "jacrev_grad", X3, ((0.5, -1.0),))


def test_spread_grad_of_differentiated_tuple():
    # p differentiated (the README: works)
    p = (0.5, -1.0, 2.0)
    g = ad.grad(M.spread_poly, wrt=1)(X3, p)
    ref = [
        fd_grad(lambda c, i=i: M.spread_poly(X3, (*p[:i], float(c), *p[i + 1 :])), np.float64(p[i]))
        for i in range(3)
    ]
    close(np.array(g, dtype=float), np.array(ref))


# ---------------------------------------------- 2. state helpers, non-copyable helpers
STATE_FUNCS = [
    ("global", M.state_global),
    ("attr", M.state_attr),
    ("item", M.state_item),
    ("append", M.state_append),
]
CALLED_FUNCS = [
    ("note_or", M.use_note_or, (False,)),
    ("note_or_true", M.use_note_or, (True,)),
    ("closure", M.use_closure, ()),
    ("printing_closure", M.use_printing_closure, ()),
    ("other", M.use_other, ()),
    ("other_note", M.use_other_note, ()),
    ("other_state", M.use_other_state, ()),
    ("shadow", M.shadow_global, ()),
    ("shadow_print", M.shadow_global_print, ()),
    ("default", M.use_default, ()),
    ("default_print", M.use_default_print, ()),
    ("bump_global", M.use_bump_global, ()),
    ("state_closure", M.state_with_note_closure, ()),
    ("state_other", M.state_with_other, ()),
    ("state_shadow", M.state_shadow, ()),
    ("state_default", M.state_default, ()),
    ("printing_helper", M.use_printing_helper, ()),
    ("state_closure_reads", M.state_closure_reads, ()),
    ("state_shadow_reads", M.state_shadow_reads, ()),
    ("state_default_reads", M.state_default_reads, ()),
    ("state_note_or", M.state_note_or, (False,)),
    ("state_note_or_true", M.state_note_or, (True,)),
    ("state_other_reads_ours", M.state_other_reads_ours, ()),
    ("state_closure_attr", M.state_closure_attr, ()),
    ("state_closure_item", M.state_closure_item, ()),
    ("state_closure_log", M.state_closure_log, ()),
]
ALL_APIS = [
    "hessian",
    "hvp",
    "jacfwd_grad",
    "jacrev_grad",
    "grad_grad",
    "grad",
    "value_and_grad",
    "vjp",
    "jvp",
]


@pytest.mark.parametrize("api", ALL_APIS)
@pytest.mark.parametrize("name,f", STATE_FUNCS, ids=[s[0] for s in STATE_FUNCS])
def test_state_changing_helpers(name, f, api):
    check_api(f, api, X3)


@pytest.mark.parametrize("api", ALL_APIS)
@pytest.mark.parametrize("name,f,rest", CALLED_FUNCS, ids=[s[0] for s in CALLED_FUNCS])
def test_helpers_that_cannot_be_copied(name, f, rest, api):
    check_api(f, api, X3, rest)


@pytest.mark.parametrize("api", ALL_APIS)
def test_helper_updating_local_argument_refused_at_call(api):
    """README: a helper updating its argument in place is refused at the call (as before)."""
    with pytest.raises(ad.errors.UnsupportedSyntaxError) as ei:
        check_api(M.use_bump_local, api, X3)
    msg = str(ei.value)
    line = M.use_bump_local.__code__.co_firstlineno + 2
    assert f"fallback_and_fixed_tuples_programs_independent.py:{line}:" in msg, msg
    assert "bump_first" in msg


def test_shadow_after_module_constant_changed():
    """The helper reads the module's K, the caller's local K is another value."""
    M.K = 2.0
    for kval in (2.0, -0.5):
        reset_state()
        M.K = kval
        ref = fd_hess(lambda x, kv=kval: (setattr(M, "K", kv), M.shadow_global(x))[1], X3)
        M.K = kval
        H = ad.hessian(M.shadow_global)(X3)
        close(H, ref)
        M.K = kval
        close(ad.jacrev(ad.grad(M.shadow_global))(X3), ref)


def test_default_after_module_constant_changed():
    """A non-literal default is the value at the `def`, not the module constant now."""
    H0 = fd_hess(M.use_default, X3)
    M.DEF_SCALE = 10.0
    try:
        val = M.use_default(X3)
        assert val == pytest.approx(np.sum(np.sin(X3) * 6.0 * X3))
        close(ad.hessian(M.use_default)(X3), H0)
        close(ad.jacfwd(ad.grad(M.use_default))(X3), H0)
        _g, hv = ad.hvp(M.use_default, (X3,), (V3,))
        close(hv, H0 @ V3)
    finally:
        M.DEF_SCALE = 3.0


def test_state_repeated_calls_state_advances():
    """The append helper grows LOG each call: the derivative reads the value just appended."""
    reset_state()
    for _k in range(3):
        n_before = len(M.LOG)
        H = ad.hessian(M.state_append)(X3)
        assert len(M.LOG) == n_before + 1
        c = M.LOG[-1]

        def ref_f(x, c=c):
            y = np.sum(np.sin(x) * x)
            return y * y * c

        close(H, fd_hess(ref_f, X3))


# ------------------------------------------------------------------ 3. integer leaves' tangents
@dataclass
class _Unused:
    pass


def _structs():
    w = np.array([0.3, -0.6, 0.9])
    return [
        (
            "dict",
            M.int_leaf_dict,
            {"w": w, "n": 3},
            lambda t: {"w": t, "n": 3},
            lambda p, w: {"w": w, "n": p["n"]},
        ),
        ("named", M.int_leaf_named, M.P(w, 3), lambda t: M.P(t, 3), lambda p, w: M.P(w, p.n)),
        ("dc", M.int_leaf_dc, M.D(w, 3), lambda t: M.D(t, 3), lambda p, w: M.D(w, p.n)),
        (
            "loop",
            M.int_leaf_loop,
            {"w": w, "n": 3},
            lambda t: {"w": t, "n": 3},
            lambda p, w: {"w": w, "n": p["n"]},
        ),
        (
            "dict_big_int",
            M.int_leaf_dict,
            {"w": w, "n": 2},
            lambda t: {"w": t, "n": 7},
            lambda p, w: {"w": w, "n": p["n"]},
        ),
    ]


STRUCTS = _structs()


def _wf(f, p, rebuild):
    return lambda w: f(rebuild(p, w))


@pytest.mark.parametrize("name,f,p,mk,rebuild", STRUCTS, ids=[s[0] for s in STRUCTS])
def test_int_leaf_tangent_jvp(name, f, p, mk, rebuild):
    w = p["w"] if isinstance(p, dict) else p.w
    y, t = ad.jvp(f, (p,), (mk(V3),))
    assert y == f(p)
    close(t, fd_grad(_wf(f, p, rebuild), w) @ V3)


@pytest.mark.parametrize("name,f,p,mk,rebuild", STRUCTS, ids=[s[0] for s in STRUCTS])
def test_int_leaf_tangent_hvp(name, f, p, mk, rebuild):
    w = p["w"] if isinstance(p, dict) else p.w
    g, hv = ad.hvp(f, (p,), (mk(V3),))
    gw = g["w"] if isinstance(g, dict) else g.w
    hvw = hv["w"] if isinstance(hv, dict) else hv.w
    close(gw, fd_grad(_wf(f, p, rebuild), w))
    close(hvw, fd_hess(_wf(f, p, rebuild), w) @ V3)


@pytest.mark.parametrize("name,f,p,mk,rebuild", STRUCTS, ids=[s[0] for s in STRUCTS])
def test_int_leaf_jacfwd(name, f, p, mk, rebuild):
    w = p["w"] if isinstance(p, dict) else p.w
    J = ad.jacfwd(f)(p)
    Jw = J["w"] if isinstance(J, dict) else J.w
    close(Jw, fd_grad(_wf(f, p, rebuild), w))
    Jr = ad.jacrev(f)(p)
    Jrw = Jr["w"] if isinstance(Jr, dict) else Jr.w
    close(Jrw, Jw)


VEC_STRUCTS = [
    (
        "dict",
        M.int_leaf_vec_dict,
        {"w": np.array([0.3, -0.6, 0.9]), "n": 2},
        lambda t: {"w": t, "n": 2},
        lambda p, w: {"w": w, "n": p["n"]},
    ),
    (
        "named",
        M.int_leaf_vec_named,
        M.P(np.array([0.3, -0.6, 0.9]), 2),
        lambda t: M.P(t, 5),
        lambda p, w: M.P(w, p.n),
    ),
]


@pytest.mark.parametrize("name,f,p,mk,rebuild", VEC_STRUCTS, ids=[s[0] for s in VEC_STRUCTS])
def test_int_leaf_vector_output(name, f, p, mk, rebuild):
    w = p["w"] if isinstance(p, dict) else p.w
    J = fd_jac(_wf(f, p, rebuild), w)
    y, t = ad.jvp(f, (p,), (mk(V3),))
    assert np.array_equal(y, f(p))
    close(t, J @ V3)
    Jf = ad.jacfwd(f)(p)
    close(Jf["w"] if isinstance(Jf, dict) else Jf.w, J)
    _y2, pb = ad.vjp(f, p)
    ct = pb(V3)[0]
    close(ct["w"] if isinstance(ct, dict) else ct.w, V3 @ J)


def test_int_leaf_tangent_zero_int_and_none_agree():
    p = {"w": np.array([0.3, -0.6, 0.9]), "n": 3}
    r1 = ad.jvp(M.int_leaf_dict, (p,), ({"w": V3, "n": 3},))
    r2 = ad.jvp(M.int_leaf_dict, (p,), ({"w": V3, "n": 0},))
    r3 = ad.jvp(M.int_leaf_dict, (p,), ({"w": V3, "n": None},))
    assert r1[1] == r2[1] == r3[1]
    h1 = ad.hvp(M.int_leaf_dict, (p,), ({"w": V3, "n": 3},))[1]["w"]
    h2 = ad.hvp(M.int_leaf_dict, (p,), ({"w": V3, "n": 0},))[1]["w"]
    assert np.array_equal(h1, h2)


@pytest.mark.parametrize("name", ["state_shadow_reads"])
def test_uninlinable_helper_reading_changed_state_refused_at_second_order(name):
    """(session 33) A helper that cannot be copied into the gradient code and reads module
    data a helper the function calls changes: refused at second order, at the call, where
    its rerun read the changed data; first order, which runs it once, stays right."""
    f = getattr(M, name)
    with pytest.raises(ad.errors.UnsupportedSyntaxError) as exc_info:
        ad.hessian(f)(0.3)
    message = str(exc_info.value)
    assert message.startswith(M.__file__), message
    assert "reads module data" in message and "differentiated twice" in message, message
