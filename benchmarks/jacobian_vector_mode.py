"""The vector tangent mode against separate tangent passes, for an n = 100 input Jacobian.

`jacfwd` carries all 100 one-hot seeds through one pass of generated code (tangents with a
leading direction axis); the alternative is 100 calls of the scalar tangent code, one seed
each. Run: `.venv/bin/python benchmarks/jacobian_vector_mode.py` (or `make bench-jacobian`).
Times are best of 5 in one run; the ratio is what to compare across machines.
"""

import timeit

import numpy as np

import s2s_ad as ad

N = 100


def chain(x, a):
    """R¹⁰⁰ → R⁵⁰: elementwise work, a matrix product, a reduction, a loop."""
    h = np.sin(x) * x + np.exp(-(x**2))
    y = np.tanh(a @ h)
    for _ in range(3):
        y = y * 0.9 + np.cos(y) * 0.1
    return y + np.sum(h**2) * 0.01


def separate_jvps(x, a):
    columns = []
    for k in range(N):
        seed = np.zeros(N)
        seed[k] = 1.0
        columns.append(ad.jvp(chain, (x, a), (seed, None))[1])
    return np.stack(columns, axis=1)


def best(call) -> float:
    call()
    return min(timeit.repeat(call, number=5, repeat=5)) / 5


def main() -> None:
    rng = np.random.default_rng(0)
    x, a = rng.standard_normal(N), rng.standard_normal((50, N)) / 10.0
    jacobian = ad.jacfwd(chain)
    np.testing.assert_allclose(jacobian(x, a), separate_jvps(x, a), rtol=1e-12, atol=1e-14)
    plain = best(lambda: chain(x, a))
    vector = best(lambda: jacobian(x, a))
    separate = best(lambda: separate_jvps(x, a))
    print(f"n = {N} inputs, 50 outputs; best of 5")
    print(f"  plain function          {plain * 1e3:8.3f} ms")
    print(f"  jacfwd (vector mode)    {vector * 1e3:8.3f} ms   {vector / plain:6.1f}x plain")
    print(f"  {N} separate jvp calls  {separate * 1e3:8.3f} ms   {separate / plain:6.1f}x plain")
    print(f"  ratio vector / separate {vector / separate:8.3f}")


if __name__ == "__main__":
    main()
