"""Alias and view analysis: in-place updates of objects that other names may see.

The lowering models values: `a[i] = v`, `x += e` and `xs.append(v)` give the updated name a
new SSA version and leave every other name as it was. Python updates the *object*, which
other names may share: a view (basic slicing, `.T`, `reshape`, `ravel`, `squeeze`,
`np.asarray`, …), an alias (`b = a`), a list or tuple holding it, a loop element, a
helper's result, an argument (the caller's array). This pass, a mixin of the lowering,
records how each SSA value was made from others and, at every in-place update, looks at
every other name still read later that may share memory with the updated one:

- certainly the same object (`b = a`), for an element update or `append` (only arrays and
  lists have those): the other name is rebound to the new version too, exactly;
- certainly a view or the base of a view (`v = a[1:3]`): refused, naming both names;
- perhaps shared (an integer index `s = a[i]` is a scalar or a row; `b = a` when `b += e`
  may be a float's rebinding; a join of branches; a list element): the update's operand
  goes through `rt.unshared`, which returns it unchanged, or raises a located error naming
  both names when they do share memory at run time.

Before (`s = a[0]` may be a row of `a`, which is read later)::

    a = x * 2.0
    s = a[0]
    s += 1.0
    return np.sum(a) + s

After (SSA; the message names `s`, `a` and the line that made `s`)::

    a = x * 2.0
    s = a[0]
    _t1 = rt.unshared(s, a, 'f.py', 6, 'unsupported construct: `s += …` on `s`, …', '…')
    s_1 = _t1 + 1.0
    _t2 = np.sum(a)
    f = _t2 + s_1
    return f

What each primitive may share memory with is in `ssa/sharing.py`.
"""

from __future__ import annotations

import collections
import itertools
import linecache
import operator
import types
from dataclasses import replace

import gast
import numpy as np
from gast import Call, Name  # (the commonest node checks: no module lookup each time)

from .. import runtime
from ..frontend.nodes import descendants
from ..naming import is_generated_tape
from ..runtime import dict_values, extend, repeat, setitem  # (asked of every binding)
from .function_values import FunctionItems
from .ir import METHOD, Assign, Atom, Const, Free, Index, Prim, Return, SliceItem, Var
from .kinds import JOINS, helper_facts, is_users
from .lower_expr import ARRAY_METHODS
from .names import first_uses, param_names, stored_names
from .nested_functions import Nested
from .partials import user_parameter
from .sharing import (
    HOLDERS,
    ITEM_READS,
    ITEMS_ONLY,
    ITEMS_ONLY_WITH_OPTIONS,
    PLACES_ITEMS_OF,
    WRITING_FUNCTIONS,
    WRITING_METHODS,
    assigned_names,
    copy_may_be_skipped,
    names_read,
    sharing_kind,
    sources,
    targets,
    user_function,
)


def _mutable(value: object) -> bool:
    """An array, list, dict or object a global may hold, which an update would change."""
    if isinstance(value, (np.ndarray, list, dict)):
        return True
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, (type, types.ModuleType))
        and not callable(value)
    )


# methods giving back an item a module's list, dict or deque holds, the very object (a
# `copy()` is a new list or dict; an array's views are `sharing_kind`'s)
_ITEM_METHODS = frozenset(("get", "setdefault", "pop", "popitem", "popleft", "__getitem__"))


# a module's containers whose items a new list or dict may hold
_CONTAINERS = (list, dict, tuple, collections.deque)
# primitives whose result holds the items of (or the) values they are given
_ITEM_KEEPERS = frozenset(
    {*HOLDERS, *JOINS, runtime.append, runtime.make_list, runtime.make_dict, runtime.setitem}
    | {iter, reversed, runtime.repeat}
)
_BUILDERS = frozenset({runtime.append, runtime.make_list, runtime.make_dict, runtime.setitem})
# a module's container's methods giving a new list, dict or view of its items
_HOLDING_METHODS = frozenset(("copy", "values", "items"))


def _holds_mutable(container: object) -> bool:
    """Whether `container`, a module's list, tuple, dict or deque, holds an object an update
    in place would change (a list, an array, an object: not numbers or strings)."""
    if not isinstance(container, _CONTAINERS):
        return False
    items = container.values() if isinstance(container, dict) else container
    return any(
        isinstance(item, (*_CONTAINERS, set)) or _mutable(item)
        for item in itertools.islice(items, 64)
    )


def _holds_objects(value: object) -> bool:
    """Whether an item or attribute of `value`, a module's container or object, may be an
    object an update in place would change (an object of the user's: its attributes)."""
    if isinstance(value, _CONTAINERS):
        return _holds_mutable(value)
    return _mutable(value) and not isinstance(value, np.ndarray)


def _global_container_method(value: Prim) -> str | None:
    """The global (as spelled) whose items `value` holds, a method of a module's list,
    dict or deque giving a copy or a view (`CACHE.copy()`, `D.values()`); else None."""
    owner = getattr(value.fn, "__self__", None)
    if not _holds_mutable(owner) or not value.spelled:
        return None
    if getattr(value.fn, "__name__", "") not in _HOLDING_METHODS:
        return None
    return value.spelled.rpartition(".")[0] or None


def _global_owner(value: Prim) -> str | None:
    """The global (as spelled) whose item `value` gives, a method of a module's object
    (`CACHE.setdefault(k, [])`, `QUEUE.pop()`); else None."""
    fn = value.fn
    owner = getattr(fn, "__self__", None)
    if owner is None or getattr(fn, "__name__", "") not in _ITEM_METHODS or not value.spelled:
        return None
    if not (_mutable(owner) or isinstance(owner, collections.deque)):
        return None
    spelled, _, _ = value.spelled.rpartition(".")
    return spelled or None


def _sliced(value: Prim) -> bool:
    """Whether `value` is `c[…]` with a slice in the index (a list's copy, an array's view)."""
    index = value.args[1] if len(value.args) > 1 else None
    return isinstance(index, Index) and any(isinstance(i, SliceItem) for i in index.items)


# `child` was made from `parent`: an edge is (parent, same, certain), `same` when `child` is
# the very object (`b = a`), `certain` when it certainly shares memory with `parent` (else:
# perhaps). (A plain tuple: one is made at nearly every binding, and the walks unpack one
# per edge they follow, cheaper than a named tuple's Python `__new__` and its attributes.)
Edge = tuple[str, bool, bool]


class Ancestry:
    """Every value a value was made from (`every`), those it certainly shares memory with
    (`certain`), and those it is certainly the very object of (`same`); each holds the
    value itself, and `same` ⊆ `certain` ⊆ `every`. A chain of edges is certain (the same
    object) where each of its edges is: so each set is what the value reaches through
    the edges of its kind, and a value's sets hold those of each value they hold."""

    __slots__ = ("certain", "every", "same")

    def __init__(self, name: str) -> None:
        self.every, self.certain, self.same = {name}, {name}, {name}

    def __contains__(self, name: str) -> bool:
        return name in self.every


DEFAULT = "a default"  # (a sharer that is a nested function's default: `_sharers`)
CARRIED_TOKEN = "<values carried by the loop on line"  # (`_note_loop`)
# (tuples `_note_binding` asks of every value, made once: no module lookups each time)
_ITEM_OR_ATTRIBUTE = (operator.getitem, getattr)
_DICT_VIEWS = (runtime.dict_items, runtime.dict_values, runtime.dict_keys)  # (live views)


def shown_name(other: object) -> str:
    """A sharer as the user wrote it: a name, or the function whose default it is."""
    return other if isinstance(other, str) else str(other[0])


def _nested_with_defaults(bound: object) -> list[tuple[int | None, Nested]]:
    """(position, nested function) of each nested function with defaults `bound` is or
    holds: itself (None), or the items of a list or dict of functions (`FunctionItems`)."""
    if isinstance(bound, Nested):
        return [(None, bound)] if bound.defaults else []
    if isinstance(bound, FunctionItems):
        return [(k, b) for k, b in enumerate(bound.items) if isinstance(b, Nested) and b.defaults]
    return []


class AliasAnalysis:
    """The mixin: the lowering calls `_note_*` as it binds names, and `_check_sharing` /
    `_rebind_aliases` around every in-place update."""

    def _init_aliasing(self) -> None:
        self.made_from: dict[str, list[Edge]] = {}  # SSA name → what it was made from
        # `_ancestors` and `_same_objects` found so far (an update asks them of every name
        # that may be read later: once each, not a walk of a long version chain per update),
        # and every value they hold; `_edge` forgets those that hold the value it changes
        self.ancestry: dict[str, Ancestry] = {}
        self.copies: dict[str, set[str]] = {}
        self.walked: set[str] = set()
        self.children: dict[str, list[str]] = {}  # the other way of `made_from`
        self.made_on: dict[str, int] = {}  # SSA name → the line that made it
        self.loop_depth: dict[str, int] = {}  # SSA name → loops around its definition
        self.param_versions = {p: self.env[p].name for p in self.params}
        self.nested_updates: dict[str, set[str]] = {}  # nested def → enclosing names updated
        self.pending_rebinds: list = []  # names, or (function, DEFAULT, parameter)
        self.item_of: dict[str, str] = {}  # SSA name → the container it was read from, `c[k]`
        self.shallow_copy_of: dict[str, str] = {}  # … → the list or dict it copies, `dict(d)`
        self.shallow_copies: dict[str, set[str]] = {}  # the other way
        self.items_of_given: dict[str, set[str]] = {}  # a helper's result → lists it was given
        self.dict_views: set[str] = set()  # `d.items()`, `.values()`, `.keys()`
        self.values_views: set[str] = set()  # those of `.values()`
        self.view_snapshots: set[str] = set()  # `list(d.items())`, `rt.sequence(view)`
        self.stored_in_loops: dict[int, tuple[gast.stmt, set[str]]] = {}  # id → (loop, names)
        self.body_nodes: dict[int, tuple[gast.stmt, list[gast.AST]]] = {}  # id → (loop, nodes)
        self.global_of: dict[str, str] = {}  # SSA name → the global (or closure) it may be
        # (or hold a part of); those that may be the global's very object (`b = WORK`)
        self.global_objects: set[str] = set()
        # the names bound to a module's container or object itself (`b = WORK`)
        self.global_selves: set[str] = set()
        # SSA name → the global whose items it may hold: a new list, dict or view of a
        # module's list or dict (`list(Q)`, `CACHE.copy()`, `D.values()`): `_note_global_items`
        self.global_items: dict[str, str] = {}
        self.element_index: gast.expr | None = None  # `i` of the element update `a[i] = v`
        # per enclosing `for`: (what it iterates over, its line, `i` of `enumerate`)
        self.iterated: list[tuple[list[Var], int, str | None]] = []
        # [block, index of the statement being lowered, whose names] around this statement
        self.blocks_around: list[list] = []
        # per enclosing loop: {(name, other): [(line, what, block, index, mine, theirs)]} of
        # updates of a list or dict made where `other`'s value was not the same object: at
        # the back edge, a check is put before each where a later iteration may begin with
        # them one object; block id → the indices checks went in before (`_put_check`)
        self.assumed_apart: list[dict[tuple[str, str], list[tuple]]] = []
        self.checks_put: dict[int, list[int]] = {}
        self.uses_after: dict[tuple[int, int], tuple[list, dict[str, bool]]] = {}
        self.sequences_made: list[Var] = []  # `rt.sequence(xs)` values of the loop head

    def _result_globals(self) -> tuple[tuple[str, bool], ...]:
        """`Function.result_globals`: for each returned value that may be a global's object
        (`return G_LIST`) or share memory with one (`return G[0]`, `return (G, 1.0)`), the
        global and whether it may be its very object."""
        last = self.body[-1] if self.body else None
        found: dict[str, bool] = {}
        for atom in last.values if isinstance(last, Return) else ():
            if isinstance(atom, Free) and _mutable(atom.value):
                found[atom.source] = True
            elif isinstance(atom, Var):  # through copies, joins and views, as an update asks
                objects = self._same_objects(atom.name) & self.global_objects
                for ancestor in self._globals_among_ancestors(atom.name):
                    spelled = self.global_of.get(ancestor)
                    if spelled is not None:
                        very = any(self.global_of.get(o) == spelled for o in objects)
                        found[spelled] = found.get(spelled, False) or very
        return tuple(found.items())

    def _result_views(self) -> bool:
        """`Function.result_views`: whether a returned value may be, or hold, a view of a
        dict (`return d.values()`, `return (d.keys(), n)`), which sees later changes of it."""
        return any(
            self._possibly_same(name, view) or self._holds_list_object(name, view)
            for name in self._returned_names(tuples=True)
            for view in self.dict_views
        )

    def _result_arguments(self) -> bool:
        """`Function.result_arguments`: whether the value returned (not a tuple of them) may
        be the very object of an argument (`def same(d): return d`)."""
        given = self.param_versions.values()
        returned = self._returned_names(tuples=False)
        return any(self._possibly_same(name, param) for name in returned for param in given)

    def _result_items(self) -> bool:
        """`Function.result_items`: whether a value returned may be an item or attribute of
        an argument, or of one of its items (`return d.get("k")`, `return s.bufs[0]`)."""
        given = list(self.param_versions.values())
        pending = self._returned_names(tuples=True)
        seen = set(pending)
        while pending:
            for holder in self._holders(pending.pop(), given=True):
                if any(self._possibly_same(holder, param) for param in given):
                    return True
                if holder not in seen:  # (an item of an item: `d["a"]["b"]`)
                    seen.add(holder)
                    pending.append(holder)
        return False

    def _returned_names(self, *, tuples: bool) -> list[str]:
        """The SSA names the function's final `return` gives back (`tuples`: also the
        items of a returned tuple; else none where it returns one)."""
        last = self.body[-1] if self.body else None
        if not isinstance(last, Return) or (last.is_tuple and not tuples):
            return []
        return [a.name for a in last.values if isinstance(a, Var)]

    # what each value is made from

    def _note_binding(self, target: str, value, *, joined: bool = False) -> None:
        """`target = value`; `joined`: one branch's value of a join (`a if c else b`)."""
        self.made_on.setdefault(target, self.line)
        self.loop_depth.setdefault(target, len(self.loop_lines))
        self._note_classes(target, value, joined)  # (records.py: of objects made here)
        if isinstance(value, Var):
            self._edge(target, value.name, same=True, certain=not joined)  # joined: perhaps
            if value.name in self.dict_views:
                self.dict_views.add(target)  # (`vs = _t5`: an inlined helper's result)
            if value.name in self.values_views:
                self.values_views.add(target)
            if value.name in self.global_of:
                self.global_of[target] = self.global_of[value.name]
            if value.name in self.global_objects:
                self.global_objects.add(target)
            if value.name in self.global_items:
                self.global_items[target] = self.global_items[value.name]
        elif isinstance(value, Free):
            if _mutable(value.value):
                self.global_of[target] = value.source  # `b = WORK`: the global's object
                self.global_selves.add(target)  # (itself, not an item or attribute of it)
                self.global_objects.add(target)
        elif isinstance(value, Prim):
            # (its callee and operands read once: each is an attribute lookup, and a
            # binding asks some twenty questions of them)
            fn, args = value.fn, value.args
            users = isinstance(fn, types.FunctionType) and is_users(fn)
            if users:
                # `xs = helper()` of a helper returning `G_LIST`, a view of `G`, `(G, 1.0)`
                facts = helper_facts(fn)
                _, result_globals, _, returns_views, returns_given, _, returns_items = facts
                for spelled, very_object in result_globals:
                    self.global_of[target] = spelled
                    if very_object:
                        self.global_objects.add(target)
                if returns_views:  # perhaps a view of a dict given (a helper not inlined:
                    self.dict_views.add(target)  # records.py's `_object_helper_call`)
            container = args[0] if args else None
            if fn in _ITEM_OR_ATTRIBUTE and isinstance(container, Var):
                # (an attribute of an object too: `ws = m.ws`, a list `m` holds as `ws`)
                self.item_of[target] = container.name
            # (`list(d.values())`, `iter(d.values())`: the dict's items; `d.items()`'s are
            # new tuples, and a snapshot of them shares no item the dict can replace)
            copies_view = isinstance(container, Var) and container.name in self.values_views
            if fn in ITEM_READS and isinstance(container, Var):
                # `d.get(k)`, `next(it)`, `max(rows)`: an item, as `d[k]` is (or a default)
                self.item_of[target] = container.name
                for atom in args:
                    if isinstance(atom, Var):
                        self._edge(target, atom.name, same=False, certain=False)
            # (asked once, of the calls that ask it: only `target`, a new name, is noted a
            # shallow copy below)
            shallow_copy = self._shallow_copy(value)
            asks = shallow_copy or fn is iter or fn is repeat or fn is setitem
            holds_items = asks and self._holds_items(container)
            iterated = isinstance(container, Var) and (holds_items or copies_view)
            if fn is iter and iterated:
                self._note_shallow_copy(target, container.name)  # (what `next` reads: items)
            if shallow_copy and (holds_items or copies_view):
                self._note_shallow_copy(target, container.name)
            of_view = isinstance(container, Var) and container.name in self.dict_views
            if shallow_copy and of_view:
                self.view_snapshots.add(target)  # `list(d.items())`: no longer live
            # `rows + [r]`, `rows.extend(more)`: the items of both, the same ones
            self._note_placed(target, value)
            if fn is repeat and holds_items:
                self._note_shallow_copy(target, container.name)  # `outer * 1`: the same items
            if fn in JOINS:
                for part in args[fn is extend :]:
                    if isinstance(part, Var) and self._holds_items(part):
                        self._note_shallow_copy(target, part.name)
            if fn in _DICT_VIEWS:
                self.dict_views.add(target)  # (live: it holds the dict, its keys too)
                if fn is dict_values:
                    self.values_views.add(target)
                if isinstance(container, Var):
                    self._edge(target, container.name, same=False, certain=True)
            if users:
                # `h = history_of(log)` of `return log["loss"]`: perhaps an item of each
                # list or dict given (the helper is called, not followed)
                # (any value given, where the helper may return an item of it: a parameter
                # of a helper, `return item_of(d)`, of a kind not known here)
                gives = (lambda a: isinstance(a, Var)) if returns_items else self._holds_items
                given = {a.name for a in args if gives(a)}
                given |= {a.name for _, a in value.kwargs if gives(a)}
                if given:
                    self.items_of_given[target] = given
                if returns_items or returns_given:  # (`ident(CACHE["k"])`: that very item)
                    self._note_given_globals(target, value)
            shared = sources(value)
            for parent, certain in shared:
                self._edge(target, parent, same=False, certain=certain and not joined)
            for parent in self._held(value):
                self._edge(target, parent, same=False, certain=False)
            holds = sharing_kind(fn) is not None or fn in _ITEM_OR_ATTRIBUTE
            holds = holds or copy_may_be_skipped(value)  # `G.astype(t, copy=False)`
            # `d[k] = G` on a dict or list: the new version holds the global's object
            holds = holds or (fn is setitem and holds_items)
            # an item or attribute read out of `container` (`d.get(k)`, `s.buf`, `d[k]`)
            read_out = fn in _ITEM_OR_ATTRIBUTE or fn in ITEM_READS
            for atom in args:  # `v = WORK[1:]`, `b = rt.sequence(WORK)`: the global's
                if isinstance(atom, Free) and _mutable(atom.value):
                    if holds or fn in HOLDERS:
                        self.global_of[target] = atom.source
                elif (
                    isinstance(atom, Var)
                    and atom.name in self.global_of
                    and (any(p == atom.name for p, _ in shared) or (read_out and atom is container))
                ):
                    self.global_of[target] = self.global_of[atom.name]
            # an item or attribute of what holds a global's objects may be one of them:
            # `CONFIG["buf"]`, `d["b"]` of `d = {"b": G_LIST}`, `pair[0]` of `(G_LIST, 1.0)`,
            # `d.get(k)` of `d = CACHE`, `s.buf` of `s = STATE`
            # (not `G[:]`, a list's copy or an array's view: refused as sharing memory)
            owner = _global_owner(value)  # (asked once: `_note_global_items` needs it too)
            self._note_global_items(target, value, owner)
            item = fn is getattr or (fn is operator.getitem and not _sliced(value))
            item = item or fn in ITEM_READS
            if owner is not None:  # `h = CACHE.setdefault(k, [])`: perhaps an item of it
                self.global_of[target] = owner
                item = True
            if item and target in self.global_of:
                self.global_objects.add(target)

    def _note_given_globals(self, target: str, value: Prim) -> None:
        """`h = item_of(CACHE)` of a helper called (not followed) with a module's container
        or object, or a local that is one: its result may be an item or attribute of it
        (`return d.get("k")`), whose update in place changes the module's state."""
        for atom in (*value.args, *(a for _, a in value.kwargs)):
            if type(atom) is Free and _holds_objects(atom.value):
                self.global_of[target] = atom.source
                self.global_objects.add(target)
            elif type(atom) is Var and atom.name in self.global_objects:
                self.global_of[target] = self.global_of[atom.name]
                self.global_objects.add(target)

    def _note_global_items(self, target: str, value: Prim, taken: str | None) -> None:
        """A new list, dict or view holding a module's list's or dict's items (`list(Q)`,
        `sorted(Q)`, `CACHE.copy()`, `D.values()`, `Q[:]`, a for loop's sequence, a list a
        comprehension appends them to) holds the module's very objects: an item read from it
        (`list(Q)[0]`, `h` of `for h in D.values()`, `next(iter(...))`) may be one of them,
        and its update an update of the module's state (`_refuse_global`). `taken`: the
        global whose item `value` gives (`_global_owner`: `NEST.get("a")`, whose items are
        items of it too)."""
        fn = value.fn
        copied = _global_container_method(value)  # (`CACHE.copy()`, `D.values()`)
        holder = copied
        for atom in value.args:
            if type(atom) is Free and _holds_mutable(atom.value):
                holder = holder or atom.source
            elif type(atom) is Var:
                held = self.global_items.get(atom.name)
                if held is None and atom.name in self.global_objects:
                    # (`out.append(q)` of a global's q, `iter(d.values())` of `d = CACHE`)
                    held = self.global_of.get(atom.name)
                holder = holder or held
        if holder is None and taken is None:
            return
        sliced = fn is operator.getitem and _sliced(value)
        if taken is not None or (fn is operator.getitem and not sliced) or fn in ITEM_READS:
            holder = holder or taken
            self.global_of.setdefault(target, holder)
            self.global_objects.add(target)
            self.global_items[target] = holder  # (a list in a list: its items too)
        elif (
            sliced
            or copied
            or fn in _ITEM_KEEPERS
            or fn in _DICT_VIEWS
            or self._shallow_copy(value)
        ):
            self.global_items[target] = holder

    @staticmethod
    def _shallow_copy(value: Prim) -> bool:
        """`dict(d)`, `d.copy()`, `list(xs)`, `xs.copy()`, `copy.copy(d)`, the sequence a
        `for` loop iterates: a new list or dict holding the same items (of a list or dict:
        `_holds_items`), not the list or dict itself."""
        if value.style == METHOD:
            return value.spelled == "copy" and len(value.args) == 1 and not value.kwargs
        if value.fn in ITEMS_ONLY_WITH_OPTIONS:  # `sorted(xs, key=…)`, `first, *rest = xs`
            return bool(value.args)
        return value.fn in ITEMS_ONLY and len(value.args) == 1 and not value.kwargs

    def _note_shallow_copy(self, target: str, container: str) -> None:
        """`target` is a new list or dict holding the items of `container` (one of them)."""
        self.shallow_copy_of.setdefault(target, container)  # (its items: the same ones)
        self.shallow_copies.setdefault(container, set()).add(target)
        self._edge(target, container, same=False, certain=False)

    def _holds_items(self, atom: Atom | None) -> bool:
        """Whether `atom` is a list or dict, whose items are objects it holds (an array's
        elements are copied in)."""
        kind = self.kind_of(atom) if atom is not None else None
        if isinstance(atom, Var) and atom.name in self.shallow_copy_of:
            return True  # (an iterator over a list's items: `iter(rows)`, `islice(rows, 1)`)
        return (kind or "").split("/")[0] in ("list", "dict")  # (a list of lists: "list/list")

    def _held(self, value: Prim) -> list[str]:
        """What a dict, list or record made by `value` holds, or may hold, besides what
        `sources` knows: `d[k] = v` on a dict or list (a new version holding `v` and `d`'s
        items), a record's fields, an object's attribute (`h.buf`), a dict's values."""
        fn, args = value.fn, value.args
        if fn is runtime.setitem and args and self._holds_items(args[0]):
            return [a.name for a in args[:2] if isinstance(a, Var)]
        if fn is runtime.without_key and self._holds_items(args[0]):  # `d.pop(k)`: the rest
            return [args[0].name]
        if fn is runtime.updated:  # `{**d, **e}`: the items of both
            return [a.name for a in args if isinstance(a, Var)]
        if fn in HOLDERS or (
            fn is getattr
            and len(args) == 2
            and isinstance(args[1], Const)
            and args[1].value not in ("shape", "ndim", "size", "dtype")
        ):
            return [a.name for a in args if isinstance(a, Var)]
        return []

    def _note_merge(self, target: str, values) -> None:
        """A join of branches or a loop header: perhaps any of `values`."""
        # where it is bound (a header: before its loop), as `_can_rebind` asks of any version
        self.loop_depth.setdefault(target, len(self.loop_lines))
        self._note_class_join(target, values)
        for value in values:
            if isinstance(value, Var) and value.name != target:  # perhaps the same object
                self._edge(target, value.name, same=True, certain=False)
                if value.name in self.global_items:  # (a comprehension's list of `Q`'s items)
                    self.global_items[target] = self.global_items[value.name]

    def _note_loop(self, headers: dict[str, str], every: list[gast.AST]) -> None:
        """Before the body is lowered, its back edges are unknown: if the body binds a
        carried name to something that may share memory with another value, the values the
        loop carries may share memory with each other. (`every`: the body's `_body_nodes`.)"""
        stores = [s for s in every if isinstance(s, (gast.Assign, gast.For))]
        names = set(headers)
        fresh = self._fresh_names(stores, names)
        if not any(self._binds_alias(s, names, fresh) for s in stores):
            return
        token = f"{CARRIED_TOKEN} {self.line}, {len(self.made_from)}>"
        for header in headers.values():
            self._edge(header, token, same=False, certain=False)
        carried = set(headers.values())
        before = [
            atom.name
            for bound in self.env.values()  # which may be any value bound before the loop
            for atom in (bound if isinstance(bound, tuple) else (bound,))
            if isinstance(atom, Var) and atom.name not in carried
        ]
        self._perhaps_made_from(token, before)

    def _fresh_names(self, stores: list, carried: set[str]) -> set[str]:
        """The names the loop body binds only to new values (`t = a * b`), never carried."""
        fresh = {
            n.id for s in stores for t in targets(s) for n in descendants(t) if isinstance(n, Name)
        }
        fresh -= carried
        changed = True
        while changed:
            changed = False
            for stmt in stores:
                names = {n.id for t in targets(stmt) for n in descendants(t) if isinstance(n, Name)}
                if names & fresh and (
                    isinstance(stmt, gast.For) or self._may_alias(stmt.value, fresh)
                ):
                    fresh -= names
                    changed = True
        return fresh

    def _binds_alias(
        self, stmt: gast.Assign | gast.For, carried: set[str], fresh: set[str]
    ) -> bool:
        """Whether `stmt` binds a carried name to a value that may share memory with
        another (a name, an element, a view, a helper's result)."""
        names = {n.id for t in targets(stmt) for n in descendants(t) if isinstance(n, Name)}
        if not names & carried:
            return False
        return isinstance(stmt, gast.For) or self._may_alias(stmt.value, fresh)

    def _may_alias(self, node: gast.expr, fresh: set[str]) -> bool:
        """Whether the value of `node` may share memory with a value it was made from (a
        name in `fresh` holds a new value)."""
        if isinstance(node, Name):
            return node.id not in fresh
        if isinstance(node, (gast.Subscript, gast.Attribute)):
            return True
        if isinstance(node, gast.IfExp):
            return self._may_alias(node.body, fresh) or self._may_alias(node.orelse, fresh)
        if isinstance(node, gast.BoolOp):
            return any(self._may_alias(v, fresh) for v in node.values)
        if isinstance(node, (gast.Tuple, gast.List)):
            return any(self._may_alias(v, fresh) for v in node.elts)
        if not isinstance(node, Call):
            return False  # arithmetic, comparisons and constants make new values
        func = node.func
        if isinstance(func, Name) and func.id in self.nested_defs:
            return True  # inlined: it may return its argument
        if isinstance(func, gast.Attribute) and self._is_local_chain(func):
            return func.attr != "flatten" and sharing_kind(ARRAY_METHODS.get(func.attr)) is not None
        dotted: list[str] = []
        while isinstance(func, gast.Attribute):
            dotted.insert(0, func.attr)
            func = func.value
        if not isinstance(func, Name):
            return True
        callee = self.scope.resolve([func.id, *dotted])
        if isinstance(callee, types.FunctionType) and user_function(callee):
            return True
        return sharing_kind(callee) is not None

    def _edge(self, child: str, parent: str, *, same: bool, certain: bool) -> None:
        # a name just bound, of which nothing was asked or made, is no one's ancestor yet:
        # what was found of the others holds (a loop header's back edge forgets what
        # reaches the header, made in the loop; not what was made before it)
        if child in self.walked:
            self._forget_through(child)
        self.made_from.setdefault(child, []).append((parent, same, certain))
        self.children.setdefault(parent, []).append(child)

    def _perhaps_made_from(self, child: str, parents: list[str]) -> None:
        """`_edge(child, parent, same=False, certain=False)` for each of `parents`, in order:
        one call for the many edges of a loop's token (every value bound before the loop)."""
        if not parents:
            return  # (no entry made: `made_from`'s size names the next token)
        if child in self.walked:
            self._forget_through(child)
        edges, children = self.made_from.setdefault(child, []), self.children
        for parent in parents:
            edges.append((parent, False, False))
            children.setdefault(parent, []).append(child)

    def _forget_through(self, child: str) -> None:
        """Forget the ancestries and copies found that hold `child`, whose edges change:
        only values made from `child` can hold it (those found are exact), a few values
        walked down to, not every ancestry found looked at (thousands in a long function)."""
        ancestry, copies = self.ancestry, self.copies
        for name in self._made_from_any({child}):
            found = ancestry.get(name)
            if found is not None and child in found.every:
                del ancestry[name]
            same = copies.get(name)
            if same is not None and child in same:
                del copies[name]
        self.walked.discard(child)  # (no ancestry or copies found now holds it)

    def _made_from_any(self, names: set[str]) -> set[str]:
        """`names` and every value made from one of them, through any chain of edges
        (`children`)."""
        found, pending = set(names), list(names)
        while pending:
            for child in self.children.get(pending.pop(), ()):
                if child not in found:
                    found.add(child)
                    pending.append(child)
        return found

    def _ancestors(self, name: str) -> Ancestry:
        """Every value `name` was made from, by how certainly it shares memory with each.
        (Found once while no edge changes it: not to be changed by the caller.)"""
        found = self.ancestry.get(name)
        if found is None:
            found = self.ancestry[name] = self._walk_ancestors(name)
            self.walked |= found.every
        return found

    def _walk_ancestors(self, name: str, *, keep_tokens: bool = True) -> Ancestry:
        """`_ancestors`, walked back from `name`: a value whose ancestry is known gives its
        sets (those the chain to it allows) instead of being walked through again.
        `keep_tokens`: a loop's token met is given its ancestry, kept (`_token_ancestors`)."""
        found = Ancestry(name)
        every, certain_ones, same_ones = found.every, found.certain, found.same
        known_ancestry, made_from = self.ancestry.get, self.made_from.get  # (looked up once)
        pending = [(name, True, True)]
        while pending:
            child, certain, same = pending.pop()
            known = known_ancestry(child)
            if known is None and keep_tokens and child.startswith(CARRIED_TOKEN):
                known = self._token_ancestors(child)
            if known is not None:
                every |= known.every
                if certain:
                    certain_ones |= known.certain
                if same:
                    same_ones |= known.same
                continue
            for parent, same_edge, certain_edge in made_from(child, ()):
                certain_too = certain and certain_edge
                same_too = certain_too and same and same_edge
                # (a value in the set its chain reaches it by has its ancestors there too)
                if same_too:
                    if parent in same_ones:
                        continue
                    same_ones.add(parent)
                    certain_ones.add(parent)
                elif certain_too:
                    if parent in certain_ones:
                        continue
                    certain_ones.add(parent)
                elif parent in every:
                    continue
                every.add(parent)
                pending.append((parent, certain_too, same_too))
        return found

    def _token_ancestors(self, token: str) -> Ancestry:
        """`_ancestors` of a loop's token (`_note_loop`), which is made from every value
        bound before the loop: found once, as a value's is, not walked through again by each
        walk meeting it (a walk per update in or after the loop, hundreds of values each in a
        long function). (Walked without keeping the tokens it meets: no recursion.)"""
        found = self.ancestry[token] = self._walk_ancestors(token, keep_tokens=False)
        self.walked |= found.every
        return found

    def _globals_among_ancestors(self, name: str) -> list[str]:
        """`name`'s ancestors that may be a global's (`global_of`), in the order of a walk
        back from `name` (the first is the one an error names)."""
        if self.global_of.keys().isdisjoint(self._ancestors(name).every):
            return []
        return [a for a in self._ancestors_in_order(name) if a in self.global_of]

    def _ancestors_in_order(self, name: str) -> list[str]:
        """`name`'s ancestors in the order a walk back from it meets them."""
        found: dict[str, tuple[bool, bool]] = {name: (True, True)}
        pending = [name]
        while pending:
            child = pending.pop()
            certain, same = found[child]
            for parent, same_edge, certain_edge in self.made_from.get(child, ()):
                kind = (certain and certain_edge, same and same_edge and certain_edge)
                old = found.get(parent)
                new = kind if old is None else (old[0] or kind[0], old[1] or kind[1])
                if new != old:
                    found[parent] = new
                    pending.append(parent)
        return list(found)

    def _related_to_any(self, names: set[str]) -> set[str]:
        """Every value whose `_relation` to one of `names` is not None: they share an
        ancestor, so it is made, through any chain, from an ancestor of one of them."""
        return self._made_from_any(set().union(*(self._ancestors(name).every for name in names)))

    def _same_objects(self, name: str) -> set[str]:
        """`name` and the values it may be the very same object as, reached through copies
        `y = x` and the joins of branches and loop headers (`alias = xs` before a loop whose
        header then holds either). (Found once while no edge changes it, as `_ancestors`.)"""
        found = self.copies.get(name)
        if found is None:
            found = self.copies[name] = self._walk_copies(name)
            self.walked |= found
        return found

    def _walk_copies(self, name: str) -> set[str]:
        """`_same_objects`, walked back from `name`: a value whose copies are known gives
        them instead of being walked through again."""
        seen, pending = {name}, [name]
        while pending:
            child = pending.pop()
            known = self.copies.get(child)
            if known is not None:
                seen |= known
                continue
            for parent, same, _ in self.made_from.get(child, ()):
                if same and parent not in seen:
                    seen.add(parent)
                    pending.append(parent)
        return seen

    def _possibly_same(self, a: str, b: str) -> bool:
        """Whether `a` and `b` may be the very same object: each may be one value (`base =
        cfg` before a branch that may rebind `cfg`: after it both may be the first dict)."""
        return not self._same_objects(a).isdisjoint(self._same_objects(b))

    def _holders(self, name: str, given: bool = False) -> set[str]:
        """The containers `name` may have been read out of as an item, through copies;
        `given`: or that a helper given them may have returned an item of (`h =
        history_of(log)`; perhaps the container itself, too)."""
        memo = self.__dict__.get("holders_found")  # (while `_check_sharing` runs)
        found = None if memo is None else memo.get((name, given))
        if found is None:
            found = self._find_holders(name, given)
            if memo is not None:
                memo[(name, given)] = found
        return found

    def _find_holders(self, name: str, given: bool) -> set[str]:
        """`_holders`, found."""
        objects = self._same_objects(name)
        found = {self.item_of[same] for same in self.item_of.keys() & objects}
        if given:
            for same in self.items_of_given.keys() & objects:
                found |= self.items_of_given[same]
        # an item of `list(xs)`, `dict(d)` is one of `xs`, `d` too, and one of `xs` is one of
        # each shallow copy of it (`old = dict(d)`: `d["h"].append(v)` grows `old["h"]`)
        pending = list(found)
        while pending:
            holder = pending.pop()
            related = {self.shallow_copy_of.get(holder)} - {None}
            if holder in self.dict_views:  # `d.values()`'s items are `d`'s
                related |= {parent for parent, _, _ in self.made_from.get(holder, ())}
            for same in self.shallow_copies.keys() & self._same_objects(holder):
                related |= self.shallow_copies[same]
            for other in related - found:
                found.add(other)
                pending.append(other)
        return found

    def _may_be_item_of(self, name: str, container: str, given: bool = False) -> bool:
        """Whether `name` may be an item read out of `container` (`hist = d["h"]`), through
        copies and joins: growing it changes what `container` holds. `given`: as
        `_holders`'s."""
        holders = self._holders(name, given)
        return any(self._possibly_same(holder, container) for holder in holders)

    def _may_be_held_item(self, value: str, name: str, placed_in: dict[str, bool]) -> bool:
        """Whether `value` may be, or hold, an item read out of a list, tuple or dict that
        `name`'s object was put in as an item (`tmp = [a]; b = tmp[0]`, `d.update({"k":
        a})`: `b`, `d["k"]` are `a`; not a key, nor an item of `a` itself). `placed_in`:
        `_placed_in` of each container asked so far, for this `name` (`_check_sharers`
        asks it of every sharer of one update: each container once, not once per sharer)."""
        for made_from in self.item_of.keys() & self._ancestors(value).every:
            container = self.item_of[made_from]
            found = placed_in.get(container)
            if found is None:
                found = placed_in[container] = self._placed_in(name, container)
            if found:
                return True
        return False

    def _placed_in(self, name: str, container: str) -> bool:
        """Whether `name`'s object was put in `container` (any of its versions, or the
        lists and dicts it copies or joins) as an item."""
        objects = self._same_objects(name)
        return any(
            not objects.isdisjoint(self._same_objects(item))
            for same in self._same_objects(container)
            for item in self._placed(same)
        )

    def _placed(self, container: str) -> set[str]:
        """The values put into `container` as items, in any of its versions or the lists
        and dicts it copies or joins (`placed_items`, noted by `_note_placed`)."""
        return self.__dict__.get("placed_items", {}).get(container, set())

    def _note_placed(self, target: str, value: Prim) -> None:
        """What the list, tuple or dict `value` makes holds as items: those given to an
        append, an element assignment or a display, and those of the lists and dicts it
        copies, joins or repeats."""
        fn, args = value.fn, value.args
        names = [a.name for a in args if isinstance(a, Var)]
        if fn in (runtime.append, runtime.setitem) and names and isinstance(args[0], Var):
            placed = self._placed(args[0].name) | (
                {args[1].name} if isinstance(args[1], Var) else set()
            )
        elif fn is runtime.make_list:
            placed = set(names)
        elif fn in PLACES_ITEMS_OF:
            placed = set().union(*(self._placed(n) for n in names))
        else:
            return
        if placed:
            self.__dict__.setdefault("placed_items", {})[target] = placed

    def _may_be_sibling(self, a: str, b: str) -> bool:
        """Whether `a` and `b` may be the same item read out of one container twice
        (`first = rows[0]; row = rows[0]`): an update of one list is then the other's."""
        return any(self._may_be_item_of(a, holder) for holder in self._holders(b))

    def _holds_list_object(self, value: str, container: str, apart: set[str] | None = None) -> bool:
        """Whether `value` may be made from the list or dict `container` itself (holds it,
        is it, or a view of it), not only from items read out of it (`kept.append(p["w"])`
        holds `p`'s array, not `p`: replacing `p["w"]` leaves `kept` as it is). `apart`:
        values found not to be so, for this `container` (`_check_sharers` asks it of every
        sharer of one update, whose walks meet the same values: each walked once), added to."""
        objects = self._same_objects(container)  # (a loop's header: what it began as)
        if objects.isdisjoint(self._ancestors(value).every):
            return False  # (the walk below meets only those)
        apart = set() if apart is None else apart
        if value in apart:
            return False
        seen, pending = {value}, [value]
        while pending:
            child = pending.pop()
            for parent, _, _ in self.made_from.get(child, ()):
                if self.item_of.get(child) == parent and (
                    self._holds_items(Var(parent)) or parent in self.dict_views
                ):
                    continue  # an item read out of a list or dict (or a view of a dict's)
                if self.shallow_copy_of.get(child) == parent:
                    continue  # `dict(d)`, `xs.copy()`: a new list holding the same items
                if parent.startswith(CARRIED_TOKEN):
                    continue  # (what a loop may carry: checked at its back edge instead)
                if parent in objects:
                    return True
                if parent not in seen and parent not in apart:
                    seen.add(parent)
                    pending.append(parent)
        apart |= seen  # (none of them is made from `container`'s objects either)
        return False

    def _views_of(self, container: str) -> set[str]:
        """The values that are views of the dict `container` (`d.items()`, an inlined
        helper's `d.values()`), or of a dict that may be its object: read out of the same
        container (`vs = m["layer"].values()` and `inner = m["layer"]`)."""
        return {
            v
            for v in self.dict_views
            if self._holds_list_object(v, container)
            or any(self._may_be_sibling(d, container) for d in self._viewed(v))
        }

    def _viewed(self, view: str) -> set[str]:
        """The dicts `view` is a view of (through `vs = _t5` of an inlined helper's)."""
        found, seen, pending = set(), {view}, [view]
        while pending:
            for parent, _, _ in self.made_from.get(pending.pop(), ()):
                if parent in seen:
                    continue
                seen.add(parent)
                if parent in self.dict_views:
                    pending.append(parent)
                else:
                    found.add(parent)
        return found

    def _holds_view_of(self, value: str, views: set[str] | None = None) -> bool:
        """Whether `value` may be, or hold, one of `views` (`_views_of`; None: a view of
        any dict): in a list, a tuple, an object, or a helper's result given it. Python's
        view is live, s2s_ad's is what it held when it was made. Not an item read out of a
        view (a value or key), nor a copy of one (`list(d.items())`)."""
        views = self.dict_views if views is None else views
        if views.isdisjoint(self._ancestors(value).every):
            return False  # (none of them is among all it is made from: found once already)
        seen, pending = {value}, [value]
        while pending and views:
            child = pending.pop()
            if child in views:
                return True
            for parent, _, _ in self.made_from.get(child, ()):
                of_view = parent in self.dict_views and self.item_of.get(child) == parent
                if of_view or child in self.view_snapshots or parent in seen:
                    continue  # (a value or key of a view, or its copy: `list(d.items())`)
                seen.add(parent)
                pending.append(parent)
        return False

    def _relation(self, a: str, b: str, up_a: dict | None = None) -> str | None:
        """How the values `a` and `b` share memory: "same", "view" (one is certainly a view
        of the other), "maybe", or None (they cannot). `up_a`: `a`'s ancestors, if known."""
        up_a = self._ancestors(a) if up_a is None else up_a
        up_b = self._ancestors(b)
        for high, ups in ((b, up_a), (a, up_b)):
            if high in ups.every:
                return "same" if high in ups.same else "view" if high in ups.certain else "maybe"
        if not up_a.same.isdisjoint(up_b.same):
            return "same"  # both certainly the very object `c` (`a = b = …`, `b, c = a, a`)
        return None if up_a.every.isdisjoint(up_b.every) else "maybe"

    # in-place updates

    def _check_sharing(
        self, name: str, what: str, *, element: bool, of_list: bool = False, rebinds: bool = False
    ) -> None:
        """Before an in-place update of `name`: refuse it, guard it, or note the names that
        must be rebound to its new version (`_rebind_aliases`, after the update).

        `of_list`: an update of a list object (`xs.append(v)`, `xs += ys`, `xs[i] = v`),
        which changes which items it holds, not the items. `rebinds`: `x += v`, which binds
        a new value where `x` is a number (`_refuse_global`)."""
        if is_generated_tape(self.filename, name):
            return  # a tape of s2s_ad's own derivative code: a fresh list only its sweep reads
        # (what `_holders` finds, once per name: checking the sharers adds only the edges of
        # fresh guards, which no value found here is made from)
        self.holders_found = {}
        try:
            self._check_sharers(name, what, element=element, of_list=of_list, rebinds=rebinds)
        finally:
            self.holders_found = None

    def _check_sharers(
        self, name: str, what: str, *, element: bool, of_list: bool, rebinds: bool = False
    ) -> None:
        """`_check_sharing`'s work: each sharer of `name`, then the loops iterating it."""
        current = self.env[name]
        self.pending_rebinds = []
        ancestors = self._ancestors(current.name)
        self._refuse_global(name, current.name, what, of_list=of_list, rebinds=rebinds)
        views = holders = None  # (`current`'s views and holders: found once, where asked)
        placed_in: dict[str, bool] = {}  # (`_may_be_held_item`'s, for `current`)
        apart: set[str] = set()  # (`_holds_list_object`'s, for `current`)
        for other, value, is_param in self._sharers(name):
            if self._written_back_into(value):
                continue  # (the item's container: checked as it is assigned the new item)
            relation = self._relation(current.name, value, ancestors)
            if relation is None and not is_param and self._item_in_loop(name, value):
                shown = f"`{shown_name(other)}`"
                self._guard(name, Var(value), shown, what, list_object=of_list)
                continue
            if relation is None:  # (here: in a later iteration they may share)
                if not is_param and isinstance(other, str):
                    self._assume_apart(name, other, what, current.name, value, of_list)
                continue
            if isinstance(other, str) and self._rebound_before_read(other):
                continue  # (`e = d` next, in a loop whose update of `d` `e` may see: no read)
            # (an item read out of the list is no view of it: replacing or adding items
            # leaves it as it is, `old = parts[0]; parts[0] = v`; not `parts[0] += v`, which
            # updates an array item in place)
            replaced = of_list and not self.__dict__.get("augmenting", False)
            item = replaced and self._may_be_item_of(value, current.name)
            held = self._holds_list_object(value, current.name, apart) if of_list else True
            view = relation != "same" and replaced and not is_param
            # (`value` holding a view at all, first: the views of `current` are costlier)
            if view and views is None and self._holds_view_of(value):
                views = self._views_of(current.name)
            if view and views and self._holds_view_of(value, views):  # `d.items()`, read later
                raise self._unsupported(
                    f"{what} on `{name}` while `{shown_name(other)}`, a view of it "
                    "(`.items()`, `.values()`, `.keys()`), is read later: Python's view "
                    "sees the change, s2s_ad's is what the view held when it was made",
                    hint=f"make the view a list where it is made (`list({name}.items())`)"
                    ", or take it after the update",
                )
            if relation != "same" and of_list and (item or not held):
                # (a list read out of a container may be held by any other container its
                # object was put in, which the SSA form does not follow item by item:
                # `d1 = {"l": a}; d2 = {"l": a}`, `keep = [rows[0]]`: checked when called)
                if holders is None:
                    holders = self._holders(current.name, given=True)
                if not is_param and (
                    holders  # (found once: the questions of `value` after it cost more)
                    or self._possibly_same(current.name, value)
                    or self._may_be_item_of(current.name, value, given=True)
                    or self._may_be_sibling(current.name, value)
                    or self._may_be_held_item(value, current.name, placed_in)
                ):
                    shown = f"`{shown_name(other)}`"
                    self._guard(name, Var(value), shown, what, list_object=True)
                elif not is_param and isinstance(other, str):
                    self._assume_apart(name, other, what, current.name, value, of_list)
                continue  # growing a list changes only the names of it and of its holders
            if view:
                # `value` may hold the list or dict itself (`kept = [d]`, `e = d if c else
                # {…}`): it sees an item replaced or added only where it is or holds that
                # very object, checked when called (not where they merely share arrays)
                shown = f"`{shown_name(other)}`"
                self._guard(name, Var(value), shown, what, list_object=True, held=True)
                continue
            if relation == "same" and is_param and not element:
                continue  # `x += e` on an argument: checked when called (a float rebinds)
            if relation == "same" and element and isinstance(other, tuple) and DEFAULT in other:
                self.pending_rebinds.append(other)  # the function's default is that object
                continue
            if relation == "same" and element and not is_param and isinstance(other, str):
                if self._can_rebind(other):
                    self.pending_rebinds.append(other)
                    continue
                raise self._unsupported(
                    f"{what} on `{name}`, which is the same object as `{other}`"
                    f"{self._made(current.name)}, inside a loop that does not assign "
                    f"`{other}`",
                    hint=f"make it a copy: `{name} = {other}.copy()`",
                )
            shown = other if isinstance(other, str) else other[0]
            if isinstance(other, tuple) and DEFAULT in other:  # (shown in backquotes)
                shown = f"{other[0]}`'s default `{user_parameter(other[2])}"
            if relation == "view":
                if is_param and self.recording:  # a callee's: its callers refuse the call
                    param = {v: p for p, v in self.param_versions.items()}[value]
                    self.argument_updates.append((param, self.line))
                    continue
                raise self._view_error(name, shown, current.name, value, what, is_param)
            self._guard(name, Var(value), f"`{shown}`" if not is_param else shown, what)
        self._check_iterated(name, what, of_list=of_list)

    def _element_index_is(self, name: str) -> bool:
        """Whether the element update being checked is `a[name]` or `a[name, …]`."""
        index = self.element_index
        if isinstance(index, gast.Tuple) and index.elts:
            index = index.elts[0]
        return isinstance(index, Name) and index.id == name

    def _refuse_global(
        self, name: str, mine: str, what: str, *, of_list: bool = False, rebinds: bool = False
    ) -> None:
        """`b = WORK; b[i] = v`: the update would change a module's global (or a closure's
        object), which the derivative code neither writes nor sees written: refused. An
        update of a list object (`of_list`) changes the global only where the list may be
        that very object: a new list holding a global's item or row (`[x, DATA[0]]`) grows
        without changing it. `x += v` that `rebinds` a number, of an item or attribute of
        one (`lr = CONFIG["lr"]; lr *= 0.5`), updates nothing where the item is a number:
        checked at run time (`rt.rebound`)."""
        if of_list and not self._same_objects(mine) & self.global_objects:
            return
        for ancestor in self._globals_among_ancestors(mine):
            spelled = self.global_of.get(ancestor)
            if (
                spelled is not None
                and rebinds
                and not self._same_objects(mine) & self.global_selves
            ):
                self._guard_rebound(name, spelled, what)  # (not the global itself: an item)
                return
            if spelled is not None:
                # (a list's method: the same call on the global runs once, for its effect)
                direct = (
                    f"to store in `{spelled}`, call `.{what}(…)` on it (or its item) itself "
                    "in a statement of its own, which runs once for its effect; else "
                    if of_list and what.isidentifier()
                    else ""
                )
                raise self._unsupported(
                    f"{what} on `{name}`, which is (or may share memory with) the global "
                    f"`{spelled}`{self._made(mine)}: updating a global in place is not "
                    "supported",
                    hint=f"{direct}make a local copy where `{name}` is made (`.copy()`, e.g. "
                    f"`{name} = {spelled}.copy()`), and return what the function computes "
                    "instead of storing it in the global",
                )

    def _guard_rebound(self, name: str, spelled: str, what: str) -> None:
        """`name`'s operand through `rt.rebound`, which raises at run time unless it is a
        value `x += v` binds anew (a number, a string, a tuple …), not one it updates in
        place, and `spelled`'s state with it."""
        value = self.env[name]
        op = what[len(name) + 2 : what.index("= …")]
        message = (
            f"unsupported construct: {what} on `{name}`, which may be an item or attribute of "
            f"the global `{spelled}`{self._made(value.name)} and is here a value the operator "
            "updates in place (an array, list, dict, set or object): updating a global in "
            "place is not supported"
        )
        hint = (
            f"write `{name} = {name} {op} …` (a new value), or make a local copy where "
            f"`{name}` is made (`.copy()`)"
        )
        facts = (value, *map(Const, (self.filename, self.line, message, hint)))
        guarded = self.namer.temp()
        self.emit(
            Assign(guarded, Prim(runtime.rebound, facts, spelled=self._rt("rebound")), self.line)
        )
        self._edge(guarded, value.name, same=True, certain=True)
        self.made_on[guarded] = self.made_on.get(value.name, self.line)
        self.env[name] = Var(guarded)

    def _check_iterated(self, name: str, what: str, *, of_list: bool) -> None:
        """An update, inside a `for` loop, of what the loop iterates over (or may share
        memory with it): Python's loop reaches the updated elements, the SSA form iterates
        over the value as the loop started. Refused where certain, else checked at run
        time (`rt.unshared`)."""
        for values, line, index in self.iterated:
            if index is not None and self._element_index_is(index):
                continue  # `a[i] = …` in `for i, v in enumerate(a)`: an element already read
            for seq in values:
                current = self.env[name]
                relation = self._relation(current.name, seq.name)
                if relation is None:
                    continue
                loop = linecache.getline(self.filename, line).strip()
                shown = f"the loop on line {line}" + (f" (`{loop}`)" if loop else "")
                shares = "is" if relation == "same" else "may share memory with"
                message = (
                    f"unsupported construct: {what} on `{name}` inside {shown}, which "
                    f"iterates over `{name}` or something that {shares} it: "
                    "Python's loop would reach the updated elements, s2s_ad's iterates over "
                    "them as they were when the loop started"
                )
                hint = (
                    "iterate over an index instead (`for i in range(len(a))`, reading `a[i]`"
                    " after the update), or over a copy made before the loop (`.copy()`) if "
                    "the old elements are meant"
                )
                if relation in ("same", "view"):
                    raise self._unsupported(message[len("unsupported construct: ") :], hint=hint)
                guarded = self._checked_unshared(current, seq, message, hint, list_object=of_list)
                self.made_on[guarded.name] = self.made_on.get(current.name, self.line)
                self.env[name] = guarded

    def _sharers(self, name: str):
        """(other name, its SSA value, whether an argument) for every other name that may be
        read after this line, and every argument (the caller sees those)."""
        # (once per update, not once per name)
        by_calls, loops = self._read_by_later_calls(), self._loops_around()
        loads = self.loads  # (a name never read, as most of the lowering's own: no call)
        for other, bound in self.env.items():
            if other == name or not (
                other in by_calls or (other in loads and self._read_later(other, loops))
            ):
                continue
            if isinstance(bound, Var) and bound.name not in self.param_versions.values():
                yield other, bound.name, False
            elif isinstance(bound, tuple):
                for atom in bound:
                    if isinstance(atom, Var):
                        yield (other, "a tuple"), atom.name, False
            else:  # `f = lambda v, t=a: …`, `partial(g, t=a)`, in a list of functions too
                for position, nested in _nested_with_defaults(bound):
                    for param, atom in nested.defaults.items():
                        if isinstance(atom, Var):
                            yield (other, DEFAULT, param, position), atom.name, False
        for param, version in self.param_versions.items():
            yield f"the argument `{param}`", version, True

    def _read_by_later_calls(self) -> set[str]:
        """The names read by the nested functions that may be called after the current
        line: those read later themselves (`_read_later`), and those such a function reads
        (it may call them then). Each function's body is walked once, not once per name."""
        if not self.nested_defs:
            return set()
        reads = {
            fn_name: set().union(*(names_read(fn) for fn in fns))
            for fn_name, fns in self.nested_defs.items()
        }
        loops = self._loops_around()
        called = [fn_name for fn_name in reads if self._read_later(fn_name, loops)]
        pending, seen = list(called), set(called)
        while pending:  # a function read by one called later may be called then too
            caller = pending.pop()
            for fn_name in reads[caller] & (reads.keys() - seen):
                seen.add(fn_name)
                pending.append(fn_name)
        return set().union(*(reads[fn_name] for fn_name in seen))

    def _loops_around(self) -> list[tuple[int, set[str], set[str]]]:
        """(first line, names carried, names stored) of each enclosing loop, for
        `_read_later`."""
        return [
            (first, carried, self._stored_in(loop))
            for (first, _), carried, loop in zip(
                self.loop_lines, self.carried_by_loops, self.enclosing_loops, strict=True
            )
        ]

    def _read_later(self, name: str, loops: list[tuple[int, set[str], set[str]]]) -> bool:
        """Whether `name` may be read after the current line: later, or earlier in an
        enclosing loop (`loops`: `_loops_around`) that carries it into the next iteration
        (a nested function called then may read it too: `_read_by_later_calls`)."""
        lines = self.loads.get(name)
        if not lines:
            return False
        # (the last read alone decides: after this line, or else inside the loops that
        # begin before it, as every earlier read is; not a walk of every read per update)
        last = self._last_load(name, lines)
        if last > self.line:
            return True
        for first, carried, stored in loops:
            # the next iteration reads it again: carried, or never rebound in the loop
            if first <= last and (name in carried or name not in stored):
                return True
        return False

    def _assume_apart(
        self, name: str, other: str, what: str, mine: str, theirs: str, of_list: bool
    ) -> None:
        """An update of `name` (its value `mine`; `of_list`: a list or dict grown or an item
        replaced) where `other` (`theirs`) does not share it: in each loop carrying both, a
        later iteration must not begin with them sharing (`e = d`, `traj.append(d)` in the
        body), which the body's first lowering cannot see."""
        site = (self.line, what, self.body, len(self.body), mine, theirs, of_list)
        for carried, apart in zip(self.carried_by_loops, self.assumed_apart, strict=True):
            if name in carried and other in carried:
                apart.setdefault((name, other), []).append(site)

    def _guard_assumed_apart(self, line: int) -> None:
        """At the end of the body of the loop on `line`: where the values the next iteration
        begins with may be one object (or one may hold the other), each update assumed them
        apart is checked before it runs (`rt.unshared`, raising at the update's line)."""
        for (name, other), sites in sorted(self.assumed_apart[-1].items()):
            mine, theirs = self.env.get(name), self.env.get(other)
            if not (isinstance(mine, Var) and isinstance(theirs, Var)):
                continue
            of_list = sites[0][-1]
            if of_list:  # the same list, or one holding it, sees it grow
                same = mine == theirs or self._possibly_same(mine.name, theirs.name)
                if not same and not self._holds_list_object(theirs.name, mine.name):
                    continue
            elif self._relation(mine.name, theirs.name) is None:
                continue
            message = (
                f"unsupported construct: {{what}} on `{name}` inside the loop on line {line}, "
                f"where `{other}` may be `{name}`'s object, or hold it or share its memory, "
                "since an earlier iteration: the update would change both"
            )
            hint = (
                f"bind `{other}` to a copy in the loop (`{other} = dict({name})`, "
                f"`list({name})`, `.append({name}.copy())`), or update each by its own name"
            )
            for at, what, block, index, before, kept, of_list in sites:
                shown = message.format(what=what)
                check = self._unshared_check(Var(before), Var(kept), shown, hint, at, of_list)
                self._put_check(block, index, Assign(self.namer.temp(), check, at))

    def _put_check(self, block: list, index: int, check: Assign) -> None:
        """Put `check` before the statement that was at `index` of `block` (once there)."""
        put = self.checks_put.setdefault(id(block), [])
        if index in put:
            return
        block.insert(index + sum(1 for i in put if i < index), check)
        put.append(index)

    def _rebound_before_read(self, name: str) -> bool:
        """Whether the value `name` holds is dead here: every path on from this statement
        binds `name` anew before reading it, within the blocks around it (not past the body
        of a loop, whose next iteration may read it, nor out of an inlined helper's body; a
        nested function reading it may be called before: its reads are not the block's)."""
        if any(name in names_read(fn) for fns in self.nested_defs.values() for fn in fns):
            return False
        loops = {id(part) for loop in self.enclosing_loops for part in (loop.body, loop.orelse)}
        for stmts, index, names in reversed(self.blocks_around):
            if names is not self.locals:
                return False
            key = (id(stmts), index)
            found = self.uses_after.get(key)
            if found is None or found[0] is not stmts:
                found = self.uses_after[key] = (stmts, first_uses(stmts[index + 1 :]))
            first = found[1].get(name)
            if first is not None:
                return not first
            if id(stmts) in loops:
                return False
        return False

    def _stored_in(self, loop: gast.For | gast.While) -> set[str]:
        """`stored_names` of the loop's body, found once per loop (not to be changed)."""
        entry = self.stored_in_loops.get(id(loop))
        if entry is None or entry[0] is not loop:
            names = stored_names(loop.body, self._body_nodes(loop))
            entry = self.stored_in_loops[id(loop)] = (loop, names)
        return entry[1]

    def _body_nodes(self, loop: gast.For | gast.While) -> list[gast.AST]:
        """The `descendants` of each statement of the loop's body, in order, walked once per
        loop: entering one asks some ten questions of its body (the tree is not changed
        while it is lowered)."""
        entry = self.body_nodes.get(id(loop))
        if entry is None or entry[0] is not loop:
            every = [n for stmt in loop.body for n in descendants(stmt)]
            entry = self.body_nodes[id(loop)] = (loop, every)
        return entry[1]

    def _can_rebind(self, other: str) -> bool:
        """Whether rebinding `other` here keeps the SSA form: every enclosing loop carries
        it, or it was bound inside that loop."""
        bound = self.env[other]
        depth = self.loop_depth.get(bound.name, 0)
        for level, carried in enumerate(self.carried_by_loops, start=1):
            if other not in carried and depth < level:
                return False
        return True

    def _rebind_aliases(self, name: str) -> None:
        """After an element update of `name`: names of the same object see the new version."""
        for other in self.pending_rebinds:
            if isinstance(other, tuple):  # a nested function's default: its new version
                fn, _, param, position = other
                bound = self.env[fn]
                nested = bound if position is None else bound.items[position]
                new = replace(nested, defaults={**nested.defaults, param: self.env[name]})
                if position is not None:  # (an item of a list or dict of functions)
                    items = (*bound.items[:position], new, *bound.items[position + 1 :])
                    new = replace(bound, items=items)
                self.env[fn] = new
            else:
                self.env[other] = self.env[name]
        self.pending_rebinds = []

    def _guard(
        self,
        name: str,
        other: Var,
        shown: str,
        what: str,
        *,
        list_object: bool = False,
        held: bool = False,
    ) -> None:
        """`name`'s operand through `rt.unshared`, which raises if it shares memory with
        `other` at run time (the error names both, and where `name`'s value was made).
        `list_object`: `name` is a list grown or shrunk, which changes `other` only if
        `other` is the same list or holds it; `held`: `other` may hold it."""
        value = self.env[name]
        made = self._made(value.name)
        shares = "may be the same list as, or an item of," if list_object else "shares memory with"
        if held:
            shares = "shares memory with (is held by, or is)"
        message = (
            f"unsupported construct: {what} on `{name}`, whose value{made} {shares} "
            f"{shown} here: the update would change both"
        )
        hint = f"copy `{name}` or {shown} where it is made (`.copy()`) so that they do not share"
        if list_object:
            hint = f"update {shown} by its own name, or make `{name}` a copy (`list(…)`)"
        if isinstance(other, Var) and self._holds_view_of(other.name):  # (no `.copy()`)
            hint = f"make {shown} a list where it is made (`list(d.values())`), or take it "
            hint += "after the update"
        if what.startswith("`") and "= …" in what:  # `x += …`: a new value instead
            op = what[len(name) + 2 : what.index("= …")]
            hint += f", or write `{name} = {name} {op} …` (a new value) instead of {what}"
        guarded = self._checked_unshared(value, other, message, hint, list_object=list_object)
        self.made_on[guarded.name] = self.made_on.get(value.name, self.line)
        self.env[name] = guarded

    def _checked_unshared(
        self, value: Var, other: Atom, message: str, hint: str, *, list_object: bool = False
    ) -> Var:
        """`value` through `rt.unshared(value, other, …)`, emitted here: at run time it
        raises `message` at the user's line if an in-place update of `value` would change
        `other` (`value` itself as `other`: if `value` is an array, list or dict at all)."""
        checked = self._unshared_check(value, other, message, hint, self.line, list_object)
        guarded = self.namer.temp()
        self.emit(Assign(guarded, checked, self.line))
        self._edge(guarded, value.name, same=True, certain=True)
        return Var(guarded)

    def _unshared_check(
        self, value: Var, other: Atom, message: str, hint: str, line: int, list_object: bool
    ) -> Prim:
        """`rt.unshared(value, other, …)`, raising `message` at the user's `line`."""
        facts = (self.filename, line, message, hint)
        extra = (Const(True),) if list_object else ()
        return Prim(
            runtime.unshared,
            (value, other, *map(Const, facts), *extra),
            spelled=self._rt("unshared"),
        )

    def _made(self, ssa_name: str) -> str:
        line = self.made_on.get(ssa_name)
        if line is None:
            return ""
        text = linecache.getline(self.filename, line).strip()
        return f" (line {line}: `{text}`)" if text else f" (line {line})"

    def _view_error(self, name: str, other: str, mine: str, theirs: str, what: str, is_param):
        if is_param:
            return self._unsupported(
                f"{what} on `{name}`, a view of {other}{self._made(mine)}: it would modify "
                "the caller's array",
                hint=f"make `{name}` a copy where it is made (`.copy()`)",
            )
        if theirs in self._ancestors(mine).every:  # `name` is the view
            view, base, made = name, other, self._made(mine)
        else:
            view, base, made = other, name, self._made(theirs)
        hint = f"make `{view}` a copy where it is made (`.copy()`), or update `{base}` "
        hint += f"itself and make `{view}` after the update"
        if self._holds_view_of(theirs if view == other else mine):  # a dict's: no `.copy()`
            hint = f"make `{view}` a list where it is made (`list(d.values())`), or take it "
            hint += "after the update"
        return self._unsupported(
            f"{what} on `{name}`, which shares memory with `{other}`: `{view}` is a view of "
            f"`{base}`{made}, and the update would change both",
            hint=hint,
        )

    # nested functions and calls

    def _defaults(self, stmt: gast.FunctionDef) -> dict:
        """The defaults of a nested function, evaluated at the `def` as Python does."""
        positional = [a.id for a in [*stmt.args.posonlyargs, *stmt.args.args]]
        pairs = list(
            zip(
                positional[len(positional) - len(stmt.args.defaults) :],
                stmt.args.defaults,
                strict=True,
            )
        )
        pairs += [
            (a.id, d)
            for a, d in zip(stmt.args.kwonlyargs, stmt.args.kw_defaults, strict=True)
            if d is not None
        ]
        return {name: self._default_binding(default) for name, default in pairs}

    def _default_binding(self, node: gast.expr) -> object:
        """A nested function's default: a function or an object of yours known now stays
        known, as an argument given to an inlined call does (`def run(v, cb=softplus)`,
        `lambda v, m=MODEL: …`, a partial's `f=np.cos`); any other value its binding."""
        found = self._function_argument(node) or self._held_object(node)
        return self._passed(found) if found is not None else self._binding(node)

    def _nested_updates(self, fn: gast.FunctionDef) -> set[str]:
        """Names of the enclosing function `fn` updates in place (`acc.append(v)`,
        `buf[i] = v`), its own nested calls' included."""
        updated = stored_names(fn.body) - assigned_names(fn) - set(param_names(fn))
        for call in descendants(fn):
            if isinstance(call, Call) and isinstance(call.func, Name):
                updated |= self.nested_updates.get(call.func.id, set())
        return updated

    def _check_defaults_kept(self, fn, bound: dict, inner: dict, count: int, kwargs: dict):
        """A default the call updated in place (`def g(y, acc=[])`) would be seen, updated,
        by later calls: refused."""
        given = set(param_names(fn)[:count]) | set(kwargs)
        for name, value in bound.items():
            if name in given or not isinstance(value, Var) or name in assigned_names(fn):
                continue
            if inner.get(name) is not value:
                raise self._unsupported(
                    f"the nested function `{fn.name}` updates its default `{name}` in place "
                    "(Python keeps the update for later calls)",
                    hint=f"make the default None and create the value in `{fn.name}`",
                )

    def _updated_by_calls(self, every: list[gast.AST]) -> set[str]:
        """Names the nested functions called among `every` (a loop body's `_body_nodes`)
        update in place."""
        names: set[str] = set()
        for call in every:
            if isinstance(call, Call) and isinstance(call.func, Name):
                names |= self.nested_updates.get(call.func.id, set())
        return names

    def _read_by_calls(self, every: list[gast.AST]) -> set[str]:
        """Names the nested functions `every` (a loop body's `_body_nodes`) refers to (call,
        or passes on) read, through the nested functions they refer to in turn: a call reads
        the name's binding then. A name holding functions some other way (`fs = [lambda v:
        v * e]`, a choice of two defs): what every nested function reads."""
        pending = [n.id for n in every if isinstance(n, Name)]
        seen: set[str] = set()
        read: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in self.nested_defs:
                fns = self.nested_defs[name]
            elif self._holds_functions(self.env.get(name)):
                fns = [fn for defs in self.nested_defs.values() for fn in defs]
            else:
                continue
            for fn in fns:
                inner = names_read(fn)
                read |= inner
                pending.extend(inner)
        return read

    def _holds_functions(self, bound: object) -> bool:
        """Whether a binding is, or holds, a function value (not a plain value)."""
        if isinstance(bound, tuple):
            return any(map(self._holds_functions, bound))
        return isinstance(bound, FunctionItems) or (
            bound is not None and not isinstance(bound, (Var, Const, Free))
        )

    def _refuse_writing_call(self, node: Call, callee: object) -> None:
        """`out=` arguments and NumPy functions that write into an argument."""
        if any(kw.arg == "out" for kw in node.keywords):
            raise self._unsupported(
                "a call with `out=`, which writes into an existing array",
                hint="assign the result instead: `c = np.add(a, b)` rather than "
                "`np.add(a, b, out=c)`",
            )
        try:
            spelled = WRITING_FUNCTIONS.get(callee)
        except TypeError:  # an unhashable callee
            spelled = None
        if spelled is not None:
            raise self._unsupported(
                f"`{spelled}`, which writes into its first argument in place",
                hint="build a new array instead (an element assignment `a[i] = v` on a "
                "local array, or np.where)",
            )

    def _refuse_writing_method(self, func: gast.Attribute) -> None:
        instead = WRITING_METHODS.get(func.attr)
        if instead is not None:
            owner = func.value.id if isinstance(func.value, Name) else "the value"
            raise self._unsupported(
                f"`.{func.attr}()`, which updates `{owner}` in place",
                hint=f"write {instead} (a new value) instead",
            )
