"""User-defined derivative rules (`defjvp`, `defvjp`), `stop_gradient` and `checkpoint`.

A rule is given per argument, as autograd's `defvjp` and JAX's `custom_jvp` users know:

    def softplus(x):
        return np.log1p(np.exp(x))

    s2s_ad.defjvp(softplus, lambda d, ans, x: d * scipy.special.expit(x))
    s2s_ad.defvjp(softplus, lambda g, ans, x: g * scipy.special.expit(x))

Each function receives the incoming tangent `d` (or cotangent `g`), the function's result
`ans`, and the call's arguments, and returns the derivative through its own argument:
`J_i · d` for a JVP, `J_iᵀ · g` (in argument i's shape) for a VJP. `None` in place of a
function means no derivative flows through that argument. The generated code calls these
functions by name (`softplus_jvp_x(x_dot, y, x)`); the function itself is called, never
transformed, so it may be anything callable: a C extension, a SciPy routine, code with
syntax s2s_ad does not support.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np

from .errors import S2SError

_GIVEN: dict[object, dict[str, tuple]] = {}  # fn → {"jvp": (...), "vjp": (...)}
# id(rule function) → (it, what it is, where it was given): flat gradient code calls rule
# functions, and second derivatives differentiate them as helpers (errors name the rule)
_RULE_FUNCTIONS: dict[int, tuple[object, str, str | None, int | None]] = {}


def defjvp(fn: Callable, *jvps: Callable | None, argnames: Sequence[str] | None = None) -> None:
    """Give `fn` its tangent rule: `jvps[i](d, ans, *args)` is the JVP through argument i."""
    _define(fn, "jvp", jvps, argnames)


def defvjp(fn: Callable, *vjps: Callable | None, argnames: Sequence[str] | None = None) -> None:
    """Give `fn` its adjoint rule: `vjps[i](g, ans, *args)` is the VJP through argument i,
    shaped like argument i."""
    _define(fn, "vjp", vjps, argnames)


def stop_gradient(x):
    """`x`, as a constant: no derivative flows through the result (JAX's `stop_gradient`)."""
    return x


def checkpoint(iterable, every: int | None = None):
    """`iterable`, unchanged: marks `for item in checkpoint(iterable):` for checkpointing.

    Reverse mode then keeps the loop's state at the start of every `every` iterations (by
    default about √n of n) instead of the values of every iteration, and recomputes one
    segment at a time while it runs the loop backwards: memory O(√n) instead of O(n), for
    about one more run of the loop. Forward mode and plain calls ignore the mark.
    """
    return iterable


def _define(fn: Callable, mode: str, given: tuple, argnames: Sequence[str] | None) -> None:
    from .rules.registry import register

    names = tuple(argnames) if argnames is not None else _argument_names(fn)
    if len(given) > len(names):
        raise S2SError(
            f"{len(given)} {mode} functions given for `{_label(fn)}`, which takes "
            f"{len(names)} arguments ({', '.join(names)})",
            hint="give one function (or None) per argument, in order",
        )
    for item in given:
        if item is not None and not callable(item):
            raise S2SError(
                f"the {mode} rule of `{_label(fn)}` must be functions or None, got {item!r}",
                hint=f"write it as `lambda d, ans, {', '.join(names)}: ...`",
            )
    _GIVEN.setdefault(fn, {})[mode] = tuple(given) + (None,) * (len(names) - len(given))
    caller = inspect.currentframe().f_back.f_back  # the user's defjvp/defvjp call
    where = (caller.f_code.co_filename, caller.f_lineno) if caller else (None, None)
    for name, item in zip(names, given, strict=False):
        if item is not None:
            what = f"the {mode} rule of `{_label(fn)}` for `{name}` (given to s2s_ad.def{mode})"
            _RULE_FUNCTIONS[id(item)] = (item, what, *where)
    register(fn, _rule(fn, names, _GIVEN[fn]))
    _forget_derivatives()


def rule_function(obj: object) -> tuple[str, str | None, int | None] | None:
    """(what it is, file, line of its defjvp/defvjp call) when `obj` is a function given as
    a user's rule, else None."""
    found = _RULE_FUNCTIONS.get(id(obj))
    if found is None or found[0] is not obj:
        return None
    return found[1:]


def _rule(fn: Callable, names: tuple[str, ...], given: dict[str, tuple]):
    from .rules.registry import NOT_DEFINED, REQUIRED, Rule

    differentiable = [i for i in range(len(names)) if any(given[m][i] is not None for m in given)]
    defaults = _defaults(fn, names)
    params = tuple(names[i] for i in differentiable)
    call = ", ".join(names)
    templates: dict[str, tuple] = {}
    references = []
    # a default that is not a literal (SciPy's `disp=_NoValue`) reaches the rule's functions
    # as the object itself, through a cell, when the call leaves it out
    odd = {n: v for n, v in defaults.items() if n not in params and not _is_literal(v)}
    for n, value in odd.items():
        references.append((f"_default_{n}", value, f"{_label(fn)}_{n}_default"))
    for mode in ("jvp", "vjp"):
        if mode not in given:
            templates[mode] = (NOT_DEFINED,) * len(params)
            continue
        row = []
        for i in differentiable:
            function = given[mode][i]
            if function is None:
                row.append(None)
                continue
            placeholder = f"_{mode}_{i}"
            references.append((placeholder, function, f"{_label(fn)}_{mode}_{names[i]}"))
            row.append(
                _call_template(placeholder, names, odd) if odd else f"{placeholder}(d, ans, {call})"
            )
        templates[mode] = tuple(row)
    return Rule(
        _label(fn),
        params,
        templates["jvp"],
        templates["vjp"],
        keywords=tuple((n, defaults.get(n, REQUIRED)) for n in names if n not in params),
        positional=names,
        references=tuple(references),
    )


def _call_template(placeholder: str, names: tuple[str, ...], odd: dict[str, object]):
    """The template `placeholder(d, ans, A, disp)`, with `_default_disp` for `disp` where the
    call leaves out an argument whose default is not a literal."""

    def template(site) -> str:
        args = [f"_default_{n}" if n in odd and site.const(n, None) is odd[n] else n for n in names]
        return f"{placeholder}(d, ans, {', '.join(args)})"

    return template


def _is_literal(value: object) -> bool:
    from .ad.calls import is_literal

    return is_literal(value)


def _argument_names(fn: Callable) -> tuple[str, ...]:
    if isinstance(fn, np.ufunc):  # named as NumPy's documentation names them
        return ("x",) if fn.nin == 1 else tuple(f"x{i + 1}" for i in range(fn.nin))
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        raise S2SError(
            f"cannot read the arguments of `{_label(fn)}`",
            hint="name them: defvjp(fn, ..., argnames=('x', 'y'))",
        ) from None
    kinds = {p.kind for p in signature.parameters.values()}
    if inspect.Parameter.VAR_POSITIONAL in kinds or inspect.Parameter.VAR_KEYWORD in kinds:
        raise S2SError(
            f"`{_label(fn)}` takes *args or **kwargs, so its arguments cannot be matched",
            hint="name them: defvjp(fn, ..., argnames=('x', 'y'))",
        )
    return tuple(signature.parameters)


def _defaults(fn: Callable, names: tuple[str, ...]) -> dict[str, object]:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}
    return {
        n: p.default
        for n, p in parameters.items()
        if n in names and p.default is not inspect.Parameter.empty
    }


def _label(fn: Callable) -> str:
    return getattr(fn, "__name__", type(fn).__name__)


def _forget_derivatives() -> None:
    """Derivatives made before a rule changed may have used the old rule: drop them all."""
    from . import pipeline

    pipeline.forget_all()
