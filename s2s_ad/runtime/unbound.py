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

NumPy's shape queries (`np.shape`, `np.ndim`, `np.size`, `np.result_type`) see None, as
derivative code summing an adjoint down to a primal's shape or making a zero tangent needs;
`k is None` is False (Python raises).
"""

from __future__ import annotations

import numpy as np

__all__ = ["Unbound", "unbound"]


class Unbound:
    """The placeholder of the local `name`: any use raises `UnboundLocalError`. (Plain
    annotations and no module constants: `s2s-ad export` copies this source as it is.)"""

    __slots__ = ("name",)

    def __init__(self, name):
        object.__setattr__(self, "name", name)

    def _read(self, *args, **kwargs):
        name = object.__getattribute__(self, "name")
        raise UnboundLocalError(
            f"cannot access local variable '{name}' where it is not associated with a value"
        )

    def __getattr__(self, attribute):
        if attribute.startswith("__"):  # protocol probes (copy, pickle, NumPy) find nothing
            raise AttributeError(attribute)
        self._read()

    def __reduce__(self):
        return (Unbound, (object.__getattribute__(self, "name"),))

    def __array_function__(self, func, types, args, kwargs):
        # Derivative code asks the shape of every primal value it sums an adjoint down to
        # or makes a zero for (`rt.unbroadcast`, `rt.along`): a placeholder is None there,
        # as it was before. Every other NumPy function is a use.
        if func in (np.shape, np.ndim, np.size, np.result_type):
            return func(*(None if a is self else a for a in args), **kwargs)
        self._read()

    __hash__ = object.__hash__
    __array_ufunc__ = __array__ = _read
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _read
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _read
    __pow__ = __rpow__ = __matmul__ = __rmatmul__ = __divmod__ = __rdivmod__ = _read
    __neg__ = __pos__ = __abs__ = __invert__ = __round__ = __trunc__ = _read
    __floor__ = __ceil__ = __and__ = __rand__ = __or__ = __ror__ = __xor__ = __rxor__ = _read
    __lshift__ = __rlshift__ = __rshift__ = __rrshift__ = _read
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__ = _read
    __len__ = __iter__ = __getitem__ = __setitem__ = __delitem__ = __contains__ = _read
    __float__ = __int__ = __index__ = __complex__ = _read
    __str__ = __format__ = __bytes__ = __repr__ = __setattr__ = _read


class _Names(type):
    """The type of `unbound`: its attributes are placeholders (one object per read)."""

    def __getattr__(cls, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return Unbound(name)


class unbound(metaclass=_Names):  # read as `rt.unbound.k`
    """`rt.unbound.k`: the placeholder of the local `k`."""
