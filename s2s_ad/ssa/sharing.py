"""What the result of each primitive may share memory with (for `ssa/aliasing.py`).

Before: a primitive `Prim(fn, args)`. After: the SSA values among its operands the result
may share memory with, and whether it certainly does: `a[1:3]` certainly shares with `a`
(a view), `a[i]` perhaps (a scalar or a row), `a.reshape(3, 2)` perhaps (a view, or a copy
when `a` is not contiguous), `np.tanh(a)` never (a new array). Also the NumPy functions and
methods that write into an argument, refused by the lowering.
"""

from __future__ import annotations

import copy
import itertools
import operator
import types

import gast
import numpy as np
from gast import Load, Name, Store  # (the walks of `names_read`, `assigned_names`)

from .. import runtime
from ..custom import stop_gradient
from ..frontend.nodes import descendants
from .ir import Assign, Atom, Const, Free, Index, Prim, SliceItem, Var

# Functions whose result is certainly a view of (or the very object of) their first argument.
VIEWS = {
    np.transpose,
    np.swapaxes,
    np.squeeze,
    np.expand_dims,
    np.moveaxis,
    np.flip,
    np.fliplr,
    np.flipud,
    np.rot90,
    np.diagonal,
    np.broadcast_to,
}
# Functions whose result may be a view of, or the very object of, an argument.
MAYBE_VIEWS = {
    np.reshape,
    np.ravel,
    np.asarray,
    np.asanyarray,
    np.ascontiguousarray,
    np.asfortranarray,
    np.atleast_1d,
    np.atleast_2d,
    np.atleast_3d,
    np.real,
    np.imag,
    np.split,
    np.array_split,
    np.hsplit,
    np.vsplit,
    np.broadcast_arrays,
    max,
    min,
    tuple,
    stop_gradient,
    runtime.append,  # a list holds its items
    runtime.sequence,  # what a loop iterates: the very object when it is an array or a list
    runtime.max_of,  # max(xs): one of the items (ssa/builtins.py)
    runtime.min_of,
    runtime.exactly,  # a tuple target's value, checked: the very object
}
# primitives whose result holds (or is built of) their operands: dicts, records, objects
HOLDERS = {
    runtime.copy_dict,
    runtime.dict_values,
    runtime.dict_items,
    runtime.dict_get,
    runtime.new_record,
    runtime.new_object,
    runtime.replaced,
}
# calls of one list or dict making a new one of its items (`_shallow_copy`; not `d.items()`,
# a live view in Python: kept, it sees what is added or replaced)
ITEMS_ONLY = (
    runtime.copy_dict,
    runtime.sequence,
    list,
    dict,
    tuple,
    sorted,
    copy.copy,
    runtime.reversed_items,
)
# the same, with options after the list (`rt.at_least(xs, 1, 0)` of `first, *rest = xs`)
ITEMS_ONLY_WITH_OPTIONS = (
    runtime.sorted_items,
    runtime.sorted_by_keys,
    runtime.at_least,
    itertools.islice,
)
# calls making a list, tuple or dict of the items of those they are given (`_note_placed`)
PLACES_ITEMS_OF = (
    *ITEMS_ONLY,
    *ITEMS_ONLY_WITH_OPTIONS,
    runtime.concat,
    runtime.extend,
    runtime.repeat,
    runtime.updated,
    runtime.without_key,
    *runtime.IDENTITY_CHECKS,
)
# calls giving one of the items of their first argument (`d.get(k)`, `next(it)`, `max(rows)`)
ITEM_READS = (runtime.dict_get, next, runtime.max_of, runtime.min_of)
# calls whose result holds the very objects they are given, or items of them: a display, a
# list grown, joined or copied, a record, a dict's values (what a module's array put into
# one is, the result may hold: `ssa/state_reads.py`, `ssa/cse.py`)
_STORES = frozenset(
    {*HOLDERS, *PLACES_ITEMS_OF, iter, reversed, runtime.exactly, runtime.unzip}
    | {runtime.append, runtime.make_list, runtime.make_dict, runtime.setitem}
)


def stores_given(fn: object) -> bool:
    """Whether `fn`'s result may hold the very objects it is given, any of them, or their
    items: `rt.append(l, w)`, `rt.concat(a, b)`, `dict(pairs)`, `tuple(pair)`."""
    try:
        return fn in _STORES
    except TypeError:  # an unhashable callee
        return False


def carries_given(fn: object) -> bool:
    """Whether `fn`'s result may be or hold what it is given, or what that holds: a store
    (`stores_given`), an item or attribute read out (`ws[0]`, `d.get(k)`), a view
    (`np.asarray(w)`)."""
    if stores_given(fn):
        return True
    try:
        return fn in _READS_OUT or sharing_kind(fn) is not None
    except TypeError:
        return False


_READS_OUT = frozenset({*ITEM_READS, operator.getitem, getattr})


OPERATORS = {
    gast.Add: "+",
    gast.Sub: "-",
    gast.Mult: "*",
    gast.Div: "/",
    gast.Pow: "**",
    gast.MatMult: "@",
    gast.FloorDiv: "//",
    gast.Mod: "%",
    gast.BitAnd: "&",
    gast.BitOr: "|",
    gast.BitXor: "^",
}
# NumPy functions that write into an argument.
WRITING_FUNCTIONS = {
    np.copyto: "np.copyto(dst, src)",
    np.put: "np.put(a, ind, v)",
    np.place: "np.place(a, mask, vals)",
    np.putmask: "np.putmask(a, mask, values)",
    np.fill_diagonal: "np.fill_diagonal(a, val)",
    np.put_along_axis: "np.put_along_axis(a, ind, vals, axis)",
}
WRITING_METHODS = {
    "sort": "np.sort(a)",
    "fill": "np.full_like(a, value)",
    "resize": "np.resize(a, shape)",
    "put": "a copy with the element assignment `a[ind] = v`",
    "itemset": "an element assignment `a[i] = v`",
    "partition": "np.partition(a, k)",
    "setfield": "a new array",
    "byteswap": "a new array",
    "setflags": "nothing: arrays made in the function are writeable",
    "clear": "a new empty list `xs = []`",
    "extend": "`xs = xs + ys`",
    "insert": "a new list",
    "pop": "indexing `xs[-1]` and a new list `xs[:-1]` (`.pop()` is lowered on a list or dict "
    "made in the function)",
    "remove": "a new list",
    "reverse": "`xs[::-1]`",
}


def names_read(fn: gast.FunctionDef) -> set[str]:
    """The names a nested function's body reads (its closure among them)."""
    return {n.id for n in descendants(fn) if isinstance(n, Name) and isinstance(n.ctx, Load)}


def targets(stmt: gast.Assign | gast.For) -> list[gast.expr]:
    return stmt.targets if isinstance(stmt, gast.Assign) else [stmt.target]


def assigned_names(node: gast.AST) -> set[str]:
    """The names `node` assigns (a nested function: its own locals, Python's scoping rule;
    a loop's statement: names an iteration rebinds)."""
    return {n.id for n in descendants(node) if isinstance(n, Name) and isinstance(n.ctx, Store)}


def sources(prim: Prim) -> list[tuple[str, bool]]:
    """The SSA values the result of `prim` may share memory with, and whether it certainly
    does."""
    fn, args = prim.fn, prim.args
    first = args[0] if args and isinstance(args[0], Var) else None
    if fn is operator.getitem and first is not None:
        return [(first.name, _basic_view(args[1]))]
    if fn is np.ravel and prim.spelled == "flatten":  # `x.flatten()` copies
        return []
    if copy_may_be_skipped(prim):
        return [] if first is None else [(first.name, False)]
    kind = sharing_kind(fn)
    if kind == "view" and first is not None:
        return [(first.name, True)]
    if kind == "maybe" or (
        kind is None and isinstance(fn, types.FunctionType) and user_function(fn)
    ):
        atoms = [*args, *(a for _, a in prim.kwargs)]
        return [(a.name, False) for a in atoms if isinstance(a, Var)]
    return []


# Calls that make a new array unless told not to: `copy=False` (or NumPy 2's `copy=None`,
# a copy only where needed) may give the argument itself. The position of `copy` among
# the positional arguments (None: keyword only).
_COPY_ARGUMENT = ((np.ndarray.astype, 5), (np.array, None))


def copy_may_be_skipped(prim: Prim) -> bool:
    """Whether `prim` is such a call whose `copy` is not a true literal."""
    for fn, position in _COPY_ARGUMENT:
        if prim.fn is fn:
            given = position is not None and len(prim.args) > position
            copy = dict(prim.kwargs).get("copy", prim.args[position] if given else Const(True))
            return not (isinstance(copy, Const) and copy.value)
    return False


def sharing_kind(fn: object) -> str | None:
    """ "view" for a function whose result is certainly a view of its first argument, "maybe"
    for one whose result may share memory with an argument, else None."""
    try:
        return "view" if fn in VIEWS else "maybe" if fn in MAYBE_VIEWS else None
    except TypeError:  # an unhashable callee
        return None


def dict_view(fn: object) -> bool:
    """Whether `fn` is a dict's `values` or `items` method bound to it (`CFG.items` of a
    module's dict, called): its view holds the very values."""
    named = getattr(fn, "__name__", "") in ("values", "items")
    return named and isinstance(getattr(fn, "__self__", None), dict)


def dict_lookup(fn: object) -> bool:
    """Whether `fn` is a dict's `get` or `setdefault` bound to it (`CFG.get("arr")` of a
    module's dict): its value is the very object the dict holds."""
    named = getattr(fn, "__name__", "") in ("get", "setdefault")
    return named and isinstance(getattr(fn, "__self__", None), dict)


# Functions making a new list, tuple or dict that holds the very items of their argument.
_ITEM_COPIES = {list, tuple, copy.copy, runtime.copy_dict, runtime.reversed_items}


def copies_items(fn: object) -> bool:
    """Whether `fn` makes a new container holding the very items of its argument (`list(WS)`,
    `dict(CFG)`, `copy.copy(WS)`, `list(reversed(WS))`) or of the list or dict it is bound to
    (`WS.copy()`, `CFG.copy()` of a module's)."""
    try:
        if fn in _ITEM_COPIES:
            return True
    except TypeError:  # an unhashable callee
        return False
    named = getattr(fn, "__name__", "") == "copy"
    return named and isinstance(getattr(fn, "__self__", None), (list, dict))


def holds_module_object(value: object, holders: set[str]) -> bool:
    """Whether `value` (an atom or a primitive) is a module's list, dict, array or object,
    or may be or hold one read out of one (or out of a variable of `holders`, those that
    may): an item, a loop's items, a view, a copy holding its items (`M[0]`, `for w in
    WS:`, `M.reshape(-1)`, `dict(CFG)`), a list it is put in (`[WS[0]]`, `ws + [v]`)."""
    if isinstance(value, Free):
        return isinstance(value.value, (list, dict, np.ndarray)) or hasattr(value.value, "__dict__")
    if isinstance(value, Var):
        return value.name in holders
    if not isinstance(value, Prim):
        return False
    if dict_lookup(value.fn):  # (`CFG.get("arr")`: the very object)
        return True
    if not value.args:  # (`CFG.items()`, `WS.copy()`: its values, the very objects)
        return dict_view(value.fn) or copies_items(value.fn)
    modules = [a.value if isinstance(a, Free) else None for a in value.args]
    # (`rt.append(kept, w)`, `rt.concat(ws, vs)`, `WS * 2`: any of what they are given)
    if stores_given(value.fn) or joins_sequences(value, modules):
        atoms = (*value.args, *(a for _, a in value.kwargs))
        return any(holds_module_object(a, holders) for a in atoms)
    if not holds_module_object(value.args[0], holders):
        return False
    shares = value.fn in (operator.getitem, runtime.dict_get)
    return shares or sharing_kind(value.fn) is not None or copies_items(value.fn)


def joins_sequences(prim: Prim, values: list) -> bool:
    """Whether `prim` is `+` of two lists or tuples or `*` of one by an integer (`WS * 2`,
    `WS + VS` of a module's, lowered as arithmetic where the lowering did not know they are
    lists): a join of their very items, not numbers computed (`x * WL` of an array is).
    `values`: the object each operand is known to hold (anything else where not known)."""
    if prim.fn not in (operator.add, operator.mul) or len(prim.args) != 2:
        return False
    sequences = [isinstance(v, (list, tuple)) for v in values]
    if prim.fn is operator.add:
        return all(sequences)
    counts = [isinstance(a, Const) and type(a.value) is int for a in prim.args]
    return (sequences[0] and counts[1]) or (sequences[1] and counts[0])


def module_holders(statements: list) -> set[str]:
    """The variables assigned among `statements` (a function's, walked in order) that may
    be or hold a module's object (`holds_module_object`)."""
    holders: set[str] = set()
    for stmt in statements:
        if isinstance(stmt, Assign) and holds_module_object(stmt.value, holders):
            holders.add(stmt.target)
    return holders


def user_function(fn: types.FunctionType) -> bool:
    """A function of the user's (or any library's Python code without a rule): its result
    may be one of its arguments or a view of one."""
    from ..rules.registry import lookup

    return lookup(fn) is None


def _basic_view(index: Atom | Index) -> bool:
    """Whether `x[index]` is certainly a view: basic indexing with a slice, `None` or `...`
    (integers alone may give a scalar, index arrays a copy)."""
    if not isinstance(index, Index):
        return False
    items = index.items
    basic = all(
        isinstance(i, SliceItem)
        or (isinstance(i, Const) and (i.value is None or i.value is Ellipsis or _is_int(i.value)))
        for i in items
    )
    return basic and any(not (isinstance(i, Const) and _is_int(i.value)) for i in items)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
