"""Boolean flags folded: an `if` that only picks a flag's value becomes one `and`/`or`.

Lowering `break`, `return` in a loop and early exits sets flags in both branches of an
`if`, and the loop test becomes the flag's negation joined to the old test; written out as
branches this reads nothing like the loop a person writes.

Before:                                   After:
    if _t7:                                   _stop_3 = _t7 or _stop_1
        _stop_3 = True                        _t9 = _t8 and _k_2 < n
    else:
        _stop_3 = _stop_1
    if _t8:
        _t9 = _k_2 < n
    else:
        _t9 = _t8

A target is folded when each branch assigns it once, at the branch's top level, with a
value that reads no name either branch assigns, and neither branch reads it otherwise; its
assignment then moves after the `if` (the other assignments stay in the branches; an
emptied `if` goes). `if a: t = y else: t = a` is `t = a and y`; `if a: t = a else: t = y`
is `t = a or y`; `if a: t = False …` is `t = not a and y`; `… else: t = True` is
`t = not a or y` — Python's own `and`/`or`, which test `a` once, as the `if` did, and
evaluate `y` only when the branch would have. `if a: t = True else: t = y` is `a or y` and
`… else: t = False` is `a and y` only when `a` is known to be Python's True or False (every
assignment of it is `not`, `True`/`False`, or such a flag: not a comparison, which of NumPy
numbers gives `np.True_`), or `t` is read only for its truth (truth_values.py), since `a or y`
gives `a` itself, not `True`. `a or a` and `a and a` are `a`.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    And,
    AnnAssign,
    Assign,
    AsyncFor,
    AsyncFunctionDef,
    AsyncWith,
    AugAssign,
    BoolOp,
    ClassDef,
    Constant,
    ExceptHandler,
    Expr,
    For,
    FunctionDef,
    If,
    Import,
    ImportFrom,
    Load,
    Name,
    NamedExpr,
    Not,
    Or,
    Pass,
    Store,
    Tuple,
    UnaryOp,
    While,
    With,
)

from .facts import Names
from .names import SIMPLE, Stores, appended_to, assigned_name, loads, own_nodes, replayed, stores
from .truth_values import truth_only


def fold_flags(tree: FunctionDef, facts: Names | None = None) -> bool:
    """Fold the flag assignments of `if` statements in place; True if any was folded.
    `facts`: the names of statements (facts.py), which hold: a fold moves values out of
    assignments it removes into new ones, and rewrites no statement of the tree."""
    return _fold_blocks(tree, Booleans(tree, facts))


class Booleans:
    """`known_booleans(tree)`, found when a fold first asks or is first made, whichever
    comes first: always on the tree as the pass found it (a fold's assignment is out of the
    tree until its block is done), and not at all where nothing asks or folds; and the names
    read only for their truth (truth_values.py), found where first asked (a fold leaves a
    target's reads as they were: only its test's may change, which no fold asks)."""

    def __init__(self, tree: FunctionDef, facts: Names | None) -> None:
        self.tree, self.facts, self.names = tree, facts, None
        self._tested: set[str] | None = None

    def find(self) -> set[str]:
        if self.names is None:
            self.names = known_booleans(self.tree, self.facts)
        return self.names

    def __contains__(self, name: object) -> bool:
        return name in self.find()

    def tested(self, name: str) -> bool:
        """Whether every read of `name` takes only its truth value."""
        if self._tested is None:
            self._tested = truth_only(self.tree, self.facts)
        return name in self._tested


def known_booleans(tree: FunctionDef, facts: Names | None = None) -> set[str]:
    """The names every assignment of which (anywhere under `tree`) gives True or False.
    `facts`: the names of statements (facts.py), which say where an expression binds."""
    values: dict[str, list[ast.expr | None]] = {}
    pushed: dict[str, list[ast.expr]] = {}  # tape name → the items pushed on it
    loops = []  # seen after the walk: a loop replaying a tape needs its every push
    for node in _binding_nodes(tree, facts or Names()):  # (the values' order does not matter)
        kind = type(node)
        if kind is Assign and (name := assigned_name(node)) is not None:
            values.setdefault(name, []).append(node.value)
        elif kind is For:
            loops.append(node)
        elif kind is Expr:  # binds nothing
            if (tape := appended_to(node.value)) is not None:
                pushed.setdefault(tape, []).append(node.value.args[0])
        elif isinstance(node, _BINDERS):
            for name in _other_stores(node):
                values.setdefault(name, []).append(None)  # a parameter, …
    for loop in loops:
        if (replayed := _replayed(loop, pushed)) is not None:
            for name, items in replayed.items():  # a tape's items: the values pushed
                values.setdefault(name, []).extend(items)
        else:
            for name in _other_stores(loop):
                values.setdefault(name, []).append(None)  # a loop target
    booleans = set(values)
    readers: dict[str, set[str]] = {}  # name → the names a value of which reads it as a flag
    for name, assigned in values.items():
        for value in assigned:
            for read in _flags_read(value):
                readers.setdefault(read, set()).add(name)
    # optimistic: drop the names one assignment of which may be other, then those reading
    # a dropped one again (rounds over every name were quadratic in a chain's length)
    pending = list(booleans)
    while pending:
        name = pending.pop()
        if name in booleans and not _all_boolean(values[name], booleans):
            booleans.discard(name)
            pending.extend(readers.get(name, ()))
    return booleans


def _all_boolean(values: list[ast.expr | None], booleans: set[str]) -> bool:
    """Whether each of a name's `values` is True or False (None: a parameter, a loop's
    target …), asked of every name (a loop: no generator made per name)."""
    found = True
    for value in values:
        if value is None or not boolean(value, booleans):
            found = False
            break
    return found


def _flags_read(value: ast.expr | None) -> list[str]:
    """The names `boolean` asks about for `value`."""
    if type(value) is Name:
        return [value.id]
    if type(value) is BoolOp:
        return [n for v in value.values for n in _flags_read(v)]
    return []


_BINDERS = (ast.stmt, ast.arguments, ast.comprehension, NamedExpr, ExceptHandler)


def _binding_nodes(tree: FunctionDef, facts: Names) -> list[AST]:
    """Every node under `tree` that may bind a name (and others): of a simple statement,
    loop or branch whose expressions hold no lambda, comprehension or `:=`, the statement
    alone (the walk of every expression was most of the pass in code with many
    branches). A list: a generator resumed per statement cost more than the statement's
    own look."""
    found: list[AST] = []
    for part in facts.everywhere(tree):
        stmt = part.stmt
        if type(stmt) in _ALONE and not part.binds_within:
            found.append(stmt)
        else:
            found.extend(own_nodes(stmt))
    return found


# the statements whose own parts bind nothing but what the statement itself tells (a
# loop's target), where no expression in them binds
_ALONE = SIMPLE | {If, For, While}


def _replayed(loop: For, pushed: dict[str, list[ast.expr]]) -> dict | None:
    """For `for a, b in reversed(tape):` (names.replayed) over a tape whose pushes are all
    tuples of names as long as the target: each target name → the expressions pushed in
    its place."""
    tape, target = replayed(loop) or (None, None)
    if tape not in pushed:
        return None
    items = pushed[tape]
    if type(target) is Name:
        return {target.id: items}
    if type(target) is not Tuple or not all(type(t) is Name for t in target.elts):
        return None
    width = len(target.elts)
    if not all(type(i) is Tuple and len(i.elts) == width for i in items):
        return None
    return {t.id: [i.elts[k] for i in items] for k, t in enumerate(target.elts)}


def _other_stores(node: AST) -> list[str]:
    """The names `node` binds other than as `name = value` (its own statement only)."""
    if type(node) is ast.arguments:
        return [a.arg for a in [*node.posonlyargs, *node.args, *node.kwonlyargs]] + [
            a.arg for a in (node.vararg, node.kwarg) if a is not None
        ]
    if type(node) is Assign:
        return [n for t in node.targets for n in stores(t)]
    if type(node) is ExceptHandler:
        return [node.name] if node.name else []
    if isinstance(node, For | AsyncFor | ast.comprehension):
        return stores(node.target)
    if isinstance(node, AugAssign | AnnAssign | NamedExpr):
        return stores(node.target)
    if isinstance(node, With | AsyncWith):
        return [n for item in node.items if item.optional_vars for n in stores(item.optional_vars)]
    if isinstance(node, FunctionDef | ClassDef | AsyncFunctionDef):
        return [node.name]
    if isinstance(node, Import | ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    return []


def boolean(value: ast.expr, booleans: set[str]) -> bool:
    """Whether `value` is Python's True or False: not a comparison, which gives NumPy's
    `np.True_` of NumPy numbers (a name read only for its truth may hold either:
    truth_values.py)."""
    if type(value) is Constant:
        return type(value.value) is bool
    if type(value) is UnaryOp:
        return type(value.op) is Not
    if type(value) is BoolOp:
        return all(boolean(v, booleans) for v in value.values)
    return type(value) is Name and value.id in booleans


def _fold_blocks(node: AST, booleans: set[str], stores_of: Stores | None = None) -> bool:
    changed = False
    # an `if` is folded once its blocks are: what a statement stores is asked when nothing
    # will change it any more (the folds of an `if` change its own blocks only)
    stores_of = stores_of or Stores()
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list):
            continue
        new: list[ast.stmt] = []
        for stmt in block:
            if type(stmt) in SIMPLE:  # (holds no block, and is no `if`: no call per statement)
                new.append(stmt)
                continue
            changed |= _fold_blocks(stmt, booleans, stores_of)
            if type(stmt) is If and type(stmt.test) is Name:
                folded = _fold_if(stmt, booleans, stores_of)
                if folded:
                    changed = True
                    if stmt.body or stmt.orelse:
                        stmt.body = stmt.body or [Pass()]
                        new.append(stmt)
                    new.extend(folded)
                    continue
            new.append(stmt)
        setattr(node, field, new or (block and [Pass()]))  # a block may not be empty
    return changed


def _fold_if(stmt: If, booleans: Booleans | set[str], stores_of: Stores) -> list[Assign]:
    """The flag assignments taken out of `stmt`'s branches (removed from them) as folds."""
    if not stmt.orelse or not _may_fold(stmt):
        return []  # the common case, found without walking the branches
    test = stmt.test.id
    branch_stores = {n for s in stmt.body + stmt.orelse for n in stores_of(s)}
    if test in branch_stores or not stmt.orelse:
        return []
    body = _top_assignments(stmt.body, stores_of)
    orelse = _top_assignments(stmt.orelse, stores_of)
    folded = []
    for target in body.keys() & orelse.keys():
        then, other = body[target], orelse[target]
        if any(n in branch_stores for n in loads(then.value) + loads(other.value)):
            continue
        if any(target in loads(s) for s in stmt.body + stmt.orelse if s not in (then, other)):
            continue
        value = _fold(stmt.test, then.value, other.value, booleans, target)
        if value is None:
            continue
        if isinstance(booleans, Booleans):
            booleans.find()  # before the tree changes
        stmt.body.remove(then)
        stmt.orelse.remove(other)
        folded.append(Assign([Name(target, Store())], value, lineno=0))
    if folded and not stmt.body and stmt.orelse:  # keep the test's sense: `if not a:`
        stmt.test = UnaryOp(Not(), stmt.test)
        stmt.body, stmt.orelse = stmt.orelse, []
    elif folded and all(type(s) is Pass for s in stmt.orelse):
        stmt.orelse = []
    return sorted(folded, key=lambda a: a.targets[0].id)


def _may_fold(stmt: If) -> bool:
    """Whether a name the last top-level `name = value` of each branch assigns gets values
    `_fold` may join (the test itself, a literal `True` or `False`; `_fold` asks nothing
    else of them, the known booleans not at all): else nothing of `stmt` is folded."""
    body = {n: s.value for s in stmt.body if (n := assigned_name(s)) is not None}
    orelse = {n: s.value for s in stmt.orelse if (n := assigned_name(s)) is not None}
    return any(
        _same(value, stmt.test) or _is(value, True) or _is(value, False)
        for target in body.keys() & orelse.keys()
        for value in (body[target], orelse[target])
    )


def _top_assignments(block: list[ast.stmt], stores_of: Stores) -> dict[str, Assign]:
    """The names assigned exactly once in `block`, at its top level, by `name = value`."""
    found: dict[str, Assign] = {}
    counts: dict[str, int] = {}
    for stmt in block:
        for name, n in stores_of(stmt).items():
            counts[name] = counts.get(name, 0) + n
        if (name := assigned_name(stmt)) is not None:
            found[name] = stmt
    return {n: s for n, s in found.items() if counts[n] == 1}


def _is(value: ast.expr, constant: bool) -> bool:
    return type(value) is Constant and value.value is constant


def _same(value: ast.expr, test: Name) -> bool:
    return type(value) is Name and value.id == test.id


def _fold(
    test: Name, then: ast.expr, other: ast.expr, booleans: Booleans | set[str], target: str
) -> ast.expr | None:
    """`then if test else other` as `and`/`or`, when that is the same value (or the same
    truth, where `target` is read only for it); else None. Whether `test` is a boolean is
    asked only where a literal makes it matter."""
    a = Name(test.id, Load())
    if _same(other, test):
        return _join(And(), a, then, booleans, target)
    if _same(then, test) or (_is(then, True) and _flag(test, booleans, target)):
        return _join(Or(), a, other, booleans, target)
    if _is(then, False):
        return _join(And(), UnaryOp(Not(), a), other, booleans, target)
    if _is(other, True):
        return _join(Or(), UnaryOp(Not(), a), then, booleans, target)
    if _is(other, False) and _flag(test, booleans, target):
        return _join(And(), a, then, booleans, target)
    return None


def _flag(value: ast.expr, booleans: Booleans | set[str], target: str) -> bool:
    """Whether `value` may stand for True or False in what `target` is assigned: it is
    Python's True or False, or `target` is read only for its truth."""
    if boolean(value, booleans):
        return True
    return isinstance(booleans, Booleans) and booleans.tested(target)


def _join(
    op: ast.boolop, left: ast.expr, right: ast.expr, booleans: Booleans | set[str], target: str
) -> ast.expr:
    """`left op right`, with `a or a`, `a and a`, and a boolean `a or False`/`a and True`
    written `a`."""
    if type(left) is Name and type(right) is Name and left.id == right.id:
        return left
    neutral = (type(op) is Or and _is(right, False)) or (type(op) is And and _is(right, True))
    if neutral and _flag(left, booleans, target):
        return left
    return BoolOp(op, [left, right])
