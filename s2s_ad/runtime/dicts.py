"""Python dicts as values of differentiated code, and their tangents and cotangents.

The lowering writes a dict display `{'w': W, 'b': b}` as an empty dict and one `rt.setitem`
per entry (a new dict each time: the SSA form keeps every version), `d.values()` as
`rt.dict_values(d)`, `d.items()` as `rt.dict_items(d)`, `d.keys()` as `rt.dict_keys(d)`
and `d.get(k, v)` as `rt.dict_get(d, k, v)`. The tangent or cotangent of a dict is a
`DerivativeDict` (`core.py`) of the entries' tangents or cotangents; a missing entry is
zero, so a derivative never needs an entry for a key nothing flowed to. Before → after:
    `s = sum(d.values())`  →  `_t1 = rt.dict_values(d)`; adjoint `d_bar = rt.values_vjp(_t1_bar, d)`
"""

from __future__ import annotations

from .core import DerivativeDict, Derivatives, zeros_like
from .directions import directions_zeros


def make_dict():
    """`{}`: an empty dict, the start of a dict display."""
    return {}


def dict_keys(d):
    """`d.keys()` (and what `for k in d` iterates): the keys in a list (a value without
    the method raises what Python raises)."""
    return list(d.keys())


def dict_values(d):
    """`d.values()`: the values in a list, in the keys' order."""
    return list(d.values())


def dict_items(d):
    """`d.items()`: (key, value) pairs in a list, in the keys' order."""
    return list(d.items())


def copy_dict(d):
    """`dict(d)` / `d.copy()`: a new dict with the same entries (a derivative stays one)."""
    return d.copy() if isinstance(d, DerivativeDict) else dict(d)


def without_key(d, key):
    """`d` without the entry `key` (`d.pop(key)`, the entry read before), as a new dict; the
    same function drops a derivative's entry (a missing entry is zero)."""
    out = d.copy() if isinstance(d, DerivativeDict) else dict(d)
    out.pop(key, None)
    return out


def dict_get(d, key, default=None):
    """`d.get(key, default)`."""
    return d.get(key, default)


def entry(t, key, x=None, directions=False):
    """The derivative of the entry `key` in the derivative dict `t`: zero when missing (0.0,
    or, with `directions`, zeros shaped like `x[key]` for each direction `t` carries)."""
    if key in t:
        return t[key]
    if directions and t:
        return directions_zeros(x[key], next(iter(t.values())))
    return 0.0


def values_jvp(t, x, directions=False):
    """The tangent of `rt.dict_values(x)`, the tangent of `x` being `t` (`directions`: the
    vector mode's, with a leading axis of directions)."""
    return Derivatives(entry(t, key, x, directions) for key in x)


def values_vjp(g, x):
    """The cotangent of `x` in `rt.dict_values(x)`: each value's cotangent under its key."""
    return DerivativeDict(zip(x, g, strict=True))


def items_jvp(t, x, directions=False):
    """The tangent of `rt.dict_items(x)`: (0.0 for the key, the value's tangent) per entry
    (in vector mode, `directions`, the key's zero along each direction)."""
    key_dot = directions_zeros(0.0, t) if directions and t else 0.0
    return Derivatives(Derivatives([key_dot, entry(t, key, x, directions)]) for key in x)


def items_vjp(g, x):
    """The cotangent of `x` in `rt.dict_items(x)`: each pair's value cotangent under its key."""
    return DerivativeDict((key, pair[1]) for key, pair in zip(x, g, strict=True))


def get_jvp(t, x, key, ans=None, like=None):
    """The tangent of `x.get(key, default)` through `x`: the entry's, or zero when absent
    (given the result `ans`: the vector mode's, zeros with a leading axis of directions;
    `like`: the scalar mode's result, whose zero is a list's or dict's where it is one)."""
    if key in x:
        return entry(t, key, x, ans is not None)
    if ans is not None and (t or hasattr(t, "directions")):  # (an empty one: its count)
        return directions_zeros(ans, next(iter(t.values())) if t else t)
    like = ans if ans is not None else like
    # (a list or dict default: a zero one, which the code may append to or index)
    return zeros_like(like) if isinstance(like, (list, tuple, dict)) else 0.0


def updated(d, e):
    """`{**d, **e}`: a new dict with the entries of `e` over those of `d` (`d.update(e)`, of
    a dict `e` whose keys the lowering does not know); a derivative's dict stays one."""
    out = d.copy() if isinstance(d, DerivativeDict) else dict(d)
    out.update(e)
    return out


def without_keys(g, x):
    """The derivative `g` of `rt.updated(d, x)` without the entries of `x`'s keys: what
    flows to and from `d` (a zero, not a dict, passes as it is)."""
    return _selected(g, lambda key: key not in x)


def only_keys(g, x):
    """The entries of the derivative `g` at `x`'s keys: what flows to and from `x` in
    `rt.updated(d, x)` (a missing entry is zero)."""
    return _selected(g, lambda key: key in x)


def _selected(g, keep):
    if not isinstance(g, dict):
        return g
    out = DerivativeDict({key: item for key, item in g.items() if keep(key)})
    if hasattr(g, "directions"):
        out.directions = g.directions
    return out


def key_present(d, key):
    """Raise KeyError, as `d[key]` does, where the dict `d` has no entry `key` (`d.pop(key)`
    as a statement: kept where nothing reads the entry)."""
    if key not in d:
        raise KeyError(key)


def get_vjp(g, x, key, batched=False):
    """The cotangent of `x` in `x.get(key, default)`: `g` at `key` when `x` has it (in the
    vector mode, `batched`: `g` carries a leading axis of directions, the zeros too)."""
    out = directions_zeros(x, g) if batched else zeros_like(x)
    if key in x:
        out[key] = g
    return out


def default_jvp(t, x, key, ans=None):
    """The tangent of `x.get(key, default)` through `default` (tangent `t`; given the result
    `ans`, the vector mode's)."""
    if key not in x:
        return t
    return directions_zeros(ans, t) if ans is not None else 0.0


def default_vjp(g, x, key, default, batched=False):
    """The cotangent of `default` in `x.get(key, default)`: `g` when `x` lacks `key` (in the
    vector mode, `batched`: zeros with `g`'s leading axis of directions when it has it)."""
    if key not in x:
        return g
    return directions_zeros(default, g) if batched else zeros_like(default)


def iterated_jvp(t, x, batched=False):
    """The tangent of `rt.sequence(x)` (what a loop iterates): none for a dict's keys (in
    vector mode, `batched`, zeros along each of the directions `t` carries)."""
    if isinstance(x, dict):
        keys = [0.0] * len(x)
        return directions_zeros(keys, t) if batched else Derivatives(keys)
    return t if isinstance(t, (list, tuple, range, str)) or hasattr(t, "shape") else list(t)


def iterated_vjp(g, x):
    """The cotangent of `x` in `rt.sequence(x)`: zero for a dict (its keys are iterated)."""
    return zeros_like(x) if isinstance(x, dict) else g
