"""The source of a lambda given to `grad`, `jacobian`, `vjp`, … (or called as a helper).

A lambda has no name to find it by: Python records the line its code starts on
(`co_firstlineno`) and, since 3.11, the place of each instruction (`co_positions()`). The
file is parsed; the lambda is the one whose line and parameters match and whose body holds
every instruction of the code. Several that fit (two lambdas with the same parameters on one
line, on a Python without positions), or no source at all (a string given to `eval`, a
bare prompt), is a located error saying to use `def`. The lambda found must compile to the
code that runs (the file not edited since), as for a `def` (`parse._require_same_code`).

Before: `ad.grad(lambda w: loss(w, x, y))` on line 12 of `fit.py`.
After: the `ParsedFunction` of `def _lambda(w): return loss(w, x, y)` at `fit.py:12`; its
free names (`loss`, `x`, `y`) resolve through the lambda's closure and globals as any
function's do.
"""

from __future__ import annotations

import ast
import textwrap

import gast

from ..errors import SourceError
from . import nodes
from .file_code import FUTURE_FLAGS, rewritten, same_as_file
from .gast_conversion import ast_to_gast
from .parse import ParsedFunction, _code_named, _fingerprint, _matches, file_lines

LAMBDA_NAME = "_lambda"  # the name of the `def` a lambda becomes
_HINT = "define the function with `def` (a lambda is found by its line, which must be unambiguous)"


def is_lambda(fn: object) -> bool:
    return getattr(getattr(fn, "__code__", None), "co_name", None) == "<lambda>"


def parse_lambda(fn) -> ParsedFunction:
    """The lambda `fn` as a parsed `def`, with the file's line numbers."""
    code = fn.__code__
    where = {"filename": code.co_filename, "line": code.co_firstlineno}
    try:
        lines = file_lines(fn)
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot read the source of the lambda on line {code.co_firstlineno} ({exc})",
            **where,
            hint=_HINT,
        ) from None
    try:
        module = ast.parse("".join(lines))
    except SyntaxError:
        raise SourceError("cannot parse the file of the lambda", **where, hint=_HINT) from None
    candidates = [node for node in ast.walk(module) if _fits(node, code)]
    found = candidates
    if len(candidates) > 1:
        found = [node for node in candidates if _holds_every_instruction(node.body, code)]
    if len(found) != 1:
        if same_as_file(code, fn.__globals__) is False:  # the line edited since
            raise _edited(code)
        raise SourceError(
            f"cannot tell which lambda on line {code.co_firstlineno} is the function given"
            if candidates
            else f"found no lambda with the parameters of the one on line {code.co_firstlineno}"
            " (edited since?)",
            **where,
            hint=_HINT,
        )
    lam = found[0]
    _require_same_code(fn, lam)
    tree = ast_to_gast(lam)
    result = gast.copy_location(gast.Return(value=tree.body), tree.body)
    node = nodes.function_def(LAMBDA_NAME, tree.args, [result], like=tree)
    first, last = lam.lineno, lam.end_lineno or lam.lineno
    return ParsedFunction(node, code.co_filename, first, lines[first - 1 : last])


def _fits(node: ast.AST, code) -> bool:
    """A lambda on the code's first line, with the code's parameters."""
    if not (isinstance(node, ast.Lambda) and node.lineno == code.co_firstlineno):
        return False
    args = node.args
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(args.vararg) + bool(args.kwarg)
    return (
        names == list(code.co_varnames[:count])
        and len(args.posonlyargs) == code.co_posonlyargcount
        and len(args.kwonlyargs) == code.co_kwonlyargcount
    )


def _holds_every_instruction(body: ast.expr, code) -> bool:
    """Whether every instruction of `code` that has a place lies in `body`."""
    start = (body.lineno, body.col_offset)
    end = (body.end_lineno, body.end_col_offset)
    placed = False
    for line, end_line, col, end_col in code.co_positions():
        if None in (line, end_line, col, end_col) or (line, col) == (end_line, end_col):
            continue  # no place, or the function's entry (an empty span)
        placed = True
        if (line, col) < start or (end_line, end_col) > end:
            return False
    return placed


def _require_same_code(fn, lam: ast.Lambda) -> None:
    """The lambda found compiles to the code that runs (else the file changed)."""
    code = fn.__code__
    same = None if rewritten(code) else same_as_file(code, fn.__globals__)
    if same is None:  # names and numbers: code a tool rewrote, a file that does not compile
        same = _same_names_and_numbers(code, lam)
    if not same:
        raise _edited(code)


def _edited(code) -> SourceError:
    return SourceError(
        "the source found for the lambda is not the code it runs (edited since?)",
        filename=code.co_filename,
        line=code.co_firstlineno,
        hint="reload the module (or rerun the cell); or define the function with `def`",
    )


def _same_names_and_numbers(code, lam: ast.Lambda) -> bool:
    source = f"_ = {ast.unparse(lam)}\n"
    if code.co_freevars:
        names = " = ".join(code.co_freevars)
        source = f"def _enclosing():\n    {names} = None\n" + textwrap.indent(source, "    ")
    try:
        compiled = compile(source, "<s2s_ad>", "exec", flags=code.co_flags & FUTURE_FLAGS,
                           dont_inherit=True)  # fmt: skip
    except (SyntaxError, ValueError):
        return True  # nothing to compare with
    found = _code_named(compiled, "<lambda>")
    return found is not None and _matches(_fingerprint(found), _fingerprint(code))
