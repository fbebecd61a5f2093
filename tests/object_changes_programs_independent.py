"""Programs for tests/test_object_changes_independent.py (tester 88).

Objects made inside the differentiated function, whose classes the tests change between two
calls of one derivative, and constructors that do more than store values.
"""

import dataclasses
from typing import NamedTuple

import numpy as np
import object_changes_lib_independent as lib

# --- a method redefined -------------------------------------------------------------


class M1:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(np.sin(self.w * x))


def m1_energy_alt(self, x):
    return np.sum(np.cos(self.w * x) * x)


def f_method(x):
    return M1(x * 2.0).energy(x)


# --- a property redefined -----------------------------------------------------------


class P2:
    def __init__(self, w):
        self.w = w

    @property
    def scale(self):
        return self.w * 2.0

    def energy(self, x):
        return np.sum(self.scale * x**2)


def p2_scale_alt(self):
    return np.sin(self.w) * 3.0


def f_property(x):
    return P2(x + 1.0).energy(x)


# --- __init__ redefined -------------------------------------------------------------


class I3:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * np.tanh(x))


def i3_init_alt(self, w):
    self.w = w * w


def f_init(x):
    return I3(x * 0.5).energy(x)


# --- __call__ redefined -------------------------------------------------------------


class C4:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sum(self.w * x**2)


def c4_call_alt(self, x):
    return np.sum(np.exp(self.w * x))


def f_call(x):
    return C4(x * 0.3)(x)


# --- a staticmethod redefined --------------------------------------------------------


class S5:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def act(v):
        return np.tanh(v)

    def energy(self, x):
        return np.sum(self.act(self.w * x))


def s5_act_alt(v):
    return v**3


def f_static(x):
    return S5(x + 0.5).energy(x)


# --- a classmethod redefined --------------------------------------------------------


class K6:
    C = 2.0

    def __init__(self, w):
        self.w = w

    @classmethod
    def coef(cls):
        return cls.C

    def energy(self, x):
        return np.sum(self.coef() * self.w * x)


def k6_coef_alt(cls):
    return cls.C * 5.0


def f_classmethod(x):
    return K6(np.sin(x)).energy(x)


# --- an override added to a subclass that inherited the method ----------------------


class Base7:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


class Sub7(Base7):
    pass


def sub7_energy_alt(self, x):
    return np.sum(np.sin(self.w * x))


def f_sub_override(x):
    return Sub7(x * 1.5).energy(x)


# --- __init__ added to a subclass ----------------------------------------------------


class Base8:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(np.cos(self.w) * x)


class Sub8(Base8):
    pass


def sub8_init_alt(self, w):
    self.w = w * 3.0


def f_sub_init(x):
    return Sub8(x).energy(x)


# --- a subclass's override deleted (the base's runs again) ---------------------------


class Base9:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**2)


class Sub9(Base9):
    def energy(self, x):
        return np.sum(np.sin(self.w) * x)


def f_sub_delete(x):
    return Sub9(x + 0.2).energy(x)


# --- __bases__ reassigned ------------------------------------------------------------


class BaseA10:
    def energy(self, x):
        return np.sum(self.w * x)


class BaseB10:
    def energy(self, x):
        return np.sum(np.exp(self.w * x))


class Sub10(BaseA10):
    def __init__(self, w):
        self.w = w


def f_bases(x):
    return Sub10(x * 0.5).energy(x)


# --- __getattribute__ added later ---------------------------------------------------


class G11:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


def g11_getattribute(self, name):
    value = object.__getattribute__(self, name)
    if name == "w":
        return value * 2.0
    return value


def f_getattribute(x):
    return G11(x + 1.0).energy(x)


# --- __getattr__ added later (an attribute the object lacks) -------------------------


class A12:
    b = 0.0

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x) + self.b


def a12_getattr(self, name):
    return 7.0


def f_getattr(x):
    return A12(x * x).energy(x)


# --- __setattr__ added later ---------------------------------------------------------


class T13:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


def t13_setattr(self, name, value):
    object.__setattr__(self, name, value * 2.0)


def f_setattr(x):
    return T13(np.sin(x)).energy(x)


# --- __new__ added later, returning an object of another class ------------------------


class N14:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


class N14Other:
    def __init__(self, w):
        self.w = w * 4.0

    def energy(self, x):
        return np.sum(np.sin(self.w) * x)


def n14_new(cls, w):
    return N14Other(w)


def n14_new_plain(cls, w):
    return object.__new__(cls)


def f_new(x):
    return N14(x + 0.1).energy(x)


# --- a data descriptor added to the class under an instance attribute's name ----------


class D15:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**2)


def _d15_get(self):
    return self.__dict__["w"] * 3.0


def _d15_set(self, value):
    self.__dict__["w"] = value


d15_descriptor = property(_d15_get, _d15_set)


def f_descriptor(x):
    return D15(x).energy(x)


# --- the module's class name rebound --------------------------------------------------


class R16:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


class R16Alt:
    def __init__(self, w):
        self.w = w * 2.0

    def energy(self, x):
        return np.sum(np.tanh(self.w) * x)


def f_rebind(x):
    return R16(x + 0.3).energy(x)


# --- a base of a base monkeypatched ---------------------------------------------------


class A17:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


class B17(A17):
    pass


class C17(B17):
    def total(self, x):
        return self.energy(x) * 2.0


def a17_energy_alt(self, x):
    return np.sum(np.cos(self.w * x))


def f_base_of_base(x):
    return C17(x * 0.7).total(x)


# --- a class attribute read by a method changed --------------------------------------


class K18:
    K = 2.0

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.K * self.w * x)


def f_class_attr(x):
    return K18(np.sin(x)).energy(x)


# --- an inherited class attribute changed in the base ----------------------------------


class BaseK19:
    K = 1.0


class K19(BaseK19):
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.K * self.w * x**2)


def f_inherited_attr(x):
    return K19(x + 1.0).energy(x)


# --- another module's class changed through that module -------------------------------


def f_lib_method(x):
    return np.sum(lib.LibLayer(x * 2.0).apply(x))


def f_lib_rebind(x):
    return np.sum(lib.LibScale(x + 0.5).apply(x))


# --- objects in a list the function builds --------------------------------------------


class L22:
    def __init__(self, w):
        self.w = w

    def apply(self, h):
        return np.tanh(self.w * h)


def l22_apply_alt(self, h):
    return np.sin(self.w + h)


def f_list(x):
    hs = [L22(x), L22(x * 0.5), L22(x + 1.0)]
    h = x
    for layer in hs:
        h = layer.apply(h)
    return np.sum(h)


# --- a loop rebinding the object ------------------------------------------------------


class State23:
    def __init__(self, q, p):
        self.q = q
        self.p = p

    def step(self, dt):
        return State23(self.q + dt * self.p, self.p - dt * np.sin(self.q))


def state23_step_alt(self, dt):
    return State23(self.q + dt * self.p * 2.0, self.p - dt * self.q)


def f_loop(x):
    s = State23(x, x * 0.5)
    for _ in range(4):
        s = s.step(0.1)
    return np.sum(s.q**2 + s.p)


# --- NamedTuple records with _replace ---------------------------------------------------


class Rec24(NamedTuple):
    a: np.ndarray
    b: np.ndarray

    def energy(self):
        return np.sum(self.a * self.b)


def rec24_energy_alt(self):
    return np.sum(np.sin(self.a) + self.b**2)


def f_namedtuple(x):
    r = Rec24(x, x * 2.0)
    r = r._replace(b=np.cos(x))
    return r.energy()


# --- dataclass records with dataclasses.replace -------------------------------------------


@dataclasses.dataclass
class DC25:
    a: np.ndarray
    b: np.ndarray

    def energy(self):
        return np.sum(self.a**2 * self.b)


def dc25_energy_alt(self):
    return np.sum(self.a + np.exp(self.b))


def f_dataclass(x):
    d = DC25(x, x + 1.0)
    d = dataclasses.replace(d, b=np.sin(x))
    return d.energy()


# --- a staticmethod added to a subclass that inherited it ------------------------------


class BaseS26:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def act(v):
        return v * 2.0

    def energy(self, x):
        return np.sum(self.act(self.w * x))


class SubS26(BaseS26):
    pass


def s26_act_alt(v):
    return np.sin(v)


def f_sub_static(x):
    return SubS26(x + 0.4).energy(x)


# --- a property added to a subclass ------------------------------------------------------


class BaseP27:
    def __init__(self, w):
        self.w = w

    @property
    def eff(self):
        return self.w

    def energy(self, x):
        return np.sum(self.eff * x)


class SubP27(BaseP27):
    pass


def p27_eff_alt(self):
    return self.w**2


def f_sub_property(x):
    return SubP27(x + 0.6).energy(x)


# --- a subclass's __call__ deleted ---------------------------------------------------------


class BaseC28:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sum(self.w * x)


class SubC28(BaseC28):
    def __call__(self, x):
        return np.sum(np.cos(self.w) * x**2)


def f_sub_call_delete(x):
    return SubC28(x * 0.9)(x)


# --- a classmethod added to a subclass ---------------------------------------------------


class BaseK29:
    C = 1.0

    def __init__(self, w):
        self.w = w

    @classmethod
    def coef(cls):
        return cls.C

    def energy(self, x):
        return np.sum(self.coef() * self.w * x)


class SubK29(BaseK29):
    pass


def k29_coef_alt(cls):
    return 4.0


def f_sub_classmethod(x):
    return SubK29(x * x).energy(x)


# --- a method redefined, the object rebound by a method's result -----------------------


class Sc30:
    def __init__(self, w):
        self.w = w

    def scaled(self, s):
        return Sc30(self.w * s)

    def energy(self, x):
        return np.sum(self.w * x**2)


def sc30_scaled_alt(self, s):
    return Sc30(self.w + s)


def f_chain(x):
    return Sc30(x).scaled(2.0).energy(x)


# ==== constructors that do more than store values =====================================


class IfInit:
    def __init__(self, w):
        if w.shape[0] > 2:
            self.w = w * 2.0
        else:
            self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


def f_ctor_if(x):
    return IfInit(np.sin(x)).energy(x)


class LoopInit:
    def __init__(self, w):
        self.w = w
        for _ in range(2):
            self.w = self.w * 1.5

    def energy(self, x):
        return np.sum(self.w * x)


def f_ctor_loop(x):
    return LoopInit(x).energy(x)


def _double(v):
    return v * 2.0


class CallInit:
    def __init__(self, w):
        self.w = _double(w)

    def energy(self, x):
        return np.sum(self.w * x)


def f_ctor_call(x):
    return CallInit(x + 1.0).energy(x)


class SetupInit:
    def __init__(self, w):
        self.w = w
        self.setup()

    def setup(self):
        self.v = self.w * 3.0

    def energy(self, x):
        return np.sum(self.v * x)


def f_ctor_method_call(x):
    return SetupInit(x).energy(x)


class SetterInit:
    def __init__(self, w):
        self.w = w

    @property
    def w(self):
        return self._w

    @w.setter
    def w(self, value):
        self._w = value * 2.0

    def energy(self, x):
        return np.sum(self._w * x)


def f_ctor_setter(x):
    return SetterInit(np.cos(x)).energy(x)


class ClassAInit:
    def __init__(self, w):
        self.w = w
        self.__class__ = ClassBInit

    def energy(self, x):
        return np.sum(self.w * x)


class ClassBInit:
    def energy(self, x):
        return np.sum(np.sin(self.w) * x)


def f_ctor_class(x):
    return ClassAInit(x * 2.0).energy(x)


class ShadowInit:
    def __init__(self, w, fn):
        self.w = w
        self.energy = fn

    def energy(self, x):
        return np.sum(self.w * x)


def _shadow_energy(x):
    return np.sum(x**3)


def f_ctor_shadow(x):
    return ShadowInit(x, _shadow_energy).energy(x)


class SuperBase:
    def __init__(self, w):
        self.w = w * 2.0


class SuperInit(SuperBase):
    def __init__(self, w):
        super().__init__(w)

    def energy(self, x):
        return np.sum(self.w * x)


def f_ctor_super(x):
    return SuperInit(x + 0.5).energy(x)


@dataclasses.dataclass
class PostInit:
    w: np.ndarray

    def __post_init__(self):
        self.v = self.w * 2.0

    def energy(self, x):
        return np.sum(self.v * x)


def f_ctor_post_init(x):
    return PostInit(x).energy(x)


class IfConstInit:
    def __init__(self, k):
        if k > 1.0:
            self.k = k * 2.0
        else:
            self.k = k

    def energy(self, x):
        return np.sum(self.k * x**2)


def f_ctor_if_const(x):
    return IfConstInit(3.0).energy(x)


class AssertInit:
    def __init__(self, w):
        assert w.shape[0] == 3
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


def f_ctor_assert(x):
    return AssertInit(x * 2.0).energy(x)


class FieldOnlyIf:
    def __init__(self, w):
        if w.shape[0] > 2:
            self.w = w * 2.0
        else:
            self.w = w


def f_ctor_if_field(x):
    return np.sum(FieldOnlyIf(x).w * x)


def f_ctor_if_named(x):
    h = IfInit(np.sin(x))
    return h.energy(x)


def f_ctor_class_named(x):
    h = ClassAInit(x * 2.0)
    return h.energy(x)


def f_ctor_setter_named(x):
    h = SetterInit(np.cos(x))
    return h.energy(x)


def f_ctor_shadow_named(x):
    h = ShadowInit(x, _shadow_energy)
    return h.energy(x)


def f_classmethod_named(x):
    k = K6(np.sin(x))
    return k.energy(x)


def f_getattribute_named(x):
    g = G11(x + 1.0)
    return g.energy(x)


def f_setattr_named(x):
    t = T13(np.sin(x))
    return t.energy(x)


def f_descriptor_named(x):
    d = D15(x)
    return d.energy(x)


def f_new_named(x):
    n = N14(x + 0.1)
    return n.energy(x)


def f_ctor_loop_named(x):
    h = LoopInit(x)
    return h.energy(x)


def f_ctor_method_call_named(x):
    h = SetupInit(x)
    return h.energy(x)


def f_ctor_post_init_named(x):
    h = PostInit(x)
    return h.energy(x)


def f_ctor_assert_named(x):
    h = AssertInit(x * 2.0)
    return h.energy(x)
