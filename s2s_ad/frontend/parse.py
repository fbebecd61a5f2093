"""Find a function's source and parse it into a gast `FunctionDef` with the file's line numbers."""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass

import gast

from ..errors import SourceError


@dataclass
class ParsedFunction:
    """A user function's tree plus where it came from."""

    node: gast.FunctionDef
    filename: str
    first_line: int
    source_lines: list[str]


def without_docstring(body: list[gast.stmt]) -> list[gast.stmt]:
    """`body` without a leading docstring."""
    first = body[0] if body else None
    is_doc = isinstance(first, gast.Expr) and isinstance(first.value, gast.Constant)
    return body[1:] if is_doc and isinstance(first.value.value, str) else body


def require_function(fn: object) -> None:
    """Only Python functions have source to transform."""
    if not inspect.isfunction(fn):
        what = type(fn).__name__
        raise SourceError(
            f"cannot differentiate {fn!r}: it is a {what}, not a Python function with source",
            hint="pass a function defined with `def` in a .py file or notebook cell",
        )


def parse_function(fn: object) -> ParsedFunction:
    """Parse `fn`'s source; line numbers in the tree are those of the file."""
    require_function(fn)
    filename = fn.__code__.co_filename
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot read the source of `{fn.__qualname__}` ({exc})",
            filename=filename,
            line=fn.__code__.co_firstlineno,
            hint="define the function in a file (functions typed at a bare prompt have no source)",
        ) from None
    source = textwrap.dedent("".join(lines))
    try:
        module = gast.parse(source)
    except SyntaxError as exc:
        raise SourceError(
            f"cannot parse the source of `{fn.__qualname__}`: {exc.msg}",
            filename=filename,
            line=first_line + (exc.lineno or 1) - 1,
            hint="lambdas are not supported; write the function with `def`",
        ) from None
    node = module.body[0] if module.body else None
    if not isinstance(node, gast.FunctionDef) or node.name != fn.__name__:
        raise SourceError(
            f"the source of `{fn.__qualname__}` is not a plain `def` (a lambda?)",
            filename=filename,
            line=first_line,
            hint="write the function with `def`",
        )
    node.decorator_list = []
    gast.increment_lineno(node, first_line - 1)
    return ParsedFunction(node, filename, first_line, lines)
