"""NumPy's and SciPy's own names of parameters, given by keyword (`np.mean(a=x)`,
`np.stack(arrays=xs)`, `np.tile(A=x, reps=2)`), where the rules name them otherwise: passed
by position, as Python binds them (ssa/library_keywords.py). Before session 37 the rule
refused a keyword it did not know (the 68th tester)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import scipy.special as sp

import s2s_ad as ad
from s2s_ad.rules.registry import REGISTRY, REQUIRED
from s2s_ad.ssa.ir import Const, Prim
from s2s_ad.ssa.library_keywords import keywords_as_positions


def _renamed_first_parameters():
    """(rule name, function, NumPy's name) of every library rule whose function's first
    parameter, positional or keyword, has another name in the rule."""
    found = []
    for fn, rule in list(REGISTRY.items()):
        if rule.name.startswith("rt.") or rule.nondiff:
            continue  # the runtime's own helpers, called only by generated code; no rule
        try:
            parameters = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            continue
        first = parameters[0] if parameters else None
        if first is None or first.kind is not first.POSITIONAL_OR_KEYWORD:
            continue
        if first.name not in rule.names:
            found.append(pytest.param(fn, first.name, id=rule.name))
    return found


@pytest.mark.parametrize(("fn", "name"), _renamed_first_parameters())
def test_each_renamed_parameter_binds_as_if_given_by_position(fn, name):
    rule = REGISTRY[fn]
    operand = Const(np.ones(3))
    required = tuple((k, Const(1)) for k, default in rule.keywords if default is REQUIRED)
    args, kwargs = keywords_as_positions(rule, fn, (), ((name, operand), *required))
    assert args == (operand,) and kwargs == required
    assert rule.bind(Prim(fn, args, kwargs)) is not None or len(rule.params) > 1


def test_the_rules_own_keywords_stay_keywords():
    rule = REGISTRY[np.sum]
    x, axis = Const(np.ones(3)), Const(0)
    args, kwargs = keywords_as_positions(rule, np.sum, (), (("axis", axis), ("a", x)))
    assert args == (x,) and kwargs == (("axis", axis),)


PROGRAMS = {
    "mean_a": lambda x: np.mean(a=x.reshape(2, 3) ** 2),
    "sum_keywords_any_order": lambda x: np.sum(keepdims=True, a=x.reshape(2, 3), axis=0).sum(),
    "cumsum_a": lambda x: np.sum(np.cumsum(a=x, axis=0) ** 2),
    "stack_arrays": lambda x: np.sum(np.stack(arrays=[x, x**2], axis=-1) ** 2),
    "tile_A": lambda x: np.sum(np.tile(A=x, reps=2) ** 3),
    "tensordot_a_b": lambda x: np.sum(
        np.tensordot(a=x.reshape(2, 3), b=x.reshape(3, 2), axes=1) ** 2
    ),
    "logsumexp_a": lambda x: sp.logsumexp(a=x, b=x),
    "roll_a": lambda x: np.sum(np.roll(a=x, shift=1) * x),
    "pow_base_exp": lambda x: np.sum(pow(base=x, exp=2.0)),
    "diff_a": lambda x: np.sum(np.diff(a=x, n=1) ** 2),
    "flip_m": lambda x: np.sum(np.flip(m=x) * x),
    "broadcast_to_array": lambda x: np.sum(np.broadcast_to(array=x, shape=(2, 6)) ** 2),
    # another name of a parameter (`Rule.aliases`): NumPy 2.1's, and ndarray.clip's own
    "clip_min_max": lambda x: np.sum(np.clip(x, min=0.2, max=0.7) ** 2),
    "clip_method_min_max": lambda x: np.sum(x.clip(min=0.2, max=0.7) ** 2),
    "clip_method_max_only": lambda x: np.sum(x.clip(max=0.7) ** 2),
    "clip_a_min_only": lambda x: np.sum(np.clip(x, 0.3, None) ** 3),
}


def _differences(f, x, eps=1e-6):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_keyword_spellings_against_differences(name):
    f, x = PROGRAMS[name], np.linspace(0.1, 0.9, 6)
    value, g = ad.value_and_grad(f)(x)
    assert value == f(x)
    expected = _differences(f, x)
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-8)
    v = np.linspace(-1.0, 1.0, 6)
    np.testing.assert_allclose(ad.jvp(f, (x,), (v,))[1], expected @ v, rtol=1e-5, atol=1e-8)
    H = ad.hessian(f)(x)
    np.testing.assert_allclose(H, _differences(ad.grad(f), x), rtol=1e-4, atol=1e-6)
