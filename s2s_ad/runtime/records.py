"""Objects as values of generated code: the attributes a record holds, and the tangent or
adjoint of a NamedTuple, a dataclass or a user object (`DerivativeRecord`).

    p = Params(w=W, b=0.5)        p_bar = DerivativeRecord({"w": W_bar, "b": 1.5})
    p.w                           p_bar.w, p_bar["w"]

Reading an attribute (`getattr`, written `p.w`) and building a record (`new_record`,
`new_object`) are primitives of generated code; `attribute_jvp` / `attribute_vjp` and
`record_jvp` / `record_vjp` move derivatives through them (their rules: rules/records.py).
A NamedTuple's derivative is positional (`Derivatives`, as a tuple's); the derivative of a
dataclass or an object is a `DerivativeRecord`. A scalar `0.0` is a zero of either.
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np

from .core import DerivativeRecord, Derivatives, _is_zero, record_fields, zeros_like
from .sequences import _refuse

__all__ = [  # record_fields and DerivativeRecord live in core.py (zeros_like makes records')
    *("DerivativeRecord", "record_fields", "attribute_jvp", "attribute_vjp"),
    *("new_record", "new_object", "record_jvp", "record_vjp"),
    *("replaced", "without_fields", "fields_jvp", "fields_vjp", "reflected_operand"),
    *("followed_operand", "right_operand", "implemented"),
]


def _field_index(x, name):
    """The position of the stored attribute `name` in a NamedTuple `x`; None for others."""
    fields = getattr(type(x), "_fields", None) if isinstance(x, tuple) else None
    return fields.index(name) if fields is not None and name in fields else None


def _stored(x, name):
    """Whether `x.name` is stored in the record `x` (True) or is a plain class attribute,
    held fixed (False). Refused, where a derivative flows through `x.name`: an array's own
    attributes (`a.real`, `a.flat`) and attributes a class computes (properties), whose
    derivative would be lost."""
    kind = type(x)
    if isinstance(x, np.ndarray) or (hasattr(kind, "__array_function__") and hasattr(x, "dtype")):
        if _holds_no_derivative(getattr(x, name)):  # `a.nbytes`, `a.itemsize`, `a.flags`
            return False
        raise _refuse(
            f"attribute `.{name}` of an array (the supported ones are T, shape, ndim, size, dtype)",
            "call the NumPy function instead (`np.real(a)`), or read a record's attribute",
        )
    named = isinstance(x, tuple) and hasattr(kind, "_fields")
    fields = kind._fields if named else record_fields(x)
    if fields is None:
        raise _refuse(
            f"attribute `.{name}` of {kind.__name__!r} value where a derivative flows",
            "read attributes of NamedTuples, dataclasses and objects of your own classes",
        )
    if name in fields and (named or not _is_computed(kind, name)):
        return True
    if name not in fields and hasattr(kind, name) and not _is_computed(kind, name):
        return False
    raise _refuse(
        f"attribute `.{name}` of an object of class `{kind.__name__}`, which its class "
        "computes (a property or a method) rather than stores: its derivative is not known",
        f"compute it in the differentiated function from the stored attributes of {kind.__name__}",
    )


def _holds_no_derivative(value):
    """Integers, flags, strings and dtypes: values through which no derivative flows."""
    if isinstance(value, (tuple, list)):
        return all(_holds_no_derivative(v) for v in value)
    return isinstance(value, (int, bool, str, bytes, np.integer, np.bool_, np.dtype))


def _is_computed(kind, name):
    """Whether the class computes `name` (a property, a method) rather than holding a value."""
    for klass in kind.__mro__:
        if name in klass.__dict__:
            found = klass.__dict__[name]
            if isinstance(found, types.MemberDescriptorType):  # a slot (`__slots__`): stored
                return False
            return hasattr(found, "__get__") or callable(found)
    return False


def attribute_jvp(g, x, name, like=None, batched=False):
    """The tangent of `x.name` from the tangent `g` of the record `x` (`batched`: with a
    leading axis of directions); `like` is the attribute's value."""
    stored = _stored(x, name)
    like = getattr(x, name) if like is None else like
    if stored and _field_index(x, name) is not None and not _is_zero(g):
        return g[_field_index(x, name)]  # a NamedTuple's: by position
    if stored and isinstance(g, dict) and name in g:
        return g[name]
    if stored and not _is_zero(g) and not isinstance(g, (dict, list, tuple)):
        return getattr(g, name)  # a tangent of the user's own class, given to `jvp`
    # a zero: a class attribute (held fixed), an attribute missing from `g`, or `g` zero
    return _record_zeros(like, _seed(g), batched and _seed(g) is not None)


def _found_seed(found, g):
    """What tells the count of directions of the record derivative `g` with attributes
    `found`: an attribute, or `g` itself when it has none left but remembers its count."""
    seed = next(iter(found.values()), None)
    return _seed(g) if seed is None and isinstance(g, dict) else seed


def _seed(g):
    """`g` where it tells its count of directions (`directions_count`), else None."""
    if isinstance(g, (dict, list, tuple)):
        return g if len(g) or hasattr(g, "directions") else None
    return None if _is_zero(g) else g


def attribute_vjp(g, x, name, batched=False):
    """The cotangent of the record `x` in `x.name`: `g` at that attribute, zero elsewhere
    (`batched`: `g` has a leading axis of directions, and so do the zeros)."""
    if not _stored(x, name):  # a class attribute, or an array's integer attribute: fixed
        return _record_zeros(x, g, batched)
    if isinstance(x, tuple):  # a NamedTuple: positional
        out = _record_zeros(x, g, batched)
        index = _field_index(x, name)
        out[index] = out[index] + g
        return out
    out = DerivativeRecord({name: g})
    if batched and _seed(g) is not None:  # kept when the attribute is taken out again
        from .directions import directions_count

        out.directions = directions_count(g)
    return out


def _record_zeros(x, seed, batched):
    """A zero derivative of `x`; with the directions of `seed` when `batched`."""
    if not batched:
        return zeros_like(x)
    from .directions import directions_zeros

    if isinstance(x, tuple) or not isinstance(zeros_like(x), dict):
        return directions_zeros(x, seed)
    return DerivativeRecord()  # a record's missing attributes are zero


def new_record(cls, names, items):
    """`cls(**{name: item})`: a NamedTuple or a dataclass built by its own constructor."""
    return cls(**dict(zip(names, items, strict=True)))


def new_object(cls, names, items):
    """An object of `cls` whose `__init__` only stores these attributes (the lowering checked
    it, `ssa/records.py`), or a derivative of a dataclass or object in the user's class
    (`pytrees.rebuild`): made without calling it, with the values it would store (set as
    `copy.copy` sets them, frozen dataclasses too)."""
    try:
        out = object.__new__(cls)
    except TypeError:  # a built-in's subclass or type (`types.SimpleNamespace`): its own
        out = cls.__new__(cls)
    for name, item in zip(names, items, strict=True):
        object.__setattr__(out, name, item)
    return out


def record_jvp(g, cls, names, record=None, batched=False):
    """The tangent of the record `record` built from items whose tangents are `g` (a list); an
    attribute `cls` filled in itself (a default) has none."""
    if _is_zero(g):
        return _record_zeros(record, g, False) if record is not None else 0.0
    if isinstance(cls, type) and issubclass(cls, tuple):  # a NamedTuple: by position
        fields = cls._fields
        seed = next(iter(g), None)
        out = Derivatives(
            0.0 if record is None else _record_zeros(getattr(record, f), seed, batched)
            for f in fields
        )
        for name, item in zip(names, g, strict=True):
            out[fields.index(name)] = item
    else:
        out = DerivativeRecord(zip(names, g, strict=True))
    if hasattr(g, "directions"):
        out.directions = g.directions
    return out


def record_vjp(g, cls, names, items=None, batched=False):
    """The cotangents of the `items` a record was built from, from the record's cotangent."""
    if not (_is_zero(g) or isinstance(g, (list, tuple, dict, cls))):
        raise _refuse(  # an array: read through an attribute named like an array's (`p.T`)
            f"an object of class `{cls.__name__}` whose derivative is {type(g).__name__!r}",
            "rename attributes named like an array's (T, shape, ndim, size, dtype)",
        )
    if isinstance(cls, type) and issubclass(cls, tuple) and not _is_zero(g):
        fields = cls._fields
        return Derivatives(g[fields.index(name)] for name in names)
    found = {} if _is_zero(g) else g if isinstance(g, dict) else vars(g)
    seed = _found_seed(found, g)
    out = Derivatives()
    for k, name in enumerate(names):
        if name in found:
            out.append(found[name])
        else:  # a missing attribute is zero
            item = 0.0 if items is None else items[k]  # (None: in derivatives of derivatives)
            out.append(_record_zeros(item, seed, batched and seed is not None))
    if hasattr(g, "directions"):
        out.directions = g.directions
    return out


def replaced(x, names, items):
    """`x._replace(**changes)` of a NamedTuple, `dataclasses.replace(x, **changes)` of a
    dataclass: a copy of the record `x` with the attributes `names` set to `items`."""
    changes = dict(zip(names, items, strict=True))
    if isinstance(x, tuple) and hasattr(type(x), "_fields"):
        return x._replace(**changes)
    if not dataclasses.is_dataclass(x) or hasattr(type(x), "__post_init__"):
        raise _refuse(
            f"a copy with new attributes of an object of class `{type(x).__name__}` (only "
            "NamedTuples and dataclasses without `__post_init__` are copied this way here)",
            f"build a new {type(x).__name__}(...) from its attributes",
        )
    return dataclasses.replace(x, **changes)


def without_fields(g, x, names, batched=False):
    """The derivative `g` of the record `x` with the attributes `names` zero: the part of
    `x`'s derivative that flows into `replaced(x, names, items)`, and back."""
    if _is_zero(g):
        return g
    if isinstance(x, tuple):
        out = Derivatives(g)
        for name in names:
            index = x._fields.index(name)
            out[index] = _record_zeros(x[index], next(iter(g)), batched)
        if hasattr(g, "directions"):
            out.directions = g.directions
        return out
    out = DerivativeRecord({key: item for key, item in _entries(g, x).items() if key not in names})
    if hasattr(g, "directions"):
        out.directions = g.directions
    return out


def _entries(g, x):
    """The attributes of a record's derivative `g` (a dict, or the user's own class)."""
    if isinstance(g, dict):
        return g
    return {name: getattr(g, name) for name in record_fields(x)}


def fields_jvp(g, x, names, batched=False):
    """The derivative of `replaced(x, names, items)` through the items (tangents `g`)."""
    if isinstance(x, tuple):
        seed = next(iter(g), None)
        out = _record_zeros(x, seed, batched)
        for name, item in zip(names, g, strict=True):
            out[x._fields.index(name)] = item
        return out
    out = DerivativeRecord(zip(names, g, strict=True))
    if hasattr(g, "directions"):
        out.directions = g.directions
    return out


def fields_vjp(g, x, names, items=None, batched=False):
    """The cotangents of the items in `replaced(x, names, items)`, from the copy's `g`."""
    if isinstance(x, tuple):
        return Derivatives(
            _record_zeros(x[x._fields.index(name)], None, False)
            if _is_zero(g)
            else g[x._fields.index(name)]
            for name in names
        )
    found = {} if _is_zero(g) else _entries(g, x)
    seed = _found_seed(found, g)
    out = Derivatives()
    for k, name in enumerate(names):
        item = 0.0 if items is None else items[k]
        out.append(
            found[name]
            if name in found
            else _record_zeros(item, seed, batched and seed is not None)
        )
    return out


def reflected_operand(x):
    """`x`, the left operand of `x * s` where `s` is an object of a user class with a
    reflected method (`s.__rmul__(x)`, which Python calls for a number, a NumPy scalar, a 0-d
    array or a list), after checking that it is not an array of one or more dimensions:
    NumPy would apply the operator to each of its elements, making an array of objects."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        raise _refuse(
            f"an operator of an array of shape {x.shape} on its left and an object of a user "
            "class on its right: NumPy applies it to each element of the array (an array of "
            "objects), which s2s_ad does not follow",
            "write the object first (`s * w`), so its own method gets the whole array",
        )
    return x


def followed_operand(x):
    """`x`, an operand of an operator whose derivative code follows no method of `x`'s class
    (ssa/object_operators.py), after checking that `x` is not an object of a class of yours:
    its `__add__`, `__neg__`, … would run, which the derivative does not follow (an object
    whose class the lowering could not tell, read out of a list of two classes, say)."""
    if _is_users_object(x):
        raise _refuse(
            f"an operator on an object of `{type(x).__name__}` whose class s2s_ad could not "
            "tell when it made the derivative (its operator methods are not followed)",
            "give the object a name where its class is known: made in the function, given "
            "to it, or read at a literal index of a list of one class",
        )
    return x


def implemented(result, method):
    """`result` of an operator method the derivative followed (`method`: `Meters.__add__`),
    after checking that it is not `NotImplemented`: Python would then call the other
    operand's reflected method, which the derivative does not follow (where the method's
    test of the other operand was decided when the derivative was made, it does)."""
    if result is NotImplemented:
        raise _refuse(
            f"`{method}` returned NotImplemented where s2s_ad could not tell when it made the "
            "derivative that it would (Python then calls the other operand's reflected method, "
            "which the derivative does not follow)",
            "give both operands names where their classes are known (made in the function or "
            "given to it), or call the method you mean: `b.__radd__(a)`",
        )
    return result


def right_operand(x, left, method):
    """`x`, the right operand of `left op x` where the derivative follows `type(left)`'s
    method, after checking that `x`'s class is not a subclass of it with its own reflected
    `method`, which Python calls first."""
    kind, cls = type(x), type(left)
    if kind is not cls and issubclass(kind, cls) and _overrides(kind, cls, method):
        raise _refuse(
            f"an operator whose right operand is of `{kind.__name__}`, a subclass of "
            f"`{cls.__name__}` with its own `{method}` (Python calls it first), where s2s_ad "
            f"followed `{cls.__name__}`'s method",
            f"keep objects of one class in the list, or call the method you mean: `b.{method}(a)`",
        )
    return x


def _overrides(kind: type, cls: type, method: str) -> bool:
    return getattr(kind, method, None) is not getattr(cls, method, None)


def _is_users_object(x) -> bool:
    """An object of a class of the user's (not a number, an array, a container, s2s_ad's)."""
    if isinstance(x, (np.ndarray, np.generic, dict, list, tuple, str, type)):
        return False
    kind = type(x)
    top = kind.__module__.split(".")[0]
    return hasattr(x, "__dict__") and top not in _LIBRARIES and not hasattr(x, "shape")


_LIBRARIES = ("builtins", "numpy", "scipy", "s2s_ad", "dask", "functools")
