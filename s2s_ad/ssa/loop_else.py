"""Rewrite the `else` clause of `for` and `while` loops into a flag and an `if`.

Python runs a loop's `else` when the loop ends without `break` (exhausted iterable, false
test, or no iteration at all). A `break` of this loop sets a flag; the `else` body follows the
loop under `if not <flag>:`. Without a `break` of its own, the `else` simply follows the loop.
A `break` or `continue` inside the `else` belongs to the enclosing loop, and so it does once
the `else` body follows the loop; a `return` inside it is handled by the returns pass.

Before: a desugared `FunctionDef` (nested `def`s included) whose loops may have `orelse`.
After: no loop has an `orelse`; each loop ends on the line of its body's last statement
(the lowering's liveness is by line, and the `else` body now runs after the loop).

>>> import gast
>>> src = '''
... def f(x):
...     for i in range(4):
...         if x > 9.0:
...             break
...         x = x * 2.0
...     else:
...         x = -x
...     return x'''
>>> print(gast.unparse(eliminate_loop_else(gast.parse(src).body[0])).strip())
def f(x):
    _broke = False
    for i in range(4):
        if x > 9.0:
            _broke = True
            break
        x = x * 2.0
    if not _broke:
        x = -x
    return x
"""

from __future__ import annotations

import gast

from ..frontend import nodes
from ..frontend.locations import fix_missing_locations
from ..frontend.nodes import names_in
from ..naming import Namer


def eliminate_loop_else(node: gast.FunctionDef) -> gast.FunctionDef:
    """Return `node` with every loop's `else` clause rewritten into a flag."""
    if _any_loop_else(node.body):  # else the rewriting leaves every statement as it is
        node.body = _Rewriter(Namer(names_in(node))).block(node.body)
        fix_missing_locations(node)  # (the stages before leave every node located)
    return node


def _any_loop_else(stmts: list[gast.stmt]) -> bool:
    """Whether a loop with `else` is among `stmts`, found where `_Rewriter` looks."""
    for stmt in stmts:
        if isinstance(stmt, (gast.For, gast.While)) and stmt.orelse:
            return True
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and _any_loop_else(inner):
                return True
    return False


def _marked(stmts: list[gast.stmt], flag: str) -> list[gast.stmt]:
    """`stmts` with `flag = True` before each `break` of the loop whose body they are (a
    `break` in a nested loop, or in a nested `def`, belongs to that loop)."""
    out: list[gast.stmt] = []
    for stmt in stmts:
        if isinstance(stmt, gast.Break):
            out.append(nodes.assign(flag, nodes.constant(True), stmt))
        elif isinstance(stmt, gast.If):
            stmt.body, stmt.orelse = _marked(stmt.body, flag), _marked(stmt.orelse, flag)
        out.append(stmt)
    return out


def _breaks(stmts: list[gast.stmt]) -> bool:
    """Whether the loop whose body is `stmts` has a `break` of its own."""
    for stmt in stmts:
        if isinstance(stmt, gast.Break):
            return True
        if isinstance(stmt, gast.If) and (_breaks(stmt.body) or _breaks(stmt.orelse)):
            return True
    return False


class _Rewriter:
    def __init__(self, namer: Namer) -> None:
        self.namer = namer

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for stmt in stmts:
            # inner statements first: an inner loop's `else` becomes an `if` of this body
            for field in ("body", "orelse"):
                if isinstance(getattr(stmt, field, None), list):
                    setattr(stmt, field, self.block(getattr(stmt, field)))
            if isinstance(stmt, (gast.For, gast.While)) and stmt.orelse:
                out += self.loop(stmt)
            else:
                out.append(stmt)
        return out

    def loop(self, loop: gast.For | gast.While) -> list[gast.stmt]:
        orelse, loop.orelse = loop.orelse, []
        loop.end_lineno = max(s.end_lineno for s in loop.body)
        if not _breaks(loop.body):
            return [loop, *orelse]
        flag = self.namer.fresh("_broke")
        loop.body = _marked(loop.body, flag)
        after = nodes.if_(nodes.not_(nodes.name(flag)), orelse, orelse[0])
        return [nodes.assign(flag, nodes.constant(False), loop), loop, after]
