"""The names a piece of generated code reads and writes, found quickly.

`ast.walk` visits every node through generic field iteration; the simplification passes run
on every derivative, so a plain stack over each class's `_fields` (looked up once per class)
serves them, and `loads`/`stores` collect names in the same walk (several times faster)."""

from __future__ import annotations

import ast
from ast import (
    AST,
    AnnAssign,
    Assign,
    Attribute,
    AugAssign,
    Call,
    Constant,
    Expr,
    For,
    Load,
    Name,
    Return,
    Store,
    Subscript,
    Tuple,
)
from collections.abc import Callable, Iterator

_FIELDS: dict[type, tuple[str, ...]] = {}  # class → its fields
# class → the fields that may hold a name (a constant: none; its value is a number)
_CHILDREN: dict[type, tuple[str, ...]] = {Constant: ()}
_LEAVES = ("ctx", "op", "ops")  # contexts and operators: nodes without names


def _fields(kind: type) -> tuple[str, ...]:
    fields = _FIELDS[kind] = kind._fields
    return fields


def _children(kind: type) -> tuple[str, ...]:
    fields = _CHILDREN.get(kind)  # (an empty entry brings callers here too)
    if fields is None:
        fields = _CHILDREN[kind] = tuple(f for f in kind._fields if f not in _LEAVES)
    return fields


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of the node class `kind` that may hold nodes other than contexts and
    operators (which hold no names and no values)."""
    return _CHILDREN.get(kind) or _children(kind)


def nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` (itself included), in no particular order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for field in _FIELDS.get(type(current)) or _fields(type(current)):
            value = getattr(current, field, None)
            if type(value) is list:
                stack.extend([v for v in value if isinstance(v, AST)])
            elif isinstance(value, AST):
                stack.append(value)


def own_nodes(stmt: ast.AST) -> Iterator[ast.AST]:
    """Every node of `stmt`'s own parts (itself included): not those in its blocks of
    statements (`BLOCKS`), which `statements` enters."""
    yield stmt
    for field in _FIELDS.get(type(stmt)) or _fields(type(stmt)):
        if field in BLOCKS:
            continue
        value = getattr(stmt, field, None)
        for child in value if type(value) is list else (value,):
            if isinstance(child, AST):
                yield from nodes(child)


def substitute_loads(
    node: ast.AST,
    values: dict[str, object],
    make: Callable[[object], ast.expr],
    skipped: tuple[str, ...] = (),
) -> bool:
    """Replace, in place, every read of a name in `values` under `node` (not `node` itself)
    by `make(values[name])`; True if any was. `skipped`: fields of `node` left alone."""
    replaced = False
    stack = [node]  # (its own methods called: compiled, direct list operations)
    name, load, fields_of, AST = Name, Load, _CHILDREN, ast.AST
    while stack:
        current = stack.pop()
        fields = fields_of.get(type(current)) or _children(type(current))
        if skipped and current is node:
            fields = [f for f in fields if f not in skipped]
        for field in fields:
            value = getattr(current, field, None)
            if type(value) is list:
                for i, item in enumerate(value):
                    if type(item) is name:
                        if type(item.ctx) is load and item.id in values:
                            value[i] = make(values[item.id])
                            replaced = True
                    elif isinstance(item, AST):
                        stack.append(item)
            elif type(value) is name:
                if type(value.ctx) is load and value.id in values:
                    setattr(current, field, make(values[value.id]))
                    replaced = True
            elif isinstance(value, AST):
                stack.append(value)
    return replaced


def substitute_own_loads(
    stmt: ast.AST, values: dict[str, object], make: Callable[[object], ast.expr]
) -> bool:
    """`substitute_loads` in the parts of `stmt` but the blocks `statements` enters."""
    return substitute_loads(stmt, values, make, skipped=BLOCKS)


BLOCKS = ("body", "orelse")  # the blocks of statements `statements` enters
# statements that hold no block
SIMPLE = frozenset({Assign, AugAssign, Expr, Return})


def statements(block: list[ast.stmt]) -> Iterator[tuple[ast.stmt, list[ast.stmt]]]:
    """Every statement of `block` and of the blocks inside it (a pullback's too), each with
    the block holding it: no walk of the expressions. Depth first, as a recursion would go,
    each block read as it is reached (a caller may change what it has not reached yet), but
    with one generator: through nested ones, each statement passed up every level of the
    nesting, which early returns make grow with the function's length."""
    pending: list = [(block, iter(block))]  # (a block, what is left of it) or a statement's blocks
    while pending:
        holding, rest = pending[-1]
        stmt = next(rest, _DONE)
        if stmt is _DONE:
            pending.pop()
        elif holding is None:  # the next block of a statement, fetched once the last is done
            if type(stmt) is list:
                pending.append((stmt, iter(stmt)))
        else:
            yield stmt, holding
            if type(stmt) not in SIMPLE:
                pending.append((None, _blocks_of(stmt)))


_DONE = object()  # (a field may hold None)


def listed_statements(block: list[ast.stmt]) -> list[tuple[ast.stmt, list[ast.stmt]]]:
    """What `statements` gives, in its order, as a list: for a caller that changes no block
    while it walks them (the generator resumed per statement cost more than the walk)."""
    found: list[tuple[ast.stmt, list[ast.stmt]]] = []
    pending = [(stmt, block) for stmt in reversed(block)]
    simple = SIMPLE
    while pending:
        pair = pending.pop()
        found.append(pair)
        stmt = pair[0]
        if type(stmt) in simple:
            continue
        for field in ("orelse", "body"):  # (pushed last, walked first)
            inner = getattr(stmt, field, None)
            if type(inner) is list:
                pending += [(s, inner) for s in reversed(inner)]
    return found


def _blocks_of(stmt: ast.stmt) -> Iterator[object]:
    """`stmt`'s body, then its `orelse`, each read when asked (after the body is walked)."""
    for field in ("body", "orelse"):
        yield getattr(stmt, field, None)


def names(node: ast.AST) -> Iterator[Name]:
    """Every `Name` node under `node` (itself included), in no particular order."""
    return (n for n in nodes(node) if type(n) is Name)


def _names_in(node: ast.AST, context: type) -> list[str]:
    """The ids of the `Name` nodes under `node` in `context` (Load or Store), in the order
    `names` yields them."""
    found = []
    stack = [node]
    name, fields_of, AST = Name, _CHILDREN, ast.AST
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is name:
            if type(current.ctx) is context:
                found.append(current.id)
            continue  # its only child is its context
        for field in fields_of.get(kind) or _children(kind):
            value = getattr(current, field, None)
            if type(value) is list:
                stack.extend([v for v in value if isinstance(v, AST)])
            elif isinstance(value, AST):
                stack.append(value)
    return found


def reads_any(node: ast.AST, wanted: dict | set) -> bool:
    """Whether `node` reads a name in `wanted`: `any(n in wanted for n in loads(node))`,
    stopping at the first."""
    stack = [node]
    name, load, fields_of, AST = Name, Load, _CHILDREN, ast.AST
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is name:
            if type(current.ctx) is load and current.id in wanted:
                return True
            continue
        for field in fields_of.get(kind) or _children(kind):
            value = getattr(current, field, None)
            if type(value) is list:
                stack.extend([v for v in value if isinstance(v, AST)])
            elif isinstance(value, AST):
                stack.append(value)
    return False


def stores(node: ast.AST) -> list[str]:
    """The names `node` assigns (loop targets and tuple targets included), in the order
    `names` yields them; a simple statement's read off its targets, its value unwalked, and
    a name (the commonest target) read off at once."""
    kind = type(node)
    if kind is Name:
        return [node.id] if type(node.ctx) is Store else []
    field = _TARGETS_ONLY.get(kind)
    if field is None:
        return _names_in(node, Store)
    targets = getattr(node, field, None)
    if type(targets) is list:  # (`names` meets the last target first)
        if len(targets) == 1:
            return stores(targets[0])  # (most statements: no list of lists made)
        return [n for t in reversed(targets) for n in stores(t)]
    return stores(targets) if isinstance(targets, AST) else []


class Stores:
    """`stores` of statements, as name → how many times the statement stores it, for a pass
    that asks a statement only once nothing will change which names it stores.

    A compound statement's are its blocks' statements' summed (each asked once): asking a
    loop, then each statement of its body, then each of theirs walks each statement once,
    where `stores` walks it once per enclosing statement asked."""

    def __init__(self) -> None:
        self._of: dict[ast.stmt, dict[str, int]] = {}  # (holds the statements: ids stay)

    def __call__(self, stmt: ast.stmt) -> dict[str, int]:
        found = self._of.get(stmt)
        if found is None:
            found = self._of[stmt] = self._count(stmt)
        return found

    def _count(self, stmt: ast.stmt) -> dict[str, int]:
        kind = type(stmt)
        if kind is Assign and len(stmt.targets) == 1:  # (most: `name = value`)
            target = stmt.targets[0]
            if type(target) is Name:
                return {target.id: 1} if type(target.ctx) is Store else {}
        found: dict[str, int] = {}
        if kind in _TARGETS_ONLY:  # (no `:=` in generated code: a value binds nothing)
            for name in _names_in_value(getattr(stmt, _TARGETS_ONLY[kind], None), Store):
                found[name] = found.get(name, 0) + 1
            return found
        for field in _CHILDREN.get(kind) or _children(kind):
            value = getattr(stmt, field, None)
            if type(value) is list and value and isinstance(value[0], ast.stmt):
                for inner in value:  # a block
                    for name, n in self(inner).items():
                        found[name] = found.get(name, 0) + n
            elif value is not None:
                for name in _names_in_value(value, Store):
                    found[name] = found.get(name, 0) + 1
        return found


class StoredNames:
    """The names statements store, as `Stores` finds them but as sets (no counts), for a
    pass that only asks which: a compound statement's are its blocks' statements' united,
    a set union in C where `Stores` adds counts name by name, once per enclosing statement
    (a quarter of copy propagation, deeply nested code)."""

    def __init__(self) -> None:
        self._of: dict[ast.stmt, set[str]] = {}  # (holds the statements: ids stay)

    def __call__(self, stmt: ast.stmt) -> set[str]:
        """The names `stmt` stores (not to be changed: kept for the next caller)."""
        found = self._of.get(stmt)
        if found is None:
            found = self._of[stmt] = self._names(stmt)
        return found

    def _names(self, stmt: ast.stmt) -> set[str]:
        kind = type(stmt)
        found: set[str] = set()
        if kind in _TARGETS_ONLY:
            _add_simple_stores(stmt, found)
            return found
        for field in _CHILDREN.get(kind) or _children(kind):
            value = getattr(stmt, field, None)
            if type(value) is list and value and isinstance(value[0], ast.stmt):
                self._add_block(value, found)
            elif value is not None:
                found.update(_names_in_value(value, Store))
        return found

    def in_blocks(self, *blocks: list[ast.stmt]) -> set[str]:
        """The names the statements of `blocks` store (a set of its own)."""
        found: set[str] = set()
        for block in blocks:
            self._add_block(block, found)
        return found

    def _add_block(self, block: list[ast.stmt], found: set[str]) -> None:
        for inner in block:  # its simple statements' names added at once (no set, nor
            # entry, made for each: most statements of a loop's body)
            if type(inner) in _TARGETS_ONLY:
                _add_simple_stores(inner, found)
            else:
                found |= self(inner)


def _add_simple_stores(stmt: ast.stmt, found: set[str]) -> None:
    """Add to `found` the names the simple statement `stmt` (in `_TARGETS_ONLY`) stores."""
    kind = type(stmt)
    if kind is Assign and len(stmt.targets) == 1:  # (most: `name = value`)
        target = stmt.targets[0]
        if type(target) is Name:
            if type(target.ctx) is Store:
                found.add(target.id)
            return
    # (no `:=` in generated code: a value binds nothing)
    found.update(_names_in_value(getattr(stmt, _TARGETS_ONLY[kind], None), Store))


# simple statements whose stores are all in one field: their values are not walked
_TARGETS_ONLY = {
    Assign: "targets",
    AugAssign: "target",
    AnnAssign: "target",
    Expr: "",  # (no such field: nothing stored)
    Return: "",
}


def _names_in_value(value: object, context: type) -> list[str]:
    """`_names_in` of a field's value: a node, a list of nodes, or neither."""
    if type(value) is list:
        return [n for v in value if isinstance(v, AST) for n in _names_in(v, context)]
    return _names_in(value, context) if isinstance(value, AST) else []


def loads(node: ast.AST) -> list[str]:
    """The names `node` reads."""
    return _names_in(node, Load)


def appended_to(call: ast.expr) -> str | None:
    """The list of `name.append(item)` (a tape's push, in generated code), else None."""
    if (
        type(call) is Call
        and type(call.func) is Attribute
        and call.func.attr == "append"
        and type(call.func.value) is Name
        and len(call.args) == 1
        and not call.keywords
    ):
        return call.func.value.id
    return None


def _call_of(node: ast.expr, function: str, count: int) -> bool:
    """Whether `node` is `function(…)` with `count` positional arguments."""
    return (
        type(node) is Call
        and type(node.func) is Name
        and node.func.id == function
        and len(node.args) == count
        and not node.keywords
    )


def _reversed_name(iterable: ast.expr) -> str | None:
    """The list of `reversed(name)`, else None."""
    if _call_of(iterable, "reversed", 1) and type(iterable.args[0]) is Name:
        return iterable.args[0].id
    return None


def _counted_replay(loop: For) -> bool:
    """Whether `loop` is `for i, entry in zip(reversed(range(…)), reversed(tape))`."""
    target = loop.target
    return _call_of(loop.iter, "zip", 2) and type(target) is Tuple and len(target.elts) == 2


def replayed(loop: For) -> tuple[str, ast.expr] | None:
    """(the tape, the target its entries are restored into) of a tape's replay in generated
    code, `for a, b in reversed(_tape1)`, or of a counted loop's, `for i, (a, b) in
    zip(reversed(range(…)), reversed(_tape1))` (its counter from the range); else None."""
    if _counted_replay(loop):
        tape = _reversed_name(loop.iter.args[1])
        return None if tape is None else (tape, loop.target.elts[1])
    tape = _reversed_name(loop.iter)
    return None if tape is None else (tape, loop.target)


def record_read(value: ast.expr) -> str | None:
    """The record a restore in generated code reads: `_branch1` of `a, b = _branch1` (a
    branch's record, the reverse sweep's branch starts with), `_checkpoints1` of `… =
    _checkpoints1[_k1]` (a checkpointed loop's segment start); else None."""
    prefix = "_branch"
    if type(value) is Subscript:
        value, prefix = value.value, "_checkpoints"
    return value.id if type(value) is Name and value.id.startswith(prefix) else None


def drop_counter(loop: For, facts: object = None) -> list[str] | None:
    """Make a counted loop's replay whose body does not read its counter a tape's replay
    alone (`for a, b in reversed(_tape1)`: no range to zip with); the names its range read
    if it was one (what computed them may be dead now; `range(3)`: none), else None.
    `facts`: the statements' names (`facts.Names`), where known."""
    if not _counted_replay(loop):
        return None
    counter = loop.target.elts[0]
    if type(counter) is not Name or _reads_in(loop.body, counter.id, facts):
        return None
    dropped = loop.iter.args[0]
    loop.iter, loop.target = loop.iter.args[1], loop.target.elts[1]
    return loads(dropped)


def _reads_in(block: list[ast.stmt], name: str, facts: object = None) -> bool:
    """Whether a statement of `block` reads `name`: from `facts` (`facts.Names`), where
    known, not walking each statement again for each loop holding it."""
    if facts is None:
        return any(name in loads(s) for s in block)
    return any(name in part.loads for part in facts.within(block))


def restore_into(loop: For, target: ast.expr) -> None:
    """Make `target` the part of a replay's target (`replayed`) its tape's entries restore
    into; a counted loop left with nothing to restore runs over its range alone."""
    if not _counted_replay(loop):
        loop.target = target
    elif type(target) is Name and target.id == "_":
        loop.iter, loop.target = loop.iter.args[0], loop.target.elts[0]
    else:
        loop.target.elts[1] = target


def assigned_name(stmt: ast.stmt) -> str | None:
    """The name `stmt` assigns when it is `name = value`, else None."""
    if type(stmt) is not Assign:
        return None
    targets = stmt.targets  # (asked of every statement by several passes: read once)
    return targets[0].id if len(targets) == 1 and type(targets[0]) is Name else None
