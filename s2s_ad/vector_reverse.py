"""Vector reverse mode: every row of a Jacobian from one pass of derivative code.

Reverse accumulation pulls a cotangent back from the outputs; a row of the Jacobian is the
pullback of a one-hot cotangent. The flat gradient code `f_grad(*params, *out_bars)`
(generated source, differentiable again) is linear in its cotangents `out_bars`, so its
vector tangent code with respect to them, seeded with every one-hot cotangent at once
(a leading axis of rows, as `jacfwd` seeds directions), pulls back all rows in one sweep:

    f(x) = np.tanh(W @ x)                      (m outputs)
    f_grad(x, W, _t1_bar):  y = np.tanh(W @ x); _t0_bar = _t1_bar * (1.0 - y * y); ...
    its vector tangent in `_t1_bar`, seeded with eye(m):
        _t0_bar_dot = rt.along(_t1_bar_dot, _t0_bar) * (1.0 - y * y)     (m, *y.shape)
        x_bar_dot = rt.matmul_vjp_right_directions(_t0_bar_dot, ...)   (m, *x.shape)

The primal part of `f_grad` (its forward sweep) carries no tangent: it runs once. The
tangent templates are the vector tangent mode's, tested rule by rule. The code is made from
`f_value_and_grad`, which returns the value too, and returns `(value, rows)` (the mode
"vector_rows"): a later call runs it alone, no call of `f` to learn the outputs' kinds, and
the value's errors and NumPy warnings are the plain call's, once, as `jacfwd`'s code gives
them. (The first call learns those kinds from a call of `f`, its warnings silenced.)

Where that code cannot be made (an output that is not a float array or a tuple of them, a
function with statements kept for their effect, an operation without a derivative of the
next order, …) `rows` returns None when the derivative is made, and the caller sweeps row
by row (jacobians.py): never a different number, only a slower path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from . import pytrees
from .api import (
    _call_with,
    _prepared,
    _signature,
    compiled_runner,
    gradient_derivative,
    one_hot_seeds,
    read_only,
    refuse_updated_arguments,
)
from .callables import specialised
from .errors import S2SError
from .located import ComplexValue, is_complex

log = logging.getLogger("s2s_ad")
ROW_BY_ROW: set[tuple] = set()  # (function, wrt, argument kinds) refused: swept row by row
MADE: dict[tuple, object] = {}  # the same key → the flat gradient code; with the outputs' kinds:
# ((the derivatives whose staleness it checks), the vector code)
_SCALARS = (float, int, bool, np.float64, np.float32, np.int64)


def _key(f: Callable, names: tuple[str, ...], values: list) -> tuple | None:
    """What the code made for a call depends on, where every argument is an array or a
    number (no function, object or structure the derivative would be specialised to);
    None otherwise (such calls are not remembered)."""
    kinds = _value_kinds(values)
    if kinds is None:
        return None
    return (f, names, kinds, getattr(f, "__code__", None))  # `f.__code__ = …`: new


def _value_kinds(values: list) -> tuple | None:
    """Each value's kind: an array's (type, shape, dtype), a number's type; None where one
    is neither."""
    kinds = []
    for v in values:
        if type(v) is np.ndarray:
            kinds.append((np.ndarray, v.shape, v.dtype))
        elif type(v) in _SCALARS:
            kinds.append(type(v))
        else:
            return None
    return tuple(kinds)


def _kinds_key(f: Callable, names: tuple[str, ...], values: list) -> tuple:
    """A coarser key, for any arguments, under which a refusal is remembered: the
    structures and shapes of the arguments, the type of others (two functions passed alike
    share it: the second is swept row by row too, never wrongly)."""
    kinds = []
    for v in values:
        if pytrees.node(v) is None:
            kinds.append((type(v), getattr(v, "shape", None), getattr(v, "dtype", None)))
        else:
            leaves, tree = pytrees.flatten(v)
            kinds.append((tree, tuple(np.shape(leaf) for leaf in leaves)))
    return (f, names, tuple(kinds))


def _float_outputs(out: object) -> list | None:
    """The returned values, when each is a float array or float (what the flat gradient
    code takes one cotangent parameter for); None for anything else (a structure, an int)."""
    items = list(out) if type(out) is tuple else [out]
    if not items or not all(pytrees.is_leaf(o) and not is_complex(o) for o in items):
        return None
    return items


def rows(
    f: Callable, names: tuple[str, ...], values: list, out: object = None, *, jit: bool = False
) -> tuple[object, list[list[np.ndarray | None]]] | None:
    """(the value of `f`, for each returned value, for each float leaf of the inputs `names`
    in `float_leaves` order, the rows (size of the output, *leaf.shape) or None for zero);
    None where this function is swept row by row. `jit`: the vector code compiled by Numba
    (jit/backend.py)."""
    found = plan(f, names, values, out, jit=jit)
    return None if found is None else found[0].rows(values, found[1])


def plan(
    f: Callable, names: tuple[str, ...], values: list, out: object = None, *, jit: bool = False
) -> tuple[Plan, object] | None:
    """(the vector reverse code for a call's argument and output kinds, the value of `f`);
    None where this function is swept row by row."""
    key = _key(f, names, values)
    refusal = key if key is not None else _kinds_key(f, names, values)
    if refusal in ROW_BY_ROW:
        return None
    flat = MADE.get(key) if key is not None else None
    if flat is None or not flat.is_current():
        try:  # the flat code, `(value, gradients)`, the vector code is made from (`_made`)
            made_from = specialised(f, values, names)
            flat = gradient_derivative(made_from, names, values, "flat_value_and_gradient")
        except S2SError:  # row by row makes its own code and reports what is refused
            return _refused(refusal)
        refuse_updated_arguments(flat, values)  # `x += …` of an argument: as row by row
        if key is not None:
            MADE[key] = flat
    # (a `print` runs once: in the forward sweep, row by row; a check refusing an update
    # when the code runs, before the plain call has changed the module)
    if flat.effects or flat.refuses_when_run:
        return _refused(refusal)
    if out is None:  # its kinds, from a call of `f` whose NumPy warnings the code gives,
        # which computes the value too (once per call, as the plain call)
        try:
            with np.errstate(all="ignore"):
                out = _call_with(f, values)
        except Exception:  # row by row raises it again, located in the derivative code
            return None
    outputs = _float_outputs(out)
    if outputs is None or (type(out) is tuple) != flat.returns_tuple:
        return _refused(refusal)
    cotangents = _cotangents(outputs)
    # the code is specialised to the outputs' shapes too (the cotangents'), so they key it
    shaped = None if key is None else (*key, _value_kinds(cotangents))
    kinds = None if key is None else _kinds(out)  # plain arguments: the plan's `outputs`
    if len(outputs) == 1 and np.ndim(outputs[0]) == 0:  # one row: the gradient code itself
        # (its seed of the output's dtype: the kinds keep a NumPy scalar as a Python float)
        unit = unit_cotangent(outputs[0])
        return Plan(f, names, ((flat,), flat), jit, refusal, kinds, one_row=True, unit=unit), out
    made = MADE.get(shaped) if shaped is not None else None
    if made is None or not all(d.is_current() for d in made[0]):
        made = _made(flat, values, cotangents)
        if made is None:
            return _refused(refusal)
        if shaped is not None:  # (current while `flat` is, which was made from `f` as it
            # is now: a third transformation, of `f` for any shapes, only to be watched, took
            # a fifth of a cold `jacrev`; `jacfwd`'s code is watched by itself alone too)
            MADE[shaped] = made
    return Plan(f, names, made, jit, refusal, kinds), out


class Plan:
    """The vector reverse code made for one kind of call, and how to run it on a call."""

    def __init__(
        self,
        f,
        names,
        made,
        jit: bool,
        refusal: tuple,
        outputs: tuple | None,
        one_row=False,
        unit: object = 1.0,
    ):
        self.f, self.names, self.made, self.jit, self.refusal = f, names, made, jit, refusal
        # for plain arguments: (whether `f` returns a tuple, the outputs' kinds as `_key`'s)
        self.outputs = outputs
        # one scalar output: its one row is the gradient, from the flat gradient code (the
        # `made` code) seeded with 1.0, no vector code (a derivative of the next order)
        self.one_row = one_row
        self.unit = unit  # the one row's seed, of the output's dtype (`unit_cotangent`)
        self.inputs = [list(_signature(f).parameters).index(name) for name in names]
        self.run: Callable | None = None  # the code's runner (a plan serves one kind of call)
        self.fixed: tuple | None = None  # (cotangents, seeds) made once for outputs' kinds

    @property
    def derivatives(self) -> tuple:
        """The derivatives whose code the plan runs: current while theirs is."""
        return self.made[0]

    def fits(self, out: object) -> bool:
        """Whether `out`, the value of a later call with the same argument kinds, has the
        kinds of outputs the code was made for."""
        return self.outputs is not None and _kinds(out) == self.outputs

    def again(self, values: list) -> tuple[object, list] | None:
        """`rows` of a later call with the same argument kinds, from the code alone, which
        computes the value too (None: the checked path, for an error of `f`'s, which it
        raises again, located, or outputs of other kinds than the code was made for)."""
        cotangents, seeds = self.fixed or self._seeds(_stand_ins(self.outputs[1]))
        try:
            value, tangents = self._ran(values, cotangents, seeds)
        except Exception:
            return None
        return self._found(values, value, tangents) if self.fits(value) else None

    def one_array(self, values: tuple) -> bool:
        """Whether this plan's calls differentiate one float array and return one float
        array: the commonest Jacobian, whose rows `direct_rows` gives directly."""
        if self.one_row or self.outputs is None or self.outputs[0] or len(self.names) != 1:
            return False
        kinds, x = self.outputs[1], values[self.inputs[0]]
        one = len(kinds) == 1 and isinstance(kinds[0], tuple) and kinds[0][2].kind == "f"
        return one and type(x) is np.ndarray

    def direct_rows(self, values: tuple, shape: tuple, dtype: np.dtype, as_tuple: bool):
        """For a plan where `one_array` holds, made on its first run (`values`): the
        function giving a later call's Jacobian block of `shape` and `dtype` (a 1-tuple with
        `as_tuple`), from the rows (out.size, *x.shape) the code gives, in one frame: what
        `again` and `rows` give, without their bookkeeping for structures; None: the
        checked path (an error of `f`'s, raised again located; outputs of another kind)."""
        _, out_shape, out_dtype = self.outputs[1][0]
        (cotangent,), (seed,) = self.fixed or self._seeds([np.zeros(out_shape, out_dtype)])
        run = self.run or self._runner(values, [cotangent])
        found = (len(seed), *values[self.inputs[0]].shape)
        reshape = None if found == shape else shape

        def rows(values: tuple) -> np.ndarray | tuple | None:
            try:
                out, rows = run(*values, cotangent, seed)
            except Exception:  # the checked path raises an error of `f`'s again, located
                return None
            if type(out) is not np.ndarray or out.shape != out_shape or out.dtype != out_dtype:
                return None  # an output of another kind than the code was made for
            if type(rows) is not np.ndarray or rows.dtype.kind != "f" or rows.shape != found:
                return None  # a symbolic zero, a complex value, lost rows: the checked path
            if reshape is not None or rows.dtype != dtype:
                rows = rows.reshape(shape).astype(dtype, copy=False)
            if rows.base is not None and not rows.flags.writeable:
                rows = rows.copy()  # a read-only seed, or a view of one
            return (rows,) if as_tuple else rows

        return rows

    def rows(self, values: list, out: object) -> tuple[object, list] | None:
        """`rows`' result for a call whose outputs are `out` (None: swept row by row)."""
        f, refusal = self.f, self.refusal
        cotangents, seeds = self.fixed or self._seeds(_float_outputs(out))
        try:
            value, tangents = self._ran(values, cotangents, seeds)
        except Exception as exc:  # the plain call ran: a case the vector code
            # misses (a helper's zeros without the axis of rows); row by row says the same
            if _raises(f, values):
                return None  # `f`'s own error, which row by row raises again, located
            log.debug("vector reverse code of %s failed (%r): row by row", f.__name__, exc)
            return _refused(refusal)
        if any(is_complex(o) for o in (value if type(value) is tuple else [value])):
            raise ComplexValue  # reported where it first appears, as row by row
        if _kinds(value) != _kinds(out):  # never rows of outputs of another kind
            log.debug("vector reverse code of %s: another value than f's", f.__name__)
            return _refused(refusal)
        return self._found(values, value, tangents)

    def _ran(self, values: list, cotangents: list, seeds: list) -> tuple[object, object]:
        """(the value, the rows' tangents) from the code, which returns `(value,
        gradients)` for one row (seeded with 1.0), else `(value, the gradients' tangents)`."""
        run = self.run or self._runner(values, cotangents)
        if self.one_row:
            return run(*values, *seeds)
        return run(*values, *cotangents, *seeds)

    def _runner(self, values: list, cotangents: list) -> Callable:
        """The code's runner (compiled by Numba with `jit`), made on this plan's first run."""
        self.run = compiled_runner(self.made[1], self.f, [*values, *cotangents], self.jit)
        return self.run

    def _found(self, values: list, out: object, tangents: object) -> tuple[object, list] | None:
        """`rows`' result from the code's value `out` and tangents (None: row by row)."""
        f, names, refusal = self.f, self.names, self.refusal
        outputs = _float_outputs(out)
        if len(names) == 1:
            tangents = (tangents,)
        elif tangents is None:  # no gradient depends on the cotangents: all zero
            tangents = (None,) * len(names)
        inputs = [values[i] for i in self.inputs]
        try:
            per_leaf = [
                t
                for x, tangent in zip(inputs, tangents, strict=True)
                for t in pytrees.derivative_leaves(tangent, x)
            ]
        except ValueError:  # a list input's rows in one array (rows, len(x)) rather than
            # item by item: row by row, never a number from a tangent of another layout
            log.debug("vector reverse code of %s: tangents not shaped like inputs", f.__name__)
            return _refused(refusal)
        rows_count = sum(int(np.size(o)) for o in outputs)
        flat_inputs = [leaf for x in inputs for leaf in pytrees.float_leaves(x)]
        if self.one_row:  # the gradient, as `grad` gives it (a number spread over an array)
            per_leaf = [
                t if t is None else np.broadcast_to(t, np.shape(leaf))[None]
                for t, leaf in zip(per_leaf, flat_inputs, strict=True)
            ]
        pairs = zip(per_leaf, flat_inputs, strict=True)
        if not all(_has_rows(t, leaf, rows_count) for t, leaf in pairs):
            log.debug("vector reverse code of %s lost its axis of rows: row by row", f.__name__)
            return _refused(refusal)  # never a number from a tangent of another layout
        if any(is_complex(t) for t in per_leaf):
            raise ComplexValue  # the float rows would drop the imaginary parts (reported
            # where the complex value first appears, as row by row)
        found, start = [], 0
        for o in outputs:
            size = int(np.size(o))
            found.append([_block(t, start, size) for t in per_leaf])
            start += size
        return out, found

    def _seeds(self, outputs: list) -> tuple[list, list]:
        """(the cotangents the code is called with, zeros for the shapes it was made for;
        the one-hot seeds of `outputs`' rows), made once where the outputs' kinds are fixed
        (plain arguments: `fits`), then read-only (`read_only`)."""
        cotangents = _cotangents(outputs)
        seeds = [self.unit] if self.one_row else one_hot_seeds(outputs)
        if self.outputs is None:
            return cotangents, seeds
        self.fixed = (read_only(cotangents), read_only(seeds))
        return self.fixed


def unit_cotangent(output: object) -> object:
    """The cotangent 1.0 of a scalar output, of its dtype where it is a NumPy float: a
    Python 1.0 is weak under NumPy's promotion (NEP 50), so `1.0 / s` of a float32 `s` in the
    gradient code of a float64 output would round in float32 (ad/seed_dtype.py)."""
    dtype = getattr(output, "dtype", None)
    return dtype.type(1.0) if dtype is not None and dtype.kind == "f" else 1.0


def _cotangents(outputs: list) -> list:
    """Zero cotangents of the outputs: arrays' zeros, a Python 0.0 for any number (NumPy's
    scalars too, whose kind the code made for them is a Python float's)."""
    return [np.zeros_like(o) if type(o) is np.ndarray else 0.0 for o in outputs]


def _kinds(out: object) -> tuple | None:
    """Whether `out` is a tuple, and the kind of each of its float leaves' cotangent (NumPy's
    scalars and Python numbers alike: the code takes a Python 0.0 for both); a plan's
    `outputs`. None for outputs of other kinds."""
    outputs = _float_outputs(out)
    return None if outputs is None else (type(out) is tuple, _value_kinds(_cotangents(outputs)))


def _stand_ins(kinds: tuple) -> list:
    """A value of each output kind (`_value_kinds`'): zeros of an array's shape and dtype."""
    return [np.zeros(k[1], k[2]) if isinstance(k, tuple) else k(0.0) for k in kinds]


def _raises(f: Callable, values: list) -> bool:
    """Whether the plain call of `f` on `values` raises."""
    try:
        _call_with(f, values)
    except Exception:
        return True
    return False


def _has_rows(tangent: object, leaf: object, count: int) -> bool:
    """Whether an input leaf's tangent is a symbolic zero or (count, *leaf.shape)."""
    if tangent is None or np.ndim(tangent) == 0:
        return True
    return np.shape(tangent) == (count, *np.shape(leaf))


def _refused(key: tuple) -> None:
    ROW_BY_ROW.add(key)


def _made(flat, values: list, cotangents: list):
    """((the derivatives whose staleness it checks), the vector tangent code of the flat
    gradient code `flat` in its cotangents, specialised to the shapes of `values` and
    `cotangents`); None where it cannot be made."""
    gradient = flat.function
    try:
        bars = tuple(list(_signature(gradient).parameters)[len(values) :])
        if len(bars) != len(cotangents) or len(bars) != flat.outputs:
            raise _Unfit
        full = [*values, *cotangents]
        vector = _prepared(gradient, "vector_rows", bars, full, specialise=True)
    except (S2SError, _Unfit):
        return None
    return (flat, vector), vector


class _Unfit(Exception):
    """The gradient code's cotangent parameters do not match the returned values."""


def _block(tangent: object, start: int, size: int) -> np.ndarray | None:
    """Rows `start:start + size` of one input leaf's tangent (rows, *leaf.shape)."""
    if tangent is None or np.ndim(tangent) == 0:
        return None  # a symbolic zero: that input leaf does not reach the outputs
    return np.asarray(tangent)[start : start + size]
