"""Helpers of the vector tangent mode, where each tangent has a leading axis of directions.

`x_dot[k]` is the tangent of `x` along the k-th seed direction, so one pass of generated
code carries all directions at once (`jacfwd` seeds one direction per input element).
"""

from __future__ import annotations

import weakref

import numpy as np

from ..errors import S2SError
from .arrays import index_order
from .core import (
    DerivativeDict,
    DerivativeRecord,
    Derivatives,
    _scattered,
    _sequence_arithmetic,
    as_array,
    cleared,
    full_like,
    getitem_vjp,
    is_zero_view,
    matmul_vjp_left,
    matmul_vjp_right,
    record_fields,
    setitem,
    setitem_value_jvp,
    zeros_like,
)


def directions_count(d) -> int:
    """The number of directions a tangent carries."""
    count = _count(d)
    if count is None:
        raise TypeError(f"no directions in a tangent of type {type(d).__name__}")
    return count


def _count(d) -> int | None:
    """`directions_count`, None where `d` holds no direction axis: a structure's static
    leaves (None) are passed over."""
    if d is None:
        return None
    if isinstance(d, (dict, list, tuple)):
        for item in d.values() if isinstance(d, dict) else d:
            count = _count(item)
            if count is not None:
                return count
        return getattr(d, "directions", None)  # an empty one remembers its count
    return len(d)


def _items_zeros(x, seed, zeros):
    """The zero tangent of a list, tuple or dict `x`: `zeros(item, seed)` item by item, as
    many directions as `seed` has."""
    if isinstance(x, dict):
        out = DerivativeDict({key: zeros(item, seed) for key, item in x.items()})
    else:
        out = Derivatives(zeros(item, seed) for item in x)
    out.directions = directions_count(seed)
    return out


def directions_zeros(x, seed):
    """A zero tangent for `x`, with as many directions as `seed` has: one per attribute of
    a record (a dataclass, an object made in the function, as `zeros_like`); for a value
    without numbers (a string, None, a function: a structure's static leaf) one zero per
    direction."""
    if isinstance(x, (list, tuple, dict)):
        return _items_zeros(x, seed, directions_zeros)
    numeric = (int, float, complex, np.generic, np.ndarray)
    if not isinstance(x, numeric) and not hasattr(type(x), "__array_function__"):
        fields = record_fields(x)
        if fields is not None:
            return DerivativeRecord({k: directions_zeros(getattr(x, k), seed) for k in fields})
        return np.zeros(directions_count(seed))  # (np.result_type would read a string as a dtype)
    return np.zeros((directions_count(seed), *np.shape(x)), dtype=np.result_type(x, 1.0))


def along(d, ans):
    """`d` (directions, *shape) with axes of length 1 inserted after the direction axis, so
    that it broadcasts against values of the result's rank as `x` did."""
    joined = isinstance(ans, (list, tuple)) and not isinstance(ans, Derivatives)
    if joined and isinstance(d, (list, tuple)):
        # arithmetic whose result is a list: `+` joining (or `*` repeating) lists the
        # lowering did not know to be lists (`d["a"] + d["b"]`), not an elementwise sum
        # (of derivatives' lists, as gradient code differentiated again adds them)
        raise _sequence_arithmetic("arithmetic")
    if isinstance(d, (dict, list, tuple)):  # their items carry the direction axis
        return d
    if np.ndim(d) == 0:  # a zero for every direction (a dict's entry, all of them cleared)
        return d
    missing = np.ndim(ans) - (np.ndim(d) - 1)
    if missing <= 0:
        return d
    return np.reshape(d, (len(d),) + (1,) * missing + np.shape(d)[1:])


def broadcast_directions(t, like):
    """`rt.broadcast_tangent` of each direction: `t` as (directions, *like.shape)."""
    if isinstance(like, (list, tuple, dict)):
        return t
    if isinstance(t, (list, tuple)):  # a list's tangent, item by item, made the array `like`
        t = directions_first(t, like)
    shape = np.shape(like)
    if np.shape(t)[1:] == shape:
        return t
    return np.broadcast_to(along(t, like), (len(t), *shape))


def direction(d, k: int):
    """The k-th direction of a tangent (of an array, or of a list or tuple of them)."""
    if isinstance(d, tuple):
        return tuple(direction(item, k) for item in d)
    if isinstance(d, list):
        return Derivatives(direction(item, k) for item in d)
    if isinstance(d, dict):
        return DerivativeDict({key: direction(item, k) for key, item in d.items()})
    return d[k] if np.ndim(d) else d


def stacked(results: list):
    """The tangents of each direction, stacked along a new leading axis."""
    first = results[0]
    if isinstance(first, dict):
        return _stacked_entries(results)
    if isinstance(first, (list, tuple)):
        items = [stacked([r[i] for r in results]) for i in range(len(first))]
        if not isinstance(first, list):
            return tuple(items)
        out = Derivatives(items)
        out.directions = len(results)  # an empty list remembers the count of directions
        return out
    return np.stack([as_array(r) for r in results])


def per_direction(jvp, d):
    """Apply a rule's JVP to each direction of `d` in turn (rules without a batched form);
    with no direction (an empty input), to a zero one, for the result's structure."""
    count = directions_count(d)
    if count == 0:
        return _no_directions(jvp(_zero_direction(d)))
    return stacked([jvp(direction(d, k)) for k in range(count)])


def _zero_direction(d):
    """A direction of zeros shaped like those of `d`."""
    if isinstance(d, tuple):
        return tuple(_zero_direction(item) for item in d)
    if isinstance(d, list):
        return Derivatives(_zero_direction(item) for item in d)
    if isinstance(d, dict):
        return DerivativeDict({key: _zero_direction(item) for key, item in d.items()})
    return np.zeros(np.shape(d)[1:], getattr(d, "dtype", float)) if np.ndim(d) else d


def _no_directions(like):
    """The tangent holding no direction of values shaped like `like` (`stacked` of none)."""
    if isinstance(like, dict):
        out = DerivativeDict({key: _no_directions(item) for key, item in like.items()})
    elif isinstance(like, (list, tuple)):
        items = [_no_directions(item) for item in like]
        if not isinstance(like, list):
            return tuple(items)
        out = Derivatives(items)
    else:
        return np.zeros((0, *np.shape(like)), getattr(like, "dtype", float))
    out.directions = 0
    return out


def shifted(axis, x, keepdims=False):
    """The axes of `x` named by `axis`, as axes of a tangent with a leading direction axis.

    The tangent of a list or tuple `x` is one tangent per item, each with its direction
    axis, which NumPy reads as (items, directions, *item shape): all axes but the
    directions' for `None`, the items' axis 0 as it is; other axes, and `keepdims`, are
    refused."""
    if isinstance(x, (list, tuple)):
        return _list_axes(None if keepdims else axis, np.ndim(x), keepdims)
    if axis is None:
        return tuple(range(1, np.ndim(x) + 1))
    if np.ndim(x) == 0:  # NumPy lets axis 0 or -1 "reduce" a 0-d value: nothing to reduce
        return ()
    if np.ndim(axis) == 0:
        return axis + 1 if axis >= 0 else axis
    return tuple(a + 1 if a >= 0 else a for a in axis)


def _list_axes(axis, ndim, keepdims):
    if axis is None and not keepdims:
        return (0, *range(2, ndim + 1))
    if np.ndim(axis) == 0 and axis in (0, -ndim):
        return 0
    raise S2SError(
        "unsupported construct: a list or tuple reduced along an axis other than 0, or with "
        "keepdims, in vector mode (jacfwd, hessian, forward-mode grad)",
        hint="convert it to an array first: `np.sum(np.array(L), axis=k)`",
    )


def full_like_directions(x, d):
    """The tangent of `rt.full_like(x, value)` (value's tangent `d`): each direction's value
    filling `x`'s shape, in `x`'s dtype, in one broadcast (the adjoint of a sum)."""
    if type(d) is not np.ndarray:  # another library's arrays: direction by direction
        return per_direction(lambda dk: full_like(x, dk), d)
    shape = (len(d), *np.shape(x))
    return np.broadcast_to(along(d, x), shape).astype(as_array(x).dtype)


def transposed(d, axes, x):
    """The tangent of `np.transpose(x, axes)`."""
    order = range(np.ndim(x))[::-1] if axes is None else axes
    return np.transpose(d, (0, *(a % np.ndim(x) + 1 for a in order)))


def reshaped(d, ans):
    """`d` in the shape of the answer, per direction (reshape, ravel, squeeze, …)."""
    return np.reshape(d, (len(d), *np.shape(ans)))


def reshaped_in_order(x, shape, like, order):
    """Directions `x` (a leading axis of them) each reshaped to `shape`, in the index order
    the call read `like` in ("F", "A", "K": `index_order`; the directions' axis moved last,
    where Fortran order keeps each direction's elements together)."""
    if index_order(like, order) == "C":
        return np.reshape(x, (len(x), *shape))
    last = np.reshape(np.moveaxis(x, 0, -1), (*shape, len(x)), order="F")
    return np.moveaxis(last, -1, 0)


def directions_getitem(d, index, ans=None):
    """The tangent of `x[index]` (`ans`); a dict's missing entry is zero (a list's, one
    per item, where no other entry tells the count of directions: `d["h"] = []`)."""
    if isinstance(d, dict) and index not in d:
        if d:
            return directions_zeros(ans, next(iter(d.values())))
        return zeros_like(ans) if isinstance(ans, (list, tuple, dict)) else 0.0
    if isinstance(d, (list, tuple)) and isinstance(index, slice):
        part = Derivatives(d[index])  # an empty slice remembers the count of directions
        part.directions = directions_count(d) if len(d) else getattr(d, "directions", 0)
        return part
    if isinstance(d, (list, tuple, dict)):
        return d[index]
    if _several_arrays(index):  # their axis would come before the directions': one by one
        return per_direction(lambda dk: dk[index], d)
    return d[leading_slice(index)]


def leading_slice(index) -> tuple:
    """`index` after the directions' axis: it reads every direction's elements at once."""
    return (slice(None), *(index if isinstance(index, tuple) else (index,)))


def _several_arrays(index) -> bool:
    """Whether `index` holds more than one integer or boolean array (or list): NumPy puts
    their common axis first where a slice separates them, so that a leading slice for the
    directions would not keep the directions' axis first."""
    items = index if isinstance(index, tuple) else (index,)
    return sum(isinstance(i, (list, np.ndarray)) for i in items) > 1


# the identity seeds of `jacfwd` and `jacrev` over a vector (`identity_seed`): id → a weak
# reference, dropped with the seed (a plain dict: asked in every call of a Jacobian of `W @ x`,
# where `WeakValueDictionary.get`, written in Python, cost more than the rest of the check)
_IDENTITIES: dict[int, weakref.ref] = {}


def identity_seed(seed: np.ndarray) -> np.ndarray:
    """`seed`, an n-by-n identity (one direction per element of a vector), made read-only
    and known as the identity to `diagonal_product`: a product by it is its other operand."""
    seed.flags.writeable = False
    key = id(seed)
    _IDENTITIES[key] = weakref.ref(seed, lambda _, key=key: _IDENTITIES.pop(key, None))
    return seed


def diagonal_product(d, m):
    """`d @ m` where `d` is diagonal (`diagonal_of`): the rows of `m` scaled, `m` itself
    (a read-only view) for an identity seed; None where `d` is not diagonal."""
    known = _IDENTITIES.get(id(d))
    if known is not None and known() is d:
        view = m.view()
        view.flags.writeable = False  # the caller's array: never written through
        return view
    diagonal = diagonal_of(d)
    return None if diagonal is None else diagonal[:, None] * m


def diagonal_of(d):
    """The diagonal of `d`, one row per direction over a vector, where `d` is square and
    every other element is 0; else None. One-hot seeds carried through elementwise
    operations stay so (jacfwd's of `W @ x`, jacrev's rows of `f(W @ x)`), and a product
    by a diagonal is a broadcast: k·n multiplications instead of the k²·n of `matmul`."""
    if type(d) is not np.ndarray or d.ndim != 2 or d.shape[0] != d.shape[1] or len(d) < 2:
        return None
    diagonal = d.diagonal()
    return diagonal if np.count_nonzero(d) == np.count_nonzero(diagonal) else None


def getitem_vjp_directions(g, x, index):
    """The tangent of `rt.getitem_vjp(g, x, index)` through `g`, here that tangent, with a
    leading direction axis: every direction scattered into zeros at once (summed where an
    index repeats), as `getitem_vjp` scatters one. Direction by direction for lists and
    dicts, an index of several arrays (NumPy would move their axis before the directions')
    or a `g` shaped otherwise than `x[index]` after the directions."""
    plain = type(x) is np.ndarray and type(g) is np.ndarray and g.ndim and len(g)
    if plain and not _several_arrays(index):
        read = np.broadcast_to(np.zeros((), bool), x.shape)[index]  # its shape, cheaply
        if g.shape[1:] == np.shape(read):
            return _scattered(np.zeros((len(g), *x.shape), x.dtype), g, index, leading_slice(index))
    return per_direction(lambda dk: getitem_vjp(dk, x, index), g)


def matmul_left(d, y):
    """The tangent of `x @ y` through `x`."""
    if np.ndim(y) <= 2:
        return np.matmul(d, y)
    return per_direction(lambda dk: np.matmul(dk, y), d)


def matmul_right(x, d):
    """The tangent of `x @ y` through `y` (`d` has the shape of `y` after the directions)."""
    # (attributes, not np.ndim and np.transpose: this runs in every call of jacfwd(W @ x))
    x_ndim = x.ndim if type(x) is np.ndarray else np.ndim(x)
    y_ndim = (d.ndim if type(d) is np.ndarray else np.ndim(d)) - 1
    if x_ndim <= 2 and y_ndim == 1:
        x_t = x.T if type(x) is np.ndarray else np.transpose(x)
        product = diagonal_product(d, x_t) if x_ndim == 2 else None
        return np.matmul(d, x_t) if product is None else product
    if x_ndim <= 2:
        return np.matmul(x, d)
    return per_direction(lambda dk: np.matmul(x, dk), d)


def sequence_directions(d, x, make="list"):
    """The tangent of `list(x)` / `tuple(x)` (`make`) for all directions at once: the items'
    tangents (each with its direction axis) in a new list or tuple; an array's rows; none
    for a dict's keys (zeros along each direction)."""
    if isinstance(x, dict):
        items, count = [np.zeros(directions_count(d)) for _ in x], directions_count(d)
    elif isinstance(d, (list, tuple)):
        items, count = list(d), getattr(d, "directions", None)
    else:  # an array: its rows, each (directions, *row shape)
        items, count = [d[:, i] for i in range(np.shape(d)[1])], len(d)
    if make == "tuple":
        return tuple(items)
    out = Derivatives(items)
    if count is not None or items:  # an empty list remembers its count of directions
        out.directions = count if count is not None else directions_count(items[0])
    return out


def zeros_along(x, d):
    """A zero tangent for `x` with as many directions as `d` has, made lazily: a read-only
    view of one zero (`is_zero_view`), so that the passive items a tape of the gradient code
    holds (slices of data) cost no memory in a Hessian, and `Derivatives` adding a list's
    tangents item by item skips them (one record of zeros per direction for an object)."""
    if isinstance(x, (list, tuple, dict)):
        return _items_zeros(x, d, zeros_along)
    if isinstance(x, (np.ndarray, np.generic, float, int)):
        key = (np.result_type(x, 1.0), directions_count(d), np.shape(x))
        found = _ZERO_VIEWS.get(key)
        if found is None:
            if len(_ZERO_VIEWS) >= 256:  # a few kinds per program: kept small
                _ZERO_VIEWS.clear()
            found = _ZERO_VIEWS[key] = np.broadcast_to(
                np.zeros((), dtype=key[0]), key[1:2] + key[2]
            )
        return found
    return per_direction(lambda dk: zeros_like(x), d)


# (dtype, directions, shape) → the read-only zero view `zeros_along` gives: made once, since
# a Hessian's loop makes one per passive item of its tape in every iteration
_ZERO_VIEWS: dict[tuple, np.ndarray] = {}


def matmul_vjp_left_directions(d, g, a, b, through_g: bool):
    """The tangent of `rt.matmul_vjp_left(g, a, b)` (g @ bᵀ, the cotangent of `a` in `a @ b`)
    through `g` (`through_g`) or `b`, whose tangent `d` has a leading direction axis: one
    product for all directions where `a` and `b` are matrices, or one of them a vector
    (Hessians of `W @ x`, `v @ M`), else direction by direction."""
    if is_zero_view(d):
        return zeros_along(matmul_vjp_left(g, a, b), d)
    operand = g if through_g else b
    if np.ndim(a) in (1, 2) and np.ndim(b) in (1, 2) and np.ndim(d) == np.ndim(operand) + 1:
        if np.ndim(a) == 2 and np.ndim(b) == 2:  # g @ bᵀ
            return np.matmul(d, np.transpose(b)) if through_g else np.matmul(g, _mT(d))
        if np.ndim(a) == 2:  # outer(g, b)
            return d[:, :, None] * b if through_g else g[:, None] * d[:, None, :]
        if np.ndim(b) == 2:  # b @ g
            return np.matmul(d, np.transpose(b)) if through_g else np.matmul(d, g)
    if through_g:
        return per_direction(lambda dk: matmul_vjp_left(dk, a, b), d)
    return per_direction(lambda dk: matmul_vjp_left(g, a, dk), d)


def matmul_vjp_right_directions(d, g, a, b, through_g: bool):
    """The tangent of `rt.matmul_vjp_right(g, a, b)` (aᵀ @ g, the cotangent of `b` in
    `a @ b`) through `g` (`through_g`) or `a`, whose tangent `d` has a leading direction
    axis: one product for all directions where `a` is a matrix and `b` a matrix or vector
    (Hessians of `X @ w`), or `a` a vector and `b` a matrix, else direction by direction."""
    if is_zero_view(d):
        return zeros_along(matmul_vjp_right(g, a, b), d)
    operand = g if through_g else a
    if np.ndim(b) in (1, 2) and np.ndim(a) in (1, 2) and np.ndim(d) == np.ndim(operand) + 1:
        if np.ndim(a) == 2 and np.ndim(b) == 2:  # aᵀ @ g
            return np.matmul(np.transpose(a), d) if through_g else np.matmul(_mT(d), g)
        if np.ndim(a) == 2:  # aᵀ @ g with g a vector: g @ a
            product = diagonal_product(d, a) if through_g else None
            if product is not None:  # d @ a
                return product
            return np.matmul(d, a) if through_g else np.matmul(g, d)
        if np.ndim(b) == 2:  # outer(a, g)
            return a[:, None] * d[:, None, :] if through_g else d[:, :, None] * g
    if through_g:
        return per_direction(lambda dk: matmul_vjp_right(dk, a, b), d)
    return per_direction(lambda dk: matmul_vjp_right(g, dk, b), d)


def _mT(d):
    """Each direction's matrix of `d` (directions, m, n) transposed: (directions, n, m)."""
    return np.swapaxes(d, -1, -2)


def cumsum_directions(d, axis):
    """The tangent of `np.cumsum(x, axis)`."""
    if axis is None:
        return np.cumsum(np.reshape(d, (len(d), -1)), axis=1)
    return np.cumsum(d, axis=axis + 1 if axis >= 0 else axis)


def unbroadcast_directions(d, like):
    """`rt.unbroadcast` of each direction: sum `d` down to (directions, *like.shape); for a
    list `like`, one tangent per item, as `rt.unbroadcast` makes a list of an array's rows."""
    if isinstance(like, (list, tuple)):
        return _items_of_rows(d, like)
    if isinstance(d, (list, tuple)):  # a list's tangent standing for an array's
        d = directions_first(d, like)
    shape = np.shape(like)
    lead = np.ndim(d) - 1 - len(shape)
    if lead < 0:
        return d
    axes = tuple(range(1, 1 + lead)) + tuple(
        1 + lead + i for i, n in enumerate(shape) if n == 1 and np.shape(d)[1 + lead + i] != 1
    )
    summed = np.sum(d, axis=axes) if axes else d
    return np.reshape(summed, (len(d), *shape))


def unreduce_directions(d, like, axis, keepdims):
    """`rt.unreduce` of each direction: broadcast back over the reduced axes."""
    shape = np.shape(like)
    if axis is not None and not keepdims and shape:  # (axis 0 of a 0-d value: no axis)
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        d = np.expand_dims(d, tuple(1 + a % len(shape) for a in axes))
    elif axis is None and not keepdims:
        d = np.reshape(d, (len(d),) + (1,) * len(shape))
    return np.broadcast_to(d, (len(d), *shape))


def _stacked_entries(results: list):
    """`stacked` for derivative dicts: a direction missing an entry has zero there."""
    out = DerivativeDict()
    out.directions = len(results)
    for key in dict.fromkeys(key for r in results for key in r):
        like = next(r[key] for r in results if key in r)
        out[key] = stacked([r[key] if key in r else np.zeros_like(like) for r in results])
    return out


def directions_setitem(d, like, index):
    """The tangent of `x` with `x[index] = v`, through `x` (`cleared`; `like` the container
    as written): a dict's tangent has no direction axis of its own (its entries do)."""
    if isinstance(d, dict):
        return setitem(d, 0.0, index)
    return per_direction(lambda dk: cleared(dk, like, index), d)


def directions_setitem_value(d, x, index):
    """The tangent of `x` with `x[index] = v`, through `v` (tangent `d`)."""
    if isinstance(x, dict):
        return setitem_value_jvp(d, x, index)
    return per_direction(lambda dk: setitem_value_jvp(dk, x, index), d)


def directions_first(t, like):
    """The tangent of a list or tuple, one per item (each (directions, *item shape)), as
    the tangent of the array `like` NumPy makes of it: (directions, len(like), *item shape).

    NumPy would read the items' tangents as (items, directions, …), the directions'
    numbers in the wrong places: two items of two directions `[[1, 2], [3, 4]]` are the
    array's tangent [[1, 3], [2, 4]]."""
    count = directions_count(t)
    shape = np.shape(like)[1:]
    item_like = np.zeros(shape)
    columns = []
    for item in t:
        if isinstance(item, (list, tuple)):  # a row of a nested list
            item = directions_first(item, item_like)
        elif np.ndim(item) == 0:  # a zero standing for any tangent
            item = np.zeros(count)
        columns.append(np.broadcast_to(along(item, item_like), (count, *shape)))
    return np.stack(columns, axis=1)


def _items_of_rows(d, like):
    """`rt.unbroadcast_directions` to a list or tuple `like`: a list's tangent as it is, or
    an array's tangent (directions, len(like), …) cut into one per item (as `rt.unbroadcast`
    cuts an array's cotangent into the list of its rows)."""
    if isinstance(d, (list, tuple)):
        if len(d) == len(like):
            return d  # item by item already
    elif np.ndim(d) == 0:
        return d  # a zero standing for any tangent
    elif type(d) is np.ndarray and d.ndim >= 2 and d.shape[1] == len(like):
        out = Derivatives(d[:, k] for k in range(len(like)))
        out.directions = len(d)
        return out
    raise _sequence_arithmetic("arithmetic")  # a join the lowering did not know of
