"""Shared helpers for the tests."""

import os

# Numba's LLVM optimisation level 0, not its default 3, in the tests (set before anything
# imports Numba): the compiles of `jit=True` take a fraction of the time (16 tests of
# `test_jit_basic_index.py`: 68 s at level 3, 22 s at 1, 20 s at 0; `test_jit.py` with
# `test_jit_directions.py`: 55-59 s of processor time at 1, 36-43 s at 0), and without
# fast-math LLVM keeps every floating-point operation as written at any level, so the numbers
# are the same. `NUMBA_OPT=3 make test` runs them at the level users get.
os.environ.setdefault("NUMBA_OPT", "0")

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def pytest_collection_modifyitems(config, items):
    """A test module's `PENDING_TESTS` dict (a test's name, `test_reverse[mlp]`, to the issue that
    will make it pass) marks those tests as strict xfails: a fix shows as an XPASS failure,
    so the entry is removed when the feature lands."""
    for item in items:
        pending = getattr(getattr(item, "module", None), "PENDING_TESTS", None)
        reason = pending.get(item.name) if isinstance(pending, dict) else None
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))
