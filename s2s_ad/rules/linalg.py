"""Matrix products: `@`, `np.matmul`, `np.dot` (bilinear: the tangent is the same product)."""

from __future__ import annotations

import operator

import numpy as np

from .registry import SAME_CALL, Rule, register

MATMUL_VJP = ("rt.matmul_vjp_left(d, x, y)", "rt.matmul_vjp_right(d, x, y)")
DOT_VJP = ("rt.dot_vjp_left(d, x, y)", "rt.dot_vjp_right(d, x, y)")

register(operator.matmul, Rule("operator.matmul", ("x", "y"), (SAME_CALL, SAME_CALL), MATMUL_VJP))
register(np.matmul, Rule("np.matmul", ("x", "y"), (SAME_CALL, SAME_CALL), MATMUL_VJP))
register(np.dot, Rule("np.dot", ("x", "y"), (SAME_CALL, SAME_CALL), DOT_VJP))
