"""`np.linalg.qr`, `np.cov`, `np.corrcoef`, `np.linalg.multi_dot` and `np.vander`: the
formulas are in runtime/factorisations.py, whose helpers are differentiated through their
source for second derivatives (runtime/through.py).

    q, r = np.linalg.qr(a)          full rank; mode "reduced" (default), "r", and "complete"
                                    of a square or wide matrix; "raw", and "complete" of a
                                    tall one (Q not unique), refused at run time
    np.cov(m, y, rowvar, bias, ddof)   fweights and aweights refused, located
    np.corrcoef(x, y, rowvar)       the derivative of C / (s sᵀ) (its clip to [-1, 1] only
                                    rounds)
    np.linalg.multi_dot(arrays)     a 1-D first (last) array a row (column), as NumPy reads it
    np.vander(x, N, increasing)
"""

from __future__ import annotations

import numpy as np

from .registry import Rule, Site, registrar

register = registrar("linalg")

register(
    np.linalg.qr,
    Rule(
        "np.linalg.qr",
        ("a",),
        ("rt.qr_jvp(d, a, ans, mode)",),
        ("rt.qr_vjp(d, a, ans, mode)",),
        keywords=(("mode", "reduced"),),
    ),
)


def _weights(site: Site) -> str | None:
    weights = ("fweights", "aweights")
    given = [k for k in weights if not site.is_const(k) or site.const(k) is not None]
    return f"is called with {given[0]} (observation weights)" if given else None


COV_KEYWORDS = (
    ("rowvar", True),
    ("bias", False),
    ("ddof", None),
    ("fweights", None),
    ("aweights", None),
    ("dtype", None),
)
COV = "m, y, rowvar, bias, ddof"
register(
    np.cov,
    Rule(
        "np.cov",
        ("m", "y"),
        (f"rt.cov_jvp(d, 0.0, {COV})", f"rt.cov_jvp(0.0, d, {COV})"),
        (f"rt.cov_vjp(d, {COV}, 0)", f"rt.cov_vjp(d, {COV}, 1)"),
        keywords=COV_KEYWORDS,
        positional=("m", "y", "rowvar", "bias", "ddof", "fweights", "aweights"),
        optional=("y",),
        unsupported=_weights,
    ),
)
CORRCOEF = "x, y, rowvar"
register(
    np.corrcoef,
    Rule(
        "np.corrcoef",
        ("x", "y"),
        (f"rt.corrcoef_jvp(d, 0.0, {CORRCOEF})", f"rt.corrcoef_jvp(0.0, d, {CORRCOEF})"),
        (f"rt.corrcoef_vjp(d, {CORRCOEF}, 0)", f"rt.corrcoef_vjp(d, {CORRCOEF}, 1)"),
        keywords=(("rowvar", True), ("dtype", None)),
        positional=("x", "y", "rowvar"),
        optional=("y",),
    ),
)
register(
    np.linalg.multi_dot,
    Rule(
        "np.linalg.multi_dot",
        ("arrays",),
        ("rt.multi_dot_jvp(d, arrays)",),
        ("rt.multi_dot_vjp(d, arrays)",),
        keywords=(("out", None),),
    ),
)
register(
    np.vander,
    Rule(
        "np.vander",
        ("x",),
        ("rt.vander_jvp(d, x, N, increasing)",),
        ("rt.vander_vjp(d, x, N, increasing)",),
        keywords=(("N", None), ("increasing", False)),
    ),
)
