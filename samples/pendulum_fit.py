"""Fit a damped pendulum's parameters to observations: gradients through a long loop.

θ'' = -ω² sin θ - c θ', integrated by a Python `for` loop of small steps (semi-implicit
Euler). The observations are a noisy trajectory made with the true ω² and c; gradient
descent on the squared error (with a step that grows while it helps and halves when it
would not lower the error) recovers them from a poor first guess. The gradient of the
error with respect to (ω², c) runs backwards through every step of the simulation; the loop
is marked `s2s_ad.checkpoint`, so reverse mode keeps the state once per ⌈√n⌉ steps instead
of every step.

Run: `make pendulum` (or `.venv/bin/python samples/pendulum_fit.py [--steps N]
[--iterations K] [--plot PATH]`). It prints the fit as it goes and saves a picture to the
--plot path (default: `pendulum.png` in `s2s_ad_samples/` in the temporary directory;
`make pictures` refreshes `samples/pendulum.png`): observed and fitted trajectories, and
the error per iteration.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from pictures import default_plot, error_curve, save, two_panels

import s2s_ad as ad
from s2s_ad.testing import check_grads

DT = 0.01


def simulate(omega2, damping, theta0, steps):
    """The angle at every step, from rest at `theta0`."""
    theta, velocity = theta0, 0.0
    angles = []
    for _ in range(steps):
        velocity = velocity - DT * (omega2 * np.sin(theta) + damping * velocity)
        theta = theta + DT * velocity
        angles.append(theta)
    return np.array(angles)


def error(omega2, damping, observed, theta0):
    """Mean squared distance between the simulated and the observed angles."""
    theta, velocity = theta0, 0.0
    total = 0.0
    for k in ad.checkpoint(range(len(observed))):
        velocity = velocity - DT * (omega2 * np.sin(theta) + damping * velocity)
        theta = theta + DT * velocity
        total = total + (theta - observed[k]) ** 2
    return total / len(observed)


def fit(steps: int, iterations: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = (9.0, 0.4)
    theta0 = 1.2
    observed = simulate(*truth, theta0, steps) + rng.normal(scale=0.02, size=steps)
    check_grads(error, (6.0, 1.0, observed, theta0))  # forward, reverse, differences agree
    print("gradient checked against central differences and forward mode")
    gradient = ad.value_and_grad(error, wrt=("omega2", "damping"))
    omega2, damping = 6.0, 1.0  # the first guess
    rate = 1.0  # grown while steps help, halved when one would not lower the error
    history = []
    for k in range(iterations + 1):
        value, (d_omega2, d_damping) = gradient(omega2, damping, observed, theta0)
        history.append(value)
        if k % max(1, iterations // 10) == 0:
            print(f"iteration {k:4d}   error {value:.6f}   ω² {omega2:.4f}   c {damping:.4f}")
        while rate > 1e-12:
            trial = (omega2 - rate * d_omega2, damping - rate * d_damping)
            if error(*trial, observed, theta0) < value:
                omega2, damping = trial
                rate *= 1.5
                break
            rate /= 2.0
    print(f"true ω² {truth[0]}, c {truth[1]}; fitted ω² {omega2:.3f}, c {damping:.3f}")
    return (omega2, damping), truth, theta0, observed, history


def plot(fitted, theta0, observed, history, path: Path) -> None:
    panels = two_panels()
    if panels is None:
        return
    figure, (left, right) = panels
    t = DT * np.arange(1, len(observed) + 1)
    left.plot(t, observed, ".", markersize=2, color="0.6", label="observed")
    left.plot(t, simulate(6.0, 1.0, theta0, len(observed)), "--", label="first guess")
    left.plot(t, simulate(*fitted, theta0, len(observed)), label="fitted")
    left.set_xlabel("time (s)")
    left.set_ylabel("angle (rad)")
    left.legend()
    left.set_title(f"damped pendulum, fitted: ω² = {fitted[0]:.2f}, c = {fitted[1]:.2f}")
    error_curve(right, history, "gradient descent iteration", "mean squared error", "fit error")
    save(figure, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="simulation steps of 0.01 s")
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument(
        "--plot", type=Path, default=default_plot("pendulum.png"), help="where the PNG goes"
    )
    args = parser.parse_args()
    fitted, _, theta0, observed, history = fit(args.steps, args.iterations)
    plot(fitted, theta0, observed, history, args.plot)


if __name__ == "__main__":
    main()
