"""`warnings.warn` in generated code, reported where the user's function calls it.

A warning is located at the frame `stacklevel` frames above the call, and Python's default
filter shows it once per location (the module's `__warningregistry__`). Called as written in
derivative code, the location would be a line of the generated function (`<s2s_ad f_grad of
user.py:3 #7>`, line 12): a new location for each derivative, so a warning the plain call
already showed was shown again by every API. The lowering calls this instead
(ssa/effects.py), which counts frames as the plain call would: a frame of generated code
stands for the user's function at the statement its line comes from (or, for a warning of a
helper inlined into it, for the frames the plain call would have had: `inlined_at`), and
s2s_ad's own frames (the API's wrappers) are left out.
"""

from __future__ import annotations

import sys
import types
import warnings

__all__ = ["warn"]


def warn(
    message, category=None, stacklevel=1, source=None, *, skip_file_prefixes=(), inlined_at=()
):
    """`warnings.warn(message, category, stacklevel, source, skip_file_prefixes)` (the
    Python 3.12 keyword too), located in the user's code.

    Shown and filtered as the plain call's warning is: the same file, line, module and
    registry, so `"default"` and `"once"` filters show it once for both. `inlined_at`: the
    (file, line) of the warning and of each call of the helpers inlined around it, inmost
    first, which the generated frame stands for."""
    if isinstance(message, Warning):
        category = message.__class__
    elif category is None:
        category = UserWarning
    if skip_file_prefixes:  # (as Python: the function calling warn is never skipped)
        stacklevel = max(stacklevel, 2)
    frames = _users_frames(sys._getframe(1), inlined_at)
    filename, line, module_globals = _chosen(frames, stacklevel, tuple(skip_file_prefixes))
    warnings.warn_explicit(
        message,
        category,
        filename,
        line,
        module=module_globals.get("__name__", "<string>"),
        registry=module_globals.setdefault("__warningregistry__", {}),
        source=source,
    )


def _chosen(frames, stacklevel: int, skipped: tuple[str, ...]) -> tuple[str, int, dict]:
    """The `stacklevel`-th of the user's `frames`, past those of files starting with
    `skipped` but the first (`sys` past the outermost, as Python does)."""
    level = max(stacklevel, 1)
    for filename, line, module_globals in frames:
        if level < stacklevel and filename.startswith(skipped):
            continue
        level -= 1
        if level == 0:
            return filename, line, module_globals
    return "sys", 1, sys.__dict__


def _users_frames(frame: types.FrameType | None, inlined_at: tuple):
    """(file, line, module globals) of the frames of the user's program from `frame` up, as
    the plain call would have them."""
    from ..located import in_generated_code  # (located imports the code generator)

    while frame is not None:
        where = in_generated_code(frame.f_code.co_filename, frame.f_lineno)
        if where is not None:
            for filename, line in inlined_at or (where,):
                yield filename, line, _module_globals(filename, frame.f_globals)
            inlined_at = ()  # (only the frame calling `warn` holds helpers inlined)
        elif not _own(frame.f_globals.get("__name__", "")):
            yield frame.f_code.co_filename, frame.f_lineno, frame.f_globals
        frame = frame.f_back


def _module_globals(filename: str, near: dict) -> dict:
    """The globals of the module of `filename`: `near` (the generated code's, its function's
    module) where that is the one, else the loaded module of that file (a helper of another
    module inlined), else `near`."""
    if near.get("__file__") == filename:
        return near
    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == filename:
            return module.__dict__
    return near


def _own(module: str) -> bool:
    return module == "s2s_ad" or module.startswith("s2s_ad.")
