"""A value carrying a derivative, stored by a helper where the function reads it back: refused.

    def record(v):
        STATE.last = v

    def f(x):
        record(np.sum(x * x))         # stores a value carrying x's derivative …
        return STATE.last * 3.0       # … and reads it back

The derivative code calls `record` with the primal value: `STATE.last` holds no derivative,
so the derivative through it would be silently lost (1 where 6x + 1 is right). Where a helper
stores a value made from what it is given (ssa/stored_values.py) in a module's object or in an
object given to it, is given a value carrying a derivative, and the function reads that object
after the call, the call is refused at its line. A helper that only logs such a value
(nothing reads it back) is left alone.
"""

from __future__ import annotations

import operator

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..rules.registry import lookup
from ..ssa.effect_calls import changes_container
from ..ssa.effects import ITEM_TAKING
from ..ssa.ir import (
    Assign,
    Const,
    Effect,
    For,
    Free,
    Function,
    If,
    Index,
    Prim,
    Return,
    Var,
    While,
    With,
    operands,
    walk,
)
from ..ssa.sharing import carries_given, dict_lookup, sharing_kind
from ..ssa.stored_values import (
    CONTENTS,
    SETTERS,
    given_arguments,
    source_path,
    stored_parameters,
)
from .activity import varied_paths
from .calls import is_user_call


def refuse_stored_derivatives(fn: Function, wrt: list[str]) -> None:
    """Raise UnsupportedSyntaxError (at the call's line) where a helper given a value that
    depends on the parameters `wrt` stores it in an object `fn` reads after the call (in
    program order, a loop's body twice: the next iteration reads what this one stored)."""
    statements = walk(fn.body)
    # (the helpers' stores at each statement: most functions call none that stores)
    stores = {id(s): found for s in statements if (found := _stores_at(s))}
    if not stores:
        return
    varied = varied_paths(fn, wrt).keys()
    aliases = _module_paths(statements)
    pending: list[tuple] = []  # (line, helper, where, paths, objects): given derivatives
    bound: dict = {}  # a variable bound to what a store of `pending` stored → that store
    for stmt in _in_order_loops_twice(fn.body):
        value = stmt.value if isinstance(stmt, Assign) else None
        if pending and value is not None and not _is_unshared_check(value):
            _refuse_read_back(fn, stmt, value, pending, aliases, bound)
        elif pending and isinstance(stmt, Return):
            _refuse_returned(fn, stmt, pending, aliases, bound)
        for *store, sources in stores.get(id(stmt), ()):
            if not varied.isdisjoint(sources):  # (the value stored carries a derivative)
                called, where, paths, objects = store
                # (into a local bound to a module's object: `o.lr = v` of `o = OBJS[0]`)
                paths = paths | {aliases[o] for o in objects if o in aliases}
                pending.append((stmt.line, called, where, paths, objects))


def _module_paths(statements: list) -> dict[str, tuple[str, ...]]:
    """A local bound to a module's object or value (`st = STATE`, `prev = STATE.last`), an
    item or attribute of one at a literal key (`s = HOLD["s"]`, `HOLD["s"].lr`), or an item
    a loop takes from one (`for o in OBJS`: any of its items) → the path of what it holds."""
    paths: dict[str, tuple[str, ...]] = {}
    for s in statements:
        if isinstance(s, For) and isinstance(s.iterable, (Free, Var)):
            held = _path_of(s.iterable, paths)
            if held is not None and isinstance(s.target, str):
                paths[s.target] = (*held, CONTENTS)
        if not isinstance(s, Assign):
            continue
        value = s.value
        if isinstance(value, (Free, Var)):
            held = _path_of(value, paths)
        elif isinstance(value, Prim) and _values_of_module_dict(value):
            held = (*source_path(value.spelled.rsplit(".", 1)[0]), CONTENTS)  # (`HOLD.values()`)
        elif isinstance(value, Prim) and value.fn in _SAME_ITEMS and len(value.args) == 1:
            held = _path_of(value.args[0], paths)  # (`for o in OBJS`'s sequence: its items)
        elif isinstance(value, Prim) and value.fn in _READS_OUT and len(value.args) >= 2:
            held = _path_of(value.args[0], paths)
            step = _step(value.fn if value.fn is getattr else operator.setitem, _key(value))
            held = None if held is None else (*held, *(step or (CONTENTS,)))
        elif isinstance(value, Prim) and dict_lookup(value.fn):  # (`CFG.get("w", WS[0])`)
            owner = source_path(value.spelled.rsplit(".", 1)[0]) if value.spelled else None
            key = _step(operator.setitem, value.args[0]) if value.args else ()
            given = _common_path(value.args[1:], paths)  # (a default's)
            held = owner and _common_path((), paths, [(*owner, *(key or (CONTENTS,))), given])
        elif isinstance(value, Prim) and carries_given(value.fn):
            held = _common_path(operands(value), paths)  # (`[*WS, B]`, `dict(zip(ks, WS))`)
            if held is not None and sharing_kind(value.fn) is None:
                held = (*held, CONTENTS)  # (what holds them, or an item of one: any of them)
        else:
            held = None
        if held is not None:
            paths[s.target] = held
    return paths


def _common_path(atoms: tuple, paths: dict, more: list = ()) -> tuple[str, ...] | None:
    """The path all the module objects `atoms` are (or hold) share, and the paths `more`
    (`WS` of `WS[0]`, `WS[1]`), the root (`()`) where they share none, None where none is a
    module's."""
    found = [held for held in (_path_of(a, paths) for a in atoms) if held is not None]
    found += [held for held in more if held is not None]
    if not found:
        return None
    common = found[0]
    for held in found[1:]:
        k = next((i for i, (a, b) in enumerate(zip(common, held, strict=False)) if a != b), None)
        common = common[: min(len(common), len(held)) if k is None else k]
    return common


def _values_of_module_dict(value: Prim) -> bool:
    """`D.values()` or `D.items()` of a module's dict (its items, the very objects; a
    pair's too)."""
    owner = getattr(value.fn, "__self__", None)
    named = getattr(value.fn, "__name__", "") in ("values", "items")
    return named and isinstance(owner, dict) and "." in (value.spelled or "")


def _path_of(atom: object, paths: dict) -> tuple[str, ...] | None:
    if isinstance(atom, Free):
        return source_path(atom.source)
    return paths.get(atom.name) if isinstance(atom, Var) else None


def _key(value: Prim) -> object:
    """The key or name an item or attribute read takes (a literal index: its one item)."""
    key = value.args[1]
    if isinstance(key, Index) and not key.is_tuple and len(key.items) == 1:
        return key.items[0]
    return key


# the reads of an item or attribute out of what they are given
_READS_OUT = (operator.getitem, getattr, runtime.dict_get)
# what holds the very items it is given (a loop's sequence, an iterator)
_SAME_ITEMS = (
    runtime.sequence,
    iter,
    list,
    tuple,
    reversed,
    runtime.reversed_items,
    runtime.dict_values,
)


def _in_order_loops_twice(block: list):
    """The statements of `block` in program order, each loop's body twice."""
    for stmt in block:
        yield stmt
        if isinstance(stmt, If):
            yield from _in_order_loops_twice(stmt.body)
            yield from _in_order_loops_twice(stmt.orelse)
        elif isinstance(stmt, (For, While)):
            yield from _in_order_loops_twice(stmt.body)
            yield from _in_order_loops_twice(stmt.body)
        elif isinstance(stmt, With):
            yield from _in_order_loops_twice(stmt.body)


def _is_unshared_check(value: object) -> bool:
    """`rt.unshared(s, s, …)`, the lowering's check before a call: no read of `s`'s value."""
    return isinstance(value, Prim) and value.fn is runtime.unshared


def _stores_at(stmt: object) -> tuple:
    """The stores (`Effect.stores`) of the helpers a statement calls: an `Effect`'s, or a
    helper's called for its value; each with the variables the value stored is made from."""
    if isinstance(stmt, Effect):
        return stmt.stores
    value = stmt.value if isinstance(stmt, Assign) else None
    if isinstance(value, Prim) and _sets(value):
        return _set_in_place(value)
    if not is_user_call(value):
        return ()
    given = given_arguments(value.fn, value.args, value.kwargs)
    found = []
    for store in stored_parameters(value.fn):
        args = [(given.get(path[0]), path) for path in store.params]
        # (a local updated in place, `a *= s`: checked when the call runs, not a store)
        objects = frozenset(a.name for a, _ in args if isinstance(a, Var) and not store.in_place)
        frees = {(*source_path(a.source), *path[1:]) for a, path in args if isinstance(a, Free)}
        paths = store.paths | frees  # (`keep(STATE, v)` doing `obj.last = v`: `STATE.last`)
        values = [given[p] for p in store.sources if p in given]
        if len(values) < len(store.sources):  # (`*args`: any argument may be it)
            values = list(operands(value))
        sources = frozenset(v.name for v in values if isinstance(v, Var))
        found.append((value.fn.__name__, store.where, paths, objects, sources))
    return tuple(found)


def _sets(value: Prim) -> bool:
    """`setattr(STATE, "last", v)`, `operator.setitem(H, "y", v)`, `object.__setattr__(…)`,
    or a method changing a module's list, dict or set (`OUT.append(v)`, `H.__setitem__(…)`),
    written in the function (an inlined lambda's body)."""
    return value.fn in SETTERS or ("." in (value.spelled or "") and changes_container(value.fn))


def _set_in_place(value: Prim) -> tuple:
    """`_stores_at` of a store written in the function (`_sets`): where it stores what it
    is given, and the variables the value is made from."""
    keyed = value.fn in SETTERS
    given = value.args[2:] if keyed else value.args
    sources = frozenset(a.name for a in given if isinstance(a, Var))
    if keyed:
        target, name = value.args[0], value.args[1]
        attr = _step(value.fn, name)
        called = getattr(value.fn, "__name__", "setattr")
    else:
        target, attr = Free(value.spelled.rsplit(".", 1)[0]), (CONTENTS,)
        if value.fn.__name__ == "__setitem__" and value.args:  # (`H.__setitem__("y", v)`)
            attr = _step(operator.setitem, value.args[0])
        called = value.spelled
    if isinstance(target, Var):
        return ((called, f"into `{target.name}`", frozenset(), frozenset({target.name}), sources),)
    if isinstance(target, Free):
        path = (*source_path(target.source), *attr)
        return ((called, f"into `{target.source}`", frozenset({path}), frozenset(), sources),)
    return ()


def _step(setter: object, name: object) -> tuple[str, ...]:
    """The step a setter's literal name or key adds to a path (`last`, `['y']`); none for
    a computed one (the whole object)."""
    if not isinstance(name, Const):
        return ()
    return (f"[{name.value!r}]",) if setter is operator.setitem else (str(name.value),)


def _refuse_read_back(
    fn: Function, stmt: Assign, value: object, pending: list, aliases: dict, bound: dict
) -> None:
    """Raise where `stmt` reads back a store of `pending` in a value carrying a derivative;
    a binding or copy of what was stored (`_t2 = STATE.last`, bound where it stands in a
    function calling a writer) is followed to where it is used instead (`_t2 is None`
    reads no derivative)."""
    store = _store_read(value, pending, aliases, bound)
    if store is None:
        return
    # a binding or a copy, or an item or attribute read out of a module's object (`h =
    # HIST["loss"]`, the list itself): followed to its uses (`len(h)` reads no derivative)
    if isinstance(value, (Var, Free)) or (isinstance(value, Prim) and value.fn in _READS_OUT):
        bound[stmt.target] = store
    else:
        _refuse(fn, stmt, store)


def _store_read(value: object, pending: list, aliases: dict, bound: dict) -> tuple | None:
    """The store of `pending` whose value `value` reads (directly, through a copy bound
    before, or through a local bound to the module's object), else None."""
    variables, paths = _read(value)
    held = [aliases[v] for v in variables if v in aliases]
    through = [bound[v] for v in variables if v in bound]
    for store in through + pending:
        _, _, _, stored, objects = store
        read = store in through or bool(objects & variables)
        read = read or any(_overlap(p, q) for p in stored for q in paths)
        # (a local holding what the object at `p` holds, or an object `p` may be in: a
        # store at a computed key, `HOLD[k].lr = v`, may be into `h = HOLD["s"]`)
        if read or any(
            _holds(q, p) or _holds(p, q) or _in_items(p, q) for p in stored for q in held
        ):
            return store
    return None


def _refuse_returned(fn: Function, stmt: Return, pending: list, aliases: dict, bound: dict) -> None:
    """Raise where `stmt` returns what a store of `pending` stored (`return ACC.total`, or
    a copy of it): the result itself would carry no derivative of it."""
    for atom in stmt.values:
        store = _store_read(atom, pending, aliases, bound)
        if store is not None:
            _refuse(fn, stmt, store)


def _refuse(fn: Function, stmt: Assign, store: tuple) -> None:
    line, helper, where, _, _ = store
    if where.startswith("into"):  # (`setattr(…)` written in the function, a lambda's)
        what, fix = f"`{helper}(…)` of a value that carries a derivative {where}", ""
    else:
        what = f"call of `{helper}` given a value that carries a derivative, which it "
        what += f"stores ({where})"
        fix = f"make `{helper}` return the value and use what it returns, or "
    raise UnsupportedSyntaxError(
        f"unsupported construct: {what}, where the function reads it back (line "
        f"{stmt.line}): the derivative code stores the value alone, so the derivative "
        "through what it stores would be lost",
        filename=fn.filename,
        line=line,
        hint=f"{fix}keep the value in a variable and use it where the function reads the "
        "object back, instead of reading the object",
    )


def _read(value: object) -> tuple[set[str], list[tuple[str, ...]]]:
    """(The variables `value` reads, the paths of the module objects it reads: `STATE.scale`,
    `CACHE["lr"]`, `LOG` of `LOG.pop()`); none where what it computes carries no derivative
    (`len(LOG)`)."""
    if isinstance(value, Prim):
        rule = lookup(value.fn)
        takes = getattr(value.fn, "__name__", "") in ITEM_TAKING  # (`LOG.pop()`: an item)
        if (rule is not None and rule.nondiff) or value.fn in _FLAT or (_sets(value) and not takes):
            return set(), []  # (no derivative read: `len(LOG)`, `s is None`; or a store's own)
        atoms = operands(value)
        key = value.args[1] if value.fn is operator.getitem and len(value.args) == 2 else None
    else:
        atoms, key = (value,), None
    variables = {a.name for a in atoms if isinstance(a, Var)}
    paths = [source_path(a.source) for a in atoms if isinstance(a, Free)]
    items = key.items if isinstance(key, Index) and not key.is_tuple else ()
    if len(items) == 1 and isinstance(items[0], Const) and isinstance(value.args[0], Free):
        # (`CACHE["lr"]`: that item alone; `P.__dict__["w"]` is `P.w`)
        key = items[0].value
        dunder = value.args[0].source.endswith("__dict__") and isinstance(key, str)
        paths = [(*paths[0], key if dunder else f"[{key!r}]")]
    spelled = getattr(value, "spelled", None) or ""
    if "." in spelled:  # a module object's method (`CACHE.get("y")`) reads that object
        paths.append(tuple(spelled.split(".")[:-1]))
    return variables, paths


def _in_items(stored: tuple[str, ...], held: tuple[str, ...]) -> bool:
    """Whether a local holding the items of an object, or one of them (`ws = WS[:]`,
    `[*WS, B]`, `snap = dict(HIST)`, `ws[0]` of those: `held` has a `CONTENTS` step), sees a
    store at `stored`: one into such an item (`WS[0] += v` of an array, `HOLD["s"].lr = v`),
    not the rebinding of the original's slot (`HIST["y"] = v`: the copy keeps the old)."""
    if CONTENTS not in held or not _overlap(stored, held):
        return False
    return len(stored) > held.index(CONTENTS) + 1 or stored[-1] == CONTENTS


def _holds(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the object at path `a` holds what is at path `b` (a local bound to `STATE`
    sees `STATE.last` stored; one bound to `STATE.last`, the value it had)."""
    return len(a) < len(b) and b[: len(a)] == a


# calls whose result carries no derivative of what they read
_FLAT = (len, isinstance, type, id, operator.is_, operator.is_not, operator.not_, operator.truth)


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the objects at paths `a` and `b` may share a value: one holds the other (the
    contents of an object, `CONTENTS`, hold any item or attribute of it)."""
    for step_a, step_b in zip(a, b, strict=False):
        if CONTENTS in (step_a, step_b):
            return True
        if step_a != step_b:
            return False
    return True
