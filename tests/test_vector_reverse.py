"""Vector reverse mode (s2s_ad/vector_reverse.py): `jacrev` pulls back every row in one pass.

Checked for every row of the rule table (tests/test_rules.py) and for random programs
(tests/programs.py) with array results: the rows from one vector pass equal the rows of one
reverse sweep per output element (what `jacrev` did before, kept as the fallback), the
columns of `jacfwd`, and central differences. Functions whose vector reverse code cannot be
made are swept row by row: those cases are tested too, with the path taken asserted.
"""

import numpy as np
import pytest
import test_rules as table
from hessian_checks import float_arguments
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import load_once, programs

import s2s_ad as ad
from s2s_ad import jacobians, pytrees, vector_reverse
from s2s_ad.testing import numeric_jvp


def row_by_row(fn, wrt, args):
    """The Jacobian from one reverse sweep per output element (the fallback path)."""
    f = jacobians._differentiable(fn)
    names, values, inputs = jacobians._inputs(f, wrt, args, {})
    out, pullback = jacobians._forward_sweep(f, names, values)
    return jacobians._shaped(jacobians._reverse(out, pullback, inputs, len(names)), out, wrt)


def swept_by_rows(fn, wrt, args) -> bool:
    """Whether `jacrev(fn, wrt)(*args)` took the row-by-row path."""
    f = jacobians._differentiable(fn)
    names, values, _ = jacobians._inputs(f, wrt, args, {})
    key = vector_reverse._key(f, names, values) or vector_reverse._kinds_key(f, names, values)
    return key in vector_reverse.ROW_BY_ROW


def numeric_jacobian(fn, args, wrt: tuple[int, ...], step=1e-6) -> list[np.ndarray]:
    """Central differences, one block out.shape + arg.shape per argument in `wrt` (arrays
    and floats only)."""
    out = np.asarray(fn(*args))
    blocks = []
    for i in wrt:
        x = args[i]
        columns = []
        for k in range(int(np.size(x))):
            tangent = np.zeros(np.shape(x))
            tangent.flat[k] = 1.0
            tangents = tuple(
                (tangent if np.ndim(x) else float(tangent)) if j == i else _zero(a)
                for j, a in enumerate(args)
            )
            columns.append(np.asarray(numeric_jvp(fn, args, tangents, step)))
        stacked = np.stack(columns, axis=-1) if columns else np.zeros((*out.shape, 0))
        blocks.append(stacked.reshape(out.shape + np.shape(x)))
    return blocks


def _zero(a):
    if isinstance(a, np.ndarray) and np.issubdtype(a.dtype, np.floating):
        return np.zeros_like(a)
    return 0.0 if isinstance(a, float) else None


def _assert_close(ours, reference, rtol=1e-10):
    for mine, theirs in zip(pytrees.flatten(ours)[0], pytrees.flatten(reference)[0], strict=True):
        scale = max(float(np.max(np.abs(theirs), initial=0.0)), 1.0)
        np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=rtol * scale)


SCALES = "np.array([1.0, 2.0, -0.5])"  # a scalar row's result spread over three outputs


def _is_float_scalar(value) -> bool:
    return isinstance(value, (float, np.floating)) or (
        isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f"
    )


@pytest.fixture(scope="module")
def wide_module(tmp_path_factory):
    """Each row of the table as `row_i`; a row with a float scalar result as three outputs,
    `SCALES * result`, so that the cotangents through its rule have a leading axis of three
    different rows (a sum over the wrong axis, or rows mixed, shows)."""
    plain = table.build_module(tmp_path_factory)
    lines = ["import math", "import numpy as np", "import scipy.special", "import s2s_ad"]
    lines += ["import scipy.stats", "import scipy.signal", "import scipy.linalg", "import typing"]
    lines += ["import s2s_ad.runtime as rt", table._helpers_source()]
    for index, (_, expr, args) in enumerate(table.ROWS):
        params = ", ".join(table.PARAMS[: len(args)])
        with np.errstate(all="ignore"):
            scalar = _is_float_scalar(getattr(plain, f"row_{index}")(*args))
        body = f"{SCALES} * ({expr})" if scalar else expr
        lines += [f"def row_{index}({params}):", f"    return {body}", ""]
    return table.module_of_lines(tmp_path_factory, "wide_rule_rows", lines)


@pytest.mark.parametrize("index", range(len(table.ROWS)), ids=table.IDS)
def test_rule_in_vector_reverse_mode(wide_module, index):
    """Every rule through `jacrev` with several output rows: the vector pass equals one
    reverse sweep per row (the same arithmetic, summed in another order), `jacfwd`'s
    columns and central differences."""
    fn = getattr(wide_module, f"row_{index}")
    args = table.ROWS[index][2]
    wrt = table._float_positions(args)
    vector = ad.jacrev(fn, wrt)(*args)
    _assert_close(vector, row_by_row(fn, wrt, args), rtol=1e-12)
    _assert_close(vector, ad.jacfwd(fn, wrt)(*args))
    out = fn(*args)
    if isinstance(out, (float, np.floating, np.ndarray)) and all(
        isinstance(args[i], (float, np.ndarray)) for i in wrt
    ):
        for ours, numeric in zip(vector, numeric_jacobian(fn, args, wrt), strict=True):
            scale = max(float(np.max(np.abs(numeric), initial=0.0)), 1.0)
            np.testing.assert_allclose(ours, numeric, rtol=1e-5, atol=1e-5 * scale)
    if table.ROWS[index][0] not in ROW_BY_ROW_RULES:
        assert not swept_by_rows(fn, wrt, args), "swept row by row"


# the rules whose rows take the row-by-row path: none since session 39 (svd's, lstsq's and
# eig's helpers are differentiated through their source: runtime/through.py; expm's
# `expm_frechet` has a rule), so every rule's vector code of the gradient code is made
ROW_BY_ROW_RULES: set[str] = set()


# functions of arrays with array results
def tanh_layer(x, W):
    return np.tanh(W @ x)


def two_results(x, W):
    y = np.tanh(W @ x)
    return y * x[:3], np.sum(x**2)


def looped(x):
    y = x
    for k in range(4):
        y = np.sin(y) * (1.0 + 0.1 * k) + x[0]
    return y[1:] * y[:-1]


def with_branch(x, W):
    h = W @ x
    if np.sum(h) > 0.0:  # noqa: SIM108 (a branch statement)
        h = h * np.exp(-h)
    else:
        h = np.cos(h)
    return h


X = np.array([0.3, -1.2, 0.8, 1.5, -0.4])
W = np.random.default_rng(3).standard_normal((3, 5))


def _numeric_blocks(fn, args, wrt):
    """Central differences of each returned value, by output then by input."""
    positions = wrt if isinstance(wrt, tuple) else (wrt,)
    several = isinstance(fn(*args), tuple)
    count = len(fn(*args)) if several else 1
    return [
        numeric_jacobian((lambda *a, k=k: fn(*a)[k]) if several else fn, args, positions)
        for k in range(count)
    ]


@pytest.mark.parametrize("fn", [tanh_layer, two_results, looped, with_branch])
@pytest.mark.parametrize("wrt", [0, (0, 1)])
def test_functions_of_arrays(fn, wrt):
    args = (X, W) if fn.__code__.co_argcount == 2 else (X,)
    if wrt == (0, 1) and len(args) == 1:
        wrt = (0,)
    vector = ad.jacrev(fn, wrt)(*args)
    assert not swept_by_rows(fn, wrt, args)
    _assert_close(vector, row_by_row(fn, wrt, args), rtol=1e-12)
    _assert_close(vector, ad.jacfwd(fn, wrt)(*args))
    _assert_close(vector, ad.jacobian(fn, wrt, mode="reverse")(*args), rtol=0.0)
    ours = vector if isinstance(fn(*args), tuple) else [vector]
    for mine, theirs in zip(ours, _numeric_blocks(fn, args, wrt), strict=True):
        mine = mine if isinstance(wrt, tuple) else (mine,)
        for block, reference in zip(mine, theirs, strict=True):
            np.testing.assert_allclose(block, reference, rtol=1e-5, atol=1e-6)


def test_jacobian_shapes_follow_the_outputs():
    """The rows of two returned values, split by the plain call's outputs: blocks
    out.shape + in.shape, the scalar's a vector."""
    first, second = ad.jacrev(two_results)(X, W)
    assert first.shape == (3, 5) and second.shape == (5,)
    np.testing.assert_allclose(second, 2.0 * X, rtol=1e-15)


def test_float32_stays_float32():
    narrow = ad.jacrev(tanh_layer)(X.astype(np.float32), W.astype(np.float32))
    assert narrow.dtype == np.float32
    np.testing.assert_allclose(narrow, ad.jacrev(tanh_layer)(X, W), rtol=1e-5, atol=1e-6)


def hessian_of(x):
    return np.sum(np.sin(x) ** 2) + x[0] * np.sum(x**3)


def second_nested(x):
    A = np.array([[x, x * x], [1.0, np.cos(x)]])
    return np.sum(A @ A)


@pytest.mark.parametrize("f", [hessian_of, second_nested])
def test_jacrev_of_grad_is_the_hessian(f):
    """`jacrev(grad(f))` = `hessian` = central differences of the gradient, from one pass of
    the vector code of the gradient code of `grad`'s gradient code (lists built from
    scalars: their tangents item by item became an array's, directions first, in
    `rt.broadcast_directions`; tests/test_vector_tangent_lists.py)."""
    x = X if f is hessian_of else 0.7
    gradient = ad.grad(f)
    ours = ad.jacrev(gradient)(x)
    assert not swept_by_rows(gradient, 0, (x,))
    np.testing.assert_allclose(ours, ad.hessian(f)(x), rtol=1e-12, atol=1e-12)
    numeric = numeric_jacobian(gradient, (x,), (0,))[0]
    np.testing.assert_allclose(ours, numeric, rtol=1e-5, atol=1e-6)


# row by row where the vector reverse code is not made
def printing(x):
    print("called")
    return np.sin(x)


def returns_dict(x):
    return {"a": np.sin(x), "b": x[0] * x}


def returns_int_too(x):
    return np.sin(x), 3


def test_statements_kept_for_their_effect_run_once(capsys):
    ours = ad.jacrev(printing)(X)
    assert swept_by_rows(printing, 0, (X,))
    assert capsys.readouterr().out == "called\n"
    np.testing.assert_allclose(ours, np.diag(np.cos(X)), rtol=1e-15)


@pytest.mark.parametrize("fn", [returns_dict, returns_int_too])
def test_structured_results_are_swept_row_by_row(fn):
    ours = ad.jacrev(fn)(X)
    assert swept_by_rows(fn, 0, (X,))
    _assert_close(ours, ad.jacfwd(fn)(X), rtol=1e-12)


def test_auto_mode_times_the_vector_pass():
    """`jacobian(mode="auto")` with more inputs than outputs times forward against the
    vector reverse pass, and either gives the same Jacobian."""
    x = np.linspace(-1.0, 1.0, 40)
    w = np.random.default_rng(0).standard_normal((4, 40))
    ours = ad.jacobian(tanh_layer)(x, w)
    np.testing.assert_allclose(ours, ad.jacfwd(tanh_layer)(x, w), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours, row_by_row(tanh_layer, 0, (x, w)), rtol=1e-12, atol=1e-14)


# random programs with array results: the last `np.sum(...)` left out
SETTINGS = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
    "derandomize": True,
    "max_examples": 60,
}


@st.composite
def array_programs(draw):
    source = draw(programs(augment=False, arrays=True, control_flow=True, max_statements=6))
    head, _, result = source.rstrip("\n").rpartition("\n    return np.sum(")
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return head + f"\n    return ({result}\n", (
        rng.uniform(-2, 2, size=(3, 4)),
        rng.uniform(-2, 2, size=(4,)),
    )


@settings(**SETTINGS)
@given(case=array_programs())
def test_random_programs_jacrev_against_jacfwd(case):
    source, args = case
    fn = load_once(source)
    wrt = float_arguments(args)
    try:
        by_columns = ad.jacfwd(fn, wrt)(*args)
    except ad.S2SError:
        return  # refused in every mode alike (tests/test_properties.py checks the refusals)
    vector = ad.jacrev(fn, wrt)(*args)
    _assert_close(vector, by_columns, rtol=1e-9)
    _assert_close(vector, row_by_row(fn, wrt, args), rtol=1e-12)
