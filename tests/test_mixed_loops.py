"""Loops over a list (or a dict's `.values()`, `.items()`) the function builds of objects of
several classes, or of dicts holding objects (session 45, ssa/mixed_loops.py): the body once
per item, each object's own methods inlined. Checked against central differences in both
modes (`check_grads`), the value against the plain call and the Hessian against differences
of the gradient; where the list changes in ways the lowering does not follow, refused at the
user's line."""

from __future__ import annotations

import pytest
from derivative_tests import assert_refused_at_marked_line, check_to_second_order

import s2s_ad as ad


class Spring:
    def __init__(self, k):
        self.k = k

    def force(self, s):
        return -self.k * s

    def energy(self, s):
        return 0.5 * self.k * s * s


class Damper:
    def __init__(self, c):
        self.c = c

    def force(self, s):
        return -self.c * s * s * s

    def energy(self, s):
        return 0.25 * self.c * s**4


def display(x, k):
    f = 0.0
    for term in [Spring(k), Damper(x * k)]:
        f = f + term.force(x)
    return f * x


def named_and_appended(x, k):
    terms = [Spring(k), Damper(x)]
    terms.append(Spring(x * x))
    e = 0.0
    for i, t in enumerate(terms):
        e = e + (i + 1) * t.energy(x)
    return e + t.force(k)  # (the loop variable after the loop: the last item, as in Python)


def dict_views(x, k):
    d = {"s": Spring(k), "d": Damper(x)}
    total = 0.0
    for name, t in d.items():
        total = total + t.energy(x) * (2.0 if name == "s" else 1.0)
    for t in d.values():
        total = total + t.force(k)
    return total


def nested(x, k):
    total = 0.0
    for step in range(3):
        for t in [Spring(k), Damper(k * step)]:
            total = total + t.force(x + step)
    return total


def appended_through_alias(x, k):
    hs = [Spring(k), Damper(x)]
    gs = hs
    gs.append(Damper(x * k))
    t = 0.0
    for h in hs:
        t = t + h.force(x)
    return t


def item_replaced(x, k):
    hs = [Spring(k), Spring(x)]
    hs[1] = Damper(x)
    t = 0.0
    for h in hs:
        t = t + h.force(x)
    return t


def rows_of_dicts(x, k):
    """Dicts holding objects (of one class here): each row once, `r["v"]`'s class known."""
    rows = [{"v": Spring(k), "w": 2.0}, {"v": Spring(x), "w": 3.0}]
    t = 0.0
    for r in rows:
        t = t + r["v"].force(x) * r["w"]
    return t


def rows_display(x, k):
    t = 0.0
    for r in [{"v": Spring(k)}, {"v": Damper(x)}]:
        t = t + r["v"].energy(x)
    return t


@pytest.mark.parametrize(
    "f",
    [
        display,
        named_and_appended,
        dict_views,
        nested,
        appended_through_alias,
        item_replaced,
        rows_of_dicts,
        rows_display,
    ],
    ids=lambda f: f.__name__,
)
def test_the_body_once_per_item(f):
    check_to_second_order(f, (0.7, 1.3))


def printed(x, k):
    total = 0.0
    for t in [Spring(k), Damper(x)]:
        print("term")
        total = total + t.energy(x)
    return total


def test_an_effect_in_the_body_runs_once_per_item(capsys):
    printed(0.7, 1.3)
    plain = capsys.readouterr().out
    ad.grad(printed)(0.7, 1.3)
    assert capsys.readouterr().out == plain == "term\nterm\n"


def popped(x, k):
    hs = [Spring(k), Damper(x), Spring(x * x)]
    hs.pop(0)
    t = 0.0
    for h in hs:
        t = t + h.force(x)  # <- error
    return t


def appended_in_the_body(x, k):
    hs = [Spring(k), Damper(x)]
    gs = hs
    t = 0.0
    for h in hs:
        t = t + h.force(x)
        if len(gs) < 4:
            gs.append(Spring(x))  # <- error
    return t


@pytest.mark.parametrize("f", [popped, appended_in_the_body], ids=lambda f: f.__name__)
def test_a_list_it_does_not_follow_is_refused_at_its_line(f):
    assert_refused_at_marked_line(f, (0.7, 1.3))
