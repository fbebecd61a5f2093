"""Refuse complex values that can be seen in the SSA form, before any code is generated.

Complex numbers are not differentiated yet (a derivative through a complex intermediate
needs conjugate-aware rules for `abs`, `real`, `angle`, …), and casting one to a float
would drop its imaginary part silently. So a function is refused at the first statement
that makes a complex value in a way visible from its source: a complex literal (`1j`), a
complex global or closed-over value, a complex type or dtype (`np.complex128(…)`,
`x.astype(complex)`, `np.zeros(3, dtype=complex)`), or a function of `np.fft`, `cmath`
or `np.emath`. Complex values made where the source cannot show them (a helper called on
constants, `x ** 0.5` of a negative Python float) are caught at run time (`located.py`).

Before: `z = np.exp(1j * t)` lowers to `_t1 = 1j * t; z = np.exp(_t1)`.
After: ComplexValueError at that line: "a complex value: the literal `1j` …".
"""

from __future__ import annotations

import types

import numpy as np

from ..errors import ComplexValueError
from .ir import Const, Free, Function, Index, Prim, SliceItem, While, operands, walk

COMPLEX_MODULES = (
    "numpy.fft",
    "cmath",
    "numpy.lib.scimath",
    "numpy.lib._scimath_impl",
    "numpy.emath",
)
# functions of those modules that take and give real values (rolls, sample frequencies)
REAL_FUNCTIONS = (np.fft.fftshift, np.fft.ifftshift, np.fft.fftfreq, np.fft.rfftfreq)


def refuse_complex(ssa: Function) -> None:
    """Raise `ComplexValueError` at the first statement that makes a visible complex value."""
    complex_calls: dict[int, bool] = {}  # id(a callee) → whether it makes complex values
    for stmt in walk(ssa.body):
        for expr in _expressions(stmt):
            what = _complex_part(expr, complex_calls)
            if what is not None:
                raise ComplexValueError(
                    f"a complex value: {what} (complex numbers are not supported yet)",
                    filename=ssa.filename,
                    line=stmt.line,
                    hint="keep the computation real: carry real and imaginary parts as two "
                    "float values or arrays",
                )


def _expressions(stmt) -> list:
    if isinstance(stmt, While):
        return []
    found = [getattr(stmt, name) for name in ("value", "test", "iterable") if hasattr(stmt, name)]
    return [*found, *getattr(stmt, "values", ())]


def _complex_part(expr, complex_calls: dict[int, bool]) -> str | None:
    """How `expr` makes a complex value, or None. `complex_calls`: the answers for callees
    asked before (most statements call one of a few functions), by id while the SSA form
    holds them."""
    if isinstance(expr, Prim):
        known = complex_calls.get(id(expr.fn))
        if known is None:
            known = complex_calls[id(expr.fn)] = _is_complex_object(expr.fn)
        if known:
            return f"a call of `{_spelled(expr)}`"
        dtypes = [v for k, v in expr.kwargs if k == "dtype"]
        if expr.fn is _ASTYPE and len(expr.args) > 1:
            dtypes.append(expr.args[1])
        for dtype in dtypes:
            value = dtype.value if isinstance(dtype, (Const, Free)) else None
            if _is_complex_dtype(value):
                return f"`{_spelled(expr)}` with a complex dtype"
    counts = _slice_steps(expr)
    for atom in operands(expr) if isinstance(expr, Prim) else (expr,):
        if atom in counts:
            continue
        if isinstance(atom, Const) and _is_complex_constant(atom.value):
            return f"the literal `{atom.value!r}`"
        if isinstance(atom, Free) and _is_complex_object(atom.value):
            return f"`{atom.source}`"
    return None


_ASTYPE = np.ndarray.astype  # (asked of every call: looked up once)


def _spelled(call: Prim) -> str:
    return call.spelled or getattr(call.fn, "__name__", "the call")


def _slice_steps(expr) -> tuple:
    """The steps of slices in `expr`: NumPy reads a complex step (`np.r_[0:1:5j]`,
    `np.mgrid[0:x:4j]`) as a number of points, not as a complex value."""
    if not isinstance(expr, Prim):
        return ()
    if expr.fn is slice:
        return expr.args[2:3]
    return tuple(
        item.step
        for arg in expr.args
        if isinstance(arg, Index)
        for item in arg.items
        if isinstance(item, SliceItem) and item.step is not None
    )


def _is_complex_constant(value: object) -> bool:
    if isinstance(value, tuple):
        return any(_is_complex_constant(v) for v in value)
    return isinstance(value, complex)


def _is_complex_dtype(value: object) -> bool:
    if value is None:
        return False
    try:
        return np.dtype(value).kind == "c"
    except (TypeError, ValueError):
        return False


def _is_complex_object(value: object) -> bool:
    """A complex scalar or array, a complex type or dtype, or a complex-making function."""
    if isinstance(value, (complex, np.complexfloating)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "c"
    if value is complex or (isinstance(value, type) and issubclass(value, np.complexfloating)):
        return True
    if isinstance(value, np.dtype):
        return value.kind == "c"
    if isinstance(value, types.ModuleType):
        return value.__name__.startswith(COMPLEX_MODULES)
    if any(value is f for f in REAL_FUNCTIONS):
        return False
    module = getattr(value, "__module__", None)
    return callable(value) and isinstance(module, str) and module.startswith(COMPLEX_MODULES)
