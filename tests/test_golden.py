"""Golden tests: the whole SSA form and derivative source of representative functions.

Run `make golden` (`python tests/test_golden.py --update`, which imports this checkout's
s2s_ad) to rewrite the files after an intended change, then read the diff.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))  # this checkout's s2s_ad, as a script

import gast
import pytest

import s2s_ad as ad
from s2s_ad.frontend.parse import parse_function
from s2s_ad.pipeline import ssa_source
from s2s_ad.ssa.comprehensions import lower_comprehensions

sys.path.insert(0, str(Path(__file__).parent))
import golden_functions as gf

GOLDEN = Path(__file__).parent / "golden"
NAMES = [
    "tanh_layer",
    "scalar_chain",
    "swap",
    "partly_active",
    "clashing_names",
    "two_results",
    "while_with_branch",
    "calls_helper",
    "early_exit",
    "collects",
    "reports",
    "comprehension",
    "projectile_range",
    "series_until_small",
]
LOOPS = ["comprehension"]  # the loops comprehensions become (ssa/comprehensions.py)
SECOND_ORDER = [
    "tanh_layer",
    "scalar_chain",
    "while_with_branch",
    "calls_helper",
    "early_exit",
    "reports",
    "projectile_range",
    "series_until_small",
]
# with respect to these parameters (default: the first), and the code `grad` runs on the
# example arguments (`derivative_source(..., args=...)`, specialised to their shapes)
WRT = {"projectile_range": (0, 1)}
ARGS = {"projectile_range": (12.0, 0.8), "series_until_small": (0.5, 20)}


def render(name: str) -> str:
    fn = getattr(gf, name)
    wrt = WRT.get(name, 0)
    return "\n".join(
        [
            *(["# comprehensions as loops", as_loops(fn)] if name in LOOPS else []),
            "# --stage ssa",
            ssa_source(fn),
            f"# reverse, wrt={wrt}",
            ad.derivative_source(fn, mode="reverse", wrt=wrt),
            f"# forward, wrt={wrt}",
            ad.derivative_source(fn, mode="forward", wrt=wrt),
            f"# vector (jacfwd), wrt={wrt}",
            ad.derivative_source(fn, mode="vector", wrt=wrt),
            *(
                ["# hessian: the vector tangent of the gradient code", second_order(fn, wrt)]
                if name in SECOND_ORDER
                else []
            ),
            *(
                [
                    f"# what grad runs on {ARGS[name]}",
                    ad.derivative_source(fn, mode="gradient", wrt=wrt, args=ARGS[name]),
                ]
                if name in ARGS
                else []
            ),
        ]
    )


def as_loops(fn) -> str:
    parsed = parse_function(fn)
    return gast.unparse(lower_comprehensions(parsed.node, parsed.filename)).strip() + "\n"


def second_order(fn, wrt=0) -> str:
    return (
        ad.derivative_source(fn, mode="gradient", wrt=wrt)
        + "\n"
        + ad.derivative_source(fn, mode="hessian", wrt=wrt)
    )


@pytest.mark.parametrize("name", NAMES)
def test_golden_source(name):
    expected = (GOLDEN / f"{name}.txt").read_text()
    assert render(name) == expected


if __name__ == "__main__" and "--update" in sys.argv:
    for name in NAMES:
        (GOLDEN / f"{name}.txt").write_text(render(name))
