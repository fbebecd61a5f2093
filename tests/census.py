"""Run the census rows (test_autograd_census.py) against the installed s2s_ad and print a summary.

usage: <checkout>/.venv/bin/python census.py [--src CHECKOUT] [--rows] [-k SUBSTRING]
  --src CHECKOUT  import s2s_ad from that checkout (prepended to sys.path)
  --rows          also list every row with its status
"""

import os
import sys
import time
import warnings
from collections import OrderedDict, defaultdict

if "--src" in sys.argv:
    sys.path.insert(0, os.path.abspath(sys.argv[sys.argv.index("--src") + 1]))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from census_harness import classify, evaluate
from test_autograd_census import ROWS

GROUP_ORDER = ["no rule", "wrong number", "crash", "needs complex"]


def main(argv):
    show_rows = "--rows" in argv
    sub = argv[argv.index("-k") + 1] if "-k" in argv else None
    rows = [r for r in ROWS if sub is None or sub in r.name]
    t0 = time.time()
    by_fn = OrderedDict()
    row_status = []
    for r in rows:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = evaluate(r)
                status, why = classify(r, res)
            except Exception as e:  # the row itself is broken (plain call failed)
                status, why = "crash", f"row error: {type(e).__name__}: {e}"[:200]
        row_status.append((r, status, why))
        by_fn.setdefault(r.fn, []).append((r, status, why))
    dt = time.time() - t0

    fn_status = OrderedDict()
    for fn, items in by_fn.items():
        bad = [(r, s, w) for r, s, w in items if s != "pass"]
        if not bad:
            fn_status[fn] = ("pass", "")
        else:
            # the function's class: the first failing row's in GROUP_ORDER priority
            bad.sort(key=lambda t: GROUP_ORDER.index(t[1]))
            r, s, w = bad[0]
            extra = f" (+{len(bad) - 1} more rows)" if len(bad) > 1 else ""
            fn_status[fn] = (s, f"[{r.name}] {w}{extra}")

    n_fn = len(fn_status)
    n_pass = sum(1 for s, _ in fn_status.values() if s == "pass")
    n_rows_pass = sum(1 for _, s, _ in row_status if s == "pass")
    print(
        "census of autograd-tested functions/operators against s2s_ad "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})"
    )
    print(f"total functions/operators: {n_fn}   (rows: {len(row_status)}, run in {dt:.1f} s)")
    print(f"passing in both modes:     {n_pass}   (rows passing: {n_rows_pass})")
    print(f"failing:                   {n_fn - n_pass}")
    groups = defaultdict(list)
    for fn, (s, w) in fn_status.items():
        if s != "pass":
            groups[s].append((fn, w))
    import s2s_ad

    print(f"s2s_ad imported from {os.path.dirname(s2s_ad.__file__)}")
    for g in GROUP_ORDER:
        print(f"\n== {g}: {len(groups[g])}")
        if groups[g]:
            for fn, w in groups[g]:
                print(f"  {fn}: {w}")
    n_complex = len(groups["needs complex"])
    print(f"\npassing / (total - needs complex) = {n_pass} / {n_fn - n_complex}")
    if show_rows:
        print("\n== rows")
        for r, s, w in row_status:
            print(f"  {s:13s} {r.name}  {w}")


if __name__ == "__main__":
    main(sys.argv[1:])
