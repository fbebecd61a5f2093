"""Differential testing at scale: draw random programs afresh, run every check of
`test_properties.py` on each, and report how many ran and every one that failed.

    .venv/bin/python tests/fuzz.py --programs 10000 --jobs 2      (or `make fuzz`)

The programs are split between the kinds of `CASES` in CI's proportions; every one is checked
at second order too (`SECOND_ORDER`: Hessians, issue 17), unless `--first-order-only`. A
failing program is written to `fuzz-failures.txt` with its arguments and the failed check;
the exit status is 1 if there was one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
import warnings
from concurrent.futures import ProcessPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def run(kind: str, count: int, seed: int, second: bool) -> tuple[int, list[str]]:
    """Draw and check `count` programs of `kind`: (programs checked, failure reports)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from test_properties import CASES, SECOND_ORDER, check_case

    warnings.simplefilter("ignore")  # NumPy warnings at kinks are expected, not failures
    checked, failures = [0], []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # failures are recorded, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(case=CASES[kind][1])
    def check(case):
        checked[0] += 1
        try:
            check_case(case, SECOND_ORDER.get(kind) if second else None, sampled=False)
        except Exception:  # a wrong number and an error inside s2s_ad both count
            source, args = case
            failures.append(f"# {kind}, arguments {args!r}\n{source}\n{traceback.format_exc()}")

    check()
    return checked[0], failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--first-order-only", action="store_true")
    options = parser.parse_args()

    from test_properties import CASES, SECOND_ORDER

    total_share = sum(share for share, _ in CASES.values())
    tasks = []
    for index, (kind, (share, _)) in enumerate(CASES.items()):
        count = -(-options.programs * share // total_share)  # rounded up
        per_job = -(-count // options.jobs)
        for job in range(options.jobs):
            second = not options.first_order_only
            tasks.append((kind, per_job, options.seed + 1000 * index + job, second))
    start = time.perf_counter()
    with ProcessPoolExecutor(options.jobs) as pool:
        results = list(pool.map(run, *zip(*tasks, strict=True)))
    elapsed = time.perf_counter() - start
    checked = {kind: 0 for kind in CASES}
    failures = []
    for (kind, _, _, _), (count, failed) in zip(tasks, results, strict=True):
        checked[kind] += count
        failures += failed
    for kind, count in checked.items():
        second = "" if options.first_order_only else " + ".join(SECOND_ORDER.get(kind, ()))
        print(f"{kind:22} {count:6,} programs {'+ ' + second if second else ''}")
    print(
        f"{sum(checked.values()):,} programs, {len(failures)} mismatches "
        "(forward = reverse, numeric, dot-product, values = the plain call's; second order: "
        "hessian symmetric = jacfwd(grad) = jacrev(grad) = grad(grad) = numeric, and hvp) "
        f"in {elapsed:.0f} s, seed {options.seed}"
    )
    if os.path.exists("fuzz-failures.txt"):
        os.remove("fuzz-failures.txt")  # from an earlier run
    if failures:
        with open("fuzz-failures.txt", "w") as out:
            out.write("\n\n".join(failures))
        print("the failing programs are in fuzz-failures.txt")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
