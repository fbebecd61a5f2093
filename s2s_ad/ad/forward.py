"""The tangent transform (forward mode): each active statement is followed by its tangent.

Before: a verified SSA function and the parameters to differentiate. After: a Python
`FunctionDef` `f_jvp(params..., x_dot...)` returning `(value, tangent)`, with the user's
branches and loops kept as they are. A variable assigned in several places (a join or a loop
header) keeps one tangent name; where its tangent is zero on some path, the zero is made.
Every tangent has its primal's shape: where a passive operand broadcast an elementwise
result (`data - mu` with `mu` a float), the tangent is broadcast too (`result_shaped`).

>>> import math
>>> from s2s_ad.ssa.ir import Assign, Function, Prim, Return, Var
>>> from s2s_ad.codegen.emit import to_source
>>> from s2s_ad.naming import Namer
>>> body = [Assign("z", Prim(math.sin, (Var("x"),), spelled="math.sin"), 2),
...         Return((Var("z"),), False, 3)]
>>> fn = Function("f", ["x"], body, "f.py", 1, taken_names={"f", "x", "z"})
>>> callees = Callees(Namer(fn.taken_names | {"np", "math", "rt"}), None)
>>> print(to_source(tangent_function(fn, ["x"], Aliases("np", "math", "rt"), callees)).strip())
def f_jvp(x, x_dot):
    z = math.sin(x)
    z_dot = x_dot * math.cos(x)
    return (z, z_dot)
"""

from __future__ import annotations

import ast
from collections import Counter

from ..codegen import build
from ..naming import Aliases
from ..ssa.effects import calls_effect
from ..ssa.ir import Assign, Effect, For, Function, If, Prim, Return, Stmt, Var, While, With, walk
from ..ssa.render import iterable, render_stmt
from .activity import activity, analysed_assignments, display_reads
from .calls import Callees, bound_operands, call_structures, is_user_call
from .deferred import deferred_statements
from .derivative_lines import derivative_lines
from .read_items import items_read
from .stored_derivatives import refuse_stored_derivatives
from .templates import contributions, result_shaped, zeros_like
from .updated_arguments import refuse_module_objects_updated, refuse_updated_derivatives


class _Tangents:
    def __init__(
        self,
        fn: Function,
        wrt: list[str],
        aliases: Aliases,
        callees: Callees,
        zeros: bool,
        vector: bool,
        rows: bool = False,
    ) -> None:
        self.fn = fn
        self.vector = vector
        self.rows = rows
        self.aliases = aliases
        self.callees = callees
        self.zeros_for_none = zeros
        self.namer = callees.namer  # one namer for all names the generated code makes
        found = analysed_assignments(fn)  # (read by both: found once)
        self.active, self.demand = activity(fn, wrt, found)
        refuse_updated_derivatives(fn, self.active)
        refuse_module_objects_updated(fn, self.active)
        refuse_stored_derivatives(fn, wrt)
        self.blamed = derivative_lines(fn, self.active)  # shared values' lines
        # assignments whose tangents are made at the start of the branch alone reading them
        # (a display's item no demanded path reaches gets no tangent: `unread`)
        displays = display_reads(fn, self.demand, found)
        self.unread = {k: unread for k, (_, unread) in displays.items() if unread}
        self.deferred = deferred_statements(
            fn, self.active, lambda: displays, lambda s: is_user_call(s.value)
        )
        self.moved = {id(s) for moved in self.deferred.values() for s in moved}
        self.dots = {p: self.namer.fresh(f"{p}_dot") for p in wrt}
        counts = Counter(s.target for s in walk(fn.body) if isinstance(s, Assign))
        self.assigned_often = {name for name, n in counts.items() if n > 1}
        self.reassigned: set[str] = set()  # tangent names that change (joins, loop headers)

    def block(self, block: list) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in self.deferred.get(id(block), ()):  # (deferred.py)
            start = len(out)
            self.tangents(stmt, out)
            build.stamped(out[start:], stmt.line)
        for stmt in block:
            start = len(out)
            self.statement(stmt, out)
            build.stamped(out[start:], stmt.line)
        return out

    def statement(self, stmt: Stmt, out: list[ast.stmt]) -> None:
        """Append the code of `stmt` and its tangent to `out`."""
        if isinstance(stmt, Assign):
            if stmt.target in self.active and is_user_call(stmt.value):
                out.append(self.call(stmt))
                return
            out.append(render_stmt(stmt))
            if stmt.target in self.active:
                build.stamped(out[-1:], self.blamed.get(stmt.target), build.DERIVATIVE_LINE)
                if id(stmt) not in self.moved:  # else at the start of its branch
                    self.tangents(stmt, out)
        elif isinstance(stmt, If):
            test = build.atom(stmt.test)
            out.append(build.if_(test, self.block(stmt.body), self.block(stmt.orelse)))
        elif isinstance(stmt, For):
            out.append(build.for_(stmt.target, iterable(stmt), self.block(stmt.body)))
        elif isinstance(stmt, While):
            out.append(build.while_(build.name(stmt.test), self.block(stmt.body)))
        elif isinstance(stmt, Return):
            out.append(self.returns(stmt))
        elif isinstance(stmt, Effect):  # once, where it stands; no tangent
            out.append(render_stmt(stmt))
        elif isinstance(stmt, With):  # the body and its tangents inside the context
            body = self.block(stmt.body)
            out.append(build.with_(build.atom(stmt.context), body, stmt.target))

    def tangents(self, stmt: Assign, out: list[ast.stmt]) -> None:
        """Append the tangent code of the active assignment `stmt` to `out`."""
        line = self.blamed.get(stmt.target)
        tangents = self.assign(stmt)
        build.stamped(tangents, build.DerivativeLine(line or stmt.line))
        out.extend(tangents)

    def assign(self, stmt: Assign) -> list[ast.stmt]:
        tangent = self.tangent(stmt)
        stable = isinstance(tangent, ast.Name) and tangent.id not in self.reassigned
        if stable and stmt.target not in self.assigned_often:
            self.dots[stmt.target] = tangent.id  # the same tangent: no copy
            return []
        self.name_dot(stmt.target)
        if tangent is None:  # zero on this path, not on another
            tangent = self.zero(Var(stmt.target))
        return [build.assign(self.dots[stmt.target], tangent)]

    def zero(self, atom) -> ast.expr:
        """A zero tangent for `atom`; in vector mode, one per direction of the first seed."""
        if not self.vector:
            return zeros_like(atom, self.aliases)
        seed = build.name(next(iter(self.dots.values())))
        zeros = build.parse_expr(f"{self.aliases.rt}.directions_zeros")
        return ast.Call(func=zeros, args=[build.atom(atom), seed], keywords=[])

    def name_dot(self, target: str) -> str:
        if target not in self.dots:
            self.dots[target] = self.namer.fresh(f"{target}_dot")
            if target in self.assigned_often:
                self.reassigned.add(self.dots[target])
        return self.dots[target]

    def call(self, stmt: Assign) -> ast.stmt:
        """`y, y_dot = helper_jvp(x, …, x_dot, …)`: the callee's own tangent code."""
        operands = bound_operands(self.fn, stmt, self.callees.refer)
        active = [(n, a) for n, a in operands if isinstance(a, Var) and a.name in self.active]
        mode = "vector" if self.vector else "forward"
        stars = call_structures(self.fn, stmt, operands)  # `*args`' arity, static leaves
        wrt, reads = tuple(n for n, _ in active), items_read(self.demand, stmt.target)
        name, _ = self.callees.get(
            stmt.value.fn, mode, wrt, stars, reads, (self.fn.filename, stmt.line)
        )
        args = [build.atom(a) for _, a in operands] + [
            build.name(self.dots[a.name]) for _, a in active
        ]
        call = build.assign([stmt.target, self.name_dot(stmt.target)], build.call_named(name, args))
        return build.kept_for_effect(call, calls_effect(stmt.value))

    def tangent(self, stmt: Assign) -> ast.expr | None:
        """The sum of the contributions of the statement's active operands (None: zero)."""
        unread = self.unread.get(id(stmt))
        terms = contributions(
            self.fn,
            stmt,
            self.active - unread if unread else self.active,
            lambda v: self.dots[v.name],
            self.aliases,
            reverse=False,
            refer=self.callees.refer,
            vector=self.vector,
        )
        total = None
        for _, term in terms:
            total = term if total is None else build.add(total, term)
        if total is None or not isinstance(stmt.value, Prim):
            return total
        return result_shaped(self.fn, stmt, self.active, total, self.aliases, self.vector)

    def returns(self, stmt: Return) -> ast.stmt:
        values = [build.atom(a) for a in stmt.values]
        tangents = [  # the caller reads no tangent of a dead output (read_items.py)
            build.constant(None) if k in self.fn.dead_outputs else self.output_tangent(a)
            for k, a in enumerate(stmt.values)
        ]
        if self.rows:  # (the value, the gradients' tangents) of `(value, gradients)`: the
            # gradients at the zero cotangent are unread, and what only they need is dead
            return build.returns([values[0], tangents[1]], as_tuple=True)
        if stmt.is_tuple:
            return build.returns([build.tuple_of(values), build.tuple_of(tangents)], as_tuple=True)
        return build.returns([values[0], tangents[0]], as_tuple=True)

    def output_tangent(self, atom) -> ast.expr:
        if isinstance(atom, Var) and atom.name in self.dots:
            return build.name(self.dots[atom.name])
        if self.zeros_for_none:  # called from generated code, which wants a value
            return self.zero(atom)
        return build.constant(None)  # a symbolic zero, made concrete by the API


def tangent_function(
    fn: Function,
    wrt: list[str],
    aliases: Aliases,
    callees: Callees,
    *,
    zeros_for_none=False,
    vector=False,
    rows=False,
) -> ast.FunctionDef:
    """`f_jvp(*params, *tangents)`: the primal interleaved with the tangent of each active line.

    With `vector`, every tangent has a leading axis of directions (`x_dot[k]` is the k-th
    direction), so one pass computes as many Jacobian-vector products as there are seeds.
    `rows`, for flat value-and-gradient code `f_value_and_grad(*params, out_bar)` returning
    `(value, gradients)`, differentiated in `out_bar` (jacrev's rows, vector_reverse.py): it
    returns `(value, the gradients' tangents)`, not the gradients themselves."""
    tangents = _Tangents(fn, wrt, aliases, callees, zeros_for_none, vector, rows)
    params, prologue = _tangent_params(tangents, wrt)
    body = prologue + tangents.block(fn.body)
    return build.function(tangents.namer.fresh(f"{fn.name}_jvp"), fn.params + params, body)


def _tangent_params(tangents: _Tangents, wrt: list[str]) -> tuple[list[str], list[ast.stmt]]:
    """(one tangent parameter per item of `wrt`, the statements joining them): a parameter
    named twice (`grad(f, wrt=(0, 0), mode="forward")`) gets a tangent per item, and moves
    by their sum, `x_dot = x_dot_1 + x_dot_2`, as each item's seed moves it alone."""
    own: dict[str, list[str]] = {}  # each parameter's tangent parameters
    prologue = []
    for p in dict.fromkeys(wrt):
        count = wrt.count(p)
        if count == 1:
            own[p] = [tangents.dots[p]]
            continue
        own[p] = [tangents.namer.fresh(f"{p}_dot") for _ in range(count)]
        total = build.name(own[p][0])
        for part in own[p][1:]:
            total = build.add(total, build.name(part))
        prologue.append(build.assign(tangents.dots[p], total))
    return [own[p].pop(0) for p in wrt], prologue
