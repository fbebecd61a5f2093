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

import io
import operator

from ..errors import UnsupportedSyntaxError
from .effect_calls import changes_given, is_iterator, stream_read_by
from .ir import Assign, Const, For, Free, Function, Index, Prim, Var, operands, walk


def refuse_module_iterators(fn: Function) -> None:
    """Raise UnsupportedSyntaxError at the first statement of `fn` reading a module's (or a
    closure's) iterator other than by `next` (or `heapq`'s, `bisect`'s functions)."""
    statements = walk(fn.body)
    taken = None  # (`_taken`: found where an iterator is held in a container, nearly never)
    # a local bound to a module's object (`d = ITERS`, then `d["train"]`)
    bound = {s.target: s.value for s in statements if isinstance(s, Assign)}
    bound = {name: value for name, value in bound.items() if isinstance(value, Free)}
    for stmt in statements:
        if isinstance(stmt, Assign):
            value = stmt.value
        elif isinstance(stmt, For):
            value = stmt.iterable
        else:
            continue
        if isinstance(value, Prim) and changes_given(value.fn):
            continue  # `next(BATCHES)`: one item, once
        for atom in operands(value) if isinstance(value, Prim) else (value,):
            if isinstance(atom, Free) and is_iterator(atom.value):
                _refuse(fn, stmt, f"`{atom.source}`, an iterator of the module", atom.source)
        for atom, keyword in _given(value):
            stream = isinstance(atom, Free) and isinstance(atom.value, io.IOBase)
            if stream and stream_read_by(getattr(value, "fn", None), keyword):  # (not `file=`)
                _refuse(fn, stmt, f"`{atom.source}`, a stream of the module", atom.source)
        item = _module_item(value, bound)  # (None, no iterator, for nearly every statement)
        if item is None or not is_iterator(item):
            continue
        taken = _taken(statements) if taken is None else taken
        if not (isinstance(stmt, Assign) and stmt.target in taken):  # `for b in ITERS["x"]`
            held = _spelled(value.args[0])
            _refuse(fn, stmt, f"an iterator held in `{held}`", f"{held}[…]")


def _taken(statements: list) -> set[str]:
    """The names given to `next` (`next(ITERS["train"])`: its item read to take one item)."""
    return {
        s.value.args[0].name
        for s in statements
        if isinstance(s, Assign) and isinstance(s.value, Prim) and s.value.args
        if changes_given(s.value.fn) and isinstance(s.value.args[0], Var)
    }


def _refuse(fn: Function, stmt: object, what: str, source: str) -> None:
    raise UnsupportedSyntaxError(
        f"unsupported construct: {what}, read as a whole: the derivative code reads it "
        "before the loop and again in other passes, where the plain call takes items as it "
        "goes",
        filename=fn.filename,
        line=stmt.line,
        hint=f"take the items first (`batch = next({source})`, or `items = "
        f"list(itertools.islice({source}, n))` outside the function) and pass them in as an "
        "argument",
    )


def _given(value: object) -> list:
    """(atom, keyword) of what a primitive is given (None: by position), or a loop's
    sequence read whole."""
    if isinstance(value, Prim):
        return [(a, None) for a in value.args] + [(a, k) for k, a in value.kwargs]
    return [(value, None)]


def _module_item(value: object, bound: dict) -> object:
    """The object `ITERS["train"]` (an item of a module's dict or list at a literal key, the
    module's name or a local `bound` to it) holds now, else None."""
    if not (isinstance(value, Prim) and value.fn is operator.getitem and len(value.args) == 2):
        return None
    holder, key = value.args
    holder = bound.get(holder.name, holder) if isinstance(holder, Var) else holder
    items = key.items if isinstance(key, Index) and not key.is_tuple else (key,)
    if not (isinstance(holder, Free) and len(items) == 1 and isinstance(items[0], Const)):
        return None
    try:
        return holder.value[items[0].value]
    except (LookupError, TypeError):
        return None


def _spelled(atom: object) -> str:
    """A module's name as written (`ITERS`), or a local's (`d`)."""
    return getattr(atom, "source", None) or atom.name
