"""Values the derivative code reads from outside become arguments of the compiled code.

Numba freezes a global or a closed-over value it reads at compile time; the NumPy code reads
it on every call. So a derivative compiled once would keep using a module constant the user
rebinds later (`RATE = 2.0`), or an array updated in place (`WEIGHTS[:] = ...`): a silently
wrong number. Here the generated function's reads of free names bound to data (numbers,
arrays, tuples: anything but modules, functions and classes) become leading parameters, and
every call passes their current values (Numba compiles again only when a type changes).

Before (generated code, `RATE` a module float, `W` a module array):

    def f_grad(x, y_bar=1.0):
        _t2 = RATE * _t1
        _t3 = W[0]

After (what Numba compiles; called as `f_grad(RATE_now, W_now, x)`):

    def f_grad(RATE, W, x, y_bar=1.0):
        _t2 = RATE * _t1
        _t3 = W[0]
"""

from __future__ import annotations

import ast
import builtins
import types
from collections.abc import Callable


def free_data_names(inner: ast.FunctionDef, function: types.FunctionType) -> list[str]:
    """The names `inner` (the source of `function`) reads but neither binds nor takes as
    parameters, whose current value is data; in the order first read."""
    bound = {a.arg for a in (*inner.args.posonlyargs, *inner.args.args, *inner.args.kwonlyargs)}
    bound |= {a.arg for a in (inner.args.vararg, inner.args.kwarg) if a is not None}
    loads: list[str] = []
    for node in ast.walk(inner):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                if node.id not in loads:
                    loads.append(node.id)
            else:
                bound.add(node.id)
    reader = value_reader(function)
    return [n for n in loads if n not in bound and is_data(reader(n))]


def take_as_parameters(inner: ast.FunctionDef, names: list[str]) -> None:
    """Make `names` the leading positional parameters of `inner` (in place)."""
    line = inner.lineno  # a parameter needs a place; the def line keeps numbers right
    inner.args.args[:0] = [
        ast.arg(arg=n, lineno=line, col_offset=0, end_lineno=line, end_col_offset=0) for n in names
    ]


def value_reader(function: types.FunctionType) -> Callable[[str], object]:
    """name → the value `function` reads by that free name now (its closure's cell, else its
    module's global, else the builtin); `_MISSING` when none binds it."""
    cells = dict(zip(function.__code__.co_freevars, function.__closure__ or (), strict=True))
    globals_ = function.__globals__

    def read(name: str) -> object:
        if name in cells:
            try:
                return cells[name].cell_contents
            except ValueError:  # an empty cell
                return _MISSING
        if name in globals_:
            return globals_[name]
        return getattr(builtins, name, _MISSING)

    return read


def is_data(value: object) -> bool:
    if value is _MISSING or value is None:
        return False
    return not isinstance(value, types.ModuleType) and not callable(value)


_MISSING = object()
