"""Derivative checks of functions that read and change module state: each evaluation starts
from the module state `reset` restores, as one plain call would."""

import inspect

import numpy as np

import s2s_ad as ad


def central_differences(f, x, reset, h=1e-6):
    """The gradient of scalar `f` at `x` by central differences, `reset` before each call."""
    out = []
    for e in np.eye(len(x)):
        reset()
        up = f(x + h * e)
        reset()
        out.append((up - f(x - h * e)) / (2 * h))
    return np.array(out)


def assert_hessian_exact(f, x, reset):
    """`hessian(f)` at `x` equals central differences of `grad(f)`, `reset` before each."""
    reset()
    got = ad.hessian(f)(x)
    second = central_differences(ad.grad(f), x, reset)
    np.testing.assert_allclose(got, second, rtol=1e-5, atol=1e-6)


def assert_exact(f, x, api, reset, snapshot):
    """`api`'s derivative of `f` at `x` (grad, grad_forward, value_and_grad, jacrev, hessian)
    equals central differences, its value the plain call's, and the module state after it
    (`snapshot`) the state one plain call leaves."""
    reset()
    value = f(x)
    after = snapshot()
    expected = central_differences(f, x, reset)
    reset()
    if api == "hessian":
        assert_hessian_exact(f, x, reset)
        return
    if api == "value_and_grad":
        v, got = ad.value_and_grad(f)(x)
        assert v == value
    elif api == "jacrev":
        got = ad.jacrev(f)(x)
    else:
        got = ad.grad(f, mode="forward" if api == "grad_forward" else "reverse")(x)
    assert snapshot() == after  # (set once, as by one plain call)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def marked_line(f, marker="STORE"):
    """The line number of the first line of `f`'s source holding `marker` (a comment
    naming the line an error must name: `# STORE`, `# REFUSED`)."""
    lines, first = inspect.getsourcelines(f)
    return first + next(i for i, line in enumerate(lines) if marker in line)
