"""Run the independent random programs (tests/independent_programs.py) and report.

    python tests/fuzz_independent.py --programs 500 --jobs 2 --seed 0

Each program is also checked at second order (`hvp` against central differences of the
gradient, and symmetric: issue 17) unless `--first-order-only`. Prints the counts per outcome
and per program kind and the refusals per message kind, writes every mismatch and internal
error with its source to independent-failures.txt, and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import independent_programs as ip

OUTCOMES = ("ok", "refused", "mismatch", "internal", "nonsmooth")
_WORKDIR = None
_KIND = None


def _init(kind=None, second_order=True):
    global _WORKDIR, _KIND
    _WORKDIR = tempfile.mkdtemp(prefix="s2s_indep_")
    _KIND = kind
    ip.SECOND_ORDER = second_order
    sys.path.insert(0, _WORKDIR)


def _work(seed):
    return ip.run_one(seed, _WORKDIR, _KIND)


def _minimize(seed):
    prog = ip.generate(seed, _KIND)
    src, res = ip.minimize(prog, _WORKDIR)
    return seed, src, res


def run(programs, jobs, seed, kind=None, second_order=True):
    seeds = range(seed, seed + programs)
    if jobs <= 1:
        _init(kind, second_order)
        return [_work(s) for s in seeds]
    with multiprocessing.Pool(
        jobs, initializer=_init, initargs=(kind, second_order), maxtasksperchild=50
    ) as pool:
        return list(pool.imap(_work, seeds, chunksize=4))


def report(results, out=sys.stdout):
    by_kind = collections.defaultdict(collections.Counter)
    for r in results:
        by_kind[r.kind][r.outcome] += 1
    total = collections.Counter(r.outcome for r in results)
    print(f"{'kind':16}" + "".join(f"{o:>10}" for o in OUTCOMES), file=out)
    for kind in sorted(by_kind):
        print(f"{kind:16}" + "".join(f"{by_kind[kind][o]:>10}" for o in OUTCOMES), file=out)
    print(f"{'total':16}" + "".join(f"{total[o]:>10}" for o in OUTCOMES), file=out)
    refusals = collections.Counter(r.refusal for r in results if r.outcome == "refused")
    if refusals:
        print("\nrefusals by message kind:", file=out)
        for msg, c in refusals.most_common():
            print(f"{c:6}  {msg}", file=out)
    fails = collections.Counter(
        (r.outcome, ip.signature(r)) for r in results if r.outcome in ("mismatch", "internal")
    )
    if fails:
        print("\nfailures by kind of message:", file=out)
        for (o, msg), c in fails.most_common():
            print(f"{c:6}  {o:9} {msg}", file=out)
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kind", choices=ip.KINDS, default=None, help="only programs of this kind")
    ap.add_argument("--out", default="independent-failures.txt")
    ap.add_argument(
        "--minimize",
        type=int,
        default=0,
        metavar="K",
        help="also minimize up to K failures per program kind and failure kind (end of --out)",
    )
    ap.add_argument(
        "--first-order-only", action="store_true", help="without the second-order (hvp) checks"
    )
    a = ap.parse_args(argv)
    t0 = time.time()
    results = run(a.programs, a.jobs, a.seed, a.kind, not a.first_order_only)
    total = report(results)
    bad = [r for r in results if r.outcome in ("mismatch", "internal")]
    with open(a.out, "w") as fh:
        for r in bad:
            fh.write(f"### seed {r.seed} kind {r.kind}: {r.outcome}\n{r.detail}\n\n{r.source}\n\n")
        seen = set()
        for r in results:
            if r.outcome == "refused" and r.refusal not in seen:
                seen.add(r.refusal)
                fh.write(f"### seed {r.seed} kind {r.kind}: refused (an example)\n{r.detail}\n\n")
    if a.minimize and bad:
        firsts = collections.defaultdict(list)
        for r in bad:
            sig = (r.kind, r.outcome, ip.signature(r))
            if len(firsts[sig]) < a.minimize:
                firsts[sig].append(r.seed)
        seeds = [s for group in firsts.values() for s in group]
        if a.jobs <= 1:
            _init(a.kind)
            mins = [_minimize(s) for s in seeds]
        else:
            with multiprocessing.Pool(a.jobs, initializer=_init, initargs=(a.kind,)) as pool:
                mins = pool.map(_minimize, seeds, chunksize=1)
        with open(a.out, "a") as fh:
            fh.write("\n\n######## minimized\n\n")
            for seed, src, res in mins:
                fh.write(f"### seed {seed} minimized: {res.outcome}: {ip.signature(res)}\n")
                fh.write(f"{res.detail.splitlines()[0] if res.detail else ''}\n\n{src}\n\n")
        print(f"{len(mins)} failures minimized (end of {a.out})")
    print(
        f"\n{len(results)} programs in {time.time() - t0:.0f} s; "
        f"{len(bad)} failures written to {a.out}"
    )
    return 1 if total["mismatch"] or total["internal"] else 0


if __name__ == "__main__":
    sys.exit(main())
