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

    def block(self, block: list, defined: set[str], headers: frozenset, *, top=False) -> set[str]:
        """Check `block`; return the names defined after it (on some path)."""
        defined = set(defined)
        for index, stmt in enumerate(block):
            self.reads(stmt, defined)
            if isinstance(stmt, Assign):
                if stmt.target in defined and stmt.target not in headers:
                    _fail(self.fn, stmt.line, f"`{stmt.target}` is assigned twice")
                defined.add(stmt.target)
            elif isinstance(stmt, If):
                then = self.block(stmt.body, defined, headers)
                otherwise = self.block(stmt.orelse, defined, headers)
                defined |= then | otherwise
            elif isinstance(stmt, With):
                inner = defined | ({stmt.target} if stmt.target else set())
                defined |= self.block(stmt.body, inner, headers) | inner
            elif isinstance(stmt, (For, While)):
                inner = set(defined)
                if isinstance(stmt, For):
                    inner.add(stmt.target)
                for header in stmt.carried:
                    if header not in defined:
                        _fail(
                            self.fn, stmt.line, f"header `{header}` is not assigned before the loop"
                        )
                defined |= self.block(stmt.body, inner, headers | set(stmt.carried))
            elif isinstance(stmt, Return) and not (top and index == len(block) - 1):
                _fail(self.fn, stmt.line, "`return` is not the last statement")
        return defined

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
