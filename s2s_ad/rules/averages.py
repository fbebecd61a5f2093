"""`np.average(a, axis, weights, returned, keepdims=…)`: a weighted mean.

avg = Σ a·P over `axis` with the shares P = w / Σ w (runtime/averages.py), so through `a`
it is a reduction weighted by P, and through the weights d avg = Σ a·dP. The helpers' own
rules give second derivatives through `a` (P does not depend on it) and make the weights'
first-order code differentiable in the cotangent; a second derivative in the weights is
refused, located. `returned=True` (the sum of weights beside) is refused at run time.
"""

from __future__ import annotations

import numpy as np

from .. import runtime as rt
from .registry import SAME_CALL, Rule, Site, registrar

register = registrar("reductions")


def _weights(site: Site) -> str:
    """The weights as the templates pass them: `None` where the call gives none."""
    return "weights" if "weights" in site.params else "None"


def _returned(template):
    """`template`, or a run-time refusal where the call asks for the sum of weights too."""

    def checked(site: Site) -> str:
        if site.const("returned") is True:
            return "rt.average_refused('returned=True')"
        return template(site)

    return checked


def _share(site: Site) -> str:
    return f"rt.average_share(a, {_weights(site)}, axis)"


register(
    np.average,
    Rule(
        "np.average",
        ("a", "weights"),
        (
            _returned(lambda s: f"np.sum(d * {_share(s)}, axis=axis, keepdims=keepdims)"),
            _returned(
                lambda s: (
                    "np.sum(a * rt.average_share_jvp(d, a, weights, axis), axis=axis, "
                    "keepdims=keepdims)"
                )
            ),
        ),
        (
            _returned(lambda s: f"rt.unreduce(d, a, axis, keepdims) * {_share(s)}"),
            _returned(
                lambda s: (
                    "rt.average_share_vjp(rt.unreduce(d, a, axis, keepdims) * a, a, weights, axis)"
                )
            ),
        ),
        keywords=(("axis", None), ("returned", False), ("keepdims", False)),
        positional=("a", "axis", "weights", "returned"),
        variadic=True,
        literals=("returned",),
    ),
)
# the shares: `a` gives only the shape; linear helpers, each the other's adjoint
_SHARE_KEYWORDS = (("a", None), ("axis", None))
register(
    rt.average_share,
    Rule(
        "rt.average_share",
        ("w",),
        ("rt.average_share_jvp(d, a, w, axis)",),
        ("rt.average_share_vjp(d, a, w, axis)",),
        keywords=_SHARE_KEYWORDS,
        positional=("a", "w", "axis"),
        selectors=("a",),
    ),
)
# each linear in its first operand, the other's adjoint: their own derivatives
for helper, first, transpose in (
    (rt.average_share_jvp, "d", "rt.average_share_vjp"),
    (rt.average_share_vjp, "g", "rt.average_share_jvp"),
):
    register(
        helper,
        Rule(
            f"rt.{helper.__name__}",
            (first, "w"),
            (SAME_CALL, None),
            (f"{transpose}(d, a, w, axis)", None),
            keywords=_SHARE_KEYWORDS,
            positional=(first, "a", "w", "axis"),
            selectors=("a",),
        ),
    )
