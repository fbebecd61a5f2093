"""Branch masks: which elements of a value the selected branch of an `np.where` reads.

The reverse sweep of `np.where(c, f(x), g(x))` sends a zero cotangent to the elements of
`f(x)` that `c` does not select; where `f`'s partial is infinite or nan there (`sqrt` at 0,
`log` of a negative number) the product 0 · inf would be nan. Those elements do not affect
the result, so their contribution is exactly zero: `masked` sets it to zero (ad/masks.py
decides where). Before → after (an element of `x` at 0, not selected):
    `x_bar = _t2_bar / (2.0 * _t2)`  →  `x_bar = rt.masked(_t2_bar / (2.0 * _t2), _t2_mask)`
"""

from __future__ import annotations

import numpy as np

from .core import as_array

__all__ = ["masked", "reach"]


def _any_down_to(mask, shape: tuple) -> np.ndarray:
    """`mask` reduced by `any` to `shape`: an element of a value of `shape` is True where
    some element it broadcasts to is True (the way `rt.unbroadcast` sums)."""
    mask = as_array(mask)  # a Python bool too; arrays of other libraries stay theirs
    full = np.broadcast_shapes(np.shape(mask), shape)
    mask = np.broadcast_to(mask, full)
    lead = len(full) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and full[lead + i] != 1
    )
    return np.reshape(np.any(mask, axis=axes) if axes else mask, shape)


def reach(like, *masks) -> np.ndarray:
    """The elements of `like` some element selected by one of `masks` depends on, each
    mask lined up with `like` as NumPy broadcasts them."""
    if isinstance(like, (list, tuple)):  # a list's adjoint (`rt.Derivatives`): not masked
        return np.True_
    shape = np.shape(like)
    found = np.zeros(shape, dtype=bool)
    for mask in masks:
        found = found | _any_down_to(mask, shape)
    return found


def masked(value, mask):
    """`value` with zeros where `mask` (reduced to `value`'s shape) is False: a derivative
    contribution from elements that no selected element depends on."""
    if isinstance(value, (list, tuple)):  # a list's adjoint: as it is
        return value
    keep = _any_down_to(mask, np.shape(value))
    if np.all(keep):  # the common case: nothing masked, `value` as it is (a float stays one)
        return value
    with np.errstate(invalid="ignore"):
        out = np.where(keep, value, np.zeros_like(value))
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return type(value)(out) if isinstance(value, float) else out[()]
    return out
