"""A sweep's heading stands over code: `# forward sweep` is not written where the forward
sweep computes nothing (a constant result, a value the adjoint never reads)."""

from __future__ import annotations

import numpy as np
import pytest

import s2s_ad as ad


def constant(x):
    return 3.0


def unread(x):
    y = np.sin(x)  # noqa: F841 (dead: the result reads nothing of it)
    return np.sum(x * 0.0) + 2.0


def ones_only(x):
    return np.sum(x)  # the adjoint needs the shape of `x` alone


def squares(x):
    y = x * x
    return np.sum(np.sin(y))


X = np.linspace(0.1, 0.9, 3)
MODES = ["gradient", "reverse"]


def _source(f, mode):
    if mode == "gradient":
        return ad.derivative_source(f, "gradient", args=(X,))
    return ad.derivative_source(f, mode)


# (`vjp`'s forward sweep computes the value it returns: empty only for a constant)
EMPTY = [
    pytest.param(constant, "gradient", id="constant-gradient"),
    pytest.param(unread, "gradient", id="unread-gradient"),
    pytest.param(ones_only, "gradient", id="ones_only-gradient"),
    pytest.param(constant, "reverse", id="constant-reverse"),
]


@pytest.mark.parametrize(("f", "mode"), EMPTY)
def test_an_empty_forward_sweep_has_no_heading(f, mode):
    source = _source(f, mode)
    assert "# forward sweep" not in source, source
    assert "# reverse sweep" in source, source
    compile(source, "<derivative>", "exec")


@pytest.mark.parametrize("mode", MODES)
def test_a_forward_sweep_with_code_keeps_its_heading(mode):
    source = _source(squares, mode)
    lines = [line.strip() for line in source.splitlines()]
    after = lines[lines.index("# forward sweep") + 1]
    assert after.startswith("_t") or after.startswith("y"), source  # its first statement


@pytest.mark.parametrize("f", [constant, unread, ones_only, squares], ids=lambda f: f.__name__)
def test_the_numbers_are_the_plain_calls(f):
    value, gradient = ad.value_and_grad(f)(X)
    assert value == f(X)
    _, pullback = ad.vjp(f, X)
    np.testing.assert_array_equal(gradient, pullback(1.0)[0])
    step = 1e-6
    central = [
        (f(X + step * np.eye(3)[i]) - f(X - step * np.eye(3)[i])) / (2 * step) for i in range(3)
    ]
    np.testing.assert_allclose(gradient, central, atol=1e-8)
