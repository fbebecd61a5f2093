"""Numba versions of the adjoint of `x[index]` (and of the directions' read) for a basic
index: one integer or slice, or a tuple of integers, slices and None in any order (`x[i]`,
`A[i, j]`, `A[:, 0]`, `x[1, 1:]`, `x[:, None]`, `x[0, None, :2]`); the one writer of the
overloads of `rt.getitem_vjp`, `rt.scatter_add`, `rt.getitem_vjp_directions` and
`rt.directions_getitem`.

Before: those overloads took an integer or a slice alone, so gradient code of a matrix read
by a tuple ran as NumPy code. After: each kind of index gets its own function, written out
for it once,

    def scatter(g, x, index):                  # x[0, None, :2]: g has shape (1, 2)
        out = np.zeros(x.shape, x.dtype)
        out[index[0], index[2]] = np.ascontiguousarray(g).reshape((g.shape[1],))
        return out

since Numba indexes by a tuple of constant length only, and an axis None added to the read
must be taken out of the cotangent before it is written back. A basic index names each
element at most once, so the write needs no sum. Any other index (arrays, Ellipsis) has no
version here: the derivative then runs as NumPy code (backend.py).
"""

from __future__ import annotations

import numpy as np
from numba import types

_KINDS = (
    (types.Integer, "int"),
    (types.SliceType, "slice"),
    ((types.NoneType, types.Omitted), "none"),
)


def scatter_function(g, x, index, mode: str):
    """The Python function Numba compiles for `mode` ("vjp": `getitem_vjp(g, x, index)`,
    "add": `scatter_add(total, g, x, index)`, "directions": `getitem_vjp_directions(g, x,
    index)` with a leading axis of directions on `g`) of these Numba types; None where the
    index is not a basic tuple or `g`'s rank is not that of `x[index]`."""
    kinds, refs = _items(index)
    if not isinstance(x, types.Array) or kinds is None:
        return None
    written = [ref for kind, ref in zip(kinds, refs, strict=True) if kind != "none"]
    if len(written) > x.ndim:
        return None
    # the axes of x[index], in order: a slice's and a None's, then x's not indexed
    axes = [kind for kind in kinds if kind != "int"] + ["rest"] * (x.ndim - len(written))
    lead = 1 if mode == "directions" else 0
    if isinstance(g, types.Array):
        # (a cotangent of fewer axes broadcasts in the write, as NumPy's does; not the
        # directions', whose first axis must be theirs, nor across an axis None added)
        exact = lead or "none" in axes
        if g.ndim > lead + len(axes) or (exact and g.ndim != lead + len(axes)):
            return None
    elif not (isinstance(g, (types.Float, types.Integer)) and not lead):
        return None  # (a number written over `x[index]` broadcasts, as NumPy's write does)
    target = ", ".join([":"] * lead + written)
    value = "g"
    if "none" in axes:  # its axis, of length one, taken out
        kept = list(range(lead)) + [lead + a for a, kind in enumerate(axes) if kind != "none"]
        if kept:
            shape = "".join(f"g.shape[{a}], " for a in kept)
            value = f"np.ascontiguousarray(g).reshape(({shape}))"
        else:
            value = "np.ascontiguousarray(g).ravel()[0]"
    zeros = "np.zeros((g.shape[0],) + x.shape, x.dtype)" if lead else "np.zeros(x.shape, x.dtype)"
    if mode == "add":
        source = (
            "def scatter(total, g, x, index):\n"
            "    if total.shape == x.shape:  # the generated code's new array: added in place\n"
            f"        total[{target}] += {value}\n"
            "        return total\n"
            f"    out = {zeros}\n"
            f"    out[{target}] = {value}\n"
            "    return total + out\n"
        )
    else:  # (Numba wants the parameters named as the stub's: `d` for the directions)
        first = "d" if lead else "g"
        source = (
            f"def scatter({first}, x, index):\n    g = {first}\n    out = {zeros}\n"
            f"    out[{target}] = {value}\n    return out\n"
        )
    return defined(source, "scatter", index)


def read_function(d, index):
    """The function Numba compiles for `directions_getitem(d, index, ans)`, every
    direction's `x[index]`, `d[:, index[0], index[1], …]`, for these Numba types; None where
    the index is not a basic tuple."""
    kinds, refs = _items(index)
    if not isinstance(d, types.Array) or kinds is None:
        return None
    if sum(kind != "none" for kind in kinds) > d.ndim - 1:
        return None
    target = ", ".join([":", *refs])
    return defined(f"def read(d, index, ans=None):\n    return d[{target}]\n", "read", index)


def _items(index) -> tuple[list[str] | None, list[str]]:
    """(each item's kind, "int", "slice" or "none", and how the code names it) of a basic
    index, a tuple or one integer or slice; (None, []) for any other index."""
    if isinstance(index, types.BaseTuple):
        kinds = [_kind(item) for item in index.types]
        refs = [f"index[{k}]" for k in range(len(kinds))]
    elif isinstance(index, (types.Integer, types.SliceType)):
        kinds, refs = [_kind(index)], ["index"]
    else:
        return None, []
    return (None, []) if None in kinds else (kinds, refs)


def _kind(item) -> str | None:
    return next((name for kind, name in _KINDS if isinstance(item, kind)), None)


def defined(source: str, name: str, label: object) -> object:
    """The function `name` that `source` defines (NumPy as `np`), for the Numba versions
    written out per kind of argument (here, unbroadcasting.py)."""
    namespace = {"np": np}
    exec(compile(source, f"<s2s_ad.jit: {name} for {label}>", "exec"), namespace)
    return namespace[name]
