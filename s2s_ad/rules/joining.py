"""Joining and splitting: arrays built from lists of values, and lists cut from arrays.

The derivative of a list is a list (`rt.Derivatives`, added item by item); joining is
linear, so its tangent joins the tangents and its adjoint cuts the cotangent back apart.
"""

from __future__ import annotations

import builtins

import numpy as np

from .. import runtime
from .registry import REQUIRED, SAME_CALL, Rule, Site, registrar

register = registrar("joining")

STACK_KEYWORDS = (("axis", 0), ("out", None), ("dtype", None), ("casting", "same_kind"))
ARRAY_KEYWORDS = (("dtype", None), ("copy", True), ("order", "K"), ("subok", False), ("ndmin", 0))


def joined(name: str, fn, vjp, keywords=(), jvp=SAME_CALL) -> None:
    register(fn, Rule(name, ("x",), (jvp,), (vjp,), keywords=keywords))


def stack_vjp(site: Site) -> str:
    if site.is_const("axis") and site.const("axis") == 0:
        return "rt.unstack(d, x)"
    return "rt.unstack(np.moveaxis(d, axis, 0), x)"


joined("np.stack", np.stack, stack_vjp, STACK_KEYWORDS)
joined("np.array", np.array, "rt.unstack(d, x)", ARRAY_KEYWORDS)
joined("np.asarray", np.asarray, "rt.unstack(d, x)", ARRAY_KEYWORDS[:1])
joined(
    "np.concatenate",
    np.concatenate,
    "rt.concatenate_vjp(d, x, axis)",
    (("axis", 0), ("out", None), ("dtype", None), ("casting", "same_kind")),
)
joined("np.hstack", np.hstack, "rt.concatenate_vjp(d, x, rt.hstack_axis(x), np.atleast_1d)")
joined("np.vstack", np.vstack, "rt.concatenate_vjp(d, x, 0, np.atleast_2d)")
for label, fn in [("np.split", np.split), ("np.array_split", np.array_split)]:
    joined(
        label,
        fn,
        "np.concatenate(d, axis)",
        (("indices_or_sections", None), ("axis", 0)),
        jvp=f"rt.Derivatives({label}(d, indices_or_sections, axis))",
    )
# Arrays filled with one value (or a row that broadcasts): linear in the value; the
# shape-giving `a` is a selector.
register(
    np.full_like,
    Rule(
        "np.full_like",
        ("fill_value",),
        ("np.full_like(a, d)",),
        ("rt.unbroadcast(d, fill_value)",),
        keywords=(("a", REQUIRED), ("dtype", None)),
        positional=("a", "fill_value", "dtype"),
        selectors=("a",),
        # (not `per_direction` of a lambda: one broadcast, which jit=True compiles too)
        batched=("rt.full_like_directions(a, d)",),
    ),
)
register(
    np.full,
    Rule(
        "np.full",
        ("fill_value",),
        ("np.full(shape, d)",),
        ("rt.unbroadcast(d, fill_value)",),
        keywords=(("shape", REQUIRED), ("dtype", None)),
        positional=("shape", "fill_value", "dtype"),
    ),
)
# `np.r_[a, b]` / `np.c_[a, b]`, lowered to `rt.index_concat(np.r_, [a, b])`
register(
    runtime.index_concat,
    Rule(
        "rt.index_concat",
        ("items",),
        ("rt.index_concat_jvp(d, maker, items)",),
        ("rt.index_concat_vjp(d, maker, items)",),
        keywords=(("maker", REQUIRED),),
        positional=("maker", "items"),
        selectors=("maker",),
    ),
)
# A tuple display of computed values is `tuple()` of a list: the same derivatives; so is
# `list(x)`, also of an array (a list of its rows, whose cotangents stack back).
# `list(d)` of a dict is its keys: `rt.sequence_jvp` gives them no derivative
for _make in (builtins.tuple, builtins.list):
    register(
        _make,
        Rule(
            _make.__name__,
            ("x",),
            (f"rt.sequence_jvp(d, x, {_make.__name__!r})",),
            ("rt.sequence_vjp(d, x)",),
            batched=(f"rt.sequence_directions(d, x, {_make.__name__!r})",),
        ),
    )
# `copy.deepcopy(x)`: the same numbers in new objects, so the same derivatives
register(runtime.deep_copy, Rule("rt.deep_copy", ("x",), ("d",), ("d",), batched=("d",)))
# `a + b` and `a * n` of lists and tuples: joins and repeats, not arithmetic.
for join in (runtime.concat, runtime.extend):  # `a + b`, and `a += b` (b any sequence)
    register(
        join,
        Rule(
            f"rt.{join.__name__}",
            ("x", "y"),
            (
                f"rt.{join.__name__}(d, rt.zeros_like(y))",
                f"rt.{join.__name__}(rt.zeros_like(x), d)",
            ),
            ("rt.front(d, x)", "rt.back(d, y)"),
            joint=f"rt.{join.__name__}(d0, d1)",
        ),
    )
register(
    runtime.repeat,
    Rule("rt.repeat", ("x",), (SAME_CALL,), ("rt.repeated_vjp(d, x, n)",), keywords=(("n", None),)),
)
# (a check of the item: its derivative passes as it is, a missing entry's zero too)
register(runtime.immutable_item, Rule("rt.immutable_item", ("x",), ("d",), ("d",), batched=("d",)))
# Lists: built by appending, read by np.array / np.stack / sum and indexing.
register(
    runtime.append,
    Rule(
        "rt.append",
        ("xs", "v"),
        ("rt.append(d, rt.zeros_like(v))", "rt.append(rt.zeros_like(xs), d)"),
        ("d[:-1]", "rt.unbroadcast(d[-1], v)"),
        # vector mode: the items' tangents carry the directions (tapes in Hessian code)
        batched=(
            "rt.append(d, rt.zeros_along(v, d))",
            "rt.append(rt.zeros_along(xs, d), d)",
        ),
        joint="rt.append(d0, d1)",
    ),
)
# What a loop iterates over: the sequence itself when a derivative can flow through it.
# A dict iterates over its keys, which carry no derivative (runtime/dicts.py).
register(
    runtime.sequence,
    Rule(
        "rt.sequence",
        ("x",),
        ("rt.iterated_jvp(d, x)",),
        ("rt.iterated_vjp(d, x)",),
        batched=("rt.iterated_jvp(d, x, True)",),
    ),
)


# sum(xs, start) = start + xs[0] + xs[1] + …: linear in the items and in the start.
register(
    builtins.sum,
    Rule(
        "sum",
        ("x", "start"),
        ("rt.broadcast_sum(d, ans)", "rt.broadcast_tangent(d, ans)"),
        ("rt.sum_vjp(d, x)", "rt.unbroadcast(d, start)"),
        variadic=True,
    ),
)
