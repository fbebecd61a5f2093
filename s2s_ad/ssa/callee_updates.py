"""In-place updates of arguments by the user's helpers, seen from their callers.

A helper's generated derivative models `v[0] = e`, `v += e`, `v.append(e)` on its own
argument `v` as a new version of `v`: the caller's array, which Python updates, would keep
its old value in the caller's derivative. This pass, a mixin of the lowering, looks at every
call of a user's function (`argument_updates` lowers the callee once, recording instead of
refusing the updates of its parameters, helpers of helpers included) and

- refuses the call, at the caller's line and naming the helper's, when the helper certainly
  updates the object passed (an element update, `append`, an update through a view);
- checks at run time, for `v += e` (a float is rebound, an array or list updated in place),
  that the value passed is not an array or list: `rt.unshared(a, a, …)` raises then.

Before (`scale_inplace` does `v *= s` on line 2 of `helpers.py`)::

    _ = scale_inplace(a, s)

After (SSA)::

    _t1 = rt.unshared(a, a, 'f.py', 7, 'unsupported construct: call of `scale_inplace`, …')
    _ = scale_inplace(_t1, s)
"""

from __future__ import annotations

import inspect
import types
import weakref

from ..errors import S2SError, UnsupportedSyntaxError
from ..frontend.library import is_library_function, module_name
from .ir import Var
from .sharing import user_function

# fn → (its code, [(parameter, file, line, certainly in place)])
_UPDATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_IN_PROGRESS: set[int] = set()


def argument_updates(fn: types.FunctionType) -> list[tuple[str, str, int, bool]]:
    """(parameter, file, line, certain) for every in-place update of `fn`'s parameters; []
    for a function the lowering refuses (its derivative, if needed, says why)."""
    cached = _UPDATES.get(fn)
    if cached is not None and cached[0] is fn.__code__:
        return cached[1]
    if id(fn) in _IN_PROGRESS:  # recursion: the outer analysis sees the updates
        return []
    from ..frontend.parse import parse_function
    from ..frontend.scope import Scope
    from ..pipeline import choose_aliases, lowerable_tree
    from .lower import lower

    _IN_PROGRESS.add(id(fn))
    try:
        parsed = parse_function(fn)
        scope = Scope.of(fn)
        tree = lowerable_tree(parsed, scope)
        ssa = lower(tree, scope, parsed.filename, choose_aliases(tree, scope), recording=True)
        updates = [(p, ssa.filename, line, False) for p, line in ssa.inplace_arguments]
        updates += [(p, ssa.filename, line, True) for p, line in ssa.argument_updates]
    except (S2SError, OSError, TypeError):
        updates = []
    finally:
        _IN_PROGRESS.discard(id(fn))
    _UPDATES[fn] = (fn.__code__, updates)
    return updates


def users_helper(fn: object) -> bool:
    """Whether `fn` is a function of the user's without a rule, whose source
    `argument_updates` reads (not s2s_ad's, nor a library's: their source is never read)."""
    return (
        isinstance(fn, types.FunctionType)
        and user_function(fn)
        and not module_name(fn).startswith("s2s_ad.")
        and not is_library_function(fn)
    )


class CalleeUpdates:
    """The mixin: `_callee_updates` at every call of a user's function."""

    def _callee_updates(self, callee, args: tuple, kwargs: tuple) -> tuple[tuple, tuple]:
        """(`args`, `kwargs`) of a call of `callee`, guarded where needed; refuses a call
        whose callee certainly updates what the caller passes."""
        fn = callee.value
        if not users_helper(fn):
            return args, kwargs
        updates = argument_updates(fn)
        if not updates:
            return args, kwargs
        keywords = dict(kwargs)
        try:
            bound = inspect.signature(fn).bind(*range(len(args)), **keywords)
        except TypeError:
            return args, kwargs  # the derivative reports the bad call
        positional = list(args)
        for param, filename, line, certain in updates:
            if param not in bound.arguments:
                continue  # its default: not the caller's value
            if isinstance(bound.arguments[param], int) and param not in keywords:
                atom = positional[bound.arguments[param]]
            else:
                atom = bound.arguments[param]
            mine = self._argument_of(atom)
            if self.recording:  # a helper of a helper: an update of our argument is ours
                if mine is not None:
                    updated = self.argument_updates if certain else self.inplace_arguments
                    updated.append((mine, self.line))
                continue  # else the helper's own derivative refuses it
            if certain and callee.source == "_s2s_callee":  # the API's stand-in: at the update
                raise UnsupportedSyntaxError(
                    f"unsupported construct: in-place update of the argument `{param}` (held "
                    "fixed), which would modify the caller's value",
                    filename=filename,
                    line=line,
                    hint=f"copy it first and update the copy (`{param} = list({param})`, "
                    f"`dict({param})`), or make a new value (`{param} = {param} + …`)",
                )
            construct = (
                f"call of `{callee.source}`, which updates its argument `{param}` in place "
                f"({filename}, line {line}): the caller's value would change without its "
                "derivative"
            )
            hint = f"make `{callee.source}` return the new value instead of updating `{param}`"
            if certain:
                raise self._unsupported(construct, hint=hint)
            if not isinstance(atom, Var):
                continue  # a constant: a number, which the helper rebinds
            message = f"unsupported construct: {construct}"
            guarded = self._checked_unshared(atom, atom, message, hint)  # ssa/aliasing.py
            positional = [guarded if a == atom else a for a in positional]
            keywords = {k: guarded if a == atom else a for k, a in keywords.items()}
        return tuple(positional), tuple(keywords.items())
