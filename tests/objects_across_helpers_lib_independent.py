"""A small model library in a module of its own, for
test_objects_across_helpers_independent.py (tester 90, written from the README alone).

Classes and helpers here are used by functions of
objects_across_helpers_programs_independent.py: objects of these classes are made inside
the differentiated function, given to helpers of this module and returned by them.
"""

import dataclasses
from typing import NamedTuple

import numpy as np

GAIN = 1.5


class Oscillator:
    def __init__(self, omega, damping):
        self.omega = omega
        self.damping = damping

    def potential(self, q):
        return 0.5 * self.omega**2 * np.sum(q**2)

    def force(self, q, p):
        return -(self.omega**2) * q - self.damping * p

    @classmethod
    def from_params(cls, params):
        return cls(params[0], params[1])

    def detuned(self, factor):
        return type(self)(self.omega * factor, self.damping)


class StiffOscillator(Oscillator):
    def potential(self, q):
        return 0.5 * self.omega**2 * np.sum(q**2) + 0.25 * np.sum(q**4)


def make_oscillator(omega, damping=0.1):
    return Oscillator(omega, damping)


def make_stiff(omega, damping=0.1):
    return StiffOscillator.from_params((omega, damping))


def oscillator_energy(osc, q, p):
    return osc.potential(q) + 0.5 * np.sum(p**2)


def scaled_potential(osc, q, scale=1.0):
    return GAIN * scale * osc.potential(q)


def leapfrog(osc, q, p, dt):
    p_half = p + 0.5 * dt * osc.force(q, p)
    q_new = q + dt * p_half
    p_new = p_half + 0.5 * dt * osc.force(q_new, p_half)
    return q_new, p_new


class PhaseState:
    def __init__(self, q, p):
        self.q = q
        self.p = p

    def kinetic(self):
        return 0.5 * np.sum(self.p**2)


def advance_state(state, osc, dt):
    q, p = leapfrog(osc, state.q, state.p, dt)
    return PhaseState(q, p)


@dataclasses.dataclass
class Affine:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return self.W @ x + self.b

    @classmethod
    def create(cls, W, b):
        return cls(W, b)


def affine_loss(layer, xs, ys):
    total = 0.0
    for x, y in zip(xs, ys, strict=True):
        total = total + np.sum((np.tanh(layer(x)) - y) ** 2)
    return total / len(xs)


class Gaussian(NamedTuple):
    mu: np.ndarray
    log_sigma: np.ndarray


def gaussian_nll(g, data):
    sigma = np.exp(g.log_sigma)
    z = (data - g.mu) / sigma
    return np.sum(0.5 * z**2 + g.log_sigma)


def make_gaussian(mu, log_sigma):
    return Gaussian(mu, log_sigma)


def make_spring_like(k):
    """Named like no helper of the programs module, but `energy_of` below is."""
    return Oscillator(k, 0.0)


def energy_of(s, q):
    return 10.0 * s.potential(q)


class Damped(Oscillator):
    @classmethod
    def scaled(cls, params):
        return cls(GAIN * params[0], params[1])

    def potential(self, q):
        return GAIN * 0.5 * self.omega**2 * np.sum(q**2)
