"""Second derivatives of functions that call helpers (issue 17, item 2).

The flat gradient code `f_grad` that `hessian`, `hvp` and `grad(grad(f))` differentiate
again calls each helper plainly in its forward sweep and the helper's own flat gradient code
`helper_grad` in its reverse sweep (ad/reverse.py): user helpers (in loops, nested, returning
tuples, with defaults, keywords and `*args`), user rules (`defvjp`/`defjvp`: their functions
are differentiated as helpers), `scipy.special`, checkpointed loops and `grad(g)(x)` called
inside. Every row: the Hessian against central differences of the gradient, the Hessian by
forward over reverse (`hessian`, `jacfwd(grad)`) against reverse over reverse
(`jacrev(grad)`), `hvp` against the Hessian, `grad(grad)` for scalars, and the first
derivatives in both modes with the primal values of the plain call.
"""

import importlib.util
import math

import numpy as np
import pytest
import scipy.special as sp
from derivative_tests import derivative_tests

import s2s_ad as ad
from s2s_ad.errors import S2SError, UnknownCalleeError, UnsupportedSyntaxError
from s2s_ad.testing import assert_same_value, plain_value

rng = np.random.default_rng(17)
X = rng.standard_normal(3)
W1 = rng.standard_normal((4, 3)) * 0.5
W2 = rng.standard_normal((2, 4)) * 0.5


# helpers of the user's


def layer(W, h):
    return np.tanh(W @ h)


def mlp(x):
    """An MLP whose layers are a helper."""
    return np.sum(layer(W2, layer(W1, x)) ** 2)


def mlp_weights(w, x):
    """The same, differentiated with respect to the weights given to the helper."""
    return np.sum(layer(w, x) ** 2)


def polar(r, theta):
    return r * np.cos(theta), r * np.sin(theta)


def tuple_result(x):
    a, b = polar(x, x[::-1])
    return np.sum(a * b + a**2)


def inner_helper(x):
    return np.exp(0.5 * x) * x


def outer_helper(x, c):
    return inner_helper(x) * np.sin(x) + c * inner_helper(x[::-1])


def nested_helpers(x):
    return np.sum(outer_helper(x, 0.3) ** 2)


def step(x, dt=0.1, *, damping=0.5):
    return x + dt * (np.sin(x) - damping * x)


def helper_in_a_loop(x):
    total = 0.0
    for k in range(4):
        x = step(x, dt=0.1 * (k + 1))
        total = total + np.sum(x**3)
    return total


def helper_in_a_branchy_loop(x):
    for _ in range(3):
        if np.sum(x) > 0.5:
            x = step(x, damping=0.2)
        else:
            x = step(x)
            x = x * 1.5
    return np.sum(x**2)


def weighted(*xs, scale=1.0):
    return scale * xs[0] * np.cos(xs[1])


def star_arguments(x):
    return np.sum(weighted(x, x**2, scale=2.0) ** 2)


def scalar_helper(t):
    return math.sin(t) * t**2


def scalar_function(t):
    return scalar_helper(t) + math.exp(scalar_helper(t) * 0.1)


def black_scholes_call(s, k=1.0, t=0.5, r=0.01, sigma=0.3):
    d1 = (math.log(s / k) + (r + 0.5 * sigma**2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    return s * sp.ndtr(d1) - k * math.exp(-r * t) * sp.ndtr(d2)


def expit_and_erf(x):
    return np.sum(sp.expit(x) * x + sp.erf(x) ** 2)


def checkpointed(x):
    for _ in ad.checkpoint(range(6), every=2):
        x = np.sin(x) * 1.1 + 0.1 * x**2
    return np.sum(x**2)


def checkpointed_with_helper(x):
    for _ in ad.checkpoint(range(5)):
        x = step(x)
    return np.sum(x**3)


def energy(x):
    return np.sum(np.sin(x) ** 2 * x)


def gradient_inside(x):
    g = ad.grad(energy)(x)
    return np.sum(g**2) + energy(x)


def value_and_gradient_inside(x):
    value, g = ad.value_and_grad(energy)(x)
    return value * np.sum(g * x)


# user rules whose functions are differentiable Python


def softplus(x):
    return np.log1p(np.exp(x))


ad.defjvp(softplus, lambda d, ans, x: d * sp.expit(x))
ad.defvjp(softplus, lambda g, ans, x: g * sp.expit(x))


def with_rule(x):
    return np.sum(softplus(x) ** 2 * x)


def smooth_abs(x, eps):
    return np.sqrt(x * x + eps)


def _smooth_abs_vjp(g, ans, x, eps):
    return g * x / ans


ad.defvjp(smooth_abs, _smooth_abs_vjp, None)
ad.defjvp(smooth_abs, lambda d, ans, x, eps: d * x / ans, None)


def with_rule_of_two_arguments(x):
    return np.sum(smooth_abs(x, 0.1) * np.cos(x))


ARRAY_CASES = [
    (mlp, (X,)),
    (mlp_weights, (W1, X)),
    (tuple_result, (X,)),
    (nested_helpers, (X,)),
    (helper_in_a_loop, (X,)),
    (helper_in_a_branchy_loop, (X,)),
    (helper_in_a_branchy_loop, (X - 1.0,)),
    (star_arguments, (X,)),
    (expit_and_erf, (X,)),
    (checkpointed, (X,)),
    (checkpointed_with_helper, (X,)),
    (gradient_inside, (X,)),
    (value_and_gradient_inside, (X,)),
    (with_rule, (X,)),
    (with_rule_of_two_arguments, (X,)),
]
SCALAR_CASES = [(scalar_function, (0.7,)), (black_scholes_call, (1.1,))]
CASES = ARRAY_CASES + SCALAR_CASES

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def _name(value):
    return getattr(value, "__name__", "")


def gradient_differences(fn, args, step=1e-5):
    """The Hessian by central differences of the (reverse-mode) gradient."""
    x = np.asarray(args[0], dtype=float)
    gradient = ad.grad(fn)
    columns = []
    for i in range(x.size):
        e = np.zeros(x.shape)
        e.flat[i] = step
        at = (lambda v: float(v)) if np.ndim(args[0]) == 0 else (lambda v: v)
        plus = gradient(at(x + e), *args[1:])
        minus = gradient(at(x - e), *args[1:])
        columns.append(np.ravel((np.asarray(plus) - np.asarray(minus)) / (2 * step)))
    return np.stack(columns, axis=-1).reshape(x.shape * 2)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=_name)
def test_hessian_against_differences_of_the_gradient(fn, args):
    expected = gradient_differences(fn, args)
    hessian = ad.hessian(fn)(*args)
    np.testing.assert_allclose(hessian, expected, rtol=1e-6, atol=1e-7)
    # forward over reverse and reverse over reverse
    by_columns = ad.jacfwd(ad.grad(fn))(*args)
    by_rows = ad.jacrev(ad.grad(fn))(*args)
    np.testing.assert_allclose(by_columns, hessian, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(by_rows, hessian, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("fn", "args"), ARRAY_CASES, ids=_name)
def test_hvp_is_the_hessian_along_a_direction(fn, args):
    direction = rng.standard_normal(np.shape(args[0]))
    tangents = (direction, *(None for _ in args[1:]))
    gradient, product = ad.hvp(fn, args, tangents)
    hessian = ad.hessian(fn)(*args)
    axes = np.ndim(args[0])
    expected = np.tensordot(hessian, direction, axes=axes)
    np.testing.assert_allclose(product, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gradient, ad.grad(fn)(*args), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("fn", "args"), SCALAR_CASES, ids=_name)
def test_grad_of_grad_of_scalars(fn, args):
    second = ad.grad(ad.grad(fn))(*args)
    np.testing.assert_allclose(second, gradient_differences(fn, args), rtol=1e-6)
    np.testing.assert_allclose(second, ad.hessian(fn)(*args), rtol=1e-12)
    third = ad.grad(ad.grad(ad.grad(fn)))(*args)  # the flat code of flat code
    step = 1e-5
    numeric = (ad.grad(ad.grad(fn))(args[0] + step) - ad.grad(ad.grad(fn))(args[0] - step)) / (
        2 * step
    )
    np.testing.assert_allclose(third, numeric, rtol=1e-5)


def test_black_scholes_gamma_is_the_closed_form():
    s, k, t, r, sigma = 1.1, 1.0, 0.5, 0.01, 0.3
    d1 = (math.log(s / k) + (r + 0.5 * sigma**2) * t) / (sigma * math.sqrt(t))
    gamma = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi) / (s * sigma * math.sqrt(t))
    np.testing.assert_allclose(ad.hessian(black_scholes_call)(s), gamma, rtol=1e-12)
    np.testing.assert_allclose(ad.grad(ad.grad(black_scholes_call))(s), gamma, rtol=1e-12)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=_name)
def test_values_are_the_plain_call(fn, args):
    plain = plain_value(fn, args)
    value, _ = ad.value_and_grad(fn)(*args)
    assert_same_value(value, plain, "value_and_grad")


def test_the_flat_code_calls_the_helpers_and_their_flat_gradient_code():
    source = ad.derivative_source(mlp, mode="gradient")
    assert "layer(W1, x)" in source and "layer_grad(" in source
    assert "def pullback" not in source and "_vjp(" not in source  # no closures


def test_a_helper_runs_once_per_gradient_call_in_grad():
    """`grad` keeps the closures: the flat code's second run of a helper is only where a
    second derivative needs it."""
    assert "layer_vjp(" in ad.derivative_source(mlp, mode="reverse")


# refusals


def noisy(x):
    print("noisy", x.shape)
    return np.sin(x)


def calls_a_noisy_helper(x):
    return np.sum(noisy(x) ** 2)  # <- error


def test_a_helper_with_a_print_has_a_hessian(capsys):
    """Flat code runs a helper's forward sweep again in its gradient code: its `print` runs
    more often than in the plain call, and the numbers are the same as without it."""
    ad.grad(calls_a_noisy_helper)(X)  # first derivatives keep the closures: it prints once
    assert capsys.readouterr().out.count("noisy") == 1
    hessian = ad.hessian(calls_a_noisy_helper)(X)
    np.testing.assert_allclose(hessian, np.diag(2.0 * np.cos(2.0 * X)), rtol=1e-12, atol=1e-12)
    assert "noisy" in capsys.readouterr().out


def opaque(x):
    return np.log1p(np.exp(x))


OPAQUE_LINE = 0


def _give_opaque_rules():
    global OPAQUE_LINE
    OPAQUE_LINE = _give_opaque_rules.__code__.co_firstlineno + 4  # the defvjp
    ad.defjvp(opaque, np.frompyfunc(lambda d, ans, x: d / (1.0 + math.exp(-x)), 3, 1))
    ad.defvjp(opaque, np.frompyfunc(lambda g, ans, x: g / (1.0 + math.exp(-x)), 3, 1))


_give_opaque_rules()


def with_opaque_rule(x):
    return np.sum(opaque(x) ** 2)


def test_a_rule_that_is_not_python_is_named_when_differentiated_again():
    x = np.array([0.3, -0.2])
    np.testing.assert_allclose(
        np.asarray(ad.grad(with_opaque_rule)(x), dtype=float),
        2 * np.log1p(np.exp(x)) * sp.expit(x),
        rtol=1e-12,
    )
    for second in (ad.hessian(with_opaque_rule), ad.jacrev(ad.grad(with_opaque_rule))):
        with pytest.raises(UnknownCalleeError, match="the vjp rule of `opaque` for `x`") as info:
            second(x)
        assert (info.value.filename, info.value.line) == (__file__, OPAQUE_LINE)
        assert "write the rule as a Python function" in info.value.hint


def cannot_be_differentiated(x):
    return np.tanh(x)


def _rule_with_try(g, ans, x):
    try:
        return g * (1.0 - ans**2)
    except FloatingPointError:
        return g


ad.defvjp(cannot_be_differentiated, _rule_with_try)
ad.defjvp(cannot_be_differentiated, lambda d, ans, x: d * (1.0 - ans**2))


def with_rule_using_try(x):
    return np.sum(cannot_be_differentiated(x) ** 2)


def test_a_python_rule_that_cannot_be_differentiated_names_the_rule():
    ad.grad(with_rule_using_try)(X)
    with pytest.raises(S2SError, match="in the vjp rule of `cannot_be_differentiated`") as info:
        ad.jacrev(ad.grad(with_rule_using_try))(X)
    assert info.value.filename == __file__
    assert info.value.line == _rule_with_try.__code__.co_firstlineno + 1  # its `try`


def test_refusal_in_derivative_code_is_at_the_users_statement(tmp_path):
    """An operation with no derivative of the next order (the matrix 2-norm) is refused at
    the user's statement that made the derivative code, not at a generated line."""
    path = tmp_path / "spectral.py"
    path.write_text(
        "import numpy as np\ndef f(a):\n    n = np.linalg.norm(a, 2)\n    return n * n\n"
    )
    spec = importlib.util.spec_from_file_location("spectral", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    f = module.f
    a = np.diag([1.0, 2.0, 4.0]) + np.triu(np.full((3, 3), 0.3), 1)
    ad.grad(f)(a)  # first derivatives exist
    with pytest.raises(ad.S2SError) as error:
        ad.hessian(f)(a)
    assert error.value.filename == str(path)
    assert error.value.line == 3
    assert "rt.norm_flat" in error.value.message


_SEEN = []


def _unreadable_eigen(a, name="np.linalg.eig"):
    global _SEEN  # (a construct s2s_ad refuses: this helper's derivative cannot be made)
    _SEEN = [name]
    _, vectors = np.linalg.eig(a)
    return vectors, np.linalg.inv(vectors)


def test_refusal_inside_a_helper_differentiated_through_is_at_the_users_statement(
    tmp_path, monkeypatch
):
    """A runtime helper differentiated through its source (runtime/through.py) whose own
    derivative cannot be made is refused as a helper without a rule is: at the user's
    statement, naming the helper, not at a line of s2s_ad's runtime. (rt.eig_vjp's part
    `_real_eigen` replaced, for the test, by one s2s_ad cannot read.)"""
    import s2s_ad.runtime.stencils as stencils
    from s2s_ad.runtime.through import differentiated_through

    monkeypatch.setattr(stencils, "_real_eigen", differentiated_through(_unreadable_eigen))
    path = tmp_path / "eig_through.py"
    path.write_text(
        "import numpy as np\n"
        "def f(a):\n"
        "    w, v = np.linalg.eig(a)\n"
        "    return np.sum(v[:, 0] ** 2 * w[0])\n"
    )
    spec = importlib.util.spec_from_file_location("eig_through", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    a = np.diag([1.0, 2.0, 4.0]) + np.triu(np.full((3, 3), 0.3), 1)
    ad.grad(module.f)(a)  # first derivatives exist
    with pytest.raises(ad.S2SError) as error:
        ad.hessian(module.f)(a)
    assert error.value.filename == str(path)
    assert error.value.line == 3
    assert "no derivative of the next order" in error.value.message
    assert "rt.eig_vjp" in error.value.message or "_unreadable_eigen" in error.value.message


def softplus_sum(w):
    return np.sum(np.log1p(np.exp(w * 2.0)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: ad.jacfwd(ad.hessian(softplus_sum)),
        lambda: ad.jacrev(ad.jacfwd(ad.grad(softplus_sum))),
        lambda: ad.jacfwd(ad.jacrev(ad.grad(softplus_sum))),
    ],
    ids=["jacfwd_hessian", "jacrev_jacfwd_grad", "jacfwd_jacrev_grad"],
)
def test_third_order_tensors_are_refused_at_the_function(make):
    """Jacobians and Hessians are vector code, not differentiated again: a located refusal
    naming the user's function, not an internal error."""
    with pytest.raises(UnsupportedSyntaxError, match="third-order tensors") as error:
        make()(np.ones(3))
    assert error.value.filename == __file__
    assert error.value.line == softplus_sum.__code__.co_firstlineno


def test_third_derivative_along_a_direction():
    """What the refusal proposes: the Hessian of a directional derivative."""
    v = np.array([0.5, -1.0, 2.0])
    w = np.array([0.1, 0.4, -0.3])
    got = ad.hessian(lambda x: ad.grad(softplus_sum)(x) @ v)(w)
    s = 1.0 / (1.0 + np.exp(-2.0 * w))  # d³/dw³ of log1p(exp(2w)) is 8 s (1-s) (1-2s)
    np.testing.assert_allclose(got, np.diag(8.0 * s * (1 - s) * (1 - 2 * s) * v), rtol=1e-10)
