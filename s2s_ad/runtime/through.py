"""The mark of a runtime helper differentiated through its source.

A helper the derivative code calls (`rt.svd_vjp`) needs a derivative of its own where that
code is differentiated again (Hessians). Those written in plain NumPy over functions with
rules need no rule: marked `@differentiated_through`, code differentiated again treats a
call of one as a call of a helper of the user's, transformed from its source (its own
derivative code, called by name), so the next order follows from the rules of what it calls.
"""

from __future__ import annotations


def differentiated_through(fn):
    """Mark `fn` (a module-level function of the runtime, with no rule) to be differentiated
    through its source; returns `fn`."""
    fn._s2s_through = True
    return fn
