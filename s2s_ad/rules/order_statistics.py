"""Quantiles, the range, and the reductions that skip NaN: each a reduction whose partial
derivatives weight its input (reductions.py's `weighted`), written with helpers that carry
no derivative (the weights depend on the elements' order or NaN pattern only) and functions
with rules, so second derivatives follow.

    np.median(x), np.quantile(x, q), np.percentile(x, 100 q)   the interpolation weights of
        the sorted neighbours of the virtual index q·(n - 1), ties split evenly
        (runtime/arrays.py, `quantile_weights`); the "linear" method, one `q` per call
    np.ptp(x) = max - min, np.nanmax / np.nanmin                the extrema's shares
    np.nanmean, np.nanvar, np.nanstd                            as mean, var, std of the
        numbers, NaN entries weighted 0

and two linear maps beside them: `np.cumulative_sum` (NumPy 2.1's cumsum) and `np.ediff1d`
(the differences of the flattened array).
"""

from __future__ import annotations

import numpy as np

from .. import runtime as rt
from .reductions import (
    EXTREMUM,
    EXTREMUM_KEYWORDS,
    MOMENT_KEYWORDS,
    REDUCE_KEYWORDS,
    reduction,
    weighted,
)
from .registry import REQUIRED, SAME_CALL, Rule, Site, nondifferentiable, registrar

register = registrar("reductions")
for helper in (rt.quantile_weights, rt.nan_share, rt.nan_count):
    registrar("runtime")(helper, nondifferentiable(f"rt.{helper.__name__}"))

QUANTILE_KEYWORDS = (
    ("axis", None),
    ("out", None),
    ("overwrite_input", False),
    ("method", "linear"),
    ("keepdims", False),
)


def _not_linear(site: Site) -> str | None:
    method = site.const("method", "?")
    if method != "linear":
        return f"is called with method={method!r}"
    if np.ndim(site.const("q", 0.5)) != 0:
        return "is called with several q (one quantile per call has a rule)"
    return None


def _weights_first(partials: str) -> tuple[str, str, str]:
    """`weighted`'s templates with the weights evaluated first: a `q` known at run time
    only is checked (one quantile) before the cotangent is spread over `x`."""
    jvp, _, batched = weighted(partials)
    return jvp, f"{partials} * rt.unreduce(d, x, axis, keepdims)", batched


reduction(
    "np.median",
    np.median,
    *weighted("rt.quantile_weights(x, 0.5, axis)"),
    keywords=(("axis", None), ("out", None), ("overwrite_input", False), ("keepdims", False)),
)
for name, fn, q in [
    ("np.quantile", np.quantile, "q"),
    ("np.percentile", np.percentile, "q / 100.0"),
]:
    reduction(
        name,
        fn,
        *_weights_first(f"rt.quantile_weights(x, {q}, axis)"),
        keywords=(("q", REQUIRED), *QUANTILE_KEYWORDS),
        unsupported=_not_linear,
    )

reduction(
    "np.ptp",
    np.ptp,
    *weighted(
        "(rt.extremum_share(x, np.max(x, axis=axis, keepdims=keepdims), axis, keepdims)"
        " - rt.extremum_share(x, np.min(x, axis=axis, keepdims=keepdims), axis, keepdims))"
    ),
    keywords=EXTREMUM_KEYWORDS,
)
for label, fn in [("np.nanmax", np.nanmax), ("np.nanmin", np.nanmin)]:
    reduction(label, fn, *EXTREMUM, keywords=EXTREMUM_KEYWORDS)  # (NaN never ties)
reduction("np.nanmean", np.nanmean, *weighted("rt.nan_share(x, axis)"), keywords=REDUCE_KEYWORDS)
NAN_CENTERED = "np.where(np.isnan(x), 0.0, x - np.nanmean(x, axis=axis, keepdims=True))"
reduction(
    "np.nanvar",
    np.nanvar,
    *weighted(f"{NAN_CENTERED} * (2.0 / (rt.nan_count(x, axis) - ddof))"),
    keywords=MOMENT_KEYWORDS,
)
reduction(
    "np.nanstd",
    np.nanstd,
    *weighted(
        f"{NAN_CENTERED} * rt.inverse_or_zero("
        "(rt.nan_count(x, axis) - ddof) * rt.unreduce(ans, x, axis, keepdims))"
    ),
    keywords=MOMENT_KEYWORDS,
)


def _included(site: Site) -> str | None:
    return None if site.const("include_initial") is False else "is called with include_initial"


reduction(
    "np.cumulative_sum",
    np.cumulative_sum,
    SAME_CALL,
    "rt.cumsum_vjp(d, x, axis)",
    keywords=(("axis", None), ("dtype", None), ("out", None), ("include_initial", False)),
    unsupported=_included,
)


def _ends(site: Site) -> str | None:
    given = [k for k in ("to_end", "to_begin") if not (site.is_const(k) and site.const(k) is None)]
    return f"is called with {given[0]}" if given else None


register(
    np.ediff1d,
    Rule(
        "np.ediff1d",
        ("ary",),
        (SAME_CALL,),
        ("np.reshape(np.pad(d, (1, 0)) - np.pad(d, (0, 1)), np.shape(ary))",),
        keywords=(("to_end", None), ("to_begin", None)),
        unsupported=_ends,
    ),
)
