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

from ..errors import S2SError, UnsupportedSyntaxError
from .parse import source_lines


def too_deeply_nested(fn: types.FunctionType, what: str) -> UnsupportedSyntaxError:
    """The refusal of `fn`, located at its statement nested deepest; `what` says which
    limit was reached (the message's start)."""
    code = fn.__code__
    line, depth = _deepest(fn)
    return UnsupportedSyntaxError(
        f"unsupported construct: code nested {depth} levels deep in `{fn.__qualname__}` ({what})",
        filename=code.co_filename,
        line=line or code.co_firstlineno,
        hint="split the expression into several statements (partial sums in a loop), or "
        "write a long `elif` chain as a lookup (`np.select`, `np.piecewise`, a dict) or "
        "as several functions",
    )


def _deepest(fn: types.FunctionType) -> tuple[int | None, int]:
    """(the line of the node nested deepest in `fn`'s source, its depth): blocks, `elif`
    arms and the parts of expressions counted alike, found without recursion (the source
    may be too deep for it). (None, 0) where the source cannot be read."""
    try:
        lines, first_line = source_lines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))  # (not gast's: it recurses)
    except (S2SError, SyntaxError, RecursionError, MemoryError):
        return None, 0
    offset = first_line - 1
    best_line, best_depth = None, 0
    pending: list[tuple[ast.AST, int, int | None]] = [(tree, 0, None)]
    while pending:
        node, depth, line = pending.pop()
        line = getattr(node, "lineno", line)
        if depth > best_depth and line is not None:
            best_line, best_depth = line + offset, depth
        pending.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))
    return best_line, best_depth
