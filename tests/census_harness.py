"""Checking harness for the autograd census (independent tester, issue 18).

For a row f(*args) (all arguments float64 and differentiated), checks:
  * reverse mode: ad.vjp value == plain call; <ct, J v> from central differences
    equals sum_i <pullback_i, v_i>; cotangent shapes equal argument shapes
  * forward mode: ad.jvp value == plain call; tangent == central differences
  * agreement: <ct, jvp tangent> == sum_i <pullback_i, v_i> (dot-product test)
Central differences: 4-point Richardson stencil along a random direction.
"""

import math
import traceback
import zlib

import numpy as np

import s2s_ad as ad


class WrongNumber(AssertionError):
    pass


def _rand_like(rng, a):
    if isinstance(a, float):
        return float(rng.standard_normal())
    a = np.asarray(a)
    return rng.standard_normal(a.shape)


def _axpy(a, t, v):
    if isinstance(a, float):
        return a + t * v
    return np.asarray(a) + t * v


def central_diff(f, args, vs, h):
    def at(t):
        return np.asarray(f(*[_axpy(a, t, v) for a, v in zip(args, vs, strict=False)]), dtype=float)

    fp1, fm1, fp2, fm2 = at(h), at(-h), at(2 * h), at(-2 * h)
    return (8.0 * (fp1 - fm1) - (fp2 - fm2)) / (12.0 * h)


def _dot(a, b):
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _close(a, b, rtol, atol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False, f"shape {a.shape} vs {b.shape}"
    if a.size == 0:
        return True, ""
    if not np.all(np.isfinite(a)):
        return False, f"non-finite s2s_ad value {a.ravel()[:4]}"
    scale = max(1.0, float(np.max(np.abs(b))))
    err = float(np.max(np.abs(a - b)))
    ok = err <= atol * scale + rtol * float(np.max(np.abs(b)))
    return ok, f"max|diff|={err:.3g} (scale {scale:.3g})"


def _same_value(out, plain):
    o = np.asarray(out, dtype=float)
    p = np.asarray(plain, dtype=float)
    if o.shape != p.shape:
        return False, f"value shape {o.shape} vs plain {p.shape}"
    if o.size == 0:
        return True, ""
    ok = np.allclose(o, p, rtol=1e-12, atol=1e-14, equal_nan=True)
    return ok, f"value max|diff|={float(np.max(np.abs(o - p))):.3g}"


def evaluate(row, seed=0):
    """Return {'reverse': (ok, reason, exc), 'forward': ..., 'agree': ...}."""
    f, args = row.func, tuple(row.args)
    rng = np.random.default_rng(zlib.crc32(row.name.encode()) + seed)
    plain = f(*args)
    vs = tuple(_rand_like(rng, a) for a in args)
    ct = rng.standard_normal(np.shape(plain))
    if np.ndim(plain) == 0:
        ct = float(ct)
    cd = central_diff(f, args, vs, row.h)
    res = {}
    # reverse
    rev_sum = None
    try:
        out_r, pb = ad.vjp(f, *args)
        cts = pb(ct)
        if not isinstance(cts, tuple):
            cts = (cts,)
        ok, why = _same_value(out_r, plain)
        if not ok:
            raise WrongNumber("reverse value != plain call: " + why)
        if len(cts) != len(args):
            raise WrongNumber(f"pullback gave {len(cts)} cotangents for {len(args)} arguments")
        for i, (c, a) in enumerate(zip(cts, args, strict=False)):
            if c is None:
                raise WrongNumber(f"pullback gave None for float argument {i}")
            if np.shape(c) != np.shape(a):
                raise WrongNumber(
                    f"cotangent {i} shape {np.shape(c)} != argument shape {np.shape(a)}"
                )
        rev_sum = sum(_dot(c, v) for c, v in zip(cts, vs, strict=False))
        ref = _dot(ct, cd)
        ok, why = _close(rev_sum, ref, row.rtol, row.atol * max(1.0, float(np.sum(np.abs(ct)))))
        if not ok:
            raise WrongNumber(
                f"reverse <pullback, v>={rev_sum:.10g} vs central differences {ref:.10g}: {why}"
            )
        res["reverse"] = (True, "", None)
    except Exception as e:
        res["reverse"] = (False, _reason(e), e)
    # forward
    fwd_t = None
    try:
        out_f, tan = ad.jvp(f, args, vs)
        ok, why = _same_value(out_f, plain)
        if not ok:
            raise WrongNumber("forward value != plain call: " + why)
        ok, why = _close(tan, cd, row.rtol, row.atol)
        if not ok:
            raise WrongNumber(f"forward tangent vs central differences: {why}")
        fwd_t = tan
        res["forward"] = (True, "", None)
    except Exception as e:
        res["forward"] = (False, _reason(e), e)
    # agreement (dot-product test)
    if rev_sum is not None and fwd_t is not None:
        lhs = _dot(ct, fwd_t)
        if math.isclose(lhs, rev_sum, rel_tol=1e-9, abs_tol=1e-11 * max(1.0, abs(lhs))):
            res["agree"] = (True, "", None)
        else:
            e = WrongNumber(f"<ct, jvp>={lhs:.15g} != sum <pullback, v>={rev_sum:.15g}")
            res["agree"] = (False, _reason(e), e)
    else:
        res["agree"] = (False, "not reached", None)
    return res


def _reason(e):
    msg = str(e).strip().splitlines()
    first = msg[0] if msg else ""
    if len(msg) > 1:
        # keep the most informative line: the one naming a rule / complex
        for line in msg:
            if "no derivative rule" in line or "complex" in line.lower():
                first = line.strip()
                break
    return f"{type(e).__name__}: {first}"[:220]


NO_RULE_MARKERS = (
    "no derivative rule",
    "has no derivative with respect",
    "is not implemented",
    "derivative rule does not know",
    "given a function as an argument",
)


def _short(why):
    # drop the "path:line: " prefix of located errors
    import re

    why = re.sub(r"(\w+Error: )?/\S+?:\d+: ", lambda m: m.group(1) or "", why)
    return why[:160]


def classify(row, res):
    """One of 'pass', 'no rule', 'wrong number', 'crash', 'needs complex', and a one-line reason."""
    if all(v[0] for v in res.values()):
        return "pass", ""
    failed = {k: _short(v[1]) for k, v in res.items() if not v[0] and v[1] != "not reached"}
    vals = list(failed.values())
    if len(failed) == 2 and vals[0] == vals[1]:
        text = "both modes: " + vals[0]
    else:
        text = " | ".join(f"{k}: {w}" for k, w in failed.items())
    excs = [v[2] for v in res.values() if v[2] is not None]
    if row.complex_:
        return "needs complex", text
    if any("complex" in type(e).__name__.lower() for e in excs):
        # refused as complex although this row computes with real values only
        return "no rule", "refused as complex, but real in and out: " + text
    if excs and all(isinstance(e, WrongNumber) for e in excs):
        return "wrong number", text
    if any(isinstance(e, WrongNumber) for e in excs):
        return "wrong number", text
    if excs and all(any(m in str(e) for m in NO_RULE_MARKERS) for e in excs):
        return "no rule", text
    return "crash", text


def format_failure(res):
    out = []
    for k, (ok, why, e) in res.items():
        if not ok:
            out.append(f"{k}: {why}")
            if e is not None and not isinstance(e, WrongNumber):
                out.append("".join(traceback.format_exception_only(type(e), e))[-600:])
    return "\n".join(out)
