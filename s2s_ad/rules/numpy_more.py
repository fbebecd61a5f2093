"""Rules for issue 18's second NumPy wave: np.fft's shifts of real arrays, np.gradient,
np.linalg.lstsq (full column rank) and np.linalg.eig (distinct real eigenvalues).

Before: `np.fft.fftshift(x)` was refused as complex (it is in `np.fft`) and
`np.gradient(x)` stopped with "no derivative rule". After: both are linear in `x` and
differentiate exactly in both modes, to any order (their adjoints have rules themselves).

fftshift and ifftshift are rolls (real in, real out: ssa/complex_values.py lets them
through); each is the other's adjoint. np.gradient takes one constant spacing or array of
coordinates `h` (written positionally; it is linear in the array for either); one spacing
per axis does not bind the rule and is refused as a call without a derivative rule.
lstsq of a rank-deficient matrix and eig at complex eigenvalues are refused at run time
(runtime/stencils.py); their helpers have no rules yet (no second derivatives).
"""

from __future__ import annotations

import numpy as np

from .. import runtime as rt
from .registry import SAME_CALL, Rule, registrar
from .shapes import linear

register = registrar("tail")

# ---- rolls -------------------------------------------------------------------------------
linear("np.fft.fftshift", np.fft.fftshift, "np.fft.ifftshift(d, axes)", (("axes", None),))
linear("np.fft.ifftshift", np.fft.ifftshift, "np.fft.fftshift(d, axes)", (("axes", None),))

# ---- finite differences ------------------------------------------------------------------
_GRADIENT = "np.gradient({}, h, axis=axis, edge_order=edge_order)"
_GRADIENT_KEYWORDS = (("h", 1.0), ("axis", None), ("edge_order", 1))
register(
    np.gradient,
    Rule(
        "np.gradient",
        ("f",),
        (f"rt.gradient_tangent({_GRADIENT.format('d')})",),
        ("rt.gradient_vjp(d, f, h, axis, edge_order)",),
        keywords=_GRADIENT_KEYWORDS,
        positional=("f", "h"),  # a second spacing is not `axis`: it does not bind
    ),
)
# the adjoint is linear in `g`; its own adjoint is np.gradient again (`f` gives the shape)
register(
    rt.gradient_vjp,
    Rule(
        "rt.gradient_vjp",
        ("g",),
        (SAME_CALL,),
        (f"rt.gradient_tangent({_GRADIENT.format('d')})",),
        keywords=(("f", None), *_GRADIENT_KEYWORDS),
        selectors=("f",),
        positional=("g", "f", "h", "axis", "edge_order"),
    ),
)
register(rt.gradient_tangent, Rule("rt.gradient_tangent", ("t",), (SAME_CALL,), ("d",)))

# ---- least squares -----------------------------------------------------------------------
# a full-column-rank `a` (others refused at run time); the helpers have no rules (no second
# derivative yet)
register(
    np.linalg.lstsq,
    Rule(
        "np.linalg.lstsq",
        ("a", "b"),
        ("rt.lstsq_jvp_a(d, a, b, ans)", "rt.lstsq_jvp_b(d, a, b, ans)"),
        ("rt.lstsq_vjp_a(d, a, b, ans)", "rt.lstsq_vjp_b(d, a, b, ans)"),
        keywords=(("rcond", None),),
    ),
)

# ---- eigen-decomposition (distinct real eigenvalues; complex ones refused at run time) --
register(
    np.linalg.eig,
    Rule("np.linalg.eig", ("a",), ("rt.eig_jvp(d, a, ans)",), ("rt.eig_vjp(d, a, ans)",)),
)
