"""Derivatives deferred into the branch that alone reads their value.

    p = np.sqrt(x)
    if use:
        return np.sum(p)
    return np.sum(2.0 * x)

`p` carries a derivative only when the branch runs. Left where `p` is computed, its adjoint
would run on every path, and where the branch did not run it multiplies a zero cotangent by
sqrt's infinite partial at 0: nan, where the derivative is 2 (JAX, tracing the branch taken,
gives 2). So the derivative of such an assignment is placed in that branch: its adjoint at
the end of the branch's reverse sweep (reverse.py; a helper's pullback call too), its tangent
at the branch's start (forward.py). Its primal stays where it is, so the values, errors and
warnings are the plain call's; masks under `np.where` count it in the branch (masks.py).

An assignment is deferred to the innermost `if` branch holding every statement that reads a
derivative of its value, counted where those statements' own derivatives are placed (a chain
`p = np.sqrt(x); q = p * 2.0` read only in the branch moves whole). Never into a loop's body,
where the derivative would run once per iteration, nor a `with` block; only names assigned
once, so that the values it reads are the same in the branch.
"""

from __future__ import annotations

from collections import Counter

from ..ssa.ir import Assign, For, Function, If, Prim, Return, Var, While, With, used_vars, walk
from .activity import derivative_operands

_LOOP = "loop"  # a step into a loop's or a `with` block's body: nothing is deferred past it


def deferred_statements(fn: Function, active: set[str], displays, keep=None) -> dict:
    """id(a branch's block) → the assignments, in program order, whose derivatives are placed
    in that block; `displays()`: activity.display_reads' map, asked only where there is a
    branch, since the derivative code of a display reads no derivative of an item no
    demanded path reaches (reverse mode: the item's adjoint, zero, is given, not read;
    forward mode gives the item no tangent); `keep(stmt)`: assignments never moved (forward
    mode's helper calls, whose tangent code is the call itself)."""
    statements = walk(fn.body)
    if not any(isinstance(s, If) for s in statements):
        return {}  # no branch to place a derivative in
    displays = displays()
    places: dict[int, tuple] = {}  # id(statement) → the path of blocks it stands in
    _record(fn.body, (), places)
    counts = Counter(s.target for s in statements if isinstance(s, (Assign, For)))
    readers: dict[str, list] = {}  # name → the statements reading a derivative of it
    for stmt in statements:
        for name in _derivative_reads(stmt, active, fn.dead_outputs, displays):
            readers.setdefault(name, []).append(stmt)
    where: dict[int, tuple] = {}  # id(statement) → the path its derivative is placed in
    moved: dict[int, list] = {}
    for stmt in reversed(statements):  # readers come after: their places are known
        own = places[id(stmt)]
        where[id(stmt)] = own
        if not isinstance(stmt, Assign) or stmt.target not in active or (keep and keep(stmt)):
            continue
        if counts[stmt.target] != 1 or any(counts[n] > 1 for n in used_vars(stmt.value)):
            continue
        uses = [where.get(id(r), places[id(r)]) for r in readers.get(stmt.target, ())]
        if any(use[: len(own)] != own for use in uses):
            continue  # (read outside its own block: not in SSA form's joins, kept)
        inner = _common_branch(own, uses)
        if inner != own:
            where[id(stmt)] = inner
            moved.setdefault(inner[-1][0], []).append(stmt)
    return {block: statements[::-1] for block, statements in moved.items()}


def _record(block: list, path: tuple, places: dict) -> None:
    for stmt in block:
        places[id(stmt)] = path
        if isinstance(stmt, If):
            _record(stmt.body, (*path, (id(stmt.body), "if")), places)
            _record(stmt.orelse, (*path, (id(stmt.orelse), "if")), places)
        elif isinstance(stmt, (For, While, With)):
            _record(stmt.body, (*path, (id(stmt.body), _LOOP)), places)


def _derivative_reads(
    stmt: object, active: set[str], dead: frozenset[int], displays: dict[int, tuple]
) -> list[str]:
    """The names whose derivatives `stmt` reads (a test or an effect reads none); `dead`:
    the positions of the result that take no cotangent (`Function.dead_outputs`: a
    caller's unread items), whose values a return does not read a derivative of;
    `displays`: those a display's statement reads (`deferred_statements`)."""
    if isinstance(stmt, Assign):
        if stmt.target not in active:
            return []
        reads = displays.get(id(stmt))
        return list(derivative_operands(stmt)) if reads is None else reads[0]
    if isinstance(stmt, Return):
        return [a.name for k, a in enumerate(stmt.values) if isinstance(a, Var) and k not in dead]
    if isinstance(stmt, For):
        iterable = stmt.iterable
        return used_vars(iterable) if isinstance(iterable, Prim) else [iterable.name]
    if isinstance(stmt, With) and isinstance(stmt.context, Var):
        return [stmt.context.name]
    return []


def _common_branch(own: tuple, uses: list[tuple]) -> tuple:
    """The longest path below `own` through `if` branches alone that every use stands in."""
    if not uses:
        return own
    depth = len(own)
    while True:
        steps = {use[depth] if len(use) > depth else None for use in uses}
        if len(steps) != 1:
            return uses[0][:depth]
        step = steps.pop()
        if step is None or step[1] == _LOOP:
            return uses[0][:depth]
        depth += 1
