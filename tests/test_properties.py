"""Hypothesis-generated programs: forward = reverse to ~1e-12, and both ≈ central differences."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import load, programs

import s2s_ad as ad
from s2s_ad.testing import numeric_jvp

FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def assert_forward_equals_reverse_and_numeric(fn, args):
    wrt = tuple(range(len(args)))
    reverse = ad.grad(fn, wrt=wrt)(*args)
    forward = ad.grad(fn, wrt=wrt, mode="forward")(*args)
    for i, (r, f) in enumerate(zip(reverse, forward, strict=True)):
        np.testing.assert_allclose(r, f, rtol=1e-12, atol=1e-12)
        direction = [None] * len(args)
        direction[i] = np.ones_like(args[i]) if isinstance(args[i], np.ndarray) else 1.0
        numeric = numeric_jvp(fn, args, direction)
        np.testing.assert_allclose(np.sum(r), numeric, rtol=1e-5, atol=1e-6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs(), x0=FLOATS, x1=FLOATS)
def test_scalar_programs(source, x0, x1):
    assert_forward_equals_reverse_and_numeric(load(source), (x0, x1))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs(augment=False), seed=st.integers(0, 2**16))
def test_broadcasting_array_programs(source, seed):
    rng = np.random.default_rng(seed)
    args = (rng.uniform(-2, 2, size=(3, 4)), rng.uniform(-2, 2, size=(4,)))
    assert_forward_equals_reverse_and_numeric(load(source), args)
