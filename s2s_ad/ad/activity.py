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

from ..rules.registry import lookup
from ..ssa.ir import Assign, Function, Prim, Var, used_vars
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
            if _carries_derivative(stmt) and any(n in varied for n in _operands(stmt)):
                varied.add(stmt.target)
        if len(varied) == before:
            return varied


def _useful(fn: Function) -> set[str]:
    useful = {a.name for a in fn.result.values if isinstance(a, Var)}
    assigns = fn.assigns()[::-1]
    while True:
        before = len(useful)
        for stmt in assigns:
            if stmt.target in useful and _carries_derivative(stmt):
                useful.update(_operands(stmt))
        if len(useful) == before:
            return useful


def _operands(stmt: Assign) -> set[str]:
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
