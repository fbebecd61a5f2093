"""Frozen `scipy.stats` distributions, called at once: the distribution's own method.

A mixin of the expression lowering. `st.norm(mu, s).logpdf(x)` freezes the parameters and
calls the frozen object's method, which calls `st.norm.logpdf(x, mu, s)` — the method's
arguments first, then the frozen ones. The lowering writes that call, which has a rule
(rules/stats.py), instead of a method of a local value it cannot follow:

    st.norm(mu, s).logpdf(x)          before: "method `.logpdf()` of a local value"
                                      after:  _t1 = st.norm.logpdf(x, mu, s)
    multivariate_normal(m, C).pdf(x)  after:  _t1 = multivariate_normal.pdf(x, m, C)

The frozen parameters are lowered first, as Python evaluates them first. The call is then
like any other: a rule if a derivative flows into it (else a located refusal naming the
argument, or "no derivative rule" for `ppf`), run as it is if none does. Any other frozen use
(a frozen object kept in a variable) stays refused, with a hint naming this form.
"""

from __future__ import annotations

import gast

from ..frontend import nodes
from ..frontend.library import module_name
from .ir import Expr, Prim

FROZEN_HINT = (
    "; a frozen scipy.stats distribution's method is the distribution's method with the "
    "parameters after the point: `st.norm.logpdf(x, loc, scale)` for "
    "`st.norm(loc, scale).logpdf(x)` (written in one expression, s2s_ad rewrites it so)"
)
# the frozen methods that call the distribution's with the parameters after the point
# (not `rvs`, `moment`, `interval`, `expect`: their own arguments come first)
DISTRIBUTION_METHODS = frozenset(
    {"pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "pmf", "logpmf", "entropy", "ppf", "isf"}
)


class FrozenDistributions:
    """The mixin: `dist(params).method(args)` as `dist.method(args, params)`."""

    def _frozen_distribution_call(self, node: gast.Call) -> Expr | None:
        func = node.func
        if not (isinstance(func, gast.Attribute) and isinstance(func.value, gast.Call)):
            return None
        inner = func.value
        if self._is_local_chain(inner.func) or _starred(node) or _starred(inner):
            return None
        dotted = nodes.dotted(inner.func)
        value = None if dotted is None else self.scope.resolve(dotted)
        # a distribution of scipy.stats (never an attribute of any other object: no getattr)
        if not module_name(type(value)).startswith("scipy.stats"):
            return None
        method = getattr(value, func.attr, None)
        if func.attr not in DISTRIBUTION_METHODS or not callable(method):
            return None
        names = [k.arg for k in (*inner.keywords, *node.keywords)]
        if len(names) != len(set(names)) or {"seed", "random_state"} & set(names):
            return None  # given twice (Python's TypeError), or a frozen object's sampling seed
        frozen_args, frozen_kwargs = self._call_arguments(inner)  # evaluated first
        args, kwargs = self._call_arguments(node)
        return Prim(
            method,
            (*args, *frozen_args),
            (*frozen_kwargs, *kwargs),
            spelled=f"{'.'.join(dotted)}.{func.attr}",
        )


def _starred(node: gast.Call) -> bool:
    return any(isinstance(a, gast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    )
