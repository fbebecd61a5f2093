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
    """{variable: the line its derivative is blamed on} for each value whose derivative is
    needed only for copies of shared values (`Assign.shared`; `active`: the variables that
    carry a derivative): the line of the first such copy reading it. Through the values
    computed from it too: with `s = np.sum(t)` shared by a later line's copy, `t`'s
    derivative is needed only for `s`'s, so for that line (common-subexpression elimination
    reads a copy's holder for it: `np.sum(t)` at both lines is `s` once)."""
    body = walk(fn.body)
    if not any(isinstance(s, Assign) and s.shared for s in body):
        return {}
    readers: dict[str, list[Assign | None]] = {}  # value → its readers carrying a derivative
    for stmt in body:
        if isinstance(stmt, Assign) and stmt.target in active:
            for name in used_vars(stmt.value):
                readers.setdefault(name, []).append(stmt)
        elif isinstance(stmt, Return):
            for value in stmt.values:
                if isinstance(value, Var):
                    readers.setdefault(value.name, []).append(None)  # (its own line)
    # the values in reverse order of their assignments, so that a value's readers are
    # decided before it: one round decides a chain (again only around loops' back edges)
    order = {s.target: k for k, s in enumerate(body) if isinstance(s, Assign)}
    names = sorted(readers, key=lambda name: order.get(name, -1), reverse=True)
    blamed: dict[str, int] = {}
    changed = True
    while changed:  # a value blamed makes the values it reads blamed: to a fixed point
        changed = False
        for name in names:
            if name not in blamed and (line := _blamed_on(readers[name], blamed)) is not None:
                blamed[name] = line
                changed = True
    return blamed


def _blamed_on(readers: list[Assign | None], blamed: dict[str, int]) -> int | None:
    """The line of the first reader where every reader is a shared value's copy or computes
    a value blamed on another line; None where one needs the derivative on its own line."""
    lines = []
    for stmt in readers:
        if stmt is None:
            return None
        if stmt.shared:
            lines.append(stmt.line)
        elif stmt.target in blamed:
            lines.append(blamed[stmt.target])
        else:
            return None
    return lines[0] if lines else None
