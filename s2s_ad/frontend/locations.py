"""Line numbers on gast trees, set as `gast.fix_missing_locations` sets them, several times
faster.

The gast function visits every node through `iter_child_nodes`, a generator per node that
asks every field; the transformation runs it on whole functions, so this does the same
walk over each class's fields (looked up once per class), skipping contexts and operators
(`ctx`, `op`, `ops`: classes without line attributes or children).

Before: `if t:` built by a pass, without a line, around `y = x` at line 7.
After `fix_missing_locations`: the `if` at its parent's line (or 1 at the top), as gast
would set it. (A function's lines are the file's from parsing: frontend/parse.py.)
"""

from __future__ import annotations

import gast

from .nodes import child_nodes

_LINE_ATTRIBUTES: dict[type, tuple[bool, bool, bool, bool]] = {}  # class → which it has
_MISSING = object()  # (a node without the attribute: one lookup, not `hasattr` and a read)


def _line_attributes(kind: type) -> tuple[bool, bool, bool, bool]:
    names = ("lineno", "end_lineno", "col_offset", "end_col_offset")
    found = _LINE_ATTRIBUTES[kind] = tuple(a in kind._attributes for a in names)
    return found


def fix_missing_locations(node: gast.AST) -> gast.AST:
    """`gast.fix_missing_locations`: each node without a line or column takes its parent's
    (gast's test: `hasattr`, so an `end_lineno` of None stays None and is passed down)."""
    return _located(node, walk_located=True)


def fix_new_locations(node: gast.AST) -> gast.AST:
    """`fix_missing_locations` of a tree every node of which was located before a pass
    added nodes to it (ssa/returns.py, ssa/jumps.py): an expression that has its line and
    column is one from before (the passes make theirs without, but for leaves), every node
    under it located, and is not walked into. The same result, without walking most of the
    function's expressions again."""
    return _located(node, walk_located=False)


def _located(node: gast.AST, *, walk_located: bool) -> gast.AST:
    # depth first, in gast's order: a node shared by two parents is fixed by the first
    pending = [(node, 1, 0, 1, 0)]
    pop, push, expression = pending.pop, pending.append, gast.expr
    while pending:
        current, line, column, end_line, end_column = pop()
        kind = type(current)
        has_line, has_end_line, has_column, has_end_column = _LINE_ATTRIBUTES.get(
            kind
        ) or _line_attributes(kind)
        missing = False
        if has_line:
            found = getattr(current, "lineno", _MISSING)
            if found is _MISSING:
                current.lineno = line
                missing = True
            else:
                line = found
        if has_end_line:
            found = getattr(current, "end_lineno", _MISSING)
            if found is _MISSING:
                current.end_lineno = end_line
                missing = True
            else:
                end_line = found
        if has_column:
            found = getattr(current, "col_offset", _MISSING)
            if found is _MISSING:
                current.col_offset = column
                missing = True
            else:
                column = found
        if has_end_column:
            found = getattr(current, "end_col_offset", _MISSING)
            if found is _MISSING:
                current.end_col_offset = end_column
                missing = True
            else:
                end_column = found
        if not (walk_located or missing) and isinstance(current, expression):
            continue  # (located before the pass, as everything under it is)
        for child in reversed(child_nodes(current)):
            push((child, line, column, end_line, end_column))
    return node
