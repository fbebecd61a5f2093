"""`scipy.linalg`'s solves, factorisations and matrix functions: registered when the user's
program has imported scipy.linalg. Every template calls only functions with rules, so second
derivatives follow (`expm`'s through the rule of its Fréchet derivative `expm_frechet`).

    x = solve(a, b)                   as np.linalg.solve's; `assume_a="sym"/"pos"/"her"` reads
                                      one triangle of a (`lower`): its tangent is the symmetric
                                      matrix of that triangle (rt.from_lower), its cotangent
                                      folded onto it (rt.onto_lower)
    x = solve_triangular(a, b)        T x = b, T the triangle of a (`lower`, its diagonal 1
                                      with `unit_diagonal`), transposed with `trans`: dx =
                                      T⁻¹(db - dT x); ā the triangle of -ȳ xᵀ (or of its
                                      transpose), ȳ = T⁻ᵀ ḡ
    u = cholesky(a)                   lower=True: np.linalg.cholesky's; upper, u = lᵀ of the
                                      upper triangle read as the lower one's transpose
    inv(a), det(a)                    np.linalg's
    e = expm(a)                       de = L(a, da) (Fréchet derivative, `expm_frechet`);
                                      ā = L(aᵀ, ḡ) (Al-Mohy & Higham 2009, §6.2)
    l = expm_frechet(a, e)            linear in e; through a, the upper right block of
                                      L([[a, e], [0, a]], [[da, 0], [0, da]]) (Higham 2008,
                                      Thm. 3.6); compute_expm=False only

    x = solve_banded((l, u), ab, b)   the dense solve's derivative, its adjoint of the matrix
                                      mapped back to the band layout (rt.dense_to_band)
    x = solve_sylvester(a, b, q)      a dx + dx b = dq - da x - x db;  adjoint: aᵀ y + y bᵀ = g,
                                      q̄ = y, ā = -y xᵀ, b̄ = -xᵀ y
    x = sqrtm(a)                      x dx + dx x = da;  adjoint: xᵀ y + y xᵀ = g

A matrix without a real square root makes `sqrtm` complex: the complex value is refused at
the user's line where it reaches a result (api.py), as every complex value is.
"""

from __future__ import annotations

from dataclasses import replace

import scipy.linalg

from .. import runtime as rt
from .registry import REQUIRED, SAME_CALL, Rule, nondifferentiable, registrar
from .shapes import linear

register = registrar("scipy.linalg")

SLA = (("sla", scipy.linalg, "sla"),)


def _scipy(rule: Rule) -> Rule:
    return replace(rule, references=SLA)


# the band layout: linear maps, each the other's adjoint
linear("rt.band_to_dense", rt.band_to_dense, "rt.dense_to_band(d, l_and_u)", (("l_and_u", None),))
linear("rt.dense_to_band", rt.dense_to_band, "rt.band_to_dense(d, l_and_u)", (("l_and_u", None),))

_DENSE = "rt.band_to_dense(ab, l_and_u)"
_Y_BANDED = f"np.linalg.solve(rt.mT({_DENSE}), d)"  # the adjoint solve, with aᵀ
register(
    scipy.linalg.solve_banded,
    _scipy(
        Rule(
            "scipy.linalg.solve_banded",
            ("ab", "b"),
            (
                "-sla.solve_banded(l_and_u, ab, rt.band_to_dense(d, l_and_u) @ ans)",
                "sla.solve_banded(l_and_u, ab, d)",
            ),
            (
                f"-rt.dense_to_band(rt.column({_Y_BANDED}) @ rt.mT(rt.column(ans)), l_and_u)",
                _Y_BANDED,
            ),
            keywords=(
                ("l_and_u", REQUIRED),
                ("overwrite_ab", False),
                ("overwrite_b", False),
                ("check_finite", True),
            ),
            positional=("l_and_u", "ab", "b", "overwrite_ab", "overwrite_b", "check_finite"),
        )
    ),
)

_Y_SYLVESTER = "sla.solve_sylvester(rt.mT(a), rt.mT(b), d)"
register(
    scipy.linalg.solve_sylvester,
    _scipy(
        Rule(
            "scipy.linalg.solve_sylvester",
            ("a", "b", "q"),
            (
                "sla.solve_sylvester(a, b, -(d @ ans))",
                "sla.solve_sylvester(a, b, -(ans @ d))",
                "sla.solve_sylvester(a, b, d)",
            ),
            (
                f"-({_Y_SYLVESTER} @ rt.mT(ans))",
                f"-(rt.mT(ans) @ {_Y_SYLVESTER})",
                _Y_SYLVESTER,
            ),
        )
    ),
)

# `disp` and `blocksize` (deprecated) are not keywords of the rule: such a call has no rule
register(
    scipy.linalg.sqrtm,
    _scipy(
        Rule(
            "scipy.linalg.sqrtm",
            ("A",),
            ("sla.solve_sylvester(ans, ans, d)",),
            ("sla.solve_sylvester(rt.mT(ans), rt.mT(ans), d)",),
        )
    ),
)


# `assume_a`: the matrix's kind, which says what of it the solver reads (SciPy 1.17's names)
_FULL = (None, "gen", "general")
_TRIANGLE = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")


def _uplo(site) -> str:
    return '"L"' if site.const("lower") is True else '"U"'


def _read(site, matrix: str) -> str:
    """What the solve reads of `matrix` (a or its tangent): all, or one triangle."""
    if site.const("assume_a") in _TRIANGLE:
        return f"rt.from_lower({matrix}, {_uplo(site)})"
    return matrix


def _folded(site, cotangent: str) -> str:
    if site.const("assume_a") in _TRIANGLE:
        return f"rt.onto_lower({cotangent}, {_uplo(site)})"
    return cotangent


_SOLVE_OPTIONS = "lower=lower, assume_a=assume_a"


def _solve_unsupported(site) -> str | None:
    kind = site.const("assume_a", "?")
    if not site.is_const("assume_a") or kind not in (*_FULL, *_TRIANGLE):
        return f"is called with assume_a={kind!r}"
    return None


_Y_SOLVE = "sla.solve(rt.mT(a), d, lower=not lower, assume_a=assume_a)"
register(
    scipy.linalg.solve,
    _scipy(
        Rule(
            "scipy.linalg.solve",
            ("a", "b"),
            (
                lambda s: f"-sla.solve(a, {_read(s, 'd')} @ ans, {_SOLVE_OPTIONS})",
                SAME_CALL,
            ),
            (
                lambda s: _folded(s, f"-(rt.column({_Y_SOLVE}) @ rt.mT(rt.column(ans)))"),
                lambda s: _Y_SOLVE,
            ),
            keywords=(
                ("lower", False),
                ("overwrite_a", False),
                ("overwrite_b", False),
                ("check_finite", True),
                ("assume_a", None),
            ),
            literals=("lower", "assume_a"),
            unsupported=_solve_unsupported,
        )
    ),
)

_CHECKED = (("overwrite_a", False), ("check_finite", True))
register(
    scipy.linalg.inv,
    _scipy(
        Rule(
            "scipy.linalg.inv",
            ("a",),
            ("-(ans @ d @ ans)",),
            ("-(rt.mT(ans) @ d @ rt.mT(ans))",),
            keywords=_CHECKED,
        )
    ),
)
register(
    scipy.linalg.det,
    _scipy(
        Rule(
            "scipy.linalg.det",
            ("a",),
            ("rt.det_jvp(d, a)",),
            ("rt.det_vjp(d, a, ans)",),
            keywords=_CHECKED,
        )
    ),
)


def _cholesky(kind: str):
    """lower=True is np.linalg.cholesky's factor; the upper one is the transpose of the
    lower factor of aᵀ (the same triangle read)."""

    def template(site) -> str:
        if site.const("lower") is True:
            return f"rt.cholesky_{kind}(d, a, ans)"
        return f"rt.mT(rt.cholesky_{kind}(rt.mT(d), rt.mT(a), rt.mT(ans)))"

    return template


register(
    scipy.linalg.cholesky,
    _scipy(
        Rule(
            "scipy.linalg.cholesky",
            ("a",),
            (_cholesky("jvp"),),
            (_cholesky("vjp"),),
            keywords=(("lower", False), *_CHECKED),
            literals=("lower",),
        )
    ),
)


def _triangle(site, matrix: str) -> str:
    """The part of `matrix` (a, or its tangent or cotangent) `solve_triangular` reads."""
    strict = site.const("unit_diagonal") is True
    if site.const("lower") is True:
        return f"np.tril({matrix}, -1)" if strict else f"np.tril({matrix})"
    return f"np.triu({matrix}, 1)" if strict else f"np.triu({matrix})"


def _transposed(site) -> bool:
    return site.const("trans") in (1, 2, "T", "C")


def _triangular_unsupported(site) -> str | None:
    if site.const("trans", "?") not in (0, 1, 2, "N", "T", "C"):
        return f"is called with trans={site.const('trans', '?')!r}"
    return None


_TRIANGULAR = "lower=lower, unit_diagonal=unit_diagonal"


def _triangular_jvp_a(site) -> str:
    t = _triangle(site, "d")
    t = f"rt.mT({t})" if _transposed(site) else t
    return f"-sla.solve_triangular(a, {t} @ ans, trans=trans, {_TRIANGULAR})"


def _triangular_y(site) -> str:
    """ȳ = T⁻ᵀ ḡ: the solve with the other `trans` (real matrices)."""
    other = 0 if _transposed(site) else 1
    return f"sla.solve_triangular(a, d, trans={other}, {_TRIANGULAR})"


def _triangular_vjp_a(site) -> str:
    outer = f"rt.column({_triangular_y(site)}) @ rt.mT(rt.column(ans))"
    outer = f"rt.mT({outer})" if _transposed(site) else outer
    return f"-{_triangle(site, outer)}"


register(
    scipy.linalg.solve_triangular,
    _scipy(
        Rule(
            "scipy.linalg.solve_triangular",
            ("a", "b"),
            (_triangular_jvp_a, SAME_CALL),
            (_triangular_vjp_a, _triangular_y),
            keywords=(
                ("trans", 0),
                ("lower", False),
                ("unit_diagonal", False),
                ("overwrite_b", False),
                ("check_finite", True),
            ),
            literals=("trans", "lower", "unit_diagonal"),
            unsupported=_triangular_unsupported,
        )
    ),
)
# the Fréchet derivative L(a, e) of expm and its adjoint L(aᵀ, g) (Al-Mohy & Higham 2009);
# L itself: linear in E, and in A through the doubled matrix (runtime/factorisations.py),
# so expm has derivatives of every order
_FRECHET = "sla.expm_frechet({}, {}, compute_expm=False)"
_DOUBLED = "rt.doubled(A, E)"


def _returns_expm_too(site) -> str | None:
    if site.is_const("compute_expm") and site.const("compute_expm") is False:
        return None
    return "is called with compute_expm=True (it returns expm(A) beside)"


register(
    scipy.linalg.expm_frechet,
    _scipy(
        Rule(
            "scipy.linalg.expm_frechet",
            ("A", "E"),
            (
                "rt.upper_right("
                + _FRECHET.format(_DOUBLED, "rt.doubled(d, np.zeros_like(d))")
                + ")",
                SAME_CALL,
            ),
            (
                "rt.diagonal_blocks("
                + _FRECHET.format(f"rt.mT({_DOUBLED})", "rt.doubled(np.zeros_like(d), d)")
                + ")",
                _FRECHET.format("rt.mT(A)", "d"),
            ),
            keywords=(("method", None), ("compute_expm", True), ("check_finite", True)),
            unsupported=_returns_expm_too,
        )
    ),
)
register(
    scipy.linalg.expm,
    _scipy(
        Rule(
            "scipy.linalg.expm",
            ("A",),
            ("sla.expm_frechet(A, d, compute_expm=False)",),
            ("sla.expm_frechet(rt.mT(A), d, compute_expm=False)",),
        )
    ),
)

# Cholesky factors in SciPy's layout, (c, lower) (runtime/factorisations.py)
register(
    scipy.linalg.cho_factor,
    _scipy(
        Rule(
            "scipy.linalg.cho_factor",
            ("a",),
            ("rt.cho_factor_jvp(d, a, ans)",),
            ("rt.cho_factor_vjp(d, a, ans)",),
            keywords=(("lower", False), ("overwrite_a", False), ("check_finite", True)),
        )
    ),
)
register(
    scipy.linalg.cho_solve,
    _scipy(
        Rule(
            "scipy.linalg.cho_solve",
            ("c_and_lower", "b"),
            ("rt.cho_solve_jvp(d, c_and_lower, b, ans)", SAME_CALL),
            ("rt.cho_solve_vjp(d, c_and_lower, b, ans)", "sla.cho_solve(c_and_lower, d)"),
            keywords=(("overwrite_b", False), ("check_finite", True)),
        )
    ),
)
# LU factors in SciPy's layout, (lu, piv) (runtime/factorisations.py); the rows the pivots
# give are integers
register(rt.lu_rows, nondifferentiable("rt.lu_rows"))
register(
    scipy.linalg.lu_factor,
    _scipy(
        Rule(
            "scipy.linalg.lu_factor",
            ("a",),
            ("rt.lu_factor_jvp(d, a, ans)",),
            ("rt.lu_factor_vjp(d, a, ans)",),
            keywords=(("overwrite_a", False), ("check_finite", True)),
        )
    ),
)


def _lu_solve(template: str):
    """`template` with `trans` written in: 0, or 1 for Aᵀ (2, Aᴴ, is Aᵀ for real A)."""
    return lambda site: template.format(min(site.const("trans"), 1))


def _real_trans(site) -> str | None:
    if site.is_const("trans") and site.const("trans") in (0, 1, 2):
        return None
    return "is called with a `trans` other than 0, 1 or 2 written as a literal"


register(
    scipy.linalg.lu_solve,
    _scipy(
        Rule(
            "scipy.linalg.lu_solve",
            ("lu_and_piv", "b"),
            (_lu_solve("rt.lu_solve_jvp(d, lu_and_piv, b, ans, {})"), SAME_CALL),
            (
                _lu_solve("rt.lu_solve_vjp(d, lu_and_piv, b, ans, {})"),
                _lu_solve("sla.lu_solve(lu_and_piv, d, 1 - {})"),
            ),
            keywords=(("trans", 0), ("overwrite_b", False), ("check_finite", True)),
            unsupported=_real_trans,
        )
    ),
)
