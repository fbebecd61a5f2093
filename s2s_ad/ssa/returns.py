"""Rewrite early returns into a result variable and a flag, so the function ends in one return.

Before: a desugared `FunctionDef` that may `return` inside branches and loops.
After: one `return` at the end; an early `return e` assigns `e` to the result, sets the flag,
and leaves the loops it is in (`break`, which the jumps pass then removes); what follows a
statement that may have returned runs only if it did not. A function whose only `return`
is its last statement is left as it is.

>>> import gast
>>> src = '''
... def f(x):
...     if x > 0.0:
...         return x * x
...     return -x'''
>>> print(gast.unparse(eliminate_returns(gast.parse(src).body[0], "f.py")).strip())
def f(x):
    _result = None
    _returned = False
    if x > 0.0:
        _result = x * x
        _returned = True
    if not _returned:
        _result = -x
        _returned = True
    return _result
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from ..frontend import nodes
from ..frontend.locations import fix_missing_locations, fix_new_locations
from ..frontend.nodes import names_in
from ..naming import Namer


def eliminate_returns(node: gast.FunctionDef, filename: str) -> gast.FunctionDef:
    """Return `node` with a single `return` at the end."""
    returns = [n for n in nodes.own_statements(node.body) if isinstance(n, gast.Return)]
    for bare in returns:  # `return` alone gives None
        if bare.value is None:
            bare.value = gast.copy_location(nodes.constant(None), bare)
    if not returns:  # a nested function that ends without `return` gives None
        returns = [_at_end(gast.Return(value=nodes.constant(None)), node)]
        node.body.append(returns[0])
    if len(returns) == 1 and node.body and node.body[-1] is returns[0]:
        return node
    arity = _arity(returns, filename)
    namer = Namer(names_in(node))
    if arity:
        results = [namer.fresh(f"_result{k}") for k in range(arity)]
    else:
        results = [namer.fresh("_result")]
    flag = namer.fresh("_returned")
    rewriter = _Rewriter(results, arity, flag)
    start = [nodes.assign(r, nodes.constant(None), node) for r in results]
    start.append(nodes.assign(flag, nodes.constant(False), node))
    body = [*start, *rewriter.block(node.body, in_loop=False)]
    value = nodes.tuple_of([nodes.name(r) for r in results]) if arity else nodes.name(results[0])
    final = gast.Return(value=value)
    # It reads the result after every line of the function (the lowering's liveness is by line).
    final.lineno = final.end_lineno = node.end_lineno + 1
    final.col_offset = final.end_col_offset = 0
    body.append(final)
    node.body = body
    return fix_new_locations(node)


def _at_end(stmt: gast.stmt, node: gast.FunctionDef) -> gast.stmt:
    stmt.lineno = stmt.end_lineno = node.end_lineno
    stmt.col_offset = stmt.end_col_offset = 0
    return fix_missing_locations(stmt)


def _arity(returns: list[gast.Return], filename: str) -> int | None:
    """How many values every `return` gives (None: one value, not a tuple display)."""

    def count(r: gast.Return) -> int | None:
        return len(r.value.elts) if isinstance(r.value, gast.Tuple) else None

    if not returns:  # a nested function without `return` returns None
        return None
    ordered = sorted(returns, key=lambda r: r.lineno)
    for r in ordered[1:]:
        if count(r) != count(ordered[0]):
            raise UnsupportedSyntaxError(
                "unsupported construct: `return` statements that give different numbers of values",
                filename=filename,
                line=r.lineno,
                hint="return the same number of values everywhere",
            )
    return count(ordered[0])


def _returns(stmt: gast.stmt) -> bool:
    """Whether `stmt` holds a `return` of its own: among its statements (a `return` is
    one), found without walking expressions; a nested def's own, walked whole."""
    if isinstance(stmt, gast.FunctionDef):  # (`own_statements` would skip it)
        return any(isinstance(n, gast.Return) for n in nodes.walk_own(stmt))
    return any(isinstance(s, gast.Return) for s in nodes.own_statements([stmt]))


class _Rewriter:
    def __init__(self, results: list[str], arity: int | None, flag: str) -> None:
        self.results = results
        self.arity = arity
        self.flag = flag

    def block(self, stmts: list[gast.stmt], *, in_loop: bool) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, gast.Return):
                out += self.returned(stmt)
                if in_loop:
                    out.append(gast.copy_location(gast.Break(), stmt))
                return out
            may_return = _returns(stmt)
            if isinstance(stmt, gast.If):
                stmt.body = self.block(stmt.body, in_loop=in_loop)
                stmt.orelse = self.block(stmt.orelse, in_loop=in_loop)
            elif isinstance(stmt, (gast.For, gast.While)):
                stmt.body = self.block(stmt.body, in_loop=True)
            out.append(stmt)
            if not may_return:
                continue
            if in_loop:  # leave this loop too; the jumps pass guards what follows
                if isinstance(stmt, (gast.For, gast.While)):
                    out.append(nodes.if_(nodes.name(self.flag), [gast.Break()], stmt))
                out += self.block(stmts[index + 1 :], in_loop=True)
                return out
            rest = self.block(stmts[index + 1 :], in_loop=False)
            if rest:
                out.append(nodes.if_(nodes.not_(nodes.name(self.flag)), rest, stmts[index + 1]))
            return out
        return out

    def returned(self, stmt: gast.Return) -> list[gast.stmt]:
        value = stmt.value if stmt.value is not None else nodes.constant(None)
        if self.arity:
            target = nodes.tuple_of([nodes.name(r, store=True) for r in self.results], store=True)
        else:
            target = nodes.name(self.results[0], store=True)
        return [
            nodes.assign(target, value, stmt),
            nodes.assign(self.flag, nodes.constant(True), stmt),
        ]
