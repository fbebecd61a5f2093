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
from ..ssa.ir import (
    Assign,
    Const,
    Effect,
    Free,
    Function,
    Index,
    Prim,
    Var,
    operands,
    used_vars,
    walk,
)
from ..ssa.stored_values import given_arguments, stored_parameters
from .activity import varied_paths
from .calls import is_user_call


def refuse_stored_derivatives(fn: Function, wrt: list[str]) -> None:
    """Raise UnsupportedSyntaxError (at the call's line) where a helper given a value that
    depends on the parameters `wrt` stores it in an object `fn` reads after the call (in
    program order)."""
    statements = walk(fn.body)
    # (the helpers' stores at each statement: most functions call none that stores)
    stores = {id(s): found for s in statements if (found := _stores_at(s))}
    if not stores:
        return
    varied = varied_paths(fn, wrt).keys()
    pending: list[tuple[int, str, str, frozenset, frozenset]] = []  # stores given derivatives
    for stmt in statements:
        value = stmt.value if isinstance(stmt, Assign) else None
        if pending and value is not None and not _check(value):
            _refuse_read_back(fn, stmt, value, pending)
        found = stores.get(id(stmt))
        if found and not varied.isdisjoint(stmt.reads if value is None else used_vars(value)):
            pending += [(stmt.line, *store) for store in found]


def _check(value: object) -> bool:
    """`rt.unshared(s, s, …)`, the lowering's check before a call: no read of `s`'s value."""
    return isinstance(value, Prim) and value.fn is runtime.unshared


def _stores_at(stmt: object) -> tuple:
    """The stores (`Effect.stores`) of the helpers a statement calls: an `Effect`'s, or a
    helper's called for its value."""
    if isinstance(stmt, Effect):
        return stmt.stores
    value = stmt.value if isinstance(stmt, Assign) else None
    if not is_user_call(value):
        return ()
    store = stored_parameters(value.fn)
    if store is None:
        return ()
    given = given_arguments(value.fn, value.args, value.kwargs)
    objects = frozenset(given[p].name for p in store.params if isinstance(given.get(p), Var))
    return ((value.fn.__name__, store.where, store.paths, objects),)


def _refuse_read_back(fn: Function, stmt: Assign, value: object, pending: list) -> None:
    variables, paths = _read(value)
    for line, helper, where, stored, objects in pending:
        if objects & variables or any(_overlap(p, q) for p in stored for q in paths):
            raise UnsupportedSyntaxError(
                f"unsupported construct: call of `{helper}` given a value that carries a "
                f"derivative, which it stores ({where}) where the function reads it back "
                f"(line {stmt.line}): the derivative code gives the helper the value alone, "
                "so the derivative through what it stores would be lost",
                filename=fn.filename,
                line=line,
                hint=f"make `{helper}` return the value and use what it returns, or use the "
                "value itself where the function reads it back",
            )


def _read(value: object) -> tuple[set[str], list[tuple[str, ...]]]:
    """(The variables `value` reads, the paths of the module objects it reads: `STATE.scale`,
    `CACHE["lr"]`); none where what it computes carries no derivative (`len(LOG)`)."""
    if isinstance(value, Prim):
        rule = lookup(value.fn)
        if rule is not None and rule.nondiff:
            return set(), []
        atoms = operands(value)
        key = value.args[1] if value.fn is operator.getitem and len(value.args) == 2 else None
    else:
        atoms, key = (value,), None
    variables = {a.name for a in atoms if isinstance(a, Var)}
    paths = [tuple(a.source.split(".")) for a in atoms if isinstance(a, Free)]
    items = key.items if isinstance(key, Index) and not key.is_tuple else ()
    if len(items) == 1 and isinstance(items[0], Const) and isinstance(value.args[0], Free):
        paths = [(*paths[0], f"[{items[0].value!r}]")]  # (`CACHE["lr"]`: that item alone)
    return variables, paths


def _overlap(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether the objects at paths `a` and `b` may share a value: one holds the other."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
