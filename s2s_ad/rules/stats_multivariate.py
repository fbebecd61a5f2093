"""`scipy.stats.multivariate_normal` and `scipy.stats.dirichlet` (filled in below)."""

from __future__ import annotations


def register_multivariate(register) -> None:
    pass
