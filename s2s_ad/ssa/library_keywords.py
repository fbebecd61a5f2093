"""A library function's own name for a parameter, given by keyword, passed by position.

NumPy calls the first parameter of `np.mean` `a`, of `np.stack` `arrays`, of `np.tile` `A`;
the rules (rules/*.py) call them `x`. Python binds `np.mean(a=M)` as `np.mean(M)`, so the
lowering passes such keywords by position before the rule binds the call (before, the
rule refused a keyword it did not know):

    np.sum(keepdims=True, a=M, axis=0)   →   np.sum(M, keepdims=True, axis=0)

Only keywords the rule does not know (its names and `aliases`: rules/registry.py),
filling the positions after the arguments given by position in order, up to the rule's
last position (the rules take NumPy's order of parameters, under other names); any other
keyword stays one (a keyword no rule knows is refused there).
"""

from __future__ import annotations

import functools
import inspect

from ..rules.registry import Rule

_BY_NAME = (inspect.Parameter.POSITIONAL_OR_KEYWORD,)


def keywords_as_positions(rule: Rule, fn: object, args: tuple, kwargs: tuple) -> tuple:
    """(args, kwargs) of a call of `fn`, whose derivative is `rule`, with the keywords that
    name `fn`'s positional parameters by a name the rule lacks passed by position."""
    known = rule.names
    if all(name in known for name, _ in kwargs):
        return args, kwargs

    # (a position the rule has: `sqrtm(A, disp=False)`'s `disp` is none, and stays refused)
    names = _positional_names(fn)[: len(rule.positions())]
    given = dict(kwargs)
    moved = list(args)
    while len(moved) < len(names) and names[len(moved)] in given:
        name = names[len(moved)]
        if name in known:  # the rule's own keyword (`axis`): it stays one
            break
        moved.append(given.pop(name))
    if len(moved) == len(args):
        return args, kwargs
    return tuple(moved), tuple((name, atom) for name, atom in kwargs if name in given)


@functools.lru_cache(maxsize=512)
def _positional_names(fn: object) -> tuple[str, ...]:
    """The names of `fn`'s parameters that may be given by position or keyword, in order;
    () where Python cannot tell (a ufunc takes its operands by position only)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return ()
    names = []
    for parameter in parameters:
        if parameter.kind not in _BY_NAME:
            break
        names.append(parameter.name)
    return tuple(names)
