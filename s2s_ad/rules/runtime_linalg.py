"""Rules for the linear-algebra helpers derivative code calls (`runtime/linalg.py`,
`runtime/core.py`'s `dot_vjp_*`), so that gradient code with products, solves and
determinants can be differentiated again (Hessians, `grad(grad(f))`).

Before: the gradient code of `np.dot(v, v) ** 2` calls `rt.dot_vjp_left(g, v, v)`, which had
no rule. After: its tangent is the same call on each tangent in turn, its adjoint the
product the helper transposes (`np.dot(d, b)`).

The contraction adjoints (`dot_vjp_*`, `inner_vjp`, `outer_vjp`, `tensordot_vjp`,
`einsum_vjp`) are linear in the cotangent `g` and in the other operand; the operand whose
cotangent they return gives only its shape. The solve, determinant and Cholesky helpers
have their own formulas (Giles 2008, "Collected matrix derivative results"; Murray 2016),
written with helpers that have rules in turn. Not covered: `rt.matmul_left`/`matmul_right`,
which only vector tangent code calls (never differentiated again).
"""

from __future__ import annotations

from .. import runtime as rt
from ..errors import S2SError
from .registry import REQUIRED, SAME_CALL, Rule, Site, Template, registrar

register = registrar("runtime")
ZERO_OUT = "rt.zeros_like(ans)"  # the tangent through the operand that only gives a shape


def _by_k(when0: str, when1: str) -> Template:
    """The template for `k=0` or `k=1` (the helper's last argument, a literal in the code the
    rules write; a runtime choice otherwise)."""

    def template(site: Site) -> str:
        if site.is_const("k"):
            return when0 if site.const("k") == 0 else when1
        return f"({when0}) if k == 0 else ({when1})"

    return template


def _pair(name: str, product: str, axes: bool) -> None:
    """`name(g, a, b, [axes,] k)`: the cotangent of `a` (k=0) or `b` (k=1) in
    `product(a, b[, axes])`, linear in `g` and in the other operand."""
    extra = ", axes" if axes else ""
    keywords = ((("axes", REQUIRED),) if axes else ()) + (("k", REQUIRED),)
    rule = Rule(
        f"rt.{name}",
        ("g", "a", "b"),
        (
            SAME_CALL,
            _by_k(ZERO_OUT, f"rt.{name}(g, d, b{extra}, k)"),
            _by_k(f"rt.{name}(g, a, d{extra}, k)", ZERO_OUT),
        ),
        (
            # the transpose of g ↦ the cotangent is the product itself
            _by_k(f"{product}(d, b{extra})", f"{product}(a, d{extra})"),
            # <d, vjp(g, a, b, 1)> = <g, product(a, d)>: the cotangent of `a` in that product
            _by_k("rt.zeros_like(a)", f"rt.{name}(g, a, d{extra}, 0)"),
            _by_k(f"rt.{name}(g, d, b{extra}, 1)", "rt.zeros_like(b)"),
        ),
        keywords=keywords,
        positional=("g", "a", "b", *(k for k, _ in keywords)),
    )
    register(getattr(rt, name), rule)


_pair("inner_vjp", "np.inner", axes=False)
_pair("outer_vjp", "np.outer", axes=False)
_pair("tensordot_vjp", "np.tensordot", axes=True)

# dot_vjp_left(g, a, b) = the cotangent of `a` in np.dot(a, b): bilinear in (g, b)
register(
    rt.dot_vjp_left,
    Rule(
        "rt.dot_vjp_left",
        ("g", "b"),
        (SAME_CALL, SAME_CALL),
        ("np.dot(d, b)", "rt.dot_vjp_right(g, d, b)"),
        keywords=(("a", None),),
        positional=("g", "a", "b"),
        selectors=("a",),
    ),
)
register(
    rt.dot_vjp_right,
    Rule(
        "rt.dot_vjp_right",
        ("g", "a"),
        (SAME_CALL, SAME_CALL),
        ("np.dot(a, d)", "rt.dot_vjp_left(g, a, d)"),
        keywords=(("b", None),),
        positional=("g", "a", "b"),
        selectors=("b",),
    ),
)

EINSUM_OPERANDS = ("x", "y", "z", "w")


def _einsum_operands(site: Site, k: int, replaced: str) -> str:
    names = list(EINSUM_OPERANDS[: len(site.params) - 1])
    names[k] = replaced
    return ", ".join(names)


def _literal_k(site: Site) -> int:
    """The operand number `k` of an `rt.einsum_vjp` call: always a literal in the code the
    rules write."""
    k = site.const("k")
    if not isinstance(k, int):
        raise S2SError(
            "`rt.einsum_vjp` is differentiated only with a literal operand number `k`",
            hint="call np.einsum itself and differentiate that",
        )
    return k


def _einsum_jvp(j: int) -> Template:
    """Linear in each operand but operand `k`, which gives only its shape."""

    def template(site: Site) -> str:
        k = _literal_k(site)
        if j == k:
            return ZERO_OUT
        return f"rt.einsum_vjp(g, subscripts, {k}, {_einsum_operands(site, j, 'd')})"

    return template


def _einsum_vjp(j: int) -> Template:
    """<d, einsum_vjp(g, s, k, ops)> = <g, einsum(s, ops with d at k)>: through operand
    `j` ≠ k, the cotangent of operand `j` in that einsum."""

    def template(site: Site) -> str:
        k = _literal_k(site)
        if j == k:
            return f"rt.zeros_like({EINSUM_OPERANDS[j]})"
        return f"rt.einsum_vjp(g, subscripts, {j}, {_einsum_operands(site, k, 'd')})"

    return template


def _einsum_vjp_g(site: Site) -> str:
    return f"np.einsum(subscripts, {_einsum_operands(site, _literal_k(site), 'd')})"


register(
    rt.einsum_vjp,
    Rule(
        "rt.einsum_vjp",
        ("g", *EINSUM_OPERANDS),
        (SAME_CALL, *(_einsum_jvp(j) for j in range(4))),
        (_einsum_vjp_g, *(_einsum_vjp(j) for j in range(4))),
        keywords=(("subscripts", REQUIRED), ("k", REQUIRED)),
        positional=("g", "subscripts", "k", *EINSUM_OPERANDS),
        variadic=True,
    ),
)

# solve_vjp_a(g, a, x) = -(a⁻ᵀ g) xᵀ, the cotangent of `a` in x = solve(a, b). With
# gb = a⁻ᵀ g: through g it is linear; through a, d gb = -a⁻ᵀ daᵀ gb; through x, -gb dxᵀ.
GB = "np.linalg.solve(rt.mT(a), g)"
register(
    rt.solve_vjp_a,
    Rule(
        "rt.solve_vjp_a",
        ("g", "a", "x"),
        (
            SAME_CALL,
            f"rt.solve_vjp_a(-(rt.mT(d) @ {GB}), a, x)",
            f"-rt.matmul_vjp_left({GB}, a, d)",
        ),
        (
            "-np.linalg.solve(a, d @ x)",
            f"rt.matmul_vjp_left({GB}, a, np.linalg.solve(a, d @ x))",
            f"-(rt.mT(d) @ {GB})",
        ),
    ),
)

# slogdet_jvp(t, a, out) = (0, tr(a⁻¹ t)): linear in t; through a, tr(-a⁻¹ da a⁻¹ t). Its
# transpose in t is slogdet_vjp(D, a) = D[1] a⁻ᵀ. `out` (slogdet's result) gives only shapes.
register(
    rt.slogdet_jvp,
    Rule(
        "rt.slogdet_jvp",
        ("t", "a"),
        (SAME_CALL, "rt.slogdet_jvp(-(d @ np.linalg.solve(a, t)), a, out)"),
        (
            "rt.slogdet_vjp(d, a, out)",
            "-(rt.slogdet_vjp(d, a, out) @ rt.mT(np.linalg.solve(a, t)))",
        ),
        keywords=(("out", None),),
        positional=("t", "a", "out"),
        selectors=("out",),
    ),
)
# slogdet_vjp(g, a, out) = g[1] a⁻ᵀ: through a, -g[1] a⁻ᵀ daᵀ a⁻ᵀ = -ans (a⁻¹ da)ᵀ, which
# is also its own adjoint (a Hessian is symmetric); through g, the transpose is slogdet_jvp
register(
    rt.slogdet_vjp,
    Rule(
        "rt.slogdet_vjp",
        ("g", "a"),
        (SAME_CALL, "-(ans @ rt.mT(np.linalg.solve(a, d)))"),
        ("rt.slogdet_jvp(d, a, out)", "-(ans @ rt.mT(np.linalg.solve(a, d)))"),
        keywords=(("out", None),),
        positional=("g", "a", "out"),
        selectors=("out",),
    ),
)

# Jacobi's formula: d det(a) = tr(adj(a) da). The adjugate is a polynomial in `a`, so these
# second derivatives are exact (finite) at singular `a` too: no inverse is taken.
SCALED = "np.expand_dims(g, (-2, -1)) * rt.mT(rt.adjugate_jvp(d, a))"  # g · d adj(a)ᵀ
register(
    rt.adjugate,
    Rule(
        "rt.adjugate",
        ("a",),
        ("rt.adjugate_jvp(d, a)",),
        ("rt.mT(rt.adjugate_jvp(rt.mT(d), a))",),
    ),
)
# adjugate_jvp(t, a): linear in t, its transpose the same map on transposes (the `q` of
# runtime/linalg.py is symmetric); through `a` (third derivatives of det) no rule yet
register(
    rt.adjugate_jvp,
    Rule(
        "rt.adjugate_jvp",
        ("t", "a"),
        (SAME_CALL, None),
        ("rt.mT(rt.adjugate_jvp(rt.mT(d), a))", None),
    ),
)
register(
    rt.det_jvp,
    Rule(
        "rt.det_jvp",
        ("t", "a"),
        (SAME_CALL, "np.einsum('...ij,...ji->...', rt.adjugate_jvp(d, a), t)"),
        (
            "rt.det_vjp(d, a, None)",
            "np.expand_dims(d, (-2, -1)) * rt.mT(rt.adjugate_jvp(t, a))",
        ),
    ),
)
register(
    rt.det_vjp,
    Rule(
        "rt.det_vjp",
        ("g", "a"),
        (SAME_CALL, SCALED),
        ("rt.det_jvp(d, a)", SCALED),
        keywords=(("out", None),),
        positional=("g", "a", "out"),
        selectors=("out",),
    ),
)

# Cholesky (Murray 2016, "Differentiation of the Cholesky decomposition"): with L = chol(a),
# cholesky_jvp(t, a, L) = L Φ(X), X = inner_of(t, L) = L⁻¹ S L⁻ᵀ, and
# cholesky_vjp(g, a, L) = lower_sandwich(Φ(Lᵀ g), L) = tril-share of L⁻ᵀ Φ(Lᵀ g) L⁻¹: each
# is linear in t / g and the transpose of the other; their pieces have rules below, so every
# derivative through L is written with them again (third derivatives too).
register(rt.phi, Rule("rt.phi", ("x",), (SAME_CALL,), ("rt.phi(d)",)))
register(rt.sym, Rule("rt.sym", ("x",), (SAME_CALL,), ("rt.sym(d)",)))
for name, transpose in [("from_lower", "onto_lower"), ("onto_lower", "from_lower")]:
    register(
        getattr(rt, name),
        Rule(f"rt.{name}", ("t",), (SAME_CALL,), (f"rt.{transpose}(d, uplo)",),
             keywords=(("uplo", "L"),)),
    )  # fmt: skip
# inner_of(t, L) = L⁻¹ S L⁻ᵀ: through L, -(Y + Yᵀ) with Y = L⁻¹ dL X
register(
    rt.inner_of,
    Rule(
        "rt.inner_of",
        ("t", "l"),
        (SAME_CALL, "-rt.sym(np.linalg.solve(l, d @ ans))"),
        ("rt.lower_sandwich(d, l)", "-(np.linalg.solve(rt.mT(l), rt.sym(d)) @ ans)"),
    ),
)
# lower_sandwich(q, L) = onto_lower(B), B = L⁻ᵀ q L⁻¹: through L, -L⁻ᵀ (dLᵀ L⁻ᵀ q + q L⁻¹ dL) L⁻¹
BFULL = "np.linalg.solve(rt.mT(l), rt.mT(np.linalg.solve(rt.mT(l), rt.mT(q))))"
register(
    rt.lower_sandwich,
    Rule(
        "rt.lower_sandwich",
        ("q", "l"),
        (
            SAME_CALL,
            "-rt.lower_sandwich(rt.mT(d) @ np.linalg.solve(rt.mT(l), q) "
            "+ q @ np.linalg.solve(l, d), l)",
        ),
        (
            "rt.inner_of(d, l)",
            f"-(rt.sym({BFULL}) @ rt.mT(np.linalg.solve(l, rt.from_lower(d))))",
        ),
    ),
)
X = "rt.inner_of(t, l)"
register(
    rt.cholesky_jvp,
    Rule(
        "rt.cholesky_jvp",
        ("t", "l"),
        (SAME_CALL, f"d @ rt.phi({X}) - l @ rt.phi(rt.sym(np.linalg.solve(l, d @ {X})))"),
        (
            "rt.cholesky_vjp(d, a, l)",
            f"d @ rt.mT(rt.phi({X})) "
            f"- np.linalg.solve(rt.mT(l), rt.sym(rt.phi(rt.mT(l) @ d))) @ {X}",
        ),
        keywords=(("a", None),),
        positional=("t", "a", "l"),
        selectors=("a",),
    ),
)
Q = "rt.phi(rt.mT(l) @ g)"
QFULL = BFULL.replace("(q)", f"({Q})")
register(
    rt.cholesky_vjp,
    Rule(
        "rt.cholesky_vjp",
        ("g", "l"),
        (
            SAME_CALL,
            f"rt.lower_sandwich(rt.phi(rt.mT(d) @ g), l) - rt.lower_sandwich(rt.mT(d) @ "
            f"np.linalg.solve(rt.mT(l), {Q}) + {Q} @ np.linalg.solve(l, d), l)",
        ),
        (
            "rt.cholesky_jvp(d, a, l)",
            f"g @ rt.mT(rt.phi(rt.inner_of(d, l))) - rt.sym({QFULL}) @ "
            "rt.mT(np.linalg.solve(l, rt.from_lower(d)))",
        ),
        keywords=(("a", None),),
        positional=("g", "a", "l"),
        selectors=("a",),
    ),
)
