"""Round-robin fixed points that rerun a step only once a name it reads has changed.

The analyses over a function's statements (activity, shapes, dtypes) run every statement in
order, round after round, until a round changes nothing. A statement whose inputs did not
change since it last ran would give the same result again, and joining a result in twice
changes nothing, so it is skipped: the same changes happen in the same order, at the cost of
one pass over straight-line code instead of two.

>>> facts = {"x": 1}
>>> def double(target, source):
...     new = facts.get(source, 0) * 2
...     if facts.get(target) == new:
...         return ()
...     facts[target] = new
...     return (target,)
>>> steps = [("y", "x"), ("z", "y")]
>>> settle(steps, [[s] for _, s in steps], lambda step: double(*step))
>>> facts
{'x': 1, 'y': 2, 'z': 4}
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TypeVar

Step = TypeVar("Step")


def settle(
    steps: Sequence[Step],
    reads: Sequence[Collection[str]],
    run: Callable[[Step], Iterable[str]],
) -> None:
    """Run `run(step)` for each step in order, round after round until a round changes
    nothing; `run` returns the names it changed. After the first round a step runs again
    only if a name in its `reads` changed since it last ran: `run` must depend on nothing
    else that changes, and running it twice on the same inputs must change nothing."""
    changed_at: dict[str, int] = {}  # name → the clock of the run that last changed it
    since = changed_at.get
    ran_at = [-1] * len(steps)  # -1: not run yet
    clock = 0
    changed = True
    while changed:
        changed = False
        for index, step in enumerate(steps):
            last = ran_at[index]
            if last >= 0:  # (a loop, not `any`: this check is most of a settled round)
                for name in reads[index]:
                    if since(name, -1) >= last:
                        break
                else:
                    continue
            ran_at[index] = clock  # a change it makes to a name it reads brings it back
            for name in run(step):
                changed_at[name] = clock
                changed = True
            clock += 1
