"""Derivative rules, one small entry per primitive; importing this package registers them all."""

from . import arithmetic, elementwise, linalg, nondiff, reductions, shapes  # noqa: F401  (registration)
from .registry import REGISTRY, Rule, lookup

__all__ = ["REGISTRY", "Rule", "lookup"]
