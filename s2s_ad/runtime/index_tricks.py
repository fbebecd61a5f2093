"""`np.r_[...]` and `np.c_[...]`: arrays joined by indexing a NumPy concatenator.

The lowering turns `np.r_[x, 1.0, y[:2]]` into `rt.index_concat(np.r_, [x, 1.0, _t1])`,
which evaluates exactly that index. Joining moves elements without changing them, so the
tangent is the same join of the items' tangents (directive strings such as `"0,2"` kept,
a slice's range as zeros), and the adjoint hands each item the output elements that came
from it: a join of element numbers tells which.
"""

from __future__ import annotations

import numpy as np

from .core import Derivatives, as_array


def index_concat(maker, items):
    """`maker[items]`: `np.r_[a, b]` or `np.c_[a, b]` with the items in a list."""
    return maker[tuple(items)]


def _passive_piece(item):
    """A directive string as it is; a slice as zeros of its range's length (it has no
    derivative); None for a value, whose tangent or marker takes its place."""
    if isinstance(item, str):
        return item
    if isinstance(item, slice):
        return np.zeros(len(np.r_[item]))
    return None


def index_concat_jvp(t, maker, items):
    """The tangent of `maker[items]`: the same join of the items' tangents `t`."""
    pieces = []
    for tangent, item in zip(t, items, strict=True):
        piece = _passive_piece(item)
        pieces.append(tangent if piece is None else piece)
    return maker[tuple(pieces)]


def index_concat_vjp(g, maker, items):
    """The cotangent of each item of `maker[items]`: the elements of `g` that came from it.

    Each element of each value item is numbered from 1 (0 stands for no item's element);
    joining the numbers the same way shows where each one went."""
    pieces, starts, total = [], [], 0
    for item in items:
        piece = _passive_piece(item)
        starts.append(total)
        if piece is None:
            size = int(np.size(item))
            numbers = np.arange(total + 1, total + size + 1, dtype=np.float64)
            piece = numbers.reshape(np.shape(item)) if np.ndim(item) else float(numbers[0])
            piece = np.asarray(piece) if isinstance(item, np.ndarray) else piece
            total += size
        pieces.append(piece)
    where = np.asarray(maker[tuple(pieces)])
    g = as_array(g)
    dtype = g.dtype if np.issubdtype(g.dtype, np.floating) else np.float64
    flat = np.zeros(total, dtype=dtype)
    came = where > 0
    flat[where[came].astype(np.intp) - 1] = np.broadcast_to(g, where.shape)[came]
    cut = zip(starts, items, strict=True)
    return Derivatives(_item_cotangent(flat, start, item) for start, item in cut)


def _item_cotangent(flat, start: int, item):
    if _passive_piece(item) is not None:
        return 0.0
    piece = flat[start : start + int(np.size(item))].reshape(np.shape(item))
    if isinstance(item, (list, tuple)):  # a list display's adjoint is one per item
        return Derivatives(piece)
    return piece if isinstance(item, np.ndarray) else piece[()]
