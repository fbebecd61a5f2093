"""The names a piece of generated code reads and writes, found quickly.

`ast.walk` visits every node through generic field iteration; the simplification passes run
on every derivative, so a plain stack over `_fields` serves them (about twice as fast)."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (itself included), in no particular order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for field in current._fields:
            value = getattr(current, field, None)
            if type(value) is list:
                stack.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)


def names(node: ast.AST) -> Iterator[ast.Name]:
    """Every `Name` node under `node` (itself included), in no particular order."""
    return (n for n in nodes(node) if type(n) is ast.Name)


def stores(node: ast.AST) -> list[str]:
    """The names `node` assigns (loop targets and tuple targets included)."""
    return [n.id for n in names(node) if type(n.ctx) is ast.Store]


def loads(node: ast.AST) -> list[str]:
    """The names `node` reads."""
    return [n.id for n in names(node) if type(n.ctx) is ast.Load]


def assigned_name(stmt: ast.stmt) -> str | None:
    """The name `stmt` assigns when it is `name = value`, else None."""
    if type(stmt) is ast.Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
        return stmt.targets[0].id
    return None
