"""Operators on objects of your classes (ssa/object_operators.py, session 44): `a + b`,
`dt * s`, `-s`, `a += b`, `items[i] += b` call the class's methods as Python does, for objects
made in the function, given to it (differentiated or held fixed), and read out of a list, dict
or object at a literal position, key or attribute (ssa/entry_kinds.py's entry classes). Each
program is checked against central differences (`check_grads`: the JVP, and the VJP by the
dot-product test), the primal against the plain call, and forward against reverse."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from derivative_tests import assert_refused_at_marked_line, check_to_second_order

import s2s_ad as ad
from s2s_ad.testing import check_grads


class State:
    """Only operator methods: followed as a class with methods (callables.py)."""

    def __init__(self, pos, vel):
        self.pos = pos
        self.vel = vel

    def __add__(self, o):
        return State(self.pos + o.pos, self.vel + o.vel)

    def __sub__(self, o):
        return State(self.pos - o.pos, self.vel - o.vel)

    def __mul__(self, c):
        return State(self.pos * c, self.vel * c)

    def __rmul__(self, c):
        return State(c * self.pos, c * self.vel)

    def __neg__(self):
        return State(-self.pos, -self.vel)


class Skewed:
    """An `__add__` that is not a sum of the fields: a rule for `+` would be wrong."""

    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return Skewed(self.v * o.v + self.v)

    def __radd__(self, c):
        return Skewed(self.v + 3.0 * c)


class Child(Skewed):
    def __radd__(self, o):  # (its own reflected method: Python asks it before Skewed.__add__)
        return Child(o.v - 2.0 * self.v)


class Field:
    """Refuses NumPy's elementwise application: `w * f` calls `f.__rmul__(w)` with `w` whole."""

    __array_ufunc__ = None

    def __init__(self, u):
        self.u = u

    def __rmul__(self, w):
        return Field(w * self.u)


def force(s, k):
    return State(s.vel, -k * s.pos)


def euler_given(s, dt):
    t = s + dt * force(s, 2.0)
    u = t - s * dt
    return np.sum(u.pos * u.vel) + np.sum(-t.pos)


def skewed_given(a, b):
    r = a + b
    return r.v * a.v


def reflected_child(a, c):
    r = a + c  # Child's own __radd__ first
    return r.v * r.v


def held_state(s, dt):
    return np.sum((s * dt + s).pos * s.vel) * dt


def dict_of_made(x, y):
    d = {"a": State(x, y), "b": State(y, x)}
    d["c"] = d["a"] - d["b"] * 2.0
    r = d["c"] + d["a"]
    return np.sum(r.pos * r.vel)


def list_item_augmented(x, y):
    items = [State(x, y), State(y, x)]
    items[0] += items[1] * 0.5  # (no __iadd__: `items[0] = items[0] + …`)
    return np.sum(items[0].pos * items[1].vel)


def object_in_object(x, y):
    pair = Pair(State(x, y), State(y * y, x))
    w = pair.left + pair.right * 3.0
    return np.sum(w.pos * w.vel)


class Pair:
    def __init__(self, left, right):
        self.left = left
        self.right = right


def whole_array_reflected(x, w):
    f = w * Field(x)
    return np.sum(f.u * x)


def sum_of_made(x, y):
    vs = [Skewed(x), Skewed(y), Skewed(x * y)]
    return sum(vs).v + sum([Skewed(y), Skewed(x)], Skewed(0.5)).v


def sum_of_given(a, b, x):
    return sum([a, b]).v * x + sum((a, b, a), start=Skewed(x)).v


def sum_of_given_list(vs, x):
    return sum(vs).v * x


def sum_of_comprehension(x, y):
    """A list of one class of unknown length: `0 + vs[0]`, then a loop of `__add__`."""
    vs = [Skewed(x * k + y) for k in range(3)]
    return sum(vs).v + sum((Skewed(v.v * y) for v in vs), Skewed(x)).v


def euler_loop_given(s, dt):
    """The argument itself rebound in a loop (`s = s + dt * f(s)`): its class is carried."""
    for _ in range(3):
        s = s + dt * force(s, 1.5)
    return np.sum(s.pos * s.vel)


class Dual:
    """`*` by another Dual or by a number, chosen by `isinstance` (decided when the
    derivative is made where the operand's class is known: one branch, one result class)."""

    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a * o.a, self.a * o.b + self.b * o.a)
        return Dual(self.a * o, self.b * o)

    def __sub__(self, o):
        return Dual(self.a - o.a, self.b - o.b)


def isinstance_dispatch(x, y):
    d = Dual(x, 1.0) * 2.0 - Dual(y, x) * Dual(x, y)
    return d.a * d.b


def augmented_given(a, b, x):
    """`a += …` on an argument of a class without `__iadd__` makes a new object (Python's
    `a = a + …`): no update of the caller's, so the function given it held fixed is inlined
    with its class known, and `Skewed.__add__` followed."""
    a += Skewed(x)
    a += b
    return a.v * x


def augmented_copy_of_given(vs, x):
    """A copy of a list given: its items' classes, read from the list (watched)."""
    items = list(vs)
    items[0] += Skewed(x)
    items[1] += items[0]
    return items[1].v * x


def _states(rng):
    return State(rng.standard_normal(3), rng.standard_normal(3))


rng = np.random.default_rng(44)
CASES = [
    (euler_given, (_states(rng), 0.3), (0, 1)),
    (skewed_given, (Skewed(0.7), Skewed(-1.3)), (0, 1)),
    (reflected_child, (Skewed(0.7), Child(-1.3)), (0, 1)),
    (held_state, (_states(rng), 0.4), (1,)),
    (dict_of_made, (rng.standard_normal(3), rng.standard_normal(3)), (0, 1)),
    (list_item_augmented, (rng.standard_normal(3), rng.standard_normal(3)), (0, 1)),
    (object_in_object, (rng.standard_normal(3), rng.standard_normal(3)), (0, 1)),
    (whole_array_reflected, (rng.standard_normal(3), rng.standard_normal(3)), (0, 1)),
    (euler_loop_given, (_states(rng), 0.2), (0, 1)),
    (euler_loop_given, (_states(rng), 0.2), (1,)),
    (sum_of_made, (0.7, -1.2), (0, 1)),
    (isinstance_dispatch, (0.7, -1.2), (0, 1)),
    (sum_of_comprehension, (0.7, -1.2), (0, 1)),
    (sum_of_given, (Skewed(0.7), Skewed(-1.3), 0.4), (0, 1, 2)),
    (sum_of_given_list, ([Skewed(0.7), Skewed(-1.3), Skewed(0.2)], 0.4), (0, 1)),
    (augmented_given, (Skewed(0.7), Skewed(-1.3), 0.4), (2,)),
    (augmented_given, (Skewed(0.7), Skewed(-1.3), 0.4), (0, 1, 2)),
    (augmented_copy_of_given, ([Skewed(0.7), Skewed(-1.3)], 0.4), (1,)),
    (augmented_copy_of_given, ([Skewed(0.7), Skewed(-1.3)], 0.4), (0, 1)),
]


def _flat_of(f, args, wrt):
    """`f` as a function of the floats of `args[wrt]`, for central differences."""
    from s2s_ad import pytrees

    leaves = [pytrees.flatten(args[i])[0] for i in wrt]
    sizes = [[np.size(v) for v in group] for group in leaves]

    def flat(z):
        new, at = list(args), 0
        for i, group, size in zip(wrt, leaves, sizes, strict=True):
            parts = []
            for v, n in zip(group, size, strict=True):
                parts.append(np.reshape(z[at : at + n], np.shape(v)) if np.ndim(v) else z[at])
                at += n
            new[i] = pytrees.unflatten(pytrees.treedef(args[i]), parts)
        return f(*new)

    start = np.concatenate([np.ravel(np.asarray(v, float)) for g in leaves for v in g])
    return flat, start


@pytest.mark.parametrize(("f", "args", "wrt"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_against_central_differences_in_every_mode(f, args, wrt):
    names = f.__code__.co_varnames[: f.__code__.co_argcount]
    chosen = tuple(names[i] for i in wrt)
    value, grads = ad.value_and_grad(f, wrt=chosen)(*args)
    assert value == f(*args)
    flat, z = _flat_of(f, args, wrt)
    h = 1e-6
    reference = np.array([(flat(z + h * e) - flat(z - h * e)) / (2 * h) for e in np.eye(z.size)])
    from s2s_ad import pytrees

    got = np.concatenate(
        [np.ravel(np.asarray(v, float)) for g in grads for v in pytrees.flatten(g)[0]]
    )
    np.testing.assert_allclose(got, reference, rtol=1e-6, atol=1e-8)
    forward = ad.grad(f, wrt=chosen, mode="forward")(*args)
    flat_forward = np.concatenate(
        [np.ravel(np.asarray(v, float)) for g in forward for v in pytrees.flatten(g)[0]]
    )
    np.testing.assert_allclose(flat_forward, got, rtol=1e-10, atol=1e-12)
    if len(wrt) == len(args):
        check_grads(f, args)


def dt_array_times_state(s, w):
    return np.sum((w * s).pos)  # NumPy would make an array of States


def loop_changes_entry_class(x):
    d = {"s": State(x, x)}
    total = 0.0
    for _ in range(2):
        total = total + np.sum((d["s"] * 2.0).pos)
        d["s"] = Pair(x, x)
    return total


def test_an_array_on_the_left_of_an_object_is_refused_at_its_line():
    with pytest.raises(ad.S2SError) as caught:
        ad.grad(dt_array_times_state, wrt="s")(_states(rng), np.ones(3))
    assert "test_object_operators.py" in str(caught.value)
    assert "write the object first" in str(caught.value)


def test_a_loop_changing_the_class_of_an_entry_is_refused():
    with pytest.raises(ad.S2SError) as caught:
        ad.grad(loop_changes_entry_class)(np.ones(3))
    assert "holds an object of `State`" in str(caught.value)
    assert "test_object_operators.py" in str(caught.value)


def sum_of_values(x):
    d = {"a": Skewed(x), "b": Skewed(2.0 * x)}
    return sum(list(d.values())).v


@pytest.mark.parametrize(
    ("f", "says"),
    [
        (sum_of_values, "could not tell are objects"),  # (at run time: the rule is numbers')
    ],
    ids=["values"],
)
def test_a_sum_of_objects_it_cannot_write_out_is_refused(f, says):
    for mode in ("reverse", "forward"):
        with pytest.raises(ad.S2SError) as caught:
            ad.grad(f, mode=mode)(0.3)
        assert "test_object_operators.py" in str(caught.value)
        assert says in str(caught.value)


class Damped(State):
    def __add__(self, o):
        return Damped(self.pos + 0.5 * o.pos, self.vel)


def loop_changes_given_class(s, dt):
    for _ in range(2):
        t = s + dt * force(s, 1.0)
        s = Damped(t.pos, t.vel)
    return np.sum(s.pos)


def test_a_loop_changing_the_class_of_a_given_object_is_refused():
    for wrt in ("dt", ("s", "dt")):
        with pytest.raises(ad.S2SError) as caught:
            ad.grad(loop_changes_given_class, wrt=wrt)(_states(rng), 0.1)
        assert "holds an object of `State`" in str(caught.value)
        assert "test_object_operators.py" in str(caught.value)


class Flipped(State):
    def __neg__(self):  # (not the fields' negation: a rule of `-` would be wrong)
        return Flipped(self.vel, -self.pos * self.pos)


class Reflecting(Skewed):
    def __radd__(self, o):  # (Python calls it before Skewed.__add__)
        return Reflecting(o.v * self.v - 1.0)


def neg_of_mixed_list(x):
    total = 0.0
    vs = [State(x, 2.0 * x), Flipped(x, -x)]
    for k in range(2):
        n = -vs[k]  # (an item at a computed index: its class is not one)
        total = total + np.sum(n.pos * n.vel)
    return total


def neg_in_loop_over_mixed_display(x):
    """The body once per item (ssa/mixed_loops.py): each class's `__neg__`."""
    total = 0.0
    for s in [State(x, 2.0 * x), Flipped(x, -x)]:
        n = -s
        total = total + np.sum(n.pos * n.vel)
    return total


def add_of_subclass_in_loop(x):
    vs = [Skewed(x), Reflecting(2.0 * x)]
    total = vs[0]
    for v in vs[1:]:
        total = total + v  # (Skewed.__add__ followed; Python calls Reflecting.__radd__)
    return total.v


def operator_neg_of_mixed_list(x):
    total = 0.0
    vs = [State(x, 2.0 * x), Flipped(x, -x)]
    for k in range(2):
        n = operator.neg(vs[k])  # (as `-vs[k]`)
        total = total + np.sum(n.pos * n.vel)
    return total


class Swapping(State):
    def __add__(self, o):  # (not the fields' sum: a rule of `+` would be wrong)
        return Swapping(self.pos + o.vel, self.vel + o.pos)


def iadd_of_mixed_list(x):
    total = 0.0
    vs = [State(x, 2.0 * x), Swapping(x, -x)]
    for k in range(2):
        s = vs[k]
        s += State(x * x, x)
        total = total + np.sum(s.pos * s.vel)
    return total


def iadd_in_loop_over_mixed_display(x):
    total = 0.0
    for s in [State(x, 2.0 * x), Swapping(x, -x)]:
        s += State(x * x, x)
        total = total + np.sum(s.pos * s.vel)
    return total


def item_iadd_of_mixed_list(x):
    vs = [State(x, 2.0 * x), Swapping(x, -x)]
    for k in range(2):
        vs[k] += State(x * x, x)
    return np.sum(vs[0].pos * vs[1].vel)


@pytest.mark.parametrize(
    ("f", "says"),
    [
        (neg_of_mixed_list, "whose class s2s_ad could not tell"),
        (operator_neg_of_mixed_list, "whose class s2s_ad could not tell"),
        (add_of_subclass_in_loop, "with its own `__radd__`"),
        (iadd_of_mixed_list, "whose class s2s_ad could not tell"),
        (item_iadd_of_mixed_list, "whose class s2s_ad could not tell"),
    ],
    ids=["unknown class", "operator.neg", "subclass", "augmented", "augmented item"],
)
def test_an_operand_whose_methods_are_not_followed_is_refused_when_called(f, says):
    for api in (ad.grad(f), ad.grad(f, mode="forward"), ad.hessian(f)):
        with pytest.raises(ad.S2SError) as caught:
            api(0.4)
        assert "test_object_operators.py" in str(caught.value)
        assert says in str(caught.value)


@pytest.mark.parametrize(
    "f", [neg_in_loop_over_mixed_display, iadd_in_loop_over_mixed_display], ids=lambda f: f.__name__
)
def test_operators_in_a_loop_over_objects_of_two_classes(f):
    """Refused when called until session 45 (the loop variable's class was not known)."""
    check_to_second_order(f, (0.4,))


class Meters:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        if isinstance(o, Meters):
            return Meters(self.v + o.v)
        return NotImplemented

    def __mul__(self, c):
        if isinstance(c, (int, float)):
            return Meters(self.v * c)
        return NotImplemented


class Feet:
    def __init__(self, v):
        self.v = v

    def __radd__(self, o):  # (not a sum of the fields: a rule of `+` would be wrong)
        if isinstance(o, Meters):
            return Meters(o.v + 0.3048 * self.v * self.v)
        return NotImplemented


def not_implemented_followed(x, y):
    """`Meters.__add__` returns NotImplemented for `Feet`: Python calls `Feet.__radd__`."""
    t = Meters(x) + Feet(y)
    c = 1.5  # (a name bound to a literal: `isinstance(c, (int, float))` decided)
    u = t * c
    return u.v * x if isinstance(u, Meters) else y


def test_not_implemented_falls_back_to_the_other_operand():
    """Before session 45 the result was the NotImplemented sentinel: `isinstance(u, Meters)`
    False, the value and derivative `y`'s, silently (111th tester)."""
    check_to_second_order(not_implemented_followed, (0.3, 0.7))


def not_implemented_when_called(x, y):
    vs = [Meters(y), Feet(y)]
    total = 0.0
    for k in range(2):
        total = total + (Meters(x) + vs[k]).v  # <- error
    return total


def test_a_not_implemented_not_decided_is_refused_when_called():
    assert_refused_at_marked_line(not_implemented_when_called, (0.3, 0.7))


class Summable(Meters):
    def __radd__(self, o):  # (what makes `sum(objects)` work in Python: its start is 0)
        if o == 0:
            return self
        return NotImplemented


def sum_through_the_usual_radd(x, y):
    total = sum([Summable(x), Summable(np.sin(y))])
    n = 2
    return total.v * total.v if n > 1 else x  # (a comparison of literals: decided too)


def test_a_comparison_of_literals_decides_its_branch():
    """`0 == 0` in `Summable.__radd__` (sum's start) is decided when the derivative is made:
    the method's result is the object, not a join with NotImplemented (refused before: the
    112th tester)."""
    check_to_second_order(sum_through_the_usual_radd, (0.3, 0.7))
