"""The reverse sweep of a `with` block (`ssa/context_managers.py`).

Its forward sweep runs inside the context; the adjoint of its body runs in the pullback,
after the context exited: inside `rt.reentered(cm)`, the same context manager entered again
where that is possible (`np.errstate`), nothing otherwise. Statements kept for their effect
(`ssa/effects.py`) have no adjoint: the reverse sweep skips them.

    with _t1:                       # forward sweep
        y = np.log(x)
    ...
    with rt.reentered(_t1):         # reverse sweep
        x_bar = y_bar / x
"""

from __future__ import annotations

import ast

from ..codegen import build
from ..naming import Aliases
from ..ssa.ir import With


def with_adjoint(stmt: With, adjoint: list[ast.stmt], aliases: Aliases) -> list[ast.stmt]:
    """The adjoint code of `stmt`'s body, inside its context entered again (none: none)."""
    if not any(not isinstance(s, ast.Expr) or not _is_comment(s) for s in adjoint):
        return adjoint
    context = ast.Call(
        func=build.parse_expr(f"{aliases.rt}.reentered"),
        args=[build.atom(stmt.context)],
        keywords=[],
    )
    return [build.with_(context, adjoint)]


def _is_comment(stmt: ast.Expr) -> bool:
    value = stmt.value
    return isinstance(value, ast.Constant) and isinstance(value.value, str)
