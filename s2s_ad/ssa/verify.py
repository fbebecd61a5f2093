"""The SSA invariant checker, run after lowering (and by the tests after every pass).

Holds after lowering: every statement applies at most one primitive to atoms, every name is
assigned once, every variable is defined before it is read, and the body ends in `Return`.

>>> from s2s_ad.ssa.ir import Assign, Function, Return, Var
>>> bad = Function("f", ["x"], [Assign("x", Var("x"), 2), Return((Var("x"),), False, 3)], "f.py", 1)
>>> verify(bad)
Traceback (most recent call last):
...
s2s_ad.errors.InvariantError: f.py:2: SSA invariant broken: `x` is assigned twice; ...
"""

from __future__ import annotations

from ..errors import InvariantError
from .ir import Assign, Const, Free, Function, Prim, Return, Var, operands


def verify(fn: Function) -> None:
    """Raise `InvariantError` naming the first statement that breaks the invariant."""
    defined = set(fn.params)
    for index, stmt in enumerate(fn.body):
        for atom in _atoms(stmt):
            if not isinstance(atom, (Var, Const, Free)):
                _fail(fn, stmt.line, f"operand {atom!r} is not an atom")
            if isinstance(atom, Var) and atom.name not in defined:
                _fail(fn, stmt.line, f"`{atom.name}` is read before it is assigned")
        if isinstance(stmt, Assign):
            if stmt.target in defined:
                _fail(fn, stmt.line, f"`{stmt.target}` is assigned twice")
            defined.add(stmt.target)
        elif isinstance(stmt, Return) and index != len(fn.body) - 1:
            _fail(fn, stmt.line, "`return` is not the last statement")
    if not fn.body or not isinstance(fn.body[-1], Return):
        _fail(fn, fn.first_line, "the body does not end in `return`")


def _atoms(stmt: Assign | Return) -> tuple:
    if isinstance(stmt, Return):
        return stmt.values
    value = stmt.value
    return operands(value) if isinstance(value, Prim) else (value,)


def _fail(fn: Function, line: int, what: str) -> None:
    raise InvariantError(
        f"SSA invariant broken: {what}",
        filename=fn.filename,
        line=line,
        hint="this is a bug in s2s_ad; please report it with the function's source",
    )
