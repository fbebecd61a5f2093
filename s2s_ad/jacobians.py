"""Whole Jacobians, in both accumulation orders.

The chain rule makes a Jacobian a product of the primitives' Jacobians. Forward
accumulation multiplies from the inputs: one pass of the vector tangent code carries every
one-hot seed at once (a leading direction axis) and yields all columns. Reverse
accumulation multiplies from the outputs: one forward sweep, then one reverse sweep per
output element, each yielding a row. `jacobian(mode="auto")` takes the order with fewer
passes. Shapes follow JAX: `out.shape + in.shape`.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable

import numpy as np

from .api import (
    Wrt,
    _bind,
    _call_with,
    _check_differentiable,
    _check_mode,
    _differentiable,
    _prepared,
    _refuse_complex,
    _require_scalar,
    _signature,
    _where,
    _wrt_names,
    gradient_code,
    one_hot_seeds,
)
from .callables import specialised
from .errors import ArgumentError
from .located import ComplexValue, is_complex, reporting

log = logging.getLogger("s2s_ad")


def _inputs(f: Callable, wrt: Wrt, args: tuple, kwargs: dict):
    """(names, all argument values, the differentiated ones) of a call."""
    names = _wrt_names(f, wrt)
    values = _bind(f, args, kwargs)
    _refuse_complex(f, values)
    params = list(_signature(f).parameters)
    inputs = [values[params.index(name)] for name in names]
    for name, value in zip(names, inputs, strict=True):
        _check_differentiable(f, name, value)
        if isinstance(value, (tuple, list, dict)):
            raise ArgumentError(
                f"a Jacobian with respect to `{name}`, a {type(value).__name__}, is not "
                "supported yet",
                **_where(f),
                hint="pass the arrays as separate arguments and list them in wrt",
            )
    return names, values, inputs


def _float_type(*values) -> np.dtype:
    """float32 when every value is float32, else float64 (Python floats count as float64)."""
    return np.result_type(np.float32, *(getattr(v, "dtype", np.float64) for v in values))


def _split_columns(columns: np.ndarray | None, out, inputs: list) -> tuple:
    """The Jacobian of `out` as one array per input: out.shape + input.shape."""
    if is_complex(columns) or is_complex(out):
        raise ComplexValue  # the float columns would drop the imaginary parts
    total = sum(int(np.size(x)) for x in inputs)
    dtype = _float_type(out, *inputs)
    if columns is None:  # a symbolic zero: out does not depend on the inputs
        columns = np.zeros((total, *np.shape(out)), dtype=dtype)
    flat = np.moveaxis(np.asarray(columns, dtype=dtype), 0, -1)  # out.shape + (total,)
    pieces, start = [], 0
    for x in inputs:
        size = int(np.size(x))
        pieces.append(flat[..., start : start + size].reshape(np.shape(out) + np.shape(x)))
        start += size
    return tuple(pieces)


def _shaped(per_output: list[tuple], out, wrt: Wrt):
    """Jacobians by output then by input, shaped like `out` and `wrt` (tuples or single)."""
    by_input = [p if isinstance(wrt, tuple) else p[0] for p in per_output]
    return tuple(by_input) if isinstance(out, tuple) else by_input[0]


def _forward(f: Callable, names, values, inputs) -> tuple[object, list[tuple]]:
    d = _prepared(f, "vector", names, values, specialise=True)
    out, columns = d.function(*values, *one_hot_seeds(inputs))
    outs = out if isinstance(out, tuple) else (out,)
    cols = columns if isinstance(out, tuple) else (columns,)
    return out, [_split_columns(c, o, inputs) for c, o in zip(cols, outs, strict=True)]


def _forward_sweep(f: Callable, names, values) -> tuple[object, Callable]:
    """(value, pullback) from the reverse-mode code specialised to the arguments' shapes."""
    return _prepared(f, "reverse", names, values, specialise=True).function(*values)


def _reverse(out, pullback, inputs, n_wrt: int) -> list[tuple]:
    """Rows from one reverse sweep per output element, all reusing one forward sweep."""
    outs = out if isinstance(out, tuple) else (out,)
    zeros = [np.zeros(np.shape(o)) if np.ndim(o) else 0.0 for o in outs]  # never written
    jacobians = []
    for k, o in enumerate(outs):
        size = int(np.size(o))
        rows = [np.zeros((size, *np.shape(x))) for x in inputs]
        # the one-hot cotangents of output k, one per element
        seeds = np.eye(size).reshape((size, *np.shape(o))) if np.ndim(o) else [1.0]
        for i in range(size):
            cts = [*zeros[:k], seeds[i], *zeros[k + 1 :]]
            grads = pullback(*cts) if isinstance(out, tuple) else pullback(cts[0])
            grads = grads if n_wrt > 1 else (grads,)
            if is_complex(o) or is_complex(grads):
                raise ComplexValue  # the float rows would drop the imaginary parts
            for row, g in zip(rows, grads, strict=True):
                row[i] = 0.0 if g is None else g
        dtype = _float_type(o, *inputs)
        jacobians.append(
            tuple(
                row.reshape(np.shape(o) + np.shape(x)).astype(dtype)
                for row, x in zip(rows, inputs, strict=True)
            )
        )
    return jacobians


def jacfwd(f: Callable, wrt: Wrt = 0) -> Callable:
    """The Jacobian by forward accumulation: all columns from one vector tangent pass."""
    return _jacobian_function(f, wrt, "forward")


def jacrev(f: Callable, wrt: Wrt = 0) -> Callable:
    """The Jacobian by reverse accumulation: one forward sweep, one reverse sweep per row."""
    return _jacobian_function(f, wrt, "reverse")


def jacobian(f: Callable, wrt: Wrt = 0, mode: str = "auto") -> Callable:
    """The Jacobian, shaped out.shape + in.shape; `mode` "forward", "reverse" or "auto".

    "auto" takes forward when the inputs have no more elements than the outputs (one pass
    against one sweep per output); otherwise it measures: the first call for a function and
    argument shapes runs both orders, times them, and later calls take the faster one (a
    function with statements kept for their effect, such as `print`, runs once: reverse).
    Its choice is logged at DEBUG level on the "s2s_ad" logger."""
    _check_mode(mode, ("auto", "forward", "reverse"))
    return _jacobian_function(f, wrt, mode)


DECIDED: dict[tuple, str] = {}  # (code, wrt, argument shapes) → the order to take
DIRECTIONS_BUDGET = 50_000_000  # n * n input elements: a vector pass this big is not tried


def _best_of_two(run: Callable) -> tuple[float, object]:
    times = []
    for _ in range(2):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def _auto(f: Callable, names, values, inputs, key: tuple) -> tuple[str, object, list]:
    """(order taken, out, Jacobians per output) for mode="auto", deciding for `key`."""
    out, pullback = _forward_sweep(f, names, values)
    n = sum(int(np.size(x)) for x in inputs)
    outs = out if isinstance(out, tuple) else (out,)
    m = sum(int(np.size(o)) for o in outs)
    how = f"{n} inputs, {m} outputs"
    effects = _prepared(f, "reverse", names, values, specialise=True).effects
    if effects:  # timing would run its `print`s again: the sweep made is used, every time
        chosen = DECIDED[key] = "reverse"
        how += "; it has statements kept for their effect (print, …): not timed"
    elif n <= m or n * n > DIRECTIONS_BUDGET:
        chosen = DECIDED[key] = "forward" if n <= m else "reverse"
    else:  # run both (already transformed, so only running is timed), keep the faster
        _prepared(f, "vector", names, values, specialise=True)
        t_rev, rows = _best_of_two(lambda: _reverse(out, pullback, inputs, len(names)))
        t_fwd, (_, columns) = _best_of_two(lambda: _forward(f, names, values, inputs))
        chosen = DECIDED[key] = "forward" if t_fwd < t_rev else "reverse"
        how += f"; measured forward {t_fwd * 1e3:.3g} ms, reverse {t_rev * 1e3:.3g} ms"
        log.debug("jacobian of %s: %s mode (%s)", f.__name__, chosen, how)
        return chosen, out, columns if chosen == "forward" else rows
    log.debug("jacobian of %s: %s mode (%s)", f.__name__, chosen, how)
    if chosen == "forward":
        return chosen, *_forward(f, names, values, inputs)
    return chosen, out, _reverse(out, pullback, inputs, len(names))


def _jacobian_function(f: Callable, wrt: Wrt, mode: str) -> Callable:
    f = _differentiable(f)
    _signature(f)

    @functools.wraps(f)
    @reporting
    def jacobian_of(*args, **kwargs):
        names, values, inputs = _inputs(f, wrt, args, kwargs)
        order = mode
        if mode == "auto":
            key = (f.__code__, names, tuple(getattr(v, "shape", type(v)) for v in values))
            order = DECIDED.get(key, "undecided")
            if order == "undecided":
                _, out, per_output = _auto(f, names, values, inputs, key)
                return _shaped(per_output, out, wrt)
            log.debug("jacobian of %s: %s mode (decided before)", f.__name__, order)
        if order == "forward":
            out, per_output = _forward(f, names, values, inputs)
        else:
            out, pullback = _forward_sweep(f, names, values)
            per_output = _reverse(out, pullback, inputs, len(names))
        return _shaped(per_output, out, wrt)

    jacobian_of._s2s_made_by = {"forward": "jacfwd", "reverse": "jacrev"}.get(mode, "jacobian")
    return jacobian_of


# second derivatives: the tangent of the generated gradient code (forward over reverse)


def _gradient_code(f: Callable, names: tuple[str, ...], values: list) -> tuple[Callable, bool]:
    """(the flat gradient function `f_grad(*params, out_bar=1.0)` of a scalar `f`, False),
    or (`f_value_and_grad`, True) when the caller is to check the value it returns.

    Whether `f` returns a scalar is known from the argument shapes (`ad/shapes.py`) in the
    common case; otherwise the plain call tells, or, for a function with statements kept
    for their effect (`print`), which must run once, the value the code returns beside."""
    grad = _prepared(f, "grad", names, values, specialise=True)
    code = gradient_code(specialised(f, values, names), names)  # refuses what second
    # derivatives cannot follow; `specialised`: functions given as arguments (callables.py)
    if not grad.returns_value:
        return code, False
    if grad.effects and len(names) == 1:
        return _prepared(f, "value_and_gradient", names, values).function, True
    _require_scalar(f, _call_with(f, values))
    return code, False


def hessian(f: Callable, wrt: Wrt = 0) -> Callable:
    """The Hessian: the Jacobian of the generated gradient code, all columns from one vector
    tangent pass over it. Shape x.shape + x.shape (blocks by pairs for a tuple `wrt`)."""
    f = _differentiable(f)
    _signature(f)

    @functools.wraps(f)
    @reporting
    def hessian_of(*args, **kwargs):
        names, values, _ = _inputs(f, wrt, args, kwargs)
        gradient, with_value = _gradient_code(f, names, values)
        if not with_value:
            return jacfwd(gradient, wrt)(*values)
        names, values, inputs = _inputs(gradient, wrt, values, {})
        (value, grad), per_output = _forward(gradient, names, values, inputs)
        _require_scalar(f, value)
        return _shaped(per_output[1:], grad, wrt)

    hessian_of._s2s_made_by = "hessian"
    return hessian_of


def hvp(f: Callable, primals, tangents) -> tuple[object, object]:
    """`(gradient, H·tangents)` at `primals`: one tangent pass over the gradient code."""
    from .api import jvp

    f = _differentiable(f)
    primals, tangents = tuple(primals), tuple(tangents)
    params = list(_signature(f).parameters)
    values = _bind(f, primals, {})
    _refuse_complex(f, values)
    names = tuple(params[i] for i, t in enumerate(tangents) if t is not None)
    for name in names:  # checked here, so that the errors name `f` rather than its gradient code
        _check_differentiable(f, name, values[params.index(name)])
    gradient, with_value = _gradient_code(f, names, values)
    if not with_value:
        return jvp(gradient, primals, tangents)
    (value, grad), (_, product) = jvp(gradient, primals, tangents)
    _require_scalar(f, value)
    return grad, product
