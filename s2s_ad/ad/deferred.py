"""Derivatives deferred into the branch that alone reads their value.

    p = np.sqrt(x)
    if use:
        return np.sum(p)
    return np.sum(2.0 * x)

`p` carries a derivative only when the branch runs. Left where `p` is computed, its adjoint
would run on every path, and where the branch did not run it multiplies a zero cotangent by
sqrt's infinite partial at 0: nan, where the derivative is 2 (JAX, tracing the branch taken,
gives 2). So the derivative of such an assignment is placed in that branch: its adjoint at
the end of the branch's reverse sweep (reverse.py; a helper's pullback call too), its tangent
at the branch's start (forward.py). Its primal stays where it is, so the values, errors and
warnings are the plain call's; masks under `np.where` count it in the branch (masks.py).

An assignment is deferred to the innermost `if` branch holding every statement that reads a
derivative of its value, counted where those statements' own derivatives are placed (a chain
`p = np.sqrt(x); q = p * 2.0` read only in the branch moves whole). Where the readers stand
in both arms of an `if`, and nowhere else, a value downstream of a partial that may be
infinite (unbounded_partials.py) is placed in each arm (one arm runs, so its derivative runs
once), and so on into nested branches. Never into a loop's body,
where the derivative would run once per iteration, nor a `with` block; only names assigned
once, so that the values it reads are the same in the branch.
"""

from __future__ import annotations

import operator
from collections import Counter

from ..ssa.ir import (
    Assign,
    Const,
    For,
    Function,
    If,
    Prim,
    Return,
    Var,
    While,
    With,
    used_vars,
    walk,
)
from .activity import derivative_operands
from .unbounded_partials import may_be_unbounded

_LOOP = "loop"  # a step into a loop's or a `with` block's body: nothing is deferred past it


def deferred_statements(fn: Function, active: set[str], displays, keep=None) -> dict:
    """id(a branch's block) → the assignments, in program order, whose derivatives are placed
    in that block; `displays()`: activity.display_reads' map, asked only where there is a
    branch, since the derivative code of a display reads no derivative of an item no
    demanded path reaches (reverse mode: the item's adjoint, zero, is given, not read;
    forward mode gives the item no tangent); `keep(stmt)`: assignments never moved (forward
    mode's helper calls, whose tangent code is the call itself)."""
    statements = walk(fn.body)
    # (lists, not generator expressions: compiled, a generator is resumed for each item)
    if not any([isinstance(s, If) for s in statements]):
        return {}  # no branch to place a derivative in
    displays = displays()
    counts = Counter([s.target for s in statements if isinstance(s, (Assign, For))])
    places: dict[int, tuple] = {}  # id(statement) → the path of blocks it stands in
    values = {s.target: s.value for s in statements if isinstance(s, Assign)}
    joins = _joins(statements, counts, values)
    _record(fn.body, (), places, lambda test, path: _flag(test, counts, values, joins, path))
    readers: dict[str, list] = {}  # name → the statements reading a derivative of it
    for stmt in statements:
        for name in _derivative_reads(stmt, active, fn.dead_outputs, displays):
            readers.setdefault(name, []).append(stmt)
    where, moved = _placed(statements, places, readers, active, counts, keep, None)
    split = _worth_splitting(statements, where, readers)
    if len(split) < sum(len(paths) > 1 for paths in where.values()):  # (else the same again)
        where, moved = _placed(statements, places, readers, active, counts, keep, split)
    return {block: statements[::-1] for block, statements in moved.items()}


def _placed(statements, places, readers, active, counts, keep, split) -> tuple[dict, dict]:
    """(id(statement) → the paths its derivative is placed in, id(block) → the statements
    placed in it, last first); `split`: the names placed in each arm of an `if` reading them
    (None: every name)."""
    where: dict[int, list] = {}
    moved: dict[int, list] = {}
    for stmt in reversed(statements):  # readers come after: their places are known
        own = places[id(stmt)]
        where[id(stmt)] = [own]
        if not isinstance(stmt, Assign) or stmt.target not in active or (keep and keep(stmt)):
            continue
        # (lists, not generators: compiled, each made a closure and a generator per statement)
        if counts[stmt.target] != 1 or any([counts[n] > 1 for n in used_vars(stmt.value)]):
            continue
        uses = [u for r in readers.get(stmt.target, ()) for u in where.get(id(r), [places[id(r)]])]
        depth = len(own)
        if not uses or any([len(use) == depth or use[:depth] != own for use in uses]):
            continue  # read in its own block (`_placements` would keep it there too), or
            # outside it (not in SSA form's joins): kept
        inner = _placements(own, uses, split is None or stmt.target in split)
        if inner != [own]:
            where[id(stmt)] = inner
            for path in inner:
                moved.setdefault(path[-1][0], []).append(stmt)
    return where, moved


def _worth_splitting(statements: list, where: dict, readers: dict) -> set[str]:
    """Of the assignments placed in several arms, those worth it: a value whose partial may
    be infinite (unbounded_partials.py), and the values placed so between it and the arms."""
    several = {id(s) for s in statements if len(where.get(id(s), ())) > 1}
    chain = [s for s in statements if id(s) in several and may_be_unbounded(s.value)]
    split = {s.target for s in chain}
    while chain:
        for reader in readers.get(chain.pop().target, ()):
            if id(reader) in several and reader.target not in split:
                split.add(reader.target)
                chain.append(reader)
    return split


def _record(block: list, path: tuple, places: dict, flag) -> None:
    """Each statement's path: the steps into blocks, `(id(block), _LOOP)` into a loop's or a
    `with` block's body, `(id(block), id(if), (flag, arm), k)` into an arm of the k-th `if`,
    whose flag (`flag(test, path)`) and arm tell which `if`s run their arms together."""
    for stmt in block:
        places[id(stmt)] = path
        if isinstance(stmt, If):
            key, k = flag(stmt.test, path), len(places)
            _record(stmt.body, (*path, (id(stmt.body), id(stmt), (key, True), k)), places, flag)
            _record(
                stmt.orelse, (*path, (id(stmt.orelse), id(stmt), (key, False), k)), places, flag
            )
        elif isinstance(stmt, (For, While, With)):
            _record(stmt.body, (*path, (id(stmt.body), _LOOP)), places, flag)


_COMPARISONS = frozenset(
    (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne, operator.not_)
)


def _flag(test: object, counts: Counter, values: dict, joins: dict, path: tuple) -> object:
    """What decides a test, the same for two `if`s whose tests are equal: a name assigned
    once (through copies, and through the join of an `if` whose arm the `path` is known to
    be in), or a comparison of such names and literals (`k > 0` written twice); None: not
    known to be equal to another's."""
    arms = {step[2] for step in path if step[1] != _LOOP}
    while isinstance(test, Var):
        if counts[test.name] == 1 and isinstance(values.get(test.name), Var):
            test = values[test.name]  # (a copy: `_t2 = _t1`)
        elif test.name in joins and (joins[test.name][0], True) in arms:
            test = joins[test.name][1]  # (the join of an `if` on a flag known true here)
        elif test.name in joins and (joins[test.name][0], False) in arms:
            test = joins[test.name][2]
        else:
            break
    if not isinstance(test, Var) or counts[test.name] > 1:
        return None
    value = values.get(test.name)
    if not (isinstance(value, Prim) and value.fn in _COMPARISONS and not value.kwargs):
        return test.name
    if any(isinstance(a, Var) and counts[a.name] > 1 for a in value.args):
        return test.name
    if not all(isinstance(a, (Var, Const)) for a in value.args):
        return test.name
    return (value.fn, value.args)


def _joins(statements: list, counts: Counter, values: dict) -> dict:
    """name → (the flag of the `if` whose arms join it, what its body and its `else` give):
    the copies each arm ends with (`_t5_2 = _t5_1` / `_t5_2 = _t5`), for `if`s whose flag is
    known (a flag of an `if` inside one arm of such an `if` reads through them)."""
    found = {}
    for stmt in statements:
        if not isinstance(stmt, If):
            continue
        key = _flag(stmt.test, counts, values, {}, ())
        if key is None:
            continue
        body = {s.target: s.value for s in stmt.body if isinstance(s, Assign)}
        orelse = {s.target: s.value for s in stmt.orelse if isinstance(s, Assign)}
        for name in body.keys() & orelse.keys():
            if counts[name] == 2 and isinstance(body[name], Var) and isinstance(orelse[name], Var):
                found[name] = (key, body[name], orelse[name])
    return found


def _derivative_reads(
    stmt: object, active: set[str], dead: frozenset[int], displays: dict[int, tuple]
) -> list[str]:
    """The names whose derivatives `stmt` reads (a test or an effect reads none); `dead`:
    the positions of the result that take no cotangent (`Function.dead_outputs`: a
    caller's unread items), whose values a return does not read a derivative of;
    `displays`: those a display's statement reads (`deferred_statements`)."""
    if isinstance(stmt, Assign):
        if stmt.target not in active:
            return []
        reads = displays.get(id(stmt))
        return list(derivative_operands(stmt)) if reads is None else reads[0]
    if isinstance(stmt, Return):
        return [a.name for k, a in enumerate(stmt.values) if isinstance(a, Var) and k not in dead]
    if isinstance(stmt, For):
        iterable = stmt.iterable
        return used_vars(iterable) if isinstance(iterable, Prim) else [iterable.name]
    if isinstance(stmt, With) and isinstance(stmt.context, Var):
        return [stmt.context.name]
    return []


def _placements(own: tuple, uses: list[tuple], split: bool) -> list[tuple]:
    """The innermost paths below `own`, through `if` branches alone, that hold every use: one;
    or the arm of the first `if` where every use stands in the same arm of an `if` on its flag,
    however deep (they run together: a derivative placed at the start of the first is made
    before the others read it, and its adjoint at the end of the first's reverse sweep after
    they give theirs; `if training: …` then, after `if k > 2: return y`, the second `if
    training: …` in the `else` the return became); or (`split`) one in each
    arm of an `if` whose arms part the uses (a derivative placed in each runs once, as one
    arm runs). Arms of `if`s on one flag count as the first of them at each level, so two
    `if`/`elif` chains on the same comparisons part the uses as one chain would."""
    depth = len(own)
    uses = _first_of_same_flags(uses, depth)
    steps = list(dict.fromkeys(use[depth] if len(use) > depth else None for use in uses))
    if not steps or None in steps or any(step[1] == _LOOP for step in steps):
        return [own]
    if len(steps) > 1:
        first = _first_arm_every_use_is_in(steps, uses, depth)
        if first is not None:
            return [(*own, first)]
        if not split or len({step[1] for step in steps}) != 1:
            return [own]  # (in two statements' blocks, both may run; or not to be split)
    return [
        path
        for step in steps
        for path in _placements((*own, step), [use for use in uses if use[depth] == step], split)
    ]


def _first_arm_every_use_is_in(steps: list, uses: list[tuple], depth: int) -> tuple | None:
    """The first of `steps` (the steps at `depth` into the `if`s holding `uses`), an arm of an
    `if` on a known flag, where every use's path steps into the same arm of an `if` on that
    flag; None where there is none."""
    first = min(steps, key=lambda step: step[3])
    if first[2][0] is None:
        return None
    for use in uses:
        if all(step[1] == _LOOP or step[2] != first[2] for step in use[depth:]):
            return None
    return first


def _first_of_same_flags(uses: list[tuple], depth: int) -> list[tuple]:
    """`uses` with each step at `depth` into an arm of an `if` whose flag is known replaced by
    the step into the same arm of the first such `if` (they run together; the first runs
    before the others): the paths below it are then parted as one `if`'s arms would be."""
    first: dict[tuple, tuple] = {}
    for use in uses:
        step = use[depth] if len(use) > depth else None
        if step is not None and step[1] != _LOOP and step[2][0] is not None:
            known = first.get(step[2])
            if known is None or step[3] < known[3]:
                first[step[2]] = step
    if len(first) == 0:
        return uses
    return [
        (*use[:depth], first[use[depth][2]], *use[depth + 1 :])
        if len(use) > depth and use[depth][1] != _LOOP and use[depth][2] in first
        else use
        for use in uses
    ]
