"""Rules for the runtime helpers of reductions, shape functions, indexing and joining
(`runtime/arrays.py`, `core.py`, `directions.py`, `curvature.py`), so that the derivative
code that calls them can be differentiated again (Hessians, `grad(grad(f))`).

Most are the adjoints of linear primitives: linear in the cotangent `g`, with the primal
argument only giving a shape, an order or positions (a selector). Their tangent is the same
call on the tangent; their adjoint is the primitive itself applied to the cotangent
(`tile_vjp` ↔ `np.tile`). Before → after (the tangent of `np.tile`'s gradient code):
    `x_bar = rt.tile_vjp(y_bar, x, 2)`  →  `x_bar_dot = rt.tile_vjp(y_bar_dot, x, 2)`
and its adjoint `y_bar_bar = np.tile(x_bar_bar, 2)`.

The nonlinear ones (`prod_partials`, `norm_partials`, `cumprod_jvp`/`cumprod_vjp`,
`sinc_slope`) have formulas: the second derivative of the primitive.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import runtime as rt
from .registry import SAME_CALL, Rule, Site, nondifferentiable, registrar

register = registrar("runtime")


def linear_in(name: str, param: str, vjp: str, keywords: tuple, selectors=(), batched=None):
    """A helper linear in its first argument `param`; `vjp` is the adjoint of that map."""
    rule = Rule(
        f"rt.{name}",
        (param,),
        (SAME_CALL,),
        (vjp,),
        keywords=keywords,
        positional=(param, *(k for k, _ in keywords)),
        selectors=selectors,
        batched=(batched,) if batched else (),
    )
    register(getattr(rt, name), rule)


# the adjoints of linear primitives: their own adjoint is the primitive
linear_in("diff_vjp", "g", "np.diff(d, n, axis)", (("n", 1), ("axis", -1)))
TRACE = (("x", None), ("offset", 0), ("axis1", 0), ("axis2", 1))
linear_in("trace_vjp", "g", "np.trace(d, offset, axis1, axis2)", TRACE, ("x",))
linear_in("diagonal_vjp", "g", "np.diagonal(d, offset, axis1, axis2)", TRACE, ("x",))
linear_in("diag_vjp", "g", "np.diag(d, k)", (("x", None), ("k", 0)), ("x",))
linear_in("tile_vjp", "g", "np.tile(d, reps)", (("x", None), ("reps", None)), ("x",))
REPEAT = (("x", None), ("repeats", None), ("axis", None))
linear_in("repeat_vjp", "g", "np.repeat(d, repeats, axis)", REPEAT, ("x",))
PAD = (("x", None), ("pad_width", None), ("mode", "constant"))
linear_in("pad_vjp", "g", "np.pad(d, pad_width, mode)", PAD, ("x",))  # a zero border
TAKE = (("x", None), ("indices", None), ("axis", None))
linear_in("take_vjp", "g", "np.take(d, indices, axis)", TAKE, ("x", "indices"))
linear_in(
    "take_along_axis_vjp", "g", "np.take_along_axis(d, indices, axis)", TAKE, ("x", "indices")
)
# sorting permutes: the order is piecewise constant in `x`, which only selects
SORT = (("x", None), ("axis", -1))
linear_in("sort_jvp", "t", "rt.unbroadcast(rt.sort_vjp(d, x, axis), t)", SORT, ("x",))
linear_in("sort_vjp", "g", "rt.sort_jvp(d, x, axis)", SORT, ("x",))
# joining cuts the cotangent into one piece per array; the pieces joined again
JOIN = (("xs", None), ("axis", 0), ("view", None))
linear_in("concatenate_vjp", "g", "rt.joined_pieces(d, xs, axis, view)", JOIN, ("xs",))
linear_in("joined_pieces", "pieces", "rt.concatenate_vjp(d, xs, axis, view)", JOIN, ("xs",))
# a list of derivatives made from a list or from an array's rows (sequence_vjp's adjoint)
register(
    rt.Derivatives,
    Rule("rt.Derivatives", ("items",), (SAME_CALL,), ("rt.sequence_vjp(d, items)",)),
)
linear_in("broadcast_sum", "items", "rt.sum_vjp(d, items)", (("like", None),), ("like",))
linear_in("cast", "t", "rt.cast_like(d, t, dtype)", (("dtype", None),))
# the axes gathered last for a reduction's partials, and put back
AXIS = (("like", None), ("axis", None))
linear_in("along_last", "x", "rt.unbroadcast(rt.from_last(d, like, axis), x)", AXIS, ("like",))
linear_in("from_last", "flat", "rt.along_last(d, like, axis)", AXIS, ("like",))
# vector mode: a tangent with a leading direction axis, reshaped or transposed per direction
linear_in("reshaped", "t", "np.reshape(d, np.shape(t))", (("like", None),), ("like",))
TRANSPOSE = (("axes", None), ("x", None))
linear_in("transposed", "t", "rt.untransposed(d, axes, x)", TRANSPOSE, ("x",))
linear_in("untransposed", "g", "rt.transposed(d, axes, x)", TRANSPOSE, ("x",))
register(rt.shifted, nondifferentiable("rt.shifted"))  # axis numbers

# scatter_add(total, g, x, index) = total + getitem_vjp(g, x, index), linear in both
register(
    rt.scatter_add,
    Rule(
        "rt.scatter_add",
        ("total", "g"),
        ("d", "rt.getitem_vjp(d, x, index)"),
        ("d", "d[index]"),
        keywords=(("x", None), ("index", None)),
        positional=("total", "g", "x", "index"),
        selectors=("x", "index"),
    ),
)

# prod_partials(x, axis)[j] = Π_{k≠j} x_k; its derivative along d is Σ_{m≠j} d_m Π_{k≠j,m} x_k:
# row j of "x with x_j set to 1" has those partials (`np.where` over an identity); the
# Hessian is symmetric, so the adjoint is the same map. Written with primitives that have
# rules, it differentiates again (third derivatives).
_ROWS = "np.eye(np.shape({v})[-1], dtype=np.bool_)"
_OTHERS = (
    "np.where(" + _ROWS.format(v="rt.along_last(x, x, axis)") + ", {fill}, "
    "rt.along_last({v}, x, axis)[..., None, :])"
)
PROD_HVP = (
    "rt.from_last(np.sum("
    + _OTHERS.format(fill="0.0", v="d")
    + " * rt.prod_partials("
    + _OTHERS.format(fill="1.0", v="x")
    + ", -1), axis=-1), x, axis)"
)
register(
    rt.prod_partials,
    Rule("rt.prod_partials", ("x",), (PROD_HVP,), (PROD_HVP,), keywords=(("axis", None),)),
)

# sinc_slope is sinc's first derivative; sinc_derivative(x, k) its k-th, each rule calling the next
register(
    rt.sinc_slope,
    Rule(
        "rt.sinc_slope",
        ("x",),
        ("d * rt.sinc_derivative(x, 2)",),
        ("d * rt.sinc_derivative(x, 2)",),
        diagonal=True,
    ),
)
register(
    rt.sinc_derivative,
    Rule(
        "rt.sinc_derivative",
        ("x",),
        ("d * rt.sinc_derivative(x, order + 1)",),
        ("d * rt.sinc_derivative(x, order + 1)",),
        keywords=(("order", None),),
        diagonal=True,
    ),
)

# norm_partials(x, n, …) is the norm's gradient at x, n the norm: x / n, or
# sign(x) (|x| / n)^(p-1) for a p-norm. Its partials in x (diagonal) and in n, written with
# primitives that have rules, so the norm has derivatives of every order; piecewise-linear
# norms (1, ∞, 0; matrix 1 and ∞) have zero curvature, and the spectral and nuclear matrix
# norms are refused (rt.norm_flat).
NORM = (("n", None), ("ord", None), ("axis", None), ("keepdims", False))
KIND = "rt.norm_kind(x, ord, axis)"
N = "rt.unreduce(n, x, axis, keepdims)"  # the norm, broadcast back over the reduced axes
P = "rt.norm_partials(x, n, ord, axis, keepdims)"
D = "rt.unreduce(d, x, axis, keepdims)"  # the tangent of n, broadcast likewise


def _by_kind(two: str, power: str, flat: str) -> str:
    return f"({two}) if {KIND} == 'two' else (({power}) if {KIND} == 'power' else {flat})"


# (the 2-norm's: 0 where nothing moves at a zero norm, `rt.quotient_or_zero`, not 0 / 0)
NORM_X = _by_kind(f"rt.quotient_or_zero(d, {N})",
                  f"(ord - 1) * (np.abs(x) / {N}) ** (ord - 2) * d / {N}",
                  "rt.norm_flat(x, x, ord, axis)")  # fmt: skip
NORM_N_JVP = _by_kind(f"-rt.quotient_or_zero(x * {D}, {N} ** 2)", f"-(ord - 1) * {P} * {D} / {N}",
                      "rt.norm_flat(x, x, ord, axis)")  # fmt: skip
NORM_N_VJP = _by_kind(
    f"np.sum(-rt.quotient_or_zero(x * d, {N} ** 2), axis=axis, keepdims=keepdims)",
    f"np.sum(-(ord - 1) * {P} * d / {N}, axis=axis, keepdims=keepdims)",
    "rt.norm_flat(n, x, ord, axis)",
)
register(
    rt.norm_partials,
    Rule(
        "rt.norm_partials",
        ("x", "n"),
        (NORM_X, NORM_N_JVP),
        (NORM_X, NORM_N_VJP),
        keywords=NORM[1:],
        positional=("x", "n", "ord", "axis", "keepdims"),
    ),
)


def constant_out(name: str, names: tuple[str, ...]) -> None:
    """A helper whose result carries no derivative (a string, or zeros), called with `names`."""
    keywords = tuple((k, None) for k in names)
    rule = Rule(f"rt.{name}", (), (), (), keywords=keywords, nondiff=True, selectors=names)
    register(getattr(rt, name), rule)


constant_out("norm_kind", ("x", "ord", "axis"))
constant_out("norm_flat", ("like", "x", "ord", "axis"))


# cumprod_jvp(t, x, c, axis) = J(x) t and cumprod_vjp(g, x, c, axis) = J(x)ᵀ g, with `c`
# unused. Along the last axis, J[j, i] (j <= i) is the product of x[:i+1] without x[j]: row
# j of the running products of "x with x[j] set to 1" (`OTHERS`). Their derivatives in x
# differentiate that: the running products' own tangent and adjoint, on arrays with one
# more axis, so cumprod has derivatives of every order.
def _along(v: str) -> str:
    return f"rt.along_last({v}, x, axis)"


def _result_along(v: str) -> str:  # cumprod's result (flat for axis None) along the last axis
    return f"({v} if axis is None else {_along(v)})"


def _by_axis(template: str) -> Callable[[Site], str]:
    """`template` with its `X if axis is None else Y` decided where `axis` is a literal (a
    literal `0 is None` in generated code is a SyntaxWarning)."""

    def chosen(site: Site) -> str:
        if not site.is_const("axis"):
            return template
        none = site.const("axis") is None
        return template.replace("axis is None", "True" if none else "False")

    return chosen


SIZE = f"np.shape({_along('x')})[-1]"
EYE = f"np.eye({SIZE}, dtype=np.bool_)"
UPPER = f"(np.triu(np.ones(({SIZE}, {SIZE}))) > 0.5)"  # [j, i]: j <= i
OTHERS = f"np.where({EYE}, 1.0, {_along('x')}[..., None, :])"  # [..., j, k]


def _partial_dot(e: str) -> str:
    """The tangent of J[..., j, i] (masked) along `e` (shaped like x)."""
    moved = f"np.where({EYE}, 0.0, {_along(e)}[..., None, :])"
    return f"np.where({UPPER}, rt.cumprod_jvp({moved}, {OTHERS}, None, -1), 0.0)"


def _x_adjoint(t: str, g: str) -> str:
    """Σ_i g_i Σ_j H[i, j, m] t_j, shaped like x: `t` shaped like x, `g` like the result."""
    pairs = f"np.where({UPPER}, {_along(t)}[..., :, None] * {_result_along(g)}[..., None, :], 0.0)"
    back = f"np.sum(np.where({EYE}, 0.0, rt.cumprod_vjp({pairs}, {OTHERS}, None, -1)), axis=-2)"
    return f"rt.from_last({back}, x, axis)"


_JVP_OUT = f"np.sum({_partial_dot('d')} * {_along('t')}[..., :, None], axis=-2)"  # [..., i]
CUMPROD_JVP_X = f"({_JVP_OUT}) if axis is None else rt.from_last({_JVP_OUT}, x, axis)"
_VJP_OUT = f"np.sum({_partial_dot('d')} * {_result_along('g')}[..., None, :], axis=-1)"
CUMPROD_VJP_X = f"rt.from_last({_VJP_OUT}, x, axis)"  # [..., j] back to x's shape
CUMPROD = (("c", None), ("axis", None))
register(
    rt.cumprod_jvp,
    Rule(
        "rt.cumprod_jvp",
        ("t", "x"),
        (SAME_CALL, _by_axis(CUMPROD_JVP_X)),
        ("rt.unbroadcast(rt.cumprod_vjp(d, x, c, axis), t)", _by_axis(_x_adjoint("t", "d"))),
        keywords=CUMPROD,
        positional=("t", "x", "c", "axis"),
        selectors=("c",),
    ),
)
register(
    rt.cumprod_vjp,
    Rule(
        "rt.cumprod_vjp",
        ("g", "x"),
        (SAME_CALL, _by_axis(CUMPROD_VJP_X)),
        ("rt.cumprod_jvp(d, x, c, axis)", _by_axis(_x_adjoint("d", "g"))),
        keywords=CUMPROD,
        positional=("g", "x", "c", "axis"),
        selectors=("c",),
    ),
)
