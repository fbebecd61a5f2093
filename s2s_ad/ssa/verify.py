"""The SSA invariant checker, run after lowering (and by the tests after every pass).

Holds after lowering: every statement applies at most one primitive to atoms; on every path
each name is assigned once, except a loop's header variables, which are assigned before the
loop and again at the end of its body; every variable is assigned before it is read on some
path; the body ends in `Return`.

>>> from s2s_ad.ssa.ir import Assign, Function, Return, Var
>>> bad = Function("f", ["x"], [Assign("x", Var("x"), 2), Return((Var("x"),), False, 3)], "f.py", 1)
>>> verify(bad)
Traceback (most recent call last):
...
s2s_ad.errors.InvariantError: f.py:2: SSA invariant broken: `x` is assigned twice; ...
"""

from __future__ import annotations

from ..errors import InvariantError
from .ir import (
    Assign,
    Const,
    Effect,
    For,
    Free,
    Function,
    If,
    Prim,
    Return,
    Var,
    While,
    With,
    operands,
)


def verify(fn: Function) -> None:
    """Raise `InvariantError` naming the first statement that breaks the invariant."""
    if not fn.body or not isinstance(fn.body[-1], Return):
        _fail(fn, fn.first_line, "the body does not end in `return`")
    _Checker(fn).block(fn.body, set(fn.params), frozenset(), top=True)


class _Checker:
    def __init__(self, fn: Function) -> None:
        self.fn = fn

    def block(self, block: list, defined: set[str], headers: frozenset, *, top=False) -> list[str]:
        """Check `block`, adding to `defined` the names it defines (on some path); return
        them. One set for the whole function (a copy per block was quadratic): a branch's
        names are taken out while the other branch is checked."""
        added: list[str] = []
        for index, stmt in enumerate(block):
            self.reads(stmt, defined)
            if isinstance(stmt, Assign):
                if stmt.target in defined:
                    if stmt.target not in headers:
                        _fail(self.fn, stmt.line, f"`{stmt.target}` is assigned twice")
                else:  # (a header assigned again was defined before: not the block's own)
                    defined.add(stmt.target)
                    added.append(stmt.target)
            elif isinstance(stmt, If):
                then = self.block(stmt.body, defined, headers)
                defined.difference_update(then)
                otherwise = self.block(stmt.orelse, defined, headers)
                defined.update(then)
                added += then + otherwise
            elif isinstance(stmt, With):
                if stmt.target and stmt.target not in defined:
                    defined.add(stmt.target)
                    added.append(stmt.target)
                added += self.block(stmt.body, defined, headers)
            elif isinstance(stmt, (For, While)):
                if isinstance(stmt, For) and stmt.target not in defined:
                    defined.add(stmt.target)
                    added.append(stmt.target)
                for header in stmt.carried:
                    if header not in defined:
                        _fail(
                            self.fn, stmt.line, f"header `{header}` is not assigned before the loop"
                        )
                added += self.block(stmt.body, defined, headers | set(stmt.carried))
            elif isinstance(stmt, Return) and not (top and index == len(block) - 1):
                _fail(self.fn, stmt.line, "`return` is not the last statement")
        return added

    def reads(self, stmt, defined: set[str]) -> None:
        if isinstance(stmt, Assign):
            value = stmt.value
            atoms = operands(value) if isinstance(value, Prim) else (value,)
        elif isinstance(stmt, Return):
            atoms = stmt.values
        elif isinstance(stmt, If):
            atoms = (stmt.test,)
        elif isinstance(stmt, Effect):
            atoms = tuple(Var(name) for name in stmt.reads)
        elif isinstance(stmt, With):
            atoms = (stmt.context,)
        elif isinstance(stmt, For):
            atoms = operands(stmt.iterable) if isinstance(stmt.iterable, Prim) else (stmt.iterable,)
            atoms += (stmt.checkpoint,) if stmt.checkpoint is not None else ()
        else:
            atoms = (Var(stmt.test),)
        for atom in atoms:
            if not isinstance(atom, (Var, Const, Free)):
                _fail(self.fn, stmt.line, f"operand {atom!r} is not an atom")
            if isinstance(atom, Var) and atom.name not in defined:
                _fail(self.fn, stmt.line, f"`{atom.name}` is read before it is assigned")


def _fail(fn: Function, line: int, what: str) -> None:
    raise InvariantError(
        f"SSA invariant broken: {what}",
        filename=fn.filename,
        line=line,
        hint="this is a bug in s2s_ad; please report it with the function's source",
    )
