"""Sums and means, with `axis` and `keepdims`."""

from __future__ import annotations

import numpy as np

from .registry import SAME_CALL, Rule, Site, register

REDUCE_KEYWORDS = (("axis", None), ("dtype", None), ("out", None), ("keepdims", False))


def _whole(site: Site) -> bool:
    return site.is_const("axis") and site.const("axis") is None


def sum_vjp(site: Site) -> str:
    return "np.full_like(x, d)" if _whole(site) else "rt.unreduce(d, x, axis, keepdims)"


def mean_vjp(site: Site) -> str:
    if _whole(site):
        return "np.full_like(x, d / np.size(x))"
    return "rt.unreduce(d, x, axis, keepdims) * (np.size(ans) / np.size(x))"


register(np.sum, Rule("np.sum", ("x",), (SAME_CALL,), (sum_vjp,), keywords=REDUCE_KEYWORDS))
register(np.mean, Rule("np.mean", ("x",), (SAME_CALL,), (mean_vjp,), keywords=REDUCE_KEYWORDS))
