"""Programs for test_objects_across_helpers_independent.py (tester 90, written from the
README alone, without reading s2s_ad's code or tests).

Objects of the user's own classes made INSIDE the differentiated function, given to
module-level helpers (of this module and of another one), returned by helpers and by
static and class method factories (`cls(...)`, `type(self)(...)`, `self.__class__(...)`),
evolved in loops by helpers, in lists, tuples, dataclasses and NamedTuples.

Every program is a plain Python/NumPy function of a small float64 array `x` (and data).
The functions live here, not in the test file, so that pytest's assertion rewriting does
not touch their code.
"""

import dataclasses
import functools
from typing import NamedTuple

import numpy as np
import objects_across_helpers_lib_independent as lib
from objects_across_helpers_lib_independent import (
    Affine,
    Oscillator,
    PhaseState,
    StiffOscillator,
)

# ---------------------------------------------------------------------------
# classes


class Spring:
    G = 0.5

    def __init__(self, k, x0):
        self.k = k
        self.x0 = x0

    def energy(self, x):
        return 0.5 * self.k * np.sum((x - self.x0) ** 2)

    def force(self, x):
        return -self.k * (x - self.x0)

    def stiffer(self, c):
        return type(self)(self.k * c, self.x0)

    def shifted(self, d):
        return self.__class__(self.k, self.x0 + d)

    @property
    def scale(self):
        return np.sqrt(self.k)

    @classmethod
    def unit(cls, k):
        return cls(k, 1.0)

    @classmethod
    def default(cls):
        return cls(2.0, 0.0)

    @staticmethod
    def make(k):
        return Spring(k, 0.5)


class CubicSpring(Spring):
    G = 0.25

    def energy(self, x):
        d = x - self.x0
        return 0.5 * self.k * np.sum(d**2) + 0.1 * np.sum(d**4)


class Linear:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def predict(self, X):
        return X @ self.w + self.b

    def with_w(self, w):
        return type(self)(w, self.b)

    def with_b(self, b):
        return self.__class__(self.w, b)

    @classmethod
    def from_params(cls, theta):
        return cls(theta[:-1], theta[-1])

    @classmethod
    def create(cls, w, b=0.0):
        return cls(w, b)


class TanhLinear(Linear):
    def predict(self, X):
        return np.tanh(X @ self.w + self.b)


class Particle:
    def __init__(self, q, p):
        self.q = q
        self.p = p

    def kinetic(self):
        return 0.5 * np.sum(self.p**2)

    def evolved(self, dt, omega):
        p = self.p - dt * omega**2 * self.q
        return type(self)(self.q + dt * p, p)


@dataclasses.dataclass
class Box:
    lo: np.ndarray
    hi: np.ndarray

    def width(self):
        return self.hi - self.lo

    @classmethod
    def around(cls, c, r):
        return cls(c - r, c + r)


@dataclasses.dataclass(frozen=True)
class Adam:
    m: np.ndarray
    v: np.ndarray
    lr: float = 0.1


class Pair(NamedTuple):
    a: np.ndarray
    b: float


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, h):
        return np.tanh(self.W @ h + self.b)


class Chain:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, h):
        for layer in self.layers:
            h = layer(h)
        return h


# ---------------------------------------------------------------------------
# helpers given objects


def spring_energy(s, x):
    return s.energy(x)


def spring_energy_raw(s, x):
    return 0.5 * s.k * np.sum((x - s.x0) ** 2)


def total_energy(springs, x):
    e = 0.0
    for s in springs:
        e = e + s.energy(x)
    return e


def nested_energy(s, x):
    return 2.0 * spring_energy(s, x) + np.sum(s.force(x) ** 2)


def deep_energy(s, x):
    return nested_energy(s, x) - spring_energy_raw(s, x)


def energy_kw(s, x, scale=1.0, offset=0.0):
    return scale * s.energy(x) + offset


def energy_kwonly(s, x, *, scale):
    return scale * s.energy(x)


def total_star(x, *springs):
    e = 0.0
    for s in springs:
        e = e + s.energy(x)
    return e


def energy_with_scale(s, x):
    return s.scale * s.energy(x)


def energy_with_class_attr(s, x):
    return s.G * s.energy(x)


def energy_of_stiffer(s, x, c):
    t = s.stiffer(c)
    return t.energy(x)


def energy_isinstance(s, x):
    if isinstance(s, CubicSpring):
        return 3.0 * s.energy(x)
    return s.energy(x)


def identity(s):
    return s


def mse(model, X, y):
    r = model.predict(X) - y
    return np.mean(r**2)


def ridge_loss(model, X, y, lam=0.1):
    return mse(model, X, y) + lam * np.sum(model.w**2)


def box_volume(box):
    return np.prod(box.width())


def pair_value(p, x):
    return np.sum(p.a * x) * p.b


# ---------------------------------------------------------------------------
# helpers returning objects


def make_spring(k, x0=0.25):
    return Spring(k, x0)


def make_cubic(k):
    return CubicSpring.unit(k)


def make_with_class(k, cls=Spring):
    return cls(k, 0.0)


def make_pair(a, b):
    return Spring(a, 0.0), Spring(b, 1.0)


def make_chain(ks):
    springs = []
    for k in ks:
        springs.append(Spring(k, 0.0))
    return springs


def make_chain_cls(ks):
    return [CubicSpring.unit(k) for k in ks]


def soften(s, c):
    return Spring(s.k / c, s.x0)


def choose_same_class(x):
    if x[1] > 0:
        return Spring(x[0] ** 2 + 1.0, 0.0)
    return Spring(x[1] ** 2 + 1.0, 1.0)


def choose_by_flag(x, flag):
    return Spring(x[0] ** 2 + 1.0, 0.0) if flag else CubicSpring(x[0] ** 2 + 1.0, 0.0)


def make_spring_early(k, x0):
    if x0 > 0.0:
        return Spring(k, x0)
    return Spring(k, -x0)


def make_model(theta):
    return Linear.from_params(theta)


def make_tanh_model(theta):
    return TanhLinear.from_params(theta)


def make_layer(W, b):
    return Dense(W, b)


def build_chain_model(W1, b1, W2, b2):
    return Chain([Dense(W1, b1), Dense(W2, b2)])


def make_box(c, r):
    return Box.around(c, r)


# ---------------------------------------------------------------------------
# helpers evolving state objects


def advance(state, dt, omega):
    p = state.p - dt * omega**2 * state.q
    q = state.q + dt * p
    return Particle(q, p)


def advance_method(state, dt, omega):
    return state.evolved(dt, omega)


def advance_class(state, dt, omega):
    p = state.p - dt * omega**2 * state.q
    return state.__class__(state.q + dt * p, p)


def sgd_step(model, X, y, lr):
    r = model.predict(X) - y
    gw = 2.0 * X.T @ r / len(y)
    gb = 2.0 * np.mean(r)
    return type(model)(model.w - lr * gw, model.b - lr * gb)


def adam_step(opt, g):
    m = 0.9 * opt.m + 0.1 * g
    v = 0.99 * opt.v + 0.01 * g**2
    return dataclasses.replace(opt, m=m, v=v)


def pair_step(p, c):
    return p._replace(a=p.a * c, b=p.b + 0.5)


# ---------------------------------------------------------------------------
# programs: helpers given an object made here


def p_helper_given_object(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return spring_energy(s, x)


def p_helper_given_list(x):
    springs = [Spring(x[0] ** 2 + 1.0, 0.0), Spring(x[1] ** 2 + 1.0, 1.0)]
    return total_energy(springs, x)


def p_helper_given_list_built_in_loop(x):
    springs = []
    for i in range(3):
        springs.append(Spring(x[i] ** 2 + 0.5, 0.1 * i))
    return total_energy(springs, x)


def p_helper_given_comprehension_list(x):
    springs = [Spring(c * x[0] ** 2 + 1.0, c) for c in (0.5, 1.0, 1.5)]
    return total_energy(springs, x)


def p_deep_nested_helpers(x):
    s = Spring(np.exp(0.3 * x[0]), x[2])
    return deep_energy(s, x)


def p_helper_defaults_and_keywords(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    a = energy_kw(s, x)
    b = energy_kw(s, x, scale=x[2])
    c = energy_kw(s, x, offset=np.sin(x[3]), scale=2.0)
    d = energy_kw(s=s, x=x, scale=0.5)
    return a + b + c + d


def p_helper_kwonly(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return energy_kwonly(s, x, scale=x[3])


def p_helper_star_args(x):
    s1 = Spring(x[0] ** 2 + 1.0, 0.0)
    s2 = Spring(x[1] ** 2 + 1.0, 0.5)
    return total_star(x, s1, s2)


def p_helper_star_args_two_classes(x):
    s1 = Spring(x[0] ** 2 + 1.0, 0.0)
    s2 = CubicSpring(x[1] ** 2 + 1.0, 0.5)
    return total_star(x, s1, s2)


def p_helper_property(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return energy_with_scale(s, x)


def p_helper_class_attribute(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    t = CubicSpring(x[1] ** 2 + 1.0, x[0])
    return energy_with_class_attr(s, x) + energy_with_class_attr(t, x)


def p_same_helper_two_classes(x):
    a = spring_energy(Spring(x[0] ** 2 + 1.0, 0.0), x)
    b = spring_energy(CubicSpring(x[0] ** 2 + 1.0, 0.0), x)
    return a + 10.0 * b


def p_helper_isinstance(x):
    a = energy_isinstance(Spring(x[0] ** 2 + 1.0, 0.0), x)
    b = energy_isinstance(CubicSpring(x[1] ** 2 + 1.0, 0.0), x)
    return a + b


def p_helper_type_self_inside(x):
    s = CubicSpring(x[0] ** 2 + 1.0, x[1])
    return energy_of_stiffer(s, x, 3.0)


def p_model_and_data(x, X, y):
    model = Linear(x[:3], x[3])
    return mse(model, X, y)


def p_model_and_data_nested_default(x, X, y):
    model = TanhLinear(x[:3], x[3])
    return ridge_loss(model, X, y) + ridge_loss(model, X, y, lam=0.5)


# ---------------------------------------------------------------------------
# programs: helpers and factories returning objects


def p_helper_returns_object(x):
    s = make_spring(x[0] ** 2 + 1.0)
    return s.energy(x)


def p_helper_returns_object_keywords(x):
    s = make_spring(k=x[0] ** 2 + 1.0, x0=x[1])
    t = make_spring(x[2] ** 2 + 1.0, x0=-x[3])
    return s.energy(x) + t.energy(x)


def p_static_factory(x):
    s = Spring.make(x[1] ** 2 + 1.0)
    return s.energy(x)


def p_classmethod_factory(x):
    s = Spring.unit(x[0] ** 2 + 1.0)
    return s.energy(x)


def p_classmethod_factory_subclass(x):
    s = CubicSpring.unit(x[0] ** 2 + 1.0)
    return s.energy(x)


def p_classmethod_no_arguments(x):
    s = Spring.default()
    t = CubicSpring.default()
    return s.energy(x) + t.energy(x)


def p_factory_helper_calls_classmethod(x):
    s = make_cubic(x[0] ** 2 + 1.0)
    return s.energy(x)


def p_type_self_subclass(x):
    s = CubicSpring(x[0] ** 2 + 1.0, x[1])
    t = s.stiffer(2.0)
    return t.energy(x)


def p_self_class_subclass(x):
    s = CubicSpring(x[0] ** 2 + 1.0, x[1])
    t = s.shifted(x[2])
    return t.energy(x)


def p_helper_returns_tuple_of_objects(x):
    a, b = make_pair(x[0] ** 2 + 1.0, x[1] ** 2 + 1.0)
    return a.energy(x) + 2.0 * b.energy(x)


def p_helper_branch_same_class(x):
    s = choose_same_class(x)
    return s.energy(x)


def p_helper_early_return(x):
    s = make_spring_early(x[0] ** 2 + 1.0, x[1])
    return s.energy(x)


def p_helper_result_to_helper(x):
    return spring_energy(make_spring(x[0] ** 2 + 1.0, x[1]), x)


def p_helper_object_to_object(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    t = soften(s, 2.0 + x[2] ** 2)
    return t.energy(x) + s.energy(x)


def p_class_as_default_argument(x):
    s = make_with_class(x[0] ** 2 + 1.0)
    t = make_with_class(x[1] ** 2 + 1.0, cls=CubicSpring)
    return s.energy(x) + t.energy(x)


def p_from_params(x, X, y):
    model = Linear.from_params(x)
    return mse(model, X, y)


def p_from_params_subclass_via_helper(x, X, y):
    model = make_tanh_model(x)
    return mse(model, X, y)


def p_create_with_default(x, X, y):
    model = Linear.create(x[:3])
    return np.sum(model.predict(X) * y)


def p_with_w_immutable(x, X, y):
    m = TanhLinear(x[:3], x[3])
    m2 = m.with_w(m.w * 2.0).with_b(m.b - 1.0)
    return mse(m2, X, y)


def p_call_factory_result(x):
    W = np.outer(x[:2], x[2:]) + np.eye(2)
    layer = make_layer(W, x[:2])
    return np.sum(layer(x[2:]) ** 2)


def p_dataclass_factory_helper(x):
    box = make_box(x[:2], x[2:] ** 2 + 0.5)
    return box_volume(box)


def p_namedtuple_made_given_to_helper(x):
    p = Pair(x[:2] * x[2], np.cos(x[3]))
    return pair_value(p, x[2:])


def p_vector_force(x):
    s = make_spring(x[0] ** 2 + 1.0, x[1])
    return s.force(x)


def p_vector_force_subclass_factory(x):
    s = CubicSpring.unit(x[0] ** 2 + 1.0)
    t = s.shifted(x[3])
    return t.force(x) * x


# ---------------------------------------------------------------------------
# programs: state objects evolved by helpers in loops


def p_state_loop_helper(x):
    state = Particle(x[:2], x[2:])
    for _ in range(5):
        state = advance(state, 0.1, 1.3)
    return state.kinetic() + np.sum(state.q**2)


def p_state_loop_method_via_helper(x):
    state = Particle(x[:2], x[2:])
    for _ in range(4):
        state = advance_method(state, 0.1, 1.1)
    return state.kinetic() + np.sum(state.q**2)


def p_state_loop_self_class(x):
    state = Particle(x[:2], x[2:])
    for _ in range(4):
        state = advance_class(state, 0.2, 0.9)
    return state.kinetic() + np.sum(np.sin(state.q))


def p_state_while_break(x):
    state = Particle(x[:2], x[2:])
    n = 0
    while True:
        state = advance(state, 0.1, 1.3)
        n += 1
        if n >= 3 and state.kinetic() < 10.0:
            break
        if n > 8:
            break
    return state.kinetic() + np.sum(state.q)


def p_state_for_break_on_data(x):
    state = Particle(x[:2], x[2:])
    for _ in range(10):
        state = advance(state, 0.15, 1.2)
        if np.sum(state.q) > 1.4:
            break
    return np.sum(state.q**2) + state.kinetic()


def p_state_nested_loops(x):
    state = Particle(x[:2], x[2:])
    for _ in range(2):
        for _ in range(3):
            state = advance_method(state, 0.05, 1.5)
        state = advance(state, 0.1, 0.5)
    return state.kinetic() + np.sum(state.q**2)


def p_sgd_training_subclass(x, X, y):
    model = TanhLinear.from_params(x)
    for _ in range(3):
        model = sgd_step(model, X, y, 0.05)
    return mse(model, X, y)


def p_adam_state(x):
    opt = Adam(np.zeros(4), np.zeros(4))
    w = x
    for _ in range(3):
        g = 2.0 * w + np.sin(w)
        opt = adam_step(opt, g)
        w = w - opt.lr * opt.m / (np.sqrt(opt.v) + 1e-3)
    return np.sum(w**2)


def p_namedtuple_replace_loop(x):
    p = Pair(x[:2], x[2])
    for _ in range(3):
        p = pair_step(p, 0.9)
    return pair_value(p, x[2:])


def p_chain_objects_list_from_helper(x):
    springs = make_chain(x[:3] ** 2 + 0.5)
    return total_energy(springs, x)


def p_chain_subclass_list_from_helper(x):
    springs = make_chain_cls(x[:3] ** 2 + 0.5)
    e = total_energy(springs, x)
    return e + springs[0].energy(x)


# ---------------------------------------------------------------------------
# programs with the other module's classes and helpers


def p_lib_helper_given_lib_object(x):
    osc = Oscillator(x[0] ** 2 + 1.0, 0.1)
    return lib.oscillator_energy(osc, x[:2], x[2:])


def p_lib_helper_default_and_keyword(x):
    osc = StiffOscillator(x[0] ** 2 + 1.0, 0.1)
    return lib.scaled_potential(osc, x[2:]) + lib.scaled_potential(osc, x[:2], scale=x[3])


def p_lib_factory(x):
    osc = lib.make_oscillator(x[0] ** 2 + 1.0)
    return osc.potential(x[1:])


def p_lib_factory_classmethod_subclass(x):
    osc = lib.make_stiff(x[0] ** 2 + 1.0, damping=x[1])
    return osc.potential(x[1:]) + np.sum(osc.force(x[2:], x[:2]))


def p_lib_from_params_detuned(x):
    osc = StiffOscillator.from_params(x[:2]).detuned(1.5)
    return osc.potential(x[2:])


def p_lib_state_loop(x):
    osc = StiffOscillator(1.2, x[0] ** 2)
    state = PhaseState(x[:2], x[2:])
    for _ in range(4):
        state = lib.advance_state(state, osc, 0.1)
    return state.kinetic() + osc.potential(state.q)


def p_lib_leapfrog_tuple(x):
    osc = lib.make_oscillator(1.0 + x[0] ** 2, damping=0.05)
    q, p = x[:2], x[2:]
    for _ in range(3):
        q, p = lib.leapfrog(osc, q, p, 0.1)
    return lib.oscillator_energy(osc, q, p)


def p_lib_affine_dataclass(x, X, y):
    W = np.reshape(x[:4], (2, 2))
    layer = Affine.create(W, x[4:6])
    return lib.affine_loss(layer, X, y)


def p_lib_namedtuple_factory(x, data):
    g = lib.make_gaussian(x[:2], 0.3 * x[2:])
    return lib.gaussian_nll(g, data)


# ---------------------------------------------------------------------------
# programs a refusal is expected or possible for


def p_helper_choose_class_by_flag(x, flag):
    s = choose_by_flag(x, flag)
    return s.energy(x)


def p_chained_on_helper_result(x):
    return make_spring(x[0] ** 2 + 1.0, x[1]).energy(x)


def p_chained_on_classmethod(x):
    return CubicSpring.unit(x[0] ** 2 + 1.0).energy(x)


def p_chained_on_lib_factory(x):
    return lib.make_oscillator(x[0] ** 2 + 1.0).potential(x)


def p_object_holding_objects_from_helper(x):
    W1 = np.reshape(x[:4], (2, 2))
    model = build_chain_model(W1, x[4:6], np.eye(2), np.zeros(2))
    return np.sum(model(x[6:]) ** 2)


def p_helper_assigns_attribute(x):
    s = Spring(x[0] ** 2 + 1.0, 0.0)
    return mutate_and_energy(s, x)


def mutate_and_energy(s, x):
    s.k = s.k * 2.0
    return s.energy(x)


def p_class_given_to_helper(x):
    s = make_with_class(x[0] ** 2 + 1.0, CubicSpring)
    return s.energy(x)


def p_tuple_of_objects_by_index(x):
    pair = make_pair(x[0] ** 2 + 1.0, x[1] ** 2 + 1.0)
    return pair[0].energy(x) + pair[1].energy(x)


# ---------------------------------------------------------------------------
# classes and helpers changed between two calls (each test changes its own ones)


class MutSpring:
    def __init__(self, k, x0):
        self.k = k
        self.x0 = x0

    def energy(self, x):
        return 0.5 * self.k * np.sum((x - self.x0) ** 2)

    @classmethod
    def unit(cls, k):
        return cls(k, 1.0)

    @staticmethod
    def make(k):
        return MutSpring(k, 0.5)


class MutCubic(MutSpring):
    pass


def _alt_energy(self, x):
    return self.k * np.sum(np.sin(x - self.x0))


def _alt_unit(cls, k):
    return cls(2.0 * k, -1.0)


def _alt_make(k):
    return MutSpring(k * k, 0.0)


def _alt_init(self, k, x0):
    self.k = 3.0 * k
    self.x0 = x0


def _cubic_energy(self, x):
    return 0.5 * self.k * np.sum((x - self.x0) ** 4)


def mut_energy(s, x):
    return s.energy(x)


def p_change_method(x):
    s = MutSpring(x[0] ** 2 + 1.0, x[1])
    return mut_energy(s, x)


def p_change_classmethod(x):
    s = MutSpring.unit(x[0] ** 2 + 1.0)
    return mut_energy(s, x)


def p_change_subclass_override(x):
    s = MutCubic.unit(x[0] ** 2 + 1.0)
    return mut_energy(s, x)


def p_change_staticmethod(x):
    s = MutSpring.make(x[0] + 2.0)
    return s.energy(x)


def p_change_init(x):
    s = make_mut(x[0] ** 2 + 1.0)
    return s.energy(x)


def make_mut(k):
    return MutSpring(k, 0.0)


HELPER_SCALE = 2.0


def scaled_mut_energy(s, x):
    return HELPER_SCALE * s.energy(x)


def p_change_helper_global(x):
    s = MutSpring(x[0] ** 2 + 1.0, x[1])
    return scaled_mut_energy(s, x)


def energy_helper(s, x):
    return s.energy(x)


def _alt_energy_helper(s, x):
    return s.energy(x) ** 2 + s.k


def p_change_helper_name(x):
    s = MutSpring(x[0] ** 2 + 1.0, x[1])
    return energy_helper(s, x)


def outer_helper(s, x):
    return 1.0 + inner_helper(s, x)


def inner_helper(s, x):
    return s.energy(x)


def _alt_inner_helper(s, x):
    return s.energy(x) * s.k


def p_change_inner_helper(x):
    s = MutSpring(x[0] ** 2 + 1.0, x[1])
    return outer_helper(s, x)


FACTORY_CLASS = MutSpring


def make_current(k):
    return FACTORY_CLASS(k, 0.0)


def p_change_factory_class_global(x):
    s = make_current(x[0] ** 2 + 1.0)
    return s.energy(x)


def make_mut_default(k, x0=0.0):
    return MutSpring(k, x0)


def p_change_helper_default(x):
    s = make_mut_default(x[0] ** 2 + 1.0)
    return s.energy(x)


def make_mut_factory(k):
    return MutSpring(k, 0.0)


def _alt_make_mut_factory(k):
    return CubicSpring(k, 1.0)


def p_change_factory_helper_name(x):
    s = make_mut_factory(x[0] ** 2 + 1.0)
    return s.energy(x)


# ---------------------------------------------------------------------------
# more attacks: class resolution, name capture, template methods


class DoubledSpring(Spring):
    def __init__(self, k, x0):
        self.k = 2.0 * k
        self.x0 = x0


class SuperUnitSpring(Spring):
    @classmethod
    def unit(cls, k):
        return super().unit(3.0 * k)


class TemplateSpring(Spring):
    def total(self, x):
        return self.energy(x) + 0.5 * np.sum(self.force(x) ** 2)


class TemplateCubic(TemplateSpring):
    def energy(self, x):
        return np.sum(np.cosh(x - self.x0)) * self.k


class PropertyCubic(CubicSpring):
    @property
    def scale(self):
        return self.k**2


class Duck:
    """Not an Oscillator, but quacks like one for lib.oscillator_energy."""

    def __init__(self, a):
        self.a = a

    def potential(self, q):
        return self.a * np.sum(np.cos(q))


def energy_rebinds_param_class(s, x):
    s = CubicSpring(s.k, s.x0)
    return s.energy(x)


def swap_energy(a, b, x):
    s = b
    e = a.energy(x)
    return e + 2.0 * s.energy(x)


def first_above(springs, x, level):
    for s in springs:
        if s.k > level:
            return s
    return springs[-1]


def helper_total(s, x):
    return s.total(x)


def step_with_value(state, dt):
    new = Particle(state.q + dt * state.p, state.p - dt * state.q)
    return new, new.kinetic()


def make_by_keywords(k, x0):
    return Spring(x0=x0, k=k)


def apply_to(model, s, x):
    return model.predict(s.force(x)[:3][None, :])[0]


def unit_via_instance(s, k):
    return s.unit(k)


def p_type_self_init_transforms(x):
    s = DoubledSpring(x[0] ** 2 + 1.0, x[1])
    t = s.stiffer(1.5)
    return spring_energy(t, x)


def p_super_in_classmethod_factory(x):
    s = SuperUnitSpring.unit(x[0] ** 2 + 1.0)
    return spring_energy(s, x) + s.k


def p_static_factory_through_subclass(x):
    s = CubicSpring.make(x[0] ** 2 + 1.0)
    return s.energy(x)


def p_classmethod_through_instance(x):
    c = CubicSpring(1.0, 0.0)
    s = unit_via_instance(c, x[0] ** 2 + 1.0)
    return s.energy(x)


def p_template_method_via_helper(x):
    a = helper_total(TemplateSpring(x[0] ** 2 + 1.0, x[1]), x)
    b = helper_total(TemplateCubic(x[1] ** 2 + 1.0, x[0]), x)
    return a + b


def p_property_overridden_via_helper(x):
    a = energy_with_scale(CubicSpring(x[0] ** 2 + 1.0, x[1]), x)
    b = energy_with_scale(PropertyCubic(x[0] ** 2 + 1.0, x[1]), x)
    return a + b


def p_lib_helper_given_duck(x):
    return lib.oscillator_energy(Duck(x[0] ** 2 + 1.0), x[1:], x[:2])


def p_helper_rebinds_parameter_class(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return energy_rebinds_param_class(s, x) + s.energy(x)


def p_name_capture_locals(x):
    s = Spring(x[0] ** 2 + 1.0, 0.0)
    e = CubicSpring(x[1] ** 2 + 1.0, 1.0)
    a = swap_energy(e, s, 2.0 * x)
    b = swap_energy(s, e, x)
    return a + 3.0 * b + s.k - e.k


def p_name_capture_argument_expression(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return spring_energy(s, np.sin(x)) + nested_energy(s, x * x)


def p_helper_returns_item_of_list(x):
    springs = [Spring(x[0] ** 2 + 0.5, 0.0), Spring(x[1] ** 2 + 0.5, 1.0)]
    s = first_above(springs, x, 0.9)
    return s.energy(x)


def p_helper_returns_object_and_value(x):
    state = Particle(x[:2], x[2:])
    total = 0.0
    for _ in range(3):
        state, ke = step_with_value(state, 0.1)
        total = total + ke
    return total + np.sum(state.q**2)


def p_helper_constructs_with_keywords(x):
    s = make_by_keywords(x[0] ** 2 + 1.0, x[1])
    return s.energy(x)


def p_two_made_objects_to_helper(x, X, y):
    model = Linear.create(w=x[:3], b=x[3])
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return apply_to(model, s, x) + mse(model, X, y)


def p_helper_keyword_object(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    return spring_energy(x=x, s=s) + energy_kw(x=x, s=s, scale=x[2])


class FrozenLayer(NamedTuple):
    w: np.ndarray
    c: float


@dataclasses.dataclass(frozen=True)
class FrozenModel:
    w: np.ndarray
    b: float

    def predict(self, X):
        return X @ self.w + self.b

    def with_w(self, w):
        return dataclasses.replace(self, w=w)

    @classmethod
    def zeros_like(cls, w):
        return cls(0.0 * w, 0.0)


def p_frozen_dataclass_replace_in_method(x, X, y):
    m = FrozenModel(x[:3], x[3])
    m = m.with_w(m.w * 1.5)
    return mse(m, X, y)


def p_frozen_dataclass_sgd(x, X, y):
    m = FrozenModel(x[:3], x[3])
    for _ in range(2):
        m = sgd_step(m, X, y, 0.1)
    return mse(m, X, y)


def layer_energy(layer, x):
    return layer.c * np.sum((x - layer.w) ** 2)


def p_namedtuple_list_to_helper(x):
    layers = [FrozenLayer(x[:2], x[2]), FrozenLayer(x[2:], x[3])]
    return sum(layer_energy(layer, x[1:3]) for layer in layers)


def _alt_unit_other_class(cls, k):
    return CubicSpring(k, 0.0)


def _alt_stiffer(self, c):
    return type(self)(self.k + c, self.x0 - 0.5)


def _alt_make_oscillator(omega, damping=0.1):
    return StiffOscillator(omega, 2.0 * damping)


def _alt_stiff_potential(self, q):
    return self.omega * np.sum(np.cosh(q))


class MutState:
    def __init__(self, q, p):
        self.q = q
        self.p = p

    def kinetic(self):
        return 0.5 * np.sum(self.p**2)


def mut_advance(state, dt):
    return MutState(state.q + dt * state.p, state.p - dt * state.q)


def _alt_mut_advance(state, dt):
    return MutState(state.q + dt * state.p, state.p - dt * np.sin(state.q))


def _alt_kinetic(self):
    return np.sum(self.p**4)


def p_change_state_loop(x):
    state = MutState(x[:2], x[2:])
    for _ in range(3):
        state = mut_advance(state, 0.1)
    return state.kinetic()


class MutLinear:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def predict(self, X):
        return X @ self.w + self.b

    @classmethod
    def from_params(cls, theta):
        return cls(theta[:-1], theta[-1])


def _alt_predict(self, X):
    return np.tanh(X @ self.w) + self.b


def p_change_model_method_via_factory(x, X, y):
    model = MutLinear.from_params(x)
    return mse(model, X, y)


def p_change_type_self(x):
    s = CubicSpring(x[0] ** 2 + 1.0, x[1])
    t = s.stiffer(2.0)
    return spring_energy(t, x)


def _alt_make_spring(k, x0=0.25):
    return CubicSpring(k, x0 + 0.5)


def _alt_scale(self):
    return self.k**1.5


def _alt_cubic_energy(self, x):
    d = x - self.x0
    return self.k * np.sum(np.sin(d) ** 2)


def _alt_oscillator_potential(self, q):
    return self.omega * np.sum(q**2) + self.damping * np.sum(q)


# ---------------------------------------------------------------------------
# still more: defaults holding objects, held objects beside made ones, values as functions

DEFAULT_SPRING = CubicSpring(1.5, 0.2)


def energy_default(x, s=DEFAULT_SPRING):
    return s.energy(x)


def energy_of(s, x):
    """Named like lib.energy_of, which calls `potential`."""
    return s.energy(x) + 1.0


def apply_fn(fn, s, x):
    return fn(s, x)


def pick(a, b, x):
    return a if x[0] > 0 else b


class SubParticle(Particle):
    def kinetic(self):
        return 0.5 * np.sum(self.p**2) + 0.1 * np.sum(self.p**4)


def p_default_object_beside_made_object(x):
    a = energy_default(x)
    b = energy_default(x, s=Spring(x[0] ** 2 + 1.0, x[1]))
    c = energy_default(x)
    return a + 2.0 * b + 3.0 * c


def p_same_helper_name_in_two_modules(x):
    a = energy_of(Spring(x[0] ** 2 + 1.0, x[1]), x)
    b = lib.energy_of(lib.make_spring_like(x[2] ** 2 + 1.0), x[1:])
    return a + b


def p_held_argument_beside_made_object(x, held):
    a = spring_energy(held, x)
    b = spring_energy(Spring(x[0] ** 2 + 1.0, x[1]), x)
    return a + 2.0 * b


def p_wrt_object_argument(s, x):
    t = soften(s, 2.0)
    u = t.stiffer(1.5)
    return u.energy(x) + spring_energy(s, x)


def p_subclass_state_self_class_while(x):
    state = SubParticle(x[:2], x[2:])
    n = 0
    while n < 6:
        state = advance_class(state, 0.1, 1.2)
        n += 1
        if state.kinetic() > 5.0:
            break
    return state.kinetic()


def p_function_given_with_object(x):
    s = CubicSpring(x[0] ** 2 + 1.0, x[1])
    return apply_fn(spring_energy, s, x) + apply_fn(nested_energy, s, x)


def p_lambda_given_object(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    energy = lambda t: t.energy(x) + t.k  # noqa: E731
    return energy(s)


def p_generator_over_helper_result(x):
    return sum(s.energy(x) for s in make_chain_cls(x[1:] ** 2 + 0.5))


def p_pick_same_class(x):
    a = Spring(x[0] ** 2 + 1.0, 0.0)
    b = Spring(x[1] ** 2 + 1.0, 1.0)
    s = pick(a, b, x)
    return s.energy(x)


def p_pick_two_classes(x):
    a = Spring(x[0] ** 2 + 1.0, 0.0)
    b = CubicSpring(x[1] ** 2 + 1.0, 1.0)
    s = pick(a, b, x)
    return s.energy(x)


def integrate_force(force, x, n):
    for _ in range(n):
        x = x + 0.1 * force(x)
    return x


def p_bound_method_of_made_object_to_helper(x):
    s = Spring(x[0] ** 2 + 1.0, x[1])
    y = integrate_force(s.force, x, 3)
    return np.sum(y**2)


def p_identity_then_type_self(x):
    t = identity(CubicSpring(x[0] ** 2 + 1.0, x[1]))
    u = t.stiffer(2.0)
    return u.energy(x)


# ---------------------------------------------------------------------------
# globals named like the library's, private names, slots, callables, static fields

GAIN = 100.0


def p_lib_classmethod_reads_lib_global(x):
    osc = lib.Damped.scaled(x[:2])
    return lib.scaled_potential(osc, x[2:]) + GAIN * 0.0 + osc.potential(x[:2])


class Private:
    def __init__(self, w):
        self.__w = w

    def __penalty(self, x):
        return np.sum((x * self.__w) ** 2)

    def value(self, x):
        return self.__penalty(x) + np.sum(self.__w)


def private_value(obj, x):
    return obj.value(x)


def p_private_names_via_helper(x):
    return private_value(Private(x[:2] ** 2), x[2:])


class Slotted:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def value(self, x):
        return self.a * np.sum(x**2) + self.b


def make_slotted(a, b):
    return Slotted(a, b)


def p_slots_via_helpers(x):
    s = make_slotted(x[0] ** 2, x[1])
    return private_value(s, x[2:])


def run_layer(layer, h):
    return layer(h)


def p_callable_object_to_helper(x):
    W = np.outer(x[:2], x[2:]) + np.eye(2)
    layer = Dense(W, x[:2])
    return np.sum(run_layer(layer, x[2:]) ** 2)


class Activated:
    def __init__(self, W, act):
        self.W = W
        self.act = act

    def forward(self, h):
        return self.act(self.W @ h)


def forward_twice(m, h):
    return m.forward(m.forward(h))


def p_function_attribute_via_helper(x):
    W = np.outer(x[:2], x[2:]) * 0.5 + np.eye(2)
    m = Activated(W, np.tanh)
    return np.sum(forward_twice(m, x[2:]))


class Integrator:
    def __init__(self, dt, n):
        self.dt = dt
        self.n = n

    def run(self, q, p):
        for _ in range(self.n):
            p = p - self.dt * np.sin(q)
            q = q + self.dt * p
        return q, p


def make_integrator(dt, n=4):
    return Integrator(dt, n)


def p_static_int_field_via_factory(x):
    integ = make_integrator(0.1 + 0.01 * x[0] ** 2, n=5)
    q, p = integ.run(x[:2], x[2:])
    return np.sum(q**2) + np.sum(p**2)


class Poly:
    def __init__(self, coeffs):
        self.coeffs = coeffs

    def __call__(self, t):
        acc = 0.0
        for c in self.coeffs:
            acc = acc * t + c
        return acc


def make_poly(x):
    return Poly([x[0], x[1], x[2]])


def p_list_attribute_via_factory(x):
    poly = make_poly(x)
    return run_layer(poly, x[3]) + np.sum(poly(x))


@dataclasses.dataclass
class Hyper:
    w: np.ndarray
    lr: float = 0.1
    steps: int = 3


def descend(h):
    w = h.w
    for _ in range(h.steps):
        w = w - h.lr * (w - np.sin(w))
    return dataclasses.replace(h, w=w)


def p_dataclass_defaults_via_helper(x):
    h = Hyper(x * 1.5)
    h = descend(h)
    return np.sum(h.w**2)


def kick(state, x):
    return Particle(state.q + 0.1 * state.p, state.p + x[:2] * x[2:])


def p_state_from_zeros_loop(x):
    state = Particle(np.zeros(2), np.zeros(2))
    for _ in range(3):
        state = kick(state, x)
    return state.kinetic() + np.sum(state.q**2)


class Inner:
    def __init__(self, a):
        self.a = a

    def value(self, x):
        return self.a * np.sum(x**2)


class Outer:
    def __init__(self, inner, c):
        self.inner = inner
        self.c = c

    def value(self, x):
        return self.c * self.inner.value(x)


def make_outer(x):
    return Outer(Inner(x[0] ** 2), x[1])


def p_outer_inner_from_helper(x):
    o = make_outer(x)
    return o.value(x)


# ---------------------------------------------------------------------------
# cls and type(self) through super(), class attributes through cls and type(s)


class WeightedSpring(Spring):
    G = 0.125

    def stiffer(self, c):
        return super().stiffer(2.0 * c)

    def energy(self, x):
        return self.k * np.sum(np.abs(x - self.x0) ** 3)

    @classmethod
    def weighted(cls, k):
        return cls(k * cls.G, 0.0)

    @classmethod
    def doubled_unit(cls, k):
        s = cls.unit(k)
        return s.stiffer(2.0)


def energy_times_type_attribute(s, x):
    return type(s).G * s.energy(x) + s.__class__.G


def energy_via_self_helper_method(s, x):
    return s.via_helper(x)


class ViaHelper(Spring):
    def via_helper(self, x):
        return spring_energy_raw(self, x) + nested_energy(self, x)


def p_super_then_type_self(x):
    s = WeightedSpring(x[0] ** 2 + 1.0, x[1])
    t = s.stiffer(1.5)
    return spring_energy(t, x)


def p_classmethod_reads_cls_attribute(x):
    s = WeightedSpring.weighted(x[0] ** 2 + 1.0)
    t = Spring.unit(x[1] ** 2 + 1.0)
    return s.energy(x) + t.energy(x) + s.k


def p_classmethod_calls_classmethod_unchained(x):
    s = WeightedSpring.doubled_unit(x[0] ** 2 + 1.0)
    return spring_energy(s, x) + s.k


def p_type_of_object_in_helper(x):
    a = energy_times_type_attribute(WeightedSpring(x[0] ** 2 + 1.0, x[1]), x)
    b = energy_times_type_attribute(Spring(x[1] ** 2 + 1.0, x[0]), x)
    return a + b


def p_static_factory_through_instance(x):
    c = CubicSpring(1.0, 0.0)
    s = c.make(x[0] ** 2 + 1.0)
    return s.energy(x)


def p_method_passes_self_to_helpers(x):
    s = ViaHelper(x[0] ** 2 + 1.0, x[1])
    return energy_via_self_helper_method(s, x)


def p_loop_reads_old_and_new_state(x):
    state = Particle(x[:2], x[2:])
    travelled = 0.0
    for _ in range(4):
        new = advance(state, 0.1, 1.3)
        travelled = travelled + np.sum((new.q - state.q) ** 2)
        state = new
    return travelled + state.kinetic()


def p_partial_of_helper_with_made_object(x):
    s = CubicSpring(x[0] ** 2 + 1.0, x[1])
    e = functools.partial(spring_energy, s)
    return e(x) + e(2.0 * x)


# ---------------------------------------------------------------------------
# objects of two classes crossing one helper


def make_mixed_pair(a, b):
    return Spring(a, 0.0), CubicSpring(b, 1.0)


def make_mixed_list(a, b):
    return [CubicSpring(a, 0.5), Spring(b, -0.5)]


def rescaled(s, c):
    return type(s)(s.k * c, s.x0)


def p_identity_two_classes(x):
    a = identity(Spring(x[0] ** 2 + 1.0, x[1]))
    b = identity(CubicSpring(x[0] ** 2 + 1.0, x[1]))
    return a.energy(x) + 10.0 * b.energy(x)


def p_helper_returns_mixed_pair(x):
    a, b = make_mixed_pair(x[0] ** 2 + 1.0, x[1] ** 2 + 1.0)
    return a.energy(x) + 10.0 * b.energy(x)


def p_helper_returns_mixed_list_unpacked(x):
    c, s = make_mixed_list(x[0] ** 2 + 1.0, x[1] ** 2 + 1.0)
    return 10.0 * c.energy(x) + s.energy(x)


def p_type_of_argument_in_helper_two_classes(x):
    a = rescaled(Spring(x[0] ** 2 + 1.0, x[1]), 2.0)
    b = rescaled(CubicSpring(x[0] ** 2 + 1.0, x[1]), 3.0)
    return a.energy(x) + 10.0 * b.energy(x)


def p_subclass_state_type_self_loop(x):
    state = SubParticle(x[:2], x[2:])
    for _ in range(4):
        state = advance_method(state, 0.1, 1.1)
    return state.kinetic()


def _alt_dense_call(self, h):
    return np.sin(self.W @ h) + self.b


def _alt_evolved(self, dt, omega):
    p = self.p - dt * omega**2 * np.sin(self.q)
    return type(self)(self.q + dt * p, p)


class Normal(NamedTuple):
    mu: float
    log_s: float

    def nll(self, d):
        z = (d - self.mu) * np.exp(-self.log_s)
        return np.sum(0.5 * z**2 + self.log_s)

    @classmethod
    def create(cls, p):
        return cls(p[0], p[1])


def normal_nll(dist, d):
    return dist.nll(d)


def p_namedtuple_method_via_helper(x):
    dist = Normal(x[0], 0.3 * x[1])
    return normal_nll(dist, x[2:])


def p_namedtuple_classmethod_factory(x):
    dist = Normal.create(x[:2] * 0.5)
    return normal_nll(dist, x[2:]) + dist.nll(x[:2])


# ---------------------------------------------------------------------------
# a run-time error inside a method of a made object: where is it located?


def p_lib_method_error(x):
    layer = Affine.create(np.ones((2, 2)), x[:2])
    return np.sum(layer(x))


def p_local_method_error(x):
    layer = make_layer(np.ones((2, 2)), x[:2])
    return np.sum(layer(x))
