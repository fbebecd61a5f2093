"""Tester 88: objects made in the function, their classes changed between two calls.

Each program builds objects of its own classes inside the differentiated function. A
derivative is made and called; then the program changes a class (a method, property,
``__init__``, ``__call__``, static or class method redefined, added to a subclass or
deleted, ``__bases__`` reassigned, special methods added, the class name rebound, a class
attribute changed, another module's class changed through that module), and the same
derivative is called again. It must follow the change (the plain call's value, exactly,
and the central differences' derivative) or refuse it with an s2s_ad error naming the
program's file and line; never the old numbers. The change is undone and the derivative
called a third time. Second: constructors that do more than store values, whose objects
s2s_ad makes by their own constructor; a refusal must name the line and say why.

Every program runs under grad, value_and_grad, jvp, vjp, jacfwd, jacrev (first order) and
hessian, hvp (second order).
"""

import os
import re
import sys

import numpy as np
import pytest

import s2s_ad as ad

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import object_changes_lib_independent as lib
import object_changes_programs_independent as P

X = np.array([0.3, -0.4, 0.7])
V = np.array([0.5, -1.0, 0.25])
EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7
FIRST = ("grad", "value_and_grad", "jvp", "vjp", "jacfwd", "jacrev")
SECOND = ("hessian", "hvp")
FILES = re.compile(r"object_changes_(programs|lib)_independent\.py")


# ---- references from the plain call -------------------------------------------------


def fd_grad(f, x):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = EPS
        g[i] = (f(x + e) - f(x - e)) / (2 * EPS)
    return g


def fd_hessian(f, x, h=1e-4):
    n = x.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            H[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return H


def reference(api, f, x):
    """(values, derivatives) the API must give, from the plain call in the current state."""
    val = f(x)
    if api in ("hessian", "hvp"):
        H = fd_hessian(f, x)
        g = fd_grad(f, x)
        return ((), (H,)) if api == "hessian" else ((), (g, H @ V))
    g = fd_grad(f, x)
    return {
        "grad": ((), (g,)),
        "value_and_grad": ((val,), (g,)),
        "jvp": ((val,), (g @ V,)),
        "vjp": ((val,), (g,)),
        "jacfwd": ((), (g,)),
        "jacrev": ((), (g,)),
    }[api]


def make(api, f):
    """One derivative of f, as a function of x giving (values, derivatives)."""
    if api == "grad":
        d = ad.grad(f)
        return lambda x: ((), (d(x),))
    if api == "value_and_grad":
        d = ad.value_and_grad(f)

        def run(x):
            v, g = d(x)
            return (v,), (g,)

        return run
    if api == "jvp":

        def run(x):
            v, t = ad.jvp(f, (x,), (V,))
            return (v,), (t,)

        return run
    if api == "vjp":

        def run(x):
            out, pb = ad.vjp(f, x)
            return (out,), (pb(1.0)[0],)

        return run
    if api in ("jacfwd", "jacrev", "hessian"):
        d = getattr(ad, api)(f)
        return lambda x: ((), (d(x),))
    if api == "hvp":

        def run(x):
            g, hv = ad.hvp(f, (x,), (V,))
            return (), (g, hv)

        return run
    raise AssertionError(api)


def check(api, f, run, stage, problems, allow_refusal):
    """Call the derivative; record a wrong number or an unclear error in problems."""
    try:
        got_vals, got_ders = run(X)
    except ad.S2SError as e:
        msg = str(e)
        clear = FILES.search(msg) and re.search(r"line \d+|:\d+", msg)
        # the generic message for arrays alone names neither the reason nor what to write
        clear = clear and ("supported array methods" not in msg or " since " in msg)
        if allow_refusal and clear:
            return "refused: " + msg
        problems.append(f"{api} {stage}: unclear {type(e).__name__}: {msg[:300]}")
        return None
    except Exception as e:  # a traceback from inside s2s_ad, or the program's own error
        problems.append(f"{api} {stage}: {type(e).__name__}: {str(e)[:300]}")
        return None
    ref_vals, ref_ders = reference(api, f, X)
    for gv, rv in zip(got_vals, ref_vals, strict=True):
        if not np.array_equal(np.asarray(gv), np.asarray(rv)):
            problems.append(f"{api} {stage}: value {gv!r}, plain call {rv!r}")
    for gd, rd in zip(got_ders, ref_ders, strict=True):
        if gd is None or not np.allclose(
            gd, rd, rtol=RTOL, atol=ATOL * 100 if api in SECOND else ATOL
        ):
            problems.append(f"{api} {stage}: derivative {gd!r}, central differences {rd!r}")
    return "ok"


# ---- changes -------------------------------------------------------------------------

_MISSING = object()


def set_attr(owner, name, value):
    """A change setting owner.name (deleting it for value _MISSING) and its undo."""
    saved = owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else getattr(owner, name)

    def put(v):
        if v is _MISSING:
            if name in owner.__dict__:
                delattr(owner, name)
        else:
            setattr(owner, name, v)

    return (lambda: put(value)), (lambda: put(saved))


def set_bases(cls, bases):
    saved = cls.__bases__

    def change():
        cls.__bases__ = bases

    def undo():
        cls.__bases__ = saved

    return change, undo


CHANGES = {
    "method_redefined": (P.f_method, lambda: set_attr(P.M1, "energy", P.m1_energy_alt)),
    "property_redefined": (
        P.f_property,
        lambda: set_attr(P.P2, "scale", property(P.p2_scale_alt)),
    ),
    "init_redefined": (P.f_init, lambda: set_attr(P.I3, "__init__", P.i3_init_alt)),
    "call_redefined": (P.f_call, lambda: set_attr(P.C4, "__call__", P.c4_call_alt)),
    "staticmethod_redefined": (
        P.f_static,
        lambda: set_attr(P.S5, "act", staticmethod(P.s5_act_alt)),
    ),
    "classmethod_redefined": (
        P.f_classmethod,
        lambda: set_attr(P.K6, "coef", classmethod(P.k6_coef_alt)),
    ),
    "override_added_to_subclass": (
        P.f_sub_override,
        lambda: set_attr(P.Sub7, "energy", P.sub7_energy_alt),
    ),
    "init_added_to_subclass": (
        P.f_sub_init,
        lambda: set_attr(P.Sub8, "__init__", P.sub8_init_alt),
    ),
    "override_deleted": (P.f_sub_delete, lambda: set_attr(P.Sub9, "energy", _MISSING)),
    "bases_reassigned": (P.f_bases, lambda: set_bases(P.Sub10, (P.BaseB10,))),
    "getattribute_added": (
        P.f_getattribute,
        lambda: set_attr(P.G11, "__getattribute__", P.g11_getattribute),
    ),
    "getattribute_added_named": (
        P.f_getattribute_named,
        lambda: set_attr(P.G11, "__getattribute__", P.g11_getattribute),
    ),
    "setattr_added_named": (
        P.f_setattr_named,
        lambda: set_attr(P.T13, "__setattr__", P.t13_setattr),
    ),
    "data_descriptor_added_named": (
        P.f_descriptor_named,
        lambda: set_attr(P.D15, "w", P.d15_descriptor),
    ),
    "classmethod_redefined_named": (
        P.f_classmethod_named,
        lambda: set_attr(P.K6, "coef", classmethod(P.k6_coef_alt)),
    ),
    "getattr_added": (P.f_getattr, lambda: set_attr(P.A12, "__getattr__", P.a12_getattr)),
    "class_attr_deleted_getattr": (
        P.f_getattr,
        lambda: _both(
            set_attr(P.A12, "__getattr__", P.a12_getattr), set_attr(P.A12, "b", _MISSING)
        ),
    ),
    "setattr_added": (P.f_setattr, lambda: set_attr(P.T13, "__setattr__", P.t13_setattr)),
    "new_added": (P.f_new, lambda: _new_change()),
    "new_added_named": (P.f_new_named, lambda: _new_change()),
    "data_descriptor_added": (
        P.f_descriptor,
        lambda: set_attr(P.D15, "w", P.d15_descriptor),
    ),
    "module_class_name_rebound": (P.f_rebind, lambda: set_attr(P, "R16", P.R16Alt)),
    "base_of_base_patched": (
        P.f_base_of_base,
        lambda: set_attr(P.A17, "energy", P.a17_energy_alt),
    ),
    "class_attr_changed": (P.f_class_attr, lambda: set_attr(P.K18, "K", 5.0)),
    "inherited_class_attr_changed": (
        P.f_inherited_attr,
        lambda: set_attr(P.BaseK19, "K", 3.0),
    ),
    "class_attr_added_to_subclass": (P.f_inherited_attr, lambda: set_attr(P.K19, "K", 4.0)),
    "other_module_method": (
        P.f_lib_method,
        lambda: set_attr(lib.LibLayer, "apply", lib.lib_apply_alt),
    ),
    "other_module_class_rebound": (
        P.f_lib_rebind,
        lambda: set_attr(lib, "LibScale", lib.LibScaleAlt),
    ),
    "other_module_class_attr": (P.f_lib_rebind, lambda: set_attr(lib.LibScale, "K", 6.0)),
    "list_items_method": (P.f_list, lambda: set_attr(P.L22, "apply", P.l22_apply_alt)),
    "loop_rebinding_step": (P.f_loop, lambda: set_attr(P.State23, "step", P.state23_step_alt)),
    "namedtuple_replace_method": (
        P.f_namedtuple,
        lambda: set_attr(P.Rec24, "energy", P.rec24_energy_alt),
    ),
    "dataclass_replace_method": (
        P.f_dataclass,
        lambda: set_attr(P.DC25, "energy", P.dc25_energy_alt),
    ),
    "staticmethod_added_to_subclass": (
        P.f_sub_static,
        lambda: set_attr(P.SubS26, "act", staticmethod(P.s26_act_alt)),
    ),
    "property_added_to_subclass": (
        P.f_sub_property,
        lambda: set_attr(P.SubP27, "eff", property(P.p27_eff_alt)),
    ),
    "call_deleted_from_subclass": (
        P.f_sub_call_delete,
        lambda: set_attr(P.SubC28, "__call__", _MISSING),
    ),
    "classmethod_added_to_subclass": (
        P.f_sub_classmethod,
        lambda: set_attr(P.SubK29, "coef", classmethod(P.k29_coef_alt)),
    ),
    "factory_method_redefined": (
        P.f_chain,
        lambda: set_attr(P.Sc30, "scaled", P.sc30_scaled_alt),
    ),
}


def _new_change():
    # deleting __new__ again leaves CPython's slot broken: put back object's own behaviour
    def change():
        P.N14.__new__ = P.n14_new

    def undo():
        P.N14.__new__ = P.n14_new_plain

    return change, undo


def _both(a, b):
    return (lambda: (a[0](), b[0]())), (lambda: (b[1](), a[1]()))


def run_change(name, apis):
    f, make_change = CHANGES[name]
    problems = []
    log = []
    for api in apis:
        change, undo = make_change()
        run = make(api, f)
        # before the change the construct is supported: no refusal allowed
        log.append((api, "before", check(api, f, run, "before the change", problems, False)))
        change()
        try:
            log.append((api, "after", check(api, f, run, "after the change", problems, True)))
        finally:
            undo()
        log.append((api, "undone", check(api, f, run, "after the undo", problems, False)))
    return problems, log


# (strict xfails until session 40, fixed: `self.coef()` of a classmethod on an object made
# here, and of an inherited one, refused with the generic array-method message, before any
# change ("classmethod_redefined", "classmethod_added_to_subclass",
# "classmethod_redefined_named"); `Cls(w).energy(x)` after `__getattribute__`, `__setattr__`
# or a data descriptor added, refused without saying why)
NEW_KEPT = (
    "after the undo the class keeps a plain `__new__` (CPython cannot delete one), which "
    "s2s_ad refuses, saying why; the test expects the class supported again"
)
_XFAIL_CHANGES = {
    "new_added": NEW_KEPT,
    "new_added_named": NEW_KEPT,
}
XFAIL_CHANGES = {(k, g): r for k, r in _XFAIL_CHANGES.items() for g in ("first", "second")}


def change_params(group, apis):
    out = []
    for name in CHANGES:
        marks = []
        key = (name, group)
        if key in XFAIL_CHANGES:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL_CHANGES[key]))
        out.append(pytest.param(name, apis, id=f"{name}-{group}", marks=marks))
    return out


@pytest.mark.parametrize(
    ("name", "apis"), change_params("first", FIRST) + change_params("second", SECOND)
)
def test_class_changed_between_calls(name, apis):
    problems, _ = run_change(name, apis)
    assert not problems, "\n".join(problems)


# ---- constructors that do more than store values ---------------------------------------

# program, words one of which the refusal must contain (saying why)
CTORS = {
    "ctor_if": (P.f_ctor_if, ("if",)),
    "ctor_loop": (P.f_ctor_loop, ("for", "loop")),
    "ctor_call": (P.f_ctor_call, ("call", "_double")),
    "ctor_method_call": (P.f_ctor_method_call, ("setup", "call")),
    "ctor_setter": (P.f_ctor_setter, ("setter", "property")),
    "ctor_class": (P.f_ctor_class, ("__class__",)),
    "ctor_shadow": (P.f_ctor_shadow, ("energy",)),
    "ctor_super": (P.f_ctor_super, ("super", "__init__")),
    "ctor_post_init": (P.f_ctor_post_init, ("__post_init__",)),
    "ctor_if_const": (P.f_ctor_if_const, ("if",)),
    "ctor_assert": (P.f_ctor_assert, ("assert",)),
    "ctor_if_field": (P.f_ctor_if_field, ("if",)),
    "ctor_if_named": (P.f_ctor_if_named, ("if",)),
    "ctor_loop_named": (P.f_ctor_loop_named, ("for", "loop")),
    "ctor_method_call_named": (P.f_ctor_method_call_named, ("setup", "call")),
    "ctor_setter_named": (P.f_ctor_setter_named, ("setter", "property")),
    "ctor_class_named": (P.f_ctor_class_named, ("__class__",)),
    "ctor_shadow_named": (P.f_ctor_shadow_named, ("energy",)),
    "ctor_post_init_named": (P.f_ctor_post_init_named, ("__post_init__",)),
    "ctor_assert_named": (P.f_ctor_assert_named, ("assert",)),
}

# (strict xfails until session 40, fixed: `Cls(w).energy(x)` of a class whose `__init__`
# does more than store values (an `if`, a loop, a call, a property setter, `self.__class__`,
# a method's name, an `assert`, `__post_init__`) refused without saying why; and the named
# form's reason "a statement other than self.name = value", not naming the `if`, loop or
# `assert`)
_XFAIL_CTORS: dict[str, str] = {}
XFAIL_CTORS = {(k, g): r for k, r in _XFAIL_CTORS.items() for g in ("first", "second")}


def run_ctor(name, apis):
    f, why = CTORS[name]
    problems = []
    log = []
    for api in apis:
        res = check(api, f, make(api, f), "", problems, True)
        log.append((api, res))
        if res and res.startswith("refused") and not any(w in res for w in why):
            problems.append(f"{api}: the refusal does not say why ({why}): {res}")
    return problems, log


def ctor_params(group, apis):
    out = []
    for name in CTORS:
        marks = []
        if (name, group) in XFAIL_CTORS:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL_CTORS[(name, group)]))
        out.append(pytest.param(name, apis, id=f"{name}-{group}", marks=marks))
    return out


@pytest.mark.parametrize(
    ("name", "apis"), ctor_params("first", FIRST) + ctor_params("second", SECOND)
)
def test_constructor_doing_more(name, apis):
    problems, _ = run_ctor(name, apis)
    assert not problems, "\n".join(problems)
