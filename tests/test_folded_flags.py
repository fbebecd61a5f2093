# ruff: noqa: SIM108 -- branches written out on purpose: what the derivative code folds
"""Branches whose condition is known when the code is made (a literal comparison, a local
constant), nested in a branch on a value: both sweeps fold them alike, so the gradient code
is differentiated again (before, its reverse sweep kept the other branch, reading values the
forward sweep no longer computed, and every second derivative refused them)."""

import numpy as np
import pytest

import s2s_ad as ad


def nested_local_constant(x):
    scale = 0.5
    if np.sum(x) > 0.0:
        if scale < 1.0:
            y = np.sin(x) * x
        else:
            y = np.cos(x * x)
    else:
        y = x * 3.0
    return np.sum(y)


def elif_literal(x):
    if np.sum(x) > 0.0:
        y = np.sin(x) * x
    elif 1.5 > 1.0:
        y = np.cos(x * x)
    else:
        y = np.exp(x * x)
    return np.sum(y)


def literal_false(x):
    if np.max(x) > 0.2:
        if 2.0 < 1.0:
            y = np.exp(x)
        else:
            y = np.tanh(x) ** 2
    else:
        y = x * x
    return np.sum(y)


def in_a_loop(x):
    s = 0.0
    damped = True
    for i in range(3):
        if x[i] > 0.0:
            if damped:
                s = s + np.tanh(x[i]) ** 2
            else:
                t = np.exp(x[i])
                s = s + t * t
    return s


def flag_copied(x):
    verbose = False
    debug = verbose
    if np.sum(x * x) > 0.1:
        if not debug:
            y = np.log(1.0 + x * x)
        else:
            y = x
    else:
        y = x * 2.0
    return np.sum(y * y)


PROGRAMS = [nested_local_constant, elif_literal, literal_false, in_a_loop, flag_copied]
POINTS = [np.array([0.3, -0.2, 0.5, 0.1]), np.array([-0.4, -0.3, 0.1, -0.2])]


def _gradient_differences(g, x, h=1e-6):
    return np.array([(g(x + h * e) - g(x - h * e)) / (2 * h) for e in np.eye(len(x))])


@pytest.mark.parametrize("point", range(len(POINTS)))
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_second_derivatives_of_branches_known_when_made(f, point):
    x = POINTS[point]
    g = ad.grad(f)
    hessian = ad.hessian(f)(x)
    np.testing.assert_allclose(hessian, _gradient_differences(g, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ad.jacfwd(g)(x), hessian, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x), g(x), rtol=1e-12, atol=1e-14)
    value, _ = ad.value_and_grad(f)(x)
    assert value == f(x)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_the_gradient_code_keeps_no_branch_that_cannot_run(f):
    source = ad.derivative_source(f, "gradient")
    assert "if True" not in source and "if False" not in source


# Flags of NumPy comparisons (simplify/truth_values.py): `c and True`, `if c: t = True else:
# t = y` fold to `c`, `c or y` only where the name assigned is read for its truth alone,
# since a comparison of NumPy numbers is `np.True_`, not Python's `True`


def flag_read_as_a_value(x):
    check = True
    ok = np.linalg.norm(x) < 10.0 and check  # Python's True where the norm is below 10
    strict = False
    bad = np.max(x) > 100.0 or strict  # Python's False
    count = (np.min(x) < 0.0 and check) + (np.max(x) > 1.5 and check)  # 2, not np.True_
    if ok is True and bad is False:
        return np.sum(x**2) * count
    return np.sum(x)


def flag_read_for_its_truth(x):
    check = True
    total = 0.0
    k = 0
    while np.sum(x * x) > 1e-3 * k and check and k < 5:
        total = total + np.sum(np.sin(x)) * 0.5
        k += 1
        if np.max(x) > 100.0 or not check:
            break
    return total


def test_a_numpy_flag_read_as_a_value_keeps_python_s_value():
    x = np.array([-0.5, 2.0])
    value, gradient = ad.value_and_grad(flag_read_as_a_value)(x)
    assert value == flag_read_as_a_value(x) == 8.5
    np.testing.assert_allclose(gradient, 4.0 * x)
    np.testing.assert_allclose(ad.grad(flag_read_as_a_value, mode="forward")(x), 4.0 * x)


def test_a_numpy_flag_read_for_its_truth_folds():
    x = np.array([0.3, -0.2])
    source = ad.derivative_source(flag_read_for_its_truth, "gradient", args=(x,))
    assert " and True" not in source and "or False" not in source, source
    value, gradient = ad.value_and_grad(flag_read_for_its_truth)(x)
    assert value == flag_read_for_its_truth(x)
    np.testing.assert_allclose(gradient, 2.5 * np.cos(x))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("t = a and b\n    if t:\n        return 1", {"a", "b", "t"}),
        ("t = a and b\n    return t", set()),
        ("t = not a\n    return t", {"a"}),
        ("t = a\n    u = t\n    while u:\n        u = t\n    return 0", {"a", "t", "u"}),
        ("t = a if c else b\n    return t", {"c"}),
        (
            "_tape1.append((a, b))\n    for a, b in reversed(_tape1):\n        if a:\n"
            "            return b\n    return 0",
            {"a"},
        ),
        (
            "y = rt.unshared(x, a, 'f.py', 1, 'm', 'h')\n    if a:\n        return y\n    return 0",
            {"a"},
        ),
    ],
)
def test_names_read_only_for_their_truth(body, expected):
    import ast

    from s2s_ad.simplify.truth_values import truth_only

    tree = ast.parse(f"def f(a, b, c, x):\n    {body}").body[0]
    found = truth_only(tree) & {"a", "b", "c", "t", "u", "x", "y"}
    assert found == expected
