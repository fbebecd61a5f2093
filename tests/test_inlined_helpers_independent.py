"""Independent tests (56th tester): helpers inlined at second order, module state, pullbacks.

Written from the README alone. Programs live in inlined_helpers_programs_independent.py.
"""

import contextlib
import io
import logging

import inlined_helpers_programs_independent as P
import numpy as np
import pytest

import s2s_ad as ad

X = np.array([0.3, -0.7, 1.1])
V = np.array([0.2, 0.5, -0.4])
_RECORDS = []


class _ListHandler(logging.Handler):
    def emit(self, record):
        _RECORDS.append(record.getMessage())


@pytest.fixture(autouse=True)
def _state():
    handler = _ListHandler()
    P.LOGGER.addHandler(handler)
    old_level, old_prop = P.LOGGER.level, P.LOGGER.propagate
    P.LOGGER.setLevel(logging.INFO)
    P.LOGGER.propagate = False
    rng_state = P.RNG.bit_generator.state
    _reset()
    yield
    _reset()
    P.RNG.bit_generator.state = rng_state
    P.LOGGER.removeHandler(handler)
    P.LOGGER.setLevel(old_level)
    P.LOGGER.propagate = old_prop


def _reset():
    P.HISTORY.clear()
    P.CALLS = 0
    P.SCALE = 2.0
    P.STATS[:] = 0.0
    P.CACHE.clear()
    P.CFG.steps = 0
    _RECORDS.clear()


def _run(fn):
    """Result, printed text and log records of fn()."""
    _RECORDS.clear()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        r = fn()
    return r, buf.getvalue(), list(_RECORDS)


def _fd_hessian(g, x, eps=1e-5):
    cols = []
    for e in np.eye(x.size) * eps:
        cols.append((g(x + e) - g(x - e)) / (2 * eps))
    return np.stack(cols, axis=1)


def _fd_grad(f, x, eps=1e-6):
    return np.array([(f(x + e) - f(x - e)) / (2 * eps) for e in np.eye(x.size) * eps])


SECOND = {
    "hessian": lambda f, x: ad.hessian(f)(x),
    "jacfwd_grad": lambda f, x: ad.jacfwd(ad.grad(f))(x),
    "jacrev_grad": lambda f, x: ad.jacrev(ad.grad(f))(x),
    "hvp": lambda f, x: ad.hvp(f, (x,), (V,))[1],
}

PRINTING = [
    "loop",
    "branch",
    "tuple",
    "nested",
    "stack",
    "dict",
    "nt",
    "lambda",
    "star",
    "early",
    "loop_print",
    "called_twice",
    "two_levels",
    "names",
    "caller_loop",
    "break_else",
    "kwonly",
    "closure",
    "print_and_state",
    "default_global",
    "records",
    "list_arg",
    "param_named_global",
]


def _pair(name):
    return getattr(P, "f_" + name), getattr(P, "f_" + name + "_q")


# ---------------------------------------------------------------- part 1


@pytest.mark.parametrize("api", sorted(SECOND))
@pytest.mark.parametrize("name", PRINTING)
def test_printing_helper_second_order(name, api):
    f, fq = _pair(name)
    val, out0, log0 = _run(lambda: f(X))
    hist0 = list(P.HISTORY)
    assert val == pytest.approx(fq(X), rel=1e-12)
    hq = ad.hessian(fq)(X)
    np.testing.assert_allclose(hq, _fd_hessian(ad.grad(fq), X), atol=2e-5)
    P.HISTORY.clear()
    r, out, log = _run(lambda: SECOND[api](f, X))
    ref = hq @ V if api == "hvp" else hq
    np.testing.assert_allclose(r, ref, rtol=1e-10, atol=1e-12)
    assert out == out0
    assert log == log0
    assert hist0 == P.HISTORY


FIRST = {
    "grad": lambda f, x: ad.grad(f)(x),
    "grad_forward": lambda f, x: ad.grad(f, mode="forward")(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x)[1],
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0)[0],
    "jvp": lambda f, x: ad.jvp(f, (x,), (V,))[1],
}


@pytest.mark.parametrize("api", sorted(FIRST))
@pytest.mark.parametrize("name", ["loop", "tuple", "two_levels", "print_and_state", "records"])
def test_printing_helper_first_order(name, api):
    f, fq = _pair(name)
    _, out0, log0 = _run(lambda: f(X))
    g = ad.grad(fq)(X)
    np.testing.assert_allclose(g, _fd_grad(fq, X), rtol=1e-6, atol=1e-7)
    r, out, log = _run(lambda: FIRST[api](f, X))
    np.testing.assert_allclose(r, g @ V if api == "jvp" else g, rtol=1e-10, atol=1e-12)
    assert (out, log) == (out0, log0)


SCALAR_SECOND = {
    "grad_grad": lambda f, t: ad.grad(ad.grad(f))(t),
    "hessian": lambda f, t: ad.hessian(f)(t),
    "jacfwd_grad": lambda f, t: ad.jacfwd(ad.grad(f))(t),
    "jacrev_grad": lambda f, t: ad.jacrev(ad.grad(f))(t),
}


@pytest.mark.parametrize("api", sorted(SCALAR_SECOND))
@pytest.mark.parametrize("name", ["s_loop", "s_tuple", "s_branch"])
def test_scalar_second_order(name, api):
    f, fq = getattr(P, name), getattr(P, name + "_q")
    t = 0.4
    _, out0, log0 = _run(lambda: f(t))
    ref = ad.grad(ad.grad(fq))(t)
    fd = (ad.grad(fq)(t + 1e-5) - ad.grad(fq)(t - 1e-5)) / 2e-5
    assert ref == pytest.approx(fd, rel=1e-7)
    r, out, log = _run(lambda: SCALAR_SECOND[api](f, t))
    assert float(r) == pytest.approx(ref, rel=1e-12)
    assert (out, log) == (out0, log0)


DRAWS = {
    "noise": (P.f_noise_fixed, lambda: P.RNG.standard_normal(3)),
    "dropout": (P.f_dropout_fixed, lambda: P.RNG.uniform(size=3)),
}
ALL_APIS = dict(SECOND, **FIRST)


@pytest.mark.parametrize("api", sorted(ALL_APIS))
@pytest.mark.parametrize("name", sorted(DRAWS))
def test_drawing_helper(name, api):
    f = getattr(P, "f_" + name)
    fixed, draw = DRAWS[name]
    start = P.RNG.bit_generator.state
    d = draw()
    after = P.RNG.bit_generator.state
    P.RNG.bit_generator.state = start
    _, out0, _ = _run(lambda: f(X))
    P.RNG.bit_generator.state = start
    r, out, _ = _run(lambda: ALL_APIS[api](f, X))
    assert P.RNG.bit_generator.state == after
    assert out == out0
    g = ad.grad(fixed)(X, d)
    np.testing.assert_allclose(g, _fd_grad(lambda z: fixed(z, d), X), rtol=1e-6, atol=1e-7)
    h = ad.hessian(fixed)(X, d)
    ref = {"hvp": h @ V, "jvp": g @ V}.get(api, h if api in SECOND else g)
    np.testing.assert_allclose(r, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("api", sorted(SCALAR_SECOND))
@pytest.mark.parametrize("name", ["s_noise", "s_helper_noise"])
def test_scalar_draw_second_order(name, api):
    f = getattr(P, name)
    start = P.RNG.bit_generator.state
    e = P.RNG.standard_normal()
    after = P.RNG.bit_generator.state
    P.RNG.bit_generator.state = start
    r, out, _ = _run(lambda: SCALAR_SECOND[api](f, 0.4))
    assert P.RNG.bit_generator.state == after
    assert out.count("\n") == 1
    assert float(r) == pytest.approx(ad.grad(ad.grad(P.s_noise_fixed))(0.4, e), rel=1e-12)


# ---------------------------------------------------------------- part 2

_DATA = np.random.default_rng(1)
XS = _DATA.standard_normal((5, 3))
YS = _DATA.standard_normal(5)


def _snapshot():
    return (
        list(P.HISTORY),
        P.CALLS,
        P.SCALE,
        P.STATS.tolist(),
        dict(P.CACHE),
        P.CFG.steps,
        list(_RECORDS),
    )


STATE_CASES = {
    "train_step": (P.train_step, P.train_step_q, (XS, YS)),
    "sim": (P.sim, P.sim_q, ()),
    "rescaled": (P.rescaled, P.rescaled_q, ()),
    "obj_state": (P.obj_state, P.obj_state_q, ()),
    "cached": (P.cached, P.cached_q, ()),
    "big_loop": (P.big_loop, P.big_loop_q, ()),
}

STATE_APIS = {
    "grad": lambda f, a: ad.grad(f)(X, *a),
    "grad_forward": lambda f, a: ad.grad(f, mode="forward")(X, *a),
    "value_and_grad": lambda f, a: ad.value_and_grad(f)(X, *a),
    "jvp": lambda f, a: ad.jvp(f, (X, *a), (V,) + (None,) * len(a)),
    "vjp_twice": lambda f, a: (lambda o, pb: (o, pb(1.0)[0], pb(1.0)[0]))(*ad.vjp(f, X, *a)),
    "jacfwd": lambda f, a: ad.jacfwd(f)(X, *a),
    "jacrev": lambda f, a: ad.jacrev(f)(X, *a),
    "hessian": lambda f, a: ad.hessian(f)(X, *a),
    "hvp": lambda f, a: ad.hvp(f, (X, *a), (V,) + (None,) * len(a))[1],
    "jacfwd_grad": lambda f, a: ad.jacfwd(ad.grad(f))(X, *a),
    "jacrev_grad": lambda f, a: ad.jacrev(ad.grad(f))(X, *a),
}


@pytest.mark.parametrize("api", sorted(STATE_APIS))
@pytest.mark.parametrize("name", sorted(STATE_CASES))
def test_module_state(name, api):
    f, fq, rest = STATE_CASES[name]
    _reset()
    val = f(X, *rest)
    state0 = _snapshot()
    assert val == pytest.approx(fq(X, *rest), rel=1e-12)
    g = ad.grad(fq)(X, *rest)
    np.testing.assert_allclose(g, _fd_grad(lambda z: fq(z, *rest), X), rtol=1e-6, atol=1e-6)
    h = ad.hessian(fq)(X, *rest)
    np.testing.assert_allclose(h, _fd_hessian(lambda z: ad.grad(fq)(z, *rest), X), atol=2e-5)
    expected = {
        "value_and_grad": (val, g),
        "jvp": (val, g @ V),
        "vjp_twice": (val, g, g),
        "hessian": h,
        "hvp": h @ V,
        "jacfwd_grad": h,
        "jacrev_grad": h,
    }.get(api, g)
    _reset()
    r = STATE_APIS[api](f, rest)
    assert _snapshot() == state0
    got = r if isinstance(r, tuple) else (r,)
    want = expected if isinstance(expected, tuple) else (expected,)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=False):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("api", ["jacfwd", "jacrev", "jvp", "vjp"])
def test_vector_output_with_state(api):
    f, fq = P.vec_state, P.vec_state_q
    _reset()
    out0 = f(X)
    state0 = _snapshot()
    J = ad.jacfwd(fq)(X)
    fd = np.stack([(fq(X + e) - fq(X - e)) / 2e-6 for e in np.eye(3) * 1e-6], 1)
    np.testing.assert_allclose(J, fd, atol=1e-7)
    ct = np.array([0.6, -1.3, 0.4])
    _reset()
    if api == "jacfwd":
        np.testing.assert_allclose(ad.jacfwd(f)(X), J, rtol=1e-12)
    elif api == "jacrev":
        np.testing.assert_allclose(ad.jacrev(f)(X), J, rtol=1e-12)
    elif api == "jvp":
        o, t = ad.jvp(f, (X,), (V,))
        np.testing.assert_array_equal(o, out0)
        np.testing.assert_allclose(t, J @ V, rtol=1e-12)
    else:
        o, pb = ad.vjp(f, X)
        np.testing.assert_array_equal(o, out0)
        np.testing.assert_allclose(pb(ct)[0], ct @ J, rtol=1e-12)
        np.testing.assert_array_equal(pb(ct)[0], pb(ct)[0])
    assert _snapshot() == state0


def test_state_helper_called_each_call():
    g = ad.grad(P.train_step)
    for _ in range(3):
        g(X, XS, YS)
    assert len(P.HISTORY) == 3
    assert P.HISTORY[0] == P.HISTORY[2] == pytest.approx(P.train_step_q(X, XS, YS), rel=1e-14)


# (refused under every API from 676c6c2 until a fix later in session 33: the helper is
# called, not inlined, where its globals' names are the function's locals)
@pytest.mark.parametrize("api", ["grad", "hessian"])
def test_local_named_like_global_a_helper_reads(api):
    _reset()
    g = ad.grad(P.sim_local_decay_q)(X) if api == "grad" else ad.hessian(P.sim_local_decay_q)(X)
    r = ad.grad(P.sim_local_decay)(X) if api == "grad" else ad.hessian(P.sim_local_decay)(X)
    np.testing.assert_allclose(r, g, rtol=1e-12)
    assert P.CALLS == 1


@pytest.mark.xfail(
    strict=True,
    reason=(
        "hessian of f_shadow, whose printing helper reads module SCALE/W while f has locals "
        "SCALE and W, prints twice: the helper cannot be inlined (its globals' names are the "
        "function's locals), so it is called, and its gradient code runs it again (refused "
        "from 676c6c2 until a fix later in session 33; before, right but printing twice too)"
    ),
)
def test_printing_helper_reads_global_shadowed_by_local():
    r, out, _ = _run(lambda: ad.hessian(P.f_shadow)(X))
    np.testing.assert_allclose(r, ad.hessian(P.f_shadow_q)(X), rtol=1e-12)
    assert out == "h_shadow\n"


def test_shadow_first_order_still_works():
    _, out0, _ = _run(lambda: P.f_shadow(X))
    r, out, _ = _run(lambda: ad.grad(P.f_shadow)(X))
    np.testing.assert_allclose(r, ad.grad(P.f_shadow_q)(X), rtol=1e-12)
    assert out == out0


# ---------------------------------------------------------------- part 3

CT2 = np.array([0.6, -1.3])


@pytest.mark.parametrize("which", ["glob_w", "nested_attr", "bound_method"])
def test_pullback_matches_jacobians(which):
    f, fq = {
        "glob_w": (P.glob_w, P.glob_w_q),
        "nested_attr": (P.nested_attr, P.nested_attr_q),
        "bound_method": (P.MODEL.forward, lambda z: P.nested_attr_q(z) / 0.8),
    }[which]
    Jq = np.stack([(fq(X + e) - fq(X - e)) / 2e-6 for e in np.eye(3) * 1e-6], 1)
    out, pb = ad.vjp(f, X)
    np.testing.assert_allclose(out, fq(X), rtol=1e-12)
    a = pb(CT2)[0]
    np.testing.assert_allclose(a, CT2 @ ad.jacrev(f)(X), rtol=1e-12)
    np.testing.assert_allclose(ad.jacrev(f)(X), ad.jacfwd(f)(X), rtol=1e-12)
    np.testing.assert_allclose(a, CT2 @ Jq, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(pb(CT2)[0], a)
    np.testing.assert_allclose(pb(2.0 * CT2)[0], 2.0 * a, rtol=1e-12)


@pytest.mark.parametrize("f", [P.glob_scalar, P.MODEL.loss], ids=["glob_scalar", "model_loss"])
def test_pullback_scalar(f):
    out, pb = ad.vjp(f, X)
    assert out == f(X)
    g = ad.grad(f)(X)
    np.testing.assert_allclose(g, _fd_grad(f, X), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(pb(1.0)[0], g, rtol=1e-12)
    np.testing.assert_allclose(pb(1.0)[0], pb(1.0)[0], rtol=0)
    np.testing.assert_allclose(pb(-0.5)[0], -0.5 * g, rtol=1e-12)


def test_pullback_after_globals_rebound():
    _out, pb = ad.vjp(P.glob_w, X)
    a = pb(CT2)[0]
    w0, c0 = P.W, P.CONFIG
    try:
        P.W = w0 * 3.0
        P.CONFIG = {"alpha": 5.0, "beta": np.zeros(2)}
        np.testing.assert_array_equal(pb(CT2)[0], a)
    finally:
        P.W, P.CONFIG = w0, c0
    np.testing.assert_array_equal(pb(CT2)[0], a)


def test_pullback_after_dict_item_changed():
    _out, pb = ad.vjp(P.glob_w, X)
    a = pb(CT2)[0]
    try:
        P.CONFIG["alpha"] = 9.0
        np.testing.assert_array_equal(pb(CT2)[0], a)
    finally:
        P.CONFIG["alpha"] = 0.7


def test_pullback_after_nested_attributes_rebound():
    _out, pb = ad.vjp(P.nested_attr, X)
    a = pb(CT2)[0]
    g0, w0, s0 = P.NEST.inner.gain, P.MODEL.layers[0].W, P.MODEL.scale
    try:
        P.NEST.inner.gain = 7.0
        P.MODEL.layers[0].W = w0 * 2.0
        P.MODEL.scale = 9.0
        np.testing.assert_array_equal(pb(CT2)[0], a)
    finally:
        P.NEST.inner.gain, P.MODEL.layers[0].W, P.MODEL.scale = g0, w0, s0


def test_pullback_with_state_helper():
    _out, pb = ad.vjp(P.pull_state, X)
    assert P.CALLS == 1
    a = pb(CT2)[0]
    P.SCALE = 4.0
    np.testing.assert_array_equal(pb(CT2)[0], a)
    assert P.CALLS == 1
    P.SCALE = 2.0
    np.testing.assert_allclose(a, CT2 @ ad.jacfwd(P.pull_state)(X), rtol=1e-12)
    J = np.stack(
        [(np.sin(P.W @ (X + e)) - np.sin(P.W @ (X - e))) * 2.0 / 2e-6 for e in np.eye(3) * 1e-6], 1
    )
    np.testing.assert_allclose(a, CT2 @ J, rtol=1e-6)
