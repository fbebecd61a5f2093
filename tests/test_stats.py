"""scipy.stats as users write it (issue 18): the forms of the calls, whole programs, second
derivatives, the edges of the supports, and the located refusals.

The rule table (tests/test_rules.py, `stats_rows`) checks every method of every
distribution; this file checks what the table does not: how the distributions are reached
(`st.norm`, `from scipy.stats import norm`), programs that combine them, and what is refused.
"""

import subprocess
import sys

import numpy as np
import pytest
import scipy.stats as st
from derivative_tests import derivative_tests, marked_line, second_differences
from scipy.stats import gamma, multivariate_normal, norm

import s2s_ad as ad
from s2s_ad.errors import UnknownCalleeError, UnsupportedSyntaxError
from s2s_ad.testing import check_grads

rng = np.random.default_rng(18)
DATA = rng.standard_normal(6)
FEATURES = rng.standard_normal((6, 2))


def regression_log_posterior(w, log_sigma):
    """Bayesian linear regression: a normal likelihood and priors, reached as `st.norm`."""
    sigma = np.exp(log_sigma)
    likelihood = np.sum(st.norm.logpdf(DATA, loc=FEATURES @ w, scale=sigma))
    prior = np.sum(st.norm.logpdf(w, 0.0, 2.0)) + st.gamma.logpdf(sigma, 2.0, scale=1.5)
    return likelihood + prior


def imported_names(mu, s):
    """`from scipy.stats import norm`: the same bound method, the same rule."""
    return np.sum(norm.logcdf(DATA, mu, s)) + gamma.logpdf(s, a=mu + 2.0)


def student_t_in_every_argument(x, df, loc, scale):
    return np.sum(st.t.logpdf(x, df, loc, scale))


def keywords_in_any_order(x, s):
    return np.sum(st.t.pdf(x, scale=s, df=3.0, loc=0.5)) + st.laplace.sf(0.3, scale=s)


def multivariate(x, mean, chol):
    cov = chol @ chol.T + np.eye(2)
    return np.sum(multivariate_normal.logpdf(x, mean, cov)) + multivariate_normal.entropy(cov=cov)


def dirichlet_mixture(logits, alpha):
    weights = np.exp(logits) / np.sum(np.exp(logits))
    return st.dirichlet.logpdf(weights, alpha) + st.dirichlet.entropy(alpha)


def poisson_counts(log_rate):
    counts = np.array([0, 2, 5, 1, 3, 4])
    return np.sum(st.poisson.logpmf(counts, np.exp(log_rate + FEATURES[:, 0])))


def exponential_race(rate):
    return np.sum(st.expon.logsf(DATA**2, scale=1.0 / rate)) + st.expon.entropy(scale=rate)


def frozen_in_one_expression(x, mu, s):
    """`st.norm(mu, s).logpdf(x)`: the frozen distribution's method, called at once."""
    return (
        np.sum(st.norm(mu, s).logpdf(x))
        + st.t(3.0, scale=s).entropy()
        + np.sum(st.gamma(2.0, loc=mu).cdf(x + 3.0))
        + st.poisson(mu + 2.0).logpmf(3)
    )


def frozen_multivariate(x, mean, cov):
    return st.multivariate_normal(mean, cov).logpdf(x) + st.dirichlet(mean**2).entropy()


EPS = rng.standard_normal((5, 2))


def black_box_elbo(params):
    """autograd's black-box variational inference example: a funnel-shaped target
    (`norm.logpdf` with a scale that depends on the sample), a Gaussian approximation
    whose entropy is `multivariate_normal.entropy` of a diagonal covariance."""
    mean, log_std = params[:2], params[2:]
    samples = EPS * np.exp(log_std) + mean
    mu, log_sigma = samples[:, 0], samples[:, 1]
    log_density = st.norm.logpdf(log_sigma, 0, 1.35) + st.norm.logpdf(mu, 0, np.exp(log_sigma))
    covariance = np.diag(np.exp(2 * log_std))
    return st.multivariate_normal.entropy(mean, covariance) + np.mean(log_density)


CASES = [
    (regression_log_posterior, (np.array([0.3, -0.2]), 0.1)),
    (imported_names, (0.4, 1.3)),
    (student_t_in_every_argument, (DATA, 4.5, 0.2, 1.7)),
    (keywords_in_any_order, (DATA, 1.4)),
    (multivariate, (rng.standard_normal((4, 2)), np.array([0.1, -0.3]), np.eye(2) + 0.2)),
    (dirichlet_mixture, (rng.standard_normal(3), np.array([1.2, 2.5, 0.8]))),
    (poisson_counts, (0.3,)),
    (exponential_race, (0.8,)),
    (frozen_in_one_expression, (DATA, 0.2, 1.4)),
    (black_box_elbo, (np.array([-1.0, -1.0, -5.0, -5.0]) * 0.2,)),
    (frozen_multivariate, (rng.standard_normal(2), np.array([0.5, -0.7]), np.eye(2) + 0.3)),
]
test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_primal_value_is_the_plain_call(fn, args):
    value, _ = ad.value_and_grad(fn, wrt=tuple(range(len(args))))(*args)
    assert value == fn(*args)


def test_hessian_of_a_log_likelihood_in_loc_and_scale():
    def nll(theta):
        return -np.sum(st.norm.logpdf(DATA, theta[0], theta[1])) - st.cauchy.logpdf(theta[0])

    theta = np.array([0.2, 1.3])
    np.testing.assert_allclose(
        ad.hessian(nll)(theta), second_differences(nll, theta), rtol=1e-5, atol=1e-6
    )


def test_hessian_in_a_shape_parameter():
    def f(a):
        return np.sum(st.beta.logpdf(np.array([0.2, 0.7]), a, 2.0 * a)) + st.beta.entropy(a, 1.5)

    np.testing.assert_allclose(ad.hessian(f)(1.7), second_differences(f, 1.7), rtol=1e-5, atol=1e-6)


def test_off_the_support_the_density_has_a_zero_derivative():
    """Where the density is 0 (x below gamma's support, a count that is not an integer,
    a point below expon's loc), its derivative in every parameter is 0, not nan."""

    def f(a, s, mu):
        points = np.array([-1.0, 0.5])
        return (
            np.sum(st.gamma.pdf(points, a, scale=s))
            + np.sum(st.expon.pdf(points, loc=0.7, scale=s))
            + np.sum(st.poisson.pmf(np.array([1.5, 2.0]), mu))
        )

    args = (1.5, 1.2, 2.3)
    check_grads(f, args)
    gradient = ad.grad(f, wrt=(0, 1, 2))(*args)
    assert np.all(np.isfinite(gradient))


def test_the_upper_triangle_of_cov_is_not_read():
    """SciPy reads the lower triangle of `cov`: the partials of the upper one are 0."""

    def f(cov):
        return multivariate_normal.logpdf(np.array([0.3, -0.5]), np.zeros(2), cov)

    cov = np.array([[2.0, 0.9], [0.4, 1.5]])
    gradient = ad.grad(f)(cov)
    assert gradient[0, 1] == 0.0
    check_grads(f, (cov,))


def test_rules_are_registered_only_once_the_program_imports_scipy_stats():
    code = "import sys, s2s_ad; print('scipy.stats' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def cdf_in_its_shape(x, a):
    return np.sum(st.gamma.cdf(x, a))  # <- error


def t_sf_in_its_degrees_of_freedom(x, df):
    return np.sum(st.t.sf(x, df, 0.0, 2.0))  # <- error


def poisson_in_its_count(k, mu):
    return st.poisson.logpmf(k, mu)  # <- error


def normal_with_a_scalar_cov(x):
    return multivariate_normal.logpdf(x, np.zeros(2), 2.0)  # <- error


def normal_cdf(x):
    return multivariate_normal.cdf(x, np.zeros(2), np.eye(2))  # <- error


REFUSED = [
    (cdf_in_its_shape, (DATA**2, 2.0), "`a`"),
    (t_sf_in_its_degrees_of_freedom, (DATA, 3.0), "`df`"),
    (poisson_in_its_count, (3.0, 2.0), "`k`"),
    (normal_with_a_scalar_cov, (np.ones(2),), "arguments its derivative rule does not know"),
    (normal_cdf, (np.ones(2),), "no derivative rule"),
]


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(("fn", "args", "match"), REFUSED, ids=lambda v: getattr(v, "__name__", ""))
def test_refused_at_the_line_naming_the_argument(fn, args, match, mode):
    wrt = tuple(range(len(args)))
    with pytest.raises(UnknownCalleeError, match=match) as info:
        if mode == "reverse":
            ad.grad(fn, wrt=wrt)(*args)
        else:
            ad.jvp(fn, args, tuple(np.ones_like(a) for a in args))
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, marked_line(fn))
    assert info.value.hint


def test_a_constant_shape_parameter_of_a_cdf_is_fine():
    """Only a differentiated shape parameter is refused: with `a` constant, the cdf's
    derivative in x and scale is exact."""

    def f(x, s):
        return np.sum(st.gamma.cdf(x, 2.5, scale=s)) + np.sum(st.t.logcdf(x, 3.0, 0.1, s))

    check_grads(f, (DATA**2, 1.3))


def frozen_kept_in_a_variable(x, s):
    dist = st.norm(0.0, s)
    return dist.logpdf(x)  # <- error


def test_a_frozen_distribution_kept_in_a_variable_is_refused_with_the_form_to_write():
    with pytest.raises(UnsupportedSyntaxError, match=r"method `.logpdf\(\)`") as info:
        ad.grad(frozen_kept_in_a_variable, wrt=(0, 1))(0.3, 1.2)
    line = marked_line(frozen_kept_in_a_variable)
    assert (info.value.filename, info.value.line) == (__file__, line)
    assert "st.norm.logpdf(x, loc, scale)" in info.value.hint


def test_a_frozen_distribution_called_at_once_without_a_derivative_runs_as_written():
    """No differentiated value flows into it: the call is the distribution's method, whose
    value is the frozen one's, bit for bit."""

    def f(x):
        return x * st.norm(0.5, 2.0).cdf(1.5) + st.multivariate_normal(np.zeros(2)).logpdf(
            np.ones(2)
        )

    value, slope = ad.value_and_grad(f)(1.3)
    assert value == f(1.3)
    assert slope == st.norm(0.5, 2.0).cdf(1.5)


def test_the_rule_list_names_the_distributions(capsys):
    from s2s_ad import cli

    assert cli.main(["rules", "--list"]) == 0
    out = capsys.readouterr().out
    assert "    scipy.stats.norm.logpdf\n" in out and "    scipy.stats.dirichlet.entropy\n" in out
