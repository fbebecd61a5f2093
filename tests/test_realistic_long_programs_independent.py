"""Derivatives of realistic long functions (issue 19, part 6; tester 84, from the README alone).

Eight kinds of function a user writes (`realistic_long_programs_independent.py`), at about
100 lines each and a few at 400, each in a fresh module: `grad` (both modes),
`value_and_grad`, `jvp`, `vjp`, `jacfwd`, `jacrev` (of a two-entry output) and `hessian`
against central differences (float64, eps 1e-6), forward mode against reverse mode, the
primal values equal to the plain call's, and the generated source the same for the same
function made twice. No timing is asserted (the benchmark:
`benchmarks/realistic_transform_cost_independent.py`).
"""

import os
import tempfile

import numpy as np
import pytest
import realistic_long_programs_independent as rp

import s2s_ad as ad

os.environ.setdefault("T84_MODULE_DIR", tempfile.mkdtemp(prefix="t84_mods_"))

KINDS = list(rp.KINDS)
EPS = 1e-6


def fd_grad(f, x, eps=EPS):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def fd_jac(f, x, eps=EPS):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(cols, axis=-1)


def close_fd(ours, ref, rtol=1e-5):
    """Central differences: rtol 1e-5, with an absolute floor scaled by the largest entry."""
    scale = max(1.0, float(np.max(np.abs(ref))))
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=1e-6 * scale)


def close_modes(a, b):
    """Forward against reverse: the same math in another order, so to rounding."""
    scale = max(1.0, float(np.max(np.abs(b))))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11 * scale)


_cache = {}


def program(kind, lines=100, vector=False):
    key = (kind, lines, vector)
    if key not in _cache:
        _cache[key] = rp.load(kind, lines, vector)
    return _cache[key]


@pytest.mark.parametrize("kind", KINDS)
def test_sizes_are_as_asked(kind):
    for lines in rp.SIZES:
        n = rp.body_lines(rp.source(kind, lines))
        assert lines <= n <= lines + 10


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("kind", KINDS)
def test_grad_against_central_differences(kind, seed):
    f = program(kind)
    x = rp.point(kind, seed)
    g = ad.grad(f)(x)
    assert g.shape == x.shape and g.dtype == np.float64
    close_fd(g, fd_grad(f, x))


@pytest.mark.parametrize("kind", KINDS)
def test_forward_grad_equals_reverse(kind):
    f = program(kind)
    x = rp.point(kind)
    close_modes(ad.grad(f, mode="forward")(x), ad.grad(f)(x))


@pytest.mark.parametrize("kind", KINDS)
def test_value_and_grad(kind):
    f = program(kind)
    x = rp.point(kind)
    value, g = ad.value_and_grad(f)(x)
    assert value == f(x)
    np.testing.assert_array_equal(g, ad.grad(f)(x))


@pytest.mark.parametrize("kind", KINDS)
def test_jvp_against_grad_and_differences(kind):
    f = program(kind)
    x = rp.point(kind)
    v = np.cos(np.arange(x.size) * 1.3)
    value, tangent = ad.jvp(f, (x,), (v,))
    assert value == f(x)
    close_modes(tangent, ad.grad(f)(x) @ v)
    close_fd(tangent, (f(x + EPS * v) - f(x - EPS * v)) / (2 * EPS))


@pytest.mark.parametrize("kind", KINDS)
def test_vjp_against_grad(kind):
    f = program(kind)
    x = rp.point(kind)
    out, pullback = ad.vjp(f, x)
    assert out == f(x)
    (ct,) = pullback(2.5)
    close_modes(ct, 2.5 * ad.grad(f)(x))


@pytest.mark.parametrize("kind", KINDS)
def test_jacobians_of_two_outputs(kind):
    f = program(kind, vector=True)
    x = rp.point(kind)
    jf = ad.jacfwd(f)(x)
    jr = ad.jacrev(f)(x)
    assert jf.shape == jr.shape == (2, x.size)
    close_modes(jf, jr)
    close_fd(jr, fd_jac(f, x))
    # the vector version's first entry is the scalar version
    assert f(x)[0] == program(kind)(x)


@pytest.mark.parametrize("kind", KINDS)
def test_vector_jvp_vjp_dot_product(kind):
    f = program(kind, vector=True)
    x = rp.point(kind, 1)
    v = np.sin(np.arange(x.size) + 0.5)
    w = np.array([0.7, -1.3])
    out, tangent = ad.jvp(f, (x,), (v,))
    np.testing.assert_array_equal(out, f(x))
    out2, pullback = ad.vjp(f, x)
    np.testing.assert_array_equal(out2, f(x))
    (ct,) = pullback(w)
    np.testing.assert_allclose(w @ tangent, ct @ v, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kind", KINDS)
def test_hessian(kind):
    f = program(kind)
    x = rp.point(kind)
    h = ad.hessian(f)(x)
    assert h.shape == (x.size, x.size)
    np.testing.assert_allclose(h, h.T, rtol=1e-8, atol=1e-10)
    g = ad.grad(f)
    ref = fd_jac(g, x, eps=1e-5)
    scale = max(1.0, float(np.max(np.abs(ref))))
    np.testing.assert_allclose(h, ref, rtol=1e-4, atol=1e-6 * scale)


@pytest.mark.parametrize("kind", ["mlp", "stencil", "gp", "branches", "helpers", "pythonic"])
def test_400_lines(kind):
    f = program(kind, 400)
    x = rp.point(kind, 2)
    g = ad.grad(f)(x)
    close_fd(g, fd_grad(f, x))
    v = np.cos(np.arange(x.size))
    value, tangent = ad.jvp(f, (x,), (v,))
    assert value == f(x)
    close_modes(tangent, g @ v)


@pytest.mark.parametrize("kind", KINDS)
def test_generated_source_deterministic(kind):
    src = rp.source(kind, 100)
    f1 = rp.load_source(src, kind).f
    f2 = rp.load_source(src, kind).f
    x = rp.point(kind)
    for mode in ("reverse", "forward"):
        a = ad.derivative_source(f1, mode)
        assert a == ad.derivative_source(f1, mode)
        assert a == ad.derivative_source(f2, mode)
    a = ad.derivative_source(f1, "gradient", args=(x,))
    assert a == ad.derivative_source(f2, "gradient", args=(x,))
    # and what grad ran gives the same numbers for the two modules
    np.testing.assert_array_equal(ad.grad(f1)(x), ad.grad(f2)(x))


def test_pythonic_early_returns():
    """Points where the early returns fire: at the head (`g > 100`) and in a loop (`v > 50`)."""
    f = program("pythonic")
    x = rp.point("pythonic")
    x_head = x.copy()
    x_head[5] = 150.0
    assert f(x_head) == 150.0
    expected = np.zeros_like(x)
    expected[5] = 1.0
    np.testing.assert_array_equal(ad.grad(f)(x_head), expected)
    x_loop = x.copy()
    x_loop[2] = 60.0
    close_fd(ad.grad(f)(x_loop), fd_grad(f, x_loop))
    value, tangent = ad.jvp(f, (x_loop,), (np.ones_like(x),))
    assert value == f(x_loop)
    close_fd(tangent, np.sum(fd_grad(f, x_loop)))


def test_branches_other_arms():
    """Points that take other arms of the branches (larger and negative values)."""
    f = program("branches")
    for scale in (-2.0, 3.0, 0.05):
        x = rp.point("branches", 3) * scale
        close_fd(ad.grad(f)(x), fd_grad(f, x))
        close_modes(ad.grad(f, mode="forward")(x), ad.grad(f)(x))
