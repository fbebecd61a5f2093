"""Functions whose own statements raise at some arguments (a user's module: not a test module,
so pytest leaves its `assert` as written). Each marked line is looked up by its comment."""

import numpy as np


def raises_in_branch(x):
    y = np.sum(x**2)
    if y > 10.0:
        raise ValueError(f"too large: {y:.1f}")  # RAISE-BRANCH
    return y


def raises_in_loop(x):
    total = 0.0
    for i in range(x.shape[0]):
        total = total + x[i] ** 2
        if total > 50.0:
            raise RuntimeError(f"diverged at step {i}")  # RAISE-LOOP
    return total


def asserts(x):
    s = np.sum(np.sin(x))
    assert s > 10.0, "expected a larger sum"  # ASSERT
    return s * s


def _check_positive(v):
    if np.any(v <= 0.0):
        raise ValueError("not positive")  # RAISE-HELPER
    return v


def calls_a_raising_helper(x):
    v = _check_positive(x - 3.0)
    return np.sum(np.log(v))


def _validate(v):
    if np.min(v) < 0.0:
        raise ArithmeticError("negative entries")  # RAISE-EFFECT


def calls_a_check_for_its_effect(x):
    y = np.cos(x)
    _validate(y)  # EFFECT-CALL
    return np.sum(y**2)
