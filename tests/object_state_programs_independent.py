# ruff: noqa: SIM108, B007, B905
"""Programs for tests/test_object_state_independent.py (tester 87).

Every program ``pNN_*`` takes one float64 vector ``x`` of length 3 and returns a
float scalar.  The objects they read are made inside the program itself.
"""

import dataclasses
import math
import warnings
from typing import NamedTuple

import numpy as np

# ---------------------------------------------------------------- records


class KF(NamedTuple):
    m: np.ndarray
    P: float


class Opt(NamedTuple):
    w: np.ndarray
    v: np.ndarray
    t: int


@dataclasses.dataclass
class ODE:
    y: np.ndarray
    t: float

    @property
    def energy(self):
        return np.sum(self.y**2)

    def rhs(self):
        return -np.sin(self.y) + 0.1 * self.t


@dataclasses.dataclass(frozen=True)
class Frozen:
    a: np.ndarray
    s: float

    def val(self):
        return np.sum(self.a * self.s)


def kf_step(s, z):
    k = s.P / (s.P + 0.5)
    return KF(s.m + k * (z - s.m), (1.0 - k) * s.P + 0.1)


def ode_step(st, dt):
    return ODE(st.y + dt * st.rhs(), st.t + dt)


def opt_step(st, g, lr=0.1):
    v = 0.9 * st.v + g
    return st._replace(w=st.w - lr * v, v=v, t=st.t + 1)


# ---------------------------------------------------------------- classes


class Acc:
    def __init__(self, h):
        self.h = h

    def f(self, x):
        return np.sum(self.h * x)

    def step(self, dt):
        return Acc(self.h * (1.0 + dt))

    @property
    def norm2(self):
        return np.sum(self.h**2)


class Base:
    scale = 2.0

    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w * x) * self.scale

    @property
    def p(self):
        return np.sum(np.sin(self.w))


class Child(Base):
    scale = 3.0

    def f(self, x):
        return np.sum(np.cos(self.w) * x) + super().f(x)

    @property
    def p(self):
        return np.sum(np.cos(self.w))


class Other:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w**2 * x)

    @property
    def p(self):
        return np.sum(self.w**3)


class WithSetter:
    def __init__(self, a):
        self._a = a

    @property
    def a(self):
        return self._a * 2.0

    @a.setter
    def a(self, v):
        self._a = v

    def f(self, x):
        return np.sum(self.a * x)


class InitUsesSetter:
    def __init__(self, a):
        self.a = a  # goes through the property setter

    @property
    def a(self):
        return self._a * 3.0

    @a.setter
    def a(self, v):
        self._a = v + 1.0

    def f(self, x):
        return np.sum(self.a * x)


class Doubler:
    def __set_name__(self, owner, name):
        self.name = "_" + name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return getattr(obj, self.name) * 2.0

    def __set__(self, obj, value):
        setattr(obj, self.name, value)


class WithDescriptor:
    a = Doubler()

    def __init__(self, a):
        self.a = a

    def f(self, x):
        return np.sum(self.a * x)


class NonDataDesc:
    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj.w * 10.0


class WithNonData:
    tenfold = NonDataDesc()

    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.tenfold * x)


class ShadowAttr:
    """__init__ stores an attribute named like a non-data descriptor."""

    tenfold = NonDataDesc()

    def __init__(self, w):
        self.w = w
        self.tenfold = w * 0.5  # instance dict shadows a non-data descriptor

    def f(self, x):
        return np.sum(self.tenfold * x)


class GetAttr:
    def __init__(self, w):
        self.w = w

    def __getattr__(self, name):
        if name == "w2":
            return self.w * 2.0
        raise AttributeError(name)

    def f(self, x):
        return np.sum(self.w2 * x)


class SetAttr:
    def __init__(self, w):
        self.w = w

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value * 3.0)

    def f(self, x):
        return np.sum(self.w * x)


class Slotted:
    __slots__ = ("c", "w")

    def __init__(self, w, c):
        self.w = w
        self.c = c

    def f(self, x):
        return np.sum(self.w * x) + self.c


class Morph:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w * x)


class MorphB(Morph):
    def f(self, x):
        return np.sum(self.w * x**2)


class Becomes:
    def __init__(self, w):
        self.w = w
        self.__class__ = MorphB

    def f(self, x):
        return np.sum(self.w)


class ClassAttrUser:
    k = 1.5

    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w * x) * self.k + ClassAttrUser.k


class InstOverridesClassAttr:
    k = 1.5

    def __init__(self, w, k):
        self.w = w
        self.k = k  # instance attribute shadows the class attribute

    def f(self, x):
        return np.sum(self.w * x) * self.k


class CM:
    c = 0.25

    def __init__(self, w):
        self.w = w

    @classmethod
    def coef(cls):
        return cls.c

    @staticmethod
    def sq(v):
        return v * v

    def f(self, x):
        return np.sum(self.sq(self.w) * x) * self.coef()


class CMChild(CM):
    c = 0.75


class Particle:
    def __init__(self, q, v):
        self.q = q
        self.v = v

    def kinetic(self):
        return 0.5 * np.sum(self.v**2)

    def moved(self, dt):
        return Particle(self.q + dt * self.v, self.v - dt * np.sin(self.q))


class Layer:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    def __call__(self, x):
        return np.tanh(self.w * x + self.b)


class Scaled(Layer):
    def __call__(self, x):
        return 2.0 * super().__call__(x)


class Mutating:
    """A method that rebinds an attribute of self (plain Python allows it)."""

    def __init__(self, w):
        self.w = w

    def bump(self):
        self.w = self.w * 2.0
        return self

    def f(self, x):
        return np.sum(self.w * x)


class Counter:
    n = 0

    def __init__(self, w):
        self.w = w
        Counter.n += 1

    def f(self, x):
        return np.sum(self.w * x)


class Redef:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return np.sum(self.w * x)

    @property
    def q(self):
        return np.sum(self.w)


class RedefChild(Redef):
    pass


class Warns:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        if np.sum(self.w) > -100.0:
            warnings.warn("t87 method warning", UserWarning, stacklevel=2)
        return np.sum(self.w * x)


# ---------------------------------------------------------------- programs


def p01_kalman(x):
    s = KF(np.zeros(3), 1.0)
    for i in range(4):
        s = kf_step(s, x * (i + 1))
    return np.sum(s.m**2) + s.P


def p02_kalman_fields_in_loop(x):
    s = KF(x * 0.5, 2.0)
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(s.m * x) * s.P
        s = kf_step(s, np.sin(x) + i)
    return acc + np.sum(s.m)


def p03_kalman_break(x):
    s = KF(x, 1.0)
    for i in range(10):
        s = kf_step(s, x * 2.0)
        if s.P < 0.3:
            break
    return np.sum(s.m * s.m) * s.P


def p04_kalman_while(x):
    s = KF(x, 1.0)
    n = 0
    while s.P > 0.25 and n < 20:
        s = kf_step(s, np.cos(x))
        n += 1
    return np.sum(s.m) * n


def p05_ode_dataclass_property(x):
    st = ODE(x, 0.0)
    for _ in range(5):
        st = ode_step(st, 0.1)
    return st.energy + st.t


def p06_ode_method_in_loop(x):
    st = ODE(x, 0.0)
    e = 0.0
    for _ in range(4):
        e = e + st.energy
        st = ODE(st.y + 0.05 * st.rhs(), st.t + 0.05)
    return e + np.sum(st.rhs())


def p07_optimiser_replace(x):
    st = Opt(x, np.zeros(3), 0)
    for _ in range(4):
        g = 2.0 * st.w + np.sin(st.w)
        st = opt_step(st, g)
    return np.sum(st.w**2) + st.t


def p08_nested_loops_state(x):
    st = KF(x, 1.0)
    total = 0.0
    for i in range(3):
        for j in range(2):
            st = kf_step(st, x * (i - j))
        total = total + np.sum(st.m) * st.P
    return total


def p09_early_return(x):
    st = KF(x, 1.0)
    for i in range(5):
        st = kf_step(st, x + i)
        if np.sum(st.m) > 3.0:
            return np.sum(st.m**2)
    return np.sum(st.m) * st.P


def p10_acc_step_loop(x):
    h = Acc(x)
    for _ in range(3):
        h = h.step(0.1)
    return h.f(x) + h.norm2


def p11_acc_while_break(x):
    h = Acc(x)
    k = 0
    while True:
        h = h.step(0.2)
        k += 1
        if k >= 3:
            break
    return h.f(np.cos(x))


def p12_copy_alias(x):
    h = Acc(x * 2.0)
    g = h
    k = g
    return k.f(x) + h.norm2


def p13_join_one_class(x):
    if np.sum(x) > 0.0:
        h = Acc(x)
    else:
        h = Acc(-x)
    return h.f(x) * h.norm2


def p14_ifexp_one_class(x):
    h = Acc(x) if x[0] > 0.0 else Acc(x * 3.0)
    return h.f(np.sin(x))


def p15_fields_only_two_classes(x):
    if x[0] > 0.0:
        o = Base(x)
    else:
        o = Other(x * 2.0)
    return np.sum(o.w * x)


def p16_fields_only_two_classes_neg(x):
    if x[0] > 10.0:
        o = Base(x)
    else:
        o = Other(x * 2.0)
    return np.sum(o.w * x)


def p17_property_two_classes(x):
    if x[1] < 0.0:
        o = Base(x)
    else:
        o = Other(x)
    return o.p


def p18_class_by_iteration_fields(x):
    o = Base(x)
    acc = 0.0
    for i in range(4):
        acc = acc + np.sum(o.w * x)
        if i % 2 == 0:
            o = Other(o.w * 0.5)
        else:
            o = Base(o.w + 1.0)
    return acc + np.sum(o.w)


def p19_method_in_one_class_only(x):
    o = Particle(x, np.cos(x))
    if x[0] > 0.0:
        e = o.kinetic()
    else:
        e = np.sum(o.q)
    return e + np.sum(o.q * x)


def p20_child_inherits(x):
    c = Child(x)
    return c.f(x) + c.p + c.scale


def p21_base_then_child_fields(x):
    b = Base(x)
    c = Child(b.w * 2.0)
    return b.f(x) + c.f(x) + b.scale * c.scale


def p22_property_setter(x):
    o = WithSetter(x)
    return o.f(x) + np.sum(o.a)


def p23_init_through_setter(x):
    o = InitUsesSetter(x)
    return o.f(x) + np.sum(o.a)


def p24_data_descriptor(x):
    o = WithDescriptor(x)
    return o.f(x) + np.sum(o.a)


def p25_nondata_descriptor(x):
    o = WithNonData(x)
    return o.f(x)


def p26_shadowed_nondata_descriptor(x):
    o = ShadowAttr(x)
    return o.f(x) + np.sum(o.tenfold)


def p27_getattr(x):
    o = GetAttr(x)
    return o.f(x)


def p28_setattr(x):
    o = SetAttr(x)
    return o.f(x) + np.sum(o.w)


def p29_slots(x):
    o = Slotted(x, x[0] * 2.0)
    return o.f(x) * o.c


def p30_class_set_in_init(x):
    o = Becomes(x)
    return o.f(x)


def p31_class_reassigned_later(x):
    o = Morph(x)
    a = o.f(x)
    o.__class__ = MorphB
    return a + o.f(x)


def p32_class_attr_read(x):
    o = ClassAttrUser(x)
    return o.f(x) + o.k


def p33_instance_shadows_class_attr(x):
    o = InstOverridesClassAttr(x, x[1])
    return o.f(x) + o.k


def p34_classmethod_staticmethod(x):
    a = CM(x)
    b = CMChild(x * 0.5)
    return a.f(x) + b.f(x) + b.coef()


def p35_particles_list_loop(x):
    ps = [Particle(x * k, np.sin(x) + k) for k in range(3)]
    e = 0.0
    for p in ps:
        e = e + p.kinetic()
    return e + ps[0].moved(0.1).kinetic()


def p36_list_append_index(x):
    hs = []
    for k in range(4):
        hs.append(Acc(x * (k + 1)))
    return hs[0].f(x) + hs[-1].step(0.5).f(x) + hs[2].norm2


def p37_list_computed_index(x):
    hs = [Acc(x), Acc(x * 2.0), Acc(x * 3.0)]
    i = len(hs) - 2
    return hs[i].f(x)


def p38_list_enumerate(x):
    hs = [Acc(np.sin(x * k)) for k in range(1, 4)]
    t = 0.0
    for i, h in enumerate(hs):
        t = t + i * h.f(x)
    return t


def p39_list_zip_reversed(x):
    hs = [Acc(x + k) for k in range(3)]
    cs = [1.0, 2.0, 3.0]
    t = 0.0
    for h, c in zip(hs, cs):
        t = t + c * h.f(x)
    for h in reversed(hs):
        t = t * 0.5 + h.norm2
    return t


def p40_list_fields_two_classes(x):
    os_ = [Base(x), Other(x * 2.0), Base(x * 3.0)]
    t = 0.0
    for o in os_:
        t = t + np.sum(o.w * x)
    return t


def p41_list_layers_call(x):
    layers = [Layer(x * k, 0.1 * k) for k in range(1, 3)]
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h**2)


def p42_scaled_super_call(x):
    s = Scaled(x, 0.5)
    return np.sum(s(x))


def p43_particle_integrator(x):
    p = Particle(x, np.zeros(3))
    for _ in range(5):
        p = p.moved(0.1)
    return p.kinetic() + np.sum(np.cos(p.q))


def p44_frozen_dataclass_replace(x):
    a = Frozen(x, 2.0)
    for _ in range(3):
        a = dataclasses.replace(a, a=np.tanh(a.a) + x, s=a.s * 0.5)
    return a.val()


def p45_mutating_method(x):
    o = Mutating(x)
    o.bump()
    return o.f(x)


def p46_counter_class_attr(x):
    o = Counter(x)
    return o.f(x)


def p47_redef_method(x):
    o = Redef(x)
    return o.f(x) + o.q


def p48_redef_child(x):
    o = RedefChild(x)
    return o.f(x) + o.q


def p49_namedtuple_methods(x):
    s = KF(x, 1.5)
    s2 = s._replace(P=s.P * 2.0)
    m, P = s2
    return np.sum(m * P) + s2[1] + len(s2)


def p50_tuple_unpack_objects(x):
    a, b = Acc(x), Acc(x * 2.0)
    for _ in range(2):
        a, b = b, a
    return a.f(x) - 2.0 * b.f(x)


def p51_swap_two_classes_fields(x):
    a, b = Base(x), Other(x * 2.0)
    a, b = b, a
    return np.sum(a.w) * 3.0 + np.sum(b.w * x)


def p52_kalman_list_of_states(x):
    s = KF(x, 1.0)
    hist = [s]
    for i in range(3):
        s = kf_step(s, x * i)
        hist.append(s)
    t = 0.0
    for h in hist:
        t = t + np.sum(h.m) * h.P
    return t + hist[-1].P + np.sum(hist[1].m)


def p53_state_branch_in_loop(x):
    s = KF(x, 1.0)
    for i in range(4):
        if np.sum(s.m) > 0.0:
            s = kf_step(s, x)
        else:
            s = KF(s.m * 0.5, s.P)
    return np.sum(s.m**2) * s.P


def p54_loop_continue(x):
    h = Acc(x)
    t = 0.0
    for i in range(5):
        h = h.step(0.1)
        if i % 2 == 1:
            continue
        t = t + h.f(x)
    return t


def p55_math_on_fields(x):
    s = KF(x, float(x[0]) ** 2 + 1.0)
    for _ in range(2):
        s = kf_step(s, x)
    return math.log(s.P) + math.exp(s.m[1])


def p56_class_attr_changed_by_loop(x):
    o = ClassAttrUser(x)
    t = 0.0
    for _ in range(2):
        t = t + o.f(x)
        o = ClassAttrUser(o.w * 0.5)
    return t


def p57_particle_list_moved_comprehension(x):
    ps = [Particle(x, x * k) for k in range(3)]
    ps = [p.moved(0.2) for p in ps]
    return sum(p.kinetic() for p in ps) + ps[-1].kinetic()


def p58_dataclass_field_default_list(x):
    st = ODE(x, 0.5)
    states = [st]
    for _ in range(3):
        st = ode_step(st, 0.1)
        states.append(st)
    return sum(s.energy for s in states) + states[2].t


def p59_child_in_loop_then_base(x):
    o = Child(x)
    t = 0.0
    for _ in range(3):
        t = t + o.f(x)
        o = Child(np.tanh(o.w))
    return t + o.p


def p60_warn_in_method(x):
    o = Warns(x)
    return o.f(x) * 2.0


# ---------------------------------------------------------------- more classes


@dataclasses.dataclass
class Post:
    y: np.ndarray
    c: float = 2.0

    def __post_init__(self):
        self.z = np.tanh(self.y) * self.c


@dataclasses.dataclass
class Defaults:
    y: np.ndarray
    k: float = 0.5
    tags: list = dataclasses.field(default_factory=list)

    def f(self, x):
        return np.sum(self.y * x) * self.k + len(self.tags)


class KF2(NamedTuple):
    m: np.ndarray
    P: float = 1.0

    def pred(self, x):
        return np.sum(self.m * x) * self.P

    @property
    def tr(self):
        return self.P * 3.0


class Rec(NamedTuple):
    count: float
    index: np.ndarray


class VBase:
    def __init__(self, w):
        self.w = w

    def g(self, x):
        return np.sum(self.w * x)

    def f(self, x):
        return self.g(x) * 2.0

    def typed(self, x):
        return np.sum(self.w * x) * type(self).k

    def dunder(self, x):
        return np.sum(self.w * x) * self.__class__.k

    k = 1.0


class VChild(VBase):
    k = 4.0

    def g(self, x):
        return np.sum(np.sin(self.w) * x)


class SuperInit(VBase):
    def __init__(self, w, b):
        super().__init__(w * 2.0)
        self.b = b

    def f(self, x):
        return super().f(x) + np.sum(self.b)


class CondInit:
    k = 1.5

    def __init__(self, w, k=None):
        self.w = w
        if k is not None:
            self.k = k

    def f(self, x):
        return np.sum(self.w * x) * self.k


class KwInit:
    def __init__(self, w, *, scale=3.0, shift=0.0):
        self.w = w * scale + shift

    def f(self, x):
        return np.sum(self.w * x)


def squash(v):
    return np.tanh(v) * 1.5


class HelperInit:
    def __init__(self, w):
        self.w = squash(w)

    def f(self, x):
        return np.sum(self.w * x)


class PropOverridden(VBase):
    @property
    def wsum(self):
        return np.sum(self.w) * 2.0


class PropAsClassAttr(PropOverridden):
    wsum = 5.0


class OnlyStatic:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def sq(v):
        return v * v

    def f(self, x):
        return np.sum(self.sq(self.w) * x)


class OnlyClassmethod:
    c = 0.25

    def __init__(self, w):
        self.w = w

    @classmethod
    def coef(cls):
        return cls.c

    def f(self, x):
        return np.sum(self.w * x) * self.coef()


# ---------------------------------------------------------------- more programs


def p61_post_init(x):
    p = Post(x)
    return np.sum(p.z * x)


def p62_dataclass_defaults(x):
    d = Defaults(x)
    e = Defaults(x * 2.0, k=1.5)
    return d.f(x) + e.f(x) + d.k


def p63_namedtuple_default_and_methods(x):
    s = KF2(x)
    for _ in range(2):
        s = s._replace(m=np.sin(s.m) + x, P=s.P * 0.5)
    return s.pred(x) + s.tr + s.P


def p64_namedtuple_fields_named_like_tuple_methods(x):
    r = Rec(x[0] * 2.0, x * 3.0)
    return r.count * np.sum(r.index)


def p65_namedtuple_iterate_and_index(x):
    s = KF(x, x[1] * 2.0)
    t = 0.0
    for v in s:
        t = t + np.sum(v)
    return t + s[1] * np.sum(s[0])


def p66_virtual_dispatch(x):
    o = VChild(x)
    return o.f(x)


def p67_type_self_class_attr(x):
    o = VChild(x)
    return o.typed(x)


def p68_dunder_class_attr(x):
    o = VChild(x)
    return o.dunder(x)


def p69_super_init(x):
    o = SuperInit(x, x * 0.5)
    return o.f(x) + np.sum(o.w)


def p70_conditional_init_default(x):
    o = CondInit(x)
    return o.f(x) + o.k


def p71_conditional_init_given(x):
    o = CondInit(x, x[2])
    return o.f(x) + o.k


def p72_keyword_init(x):
    o = KwInit(x, shift=0.5)
    p = KwInit(x)
    return o.f(x) + p.f(x)


def p73_helper_in_init(x):
    o = HelperInit(x)
    return o.f(x)


def p74_property_overridden_by_class_attr(x):
    o = PropOverridden(x)
    q = PropAsClassAttr(x)
    return o.wsum + q.wsum * np.sum(q.w)


def p75_staticmethod_only(x):
    o = OnlyStatic(x)
    return o.f(x)


def p76_classmethod_only(x):
    o = OnlyClassmethod(x)
    return o.f(x)


def p77_class_by_data_in_loop_fields(x):
    o = VBase(x)
    t = 0.0
    for i in range(3):
        if x[i] > 0.0:
            o = VChild(o.w * 1.5)
        else:
            o = VBase(o.w - 0.5)
        t = t + np.sum(o.w * x) + o.k
    return t


def p78_list_by_data_then_fields(x):
    hs = [VBase(x)]
    if x[0] > 0.0:
        hs.append(VChild(x * 2.0))
    else:
        hs.append(VBase(x * 3.0))
    t = 0.0
    for h in hs:
        t = t + np.sum(h.w * x) * h.k
    return t


def p79_state_dataclass_while_property(x):
    st = ODE(x, 0.0)
    n = 0
    while st.energy > 0.05 and n < 30:
        st = ODE(st.y * 0.8, st.t + 1.0)
        n += 1
    return st.energy * st.t


def p80_list_state_history_reversed(x):
    p = Particle(x, np.zeros(3))
    hist = []
    for _ in range(3):
        p = p.moved(0.2)
        hist.append(p)
    t = 0.0
    for k, q in enumerate(reversed(hist)):
        t = t + (k + 1) * q.kinetic()
    return t + hist[-1].moved(0.1).kinetic()


def p81_getattr_builtin(x):
    o = Acc(x)
    return np.sum(o.h * x)


def p82_astuple_replace(x):
    st = ODE(x, 0.5)
    y, t = dataclasses.astuple(st)
    return np.sum(y) * t


def p83_nested_method_chain_in_loop(x):
    h = Acc(x)
    t = 0.0
    for i in range(3):
        t = t + h.step(0.1 * i).step(0.2).f(x)
    return t


def p84_two_lists_zip_methods(x):
    hs = [Acc(x * k) for k in (1.0, 2.0)]
    gs = [Acc(np.cos(x) + k) for k in (0.5, 1.5)]
    t = 0.0
    for h, g in zip(hs, gs):
        t = t + h.f(x) * g.norm2
    return t


def p85_early_return_method_in_loop(x):
    h = Acc(x)
    for i in range(6):
        h = h.step(0.3)
        if h.norm2 > 1.5:
            return h.f(x) + i
    return h.f(np.sin(x))


def p86_warn_in_init(x):
    o = WarnInit(x)
    return np.sum(o.w * x)


def p87_warn_in_property(x):
    o = WarnProp(x)
    return o.val * 2.0


class WarnInit:
    def __init__(self, w):
        warnings.warn("t87 init warning", UserWarning, stacklevel=2)
        self.w = w


class WarnProp:
    def __init__(self, w):
        self.w = w

    @property
    def val(self):
        warnings.warn("t87 property warning", RuntimeWarning, stacklevel=1)
        return np.sum(self.w**2)


PROGRAMS = {
    name: fn
    for name, fn in sorted(globals().items())
    if name.startswith("p") and name[1:3].isdigit()
}
