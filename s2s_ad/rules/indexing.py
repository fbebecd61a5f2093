"""Reading and writing elements: `x[index]`, `x[index] = v`, `np.take`, `np.take_along_axis`.

Reading is linear in `x`; its adjoint scatters the cotangent into zeros and *adds* where an
index repeats (`x[[0, 0]]` reads `x[0]` twice, so both cotangents reach it).
"""

from __future__ import annotations

import operator

import numpy as np

from .. import runtime
from .registry import SAME_CALL, Rule, registrar

register = registrar("indexing")

register(
    operator.getitem,
    Rule(
        "operator.getitem",
        ("x",),
        (SAME_CALL,),
        ("rt.getitem_vjp(d, x, index)",),
        keywords=(("index", None),),
        batched=("rt.directions_getitem(d, index, ans)",),
    ),
)
# `x[index] = v` as a new array: linear in `x` (outside the index) and in `v` (inside it,
# unless `x` holds integers: then what is written is rounded, and has no derivative).
register(
    runtime.setitem,
    Rule(
        "rt.setitem",
        ("x", "v"),
        # (the item cleared shaped as written in the tangent, as it was in the adjoint)
        ("rt.cleared(d, ans, index)", "rt.setitem_value_jvp(d, x, index)"),
        ("rt.cleared(d, x, index)", "rt.setitem_value_vjp(d, v, index, x)"),
        keywords=(("index", None),),
        selectors=("index",),  # it only places (a dict's key restored from a tape, in Hessians)
        batched=(
            "rt.directions_setitem(d, ans, index)",
            "rt.directions_setitem_value(d, x, index)",
        ),
    ),
)
register(
    np.take,
    Rule(
        "np.take",
        ("x",),
        (SAME_CALL,),
        ("rt.take_vjp(d, x, indices, axis)",),
        keywords=(("indices", None), ("axis", None)),
    ),
)
register(
    np.take_along_axis,
    Rule(
        "np.take_along_axis",
        ("x",),
        (SAME_CALL,),
        ("rt.take_along_axis_vjp(d, x, indices, axis)",),
        keywords=(("indices", None), ("axis", None)),
    ),
)
