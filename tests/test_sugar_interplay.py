"""Issue 15's sugar met together: lambdas inside comprehensions (lifted into the loop the
comprehension becomes, so they see its variables), comprehensions inside lambdas (lowered
once the lambda is a def), generators of lambdas' results, prints inside comprehensions'
helpers. Both modes and second order against central differences; the value is the plain
call's."""

import numpy as np
import pytest
from derivative_tests import derivative_tests

import s2s_ad as ad


def lambda_in_comprehension(ws, x):
    return sum([(lambda v: v * w)(x) for w in ws])


def comprehension_in_lambda(ws, x):
    total = lambda s: sum([s * w for w in ws])  # noqa: E731
    return total(x) + total(x * x)


def lambda_over_comprehension_variable(ws, x):
    fs = [np.sin(w * x) for w in ws]
    g = lambda k: fs[k] * ws[k]  # noqa: E731
    return sum(g(k) for k in range(len(ws)))


def map_of_lambda_over_zip(ws, x):
    terms = list(map(lambda pair: pair[0] * np.tanh(pair[1] * x), zip(ws, ws[::-1], strict=True)))
    return max(terms) + min(terms) + sum(t * t for t in terms)


def sorted_with_lambda_key(ws, x):
    scaled = sorted([w * x for w in ws], key=lambda v: abs(v))
    first, *rest = scaled
    return first * 2.0 + sum(rest)


def printing_helper_in_comprehension(ws, x):
    def noisy(v):
        print(f"v = {v:.3f}")
        return v * v

    return sum(noisy(w * x) for w in ws if w > -1.0)


def dict_keys_listed_in_a_loop(ws, x):
    d = {"a": ws[0], "b": ws[1]}
    for k in list(d):  # the keys: no derivative flows through them
        d[k] = d[k] * x
    return d["a"] + d["b"] ** 2 + sum(tuple(d.values()))


def helper_with_a_comprehension(fun, xs):
    return [fun(v) for v in xs]


def helper_with_a_generator(fun, xs):
    return sum(fun(v) for v in xs)


def comprehension_in_a_helper_given_a_function(ws, x):
    return (
        np.sum(np.array(helper_with_a_comprehension(np.sin, ws * x)))
        + sum(helper_with_a_comprehension(lambda v: v * x, ws))
        + helper_with_a_generator(np.cos, ws)
    )


WS, X = np.array([0.3, -1.2, 0.8]), 0.7
FUNCTIONS = [
    lambda_in_comprehension,
    comprehension_in_lambda,
    lambda_over_comprehension_variable,
    map_of_lambda_over_zip,
    sorted_with_lambda_key,
    printing_helper_in_comprehension,
    dict_keys_listed_in_a_loop,
    comprehension_in_a_helper_given_a_function,
]
test_numeric, test_modes = derivative_tests([(f, (WS, X)) for f in FUNCTIONS])


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_second_order(f):
    hessian = ad.hessian(f, wrt=1)(WS, X)
    h = 1e-5
    g = ad.grad(f, wrt=1)
    np.testing.assert_allclose(hessian, (g(WS, X + h) - g(WS, X - h)) / (2 * h), atol=1e-6)


def test_print_in_a_comprehension_helper_runs_as_in_the_plain_call(capsys):
    printing_helper_in_comprehension(WS, X)
    plain = capsys.readouterr().out
    for mode in ("reverse", "forward"):
        ad.grad(printing_helper_in_comprehension, wrt=1, mode=mode)(WS, X)
        assert capsys.readouterr().out == plain
