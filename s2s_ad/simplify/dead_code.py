"""Dead-code elimination on generated code: drop assignments nobody reads.

Before: a generated function whose sweeps may compute values nothing uses (a primal result
the gradient code does not return, an adjoint that flows nowhere). After: the same function
without the assignments `name = value` to a single name that is never read anywhere in it
(nested functions and loops included, so a value read by a later iteration or by the
pullback stays) and without `if` statements whose branches were both emptied, repeated
until none is left, and without self-copies `x = x` (which a pass leaves when it rewrites
`x_bar = rt.unbroadcast(x_bar, x)` of a known shape). The values removed are computed by
side-effect-free primitives: generated code has no statements with effects but tape pushes,
which are expression statements and stay, and the run-time checks `rt.unshared` of in-place
updates, which stay too.

    z = a * b            # read below: stays
    unused = np.sin(z)   # never read: removed
    return z
"""

from __future__ import annotations

import ast
from collections import Counter

from .names import assigned_name, loads


def eliminate_dead_code(tree: ast.FunctionDef) -> bool:
    """Remove unread single-name assignments from `tree` in place; True if any was removed.

    Reads are counted once; removing an assignment un-counts what it read, which may make
    further assignments dead (a worklist, so the cost is linear in the code). Removing an
    emptied `if` stops reading its test: then once more."""
    changed = False
    while True:
        removed, emptied = _eliminate_once(tree)
        changed |= removed
        if not emptied:
            return changed


def _eliminate_once(tree: ast.FunctionDef) -> tuple[bool, bool]:
    reads = Counter(loads(tree))
    assignments: dict[str, list[ast.Assign]] = {}
    for node in _statements(tree):
        if (name := assigned_name(node)) is not None and not _is_check(node):
            assignments.setdefault(name, []).append(node)
    dead: set[int] = set()
    for stmts in assignments.values():
        for stmt in [s for s in stmts if _self_copy(s)]:  # changes nothing
            dead.add(id(stmt))
            reads[stmt.value.id] -= 1
            stmts.remove(stmt)
    work = [name for name in assignments if reads[name] == 0]
    while work:
        for stmt in assignments.pop(work.pop(), []):
            dead.add(id(stmt))
            for name in loads(stmt.value):
                reads[name] -= 1
                if reads[name] == 0 and name in assignments:
                    work.append(name)
    emptied: list[ast.If] = []
    return _prune(tree, dead, emptied), bool(emptied)


def _self_copy(stmt: ast.Assign) -> bool:
    return type(stmt.value) is ast.Name and stmt.value.id == stmt.targets[0].id


def _is_check(stmt: ast.Assign) -> bool:
    """`rt.unshared(…)`: a run-time check of an in-place update (ssa/aliasing.py), which
    must run even when its result is not read."""
    call = stmt.value
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "unshared"
    )


def _statements(node: ast.AST):
    """Every statement in the blocks under `node`, nested functions included."""
    for field in ("body", "orelse"):
        for stmt in getattr(node, field, None) or ():
            yield stmt
            yield from _statements(stmt)


def _prune(node: ast.AST, dead: set[int], emptied: list[ast.If]) -> bool:
    removed = False
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list):
            continue
        kept = []
        for stmt in block:
            removed |= _prune(stmt, dead, emptied)  # inner blocks first: an `if` may empty
            if not _dead(stmt, dead):
                kept.append(stmt)
            elif isinstance(stmt, ast.If):
                emptied.append(stmt)
        removed |= len(kept) != len(block)
        if not kept and block:  # a block may not be empty
            kept = [ast.Pass()]
        setattr(node, field, kept)
    return removed


def _dead(stmt: ast.stmt, dead: set[int]) -> bool:
    if isinstance(stmt, ast.If):  # both branches emptied (tests are names: no effects)
        return all(isinstance(s, ast.Pass) for s in stmt.body + stmt.orelse)
    return id(stmt) in dead
