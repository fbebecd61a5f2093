"""The public API: argument handling, caching, and calling the pipeline."""

from __future__ import annotations

import contextlib
import functools
import inspect
import operator
import os
import types
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numpy import float64, ndarray

from . import pytrees
from . import runtime as rt
from .callables import as_function, has_known_values, specialised
from .distinct_results import distinct
from .errors import (
    ArgumentError,
    NonScalarOutputError,
    S2SError,
    UnsupportedSyntaxError,
    with_article,
)
from .fast_path import fast_path_entry, signature_key, with_fast_path
from .frontend.scope import made_from, still_made_from
from .located import (
    REPORTED,
    ComplexValue,
    in_users_code,
    is_complex,
    raise_reported,
    raised_by_users_statement,
    reporting,
)
from .runtime.directions import identity_seed
from .snapshots import keep_values

if TYPE_CHECKING:
    from .pipeline import Derivative


def derivative(*args, **kwargs) -> Derivative:
    """The pipeline's cached derivative. The pipeline (gast, the passes, the rule table) is
    imported on the first transformation, so `import s2s_ad` stays cheap."""
    from .pipeline import derivative as cached_derivative

    return cached_derivative(*args, **kwargs)


Wrt = int | str | tuple[int | str, ...]


def _prepared(
    f: Callable, mode: str, wrt: tuple[str, ...], values: list, *, specialise: bool = False
) -> Derivative:
    """The derivative, after checking that running it on `values` is what `f` would do.

    `specialise`: code for the shapes of `values` (the caller seeds it with tangents or
    cotangents of exactly the inputs' or outputs' shapes)."""
    f = specialised(f, values, wrt)  # functions and objects given: callables.py
    structures, held = _argument_structures(f, wrt, values)
    shapes = dtypes = None
    if specialise and not structures:
        key = signature_key(values)
        shapes, dtypes = _key_shapes(key), _key_dtypes(key)
    d = derivative(f, mode, wrt, structures=structures + held, shapes=shapes, dtypes=dtypes)
    refuse_updated_arguments(d, values)
    return d


def scalar_gradient_known(f: Callable, wrt: tuple[str, ...], values: list) -> bool:
    """Whether `_prepared(f, "grad", wrt, values, specialise=True)`, the code `grad` runs,
    would return the gradients alone and run no statement kept for its effect, known
    without making it (pipeline.py's `plain_scalar_gradient`: plain arguments, a function
    calling no helper); False where unsure, where the caller makes that code to ask it."""
    f = specialised(f, values, wrt)
    if not isinstance(f, types.FunctionType) or any(
        getattr(f, marker, None) is not None for marker in ("_s2s_made_from", "_s2s_refusal")
    ):
        return False  # (gradient code, or a stand-in whose derivative is refused)
    structures, held = _argument_structures(f, wrt, values)
    if structures or held:
        return False
    from .pipeline import plain_scalar_gradient

    return plain_scalar_gradient(f, _key_shapes(signature_key(values)))


def _argument_structures(f: Callable, names: tuple[str, ...], values: list) -> tuple:
    """(each of `names` given a structure, with its `pytrees.TreeDef`: the derivative is
    made for it; the other arguments' `static_structures`)."""
    params = list(_signature(f).parameters)
    found = ((name, _tree(values[params.index(name)])) for name in names)
    structures = tuple((name, tree) for name, tree in found if tree is not None)
    return structures, static_structures(f, values, tuple(name for name, _ in structures))


def static_structures(f: Callable, values: list, made: tuple[str, ...]) -> tuple:
    """(parameter, (STATIC, description)) for each structured argument but those in `made`
    (whose derivative is made for their whole structure): their static leaves (ints,
    strings) stay without a derivative (ad/integers.py), read directly or saved beside floats
    on a loop's tape. Part of the cache key."""
    from .ad.calls import LENGTH, STATIC  # (the pipeline: imported on the first transformation)
    from .ad.integers import structure

    found = []
    params = list(_signature(f).parameters)
    for name, value in zip(params, values, strict=False):
        if name not in made and type(value) not in _PLAIN_VALUES and pytrees.node(value):
            described = structure(pytrees.treedef(value))
            if isinstance(described, tuple):
                found.append((name, (STATIC, described)))
            elif isinstance(value, tuple):  # (a tuple or NamedTuple: `f(*p)` spreads it)
                found.append((name, (LENGTH, len(value))))
    return tuple(found)


_PLAIN_VALUES = (float, int, bool, ndarray, str, type(None))


def refuse_updated_arguments(d: Derivative, values: list) -> None:
    """Raise where the derivative's function updates an array or list argument in place
    (`x += …`): the caller's value would change too."""
    for param, line in d.inplace_arguments:
        value = values[d.params.index(param)]
        if isinstance(value, (np.ndarray, list)):  # `+=` updates both in place
            what = "list" if isinstance(value, list) else "array"
            raise UnsupportedSyntaxError(
                f"unsupported construct: in-place update of the argument `{param}`, "
                f"which would modify the caller's {what}",
                filename=d.filename,
                line=line,
                hint=f"write `{param} = {param} + ...` (a new {what}) instead of `+=`",
            )


# arguments


_SIGNATURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _signature(f: Callable) -> inspect.Signature:
    """`f`'s signature, checked once per function object and code (it is read on every call)."""
    cached = _SIGNATURES.get(f) if isinstance(f, types.FunctionType) else None
    if cached is not None and all(map(operator.is_, _made_from(f), cached[3])):
        return cached[1]
    signature = _checked_signature(f)
    positional = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in signature.parameters.values())
    # positional: args alone can bind; the signature holds the defaults, so they key it too
    _SIGNATURES[f] = (f.__code__, signature, positional, _made_from(f))
    return signature


def _made_from(f: types.FunctionType) -> tuple:
    """What `f`'s signature is read from (compared by identity: defaults may be arrays)."""
    return (f.__code__, f.__defaults__, f.__kwdefaults__)


def _checked_signature(f: Callable) -> inspect.Signature:
    from .frontend.parse import require_function
    from .frontend.validate import star_parameter_error

    require_function(f)
    signature = inspect.signature(f)
    for p in signature.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            what = "*args" if p.kind is p.VAR_POSITIONAL else "**kwargs"
            raise star_parameter_error(f.__name__, what, **_where(f))
    return signature


def _where(f: Callable) -> dict:
    code = f.__code__
    return {"filename": code.co_filename, "line": code.co_firstlineno}


def _bind(f: Callable, args: tuple, kwargs: dict) -> list:
    """The argument values in parameter order, defaults filled in."""
    signature = _signature(f)
    if not kwargs and len(args) == len(signature.parameters) and _SIGNATURES[f][2]:
        return list(args)  # every parameter given by position: nothing to match
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise ArgumentError(
            f"bad call of `{f.__name__}`: {exc}",
            **_where(f),
            hint="call the derivative with the arguments the function itself takes",
        ) from None
    seed = _cotangent_parameter(f, bound.arguments)
    bound.apply_defaults()
    if seed is not None:
        bound.arguments[seed[0]] = seed[1]
    return list(bound.arguments.values())


def _cotangent_parameter(f: Callable, given: dict) -> tuple[str, object] | None:
    """For flat gradient code whose cotangent parameter (`out_bar=1.0`) is not in `given`:
    (its name, the unit cotangent `grad`'s own code starts from for the given arguments'
    kinds: of the output's NumPy float dtype where the dtype analysis knows it, or of the
    float64 where floats of several dtypes meet, `pipeline.gradient_seed_dtype`), so that the
    code divides as the plain call does: `np.sum(d * d) / (len(x) - 1)` at one element by a
    Python 0 gives NumPy's inf or nan with a warning, where Python's 1.0 raised
    ZeroDivisionError; and a float32 divisor of a float64 loss divides in float64, the
    float32 an argument's default or an item of a structured argument too (`hp.scale`,
    `t[0]`, `d["scale"]`)."""
    made = getattr(f, "_s2s_made_from", None)
    if made is None or made.cotangent in given:
        return None
    fn, name, seeds = made.fn, made.cotangent, made.seeds
    params = _signature(fn).parameters.values()
    values = [given.get(p.name, p.default) for p in params]
    if any(v is inspect.Parameter.empty for v in values):
        return None  # (a missing argument: the call reports it)
    signature = signature_key(values)
    key = (signature, _held(values, _structured_places(signature)) or frozenset())
    if key not in seeds:  # (`grad`'s seed: a Python 0 divides as the plain call does)
        from .pipeline import gradient_seed_dtype

        try:
            dtype = gradient_seed_dtype(fn, _key_dtypes(key[0]), key[1])
        except S2SError:  # (the derivative reports it)
            dtype = None
        seeds[key] = dtype.type(1.0) if dtype is not None else 1.0
    return name, seeds[key]


def _structured_places(key: tuple) -> list[int]:
    """The places of an argument signature's structures (neither arrays nor numbers, or
    record arrays: `rec["scale"]`), whose items the dtype analysis does not follow into."""
    return [
        i
        for i, kind in enumerate(key)
        if (kind[0].fields if type(kind) is tuple else _static_shape(kind) is None)
    ]


def _held(values: list | tuple, places: list[int]) -> frozenset | None:
    """The float dtypes the structured arguments at `places` hold (`t[0]`, `hp.scale`:
    ad/seed_dtype.py); None where there are none."""
    from .ad.seed_dtype import held_float_dtypes

    return held_float_dtypes([values[i] for i in places]) if places else None


def _call_with(f: Callable, values: list) -> object:
    """`f` called with its argument values in parameter order (`_bind`'s), the keyword-only
    ones by keyword: a plain call made to learn what `f` returns (its kinds, whether it
    raises). Its arrays, in lists, tuples and dicts too, are copies: where `f` updates an
    argument in place through a name that may share it (`y = x.astype(t, copy=False)`;
    `y += 1`), which its derivative code refuses at run time, the caller's array stays as
    it was."""
    params = _signature(f).parameters.values()
    pairs = list(zip(params, [_detached(v) for v in values], strict=True))
    args = [v for p, v in pairs if p.kind != p.KEYWORD_ONLY]
    return f(*args, **{p.name: v for p, v in pairs if p.kind == p.KEYWORD_ONLY})


def _detached(value: object) -> object:
    """`value` with its NumPy arrays copied (their memory layout kept), inside lists,
    tuples and dicts too; anything else as it is."""
    kind = type(value)
    if kind is np.ndarray:
        return value.copy(order="K")
    if kind is list or kind is tuple:
        return kind(_detached(v) for v in value)
    if kind is dict:
        return {k: _detached(v) for k, v in value.items()}
    return value


def _wrt_names(f: Callable, wrt: Wrt, where: dict | None = None) -> tuple[str, ...]:
    """`wrt` as parameter names of `f`; refused, located at `where` (default: `f`), when
    an item names none."""
    params = list(_signature(f).parameters)
    positional = [
        name
        for name, p in _signature(f).parameters.items()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    names = []
    for item in wrt if isinstance(wrt, tuple) else (wrt,):
        if (
            isinstance(item, (int, np.integer))
            and not isinstance(item, (bool, np.bool_))
            and -len(positional) <= item < len(positional)
        ):
            names.append(positional[int(item)])
        elif isinstance(item, str) and item in params:
            names.append(item)
        else:
            raise ArgumentError(
                f"wrt={item!r} does not name a parameter of `{f.__name__}`",
                **(where or _where(f)),
                hint=f"its parameters are {', '.join(params) or 'none'}",
            )
    return tuple(names)


def check_wrt(f: Callable, wrt: object, made_by: str) -> None:
    """`wrt` is an index, a name, or a tuple of them, naming parameters of `f`: anything else
    (an array, a float, a list, an index out of range) is refused when the derivative is
    made, not at its first call. `grad(f, x)` passes the point where `wrt` goes."""
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    if items and all(
        isinstance(w, (int, np.integer, str)) and not isinstance(w, (bool, np.bool_)) for w in items
    ):
        _wrt_names(f, wrt, _callers_line(f))  # an index out of range, an unknown name
        return
    given = "None" if wrt is None else with_article(type(wrt).__name__)
    raise ArgumentError(
        f"{made_by}(`{f.__name__}`, wrt=…) got {given} as wrt: wrt is a "
        "parameter's index or name, or a tuple of them",
        **_callers_line(f),
        hint=f"pass the arguments to the function {made_by} returns: "
        f"`{made_by}({f.__name__})(x)`, or `{made_by}({f.__name__}, wrt=1)(x, y)` for the "
        "second parameter",
    )


def _callers_line(f: Callable) -> dict:
    """The file and line of the first caller outside s2s_ad (where `grad(f, …)` is
    written); `f`'s own when there is none."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame = inspect.currentframe()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back
    if frame is None:
        return _where(f)
    return {"filename": frame.f_code.co_filename, "line": frame.f_lineno}


_is_leaf = pytrees.is_leaf  # a float scalar or a float array (NEP 18 arrays count)
_is_array = pytrees.is_array


def _tree(value: object) -> pytrees.TreeDef | None:
    """The structure of a tuple, list, dict, NamedTuple, dataclass or object argument, at
    any nesting (`pytrees.py`); None for a leaf."""
    return pytrees.treedef(value) if pytrees.node(value) is not None else None


def _is_differentiable(value: object) -> bool:
    """A float leaf, or a structure holding at least one."""
    return _is_leaf(value) or (pytrees.node(value) is not None and pytrees.has_derivative(value))


def _check_differentiable(f: Callable, name: str, value: object) -> None:
    if _is_differentiable(value):
        return
    kind = type(value).__name__
    if isinstance(value, (int, np.integer)) or (
        _is_array(value) and np.issubdtype(value.dtype, np.integer)
    ):
        hint = (
            f"integers have no derivative; pass a float, e.g. {name}=float(...) or .astype(float)"
        )
    elif isinstance(value, (complex, np.complexfloating)) or (
        _is_array(value) and np.issubdtype(value.dtype, np.complexfloating)
    ):
        hint = "complex inputs are not supported; split into real and imaginary parts"
    else:
        hint = (
            "differentiate with respect to float scalars, float NumPy arrays, or a tuple, "
            "list, dict, NamedTuple, dataclass or object holding them (nested too)"
        )
    raise ArgumentError(
        f"cannot differentiate `{f.__name__}` with respect to `{name}`, {with_article(kind)}",
        **_where(f),
        hint=hint,
    )


def _refuse_complex(f: Callable, values: Sequence) -> None:
    """Complex arguments are refused wherever they are (held fixed too: complex
    intermediate values would follow, and their derivatives are not supported yet)."""
    for k, value in enumerate(values):
        if is_complex(value):
            name = list(_signature(f).parameters)[k]
            raise ArgumentError(
                f"the argument `{name}` of `{f.__name__}` is complex "
                f"({with_article(type(value).__name__)}); complex numbers are not supported yet",
                **_where(f),
                hint="split it into real and imaginary parts (two float arguments)",
            )


def _zero_like(x: object) -> object:
    if pytrees.node(x) is not None:  # zeros at its float leaves, None at its static ones
        return pytrees.map_leaves(lambda leaf: _zero_like(leaf) if _is_leaf(leaf) else None, x)
    if _is_array(x):
        return np.zeros_like(x)  # dispatched: a Dask array's zeros are a Dask array
    if isinstance(x, np.generic):
        return x.dtype.type(0)
    return 0.0


REAL_SCALARS = frozenset((float, np.float64, np.float32, int))


def _like(g: object, x: object) -> object:
    """`g` in the type, dtype and shape of `x` (`None`, a symbolic zero, becomes zeros)."""
    if type(x) is float and g is not None:
        if type(g) not in REAL_SCALARS and is_complex(g):
            raise ComplexValue  # float() would drop the imaginary part
        return float(g)  # the common cases first, quickly
    if type(g) is ndarray and type(x) is ndarray and g.shape == x.shape and g.dtype == x.dtype:
        return owned(g)
    if g is None:
        return _zero_like(x)
    if pytrees.node(x) is not None:  # `g` in any derivative form: `x`'s own types back
        return pytrees.map_leaves(_leaf_like, x, g)
    if is_complex(g) and not is_complex(x):
        raise ComplexValue
    if isinstance(x, np.ndarray):
        arr = np.asarray(g, dtype=x.dtype)
        if arr.shape != x.shape:
            arr = np.broadcast_to(arr, x.shape)
        return owned(arr)
    if isinstance(x, np.generic):
        return x.dtype.type(g)
    if _is_array(x):  # another library's array: stay in it (lazy arrays stay lazy)
        g = g.astype(x.dtype) if getattr(g, "dtype", x.dtype) != x.dtype else g
        return g if np.shape(g) == np.shape(x) else np.broadcast_to(g, np.shape(x))
    return float(g)


def _leaf_like(leaf: object, g: object) -> object:
    """A structure's leaf's derivative `g` like `_like`; None for a static leaf (an int, a
    string, None: held fixed)."""
    return _like(g, leaf) if _is_leaf(leaf) else None


def _require_scalar(f: Callable, out: object) -> None:
    if type(out) is float or type(out) is np.float64:
        return  # the common case, quickly
    if is_complex(out):
        raise ComplexValue
    if np.ndim(out) == 0 and not isinstance(out, tuple):
        return
    sequence = isinstance(out, (tuple, list))
    shape = f"a {type(out).__name__}" if sequence else f"shape {np.shape(out)}"
    raise NonScalarOutputError(
        f"grad needs `{f.__name__}` to return a real scalar, but it returned {shape}",
        **_where(f),
        hint="use s2s_ad.vjp for a vector-Jacobian product or s2s_ad.jacobian for all of it",
    )


def _require_scalar_result(f: Callable, values: tuple) -> None:
    """Where gradient code failed: NonScalarOutputError if the plain call of `f` returns no
    scalar (a list, `np.array([…])`: the code's unit seed met it first); else nothing, the
    code's own error stands (also where the plain call raises)."""
    try:
        out = _call_with(f, values)
    except Exception:
        return
    _require_scalar(f, out)


def _check_mode(mode: str, allowed: Sequence[str]) -> None:
    if type(mode) is not str or mode not in allowed:  # (an array given as the mode: no `in`)
        choices = " or ".join(map(repr, allowed))
        shown = repr(mode) if type(mode) is str else with_article(type(mode).__name__)
        hint = f"use mode={choices}"
        if type(mode) is not str:  # `derivative_source(f, x)`: example arguments go in `args`
            hint += "; example arguments are given as args=(...)"
        raise ArgumentError(f"mode={shown} is not a mode", hint=hint)


# gradients


def _gradients(f: Callable, wrt: tuple[str, ...], mode: str, values: list) -> tuple[object, tuple]:
    """(f's value, gradients with respect to each `wrt` parameter), in the inputs' types."""
    params = list(_signature(f).parameters)
    inputs = [values[params.index(name)] for name in wrt]
    for name, value in zip(wrt, inputs, strict=True):
        _check_differentiable(f, name, value)
    if mode == "reverse":
        return _reverse_gradients(f, _prepared(f, mode, wrt, values), wrt, values)
    out, grads = _forward_gradients(f, _prepared(f, "vector", wrt, values), values, inputs)
    return out, tuple(_like(g, x) for g, x in zip(grads, inputs, strict=True))


def scalar_block(block: object, leaf: object) -> object:
    """A Jacobian's or Hessian's 0-d NumPy block for a scalar input leaf, in that leaf's
    type as `grad` gives it (a float for a float, np.float32 for np.float32); others as
    they are."""
    if type(block) is ndarray and block.ndim == 0 and isinstance(leaf, (float, np.floating)):
        return _like(block, leaf)
    return block


def one_hot_seeds(inputs: list) -> list:
    """Tangents for the vector mode that together seed every input element: with n float
    elements in all, each float leaf gets (n, *shape), its own block of the n-by-n identity
    (in its input's structure, in the derivative form; None at static leaves)."""
    if len(inputs) == 1 and type(inputs[0]) is ndarray and inputs[0].dtype.kind == "f":
        x = inputs[0]  # the common case, directly: the identity, one row per element
        seed = np.eye(x.size, dtype=x.dtype).reshape((x.size, *x.shape))
        return [identity_seed(seed) if x.ndim == 1 else seed]
    per_input = [pytrees.float_leaves(x) for x in inputs]
    total = sum(rt.size(leaf) for leaves in per_input for leaf in leaves)
    weak = weak_float_type(*(leaf for leaves in per_input for leaf in leaves))
    seeds, start = [], 0
    for x, leaves in zip(inputs, per_input, strict=True):
        blocks = []
        for leaf in leaves:
            size = rt.size(leaf)
            dtype = weak if type(leaf) is float else np.result_type(leaf, 1.0)
            block = np.zeros((total, size), dtype=dtype)
            block[start : start + size] = np.eye(size, dtype=block.dtype)
            blocks.append(block.reshape((total, *np.shape(leaf))))
            start += size
        items = iter(blocks)
        seeds.append(
            pytrees.as_derivative(
                pytrees.map_leaves(
                    lambda leaf, items=items: (
                        next(items) if _is_leaf(leaf) else static_tangent(leaf, (total,))
                    ),
                    x,
                )
            )
        )
    return seeds


def read_only(seeds: list) -> list:
    """`seeds`, made once and passed to every later call's code, with their arrays marked
    read-only: a result that is a seed or a view of one is then not writeable, so it is
    copied before it is handed out (`_like`, `owned`), never changed under a later call."""
    for seed in seeds:
        if type(seed) is ndarray:
            seed.flags.writeable = False
    return seeds


def owned(result: ndarray) -> ndarray:
    """`result`, or a copy where it is not writeable (a read-only seed or a view of one)."""
    return result if result.flags.writeable else result.copy()


def static_tangent(leaf: object, directions: tuple = ()) -> object:
    """The tangent generated code gets for a structure's static leaf: zeros for a number
    (an int or integer array may meet floats in arithmetic, e.g. `x * params["n"]`; with a
    leading axis of `directions` in vector mode), None for anything else (a string, None)."""
    if isinstance(leaf, bool) or not isinstance(leaf, (int, np.number, np.ndarray)):
        return None
    return np.zeros(directions + np.shape(leaf)) if directions or np.ndim(leaf) else 0.0


def _gradient_parts(columns: object, inputs: list) -> list:
    """Each input's part of `columns` (the vector tangent of a scalar, one entry per input
    float element, in `one_hot_seeds`' order), in the input's structure."""
    total = sum(rt.size(leaf) for x in inputs for leaf in pytrees.float_leaves(x))
    return split_elements(np.zeros(total) if columns is None else rt.as_array(columns), inputs)


def split_elements(flat: object, inputs: list) -> list:
    """`flat`, whose last axis runs over the float elements of all `inputs` (in
    `one_hot_seeds`' order), cut into one structure per input, each float leaf's block
    shaped `flat.shape[:-1] + leaf.shape` (lazy arrays stay lazy)."""
    lead, start, parts = tuple(np.shape(flat)[:-1]), 0, []
    for x in inputs:
        pieces = []
        for leaf in pytrees.float_leaves(x):
            size = rt.size(leaf)
            block = flat[..., start : start + size].reshape(lead + np.shape(leaf))
            pieces.append(scalar_block(block, leaf))
            start += size
        parts.append(pytrees.with_float_leaves(x, pieces))
    return parts


def _forward_gradients(f: Callable, d: Derivative, values: list, inputs: list) -> tuple:
    """The gradient from one pass of the vector tangent code: a one-hot direction for every
    element of every input (leaf), all carried at once."""
    out, columns = d.function(*values, *one_hot_seeds(inputs))
    _require_scalar(f, out)
    return out, _gradient_parts(columns, inputs)


def grad(
    f: Callable | None = None, wrt: Wrt = 0, *, mode: str = "reverse", jit: bool = False
) -> Callable:
    """The gradient of a scalar function: `grad(f)(*args)` is df/d args[wrt].

    Usable bare (`@grad`) or configured (`@grad(wrt=("x", "y"), mode="forward")`); with a
    tuple `wrt` the gradient is a tuple. Gradients have the type and shape of their input.
    `jit=True`: the code specialised to the arguments' shapes is compiled by Numba (the
    `jit` extra), or runs as NumPy code with one logged warning where Numba cannot compile it.
    """
    if f is None:
        return lambda fn: grad(fn, wrt, mode=mode, jit=jit)
    return _gradient_function(f, wrt, mode, with_value=False, jit=jit)


def value_and_grad(
    f: Callable | None = None, wrt: Wrt = 0, *, mode: str = "reverse", jit: bool = False
) -> Callable:
    """Like `grad`, but the result is `(f(*args), gradient)` from one evaluation of `f`."""
    if f is None:
        return lambda fn: value_and_grad(fn, wrt, mode=mode, jit=jit)
    return _gradient_function(f, wrt, mode, with_value=True, jit=jit)


def _gradient_function(
    f: Callable, wrt: Wrt, mode: str, *, with_value: bool, jit: bool = False
) -> Callable:
    _check_mode(mode, ("reverse", "forward"))
    f = as_function(f)  # partial, bound method, callable object: callables.py
    check_wrt(f, wrt, "value_and_grad" if with_value else "grad")
    gradient_of = _gradient_of(f)
    if gradient_of is not None:  # grad(grad(f)): the tangent of f's gradient code
        f, mode = _differentiable(f), "forward"
    _signature(f)

    names: list = []  # wrt as parameter names, found on the first call
    # the fast path: argument signature → (its check, the call of the derivative specialised
    # to those shapes), for signatures whose arguments were checked once (`fast_path_entry`)
    ready: dict = {}
    by_name: dict = {}  # the same for values bound from other calls
    count = _positional_count(f)
    as_tuple = isinstance(wrt, tuple)

    def checked(*args, **kwargs):
        nonlocal f, count
        values = args if not kwargs and len(args) == count else _bind(f, args, kwargs)
        key = signature_key(values)
        # the fast path takes calls by position as given; values bound from a call by name
        # or with defaults left out are kept apart, as a call by position of the same
        # signature may be another call (`def f(x, *, scale)`: `g(x, 3.0)` is refused)
        table = ready if len(values) == count else by_name
        entry = table.get(key)  # (or the fast path stepped aside: `located.locating`)
        if entry is not None and entry[0]():
            found = entry[1](values)
            if found is not None:  # (None: made for other items' dtypes, `_specialised`)
                return found
        if (fresh := current_code(f)) is not f:  # grad(grad(fn)) after fn changed
            f, count = fresh, _positional_count(fresh)
            ready.clear()
            by_name.clear()
            values = _bind(f, args, kwargs)
            table = ready if len(values) == count else by_name
        if not names:
            names.append(_wrt_names(f, wrt))
        _refuse_complex(f, values)
        if gradient_of is not None:  # what grad(f) itself refuses, refused here too
            check_gradient_call(gradient_of, values)
        inputs = [values[i] for i in _positions(f, names[0])]
        given = has_known_values(values)  # functions, objects: callables.py
        if len(table) < MAX_SPECIALISED and _plain_kinds(inputs) and not given:
            for name, value in zip(names[0], inputs, strict=True):
                _check_differentiable(f, name, value)
            if mode == "reverse":
                held = _held(values, _structured_places(key))
                fast = _specialised(f, names[0], key, as_tuple, with_value, jit, held)
            else:
                fast = _specialised_forward(f, names[0], key, inputs, as_tuple, with_value, jit)
            if fast is not None:
                table[key] = fast_path_entry(f, *fast)
                return fast[0](values)
        # tuples, lists or dicts, in-place updates: checked on every call
        if jit:
            _not_compiled(f)
        out, grads = _gradients(f, names[0], mode, list(values))
        result = grads if as_tuple else grads[0]
        return (out, result) if with_value else result

    gradient = functools.wraps(f)(with_fast_path(checked, ready))
    if not with_value:
        gradient._s2s_gradient_of = (f, wrt)
    gradient._s2s_wrt = wrt  # called inside a differentiated function: callables.py
    gradient._s2s_made_by = "value_and_grad" if with_value else "grad"
    return gradient


MAX_SPECIALISED = 16  # argument signatures per gradient given their own derivative code


def _positional_count(f: Callable) -> int:
    """How many arguments a call of `f` gives by position for the fast path to take them
    as they are (-1: none, where `f` has keyword-only or variadic parameters)."""
    return len(_signature(f).parameters) if _SIGNATURES[f][2] else -1


def _key_shapes(key: tuple) -> tuple:
    """The shape of each argument, from its part of an argument signature."""
    return tuple(kind[1] if isinstance(kind, tuple) else _static_shape(kind) for kind in key)


def _key_dtypes(key: tuple) -> tuple:
    """The dtype of each argument (ad/dtypes.py's facts), from its part of a signature."""
    from .ad.dtypes import argument_fact

    return tuple(argument_fact(kind) for kind in key)


def _static_shape(kind: type) -> tuple | None:
    """The shape of every argument of type `kind` (not an array): scalars have one."""
    return () if kind in (float, int, bool) or issubclass(kind, np.number) else None


def _specialised(
    f: Callable,
    wrt: tuple[str, ...],
    key: tuple,
    as_tuple: bool,
    with_value: bool,
    jit: bool,
    held: frozenset | None = None,
) -> tuple[Callable, Callable] | None:
    """(`values -> grad's result` through flat gradient code specialised to the argument
    shapes in `key`, the derivatives it runs: `fast_path_entry`), or None when the
    arguments need the checked path every time. `held`: the float dtypes the structured
    arguments hold (`_held`), which the code's seed is made for: a call whose structures
    hold others gets None from it (the checked path, which specialises again)."""
    from .pipeline import derivative as cached_derivative

    mode = "value_and_gradient" if with_value else "grad"
    shapes, dtypes = _key_shapes(key), _key_dtypes(key)
    d = cached_derivative(f, mode, wrt, shapes=shapes, dtypes=dtypes, held=held or frozenset())
    if d.inplace_arguments:
        return None
    if d.returns_value and _known_non_scalar(f, shapes):  # (its code would fail first, on
        # the unit seed meeting a vector: an error at a generated line, not this one)
        return (lambda values: _require_scalar(f, _call_with(f, values))), (d,)
    run, derivatives = _specialised_call(f, d, wrt, as_tuple, with_value, jit)
    if held is None:
        return run, derivatives
    places = _structured_places(key)

    def run_if_held(values: tuple) -> object:
        return run(values) if _held(values, places) == held else None

    return run_if_held, derivatives


def _specialised_call(
    f: Callable, d: Derivative, wrt: tuple[str, ...], as_tuple: bool, with_value: bool, jit: bool
) -> tuple[Callable, tuple]:
    """`_specialised`'s call of the derivative `d` on argument values."""
    function, positions, checked = _backend(d, f, jit), _positions(f, wrt), d.returns_value
    if not (checked or with_value or as_tuple) and len(positions) == 1:
        position = positions[0]  # the commonest case, `grad(f)(x)` of a known scalar

        def gradient_only(values: tuple) -> object:
            g, x = function(*values), values[position]
            # `_like` of the commonest kinds, without its call (NumPy's functions of a
            # Python float give a NumPy float)
            if type(x) is float:
                if type(g) is float:
                    return g
                if type(g) is float64:
                    return float(g)
            same = type(g) is ndarray and type(x) is ndarray and g.dtype is x.dtype
            if same and g.shape == x.shape and g.flags.writeable:
                return g
            return _like(g, x)

        return gradient_only, (d,)

    def call(values: tuple) -> object:
        if checked:
            try:
                out, grads = function(*values)
            except S2SError:  # (a refusal at run time stands)
                raise
            except Exception as exc:  # (a list or array result meets the unit seed first;
                # not asked where the user's statement raised: the plain call would run its
                # effects, a `finally` or a print, a second time)
                if not raised_by_users_statement(exc):
                    _require_scalar_result(f, values)
                raise
            _require_scalar(f, out)
        else:  # the result is a scalar whatever the values: shape inference proved it
            out, grads = None, function(*values)
        if len(positions) > 1:
            grads = tuple(_like(g, values[i]) for g, i in zip(grads, positions, strict=True))
        else:
            grads = _like(grads, values[positions[0]])
            grads = (grads,) if as_tuple else grads
        return (out, grads) if with_value else grads

    return call, (d,)


def _specialised_forward(
    f: Callable,
    wrt: tuple[str, ...],
    key: tuple,
    inputs: list,
    as_tuple: bool,
    with_value: bool,
    jit: bool,
) -> tuple[Callable, Callable] | None:
    """(`values -> grad's result` through vector tangent code specialised to the argument
    shapes in `key`, its one-hot seeds made once; the derivatives it runs)."""
    from .pipeline import derivative as cached_derivative

    scalar = len(inputs) == 1 and type(inputs[0]) is float
    # one direction: the plain tangent code, on scalars rather than arrays of one direction
    mode = "forward" if scalar else "vector"
    d = cached_derivative(f, mode, wrt, shapes=_key_shapes(key), dtypes=_key_dtypes(key))
    if d.inplace_arguments:
        return None
    function = _backend(d, f, jit)
    positions = _positions(f, wrt)
    seeds = [1.0] if scalar else read_only(one_hot_seeds(inputs))
    sizes = [rt.size(x) for x in inputs]
    starts = np.cumsum([0, *sizes[:-1]])
    layout = list(zip(positions, starts, sizes, [np.shape(x) for x in inputs], strict=True))

    def call(values: tuple) -> object:
        out, columns = function(*values, *seeds)
        _require_scalar(f, out)
        if scalar:
            grads = (0.0 if columns is None else _like(columns, 0.0),)
        else:
            columns = np.zeros(sum(sizes)) if columns is None else rt.as_array(columns)
            grads = tuple(
                _like(columns[start : start + size].reshape(shape), values[i])
                for i, start, size, shape in layout
            )
        result = grads if as_tuple else grads[0]
        return (out, result) if with_value else result

    return call, (d,)


def _backend(d: Derivative, f: Callable, jit: bool) -> Callable:
    """The function that runs `d`'s code: compiled by Numba with `jit` (jit/backend.py)."""
    if not jit:
        return d.function
    from .jit.backend import compiled

    return compiled(d.function, f, d.effects)


def compiled_runner(d: Derivative, f: Callable, values: list | tuple, jit: bool) -> Callable:
    """The function that runs `d`'s code (made for the user function `f`) on `values`:
    compiled by Numba with `jit` where every argument is a number or a numeric array (the
    Jacobians' and the Hessian's code); the NumPy code, said once, for other arguments."""
    if jit and not all(_plain_value(v) for v in values):
        _not_compiled(f)
        return d.function
    return _backend(d, f, jit)


def _plain_value(value: object) -> bool:
    """A number (a NumPy scalar too: the cotangent a Hessian's gradient code is given) or a
    numeric array: an argument Numba compiles the code for."""
    if type(value) is np.ndarray or isinstance(value, np.generic):
        return value.dtype.kind in "fiub"
    return type(value) in (float, int, bool)


def _not_compiled(f: Callable) -> None:
    from .jit.backend import not_compiled

    not_compiled(
        f,
        "jit=True compiles the code specialised to argument shapes, for float and "
        "float-array arguments; structures, functions or objects as arguments, in-place "
        f"updates of arguments and more than {MAX_SPECIALISED} signatures take the checked path",
    )


def _positions(f: Callable, names: tuple[str, ...]) -> list[int]:
    params = list(_signature(f).parameters)
    return [params.index(name) for name in names]


def _plain_kinds(inputs: list) -> bool:
    """Whether every differentiated argument is a float or a float array (others take the
    checked path on every call)."""
    return all(type(x) is float or (type(x) is np.ndarray and x.dtype.kind == "f") for x in inputs)


def _plain_values(values: list) -> bool:
    """`_plain_kinds`, NumPy float scalars too (`jacrev`'s unit cotangent of a float64
    output, given to the gradient code it makes rows from)."""
    return all(isinstance(x, np.floating) or _plain_kinds((x,)) for x in values)


def _reverse_gradients(f: Callable, d: Derivative, wrt: tuple[str, ...], values: list):
    """The reverse-mode gradients from an already checked derivative `d`."""
    params = list(_signature(f).parameters)
    out, pullback = d.function(*values)
    _require_scalar(f, out)
    grads = pullback(in_numpy_dtype(1.0, out))  # `grad`'s seed, as `vjp`'s cotangent
    grads = grads if len(wrt) > 1 else (grads,)
    inputs = [values[params.index(name)] for name in wrt]
    return out, tuple(_like(g, x) for g, x in zip(grads, inputs, strict=True))


def _gradient_of(f: Callable) -> tuple[Callable, Wrt] | None:
    """(function, wrt) when `f` is a gradient made by `grad`, else None."""
    return getattr(f, "_s2s_gradient_of", None)


def check_gradient_call(gradient_of: tuple, values: list) -> None:
    """Raise what `grad(fn)` raises for the call of its gradient code with `values` (`fn`'s
    arguments first, then the cotangent): an argument it differentiates that is no float, an
    output that is not a scalar (the gradient code would give the gradient of the sum of its
    items), an argument updated in place, as `hessian` does (`_gradient_code`)."""
    fn, grad_wrt = gradient_of
    names = _wrt_names(fn, grad_wrt)
    params = list(_signature(fn).parameters)
    given = values[: len(params)]
    for name in names:
        _check_differentiable(fn, name, given[params.index(name)])
    from .jacobians import _gradient_code  # (jacobians.py imports this module)

    # (a complex output: the derivative code's run finds where it appears, at the user's
    # line, as before)
    with contextlib.suppress(ComplexValue):
        _, with_value = _gradient_code(fn, names, given)
        # (`fn` runs an effect: called to see its output only where the arguments' shapes
        # tell it is no scalar, which `grad(fn)` refuses after that call, effects run once)
        plain = with_value and _plain_values(given)
        if plain and _known_non_scalar(fn, _key_shapes(signature_key(given))):
            _require_scalar(fn, _call_with(fn, given))


def _known_non_scalar(fn: Callable, shapes: tuple) -> bool:
    """Whether `fn`'s result for arguments of `shapes` is known from them not to be a
    scalar (a tuple, or an array of a shape other than ())."""
    from .pipeline import known_result_shape

    return known_result_shape(fn, shapes) not in (None, ())


def _differentiable(f: Callable) -> Callable:
    """`f` itself, or for a gradient made by `grad`, its generated flat gradient code
    `f_grad(*params, out_bar=1.0)` (which has source, so it can be transformed again)."""
    f = as_function(f)  # partial, bound method, callable object: callables.py
    inner = _gradient_of(f)
    made_by = getattr(f, "_s2s_made_by", None)
    if inner is None and made_by is not None:  # jacfwd, jacrev, jacobian, hessian
        raise _derivative_of_jacobian(f, made_by)
    if inner is None:
        return f
    fn, wrt = inner
    return _differentiable_code(fn, _wrt_names(fn, wrt))


def _differentiable_code(fn: Callable, names: tuple[str, ...]) -> Callable:
    try:
        code = gradient_code(fn, names)
    except S2SError as refusal:  # made only for the arguments (a method of an object)
        code = _deferred_gradient(fn, refusal)
    # its derivatives are made for their arguments' objects and functions (callables.py)
    code._s2s_flat_gradient_of = (fn, names)
    return code


def float_type(*values) -> np.dtype:
    """The float type of the values together, as NumPy promotes them: float16 or float32
    where every value is that, else float64 (Python floats count as float64; integers give
    the float type that holds them, as in `np.result_type`)."""
    return np.result_type(np.float16, *(getattr(v, "dtype", np.float64) for v in values))


def weak_float_type(*values) -> np.dtype:
    """`float_type` with Python floats weak, as NumPy 2 promotes them (NEP 50) and JAX's
    weak types do: they count only where no other value is there (float64 then). A float32
    array's derivatives beside a Python float argument stay float32, as its plain
    arithmetic with that float does (a Python float's one-hot seed, a Jacobian's blocks)."""
    strong = [v for v in values if type(v) is not float]
    return float_type(*strong) if strong else np.dtype(np.float64)


def gradient_structured(
    result: object, gradient_of: tuple, values: list, missing: Callable, dtype: object = None
) -> object:
    """`result`, a value in the form `grad(fn)`'s flat gradient code returns (rt.Derivatives
    for a NamedTuple, a dict for a record, without the attributes `fn` never reads), in the
    structure `grad(fn)` returns: the arguments' own types, `missing(leaf)` at a float leaf
    the code left out, None at a static leaf. `gradient_of`: (fn, grad's wrt); `values`:
    the arguments (those of `fn` first). Its float leaves in `dtype`, or where None, each in
    its argument leaf's float type, as `grad(fn)` gives it (a float32 argument's gradient
    is float32, though a float64 global made the code compute it in float64)."""
    fn, grad_wrt = gradient_of
    params = list(_signature(fn).parameters)
    names = _wrt_names(fn, grad_wrt)
    like = [values[params.index(name)] for name in names]
    if isinstance(grad_wrt, tuple):
        like, result = tuple(like), result if len(names) > 1 else (result,)
    else:
        like = like[0]

    def leaf(x, found):
        if not pytrees.is_leaf(x):
            return None
        if found is None:
            return missing(x)
        wanted = float_type(x) if dtype is None else dtype
        floating = isinstance(found, (np.ndarray, np.floating)) and found.dtype.kind == "f"
        return found.astype(wanted) if floating and found.dtype != wanted else found

    return pytrees.map_leaves(leaf, like, result)


def _zeros_of(leaf: object) -> object:
    return np.zeros_like(leaf) if isinstance(leaf, np.ndarray) else 0.0


def _deferred_gradient(fn: Callable, refusal: S2SError) -> Callable:
    """A stand-in for the flat gradient code of `fn` where it can be made only for the
    arguments (it calls a method or a function of an object argument): the code's signature,
    and `refusal` where it is run or differentiated as it is; `callables.specialised` makes
    the real code for the values each derivative is made for."""
    # (the code takes keyword-only parameters by position too: `f_grad(m, x, power=3, …)`)
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    given = list(_signature(fn).parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in given):
        raise refusal
    params = [p.replace(kind=positional) for p in given]

    def deferred(*args, **kwargs):
        raise refusal

    bar = f"{fn.__name__}_bar" if fn.__name__.isidentifier() else "_bar"
    params.append(inspect.Parameter(bar, positional, default=1.0))
    try:
        deferred.__signature__ = inspect.Signature(params)
    except ValueError:  # (`*, power` without a default after defaults: no such code)
        raise refusal from None
    deferred.__name__ = deferred.__qualname__ = f"{fn.__name__}_grad"
    deferred._s2s_refusal = refusal
    return deferred


def gradient_for(
    fn: Callable, names: tuple[str, ...], values: list, outer: tuple[str, ...] = ()
) -> Callable:
    """`fn`'s flat gradient code made for `values` (its arguments first, then any the code
    adds, its cotangents): for the objects and functions among them, given or
    differentiated, as `grad(fn)` runs it. `outer`: the parameters a derivative of that code
    differentiates, which it reads as parameters (`vjp(grad(f, wrt=1), model, x)`: not the
    `model` given, closed over as grad's own code holds an object it does not differentiate,
    whose derivative would then be zero)."""
    values = list(values)[: len(_signature(fn).parameters)]
    return gradient_code(specialised(fn, values, (*names, *outer)), names, values, outer)


def _derivative_of_jacobian(f: Callable, made_by: str) -> S2SError:
    """A derivative of what `jacfwd`, `jacrev`, `jacobian` or `hessian` made: their code
    carries a direction axis and is not differentiated again."""
    inner = getattr(f, "__wrapped__", f)
    name = inner.__name__
    code = getattr(inner, "__code__", None)
    error = UnsupportedSyntaxError(
        f"unsupported construct: a derivative of `{made_by}(…)` of `{name}`: the vector "
        "code of Jacobians and Hessians is not differentiated again (third-order tensors)",
        filename=code.co_filename if code else None,
        line=code.co_firstlineno if code else None,
        hint="nest `grad` instead: `grad(grad(grad(f)))` for a scalar argument, or take "
        "a directional derivative, `hessian(lambda x: grad(f)(x) @ v)`",
    )
    return in_users_code(error)  # `jacfwd(grad(f))`: at `f`, not at its gradient code


def gradient_code(
    f: Callable, names: tuple[str, ...], values: list | None = None, outer: tuple[str, ...] = ()
) -> Callable:
    """`f`'s generated flat gradient code `f_grad(*params, out_bar=1.0)`; made for the
    structure of those of `values` that are structures (a dict's keys then carry no
    derivative; an object's methods are inlined: ssa/live_objects.py), of `outer` (those a
    derivative of the code differentiates) too."""
    d = gradient_derivative(f, names, values, outer=outer)
    code = d.function
    if not hasattr(code, "_s2s_made_from"):
        seed = [p for p in _signature(code).parameters if p not in _signature(f).parameters]
        code._s2s_made_from = GradientOrigin(f, made_from(f), d, seed[-1], {})
    return code


class GradientOrigin(NamedTuple):
    """What flat gradient code was made from (`gradient_code`): it and its derivatives are
    current while `fn`'s code and defaults are `as_made` and `derivative` is current (what
    `fn`'s free names named: its helpers, …; pipeline.py watches both)."""

    fn: Callable
    as_made: dict  # `fn`'s code and defaults when the code was made (scope.made_from)
    derivative: Derivative  # `fn`'s gradient derivative, whose function the code is
    cotangent: str  # the name of the code's cotangent parameter (`out_bar=1.0`)
    seeds: dict  # argument signature → the cotangent `_bind` gives it (`_cotangent_parameter`)


def current_code(code: Callable) -> Callable:
    """`code`, flat gradient code `_differentiable` made from a function, or that code made
    again where the function's code, its defaults or what its free names name changed since
    (`fn.__code__ = …`, `fn.__defaults__ = …`, a helper rebound): what `jacfwd(grad(fn))`
    and `grad(grad(fn))` made once must follow them."""
    made = getattr(code, "_s2s_made_from", None)
    of = getattr(code, "_s2s_flat_gradient_of", None)
    if made is None or of is None:
        return code
    if still_made_from(made.fn, made.as_made) and made.derivative.is_current():
        return code
    fn, names = of
    return _differentiable_code(fn, names)


def gradient_derivative(
    f: Callable,
    names: tuple[str, ...],
    values: list | None = None,
    mode: str = "gradient",
    outer: tuple[str, ...] = (),
) -> Derivative:
    """The derivative whose function is `gradient_code(f, names, values)`; with `mode`
    "flat_value_and_gradient", that code returning `(value, gradients)`. Where `values` are
    all arrays and numbers, the code is specialised to their shapes and dtypes, as `grad`'s
    is (no `rt.unbroadcast` where the shapes match, the ones the sum spreads gone), so the
    tangent a Hessian or `jacrev` runs carries none of that general code's direction helpers
    (`rt.unbroadcast_directions`, `rt.along`)."""
    structures = ()
    shapes = dtypes = None
    if values is not None and _plain_values(values) and not has_known_values(values):
        key = signature_key(values)
        shapes, dtypes = _key_shapes(key), _key_dtypes(key)
    elif values is not None:
        made = (*names, *(p for p in outer if p not in names))
        trees, static = _argument_structures(f, made, values)
        structures = trees + static
    return derivative(f, mode, names, structures=structures, shapes=shapes, dtypes=dtypes)


# JVP and VJP


def _differentiable_positions(f: Callable, primals: Sequence) -> tuple[str, ...]:
    params = list(_signature(f).parameters)
    return tuple(params[i] for i, p in enumerate(primals) if _is_differentiable(p))


def _held_fixed(primal: object, tangent: object) -> bool:
    """A `None` tangent, or a zero one for an argument without a derivative (an integer, a
    flag): the argument is held fixed."""
    if tangent is None:
        return True
    if _plain_kinds([primal]) or _is_differentiable(primal):
        return False
    try:
        return not np.any(tangent)
    except Exception:
        return False


@reporting
def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple[object, object]:
    """`(f(*primals), J·tangents)`: one forward pass. `primals`, `tangents`: one per argument."""
    primals, tangents = tuple(primals), tuple(tangents)
    gradient_of = _gradient_of(as_function(f))  # `jvp(grad(fn), …)`: in grad's structure
    f = _differentiable(f)
    if len(primals) != len(tangents):
        raise ArgumentError(
            f"jvp got {len(primals)} primals but {len(tangents)} tangents",
            **_where(f),
            hint="give one tangent per primal (None for an argument held fixed)",
        )
    values = _bind(f, primals, {})
    _refuse_complex(f, values)
    if gradient_of is not None:  # what grad(fn) itself refuses, refused here too
        check_gradient_call(gradient_of, values)
    params = list(_signature(f).parameters)
    chosen = [i for i, t in enumerate(tangents) if not _held_fixed(primals[i], t)]
    for i in chosen:
        _check_differentiable(f, params[i], primals[i])
    given = [_tangent_of(f, params[i], primals[i], tangents[i]) for i in chosen]
    d = _prepared(f, "forward", tuple(params[i] for i in chosen), values)
    out, out_dot = d.function(*values, *given)
    if gradient_of is not None:
        if any(is_complex(leaf) for v in (out, out_dot) for leaf in pytrees.flatten(v)[0]):
            raise ComplexValue  # (located at its line, as `jvp(f)`'s)
        both = (gradient_structured(v, gradient_of, values, _zeros_of) for v in (out, out_dot))
        return distinct(tuple(both), tangents)
    if type(out) is tuple:  # `return a, b`: each value's tangent (0.0 for an integer)
        if any(is_complex(o) for o in out) or any(is_complex(t) for t in out_dot):
            raise ComplexValue
        tangents_out = tuple(_like(t, o) for t, o in zip(out_dot, out, strict=True))
        return distinct((out, tangents_out), tangents)
    if pytrees.node(out) is None and (is_complex(out) or is_complex(out_dot)):
        raise ComplexValue
    return distinct((out, _like(out_dot, out)), tangents)  # (the identity passes one on)


def _tangent_of(f: Callable, name: str, primal: object, tangent: object) -> object:
    """The tangent given for `primal`, checked: a leaf's has its shape; a structure's has
    its structure (any of the derivative forms: a tuple for a list, a dict for a record),
    and is passed on in the derivative form (`pytrees.as_derivative`), zeros at missing
    float leaves."""
    if pytrees.node(primal) is None:
        if np.shape(tangent) != np.shape(primal):
            raise ArgumentError(
                f"the tangent for `{name}` has shape {np.shape(tangent)}, "
                f"its primal {np.shape(primal)}",
                **_where(f),
                hint="a tangent has the shape of its primal",
            )
        return in_numpy_dtype(tangent, primal)

    leaf = _leaf_checker("tangent")
    checked = _structured_like(f, f"the tangent for `{name}`", "its primal", leaf, primal, tangent)
    return pytrees.as_derivative(checked)  # the one form generated code holds derivatives in


def _leaf_checker(what: str) -> Callable:
    """The check of one leaf `x` of a structure and the `what` (tangent, cotangent) given for
    it: the leaf's shape, zeros where None was given, a static leaf's own zero (what was
    given there is not read: a tangent built like its primal may hold the integer itself)."""

    def leaf(x: object, given: object) -> object:
        if not _is_leaf(x):
            return static_tangent(x)
        if given is not None and np.shape(given) != np.shape(x):
            raise ValueError(f"a leaf of shape {np.shape(x)} got a {what} of {np.shape(given)}")
        return _zero_like(x) if given is None else given

    return leaf


def _structured_like(
    f: Callable, what: str, like: str, leaf: Callable, value: object, given: object
) -> object:
    """`leaf(x, g)` at each leaf of `value` and its place in `given`; a located error when
    `given` is not structured like `value`."""
    foreign = pytrees.foreign_keys(value, given)
    if foreign:  # (read as zeros: the derivative at them silently dropped)
        raise ArgumentError(
            f"{what} has the key {', '.join(map(repr, foreign))}, naming no item of {like}",
            **_where(f),
            hint=f"give it the structure of {like}: its field names or keys, leaf by leaf",
        )
    try:
        return pytrees.map_leaves(leaf, value, given)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise ArgumentError(
            f"{what} is not structured like {like} ({exc})",
            **_where(f),
            hint=f"give it the structure of {like}, leaf by leaf of the same shape",
        ) from None


def _pairs(f: Callable, out: tuple, cotangent: object) -> list:
    """(value, its cotangent) for each value of a tuple output."""
    if not isinstance(cotangent, (tuple, list)) or len(cotangent) != len(out):
        raise ArgumentError(
            f"the cotangent for the {len(out)} values `{f.__name__}` returns is "
            f"{with_article(type(cotangent).__name__)}"
            + (f" of {len(cotangent)}" if isinstance(cotangent, (tuple, list)) else ""),
            **_where(f),
            hint=f"give a tuple of {len(out)} cotangents, one per value",
        )
    return list(zip(out, cotangent, strict=True))


def in_numpy_dtype(derivative: object, value: object) -> object:
    """`derivative`, a tangent or cotangent given for `value`; a Python number given for a
    NumPy float scalar becomes one of its dtype, so that it divides as that value does (by
    a Python 0: NumPy's inf or nan with a warning, not Python's ZeroDivisionError)."""
    if isinstance(value, np.floating) and type(derivative) in (float, int):
        return value.dtype.type(derivative)
    return derivative


def _cotangent_of(f: Callable, out: object, cotangent: object) -> object:
    """The cotangent given for the output `out` in the derivative form generated code
    takes (`pytrees.as_derivative`); a structure's checked against `out`'s structure,
    zeros at missing float leaves. A Python number given for a NumPy float scalar becomes
    one of its dtype: the cotangent of a NumPy value divides as that value does (by a Python
    0: inf or nan, as NumPy gives, not ZeroDivisionError)."""
    if pytrees.node(out) is None:
        return in_numpy_dtype(cotangent, out)

    checked = _structured_like(
        f, "the cotangent", "the output", _leaf_checker("cotangent"), out, cotangent
    )
    return pytrees.as_derivative(checked)


@reporting
def vjp(f: Callable, *primals: object) -> tuple[object, Callable]:
    """`(f(*primals), pullback)`; `pullback(cotangent)` is a tuple, one entry per argument.

    Arguments that are not floats (integers, flags) get `None`. The cotangent has the
    output's structure and shapes (a scalar output: a number); each entry the argument's.
    The pullback gives the VJP at the values of this call, whatever the caller writes into
    the arguments, the returned arrays or the module's arrays later, as JAX's does: the
    arrays it holds from outside are copied once the forward sweep has run (snapshots.py).
    """
    gradient_of = _gradient_of(as_function(f))  # `vjp(grad(fn), …)`: in grad's structure
    f = _differentiable(f)
    values = _bind(f, primals, {})
    _refuse_complex(f, values)
    if gradient_of is not None:  # what grad(fn) itself refuses, refused here too
        check_gradient_call(gradient_of, values)
    wrt = _differentiable_positions(f, primals)
    if not wrt:  # name the first argument, saying why it has no derivative
        for name, value in zip(_signature(f).parameters, primals, strict=False):
            _check_differentiable(f, name, value)
        raise ArgumentError(
            f"vjp of `{f.__name__}` got no float argument to differentiate",
            **_where(f),
            hint="pass floats or float arrays (2.0, not 2)",
        )
    d = _prepared(f, "reverse", wrt, values)
    out, pullback = d.function(*values)
    if is_complex(out):
        raise ComplexValue
    if gradient_of is not None:
        out = gradient_structured(out, gradient_of, values, _zeros_of)
    out = distinct(out)  # (common subexpressions may have made two outputs one array)
    params = list(_signature(f).parameters)
    # the pullback gives the VJP at these values, whatever the caller writes later: what it
    # holds of the arguments and the output, and its views, copied (snapshots.py)
    updated = {p for p, _ in d.inplace_arguments}
    given = [v for p, v in zip(params, values, strict=False) if p not in updated]
    keep_values(pullback, [out, *given])

    def vjp_pullback(cotangent):
        try:
            if d.returns_tuple:  # `return a, b`: one cotangent each
                cts = tuple(_cotangent_of(f, o, c) for o, c in _pairs(f, out, cotangent))
            else:
                cts = (_cotangent_of(f, out, cotangent),)
            grads = pullback(*cts) if wrt else ()
            grads = grads if len(wrt) > 1 else (grads,)
            by_name = dict(zip(wrt, grads, strict=True))
            cotangents = tuple(
                _like(by_name[params[i]], p) if params[i] in by_name else None
                for i, p in enumerate(primals)
            )
            return distinct(cotangents, cotangent)  # (the identity passes it on)
        except REPORTED as exc:  # a complex value: watched from the forward sweep on
            raise_reported(exc, functools.partial(_vjp_again, f, primals, cotangent), f)

    return out, vjp_pullback


def _vjp_again(f: Callable, primals: tuple, cotangent: object) -> object:
    """The forward and the reverse sweep of `vjp` again (to find a complex value's origin)."""
    return vjp(f, *primals)[1](cotangent)


SOURCE_MODES = ("reverse", "forward", "vector", "gradient", "hessian")


def derivative_source(
    f: Callable, mode: str = "reverse", wrt: Wrt = 0, *, args: Sequence | None = None
) -> str:
    """The generated source of `f`'s derivative: `f_vjp` (reverse), `f_jvp` (forward;
    "vector": with a leading axis of directions, as `jacfwd` runs it), `f_grad` (the flat
    gradient code "gradient") or its vector tangent ("hessian", as `hessian` runs it).

    Without `args` it is the shape-generic code; with example arguments `args` (a tuple, one
    per parameter) it is the code the API runs on them: for "gradient" what `grad` runs,
    specialised to their shapes (runs.py)."""
    _check_mode(mode, SOURCE_MODES)
    f = _differentiable(f)
    if args is not None:
        from .runs import derivative_run

        return derivative_run(f, mode, wrt, args).source
    names = _wrt_names(f, wrt)
    if mode == "hessian":
        return derivative(gradient_code(f, names), "vector", names).source
    return derivative(f, mode, names).source


def ssa_source(f: Callable) -> str:
    """`f` in the three-address SSA form every derivative of it is made from: one primitive
    operation per line, each name assigned once (what `s2s-ad show FILE:FUNC --stage ssa`
    prints). For a gradient made by `grad`, the SSA form of its generated code."""
    from .pipeline import ssa_source as ssa_of

    return ssa_of(_differentiable(f))


__all__ = [
    "S2SError",
    "derivative_source",
    "grad",
    "jvp",
    "ssa_source",
    "value_and_grad",
    "vjp",
]
