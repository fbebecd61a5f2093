"""Shapes the shape-generic derivative may rely on: those that hold for every argument.

A derivative made for every shape (what `vjp`, `jvp` and `derivative_source(f)` give) knows
no argument's shape: an argument written as a float may be called with an array. Some
values' shapes follow from the code alone: Python literals, `range` counters, `len(x)`,
`float(x)`, `math.exp(x)`, `np.sum(x)` over every axis, and arithmetic of those. Where both
operands of a primitive are such scalars, or one operand is a 0-d value that cannot
broadcast the other, `rt.unbroadcast(x_bar, x)` sums over no axis and is left out
(ad/templates.py, `_may_broadcast`); likewise `rt.broadcast_tangent` in the tangent code.
Sound or nothing: an argument's shape is unknown, and so is every value it reaches, except
through a primitive whose result is 0-d whatever its operand.

Before → after, `total` a float accumulated over a `range` loop (`k` its counter):
    `_t1 = x * k` … `x_bar = x_bar + rt.unbroadcast(_t1_bar * k, x)`   (x: unknown shape)
    `_t2 = k + 1` … `total_1_bar = rt.unbroadcast(total_2_bar, total_1)` (both 0-d)
        →  `total_1_bar = total_2_bar`;  `x_bar = x_bar + _t1_bar * k` (k cannot broadcast x)
"""

from __future__ import annotations

from ..ssa.ir import Function
from .shapes import infer_shapes


def known_shapes(fn: Function) -> dict[str, tuple]:
    """`fn`'s variables whose shape is the same for every argument: the shapes it is
    specialised to where it is (`fn.shapes`), else those that follow with no argument's."""
    if fn.shapes:
        return fn.shapes
    return infer_shapes(fn, dict.fromkeys(fn.params))
