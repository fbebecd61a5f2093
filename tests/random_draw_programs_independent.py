# ruff: noqa: B007, SIM108
# (user code as people write it: unused loop names, `if` blocks in place of ternaries)
"""Programs for tests/test_random_draws_independent.py (the 54th independent tester).

Realistic functions that draw random numbers (a module-level NumPy Generator, a
RandomState, the legacy ``np.random`` functions, Python's ``random``), each beside a
*fixed twin* that takes the same draws as extra arguments, and a ``*_draws`` function
that makes those draws from the generators' current state, in the order the program
makes them. s2s_ad reads the source, so the programs live in this file.
"""

import functools
import logging
import random

import numpy as np
import scipy.stats

import s2s_ad

RNG = np.random.default_rng(0)
RS = np.random.RandomState(0)
LOG = []
LOGGER = logging.getLogger("random_draw_programs_independent")

X4 = np.linspace(-1.0, 1.0, 4)
DATA_X = np.linspace(-1.0, 1.0, 24).reshape(6, 4) * np.array([1.0, -0.5, 2.0, 0.3])
DATA_Y = np.array([0.3, -0.2, 0.8, 0.1, -0.6, 0.4])


def reset_generators(seed=0):
    RNG.bit_generator.state = np.random.default_rng(seed).bit_generator.state
    RS.seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    LOG.clear()


def generator_states():
    return (
        repr(RNG.bit_generator.state),
        repr(RS.get_state(legacy=False)),
        repr(np.random.get_state(legacy=False)),
        random.getstate(),
        tuple(LOG),
    )


# --------------------------------------------------------------------------------------
# 1. dropout in a helper, two layers
def dropout(h, p):
    mask = RNG.random(h.shape) > p
    return h * mask / (1.0 - p)


def dropout_mlp(w, x):
    h = np.tanh(w * x + 0.1)
    h = dropout(h, 0.3)
    h2 = np.sin(h * w)
    h2 = dropout(h2, 0.5)
    return np.sum(h2**2) + 0.01 * np.sum(w**2)


def dropout_mlp_fixed(w, x, m1, m2):
    h = np.tanh(w * x + 0.1)
    h = h * m1 / (1.0 - 0.3)
    h2 = np.sin(h * w)
    h2 = h2 * m2 / (1.0 - 0.5)
    return np.sum(h2**2) + 0.01 * np.sum(w**2)


def dropout_mlp_draws(w, x):
    return (RNG.random(w.shape) > 0.3, RNG.random(w.shape) > 0.5)


# 2. reparameterisation trick
def reparam_elbo(mu, log_sigma):
    eps = RNG.standard_normal(mu.shape[0])
    z = mu + np.exp(log_sigma) * eps
    log_lik = -0.5 * np.sum((z - 1.0) ** 2)
    kl = 0.5 * np.sum(mu**2 + np.exp(2.0 * log_sigma) - 2.0 * log_sigma - 1.0)
    return -(log_lik - kl)


def reparam_elbo_fixed(mu, log_sigma, eps):
    z = mu + np.exp(log_sigma) * eps
    log_lik = -0.5 * np.sum((z - 1.0) ** 2)
    kl = 0.5 * np.sum(mu**2 + np.exp(2.0 * log_sigma) - 2.0 * log_sigma - 1.0)
    return -(log_lik - kl)


def reparam_elbo_draws(mu, log_sigma):
    return (RNG.standard_normal(mu.shape[0]),)


# 3. Monte Carlo estimator, a scalar draw per sample in a loop
def mc_expectation(theta, n):
    total = 0.0
    for i in range(n):
        z = RNG.normal(0.0, 1.0)
        total = total + np.sum(np.sin(theta * z) + 0.5 * theta**2 * z**2)
    return total / n


def mc_expectation_fixed(theta, n, zs):
    total = 0.0
    for i in range(n):
        z = zs[i]
        total = total + np.sum(np.sin(theta * z) + 0.5 * theta**2 * z**2)
    return total / n


def mc_expectation_draws(theta, n):
    return (np.array([RNG.normal(0.0, 1.0) for _ in range(n)]),)


# 4. noisy training loss with a random minibatch (RNG.choice indices) and label noise
def minibatch_loss(w, X, Y):
    idx = RNG.choice(X.shape[0], size=4, replace=False)
    noise = 0.05 * RNG.standard_normal(4)
    r = np.tanh(X[idx] @ w) - (Y[idx] + noise)
    return np.mean(r**2) + 0.01 * np.sum(w**2)


def minibatch_loss_fixed(w, X, Y, idx, noise_raw):
    noise = 0.05 * noise_raw
    r = np.tanh(X[idx] @ w) - (Y[idx] + noise)
    return np.mean(r**2) + 0.01 * np.sum(w**2)


def minibatch_loss_draws(w, X, Y):
    return (RNG.choice(X.shape[0], size=4, replace=False), RNG.standard_normal(4))


# 5. an epoch over a random permutation, batches of 3
def epoch_loss(w, X, Y):
    order = RNG.permutation(X.shape[0])
    total = 0.0
    for k in range(2):
        b = order[3 * k : 3 * k + 3]
        r = np.sin(X[b] @ w) - Y[b]
        total = total + np.sum(r**2)
    return total


def epoch_loss_fixed(w, X, Y, order):
    total = 0.0
    for k in range(2):
        b = order[3 * k : 3 * k + 3]
        r = np.sin(X[b] @ w) - Y[b]
        total = total + np.sum(r**2)
    return total


def epoch_loss_draws(w, X, Y):
    return (RNG.permutation(X.shape[0]),)


# 6. data augmentation: a random shift (RNG.integers) and random scaling
def augmented_loss(w, x):
    k = RNG.integers(0, 3)
    s = RNG.uniform(0.8, 1.2)
    window = x[k : k + 4] * s
    return np.sum(np.tanh(window * w) ** 2)


def augmented_loss_fixed(w, x, k, s):
    window = x[k : k + 4] * s
    return np.sum(np.tanh(window * w) ** 2)


def augmented_loss_draws(w, x):
    return (RNG.integers(0, 3), RNG.uniform(0.8, 1.2))


# 7. helpers nested two deep, each drawing
def jitter(v, s):
    return v + s * RNG.standard_normal(v.shape)


def noisy_layer(w, v):
    h = np.tanh(jitter(w * v, 0.1))
    return jitter(h, 0.05)


def two_deep(w, x):
    a = noisy_layer(w, x)
    b = noisy_layer(a, x)
    return np.sum(a * b)


def two_deep_fixed(w, x, e1, e2, e3, e4):
    a = np.tanh(w * x + 0.1 * e1) + 0.05 * e2
    b = np.tanh(a * x + 0.1 * e3) + 0.05 * e4
    return np.sum(a * b)


def two_deep_draws(w, x):
    return tuple(RNG.standard_normal(w.shape) for _ in range(4))


# 8. a draw decides the branch, other draws in the branches
def branch_draw(x):
    if RNG.random() < 0.5:
        y = x * RNG.normal()
    else:
        y = np.cos(x) * RNG.uniform(1.0, 2.0)
    return np.sum(np.sin(y) * y**2)


def branch_draw_fixed(x, u, a):
    if u < 0.5:
        y = x * a
    else:
        y = np.cos(x) * a
    return np.sum(np.sin(y) * y**2)


def branch_draw_draws(x):
    u = RNG.random()
    a = RNG.normal() if u < 0.5 else RNG.uniform(1.0, 2.0)
    return (u, a)


# 9. draws whose result is never used (kept only for the generator's state)
def unused_draws(x):
    _ = RNG.standard_normal(3)
    RNG.random()
    np.random.normal()
    random.random()
    return np.sum(np.sin(x) * x)


def unused_draws_fixed(x):
    return np.sum(np.sin(x) * x)


def unused_draws_draws(x):
    RNG.standard_normal(3)
    RNG.random()
    np.random.normal()
    random.random()
    return ()


# 10. a random walk: while loop until a threshold, the draws decide the trip count
def random_walk(x):
    s = 0.0
    y = x
    while s < 2.0:
        u = RNG.random()
        s = s + u
        y = np.sin(y) + 0.3 * u * y
    return np.sum(y**2)


def random_walk_fixed(x, us):
    y = x
    for u in us:
        y = np.sin(y) + 0.3 * u * y
    return np.sum(y**2)


def random_walk_draws(x):
    s = 0.0
    us = []
    while s < 2.0:
        u = RNG.random()
        s = s + u
        us.append(u)
    return (us,)


# 11. legacy np.random (seeded by np.random.seed)
def legacy_noise(x):
    e = np.random.randn(x.shape[0])
    u = np.random.uniform(-1.0, 1.0, size=x.shape)
    n = np.random.normal(0.0, 0.1)
    r = np.random.rand(x.shape[0])
    return np.sum(np.tanh(x * e + u) ** 2 * r) + n * np.sum(x)


def legacy_noise_fixed(x, e, u, n, r):
    return np.sum(np.tanh(x * e + u) ** 2 * r) + n * np.sum(x)


def legacy_noise_draws(x):
    e = np.random.randn(x.shape[0])
    u = np.random.uniform(-1.0, 1.0, size=x.shape)
    n = np.random.normal(0.0, 0.1)
    r = np.random.rand(x.shape[0])
    return (e, u, n, r)


# 12. legacy np.random.choice minibatch
def legacy_choice_loss(w, X, Y):
    idx = np.random.choice(X.shape[0], 3, replace=False)
    return np.sum((X[idx] @ w - Y[idx]) ** 2)


def legacy_choice_loss_fixed(w, X, Y, idx):
    return np.sum((X[idx] @ w - Y[idx]) ** 2)


def legacy_choice_loss_draws(w, X, Y):
    return (np.random.choice(X.shape[0], 3, replace=False),)


# 13. Python's random module
def py_random_loss(x):
    g = random.gauss(0.0, 1.0)
    u = random.random()
    v = random.uniform(-0.5, 0.5)
    return np.sum(np.sin(x * g) + u * x**2) + v * np.sum(x**3)


def py_random_loss_fixed(x, g, u, v):
    return np.sum(np.sin(x * g) + u * x**2) + v * np.sum(x**3)


def py_random_loss_draws(x):
    return (random.gauss(0.0, 1.0), random.random(), random.uniform(-0.5, 0.5))


# 14. a RandomState object
def randomstate_loss(x):
    e = RS.normal(0.0, 1.0, size=x.shape)
    return np.sum(np.exp(0.2 * x * e))


def randomstate_loss_fixed(x, e):
    return np.sum(np.exp(0.2 * x * e))


def randomstate_loss_draws(x):
    return (RS.normal(0.0, 1.0, size=x.shape),)


# 15. a helper that prints and draws
def talk_noise(v):
    e = RNG.normal()
    print("drew", round(e, 6), "for", v.shape)
    return v * (1.0 + 0.1 * e)


def talk_loss(x):
    y = talk_noise(x)
    z = talk_noise(np.sin(y))
    return np.sum(y * z**2)


def talk_loss_fixed(x, e1, e2):
    y = x * (1.0 + 0.1 * e1)
    z = np.sin(y) * (1.0 + 0.1 * e2)
    return np.sum(y * z**2)


def talk_loss_draws(x):
    return (RNG.normal(), RNG.normal())


# 16. a helper that logs to a module list and draws
def logged_noise(v):
    e = RNG.normal()
    LOG.append(round(e, 12))
    return v * e


def logged_loss(x):
    return np.sum(np.sin(logged_noise(x)) ** 2)


def logged_loss_fixed(x, e):
    return np.sum(np.sin(x * e) ** 2)


def logged_loss_draws(x):
    e = RNG.normal()
    LOG.append(round(e, 12))
    return (e,)


# 17. a helper that prints and draws, called in a loop
def step_noise(v, k):
    e = RNG.standard_normal(v.shape)
    print("step", k, round(float(e[0]), 6))
    return np.tanh(v + 0.1 * e) * (k + 1.0)


def talk_loop(x):
    s = 0.0
    for k in range(3):
        s = s + np.sum(step_noise(x, k) ** 2)
    return s


def talk_loop_fixed(x, e0, e1, e2):
    s = 0.0
    es = [e0, e1, e2]
    for k in range(3):
        s = s + np.sum((np.tanh(x + 0.1 * es[k]) * (k + 1.0)) ** 2)
    return s


def talk_loop_draws(x):
    return tuple(RNG.standard_normal(x.shape) for _ in range(3))


# 18. draws in a list comprehension
def comprehension_draws(x):
    ws = [RNG.normal() for _ in range(3)]
    return np.sum(x**2) * ws[0] + np.sum(np.sin(x)) * ws[1] + ws[2] * np.sum(x) ** 2


def comprehension_draws_fixed(x, ws):
    return np.sum(x**2) * ws[0] + np.sum(np.sin(x)) * ws[1] + ws[2] * np.sum(x) ** 2


def comprehension_draws_draws(x):
    return ([RNG.normal() for _ in range(3)],)


# 19. a nested def that draws, called twice (two different masks)
def nested_dropout(x):
    def drop(v):
        m = RNG.random(v.shape) > 0.4
        return v * m

    a = drop(np.sin(x))
    b = drop(np.cos(x))
    return np.sum(a * b + a**2 * x)


def nested_dropout_fixed(x, m1, m2):
    a = np.sin(x) * m1
    b = np.cos(x) * m2
    return np.sum(a * b + a**2 * x)


def nested_dropout_draws(x):
    return (RNG.random(x.shape) > 0.4, RNG.random(x.shape) > 0.4)


# 20. a dropout object (method __call__ drawing)
class Dropout:
    def __init__(self, p):
        self.p = p

    def __call__(self, h):
        mask = RNG.random(h.shape) > self.p
        return h * mask / (1.0 - self.p)


DROP = Dropout(0.25)


def object_dropout(w, x):
    return np.sum(DROP(np.tanh(w * x)) ** 2 * w)


def object_dropout_fixed(w, x, m):
    return np.sum((np.tanh(w * x) * m / 0.75) ** 2 * w)


def object_dropout_draws(w, x):
    return (RNG.random(w.shape) > 0.25,)


# 21. early return chosen by a draw, draws on both paths
def early_return(x):
    u = RNG.random()
    if u < 0.9:
        return np.sum(np.sin(x) * RNG.normal() * x)
    return np.sum(x**2) * RNG.normal()


def early_return_fixed(x, u, a):
    if u < 0.9:
        return np.sum(np.sin(x) * a * x)
    return np.sum(x**2) * a


def early_return_draws(x):
    return (RNG.random(), RNG.normal())


# 22. the trip count of a loop drawn in the range itself
def random_trip_count(x):
    y = x
    for i in range(RNG.integers(2, 6)):
        y = np.sin(y) * 1.1 + 0.01 * i
    return np.sum(y**2)


def random_trip_count_fixed(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) * 1.1 + 0.01 * i
    return np.sum(y**2)


def random_trip_count_draws(x):
    return (RNG.integers(2, 6),)


# 23. a loop over a random permutation of indices
def permuted_recurrence(x):
    s = 0.0
    for i in RNG.permutation(4):
        s = np.sin(s) + x[i] * (i + 1.0)
    return s**2


def permuted_recurrence_fixed(x, order):
    s = 0.0
    for i in order:
        s = np.sin(s) + x[i] * (i + 1.0)
    return s**2


def permuted_recurrence_draws(x):
    return (RNG.permutation(4),)


# 24. np.where with a random mask
def random_where(x):
    return np.sum(np.where(RNG.random(x.shape) < 0.5, np.sin(x) * x, x**3))


def random_where_fixed(x, u):
    return np.sum(np.where(u < 0.5, np.sin(x) * x, x**3))


def random_where_draws(x):
    return (RNG.random(x.shape),)


# 25. a draw inside a print's f-string
def print_a_draw(x):
    print(f"noise {RNG.random():.6f}")
    return np.sum(x**3 * np.cos(x))


def print_a_draw_fixed(x):
    return np.sum(x**3 * np.cos(x))


def print_a_draw_draws(x):
    RNG.random()
    return ()


# 26. the fix the checkpoint refusal suggests: draw before the loop, read a row in it
def sde_predrawn(theta, x0):
    n = 9
    E = RNG.standard_normal((n, x0.shape[0]))
    x = x0
    for t in s2s_ad.checkpoint(range(n), every=3):
        x = x - theta * np.sin(x) * 0.1 + 0.2 * E[t]
    return np.sum(x**2)


def sde_predrawn_fixed(theta, x0, E):
    x = x0
    for t in range(9):
        x = x - theta * np.sin(x) * 0.1 + 0.2 * E[t]
    return np.sum(x**2)


def sde_predrawn_draws(theta, x0):
    return (RNG.standard_normal((9, x0.shape[0])),)


# 27. a checkpointed loop over drawn values (the iterable, not the body, draws)
def checkpoint_over_draws(x):
    for e in s2s_ad.checkpoint(RNG.standard_normal(6), every=2):
        x = np.sin(x) + 0.1 * e * x
    return np.sum(x**2)


def checkpoint_over_draws_fixed(x, es):
    for e in es:
        x = np.sin(x) + 0.1 * e * x
    return np.sum(x**2)


def checkpoint_over_draws_draws(x):
    return (RNG.standard_normal(6),)


# 28. a helper with a None default that draws when not given
def maybe_noise(v, e=None):
    if e is None:
        e = RNG.standard_normal(v.shape)
    return v + 0.1 * e


def none_default(x):
    return np.sum(np.sin(maybe_noise(x)) * maybe_noise(x**2))


def none_default_fixed(x, e1, e2):
    return np.sum(np.sin(x + 0.1 * e1) * (x**2 + 0.1 * e2))


def none_default_draws(x):
    return (RNG.standard_normal(x.shape), RNG.standard_normal(x.shape))


# 29. a functools.partial of a drawing helper
def scaled_noise(v, scale):
    return v + scale * RNG.standard_normal(v.shape)


SMALL_NOISE = functools.partial(scaled_noise, scale=0.2)


def partial_noise(x):
    return np.sum(np.tanh(SMALL_NOISE(x)) ** 2 * x)


def partial_noise_fixed(x, e):
    return np.sum(np.tanh(x + 0.2 * e) ** 2 * x)


def partial_noise_draws(x):
    return (RNG.standard_normal(x.shape),)


# 30. Euler-Maruyama without checkpointing: a draw per step
def euler_maruyama(theta, x0):
    x = x0
    dt = 0.1
    for t in range(6):
        x = x - theta * x**3 * dt + 0.3 * np.sqrt(dt) * RNG.standard_normal(x.shape)
    return np.mean(x**2)


def euler_maruyama_fixed(theta, x0, E):
    x = x0
    dt = 0.1
    for t in range(6):
        x = x - theta * x**3 * dt + 0.3 * np.sqrt(dt) * E[t]
    return np.mean(x**2)


def euler_maruyama_draws(theta, x0):
    return (np.array([RNG.standard_normal(x0.shape) for _ in range(6)]),)


# 31. a draw giving a random index into the argument
def random_index(x):
    i = RNG.integers(0, x.shape[0])
    j = RNG.integers(0, x.shape[0])
    return x[i] ** 2 * x[j] + np.sum(x**3)


def random_index_fixed(x, i, j):
    return x[i] ** 2 * x[j] + np.sum(x**3)


def random_index_draws(x):
    return (RNG.integers(0, x.shape[0]), RNG.integers(0, x.shape[0]))


# 32. a helper with a logging call (not print) and a draw
def warn_noise(v):
    e = RNG.normal()
    LOGGER.info("noise %.6f", e)
    return np.sin(v) * e


def logging_loss(x):
    return np.sum(warn_noise(x) ** 2 + x * warn_noise(x))


def logging_loss_fixed(x, e1, e2):
    return np.sum((np.sin(x) * e1) ** 2 + x * np.sin(x) * e2)


def logging_loss_draws(x):
    return (RNG.normal(), RNG.normal())


# 33. several generators in one function, interleaved
def mixed_sources(x):
    a = RNG.normal()
    b = np.random.normal()
    c = random.gauss(0.0, 1.0)
    d = RS.standard_normal()
    return np.sum(np.sin(a * x) + b * x**2 + c * np.cos(x) + d * x**3)


def mixed_sources_fixed(x, a, b, c, d):
    return np.sum(np.sin(a * x) + b * x**2 + c * np.cos(x) + d * x**3)


def mixed_sources_draws(x):
    return (RNG.normal(), np.random.normal(), random.gauss(0.0, 1.0), RS.standard_normal())


# 34. a statement that only draws for its effect, inside a helper called for its effect
def burn(n):
    RNG.standard_normal(n)


def burn_in(x):
    burn(5)
    e = RNG.standard_normal(x.shape)
    return np.sum(np.exp(0.1 * x * e))


def burn_in_fixed(x, e):
    return np.sum(np.exp(0.1 * x * e))


def burn_in_draws(x):
    RNG.standard_normal(5)
    return (RNG.standard_normal(x.shape),)


# ---------------------------------------------------------------- scalar input: grad(grad)
def scalar_noise(t):
    a = RNG.normal()
    b = random.gauss(0.0, 1.0)
    return np.sin(t * a) * t**2 + b * t**3 + np.exp(0.1 * t * np.random.normal())


def scalar_noise_fixed(t, a, b, c):
    return np.sin(t * a) * t**2 + b * t**3 + np.exp(0.1 * t * c)


def scalar_noise_draws(t):
    return (RNG.normal(), random.gauss(0.0, 1.0), np.random.normal())


def scalar_helper(t):
    return np.cos(t_noise(t)) * t**2


def t_noise(t):
    return t * (1.0 + 0.2 * RNG.standard_normal())


def scalar_helper_fixed(t, e):
    return np.cos(t * (1.0 + 0.2 * e)) * t**2


def scalar_helper_draws(t):
    return (RNG.standard_normal(),)


# ---------------------------------------------------------------- vector outputs
def noisy_features(x):
    e = RNG.standard_normal(x.shape)
    return np.sin(x) * e + x**2


def noisy_features_fixed(x, e):
    return np.sin(x) * e + x**2


def noisy_features_draws(x):
    return (RNG.standard_normal(x.shape),)


def noisy_summary(x):
    e = RNG.standard_normal(2)
    return np.array([np.sum(x) * e[0], np.sum(x**2) * e[1]])


def noisy_summary_fixed(x, e):
    return np.array([np.sum(x) * e[0], np.sum(x**2) * e[1]])


def noisy_summary_draws(x):
    return (RNG.standard_normal(2),)


def printing_features(x):
    e = RNG.standard_normal(x.shape)
    print("first noise", round(float(e[0]), 6))
    return np.tanh(x * e)


def printing_features_fixed(x, e):
    return np.tanh(x * e)


def printing_features_draws(x):
    return (RNG.standard_normal(x.shape),)


# ---------------------------------------------------------------- found wrong (xfail)
# grad of a drawing function called inside a differentiated function
def inner_noise(w):
    return np.sin(w * RNG.normal())


def grad_inside(w):
    return s2s_ad.grad(inner_noise)(w) ** 2


def inner_noise_fixed(w, e):
    return np.sin(w * e)


def grad_inside_fixed(w, e):
    return s2s_ad.grad(inner_noise_fixed)(w, e) ** 2


def grad_inside_draws(w):
    return (RNG.normal(),)


def inner_draw_vec(w):
    return np.sum(np.sin(w * RNG.standard_normal(w.shape)))


def value_and_grad_inside(w):
    v, g = s2s_ad.value_and_grad(inner_draw_vec)(w)
    return v + np.sum(g**2)


def inner_draw_vec_fixed(w, e):
    return np.sum(np.sin(w * e))


def value_and_grad_inside_fixed(w, e):
    v, g = s2s_ad.value_and_grad(inner_draw_vec_fixed)(w, e)
    return v + np.sum(g**2)


def value_and_grad_inside_draws(w):
    return (RNG.standard_normal(w.shape),)


# grad of a printing function called inside a differentiated function
def inner_print(w):
    print("inner at", w.shape)
    return np.sum(np.sin(w) ** 2)


def grad_inside_prints(w):
    g = s2s_ad.grad(inner_print)(w)
    return np.sum(g**2)


def inner_print_fixed(w):
    return np.sum(np.sin(w) ** 2)


def grad_inside_prints_fixed(w):
    g = s2s_ad.grad(inner_print_fixed)(w)
    return np.sum(g**2)


def grad_inside_prints_draws(w):
    return ()


# a drawing function given as a value to a helper of the user's
def noisy_sin(v):
    return np.sin(v) + 0.1 * RNG.standard_normal(v.shape)


def apply_twice_scaled(fn, v):
    return np.sin(fn(v)) * v


def function_argument(x):
    return np.sum(apply_twice_scaled(noisy_sin, x) ** 2)


def function_argument_fixed(x, e):
    return np.sum((np.sin(np.sin(x) + 0.1 * e) * x) ** 2)


def function_argument_draws(x):
    return (RNG.standard_normal(x.shape),)


# a printing function given as a value to a helper of the user's
def loud_square(v):
    print("loud", v.shape)
    return v**2


def function_argument_prints(x):
    return np.sum(np.cos(apply_twice_scaled(loud_square, x)))


def function_argument_prints_fixed(x):
    return np.sum(np.cos(np.sin(x**2) * x))


def function_argument_prints_draws(x):
    return ()


# a Generator passed as an argument, or made in the function
def generator_argument(w, rng):
    e = rng.standard_normal(w.shape)
    return np.sum(np.exp(0.1 * w * e))


def generator_argument_fixed(w, rng, e):
    return np.sum(np.exp(0.1 * w * e))


def local_generator(w):
    rng = np.random.default_rng(7)
    e = rng.standard_normal(w.shape)
    return np.sum(np.cos(w * e))


def local_generator_fixed(w, e):
    return np.sum(np.cos(w * e))


# jit=True: the fallback warning names the statement's function
ACTIVATIONS = {"noisy": noisy_sin}


def activation_from_dict(x):
    return np.sum(ACTIVATIONS["noisy"](x) ** 2)


NOISE_FN = noisy_sin


def activation_from_global(x):
    return np.sum(NOISE_FN(x) ** 2)


def jit_direct_draw(x):
    e = RNG.standard_normal(x.shape[0])
    return np.sum(np.tanh(x * e))


def jit_helper_draw(x):
    return np.sum(noisy_sin(x) ** 2)


# ---------------------------------------------------------------- refused programs
def cp_direct(x):
    for t in s2s_ad.checkpoint(range(6)):
        x = np.sin(x) + 0.01 * RNG.standard_normal(x.shape)  # line: CP_DIRECT
    return np.sum(x**2)


def cp_branch(x):
    for t in s2s_ad.checkpoint(range(4)):
        if t % 2 == 0:
            x = np.sin(x) * RNG.uniform(0.9, 1.1)  # line: CP_BRANCH
        else:
            x = np.cos(x)
    return np.sum(x**2)


def cp_inner_loop(x):
    for t in s2s_ad.checkpoint(range(3)):
        for k in range(2):
            x = np.sin(x) + 0.01 * np.random.normal()  # line: CP_INNER
    return np.sum(x**2)


def cp_python_random(x):
    for t in s2s_ad.checkpoint(range(4)):
        x = np.sin(x) * (1.0 + 0.01 * random.gauss(0.0, 1.0))  # line: CP_PYRANDOM
    return np.sum(x**2)


def sde_step(x, theta):
    return x - theta * x * 0.1 + 0.1 * RNG.standard_normal(x.shape)  # line: SDE_STEP


def cp_helper(x):
    for t in s2s_ad.checkpoint(range(5)):
        x = sde_step(x, 0.5)  # line: CP_HELPER
    return np.sum(x**2)


def outer_step(v):
    return sde_step(v, 0.3) * 1.01


def cp_helper_two_deep(x):
    for t in s2s_ad.checkpoint(range(5)):
        x = outer_step(x)  # line: CP_TWO_DEEP
    return np.sum(x**2)


def cp_direct_fixed(x, E):
    for t in range(6):
        x = np.sin(x) + 0.01 * E[t]
    return np.sum(x**2)


def cp_direct_draws(x):
    return (np.array([RNG.standard_normal(x.shape) for _ in range(6)]),)


def make_noiser(s):
    def noiser(v):
        return v + s * RNG.standard_normal(v.shape)

    return noiser


CLOSURE_NOISE = make_noiser(0.3)
OFFSETS = np.array([0.1, 0.2, 0.3, 0.4])


def offset_noise(v, o=OFFSETS * 1.0):
    return v * o + 0.1 * RNG.standard_normal(v.shape)


def inplace_noise(v):
    v += 0.1 * RNG.standard_normal(v.shape)
    return v


def second_closure(x):
    return np.sum(np.sin(CLOSURE_NOISE(x)) ** 2)  # line: SECOND_CLOSURE


def second_array_default(x):
    return np.sum(np.sin(offset_noise(x)) ** 2)  # line: SECOND_DEFAULT


def second_array_default_fixed(x, e):  # (its twin and draws, added in session 37)
    return np.sum(np.sin(x * OFFSETS + 0.1 * e) ** 2)


def second_array_default_draws(x):
    return (RNG.standard_normal(x.shape),)


def second_inplace(x):
    y = x * 1.0
    z = inplace_noise(y)  # line: SECOND_INPLACE
    return np.sum(np.sin(z) ** 2)


# set by the test module: a drawing helper defined in another module
elsewhere_noise = None


def second_other_module(x):
    return np.sum(np.sin(elsewhere_noise(x)) ** 2)  # line: SECOND_OTHER


def second_closure_fixed(x, e):
    return np.sum(np.sin(x + 0.3 * e) ** 2)


def second_closure_draws(x):
    return (RNG.standard_normal(x.shape),)


second_other_module_fixed = second_closure_fixed
second_other_module_draws = second_closure_draws


# ---------------------------------------------------------------- a draw of a differentiated value
def permute_argument(x):
    y = RNG.permutation(x)  # line: PERMUTE_ARG
    return np.sum(y * np.arange(4.0)) + np.sum(x**3)


# ---------------------------------------------------------------- more cases
# a lambda and a callable object that draw, given as values to a helper (inlined)
def lambda_argument(x):
    return np.sum(apply_twice_scaled(lambda v: v + 0.1 * RNG.standard_normal(v.shape), x) ** 2)


def lambda_argument_fixed(x, e):
    return np.sum((np.sin(x + 0.1 * e) * x) ** 2)


def lambda_argument_draws(x):
    return (RNG.standard_normal(x.shape),)


def object_argument(x):
    return np.sum(apply_twice_scaled(DROP, x) ** 2)


def object_argument_fixed(x, m):
    return np.sum((np.sin(x * m / 0.75) * x) ** 2)


def object_argument_draws(x):
    return (RNG.random(x.shape) > 0.25,)


# a vector output R^4 -> R^2 that prints and draws (jacobian "auto" times both orders)
def printing_summary(x):
    e = RNG.standard_normal(2)
    print("summary noise", round(float(e[1]), 6))
    return np.array([np.sum(np.sin(x)) * e[0], np.sum(x**2) * e[1]])


def printing_summary_fixed(x, e):
    return np.array([np.sum(np.sin(x)) * e[0], np.sum(x**2) * e[1]])


def printing_summary_draws(x):
    return (RNG.standard_normal(2),)


# a tuple output (jacrev row by row)
def tuple_features(x):
    e = RNG.standard_normal(x.shape)
    return np.sin(x) * e, np.sum(x * e) * np.ones(2)


def tuple_features_fixed(x, e):
    return np.sin(x) * e, np.sum(x * e) * np.ones(2)


def tuple_features_draws(x):
    return (RNG.standard_normal(x.shape),)


# two differentiated parameters (wrt=(0, 1))
def two_params(w, b):
    h = noisy_sin(w) + b * RNG.normal()
    return np.sum(h**2) + b**3


def two_params_fixed(w, b, e, a):
    h = np.sin(w) + 0.1 * e + b * a
    return np.sum(h**2) + b**3


def two_params_draws(w, b):
    return (RNG.standard_normal(w.shape), RNG.normal())


def jit_jacrev_grad_draw(x):
    e = RNG.standard_normal(x.shape[0])
    return np.sum(np.sin(x * e) ** 2)


# ---------------------------------------------------------------- generators reached otherwise
GENERATORS = {"train": RNG}
GENERATOR_LIST = [RNG]


def generator_in_dict(x):
    e = GENERATORS["train"].standard_normal(x.shape[0])
    return np.sum(np.sin(x * e) ** 2)


def generator_in_dict_fixed(x, e):
    return np.sum(np.sin(x * e) ** 2)


def generator_in_dict_draws(x):
    return (RNG.standard_normal(x.shape[0]),)


def generator_in_list(x):
    e = GENERATOR_LIST[0].standard_normal(x.shape[0])
    return np.sum(np.sin(x * e) ** 2)


generator_in_list_fixed = generator_in_dict_fixed
generator_in_list_draws = generator_in_dict_draws


class SeededDropout:
    """A dropout layer holding its own generator, as layers of a framework do."""

    def __init__(self, p, rng):
        self.p = p
        self.rng = rng

    def __call__(self, h):
        mask = self.rng.random(h.shape) > self.p  # line: SEEDED_DRAW
        return h * mask / (1.0 - self.p)


SEEDED_DROP = SeededDropout(0.3, RNG)


def generator_attribute_layer(w, x):
    return np.sum(np.sin(SEEDED_DROP(np.tanh(w * x))) ** 2)


def generator_attribute_layer_fixed(w, x, m):
    return np.sum(np.sin(np.tanh(w * x) * m / 0.7) ** 2)


def generator_attribute_layer_draws(w, x):
    return (RNG.random(w.shape) > 0.3,)


def generator_attribute_features(x):
    return np.sin(SEEDED_DROP(x)) * x


def generator_attribute_features_fixed(x, m):
    return np.sin(x * m / 0.7) * x


def generator_attribute_features_draws(x):
    return (RNG.random(x.shape) > 0.3,)


def cp_generator_in_dict(x):
    for t in s2s_ad.checkpoint(range(6), every=2):
        x = np.sin(x) + 0.1 * GENERATORS["train"].standard_normal(x.shape)  # line: CP_DICT
    return np.sum(x**2)


def cp_generator_in_dict_fixed(x, E):
    for t in range(6):
        x = np.sin(x) + 0.1 * E[t]
    return np.sum(x**2)


def cp_generator_in_dict_draws(x):
    return (np.array([RNG.standard_normal(x.shape) for _ in range(6)]),)


def cp_generator_attribute_layer(x):
    for t in s2s_ad.checkpoint(range(6), every=2):
        x = np.sin(SEEDED_DROP(x)) + 0.1  # line: CP_LAYER
    return np.sum(x**2)


def cp_generator_attribute_layer_fixed(x, M):
    for t in range(6):
        x = np.sin(x * M[t] / 0.7) + 0.1
    return np.sum(x**2)


def cp_generator_attribute_layer_draws(x):
    return (np.array([RNG.random(x.shape) > 0.3 for _ in range(6)]),)


# a library function that draws from the module's Generator
def scipy_rvs(x):
    e = scipy.stats.norm.rvs(size=x.shape[0], random_state=RNG)
    return np.sum(np.sin(x * e) ** 2)


def scipy_rvs_fixed(x, e):
    return np.sum(np.sin(x * e) ** 2)


def scipy_rvs_draws(x):
    return (scipy.stats.norm.rvs(size=x.shape[0], random_state=RNG),)
