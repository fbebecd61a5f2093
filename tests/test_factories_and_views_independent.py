# ruff: noqa: SIM108, B007  (the programs are written as users write them)
"""Independent tests (from the README only): factories' objects used at once,
helpers returning objects from several returns, and dict views kept across updates."""

import os
import re

import numpy as np
import pytest

import s2s_ad as ad

FILE = os.path.basename(__file__)


# ---------------------------------------------------------------- classes


class Spring:
    def __init__(self, k):
        self.k = k

    def energy(self, x):
        return 0.5 * np.sum(self.k * x**2)

    def scaled(self, s):
        return Spring(self.k * s)

    def twice(self):
        return type(self)(self.k * 2.0)

    @classmethod
    def unit(cls, k):
        return cls(k)

    @classmethod
    def stiff(cls, k):
        return cls(k * 10.0)

    @staticmethod
    def make(k):
        return Spring(k)


class Soft(Spring):
    def energy(self, x):
        return np.sum(self.k * np.log1p(x**2))


class Pot:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def value(self, x):
        return np.sum(self.a * np.sin(x) + self.b * x**2)

    def shift(self, d):
        return Pot(self.a + d, self.b)


def make_spring(k):
    return Spring(k)


def make_spring_sq(k):
    kk = k * k
    return Spring(kk)


def make_pot(a, b):
    return Pot(a, b)


def pick_spring(k, flag):
    if flag:
        return Spring(k)
    return Spring(2.0 * k)


def pick_spring_elif(k, n):
    if n == 0:
        return Spring(k)
    elif n == 1:
        return Spring(k * 3.0)
    else:
        return Spring(k + 1.0)


def first_positive(k, xs):
    for c in xs:
        if c > 0:
            return Spring(k * c)
    return Spring(k)


def loop_return(k, n):
    for i in range(n):
        if i == 2:
            return Spring(k * i)
    return Spring(k)


def pot_from(a, b, neg):
    if neg:
        return Pot(-a, b)
    else:
        return Pot(a, b)


# ---------------------------------------------------------------- programs: factories


def f_helper_factory(x):
    return make_spring(1.5).energy(x)


def f_helper_factory_x(x):
    return make_spring(x[0]).energy(x)


def f_helper_factory_sq(x):
    return make_spring_sq(x[1]).energy(x)


def f_classmethod(x):
    return Spring.unit(2.0).energy(x)


def f_classmethod_x(x):
    return Spring.unit(x[0]).energy(np.sin(x))


def f_classmethod_sub(x):
    return Soft.unit(x[2]).energy(x)


def f_classmethod_stiff_sub(x):
    return Soft.stiff(0.3).energy(x)


def f_staticmethod(x):
    return Spring.make(x[1]).energy(x)


def f_chain(x):
    return make_spring(x[0]).scaled(2.0).energy(x)


def f_chain2(x):
    return Spring.unit(1.1).scaled(x[1]).scaled(0.5).energy(x)


def f_chain_type_self(x):
    return Soft.unit(x[0]).twice().energy(x)


def f_two_factories(x):
    return make_spring(x[0]).energy(x) + Spring.unit(x[1]).energy(x * 2.0)


def f_factory_in_loop(x):
    t = 0.0
    for k in [1.0, 2.0, 3.0]:
        t = t + make_spring(k * x[0]).energy(x)
    return t


def f_pot_chain(x):
    return make_pot(x[0], x[1]).shift(0.5).value(x)


def f_factory_in_expr(x):
    return np.tanh(make_pot(1.0, x[2]).value(x)) * make_spring(2.0).energy(x)


def f_factory_arg_expr(x):
    return make_spring(np.sum(x**2)).energy(np.cos(x))


def f_factory_in_branch(x):
    if x[0] > 0:
        e = make_spring(x[1]).energy(x)
    else:
        e = Spring.unit(x[2]).energy(x)
    return e


# ---------------------------------------------------------------- programs: several returns


def f_pick_true(x):
    return pick_spring(x[0], True).energy(x)


def f_pick_false(x):
    return pick_spring(x[0], False).energy(x)


def f_pick_dyn(x):
    return pick_spring(x[0], x[1] > 0).energy(x)


def f_pick_elif(x):
    return pick_spring_elif(x[0], 1).energy(x) + pick_spring_elif(x[1], 2).energy(x)


def f_first_positive(x):
    return first_positive(x[0], [-1.0, 2.0, 3.0]).energy(x)


def f_first_positive_none(x):
    return first_positive(x[0], [-1.0, -2.0]).energy(x)


def f_loop_return(x):
    return loop_return(x[1], 5).energy(x)


def f_loop_return_short(x):
    return loop_return(x[1], 2).energy(x)


def f_pot_from_named(x):
    p = pot_from(x[0], x[1], x[2] < 0)
    q = p.shift(x[2])
    return q.value(x) + p.value(x * 0.5)


def f_pick_then_chain(x):
    return pick_spring(x[0], True).scaled(x[2]).energy(x)


def f_pick_named_loop(x):
    s = pick_spring(x[0], False)
    t = 0.0
    for i in range(3):
        s = s.scaled(1.1)
        t = t + s.energy(x)
    return t


# ---------------------------------------------------------------- programs: dict views


def f_keys_after_new_key(x):
    d = {"a": x[0], "b": x[1]}
    ks = d.keys()
    d["c"] = x[2]
    t = 0.0
    for k in ks:
        t = t + d[k] ** 2
    return t


def f_items_after_update(x):
    d = {"a": x[0], "b": x[1]}
    its = d.items()
    d["a"] = x[2] * 3.0
    t = 0.0
    for k, v in its:
        t = t + v * v
    return t


def f_values_after_update(x):
    d = {"a": x[0], "b": x[1]}
    vs = d.values()
    d["b"] = np.sin(x[2])
    return sum(vs) * x[0]


def f_values_after_new_key(x):
    d = {"a": x[0], "b": x[1]}
    vs = d.values()
    d["z"] = x[2] ** 3
    t = 0.0
    for v in vs:
        t = t + v
    return t


def f_items_list_after_update(x):
    d = {"a": x[0], "b": x[1]}
    its = d.items()
    d["a"] = x[1] * x[2]
    return sum(v for _, v in list(its))


def f_view_read_before_update(x):
    d = {"a": x[0], "b": x[1]}
    vs = d.values()
    t = sum(vs)
    d["a"] = x[2]
    return t * d["a"]


def f_items_consumed_at_once(x):
    d = {"a": x[0], "b": x[1], "c": x[2]}
    for k, v in d.items():
        d[k] = v * v + 1.0
    return d["a"] * d["b"] + d["c"]


def f_keys_consumed_at_once(x):
    d = {"a": x[0], "b": x[1]}
    for k in d:
        d[k] = np.exp(d[k])
    return d["a"] + 2.0 * d["b"]


def f_values_consumed_at_once(x):
    d = {"a": x[0], "b": x[1]}
    t = 0.0
    for v in d.values():
        t = t + v**2
    d["a"] = t
    return d["a"] * d["b"]


def f_list_of_keys_snapshot(x):
    d = {"a": x[0], "b": x[1]}
    ks = list(d.keys())
    d["c"] = x[2]
    t = 0.0
    for k in ks:
        t = t + d[k] ** 2
    return t + d["c"]


def f_view_update_in_loop(x):
    d = {"a": x[0], "b": x[1]}
    vs = d.values()
    for i in range(2):
        d["a"] = d["a"] * x[2]
    t = 0.0
    for v in vs:
        t = t + v
    return t


def f_view_of_copy(x):
    d = {"a": x[0], "b": x[1]}
    vs = dict(d).values()
    d["a"] = x[2]
    t = 0.0
    for v in vs:
        t = t + v
    return t + d["a"]


def f_view_alias_update(x):
    d = {"a": x[0], "b": x[1]}
    e = d
    vs = d.values()
    e["b"] = x[2] * 5.0
    t = 0.0
    for v in vs:
        t = t + v
    return t


def f_view_len_after_new_key(x):
    d = {"a": x[0], "b": x[1]}
    ks = d.keys()
    d["c"] = x[2]
    return len(ks) * x[0]


def f_items_of_objects_then_update(x):
    d = {"s": make_spring(x[0]), "t": make_spring(x[1])}
    t = 0.0
    for k, v in d.items():
        t = t + v.energy(x)
    return t


def f_view_branch_update(x):
    d = {"a": x[0], "b": x[1]}
    vs = d.values()
    if x[2] > 0:
        d["a"] = x[2]
    t = 0.0
    for v in vs:
        t = t + v * v
    return t


def values_of(d):
    return d.values()


def f_view_from_helper(x):
    d = {"a": x[0], "b": x[1]}
    vs = values_of(d)
    d["a"] = x[2] * 4.0
    t = 0.0
    for v in vs:
        t = t + v
    return t


def f_view_in_tuple(x):
    d = {"a": x[0], "b": x[1]}
    pair = (d.keys(), d.values())
    d["c"] = x[2]
    t = 0.0
    for v in pair[1]:
        t = t + v * v
    return t + len(pair[0])


def f_view_rebound_after_update(x):
    d = {"a": x[0], "b": x[1]}
    vs = d.values()
    d["a"] = x[2]
    vs = d.values()
    t = 0.0
    for v in vs:
        t = t + v * v
    return t


def f_view_sorted_after_update(x):
    d = {"b": x[0], "a": x[1]}
    ks = d.keys()
    d["c"] = x[2]
    t = 0.0
    for k in sorted(ks):
        t = t * 2.0 + d[k]
    return t


PROGRAMS = [
    f_helper_factory,
    f_helper_factory_x,
    f_helper_factory_sq,
    f_classmethod,
    f_classmethod_x,
    f_classmethod_sub,
    f_classmethod_stiff_sub,
    f_staticmethod,
    f_chain,
    f_chain2,
    f_chain_type_self,
    f_two_factories,
    f_factory_in_loop,
    f_pot_chain,
    f_factory_in_expr,
    f_factory_arg_expr,
    f_factory_in_branch,
    f_pick_true,
    f_pick_false,
    f_pick_dyn,
    f_pick_elif,
    f_first_positive,
    f_first_positive_none,
    f_loop_return,
    f_loop_return_short,
    f_pot_from_named,
    f_pick_then_chain,
    f_pick_named_loop,
    f_keys_after_new_key,
    f_items_after_update,
    f_values_after_update,
    f_values_after_new_key,
    f_items_list_after_update,
    f_view_read_before_update,
    f_items_consumed_at_once,
    f_keys_consumed_at_once,
    f_values_consumed_at_once,
    f_list_of_keys_snapshot,
    f_view_update_in_loop,
    f_view_of_copy,
    f_view_alias_update,
    f_view_len_after_new_key,
    f_items_of_objects_then_update,
    f_view_branch_update,
    f_view_from_helper,
    f_view_in_tuple,
    f_view_rebound_after_update,
    f_view_sorted_after_update,
]

# programs that must be exact (refusal is not acceptable: no live view is read after an update)
MUST_BE_EXACT = {
    "f_view_read_before_update",
    "f_items_consumed_at_once",
    "f_keys_consumed_at_once",
    "f_values_consumed_at_once",
    "f_list_of_keys_snapshot",
    "f_view_rebound_after_update",
}

# Fixed (was a strict xfail): "a dict view returned by a helper (vs = values_of(d)), the dict
# then updated (d['a'] = x[2] * 4.0) and the view read: no refusal, the old values: value 0.3
# for 4.8 and derivative (grad [1, 1, 0], central differences [0, 1, 4]) in both modes"; now
# refused at the update when called (a dict's view counts as the dict in the run-time check).
FINDINGS: dict[str, str] = {}


POINTS = [np.array([0.7, -0.4, 1.3]), np.array([-0.9, 0.8, -0.6])]


def central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def refused_properly(err):
    msg = str(err)
    return FILE in msg and re.search(r"\d", msg) is not None


def run_program(f):
    for x in POINTS:
        expected = f(x.copy())
        try:
            value, g_rev = ad.value_and_grad(f)(x.copy())
            g_fwd = ad.grad(f, mode="forward")(x.copy())
            g_plain = ad.grad(f)(x.copy())
        except ad.S2SError as err:
            assert f.__name__ not in MUST_BE_EXACT, f"refused: {err}"
            assert refused_properly(err), f"refusal not located in {FILE}: {err}"
            return "refused"
        assert np.allclose(value, expected, rtol=1e-12, atol=1e-12), (value, expected)
        fd = central(f, x.copy())
        np.testing.assert_allclose(g_rev, fd, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(g_fwd, g_rev, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g_plain, g_rev, rtol=1e-10, atol=1e-12)
    return "exact"


def _param(f):
    if f.__name__ in FINDINGS:
        return pytest.param(
            f,
            id=f.__name__,
            marks=pytest.mark.xfail(strict=True, reason=FINDINGS[f.__name__]),
        )
    return pytest.param(f, id=f.__name__)


@pytest.mark.parametrize("f", [_param(f) for f in PROGRAMS])
def test_program(f):
    run_program(f)


def test_second_order_factory_chain():
    def h(x):
        return make_spring(x[0]).scaled(2.0).energy(x)

    x = POINTS[0].copy()
    H = ad.hessian(h)(x)
    fd = np.array([central(lambda y, i=i: ad.grad(h)(y)[i], x) for i in range(3)])
    np.testing.assert_allclose(H, fd, rtol=1e-5, atol=1e-6)


def test_jvp_vjp_several_returns():
    f = f_pick_dyn
    x = POINTS[0].copy()
    v = np.array([0.3, -0.2, 0.5])
    _, t = ad.jvp(f, (x,), (v,))
    _, pb = ad.vjp(f, x)
    (g,) = pb(1.0) if isinstance(pb(1.0), tuple) else (pb(1.0),)
    assert np.isclose(t, np.dot(central(f, x), v), rtol=1e-6)
    np.testing.assert_allclose(g, central(f, x), rtol=1e-6, atol=1e-6)


VIEW_UPDATED = [
    f_keys_after_new_key,
    f_items_after_update,
    f_values_after_update,
    f_values_after_new_key,
    f_view_alias_update,
    f_view_len_after_new_key,
    f_view_branch_update,
    f_view_from_helper,
    f_view_in_tuple,
    f_view_sorted_after_update,
]


@pytest.mark.parametrize("f", [_param(f) for f in VIEW_UPDATED])
def test_view_refused_at_update_line(f):
    """A kept view read after its dict's update: refused at the update or exact."""
    import inspect

    x = POINTS[0].copy()
    for mode in ("reverse", "forward"):
        try:
            g = ad.grad(f, mode=mode)(x)
        except ad.S2SError as err:
            m = re.search(re.escape(FILE) + r":(\d+)", str(err))
            assert m, str(err)
            line = linecache_line(int(m.group(1)))
            assert re.search(r"\b[de]\[.*\]\s*=", line), (line, str(err))
            continue
        np.testing.assert_allclose(g, central(f, x), rtol=1e-6, atol=1e-6)
    assert inspect.isfunction(f)


def linecache_line(n):
    import linecache

    return linecache.getline(__file__, n)
