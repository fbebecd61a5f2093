"""Objects holding parameters: attribute reads of NamedTuples, dataclasses and objects of the
user's classes (arguments held fixed, or built inside the function from differentiated
values), in reverse, forward and vector mode and to second order; and the located refusals
of what stays unsupported (an array's other attributes, properties, attribute assignment,
an `__init__` that does more than store values)."""

from __future__ import annotations

import dataclasses
import re
from typing import NamedTuple

import numpy as np
import pytest
from derivative_tests import (
    assert_located_refusal,
    derivative_tests,
    marked_line,
    second_differences,
)

import s2s_ad as ad
from s2s_ad.errors import S2SError, UnknownCalleeError
from s2s_ad.testing import check_grads, check_modes_agree

SCALE = 3.0


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray
    gain: float = 1.5


class Layer:
    """A layer as people write one: `__init__` stores what it is given."""

    act_scale = 0.5  # a class attribute, held fixed

    def __init__(self, W, b):
        self.W = W
        self.b = b


class Scaled:
    """An `__init__` that computes what it stores, with a default and a module constant."""

    def __init__(self, W, s=2.0):
        """Docstrings are fine."""
        self.W = np.tanh(W) * s
        self.total: float = np.sum(W) * SCALE


class Model:
    def __init__(self, layers, out):
        self.layers = layers
        self.out = out


class Config:
    steps = 3

    def __init__(self, lr):
        self.lr = lr


rng = np.random.default_rng(16)
W1, B1 = rng.standard_normal((4, 3)) * 0.5, rng.standard_normal(4) * 0.1
W2, B2 = rng.standard_normal((2, 4)) * 0.5, rng.standard_normal(2) * 0.1
X = rng.standard_normal(3)
LAYER = Layer(W1, B1)
MODEL = Model([Layer(W1, B1), Layer(W2, B2)], rng.standard_normal(2))
CONFIG = Config(0.25)


# attribute reads of objects held fixed (differentiated with respect to `x`)


def layer_read(x, layer):
    return np.sum(np.tanh(layer.W @ x + layer.b) * layer.act_scale)


def model_loop(x, model):
    h = x
    for layer in model.layers:
        h = np.tanh(layer.W @ h + layer.b)
    return np.sum(h * model.out)


def nested_chain(x, model):
    first = model.layers[0].W @ x
    return np.sum(np.sin(first)) + np.sum(model.layers[-1].b ** 2) * np.sum(x)


def config_steps(x, cfg):
    for _ in range(cfg.steps):
        x = x - cfg.lr * np.sin(x)
    return np.sum(x**2)


def indexed_layers(x, model):
    for i in range(len(model.layers)):
        x = np.tanh(getattr(model.layers[i], "W") @ x + model.layers[i].b)  # noqa: B009
    return np.sum(x)


def method_body(self, x):
    """A method's body, as a plain function of `self` (held fixed) and `x`."""
    return np.sum((self.W @ x) ** 2) + np.sum(self.b * x[:1])


# records built inside the function from differentiated values


def namedtuple_built(w, b):
    p = Params(w, b)
    return np.sum(np.sin(p.w) * p.b)


def namedtuple_keywords(w, b):
    p = Params(b=b * 2.0, w=np.exp(w))
    return np.sum(p.w) * p.b + p[1] * np.sum(p[0])


def namedtuple_unpacked(w, b):
    p = Params(w * b, b)
    v, c = p
    return np.sum(v * c) + np.sum(p.w)


def dataclass_built(w, b):
    d = Dense(w[:, None] * w, w * b)
    return np.sum(np.tanh(d.W @ w + d.b)) * d.gain


def dataclass_all_fields(w, b):
    d = Dense(W=w[:, None] * w, b=w, gain=b)
    return np.sum(d.W) * d.gain + np.sum(d.b**2)


def object_built(w, b):
    m = Layer(w[:, None] * w, w * b)
    return np.sum(np.tanh(m.W @ w + m.b))


def object_computed(w, b):
    m = Scaled(w[:, None] * w * b)
    n = Scaled(w, s=b)
    return np.sum(m.W) * m.total + np.sum(n.W * n.total)


def record_in_loop(w, b):
    p = Params(w, b)
    for _ in range(3):
        p = Params(np.sin(p.w) * p.b, p.b + np.sum(p.w))
    return np.sum(p.w) * p.b


def record_in_branch(w, b):
    p = Params(w, b)
    if b > 0.0:
        p = Params(p.w * p.b, p.b)
    else:
        q = Params(p.w, p.b * 2.0)
        p = q
    return np.sum(p.w**2) + p.b


def objects_in_list(w, b):
    layers = [Layer(w, b), Layer(w * 2.0, b * b)]
    total = 0.0
    for layer in layers:
        total = total + np.sum(np.tanh(layer.W * layer.b)) * layer.act_scale
    return total + np.sum(layers[1].W)


def mixes_fixed_and_built(w, layer):
    m = Layer(layer.W * w[0], layer.b)
    return np.sum(np.tanh(m.W @ w[:3] + m.b))


def namedtuple_replaced(w, b):
    p = Params(w, b)
    p = p._replace(w=np.sin(p.w) * p.b)
    return np.sum(p.w) * p.b


def dataclass_replaced(w, b):
    d = Dense(w[:, None] * w, w)
    d = dataclasses.replace(d, b=d.b * b, gain=b)
    return np.sum(np.tanh(d.W @ w + d.b)) * d.gain


def fixed_replaced(x, dense):
    q = dataclasses.replace(dense, b=x * dense.b)
    return np.sum(np.tanh(q.W @ x + q.b)) * q.gain


def replaced_in_loop(w, b):
    p = Params(w, b)
    for _ in range(3):
        p = p._replace(b=p.b * np.sum(np.cos(p.w)))
    return p.b + np.sum(p.w)


def namedtuples_in_list(w, b):
    layers = [Params(w, b), Params(w * 2.0, b * b)]
    total = 0.0
    for v, c in layers:
        total = total + np.sum(np.sin(v)) * c
    for p in layers[1:]:
        total = total + np.sum(p.w) * p.b
    return total + len(layers)


def optional_bias(x, model):
    h = x
    for layer in model.layers:
        h = layer.W @ h
        if layer.b is not None:
            h = h + layer.b
        h = np.tanh(h)
    return np.sum(h)


def optional_bias_built(w, b):
    layers = [Layer(w[:, None] * w, None), Layer(np.eye(3) * b, w)]
    h = w
    for layer in layers:
        h = layer.W @ h
        if layer.b is not None:
            h = h + layer.b
    return np.sum(np.sin(h))


class ReadsSelf:
    def __init__(self, W):
        self.W = W
        self.n = self.W.shape[0]
        self.V = self.W * self.n + np.tanh(self.W)


def builds_reads_self(w):
    m = ReadsSelf(w)
    return np.sum(m.V * m.W)


class Module:
    """A base class as in PyTorch-style code: its `__init__` sets flags."""

    def __init__(self):
        super().__init__()
        self.training = False


class Linear(Module):
    def __init__(self, W, b=None):
        super().__init__()
        self.W = W
        self.b = b


class Affine(Linear):
    def __init__(self, W, b, scale):
        super().__init__(W * scale, b=b)
        self.scale = scale + self.W[0, 0]


class Plain(Linear):
    """No `__init__` of its own: Linear's."""


def builds_subclasses(w, b):
    first = Linear(w[:, None] * w)
    second = Affine(np.eye(3) * b, w * b, b)
    third = Plain(np.sin(first.W), b=w)
    h = np.tanh(first.W @ w)
    h = second.W @ h + second.b * second.scale
    h = third.W @ h + third.b
    return np.sum(h**2) + float(first.training)


def forward(layer, x):
    """A helper given an object."""
    return np.tanh(layer.W @ x + layer.b)


def make_params(w, b):
    """A helper returning a record."""
    return Params(w * 2.0, b)


def helper_given_fixed(x, model):
    for layer in model.layers:
        x = forward(layer, x)
    return np.sum(x)


def helper_given_built(w, b):
    return np.sum(forward(Layer(w[:, None] * w, w * b), w))


def helper_returns_record(w, b):
    p = make_params(w, b)
    return np.sum(p.w) * p.b


HELPER_CASES = [
    (helper_given_fixed, (X, MODEL)),
    (helper_given_built, (rng.standard_normal(3), 0.7)),
    (helper_returns_record, (rng.standard_normal(3), 0.7)),
]
test_helpers_numeric, test_helpers_modes = derivative_tests(HELPER_CASES)


@pytest.mark.parametrize(("fn", "args"), HELPER_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_helpers_second_order(fn, args):
    """Through helpers given objects: their flat gradient code is called (issue 17)."""
    test_second_order(fn, args)


W = rng.standard_normal(3)
FIXED_CASES = [
    (layer_read, (X, LAYER)),
    (model_loop, (X, MODEL)),
    (nested_chain, (X, MODEL)),
    (config_steps, (X, CONFIG)),
    (method_body, (LAYER, X)),
    (indexed_layers, (X, MODEL)),
]
BUILT_CASES = [
    (namedtuple_built, (W, 0.7)),
    (namedtuple_keywords, (W, 0.7)),
    (namedtuple_unpacked, (W, 0.7)),
    (dataclass_built, (W, 0.7)),
    (dataclass_all_fields, (W, 0.7)),
    (object_built, (W, 0.7)),
    (object_computed, (W, 0.7)),
    (record_in_loop, (W * 0.3, 0.7)),
    (record_in_branch, (W, 0.7)),
    (record_in_branch, (W, -0.7)),
    (objects_in_list, (W, 0.7)),
    (mixes_fixed_and_built, (np.r_[W, 0.4], LAYER)),
    (namedtuple_replaced, (W, 0.7)),
    (dataclass_replaced, (W, 0.7)),
    (fixed_replaced, (X, Dense(rng.standard_normal((3, 3)), rng.standard_normal(3), 0.8))),
    (replaced_in_loop, (W * 0.3, 0.7)),
    (namedtuples_in_list, (W, 0.7)),
    (optional_bias, (X, Model([Layer(W1, None), Layer(W2, B2)], None))),
    (optional_bias_built, (W, 0.7)),
    (builds_reads_self, (W,)),
    (builds_subclasses, (W, 0.7)),
]
CASES = FIXED_CASES + BUILT_CASES

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


def _first_array(args) -> int:
    return next(i for i, a in enumerate(args) if isinstance(a, np.ndarray))


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_vector_mode_jacobian(fn, args):
    """jacfwd (vector tangent mode) and jacrev agree with each other and with grad."""
    i = _first_array(args)
    expected = ad.grad(fn, wrt=i)(*args)
    for jacobian in (ad.jacfwd(fn, wrt=i), ad.jacrev(fn, wrt=i)):
        np.testing.assert_allclose(jacobian(*args), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_second_order(fn, args):
    """The Hessian with respect to the first array argument, against second differences."""
    i = _first_array(args)

    def along(v):
        return fn(*args[:i], v, *args[i + 1 :])

    expected = second_differences(along, args[i])
    gradient = ad.grad(fn, wrt=i)
    for hessian in (ad.hessian(fn, wrt=i), ad.jacfwd(gradient, wrt=i), ad.jacrev(gradient, wrt=i)):
        got = np.reshape(hessian(*args), expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_gradient_source_reads_attributes():
    source = ad.derivative_source(layer_read)
    assert "layer.W" in source
    built = ad.derivative_source(namedtuple_built)
    assert "rt.new_record(Params" in built and "rt.attribute_vjp" in built


# what stays refused, located at the user's line


def array_real(x):
    y = np.sin(x)
    return np.sum(y.real)  # <- error


class WithProperty:
    def __init__(self, W):
        self.W = W

    @property
    def double(self):
        return self.W * 2.0


def reads_property(w):
    m = WithProperty(w)
    return np.sum(m.double)  # (refused until session 39: the property's getter is inlined)


def test_a_property_of_an_object_made_here():
    check_grads(reads_property, (np.array([0.3, 0.5]),))


def misspelt(x):
    y = np.sin(x)
    return np.sum(y.sise)  # <- error


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (array_real, r"attribute `\.real` of an array"),
        (misspelt, "has no attribute 'sise'"),
    ],
)
def test_computed_attributes_are_refused_when_run(fn, match, mode):
    with pytest.raises(S2SError, match=match) as info:
        ad.grad(fn, mode=mode)(np.array([0.3, 0.5]))
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, marked_line(fn))
    assert info.value.hint


def passive_array_attribute(x):
    n = x.nbytes  # no derivative flows through it: Python's value
    return np.sum(x) * n


def test_passive_array_attribute_keeps_its_value():
    x = np.array([0.3, 0.5])
    value, g = ad.value_and_grad(passive_array_attribute)(x)
    assert value == passive_array_attribute(x)
    np.testing.assert_allclose(g, np.full(2, float(x.nbytes)))


def assigns_attribute(w):
    m = Layer(w, w)
    m.W = w * 2.0  # <- error
    return np.sum(m.W)


def updates_attribute(w):
    m = Layer(w, w)
    m.W += w  # <- error
    return np.sum(m.W)


class Branchy:
    def __init__(self, W):
        if np.sum(W) > 0:
            self.W = W
        else:
            self.W = -W


def builds_branchy(w):
    m = Branchy(w)  # <- error
    return np.sum(m.W)


class ReadsSelfEarly:
    def __init__(self, W):
        self.V = self.W * 2.0  # an AttributeError in Python too
        self.W = W


def builds_reads_self_early(w):
    m = ReadsSelfEarly(w)  # <- error
    return np.sum(m.V)


def shadows_scale(w):
    SCALE = 2.0  # the caller's local hides the module constant `Scaled.__init__` reads
    m = Scaled(w * SCALE)  # <- error
    return np.sum(m.W)


@dataclasses.dataclass
class Checked:
    w: np.ndarray

    def __post_init__(self):
        self.w = self.w * 2.0


class Counted(type):
    made = 0

    def __call__(cls, *args):
        Counted.made += 1
        return super().__call__(*args)


class Tracked(metaclass=Counted):
    def __init__(self, W):
        self.W = W


def builds_tracked(w):
    t = Tracked(w)  # <- error
    return np.sum(t.W)


def builds_post_init(w):
    c = Checked(w)  # <- error
    return np.sum(c.w)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    ("fn", "match"),
    [(assigns_attribute, "assignment to an attribute"), (updates_attribute, "to an attribute")],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_attribute_assignment_is_refused(fn, match, mode):
    assert_located_refusal(fn, match, mode)


class Odd(NamedTuple):
    T: float


class Sized:
    def __init__(self, n):
        self.size = n


def builds_odd(w):
    p = Odd(w * 2.0)  # <- error
    return p.T


def builds_sized(w):
    s = Sized(w)  # <- error
    return np.sum(s.size)


def replaces_positionally(w):
    p = Params(w, 1.0)
    p = p._replace(w)  # <- error
    return np.sum(p.w)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (builds_odd, "attribute named `.T`, which reads as the array attribute"),
        (builds_sized, "attribute named `.size`, which reads as the array attribute"),
        (replaces_positionally, "with positional arguments"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_records_that_would_read_wrongly_are_refused(fn, match, mode):
    assert_located_refusal(fn, match, mode)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize(
    ("fn", "match"),
    [
        (
            builds_branchy,
            r"`Branchy.__init__` \(.*test_objects.py:\d+\) has an `if`, not `self.name = value`",
        ),
        (builds_reads_self_early, "a value that reads `self`"),
        (shadows_scale, "reads `SCALE`, which the differentiated function does not see"),
        (builds_post_init, "`Checked` defines `__post_init__`"),
        (builds_tracked, "the metaclass of `Tracked` defines `__call__`"),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_objects_not_built_inside_say_why(fn, match, mode):
    """An object whose `__init__` does more than store values is made by the plain call
    (exact where no derivative flows through it); where one does, the refusal is located at
    the construction and says why and what to write instead."""
    with pytest.raises(UnknownCalleeError, match="no derivative rule") as info:
        ad.derivative_source(fn, mode=mode)
    assert (info.value.filename, info.value.line) == (fn.__code__.co_filename, marked_line(fn))
    assert re.search(match, info.value.hint)
    assert "build the object outside the function and pass it in" in info.value.hint


class Logger:
    """A class used where no derivative flows: its `__init__` may do anything."""

    def __init__(self, name):
        self.lines = []
        for part in name.split("."):
            self.lines.append(part)


def uses_passive_object(w):
    log = Logger("a.b")
    return np.sum(w**2) * len(log.lines)


def test_passive_objects_use_the_plain_constructor():
    check_grads(uses_passive_object, (W,))
    check_modes_agree(uses_passive_object, (W,))


class Doubled:
    """Reads of `w` give twice what is stored: its derivative is not the stored one's."""

    def __init__(self, w):
        self.w = w

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        return value * 2.0 if name == "w" else value


@dataclasses.dataclass
class DoubledRecord:
    w: np.ndarray

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        return value * 2.0 if name == "w" else value


class Counted:
    """A proxy that counts the reads and gives the stored objects: differentiable."""

    reads = 0

    def __init__(self, w):
        self.w = w

    def __getattribute__(self, name):
        type(self).reads += 1
        return object.__getattribute__(self, name)


def weighted_sum(p, x):
    return np.sum(p.w * x)  # <- error


def weighted_sum_of_dict(d, x):
    return np.sum(d["p"].w * x) + np.sum(d["b"])  # <- error


GETTERS = [
    ("object", lambda w: Doubled(w), weighted_sum),
    ("dataclass", lambda w: DoubledRecord(w), weighted_sum),
    ("in a dict", lambda w: {"p": Doubled(w), "b": np.ones(2)}, weighted_sum_of_dict),
]
APIS = {
    "grad": lambda f, p, x: ad.grad(f)(p, x),
    "value_and_grad": lambda f, p, x: ad.value_and_grad(f)(p, x),
    "jvp": lambda f, p, x: ad.jvp(f, (p, x), (p, np.ones(3))),
    "vjp": lambda f, p, x: ad.vjp(f, p, x)[1](1.0),
    "jacobian": lambda f, p, x: ad.jacobian(f)(p, x),
    "hessian": lambda f, p, x: ad.hessian(f)(p, x),
}


@pytest.mark.parametrize("api", sorted(APIS))
@pytest.mark.parametrize(("kind", "make", "fn"), GETTERS, ids=[g[0] for g in GETTERS])
def test_an_argument_computing_its_attributes_is_refused(api, kind, make, fn):
    """A passed-in object whose `__getattribute__` gives other values than it stores: the
    function reads those, so derivatives with respect to the stored ones would be wrong
    (session 40's note: it raised a TypeError from inside s2s_ad)."""
    p, x = make(np.array([1.0, 2.0, 3.0])), np.array([0.5, -1.0, 2.0])
    with pytest.raises(ad.S2SError, match="overrides `__getattribute__`") as info:
        APIS[api](fn, p, x)
    assert info.value.filename == fn.__code__.co_filename
    assert "hold the" in info.value.hint


def test_an_argument_computing_its_attributes_held_fixed_is_differentiated_through():
    """Held fixed, it is read as Python reads it: the doubled value."""
    p, x = Doubled(np.array([1.0, 2.0, 3.0])), np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(ad.grad(weighted_sum, wrt=1)(p, x), [2.0, 4.0, 6.0])


def test_a_proxy_giving_the_stored_attributes_is_differentiated():
    p, x = Counted(np.array([1.0, 2.0, 3.0])), np.array([0.5, -1.0, 2.0])
    value, g = ad.value_and_grad(weighted_sum)(p, x)
    assert value == weighted_sum(p, x)
    np.testing.assert_allclose(g.w, x)
    assert Counted.reads > 0
