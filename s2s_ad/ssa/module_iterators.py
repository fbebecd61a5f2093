"""A module's iterator read as a whole: refused at its line.

    BATCHES = iter(DATA)

    def f(w):
        for b in BATCHES:             # the derivative code reads the iterator as a sequence …
            loss = loss + np.sum(np.tanh(w * b))

An iterator (a generator, `iter(…)`, `itertools.count()`, `zip(…)`) is used up as it is read.
The derivative code reads a loop's sequence whole before the loop (all six batches where the
plain call's `break` leaves four; an infinite generator never ends), and `jacrev` and the
Jacobians run it again after the first run exhausted it (zeros, silently). `next(BATCHES)`,
which takes one item, is a call kept for its effect (`ssa/effects.py`) and stays allowed.
"""

from __future__ import annotations

from ..errors import UnsupportedSyntaxError
from .effect_calls import ARGUMENT_CHANGERS
from .ir import Assign, For, Free, Function, Prim, operands, walk


def refuse_module_iterators(fn: Function) -> None:
    """Raise UnsupportedSyntaxError at the first statement of `fn` reading a module's (or a
    closure's) iterator other than by `next` (or `heapq`'s, `bisect`'s functions)."""
    for stmt in walk(fn.body):
        if isinstance(stmt, Assign):
            value = stmt.value
        elif isinstance(stmt, For):
            value = stmt.iterable
        else:
            continue
        if isinstance(value, Prim) and any(value.fn is f for f in ARGUMENT_CHANGERS):
            continue  # `next(BATCHES)`: one item, once
        for atom in operands(value) if isinstance(value, Prim) else (value,):
            if isinstance(atom, Free) and _is_iterator(atom.value):
                raise UnsupportedSyntaxError(
                    f"unsupported construct: `{atom.source}`, an iterator of the module read "
                    "as a whole: the derivative code reads it before the loop and again in "
                    "other passes, where the plain call takes items as it goes",
                    filename=fn.filename,
                    line=stmt.line,
                    hint=f"take the items first (`batch = next({atom.source})`, or "
                    f"`items = list(itertools.islice({atom.source}, n))` outside the "
                    "function) and pass them in as an argument",
                )


def _is_iterator(value: object) -> bool:
    """An object used up as it is read: it has `__next__` (a generator, a file, `zip(…)`)."""
    return hasattr(type(value), "__next__")
