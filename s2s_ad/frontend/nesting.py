"""Refusing code nested deeper than the transformation or Python's compiler reaches.

s2s_ad's passes recurse into expressions and blocks, so an expression nested several
hundred levels deep (a sum of 600 terms written on one line) runs out of Python's recursion
limit; Python compiles at most 100 levels of indentation, and the derivative of an `elif`
chain nests each arm in the `else` of the one before (its test is computed there), so a
chain of about a hundred arms compiles in the user's file and not as a derivative. Either
is refused at the statement nested deepest, with what to write instead, rather than raised
from inside s2s_ad.
"""

from __future__ import annotations

import ast
import textwrap
import types
from typing import NamedTuple

from ..errors import S2SError, UnsupportedSyntaxError
from .parse import source_lines


def too_deeply_nested(fn: types.FunctionType, what: str) -> UnsupportedSyntaxError:
    """The refusal of `fn`, located at its statement nested deepest, with what to write
    instead for what nests there (an expression, an `elif` chain, blocks); `what` says
    which limit was reached."""
    code = fn.__code__
    deepest = _deepest(fn)
    return UnsupportedSyntaxError(
        f"unsupported construct: code nested {deepest.depth} levels deep in "
        f"`{fn.__qualname__}` (counting each block, `elif` and operator; {what})",
        filename=code.co_filename,
        line=deepest.line or code.co_firstlineno,
        hint=_HINTS[deepest.kind],
    )


def nesting_depth(fn: types.FunctionType) -> int:
    """How deep `fn`'s source nests (blocks, `elif` arms and operators counted alike)."""
    return _deepest(fn).depth


_HINTS = {
    "expression": "split the expression into several statements (partial sums in a loop)",
    "elif": "write the long `elif` chain as a lookup (`np.select`, `np.piecewise`, a dict) or "
    "split it over several functions",
    "blocks": "split the nested blocks over helper functions of yours (each gets a derivative "
    "of its own)",
}


class _Deepest(NamedTuple):
    line: int | None
    depth: int
    kind: str  # what most of the nesting on the way is: a key of `_HINTS`


def _deepest(fn: types.FunctionType) -> _Deepest:
    """The node nested deepest in `fn`'s source: its line, its depth (blocks, `elif` arms
    and the parts of expressions counted alike) and what nests most on the way there,
    found without recursion (the source may be too deep for it)."""
    try:
        lines, first_line = source_lines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))  # (not gast's: it recurses)
    except (S2SError, SyntaxError, RecursionError, MemoryError):
        return _Deepest(None, 0, "expression")
    best = _Deepest(None, 0, "expression")
    # (node, depth, line, statements and `elif` arms on the way)
    pending: list[tuple[ast.AST, int, int | None, int, int]] = [(tree, 0, None, 0, 0)]
    while pending:
        node, depth, line, statements, elifs = pending.pop()
        line = getattr(node, "lineno", line)
        if depth > best.depth and line is not None:
            kind = "expression" if depth > 2 * statements else "blocks"
            kind = "elif" if kind == "blocks" and 2 * elifs > statements else kind
            best = _Deepest(line + first_line - 1, depth, kind)
        statements += isinstance(node, ast.stmt)
        for child in ast.iter_child_nodes(node):
            arm = type(node) is ast.If and node.orelse == [child]  # (an `elif`)
            pending.append((child, depth + 1, line, statements, elifs + arm))
    return best
