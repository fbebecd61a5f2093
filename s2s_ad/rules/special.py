"""`scipy.special`: registered when the user's program has imported it (scipy is optional).

Generated code reaches the module as `special` (through a cell, like the user's own rules).
"""

from __future__ import annotations

from dataclasses import replace

import scipy.special

from .reductions import weighted
from .registry import REQUIRED, Rule, Site, elementwise, registrar

register = registrar("scipy.special")

SPECIAL = (("special", scipy.special, "special"),)
SQRT_PI_OVER_2 = 0.886226925452758
TWO_OVER_SQRT_PI = 1.1283791670955126
ONE_OVER_SQRT_2PI = 0.3989422804014327

UNARY = [
    ("expit", "d * ans * (1.0 - ans)"),
    ("logit", "d / (x * (1.0 - x))"),
    ("erf", f"d * {TWO_OVER_SQRT_PI} * np.exp(-x * x)"),
    ("erfc", f"-d * {TWO_OVER_SQRT_PI} * np.exp(-x * x)"),
    ("erfinv", f"d * {SQRT_PI_OVER_2} * np.exp(ans * ans)"),
    ("ndtr", f"d * {ONE_OVER_SQRT_2PI} * np.exp(-0.5 * x * x)"),
    ("log_ndtr", f"d * {ONE_OVER_SQRT_2PI} * np.exp(-0.5 * x * x - ans)"),
    ("gammaln", "d * special.digamma(x)"),
    ("gamma", "d * ans * special.digamma(x)"),
    ("digamma", "d * special.polygamma(1, x)"),
]


def _rule(rule: Rule) -> Rule:
    return replace(rule, references=SPECIAL)


for name, template in UNARY:
    register(
        getattr(scipy.special, name), _rule(elementwise(f"scipy.special.{name}", ("x",), template))
    )
register(
    scipy.special.xlogy,
    _rule(elementwise("scipy.special.xlogy", ("x", "y"), "d * np.log(y)", "d * x / y")),
)
# polygamma(n, x): the n-th derivative of digamma, so its derivative in x is the next one
# (https://docs.scipy.org/doc/scipy/reference/generated/scipy.special.polygamma.html); the
# order n is an integer, no derivative flows through it. Rules of every order then exist.
register(
    scipy.special.polygamma,
    _rule(
        replace(
            elementwise("scipy.special.polygamma", ("x",), "d * special.polygamma(n + 1, x)"),
            keywords=(("n", REQUIRED),),
            positional=("n", "x"),
        )
    ),
)
AXIS_KEYWORDS = (("axis", None),)


# log Σ b·exp(x): ∂/∂x = b·exp(x - ans), ∂/∂b = exp(x - ans)
LSE_PARTIALS = "np.exp(x - rt.unreduce(ans, x, axis, keepdims))"


def _lse_x(k: int):
    def template(site: Site) -> str:
        return weighted(LSE_PARTIALS + (" * b" if "b" in site.params else ""))[k]

    return template


register(
    scipy.special.logsumexp,
    Rule(
        "scipy.special.logsumexp",
        ("x", "b"),
        (_lse_x(0), "np.sum(d * " + LSE_PARTIALS + ", axis=axis, keepdims=keepdims)"),
        (_lse_x(1), "rt.unbroadcast(rt.unreduce(d, x, axis, keepdims) * " + LSE_PARTIALS + ", b)"),
        keywords=(("axis", None), ("keepdims", False)),
        positional=("x", "axis", "b", "keepdims"),
        variadic=True,
    ),
)
register(
    scipy.special.softmax,
    Rule(
        "scipy.special.softmax",
        ("x",),
        ("ans * (d - np.sum(d * ans, axis=axis, keepdims=True))",),
        ("ans * (d - np.sum(d * ans, axis=axis, keepdims=True))",),
        keywords=AXIS_KEYWORDS,
    ),
)
register(
    scipy.special.log_softmax,
    Rule(
        "scipy.special.log_softmax",
        ("x",),
        ("d - np.sum(d * np.exp(ans), axis=axis, keepdims=True)",),
        ("d - np.exp(ans) * np.sum(d, axis=axis, keepdims=True)",),
        keywords=AXIS_KEYWORDS,
    ),
)
