"""scipy.special's functions and `math`'s gamma functions (issue 18) as users write them.

The rule table (tests/test_rules.py `special_function_rows`) checks each rule in both modes,
float32 and vector mode, and tests/test_rules_second_order.py at second order. Here: the
forms a user program takes (tuple unpacking of `return_sign`, a dimension held in a
variable, a gamma-function log-likelihood), the Hessians of those, the edges of the
domains where the formula must stay finite, and the located refusals of derivatives with no
closed form (the order of a Bessel function, the shape parameters of the incomplete gamma
and beta functions).
"""

import inspect
import math
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.special
from derivative_tests import derivative_tests, second_differences

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree

rng = np.random.default_rng(18)
X = rng.uniform(0.5, 2.0, size=5)
B = np.array([1.0, -0.4, 2.0, 0.5, -0.2])


def signed_lse(x, b):
    lse, sign = scipy.special.logsumexp(x, b=b, return_sign=True)
    return lse * sign + lse**2


def signed_lse_axis(x, b):
    lse, sign = scipy.special.logsumexp(x, axis=1, b=b, keepdims=True, return_sign=True)
    return np.sum(lse * sign)


def dimension_in_a_variable(a):
    p = 3
    return np.sum(scipy.special.multigammaln(a, p) + scipy.special.multigammaln(a, d=p - 1))


def beta_log_likelihood(a, b):
    x = np.array([0.2, 0.5, 0.7])
    return np.sum(
        scipy.special.xlogy(a - 1.0, x) + scipy.special.xlog1py(b - 1.0, -x)
    ) - 3.0 * scipy.special.betaln(a, b)


def gamma_cdf_in_x(x):
    return np.sum(scipy.special.gammainc(2.5, x) * scipy.special.gammaincc(0.5, x))


def bessel_mix(z):
    return np.sum(scipy.special.jv(1.5, z) * scipy.special.kv(0.5, z) + scipy.special.ive(2, z))


def lgamma_of_floats(x):
    return math.lgamma(x) * math.gamma(x) + math.lgamma(x + 1.0)


def inverse_cdfs(p):
    return np.sum(scipy.special.ndtri(p) ** 2 + scipy.special.erfcinv(2.0 * p))


CASES = [
    (signed_lse, (X, B)),
    (signed_lse, (X, -B)),
    (signed_lse_axis, (rng.uniform(-1.0, 1.0, (3, 5)), B)),
    (dimension_in_a_variable, (rng.uniform(2.0, 3.0, 4),)),
    (beta_log_likelihood, (1.7, 2.4)),
    (gamma_cdf_in_x, (X,)),
    (bessel_mix, (X,)),
    (lgamma_of_floats, (1.3,)),
    (inverse_cdfs, (rng.uniform(0.1, 0.9, 4),)),
]
test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_hessian_against_second_differences(fn, args):
    x = args[0]
    rest = args[1:]
    hessian = ad.hessian(fn)(*args)
    expected = second_differences(lambda v: fn(v, *rest), x)
    np.testing.assert_allclose(hessian, expected, rtol=1e-5, atol=1e-6)


def test_incomplete_functions_stay_finite_at_zero():
    """∂P(1, x)/∂x = e^-x is 1 at x = 0 (x^0 is 1 there: xlogy(0, 0) = 0), and
    ∂I(1, b, x)/∂x = b (1 - x)^(b-1) is b."""

    def f(x):
        return scipy.special.gammainc(1.0, x) + scipy.special.betainc(1.0, 3.0, x)

    for mode in ["reverse", "forward"]:
        grad = ad.grad(f) if mode == "reverse" else ad.grad(f, mode="forward")
        assert grad(0.0) == pytest.approx(1.0 + 3.0, rel=1e-12)
    check_grads(f, (0.3,))


def test_the_sign_of_logsumexp_carries_no_derivative():
    def sign_only(x, b):
        return scipy.special.logsumexp(x, b=b, return_sign=True)[1] * np.sum(x)

    check_grads(sign_only, (X, B))
    check_modes_agree(sign_only, (X, B))
    np.testing.assert_allclose(ad.grad(sign_only)(X, B), np.ones_like(X))


def gammainc_in_the_shape(a, x):
    return scipy.special.gammainc(a, x)  # <- error


def betainc_in_b(b, x):
    y = x * 2.0
    return scipy.special.betainc(2.0, b, y)  # <- error


def bessel_in_the_order(v, z):
    return np.sum(scipy.special.jv(v, z))  # <- error


def kv_in_the_order(v, z):
    return scipy.special.kv(v * 1.0, z)  # <- error


def polygamma_in_the_order(n, x):
    return scipy.special.polygamma(n, x)  # <- error


def sign_in_a_variable(x, flag):
    return scipy.special.logsumexp(x, return_sign=flag)  # <- error


REFUSALS = [
    (gammainc_in_the_shape, "`a`"),
    (betainc_in_b, "`b`"),
    (bessel_in_the_order, "`v`"),
    (kv_in_the_order, "`v`"),
    (polygamma_in_the_order, "`n`"),
]


def _marked_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, text in enumerate(lines) if "# <- error" in text)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(("fn", "param"), REFUSALS, ids=lambda v: getattr(v, "__name__", v))
def test_a_derivative_with_no_closed_form_is_a_located_refusal(fn, param, mode):
    with pytest.raises(
        S2SError, match=f"no derivative with respect to its argument {param}"
    ) as info:
        ad.derivative_source(fn, mode=mode)
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, _marked_line(fn))
    assert "constant" in info.value.hint


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_the_same_functions_differentiate_in_their_argument(mode):
    for fn, args in [
        (gammainc_in_the_shape, (2.5, 1.3)),
        (betainc_in_b, (2.0, 0.3)),
        (bessel_in_the_order, (np.array([0.5, 1.0]), X[:2])),
        (kv_in_the_order, (0.5, 1.3)),
        (polygamma_in_the_order, (1, 1.3)),
    ]:
        grad = ad.grad(fn, wrt=1, mode=mode)
        step = 1e-6
        x = args[1]
        expected = (fn(args[0], x + step) - fn(args[0], x - step)) / (2 * step)
        if np.ndim(x):
            expected = np.array(
                [
                    (fn(args[0], x + step * e) - fn(args[0], x - step * e)) / (2 * step)
                    for e in np.eye(len(x))
                ]
            )
        np.testing.assert_allclose(grad(*args), expected, rtol=1e-6)


def test_a_variable_return_sign_is_a_located_refusal():
    with pytest.raises(S2SError, match="`return_sign` is a variable") as info:
        ad.derivative_source(sign_in_a_variable)
    assert info.value.line == _marked_line(sign_in_a_variable)
    assert "literal" in info.value.hint


def test_math_lgamma_needs_no_scipy_import_in_the_program(tmp_path):
    """The program imports only `math`: the rule (which calls scipy's digamma) loads scipy."""
    program = tmp_path / "prog.py"
    program.write_text(
        textwrap.dedent(
            """
            import math
            import sys
            import s2s_ad as ad

            def f(x):
                return math.lgamma(x) + math.gamma(x)

            assert "scipy.special" not in sys.modules
            print(repr(ad.grad(f)(2.5)), repr(ad.grad(f, mode="forward")(2.5)))
            """
        )
    )
    here = str(pathlib.Path(ad.__file__).parents[1])  # this s2s_ad, not an installed one
    env = {**os.environ, "PYTHONPATH": here}
    run = subprocess.run(
        [sys.executable, str(program)], capture_output=True, text=True, check=False, env=env
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout.split()
    expected = scipy.special.digamma(2.5) * (1.0 + math.gamma(2.5))
    assert [float(v) for v in out] == [pytest.approx(expected, rel=1e-13)] * 2
