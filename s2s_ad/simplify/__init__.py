"""Simplification passes on generated code, one per module, run to a fixed point."""

from __future__ import annotations

import ast
from functools import partial

from .available_values import reuse_available_values
from .constant_folding import fold_constants
from .dead_code import eliminate_dead_code
from .in_place import accumulate_in_place

PASSES = (reuse_available_values, fold_constants, eliminate_dead_code)


def simplify(tree: ast.FunctionDef, in_place_runtime: str | None = None) -> ast.FunctionDef:
    """Run the passes in turn until none changes `tree` (in place); return it.

    Each pass leaves nothing for itself to do, so a pass runs again only after another
    one changed the code. `in_place_runtime`: the name the code calls the runtime by, to
    accumulate into fresh arrays in place (not for code that is differentiated again)."""
    passes = list(PASSES)
    if in_place_runtime is not None:
        passes.append(partial(accumulate_in_place, runtime=in_place_runtime))
    settled: list = []
    while len(settled) < len(passes):
        for simplify_pass in passes:
            if simplify_pass not in settled:
                settled = [simplify_pass] if simplify_pass(tree) else [*settled, simplify_pass]
    return tree
