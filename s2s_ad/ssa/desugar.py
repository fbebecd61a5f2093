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

from ..frontend.parse import without_docstring


def desugar(node: gast.FunctionDef) -> gast.FunctionDef:
    """Return `node` without its docstring, annotated assignments made plain."""
    node.body = [_desugar_stmt(stmt) for stmt in without_docstring(node.body)]
    return node


def _desugar_stmt(stmt: gast.stmt) -> gast.stmt:
    if isinstance(stmt, gast.AnnAssign):
        new = gast.Assign(targets=[stmt.target], value=stmt.value, type_comment=None)
        return gast.copy_location(new, stmt)
    return stmt
