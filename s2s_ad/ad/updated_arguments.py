"""A value carrying a derivative, given to a call that may update it in place: refused.

    s = State(x * x)     # s.w carries x's derivative
    double(s)            # a helper doing `s.w = s.w * 2.0`

The SSA form does not see the helper's update, so the derivative would be that of the value
before it (silently wrong: 2x where the derivative is 4x). The lowering checks such a value
before the call (`rt.unshared(s, s, …)`, ssa/effects.py and ssa/callee_updates.py), which
refuses arrays, lists and dicts when the call runs but lets other objects pass, since a
flag's update changes no derivative (`cfg.train = False`). Where the object carries a
derivative, this refuses it when the derivative code is made, with the check's own message.
"""

from __future__ import annotations

import numbers

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..ssa.effects import module_objects_updated
from ..ssa.ir import Const, Function, Prim, Var


def refuse_updated_derivatives(fn: Function, active: set[str]) -> None:
    """Raise UnsupportedSyntaxError (at the call's file and line) where an object `fn` makes
    (`State(x * x)`: a class called), active, is given to a call that may update it in place,
    by its name or an alias's. (A number so given cannot be updated; an array is refused when the
    call runs; an object given as an argument is not known here: not refused.)"""
    # name → the name of the object it holds, made before any call is given it (one walk)
    objects: dict[str, str] = {}
    for stmt in fn.assigns():
        value = stmt.value
        if isinstance(value, Prim) and stmt.target in active:  # (differentiated)
            _refuse_module_object_updated(fn, stmt.line, value)
        if isinstance(value, Var) and value.name in objects:
            objects[stmt.target] = objects[value.name]  # an alias (`s2 = s`)
        if not isinstance(value, Prim):
            continue
        if value.fn is runtime.new_object or _makes_mutable(value.fn):
            objects[stmt.target] = stmt.target
        if value.fn is not runtime.unshared:
            continue
        given, other, *where = value.args
        located = len(where) >= 4 and all(isinstance(a, Const) for a in where[:4])
        made = objects.get(given.name) if isinstance(given, Var) and given == other else None
        if made is not None and active & {given.name, made} and located:
            filename, line, message, hint = (a.value for a in where[:4])
            raise UnsupportedSyntaxError(
                f"{message}, and it carries a derivative the derivative code would not see updated",
                filename=filename,
                line=line,
                hint=hint,
            )


def _makes_mutable(fn: object) -> bool:
    """Whether `fn` is a class whose objects a call can update (not `float(v)`, `int(n)`,
    `tuple(xs)`, `np.float64(v)`: values no call changes)."""
    return isinstance(fn, type) and not issubclass(fn, _IMMUTABLE)


_IMMUTABLE = (numbers.Number, str, bytes, tuple, frozenset, range)


def _refuse_module_object_updated(fn: Function, line: int, value: Prim) -> None:
    """A helper of yours given a module's object it may update in place and a value that
    carries a derivative (`y = step(M, x)` doing `a *= 0.5`): the call is differentiated by
    the helper's own derivative code, which makes a new version of what it updates, so the
    module's object would be left as it was."""
    names = module_objects_updated(value)
    if not names:
        return
    raise UnsupportedSyntaxError(
        f"unsupported construct: call of `{value.spelled or value.fn.__name__}`, which may "
        f"update the module's `{names[0]}` in place, given a value that carries a derivative: "
        f"its derivative code makes a new version of what it updates, so `{names[0]}` would "
        "be left unchanged",
        filename=fn.filename,
        line=line,
        hint=f"update `{names[0]}` in a statement of its own (a helper called for its "
        "effect), and make a helper that updates nothing return the value instead",
    )
