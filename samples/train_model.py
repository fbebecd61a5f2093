"""Train a small model held the way people hold one, with `s2s_ad.value_and_grad`.

A noisy curve to fit (generated here, nothing is downloaded) and a 1-24-24-1 network,
written twice as autograd and JAX users write it:

- as objects: a dataclass `Dense` (a weight matrix and a bias, with `__call__`) and a class
  `MLP` holding a list of layers and its activation function; the loss calls `model(x)`,
  and the gradient with respect to the model comes back as an `MLP` of `Dense` layers;
- as a list of `(W, b)` tuples, read with `for W, b in params[:-1]` and `params[-1]`, with a
  weight penalty bound by `functools.partial`.

One training helper serves both: `train(loss_fn, params, data, steps, lr)` is given the
loss as a function, takes its gradient with `value_and_grad`, checks it once against
central differences (`s2s_ad.testing.check_grads`), and steps every array of the structure
with a tree map of its own. The gradients of the two forms are compared leaf by leaf.

Run: `make model` (or `.venv/bin/python samples/train_model.py [--steps N] [--plot PATH]`).
It prints both losses as they go down and saves a picture to the --plot path (default:
`model.png` in `s2s_ad_samples/` in the temporary directory; `make pictures` refreshes
`samples/model.png`): the two fits over the data, and the loss curves (when matplotlib is
installed).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import functools
import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
from pictures import default_plot, save, two_panels

import s2s_ad as ad
from s2s_ad.testing import check_grads


def noisy_curve(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`n` points of sin(3x) + x²/2 on [-1, 1] with noise: inputs of shape (n, 1)."""
    x = np.sort(rng.uniform(-1.0, 1.0, size=n))
    y = np.sin(3.0 * x) + 0.5 * x**2 + rng.normal(scale=0.1, size=n)
    return x[:, None], y


@dataclasses.dataclass
class Dense:
    """One affine layer: x @ W + b."""

    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return x @ self.W + self.b


class MLP:
    """Layers with an activation function between them (a function held by the model,
    fixed: it has no derivative); the output is the last layer's single column."""

    def __init__(self, layers: list[Dense], act: Callable = np.tanh):
        self.layers = layers
        self.act = act

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)[:, 0]


def init(sizes: list[int], rng: np.random.Generator) -> MLP:
    """Weights scaled by 1/sqrt(fan-in) so that tanh starts in its linear range."""
    layers = [
        Dense(rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in), np.zeros(fan_out))
        for fan_in, fan_out in itertools.pairwise(sizes)
    ]
    return MLP(layers, act=np.tanh)


def mse(model, x, y):
    return np.mean((model(x) - y) ** 2)


def predict(params, x):
    """The same network from a list of (W, b): tanh layers, then a linear one."""
    for W, b in params[:-1]:
        x = np.tanh(x @ W + b)
    W, b = params[-1]
    return (x @ W + b)[:, 0]


def penalised_mse(params, x, y, decay=0.0):
    fit = np.mean((predict(params, x) - y) ** 2)
    return fit + decay * sum(np.sum(W**2) for W, _ in params)


def tree_map(fn: Callable, tree, other):
    """fn(leaf, other's leaf) over two structures of the same shape: arrays and floats
    are leaves; lists, tuples, dicts and objects (a dataclass, an MLP) are rebuilt; what
    is neither (an activation function) is kept."""
    if isinstance(tree, np.ndarray | float):
        return fn(tree, other)
    if isinstance(tree, list | tuple):
        return type(tree)(tree_map(fn, t, o) for t, o in zip(tree, other, strict=True))
    if isinstance(tree, dict):
        return {key: tree_map(fn, value, other[key]) for key, value in tree.items()}
    if dataclasses.is_dataclass(tree) or isinstance(tree, MLP):
        new = copy.copy(tree)
        for name, value in vars(tree).items():
            setattr(new, name, tree_map(fn, value, getattr(other, name)))
        return new
    return tree


def train(loss_fn: Callable, params, data: tuple, steps: int, lr: float):
    """Gradient descent on loss_fn(params, *data); the parameters after, and the losses."""
    check_grads(loss_fn, (params, *(d[:16] for d in data)))  # forward, reverse, numeric
    print("    gradient checked against central differences and forward mode")
    step = ad.value_and_grad(loss_fn)
    history = []
    for k in range(steps + 1):
        loss, grads = step(params, *data)
        history.append(loss)
        if k % max(1, steps // 5) == 0:
            print(f"    step {k:5d}   loss {loss:.5f}")
        params = tree_map(lambda p, g: p - lr * g, params, grads)
    return params, history


def same_gradients(model: MLP, params: list, x, y) -> bool:
    """The gradient with respect to the model is a model; with respect to the list, a
    list of (W, b): the same numbers, held two ways."""
    g_model = ad.grad(mse)(model, x, y)
    g_list = ad.grad(penalised_mse)(params, x, y)  # decay 0: the same loss
    pairs = [((d.W, d.b), wb) for d, wb in zip(g_model.layers, g_list, strict=True)]
    return isinstance(g_model, MLP) and all(
        np.allclose(a, b, rtol=1e-10, atol=1e-12)
        for object_pair, list_pair in pairs
        for a, b in zip(object_pair, list_pair, strict=True)
    )


def plot(model, params, x, y, histories, path: Path) -> None:
    panels = two_panels()
    if panels is None:
        return
    figure, (left, right) = panels
    grid = np.linspace(-1.1, 1.1, 200)[:, None]
    left.scatter(x[:, 0], y, s=12, c="0.5", label="data")
    left.plot(grid[:, 0], model(grid), label="MLP of Dense layers")
    left.plot(grid[:, 0], predict(params, grid), "--", label="list of (W, b)")
    left.set_title("the two fits")
    left.legend()
    for label, history in histories.items():
        right.plot(history, label=label)
    right.set_yscale("log")
    right.set_xlabel("gradient descent step")
    right.set_ylabel("loss")
    right.set_title("training loss")
    right.legend()
    save(figure, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument(
        "--plot", type=Path, default=default_plot("model.png"), help="where the PNG goes"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x, y = noisy_curve(128, rng)
    model = init([1, 24, 24, 1], rng)
    params = [(layer.W, layer.b) for layer in model.layers]
    print(f"same gradient from the model and from the list: {same_gradients(model, params, x, y)}")

    print("the model as objects, loss mse(model, x, y):")
    model, objects = train(mse, model, (x, y), args.steps, args.rate)
    print("the model as a list of (W, b), loss partial(penalised_mse, decay=1e-4):")
    loss_fn = functools.partial(penalised_mse, decay=1e-4)
    params, tuples = train(loss_fn, params, (x, y), args.steps, args.rate)
    down = objects[-1] < 0.5 * objects[0] and tuples[-1] < 0.5 * tuples[0]
    print(f"final losses {objects[-1]:.5f} and {tuples[-1]:.5f}; both went down: {down}")
    plot(model, params, x, y, {"objects": objects, "list of (W, b)": tuples}, args.plot)


if __name__ == "__main__":
    main()
