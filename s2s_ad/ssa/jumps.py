"""Rewrite `break` and `continue` into flags, so every loop has one entry and one exit.

Before: a desugared `FunctionDef` whose loops may contain `break` and `continue`.
After: none; a `continue` sets a flag that skips the rest of the iteration, a `break` also
sets a flag that ends the loop: a `while` loop tests it, a `for i in range(...)` loop becomes
a counted `while` loop, other `for` loops run their remaining iterations as no-ops (their
target is a fresh name, copied to the user's only while not stopped, so that after a `break`
the user's name keeps the element it broke at).

>>> import gast
>>> src = '''
... def f(x):
...     for i in range(10):
...         if x > 5.0:
...             break
...         x = x * 2.0
...     return x'''
>>> print(gast.unparse(eliminate_jumps(gast.parse(src).body[0])).strip())
def f(x):
    _stop = False
    _i = 0
    while not _stop and _i < 10:
        i = _i
        _i = _i + 1
        _skip = False
        if x > 5.0:
            _stop = True
            _skip = True
        if not _skip:
            x = x * 2.0
    return x
"""

from __future__ import annotations

import gast

from ..frontend import nodes
from ..frontend.locations import fix_new_locations
from ..frontend.nodes import descendants, names_in
from ..naming import Namer


def eliminate_jumps(node: gast.FunctionDef) -> gast.FunctionDef:
    """Return `node` with every `break` and `continue` replaced by flags."""
    if _any_jump(node.body):  # else the rewriting leaves every statement as it is
        node.body = _Rewriter(Namer(names_in(node))).block(node.body)
        fix_new_locations(node)  # (the stages before leave every node located)
    return node


def _any_jump(stmts: list[gast.stmt]) -> bool:
    """Whether a loop among `stmts`, found where `_Rewriter` looks, has a jump of its own."""
    for stmt in stmts:
        if isinstance(stmt, (gast.For, gast.While)):
            if any(_jumps(stmt.body)) or _any_jump(stmt.body):
                return True
        elif isinstance(stmt, (gast.If, gast.With)) and (  # (a loop in a `with` block too)
            _any_jump(stmt.body) or _any_jump(getattr(stmt, "orelse", []))
        ):
            return True
    return False


def _set(flag: str, value: bool, like: gast.AST) -> gast.Assign:
    return nodes.assign(flag, nodes.constant(value), like)


def _not(flag: str) -> gast.expr:
    return nodes.not_(nodes.name(flag))


def _jumps(stmts: list[gast.stmt]) -> tuple[bool, bool]:
    """(has break, has continue) belonging to the loop whose body is `stmts`."""
    found = [False, False]
    for stmt in stmts:
        _find_jumps(stmt, found)
    return found[0], found[1]


def _find_jumps(stmt: gast.stmt, found: list[bool]) -> None:
    """`_jumps`' walk (a function of the module: a nested one calling itself would be a
    cycle, freed only by a cyclic collection)."""
    if isinstance(stmt, gast.Break):
        found[0] = True
    elif isinstance(stmt, gast.Continue):
        found[1] = True
    elif isinstance(stmt, gast.If):
        for s in stmt.body + stmt.orelse:
            _find_jumps(s, found)


class _Rewriter:
    def __init__(self, namer: Namer) -> None:
        self.namer = namer

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for stmt in stmts:
            if isinstance(stmt, (gast.For, gast.While)):
                out += self.loop(stmt)
            elif isinstance(stmt, gast.If):
                stmt.body, stmt.orelse = self.block(stmt.body), self.block(stmt.orelse)
                out.append(stmt)
            elif isinstance(stmt, gast.With):  # its loops' own jumps (one leaving the block
                stmt.body = self.block(stmt.body)  # is refused: context_managers.py)
                out.append(stmt)
            else:
                out.append(stmt)
        return out

    def loop(self, loop: gast.For | gast.While) -> list[gast.stmt]:
        has_break, has_continue = _jumps(loop.body)
        if not (has_break or has_continue):
            loop.body = self.block(loop.body)
            return [loop]
        stop = self.namer.fresh("_stop") if has_break else None
        skip = self.namer.fresh("_skip")
        body = [_set(skip, False, loop), *self.jumping(loop.body, stop, skip)]
        if stop is None:
            loop.body = body
            return [loop]
        before = [_set(stop, False, loop)]
        if isinstance(loop, gast.While):
            loop.test = nodes.and_(_not(stop), loop.test)
            loop.body = body
            return [*before, loop]
        counted = self.counted(loop, stop, body)
        if counted is not None:
            return [*before, *counted]
        loop.body = [nodes.if_(_not(stop), [*self.bind_target(loop), *body], loop)]
        return [*before, loop]

    def bind_target(self, loop: gast.For) -> list[gast.stmt]:
        """Iterations after a `break` are no-ops, so they must not rebind the loop's names
        either: the loop binds fresh names, copied to the user's names when not stopped."""
        copies = []
        for node in descendants(loop.target):
            if isinstance(node, gast.Name):
                fresh = self.namer.fresh("_" + node.id.lstrip("_"))
                copies.append(nodes.assign(node.id, nodes.name(fresh), loop))
                node.id = fresh
        return copies

    def jumping(self, stmts: list[gast.stmt], stop: str | None, skip: str) -> list[gast.stmt]:
        """`stmts` with jumps turned into flags and what follows a jump guarded by `skip`."""
        out: list[gast.stmt] = []
        for index, stmt in enumerate(stmts):
            if isinstance(stmt, gast.Break):
                return [*out, _set(stop, True, stmt), _set(skip, True, stmt)]
            if isinstance(stmt, gast.Continue):
                return [*out, _set(skip, True, stmt)]
            if isinstance(stmt, gast.If) and any(_jumps([stmt])):
                stmt.body = self.jumping(stmt.body, stop, skip)
                stmt.orelse = self.jumping(stmt.orelse, stop, skip)
                out.append(stmt)
                rest = self.jumping(stmts[index + 1 :], stop, skip)
                if rest:
                    out.append(nodes.if_(_not(skip), rest, stmts[index + 1]))
                return out
            out += self.block([stmt])
        return out

    def counted(self, loop: gast.For, stop: str, body: list[gast.stmt]) -> list[gast.stmt] | None:
        """`for i in range(a, b)` with a break: `while not stop and _i < b`, counting `_i`."""
        it, target = loop.iter, loop.target
        simple_range = (
            isinstance(it, gast.Call)
            and isinstance(it.func, gast.Name)
            and it.func.id == "range"
            and 1 <= len(it.args) <= 2
            and not it.keywords
            and isinstance(target, gast.Name)
        )
        if not simple_range:
            return None
        start = it.args[0] if len(it.args) == 2 else nodes.constant(0)
        end = it.args[-1]
        counter = self.namer.fresh("_k" if target.id.startswith("_") else "_" + target.id)
        test = nodes.and_(_not(stop), nodes.less(nodes.name(counter), end))
        first = [
            nodes.assign(target.id, nodes.name(counter), loop),
            nodes.assign(counter, nodes.plus(nodes.name(counter), nodes.constant(1)), loop),
        ]
        return [nodes.assign(counter, start, loop), nodes.while_(test, [*first, *body], loop)]
