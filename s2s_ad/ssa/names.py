"""Which names a piece of gast code reads and writes: what the lowering's liveness rests on."""

from __future__ import annotations

import gast
from gast import Assign, AugAssign, Call, Expr, Load, Name, Store, Subscript  # (walks: no lookups)

from ..frontend.nodes import descendants
from ..frontend.validate import is_append, is_list_update_call, item_receiver, subscript_root


def param_names(node: gast.FunctionDef) -> list[str]:
    args = node.args
    return [a.id for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def stored_names(stmts: list[gast.stmt], every: list[gast.AST] | None = None) -> set[str]:
    """Names the statements assign, `a` of `a[i] = v` included (it gets a new version).
    `every`: the `descendants` of each statement, in order, when at hand."""
    names = set()
    for n in _each_descendant(stmts) if every is None else every:
        kind = type(n)
        if kind is Name:
            if type(n.ctx) is Store:
                names.add(n.id)
        elif kind is Subscript:
            if type(n.ctx) is Store and subscript_root(n.value) is not None:
                names.add(subscript_root(n.value))  # (`a[i][j] = v` too: item_paths.py)
        elif kind is Expr and is_append(n):  # xs.append(v): a new version of xs
            names.add(n.value.func.value.id)
        if kind in (Expr, Assign) and item_receiver(n) is not None:
            names.add(subscript_root(item_receiver(n)))  # `c[k].append(v)`: of `c`
        elif kind is Call and is_list_update_call(n):  # xs.pop(), extend, insert
            names.add(n.func.value.id)
    return names


def _each_descendant(stmts: list[gast.stmt]) -> list[gast.AST]:
    """The `descendants` of each of `stmts`, in order."""
    if len(stmts) == 1:
        return descendants(stmts[0])
    return [n for stmt in stmts for n in descendants(stmt)]


def loads(node: gast.AST, every: list[gast.AST] | None = None) -> list[gast.Name]:
    """Names `node` reads; `x += e` reads `x` although its target is a store. `every`:
    `descendants(node)`, when at hand."""
    found = []
    for n in descendants(node) if every is None else every:
        kind = type(n)
        if kind is Name:
            if type(n.ctx) is Load:
                found.append(n)
        elif kind is AugAssign and type(n.target) is Name:
            found.append(n.target)
    return found


def loaded_names(node: gast.AST) -> set[str]:
    return {n.id for n in loads(node)}


def load_lines(node: gast.FunctionDef, every: list[gast.AST] | None = None) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    for n in loads(node, every):
        lines.setdefault(n.id, []).append(n.lineno)
    return lines


def tuple_of_names(target: gast.expr, count: int) -> bool:
    return (
        isinstance(target, gast.Tuple)
        and len(target.elts) == count
        and all(isinstance(e, gast.Name) for e in target.elts)
    )


def may_read_first(name: str, stmts: list[gast.stmt]) -> bool:
    """Whether running `stmts` may read `name` before assigning it, on some path.

    A branch assigns it only where both arms do; a loop may run no iteration, so it never
    assigns it for what follows, and its body reads a `for` target's own value. Before:
    `for ...: (for k in ks: v = c[k]; use(v))` — the outer body does not read `v` first,
    although a statement of it loads `v`."""
    return first_uses(stmts).get(name) is True


def first_uses(stmts: list[gast.stmt]) -> dict[str, bool]:
    """`may_read_first` for every name at once, in one walk of `stmts`: name → True (read
    first on some path) or False (assigned first on every path); a name neither read nor
    assigned is absent."""
    found: dict[str, bool] = {}
    for stmt in stmts:
        for name, first in _stmt_first_uses(stmt).items():
            found.setdefault(name, first)  # the first statement to decide it decides
    return found


def _stmt_first_uses(stmt: gast.stmt) -> dict[str, bool]:
    decided = dict.fromkeys(_reads_before(stmt), True)
    if isinstance(stmt, gast.If):
        body, orelse = first_uses(stmt.body), first_uses(stmt.orelse)
        for name in body.keys() | orelse.keys():
            arms = body.get(name), orelse.get(name)
            if True in arms:
                decided.setdefault(name, True)
            elif arms == (False, False):
                decided.setdefault(name, False)
    elif isinstance(stmt, gast.For):
        bound = stored_names([stmt.target])
        for name, first in first_uses(stmt.body).items():
            if first and name not in bound:
                decided.setdefault(name, True)
    elif isinstance(stmt, gast.While):
        for name, first in first_uses([*stmt.body, *stmt.orelse]).items():
            if first:
                decided.setdefault(name, True)
    elif isinstance(stmt, gast.Assign):
        for name in stored_names([stmt]):
            decided.setdefault(name, False)
    return decided


def _reads_before(stmt: gast.stmt) -> set[str]:
    """The names a statement reads before any of its blocks runs: an `if`'s or `while`'s
    test, a `for` loop's iterable (the whole loop with an `else`), a simple statement's
    every read."""
    if isinstance(stmt, (gast.If, gast.While)):
        return loaded_names(stmt.test)
    if isinstance(stmt, gast.For):
        return loaded_names(stmt) if stmt.orelse else loaded_names(stmt.iter)
    return loaded_names(stmt)
