"""Rules for the helpers of the eigendecomposition's and the SVD's derivatives
(`runtime/spectral.py`), so that gradient code through `eigh`, `eigvalsh` and singular
values can be differentiated again.

Before: the gradient code of `np.sum(np.linalg.eigvalsh(a) ** 2)` calls
`rt.eigvalsh_vjp(g, a)`, which had no rule. After: its tangent through `g` is the same
call, through `a` `rt.eigvalsh_hess_vjp(g, da, a)` (the eigenvalues' second derivative).
"""

from __future__ import annotations

from .. import runtime as rt
from .registry import SAME_CALL, Rule, registrar

register = registrar("runtime")


# Eigenvalues and singular values (Giles 2008 §3.1: the eigenvector tangent dV = V (F ∘ Vᵀ dA V);
# singular values are the eigenvalues of the dilation [[0, a], [aᵀ, 0]]). With the symmetric
# trilinear form T(g, t, s) = <g, *_hess(t, s, a)>, *_jvp(t) is linear in t with tangent
# *_hess(t, da) through a, and *_vjp(g) linear in g with tangent *_hess_vjp(g, da) =
# ∇_t T(g, t, da). Third derivatives through `a` are refused (no rule through `a` for the
# two second-order helpers); equal eigenvalues (singular values) make them infinite.
def spectral(prefix: str, keywords: tuple) -> None:
    extra = "".join(f", {k}" for k, _ in keywords)
    rules = {
        "jvp": (
            ("t", "a"),
            (SAME_CALL, f"rt.{prefix}_hess(t, d, a{extra})"),
            (f"rt.{prefix}_vjp(d, a{extra})", f"rt.{prefix}_hess_vjp(d, t, a{extra})"),
        ),
        "vjp": (
            ("g", "a"),
            (SAME_CALL, f"rt.{prefix}_hess_vjp(g, d, a{extra})"),
            (f"rt.{prefix}_jvp(d, a{extra})", f"rt.{prefix}_hess_vjp(g, d, a{extra})"),
        ),
        "hess": (
            ("t", "s", "a"),
            (SAME_CALL, SAME_CALL, None),
            (
                f"rt.{prefix}_hess_vjp(d, s, a{extra})",
                f"rt.{prefix}_hess_vjp(d, t, a{extra})",
                None,
            ),
        ),
        "hess_vjp": (
            ("g", "t", "a"),
            (SAME_CALL, SAME_CALL, None),
            (f"rt.{prefix}_hess(t, d, a{extra})", f"rt.{prefix}_hess_vjp(g, d, a{extra})", None),
        ),
    }
    for suffix, (params, jvp, vjp) in rules.items():
        name = f"{prefix}_{suffix}"
        register(getattr(rt, name), Rule(f"rt.{name}", params, jvp, vjp, keywords=keywords))


spectral("eigvalsh", (("uplo", "L"),))
spectral("svdvals", ())


# eigh (distinct eigenvalues): eigh_jvp(t, a, e) and eigh_vjp(g, a, e) are linear in t / g,
# each the other's transpose, and depend on `a` only through e = (w, V) = eigh(a), which
# the code passes along; the derivatives through `e` are the four helpers below, bilinear in
# their first and last arguments, whose adjoints are each other (through `e` itself: no rule,
# so a third derivative through the eigenvectors is refused).
def eigen_rule(name: str, params: tuple, jvp: tuple, vjp: tuple, selectors=()) -> None:
    keywords = (("a", None),) if selectors else ()
    positional = (params[0], *(("a",) if selectors else ()), "e", *params[1:-1], "uplo")
    register(
        getattr(rt, name),
        Rule(
            f"rt.{name}",
            params,
            jvp,
            vjp,
            keywords=(*keywords, ("uplo", "L")),
            positional=positional,
            selectors=selectors,
        ),
    )


eigen_rule(
    "eigh_jvp",
    ("t", "e"),
    (SAME_CALL, "rt.eigh_jvp_tangent(t, e, d, uplo)"),
    ("rt.eigh_vjp(d, a, e, uplo)", "rt.eigh_jvp_cotangent(t, e, d, uplo)"),
    selectors=("a",),
)
eigen_rule(
    "eigh_vjp",
    ("g", "e"),
    (SAME_CALL, "rt.eigh_vjp_tangent(g, e, d, uplo)"),
    ("rt.eigh_jvp(d, a, e, uplo)", "rt.eigh_vjp_cotangent(g, e, d, uplo)"),
    selectors=("a",),
)
eigen_rule(
    "eigh_jvp_tangent",
    ("t", "c", "e"),
    (SAME_CALL, SAME_CALL, None),
    ("rt.eigh_vjp_tangent(d, e, c, uplo)", "rt.eigh_jvp_cotangent(t, e, d, uplo)", None),
)
eigen_rule(
    "eigh_jvp_cotangent",
    ("t", "c", "e"),
    (SAME_CALL, SAME_CALL, None),
    ("rt.eigh_vjp_tangent(c, e, d, uplo)", "rt.eigh_jvp_tangent(t, e, d, uplo)", None),
)
eigen_rule(
    "eigh_vjp_tangent",
    ("g", "c", "e"),
    (SAME_CALL, SAME_CALL, None),
    ("rt.eigh_jvp_tangent(d, e, c, uplo)", "rt.eigh_vjp_cotangent(g, e, d, uplo)", None),
)
eigen_rule(
    "eigh_vjp_cotangent",
    ("g", "c", "e"),
    (SAME_CALL, SAME_CALL, None),
    ("rt.eigh_jvp_tangent(c, e, d, uplo)", "rt.eigh_vjp_tangent(g, e, d, uplo)", None),
)
