"""An error in a value the negations pass folded into the statement reading it is named at
the user's line that computes the value (`z = y ** 0.5`), as every mode names it, not at the
reader's (`y = -x`, whose adjoint now holds `-0.5 * y ** -0.5`); and a sign folded into a
line that fails leaves that line named (`t = x ** 0.5`, not `z = x - t`)."""

from __future__ import annotations

import re

import pytest

import s2s_ad as ad
from s2s_ad.errors import ComplexValueError, NumericalError


def negated_power(x):
    y = -x
    z = y**0.5
    return z


def difference_power(x, w):
    d = w - x
    z = d**0.5
    return z + x


def scaled_negation(x):
    y = -(2.0 * x)
    z = 3.0 * y**0.5
    return z


def accumulated(x):
    a = x * 2.0
    y = -a
    z = y**0.5 + a
    return z


def negation_folded_into_the_failing_line(x):
    t = x**0.5
    z = x - t  # its `t_bar = -z_bar` folds into the power's adjoint: the power's line fails
    return z


def _line(f, text):
    """The file line of the statement of `f` that starts with `text`."""
    import inspect

    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if line.strip().startswith(text))


# (function, arguments, the statement whose value fails): a negative base's square root
# is complex; the partial of a zero base's square root divides Python's 0.0 by zero
CASES = [
    pytest.param(negated_power, (0.5,), "z = ", ComplexValueError, id="negated-complex"),
    pytest.param(negated_power, (0.0,), "z = ", NumericalError, id="negated-zero"),
    pytest.param(difference_power, (2.0, 1.0), "z = ", ComplexValueError, id="difference"),
    pytest.param(difference_power, (1.0, 1.0), "z = ", NumericalError, id="difference-zero"),
    pytest.param(scaled_negation, (0.5,), "z = ", ComplexValueError, id="scaled"),
    pytest.param(accumulated, (0.5,), "z = ", ComplexValueError, id="accumulated"),
    pytest.param(
        negation_folded_into_the_failing_line, (0.0,), "t = ", NumericalError, id="into-power"
    ),
]


def _call(api, f, args):
    if api == "grad":
        return ad.grad(f)(*args)
    if api == "value_and_grad":
        return ad.value_and_grad(f)(*args)
    if api == "vjp":
        return ad.vjp(f, *args)[1](1.0)
    return ad.jvp(f, args, tuple(1.0 for _ in args))


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "vjp", "jvp"])
@pytest.mark.parametrize(("f", "args", "statement", "error"), CASES)
def test_the_failing_value_is_named_where_the_user_computes_it(f, args, statement, error, api):
    with pytest.raises(error) as info:
        _call(api, f, args)
    named = re.search(r"test_folded_error_lines\.py:(\d+)", str(info.value))
    assert named is not None, str(info.value)
    assert int(named.group(1)) == _line(f, statement), str(info.value)
