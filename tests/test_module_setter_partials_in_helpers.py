"""A module-level `partial` of a setter, called inside a helper of yours.

`set_lr = partial(setattr, OPT, "lr")` (or of `operator.setitem`, a dict's or array's own
`__setitem__`) called by `anneal()` changes module state as `OPT.lr = v` in the helper does:
the function calling `anneal()` has its reads of the module bound where they stand, so the
reverse sweep reads what the forward sweep read. Each derivative equals central
differences, its value the plain call's and the module state after it one plain call's."""

import operator
from functools import partial

import numpy as np
import pytest
from module_state_checks import assert_exact

import s2s_ad as ad


class Optimiser:
    lr = 1.0


OPT = Optimiser()
CFG = {"lr": 1.0}
M = np.array([1.0, 2.0, 3.0])

set_lr = partial(setattr, OPT, "lr")
set_cfg_lr = partial(operator.setitem, CFG, "lr")
set_cfg_lr_method = partial(CFG.__setitem__, "lr")
set_first = partial(M.__setitem__, 0)


def reset():
    OPT.lr = 1.0
    CFG["lr"] = 1.0
    M[:] = [1.0, 2.0, 3.0]


def snapshot():
    return OPT.lr, CFG["lr"], M.tolist()


def anneal():
    set_lr(OPT.lr * 0.5)


def anneal_cfg():
    set_cfg_lr(CFG["lr"] * 0.5)


def anneal_cfg_method():
    set_cfg_lr_method(CFG["lr"] * 0.25)


def bump_first():
    set_first(M[0] + 1.0)


def schedule():  # (a helper's helper)
    anneal()


def attribute_across_anneal(x):
    a = OPT.lr * np.sum(x**2)
    anneal()
    return a + OPT.lr * np.sum(x)


def item_across_anneal(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    anneal_cfg()
    return a * CFG["lr"]


def method_partial_across_anneal(x):
    a = CFG["lr"] * np.sum(x)
    anneal_cfg_method()
    return a + CFG["lr"] * np.sum(x**3)


def array_partial_across_bump(x):
    a = np.sum(M * x)
    bump_first()
    return a * np.sum(M * x)


def nested_in_loop(x):
    s = 0.0
    for _ in range(3):
        s = s + OPT.lr * np.sum(x**2)
        schedule()
    return s


PROGRAMS = [
    attribute_across_anneal,
    item_across_anneal,
    method_partial_across_anneal,
    array_partial_across_bump,
    nested_in_loop,
]
X = np.array([0.3, -0.7, 1.1])


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_setter_partial_called_in_helper(f, api):
    assert_exact(f, X, api, reset, snapshot)


def test_vjp_reads_what_the_forward_sweep_read():
    reset()
    g0 = ad.grad(attribute_across_anneal)(X)
    reset()
    value, pullback = ad.vjp(attribute_across_anneal, X)
    assert value == pytest.approx(np.sum(X**2) + 0.5 * np.sum(X))
    np.testing.assert_allclose(pullback(1.0)[0], g0)
    assert OPT.lr == 0.5
