"""Nested functions for the statement lowering (`lower.py`): inlined where they are called.

A nested `def` is bound to its name like any assignment, flow-sensitively: the name holds a
`Nested` (the rewritten code and the defaults evaluated at the `def`) from the `def` on, until
the next binding of the name. After an `if` whose branches bind the name differently, it
holds a `Chosen` (the branch test and both bindings): a call lowers the inlined body of each
function in its own branch of a new `if` on the same test, exactly as Python would run one or
the other. A loop that rebinds the name makes which function a call runs depend on the
iteration: the name holds a `Rebound` inside the loop (until the body binds it) and after
it, and a call of it is refused with a located error.

Before::

    if x > 0.0:
        def g(v): return np.sin(v)
    else:
        def g(v): return np.cos(v)
    return g(x) * x

After (SSA; the `if` of the definitions is empty, the call's `if` tests the same value)::

    _t1 = x > 0.0
    if _t1:
        pass
    if _t1:
        _t2 = np.sin(x)
        _t4 = _t2
    else:
        _t3 = np.cos(x)
        _t4 = _t3
    f = _t4 * x
    return f
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import gast

from ..errors import NameResolutionError
from ..frontend.nodes import descendants
from ..frontend.validate import annotations
from .function_values import Closed, FunctionItems, Named, is_function_value
from .ir import Const, Free, Var
from .jumps import eliminate_jumps
from .names import load_lines
from .returns import eliminate_returns
from .sharing import assigned_names


@dataclass(frozen=True, eq=False)
class Nested:
    """A nested `def` as bound: its code (returns and jumps rewritten) and its defaults,
    evaluated at the `def` as Python does."""

    fn: gast.FunctionDef
    defaults: dict


@dataclass(frozen=True)
class Chosen:
    """A name an `if` bound differently in its branches, one of them to a nested function:
    `then` / `orelse` are the bindings (None: unbound on that path)."""

    test: object  # the branch's test atom
    then: object
    orelse: object


@dataclass(frozen=True)
class Rebound:
    """A name bound to a nested function that the loop on `line` rebinds."""

    line: int


FUNCTION_BINDINGS = (Nested, Chosen, Rebound, Named, Closed)  # Named, Closed: function_values.py
# the commonest bindings, none of them a function's (`_join_functions`: one look-up of the
# type, not an `isinstance` of five classes, for every name a branch binds)
_PLAIN_BINDINGS = frozenset((Var, Const, Free, tuple, type(None)))


def _given_data(bound: object) -> bool:
    """Whether `bound` is a list, dict or other data given to the function (`Named`, for
    the objects it holds: ssa/live_objects.py), not a function."""
    return isinstance(bound, Named) and not is_function_value(bound.free.value)


def _computes_defaults(bound: object) -> bool:
    """Whether a binding chosen by a branch has a default computed at its `def`."""
    if isinstance(bound, Chosen):
        return _computes_defaults(bound.then) or _computes_defaults(bound.orelse)
    if isinstance(bound, Nested):
        return any(not isinstance(v, Const) for v in bound.defaults.values())
    return False


def defined_functions(stmts: list[gast.stmt]) -> set[str]:
    """The names `def` statements in `stmts` bind (not those inside nested functions).
    Expressions hold no statements: only the other fields are walked."""
    names: set[str] = set()
    pending: list[gast.AST] = list(stmts)
    while pending:
        node = pending.pop()
        if isinstance(node, gast.FunctionDef):
            names.add(node.name)
            continue
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                pending.extend([v for v in value if _may_hold_statements(v)])
            elif _may_hold_statements(value):
                pending.append(value)
    return names


def _may_hold_statements(value: object) -> bool:
    return isinstance(value, gast.AST) and not isinstance(value, gast.expr)


class NestedFunctions:
    """The mixin: `def` statements, calls of nested functions, their bindings at joins."""

    def _init_nested(self) -> None:
        self.def_names = defined_functions(self.node.body)  # local names bound by a `def`
        self.rebound_by_loops: list[set[str]] = []

    def _is_function(self, name: str) -> bool:
        return isinstance(self.env.get(name), FUNCTION_BINDINGS)

    def _nested_def(self, stmt: gast.FunctionDef) -> None:
        """A nested function is inlined where it is called: it reads the enclosing values
        (its closure) as they are at the call, like Python does."""
        self._resolve_annotations(stmt)
        fn = eliminate_jumps(eliminate_returns(stmt, self.filename))
        for name, lines in load_lines(fn).items():  # the rewrites read names of their own
            self.loads.setdefault(name, []).extend(lines)
        defaults = self._defaults(stmt)
        # Every function a name may be bound to, for analyses that look at the whole body.
        self.nested_defs.setdefault(stmt.name, []).append(fn)
        updates = self.nested_updates.setdefault(stmt.name, set())
        updates |= self._nested_updates(fn)
        self.env[stmt.name] = Nested(fn, defaults)

    def _resolve_annotations(self, stmt: gast.FunctionDef) -> None:
        """A nested function's annotations are evaluated when its `def` runs: validate let
        only type expressions through (names, `a.b`, `[]`, `|`), whose evaluation reads names
        and nothing else; so resolve every name they read here, a missing one being an error
        as in Python, and keep no value."""
        for annotation in annotations(stmt):
            for node in descendants(annotation):
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

    # calls

    def _nested_call(self, node: gast.expr):
        """The inlined result of a call of a nested function, or None for any other node."""
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Subscript):
            bound = self._function_argument(node.func)  # `fs[0](x)`: function_values.py
            if bound is not None and not isinstance(bound, FunctionItems):
                args, kwargs = self._call_arguments(node, self._argument)
                return self._call_bound(
                    ast.unparse(gast.gast_to_ast(node.func)), bound, args, kwargs
                )
        if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Name)):
            return self._helper_with_functions(node)  # `mod.helper(f, x)`: function_values.py
        name = node.func.id
        bound = self.env.get(name)
        if bound is None and name in self.def_names:
            raise NameResolutionError(
                f"the nested function `{name}` is called before its `def` has run",
                filename=self.filename,
                line=self.line,
                hint=f"define `{name}` before calling it",
            )
        if not isinstance(bound, FUNCTION_BINDINGS):
            return self._helper_with_functions(node)  # ssa/function_values.py
        # functions too (function_values.py); `*xs`, `**opts` (star_arguments.py)
        args, kwargs = self._call_arguments(node, self._argument)
        return self._call_bound(name, bound, args, kwargs)

    def _call_bound(self, name: str, bound: object, args: tuple, kwargs: tuple):
        """Inline the function `bound` is; for a `Chosen`, each one in its branch."""
        if isinstance(bound, Nested):
            return self._inline(bound, args, kwargs)
        if isinstance(bound, Named):  # ssa/function_values.py
            return self._call_named(bound, args, kwargs)
        if isinstance(bound, Closed):
            return self._call_closed(name, bound, args, kwargs)
        if isinstance(bound, Chosen):
            if _computes_defaults(bound):
                # their values exist on one path each: the adjoint of the join cannot start
                raise self._unsupported(
                    f"call of the nested function `{name}`, defined with computed defaults in "
                    "the branches of an `if` and called after it",
                    hint=f"call `{name}` inside each branch, or pass the values as arguments",
                )
            makers = [
                lambda b=b: self._call_bound(name, b, args, kwargs)
                for b in (bound.then, bound.orelse)
            ]
            return self._branch(bound.test, makers, lambda _: True)
        if isinstance(bound, Rebound):
            raise self._unsupported(
                f"call of the nested function `{name}`, which the loop on line {bound.line} "
                "rebinds: which definition runs depends on the iteration",
                hint=f"give each definition its own name, or define `{name}` once before the loop",
            )
        if bound is None:
            raise self._unsupported(
                f"call of the nested function `{name}`, which is defined on one branch only "
                "(elsewhere Python raises NameError)",
                hint=f"define `{name}` on every path before calling it",
            )
        raise self._unsupported(
            f"call of `{name}`, which is a nested function on one branch and a value on the other",
            hint=f"give the function and the value different names than `{name}`",
        )

    def _inline(self, bound: Nested, args: tuple, kwargs: tuple):
        fn = bound.fn
        if fn.name in self.inlining:
            raise self._unsupported(
                f"recursive call of the nested function `{fn.name}`",
                hint="write the recursion as a loop",
            )
        bound_args = self._bind_arguments(bound, args, dict(kwargs))
        outer, line = self.env, self.line
        self.env = {**outer, **bound_args}
        self.inlining.append(fn.name)
        try:
            self._block(fn.body[:-1])
            self.line = fn.body[-1].lineno
            result = self._binding(fn.body[-1].value)
            inner = self.env
        finally:
            self.inlining.pop()
            self.env, self.line = outer, line
        self._check_defaults_kept(fn, bound_args, inner, len(args), dict(kwargs))
        # The enclosing names the function updated in place (`acc.append(v)`) see the update.
        own = assigned_names(fn) | set(bound_args) | defined_functions(fn.body)
        for name in set(outer) - own:
            if inner.get(name) is not outer[name]:
                self.env[name] = inner[name]
        return result

    def _bind_arguments(self, bound: Nested, args: tuple, kwargs: dict) -> dict:
        fn = bound.fn
        positional = [a.id for a in [*fn.args.posonlyargs, *fn.args.args]]
        keyword_only = [a.id for a in fn.args.kwonlyargs]
        with_default = positional[len(positional) - len(fn.args.defaults) :]
        defaults = dict(zip(with_default, fn.args.defaults, strict=True))
        kw_defaults = zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True)
        defaults.update((a.id, d) for a, d in kw_defaults)
        args, kwargs, stars = self._bind_nested_stars(fn, args, kwargs, positional + keyword_only)
        if len(args) > len(positional) or set(kwargs) - set(positional + keyword_only):
            raise self._unsupported(
                f"call of `{fn.name}` with arguments it does not take",
                hint="match the nested function's parameters",
            )
        bound_args = dict(zip(positional, args, strict=False))  # fewer arguments than parameters
        for name in positional + keyword_only:
            if name in kwargs:
                bound_args[name] = kwargs[name]
            elif name not in bound_args:
                if defaults.get(name) is None:
                    raise self._unsupported(
                        f"call of `{fn.name}` without its argument `{name}`",
                        hint="pass every parameter that has no default",
                    )
                bound_args[name] = bound.defaults[name]
        return {**bound_args, **stars}

    # joins

    def _join_functions(self, name: str, test, envs: list[dict], before: dict) -> bool:
        """After an `if`: a name bound to a nested function on some path is `Chosen`."""
        values = [env.get(name) for env in envs]
        # (a list, not a generator: asked of every name a branch binds, nested ifs included)
        bindings = (*values, before.get(name))
        if not any(
            [type(v) not in _PLAIN_BINDINGS and isinstance(v, FUNCTION_BINDINGS) for v in bindings]
        ):
            return False
        self.env[name] = Chosen(test, *values)
        return True

    def _enter_loop_functions(self, stmt: gast.stmt, stored: set[str]) -> set[str]:
        """Names of nested functions the loop rebinds: `Rebound` in the loop and after it."""
        defined = defined_functions(stmt.body)
        rebound = defined | {
            name
            for name in stored
            if self._is_function(name)
            and self._given_class(name) is None  # (not an object, a list or dict given)
            and not _given_data(self.env[name])
        }
        for name in rebound:
            self.env[name] = Rebound(stmt.lineno)
        self.rebound_by_loops.append(rebound)
        return rebound

    def _exit_loop_functions(self, stmt: gast.stmt) -> set[str]:
        rebound = self.rebound_by_loops.pop()
        for name in rebound:
            self.env[name] = Rebound(stmt.lineno)
        return rebound
