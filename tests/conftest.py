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
    so the entry is removed when the feature lands. The Numba tests are sampled
    (`_sampled_out`)."""
    dropped = _sampled_out(items)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in gone]
    for item in items:
        pending = getattr(getattr(item, "module", None), "PENDING_TESTS", None)
        reason = pending.get(item.name) if isinstance(pending, dict) else None
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


# Numba's compiles (`jit=True`) took 378 of the suite's 2,636 s of processor time (a run at
# 306e64c). Of each parametrized test of them (a `jit` in its function's or file's name), the
# suite runs the first parameter set (the others, a third of them sampled, still took 79 of
# 1,769 s at 88bfd3f, with CI over its 15 minutes); `S2S_AD_EVERY_JIT=1` (`make test-jit`)
# runs them all.
def _sampled_out(items) -> list:
    if os.environ.get("S2S_AD_EVERY_JIT"):
        return []
    seen, dropped = set(), []
    for item in items:
        function = getattr(item, "originalname", None) or item.name
        if getattr(item, "callspec", None) is None or "jit" not in (function + item.path.name):
            continue
        key = (item.path, function)
        if key in seen:
            dropped.append(item)
        seen.add(key)
    return dropped
