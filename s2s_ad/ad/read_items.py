"""Which items of a helper's result carry a derivative back to its caller.

`a, _ = helper(x)` reads no derivative of the helper's second output. Its derivative
code is made for the items its callers read (`Callees.get`'s `reads`, part of the cache
key), and the others are not differentiated in it: where an unread item's partial is
infinite (`math.sqrt(x)` at 0), a zero cotangent times it would make nan of a finite
derivative. This is what JAX's symbolic zero cotangents and autograd's skipped
None cotangents give.

The display's unread items are left out of the helper's activity (activity.py's
`unread_operands`).

Items are read by literal keys: positions of a tuple (`return a, b`), of a list display
(`[a, b]`) and keys of a dict display (`{"loss": l, "aux": a}`), or, through a helper
returning another helper's result (`return helper(x)`), that result's.
"""

from __future__ import annotations

import operator

from ..ssa.ir import Assign, For, Function, Prim, Return, Var, With, used_vars, walk
from .activity import derivative_operands, literal_key


def read_items(fn: Function, targets: set[str], active: set[str]) -> dict[str, frozenset | None]:
    """For each of `targets` (results of calls of user functions in `fn`), the literal keys
    `t[k]` of its items that carry a derivative in `fn`, or None where a statement carrying
    one reads it whole (passes it on, iterates it, returns it)."""
    reads: dict[str, frozenset | None] = dict.fromkeys(targets, frozenset())
    if not targets:
        return reads
    result = fn.result
    for stmt in walk(fn.body):
        if isinstance(stmt, Assign):
            if stmt.target not in active:
                continue  # carries no derivative: none of what it reads is needed
            item = _literal_item(stmt.value)
            if item is not None and reads.get(item[0]) is not None:
                reads[item[0]] = reads[item[0]] | {item[1]}
                continue
            names = derivative_operands(stmt)  # (not `like` of `rt.getitem_vjp(d, like, k)`)
        elif isinstance(stmt, Return):
            if stmt is result and not stmt.is_tuple and isinstance(stmt.values[0], Var):
                name = stmt.values[0].name  # `return helper(x)`: this call's callers' reads
                if name in reads and fn.reads is not None and reads[name] is not None:
                    reads[name] = reads[name] | fn.reads
                    continue
            dead = fn.dead_outputs if stmt is result else ()
            values = [a for k, a in enumerate(stmt.values) if k not in dead]
            names = [a.name for a in values if isinstance(a, Var)]
        elif isinstance(stmt, For):
            names = used_vars(stmt.iterable) if isinstance(stmt.iterable, Prim) else []
            names += [stmt.iterable.name] if isinstance(stmt.iterable, Var) else []
        elif isinstance(stmt, With):
            names = [stmt.context.name] if isinstance(stmt.context, Var) else []
        else:  # tests and effects: no derivative flows through them
            continue
        for name in names:
            if name in reads:
                reads[name] = None
    return reads


def _literal_item(value: object) -> tuple[str, int | str] | None:
    """(t, k) of `t[k]` with an integer or string literal k."""
    if not (isinstance(value, Prim) and value.fn is operator.getitem):
        return None
    base, index = value.args
    key = literal_key(index)
    return (base.name, key) if isinstance(base, Var) and key is not None else None


def dead_outputs(result: Return, reads: frozenset | None) -> frozenset[int]:
    """The positions of a tuple result `return a, b` whose derivatives a caller reading
    its items `reads` (`read_items`) never reads: none for any other result."""
    count = len(result.values)
    if reads is None or not result.is_tuple:
        return frozenset()
    if any(type(k) is not int or not -count <= k < count for k in reads):
        return frozenset()  # (an index out of range: the plain call's IndexError decides)
    return frozenset(range(count)) - {k % count for k in reads}
