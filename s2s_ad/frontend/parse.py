"""Find a function's source and parse it into a gast `FunctionDef` with the file's line numbers."""

from __future__ import annotations

import inspect
import linecache
import textwrap
import types
from dataclasses import dataclass
from typing import NamedTuple

import gast

from ..errors import SourceError, UnsupportedSyntaxError, with_article
from .file_code import FUTURE_FLAGS, adds_names, rewritten, same_as_file
from .gast_conversion import parse
from .library import refuse_library_source
from .mangling import mangle_private_names


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
            f"cannot differentiate {fn!r}: it is {with_article(what)}, not a Python function "
            "with source",
            hint="pass a function defined with `def` in a .py file or notebook cell",
        )


def parse_function(fn: object) -> ParsedFunction:
    """Parse `fn`'s source; line numbers in the tree are those of the file."""
    require_function(fn)
    refuse_library_source(fn)  # frontend/library.py: NumPy's, SciPy's, the stdlib's code
    if fn.__code__.co_name == "<lambda>":
        from .lambda_source import parse_lambda

        parsed = parse_lambda(fn)
        mangle_private_names(parsed.node, fn.__code__.co_qualname)
        return parsed
    filename = fn.__code__.co_filename
    defined = _defined_name(fn)
    quick = _block_by_positions(fn)
    parsed = quick and _parsed(*quick)
    if parsed and isinstance(parsed[0], gast.FunctionDef) and parsed[0].name == defined:
        node, source = parsed
        lines, first_line = quick
    else:
        lines, first_line = source_lines(fn)
        node, source = _parsed(lines, first_line, fn)
    if isinstance(node, gast.AsyncFunctionDef):
        raise UnsupportedSyntaxError(
            f"unsupported construct: `async def {node.name}` (a coroutine function)",
            filename=filename,
            line=first_line,
            hint="differentiate a plain `def` function and await around it",
        )
    if not isinstance(node, gast.FunctionDef) or node.name != defined:
        _refuse_moved(fn)
        if same_as_file(fn.__code__, fn.__globals__) is False:  # (`def f` renamed in place)
            _refuse_other_code(fn, first_line)
        raise SourceError(
            f"the source of `{fn.__qualname__}` is not a plain `def`",
            filename=filename,
            line=first_line,
            hint="write the function with `def`",
        )
    _require_same_code(fn, source, first_line)
    node.decorator_list = []
    # `self.__x` in a method: `self._C__x` (the code's own qualified name: a decorator may
    # set the function's)
    mangle_private_names(node, fn.__code__.co_qualname)
    return ParsedFunction(node, filename, first_line, lines)


def _defined_name(fn) -> str:
    """The name the `def` found for `fn` has: its code's (a decorator may rename the
    function), or that of the function a `functools.wraps` wrapper wraps."""
    try:
        return inspect.unwrap(fn).__code__.co_name
    except (ValueError, AttributeError):  # a cycle of `__wrapped__`, or no code under it
        return fn.__code__.co_name


def _refuse_moved(fn) -> None:
    """Refuse, as edited, a function whose first line in its file now holds no `def` or
    decorator (lines inserted or removed above it since it was defined)."""
    code = fn.__code__
    line = linecache.getline(code.co_filename, code.co_firstlineno, fn.__globals__)
    if line and not line.lstrip().startswith(("def ", "async ", "@")):  # "": no such line
        raise SourceError(
            f"line {code.co_firstlineno}, where `{fn.__qualname__}` was defined, holds no "
            "`def` now (the file edited since?)",
            filename=code.co_filename,
            line=code.co_firstlineno,
            hint="reload the module (or rerun the cell) so the function matches its file",
        )


def source_lines(fn) -> tuple[list[str], int]:
    """`inspect.getsourcelines(fn)`, refused with the file and line."""
    try:
        return inspect.getsourcelines(fn)
    except (OSError, TypeError) as exc:
        raise SourceError(
            f"cannot read the source of `{fn.__qualname__}` ({exc})",
            filename=fn.__code__.co_filename,
            line=fn.__code__.co_firstlineno,
            hint="define the function in a file (functions typed at a bare prompt have no source)",
        ) from None


def _block_by_positions(fn) -> tuple[list[str], int] | None:
    """The lines `inspect.getsourcelines` finds, ended at the last line the code's
    instructions span (its nested functions' included) rather than by tokenizing the file
    from the `def` on (a tenth of parsing); None where the positions are not recorded.
    Every line with code is in it: past it come only lines without (`pass`, comments, a
    bare literal), which change nothing; a block that does not parse, as one ending before
    an `else:` whose body is `pass`, is found by inspect's search instead."""
    try:
        inner = inspect.unwrap(fn)
        code = inner.__code__
        lines = file_lines(inner)
    except (OSError, TypeError, ValueError, AttributeError):
        return None
    start = code.co_firstlineno - 1  # its `def`, or first decorator (else inspect's search)
    end = _last_line(code)
    return (lines[start:end], start + 1) if end is not None and end > start else None


def file_lines(fn: types.FunctionType) -> list[str]:
    """The lines of the file `fn`'s code is from, as `inspect.findsource` reads them (a
    file edited since read again), with `fn`'s own module globals for a loader (a zip's);
    OSError where there are none. Not `findsource` itself: its `inspect.getmodule` walks
    every loaded module for a file none of them defines (a module loaded from its path, a
    test's program), 3.4 to 4 ms a call among 1,464 modules, a seventh of a short `grad`."""
    file = fn.__code__.co_filename
    if file not in linecache.cache:  # (generated code and notebook cells are: no search)
        file = inspect.getsourcefile(fn.__code__)
    if not file:
        raise OSError("source code not available")
    linecache.checkcache(file)
    lines = linecache.getlines(file, getattr(fn, "__globals__", None))
    if not lines:
        raise OSError("could not get source code")
    return lines


def _last_line(code) -> int | None:
    # (instructions with no place in the source, as the `COPY_FREE_VARS` and `MAKE_CELL`
    # opening a closure's code or one with cells: skipped, where they sent every closure,
    # generated code included, to inspect's search)
    ends = [end for _, end, _, _ in code.co_positions() if end is not None]
    if not ends:
        return None  # no positions recorded
    last = max(ends)
    for const in code.co_consts:
        if hasattr(const, "co_positions"):
            inner = _last_line(const)
            if inner is None:
                return None
            last = max(last, inner)
    return last


def _parsed(lines: list[str], first_line: int, fn=None) -> tuple[gast.stmt | None, str] | None:
    """(the first statement, the dedented source) of `lines`; a syntax error is refused
    when `fn` is given, else None."""
    source = textwrap.dedent("".join(lines))
    try:  # parsed where it stands in the file: the file's line numbers, with no walk to shift them
        module = parse("\n" * (first_line - 1) + source)
    except SyntaxError as exc:
        if fn is None:
            return None
        raise SourceError(
            f"cannot parse the source of `{fn.__qualname__}`: {exc.msg}",
            filename=fn.__code__.co_filename,
            line=exc.lineno or first_line,
            hint="write the function with `def` at the start of its own lines",
        ) from None
    return (module.body[0] if module.body else None), source


def _require_same_code(fn, source: str, first_line: int) -> None:
    """The source found must be the code `fn` runs: not a file edited since `fn` was
    defined, not the inner function of a decorator's wrapper (`functools.wraps`)."""
    code = fn.__code__
    if code.co_firstlineno != first_line and getattr(fn, "__wrapped__", None) is None:
        _refuse_other_code(fn, first_line)  # its `def` found elsewhere: lines moved since
    if code.co_firstlineno == first_line and not rewritten(code):
        same = same_as_file(code, fn.__globals__)  # the whole file as imported: exact
        if same is not None:
            if not same:
                _refuse_other_code(fn, first_line)
            return
    # names and numbers: code a tool rewrote, or a file that does not compile as it is
    if code.co_freevars:  # compiled inside a function giving it the same free variables
        names = " = ".join(code.co_freevars)
        source = f"def _enclosing():\n    {names} = None\n" + textwrap.indent(source, "    ")
    try:
        compiled = compile(source, "<s2s_ad>", "exec", flags=code.co_flags & FUTURE_FLAGS,
                           dont_inherit=True)  # fmt: skip
    except (SyntaxError, ValueError):
        return  # parsed by gast but not by this compiler: nothing to compare with
    found = _code_named(compiled, code.co_name)
    if found is None or not _matches(_fingerprint(found), _fingerprint(code)):
        _refuse_other_code(fn, first_line)


def _refuse_other_code(fn, first_line: int) -> None:
    unwrapped = getattr(fn, "__wrapped__", None)
    raise SourceError(
        f"the source found for `{fn.__qualname__}` is not the code it runs"
        + (" (a decorator wrapped it)" if unwrapped is not None else " (edited since?)"),
        filename=fn.__code__.co_filename,
        line=first_line,
        hint="differentiate the undecorated function"
        if unwrapped is not None
        else "reload the module (or rerun the cell) so the function matches its file"
        + (_REWRITTEN_HINT if rewritten(fn.__code__) else ""),
    )


# (the running code has names no source spells: a tool rewrote it, as pytest does `assert`s)
_REWRITTEN_HINT = (
    "; if pytest rewrote the module's `assert`s, define the function in a module it does not "
    "rewrite, or write PYTEST_DONT_REWRITE in the module's docstring"
)


def _code_named(code, name: str):
    """The code object of the function `name` defined in `code`, searched depth first."""
    for const in code.co_consts:
        if hasattr(const, "co_code"):
            if const.co_name == name:
                return const
            found = _code_named(const, name)
            if found is not None:
                return found
    return None


class _Fingerprint(NamedTuple):
    """What a function's code names and which numbers it uses, nested functions included —
    not the bytecode, which tools such as pytest rewrite."""

    argcount: int
    names: frozenset  # globals and attributes
    local: tuple  # arguments and local variables
    numbers: tuple  # numeric constants, and nested functions' fingerprints
    rewritten: bool  # a rewriter added names (they start with `@`)


def _fingerprint(code) -> _Fingerprint:
    numbers, names, rewritten = [], set(code.co_names), False
    for c in code.co_consts:
        if hasattr(c, "co_code"):
            inner = _fingerprint(c)
            numbers.append((inner.argcount, inner.local, inner.numbers))
            names |= inner.names
            rewritten |= inner.rewritten
        elif type(c) in (int, float, complex):
            numbers.append((type(c), repr(c)))
    rewritten |= adds_names(code)
    return _Fingerprint(
        code.co_argcount,
        frozenset(n for n in names if not n.startswith("@")),
        tuple(n for n in code.co_varnames if not n.startswith("@")),
        tuple(numbers),
        rewritten,
    )


def _matches(source: _Fingerprint, running: _Fingerprint) -> bool:
    """Whether the code compiled from the source found is the code that runs. Where a
    rewriter changed the running code, the source's names must all be there, among others."""
    if running.rewritten:  # (pytest's asserts add numbers of their own too: `and` parts)
        return (
            (source.argcount, source.local) == (running.argcount, running.local)
            and _numbers_among(source.numbers, running.numbers)
            and source.names <= running.names
        )
    same = (source.argcount, source.local, source.numbers) == (
        running.argcount,
        running.local,
        running.numbers,
    )
    return same and source.names == running.names


def _numbers_among(source: tuple, running: tuple) -> bool:
    """Whether each number of `source` (and each nested function's, with its own) is one of
    `running`'s, in any order, up to its sign: a rewriter adds constants, never drops one,
    and may leave `-5.0` a negation of `5.0`, one constant with a `5.0` written (pytest's
    asserts do)."""
    return all(any(_same_number(number, other) for other in running) for number in source)


def _same_number(source: tuple, running: tuple) -> bool:
    if len(source) == 3 and len(running) == 3:  # nested functions: (argcount, locals, numbers)
        return source[:2] == running[:2] and _numbers_among(source[2], running[2])
    return source[0] is running[0] and source[1].lstrip("-") == running[1].lstrip("-")
