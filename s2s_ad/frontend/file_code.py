"""Whether a function's running code is what its file compiles to now: the test that the
file was not edited since the function was defined.

Comparing names and numbers alone (parse.py's fingerprint) misses an edit that keeps every
line in its place and changes only an operator (`x * 2.0` → `x / 2.0`), which local is read
(`np.sum(y)` → `np.sum(x)`) or a string (`"ij->i"`): the transformation would then read the
new source and differentiate code that does not run. The whole file is compiled instead, as
the import compiled it (the bytecode of `np.sum(x)` depends on whether the module imports
`np`), and the running code must equal a function compiled from it with the same name and
first line: the same instructions, constants and places (a line inserted in the body, two
lambdas on one line swapped), nested functions' included. A file that no longer compiles was
edited since: the import compiled it. Code a tool rewrote (pytest's asserts), notebook cells
and other text that is not a file cannot be compared so; parse.py keeps the fingerprint of
names and numbers for them.
"""

from __future__ import annotations

import linecache
import types

FUTURE_FLAGS = 0x1FE0000  # the CO_FUTURE_* bits a module's `from __future__` imports set

# (file name, future flags) → (the linecache lines compiled, the module's code or None): one
# compilation per version of a file (linecache gives a new list when the file changes)
_COMPILED: dict[tuple[str, int], tuple[list[str], types.CodeType | None]] = {}


def rewritten(code: types.CodeType) -> bool:
    """Whether a tool rewrote the code or a function it defines (`adds_names`)."""
    return adds_names(code) or any(
        rewritten(c) for c in code.co_consts if isinstance(c, types.CodeType)
    )


def adds_names(code: types.CodeType) -> bool:
    """Whether a tool added names of its own to the code itself (pytest's asserts: `@py…`,
    which no source can spell)."""
    return any(n.startswith("@") for n in (*code.co_names, *code.co_varnames))


def same_as_file(code: types.CodeType, module_globals: dict | None = None) -> bool | None:
    """True when the file `code` came from compiles to a function of its name on its first
    line with the same instructions, constants and places; False when none does, or the
    file no longer compiles (it did when it was imported: edited since); None when there is
    no file to tell by: a notebook cell (IPython compiles a cell statement by statement, so
    its bytecode differs from the whole cell's), code made with `exec`, a zip's module."""
    flags = code.co_flags & FUTURE_FLAGS
    lines = linecache.getlines(code.co_filename, module_globals)
    entry = linecache.cache.get(code.co_filename)
    if not lines or entry is None or len(entry) < 4 or entry[1] is None:
        return None  # (a file's entry has its modification time)
    key = (code.co_filename, flags)
    found = _COMPILED.get(key)
    if found is None or found[0] is not lines:
        try:
            module = compile("".join(lines), code.co_filename, "exec", flags=flags,
                             dont_inherit=True)  # fmt: skip
        except (SyntaxError, ValueError):
            module = None
        found = _COMPILED[key] = (lines, module)
    if found[1] is None:
        return False
    wanted = _contents(code)
    place = (code.co_name, code.co_firstlineno)
    return any(_contents(c) == wanted for c in _functions_at(found[1], place))


def _functions_at(code: types.CodeType, place: tuple[str, int]):
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if (const.co_name, const.co_firstlineno) == place:
                yield const
            yield from _functions_at(const, place)


def _contents(code: types.CodeType) -> tuple:
    """The instructions, constants (by type and `repr`: -0.0 is not 0.0), names, variables
    and places (lines and columns: a line inserted in the body, two lambdas on a line
    swapped) of `code` and of the functions it defines."""
    consts = tuple(
        _contents(c) if isinstance(c, types.CodeType) else (type(c), repr(c))
        for c in code.co_consts
    )
    names = (code.co_names, code.co_varnames, code.co_freevars)
    return (code.co_code, consts, names, code.co_linetable, code.co_exceptiontable)
