"""Edges of the language model where a derivative must be exact or refused (issue 14):
nested functions rebound by branches, loops and assignments.

Each program is checked in both modes against its plain call (the primal every entry point
returns) and central differences (`check_grads`), and reverse mode against forward mode
(`check_modes_agree`); each refusal names the user's file and line.
"""

import inplace_helpers
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import NameResolutionError, NumericalError, UnsupportedSyntaxError
from s2s_ad.testing import check_grads, check_modes_agree

X = np.array([0.5, 1.2, -0.7, 2.0])


def check_all(f, args):
    check_grads(f, args)
    check_modes_agree(f, args)


def assert_refused(f, args, line, error=UnsupportedSyntaxError, words=()):
    """Refused, in both modes, with a located error at `line` (relative to the `def`)."""
    for mode in ("reverse", "forward"):
        with pytest.raises(error) as caught:
            ad.grad(f, mode=mode)(*args)
        assert caught.value.filename == __file__
        assert caught.value.line == f.__code__.co_firstlineno + line, caught.value
        for word in words:
            assert word in str(caught.value)


# 1. A nested `def` rebound: the call runs the definition Python would call there.


def g(v):  # a global of the same name as the nested functions below
    return v * 100.0


def def_in_both_branches(x):
    if x > 0.0:

        def g(v):
            return np.sin(v)

    else:

        def g(v):
            return np.cos(v)

    return g(x) * x


def def_twice_in_sequence(x):
    def g(v):
        return np.sin(v)

    a = g(x)

    def g(v):
        return np.cos(v) * a

    return g(x) + a


def def_redefined_in_one_branch(x):
    def g(v):
        return np.sin(v)

    if x > 1.0:

        def g(v):
            return v * v

    return g(x) * x


def def_in_branches_with_defaults(x):
    if x > 0.0:

        def g(v, c=2.0):
            return v * c

    else:

        def g(v, c=3.0):
            return np.exp(v) * c

    return g(x)


def def_in_branches_updates_list(x):
    acc = [x]
    if x > 0.0:

        def add(v):
            acc.append(v * 2.0)

    else:

        def add(v):
            acc.append(np.sin(v))

    add(x * x)
    return acc[0] * acc[1]


def def_in_branches_tuple_result(x):
    if x > 0.0:

        def g(v):
            return v * 2.0, np.sin(v)

    else:

        def g(v):
            return np.cos(v), v

    a, b = g(x)
    return a * b


def def_in_nested_branches(x):
    def g(v):
        return v * 3.0

    if x > 0.0:
        if x > 1.0:

            def g(v):
                return np.sin(v)

    else:

        def g(v):
            return np.cos(v)

    return g(x) * x


def def_in_loop_body(v):
    s = 0.0
    for i in range(4):
        if v[i] > 0.0:

            def h(u):
                return u * u

        else:

            def h(u):
                return np.sin(u)

        s = s + h(v[i]) * v[0]
    return s


def def_in_loop_called_in_iteration(v):
    s = 0.0
    for e in v:

        def h(u):
            return u * e  # noqa: B023 (called in the same iteration)

        s = s + h(v[0])
    return s


def caller_late_binding(x):
    def h(v):
        return g(v) * 2.0  # the `g` bound when `h` is called

    def g(v):
        return np.sin(v)

    a = h(x)

    def g(v):  # noqa: F811 (rebinding is the point)
        return np.cos(v)

    return a + h(x)


@pytest.mark.parametrize(
    "f",
    [
        def_in_both_branches,
        def_twice_in_sequence,
        def_redefined_in_one_branch,
        def_in_branches_with_defaults,
        def_in_branches_updates_list,
        def_in_branches_tuple_result,
        def_in_nested_branches,
        caller_late_binding,
    ],
)
@pytest.mark.parametrize("x", [0.7, -0.7, 1.3])
def test_nested_def_rebound_is_exact(f, x):
    check_all(f, (x,))


@pytest.mark.parametrize("f", [def_in_loop_body, def_in_loop_called_in_iteration])
def test_nested_def_in_loop_body_is_exact(f):
    check_all(f, (X,))


def default_after_early_return(x, y):
    if np.sum(x) > 5.0:
        return np.sum(x * 1.5)
    c = x * 2.0

    def g(v, c=c):
        return v * c

    c = x + 1.0
    return np.sum(x + 0.1 * g(y) + 0.01 * c)


def default_computed_in_loop(x):
    s = 0.0
    for i in range(3):
        c = x + i

        def h(v, c=c):
            return v * c

        c = 100.0
        s = s + h(x)
    return s


@pytest.mark.parametrize(
    "f, args",
    [
        (default_after_early_return, (0.7, 0.3)),
        (default_after_early_return, (3.0, 0.3)),
        (default_computed_in_loop, (0.4,)),
    ],
)
def test_computed_defaults_in_branches_and_loops_are_exact(f, args):
    """Defaults are evaluated at the `def` (the early return puts it in a branch)."""
    check_all(f, args)


def def_shadowed_by_value(x):
    def g(v):
        return np.sin(v)

    g = 3.0  # noqa: F811
    return g(x)


def def_on_one_branch_only(x):
    if x > 0.0:

        def k(v):
            return np.sin(v)

    return k(x)


def def_or_value_on_branches(x):
    if x > 0.0:

        def k(v):
            return np.sin(v)

    else:
        k = 2.0
    return k(x)


def called_before_def(x):
    a = g(x)  # noqa: F823 Python: UnboundLocalError (`g` is local), not the global `g`

    def g(v):
        return np.sin(v)

    return a + g(x)


def redefined_later_in_loop(v):
    def h(u):
        return u * 2.0

    s = 0.0
    for e in v:
        s = s + h(e)  # first iteration: u * 2.0; later ones: sin(u)

        def h(u):
            return np.sin(u)

    return s


def called_after_defining_loop(v):
    s = 0.0
    for e in v:

        def h(u):
            return u * e  # noqa: B023 (called in the same iteration)

        s = s + e
    return s + h(v[0])  # the last iteration's `h`, or a NameError for an empty loop


@pytest.mark.parametrize(
    "f, line, error",
    [
        (def_shadowed_by_value, 5, UnsupportedSyntaxError),
        (def_on_one_branch_only, 6, UnsupportedSyntaxError),
        (def_or_value_on_branches, 8, UnsupportedSyntaxError),
        (called_before_def, 1, NameResolutionError),
    ],
)
def test_nested_def_rebound_refused(f, line, error):
    assert_refused(f, (0.7,), line, error)


@pytest.mark.parametrize("f, line", [(redefined_later_in_loop, 6), (called_after_defining_loop, 8)])
def test_nested_def_rebound_by_loop_refused(f, line):
    assert_refused(f, (X,), line, words=("rebinds",))


def generator(x):
    yield x * 2.0


def test_generator_refused_at_its_yield():
    assert_refused(generator, (0.7,), 1, words=("yield",))


# 2. A helper (module-level, in another module, a helper's helper) that updates its argument
# in place: refused at the caller's line, naming the helper's; exact where it only rebinds.


def scale_inplace(v, s):
    v *= s
    return 0.0


def set_first(v, e):
    v[0] = e
    return 0.0


def set_first_through(v, e):
    return set_first(v, e) + 1.0


def double_middle(v):
    w = v[1:3]
    w *= 2.0
    return 0.0


def append_to(xs, e):
    xs.append(e)
    return 0.0


def alias_then_update(v, e):
    b = v
    b[1] = e
    return 0.0


def scales_a_copy(v, s):
    v = v.copy()
    v *= s
    v[0] = s
    return v


def calls_scale_inplace(x):
    a = x * 1.0
    _ = scale_inplace(a, x[0])
    return np.sum(a * x)


def calls_scale_inplace_by_keyword(x):
    a = x * 1.0
    _ = scale_inplace(s=x[0], v=a)
    return np.sum(a * x)


def calls_scale_inplace_on_passive(x):
    a = np.ones(4)
    _ = scale_inplace(a, 2.0)
    return np.sum(a * x)


def calls_scale_inplace_on_argument(x):
    _ = scale_inplace(x, 2.0)
    return np.sum(x)


def calls_set_first(x):
    a = x * 1.0
    _ = set_first(a, x[1] ** 2)
    return np.sum(a * x)


def calls_helper_of_helper(x):
    a = x * 1.0
    _ = set_first_through(a, x[1] ** 2)
    return np.sum(a * x)


def calls_double_middle(x):
    a = x * 1.0
    _ = double_middle(a)
    return np.sum(a * x)


def calls_append_to(x):
    xs = [x[0]]
    _ = append_to(xs, x[1])
    return xs[0] * x[1]


def calls_alias_then_update(x):
    a = x * 1.0
    _ = alias_then_update(a, x[0])
    return np.sum(a * x)


def calls_helpers_elsewhere(x):
    a = x * 1.0
    _ = inplace_helpers.write_last(a, x[0])
    return np.sum(a * x)


def calls_add_into_elsewhere(x):
    a = x * 1.0
    _ = inplace_helpers.add_into(a, x[0])
    return np.sum(a * x)


@pytest.mark.parametrize(
    "f, line",
    [
        (calls_scale_inplace, 2),
        (calls_scale_inplace_by_keyword, 2),
        (calls_scale_inplace_on_passive, 2),
        (calls_scale_inplace_on_argument, 1),
        (calls_set_first, 2),
        (calls_helper_of_helper, 2),
        (calls_double_middle, 2),
        (calls_append_to, 2),
        (calls_alias_then_update, 2),
        (calls_helpers_elsewhere, 2),
        (calls_add_into_elsewhere, 2),
    ],
)
def test_helper_updating_its_argument_refused(f, line):
    assert_refused(f, (X,), line, words=("in place", "line "))


def test_refusal_names_the_helpers_line():
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.grad(calls_set_first)(X)
    assert f"line {set_first.__code__.co_firstlineno + 1}" in str(caught.value)
    with pytest.raises(UnsupportedSyntaxError) as caught:
        ad.grad(calls_add_into_elsewhere)(X)
    assert "inplace_helpers.py" in str(caught.value)


def rebinds_float_in_helper(x):
    return np.sum(x) * scale_float(x[0], 2.0) + scale_float(3.0, x[1])


def scale_float(v, s):
    v *= s  # `v` is a number here: rebound, nothing else changes
    return v


def updates_a_copy(x):
    a = x * 1.0
    b = scales_a_copy(a, x[0])
    return np.sum(a * x) + np.sum(b * b)


@pytest.mark.parametrize("f", [rebinds_float_in_helper, updates_a_copy])
def test_helper_rebinding_its_argument_is_exact(f):
    check_all(f, (X,))


# 3. Element targets in chained and tuple assignments, bound left to right.


def chained_elements(x):
    a = np.zeros(4)
    a[0] = a[2] = x[1] ** 2
    return np.sum(a * x)


def tuple_of_elements(x):
    a = np.zeros(4)
    a[0], a[1] = x[2] * 3.0, np.sin(x[0])
    return np.sum(a * x)


def index_bound_first(x):
    a = x * 1.0
    i = 0
    i, a[i] = 2, x[1] ** 2  # `a[2]`: Python binds `i` first
    return np.sum(a * x) + i


def swap_elements(x):
    a = x * 2.0
    i, j = 0, 3
    a[i], a[j] = a[j], a[i]
    return np.sum(a * x * x)


def name_and_element(x):
    a = x * 1.0
    b = a[0] = x[1] * x[2]
    return np.sum(a * x) * b


def element_and_name(x):
    a = x * 1.0
    a[3] = b = np.cos(x[0])
    return np.sum(a * x) * b


def pair_of(u):
    return u * 2.0, np.exp(u)


def elements_from_helper(x):
    a = np.zeros(4)
    a[1], a[3] = pair_of(x[0])
    (b, a[0]), c = (x[2], x[3] * x[1]), x[1]
    return np.sum(a * x) + b * c


@pytest.mark.parametrize(
    "f",
    [
        chained_elements,
        tuple_of_elements,
        index_bound_first,
        swap_elements,
        name_and_element,
        element_and_name,
        elements_from_helper,
    ],
)
def test_element_targets_are_exact(f):
    check_all(f, (X,))


def swap_rows(x):
    m = np.outer(x, x)
    m[0], m[1] = m[1], m[0]  # NumPy: `m[1]` is a view, updated by `m[0] = …` first
    return np.sum(m * np.arange(16.0).reshape(4, 4))


def swap_slices(x):
    a = x * 1.0
    a[:2], a[2:] = a[2:], a[:2]
    return np.sum(a * np.arange(4.0))


@pytest.mark.parametrize("f", [swap_rows, swap_slices])
def test_swap_of_views_refused(f):
    assert_refused(f, (X,), 2, words=("view",))


# 4. The base's partial of a power where the exponent is 0: 0, at x = 0 too (x ** -1 is inf).

X0 = np.array([0.0, 1.2, -0.7, 2.0])


def power_zero(x):
    return np.sum(x**0)


def power_zero_float(x):
    return x**0 + pow(x, 0) * x


def power_one(x):
    return np.sum(x**1)


def power_of_argument(x, p):
    return np.sum(x**p)


def power_of_float_argument(x, p):
    return x**p * 3.0


def slope(x, p):
    """The base's partial of x ** p, 0 where p is 0 (the analytic answer, as JAX gives it)."""
    p = np.broadcast_to(p, np.shape(x)).astype(float)
    safe = np.where(p == 0, 1.0, x)
    return np.where(p == 0, 0.0, p * safe ** (p - 1))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_power_zero_at_zero(mode):
    check_all(power_zero, (X0,))
    np.testing.assert_array_equal(ad.grad(power_zero, mode=mode)(X0), np.zeros(4))
    np.testing.assert_array_equal(ad.grad(power_one, mode=mode)(X0), np.ones(4))
    assert ad.grad(power_zero_float, mode=mode)(0.0) == 1.0  # 0 + (0 * 0 + 1 * 1)
    assert ad.grad(power_zero_float, mode=mode)(0.5) == 1.0


@pytest.mark.parametrize("p", [0, 1, 2, 3, np.array([0, 1, 0, 2])])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_power_of_an_integer_argument_at_zero(p, mode):
    check_all(power_of_argument, (X0, p))
    gradient = ad.grad(power_of_argument, mode=mode)(X0, p)
    np.testing.assert_allclose(gradient, slope(X0, p), rtol=1e-15)
    assert ad.grad(power_of_float_argument, mode=mode)(0.0, 0) == 0.0


@pytest.mark.parametrize("p", [0, 1, np.array([0, 1, 0, 2]), 3])
def test_power_hessian_at_zero(p):
    q = np.broadcast_to(p, X0.shape).astype(float)
    flat = (q == 0) | (q == 1)  # x ** 0 and x ** 1 have no curvature, at 0 too
    expected = np.diag(np.where(flat, 0.0, q * (q - 1) * np.where(flat, 1.0, X0) ** (q - 2)))
    for f in (ad.hessian(power_of_argument), ad.jacfwd(ad.grad(power_of_argument))):
        np.testing.assert_allclose(f(X0, p), expected, rtol=1e-15, atol=0.0)
    v = np.array([1.0, -2.0, 0.5, 3.0])
    _, product = ad.hvp(power_of_argument, (X0, p), (v, None))
    np.testing.assert_allclose(product, expected @ v, rtol=1e-15)
    np.testing.assert_array_equal(ad.hessian(power_zero)(X0), np.zeros((4, 4)))


def power_half(x):
    return np.sum(x**0.5)


def power_half_float(x):
    return x**0.5


def test_power_half_at_zero_is_infinite():
    """The README's policy: inf on NumPy values, NumericalError on Python floats."""
    x = np.array([0.0, 1.2, 0.7, 2.0])
    with np.errstate(divide="ignore"):
        gradient = ad.grad(power_half)(x)
    assert gradient[0] == np.inf
    np.testing.assert_allclose(gradient[1:], 0.5 / np.sqrt(x[1:]), rtol=1e-15)
    with pytest.raises(NumericalError):
        ad.grad(power_half_float)(0.0)


# 5. Second derivatives of functions with keyword-only parameters (and defaults).


def sine_sum(x, *, k=2.0):
    return np.sum(np.sin(k * x))


def sine(x, *, k=2.0):
    return np.sin(k * x) * x


def positional_default_then_keyword(x, a=1.5, *, k=2.0, n=2):
    return np.sum(np.sin(k * x) * a) + np.sum(x**n)


def keyword_without_default(x, a=1.5, *, k):
    return np.sum(np.sin(k * x) * a)


def sine_hessian(x, k):
    """The analytic Hessian of sine_sum."""
    return np.diag(-k * k * np.sin(k * x))


@pytest.mark.parametrize("kwargs", [{}, {"k": 3.0}])
def test_keyword_only_default_second_order(kwargs):
    k = kwargs.get("k", 2.0)
    expected = sine_hessian(X, k)
    np.testing.assert_allclose(ad.hessian(sine_sum)(X, **kwargs), expected, rtol=1e-13)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(sine_sum))(X, **kwargs), expected, rtol=1e-13)
    np.testing.assert_allclose(ad.jacrev(ad.grad(sine_sum))(X, **kwargs), expected, rtol=1e-13)
    # d²/dx² (sin(kx) x) = 2k cos(kx) - k² x sin(kx)
    for x in (0.7, -1.1):
        second = 2 * k * np.cos(k * x) - k * k * x * np.sin(k * x)
        for mode in ("reverse", "forward"):
            value = ad.grad(ad.grad(sine), mode=mode)(x, **kwargs)
            np.testing.assert_allclose(value, second, rtol=1e-13)
    if not kwargs:
        v = np.array([1.0, -2.0, 0.5, 3.0])
        gradient, product = ad.hvp(sine_sum, (X,), (v,))
        np.testing.assert_allclose(gradient, 2.0 * np.cos(2.0 * X), rtol=1e-13)
        np.testing.assert_allclose(product, expected @ v, rtol=1e-13)


def test_positional_and_keyword_defaults_second_order():
    f = positional_default_then_keyword
    expected = np.diag(-1.5 * 4.0 * np.sin(2.0 * X) + 2.0)
    np.testing.assert_allclose(ad.hessian(f)(X), expected, rtol=1e-13)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(f))(X), expected, rtol=1e-13)
    expected = np.diag(-0.5 * 9.0 * np.sin(3.0 * X) + 6.0 * X)
    np.testing.assert_allclose(ad.hessian(f)(X, 0.5, k=3.0, n=3), expected, rtol=1e-13)
    expected = np.diag(-1.5 * 9.0 * np.sin(3.0 * X))
    g = keyword_without_default
    np.testing.assert_allclose(ad.hessian(g)(X, k=3.0), expected, rtol=1e-13)
    check_all(positional_default_then_keyword, (X,))
