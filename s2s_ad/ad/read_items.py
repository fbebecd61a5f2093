"""Which items of a helper's result carry a derivative back to its caller.

`a, _ = helper(x)` reads no derivative of the helper's second output. The helper's
derivative code is made for the items its callers read (`Callees.get`'s `reads`, part of
the cache key: paths of literal keys, activity.py's `demanded`), and the others are not
differentiated in it: where an unread item's partial is infinite (`math.sqrt(x)` at 0), a
zero cotangent times it would make nan of a finite derivative. This is what JAX's symbolic
zero cotangents and autograd's skipped None cotangents give.

In the helper, the paths are its result's demand: an unread position of a tuple
`return a, b` takes no cotangent at all (`dead_outputs`), and unread items of a list or
dict display, nested or not, or of another helper's result it returns, are not useful.
"""

from __future__ import annotations

import hashlib
import operator
import re
from types import FunctionType

from ..ssa.ir import Function, Prim, Return, Var
from .activity import WHOLE, items_at


def items_read(demand: dict[str, frozenset], target: str) -> frozenset | None:
    """The paths of the items of `target` (a call's result) a derivative reads, from the
    caller's demand (activity.py's `activity`), or None for all of it: the callee's
    `reads`."""
    paths = demand.get(target, WHOLE)
    return None if paths is WHOLE else paths


def dead_outputs(result: Return, reads: frozenset | None) -> frozenset[int]:
    """The positions of a tuple result `return a, b` no path of `reads` (`items_read`)
    goes into: none for any other result."""
    count = len(result.values)
    if reads is None or not result.is_tuple:
        return frozenset()
    if any(type(p[0]) is not int or not -count <= p[0] < count for p in reads):
        return frozenset()  # (an index out of range: the plain call's IndexError decides)
    return frozenset(k for k in range(count) if not items_at(reads, k, count))


def reads_matter(fn: Function, reads: frozenset) -> bool:
    """Whether code made for the items `reads` of `fn`'s result can differ from the code
    for all of them: not where every position of a tuple result is read whole, nor where
    the result is a value no item of which is made apart (an array's element read)."""
    result = fn.result
    if result.is_tuple:
        count = len(result.values)
        return any(items_at(reads, k, count) is not WHOLE for k in range(count))
    value = result.values[0]
    if not isinstance(value, Var):
        return False
    made = [s.value for s in fn.assigns() if s.target == value.name]
    # a copy, an item of another value, `tuple(xs)`, or a Python function's result: a
    # display's `rt.append`, another helper's
    return any(
        isinstance(v, Var)
        or (
            isinstance(v, Prim)
            and (v.fn in (operator.getitem, tuple) or type(v.fn) is FunctionType)
        )
        for v in made
    )


def items_label(reads: frozenset) -> str:
    """A name suffix for a helper's code made for the items `reads` of its result
    (`_items_0`, `_items_1_aux`), so that two such codes of one helper, exported together,
    are two functions; a digest where the keys are not names."""
    paths = sorted(("_".join(str(k) for k in path) for path in reads), key=str)
    label = "__".join(paths).replace("-", "m")
    if not re.fullmatch(r"\w*", label, re.ASCII):
        label = hashlib.sha1(repr(sorted(map(repr, reads))).encode()).hexdigest()[:8]
    return f"_items_{label}"
