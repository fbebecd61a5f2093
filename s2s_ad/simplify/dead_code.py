"""Dead-code elimination on generated code: drop assignments nobody reads.

Before: a generated function whose sweeps may compute values nothing uses (a primal result
the gradient code does not return, an adjoint that flows nowhere). After: the same function
without the assignments `name = value` to a single name that is never read anywhere in it
(nested functions and loops included, so a value read by a later iteration or by the
pullback stays) and without `if` statements whose branches were both emptied, repeated
until none is left. The values removed are computed by
side-effect-free primitives: generated code has no statements with effects but tape pushes,
which are expression statements and stay.

    z = a * b            # read below: stays
    unused = np.sin(z)   # never read: removed
    return z
"""

from __future__ import annotations

import ast


def eliminate_dead_code(tree: ast.FunctionDef) -> bool:
    """Remove unread single-name assignments from `tree` in place; True if any was removed."""
    changed = False
    while True:
        reads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not _stored(n)}
        removed = _prune(tree, reads)
        if not removed:
            return changed
        changed = True


def _stored(node: ast.Name) -> bool:
    return isinstance(node.ctx, ast.Store)


def _prune(node: ast.AST, reads: set[str]) -> bool:
    removed = False
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list):
            continue
        kept = [s for s in block if not _dead(s, reads)]
        removed |= len(kept) != len(block)
        if not kept and block:  # a block may not be empty
            kept = [ast.Pass()]
        setattr(node, field, kept)
        for stmt in kept:
            removed |= _prune(stmt, reads)
    return removed


def _dead(stmt: ast.stmt, reads: set[str]) -> bool:
    if isinstance(stmt, ast.If):  # both branches emptied (tests are names: no effects)
        return all(isinstance(s, ast.Pass) for s in stmt.body + stmt.orelse)
    return (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id not in reads
    )
