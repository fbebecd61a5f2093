"""`vjp`'s pullback is the VJP at the point of the forward call (as JAX's and autograd's):
module state the function read, rebound between `vjp` and the pullback, must not change it.

The pullback reads globals, attributes and closures as the forward call left them (bound at
the end of the forward sweep, since session 33). An array updated in place after `vjp` is
seen by the pullback, as with autograd: the pullback holds the array, not a copy (a strict
expected failure, documented); `grad`, which runs both sweeps in one call, is right.
"""

import numpy as np
import pytest

import s2s_ad as ad
from tests import pullback_reads_programs as P

X = np.array([1.0, 3.0])


@pytest.fixture(autouse=True)
def _restore_state():
    yield
    P.SCALE, P.CFG.scale, P.W[:] = 2.0, 2.0, [1.0, 2.0]


def _rebind_global():
    P.SCALE = 3.0


def _rebind_attribute():
    P.CFG.scale = 3.0


def _update_array():
    P.W[:] = 5.0


CASES = {
    "global": (P.by_global, _rebind_global, 2 * X * 2.0),
    "attribute": (P.by_attribute, _rebind_attribute, 2 * X * 2.0),
    "array updated in place": (P.by_array, _update_array, 2 * X * np.array([1.0, 2.0])),
}


@pytest.mark.parametrize("name", CASES)
def test_grad_reads_the_state_of_its_call(name):
    f, change, expected = CASES[name]
    np.testing.assert_array_equal(ad.grad(f)(X), expected)
    change()  # the next call is made for the new state
    assert not np.array_equal(ad.grad(f)(X), expected)


# (an array updated in place too, since session 35: the pullback holds a copy)
@pytest.mark.parametrize("name", list(CASES))
def test_pullback_after_the_state_changes(name):
    f, change, expected = CASES[name]
    value, pullback = ad.vjp(f, X)
    assert value == f(X)
    change()
    (cotangent,) = pullback(1.0)
    np.testing.assert_array_equal(cotangent, expected)
