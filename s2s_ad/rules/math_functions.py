"""`math` functions beyond the elementwise table: a sum of a sequence, scaling by a power
of two, the IEEE remainder, and the integer-valued functions (no derivative flows).

`math.gamma` and `math.lgamma` are in rules/special.py: their derivatives call
`scipy.special.digamma`. Before → after (reverse mode):
    t = math.ldexp(x, k)        x_bar = t_bar * math.ldexp(1.0, k)
    r = math.remainder(x, y)    y_bar = -r_bar * np.round((x - r) / y)
"""

from __future__ import annotations

import math

from .registry import Rule, elementwise, nondifferentiable, registrar

register = registrar("elementwise")
register_constant = registrar("nondifferentiable")

# fsum is sum with exact rounding: the same derivative as `sum` of the items
register(
    math.fsum,
    Rule("math.fsum", ("x",), ("rt.broadcast_sum(d, ans)",), ("rt.sum_vjp(d, x)",)),
)
# ldexp(x, i) = x · 2^i; the exponent is an integer
register(
    math.ldexp, elementwise("math.ldexp", ("x", "i"), "d * M.ldexp(1.0, i)", None, family="math")
)
# remainder(x, y) = x - n·y with n = round(x / y), constant between its jumps
register(
    math.remainder,
    elementwise("math.remainder", ("x", "y"), "d", "-d * np.round((x - ans) / y)", family="math"),
)
# integer-valued (or piecewise constant: `ulp`): their outputs are constants
for fn in [math.comb, math.factorial, math.gcd, math.isqrt, math.lcm, math.perm, math.ulp]:
    register_constant(fn, nondifferentiable(f"math.{fn.__name__}"))
