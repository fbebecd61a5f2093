"""The rule table test: every registered rule, in both modes, against central differences.

Each row names a rule and an expression that uses it; the rows are compiled into a module
of small functions (s2s_ad needs their source) and checked with `check_grads`. A rule
registered without a row fails `test_every_rule_has_a_row`.
"""

import importlib.util

import numpy as np
import pytest

import s2s_ad
from s2s_ad.custom import _GIVEN
from s2s_ad.rules import REGISTRY, lookup
from s2s_ad.testing import check_grads, check_modes_agree

rng = np.random.default_rng(7)
POS = rng.uniform(0.5, 2.0, size=(3, 4))  # in the domain of log, sqrt, …
UNIT = rng.uniform(-0.8, 0.8, size=(3, 4))  # in the domain of arcsin, arctanh, …
BIG = rng.uniform(1.2, 3.0, size=(3, 4))  # in the domain of arccosh
ROW = rng.uniform(0.5, 2.0, size=(4,))
COL = rng.uniform(0.5, 2.0, size=(3, 1))

UNARY_DOMAINS = {
    "arcsin": UNIT, "arccos": UNIT, "arctanh": UNIT, "asin": 0.3, "acos": 0.3, "atanh": 0.3,
    "arccosh": BIG, "acosh": 1.7, "sinc": np.array([-1.3, -0.2, 0.0, 0.4, 2.5]),
}  # fmt: skip

ROWS: list[tuple[str, str, tuple]] = []


def row(rule: str, expr: str, *args) -> None:
    ROWS.append((rule, expr, args))


def unary_rows() -> None:
    from s2s_ad.rules.elementwise import UNARY

    for np_name, math_name, _ in UNARY:
        if np_name is not None:
            x = UNARY_DOMAINS.get(np_name, POS)
            y = rng.standard_normal(np.shape(x))
            row(f"np.{np_name}", f"np.sum(np.{np_name}(x) * y)", x, y)
            row(f"np.{np_name}", f"np.{np_name}(x) * 2.0", float(np.ravel(x)[-1]))  # a scalar
        if math_name is not None:
            row(f"math.{math_name}", f"math.{math_name}(x)", UNARY_DOMAINS.get(math_name, 1.3))


def binary_rows() -> None:
    ops = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "pow": "**"}
    for name, symbol in ops.items():
        row(
            f"operator.{name}", f"np.sum((x {symbol} y) * w)", POS, ROW, rng.standard_normal((3, 4))
        )
        row(f"operator.{name}", f"x {symbol} y", 1.3, 0.7)
    for name in ["add", "subtract", "multiply", "divide", "power", "arctan2", "hypot"]:
        row(f"np.{name}", f"np.sum(np.{name}(x, y))", POS, COL)
    for name in ["atan2", "hypot", "pow"]:
        row(f"math.{name}", f"math.{name}(x, y)", 1.3, 0.7)
    row("operator.neg", "np.sum(-x * x)", POS)
    row("operator.pos", "np.sum(+x * x)", POS)
    row("abs", "abs(x) * x", -1.3)
    row("pow", "pow(x, y)", 1.3, 0.7)
    row("float", "float(x) * x", 1.3)
    row("math.log", "math.log(x) + math.log(x, 3.0)", 1.3)


def selection_rows() -> None:
    for name in ["maximum", "minimum", "fmax", "fmin", "logaddexp", "logaddexp2", "float_power"]:
        row(f"np.{name}", f"np.sum(np.{name}(x, y) * w)", POS, ROW, rng.standard_normal((3, 4)))
        row(f"np.{name}", f"np.sum(np.{name}(x, y) ** 2)", COL, ROW)  # both broadcast
        row(f"np.{name}", f"np.{name}(x, y)", 1.3, 0.7)
    row("max", "max(x, y) * min(x, y) + max(y, 2.0)", 1.3, 0.7)
    row("min", "min(x, y) ** 2 + min(3.0, x)", 1.3, 0.7)
    row("np.where", "np.sum(np.where(x > 1.0, x * y, y) ** 2)", POS, ROW)
    row("np.where", "np.sum(np.where(y > 1.0, x, 0.0) ** 2)", ROW, POS)  # condition broadcasts
    row("np.clip", "np.sum(np.clip(x, 0.8, 1.5) ** 2)", POS)
    row("np.clip", "np.sum(x.clip(None, y) ** 2)", POS, ROW)
    row("np.clip", "np.sum(np.clip(y, x, 1.5) * w)", COL, POS, POS)
    numerators = np.array([[2.3, 3.7, 5.2], [1.1, 4.4, 0.9]])
    divisors = np.array([[1.5, 1.6, 2.1], [0.7, 1.3, 0.4]])
    for label, call in [("np.remainder", "np.remainder(x, y)"), ("np.fmod", "np.fmod(x, y)"),
                        ("operator.mod", "x % y")]:  # fmt: skip
        row(label, f"np.sum({call} ** 2)", numerators, divisors)
        row(label, f"np.sum({call} ** 2)", numerators, 1.5)
    row("math.fmod", "math.fmod(x, y) ** 2", 5.2, 1.5)


def reduction_rows() -> None:
    cube = rng.standard_normal((2, 3, 4))
    zeros = POS.copy()
    zeros[0, 1] = 0.0
    zeros[2, 0] = zeros[2, 3] = 0.0  # two zeros in one row: every partial of that row is 0
    for name in ["sum", "mean", "prod", "max", "min", "amax", "amin", "nansum", "std", "var"]:
        row(f"np.{name}", f"np.{name}(x * x)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=0) ** 2)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=-1, keepdims=True) * x)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, (0, 2)) ** 2)", cube)
    for method in ["sum", "mean", "prod", "max", "min", "std", "var"]:
        rule = f"np.{method}"
        row(rule, f"np.sum(x.{method}(axis=1) ** 2) + x.{method}()", POS)
    row("np.prod", "np.sum(np.prod(x, axis=1)) + np.prod(x)", zeros)
    row("np.nansum", "np.nansum(np.where(y > 1.5, np.nan, x)) * 2.0", POS, POS)
    row("np.std", "np.sum(np.std(x, axis=1, ddof=1) ** 2)", POS)
    row("np.var", "np.sum(np.var(x, 0, ddof=1) ** 2)", POS)
    # session 37's: quantiles, the range, the reductions that skip NaN, two linear maps
    for name in ["median", "ptp", "nanmax", "nanmin", "nanmean", "nanstd", "nanvar"]:
        row(f"np.{name}", f"np.{name}(x * x)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=0) ** 2)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=-1, keepdims=True) * x)", POS)
    for name in ["nanmax", "nanmin", "nanmean", "nanstd", "nanvar"]:
        row(f"np.{name}", f"np.sum(np.{name}(np.where(y > 1.5, np.nan, x), axis=1) ** 2)", POS, POS)
    row("np.quantile", "np.sum(np.quantile(x, 0.3, axis=1) ** 2)", POS)
    row("np.quantile", "np.quantile(x, 0.75) * np.sum(x)", POS)
    row("np.percentile", "np.sum(np.percentile(x, 40.0, axis=0) ** 2)", POS)
    row("np.cumulative_sum", "np.sum(np.cumulative_sum(x, axis=1) ** 2)", POS)
    row("np.ediff1d", "np.sum(np.ediff1d(x) ** 2)", POS)
    row("rt.quantile_weights", "np.sum(x * rt.quantile_weights(x, 0.5, 0))", POS)
    row("rt.nan_share", "np.sum(x * rt.nan_share(x, 1))", POS)
    row("rt.nan_count", "np.sum(x * rt.nan_count(x, 1))", POS)
    row("rt.reshape_in_order", 'np.sum(rt.reshape_in_order(x, (4, 3), x.T, "A")[0] ** 3)', POS)
    row("rt.reshaped_in_order", 'np.sum(rt.reshaped_in_order(x, (2, 2), x.T, "A")[1] ** 3)', POS)
    row("np.average", "np.sum(np.average(x, axis=1, weights=y) ** 2)", POS, ROW)
    row("np.average", "np.average(x) * np.average(x, 0, y, keepdims=True)[0, 1]", POS, POS[::-1])
    row("np.average", "np.sum(np.sin(np.average(x, axis=0)))", POS)
    row("rt.average_share", "np.sum(rt.average_share(np.ones((3, 4)), x, 1) * y)", ROW, POS)
    row(
        "rt.average_share_jvp",
        "np.sum(rt.average_share_jvp(x, np.ones((3, 4)), np.linspace(0.5, 1.5, 4), 1) * y)",
        ROW,
        POS,
    )
    row(
        "rt.average_share_vjp",
        "np.sum(rt.average_share_vjp(x, x, np.linspace(0.5, 1.5, 4), 1) ** 2)",
        POS,
    )
    vector = rng.standard_normal(5)
    for ord_ in [None, 1, 2, 3, "np.inf", "-np.inf"]:
        row("np.linalg.norm", f"np.linalg.norm(x, {ord_})", vector)
        row("np.linalg.norm", f"np.sum(np.linalg.norm(x, {ord_}, axis=1) ** 2)", POS)
    for ord_ in [None, "'fro'", "'nuc'", 2, -2, 1, -1, "np.inf", "-np.inf"]:
        row("np.linalg.norm", f"np.linalg.norm(x, {ord_}) + np.sum(x ** 2)", UNIT)
    row("np.linalg.norm", "np.sum(np.linalg.norm(x, 'fro', axis=(0, 2), keepdims=True) * y)",
        cube, rng.standard_normal((1, 3, 1)))  # fmt: skip
    row("np.linalg.norm", "np.linalg.norm(x)", cube)
    for name in ["cumsum", "cumprod"]:
        row(f"np.{name}", f"np.sum(np.{name}(x) * y)", POS, rng.standard_normal(12))
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=1) * y)", POS, rng.standard_normal((3, 4)))
        row(f"np.{name}", f"np.sum(x.{name}(0) * y)", zeros, rng.standard_normal((3, 4)))
    row("np.trace", "np.trace(x) + np.trace(x, 1) * x.trace(-1)", POS)
    row("np.trace", "np.sum(np.trace(x, 0, 2, 1) ** 2)", cube)


def linalg_rows() -> None:
    a, v, b = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2))
    stack = rng.standard_normal((2, 3, 4))
    matmuls = [("operator.matmul", "x @ y"), ("np.matmul", "np.matmul(x, y)")]
    matmuls.append(("np.linalg.matmul", "np.linalg.matmul(x, y)"))
    for name, call in matmuls:
        for x, y in [(a, v), (v, b), (a, b), (stack, b), (v, v)]:
            row(name, f"np.sum(({call}) ** 2)", x, y)
    for x, y in [(a, v), (v, b), (a, b), (v, v), (2.0, a)]:
        row("np.dot", "np.sum(np.dot(x, y) ** 2)", x, y)
        row("np.inner", "np.sum(np.inner(x, y) ** 2)", x, v if np.ndim(x) else y)
    row("np.cross", "np.sum(np.cross(x, y) ** 2)", rng.standard_normal((4, 3)),
        rng.standard_normal(3))  # fmt: skip
    row("np.outer", "np.sum(np.outer(x, y) ** 2)", v, a)
    row("np.vdot", "np.vdot(x, y) ** 2", a, rng.standard_normal(12))
    row("np.tensordot", "np.sum(np.tensordot(x, y, 1) ** 2)", a, b)
    row("np.tensordot", "np.sum(np.tensordot(x, y, axes=((1, 0), (0, 2))) ** 2)",
        stack, rng.standard_normal((3, 5, 2)))  # fmt: skip
    row("np.tensordot", "np.tensordot(x, y)", a, a)
    for spec, args in [
        ("'ij,jk->ik'", (a, b)),
        ("'ij->'", (a,)),
        ("'ij->j'", (a,)),
        ("'i,i'", (v, v)),
        ("'...ij,jk->...ik'", (stack, b)),
        ("'ij,j->i'", (a, v)),
        ("'i,ij,j->'", (rng.standard_normal(3), a, v)),
        ("'ji'", (a,)),
        ("'ij,kl->ijkl'", (a, b)),
    ]:
        operands = ", ".join(["x", "y", "w"][: len(args)])
        row("np.einsum", f"np.sum(np.einsum({spec}, {operands}) ** 2)", *args)
    row("np.einsum", "np.sum(np.einsum('ij,jk', x, y, optimize=True) ** 2)", a, b)
    square = rng.standard_normal((3, 3)) + 3.0 * np.eye(3)
    spd = square @ square.T + np.eye(3)
    row("np.linalg.inv", "np.sum(np.linalg.inv(x) * y)", square, a[:, :3])
    row("np.linalg.inv", "np.sum(np.linalg.inv(x) ** 2)", np.stack([square, spd]))
    row("np.linalg.solve", "np.sum(np.linalg.solve(x, y) ** 2)", square, v[:3])
    row("np.linalg.solve", "np.sum(np.linalg.solve(x, y) ** 2)", square, b[:3])
    row("np.linalg.det", "np.linalg.det(x)", square)
    row("np.linalg.det", "np.sum(np.linalg.det(x) ** 2)", np.stack([square, spd]))
    row("np.linalg.slogdet", "np.linalg.slogdet(x)[1] * 2.0", square)
    row("np.linalg.slogdet", "_logdet(x)", spd)
    row("np.linalg.cholesky", "np.sum(np.linalg.cholesky(x) * y)", spd, square)
    row("np.linalg.eigh", "_eigh(x, y)", spd, a[:, :3])
    row("np.linalg.eigh", "np.sum(np.linalg.eigh(x, 'U')[0] * y[0])", spd, a[:, :3])
    row("np.linalg.eigvalsh", "np.sum(np.linalg.eigvalsh(x) * y)", spd, v[:3])
    row("np.linalg.svd", "np.sum(np.linalg.svd(x, compute_uv=False) ** 3)", a)
    row("np.linalg.svd", "_svd(x, y)", a, square)
    row("np.linalg.svd", "_svd(x, y)", a.T, square)
    row("np.linalg.qr", "_qr(x, y)", a.T, square)  # tall
    row("np.linalg.qr", "_qr(x, y)", a, square)  # wide
    row("np.linalg.qr", "np.sum(np.linalg.qr(x, mode='r') ** 2)", a.T)
    row("np.linalg.qr", "_qr(x, y)", square, a.T)
    row("np.linalg.multi_dot", "np.sum(np.linalg.multi_dot([x, y.T, x]) ** 2)", a, POS)
    row("np.linalg.multi_dot", "np.linalg.multi_dot([x[0], y.T, x[:, 0]])", a, POS)
    row("np.cov", "np.sum(np.cov(x) * y[:3, :3])", POS, UNIT)
    row("np.cov", "np.sum(np.cov(x, rowvar=False) ** 2)", POS)
    row("np.cov", "np.sum(np.cov(x[0], y[1], ddof=0) ** 2) + np.cov(x[2], bias=True)", POS, UNIT)
    row("np.corrcoef", "np.sum(np.corrcoef(x) * y[:3, :3])", POS, UNIT)
    row("np.corrcoef", "np.corrcoef(x[0], y[1])[0, 1]", POS, UNIT)
    row("np.vander", "np.sum(np.vander(x[0], 3) ** 2)", UNIT)
    row("np.vander", "np.sum(np.vander(x[1], increasing=True)[:3] * y)", UNIT, POS)


def _helpers_source() -> str:
    """Small functions rows call: several statements, tuple results, element updates."""
    return """
def _set(x, y):
    z = x * 1.0
    z[1] = y
    z[0, 1:3] += y[:2]
    z[z > 1.5] = 1.5
    z[[2, 0, 2], 3] = y[:3] * 2.0  # position (2, 3) is written twice: only the last value stays
    return z


def _logdet(x):
    sign, logdet = np.linalg.slogdet(x)
    return logdet * sign


def _eigh(x, y):
    w, v = np.linalg.eigh(x)
    return np.sum(w * y[0]) + np.sum(v * v * y)  # v * v: the same for either sign of v


def _split(x, y):
    a, b = np.split(x, 2, axis=1)
    return np.sum(a * y[:, :2]) + np.sum(b ** 2)


def _qr(x, y):
    q, r = np.linalg.qr(x)
    return np.sum(np.sin(q)) + np.sum(r ** 2) * y[0, 0]


def _svd(x, y):
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    return np.sum(s * y[0]) + np.sum((u * u) @ y) + np.sum(y @ (vt * vt))


class _Pair(typing.NamedTuple):
    a: object
    b: object


class _Box:
    def __init__(self, a, b):
        self.a = a
        self.b = b * 2.0
"""


NONDIFF_ROWS = {
    "np.shape": "x * len(np.shape(x))",
    "np.size": "x * np.size(x)",
    "np.ndim": "x * np.ndim(x)",
    "np.isscalar": "x * (2.0 if np.isscalar(x) else 3.0)",
    "np.iterable": "x * (2.0 if np.iterable(x) else 3.0)",
    "len": "np.sum(x) * len(x)",
    "int": "x * int(x)",
    "round": "x * round(x)",
    "np.floor": "x * np.floor(x)",
    "np.ceil": "x * np.ceil(x)",
    "np.trunc": "x * np.trunc(x)",
    "np.rint": "x * np.rint(x)",
    "np.round": "x * np.round(x)",
    "np.around": "x * np.around(x)",
    "np.sign": "x * np.sign(x)",
    "np.floor_divide": "x * np.floor_divide(x, 0.7)",
    "math.floor": "x * math.floor(x)",
    "math.ceil": "x * math.ceil(x)",
    "math.trunc": "x * math.trunc(x)",
    "operator.floordiv": "x * (x // 0.7)",
    "operator.not_": "x * (not x)",
    "np.zeros_like": "np.sum(x * np.zeros_like(x))",
    "np.ones_like": "np.sum(x * np.ones_like(x))",
    "operator.lt": "x * (x < 1.0)",
    "operator.le": "x * (x <= 1.0)",
    "operator.gt": "x * (x > 1.0)",
    "operator.ge": "x * (x >= 1.0)",
    "operator.eq": "x * (x == 1.0)",
    "operator.ne": "x * (x != 1.0)",
    "operator.is_": "x * (x is None)",
    "operator.is_not": "x * (x is not None)",
    "bool": "x * bool(x)",
    "isinstance": "np.sum(x * isinstance(x, np.ndarray))",
    "issubclass": "np.sum(x * issubclass(type(x), np.ndarray))",
    "callable": "np.sum(x * (not callable(x)))",
    "hasattr": "np.sum(x * hasattr(x, 'shape'))",
    "range": "x * len(range(3))",
    "np.empty_like": "np.sum(x * np.empty_like(x).shape[0])",
    "np.zeros": "np.sum(x * np.zeros(np.shape(x)))",
    "np.ones": "np.sum(x * np.ones(len(x)))",
    "np.empty": "np.sum(x * len(np.empty(len(x))))",
    "np.eye": "np.sum(x * np.eye(len(x))[0])",
    "np.identity": "np.sum(x * np.identity(len(x))[1])",
    "np.result_type": "np.sum(x * np.zeros(len(x), x.dtype) + x)",
    "np.fix": "np.sum(x * np.fix(x * 2.0))",
    "np.heaviside": "np.sum(x * np.heaviside(x - 1.0, 0.5))",
    "np.signbit": "np.sum(x * np.signbit(x - 1.0))",
    "np.argmax": "np.sum(x * np.argmax(x)) + x[x.argmax()]",
    "np.argmin": "np.sum(x * np.argmin(x)) + x[x.argmin()]",
    "np.argsort": "np.sum(x * np.argsort(x)) + np.sum(x[x.argsort()] * x)",
    "np.argwhere": "np.sum(x * len(np.argwhere(x > 1.0)))",
    "np.nonzero": "np.sum(x[np.nonzero(x > 1.0)] ** 2)",
    "np.flatnonzero": "np.sum(x[np.flatnonzero(x > 1.0)] ** 2)",
    "np.searchsorted": "np.sum(x * np.searchsorted(np.sort(x), 1.0))",
    "np.digitize": "np.sum(x * np.digitize(x, np.array([0.5, 1.0, 1.5])))",
    "np.count_nonzero": "np.sum(x * np.count_nonzero(x > 1.0))",
    "np.any": "np.sum(x * np.any(x > 1.0)) + np.sum(x * (x > 1.9).any())",
    "np.all": "np.sum(x * np.all(x > 1.0)) + np.sum(x * (x > 0.0).all())",
    "np.isnan": "np.sum(x * np.isnan(x))",
    "np.isinf": "np.sum(x * np.isinf(x))",
    "np.isfinite": "np.sum(x * np.isfinite(x))",
    "np.isclose": "np.sum(x * np.isclose(x, 1.0))",
    "np.allclose": "np.sum(x * np.allclose(x, 1.0))",
    "np.array_equal": "np.sum(x * np.array_equal(x, x))",
    "np.less": "np.sum(x * np.less(x, 1.0))",
    "np.less_equal": "np.sum(x * np.less_equal(x, 1.0))",
    "np.greater": "np.sum(x * np.greater(x, 1.0))",
    "np.greater_equal": "np.sum(x * np.greater_equal(x, 1.0))",
    "np.equal": "np.sum(x * np.equal(x, 1.0))",
    "np.not_equal": "np.sum(x * np.not_equal(x, 1.0))",
    "np.logical_and": "np.sum(x * np.logical_and(x > 0.7, x < 1.5))",
    "np.logical_or": "np.sum(x * np.logical_or(x > 1.5, x < 0.7))",
    "np.logical_not": "np.sum(x * np.logical_not(x > 1.0))",
    "np.logical_xor": "np.sum(x * np.logical_xor(x > 0.7, x < 1.5))",
    "operator.and_": "np.sum(x * ((x > 0.7) & (x < 1.5)))",
    "operator.or_": "np.sum(x * ((x > 1.5) | (x < 0.7)))",
    "operator.xor": "np.sum(x * ((x > 0.7) ^ (x < 1.5)))",
    "operator.invert": "np.sum(x * ~(x > 1.0))",
    "math.isnan": "x * math.isnan(x)",
    "math.isinf": "x * math.isinf(x)",
    "math.isfinite": "x * math.isfinite(x)",
    "math.isclose": "x * math.isclose(x, 1.0)",
    "s2s_ad.stop_gradient": "np.sum(x * s2s_ad.stop_gradient(x - x) + x)",
    # a string's methods: text, truth values, positions (ssa/strings.py)
    "str.upper": "x * len('ab'.upper())",
    "str.lower": "x * len('AB'.lower())",
    "str.casefold": "x * len('AB'.casefold())",
    "str.title": "x * len('ab cd'.title())",
    "str.capitalize": "x * len('ab'.capitalize())",
    "str.swapcase": "x * len('aB'.swapcase())",
    "str.strip": "x * len(' ab '.strip())",
    "str.lstrip": "x * len(' ab '.lstrip())",
    "str.rstrip": "x * len(' ab '.rstrip())",
    "str.split": "x * len('a b c'.split())",
    "str.rsplit": "x * len('a,b'.rsplit(','))",
    "str.splitlines": "x * len('a\\nb'.splitlines())",
    "str.startswith": "x * (2.0 if 'w1'.startswith('w') else 3.0)",
    "str.endswith": "x * (2.0 if 'w1'.endswith('2') else 3.0)",
    "str.replace": "x * len('abc'.replace('b', 'xy'))",
    "str.format": "x * len('{}-{}'.format(1, 2))",
    "str.join": "x * len(', '.join(['a', 'b']))",
    "str.zfill": "x * len('7'.zfill(3))",
    "str.center": "x * len('a'.center(5))",
    "str.ljust": "x * len('a'.ljust(4))",
    "str.rjust": "x * len('a'.rjust(3))",
    "str.isdigit": "x * (2.0 if '12'.isdigit() else 3.0)",
    "str.isalpha": "x * (2.0 if '12'.isalpha() else 3.0)",
    "str.removeprefix": "x * len('w1'.removeprefix('w'))",
    "str.removesuffix": "x * len('w1'.removesuffix('1'))",
    "str.partition": "x * len('a=b'.partition('='))",
    "str.rpartition": "x * len('a=b=c'.rpartition('='))",
    "str.expandtabs": "x * len('a\\tb'.expandtabs(4))",
    "str.encode": "x * len('ab'.encode())",
}


def shape_rows() -> None:
    cube = rng.standard_normal((2, 3, 4))
    row("np.transpose", "np.sum(np.transpose(x) @ y)", POS, rng.standard_normal((3, 2)))
    row("np.transpose", "np.sum(x.T @ y)", POS, rng.standard_normal((3, 2)))
    row(
        "np.transpose",
        "np.sum(np.transpose(x, (2, 0, 1)) * y)",
        cube,
        rng.standard_normal((4, 2, 3)),
    )
    row("np.transpose", "np.sum(x.transpose((1, 2, 0)) * y)", cube, rng.standard_normal((3, 4, 2)))
    row("np.reshape", "np.sum(np.reshape(x, (4, 3)) * y)", POS, rng.standard_normal((4, 3)))
    row("np.reshape", "np.sum(x.reshape(2, 6) * y)", POS, rng.standard_normal((2, 6)))
    row("np.ravel", "np.sum(np.ravel(x) * y)", POS, rng.standard_normal(12))
    row("np.ravel", "np.sum(x.flatten() * y)", POS, rng.standard_normal(12))
    row("np.copy", "np.sum(np.copy(x) * x.copy())", POS)
    row("np.float64", "np.float64(x) * x", 1.3)
    row("np.expand_dims", "np.sum(np.expand_dims(x, 1) * y)", ROW, POS[:, :, None][:1])
    row(
        "np.squeeze",
        "np.sum(np.squeeze(x) * y) + np.sum(x.squeeze(1))",
        COL,
        rng.standard_normal(3),
    )
    row("np.atleast_1d", "np.sum(np.atleast_1d(x) * y)", 1.3, ROW)
    row("np.atleast_2d", "np.sum(np.atleast_2d(x) * y)", ROW, POS)
    row("np.broadcast_to", "np.sum(np.broadcast_to(x, (3, 4)) * y)", ROW, POS)
    row("np.broadcast_to", "np.sum(np.broadcast_to(x, (2, 3, 4)) * y)", COL, cube)
    row("np.swapaxes", "np.sum(np.swapaxes(x, 0, 2) * y) + np.sum(x.swapaxes(1, 2)[0])",
        cube, rng.standard_normal((4, 3, 2)))  # fmt: skip
    row("np.moveaxis", "np.sum(np.moveaxis(x, 0, -1) * y)", cube, rng.standard_normal((3, 4, 2)))
    row("np.moveaxis", "np.sum(np.moveaxis(x, (0, 1), (2, 0)) * y)", cube,
        rng.standard_normal((3, 4, 2)))  # fmt: skip
    row("np.flip", "np.sum(np.flip(x) * y) + np.sum(np.flip(x, 1) * y)", POS, POS)
    row("np.fliplr", "np.sum(np.fliplr(x) * y)", POS, UNIT)
    row("np.flipud", "np.sum(np.flipud(x) * y)", POS, UNIT)
    row("np.roll", "np.sum(np.roll(x, 2) * y) + np.sum(np.roll(x, (1, -1), (0, 1)) * y)", POS, UNIT)
    row("np.roll", "np.sum(np.roll(x, -1, axis=1) * y)", POS, UNIT)
    row("np.rot90", "np.sum(np.rot90(x) * y)", POS, UNIT.T)
    row("np.rot90", "np.sum(np.rot90(x, 3, (1, 2)) * y)", cube, rng.standard_normal((2, 4, 3)))
    row("np.tile", "np.sum(np.tile(x, 2) ** 2 * np.arange(8.0))", ROW)
    row("np.tile", "np.sum(np.tile(x, (2, 1, 3)) * y)", POS, rng.standard_normal((2, 3, 12)))
    row("np.repeat", "np.sum(np.repeat(x, 2) * y)", POS, rng.standard_normal(24))
    row(
        "np.repeat", "np.sum(np.repeat(x, [1, 0, 3], axis=0) * y)", POS, rng.standard_normal((4, 4))
    )
    row("np.repeat", "np.sum(x.repeat(3, 1) ** 2)", POS)
    row("np.triu", "np.sum(np.triu(x) * y) + np.sum(np.triu(x, -1) * y)", POS, UNIT)
    row("np.tril", "np.sum(np.tril(x, 1) * y)", POS, UNIT)
    row("np.diag", "np.sum(np.diag(x) * y)", ROW, rng.standard_normal((4, 4)))
    row("np.diag", "np.sum(np.diag(x, 1) ** 2) + np.sum(np.diag(x) ** 3)", POS)
    row("np.diag", "np.sum(np.diag(x, -1) * y)", ROW, rng.standard_normal((5, 5)))
    row("np.diagonal", "np.sum(np.diagonal(x) ** 2) + np.sum(x.diagonal(1))", POS)
    row("np.diagonal", "np.sum(np.diagonal(x, 0, 2, 0) * y)", cube, rng.standard_normal((3, 2)))
    for mode in ["constant", "edge", "reflect", "symmetric", "wrap"]:
        row("np.pad", f"np.sum(np.pad(x, ((1, 2), (2, 1)), '{mode}') * y)", POS,
            rng.standard_normal((6, 7)))  # fmt: skip
    row("np.pad", "np.sum(np.pad(x, 1, constant_values=2.0) ** 2)", ROW)
    row("np.diff", "np.sum(np.diff(x) * y)", POS, UNIT[:, :3])
    row("np.diff", "np.sum(np.diff(x, 2, axis=0) ** 2)", POS)
    row("np.sort", "np.sum(np.sort(x) * y)", POS, UNIT)
    row("np.sort", "np.sum(np.sort(x, axis=0) * y) + np.sum(np.sort(x, None) * w)", POS, UNIT,
        rng.standard_normal(12))  # fmt: skip
    row("np.ndarray.astype", "np.sum(x.astype(np.float64) * y)", POS, UNIT)
    row("np.ndarray.astype", "np.sum(x * x.astype(int)) + np.sum(x.astype(np.float64))", BIG)


def joining_rows() -> None:
    row("rt.append", "np.sum(np.array([x, y * 2.0, x * y]) ** 2)", 1.3, 0.4)
    row("rt.sequence", "np.sum(rt.sequence(x) * y) + rt.sequence([x, y])[1][0]", ROW, ROW)
    row("np.array", "np.sum(np.array([x, y]) * np.array(x))", ROW, ROW)
    row("np.asarray", "np.sum(np.asarray([x, y]) ** 2) + np.sum(np.asarray(x))", ROW, ROW)
    row("np.stack", "np.sum(np.stack([x, y * y]) ** 2)", ROW, ROW)
    row("np.stack", "np.sum(np.stack([x, y], axis=1) * np.stack([y, x], -2))", POS, POS)
    row("sum", "np.sum(sum([x, y, x * y]) ** 2)", ROW, ROW)
    row(
        "tuple", "np.sum(np.concatenate((x, y * 2.0)) ** 2) + np.sum(np.stack((y, x))[1])", ROW, ROW
    )
    # lists and tuples joined and repeated (`+`, `*`), `list()`, an item read for `L[i] += v`
    row("rt.concat", "np.sum(np.array([x] + [y * 2.0, x]) * w)", ROW, ROW, POS)
    row("rt.concat", "np.sum(np.stack((x, y) + (y * x,)) ** 2)", ROW, ROW)
    row("rt.extend", "np.sum(np.array(rt.extend([x, y], (y * x,))) ** 2)", ROW, ROW)
    row("rt.repeat", "np.sum(np.array([x, y] * 2) * w)", ROW, ROW, rng.standard_normal((4, 4)))
    row("rt.repeat", "sum(3 * [x * y]) + sum((x,) * 2)", 1.3, 0.7)
    row("list", "np.sum(np.array(list(x)) ** 2) + list((x, y))[1][0, 0]", POS, POS)
    row("rt.immutable_item", "rt.immutable_item(x) * y", 1.3, 0.7)
    row("rt.reflected_operand", "rt.reflected_operand(x * y) * x", 1.3, 0.7)
    row("rt.followed_operand", "np.sum(rt.followed_operand(x * y) * x)", ROW, ROW)
    row("rt.right_operand", "np.sum(rt.right_operand(x * y, y, '__radd__') * x)", ROW, ROW)
    row("rt.implemented", "np.sum(rt.implemented(x * y, 'A.__add__') * x)", ROW, ROW)
    row("rt.plus", "np.sum(rt.plus(x, y * x) * y)", ROW, ROW)
    row("rt.summand", "np.sum(rt.summand(x * y, y) * x)", ROW, ROW)
    row("rt.deep_copy", "np.sum(rt.deep_copy([x, {'a': y * x}])[1]['a'] * x)", ROW, ROW)
    row("rt.front", "np.sum(np.array(rt.front([x, y, x * y], [y, y])) ** 2)", ROW, ROW)
    row("rt.back", "np.sum(np.array(rt.back([x, y, x * y], [y, y])) ** 2)", ROW, ROW)
    row("rt.place", "np.sum(np.array(rt.place([x, y * y], True, [x, x, y])) ** 2)", ROW, ROW)
    row("rt.place", "np.sum(np.array(rt.place([x * y], False, [x, y])) * w)", ROW, ROW, POS[:2])
    row("rt.repeated_vjp", "np.sum(np.array(rt.repeated_vjp([x, y, x * y, y], [x, y], 2)) ** 2)",
        ROW, ROW)  # fmt: skip
    row("rt.sequence_vjp", "np.sum(rt.sequence_vjp([x, y * 2.0, x], w) * w)", ROW, ROW, POS)
    row("rt.sequence_vjp", "np.sum(np.array(rt.sequence_vjp([x, y], [x, y])) ** 2)", ROW, ROW)
    row("rt.sequence_jvp", "np.sum(np.array(rt.sequence_jvp([x, y * x], [x, y])) ** 2)", ROW, ROW)
    row(
        "rt.sequence_jvp", "np.sum(np.array(rt.sequence_jvp(x * y, x, 'tuple')) * w)", ROW, ROW, POS
    )
    row("np.concatenate", "np.sum(np.concatenate([x, y, x]) * w)", ROW, COL[:, 0],
        rng.standard_normal(11))  # fmt: skip
    row("np.concatenate", "np.sum(np.concatenate([x, y], axis=1) ** 2)", POS, COL)
    row("np.concatenate", "np.sum(np.concatenate([x, y], axis=None) * w)", POS, ROW,
        rng.standard_normal(16))  # fmt: skip
    row("np.hstack", "np.sum(np.hstack([x, y]) * np.arange(7.0))", ROW, COL[:, 0])
    row("np.hstack", "np.sum(np.hstack([x, y]) ** 2)", POS, COL)
    row("np.vstack", "np.sum(np.vstack([x, y]) ** 2)", POS, ROW)
    row("np.vstack", "np.sum(np.vstack([x, y]) * w)", ROW, ROW, rng.standard_normal((2, 4)))
    row("np.row_stack", "np.sum(np.row_stack([x, y]) * w)", ROW, ROW, rng.standard_normal((2, 4)))
    row("np.row_stack", "np.sum(np.row_stack((x, y)) ** 2)", POS, ROW)
    row("np.asarray_chkfinite", "np.sum(np.asarray_chkfinite(x) ** 2)", POS)
    row("np.asanyarray", "np.sum(np.asanyarray([x, y]) ** 2) + np.sum(np.asanyarray(x))", ROW, ROW)
    row("np.ascontiguousarray", "np.sum(np.ascontiguousarray(x.T) ** 3)", POS)
    row("np.asfortranarray", "np.sum(np.asfortranarray(x) ** 3)", POS)
    row("np.full_like", "np.sum(np.full_like(x, y[0, 1]) * x)", POS, UNIT)
    row("np.full", "np.sum(np.full((2, 3), x * 2.0) * y)", 1.3, UNIT[:2, :3])
    row("np.split", "_split(x, y)", POS, UNIT)
    row("np.split", "np.sum(np.split(x, [1, 3], axis=1)[1] ** 2)", POS)
    row("np.array_split", "np.sum(np.array_split(x, 3)[2] * y)", ROW, rng.standard_normal(1))


def indexing_rows() -> None:
    cube = rng.standard_normal((2, 3, 4))
    row("operator.getitem", "np.sum(x[1]) * np.sum(x[:, 2])", POS)
    row("operator.getitem", "np.sum(x[1:3, ::2] ** 2) + x[0, -1]", POS)
    row("operator.getitem", "np.sum(x[None, ..., 1] ** 2)", cube)
    row("operator.getitem", "np.sum(x[y] ** 2)", POS, np.array([0, 2, 0]))  # a repeated row
    row("operator.getitem", "np.sum(x[y, y] * w)", POS, np.array([1, 1, 2]), ROW[:3])
    row("operator.getitem", "np.sum(x[x > 1.0] ** 2)", POS)
    row("rt.setitem", "np.sum(_set(x, y) ** 2)", POS, ROW)
    row("np.take", "np.sum(np.take(x, y) ** 2)", POS, np.array([0, 5, 5, 11]))
    row("np.take", "np.sum(np.take(x, y, axis=1) * w)", POS, np.array([3, 0, 3]), UNIT[:, :3])
    row("np.take", "np.sum(x.take(y, 0) ** 2)", POS, np.array([[2, 2], [0, 1]]))
    row("np.take_along_axis", "np.sum(np.take_along_axis(x, y, axis=1) ** 2)", POS,
        np.array([[0, 0], [3, 1], [2, 2]]))  # fmt: skip
    row("np.take_along_axis", "np.sum(np.take_along_axis(x, y, 0) * w)", POS,
        np.array([[2, 0, 1, 1]]), ROW[None, :])  # fmt: skip


def special_rows() -> None:
    for name in ["expit", "erf", "erfc", "ndtr", "log_ndtr"]:
        row(f"scipy.special.{name}", f"np.sum(scipy.special.{name}(x) * y)", UNIT, POS)
    probabilities = rng.uniform(0.1, 0.9, size=(3, 4))
    row("scipy.special.logit", "np.sum(scipy.special.logit(x) * y)", probabilities, POS)
    row("scipy.special.erfinv", "np.sum(scipy.special.erfinv(x) * y)", UNIT, POS)
    for name in ["gammaln", "gamma", "digamma"]:
        row(f"scipy.special.{name}", f"np.sum(scipy.special.{name}(x) * y)", POS, UNIT)
    row("scipy.special.xlogy", "np.sum(scipy.special.xlogy(x, y))", POS, ROW)
    row("scipy.special.polygamma", "np.sum(scipy.special.polygamma(1, x) * y)", POS, ROW)
    row("scipy.special.polygamma", "scipy.special.polygamma(2, x) * 2.0", 1.3)
    row("scipy.special.logsumexp", "scipy.special.logsumexp(x)", UNIT)
    row("scipy.special.logsumexp", "np.sum(scipy.special.logsumexp(x, axis=1) ** 2)", UNIT)
    row("scipy.special.logsumexp", "np.sum(scipy.special.logsumexp(x, 0, y, True) * x)", UNIT, POS)
    row("scipy.special.softmax", "np.sum(scipy.special.softmax(x, axis=1) * y)", UNIT, POS)
    row("scipy.special.softmax", "np.sum(scipy.special.softmax(x) * y)", UNIT, POS)
    row("scipy.special.log_softmax", "np.sum(scipy.special.log_softmax(x, 0) * y)", UNIT, POS)


def special_function_rows() -> None:
    """scipy.special's gamma, beta, Bessel and inverse functions (issue 18), `math.lgamma`."""
    sp = "scipy.special"
    probabilities = rng.uniform(0.1, 0.9, size=(3, 4))
    for name, x in [("rgamma", POS), ("erfcinv", probabilities * 1.8), ("ndtri", probabilities),
                    ("entr", POS), ("j0", POS), ("j1", POS), ("y0", POS), ("y1", POS),
                    ("i0", UNIT), ("i1", UNIT)]:  # fmt: skip
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(x) * y)", x, UNIT)
        row(f"{sp}.{name}", f"{sp}.{name}(x) * 2.0", float(x[1, 2]))
    for name in ["beta", "betaln", "xlog1py"]:
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(x, y) * w)", POS, ROW, UNIT)
        row(f"{sp}.{name}", f"{sp}.{name}(x, y)", 1.3, 0.7)
    orders = "np.array([[0.5], [1.0], [2.5]])"  # broadcast against a row of arguments
    for name in ["jv", "yv", "iv", "ive", "kv"]:
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(1.5, x) * y)", POS, UNIT)
        row(f"{sp}.{name}", f"np.sum({sp}.{name}({orders}, x) * y)", ROW, UNIT)
        row(f"{sp}.{name}", f"{sp}.{name}(0, x) * {sp}.{name}(2, x)", 1.3)
    row(f"{sp}.ive", f"np.sum({sp}.ive(1.0, x) * y)", -POS, UNIT)  # |z|, integer order
    row(f"{sp}.jv", f"np.sum({sp}.jn(2, x) * y)", POS, UNIT)  # jn is jv
    row(f"{sp}.yn", f"np.sum({sp}.yn(np.array([0, 1, 3, 2]), x) * y)", POS, UNIT)
    row(f"{sp}.yn", f"{sp}.yn(1, x) * 2.0", 1.3)
    row(f"{sp}.polygamma", f"np.sum({sp}.polygamma(np.array([[0], [1], [2]]), x) * y)", ROW, UNIT)
    for name in ["gammainc", "gammaincc"]:
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(2.5, x) * y)", POS, UNIT)
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(np.array([[0.7], [1.0], [3.0]]), x))", ROW)
        row(f"{sp}.{name}", f"{sp}.{name}(0.6, x) * 2.0", 1.3)
    row(f"{sp}.betainc", f"np.sum({sp}.betainc(2.5, 0.8, x) * y)", probabilities, UNIT)
    # session 37's
    for name, x in [("log1p", POS), ("expm1", UNIT), ("loggamma", POS)]:
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(x) * y)", x, UNIT)
    for name in ["rel_entr", "kl_div"]:
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(x, y) * w)", POS, ROW, UNIT)
    for name in ["huber", "pseudo_huber"]:
        row(f"{sp}.{name}", f"np.sum({sp}.{name}(x, y * 3.0) * w)", POS, UNIT, UNIT)
    row(f"{sp}.boxcox", f"np.sum({sp}.boxcox(x, 0.5) * y)", POS, UNIT)
    row(f"{sp}.betainc", f"{sp}.betainc(0.7, 3.0, x) * 2.0", 0.4)
    row(f"{sp}.multigammaln", f"np.sum({sp}.multigammaln(x, 3) * y)", BIG, UNIT)
    row(f"{sp}.multigammaln", f"{sp}.multigammaln(x, d=1) + {sp}.multigammaln(x, 4)", 2.2)
    row(f"{sp}.gammasgn", f"np.sum({sp}.gammasgn(x) * x)", UNIT)
    signed = np.where(np.arange(4) == 1, -0.3, 1.0) * POS  # Σ b·exp(x) > 0 in each row
    lse = f"{sp}.logsumexp"
    row(f"{sp}.logsumexp", f"np.sum({lse}(x, 1, y, return_sign=True)[0] * w[:, 0])", UNIT,
        signed, POS)  # fmt: skip
    row(f"{sp}.logsumexp", f"np.sum({lse}(x, b=-y, axis=0, return_sign=True)[0] * w[0])", UNIT,
        POS, POS)  # a negative sum: the sign -1  # fmt: skip
    row(f"{sp}.logsumexp", f"{lse}(x, return_sign=True)[0] * {lse}(x, b=y, return_sign=True)[1]",
        UNIT, signed)  # fmt: skip
    row(f"{sp}.logsumexp", f"np.sum({lse}(x, 1, y, True, True)[0] ** 2)", UNIT, -signed)
    row("math.lgamma", "math.lgamma(x) * 2.0", 1.3)
    row("math.fsum", "math.fsum([x, y * x, 2.0]) * x", 1.3, 0.7)
    row("math.fsum", "math.fsum([x[i] * y for i in range(3)])", POS[0], 0.7)
    row("math.ldexp", "math.ldexp(x, 3) + math.ldexp(x * y, -2)", 1.3, 0.7)
    row("math.remainder", "math.remainder(x, y) ** 2", 5.2, 1.5)
    row("math.remainder", "math.remainder(x * 3.0, 0.7) * x", 1.3)
    for name, call in [("comb", "comb(5, 2)"), ("factorial", "factorial(3)"),
                       ("gcd", "gcd(4, 6)"), ("isqrt", "isqrt(10)"), ("lcm", "lcm(4, 6)"),
                       ("perm", "perm(5, 2)"), ("ulp", "ulp(x) * 1e10")]:  # fmt: skip
        row(f"math.{name}", f"x * math.{call}", 1.3)
    row("math.gamma", "math.gamma(x) * x", 0.6)


def stats_rows() -> None:
    """scipy.stats: each method with respect to the point, `loc`, `scale` and the shape
    parameters (where it has a closed form), positionally and by keyword."""
    import scipy.stats  # noqa: F401  (registers the rules, as a user's import would)

    methods = ["pdf", "logpdf", "cdf", "logcdf", "sf", "logsf"]
    inside = rng.uniform(0.2, 0.8, size=(3, 4))  # z in (0, 1) with loc 0.05, scale 1.1
    families = {  # name: (points, shape values, loc, scale)
        "norm": (UNIT, (), ROW - 1.0, 1.3),
        "logistic": (UNIT, (), ROW - 1.0, 1.3),
        "cauchy": (UNIT, (), ROW - 1.0, 1.3),
        "laplace": (UNIT + 0.05, (), 0.0, 1.3),  # away from the kink at loc
        "expon": (POS, (), 0.2, 1.3),
        "uniform": (POS, (), 0.1, 2.5),
        "t": (UNIT, (ROW + 2.0,), 0.1, 1.3),
        "gamma": (POS, (ROW + 1.0,), 0.2, 1.3),
        "chi2": (POS, (ROW + 2.0,), 0.2, 1.3),
        "beta": (inside, (ROW + 1.0, 2.5), 0.05, 1.1),
    }
    for name, (x, shapes, loc, scale) in families.items():
        call = f"scipy.stats.{name}"
        for method in methods:
            rule = f"{call}.{method}"
            if not shapes:
                row(rule, f"np.sum({call}.{method}(x, y, w))", x, loc, scale)
                row(rule, f"np.sum({call}.{method}(x, scale=y))", x, scale)
                scalars = float(x[1, 2]), float(np.ravel(loc)[0])
                row(rule, f"{call}.{method}(x, loc=y) * 2.0", *scalars)
                continue
            constants = ", ".join(repr(float(np.ravel(v)[0])) for v in shapes)
            row(rule, f"np.sum({call}.{method}(x, {constants}, y, w))", x, loc, scale)
            row(rule, f"np.sum({call}.{method}(x, {constants}, scale=w) * y)", x, UNIT, scale)
            if method in ("pdf", "logpdf"):  # the shape parameters too
                operands = ", ".join(["y", "w"][: len(shapes)])
                row(rule, f"np.sum({call}.{method}(x, {operands}, {loc}, {scale}))", x, *shapes)
                pairs = zip(rule_shapes(name), ["y", "w"][: len(shapes)], strict=True)
                keywords = ", ".join(f"{k}={v}" for k, v in pairs)
                row(rule, f"np.sum({call}.{method}(x, loc={loc}, {keywords}))", x, *shapes)
        if shapes:
            operands = ", ".join(["x", "y", "w"][: len(shapes)])
            entropy = f"{call}.entropy({operands}, scale={'xyw'[len(shapes)]})"
            row(f"{call}.entropy", entropy, *(float(np.ravel(v)[0]) for v in shapes), scale)
            row(f"{call}.entropy", f"np.sum({entropy})", *shapes, scale)
        else:
            row(f"{call}.entropy", f"{call}.entropy(x, y) * 2.0", 0.3, scale)
            row(f"{call}.entropy", f"np.sum({call}.entropy(scale=x))", ROW)
    multivariate_rows()
    counts = np.array([[0, 1, 3], [2, 5, 4]])  # integers: no derivative flows through k
    means = np.array([0.7, 2.5, 3.1])
    for method in ["pmf", "logpmf", "cdf", "logcdf", "sf", "logsf"]:
        rule = f"scipy.stats.poisson.{method}"
        row(rule, f"np.sum(scipy.stats.poisson.{method}(x, y) * w)", counts, means, POS[:2, :3])
        row(rule, f"np.sum(scipy.stats.poisson.{method}(x, mu=y, loc=1))", counts + 1, means)
        row(rule, f"scipy.stats.poisson.{method}(3, x)", 2.2)


def multivariate_rows() -> None:
    """multivariate_normal (a matrix `cov`, of which SciPy reads the lower triangle) and
    dirichlet (components on the first axis of the point)."""
    square = rng.standard_normal((3, 3))
    cov = square @ square.T + 2.0 * np.eye(3)
    cov[0, 2] += 0.4  # not symmetric: the upper triangle is not read
    points, mean = rng.standard_normal((5, 3)), rng.standard_normal(3)
    for method in ["logpdf", "pdf"]:
        rule = f"scipy.stats.multivariate_normal.{method}"
        call = f"scipy.stats.multivariate_normal.{method}"
        row(rule, f"np.sum({call}(x, y, w))", points, mean, cov)
        row(rule, f"{call}(x, y, w) * 2.0", mean * 0.5, mean, cov)  # one point
        row(rule, f"np.sum({call}(x, cov=y))", points, cov)  # mean left out: 0
        row(rule, f"{call}(x, mean=y, cov=w)", points[:1], mean, cov)  # one point, squeezed
        # points on the simplex (SciPy refuses others), moved along it by softmax
        logits, alpha = rng.standard_normal((3, 4)), np.array([1.5, 2.0, 3.2])
        rule = f"scipy.stats.dirichlet.{method}"
        on_simplex = "scipy.special.softmax(x.astype(np.float64), axis=0)"  # float32: off it
        row(rule, f"np.sum(scipy.stats.dirichlet.{method}({on_simplex}, y))", logits, alpha)
        row(rule, f"scipy.stats.dirichlet.{method}({on_simplex}, y) * 2.0", logits[:, 0], alpha)
    row("scipy.stats.multivariate_normal.entropy",
        "scipy.stats.multivariate_normal.entropy(x, y)", mean, cov)  # fmt: skip
    row("scipy.stats.multivariate_normal.entropy",
        "scipy.stats.multivariate_normal.entropy(cov=x)", cov)  # fmt: skip
    row("scipy.stats.dirichlet.entropy", "scipy.stats.dirichlet.entropy(x)", alpha)


def rule_shapes(name: str) -> list[str]:
    import scipy.stats

    return [s.strip() for s in getattr(scipy.stats, name).shapes.split(",")]


def runtime_rows() -> None:
    """The helpers derivative code calls, which second derivatives differentiate."""
    g, a, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    row("rt.zeros_like", "np.sum(x * rt.zeros_like(x) + x)", POS)
    row("rt.size", "np.sum(x * rt.size(x))", POS)
    row("rt.unshared", "np.sum(rt.unshared(x * 2.0, y, 'f.py', 1, 'm', 'h') * y)", POS, POS)
    row("rt.sole_item", "np.sum(rt.sole_item(x * 2.0, [y], 0, 'f.py', 1, 'm', 'h') * y)", POS, POS)
    row("rt.rebound", "rt.rebound(x * 2.0, 'f.py', 1, 'm', 'h') * y", 1.3, 0.7)
    row("rt.full_like", "np.sum(rt.full_like(x, y[0, 1]) * x)", POS, UNIT)
    row("rt.extremum_share", "np.sum(x * rt.extremum_share(x, np.max(x)))", POS)
    row("rt.count", "np.sum(x * rt.count(x, np.sum(x, axis=0)))", POS)
    row("rt.dof", "np.sum(x * rt.dof(x, np.sum(x, axis=0), 1))", POS)
    row("rt.leading_slice", "np.sum(x[rt.leading_slice(slice(1, 3))] * y)", POS, UNIT[:, 1:3])
    row("rt.hstack_axis", "np.sum(x * rt.hstack_axis([x, x]))", POS)
    row("rt.roll_back", "np.sum(x * rt.roll_back(2))", POS)
    row("rt.unbroadcast", "np.sum(rt.unbroadcast(x * y, y) * w)", POS, ROW, ROW)
    row("rt.unbroadcast", "rt.unbroadcast(x * y, 1.0) * 2.0", POS, ROW)
    row("rt.unreduce", "np.sum(rt.unreduce(x, y, 0, False) * y)", ROW, POS)
    row("rt.unreduce", "np.sum(rt.unreduce(x, y, None, False) * y)", 1.3, POS)
    row("rt.unreduce", "np.sum(rt.unreduce(x, y, (0, 1), True) * y)", COL[:1, :1], POS)
    row("rt.getitem_vjp", "np.sum(rt.getitem_vjp(x, y, (slice(1, 3), 0)) * y)", ROW[:2], POS)
    row("rt.getitem_vjp", "np.sum(rt.getitem_vjp(x, y, ([0, 0, 2],)) * y)", POS[:3], POS)
    row("rt.setitem_value_vjp", "np.sum(rt.setitem_value_vjp(x, y, (1,), x) * y)", POS, ROW)
    row(
        "rt.setitem_value_vjp", "np.sum(rt.setitem_value_vjp(x, y, ([0, 2, 0],), x) ** 2)", POS, ROW
    )
    row("rt.setitem_value_vjp", "rt.setitem_value_vjp(x, 1.0, (slice(None), 2), x) * 2.0", POS)
    row(
        "rt.setitem_value_vjp",
        "np.sum(rt.setitem_value_vjp(x, y, 1, np.ones((3, 4), int)))",
        POS,
        ROW,
    )
    row("rt.setitem_value_jvp", "np.sum(rt.setitem_value_jvp(x, y, (1,)) * y)", ROW, POS)
    row(
        "rt.setitem_value_jvp",
        "np.sum(rt.setitem_value_jvp(x, y, (slice(None), 2)) ** 2)",
        1.3,
        POS,
    )
    row("rt.sum_vjp", "np.sum(np.array(rt.sum_vjp(x, [y, y * 2.0])) * w)", ROW, ROW, POS[:2])
    row("rt.unstack", "np.sum(np.array(rt.unstack(x, [y, y])) ** 2)", POS[:2], ROW)
    row("rt.cumsum_vjp", "np.sum(rt.cumsum_vjp(x, x, 1) * y)", POS, UNIT)
    row("rt.cumsum_vjp", "np.sum(rt.cumsum_vjp(x, y, None) * y)", ROW.repeat(3), POS)
    row("rt.cast_like", "np.sum(rt.cast_like(x, y, np.float64) * y)", POS, UNIT)
    row("rt.matmul_vjp_left", "np.sum(rt.matmul_vjp_left(x, y, w) ** 2)", g, a, b)
    row("rt.matmul_vjp_left", "np.sum(rt.matmul_vjp_left(x, y, w) ** 2)", g[:, 0], a, b[:, 0])
    row("rt.matmul_vjp_right", "np.sum(rt.matmul_vjp_right(x, y, w) ** 2)", g, a, b)
    row("rt.matmul_vjp_right", "np.sum(rt.matmul_vjp_right(x, y, w) ** 2)", g[:, 0], a, b[:, 0])
    row("rt.mT", "np.sum(rt.mT(x) * y)", POS, UNIT.T)
    row("rt.centered", "np.sum(rt.centered(x, 1) ** 3) + np.sum(rt.centered(x) * y)", POS, UNIT)
    row("rt.xlogy", "np.sum(rt.xlogy(x, y))", POS, ROW)
    row("rt.pow_term", "np.sum(rt.pow_term(x, y, w))", UNIT, POS, ROW)
    row("rt.pow_term", "rt.pow_term(x, y, w) * 2.0", 1.3, 0.7, -0.6)
    row("rt.broadcast_tangent", "np.sum(rt.broadcast_tangent(x, y) * y)", ROW, POS)
    row("rt.as_array", "np.sum(rt.as_array(x) * y)", UNIT, POS)
    row("rt.cleared", "np.sum(rt.cleared(x, y, 1) ** 2)", POS, UNIT)
    row("rt.quotient_or_zero", "np.sum(rt.quotient_or_zero(x, y) ** 2)", UNIT, POS)
    row("rt.ratio", "np.sum(rt.ratio(x, y) ** 2)", UNIT, POS)
    row("rt.ratio", "rt.ratio(x, y) * 2.0", 1.3, 0.7)
    # every direction's row (3 of 4 elements each) scattered into zeros of the array's shape
    row(
        "rt.getitem_vjp_directions",
        "np.sum(rt.getitem_vjp_directions(x, y, slice(1, None)) * w)",
        POS[:, :3],
        ROW,
        UNIT,
    )
    row("rt.inverse_or_zero", "np.sum(rt.inverse_or_zero(x) * y)", POS, UNIT)
    row("rt.inverse_or_zero", "rt.inverse_or_zero(x) * 2.0", 1.3)
    row("rt.index_concat", "np.sum(rt.index_concat(np.r_, [x, 2.0, y]) ** 2)", ROW, COL[:, 0])
    row("rt.index_concat", "np.sum(rt.index_concat(np.c_, [x, y]) * w)", ROW[:3], COL, POS[:, :2])
    row("rt.index_concat_jvp", "np.sum(rt.index_concat_jvp([x, y], np.c_, [y, x]) ** 2)", COL, COL)
    row(
        "rt.index_concat_vjp",
        "np.sum(rt.index_concat_vjp(x, np.r_, [y, w])[1] ** 2)",
        POS[0],
        POS[1, :2],
        ROW[:2],
    )
    row("rt.broadcast_tangent", "np.sum(rt.broadcast_tangent(x, y) ** 2)", 1.3, COL)
    row("rt.broadcast_directions", "np.sum(rt.broadcast_directions(x, y) * w)", COL, ROW, POS)


def runtime_array_rows() -> None:
    """The array helpers of derivative code (`rules/runtime_arrays.py`): their own rules."""
    cube = rng.standard_normal((2, 3, 4))
    sq = rng.standard_normal((4, 4))
    vec = rng.uniform(0.5, 1.5, 4)
    row("rt.diff_vjp", "np.sum(rt.diff_vjp(x, 2, 0) * y)", UNIT[:1], POS)
    row("rt.diff_vjp", "np.sum(rt.diff_vjp(x) ** 2)", UNIT)
    row("rt.trace_vjp", "np.sum(rt.trace_vjp(x, y, 1) * y)", 1.3, POS)
    row("rt.trace_vjp", "np.sum(rt.trace_vjp(x, y, 0, 2, 1) ** 2)", ROW[:2], cube)
    row("rt.diagonal_vjp", "np.sum(rt.diagonal_vjp(x, y, 1) * y)", ROW[:3], POS)
    row(
        "rt.diagonal_vjp", "np.sum(rt.diagonal_vjp(x, y, 0, 2, 0) ** 2)", POS[:, :2], cube[:, :, :3]
    )
    row("rt.diag_vjp", "np.sum(rt.diag_vjp(x, y) * y)", sq, ROW)
    row("rt.diag_vjp", "np.sum(rt.diag_vjp(x, y, -1) ** 2)", ROW[:2], POS)
    row("rt.tile_vjp", "np.sum(rt.tile_vjp(x, y, (2, 1, 3)) * y)", rng.standard_normal((2, 3, 12)),
        POS)  # fmt: skip
    row("rt.tile_vjp", "np.sum(rt.tile_vjp(x, y, 2) ** 2)", rng.standard_normal(8), ROW)
    row("rt.repeat_vjp", "np.sum(rt.repeat_vjp(x, y, [1, 0, 3], 0) ** 2)", sq, POS[:3])
    row("rt.repeat_vjp", "np.sum(rt.repeat_vjp(x, y, 2) * y)", rng.standard_normal(24), POS)
    for mode in ["constant", "reflect", "wrap"]:
        row("rt.pad_vjp", f"np.sum(rt.pad_vjp(x, y, ((1, 2), (2, 1)), '{mode}') ** 2)",
            rng.standard_normal((6, 7)), POS)  # fmt: skip
    row("rt.take_vjp", "np.sum(rt.take_vjp(x, y, [0, 5, 5, 11]) ** 2)", ROW, POS)
    row("rt.take_vjp", "np.sum(rt.take_vjp(x, y, [3, 0, 3], 1) * y)", POS[:, :3], POS)
    row("rt.take_along_axis_vjp",
        "np.sum(rt.take_along_axis_vjp(x, y, np.array([[0, 0], [3, 1], [2, 2]]), 1) ** 2)",
        POS[:, :2], POS)  # fmt: skip
    row("rt.sort_jvp", "np.sum(rt.sort_jvp(x, y, 0) * w)", POS, UNIT, POS)
    row("rt.sort_jvp", "np.sum(rt.sort_jvp(x, y, None) ** 2)", POS, UNIT)
    row("rt.sort_vjp", "np.sum(rt.sort_vjp(x, y) * w)", POS, UNIT, POS)
    row("rt.sort_vjp", "np.sum(rt.sort_vjp(x, y, None) ** 2)", ROW.repeat(3), UNIT)
    row(
        "rt.concatenate_vjp",
        "np.sum(rt.concatenate_vjp(x, [y, w], 1)[1] ** 2)",
        POS,
        COL,
        POS[:, :3],
    )
    row("rt.concatenate_vjp",
        "np.sum(np.array(rt.concatenate_vjp(x, [y, y], 0, np.atleast_2d)) ** 2)",
        POS[:2], ROW)  # fmt: skip
    row("rt.joined_pieces", "np.sum(rt.joined_pieces([x, y * 2.0], [x, y], 1) * w)", POS, COL,
        rng.standard_normal((3, 5)))  # fmt: skip
    row("rt.joined_pieces", "np.sum(rt.joined_pieces([x, y], [x, y], None) ** 2)", POS, ROW)
    row("rt.Derivatives", "np.sum(np.array(rt.Derivatives(x * y)) ** 2)", POS, ROW)
    row("rt.Derivatives", "np.sum(np.array(rt.Derivatives([x, y * x])) * w)", ROW, ROW, POS[:2])
    row("rt.broadcast_sum", "np.sum(rt.broadcast_sum([x, y * y], w) * w)", ROW, COL, POS)
    row("rt.cast", "np.sum(rt.cast(x, np.float64) * y) + np.sum(rt.cast(x, int))", POS, UNIT)
    row("rt.along_last", "np.sum(rt.along_last(x, y, (0, 2)) ** 2)", cube, cube)
    row("rt.along_last", "np.sum(rt.along_last(x, y, 0) * w)", ROW, POS, POS.T)
    row("rt.from_last", "np.sum(rt.from_last(x, y, (0, 2)) * y)", rng.standard_normal((3, 8)), cube)
    row("rt.reshaped", "np.sum(rt.reshaped(x, y) * w)", POS, rng.standard_normal((2, 2)),
        rng.standard_normal((3, 2, 2)))  # fmt: skip
    dirs = rng.standard_normal((2, 2, 3, 4))  # two directions of a tangent of `cube`
    row("rt.transposed", "np.sum(rt.transposed(x, (2, 0, 1), y) * w)", dirs, cube,
        rng.standard_normal((2, 4, 2, 3)))  # fmt: skip
    row("rt.transposed", "np.sum(rt.transposed(x, None, y) ** 2)", dirs, cube)
    row("rt.untransposed", "np.sum(rt.untransposed(x, (2, 0, 1), y) * w)",
        rng.standard_normal((2, 4, 2, 3)), cube, dirs)  # fmt: skip
    row("rt.shifted", "np.sum(np.sum(x, axis=rt.shifted(0, x)) ** 2)", cube)
    row("rt.scatter_add", "np.sum(rt.scatter_add(x * 2.0, y, x, (slice(1, 3), 0)) * x)", POS,
        ROW[:2])  # fmt: skip
    row("rt.scatter_add", "np.sum(rt.scatter_add(x * 2.0, y, x, ([0, 0, 2],)) ** 2)", POS, POS)
    row("rt.prod_partials", "np.sum(rt.prod_partials(x, 1) * y)", POS, UNIT)
    row("rt.prod_partials", "np.sum(rt.prod_partials(x) ** 2)", vec)
    row("rt.sinc_slope", "np.sum(rt.sinc_slope(x) * y)", UNARY_DOMAINS["sinc"],
        rng.standard_normal(5))  # fmt: skip
    row("rt.sinc_derivative", "np.sum(rt.sinc_derivative(x, 3) * y)", UNARY_DOMAINS["sinc"],
        rng.standard_normal(5))  # fmt: skip
    for ord_ in [None, 3]:
        row("rt.norm_partials",
            f"np.sum(rt.norm_partials(x, np.linalg.norm(x, {ord_}), {ord_}) * y)", vec,
            ROW)  # fmt: skip
    row("rt.norm_partials",
        "np.sum(rt.norm_partials(x, np.linalg.norm(x, axis=1), None, 1) * y)", POS,
        UNIT)  # fmt: skip
    row("rt.norm_partials", "np.sum(rt.norm_partials(x, y, 1.5) * w)", vec, 1.3, ROW)
    row("rt.norm_partials", "np.sum(rt.norm_partials(x, 2.0, 'fro', (0, 1), True) ** 2)", POS)
    row("rt.norm_kind", "np.sum(x * len(rt.norm_kind(x, 2, (0, 1))))", POS)
    row("rt.norm_flat", "np.sum(x * rt.norm_flat(x, x, np.inf))", vec)
    row("rt.cumprod_jvp", "np.sum(rt.cumprod_jvp(x, y, None, 1) * w)", UNIT, POS, UNIT)
    row("rt.cumprod_jvp", "np.sum(rt.cumprod_jvp(x, y, None, None) ** 2)", 1.3, POS)
    row("rt.cumprod_vjp", "np.sum(rt.cumprod_vjp(x, y, None, 0) * w)", UNIT, POS, UNIT)
    row("rt.cumprod_vjp", "np.sum(rt.cumprod_vjp(x, y, None, None) ** 2)", UNIT.ravel(), POS)


def runtime_linalg_rows() -> None:
    """The linear-algebra helpers of derivative code (`runtime/linalg.py`, `dot_vjp_*`),
    called with consistent arguments (`ans` computed from the matrix it belongs to)."""
    g, a, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    v3, v4 = rng.standard_normal(3), rng.standard_normal(4)
    square = rng.standard_normal((3, 3)) + 3.0 * np.eye(3)
    spd = square @ square.T + np.eye(3)
    m3, stack = rng.standard_normal((3, 3)), rng.standard_normal((2, 3, 3)) + 3.0 * np.eye(3)
    fixed = "np.diag([1.0, 2.0, 4.0]) + 0.3"  # a constant symmetric matrix, distinct eigenvalues
    for name in ["dot_vjp_left", "dot_vjp_right"]:
        row(f"rt.{name}", f"np.sum(rt.{name}(x, y, w) ** 2)", g, a, b)
        row(f"rt.{name}", f"np.sum(rt.{name}(x, y, w) ** 2)", v3, a, v4)
        row(f"rt.{name}", f"np.sum(rt.{name}(x, 2.0, y) ** 2) + np.sum(rt.{name}(x, y, 2.0))",
            v4, v4 * 0.5)  # fmt: skip
    both = "np.sum(rt.{0}(x, y, w{1}, 0) ** 2) + np.sum(rt.{0}(x, y, w{1}, 1) ** 3)"
    row("rt.inner_vjp", both.format("inner_vjp", ""), v3, a, v4)
    row("rt.inner_vjp", both.format("inner_vjp", ""), v4, 1.3, v4)
    row("rt.outer_vjp", both.format("outer_vjp", ""), a.T, v4, v3)
    row("rt.tensordot_vjp", both.format("tensordot_vjp", ", 1"), g, a, b)
    row("rt.tensordot_vjp", both.format("tensordot_vjp", ", ((0, 1), (0, 1))"), 1.3, a, a * 2.0)
    for k in range(2):
        row("rt.einsum_vjp", f"np.sum(rt.einsum_vjp(x, 'ij,jk->ik', {k}, y, w) ** 2)", g, a, b)
    row("rt.einsum_vjp", "np.sum(rt.einsum_vjp(x, 'i,ij,j->', 2, y[:, 0], y, w) ** 2)", 1.3, a, v4)
    row("rt.einsum_vjp", "np.sum(rt.einsum_vjp(x, 'ij->j', 0, y) ** 2)", v4, a)
    row("rt.solve_vjp_a", "np.sum(rt.solve_vjp_a(x, y, np.linalg.solve(y, w)) ** 2)",
        v3, square, v3 * 2.0)  # fmt: skip
    row("rt.solve_vjp_a", "np.sum(rt.solve_vjp_a(x, y, np.linalg.solve(y, w)) ** 2)",
        g, square, g * 2.0)  # fmt: skip
    row("rt.slogdet_jvp", "rt.slogdet_jvp(x, y, np.linalg.slogdet(y))[1] ** 2", m3, square)
    row("rt.slogdet_vjp", "np.sum(rt.slogdet_vjp((0.0, x), y, np.linalg.slogdet(y)) ** 2)",
        1.3, square)  # fmt: skip
    row(
        "rt.slogdet_vjp",
        "np.sum(rt.slogdet_vjp([x * 0.0, x], y, np.linalg.slogdet(y)) ** 2)",
        v3[:2],
        stack,
    )
    row("rt.adjugate", "np.sum(rt.adjugate(x) * y)", square, m3)
    row("rt.adjugate", "np.sum(rt.adjugate(x) ** 2)", np.outer(v3, v3) + np.outer(v3, v3[::-1]))
    row("rt.adjugate_jvp", f"np.sum(rt.adjugate_jvp(x, {fixed}) ** 2)", m3)
    singular = "np.outer([1.0, 2.0, 3.0], [1.0, 0.5, 2.0])"  # rank 1: adj = 0, its tangent not
    row("rt.adjugate_jvp", f"np.sum(rt.adjugate_jvp(x, {singular}) * y)", m3, square)
    row("rt.det_jvp", "rt.det_jvp(x, y) ** 2", m3, square)
    row("rt.det_jvp", "np.sum(rt.det_jvp(x, y) ** 2)", stack * 0.5, stack)
    row("rt.det_vjp", "np.sum(rt.det_vjp(x, y, None) ** 2)", 1.3, square)
    row("rt.det_vjp", "np.sum(rt.det_vjp(x, y, None) ** 2)", v3[:2], stack)
    row("rt.phi", "np.sum(rt.phi(x) * y)", m3, square)
    row("rt.sym", "np.sum(rt.sym(x) ** 2)", m3)
    for name in ["from_lower", "onto_lower"]:
        row(f"rt.{name}", f"np.sum(rt.{name}(x) * y) + np.sum(rt.{name}(x, 'U') ** 2)", m3, square)
    row("rt.inner_of", "np.sum(rt.inner_of(x, np.linalg.cholesky(y)) ** 2)", m3, spd)
    row("rt.lower_sandwich", "np.sum(rt.lower_sandwich(x, np.linalg.cholesky(y)) ** 2)", m3, spd)
    for name in ["cholesky_jvp", "cholesky_vjp"]:
        row(f"rt.{name}", f"np.sum(rt.{name}(x, y, np.linalg.cholesky(y)) * w)", m3, spd, square)
    row("rt.eigvalsh_jvp", "np.sum(rt.eigvalsh_jvp(x, y) * w)", m3, spd, v3)
    row("rt.eigvalsh_jvp", "np.sum(rt.eigvalsh_jvp(x, y, 'U') ** 2)", m3, spd)
    row("rt.eigvalsh_vjp", "np.sum(rt.eigvalsh_vjp(x, y) ** 2)", v3, spd)
    row("rt.eigvalsh_hess", f"np.sum(rt.eigvalsh_hess(x, y, {fixed}) ** 2)", m3, square)
    row("rt.eigvalsh_hess_vjp", f"np.sum(rt.eigvalsh_hess_vjp(x, y, {fixed}) ** 2)", v3, m3)
    pair = "np.linalg.eigh(y)"
    row("rt.eigh_jvp", f"np.sum(rt.eigh_jvp(x, y, {pair})[1] ** 2 + rt.eigh_jvp(x, y, {pair})[0])",
        m3, spd)  # fmt: skip
    row("rt.eigh_vjp", f"np.sum(rt.eigh_vjp((w, x), y, {pair}) ** 2)", m3, spd, v3)
    pair = f"np.linalg.eigh({fixed})"
    for name in ["eigh_jvp_tangent", "eigh_jvp_cotangent"]:
        call = f"rt.{name}(x, {pair}, [w, y])"
        row(f"rt.{name}", f"np.sum({call}[0] ** 2) + np.sum({call}[1] ** 2)", m3, square, v3)
    tangent = f"rt.eigh_vjp_tangent((w, x), {pair}, [w, y])"
    row("rt.eigh_vjp_tangent", f"np.sum({tangent} ** 2)", m3, square, v3)
    cotangent = f"rt.eigh_vjp_cotangent((w, x), {pair}, y)"
    row("rt.eigh_vjp_cotangent", f"np.sum({cotangent}[0] ** 2) + np.sum({cotangent}[1] ** 2)",
        m3, square, v3)  # fmt: skip
    row("rt.svdvals_jvp", "np.sum(rt.svdvals_jvp(x, y) * w)", a.T, a.T @ a[:, :3] + a.T, v3)
    row("rt.svdvals_jvp", "np.sum(rt.svdvals_jvp(x, y) ** 2)", a.T, a.T)
    row("rt.svdvals_vjp", "np.sum(rt.svdvals_vjp(x, y) ** 2)", v3, a)
    row("rt.svdvals_vjp", "np.sum(rt.svdvals_vjp(x, y) ** 2)", a[:2, :2], stack[:, :, :2] * 2.0)
    fixed_wide = "np.array([[3.0, 1.0, 0.0, 0.5], [0.0, 2.0, 1.0, 0.0], [0.2, 0.0, 1.0, 0.3]])"
    row("rt.svdvals_hess", f"np.sum(rt.svdvals_hess(x, y, {fixed_wide}) ** 2)", a, a * 0.5)
    row("rt.svdvals_hess_vjp", f"np.sum(rt.svdvals_hess_vjp(x, y, {fixed_wide}) ** 2)", v3, a)


def dict_rows() -> None:
    D = "{'a': 1.0, 'b': 2.0}"
    row("rt.make_dict", "np.sum(rt.setitem(rt.make_dict(), x, 'a')['a'] * y)", ROW, ROW)
    row("rt.dict_keys", "np.sum(x * y) * len(rt.dict_keys({'a': x, 'b': y}))", ROW, ROW)
    row("rt.dict_values", "np.sum(rt.dict_values({'a': x, 'b': y * y})[1] * x)", ROW, ROW)
    row("rt.dict_items", "np.sum(rt.dict_items({'a': x, 'b': y})[1][1] * x)", ROW, ROW)
    row("rt.copy_dict", "np.sum(rt.copy_dict({'a': x * y})['a'])", ROW, ROW)
    row("rt.dict_get", "np.sum(rt.dict_get({'a': x}, 'a', y) * rt.dict_get({'a': x}, 'b', y))",
        ROW, ROW)  # fmt: skip
    row("rt.values_jvp", f"np.sum(rt.values_jvp({{'a': x, 'b': y}}, {D})[0] * y)", ROW, ROW)
    row("rt.values_vjp", f"np.sum(rt.values_vjp([x, y], {D})['b'] * x)", ROW, ROW)
    row("rt.items_jvp", f"np.sum(rt.items_jvp({{'a': x}}, {D})[0][1] * y)", ROW, ROW)
    row("rt.items_vjp", f"np.sum(rt.items_vjp([(0.0, x), (0.0, y)], {D})['a'] * y)", ROW, ROW)
    row("rt.get_jvp", f"np.sum(rt.get_jvp({{'a': x}}, {D}, 'a') * y)", ROW, ROW)
    row("rt.get_vjp", f"np.sum(rt.get_vjp(x, {D}, 'a')['a'] * y)", ROW, ROW)
    row("rt.default_jvp", "np.sum(rt.default_jvp(x, {'a': 1.0}, 'b') * y)", ROW, ROW)
    row("rt.default_vjp", "np.sum(rt.default_vjp(x, {'a': 1.0}, 'b', y) * y)", ROW, ROW)
    row("rt.iterated_jvp", "np.sum(rt.iterated_jvp(x, y) * y)", ROW, ROW)
    row("rt.without_key", "np.sum(rt.without_key({'a': x, 'b': y * x}, 'a')['b'])", ROW, ROW)
    row("rt.updated", "np.sum(rt.updated({'a': x, 'b': y}, {'b': x * y})['b'] * x)", ROW, ROW)
    row("rt.without_keys", f"np.sum(rt.without_keys({{'a': x, 'c': y * x}}, {D})['c'])",
        ROW, ROW)  # fmt: skip
    row("rt.only_keys", f"np.sum(rt.only_keys({{'a': x * y, 'c': y}}, {D})['a'] * x)", ROW, ROW)
    row("rt.key_present", "np.sum(x * y) if rt.key_present({'a': x}, 'a') is None else 0.0",
        ROW, ROW)  # fmt: skip
    row("rt.iterated_vjp", "np.sum(rt.iterated_vjp(x, y) * y)", ROW, ROW)


def record_rows() -> None:
    """Attributes of records and records built inside (`runtime/records.py`)."""
    row("getattr", "np.sum(_Pair(x, y).a * _Pair(x * y, y).a) + np.sum(_Box(x, y).b * x)", ROW, ROW)
    row("rt.new_record", "np.sum(_Pair(b=x * y, a=y).b * x)", ROW, ROW)
    row("rt.new_object", "np.sum(_Box(x * y, y).a * _Box(x, x).b)", ROW, ROW)
    row("rt.attribute_jvp", "np.sum(rt.attribute_jvp({'a': x}, _Box(y, y), 'a') * y)", ROW, ROW)
    row("rt.attribute_jvp", "np.sum(rt.attribute_jvp([x, y], _Pair(y, y), 'b') * y)", ROW, ROW)
    row("rt.attribute_vjp", "np.sum(rt.attribute_vjp(x, _Box(y, y), 'b')['b'] * y)", ROW, ROW)
    row("rt.attribute_vjp", "np.sum(rt.attribute_vjp(x * y, _Pair(y, y), 'a')[0] * y)", ROW, ROW)
    row("rt.record_jvp", "np.sum(rt.record_jvp([x, y], _Box, ('a', 'b'))['b'] * x)", ROW, ROW)
    row("rt.record_jvp", "np.sum(rt.record_jvp([y, x], _Pair, ('b', 'a'))[1] * x)", ROW, ROW)
    row("rt.record_vjp", "np.sum(rt.record_vjp({'a': x, 'b': y}, _Box, ('a', 'b'))[1] * x)",
        ROW, ROW)  # fmt: skip
    row("rt.record_vjp", "np.sum(rt.record_vjp([x, y], _Pair, ('b', 'a'))[0] * x)", ROW, ROW)
    row("rt.replaced", "np.sum(_Pair(x, y)._replace(b=x * y).b * _Pair(y, x)._replace(a=x).b)",
        ROW, ROW)  # fmt: skip
    row("rt.without_fields", "np.sum(rt.without_fields([x, y], _Pair(x, y), ('a',))[1] * x)",
        ROW, ROW)  # fmt: skip
    row("rt.without_fields", "np.sum(rt.without_fields({'a': x, 'b': y}, _Box(x, y), ('a',))['b'] "
        "* x)", ROW, ROW)  # fmt: skip
    row("rt.fields_jvp", "np.sum(rt.fields_jvp([x * y], _Pair(x, y), ('b',))[1] * x)", ROW, ROW)
    row("rt.fields_jvp", "np.sum(rt.fields_jvp([x * y], _Box(x, y), ('b',))['b'] * x)", ROW, ROW)
    row("rt.fields_vjp", "np.sum(rt.fields_vjp([x, y], _Pair(x, y), ('b',))[0] * x)", ROW, ROW)
    row("rt.fields_vjp", "np.sum(rt.fields_vjp({'a': x, 'b': y}, _Box(x, y), ('b', 'a'))[1] * x)",
        ROW, ROW)  # fmt: skip


def nondiff_rows() -> None:
    for name, expr in NONDIFF_ROWS.items():
        scalar = (name.startswith(("math.", "operator.")) and "np." not in expr) or "range" in expr
        row(name, expr, 1.3 if scalar or name in ("int", "round", "bool") else POS[0])


def mask_rows() -> None:
    """The branch masks of masked adjoints under `np.where` (`runtime/masks.py`)."""
    row("rt.masked", "np.sum(rt.masked(x * y, y > 0.0) * w)", POS, UNIT, POS)
    row("rt.masked", "np.sum(rt.masked(x, y > 0.0) ** 2)", ROW, UNIT)  # the mask broadcasts
    row("rt.masked", "rt.masked(x * 2.0, y > 0.0) * 3.0", 1.3, UNIT[0])
    row("rt.reach", "np.sum(x * rt.reach(x, y > 0.0, y < -0.5))", ROW, UNIT)


def builtins_rows() -> None:
    """Python's builtins over lists (`runtime/builtins.py`) and the helpers of their rules."""
    w2, w3 = np.array([0.7, -1.1]), np.array([0.7, -1.1, 0.4])
    row("rt.max_of", "rt.max_of([x, y * 2.0, x * y])", 1.3, 0.7)
    row("rt.max_of", "rt.max_of(x * y) * 2.0", ROW, ROW)
    row("rt.min_of", "rt.min_of([x, y * 2.0, x * y])", 1.3, 0.7)
    row("rt.min_of", "rt.min_of(x * y) * 2.0", ROW, ROW)
    row("rt.sorted_items", "np.sum(np.array(rt.sorted_items([x, y, x * y], True)) * w)", 1.3,
        0.7, w3)  # fmt: skip
    row("rt.sorted_items", "np.sum(np.array(rt.sorted_items(x * y, key=abs)) * x)", ROW, ROW)
    row("rt.sorted_by_keys", "np.sum(np.array(rt.sorted_by_keys([x, y, x * y], [y, x, 0.5])) * w)",
        1.3, 0.7, w3)  # fmt: skip
    row("rt.sorted_by_keys", "np.sum(np.array(rt.sorted_by_keys(x * y, -x, True)) * x)", ROW, ROW)
    row("rt.reversed_items", "np.sum(np.array(rt.reversed_items([x, y * x])) * w)", 1.3, 0.7, w2)
    row("rt.reversed_items", "np.sum(np.array(rt.reversed_items(x * y)) * x)", ROW, ROW)
    row("rt.at_least", "np.sum(np.array(rt.at_least((x, y * x), 1, 1)) * w)", 1.3, 0.7, w2)
    row("rt.at_least", "np.sum(np.array(rt.at_least(x * y, 1, 2)) * x)", ROW, ROW)
    row("rt.exactly", "np.sum(np.array(rt.exactly([x, y * x], 2)) * w)", 1.3, 0.7, w2)
    row("rt.unzip", "rt.unzip([(x, y), (y * x, x)])[1][0] * x + rt.unzip([(x, y)])[0][0]", 1.3,
        0.7)  # fmt: skip
    row("rt.unzip_vjp", "np.sum(np.array(rt.unzip_vjp([(x, y * x), (y, x)], [(1.0, 2.0), "
        "(3.0, 4.0)])) ** 2)", 1.3, 0.7)  # fmt: skip
    row("rt.tie_jvp", "rt.tie_jvp([x, y * x], [1.0, 1.0], 1.0)", 1.3, 0.7)
    row("rt.tie_vjp", "np.sum(np.array(rt.tie_vjp(x * y, [1.0, 2.0, 2.0], 2.0)) * w)", 1.3, 0.7,
        w3)  # fmt: skip
    row("rt.tie_vjp", "np.sum(rt.tie_vjp(x * y, np.array([1.0, 2.0, 2.0]), 2.0) * w)", 1.3, 0.7,
        w3)  # fmt: skip
    row("rt.gather", "np.sum(np.array(rt.gather([x, y, x * y], [2, 0])) * w)", 1.3, 0.7, w2)
    row("rt.scatter", "np.sum(np.array(rt.scatter([x, y * x], [2, 0], [0.0, 0.0, 0.0])) * w)",
        1.3, 0.7, w3)  # fmt: skip
    for name, expr in {
        "rt.tie_weights": "np.sum(x * np.array(rt.tie_weights(x, np.max(x))))",
        "rt.sort_order": "np.sum(x * np.array(rt.sort_order(x)))",
        "rt.reverse_order": "np.sum(x * np.array(rt.reverse_order(x)))",
        "rt.is_in": "np.sum(x * rt.is_in(1.0, [x[0], 2.0]))",
        "rt.is_not_in": "np.sum(x * rt.is_not_in(1.0, [x[0], 2.0]))",
        "rt.pop_index": "np.sum(x * rt.pop_index([x, x], -1))",
        "rt.zip_range": "np.sum(x * len(rt.zip_range(True, x, x)))",
        "index": "np.sum(x * [x[0], 2.0].index(2.0))",
        "count": "np.sum(x * [x[0], 2.0, 2.0].count(2.0))",
    }.items():
        row(name, expr, POS[0])


def numpy_more_rows() -> None:
    """Issue 18's second NumPy wave: lists read as arrays in forward mode, fftshift, …"""
    # a list of differentiated values given to a NumPy reduction or elementwise function
    row("np.std", "np.std([x[0] * 2.0, x[1], x[0] * x[1]])", ROW)
    row("np.var", "np.var([x[0], x[1] ** 2, y])", ROW, 0.3)
    row("np.var", "np.sum(np.var([x, y * x], axis=0) * w)", ROW, ROW[::-1], POS[0])
    row("np.std", "np.std((x[0], y), ddof=1)", ROW, 1.7)
    row("np.prod", "np.prod([x[0], x[1] * y])", ROW, 0.7)
    row("np.max", "np.max([x[0], x[1] * 3.0, y])", ROW, 0.2)
    row("np.min", "np.sum(np.min([x, y * x], axis=0))", ROW, ROW[::-1])
    row("np.linalg.norm", "np.linalg.norm([x[0], x[1] * y])", ROW, 0.7)
    row("np.exp", "np.sum(np.exp([x[0], x[1] * 3.0]) * w)", ROW, 0.3, ROW[:2])
    row("np.sin", "np.sum(np.sin([[x[0], y], [x[1], x[2]]]) * w)", ROW, 0.3, POS[:2, :2])
    cube = rng.standard_normal((2, 3, 4))
    row("np.fft.fftshift", "np.sum(np.fft.fftshift(x) * y)", ROW[:3], ROW[1:])
    row("np.fft.fftshift", "np.sum(np.fft.fftshift(x * x, axes=1) * y)", POS, UNIT)
    row("np.fft.ifftshift", "np.sum(np.fft.ifftshift(x) ** 3 * y)", cube, cube[::-1])
    row("np.fft.ifftshift", "np.sum(np.fft.ifftshift(x, (0, 2)) * y)", cube, cube * 2.0)
    row("np.gradient", "np.sum(np.gradient(x * x) * y)", ROW, ROW[::-1])
    row("np.gradient", "np.sum(np.gradient(x, 0.5, edge_order=2) * y)", ROW, UNIT[0])
    row("np.gradient", "np.sum(np.gradient(x, np.arange(4.0) ** 2) ** 2)", ROW)
    row("np.gradient", "np.sum(np.gradient(x ** 2, axis=1) * y)", POS, UNIT)
    row("np.gradient", "np.sum(np.gradient(x, 2.0, axis=0, edge_order=2) * y)", POS, UNIT)
    row("np.gradient", "np.sum(np.gradient(x)[0] * y) + np.sum(np.gradient(x)[1] ** 2)", POS, UNIT)
    row("np.gradient", "np.sum(np.gradient(x, axis=(0, 2))[1] * y)", cube, cube)
    row("rt.gradient_vjp", "np.sum(rt.gradient_vjp(x * y, y, 0.5, 0, 2) ** 2)", ROW, ROW[::-1])
    row("rt.gradient_vjp", "np.sum(rt.gradient_vjp([x, x * y], y) * y)", POS, UNIT)
    row("rt.gradient_tangent", "np.sum(rt.gradient_tangent(np.gradient(x))[1] ** 2)", POS)
    # np.einsum's sublist form with literal sublists: lowered to the string form
    row("np.einsum", "np.sum(np.einsum(x, [0, 1], y, [1, 2], [0, 2]) ** 2)", POS, POS.T)
    row("np.einsum", "np.einsum(x, [0, 1], y, [0, 1])", POS, UNIT)
    row("np.einsum", "np.sum(np.einsum(x, [..., 1], y, [1, 2]) * w)", cube, POS.T, cube[:, :, :3])
    row("np.einsum", "np.sum(np.einsum(x, (1, 0)) * y)", POS, UNIT.T)
    row("np.einsum", "np.einsum(x, [0, 0])", POS[:3, :3])
    # least squares of a full-column-rank matrix: the solution, residuals, singular values
    tall, rhs = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    row("np.linalg.lstsq", "np.sum(np.linalg.lstsq(x, y, rcond=None)[0] ** 2)", tall, rhs[:, 0])
    row(
        "np.linalg.lstsq", "np.sum(np.linalg.lstsq(x, y, rcond=None)[0] * w)", tall, rhs, POS[:, :2]
    )
    row(
        "np.linalg.lstsq",
        "np.sum(np.linalg.lstsq(x, y)[1]) + np.sum(np.linalg.lstsq(x * x, y)[3] ** 2)",
        tall,
        rhs,
    )
    row("np.linalg.lstsq", "np.linalg.lstsq(x, y, rcond=None)[0][1]", POS[:3, :3], ROW[:3])
    # eigen-decomposition with distinct real eigenvalues: eigenvalues and unit eigenvectors
    general = np.array([[2.0, 0.3, 0.1], [0.5, 1.0, -0.2], [0.1, -0.4, 3.5]])
    row("np.linalg.eig", "np.sum(np.linalg.eig(x)[0] * y)", general, ROW[:3])
    row("np.linalg.eig", "np.sum(np.linalg.eig(x * y)[1] ** 3)", general, POS[:3, :3])
    row("np.linalg.eig", "np.sum(np.abs(np.linalg.eig(x)[1][:, 0]) * y)", general, ROW[:3])


def numpy_tail_rows() -> None:
    """Issue 18's NumPy tail (rules/tail.py)."""
    cube = rng.standard_normal((2, 3, 4))
    row("np.atleast_3d", "np.sum(np.atleast_3d(x) * y)", POS, POS[:, :, None])
    row("np.atleast_3d", "np.sum(np.atleast_3d(x) ** 2) * 2.0", ROW)
    row("np.rollaxis", "np.sum(np.rollaxis(x, 2) * y)", cube, cube.transpose(2, 0, 1))
    row("np.rollaxis", "np.sum(np.rollaxis(x, 0, 3) ** 2 * y)", cube, cube.transpose(1, 2, 0))
    row("np.rollaxis", "np.sum(np.rollaxis(x, -1, 1) * y)", cube, cube.transpose(0, 2, 1))
    row("rt.rolled_position", "np.sum(x * rt.rolled_position(x, 0, 2))", cube)
    row("np.vsplit", "np.sum(np.vsplit(x, 3)[1] ** 2 * y)", POS, ROW)
    row("np.vsplit", "np.sum(np.vsplit(x, [1])[1] ** 3)", POS)
    row("np.hsplit", "np.sum(np.hsplit(x, 2)[1] ** 2) + np.sum(np.hsplit(y, [1])[0])", POS, ROW)
    row("np.dsplit", "np.sum(np.dsplit(x, [1, 3])[1] ** 2 * y)", cube, cube[:, :, 1:3])
    row(
        "np.column_stack", "np.sum(np.column_stack([x, y * x]) * w)", ROW[:3], COL[:, 0], POS[:, :2]
    )
    row("np.column_stack", "np.sum(np.column_stack((x, y)) ** 2)", POS, COL)
    row("rt.column", "np.sum(rt.column(x) * y) + np.sum(rt.column(y) ** 2)", ROW, POS.T)
    row("np.append", "np.sum(np.append(x, y * x) * w)", ROW[:3], COL[:, 0], rng.standard_normal(6))
    row("np.append", "np.sum(np.append(x, y, axis=0) ** 3)", POS, POS[:1])
    row("np.append", "np.sum(np.append(x, y, 1) * w)", POS, COL, rng.standard_normal((3, 5)))
    row("np.append", "np.sum(np.append(x, 2.0) ** 2)", POS)
    nonfinite = POS.copy()
    nonfinite[0, 1], nonfinite[1, 2], nonfinite[2, 0] = np.nan, np.inf, -np.inf
    row(
        "np.nan_to_num",
        "np.sum(np.nan_to_num(x, posinf=3.0, neginf=-2.0) * y * w)",
        nonfinite,
        POS,
        UNIT,
    )
    row("np.nan_to_num", "np.sum(np.nan_to_num(x, nan=1.0, posinf=2.0) ** 2)", UNIT)
    row("np.copysign", "np.sum(np.copysign(x, y) * w)", UNIT, COL - 1.2, POS)
    row("np.copysign", "np.sum(np.copysign(x * x, -1.0) * x)", UNIT)
    row("np.copysign", "np.copysign(x, y) * y", 1.3, -0.7)  # `y` only picks the sign
    row("np.real", "np.sum(np.real(x) ** 2) + np.real(y) * 2.0", UNIT, 1.3)
    row("np.conj", "np.sum(np.conj(x) * y) + np.sum(np.conjugate(y) ** 2)", UNIT, POS)
    row("np.real_if_close", "np.sum(np.real_if_close(x) ** 2)", UNIT)
    row("np.imag", "np.sum(x * (1.0 + np.imag(x)))", UNIT)
    row("np.angle", "np.sum(x * np.angle(x))", UNIT)
    sq = rng.standard_normal((2, 3))
    row("np.kron", "np.sum(np.kron(x, y) * w)", sq, UNIT[:2, :2], rng.standard_normal((4, 6)))
    row("np.kron", "np.sum(np.kron(x, y) ** 2)", ROW, COL)  # 1-D with 2-D: padded
    row("np.kron", "np.sum(np.kron(x, y * x[0]) ** 2)", ROW[:3], ROW[:2])
    for helper in ["kron_shape", "kron_padded", "convolve_padding"]:
        row(
            f"rt.{helper}",
            f"np.sum(x * rt.{helper}(x, y, 'same')[0])"
            if helper == "convolve_padding"
            else f"np.sum(x * rt.{helper}(x, y)[0])",
            ROW,
            ROW[:2],
        )
    row(
        "rt.kron_subscripts",
        "np.sum(np.einsum(rt.kron_subscripts(x, x, 0), np.reshape(np.kron(x, y), "
        "rt.kron_shape(x, y)), y) ** 2)",
        sq,
        sq,
    )
    row("rt.along_axis", "np.sum(x * np.reshape(y, rt.along_axis(x, 1)))", POS, ROW)
    row("rt.sample_points", "np.sum(rt.sample_points(x) ** 2)", ROW)
    for mode in ["'full'", "'same'", "'valid'"]:
        row("np.convolve", f"np.sum(np.convolve(x, y, {mode}) ** 2)", ROW, ROW[:3])
        row("np.convolve", f"np.sum(np.convolve(x, y, mode={mode}) * x[0])", ROW[:2], ROW)
    row("np.polyval", "np.sum(np.polyval(x, y) * y)", ROW, UNIT)
    row("np.polyval", "np.polyval(x, y) ** 2", ROW, 0.7)
    row("np.polyval", "np.sum(np.polyval(x[:1], y) ** 2)", ROW, UNIT[0])  # a constant
    row("np.linspace", "np.sum(np.linspace(x, y, 5) ** 2)", 0.3, 1.7)
    row("np.linspace", "np.sum(np.linspace(x, y, 4, endpoint=False) * w)", 0.3, ROW,
        rng.standard_normal((4, 4)))  # fmt: skip
    row("np.linspace", "np.sum(np.linspace(x, y, num=3, axis=1) ** 2)", ROW, 2.0)
    grid = np.array([0.0, 0.4, 1.1, 1.5, 2.3])
    row("np.trapezoid", "np.trapezoid(x ** 2) + np.trapezoid(x, dx=0.3)", ROW)
    row("np.trapezoid", "np.sum(np.trapezoid(x ** 2, axis=0) * y)", POS, ROW)
    row("np.trapezoid", "np.trapezoid(x ** 2, y)", ROW, np.cumsum(ROW))
    row("np.trapezoid", "np.sum(np.trapezoid(x * x, y, axis=0) ** 2)", POS, np.cumsum(ROW[:3]))
    row("np.trapezoid", "np.sum(np.trapezoid(x, y) * w)", POS, np.cumsum(ROW), ROW[:3])
    row("rt.trapezoid_weights", "np.sum(x * rt.trapezoid_weights(x, 1, 0.5))", POS)
    knots = "np.array([0.0, 0.4, 1.1, 1.5, 2.3])"  # `xp`: a constant (else refused)
    row(
        "np.interp",
        f"np.sum(np.interp(x, {knots}, y) ** 2)",
        rng.uniform(-0.5, 2.8, 7),
        POS[0, 0] + ROW[[0, 1, 2, 3, 0]],
    )
    row("np.interp", f"np.sum(np.interp(x, {knots}, y, 0.5, -1.0) * x)",
        rng.uniform(-0.5, 2.8, (2, 3)), rng.standard_normal(5))  # fmt: skip
    row("np.interp", f"np.interp(x, {knots}, y, right=3.0) ** 2", 2.0, rng.standard_normal(5))
    row("np.interp", f"np.interp(x, {knots}, y, right=3.0) * x", 2.9, rng.standard_normal(5))
    row("rt.interval", "np.sum(x * rt.interval(x, y))", ROW, grid)
    row("rt.inside", "np.sum(x * rt.inside(x, y))", ROW, grid)
    row("np.partition", "np.sum(np.partition(x, 1) * y)", ROW, UNIT[0])
    row("np.partition", "np.sum(np.partition(x, (0, 2), axis=0) * y)", POS, UNIT)
    row("np.partition", "np.sum(np.partition(x, 3, None) * y)", POS, rng.standard_normal(12))
    row("rt.partition_order", "np.sum(x * rt.partition_order(x, 1, -1, np.partition(x, 1)))",
        ROW)  # fmt: skip
    row("np.select", "np.sum(np.select([x > 1.0, x < 0.7], [x ** 2, y * x], y) * w)", POS, ROW,
        UNIT)  # fmt: skip
    row("np.select", "np.sum(np.select([x > 1.0], [y]) ** 2) + np.sum(np.select([x < 1.0], "
        "[x * 2.0], default=3.0))", POS, 1.7)  # fmt: skip
    masks = "[x > 1.0, x < 0.7]"
    row("rt.masked_sum", f"np.sum(rt.masked_sum({masks}, [x * 2.0, y]) ** 2)", POS, ROW)
    row("rt.masked_split", f"np.sum(np.array(rt.masked_split(x * y, {masks}, [x, x])) ** 2)",
        POS, ROW)  # fmt: skip
    row("rt.select_masks", "np.sum(x * rt.select_masks([x > 1.0], [x])[0])", POS)
    tall = rng.standard_normal((4, 3))
    row("np.linalg.pinv", "np.sum(np.linalg.pinv(x) * y)", tall, rng.standard_normal((3, 4)))
    row("np.linalg.pinv", "np.sum(np.linalg.pinv(x) ** 2)", tall.T)
    row(
        "np.linalg.pinv", "np.sum(np.linalg.pinv(x, hermitian=False) @ x)", UNIT[:3, :3] + np.eye(3)
    )
    a3, b3, m45 = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 2)), POS.T
    row("np.dot", "np.sum(np.dot(x, y) ** 2)", a3, m45)  # N-D: a's last with b's 2nd-to-last
    g5 = rng.standard_normal((2, 3, 3, 2))
    row("np.dot", "np.sum(np.dot(x, y) * w)", a3, b3, g5)
    row("np.dot", "np.sum(np.dot(x[0, 0], y) ** 2) + np.sum(np.dot(x, y[0, :, 0]) ** 2)", a3, b3)
    row("rt.dot_vjp_left", "np.sum(rt.dot_vjp_left(w, x, y) ** 2)", a3, b3, g5)
    row("rt.dot_vjp_right", "np.sum(rt.dot_vjp_right(w, x, y) ** 2)", a3, b3, g5)
    sq3 = rng.standard_normal((3, 3))
    row("np.einsum", "np.sum(np.einsum('nn->n', x) ** 2) + np.einsum('ii', x) ** 2", sq3)
    row("np.einsum", "np.sum(np.einsum('nd,nn->d', x, y) ** 2)", POS[:3], sq3)
    stacked = np.stack([sq3] * 2, -1)
    row("np.einsum", "np.sum(np.einsum('iij,ji->j', x, y) * w)", stacked, POS[:2, :3], ROW[:2])
    row("np.einsum", "np.einsum('iii', x) ** 2", rng.standard_normal((2, 2, 2)))
    row("rt.einsum_vjp", "np.sum(rt.einsum_vjp(x, 'nd,nn->d', 1, y, w) ** 2)", ROW, POS[:3], sq3)
    v3a, v3b = rng.standard_normal((3, 4)), rng.standard_normal((4, 3))
    row("np.cross", "np.sum(np.cross(x, y, axisa=0) * w)", v3a, v3b, rng.standard_normal((4, 3)))
    row("np.cross", "np.sum(np.cross(x, y, axisa=0, axisb=1, axisc=0) ** 2)", v3a, v3b)
    row("np.cross", "np.sum(np.cross(x, y, axis=0) * w)", v3a, v3b.T, rng.standard_normal((3, 4)))
    row("np.cross", "np.sum(np.cross(x, y[0], axisa=0, axisc=0) ** 2)", v3a, v3b)  # broadcast
    nonsym = np.diag([1.0, 2.5, 4.0]) + 0.3 * rng.standard_normal((3, 3))  # real eigenvalues
    row("np.linalg.eigvals", "np.sum(np.linalg.eigvals(x) * y)", nonsym, ROW[:3])
    row("np.linalg.eigvals", "np.sum(np.linalg.eigvals(x @ x.T) ** 2)", nonsym)
    row("rt.onehot", "np.sum(rt.onehot(np.array([0, 2]), 3) @ x)", ROW[:3])


def scipy_signal_linalg_rows() -> None:
    """scipy.signal.convolve and scipy.linalg's solve_banded, solve_sylvester, sqrtm."""
    import scipy.linalg  # registers the rules, as a user's import would
    import scipy.signal

    assert scipy.linalg and scipy.signal

    long, short = rng.standard_normal(6), rng.standard_normal(3)
    for mode in ["full", "same", "valid"]:
        row(
            "scipy.signal.convolve",
            f"np.sum(np.sin(scipy.signal.convolve(x, y, '{mode}')))",
            long,
            short,
        )
    row(
        "scipy.signal.convolve",
        "np.sum(scipy.signal.convolve(x, y, mode='same') ** 2)",
        short,
        long,
    )
    img, kernel = rng.standard_normal((4, 3)), rng.standard_normal((2, 2))
    row("scipy.signal.convolve", "np.sum(scipy.signal.convolve(x, y) ** 2)", img, kernel)
    row(
        "scipy.signal.convolve",
        "np.sum(scipy.signal.convolve(x, y, 'same', method='direct') ** 2)",
        img,
        kernel,
    )
    row(
        "scipy.signal.convolve",
        "np.sum(scipy.signal.convolve(x, y, 'valid', method='fft') * x[:3, :2])",
        img,
        kernel,
    )
    for name in ["correlate", "fftconvolve"]:
        for mode in ["full", "same", "valid"]:
            row(
                f"scipy.signal.{name}",
                f"np.sum(np.sin(scipy.signal.{name}(x, y, '{mode}')))",
                long,
                short,
            )
        row(f"scipy.signal.{name}", f"np.sum(scipy.signal.{name}(x, y, 'same') ** 2)", img, kernel)
        row(f"scipy.signal.{name}", f"np.sum(scipy.signal.{name}(x, y, 'valid') ** 2)", short, long)
    row("rt.signal_padding", "np.sum(x) * np.sum(rt.signal_padding(x, y, 'valid'))", img, kernel)
    ab = rng.standard_normal((3, 5)) + np.array([[0.0], [4.0], [0.0]])
    row(
        "scipy.linalg.solve_banded",
        "np.sum(scipy.linalg.solve_banded((1, 1), x, y) ** 2)",
        ab,
        rng.standard_normal(5),
    )
    row(
        "scipy.linalg.solve_banded",
        "np.sum(scipy.linalg.solve_banded((2, 1), x, y) * w)",
        rng.standard_normal((4, 5)) + np.array([[0.0], [5.0], [0.0], [0.0]]),
        rng.standard_normal((5, 2)),
        rng.standard_normal((5, 2)),
    )
    row(
        "rt.band_to_dense",
        "np.sum(rt.band_to_dense(x, (1, 1)) * y)",
        ab,
        rng.standard_normal((5, 5)),
    )
    row(
        "rt.dense_to_band",
        "np.sum(rt.dense_to_band(x, (1, 2)) * y)",
        rng.standard_normal((5, 5)),
        rng.standard_normal((4, 5)),
    )
    shift = 3.0 * np.eye(3)
    a, b, q = (rng.standard_normal((3, 3)) for _ in range(3))
    row(
        "scipy.linalg.solve_sylvester",
        "np.sum(scipy.linalg.solve_sylvester(x + 3.0 * np.eye(3), y + 3.0 * np.eye(3), w) ** 2)",
        a,
        b,
        q,
    )
    row(
        "scipy.linalg.solve_sylvester",
        "np.sum(scipy.linalg.solve_sylvester(x, y, x @ y))",
        a + shift,
        b + shift,
    )
    spd = a @ a.T + shift
    row("scipy.linalg.sqrtm", "np.sum(scipy.linalg.sqrtm(x) * y)", spd, b)
    row("scipy.linalg.sqrtm", "np.sum(scipy.linalg.sqrtm(x @ x.T + 3.0 * np.eye(3)) ** 3)", a)
    # session 37's
    sla = "scipy.linalg"
    row(f"{sla}.solve", f"np.sum({sla}.solve(x, y) ** 2)", spd + 0.3 * b, q)
    row(f"{sla}.solve", f"np.sum({sla}.solve(x, y, assume_a='pos') * w)", spd + 0.3 * b, q, a)
    row(f"{sla}.inv", f"np.sum({sla}.inv(x) * y)", spd, b)
    row(f"{sla}.det", f"{sla}.det(x) * 2.0", spd)
    row(f"{sla}.cholesky", f"np.sum({sla}.cholesky(x) * y)", spd, b)
    row(f"{sla}.cholesky", f"np.sum({sla}.cholesky(x, lower=True) * y)", spd, b)
    tri = np.tril(a) + shift
    row(f"{sla}.solve_triangular", f"np.sum({sla}.solve_triangular(x, y, lower=True) ** 2)", tri, q)
    row(
        f"{sla}.solve_triangular", f"np.sum({sla}.solve_triangular(x, y, trans=1) * w)", tri.T, q, b
    )
    row(f"{sla}.expm", f"np.sum({sla}.expm(x) * y)", 0.3 * a, b)
    frechet = f"{sla}.expm_frechet(x, y, compute_expm=False)"
    row(f"{sla}.expm_frechet", f"np.sum({frechet} ** 2)", 0.3 * a, b)
    # session 39's: factors in SciPy's layout, and the solves reading them
    row(f"{sla}.cho_factor", f"np.sum({sla}.cho_factor(x)[0] * y)", spd, b)
    row(f"{sla}.cho_factor", f"np.sum({sla}.cho_factor(x, lower=True)[0] ** 2)", spd)
    row(f"{sla}.cho_solve", f"np.sum({sla}.cho_solve({sla}.cho_factor(x), y) ** 2)", spd, q)
    row(
        f"{sla}.cho_solve",
        f"np.sum({sla}.cho_solve(({sla}.cholesky(x, lower=True), True), y))",
        spd,
        b,
    )
    row(f"{sla}.lu_factor", f"np.sum({sla}.lu_factor(x)[0] * y)", a + shift, b)
    row(f"{sla}.lu_solve", f"np.sum({sla}.lu_solve({sla}.lu_factor(x), y) ** 2)", a + shift, q)
    row(
        f"{sla}.lu_solve",
        f"np.sum({sla}.lu_solve({sla}.lu_factor(x), y, trans=1) * y)",
        a + shift,
        b,
    )
    row("rt.lu_rows", "np.sum(x[rt.lu_rows(np.array([2, 1, 2]))] * y)", a, b)
    for n in (3, 1, -2, 0):
        row("np.linalg.matrix_power", f"np.sum(np.linalg.matrix_power(x, {n}) * y)", spd, b)


for make_rows in [
    builtins_rows,
    unary_rows,
    binary_rows,
    selection_rows,
    reduction_rows,
    linalg_rows,
    shape_rows,
    joining_rows,
    indexing_rows,
    special_rows,
    special_function_rows,
    stats_rows,
    runtime_rows,
    runtime_array_rows,
    runtime_linalg_rows,
    dict_rows,
    record_rows,
    nondiff_rows,
    mask_rows,
    numpy_tail_rows,
    scipy_signal_linalg_rows,
    numpy_more_rows,
]:
    make_rows()

PARAMS = ["x", "y", "w"]


def build_module(tmp_path_factory):
    lines = ["import math", "import numpy as np", "import scipy.special", "import s2s_ad"]
    lines.append("import scipy.stats")
    lines += ["import scipy.signal", "import scipy.linalg"]
    lines.append("import typing")
    lines.append("import s2s_ad.runtime as rt")
    lines.append(_helpers_source())
    for index, (_, expr, args) in enumerate(ROWS):
        params = ", ".join(PARAMS[: len(args)])
        lines += [f"def row_{index}({params}):", f"    return {expr}", ""]
    return module_of_lines(tmp_path_factory, "rule_rows", lines)


def module_of_lines(tmp_path_factory, name: str, lines: list[str]):
    """The module `name` whose source is `lines`, written to a file (s2s_ad reads sources)."""
    path = tmp_path_factory.mktemp(name) / f"{name}.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows_module(tmp_path_factory):
    return build_module(tmp_path_factory)


def test_every_rule_has_a_row():
    import scipy.special

    lookup(scipy.special.expit)  # registers the scipy rules, as the user's first call would
    covered = {name for name, _, _ in ROWS}
    registered = {rule.name for fn, rule in REGISTRY.items() if fn not in _GIVEN}
    assert registered - covered == set(), "rules without a test row"
    assert covered - registered == set(), "rows for rules that are not registered"


IDS = [f"{r[0]}-{i}" for i, r in enumerate(ROWS)]


@pytest.mark.parametrize("index", range(len(ROWS)), ids=IDS)
def test_rule(rows_module, index):
    _, _, args = ROWS[index]
    fn = getattr(rows_module, f"row_{index}")
    check_grads(fn, args)
    if np.ndim(fn(*args)) == 0:
        check_modes_agree(fn, args, atol=1e-12)


def _is_float_array(value) -> bool:
    return isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)


def _cast(args: tuple, dtype) -> tuple:
    return tuple(a.astype(dtype) if _is_float_array(a) else a for a in args)


def _derivatives(fn, args: tuple, seed: int) -> tuple:
    """(J·t for a random t, Jᵀ·1) of `fn` at `args`."""
    rng = np.random.default_rng(seed)
    tangents = tuple(
        rng.standard_normal(np.shape(a)).astype(a.dtype) if _is_float_array(a) else None
        for a in args
    )
    out, out_dot = s2s_ad.jvp(fn, args, tangents)
    _, pullback = s2s_ad.vjp(fn, *args)
    return out_dot, pullback(np.ones_like(out))


def _close_in_float32(narrow, wide) -> None:
    scale = max(float(np.max(np.abs(wide))), 1.0)
    np.testing.assert_allclose(narrow, wide, rtol=2e-3, atol=2e-3 * scale)


FLOAT32_ROWS = [i for i, (_, _, args) in enumerate(ROWS) if any(map(_is_float_array, args))]


@pytest.mark.parametrize("index", FLOAT32_ROWS, ids=[IDS[i] for i in FLOAT32_ROWS])
def test_rule_float32(rows_module, index):
    """In float32 the derivatives stay float32 and agree with float64 to float32 precision."""
    fn = getattr(rows_module, f"row_{index}")
    narrow = _cast(ROWS[index][2], np.float32)
    narrow_dot, narrow_cts = _derivatives(fn, narrow, index)
    wide_dot, wide_cts = _derivatives(fn, _cast(narrow, np.float64), index)
    _close_in_float32(narrow_dot, wide_dot)
    for arg, narrow_ct, wide_ct in zip(narrow, narrow_cts, wide_cts, strict=True):
        if _is_float_array(arg):
            assert narrow_ct.dtype == np.float32
            _close_in_float32(narrow_ct, wide_ct)


def _float_positions(args) -> tuple[int, ...]:
    return tuple(i for i, a in enumerate(args) if isinstance(a, float) or _is_float_array(a))


@pytest.mark.parametrize("index", range(len(ROWS)), ids=IDS)
def test_rule_vector_mode(rows_module, index):
    """The vector tangent code (all one-hot directions in one pass) gives the Jacobian that
    reverse sweeps give, row by row."""
    fn = getattr(rows_module, f"row_{index}")
    args = ROWS[index][2]
    wrt = _float_positions(args)
    by_columns = s2s_ad.jacfwd(fn, wrt)(*args)
    by_rows = s2s_ad.jacrev(fn, wrt)(*args)
    for columns, rows in zip(by_columns, by_rows, strict=True):
        scale = max(float(np.max(np.abs(rows), initial=0.0)), 1.0)
        np.testing.assert_allclose(columns, rows, rtol=1e-10, atol=1e-10 * scale)
