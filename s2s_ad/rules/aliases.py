"""Library functions that are other names for functions with rules, or that only inspect.

NumPy keeps some old names as plain Python functions that call the new one (`np.row_stack`
warns and calls `np.vstack`). s2s_ad never reads a library's source (frontend/library.py),
so each such name gets the rule of the function it stands for; before, the call descended
into NumPy's code and was refused there:

    np.row_stack([x, y])   before: refused at numpy/lib/_shape_base_impl.py (its `warnings.warn`)
                           after:  np.vstack's rule; the tangent is `np.vstack` of the tangents

Aliases that are the same object (`np.abs is np.absolute`, `np.concat is np.concatenate`,
`np.pow is np.power`, `np.permute_dims is np.transpose`) share the rule without an entry here.
"""

from __future__ import annotations

import numpy as np

from .joining import ARRAY_KEYWORDS, joined
from .linalg import MATMUL_DIRECTIONS, MATMUL_VJP, bilinear
from .registry import nondifferentiable, registrar

register = registrar("nondifferentiable")

_row_stack = getattr(np, "row_stack", None)  # deprecated in NumPy 2.0, to be removed
if _row_stack is not None and _row_stack is not np.vstack:
    # linear: the tangent is the join of the tangents (np.vstack: row_stack would warn again)
    joined(
        "np.row_stack", _row_stack, "rt.concatenate_vjp(d, x, 0, np.atleast_2d)", jvp="np.vstack(d)"
    )

# np.asarray that also checks the values are finite, keeps subclasses, or makes C or Fortran
# order: for the values, np.asarray (the tangent is laid out as the call lays out its value)
for _label, _fn in [
    ("np.asarray_chkfinite", np.asarray_chkfinite),
    ("np.asanyarray", np.asanyarray),
    ("np.ascontiguousarray", np.ascontiguousarray),
    ("np.asfortranarray", np.asfortranarray),
]:
    joined(_label, _fn, "rt.unstack(d, x)", ARRAY_KEYWORDS[:1])

# the array API's name for np.matmul (positional operands only, as np.matmul's rule binds)
_linalg_matmul = getattr(np.linalg, "matmul", None)  # NumPy 2
if _linalg_matmul is not None and _linalg_matmul is not np.matmul:
    bilinear("np.linalg.matmul", _linalg_matmul, MATMUL_VJP, batched=MATMUL_DIRECTIONS)

# np.round's other name, and questions about a value answered with a bool: no derivative
for _fn, _label in [
    (np.around, "np.around"),
    (np.isscalar, "np.isscalar"),
    (np.iterable, "np.iterable"),
]:
    register(_fn, nondifferentiable(_label))
