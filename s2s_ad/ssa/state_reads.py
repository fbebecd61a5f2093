"""Module state a helper changes, read where the plain call reads it.

A helper of yours may change what the function reads from its module between two reads:
`set_scale(3.0)` doing `global SCALE`, `P.scale = v`, `WBUF[0] = v`. The forward sweep reads
the module where the plain call does, but a reverse sweep runs after all of the forward
sweep: reading the global again then gives the value the last write left
(`a = x * SCALE; set_scale(3.0); return a * a`: the adjoint of `a` multiplied by 3.0, where
the forward sweep used 2.0). So in a function calling such a helper, each global's data a
primitive reads (a number; an array, copied: a helper may update it in place) is first
bound to a variable of its own where it stands, which both sweeps read.

Before::                            After::

    set_scale(2.0)                      set_scale(2.0)
    _t1 = x * SCALE                     _t2 = SCALE
                                        _t1 = x * _t2
    set_scale(3.0)                      set_scale(3.0)

A variable holding a global array itself (`w = WBUF`) is copied where each primitive reads
it, as the plain call reads the array's contents then. A function calling no such helper is
left as it is: within one call, nothing changes the module between its sweeps. One calling
such a helper is lowered with every other helper of its module inlined (`lower`'s
`inline_readers`; one that cannot be is called): their reads are bound so too. A read bound
so in a checkpointed loop is refused in reverse mode (`ad/effects.refuse_effects_in_rerun`):
the recomputed segments would read the state changed.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import functools
import operator
import types
from collections.abc import Callable

import numpy as np

from .. import runtime
from ..frontend.library import is_library_function
from ..frontend.nodes import chain_value
from ..naming import Namer
from .effect_calls import (
    helper_writes,
    is_data,
    items_of,
    own_setter,
    state_written,
    writing_partial,
)
from .effects import defaults_held, module_objects_updated, updates_arguments
from .ir import (
    Assign,
    Const,
    Effect,
    For,
    Free,
    Function,
    If,
    Index,
    Prim,
    SliceItem,
    Var,
    While,
    With,
    walk,
)
from .sharing import (
    carries_given,
    copies_items,
    dict_lookup,
    dict_view,
    joins_sequences,
    module_holders,
    sharing_kind,
    stores_given,
)
from .stored_values import CONTENTS, SETTERS


def calls_writer(fn: Function, resolve: Callable[[str], object], module: str = "") -> frozenset:
    """(module, name) of the state the helpers `fn` calls may change (`effect_calls.
    state_written`; `resolve`: what a name its statements kept for their effect call names,
    a closure's or the module's), and that `fn`'s own setters change (`setattr(SCHED, "lr",
    v)` of a lambda's body inlined, `fn`'s `module`); empty where it changes none."""
    statements = walk(fn.body)
    holders = _Holders(statements)
    return frozenset(
        written
        for stmt in statements
        for written in (
            *(w for writer in _writers_called(stmt, resolve) for w in _written_by(writer, module)),
            *_set_here(stmt, module),
            *_given_to_updater(stmt, resolve, module, holders),
        )
    )


class _Holders:
    """The variables of a function that may be or hold a module's object (`sharing.
    module_holders`), found when first asked."""

    def __init__(self, statements: list) -> None:
        self.statements, self.found = statements, None

    def __contains__(self, name: str) -> bool:
        if self.found is None:
            self.found = module_holders(self.statements)
        return name in self.found


def _written_by(writer: object, module: str) -> frozenset:
    """`state_written` of a helper; a setter's partial (`partial(setattr, R, "lr")`) may set
    any module object (its module's, "" for the name: not known here)."""
    if isinstance(writer, functools.partial):
        return frozenset({(module, "")})
    return state_written(writer)


def _set_here(stmt: object, module: str) -> tuple:
    """(module, name) of the module object a setter called in `stmt` changes (a lambda's
    body inlined, or a statement `setattr(STATE, "n", v)` kept for its effect)."""
    setter = _module_setter(stmt)
    if setter is not None:
        return ((module, setter),)
    if not isinstance(stmt, Effect):
        return ()
    # its own store into a slot (`setattr(HOLD["s"], "lr", v)`, `CACHE["n"] = v`: ssa/
    # effects.py's `_own_store`; not a list grown, `LOG.append(v)`, whose reads back are
    # refused), or a setter it names anywhere (`map(setattr, …)`, `setattr(*args)`,
    # `object.__setattr__`, `R.__dict__.update(lr=v)`)
    stored = {p[0] for *_, paths, _, _ in stmt.stores for p in paths if p[-1] != CONTENTS}
    named = (n for n in ast.walk(stmt.node) if isinstance(n, (ast.Name, ast.Attribute)))
    if any((getattr(n, "id", None) or getattr(n, "attr", None)) in _SETTER_NAMES for n in named):
        stored.add("")  # (what it sets is not known here: any module object)
    return tuple((module, name) for name in sorted(stored))


def _given_to_updater(
    stmt: object, resolve: Callable[[str], object], module: str, holders: _Holders
) -> tuple:
    """(module, name) of the module objects a statement passes to a helper of yours that
    may update an argument in place (`scale_inplace(M, 2.0)` doing `a *= s`; `M[0]`,
    `CFG["arr"]`, `STATE.buf`, `M.reshape(-1)` passed too): the helper changes them as
    `set_scale` changes `SCALE`; a local that may hold one given (`n = count_all(list(WS))`
    doing `for w in ws: w *= 0.5`), any module object ("")."""
    if isinstance(stmt, Assign) and isinstance(stmt.value, Prim):  # (`w = scale_ret(V, 2.0)`)
        value = stmt.value
        found = [(module, name) for name in module_objects_updated(value)]
        if found or not updates_arguments(value.fn):  # (the holders found only if asked)
            return tuple(found)
        given = (*value.args, *(a for _, a in value.kwargs))
        if any(isinstance(a, Var) and a.name in holders for a in given):
            found.append((module, ""))
        return tuple(found)
    if not isinstance(stmt, Effect):
        return ()
    found = []
    for call in (n for n in ast.walk(stmt.node) if isinstance(n, ast.Call)):
        callee = chain_value(call.func, resolve, kinds=ast)
        if not updates_arguments(callee):
            continue
        given = [*call.args, *(keyword.value for keyword in call.keywords)]
        for arg, name in ((arg, root) for a in given for arg, root in _object_roots(a)):
            data = is_data(chain_value(arg, resolve, kinds=ast))  # (`Config.SCALE`'s array)
            if name not in stmt.reads and (data or is_data(resolve(name))):
                found.append((module, name))
        found += [(module, name) for name in defaults_held(callee)]
    return tuple(found)


def _object_roots(node: ast.expr):
    """(The expression, the name) of each object (or a view of one) `node` passes: `M` of
    `M`, `M[0]`, `S.buf`, `M.reshape(-1)`, `*M`; each item of a tuple, list or dict made
    there (`(M, N)`, `**{"a": M}`)."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for item in node.elts:
            yield from _object_roots(item)
        return
    if isinstance(node, ast.Dict):
        for item in node.values:
            yield from _object_roots(item)
        return
    top = node
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Starred)):
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        yield top, node.id


_SETTER_NAMES = frozenset(("setattr", "delattr", "__setattr__", "__delattr__", "__dict__"))


def _module_setter(stmt: object) -> str | None:
    """The name of the module object `stmt`'s value sets, where it is a setter (`setattr(
    SCHED, "lr", v)`, a lambda's body inlined; `STATE.__setattr__("n", v)`); "" where the
    object is a local's (`h = HOLD["s"]`, a partial's: `partial(setattr, HOLD["s"], "lr")`
    inlined), which may be a module's; else None."""
    value = stmt.value if isinstance(stmt, Assign) else None
    if not isinstance(value, Prim):
        return None
    if own_setter(value.fn):  # (`STATE.__setattr__`: the object it is bound to)
        return (value.spelled or "").split(".")[0] if "." in (value.spelled or "") else ""
    if value.fn not in SETTERS or not value.args:
        return None
    target = value.args[0]
    if isinstance(target, Free):
        return target.source.split(".")[0].split("[")[0]
    return "" if isinstance(target, Var) else None


def read_where_written(fn: Function) -> Function:
    """A copy of `fn` (which calls a writer: `calls_writer`) whose primitives read the
    module's numbers and arrays through variables bound where they stand."""
    bound = copy.copy(fn)
    namer = Namer(set(fn.taken_names))
    binding = _Binding(namer, fn.aliases.np, fn.aliases.rt)
    if any(isinstance(stmt, (For, While)) for stmt in walk(fn.body)):
        binding.items = _carried_items(fn)
    bound.body = binding.block(fn.body)
    bound.state_reads = frozenset(namer.taken - fn.taken_names)
    bound.taken_names = namer.taken
    return bound


def _carried_items(fn: Function) -> set[str]:
    """The variables that may hold a module's array (`_Binding.items`) in some iteration of a
    loop: a loop's variable may hold what its previous iteration put in (`kept.append(v)`
    after `kept[-1]` is read), so the walks (their code thrown away) start again from what
    the last found, until they find nothing more."""
    items: set[str] = set()
    while True:
        trial = _Binding(Namer(set(fn.taken_names)), fn.aliases.np, fn.aliases.rt)
        trial.items = set(items)
        trial.block(fn.body)
        if trial.items <= items:
            return items
        items |= trial.items


def _writers_called(stmt: object, resolve: Callable[[str], object]) -> list:
    """The helpers of the user's writing module state that `stmt` calls: an assignment's
    call, or a call in a statement kept for its effect (`set_scale(3.0)`); and the writing
    partials and helpers it gives a call, which may call them (`apply(SET_LR, 0.05)`)."""
    if isinstance(stmt, Assign) and isinstance(stmt.value, Prim):
        value = stmt.value
        given = (*value.args, *(a for _, a in value.kwargs))
        # (a setter's partial given to a helper, which may call it: `apply(SET_LR, 0.05)`)
        called = [value.fn, *(a.value for a in given if type(a) is Free)]
    elif isinstance(stmt, Effect):  # (`set_scale(3.0)`, `CTRL.set(3.0)`)
        calls = [n for n in ast.walk(stmt.node) if isinstance(n, ast.Call)]
        called = [v for c in calls for v in _callees(c.func, resolve)]
        given = (a for c in calls for a in (*c.args, *(k.value for k in c.keywords)))
        called += [v for v in (chain_value(a, resolve, kinds=ast) for a in given) if v is not None]
    else:
        return []
    functions = (fn.__func__ if isinstance(fn, types.MethodType) else fn for fn in called)
    return [fn for fn in functions if _is_writer(fn)]


def _callees(func: ast.expr, resolve: Callable[[str], object]) -> list:
    """What a call's `func` may be: the object its names, attributes and literal items name
    now; any item of a module's list or dict it indexes at a computed key (`CBS[i]()`, `for
    k in D: D[k]()`); the attribute `getattr(SCHED, "step")` names."""
    if isinstance(func, ast.Subscript) and not isinstance(func.slice, ast.Constant):
        return items_of(chain_value(func.value, resolve, kinds=ast))
    literal = isinstance(func, ast.Call) and len(func.args) == 2
    if literal and getattr(func.func, "id", None) == "getattr":
        name = func.args[1]
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            func = ast.Attribute(value=func.args[0], attr=name.value, ctx=ast.Load())
    return [chain_value(func, resolve, kinds=ast)]


def _is_writer(fn: object) -> bool:
    if isinstance(fn, functools.partial):  # (`RATE_SETTER = partial(setattr, RATE, "lr")`,
        # `partial(M.__setitem__, (0, 0))`, `partial(LOG.append)`)
        return writing_partial(fn)
    return (
        isinstance(fn, types.FunctionType)
        and not is_library_function(fn)
        and helper_writes(fn) is not None
    )


class _Binding:
    """The rewriting of one function: its namer, its names for NumPy and the runtime, and
    the variables holding a global array itself (`w = WBUF`: the plain call reads the
    array's current contents through `w` too, so each use of `w` is a copy bound where it
    stands), an item of one (`r = M[0]`, a view: copied where used, the module's array not
    copied), a global list of numbers (`idx = IDX`, `idx = IDXS["i"]`: copied where an
    index or a NumPy function reads it), or a module's dict, list or object (`d = CFG`:
    what `d["arr"]` reads is one of those)."""

    def __init__(self, namer: Namer, np_alias: str, rt_alias: str) -> None:
        self.namer, self.np_alias, self.rt_alias = namer, np_alias, rt_alias
        self.held: dict[str, object] = {}  # variable → the module's object it is
        # the variables that may be or hold a module's array or a view of one, not followed
        # item by item: an item of one (`r = M[0]`), a list it is put in (`kept.append(w)`)
        self.items: set[str] = set()
        self.rows: set[str] = set()  # the sequences of a module array's rows a loop takes

    def block(self, block: list) -> list:
        out: list = []
        for stmt in block:
            if isinstance(stmt, Assign) and isinstance(stmt.value, Prim):
                prim = stmt.value
                numeric = _computes_from(prim.fn) and not self.joins_sequences(prim)
                rows = prim.fn is runtime.sequence and self.holds_arrays(prim.args[0])
                built = self.built_from(prim)  # (`[WS[0]]`, `{"w": WS[0]}`: their very items)
                carried = not rows and self.stores_shared(prim, built)
                item = not (rows or carried) and self.shares_module_array(prim)
                if item or rows:  # (`r = M[0]`, `for w in M:`: views of the module's array)
                    kept = functools.partial(operator.is_, prim.args[0])
                elif carried:  # (`kept.append(w)`, `ws + [v]`: the arrays themselves)
                    kept = self.may_share
                elif built is not _NOT_HELD or dict_lookup(prim.fn):  # (the arrays themselves:
                    kept = self.is_module_array  # in a display, a `get`'s default)
                else:  # (a helper updating what it is given gets the module's object itself)
                    kept = _updated_given if module_objects_updated(prim) else None
                args = tuple(self.bound(a, stmt.line, out, numeric, kept) for a in prim.args)
                kwargs = tuple(
                    (k, self.bound(a, stmt.line, out, numeric, kept)) for k, a in prim.kwargs
                )
                stmt = dataclasses.replace(
                    stmt, value=dataclasses.replace(prim, args=args, kwargs=kwargs)
                )
                if item or carried:
                    self.items.add(stmt.target)
                elif rows:
                    self.rows.add(stmt.target)
                elif built is not _NOT_HELD:
                    self.held[stmt.target] = built
                else:
                    self.note(stmt.target, self.read_out(prim))
            elif isinstance(stmt, Assign) and isinstance(stmt.value, (Free, Var)):
                if isinstance(stmt.value, Var) and stmt.value.name in self.items:
                    self.items.add(stmt.target)  # `s = r` of `r = M[0]`
                self.note(stmt.target, self.object_of(stmt.value))  # `w = WBUF`, `v = w`
            elif isinstance(stmt, If):
                stmt = dataclasses.replace(
                    stmt, body=self.block(stmt.body), orelse=self.block(stmt.orelse)
                )
            elif isinstance(stmt, (For, While, With)):
                stmt = dataclasses.replace(stmt, body=self.block(stmt.body))
            out.append(stmt)
        return out

    def note(self, target: str, value: object) -> None:
        """`target` is the module's object `value` (`_NOT_HELD`: none): an array, a list of
        numbers or arrays, a dict, a list or an object holding them."""
        if value is not _NOT_HELD and (_is_array(value) or not _is_data(value)):
            self.held[target] = value

    def object_of(self, atom: object) -> object:
        """The module's object `atom` is (a `Free`'s value, a variable's noted), else
        `_NOT_HELD`."""
        if isinstance(atom, Free):
            return atom.value
        return self.held.get(atom.name, _NOT_HELD) if isinstance(atom, Var) else _NOT_HELD

    def built_from(self, prim: Prim) -> object:
        """What a list or dict display of the function's own holds, where it is being built
        (`[]`, then `rt.append(l, WS[0])`; `{}`, then `rt.setitem(d, WS[0], "w")`): the
        module's objects it holds (`_NOT_HELD` for any other item), else `_NOT_HELD`."""
        if prim.fn is runtime.make_list and not prim.args:
            return []
        if prim.fn is runtime.make_dict and not prim.args:
            return {}
        if prim.fn is runtime.append and len(prim.args) == 2:
            before = self.object_of(prim.args[0])
            if type(before) is list:
                return [*before, self.object_of(prim.args[1])]
        if prim.fn is runtime.setitem and len(prim.args) == 3:
            before, key = self.object_of(prim.args[0]), prim.args[2]
            if isinstance(key, Index) and not key.is_tuple and len(key.items) == 1:
                key = key.items[0]
            if type(before) is dict and isinstance(key, Const):
                return {**before, key.value: self.object_of(prim.args[1])}
        return _NOT_HELD

    def may_share(self, atom: object) -> bool:
        """Whether `atom` is, or may hold, a module's array or a view of one: a module's
        array, list, tuple or dict of arrays (or a variable holding one), an item read out
        of one or a container that may hold one (`self.items`), a loop's rows."""
        if isinstance(atom, Var) and (atom.name in self.items or atom.name in self.rows):
            return True
        held = self.object_of(atom)
        return _is_array(held) or _arrays_within(held.values() if isinstance(held, dict) else held)

    def stores_shared(self, prim: Prim, built: object) -> bool:
        """Whether `prim` puts a module's array (or what may be or hold one) into the list,
        tuple or dict it makes, where what that holds is not known item by item (`kept.
        append(v)` of `v` a loop's item, `list(WS) + [v]`, `dict(zip(names, WS))`, `tuple(
        pair)`): its items are then each copied where they are used."""
        if not (stores_given(prim.fn) or self.joins_sequences(prim)):
            return False
        if built is not _NOT_HELD and all(v is not _NOT_HELD for v in _values_of(built)):
            return False  # (`[WS[0]]`: what it holds, known)
        atoms = (*prim.args, *(a for _, a in prim.kwargs))
        return any(self.may_share(a) for a in atoms) and self.read_out(prim) is _NOT_HELD

    def joins_sequences(self, prim: Prim) -> bool:
        """`sharing.joins_sequences` of `prim`, its operands the objects they hold."""
        return joins_sequences(prim, [self.object_of(a) for a in prim.args])

    def read_out(self, prim: Prim) -> object:
        """What `prim` reads out of a module's container or object, at a literal key or name
        (`CFG["arr"]`, `d["arr"]` of `d = CFG`, `getattr(M, "w")`), as it is now: the very
        array or list, which a helper may update in place later; else `_NOT_HELD`."""
        if dict_view(prim.fn) and not prim.args:  # (`CFG.values()`: what a loop takes)
            return prim.fn()
        if dict_lookup(prim.fn) and prim.args:  # (`CFG.get("arr")`, `CFG.get(k, WS[0])`)
            key = prim.args[0]
            default = self.object_of(prim.args[1]) if len(prim.args) > 1 else _NOT_HELD
            owner = prim.fn.__self__
            return owner.get(key.value, default) if isinstance(key, Const) else _NOT_HELD
        if copies_items(prim.fn) and len(prim.args) <= 1:  # (`list(WS)`: the same items)
            source = self.object_of(prim.args[0]) if prim.args else prim.fn.__self__
            return _items_copied(prim, source)
        if prim.fn not in (operator.getitem, getattr, runtime.dict_get) or len(prim.args) < 2:
            return _NOT_HELD
        container, key = prim.args[0], prim.args[1]
        if isinstance(key, Index) and not key.is_tuple and len(key.items) == 1:
            key = key.items[0]
        holder = self.object_of(container)
        if isinstance(key, SliceItem) and isinstance(holder, (list, tuple)):
            parts = _parts(key)  # (`WS[:]`, `WS[1:]`: the same items)
            if all(p is None or isinstance(p, Const) for p in parts):
                return list(holder[slice(*(None if p is None else p.value for p in parts))])
        if holder is _NOT_HELD or not isinstance(key, Const):
            return _NOT_HELD
        try:
            if prim.fn is getattr:
                return getattr(holder, key.value)
            return holder[key.value]
        except Exception:  # (not there now)
            return _NOT_HELD

    def holds_array(self, value: object) -> bool:
        return _is_array(self.object_of(value))

    def is_module_array(self, atom: object) -> bool:
        """Whether `atom` is a module's array, or a variable holding one (a number or list
        read is bound where it stands as before)."""
        return isinstance(atom, (Free, Var)) and self.holds_array(atom)

    def holds_arrays(self, value: object) -> bool:
        """Whether `value` is a module's array, or its list, tuple or dict view holding
        arrays (`for w in WS:`, `for k, v in CFG.items():`: each item the very array)."""
        held = self.object_of(value)
        return _is_array(held) or _arrays_within(held)

    def shares_module_array(self, prim: Prim) -> bool:
        """Whether `prim`'s value is (or may be) a view of a module's array, as it is when
        later read: an item (`M[0]`), a view (`M.T`, `M.reshape(-1)`, `np.asarray(M)`), an
        item of a loop's rows (`w` of `for w in WS:`) or of such an item (`v` of `k, v`)."""
        if not prim.args:
            return False
        first = prim.args[0]
        if _name_of(first) in self.items:  # (`ws[0]` of a list that may hold module arrays)
            return carries_given(prim.fn)
        if prim.fn is operator.getitem:  # (`WS[i]`, `CFG[k]` of arrays, at a computed index)
            held = self.object_of(first)
            held = held.values() if isinstance(held, dict) else held
            computed = _arrays_within(held) and self.read_out(prim) is _NOT_HELD
            return self.holds_array(first) or _name_of(first) in self.rows or computed
        return sharing_kind(prim.fn) is not None and self.holds_array(first)

    def holds_list(self, value: object) -> bool:
        return _holds_data(self.object_of(value))

    def bound(
        self,
        atom: object,
        line: int,
        out: list,
        numeric: bool = False,
        kept: Callable[[object], bool] | None = None,
        index: bool = False,
    ) -> object:
        """`atom`, or a variable bound to its value just before (appended to `out`) where it
        is a global's number or array (copied), or a variable holding a global array; in an
        index, each of its parts so (`x[C.i]`, `x[C.lo : C.hi]`: the reverse sweep's
        `x_bar[C.i]` reads the cursor the forward sweep read, not the one moved since; a
        list of indices, `x[C.idx]`, copied); a list of numbers or arrays a `numeric`
        primitive reads (`x * WL`, `np.take(x, C.idx)`), copied whole; an atom `kept` says
        is left as it is."""
        if kept is not None and kept(atom):
            return atom
        if isinstance(atom, Index):
            items = tuple(self.bound(item, line, out, index=True) for item in atom.items)
            return dataclasses.replace(atom, items=items) if items != atom.items else atom
        if isinstance(atom, SliceItem):
            parts = [None if a is None else self.bound(a, line, out) for a in _parts(atom)]
            return SliceItem(*parts)
        # (an item of a module's array, `r = M[0]`, a view or a number: copied as it is)
        items = isinstance(atom, Var) and atom.name in self.items
        if items or ((numeric or index) and self.holds_list(atom)):
            name = self.namer.temp()
            copy_of = Prim(runtime.deep_copy, (atom,), spelled=f"{self.rt_alias}.deep_copy")
            out.append(Assign(name, copy_of, line))
            return Var(name)
        if isinstance(atom, Free) and (_is_data(atom.value) or index):
            copied = _is_array(atom.value)
        elif isinstance(atom, Var) and self.holds_array(atom):
            copied = True
        else:
            return atom
        name = self.namer.temp()
        if index and isinstance(atom, Free) and isinstance(atom.value, list):
            value = Prim(list, (atom,), spelled="list")
        elif copied:
            value = Prim(np.copy, (atom,), spelled=f"{self.np_alias}.copy")
        else:
            value = atom
        out.append(Assign(name, value, line))
        return Var(name)


_NOT_HELD = object()  # (no module's object: `_Binding.object_of`)


def _name_of(atom: object) -> str | None:
    return atom.name if isinstance(atom, Var) else None


def _updated_given(atom: object) -> bool:
    """Whether `atom` is a module's object a helper may update in place (not a number)."""
    return type(atom) is Free and not isinstance(atom.value, (int, float, complex, str))


def _parts(item: SliceItem) -> tuple:
    return item.lower, item.upper, item.step


# a global's values read as they are at the read (a dict's key, a tuple index, too)
_VALUES = (int, float, complex, np.generic, str, bytes, tuple)


_OPERATORS = frozenset(
    {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.matmul}
    | {operator.floordiv, operator.mod, operator.neg, operator.pos}
)


def _computes_from(fn: object) -> bool:
    """Whether `fn` computes new numbers from what it is given (NumPy's functions, the
    arithmetic operators): its reverse sweep reads its operands' numbers, never holds them
    (an item read, `ROWS[1]`, is the very list, which a helper may change later)."""
    if fn in _OPERATORS or isinstance(fn, np.ufunc):
        return True
    return (getattr(fn, "__module__", None) or "").startswith("numpy")


def _holds_data(value: object, depth: int = 0) -> bool:
    """Whether `value` is a module's list (or a tuple holding one) of numbers and arrays, or
    of such lists: read as it is at the read, a copy (a helper may change its items in
    place, `W[0] = 3.0`, and the reverse sweep reads it after)."""
    if not isinstance(value, (list, tuple)) or depth > 3 or len(value) > 10_000:
        return False
    mutable = isinstance(value, list)
    for item in value:
        if isinstance(item, (list, tuple)):
            if not _holds_data(item, depth + 1):
                return False
            mutable = mutable or isinstance(item, list)
        elif not isinstance(item, (int, float, complex, np.generic, np.ndarray)):
            return False
        mutable = mutable or isinstance(item, np.ndarray)
    return mutable


def _arrays_within(value: object, depth: int = 0) -> bool:
    """Whether `value` is a list, tuple or dict view holding arrays (an item's tuple, `(k,
    v)`, looked into)."""
    if not isinstance(value, (list, tuple, _DICT_VIEWS)) or depth > 1 or len(value) > 10_000:
        return False
    return any(_is_array(item) or _arrays_within(item, depth + 1) for item in value)


_DICT_VIEWS = (type({}.values()), type({}.items()))


def _items_copied(prim: Prim, source: object) -> object:
    """What a copy holding the very items of a module's list, tuple, dict or dict view holds
    (`list(WS)`, `dict(CFG)`, `WS.copy()`, `list(reversed(WS))`), else `_NOT_HELD`."""
    items = source.values() if isinstance(source, dict) else source
    if not _arrays_within(items):
        return _NOT_HELD
    if isinstance(source, dict):
        return dict(source)
    return list(reversed(source)) if prim.fn is runtime.reversed_items else list(source)


def _values_of(held: object) -> list:
    """The items of a list or dict `built_from` follows."""
    return list(held.values()) if isinstance(held, dict) else list(held)


def _is_data(value: object) -> bool:
    return isinstance(value, _VALUES) or _is_array(value)


def _is_array(value: object) -> bool:
    return isinstance(value, np.ndarray)
