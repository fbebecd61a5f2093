"""The names whose value is only ever tested for truth.

Folding a flag rewrites `a and True` as `a`, `if a: t = True else: t = y` as `a or y`, and
reads a loop's exit flag as `False`: the same truth value, but not the same value where `a`
is not Python's `True` or `False`: a comparison of NumPy numbers gives `np.True_`, and
`np.True_ and True` is `True`, whose `is True`, sum (`np.True_ + np.True_` is `True`, not 2)
and type differ. Such folds are exact where the name they assign is read only for its truth
— the test of an `if`, `while` or `a if c else b`, the operand of `not`, an operand of an
`and`/`or` whose own value is so read, or a copy into another such name — as the flags
lowering `break`, `return` in loops and `and`/`or` makes are.

A flag a loop saves for its reverse sweep (`_tape1.append((_t5, y))`, `_branch1 = (_t5,)`,
a checkpoint's `_checkpoints1.append((_stop_1, y_1))`) is restored into the same name there,
whose reads count; the runtime's alias check (`rt.unshared(x, flag, …)`) asks nothing of a
flag's value, and its operand check (`rt.followed_operand(flag)`) gives it.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    Assign,
    Attribute,
    BoolOp,
    Call,
    Expr,
    For,
    FunctionDef,
    If,
    IfExp,
    Load,
    Name,
    Not,
    Tuple,
    UnaryOp,
    While,
    iter_child_nodes,
)

from .facts import Names, StatementNames
from .names import (
    BLOCKS,
    SIMPLE,
    appended_to,
    child_fields,
    listed_statements,
    record_read,
    replayed,
)

_TRUTH = ""  # a read taking the truth value alone (else: the name it flows into, or None)


def truth_only(tree: FunctionDef, facts: Names | None = None) -> set[str]:
    """The names under `tree` every read of which takes only its truth value. `facts`: the
    names of statements (facts.py), where known: a simple statement with nothing that may
    read a name for its truth alone reads each for its value, found without a walk (most
    of them: the walk of every expression was most of the time flags took)."""
    walked = listed_statements(tree.body)  # (both walks: nothing changes in between)
    restored = _restored(walked)
    needs: dict[str, set[str]] = {}  # name → the names its value flows into whole
    other: set[str] = set()  # the names read for more than their truth somewhere
    seen: set[str] = set()

    def visit(node: AST, into: str | None) -> None:
        kind = type(node)
        if kind is Name:
            seen.add(node.id)
            if type(node.ctx) is not Load:
                return
            if into is None:
                other.add(node.id)
            elif into != _TRUTH and into != node.id:
                needs.setdefault(node.id, set()).add(into)
        elif kind is BoolOp:  # gives one of its operands: each flows where it does
            for value in node.values:
                visit(value, into)
        elif kind is UnaryOp and type(node.op) is Not:
            visit(node.operand, _TRUTH)
        elif kind is IfExp:
            visit(node.test, _TRUTH)
            visit(node.body, into)
            visit(node.orelse, into)
        elif kind is Call and _runtime_call(node, "unshared") and len(node.args) > 1:
            visit(node.args[0], None)
            for arg in node.args[1:]:
                visit(arg, _TRUTH)
        elif kind is Call and _runtime_call(node, "followed_operand"):
            visit(node.args[0], into)  # (gives its operand)
        else:
            for child in iter_child_nodes(node):
                visit(child, None)

    def saved(entries: ast.expr, saved_in: str) -> None:
        """A tape's push or a branch's record: an entry restored into its own name is read
        where it is restored; any other is read whole."""
        for entry in entries.elts if type(entries) is Tuple else [entries]:
            if type(entry) is Name and entry.id in restored.get(saved_in, ()):
                seen.add(entry.id)
            else:
                visit(entry, None)

    for stmt, _ in walked:
        kind = type(stmt)
        part = facts.of(stmt) if facts is not None and kind in SIMPLE else None
        if part is not None and _read_whole(stmt, part, restored):
            seen.update(part.loads, part.stores, part.deleted)  # (its target's included)
            other.update(part.loads)
        elif kind is Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is Name:
            target = stmt.targets[0].id
            seen.add(target)
            if target in restored:
                saved(stmt.value, target)
            else:
                visit(stmt.value, target)
        elif kind is Expr and (tape := appended_to(stmt.value)) in restored:
            saved(stmt.value.args[0], tape)
        elif kind is If or kind is While:
            visit(stmt.test, _TRUTH)
        else:  # its own parts (its blocks' statements are visited on their own)
            for field in child_fields(kind):
                if kind in SIMPLE or field not in BLOCKS:
                    value = getattr(stmt, field, None)
                    for item in value if type(value) is list else [value]:
                        if isinstance(item, AST):
                            visit(item, None)
    flowing_into: dict[str, list[str]] = {}  # name → the names whose values flow into it
    for name, into in needs.items():
        for target in into:
            flowing_into.setdefault(target, []).append(name)
    found = seen - other
    pending = list(seen & other)
    while pending:  # (the greatest set: a flag a loop carries back into itself stays)
        dropped = pending.pop()
        for name in flowing_into.get(dropped, ()):
            if name in found:
                found.discard(name)
                pending.append(name)
    return found


def _read_whole(stmt: ast.stmt, part: StatementNames, restored: dict[str, set[str]]) -> bool:
    """Whether the simple statement `stmt`, whose names are `part`, reads each name it reads
    for its value, and binds none the visit must see flow (a copy's value flows into its
    target; a saved entry is read where it is restored)."""
    if part.for_truth or part.binds_within:
        return False
    if type(stmt) is Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is Name:
        return type(stmt.value) is not Name and stmt.targets[0].id not in restored
    return type(stmt) is not Expr or appended_to(stmt.value) not in restored


def _runtime_call(call: Call, name: str) -> bool:
    """Whether `call` is `rt.<name>(…)` with arguments: the runtime's check that an updated
    value shares no memory with another (`rt.unshared(x, other, …)`, which asks nothing of a
    flag `other` but that it is not `x`: `True` and `np.True_` alike), or its check of an
    operator's operand (`rt.followed_operand(x)`, which gives `x`)."""
    func = call.func
    return (
        type(func) is Attribute
        and func.attr == name
        and type(func.value) is Name
        and func.value.id == "rt"
        and bool(call.args)
    )


def _restored(walked: list[tuple[ast.stmt, list]]) -> dict[str, set[str]]:
    """Tape or branch record → the names its replays and restores assign."""
    restored: dict[str, set[str]] = {}
    for stmt, _ in walked:
        if type(stmt) is For and (found := replayed(stmt)) is not None:
            tape, target = found
        elif type(stmt) is Assign and (saved := record_read(stmt.value)) is not None:
            tape, target = saved, stmt.targets[0]
        else:
            continue
        parts = target.elts if type(target) is Tuple else [target]
        restored.setdefault(tape, set()).update(p.id for p in parts if type(p) is Name)
    return restored
