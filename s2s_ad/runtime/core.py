"""Broadcasting, element updates, lists and tuples: the helpers every derivative may need."""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator

import numpy as np

from ..errors import S2SError, UnsupportedSyntaxError


def as_array(x):
    """`x` as an array without leaving its array library: NumPy, Dask and CuPy arrays
    (anything with `__array_function__`, NEP 18) stay what they are; Python numbers and
    lists become NumPy arrays."""
    return x if hasattr(type(x), "__array_function__") else np.asarray(x)


def size(x) -> int:
    """`np.size(x)`, also for arrays NumPy dispatches to (Dask has no `np.size`)."""
    return x.size if hasattr(type(x), "__array_function__") else np.size(x)


_PYTHON_NUMBERS = (int, float, bool)


def ratio(a, b):
    """`a / b`, as the rules divide by counts (`n - ddof` of one element, the size of an
    empty array) so that they give what the plain NumPy call gives.

    Where both are Python numbers and `b` is 0: the quotient NumPy gives (inf, -inf or nan,
    with NumPy's RuntimeWarning) where Python raises, as a Python float, not a NumPy one,
    which would widen a float32 result to float64 (NEP 50: NumPy scalars are strongly
    typed). Where `a` is float16 and float16 cannot hold the count `b` (2049; 70,001 is inf
    there): the quotient in float32, as `np.mean` of float16 values divides, rounded to
    float16 once."""
    if type(a) in _PYTHON_NUMBERS and type(b) in _PYTHON_NUMBERS and b == 0:
        return float(np.divide(float(a), b))
    if getattr(a, "dtype", None) == np.float16 and _not_float16(b):
        return (a.astype(np.float32) / b).astype(np.float16)
    return a / b


FLOAT16_EXACT = 2048  # every integer up to it is a float16 (rules/reductions.py asks too)


def _not_float16(count: object) -> bool:
    """Whether the Python number `count` is no float16: not every one above
    `FLOAT16_EXACT` is, none from 65,520 on (inf)."""
    if type(count) not in _PYTHON_NUMBERS or abs(count) <= FLOAT16_EXACT:
        return False
    return abs(count) > 65504 or float(np.float16(count)) != count


def full_like(x, value):
    """`np.full_like(x, value)`, where `value` may be another library's 0-d array (a Dask
    scalar, which `np.full_like` would turn into a NumPy value)."""
    if type(value) is not np.ndarray and hasattr(type(value), "__array_function__"):
        return np.zeros_like(x) + value
    return np.full_like(x, value)


def zeros_like(x):
    """A zero derivative for `x`: `0.0` for a scalar, zeros for an array, one per item of a
    list or tuple."""
    if isinstance(x, (list, tuple)):
        return Derivatives(zeros_like(item) for item in x)
    if isinstance(x, dict):
        return DerivativeDict({key: zeros_like(item) for key, item in x.items()})
    if isinstance(x, np.ndarray):
        return _zeros(x)
    fields = None if isinstance(x, (float, int, complex, np.generic)) else record_fields(x)
    if fields is not None:  # a dataclass or an object: one zero per attribute
        return DerivativeRecord({name: zeros_like(getattr(x, name)) for name in fields})
    return 0.0


def _complex(g: object) -> bool:
    """A complex number or array (quickly for the common real cases). Not located.is_complex:
    `s2s-ad export` copies the runtime helpers the code calls, which must need only NumPy."""
    kind = type(g)
    if kind is float or kind is np.float64:
        return False
    return kind is complex or np.iscomplexobj(g)


def _zeros(x: np.ndarray) -> np.ndarray:
    """`np.zeros_like(x)`, at a third of its cost for a plain array."""
    return np.zeros(x.shape, x.dtype) if type(x) is np.ndarray else np.zeros_like(x)


def unshared(x, other, filename, line, message, hint, list_object=False):
    """`x`, after checking that it shares no memory with `other`: an in-place update of `x`
    would change `other` too, which the SSA form does not model (`ssa/aliasing.py`).

    `list_object`: the update grows or shrinks the list `x` (`x.append(v)`), which changes
    `other` only if `other` is `x` or holds it; the items they share are not changed."""
    shares = _is_or_holds(other, x) if list_object else _shares(x, other)
    if shares:
        raise UnsupportedSyntaxError(message, filename=filename, line=line, hint=hint)
    return x


# values no operator updates in place: `x += v` binds a new one (`rebound`)
_REBOUND = (numbers.Number, str, bytes, tuple, frozenset, type(None))


def rebound(x, filename, line, message, hint):
    """`x`, read for `x += v` where `x` may be an item or attribute of a module's container
    or object (`lr = CONFIG["lr"]; lr *= 0.5`), after checking that it is a value no
    operator updates in place (a number, string, tuple …): `x += v` then binds a new value,
    as the derivative code does, and the module is left as it was. An array, list, dict,
    set or object would be updated in place, and the module's state with it, which the
    derivative code neither does nor sees: `message` is raised at the user's `line`."""
    if isinstance(x, _REBOUND) and not isinstance(x, np.ndarray):
        return x
    raise UnsupportedSyntaxError(message, filename=filename, line=line, hint=hint)


def sole_item(item, container, key, filename, line, message, hint, kind=None, not_kind=None):
    """`item`, read as `container[key]`, after checking that no other slot of `container`
    is it or holds it (a list or dict, whose items the update changes) or, for an array,
    shares memory with it. An update through the slot (`c[k].append(v)`, `c[k][j] = v`)
    changes the item object, which every slot holding it sees; the SSA form gives
    `container` a new version at `key` alone (ssa/item_paths.py). `kind`: "list" or
    "dict", what the item was taken to be where its kind was not known (`not_kind`: the
    message where it is not)."""
    if kind is not None and not isinstance(item, list if kind == "list" else dict):
        raise UnsupportedSyntaxError(not_kind, filename=filename, line=line, hint="")
    if isinstance(container, dict):
        others = [value for k, value in container.items() if k != key]
    else:
        at = operator.index(key) % len(container)
        others = [value for k, value in enumerate(container) if k != at]
    is_list = isinstance(item, (list, dict))
    if _is_or_holds(others, item) if is_list else _shares(item, others):
        raise UnsupportedSyntaxError(message, filename=filename, line=line, hint=hint)
    return item


# the run-time checks of in-place updates that return their first argument unchanged
IDENTITY_CHECKS = (unshared, sole_item)


def _shares(a, b, opened: frozenset = frozenset()) -> bool:
    """Whether updating `a` in place may change `b` (arrays, and lists, tuples, dicts and
    objects holding them). `opened`: the containers looked inside already (an object may
    hold itself)."""
    if a is b:
        return isinstance(a, (list, dict, np.ndarray))
    for container, other, first in ((b, a, False), (a, b, True)):
        if isinstance(container, (list, tuple, dict)) or _is_record(container):
            if id(container) in opened:
                return False
            inside = opened | {id(container)}
            return any(
                _shares(item, other, inside) if first else _shares(other, item, inside)
                for item in _items(container)
            )
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        try:
            return bool(np.shares_memory(a, b, max_work=10_000))
        except np.exceptions.TooHardError:  # too costly to decide exactly: assume they do
            return True
    return False


def _is_record(value) -> bool:
    """A dataclass or an object of a user class, whose attributes may hold arrays."""
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, (type, np.ndarray))
        and not callable(value)
        and type(value).__module__ not in ("builtins", "numpy")
    )


def _items(container) -> list:
    if isinstance(container, dict):
        return list(container.values())
    if isinstance(container, (list, tuple)):
        return list(container)
    return list(vars(container).values())


def _is_or_holds(container, x, opened: frozenset = frozenset()) -> bool:
    """Whether `container` is `x`, or holds it in a list, tuple, dict or object (an
    attribute), at any depth. `opened`: as `_shares`'s."""
    if container is x:
        return True
    if isinstance(container, (list, tuple, dict)) or _is_record(container):
        if id(container) in opened:
            return False
        inside = opened | {id(container)}
        return any(_is_or_holds(item, x, inside) for item in _items(container))
    return False


def cleared(d, like, index):
    """The derivative `d` of a container with its item at `index` cleared, for `x[index] =
    v`: in a list's, a zero shaped like `like[index]` (the item as it was, in the adjoint;
    as written, in the tangent), since the item written may have another shape than the one
    it replaces (`rows[-1] = np.reshape(v, (-1, 1))`); in an array's 0; from a dict's the
    entry dropped (`setitem`: a missing entry is zero), or a zero like an array, list or dict
    item, which the derivative code may index or append to (`c = p["c"]; c[0]` of a constant
    `p["c"]`, `d["h"] = []; d["h"].append(v)`)."""
    if isinstance(d, list) and isinstance(like, (list, tuple)):
        out = Derivatives(d) if isinstance(d, Derivatives) else list(d)
        out[index] = zeros_like(like[index])
        return out
    item = like.get(index) if isinstance(like, dict) else None
    if isinstance(d, dict) and isinstance(item, (np.ndarray, list, tuple, dict)):
        return setitem(d, zeros_like(like[index]), index)
    return setitem(d, 0.0, index)


def setitem(x, v, index):
    """`x` with `x[index] = v`, as a new array or list (the SSA form of an in-place update).

    In a list of derivatives, a 0.0 written (the rule of `x[i] = v` clears `d[i]`) stands
    for a zero shaped like the item it replaces."""
    if isinstance(x, dict):  # a new dict; in a derivative's, a 0.0 written drops the entry
        out = x.copy() if isinstance(x, DerivativeDict) else dict(x)
        if isinstance(x, DerivativeDict) and type(v) is float and v == 0.0:
            out.pop(index, None)
        else:
            out[index] = v
        return out
    if isinstance(x, list):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise S2SError(
                "unsupported construct: assignment to a slice of a list (it may change the "
                "list's length)",
                hint="assign one item at a time: `L[i] = v`",
            )
        out = Derivatives(x) if isinstance(x, Derivatives) else list(x)
        if isinstance(x, Derivatives) and type(v) is float and v == 0.0:
            v = zeros_like(x[index])
        out[index] = v
        return out
    if isinstance(x, np.ndarray):
        out = copy_keeping_layout(x)
    else:  # (other array libraries' `copy`, Dask's, takes no order)
        out = x.copy() if hasattr(type(x), "__array_function__") else np.array(x)  # the dtype
    out[index] = v
    return out


def copy_keeping_layout(x: np.ndarray) -> np.ndarray:
    """A copy of `x` laid out as `x` is, so that what reads it after an update (`np.sum`,
    `@`) takes the path and adds in the order the plain call's in-place update of `x` would:
    the same strides (a transpose, a reversed or strided view) where the memory the view
    spans is at most `_SPAN_LIMIT` times its own, else NumPy's nearest layout (order="K":
    a Fortran-ordered array stays so, a reversed view becomes forward, last bits may differ).

    `x`: an array of any shape and dtype; the copy is a base-class ndarray only where `x`
    is (a subclass's own `copy` keeps its class)."""
    if x.flags.c_contiguous or x.flags.f_contiguous or type(x) is not np.ndarray:
        return x.copy(order="K")
    itemsize, shape, strides = x.itemsize, x.shape, x.strides
    low = sum(s * (n - 1) for s, n in zip(strides, shape, strict=True) if s < 0)
    high = sum(s * (n - 1) for s, n in zip(strides, shape, strict=True) if s > 0)
    span = high - low + itemsize
    if x.size == 0 or span > _SPAN_LIMIT * x.nbytes or not _apart(x):
        return x.copy(order="K")
    buffer = np.empty(span // itemsize, dtype=x.dtype)
    out = np.lib.stride_tricks.as_strided(buffer[-low // itemsize :], shape, strides)
    out[...] = x
    return out


_SPAN_LIMIT = 4  # (a view of every fifth element is copied densely instead)


def _apart(x: np.ndarray) -> bool:
    """Whether no two elements of `x` share memory, and each stride is a whole number of
    items: axes by stride, each steps past the extent of the ones inside it (every view a
    slice or transpose makes of an array)."""
    reach = x.itemsize  # (the bytes the inner axes span)
    for stride, n in sorted((abs(s), n) for s, n in zip(x.strides, x.shape, strict=True)):
        if n == 1:
            continue
        if stride < reach or stride % x.itemsize:
            return False
        reach += stride * (n - 1)
    return True


def _may_repeat(index) -> bool:
    """Whether `index` can name one element twice (it holds an integer array or list)."""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) and as_array(i).dtype != bool for i in items)


def _rounds(x) -> bool:
    """Whether writing into `x` rounds what is written (an integer or boolean array): no
    derivative flows through such a write."""
    dtype = getattr(x, "dtype", None)
    return dtype is not None and not np.issubdtype(dtype, np.inexact)


def setitem_value_jvp(t, x, index):
    """Tangent of `x` with `x[index] = v` through `v` (tangent `t`): `t` written into zeros,
    or only zeros where `x` holds integers."""
    if isinstance(x, dict):  # the other entries' tangents are missing: zero (a list's or
        # dict's, where the code may read, append to or join the entry: `d = {"a": [], …}`)
        out = DerivativeDict(
            (key, zeros_like(item))
            for key, item in x.items()
            if isinstance(item, (list, tuple, dict)) and key != index
        )
        out[index] = t
        return out
    if isinstance(x, list):
        return setitem(zeros_like(x), t, index)
    if _rounds(x):
        return np.zeros(np.shape(x))
    return setitem(np.zeros_like(x), t, index)


def setitem_value_vjp(g, v, index, x):
    """Cotangent of `v` in `x[index] = v`: `g[index]`, except where an index repeats — there
    only the value that was written last (the one `x` kept) receives it — and none where
    `x` holds integers."""
    if isinstance(x, dict):
        return unbroadcast(g[index], v) if index in g else zeros_like(v)
    if isinstance(x, list):
        return unbroadcast(g[index], v)
    if _rounds(x):
        return zeros_like(v)
    selected = as_array(g)[index]
    if _may_repeat(index):
        order = np.arange(np.size(selected)).reshape(np.shape(selected))
        writers = np.full(np.shape(g), -1)
        writers[index] = order
        kept = np.zeros(np.size(selected), dtype=bool)
        kept[writers[index].ravel()] = True
        selected = np.where(kept.reshape(np.shape(selected)), selected, 0.0)
    return unbroadcast(selected, v)


def getitem_vjp(g, x, index):
    """Cotangent of `x` in `x[index]`: `g` scattered into zeros, summed where indices repeat."""
    if isinstance(x, dict):  # a dict passed whole to a helper, which reads one value
        out = zeros_like(x)
        out[index] = out[index] + g
        return out
    if isinstance(x, (list, tuple)):  # a list, or the tuple a function like eigh returns
        out = zeros_like(x)
        positions = range(len(x))[index]
        if isinstance(positions, int):
            out[positions] = out[positions] + g
        else:
            for k, item in zip(positions, g, strict=True):
                out[k] = out[k] + item
        return out
    return _scattered(_zeros(as_array(x)), g, index, index)


def _scattered(out, g, index, at):
    """`g` written into the zeros `out` at `at` (`index`, or all directions' `index`), summed
    where `index` names an element twice; complex where `g` is (for the API to refuse: a
    real array would drop its imaginary part)."""
    if _complex(g) and out.dtype.kind != "c":
        out = out.astype(np.result_type(out, g))
    if _may_repeat(index):
        np.add.at(out, at, g)
    else:  # each element named at most once: a plain (much faster) write
        out[at] = g
    return out


def scatter_add(total, g, x, index):
    """`total + getitem_vjp(g, x, index)`, adding into `total` in place: generated code calls
    it only where `total` is a new array that nothing else refers to."""
    if (
        type(total) is np.ndarray
        and total.flags.writeable
        and total.shape == np.shape(x)
        and getattr(g, "dtype", total.dtype) == total.dtype
        and type(g) is not complex
    ):
        if _may_repeat(index):
            np.add.at(total, index, g)
        else:
            total[index] += g
        return total
    return total + getitem_vjp(g, x, index)


def unbroadcast(g, like):
    """Sum the cotangent `g` down to the shape of `like`, undoing NumPy broadcasting."""
    if isinstance(like, float):  # Python and NumPy float scalars: the common cheap case
        return g if isinstance(g, float) else np.sum(g)
    if isinstance(like, (list, tuple)):  # a list item (a tape's entry, a row of np.array)
        if isinstance(g, (list, tuple)) and len(g) == len(like):
            return g
        if isinstance(g, np.ndarray) and g.ndim and len(g) == len(like):
            return Derivatives(g)  # the rows of an array's cotangent
        raise _sequence_arithmetic("arithmetic")  # a join the lowering did not know of
    shape = np.shape(like)
    g_shape = np.shape(g)
    if g_shape == shape or len(g_shape) < len(shape):  # equal, or a scalar that broadcasts
        return g
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1
    )
    summed = np.sum(g, axis=axes, keepdims=False) if axes else g
    return np.reshape(summed, shape)


def broadcast_tangent(t, like):
    """The tangent `t` of an elementwise result `like`, in its shape: where a passive operand
    broadcast the primal (`data - mu` with `mu` a float), the tangent repeats as well."""
    if isinstance(like, (float, list, tuple, dict)):  # a float's tangent is a scalar already
        return t
    if type(t) is np.ndarray and type(like) is np.ndarray and t.shape == like.shape:
        return t  # the common case, quickly
    shape = np.shape(like)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


def unreduce(g, like, axis, keepdims):
    """Broadcast the cotangent of a reduction over `axis` back to the shape of `like`."""
    shape = np.shape(like)
    if axis is not None and not keepdims and shape:  # (NumPy lets axis 0 "reduce" a 0-d value)
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        g = np.expand_dims(g, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(g, shape)


def _matmul_operands(g, a, b):
    """View 1-D operands of matmul as matrices, and `g` as the matching matrix product."""
    a2 = a[None, :] if np.ndim(a) == 1 else a
    b2 = b[:, None] if np.ndim(b) == 1 else b
    g2 = as_array(g)
    if np.ndim(b) == 1:
        g2 = g2[..., None]
    if np.ndim(a) == 1:
        g2 = g2[..., None, :]
    return a2, b2, g2


def matmul_vjp_left(g, a, b):
    """Cotangent of `a` in `a @ b`."""
    if np.ndim(a) == 2 and np.ndim(b) == 1:  # matrix @ vector: an outer product
        return np.outer(g, b)
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return g @ b.T
    a2, b2, g2 = _matmul_operands(g, a, b)
    return np.reshape(unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2), np.shape(a))


def matmul_vjp_right(g, a, b):
    """Cotangent of `b` in `a @ b`."""
    if np.ndim(a) == 1 and np.ndim(b) == 2:  # vector @ matrix: an outer product
        return np.outer(a, g)
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return a.T @ g
    a2, b2, g2 = _matmul_operands(g, a, b)
    return np.reshape(unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2), np.shape(b))


def _dot_nd_vjp(g, a, b, k):
    """Cotangent of `a` (k=0) or `b` (k=1) in np.dot(a, b) of N-D operands: the sum over
    a's last axis and b's second-to-last (its only one when 1-D); `g` has a's other axes,
    then b's."""
    na, nb = np.ndim(a), np.ndim(b)
    joined = max(nb - 2, 0)
    if k == 0:
        b_rest = [i for i in range(nb) if i != joined]
        return np.tensordot(g, b, (list(range(na - 1, na + nb - 2)), b_rest))
    a_rest = list(range(na - 1))
    return np.moveaxis(np.tensordot(a, g, (a_rest, a_rest)), 0, joined)


def dot_vjp_left(g, a, b):
    """Cotangent of `a` in `np.dot(a, b)` (either a list too: `np.dot(x, WEIGHTS)`)."""
    a, b = as_array(a), as_array(b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * b, a)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        return _dot_nd_vjp(g, a, b, 0)
    return matmul_vjp_left(g, a, b)


def dot_vjp_right(g, a, b):
    """Cotangent of `b` in `np.dot(a, b)` (either a list too)."""
    a, b = as_array(a), as_array(b)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return unbroadcast(g * a, b)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        return _dot_nd_vjp(g, a, b, 1)
    return matmul_vjp_right(g, a, b)


def pow_term(c, x, y):
    """`c * x ** y`, taken as 0 where `c` is 0: the base's partial of `x ** p` is
    `pow_term(p, x, p - 1)`, 0 where `p` is 0 (`x ** 0` is 1 everywhere, at 0 too) although
    `x ** -1` is infinite there."""
    if np.ndim(c) == 0:  # one exponent (numbers keep Python's errors)
        if c != 0:
            return c * x**y
        return (
            0.0 * c if np.ndim(x) == 0 and np.ndim(y) == 0 else np.zeros(np.broadcast(x, y).shape)
        )
    zero = as_array(c) == 0
    return np.where(zero, 0.0, c * np.where(zero, 1.0, x) ** y)


def xlogy(x, y):
    """`x * log(y)`, taken as 0 where `x == 0` (the exponent's partial of `y ** p` at 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(as_array(x) == 0, 0.0, x * np.log(y))


class Derivatives(list):
    """The tangent or adjoint of a list: one per item, added item by item (not concatenated)."""

    def __add__(self, other):
        if type(other) in (float, int) and other == 0:  # the 0.0 standing for a zero
            return self  # (a missing entry of a `DerivativeDict`)
        if not isinstance(other, (list, tuple)) or len(other) != len(self):
            raise _sequence_arithmetic("`+`")
        return self._like(
            Derivatives(_added(a, b) for a, b in zip(self, other, strict=True)), other
        )

    __radd__ = __add__

    def _like(self, out, other=None):  # no annotations: export copies the class
        """`out`, keeping the count of directions an empty list carries (vector mode)."""
        for source in (self, other):
            if hasattr(source, "directions"):
                out.directions = source.directions
                break
        return out

    def __mul__(self, other):
        # a list's derivative is never scaled or repeated: the arithmetic rule of `*` met a
        # list the lowering did not know to be one (`rt.repeat` handles those it knows)
        raise _sequence_arithmetic("`*`")

    __rmul__ = __mul__

    def __neg__(self):
        return self._like(Derivatives(-a for a in self))

    def __sub__(self, other):  # `a + -b`, as generated code may write it (simplify/negations.py)
        return self + -other

    def __rsub__(self, other):
        return -self + other

    def __getitem__(self, index):
        item = list.__getitem__(self, index)
        return Derivatives(item) if isinstance(index, slice) else item


def _added(a, b):  # no annotations: export copies it
    """`a + b`, skipping a lazy zero of the other's shape and type (`rt.zeros_along`) and
    the None a structure's static leaf has for a derivative."""
    if a is None or b is None:
        return b if a is None else a
    if is_zero_view(b) and np.shape(a) == b.shape and np.result_type(a, b) == np.result_type(a):
        return a
    if is_zero_view(a) and np.shape(b) == a.shape and np.result_type(a, b) == np.result_type(b):
        return b
    return a + b


def is_zero_view(x) -> bool:
    """Whether `x` is an array of zeros that is a view of a single element (every stride 0:
    all its elements are that one), as `rt.zeros_along` makes."""
    return type(x) is np.ndarray and x.size > 0 and not any(x.strides) and x.reshape(-1)[0] == 0


def _sequence_arithmetic(op: str):  # no annotation: export copies it
    return S2SError(
        f"unsupported construct: {op} on a list or tuple that s2s_ad cannot tell is one "
        "(a helper's result, an item of a container whose items it does not follow)",
        hint="build lists with `[...]` in the function, or convert with np.array first",
    )


class DerivativeDict(dict):
    """The tangent or adjoint of a dict: one per value, added key by key; a missing entry is
    zero (`runtime/dicts.py`)."""

    def __missing__(self, key):
        return 0.0

    def __add__(self, other):
        if type(other) in (float, int) and other == 0:  # the 0.0 standing for a zero (of a
            return self.copy()  # record in a list's zeros, `rt.zeros_like`)
        if not isinstance(other, dict):
            return DerivativeDict({key: item + other[key] for key, item in self.items()})
        out = self.copy()
        for key, item in other.items():
            out[key] = _added(out[key], item) if key in out else item
        return out

    __radd__ = __add__

    def __neg__(self):
        return DerivativeDict({key: -item for key, item in self.items()})

    def copy(self):
        """A copy, keeping the count of directions an empty one carries (vector mode)."""
        out = DerivativeDict(self)
        if hasattr(self, "directions"):
            out.directions = self.directions
        return out


def record_fields(value: object) -> tuple | None:
    """The attribute names of a record (None if `value` is not one): a dataclass's fields,
    else the instance attributes of a user class (its `__dict__`, then the `__slots__` of
    its classes that hold a value). NamedTuples are tuples (`pytrees.node`)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(f.name for f in dataclasses.fields(value))
    # classes, functions, methods and modules (whose types are builtins), and arrays of
    # libraries NumPy dispatches to (Dask, CuPy) are not records
    kind = type(value)
    if isinstance(value, type) or kind.__module__ in ("builtins", "numpy"):
        return None
    if hasattr(kind, "__array_function__"):
        return None
    attributes = getattr(value, "__dict__", None)
    names = tuple(attributes) if isinstance(attributes, dict) else ()
    slots = tuple(n for n in _slot_names(kind) if hasattr(value, n) and n not in names)
    if not isinstance(attributes, dict) and not slots:
        return None
    if callable(value) and not (names or slots):
        return None
    return names + slots


def _slot_names(kind: type) -> list[str]:
    """The attributes the `__slots__` of `kind` and its bases declare, as stored (a private
    `__w` of class `Cell` is `_Cell__w`)."""
    found: list[str] = []
    for cls in kind.__mro__:
        declared = cls.__dict__.get("__slots__", ())
        for name in (declared,) if isinstance(declared, str) else declared:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{cls.__name__.lstrip('_')}{name}"
            if name not in found:
                found.append(name)
    return found


class DerivativeRecord(DerivativeDict):
    """The tangent or adjoint of a record: one per attribute, read as `d.w` or `d["w"]`,
    added attribute by attribute; a missing attribute is zero when read as `d["w"]`.

    `d.w` reads only attributes it holds: NumPy and the runtime probe `d.shape`, `d.dtype`,
    `d.directions`, which must not read as a zero."""

    def __getattr__(self, name):
        if name.startswith("__") or name not in self:
            raise AttributeError(name)
        return self[name]

    def __add__(self, other):
        if _is_zero(other):  # a record's zero made where its type was not known
            return self.copy()
        return DerivativeRecord(DerivativeDict.__add__(self, other))

    __radd__ = __add__

    def __neg__(self):
        return DerivativeRecord(DerivativeDict.__neg__(self))

    def copy(self):
        out = DerivativeRecord(self)
        if hasattr(self, "directions"):
            out.directions = self.directions
        return out


def _is_zero(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def make_list(*items):
    """`[a, b]`: a list display."""
    return list(items)


def sequence(xs):
    """What `for x in xs` iterates over, made indexable (loops iterate by index): `xs`
    itself when it is a sequence or an array, else its items in a list (a dict's keys, a
    set, an iterator)."""
    if isinstance(xs, (list, tuple, range, str)) or hasattr(xs, "shape"):
        return xs
    return list(xs)


def append(xs, v):
    """`xs.append(v)` as a new list (the SSA form keeps every version of `xs`)."""
    return type(xs)([*xs, v]) if isinstance(xs, Derivatives) else [*xs, v]


def broadcast_sum(items, like):
    """The sum of `items`, each broadcast to the shape of `like` (the adjoint of `sum_vjp`)."""
    _refuse_object_sum((like,))
    return sum(np.broadcast_to(item, np.shape(like)) for item in items)


def _refuse_object_sum(values) -> None:
    """`sum(xs)`'s rule is the numbers' and arrays': refused where it added objects of a
    class of yours (their own `__add__` / `__radd__`, which the lowering follows only where
    it knows their classes: ssa/object_operators.py)."""
    if any(hasattr(v, "__dict__") and not hasattr(v, "shape") for v in values):
        raise S2SError(
            "unsupported construct: `sum(…)` of objects of a class of yours that s2s_ad could "
            "not tell are objects when it made the derivative (they add by their own `+`)",
            hint="add them with `+` one by one (`total = xs[0]`, then `total = total + v`), "
            "or make the list of them in the function",
        )


def unstack(g, x):
    """Cotangent of `x` in `np.array(x)` / `np.stack(x)` along axis 0: a list when `x` is one,
    of lists where its items are (a nested list's, added item by item to what its items'
    reads give)."""
    if isinstance(x, (list, tuple)):
        return Derivatives(unstack(g[k], item) for k, item in enumerate(x))
    return g


def sum_vjp(g, x):
    """Cotangent of the list `x` in `sum(x)`: `g` for every item, in the item's shape; of an
    array (whose items are its rows), the array of those rows."""
    if type(x) is np.ndarray and x.ndim and np.shape(g) == x.shape[1:]:
        return np.broadcast_to(g, x.shape).copy()
    _refuse_object_sum(x)
    return Derivatives(unbroadcast(g, item) for item in x)


def segments(steps: range, every=None) -> list[range]:
    """A checkpointed loop's iterations cut into segments of `every` (by default ⌈√n⌉)."""
    if every is None:
        every = max(1, math.isqrt(len(steps) - 1) + 1) if len(steps) else 1
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise S2SError(
            f"s2s_ad.checkpoint: `every` must be a positive integer, not {every!r}",
            hint="pass the number of iterations per segment, or leave it out for about √n",
        )
    return [steps[start : start + every] for start in range(0, len(steps), every)]
