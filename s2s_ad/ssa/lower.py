"""Lower a desugared gast function to three-address SSA (`ssa.ir.Function`).

Before: a validated, desugared `FunctionDef`. After: one primitive per statement, operands
are atoms, every name is assigned once on every path (`x`, then `x_1`, …), temporaries are
`_t1, _t2…`. Control flow stays structured; at joins the versions are reconciled by copies
at the end of each branch, and loops get header variables assigned before the loop and by a
copy at the end of the body. Tuples built from names are tracked statically.

>>> import math, gast
>>> from s2s_ad.ssa.render import render_function
>>> from s2s_ad.frontend.scope import Scope
>>> src = '''
... def f(x, n):
...     for i in range(n):
...         if x > 1.0:
...             x = x / 2.0
...         x = math.sin(x) * x
...     return x'''
>>> tree = gast.parse(src).body[0]
>>> print(render_function(lower(tree, Scope({"math": math, "range": range}, {}), "f.py")))
def f(x, n):
    x_1 = x
    for i in range(n):
        _t1 = x_1 > 1.0
        if _t1:
            x_2 = x_1 / 2.0
            x_3 = x_2
        else:
            x_3 = x_1
        _t2 = math.sin(x_3)
        x_4 = _t2 * x_3
        x_1 = x_4
    x_5 = x_1
    return x_5
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Sequence

import gast

from .. import runtime
from ..frontend import nodes
from ..frontend.nodes import descendants
from ..frontend.scope import Scope
from ..frontend.validate import calls_nested, is_append
from ..naming import DEFAULT_ALIASES, Aliases
from .aliasing import AliasAnalysis
from .builtins import Builtins, StarredTargets, is_list_update
from .callable_values import CallableValues
from .callee_updates import CalleeUpdates
from .context_managers import ContextManagers
from .derivative_calls import DerivativeCalls
from .effects import Effects
from .element_targets import ElementTargets, is_element
from .folds import Folds
from .function_values import FunctionValues, Named
from .ir import (
    Assign,
    Atom,
    Const,
    Expr,
    For,
    Free,
    Function,
    If,
    Prim,
    Return,
    Stmt,
    Var,
    While,
)
from .item_paths import ItemPaths, updates_an_item
from .kinds import MAYBE, made_sequences
from .known_loops import KnownLoops
from .live_objects import LiveObjects, bind_live_parameters
from .loop_iteration import LoopIteration
from .loop_sharing import LoopSharing
from .lower_expr import Binding, ExprLowering
from .mixed_loops import MixedLoops
from .names import first_uses, load_lines, loaded_names, param_names, stored_names
from .nested_functions import FUNCTION_BINDINGS, NestedFunctions
from .nested_targets import NestedTargets
from .object_names import ObjectNames
from .object_operators import LITERALS, operand_atom
from .records import OBJECTS
from .sharing import OPERATORS
from .star_arguments import StarArguments
from .super_calls import SuperCalls


def lower(
    node: gast.FunctionDef,
    scope: Scope,
    filename: str,
    aliases: Aliases = DEFAULT_ALIASES,
    param_kinds: dict[str, str] | None = None,
    *,
    recording: bool = False,
    stars: dict | None = None,
    lengths: dict | None = None,
    entries: dict | None = None,
    examples: dict | None = None,
    nodes: list[gast.AST] | None = None,
    inline_effects: bool = False,
    inline_readers: frozenset = frozenset(),
) -> Function:
    """Lower the body of `node` to SSA; raises located errors for what it cannot lower.

    `param_kinds`: "list" or "tuple" for parameters known to be passed as one.
    `recording`: for a callee's analysis (ssa/callee_updates.py), in-place updates of its
    parameters are recorded in `argument_updates` rather than refused. `stars`: the arity
    of `*args` / `**kwargs` parameters (ssa/star_arguments.py); `lengths`: of list and tuple
    parameters, where known; `entries`: of structured parameters, their items' kinds
    (ssa/entry_kinds.py). `nodes`: `frontend.nodes.descendants(node)`, where the caller
    has them. `inline_effects`: a call of a helper of yours that prints or draws random
    numbers (`effect_calls.helper_effect`) is inlined, for code differentiated again
    (function_values.py's `_inlined_call`); `inline_readers`: (module, name) of the state
    the helpers the function calls change (ssa/state_reads.py), where every helper of yours
    that writes none is inlined."""
    lowering = _Lowering(node, scope, filename, aliases, nodes)
    lowering.recording = recording
    lowering.inline_effects, lowering.inline_readers = inline_effects, inline_readers
    if node.args.vararg is not None or node.args.kwarg is not None:
        lowering._bind_star_parameters(stars or {})
    for name, length in (lengths or {}).items():
        lowering.lengths[lowering.env[name].name] = length
    for name, kind in (param_kinds or {}).items():
        lowering.kinds[lowering.env[name].name] = kind
    for name, kinds in (entries or {}).items():
        lowering.entries[lowering.env[name].name] = dict(kinds)
    bind_live_parameters(lowering, examples or {})  # `examples`: ssa/live_objects.py
    return lowering.run()


_LITERAL_TYPES = (bool, int, float, str, type(NotImplemented))  # (noted for `_literal_of`)


class _Lowering(
    Effects,
    ContextManagers,
    StarArguments,
    LoopIteration,
    NestedTargets,
    NestedFunctions,
    CallableValues,
    DerivativeCalls,
    KnownLoops,
    MixedLoops,
    LiveObjects,
    FunctionValues,
    ElementTargets,
    ItemPaths,
    CalleeUpdates,
    LoopSharing,
    AliasAnalysis,
    Builtins,
    Folds,
    StarredTargets,
    SuperCalls,
    ObjectNames,
    ExprLowering,
):
    def __init__(
        self,
        node: gast.FunctionDef,
        scope: Scope,
        filename: str,
        aliases: Aliases,
        nodes: list[gast.AST] | None = None,
    ):
        super().__init__(node, scope, filename, aliases, nodes)
        self.root_scope = scope  # its closure's cells reach the generated code
        self.copy_of: dict[str, str] = {}  # SSA name → the name whose object it is (`y = x`)
        self.params = param_names(node)
        for name in self.params:
            self.env[name] = Var(self.namer.version(name, parameter=True))
        self.inplace_arguments: list[tuple[str, int]] = []
        self.argument_updates: list[tuple[str, int]] = []  # when recording
        self.recording = False
        self.inline_effects, self.inline_readers = False, frozenset()
        self.loads = load_lines(node, self.every_node)
        self._last_loads: dict[str, tuple[int, list[int]]] = {}  # name → (reads seen, in order)
        del self.every_node  # (the lowering rewrites parts of the tree)
        self.inlining: list[str] = []  # the nested functions being inlined, innermost last
        self.carried_by_loops: list[set[str]] = []  # user names carried by enclosing loops
        self.loop_lines: list[tuple[int, int]] = []  # first and last lines of enclosing loops
        self.enclosing_loops: list[gast.For | gast.While] = []  # the loops themselves
        # id of a loop → (the loop, `first_uses` of its body): one walk per loop, not one per
        # name; the entry holds the loop, so its id is not reused by another node meanwhile
        self.loop_first_uses: dict[int, tuple[gast.stmt, dict[str, bool]]] = {}
        self._init_aliasing()
        self._init_nested()
        self.sharing_headers: list[list[tuple[str, str, str]]] = []  # ssa/loop_sharing.py
        self.sharing_exits: list[tuple[str, str, str]] = []
        self.sharing_only: list[set[str]] = []  # names each loop carries only for sharing

    def run(self) -> Function:
        self._block(self.node.body)
        return Function(
            name=self.node.name,
            params=self.params,
            body=self.body,
            filename=self.filename,
            first_line=self.node.lineno,
            last_line=getattr(self.node, "end_lineno", None) or self.node.lineno,
            inlined_from=tuple(self.__dict__.get("inlined_from", ())),
            taken_names=self.namer.taken,
            inplace_arguments=self.inplace_arguments,
            argument_updates=self.argument_updates,
            aliases=self.aliases,
            result_kind=self._result_kind(),
            result_entries=self._result_entries(),  # ssa/entry_kinds.py
            result_objects=self._result_objects(),  # ssa/records.py
            result_globals=self._result_globals(),
            result_views=self._result_views(),  # ssa/aliasing.py
            result_arguments=self._result_arguments(),
            result_items=self._result_items(),
        )

    def _result_kind(self) -> str | None:
        last = self.body[-1] if self.body else None
        if not isinstance(last, Return):
            return None
        return "tuple" if last.is_tuple else self.kind_of(last.values[0])

    # statements

    def _block(self, stmts: list[gast.stmt]) -> None:
        # (the block and the statement being lowered, for what runs after it:
        # aliasing.py's `_rebound_before_read`)
        entry = [stmts, 0, self.locals]
        self.blocks_around.append(entry)
        try:
            for index, stmt in enumerate(stmts):
                entry[1] = index
                self.line = stmt.lineno
                self._stmt(stmt)
        finally:
            self.blocks_around.pop()

    def _stmt(self, stmt: gast.stmt) -> None:
        if updates_an_item(stmt) and self._item_statement(stmt):
            return  # `hist["loss"].append(v)`, `v = buf[0].pop()`: ssa/item_paths.py
        if self._setdefault_statement(stmt):
            return  # `hist.setdefault("loss", []).append(v)`: ssa/item_paths.py
        if isinstance(stmt, gast.Assign):
            self._assign(stmt)
        elif isinstance(stmt, gast.AugAssign):
            self._augmented(stmt)
        elif isinstance(stmt, gast.Return):
            self._return(stmt)
        elif isinstance(stmt, gast.If):
            self._if(stmt)
        elif isinstance(stmt, gast.For):
            self._for(stmt)
        elif isinstance(stmt, gast.While):
            self._while(stmt)
        elif isinstance(stmt, gast.FunctionDef):
            self._nested_def(stmt)
        elif calls_nested(stmt, self.nested_defs) or self._calls_function_value(stmt):
            result = self._binding(stmt.value)  # inlined for its updates; the result dropped
            if isinstance(result, Prim):  # (a call its body ends in, `SINKS[0](v)`: it runs)
                self._atom_of(result)
        elif is_list_update(stmt) and stmt.value.func.value.id in self.env:
            self._expr(stmt.value)  # xs.pop(), xs.extend(ys), xs.insert(i, v): ssa/builtins.py
        elif is_append(stmt) and stmt.value.func.value.id in self.env:
            name = stmt.value.func.value.id
            value = self._atom(stmt.value.args[0])
            self._update(name, "append", of_list=True)
            current = self.env[name]
            self._define(name, Prim(runtime.append, (current, value), spelled=self._rt("append")))
            self._rebind_aliases(name)
        elif isinstance(stmt, (gast.Expr, gast.Assert, gast.Raise, gast.Try)):
            self._effect(stmt)  # kept for its effect: ssa/effects.py
        elif isinstance(stmt, gast.With):
            self._with(stmt)  # ssa/context_managers.py
        elif not isinstance(stmt, gast.Pass):  # validate lets nothing else through
            raise self._unsupported(type(stmt).__name__, hint="rewrite it as plain assignments")

    def _calls_function_value(self, stmt: gast.stmt) -> bool:
        """`on_step(s)` as a statement, `on_step` a lambda or nested def given to a helper
        inlined here (`fit(x, lambda v: print(v))`): its body inlined, run for its effect (a
        module's function given, `Named`, is called by its name: a statement kept as written)."""
        call = stmt.value if isinstance(stmt, gast.Expr) else None
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Name)):
            return False
        bound = self.env.get(call.func.id)
        return isinstance(bound, FUNCTION_BINDINGS) and not isinstance(bound, Named)

    def _assign(self, stmt: gast.Assign) -> None:
        targets = stmt.targets
        if len(targets) > 1:  # a = b = expr: evaluate once, bind every target left to right
            value = self._atom(stmt.value)
            updated: list[Var] = []
            for target in targets:
                before = self.env.get(target.value.id) if is_element(target) else None
                self._bind_target(target, self._read_before_updates(value, updated))
                if isinstance(before, Var):
                    updated.append(before)
            return
        target = targets[0]
        if isinstance(target, gast.Subscript):
            self._set_item(target, self._atom(stmt.value))
            return
        if isinstance(target, gast.Name):
            if self._bind_function_value(target.id, stmt.value):  # ssa/function_values.py
                return
            if self._bind_known_object(target, stmt.value):  # ssa/object_names.py
                return
            value = self._tuple(stmt.value) if isinstance(stmt.value, gast.Tuple) else None
            if isinstance(value, tuple):
                self.env[target.id] = value
                return
            value = value or self._value_binding(stmt.value)  # (`(*WS, x)`: a tuple made)
            if isinstance(value, tuple):  # `r = pair(x)` inlined: `r[0]` reads its first
                self.env[target.id] = value
            else:
                self._define(target.id, value)
            return
        if self._bind_known_object(target, stmt.value):  # `a, b = pair` of objects
            return
        self.consume(stmt.value)  # `a, b = zip(*pairs)` unpacks an iterator at once
        self._bind_target(target, self._binding(stmt.value))

    def _augmented(self, stmt: gast.AugAssign) -> None:
        """`x += e` is `x = x + e`; on an argument it would update the caller's array in place."""
        if self._extends_item(stmt):  # `hist["loss"] += [v]`: ssa/item_paths.py
            return
        if isinstance(stmt.target, gast.Subscript):  # a[i] += e is a[i] = a[i] + e
            old = self._operand(nodes.loaded(stmt.target))  # (an object: ssa/object_operators.py)
            value = self._operand(stmt.value)
            spelled = ast.unparse(gast.gast_to_ast(stmt.target))
            new = self._object_augmented(spelled, stmt, old, value)
            old, value = self._followed(*old), self._followed(*value)
            if (
                new is None
                and isinstance(stmt.target.value, gast.Name)
                and self._is_list(stmt.target.value.id)
            ):  # `L[i] += e` updates an array item in place, which other slots may share
                item = Prim(runtime.immutable_item, (old,), spelled=self._rt("immutable_item"))
                old = self._atom_of(item)
            new = self._binop(type(stmt.op), old, value) if new is None else new
            self.augmenting = True  # (an array item is updated in place: ssa/aliasing.py)
            try:
                self._set_item(stmt.target, self._atom_of(new))
            finally:
                self.augmenting = False
            return
        name = stmt.target.id
        current = self._operand(gast.Name(name, gast.Load(), None, None))
        value = self._operand(stmt.value)
        method = self._object_augmented(name, stmt, current, value)  # ssa/object_operators.py
        if method is not None:
            self._define(name, method)
            return
        current_class, value = current[1], self._followed(*value)
        current = operand_atom(current[0])
        argument = self._argument_of(current)
        if argument is not None:
            self.inplace_arguments.append((argument, self.line))
        new = self._binop(type(stmt.op), current, value)
        if new.fn is runtime.concat:  # `L += t` extends a list by any sequence
            new = Prim(runtime.extend, new.args, spelled=self._rt("extend"))
        what = f"`{name} {OPERATORS[type(stmt.op)]}= …`"
        if self.kind_of(current) == "dict":  # `d |= e` updates the dict: as `d.update(e)`
            self._update(name, what, of_list=True)
            self._define(name, new)
            self._rebind_aliases(name)
            return
        if new.fn in (runtime.extend, runtime.repeat) and self.kind_of(current) == "list":
            self._update(name, what, of_list=True)  # grows the list: the caller's, an alias's?
        elif isinstance(self.env[name], Var):  # an array is updated in place: who else sees it?
            # (`x += v` of a number binds a new one; `x += [v]` extends a list)
            rebinds = new.fn not in (runtime.extend, runtime.repeat)
            self._check_sharing(name, what, element=False, rebinds=rebinds)
        guarded = self.env[name]
        if not (isinstance(guarded, Var) and guarded is not current):  # rt.unshared checked it
            guarded = current
        # (after the checks of sharing, which read the name's own value)
        guarded = self._followed(guarded, current_class)
        if guarded is not current:
            new = Prim(new.fn, (guarded, *new.args[1:]), spelled=new.spelled)
        self._define(name, new)
        if new.fn in (runtime.extend, runtime.repeat):
            self._rebind_aliases(name)  # `M = L; L += …`: M sees the longer list too

    def _define(self, user_name: str, value) -> str:
        target = self.namer.version(user_name)
        self.emit(Assign(target, value, self.line))
        self.env[user_name] = Var(target)
        literal = self._literal_of(value)  # (ssa/object_operators.py)
        if literal is not None and type(literal.value) in _LITERAL_TYPES:
            self.__dict__.setdefault(LITERALS, {})[target] = literal
        self._note_binding(target, value)
        if isinstance(value, Var):  # `y = x`: y is the same object as x
            self.copy_of[target] = self.copy_of.get(value.name, value.name)
        return target

    def _argument_of(self, atom: Binding) -> str | None:
        """The parameter whose very object `atom` still is (through copies `y = x`), if any."""
        if not isinstance(atom, Var):
            return None
        root = self.copy_of.get(atom.name, atom.name)
        return root if root in self.params else None

    def _return(self, stmt: gast.Return) -> None:
        if not isinstance(stmt.value, (gast.Name, gast.Constant, gast.Tuple)):
            # `return <expr>`: the result is named after the function, so its adjoint reads
            # `loss_bar` rather than `_t7_bar`.
            name = self.namer.fresh(self.node.name)
            value = self._expr(stmt.value)
            self.emit(Assign(name, value, self.line))
            self._note_binding(name, value)  # what it may share memory with (result_globals)
            self.emit(Return((Var(name),), False, self.line))
            return
        value = self._binding(stmt.value)
        if isinstance(value, tuple):
            self.emit(Return(value, True, self.line))
        else:
            self.emit(Return((value,), False, self.line))

    def _binding(self, node: gast.expr) -> Binding:
        """An atom, or a static tuple for a tuple literal or a name bound to one."""
        if isinstance(node, gast.Tuple):
            return self._tuple(node)
        nested = self._nested_call(node)
        if nested is not None:
            return nested
        if isinstance(node, gast.Name) and isinstance(self.env.get(node.id), tuple):
            return self.env[node.id]
        value = self._value_binding(node)
        return value if isinstance(value, tuple) else self._atom_of(value)

    def _value_binding(self, node: gast.expr) -> Expr | tuple[Atom, ...]:
        """`node`'s value; a call's several results inlined as a static tuple."""
        return self._call_binding(node) if isinstance(node, gast.Call) else self._expr(node)

    # control flow

    def _if(self, stmt: gast.If) -> None:
        flag = self._flag_value(stmt.test)
        test = Const(flag) if flag is not None else self._atom(stmt.test)
        if isinstance(test, Const) and type(test.value) is bool:
            # decided now (`isinstance(o, Vec)` of an object of a known class: ssa/builtins.py):
            # the other branch does not run, and its values do not join this one's
            self._block(stmt.body if test.value else stmt.orelse)
            return
        makers = [lambda branch=branch: self._block(branch) for branch in (stmt.body, stmt.orelse)]
        self._branch(test, makers, lambda name: self._live_outside(name, stmt), stmt.lineno)

    def _flag_value(self, node: gast.expr) -> bool | None:
        """The bool a name (or `not name`) holds here where this path bound it to a literal
        (returns.py's `_returned` after a branch decided now: `if not _returned:` of an
        operator method that returns early when `isinstance(o, Vec)`); else None."""
        negated = isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.Not)
        node = node.operand if negated else node
        bound = self.env.get(node.id) if isinstance(node, gast.Name) else None
        literal = self._literal_of(bound)
        if literal is None or type(literal.value) is not bool:
            return None
        return literal.value != negated

    def _branch(self, test: Atom, makers: list, live, line: int | None = None) -> Atom | None:
        """An `If` on `test` whose branches run `makers` (the lowering of a block, or of a
        call giving a result); the names they bind differently are joined where `live`."""
        test = self._read_once(test)
        before = dict(self.env)
        blocks, envs, results = [], [], []
        for make in makers:
            self.env = dict(before)
            block: list[Stmt] = []
            with self.in_block(block):
                result = make()
                if result is not None:
                    result = self._as_atom(result)
            blocks.append(block)
            envs.append(self.env)
            results.append(result)
        self.env = dict(before)
        # (a binding left as it was is the very object: no comparison of each field)
        changed = sorted(
            {
                n
                for env in envs
                for n, b in env.items()
                if b is not before.get(n) and b != before.get(n)
            }
        )
        joins: dict[str, tuple[str, list]] = {}  # name → (joined, its value on each branch)
        for name in changed:
            self._refuse_joined_objects(name, envs, live)  # ssa/object_names.py
            if self._join_functions(name, test, envs, before):  # ssa/nested_functions.py
                continue
            self.env[name] = envs[0].get(name, envs[1].get(name))
            if not live(name):
                continue
            if any(name not in env for env in envs):
                # Assigned on one path only: unbound on the other (`rt.unbound.NAME`, which
                # any use raises as Python does), so the joined variable (and a zero adjoint
                # made from it) exists on every path.
                unset = Var(self._define(name, self._unbound(name)))
                envs = [env if name in env else {**env, name: unset} for env in envs]
            joined = self.namer.version(name)
            for block, env in zip(blocks, envs, strict=True):
                with self.in_block(block):
                    value = self._as_atom(env[name])
                block.append(Assign(joined, value, self.line))
                self.note_kind(joined, value)
            self._note_merge(joined, [env[name] for env in envs])
            joins[name] = (joined, [env[name] for env in envs])
            self.env[name] = Var(joined)
        self._note_joined_sharing(joins)  # ssa/loop_sharing.py
        joined_result = None
        if results[0] is not None:
            joined_result = self.namer.temp()
            for block, result in zip(blocks, results, strict=True):
                block.append(Assign(joined_result, result, self.line))
                self._note_binding(joined_result, result, joined=True)
            joined_result = Var(joined_result)
        self.emit(If(test, blocks[0], blocks[1], self.line if line is None else line))
        return joined_result

    def _for(self, stmt: gast.For) -> None:
        self._no_else(stmt)
        if self._unrolled(stmt):  # over known layers or functions: ssa/known_loops.py
            return
        it, checkpoint = self._checkpointed(stmt.iter)
        self.sequences_made = []
        iterated = self._iterated_values(it)
        iterable, target, elements = self._loop_iteration(stmt, it)
        iterated += self.sequences_made  # an update of these in the body: ssa/aliasing.py
        if self._live_outside(target, stmt):
            # Read after the loop: bound in the body from a loop index of its own, so that
            # an empty loop leaves the value it had before, as in Python.
            elements = [(target, lambda index: index), *elements]
            target = self.namer.fresh(f"_{target}")  # never a name the function uses
        carried = self._enter_loop(stmt, [name for name, _ in elements])
        self.iterated.append((iterated, stmt.lineno, self._enumerate_index(stmt, it)))
        body: list[Stmt] = []
        target_name = self.namer.version(target)
        self.env[target] = Var(target_name)
        with self.in_block(body):
            for name, index_of in elements:
                self._define(name, index_of(Var(target_name)))
            self._block(stmt.body)
            self._tuples_as_values(stmt)
            self._copy_back(carried)
        self.iterated.pop()
        self._leave_loop()
        carried_names = tuple(carried.values())
        self.emit(For(target_name, iterable, body, carried_names, stmt.lineno, checkpoint))
        self._exit_loop(stmt, carried, [target] + [name for name, _ in elements])

    def _while(self, stmt: gast.While) -> None:
        self._no_else(stmt)
        carried = self._enter_loop(stmt)
        test = self.namer.temp()
        self.emit(Assign(test, self._expr(stmt.test), stmt.lineno))
        body: list[Stmt] = []
        with self.in_block(body):
            self._block(stmt.body)
            self.line = stmt.lineno
            self.emit(Assign(test, self._expr(stmt.test), stmt.lineno))
            self._tuples_as_values(stmt)
            self._copy_back(carried)
        self._leave_loop()
        self.emit(While(test, body, (*carried.values(), test), stmt.lineno))
        self._exit_loop(stmt, carried, [])

    def _no_else(self, stmt: gast.For | gast.While) -> None:
        if stmt.orelse:  # `loop_else.py` rewrites every `else` clause before the lowering
            raise self._unsupported("a loop's `else` clause", hint="set a flag in the loop")

    def _enter_loop(self, stmt: gast.stmt, targets: Sequence[str] = ()) -> dict[str, str]:
        """Give each variable the loop carries a header version, assigned before the loop.

        `targets`: the names a `for` loop binds at the top of each iteration. A name unbound
        before the loop that an iteration may leave unassigned (under an `if`, or in the
        no-op iterations after a `break`) starts as None, as a name bound on one branch only
        does (`_if`), so that it keeps its last value across such iterations.
        """
        carried: dict[str, str] = {}
        always = {*targets, *_assigned_first(stmt.body)}
        every = self._body_nodes(stmt)  # (the body walked once for what follows: aliasing.py)
        stored = self._stored_in(stmt)
        by_calls = self._updated_by_calls(every)  # nested functions' in-place updates
        # and reads: a call in the body reads the binding then (the last iteration's)
        by_calls |= self._read_by_calls(every) & stored
        rebound = self._enter_loop_functions(stmt, stored)  # ssa/nested_functions.py
        sharing = self._sharing_updates(every)  # `w` of `v = w`, `v[0] = …`: loop_sharing.py
        before = dict(self.env)
        for name in sorted((stored | set(targets) | by_calls | sharing) - rebound):
            bound = self.env.get(name)
            if name in targets:
                if not self._live_outside(name, stmt):
                    continue
            elif not (name in by_calls or self._carried(name, stmt)):
                continue
            if bound is None and name not in self.locals and name not in targets:
                continue  # a global's or closure's object (`LOG.append(v)`): not a local value
            if bound is None:
                if name in always and not self._live_outside(name, stmt):
                    continue  # bound by every iteration before any read
                # Unbound before the loop, it stays unbound after an empty one (or iterations
                # that skip it): a placeholder the copies may copy and any use of raises.
                bound = self._unbound(name)
            given = self._given_class(name)  # an object given to the function, rebound here
            bound = operand_atom(self._as_atom(bound))  # (a static tuple becomes a value)
            header = self.namer.version(name)
            self.emit(Assign(header, bound, self.line))
            self._note_merge(header, [bound])
            if (argument := self._argument_of(bound)) is not None:
                # the first iteration's value is the argument's very object: an update of
                # it in place in the body changes the caller's value, as outside the loop
                self.copy_of[header] = argument
            if given is not None:  # (its methods are inlined on the header: object_operators.py)
                self.__dict__.setdefault(OBJECTS, {})[header] = given
            self.env[name] = Var(header)
            carried[name] = header
            length = self.lengths.get(header)
            if length is not None and not _same_length(name, every, length):
                self.lengths[header] = None  # (`acc = [*acc, y]`: grown by each iteration)
        self._note_loop(carried, every)
        made = made_sequences(every) if carried else set()
        for name, header in carried.items():  # `acc = list(acc)` in the body: perhaps a list
            if name in made and self.kinds.get(header) is None:
                self.kinds[header] = MAYBE  # (the body is lowered knowing it: kinds.py)
        only = sharing - stored - set(targets) - by_calls  # carried only for sharing
        self._note_sharing_headers(carried, before, every, only)
        self.carried_by_loops.append(set(carried))
        self.assumed_apart.append({})
        self.loop_lines.append((stmt.lineno, stmt.end_lineno))
        self.enclosing_loops.append(stmt)
        return carried

    def _unbound(self, name: str) -> Free:
        """`rt.unbound.NAME`: the value of the local `name` before anything binds it."""
        return Free(f"{self._rt('unbound')}.{name}", runtime.Unbound(name))

    def _leave_loop(self) -> None:
        self._leave_sharing_headers()
        self.carried_by_loops.pop()
        self.assumed_apart.pop()
        self.loop_lines.pop()
        self.enclosing_loops.pop()

    def _copy_back(self, carried: dict[str, str]) -> None:
        self._guard_assumed_apart(self.enclosing_loops[-1].lineno)  # ssa/aliasing.py
        self._check_sharing_headers(carried, self.enclosing_loops[-1].lineno)
        self._drop_unchanged_sharing(carried)  # ssa/loop_sharing.py
        for name, header in carried.items():
            if self.env[name] != Var(header):
                value = self._as_atom(self.env[name])
                self.emit(Assign(header, value, self.line))
                self._note_merge(header, [value])
            self.env[name] = Var(header)

    def _tuples_as_values(self, stmt: gast.For | gast.While) -> None:
        """At the end of a loop body: a static tuple it binds that is read after the loop
        becomes a value made in the body (`tuple()` of its items), so that the exit copy
        copies a value of the last iteration, as it does for any other name."""
        for name in sorted(self._stored_in(stmt)):
            bound = self.env.get(name)
            if isinstance(bound, tuple) and self._live_outside(name, stmt):
                self.env[name] = self._as_atom(bound)

    def _exit_loop(self, stmt: gast.stmt, carried: dict[str, str], targets: list[str]) -> None:
        """After the loop, a variable read later gets an exit copy of its last version."""
        rebound = self._exit_loop_functions(stmt)
        for name in sorted(set(self._stored_in(stmt)) | set(targets) | set(carried) - rebound):
            if name in self.env and self._live_outside(name, stmt):
                self._define(name, self._as_atom(self.env[name]))
        self._note_sharing_exits()  # ssa/loop_sharing.py

    def _carried(self, name: str, loop: gast.For | gast.While) -> bool:
        """Whether an iteration may read the value `name` had before it (or after the loop)."""
        if self._live_outside(name, loop):
            return True
        if isinstance(loop, gast.While) and name in loaded_names(loop.test):
            return True
        return self._reads_first(loop).get(name) is True  # else assigned first, or unused

    def _reads_first(self, loop: gast.For | gast.While) -> dict[str, bool]:
        """`names.first_uses` of the loop's body, found once per loop."""
        entry = self.loop_first_uses.get(id(loop))
        if entry is None or entry[0] is not loop:
            entry = self.loop_first_uses[id(loop)] = (loop, first_uses(loop.body))
        return entry[1]

    def _live_outside(self, name: str, stmt: gast.stmt) -> bool:
        """Whether `name` may be read after `stmt`: later, or earlier in an enclosing loop."""
        if any(name in carried for carried in self.carried_by_loops):
            return True
        if name in getattr(stmt, "results_read_after", ()):  # comprehensions.py: same line
            return True
        start, end = stmt.lineno, stmt.end_lineno
        lines = self.loads.get(name, ())
        if lines and self._last_load(name, lines) > end:
            return True
        if not self.enclosing_loops or not lines:
            return False
        # (the last read before `stmt` alone decides: each loop that begins before an
        # earlier read begins before it too)
        ordered = self._ordered_loads(name, lines)
        below = bisect.bisect_left(ordered, start)
        if not below:
            return False
        line = ordered[below - 1]
        return any(
            loop.lineno <= line
            # a `while` test rebuilt in the body (comprehensions.py) reads it: any read
            and (isinstance(loop, gast.While) or self._next_iteration_reads(name, loop))
            for loop in self.enclosing_loops
        )  # the next iteration of an enclosing loop reads it

    def _last_load(self, name: str, lines: list[int]) -> int:
        """The last line reading `name`."""
        return self._ordered_loads(name, lines)[-1]

    def _ordered_loads(self, name: str, lines: list[int]) -> list[int]:
        """The lines reading `name`, in order: found again only after reads were added
        (inlined functions extend `loads`), so that each branch's joins and each in-place
        update do not walk every read."""
        seen = self._last_loads.get(name)
        if seen is None or seen[0] != len(lines):
            seen = self._last_loads[name] = (len(lines), sorted(lines))
        return seen[1]

    def _next_iteration_reads(self, name: str, loop: gast.For | gast.While) -> bool:
        """Whether an iteration of `loop` may read the value `name` had when the previous
        one ended: not when it binds `name` (its target, or an assignment on every path)
        first."""
        if isinstance(loop, gast.While):
            return name in loaded_names(loop.test) or self._reads_first(loop).get(name) is True
        return name not in stored_names([loop.target]) and self._reads_first(loop).get(name) is True

    def _as_atom(self, bound: Binding) -> Atom:
        """A static tuple made a value (`tuple()` of its items), to join it with others."""
        if not isinstance(bound, tuple):
            return bound
        items = self._atom_of(self._list_of(bound))
        return self._atom_of(self._builtin_prim(tuple, (items,)))


def _same_length(name: str, every: list[gast.AST], length: int) -> bool:
    """Whether a loop's body (its `_body_nodes`, `every`) keeps the `length` of the list or
    tuple `name` holds: it binds `name` only to displays of that length without starred
    items, and calls none of its methods changing its length (`append`, `pop`, …)."""
    lengths = set()
    for n in every:
        if isinstance(n, (gast.AugAssign, gast.For)) and name in stored_names([n]):
            return False
        if isinstance(n, gast.Assign) and any(
            isinstance(t, gast.Name) and t.id == name for t in n.targets
        ):
            value = n.value
            if not isinstance(value, (gast.List, gast.Tuple)) or any(
                isinstance(elt, gast.Starred) for elt in value.elts
            ):
                return False
            lengths.add(len(value.elts))
        elif isinstance(n, gast.Assign) and name in stored_names([n]):
            return False  # (`acc, b = …`: any value)
        if _changes_length_of(n, name):
            return False
    return lengths <= {length}


def _changes_length_of(n: gast.AST, name: str) -> bool:
    """Whether `n` calls a method of `name`'s changing its length (`acc.append(y)`)."""
    func = n.func if isinstance(n, gast.Call) else None
    if not (isinstance(func, gast.Attribute) and func.attr in _LENGTH_CHANGING):
        return False
    return isinstance(func.value, gast.Name) and func.value.id == name


_LENGTH_CHANGING = frozenset(("append", "extend", "insert", "pop", "remove", "clear"))


def _assigned_first(body: list[gast.stmt]) -> set[str]:
    """Names every iteration of a loop with this body assigns at its top level."""
    names: set[str] = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            names |= stored_names([stmt]) - {
                t.value.id for target in stmt.targets for t in descendants(target) if is_element(t)
            }
    return names
