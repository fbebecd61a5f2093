"""Each API's work per later call, outside the generated code: µs per call of the API minus
µs per call of the code it runs, on functions small enough that this work is most of the
call (`x * x` of a float, `sum(x * x)` of three floats, `x * x` of three floats).

The API's fast path on a later call binds the arguments, finds the code made for their
kinds, checks that it is still current (the cache, the function's code, the free names it
read) and shapes the result. On the smallest workloads of `make bench` (a 3.6 µs scalar
loop) that work is a large share of the gradient's time.

Run: `.venv/bin/python benchmarks/call_overhead.py`, or with `PYTHONPATH=<another checkout>`
to compare two versions in one sitting (best of 15; the machines are shared and noisy:
alternate the versions and compare the overheads).
"""

import os
import timeit

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import s2s_ad as ad
from s2s_ad import api
from s2s_ad.pipeline import derivative


def square(x):
    return x * x


def sum_of_squares(x):
    return np.sum(x * x)


def best(call, number=20000):
    return min(timeit.repeat(call, number=number, repeat=15)) / number


def code_of(f, mode, x):
    """The generated function the API's fast path runs for `x`'s kind."""
    key = api.signature_key((x,))
    return derivative(
        f, mode, ("x",), shapes=api._key_shapes(key), dtypes=api._key_dtypes(key)
    ).function


x1, x3 = 0.7, np.array([0.3, -0.8, 1.1])
rows = [  # (name, the API's function, its argument, the code it runs, that code's arguments)
    ("grad, float", ad.grad(square), x1, code_of(square, "grad", x1), (x1,)),
    ("grad, array", ad.grad(sum_of_squares), x3, code_of(sum_of_squares, "grad", x3), (x3,)),
    (
        "value_and_grad, float",
        ad.value_and_grad(square),
        x1,
        code_of(square, "value_and_gradient", x1),
        (x1,),
    ),
    ("jacfwd, array", ad.jacfwd(square), x3, code_of(square, "vector", x3), (x3, np.eye(3))),
]
null = best(lambda: None)
print(f"{'API, argument':<24} {'API us':>8} {'code us':>8} {'overhead us':>12}")
for name, api_function, x, code, args in rows:
    api_function(x)  # the first call makes the code
    whole = best(lambda api_function=api_function, x=x: api_function(x)) - null
    inner = best(lambda code=code, args=args: code(*args)) - null
    print(f"{name:<24} {whole * 1e6:8.3f} {inner * 1e6:8.3f} {(whole - inner) * 1e6:12.3f}")
