"""Functions whose SSA form and derivative source are pinned by golden tests."""

import math

import numpy as np


def tanh_layer(W, x, b):
    h = np.tanh(W @ x + b)
    return np.sum(h * h)


def scalar_chain(x, y):
    a = math.sin(x) * y
    a += x**2
    return a / y


def swap(x, y):
    x, y = y, x * 2.0
    return x - y


def partly_active(x, n):
    k = np.size(n)
    return x * k + n


def clashing_names(x, x_bar, _t1):
    x_dot = x * x_bar
    return x_dot + _t1 * x


def two_results(x, y):
    return x * y, x + 1.0


def while_with_branch(x, n):
    i = 0
    while i < n:
        if x > 1.0:
            x = x / 2.0 + i
        else:
            x = x * x + 0.1
        i += 1
    return x


def calls_helper(x, y):
    a, b = polar(x, y)
    return a * b + scalar_chain(x, a)


def polar(r, theta):
    return r * math.cos(theta), r * math.sin(theta)


def early_exit(x):
    total = 0.0
    for k in range(10):
        total = total + x**k
        if total > 5.0:
            return total
    return -total


def collects(x, n):
    hs = []
    for _ in range(n):
        x = np.tanh(x)
        hs.append(x)
    hs_array = np.stack(hs)
    hs_array[0] = 0.0
    return np.sum(hs_array)


def reports(x, n):
    assert n > 0, f"n must be positive, got {n}"
    with np.errstate(divide="ignore"):
        y = np.log(x * x)
    for i in range(n):
        print(f"step {i}: y = {y:.4f}")
        y = np.sin(y) * x
    return y


def comprehension(ws, xs):
    hs = [np.tanh(w) for w in ws]
    return sum(h * x for h, x in zip(hs, xs) if x > 0.0)  # noqa: B905


def projectile_range(v, angle):
    """How far a projectile thrown at speed `v` and `angle` flies: integrated (explicit
    Euler) until it lands, as a user writes it; a `while` left by `break`."""
    dt = 0.01
    g = 9.81
    x, y = 0.0, 0.0
    vx = v * np.cos(angle)
    vy = v * np.sin(angle)
    while True:
        x = x + vx * dt
        y = y + vy * dt
        if y < 0.0:
            break
        vy = vy - g * dt
    return x


def series_until_small(x, n):
    """The exponential series' first terms, stopped by `break` once a term is small."""
    total = 0.0
    term = x
    for k in range(n):
        total = total + term
        term = term * x / (k + 1)
        if abs(term) < 1e-3:
            break
    return total
