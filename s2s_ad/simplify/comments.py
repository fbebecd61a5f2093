"""Comments only for lines that exist: the primal comments of the reverse sweep, after the
other passes.

The reverse sweep writes before each statement's adjoint the primal line it pulls back
(`# x_2 = x_1 + _t4`). After simplification the primal line may read differently (a
constant folded in) or not exist at all (a copy the passes removed), and a statement's
adjoint may have become nothing (a copy propagated away).

Before:                                   After:
    # reverse sweep                           # reverse sweep
    # x_3 = x_1                               x_1_bar = x_3_bar
    x_1_bar = x_3_bar                         for _t4, x_1 in reversed(_tape1):
    for _t4, x_1 in reversed(_tape1):             # _t4 = vx * 0.01
        # term_1 = term_2                         vx_bar = vx_bar + _t4_bar * 0.01
        # _t4 = vx * dt
        vx_bar = vx_bar + _t4_bar * 0.01

The passes run without these comments: each adjoint statement holds its primal line
(`codegen/primal_lines.py`), which is written here before the first statement of that
adjoint left in each block; a line whose adjoint the passes removed altogether, or whose
adjoint is nothing (a copy whose adjoint is its source's), is not written.

A comment `name = value` (or `a, b = value`) stays when the generated code still assigns
`name` and holds every name `value` reads (the adjoint below it reads those, even where the
forward line now reads a copy's source); when a name it reads is gone (`dt`, folded into
`0.01`) and one statement assigns `name`, it becomes that statement's line; when nothing
assigns `name` (a copy the passes removed), it goes. Then a comment of a line followed by
no code in its block (only further comments, or the block's end) goes: its adjoint was
nothing. So does the forward sweep's heading where the sweep computes nothing (the reverse
sweep's heading, the pullback's `def` or the `return` follows it). Other comments (the
reverse sweep's heading, a loop's or branch's header) stay.
"""

from __future__ import annotations

import ast
import re
from ast import (
    AST,
    Assign,
    AugAssign,
    Constant,
    Expr,
    FunctionDef,
    Pass,
    Return,
)
from keyword import iskeyword

from ..codegen.build import COMMENT_MARK, FORWARD_SWEEP, REVERSE_SWEEP
from ..codegen.emit import unparse
from ..codegen.primal_lines import place_primal_lines
from .facts import Names
from .names import stores

_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*) = ")
_IDENTIFIER = re.compile(r"(?<![\w.])[A-Za-z_]\w*")  # names, not attributes or numbers
_SIMPLE = frozenset({Expr, Assign, AugAssign, Return, Pass})


def prune_comments(tree: FunctionDef, facts: Names | None = None) -> bool:
    """Write the primal lines the statements hold as comments (`codegen/primal_lines.py`),
    then rewrite or drop the stale ones in place; True if any. `facts`: the names of
    statements, where known."""
    assigning: dict[str, list[ast.stmt]] = {}
    known: set[str] = set()  # the names the code holds: read, assigned or parameters
    for part in (facts or Names()).everywhere(tree):
        known.update(part.loads, part.stores, part.deleted, part.parameters)
        for node in part.assigns:
            # (a statement `name = value` binding nothing in its value: the names it stores
            # are its facts', in the order `stores` gives them)
            own = node is part.stmt and not part.binds_within
            for target in part.stores if own else stores(node):
                assigning.setdefault(target, []).append(node)
    place_primal_lines(tree)  # (comments, which read and assign nothing: after the facts)
    return _block_comments(tree, assigning, known)


def _text(stmt: ast.stmt) -> str | None:
    """The text of the comment `stmt`, or None when it is no comment."""
    if type(stmt) is Expr and type(stmt.value) is Constant:
        value = stmt.value.value
        if type(value) is str and value.startswith(COMMENT_MARK):
            return value[len(COMMENT_MARK) :]
    return None


def _block_comments(node: AST, assigning: dict[str, list[ast.stmt]], known: set) -> bool:
    changed = False
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
            continue
        kept: list[ast.stmt] = []
        code_follows = False  # walking backwards: code before the next comment kept
        for stmt in reversed(block):
            if type(stmt) not in _SIMPLE:  # (a simple statement holds no block)
                changed |= _block_comments(stmt, assigning, known)
            text = _text(stmt)
            match = text and _ASSIGNMENT.match(text)
            if text == FORWARD_SWEEP and not _sweep_follows(kept):
                changed = True  # a heading over nothing: the sweep computes nothing
                continue
            if not match:
                kept.append(stmt)
                code_follows = text is None
                continue
            targets = match.group(1).split(", ")
            line = code_follows and _existing(text, targets, assigning, known)
            if line:
                if line != text:
                    stmt.value = Constant(COMMENT_MARK + line)
                kept.append(stmt)
                code_follows = False
            changed |= line != text
        kept.reverse()
        if field == "orelse" and all(_text(s) is not None or type(s) is Pass for s in kept):
            kept = []  # `else: pass`: no `else`
        elif not any(_text(s) is None for s in kept):
            kept.append(Pass())
        setattr(node, field, kept)
    return changed


def _sweep_follows(kept: list[ast.stmt]) -> bool:
    """Whether the statement after a forward sweep's heading (the last of `kept`, which
    holds a block's statements from its end back) is the sweep's code: not the reverse
    sweep's heading, the pullback's `def` or the `return`, nor the block's end."""
    if not kept:
        return False
    after = kept[-1]
    return _text(after) != REVERSE_SWEEP and type(after) not in (FunctionDef, Return)


def _existing(
    text: str, targets: list[str], assigning: dict[str, list[ast.stmt]], known: set[str]
) -> str:
    """`text` when the code assigns `targets` and holds every name `text` reads (the
    adjoint below reads them; the forward line may read a copy's source instead), else
    the one line that assigns the single target, else ''."""
    candidates = assigning.get(targets[0], [])
    if not candidates:
        return ""
    read = {w for w in _IDENTIFIER.findall(text.split(" = ", 1)[1]) if not iskeyword(w)}
    if read <= known:
        return text
    lines = [unparse(s) for s in candidates]  # (the emitter's: the code's own text)
    if text in lines:
        return text
    if len(targets) == 1 and len(lines) == 1 and "\n" not in lines[0]:
        return lines[0]
    return ""
