"""Rewrite sugar into plain assignments, so the lowering meets one form of each construct.

Before: a validated `FunctionDef`, possibly with a docstring and `x: float = e`.
After: no docstring, no annotated assignment. (`x += e` stays: the lowering must know that
it updates in place, which matters when `x` is an argument array.)

>>> import gast
>>> fn = gast.parse('def f(x):\\n    "Doc."\\n    y: float = 2.0 * x\\n    return y').body[0]
>>> print(gast.unparse(desugar(fn)).strip())
def f(x):
    y = 2.0 * x
    return y
"""

from __future__ import annotations

import gast

from ..frontend import nodes
from ..frontend.parse import without_docstring


def desugar(node: gast.FunctionDef) -> gast.FunctionDef:
    """Return `node` without its docstring, annotated assignments made plain."""
    node.body = _desugar_block(without_docstring(node.body))
    return node


def _desugar_block(stmts: list[gast.stmt]) -> list[gast.stmt]:
    out = []
    for stmt in stmts:
        if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant):
            continue  # a docstring or a string used as a comment
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, _desugar_block(getattr(stmt, field)))
        out.append(_desugar_stmt(stmt))
    return out


def _desugar_stmt(stmt: gast.stmt) -> gast.stmt:
    if isinstance(stmt, gast.AnnAssign):
        return nodes.assign(stmt.target, stmt.value, stmt)
    return stmt
