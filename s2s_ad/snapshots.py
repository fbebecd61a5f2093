"""`vjp`'s pullback gives the VJP at the values of the call, whatever the caller writes later.

The pullback is a closure over the forward sweep's values, and NumPy's arrays are mutable:
an argument, the returned value, or a view of a module's array, updated in place between
`vjp` and the pullback's call (`batch[:] = next_batch`, `y /= y.sum()`), would change the
cotangents it gives, with no error (autograd's pullback has that hazard; JAX's arrays are
immutable; PyTorch raises). So once the forward sweep has run, `vjp` replaces what the
caller can reach among the values the pullback holds (an argument's array or structure, a
returned array) by a copy, and every view it holds (of an argument, of a module's array) too:
in its own cells, its loop tapes' lists, tuples and dicts, and its helpers' pullbacks. What it
does not hold is not copied. The code binds the module's and closures' arrays it holds as
copies itself (`W_read = rt.snapshot(W)`, `ad/pullback_reads.py`).
"""

from __future__ import annotations

import types

import numpy as np

from . import pytrees
from .runtime.snapshots import snapshot


def keep_values(pullback: types.FunctionType, reachable: list) -> None:
    """Replace, in the cells of `pullback` (a generated `def pullback`) and of the generated
    pullbacks it holds, each array or structure of `reachable` (the arguments, but those the
    function updates in place, and the returned value: what the caller can write into) by a
    copy of its arrays, and each array that is a view by a copy; inside lists, tuples and
    dicts (loop tapes) too. One object held twice gets one copy."""
    outside: dict[int, object] = {}
    for value in reachable:
        _collect(value, outside)
    _keep_cells(pullback, outside, {})


def _collect(value: object, found: dict[int, object]) -> None:
    """`value` and the nodes and arrays in it, by identity (kept alive in `found`)."""
    if isinstance(value, np.ndarray):
        found[id(value)] = value
        return
    at = pytrees.node(value)
    if at is None or id(value) in found:
        return
    found[id(value)] = value
    for child in pytrees.children(value, at):
        _collect(child, found)


def _keep_cells(pullback: types.FunctionType, outside: dict, seen: dict[int, object]) -> None:
    for cell in pullback.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:  # (a name the forward sweep left unbound)
            continue
        kept = _kept(value, outside, seen)
        if kept is not value:
            cell.cell_contents = kept


def _kept(value: object, outside: dict, seen: dict[int, object]) -> object:
    """`value` with what the caller can reach, and its views, copied: itself where it holds
    none."""
    if isinstance(value, np.ndarray) and id(value) not in outside:  # (the commonest: no memo)
        return value if value.base is None else snapshot(value)
    if id(value) in seen:
        return seen[id(value)]
    seen[id(value)] = value  # (a list holding itself)
    kind, kept = type(value), value
    if id(value) in outside:
        kept = snapshot(value)
    elif kind is list or kind is tuple:  # (a loop's tape: most of its arrays the sweep's own)
        items = [
            v
            if type(v) is np.ndarray and v.base is None and id(v) not in outside
            else _kept(v, outside, seen)
            for v in value
        ]
        if any(a is not b for a, b in zip(items, value, strict=True)):
            kept = kind(items)
    elif kind is dict:
        items = {k: _kept(v, outside, seen) for k, v in value.items()}
        if any(items[k] is not value[k] for k in value):
            kept = items
    elif _is_generated_pullback(value):
        _keep_cells(value, outside, seen)  # (made by this call: its cells are its own)
    seen[id(value)] = kept
    return kept


def _is_generated_pullback(value: object) -> bool:
    """A `def pullback` of derivative code, made by the forward sweep that returned it."""
    return (
        type(value) is types.FunctionType
        and value.__code__.co_name == "pullback"
        and value.__code__.co_filename.startswith("<s2s_ad ")
    )
