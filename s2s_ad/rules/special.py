"""`scipy.special`: registered when the user's program has imported it (scipy is optional).

Generated code reaches the module as `special` (through a cell, like the user's own rules).
Every template calls only functions that have rules themselves, so each rule has a second
derivative (`jv`'s derivative is written with `jv`, `gammainc`'s with `xlogy` and `gammaln`).
An order or shape parameter (`v` of `jv`, `a` of `gammainc`) is a parameter whose template
is None: it broadcasts like any operand, and a differentiated one is a located refusal:
    special.gammainc(a, x)   ∂/∂x: d * exp(xlogy(a - 1, x) - x - gammaln(a));  ∂/∂a: refused
"""

from __future__ import annotations

import math
from dataclasses import replace

import scipy.special

from .registry import REQUIRED, Rule, Site, elementwise, nondifferentiable, registrar

register = registrar("scipy.special")
register_math = registrar("elementwise")

SPECIAL = (("special", scipy.special, "special"),)
SQRT_PI_OVER_2 = 0.886226925452758
TWO_OVER_SQRT_PI = 1.1283791670955126
ONE_OVER_SQRT_2PI = 0.3989422804014327
SQRT_2PI = 2.5066282746310002

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
    ("rgamma", "-d * ans * special.digamma(x)"),
    # erfcinv(erfc(y)) = y, ndtri(ndtr(y)) = y: the inverse's slope is 1 / the slope at ans
    ("erfcinv", f"-d * {SQRT_PI_OVER_2} * np.exp(ans * ans)"),
    ("ndtri", f"d * {SQRT_2PI} * np.exp(0.5 * ans * ans)"),
    ("entr", "-d * (np.log(x) + 1.0)"),  # -x log x
    ("log1p", "d / (1.0 + x)"),
    ("expm1", "d * (ans + 1.0)"),
    ("loggamma", "d * special.digamma(x)"),  # (real arguments: gammaln's on x > 0)
    # Bessel functions of integer order 0 and 1: J0' = -J1, J1' = (J0 - J2) / 2, I0' = I1, …
    # (DLMF 10.6.1-2, 10.29.1-2); the halves avoid J1(x) / x at 0
    ("j0", "-d * special.j1(x)"),
    ("j1", "d * (0.5 * (special.j0(x) - special.jv(2.0, x)))"),
    ("y0", "-d * special.y1(x)"),
    ("y1", "d * (0.5 * (special.y0(x) - special.yv(2.0, x)))"),
    ("i0", "d * special.i1(x)"),
    ("i1", "d * (0.5 * (special.i0(x) + special.iv(2.0, x)))"),
]

_RHO = "np.sqrt(delta * delta + r * r)"
_RHO_SAFE = "np.sqrt(delta * delta + r * r + (delta == 0.0) * (r == 0.0))"
GAMMA_DENSITY = "np.exp(special.xlogy(a - 1.0, x) - x - special.gammaln(a))"

# (name, parameters, partials): None where no derivative flows (an order, a shape parameter
# with no closed-form derivative): a differentiated argument there is refused, located
BINARY = [
    ("xlogy", ("x", "y"), ("d * np.log(y)", "d * x / y")),
    ("xlog1py", ("x", "y"), ("d * np.log1p(y)", "d * x / (1.0 + y)")),
    ("beta", ("a", "b"), (
        "d * ans * (special.digamma(a) - special.digamma(a + b))",
        "d * ans * (special.digamma(b) - special.digamma(a + b))",
    )),
    ("betaln", ("a", "b"), (
        "d * (special.digamma(a) - special.digamma(a + b))",
        "d * (special.digamma(b) - special.digamma(a + b))",
    )),
    # relative entropy x log(x / y) and the KL term x log(x / y) - x + y (0 at x = 0)
    ("rel_entr", ("x", "y"), ("d * (special.xlogy(1.0, x / y) + 1.0)", "-d * x / y")),
    ("kl_div", ("x", "y"), ("d * special.xlogy(1.0, x / y)", "d * (1.0 - x / y)")),
    # huber(δ, r): r²/2 inside |r| ≤ δ, δ(|r| - δ/2) outside
    ("huber", ("delta", "r"), (
        "d * np.where(np.abs(r) <= delta, 0.0, np.abs(r) - delta)",
        "d * np.clip(r, -delta, delta)",
    )),
    # pseudo_huber(δ, r) = δ²(√(1 + (r/δ)²) - 1) = δ√(δ² + r²) - δ² for δ > 0, and 0 at
    # δ = 0 (SciPy's): written with rho = √(δ² + r²), 1 where both are 0 (no 0/0: its slope in
    # r is 0 there, in δ |r|, the limit from above)
    ("pseudo_huber", ("delta", "r"), (
        f"d * ({_RHO} + delta * delta / {_RHO_SAFE} - 2.0 * delta)",
        f"d * delta * r / {_RHO_SAFE}",
    )),
    # Box-Cox (x^λ - 1)/λ, log x at λ = 0: x^(λ-1) in x at every λ; in λ no rule here
    ("boxcox", ("x", "lmbda"), ("d * x ** (lmbda - 1.0)", None)),
    # polygamma(n, x): the n-th derivative of digamma, so its derivative in x is the next one
    ("polygamma", ("n", "x"), (None, "d * special.polygamma(n + 1, x)")),
    # the recurrences of the derivative in the argument (DLMF 10.6.1, 10.29.1, 10.29.2);
    # in the order there is no closed form
    ("jv", ("v", "z"), (None, "d * (0.5 * (special.jv(v - 1.0, z) - special.jv(v + 1.0, z)))")),
    ("yv", ("v", "z"), (None, "d * (0.5 * (special.yv(v - 1.0, z) - special.yv(v + 1.0, z)))")),
    ("yn", ("n", "z"), (None, "d * (0.5 * (special.yn(n - 1, z) - special.yn(n + 1, z)))")),
    ("iv", ("v", "z"), (None, "d * (0.5 * (special.iv(v - 1.0, z) + special.iv(v + 1.0, z)))")),
    # ive(v, z) = iv(v, z) · exp(-|z|)
    ("ive", ("v", "z"), (
        None,
        "d * (0.5 * (special.ive(v - 1.0, z) + special.ive(v + 1.0, z)) - np.sign(z) * ans)",
    )),
    ("kv", ("v", "z"), (None, "-d * (0.5 * (special.kv(v - 1.0, z) + special.kv(v + 1.0, z)))")),
    # regularised incomplete gamma: ∂P/∂x = x^(a-1) e^(-x) / Γ(a); in `a` no closed form
    ("gammainc", ("a", "x"), (None, f"d * {GAMMA_DENSITY}")),
    ("gammaincc", ("a", "x"), (None, f"-d * {GAMMA_DENSITY}")),
    # regularised incomplete beta: ∂I/∂x = x^(a-1) (1-x)^(b-1) / B(a, b)
    ("betainc", ("a", "b", "x"), (None, None, (
        "d * np.exp(special.xlogy(a - 1.0, x) + special.xlog1py(b - 1.0, -x)"
        " - special.betaln(a, b))"
    ))),
]  # fmt: skip


def _rule(rule: Rule) -> Rule:
    return replace(rule, references=SPECIAL)


for name, template in UNARY:
    register(
        getattr(scipy.special, name), _rule(elementwise(f"scipy.special.{name}", ("x",), template))
    )
for name, params, partials in BINARY:
    register(
        getattr(scipy.special, name),
        _rule(elementwise(f"scipy.special.{name}", params, *partials)),
    )
# ±1 (0 at the poles): piecewise constant
registrar("nondifferentiable")(scipy.special.gammasgn, nondifferentiable("scipy.special.gammasgn"))


def _multigammaln(site: Site) -> str:
    """multigammaln(a, d) = Σ_{j<d} gammaln(a - j/2) + const: the sum of the digammas.
    The dimension `d` (an integer) is `d_` in the template (`d` is the incoming derivative);
    a literal one is written out."""
    dim = site.const("d")
    if not isinstance(dim, int) or isinstance(dim, bool):
        return "d * np.sum(special.digamma(np.expand_dims(a, -1) - 0.5 * np.arange(d_)), -1)"
    return "d * (" + " + ".join(f"special.digamma(a - {j / 2!r})" for j in range(dim)) + ")"


register(
    scipy.special.multigammaln,
    _rule(
        replace(
            elementwise("scipy.special.multigammaln", ("a",), _multigammaln),
            keywords=(("d", REQUIRED),),
        )
    ),
)
# `math`'s gamma functions, whose derivatives are written with scipy's digamma (registry
# `_NEEDS` imports scipy.special on their first lookup)
for math_fn, template in [
    (math.lgamma, "d * special.digamma(x)"),
    (math.gamma, "d * ans * special.digamma(x)"),
]:
    rule = elementwise(f"math.{math_fn.__name__}", ("x",), template, family="math")
    register_math(math_fn, _rule(rule))
AXIS_KEYWORDS = (("axis", None),)


# log Σ b·exp(x): ∂/∂x = b·exp(x - ans), ∂/∂b = exp(x - ans). With `return_sign=True` the
# result is (log |S|, sign S) for S = Σ b·exp(x): ∂ log|S| = ∂S / S, so the partials gain the
# sign, and the sign carries no derivative (its tangent is zero, its cotangent unused).
LSE = "rt.unreduce(ans, x, axis, keepdims)"
SIGNED_LSE = "rt.unreduce(ans[0], x, axis, keepdims)"
SIGN = "rt.unreduce(ans[1], x, axis, keepdims)"


def _signed(site: Site) -> bool:
    return site.const("return_sign") is True


def _partials(site: Site, through_b: bool) -> str:
    """∂ log|Σ b·exp(x)| with respect to each x (or each b), at x's shape."""
    if not _signed(site):
        return f"np.exp(x - {LSE})" + (" * b" if "b" in site.params and not through_b else "")
    weight = "" if through_b or "b" not in site.params else " * b"
    return f"{SIGN} * np.exp(x - {SIGNED_LSE}){weight}"


def _lse_jvp(through_b: bool):
    def template(site: Site) -> str:
        step = f"np.sum(d * {_partials(site, through_b)}, axis=axis, keepdims=keepdims)"
        return f"rt.Derivatives([{step}, np.zeros_like(ans[1])])" if _signed(site) else step

    return template


def _lse_vjp(through_b: bool):
    def template(site: Site) -> str:
        g = "d[0]" if _signed(site) else "d"
        step = f"rt.unreduce({g}, x, axis, keepdims) * {_partials(site, through_b)}"
        return f"rt.unbroadcast({step}, b)" if through_b else step

    return template


register(
    scipy.special.logsumexp,
    Rule(
        "scipy.special.logsumexp",
        ("x", "b"),
        (_lse_jvp(False), _lse_jvp(True)),
        (_lse_vjp(False), _lse_vjp(True)),
        keywords=(("axis", None), ("keepdims", False), ("return_sign", False)),
        positional=("x", "axis", "b", "keepdims", "return_sign"),
        variadic=True,
        literals=("return_sign",),
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
