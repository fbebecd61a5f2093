"""Copy propagation and common subexpressions on generated code: values already at hand.

Before:                                   After (dead-code elimination drops the copy):
    x_2_bar = x_1_bar                         x_2_bar = x_1_bar
    _t3_bar = x_2_bar * 0.1                   _t3_bar = x_1_bar * 0.1
    _t6 = c * c                               _t6 = c * c
    _t5_bar = c_bar * (1.0 - c * c)           _t5_bar = c_bar * (1.0 - _t6)

Two kinds of value become available after an assignment: after `a = b` (a name) or
`a = 2.0` (a literal), a read of `a` can read `b` or the literal; after `t = E`, where `E`
is built from operators, names and literals only (pure), a later `E` can read `t`. Either
holds until one of the names involved is assigned again. A compound statement (loop,
branch) is rewritten only with values whose names it does not assign: its test and its
blocks start from those (and its blocks add their own). A nested function (a
pullback) reads its free variables when it runs, later: it is rewritten only with values
whose names are each bound once in the whole function and not by it. Lambdas are never
entered. One walk per block: linear in the length of the code.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    AnnAssign,
    Assign,
    AugAssign,
    BinOp,
    Constant,
    Expr,
    For,
    FunctionDef,
    Lambda,
    Load,
    Name,
    Return,
    Store,
    UnaryOp,
    With,
)
from collections import Counter

from .constant_folding import fold_literal_value
from .facts import SIMPLE, Names
from .names import StoredNames, Stores, child_fields, reads_any, stores

Key = str | tuple  # a name, or the structure of a pure expression


def reuse_available_values(tree: FunctionDef, facts: Names | None = None) -> bool:
    """Rewrite reads of copies and repeated pure expressions in place; True if any was.
    `facts`: the names of statements, kept for other passes (those rewritten forgotten)."""
    facts = facts or Names()
    stores_of = StoredNames()  # the pass rewrites reads only: what a statement stores stays
    # a global (a name the function never binds) may be rebound by any call in between
    # (a helper's `global` statement): no value reading one is reused
    local = _bound(tree.body, {a.arg for a in tree.args.args})
    return _block(tree.body, _BoundOnce(tree), stores_of, facts, local)


def _bound(block: list[ast.stmt], names: set[str]) -> set[str]:
    """`names` and the names the statements of `block` bind, nested blocks and functions
    (a pullback and its parameters) included: assignment, loop and `with` targets, read
    off the statements without walking the values they compute."""
    for stmt in block:
        kind = type(stmt)
        if kind is Assign:
            for target in stmt.targets:
                if type(target) is Name:  # (most: `name = value`, its name read off)
                    if type(target.ctx) is Store:
                        names.add(target.id)
                else:
                    names.update(stores(target))
            continue  # (holds no block)
        elif kind in (AugAssign, AnnAssign, For):
            names.update(stores(stmt.target))
        elif kind is FunctionDef:
            names.add(stmt.name)
            names.update(a.arg for a in stmt.args.args)
        elif kind is With:
            for item in stmt.items:
                if item.optional_vars is not None:
                    names.update(stores(item.optional_vars))
        elif kind in SIMPLE:
            continue  # (holds no block)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if type(inner) is list:
                _bound(inner, names)
    return names


class _BoundOnce:
    """The names bound once in the whole function, found when a nested function first asks
    (flat gradient code has none: no walk of the whole function)."""

    def __init__(self, tree: FunctionDef) -> None:
        self.tree, self.names = tree, None

    def get(self) -> set[str]:
        if self.names is None:
            bound = Counter(Stores()(self.tree))
            bound.update(a.arg for a in self.tree.args.args)
            self.names = {name for name, n in bound.items() if n == 1}
        return self.names


class _Available:
    """Values at hand: key → the name or literal that holds it, with the index from each
    name to the keys that involve it, so a store forgets them cheaply.

    A nested block starts from the values of the statements before it and changes them in
    place (`enter`); leaving it undoes what it added (`leave`), so entering a block costs
    nothing, where a copy of every dict made long functions quadratic. Nothing it forgets
    came from outside: its compound statement first forgets every name the block stores."""

    def __init__(self) -> None:
        self.of: dict[Key, ast.expr] = {}
        self.names: dict[Key, set[str]] = {}  # key → the names it involves (never changed)
        self.involving: dict[str, set[Key]] = {}
        self.nameless: set[Key] = set()  # pure expressions of literals alone: `1.0 - 0.5`
        # in a nested block: (key, what it held before, if anything) of each value added
        self.added: list[tuple[Key, tuple | None]] | None = None

    def enter(self) -> list | None:
        """Start a nested block; the enclosing block's record of additions, for `leave`."""
        outer, self.added = self.added, []
        return outer

    def leave(self, outer: list | None) -> None:
        """The values as they were when the nested block was entered."""
        added, self.added = self.added, None
        for key, before in reversed(added):
            if key in self.of:
                self._drop(key)
            if before is not None:
                self.add(key, *before)
        self.added = outer

    def add(self, key: Key, value: ast.expr, names: set[str]) -> None:
        if self.added is not None:
            held = self.of.get(key)
            self.added.append((key, None if held is None else (held, self.names[key])))
        self.of[key], self.names[key] = value, names
        if type(key) is tuple and len(names) == 1:  # (the name holding it only)
            self.nameless.add(key)
        involving = self.involving
        for name in names:
            keys = involving.get(name)
            if keys is None:
                involving[name] = {key}
            else:
                keys.add(key)

    def _drop(self, key: Key) -> None:
        del self.of[key]
        self.nameless.discard(key)
        for name in self.names.pop(key):
            keys = self.involving.get(name)
            if keys is not None:
                keys.discard(key)

    def forget(self, stored: set[str] | tuple[str, ...]) -> None:
        """Drop the values that a store to any of `stored` makes stale."""
        for name in stored:
            for key in self.involving.pop(name, ()):
                if key in self.of:
                    self._drop(key)

    def lasting(self, own: set[str], bound_once: set[str]) -> _Available:
        """The values a nested function binding `own` may use when it runs later."""
        kept = _Available()
        for key, value in self.of.items():
            if self.names[key] <= bound_once and not self.names[key] & own:
                kept.add(key, value, self.names[key])
        return kept


def _block(
    block: list[ast.stmt],
    bound_once: _BoundOnce | set[str],
    stores_of: StoredNames,
    facts: Names,
    local: set[str],
    available: _Available | None = None,
) -> bool:
    available = available or _Available()
    changed = False
    for stmt in block:
        if isinstance(stmt, FunctionDef):  # runs later: only names bound once
            own = {*stores_of(stmt), *(a.arg for a in stmt.args.args)}
            once = bound_once if isinstance(bound_once, set) else bound_once.get()
            lasting = available.lasting(own, once)
            for inner in stmt.body:
                if _replace(inner, lasting):
                    facts.changed(inner)
                    changed = True
            changed |= _block(stmt.body, set(), stores_of, facts, local)
            continue
        kind = type(stmt)
        if kind is Assign or kind is Expr or kind is Return:
            targets = stmt.targets if kind is Assign else ()
            if len(targets) == 1 and type(targets[0]) is Name:  # (most: `name = value`)
                target = targets[0].id
                stored = (target,)
            else:
                target = None
                stored = {n for t in targets for n in stores(t)}
            # the value is read before the store; most statements of gradient code read
            # names some value at hand involves, but match none: found without a walk
            if (
                available.of
                and _may_rewrite(facts.of(stmt).loads, available)
                and _rewrite(stmt, available.of)
            ):
                facts.changed(stmt)
                changed = True
                if kind is Assign:  # (a literal put in: its value available at once)
                    fold_literal_value(stmt)
            available.forget(stored)
            if target is not None:
                _record(stmt, target, available, local)
        else:  # a loop or branch may store before it reads: only values it leaves alone,
            # which its blocks start from (a loop's body runs again after its stores)
            if available.of:  # (nothing to forget: no walk of the whole statement)
                # only the names some value involves, found by C over the smaller (each of
                # a nested statement's names is asked again at every level, most forgotten)
                available.forget(available.involving.keys() & stores_of(stmt))
            header = tuple(f for f in child_fields(type(stmt)) if f not in _BLOCKS)
            # its test, iterable, handlers (statements of its own never asked of `facts`)
            changed |= _replace(stmt, available, header)
            for field in _BLOCKS:
                if hasattr(stmt, field):
                    outer = available.enter()
                    inner = getattr(stmt, field)
                    changed |= _block(inner, bound_once, stores_of, facts, local, available)
                    available.leave(outer)
    return changed


_BLOCKS = ("body", "orelse")  # a compound statement's blocks of statements


def _record(stmt: Assign, target: str, available: _Available, local: set[str]) -> None:
    """Make the value `stmt` assigns to the name `target` available, if it is a copy or a
    pure expression of the function's own names and literals."""
    value = stmt.value
    kind = type(value)
    if kind is Name and value.id != target:
        # (a branch's record is read by its restore: tape_entries.py)
        if value.id in local and not value.id.startswith("_branch"):
            available.add(target, value, {target, value.id})
    elif kind is Constant and type(value.value) in (int, float, bool):
        available.add(target, value, {target})
    elif kind is BinOp or kind is UnaryOp:
        names: set[str] = set()
        key = _key(value, names)
        if key is not None and target not in names and names <= local:
            # (the target itself holds it: a read is a copy of it, `_copy`)
            available.add(key, stmt.targets[0], names | {target})


def _key(node: ast.expr, names: set[str] | None = None) -> Key | None:
    """The structure of a pure expression (operators on names and literals), else None;
    the names it reads added to `names` on the way."""
    kind = type(node)
    if kind is Name:
        if names is not None:
            names.add(node.id)
        return node.id
    if kind is Constant:
        value = node.value
        return ("literal", type(value), repr(value)) if type(value) in (int, float, bool) else None
    if kind is BinOp:
        left = _key(node.left, names)
        right = _key(node.right, names) if left is not None else None
        return None if left is None or right is None else (type(node.op), left, right)
    if kind is UnaryOp:
        operand = _key(node.operand, names)
        return None if operand is None else (type(node.op), operand)
    return None


def _replace(node: AST, available: _Available, fields: tuple[str, ...] = ()) -> bool:
    """Replace reads of available values under `node` (in its `fields` only, when given),
    not entering lambdas or nested functions (a simple statement, whose names are known:
    `_may_rewrite` then `_rewrite`, in `_block`)."""
    if not available.of:
        return False
    if not fields:
        if not reads_any(node, available.involving):
            return False  # the common case, found by the quick walk
    elif not any(_reads_any(getattr(node, f, None), available.involving) for f in fields):
        return False
    return _rewrite(node, available.of, fields)


def _may_rewrite(loaded: list[str], available: _Available) -> bool:
    """Whether the walk may rewrite a statement reading `loaded` (every name it reads),
    found without the walk: it reads a copy or literal at hand, or every name of a pure
    expression at hand (a nested one, `x * y + 1` for `t2` of `t1 = x * y; t2 = t1 + 1`,
    is found once its part is rewritten: the part is at hand too). Most statements of
    gradient code read names some value at hand involves, but match none."""
    involving, of, names = available.involving, available.of, available.names
    if available.nameless:  # (matched whatever names a statement reads)
        return not involving.keys().isdisjoint(loaded)  # (one of them: no generator)
    read = None
    for name in loaded:
        keys = involving.get(name)
        if not keys:
            continue
        if name in of or len(keys) > _FEW:  # a copy or literal; or many: the walk is cheaper
            return True
        for key in keys:
            holder = of.get(key) if type(key) is tuple else None
            if holder is not None:  # (`names[key]` holds the name assigned it too)
                read = set(loaded) if read is None else read
                held_by = holder.id
                for involved in names[key]:  # (no sets made to compare, no generator)
                    if involved not in read and involved != held_by:
                        break
                else:
                    return True  # every name it involves read, but the one holding it
    return False


_FEW = 8  # the values at hand involving a name that `_may_rewrite` looks through


def _reads_any(value: object, names: dict) -> bool:
    """`reads_any` of a field's value: a node, a list of nodes, or neither."""
    if type(value) is list:
        return any(isinstance(v, AST) and reads_any(v, names) for v in value)
    return isinstance(value, AST) and reads_any(value, names)


def _rewrite(node: AST, available: dict[Key, ast.expr], fields: tuple[str, ...] = ()) -> bool:
    """Bottom-up: an expression's parts are rewritten before the expression is looked up,
    so `x * y + 1` finds `t2` of `t1 = x * y; t2 = t1 + 1` in one walk (the values at hand
    are recorded as rewritten)."""
    rewriter = _Rewriter(available)
    rewriter.fields(node, fields or child_fields(type(node)))
    return rewriter.changed


class _Rewriter:
    """One walk: each expression's key (`_key`) is made from its parts' keys as they are
    after their rewriting, not found by a walk of its own."""

    def __init__(self, available: dict[Key, ast.expr]) -> None:
        self.available, self.changed = available, False

    def fields(self, node: AST, fields: tuple[str, ...]) -> None:
        for field in fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for i, item in enumerate(value):
                    if isinstance(item, AST) and (copy := self.held(item)) is not None:
                        value[i] = copy
            elif isinstance(value, AST) and (copy := self.held(value)) is not None:
                setattr(node, field, copy)

    def held(self, item: AST) -> ast.expr | None:
        """Rewrite under `item`; a copy of the value at hand for `item` itself, if any."""
        if isinstance(item, (Lambda, FunctionDef)):
            return None  # not entered
        key = self.key(item)
        held = self.available.get(key) if key is not None else None
        if held is not None and _is_read(item):
            self.changed = True
            return _copy(held)
        return None

    def part(self, node: AST, field: str) -> Key | None:
        """`held` for the operand `field` of `node`: the key of what it holds then."""
        item = getattr(node, field)
        if isinstance(item, (Lambda, FunctionDef)):
            return None  # not entered
        key = self.key(item)
        held = self.available.get(key) if key is not None else None
        if held is not None and _is_read(item):
            copy = _copy(held)
            setattr(node, field, copy)
            self.changed = True
            return _key(copy)
        return key

    def key(self, node: AST) -> Key | None:
        """`_key(node)` once the parts of `node` are rewritten."""
        kind = type(node)
        if kind is Name:
            return node.id
        if kind is Constant:
            return _key(node)
        if kind is BinOp:
            left = self.part(node, "left")
            right = self.part(node, "right")
            return None if left is None or right is None else (type(node.op), left, right)
        if kind is UnaryOp:
            operand = self.part(node, "operand")
            return None if operand is None else (type(node.op), operand)
        self.fields(node, child_fields(kind))
        return None


def _is_read(node: ast.expr) -> bool:
    return not isinstance(node, Name) or isinstance(node.ctx, Load)


def _copy(value: ast.expr) -> ast.expr:
    if isinstance(value, Name):
        return Name(id=value.id, ctx=Load())
    return Constant(value=value.value)
