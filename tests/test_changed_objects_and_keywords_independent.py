"""Tester 70 (independent, from the README only): objects changed between calls of one
derivative, and NumPy's and SciPy's own keyword names given to functions with rules.

Part 1: a user's object (held fixed, differentiated, a global, an attribute, a list item, a
closure's) changes between two calls of the same derivative in every way Python allows
(`__class__` reassigned, methods replaced on the instance or the class or a base class, class
attributes, function-valued attributes, sub-objects, properties, `__call__`, static and class
methods, list items). Every API made before the change, and one made fresh after it, must
give the new numbers (value included), checked against central differences.

Part 2: functions of the rule list called with NumPy's own parameter names by keyword, in any
order, mixed with positional arguments: the same derivatives as the positional spelling; an
unknown keyword, or one the rule cannot honour, must be a located error.
"""

import copy
import inspect
import os
import types

import numpy as np
import pytest
import scipy.special as sp

import s2s_ad as ad

THIS_FILE = os.path.basename(__file__)
EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7
X0 = np.array([0.3, -0.7, 1.1])
V0 = np.array([0.5, -1.0, 0.25])


# ---------------------------------------------------------------------------------------
# numerical references


def _fd_grad(fun, x):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += EPS
        xm[i] -= EPS
        g[i] = (fun(xp) - fun(xm)) / (2 * EPS)
    return g


def _fd_hess(fun, x):
    x = np.asarray(x, dtype=float)
    h = 1e-4
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            H[i, j] = (
                fun(x + ei + ej) - fun(x + ei - ej) - fun(x - ei + ej) + fun(x - ei - ej)
            ) / (4 * h * h)
    return H


def _close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol
    )


# ---------------------------------------------------------------------------------------
# scenarios of part 1: each returns (f, args, wrt, mutate, leaf, tangent)
#   f(*args) is a real scalar; args[wrt] is the array differentiated (or an object whose
#   attribute `W` is, then `leaf` reads the derivative's `W` and `tangent` builds a tangent).


class Sc:
    def __init__(self, f, args, wrt, mutate, obj_wrt=False):
        self.f, self.args, self.wrt, self.mutate, self.obj_wrt = f, list(args), wrt, mutate, obj_wrt

    # the plain function of the differentiated leaf
    def plain_of(self, v):
        args = list(self.args)
        if self.obj_wrt:
            o = copy.copy(args[self.wrt])
            o.W = v
            for key, value in vars(o).items():  # (session 37) its own methods bound to o
                if isinstance(value, types.MethodType) and value.__self__ is args[self.wrt]:
                    setattr(o, key, types.MethodType(value.__func__, o))
            args[self.wrt] = o
        else:
            args[self.wrt] = v
        return float(self.f(*args))

    def point(self):
        return self.args[self.wrt].W if self.obj_wrt else self.args[self.wrt]

    def leaf(self, d):
        return d.W if self.obj_wrt else d

    def leaf2(self, h):
        return h.W.W if self.obj_wrt else h

    def tangent(self, t):
        return {"W": t} if self.obj_wrt else t


# -- held fixed as an argument ----------------------------------------------------------


def sc_class_reassigned_arg():
    class A:
        def __init__(self):
            self.k = 1.5

        def forward(self, x):
            return np.sin(self.k * x)

    class B:
        def forward(self, x):
            return np.exp(0.5 * x) * self.k

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        m.__class__ = B

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_instance_method_replaced():
    class A:
        def forward(self, x):
            return np.sin(x)

    def other(self, x):
        return np.cos(2.0 * x) * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        m.forward = types.MethodType(other, m)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_instance_method_deleted():
    """An instance's method replaced before the first call, then deleted: the class's comes back."""

    class A:
        def forward(self, x):
            return np.sin(x)

    def other(self, x):
        return np.cos(2.0 * x) * x

    m = A()
    m.forward = types.MethodType(other, m)

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        del m.forward

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_class_method_replaced():
    class A:
        def forward(self, x):
            return np.tanh(x)

    def other(self, x):
        return x**3

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) * x)

    def mutate():
        A.forward = other

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_base_method_replaced():
    class Base:
        def act(self, x):
            return np.sin(x)

    class Child(Base):
        def forward(self, x):
            return self.act(x) * 2.0

    def other(self, x):
        return np.exp(x)

    m = Child()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        Base.act = other

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_base_method_via_super():
    class Base:
        def forward(self, x):
            return np.sin(x)

    class Child(Base):
        def forward(self, x):
            return super().forward(x) * x

    def other(self, x):
        return np.cosh(x)

    m = Child()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        Base.forward = other

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_class_attr_number():
    class A:
        K = 1.0

        def forward(self, x):
            return np.sin(self.K * x)

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.K = 2.0

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_base_class_attr_number():
    class Base:
        K = 1.0

    class A(Base):
        def forward(self, x):
            return x**2 * type(self).K + self.K * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        Base.K = -3.0

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_class_attr_function():
    class A:
        act = np.sin

        def forward(self, x):
            return self.act(x) * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.act = np.arctan

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_class_attr_python_function():
    """A plain function stored on the class is a method: replaced by another."""

    def act1(self, x):
        return np.sin(x)

    def act2(self, x):
        return x * x * x

    class A:
        act = act1

        def forward(self, x):
            return self.act(x) + x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        A.act = act2

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_attr_function_rebound():
    class A:
        def __init__(self):
            self.act = np.tanh

        def forward(self, x):
            return self.act(x)

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        m.act = np.sin

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_sub_object_rebound():
    class L1:
        def __call__(self, x):
            return np.sin(x)

    class L2:
        def __call__(self, x):
            return np.exp(-x * x)

    class A:
        def __init__(self):
            self.layer = L1()

        def forward(self, x):
            return self.layer(x) * 3.0

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        m.layer = L2()

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_property_replaced():
    class A:
        @property
        def scale(self):
            return 2.0

        def forward(self, x):
            return np.sin(self.scale * x)

    def new_scale(self):
        return -0.5

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.scale = property(new_scale)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_property_getter_replaced():
    """`A.p = A.p.getter(g)`: the property object replaced by a copy with another getter."""

    class A:
        def __init__(self):
            self.w = 1.5

        @property
        def weighted(self):
            return self.w

        def forward(self, x):
            return self.weighted * np.sin(x)

    def g(self):
        return self.w * self.w * 2.0

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.weighted = A.weighted.getter(g)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_call_redefined():
    class A:
        def __call__(self, x):
            return np.sin(x)

    def other(self, x):
        return x * np.cos(x)

    m = A()

    def f(m, x):
        return np.sum(m(x) ** 2)

    def mutate():
        A.__call__ = other

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_staticmethod_replaced():
    class A:
        @staticmethod
        def act(x):
            return np.sin(x)

        def forward(self, x):
            return self.act(x) * x

    def other(x):
        return np.exp(0.3 * x)

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.act = staticmethod(other)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_classmethod_replaced():
    class A:
        K = 2.0

        @classmethod
        def coef(cls, x):
            return cls.K * x

        def forward(self, x):
            return np.sin(self.coef(x))

    def other(cls, x):
        return cls.K * x * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.coef = classmethod(other)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_list_item_replaced():
    class Sin:
        def __call__(self, x):
            return np.sin(x)

    class Cube:
        def __call__(self, x):
            return x * x * x * 0.5

    layers = [Sin(), Sin()]

    def f(layers, x):
        for layer in layers:
            x = layer(x)
        return np.sum(x)

    def mutate():
        layers[1] = Cube()

    return Sc(f, (layers, X0.copy()), 1, mutate)


def sc_list_appended():
    class Tanh:
        def __call__(self, x):
            return np.tanh(x) * 1.5

    class Net:
        def __init__(self):
            self.layers = [Tanh()]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()

    def f(net, x):
        return np.sum(net(x) ** 2)

    def mutate():
        net.layers.append(Tanh())

    return Sc(f, (net, X0.copy()), 1, mutate)


def sc_dataclass_physics():
    import dataclasses

    @dataclasses.dataclass
    class Spring:
        k: float = 2.0

        def energy(self, q):
            return 0.5 * self.k * np.sum(q * q)

    def anharmonic(self, q):
        return 0.25 * self.k * np.sum(q**4)

    s = Spring()

    def f(s, q):
        return s.energy(q) + np.sum(np.cos(q))

    def mutate():
        Spring.energy = anharmonic

    return Sc(f, (s, X0.copy()), 1, mutate)


def sc_class_reassigned_subclass():
    class A:
        def forward(self, x):
            return np.sin(x)

    class B(A):
        def forward(self, x):
            return A.forward(self, x) * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        m.__class__ = B

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_instance_number_rebound():
    class A:
        def __init__(self):
            self.k = 1.0

        def forward(self, x):
            return np.sin(self.k * x)

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        m.k = 3.0

    return Sc(f, (m, X0.copy()), 1, mutate)


# -- held in a closure, in another object, as a helper's argument ---------------------


def sc_closure_class_reassigned():
    class A:
        def forward(self, x):
            return np.sin(x)

    class B:
        def forward(self, x):
            return np.log1p(x * x)

    m = A()

    def f(x):
        return np.sum(m.forward(x))

    def mutate():
        m.__class__ = B

    return Sc(f, (X0.copy(),), 0, mutate)


def sc_closure_method_on_instance():
    class A:
        def forward(self, x):
            return np.sin(x)

    def other(self, x):
        return np.arctan(x) * 4.0

    m = A()

    def f(x):
        return np.sum(m.forward(x) * x)

    def mutate():
        m.forward = types.MethodType(other, m)

    return Sc(f, (X0.copy(),), 0, mutate)


def sc_nested_attribute_class_method():
    class Enc:
        def forward(self, x):
            return np.sin(x)

    class Holder:
        def __init__(self):
            self.enc = Enc()

    def other(self, x):
        return x * x

    h = Holder()

    def f(h, x):
        return np.sum(h.enc.forward(x) * x)

    def mutate():
        Enc.forward = other

    return Sc(f, (h, X0.copy()), 1, mutate)


def sc_nested_attribute_instance_method():
    class Enc:
        def forward(self, x):
            return np.sin(x)

    class Holder:
        def __init__(self):
            self.enc = Enc()

    def other(self, x):
        return np.cos(x) * 3.0

    h = Holder()

    def f(h, x):
        return np.sum(h.enc.forward(x) * x)

    def mutate():
        h.enc.forward = types.MethodType(other, h.enc)

    return Sc(f, (h, X0.copy()), 1, mutate)


def _helper_apply(model, x):
    return model.forward(x) * 2.0


def sc_helper_given_object_class_reassigned():
    class A:
        def forward(self, x):
            return np.sin(x)

    class B:
        def forward(self, x):
            return np.tanh(3.0 * x)

    m = A()

    def f(m, x):
        return np.sum(_helper_apply(m, x) ** 2)

    def mutate():
        m.__class__ = B

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_list_of_objects_method_replaced():
    class L:
        def forward(self, x):
            return np.sin(x)

    def other(self, x):
        return x * 0.5 + x * x

    ls = [L(), L()]

    def f(ls, x):
        return np.sum(ls[0].forward(x) * ls[1].forward(x))

    def mutate():
        ls[1].forward = types.MethodType(other, ls[1])

    return Sc(f, (ls, X0.copy()), 1, mutate)


# -- globals ----------------------------------------------------------------------------

G_MODEL = None
G_LAYERS = None


def f_global_model(x):
    return np.sum(G_MODEL.forward(x) ** 2)


def f_global_layers(x):
    for layer in G_LAYERS:
        x = layer(x)
    return np.sum(x * x)


def sc_global_class_reassigned():
    global G_MODEL

    class A:
        def forward(self, x):
            return np.sin(x)

    class B:
        def forward(self, x):
            return np.exp(0.2 * x) - x

    G_MODEL = A()

    def mutate():
        G_MODEL.__class__ = B

    return Sc(f_global_model, (X0.copy(),), 0, mutate)


def sc_global_instance_method():
    global G_MODEL

    class A:
        def forward(self, x):
            return np.sin(x)

    def other(self, x):
        return np.cos(x) + x

    G_MODEL = A()

    def mutate():
        G_MODEL.forward = types.MethodType(other, G_MODEL)

    return Sc(f_global_model, (X0.copy(),), 0, mutate)


def sc_global_class_attr_function():
    global G_MODEL

    class A:
        act = np.sin

        def forward(self, x):
            return self.act(x) * 2.0

    G_MODEL = A()

    def mutate():
        A.act = np.sinh

    return Sc(f_global_model, (X0.copy(),), 0, mutate)


def sc_global_list_item_replaced():
    global G_LAYERS

    class Sin:
        def __call__(self, x):
            return np.sin(x)

    class Sq:
        def __call__(self, x):
            return x * x + x

    G_LAYERS = [Sin(), Sin()]

    def mutate():
        G_LAYERS[0] = Sq()

    return Sc(f_global_layers, (X0.copy(),), 0, mutate)


def sc_global_list_call_redefined():
    global G_LAYERS

    class Sin:
        def __call__(self, x):
            return np.sin(x)

    def other(self, x):
        return np.cos(x) * x

    G_LAYERS = [Sin()]

    def mutate():
        Sin.__call__ = other

    return Sc(f_global_layers, (X0.copy(),), 0, mutate)


# -- the differentiated object itself -------------------------------------------------


def sc_wrt_object_class_method():
    class A:
        def __init__(self, W):
            self.W = W

        def forward(self, x):
            return np.tanh(self.W * x)

    def other(self, x):
        return np.sin(self.W) * x * x

    m = A(np.array([0.4, -0.2, 0.9]))

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        A.forward = other

    return Sc(f, (m, X0.copy()), 0, mutate, obj_wrt=True)


def sc_wrt_object_class_reassigned():
    class A:
        def __init__(self, W):
            self.W = W

        def forward(self, x):
            return np.tanh(self.W * x)

    class B:
        def forward(self, x):
            return np.exp(self.W) * x

    m = A(np.array([0.4, -0.2, 0.9]))

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        m.__class__ = B

    return Sc(f, (m, X0.copy()), 0, mutate, obj_wrt=True)


def sc_wrt_object_instance_method():
    class A:
        def __init__(self, W):
            self.W = W

        def forward(self, x):
            return np.tanh(self.W * x)

    def other(self, x):
        return self.W**3 * x

    m = A(np.array([0.4, -0.2, 0.9]))

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        m.forward = types.MethodType(other, m)

    return Sc(f, (m, X0.copy()), 0, mutate, obj_wrt=True)


def sc_wrt_object_attr_function():
    class A:
        def __init__(self, W):
            self.W = W
            self.act = np.tanh

        def __call__(self, x):
            return self.act(self.W * x)

    m = A(np.array([0.4, -0.2, 0.9]))

    def f(m, x):
        return np.sum(m(x) ** 2)

    def mutate():
        m.act = np.sin

    return Sc(f, (m, X0.copy()), 0, mutate, obj_wrt=True)


def sc_wrt_object_class_attr_number():
    class A:
        K = 1.0

        def __init__(self, W):
            self.W = W

        def __call__(self, x):
            return np.sin(self.K * self.W * x)

    m = A(np.array([0.4, -0.2, 0.9]))

    def f(m, x):
        return np.sum(m(x))

    def mutate():
        A.K = 2.5

    return Sc(f, (m, X0.copy()), 0, mutate, obj_wrt=True)


# -- more ways to change an object -----------------------------------------------------


def sc_instance_call_ignored_class_call_redefined():
    """Python calls `type(m).__call__`: an instance's `__call__` is never used, before or after."""

    class A:
        def __call__(self, x):
            return np.sin(x)

    def inst(self, x):
        return x * 100.0

    def other(self, x):
        return np.cos(x) * x

    m = A()
    m.__call__ = types.MethodType(inst, m)

    def f(m, x):
        return np.sum(m(x) ** 2)

    def mutate():
        A.__call__ = other

    return Sc(f, (m, X0.copy()), 1, mutate)


def _scaled(x, k=1.0):
    return np.sin(k * x)


def sc_partial_attr_rebound():
    import functools

    class A:
        def __init__(self):
            self.act = functools.partial(_scaled, k=1.0)

        def forward(self, x):
            return self.act(x) * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        m.act = functools.partial(_scaled, k=2.5)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_closure_variable_rebound():
    class A:
        def forward(self, x):
            return np.sin(x)

    class B:
        def forward(self, x):
            return x**3

    m = A()

    def f(x):
        return np.sum(m.forward(x) * x)

    def mutate():
        nonlocal m
        m = B()

    return Sc(f, (X0.copy(),), 0, mutate)


def sc_method_code_replaced():
    class A:
        def forward(self, x):
            return np.sin(x)

    def other(self, x):
        return np.exp(x) * 0.5

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        A.forward.__code__ = other.__code__

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_method_defaults_replaced():
    class A:
        def forward(self, x, k=1.0):
            return np.sin(k * x)

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        A.forward.__defaults__ = (3.0,)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_class_attr_subobject_rebound():
    class L1:
        def __call__(self, x):
            return np.sin(x)

    class L2:
        def __call__(self, x):
            return np.arctan(2.0 * x)

    class A:
        layer = L1()

        def forward(self, x):
            return self.layer(x) * x

    m = A()

    def f(m, x):
        return np.sum(m.forward(x))

    def mutate():
        A.layer = L2()

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_list_item_class_reassigned():
    class Sin:
        def __call__(self, x):
            return np.sin(x)

    class Sq:
        def __call__(self, x):
            return x * x

    class Net:
        def __init__(self):
            self.layers = [Sin(), Sin()]

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()

    def f(net, x):
        return np.sum(net.forward(x) + x)

    def mutate():
        net.layers[0].__class__ = Sq

    return Sc(f, (net, X0.copy()), 1, mutate)


def sc_property_on_base_replaced():
    class Base:
        @property
        def scale(self):
            return 2.0

    class A(Base):
        def forward(self, x):
            return np.sin(x) * self.scale

    def new_scale(self):
        return 0.25

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) ** 2)

    def mutate():
        Base.scale = property(new_scale)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_lambda_method_on_class():
    class A:
        def forward(self, x):
            return np.sin(x)

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) * x)

    def mutate():
        A.forward = lambda self, x: np.cos(x) * 2.0

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_subclass_overrides_after_first_call():
    """A method added to the subclass later shadows the base class's."""

    class Base:
        def forward(self, x):
            return np.sin(x)

    class A(Base):
        pass

    def other(self, x):
        return np.tanh(x) * 3.0

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) * x)

    def mutate():
        A.forward = other

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_bases_reassigned():
    class B1:
        def forward(self, x):
            return np.sin(x)

    class B2:
        def forward(self, x):
            return x * x * 0.5

    class A(B1):
        pass

    m = A()

    def f(m, x):
        return np.sum(m.forward(x) * x)

    def mutate():
        A.__bases__ = (B2,)

    return Sc(f, (m, X0.copy()), 1, mutate)


def sc_helper_code_replaced():
    """A helper's `__code__` replaced (the differentiated function's own is watched)."""

    def helper(x):
        return np.sin(x)

    def other(x):
        return x * x

    def f(x):
        return np.sum(helper(x) * x)

    def mutate():
        helper.__code__ = other.__code__

    return Sc(f, (X0.copy(),), 0, mutate)


SCENARIOS = {
    name[3:]: fn for name, fn in list(globals().items()) if name.startswith("sc_") and callable(fn)
}

APIS = ("grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev", "hessian", "hvp")


def _make(api, sc):
    """The transformation made once (before the change), as a callable of the arguments."""
    f, wrt = sc.f, sc.wrt
    if api == "grad":
        g = ad.grad(f, wrt=wrt)
        return lambda args: (None, sc.leaf(g(*args)))
    if api == "value_and_grad":
        g = ad.value_and_grad(f, wrt=wrt)

        def run(args):
            v, d = g(*args)
            return v, sc.leaf(d)

        return run
    if api == "jacfwd":
        g = ad.jacfwd(f, wrt=wrt)
        return lambda args: (None, sc.leaf(g(*args)))
    if api == "jacrev":
        g = ad.jacrev(f, wrt=wrt)
        return lambda args: (None, sc.leaf(g(*args)))
    if api == "hessian":
        g = ad.hessian(f, wrt=wrt)
        return lambda args: (None, sc.leaf2(g(*args)))
    if api == "jvp":

        def run(args):
            ts = [None] * len(args)
            ts[wrt] = sc.tangent(V0)
            return ad.jvp(f, tuple(args), tuple(ts))

        return run
    if api == "vjp":

        def run(args):
            out, pb = ad.vjp(f, *args)
            return out, sc.leaf(pb(1.0)[wrt])

        return run
    if api == "hvp":

        def run(args):
            ts = [None] * len(args)
            ts[wrt] = sc.tangent(V0)
            g, hv = ad.hvp(f, tuple(args), tuple(ts))
            return None, (sc.leaf(g), sc.leaf(hv))

        return run
    raise AssertionError(api)


def _check(api, sc, result):
    value, d = result
    x = sc.point()
    plain = float(sc.f(*sc.args))
    if value is not None:
        _close(value, plain, rtol=1e-12, atol=1e-12)
    if api == "hessian":
        _close(d, _fd_hess(sc.plain_of, x), rtol=1e-4, atol=1e-5)
        return plain
    if api == "hvp":
        g, hv = d
        _close(g, _fd_grad(sc.plain_of, x))
        _close(hv, _fd_hess(sc.plain_of, x) @ V0, rtol=1e-4, atol=1e-5)
        return plain
    ref = _fd_grad(sc.plain_of, x)
    if api == "jvp":
        _close(d, ref @ V0)
    else:
        _close(d, ref)
    return plain


def _phase(label, fn):
    try:
        return fn()
    except Exception as e:
        text = " ".join(str(e).split())
        raise AssertionError(f"{label}: {type(e).__name__}: {text[:300]}") from e


def _run_scenario(name, api):
    sc = SCENARIOS[name]()
    made = _phase("make", lambda: _make(api, sc))
    before = _phase("before the change", lambda: _check(api, sc, made(sc.args)))
    sc.mutate()
    # the transformation made before the change, then one made fresh after it
    after = _phase("after the change", lambda: _check(api, sc, made(sc.args)))
    assert abs(after - before) > 1e-6, "the change must change the value"
    _phase("made after the change", lambda: _check(api, sc, _make(api, sc)(sc.args)))


KNOWN = {
    # (a method's or helper's __code__ replaced, a subclass override added later, __bases__
    # reassigned: stale numbers fixed in session 37)
    # (m.forward = MethodType(g, m) on the differentiated object: refused until session 37)
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KNOWN[n])) if n in KNOWN else n
        for n in SCENARIOS
    ],
)
def test_changed_object(name):
    """The eight APIs, each made before the change and called again after it, and made fresh."""
    failures = []
    for api in APIS:
        try:
            _run_scenario(name, api)
        except AssertionError as e:
            failures.append(f"{api}: {e}")
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------
# part 2: NumPy's and SciPy's own keyword names

A2 = np.array([[0.3, -0.5, 0.8], [1.2, 0.1, -0.4]])
B2 = np.array([[0.7, 0.2], [-0.3, 0.9], [0.5, -1.1]])
Y3 = np.array([0.9, 0.4, -0.6])


def kw_mean(x):
    return np.mean(a=x) ** 2


def pos_mean(x):
    return np.mean(x) ** 2


def kw_sum_axis(x):
    return np.sum(np.sum(a=x * x, axis=0) * Y3)


def pos_sum_axis(x):
    return np.sum(np.sum(x * x, 0) * Y3)


def kw_sum_mixed(x):
    return np.sum(np.sum(np.outer(x, x) ** 3, keepdims=True, axis=1) * Y3[:, None])


def pos_sum_mixed(x):
    return np.sum(np.sum(np.outer(x, x) ** 3, 1, None, None, True) * Y3[:, None])


def kw_stack(x):
    return np.sum(np.stack(arrays=[x, np.sin(x)]) ** 2 * np.array([[1.0], [2.0]]))


def pos_stack(x):
    return np.sum(np.stack([x, np.sin(x)]) ** 2 * np.array([[1.0], [2.0]]))


def kw_stack_axis_first(x):
    return np.sum(np.stack(axis=1, arrays=[x, x * x]) @ np.array([1.0, -2.0]))


def pos_stack_axis_first(x):
    return np.sum(np.stack([x, x * x], 1) @ np.array([1.0, -2.0]))


def kw_tile(x):
    return np.sum(np.tile(A=x, reps=2) * np.arange(6.0) * x[0])


def pos_tile(x):
    return np.sum(np.tile(x, 2) * np.arange(6.0) * x[0])


def kw_tile_mixed(x):
    return np.sum(np.tile(x, reps=(2, 1)) ** 3)


def pos_tile_mixed(x):
    return np.sum(np.tile(x, (2, 1)) ** 3)


def kw_dot(x):
    return np.dot(a=x, b=np.sin(x))


def pos_dot(x):
    return np.dot(x, np.sin(x))


def kw_dot_reversed(x):
    return np.dot(b=Y3, a=x * x)


def pos_dot_reversed(x):
    return np.dot(x * x, Y3)


def kw_tensordot(x):
    return np.sum(np.tensordot(a=A2 * x, b=B2, axes=1) ** 2)


def pos_tensordot(x):
    return np.sum(np.tensordot(A2 * x, B2, 1) ** 2)


def kw_tensordot_mixed(x):
    return np.sum(np.tensordot(A2, axes=([1], [0]), b=x * B2.T[0]) ** 2)


def pos_tensordot_mixed(x):
    return np.sum(np.tensordot(A2, x * B2.T[0], ([1], [0])) ** 2)


def kw_norm(x):
    return np.linalg.norm(x=x)


def pos_norm(x):
    return np.linalg.norm(x)


def kw_norm_ord(x):
    return np.linalg.norm(ord=3, x=x * x + 1.0)


def pos_norm_ord(x):
    return np.linalg.norm(x * x + 1.0, 3)


def kw_norm_axis(x):
    return np.sum(np.linalg.norm(np.outer(x, Y3), axis=1, keepdims=True))


def pos_norm_axis(x):
    return np.sum(np.linalg.norm(np.outer(x, Y3), None, 1, True))


def kw_clip(x):
    return np.sum(np.clip(a=x, a_min=-0.5, a_max=0.5) * x)


def pos_clip(x):
    return np.sum(np.clip(x, -0.5, 0.5) * x)


def kw_clip_reordered(x):
    return np.sum(np.clip(a_max=0.9, a=x * 2.0, a_min=-1.0) ** 2)


def pos_clip_reordered(x):
    return np.sum(np.clip(x * 2.0, -1.0, 0.9) ** 2)


def kw_clip_min_max(x):
    return np.sum(np.clip(x, min=-0.5, max=0.5) ** 2)


def pos_clip_min_max(x):
    return np.sum(np.clip(x, -0.5, 0.5) ** 2)


def kw_logsumexp(x):
    return sp.logsumexp(a=x)


def pos_logsumexp(x):
    return sp.logsumexp(x)


def kw_logsumexp_b(x):
    return sp.logsumexp(b=np.array([0.5, 2.0, 1.0]), a=x * 2.0)


def pos_logsumexp_b(x):
    return sp.logsumexp(x * 2.0, None, np.array([0.5, 2.0, 1.0]))


def kw_softmax(x):
    return np.sum(sp.softmax(x=x) * Y3)


def pos_softmax(x):
    return np.sum(sp.softmax(x) * Y3)


def kw_cumsum(x):
    return np.sum(np.cumsum(axis=0, a=x) ** 2)


def pos_cumsum(x):
    return np.sum(np.cumsum(x, 0) ** 2)


def kw_std(x):
    return np.std(a=x, ddof=1)


def pos_std(x):
    return np.std(x, None, None, None, 1)


def kw_var_axis(x):
    return np.sum(np.var(a=np.outer(x, x), axis=0))


def pos_var_axis(x):
    return np.sum(np.var(np.outer(x, x), 0))


def kw_max(x):
    return np.max(a=x * x)


def pos_max(x):
    return np.max(x * x)


def kw_transpose(x):
    return np.sum(np.transpose(a=np.outer(x, Y3), axes=(1, 0)) * A2.T.sum(axis=1)[:, None] * x)


def pos_transpose(x):
    return np.sum(np.transpose(np.outer(x, Y3), (1, 0)) * A2.T.sum(axis=1)[:, None] * x)


def kw_average(x):
    return np.average(a=x * x, weights=np.array([1.0, 2.0, 3.0]))


def pos_average(x):
    return np.average(x * x, None, np.array([1.0, 2.0, 3.0]))


def kw_trace(x):
    return np.trace(a=np.outer(x, x), offset=1)


def pos_trace(x):
    return np.trace(np.outer(x, x), 1)


def kw_swapaxes(x):
    return np.sum(np.swapaxes(a=np.outer(x, Y3), axis1=0, axis2=1) @ x)


def pos_swapaxes(x):
    return np.sum(np.swapaxes(np.outer(x, Y3), 0, 1) @ x)


def kw_diff(x):
    return np.sum(np.diff(a=x * x, n=2) ** 2)


def pos_diff(x):
    return np.sum(np.diff(x * x, 2) ** 2)


def kw_concatenate_axis(x):
    return np.sum(np.concatenate([x, x * x], axis=0) * np.arange(6.0))


def pos_concatenate_axis(x):
    return np.sum(np.concatenate([x, x * x], 0) * np.arange(6.0))


def kw_pad(x):
    return np.sum(np.pad(array=x, pad_width=1) * np.arange(5.0) * np.sum(x))


def pos_pad(x):
    return np.sum(np.pad(x, 1) * np.arange(5.0) * np.sum(x))


def kw_split(x):
    a, b, c = np.split(ary=x * x, indices_or_sections=3)
    return np.sum(a * b - c)


def pos_split(x):
    a, b, c = np.split(x * x, 3)
    return np.sum(a * b - c)


def kw_flip_triu(x):
    return np.sum(np.triu(m=np.outer(x, Y3), k=0) * np.flip(m=np.outer(x, x), axis=0))


def pos_flip_triu(x):
    return np.sum(np.triu(np.outer(x, Y3), 0) * np.flip(np.outer(x, x), 0))


def kw_cross_kron(x):
    return np.sum(np.cross(a=x, b=Y3) ** 2) + np.sum(np.kron(a=x, b=Y3) * np.arange(9.0))


def pos_cross_kron(x):
    return np.sum(np.cross(x, Y3) ** 2) + np.sum(np.kron(x, Y3) * np.arange(9.0))


def kw_convolve(x):
    return np.sum(np.convolve(a=x, v=np.array([1.0, -2.0]), mode="valid") ** 2)


def pos_convolve(x):
    return np.sum(np.convolve(x, np.array([1.0, -2.0]), "valid") ** 2)


def kw_interp(x):
    return np.sum(np.interp(x=np.array([0.5, 1.5]), xp=np.array([0.0, 1.0, 2.0]), fp=x * x))


def pos_interp(x):
    return np.sum(np.interp(np.array([0.5, 1.5]), np.array([0.0, 1.0, 2.0]), x * x))


def kw_linalg_solve_det(x):
    M = np.eye(3) * 2.0 + np.outer(x, Y3) * 0.1
    return np.sum(np.linalg.solve(a=M, b=x)) + np.linalg.det(a=M)


def pos_linalg_solve_det(x):
    M = np.eye(3) * 2.0 + np.outer(x, Y3) * 0.1
    return np.sum(np.linalg.solve(M, x)) + np.linalg.det(M)


def kw_pow(x):
    return np.sum(pow(base=x, exp=3) + pow(2.0, exp=x))


def pos_pow(x):
    return np.sum(pow(x, 3) + pow(2.0, x))


def kw_method_sum(x):
    return np.sum(np.outer(x, x).sum(axis=0, keepdims=True) * x)


def pos_method_sum(x):
    return np.sum(np.outer(x, x).sum(0, None, None, True) * x)


def kw_method_clip(x):
    return np.sum(x.clip(min=-0.5, max=0.5) ** 2)


def pos_method_clip(x):
    return np.sum(x.clip(-0.5, 0.5) ** 2)


def kw_method_mean_std(x):
    return np.outer(x, x).mean(axis=1).std(ddof=1)


def pos_method_mean_std(x):
    return np.outer(x, x).mean(1).std(None, None, None, 1)


KW_PAIRS = sorted(n[3:] for n in list(globals()) if n.startswith("kw_"))
KW_KNOWN: dict = {}  # (np.clip's and x.clip's min=/max=: fixed in session 37)


def _assert_same_derivatives(fkw, fpos, x):
    plain = fkw(x)
    _close(plain, fpos(x), rtol=1e-12, atol=0)
    ref = _fd_grad(lambda v: float(fkw(v)), x)
    v, g = ad.value_and_grad(fkw)(x)
    _close(v, plain, rtol=1e-12, atol=1e-15)
    _close(g, ref)
    _close(g, ad.grad(fpos)(x), rtol=1e-10, atol=1e-12)
    out, jv = ad.jvp(fkw, (x,), (V0,))
    _close(out, plain, rtol=1e-12, atol=1e-15)
    _close(jv, g @ V0, rtol=1e-10, atol=1e-12)
    _close(ad.grad(fkw, mode="forward")(x), g, rtol=1e-10, atol=1e-12)
    out, pb = ad.vjp(fkw, x)
    _close(out, plain, rtol=1e-12, atol=1e-15)
    _close(pb(1.0)[0], g, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=KW_KNOWN[n]))
        if n in KW_KNOWN
        else n
        for n in KW_PAIRS
    ],
)
def test_keyword_spelling(name):
    g = globals()
    _assert_same_derivatives(g["kw_" + name], g["pos_" + name], X0.copy())


def test_keyword_hessian_mean_and_tensordot():
    def f(x):
        return np.mean(a=np.tensordot(a=A2, b=x * x, axes=1) ** 2) + sp.logsumexp(a=x)

    def p(x):
        return np.mean(np.tensordot(A2, x * x, 1) ** 2) + sp.logsumexp(x)

    _close(ad.hessian(f)(X0), ad.hessian(p)(X0), rtol=1e-10, atol=1e-12)
    _close(ad.hessian(f)(X0), _fd_hess(f, X0), rtol=1e-4, atol=1e-5)


def test_keyword_jacobians_of_vector_output():
    def f(x):
        return np.cumsum(a=np.stack(arrays=[x, x * x]), axis=1).ravel()

    J = ad.jacfwd(f)(X0)
    assert J.shape == (6, 3)
    ref = np.stack([_fd_grad(lambda v, i=i: f(v)[i], X0) for i in range(6)])
    _close(J, ref)
    _close(ad.jacrev(f)(X0), J, rtol=1e-10, atol=1e-12)


def test_keyword_in_helper_and_method():
    class M:
        def forward(self, x):
            return np.sum(a=np.tile(A=x, reps=2) ** 2, axis=0)

    m = M()

    def f(m, x):
        return m.forward(x) * np.mean(a=x)

    ref = _fd_grad(lambda v: f(m, v), X0)
    _close(ad.grad(f, wrt=1)(m, X0), ref)
    _close(ad.jvp(f, (m, X0), (None, V0))[1], ref @ V0)


# -- keywords that are wrong or that a rule may not honour ---------------------------------


def err_sum_bogus(x):
    return np.sum(x, bogus=1)  # HERE


def err_mean_axes_typo(x):
    return np.mean(a=x, axes=0)  # HERE


def err_tile_repeats(x):
    return np.sum(np.tile(x, repeats=2))  # HERE


def err_norm_a(x):
    return np.linalg.norm(a=x)  # HERE


def err_dot_x(x):
    return np.dot(x=x, b=x)  # HERE


def err_where_condition(x):
    return np.sum(np.where(condition=x > 0, x=x, y=-x))  # HERE


def err_reshape_a(x):
    return np.sum(np.reshape(a=x, shape=(3, 1)) ** 2)  # HERE


def err_inner_a(x):
    return np.inner(a=x, b=x)  # HERE


def err_clip_twice(x):
    return np.sum(np.clip(x, -0.5, 0.5, a_min=-1.0))  # HERE


def err_logsumexp_x(x):
    return sp.logsumexp(x=x)  # HERE


def err_stack_a(x):
    return np.sum(np.stack(a=[x, x]))  # HERE


def err_pow_x(x):
    return np.sum(pow(x=x, y=2))  # HERE


ERR_FUNCS = sorted(n for n in list(globals()) if n.startswith("err_"))
ERR_KNOWN = {}


def _here_line(fn):
    lines, start = inspect.getsourcelines(fn)
    for k, line in enumerate(lines):
        if "# HERE" in line:
            return start + k
    raise AssertionError("no marker")


def _assert_located(exc, fn):
    msg = str(exc)
    assert isinstance(exc, ad.S2SError), f"not an s2s_ad error: {type(exc).__name__}: {msg}"
    assert f"{THIS_FILE}:{_here_line(fn)}" in msg, msg


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=ERR_KNOWN[n]))
        if n in ERR_KNOWN
        else n
        for n in ERR_FUNCS
    ],
)
def test_wrong_keyword_is_located_error(name):
    fn = globals()[name]
    with pytest.raises(TypeError):
        fn(X0.copy())  # NumPy itself refuses it
    for make in (lambda: ad.grad(fn)(X0.copy()), lambda: ad.jvp(fn, (X0.copy(),), (V0,))):
        with pytest.raises(Exception) as info:
            make()
        _assert_located(info.value, fn)


# keywords NumPy has and the rule must honour, or refuse at the line (never ignore)


def hon_sum_initial(x):
    return np.sum(x * x, initial=5.0)  # HERE


def hon_max_initial(x):
    return np.max(x, initial=2.0) * x[0]  # HERE


def hon_max_where(x):
    return np.max(x * x, where=np.array([True, False, True]), initial=-10.0)  # HERE


def hon_sum_where(x):
    return np.sum(x**3, where=np.array([True, False, True]))  # HERE


def hon_mean_where(x):
    return np.mean(x**3, where=np.array([True, False, True]))  # HERE


def hon_prod_initial(x):
    return np.prod(x + 2.0, initial=3.0)  # HERE


def hon_std_mean(x):
    return np.std(x, mean=np.zeros(1))  # HERE


def hon_std_correction(x):
    return np.std(x, correction=1)  # HERE


def hon_diff_prepend(x):
    return np.sum(np.diff(x * x, prepend=1.0) ** 2)  # HERE


def hon_clip_a_min_none(x):
    return np.sum(np.clip(x, a_min=None, a_max=0.5) ** 2)  # HERE


def hon_norm_keepdims(x):
    return np.sum(np.linalg.norm(x=np.outer(x, Y3), ord=1, axis=0, keepdims=True))  # HERE


def hon_logsumexp_return_sign(x):
    r, s = sp.logsumexp(a=x, b=np.array([1.0, -0.1, 1.0]), return_sign=True)  # HERE
    return r * s


def hon_cumsum_dtype(x):
    return np.sum(np.cumsum(x, dtype=np.float32).astype(np.float64) ** 2)  # HERE


def hon_pad_constant_values(x):
    return np.sum(np.pad(x, 1, constant_values=2.0) * np.arange(5.0) * x[1])  # HERE


def hon_average_keepdims(x):
    return np.sum(np.average(a=np.outer(x, x), axis=0, weights=Y3 + 1.0, keepdims=True))  # HERE


HON_FUNCS = sorted(n for n in list(globals()) if n.startswith("hon_"))
HON_KNOWN = {}
HON_REF = {"hon_cumsum_dtype": lambda x: np.sum(np.cumsum(x) ** 2)}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=HON_KNOWN[n]))
        if n in HON_KNOWN
        else n
        for n in HON_FUNCS
    ],
)
def test_keyword_honoured_or_refused(name):
    fn = globals()[name]
    x = X0.copy()
    plain = float(fn(x))
    try:
        v, g = ad.value_and_grad(fn)(x)
    except ad.S2SError as e:
        _assert_located(e, fn)
        return
    rtol = 1e-5 if "float32" in inspect.getsource(fn) else 1e-12
    _close(v, plain, rtol=rtol, atol=1e-12)
    ref = HON_REF.get(name, fn)  # float32 arithmetic: central differences of the float64 twin
    _close(g, _fd_grad(lambda t: float(ref(t)), x), rtol=RTOL, atol=1e-6)
    try:
        out, jv = ad.jvp(fn, (x,), (V0,))
    except ad.S2SError as e:
        _assert_located(e, fn)
        return
    _close(out, plain, rtol=rtol, atol=1e-12)
    _close(jv, g @ V0, rtol=1e-8, atol=1e-10)
