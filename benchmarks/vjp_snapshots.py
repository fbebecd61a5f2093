"""What `vjp`'s copies cost: the pullback gives the VJP at the values of the call.

Run: `.venv/bin/python benchmarks/vjp_snapshots.py`. Since session 35 `vjp` copies the
arrays of the arguments and of the returned value that its pullback holds, and the views it
holds (s2s_ad/snapshots.py), and the code copies the module's arrays the pullback holds
(`rt.snapshot`). This times
`vjp` and one pullback call with those copies and, in the same run, with every copy made a
no-op (the numbers are then exposed to later writes: only for this measure), and prints the
ratio. Best of 7 of the mean of a batch of calls, in milliseconds.
"""

from __future__ import annotations

import time
from unittest import mock

import numpy as np

import s2s_ad as ad
from s2s_ad import api, runtime

RNG = np.random.default_rng(0)
W_RECURRENT = RNG.standard_normal((64, 64)) / 8.0  # a module's weight the RNN reads


def mlp(params, images):
    w1, b1, w2, b2 = params
    hidden = np.tanh(images @ w1 + b1)
    logits = hidden @ w2 + b2
    return np.sum(logits**2) / images.shape[0]


def rnn(h, inputs):
    for t in range(inputs.shape[0]):
        h = np.tanh(W_RECURRENT @ h + inputs[t])
    return np.sum(h**2)


def layer(w, x, b):
    return np.sum(np.tanh(w @ x + b))


WORKLOADS = {
    "MLP 784-128-10, batch 64": (
        mlp,
        (
            (
                RNG.standard_normal((784, 128)) * 0.05,
                np.zeros(128),
                RNG.standard_normal((128, 10)) * 0.05,
                np.zeros(10),
            ),
            RNG.standard_normal((64, 784)),
        ),
    ),
    "RNN 64 units, 100 steps (global W)": (
        rnn,
        (RNG.standard_normal(64), RNG.standard_normal((100, 64))),
    ),
    "sum(tanh(W@x+b)), 1000x1000": (
        layer,
        (RNG.standard_normal((1000, 1000)), RNG.standard_normal(1000), RNG.standard_normal(1000)),
    ),
}


def _time(fn, args, repeat=7, number=20) -> float:
    def once():
        _, pullback = ad.vjp(fn, *args)
        pullback(1.0)

    once()  # (the derivative made)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            once()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e3


def _without_copies():
    """Every copy `vjp` makes a no-op (for this measure only)."""
    same = lambda value, *_: value  # noqa: E731
    return (
        mock.patch.object(runtime, "snapshot", same),  # (the code's copies)
        mock.patch.object(api, "keep_values", lambda pullback, reachable: None),
    )


def main() -> None:
    print(f"{'workload':<38} {'copies ms':>10} {'none ms':>9} {'ratio':>7}")
    for label, (fn, args) in WORKLOADS.items():
        with_copies = _time(fn, args)
        patches = _without_copies()
        for patch in patches:
            patch.start()
        try:
            without = _time(fn, args)
        finally:
            for patch in patches:
                patch.stop()
        print(f"{label:<38} {with_copies:>10.3f} {without:>9.3f} {with_copies / without:>7.2f}")


if __name__ == "__main__":
    main()
