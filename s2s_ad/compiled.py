"""Compiled passes are used only while they were built from the source beside them.

`setup.py` compiles the transformation's passes with Cython into extension modules that sit
next to their `.py` files (an editable install builds them in place). Python's import prefers
an extension to the source, so after an edit or a checkout a stale build would run the old
code. `install()` puts a finder first on `sys.meta_path`: it imports a compiled module from its
source instead when the source's digest differs from the one recorded when the extension was
built (`_compiled_from.BUILT_FROM`), and always when the environment variable
`S2S_AD_PURE_PYTHON` is set (to anything but "", "0", "false" or "no"). With no record, no
extension is vouched for: every pass runs from its source. Other modules are found as usual.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.abc
import importlib.util
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES

PACKAGES = ("frontend", "ssa", "simplify", "ad", "codegen")  # the passes setup.py compiles


def pure_python_asked() -> bool:
    """Whether `S2S_AD_PURE_PYTHON` asks for the passes' source (at build and import time)."""
    return os.environ.get("S2S_AD_PURE_PYTHON", "").lower() not in ("", "0", "false", "no")


def source_digest(data: bytes) -> str:
    """The digest `setup.py` records for a module's source, and the finder compares."""
    return hashlib.sha256(data).hexdigest()


_PASS_PACKAGES = {f"s2s_ad.{package}" for package in PACKAGES}


class SourceUnlessBuiltFromIt(importlib.abc.MetaPathFinder):
    """Finds a compiled module's source when its extension is stale or not wanted."""

    def __init__(self, built_from: dict[str, str], pure: bool):
        self.built_from = built_from
        self.pure = pure

    def find_spec(self, fullname, path, target=None):
        package, _, leaf = fullname.rpartition(".")
        if path is None or package not in _PASS_PACKAGES:
            return None
        digest = self.built_from.get(fullname)
        for entry in path:
            source = os.path.join(entry, leaf + ".py")
            try:
                with open(source, "rb") as file:
                    data = file.read()
            except OSError:
                continue
            if not self.pure and digest is not None and source_digest(data) == digest:
                return None  # the extension is current: Python's own finder takes it
            return importlib.util.spec_from_file_location(fullname, source)
        return None


def install() -> None:
    """Called first by `s2s_ad/__init__.py`, before any compiled module is imported."""
    try:
        from ._compiled_from import BUILT_FROM
    except ImportError:  # built without extensions, or the record is lost: none is vouched for
        BUILT_FROM = {}
    sys.meta_path.insert(0, SourceUnlessBuiltFromIt(BUILT_FROM, pure_python_asked()))


def compiled_modules() -> list[str]:
    """The names of the imported modules of s2s_ad that run compiled (for benchmarks)."""
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name.startswith("s2s_ad.")
        and str(getattr(module, "__file__", "")).endswith(tuple(EXTENSION_SUFFIXES))
    )


@functools.cache
def passes_compiled() -> bool:
    """Whether the transformation's passes run compiled: then they recurse on the C stack,
    which Python's recursion limit does not count (`pipeline` checks depth itself)."""
    from .ssa import lower  # (a pass: compiled with the others, or not at all)

    return str(lower.__file__).endswith(tuple(EXTENSION_SUFFIXES))
