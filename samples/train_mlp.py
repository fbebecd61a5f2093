"""Train a small neural network from scratch with `s2s_ad.value_and_grad`.

Two interleaving half-moons (the data is generated here, nothing is downloaded), a
2-16-16-1 network with tanh layers, the logistic loss, plain gradient descent. The gradient
with respect to the whole tuple of weights comes from s2s_ad's generated code; it is
checked once against central differences before training.

Run: `make mlp` (or `.venv/bin/python samples/train_mlp.py [--steps N] [--plot PATH]`).
It prints the loss and accuracy as it trains and saves a picture to the --plot path
(default: `mlp.png` in `s2s_ad_samples/` in the temporary directory; `make pictures`
refreshes `samples/mlp.png`): the decision boundary over the data, and the loss curve (when
matplotlib is installed).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from pictures import default_plot, error_curve, save, two_panels

import s2s_ad as ad
from s2s_ad.testing import check_grads


def two_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points on two interleaving half circles, labels 0 and 1."""
    angle = rng.uniform(0.0, np.pi, size=n)
    label = rng.integers(0, 2, size=n)
    x = np.where(label == 0, np.cos(angle), 1.0 - np.cos(angle))
    y = np.where(label == 0, np.sin(angle), 0.5 - np.sin(angle))
    points = np.stack([x, y], axis=1) + rng.normal(scale=noise, size=(n, 2))
    return points - points.mean(axis=0), label.astype(float)


def init(sizes: list[int], rng: np.random.Generator) -> tuple:
    """Weights and biases, layer by layer, scaled so tanh starts in its linear range."""
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params += [rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out)]
    return tuple(params)


def logits(params, x):
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    return (h2 @ w3 + b3)[:, 0]


def loss(params, x, y):
    """Mean logistic loss: log(1 + e^z) - y·z, written so it cannot overflow."""
    z = logits(params, x)
    return np.mean(np.logaddexp(0.0, z) - y * z)


def accuracy(params, x, y) -> float:
    return float(np.mean((logits(params, x) > 0.0) == (y > 0.5)))


def train(steps: int, rate: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    x, y = two_moons(200, 0.1, rng)
    params = init([2, 16, 16, 1], rng)
    check_grads(loss, (params, x, y))  # forward, reverse and central differences agree
    print("gradient checked against central differences and forward mode")
    step = ad.value_and_grad(loss)
    history = []
    for k in range(steps + 1):
        value, grads = step(params, x, y)
        history.append(value)
        if k % max(1, steps // 10) == 0:
            print(f"step {k:5d}   loss {value:.4f}   accuracy {accuracy(params, x, y):6.1%}")
        params = tuple(p - rate * g for p, g in zip(params, grads, strict=True))
    return params, x, y, history


def plot(params, x, y, history, path: Path) -> None:
    panels = two_panels()
    if panels is None:
        return
    figure, (left, right) = panels
    u, v = np.meshgrid(np.linspace(-2.0, 2.0, 200), np.linspace(-1.5, 1.5, 150))
    grid = np.stack([u.ravel(), v.ravel()], axis=1)
    p = 1.0 / (1.0 + np.exp(-logits(params, grid))).reshape(u.shape)
    left.contourf(u, v, p, levels=20, cmap="RdBu", alpha=0.7)
    left.contour(u, v, p, levels=[0.5], colors="k")
    left.scatter(x[:, 0], x[:, 1], c=y, cmap="RdBu", edgecolors="k", s=18)
    left.set_title(f"decision boundary (accuracy {accuracy(params, x, y):.1%})")
    error_curve(right, history, "gradient descent step", "logistic loss", "training loss")
    save(figure, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument(
        "--plot", type=Path, default=default_plot("mlp.png"), help="where the PNG goes"
    )
    args = parser.parse_args()
    params, x, y, history = train(args.steps, args.rate)
    print(f"final loss {history[-1]:.4f}, accuracy {accuracy(params, x, y):.1%}")
    plot(params, x, y, history, args.plot)


if __name__ == "__main__":
    main()
