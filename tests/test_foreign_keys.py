"""A tangent or cotangent given with a key its primal has no item of is refused (the 62nd
tester: `{0: t}` given for a NamedTuple was read as a zero tangent, with no error)."""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import ArgumentError


class Pair(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray


def pair_loss(p, x):
    return np.sum(np.tanh(p.w * x + p.b))


def layers_loss(layers, x):
    for layer in layers:
        x = np.tanh(layer.W @ x + layer.b)
    return np.sum(x)


def as_dict(d):
    return {"a": np.sin(d["x"]), "b": np.cos(d["x"])}


X = np.arange(3.0)
PAIR = Pair(np.ones(3), 0.5)
LAYERS = [Layer(np.eye(3), np.zeros(3)), Layer(np.ones((3, 3)) / 3, np.ones(3))]


@pytest.mark.parametrize(
    "tangent",
    [{0: np.ones(3)}, {"w": np.ones(3), "bb": 1.0}],
    ids=["position for a field", "misspelt field"],
)
def test_jvp_refuses_a_key_no_field_has(tangent):
    with pytest.raises(ArgumentError, match="naming no item of its primal"):
        ad.jvp(pair_loss, (PAIR, X), (tangent, np.zeros(3)))


def test_jvp_refuses_it_inside_a_list_of_records():
    tangents = [{"W": np.ones((3, 3)), "b": np.ones(3)}, {"W": np.ones((3, 3)), "c": np.ones(3)}]
    with pytest.raises(ArgumentError, match="'c'"):
        ad.jvp(layers_loss, (LAYERS, X), (tangents, np.zeros(3)))


def test_vjp_refuses_a_cotangent_key_the_output_has_not():
    _, pullback = ad.vjp(as_dict, {"x": np.ones(2)})
    with pytest.raises(ArgumentError, match="'z'"):
        pullback({"a": np.ones(2), "b": np.ones(2), "z": 1.0})


def test_the_fields_by_name_still_work_and_match_central_differences():
    direction = Pair(np.array([0.3, -0.2, 0.1]), 0.7)
    got = ad.jvp(pair_loss, (PAIR, X), ({"w": direction.w, "b": direction.b}, np.zeros(3)))[1]
    eps = 1e-6
    up = pair_loss(Pair(PAIR.w + eps * direction.w, PAIR.b + eps * direction.b), X)
    down = pair_loss(Pair(PAIR.w - eps * direction.w, PAIR.b - eps * direction.b), X)
    np.testing.assert_allclose(got, (up - down) / (2 * eps), rtol=1e-6)
