"""Values as they are now: what `vjp`'s pullback reads from outside its own code."""

from __future__ import annotations

import numpy as np

__all__ = ["snapshot"]


def snapshot(value):
    """`value` with its NumPy arrays copied, inside lists, tuples (NamedTuples too) and dicts:
    a module's array (or a list of them) the pullback reads, which the caller may update in
    place between `vjp` and the pullback's call (`W *= 2`). Anything else as it is."""
    if isinstance(value, np.ndarray):
        return value.copy(order="K")
    kind = type(value)
    if kind is list:
        return [snapshot(v) for v in value]
    if kind is dict:
        return {k: snapshot(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(snapshot(v) for v in value)
    if isinstance(value, tuple) and hasattr(kind, "_make"):  # a NamedTuple
        return kind._make(snapshot(v) for v in value)
    return value
