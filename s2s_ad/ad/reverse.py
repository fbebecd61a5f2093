"""The adjoint transform (reverse mode): a forward sweep, then a pullback that runs it backwards.

Before: a verified SSA function and the parameters to differentiate. After: a Python
`FunctionDef` `f_vjp(params...)` that runs the primal (the forward sweep) and returns
`(value, pullback)`; `pullback(out_bar)` walks the active statements in reverse, each under
its primal line as a comment, and returns the adjoints of the parameters.

The first contribution to an adjoint assigns it, later ones add to it (no zeros are made);
an adjoint no statement reaches is `None`, a symbolic zero.

>>> import math
>>> from s2s_ad.ssa.ir import Assign, Function, Prim, Return, Var
>>> from s2s_ad.codegen.emit import to_source
>>> body = [Assign("z", Prim(math.sin, (Var("x"),), spelled="math.sin"), 2),
...         Return((Var("z"),), False, 3)]
>>> fn = Function("f", ["x"], body, "f.py", 1, taken_names={"f", "x", "z"})
>>> print(to_source(adjoint_function(fn, ["x"], Aliases("np", "math", "rt"))).strip())
def f_vjp(x):
    # forward sweep
    z = math.sin(x)
<BLANKLINE>
    def pullback(z_bar):
        # reverse sweep
        # z = math.sin(x)
        x_bar = z_bar * math.cos(x)
        return x_bar
    return (z, pullback)
"""

from __future__ import annotations

import ast

from ..codegen import build
from ..naming import Namer
from ..ssa.ir import Assign, Function, Var
from ..ssa.render import render_line, render_stmt
from .activity import active_variables
from .templates import Aliases, contribution, differentiable_operands, rule_for


class _Adjoints:
    """Adjoint names and the statements that accumulate into them.

    A first contribution that is a bare name is not copied: the adjoint is an alias of it
    (`_t1_bar` is `z_bar` for `z = _t1 + c`). Adding to an alias first gives the variable a
    name of its own, so two aliases of one adjoint never update each other.
    """

    def __init__(self, namer: Namer) -> None:
        self.namer = namer
        self.names: dict[str, str] = {}
        self.owned: set[str] = set()
        self.body: list[ast.stmt] = []

    def seed(self, var: str, param: str) -> None:
        self.names[var] = param
        self.owned.add(var)

    def add(self, var: str, value: ast.expr) -> None:
        """`v_bar = value` for the first contribution, `v_bar = v_bar + value` after it."""
        if var not in self.names and isinstance(value, ast.Name):
            self.names[var] = value.id
            return
        if var in self.names:
            value = build.add(build.name(self.names[var]), value)
        if var not in self.owned:
            self.names[var] = self.namer.fresh(f"{var}_bar")
            self.owned.add(var)
        self.body.append(build.assign(self.names[var], value))


def adjoint_function(fn: Function, wrt: list[str], aliases: Aliases) -> ast.FunctionDef:
    """`f_vjp(*params) -> (value, pullback)`, the pullback returning the adjoints of `wrt`."""
    namer = Namer(fn.taken_names | set(vars(aliases).values()))
    active = active_variables(fn, wrt)
    adjoints = _Adjoints(namer)
    seeds = _seed_outputs(fn, active, adjoints)
    adjoints.body.insert(0, build.comment("reverse sweep"))
    for stmt in reversed(fn.assigns()):
        if stmt.target in active:
            adjoints.body.append(build.comment(render_line(stmt)))
            _pull_back(fn, stmt, active, adjoints, aliases)
    grads = [
        build.name(adjoints.names[p]) if p in adjoints.names else build.constant(None) for p in wrt
    ]
    adjoints.body.append(build.returns(grads, as_tuple=len(grads) > 1))
    pullback = build.function(namer.fresh("pullback"), seeds, adjoints.body)

    forward = [build.comment("forward sweep")] + [render_stmt(s) for s in fn.assigns()]
    result = fn.result
    values = [build.atom(a) for a in result.values]
    value = build.tuple_of(values) if result.is_tuple else values[0]
    ret = build.returns([value, build.name(pullback.name)], as_tuple=True)
    return build.function(namer.fresh(f"{fn.name}_vjp"), fn.params, [*forward, pullback, ret])


def _seed_outputs(fn: Function, active: set[str], adjoints: _Adjoints) -> list[str]:
    """One pullback parameter per output; an output returned twice sums its cotangents."""
    params = []
    for index, atom in enumerate(fn.result.values):
        if isinstance(atom, Var) and atom.name in active and atom.name not in adjoints.names:
            adjoints.seed(atom.name, adjoints.namer.fresh(f"{atom.name}_bar"))
            params.append(adjoints.names[atom.name])
            continue
        name = adjoints.namer.fresh(
            f"{atom.name}_bar" if isinstance(atom, Var) else f"out{index}_bar"
        )
        params.append(name)
        if isinstance(atom, Var) and atom.name in active:
            adjoints.add(atom.name, build.name(name))
    return params


def _pull_back(
    fn: Function, stmt: Assign, active: set[str], adjoints: _Adjoints, aliases: Aliases
) -> None:
    incoming = adjoints.names[stmt.target]
    for index, var in differentiable_operands(fn, stmt, active):
        if isinstance(stmt.value, Var):
            adjoints.add(var.name, build.name(incoming))
            continue
        rule, site = rule_for(fn, stmt)
        adjoints.add(
            var.name,
            contribution(
                rule, site, stmt.value, index, incoming, stmt.target, aliases, reverse=True
            ),
        )
