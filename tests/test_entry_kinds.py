"""`+` and `*` of lists and tuples taken out of containers by literal keys, positions and
attributes (ssa/entry_kinds.py): they join and repeat as in Python, in every mode.

Before the entries' kinds were followed, `d["a"] + d["b"]` of two lists in a dict was
arithmetic to the lowering: the scalar tangent code added the two lists' tangents item by
item (a silently wrong JVP where they had the same length), and the adjoint refused it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad
from s2s_ad.testing import check_grads


@dataclass
class Pair:
    a: list
    b: list


class Halves(NamedTuple):
    front: list
    back: list


class Model:
    def __init__(self, x):
        self.enc = [x[0], 2.0 * x[1]]
        self.dec = [x[2] * x[0], 3.0]


def dict_entries(x):
    d = {"a": [x[0], 2.0 * x[1]], "b": [x[2] * x[2], 3.0]}
    L = d["a"] + d["b"]
    return L[0] * L[2] + L[1]


def dict_get(x):
    d = {"a": [x[0], 2.0 * x[1]], "b": [x[2] * x[2], 3.0]}
    L = d.get("a") + d.get("b", [])
    return L[1] * L[2]


def history_in_loop(x):
    hist = {"loss": [], "norm": []}
    w = x * 1.0
    for _ in range(3):
        hist["loss"].append(np.sum(w**2))
        hist["norm"].append(np.sqrt(np.sum(w**2)))
        w = w * 0.9 + 0.1 * np.sin(w)
    return np.array(hist["loss"] + hist["norm"])


def entry_grown(x):
    d = {"a": [x[0]], "b": [x[1]]}
    d["a"] = d["a"] + [x[2] * 2.0]
    L = d["b"] + d["a"]
    return L[0] * L[2] - L[1]


def copied_dict(x):
    d = {"a": [x[0], x[1]], "b": [x[2]]}
    e = dict(d)
    return np.sum(np.array(e["a"] + e["b"]) ** 2)


def repeated_entry(x):
    d = {"a": [x[0], 2.0 * x[1]]}
    L = d["a"] * 2
    return L[0] * L[3]


def mixed_tuple(x):
    pair = ([x[0], x[1]], x * 2.0)
    L = pair[0] + [x[2]]
    return L[0] * L[2] + np.sum(pair[1])


def nested_configs(x):
    cfg = [{"w": [x[0], x[1]]}, {"w": [x[2], x[0] * x[1]]}]
    L = cfg[0]["w"] + cfg[1]["w"]
    return L[1] * L[2] + L[3]


def dataclass_fields(x):
    p = Pair([x[0], 2.0 * x[1]], [x[2] ** 2, 1.0])
    L = p.a + p.b
    return L[0] * L[2] + L[1]


def namedtuple_fields(x):
    h = Halves([x[0], x[1]], [x[2]])
    h = h._replace(back=[x[2] * 3.0])
    L = h.front + h.back
    return L[1] * L[2] + L[0]


def namedtuple_field_regrown(x):
    h = Halves([x[0], x[1]], [x[2]])
    h = h._replace(back=[x[2] * 3.0, x[0]])
    L = h.front + h.back
    return L[1] * L[3] + L[2]


def object_attributes(x):
    m = Model(x)
    L = m.enc + m.dec
    return L[0] * L[2] + L[1] * L[3]


def branch_joined(x):
    d = {"a": [x[0]], "b": [x[1]]}
    if x[2] > 0:
        d = {"a": [x[2]], "b": [x[0] * 2.0]}
    L = d["a"] + d["b"]
    return L[0] * L[1]


def grown_in_loop(x):
    d = {"a": [], "b": [x[0]]}  # (the empty list's tangent: a zero list, not 0.0)
    for i in range(3):
        d["a"] = d["a"] + [x[i] * (i + 1.0)]
    j = d["a"] + d["b"]
    return j[0] * j[3] + j[2]


def _history(x):
    return {"loss": [np.sum(x**2), x[0]], "aux": [x[1] * x[2]]}


def _pair(x):
    return [x[0], x[1] ** 2], np.sin(x)


def helpers_results(x):
    h = _history(x)
    first, waves = _pair(x)
    j = h["loss"] + h["aux"] + first
    return j[1] * j[2] + j[4] * np.sum(waves)


class State(NamedTuple):
    pos: float
    vel: float


@dataclass
class Vec:
    x: float
    v: float

    def __add__(self, other):
        return Vec(self.x + other.x, self.v + other.v)

    def __mul__(self, c):
        return Vec(self.x * c, self.v * c)

    def __rmul__(self, c):
        return self * c


def namedtuple_joined(x):
    s = State(x[0], x[1] * x[2])
    t = s + State(x[2], x[0])  # (Python joins two NamedTuples: a tuple of four)
    return t[3] * t[1] + t[2]


def operators_of_objects(x):
    s = Vec(x[1], 0.0)
    for _ in range(3):
        s = s + 0.1 * Vec(s.v, -x[0] * s.x) * x[2]  # (Vec.__add__, __rmul__, __mul__)
    return s.x * s.v


PROGRAMS = [
    namedtuple_joined,
    operators_of_objects,
    grown_in_loop,
    helpers_results,
    dict_entries,
    dict_get,
    history_in_loop,
    entry_grown,
    copied_dict,
    repeated_entry,
    mixed_tuple,
    nested_configs,
    dataclass_fields,
    namedtuple_fields,
    object_attributes,
    branch_joined,
    namedtuple_field_regrown,  # (refused by the tangent code until the rule used `ans`)
]
POINTS = [np.array([0.3, -0.7, 1.1]), np.array([1.2, 0.4, -0.5])]


def _central(f, x, h=1e-6):
    return np.array([(f(x + e) - f(x - e)) / (2 * h) for e in np.eye(len(x)) * h]).T


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_every_mode_matches_central_differences(f):
    for x in POINTS:
        check_grads(f, (x,))  # JVP against differences, VJP against JVP, value
        expected = _central(f, x)
        if np.ndim(f(x)) == 0:
            np.testing.assert_allclose(s2s_ad.grad(f)(x), expected, rtol=1e-6, atol=1e-7)
            forward = s2s_ad.grad(f, mode="forward")(x)
            np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-7)
        for jac in (s2s_ad.jacfwd, s2s_ad.jacrev):
            np.testing.assert_allclose(jac(f)(x), expected, rtol=1e-6, atol=1e-7)
        for k, e in enumerate(np.eye(len(x))):  # the scalar tangent code, one column each
            value, tangent = s2s_ad.jvp(f, (x,), (e,))
            np.testing.assert_allclose(value, f(x))
            np.testing.assert_allclose(tangent, expected[..., k], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", [dict_entries, dataclass_fields, nested_configs, mixed_tuple])
def test_second_derivatives(f):
    x = POINTS[0]
    hess = s2s_ad.hessian(f)(x)
    expected = _central(s2s_ad.grad(f), x)
    np.testing.assert_allclose(hess, expected, rtol=1e-5, atol=1e-6)


def layered(params, x):
    for W in params["enc"] + params["dec"]:
        x = np.tanh(W @ x)
    return np.sum(x**2)


def first_of_each(params, x):
    layers = params["enc"] + params["dec"]
    return np.sum(layers[0] @ x) + 2.0 * np.sum(layers[2] @ x)


@dataclass
class Layers:
    enc: list
    dec: list


def dataclass_argument(model, x):
    for W in model.enc + model.dec:
        x = np.sin(W @ x)
    return np.sum(x)


def _params(seed):
    rng = np.random.default_rng(seed)
    return {
        "enc": [rng.normal(size=(3, 3)) * 0.5, rng.normal(size=(3, 3)) * 0.5],
        "dec": [rng.normal(size=(3, 3)) * 0.5],
    }


@pytest.mark.parametrize("f", [layered, first_of_each])
def test_lists_in_a_dict_argument(f):
    params, x = _params(1), np.array([0.2, -0.4, 0.9])
    check_grads(f, (params, x))
    grads = s2s_ad.grad(f)(params, x)
    for part in ("enc", "dec"):
        for k, W in enumerate(params[part]):

            def at(w, part=part, k=k):
                moved = {p: list(ws) for p, ws in params.items()}
                moved[part][k] = w.reshape(3, 3)
                return f(moved, x)

            expected = _central(at, W.ravel()).reshape(3, 3)
            np.testing.assert_allclose(grads[part][k], expected, rtol=1e-6, atol=1e-7)


def test_lists_in_a_dataclass_argument():
    p = _params(2)
    model, x = Layers(p["enc"], p["dec"]), np.array([0.5, 0.1, -0.3])
    check_grads(dataclass_argument, (model, x))
    expected = _central(lambda v: dataclass_argument(model, v), x)
    gx = s2s_ad.grad(dataclass_argument, wrt=1)(model, x)
    np.testing.assert_allclose(gx, expected, rtol=1e-6, atol=1e-7)


def unknown_keys(x):
    d = {}
    for k in ("a", "b"):
        d[k] = [x[0], 2.0 * x[1]]
    L = d["a"] + d["b"]
    return L[0] * x[2]


def test_keys_not_literal_are_refused_in_every_mode():
    """Keys assigned in a loop are not followed: `+` of two such entries is Python's, and
    its derivative refuses a join (the scalar JVP added the tangents item by item before
    session 43, a wrong number)."""
    x = POINTS[0]
    calls = [
        lambda: s2s_ad.grad(unknown_keys)(x),
        lambda: s2s_ad.grad(unknown_keys, mode="forward")(x),
        lambda: s2s_ad.jvp(unknown_keys, (x,), (np.ones(3),)),
        lambda: s2s_ad.jacrev(unknown_keys)(x),
    ]
    for call in calls:  # (the vector mode's `rt.along` refuses it first, in its words)
        with pytest.raises(s2s_ad.S2SError, match=r"a join\) carrying|cannot tell is one") as info:
            call()
        assert "test_entry_kinds.py" in str(info.value)


def either_kind(x):
    v = [x[1]] if x[0] > 0 else x[1:2]
    j = v + v
    return j[0] + 2.0 * j[-1]


def held_fixed_lists(p, x):
    q = dict(p)
    j = q["a"] + q["b"]  # (of lists that carry no derivative: Python's join)
    return j[0] * x[0] + 10.0 * j[-1] * x[1]


def test_a_name_of_either_kind_is_exact_or_refused():
    """A list on one path, an array on the other: the array's sum is exact, the join of
    lists is refused (it was a wrong number in every mode)."""
    x = np.array([-0.5, 0.7, 0.2])  # (the array path: a sum)
    check_grads(either_kind, (x,))
    with pytest.raises(s2s_ad.S2SError, match=r"a join\) carrying derivatives"):
        s2s_ad.grad(either_kind)(np.array([0.5, 0.7, 0.2]))
    with pytest.raises(s2s_ad.S2SError, match=r"a join\) carrying derivatives"):
        s2s_ad.jvp(either_kind, (np.array([0.5, 0.7, 0.2]),), (np.ones(3),))


def test_a_join_of_lists_without_derivatives_is_pythons():
    p, x = {"a": [0.5, 1.0], "b": [0.25]}, np.array([0.7, 0.2])
    g = s2s_ad.grad(held_fixed_lists, wrt=1)(p, x)
    np.testing.assert_allclose(g, [0.5, 2.5])
