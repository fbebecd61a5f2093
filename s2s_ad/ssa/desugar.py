"""Rewrite sugar into plain assignments, so the lowering meets one form of each construct.

Before: a validated `FunctionDef`, possibly with a docstring, `x += e`, `x: float = e`.
After: no docstring, no augmented or annotated assignment; every target is a `Name` or a
`Tuple` of names.

>>> import gast
>>> fn = gast.parse('def f(x):\\n    "Doc."\\n    x += 2.0\\n    return x').body[0]
>>> print(gast.unparse(desugar(fn)).strip())
def f(x):
    x = x + 2.0
    return x
"""

from __future__ import annotations

import gast

from ..frontend.parse import without_docstring


def desugar(node: gast.FunctionDef) -> gast.FunctionDef:
    """Return `node` with docstring, `+=`-style and annotated assignments rewritten."""
    node.body = [_desugar_stmt(stmt) for stmt in without_docstring(node.body)]
    return node


def _desugar_stmt(stmt: gast.stmt) -> gast.stmt:
    if isinstance(stmt, gast.AugAssign):
        load = gast.Name(id=stmt.target.id, ctx=gast.Load(), annotation=None, type_comment=None)
        value = gast.BinOp(left=load, op=stmt.op, right=stmt.value)
        return _assign(stmt.target, value, stmt)
    if isinstance(stmt, gast.AnnAssign):
        return _assign(stmt.target, stmt.value, stmt)
    return stmt


def _assign(target: gast.expr, value: gast.expr, like: gast.stmt) -> gast.Assign:
    new = gast.Assign(targets=[target], value=value, type_comment=None)
    return gast.copy_location(new, like)
