"""A complex value the derivative code makes is named at the user's statement making it,
also where the code holds the placeholder of a name not bound yet (`rt.unbound.z`: a name
first bound in a loop's body or in one branch), which raises on any use: the tracer that
finds the statement reads past it instead of stopping at the `def` line."""

from __future__ import annotations

import inspect

import pytest

import s2s_ad as ad
from s2s_ad.errors import ComplexValueError


def in_a_loop(x):
    for _ in range(2):
        z = (x - 2.0) ** 0.5  # made here
    return x * 3.0 + 0.0 * abs(z)


def in_a_while_loop(x):
    k = 0
    while k < 2:
        z = (x - 2.0) ** 0.5  # made here
        k = k + 1
    return x * 3.0 + 0.0 * abs(z)


def in_nested_loops(x):
    for i in range(2):
        for _ in range(2):
            z = (x - 3.0 + i) ** 0.5  # made here
    return x + 0.0 * abs(z)


def in_a_branch(x):
    if x > 0:
        z = (x - 2.0) ** 0.5  # made here
        r = x * 3.0 + 0.0 * abs(z)
    else:
        r = x * x
    return r


def in_a_branch_of_a_loop(x):
    total = x * 0.0
    for i in range(3):
        if i == 2:
            z = (x - 2.0) ** 0.5  # made here
            total = total + 0.0 * abs(z)
        total = total + x
    return total


FUNCTIONS = [in_a_loop, in_a_while_loop, in_nested_loops, in_a_branch, in_a_branch_of_a_loop]
APIS = {
    "grad": lambda f: ad.grad(f)(1.0),
    "value_and_grad": lambda f: ad.value_and_grad(f)(1.0),
    "vjp": lambda f: ad.vjp(f, 1.0)[1](1.0),
    "jvp": lambda f: ad.jvp(f, (1.0,), (1.0,)),
    "hessian": lambda f: ad.hessian(f)(1.0),
    "grad of grad": lambda f: ad.grad(ad.grad(f))(1.0),
}


def _made_at(f):
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if "# made here" in line)


@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.__name__)
def test_named_where_the_statement_makes_it(f, api):
    with pytest.raises(ComplexValueError) as info:
        APIS[api](f)
    assert f"test_complex_value_lines.py:{_made_at(f)}:" in str(info.value), str(info.value)
