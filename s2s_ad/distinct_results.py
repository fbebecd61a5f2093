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

_NUMBERS = (float, int, np.generic)  # (immutable: never copied)


def distinct(result: object, given: object = None) -> object:
    """`result` (an array, number, or structure of them) with every array leaf that shares
    memory with an earlier leaf, or with an array of `given` (the tangents `jvp` was given,
    the cotangent a pullback was given, which the identity passes through), replaced by a
    copy; `result` itself where none does. The commonest results (one array or number; a
    tuple of numbers and arrays that own their memory, each once) are returned at once,
    without flattening."""
    one = type(result) is np.ndarray or result is None or isinstance(result, _NUMBERS)
    if one and given is None:
        return result
    leaves, tree = None, None
    if type(result) is tuple:  # `value_and_grad`'s, `grad(f, wrt=(0, 1))`'s
        arrays, fresh = [], True
        for leaf in result:
            if type(leaf) is np.ndarray:
                arrays.append(leaf)
                fresh = fresh and leaf.base is None
            elif not (leaf is None or isinstance(leaf, _NUMBERS)):
                break  # a structure inside: flattened
        else:
            # arrays that own their memory overlap only where one is given twice
            if given is None and (
                len(arrays) < 2 or (fresh and len(set(map(id, arrays))) == len(arrays))
            ):
                return result
            leaves = list(result)
    if leaves is None:
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
    for i, leaf in enumerate(given + leaves):
        if type(leaf) is not np.ndarray:
            continue
        root = leaf
        while type(root.base) is np.ndarray:
            root = root.base
        earlier = by_buffer.get(id(root))
        if earlier is None:
            by_buffer[id(root)] = [leaf]
            continue
        overlapping = False
        if i >= len(given):
            for other in earlier:
                if _overlap(leaf, other):
                    overlapping = True
                    break
        if overlapping:
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
