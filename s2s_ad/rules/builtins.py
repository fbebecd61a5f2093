"""Rules for Python's builtins over sequences (`runtime/builtins.py`), and for the helpers
their derivatives call, so that derivative code differentiates again (Hessians).

`max(xs)`: the derivative of the tied items, averaged (`np.max`'s policy); `sorted` and
`reversed` reorder items, so the tangent is gathered in the new order and the cotangent
scattered back (`rt.gather` and `rt.scatter` are each other's adjoints). `in`, `not in`,
`xs.index(v)`, `xs.count(v)`, and the positions a sort or a pop computes carry no derivative.
"""

from __future__ import annotations

from .. import runtime as rt
from .registry import REQUIRED, SAME_CALL, Rule, nondifferentiable, registrar

register = registrar("builtins")

for helper in (rt.tie_weights, rt.sort_order, rt.reverse_order, rt.is_in, rt.is_not_in):
    register(helper, nondifferentiable(f"rt.{helper.__name__}"))
register(rt.pop_index, nondifferentiable("rt.pop_index"))
register(rt.zip_range, nondifferentiable("rt.zip_range"))
register(list.index, nondifferentiable("index"))
register(list.count, nondifferentiable("count"))

for extremum in (rt.max_of, rt.min_of):
    register(
        extremum,
        Rule(
            f"rt.{extremum.__name__}",
            ("xs",),
            ("rt.tie_jvp(d, xs, ans)",),
            ("rt.tie_vjp(d, xs, ans)",),
        ),
    )

SORT = "rt.sort_order(xs, reverse, key)"
register(
    rt.sorted_items,
    Rule(
        "rt.sorted_items",
        ("xs",),
        (f"rt.gather(d, {SORT})",),
        (f"rt.scatter(d, {SORT}, xs)",),
        keywords=(("reverse", False), ("key", None)),
    ),
)
# the keys only order the items: no derivative flows through them
register(
    rt.sorted_by_keys,
    Rule(
        "rt.sorted_by_keys",
        ("xs",),
        ("rt.gather(d, rt.sort_order(keys, reverse))",),
        ("rt.scatter(d, rt.sort_order(keys, reverse), xs)",),
        keywords=(("keys", REQUIRED), ("reverse", False)),
        positional=("xs", "keys", "reverse"),
        selectors=("keys",),
    ),
)
register(
    rt.reversed_items,
    Rule(
        "rt.reversed_items",
        ("xs",),
        ("rt.gather(d, rt.reverse_order(xs))",),
        ("rt.scatter(d, rt.reverse_order(xs), xs)",),
    ),
)
# a starred assignment's list of the items (checked to be enough): the items themselves
register(
    rt.at_least,
    Rule(
        "rt.at_least",
        ("xs",),
        (SAME_CALL,),
        ("rt.sequence_vjp(d, xs)",),
        keywords=(("before", 0), ("after", 0)),
    ),
)
# a tuple target's value, checked to have as many items as names: the value itself
register(
    rt.exactly,
    Rule("rt.exactly", ("xs",), (SAME_CALL,), ("d",), keywords=(("count", None),)),
)
register(rt.unzip, Rule("rt.unzip", ("pairs",), (SAME_CALL,), ("rt.unzip_vjp(d, pairs)",)))


def linear(name: str, vjp: str, keywords: tuple) -> None:
    """A helper linear in its first argument `g`; the other arguments only pick positions."""
    selectors = tuple(k for k, _ in keywords)
    rule = Rule(f"rt.{name}", ("g",), (SAME_CALL,), (vjp,), keywords=keywords, selectors=selectors)
    register(getattr(rt, name), rule)


linear("tie_jvp", "rt.tie_vjp(d, xs, at)", (("xs", None), ("at", None)))
linear("tie_vjp", "rt.tie_jvp(d, xs, at)", (("xs", None), ("at", None)))
linear("gather", "rt.scatter(d, order, g)", (("order", None),))
linear("scatter", "rt.gather(d, order)", (("order", None), ("xs", None)))
linear("unzip_vjp", "rt.unzip(d)", (("pairs", None),))
