"""The user's line a derivative is blamed on where one computation stands for several lines.

Common-subexpression elimination (ssa/cse.py) computes `math.sqrt(x)` once for

    if math.sqrt(x) < 1.0:      # P: only compared, no derivative flows through it here
        ...
    y = s * math.sqrt(x)        # E: a copy of P's value, differentiated

The derivative of the shared statement is needed because of line E, so an error in it (the
square root's derivative at 0) names E, not P. Where the value's own uses carry a derivative,
its own line is the one to name, as for any statement.
"""

from __future__ import annotations

from ..ssa.ir import Assign, Function, Return, Var, used_vars, walk


def derivative_lines(fn: Function, active: set[str]) -> dict[str, int]:
    """{variable: the line its derivative is blamed on} for each value shared by copies
    (`Assign.shared`) none of whose own uses carries a derivative (`active`: the variables
    that do): the line of the first of its copies that carries one."""
    body = walk(fn.body)
    copies: dict[str, int] = {}  # value → the line of its first differentiated copy
    for stmt in body:
        if isinstance(stmt, Assign) and stmt.shared and stmt.target in active:
            copies.setdefault(stmt.value.name, stmt.line)
    if not copies:
        return {}
    differentiated: set[str] = set()  # the values read by a statement carrying a derivative
    for stmt in body:
        if isinstance(stmt, Assign) and not stmt.shared and stmt.target in active:
            differentiated.update(used_vars(stmt.value))
        elif isinstance(stmt, Return):
            differentiated.update(v.name for v in stmt.values if isinstance(v, Var))
    return {name: line for name, line in copies.items() if name not in differentiated}
