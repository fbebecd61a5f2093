"""Functions that pick between values: maximum/minimum, where, clip, and friends.

Policy at ties: where two operands are equal (`np.maximum(x, y)` with x == y) the
derivative is split evenly between them, as for the reductions `np.max`/`np.min`. The
derivative of the condition of `np.where` and of the bounds' comparisons is zero.
"""

from __future__ import annotations

import builtins
import math
import operator

import numpy as np

from .registry import REQUIRED, Rule, Site, elementwise, registrar

register = registrar("selection")


def _pick(wins: str) -> str:
    """`d` where this operand wins, half of it at a tie, else zero."""
    return f"np.where({wins}, d, np.where(x == y, 0.5 * d, 0.0))"


def _pick_scalar(wins: str, tie: str) -> str:
    return f"(d if {wins} else 0.5 * d if {tie} else 0.0 * d)"


# ufunc, parameter names, partials (same template in both modes)
PICKS = [
    (np.maximum, ("x", "y"), (_pick("x > y"), _pick("y > x"))),
    (np.minimum, ("x", "y"), (_pick("x < y"), _pick("y < x"))),
    # fmax/fmin ignore a NaN operand: the other one is picked
    (np.fmax, ("x", "y"), (_pick("(x > y) | np.isnan(y)"), _pick("(y > x) | np.isnan(x)"))),
    (np.fmin, ("x", "y"), (_pick("(x < y) | np.isnan(y)"), _pick("(y < x) | np.isnan(x)"))),
]  # fmt: skip

for ufunc, params, partials in PICKS:
    register(ufunc, elementwise(f"np.{ufunc.__name__}", params, *partials))

# Python's max(a, b) / min(a, b) of two numbers
register(
    builtins.max,
    elementwise(
        "max", ("x", "y"), _pick_scalar("x > y", "x == y"), _pick_scalar("y > x", "x == y")
    ),
)
register(
    builtins.min,
    elementwise(
        "min", ("x", "y"), _pick_scalar("x < y", "x == y"), _pick_scalar("y < x", "x == y")
    ),
)

WHERE = ("np.where(condition, d, 0.0)", "np.where(condition, 0.0, d)")
register(
    np.where,
    Rule(
        "np.where",
        ("x", "y"),
        WHERE,
        WHERE,
        keywords=(("condition", REQUIRED),),
        unbroadcast=True,
        positional=("condition", "x", "y"),
        selectors=("condition",),
        diagonal=True,
    ),
)


def _given(site: Site, bound: str) -> bool:
    return not (site.is_const(bound) and site.const(bound) is None)


def _clip_a(site: Site) -> str:
    """`np.clip` is `minimum(maximum(a, a_min), a_max)`: `a` passes where inside both bounds."""
    tests = [
        t for b, t in (("a_min", "(a >= a_min)"), ("a_max", "(a <= a_max)")) if _given(site, b)
    ]
    return f"np.where({' & '.join(tests) or 'True'}, d, 0.0)"


def _clip_min(site: Site) -> str:
    return (
        "np.where((a < a_min) & (a_min <= a_max), d, 0.0)"
        if _given(site, "a_max")
        else "np.where(a < a_min, d, 0.0)"
    )


def _clip_max(site: Site) -> str:
    if _given(site, "a_min"):
        return "np.where(np.maximum(a, a_min) > a_max, d, 0.0)"
    return "np.where(a > a_max, d, 0.0)"


CLIP = (_clip_a, _clip_min, _clip_max)
register(
    np.clip,
    Rule(
        "np.clip",
        ("a", "a_min", "a_max"),
        CLIP,
        CLIP,
        unbroadcast=True,
        diagonal=True,
        aliases=(("min", "a_min"), ("max", "a_max")),
        optional=("a_min", "a_max"),  # (one bound given by keyword: the other is None)
    ),
)

# Remainders: x - n·y with n piecewise constant, so ∂/∂x = 1 and ∂/∂y = -n.
REMAINDERS = [
    (np.remainder, "np.remainder", "np.floor_divide(x, y)"),
    (np.fmod, "np.fmod", "np.trunc(x / y)"),
]
for ufunc, label, quotient in REMAINDERS:
    register(ufunc, elementwise(label, ("x", "y"), "d", f"-d * {quotient}"))
register(operator.mod, elementwise("operator.mod", ("x", "y"), "d", "-d * (x // y)"))
register(math.fmod, elementwise("math.fmod", ("x", "y"), "d", "-d * math.trunc(x / y)"))
