"""Results whose arrays are distinct: no array an API returns shares memory with another.

Generated code may return one array in two places: the adjoint of `x + y` is the same
cotangent for both (`grad(f, wrt=(0, 1))`), a parameter named twice in `wrt` gets its block
twice, common subexpressions make `(np.sin(x), np.sin(x))` one value, a dict's two leaves
get one gradient. NumPy arrays are mutable, so writing into one block (`gx *= 0.5`) would
change the other; the plain function returns separate arrays, and so do PyTorch's `.grad`
buffers. A later leaf that overlaps an earlier one is copied.
"""

from __future__ import annotations

import numpy as np

from . import pytrees


def distinct(result: object, given: object = None) -> object:
    """`result` (an array, number, or structure of them) with every array leaf that shares
    memory with an earlier leaf, or with an array of `given` (the tangents `jvp` was given,
    the cotangent a pullback was given, which the identity passes through), replaced by a
    copy; `result` itself where none does (the commonest results, one array or number with
    nothing given, are returned at once)."""
    if given is None and (type(result) is np.ndarray or type(result) is float or result is None):
        return result
    if type(result) is tuple and all(type(leaf) is np.ndarray for leaf in result):
        leaves, tree = list(result), None  # `grad(f, wrt=(0, 1))`: no flattening
    else:
        leaves, tree = pytrees.flatten(result)
    if not _copy_overlapping(leaves, pytrees.flatten(given)[0] if given is not None else []):
        return result
    return tuple(leaves) if tree is None else pytrees.unflatten(tree, leaves)


def _copy_overlapping(leaves: list, given: list) -> bool:
    """Replace (in `leaves`) each array that overlaps an earlier one, or one of `given`, by a
    copy; whether any was. Only arrays over one buffer (the same innermost base) are
    compared exactly."""
    by_buffer: dict[int, list[np.ndarray]] = {}
    copied = False
    for i, leaf in enumerate([*given, *leaves]):
        if type(leaf) is not np.ndarray:
            continue
        root = leaf
        while isinstance(root.base, np.ndarray):
            root = root.base
        earlier = by_buffer.setdefault(id(root), [])
        if i >= len(given) and any(_overlap(leaf, other) for other in earlier):
            leaves[i - len(given)] = leaf.copy()
            copied = True
        else:
            earlier.append(leaf)
    return copied


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    if a is b:
        return a.size > 0
    try:
        return bool(np.shares_memory(a, b, max_work=10_000))
    except np.exceptions.TooHardError:  # too costly to decide exactly: copy
        return True
