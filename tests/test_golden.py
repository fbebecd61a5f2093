"""Golden tests: the whole SSA form and derivative source of representative functions.

Run `python tests/test_golden.py --update` to rewrite the files after an intended change,
then read the diff.
"""

import sys
from pathlib import Path

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
]
LOOPS = ["comprehension"]  # the loops comprehensions become (ssa/comprehensions.py)
SECOND_ORDER = [
    "tanh_layer",
    "scalar_chain",
    "while_with_branch",
    "calls_helper",
    "early_exit",
    "reports",
]


def render(name: str) -> str:
    fn = getattr(gf, name)
    return "\n".join(
        [
            *(["# comprehensions as loops", as_loops(fn)] if name in LOOPS else []),
            "# --stage ssa",
            ssa_source(fn),
            "# reverse, wrt=0",
            ad.derivative_source(fn, mode="reverse"),
            "# forward, wrt=0",
            ad.derivative_source(fn, mode="forward"),
            "# vector (jacfwd), wrt=0",
            ad.derivative_source(fn, mode="vector"),
            *(
                ["# hessian: the vector tangent of the gradient code", second_order(fn)]
                if name in SECOND_ORDER
                else []
            ),
        ]
    )


def as_loops(fn) -> str:
    parsed = parse_function(fn)
    return gast.unparse(lower_comprehensions(parsed.node, parsed.filename)).strip() + "\n"


def second_order(fn) -> str:
    return (
        ad.derivative_source(fn, mode="gradient") + "\n" + ad.derivative_source(fn, mode="hessian")
    )


@pytest.mark.parametrize("name", NAMES)
def test_golden_source(name):
    expected = (GOLDEN / f"{name}.txt").read_text()
    assert render(name) == expected


if __name__ == "__main__" and "--update" in sys.argv:
    for name in NAMES:
        (GOLDEN / f"{name}.txt").write_text(render(name))
