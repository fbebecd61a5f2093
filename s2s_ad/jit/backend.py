"""Run a derivative's generated code compiled by Numba, or as NumPy code where Numba refuses.

Before: `grad(f)` calls the shape-specialised derivative function (`Derivative.function`).
After, with `jit=True`: `compiled(d, f)` is a callable of the same arguments and results that

- compiles a copy of that function with `numba.njit` on its first call (the same code
  object: `derivative_source` shows the same source either way), its `rt` bound to the
  Numba versions of the helpers (helpers.py) and Python's `reversed` to one Numba compiles;
- when Numba refuses the code (a helper without a Numba version, a construct Numba cannot
  type), logs ONE warning per user function on the `s2s_ad.jit` logger naming the line and
  Numba's reason, and from then on runs the NumPy code;
- when the compiled code raises at run time (a division by zero, a shape the compiled helper
  does not cover), or its result holds an inf or a nan (of which NumPy warns, Numba does not),
  runs the NumPy code on those arguments: its result, its error or its warning is the one the
  NumPy backend gives.

Compiled callables are cached per derivative function, as the derivative itself is cached
per argument shapes; Numba compiles once per argument types.
"""

from __future__ import annotations

import ast
import itertools
import linecache
import logging
import math
import re
import types
import warnings
import weakref
from collections.abc import Callable

import numpy as np

from .. import runtime
from .live_values import free_data_names, is_data, take_as_parameters, value_reader

LOG = logging.getLogger("s2s_ad.jit")

_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_WARNED: set[tuple] = set()  # the user functions (file, line, name) warned about
_CALLS = itertools.count(1)


def compiled(function: types.FunctionType, f: Callable, effects: str | None = None) -> Callable:
    """`function` (generated derivative code of the user function `f`) compiled by Numba
    on its first call, or the NumPy code where Numba cannot compile it. `effects`: the first
    statement kept for its effect (`print`) the code runs, described, which runs as Python
    writes it; None: it runs none."""
    found = _COMPILED.get(function)
    if found is None:
        found = _COMPILED[function] = Compiled(function, f)
        if effects:  # Numba's `print` formats numbers its own way
            found._refuse(f"it runs a statement kept for its effect: {effects}")
    return found


def runs_of(f: Callable) -> dict[str, bool]:
    """{derivative function's name: whether its last call ran compiled} for the user
    function `f`'s derivatives run with `jit=True` (which path was taken: for tests)."""
    user = (f.__code__.co_filename, f.__code__.co_firstlineno, f.__name__)
    # (a name's code specialised to several signatures: the one called last)
    latest = sorted((c for c in _COMPILED.values() if c.user == user), key=lambda c: c.called)
    return {c.function.__name__: c.ran_compiled for c in latest}


def not_compiled(f: Callable, reason: str) -> None:
    """Say once (per user function `f`) that its derivative runs as NumPy code, and why."""
    _warn_once((f.__code__.co_filename, f.__code__.co_firstlineno, f.__name__), reason)


def _warn_once(user: tuple, reason: str) -> None:
    if user in _WARNED:
        return
    _WARNED.add(user)
    filename, line, name = user
    LOG.warning(
        "jit=True: the derivative of `%s` (%s:%d) runs as NumPy code: %s",
        name,
        filename,
        line,
        reason,
    )


class Compiled:
    """A derivative function run compiled (`ran_compiled`: whether its last call did)."""

    def __init__(self, function: types.FunctionType, f: Callable) -> None:
        self.function = function
        self.user = (f.__code__.co_filename, f.__code__.co_firstlineno, f.__name__)
        self.dispatcher: Callable | None = None
        self.refused: str | None = None  # Numba's reason, once it refused the code
        self.ran_compiled = False
        self.called = 0  # when it was called last (`_CALLS`): runs_of
        self.ran_compiled_once = False
        self.kinds: set[tuple] = set()  # the argument kinds Numba compiled the code for
        # the argument kinds that run as NumPy code: float32 and float16 (`NARROW_FLOATS`),
        # and those a helper's Numba version did not cover (`UNCOVERED`)
        self.as_numpy: set[tuple] = set()
        # per argument kinds, the NumPy scalar types of the NumPy code's result where Numba
        # gives Python floats (`_numpy_scalars`): `value_and_grad`'s value of `np.sum`
        self.scalars: dict[tuple, object] = {}
        self.lifted: list[str] = []  # free names of data, passed first (live_values.py)
        self.read = value_reader(function)

    def __call__(self, *args: object) -> object:
        self.ran_compiled = False
        self.called = next(_CALLS)
        if self.refused is not None:
            return self.function(*args)
        if self.dispatcher is None:
            try:
                self.dispatcher, self.lifted = _njit(self.function)
            except ImportError:  # the `jit` extra is not installed
                self._refuse("Numba is not installed (pip install 's2s_ad[jit]')")
                return self.function(*args)
            except _Unliftable as exc:
                self._refuse(str(exc))
                return self.function(*args)
        passed = (*[self.read(n) for n in self.lifted], *args)  # globals' values now
        kinds = tuple(_kind(a) for a in passed)
        if kinds in self.as_numpy:
            return self.function(*args)
        if kinds not in self.kinds and any(_narrow_float(kind[1]) for kind in kinds):
            self.as_numpy.add(kinds)  # (asked once per kinds, not on every call)
            _warn_once(self.user, NARROW_FLOATS)
            return self.function(*args)
        compiled_before = len(self.dispatcher.overloads)
        try:
            if kinds in self.kinds:
                out = self.dispatcher(*passed)
            else:  # compiling: Numba's performance hints are about code the user did not write
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", _performance_warning())
                    out = self.dispatcher(*passed)
        except Exception as exc:
            if kinds not in self.kinds and len(self.dispatcher.overloads) == compiled_before:
                self._refuse(_reason(exc, self.function))  # Numba refused the code
            else:  # raised by the compiled code: the NumPy code's result or error is the answer
                self.kinds.add(kinds)
                if str(exc).startswith("s2s_ad.jit"):  # a case a helper's version lacks
                    self.as_numpy.add(kinds)  # (not run compiled again, only to fail)
                    _warn_once(self.user, UNCOVERED.format(self.function.__name__, exc))
            return self.function(*args)
        self.kinds.add(kinds)
        if not _finite(out):  # NumPy warns of the inf or nan (RuntimeWarning), Numba does not
            return self.function(*args)
        if kinds not in self.scalars:  # (once per kinds; the first call may have raised above)
            self.scalars[kinds] = _numpy_scalars(self._numpy_result(args))
        if not self.ran_compiled_once:  # the path taken, for tests and for curious users
            self.ran_compiled_once = True
            LOG.debug("`%s` ran compiled by Numba", self.function.__name__)
        self.ran_compiled = True
        scalars = self.scalars[kinds]
        return out if scalars is None else _retyped(out, scalars)

    def _numpy_result(self, args: tuple) -> object:
        """What the NumPy code gives for `args` (run once per argument kinds, for its result
        types), its warnings silenced: the compiled code's result is the answer."""
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                return self.function(*args)
            except Exception:
                return None

    def _refuse(self, reason: str) -> None:
        self.refused = reason
        _warn_once(self.user, f"Numba cannot compile `{self.function.__name__}`: {reason}")


# Numba types a float literal as float64 and promotes a float32 array it meets to float64,
# where NumPy keeps the array's float32 (NEP 50): compiled, such code would give other numbers
# in another dtype, so it runs as NumPy code
NARROW_FLOATS = (
    "Numba computes float32 and float16 arrays with float literals in float64 (NumPy keeps "
    "their dtype): arguments of those dtypes run as NumPy code, float64 ones compiled"
)


# the compiled code ran and a helper's Numba version raised: a case it does not cover (a
# broadcast its loops do not make), found only at run time
UNCOVERED = (
    "the compiled `{}` met a case its helpers' Numba versions do not cover ({}): arguments "
    "of these kinds run as NumPy code"
)


def _numpy_scalars(result: object) -> object:
    """The skeleton of `result` (the NumPy code's) that `_retyped` gives the compiled code's
    result: a NumPy scalar's type where it has one, tuples of those; None where it has none
    (Numba returns a Python float for a NumPy float64 scalar)."""
    if isinstance(result, np.floating):
        return type(result)
    if type(result) is tuple:
        items = tuple(_numpy_scalars(item) for item in result)
        return None if all(item is None for item in items) else items
    return None


def _retyped(out: object, scalars: object) -> object:
    """`out` with each Python float where `scalars` names a NumPy scalar type made one."""
    if scalars is None:
        return out
    if type(scalars) is tuple:
        if type(out) is not tuple or len(out) != len(scalars):
            return out
        return tuple(_retyped(o, s) for o, s in zip(out, scalars, strict=True))
    return scalars(out) if type(out) is float else out


def _narrow_float(dtype: object) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8


def _kind(value: object) -> tuple:
    """What Numba compiles a version of the code for: type, dtype, rank and memory layout (a
    strided view is a new compile, whose performance hints must be silenced too)."""
    if isinstance(value, type):  # a type passed (`dt=np.float32`): class attributes, no data
        return type(value), value, 0, None
    flags = getattr(value, "flags", None)
    layout = None if flags is None else (flags.c_contiguous, flags.f_contiguous)
    return type(value), getattr(value, "dtype", None), getattr(value, "ndim", 0), layout


def _finite(out: object) -> bool:
    """Whether every number in `out` (a float, an array, a tuple of them, None) is finite."""
    if type(out) is float:
        return math.isfinite(out)
    if type(out) is tuple:
        return all(_finite(item) for item in out)
    if out is None:
        return True
    return bool(np.isfinite(out).all())


def _njit(function: types.FunctionType) -> tuple[Callable, list[str]]:
    """A Numba dispatcher of `function`'s code with the runtime's Numba helpers as `rt`, and
    the free names of data it takes as its leading arguments (live_values.py)."""
    import numba

    from . import helpers

    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or (), strict=True))
    code, lifted = _fused_code(function, cells)
    closure = tuple(
        types.CellType(helpers if c.cell_contents is runtime else c.cell_contents)
        for c in (cells[name] for name in code.co_freevars)
    )
    globals_ = function.__globals__
    if "reversed" not in globals_:  # Numba reads globals when it compiles: a copy is the same
        globals_ = {**globals_, "reversed": helpers.reversed_}
    copy = types.FunctionType(
        code, globals_, function.__name__, function.__defaults__, closure or None
    )
    LOG.debug("compiling `%s` with Numba", function.__name__)
    return numba.njit(copy, cache=False), lifted


class _Unliftable(Exception):
    """The code reads data from outside and its source is not at hand to pass it in."""


def _fused_code(function: types.FunctionType, cells: dict) -> tuple[types.CodeType, list[str]]:
    """`function`'s code with single-use elementwise temporaries inlined (fuse.py) and its
    free names of data made leading parameters (live_values.py), compiled from its registered
    source under the same file name, so lines keep their numbers; and those names. Its own
    code where that source is not found and it reads no such name."""
    from .direction_sums import direction_sums
    from .fuse import fused

    numpy = next((n for n, c in cells.items() if c.cell_contents is np), None)
    if numpy is None and function.__globals__.get("np") is np:  # code made from generated code
        numpy = "np"
    helpers = next((n for n, c in cells.items() if c.cell_contents is runtime), None)
    filename = function.__code__.co_filename
    lines = linecache.getlines(filename)
    if (numpy is None and helpers is None) or not lines:
        read = value_reader(function)
        names = [*function.__code__.co_names, *function.__code__.co_freevars]
        if any(is_data(read(n)) for n in names):
            raise _Unliftable("it reads values from outside the function (globals, closures)")
        return function.__code__, []
    module = ast.parse("".join(lines), filename)
    factory = module.body[0]  # `def _s2s_factory(<free names>): def f_grad(...): ...`
    inner = next(
        n for n in factory.body if isinstance(n, ast.FunctionDef) and n.name == function.__name__
    )
    if numpy is not None and helpers is not None:
        direction_sums(inner, numpy, helpers)  # (before fusing: it reads whole calls)
    if numpy is not None:
        fused(inner, numpy)
    lifted = free_data_names(inner, function)
    take_as_parameters(inner, lifted)
    factory_code = next(
        c for c in compile(module, filename, "exec").co_consts if isinstance(c, types.CodeType)
    )
    code = next(
        c
        for c in factory_code.co_consts
        if isinstance(c, types.CodeType) and c.co_name == function.__name__
    )
    return code, lifted


def _performance_warning() -> type[Warning]:
    from numba.core.errors import NumbaPerformanceWarning

    return NumbaPerformanceWarning


def _reason(exc: Exception, function: types.FunctionType) -> str:
    """Numba's message, shortened to what it could not compile and the generated line."""
    text = str(exc)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Numba colours its messages
    helper = re.search(r"module '[\w.]+' has no attribute '(\w+)'", text)
    if helper is not None:  # a helper without a Numba version (helpers.py)
        name = helper.group(1)
        return f"the helper `rt.{name}` has no Numba version" + _used_at(function, name)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    what = next(
        (ln for ln in lines if not ln.startswith(("Failed in", "No implementation", "During"))),
        lines[0] if lines else type(exc).__name__,
    )
    # the line of the generated code itself: Numba names a helper's line too, where the
    # helper's Numba version refused the types it was given
    generated = function.__code__.co_filename
    where = next(
        (m for m in re.finditer(r'File "([^"]+)", line (\d+)', text) if m.group(1) == generated),
        None,
    )
    if where is None:
        return what
    number = int(where.group(2))
    source = _line_of(where.group(1), number)
    # the generated code is compiled inside a factory (codegen/compile.py): one line above it
    return f"{what} (line {number - 1} of the generated code: `{source}`)"


def _used_at(function: types.FunctionType, name: str) -> str:
    """Where the generated code of `function` first calls `rt.name`, as `_reason` says it."""
    filename = function.__code__.co_filename
    for number, text in enumerate(linecache.getlines(filename), start=1):  # as `_reason`
        if f"rt.{name}(" in text:
            return f" (line {number - 1} of the generated code: `{text.strip()}`)"
    return ""


def _line_of(filename: str, line: int) -> str:
    return linecache.getline(filename, line).strip()
