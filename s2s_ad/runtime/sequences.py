"""Python lists and tuples joined and repeated by `+` and `*`, and their derivatives.

The lowering writes `a + b` as `rt.concat(a, b)` and `a * n` / `n * a` as `rt.repeat(a, n)`
where `a` is known to be a list or tuple: the arithmetic rules of `+` and `*` would add and
scale the items' derivatives instead of joining them. The derivative of a list is a
`Derivatives` (one per item, added item by item), so these helpers return one whenever an
operand is one. Before → after:
    `L = [x] + [2.0 * x]`  →  `L = rt.concat(_t2, _t5)`; adjoint `_t2_bar = rt.front(L_bar, _t2)`
"""

from __future__ import annotations

import copy

import numpy as np

from ..errors import S2SError
from .core import Derivatives, zeros_like

SEQUENCES = (list, tuple)


def _refuse(what: str, hint: str):  # no annotation: export copies it
    return S2SError(f"unsupported construct: {what}", hint=hint)


def concat(a, b):
    """`a + b` for two lists or two tuples (Python's own join; a derivative list stays one)."""
    if not (isinstance(a, SEQUENCES) and isinstance(b, SEQUENCES)):
        raise _refuse(
            "`+` of a list or tuple and a value of type "
            f"`{type(b if isinstance(a, SEQUENCES) else a).__name__}` (NumPy would add them "
            "elementwise)",
            "convert the list first: `np.array(L) + a`",
        )
    if isinstance(a, Derivatives) or isinstance(b, Derivatives):
        return Derivatives([*a, *b])
    return a + b


def plus(a, b):
    """`a + b` where the lowering could not tell whether both are lists or tuples (a name
    bound to a list on one path and to an array on another): Python's own `+`; its
    derivative (`summand`) refuses a join of lists carrying derivatives."""
    return a + b


def summand(d, x):
    """The derivative `d` through the operand `x` of `rt.plus`: the same, where `x` is an
    array or a number (a sum's); refused where `x` is a list or tuple (a join's, which is not
    a sum's)."""
    if isinstance(x, SEQUENCES) and not isinstance(x, Derivatives):
        raise _refuse(
            "`+` of two lists or tuples (a join) carrying derivatives, where s2s_ad could "
            "not tell they are lists (a name bound to a list on one path and to an array or "
            "number on another, in a loop, an entry of a dict it does not follow)",
            "make the name a list on every path (`list(v)`), or an array (`np.asarray(v)`)",
        )
    return d


def extend(a, b):
    """`a += b`: for a list `a`, `b` may be any list or tuple (`list.extend`); else `a + b`."""
    if isinstance(a, list) and isinstance(b, tuple):
        b = type(a)(b) if isinstance(a, Derivatives) else list(b)
    return concat(a, b)


def repeat(a, n):
    """`a * n` for a list or tuple `a` and an integer `n` (the items are not copied)."""
    if not isinstance(a, SEQUENCES) or isinstance(n, SEQUENCES) or np.ndim(n) != 0:
        raise _refuse(
            "`*` of a list or tuple and an array (NumPy would multiply them elementwise)",
            "convert the list first: `np.array(L) * a`",
        )
    if isinstance(a, Derivatives):
        return Derivatives(list(a) * n)
    return a * n


def front(g, a):
    """The cotangent of `a` in `a + b`: the first `len(a)` items of `g`."""
    return Derivatives(g[: len(a)])


def back(g, b):
    """The cotangent of `b` in `a + b`: the last `len(b)` items of `g`."""
    return Derivatives(g[len(g) - len(b) :])


def repeated_vjp(g, a, n):
    """The cotangent of `a` in `a * n`: each item's cotangents summed over the copies."""
    m = len(a)
    if m == 0 or n <= 0:
        return zeros_like(a)
    return Derivatives(sum(g[k * m + i] for k in range(n)) for i in range(m))


def place(g, at_back, total):
    """Adjoint of `front` / `back`: `g` in a zero list as long as `total`, at its front or
    at its back."""
    zeros = zeros_like(total)
    start = len(total) - len(g) if at_back else 0
    for k, item in enumerate(g):
        zeros[start + k] = zeros[start + k] + item
    return zeros


def sequence_jvp(t, x, make="list"):
    """The tangent of `list(x)` / `tuple(x)` (`make`): the items' tangents in a new list or
    tuple; none for a dict's keys, which are what `list(d)` holds."""
    if isinstance(x, dict):
        return Derivatives([0.0] * len(x))
    return tuple(t) if make == "tuple" else list(t)


def sequence_vjp(g, x):
    """The cotangent of `x` in `list(x)` / `tuple(x)`: `g` itself for a list or tuple, its
    items stacked back into rows for an array."""
    if isinstance(x, dict):  # `list(d)`: its keys, through which no derivative flows
        return zeros_like(x)
    if isinstance(x, SEQUENCES) or not hasattr(x, "shape"):
        return g
    rows = [np.broadcast_to(item, np.shape(x)[1:]) for item in g]
    return np.stack(rows) if rows else np.zeros(np.shape(x))


def immutable_item(item):
    """`L[i]` read for `L[i] += v` (or `d[k] -= v`): exact only when the item is not an
    array or a list, which the operator would update in place (and with it every name and
    slot that holds the same object)."""
    if isinstance(item, np.ndarray):
        raise _refuse(
            "`L[i] += ...` on an item of a list or dict that is an array: it updates that "
            "array in place, and every other name or slot holding it",
            "write `L[i] = L[i] + ...` (a new array)",
        )
    if isinstance(item, list):
        raise _refuse(
            "`L[i] += ...` on an item of a list or dict that is a list: it extends that "
            "list in place, and every other name or slot holding it",
            "write `L[i].extend(...)` (or `.append(v)`), which s2s_ad follows",
        )
    return item


def deep_copy(x):
    """`copy.deepcopy(x)` of a list, tuple, dict or array: nothing in it is `x`'s (its
    derivative is `x`'s, which generated code never changes in place)."""
    return copy.deepcopy(x)
