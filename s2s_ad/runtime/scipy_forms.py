"""Layout helpers for the derivatives of SciPy's `signal.convolve` and `linalg.solve_banded`
(rules/scipy_signal.py, rules/scipy_linalg.py).

`signal_padding` computes pad widths only (no derivative flows through it); `band_to_dense`
and `dense_to_band` are linear maps, adjoint to each other, with rules of their own, so the
derivative templates stay written with functions that have rules. Before → after, for
`solve_banded((1, 1), ab, b)`:

    cotangent of ab:  (no rule)  →  -rt.dense_to_band(column(y) @ column(x).T, (1, 1))
"""

from __future__ import annotations

import numpy as np

__all__ = ["band_to_dense", "dense_to_band", "signal_padding"]


def signal_padding(in1, in2, mode):
    """Per-axis zeros before and after `scipy.signal.convolve(in1, in2, mode)`'s result that
    make it the full convolution ('same' is centred on `in1`, as SciPy cuts it)."""
    pads = []
    for n, m in zip(np.shape(in1), np.shape(in2), strict=True):
        full = n + m - 1
        if mode == "full":
            pads.append((0, 0))
            continue
        kept = n if mode == "same" else max(n, m) - min(n, m) + 1
        before = (full - kept) // 2 if mode == "same" else min(n, m) - 1
        pads.append((before, full - kept - before))
    return tuple(pads)


def _band_positions(n: int, l_and_u):
    """Row `k` of the band storage of each dense element (i, j), and where it is in the band."""
    lower, upper = l_and_u
    i, j = np.indices((n, n))
    k = upper + i - j
    return k, j, (k >= 0) & (k <= lower + upper)


def band_to_dense(ab, l_and_u):
    """The square matrix whose band `ab` stores (LAPACK layout: a[i, j] = ab[u + i - j, j])."""
    ab = np.asarray(ab)
    k, j, inside = _band_positions(ab.shape[1], l_and_u)
    return np.where(inside, ab[np.clip(k, 0, ab.shape[0] - 1), j], 0).astype(ab.dtype)


def dense_to_band(a, l_and_u):
    """The band storage of `a`'s band (elements outside it dropped): band_to_dense's adjoint."""
    a = np.asarray(a)
    lower, upper = l_and_u
    n = a.shape[0]
    k, j = np.indices((lower + upper + 1, n))
    i = k - upper + j
    inside = (i >= 0) & (i < n)
    return np.where(inside, a[np.clip(i, 0, n - 1), j], 0).astype(a.dtype)
