"""A passive array combined with an active value of lower rank (issue 14, item 12).

The primal broadcasts the active value over the passive array's shape; its tangent must be
broadcast the same way (`np.sum(data - mu)` with `mu` a float has derivative -data.size).
Each broadcasting primitive is tried with a passive (2, 3) array — a module global, a local
or an argument held fixed — and an active operand that is a float, an `np.float64`, a 0-d
array or a 1-D array, in both operand orders. Every case is checked in forward (`jvp`,
`grad(mode="forward")`), vector (`jacfwd`) and reverse (`vjp`, `grad`, `jacrev`) modes
against central differences, with the primal value against the plain call.
"""

import importlib.util

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.testing import check_grads, numeric_jvp

# the passive array (a global, a local, an argument), away from the active values' kinks
P = np.array([[0.6, 1.1, 1.7], [1.25, 0.8, 1.45]])
LOCAL_P = "np.array([[0.6, 1.1, 1.7], [1.25, 0.8, 1.45]])"
W = np.array([[0.3, -1.2, 0.7], [1.1, 0.4, -0.6]])  # weights of the scalar loss
ACTIVE = {
    "float": 1.3,
    "float64": np.float64(1.3),
    "0d": np.array(1.3),
    "1d": np.array([1.2, 0.9, 1.6]),
}

# (name, body with `p` passive and `a` active, the result `r`); `p` is positive, `a` too
PRIMITIVES = {
    "add": "r = p + a",
    "radd": "r = a + p",
    "sub": "r = p - a",
    "rsub": "r = a - p",
    "mul": "r = p * a",
    "rmul": "r = a * p",
    "div": "r = p / a",
    "rdiv": "r = a / p",
    "pow": "r = p ** a",
    "rpow": "r = a ** p",
    "neg_sum": "r = -(p - a) + 0.0",
    "np_add": "r = np.add(p, a)",
    "np_subtract": "r = np.subtract(a, p)",
    "np_multiply": "r = np.multiply(p, a)",
    "np_divide": "r = np.divide(a, p)",
    "np_power": "r = np.power(a, p)",
    "maximum": "r = np.maximum(p, a)",
    "rmaximum": "r = np.maximum(a, p)",
    "minimum": "r = np.minimum(a, p)",
    "fmax": "r = np.fmax(p, a)",
    "where": "r = np.where(p > 1.0, a, p)",
    "rwhere": "r = np.where(p > 1.0, p, a)",
    "where_zero": "r = np.where(p > 1.0, a, 0.0)",
    "where_active_condition": "r = np.where(a > 1.0, a, p)",
    "where_float_condition": "r = np.where(a * 1.0, a, p)",
    "hypot": "r = np.hypot(p, a)",
    "arctan2": "r = np.arctan2(p, a)",
    "rarctan2": "r = np.arctan2(a, p)",
    "logaddexp": "r = np.logaddexp(a, p)",
    "clip": "r = np.clip(a, p - 0.5, p)",
    "iadd": "r = p * 1.0\n    r += a",
    "isub": "r = p * 1.0\n    r -= a",
    "imul": "r = p * 1.0\n    r *= a",
    "idiv": "r = p * 1.0\n    r /= a",
    "setitem": "r = p * 1.0\n    r[1] = a",
    "setitem_slice": "r = p * 1.0\n    r[:, :] = a",
    "zeros_plus": "r = np.zeros((2, 3)) + a + p",
    "ones_times": "r = np.ones((2, 3)) * a * p",
    "full_minus": "r = np.full((2, 3), 2.0) - a + p",
    "zeros_iadd": "r = np.zeros((2, 3))\n    r += a\n    r = r * p",
    "broadcast_to": "r = np.broadcast_to(a, (2, 3)) * p",
    "full": "r = np.full((2, 3), a) * p",
}
# not for a 1-D active operand of length 3 (the written element is a row)
SCALAR_ONLY = {"setitem"}
PASSIVE = ("global", "local", "argument")


def _source() -> str:
    lines = ["import numpy as np", "", f"P = np.array({P.tolist()})"]
    lines += [f"W = np.array({W.tolist()})", ""]
    for name, body in PRIMITIVES.items():
        for where in PASSIVE:
            params = "a, p" if where == "argument" else "a"
            bind = {"global": "p = P", "local": f"p = {LOCAL_P}", "argument": "p = p * 1.0"}
            lines += [f"def {name}_{where}({params}):", f"    {bind[where]}", f"    {body}"]
            lines += ["    return r", ""]
            lines += [f"def {name}_{where}_loss({params}):", f"    {bind[where]}", f"    {body}"]
            lines += ["    return np.sum(r * W)", ""]
    # the cases of the issue, as written there
    lines += [
        "data = np.array([1.0, 2.0, 3.0])",
        "",
        "def centered_sum(mu):",
        "    return np.sum(data - mu)",
        "",
        "def zeros_sum(v):",
        "    return np.sum(np.zeros((2, 3)) + v)",
        "",
        "def read_after(y):",
        "    a = y + np.zeros(3)",
        "    return a[1]",
        "",
        "def full_minus(c, s):",
        "    return np.sum(np.full(3, c) - s)",
        "",
        "def buffer(s):",
        "    buf = np.zeros(3)",
        "    buf += s",
        "    return np.sum(buf * np.array([1.0, 2.0, 3.0]))",
        "",
        "def fixed_plus(x, A):",
        "    return np.sum((A + x) * A)",
        "",
        "def matmul_after(s, M):",
        "    v = np.zeros(3) + s",
        "    return np.sum(M @ v)",
        "",
        "def matmul_passive_3d(x, T):",
        "    return np.sum(np.sin(T @ x) + x @ T)",
        "",
        "def chain(s):",
        "    b = np.ones((2, 3)) - s",
        "    c = np.sin(b) * s",
        "    d = c[0, 1:] + c[1, :2]",
        "    return np.sum(d ** 2)",
        "",
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    path = tmp_path_factory.mktemp("broadcast") / "broadcast_cases.py"
    path.write_text(_source())
    spec = importlib.util.spec_from_file_location("broadcast_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _args(where: str, active: object) -> tuple:
    return (active, P.copy()) if where == "argument" else (active,)


def _numeric_jacobian(f, args) -> np.ndarray:
    """d f / d args[0], shaped out.shape + args[0].shape, by central differences."""
    a = np.asarray(args[0], dtype=float)
    columns = []
    for k in range(a.size):
        e = np.zeros(a.size)
        e[k] = 1.0
        seed = e.reshape(a.shape) if isinstance(args[0], np.ndarray) else type(args[0])(1.0)
        columns.append(numeric_jvp(f, args, (seed, *(None for _ in args[1:]))))
    out_shape = np.shape(f(*args))
    return np.stack(columns, axis=-1).reshape((*out_shape, *a.shape))


def _all_modes(f, args) -> None:
    """Every mode against central differences, and every primal against the plain call."""
    plain = f(*args)
    tangents = (np.ones_like(args[0]) * 0.7 if np.ndim(args[0]) else 0.7, *(None for _ in args[1:]))
    out, out_dot = ad.jvp(f, args, tangents)
    np.testing.assert_array_equal(out, plain)
    assert np.shape(out_dot) == np.shape(plain)
    np.testing.assert_allclose(
        out_dot, numeric_jvp(f, args, tangents).reshape(np.shape(plain)), rtol=1e-6, atol=1e-8
    )
    out, _ = ad.vjp(f, *args)
    np.testing.assert_array_equal(out, plain)
    expected = _numeric_jacobian(f, args)
    for jac in (ad.jacfwd, ad.jacrev):
        np.testing.assert_allclose(jac(f)(*args), expected, rtol=1e-6, atol=1e-8)
    check_grads(f, args)


# the whole table: each primitive, by where the passive array lives, by the active's kind
TABLE = [
    (name, where, kind)
    for name in PRIMITIVES
    for where in PASSIVE
    for kind in ACTIVE
    if not (kind == "1d" and name in SCALAR_ONLY)
]


@pytest.mark.parametrize(("name", "where", "kind"), TABLE, ids=["-".join(c) for c in TABLE])
def test_broadcast_primitive(cases, name, where, kind):
    f = getattr(cases, f"{name}_{where}")
    args = _args(where, ACTIVE[kind])
    _all_modes(f, args)
    loss = getattr(cases, f"{name}_{where}_loss")
    numeric = _numeric_jacobian(loss, args)
    for mode in ("reverse", "forward"):
        value, gradient = ad.value_and_grad(loss, mode=mode)(*args)
        assert value == loss(*args)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)
        assert np.shape(gradient) == np.shape(args[0])


# the cases of the issue: (function, arguments); the passive arrays are globals or arguments
# held fixed (differentiated with respect to the first argument only)
ISSUE_CASES = [
    ("centered_sum", (2.0,)),
    ("zeros_sum", (1.5,)),
    ("zeros_sum", (np.float64(1.5),)),
    ("read_after", (1.5,)),
    ("full_minus", (1.0, 0.5)),
    ("buffer", (1.0,)),
    ("fixed_plus", (1.0, P.copy())),
    ("fixed_plus", (np.array([0.5, 1.0, 2.0]), P.copy())),
    ("matmul_after", (0.7, P.copy())),
    ("matmul_passive_3d", (np.array([0.5, -1.0, 2.0]), np.arange(18.0).reshape(2, 3, 3) / 9)),
    ("chain", (0.4,)),
]
ISSUE_IDS = [f"{name}-{type(args[0]).__name__}" for name, args in ISSUE_CASES]


@pytest.mark.parametrize(("name", "args"), ISSUE_CASES, ids=ISSUE_IDS)
def test_issue_cases(cases, name, args):
    f = getattr(cases, name)
    _all_modes(f, args)
    numeric = _numeric_jacobian(f, args)
    for mode in ("reverse", "forward"):
        value, gradient = ad.value_and_grad(f, mode=mode)(*args)
        assert value == f(*args)
        np.testing.assert_allclose(gradient, numeric, rtol=1e-6, atol=1e-8)


def test_issue_numbers(cases):
    """The numbers the issue gives: -3 (not -1), 6 (not 3), and a jvp that runs."""
    for mode in ("reverse", "forward"):
        assert ad.grad(cases.centered_sum, mode=mode)(2.0) == pytest.approx(-3.0)
        assert ad.grad(cases.zeros_sum, mode=mode)(1.5) == pytest.approx(6.0)
    assert ad.jvp(cases.read_after, (1.5,), (1.0,)) == (1.5, 1.0)
    assert ad.jvp(cases.fixed_plus, (1.0, P), (1.0, None))[1] == pytest.approx(np.sum(P))


# second derivatives (forward over reverse) of functions with the same broadcasts
HESSIAN_CASES = [
    ("add", "global", 1.3),
    ("rsub", "argument", np.float64(1.3)),
    ("rdiv", "local", 1.3),
    ("pow", "global", np.array([1.2, 0.9, 1.6])),
    ("hypot", "argument", np.array([1.2, 0.9, 1.6])),
    ("where", "local", 1.3),
    ("zeros_iadd", "global", 1.3),
    ("full", "argument", np.array([1.2, 0.9, 1.6])),
]


@pytest.mark.parametrize(("name", "where", "active"), HESSIAN_CASES, ids=lambda v: str(v))
def test_hessian(cases, name, where, active):
    loss = getattr(cases, f"{name}_{where}_loss")
    args = _args(where, active)

    def gradient(*a):
        return np.asarray(ad.grad(loss)(*a), dtype=float)

    a = np.asarray(active, dtype=float)
    columns = []
    for k in range(a.size):
        e = np.zeros(a.size)
        e[k] = 1e-5
        step = e.reshape(a.shape) if isinstance(active, np.ndarray) else float(e[0])
        plus, minus = gradient(args[0] + step, *args[1:]), gradient(args[0] - step, *args[1:])
        columns.append(np.ravel((plus - minus) / 2e-5))
    expected = np.stack(columns, axis=-1).reshape(a.shape + a.shape)
    np.testing.assert_allclose(ad.hessian(loss)(*args), expected, rtol=1e-5, atol=1e-7)


def test_known_shapes_leave_the_broadcast_out():
    """Specialised to shapes, the broadcast stays only where the result is larger."""
    from s2s_ad.pipeline import derivative

    def f(s, A):
        b = np.zeros(3) + s
        c = A + b
        return np.sum(c * b)

    for mode, helper in (
        ("forward", "rt.broadcast_tangent"),
        ("vector", "rt.broadcast_directions"),
    ):
        same = derivative(f, mode, ("s",), shapes=((), (3,))).source
        assert same.count(helper) == 1  # b = zeros(3) + s: b is larger than s
        larger = derivative(f, mode, ("s",), shapes=((), (2, 3))).source
        assert larger.count(helper) == 2  # and c = A + b is larger than b
        generic = derivative(f, mode, ("s",)).source
        assert generic.count(helper) == 2


def test_scalar_code_unchanged():
    """Where every operand is active, or the template broadcasts `d` against the passive
    operand (`d * y`), no broadcast is added."""

    def f(x, y):
        return np.sin(x) * y + x * x / y

    for mode in ("forward", "vector"):
        assert "broadcast" not in ad.derivative_source(f, mode=mode)


def written_into_integers(s, x):
    buf = np.zeros(3, dtype=int)
    buf[0] = s
    out = np.zeros(3)
    out[1:] = x[:2]
    return np.sum(buf * x) + np.sum(out * out)


def test_write_into_an_integer_array_has_no_derivative():
    """`buf[0] = s` into an integer array rounds `s`: no derivative flows through it."""
    x = np.array([0.5, -1.5, 2.0])
    for mode in ("reverse", "forward"):
        ds, dx = ad.grad(written_into_integers, wrt=(0, 1), mode=mode)(2.7, x)
        assert ds == 0.0
        np.testing.assert_allclose(dx, [2.0 + 2 * 0.5, 2 * -1.5, 0.0])
    check_grads(written_into_integers, (2.7, x))
