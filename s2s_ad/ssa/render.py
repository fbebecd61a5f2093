"""Render an SSA function as Python source: what `s2s-ad show --stage ssa` prints."""

from __future__ import annotations

import ast
import copy

from ..codegen import build
from ..codegen.emit import to_source, unparse
from .effects import calls_effect
from .ir import Assign, Effect, For, Function, If, Prim, Return, Stmt, While, With


def render_stmt(stmt: Stmt) -> ast.stmt:
    if isinstance(stmt, Assign):
        rendered = build.assign(stmt.target, build.expr(stmt.value))
        return build.kept_for_effect(rendered, calls_effect(stmt.value))
    if isinstance(stmt, Return):
        return build.returns([build.atom(a) for a in stmt.values], stmt.is_tuple)
    if isinstance(stmt, If):
        return build.if_(build.atom(stmt.test), render_block(stmt.body), render_block(stmt.orelse))
    if isinstance(stmt, For):
        return build.for_(stmt.target, iterable(stmt), render_block(stmt.body))
    if isinstance(stmt, While):
        return build.while_(build.name(stmt.test), render_block(stmt.body))
    if isinstance(stmt, Effect):  # a copy: the simplification passes rewrite in place
        return copy.deepcopy(stmt.node)
    if isinstance(stmt, With):
        return build.with_(build.atom(stmt.context), render_block(stmt.body), stmt.target)
    raise TypeError(f"unknown statement {stmt!r}")


def iterable(loop: For) -> ast.expr:
    return (
        build.expr(loop.iterable) if isinstance(loop.iterable, Prim) else build.atom(loop.iterable)
    )


def render_block(block: list[Stmt]) -> list[ast.stmt]:
    return [render_stmt(s) for s in block]


def render_line(stmt: Stmt) -> str:
    """One statement as one line of source, e.g. for the primal comment in the adjoint."""
    return unparse(build.located(render_stmt(stmt)))


def render_function(fn: Function) -> str:
    return to_source(build.function(fn.name, fn.params, render_block(fn.body))).rstrip("\n")
