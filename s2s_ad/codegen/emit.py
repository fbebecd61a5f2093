"""Emit Python source from `ast` with `ast.unparse`, turning comment markers into `# …`."""

from __future__ import annotations

import ast

from .build import COMMENT_MARK, located

_ESCAPED_MARK = COMMENT_MARK.encode("unicode_escape").decode()


def to_source(node: ast.AST) -> str:
    """Source for `node`, with comment markers written as real comments."""
    located(node)
    lines = []
    for line in ast.unparse(node).splitlines():
        stripped = line.lstrip()
        if _ESCAPED_MARK in stripped and stripped[:1] in "'\"":
            text = ast.literal_eval(stripped)[len(COMMENT_MARK) :]
            line = line[: len(line) - len(stripped)] + "# " + text
        lines.append(line)
    return "\n".join(lines) + "\n"
