"""Library functions that are other names for functions with rules, or that only inspect.

NumPy keeps some old names as plain Python functions that call the new one (`np.row_stack`
warns and calls `np.vstack`). s2s_ad never reads a library's source (frontend/library.py),
so each such name gets the rule of the function it stands for; before, the call descended
into NumPy's code and was refused there:

    np.row_stack([x, y])   before: refused at numpy/lib/_shape_base_impl.py (its `warnings.warn`)
                           after:  np.vstack's rule; the tangent is `np.vstack` of the tangents

Aliases that are the same object (`np.amax is np.max`) share the rule without an entry here.
"""

from __future__ import annotations

import numpy as np

from .joining import ARRAY_KEYWORDS, joined
from .registry import nondifferentiable, registrar

register = registrar("nondifferentiable")

_row_stack = getattr(np, "row_stack", None)  # deprecated in NumPy 2.0, to be removed
if _row_stack is not None and _row_stack is not np.vstack:
    # linear: the tangent is the join of the tangents (np.vstack: row_stack would warn again)
    joined(
        "np.row_stack", _row_stack, "rt.concatenate_vjp(d, x, 0, np.atleast_2d)", jvp="np.vstack(d)"
    )

# np.asarray that also checks the values are finite: the same rule
joined("np.asarray_chkfinite", np.asarray_chkfinite, "rt.unstack(d, x)", ARRAY_KEYWORDS[:1])

# questions about a value, answered with a bool: no derivative
for _fn, _label in ((np.isscalar, "np.isscalar"), (np.iterable, "np.iterable")):
    register(_fn, nondifferentiable(_label))
