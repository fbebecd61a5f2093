"""Objects as values of generated code: the attributes a record holds, and the tangent or
adjoint of a NamedTuple, a dataclass or a user object (`DerivativeRecord`).

    p = Params(w=W, b=0.5)        p_bar = DerivativeRecord({"w": W_bar, "b": 1.5})
    p.w                           p_bar.w, p_bar["w"]
"""

from __future__ import annotations

import dataclasses
import types

from .core import DerivativeDict

_NOT_RECORDS = (
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
)


def record_fields(value: object) -> tuple | None:
    """The attribute names of a record (None if `value` is not one): a dataclass's fields,
    else the instance attributes of a user class (its `__dict__`; `__slots__` classes have
    none). NamedTuples are tuples (`pytrees.node`)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(f.name for f in dataclasses.fields(value))
    if isinstance(value, _NOT_RECORDS) or type(value).__module__ in ("builtins", "numpy"):
        return None
    attributes = getattr(value, "__dict__", None)
    if not isinstance(attributes, dict) or (callable(value) and not attributes):
        return None
    return tuple(attributes)


class DerivativeRecord(DerivativeDict):
    """The tangent or adjoint of a record: one per attribute, read as `d.w` or `d["w"]`,
    added attribute by attribute; a missing attribute is zero."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __add__(self, other):
        return DerivativeRecord(DerivativeDict.__add__(self, other))

    __radd__ = __add__

    def __neg__(self):
        return DerivativeRecord(DerivativeDict.__neg__(self))

    def copy(self):
        out = DerivativeRecord(self)
        if hasattr(self, "directions"):
            out.directions = self.directions
        return out
