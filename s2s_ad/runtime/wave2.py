"""Adjoints of NumPy's linear finite differences (rules/wave2.py): `np.gradient`.

np.gradient is linear in its array: along each axis it is a matrix G (central differences
inside, one-sided of `edge_order` at the ends), so its adjoint applies Gᵀ along that axis.
G is read off np.gradient itself (its columns are the gradients of the unit vectors), so
the adjoint matches NumPy's stencils exactly. Before → after, for 1-D `f` of length n:

    cotangent of f:  (no rule)  →  Gᵀ @ g,  G = np.gradient(np.eye(n), h, axis=0)
"""

from __future__ import annotations

import numpy as np

from .core import Derivatives, as_array

__all__ = ["gradient_tangent", "gradient_vjp"]


def gradient_tangent(t):
    """np.gradient's result as a tangent: the tuple of one array per axis as a list's."""
    return Derivatives(t) if isinstance(t, (list, tuple)) else t


def gradient_vjp(g, f, h=1.0, axis=None, edge_order=1):
    """The cotangent of `f` in `np.gradient(f, h, axis=axis, edge_order=edge_order)`, given
    the cotangent `g` of its result (one array per axis, or one array for one axis)."""
    f = as_array(f)
    axes = tuple(range(f.ndim)) if axis is None else tuple(np.atleast_1d(axis))
    # one part per axis (a list, or stacked in an array), or one array for one axis
    parts = list(g) if isinstance(g, (list, tuple)) or len(axes) > 1 else [g]
    out = np.zeros(f.shape, np.result_type(f, as_array(parts[0]), np.float32))
    for part, ax in zip(parts, axes, strict=True):
        n = f.shape[ax]
        stencil = np.gradient(np.eye(n, dtype=out.dtype), h, axis=0, edge_order=edge_order)
        part = np.broadcast_to(part, f.shape)  # a zero may stand as 0.0 for an unused part
        moved = np.tensordot(stencil, np.moveaxis(part, ax, 0), axes=([0], [0]))
        out = out + np.moveaxis(moved, 0, ax)
    return out
