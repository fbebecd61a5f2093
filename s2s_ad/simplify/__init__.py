"""Simplification passes on generated code, one per module, run to a fixed point."""

from __future__ import annotations

import ast

from .available_values import reuse_available_values
from .constant_folding import fold_constants
from .dead_code import eliminate_dead_code

PASSES = (reuse_available_values, fold_constants, eliminate_dead_code)


def simplify(tree: ast.FunctionDef) -> ast.FunctionDef:
    """Run the passes in turn until none changes `tree` (in place); return it.

    Each pass leaves nothing for itself to do, so a pass runs again only after another
    one changed the code."""
    settled: set = set()
    while len(settled) < len(PASSES):
        for simplify_pass in PASSES:
            if simplify_pass not in settled:
                settled = {simplify_pass} if simplify_pass(tree) else settled | {simplify_pass}
    return tree
