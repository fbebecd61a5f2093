"""Builds the transformation's passes as C extensions with Cython, where a C compiler is found.

The modules of the packages `s2s_ad/compiled.py` names (`PACKAGES`) are plain Python, compiled
unchanged (annotations are not read as C types). Compiled, they transform a function in about
0.7 of the time (`make bench-transform`); nothing else changes. Without a compiler the
extensions are skipped and the same modules run as Python. The generated code, the runtime it
calls, the rules and the API are never compiled: Numba and `inspect` read them, and users
differentiate through them (a Cython function is not a Python function with source).

`s2s_ad/_compiled_from.py` records each compiled module's source digest: `s2s_ad.compiled`
uses an extension only while its `.py` is unchanged (see there). Set `S2S_AD_PURE_PYTHON=1`
when installing to build nothing (`make` installs so, then builds in place).
"""

from __future__ import annotations

import os
import runpy
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import setup

# (read from its file: importing s2s_ad needs NumPy, which a build environment lacks)
FINDER = runpy.run_path("s2s_ad/compiled.py")  # the names s2s_ad/compiled.py defines
RECORD = Path("s2s_ad/_compiled_from.py")
DIRECTIVES = {"language_level": 3, "binding": True, "annotation_typing": False}


def compiled_sources() -> list[Path]:
    return sorted(
        path
        for package in FINDER["PACKAGES"]
        for path in Path("s2s_ad", package).glob("*.py")
        if path.name != "__init__.py"
    )


def module_name(path: Path) -> str:
    return ".".join(path.with_suffix("").parts)


def digests(sources: list[Path]) -> dict[str, str]:
    """The digests the finder compares."""
    return {module_name(p): FINDER["source_digest"](p.read_bytes()) for p in sources}


def drop_stale_extensions(sources: list[Path], now: dict[str, str]) -> None:
    """Removes the extension built in place from a source changed since: the new record
    vouches for the new source, so if its build fails the source must run, not the old one."""
    before = runpy.run_path(str(RECORD))["BUILT_FROM"] if RECORD.exists() else {}
    for path in sources:
        if before.get(module_name(path)) != now[module_name(path)]:
            for suffix in EXTENSION_SUFFIXES:
                path.with_suffix(suffix).unlink(missing_ok=True)


def write_record(now: dict[str, str]) -> None:
    lines = [f"    {name!r}: {digest!r}," for name, digest in now.items()]
    RECORD.write_text(
        '"""Written by setup.py: the source digest each compiled module was built from."""\n\n'
        "BUILT_FROM = {\n" + "\n".join(lines) + "\n}\n"
    )


def extensions() -> list:
    if FINDER["pure_python_asked"]():  # (an earlier in-place build stays, and its record)
        return []
    from Cython.Build import cythonize

    sources = compiled_sources()
    now = digests(sources)
    drop_stale_extensions(sources, now)
    built = cythonize(
        [str(p) for p in sources],
        compiler_directives=DIRECTIVES,
        nthreads=os.cpu_count() or 1,
        quiet=True,
    )
    for extension in built:
        extension.optional = True  # no compiler, or a failed build: that module runs as Python
        # -O2 made the passes 4 % faster and took twice as long to build; Cython's helpers
        # that a module does not use are not worth a warning
        extension.extra_compile_args = ["-O1", "-g0", "-Wno-unused-function"]
    write_record(now)
    return built


setup(ext_modules=extensions(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
