"""`scipy.stats` distributions: registered when the user's program has imported `scipy.stats`.

A distribution's method (`scipy.stats.norm.logpdf`) is a bound method, the same key however
the user reaches it (`st.norm.logpdf`, `from scipy.stats import norm`). Its rule takes the
point and every parameter, as SciPy binds them: positionally (`t.logpdf(x, df, loc, scale)`)
or by name, `loc` and `scale` left out meaning 0 and 1:

    st.norm.logpdf(x, scale=s)   before: "no derivative rule for `scipy.stats.norm.logpdf`"
                                 after:  ∂x = -z / s, ∂s = (z² - 1) / s with z = (x - 0) / s

The continuous families here are location-scale families of a standard density f₀(z; θ),
z = (x - loc) / scale; each is given by dlog f₀/dz, ∂θ log f₀ and f₀ (the z-derivative of
its cdf), and the rules for the six methods follow (`scaled_rules`). Derivatives with no
closed form (a cdf with respect to a shape parameter such as gamma's `a` or t's `df`) are
None: a call with that argument differentiated is refused at the user's line, naming it.
Every template calls only functions with rules (scipy.special, these distributions), so
second derivatives exist too. Generated code reaches the modules as `special` and `stats`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import scipy.special
import scipy.stats

from ..ssa.ir import Const, Prim
from .registry import Rule, Site, Template, registrar
from .stats_multivariate import register_multivariate

register = registrar("scipy.stats")

REFERENCES = (("special", scipy.special, "special"), ("stats", scipy.stats, "stats"))
Z = "((x - loc) / scale)"
LOG_SQRT_2PI = 0.9189385332046727
ONE_OVER_SQRT_2PI = 0.3989422804014327
ONE_OVER_PI = 0.3183098861837907


@dataclass(frozen=True)
class StatsRule(Rule):
    """A rule whose trailing parameters may be left out (`loc`, `scale`): then they are the
    constants SciPy uses, and no derivative flows through them."""

    defaults: tuple[tuple[str, object], ...] = field(default=())

    def bind(self, prim: Prim) -> Site | None:
        given = self.given(prim)
        if given is None:
            return None
        defaults = dict(self.defaults)
        params = {}
        for name in self.params:
            if name not in given and name not in defaults:
                return None
            params[name] = given.get(name, Const(defaults.get(name)))
        return Site(params, {})


def _z(template: str) -> str:
    return re.sub(r"\bZ\b", Z, template)


def _rule(label: str, params: tuple[str, ...], partials: tuple[Template, ...], defaults) -> Rule:
    partials = tuple(None if p is None else _z(p) for p in partials)
    return StatsRule(
        label,
        params,
        jvp=partials,
        vjp=partials,
        unbroadcast=len(params) > 1,
        references=REFERENCES,
        diagonal=True,
        defaults=defaults,
    )


@dataclass(frozen=True)
class Family:
    """A location-scale family of the standard density f₀(z; θ), θ its shape parameters."""

    name: str
    score: str  # d log f₀ / dz
    density: str  # f₀(z), the z-derivative of the cdf
    shapes: dict[str, str] = field(default_factory=dict)  # θ → ∂θ log f₀
    entropy: dict[str, str] | None = None  # θ → ∂θ of the entropy (∂scale is 1 / scale)
    log_cdf: str | None = None  # d log F₀ / dz, if better than f₀ / F₀
    log_sf: str | None = None  # d log(1 - F₀) / dz


def scaled_rules(family: Family) -> None:
    """The rules of the family's pdf, logpdf, cdf, logcdf, sf, logsf and entropy."""
    dist = getattr(scipy.stats, family.name)
    shapes = tuple(family.shapes)
    params = ("x", *shapes, "loc", "scale")
    defaults = (("loc", 0.0), ("scale", 1.0))
    g = family.score
    log_density = {
        "x": f"d * ({g}) / scale",
        "loc": f"-d * ({g}) / scale",
        "scale": f"-d * (({g}) * Z + 1.0) / scale",
        **{theta: f"d * ({partial})" for theta, partial in family.shapes.items()},
    }
    # the cdf-like methods are B(z): ∂x = B'(z) / s, ∂loc = -B'(z) / s, ∂s = -B'(z) z / s
    f0 = family.density
    slopes = {
        "cdf": f0,
        "sf": f"-({f0})",
        "logcdf": family.log_cdf or f"({f0}) * np.exp(-ans)",
        "logsf": family.log_sf or f"-({f0}) * np.exp(-ans)",
    }
    methods: dict[str, dict[str, Template]] = {
        "logpdf": log_density,
        "pdf": {p: t.replace("d * ", "d * ans * ", 1) for p, t in log_density.items()},
    }
    for method, slope in slopes.items():
        methods[method] = {
            "x": f"d * ({slope}) / scale",
            "loc": f"-d * ({slope}) / scale",
            "scale": f"-d * ({slope}) * Z / scale",
        }  # the shape parameters: no closed form, refused
    for method, partials in methods.items():
        label = f"scipy.stats.{family.name}.{method}"
        rule = _rule(label, params, tuple(partials.get(p) for p in params), defaults)
        register(getattr(dist, method), rule)
    if family.entropy is not None:
        partials = {**family.entropy, "loc": "0.0 * d", "scale": "d / scale"}
        entropy_params = (*shapes, "loc", "scale")
        rule = _rule(
            f"scipy.stats.{family.name}.entropy",
            entropy_params,
            tuple(f"d * ({partials[p]})" if p in shapes else partials[p] for p in entropy_params),
            defaults,
        )
        register(dist.entropy, rule)


# z where the density is positive, a safe 1 or 0 elsewhere: the pdf's partials in a shape
# parameter are 0 there (the pdf is 0), not 0 · log(z < 0) = nan
POSITIVE = "np.where(Z > 0.0, Z, 1.0)"
BELOW_ONE = "np.where(Z < 1.0, Z, 0.0)"
BETA_ENTROPY = "(a + b - 2.0) * special.polygamma(1, a + b)"
NORMAL_DENSITY = f"{ONE_OVER_SQRT_2PI} * np.exp(-0.5 * Z * Z)"
FAMILIES = [
    Family(
        "norm",
        score="-Z",
        density=NORMAL_DENSITY,
        entropy={},
        log_cdf=f"np.exp(-0.5 * Z * Z - {LOG_SQRT_2PI} - ans)",
        log_sf=f"-np.exp(-0.5 * Z * Z - {LOG_SQRT_2PI} - ans)",
    ),
    # the support is z ≥ 0 (0 outside, where the cdf and sf are constant); exp(-|z|) is
    # exp(-z) there and stays finite where the branch is not taken
    Family(
        "expon",
        score="-1.0",
        density="np.where(Z >= 0.0, np.exp(-np.abs(Z)), 0.0)",
        entropy={},
        log_cdf="np.where(Z > 0.0, 1.0 / np.expm1(np.abs(Z)), 0.0)",
        log_sf="np.where(Z >= 0.0, -1.0, 0.0)",
    ),
    Family(
        "laplace",
        score="-np.sign(Z)",
        density="0.5 * np.exp(-np.abs(Z))",
        entropy={},
    ),
    Family(
        "logistic",
        score="-np.tanh(0.5 * Z)",
        density="special.expit(Z) * special.expit(-Z)",
        entropy={},
        log_cdf="special.expit(-Z)",
        log_sf="-special.expit(Z)",
    ),
    Family(
        "cauchy",
        score="-2.0 * Z / (1.0 + Z * Z)",
        density=f"{ONE_OVER_PI} / (1.0 + Z * Z)",
        entropy={},
    ),
    # the density is 1 on 0 ≤ z ≤ 1: the cdf's slope 1 there and 0 outside
    Family(
        "uniform",
        score="0.0",
        density="np.where(np.abs(Z - 0.5) <= 0.5, 1.0, 0.0)",
        entropy={},
    ),
    Family(
        "t",
        score="-(df + 1.0) * Z / (df + Z * Z)",
        density="stats.t.pdf(Z, df)",
        shapes={
            "df": "0.5 * (special.digamma(0.5 * df + 0.5) - special.digamma(0.5 * df) - 1.0 / df"
            " - np.log1p(Z * Z / df) + (df + 1.0) * Z * Z / (df * (df + Z * Z)))"
        },
        entropy={
            "df": "0.25 * (df + 1.0) * (special.polygamma(1, 0.5 * df + 0.5)"
            " - special.polygamma(1, 0.5 * df)) + 0.5 / df"
        },
        log_cdf="np.exp(stats.t.logpdf(Z, df) - ans)",
        log_sf="-np.exp(stats.t.logpdf(Z, df) - ans)",
    ),
    Family(
        "gamma",
        score="(a - 1.0) / Z - 1.0",
        density="stats.gamma.pdf(Z, a)",
        shapes={"a": f"np.log({POSITIVE}) - special.digamma(a)"},
        entropy={"a": "1.0 + (1.0 - a) * special.polygamma(1, a)"},
        log_cdf="np.exp(stats.gamma.logpdf(Z, a) - ans)",
        log_sf="-np.exp(stats.gamma.logpdf(Z, a) - ans)",
    ),
    Family(
        "chi2",
        score="(0.5 * df - 1.0) / Z - 0.5",
        density="stats.chi2.pdf(Z, df)",
        shapes={"df": f"0.5 * (np.log(0.5 * {POSITIVE}) - special.digamma(0.5 * df))"},
        entropy={"df": "0.5 + 0.5 * (1.0 - 0.5 * df) * special.polygamma(1, 0.5 * df)"},
        log_cdf="np.exp(stats.chi2.logpdf(Z, df) - ans)",
        log_sf="-np.exp(stats.chi2.logpdf(Z, df) - ans)",
    ),
    Family(
        "beta",
        score="(a - 1.0) / Z - (b - 1.0) / (1.0 - Z)",
        density="stats.beta.pdf(Z, a, b)",
        shapes={
            "a": f"np.log({POSITIVE}) - special.digamma(a) + special.digamma(a + b)",
            "b": f"np.log1p(-{BELOW_ONE}) - special.digamma(b) + special.digamma(a + b)",
        },
        entropy={
            "a": f"{BETA_ENTROPY} - (a - 1.0) * special.polygamma(1, a)",
            "b": f"{BETA_ENTROPY} - (b - 1.0) * special.polygamma(1, b)",
        },
        log_cdf="np.exp(stats.beta.logpdf(Z, a, b) - ans)",
        log_sf="-np.exp(stats.beta.logpdf(Z, a, b) - ans)",
    ),
]
for _family in FAMILIES:
    scaled_rules(_family)


def poisson_rules() -> None:
    """poisson(k, mu, loc=0): a derivative in the mean `mu` only (the count `k` and the
    shift `loc` are integers). The pmf is 0 (logpmf -inf) off the integers k ≥ loc: there
    no derivative. The cdf at k is Q(⌊k - loc⌋ + 1, mu), whose mu-derivative is -pmf(⌊k⌋)."""
    params = ("k", "mu", "loc")
    counts = "np.where(np.logical_and(k >= loc, k == np.floor(k)), (k - loc) / mu - 1.0, 0.0)"
    below = "stats.poisson.pmf(np.floor(k), mu, loc)"
    log_below = "stats.poisson.logpmf(np.floor(k), mu, loc)"
    mu = {
        "logpmf": f"d * {counts}",
        "pmf": f"d * ans * {counts}",
        "cdf": f"-d * {below}",
        "sf": f"d * {below}",
        "logcdf": f"-d * np.exp({log_below} - ans)",
        "logsf": f"d * np.exp({log_below} - ans)",
    }
    for method, template in mu.items():
        rule = _rule(f"scipy.stats.poisson.{method}", params, (None, template, None), (("loc", 0),))
        register(getattr(scipy.stats.poisson, method), rule)


poisson_rules()
register_multivariate(register)
