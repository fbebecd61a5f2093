"""The Jacobians' later calls (the fast path: code and seeds made on the first call): µs
per call and the ratio to the plain function, with the hand-written Jacobian's ratio where
one is written here. Run: `.venv/bin/python benchmarks/jacobian_later_calls.py`, or with
`PYTHONPATH=<another checkout>` to compare two versions in one sitting (best of 7; the
machines are shared and noisy: compare ratios, and alternate the versions).
"""

import functools
import os
import sys
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as gradients.py: one thread

import numpy as np

import s2s_ad as ad

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gradients import chain, layer

rng = np.random.default_rng(1)


def best(call):
    call()
    n = max(1, int(0.05 / max(timeit.timeit(call, number=1), 1e-7)))
    return min(timeit.repeat(call, number=n, repeat=7)) / n


x10, a10 = rng.standard_normal(10), rng.standard_normal((1000, 10)) / 3
x1k, a1k = rng.standard_normal(1000), rng.standard_normal((10, 1000)) / 30
xc = rng.standard_normal(200)
rows = [
    ("layer 10->1000 jacfwd", ad.jacfwd(layer), (x10, a10), layer),
    ("layer 1000->10 jacrev", ad.jacrev(layer), (x1k, a1k), layer),
    ("layer 1000->10 auto", ad.jacobian(layer), (x1k, a1k), layer),
    ("chain 200->199 jacfwd", ad.jacfwd(chain), (xc,), chain),
    ("chain 200->199 jacrev", ad.jacrev(chain), (xc,), chain),
]
hand = {
    "layer 1000->10 jacrev": lambda: (1.0 - np.tanh(a1k @ x1k) ** 2)[:, None] * a1k,
    "layer 10->1000 jacfwd": lambda: (1.0 - np.tanh(a10 @ x10) ** 2)[:, None] * a10,
}
for name, J, args, f in rows:
    J(*args)
    plain = best(functools.partial(f, *args))
    t = best(functools.partial(J, *args))
    h = hand.get(name)
    ht = f"{best(h) / plain:6.1f}" if h else "     -"
    print(f"{name:<24} {t * 1e6:9.1f} us  ratio {t / plain:7.1f}  hand {ht}", flush=True)
