"""The reverse sweep's comments: the primal line each adjoint pulls back, held by its
statements while the passes run and written as comment statements only afterwards.

The AD stage writes before each statement's adjoint the primal line it pulls back
(`# _t3 = x * y`). As statements of their own, these comments were a third of the code every
simplification pass walked; instead each adjoint statement holds its line (`PrimalLine`,
shared by the statements of one adjoint), and `place_primal_lines` writes the line once
before the first of them left in each block, where `simplify/comments.py` then decides
which lines still hold.
"""

from __future__ import annotations

import ast

from .build import comment, is_comment

PRIMAL_LINE = "s2s_primal_line"  # the attribute of a statement that holds its `PrimalLine`


class PrimalLine:
    """The primal line one statement's adjoint statements pull back."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def pulling_back(text: str, statements: list[ast.stmt]) -> list[ast.stmt]:
    """`statements`, the adjoint of one primal statement, marked with its line `text` (an
    adjoint of nothing, such as a copy's whose adjoint is its source's, shows no line)."""
    line = PrimalLine(text)
    for statement in statements:
        statement.__dict__[PRIMAL_LINE] = line
    return statements


def extend_primal_lines(node: ast.AST) -> None:
    """Give each statement under `node` that holds no primal line, and follows statements
    holding one with no comment between, their line (in place): the AD stage writes code
    after an adjoint (a branch's joined adjoints, the `return`), which the line's comment
    stands above in the code, so the comment stays while any of it is left."""
    for block in _blocks(node):
        current = None
        for stmt in block:
            own = stmt.__dict__
            line = own.get(PRIMAL_LINE)
            if line is not None:
                current = line
            elif is_comment(stmt):
                current = None
            elif current is not None:
                own[PRIMAL_LINE] = current


def place_primal_lines(node: ast.AST) -> None:
    """Write, in each block under `node`, each primal line as a comment before the first
    statement holding it (in place); the statements hold it no longer."""
    for block in _blocks(node):
        placed: list[ast.stmt] = []
        written: set[int] = set()  # the lines written in this block
        for stmt in block:
            line = stmt.__dict__.pop(PRIMAL_LINE, None)
            if line is not None and id(line) not in written:
                written.add(id(line))
                placed.append(comment(line.text))
            placed.append(stmt)
        if len(placed) > len(block):
            block[:] = placed


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """The blocks of statements under `node` (its `body` and `orelse`, then theirs), each
    before the blocks inside it; a list, found before a caller rewrites one in place (which
    adds comments only: the statements holding blocks stay). (A generator nested per level
    passed each block up every level.)"""
    found: list[list[ast.stmt]] = []
    _add_blocks(node, found)
    return found


def _add_blocks(node: ast.AST, found: list[list[ast.stmt]]) -> None:
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if type(block) is list and block and isinstance(block[0], ast.stmt):
            found.append(block)
            for stmt in block:
                if type(stmt) not in _NO_BLOCKS and hasattr(stmt, "body"):
                    _add_blocks(stmt, found)


# the commonest statements, which hold no block (no `hasattr` look-up for them)
_NO_BLOCKS = frozenset({ast.Assign, ast.AugAssign, ast.Expr, ast.Return, ast.Pass})
