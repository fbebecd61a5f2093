"""Shape and indexing: transpose, reshape, ravel, copy, and `x[index]`."""

from __future__ import annotations

import builtins
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
# Lists: built by appending, read by np.array / np.stack / sum and indexing.
register(
    runtime.append,
    Rule(
        "rt.append",
        ("xs", "v"),
        ("rt.append(d, rt.zeros_like(v))", "rt.append(rt.zeros_like(xs), d)"),
        ("d[:-1]", "rt.unbroadcast(d[-1], v)"),
    ),
)
STACK_KEYWORDS = (("axis", 0), ("out", None), ("dtype", None), ("casting", "same_kind"))


def stack_vjp(site: Site) -> str:
    if site.is_const("axis") and site.const("axis") == 0:
        return "rt.unstack(d, x)"
    return "rt.unstack(np.moveaxis(d, axis, 0), x)"


register(np.stack, Rule("np.stack", ("x",), (SAME_CALL,), (stack_vjp,), keywords=STACK_KEYWORDS))
register(
    np.array,
    Rule(
        "np.array",
        ("x",),
        (SAME_CALL,),
        ("rt.unstack(d, x)",),
        keywords=(("dtype", None), ("copy", True), ("order", "K"), ("subok", False), ("ndmin", 0)),
    ),
)
register(
    builtins.sum,
    Rule("sum", ("x",), (SAME_CALL,), ("rt.sum_vjp(d, x)",), keywords=(("start", 0),)),
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
