# ruff: noqa: RUF059
"""Independent tests (tester 78): constant chains folded in derivatives.

Written from the README only; programs in constant_chains_programs_independent.py.
"""

import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import constant_chains_programs_independent as P

import s2s_ad as ad

POINTS = [0.7, -1.3]
IDS = [f.__name__ for f in P.SCALAR]


def cdiff(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def close(a, b, rtol=1e-5, atol=1e-6):
    return np.allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("f", P.SCALAR, ids=IDS)
@pytest.mark.parametrize("x", POINTS)
def test_grad_vs_central_and_forward(f, x):
    g = ad.grad(f)(x)
    gf = ad.grad(f, mode="forward")(x)
    v, gv = ad.value_and_grad(f)(x)
    assert v == f(x)
    assert close(g, cdiff(f, x), rtol=1e-5, atol=1e-4 * max(1.0, abs(g)))
    assert close(g, gf, rtol=1e-12, atol=1e-12)
    assert close(gv, g, rtol=0, atol=0)
    out, t = ad.jvp(f, (x,), (1.0,))
    assert out == f(x)
    assert close(t, g, rtol=1e-12, atol=1e-12)
    out2, pb = ad.vjp(f, x)
    assert out2 == f(x)
    assert close(pb(1.0)[0], g, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f", P.SCALAR, ids=IDS)
def test_hessian_vs_grad_differences(f):
    x = 0.9
    h = ad.hessian(f)(x)
    ref = cdiff(ad.grad(f), x, h=1e-5)
    assert close(h, ref, rtol=1e-4, atol=1e-4 * max(1.0, abs(ref)))
    gg = ad.grad(ad.grad(f))(x)
    assert close(gg, h, rtol=1e-10, atol=1e-10)


def test_exact_values():
    assert ad.grad(P.long_sum)(0.3) == 20.0
    assert ad.grad(P.mul_chain)(0.3) == 12.0
    assert ad.grad(P.loop_const)(0.3) == 10.0
    assert ad.grad(P.long_terms_1d)(0.3) == 120.0
    assert ad.grad(P.pow_tower)(1.0) == 8.0  # x ** 8
    assert ad.grad(P.pow_tower_paren)(1.0) == 6.0
    assert ad.grad(P.int_bool_mix)(1.0) == pytest.approx(2 + 1 + 6 + 0 + 3 + 8)
    assert ad.grad(P.zero_times)(0.5) == pytest.approx(math.cos(0.5))
    assert ad.grad(P.minus_chain)(2.0) == pytest.approx(5.0)
    assert ad.grad(P.neg_shift)(1.0) == pytest.approx(-((1.0 - 3.0) + (1.0 - 3.0)))


def test_huge_tiny_literals():
    g = ad.grad(P.huge_lit)(2.0)
    ref = 1e308 * 1e-308 + 1e-320 * 1e300
    assert g == pytest.approx(ref, rel=1e-12)
    gf = ad.grad(P.huge_lit, mode="forward")(2.0)
    assert gf == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_inf_not_folded_away(mode):
    g = ad.grad(P.overflow_lit, mode=mode)(1.5)
    assert math.isinf(g) and g > 0
    assert math.isinf(ad.hessian(P.overflow_lit)(1.5)) is False  # second derivative: 0 * inf?


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_nan_not_folded_away(mode):
    g = ad.grad(P.nan_lit, mode=mode)(1.5)
    assert math.isnan(g)
    v, _ = ad.value_and_grad(P.nan_lit, mode=mode)(1.5)
    assert math.isnan(v)


def test_vector_jacobians():
    x = np.array([0.3, -1.2, 2.0])
    jf = ad.jacfwd(P.vec_out)(x)
    jr = ad.jacrev(P.vec_out)(x)
    ref = np.eye(3) * (2.0 + 9.0 - 1.0)
    assert close(jf, ref, rtol=1e-14, atol=0)
    assert close(jr, ref, rtol=1e-14, atol=0)
    g = ad.grad(P.vec_sum)(x)
    assert close(g, np.full(3, 2.0 + 3.0 + 1.0 + 0.25), rtol=1e-14, atol=0)
    H = ad.hessian(P.vec_sum)(x)
    assert close(H, np.zeros((3, 3)), rtol=0, atol=0)


def test_two_args_wrt_tuple():
    x, y = 0.4, -2.0
    gx, gy = ad.grad(P.two_args, wrt=(0, 1))(x, y)
    assert gx == pytest.approx(2.0 * y + 3.0 + y)
    assert gy == pytest.approx(2.0 * x + 4.0 + x)
    out, t = ad.jvp(P.two_args, (x, y), (1.0, 0.5))
    assert t == pytest.approx(gx + 0.5 * gy)


def test_long_one_line_sum_generated(tmp_path):
    n = 400
    src = "def f(x):\n    return " + " + ".join(f"{(i % 7) + 1}.0 * x" for i in range(n)) + "\n"
    src += "def g(x):\n    return " + " + ".join(["x"] * n) + " + 2.0 + 3.0\n"
    p = tmp_path / "long_mod_t78.py"
    p.write_text(src)
    sys.path.insert(0, str(tmp_path))
    try:
        import importlib

        m = importlib.import_module("long_mod_t78")
        ref = float(sum((i % 7) + 1 for i in range(n)))
        assert ad.grad(m.f)(0.5) == pytest.approx(ref, rel=1e-14)
        assert ad.grad(m.f, mode="forward")(0.5) == pytest.approx(ref, rel=1e-14)
        assert ad.grad(m.g)(0.5) == float(n)
        out, t = ad.jvp(m.g, (0.5,), (1.0,))
        assert out == m.g(0.5) and t == float(n)
    finally:
        sys.path.remove(str(tmp_path))


LEFTOVER = [
    (re.compile(r"(?<![\w.])1\.0 \* "), "1.0 * "),
    (re.compile(r" \* 1\.0(?![\w.])"), " * 1.0"),
    (
        re.compile(r"(?<![\w.])\d+\.\d+(e[+-]?\d+)? [+*-] \d+\.\d+(e[+-]?\d+)?(?![\w.])"),
        "lit op lit",
    ),
]


def leftovers(src):
    body = [ln for ln in src.splitlines() if not ln.strip().startswith("#")]
    found = []
    for ln in body:
        for rx, name in LEFTOVER:
            if rx.search(ln):
                found.append((name, ln.strip()))
    return found


@pytest.mark.parametrize("f", P.SCALAR, ids=IDS)
@pytest.mark.parametrize("mode", ["reverse", "forward", "gradient"])
def test_derivative_source_compiles_and_report_leftovers(f, mode):
    src = ad.derivative_source(f, mode)
    assert "def " in src
    # report only (not a failure): print leftovers for the tester's report
    lo = leftovers(src)
    if lo:
        print(f"LEFTOVER {f.__name__} {mode}: {lo}")


def test_sums_of_many_terms_exact(tmp_path):
    # (speed is the benchmark's: benchmarks/transform_cost.py --one-line-sums; no timed test)
    import importlib

    sizes = (500, 2000)
    src = ""
    for n in sizes:
        # one line is refused beyond ~500 operators (recursion limit): lines of 100 terms
        src += f"def f{n}(x):\n    y = 0.0\n"
        for k in range(0, n, 100):
            src += (
                "    y = y + "
                + " + ".join(f"{(i % 5) + 1}.0 * x" for i in range(k, k + 100))
                + "\n"
            )
        src += "    return y\n"
    (tmp_path / "lin_mod_t78.py").write_text(src)
    sys.path.insert(0, str(tmp_path))
    try:
        m = importlib.import_module("lin_mod_t78")
        for n in sizes:
            g = ad.grad(getattr(m, f"f{n}"))(0.5)
            assert g == float(sum((i % 5) + 1 for i in range(n)))
    finally:
        sys.path.remove(str(tmp_path))
