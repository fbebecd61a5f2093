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

import operator
from collections.abc import Sequence

import gast

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..frontend import nodes
from ..frontend.scope import Scope
from ..frontend.validate import annotations
from ..naming import DEFAULT_ALIASES, Aliases
from .ir import (
    Assign,
    Atom,
    Const,
    For,
    Function,
    If,
    Index,
    Prim,
    Return,
    SliceItem,
    Stmt,
    Var,
    While,
)
from .jumps import eliminate_jumps
from .loop_iteration import LoopIteration
from .lower_expr import Binding, ExprLowering
from .names import load_lines, loaded_names, param_names, stored_names
from .returns import eliminate_returns


def lower(
    node: gast.FunctionDef,
    scope: Scope,
    filename: str,
    aliases: Aliases = DEFAULT_ALIASES,
    param_kinds: dict[str, str] | None = None,
) -> Function:
    """Lower the body of `node` to SSA; raises located errors for what it cannot lower.
    `param_kinds`: "list" or "tuple" for parameters known to be passed as one."""
    lowering = _Lowering(node, scope, filename, aliases)
    for name, kind in (param_kinds or {}).items():
        lowering.kinds[lowering.env[name].name] = kind
    return lowering.run()


class _Lowering(LoopIteration, ExprLowering):
    def __init__(self, node: gast.FunctionDef, scope: Scope, filename: str, aliases: Aliases):
        super().__init__(node, scope, filename, aliases)
        self.copy_of: dict[str, str] = {}  # SSA name → the name whose object it is (`y = x`)
        self.params = param_names(node)
        for name in self.params:
            self.env[name] = Var(self.namer.version(name))
        self.inplace_arguments: list[tuple[str, int]] = []
        self.loads = load_lines(node)
        self.inlining: list[str] = []  # the nested functions being inlined, innermost last
        self.carried_by_loops: list[set[str]] = []  # user names carried by enclosing loops
        self.loop_lines: list[tuple[int, int]] = []  # first and last lines of enclosing loops

    def run(self) -> Function:
        self._block(self.node.body)
        return Function(
            name=self.node.name,
            params=self.params,
            body=self.body,
            filename=self.filename,
            first_line=self.node.lineno,
            taken_names=self.namer.taken,
            inplace_arguments=self.inplace_arguments,
            aliases=self.aliases,
            result_kind=self._result_kind(),
        )

    def _result_kind(self) -> str | None:
        last = self.body[-1] if self.body else None
        if not isinstance(last, Return):
            return None
        return "tuple" if last.is_tuple else self.kind_of(last.values[0])

    # statements

    def _block(self, stmts: list[gast.stmt]) -> None:
        for stmt in stmts:
            self.line = stmt.lineno
            self._stmt(stmt)

    def _stmt(self, stmt: gast.stmt) -> None:
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
        elif isinstance(stmt, gast.Expr):  # validate lets only `xs.append(v)` through
            name = stmt.value.func.value.id
            self._update(name, "append")
            value = self._atom(stmt.value.args[0])
            current = self.env[name]
            self._define(name, Prim(runtime.append, (current, value), spelled=self._rt("append")))
        elif not isinstance(stmt, gast.Pass):  # validate lets nothing else through
            raise self._unsupported(type(stmt).__name__, hint="rewrite it as plain assignments")

    def _assign(self, stmt: gast.Assign) -> None:
        targets = stmt.targets
        if len(targets) > 1:  # a = b = expr: evaluate once, bind every target
            value = self._atom(stmt.value)
            for target in targets:
                self._bind_target(target, value)
            return
        target = targets[0]
        if isinstance(target, gast.Subscript):
            self._set_item(target, self._atom(stmt.value))
            return
        if isinstance(target, gast.Name):
            if isinstance(stmt.value, gast.Tuple):
                self.env[target.id] = self._tuple(stmt.value)
            else:
                self._define(target.id, self._expr(stmt.value))
            return
        self._bind_target(target, self._binding(stmt.value))

    def _augmented(self, stmt: gast.AugAssign) -> None:
        """`x += e` is `x = x + e`; on an argument it would update the caller's array in place."""
        if isinstance(stmt.target, gast.Subscript):  # a[i] += e is a[i] = a[i] + e
            old = self._atom(nodes.loaded(stmt.target))
            if isinstance(stmt.target.value, gast.Name) and self._is_list(stmt.target.value.id):
                # `L[i] += e` updates an array item in place, which other slots may share
                item = Prim(runtime.immutable_item, (old,), spelled=self._rt("immutable_item"))
                old = self._atom_of(item)
            new = self._binop(type(stmt.op), old, self._atom(stmt.value))
            self._set_item(stmt.target, self._atom_of(new))
            return
        name = stmt.target.id
        current = self._name(name)
        value = self._atom(stmt.value)
        new = self._binop(type(stmt.op), current, value)
        if new.fn is runtime.concat:  # `L += t` extends a list by any sequence
            new = Prim(runtime.extend, new.args, spelled=self._rt("extend"))
        kind = self.kind_of(current)
        if new.fn in (runtime.extend, runtime.repeat) and kind == "list":
            # `L += [v]` and `L *= n` extend the list in place: refused where another name
            # (or the caller) holds it
            self._update(name, "`+=` or `*=` on a list")
        elif new.fn in (runtime.extend, runtime.repeat) and isinstance(current, Var):
            self._refuse_aliases(name, current)  # a list if not a tuple (the caller: api.py)
        argument = self._argument_of(current)
        if argument is not None:
            self.inplace_arguments.append((argument, self.line))
        self._define(name, new)

    def _bind_target(self, target: gast.expr, value: Binding) -> None:
        if isinstance(target, gast.Name):
            if isinstance(value, tuple):
                self.env[target.id] = value
            else:
                self._define(target.id, value)
            return
        names = [elt.id for elt in target.elts]
        if not isinstance(value, tuple):  # a helper's tuple result, a tuple argument, rows
            for k, name in enumerate(names):
                self._define(name, Prim(operator.getitem, (value, Index((Const(k),), False))))
            return
        if len(value) != len(names):
            raise UnsupportedSyntaxError(
                f"cannot unpack {len(value)} values into {len(names)} names",
                filename=self.filename,
                line=self.line,
                hint="use as many names as there are values",
            )
        for name, atom in zip(names, value, strict=True):
            self._define(name, atom)

    def _define(self, user_name: str, value) -> str:
        target = self.namer.version(user_name)
        self.emit(Assign(target, value, self.line))
        self.env[user_name] = Var(target)
        if isinstance(value, Var):  # `y = x`: y is the same object as x
            self.copy_of[target] = self.copy_of.get(value.name, value.name)
        return target

    def _argument_of(self, atom: Binding) -> str | None:
        """The parameter whose very object `atom` still is (through copies `y = x`), if any."""
        if not isinstance(atom, Var):
            return None
        root = self.copy_of.get(atom.name, atom.name)
        return root if root in self.params else None

    def _is_list(self, name: str) -> bool:
        bound = self.env.get(name)
        return isinstance(bound, Var) and self.kind_of(bound) == "list"

    def _set_item(self, target: gast.Subscript, value: Atom) -> None:
        """`a[i] = v` on a local array: `a_1 = rt.setitem(a, v, i)`, a new version of `a`."""
        base = target.value
        if not isinstance(base, gast.Name):
            raise self._unsupported(
                "assignment to an element of something other than a local array",
                hint="assign elements of arrays the function created (e.g. with np.zeros)",
            )
        self._update(base.id, "element assignment")
        index = self._index(target.slice)
        if self._is_list(base.id) and (index.is_tuple or isinstance(index.items[0], SliceItem)):
            raise self._unsupported(
                f"assignment to a slice of the list `{base.id}` (it may change its length)",
                hint=f"assign one item at a time: `{base.id}[i] = v`",
            )
        current = self.env[base.id]
        self._define(
            base.id, Prim(runtime.setitem, (current, value, index), spelled=self._rt("setitem"))
        )

    def _update(self, name: str, what: str) -> None:
        """Refuse an in-place update that someone else would see: of an argument, a global,
        or a value another name still refers to (the SSA form gives the update a new version)."""
        current = self.env.get(name)
        if not isinstance(current, Var):
            raise self._unsupported(
                f"{what} on `{name}`, which is not a local array or list",
                hint="update arrays and lists the function created (e.g. with np.zeros or [])",
            )
        if self._argument_of(current) is not None:
            raise self._unsupported(
                f"in-place update of the argument `{name}` ({what}), "
                "which would modify the caller's value",
                hint=f"copy it first: `{name} = {name}.copy()`",
            )
        self._refuse_aliases(name, current)

    def _refuse_aliases(self, name: str, current: Var) -> None:
        """Refuse an in-place update of `name` while another name holds the same object."""
        root = self.copy_of.get(current.name, current.name)
        others = [
            other
            for other, bound in self.env.items()
            if other != name
            and isinstance(bound, Var)
            and self.copy_of.get(bound.name, bound.name) == root
        ]
        if others:
            raise self._unsupported(
                f"update of `{name}` through an alias: it is the same object as `{others[0]}`",
                hint=f"make it a copy: `{name} = {others[0]}.copy()`",
            )

    def _nested_def(self, stmt: gast.FunctionDef) -> None:
        """A nested function is inlined where it is called: it reads the enclosing values
        (its closure) as they are at the call, like Python does."""
        self._resolve_annotations(stmt)
        fn = eliminate_jumps(eliminate_returns(stmt, self.filename))
        for name, lines in load_lines(fn).items():  # the rewrites read names of their own
            self.loads.setdefault(name, []).extend(lines)
        self.nested[stmt.name] = fn
        self.env.pop(stmt.name, None)

    def _resolve_annotations(self, stmt: gast.FunctionDef) -> None:
        """A nested function's annotations are evaluated when its `def` runs: validate let
        only type expressions through (names, `a.b`, `[]`, `|`), whose evaluation reads names
        and nothing else; so resolve every name they read here, a missing one being an error
        as in Python, and keep no value."""
        for annotation in annotations(stmt):
            for node in gast.walk(annotation):
                if isinstance(node, gast.Name):
                    self._name(node.id)
                elif isinstance(node, gast.Attribute) and self._is_free_chain(node):
                    self._free_chain(node)

    def _is_free_chain(self, node: gast.Attribute) -> bool:
        """`a.b.c` rooted at a name that is not local (a module's, a global's attribute)."""
        root = node
        while isinstance(root, gast.Attribute):
            root = root.value
        return isinstance(root, gast.Name) and not self._is_local_chain(node)

    def _inline(self, fn: gast.FunctionDef, args: tuple, kwargs: tuple) -> Binding:
        if fn.name in self.inlining:
            raise self._unsupported(
                f"recursive call of the nested function `{fn.name}`",
                hint="write the recursion as a loop",
            )
        bound = self._bind_arguments(fn, args, dict(kwargs))
        outer, line = self.env, self.line
        self.env = {**outer, **bound}
        self.inlining.append(fn.name)
        try:
            self._block(fn.body[:-1])
            self.line = fn.body[-1].lineno
            result = self._binding(fn.body[-1].value)
        finally:
            self.inlining.pop()
            self.env, self.line = outer, line
        return result

    def _bind_arguments(self, fn: gast.FunctionDef, args: tuple, kwargs: dict) -> dict:
        positional = [a.id for a in [*fn.args.posonlyargs, *fn.args.args]]
        keyword_only = [a.id for a in fn.args.kwonlyargs]
        with_default = positional[len(positional) - len(fn.args.defaults) :]
        defaults = dict(zip(with_default, fn.args.defaults, strict=True))
        kw_defaults = zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)
        defaults.update((a.id, d) for a, d in kw_defaults)
        if len(args) > len(positional) or set(kwargs) - set(positional + keyword_only):
            raise self._unsupported(
                f"call of `{fn.name}` with arguments it does not take",
                hint="match the nested function's parameters",
            )
        bound = dict(zip(positional, args, strict=False))  # fewer arguments than parameters
        for name in positional + keyword_only:
            if name in kwargs:
                bound[name] = kwargs[name]
            elif name not in bound:
                if defaults.get(name) is None:
                    raise self._unsupported(
                        f"call of `{fn.name}` without its argument `{name}`",
                        hint="pass every parameter that has no default",
                    )
                bound[name] = self._atom(defaults[name])
        return bound

    def _return(self, stmt: gast.Return) -> None:
        if not isinstance(stmt.value, (gast.Name, gast.Constant, gast.Tuple)):
            # `return <expr>`: the result is named after the function, so its adjoint reads
            # `loss_bar` rather than `_t7_bar`.
            name = self.namer.fresh(self.node.name)
            self.emit(Assign(name, self._expr(stmt.value), self.line))
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
        return self._atom(node)

    # control flow

    def _if(self, stmt: gast.If) -> None:
        test = self._atom(stmt.test)
        before = dict(self.env)
        blocks, envs = [], []
        for branch in (stmt.body, stmt.orelse):
            self.env = dict(before)
            block: list[Stmt] = []
            with self.in_block(block):
                self._block(branch)
            blocks.append(block)
            envs.append(self.env)
        self.env = dict(before)
        changed = sorted({n for env in envs for n in env if env.get(n) != before.get(n)})
        for name in changed:
            self.env[name] = envs[0].get(name, envs[1].get(name))
            if not self._live_outside(name, stmt):
                continue
            if any(name not in env for env in envs):
                # Assigned on one path only: None on the other, so the joined variable (and
                # a zero adjoint made from it) exists on every path.
                unset = Var(self._define(name, Const(None)))
                envs = [env if name in env else {**env, name: unset} for env in envs]
            joined = self.namer.version(name)
            for block, env in zip(blocks, envs, strict=True):
                with self.in_block(block):
                    value = self._as_atom(env[name])
                block.append(Assign(joined, value, self.line))
                self.note_kind(joined, value)
            self.env[name] = Var(joined)
        self.emit(If(test, blocks[0], blocks[1], stmt.lineno))

    def _for(self, stmt: gast.For) -> None:
        self._no_else(stmt)
        it, checkpoint = self._checkpointed(stmt.iter)
        iterable, target, elements = self._loop_iteration(stmt, it)
        if self._live_outside(target, stmt):
            # Read after the loop: bound in the body from a loop index of its own, so that
            # an empty loop leaves the value it had before, as in Python.
            elements = [(target, lambda index: index), *elements]
            target = f"_{target}"
        carried = self._enter_loop(stmt, [name for name, _ in elements])
        body: list[Stmt] = []
        target_name = self.namer.version(target)
        self.env[target] = Var(target_name)
        with self.in_block(body):
            for name, index_of in elements:
                self._define(name, index_of(Var(target_name)))
            self._block(stmt.body)
            self._copy_back(carried)
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
        for name in sorted(stored_names(stmt.body) | set(targets)):
            bound = self.env.get(name)
            if name in targets:
                if not self._live_outside(name, stmt):
                    continue
            elif not self._carried(name, stmt):
                continue
            if bound is None:
                if name in always:
                    continue  # bound by every iteration before any read
                bound = Const(None)
            self._require_atom(bound, name)
            header = self.namer.version(name)
            self.emit(Assign(header, bound, self.line))
            self.env[name] = Var(header)
            carried[name] = header
        self.carried_by_loops.append(set(carried))
        self.loop_lines.append((stmt.lineno, stmt.end_lineno))
        return carried

    def _leave_loop(self) -> None:
        self.carried_by_loops.pop()
        self.loop_lines.pop()

    def _copy_back(self, carried: dict[str, str]) -> None:
        for name, header in carried.items():
            value = self.env[name]
            if value != Var(header):
                self._require_atom(value, name)
                self.emit(Assign(header, value, self.line))
                if not isinstance(value, Var) or self.copy_of.get(value.name) != header:
                    self._rebound(header)
            self.env[name] = Var(header)

    def _rebound(self, header: str) -> None:
        """`header` now holds another object: the names that were copies of it (`b = a`
        earlier in the iteration) keep the old one, shared among them only."""
        old = f"{header}#{len(self.copy_of)}"  # not a name: no variable has this root
        for name, root in self.copy_of.items():
            if root == header:
                self.copy_of[name] = old

    def _exit_loop(self, stmt: gast.stmt, carried: dict[str, str], targets: list[str]) -> None:
        """After the loop, a variable read later gets an exit copy of its last version."""
        for name in sorted(set(stored_names(stmt.body)) | set(targets) | set(carried)):
            if name in self.env and self._live_outside(name, stmt):
                self._require_atom(self.env[name], name)
                self._define(name, self.env[name])

    def _carried(self, name: str, loop: gast.For | gast.While) -> bool:
        """Whether an iteration may read the value `name` had before it (or after the loop)."""
        if self._live_outside(name, loop):
            return True
        if isinstance(loop, gast.While) and name in loaded_names(loop.test):
            return True
        for stmt in loop.body:
            if name in loaded_names(stmt):
                return True
            if isinstance(stmt, gast.Assign) and name in stored_names([stmt]):
                return False  # assigned before any read in this iteration
        return False

    def _live_outside(self, name: str, stmt: gast.stmt) -> bool:
        """Whether `name` may be read after `stmt`: later, or earlier in an enclosing loop."""
        if any(name in carried for carried in self.carried_by_loops):
            return True
        start, end = stmt.lineno, stmt.end_lineno
        for line in self.loads.get(name, ()):
            if line > end:
                return True
            if line < start and any(first <= line for first, _ in self.loop_lines):
                return True  # the next iteration of an enclosing loop reads it
        return False

    def _as_atom(self, bound: Binding) -> Atom:
        """A static tuple made a value (`tuple()` of its items), to join it with others."""
        if not isinstance(bound, tuple):
            return bound
        items = self._atom_of(self._list_of(bound))
        return self._atom_of(Prim(tuple, (items,), spelled="tuple"))

    def _require_atom(self, bound: Binding, name: str) -> None:
        if isinstance(bound, tuple):
            raise self._unsupported(
                f"the tuple `{name}` reassigned in a branch or loop",
                hint="unpack it into separate names first",
            )


def _assigned_first(body: list[gast.stmt]) -> set[str]:
    """Names every iteration of a loop with this body assigns at its top level."""
    names: set[str] = set()
    for stmt in body:
        if isinstance(stmt, gast.Assign):
            names |= stored_names([stmt]) - {
                t.value.id for t in stmt.targets if isinstance(t, gast.Subscript)
            }
    return names
