"""Shape and indexing: transpose, reshape, ravel, copy, and `x[index]`."""

from __future__ import annotations

import operator

import numpy as np

from .. import runtime
from .registry import SAME_CALL, Rule, Site, elementwise, register


def transpose_vjp(site: Site) -> str:
    if site.is_const("axes") and site.const("axes") is None:
        return "np.transpose(d)"
    return "np.transpose(d, np.argsort(axes))"


register(
    np.transpose,
    Rule("np.transpose", ("x",), (SAME_CALL,), (transpose_vjp,), keywords=(("axes", None),)),
)
register(
    np.reshape,
    Rule(
        "np.reshape",
        ("x",),
        (SAME_CALL,),
        ("np.reshape(d, np.shape(x))",),
        keywords=(("shape", None), ("order", "C")),
    ),
)
register(
    np.ravel,
    Rule(
        "np.ravel",
        ("x",),
        (SAME_CALL,),
        ("np.reshape(d, np.shape(x))",),
        keywords=(("order", "C"),),
    ),
)
register(np.copy, elementwise("np.copy", ("x",), "d"))
# `x[index] = v` as a new array: linear in `x` (outside the index) and in `v` (inside it).
register(
    runtime.setitem,
    Rule(
        "rt.setitem",
        ("x", "v"),
        ("rt.setitem(d, 0.0, index)", "rt.setitem(np.zeros_like(x), d, index)"),
        ("rt.setitem(d, 0.0, index)", "rt.unbroadcast(d[index], v)"),
        keywords=(("index", None),),
    ),
)
# `x[index]`: the adjoint scatters into zeros, adding where an index repeats.
register(
    operator.getitem,
    Rule(
        "operator.getitem",
        ("x",),
        (SAME_CALL,),
        ("rt.getitem_vjp(d, x, index)",),
        keywords=(("index", None),),
    ),
)
