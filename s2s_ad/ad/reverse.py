"""The adjoint transform (reverse mode): a forward sweep, then a pullback that runs it backwards.

Before: a verified SSA function and the parameters to differentiate. After: a Python
`FunctionDef` `f_vjp(params...)` that runs the primal (the forward sweep) and returns
`(value, pullback)`; `pullback(out_bar)` walks the active statements in reverse, each under
its primal line as a comment, and returns the adjoints of the parameters (None: zero).

Branches are replayed by their own test. A loop appends, once per iteration, the values its
adjoint reads and the loop overwrites to a list of its own (`_tape1`); the pullback iterates
that list backwards. Values the adjoint never reads are not saved, and loop invariants are
read where they stand. A `for i in range(…)` loop takes its counter from the range again,
backwards, never from the tape: `for i, (a, b) in zip(reversed(range(…)), reversed(_tape1))`;
one whose adjoint reads nothing else the loop overwrites has no tape at all: the pullback
runs `for i in reversed(range(…))`, and the forward loop, when nothing else reads its
values, is removed with the dead code (simplify/).

A call of a user function calls its derivative: `y, y_pullback = helper_vjp(x)`, then
`x_bar = y_pullback(y_bar)`. The flat gradient code (`gradient_function`), which is
differentiated again, has no closures: `y = helper(x)`, then `x_bar = helper_grad(x, y_bar)`,
the helper's own flat gradient code.

>>> import math
>>> from s2s_ad.ssa.ir import Assign, Function, Prim, Return, Var
>>> from s2s_ad.codegen.emit import to_source
>>> from s2s_ad.naming import Namer
>>> body = [Assign("z", Prim(math.sin, (Var("x"),), spelled="math.sin"), 2),
...         Return((Var("z"),), False, 3)]
>>> fn = Function("f", ["x"], body, "f.py", 1, taken_names={"f", "x", "z"})
>>> callees = Callees(Namer(fn.taken_names | {"np", "math", "rt"}), None)
>>> print(to_source(adjoint_function(fn, ["x"], Aliases("np", "math", "rt"), callees)).strip())
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
import operator
import re
from ast import For as ForNode
from ast import If as IfNode
from ast import While as WhileNode
from ast import With as WithNode
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .. import runtime
from ..codegen import build
from ..codegen.primal_lines import pulling_back
from ..naming import Aliases
from ..simplify.names import loads, stores
from ..ssa.effects import calls_effect
from ..ssa.ir import (
    BINARY_OPERATORS,
    CALL,
    UNARY_OPERATORS,
    Assign,
    Const,
    Effect,
    For,
    Function,
    If,
    Prim,
    Stmt,
    Var,
    While,
    With,
    used_vars,
    walk,
)
from ..ssa.render import iterable, render_header, render_line, render_stmt
from .activity import activity, analysed_assignments, display_reads
from .adjoints import Adjoints, item_key, primal
from .calls import Callees, bound_operands, call_structures, is_user_call
from .deferred import deferred_statements
from .derivative_lines import derivative_lines
from .effects import refuse_effects_in_rerun, with_adjoint
from .masks import mask_code, masked_statements
from .read_items import items_read
from .stored_derivatives import refuse_stored_derivatives
from .templates import contributions, zeros_like
from .updated_arguments import refuse_module_objects_updated, refuse_updated_derivatives


def adjoint_function(
    fn: Function,
    wrt: list[str],
    aliases: Aliases,
    callees: Callees,
    *,
    zeros_for_none: bool = False,
    structures: dict[str, tuple[str, tuple]] | None = None,
    flat: bool = False,
) -> ast.FunctionDef:
    """`f_vjp(*params) -> (value, pullback)`, the pullback returning the adjoints of `wrt`.

    `flat`: a call of a helper runs the helper itself in the forward sweep and the helper's
    own flat gradient code in the reverse sweep (`gradient_function`), never a closure.

    `structures`: parameters that are tuples, lists or dicts (at any nesting), as ("tuple",
    "list" or "dict", indices or keys). An item read by a literal index (`w, b = params`)
    has an adjoint of its own; any other use (`for W, b in params`, `params[1:]`, passing
    it on) adds to the parameter's whole adjoint (`rt.Derivatives`, `rt.DerivativeDict`),
    as for a local list; the pullback returns both added, item by item.
    """
    reverse = _Reverse(fn, aliases, callees, zeros_for_none, structures or {}, flat)
    return reverse.function(wrt)


def gradient_function(
    fn: Function,
    wrt: list[str],
    aliases: Aliases,
    callees: Callees,
    defaults: tuple = (),
    *,
    with_value: bool = False,
    with_calls: bool = False,
    unit_seed: bool = False,
    seed_dtype: np.dtype | None = None,
):
    """`f_grad(*params, out_bar=1.0)`: the forward sweep then the reverse sweep in one flat
    function returning the adjoints of `wrt` — code that can itself be differentiated (its
    tangent gives Hessian-vector products). `defaults`: the literal defaults of the last
    parameters. `with_value`: `f_value_and_grad` returning `(value, adjoints)`.

    A call of a helper `y = helper(x, w)` stays the plain call in the forward sweep; the
    reverse sweep calls the helper's own flat gradient code, `x_bar = helper_grad(x, w,
    y_bar)`, itself plain Python the transforms can differentiate again as a callee. That
    runs the helper's forward sweep a second time (the price of code with no closures).
    `with_calls`: calls keep their pullback closures instead (`grad`'s code: not
    differentiated again, and no helper runs twice).

    `unit_seed` (`grad`'s code): the cotangent is the literal 1.0, not a parameter, so the
    simplification passes fold it (no `np.full_like(y, 1.0)`, no `* 1.0`); `seed_dtype`:
    a float dtype for it instead, `np.float64(1.0)`, where floats of several dtypes meet
    and the weak literal would round as the narrower (ad/seed_dtype.py)."""
    vjp = adjoint_function(fn, wrt, aliases, callees, zeros_for_none=True, flat=not with_calls)
    *forward, pullback, returned = vjp.body
    seeds = [a.arg for a in pullback.args.args]
    body = [*forward, *pullback.body]
    # the seeds' statements open the reverse sweep, under its heading
    start = len(forward) + (1 if pullback.body and build.is_comment(pullback.body[0]) else 0)
    typed = None if seed_dtype is None else f"{aliases.np}.{seed_dtype.name}"  # its type
    if unit_seed:  # each seed is no parameter but the literal 1.0, assigned once as
        # the reverse sweep starts: the first simplification pass reads the literal wherever the
        # seed is read (`unit_seeds._propagate_literals`, from the statements' names, not by
        # a walk of the whole sweep here), and the assignment dies
        one = build.constant(1.0)
        if typed is not None:
            one = build.call_named(typed, [one])
        body[start:start] = [build.assign(s, build.clone(one)) for s in seeds]
        seeds = []
    elif typed is not None:  # the seed a parameter, given as a Python 1.0: made a float of
        # that dtype before it is read
        casts = [build.assign(s, build.call_named(typed, [build.name(s)])) for s in seeds]
        body[start:start] = casts
    if with_value:  # the value the vjp returned, beside the adjoints the pullback returned
        body[-1] = build.returns([returned.value.elts[0], body[-1].value], as_tuple=True)
    suffix = "value_and_grad" if with_value else "grad"
    return build.function(
        callees.namer.fresh(f"{fn.name}_{suffix}"),
        fn.params + seeds,
        body,
        defaults=[build.constant(v) for v in (*defaults, *(1.0 for _ in seeds))],
    )


@dataclass
class _CallSite:
    """An active call of a user function: `y, y_pullback = helper_vjp(x, …)`; in flat code,
    `y = helper(x, …)`, then `x_bar = helper_grad(x, …, y_bar)` in the reverse sweep."""

    function: str
    pullback: str
    operands: list[tuple[str, object]]
    active: list[Var]
    outputs: int  # 0: one value; n: a tuple of n
    dead: frozenset[int]  # the outputs whose cotangents the callee's code takes none of


class _Reverse:
    def __init__(
        self,
        fn: Function,
        aliases: Aliases,
        callees: Callees,
        zeros: bool,
        structures: dict,
        flat: bool = False,
    ) -> None:
        self.fn = fn
        self.flat = flat
        self.kinds = {name: kind for name, (kind, _) in structures.items()}
        self.aliases = aliases
        self.callees = callees
        self.zeros_for_none = zeros
        self.calls: dict[int, _CallSite] = {}
        # values whose items have adjoints of their own: a helper's tuple result, or a
        # tuple, list or dict argument; each maps to its items' indices or keys
        self.items: dict[str, tuple] = {name: keys for name, (_, keys) in structures.items()}
        self.namer = callees.namer  # one namer for all names the generated code makes
        # Python and NumPy scalars: their zero adjoint is `0.0` (what `rt.zeros_like` gives)
        scalars = frozenset(n for n, fact in fn.dtypes.items() if fact[0] in ("weak", "scalar"))
        self.adjoints = Adjoints(self.namer, aliases, scalars)
        self.sites: dict[int, tuple] = {}  # id(loop or branch) → what its forward sweep saves
        self.ends: dict[int, list[tuple[str, str]]] = {}
        self.segmented: dict[int, tuple] = {}  # checkpointed loop → (segment, saved headers)
        self.counts: dict[str, int] = {}
        self.rerunning = False  # making the code that runs a checkpointed segment again
        self.standing_values: set[str] = set()  # those of the loops made so far
        # the names each adjoint reads and assigns (`_saved`)
        self.loaded: dict[ast.stmt, tuple[list[str], list[str]]] = {}

    def function(self, wrt: list[str]) -> ast.FunctionDef:
        found = analysed_assignments(self.fn)  # (read by both: found once)
        self.active, self.demand = activity(self.fn, wrt, found)
        refuse_updated_derivatives(self.fn, self.active)
        refuse_module_objects_updated(self.fn, self.active)
        refuse_stored_derivatives(self.fn, wrt)
        # assignments whose adjoints run at the end of the branch alone reading them (or of
        # each arm of an `if` whose arms read them)
        self.deferred = deferred_statements(
            self.fn, self.active, lambda: display_reads(self.fn, self.demand, found)
        )
        blocks: dict[int, tuple] = {}
        for block, moved in self.deferred.items():
            for stmt in moved:
                blocks[id(stmt)] = (*blocks.get(id(stmt), ()), block)
        placed = {key: arms[0] if len(arms) == 1 else arms for key, arms in blocks.items()}
        self.moved = set(placed)
        # under np.where (ad/masks.py), counted where their adjoints are placed
        self.masks = masked_statements(self.fn, self.active, placed)
        self.blamed = derivative_lines(self.fn, self.active)  # shared values' lines
        self.mask_names: dict[str, str] = {}
        self.prepare_calls()
        seeds = self.seed_outputs()
        build.stamped(self.seed_code, self.fn.result.line)
        sweep = [build.comment(build.REVERSE_SWEEP), *self.seed_code]
        sweep += self.block(self.fn.body[:-1], in_loop=False)
        grads = [self.gradient(p) for p in wrt]
        sweep.append(build.returns(grads, as_tuple=len(grads) > 1))
        build.stamped(sweep[-1:], self.fn.result.line)
        pullback = build.function(self.namer.fresh("pullback"), seeds, sweep)

        forward = [build.comment(build.FORWARD_SWEEP), *self.forward(self.fn.body[:-1])]
        result = self.fn.result
        values = [build.atom(a) for a in result.values]
        value = build.tuple_of(values) if result.is_tuple else values[0]
        ret = build.returns([value, build.name(pullback.name)], as_tuple=True)
        name = self.namer.fresh(f"{self.fn.name}_vjp")
        return build.function(name, self.fn.params, [*forward, pullback, ret])

    def adjoint(self, key: str, *, zero: bool) -> ast.expr:
        """The adjoint of `key` as a value; where none flowed, zeros (`zero`) or None."""
        if key in self.adjoints.names:
            return build.name(self.adjoints.names[key])
        if zero:
            return zeros_like(primal(key), self.aliases, self.adjoints.scalars)
        return build.constant(None)  # a symbolic zero, made concrete by the API

    def gradient(self, param: str) -> ast.expr:
        """What the pullback returns for `param`: zeros when generated code calls it."""
        if param not in self.items:
            return self.adjoint(param, zero=self.zeros_for_none)
        # a tuple, list or dict argument: the same structure back; each item's adjoint is
        # what flowed to the item, plus its part of what flowed to the whole (iterated,
        # sliced, passed to a helper)
        kind, keys = self.kinds[param], self.items[param]
        whole = self.adjoints.names.get(param)
        values = []
        for k in keys:
            key = item_key(param, k)
            part = _item(build.name(whole), k) if whole else None
            if key in self.adjoints.names:
                own = build.name(self.adjoints.names[key])
                values.append(build.add(own, part) if part is not None else own)
            else:
                values.append(part or self.adjoint(key, zero=self.zeros_for_none))
        if kind == "dict":
            return ast.Dict(keys=[build.constant(k) for k in keys], values=values)
        if kind == "list":
            return ast.List(elts=values, ctx=ast.Load())
        return build.tuple_of(values)

    def prepare_calls(self) -> None:
        """Derive every active call's callee first: its outputs decide how tuples flow back."""
        for stmt in walk(self.fn.body):
            if not (isinstance(stmt, Assign) and stmt.target in self.active):
                continue
            if not is_user_call(stmt.value):
                continue
            operands = bound_operands(self.fn, stmt, self.callees.refer)
            active = [a for _, a in operands if isinstance(a, Var) and a.name in self.active]
            params = tuple(n for n, a in operands if a in active)
            stars = call_structures(self.fn, stmt, operands)  # `*args`' arity, static leaves
            mode = "gradient" if self.flat else "reverse"
            reads = items_read(self.demand, stmt.target)
            at = (self.fn.filename, stmt.line)
            name, derived = self.callees.get(stmt.value.fn, mode, params, stars, reads, at)
            outputs = derived.outputs if derived.returns_tuple else 0
            pullback = self.namer.fresh(f"{stmt.target}_pullback")
            self.calls[id(stmt)] = _CallSite(
                name, pullback, operands, active, outputs, derived.dead_outputs
            )
            if outputs:
                self.items[stmt.target] = tuple(range(outputs))

    def user_name(self, version: str) -> str:
        """The name a person gives the output `version`: its variable's (`x` for `x_3`), or
        the function's for a hidden one (`_result_4` of a `return` in a loop), as the
        function's name already names an expression returned; a parameter's versions keep
        theirs (its own cotangent is `x_bar`)."""
        base = re.sub(r"(_\d+)+$", "", version)
        if base.startswith("_"):
            base = self.fn.name
        return version if base in self.fn.params else base

    def seed_outputs(self) -> list[str]:
        """One pullback parameter per output; an output returned twice sums its cotangents.
        A caller's outputs it reads no derivative of (`Function.dead_outputs`) take none."""
        params, self.seed_code = [], []
        for index, atom in enumerate(self.fn.result.values):
            if index in self.fn.dead_outputs:
                continue
            active = isinstance(atom, Var) and atom.name in self.active
            if active and atom.name not in self.adjoints.names:
                self.adjoints.seed(atom.name, self.namer.fresh(f"{self.user_name(atom.name)}_bar"))
                params.append(self.adjoints.names[atom.name])
                continue
            label = atom.name if isinstance(atom, Var) else f"out{index}"
            params.append(self.namer.fresh(f"{label}_bar"))
            if active:
                self.seed_code += self.adjoints.add(atom.name, build.name(params[-1]))
        return params

    # the reverse sweep

    def block(self, block: list, *, in_loop: bool) -> list[ast.stmt]:
        code: list[ast.stmt] = []
        # the adjoints deferred into this block (deferred.py) run last, after its own
        deferred = [(s, True) for s in reversed(self.deferred.get(id(block), ()))]
        # (read once per block, not per statement: each is a lookup at each use, compiled)
        moved, active, blamed, adjoints = self.moved, self.active, self.blamed, self.adjoints
        stamped, derivative_line = build.stamped, build.DerivativeLine
        for stmt, here in [*[(s, False) for s in reversed(block)], *deferred]:
            start = len(code)
            if isinstance(stmt, Assign):
                if id(stmt) in moved and not here:
                    continue  # its adjoint is in the branch alone reading it
                if stmt.target in active:
                    code += self.assign(stmt)
                    if len(code) > start:  # (most copies' adjoints are no code)
                        line = blamed.get(stmt.target, stmt.line)
                        stamped(code[start:], derivative_line(line))
                adjoints.reset(stmt.target)
                continue  # (its code stamped with its line, or its derivative's, above)
            if isinstance(stmt, If):
                code += self.branch(stmt, in_loop)
            elif isinstance(stmt, (For, While)):
                code += self.loop(stmt)
            elif isinstance(stmt, With):  # the adjoint inside the context, if re-entrant
                code += with_adjoint(stmt, self.block(stmt.body, in_loop=in_loop), self.aliases)
            if len(code) > start:  # (no code for most statements not active)
                stamped(code[start:], stmt.line)
        return code

    def assign(self, stmt: Assign) -> list[ast.stmt]:
        if id(stmt) in self.calls:
            return self.call(stmt, self.calls[id(stmt)])
        incoming = self.adjoints.names.get(stmt.target)
        if incoming is None:
            return []
        code: list[ast.stmt] = []
        item = self.item_of(stmt)
        if item is not None:  # `a = t[k]` of a tuple result or argument: item k's adjoint
            return _under_line(stmt, self.adjoints.add(item, build.name(incoming)))
        mask = None
        if stmt.target in self.masks:  # zero where no selected element depends on it
            name = self.namer.fresh(f"{stmt.target}_mask")
            made = mask_code(stmt.target, self.masks[stmt.target], self.mask_names, name,
                             self.aliases)  # fmt: skip
            if made is not None:
                code.append(made)
                self.mask_names[stmt.target] = mask = name
        for var, value in contributions(
            self.fn,
            stmt,
            self.active,
            lambda _: incoming,
            self.aliases,
            reverse=True,
            refer=self.callees.refer,
            mask=mask,
        ):
            code += self.adjoints.add(var.name, value)
        return _under_line(stmt, code)

    def item_of(self, stmt: Assign) -> str | None:
        """The adjoint key `t#k` when `stmt` is `a = t[k]` of a value with item adjoints.

        Any other use of such a value (`for v in t`, `t[1:]`, passing it on) adds to its
        whole adjoint, as for a local list: `call` and `gradient` add both."""
        value = stmt.value
        if not self.items:  # no value has item adjoints
            return None
        if not isinstance(value, Prim) or value.fn in runtime.IDENTITY_CHECKS:
            return None  # the check of an in-place update only reads the whole (aliasing.py)
        structured = [a for a in used_vars(value) if a in self.items and a in self.active]
        if not structured:
            return None
        if value.fn is operator.getitem:
            base, index = value.args
            item = index.items[0] if len(index.items) == 1 and not index.is_tuple else None
            if isinstance(item, Const) and base.name in self.items:
                keys = self.items[base.name]
                key = item.value
                if isinstance(key, int) and keys == tuple(range(len(keys))):
                    key = key % len(keys)
                if key in keys:
                    return item_key(base.name, key)
        return None

    def call(self, stmt: Assign, site: _CallSite) -> list[ast.stmt]:
        """`x_bar, … = y_pullback(y_bar)`: the callee's own adjoint code."""
        if site.outputs:
            keys = [item_key(stmt.target, k) for k in range(site.outputs)]
        else:
            keys = [stmt.target]
        whole = self.adjoints.names.get(stmt.target) if site.outputs else None
        if whole is None and not any(k in self.adjoints.names for k in keys):
            return []
        if whole is not None:  # the tuple itself flowed on (returned, iterated): each item's
            # cotangent is its part of the whole's adjoint plus what flowed to the item alone
            cotangents = []
            for k, key in enumerate(keys):
                part = _item(build.name(whole), k)
                if key in self.adjoints.names:
                    part = build.add(build.name(self.adjoints.names[key]), part)
                cotangents.append(part)
            self.adjoints.reset(stmt.target)
        else:
            cotangents = [self.adjoint(k, zero=True) for k in keys]
        cotangents = [c for k, c in enumerate(cotangents) if k not in site.dead]
        for key in keys:
            self.adjoints.reset(key)
        results = [self.namer.fresh(f"{v.name}_bar") for v in site.active]
        if self.flat:  # the helper's flat gradient code, given the operands again
            args = [build.atom(a) for _, a in site.operands]
            pulled = build.assign(results, build.call_named(site.function, args + cotangents))
        else:
            pulled = build.assign(results, build.call_named(site.pullback, cotangents))
        code = [pulled]
        for var, result in zip(site.active, results, strict=True):
            code += self.adjoints.add(var.name, build.name(result))
        return pulling_back(render_line(stmt), code)

    def branch(self, stmt: If, in_loop: bool) -> list[ast.stmt]:
        before = self.adjoints.state.copy()
        then_code = self.block(stmt.body, in_loop=in_loop)
        then_state, self.adjoints.state = self.adjoints.state, before.copy()
        else_code = self.block(stmt.orelse, in_loop=in_loop)
        then_merge, else_merge = self.adjoints.merge(before, then_state, self.adjoints.state)
        then_code += then_merge
        else_code += else_merge
        if not then_code and not else_code:
            return []
        if in_loop:  # each branch restores what it saved in this iteration
            record = self.numbered("_branch")
            saved = [_saved(code, self.assigned_in(b), self.loaded) for code, b in
                     ((then_code, stmt.body), (else_code, stmt.orelse))]  # fmt: skip
            self.sites[id(stmt)] = (record, saved)
            then_code = _restore(record, saved[0]) + then_code
            else_code = _restore(record, saved[1]) + else_code
        test = build.atom(stmt.test)
        # (a name, as a test mostly is, is its own text: no unparser made for it)
        text = test.id if type(test) is ast.Name else ast.unparse(test)
        return [build.comment(f"if {text}:"), build.if_(test, then_code, else_code)]

    def loop(self, stmt: For | While) -> list[ast.stmt]:
        statements = walk(stmt.body)  # (walked once: each step below reads them)
        inside = self.assigned_among(statements)
        if isinstance(stmt, For):
            inside.add(stmt.target)
        live = self.loop_live(stmt, statements, inside)
        code: list[ast.stmt] = []
        canonical = self.adjoints.canonical
        fixed_here = [v for v in live if v not in canonical]  # not by outer loops
        ends = []  # (name, header): a header's last value, kept to shape its zero adjoint
        for var in live:
            like = Var(var)
            if var in stmt.carried and var not in self.adjoints.names:
                ends.append((self.namer.fresh(f"{var}_end"), var))
                like = Var(ends[-1][0])
            code += self.adjoints.fix(var, like)
        body = self.block(stmt.body, in_loop=True)
        body += self.adjoints.settle(live)
        self.adjoints.release(fixed_here)
        for var in inside - set(stmt.carried):  # unbound before the loop: no adjoint there
            self.adjoints.reset(var)
        self.ends[id(stmt)] = ends
        active = self.active
        if not any(isinstance(s, Assign) and s.target in active for s in statements):
            return []
        inside |= self.made_among(statements)  # the tapes of nested loops, made since
        saved = _saved(body, inside, self.loaded)
        header = render_header(stmt)
        # the counter from the range again, backwards, never from a tape (a replay that
        # does not read it drops it, simplify/tape_entries.py)
        counted = _counted(stmt, inside)
        if counted:
            backwards = ast.Call(func=self.builtin("reversed"), args=[iterable(stmt)], keywords=[])
            # copies of the counter (`i_1 = _i`, where the user reads `i` after the loop;
            # `j = i`) are assigned from it again, not saved either
            copies = [n for n in _counter_copies(stmt) if n in saved]
            body = [build.assign(n, build.name(stmt.target)) for n in copies] + body
            saved = [name for name in saved if name != stmt.target and name not in copies]
            if not saved:  # no tape (the forward sweep runs the plain loop)
                return [*code, build.comment(header), build.for_(stmt.target, backwards, body)]
        # a copy of another saved value made in the same iteration (`_t9 = _t4`, common
        # subexpressions shared) is assigned from it again, not saved twice
        copies = dict(_entry_copies(stmt, saved, self.assignments))
        body = [build.assign(copy, build.name(source)) for copy, source in copies.items()] + body
        # and one the same in every iteration is read where it stands (by outer loops' replays
        # too, which run the inner one's replay)
        standing = self.standing_values
        standing |= self.standing(stmt)  # (read beside `copies`: no union of all loops' made)
        saved = [name for name in saved if name not in copies and name not in standing]
        tape = self.numbered("_tape")
        self.sites[id(stmt)] = (tape, saved)
        replay = build.for_(_targets(saved), self.builtin("reversed", tape), body)
        if counted:  # one entry per iteration (no `break` in a `for` loop by now)
            replay.target = build.tuple_of([build.store(stmt.target), replay.target])
            replay.target.ctx = ast.Store()
            replay.iter = ast.Call(
                func=self.builtin("zip"), args=[backwards, replay.iter], keywords=[]
            )
        if isinstance(stmt, For) and stmt.checkpoint is not None:
            return [*code, build.comment(f"{header}  (checkpointed)"), self.segments(stmt, replay)]
        return [*code, build.comment(header), replay]

    def segments(self, stmt: For, replay: ast.For) -> ast.For:
        """A checkpointed loop's reverse sweep: for each segment, last first, restore the
        headers saved at its start, run its iterations again recording the tape, replay it.

        The forward sweep saved only the segments and the headers at their starts
        (`forward_segments`).
        """
        refuse_effects_in_rerun(stmt, self.fn)  # ad/effects.py
        tape, saved = self.sites[id(stmt)]
        segments, segment = self.numbered("_segments"), self.numbered("_segment")
        states = self.numbered("_checkpoints") if stmt.carried else None
        self.sites[id(stmt)] = (segments, saved)
        self.segmented[id(stmt)] = (segment, states)
        k = self.numbered("_k")
        restore = [build.assign(segment, build.parse_expr(f"{segments}[{k}]"))]
        if states:
            restore.append(build.assign(list(stmt.carried), build.parse_expr(f"{states}[{k}]")))
        self.rerunning = True  # the effects of the segment ran in the forward sweep
        again = build.for_(stmt.target, build.name(segment), self.taped_body(stmt, tape, saved))
        self.rerunning = False
        rerun = [*restore, build.assign(tape, ast.List(elts=[], ctx=ast.Load())), again, replay]
        count = ast.Call(func=self.builtin("len"), args=[build.name(segments)], keywords=[])
        indices = ast.Call(func=self.builtin("range"), args=[count], keywords=[])
        backwards = ast.Call(func=self.builtin("reversed"), args=[indices], keywords=[])
        return build.for_(k, backwards, rerun)

    def standing(self, stmt: For | While) -> set[str]:
        """The values a loop's body assigns that hold one value in every iteration and keep
        it after the loop (the replay reads them where they stand): assigned once in the
        function, at the body's top level, by operators on literals, on parameters and
        names the function assigns once at its top level, and on such values of the body
        (as simplify/tape_entries.py finds them in generated code)."""
        once, fixed = self.assignments, self.fixed
        standing: set[str] = set()  # (read beside `fixed`, not added to a copy of it: a
        # copy of all the function's names per loop was quadratic)
        for s in stmt.body:
            if (
                isinstance(s, Assign)
                and once[s.target] == 1
                and _operators_on(s.value, fixed, standing)
            ):
                standing.add(s.target)
        return standing

    @cached_property
    def assignments(self) -> Counter:
        """Each name's assignments (and loop and `with` targets) in the whole function."""
        # (of a list: a generator expression, compiled, resumes a generator per statement)
        return Counter([s.target for s in walk(self.fn.body) if isinstance(s, (Assign, For, With))])

    @cached_property
    def fixed(self) -> set[str]:
        """The parameters never assigned and the names assigned once, at the top level."""
        once = self.assignments
        top = {s.target for s in self.fn.body if isinstance(s, Assign) and once[s.target] == 1}
        return {p for p in self.fn.params if once[p] == 0} | top

    def loop_live(self, stmt: For | While, statements: list, inside: set[str]) -> list[str]:
        """Adjoints that live across iterations.

        Active headers; values from outside the loop that it reads; and values the loop
        assigns whose adjoint arrives from after the loop (only the last iteration's value
        left the loop, so the earlier iterations see a zero adjoint).
        """
        # (read once, not per name: each is a lookup at each use, compiled, `names` a call)
        active, flowed, calls = self.active, self.adjoints.names, self.calls
        live = {h for h in stmt.carried if h in active}
        live |= {v for v in inside if v in flowed}
        for s in statements:  # (`walk(stmt.body)`)
            if isinstance(s, Assign) and s.target in active:
                # `a = t[k]`: the adjoint of item k of `t` lives on, not one of `t` whole
                item = None if id(s) in calls else self.item_of(s)
                if item is not None:
                    if item.partition("#")[0] not in inside:  # (the name of `primal(item)`)
                        live.add(item)
                    continue
                live |= {v for v in used_vars(s.value) if v in active and v not in inside}
        return sorted(live)

    def assigned_in(self, block: list) -> set[str]:
        """Primal names a block assigns: targets, loop targets, helpers' pullbacks, and the
        tapes, records and last header values of nested loops and branches."""
        return self.assigned_among(walk(block))

    def assigned_among(self, statements: list) -> set[str]:
        """`assigned_in` of the block `statements` is the walk of."""
        names = {stmt.target for stmt in statements if isinstance(stmt, (Assign, For))}
        return names | self.made_among(statements)

    def made_among(self, statements: list) -> set[str]:
        """The names the transform made for `statements` (a block's walk) so far: helpers'
        pullbacks, and the tapes, records and last header values of loops and branches."""
        names: set[str] = set()
        sites, segmented, calls, ends = self.sites, self.segmented, self.calls, self.ends
        for stmt in statements:
            key = id(stmt)
            if key in sites:
                names.add(sites[key][0])
            if key in segmented and segmented[key][1]:
                names.add(segmented[key][1])
            if key in calls:
                names.add(calls[key].pullback)
            if key in ends:  # (no generator made for each statement)
                names.update([end for end, _ in ends[key]])
        return names

    def builtin(self, name: str, argument: str | None = None) -> ast.expr:
        """Python's builtin `name` (called on `argument` when given), through the runtime
        where a parameter of the function is named so (locals are renamed: naming.py)."""
        spelled = f"{self.aliases.rt}.python.{name}" if name in self.fn.params else name
        function = build.parse_expr(spelled)
        if argument is None:
            return function
        return ast.Call(func=function, args=[build.name(argument)], keywords=[])

    def numbered(self, prefix: str) -> str:
        """`_tape1`, `_tape2`, …: tapes and branch records in the order they are made."""
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return self.namer.fresh(f"{prefix}{self.counts[prefix]}")

    # the forward sweep, with what the reverse sweep reads saved

    def forward(self, block: list) -> list[ast.stmt]:
        code: list[ast.stmt] = []
        blamed, stamped, derivative_line = self.blamed, build.stamped, build.DERIVATIVE_LINE
        for stmt in block:
            start = len(code)
            self.forward_statement(stmt, code)
            made = code[start:]
            stamped(made, stmt.line)
            if isinstance(stmt, Assign) and stmt.target in blamed:  # differentiated again:
                stamped(made, blamed[stmt.target], derivative_line)  # its derivative's line
        return code

    def forward_statement(self, stmt: Stmt, code: list[ast.stmt]) -> None:
        """Append the forward sweep's code of `stmt` to `code`."""
        if isinstance(stmt, Assign):  # (most statements: one check of their kind)
            call = self.calls.get(id(stmt))
            if call is not None:
                code.append(self.forward_call(stmt, call))
            elif self.rerunning and calls_effect(stmt.value):
                # ran in the forward sweep (an inlined lambda's `print(v)`, `LOG.append(v)`):
                # its value, None (ad/effects.py refuses a call returning another)
                code.append(build.assign(stmt.target, build.constant(None)))
            else:
                code.append(render_stmt(stmt))
            return
        site = self.sites.get(id(stmt))
        if isinstance(stmt, If):
            branches = [self.forward(stmt.body), self.forward(stmt.orelse)]
            if site:
                record, saved = site
                for branch, names in zip(branches, saved, strict=True):
                    branch.append(build.assign(record, _tuple(names)))
            code.append(build.if_(build.atom(stmt.test), *branches))
        elif isinstance(stmt, (For, While)):
            code += self.forward_loop(stmt, site)
        elif isinstance(stmt, Effect) and not self.rerunning:  # once: not in a rerun
            code.append(render_stmt(stmt))
        elif isinstance(stmt, With):
            body = self.forward(stmt.body)
            code.append(build.with_(build.atom(stmt.context), body, stmt.target))

    def forward_call(self, stmt: Assign, site: _CallSite) -> ast.stmt:
        if self.flat:  # the plain call; the reverse sweep calls the helper's gradient code
            return render_stmt(stmt)
        args = [build.atom(a) for _, a in site.operands]
        call = build.assign([stmt.target, site.pullback], build.call_named(site.function, args))
        return build.kept_for_effect(call, calls_effect(stmt.value))

    def forward_loop(self, stmt: For | While, site: tuple | None) -> list[ast.stmt]:
        code: list[ast.stmt] = []
        if id(stmt) in self.segmented:
            code += self.forward_segments(stmt, site[0])
        elif site:
            tape, saved = site
            code.append(build.assign(tape, ast.List(elts=[], ctx=ast.Load())))
            code.append(_loop(stmt, self.taped_body(stmt, tape, saved)))
        else:
            code.append(_loop(stmt, self.forward(stmt.body)))
        code += [
            build.assign(end, build.name(header)) for end, header in self.ends.get(id(stmt), [])
        ]
        return code

    def taped_body(self, stmt: For | While, tape: str, saved: list[str]) -> list[ast.stmt]:
        """The loop's forward body, appending what the reverse sweep reads to `tape`."""
        body = self.forward(stmt.body)
        trailing = 0  # the header copies at the end of the body come after the save
        for s in reversed(stmt.body):
            if not (isinstance(s, Assign) and s.target in stmt.carried):
                break
            trailing += 1
        body.insert(len(body) - trailing, _append(tape, saved))
        return body

    def forward_segments(self, stmt: For, segments: str) -> list[ast.stmt]:
        """A checkpointed loop's forward sweep: the plain loop, cut into segments, saving
        the loop's headers at the start of each."""
        segment, states = self.segmented[id(stmt)]
        every = [] if stmt.checkpoint == Const(None) else [build.atom(stmt.checkpoint)]
        cut = ast.Call(
            func=build.parse_expr(f"{self.aliases.rt}.segments"),
            args=[iterable(stmt), *every],
            keywords=[],
        )
        body = [build.for_(stmt.target, build.name(segment), self.forward(stmt.body))]
        code = [build.assign(segments, cut)]
        if states:
            body.insert(0, _append(states, list(stmt.carried)))
            code.append(build.assign(states, ast.List(elts=[], ctx=ast.Load())))
        return [*code, build.for_(segment, build.name(segments), body)]


def _under_line(stmt: Assign, code: list[ast.stmt]) -> list[ast.stmt]:
    """`code`, the adjoint of `stmt`, marked with its primal line (`pulling_back`), which is
    rendered only for some code: a copy's adjoint is mostly its source's, no code at all (a
    fifth of the statements differentiated)."""
    return pulling_back(render_line(stmt), code) if code else code


def _counted(stmt: For | While, inside: set[str]) -> bool:
    """Whether `stmt` is `for i in range(…)` with bounds the loop does not assign, not
    checkpointed: its reverse sweep can run `reversed(range(…))` again, the bounds read
    where they stand (a loop left by `break` is a `while` loop by then, ssa/jumps.py)."""
    if not isinstance(stmt, For) or stmt.checkpoint is not None:
        return False
    value = stmt.iterable
    if not isinstance(value, Prim) or value.fn is not range or value.kwargs:
        return False
    return all(
        isinstance(a, Const) or (isinstance(a, Var) and a.name not in inside) for a in value.args
    )


def _counter_copies(stmt: For) -> list[str]:
    """The names a loop's body assigns its counter to, `i_1 = i` at its top level: each
    holds the counter's value all through an iteration (the counter is not assigned)."""
    return [
        s.target
        for s in stmt.body
        if isinstance(s, Assign) and isinstance(s.value, Var) and s.value.name == stmt.target
    ]


def _entry_copies(
    stmt: For | While, saved: list[str], assignments: Counter
) -> list[tuple[str, str]]:
    """(copy, source) for each `copy = source` at the top level of a loop's body where both
    are saved and assigned once in the function (`assignments`), the source before the copy
    (neither a header, which the body's end assigns again after the save): the copy holds the
    source's value when the iteration's entry is saved. In the body's order, so a copy of a
    copy follows."""
    candidates = set(saved) - set(stmt.carried)
    once = {name for name in candidates if assignments[name] == 1}
    before: set[str] = set()  # assigned at the top level so far, once in the body
    copies: list[tuple[str, str]] = []
    for s in stmt.body:
        if not isinstance(s, Assign) or s.target not in once:
            continue
        if isinstance(s.value, Var) and s.value.name in before:
            copies.append((s.target, s.value.name))
        before.add(s.target)
    return copies


def _operators_on(value: object, fixed: set[str], standing: set[str]) -> bool:
    """Whether `value` is an operator on literal numbers and names in `fixed` or `standing`."""
    if not isinstance(value, Prim) or value.kwargs or value.style != CALL:
        return False
    arity = 2 if value.fn in BINARY_OPERATORS else 1 if value.fn in UNARY_OPERATORS else 0
    return (
        arity > 0
        and len(value.args) == arity
        and all(
            (isinstance(a, Const) and type(a.value) in (int, float, bool))
            or (isinstance(a, Var) and (a.name in fixed or a.name in standing))
            for a in value.args
        )
    )


def _loop(stmt: For | While, body: list[ast.stmt]) -> ast.stmt:
    if isinstance(stmt, For):
        return build.for_(stmt.target, iterable(stmt), body)
    return build.while_(build.name(stmt.test), body)


def _item(value: ast.expr, index: object) -> ast.expr:
    return ast.Subscript(value=value, slice=build.constant(index), ctx=ast.Load())


def _saved(code: list[ast.stmt], candidates: set[str], loaded: dict) -> list[str]:
    """Names the reverse `code` may read before assigning them, among `candidates`: in
    execution order, a name assigned in one branch only is not assigned after the branch.
    `loaded`: the names each simple statement reads and assigns, found so far (`_read_first`)."""
    return sorted(_read_first(code, set(), loaded) & candidates)


def _read_first(code: list[ast.stmt], assigned: set[str], loaded: dict) -> set[str]:
    """Names `code` may read before assigning them; adds what it surely assigns to
    `assigned`. `loaded`: each simple statement's `loads` and `stores`, kept as they are
    found: a loop's or a branch's code is read again by each enclosing loop's and branch's
    (nested code was walked once per level), and the transform changes no statement it
    has made."""
    read: set[str] = set()
    for stmt in code:  # (the node types imported: `ast.If` is a lookup at each use, compiled;
        # compared by type, as the transform makes no subclasses: `isinstance` of another
        # type looks up `__instancecheck__`)
        kind = type(stmt)
        if kind is IfNode:
            read |= set(loads(stmt.test)) - assigned
            then, otherwise = set(assigned), set(assigned)
            read |= _read_first(stmt.body, then, loaded) | _read_first(
                stmt.orelse, otherwise, loaded
            )
            assigned |= then & otherwise
        elif kind is ForNode or kind is WhileNode:
            head = stmt.iter if kind is ForNode else stmt.test
            read |= set(loads(head)) - assigned
            inner = assigned | (set(stores(stmt.target)) if kind is ForNode else set())
            read |= _read_first(stmt.body, inner, loaded)  # what it assigns may not run
        elif kind is WithNode:  # (an adjoint inside its context: its body runs,
            # a branch's restores in it before its reads, not read first as a whole)
            for item in stmt.items:
                read |= set(loads(item.context_expr)) - assigned
                if item.optional_vars is not None:
                    assigned |= set(stores(item.optional_vars))
            read |= _read_first(stmt.body, assigned, loaded)
        else:  # (most statements: no sets made for them)
            names = loaded.get(stmt)
            if names is None:
                names = loaded[stmt] = (loads(stmt), stores(stmt))
            for name in names[0]:
                if name not in assigned:
                    read.add(name)
            assigned.update(names[1])
    return read


def _tuple(names: list[str]) -> ast.expr:
    """What the forward sweep saves: one value as itself, several as a tuple."""
    if len(names) == 1:
        return build.name(names[0])
    return build.tuple_of([build.name(n) for n in names])


def _targets(names: list[str]) -> ast.expr:
    """Where the reverse sweep restores them: the same names (`_` when nothing is saved)."""
    return build.targets(names or ["_"])


def _append(record: str, names: list[str]) -> ast.stmt:
    """`record.append((a, b))`: what one iteration saves (`None` when nothing), built as the
    parser builds it (not written out and parsed again: an unparse and a parse per loop)."""
    saved = _tuple(names) if names else build.constant(None)
    method = ast.Attribute(value=build.name(record), attr="append", ctx=ast.Load())
    return ast.Expr(value=ast.Call(func=method, args=[saved], keywords=[]))


def _restore(record: str, names: list[str]) -> list[ast.stmt]:
    if not names:
        return []
    return [build.assign(names, build.name(record))]
