"""Render an SSA function as Python source: what `s2s-ad show --stage ssa` prints."""

from __future__ import annotations

import ast

from ..codegen import build
from ..codegen.emit import to_source
from .ir import Assign, Function, Return, Stmt


def render_stmt(stmt: Stmt) -> ast.stmt:
    if isinstance(stmt, Assign):
        return build.assign(stmt.target, build.expr(stmt.value))
    if isinstance(stmt, Return):
        return build.returns([build.atom(a) for a in stmt.values], stmt.is_tuple)
    raise TypeError(f"unknown statement {stmt!r}")


def render_line(stmt: Stmt) -> str:
    """One statement as one line of source, e.g. for the primal comment in the adjoint."""
    return ast.unparse(ast.fix_missing_locations(render_stmt(stmt)))


def render_function(fn: Function) -> str:
    body = [render_stmt(s) for s in fn.body]
    return to_source(build.function(fn.name, fn.params, body)).rstrip("\n")
