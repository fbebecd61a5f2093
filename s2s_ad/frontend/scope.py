"""Where the free names of a user function live: its closure, its module's globals, builtins."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from types import FunctionType

_MISSING = object()


@dataclass
class Scope:
    """Looks up free names the way Python would when the function runs."""

    globals: dict
    closure: dict[str, object]

    @classmethod
    def of(cls, fn: FunctionType) -> Scope:
        cells = fn.__closure__ or ()
        return cls(fn.__globals__, dict(zip(fn.__code__.co_freevars, cells, strict=True)))

    def lookup(self, name: str) -> object:
        """The value bound to the free name `name`, or `_MISSING`."""
        if name in self.closure:
            try:
                return self.closure[name].cell_contents
            except ValueError:  # an empty cell: the enclosing variable is not yet assigned
                return _MISSING
        if name in self.globals:
            return self.globals[name]
        return getattr(builtins, name, _MISSING)

    def resolve(self, dotted: list[str]) -> object:
        """The object a chain like `np.linalg.norm` names, or `_MISSING`."""
        obj = self.lookup(dotted[0])
        for attr in dotted[1:]:
            if obj is _MISSING:
                break
            obj = getattr(obj, attr, _MISSING)
        return obj


def is_missing(obj: object) -> bool:
    return obj is _MISSING
