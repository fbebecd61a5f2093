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

A branch's record inside a loop (`_branch1 = (…)` ending a branch of the forward sweep,
`a, b = _branch1` starting the same branch of the reverse sweep) likewise.

A tape with nothing left saves `None` per iteration and is replayed as
`for _ in reversed(_tape1)` (its length is the trip count), as reverse.py writes it; a counted
loop's replay then runs over its range alone, `for i in reversed(range(n))`, and the tape dies;
one that does not read its counter replays its tape alone, `for a, b in reversed(_tape1)`
(`drop_unread_counters`, once the tapes are final: a range dropped earlier is lost).
A tape is left alone unless it is read only by its pushes, its replays and as an entry of an
outer loop's tape (a nested loop's tape, saved whole per outer iteration).
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    Assign,
    BinOp,
    Call,
    Constant,
    Expr,
    For,
    FunctionDef,
    If,
    Load,
    Name,
    Pass,
    Store,
    Tuple,
    UnaryOp,
)
from collections import Counter
from functools import partial

from .facts import Names
from .names import (
    appended_to,
    assigned_name,
    drop_counter,
    listed_statements,
    record_read,
    replayed,
    restore_into,
)

_LITERALS = (int, float, bool)


def drop_unread_counters(tree: FunctionDef, facts: Names | None = None) -> set[str]:
    """Replay a tape alone where a counted loop's replay does not read its counter, once
    the tapes are final (in place); the names the ranges dropped read (what computed only
    them may be dead now): a tape left with no entries still replays over its range alone,
    and dies, which it cannot once its range is gone. Inner loops first: an inner replay's
    range may read the outer counter. `facts`: the names of statements, where known (a
    loop's header, rewritten, has none kept)."""
    read: set[str] = set()
    for stmt, _ in reversed(listed_statements(tree.body)):
        if type(stmt) is For:
            read.update(drop_counter(stmt, facts) or ())
    return read


def drop_needless_tape_entries(tree: FunctionDef, facts: Names | None = None) -> bool:
    """Drop literal, repeated and unread entries from the tapes and branch records under
    `tree` (in place); True if any was. `facts`: the names of statements, where known (all
    to be forgotten after a change)."""
    found = _Saved(tree, facts or Names())
    changed = False
    for tape, pushes in found.pushes.items():
        replays = found.replays.get(tape)
        if replays and found.loads[tape] == found.expected_loads(tape, len(replays)):
            packs = [_Pack(call, "args") for call in pushes]
            stands = partial(found.stands, pushes=pushes, replays=len(replays))
            if _drop_entries(packs, _Replays(replays), found.loads, stands):
                changed = found.changed()
    for record, sides in found.records.items():
        restores = sum(len(restored) for _, restored in sides.values())
        made = sum(len(made) for made, _ in sides.values())
        if found.loads[record] != found.expected_loads(record, restores):
            continue
        if found.stores[record] != made + found.restored_whole(record):
            continue  # made elsewhere too: not only at the end of a branch
        if len({site[1] for made, restored in sides.values() for site in made + restored}) != 1:
            continue  # (one test: the forward and the reverse `if` pair by their sides)
        for made, restored in sides.values():
            if made and restored:
                packs = [_Pack(stmt, "value") for stmt, _ in made]
                if _drop_entries(packs, _Restores(restored), found.loads):
                    changed = found.changed()
    return changed


class _Saved:
    """The pushes (`_tape1.append(entry)`) and replays (`for … in reversed(_tape1)`) of the
    tapes, the branch records (`_branch1 = (…)` ending a branch of the forward sweep,
    `… = _branch1` starting the same branch of the reverse sweep) and every read name of a
    function."""

    def __init__(self, tree: FunctionDef, facts: Names) -> None:
        self.pushes: dict[str, list[Call]] = {}
        self.replays: dict[str, list[For]] = {}
        # record → side of the `if` ("body", "orelse") → (its assignments, its restores),
        # each with the `if`'s test
        self.records: dict[str, dict[str, tuple[list, list]]] = {}
        self.loads: Counter = Counter()
        self.stores: Counter = Counter()
        self.blocks: dict[int, list[ast.stmt]] = {}  # id of a push → the block holding it
        self.defined: dict[str, list[tuple[Assign, list]]] = {}  # `name = value`, block
        walked = listed_statements(tree.body)  # (the blocks change in none of the walks)
        for stmt, block in walked:  # statements only: cheap where nothing
            kind = type(stmt)  # is saved
            if kind is Expr and (tape := _pushed_to(stmt.value)) is not None:
                self.pushes.setdefault(tape, []).append(stmt.value)
                self.blocks[id(stmt.value)] = block
            elif kind is For and (replay := _replayed(stmt)) is not None:
                self.replays.setdefault(replay[0], []).append(stmt)
            elif kind is If:
                self._note_records(stmt)
        self.tree = tree
        self.params = {a.arg for a in tree.args.args}
        # what every push saves and every replay restores whole, counted by name once for
        # all tapes until one is rewritten (`changed`): asked per entry, walking all the
        # tapes each time was quadratic in the number of loops
        self._counts: dict[str, Counter] = {}
        if not (self.replays or self.records):
            return
        for stmt, block in walked:  # (only where something is saved)
            if type(stmt) is Assign and (name := assigned_name(stmt)) is not None:
                self.defined.setdefault(name, []).append((stmt, block))
        parts = facts.everywhere(tree)
        self.loads = Counter([n for part in parts for n in part.loads])
        self.stores = Counter([n for part in parts for n in part.stores])

    def _note_records(self, branch: If) -> None:
        test = None  # (its dump, made where a record is: most branches hold none)
        for side in ("body", "orelse"):
            block = getattr(branch, side)
            made, restored = block[-1] if block else None, block[0] if block else None
            if (record := _record_made(made)) is not None:
                test = test or ast.dump(branch.test)
                self._side(record, side)[0].append((made, test))
            if (record := _record_restored(restored)) is not None:
                test = test or ast.dump(branch.test)
                self._side(record, side)[1].append((restored, test, block))

    def _side(self, record: str, side: str) -> tuple[list, list]:
        return self.records.setdefault(record, {}).setdefault(side, ([], []))

    def changed(self) -> bool:
        """Forget the counts after a tape's pushes and replays were rewritten; True."""
        self._counts.clear()
        return True

    def expected_loads(self, saved: str, reads: int) -> int:
        """The reads of a tape or record by its pushes and replays (`reads`) and by outer
        tapes' pushes, which save it whole."""
        saved_whole = self._counts.get("saved")
        if saved_whole is None:
            saved_whole = self._counts["saved"] = Counter(
                entry.id
                for calls in self.pushes.values()
                for call in calls
                for entry in _entries(call.args[0])
                if type(entry) is Name
            )
        pushes = len(self.pushes.get(saved, ()))
        return pushes + reads + saved_whole[saved]

    def stands(self, name: str, restored: int, pushes: list[Call], replays: int) -> ast.expr | None:
        """What the replay may read for the entry `name` of a tape pushed by `pushes`, if
        it holds one value in every iteration and keeps it after the loop: the literal it
        is assigned (read through by the other passes, as a literal saved), else the name
        where it stands. Such a name is assigned only once, in the loop's body before each
        push, from operators on literals, the function's parameters, names it assigns once
        at its top level, and such values of the body; else None."""
        if self.stores[name] != 1 + restored * replays:
            return None  # (its assignment, and the replays' restores into it)
        blocks = [self.blocks[id(call)] for call in pushes]
        if not self._fixed(name, blocks, {}):
            return None
        definitions = self.defined.get(name, [])
        value = definitions[0][0].value if len(definitions) == 1 else None
        if type(value) is Constant and type(value.value) in _LITERALS:
            return value
        return Name(id=name, ctx=Load())

    def _fixed(self, name: str, blocks: list[list], known: dict[str, bool]) -> bool:
        """`known`: the names decided (False while deciding: no cycle is fixed)."""
        if name in known:
            return known[name]
        known[name] = False
        definitions = self.defined.get(name, [])
        if name in self.params:
            fixed = self.stores[name] == 0
        elif len(definitions) != 1:
            fixed = False
        elif definitions[0][1] is self.tree.body:  # runs once, before the loop reads it
            fixed = self.stores[name] == 1
        else:  # assigned in the body of the loop, where every push is, and only restored
            stmt, block = definitions[0]  # by replays besides
            fixed = (
                self.stores[name] == 1 + self.restored_whole(name)
                and all(block is b for b in blocks)
                and _operators_on(stmt.value, lambda n: self._fixed(n, blocks, known))
            )
        known[name] = fixed
        return fixed

    def restored_whole(self, saved: str) -> int:
        """The replays of outer tapes restoring `saved` whole."""
        restored_whole = self._counts.get("restored")
        if restored_whole is None:
            restored = [_replayed(loop) for loops in self.replays.values() for loop in loops]
            # (None for a counted loop's replay left with nothing to restore, by now)
            restored_whole = self._counts["restored"] = Counter(
                name for r in restored if r for name in _target_names(r[1]) or []
            )
        return restored_whole[saved]


def _operators_on(value: ast.expr, fixed) -> bool:
    """Whether `value` is operators on literals and names `fixed` accepts."""
    kind = type(value)
    if kind is Constant:
        return type(value.value) in _LITERALS
    if kind is Name:
        return fixed(value.id)
    if kind is BinOp:
        return _operators_on(value.left, fixed) and _operators_on(value.right, fixed)
    if kind is UnaryOp:
        return _operators_on(value.operand, fixed)
    return False


def _record_made(stmt: ast.stmt | None) -> str | None:
    """The record of `_branch1 = (…)`."""
    if type(stmt) is Assign and len(stmt.targets) == 1:
        target = stmt.targets[0]
        if type(target) is Name and target.id.startswith("_branch"):
            return target.id
    return None


def _record_restored(stmt: ast.stmt | None) -> str | None:
    """The record of `a, b = _branch1` (not a checkpoint's: no branch makes one)."""
    if type(stmt) is Assign and len(stmt.targets) == 1 and type(stmt.value) is Name:
        return record_read(stmt.value)
    return None


def _pushed_to(call: ast.expr) -> str | None:
    """The tape of `_tape1.append(entry)`."""
    tape = appended_to(call)
    return tape if tape is not None and tape.startswith("_tape") else None


def _replayed(loop: For) -> tuple[str, ast.expr] | None:
    """(tape, the target restored from it) of `for … in reversed(_tape1)` (names.replayed)."""
    found = replayed(loop)
    return found if found is not None and found[0].startswith("_tape") else None


def _entries(pushed: ast.expr) -> list[ast.expr]:
    return pushed.elts if type(pushed) is Tuple else [pushed]


class _Pack:
    """Where a tape's push or a record's assignment holds what it saves."""

    def __init__(self, node: AST, field: str) -> None:
        self.node, self.field = node, field  # `call.args[0]` or `assign.value`

    def get(self) -> ast.expr:
        value = getattr(self.node, self.field)
        return value[0] if self.field == "args" else value

    def set(self, value: ast.expr) -> None:
        if self.field == "args":
            self.node.args[0] = value
        else:
            self.node.value = value


class _Replays:
    """The replays of a tape, `for a, b in reversed(_tape1):` (a counted loop's with its
    counter: `for i, (a, b) in zip(reversed(range(n)), reversed(_tape1)):`), assigning at
    their top."""

    def __init__(self, loops: list[For]) -> None:
        self.loops = loops

    def targets(self) -> list[ast.expr]:
        return [_replayed(loop)[1] for loop in self.loops]

    def rewrite(self, names: list[str], instead: list[tuple[str, ast.expr]]) -> None:
        for loop in self.loops:
            restore_into(loop, _unpacked(names or ["_"]))  # nothing saved: reverse.py's form
            loop.body[:0] = [_assign(name, _fresh(value)) for name, value in instead]


class _Restores:
    """The restores of a branch record, `a, b = _branch1`, each first in its block."""

    def __init__(self, restored: list[tuple]) -> None:
        self.restored = restored  # (the statement, its `if`'s test, its block)

    def targets(self) -> list[ast.expr]:
        return [stmt.targets[0] for stmt, _, _ in self.restored]

    def rewrite(self, names: list[str], instead: list[tuple[str, ast.expr]]) -> None:
        for stmt, _, block in self.restored:
            assigned = [_assign(name, _fresh(value)) for name, value in instead]
            if names:
                stmt.targets[0] = _unpacked(names)
                block[1:1] = assigned
            else:  # nothing saved: no restore
                block[:1] = assigned
                if not block:
                    block.append(Pass())  # a block may not be empty


def _target_names(target: ast.expr) -> list[str] | None:
    """The names a replay or restore assigns, in order; None for other targets."""
    parts = target.elts if type(target) is Tuple else [target]
    if not all(type(p) is Name for p in parts):
        return None
    return [p.id for p in parts]


def _drop_entries(
    packs: list[_Pack],
    restores: _Replays | _Restores,
    loads: Counter,
    stands=lambda name, restored: None,
) -> bool:
    """Drop the literal, repeated, unread and (where `stands` gives what to read instead)
    loop-invariant entries of one tape or one branch's record: from what `packs` save and
    from the targets `restores` assign."""
    targets = [_target_names(t) for t in restores.targets()]
    names = targets[0]
    if names is None or names == ["_"] or any(t != names for t in targets):
        return False
    width = len(names)
    rows = []  # each pack's entries, position by position
    for pack in packs:
        saved = pack.get()
        entries = saved.elts if width > 1 else [saved]
        if len(entries) != width or (width > 1 and type(saved) is not Tuple):
            return False
        rows.append(entries)
    kept: list[int] = []
    instead: list[tuple[str, ast.expr]] = []  # (name, the literal or the name it copies)
    # (counted once: per entry over every entry was quadratic in a tape's width)
    saved_names = Counter(e.id for row in rows for e in row if type(e) is Name)
    kept_by_names: dict[tuple[str, ...], int] = {}  # the first kept column saving those names
    for k, name in enumerate(names):
        column = [row[k] for row in rows]
        if loads[name] == saved_names[name]:
            continue  # restored into a name nothing reads (but these packs)
        first, saving = column[0], _names_saved(column)
        if (
            saving is not None
            and saving.count(first.id) == len(saving)
            and (held := stands(first.id, names.count(first.id))) is not None
        ):
            if type(held) is not Name or held.id != name:  # one value in every
                instead.append((name, held))  # iteration, still there after the loop
            continue
        literal = _same_literal(column)
        if literal is not None:
            instead.append((name, Constant(value=literal)))
            continue
        twin = kept_by_names.get(saving) if saving is not None else None
        if twin is not None:
            instead.append((name, Name(id=names[twin], ctx=Load())))
            continue
        kept.append(k)
        if saving is not None:
            kept_by_names.setdefault(saving, k)
    if len(kept) == width or (not kept and loads["_"]):
        return False  # nothing to drop (or `_`, the empty replay's target, is read)
    for pack, row in zip(packs, rows, strict=True):
        pack.set(_packed([row[k] for k in kept], isinstance(restores, _Restores)))
    restores.rewrite([names[k] for k in kept], instead)
    return True


def _names_saved(column: list[ast.expr]) -> tuple[str, ...] | None:
    """The name every push saves in this place, in order, if each saves a name."""
    if not all(type(e) is Name for e in column):
        return None
    return tuple(e.id for e in column)


def _same_literal(column: list[ast.expr]) -> object | None:
    """The number every push saves in this place, if it is one literal."""
    first = column[0]
    if type(first) is not Constant or type(first.value) not in _LITERALS:
        return None
    same = all(
        type(e) is Constant
        and type(e.value) is type(first.value)
        and repr(e.value) == repr(first.value)
        for e in column
    )
    return first.value if same else None


def _assign(name: str, value: ast.expr) -> Assign:
    return Assign(targets=[Name(id=name, ctx=Store())], value=value, lineno=0)


def _fresh(value: ast.expr) -> ast.expr:
    """A node of its own for each replay (the passes rewrite nodes in place)."""
    if type(value) is Name:
        return Name(id=value.id, ctx=Load())
    return Constant(value=value.value)


def _packed(entries: list[ast.expr], record: bool) -> ast.expr:
    if not entries:  # reverse.py's forms: a record `()`, a tape entry `None`
        return Tuple(elts=[], ctx=Load()) if record else Constant(value=None)
    return entries[0] if len(entries) == 1 else Tuple(elts=entries, ctx=Load())


def _unpacked(names: list[str]) -> ast.expr:
    parts = [Name(id=n, ctx=Store()) for n in names or ["_"]]
    return parts[0] if len(parts) == 1 else Tuple(elts=parts, ctx=Store())
