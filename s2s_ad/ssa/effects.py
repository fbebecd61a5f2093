"""Passive statements kept for their effect: copied as written, in program order.

A mixin of the lowering. An expression statement (`print(…)`, `logger.info(…)`,
`warnings.warn(…)`, a call of a helper for its effect on passive data), `assert`, `raise`,
and a `try` whose every statement is one of those, compute no value the function goes on
with: each becomes one `Effect` holding the statement as written, its local names renamed
to their SSA versions. The sweeps emit it once, where it stands, in the primal or forward
sweep only (never in a pullback, nor when a checkpointed loop runs a segment again); it has
no derivative. An `Effect` reads values and so keeps them alive, and prints the primal.

Before::

    def f(x, n):
        assert n > 0, f"n = {n}"
        y = np.sin(x)
        print("y:", y)
        return y * n

After (SSA)::

    def f(x, n):
        assert n > 0, f'n = {n}'
        y = np.sin(x)
        print('y:', y)
        f = y * n
        return f

A call that could update a local value in place would change a value the SSA form models as
unchanged: such a call (`rng.shuffle(idx)`, `xs.sort()`, a helper that writes into its
argument) is refused at its line, unless its callee is known to leave its arguments alone
(`print`, `logging`, `warnings`, NumPy functions without `out=`, str and array methods that
read, helpers of yours that update no argument). A `try` around code that assigns is
refused with what to write instead.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import linecache
import os
import types
import warnings

import gast
import numpy as np

from ..callables import gradient_made_from
from ..codegen.build import LINE
from ..errors import UnsupportedSyntaxError
from ..frontend import nodes
from ..frontend.gast_conversion import parse
from ..frontend.library import is_library_function, module_name
from ..frontend.nodes import descendants
from ..frontend.scope import is_missing
from .effect_calls import (
    GENERATORS,
    READING_METHODS,
    STREAM_READS,
    STREAM_WRITES,
    changes_container,
    changes_first_only,
    changes_given,
    described_effect,
    exposed,
    first_update,
    helper_effect,
    helper_update,
    is_data,
    item_update,
    logs_or_warns,
    only_reads,
    own_setter,
    reads_stream,
    root,
    view_base,
)
from .ir import Assign, Const, Effect, Free, Function, Prim, Var, walk
from .lower_expr import INTROSPECTION, STORING_METHODS
from .stored_values import (
    CONTENTS,
    SETTERS,
    given_arguments,
    object_path,
    object_paths,
    partial_setter_target,
    same_object_paths,
    source_path,
    spelled_path,
    statement_store,
    stored_parameters,
)

_LITERALS = (gast.Constant, gast.JoinedStr)
_PASSIVE_STATEMENTS = (gast.Expr, gast.Assert, gast.Raise, gast.Pass, gast.Try, gast.If)
_STATEMENT_NAMES = {
    gast.Assign: "an assignment",
    gast.AugAssign: "an assignment",
    gast.AnnAssign: "an assignment",
    gast.Return: "`return`",
    gast.For: "a loop",
    gast.While: "a loop",
    gast.With: "a `with` block",
    gast.Break: "`break`",
    gast.Continue: "`continue`",
}


def _stamp_nested_lines(node: ast.stmt) -> None:
    """Give the statements nested in a copied compound statement (a passive `try`, an `if`
    of prints) the user's lines they were written on, for the code's line table: an
    exception one of them raises is named at its own line, not the `def`'s (located.py).
    The statement itself is stamped with its line where the copy is placed."""
    for nested in ast.walk(node):
        if nested is not node and isinstance(nested, ast.stmt) and hasattr(nested, "lineno"):
            setattr(nested, LINE, nested.lineno)


class Effects:
    """The mixin: `_effect` lowers one statement kept for its effect."""

    def _effect(self, stmt: gast.stmt) -> None:
        if isinstance(stmt, gast.Try):
            self._refuse_active_try(stmt)
        inner = _inner_scope_names(stmt)
        clash = sorted(inner & (self.locals | set(self.env)))
        if clash:
            raise self._unsupported(
                f"`{clash[0]}` bound both by a comprehension or lambda inside a statement kept "
                "for its effect and by the function",
                hint=f"give the comprehension's or lambda's variable a name other than "
                f"`{clash[0]}`",
            )
        calls = [n for n in descendants(stmt) if isinstance(n, gast.Call)]
        for call in calls:
            self._refuse_updating_call(call, inner)
        renamed, reads = self._renamed(stmt, inner)
        self._locate_warnings(calls, renamed)
        node = gast.gast_to_ast(renamed)
        _stamp_nested_lines(node)
        stores = self._helper_stores(calls) + self._own_store(stmt) + self._partial_stores(calls)
        self.emit(Effect(node, tuple(reads), self.line, stores))

    def _own_store(self, stmt: gast.stmt) -> tuple:
        """The store the statement writes itself (`setattr(STATE, "last", v)`,
        `QUEUES["a"].append(v)`, `heapq.heappush(HEAP, v)`, `STATE.__dict__.update(last=v)`:
        ssa/stored_values.py's `statement_store`, as in a helper), in `_helper_stores`' form:
        a read of the object back after a value carrying a derivative is stored in it is
        refused (ad/stored_derivatives.py)."""
        call = getattr(stmt, "value", None)
        if isinstance(call, gast.Call) and not _may_store(self._callee_object(call.func)):
            return ()
        stored, targets, contents = statement_store(stmt, set())
        paths, objects = set(), set()
        for path in filter(None, map(object_path, targets)):
            atom = self.env.get(path[0])
            if getattr(atom, "free", None) is not None:  # (an object known: callable_values)
                held = getattr(atom, "atom", None)
                atom = held if isinstance(held, Var) else atom.free
            if isinstance(atom, Var):
                objects.add(atom.name)
                continue
            if isinstance(atom, Free):  # (`o` of `for o in OBJS`, unrolled: `OBJS[0]`)
                path = (*source_path(atom.source), *path[1:])
            elif path[0] in self.locals:
                continue
            paths.add((*path, CONTENTS) if contents else path)
        if not (paths or objects):
            return ()
        sources = frozenset(self._variables_in(stored))
        called = ast.unparse(gast.gast_to_ast(stmt.value.func))
        where = f"into `{ast.unparse(gast.gast_to_ast(targets[0]))}`"
        return ((called, where, frozenset(paths), frozenset(objects), sources),)

    def _variables_in(self, expr: gast.AST) -> list[str]:
        """The SSA variables the names in `expr` are bound to (a tuple's items too)."""
        names = (n.id for n in descendants(expr) if type(n) is gast.Name)
        bound = [self.env.get(name) for name in names]
        atoms = [a for b in bound for a in (b if isinstance(b, tuple) else (b,))]
        return [a.name for a in atoms if isinstance(a, Var)]

    def _partial_stores(self, calls: list[gast.Call]) -> tuple:
        """`_helper_stores`' form of the calls of a setter's `partial` (`SET_LR =
        partial(setattr, OBJS[0], "lr")`, `OPS[0](v)`), or of a call given one with the value
        (`apply(SET_LR, v)`): the paths from the module's names to the object it sets (found
        by identity: ssa/stored_values.py's `object_paths`)."""
        found = []
        for call in calls:
            callee = nodes.chain_value(call.func, self._free_value)
            target = partial_setter_target(callee)
            given = [*call.args, *(k.value for k in call.keywords)]
            setter = call.func
            if target is None:  # (one given to a call, which may call it with the others:
                # `apply_setter(SET_LR, v)`)
                setters = [
                    (a, t)
                    for a in given
                    if (t := partial_setter_target(nodes.chain_value(a, self._free_value)))
                ]
                if not setters:
                    continue
                setter, target = setters[0]
                given = [a for a in given if a is not setter]
            paths = frozenset(
                (*path, target[1]) for path in object_paths(target[0], self.scope.globals)
            )
            sources = frozenset(n for arg in given for n in self._variables_in(arg))
            spelled = gast.unparse(setter).strip()
            where = f"into `{spelled_path(min(paths)) if paths else spelled}`"
            found.append((spelled, where, paths, frozenset(), sources))
        return tuple(found)

    def _free_value(self, name: str) -> object:
        """What a free name of the function names now (None for a local)."""
        if name in self.env or name in self.locals:
            return None
        value = self.scope.lookup(name)
        return None if is_missing(value) else value

    def _helper_stores(self, calls: list[gast.Call]) -> tuple:
        """Where each helper of the user's among `calls` stores a value made from what it
        is given (ssa/stored_values.py): (its name, the statement described, the paths of
        the module objects and the variables of the objects it stores into, the variables
        the value stored is made from); a caller reading one of
        those back after giving it a derivative is refused (ad/stored_derivatives.py)."""
        found = []
        for call in calls:
            callee = self._callee_object(call.func)
            helper = _user_function(callee)
            stores = stored_parameters(helper) if helper is not None else ()
            if not stores:
                continue
            args = call.args
            if isinstance(callee, types.MethodType) and isinstance(call.func, gast.Attribute):
                args = [call.func.value, *args]  # (`REC.record(y)`: `self` is `REC`)
            given = given_arguments(helper, args, [(k.arg, k.value) for k in call.keywords])
            for store in stores:
                objects, paths = set(), set(store.paths)
                for path in store.params:
                    arg = given.get(path[0])
                    atom = self.env.get(root(arg)) if arg is not None else None
                    if isinstance(atom, Var):
                        if not store.in_place:  # (a local's: checked when the call runs)
                            objects.add(atom.name)
                    elif arg is not None and root(arg) is not None and root(arg) not in self.locals:
                        given_path = (*object_path(arg), *path[1:])  # (`keep_in(STATE, y)`)
                        # (and the same object's other names: `SCHED.opt` is `OPT`)
                        paths |= {given_path, *same_object_paths(given_path, self.scope.globals)}
                values = [given[p] for p in store.sources if p in given]
                if len(values) < len(store.sources):  # (`*args`: any argument may be it)
                    values = [*args, *(k.value for k in call.keywords)]
                sources = frozenset(n for v in values for n in self._variables_in(v))
                where = (helper.__name__, store.where, frozenset(paths), frozenset(objects))
                found.append((*where, sources))
        return tuple(found)

    def _locate_warnings(self, written: list[gast.Call], renamed: gast.stmt) -> None:
        """`warnings.warn(…)` in `renamed` (the copy of the statement whose calls are
        `written`, in `descendants`' order) called as `rt.warn(…)`, which
        locates the warning at the user's statement, as the plain call does (shown once per
        location under the default filter: runtime/warnings_at.py). In a helper inlined, the
        call is given the (file, line) of the frames the plain call would have had, the
        warning's first, then each call of an inlined helper out to the function's own."""
        copied = [n for n in descendants(renamed) if isinstance(n, gast.Call)]
        if len(written) != len(copied):  # (a name renamed into a call: left as written)
            return
        sites = self.__dict__.get("inline_sites")
        for call, copy_ in zip(written, copied, strict=True):
            if self._callee_object(call.func) is warnings.warn:
                runtime = nodes.name(self.aliases.rt)
                copy_.func = gast.Attribute(value=runtime, attr="warn", ctx=gast.Load())
                if sites:  # in a helper inlined: the frames the plain call would have
                    frames = [(self.filename, self.line), *reversed(sites)]
                    at = gast.keyword(arg="inlined_at", value=nodes.constant(tuple(frames)))
                    copy_.keywords.append(at)

    # what the statement reads, under SSA names

    def _renamed(self, stmt: gast.stmt, inner: set[str]) -> tuple[gast.stmt, list[str]]:
        """A copy of `stmt` whose local names are their SSA versions; the versions read."""
        stmt = copy.deepcopy(stmt)
        handlers = {}  # `except E as err`: a name of the handler's own, fresh
        for node in gast.walk(stmt):
            if isinstance(node, gast.ExceptHandler) and node.name is not None:
                if node.name.id in self.env:  # Python rebinds it, then deletes it
                    raise self._unsupported(
                        f"`except … as {node.name.id}`, which rebinds the local "
                        f"`{node.name.id}` (and deletes it after the handler)",
                        hint="give the exception a name of its own",
                    )
                handlers[node.name.id] = self.namer.fresh(node.name.id)
        reads: list[str] = []

        def renamed(item: gast.AST) -> gast.AST | None:
            if not isinstance(item, gast.Name) or item.id in inner:
                return None
            return self._renamed_name(item, handlers, reads)

        nodes.replace_children(stmt, renamed)
        return stmt, reads

    def _renamed_name(self, name: gast.Name, handlers: dict, reads: list[str]) -> gast.expr:
        if name.id in handlers:
            return nodes.name(handlers[name.id], store=isinstance(name.ctx, gast.Store))
        if not isinstance(name.ctx, gast.Load):
            raise self._unsupported(
                f"assignment to `{name.id}` inside a `try` block",
                hint="assign before or after the `try`, and keep inside it only calls such as "
                "print(), logging, `assert` and `raise`",
            )
        if name.id in self.stored_in_free and name.id not in self.env:
            return name  # `LOG` in `LOG.append(y)`, `print(LOG)`: the module's object
        atom = self._name(name.id)  # refuses names used before assignment, nested defs
        if isinstance(atom, Var):
            reads.append(atom.name)
            return nodes.name(atom.name)
        if isinstance(atom, Const):
            return nodes.constant(atom.value)
        assert isinstance(atom, Free)
        if atom.source != name.id:  # a known object: `self` of a bound method, `_s2s_bound0`
            return parse(atom.source, mode="eval").body
        return name

    # calls that might update a local value

    def _refuse_updating_call(self, call: gast.Call, inner: set[str]) -> None:
        func = call.func
        receiver = root(func.value) if isinstance(func, gast.Attribute) else None
        if receiver is not None and self._is_local(receiver, inner):
            if func.attr in READING_METHODS:
                return
            raise self._unsupported(
                f"method `.{func.attr}()` of the local `{receiver}` in a statement kept for "
                f"its effect: it may update `{receiver}` in place, which s2s_ad does not see",
                hint=f"call it on a copy (`{receiver}.copy()`), or outside the differentiated "
                "function",
            )
        literal = isinstance(func, gast.Attribute) and isinstance(func.value, _LITERALS)
        if literal and func.attr in READING_METHODS:  # `"{:.3f}".format(x)`, `", ".join(xs)`
            return
        if receiver is None and isinstance(func, gast.Attribute) and not literal:
            # `last(hist).append(v)`, `d.get("h").append(v)`, `next(iter(rows)).append(v)`:
            # the object may be one of this function's lists, dicts or arrays
            reads = {n.id for n in descendants(func.value) if isinstance(n, gast.Name)}
            local = sorted(n for n in reads if self._is_local(n, inner))
            if local and func.attr not in READING_METHODS:
                spelled = gast.unparse(func.value).strip()
                raise self._unsupported(
                    f"method `.{func.attr}()` of `{spelled}` in a statement kept for its "
                    f"effect: it may update one of this function's values (made from "
                    f"`{local[0]}`) in place, which s2s_ad does not see",
                    hint=f"bind it to a name first (`v = {spelled}`), then `v.{func.attr}(…)`"
                    ", or update the container by its own name",
                )
        callee = self._callee_object(func)
        self._refuse_writing_call(call, callee)  # `out=`, np.copyto: ssa/aliasing.py
        if any(callee is builtin for builtin in INTROSPECTION):
            raise self._unsupported(
                f"call of `{gast.unparse(func).strip()}`, which can read local variables "
                "s2s_ad cannot see",
                hint="write the computation out as code",
            )
        if only_reads(callee, call):
            return
        passed = [*call.args, *(kw.value for kw in call.keywords)]
        if changes_first_only(callee):  # `setattr(OBJS[0], "lr", v)`: keeps `v`, changes none
            stored = self._locals_in(passed[1:], inner)
            if stored:
                self._refuse_storing_updated(call, stored, when_run=True)
            passed = passed[:1]
        given = self._locals_in(passed, inner)
        if receiver is not None and self._is_local(receiver, inner):
            given.insert(0, receiver)
        if not given:
            return
        spelled = gast.unparse(func).strip()
        # `LOSSES.append(loss)`: a method of an object (not `np.add(a, b, out=a)`, a
        # module's function of a storing method's name)
        owner = getattr(callee, "__self__", None)
        of_object = callee is None or not (owner is None or isinstance(owner, types.ModuleType))
        # (`HISTORY.__setitem__(k, v)` of `HISTORY[k] = v` keeps `v` as `.append` does)
        method = func.attr if isinstance(func, gast.Attribute) else None
        if (method in STORING_METHODS or method in _OWN_SETTERS) and of_object:
            self._refuse_storing_updated(call, given)
            return
        if isinstance(callee, types.FunctionType):
            kept = self._kept_by_helper(call, callee, inner)
            if kept:  # (`log_it(v)` doing `LOG.append(v)`)
                self._refuse_storing_updated(call, kept, when_run=True)
            update = helper_update(callee)
            if update is None:
                return  # a helper of yours that updates none of its arguments
            for name in given:
                self._check_not_updated(
                    name,
                    f"call of `{spelled}` for its effect, given the local `{name}`: it may "
                    f"update its argument in place ({update})",
                    f"pass a copy (`{name}.copy()`), or make `{spelled}` return a new value "
                    "instead of updating its argument",
                )
            return
        for name in given:
            self._check_not_updated(
                name,
                f"call of `{spelled}` for its effect, given the local `{name}`: s2s_ad cannot "
                f"see whether it updates `{name}` in place",
                f"pass a copy (`{name}.copy()`), or make the call outside the differentiated "
                "function",
            )

    def _kept_by_helper(self, call: gast.Call, helper: types.FunctionType, inner: set[str]):
        """The locals `call` passes to `helper` as values it keeps where others read them
        (`LOG.append(v)`, `STATE.last = v`: ssa/stored_values.py; not a factor of an update
        in place, `a *= s`)."""
        if self.filename.startswith("<s2s_ad"):
            return []  # (derivative code made here updates no value in place)
        stores = [store for store in stored_parameters(helper) if not store.in_place]
        if not stores:
            return []
        given = given_arguments(helper, call.args, [(k.arg, k.value) for k in call.keywords])
        return self._locals_in([given[p] for s in stores for p in s.sources if p in given], inner)

    def _same_object(self, names: list[str]) -> list[str]:
        """`names` and the other locals naming the same objects now (`u = v`)."""
        roots = {self._object_of(name) for name in names} - {None}
        if not roots:
            return names
        sharing = {n for n in self.env if self._object_of(n) in roots}
        return sorted(sharing | set(names))

    def _view_bases(self, names: list[str], call: gast.Call) -> list[str]:
        """The locals (not parameters) whose arrays `names` are views of, by their
        assignments before `call` (`v` of `u = v[:]`, `u = v.T`, `u = v.reshape(-1)`):
        updating one updates the view."""
        found = set(names)
        assigned = [
            n
            for n in descendants(self.node)
            if isinstance(n, gast.Assign) and n.lineno <= call.lineno
        ]
        for _ in range(len(assigned)):
            before = len(found)
            for n in assigned:
                if any(isinstance(t, gast.Name) and t.id in found for t in n.targets):
                    found |= view_base(n.value, self._callee_object)
            if len(found) == before:
                break
        params = {a.id for a in (*self.node.args.posonlyargs, *self.node.args.args)}
        return sorted(n for n in found - set(names) - params if self._is_local(n, set()))

    def _object_of(self, name: str) -> str | None:
        """The SSA variable whose object the local `name` is (through copies, `y = x`)."""
        atom = self.env.get(name)
        return self.copy_of.get(atom.name, atom.name) if isinstance(atom, Var) else None

    def _locals_in(self, passed: list, inner: set[str]) -> list[str]:
        """The local names whose objects the arguments `passed` may be (sorted)."""
        found = {n for arg in passed for n in exposed(arg, self._callee_object)}
        return sorted(n for n in found if self._is_local(n, inner))

    def _check_not_updated(self, name: str, construct: str, hint: str) -> None:
        """Refuse, when the call runs, a local array, list or dict passed to a call that may
        update it (the SSA form would not see the update); any other value (None, a plot's
        axes, a random generator) passes: its updates change nothing differentiated."""
        atom = self._name(name)
        if not isinstance(atom, Var):
            return  # a constant: a number or a string, which no call updates
        self._checked_unshared(atom, atom, f"unsupported construct: {construct}", hint)

    def _refuse_storing_updated(
        self, call: gast.Call, given: list[str], *, when_run: bool = False
    ) -> None:
        """A module's list or dict keeping a local value: the plain call's would see the
        function's later in-place updates of it, the derivative's value does not (it makes
        a new version): refused where there are any (`when_run`: when the call runs, where
        the value is an array, list or dict: `k += 1` of a number updates nothing)."""
        given = self._same_object(given)  # (`u = v; LOG.append(u); v += 1.0`)
        update = first_update(
            self.node, set(given), self._callee_object, skip=call, filename=self.filename
        )
        bases = self._view_bases(given, call)  # (`u = v[:]; LOG.append(u); v += 1.0`)
        if update is None and bases:
            update = first_update(
                self.node, set(bases), self._callee_object, 0, call, self.filename, False
            )
        container = root(call.func.value) if isinstance(call.func, gast.Attribute) else None
        if update is None and container is not None and not self._is_local(container, set()):
            # (`LOG.append(v); LOG[0][0] = 0.0`: through the module's container)
            update = item_update(self.node, {container}, self._callee_object, call, self.filename)
        if update is None:
            return
        spelled = gast.unparse(call.func).strip()
        construct = (
            f"`{spelled}` keeps the local `{given[0]}`, which the function then updates in "
            f"place ({update}): what it keeps would differ from the plain call's"
        )
        hint = f"keep a copy: `{_with_copy(call, given[0])}`"
        if not when_run:
            raise self._unsupported(construct, hint=hint)
        for name in given:
            self._check_not_updated(name, construct, hint)

    def _is_local(self, name: str, inner: set[str]) -> bool:
        return name not in inner and (name in self.env or name in self.locals)

    def _callee_object(self, func: gast.expr) -> object:
        """The object a callee spelled `f` or `a.b.f` names when all of it is free, else None."""
        dotted = []
        while isinstance(func, gast.Attribute):
            dotted.append(func.attr)
            func = func.value
        if not isinstance(func, gast.Name) or func.id in self.env or func.id in self.locals:
            return None
        return self.scope.resolve([func.id, *reversed(dotted)])

    def _refuse_active_try(self, stmt: gast.Try) -> None:
        """A `try` is copied whole: only statements kept for their effect may be in it."""
        inside = [n for n in nodes.walk_own(stmt) if isinstance(n, gast.stmt) and n is not stmt]
        for node in sorted(inside, key=lambda n: n.lineno):
            if not isinstance(node, _PASSIVE_STATEMENTS):
                what = _STATEMENT_NAMES.get(type(node), f"`{type(node).__name__.lower()}`")
                raise UnsupportedSyntaxError(
                    f"unsupported construct: `try` around {what} (line {node.lineno}): a "
                    "`try` is kept only around print(), logging, `assert`, `raise` and other "
                    "calls for their effect (a derivative cannot follow an exception)",
                    filename=self.filename,
                    line=stmt.lineno,
                    hint="compute outside the `try`: check the inputs with `if …: raise …` "
                    "instead of catching the error, or move the `try` outside the "
                    "differentiated function",
                )


def first_effect(fn: Function) -> str | None:
    """The first statement of `fn` kept for its effect or drawing random numbers, or of a
    helper of the user's it calls, described as the user wrote it with its line (what
    `jit=True` names when the code runs as NumPy code); None if there is none: running it
    twice would not show."""
    # (the helpers found without one: a helper called again is not read again, each call
    # in its source looked up again)
    quiet: set[types.FunctionType] = set()
    for stmt in walk(fn.body):
        if isinstance(stmt, Effect):
            written = _as_written(fn.filename, stmt)
            return described_effect(written, stmt.line, _written_in(fn, stmt.line))
        if isinstance(stmt, Assign) and isinstance(stmt.value, Prim):
            # a draw, or a call kept for its effect as an inlined lambda's body makes it
            # (`show = lambda v: print(v)`: `_t2 = print(v)`)
            if _runs_for_effect(stmt.value) or module_objects_updated(stmt.value):
                written = linecache.getline(fn.filename, stmt.line).strip() or "a random draw"
                return described_effect(written, stmt.line, _written_in(fn, stmt.line))
            helper = _user_function(stmt.value.fn)
            if helper is None or helper in quiet:
                continue
            found = helper_effect(helper)
            if found is not None:
                return found
            quiet.add(helper)
    return None


def _written_in(fn: Function, line: int) -> str:
    """The name of the function `line` is in: `fn`, or a helper inlined into it (the
    innermost whose lines hold it); else `fn`'s file's."""
    if fn.last_line is None or fn.first_line <= line <= fn.last_line:
        return fn.name
    spans = [(last - first, name) for first, last, name in fn.inlined_from if first <= line <= last]
    return min(spans)[1] if spans else os.path.basename(fn.filename)


def _as_written(filename: str, stmt: Effect) -> str:
    """The statement's source, its lines joined (a `print(` over several); a compound
    statement's (a `try`) first line only."""
    node = stmt.node
    first, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    span = 0 if hasattr(node, "body") or first is None or end is None else end - first
    lines = linecache.getlines(filename)[stmt.line - 1 : stmt.line + span]
    return " ".join(line.strip() for line in lines) or "a statement"


def calls_effect(value: object) -> bool:
    """Whether `value` draws random numbers, or calls a function of the user's (a method
    too) that has a statement kept for its effect or draws: the call must run, once, even
    when nothing reads its result."""
    if not isinstance(value, Prim):
        return False
    if _runs_for_effect(value):
        return True
    helper = _user_function(value.fn)
    if helper is None:
        return False
    return helper_effect(helper) is not None or bool(module_objects_updated(value))


def module_objects_updated(prim: Prim) -> list[str]:
    """The names of the module objects (`M`, `STATE` of `STATE.buf`) a call of a helper of
    yours that may update an argument in place (`scale_inplace(M, 2.0)` doing `a *= s`) is
    given: it changes them, as `set_scale` changes `SCALE`. (A local given is checked when
    the call runs: ssa/callee_updates.py.)"""
    given = prim.args if not prim.kwargs else (*prim.args, *(a for _, a in prim.kwargs))
    names = [a.source for a in given if type(a) is Free and is_data(a.value)]
    defaults = defaults_held(prim.fn) if _user_function(prim.fn) is not None else []
    if not (names or defaults) or not updates_arguments(prim.fn):
        return []
    return [name.split(".")[0].split("[")[0] for name in names] + defaults


def defaults_held(callee: object) -> list[str]:
    """The module names of the arrays, lists and dicts a helper's defaults are (`def
    decay(a=M)`: the call without it updates `M`), found in its module by identity."""
    fn = getattr(callee, "func", callee)  # (a `partial`'s)
    fn = getattr(fn, "__func__", fn)
    defaults = [
        *(getattr(fn, "__defaults__", None) or ()),
        *(getattr(fn, "__kwdefaults__", None) or {}).values(),
    ]
    held = [d for d in defaults if isinstance(d, (np.ndarray, list, dict))]
    globals_ = getattr(fn, "__globals__", {})
    return sorted({path[0] for d in held for path in object_paths(d, globals_, depth=1)})


def updates_arguments(fn: object) -> bool:
    """Whether `fn` is a helper of yours (a method too) that may update an argument in
    place (`effect_calls.helper_update`; a `partial` of one too); not a library's, nor
    s2s_ad's own (`rt.…`, the derivative code it made: `mse_grad`)."""
    if _KEPT is not None and fn in _KEPT:
        return _KEPT[fn]
    helper = _user_function(fn.func if isinstance(fn, functools.partial) else fn)
    found = not (
        helper is None
        or is_library_function(helper)
        or module_name(helper).startswith("s2s_ad.")
        or helper.__code__.co_filename.startswith("<s2s_ad")
    )
    found = found and helper_update(helper) is not None
    if _KEPT is not None:
        _KEPT[fn] = found
    return found


# `updates_arguments`' answers while one derivative is made (`answers_kept`): each helper's
# source read once then, not at every statement rendered (a helper's globals may be rebound
# between two derivatives, so nothing is kept across them)
_KEPT: dict | None = None


@contextlib.contextmanager
def answers_kept():
    """Keep `updates_arguments`' answers for as long as the outermost such block runs."""
    global _KEPT
    outermost = _KEPT is None
    if outermost:
        _KEPT = {}
    try:
        yield
    finally:
        if outermost:
            _KEPT = None


def _prints_logs_or_sets(fn: object) -> bool:
    """`print`, `delattr`, a setter (`setattr`, `operator.setitem`, `object.__setattr__`), a
    `logging` or `warnings` function or a logger's
    method, a method changing a module's list, dict or set: called where nothing reads its
    result (a lambda's body inlined, `lambda v: print(v)`), it runs for its effect all the
    same. (Asked of every statement rendered: a few attribute reads.)"""
    if fn is print or fn is delattr or fn in SETTERS or changes_container(fn):
        return True  # (`OUT.append(v)` of a module's list too)
    return logs_or_warns(fn) or own_setter(fn)


_OWN_SETTERS = frozenset(("__setattr__", "__setitem__"))


# the methods changing a list, dict, set or deque that give back an item (not None)
ITEM_TAKING = frozenset(("pop", "popitem", "setdefault", "popleft"))


def returns_none_for_effect(fn: object) -> bool:
    """Whether `fn` is called for its effect and gives back None: `print`, a setter, a
    logger's or `warnings` call, a method storing in a list, dict or set (`LOG.append`).
    Its value carries no derivative (`print(v) or v` is `v`'s), and a checkpointed loop's
    rerun stands None in for it (ad/reverse.py)."""
    if changes_container(fn):
        return getattr(fn, "__name__", "") not in ITEM_TAKING
    return fn is print or fn is delattr or fn in SETTERS or logs_or_warns(fn) or own_setter(fn)


# a stream's methods reading or writing (one question of each statement, not two)
_STREAM_CALLS = STREAM_READS | STREAM_WRITES


def _runs_for_effect(prim: Prim) -> bool:
    """A draw, a `print`, a logger's or setter's call (`_prints_logs_or_sets`), or one
    changing the object it is given first (`next(BATCHES)`, `heapq.heappop(HEAP)`, a local's
    too) or a stream's read or write (`F.readline()`, `n = LOG.write(line)`), not a helper of
    the user's: it runs for its effect, once."""
    fn = prim.fn
    if reads_stream(fn, _STREAM_CALLS):  # (`n = LOG.write(line)` too)
        return True
    return prim_draws(prim) or _prints_logs_or_sets(fn) or changes_given(fn)


def prim_draws(prim: Prim) -> bool:
    """Whether the primitive draws random numbers (`effect_calls.draws_random`): a
    generator's method, or a call given a generator the lowering knows (a module's, through
    a dict, a list or an object's attribute). (Asked of every statement rendered: no
    tuple of its operands' values made.)"""
    if isinstance(getattr(prim.fn, "__self__", None), GENERATORS):
        return True
    for atom in (*prim.args, *(a for _, a in prim.kwargs)) if prim.kwargs else prim.args:
        if type(atom) is Free and isinstance(atom.value, GENERATORS):
            return True
    return False


def _may_store(callee: object) -> bool:
    """Whether a call of `callee` (None: not known) kept for its effect may store what it is
    given where the function reads it: not a helper of yours or a callback an object holds
    (`_helper_stores` finds theirs), nor a method other than a list's, dict's, set's or
    array's changing it (`TMP.write(s)`, `LOGGER.info(…)` write out)."""
    if _user_function(callee) is not None:
        return False
    owner = getattr(callee, "__self__", None)
    if owner is None or isinstance(owner, types.ModuleType):
        return True  # (`setattr`, `operator.setitem`, `heapq.heappush`, or not known)
    name = getattr(callee, "__name__", "")
    return changes_container(callee) or name in ("__setitem__", "__setattr__")


def _user_function(fn: object) -> types.FunctionType | None:
    """`fn` as a plain function (a method's; the function gradient code s2s_ad made for
    `grad(g)(x)` inside was made from: `g`), or None where it is none."""
    if isinstance(fn, types.MethodType):
        fn = fn.__func__
    if not isinstance(fn, types.FunctionType):
        return None
    return gradient_made_from(fn) or fn


def _inner_scope_names(stmt: gast.stmt) -> set[str]:
    """Names bound by lambdas and comprehensions inside `stmt` (scopes of their own)."""
    names: set[str] = set()
    for node in descendants(stmt):
        if isinstance(node, gast.Lambda):
            args = node.args
            params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            params += [a for a in (args.vararg, args.kwarg) if a is not None]
            names |= {p.id for p in params}
        elif isinstance(node, gast.comprehension):
            names |= {n.id for n in descendants(node.target) if isinstance(n, gast.Name)}
    return names


def _with_copy(call: gast.Call, name: str) -> str:
    """`call` as written with `name.copy()` for `name` where it is passed (`LOG.insert(0,
    v.copy())`; a store, `HIST["k"] = v.copy()`, as an assignment)."""

    def copied(arg: gast.expr) -> str:
        text = gast.unparse(arg).strip()
        return f"{name}.copy()" if text == name else text

    args = [copied(a) for a in call.args]
    func = call.func
    if isinstance(func, gast.Attribute) and func.attr == "__setitem__" and len(args) == 2:
        return f"{gast.unparse(func.value).strip()}[{args[0]}] = {args[1]}"
    args += [
        f"{k.arg}={copied(k.value)}" if k.arg else f"**{copied(k.value)}" for k in call.keywords
    ]
    return f"{gast.unparse(func).strip()}({', '.join(args)})"
