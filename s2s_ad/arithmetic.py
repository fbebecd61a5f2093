"""Python float arithmetic failing in generated code, reported as a `NumericalError`.

NumPy gives inf or nan (with a RuntimeWarning) where a derivative is infinite; Python floats
raise instead — `math.sqrt(x)`'s derivative `d / (2.0 * y)` at x = 0 is a ZeroDivisionError.
The report names the generated line, the statement it differentiates (the comment above it)
and the user's function, instead of a bare traceback from generated code.
"""

from __future__ import annotations

import functools
import linecache
import re
from collections.abc import Callable
from typing import NoReturn

from .errors import NumericalError

_LABEL = re.compile(r"<s2s_ad (\w+) of (.*):(\d+) #\d+>")


def numerical_error(exc: ArithmeticError) -> NumericalError | None:
    """The report for `exc`, raised in generated code; None when it came from elsewhere."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        match = _LABEL.fullmatch(tb.tb_frame.f_code.co_filename)
        if match:
            found = (match, tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    match, label, line = found
    lines = linecache.getlines(label)
    text = lines[line - 1].strip() if 0 < line <= len(lines) else "?"
    above = [s.strip() for s in lines[: line - 1] if s.strip().startswith("# ")]
    origin = f" (from `{above[-1][2:]}`)" if above and not above[-1].endswith("sweep") else ""
    return NumericalError(
        f"{type(exc).__name__}: {exc} in `{text}`{origin}, line {line} of {match[1]}: the "
        "derivative is infinite or undefined at these arguments",
        filename=match[2],
        line=int(match[3]),
        hint="NumPy functions (np.sqrt, np.log, …) give inf or nan with a warning where "
        "`math` functions on Python floats raise; or move the point",
    )


REPORTED = (ZeroDivisionError, OverflowError)


def raise_reported(exc: ArithmeticError) -> NoReturn:
    """Raise the NumericalError for `exc` when generated code raised it, else `exc` itself."""
    error = numerical_error(exc)
    if error is None:
        raise exc
    raise error from None


def reporting(fn: Callable) -> Callable:
    """`fn`, with float arithmetic failing in generated code reported as a NumericalError."""

    @functools.wraps(fn)
    def reported(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except REPORTED as exc:
            raise_reported(exc)

    return reported
