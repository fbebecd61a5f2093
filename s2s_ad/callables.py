"""Callable values: what Python function a callable runs, and with which arguments bound.

One resolver for every place a function arrives as a VALUE (the API's `f`, a function held
in a name, a list, a dict or an object, a method of an object the derivative is specialised
to):

- a plain function or lambda: itself, nothing bound;
- `functools.partial(f, *args, **kwargs)`, nested too: `f`, those arguments bound first;
- a bound method `obj.method`: `type(obj).method`, `obj` bound first (held fixed);
- an object of a user class with `__call__` (`layer(x)`): `type(layer).__call__`, `layer`
  bound first;
- a `functools.wraps` wrapper whose body only forwards to `__wrapped__`
  (`return fn(*args, **kwargs)`): the wrapped function;
- a derivative made by s2s_ad (`grad(g)`, `value_and_grad(g)`): its flat gradient code,
  Python source s2s_ad generated, so it is differentiated like any helper.

Before → after: `resolve(partial(model.loss, y=1.0))` →
`Resolved(fn=Model.loss, args=(model,), kwargs={"y": 1.0})`.

`as_function(f)` makes the API's `f` a Python function with source: for a resolved callable
that binds something, a small generated closure `def loss(w, x): return callee(bound, w, x)`
(source kept in `linecache`), whose closure cells hold the callee and the bound values, so
they are read live and never differentiated, and whose globals are the callee's module's,
so the lowering inlines the callee specialised to those values (ssa/callable_values.py).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import linecache
import textwrap
import types
import weakref
from dataclasses import dataclass, field

import numpy as np

from .errors import SourceError, UnsupportedSyntaxError


@dataclass(frozen=True)
class Resolved:
    """`fn(*args, *call_args, **{**kwargs, **call_kwargs})` is what calling the value does."""

    fn: types.FunctionType
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def resolve(value: object) -> Resolved | None:
    """The Python function `value` runs and the arguments it binds, or None when it is not
    a callable with Python source of the user's (a builtin, a ufunc, a class, …)."""
    if isinstance(value, functools.partial):
        inner = resolve(value.func)
        if inner is None:
            return None
        return Resolved(
            inner.fn, (*inner.args, *value.args), {**inner.kwargs, **(value.keywords or {})}
        )
    if isinstance(value, types.MethodType):
        inner = resolve(value.__func__)
        if inner is None:
            return None
        return Resolved(inner.fn, (value.__self__, *inner.args), inner.kwargs)
    if isinstance(value, types.FunctionType):
        from .frontend.library import is_library_function

        if is_library_function(value):
            return None  # NumPy's, SciPy's, the standard library's: a primitive, not read
        made = made_by_s2s_ad(value)
        if made is not None:
            return Resolved(made)
        wrapped = transparently_wraps(value)
        return resolve(wrapped) if wrapped is not None else Resolved(value)
    if isinstance(value, type) or not callable(value):
        return None
    call = inspect.getattr_static(type(value), "__call__", None)
    if isinstance(call, types.FunctionType):  # a user class's `__call__`
        inner = resolve(call)
        return None if inner is None else Resolved(inner.fn, (value, *inner.args), inner.kwargs)
    return None


def binds(resolved: Resolved) -> bool:
    return bool(resolved.args or resolved.kwargs)


def made_by_s2s_ad(
    fn: types.FunctionType, given: tuple[int, frozenset] | None = None
) -> types.FunctionType | None:
    """For `grad(g)` or `value_and_grad(g)`, the flat code computing what it returns
    (`g_grad(*params, out_bar=1.0)` returns the gradient, the value first for
    `value_and_grad`); None for other functions (`jacobian`, `hessian`: refused at the call).
    `given`: (how many arguments a call gives by position, the keywords it gives): the code
    is made for `g`'s defaults that are functions or objects the call leaves to them, as
    `grad` itself makes it for the values it is given (`specialised`)."""
    made = getattr(fn, "_s2s_made_by", None)
    if made not in ("grad", "value_and_grad"):
        return None  # jacobian, hessian, …: refused where they are called
    from . import api

    inner, wrt = fn.__wrapped__, getattr(fn, "_s2s_wrt", 0)  # functools.wraps(f)
    names = api._wrt_names(inner, wrt)
    if given is not None:
        inner = specialised(inner, _defaults_left(inner, *given), names)
    mode = "flat_value_and_gradient" if made == "value_and_grad" else "gradient"
    made = api.derivative(inner, mode, names)
    code = made.function
    code._s2s_seeds_gradient_of = inner  # its seed, as `grad`'s own: ad/calls.py
    code._s2s_dependencies = made.dependencies  # (a caller's derivatives depend on them too)
    return code


def _defaults_left(fn: types.FunctionType, positional: int, keywords: frozenset) -> list:
    """One value per parameter of `fn`: its default where a call giving `positional`
    arguments and `keywords` leaves it to the default, else None (not known)."""
    defaults = parameter_defaults(fn)
    return [
        defaults[name] if k >= positional and name not in keywords and name in defaults else None
        for k, name in enumerate(inspect.signature(fn).parameters)
    ]


def parameter_defaults(fn: types.FunctionType) -> dict[str, object]:
    """{parameter: its default} of `fn`'s parameters that have one, positional then
    keyword-only (the objects Python made when its `def` ran)."""
    code = fn.__code__
    positional = code.co_varnames[: code.co_argcount]
    defaults = dict(zip(reversed(positional), reversed(fn.__defaults__ or ()), strict=False))
    defaults.update(fn.__kwdefaults__ or {})
    return defaults


def default_values(fn: types.FunctionType) -> tuple:
    """`fn`'s defaults, positional then keyword-only."""
    return (*(fn.__defaults__ or ()), *(fn.__kwdefaults__ or {}).values())


def gradient_made_from(fn: object) -> types.FunctionType | None:
    """The function flat gradient code s2s_ad made is the gradient of (`api.gradient_code`'s;
    `made_by_s2s_ad`'s, for `grad(g)(x)` called inside: `g`), else None."""
    made = getattr(fn, "_s2s_made_from", None)
    return made.fn if made is not None else getattr(fn, "_s2s_seeds_gradient_of", None)


def transparently_wraps(fn: types.FunctionType) -> object | None:
    """`fn.__wrapped__` when `fn` is a wrapper whose body only calls it with what it got
    (`def wrapper(*args, **kwargs): return fn(*args, **kwargs)`, or `*args` alone), else
    None."""
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is None:
        return None
    code = fn.__code__
    if not code.co_flags & inspect.CO_VARARGS:
        return None
    if code.co_argcount or code.co_kwonlyargcount:
        return None
    import gast  # imported on the first transformation: `import s2s_ad` stays cheap

    from .frontend.gast_conversion import parse
    from .frontend.parse import file_lines

    try:
        lines = file_lines(fn)[code.co_firstlineno - 1 :]  # (its `def` or first decorator)
        source = textwrap.dedent("".join(inspect.getblock(lines)))
        node = parse(source).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return None
    if not isinstance(node, gast.FunctionDef):
        return None
    body = [s for s in node.body if not _is_docstring(s)]
    if len(body) != 1 or not isinstance(body[0], gast.Return):
        return None
    call = body[0].value
    star, double = node.args.vararg.id, node.args.kwarg
    forwards = (
        isinstance(call, gast.Call)
        and isinstance(call.func, gast.Name)
        and len(call.args) == 1
        and isinstance(call.args[0], gast.Starred)
        and _is_name(call.args[0].value, star)
        and len(call.keywords) == (double is not None)
        and all(k.arg is None and _is_name(k.value, double.id) for k in call.keywords)
    )
    if not forwards or call.func.id not in code.co_freevars:
        return None
    cell = fn.__closure__[code.co_freevars.index(call.func.id)]
    try:
        return wrapped if cell.cell_contents is wrapped else None
    except ValueError:
        return None


def _is_docstring(stmt) -> bool:
    import gast

    return isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)


def _is_name(node, name: str) -> bool:
    import gast

    return isinstance(node, gast.Name) and node.id == name


# the API's `f`

_COUNTER = itertools.count()


def as_function(f: object) -> object:
    """`f` as a Python function with source: itself when it is one, else a generated closure
    binding what `f` binds (`partial(f, y=1.0)`, `model.loss`, `layer`); anything else is
    returned as it is (the API reports it)."""
    if isinstance(f, types.FunctionType) and getattr(f, "__wrapped__", None) is None:
        return f
    if isinstance(f, types.FunctionType) and getattr(f, "_s2s_made_by", None) is not None:
        return f  # grad(grad(g)): the API takes the gradient code itself
    resolved = resolve(f)
    if resolved is None:
        return f
    if not binds(resolved):
        return resolved.fn
    return _bound_function(resolved, f)


def _bound_function(resolved: Resolved, original: object) -> types.FunctionType:
    """`def name(<what is left of the signature>): return _s2s_callee(<bound>, <params>)`."""
    fn = resolved.fn
    where = {"filename": fn.__code__.co_filename, "line": fn.__code__.co_firstlineno}
    try:
        signature = inspect.signature(functools.partial(fn, *resolved.args, **resolved.kwargs))
    except (TypeError, ValueError) as exc:
        raise SourceError(
            f"cannot bind the arguments of {original!r} to `{fn.__qualname__}`: {exc}",
            **where,
            hint="bind arguments that the function takes",
        ) from None
    params, passed, defaults = [], [], {}
    kind_seen = None
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise UnsupportedSyntaxError(
                f"unsupported construct: differentiating {original!r}, whose function "
                f"`{fn.__qualname__}` takes `{'*' if p.kind is p.VAR_POSITIONAL else '**'}"
                f"{p.name}`",
                **where,
                hint="give the function named parameters",
            )
        text = p.name
        if p.default is not p.empty:
            defaults[f"_s2s_default_{p.name}"] = p.default
            text += f"=_s2s_default_{p.name}"
        if p.kind is p.KEYWORD_ONLY and kind_seen is not p.KEYWORD_ONLY:
            params.append("*")
        kind_seen = p.kind
        params.append(text)
        passed.append(f"{p.name}={p.name}" if p.kind is p.KEYWORD_ONLY else p.name)
    if any(p.kind is p.POSITIONAL_ONLY for p in signature.parameters.values()):
        last = max(
            i for i, p in enumerate(signature.parameters.values()) if p.kind is p.POSITIONAL_ONLY
        )
        params.insert(last + 1, "/")
    bound = [f"_s2s_bound{i}" for i in range(len(resolved.args))]
    # keyword-bound values are the defaults of keyword-only parameters (partial's semantics)
    cells = ["_s2s_callee", *bound, *defaults]
    name = _def_name(fn)
    source = (
        f"def _s2s_make({', '.join(cells)}):\n"
        f"    def {name}({', '.join(params)}):\n"
        f"        return _s2s_callee({', '.join([*bound, *passed])})\n"
        f"    return {name}\n"
    )
    made = _compiled(source, fn, [fn, *resolved.args, *defaults.values()])
    made._s2s_bound = (resolved, original)
    return made


# arguments that are functions or objects: the derivative is specialised to them

_SPECIALISED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
MAX_SPECIALISED = 32  # function values per function given their own derivative, newest kept


def is_known_value(value: object) -> bool:
    """An argument the derivative is specialised to: a function (a plain one, a partial, a
    bound method, a callable object) or an object of a user class with code of its own
    (methods, or functions among its attributes), which the lowering follows. An object
    holding only data (arrays, numbers) is an ordinary argument: a new one on every call
    makes no new derivative. A list, tuple or dict holding such values (`{"hidden":
    np.tanh, "loss": mse}`) is known too: its items are followed; so is an object holding
    them (`model.parts = (encoder, decoder)`)."""
    return _known(value, 0)


def _known(value: object, depth: int) -> bool:
    """`is_known_value`, `depth` containers and objects down (a cycle ends at the limit)."""
    if depth > _DEPTH:
        return False
    if isinstance(value, (list, tuple, dict)):  # (NamedTuples, OrderedDicts too)
        items = value.values() if isinstance(value, dict) else value
        return len(items) < 64 and any(_known(v, depth + 1) for v in items)  # not large data
    if type(value) in _PLAIN or isinstance(value, _NEVER_KNOWN):
        return False
    if callable(value):
        return True
    from .ssa.callable_values import is_user_object

    return is_user_object(value) and _has_code(value, depth)


_PLAIN = frozenset((float, int, bool, np.ndarray, np.float64, np.float32, tuple, list, dict))
_DEPTH = 8
_NEVER_KNOWN = (type, types.ModuleType, np.ndarray, np.generic, tuple, list, dict, str)
# the operator methods whose code the lowering follows (`a + b` calls `a.__add__(b)`, `dt * s`
# calls `s.__rmul__(dt)`: ssa/object_operators.py); with `__call__`, the special methods
OPERATOR_METHOD_NAMES = frozenset(
    (
        "__neg__",
        "__pos__",
        *(
            f"__{kind}{op}__"
            for op in ("add", "sub", "mul", "truediv", "matmul", "pow")
            for kind in ("", "r", "i")
        ),
    )
)
_FOLLOWED_SPECIAL = OPERATOR_METHOD_NAMES | {"__call__"}


def _has_code(value: object, depth: int) -> bool:
    for cls in type(value).__mro__[:-1]:  # not `object`'s
        for name, attr in vars(cls).items():
            is_code = isinstance(attr, (types.FunctionType, staticmethod, classmethod, property))
            if is_code and (not name.startswith("__") or name in _FOLLOWED_SPECIAL):
                return True
    own = getattr(value, "__dict__", {})
    return any(_known(v, depth + 1) for v in own.values())


def has_known_values(values: tuple | list) -> bool:
    return any(is_known_value(v) for v in values)


def specialised(f: object, values: list, wrt: tuple = ()) -> object:
    """`f`, or where an argument not in `wrt` is a function or an object, a function of
    the same signature that calls `f` with those very values (closed over, so the lowering
    knows them): `def apply(fn, x): return _s2s_callee(_s2s_known_fn, x)`. The API uses it
    only with those values (cached on their identity), so it computes what `f` does."""
    if not isinstance(f, types.FunctionType):
        return f
    made_from = getattr(f, "_s2s_flat_gradient_of", None)
    if made_from is not None:  # `jacfwd(grad(fn))`: fn's gradient code made for the values
        from .api import gradient_for

        return gradient_for(*made_from, values, wrt)
    filename = f.__code__.co_filename
    if filename.startswith("<s2s_ad ") and not filename.startswith("<s2s_ad bound "):
        return f  # generated code: made from a function already specialised to them
    params = list(inspect.signature(f).parameters.values())
    known = {
        p.name: v
        for p, v in zip(params, values, strict=False)
        if p.name not in wrt and is_known_value(v)
    }
    if not known:
        return f
    cache = _SPECIALISED.setdefault(f, {})
    key = (f.__code__, tuple((name, id(v)) for name, v in known.items()))
    entry = cache.get(key)
    if entry is not None and all(entry[1][n] is v for n, v in known.items()):
        return entry[0]
    made = _same_signature(f, params, known)
    cache[key] = (made, known)
    while len(cache) > MAX_SPECIALISED:
        del cache[next(iter(cache))]
    return made


def _same_signature(f: types.FunctionType, params: list, known: dict) -> types.FunctionType:
    texts, passed, defaults, star = [], [], {}, False
    for p in params:
        text = p.name
        if p.default is not p.empty:
            defaults[f"_s2s_default_{p.name}"] = p.default
            text += f"=_s2s_default_{p.name}"
        if p.kind is p.KEYWORD_ONLY and not star:
            texts.append("*")
            star = True
        texts.append(text)
        value = f"_s2s_known_{p.name}" if p.name in known else p.name
        passed.append(f"{p.name}={value}" if p.kind is p.KEYWORD_ONLY else value)
    cells = ["_s2s_callee", *(f"_s2s_known_{n}" for n in known), *defaults]
    name = _def_name(f)
    source = (
        f"def _s2s_make({', '.join(cells)}):\n"
        f"    def {name}({', '.join(texts)}):\n"
        f"        return _s2s_callee({', '.join(passed)})\n"
        f"    return {name}\n"
    )
    made = _compiled(source, f, [f, *known.values(), *defaults.values()])
    made.__name__ = f.__name__
    return made


def _def_name(fn: types.FunctionType) -> str:
    """A name the made function's `def` can have: `fn`'s, `_lambda` for a lambda's."""
    return fn.__name__ if fn.__name__.isidentifier() else "_lambda"


def _compiled(source: str, fn: types.FunctionType, cells: list) -> types.FunctionType:
    filename = f"<s2s_ad bound {fn.__name__} {next(_COUNTER)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict = {}
    exec(compile(source, filename, "exec"), fn.__globals__, namespace)
    made = namespace["_s2s_make"](*cells)
    made.__qualname__ = fn.__qualname__
    made._s2s_where = (fn.__code__.co_filename, fn.__code__.co_firstlineno)  # its statements
    return made
