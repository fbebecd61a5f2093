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

import inspect
import numbers
import types

import numpy as np

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..ssa.callee_updates import argument_updates, users_helper
from ..ssa.ir import Const, Free, Function, Prim, Var


def refuse_updated_derivatives(fn: Function, active: set[str]) -> None:
    """Raise UnsupportedSyntaxError (at the call's file and line) where an object `fn` makes
    (`State(x * x)`: a class called), active, is given to a call that may update it in place,
    by its name or an alias's. (A number so given cannot be updated; an array is refused when the
    call runs; an object given as an argument is not known here: not refused.)"""
    # name → the name of the object it holds, made before any call is given it (one walk)
    objects: dict[str, str] = {}
    for stmt in fn.assigns():
        value = stmt.value
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


def refuse_module_objects_updated(fn: Function, active: set[str]) -> None:
    """Raise UnsupportedSyntaxError (at the call's line) where a helper of the user's, called
    for a value carrying a derivative, is given a module's array, list or set it updates in
    place (`y = step(M, x)` with `step` doing `a *= 0.5`): the derivative code runs the
    helper's derivative, which makes new versions of its argument, so the module's object
    would stay as it was. (Called for a value carrying none, `i = step_argmax(M, x)`, the
    helper itself runs and updates it, as in the plain call.)"""
    for stmt in fn.assigns():
        value = stmt.value
        if not isinstance(value, Prim) or stmt.target not in active:
            continue
        callee = value.fn
        if not users_helper(callee):
            continue
        given = [*enumerate(value.args), *value.kwargs]
        held = {key: atom for key, atom in given if _module_object(atom)}
        if not held:
            continue
        for param, filename, line, _ in argument_updates(callee):
            atom = _bound_to(callee, value, held, param)
            if atom is not None:
                raise UnsupportedSyntaxError(
                    f"unsupported construct: call of `{value.spelled or callee.__name__}`, "
                    f"given the module's `{atom.source}`, which it updates in place as its "
                    f"argument `{param}` ({filename}, line {line}), for a value carrying a "
                    "derivative: the derivative code would leave the module's object as it was",
                    filename=fn.filename,
                    line=stmt.line,
                    hint=f"update `{atom.source}` in a call of its own, for its effect, and "
                    "compute the value in another",
                )


def _module_object(atom: object) -> bool:
    """A module's (or closure's) array, list or set (not the API's stand-ins)."""
    return (
        type(atom) is Free
        and isinstance(atom.value, (np.ndarray, list, set, bytearray))
        and not atom.source.startswith("_s2s_")
    )


def _bound_to(callee: types.FunctionType, call: Prim, held: dict, param: str) -> object:
    """The module's object `held` (by position or keyword) that `call` gives `param`."""
    keywords = dict(call.kwargs)
    try:
        bound = inspect.signature(callee).bind(*range(len(call.args)), **keywords)
    except (TypeError, ValueError):
        return None
    given = bound.arguments.get(param)
    key = given if isinstance(given, int) and param not in keywords else param
    return held.get(key)


def _makes_mutable(fn: object) -> bool:
    """Whether `fn` is a class whose objects a call can update (not `float(v)`, `int(n)`,
    `tuple(xs)`, `np.float64(v)`: values no call changes)."""
    return isinstance(fn, type) and not issubclass(fn, _IMMUTABLE)


_IMMUTABLE = (numbers.Number, str, bytes, tuple, frozenset, range)
