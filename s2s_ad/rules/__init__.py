"""Derivative rules, one small entry per primitive; importing this package registers them all."""

from . import (  # noqa: F401  (registration)
    aliases,
    arithmetic,
    averages,
    builtins,
    dicts,
    elementwise,
    factorisations,
    helpers,
    indexing,
    joining,
    linalg,
    masks,
    math_functions,
    nondiff,
    numpy_more,
    order_statistics,
    records,
    reductions,
    runtime_arrays,
    runtime_linalg,
    runtime_spectral,
    selection,
    shapes,
    tail,
)
from .registry import REGISTRY, Rule, lookup

__all__ = ["REGISTRY", "Rule", "lookup"]
