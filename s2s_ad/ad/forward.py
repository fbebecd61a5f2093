"""The tangent transform (forward mode): each active statement is followed by its tangent.

Before: a verified SSA function and the parameters to differentiate. After: a Python
`FunctionDef` `f_jvp(params..., x_dot...)` returning `(value, tangent)`.

>>> import math
>>> from s2s_ad.ssa.ir import Assign, Function, Prim, Return, Var
>>> from s2s_ad.codegen.emit import to_source
>>> body = [Assign("z", Prim(math.sin, (Var("x"),), spelled="math.sin"), 2),
...         Return((Var("z"),), False, 3)]
>>> fn = Function("f", ["x"], body, "f.py", 1, taken_names={"f", "x", "z"})
>>> print(to_source(tangent_function(fn, ["x"], Aliases("np", "math", "rt"))).strip())
def f_jvp(x, x_dot):
    z = math.sin(x)
    z_dot = x_dot * math.cos(x)
    return (z, z_dot)
"""

from __future__ import annotations

import ast

from ..codegen import build
from ..naming import Namer
from ..ssa.ir import Assign, Function, Var
from ..ssa.render import render_stmt
from .activity import active_variables
from .templates import Aliases, contribution, differentiable_operands, rule_for


def tangent_function(fn: Function, wrt: list[str], aliases: Aliases) -> ast.FunctionDef:
    """`f_jvp(*params, *tangents)`: the primal interleaved with the tangent of each active line."""
    namer = Namer(fn.taken_names | set(vars(aliases).values()))
    active = active_variables(fn, wrt)
    dots = {p: namer.fresh(f"{p}_dot") for p in wrt}
    body: list[ast.stmt] = []
    for stmt in fn.assigns():
        body.append(render_stmt(stmt))
        if stmt.target in active:
            tangent = _tangent(fn, stmt, active, dots, aliases)
            if isinstance(tangent, ast.Name):  # the same tangent: no copy
                dots[stmt.target] = tangent.id
                continue
            dots[stmt.target] = namer.fresh(f"{stmt.target}_dot")
            body.append(build.assign(dots[stmt.target], tangent))
    result = fn.result
    values = [build.atom(a) for a in result.values]
    tangents = [_dot_or_none(a, dots) for a in result.values]
    body.append(
        build.returns(
            [build.tuple_of(values), build.tuple_of(tangents)]
            if result.is_tuple
            else [values[0], tangents[0]],
            as_tuple=True,
        )
    )
    name = namer.fresh(f"{fn.name}_jvp")
    return build.function(name, fn.params + [dots[p] for p in wrt], body)


def _tangent(
    fn: Function, stmt: Assign, active: set[str], dots: dict[str, str], aliases: Aliases
) -> ast.expr:
    """The sum of the contributions of the statement's active operands."""
    terms = []
    for index, var in differentiable_operands(fn, stmt, active):
        if not isinstance(stmt.value, Var):
            rule, site = rule_for(fn, stmt)
            terms.append(
                contribution(
                    rule,
                    site,
                    stmt.value,
                    index,
                    dots[var.name],
                    stmt.target,
                    aliases,
                    reverse=False,
                )
            )
        else:
            terms.append(build.name(dots[var.name]))
    total = terms[0]
    for term in terms[1:]:
        total = build.add(total, term)
    return total


def _dot_or_none(atom, dots: dict[str, str]) -> ast.expr:
    if isinstance(atom, Var) and atom.name in dots:
        return build.name(dots[atom.name])
    return build.constant(None)
