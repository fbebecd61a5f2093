"""Copy and constant propagation on generated code.

Before:                      After (dead-code elimination then drops the copy):
    x_2_bar = x_1_bar            x_2_bar = x_1_bar
    _t3_bar = x_2_bar * 0.1      _t3_bar = x_1_bar * 0.1

After `a = b` (a name) or `a = 2.0` (a literal), later reads of `a` in the same block read
`b` or the literal instead, until `a` or `b` is assigned again. A compound statement (loop,
branch) is entered only if it assigns neither; a nested function (a pullback, run later)
and a lambda are never entered, since they read their variables when they run.
"""

from __future__ import annotations

import ast


def propagate_copies(tree: ast.FunctionDef) -> bool:
    """Replace reads of copies by their sources in place; True if any read was replaced."""
    return _block(tree.body)


def _block(block: list[ast.stmt]) -> bool:
    changed = False
    for k, stmt in enumerate(block):
        source = _copy_of(stmt)
        if source is not None:
            target = stmt.targets[0].id
            changed |= _forward(block[k + 1 :], target, source)
        for field in ("body", "orelse"):
            nested = getattr(stmt, field, None)
            if isinstance(nested, list) and not isinstance(stmt, ast.FunctionDef):
                changed |= _block(nested)
    for stmt in block:  # pullbacks: their own blocks
        if isinstance(stmt, ast.FunctionDef):
            changed |= _block(stmt.body)
    return changed


def _copy_of(stmt: ast.stmt) -> ast.expr | None:
    """The name or literal `stmt` copies, if it is `a = b` or `a = 2.0`."""
    if not (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return None
    value = stmt.value
    if isinstance(value, ast.Name) and value.id != stmt.targets[0].id:
        return value
    if isinstance(value, ast.Constant) and isinstance(value.value, (int, float)):
        return value
    return None


def _forward(rest: list[ast.stmt], target: str, source: ast.expr) -> bool:
    """Substitute `source` for reads of `target` in `rest` while both keep their values."""
    watched = {target} | ({source.id} if isinstance(source, ast.Name) else set())
    changed = False
    for stmt in rest:
        if isinstance(stmt, ast.FunctionDef):
            continue  # runs later, with whatever values the names then hold
        if _stores(stmt) & watched:
            if isinstance(stmt, ast.Assign):  # its value is read before the store happens
                changed |= _replace(stmt.value, target, source)
            return changed
        changed |= _replace(stmt, target, source)
    return changed


def _stores(stmt: ast.stmt) -> set[str]:
    return {
        n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _replace(node: ast.AST, target: str, source: ast.expr) -> bool:
    """Replace reads of `target` under `node`, not entering lambdas or nested functions."""
    changed = False
    for field, value in ast.iter_fields(node):
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, ast.Name) and item.id == target and isinstance(item.ctx, ast.Load):
                if isinstance(value, list):
                    value[i] = _copy(source)
                else:
                    setattr(node, field, _copy(source))
                changed = True
            elif isinstance(item, ast.AST) and not isinstance(item, (ast.Lambda, ast.FunctionDef)):
                changed |= _replace(item, target, source)
    return changed


def _copy(source: ast.expr) -> ast.expr:
    if isinstance(source, ast.Name):
        return ast.Name(id=source.id, ctx=ast.Load())
    return ast.Constant(value=source.value)
