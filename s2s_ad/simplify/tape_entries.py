"""Tape entries a loop's forward sweep need not save.

The adjoint transform saves what the reverse sweep reads and the loop overwrites; the other
passes may then turn an entry into a literal (`y * (1.0 + 0.5)`: the folded `1.5`), into a
second copy of another entry (two equal temporaries merged: `(_t1, _t1, q_1)`), or leave the
name it is restored into unread. Such an entry is dropped from every push of the tape and
from the replay's targets; the replay assigns the literal or the other entry's name instead,
which the other passes read through (issue 19: only values the adjoint reads and the loop
overwrites are saved, once).

Before:                                       After (then read through, the copies dropped):
    _tape1.append((_t1, _t1, 1.5, q_1))           _tape1.append((_t1, q_1))
    ...                                           ...
    for _t1, _t7, _t4, q_1 in reversed(_tape1):   for _t1, q_1 in reversed(_tape1):
        ...                                           _t7 = _t1
                                                      _t4 = 1.5
                                                      ...

A tape with nothing left saves `None` per iteration and is replayed as
`for _ in reversed(_tape1)` (its length is the trip count), as reverse.py writes it.
A tape is left alone unless it is read only by its pushes, its replays and as an entry of an
outer loop's tape (a nested loop's tape, saved whole per outer iteration).
"""

from __future__ import annotations

import ast
from collections import Counter

from ..frontend.nodes import descendants

_LITERALS = (int, float, bool)


def drop_needless_tape_entries(tree: ast.FunctionDef) -> bool:
    """Drop literal, repeated and unread entries from the tapes under `tree` (in place);
    True if any was."""
    found = _Tapes(tree)
    changed = False
    for tape, pushes in found.pushes.items():
        replays = found.replays.get(tape)
        if replays and found.loads[tape] == found.expected_loads(tape):
            changed |= _drop_entries(pushes, replays, found.loads)
    return changed


class _Tapes:
    """The pushes (`_tape1.append(entry)`), replays (`for … in reversed(_tape1)`) and every
    read name of a function, in one walk."""

    def __init__(self, tree: ast.FunctionDef) -> None:
        self.pushes: dict[str, list[ast.Call]] = {}
        self.replays: dict[str, list[ast.For]] = {}
        self.loads: Counter = Counter()
        for node in descendants(tree):
            kind = type(node)
            if kind is ast.Name:
                if type(node.ctx) is ast.Load:
                    self.loads[node.id] += 1
            elif kind is ast.Expr and (tape := _pushed_to(node.value)) is not None:
                self.pushes.setdefault(tape, []).append(node.value)
            elif kind is ast.For and (tape := _replayed(node.iter)) is not None:
                self.replays.setdefault(tape, []).append(node)

    def expected_loads(self, tape: str) -> int:
        """The reads of `tape` by its pushes, its replays and outer tapes' pushes."""
        saved_whole = sum(
            1
            for calls in self.pushes.values()
            for call in calls
            for entry in _entries(call.args[0])
            if type(entry) is ast.Name and entry.id == tape
        )
        return len(self.pushes[tape]) + len(self.replays[tape]) + saved_whole


def _pushed_to(call: ast.expr) -> str | None:
    """The tape of `_tape1.append(entry)`."""
    if (
        type(call) is ast.Call
        and type(call.func) is ast.Attribute
        and call.func.attr == "append"
        and type(call.func.value) is ast.Name
        and call.func.value.id.startswith("_tape")
        and len(call.args) == 1
        and not call.keywords
    ):
        return call.func.value.id
    return None


def _replayed(iterable: ast.expr) -> str | None:
    """The tape of `reversed(_tape1)`."""
    if (
        type(iterable) is ast.Call
        and type(iterable.func) is ast.Name
        and iterable.func.id == "reversed"
        and len(iterable.args) == 1
        and type(iterable.args[0]) is ast.Name
        and iterable.args[0].id.startswith("_tape")
    ):
        return iterable.args[0].id
    return None


def _entries(pushed: ast.expr) -> list[ast.expr]:
    return pushed.elts if type(pushed) is ast.Tuple else [pushed]


def _target_names(loop: ast.For) -> list[str] | None:
    """The names a replay restores, in order; None for a target other than names."""
    target = loop.target
    parts = target.elts if type(target) is ast.Tuple else [target]
    if not all(type(p) is ast.Name for p in parts):
        return None
    return [p.id for p in parts]


def _drop_entries(pushes: list[ast.Call], replays: list[ast.For], loads: Counter) -> bool:
    names = _target_names(replays[0])
    if names is None or names == ["_"] or any(_target_names(r) != names for r in replays):
        return False
    width = len(names)
    rows = []  # each push's entries, position by position
    for call in pushes:
        pushed = call.args[0]
        entries = pushed.elts if width > 1 else [pushed]
        if len(entries) != width or (width > 1 and type(pushed) is not ast.Tuple):
            return False
        rows.append(entries)
    kept: list[int] = []
    instead: list[tuple[str, ast.expr]] = []  # (name, the literal or the name it copies)
    for k, name in enumerate(names):
        column = [row[k] for row in rows]
        if loads[name] == 0:
            continue  # restored into a name nothing reads
        literal = _same_literal(column)
        if literal is not None:
            instead.append((name, ast.Constant(value=literal)))
            continue
        twin = next((j for j in kept if _same_name(column, [row[j] for row in rows])), None)
        if twin is not None:
            instead.append((name, ast.Name(id=names[twin], ctx=ast.Load())))
            continue
        kept.append(k)
    if len(kept) == width or (not kept and loads["_"]):
        return False  # nothing to drop (or `_`, the empty replay's target, is read)
    for call, row in zip(pushes, rows, strict=True):
        call.args[0] = _packed([row[k] for k in kept])
    for loop in replays:
        loop.target = _unpacked([names[k] for k in kept])
        loop.body[:0] = [_assign(name, _fresh(value)) for name, value in instead]
    return True


def _same_literal(column: list[ast.expr]) -> object | None:
    """The number every push saves in this place, if it is one literal."""
    first = column[0]
    if type(first) is not ast.Constant or type(first.value) not in _LITERALS:
        return None
    same = all(
        type(e) is ast.Constant
        and type(e.value) is type(first.value)
        and repr(e.value) == repr(first.value)
        for e in column
    )
    return first.value if same else None


def _same_name(column: list[ast.expr], other: list[ast.expr]) -> bool:
    """Whether every push saves the same name in both places."""
    return all(
        type(a) is ast.Name and type(b) is ast.Name and a.id == b.id
        for a, b in zip(column, other, strict=True)
    )


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=value, lineno=0)


def _fresh(value: ast.expr) -> ast.expr:
    """A node of its own for each replay (the passes rewrite nodes in place)."""
    if type(value) is ast.Name:
        return ast.Name(id=value.id, ctx=ast.Load())
    return ast.Constant(value=value.value)


def _packed(entries: list[ast.expr]) -> ast.expr:
    if not entries:
        return ast.Constant(value=None)
    return entries[0] if len(entries) == 1 else ast.Tuple(elts=entries, ctx=ast.Load())


def _unpacked(names: list[str]) -> ast.expr:
    parts = [ast.Name(id=n, ctx=ast.Store()) for n in names or ["_"]]
    return parts[0] if len(parts) == 1 else ast.Tuple(elts=parts, ctx=ast.Store())
