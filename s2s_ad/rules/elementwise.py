"""Elementwise functions of NumPy and `math`: one derivative template each, shared by both.

`d` is the incoming tangent (forward) or cotangent (reverse); `ans` is the function's value.
"""

from __future__ import annotations

import builtins
import math
from dataclasses import replace

import numpy as np

from .registry import Site, elementwise, registrar

register = registrar("elementwise")

LN2 = 0.6931471805599453
LN10 = 2.302585092994046
TWO_OVER_SQRT_PI = 1.1283791670955126

# numpy name, math name (None: numpy only), derivative template in d, x, ans, M.
UNARY: list[tuple[str, str | None, str]] = [
    ("sin", "sin", "d * M.cos(x)"),
    ("cos", "cos", "-d * M.sin(x)"),
    ("tan", "tan", "d * (1.0 + ans * ans)"),
    ("arcsin", "asin", "d / M.sqrt(1.0 - x * x)"),
    ("arccos", "acos", "-d / M.sqrt(1.0 - x * x)"),
    ("arctan", "atan", "d / (1.0 + x * x)"),
    ("sinh", "sinh", "d * M.cosh(x)"),
    ("cosh", "cosh", "d * M.sinh(x)"),
    ("tanh", "tanh", "d * (1.0 - ans * ans)"),
    ("arcsinh", "asinh", "d / M.sqrt(x * x + 1.0)"),
    ("arccosh", "acosh", "d / M.sqrt(x * x - 1.0)"),
    ("arctanh", "atanh", "d / (1.0 - x * x)"),
    ("exp", "exp", "d * ans"),
    ("exp2", "exp2", f"d * ans * {LN2}"),
    ("expm1", "expm1", "d * (ans + 1.0)"),
    ("log", None, "d / x"),
    ("log2", "log2", f"d / (x * {LN2})"),
    ("log10", "log10", f"d / (x * {LN10})"),
    ("log1p", "log1p", "d / (1.0 + x)"),
    ("sqrt", "sqrt", "d / (2.0 * ans)"),
    ("cbrt", "cbrt", "d / (3.0 * ans * ans)"),
    ("square", None, "d * (2.0 * x)"),
    ("reciprocal", None, "-d * ans * ans"),
    ("negative", None, "-d"),
    ("positive", None, "d"),
    ("absolute", "fabs", "d * np.sign(x)"),
    ("fabs", None, "d * np.sign(x)"),
    (None, "erf", f"d * {TWO_OVER_SQRT_PI} * M.exp(-x * x)"),
    (None, "erfc", f"-d * {TWO_OVER_SQRT_PI} * M.exp(-x * x)"),
    ("deg2rad", "radians", f"d * {math.pi / 180.0!r}"),
    ("rad2deg", "degrees", f"d * {180.0 / math.pi!r}"),
    ("radians", None, f"d * {math.pi / 180.0!r}"),  # np.radians is not np.deg2rad
    ("degrees", None, f"d * {180.0 / math.pi!r}"),
    ("sinc", None, "d * rt.sinc_slope(x)"),
]


def _math_log(site: Site) -> str:
    """`math.log(x)` or `math.log(x, base)`; a differentiated base is refused (a keyword)."""
    return (
        "d / x" if site.is_const("base") and site.const("base") is None else "d / (x * M.log(base))"
    )


def pow_base(site: Site) -> str:
    """∂(x ** y)/∂x = y · x ** (y - 1), 0 where y is 0 (also at x = 0, where x ** -1 is
    infinite); folded when the exponent is a literal number."""
    y = site.const("y")
    if isinstance(y, (int, float)) and not isinstance(y, bool):
        if y == 0:
            return "d * 0.0"
        if y == 1:
            return "d"
        if y == 2:
            return "d * (2 * x)"
        return f"d * ({y!r} * x ** {y - 1!r})"
    return "d * rt.pow_term(y, x, y - 1)"


# ∂(x ** y)/∂y = x ** y · log x, and 0 where x ** y is 0; a zero tangent (cotangent) of y
# contributes 0, also where log x is nan (x < 0: an integer exponent held in a dict)
POW_EXPONENT = "rt.xlogy(d * ans, x)"

BINARY: list[tuple[str, str | None, tuple[str, str], tuple[object, object]]] = [
    ("arctan2", "atan2", ("a", "b"), ("d * b / (a * a + b * b)", "-d * a / (a * a + b * b)")),
    ("hypot", "hypot", ("a", "b"), ("d * a / ans", "d * b / ans")),
    ("power", "pow", ("x", "y"), (pow_base, POW_EXPONENT)),
    ("float_power", None, ("x", "y"), (pow_base, POW_EXPONENT)),
    ("logaddexp", None, ("x", "y"), ("d * np.exp(x - ans)", "d * np.exp(y - ans)")),
    ("logaddexp2", None, ("x", "y"), ("d * np.exp2(x - ans)", "d * np.exp2(y - ans)")),
]


def _register_all() -> None:
    for np_name, math_name, template in UNARY:
        if np_name is not None:
            register(getattr(np, np_name), elementwise(f"np.{np_name}", ("x",), template))
        if math_name is not None:
            rule = elementwise(f"math.{math_name}", ("x",), template, family="math")
            register(getattr(math, math_name), rule)
    for np_name, math_name, params, partials in BINARY:
        register(getattr(np, np_name), elementwise(f"np.{np_name}", params, *partials))
        if math_name is not None:
            rule = elementwise(f"math.{math_name}", params, *partials, family="math")
            register(getattr(math, math_name), rule)
    log_rule = replace(
        elementwise("math.log", ("x",), _math_log, family="math"), keywords=(("base", None),)
    )
    register(math.log, log_rule)
    register(builtins.abs, elementwise("abs", ("x",), "d * np.sign(x)"))
    register(builtins.pow, elementwise("pow", ("x", "y"), pow_base, POW_EXPONENT))


_register_all()
