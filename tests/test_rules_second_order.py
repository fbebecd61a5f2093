"""The rule table at second order (issue 17, item 1): every row of `test_rules.py`, so every
registered rule, differentiated twice.

A row whose value is an array is made scalar by `np.sum(np.sin(row))` (which also gives
linear rules a second derivative to check). For each row: `hvp` along a random direction
against central differences of the gradient (`grad` with respect to every float argument);
for rows of scalars also the whole `hessian`, `grad(grad)`, and for one scalar
`jacfwd(grad)` and `jacrev(grad)`; for elementwise rules of one scalar, the third
derivative against central differences of the second. Rows that cannot pass yet are in
`PENDING_TESTS` with the reason.
"""

import importlib.util
import pathlib
import re

import numpy as np
import pytest
import test_rules as table

import s2s_ad
import s2s_ad.runtime as rt
from s2s_ad.errors import S2SError
from s2s_ad.frontend.library import is_differentiated_through
from s2s_ad.rules import lookup
from s2s_ad.rules.registry import REGISTRY

STEP = 1e-6  # central differences of the gradient: truncation ~STEP², rounding ~1e-16/STEP


def _floats(args) -> tuple[int, ...]:
    return tuple(
        i
        for i, a in enumerate(args)
        if isinstance(a, float)
        or (isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating))
    )


def _ids() -> list[str]:
    """Stable ids (rule and expression, numbered when repeated): independent of the rows'
    positions, which other parts of the table may shift."""
    seen: dict[str, int] = {}
    out = []
    for rule, expr, _ in table.ROWS:
        key = f"{rule}:{expr}"
        seen[key] = seen.get(key, 0) + 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out


IDS = _ids()


def _scalar_expression(index: int, first) -> str | None:
    """The row's expression made scalar, or None if its value is not a float or float array."""
    _, expr, args = table.ROWS[index]
    value = getattr(first, f"row_{index}")(*args)
    if isinstance(value, float) or (np.ndim(value) == 0 and np.isrealobj(value)):
        return expr if np.issubdtype(np.asarray(value).dtype, np.floating) else None
    if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        return f"np.sum(np.sin({expr}))"
    return None


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    """The rows' module again, each row scalar (None where a row's value cannot be)."""
    first = table.build_module(tmp_path_factory)
    lines = ["import math", "import numpy as np", "import scipy.special", "import s2s_ad"]
    lines.append("import scipy.stats")
    lines += ["import scipy.signal", "import scipy.linalg"]
    lines += ["import typing", "import s2s_ad.runtime as rt", table._helpers_source()]
    scalar = {}
    for index, (_, _, args) in enumerate(table.ROWS):
        expr = _scalar_expression(index, first)
        scalar[index] = expr is not None
        params = ", ".join(table.PARAMS[: len(args)])
        lines += [f"def row_{index}({params}):", f"    return {expr}", ""]
    module = table.module_of_lines(tmp_path_factory, "second_rows", lines)
    module.SCALAR = scalar
    return module


def _shifted(args, wrt, direction, step):
    out = list(args)
    for i, v in zip(wrt, direction, strict=True):
        out[i] = args[i] + step * v
    return tuple(out)


def _parts(value, wrt) -> list:
    return list(value) if len(wrt) > 1 else [value]


def _close(ours, reference, what: str) -> None:
    scale = max(float(np.max(np.abs(reference), initial=0.0)), 1.0)
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-6 * scale, err_msg=what)


def _gradient_differences(gradient, args, wrt, direction):
    """(∇f(args + h v) - ∇f(args - h v)) / 2h, one part per argument of `wrt`."""
    ahead = _parts(gradient(*_shifted(args, wrt, direction, STEP)), wrt)
    behind = _parts(gradient(*_shifted(args, wrt, direction, -STEP)), wrt)
    return [
        (np.asarray(a) - np.asarray(b)) / (2 * STEP) for a, b in zip(ahead, behind, strict=True)
    ]


@pytest.mark.parametrize("index", range(len(table.ROWS)), ids=IDS)
def test_second_order(second, index):
    """H·v by `hvp` (one tangent pass over the gradient code) against central differences
    of the gradient; for scalar arguments the whole `hessian` too, and `grad(grad)`."""
    _, _, args = table.ROWS[index]
    wrt = _floats(args)
    if not second.SCALAR[index] or not wrt:
        pytest.skip("the row's value is not a float (a count, a list): no second derivative")
    fn = getattr(second, f"row_{index}")
    rng = np.random.default_rng(index)
    direction = [rng.standard_normal(np.shape(args[i])) for i in wrt]
    direction = [
        float(v) if isinstance(args[i], float) else v for v, i in zip(direction, wrt, strict=True)
    ]
    tangents = [None] * len(args)
    for i, v in zip(wrt, direction, strict=True):
        tangents[i] = v
    gradient = s2s_ad.grad(fn, wrt if len(wrt) > 1 else wrt[0])
    _, product = s2s_ad.hvp(fn, args, tangents)
    expected = _gradient_differences(gradient, args, wrt, direction)
    for ours, reference in zip(_parts(product, wrt), expected, strict=True):
        _close(ours, reference, "hvp against central differences of the gradient")
    if all(isinstance(args[i], float) for i in wrt):
        _check_scalar_hessian(fn, args, wrt, gradient)


def _check_scalar_hessian(fn, args, wrt, gradient) -> None:
    """The whole Hessian of a function of scalars, column by column, and `grad(grad)`."""
    hessian = s2s_ad.hessian(fn, wrt if len(wrt) > 1 else wrt[0])(*args)
    matrix = np.array(hessian, dtype=float).reshape(len(wrt), len(wrt))
    for k in range(len(wrt)):
        unit = [1.0 if j == k else 0.0 for j in range(len(wrt))]
        column = np.array(_gradient_differences(gradient, args, wrt, unit), dtype=float)
        _close(matrix[:, k], column, f"hessian column {k} against central differences")
    first = wrt[0]
    twice = s2s_ad.grad(s2s_ad.grad(fn, first), first)(*args)
    _close(twice, matrix[0, 0], "grad(grad) against hessian")
    if len(wrt) == 1:  # the Jacobians of the gradient, forward and reverse
        for jacobian in (s2s_ad.jacfwd, s2s_ad.jacrev):
            again = jacobian(s2s_ad.grad(fn, first), first)(*args)
            _close(again, matrix[0, 0], f"{jacobian.__name__}(grad) against hessian")


def _elementwise_scalar_rows() -> list[int]:
    """Rows of one scalar through one elementwise (unary) rule: third derivatives."""
    diagonal = {rule.name for rule in REGISTRY.values() if rule.diagonal and len(rule.params) == 1}
    return [
        i
        for i, (rule, _, args) in enumerate(table.ROWS)
        if rule in diagonal and len(args) == 1 and isinstance(args[0], float)
    ]


THIRD = _elementwise_scalar_rows()


@pytest.mark.parametrize("index", THIRD, ids=[IDS[i] for i in THIRD])
def test_third_order(second, index):
    """grad(grad(grad(f))) against central differences of grad(grad(f))."""
    x = table.ROWS[index][2][0]
    fn = getattr(second, f"row_{index}")
    twice = s2s_ad.grad(s2s_ad.grad(fn))
    thrice = s2s_ad.grad(twice)(x)
    reference = (twice(x + STEP) - twice(x - STEP)) / (2 * STEP)
    _close(thrice, reference, "third derivative against central differences of the second")


def _module(tmp_path, source: str):
    path = tmp_path / "third.py"
    path.write_text("import numpy as np\n\n" + source)
    spec = importlib.util.spec_from_file_location("third", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_norm_has_derivatives_of_every_order(tmp_path):
    """The norm's gradient helper differentiates through primitives: a third derivative."""
    f = _module(tmp_path, "def f(x):\n    return np.linalg.norm(x * np.ones(3)) ** 3\n").f
    thrice = s2s_ad.grad(s2s_ad.grad(s2s_ad.grad(f)))
    np.testing.assert_allclose(thrice(0.7), 6.0 * 3.0**1.5, rtol=1e-12)  # (√3 x)³


def test_spectral_norm_second_derivative_is_refused_with_its_place(tmp_path):
    source = "def f(x):\n    return np.linalg.norm(x, 2)\n"
    f = _module(tmp_path, source).f
    x = np.array([[1.0, 2.0], [0.5, -1.0]])
    with pytest.raises(
        S2SError, match=r"second derivative of np\.linalg\.norm with ord=2"
    ) as error:
        s2s_ad.hessian(f)(x)
    assert "third.py:4" in str(error.value)


# Runtime helpers that generated code names but never applies to a differentiated value, so
# that derivative code never needs their derivative.
VECTOR_MODE = "vector tangent code (jacfwd, hessian) is not differentiated again"
NEVER_DIFFERENTIATED = {
    "average_refused": "raises: np.average(..., returned=True) has no derivative rule",
    "along": VECTOR_MODE,
    "cumsum_directions": VECTOR_MODE,
    "directions_getitem": VECTOR_MODE,
    "directions_setitem": VECTOR_MODE,
    "directions_setitem_value": VECTOR_MODE,
    "directions_zeros": VECTOR_MODE,
    "full_like_directions": VECTOR_MODE,
    # a name no iteration bound (runtime/unbound.py): any use raises, as the plain call does
    "unbound": "a placeholder for an unbound name, never a number",
    "Unbound": "the placeholder's class",
    "per_direction": VECTOR_MODE,
    "unbroadcast_directions": VECTOR_MODE,
    "unreduce_directions": VECTOR_MODE,
    "matmul_vjp_left_directions": VECTOR_MODE,
    "matmul_vjp_right_directions": VECTOR_MODE,
    "sequence_directions": VECTOR_MODE,
    "zeros_along": VECTOR_MODE,
    "as_array": "called by the API on its inputs, never by generated code",
    "make_list": "called with no arguments: an empty list that items are appended to",
    "reentered": "a context manager's re-entry in passive code",
    "unsuppressing": "a context manager's exit test in passive code",
    "warn": "warnings.warn located at the user's line, a statement kept for its effect",
    "segments": "cuts a checkpointed loop's range of integers",
    "snapshot": "copies what vjp's pullback holds: reverse-mode code, never differentiated again",
    "DerivativeDict": "named in docstrings only: built by rt.zeros_like and the dict rules",
    "DerivativeRecord": "named in docstrings only: built by rt.zeros_like and the record rules",
    "matmul_left": VECTOR_MODE,
    "matmul_right": VECTOR_MODE,
}


def _emitted_runtime_names() -> set[str]:
    """Every `rt.<name>` that rule templates and the code builders write (their sources)."""
    root = pathlib.Path(s2s_ad.__file__).parent
    patterns = [
        r"\brt\.([A-Za-z_]\w*)",  # templates, and generated code in docstrings
        r"(?:rt|runtime)\}\.([A-Za-z_]\w*)",  # f"{aliases.rt}.segments"
        r"\bruntime\.([A-Za-z_]\w*)",  # Prim(runtime.append, …) in the lowering
        r"_rt\(\"(\w+)\"\)",  # spelled=self._rt("append")
    ]
    names: set[str] = set()
    for path in root.rglob("*.py"):
        if "runtime" not in path.relative_to(root).parts:
            text = path.read_text()
            for pattern in patterns:
                names |= set(re.findall(pattern, text))
    return {n for n in names if callable(getattr(rt, n, None))}


# Helpers of first derivatives whose own derivatives are not written yet: a second derivative
# through them is refused at the user's line ("no derivative of the next order yet"), the
# README lists them
NO_NEXT_ORDER_YET: dict[str, str] = {}  # (eig's helpers were, until session 39)


def _differentiable(helper) -> bool:
    """A rule, or differentiated through its source (runtime/through.py)."""
    return lookup(helper) is not None or is_differentiated_through(helper)


def test_every_emitted_runtime_helper_has_a_rule():
    """Derivative code is differentiable code: each helper it calls has a rule, or is listed
    here as never applied to a differentiated value (with the reason)."""
    emitted = _emitted_runtime_names()
    assert len(emitted) > 100  # the scan finds the helpers
    listed = set(NEVER_DIFFERENTIATED) | set(NO_NEXT_ORDER_YET)
    missing = {n for n in emitted if not _differentiable(getattr(rt, n))} - listed
    assert missing == set(), "runtime helpers without a rule"
    stale = {n for n in NEVER_DIFFERENTIATED if n not in emitted}
    assert stale == set(), "listed helpers that generated code no longer names"


# Second derivatives still refused, with a located error (strict xfails: conftest.py); the
# README lists them under "Second and higher derivatives"
SPECTRAL = (
    "refused, located: the Hessian of the spectral and nuclear matrix norms needs the SVD's "
    "derivative (refused today with a located error: rt.norm_flat)"
)
THIRD_THROUGH_A = (
    "refused, located: the third derivative of det, eigvalsh and svd(compute_uv=False) through "
    "the matrix (rt.adjugate_jvp, rt.eigvalsh_hess, rt.svdvals_hess and eigh's curvature helpers "
    "have no derivative in `a`)"
)
AVERAGE_WEIGHTS = (
    "refused, located: np.average's second derivative through its weights (the shares' "
    "helpers rt.average_share_jvp and rt.average_share_vjp have no derivative in the weights)"
)
PENDING_TESTS: dict[str, str] = {
    "test_second_order[np.average:np.sum(np.average(x, axis=1, weights=y) ** 2)]": AVERAGE_WEIGHTS,
    "test_second_order[np.average:np.average(x) * np.average(x, 0, y, keepdims=True)[0, 1]]": AVERAGE_WEIGHTS,  # noqa: E501
    "test_second_order[rt.average_share:np.sum(rt.average_share(np.ones((3, 4)), x, 1) * y)]": AVERAGE_WEIGHTS,  # noqa: E501
    "test_second_order[rt.adjugate:np.sum(rt.adjugate(x) * y)]": THIRD_THROUGH_A,
    "test_second_order[rt.adjugate:np.sum(rt.adjugate(x) ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.det_jvp:rt.det_jvp(x, y) ** 2]": THIRD_THROUGH_A,
    "test_second_order[rt.det_jvp:np.sum(rt.det_jvp(x, y) ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.det_vjp:np.sum(rt.det_vjp(x, y, None) ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.det_vjp:np.sum(rt.det_vjp(x, y, None) ** 2)#2]": THIRD_THROUGH_A,
    "test_second_order[rt.eigvalsh_jvp:np.sum(rt.eigvalsh_jvp(x, y) * w)]": THIRD_THROUGH_A,
    "test_second_order[rt.eigvalsh_jvp:np.sum(rt.eigvalsh_jvp(x, y, 'U') ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.eigvalsh_vjp:np.sum(rt.eigvalsh_vjp(x, y) ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.eigh_jvp:np.sum(rt.eigh_jvp(x, y, np.linalg.eigh(y))[1] ** 2 + rt.eigh_jvp(x, y, np.linalg.eigh(y))[0])]": THIRD_THROUGH_A,  # noqa: E501
    "test_second_order[rt.eigh_vjp:np.sum(rt.eigh_vjp((w, x), y, np.linalg.eigh(y)) ** 2)]": THIRD_THROUGH_A,  # noqa: E501
    "test_second_order[rt.svdvals_jvp:np.sum(rt.svdvals_jvp(x, y) * w)]": THIRD_THROUGH_A,
    "test_second_order[rt.svdvals_jvp:np.sum(rt.svdvals_jvp(x, y) ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.svdvals_vjp:np.sum(rt.svdvals_vjp(x, y) ** 2)]": THIRD_THROUGH_A,
    "test_second_order[rt.svdvals_vjp:np.sum(rt.svdvals_vjp(x, y) ** 2)#2]": THIRD_THROUGH_A,
    "test_second_order[np.linalg.norm:np.linalg.norm(x, 'nuc') + np.sum(x ** 2)]": SPECTRAL,
    "test_second_order[np.linalg.norm:np.linalg.norm(x, 2) + np.sum(x ** 2)]": SPECTRAL,
    "test_second_order[np.linalg.norm:np.linalg.norm(x, -2) + np.sum(x ** 2)]": SPECTRAL,
    # S3 (issue 18): np.linalg.eigvals' helpers have no rule through the matrix (it needs
    # the eigenvector derivatives of a non-symmetric matrix): refused, located
}


def test_exported_gradient_of_sinc_runs_without_s2s_ad(tmp_path):
    """`sinc_slope` (np.sinc's partial) is copied by `export` with the helpers it calls."""
    from s2s_ad.api import derivative
    from s2s_ad.export import export_source

    f = _module(tmp_path, "def f(x):\n    return np.sum(np.sinc(x))\n").f
    namespace: dict = {}
    exec(export_source(f, derivative(f, "gradient", ("x",))), namespace)
    x = np.array([-1.3, 0.0, 0.4, 2.5])
    np.testing.assert_allclose(namespace["f_grad"](x), s2s_ad.grad(f)(x), rtol=1e-14)
