"""Methods called on an object without a name first (session 45: ssa/lower_expr.py's
`_named_receiver`, ObjectOperators._gives_known_object, EntryKinds.chain_class): on an
operator's result, an item or attribute of a container the function builds, a call's result.
Each is checked against central differences in both modes (`check_grads`), its value against
the plain call, and its Hessian against differences of the gradient; where the class cannot be
known when the derivative is made, refused at the user's line."""

from __future__ import annotations

import numpy as np
import pytest
from derivative_tests import assert_refused_at_marked_line, check_to_second_order

import s2s_ad as ad


class Vec:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, o):  # (not the fields' sum: a rule of `+` would be wrong)
        return Vec(self.a + o.a, self.b * o.b + self.b)

    def __mul__(self, c):
        return Vec(self.a * c, self.b * c)

    def __rmul__(self, c):
        return Vec(c * self.a, c * self.b)

    def __sub__(self, o):
        return Vec(self.a - o.a, self.b - o.b)

    def __neg__(self):
        return Vec(-self.b, self.a)

    def __matmul__(self, o):
        return np.array([self.a * o.a, self.b * o.b])

    def norm2(self):
        return self.a * self.a + self.b * self.b

    def scaled(self, s):
        return Vec(self.a * s, self.b * s)


class Other(Vec):
    def norm2(self):
        return self.a * self.b


class Pair:
    def __init__(self, left, right):
        self.left = left
        self.right = right


def on_operator_results(x, y):
    v = Vec(x, y)
    return (v * 2.0).norm2() + (2.5 * v).norm2() + (v + Vec(y, x)).scaled(x).a + (-v).norm2()


def on_items(x, y):
    d = {"a": Vec(x, y), "b": Vec(y, x * x)}
    return d["a"].norm2() + d["b"].scaled(y).a


def on_two_classes_at_literal_positions(x, y):
    items = [Vec(x, y), Other(y, x)]
    return items[1].norm2() + items[0].norm2() + items[-1].scaled(x).norm2()


def on_nested_entries(x, y):
    d = {"p": {"q": Vec(x, y)}, "r": [Other(y, x)]}
    return d["p"]["q"].norm2() + d["r"][0].norm2()


def on_attributes(x, y):
    pair = Pair(Vec(x, y), Other(y, x))
    return pair.left.norm2() * pair.right.scaled(x).a + pair.right.norm2()


def on_method_and_call_results(x, y):
    ps = [Vec(x, y), Vec(y, x)]
    return (
        (ps[0] - ps[1]).norm2()
        + sum([Vec(x, y), Vec(y, 1.0)], Vec(0.5, 1.0)).norm2()
        + _mix(ps[0], y).norm2()
    )


def _mix(v, s):
    return v * s + v


def on_an_item_replaced(x, y):
    d = {"m": Vec(x, y)}
    before = d["m"].norm2()
    d["m"] = Other(y, x)
    return before + d["m"].norm2()


def array_methods_still(x, y):
    v = Vec(x, y)
    return (v @ Vec(y, x)).sum() + ((v @ v) * 2.0).mean()


FOLLOWED = [
    on_operator_results,
    on_items,
    on_two_classes_at_literal_positions,
    on_nested_entries,
    on_attributes,
    on_method_and_call_results,
    on_an_item_replaced,
    array_methods_still,
]


@pytest.mark.parametrize("f", FOLLOWED, ids=lambda f: f.__name__)
def test_followed(f):
    check_to_second_order(f, (0.7, -1.3))


class Loud(Vec):
    def __mul__(self, c):
        return Loud(self.a * c, self.b * c)

    def shown(self):
        print("shown")
        return self.a * self.b


def side_effect_once(x):
    return (Loud(x, 2.0) * 3.0).shown()


def test_the_receiver_is_lowered_once(capsys):
    """A method with an effect on an operator's result runs once per call, as in Python."""
    side_effect_once(0.5)
    plain = capsys.readouterr().out
    ad.grad(side_effect_once, mode="forward")(0.5)
    assert capsys.readouterr().out == plain == "shown\n"
    ad.grad(side_effect_once)(0.5)
    assert capsys.readouterr().out == plain


def changed_in_loop(x, y):
    d = {"m": Vec(x, y)}
    t = 0.0
    for _ in range(2):
        t = t + d["m"].norm2()
        d["m"] = Other(y, x)  # <- error
    return t


def joined_by_a_branch(x, y):
    d = {"m": Vec(x, y)}
    if x > 0:
        d["m"] = Other(y, x)
    return d["m"].norm2()  # <- error


@pytest.mark.parametrize("f", [changed_in_loop, joined_by_a_branch], ids=["loop", "branch"])
def test_a_class_not_known_is_refused_at_its_line(f):
    assert_refused_at_marked_line(f, (0.7, -1.3))


class Shaped:
    """Properties named like an array's attributes: their getters, not the array's."""

    def __init__(self, v):
        self.v = v

    @property
    def size(self):
        return np.sum(self.v**2)

    @property
    def T(self):  # (the array attribute's name is the point)
        return self.v * 2.0

    @property
    def shape(self):
        return np.sum(np.sin(self.v))

    @property
    def ndim(self):
        return np.sum(self.v) ** 2

    @property
    def dtype(self):
        return np.prod(self.v)


def array_named_properties(x):
    o = Shaped(x)
    return o.size + np.sum(o.T) + o.shape + o.ndim + Shaped(x * 2.0).dtype


def test_properties_named_like_array_attributes():
    """`o.size` of a property `size` was read as the array attribute: derivative zero in every
    mode, silently (110th tester), until session 45."""
    check_to_second_order(array_named_properties, (np.array([0.7, -0.4, 1.3]),))
