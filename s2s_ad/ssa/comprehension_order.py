"""Where in a statement its comprehensions are evaluated, and whether their loops may run
before the rest of it.

`evaluated_first` lists the expressions a statement evaluates when it starts (a loop put
before the statement runs as they would); `location` is where those loops are placed.

`comprehensions.py` puts each comprehension's loop before the statement that uses it. Python
evaluates the statement's parts in order, so the loop now runs before the parts Python
evaluated before it. Reading a name, a constant or an attribute gives the same object either
way; the order only shows when a nested function the statement calls updates, in place, a
list or array that another part reads (`ssa/aliasing.py` sees such updates of the enclosing
function's values). This module finds the one call that would see or make such a change out
of Python's order, so that the statement is refused rather than computed otherwise.

    def g(v):                            # appends to the enclosing list `acc`
        acc.append(v)
        return v
    y = acc[0] + sum(g(a) for a in xs)   # refused: Python reads acc[0] before the appends
    y = sum(g(a) for a in xs) + acc[0]   # exact: the loop runs first in Python too
"""

from __future__ import annotations

import gast

from ..frontend.nodes import descendants
from .comprehension_scopes import COMPREHENSIONS

# Steps that compute nothing of their own: they read a binding (the object, not a copy of
# its contents) or only gather such references.
_REFERENCES = (
    gast.Name,
    gast.Constant,
    gast.Attribute,
    gast.Tuple,
    gast.List,
    gast.keyword,
    gast.Starred,
    gast.expr_context,
    gast.operator,
    gast.boolop,
    gast.cmpop,
    gast.unaryop,
)


def evaluation_order(exprs: list[gast.AST]) -> list[gast.AST]:
    """The steps of evaluating `exprs` in Python's order (operands before the operation that
    uses them), each comprehension one step."""
    steps: list[gast.AST] = []
    for expr in exprs:
        _add_steps(expr, steps)
    return steps


def _add_steps(node: gast.AST, steps: list[gast.AST]) -> None:
    """`evaluation_order`'s walk (a function of the module: a nested one calling itself
    would be a cycle, freed only by a cyclic collection)."""
    if not isinstance(node, COMPREHENSIONS):
        for child in gast.iter_child_nodes(node):
            _add_steps(child, steps)
    steps.append(node)


def out_of_order_call(exprs: list[gast.AST], nested: set[str]) -> str | None:
    """The nested function (of the names `nested`) that, once the comprehensions' loops run
    first, could change or see a value in another order than Python; None if there is none.

    A comprehension calling one must come after nothing but references (and other
    comprehensions); a call of one outside the comprehensions must come after all of them.
    """

    def calls(node: gast.AST) -> list[str]:
        return [
            n.func.id
            for n in descendants(node)
            if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in nested
        ]

    steps = evaluation_order(exprs)
    for k, step in enumerate(steps):
        if isinstance(step, COMPREHENSIONS):
            inside = calls(step)
            before = [s for s in steps[:k] if not isinstance(s, (*_REFERENCES, *COMPREHENSIONS))]
            if inside and before:
                return inside[0]
        elif isinstance(step, gast.Call) and getattr(step.func, "id", None) in nested:
            later = any(isinstance(s, COMPREHENSIONS) for s in steps[k + 1 :])
            if later:
                return step.func.id
    return None


def location(stmt: gast.stmt, fields: list[tuple[gast.AST, str]]) -> gast.AST:
    """Where the loops put before `stmt` are located: its first line to the end of the
    statement, or of its header for an `if`, `for`, `while` or `def` (not of its body: the
    lowering decides by line whether a name is read after a loop)."""
    spot = gast.copy_location(gast.Pass(), stmt)
    if is_block(getattr(stmt, "body", None)):
        ends = [getattr(e, "end_lineno", None) for e in values_of(fields)]
        spot.end_lineno = max([stmt.lineno] + [e for e in ends if e is not None])
    return spot


def continues(stmts: list[gast.stmt]) -> bool:
    """Whether the loop whose body is `stmts` has a `continue` of its own."""
    for stmt in stmts:
        if isinstance(stmt, gast.Continue):
            return True
        if isinstance(stmt, (gast.For, gast.While)):  # its `else` is still this loop's body
            if continues(stmt.orelse):
                return True
            continue
        if isinstance(stmt, gast.FunctionDef):
            continue
        blocks = [getattr(stmt, f, None) for f in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(stmt, "handlers", None) or ()]
        if any(is_block(b) and continues(b) for b in blocks):
            return True
    return False


def is_block(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(s, gast.stmt) for s in value)


def has_comprehension(node: gast.AST | None) -> bool:
    return node is not None and any(isinstance(n, COMPREHENSIONS) for n in descendants(node))


def evaluated_first(stmt: gast.stmt) -> list[tuple[gast.AST, str]]:
    """(node, field) of the expressions Python evaluates when `stmt` starts, each exactly
    once: a loop put before `stmt` runs as they would."""
    if isinstance(stmt, gast.Assign):
        return [(stmt, "value"), (stmt, "targets")]
    if isinstance(stmt, (gast.AugAssign, gast.AnnAssign)):
        return [(stmt, "target"), (stmt, "value")]
    if isinstance(stmt, (gast.Return, gast.Expr)):
        return [(stmt, "value")]
    if isinstance(stmt, gast.If):
        return [(stmt, "test")]
    if isinstance(stmt, gast.For):
        return [(stmt, "iter")]
    if isinstance(stmt, gast.FunctionDef):
        return [(stmt.args, "defaults"), (stmt.args, "kw_defaults")]
    if isinstance(stmt, gast.With):
        return [(item, "context_expr") for item in stmt.items]
    return []


def values_of(fields: list[tuple[gast.AST, str]]) -> list[gast.expr]:
    """The expressions in those fields (a field may hold a list, or None)."""
    found = []
    for owner, field in fields:
        value = getattr(owner, field)
        found += [v for v in (value if isinstance(value, list) else [value]) if v is not None]
    return found
