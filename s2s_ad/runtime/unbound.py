"""The value of a local name that is not bound yet: `rt.unbound.k`.

Python leaves a `for` loop's target unbound when the loop runs no iteration and the name had
no value before it; a later read raises `UnboundLocalError`. The lowering joins the versions
of such a name (after the loop, at the end of a branch) and carries it through loops and
checkpoints, so generated code copies it where Python would not read it. It starts as this
placeholder instead: copying or storing it is harmless, while every use a program can make of
a value (arithmetic, NumPy, truth, indexing, iteration, conversion, printing, attributes)
raises the plain call's own error.

Before (`for k in range(0)` in one branch of an `if`, a later loop of `k` checkpointed:
the join read the loop's `k`, unbound, although the program never reads it):

    for _k1 in range(0):
        k = _k1
    k_3 = k                      # UnboundLocalError in the generated code

After:

    k_2 = rt.unbound.k
    for _k1 in range(0):
        k_2 = _k1
    k_3 = k_2                    # a copy; `x * k_3` raises as `x * k` does in Python

NumPy's shape queries (`np.shape`, `np.ndim`, `np.size`) see a scalar, as derivative code
summing an adjoint down to a primal's shape needs; `k is None` is False (Python raises).
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

__all__ = ["Unbound", "unbound"]


class Unbound:
    """The placeholder of the local `name`: any use raises `UnboundLocalError`."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "name", name)

    def _read(self, *args: object, **kwargs: object) -> NoReturn:
        name = object.__getattribute__(self, "name")
        raise UnboundLocalError(
            f"cannot access local variable '{name}' where it is not associated with a value"
        )

    def __getattr__(self, attribute: str) -> object:
        if attribute.startswith("__"):  # protocol probes (copy, pickle, NumPy) find nothing
            raise AttributeError(attribute)
        self._read()

    def __reduce__(self):
        return (Unbound, (object.__getattribute__(self, "name"),))

    def __array_function__(self, func, types, args, kwargs):
        # Derivative code asks the shape of every primal value it sums an adjoint down to
        # or makes a zero for (`rt.unbroadcast`, `rt.along`): a placeholder is a scalar
        # there, as None was. Every other NumPy function is a use.
        if func in _SHAPE_QUERIES:
            return _SHAPE_QUERIES[func](*(None if a is self else a for a in args), **kwargs)
        self._read()

    __hash__ = object.__hash__
    __array_ufunc__ = _read
    __array__ = _read


_SHAPE_QUERIES = {np.shape: np.shape, np.ndim: np.ndim, np.size: np.size}


_USES = """add radd sub rsub mul rmul truediv rtruediv floordiv rfloordiv mod rmod pow rpow
matmul rmatmul neg pos abs invert and rand or ror xor rxor lshift rlshift rshift rrshift
divmod rdivmod lt le gt ge eq ne bool len iter getitem setitem delitem contains float
int index complex round trunc floor ceil str format bytes repr setattr"""
for _use in _USES.split():
    setattr(Unbound, f"__{_use}__", Unbound._read)


class _Names:
    """`rt.unbound.k`: the placeholder of the local `k` (one object per name)."""

    def __getattr__(self, name: str) -> Unbound:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Unbound(name)


unbound = _Names()
