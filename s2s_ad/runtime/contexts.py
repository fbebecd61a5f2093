"""Context managers of `with` blocks around differentiated code (`ssa/context_managers.py`).

`reentered(cm)`: what the pullback enters around the adjoint of a `with` block's body: an
`np.errstate` of the same settings again, nothing for other context managers.
`unsuppressing(cm, filename, line)`: `cm`, raising a located error instead of letting it
swallow an exception (the derivative could not follow the skipped statements).
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..errors import UnsupportedSyntaxError

__all__ = ["reentered", "unsuppressing"]


def reentered(cm):
    """A context like `cm`, to enter after `cm` exited: a new `np.errstate` of the same
    settings (one cannot be entered twice), else a context that does nothing."""
    if isinstance(cm, _Unsuppressing):
        return _Unsuppressing(reentered(cm.cm), cm.filename, cm.line)
    if isinstance(cm, np.errstate):
        names = ("all", "divide", "over", "under", "invalid", "call")
        settings = {k: getattr(cm, f"_{k}") for k in names}
        if settings["call"] is np.errstate()._call:  # `call` not given: NumPy's marker
            del settings["call"]
        return np.errstate(**settings)
    return contextlib.nullcontext()


class _Unsuppressing:
    def __init__(self, cm, filename: str, line: int) -> None:
        self.cm, self.filename, self.line = cm, filename, line

    def __enter__(self):
        return self.cm.__enter__()

    def __exit__(self, kind, value, traceback):
        if self.cm.__exit__(kind, value, traceback) and kind is not None:
            raise UnsupportedSyntaxError(
                f"unsupported construct: a context manager that swallowed {kind.__name__}: "
                "the rest of the `with` block was skipped, which the derivative cannot follow",
                filename=self.filename,
                line=self.line,
                hint="check the inputs with `if …:` instead of suppressing the error",
            ) from value
        return False


def unsuppressing(cm, filename: str, line: int) -> _Unsuppressing:
    """`cm`, checked on exit not to swallow an exception."""
    return _Unsuppressing(cm, filename, line)
