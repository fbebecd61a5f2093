"""Nested structures of arrays (pytrees): which values are nodes, their children, and how
to rebuild a node of the same type from new children.

A *leaf with a derivative* is a float scalar or a float array. A *node* is a tuple, a list,
a dict, a NamedTuple, a dataclass instance, or an instance of a user class holding its
attributes in `__dict__` (an Equinox-style module). Anything else (ints, strings, None,
functions, integer arrays) is a *static* leaf: held fixed, its derivative is None.

    flatten([(W, b), {"s": 2.0, "n": 3}])
        -> [W, b, 2.0], <treedef: list(tuple(leaf, leaf), dict(s=leaf, n=static))>
    unflatten(treedef, [W_bar, b_bar, 0.5]) -> [(W_bar, b_bar), {"s": 0.5, "n": None}]

Derivatives of a node inside generated code are `rt.Derivatives` (lists, tuples,
NamedTuples), `rt.DerivativeDict` (dicts) and `rt.DerivativeRecord` (dataclasses, objects);
`map_leaves(fn, value, derivative)` reads any of them (or the user's own types) at `value`'s
leaves and `rebuild` makes the user's type again; `as_derivative` goes the other way (a
cotangent given to a pullback). `float_leaves`, `derivative_leaves` and
`with_float_leaves` take apart and put together the leaves with a derivative (Jacobian
blocks, one-hot seeds), and `kind_string` tells the lowering a structured parameter's kind.
This module is the only place that knows what a node is: the API, the Jacobians, `testing`
and export use it.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .errors import ArgumentError
from .runtime.core import DerivativeDict, Derivatives
from .runtime.records import DerivativeRecord, new_object, record_fields


class Node(NamedTuple):
    """One node: its kind, its type, its keys (indices, dict keys or attribute names)."""

    kind: str  # "tuple", "list", "dict", "namedtuple", "dataclass", "object"
    type: type
    keys: tuple


def is_leaf(value: object) -> bool:
    """A float scalar or a float array: what has a derivative of its own. Arrays of other
    libraries that NumPy dispatches to (Dask, CuPy: NEP 18's `__array_function__`) count."""
    kind = type(value)
    if kind is float or kind is np.ndarray:  # the common cases, quickly
        return kind is float or value.dtype.kind == "f"
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (float, np.floating)):
        return True
    return is_array(value) and np.issubdtype(value.dtype, np.floating)


def is_array(value: object) -> bool:
    """A NumPy array, or another library's array that NumPy functions dispatch to."""
    return isinstance(value, np.ndarray) or (
        hasattr(type(value), "__array_function__") and hasattr(value, "dtype")
    )


def node(value: object) -> Node | None:
    """The node `value` is, or None for a leaf (with or without a derivative)."""
    kind = type(value)
    if kind in _LEAF_TYPES:  # the common cases, quickly
        return None
    if isinstance(value, tuple) and hasattr(kind, "_fields"):
        return Node("namedtuple", kind, tuple(kind._fields))
    if isinstance(value, (tuple, list)):
        return Node(_base(value), kind, tuple(range(len(value))))
    if isinstance(value, dict):
        return Node("dict", kind, tuple(value))
    if is_array(value):  # a Dask or CuPy array has a `__dict__`, but is a leaf
        return None
    fields = record_fields(value)
    if fields is None:
        return None
    is_dataclass = dataclasses.is_dataclass(value)
    return Node("dataclass" if is_dataclass else "object", kind, fields)


_LEAF_TYPES = frozenset((float, int, bool, str, type(None), np.ndarray, np.float64, np.float32))


def _base(value: object) -> str:
    return "tuple" if isinstance(value, tuple) else "list"


def children(value: object, at: Node) -> list:
    """The children of `value`, a node, in the order of `at.keys`."""
    if at.kind in ("namedtuple", "dataclass", "object"):
        return [getattr(value, key) for key in at.keys]
    return [value[key] for key in at.keys]


def rebuild(at: Node, items: list) -> object:
    """A node of `at`'s type holding `items` (derivatives of its children). Objects and
    dataclasses are made without calling `__init__` (it may validate or compute): their
    attributes are set directly, as `copy.copy` does."""
    if at.kind in ("tuple", "list"):
        return at.type(items)
    if at.kind == "namedtuple":
        return at.type(*items)
    if at.kind == "dict":
        return dict(zip(at.keys, items, strict=True))
    return new_object(at.type, at.keys, items)


class TreeDef(NamedTuple):
    """A structure without its leaves, hashable (derivatives are cached on it)."""

    node: Node | None  # None: a leaf
    children: tuple  # TreeDefs
    differentiable: bool  # a leaf with a derivative (for a leaf)
    code: Code | None = None  # a static leaf that is a function: the code the value runs


class Code:
    """A function-valued static leaf (`act=np.tanh`), compared by identity: a structure
    holding another function is another structure (another derivative). `own`: a method
    bound to the object holding it (`m.forward = types.MethodType(g, m)`), `value` its
    function: bound again to each value of the structure, as `example` rebuilds it."""

    __slots__ = ("own", "value")

    def __init__(self, value: object, own: bool = False) -> None:
        self.value = value
        self.own = own

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Code) and other.value is self.value and other.own == self.own

    def __hash__(self) -> int:
        return id(self.value)


def _leaf(value: object, holder: object = None) -> TreeDef:
    differentiable = is_leaf(value)
    if isinstance(value, types.MethodType) and holder is not None and value.__self__ is holder:
        return TreeDef(None, (), False, Code(value.__func__, own=True))
    code = Code(value) if not differentiable and callable(value) else None
    return TreeDef(None, (), differentiable, code)


def treedef(value: object) -> TreeDef:
    """The structure of `value` (`flatten`'s, without its leaves)."""
    return flatten(value)[1]


def example(tree: TreeDef) -> object:
    """A value of `tree`'s structure: its nodes of the same types, its function leaves the
    same functions, None at every other leaf. It says which code a value of that structure
    runs (methods, function attributes, list lengths), not its data."""
    if tree.node is None:
        return tree.code.value if tree.code is not None else None
    made = rebuild(tree.node, [example(c) for c in tree.children])
    for key, child in zip(tree.node.keys, tree.children, strict=True):
        if child.code is not None and child.code.own:  # (its own method: bound to it)
            object.__setattr__(made, key, types.MethodType(child.code.value, made))
    return made


def flatten(value: object) -> tuple[list, TreeDef]:
    """(leaves in order, the structure): static leaves included."""
    leaves: list = []
    inside: set[int] = set()  # the nodes being visited: one met again is a cycle

    def visit(x: object, holder: object = None) -> TreeDef:
        at = node(x)
        if at is None:
            leaves.append(x)
            return _leaf(x, holder)
        if id(x) in inside:
            raise ArgumentError(
                f"an argument holds itself (a {type(x).__name__} reached again through its "
                "own items or attributes): a structure of arrays must be a tree",
                hint="pass the arrays (or a tuple or dict of them) instead of the linked "
                "objects, or keep the back-reference out of the object given to s2s_ad",
            )
        if at.kind in ("object", "dataclass") and _computes_attributes(x, at):
            name = type(x).__name__
            raise ArgumentError(
                f"an argument is (or holds) a `{name}` object, whose class overrides "
                "`__getattribute__` to give attributes other than the ones it stores: the "
                "function reads what that method returns, s2s_ad would give derivatives "
                "with respect to the stored ones",
                hint="pass the arrays it holds as arguments of their own (or in a tuple or "
                f"dict), or hold the `{name}` fixed: differentiate with respect to the other "
                "arguments (`wrt=`)",
            )
        inside.add(id(x))
        holder = x if at.kind in ("object", "dataclass") else None  # (methods bind to it)
        tree = TreeDef(at, tuple(visit(c, holder) for c in children(x, at)), False)
        inside.discard(id(x))
        return tree

    return leaves, visit(value)


def _computes_attributes(value: object, at: Node) -> bool:
    """Whether `value`'s class computes the attributes read from it (`__getattribute__`)
    otherwise than as stored: checked at each call, on the values given (a proxy that
    only counts or logs the reads gives the stored objects)."""
    if type(value).__getattribute__ is object.__getattribute__:
        return False
    try:
        return any(getattr(value, k) is not object.__getattribute__(value, k) for k in at.keys)
    except Exception:  # (an attribute it refuses to give)
        return True


def unflatten(tree: TreeDef, leaves: list) -> object:
    items = iter(leaves)

    def build(t: TreeDef) -> object:
        if t.node is None:
            return next(items)
        return rebuild(t.node, [build(c) for c in t.children])

    return build(tree)


def map_leaves(fn: Callable, value: object, *others: object) -> object:
    """`value` with each leaf `x` replaced by `fn(x, *items of others at that place)`; the
    others may be derivatives of `value` (`rt.Derivatives`, `rt.DerivativeRecord`, dicts),
    where a missing item is None."""
    at = node(value)
    if at is None:
        return fn(value, *others)
    parts = [children(value, at)] + [_items_like(o, at) for o in others]
    return rebuild(at, [map_leaves(fn, *column) for column in zip(*parts, strict=True)])


def _items_like(derivative: object, at: Node) -> list:
    """The items of `derivative` at `at`'s keys: None where it holds none (a symbolic zero)."""
    if derivative is None or (type(derivative) in (float, int) and derivative == 0):
        return [None] * len(at.keys)  # a symbolic zero, or the 0.0 standing for one
    if isinstance(derivative, dict):  # a dict, or a record's derivative (`rt.DerivativeRecord`)
        return [derivative.get(key) for key in at.keys]
    if at.kind in ("dataclass", "object"):  # the user's own class (a tangent given to jvp)
        return [getattr(derivative, key, None) for key in at.keys]
    return list(derivative)  # a tuple, list or NamedTuple, or `rt.Derivatives` of one


def foreign_keys(value: object, given: object) -> list:
    """The keys of the dicts in `given` (a tangent or cotangent a caller gave for `value`,
    in any derivative form) that name no item of `value`'s node at their place: a typo, or
    positions given for a record's fields (`{0: t}` for a NamedTuple), which would be read
    as a zero tangent."""
    at = node(value)
    if at is None or given is None:
        return []
    found = [k for k in given if k not in at.keys] if isinstance(given, dict) else []
    for child, item in zip(children(value, at), _items_like(given, at), strict=False):
        found += foreign_keys(child, item)
    return found


def has_derivative(value: object) -> bool:
    """A leaf with a derivative, or a node holding at least one."""
    leaves, _ = flatten(value)
    return any(is_leaf(x) for x in leaves)


def float_leaves(value: object) -> list:
    """The leaves of `value` that have a derivative, in `flatten`'s order."""
    leaves, _ = flatten(value)
    return [x for x in leaves if is_leaf(x)]


def derivative_leaves(derivative: object, like: object) -> list:
    """The items of `derivative` (of `like`, in any derivative form) at `like`'s leaves
    with a derivative, in `float_leaves`' order: None where it holds none."""
    found: list = []
    map_leaves(lambda x, d: found.append(d) if is_leaf(x) else None, like, derivative)
    return found


def with_float_leaves(value: object, leaves: list) -> object:
    """`value`'s structure holding `leaves` at its leaves with a derivative, None at its
    static leaves (ints, strings, None): a derivative in the user's types."""
    items = iter(leaves)
    return map_leaves(lambda x: next(items) if is_leaf(x) else None, value)


def as_derivative(value: object) -> object:
    """`value` (a structure in the user's types, such as a cotangent given to a pullback)
    in the form generated code holds derivatives in: `rt.Derivatives` for tuples, lists and
    NamedTuples, `rt.DerivativeDict` for dicts, `rt.DerivativeRecord` for records."""
    at = node(value)
    if at is None:
        return value
    items = [as_derivative(c) for c in children(value, at)]
    if at.kind in ("tuple", "list", "namedtuple"):
        return Derivatives(items)
    table = dict(zip(at.keys, items, strict=True))
    return DerivativeDict(table) if at.kind == "dict" else DerivativeRecord(table)


def kind_string(tree: TreeDef) -> str | None:
    """The lowering's kind of a parameter passed as `tree` (ssa/kinds.py): "list", "tuple"
    or "dict", followed by "/" and its items' kind when they all have the same one."""
    at = tree.node
    if at is None or at.kind in ("dataclass", "object"):
        return None
    if at.kind == "namedtuple" and any(
        getattr(at.type, method) is not getattr(tuple, method) for method in ("__add__", "__mul__")
    ):
        return "?"  # (its own `+` or `*`: not a join nor a repeat; ssa/kinds.py's MAYBE)
    top = {"namedtuple": "tuple"}.get(at.kind, at.kind)
    if top == "dict":
        return top
    kinds = {kind_string(c) for c in tree.children} or {"*"}  # "*": it has no items
    item = kinds.pop() if len(kinds) == 1 else None
    return f"{top}/{item}" if item else top


def _cls(tree: TreeDef) -> type | None:
    """The class of a dataclass or object node (its methods are followed), else None."""
    return tree.node.type if tree.node is not None and tree.node.kind in _OBJECTS else None


_OBJECTS = ("dataclass", "object")


def entry_kinds(tree: TreeDef) -> dict:
    """The lowering's kinds of the items of a structure passed as `tree` (ssa/entry_kinds.py):
    position (of a list or tuple) or key (of a dict, or a record's attribute: a NamedTuple's
    field, read by position too) → (`kind_string`
    of the item there, its own entries or None for a leaf, the class of the object of a
    user class there or None: ssa/object_operators.py calls its operator methods), in order."""
    keys = (
        tree.node.keys if tree.node.kind in ("dict", "dataclass", "object", "namedtuple") else None
    )
    keys = keys or range(len(tree.children))
    return {
        key: (
            kind_string(child),
            entry_kinds(child) if child.node is not None else None,
            _cls(child),
        )
        for key, child in zip(keys, tree.children, strict=True)
    }
