"""`s2s-ad export`: a derivative as a standalone module that needs only NumPy.

The generated code reaches everything by name: NumPy and `math` (through their aliases),
the runtime helpers it calls as `rt.…`, its callees' derivatives, and the user's module
globals (constants, helper functions). The module written here defines each of them:
imports for modules, literals for numbers and small arrays, the source of the user's
helper functions and of the callees' derivatives, and the runtime helpers it calls
(copied with the helpers they call in turn). What cannot be written that way (an object
without source, a large array) is refused with a clear error.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import sys
import textwrap
import types

import numpy as np

from . import runtime
from .errors import S2SError
from .frontend.library import is_library_function, library_import

HEADER = '''"""{title}

Written by `s2s-ad export` from {origin}; it needs only NumPy (s2s_ad is not imported).
"""

import math
import types

import numpy as np
'''
MAX_ARRAY = 10_000  # elements of a global array written out as a literal


class ExportError(S2SError):
    """Something the derivative refers to cannot be written into a standalone module."""


def export_source(fn: types.FunctionType, derivative) -> str:
    """The standalone module's source for the compiled `derivative` of `fn`."""
    writer = _Writer()
    writer.function(derivative.function, derivative.source)
    title = f"The derivative `{derivative.function.__name__}` of `{fn.__qualname__}`."
    origin = f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"
    return HEADER.format(title=title, origin=origin) + writer.body()


class _Writer:
    def __init__(self) -> None:
        self.definitions: dict[str, str] = {}  # name → source defining it, in order
        self.objects: dict[str, object] = {"np": np, "math": math, "types": types}
        self.runtime: dict[str, str] = {}  # helper name → its source
        self.aliases: list[str] = []  # names the code calls the runtime by

    def body(self) -> str:
        parts = []
        if self.runtime:
            parts.append("# the s2s_ad runtime helpers the code calls, copied")
            parts += [source.strip("\n") for source in self.runtime.values()]
            helpers = "".join(f"    {n}={n},\n" for n in self.runtime if not n.startswith("_"))
            parts += [f"{alias} = types.SimpleNamespace(\n{helpers})" for alias in self.aliases]
        parts += self.definitions.values()
        return "\n\n" + "\n\n\n".join(parts) + "\n"

    def function(self, compiled: types.FunctionType, source: str, called: str = "") -> None:
        """Define `compiled` (generated code, with `source`) and everything it reads, by the
        name `called` it is called by (two derivatives of one helper, made for other
        arguments, are both `cell_vjp`, called `cell_vjp` and `cell_vjp_1`), else its own."""
        renamed = {}
        for name in _free_names(source):
            obj = _resolve(compiled, name)
            if obj is runtime:
                self.runtime_alias(name, source)
                continue
            if name in self.objects and self.objects[name] is not obj and obj is not _UNBOUND:
                # (each generated function names its callees in its own closure: two of
                # them may give one name to two derivatives of a helper)
                renamed[name] = self._unused(name)
            self.name(renamed.get(name, name), obj)
        if renamed:
            source = _renamed(source, renamed)
        own, called = compiled.__name__, called or compiled.__name__
        if called != own:  # (its `def` line names it: generated code starts with it)
            source = source.replace(f"def {own}(", f"def {called}(", 1)
        self.define(called, compiled, source)

    def _unused(self, name: str) -> str:
        """`name` with the first suffix no definition of the module has."""
        k = 1
        while f"{name}_{k}" in self.objects or f"{name}_{k}" in self.definitions:
            k += 1
        return f"{name}_{k}"

    def runtime_alias(self, alias: str, source: str) -> None:
        """The runtime, called `alias` in `source`: the helpers `source` calls through it."""
        if alias not in self.aliases:
            self.aliases.append(alias)
        for helper in _attributes_of(alias, source):
            self.helper(helper)

    def define(self, name: str, obj: object, source: str) -> None:
        if name in self.objects:
            if self.objects[name] is obj:
                return
            raise ExportError(
                f"cannot export: the name `{name}` means two things in the code to export",
                hint="rename one of them in your module",
            )
        self.objects[name] = obj
        self.definitions[name] = source.strip("\n")

    def name(self, name: str, obj: object) -> None:
        """Define `name`, bound to `obj`."""
        if obj is _UNBOUND or (name in self.objects and self.objects[name] is obj):
            return
        if isinstance(obj, types.ModuleType):
            line = f"import {obj.__name__}"
            line += f" as {name}" if name != obj.__name__.split(".")[0] else ""
            self.define(name, obj, line)
        elif _is_generated(obj):  # a callee's derivative, defined by the name it is called
            defined = [known for known, held in self.objects.items() if held is obj]
            if defined:  # (by another callee, by another name)
                self.define(name, obj, f"{name} = {defined[0]}")
            else:
                self.function(obj, _dedented(inspect.getsource(obj)), name)
        elif _numpy_name(obj) is not None:
            self.define(name, obj, f"{name} = {_numpy_name(obj)}")
        elif inspect.isfunction(obj) and is_library_function(obj):
            self.define(name, obj, library_import(name, obj))  # its source is never copied
        elif inspect.isfunction(obj):
            self.user_function(name, obj)
        else:
            self.define(name, obj, f"{name} = {_literal(name, obj)}")

    def user_function(self, name: str, fn: types.FunctionType) -> None:
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):
            raise ExportError(
                f"cannot export `{name}`: its source cannot be read", hint="define it in a file"
            ) from None
        if fn.__name__ != name or fn.__closure__ or source.lstrip().startswith("lambda"):
            raise ExportError(
                f"cannot export `{name}`: only module-level functions defined with `def` are "
                "copied",
                hint="define it at module level with `def`",
            )
        for free in _free_names(source):
            self.name(free, _resolve(fn, free))
        self.define(name, fn, _dedented(source))

    def helper(self, name: str, obj: object = None) -> None:
        """Copy the runtime helper `name` (`obj`), and the helpers and names it uses."""
        if name in self.runtime:
            return
        obj = obj if obj is not None else getattr(runtime, name)
        module = sys.modules[obj.__module__]
        for base in (*obj.__bases__, type(obj)) if isinstance(obj, type) else ():
            if base.__module__.startswith("s2s_ad.runtime"):  # a class's bases and metaclass
                self.helper(base.__name__, base)  # come first
        self.runtime[name] = ""  # placed before what it uses is copied: no cycles
        for free in _free_names(inspect.getsource(obj)):
            value = module.__dict__.get(free, _UNBOUND)
            if value is S2SError:
                self.define("S2SError", S2SError, _ERROR_STUB)
            elif getattr(value, "__module__", "").startswith("s2s_ad.runtime"):
                self.helper(free, value)
            elif isinstance(value, types.ModuleType):
                self.define(free, value, f"import {value.__name__}")
            elif _builtin_types(value):  # `SEQUENCES = (list, tuple)`
                self.define(free, value, f"{free} = ({', '.join(t.__name__ for t in value)},)")
        self.runtime[name] = _dedented(inspect.getsource(obj))


def _builtin_types(value: object) -> bool:
    """A tuple of builtin types (a runtime module's constant for `isinstance`)."""
    return isinstance(value, tuple) and all(
        isinstance(t, type) and t.__module__ == "builtins" for t in value
    )


_UNBOUND = object()
_ERROR_STUB = '''class S2SError(ValueError):
    """An error the derivative code raises (s2s_ad's runtime, copied)."""

    def __init__(self, message, *, hint="", **_):
        super().__init__(f"{message}; {hint}" if hint else message)'''


def _is_generated(obj: object) -> bool:
    return inspect.isfunction(obj) and obj.__code__.co_filename.startswith("<s2s_ad ")


def _resolve(fn: types.FunctionType, name: str) -> object:
    """What `name` means inside `fn`: a cell of its closure, a global, or a builtin."""
    cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True))
    if name in cells:
        return cells[name].cell_contents
    if name in fn.__globals__:
        return fn.__globals__[name]
    return _UNBOUND  # a builtin: nothing to define


def _free_names(source: str) -> list[str]:
    """Names `source` reads but never binds (globals, closure variables), in order."""
    tree = ast.parse(_dedented(source))
    bound, loads = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.append(node.id)
            else:
                bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
    return list(dict.fromkeys(n for n in loads if n not in bound))


def _renamed(source: str, names: dict[str, str]) -> str:
    """`source` reading each of `names` by its new name (not attributes of that name, nor
    longer names it begins: `x.cell_vjp`, `cell_vjp_1` stay)."""
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?!\w)")
    return pattern.sub(lambda m: names[m.group(1)], source)


def _attributes_of(name: str, source: str) -> list[str]:
    """The attributes `source` reads from the name `name` (`rt.unbroadcast` → unbroadcast)."""
    found = {
        node.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    }
    return sorted(found)


def _numpy_name(obj: object) -> str | None:
    """`np.tanh` for NumPy's tanh (a global bound to a NumPy function), else None."""
    name = getattr(obj, "__name__", None)
    for prefix, module in (("np", np), ("np.linalg", np.linalg), ("math", math)):
        if name and getattr(module, name, None) is obj:
            return f"{prefix}.{name}"
    return None


def _literal(name: str, value: object) -> str:
    """Source that makes `value` again: numbers, strings, tuples, lists, small arrays."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"  # repr gives nan / inf, which are not names
    if value is None or isinstance(value, (bool, int, float, complex, str)):
        return repr(value)
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({_literal(name, value.item())})"
    if isinstance(value, (tuple, list)):
        items = ", ".join(_literal(name, v) for v in value)
        return f"({items},)" if isinstance(value, tuple) else f"[{items}]"
    if isinstance(value, np.ndarray) and value.size <= MAX_ARRAY:
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    raise ExportError(
        f"cannot export the global `{name}` ({type(value).__name__}): only numbers, strings, "
        f"tuples, lists and arrays of up to {MAX_ARRAY:,} elements are written out",
        hint="pass it to the function as an argument instead",
    )


def _dedented(source: str) -> str:
    return textwrap.dedent(source)
