"""`vjp`'s pullback gives the VJP at the values of the call, whatever the caller writes later.

The pullback is a closure over the forward sweep's values, and NumPy's arrays are mutable:
an argument, the returned value, or a view of a module's array, updated in place between
`vjp` and the pullback's call (`batch[:] = next_batch`, `y /= y.sum()`), would change the
cotangents it gives, with no error (autograd's pullback has that hazard; JAX's arrays are
immutable; PyTorch raises). So `vjp` runs the forward sweep on copies of the arguments'
arrays, gives the caller copies of the returned arrays, and copies the views among the
values the pullback holds (`W[1:]` of a module's `W`; its helpers' pullbacks' and its loop
tapes' too). The generated code binds the module's arrays the pullback reads as copies
(`W_read = rt.snapshot(W)`, `ad/pullback_reads.py`).
"""

from __future__ import annotations

import types

import numpy as np

from . import pytrees


def arguments_as_called(values: list, params: list[str], updated: set[str]) -> list:
    """`values` (one per parameter of `params`) with their arrays copied (inside structures
    too: lists, dicts, dataclasses, objects), but for the parameters in `updated`, which the
    function updates in place as the caller sees (and arrays sharing memory with those).
    One array given twice is copied once, so the two stay one."""
    kept = [v for p, v in zip(params, values, strict=False) if p in updated]
    shared = [leaf for v in kept for leaf in pytrees.flatten(v)[0] if type(leaf) is np.ndarray]
    copies: dict[int, np.ndarray] = {}

    def copied(leaf: object) -> object:
        if not isinstance(leaf, np.ndarray):
            return leaf
        if any(np.may_share_memory(leaf, s) for s in shared):
            return leaf
        if id(leaf) not in copies:
            copies[id(leaf)] = leaf.copy(order="K")
        return copies[id(leaf)]

    return [
        v if p in updated else pytrees.map_leaves(copied, v)
        for p, v in zip(params, values, strict=False)
    ] + values[len(params) :]


def returned_copy(out: object) -> object:
    """`out` with its arrays copied: the caller's to update, the pullback's untouched."""
    return pytrees.map_leaves(_copied, out)


def _copied(leaf: object) -> object:
    return leaf.copy(order="K") if isinstance(leaf, np.ndarray) else leaf


def keep_views(pullback: types.FunctionType) -> None:
    """Replace, in the cells of `pullback` (a generated `def pullback`), each array that is a
    view (of a module's array, perhaps) by a copy, inside lists, tuples and dicts (loop
    tapes), and in the cells of the generated pullbacks it holds (its helpers')."""
    _keep_cells(pullback, {})


def _keep_cells(pullback: types.FunctionType, seen: dict[int, object]) -> None:
    for cell in pullback.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # (a name the forward sweep left unbound)
            continue
        kept = _kept(value, seen)
        if kept is not value:
            cell.cell_contents = kept


def _kept(value: object, seen: dict[int, object]) -> object:
    """`value` with its views copied: itself where it holds none."""
    if id(value) in seen:
        return seen[id(value)]
    seen[id(value)] = value  # (a list holding itself)
    kind = type(value)
    kept = value
    if isinstance(value, np.ndarray):
        kept = value.copy(order="K") if value.base is not None else value
    elif kind in (list, tuple):
        items = [_kept(v, seen) for v in value]
        if any(a is not b for a, b in zip(items, value, strict=True)):
            kept = kind(items)
    elif kind is dict:
        items = {k: _kept(v, seen) for k, v in value.items()}
        if any(items[k] is not value[k] for k in value):
            kept = items
    elif _is_generated_pullback(value):
        _keep_cells(value, seen)  # (made by this call: its cells are its own)
    seen[id(value)] = kept
    return kept


def _is_generated_pullback(value: object) -> bool:
    """A `def pullback` of derivative code, made by the forward sweep that returned it."""
    return (
        type(value) is types.FunctionType
        and value.__code__.co_name == "pullback"
        and value.__code__.co_filename.startswith("<s2s_ad ")
    )
