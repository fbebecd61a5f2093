"""Simplification passes on generated code, one per module, run to a fixed point."""

from __future__ import annotations

import ast

from .copy_propagation import propagate_copies
from .dead_code import eliminate_dead_code

PASSES = (propagate_copies, eliminate_dead_code)


def simplify(tree: ast.FunctionDef) -> ast.FunctionDef:
    """Run every pass until none changes `tree` (in place); return it."""
    while any([simplify_pass(tree) for simplify_pass in PASSES]):
        pass
    return tree
