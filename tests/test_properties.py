"""Hypothesis-generated programs: forward = reverse to ~1e-12, and both ≈ central differences.

The programs have branches and loops; where a branch test sits at its threshold the function
has a kink, which one-sided differences reveal (they disagree): the numeric check is skipped
at such points, and forward and reverse are still compared.
"""

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from programs import load, programs

from s2s_ad.testing import check_modes_agree, numeric_jvp

# Inputs away from 0: the generated branch tests compare sums with 0, and exactly at a
# threshold AD differentiates the branch taken, which need not match the limit from either side.
FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False).filter(lambda v: abs(v) > 1e-3)
# `S2S_PROGRAMS_SCALE=5 pytest tests/test_properties.py` runs five times as many programs,
# drawn at random; the default run (CI's) draws the same programs every time.
SCALE = int(os.environ.get("S2S_PROGRAMS_SCALE", "1"))
SETTINGS = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
    "derandomize": SCALE == 1,
    "print_blob": True,
}


def assert_forward_equals_reverse_and_numeric(fn, args):
    gradients = check_modes_agree(fn, args, atol=1e-12)
    for i, r in enumerate(gradients):
        direction = [None] * len(args)
        direction[i] = np.ones_like(args[i]) if isinstance(args[i], np.ndarray) else 1.0
        numeric = numeric_jvp(fn, args, direction)
        if np.allclose(np.sum(r), numeric, rtol=1e-5, atol=1e-6):
            continue
        # at a kink or jump (a branch's threshold, a tie) the differences mix two branches,
        # while AD differentiates the branch taken: only a smooth point must agree
        ahead, behind = _one_sided(fn, args, direction)
        smooth = np.allclose(ahead, behind, rtol=1e-4, atol=1e-5)
        assert not smooth, f"gradient {np.sum(r)!r}, numeric {numeric!r} at a smooth point"


def _one_sided(fn, args, direction, step=1e-6) -> tuple[float, float]:
    """The forward and backward differences of `fn` along `direction`."""
    moved = [a if d is None else a + step * d for a, d in zip(args, direction, strict=True)]
    back = [a if d is None else a - step * d for a, d in zip(args, direction, strict=True)]
    here = np.sum(fn(*args))
    return (np.sum(fn(*moved)) - here) / step, (here - np.sum(fn(*back))) / step


@settings(max_examples=300 * SCALE, **SETTINGS)
@given(source=programs(), x0=FLOATS, x1=FLOATS)
def test_scalar_programs(source, x0, x1):
    assert_forward_equals_reverse_and_numeric(load(source), (x0, x1))


@settings(max_examples=150 * SCALE, **SETTINGS)
@given(source=programs(augment=False), seed=st.integers(0, 2**16))
def test_broadcasting_array_programs(source, seed):
    rng = np.random.default_rng(seed)
    args = (rng.uniform(-2, 2, size=(3, 4)), rng.uniform(-2, 2, size=(4,)))
    assert_forward_equals_reverse_and_numeric(load(source), args)


@settings(max_examples=1500 * SCALE, **SETTINGS)
@given(source=programs(control_flow=True, max_statements=6), x0=FLOATS, x1=FLOATS)
def test_programs_with_branches_and_loops(source, x0, x1):
    assert_forward_equals_reverse_and_numeric(load(source), (x0, x1))


@settings(max_examples=500 * SCALE, **SETTINGS)
@given(
    source=programs(control_flow=True, augment=False, max_statements=6), seed=st.integers(0, 2**16)
)
def test_array_programs_with_branches_and_loops(source, seed):
    rng = np.random.default_rng(seed)
    args = (rng.uniform(-2, 2, size=(3, 4)), rng.uniform(-2, 2, size=(4,)))
    assert_forward_equals_reverse_and_numeric(load(source), args)
