"""Where a starred expression `*x` may stand: the validator admits only these.

- one per tuple or list of an assignment target: `first, *rest = xs`, `*init, last = xs`,
  `(a, *b), c = …` (the starred name gets a list, as in Python);
- the single argument of `zip`: `zip(*pairs)` (unzip a list of pairs);
- an argument of any other call, `f(*xs)`, and an item of a list or tuple display,
  `[*a, *b]`: `ssa/star_arguments.py` spreads it where the lowering knows its length, and
  refuses it elsewhere.

Everywhere else (a loop target, two starred names in one target) it is refused at its line.
Before: a `Starred` node anywhere. After: the ids of the `Starred` nodes that are admitted.
"""

from __future__ import annotations

import gast

from .nodes import descendants


def admitted_starred(body: list[gast.stmt]) -> set[int]:
    """The ids of the `Starred` nodes of `body` in a position the lowering takes."""
    return admitted_among([node for stmt in body for node in descendants(stmt)])


def admitted_among(found: list[gast.AST]) -> set[int]:
    """The ids of the `Starred` nodes admitted by the nodes `found` (every node of some
    code: a starred node's place is decided by its assignment, call or display)."""
    admitted: set[int] = set()
    for node in found:
        kind = type(node)
        if kind is gast.Assign:
            for target in node.targets:
                admitted |= _in_target(target)
        elif kind is gast.Call:  # `zip(*pairs)`, `f(*xs)`
            admitted |= {id(a) for a in node.args if isinstance(a, gast.Starred)}
        elif (kind is gast.List or kind is gast.Tuple) and isinstance(node.ctx, gast.Load):
            admitted |= {id(e) for e in node.elts if isinstance(e, gast.Starred)}
    return admitted


def _in_target(target: gast.expr) -> set[int]:
    if not isinstance(target, (gast.Tuple, gast.List)):
        return set()
    stars = [e for e in target.elts if isinstance(e, gast.Starred)]
    found = {id(stars[0])} if len(stars) == 1 else set()
    for elt in target.elts:
        found |= _in_target(elt.value if isinstance(elt, gast.Starred) else elt)
    return found


def has_star(target: gast.expr) -> bool:
    """A tuple or list target with a starred name at its top level."""
    return isinstance(target, (gast.Tuple, gast.List)) and any(
        isinstance(e, gast.Starred) for e in target.elts
    )
