"""Simplification passes on generated code, one per module, run to a fixed point; then,
once the code is final, the primal comments are matched to the lines it holds."""

from __future__ import annotations

import ast
from functools import partial

from ..codegen.primal_lines import extend_primal_lines
from .available_values import reuse_available_values
from .comments import prune_comments
from .constant_folding import Folded, fold_constants
from .dead_code import Removed, eliminate_dead_code
from .exit_flags import fold_exit_flags
from .facts import Names
from .flags import fold_flags
from .in_place import accumulate_in_place
from .negations import fold_negations
from .tape_entries import drop_needless_tape_entries, drop_unread_counters
from .unit_seeds import (
    drop_unit_factors,
    fill_known_shapes,
    may_follow_removal,
    shape_only_read,
)

# The first round, in the order each gives the next the most: the names holding only a
# literal (`_returned = False`) let flags fold, and a flag folded to another's copy is read
# through by reuse's first run; the literals constant folding makes (`0.5 * dt`: `0.005`)
# are read by the unit factors' second run. Each order found its changes in one round, not
# a second of every pass (a tenth to a fifth of the simplification, realistic 100 lines).
PASSES = (
    drop_unit_factors,
    fold_flags,
    reuse_available_values,
    fold_constants,
    drop_unit_factors,
    fold_exit_flags,
    eliminate_dead_code,
    fold_negations,
    drop_needless_tape_entries,
)
# which passes a change by each may give more to do (in-place accumulation only rewrites
# a statement, unread before)
ENABLES = {
    reuse_available_values: (  # (nothing for itself: one walk, nested blocks inherit)
        fold_constants,
        fold_flags,
        fold_exit_flags,
        eliminate_dead_code,
        fold_negations,
        accumulate_in_place,
        drop_unit_factors,
        drop_needless_tape_entries,
    ),
    fold_constants: (
        reuse_available_values,
        fold_flags,
        fold_exit_flags,
        eliminate_dead_code,
        fold_negations,
        drop_unit_factors,
        drop_needless_tape_entries,
    ),
    fold_flags: (
        reuse_available_values,
        fold_constants,
        fold_exit_flags,
        eliminate_dead_code,
        drop_needless_tape_entries,
    ),
    fold_exit_flags: (
        reuse_available_values,
        fold_constants,
        fold_flags,
        eliminate_dead_code,
        drop_needless_tape_entries,
    ),
    # a store removed from a loop or branch lets the values before it reach inside, and a
    # name's other bindings may be left one (and a read removed may leave a tape entry
    # unread, or an array fresh): `AFTER_SOLE_BINDINGS` when the removed were names' only
    eliminate_dead_code: (
        reuse_available_values,
        fold_negations,
        accumulate_in_place,
        drop_unit_factors,
        drop_needless_tape_entries,
    ),
    accumulate_in_place: (),
    drop_unit_factors: (
        reuse_available_values,
        fold_constants,
        eliminate_dead_code,
        fold_negations,
        drop_needless_tape_entries,
    ),
    # a sign or factor moved into the one expression reading it makes no literal, and no
    # value read elsewhere, for the others (running them again cost a tenth of the time)
    fold_negations: (),
    # a dropped entry is assigned in the replay instead: read through, then dead
    drop_needless_tape_entries: (reuse_available_values, eliminate_dead_code),
}
# removing the only binding of each name it removes changes no value at hand, no count of
# bindings and no literal a name holds: only reads are gone
AFTER_SOLE_BINDINGS = (accumulate_in_place, drop_needless_tape_entries)
# what a kind of change enables, where narrower than `ENABLES`: a rebinding removed from the
# function's own block leaves a name fewer bindings, but no value reaches a read it did not
# (a read after it would have kept it), nor does one removed from a loop or branch where
# its name is read nowhere, or it was overwritten before any read (`UNREAD_REBINDINGS`);
# a literal given to a name bound once is read through by the unit factors' literals, and
# one given to a name bound again may reach no read (`UNREAD_LITERALS`): reuse has
# nothing new in any
_NOT_REUSE_AFTER_SWEEP = tuple(
    p for p in ENABLES[eliminate_dead_code] if p is not reuse_available_values
)
_NOT_REUSE_AFTER_FOLD = tuple(p for p in ENABLES[fold_constants] if p is not reuse_available_values)
NARROWER = {
    (eliminate_dead_code, Removed.SOLE_BINDINGS): AFTER_SOLE_BINDINGS,
    (eliminate_dead_code, Removed.TOP_REBINDINGS): _NOT_REUSE_AFTER_SWEEP,
    (eliminate_dead_code, Removed.UNREAD_REBINDINGS): _NOT_REUSE_AFTER_SWEEP,
    (fold_constants, Folded.SOLE_LITERALS): _NOT_REUSE_AFTER_FOLD,
    (fold_constants, Folded.UNREAD_LITERALS): _NOT_REUSE_AFTER_FOLD,
}


def _after_removal(enabled: tuple, dropped: list, tree: ast.FunctionDef, facts: Names) -> tuple:
    """`enabled` (by dead-code elimination removing `dropped`), but the unit factors where
    no name a removed statement bound is read (`unit_seeds.may_follow_removal`): a third of
    their runs, each finding nothing (realistic 100 lines)."""
    if may_follow_removal(dropped, tree, facts):
        return enabled
    return tuple(p for p in enabled if p is not drop_unit_factors)


def simplify(
    tree: ast.FunctionDef,
    in_place_runtime: str | None = None,
    shapes: dict[str, tuple] | None = None,
    dtypes: dict[str, tuple] | None = None,
) -> ast.FunctionDef:
    """Run the passes until none has more to do (in place); return `tree`.

    Each pass leaves nothing for itself to do, so a pass runs again only after one that
    can enable it changed the code. `in_place_runtime`: the name the code calls the runtime
    by, to accumulate into fresh arrays in place (not for code differentiated again).
    `shapes`, `dtypes`: the variables' shapes and dtypes, in code specialised to them (drops
    products by ones)."""
    extend_primal_lines(tree)  # (the comments they become: which still hold, at the end)
    # (drop_unit_factors without shapes too, for its literals: a flag the forward sweep's
    # branch folded is folded in the reverse sweep's matching branch too, which would read
    # names no longer assigned)
    allowed = [*PASSES, accumulate_in_place] if in_place_runtime is not None else list(PASSES)
    facts = Names()  # asked by several passes of every statement: found once
    # the passes that forget the facts of each statement they rewrite themselves; after a
    # change by any other, all are forgotten (looked up as called: a profiler may wrap them)
    keep_facts = (
        accumulate_in_place,
        drop_unit_factors,
        reuse_available_values,
        eliminate_dead_code,
        fold_negations,
        fold_constants,
        fold_flags,
        fold_exit_flags,
    )
    read_facts = (drop_needless_tape_entries,)  # (rewriting anywhere: all forgotten after)
    # the ones filled in at the end (`fill_known_shapes`) read their `like` for nothing
    shape_only = partial(shape_only_read, shapes=shapes, dtypes=dtypes or {}) if shapes else None

    # the passes that ran and that no change since may give more to do: a pass listed twice
    # in the first round (the unit factors) skips its second run where nothing enabling it
    # changed the code in between (it would find nothing, as each pass leaves nothing for
    # itself)
    settled: set = set()

    def run(pending: list) -> None:
        settled.difference_update(pending)  # (asked for: they run)
        while pending:
            simplify_pass = pending.pop(0)
            if simplify_pass in settled:
                continue
            settled.add(simplify_pass)
            dropped: list[ast.stmt] = []  # the statements dead-code elimination removed
            if simplify_pass is accumulate_in_place:
                changed = accumulate_in_place(tree, in_place_runtime, facts)
            elif simplify_pass is drop_unit_factors:
                changed = drop_unit_factors(tree, shapes, dtypes, facts)
            elif simplify_pass is fold_negations:
                changed = fold_negations(tree, dtypes, facts)
            elif simplify_pass is eliminate_dead_code:
                changed = eliminate_dead_code(tree, facts, shape_only, dropped)
            elif simplify_pass in keep_facts or simplify_pass in read_facts:
                changed = simplify_pass(tree, facts)
            else:
                changed = simplify_pass(tree)
            if changed and simplify_pass not in keep_facts:
                facts.clear()
            if changed:
                enabled = NARROWER.get((simplify_pass, changed), ENABLES[simplify_pass])
                if dropped and drop_unit_factors in enabled and drop_unit_factors not in pending:
                    enabled = _after_removal(enabled, dropped, tree, facts)
                settled.difference_update(enabled)
                pending += [p for p in enabled if p in allowed and p not in pending]

    run(list(allowed))
    # the ones' shapes written in: what computed their `like` only for that is dead already
    # (`shape_only`), but a tape entry restored into a `like` is read until now (the filling
    # forgets the facts of what it rewrites; dropping a counter rewrites a loop's header,
    # whose facts are never kept)
    if shapes and fill_known_shapes(tree, shapes, dtypes or {}, facts):
        run([drop_needless_tape_entries])  # (and what its changes enable, to a fixed point)
    # what read only the ranges dies, which may drop more tape entries (a tape left empty
    # still replays): where a name a range read is read nowhere else now
    while (ranges_read := drop_unread_counters(tree, facts)) and not ranges_read <= {
        name for part in facts.everywhere(tree) for name in part.loads
    }:
        run([eliminate_dead_code])
    prune_comments(tree, facts)  # once the code is final
    return tree
