# ruff: noqa: B028, SIM105, SIM108  (the programs are written as users write them)
"""Programs for tests/test_object_classes_independent.py: objects of the user's classes made
inside the differentiated function, and warnings.warn inside it."""

import warnings
from warnings import warn

import numpy as np
import object_classes_lib_independent as olib


class H:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**2)

    def scaled(self, s):
        return H(self.w * s)

    def step(self, dt):
        return H(self.w + dt * np.tanh(self.w))

    def same(self):
        return self

    def flip(self):
        return K(self.w)

    def maybe(self, c):
        return self if c > 0 else K(self.w)

    def split(self):
        return H(self.w * 2.0), K(self.w)

    def kind_scaled(self, s):
        return type(self)(self.w * s)

    def cls_scaled(self, s):
        return self.__class__(self.w * s)

    @property
    def twin(self):
        return K(self.w)

    @property
    def norm2(self):
        return np.sum(self.w**2)

    @staticmethod
    def make(w):
        return K(w)

    @classmethod
    def create(cls, w):
        return cls(w)


class K:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(np.sin(self.w * x))

    def scaled(self, s):
        return K(self.w * s)

    def step(self, dt):
        return K(self.w - dt * self.w**2)

    def flip(self):
        return H(self.w)

    def maybe(self, c):
        return self if c > 0 else H(self.w)

    def same(self):
        return self

    @property
    def norm2(self):
        return np.sum(np.abs(self.w) ** 3)


class HSub(H):
    def energy(self, x):
        return np.sum(self.w * x**3)


class HSub2(H):
    def scaled(self, s):
        return HSub2(self.w * s * 3.0)


class HSuper(H):
    def energy(self, x):
        return super().energy(x) * 2.0 + np.sum(self.w)


class Cal:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sum(np.tanh(self.w * x))


class Cal2:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sum(np.exp(self.w * x))


class Util:
    @staticmethod
    def sq(x):
        return x * x

    def apply(self, x):
        return np.sum(self.sq(x) * 1.5)


# ---------------------------------------------------------------- one class: supported


def p_copy(x):
    h = H(x)
    g = h
    return g.energy(x)


def p_copy_chain(x):
    h = H(x * 2.0)
    g = h
    k = g
    return k.energy(x) + h.energy(x)


def p_method_result(x):
    h = H(x)
    g = h.scaled(1.5)
    return g.energy(x)


def p_method_chain_named(x):
    h = H(x)
    g = h.scaled(0.5)
    k = g.scaled(3.0)
    return k.energy(x) + g.energy(x)


def p_tuple_unpack(x):
    a, b = H(x), K(x)
    return a.energy(x) + 2.0 * b.energy(x)


def p_tuple_swap(x):
    a, b = H(x), K(x)
    a, b = b, a
    return a.energy(x) + 2.0 * b.energy(x)


def p_branch_one_class(x):
    if np.sum(x) > 0:
        h = H(x)
    else:
        h = H(x * 2.0)
    return h.energy(x)


def p_ifexp_one_class(x):
    h = H(x) if x[0] > 0 else H(x * 3.0)
    return h.energy(x)


def p_branch_rebind_same(x):
    h = H(x)
    if x[1] < 0:
        h = h.scaled(2.0)
    return h.energy(x)


def p_for_step(x):
    h = H(x)
    for _ in range(4):
        h = h.step(0.1)
    return h.energy(x)


def p_for_step_accumulate(x):
    h = K(x)
    total = 0.0
    for _ in range(3):
        total = total + h.energy(x)
        h = h.step(0.2)
    return total + h.energy(x)


def p_while_step(x):
    h = H(x)
    i = 0
    while i < 3:
        h = h.scaled(0.9)
        i += 1
    return h.energy(x)


def p_nested_loops(x):
    h = H(x)
    for _ in range(2):
        for _ in range(3):
            h = h.step(0.05)
        h = h.scaled(1.1)
    return h.energy(x)


def p_for_break_data(x):
    h = H(x)
    for i in range(6):
        if h.norm2 > 1.0 + i:
            break
        h = h.scaled(1.3)
    return h.energy(x)


def p_while_break_data(x):
    h = K(x)
    while True:
        h = h.scaled(0.7)
        if np.sum(h.w**2) < 0.2:
            break
    return h.energy(x)


def p_loop_early_return(x):
    h = H(x)
    for i in range(5):
        h = h.scaled(1.2)
        if h.norm2 > 0.6:
            return h.energy(x) + i
    return h.energy(x)


def p_returns_self(x):
    h = H(x)
    g = h.same()
    return g.energy(x) + h.same().energy(x)


def p_returns_self_loop(x):
    h = K(x)
    for _ in range(3):
        h = h.same()
    return h.energy(x)


def p_flip_twice(x):
    h = H(x)
    g = h.flip()
    k = g.flip()
    return g.energy(x) + 2.0 * k.energy(x)


def p_property(x):
    h = H(x * 0.5)
    g = h
    return g.norm2 + h.energy(x)


def p_property_other_class(x):
    h = H(x)
    t = h.twin
    return t.energy(x)


def p_call(x):
    c = Cal(x)
    d = c
    return d(x)


def p_call_in_loop(x):
    c = Cal(x)
    total = 0.0
    for k in range(3):
        total = total + c(x * (k + 1.0))
    return total


def p_staticmethod(x):
    u = Util()
    v = u
    return v.apply(x) + np.sum(Util.sq(x))


def p_staticmethod_maker(x):
    k = H.make(x)
    return k.energy(x)


def p_classmethod_subclass(x):
    h = HSub.create(x)
    return h.energy(x)


def p_sub_override(x):
    h = HSub(x)
    g = h
    return g.energy(x)


def p_sub_base_method_returns_base(x):
    # H.scaled returns an H, not an HSub: g.energy is H's
    h = HSub(x)
    g = h.scaled(2.0)
    return g.energy(x)


def p_sub_type_self(x):
    # type(self)(...) gives an HSub: g.energy is HSub's
    h = HSub(x)
    g = h.kind_scaled(2.0)
    return g.energy(x)


def p_sub_class_attr(x):
    h = HSub(x)
    g = h.cls_scaled(2.0)
    return g.energy(x)


def p_sub2_override_scaled(x):
    h = HSub2(x)
    g = h.scaled(0.5)
    return g.energy(x) + np.sum(g.w)


def p_super_energy(x):
    h = HSuper(x)
    g = h.scaled(1.0)
    return h.energy(x) + g.energy(x)


def p_other_module(x):
    h = olib.LH(x)
    g = h.scaled(2.0)
    return g.energy(x)


def p_other_module_same_name(x):
    h = olib.H(x)
    g = h.scaled(2.0)
    k = H(x)
    return g.energy(x) + k.energy(x)


def p_with_block(x):
    h = H(x)
    with np.errstate(all="ignore"):
        h = h.scaled(2.0)
        g = h
    return g.energy(x)


def p_with_block_other_class(x):
    h = H(x)
    with np.errstate(all="ignore"):
        h = K(x * 2.0)
    return h.energy(x)


def p_comprehension(x):
    vals = [H(x).scaled(s).energy(x) for s in (1.0, 2.0, 3.0)]
    return sum(vals)


def p_tuple_held(x):
    pair = (H(x), K(x))
    a = pair[1]
    return a.energy(x) + pair[0].energy(x)


def p_tuple_held_unpack_swap(x):
    pair = (H(x), K(x))
    b, a = pair
    return a.energy(x) + 3.0 * b.energy(x)


def p_method_result_in_loop(x):
    h = H(x)
    total = 0.0
    for _ in range(3):
        g = h.scaled(0.5)
        total = total + g.energy(x)
        h = g
    return total


def p_split(x):
    a, b = H(x).split()
    return a.energy(x) + b.energy(x)


def p_rebind_straight_other_class(x):
    h = H(x)
    e1 = h.energy(x)
    h = K(x)
    return e1 + h.energy(x)


# ------------------------------------------------ class may differ by path: refuse or be right


def q_branch_two_classes(x):
    if x[0] > 0:
        h = H(x)
    else:
        h = K(x)
    return h.energy(x)


def q_ifexp_two_classes(x):
    h = H(x) if x[0] > 0 else K(x)
    return h.energy(x)


def q_branch_rebind_other(x):
    h = H(x)
    if x[1] < 0:
        h = K(x)
    return h.energy(x)


def q_branch_sub(x):
    h = H(x) if np.sum(x) > 0 else HSub(x)
    return h.energy(x)


def q_branch_other_module(x):
    if x[0] > 0:
        h = olib.H(x)
    else:
        h = H(x)
    return h.energy(x)


def q_loop_then_other_class(x):
    h = H(x)
    total = 0.0
    for _ in range(3):
        total = total + h.energy(x)
        h = K(x)
    return total


def q_loop_flip(x, n):
    h = H(x)
    for _ in range(n):
        h = h.flip()
    return h.energy(x)


def q_loop_flip_energy_inside(x):
    h = H(x)
    total = 0.0
    for _ in range(3):
        total = total + h.energy(x)
        h = h.flip()
    return total


def q_loop_swap(x):
    a, b = H(x), K(x)
    total = 0.0
    for _ in range(3):
        total = total + a.energy(x)
        a, b = b, a
    return total


def q_loop_swap_after(x, n):
    a, b = H(x), K(x)
    for _ in range(n):
        a, b = b, a
    return a.energy(x) + 2.0 * b.energy(x)


def q_maybe_by_data(x):
    h = H(x)
    g = h.maybe(x[0])
    return g.energy(x)


def q_tuple_index_by_count(x, n):
    pair = (H(x), K(x))
    a = pair[n % 2]
    return a.energy(x)


def q_loop_over_objects(x):
    total = 0.0
    for o in (H(x), K(x), HSub(x)):
        total = total + o.energy(x)
    return total


def q_loop_over_objects_list(x):
    total = 0.0
    objs = [K(x), H(x)]
    for o in objs:
        total = total + o.norm2
    return total


def q_while_flip_data(x):
    h = H(x)
    i = 0
    while np.sum(x) + i < 2.0:
        h = h.flip()
        i += 1
    return h.energy(x)


def q_break_flip(x):
    h = H(x)
    for i in range(4):
        if x[0] * i > 0.5:
            break
        h = h.flip()
    return h.energy(x)


def q_early_return_two_classes(x):
    h = H(x)
    for i in range(4):
        if x[2] * i > 0.7:
            return h.energy(x)
        h = h.flip()
    return h.energy(x)


def q_call_two_classes(x):
    c = Cal(x) if x[0] > 0 else Cal2(x)
    return c(x)


def q_flip_in_branch_in_loop(x):
    h = H(x)
    for i in range(3):
        if i % 2 == 1:
            h = h.flip()
    return h.energy(x)


def q_comprehension_two_classes(x):
    vals = [(H(x) if s > 1.5 else K(x)).energy(x) for s in (1.0, 2.0)]
    return sum(vals)


def q_with_branch_two_classes(x):
    h = H(x)
    with np.errstate(all="ignore"):
        if x[0] > 0:
            h = K(x)
    return h.energy(x)


def q_nested_loop_flip(x):
    h = K(x)
    for _ in range(2):
        for _ in range(3):
            h = h.flip()
    return h.energy(x)


def q_copy_then_branch(x):
    h = H(x)
    g = h
    if x[2] > 0:
        g = h.flip()
    return g.energy(x) + h.energy(x)


def q_try_rebind(x):
    h = H(x)
    try:
        h = K(x)
    except ValueError:
        pass
    return h.energy(x)


def q_tuple_rebuilt_in_loop(x):
    pair = (H(x), K(x))
    for _ in range(3):
        pair = (pair[1], pair[0])
    return pair[0].energy(x)


def q_branch_same_name_diff_module(x):
    h = olib.H(x) if x[0] > 0 else olib.LH(x)
    return h.energy(x)


class HSubSame(H):
    def same(self):
        return K(self.w)


class Pair:
    def __init__(self, w):
        self.w = w
        self.partner = K(w * 2.0)

    def energy(self, x):
        return np.sum(self.w * x)


def q_sub_step_in_loop(x, n):
    # H.step returns an H: HSub before the first iteration, H after
    h = HSub(x)
    for _ in range(n):
        h = h.step(0.1)
    return h.energy(x)


def q_sub_scaled_while(x, n):
    h = HSub(x)
    i = 0
    while i < n:
        h = h.scaled(0.9)
        i += 1
    return h.energy(x)


def q_sub_step_break(x):
    h = HSub(x)
    for i in range(3):
        if x[0] * i > 0.2:
            break
        h = h.step(0.1)
    return h.energy(x)


def q_sub_step_energy_inside(x):
    h = HSub(x)
    total = 0.0
    for _ in range(2):
        total = total + h.energy(x)
        h = h.step(0.1)
    return total


def q_ifexp_sub_vs_base_result(x):
    h = HSub(x) if x[0] > 0 else HSub(x).scaled(2.0)
    return h.energy(x)


def q_override_same_returns_other(x):
    h = HSubSame(x)
    g = h.same()
    return g.energy(x)


def q_override_same_in_loop(x, n):
    h = HSubSame(x)
    for _ in range(n):
        h = h.same()
    return h.energy(x)


def q_maybe_in_loop(x):
    h = H(x)
    for i in range(2):
        h = h.maybe(x[0] - i)
    return h.energy(x)


def q_partner_attribute(x):
    p = Pair(x)
    g = p.partner
    return g.energy(x) + p.energy(x)


def q_other_module_loop(x, n):
    h = olib.H(x)
    for _ in range(n):
        h = h.scaled(0.9)
    return h.energy(x)


def q_branch_same_or_flip(x):
    h = H(x)
    if x[0] > 0:
        g = h.same()
    else:
        g = h.flip()
    return g.energy(x)


def q_tuple_unpack_sub_results(x):
    a, b = HSub(x).scaled(2.0), HSub(x)
    return a.energy(x) + 2.0 * b.energy(x)


def q_sub_step_early_return(x):
    h = HSub(x)
    for i in range(3):
        if x[2] * i > 0.4:
            return h.energy(x)
        h = h.step(0.1)
    return h.energy(x) * 2.0


def q_sub_step_nested(x, n):
    h = HSub(x)
    for _ in range(2):
        for _ in range(n):
            h = h.step(0.1)
    return h.energy(x)


# ---------------------------------------------------------------- warnings


class ProgWarning(UserWarning):
    pass


def w_plain(x):
    warnings.warn("w_plain warns")
    return np.sum(x**2)


def w_from_import(x):
    warn("w_from_import warns")
    return np.sum(np.sin(x))


def w_instance(x):
    warnings.warn(ProgWarning("w_instance warns"))
    return np.sum(x**3)


def w_category(x):
    warnings.warn("w_category warns", RuntimeWarning)
    y = np.tanh(x)
    warnings.warn("w_category deprecated", category=DeprecationWarning)
    return np.sum(y * x)


def _warning_helper(v):
    warnings.warn("helper warns", stacklevel=1)
    return v * 2.0


def _warning_helper_caller(v):
    warnings.warn("helper warns for caller", stacklevel=2)
    return v * 3.0


def w_helper(x):
    y = _warning_helper(x)
    return np.sum(y**2)


def w_helper_stacklevel2(x):
    y = _warning_helper_caller(x)
    return np.sum(np.cos(y))


def w_loop(x):
    total = 0.0
    for i in range(3):
        warnings.warn("w_loop warns")
        total = total + np.sum(x * i) ** 2
    return total


def w_loop_messages(x):
    total = 0.0
    for i in range(3):
        warnings.warn(f"w_loop_messages {i}")
        total = total + np.sum(np.exp(x * i))
    return total


def w_branch(x):
    if x[0] > 0:
        warnings.warn("w_branch positive")
        y = x * 2.0
    else:
        warnings.warn("w_branch negative")
        y = x * 3.0
    return np.sum(y**2)


def w_value_message(x):
    s = np.sum(x**2)
    if s > 0.1:
        warnings.warn(f"large {s:.3f}")
    return s * 2.0


def w_in_method(x):
    h = WarnH(x)
    g = h.scaled(2.0)
    return g.energy(x)


def w_twice_same_line(x):
    for _ in range(2):
        warnings.warn("twice", UserWarning)
    warnings.warn("twice", UserWarning)
    return np.sum(x**2)


class WarnH:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        warnings.warn("WarnH energy")
        return np.sum(self.w * x**2)

    def scaled(self, s):
        return WarnH(self.w * s)
