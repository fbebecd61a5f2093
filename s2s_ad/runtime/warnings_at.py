"""`warnings.warn` in generated code, reported where the user's function calls it.

A warning is located at the frame `stacklevel` frames above the call, and Python's default
filter shows it once per location (the module's `__warningregistry__`). Called as written in
derivative code, the location would be a line of the generated function (`<s2s_ad f_grad of
user.py:3 #7>`, line 12): a new location for each derivative, so a warning the plain call
already showed was shown again by every API. The lowering calls this instead
(ssa/effects.py), which counts frames as the plain call would: a frame of generated code
stands for the user's function at the statement its line comes from, and s2s_ad's own
frames (the API's wrappers) are left out.
"""

from __future__ import annotations

import sys
import types
import warnings

__all__ = ["warn"]


def warn(message, category=None, stacklevel=1, source=None, *, skip_file_prefixes=()):
    """`warnings.warn(message, category, stacklevel, source, skip_file_prefixes)` (the
    Python 3.12 keyword too), located in the user's code.

    Shown and filtered as the plain call's warning is: the same file, line, module and
    registry, so `"default"` and `"once"` filters show it once for both."""
    if isinstance(message, Warning):
        category = message.__class__
    elif category is None:
        category = UserWarning
    if skip_file_prefixes:  # (as Python: the function calling warn is never skipped)
        stacklevel = max(stacklevel, 2)
    frame = sys._getframe(1)
    filename, line, module_globals = _users_frame(frame, stacklevel, tuple(skip_file_prefixes))
    registry = module_globals.setdefault("__warningregistry__", {})
    warnings.warn_explicit(
        message,
        category,
        filename,
        line,
        module=module_globals.get("__name__", "<string>"),
        registry=registry,
        module_globals=module_globals,
        source=source,
    )


def _users_frame(
    frame: types.FrameType | None, stacklevel: int, skipped: tuple[str, ...]
) -> tuple[str, int, dict]:
    """(file, line, globals) of the `stacklevel`-th frame of the user's program from `frame`
    up, as Python counts them in the plain call (`sys` past the outermost, as Python does),
    past frames of files starting with `skipped` but the first."""
    from ..located import in_generated_code  # (located imports the code generator)

    level = max(stacklevel, 1)
    while frame is not None:
        where = in_generated_code(frame.f_code.co_filename, frame.f_lineno)
        if where is not None:
            level -= 1
            if level == 0:
                return where[0], where[1], frame.f_globals
        elif not _own(frame.f_globals.get("__name__", "")) and not (
            level < stacklevel and frame.f_code.co_filename.startswith(skipped)
        ):
            level -= 1
            if level == 0:
                return frame.f_code.co_filename, frame.f_lineno, frame.f_globals
        frame = frame.f_back
    return "sys", 1, sys.__dict__


def _own(module: str) -> bool:
    return module == "s2s_ad" or module.startswith("s2s_ad.")
