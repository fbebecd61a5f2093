"""Hypothesis-generated programs: forward = reverse to ~1e-12, both ≈ central differences,
the dot-product test ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ between the tangent and the adjoint code, and the
value of `jvp`, `vjp` and `value_and_grad` (both modes) equal to the plain call's.

The same programs are checked at second order (`SECOND_ORDER`): `hessian` symmetric, equal
to `jacfwd(grad)`, `grad(grad)`, `jacrev(grad)` and to central differences of the gradient
(`hessian_checks.py`); for array programs `hvp` in random directions too. CI's run samples
the costliest kinds (`SECOND_ORDER`); `make fuzz` checks every program so.

The programs have branches and loops; where a branch test sits at its threshold the function
has a kink, which one-sided differences reveal (they disagree): the numeric check is skipped
at such points, and forward and reverse are still compared. `tests/fuzz.py` draws many more
and reports the count and every mismatch.
"""

import os
import zlib

import numpy as np
import pytest
from hessian_checks import assert_hessian_consistent, assert_hvp_consistent
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from programs import load_once, programs

import s2s_ad as ad
from s2s_ad import S2SError, pytrees
from s2s_ad.testing import (
    _flat,
    _random_like,
    _shift,
    assert_same_value,
    check_modes_agree,
    numeric_jvp,
    plain_value,
)

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


@st.composite
def scalar_cases(draw, **kinds):
    """(source, arguments): a program of two floats."""
    return draw(programs(**kinds)), (draw(FLOATS), draw(FLOATS))


@st.composite
def float64_cases(draw, **kinds):
    """(source, arguments): a program of two floats, each a Python float or an `np.float64`."""
    values = (draw(FLOATS), draw(FLOATS))
    kinds_of = draw(st.tuples(st.booleans(), st.booleans()))
    return draw(programs(**kinds)), tuple(
        np.float64(v) if wrap else v for v, wrap in zip(values, kinds_of, strict=True)
    )


@st.composite
def array_cases(draw, **kinds):
    """(source, arguments): a program of a (3, 4) and a (4,) array, which broadcast."""
    source = draw(programs(augment=False, arrays=True, **kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return source, (rng.uniform(-2, 2, size=(3, 4)), rng.uniform(-2, 2, size=(4,)))


@st.composite
def structured_cases(draw, **kinds):
    """(source, arguments): a program of a tuple of two floats, and a float."""
    source = draw(programs(structured=True, **kinds))
    return source, ((draw(FLOATS), draw(FLOATS)), draw(FLOATS))


@st.composite
def nested_cases(draw, **kinds):
    """(source, arguments): a program of `[(u, v), {"s": s}, (w, v2)]` and a float."""
    source = draw(programs(structured="nested", **kinds))
    u, v, s, w, v2, x = (draw(FLOATS) for _ in range(6))
    return source, ([(u, v), {"s": s}, (w, v2)], x)


# name → (programs per CI run, the strategy drawing them); checked at second order too
# (SECOND_ORDER). (Cut to about 30 % of session 41's counts in session 42, when CI's run
# went past its 15 minutes; S2S_PROGRAMS_SCALE draws more, and `make fuzz` 10,000 programs
# afresh.)
CASES = {
    "scalar": (60, scalar_cases()),
    "broadcasting arrays": (30, array_cases()),
    "scalar control flow": (130, scalar_cases(control_flow=True, max_statements=6)),
    "array control flow": (60, array_cases(control_flow=True, max_statements=6)),
    "tuple argument": (30, structured_cases(control_flow=True, max_statements=6)),
    "nested argument": (20, nested_cases(control_flow=True, max_statements=6)),
    "scalar edge constructs": (
        50,
        float64_cases(control_flow=True, edges=True, max_statements=6),
    ),
    "array edge constructs": (25, array_cases(control_flow=True, edges=True, max_statements=6)),
}


# How each kind's programs are checked at second order in CI's run: every check of
# `hessian_checks.py` ("hessian": the Hessian symmetric and equal to `jacfwd(grad)`,
# `jacrev(grad)`, `grad(grad)` and central differences of the gradient) and, for arrays, also
# `hvp` in random directions ("hvp"), each on one program in `n` of the kind (a checksum of
# the source picks them, the same ones every run): one in two, one in four of the scalar
# control-flow and edge kinds, the costliest, to keep CI near its 15 minutes (the second-order
# checks took four fifths of this file's time, which was most of CI's).
# S2S_PROGRAMS_SCALE > 1 and `make fuzz`: every check of every program.
SECOND_ORDER = {
    "scalar": {"hessian": 2},
    "broadcasting arrays": {"hessian": 2, "hvp": 4},
    "scalar control flow": {"hessian": 4},
    "array control flow": {"hessian": 2, "hvp": 4},
    "tuple argument": {"hessian": 2},
    "nested argument": {"hessian": 2},
    "scalar edge constructs": {"hessian": 4},
    "array edge constructs": {"hessian": 2, "hvp": 4},
}
SECOND_ORDER_CHECKS = {"hessian": assert_hessian_consistent, "hvp": assert_hvp_consistent}


def check_case(case, second_order: dict | None = None, sampled: bool = SCALE == 1) -> None:
    """Every check on one drawn program; an AssertionError names what disagreed.
    `second_order` (a kind's `SECOND_ORDER`): the second-order checks too; `sampled`: each
    only on the programs its period picks."""
    source, args = case
    fn = load_once(source)
    try:
        assert_forward_equals_reverse_and_numeric(fn, args)
        assert_dot_product(fn, args)
    except S2SError as error:  # values are checked against the plain call in both checks
        _refused_where_allowed(error, fn, source)
        return
    checksum = zlib.crc32(source.encode())
    for check, period in (second_order or {}).items():
        if sampled and checksum % period:
            continue
        try:
            SECOND_ORDER_CHECKS[check](fn, args)
        except S2SError as error:
            _refused_where_allowed(error, fn, source)
            return


def _refused_where_allowed(error: S2SError, fn, source: str) -> None:
    """A construct s2s_ad may refuse: refused at the user's line, never with a wrong number;
    any other refusal is raised."""
    located = error.filename == fn.__code__.co_filename and error.line is not None
    if "# may refuse:" not in source or not located:
        raise error


def assert_forward_equals_reverse_and_numeric(fn, args):
    gradients = check_modes_agree(fn, args, atol=1e-12)
    for i, r in enumerate(gradients):
        direction = [None] * len(args)
        direction[i] = _ones_like(args[i])
        numeric = numeric_jvp(fn, args, direction)
        total = np.sum(_flat(r))  # the derivative along all ones
        if np.allclose(total, numeric, rtol=1e-5, atol=1e-6):
            continue
        # at a kink or jump (a branch's threshold, a tie) the differences mix two branches,
        # while AD differentiates the branch taken: only a smooth point must agree
        ahead, behind = _one_sided(fn, args, direction)
        smooth = np.allclose(ahead, behind, rtol=1e-4, atol=1e-5)
        assert not smooth, f"gradient {total!r}, numeric {numeric!r} at a smooth point"


def _ones_like(value):
    if isinstance(value, (tuple, list, dict)):
        return pytrees.map_leaves(_ones_like, value)
    return np.ones_like(value) if isinstance(value, np.ndarray) else 1.0


def assert_dot_product(fn, args, seed=0):
    """⟨u, J v⟩ from the tangent code (`jvp`) = ⟨Jᵀ u, v⟩ from the adjoint code (`vjp`),
    for a random direction v and cotangent u: the shape-generic code `grad` does not run."""
    rng = np.random.default_rng(seed)
    v = tuple(_random_like(a, rng) for a in args)
    plain = plain_value(fn, args)
    out, jv = ad.jvp(fn, args, v)
    assert_same_value(out, plain, "jvp's primal output")
    u = float(rng.normal())
    out, pullback = ad.vjp(fn, *args)
    assert_same_value(out, plain, "vjp's primal output")
    pulled = pullback(u)
    left = u * float(jv)
    right = sum(float(np.dot(_flat(c), _flat(t))) for c, t in zip(pulled, v, strict=True))
    scale = max(abs(left), abs(right), 1.0)
    assert abs(left - right) <= 1e-10 * scale, f"dot-product test: {left!r} != {right!r}"


def _one_sided(fn, args, direction, step=1e-6) -> tuple[float, float]:
    """The forward and backward differences of `fn` along `direction`."""
    here = np.sum(fn(*args))
    ahead = np.sum(fn(*_shift(args, tuple(direction), step)))
    behind = np.sum(fn(*_shift(args, tuple(direction), -step)))
    return (ahead - here) / step, (here - behind) / step


# Kinds whose programs are split into chunks, each a test item of its own with its own seed,
# so that `pytest -n auto` spreads them over the workers: at full second order the (then) 470
# scalar control-flow programs take ~10 minutes of one core in one piece; in CI's run the
# array control-flow programs took 126 s and the tuple-argument ones 61 s as one item, the
# last items left running on one worker while the other had finished (the 180 scalar
# edge-construct programs: 68 s as one item).
CHUNKS = {
    "scalar control flow": 8,
    "array control flow": 4,
    "tuple argument": 2,
    "scalar edge constructs": 3,
}


def _property(name):
    count, strategy = CASES[name]
    chunks = CHUNKS.get(name, 1)
    shares = [count * SCALE // chunks + (i < count * SCALE % chunks) for i in range(chunks)]
    if chunks == 1:
        return _drawn(name, strategy, shares[0])
    checks = [_drawn(name, strategy, share, f"{name}, chunk {i}") for i, share in enumerate(shares)]

    @pytest.mark.parametrize("chunk", range(chunks))
    def test(chunk):
        checks[chunk]()

    return test


def _drawn(name, strategy, count, chunk_seed=None):
    """The test of `count` programs drawn by `strategy`; CI's (SCALE 1) draws the same ones
    every run, a chunk those of its own seed."""

    @settings(max_examples=count, **SETTINGS)
    @given(case=strategy)
    def test(case):
        check_case(case, SECOND_ORDER.get(name))

    return hypothesis_seed(chunk_seed)(test) if chunk_seed and SCALE == 1 else test


test_scalar_programs = _property("scalar")
test_broadcasting_array_programs = _property("broadcasting arrays")
test_programs_with_branches_and_loops = _property("scalar control flow")
test_array_programs_with_branches_and_loops = _property("array control flow")
test_programs_of_a_tuple_argument = _property("tuple argument")
test_programs_of_a_nested_argument = _property("nested argument")
test_programs_at_the_edges_of_the_model = _property("scalar edge constructs")
test_array_programs_at_the_edges_of_the_model = _property("array edge constructs")
