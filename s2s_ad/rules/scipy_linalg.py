"""`scipy.linalg`'s solves and square root: registered when the user's program has imported
scipy.linalg. Every template calls only functions with rules, so second derivatives follow.

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
from .registry import REQUIRED, Rule, registrar
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
