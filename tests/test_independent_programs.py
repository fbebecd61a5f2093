"""CI: a fixed seed of the independent random programs (tests/independent_programs.py).

Each program is checked through the public API only: the plain value, value_and_grad's
value, grad in both modes against central differences and each other, and the dot-product
test between jvp and vjp; for issue 16's kinds, with structures, records and function
values as arguments, the gradients are checked to come back structured as the arguments.  A
refusal with a located s2s_ad error is allowed; a mismatch or any other exception fails the
test with the program's source.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import independent_programs as ip

SEED = 20260
PROGRAMS = 12 * len(ip.KINDS)  # 12 per kind


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("indep"))
    sys.path.insert(0, workdir)
    try:
        return [ip.run_one(SEED + i, workdir) for i in range(PROGRAMS)]
    finally:
        sys.path.remove(workdir)


def test_programs_are_deterministic():
    assert ip.generate(SEED).source == ip.generate(SEED).source
    assert ip.generate(SEED).source != ip.generate(SEED + 1).source


def test_no_mismatch_and_no_internal_error(results):
    bad = [r for r in results if r.outcome in ("mismatch", "internal")]
    report = "\n\n".join(
        f"seed {r.seed} ({r.kind}): {r.outcome}: {r.detail}\n{r.source}" for r in bad[:5]
    )
    assert not bad, f"{len(bad)} of {len(results)} programs failed; the first ones:\n\n{report}"


def test_most_programs_are_differentiated(results):
    ok = sum(r.outcome == "ok" for r in results)
    assert ok >= len(results) // 2
