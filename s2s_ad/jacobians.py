"""Whole Jacobians, in both accumulation orders.

The chain rule makes a Jacobian a product of the primitives' Jacobians. Forward
accumulation multiplies from the inputs: one pass of the vector tangent code carries every
one-hot seed at once (a leading direction axis) and yields all columns. Reverse
accumulation multiplies from the outputs: one pass of the vector reverse code carries every
one-hot cotangent at once (a leading axis of rows, vector_reverse.py) and yields all rows;
where that code cannot be made, one forward sweep, then one reverse sweep per output
element, each yielding a row. `jacobian(mode="auto")` takes the order with fewer
passes. Shapes follow JAX: `out.shape + in.shape`.

Structures (tuples, lists, dicts, NamedTuples, dataclasses, objects; `pytrees.py`) follow
JAX's layout too: the Jacobian has the output's structure, each of its numeric leaves holding
the input's structure of blocks `out_leaf.shape + in_leaf.shape` (None at static leaves).

    jacfwd(f)({"w": W, "b": b})  with f returning (y, z)
        -> ({"w": dy/dW, "b": dy/db}, {"w": dz/dW, "b": dz/db})
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from . import pytrees, vector_reverse
from .api import (
    MAX_SPECIALISED,
    Wrt,
    _bind,
    _call_with,
    _check_differentiable,
    _check_mode,
    _differentiable,
    _gradient_of,
    _like,
    _plain_kinds,
    _positional_count,
    _positions,
    _prepared,
    _refuse_complex,
    _require_scalar,
    _signature,
    _wrt_names,
    check_gradient_call,
    check_wrt,
    compiled_runner,
    current_code,
    float_type,
    gradient_code,
    gradient_structured,
    one_hot_seeds,
    owned,
    read_only,
    scalar_block,
    scalar_gradient_known,
    split_elements,
    static_tangent,
    weak_float_type,
)
from .callables import as_function, has_known_values, specialised
from .fast_path import fast_path_entry, signature_key, with_fast_path
from .located import ComplexValue, is_complex

if TYPE_CHECKING:
    from .pipeline import Derivative

log = logging.getLogger("s2s_ad")


def _inputs(f: Callable, wrt: Wrt, args: tuple, kwargs: dict, gradient_of: tuple | None = None):
    """(names, all argument values, the differentiated ones) of a call, each parameter once
    where `wrt` names one twice (`_requested` gives its blocks again). `gradient_of`: where
    `f` is `grad(fn)`'s code, (fn, grad's wrt): what `grad(fn)` refuses is refused first,
    at `fn`'s lines."""
    names = tuple(dict.fromkeys(_wrt_names(f, wrt)))
    values = _bind(f, args, kwargs)
    _refuse_complex(f, values)
    if gradient_of is not None:
        check_gradient_call(gradient_of, values)
    params = list(_signature(f).parameters)
    inputs = [values[params.index(name)] for name in names]
    for name, value in zip(names, inputs, strict=True):
        _check_differentiable(f, name, value)
    return names, values, inputs


def _is_numeric(value: object) -> bool:
    """An output leaf with a Jacobian: a float one, or a number (its Jacobian is zeros).
    A complex one is refused (ComplexValue), whose float Jacobian would drop a part."""
    if is_complex(value):
        raise ComplexValue
    return pytrees.is_leaf(value) or static_tangent(value) is not None


def _output_leaves(out: object, derivative: object) -> list[tuple[object, object]]:
    """(leaf, its part of `derivative`) for each numeric leaf of the output `out`."""
    found: list = []
    pytrees.map_leaves(
        lambda o, d: found.append((o, d)) if _is_numeric(o) else None, out, derivative
    )
    return found


def _split_columns(columns: np.ndarray | None, out, inputs: list) -> tuple:
    """The Jacobian of the output leaf `out`, one per input in the input's structure, each
    float leaf's block shaped out.shape + leaf.shape."""
    if is_complex(columns) or is_complex(out):
        raise ComplexValue  # the float columns would drop the imaginary parts
    per_input = [pytrees.float_leaves(x) for x in inputs]
    total = sum(int(np.size(leaf)) for leaves in per_input for leaf in leaves)
    dtype = weak_float_type(out, *(leaf for leaves in per_input for leaf in leaves))
    if columns is None:  # a symbolic zero: out does not depend on the inputs
        columns = np.zeros((total, *np.shape(out)), dtype=dtype)
    flat = np.moveaxis(owned(np.asarray(columns, dtype=dtype)), 0, -1)  # out.shape + (total,)
    return tuple(split_elements(flat, inputs))


def _requested(f: Callable, wrt: Wrt) -> tuple[int, ...] | None:
    """Where each item of `wrt` is among its distinct parameters (`_inputs`' names), or None
    where none repeats: `wrt=(0, 0)` gives the block of `x` twice, as `grad` does."""
    requested = _wrt_names(f, wrt)
    distinct = tuple(dict.fromkeys(requested))
    return None if distinct == requested else tuple(distinct.index(n) for n in requested)


def _picked(blocks: tuple | list, picks: tuple[int, ...] | None) -> tuple | list:
    return blocks if picks is None else tuple(blocks[i] for i in picks)


def _shaped(per_output: list[tuple], out, wrt: Wrt, picks: tuple[int, ...] | None = None):
    """Jacobians by output leaf then by input, in the structure of `out` (None at its static
    leaves), each a tuple over `wrt` when it is one (`picks`: `_requested`'s)."""
    per_output = [_picked(p, picks) for p in per_output]
    by_input = iter([p if isinstance(wrt, tuple) else p[0] for p in per_output])
    return pytrees.map_leaves(lambda o: next(by_input) if _is_numeric(o) else None, out)


def _as_gradient(jacobian, gradient_of: tuple | None, values: list, inputs: list, wrt: Wrt):
    """The Jacobian of `grad(fn)` in the structure `grad(fn)` returns, as `hessian` gives it
    (`gradient_structured`); a zero block at a float leaf the gradient code left out."""
    if gradient_of is None:
        return jacobian

    def zeros(leaf):  # one per input: blocks leaf.shape + input leaf's shape
        found = [
            pytrees.with_float_leaves(
                x, [np.zeros(np.shape(leaf) + np.shape(y)) for y in pytrees.float_leaves(x)]
            )
            for x in inputs
        ]
        return tuple(found) if isinstance(wrt, tuple) else found[0]

    # its blocks in the dtype `hessian` gives them: grad's leaves have their inputs' dtypes
    leaves = [leaf for x in inputs for leaf in pytrees.float_leaves(x)]
    return gradient_structured(jacobian, gradient_of, values, zeros, weak_float_type(*leaves))


def _forward(f: Callable, names, values, inputs, jit: bool) -> tuple[object, list[tuple]]:
    d = _prepared(f, "vector", names, values, specialise=True)
    out, columns = compiled_runner(d, f, values, jit)(*values, *one_hot_seeds(inputs))
    return out, [_split_columns(c, o, inputs) for o, c in _output_leaves(out, columns)]


def _forward_sweep(f: Callable, names, values) -> tuple[object, Callable]:
    """(value, pullback) from the reverse-mode code specialised to the arguments' shapes;
    the pullback takes one cotangent, in the output's structure."""
    d = _prepared(f, "reverse", names, values, specialise=True)
    out, pullback = d.function(*values)

    def structured(cotangent):
        cts = tuple(cotangent) if d.returns_tuple else (cotangent,)
        return pullback(*(pytrees.as_derivative(c) for c in cts))

    return out, structured


def _reverse(out, pullback, inputs, n_wrt: int) -> list[tuple]:
    """Rows from one reverse sweep per output element, all reusing one forward sweep."""
    leaves = [o for o, _ in _output_leaves(out, None)]
    flat_inputs = [leaf for x in inputs for leaf in pytrees.float_leaves(x)]
    jacobians = []
    for k, o in enumerate(leaves):
        size = int(np.size(o))
        rows = [np.zeros((size, *np.shape(leaf))) for leaf in flat_inputs]
        # the one-hot cotangents of output leaf k, one per element; zeros at the others
        seeds = np.eye(size).reshape((size, *np.shape(o))) if np.ndim(o) else [1.0]
        for i in range(size):
            cotangent = _one_hot(out, leaves, k, seeds[i])
            grads = pullback(cotangent)
            grads = grads if n_wrt > 1 else (grads,)
            if is_complex(o) or is_complex(grads):
                raise ComplexValue  # the float rows would drop the imaginary parts
            found = [
                d
                for g, x in zip(grads, inputs, strict=True)
                for d in pytrees.derivative_leaves(g, x)
            ]
            for row, g in zip(rows, found, strict=True):
                row[i] = 0.0 if g is None else g
        jacobians.append(_rows_shaped(o, rows, inputs))
    return jacobians


def _rows_shaped(o, rows: list, inputs: list) -> tuple:
    """The Jacobian of output leaf `o` from its rows (size of `o`, *leaf.shape) at each float
    leaf of the inputs (None: zeros), one per input in the input's structure."""
    if all(type(x) is np.ndarray and x.dtype.kind == "f" for x in inputs):  # directly
        dtype = float_type(o, *inputs)
        shape = np.shape(o)
        return tuple(
            np.zeros(shape + x.shape, dtype=dtype)
            if row is None
            else _block(np.asarray(row), shape + x.shape, dtype)
            for row, x in zip(rows, inputs, strict=True)
        )
    per_input = [pytrees.float_leaves(x) for x in inputs]
    flat_inputs = [leaf for leaves in per_input for leaf in leaves]
    dtype = weak_float_type(o, *flat_inputs)
    blocks = iter(
        scalar_block(
            np.zeros(np.shape(o) + np.shape(leaf), dtype=dtype)
            if row is None
            else np.asarray(row).reshape(np.shape(o) + np.shape(leaf)).astype(dtype),
            leaf,
        )
        for row, leaf in zip(rows, flat_inputs, strict=True)
    )
    return tuple(
        pytrees.with_float_leaves(x, [next(blocks) for _ in leaves])
        for x, leaves in zip(inputs, per_input, strict=True)
    )


def _block(found: np.ndarray, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A Jacobian block of `shape` and `dtype` from the rows or columns the code `found`,
    copied only where it must be (another dtype, or a read-only seed or a view of one)."""
    return owned(found.reshape(shape).astype(dtype, copy=False))


def _all_rows(
    f: Callable, names, values, inputs, jit: bool, out=None
) -> tuple[object, list] | None:
    """(out, Jacobians per output) from one vector reverse sweep (vector_reverse.py), or None
    where `f` is swept row by row."""
    planned = vector_reverse.plan(f, names, values, out, jit=jit)
    found = None if planned is None else planned[0].rows(values, planned[1])
    if found is None:
        return None
    return _rows_per_output(*found, inputs)


def _rows_per_output(out, per_output: list, inputs: list) -> tuple[object, list]:
    outputs = list(out) if type(out) is tuple else [out]
    return out, [_rows_shaped(o, r, inputs) for o, r in zip(outputs, per_output, strict=True)]


def _jacobian_rows(f: Callable, names, values, inputs, jit: bool) -> tuple[object, list]:
    """(out, Jacobians per output) by reverse accumulation: all rows in one vector reverse
    sweep, or one reverse sweep per row where that code cannot be made."""
    found = _all_rows(f, names, values, inputs, jit)
    if found is not None:
        return found
    if jit:
        _row_by_row_not_compiled(f, _prepared(f, "reverse", names, values, specialise=True))
    out, pullback = _forward_sweep(f, names, values)
    return out, _reverse(out, pullback, inputs, len(names))


def _row_by_row_not_compiled(f: Callable, reverse: Derivative) -> None:
    """Say why `f`'s Jacobian by rows runs as NumPy code: the statement kept for its effect
    its reverse-mode code runs (`reverse`), where it runs one."""
    from .jit.backend import not_compiled

    why = (
        f"it runs a statement kept for its effect: {reverse.effects}"
        if reverse.effects
        else "no vector reverse code: a structured or integer output, a helper without a "
        "derivative of the next order, ..."
    )
    not_compiled(
        f,
        f"its Jacobian is swept row by row ({why}), through a pullback closure; "
        "jacfwd or jacobian(mode='forward') may compile",
    )


def _one_hot(out: object, leaves: list, k: int, seed: object) -> object:
    """A cotangent of `out`: `seed` at its k-th numeric leaf, zeros at the others."""
    position = iter(range(len(leaves)))

    def leaf(o: object) -> object:
        if not _is_numeric(o):
            return None
        if next(position) == k:
            return seed
        return np.zeros(np.shape(o)) if np.ndim(o) else 0.0  # never written

    return pytrees.map_leaves(leaf, out)


def jacfwd(f: Callable, wrt: Wrt = 0, *, jit: bool = False) -> Callable:
    """The Jacobian by forward accumulation: all columns from one vector tangent pass.
    `jit=True`: that pass compiled by Numba, as `grad(f, jit=True)` (jit/backend.py)."""
    return _jacobian_function(f, wrt, "forward", jit)


def jacrev(f: Callable, wrt: Wrt = 0, *, jit: bool = False) -> Callable:
    """The Jacobian by reverse accumulation: all rows from one vector reverse pass (one
    reverse sweep per row where that code cannot be made). `jit=True`: the vector reverse
    pass compiled by Numba; a row-by-row sweep runs as NumPy code, said once."""
    return _jacobian_function(f, wrt, "reverse", jit)


def jacobian(f: Callable, wrt: Wrt = 0, mode: str = "auto", *, jit: bool = False) -> Callable:
    """The Jacobian, shaped out.shape + in.shape; `mode` "forward", "reverse" or "auto".

    "auto" takes forward when the inputs have no more elements than the outputs (one pass
    against one sweep per output); otherwise it measures: the first call for a function and
    argument shapes runs both orders, times them, and later calls take the faster one (a
    function with statements kept for their effect, such as `print`, runs once: reverse).
    Its choice is logged at DEBUG level on the "s2s_ad" logger. `jit=True`: as `jacfwd` and
    `jacrev`, the orders timed compiled."""
    _check_mode(mode, ("auto", "forward", "reverse"))
    return _jacobian_function(f, wrt, mode, jit)


DECIDED: dict[tuple, str] = {}  # (code, wrt, argument shapes, jit) → the order to take
DIRECTIONS_BUDGET = 50_000_000  # n * n input elements: a vector pass this big is not tried
ORDERS = ("forward", "reverse")


def _timed_orders(
    f: Callable, names, values, inputs, out, wrt: Wrt, jit: bool
) -> tuple[float, float, list | None]:
    """(forward's time, reverse's, their fast paths or None) of a Jacobian of these
    arguments as later calls run it: each order's fast path where both have one (seeds
    made once; the checked path makes an n-by-n forward seed on every call, which would
    count against forward), else the checked paths. Best of interleaved rounds (a busy
    moment slows both orders, not one): up to 5, fewer where they take more than 0.05 s."""
    runs = [lambda: _forward(f, names, values, inputs, jit)[1]]
    runs.append(lambda: _jacobian_rows(f, names, values, inputs, jit)[1])
    paths = None
    if _plain_kinds(inputs) and not has_known_values(values):  # (as `jacobian_of` asks)
        paths = [_fast_path(f, names, values, out, wrt, o, jit) for o in ORDERS]
        plain = tuple(values)
        if all(p is not None and p[0](plain) is not None for p in paths):
            runs = [lambda run=p[0]: run(plain) for p in paths]
        else:
            paths = None
    best, start = [math.inf, math.inf], time.perf_counter()
    for done in range(5):
        for k, run in enumerate(runs):
            begun = time.perf_counter()
            run()
            best[k] = min(best[k], time.perf_counter() - begun)
        if done and time.perf_counter() - start > 0.05:
            break
    return best[0], best[1], paths


def _auto(
    f: Callable, names, values, inputs, key: tuple, wrt: Wrt, jit: bool
) -> tuple[str, object, list, tuple | None]:
    """(order taken, out, Jacobians per output, the taken order's fast path where timing
    made one) for mode="auto", deciding for `key`. The runs that decide are silent (NumPy's
    warnings ignored); the chosen mode then runs once more, so that its warnings are the
    plain call's, once, as on later calls."""
    effects = _prepared(f, "reverse", names, values, specialise=True).effects
    if effects:  # timing would run its `print`s again: reverse mode, every time
        DECIDED[key] = "reverse"
        log.debug("jacobian of %s: reverse mode (statements kept for their effect)", f.__name__)
        return "reverse", *_jacobian_rows(f, names, values, inputs, jit), None
    paths = None
    with np.errstate(all="ignore"):
        out, _ = _forward_sweep(f, names, values)
        n = sum(int(np.size(leaf)) for x in inputs for leaf in pytrees.float_leaves(x))
        m = sum(int(np.size(o)) for o, _ in _output_leaves(out, None))
        how = f"{n} inputs, {m} outputs"
        # (a scalar's Jacobian is its gradient: one reverse sweep, never timed against n
        # directions, so the mode, and the warnings it gives, do not depend on the clock)
        if n <= m or n * n > DIRECTIONS_BUDGET or m == 1:
            chosen = DECIDED[key] = "forward" if n <= m else "reverse"
        else:  # run both (already transformed, so only running is timed), keep the faster
            _prepared(f, "vector", names, values, specialise=True)
            # made (and compiled, with `jit`) before timing: only running is timed
            _all_rows(f, names, values, inputs, jit, out)
            if jit:
                _forward(f, names, values, inputs, jit)
            t_fwd, t_rev, paths = _timed_orders(f, names, values, inputs, out, wrt, jit)
            chosen = DECIDED[key] = "forward" if t_fwd < t_rev else "reverse"
            how += f"; measured forward {t_fwd * 1e3:.3g} ms, reverse {t_rev * 1e3:.3g} ms"
    log.debug("jacobian of %s: %s mode (%s)", f.__name__, chosen, how)
    fast = paths and paths[ORDERS.index(chosen)]  # (kept for later calls: not made again)
    if chosen == "forward":
        return chosen, *_forward(f, names, values, inputs, jit), fast
    return chosen, *_jacobian_rows(f, names, values, inputs, jit), fast


def _shape_key(value: object) -> object:
    """An argument's part of the key `mode="auto"` remembers its decision by."""
    if pytrees.node(value) is None:
        return getattr(value, "shape", type(value))
    leaves, tree = pytrees.flatten(value)
    return tree, tuple(getattr(leaf, "shape", type(leaf)) for leaf in leaves)


def _jacobian_function(f: Callable, wrt: Wrt, mode: str, jit: bool) -> Callable:
    gradient_of = _gradient_of(as_function(f))  # `jacfwd(grad(fn))`: (fn, grad's wrt)
    f = _differentiable(f)
    _signature(f)
    check_wrt(f, wrt, {"forward": "jacfwd", "reverse": "jacrev"}.get(mode, "jacobian"))
    picks = _requested(f, wrt)

    # the fast path: argument signature → (its check, the Jacobian of a call of that
    # signature) for plain arguments, as grad's (`fast_path_entry`)
    ready: dict = {}
    count = _positional_count(f)

    def jacobian_of(*args, **kwargs):  # the checked path
        nonlocal f, count
        key = signature_key(args) if not kwargs and len(args) == count else None
        if (fresh := current_code(f)) is not f:  # `jacfwd(grad(fn))` after fn changed
            f, count = fresh, _positional_count(fresh)
            ready.clear()
        names, values, inputs = _inputs(f, wrt, args, kwargs, gradient_of)
        order, fast, done = mode, None, None
        if mode == "auto":
            decision = (f.__code__, names, tuple(_shape_key(v) for v in values), jit)
            order = DECIDED.get(decision, "undecided")
            if order == "undecided":  # (its fast path kept where timing made one)
                order, *done, fast = _auto(f, names, values, inputs, decision, wrt, jit)
            else:
                log.debug("jacobian of %s: %s mode (decided before)", f.__name__, order)
        if done:
            out, per_output = done
        elif order == "forward":
            out, per_output = _forward(f, names, values, inputs, jit)
        else:
            out, per_output = _jacobian_rows(f, names, values, inputs, jit)
        plain = _plain_kinds(inputs) and not has_known_values(values) and gradient_of is None
        if key is not None and plain and picks is None and len(ready) < MAX_SPECIALISED:
            fast = fast or _fast_path(f, names, values, out, wrt, order, jit)
            if fast is not None:
                ready[key] = fast_path_entry(f, *fast)
        jacobian = _shaped(per_output, out, wrt, picks)
        return _as_gradient(jacobian, gradient_of, values, _picked(inputs, picks), wrt)

    entry_point = functools.wraps(f)(with_fast_path(jacobian_of, ready))
    entry_point._s2s_made_by = {"forward": "jacfwd", "reverse": "jacrev"}.get(mode, "jacobian")
    return entry_point


def _fast_path(f: Callable, names, values, out, wrt: Wrt, order: str, jit: bool) -> tuple | None:
    """(the Jacobian of a later call with arguments of the kinds of `values`, or None where
    that call takes the checked path; the derivatives whose code it runs), from the code the
    call just ran: without binding, checking and looking the code up again."""
    positions = _positions(f, names)
    if order == "forward":
        d = _prepared(f, "vector", names, values, specialise=True)
        if d.inplace_arguments:
            return None
        run = compiled_runner(d, f, values, jit)
        seeds = read_only(one_hot_seeds([values[i] for i in positions]))  # the same shapes

        def columns(values: tuple) -> object:
            out, columns = run(*values, *seeds)
            return _columns_shaped(values, out, columns, positions, wrt)

        x = values[positions[0]]
        direct = type(out) is np.ndarray and out.dtype.kind == "f" and len(positions) == 1
        if direct and type(x) is np.ndarray:  # the commonest kind, one float array in, one out
            return _direct_columns(run, seeds, out, x, wrt, positions), (d,)
        return columns, (d,)
    planned = vector_reverse.plan(f, names, values, out, jit=jit)  # (`f` ran: `out`)
    if planned is None or planned[0].outputs is None:
        return None  # swept row by row
    plan = planned[0]
    if plan.one_array(values):
        x = values[positions[0]]
        block = (out.shape + x.shape, float_type(out, x), isinstance(wrt, tuple))
        return plan.direct_rows(values, *block), plan.derivatives

    def rows(values: tuple) -> object:
        found = plan.again(values)
        if found is None:
            return None  # outputs of other kinds: the checked path
        out, per_output = _rows_per_output(*found, [values[i] for i in positions])
        return _shaped(per_output, out, wrt)

    return rows, plan.derivatives


def _columns_shaped(values: tuple, out, columns, positions: list, wrt: Wrt) -> object:
    """The Jacobian from the vector tangent code's result `(out, columns)` (any kind)."""
    inputs = [values[i] for i in positions]
    per_output = [_split_columns(c, o, inputs) for o, c in _output_leaves(out, columns)]
    return _shaped(per_output, out, wrt)


def _direct_columns(
    run: Callable, seeds: list, out: np.ndarray, x: np.ndarray, wrt: Wrt, positions: list
) -> Callable:
    """`jacfwd`'s later calls of one float array `x` in and one `out` out: the columns
    (x.size, *out.shape) the code gives, the directions' axis moved last, reshaped to
    out.shape + x.shape, in one frame: this is all a later call of `jacfwd(W @ x)` does
    beyond the code itself. Columns of another kind (a value-dependent shape, another
    dtype) take `_columns_shaped`."""
    found, dtype, out_dtype = (x.size, *out.shape), float_type(out, x), out.dtype
    last = (*range(1, len(found)), 0)  # the directions' axis moved last
    shape = None if x.ndim == 1 else out.shape + x.shape
    as_tuple = isinstance(wrt, tuple)

    def columns(values: tuple) -> object:
        out, columns = run(*values, *seeds)
        if type(columns) is not np.ndarray or columns.shape != found or columns.dtype != dtype:
            return _columns_shaped(values, out, columns, positions, wrt)
        if type(out) is not np.ndarray or out.dtype != out_dtype:
            return _columns_shaped(values, out, columns, positions, wrt)
        block = columns.transpose(last)
        if shape is not None:
            block = block.reshape(shape)
        if columns.base is not None and not block.flags.writeable:
            block = block.copy()  # a read-only seed, or a view of one
        return (block,) if as_tuple else block

    return columns


# second derivatives: the tangent of the generated gradient code (forward over reverse)


def _gradient_code(f: Callable, names: tuple[str, ...], values: list) -> tuple[Callable, bool]:
    """(the flat gradient function `f_grad(*params, out_bar=1.0)` of a scalar `f`, False),
    or (`f_value_and_grad`, True) when the caller is to check the value it returns.

    Whether `f` returns a scalar is known from the argument shapes (`ad/shapes.py`) in the
    common case; otherwise the plain call tells, or, for a function with statements kept
    for their effect (`print`), which must run once, the value the code returns beside."""
    known = scalar_gradient_known(f, names, values)  # (no first-order code made only to ask)
    grad = None if known else _prepared(f, "grad", names, values, specialise=True)
    code = gradient_code(specialised(f, values, names), names, values)  # refuses what second
    # derivatives cannot follow; `specialised`: functions given as arguments (callables.py)
    if grad is None or not grad.returns_value:
        return code, False
    if grad.effects:
        return _prepared(f, "flat_value_and_gradient", names, values).function, True
    try:
        out = _call_with(f, values)
    except Exception:  # the derivative code raises it again, located in the user's line
        return code, False
    _require_scalar(f, out)
    return code, False


def _per_parameter(tangent: object, count: int) -> object:
    """The tangent of the gradients of `count` parameters, a tuple of one per parameter
    where the code gave None, a symbolic zero, for the whole tuple (a function linear in
    them all); one parameter's as it is."""
    return (None,) * count if count > 1 and tangent is None else tangent


def hessian(f: Callable, wrt: Wrt = 0, *, jit: bool = False) -> Callable:
    """The Hessian: the Jacobian of the generated gradient code, all columns from one vector
    tangent pass over it. Shape x.shape + x.shape (blocks by pairs for a tuple `wrt`).

    With respect to a structure, JAX's layout: the input's structure (the gradient's), each
    float leaf holding the input's structure of blocks `leaf.shape + other_leaf.shape`.
    `jit=True`: that pass compiled by Numba, as `grad(f, jit=True)` (jit/backend.py)."""
    f = _differentiable(f)
    _signature(f)
    check_wrt(f, wrt, "hessian")
    picks = _requested(f, wrt)
    # the fast path, as the Jacobians': argument signature → `fast_path_entry`
    ready: dict = {}
    count = _positional_count(f)

    def hessian_of(*args, **kwargs):  # the checked path
        key = signature_key(args) if not kwargs and len(args) == count else None
        names, given, inputs = _inputs(f, wrt, args, kwargs)
        gradient, with_value = _gradient_code(f, names, given)
        # `out_bar` bound to 1.0 in the output's dtype (api.py, `_bind`)
        names, values, inputs = _inputs(gradient, names, given, {})
        # (the gradient is computed too, though unread: `f` itself is not called, and where
        # the gradient cannot be computed, the plain call fails too)
        d = _prepared(gradient, "vector", names, values, specialise=True)
        run, seeds = compiled_runner(d, f, values, jit), one_hot_seeds(inputs)
        out, columns = run(*values, *seeds)
        if key is not None and not with_value and not isinstance(wrt, tuple):
            fast = _hessian_fast_path(f, names, given, values, d, run, seeds)
            if fast is not None and len(ready) < MAX_SPECIALISED:
                ready[key] = fast_path_entry(f, *fast)
        if with_value:  # `f_value_and_grad`: (value, gradients)
            (value, out), columns = out, columns[1]
            _require_scalar(f, value)
        several = len(names) > 1
        columns = _per_parameter(columns, len(names))
        cols = columns if several else (columns,)
        per_input = []
        for x, c in zip(inputs, cols, strict=True):
            # the gradient's leaf at each float leaf of `x` has that leaf's shape and dtype
            parts = pytrees.derivative_leaves(c, x)
            blocks = [
                _split_columns(part, leaf, inputs)
                for leaf, part in zip(pytrees.float_leaves(x), parts, strict=True)
            ]
            blocks = [_picked(b, picks) if isinstance(wrt, tuple) else b[0] for b in blocks]
            per_input.append(pytrees.with_float_leaves(x, blocks))
        return _picked(tuple(per_input), picks) if isinstance(wrt, tuple) else per_input[0]

    entry_point = functools.wraps(f)(with_fast_path(hessian_of, ready))
    entry_point._s2s_made_by = "hessian"
    return entry_point


def _hessian_fast_path(
    f: Callable, names: tuple, given: list, values: list, d: Derivative, run: Callable, seeds: list
) -> tuple | None:
    """(the Hessian of a later call with positional arguments of the kinds of `given`, or
    None where that call takes the checked path; the derivatives whose code it runs), for
    the commonest kind: one float array differentiated, plain arguments, an output known to
    be a scalar. The code, its cotangent (`values[-1]`, one per signature) and the one-hot
    seeds are made once; the columns, (x.size, *x.shape), are shaped directly."""
    x = given[_positions(f, names)[0]]
    if len(names) != 1 or type(x) is not np.ndarray or x.dtype.kind != "f":
        return None
    if not _plain_kinds(given) or has_known_values(given) or d.inplace_arguments:
        return None
    watched = (d,)  # (the code of `d`, made from `f`'s gradient code, watches `f`)
    if not scalar_gradient_known(f, names, given):
        grad = _prepared(f, "grad", names, given, specialise=True)  # (`_gradient_code`'s)
        if grad.returns_value or grad.effects:
            return None  # the output's shape checked on every call; a `print` run as it is
        watched = (grad, d)
    cotangent, seeds = values[-1], read_only(seeds)
    size, columns_shape, shape, dtype = x.size, (x.size, *x.shape), x.shape * 2, float_type(x)

    def hessian(args: tuple) -> np.ndarray | None:
        _, columns = run(*args, cotangent, *seeds)
        if type(columns) is not np.ndarray or columns.shape != columns_shape:
            return None  # (a symbolic zero, a complex value: the checked path)
        if columns.dtype.kind != "f" or size == 0:
            return None
        return _block(np.moveaxis(columns, 0, -1), shape, dtype)

    return hessian, watched


def hvp(f: Callable, primals, tangents) -> tuple[object, object]:
    """`(gradient, H·tangents)` at `primals`: one tangent pass over the gradient code.

    `primals`: one value per parameter of `f` (a scalar function); `tangents`: one per
    parameter, each of its primal's shape and dtype, or None to hold that argument fixed (a
    zero tangent of an integer argument holds it fixed too, as `jvp` takes it).
    The arguments given None are left out of the differentiation altogether: the gradient
    and the product are those of the others only (a tuple of one per argument with a
    tangent; the value itself where only one has), and H is the block of the Hessian
    among them, so `hvp(f, (x, data), (v, None))` is `(∇ₓf, ∇²ₓₓf·v)`.

    Raises the errors `grad` raises (a non-scalar output, an argument without a
    derivative)."""
    from .api import _held_fixed, jvp

    f = _differentiable(f)
    primals, tangents = tuple(primals), tuple(tangents)
    params = list(_signature(f).parameters)
    values = _bind(f, primals, {})
    _refuse_complex(f, values)
    # (a zero tangent of an integer holds it fixed, as `jvp` takes it)
    names = tuple(params[i] for i, t in enumerate(tangents) if not _held_fixed(primals[i], t))
    for name in names:  # checked here, so that the errors name `f` rather than its gradient code
        _check_differentiable(f, name, values[params.index(name)])
    gradient, with_value = _gradient_code(f, names, values)
    if not with_value:
        grad, product = jvp(gradient, primals, tangents)
    else:
        (value, grad), (_, product) = jvp(gradient, primals, tangents)
        _require_scalar(f, value)
    product = _per_parameter(product, len(names))
    # the gradient code's derivative forms (`rt.Derivatives`, …) in the inputs' own types
    inputs = [values[params.index(name)] for name in names]
    if len(names) == 1:
        return _like(grad, inputs[0]), _like(product, inputs[0])
    return tuple(_like(g, x) for g, x in zip(grad, inputs, strict=True)), tuple(
        _like(p, x) for p, x in zip(product, inputs, strict=True)
    )
