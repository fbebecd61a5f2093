"""Where the free names of a user function live: its closure, its module's globals, builtins."""

from __future__ import annotations

import builtins
import functools
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FunctionType, MappingProxyType, ModuleType

from .library import is_library_file, is_library_function

_MISSING = object()


@dataclass
class Scope:
    """Looks up free names the way Python would when the function runs, and remembers the
    functions and modules it found: a derivative depends on them (`is_current`)."""

    globals: dict
    closure: dict[str, object]
    reads: dict[str, object] = field(default_factory=dict)
    # what derivative code the function calls depends on (`grad(g)(x)` inside: g's method
    # redefined since makes that code, and so this function's derivatives, out of date)
    derived: list = field(default_factory=list)

    @classmethod
    def of(cls, fn: FunctionType) -> Scope:
        cells = fn.__closure__ or ()
        return cls(fn.__globals__, dict(zip(fn.__code__.co_freevars, cells, strict=True)))

    def lookup(self, name: str) -> object:
        """The value bound to the free name `name`, or `_MISSING`."""
        value = self._lookup(name)
        if callable(value) or isinstance(value, ModuleType):
            self.reads[name] = value
            self.watch_defaults(value)
        return value

    def _lookup(self, name: str) -> object:
        if name in self.closure:
            try:
                return self.closure[name].cell_contents
            except ValueError:  # an empty cell: the enclosing variable is not yet assigned
                return _MISSING
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, _MISSING)

    def watch(self, holder: object, key: object, value: object) -> None:
        """Depend on `holder[key]` (an object's or a class's `__dict__`, a dict, a list)
        still being `value`: a method or a function held in an object, resolved when the
        derivative was made (ssa/callable_values.py)."""
        self.reads[("item", id(holder), key)] = (holder, value)
        self.watch_defaults(getattr(value, "__func__", value))  # (a staticmethod's too)

    def dependencies(self) -> list[tuple[Scope, str, object]]:
        found = []
        for name, value in self.reads.items():
            if isinstance(name, tuple):  # `watch`'s: the holder looked up as globals are
                holder, value = value
                # dicts and defaults checked directly (`is_current` runs on every call)
                direct = (dict, MappingProxyType, _Defaults, _ClassOf, _MroOf, _SubclassesOf)
                view = holder if isinstance(holder, direct) else None
                view = view if view is not None else _Items(holder)
                found.append((Scope(view, {}), name[2], value))
            else:
                found.append((self, name, value))
        return found + self.derived

    def resolve(self, dotted: list[str]) -> object:
        """The object a chain like `np.linalg.norm` names, or `_MISSING`."""
        obj = self.lookup(dotted[0])
        for attr in dotted[1:]:
            if obj is _MISSING:
                break
            holder, obj = obj, getattr(obj, attr, _MISSING)
            self._watch_attribute(holder, attr, obj)
        return obj

    def _watch_attribute(self, holder: object, attr: str, value: object) -> None:
        """`cfg.act`, `Cfg.act`, `nets.acts` of the user's modules and classes: rebinding one
        later makes the derivative stale, as rebinding a global does (functions and modules,
        as `lookup` watches; numbers and arrays are read live when the derivative runs)."""
        if not (callable(value) or isinstance(value, ModuleType)):
            return
        if isinstance(holder, (type, ModuleType)):
            if not _is_users(holder):
                return
            entries = vars(holder)  # (a class's: a new mapping proxy each time; by the class)
            if attr in entries:  # the raw entry (a staticmethod); an inherited one: not watched
                self.reads[("item", id(holder), attr)] = (entries, entries[attr])
        else:  # an object of the user's class: its own entry, perhaps none yet (`cfg.act =
            # np.sin` later shadows the class's), and the class's, which it reads till then;
            # any object's own entry, which the user set (a `types.SimpleNamespace`'s)
            entries = getattr(holder, "__dict__", None)
            own = isinstance(entries, dict) and attr in entries
            if not own and not _is_users(holder):
                return
            if isinstance(entries, dict):
                self.reads[("item", id(holder), attr)] = (entries, entries.get(attr, value))
                if attr not in entries:
                    self.watch_class(holder)
                    self._watch_class_entry(type(holder), attr)
        self.watch_defaults(value)

    def watch_class(self, obj: object) -> None:
        """Depend on the user object `obj` still being of its class: its methods and class
        attributes were looked up there (`obj.__class__ = Other` later makes a new
        derivative, as redefining a method does)."""
        if not isinstance(obj, type) and _is_users(obj):
            holder = _ClassOf(obj)
            for key in _CLASS_FACTS:
                self.reads[("item", id(obj), key)] = (holder, holder.get(key, None))

    def watch_mro(self, cls: type) -> None:
        """Depend on the MRO of the user's class `cls` (a new tuple where `Cls.__bases__ = …`
        later): where the methods, `__init__` and special methods of the objects the
        function makes of it were looked up (ssa/records.py)."""
        holder = _MroOf(cls)
        self.reads[("item", id(cls), "__mro__")] = (holder, cls.__mro__)

    def watch_subclasses(self, cls: type) -> None:
        """Depend on the classes derived from `cls` being those there are now (`super()`
        resolved by `cls` alone: ssa/super_calls.py; a class derived since may place
        another base after it)."""
        holder = _SubclassesOf(cls)
        self.reads[("item", id(cls), "__subclasses__")] = (holder, holder.now)

    def _watch_class_entry(self, cls: type, attr: str) -> None:
        """The entry of the class that defines `attr` for objects of `cls`."""
        self.watch_lookup(cls.__mro__, attr)

    def watch_lookup(self, classes: tuple, attr: str) -> object:
        """What `attr` names in the first of `classes` (an MRO, or its part after a class)
        defining it, returned; that entry watched, and its absence from the user's classes
        before it (`A.forward = …` later, where `A` inherited it, makes a new derivative).
        `_MISSING` where none defines it."""
        for owner in classes:
            entries = vars(owner)
            found = entries.get(attr, _MISSING)
            if _is_users(owner) or found is not _MISSING:
                self.watch(entries, attr, found)
            if found is not _MISSING:
                return found
        return _MISSING

    def watch_defaults(self, value: object) -> None:
        """A helper of the user's: its code and defaults too (`helper.__defaults__ = …`,
        `helper.__code__ = …` change what a call of it computes); once per helper, however
        many calls read it."""
        if not isinstance(value, FunctionType) or ("item", id(value), "__defaults__") in self.reads:
            return
        if not is_library_function(value):
            defaults = _Defaults(value)
            for key in MADE_FROM:
                self.reads[("item", id(value), key)] = (defaults, getattr(value, key))

    def watch_made_from(self, fn: FunctionType, as_made: dict[str, object]) -> None:
        """Code generated from `fn` (its flat gradient code): `fn`'s code and defaults as
        they were when it was made (`as_made`), so that where they change since, that code
        and every derivative of it are out of date."""
        holder = _Defaults(fn)
        for key, value in as_made.items():
            self.reads[("made from", id(fn), key)] = (holder, value)


class _ClassOf:
    """An object's class and its MRO seen as `_Items` sees a dict: `holder.get("__class__",
    …)`; the MRO (a new tuple where `Cls.__bases__ = …`)."""

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __contains__(self, key: object) -> bool:
        return key in _CLASS_FACTS

    def get(self, key: str, default: object) -> object:
        if key == "__class__":
            return type(self.obj)
        return type(self.obj).__mro__ if key == "__mro__" else default


_CLASS_FACTS = ("__class__", "__mro__")


class _MroOf:
    """A class's MRO seen as `_Items` sees a dict: `holder.get("__mro__", …)`."""

    def __init__(self, cls: type) -> None:
        self.cls = cls

    def __contains__(self, key: object) -> bool:
        return key == "__mro__"

    def get(self, key: str, default: object) -> object:
        return self.cls.__mro__ if key == "__mro__" else default


class _SubclassesOf:
    """The classes derived from a class, seen as `_Items` sees a dict: the set found when
    watched, as the same object while they are the same."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.now = derived_classes(cls)

    def __contains__(self, key: object) -> bool:
        return key == "__subclasses__"

    def get(self, key: str, default: object) -> object:
        found = derived_classes(self.cls)
        return self.now if found == self.now else found


def derived_classes(cls: type) -> frozenset[type]:
    """Every class derived from `cls` now, at any depth."""
    found, pending = set(), [cls]
    while pending:
        for derived in type.__subclasses__(pending.pop()):
            if derived not in found:
                found.add(derived)
                pending.append(derived)
    return frozenset(found)


class _Defaults:
    """A function's defaults (and code) seen as `_Items` sees a dict:
    `holder["__defaults__"]`. The function by a weak reference: the caches holding this
    check are keyed weakly by it."""

    def __init__(self, fn: FunctionType) -> None:
        self.fn = weakref.ref(fn)

    def __contains__(self, key: object) -> bool:
        return key in MADE_FROM

    def __getitem__(self, key: str) -> object:
        fn = self.fn()
        return _MISSING if fn is None else getattr(fn, key)


MADE_FROM = ("__code__", "__defaults__", "__kwdefaults__")  # what a function's code follows


def made_from(fn: FunctionType) -> dict[str, object]:
    """`fn`'s code and defaults now, for `Scope.watch_made_from`."""
    return {key: getattr(fn, key) for key in MADE_FROM}


def still_made_from(fn: FunctionType, as_made: dict[str, object]) -> bool:
    """Whether `fn`'s code and defaults are those `made_from` found (the same objects)."""
    return all(getattr(fn, key) is value for key, value in as_made.items())


def _is_users(holder: object) -> bool:
    """Whether `holder` is a module or class of the user's, or an object of such a class, not
    of a library."""
    if not isinstance(holder, (type, ModuleType)):
        holder = type(holder)
    if isinstance(holder, type):
        cls, holder = holder, sys.modules.get(holder.__module__)
        if holder is None or (
            holder is builtins and getattr(builtins, cls.__name__, None) is not cls
        ):
            # a module loaded from its path, or code `exec` ran (without `__name__`, its
            # classes' module is "builtins"): no library's
            return isinstance(cls.__module__, str)
    if not isinstance(holder, ModuleType):
        return False
    path = getattr(holder, "__file__", None)
    return isinstance(path, str) and not _is_library_path(path)


@functools.lru_cache(maxsize=1024)
def _is_library_path(path: str) -> bool:
    return is_library_file(path)


class _Items:
    """A dict, a mapping proxy or a list seen as `is_current` sees globals (`get`, `in`)."""

    def __init__(self, holder: object) -> None:
        self.holder = holder

    def get(self, key: object, default: object) -> object:
        return self.holder[key] if key in self else default

    def __contains__(self, key: object) -> bool:
        if isinstance(self.holder, (list, tuple)):
            return isinstance(key, int) and -len(self.holder) <= key < len(self.holder)
        return key in self.holder


def is_missing(obj: object) -> bool:
    return obj is _MISSING


def is_current(
    dependencies: list[tuple[Scope, str, object]] | tuple, same: tuple = ()
) -> Callable[[], bool]:
    """A check, cheap enough for every call, that each free name a derivative was made for
    (a helper function, a module, a function given a rule) still names the same object.

    Compiled to one expression: `_g0.get('helper', _b0) is _o0 and _c1.cell_contents is
    _o1 …` (a builtin's default is itself, so a global shadowing it later is a change).
    `same`: more facts checked first, each `(holder, key, value)`: `holder.key is value`
    for a string key (a user function's `__code__`), `holder[key] == value` for an int (the
    pipeline's generation count), so that an API's per-call fast path asks one function.
    """
    terms, bindings, seen = [], {}, set()
    held = {}  # id(an object `same` holds) → its name in the check
    for k, (holder, key, value) in enumerate(same):
        bindings[f"_h{k}"], bindings[f"_v{k}"] = holder, value
        terms.append(f"_h{k}.{key} is _v{k}" if type(key) is str else f"_h{k}[{key}] == _v{k}")
        held[id(holder)] = f"_h{k}"
    for scope, name, value in dependencies:
        cell = scope.closure.get(name)
        where = id(cell) if cell is not None else (id(scope.globals), name)
        if where in seen:
            continue
        seen.add(where)
        k = len(terms)
        bindings[f"_o{k}"] = value
        fn = scope.globals.fn() if isinstance(scope.globals, _Defaults) else None
        if id(fn) in held:  # the defaults of a function `same` holds anyway: read directly
            terms.append(f"{held[id(fn)]}.{name} is _o{k}")
        elif isinstance(scope.globals, _Defaults):  # `fn.__defaults__`, `fn` held weakly
            bindings[f"_w{k}"], bindings[f"_b{k}"] = scope.globals.fn, _MISSING
            terms.append(f"getattr(_w{k}(), {name!r}, _b{k}) is _o{k}")
        elif cell is not None:
            bindings[f"_c{k}"] = cell
            terms.append(f"_c{k}.cell_contents is _o{k}")
        else:
            bindings[f"_g{k}"] = scope.globals
            bindings[f"_b{k}"] = _MISSING if name in scope.globals else value
            terms.append(f"_g{k}.get({name!r}, _b{k}) is _o{k}")
    if not terms:
        return always_current
    source = (
        "def is_current():\n    try:\n        return " + " and ".join(terms) + "\n"
        "    except ValueError:  # a closure's cell was emptied\n        return False\n"
    )
    namespace = dict(bindings)
    exec(_compiled_check(source), namespace)
    return namespace["is_current"]


@functools.lru_cache(maxsize=1024)
def _compiled_check(source: str) -> CodeType:
    """The code of a check's source: its text names only the bindings' keys and the free
    names, so functions with the same dependencies share it (compiled once, not three
    times per transformation)."""
    return compile(source, "<s2s_ad dependencies>", "exec")


def always_current() -> bool:
    return True
