"""Exceptions raised while derivative code runs, reported at the user's statement.

Generated code calls NumPy, the runtime helpers (`rt.*`) and rules; any of them can raise
(`np.dot` of a 3-D operand, a shape mismatch, Python float arithmetic dividing by zero where
NumPy would give inf). Such an exception carries a traceback through a frame of generated
code, whose file is the label `<s2s_ad f_vjp of user.py:12 #3>`. The innermost such frame
and its line name the generated statement; `pipeline.differentiate` registers, per label,
the line of the user's code each SSA name comes from, so the statement maps back:

    before: ValueError: shapes (3,) and (4,2) not aligned      (no file, no line)
    after:  EvaluationError: user.py:14: ValueError: shapes (3,) and (4,2) not aligned,
            at `z = np.dot(y, B)` (line 10 of f_vjp: `z = np.dot(y, B)`); …

In the reverse sweep the comment above a generated line is the SSA statement it comes
from; elsewhere the names a line assigns are SSA names or their tangents/adjoints
(`z_dot`, `z_bar`). Python float arithmetic failures stay `NumericalError`s; an S2SError a
runtime helper raised without a location gets one; anything raised outside generated code
(argument checks, the user's own plain functions called directly) passes unchanged.

Complex values are not supported: where one reaches a result or a derivative (`api.py`
raises `ComplexValue` instead of casting it to a float), the entry point runs again with a
line tracer on the generated frames, whose locals are the SSA variables, and reports the
first statement that made a complex value (`ComplexValueError`). Only the failing call
pays for the tracer.
"""

from __future__ import annotations

import ast
import functools
import linecache
import re
import sys
import sysconfig
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import numpy as np

from .codegen.build import DerivativeLine
from .codegen.compile import FACTORY_LINES
from .errors import ArgumentError, ComplexValueError, EvaluationError, NumericalError, S2SError

_LABEL = re.compile(r"<s2s_ad (\w+) of (.*):(\d+) #\d+>")
_DERIVED = re.compile(r"(.+?)_(?:bar|dot)(?:_\d+)?")  # an adjoint's or a tangent's name

# generated file label → the user's line of each SSA name it assigns (and of the result,
# under RESULT)
_LINES: dict[str, dict[str, int]] = {}
_TABLES: dict[str, dict[int, int]] = {}  # label → {line of the code: the user's line}
_DERIVATIVE_TABLES: dict[str, dict[int, int]] = {}  # … → the line its derivative names
RESULT = "<result>"  # not a name: the `return` statement's line
READ = "<read> "  # + a name: the line of the one statement reading it
REVERSE_SWEEP = "# reverse sweep"


def register_lines(
    label: str, lines: dict[str, int], table: dict[int, int], derivatives: dict[int, int]
) -> None:
    """Remember where the SSA names of the code compiled as `label` come from, and the
    user's line of each line of its source that a statement stamped with one starts on
    (`table`, codegen/emit.py), and where that statement's derivative is blamed on another
    (`derivatives`: code differentiated again reads it, ad/derivative_lines.py)."""
    _LINES[label] = lines
    _TABLES[label] = {line + FACTORY_LINES: user for line, user in table.items()}
    _DERIVATIVE_TABLES[label] = {line + FACTORY_LINES: user for line, user in derivatives.items()}


def _generated_frame(exc: BaseException) -> tuple[re.Match, str, int] | None:
    """(label match, label, line) of the innermost frame of generated code, if any."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        match = _LABEL.fullmatch(tb.tb_frame.f_code.co_filename)
        if match:
            found = (match, tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _user_line(label: str, lines: list[str], line: int) -> int | None:
    """The user's line the generated line `line` comes from: the line table's, else where
    the names tell it."""
    found = None
    if isinstance(line, DerivativeLine):  # from a derivative of this code's statement
        found = _DERIVATIVE_TABLES.get(label, {}).get(line)
    found = found or _TABLES.get(label, {}).get(line)
    if found is not None:
        return found
    names = _LINES.get(label, {})
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    candidates = []
    for above in reversed(lines[: line - 1]):  # the SSA statement a reverse-sweep line follows
        above = above.strip()
        if above == REVERSE_SWEEP:  # no statement's comment between: the pullback through
            # a statement grad's code left out (the result's, one only it reads): the one
            # statement reading the adjoint's name, else the result
            targets = re.findall(r"\w+", text.split(" = ")[0]) if " = " in text else []
            for target in targets:
                derived = _DERIVED.fullmatch(target)
                candidates += [READ + name for name in derived.groups()] if derived else []
            candidates.append(RESULT)
            break
        if above.startswith("# "):
            if " = " in above and not above.endswith("sweep"):
                candidates.append(above[2:].split(" = ")[0])
            break
        if above.startswith("def "):
            break
    if " = " in text:
        candidates += re.findall(r"\w+", text.split(" = ")[0])
    elif text.startswith("for ") and " in " in text:  # a loop's header: its targets' line
        candidates += re.findall(r"\w+", text[4:].split(" in ")[0])
    for candidate in candidates:
        derived = _DERIVED.fullmatch(candidate)
        for name in (candidate, *(derived.groups() if derived else ())):
            if name in names:
                return names[name]
    return None


def _in_user_code(label: str, line: int) -> tuple[str, int, str]:
    """(file, line, generated statement) of the user's code that the generated `line` of
    `label` comes from; through generated code differentiated again (Hessians) too."""
    lines = linecache.getlines(label)
    text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
    while True:
        match = _LABEL.fullmatch(label)
        found = _user_line(label, linecache.getlines(label), line) or int(match[3])
        if not _LABEL.fullmatch(match[2]):
            return match[2], found, text
        label, line = match[2], found  # the code differentiated was generated code too


def in_generated_code(filename: str, line: int) -> tuple[str, int] | None:
    """(the user's file, line) that `line` of generated code comes from; None for a file
    that is not generated code (runtime/warnings_at.py locates warnings by it)."""
    if _LABEL.fullmatch(filename) is None:
        return None
    return _in_user_code(filename, line)[:2]


def in_users_code(exc: S2SError) -> S2SError:
    """A refusal raised while s2s_ad differentiated its own generated code again (Hessians,
    `grad(grad(f))`), located at the generated line: the same refusal at the user's
    statement that line comes from, the generated line kept in the message."""
    match = _LABEL.fullmatch(exc.filename or "")
    if match is None or exc.line is None:
        return exc
    filename, user_line, text = _in_user_code(exc.filename, exc.line)
    statement = linecache.getline(filename, user_line).strip() or f"line {user_line}"
    where = f"in the derivative code of `{statement}` (line {exc.line} of {match[1]}: `{text}`)"
    return type(exc)(f"{exc.message}, {where}", filename=filename, line=user_line, hint=exc.hint)


def located_error(exc: Exception) -> S2SError | None:
    """The located report for `exc` when it was raised in or under generated code, else None."""
    if isinstance(exc, S2SError) and exc.filename is not None:
        return None
    found = _generated_frame(exc)
    if found is None:
        return None
    match, label, line = found
    raised_at = _users_raise_below(exc)  # in a function of the user's the derivative code
    # calls as written: a validator called for its effect (`check(x)`), a helper second-order
    # code calls for its value
    if _raised_by_a_users_statement(label, line):
        _note_users_statement(exc, match, label, line, raised_at)
        return None  # the user's own `raise`, `assert`, `print(…)`: the plain call raises too
    if raised_at is not None:
        _note(exc, *raised_at, f"called from the derivative code (line {line} of {match[1]})")
        return None
    filename, user_line, text = _in_user_code(label, line)
    statement = linecache.getline(filename, user_line).strip()
    at = f"at `{statement}`" if statement else f"at line {user_line}"
    where = f"{at} (line {line} of {match[1]}: `{text}`)"
    if isinstance(exc, (ZeroDivisionError, OverflowError)):
        return NumericalError(
            f"{type(exc).__name__}: {exc} {where}: the derivative is infinite or undefined "
            "at these arguments",
            filename=filename,
            line=user_line,
            hint="NumPy functions (np.sqrt, np.log, …) give inf or nan with a warning where "
            "`math` functions on Python floats raise; or move the point",
        )
    if isinstance(exc, S2SError):  # a runtime helper's refusal: now located
        return type(exc)(
            f"{exc.message}, {where}", filename=filename, line=user_line, hint=exc.hint
        )
    return EvaluationError(
        f"{type(exc).__name__}: {exc}, {where}",
        filename=filename,
        line=user_line,
        hint=_hint(exc),
    )


def raised_by_users_statement(exc: BaseException) -> bool:
    """Whether `exc` was raised by a statement of the user's that the derivative code runs
    as written (a `raise`, an `assert`, a call kept for its effect): the plain call raises
    it too, with the same effects before it; or by a `raise` or `assert` in a function of
    the user's that the derivative code calls as written."""
    found = _generated_frame(exc)
    if found is None:
        return False
    return _raised_by_a_users_statement(found[1], found[2]) or bool(_users_raise_below(exc))


def _note_users_statement(
    exc: Exception, match: re.Match, label: str, line: int, raised_at: tuple | None = None
) -> None:
    """Add to `exc`, raised by the user's own statement copied into the derivative code, a
    note naming that statement's file and line: the traceback shows the generated code's
    line only (PEP 678 notes are printed after the message, which stays the plain call's);
    `raised_at`: (file, line) of the `raise` in a function of the user's it called."""
    filename, user_line, _ = _in_user_code(label, line)
    how = f"run in the derivative code (line {line} of {match[1]})"
    if raised_at is not None:  # (the traceback shows it too; the note names both ends)
        how += f", raising at {raised_at[0]}:{raised_at[1]}"
    _note(exc, filename, user_line, how)


def _note(exc: Exception, filename: str, line: int, how: str) -> None:
    note = f"{filename}:{line}: raised by your statement"
    statement = linecache.getline(filename, line).strip()
    note += f" `{statement}`" if statement else ""
    note += f", {how}"
    if note not in getattr(exc, "__notes__", ()):  # (an outer entry point reports it again)
        exc.add_note(note)


# where a library's or s2s_ad's own code lives: a `raise` there is not the user's
_NOT_USERS = tuple(
    str(Path(p).resolve())
    for p in {*sysconfig.get_paths().values(), str(Path(__file__).resolve().parent)}
)


def _users_raise_below(exc: BaseException) -> tuple[str, int] | None:
    """(file, line) of the `raise` or `assert` of the user's own code that raised `exc`,
    where that is the innermost frame, in a plain function under generated code; else None."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return None
    filename = tb.tb_frame.f_code.co_filename
    if _LABEL.fullmatch(filename) or filename.startswith("<"):
        return None
    if str(Path(filename).resolve()).startswith(_NOT_USERS):
        return None
    text = linecache.getline(filename, tb.tb_lineno).strip()
    if text.startswith(("raise ", "assert ")) or text == "raise":
        return filename, tb.tb_lineno
    return None


def _raised_by_a_users_statement(label: str, line: int) -> bool:
    """Whether generated line `line` is a statement of the user's kept for its effect and
    copied as written (`ssa/effects.py`): a `raise`, an `assert`, an expression statement
    other than a tape's `append`. What it raises, the plain call raises."""
    text = linecache.getline(label, line).strip()
    if text.startswith(("raise ", "assert ")) or text == "raise":
        return True
    try:
        body = ast.parse(text).body
    except SyntaxError:
        return False
    if len(body) != 1 or not isinstance(body[0], ast.Expr):
        return False
    value = body[0].value
    if isinstance(value, ast.Constant):
        return False
    pushed = isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
    pushed = pushed and isinstance(value.func.value, ast.Name)
    return not (pushed and value.func.value.id.startswith(("_tape", "_checkpoints")))


def _hint(exc: Exception) -> str:
    said = str(exc)
    if isinstance(exc, TypeError) and ("sequence" in said or "list" in said or "tuple" in said):
        return "a list or tuple where an array is meant: pass np.array(...)"
    if "DerivativeRecord" in said:  # (the derivative of an object, where a number was meant)
        return (
            "an operator or function on an object of a class of yours whose class s2s_ad "
            "did not know when it made the derivative (an item of a container it does not "
            "follow, a helper's result): write the operation on the object's fields "
            "(`a.x + b.x`), or make the object in the function or pass it as an argument"
        )
    return (
        "the plain call raises this too at these arguments, or the derivative is not "
        "available in this form here; check the shapes and values at this line"
    )


# complex values: refused where they first appear


class ComplexValue(Exception):
    """A complex value reached the API (a value or a derivative): the caller re-runs the
    call with `first_complex` watching, to report where it appeared."""


def is_complex(value: object) -> bool:
    """A complex scalar or array, or a tuple, list or dict holding one."""
    kind = type(value)
    if kind is np.ndarray:  # the common cases first, quickly
        return value.dtype.kind == "c"
    if kind is float or kind is np.float64 or kind is int:
        return False
    if isinstance(value, (tuple, list)):
        return any(is_complex(v) for v in value)
    if isinstance(value, dict):
        return any(is_complex(v) for v in value.values())
    if isinstance(value, (complex, np.complexfloating)):
        return True
    try:
        dtype = getattr(value, "dtype", None)  # NumPy's, or a Dask or CuPy array's
    except Exception:  # (the user's `__getattr__` raising another error: no dtype)
        return False
    return isinstance(dtype, np.dtype) and dtype.kind == "c"


def _complex_local(value: object) -> bool:
    """`is_complex(value)` of a local of generated code, False where asking raises: the
    placeholder of a name not bound yet (`rt.unbound.z`, a loop's target before its first
    iteration) raises `UnboundLocalError` on any use, and the tracer must see past it."""
    try:
        return is_complex(value)
    except Exception:
        return False


class _Found(Exception):
    pass


class _Watching(threading.local):
    active = False  # each thread's own; read on every call of a fast path (fast_path.py)


watching = _Watching()


def locating() -> bool:
    """Whether a call runs again to find where a complex value first appears: the APIs'
    fast paths step aside, so that it goes the way the checked path went."""
    return watching.active


def first_complex(call: Callable[[], object], fn: Callable | None) -> S2SError:
    """The report for the first complex value `call` computes in generated code.

    Only called once a complex value was seen: the call runs again with a line tracer on
    generated frames, whose locals are the SSA variables (every intermediate has a name),
    and stops after the first line that gives one of them a complex value."""
    last: dict[int, int] = {}  # frame → the line it ran last
    found: list = []

    def local_trace(frame, event, arg):
        if any(_complex_local(v) for v in frame.f_locals.values()):
            found.append((frame.f_code.co_filename, last.get(id(frame), frame.f_lineno)))
            raise _Found
        last[id(frame)] = frame.f_lineno
        return local_trace

    def global_trace(frame, event, arg):
        return local_trace if _LABEL.fullmatch(frame.f_code.co_filename) else None

    previous = sys.gettrace()
    watching.active = True
    sys.settrace(global_trace)
    try:
        call()
    except Exception:
        pass
    finally:
        sys.settrace(previous)
        watching.active = False
    filename, line, where = None, None, "in the derivative code"
    if fn is not None:
        code = fn.__code__
        filename, line, where = code.co_filename, code.co_firstlineno, f"in `{fn.__name__}`"
    if found:
        label, generated = found[0]
        match = _LABEL.fullmatch(label)
        filename, line, text = _in_user_code(label, generated)
        statement = linecache.getline(filename, line).strip()
        where = f"at `{statement}` (`{text}`, line {generated} of {match[1]})"
    return ComplexValueError(
        f"a complex value appears {where}: complex numbers are not supported yet",
        filename=filename,
        line=line,
        hint="keep the computation real (carry real and imaginary parts as two float "
        "arrays), or wrap a value that needs no derivative in s2s_ad.stop_gradient",
    )


# the entry points' wrapper


REPORTED = (Exception,)


def raise_reported(exc: Exception, call: Callable[[], object] | None = None, fn=None) -> NoReturn:
    """Raise the located report for `exc` when generated code raised it, else `exc` itself.
    A `ComplexValue` is reported where it first appeared by re-running `call` of `fn`; an
    `ArgumentError` (the call does not fit `fn`) at `fn`'s `def`."""
    if isinstance(exc, ComplexValue) and call is not None:
        if locating():
            raise exc  # an inner entry point, while the outer one watches
        raise first_complex(call, fn) from None
    if (
        isinstance(exc, ArgumentError)
        and exc.filename is None
        and isinstance(fn, types.FunctionType)
    ):
        raise _at_definition(exc, fn) from None  # the call does not fit the user's `fn`
    error = located_error(exc)
    if error is None:
        raise exc
    raise error from None


def _at_definition(exc: ArgumentError, owner: types.FunctionType) -> ArgumentError:
    """`exc`, located at the `def` of the user's function the arguments were given to."""
    code = owner.__code__
    return type(exc)(exc.message, filename=code.co_filename, line=code.co_firstlineno,
                     hint=exc.hint)  # fmt: skip


def reporting(fn: Callable) -> Callable:
    """`fn` (an entry point whose first argument is the user's function), with exceptions
    raised in generated code reported at the user's statement."""

    @functools.wraps(fn)
    def reported(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except REPORTED as exc:
            owner = next((a for a in args if isinstance(a, types.FunctionType)), None)
            report(exc, fn, args, kwargs, owner or getattr(reported, "__wrapped__", None))

    return reported


def report(exc: Exception, fn: Callable, args: tuple, kwargs: dict, owner) -> NoReturn:
    """`raise_reported` of `exc`, raised by the call `fn(*args, **kwargs)` of an entry point
    (`reporting`, `fast_path.with_fast_path`) whose user's function is `owner` (a
    derivative made of the user's function, as `hessian(f)`, has it as `__wrapped__`)."""
    owner = owner if isinstance(owner, types.FunctionType) else None
    raise_reported(exc, functools.partial(fn, *args, **kwargs), owner)
