"""Calls to the user's own functions: each callee gets its own derivative, called by name.

The caller's generated code calls the callee's generated code (`helper_jvp`, `helper_vjp`)
instead of inlining it; each callee is transformed once per (mode, wrt) and cached.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from types import FunctionType

from ..custom import rule_function
from ..errors import RecursiveCallError, S2SError, UnknownCalleeError, UnsupportedSyntaxError
from ..frontend.library import is_differentiated_through, is_library_function, module_name
from ..naming import Namer, star_parameter_names
from ..rules.registry import lookup
from ..ssa.ir import Assign, Const, Free, Function, Prim
from .integers import static_parts
from .read_items import items_label


def is_user_call(prim: object) -> bool:
    """A call of a plain Python function that has no derivative rule: transform the callee."""
    return (
        isinstance(prim, Prim)
        and isinstance(prim.fn, FunctionType)  # (`inspect.isfunction`, not a Python call)
        and lookup(prim.fn) is None
        and (is_differentiated_through(prim.fn) or _users(prim.fn))
    )


def _users(fn: types.FunctionType) -> bool:
    return (
        not module_name(fn).startswith("s2s_ad.")  # runtime helpers are not user code
        and not is_library_function(fn)  # NumPy's, SciPy's, the stdlib's: never read
    )


class Callees:
    """The callee derivatives one generated function uses, and the names it calls them by."""

    def __init__(self, namer: Namer, derive: Callable) -> None:
        self.namer = namer
        self.derive = derive
        self.cells: dict[str, types.CellType] = {}
        self.dependencies: list[tuple] = []  # what the callees' derivatives depend on
        self._names: dict[tuple, str] = {}
        self.effects = None  # a callee's derivative's statement kept for its effect (`print`)

    def get(
        self,
        fn: types.FunctionType,
        mode: str,
        wrt: tuple[str, ...],
        structures: tuple = (),
        reads: frozenset | None = None,
        at: tuple[str, int] | None = None,
    ):
        """(name in the generated code, derivative) of `fn` with respect to `wrt`;
        `structures`: the arity of its star parameters at the call (`star_structures`);
        `reads`: the paths of literal keys by which the caller reads derivatives of items
        of its result, or None for all of it (`read_items.py`); `at`: the caller's file and
        the call's line, where a recursive call is refused."""
        try:
            derived = self.derive(fn, mode, wrt, for_calls=True, structures=structures, reads=reads)
        except RecursiveCallError as exc:
            if exc.callee is not fn or at is None:
                raise
            filename, line = at  # the call, not the `def` of the function it calls again
            raise RecursiveCallError(
                exc.message, filename=filename, line=line, hint=exc.hint
            ) from None
        except S2SError as exc:
            if is_differentiated_through(fn) and at is not None:
                raise _no_next_order(fn, at, exc) from None
            given = rule_function(fn)
            if given is None:
                raise
            message = f"in {given[0]}, which a second derivative differentiates: {exc.message}"
            raise type(exc)(message, filename=exc.filename, line=exc.line, hint=exc.hint) from None
        if is_differentiated_through(fn):  # (its code, called by code of the next order)
            derived.function._s2s_through = True
        self.dependencies += derived.dependencies
        self.effects = self.effects or derived.effects
        key = (fn, mode, wrt, structures, reads)
        if key not in self._names:
            suffix = {"forward": "jvp", "vector": "jvp", "gradient": "grad"}.get(mode, "vjp")
            stem = fn.__name__ if fn.__name__.isidentifier() else "_lambda"  # `<lambda>`
            # (the callee's own name's suffix: none where the items read left none out)
            label = "" if derived.reads is None else items_label(derived.reads)
            self._names[key] = self.namer.fresh(f"{stem}_{suffix}{label}")
            self.cells[self._names[key]] = types.CellType(derived.function)
        return self._names[key], derived

    def refer(self, obj: object, preferred: str) -> str:
        """The name generated code calls `obj` by (a user's derivative rule), bound in a cell."""
        key = (id(obj), preferred)
        if key not in self._names:
            self._names[key] = self.namer.fresh(preferred)
            self.cells[self._names[key]] = types.CellType(obj)
        return self._names[key]


def _no_next_order(fn: types.FunctionType, at: tuple[str, int], exc: S2SError) -> S2SError:
    """A runtime helper differentiated through its source whose own derivative could not be
    made: refused at the statement of the derivative code that calls it (located at the
    user's by `located.in_users_code`), as a helper without a rule is."""
    inner = exc.message  # (a helper it calls in turn: the innermost reason, once)
    prefix = "no derivative of the next order for "
    message = (
        inner
        if inner.startswith(prefix)
        else (f"{prefix}`rt.{fn.__name__}`, a helper of s2s_ad's derivative code: {inner}")
    )
    return UnknownCalleeError(
        message,
        filename=at[0],
        line=at[1],
        hint="see the README's list under 'Second and higher derivatives'; take this "
        "derivative by central differences of the one below it, or write the step with "
        "operations that have it",
    )


def bound_operands(fn, stmt, refer: Callable | None = None) -> list[tuple[str, object]]:
    """(callee parameter, atom) for every parameter, defaults filled in: literals as such,
    any other default (`w=np.ones(3)`, `scale=SCALE * 2`) as the object Python made at the
    `def`, which the generated code reads through a cell `refer` binds; never differentiated."""
    prim = stmt.value
    where = {"filename": fn.filename, "line": stmt.line}
    made_by = getattr(prim.fn, "_s2s_made_by", None)
    if made_by is not None:
        raise UnsupportedSyntaxError(
            f"unsupported construct: call of `{prim.spelled}`, a derivative made by "
            f"s2s_ad.{made_by}, on a differentiated value (of s2s_ad's derivatives, only those "
            "made by grad and value_and_grad can be called inside a function being "
            "differentiated)",
            **where,
            hint="differentiate the original function twice instead (s2s_ad.grad(s2s_ad.grad(g)), "
            "s2s_ad.hessian, s2s_ad.hvp), or compute the derivative outside and pass its value "
            "as an argument",
        )
    if inspect.isgeneratorfunction(prim.fn):
        raise UnsupportedSyntaxError(
            f"unsupported construct: call of `{prim.spelled}`, a generator function (it uses "
            "`yield`), on a differentiated value",
            **where,
            hint="make the helper return a list or an array instead of yielding values",
        )
    signature = inspect.signature(prim.fn)
    try:
        bound = signature.bind(*prim.args, **dict(prim.kwargs))
    except TypeError as exc:
        raise UnsupportedSyntaxError(
            f"bad call of `{prim.fn.__name__}`: {exc}",
            **where,
            hint="match the helper's parameters",
        ) from None
    operands = []
    origin = _gradient_origin(prim.fn)
    for name, param in signature.parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):  # one operand per item
            items = bound.arguments.get(name, () if param.kind is param.VAR_POSITIONAL else {})
            arity = tuple(items) if isinstance(items, dict) else len(items)
            if isinstance(arity, tuple) and not all(key.isidentifier() for key in arity):
                raise UnsupportedSyntaxError(
                    f"unsupported construct: call of `{prim.fn.__name__}` with keywords that "
                    f"are not names ({', '.join(map(repr, arity))}) for its `**{name}`",
                    **where,
                    hint="pass keywords that are Python names",
                )
            values = items.values() if isinstance(items, dict) else items
            operands += zip(star_parameter_names(name, arity), values, strict=True)
        elif name in bound.arguments:
            operands.append((name, bound.arguments[name]))
        elif refer is not None and name == (origin or ("", ""))[1]:
            operands.append((name, _unit_seed(fn, origin[0], operands, refer)))
        elif is_literal(param.default):
            operands.append((name, Const(param.default)))
        elif refer is not None:
            label = f"{prim.fn.__name__}_{name}_default"
            operands.append((name, Free(refer(param.default, label), param.default)))
        else:
            raise UnsupportedSyntaxError(
                f"unsupported construct: the default of `{name}` in `{prim.fn.__name__}` "
                "is not a literal",
                **where,
                hint=f"pass `{name}` explicitly in the call",
            )
    return operands


def _gradient_origin(callee: object) -> tuple[object, str] | None:
    """(the function, the cotangent parameter `out_bar=1.0`) of flat gradient code
    (`grad(g)(x)` called inside a differentiated function: ssa/derivative_calls.py; api.py
    marks it), None for other callees."""
    made = getattr(callee, "_s2s_made_from", None)
    if made is not None:
        return made.fn, made.cotangent
    of = getattr(callee, "_s2s_seeds_gradient_of", None)  # (callables.made_by_s2s_ad)
    if of is None:
        return None
    own = inspect.signature(of).parameters
    extra = [p for p in inspect.signature(callee).parameters if p not in own]
    return (of, extra[-1]) if extra else None


def _unit_seed(caller: Function, of: object, operands: list, refer: Callable) -> object:
    """The seed `grad(of)(x)` itself starts `of`'s gradient code from at this call (api.py's
    `_cotangent_parameter`), for the arguments' dtypes the caller's analysis knows: of the
    output's dtype, or float64 where floats of several dtypes meet (ad/seed_dtype.py); the
    literal 1.0 where neither is known. Python's weak 1.0 made `1.0 / s` of a float32 `s`
    a float32 inside, where the plain call's `grad` divided in float64."""
    from ..fast_path import signature_key
    from ..pipeline import gradient_seed_dtype
    from .dtypes import argument_fact

    def fact(atom: object) -> tuple | None:
        if type(atom) in (Const, Free):
            return argument_fact(signature_key([atom.value])[0])
        return caller.dtypes.get(getattr(atom, "name", None))

    facts = tuple(fact(atom) for _, atom in operands)
    # (an item of the caller's structured arguments: their float dtypes count)
    held = caller.held if None in facts else frozenset()
    try:
        dtype = gradient_seed_dtype(of, facts, held)
    except (S2SError, ValueError):  # (its parameters not these: star ones)
        dtype = None
    if dtype is None:
        return Const(1.0)
    seed = dtype.type(1.0)
    return Free(refer(seed, f"{dtype.name}_seed"), seed)


STATIC = "static"  # a structure's static leaves, in `call_structures`
LENGTH = "length"  # a tuple held fixed: its length (`f(*p)`), from `api.static_structures`


def call_structures(caller: Function, stmt: Assign, operands: list[tuple[str, object]]) -> tuple:
    """What the callee's derivative is made for at this call, part of its cache key: the
    arity of its star parameters (`star_structures`), and for each parameter given a
    structure with static leaves (an int field, a string), (parameter, (STATIC, its
    description)): those leaves carry no derivative in the callee either (integers.py)."""
    static = []
    for param, atom in operands:
        parts = static_parts(caller, atom)
        if parts is not None:
            static.append((param, (STATIC, parts)))
    return star_structures(stmt.value) + tuple(static)


def star_structures(prim: Prim) -> tuple:
    """The arity of a call's star parameters, for the cache key of the callee's derivative:
    (("args", ("*", 2)), ("kwargs", ("**", ("scale",)))), or () for none."""
    if _no_stars(prim.fn):
        return ()
    signature = inspect.signature(prim.fn)
    stars = [
        p for p in signature.parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if not stars:
        return ()
    bound = signature.bind(*prim.args, **dict(prim.kwargs)).arguments
    found = []
    for p in stars:
        if p.kind is p.VAR_POSITIONAL:
            found.append((p.name, ("*", len(bound.get(p.name, ())))))
        else:
            found.append((p.name, ("**", tuple(bound.get(p.name, {})))))
    return tuple(found)


def _no_stars(fn: object) -> bool:
    """Whether `fn` is a plain function with no `*args` or `**kwargs`, by its code's flags:
    with no attributes, its signature is its code's (none set in its place, none of a
    function it wraps); making one (`inspect.signature`) was most of a helper call's cost."""
    return type(fn) is types.FunctionType and not fn.__dict__ and not fn.__code__.co_flags & _STARS


_STARS = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def is_literal(value: object) -> bool:
    """A value generated code can spell as a literal: a number, string, None, or a plain
    tuple of those (a NamedTuple's literal would lose its type)."""
    if type(value) is tuple:
        return all(is_literal(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, complex, str))
