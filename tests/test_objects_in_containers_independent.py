"""Tester 106 (independent; read only the README): objects of the user's own classes inside
containers, `sum` of objects, `operator.*` called on objects, and state objects rebound in loops.

Each program is a function a user would write. For each, at two random points, every API the
README lists that applies is checked against central differences of a flat function of the
float inputs (an object argument is rebuilt from a flat vector of its float fields by
`_rebuild`, written here), forward against reverse, and the primal value against the plain
call. Programs of the spec's known limits may instead be refused by a located s2s_ad error
(naming this file and a line), and so may those whose object changes class by the path taken
(a loop turning a state into another class, as the spec asks, or a class at a key set in a
branch or swapped in a loop): `limit=True`. Anything else (a wrong number, an internal error,
a refusal of a supported program) is a finding, marked as a strict xfail whose reason starts
with WRONG, INTERNAL or REFUSED wrongly.
"""

from __future__ import annotations

import copy
import functools
import operator
import os
import re
import zlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad import errors as ad_errors

THIS_FILE = os.path.basename(__file__)

# --------------------------------------------------------------------------------------------
# the user's classes
# --------------------------------------------------------------------------------------------


@dataclass
class Vec:
    a: float
    b: float

    def __add__(self, o):
        return Vec(self.a + o.a, self.b + o.b)

    def __radd__(self, o):
        # a number on the left (sum's start 0): added to both fields
        return Vec(self.a + o, self.b + o)

    def __sub__(self, o):
        return Vec(self.a - o.a, self.b - o.b)

    def __mul__(self, c):
        return Vec(self.a * c, self.b * c)

    def __rmul__(self, c):
        return Vec(c * self.a, c * self.b)

    def __truediv__(self, c):
        return Vec(self.a / c, self.b / c)

    def __neg__(self):
        return Vec(-self.a, -self.b)

    def __matmul__(self, o):
        return self.a * o.a + self.b * o.b

    def norm2(self):
        return self.a * self.a + self.b * self.b

    def scaled(self, c):
        return Vec(self.a * c, self.b * c)

    def plus(self, o):
        return Vec(self.a + o.a, self.b + o.b)


class Vec2(Vec):
    """A subclass overriding the reflected methods: Python asks it first in `Vec + Vec2`."""

    def __radd__(self, o):
        if isinstance(o, Vec):
            return Vec2(o.a + 2.0 * self.a, o.b * self.b)
        return Vec2(self.a + o, self.b - o)

    def __rmul__(self, c):
        return Vec2(c * self.a, c * c * self.b)


class Flip(Vec):
    """A subclass overriding a unary operator and a method."""

    def __neg__(self):
        return Flip(self.b, self.a)

    def norm2(self):
        return 3.0 * self.a * self.b


@dataclass
class Pair:
    left: Vec
    right: Vec


class PairNT(NamedTuple):
    left: Vec
    right: Vec


class Particle:
    def __init__(self, pos, vel, m):
        self.pos = pos
        self.vel = vel
        self.m = m

    def kinetic(self):
        return 0.5 * self.m * np.dot(self.vel, self.vel)

    def moved(self, dt):
        return Particle(self.pos + dt * self.vel, self.vel, self.m)

    def momentum(self):
        return self.m * self.vel


@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray

    def __add__(self, o):
        return Layer(self.W + o.W, self.b + o.b)

    def __sub__(self, o):
        return Layer(self.W - o.W, self.b - o.b)

    def __mul__(self, c):
        return Layer(self.W * c, self.b * c)

    def __rmul__(self, c):
        return Layer(c * self.W, c * self.b)

    def __radd__(self, o):
        return Layer(self.W + o, self.b + o)

    def apply(self, x):
        return np.tanh(self.W @ x + self.b)


class Dual:
    """A dual number: value a, derivative b."""

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a + o.a, self.b + o.b)
        return Dual(self.a + o, self.b)

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a - o.a, self.b - o.b)
        return Dual(self.a - o, self.b)

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a * o.a, self.a * o.b + self.b * o.a)
        return Dual(self.a * o, self.b * o)

    def __rmul__(self, o):
        return self * o

    def __truediv__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a / o.a, (self.b * o.a - self.a * o.b) / (o.a * o.a))
        return Dual(self.a / o, self.b / o)

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __pow__(self, n):
        return Dual(self.a**n, n * self.a ** (n - 1) * self.b)


@dataclass
class Prod:
    """`+` that multiplies: not a fieldwise sum."""

    a: float
    b: float

    def __add__(self, o):
        return Prod(self.a * o.a, self.b * o.b + self.a)

    def __radd__(self, o):
        if o == 0:
            return self
        return Prod(self.a * o, self.b * o)


@dataclass
class NonComm:
    """A non-commutative, nonlinear `+`."""

    a: float
    b: float

    def __add__(self, o):
        return NonComm(self.a + 2.0 * o.a, self.b * o.a + o.b)

    def __radd__(self, o):
        return NonComm(self.a + o, self.b - o)

    def value(self):
        return self.a * self.b + np.sin(self.a)


@dataclass
class Poly:
    """c0 + c1 t + c2 t**2, products truncated at degree 2."""

    c0: float
    c1: float
    c2: float

    def __add__(self, o):
        return Poly(self.c0 + o.c0, self.c1 + o.c1, self.c2 + o.c2)

    def __radd__(self, o):
        return Poly(self.c0 + o, self.c1, self.c2)

    def __mul__(self, o):
        return Poly(
            self.c0 * o.c0,
            self.c0 * o.c1 + self.c1 * o.c0,
            self.c0 * o.c2 + self.c1 * o.c1 + self.c2 * o.c0,
        )

    def __rmul__(self, c):
        return Poly(c * self.c0, c * self.c1, c * self.c2)

    def __call__(self, t):
        return self.c0 + self.c1 * t + self.c2 * t * t


@dataclass
class State:
    q: float
    p: float

    def __add__(self, o):
        return State(self.q + o.q, self.p + o.p)

    def __mul__(self, c):
        return State(self.q * c, self.p * c)

    def __rmul__(self, c):
        return State(c * self.q, c * self.p)

    def energy(self):
        return 0.5 * self.p**2 + 0.5 * self.q**2 + 0.1 * self.q**4

    def to_polar(self):
        return Polar(np.hypot(self.q, self.p), np.arctan2(self.p, self.q))


@dataclass
class Polar:
    r: float
    th: float

    def __add__(self, o):
        return Polar(self.r + o.r, self.th + o.th)

    def __mul__(self, c):
        return Polar(self.r * c, self.th * c)

    def __rmul__(self, c):
        return Polar(c * self.r, c * self.th)

    def energy(self):
        return 0.5 * self.r**2 + self.th

    def to_polar(self):
        return self


@dataclass
class ChainState:
    q: np.ndarray
    p: np.ndarray

    def __add__(self, o):
        return ChainState(self.q + o.q, self.p + o.p)

    def __mul__(self, c):
        return ChainState(self.q * c, self.p * c)

    def __rmul__(self, c):
        return ChainState(c * self.q, c * self.p)

    def energy(self):
        dq = np.diff(self.q)
        return 0.5 * np.sum(self.p**2) + 0.5 * np.sum(dq**2) + 0.5 * self.q[0] ** 2


class Spring:
    def __init__(self, k):
        self.k = k

    def force(self, x):
        return -self.k * x

    def energy(self, x):
        return 0.5 * self.k * x * x


class Damper:
    def __init__(self, c):
        self.c = c

    def force(self, v):
        return -self.c * v * np.abs(v)

    def energy(self, v):
        return self.c * v * v * v


@dataclass
class Cplx:
    re: float
    im: float

    def __add__(self, o):
        return Cplx(self.re + o.re, self.im + o.im)

    def __radd__(self, o):
        return Cplx(self.re + o, self.im)

    def __mul__(self, o):
        return Cplx(self.re * o.re - self.im * o.im, self.re * o.im + self.im * o.re)

    def __pow__(self, n):
        r = Cplx(1.0, 0.0)
        for _ in range(n):
            r = r * self
        return r

    def abs2(self):
        return self.re * self.re + self.im * self.im


@dataclass
class Gauss:
    mu: float
    var: float

    def __mul__(self, o):
        s = self.var + o.var
        return Gauss((self.mu * o.var + o.mu * self.var) / s, self.var * o.var / s)

    def logpdf(self, x):
        return -0.5 * (x - self.mu) ** 2 / self.var - 0.5 * np.log(2.0 * np.pi * self.var)


@dataclass
class Mat2:
    a: float
    b: float
    c: float
    d: float

    def __matmul__(self, o):
        if isinstance(o, Mat2):
            return Mat2(
                self.a * o.a + self.b * o.c,
                self.a * o.b + self.b * o.d,
                self.c * o.a + self.d * o.c,
                self.c * o.b + self.d * o.d,
            )
        return Vec(self.a * o.a + self.b * o.b, self.c * o.a + self.d * o.b)

    def __add__(self, o):
        return Mat2(self.a + o.a, self.b + o.b, self.c + o.c, self.d + o.d)

    def det(self):
        return self.a * self.d - self.b * self.c


@dataclass
class Point:
    x: float
    y: float

    def __sub__(self, o):
        return Disp(self.x - o.x, self.y - o.y)

    def __add__(self, d):
        return Point(self.x + d.dx, self.y + d.dy)


@dataclass
class Disp:
    dx: float
    dy: float

    def __add__(self, o):
        return Disp(self.dx + o.dx, self.dy + o.dy)

    def __radd__(self, o):
        return Disp(self.dx + o, self.dy + o)

    def __truediv__(self, c):
        return Disp(self.dx / c, self.dy / c)

    def __mul__(self, c):
        return Disp(self.dx * c, self.dy * c)

    def length2(self):
        return self.dx**2 + self.dy**2


class Square:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return self.w * x * x

    def g(self):
        return self.w + 1.0


class Cube:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return self.w * x * x * x

    def g(self):
        return 2.0 * self.w


# the known limits
class SlotVec:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, o):
        return SlotVec(self.a + o.a, self.b + o.b)

    def __mul__(self, c):
        return SlotVec(self.a * c, self.b * c)

    def norm2(self):
        return self.a * self.a + self.b * self.b


@dataclass
class Picky:
    a: float
    b: float

    def __add__(self, o):
        if not isinstance(o, Picky):
            return NotImplemented
        return Picky(self.a + o.a, self.b + o.b)

    def norm2(self):
        return self.a * self.a + self.b * self.b


class Bump:
    def __init__(self, w):
        self.w = w

    def __radd__(self, o):
        return Picky(o.a + self.w, o.b * self.w)


class NTState(NamedTuple):
    q: float
    p: float

    def __add__(self, o):
        return NTState(self.q + o.q, self.p + o.p)

    def __mul__(self, c):
        return NTState(self.q * c, self.p * c)

    def energy(self):
        return 0.5 * self.p**2 + 0.5 * self.q**2


@dataclass
class Acc:
    a: float
    b: float

    def __add__(self, o):
        return Acc(self.a + o.a, self.b + o.b)

    def __iadd__(self, o):
        self.a = self.a + 2.0 * o.a
        self.b = self.b + o.b
        return self

    def norm2(self):
        return self.a * self.a + self.b * self.b


@dataclass
class Tally:
    """`0 + t` is not `t`: sum's start counts."""

    a: float
    c: float

    def __add__(self, o):
        return Tally(self.a + o.a, self.c + o.c + 1.0)

    def __radd__(self, o):
        return Tally(self.a + o, self.c + 10.0)


class Money:
    rate = 1.0

    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return type(self)(self.v + o.v * o.rate / self.rate)

    def __radd__(self, o):
        return type(self)(self.v + o)

    def __mul__(self, c):
        return type(self)(self.v * c)

    def in_base(self):
        return self.v * self.rate


class Euro(Money):
    rate = 1.1


class Weights(Vec):
    """Python asks this subclass's `__rmul__` first in `Vec(...) * Weights(...)`."""

    def __rmul__(self, o):
        return Vec(o.a * self.a, o.b * self.b)


@dataclass
class Frac:
    n: float
    d: float

    def __add__(self, o):
        return Frac(self.n * o.d + o.n * self.d, self.d * o.d)

    def __radd__(self, o):
        return Frac(self.n + o * self.d, self.d)

    def __rsub__(self, o):
        return Frac(o * self.d - self.n, self.d)

    def __rtruediv__(self, o):
        return Frac(o * self.d, self.n)

    def value(self):
        return self.n / self.d


class DampedState(State):
    def energy(self):
        return 0.5 * self.p**2 + 0.5 * self.q**2 - 0.3 * self.q * self.p


class FastState(State):
    def __add__(self, o):
        return FastState(self.q + o.q, self.p + o.p)

    def energy(self):
        return 0.5 * self.p**2 + 0.5 * self.q**2 + 0.2 * self.q**4


@dataclass
class Odd:
    """Unrelated to Vec, with other `+` and `*`."""

    a: float
    b: float

    def __add__(self, o):
        return Odd(self.a * o.a, self.b + 2.0 * o.b)

    def __mul__(self, c):
        return Odd(self.a * c * c, self.b)


# --------------------------------------------------------------------------------------------
# helpers of the user's
# --------------------------------------------------------------------------------------------


def make_pts(x, y):
    return [Vec(x, y), Vec(y * y, x)]


def make_bodies(x, y):
    return {
        "sun": Particle(np.array([0.0, 0.0]), np.array([x, 0.1]), 10.0),
        "earth": Particle(np.array([1.0, y]), np.array([y, x]), 1.0),
    }


def total(vs):
    return sum(vs)


def osc_rhs(s, k):
    return State(s.p, -k * s.q - 0.1 * s.p)


def chain_rhs(s, k):
    acc = np.zeros_like(s.q)
    acc[:-1] += k * np.diff(s.q)
    acc[1:] -= k * np.diff(s.q)
    return ChainState(s.p, acc - s.q * np.array([1.0, 0.0, 0.0]))


# --------------------------------------------------------------------------------------------
# the programs
# --------------------------------------------------------------------------------------------

PROGRAMS = {}


class Prog:
    def __init__(self, f, make, wrt, out, hess, limit, xfail, hxfail):
        self.f, self.make, self.wrt, self.out = f, make, wrt, out
        self.hess, self.limit, self.xfail, self.hxfail = hess, limit, xfail, hxfail


# findings fixed since: exact now (session 45: a method called on an item, an attribute or an
# operator's result without a name first, `d["a"].norm2()`, `(ps[0] - ps[1]).norm2()`)
FIXED = {
    "p_dict_item_method",
    "p_pair_method",
    "p_two_classes_list",
    "p_list_item_iadd",
    "p_helper_list",
    "p_key_changes_class",
    "p_layer_dict_sgd",
    "i_forces_dict",
    "s_call_result_method",
    # (session 45 too: a loop over a list of objects of two classes built here runs its body
    # once per item, ssa/mixed_loops.py)
    "m_two_classes_loop",
    "w_loop_mixed_subclass",
    "w_two_unrelated_classes_loop",
    "w_neg_in_loop_mixed",
    "w_matmul_in_loop_mixed",
    # (and an operator method returning early by `isinstance`: its `if not _returned:` is
    # decided where the first test was, so one class results)
    "s_dual_numbers",
    "m_isinstance_mul",
    "o_reduce_mul_dual",  # (its Hessian: `isinstance` is passive in gradient code)
}


def reg(f, make, wrt=(0,), out="scalar", hess=True, limit=False, xfail=None, hxfail=None):
    """Register a program. `limit`: a known limit (or a refusal the spec asks for): a located
    refusal is accepted. `xfail`/`hxfail`: a finding (first order / Hessian)."""
    if f.__name__ in FIXED:
        xfail = hxfail = None
    if hxfail is None:
        hxfail = xfail  # the Hessian fails as the first order does
    PROGRAMS[f.__name__] = Prog(f, make, tuple(wrt), out, hess, limit, xfail, hxfail)


def u(r, lo=0.5, hi=1.5):
    return float(r.uniform(lo, hi))


def two(r):
    return (u(r), u(r))


def three(r):
    return (u(r), u(r), u(r))


# ---- 1. objects in containers at literal positions -----------------------------------------

R_METHOD = (
    "REFUSED wrongly: a method called on an object read from a container (or on an operator's or "
    "call's result) without first giving it a name is refused ('method `.{m}()` of a local "
    "value'); "
    "binding it to a name first works"
)


R_SUBCLASS = (
    "WRONG: in a loop, a comprehension or functools.reduce over a list holding a Vec and a Vec2 (a "
    "subclass overriding __radd__), `s + v` runs Vec.__add__ where Python runs Vec2.__radd__ "
    "first: "
    "wrong value and derivative in every API (grad both modes, value_and_grad, jvp, vjp, "
    "hessian), no error"
)
R_SLICE = (
    "REFUSED wrongly: the result of `sum` over a slice of a list of objects (`sum(xs[1:], xs[0])`, "
    "`sum(xs[::-1])`) has no known class: its method (`s.value()`) is refused ('method `.value()` "
    "of "
    "a local value')"
)


def p_dict_two_vecs(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, x)}
    r = d["a"] * 2.0 + d["b"]
    return r.norm2() + np.sin(r.a)


reg(p_dict_two_vecs, two, wrt=(0, 1))


def p_dict_item_method(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, x * x)}
    return d["a"].norm2() + d["b"].scaled(y).a


reg(p_dict_item_method, two, wrt=(0, 1), xfail=R_METHOD.format(m="norm2"))


def p_pair_matmul(x, y):
    pair = Pair(Vec(x, y), Vec(np.sin(y), x * x))
    return pair.left @ pair.right


reg(p_pair_matmul, two, wrt=(0, 1))


def p_pair_method(x, y):
    pair = Pair(Vec(x, y), Vec(y, 2.0))
    return pair.left.norm2() * pair.right.scaled(x).a


reg(p_pair_method, two, wrt=(0, 1), xfail=R_METHOD.format(m="norm2"))


def p_two_classes_list(x, y):
    items = [Spring(x), Damper(y)]
    return items[1].force(x) + items[0].energy(y) + items[0].force(y)


reg(
    p_two_classes_list,
    two,
    wrt=(0, 1),
    xfail=R_METHOD.format(m="force") + " (two classes in one list: the spec's `items[1].f(x)`)",
)


def p_list_item_iadd(x, y):
    items = [Vec(x, y), Vec(y, 1.0)]
    items[0] += Vec(x * y, 2.0)
    return items[0].norm2() + items[1].a * items[0].b


reg(
    p_list_item_iadd,
    two,
    wrt=(0, 1),
    xfail=R_METHOD.format(m="norm2")
    + " (the spec's `items[0] += Vec(...)`, then `items[0].norm2()`)",
)


def p_dict_item_iadd_loop(x, y):
    d = {"pos": Vec(x, y), "vel": Vec(y, -x)}
    for _ in range(3):
        d["pos"] += d["vel"] * 0.1
    pos = d["pos"]
    return pos.norm2()


reg(p_dict_item_iadd_loop, two, wrt=(0, 1))


def p_helper_list(x, y):
    ps = make_pts(x, y)
    return (ps[0] - ps[1]).norm2() + ps[1] @ ps[0]


reg(
    p_helper_list,
    two,
    wrt=(0, 1),
    xfail=R_METHOD.format(m="norm2") + " (`(ps[0] - ps[1]).norm2()`)",
)


def p_helper_dict_particles(x, y):
    bodies = make_bodies(x, y)
    sun, earth = bodies["sun"], bodies["earth"]
    r = earth.moved(0.1).pos - sun.moved(0.1).pos
    return sun.kinetic() + earth.kinetic() - 1.0 / np.sqrt(np.dot(r, r))


reg(p_helper_dict_particles, two, wrt=(0, 1))


def p_dict_copy(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, x * x)}
    e = dict(d)
    e["a"] = Vec(1.0, y)
    s = e["a"] + d["b"]
    return s.norm2() + d["a"] @ e["b"]


reg(p_dict_copy, two, wrt=(0, 1))


def p_dict_get(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, 2.0)}
    r = d.get("a") * 3.0 - d.get("b")
    return np.array([r.a, r.b, r.norm2()])


reg(p_dict_get, two, wrt=(0, 1), out="vector")


def p_nested_dict_list(x, y):
    c = {"vs": [Vec(x, y), Vec(y, x)], "w": Vec(1.0, x)}
    s = c["vs"][0] + c["vs"][1]
    return s @ c["w"] + c["vs"][1] @ c["vs"][1]


reg(p_nested_dict_list, two, wrt=(0, 1))


def p_key_changes_class(x, y):
    d = {"m": Square(x)}
    v = d["m"].f(y)
    d["m"] = Cube(y)
    return v + d["m"].f(x)


reg(
    p_key_changes_class,
    two,
    wrt=(0, 1),
    xfail=R_METHOD.format(m="f") + " (the class at a key changing)",
)


def p_key_changes_class_named(x, y):
    d = {"m": Square(x)}
    m = d["m"]
    v = m.f(y)
    d["m"] = Cube(y)
    m = d["m"]
    return v + m.f(x)


reg(p_key_changes_class_named, two, wrt=(0, 1))


def p_list_updated_in_loop(x, y):
    vs = [Vec(x, y), Vec(y, x)]
    for _ in range(3):
        vs[0] = vs[0] + vs[1] * 0.5
        vs[1] = vs[1] - vs[0] * 0.1
    return vs[0] @ vs[0] + vs[1].a


reg(
    p_list_updated_in_loop,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly: items of a list of Vec replaced by Vec in a loop (`vs[0] = vs[0] + "
        "vs[1] * 0.5`) are refused: 'vs holds a list of objects of Vec ... and another value "
        "after an iteration'"
    ),
)


def p_dict_updated_in_loop(x, y, n):
    d = {"s": Vec(x, y), "k": Vec(0.5, x)}
    for i in range(n):
        d["s"] = d["s"] * 0.9 + d["k"] * (i * 0.1)
    return d["s"] @ d["k"]


reg(p_dict_updated_in_loop, lambda r: (u(r), u(r), 4), wrt=(0, 1))


def p_layer_dict_sgd(W1, b1, x):
    params = {"l1": Layer(W1, b1), "l2": Layer(W1.T, b1 * 0.5)}
    grads = {"l1": Layer(W1 * W1, b1), "l2": Layer(np.ones((2, 2)), b1 * b1)}
    new = {"l1": params["l1"] - 0.1 * grads["l1"], "l2": params["l2"] - grads["l2"] * 0.1}
    h = new["l1"].apply(x)
    return np.sum(new["l2"].apply(h) ** 2)


reg(
    p_layer_dict_sgd,
    lambda r: (r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2), r.uniform(-1, 1, 2)),
    wrt=(0, 1, 2),
    xfail=R_METHOD.format(m="apply") + " (an SGD step over a dict of Layer objects)",
)


def p_layer_dict_sgd_named(W1, b1, x):
    params = {"l1": Layer(W1, b1), "l2": Layer(W1.T, b1 * 0.5)}
    grads = {"l1": Layer(W1 * W1, b1), "l2": Layer(np.ones((2, 2)), b1 * b1)}
    new = {"l1": params["l1"] - 0.1 * grads["l1"], "l2": params["l2"] - grads["l2"] * 0.1}
    l1, l2 = new["l1"], new["l2"]
    return np.sum(l2.apply(l1.apply(x)) ** 2)


reg(
    p_layer_dict_sgd_named,
    lambda r: (r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2), r.uniform(-1, 1, 2)),
    wrt=(0, 1, 2),
)


def p_vector_output_two_classes(x, y, z):
    items = [Spring(x), Damper(y), Square(z)]
    s, d, q = items
    return np.array([s.force(y), d.force(z), q.f(x) + d.energy(x)])


reg(p_vector_output_two_classes, three, wrt=(0, 1, 2), out="vector")


R_ISINSTANCE = (
    "REFUSED wrongly: an operator method dispatching on `isinstance(o, Cls)` (a Mat2 @ Mat2 gives "
    "a Mat2, Mat2 @ Vec a Vec; a Dual times a Dual or a number) is refused: "
)


def p_subclass_at_position(x, y):
    xs = [Vec(x, y), Vec(y, x)]
    xs[1] = Vec2(x, 1.0)
    s = xs[0] + xs[1]
    return s.a * s.b + s.norm2()


reg(p_subclass_at_position, two, wrt=(0, 1))


def p_weights_rmul_first(x, y):
    v = Vec(x, y) * Weights(y, 2.0)
    return v.norm2() + v.a


reg(p_weights_rmul_first, two, wrt=(0, 1))


def p_money_dict(x, y):
    wallet = {"usd": Money(x), "eur": Euro(y)}
    tot = wallet["usd"] + wallet["eur"]
    rev = wallet["eur"] + wallet["usd"]
    return tot.v * rev.v + rev.in_base()


reg(p_money_dict, two, wrt=(0, 1))


# ---- 2. sum of objects ------------------------------------------------------------------------


def s_display(x, y):
    s = sum([Vec(x, y), Vec(y, x), Vec(1.0, x * y)])
    return s.norm2()


reg(s_display, two, wrt=(0, 1))


def s_number_start(x, y):
    s = sum([Vec(x, y), Vec(y, x * x)], 1.5)
    return np.array([s.a, s.b])


reg(s_number_start, two, wrt=(0, 1), out="vector")


def s_call_result_method(x, y):
    return sum([Vec(x, y), Vec(y, 1.0)]).norm2()


reg(
    s_call_result_method,
    two,
    wrt=(0, 1),
    xfail=R_METHOD.format(m="norm2") + " (`sum([...]).norm2()`)",
)


def s_appended_unknown_length(x, y, n):
    vs = []
    for i in range(n):
        vs.append(Vec(x * i, y + i))
    s = sum(vs)
    return s.norm2()


reg(s_appended_unknown_length, lambda r: (u(r), u(r), 4), wrt=(0, 1))


def s_comprehension_unknown_length(x, y, n):
    s = sum([Vec(x**k, y * k) for k in range(n)])
    return s @ Vec(1.0, x)


reg(s_comprehension_unknown_length, lambda r: (u(r), u(r), 3), wrt=(0, 1))


def s_one_item(x, y, n):
    s = sum([Tally(x * k, y) for k in range(1, n + 1)])
    return s.a * s.c


reg(s_one_item, lambda r: (u(r), u(r), 1), wrt=(0, 1))


def s_list_argument(vs, x):
    s = sum(vs)
    return s.norm2() * x


reg(
    s_list_argument,
    lambda r: ([Vec(u(r), u(r)), Vec(u(r), u(r)), Vec(u(r), u(r))], u(r)),
    wrt=(0, 1),
)


def s_list_argument_two_classes(vs, x):
    s = sum(vs, Vec(x, 0.5))
    return s.a * s.b + x


reg(
    s_list_argument_two_classes,
    lambda r: ([Vec(u(r), u(r)), Vec2(u(r), u(r)), Vec(u(r), u(r))], u(r)),
    wrt=(0, 1),
)


def s_tuple_argument_held(vs, x):
    s = sum(vs, Vec(x, 0.0))
    return s.norm2() + np.sin(x)


reg(s_tuple_argument_held, lambda r: ((Vec(u(r), u(r)), Vec(u(r), u(r))), u(r)), wrt=(1,))


def s_generator_start(x, y):
    vs = [Vec(x, y), Vec(y, 1.0), Vec(x, x)]
    s = sum((v * 2.0 for v in vs), Vec(0.5, y))
    return s.norm2()


reg(s_generator_start, two, wrt=(0, 1))


def s_weighted_zip(x, y):
    vs = [Vec(x, y), Vec(y, 1.0), Vec(x * y, x)]
    ws = [0.5, 2.0, -1.0]
    s = sum(w * v for w, v in zip(ws, vs))  # noqa: B905
    return s.norm2()


reg(s_weighted_zip, two, wrt=(0, 1))


def s_prod_add(x, y):
    s = sum([Prod(x, y), Prod(y, 2.0), Prod(x, x)])
    return s.a + s.b * s.b


reg(s_prod_add, two, wrt=(0, 1))


def s_tally(x, y):
    s = sum([Tally(x, y), Tally(y, 1.0), Tally(x * y, x)])
    return s.a * s.c


reg(s_tally, two, wrt=(0, 1))


def s_noncomm_appended(x, y, n):
    xs = []
    for i in range(n):
        xs.append(NonComm(x + i, y * i))
    s = sum(xs)
    return s.value()


reg(s_noncomm_appended, lambda r: (u(r), u(r), 3), wrt=(0, 1))


def s_noncomm_list_arg(xs, y):
    s = sum(xs, NonComm(y, 1.0))
    r = sum(xs[::-1])
    return s.value() + r.value()


reg(
    s_noncomm_list_arg,
    lambda r: ([NonComm(u(r), u(r)), NonComm(u(r), u(r))], u(r)),
    wrt=(0, 1),
    xfail=R_SLICE,
)


def s_slice_with_first_as_start(x, y):
    xs = [NonComm(x, y), NonComm(y, 2.0), NonComm(x, 1.0)]
    s = sum(xs[1:], xs[0])
    return s.value()


reg(s_slice_with_first_as_start, two, wrt=(0, 1), xfail=R_SLICE)


def s_repeated_item(x, y):
    xs = [Tally(x, y)] * 3
    s = sum(xs)
    return s.a * s.c


reg(
    s_repeated_item,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly: `sum([Tally(x, y)] * 3)` (a list repeated by `*`) is refused when "
        "called: '`sum(…)` of objects of a class of yours that s2s_ad could not tell are objects'"
    ),
)


def s_dual_numbers(x, y):
    xs = [Dual(x, 1.0), Dual(x * x, 2.0 * x), Dual(y, 0.0)]
    s = sum(xs)
    return s.a * s.b


reg(
    s_dual_numbers,
    two,
    wrt=(0, 1),
    xfail=R_ISINSTANCE + "'recursive call of `Dual.__radd__`' (`__radd__ = __add__`)",
)


def s_poly(x, y):
    ps = [Poly(x, y, 1.0), Poly(1.0, x, y) * Poly(y, 1.0, 0.0), 2.0 * Poly(0.0, 0.0, x)]
    return sum(ps)(0.7) + sum(ps, Poly(1.0, 1.0, 1.0))(y)


reg(
    s_poly,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly: `sum(ps)(0.7)`, calling the object `sum` gives (a Poly with "
        "`__call__`), is refused as 'a function taken from a value computed in the function'"
    ),
)


def s_subclass_radd(x, y):
    xs = [Vec(x, y), Vec2(y, 2.0), Vec(1.0, x)]
    s = sum(xs)
    return s.norm2() + s.a


reg(s_subclass_radd, two, wrt=(0, 1))


def s_class_changes_on_iteration(x, y, n):
    vs = []
    for i in range(n):
        if i == 1:
            vs.append(Vec2(x, y * i))
        else:
            vs.append(Vec(x * i, y))
    s = sum(vs)
    return s.a * s.b


reg(
    s_class_changes_on_iteration,
    lambda r: (u(r), u(r), 3),
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly (beyond the spec's lists of one class): `sum(vs)` of a list appended a "
        "Vec or a Vec2 by a branch in a loop is refused when called: '`sum(…)` of objects ... "
        "could not tell are objects'"
    ),
)


def s_money(x, y):
    s = sum([Money(x), Euro(y), Money(x * y)])
    t = sum([Euro(y), Money(x)], Euro(1.0))
    return s.v * t.v + t.in_base()


reg(s_money, two, wrt=(0, 1))


def s_layers(W, b, x):
    layers = [Layer(W, b), Layer(W * W, b * 2.0), Layer(W.T, b)]
    avg = sum(layers) * (1.0 / 3.0)
    return np.sum(avg.apply(x))


reg(
    s_layers,
    lambda r: (r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2), r.uniform(-1, 1, 2)),
    wrt=(0, 1, 2),
)


def s_displacements_centroid(x, y):
    pts = [Point(x, y), Point(y, 1.0), Point(2.0, x * y)]
    o = pts[0]
    c = o + sum([p - o for p in pts], Disp(0.0, 0.0)) / 3.0
    d = c - pts[1]
    return c.x * c.y + d.length2()


reg(s_displacements_centroid, two, wrt=(0, 1))


def s_halving_list_in_loop(x, y, n):
    vs = [Vec(x, y)]
    for _ in range(n):
        vs.append(vs[-1] * 0.5 + Vec(y, 0.1))
    s = sum(vs)
    return s @ s


reg(s_halving_list_in_loop, lambda r: (u(r), u(r), 3), wrt=(0, 1))


# ---- 3. operator.* as functions -----------------------------------------------------------


def o_basic(x, y):
    a, b = Vec(x, y), Vec(y, 2.0)
    c = operator.add(a, b)
    d = operator.sub(c, operator.mul(b, x))
    e = operator.truediv(d, y)
    return operator.matmul(e, operator.neg(a)) + c.norm2()


reg(o_basic, two, wrt=(0, 1))


def o_pow_dual(x, y):
    d = operator.pow(Dual(x, 1.0), 3)
    e = operator.truediv(d, Dual(y, 0.0))
    return e.b + operator.neg(e).a


reg(o_pow_dual, two, wrt=(0, 1))


def o_reduce_add(x, y):
    vs = [Vec(x, y), Vec(y, x), Vec(x * y, 1.0)]
    s = functools.reduce(operator.add, vs)
    return s.norm2()


reg(o_reduce_add, two, wrt=(0, 1))


def o_reduce_mul_dual(x, y):
    ds = [Dual(x, 1.0), Dual(y, 0.0), Dual(x, 1.0), Dual(2.0, 0.0)]
    p = functools.reduce(operator.mul, ds)
    return p.b


reg(
    o_reduce_mul_dual,
    two,
    wrt=(0, 1),
    hxfail=(
        "REFUSED wrongly: hessian only (first order exact): 'no derivative rule for `isinstance`, "
        "which is applied to a differentiated value' in `Dual.__mul__`"
    ),
)


def o_reduce_gauss_fusion(m1, m2, m3):
    gs = [Gauss(m1, 0.5), Gauss(m2, 1.0), Gauss(m3, m1 * m1)]
    post = functools.reduce(operator.mul, gs)
    return post.logpdf(0.3)


reg(o_reduce_gauss_fusion, three, wrt=(0, 1, 2))


def o_reduce_matmul(x, y):
    ms = [Mat2(x, 1.0, 0.0, y), Mat2(1.0, y, x, 1.0), Mat2(y, 0.0, 1.0, x)]
    m = functools.reduce(operator.matmul, ms)
    return m.det() + m.a


reg(
    o_reduce_matmul,
    two,
    wrt=(0, 1),
    xfail=R_ISINSTANCE
    + "'`_acc` holds an object of `Mat2` ... and another value after an iteration'",
)


def o_reduce_tally(x, y):
    xs = [Tally(x, y), Tally(y, 1.5), Tally(x, 2.0)]
    s = functools.reduce(operator.add, xs)
    t = functools.reduce(operator.add, xs, 0.0)
    return s.a * s.c + t.c * t.a


reg(
    o_reduce_tally,
    two,
    wrt=(0, 1),
    xfail=(
        "INTERNAL: `functools.reduce(operator.add, objs, 0.0)` (a number as initializer): every "
        "API fails with an EvaluationError from Tally.__radd__ run with a float as `self` "
        "(AttributeError: 'float' object has no attribute 'a'), saying the plain call raises it "
        "too: it does not"
    ),
)


def o_weights_and_money(x, y):
    v = operator.mul(Vec(x, y), Weights(y, 3.0))
    m = operator.add(Euro(x), Money(y))
    return v @ v + m.v


reg(o_weights_and_money, two, wrt=(0, 1))


# ---- 4. state objects given as arguments, rebound in loops -----------------------------------


def i_euler(s, k, n):
    dt = 0.05
    for _ in range(n):
        s = s + dt * osc_rhs(s, k)
    return s.energy()


reg(i_euler, lambda r: (State(u(r), u(r)), u(r), 6), wrt=(0, 1))


def i_euler_state_held(s, k, n):
    dt = 0.05
    for _ in range(n):
        s = s + dt * osc_rhs(s, k)
    return s.energy()


reg(i_euler_state_held, lambda r: (State(u(r), u(r)), u(r), 5), wrt=(1,))


def i_rk4(s, k, n):
    dt = 0.1
    for _ in range(n):
        k1 = osc_rhs(s, k)
        k2 = osc_rhs(s + k1 * (dt / 2.0), k)
        k3 = osc_rhs(s + k2 * (dt / 2.0), k)
        k4 = osc_rhs(s + k3 * dt, k)
        s = s + (k1 + 2.0 * k2 + 2.0 * k3 + k4) * (dt / 6.0)
    return s.energy()


reg(i_rk4, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1))


def i_rk_weights_sum(s, k, n):
    dt = 0.1
    for _ in range(n):
        k1 = osc_rhs(s, k)
        k2 = osc_rhs(s + k1 * dt, k)
        s = s + sum([w * kk for w, kk in zip([0.5, 0.5], [k1, k2])], State(0.0, 0.0)) * dt  # noqa: B905
    return s.energy()


reg(i_rk_weights_sum, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1))


def i_augmented(s, k, n):
    for _ in range(n):
        s += 0.05 * osc_rhs(s, k)
    return s.energy()


reg(i_augmented, lambda r: (State(u(r), u(r)), u(r), 4), wrt=(0, 1))


def i_trajectory_sum(s, k, n):
    traj = [s]
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
        traj.append(s)
    return sum(st.energy() for st in traj) / len(traj)


reg(
    i_trajectory_sum,
    lambda r: (State(u(r), u(r)), u(r), 4),
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly: a trajectory list `[s]` of a State argument, appended the rebound state "
        "in the loop, then `sum(st.energy() for st in traj)`: 'method `.energy()` of a local "
        "value' (the items of a list are known only where the function makes them)"
    ),
)


def i_chain_arrays(s, k, n):
    for _ in range(n):
        s = s + 0.05 * chain_rhs(s, k)
    return s.energy()


reg(
    i_chain_arrays,
    lambda r: (ChainState(r.uniform(-1, 1, 3), r.uniform(-1, 1, 3)), u(r), 4),
    wrt=(0, 1),
)


def i_forces_dict(s, k, c, n):
    forces = {"spring": Spring(k), "drag": Damper(c)}
    for _ in range(n):
        acc = forces["spring"].force(s.q) + forces["drag"].force(s.p)
        s = s + 0.1 * State(s.p, acc)
    return s.energy()


reg(
    i_forces_dict,
    lambda r: (State(u(r), u(r)), u(r), u(r), 4),
    wrt=(0, 1, 2),
    xfail=R_METHOD.format(m="force") + " (a dict of two force classes in an integrator)",
)


def i_leapfrog_particle(p, dt, n):
    for _ in range(n):
        p = Particle(p.pos + dt * p.vel, p.vel - dt * p.pos, p.m)
    return p.kinetic() + 0.5 * np.dot(p.pos, p.pos)


reg(
    i_leapfrog_particle,
    lambda r: (Particle(r.uniform(-1, 1, 2), r.uniform(-1, 1, 2), u(r)), u(r, 0.05, 0.2), 4),
    wrt=(0, 1),
)


def i_vector_output(s, k, n):
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
    return np.array([s.q, s.p, s.energy()])


reg(i_vector_output, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1), out="vector")


def i_class_change_in_loop(s, n):
    for _ in range(n):
        s = s.to_polar()
        s = s * 0.9
    return s.energy()


reg(i_class_change_in_loop, lambda r: (State(u(r), u(r)), 3), wrt=(0,), limit=True)


def i_class_change_on_iteration(s, k, n):
    for i in range(n):
        s = s * k
        if i == 1:
            s = s.to_polar()
    return s.energy()


reg(i_class_change_on_iteration, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1), limit=True)


def i_class_change_to_subclass(s, k, n):
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
        s = DampedState(s.q, s.p)
    return s.energy()


reg(i_class_change_to_subclass, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1), limit=True)


def i_class_change_not_taken(s, k, n):
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
        if s.q > 100.0:
            s = s.to_polar()
    return s.energy()


reg(i_class_change_not_taken, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1), limit=True)


def i_class_change_after_loop(s, k, n):
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
    s = s.to_polar()
    return s.energy()


reg(i_class_change_after_loop, lambda r: (State(u(r), u(r)), u(r), 3), wrt=(0, 1))


def i_dict_of_states(k, x, n):
    d = {"a": State(x, 0.0), "b": State(0.0, x)}
    for _ in range(n):
        d["a"] = d["a"] + 0.1 * osc_rhs(d["a"], k)
        d["b"] = d["b"] + 0.1 * osc_rhs(d["b"], k)
    a, b = d["a"], d["b"]
    return a.energy() * b.energy()


reg(i_dict_of_states, lambda r: (u(r), u(r), 3), wrt=(0, 1))


# ---- realistic mixtures ------------------------------------------------------------------------


def m_subclass_radd(x, y):
    v = Vec(x, y) + Vec2(y, 3.0)
    w = 1.5 + Vec2(x, y)
    return v.a * v.b + w.norm2()


reg(m_subclass_radd, two, wrt=(0, 1))


def m_continued_fraction(x, y):
    f = 1.0 / (1.0 + 1.0 / (2.0 - Frac(x, y)))
    return f.value()


reg(m_continued_fraction, two, wrt=(0, 1))


def m_particles_dict_arg(parts, g):
    e = parts["a"].kinetic() + parts["b"].kinetic()
    r = parts["a"].pos - parts["b"].pos
    return e - g * parts["a"].m * parts["b"].m / np.sqrt(np.dot(r, r))


reg(
    m_particles_dict_arg,
    lambda r: (
        {
            "a": Particle(r.uniform(-1, 1, 2), r.uniform(-1, 1, 2), u(r)),
            "b": Particle(r.uniform(2, 3, 2), r.uniform(-1, 1, 2), u(r)),
        },
        u(r),
    ),
    wrt=(0, 1),
)


def m_layers_list_arg_sgd(layers, x):
    grads = [Layer(np.ones_like(ly.W), ly.b) for ly in layers]
    new = [layers[0] - 0.1 * grads[0], layers[1] - 0.1 * grads[1]]
    return np.sum(new[1].apply(new[0].apply(x)) ** 2)


reg(
    m_layers_list_arg_sgd,
    lambda r: (
        [
            Layer(r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2)),
            Layer(r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2)),
        ],
        r.uniform(-1, 1, 2),
    ),
    wrt=(0, 1),
)


def m_zip_layers_sgd(W, b, x):
    layers = [Layer(W, b), Layer(W.T, b * 2.0)]
    grads = [Layer(W * 2.0, b), Layer(np.eye(2), b * b)]
    new = [ly - 0.1 * g for ly, g in zip(layers, grads)]  # noqa: B905
    h = x
    for ly in new:
        h = ly.apply(h)
    return np.sum(h)


reg(
    m_zip_layers_sgd,
    lambda r: (r.uniform(-1, 1, (2, 2)), r.uniform(-1, 1, 2), r.uniform(-1, 1, 2)),
    wrt=(0, 1, 2),
)


def m_isinstance_mul(x, y):
    a = Dual(x, y)
    b = a * 2.0 + a * a - 1.0
    return b.a * b.b


reg(
    m_isinstance_mul,
    two,
    wrt=(0, 1),
    xfail=R_ISINSTANCE + "'recursive call of `Dual.__mul__`' (`a * a`)",
)


def m_accumulate_dict_literal_keys(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, 2.0), "c": Vec(x * x, 1.0)}
    acc = Vec(0.0, 0.0)
    for k in ("a", "b", "c"):
        acc = acc + d[k] * 0.5
    return acc.norm2()


reg(
    m_accumulate_dict_literal_keys,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly: `for k in ('a', 'b', 'c'): acc = acc + d[k] * 0.5` over a dict of Vec "
        "made here: EvaluationError from the derivative code (TypeError: unsupported operand "
        "type(s) for *: 'DerivativeRecord' and 'float') blaming the user's line, while the plain "
        "call works"
    ),
)


def m_two_classes_loop(x, y):
    items = [Square(x), Cube(y)]
    tot = 0.0
    for it in items:
        tot = tot + it.f(x * y)
    return tot


reg(
    m_two_classes_loop,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly (the README documents it; beyond the spec's literal positions): `for it "
        "in [Square(x), Cube(y)]: tot = tot + it.f(x * y)`: 'method `.f()` of a local value'"
    ),
)


# ---- adversarial: subclasses and classes changing in containers ------------------------------


def w_loop_mixed_subclass(x, y):
    forces = [Vec(x, y), Vec2(y, 2.0), Vec(x, 1.0)]
    s = Vec(0.0, 0.0)
    for f in forces:
        s = s + f
    return s.a * s.b


reg(w_loop_mixed_subclass, two, wrt=(0, 1), xfail=R_SUBCLASS)


def w_first_then_rest(x, y):
    xs = [Vec(x, y), Vec2(y, 2.0)]
    s = xs[0]
    for v in xs[1:]:
        s = s + v
    return s.a * s.b


reg(w_first_then_rest, two, wrt=(0, 1), xfail=R_SUBCLASS)


def w_reduce_mixed_subclass(x, y):
    xs = [Vec(x, y), Vec2(y, 2.0), Vec(1.0, x)]
    s = functools.reduce(operator.add, xs)
    t = functools.reduce(operator.add, xs, Vec(1.0, 1.0))
    return s.a * s.b + t.a * t.b


reg(w_reduce_mixed_subclass, two, wrt=(0, 1), xfail=R_SUBCLASS)


def w_zip_comprehension_mixed(x, y):
    xs = [Vec(x, y), Vec(y, 1.0)]
    ys = [Vec2(1.0, x), Vec(x, x)]
    zs = [a + b for a, b in zip(xs, ys)]  # noqa: B905
    first = zs[0]
    return first.a * first.b + zs[1].a


reg(w_zip_comprehension_mixed, two, wrt=(0, 1), xfail=R_SUBCLASS)


def w_two_unrelated_classes_loop(x, y):
    xs = [Vec(x, y), Odd(y, 2.0)]
    tot = 0.0
    for v in xs:
        w = v * 2.0
        tot = tot + w.a * w.b
    return tot


reg(
    w_two_unrelated_classes_loop,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly (beyond the spec's literal positions): `for v in [Vec(x, y), Odd(y, "
        "2.0)]: w = v * 2.0` fails in every API with an EvaluationError (TypeError: unsupported "
        "operand type(s) for *: 'DerivativeRecord' and 'float') blaming the user's line; the "
        "plain call works"
    ),
)


def w_neg_in_loop_mixed(x, y):
    tot = 0.0
    for v in [Vec(x, y), Flip(y, 2.0)]:
        n = -v
        tot = tot + n.a * n.b
    return tot


reg(
    w_neg_in_loop_mixed,
    two,
    wrt=(0, 1),
    xfail=(
        "WRONG: `for v in [Vec(x, y), Flip(y, 2.0)]: n = -v` (Flip a Vec subclass overriding "
        "__neg__ to swap the fields): the value is right but the derivative is Vec.__neg__'s for "
        "both items, in every API (df/dy 0.28 where 2.83 is right)"
    ),
    hxfail=False,
)


def w_matmul_in_loop_mixed(x, y):
    vs = [Vec(x, y)]
    vs.append(Flip(y, 2.0))
    tot = 0.0
    for v in vs:
        tot = tot + v @ v
    return tot


reg(
    w_matmul_in_loop_mixed,
    two,
    wrt=(0, 1),
    xfail=(
        "INTERNAL: `for v in vs: tot = tot + v @ v` over `vs = [Vec(x, y)]` appended a "
        "`Flip(y, 2.0)` (a Vec subclass): NumPy's AxisError/ValueError from rt.matmul_vjp_left "
        "and the tangent code (jvp: TypeError on a DerivativeRecord), as EvaluationErrors at the "
        "user's line; the plain call works"
    ),
)


def w_reduce_mul_weights(x, y):
    s = functools.reduce(operator.mul, [Vec(x, y), Weights(y, 2.0)])
    return s.a * s.b


reg(
    w_reduce_mul_weights,
    two,
    wrt=(0, 1),
    xfail=(
        "INTERNAL: `functools.reduce(operator.mul, [Vec(x, y), Weights(y, 2.0)])` (Weights a Vec "
        "subclass overriding __rmul__, which Python calls first): every API runs Vec.__mul__ with "
        "the Weights object and fails with an EvaluationError (AttributeError: 'float' object has "
        "no attribute 'a') saying the plain call raises it too: it does not"
    ),
)


def w_alias_dict_class_change(x, y):
    d = {"m": Square(x)}
    e = d
    e["m"] = Cube(y)
    m = d["m"]
    return m.f(x)


reg(w_alias_dict_class_change, two, wrt=(0, 1))


def w_branch_class_at_key(x, y):
    d = {"m": Square(x)}
    if x > 1.0:
        d["m"] = Cube(y)
    m = d["m"]
    return m.f(x)


reg(w_branch_class_at_key, two, wrt=(0, 1), limit=True)


def w_swap_in_loop(x, y, n):
    items = [Square(x), Cube(y)]
    for _ in range(n):
        items[0], items[1] = items[1], items[0]
    a = items[0]
    return a.f(x)


reg(w_swap_in_loop, lambda r: (u(r), u(r), 3), wrt=(0, 1), limit=True)


def w_pop_then_literal(x, y):
    items = [Square(x), Cube(y)]
    first = items.pop(0)
    rest = items[0]
    return rest.f(x) + first.f(y)


reg(
    w_pop_then_literal,
    two,
    wrt=(0, 1),
    xfail=(
        "REFUSED wrongly: `first = items.pop(0); rest = items[0]; rest.f(x)` of `items = "
        "[Square(x), Cube(y)]`: 'method `.f()` of a local value'"
    ),
)


def w_subclass_state_argument(s, k, n):
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
    return s.energy()


reg(w_subclass_state_argument, lambda r: (DampedState(u(r), u(r)), u(r), 3), wrt=(0, 1), limit=True)


_TOGGLE = [0]


def _state_or_fast(r):
    _TOGGLE[0] += 1
    cls = FastState if _TOGGLE[0] % 2 else State
    return (cls(u(r), u(r)), u(r), 3)


def w_state_class_alternates(s, k, n):
    for _ in range(n):
        s = s + 0.1 * osc_rhs(s, k)
    return s.energy()


reg(w_state_class_alternates, _state_or_fast, wrt=(0, 1))


# ---- known limits (a located refusal is acceptable, a wrong number never) -------------------


def k_loop_list_of_dicts(x, y):
    rows = [{"v": Vec(x, y)}, {"v": Vec(y, 1.0)}]
    acc = Vec(0.0, 0.0)
    for r in rows:
        acc = acc + r["v"] * 2.0
    return acc.norm2()


reg(k_loop_list_of_dicts, two, wrt=(0, 1), limit=True)


def k_items_loop(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, 2.0)}
    acc = Vec(0.0, 0.0)
    for k, v in d.items():  # noqa: B007
        acc = acc + v * 2.0
    return acc.norm2()


reg(k_items_loop, two, wrt=(0, 1), limit=True)


def k_slots(x, y):
    v = SlotVec(x, y) + SlotVec(y, 1.0) * 2.0
    return v.norm2()


reg(k_slots, two, wrt=(0, 1), limit=True)


def k_not_implemented(x, y):
    v = Picky(x, y) + Bump(y) + Picky(y, 1.0)
    return v.norm2()


reg(k_not_implemented, two, wrt=(0, 1), limit=True)


def k_namedtuple_arg_add(s, k):
    for _ in range(3):
        s = s + NTState(s.p, -k * s.q) * 0.1
    return s.energy()


reg(k_namedtuple_arg_add, lambda r: (NTState(u(r), u(r)), u(r)), wrt=(0, 1), limit=True)


def k_iadd_defined(x, y):
    a = Acc(x, y)
    a += Acc(y, 1.0)
    return a.norm2()


reg(k_iadd_defined, two, wrt=(0, 1), limit=True)


# --------------------------------------------------------------------------------------------
# the harness: flattening of structures, central differences, the checks
# --------------------------------------------------------------------------------------------


def _is_float_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _children(t):
    """(key, child, getter) of a structure `t`, or None for a leaf."""
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        return [(f, getattr(t, f)) for f in t._fields], "attr"
    if isinstance(t, (list, tuple)):
        return list(enumerate(t)), "item"
    if isinstance(t, dict):
        return list(t.items()), "item"
    if type(t).__module__ == __name__ and hasattr(t, "__dict__"):
        return list(vars(t).items()), "attr"
    return None, None


def _get(v, key, how):
    if v is None:
        return None
    if how == "attr":
        return getattr(v, key, None)
    if isinstance(v, dict):
        return v.get(key)
    return v[key]


def _leaves(template, value, out, block=None):
    """The float leaves of `value`, walked in the order of `template` (None: zeros). `block`:
    the leading shape of a Jacobian's blocks (None: `value` is built like `template`)."""
    if _is_float_leaf(template):
        want = np.shape(template) if block is None else tuple(block) + np.shape(template)
        if value is None:
            out.append(np.zeros(want))
        else:
            assert np.shape(value) == want, f"a leaf of shape {np.shape(value)} where {want} is due"
            out.append(np.asarray(value, dtype=float))
        return out
    kids, how = _children(template)
    if kids is None:
        return out
    for key, child in kids:
        _leaves(child, _get(value, key, how), out, block)
    return out


def _leaf_templates(template, out):
    if _is_float_leaf(template):
        out.append(template)
        return out
    kids, _ = _children(template)
    for _, child in kids or ():
        _leaf_templates(child, out)
    return out


def flatten(template, value):
    parts = _leaves(template, value, [])
    return np.concatenate([np.ravel(p) for p in parts]) if parts else np.zeros(0)


def _rebuild(template, it):
    """`template` with its float leaves taken from the iterator of flat numbers `it`."""
    if _is_float_leaf(template):
        n = int(np.size(template))
        vals = np.array([next(it) for _ in range(n)])
        if isinstance(template, np.ndarray):
            return vals.reshape(template.shape).astype(template.dtype)
        if isinstance(template, np.floating):
            return type(template)(vals[0])
        return float(vals[0])
    kids, _ = _children(template)
    if kids is None:
        return template
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return type(template)(*[_rebuild(c, it) for _, c in kids])
    if isinstance(template, list):
        return [_rebuild(c, it) for _, c in kids]
    if isinstance(template, tuple):
        return tuple(_rebuild(c, it) for _, c in kids)
    if isinstance(template, dict):
        return {k: _rebuild(c, it) for k, c in kids}
    new = copy.copy(template)
    for k, c in kids:
        new.__dict__[k] = _rebuild(c, it)
    return new


def rebuild(template, vec):
    return _rebuild(template, iter(np.asarray(vec, dtype=float)))


def _leaf_sizes(template):
    return [int(np.size(t)) for t in _leaf_templates(template, [])]


class Finding(AssertionError):
    pass


class Refused(Exception):
    pass


def _close(got, want, rtol, atol, what):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        raise Finding(f"WRONG: {what}: shape {got.shape} where {want.shape} is due")
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    if not np.allclose(got, want, rtol=rtol, atol=atol * scale, equal_nan=False):
        raise Finding(
            f"WRONG: {what}: got {np.round(got, 6)}, central differences give {np.round(want, 6)}"
        )


def _same_value(got, plain, what):
    g = np.asarray(got, dtype=float)
    p = np.asarray(plain, dtype=float)
    if g.shape != p.shape or not np.allclose(g, p, rtol=1e-12, atol=1e-14):
        raise Finding(
            f"WRONG: {what}: primal value {got!r} differs from the plain call's {plain!r}"
        )


FALSE_BLAME = "the plain call raises this too"


def _call(prog, what, fn):
    """Call an API; an exception becomes a `Refused` (a located refusal of a known limit) or a
    `Finding` saying of which kind."""
    try:
        return fn()
    except (Finding, Refused):
        raise
    except ad_errors.S2SError as e:
        msg = str(e)
        located = re.search(re.escape(THIS_FILE) + r"(:\d+| line \d+|, line \d+)", msg) is not None
        internal = isinstance(e, ad_errors.InvariantError) or not located or FALSE_BLAME in msg
        if prog.limit and not internal:
            raise Refused(f"{what}: {type(e).__name__}: {msg.splitlines()[0][:300]}") from e
        kind = "INTERNAL" if internal else "REFUSED wrongly"
        raise Finding(f"{kind}: {what}: {type(e).__name__}: {msg[:700]}") from e
    except Exception as e:  # any other error is a traceback from inside s2s_ad
        raise Finding(f"INTERNAL: {what}: {type(e).__name__}: {str(e)[:700]}") from e


def _setup(prog, seed):
    rng = np.random.default_rng(seed)
    args = prog.make(rng)
    wrt = prog.wrt
    template = tuple(args[i] for i in wrt)
    x0 = flatten(template, template)

    def F(vec):
        new = list(copy.deepcopy(args))
        rebuilt = rebuild(template, vec)
        for j, i in enumerate(wrt):
            new[i] = rebuilt[j]
        return np.ravel(np.asarray(prog.f(*new), dtype=float))

    return rng, args, template, x0, F


def _fd_jacobian(F, x0):
    cols = []
    for i in range(x0.size):
        h = 1e-6 * max(1.0, abs(x0[i]))
        e = np.zeros_like(x0)
        e[i] = h
        cols.append((F(x0 + e) - F(x0 - e)) / (2 * h))
    return np.stack(cols, axis=-1)  # (m, n)


def _fd_hessian(F, x0):
    n = x0.size
    H = np.zeros((n, n))
    h = 2e-4
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            v = (F(x0 + ei + ej) - F(x0 + ei - ej) - F(x0 - ei + ej) + F(x0 - ei - ej))[0] / (
                4 * h * h
            )
            H[i, j] = H[j, i] = v
    return H


def _kw(prog):
    return {} if prog.wrt == (0,) else {"wrt": prog.wrt}


def _as_tuple(prog, g):
    return (g,) if prog.wrt == (0,) else g


def _flat_grad(template, g):
    assert isinstance(g, tuple) and len(g) == len(template), f"gradient structure {type(g)}"
    return (
        np.concatenate([flatten(t, gi) for t, gi in zip(template, g, strict=True)])
        if template
        else np.zeros(0)
    )


def _flat_jacobian(template, jac, m):
    """jacfwd/jacrev with a tuple wrt: per input, its structure of blocks out.shape + leaf.shape."""
    blocks = []
    for t, ji in zip(template, jac, strict=True):
        for lt, blk in zip(_leaf_templates(t, []), _leaves(t, ji, [], block=(m,)), strict=True):
            blocks.append(np.reshape(blk, (m, int(np.size(lt)))))
    return np.concatenate(blocks, axis=1)


def _flat_hessian(template, h, single):
    """hessian: per input i, its structure whose leaves hold (per input j) input j's structure."""
    sizes = [s for t in template for s in _leaf_sizes(t)]
    n = sum(sizes)
    H = np.zeros((n, n))
    rows = []
    for i, t in enumerate(template):
        hi = h if single else h[i]
        rows.extend(_outer_leaf_values(t, hi))
    rows_t = [lt for t in template for lt in _leaf_templates(t, [])]
    assert len(rows) == len(sizes)
    r0 = 0
    for a, row in enumerate(rows):
        parts = []
        for j, t in enumerate(template):
            inner = row if single else row[j]
            for lt, blk in zip(
                _leaf_templates(t, []),
                _leaves(t, inner, [], block=np.shape(rows_t[a])),
                strict=True,
            ):
                parts.append(np.reshape(blk, (sizes[a], int(np.size(lt)))))
        H[r0 : r0 + sizes[a], :] = np.concatenate(parts, axis=1)
        r0 += sizes[a]
    return H


def _outer_leaf_values(template, value):
    """The values found in `value` at the positions of `template`'s float leaves (unflattened)."""
    if _is_float_leaf(template):
        return [value]
    kids, how = _children(template)
    out = []
    for key, child in kids or ():
        out.extend(_outer_leaf_values(child, _get(value, key, how)))
    return out


def _tangents(prog, args, template, t_flat):
    t_struct = rebuild(template, t_flat)
    tangents = [None] * len(args)
    for j, i in enumerate(prog.wrt):
        tangents[i] = t_struct[j]
    return tuple(tangents)


class _Results:
    """What each API did at one point: findings (kept, all of them) and accepted refusals."""

    def __init__(self, prog):
        self.prog, self.findings, self.refused = prog, [], []

    def api(self, what, fn, check):
        try:
            check(_call(self.prog, what, fn))
        except Refused as r:
            self.refused.append(str(r))
        except Finding as e:
            self.findings.append(str(e))
        except (AssertionError, ValueError, TypeError, KeyError, IndexError) as e:
            # a derivative not built like its argument
            self.findings.append(f"WRONG: {what}: structure: {type(e).__name__}: {e}")

    def finish(self, seed):
        if self.findings:
            raise Finding(f"at seed {seed}:\n" + "\n".join(self.findings))
        return self.refused


def check_first_order(prog, seed):
    rng, args, template, x0, F = _setup(prog, seed)
    f = prog.f
    plain = f(*copy.deepcopy(args))
    J = _fd_jacobian(F, x0)  # (m, n)
    m = J.shape[0]
    kw = _kw(prog)
    res = _Results(prog)
    got = {}

    if prog.out == "scalar":

        def chk_grad(mode, value):
            def c(r):
                g = r
                if value:
                    v, g = r
                    _same_value(v, plain, f"value_and_grad(mode={mode!r})")
                flat = _flat_grad(template, _as_tuple(prog, g))
                got[(mode, value)] = flat
                _close(
                    flat,
                    J[0],
                    1e-5,
                    1e-6,
                    f"{'value_and_grad' if value else 'grad'}(mode={mode!r})",
                )

            return c

        res.api("grad", lambda: ad.grad(f, **kw)(*args), chk_grad("reverse", False))
        res.api(
            "grad forward",
            lambda: ad.grad(f, mode="forward", **kw)(*args),
            chk_grad("forward", False),
        )
        res.api(
            "value_and_grad", lambda: ad.value_and_grad(f, **kw)(*args), chk_grad("reverse", True)
        )
        res.api(
            "value_and_grad forward",
            lambda: ad.value_and_grad(f, mode="forward", **kw)(*args),
            chk_grad("forward", True),
        )
        if ("reverse", False) in got and ("forward", False) in got:
            res.api(
                "forward against reverse",
                lambda: None,
                lambda _: _close(
                    got[("forward", False)],
                    got[("reverse", False)],
                    1e-9,
                    1e-12,
                    "grad forward against reverse",
                ),
            )
    else:

        def chk_jac(name):
            def c(jac):
                flat = _flat_jacobian(template, _as_tuple(prog, jac), m)
                got[name] = flat
                _close(flat, J, 1e-5, 1e-6, name)

            return c

        res.api("jacfwd", lambda: ad.jacfwd(f, **kw)(*args), chk_jac("jacfwd"))
        res.api("jacrev", lambda: ad.jacrev(f, **kw)(*args), chk_jac("jacrev"))
        if "jacfwd" in got and "jacrev" in got:
            res.api(
                "jacfwd against jacrev",
                lambda: None,
                lambda _: _close(
                    got["jacfwd"], got["jacrev"], 1e-9, 1e-12, "jacfwd against jacrev"
                ),
            )

    t_flat = rng.standard_normal(x0.size)
    tangents = _tangents(prog, args, template, t_flat)

    def chk_jvp(r):
        out, tout = r
        _same_value(out, plain, "jvp")
        _close(np.ravel(np.asarray(tout, dtype=float)), J @ t_flat, 1e-5, 1e-6, "jvp tangent")

    res.api("jvp", lambda: ad.jvp(f, args, tangents), chk_jvp)

    ct = rng.standard_normal(m)
    ct_arg = float(ct[0]) if prog.out == "scalar" else ct

    def chk_vjp(r):
        out, pullback = r
        _same_value(out, plain, "vjp")
        cts = _call(prog, "vjp pullback", lambda: pullback(ct_arg))
        if len(cts) != len(args):
            raise Finding(
                f"WRONG: vjp's pullback gives {len(cts)} entries for {len(args)} arguments"
            )
        g = tuple(cts[i] for i in prog.wrt)
        _close(_flat_grad(template, g), ct @ J, 1e-5, 1e-6, "vjp cotangent")
        for i, a in enumerate(args):
            if isinstance(a, int) and cts[i] is not None:
                raise Finding(f"WRONG: vjp gives {cts[i]!r} for the integer argument {i}")

    res.api("vjp", lambda: ad.vjp(f, *args), chk_vjp)
    return res.finish(seed)


def check_hessian(prog, seed):
    _, args, template, x0, F = _setup(prog, seed)
    H_fd = _fd_hessian(F, x0)
    kw = _kw(prog)
    res = _Results(prog)
    res.api(
        "hessian",
        lambda: ad.hessian(f_of(prog), **kw)(*args),
        lambda h: _close(_flat_hessian(template, h, prog.wrt == (0,)), H_fd, 2e-4, 2e-5, "hessian"),
    )
    return res.finish(seed)


def f_of(prog):
    return prog.f


# --------------------------------------------------------------------------------------------
# the tests
# --------------------------------------------------------------------------------------------


def _params(attr):
    out = []
    for name, prog in PROGRAMS.items():
        reason = getattr(prog, attr)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def _seeds(name):
    base = zlib.crc32(name.encode())
    return (base % 100_000, base % 100_000 + 7)


@pytest.mark.parametrize("name", _params("xfail"))
def test_first_order(name):
    prog = PROGRAMS[name]
    for seed in _seeds(name):
        check_first_order(prog, seed)


# Session 44: the WRONG results of these programs (an operand of a class the lowering could
# not tell, a subclass's reflected method) are refused where called now (their strict xfails
# above stay as the record): no API may give a number, and each must refuse at this file's
# line. (w_neg_in_loop_mixed's Hessian happened to be right; it is refused with the rest.)
NOW_REFUSED = {
    "w_first_then_rest",
    "w_reduce_mixed_subclass",
    "w_zip_comprehension_mixed",
}  # ("w_loop_mixed_subclass", "w_neg_in_loop_mixed": exact since session 45, in `FIXED`)


@pytest.mark.parametrize("name", sorted(NOW_REFUSED))
def test_now_refused_in_every_api(name):
    prog = PROGRAMS[name]
    _, args, *_ = _setup(prog, _seeds(name)[0])
    kw = _kw(prog)
    f = prog.f
    calls = [
        lambda: ad.grad(f, **kw)(*copy.deepcopy(args)),
        lambda: ad.grad(f, mode="forward", **kw)(*copy.deepcopy(args)),
        lambda: ad.vjp(f, *copy.deepcopy(args)),
        lambda: ad.hessian(f, **kw)(*copy.deepcopy(args)),
    ]
    for call in calls:
        with pytest.raises(ad.S2SError) as caught:
            call()
        assert "test_objects_in_containers_independent.py:" in str(caught.value)


@pytest.mark.parametrize(
    "name",
    [
        p
        for p in _params("hxfail")
        if PROGRAMS[p.values[0]].hess
        and PROGRAMS[p.values[0]].out == "scalar"
        and p.values[0] not in NOW_REFUSED
    ],
)
def test_hessian(name):
    prog = PROGRAMS[name]
    for seed in _seeds(name):
        check_hessian(prog, seed)


def test_program_count():
    assert 60 <= len(PROGRAMS) <= 100, len(PROGRAMS)
