"""Whether the loops of a statement's comprehensions may run before the rest of it.

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

    def visit(node: gast.AST) -> None:
        if not isinstance(node, COMPREHENSIONS):
            for child in gast.iter_child_nodes(node):
                visit(child)
        steps.append(node)

    for expr in exprs:
        visit(expr)
    return steps


def out_of_order_call(exprs: list[gast.AST], nested: set[str]) -> str | None:
    """The nested function (of the names `nested`) that, once the comprehensions' loops run
    first, could change or see a value in another order than Python; None if there is none.

    A comprehension calling one must come after nothing but references (and other
    comprehensions); a call of one outside the comprehensions must come after all of them.
    """

    def calls(node: gast.AST) -> list[str]:
        return [
            n.func.id
            for n in gast.walk(node)
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
