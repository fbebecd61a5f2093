"""Library functions differentiated through a definition of their own (rules/definitions.py):
the same computation, written here in NumPy over functions with rules, in the same order
of operations, so that it gives the library's value bit for bit; marked
`@differentiated_through`, a call of one is transformed from this source as a helper of the
user's is, to every order. Where no derivative flows the user's call runs the library's own
function.

`np.polyfit(x, y, deg)`: least squares on the Vandermonde matrix with its columns scaled to
unit norm (numpy/lib/_polynomial_impl.py's order: `lhs /= scale`, `lstsq`, `(c.T / scale).T`).
"""

from __future__ import annotations

import numpy as np

from ..errors import S2SError
from .through import differentiated_through

__all__ = ["polyfit"]


@differentiated_through
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """`np.polyfit(x, y, deg, rcond)`: the coefficients, highest power first (for 2-D `y`,
    one column per data set). `full`, `w` and `cov` are refused (S2SError)."""
    if full or w is not None or cov is not False:
        raise S2SError(
            "the derivative of np.polyfit with full=True, weights w or cov is not implemented",
            hint="call np.polyfit(x, y, deg), scaling the rows of x and y by the weights first",
        )
    order = int(deg) + 1
    if rcond is None:
        rcond = np.shape(x)[0] * np.finfo(np.result_type(x, 0.0)).eps
    lhs = np.vander(x, order)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    coefficients = np.linalg.lstsq(lhs, y, rcond)[0]
    return (coefficients.T / scale).T
