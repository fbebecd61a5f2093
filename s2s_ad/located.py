"""Exceptions raised while derivative code runs, reported at the user's statement.

Generated code calls NumPy, the runtime helpers (`rt.*`) and rules; any of them can raise
(`np.dot` of a 3-D operand, a shape mismatch, Python float arithmetic dividing by zero where
NumPy would give inf). Such an exception carries a traceback through a frame of generated
code, whose file is the label `<s2s_ad f_vjp of user.py:12 #3>`. The innermost such frame
and its line name the generated statement; `pipeline.differentiate` registers, per label,
the line of the user's code each SSA name comes from, so the statement maps back:

    ValueError: matrices are not aligned          (inside rt.dot_vjp_left)
    →  EvaluationError: user.py:14: ValueError: matrices are not aligned, at
       `z = np.dot(y, B)` (line 14 of f, in `y_bar = rt.dot_vjp_left(z_bar, y, B)` of the
       derivative code); …

In the reverse sweep the comment above a generated line is the SSA statement it comes
from; elsewhere the names a line assigns are SSA names or their tangents/adjoints
(`z_dot`, `z_bar`). Python float arithmetic failures stay `NumericalError`s; an S2SError a
runtime helper raised without a location gets one; anything raised outside generated code
(argument checks, the user's own plain functions called directly) passes unchanged.
"""

from __future__ import annotations

import functools
import linecache
import re
from collections.abc import Callable
from typing import NoReturn

from .errors import EvaluationError, NumericalError, S2SError

_LABEL = re.compile(r"<s2s_ad (\w+) of (.*):(\d+) #\d+>")
_DERIVED = re.compile(r"(.+?)_(?:bar|dot)(?:_\d+)?")  # an adjoint's or a tangent's name

# generated file label → the user's line of each SSA name it assigns
_LINES: dict[str, dict[str, int]] = {}


def register_lines(label: str, lines: dict[str, int]) -> None:
    """Remember where the SSA names of the code compiled as `label` come from."""
    _LINES[label] = lines


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
    """The user's line the generated line `line` comes from, when the names tell it."""
    names = _LINES.get(label, {})
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    candidates = []
    for above in reversed(lines[: line - 1]):  # the SSA statement a reverse-sweep line follows
        above = above.strip()
        if above.startswith("# "):
            if " = " in above and not above.endswith("sweep"):
                candidates.append(above[2:].split(" = ")[0])
            break
        if above.startswith("def "):
            break
    if " = " in text:
        candidates += re.findall(r"\w+", text.split(" = ")[0])
    for candidate in candidates:
        derived = _DERIVED.fullmatch(candidate)
        for name in (candidate, *(derived.groups() if derived else ())):
            if name in names:
                return names[name]
    return None


def located_error(exc: Exception) -> S2SError | None:
    """The located report for `exc` when it was raised in or under generated code, else None."""
    if isinstance(exc, S2SError) and exc.filename is not None:
        return None
    found = _generated_frame(exc)
    if found is None:
        return None
    match, label, line = found
    lines = linecache.getlines(label)
    text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
    filename, first_line = match[2], int(match[3])
    user_line = _user_line(label, lines, line) or first_line
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


def _hint(exc: Exception) -> str:
    said = str(exc)
    if isinstance(exc, TypeError) and ("sequence" in said or "list" in said or "tuple" in said):
        return "a list or tuple where an array is meant: pass np.array(...)"
    return (
        "the plain call raises this too at these arguments, or the derivative is not "
        "available in this form here; check the shapes and values at this line"
    )


REPORTED = (Exception,)


def raise_reported(exc: Exception) -> NoReturn:
    """Raise the located report for `exc` when generated code raised it, else `exc` itself."""
    error = located_error(exc)
    if error is None:
        raise exc
    raise error from None


def reporting(fn: Callable) -> Callable:
    """`fn`, with exceptions raised in generated code reported at the user's statement."""

    @functools.wraps(fn)
    def reported(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except REPORTED as exc:
            raise_reported(exc)

    return reported
