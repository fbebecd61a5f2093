"""Functions that move, copy or repeat elements without changing their values.

Each is linear, so the tangent is the same call on the tangent (`SAME_CALL`); the adjoint
moves the cotangent back: the inverse permutation, a reshape, or a sum over the copies.
"""

from __future__ import annotations

import numpy as np

from .. import runtime
from .registry import SAME_CALL, Rule, Site, elementwise, registrar

register = registrar("shapes")


def linear(name: str, fn, vjp, keywords=(), jvp=SAME_CALL, batched=None) -> None:
    """Register a function linear in its first argument `x`, with its adjoint template
    (and its tangent for a leading direction axis, where one is written)."""
    batched_jvp = (batched,) if batched else ()
    register(fn, Rule(name, ("x",), (jvp,), (vjp,), keywords=keywords, batched=batched_jvp))


RESHAPED = "rt.reshaped(d, ans)"  # a vector-mode tangent in the result's shape

BACK_TO_SHAPE = "np.reshape(d, np.shape(x))"


def transpose_vjp(site: Site) -> str:
    if site.is_const("axes") and site.const("axes") is None:
        return "np.transpose(d)"
    return "np.transpose(d, np.argsort(axes))"


linear(
    "np.transpose",
    np.transpose,
    transpose_vjp,
    (("axes", None),),
    batched="rt.transposed(d, axes, x)",
)


def _in_c_order(site: Site) -> bool:
    return site.is_const("order") and site.const("order") == "C"


# reshape and ravel read and write elements in an index order (`order`): "C" (the default)
# is the plain reshape back; another ("F", or "A"/"K", which follow `x`'s layout) reshapes
# the derivative in the order the call read `x` in, not the derivative's
def _reordered_vjp(site: Site) -> str:
    return BACK_TO_SHAPE if _in_c_order(site) else "rt.reshape_in_order(d, np.shape(x), x, order)"


def _reordered_jvp(shape: str):
    def jvp(site: Site) -> str:
        return SAME_CALL if _in_c_order(site) else f"rt.reshape_in_order(d, {shape}, x, order)"

    return jvp


def _reordered_batched(site: Site) -> str:
    return RESHAPED if _in_c_order(site) else "rt.reshaped_in_order(d, np.shape(ans), x, order)"


linear(
    "np.reshape",
    np.reshape,
    _reordered_vjp,
    (("shape", None), ("order", "C")),
    jvp=_reordered_jvp("shape"),
    batched=_reordered_batched,
)
# its own derivative, linear in `x` (the order chosen by `like`, which carries none)
register(
    runtime.reshape_in_order,
    Rule(
        "rt.reshape_in_order",
        ("x",),
        ("rt.reshape_in_order(d, shape, like, order)",),
        ("rt.reshape_in_order(d, np.shape(x), like, order)",),
        keywords=(("shape", None), ("like", None), ("order", "C")),
        selectors=("like",),
    ),
)
register(
    runtime.reshaped_in_order,
    Rule(
        "rt.reshaped_in_order",
        ("x",),
        ("rt.reshaped_in_order(d, shape, like, order)",),
        ("rt.reshaped_in_order(d, np.shape(x)[1:], like, order)",),
        keywords=(("shape", None), ("like", None), ("order", "C")),
        selectors=("like",),
    ),
)
linear(
    "np.ravel",
    np.ravel,
    _reordered_vjp,
    (("order", "C"),),
    jvp=_reordered_jvp("-1"),
    batched=_reordered_batched,
)
linear("np.expand_dims", np.expand_dims, BACK_TO_SHAPE, (("axis", None),), batched=RESHAPED)
linear("np.squeeze", np.squeeze, BACK_TO_SHAPE, (("axis", None),), batched=RESHAPED)
linear("np.atleast_1d", np.atleast_1d, BACK_TO_SHAPE, batched=RESHAPED)
linear("np.atleast_2d", np.atleast_2d, BACK_TO_SHAPE, batched=RESHAPED)
linear(
    "np.broadcast_to",
    np.broadcast_to,
    "rt.unbroadcast(d, x)",
    (("shape", None), ("subok", False)),
)
linear(
    "np.swapaxes", np.swapaxes, "np.swapaxes(d, axis1, axis2)", (("axis1", None), ("axis2", None))
)
linear(
    "np.moveaxis",
    np.moveaxis,
    "np.moveaxis(d, destination, source)",
    (("source", None), ("destination", None)),
)
linear("np.flip", np.flip, "np.flip(d, axis)", (("axis", None),))
linear("np.fliplr", np.fliplr, "np.fliplr(d)")
linear("np.flipud", np.flipud, "np.flipud(d)")
linear("np.roll", np.roll, "np.roll(d, rt.roll_back(shift), axis)", (("shift", 0), ("axis", None)))
linear("np.rot90", np.rot90, "np.rot90(d, -k, axes)", (("k", 1), ("axes", (0, 1))))
linear("np.tile", np.tile, "rt.tile_vjp(d, x, reps)", (("reps", None),))
linear(
    "np.repeat",
    np.repeat,
    "rt.repeat_vjp(d, x, repeats, axis)",
    (("repeats", None), ("axis", None)),
)
linear("np.triu", np.triu, "np.triu(d, k)", (("k", 0),))
linear("np.tril", np.tril, "np.tril(d, k)", (("k", 0),))
linear("np.diag", np.diag, "rt.diag_vjp(d, x, k)", (("k", 0),))
linear(
    "np.diagonal",
    np.diagonal,
    "rt.diagonal_vjp(d, x, offset, axis1, axis2)",
    (("offset", 0), ("axis1", 0), ("axis2", 1)),
)
# np.pad: the tangent is padded the same way, a constant border with zeros (it does not move)
linear(
    "np.pad",
    np.pad,
    "rt.pad_vjp(d, x, pad_width, mode)",
    (("pad_width", None), ("mode", "constant"), ("constant_values", 0)),
    jvp="np.pad(d, pad_width, mode)",
)
linear("np.diff", np.diff, "rt.diff_vjp(d, n, axis)", (("n", 1), ("axis", -1)))
linear(
    "np.sort", np.sort, "rt.sort_vjp(d, x, axis)", (("axis", -1),), jvp="rt.sort_jvp(d, x, axis)"
)
# (`order` lays the copy out, `subok` keeps a subclass: neither changes a value; `x.copy()`
# is written as the user wrote it, whose own default order is "C")
register(
    np.copy,
    Rule(
        "np.copy",
        ("x",),
        ("d",),
        ("d",),
        keywords=(("order", "K"), ("subok", False)),
        diagonal=True,
        arrays=True,
    ),
)
# rt.unshared(x, other, …): `x` itself, checked not to share memory with `other` (ssa/aliasing)
register(
    runtime.unshared,
    Rule(
        "rt.unshared",
        ("x",),
        ("d",),
        ("d",),
        keywords=(
            *((k, None) for k in ("other", "filename", "line", "message", "hint")),
            ("list_object", False),
        ),
        selectors=("other",),
        batched=("d",),  # a leading axis of directions passes through as it is
    ),
)
# rt.rebound(x, …): `x` itself, checked to be a value `x += v` rebinds (ssa/aliasing.py)
register(
    runtime.rebound,
    Rule(
        "rt.rebound",
        ("x",),
        ("d",),
        ("d",),
        keywords=tuple((k, None) for k in ("filename", "line", "message", "hint")),
        batched=("d",),
    ),
)
# rt.sole_item(x, container, key, …): `x` itself, checked to be held by no other slot of
# `container` (ssa/item_paths.py)
register(
    runtime.sole_item,
    Rule(
        "rt.sole_item",
        ("x",),
        ("d",),
        ("d",),
        keywords=tuple(
            (k, None)
            for k in ("container", "key", "filename", "line", "message", "hint", "kind", "not_kind")
        ),
        selectors=("container", "key"),
        batched=("d",),
    ),
)
register(np.float64, elementwise("np.float64", ("x",), "d"))
# x.astype(dtype): an integer or boolean result carries no derivative; the layout (`order`),
# the check of the cast (`casting`, which the primal call makes), `subok` and `copy` change
# no value (`copy=False` may give `x` itself: ssa/sharing.py)
linear(
    "np.ndarray.astype",
    np.ndarray.astype,
    "rt.cast_like(d, x, dtype)",
    (("dtype", None), ("order", "K"), ("casting", "unsafe"), ("subok", True), ("copy", True)),
    jvp="rt.cast(d, dtype)",
)
