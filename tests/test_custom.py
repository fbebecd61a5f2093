"""User-defined rules (`defjvp`/`defvjp`), `stop_gradient`, and the policies of the rule table:
ties, repeated indices, non-differentiable functions, unknown functions."""

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import S2SError, UnknownCalleeError
from s2s_ad.testing import check_grads, check_modes_agree


def softplus(x):
    with np.errstate(over="ignore"):  # a `with` block: s2s_ad could not transform this
        return np.log1p(np.exp(x))


calls = []


def _softplus_slope(x):
    calls.append(np.shape(x))
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # the logistic function, written stably


ad.defjvp(softplus, lambda d, ans, x: d * _softplus_slope(x))
ad.defvjp(softplus, lambda g, ans, x: g * _softplus_slope(x))


def uses_softplus(w, x):
    total = 0.0
    for k in range(3):
        total = total + np.sum(softplus(w * x + k))
    return total


def test_user_rule_is_called_by_the_generated_code():
    w, x = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.5, -0.7])
    calls.clear()
    check_grads(uses_softplus, (w, x))
    check_modes_agree(uses_softplus, (w, x))
    assert calls, "the user's rule ran"
    source = ad.derivative_source(uses_softplus)
    assert "softplus_vjp_x(" in source
    assert "softplus_jvp_x(" in ad.derivative_source(uses_softplus, mode="forward")


def scaled_sum(x, scale, name="unused"):
    return np.sum(x) * scale


ad.defvjp(scaled_sum, lambda g, ans, x, scale, name: np.full_like(x, g * scale), None)
ad.defjvp(scaled_sum, lambda d, ans, x, scale, name: np.sum(d) * scale, None)


def calls_scaled_sum(x):
    return scaled_sum(x * x, 3.0) + scaled_sum(x, scale=2.0, name="b")


def test_user_rule_with_keywords_and_a_non_differentiable_argument():
    x = np.array([1.0, -2.0, 0.5])
    check_grads(calls_scaled_sum, (x,))
    np.testing.assert_allclose(ad.grad(calls_scaled_sum)(x), 6.0 * x + 2.0)


def scaled_by_input(x):
    return scaled_sum(x, x[0])


def half_defined(x, y):
    return x * y


ad.defjvp(half_defined, lambda d, ans, x, y: d * y, lambda d, ans, x, y: d * x)
ad.defvjp(half_defined, lambda g, ans, x, y: g * y, None)


def uses_half_defined(x, y):
    return half_defined(x, y) * 2.0


def test_none_in_one_mode_only():
    assert ad.grad(uses_half_defined, wrt=(0, 1), mode="forward")(2.0, 3.0) == (6.0, 4.0)
    assert ad.grad(uses_half_defined, wrt=0)(2.0, 3.0) == 6.0
    with pytest.raises(UnknownCalleeError, match="no derivative with respect to its argument `y`"):
        ad.grad(uses_half_defined, wrt=1)(2.0, 3.0)


def test_no_derivative_through_an_argument_given_none():
    with pytest.raises(UnknownCalleeError, match="no derivative with respect to its argument"):
        ad.grad(scaled_by_input)(np.array([1.0, 2.0]))


def only_reverse(x):
    return x * 2.0


ad.defvjp(only_reverse, lambda g, ans, x: 2.0 * g)


def uses_only_reverse(x):
    return only_reverse(x) * x  # <- error


def test_rule_for_one_mode_only_says_which_is_missing():
    assert ad.grad(uses_only_reverse)(3.0) == 12.0
    with pytest.raises(UnknownCalleeError, match="reverse mode only") as info:
        ad.grad(uses_only_reverse, mode="forward")(3.0)
    assert "s2s_ad.defjvp(only_reverse" in info.value.hint
    assert info.value.line == uses_only_reverse.__code__.co_firstlineno + 1


def clipped_identity(x):
    return x


def uses_clipped_identity(x):
    return np.sum(clipped_identity(x) * x)


def test_rules_can_change_and_derivatives_follow():
    """A gradient-clipping identity: the rule is not the function's true derivative."""
    x = np.array([0.5, 3.0])
    ad.defvjp(clipped_identity, lambda g, ans, x: np.clip(g, -1.0, 1.0))
    ad.defjvp(clipped_identity, lambda d, ans, x: np.clip(d, -1.0, 1.0))
    gradient = ad.grad(uses_clipped_identity)
    np.testing.assert_allclose(gradient(x), [0.5 + 0.5, 3.0 + 1.0])
    np.testing.assert_allclose(gradient(x), [0.5 + 0.5, 3.0 + 1.0])  # the fast path
    ad.defvjp(clipped_identity, lambda g, ans, x: g)  # a new rule replaces the cached code
    np.testing.assert_allclose(gradient(x), 2.0 * x)


def test_a_library_function_gets_a_rule():
    """np.sinc has a rule; a ufunc without one (np.spacing) can be given one."""

    def uses_spacing(x):
        return np.sum(np.spacing(x) * x)

    with pytest.raises(UnknownCalleeError, match=r"np\.spacing") as info:
        ad.grad(uses_spacing)(np.ones(2))
    assert "s2s_ad.defvjp(np.spacing" in info.value.hint
    ad.defjvp(np.spacing, lambda d, ans, x: 0.0 * d)
    ad.defvjp(np.spacing, lambda g, ans, x: 0.0 * g)
    try:
        np.testing.assert_allclose(ad.grad(uses_spacing)(np.ones(2)), np.spacing(np.ones(2)))
    finally:
        from s2s_ad.custom import _GIVEN
        from s2s_ad.rules.registry import CATEGORY, REGISTRY

        for table in (REGISTRY, CATEGORY, _GIVEN):
            table.pop(np.spacing)


def test_bad_rule_definitions_are_clear_errors():
    with pytest.raises(S2SError, match="2 vjp functions given for `softplus`"):
        ad.defvjp(softplus, lambda g, ans, x: g, lambda g, ans, x: g)
    with pytest.raises(S2SError, match="must be functions or None"):
        ad.defjvp(softplus, 3.0)
    with pytest.raises(S2SError, match="cannot read the arguments of `max`"):
        ad.defvjp(max, lambda g, ans, x: g)


def stopped(x):
    return np.sum(x * ad.stop_gradient(x))


def test_stop_gradient_makes_a_constant():
    x = np.array([1.0, -2.0])
    np.testing.assert_array_equal(ad.grad(stopped)(x), x)
    np.testing.assert_array_equal(ad.grad(stopped, mode="forward")(x), x)
    assert ad.stop_gradient(x) is x


# Policies of the table


def picks(x):
    return np.max(x) + np.maximum(x[0], x[1]) + max(x[2], x[3])


def test_ties_split_the_derivative_evenly():
    x = np.array([3.0, 3.0, 1.0, 1.0])
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(ad.grad(picks, mode=mode)(x), [1.0, 1.0, 0.5, 0.5])


def gathers(x):
    return np.sum(x[[0, 0, 2]] * np.array([1.0, 2.0, 4.0])) + np.sum(np.take(x, [1, 1]))


def scatters(x, v):
    y = x * 1.0
    y[[1, 1, 0]] = v  # position 1 is written twice: the second value stays
    return np.sum(y * np.array([1.0, 10.0, 100.0]))


def test_repeated_indices():
    x = np.array([1.0, 2.0, 3.0])
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(ad.grad(gathers, mode=mode)(x), [3.0, 2.0, 4.0])
        grads = ad.grad(scatters, wrt=(0, 1), mode=mode)(x, np.array([5.0, 6.0, 7.0]))
        np.testing.assert_allclose(grads[0], [0.0, 0.0, 100.0])
        np.testing.assert_allclose(grads[1], [0.0, 10.0, 1.0])


def rounds(x):
    return np.sum(x * np.floor(x)) + np.argmax(x)


def test_non_differentiable_functions_count_as_constants():
    x = np.array([1.5, 2.5])
    np.testing.assert_allclose(ad.grad(rounds)(x), np.floor(x))


def unknown(x):
    return np.sum(np.unique(x))  # <- error


def test_unknown_function_error_shows_how_to_register():
    with pytest.raises(UnknownCalleeError, match=r"no derivative rule for `np\.unique`") as info:
        ad.grad(unknown)(np.ones(2))
    assert "s2s_ad.defvjp(np.unique, lambda g, ans, x: ...)" in info.value.hint
    assert "s2s_ad.defjvp(np.unique" in info.value.hint
    assert info.value.line == unknown.__code__.co_firstlineno + 1
