"""Values as they are now: what `vjp`'s pullback holds from outside its own code."""

from __future__ import annotations

import numpy as np

__all__ = ["snapshot"]


def snapshot(value):
    """`value` with its NumPy arrays copied, inside lists, tuples, dicts, NamedTuples,
    dataclasses and objects (`pytrees`' nodes, rebuilt): a module's array, or an argument's,
    that the pullback holds and the caller may update in place between `vjp` and the
    pullback's call (`W *= 2`). Anything else as it is. The copies keep the arrays' memory
    layout (order "K"), so NumPy computes with them as with the originals, to the last bit."""
    if isinstance(value, np.ndarray):
        return value.copy(order="K")
    from ..pytrees import map_leaves, node  # (pytrees imports the runtime)

    return value if node(value) is None else map_leaves(snapshot, value)
