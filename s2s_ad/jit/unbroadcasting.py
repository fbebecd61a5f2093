"""Numba versions of `rt.unbroadcast(g, like)` and `rt.unbroadcast_directions(d, like)`:
a cotangent summed down to the shape of the operand broadcasting spread, over the axes
broadcasting put in front and over the axes where `like` has length one.

Before: the overloads returned `g` where the shapes matched and raised otherwise, so the
derivative of `x[:, None] * y[None, :]` or of `(x - mean) / std` with `keepdims=True`
computed compiled, raised, and ran again as NumPy code on every call. After: each pair of
ranks gets a function written out for it once, a loop nest over `g` adding each element where
it came from,

    def summed(g, like):                     # g (m, n), like (1, n)
        if g.shape == like.shape:
            return g
        ...checks: each axis of `like` is g's or 1...
        out = np.zeros(like.shape, g.dtype)
        keep1 = like.shape[0] != 1; keep2 = like.shape[1] != 1
        for i0 in range(g.shape[0]):
            for i1 in range(g.shape[1]):
                out[i0 * keep1, i1 * keep2] += g[i0, i1]
        return out

since Numba cannot index by a tuple built at run time. Shapes that do not broadcast raise,
so the NumPy code raises its error (backend.py).
"""

from __future__ import annotations

from numba import types

from .basic_index import defined

# shapes NumPy refuses too (its error is the answer: backend.py runs the NumPy code); not
# a case the compiled helper lacks, so no warning
NOT_BROADCAST = "operands could not be broadcast together (s2s_ad.jit: unbroadcast)"


def summing_function(g, like, directions: bool):
    """The function Numba compiles for these Numba types: `unbroadcast(g, like)`, or with
    `directions` `unbroadcast_directions(d, like)` (the first axis of `d` kept); None where
    `g` has fewer axes than `like` (and the directions' axis)."""
    if not isinstance(g, types.Array) or not isinstance(g.dtype, types.Float):
        return None
    if isinstance(like, types.Array):
        rank = like.ndim
    elif isinstance(like, (types.Float, types.Integer)):
        rank = 0
    else:
        return None
    kept = 1 if directions else 0  # the directions' axis
    lead = g.ndim - kept - rank  # axes broadcasting put in front: summed whole
    if lead < 0 or g.ndim == 0:
        return None
    first = "d" if directions else "g"  # (Numba wants the stub's parameter names)
    loops = [f"i{a}" for a in range(g.ndim)]
    trailing = loops[kept + lead :]
    target = loops[:kept] + [f"{i} * keep{a}" for a, i in enumerate(trailing)]
    shape = ", ".join(["g.shape[0]"] * kept + [f"like.shape[{a}]" for a in range(rank)])
    lines = [f"def summed({first}, like):", f"    g = {first}"]
    if rank and lead == 0:  # nothing to sum where the shapes already match
        lines += [f"    if g.shape[{kept}:] == like.shape:", "        return g"]
    for a in range(rank):
        lines += [
            f"    if like.shape[{a}] != g.shape[{kept + lead + a}] and like.shape[{a}] != 1:",
            f"        raise ValueError({NOT_BROADCAST!r})",
            f"    keep{a} = 1 if like.shape[{a}] != 1 else 0",
        ]
    lines.append(f"    out = np.zeros(({shape},), g.dtype)" if shape else "    out = 0.0")
    for depth, i in enumerate(loops):
        lines.append("    " * (depth + 1) + f"for {i} in range(g.shape[{depth}]):")
    where = f"out[{', '.join(target)}]" if target else "out"
    lines.append("    " * (len(loops) + 1) + f"{where} += g[{', '.join(loops)}]")
    lines.append("    return out")
    return defined("\n".join(lines), "summed", f"{g} to {like}")
