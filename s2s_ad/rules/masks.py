"""Rules for the branch-mask helpers of masked adjoints (`runtime/masks.py`, ad/masks.py),
so that gradient code masked under `np.where` can be differentiated again.

`rt.reach` only selects (a boolean result). `rt.masked(value, mask)` is linear in `value`
and its own adjoint: zero where the mask is False. Before → after (the tangent of a masked
contribution): `x_bar = rt.masked(e, m)`  →  `x_bar_dot = rt.masked(e_dot, m)`.
"""

from __future__ import annotations

from .. import runtime as rt
from .registry import REQUIRED, SAME_CALL, Rule, nondifferentiable, registrar

register = registrar("runtime")

register(rt.reach, nondifferentiable("rt.reach"))
register(
    rt.masked,
    Rule(
        "rt.masked",
        ("value",),
        (SAME_CALL,),
        ("rt.masked(d, mask)",),
        keywords=(("mask", REQUIRED),),
        positional=("value", "mask"),
        selectors=("mask",),
        # directions in front: the mask lined up with the value's own axes first
        batched=("rt.masked(d, rt.reach(ans, mask))",),
    ),
)
