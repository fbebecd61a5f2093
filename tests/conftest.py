"""Shared helpers for the tests."""

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
