"""Activity analysis: which variables carry a derivative.

A variable is *varied* if it depends on a differentiated input, *useful* if the output
depends on it; only variables that are both (*active*) get tangent or adjoint code. Loops
feed values back to their headers, so both analyses run to a fixed point.

>>> import math
>>> from s2s_ad.ssa.ir import Assign, Const, Function, Prim, Return, Var
>>> body = [Assign("a", Prim(math.sin, (Var("x"),)), 2),
...         Assign("b", Prim(math.cos, (Var("y"),)), 3),
...         Return((Var("a"),), False, 4)]
>>> sorted(active_variables(Function("f", ["x", "y"], body, "f.py", 1), ["x", "y"]))
['a', 'x']
"""

from __future__ import annotations

from .. import runtime
from ..rules.registry import lookup
from ..ssa.ir import Assign, Const, Function, Index, Prim, Return, Var, used_vars, walk
from .integers import integral_names


def active_variables(fn: Function, wrt: list[str]) -> set[str]:
    """Names (parameters and SSA variables) that are both varied and useful."""
    return _varied(fn, wrt) & _useful(fn)


def _varied(fn: Function, wrt: list[str]) -> set[str]:
    varied = set(wrt)
    integral = integral_names(fn)  # counters, lengths, shapes: never varied (integers.py)
    assigns = [stmt for stmt in fn.assigns() if stmt.target not in integral]
    while True:
        before = len(varied)
        for stmt in assigns:
            if _carries_derivative(stmt) and any(n in varied for n in derivative_operands(stmt)):
                varied.add(stmt.target)
        if len(varied) == before:
            return varied


def _useful(fn: Function) -> set[str]:
    dead = fn.dead_outputs  # outputs no caller reads a derivative of
    useful = {
        a.name for k, a in enumerate(fn.result.values) if isinstance(a, Var) and k not in dead
    }
    assigns = fn.assigns()[::-1]
    unread = unread_operands(fn)  # items of a result display no caller reads
    while True:
        before = len(useful)
        for stmt in assigns:
            if stmt.target in useful and _carries_derivative(stmt):
                skipped = unread.get(id(stmt))
                useful.update(n for n in derivative_operands(stmt) if n != skipped)
        if len(useful) == before:
            return useful


def derivative_operands(stmt: Assign) -> set[str]:
    """The variables a derivative can flow from: all the statement reads, except the
    operands a rule only takes shapes or positions from (its selectors)."""
    names = used_vars(stmt.value)
    rule = lookup(stmt.value.fn) if isinstance(stmt.value, Prim) else None
    if rule is None or not rule.selectors:
        return names
    site = rule.bind(stmt.value)
    if site is None:
        return names
    chosen = [*site.params.values()]
    chosen += [a for k, a in site.keywords.items() if k not in rule.selectors]
    return {a.name for a in chosen if isinstance(a, Var)}


def _carries_derivative(stmt: Assign) -> bool:
    """False for primitives whose output is a constant as far as derivatives go."""
    if not isinstance(stmt.value, Prim):
        return True
    rule = lookup(stmt.value.fn)
    return rule is None or not rule.nondiff


def unread_operands(fn: Function) -> dict[int, str]:
    """id(statement) → the item it puts in the result that no caller reads, for a result
    made as a display (`[a, b]`, `{"a": a, "b": b}`: `[]` or `{}` and one `rt.append` or
    `rt.setitem` per item, each version read by the next alone): that item is not useful
    through that statement (activity.py)."""
    if fn.reads is None or fn.result.is_tuple or not isinstance(fn.result.values[0], Var):
        return {}
    defined = {s.target: s for s in fn.body if isinstance(s, Assign)}
    readers: dict[str, int] = {}
    for stmt in walk(fn.body):
        for name in _read_names(stmt):
            readers[name] = readers.get(name, 0) + 1
    chain = []  # the display's statements, last first
    name = fn.result.values[0].name
    while name in defined:
        stmt = defined[name]
        value = stmt.value
        if not isinstance(value, Prim) or value.fn not in (runtime.append, runtime.setitem):
            break
        container = value.args[0]
        if not isinstance(container, Var) or readers.get(container.name) != 1:
            break
        chain.append(stmt)
        name = container.name
    start = defined.get(name)
    made = start.value if start is not None and isinstance(start.value, Prim) else None
    adds = {runtime.make_list: runtime.append, runtime.make_dict: runtime.setitem}
    if made is None or made.args or any(s.value.fn is not adds.get(made.fn) for s in chain):
        return {}  # not a display: `[]` then appends, or `{}` then items set
    count, unread = len(chain), {}
    for position, stmt in enumerate(reversed(chain)):
        args = stmt.value.args
        if made.fn is runtime.make_list:
            keys = {k % count for k in fn.reads if type(k) is int and -count <= k < count}
            read = position in keys or any(type(k) is not int for k in fn.reads)
        else:  # `rt.setitem(d, value, key)`
            key = literal_key(args[2]) if len(args) == 3 else None
            read = key is None or key in fn.reads
        if not read and isinstance(args[1], Var) and args[1] != args[0]:
            unread[id(stmt)] = args[1].name
    return unread


def _read_names(stmt: object) -> list[str]:
    """The variables a statement reads itself (not its nested blocks')."""
    if isinstance(stmt, Assign):
        return used_vars(stmt.value)
    if isinstance(stmt, Return):
        return [a.name for a in stmt.values if isinstance(a, Var)]
    atoms = [getattr(stmt, field, None) for field in ("test", "iterable", "context")]
    names = [a.name for a in atoms if isinstance(a, Var)]
    names += [a for a in atoms if isinstance(a, str)]  # a `while` loop's test
    names += used_vars(atoms[1]) if isinstance(atoms[1], Prim) else []
    return names + list(getattr(stmt, "reads", ()))


def literal_key(operand: object) -> int | str | None:
    """k of an index `[k]` (or the operand `k`) that is an integer or string literal."""
    if isinstance(operand, Index):
        if len(operand.items) != 1 or operand.is_tuple:
            return None
        operand = operand.items[0]
    if isinstance(operand, Const) and type(operand.value) in (int, str):
        return operand.value
    return None
