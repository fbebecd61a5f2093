"""Errors raised by s2s_ad: every one names the user's file:line, the construct, and a way out."""

from __future__ import annotations


def with_article(noun: str) -> str:
    """`noun` after "a" or "an", as said: "an int", "an ndarray", "a float", "a uint8"."""
    lower = noun.lower()
    vowel = lower[:1] in "aeiou" and not lower.startswith(("uint", "uni", "use"))
    spelled = lower.startswith("nd")  # "ndarray" is said "en-dee-array"
    return f"{'an' if vowel or spelled else 'a'} {noun}"


class S2SError(Exception):
    """Base class: something in the user's function or call that s2s_ad cannot differentiate."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        hint: str,
    ) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """`file.py:12: message; hint` — the form the CLI prints."""
        where = ""
        if self.filename is not None:
            where = f"{self.filename}:{self.line}: " if self.line else f"{self.filename}: "
        tail = f"; {self.hint}" if self.hint else ""
        return f"{where}{self.message}{tail}"


class SourceError(S2SError):
    """The function's source cannot be found or read (built-ins, lambdas typed at a prompt)."""


class UnsupportedSyntaxError(S2SError):
    """The function uses a construct s2s_ad does not handle."""


class RecursiveCallError(UnsupportedSyntaxError):
    """A function whose derivative is being made calls itself, directly or through others.
    Raised at the function's `def` (`callee`: the function); the caller's AD stage, which
    knows the call, raises it again at the call's line (ad/calls.py), `callee` None."""

    def __init__(self, message: str, *, callee: object = None, **where: object) -> None:
        super().__init__(message, **where)
        self.callee = callee


class UnknownCalleeError(S2SError):
    """A differentiated value flows into a function that has no derivative rule."""


class NameResolutionError(S2SError):
    """A free name or attribute in the function cannot be resolved."""


class NonScalarOutputError(S2SError):
    """`grad` was given a function whose output is not a scalar."""


class ArgumentError(S2SError):
    """The call to a derivative does not fit the function (bad wrt, types, counts)."""


class InvariantError(S2SError):
    """An internal pass broke the SSA invariant: a bug in s2s_ad, please report it."""


class NumericalError(S2SError):
    """Python float arithmetic in generated code failed (a division by zero, an overflow)
    where NumPy would have given inf or nan: the derivative is infinite or undefined there."""


class EvaluationError(S2SError):
    """An exception raised while the derivative code ran (in NumPy, a runtime helper or a
    rule), reported at the user's statement the failing generated line comes from."""


class ComplexValueError(S2SError):
    """A complex value appeared while differentiating (complex numbers are not supported)."""
