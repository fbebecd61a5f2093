"""Rules for the runtime helpers that derivative code calls, so that derivative code can be
differentiated again (Hessians: the tangent of the gradient code).

Most helpers are linear in the cotangent `g` they move around; their tangent is the same
call on the tangent, their adjoint the transposed move. Helpers that only inspect shapes or
pick positions (`rt.zeros_like`, `rt.extremum_share`, `rt.count`) carry no derivative.
"""

from __future__ import annotations

from .. import runtime as rt
from .registry import SAME_CALL, Rule, elementwise, nondifferentiable, registrar

register = registrar("runtime")

for helper in (
    rt.zeros_like,
    rt.extremum_share,
    rt.count,
    rt.dof,
    rt.hstack_axis,
    rt.leading_slice,
    rt.roll_back,
    rt.size,
):
    register(helper, nondifferentiable(f"rt.{helper.__name__}"))

# cleared(g, like, index): linear in `g`, a projection: its adjoint clears the cotangent's
# item, shaped as `g`'s (the item it had before), `like` only shapes the result's
register(
    rt.cleared,
    Rule(
        "rt.cleared",
        ("g",),
        (SAME_CALL,),
        ("rt.cleared(d, g, index)",),
        keywords=(("like", None), ("index", None)),
        positional=("g", "like", "index"),
        selectors=("like", "index"),
    ),
)
# as_array(x): x, as an array of its own library
register(rt.as_array, Rule("rt.as_array", ("x",), (SAME_CALL,), ("d",)))
# quotient_or_zero(a, b) = a / b (0 where a is 0): 1 / b through a, -a / b² = -ans / b
# through b (0 where ans is)
register(
    rt.quotient_or_zero,
    elementwise(
        "rt.quotient_or_zero",
        ("a", "b"),
        "rt.quotient_or_zero(d, b)",
        "-rt.quotient_or_zero(d * ans, b)",
    ),
)
# ratio(x, y) = x / y (NumPy's quotient at a Python 0)
register(rt.ratio, elementwise("rt.ratio", ("x", "y"), "rt.ratio(d, y)", "-rt.ratio(d * ans, y)"))
# inverse_or_zero(x) = 1 / x (0 at 0): -1 / x² = -ans², and 0 at 0
register(rt.inverse_or_zero, elementwise("rt.inverse_or_zero", ("x",), "-d * (ans * ans)"))

# full_like(x, value): linear in the value, `x` only gives the shape
register(
    rt.full_like,
    Rule(
        "rt.full_like",
        ("value",),
        ("rt.full_like(x, d)",),
        ("np.sum(d)",),
        keywords=(("x", None),),
        positional=("x", "value"),
        selectors=("x",),
        batched=("rt.full_like_directions(x, d)",),
    ),
)


def moves_g(name: str, vjp: str, keywords: tuple, selectors: tuple = (), batched=None) -> None:
    """A helper linear in its first argument `g`, with the adjoint of that linear map (and
    its tangent for a leading direction axis, where one is written)."""
    rule = Rule(
        f"rt.{name}",
        ("g",),
        (SAME_CALL,),
        (vjp,),
        keywords=keywords,
        selectors=selectors,
        batched=(batched,) if batched else (),
    )
    register(getattr(rt, name), rule)


# unbroadcast sums over broadcast axes: its adjoint broadcasts back (a list's, a dict's or a
# record's cotangent as it is)
moves_g(
    "unbroadcast",
    "rt.broadcast_tangent(d, g)",
    (("like", None),),
    ("like",),
    batched="rt.unbroadcast_directions(d, like)",
)
# unreduce broadcasts over reduced axes: its adjoint sums them
moves_g(
    "unreduce",
    "np.sum(d, axis=axis, keepdims=keepdims)",
    (("like", None), ("axis", None), ("keepdims", False)),
    ("like",),
    batched="rt.unreduce_directions(d, like, axis, keepdims)",
)
# getitem_vjp scatters into zeros: its adjoint reads the same elements
moves_g(
    "getitem_vjp",
    "d[index]",
    (("x", None), ("index", None)),
    ("x", "index"),
    batched="rt.getitem_vjp_directions(d, x, index)",
)
# (its form for all directions: the adjoint reads each direction's elements)
moves_g(
    "getitem_vjp_directions",
    "d[rt.leading_slice(index)]",
    (("x", None), ("index", None)),
    ("x", "index"),
)
# setitem_value_vjp reads the written elements (the last writer's where an index repeats):
# its adjoint writes them back into zeros, the last write winning the same way;
# setitem_value_jvp writes them, its adjoint reads them
moves_g(
    "setitem_value_vjp",
    "rt.setitem_value_jvp(d, x, index)",
    (("v", None), ("index", None), ("x", None)),
    ("v", "x", "index"),
)
moves_g(
    "setitem_value_jvp",
    "rt.setitem_value_vjp(d, g, index, x)",
    (("x", None), ("index", None)),
    ("x", "index"),
)
moves_g("sum_vjp", "rt.broadcast_sum(d, g)", (("x", None),), ("x",))
moves_g("unstack", "np.array(d)", (("x", None),), ("x",))
# lists joined and repeated: the adjoints cut the cotangent apart, or sum its copies
moves_g("front", "rt.place(d, False, g)", (("a", None),), ("a",))
moves_g("back", "rt.place(d, True, g)", (("b", None),), ("b",))
moves_g(
    "place",
    "rt.back(d, g) if at_back else rt.front(d, g)",
    (("at_back", None), ("total", None)),
    ("total",),
)
moves_g("repeated_vjp", "rt.repeat(d, n)", (("a", None), ("n", None)), ("a", "n"))
moves_g("sequence_vjp", "rt.Derivatives(d)", (("x", None),), ("x",))
moves_g("sequence_jvp", "rt.sequence_vjp(d, x)", (("x", None), ("make", "list")), ("x",))
moves_g("cumsum_vjp", "np.cumsum(d, axis)", (("x", None), ("axis", None)), ("x",))
moves_g("cast_like", "rt.cast_like(d, g, dtype)", (("x", None), ("dtype", None)), ("x",))

# the forward mode's broadcast of a tangent to its result's shape: the adjoint sums back
moves_g(
    "broadcast_tangent",
    "rt.unbroadcast(d, g)",
    (("like", None),),
    ("like",),
    batched="rt.broadcast_directions(d, like)",
)
moves_g("broadcast_directions", "rt.unbroadcast(d, g)", (("like", None),), ("like",))

# np.r_/np.c_: the tangent joins the items' tangents; the adjoint cuts them back apart
CONCAT = (("maker", None), ("items", None))
moves_g("index_concat_jvp", "rt.index_concat_vjp(d, maker, items)", CONCAT, ("maker", "items"))
moves_g("index_concat_vjp", "rt.index_concat_jvp(d, maker, items)", CONCAT, ("maker", "items"))

# products: matmul_vjp_left(g, a, b) = g @ bᵀ is the transpose of a ↦ a @ b, and bilinear
# in (g, b); matmul_vjp_right(g, a, b) = aᵀ @ g likewise in (g, a). Their vector-mode tangents
# (Hessians) are one product for all directions (runtime/directions.py)
register(
    rt.matmul_vjp_left,
    Rule(
        "rt.matmul_vjp_left",
        ("g", "b"),
        (SAME_CALL, SAME_CALL),
        ("np.matmul(d, b)", "rt.matmul_vjp_right(g, d, b)"),
        keywords=(("a", None),),
        positional=("g", "a", "b"),
        selectors=("a",),
        batched=(
            "rt.matmul_vjp_left_directions(d, g, a, b, True)",
            "rt.matmul_vjp_left_directions(d, g, a, b, False)",
        ),
    ),
)
register(
    rt.matmul_vjp_right,
    Rule(
        "rt.matmul_vjp_right",
        ("g", "a"),
        (SAME_CALL, SAME_CALL),
        ("np.matmul(a, d)", "rt.matmul_vjp_left(g, a, d)"),
        keywords=(("b", None),),
        positional=("g", "a", "b"),
        selectors=("b",),
        batched=(
            "rt.matmul_vjp_right_directions(d, g, a, b, True)",
            "rt.matmul_vjp_right_directions(d, g, a, b, False)",
        ),
    ),
)
register(
    rt.mT, Rule("rt.mT", ("a",), (SAME_CALL,), ("rt.mT(d)",), batched=("np.swapaxes(d, -1, -2)",))
)
# centered(x) = x - mean(x): a symmetric projection, its own adjoint
register(
    rt.centered,
    Rule(
        "rt.centered", ("x",), (SAME_CALL,), ("rt.centered(d, axis)",), keywords=(("axis", None),)
    ),
)
# pow_term(c, x, y) = c x ** y (0 where c is 0): the base's partial of a power, differentiable
# again (Hessians) in the same form
register(
    rt.pow_term,
    elementwise(
        "rt.pow_term",
        ("c", "x", "y"),
        "rt.pow_term(d, x, y)",
        "d * rt.pow_term(c * y, x, y - 1)",
        "d * rt.xlogy(ans, x)",
    ),
)
# xlogy(x, y) = x log y (0 where x is 0)
register(
    rt.xlogy,
    Rule(
        "rt.xlogy",
        ("x", "y"),
        ("rt.xlogy(d, y)", "d * x / y"),
        ("rt.unbroadcast(rt.xlogy(d, y), x)", "rt.unbroadcast(d * x / y, y)"),
    ),
)
