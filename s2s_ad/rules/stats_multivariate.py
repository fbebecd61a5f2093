"""`scipy.stats.multivariate_normal` and `scipy.stats.dirichlet`: rules over a vector axis.

multivariate_normal(x, mean=None, cov) with x of shape (..., k), a (k, k) matrix `cov`:
SciPy reads only its lower triangle (an `eigh` of the lower half), so the derivative with
respect to `cov` is taken through S = tril(cov) + tril(cov, -1)ᵀ, the matrix SciPy uses —
exact for every element, upper ones included (their partial is 0). With r = x - mean,
u = S⁻¹r: ∂x log p = -u, ∂mean = u, ∂S = (u uᵀ - S⁻¹) / 2. A scalar or vector `cov` (SciPy's
shorthand for a multiple of the identity or a diagonal) is refused at the call.

    st.multivariate_normal.logpdf(x, m, C)   before: "no derivative rule for …"
                                             after:  ∂x = -u, ∂m = u, ∂C = tril(2G) - diag(G)

dirichlet(x, alpha) with x of shape (k,) or (k, n) (components on the first axis):
∂x log p = (alpha - 1) / x, ∂alpha = log x + ψ(Σalpha) - ψ(alpha).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.special
import scipy.stats

from ..ssa.ir import Const, Prim
from .registry import Rule, Site

REFERENCES = (("special", scipy.special, "special"),)
_ABSENT = object()


@dataclass(frozen=True)
class NormalRule(Rule):
    """`mean` may be left out (None: zero); `cov` must be a matrix (else: not bound, so
    refused at the call with the form to write)."""

    def bind(self, prim: Prim) -> Site | None:
        given = self.given(prim)
        if given is None:
            return None
        cov = given.get("cov")
        if cov is None or (isinstance(cov, Const) and np.ndim(cov.value) != 2):
            return None
        return Site({name: given.get(name, Const(None)) for name in self.params}, {})


def _residual(site: Site) -> str:
    mean = site.params.get("mean")
    return "x" if isinstance(mean, Const) and mean.value is None else "(x - mean)"


# the matrix SciPy uses: the lower triangle of cov, mirrored
SYMMETRIC = "(np.tril(cov) + np.swapaxes(np.tril(cov, -1), -1, -2))"
PRECISION = f"np.linalg.inv({SYMMETRIC})"
# the tangent of that matrix, and the adjoint of the map (the upper triangle gets nothing)
SYMMETRIC_TANGENT = "(np.tril(d) + np.swapaxes(np.tril(d, -1), -1, -2))"


def _lower(g: str) -> str:
    return f"(np.tril({g}) + np.tril(np.swapaxes({g}, -1, -2), -1))"


def _normal(pdf: bool) -> tuple[tuple, tuple]:
    """(JVP, VJP) templates of multivariate_normal.logpdf (pdf: times its value)."""
    times = "ans * " if pdf else ""

    def solved(site: Site) -> str:  # u = S⁻¹ r, one row per point
        return f"np.matmul({_residual(site)}, {PRECISION})"

    def per_point(site: Site) -> str:  # the cotangent with an axis for the vector
        return f"np.expand_dims(np.reshape({times}d, np.shape({_residual(site)})[:-1]), -1)"

    def jvp_x(site: Site) -> str:
        return f"-{times}np.reshape(np.sum({solved(site)} * d, axis=-1), np.shape(ans))"

    def jvp_mean(site: Site) -> str:
        return f"{times}np.reshape(np.sum({solved(site)} * d, axis=-1), np.shape(ans))"

    def jvp_cov(site: Site) -> str:
        u = solved(site)
        quadratic = f"np.sum(np.matmul({u}, {SYMMETRIC_TANGENT}) * {u}, axis=-1)"
        trace = f"np.sum({PRECISION} * {SYMMETRIC_TANGENT})"
        return f"{times}np.reshape(0.5 * ({quadratic} - {trace}), np.shape(ans))"

    def vjp_x(site: Site) -> str:
        return f"-{per_point(site)} * {solved(site)}"

    def vjp_mean(site: Site) -> str:
        return f"{per_point(site)} * {solved(site)}"

    def vjp_cov(site: Site) -> str:
        u, g = solved(site), per_point(site)
        rows = f"(-1, np.shape({u})[-1])"  # the points, one row each
        outer = f"np.matmul(np.transpose(np.reshape({g} * {u}, {rows})), np.reshape({u}, {rows}))"
        gradient = f"0.5 * ({outer} - np.sum({g}) * {PRECISION})"
        return _lower(gradient)

    return (jvp_x, jvp_mean, jvp_cov), (vjp_x, vjp_mean, vjp_cov)


def _normal_entropy() -> tuple[tuple, tuple]:
    """entropy(mean, cov) = log det(2πe S) / 2: no derivative in mean, ∂S = S⁻¹ / 2."""
    return (
        ("0.0 * np.sum(d)", f"0.5 * np.sum({PRECISION} * {SYMMETRIC_TANGENT})"),
        ("0.0 * d * mean", _lower(f"0.5 * d * {PRECISION}")),
    )


# dirichlet: work on xᵀ, whose last axis holds the components (like alpha's only axis)
DIRICHLET_X = "(alpha - 1.0) / np.transpose(x)"
DIRICHLET_ALPHA = (
    "(np.log(np.transpose(x)) + special.digamma(np.sum(alpha)) - special.digamma(alpha))"
)


def _dirichlet(pdf: bool) -> tuple[tuple, tuple]:
    times = "ans * " if pdf else ""
    cotangent = f"np.expand_dims({times}d, -1)"
    jvp = (
        f"{times}np.sum(np.transpose(d) * {DIRICHLET_X}, axis=-1)",
        f"{times}np.sum(d * {DIRICHLET_ALPHA}, axis=-1)",
    )
    vjp = (
        f"np.transpose({cotangent} * {DIRICHLET_X})",
        f"np.sum(np.reshape({cotangent} * {DIRICHLET_ALPHA}, (-1, np.size(alpha))), axis=0)",
    )
    return jvp, vjp


# entropy = log B(alpha) + (a₀ - k) ψ(a₀) - Σ (alpha - 1) ψ(alpha), a₀ = Σ alpha:
# ∂alpha = (a₀ - k) ψ'(a₀) - (alpha - 1) ψ'(alpha)
DIRICHLET_ENTROPY = (
    "((np.sum(alpha) - np.size(alpha)) * special.polygamma(1, np.sum(alpha))"
    " - (alpha - 1.0) * special.polygamma(1, alpha))"
)


def register_multivariate(register: Callable[[object, Rule], None]) -> None:
    normal = scipy.stats.multivariate_normal
    for method, pdf in [("logpdf", False), ("pdf", True)]:
        jvp, vjp = _normal(pdf)
        rule = NormalRule(
            f"scipy.stats.multivariate_normal.{method}",
            ("x", "mean", "cov"),
            jvp,
            vjp,
            unbroadcast=True,
            references=REFERENCES,
        )
        register(getattr(normal, method), rule)
    jvp, vjp = _normal_entropy()
    rule = NormalRule("scipy.stats.multivariate_normal.entropy", ("mean", "cov"), jvp, vjp)
    register(normal.entropy, rule)
    dirichlet = scipy.stats.dirichlet
    for method, pdf in [("logpdf", False), ("pdf", True)]:
        jvp, vjp = _dirichlet(pdf)
        rule = Rule(
            f"scipy.stats.dirichlet.{method}", ("x", "alpha"), jvp, vjp, references=REFERENCES
        )
        register(getattr(dirichlet, method), rule)
    entropy = Rule(
        "scipy.stats.dirichlet.entropy",
        ("alpha",),
        (f"np.sum(d * {DIRICHLET_ENTROPY})",),
        (f"d * {DIRICHLET_ENTROPY}",),
        references=REFERENCES,
    )
    register(dirichlet.entropy, entropy)
