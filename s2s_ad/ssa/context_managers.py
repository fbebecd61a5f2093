"""`with` blocks: the context manager entered around the lowered body.

A mixin of the lowering. `with A, B: body` becomes two nested `With` statements, each over
the evaluated context manager, the body lowered like any block (it always runs to its end,
or raises). Python's `with` stays in the generated code, so the context exits when the body
raises too: a derivative that raises inside `with np.errstate(…)` leaves NumPy's error
state as it was.

What runs inside the context: in forward mode, the body and its tangent lines. In reverse
mode, the body's part of the forward sweep; its adjoint lines run in the pullback, later,
inside an `np.errstate` of the same settings again (`rt.reentered`), outside any other
context manager.

A context manager that swallows an exception (`contextlib.suppress`) would skip the rest of
the body, which the derivative cannot follow: one known to do so is refused at its line; one
not known to leave exceptions alone is entered through `rt.unsuppressing`, which raises a
located error if it ever swallows one.

Before::

    with np.errstate(divide="ignore"):
        y = np.log(x)

After (SSA)::

    _t1 = np.errstate(divide='ignore')
    with _t1:
        y = np.log(x)
"""

from __future__ import annotations

import contextlib
import warnings

import gast
import numpy as np

from .. import runtime
from ..frontend import nodes
from .ir import Const, Prim, Var, With

# Context managers that never swallow an exception (their `__exit__` returns a false value).
NOT_SUPPRESSING = (
    np.errstate,
    np.printoptions,
    warnings.catch_warnings,
    contextlib.nullcontext,
    contextlib.redirect_stdout,
    contextlib.redirect_stderr,
    runtime.reentered,  # the pullback's: an np.errstate, or a context doing nothing
    runtime.unsuppressing,
)
SUPPRESSING = (contextlib.suppress,)
# What entering these gives (`as name`) holds no value of the function's.
NAMED = (warnings.catch_warnings, np.errstate, np.printoptions)


class ContextManagers:
    """The mixin: `_with` lowers a `with` statement."""

    def note_maker(self, target: str, fn: object) -> None:
        """`target = fn(…)` emitted: what made it, for `_context_maker` (lower_expr.py's
        `emit` calls it)."""
        self.__dict__.setdefault("made_by", {})[target] = fn

    def _with(self, stmt: gast.With) -> None:
        self._refuse_jumps_out(stmt)
        self._entered(stmt, list(stmt.items))

    def _entered(self, stmt: gast.With, items: list) -> None:
        if not items:
            self._block(stmt.body)
            return
        item = items[0]
        self.line = getattr(item.context_expr, "lineno", stmt.lineno)
        context = self._atom(item.context_expr)
        maker = self._context_maker(item.context_expr)
        target = self._entered_as(item, maker)
        if maker is not None and any(maker is kind for kind in SUPPRESSING):
            raise self._unsupported(
                f"`with {gast.unparse(item.context_expr).strip()}`, which swallows exceptions "
                "(the rest of its body would be skipped, which a derivative cannot follow)",
                hint="check the inputs with `if …:` instead of suppressing the error",
            )
        if maker is None or not any(maker is kind for kind in NOT_SUPPRESSING):
            facts = (Const(self.filename), Const(self.line))
            guard = Prim(
                runtime.unsuppressing, (context, *facts), spelled=self._rt("unsuppressing")
            )
            context = self._atom_of(guard)
        body: list = []
        if target is not None:  # bound on entering, before the body
            self.env[target] = Var(self.namer.version(target))
        with self.in_block(body):
            self._entered(stmt, items[1:])
        name = self.env[target].name if target is not None else None
        self.emit(With(context, body, stmt.lineno, name))

    def _entered_as(self, item: gast.withitem, maker: object) -> str | None:
        """The name `as name` binds: only where what entering gives is never a number that
        carries a derivative (the list `warnings.catch_warnings(record=True)` records)."""
        if item.optional_vars is None:
            return None
        named = isinstance(item.optional_vars, gast.Name)
        if not named or not any(maker is kind for kind in NAMED):
            raise self._unsupported(
                "`with … as name` (not supported yet) but for "
                + ", ".join(f"`{kind.__module__.split('.')[0]}.{kind.__name__}`" for kind in NAMED),
                hint="drop `as name`: a context manager such as np.errstate() needs no name; "
                "open files and similar resources outside the differentiated function",
            )
        return item.optional_vars.id

    def _context_maker(self, node: gast.expr) -> object:
        """The class or function a context expression `np.errstate(…)` calls, if known;
        for a name, the one that made its value (`_t1 = np.errstate(…)`, `with _t1:`)."""
        if isinstance(node, gast.Name):
            bound = self.env.get(node.id)
            made_by = self.__dict__.get("made_by", {})
            return made_by.get(bound.name) if isinstance(bound, Var) else None
        if not isinstance(node, gast.Call):
            return None
        return self._callee_object(node.func)  # ssa/effects.py

    def _refuse_jumps_out(self, stmt: gast.With) -> None:
        """`return`, `break`, `continue` leaving the block: not rewritten inside a `with`."""
        for node in _own_jumps(stmt.body):
            what = type(node).__name__.lower()
            self.line = node.lineno
            raise self._unsupported(
                f"`{what}` inside a `with` block (not supported yet)",
                hint=f"set a variable inside the block and `{what}` after it",
            )


def _own_jumps(body: list) -> list:
    """`return`s, and `break`/`continue` not inside a loop of `body`'s own."""
    found = []
    for stmt in body:
        if isinstance(stmt, (gast.Return, gast.Break, gast.Continue)):
            found.append(stmt)
        elif isinstance(stmt, (gast.For, gast.While)):
            found += [n for n in nodes.walk_own(stmt) if isinstance(n, gast.Return)]
        elif not isinstance(stmt, gast.FunctionDef):
            for field in ("body", "orelse", "finalbody"):
                found += _own_jumps(getattr(stmt, field, None) or [])
            for handler in getattr(stmt, "handlers", None) or []:
                found += _own_jumps(handler.body)
    return found
