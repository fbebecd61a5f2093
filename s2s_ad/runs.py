"""Which generated code the API runs for given arguments, so that it can be printed.

`grad` does not run the shape-generic code `derivative_source(f)` shows: on the first call
for a signature of argument shapes it compiles a flat gradient specialised to those shapes
(api.py `_specialised`). This module names, for each source mode and example arguments,
the derivative the matching API call runs:

    derivative_source(f, "gradient", args=(w, x, b))   # what grad(f)(w, x, b) runs
    → "def f_grad(w, x, b, f_bar=1.0): ..." without `rt.unbroadcast` where shapes match

mode        the call whose code it is
gradient    grad(f, wrt) (value_and_grad runs a twin that also returns the value)
reverse     vjp(f, *args)'s forward sweep and pullback (generic in the cotangent's shape)
forward     jvp(f, args, tangents)
vector      jacfwd(f, wrt)
hessian     hessian(f, wrt): the vector tangent of the flat gradient code
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .api import (
    _bind,
    _check_differentiable,
    _key_dtypes,
    _key_shapes,
    _plain_kinds,
    _prepared,
    _refuse_complex,
    _signature,
    _wrt_names,
    derivative,
)
from .callables import has_known_values
from .fast_path import signature_key

if TYPE_CHECKING:
    from .pipeline import Derivative


def derivative_run(f: Callable, mode: str, wrt: object, args: Sequence) -> Derivative:
    """The derivative the API call of `mode` (see the module docstring) runs on `args`."""
    if isinstance(args, dict) or not isinstance(args, (tuple, list)):
        raise _args_error(f, args)
    names = _wrt_names(f, wrt)
    values = _bind(f, tuple(args), {})
    _refuse_complex(f, values)
    params = list(_signature(f).parameters)
    inputs = [values[params.index(name)] for name in names]
    for name, value in zip(names, inputs, strict=True):
        _check_differentiable(f, name, value)
    if mode == "gradient":
        if _plain_kinds(inputs) and not has_known_values(values):  # grad's fast path
            key = signature_key(values)  # as grad keys its signatures
            return derivative(f, "grad", names, shapes=_key_shapes(key), dtypes=_key_dtypes(key))
        return _prepared(f, "reverse", names, values)  # structures: checked on every call
    if mode == "hessian":
        from .jacobians import _gradient_code, _inputs

        gradient, _ = _gradient_code(f, names, values)
        names, values, _ = _inputs(gradient, wrt, values, {})  # `out_bar=1.0` bound
        return _prepared(gradient, "vector", names, values, specialise=True)
    return _prepared(f, mode, names, values, specialise=mode == "vector")


def _args_error(f: Callable, args: object) -> Exception:
    from .api import _where
    from .errors import ArgumentError

    return ArgumentError(
        f"args= for `{f.__name__}` is {type(args).__name__}, not a tuple of its arguments",
        **_where(f),
        hint="give example arguments as a tuple, e.g. args=(w, x, b) or args=(2.0,)",
    )
