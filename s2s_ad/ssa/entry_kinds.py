"""The kinds of single items of lists, tuples, dicts and records, so that `+` of two of them
joins lists as Python does (`kinds.py` writes `rt.concat`) where they are lists.

`kinds.py` follows whether a value is a list or tuple, and the kind all its items share.
This follows each item on its own where the lowering knows where it sits: SSA name →
{position, literal key or attribute: the kind of the value there and, where it is a
structure, its own items' (nested: `cfg[0]["a"]`)}, for values made here
(displays, appends, joins, literal-key assignments, `dict(...)`, constructors of records and
objects, `_replace`, a helper's result: `Function.result_entries`) and for arguments, from
their structure (`pytrees.entry_kinds`). An entry of a dict not followed is perhaps a list
(`kinds.MAYBE`: `+` of it is `rt.plus`, whose derivative refuses a join). Before → after (`x`
a float):

    d = {"a": [x], "b": [2.0]}      (d's entries: {"a": "list", "b": "list"})
    L = d["a"] + d["b"]             _t5 = d['a']; _t6 = d['b']; L = rt.concat(_t5, _t6)
"""

from __future__ import annotations

import operator
import types

import gast

from .. import runtime
from ..runtime import append, replaced, setitem, updated, without_key
from .callable_values import is_user_object
from .ir import Atom, Const, Expr, Free, Index, Prim, Return, Var
from .kinds import JOINS, MAYBE, helper_facts, is_users, join_kinds
from .records import ENTRY_CLASSES_READ

_KEYS = (str, int, float, bytes)  # literal keys, positions and attribute names
_ABSENT = object()  # (a dict's entry known not to be there)
# SSA name of a differentiated argument → its class, where an object of a user class
# (ssa/live_objects.py): an item holding it has that class too
LIVE_CLASSES = "live_classes"
# the runtime's functions `_entries_made` asks about, in tuples made once (as in kinds.py)
_DISPLAYS = (runtime.make_dict, runtime.make_list)
_SAME_ENTRIES = (runtime.copy_dict, runtime.sequence, runtime.deep_copy, *runtime.IDENTITY_CHECKS)
_ITEM_READS = (operator.getitem, getattr, runtime.dict_get)
_CONSTRUCTIONS = (runtime.new_record, runtime.new_object)


class EntryKinds:
    """Mixed into the expression lowering before `kinds.py`'s `SequenceKinds` (it uses
    `kind_of`)."""

    @property
    def entries(self) -> dict[str, dict | None]:
        """SSA name → the items of the list, tuple, dict or record it holds: position, key
        or attribute → (its kind, None where not known; its own entries, None where not
        known), every item's, in order; None where not all are known."""
        return self.__dict__.setdefault("_entries", {})

    def note_entries(self, target: str, value: Expr) -> None:
        """Record the entries of what `target` holds (`_entries_made`), joined with those
        it held before: `note_kind` calls it after kinds.py's `note_sequence_kind`."""
        entries = self.entries  # (a property: looked up once)
        made = self._entries_made(value)
        if target in entries:  # a join, or a loop header whose body adds items
            before = entries[target]
            made = _joined(before, made)
            lost = _lost_class(before, made)
            read = self.__dict__.get(ENTRY_CLASSES_READ, ())  # (ssa/records.py)
            if (
                lost is not None
                and target in read
                and target in self.__dict__.get("classes_used", ())
            ):
                self._refuse_lost_class(target, value, lost)  # (methods were inlined for it)
        entries[target] = made

    def _refuse_lost_class(self, target: str, value: Expr, lost: tuple) -> None:
        """`target` (a loop's header) held an object of a class at `lost[0]`, whose methods
        were inlined in the loop, and the back edge `value` holds another value there."""
        key, cls = lost
        names = {target, getattr(value, "name", None)}
        users = sorted(k for k, b in self.env.items() if getattr(b, "name", None) in names)
        raise self._unsupported(
            f"{f'`{users[0]}`' if users else 'a name'} holds an object of `{cls.__name__}` "
            f"made in the function (at {key!r}) when the loop starts, and another value there "
            f"after an iteration: the methods inlined for `{cls.__name__}` would be the wrong "
            "ones",
            hint="keep objects of one class there, or bind the new value to another name",
        )

    def entry_kind(self, container: Atom, index: object, default: str | None = None):
        """The kind of the item of `container` at `index` (an `Index`, or the key itself:
        a literal position, key or attribute name), where known; for a dict known not to
        have the key, `default` (`d.get(k, default)`)."""
        entry = self._item_entry(container, index)
        if entry is None and self.kind_of(container) == "dict":
            return MAYBE  # (an entry not followed: perhaps a list)
        return default if entry is _ABSENT else entry and entry[0]

    def _item_entry(self, container: Atom, index: object) -> tuple | object | None:
        """The entry of the item of `container` at `index`; `_ABSENT` where `container` is
        a dict known not to have the key; None where not known."""
        entries = self._entries_made(container)
        key = literal_key(index)
        if entries is None or key is None:
            return None
        return _entry_at(entries, self.kind_of(container), key.value)

    def chain_class(self, node: gast.expr) -> type | None:
        """The class of the object of a user class at `d["a"]`, `pair.left`, `cfg["p"][0]`
        (literal keys and attributes from a local name), where its entries say; else None."""
        path = []
        while isinstance(node, (gast.Subscript, gast.Attribute)):
            if isinstance(node, gast.Attribute):
                path.append(node.attr)
            elif isinstance(node.slice, gast.Constant) and type(node.slice.value) in _KEYS:
                path.append(node.slice.value)
            elif _negative_position(node.slice) is not None:  # `items[-1]`
                path.append(_negative_position(node.slice))
            else:
                return None
            node = node.value
        bound = self.env.get(node.id) if isinstance(node, gast.Name) and path else None
        if not isinstance(bound, Var):
            return None
        entry = self._item_entry(bound, Const(path.pop()))
        while path and isinstance(entry, tuple) and entry[1] is not None:
            entry = _entry_at(entry[1], entry[0], path.pop())
        return entry[2] if isinstance(entry, tuple) and not path else None

    def _entry(self, atom: object) -> tuple:
        """(the kind of `atom`, its entries, the class of the object of a user class it is,
        made here or given: ssa/records.py, ssa/live_objects.py): what an item holding it
        has."""
        live = self.__dict__.get(LIVE_CLASSES, {}).get(getattr(atom, "name", None))
        if isinstance(atom, Free) and is_user_object(atom.value):  # (held fixed: read now)
            live = type(atom.value)
        return self.kind_of(atom), self._entries_made(atom), self._class_made(atom) or live

    def entry_class(self, container: Atom, index: object) -> type | None:
        """The class of the object of a user class that sits in `container` at `index` (a
        literal position, key or attribute), where known."""
        entry = self._item_entry(container, index)
        return entry[2] if isinstance(entry, tuple) else None

    def _result_entries(self) -> dict | None:
        """`Function.result_entries`: of the returned value, or of each returned value."""
        last = self.body[-1] if self.body else None
        if not isinstance(last, Return):
            return None
        if last.is_tuple:
            return {i: self._entry(value) for i, value in enumerate(last.values)}
        return self._entries_made(last.values[0])

    def _entries_made(self, value: Expr) -> dict | None:
        if isinstance(value, Var):
            return self.entries.get(value.name)
        if isinstance(value, Free):  # a list held fixed, read now: its objects' classes
            return self._held_entries(value.value)
        if not isinstance(value, Prim):
            return None
        fn, args = value.fn, value.args
        if fn in _DISPLAYS:
            return {i: self._entry(a) for i, a in enumerate(args)}
        if fn in _SAME_ENTRIES:
            return self._entries_made(args[0])
        if fn in (list, tuple) and len(args) == 1:  # a copy of a list or tuple (not of a dict)
            known = (self.kind_of(args[0]) or "").split("/")[0] in ("list", "tuple")
            known = known or isinstance(args[0], Free)  # (`_held_entries`: lists alone)
            return self._entries_made(args[0]) if known else None
        if fn is append:
            before = self._entries_made(args[0])
            return None if before is None else {**before, len(before): self._entry(args[1])}
        if fn in JOINS:
            parts = [self._entries_made(a) for a in args]
            if None in parts:
                return None
            return dict(enumerate([*parts[0].values(), *parts[1].values()]))
        if isinstance(fn, types.FunctionType) and is_users(fn):  # a helper's result
            return helper_facts(fn)[5]
        if fn is updated:  # `{**d, **e}`
            parts = [self._entries_made(a) for a in args]
            return None if None in parts else {**parts[0], **parts[1]}
        if fn is without_key:  # `d.pop(k)`
            before, key = self._entries_made(args[0]), literal_key(args[1])
            if before is None or key is None:
                return None
            return {k: entry for k, entry in before.items() if k != key.value}
        if fn is setitem:
            return self._entry_set(args[0], args[2], self._entry(args[1]))
        if fn in _ITEM_READS:  # `cfg[0]["a"]`
            entry = self._item_entry(args[0], args[1])
            return entry[1] if isinstance(entry, tuple) else None
        if fn in _CONSTRUCTIONS:  # (cls, field names, their values)
            items = self._entries_made(args[2])
            if items is None or not isinstance(args[1], Const):
                return None
            return dict(zip(args[1].value, items.values(), strict=True))
        if fn is replaced:  # `p._replace(b=v)`: (record, names, their values)
            before, items = self._entries_made(args[0]), self._entries_made(args[2])
            if before is None or items is None or not isinstance(args[1], Const):
                return None
            return {**before, **dict(zip(args[1].value, items.values(), strict=True))}
        return None

    def _held_entries(self, value: object) -> dict | None:
        """The entries of a list or tuple held fixed that holds objects of user classes:
        their classes alone (what the operators ask), each object watched at its position
        from either end (a list grown or shrunk since makes a new derivative); None for
        any other value."""
        if type(value) not in (list, tuple) or not any(map(is_user_object, value)):
            return None
        found = {}
        for i, item in enumerate(value):
            found[i] = (None, None, type(item) if is_user_object(item) else None)
            if found[i][2] is not None:
                self.scope.watch(value, i, item)
                self.scope.watch(value, i - len(value), item)
        return found

    def _entry_set(self, container: Atom, index: object, entry: tuple) -> dict | None:
        """The entries of `container` with `entry` at `index` (`x[k] = v`)."""
        before, key = self._entries_made(container), literal_key(index)
        top = (self.kind_of(container) or "").split("/")[0]
        if before is None or key is None or top not in ("list", "dict"):
            return None
        if top == "list":
            position = _position(key.value, len(before))
            return None if position is None else {**before, position: entry}
        return {**before, key.value: entry}


def literal_key(index: object) -> Const | None:
    """The literal key of `x[k]` (an `Index`, or the key itself as gradient code writes
    `rt.setitem(d, v, 'w')`) or attribute name, or None."""
    if isinstance(index, Index):
        index = index.items[0] if len(index.items) == 1 and not index.is_tuple else None
    literal = isinstance(index, Const) and type(index.value) in _KEYS
    return index if literal else None


def _negative_position(index: gast.expr) -> int | None:
    """`-k` of `x[-k]` (a literal int under unary minus), or None."""
    if isinstance(index, gast.UnaryOp) and isinstance(index.op, gast.USub):
        inner = index.operand
        if isinstance(inner, gast.Constant) and type(inner.value) is int:
            return -inner.value
    return None


def _entry_at(entries: dict, kind: str | None, key: object) -> tuple | object | None:
    """The entry at the literal `key` of a container of `kind` holding `entries`; `_ABSENT`
    where a dict is known not to have the key; None where not known."""
    top = (kind or "").split("/")[0]
    if top in ("list", "tuple") and type(key) is int:  # (a NamedTuple's by name)
        position = _position(key, len(entries))
        return None if position is None else list(entries.values())[position]
    if key in entries:
        return entries[key]
    return _ABSENT if top == "dict" else None


def _position(key: object, length: int) -> int | None:
    """The position `L[key]` reads in a sequence of `length`, where in range."""
    if type(key) is not int or not -length <= key < length:
        return None
    return key % length


def _joined(a: dict | None, b: dict | None) -> dict | None:
    """The entries of a name assigned values with entries `a` and `b`: the same keys, each
    item's kind the join of both (`kinds.py`'s), and its entries joined."""
    if a is None or b is None or list(a) != list(b):
        return None
    return {
        key: (
            join_kinds(a[key][0], b[key][0]),
            _joined(a[key][1], b[key][1]),
            a[key][2] if a[key][2] is b[key][2] else None,
        )
        for key in a
    }


def _lost_class(before: dict | None, after: dict | None) -> tuple | None:
    """(the key, the class) of an object `before` holds (nested), which methods may have
    been inlined for, where `after` holds no object of that class; else None."""
    for key, (_, inner, cls) in (before or {}).items():
        entry = (after or {}).get(key)
        if cls is not None and (entry is None or entry[2] is not cls):
            return key, cls
        found = _lost_class(inner, entry and entry[1])
        if found is not None:
            return found
    return None
