"""Linear algebra: products and contractions (bilinear: the tangent is the same product on
each tangent in turn), inverses, solves, determinants and decompositions.

Decompositions that return several arrays (`eigh`, `svd`, `slogdet`) have a tuple tangent
and receive their cotangent as one list with an item per array (zeros for unused items).
"""

from __future__ import annotations

import operator

import numpy as np

from .registry import REQUIRED, SAME_CALL, Rule, Site, registrar

register = registrar("linalg")

BILINEAR = (SAME_CALL, SAME_CALL)
GENERAL_MATMUL_VJP = ("rt.matmul_vjp_left(d, x, y)", "rt.matmul_vjp_right(d, x, y)")
# the adjoints as a person writes them, by the operands' numbers of axes when known
PLAIN_MATMUL_VJP = {
    (2, 2): ("d @ y.T", "x.T @ d"),
    (2, 1): ("d[:, None] * y", "x.T @ d"),  # outer products, without np.outer's overhead
    (1, 2): ("y @ d", "x[:, None] * d"),
    (1, 1): ("d * y", "d * x"),
}


def _matmul_vjp(k: int, general: tuple[str, str]):
    def template(site: Site) -> str:
        ranks = tuple(len(site.shapes[p]) if p in site.shapes else None for p in ("x", "y"))
        return PLAIN_MATMUL_VJP.get(ranks, general)[k]

    return template


MATMUL_VJP = (_matmul_vjp(0, GENERAL_MATMUL_VJP), _matmul_vjp(1, GENERAL_MATMUL_VJP))
GENERAL_DOT_VJP = ("rt.dot_vjp_left(d, x, y)", "rt.dot_vjp_right(d, x, y)")
DOT_VJP = (_matmul_vjp(0, GENERAL_DOT_VJP), _matmul_vjp(1, GENERAL_DOT_VJP))


def bilinear(name: str, fn, vjp, keywords=(), batched=()) -> None:
    register(fn, Rule(name, ("x", "y"), BILINEAR, vjp, keywords=keywords, batched=batched))


MATMUL_DIRECTIONS = ("rt.matmul_left(d, y)", "rt.matmul_right(x, d)")
bilinear("operator.matmul", operator.matmul, MATMUL_VJP, batched=MATMUL_DIRECTIONS)
bilinear("np.matmul", np.matmul, MATMUL_VJP, batched=MATMUL_DIRECTIONS)
bilinear("np.dot", np.dot, DOT_VJP)
bilinear("np.inner", np.inner, ("rt.inner_vjp(d, x, y, 0)", "rt.inner_vjp(d, x, y, 1)"))
bilinear("np.outer", np.outer, ("rt.outer_vjp(d, x, y, 0)", "rt.outer_vjp(d, x, y, 1)"))
bilinear(
    "np.vdot",
    np.vdot,
    ("np.reshape(d * np.ravel(y), np.shape(x))", "np.reshape(d * np.ravel(x), np.shape(y))"),
)


# <g, a x b> = <a, b x g> = <b, g x a> (the scalar triple product); with the vectors along
# other axes (`axisa`, `axisb`, `axisc`, or `axis` for all three), the same with those axes
# moved last and the cotangent's axis moved back
def _cross_vjp(k: int):
    def template(site: Site) -> str:
        names = ("axisa", "axisb", "axisc", "axis")
        if all(site.is_const(n) and site.const(n) == (None if n == "axis" else -1) for n in names):
            return ("rt.unbroadcast(np.cross(y, d), x)", "rt.unbroadcast(np.cross(d, x), y)")[k]
        every = not (site.is_const("axis") and site.const("axis") is None)
        ax, bx, cx = ("axis",) * 3 if every else names[:3]
        x, y, d = (f"np.moveaxis({v}, {a}, -1)" for v, a in [("x", ax), ("y", bx), ("d", cx)])
        product = (
            f"rt.unbroadcast(np.cross({y}, {d}), {x})"
            if k == 0
            else (f"rt.unbroadcast(np.cross({d}, {x}), {y})")
        )
        return f"np.moveaxis({product}, -1, {(ax, bx)[k]})"

    return template


bilinear(
    "np.cross",
    np.cross,
    (_cross_vjp(0), _cross_vjp(1)),
    (("axisa", -1), ("axisb", -1), ("axisc", -1), ("axis", None)),
)
bilinear(
    "np.tensordot",
    np.tensordot,
    ("rt.tensordot_vjp(d, x, y, axes, 0)", "rt.tensordot_vjp(d, x, y, axes, 1)"),
    keywords=(("axes", 2),),
)
EINSUM_OPERANDS = ("x", "y", "z", "w")


def _einsum_vjp(k: int):
    def template(site: Site) -> str:
        operands = ", ".join(EINSUM_OPERANDS[: len(site.params)])
        return f"rt.einsum_vjp(d, subscripts, {k}, {operands})"

    return template


register(
    np.einsum,
    Rule(
        "np.einsum",
        EINSUM_OPERANDS,
        (SAME_CALL,) * 4,
        tuple(_einsum_vjp(k) for k in range(4)),
        keywords=(("subscripts", REQUIRED), ("optimize", False)),
        positional=("subscripts", *EINSUM_OPERANDS),
        variadic=True,
    ),
)


def matrix_function(name: str, fn, jvp: str, vjp: str, keywords=()) -> None:
    register(fn, Rule(name, ("a",), (jvp,), (vjp,), keywords=keywords))


matrix_function(
    "np.linalg.inv", np.linalg.inv, "-(ans @ d @ ans)", "-(rt.mT(ans) @ d @ rt.mT(ans))"
)
matrix_function(
    "np.linalg.det",
    np.linalg.det,
    "rt.det_jvp(d, a)",
    "rt.det_vjp(d, a, ans)",
)
matrix_function(
    "np.linalg.slogdet", np.linalg.slogdet, "rt.slogdet_jvp(d, a, ans)", "rt.slogdet_vjp(d, a, ans)"
)
matrix_function(
    "np.linalg.cholesky",
    np.linalg.cholesky,
    "rt.cholesky_jvp(d, a, ans)",
    "rt.cholesky_vjp(d, a, ans)",
)
matrix_function(
    "np.linalg.eigh",
    np.linalg.eigh,
    "rt.eigh_jvp(d, a, ans, UPLO)",
    "rt.eigh_vjp(d, a, ans, UPLO)",
    keywords=(("UPLO", "L"),),
)
matrix_function(
    "np.linalg.eigvalsh",
    np.linalg.eigvalsh,
    "rt.eigvalsh_jvp(d, a, UPLO)",
    "rt.eigvalsh_vjp(d, a, UPLO)",
    keywords=(("UPLO", "L"),),
)


def _svd(kind: str):
    """Singular values alone (`compute_uv=False`) have helpers of their own, differentiable
    again (rules/runtime_spectral.py); the full decomposition's helpers have no rules yet."""

    def template(site: Site) -> str:
        if site.is_const("compute_uv") and site.const("compute_uv") is False:
            return f"rt.svdvals_{kind}(d, a)"
        return f"rt.svd_{kind}(d, a, ans, full_matrices, compute_uv)"

    return template


register(
    np.linalg.svd,
    Rule(
        "np.linalg.svd",
        ("a",),
        (_svd("jvp"),),
        (_svd("vjp"),),
        keywords=(("full_matrices", True), ("compute_uv", True)),
    ),
)
# x = solve(a, b): linear in b; through a, dx = -a⁻¹ da x
register(
    np.linalg.solve,
    Rule(
        "np.linalg.solve",
        ("a", "b"),
        ("-np.linalg.solve(a, d @ ans)", SAME_CALL),
        ("rt.solve_vjp_a(d, a, ans)", "np.linalg.solve(rt.mT(a), d)"),
    ),
)


# matrix_power(a, n) = aⁿ: Σₖ aᵏ da aⁿ⁻¹⁻ᵏ (n > 0); through b = a⁻¹ (db = -b da b) for n < 0;
# n a literal (its terms written out, each with rules: second derivatives follow)
_MAX_POWER = 16


def _power_terms(site: Site, kind: str) -> str:
    n = site.const("n")
    base, d = ("a", "d") if n > 0 else ("np.linalg.inv(a)", "")
    if n < 0:  # d(a⁻¹) = -b da b, b = a⁻¹ (its adjoint: -bᵀ g bᵀ)
        d = "-(np.linalg.inv(a) @ d @ np.linalg.inv(a))" if kind == "jvp" else "d"
    terms = []
    for k in range(abs(n)):
        left = f"np.linalg.matrix_power({base}, {k})" if k else ""
        right = f"np.linalg.matrix_power({base}, {abs(n) - 1 - k})" if abs(n) - 1 - k else ""
        if kind == "vjp":
            left, right = (f"rt.mT({left})" if left else "", f"rt.mT({right})" if right else "")
        terms.append(" @ ".join(t for t in (left, d, right) if t))
    total = " + ".join(terms)
    if n < 0 and kind == "vjp":
        b = "rt.mT(np.linalg.inv(a))"
        return f"-({b} @ ({total}) @ {b})"
    return total


def _power_unsupported(site: Site) -> str | None:
    n = site.const("n")
    if isinstance(n, bool) or not isinstance(n, int) or abs(n) > _MAX_POWER:
        return f"is called with n={n!r} (a literal integer up to {_MAX_POWER} is)"
    return None


register(
    np.linalg.matrix_power,
    Rule(
        "np.linalg.matrix_power",
        ("a",),
        (lambda s: _power_terms(s, "jvp") if s.const("n") else "np.zeros_like(a)",),
        (lambda s: _power_terms(s, "vjp") if s.const("n") else "np.zeros_like(a)",),
        keywords=(("n", REQUIRED),),
        literals=("n",),
        unsupported=_power_unsupported,
    ),
)
