"""The rule table test: every registered rule, in both modes, against central differences.

Each row names a rule and an expression that uses it; the rows are compiled into a module
of small functions (s2s_ad needs their source) and checked with `check_grads`. A rule
registered without a row fails `test_every_rule_has_a_row`.
"""

import importlib.util

import numpy as np
import pytest

from s2s_ad.rules import REGISTRY
from s2s_ad.testing import check_grads, check_modes_agree

rng = np.random.default_rng(7)
POS = rng.uniform(0.5, 2.0, size=(3, 4))  # in the domain of log, sqrt, …
UNIT = rng.uniform(-0.8, 0.8, size=(3, 4))  # in the domain of arcsin, arctanh, …
BIG = rng.uniform(1.2, 3.0, size=(3, 4))  # in the domain of arccosh
ROW = rng.uniform(0.5, 2.0, size=(4,))
COL = rng.uniform(0.5, 2.0, size=(3, 1))

UNARY_DOMAINS = {
    "arcsin": UNIT, "arccos": UNIT, "arctanh": UNIT, "asin": 0.3, "acos": 0.3, "atanh": 0.3,
    "arccosh": BIG, "acosh": 1.7,
}  # fmt: skip

ROWS: list[tuple[str, str, tuple]] = []


def row(rule: str, expr: str, *args) -> None:
    ROWS.append((rule, expr, args))


def unary_rows() -> None:
    from s2s_ad.rules.elementwise import UNARY

    for np_name, math_name, _ in UNARY:
        if np_name is not None:
            x = UNARY_DOMAINS.get(np_name, POS)
            row(f"np.{np_name}", f"np.sum(np.{np_name}(x) * y)", x, rng.standard_normal((3, 4)))
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


def reduction_rows() -> None:
    for name in ["sum", "mean"]:
        row(f"np.{name}", f"np.{name}(x * x)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=0) ** 2)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, axis=-1, keepdims=True) * x)", POS)
        row(f"np.{name}", f"np.sum(np.{name}(x, (0, 2)) ** 2)", rng.standard_normal((2, 3, 4)))


def linalg_rows() -> None:
    a, v, b = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 2))
    stack = rng.standard_normal((2, 3, 4))
    for name, call in [("operator.matmul", "x @ y"), ("np.matmul", "np.matmul(x, y)")]:
        for x, y in [(a, v), (v, b), (a, b), (stack, b), (v, v)]:
            row(name, f"np.sum(({call}) ** 2)", x, y)
    for x, y in [(a, v), (v, b), (a, b), (v, v), (2.0, a)]:
        row("np.dot", "np.sum(np.dot(x, y) ** 2)", x, y)


NONDIFF_ROWS = {
    "np.shape": "x * len(np.shape(x))",
    "np.size": "x * np.size(x)",
    "np.ndim": "x * np.ndim(x)",
    "len": "np.sum(x) * len(x)",
    "int": "x * int(x)",
    "round": "x * round(x)",
    "np.floor": "x * np.floor(x)",
    "np.ceil": "x * np.ceil(x)",
    "np.trunc": "x * np.trunc(x)",
    "np.rint": "x * np.rint(x)",
    "np.round": "x * np.round(x)",
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
    "range": "x * len(range(3))",
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
    row("operator.getitem", "np.sum(x[1]) * np.sum(x[:, 2])", POS)
    row("operator.getitem", "np.sum(x[1:3, ::2] ** 2) + x[0, -1]", POS)
    row("operator.getitem", "np.sum(x[None, ..., 1] ** 2)", cube)
    row("operator.getitem", "np.sum(x[y] ** 2)", POS, np.array([0, 2, 0]))
    row("operator.getitem", "np.sum(x[x > 1.0] ** 2)", POS)
    row("rt.setitem", "np.sum(_set(x, y) ** 2)", POS, ROW)
    row("rt.append", "np.sum(np.array([x, y * 2.0, x * y]) ** 2)", 1.3, 0.4)
    row("np.array", "np.sum(np.array([x, y]) * np.array(x))", ROW, ROW)
    row("np.stack", "np.sum(np.stack([x, y * y]) ** 2)", ROW, ROW)
    row("np.stack", "np.sum(np.stack([x, y], axis=1) * np.stack([y, x], -2))", POS, POS)
    row("sum", "np.sum(sum([x, y, x * y]) ** 2)", ROW, ROW)


def _set_rows_source() -> str:
    body = ["z = x * 1.0", "z[1] = y", "z[0, 1:3] += y[:2]", "z[z > 1.5] = 1.5", "return z"]
    return "def _set(x, y):\n" + "".join(f"    {line}\n" for line in body)


def nondiff_rows() -> None:
    for name, expr in NONDIFF_ROWS.items():
        row(name, expr, POS[0] if "len(" in expr or "zeros" in expr or "ones" in expr else 1.3)


unary_rows()
binary_rows()
reduction_rows()
linalg_rows()
shape_rows()
nondiff_rows()


def build_module(tmp_path_factory):
    lines = ["import math", "import numpy as np", "", _set_rows_source()]
    for index, (_, expr, args) in enumerate(ROWS):
        params = ", ".join(["x", "y", "w"][: len(args)])
        lines += [f"def row_{index}({params}):", f"    return {expr}", ""]
    path = tmp_path_factory.mktemp("rules") / "rule_rows.py"
    path.write_text("\n".join(lines))
    spec = importlib.util.spec_from_file_location("rule_rows", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows_module(tmp_path_factory):
    return build_module(tmp_path_factory)


def test_every_rule_has_a_row():
    covered = {name for name, _, _ in ROWS}
    registered = {rule.name for rule in REGISTRY.values()}
    assert registered - covered == set(), "rules without a test row"
    assert covered - registered == set(), "rows for rules that are not registered"


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[f"{r[0]}-{i}" for i, r in enumerate(ROWS)])
def test_rule(rows_module, index):
    _, _, args = ROWS[index]
    fn = getattr(rows_module, f"row_{index}")
    check_grads(fn, args)
    if np.ndim(fn(*args)) == 0:
        check_modes_agree(fn, args, atol=1e-12)
