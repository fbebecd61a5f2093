"""Dead-code elimination on generated code: mark what the result needs, sweep the rest.

Before: a generated function whose sweeps may compute values nothing uses (a primal result
the gradient code does not return, an adjoint that flows nowhere, a forward loop whose values
the reverse sweep never reads). After: the same function keeping only the statements the
roots need, by name: the roots are the `return`s, statements kept for their effect (`print`,
`assert`, a passive `try`, a call of a user function that has an effect: marked
`build.kept_for_effect` where they are generated) and the run-time checks
`rt.unshared` of in-place updates; a statement is needed when it assigns a name a needed
statement reads (anywhere: in a later iteration, in the pullback), a tape push when its tape
is read, and a loop or `if` when a statement inside it is needed (then its header is read).
Cycles die too: the forward loop of `grad` whose values nothing reads goes whole. Self-copies
`x = x` (left when a pass rewrites `x_bar = rt.unbroadcast(x_bar, x)` of a known shape) go
too: they change nothing.

    y = 0.0                          # feeds only the loop below: removed
    for i in range(100):             # nothing inside needed: removed
        y_2 = y + x * x
        y = y_2
    x_bar = rt.zeros_like(x)         # returned: stays
    for i in reversed(range(100)):
        x_bar = x_bar + 2.0 * x
    return x_bar
"""

from __future__ import annotations

import ast
import enum
from ast import (
    AST,
    Assign,
    Attribute,
    AugAssign,
    BinOp,
    Call,
    Constant,
    Expr,
    For,
    FunctionDef,
    If,
    List,
    Name,
    Pass,
    Tuple,
    UnaryOp,
    While,
    With,
)
from collections.abc import Callable

from ..codegen.build import KEPT_FOR_EFFECT, is_comment
from ..naming import TAPE_STEMS
from ..runtime import RUN_TIME_CHECKS
from .facts import SIMPLE, Names
from .names import StoredNames, appended_to, loads, stores

# loops over these cost nothing but time: a loop over anything else (a user's iterator)
# is kept like an effect
_PLAIN_ITERABLES = frozenset({"range", "reversed", "zip", "enumerate"})
_PLAIN_NODES = (Name, Constant, UnaryOp, BinOp)
_PLAIN_NODES += (ast.expr_context, ast.operator, ast.unaryop)
# (sets: `kind in (If, While, For)` compiled looks each class up and compares it, per
# statement)
_HEADED = frozenset({If, While, For})  # a test or iterable read, blocks opened
_OPENED = _HEADED | {With, FunctionDef}  # the compound statements whose blocks are visited


class Removed(enum.IntEnum):
    """What a sweep removed (falsy: nothing). Removing the only binding of a name changes
    nothing another pass reads but the reads it held; removing one of several bindings
    lets values that binding made stale reach further (simplify/__init__.py)."""

    NOTHING = 0
    SOLE_BINDINGS = 1  # every name a removed statement bound is bound nowhere else
    REBINDINGS = 2  # one is still bound by a kept statement, or is a parameter
    # … but only by statements removed from the function's own block, none from a loop's
    # or branch's: no value reaches further (a read after one would have kept it)
    TOP_REBINDINGS = 3
    # … or from a loop's or branch's block too, but there only of names no kept statement
    # reads (but as a loop's own target), or stores the block overwrote before any read:
    # no value reaches a read it did not (`_Graph.rebinds`)
    UNREAD_REBINDINGS = 4


def eliminate_dead_code(
    tree: FunctionDef,
    facts: Names | None = None,
    shape_only: Callable[[ast.expr], str | None] | None = None,
    dropped: list[ast.stmt] | None = None,
) -> Removed:
    """Remove from `tree`, in place, the statements no root needs; what kind, if any.
    `facts`: the names of statements (removing statements changes none of the others').
    `shape_only`: the name an assigned value reads only for a shape to be written in
    (`unit_seeds.shape_only_read`), not counted as read. `dropped`: given, the statements
    removed are added to it (those holding others: not these too)."""
    graph = _Graph(facts or Names(), shape_only)
    graph.visit(tree.body, None)
    live = graph.mark()
    if not _sweep(tree, live, graph.opened, dropped):
        return Removed.NOTHING
    parameters = {a.arg for a in tree.args.args} | graph.parameters
    return graph.rebinds(live, parameters)


class _Graph:
    """Statements, what each reads and assigns, and the compound statement holding it."""

    def __init__(self, facts: Names, shape_only: Callable | None = None) -> None:
        self.facts = facts
        self.shape_only = shape_only
        # (statements keyed by themselves: a node hashes by identity, as its `id` would,
        # with no integer made per statement)
        self.parent: dict[ast.stmt, ast.stmt | None] = {}
        self.reads: dict[ast.stmt, list[str]] = {}
        self.bound: dict[ast.stmt, list[ast.stmt]] = {}  # loops whose own target it reads
        self.writers: dict[str, list[ast.stmt]] = {}
        self.roots: list[ast.stmt] = []
        self.opened: set[ast.stmt] = set()  # compound statements whose blocks were visited
        self.parameters: set[str] = set()  # nested functions' (pullbacks')
        self.self_copies: set[ast.stmt | None] = set()  # the blocks (parents) of `x = x` seen:
        # the sweep drops them, rebindings of `x`
        self.stores = StoredNames()  # (the graph is built before the sweep changes anything)
        self.overwritten: set[ast.stmt] = set()  # assignments whose values nothing can read
        # a loop's or branch's blocks as visited (the sweep makes new ones)
        self.blocks: dict[ast.stmt, tuple[list[ast.stmt], ...]] = {}
        self.named: set[str] = set()  # the names the live statements read (`mark`)
        self.rooted: set[str] = set()  # the names assignments kept whole bind
        self.nested = False  # a nested function seen

    def visit(self, block: list[ast.stmt], parent: ast.stmt | None, targets: dict | None = None):
        """`targets`: name → the innermost enclosing loop that binds it as its target and
        whose body never assigns it (a read of it there is that loop's value, not the value
        another sweep assigns to the same name)."""
        targets = targets or {}
        overwrites = _Overwrites()
        for stmt in block:
            kind = type(stmt)
            if (kind is Expr and is_comment(stmt)) or kind is Pass:
                continue
            if kind is Assign and _self_copy(stmt):
                self.self_copies.add(parent)
                continue  # never live: the sweep drops it
            key = stmt
            self.parent[key] = parent
            inner = targets
            if kind in _HEADED:
                head = stmt.iter if kind is For else stmt.test
                reads = loads(head)
                if kind is For:
                    bound = stores(stmt.target)
                    self.write(key, bound)
                    # a name the body assigns again is not the loop's value everywhere
                    again = self.stores.in_blocks(stmt.body, stmt.orelse)
                    inner = {n: k for n, k in targets.items() if n not in again}
                    inner |= {n: key for n in bound if n not in again}
                    if not _plain_loop(stmt):  # a loop over a user's iterator: it runs
                        self.roots.append(key)
                overwrites.barrier()
            elif kind is With or kind is FunctionDef:  # kept; their bodies swept
                reads = [n for item in _heads(stmt) for n in loads(item)]
                self.roots.append(key)
                if kind is FunctionDef:
                    self.parameters.update(a.arg for a in stmt.args.args)
                    self.nested = True
                overwrites.barrier()
            elif (written := _written(stmt)) is not None:  # (its targets read nothing)
                reads = self.facts.of(stmt).loads  # (shared: never changed, as below)
                if kind is AugAssign:
                    reads = reads + written
                like = self._shape_only(stmt) if kind is Assign else None
                if like is not None:  # (not read: the filling writes its shape instead)
                    reads = [n for n in reads if n != like]
                self.write(key, written)
                overwrites.seen(key, reads, written if kind is Assign else ())
            elif (tape := _tape_push(stmt)) is not None:
                reads = [n for a in stmt.value.args for n in loads(a)]
                self.write(key, [tape])
                overwrites.seen(key, reads, ())
            else:  # returns, effects, checks, element updates: whole, never opened
                reads = self.facts.of(stmt).loads if kind in SIMPLE else loads(stmt)
                self.roots.append(key)
                overwrites.barrier()
                if kind is Assign:  # (`x = rt.unshared(…)`, a kept call's result …)
                    self.rooted.update(self.facts.of(stmt).stores)
            if targets:  # (in a loop)
                self.reads[key] = [n for n in reads if n not in targets]
                self.bound[key] = [targets[n] for n in reads if n in targets]
            else:
                self.reads[key] = reads
            if kind in _OPENED:
                self.opened.add(key)
                self.blocks[key] = (stmt.body, getattr(stmt, "orelse", []))
                self.visit(stmt.body, key, inner)
                self.visit(getattr(stmt, "orelse", []), key, inner)
        self.overwritten |= overwrites.dead()

    def _shape_only(self, stmt: Assign) -> str | None:
        if self.shape_only is None or type(stmt.value) is not Call:
            return None
        return self.shape_only(stmt.value)

    def write(self, key: ast.stmt, names: list[str]) -> None:
        for name in names:
            self.writers.setdefault(name, []).append(key)

    def rebinds(self, live: set[ast.stmt], parameters: set[str]) -> Removed:
        """Whether a statement not `live` binds a name that a `live` one, or a parameter in
        `parameters`, binds too, and where (SOLE_BINDINGS: none does).

        One removed from a loop or branch lets the values its store made stale reach
        further; still, none reaches a read it did not (UNREAD_REBINDINGS) where its name
        `x` is one no live statement reads (then no value involving `x` is at hand where
        one is read: those holding `x * y` or a copy of `x` are made by assignments of `x`
        or reading it, dead too, or in a loop over `x`, which forgets them outside), or it
        is a store the block overwrote before any read, with no assignment or copy of `x`
        before it in the block (between the two nothing reads `x`; the values before it
        held by `x` were made outside the block, and forgotten there: the block still
        assigns `x`). (An assignment kept whole, a check's, may make a value `x` holds;
        a nested function reads the values of names bound once, which a removed binding
        may make one.)"""
        if any(parent is not None for parent in self.self_copies):
            return Removed.REBINDINGS
        found = Removed.TOP_REBINDINGS if self.self_copies else Removed.SOLE_BINDINGS
        for name, keys in self.writers.items():
            # (most names have one binding: a rebinding only if it is a parameter's)
            if len(keys) > 1 or name in parameters:
                kept = sum(k in live for k in keys)
                if kept < len(keys) and (kept or name in parameters):
                    found = max(found, Removed.TOP_REBINDINGS)
                    inner = [k for k in keys if k not in live and self.parent[k] is not None]
                    if not inner:
                        continue
                    if self.nested or name in self.rooted:
                        return Removed.REBINDINGS
                    if name in self.named and not all(self._fresh(k) for k in inner):
                        return Removed.REBINDINGS
                    found = Removed.UNREAD_REBINDINGS
        return found

    def _fresh(self, key: ast.stmt) -> bool:
        """Whether `key` is an assignment its block overwrote before any read, and no
        simple statement before it in the block assigns a name it assigns, or copies one
        (`w = x`): a value at hand that one of its names holds (`x = a * b`, `w = x`) was
        made there (or in a loop or branch before it, gone after it, or before the block,
        forgotten before it: the block assigns the name)."""
        if key not in self.overwritten:
            return False
        for block in self.blocks[self.parent[key]]:
            for i, stmt in enumerate(block):
                if stmt is key:
                    own = set(self.facts.of(stmt).stores)
                    return not any(_holds(s, own, self.facts) for s in block[:i])
        return False

    def mark(self) -> set[ast.stmt]:
        live: set[ast.stmt] = set()
        named = self.named
        work = list(self.roots)
        while work:
            key = work.pop()
            if key in live:
                continue
            live.add(key)
            if (parent := self.parent.get(key)) is not None:
                work.append(parent)  # a loop or branch holding a needed statement
            work += self.bound.get(key, ())
            for name in self.reads[key]:
                if name not in named:
                    named.add(name)
                    work += [k for k in self.writers.get(name, ()) if k not in self.overwritten]
        return live


def _sweep(
    node: AST, live: set[ast.stmt], opened: set[ast.stmt], dropped: list | None = None
) -> bool:
    """Drop the statements not `live` from the blocks of `node` and the compound statements
    kept under it (added to `dropped`, if given); a block left with comments only gets a
    `pass`."""
    removed = False
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list):
            continue
        kept: list[ast.stmt] = []
        gone: list[ast.stmt] = []
        for stmt in block:
            if stmt in live or is_comment(stmt) or type(stmt) is Pass:
                kept.append(stmt)
            else:
                gone.append(stmt)
        for stmt in kept:
            if stmt in opened:
                removed |= _sweep(stmt, live, opened, dropped)
        if gone:
            removed = True
            if dropped is not None:
                dropped += gone
            if field == "orelse" and all(is_comment(s) or type(s) is Pass for s in kept):
                kept = []
            elif not any(not is_comment(s) for s in kept):
                kept.append(Pass())  # a block may not hold only comments
        setattr(node, field, kept)
    return removed


class _Overwrites:
    """The `a = …` statements of one block every name of which the block assigns again
    before anything reads it, with only simple statements between: no loop, branch,
    `return`, effect or nested function, where a jump or a closure might read the first
    value (`x_bar = 3.0` then `x_bar = 3.0 + t_bar`: liveness by names keeps both)."""

    def __init__(self) -> None:
        self.pending: dict[str, ast.stmt] = {}  # name → the assignment whose value nothing read
        self.killed: dict[ast.stmt, set[str]] = {}
        self.assigned: dict[ast.stmt, int] = {}  # an assignment → how many names it binds

    def seen(self, key: ast.stmt, reads: list[str], assigns: list[str] | tuple) -> None:
        """A simple statement `key` reading `reads` and assigning `assigns` (none for
        `a += …`, which updates in place what may be shared: never itself dropped)."""
        pending = self.pending
        for name in reads:
            pending.pop(name, None)
        if assigns:  # (most assign one name: no set made to count them)
            self.assigned[key] = 1 if len(assigns) == 1 else len(set(assigns))
            for name in assigns:
                if name in pending:
                    self.killed.setdefault(pending[name], set()).add(name)
                pending[name] = key

    def barrier(self) -> None:
        self.pending.clear()

    def dead(self) -> set[ast.stmt]:
        return {k for k, names in self.killed.items() if len(names) == self.assigned[k]}


def _holds(stmt: ast.stmt, names: set[str], facts: Names) -> bool:
    """Whether the simple statement `stmt` may make a value one of `names` holds: it
    assigns one, or copies one."""
    if type(stmt) not in SIMPLE:
        return False
    if type(stmt) is Assign and type(stmt.value) is Name and stmt.value.id in names:
        return True
    return not names.isdisjoint(facts.of(stmt).stores)


def _written(stmt: ast.stmt) -> list[str] | None:
    """The names `stmt` assigns when it is `a = …`, `a, b = …` or `a += …` of a value with
    no effect; None for any other statement."""
    if getattr(stmt, KEPT_FOR_EFFECT, False):
        return None
    if type(stmt) is AugAssign and type(stmt.target) is Name:
        return [stmt.target.id]
    if type(stmt) is not Assign or _is_check(stmt):
        return None
    if len(stmt.targets) == 1 and type(stmt.targets[0]) is Name:
        return [stmt.targets[0].id]  # (the common case, at once)
    names: list[str] = []
    for target in stmt.targets:
        parts = target.elts if type(target) in (Tuple, List) else [target]
        if not all(type(p) is Name for p in parts):
            return None  # an element or attribute update: kept
        names += [p.id for p in parts]
    return names


def _tape_push(stmt: ast.stmt) -> str | None:
    """The tape of `_tape1.append(…)`, a tape s2s_ad's code made (naming.TAPE_STEMS)."""
    if type(stmt) is not Expr or getattr(stmt, KEPT_FOR_EFFECT, False):
        return None
    tape = appended_to(stmt.value)
    return tape if tape is not None and tape.startswith(TAPE_STEMS) else None


def _plain_loop(loop: For) -> bool:
    """A loop over a `range` (or `zip`, `reversed`, `enumerate` of names and ranges), whose
    iteration alone has no effect; a loop over anything else is kept."""
    for node in ast.walk(loop.iter):
        if isinstance(node, Call):
            if type(node.func) is not Name or node.func.id not in _PLAIN_ITERABLES:
                return False
            if node.keywords:
                return False
        elif not isinstance(node, _PLAIN_NODES):
            return False
    return not loop.orelse


def _heads(stmt: ast.stmt) -> list[AST]:
    if isinstance(stmt, With):
        return list(stmt.items)
    return [*stmt.decorator_list, stmt.args]


def _self_copy(stmt: ast.stmt) -> bool:
    return (
        type(stmt) is Assign
        and len(stmt.targets) == 1
        and type(stmt.targets[0]) is Name
        and type(stmt.value) is Name
        and stmt.value.id == stmt.targets[0].id
    )


def _is_check(stmt: Assign) -> bool:
    """`rt.unshared(…)`, `rt.immutable_item(…)`, `rt.sole_item(…)`, `rt.rebound(…)`: a
    run-time check of an in-place update (ssa/aliasing.py, `c[k] += v` in ssa/lower.py,
    ssa/item_paths.py), which must run even when its result is not read (the update it
    checks changes other names' arrays, or a module's, which are); `rt.key_present(…)`:
    `d.pop(k)`'s KeyError (ssa/dicts.py)."""
    call = stmt.value
    attribute = isinstance(call, Call) and isinstance(call.func, Attribute)
    return attribute and call.func.attr in RUN_TIME_CHECKS
