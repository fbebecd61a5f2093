"""Reductions with `axis` and `keepdims`: sums, means, products, extrema, moments, norms,
running sums and products, and traces.

A reduction's JVP reduces `d` weighted by the partials; its VJP broadcasts the cotangent
back over the reduced axes (`rt.unreduce`) and weights it the same way.
"""

from __future__ import annotations

import math

import numpy as np

from ..runtime.core import FLOAT16_EXACT
from .registry import SAME_CALL, Rule, Site, registrar

register = registrar("reductions")

REDUCE_KEYWORDS = (("axis", None), ("dtype", None), ("out", None), ("keepdims", False))
EXTREMUM_KEYWORDS = (("axis", None), ("out", None), ("keepdims", False))
MOMENT_KEYWORDS = (
    ("axis", None),
    ("dtype", None),
    ("out", None),
    ("ddof", 0),
    ("keepdims", False),
)


def _whole(site: Site) -> bool:
    return site.is_const("axis") and site.const("axis") is None


def sum_vjp(site: Site) -> str:
    return _filled(site, "d") if _whole(site) else "rt.unreduce(d, x, axis, keepdims)"


def mean_vjp(site: Site) -> str:
    if _whole(site):
        return _filled(site, _quotient("d", _size(site, "x"), site))
    return (
        f"rt.unreduce(d, x, axis, keepdims) * ({_quotient(_size(site, 'ans'), _size(site, 'x'))})"
    )


def _quotient(a: str, b: str, site: Site | None = None) -> str:
    """`a / b`, or `rt.ratio(a, b)` where the count `b` may be a Python 0 (an empty array):
    Python numbers divided as NumPy divides them, inf or nan rather than an exception; and,
    given the `site` whose cotangent `a` is, where that may be a float16 (its result's dtype
    unknown, or float16) and float16 cannot hold the count exactly (above 2048; from
    65,520 on it is inf there)."""
    if not b.isdigit() or int(b) == 0:
        return f"rt.ratio({a}, {b})"
    if site is not None and int(b) > FLOAT16_EXACT and _may_be_float16(site, "ans"):
        return f"rt.ratio({a}, {b})"
    return f"{a} / {b}"


def _may_be_float16(site: Site, name: str) -> bool:
    fact = (site.dtypes or {}).get(name)
    return fact is None or fact[1] == np.float16


def _filled(site: Site, value: str) -> str:
    """`x`'s shape filled with `value`: NumPy's `full_like` where `x` is known to be a NumPy
    array (code specialised to NumPy arguments), else the runtime's, which also takes
    another library's scalar (a Dask 0-d array) as the value."""
    return f"np.full_like(x, {value})" if "x" in site.shapes else f"rt.full_like(x, {value})"


def _size(site: Site, name: str) -> str:
    """The number of elements of `name`: a literal where its shape is known."""
    shape = site.shapes.get(name)
    return str(math.prod(shape)) if shape is not None else f"rt.size({name})"


SHIFTED = (
    "axis=rt.shifted(axis, x, keepdims), keepdims=keepdims"  # the axes of a vector-mode tangent
)


def weighted(partials: str) -> tuple[str, str, str]:
    """(JVP, VJP, vector-mode JVP) of a reduction whose partial derivatives are `partials`."""
    return (
        f"np.sum(d * {partials}, axis=axis, keepdims=keepdims)",
        f"rt.unreduce(d, x, axis, keepdims) * {partials}",
        f"np.sum(d * {partials}, {SHIFTED})",
    )


def reduction(
    name: str, fn, jvp, vjp, batched=None, keywords=REDUCE_KEYWORDS, unsupported=None
) -> None:
    batched_jvp = (batched,) if batched else ()
    rule = Rule(
        name,
        ("x",),
        (jvp,),
        (vjp,),
        keywords=keywords,
        batched=batched_jvp,
        arrays=True,
        unsupported=unsupported,
    )
    register(fn, rule)


reduction("np.sum", np.sum, SAME_CALL, sum_vjp, f"np.sum(d, {SHIFTED})")
reduction("np.mean", np.mean, SAME_CALL, mean_vjp, f"np.mean(d, {SHIFTED})")
reduction(
    "np.nansum",
    np.nansum,
    "np.sum(np.where(np.isnan(x), 0.0, d), axis=axis, keepdims=keepdims)",
    "np.where(np.isnan(x), 0.0, rt.unreduce(d, x, axis, keepdims))",
    f"np.sum(np.where(np.isnan(x), 0.0, d), {SHIFTED})",
)
reduction("np.prod", np.prod, *weighted("rt.prod_partials(x, axis)"))
EXTREMUM = weighted("rt.extremum_share(x, ans, axis, keepdims)")
for label, fn in [
    ("np.max", np.max),
    ("np.amax", np.amax),
    ("np.min", np.min),
    ("np.amin", np.amin),
]:
    reduction(label, fn, *EXTREMUM, keywords=EXTREMUM_KEYWORDS)
# var = Σ(x - mean)² / (n - ddof), n - ddof clamped at 0 as NumPy does; std = √var. Their
# scales multiply the sums, so that a count of 0 gives nan there too (0 · inf), as the value
VAR_SCALE = "rt.ratio(2.0, rt.dof(x, ans, ddof))"
reduction(
    "np.var",
    np.var,
    f"np.sum(d * rt.centered(x, axis), axis=axis, keepdims=keepdims) * {VAR_SCALE}",
    f"rt.unreduce(d, x, axis, keepdims) * rt.centered(x, axis) * {VAR_SCALE}",
    f"np.sum(d * rt.centered(x, axis), {SHIFTED}) * {VAR_SCALE}",
    keywords=MOMENT_KEYWORDS,
)
# ∂std/∂x = (x - mean) / ((n - ddof) · std), taken as 0 where std is 0: exactly so for one
# element (std is constantly 0), by the kink policy where n > 1 equal values spread to |t|
STD_SCALE = "rt.inverse_or_zero(rt.dof(x, ans, ddof) * ans)"
reduction(
    "np.std",
    np.std,
    f"np.sum(d * rt.centered(x, axis), axis=axis, keepdims=keepdims) * {STD_SCALE}",
    "rt.unreduce(d * rt.inverse_or_zero(ans), x, axis, keepdims) * rt.centered(x, axis) "
    "/ rt.dof(x, ans, ddof)",
    f"np.sum(d * rt.centered(x, axis), {SHIFTED}) * {STD_SCALE}",
    keywords=MOMENT_KEYWORDS,
)
NORM_KEYWORDS = (("ord", None), ("axis", None), ("keepdims", False))
reduction(
    "np.linalg.norm",
    np.linalg.norm,
    *weighted("rt.norm_partials(x, ans, ord, axis, keepdims)"),
    keywords=NORM_KEYWORDS,
)

CUMULATIVE_KEYWORDS = (("axis", None), ("dtype", None), ("out", None))
reduction(
    "np.cumsum",
    np.cumsum,
    SAME_CALL,
    "rt.cumsum_vjp(d, x, axis)",
    "rt.cumsum_directions(d, axis)",
    keywords=CUMULATIVE_KEYWORDS,
)
reduction(
    "np.cumprod",
    np.cumprod,
    "rt.cumprod_jvp(d, x, ans, axis)",
    "rt.cumprod_vjp(d, x, ans, axis)",
    keywords=CUMULATIVE_KEYWORDS,
)
TRACE_KEYWORDS = (("offset", 0), ("axis1", 0), ("axis2", 1), ("dtype", None), ("out", None))
reduction(
    "np.trace",
    np.trace,
    SAME_CALL,
    "rt.trace_vjp(d, x, offset, axis1, axis2)",
    "np.trace(d, offset, rt.shifted(axis1, x), rt.shifted(axis2, x))",
    keywords=TRACE_KEYWORDS,
)
