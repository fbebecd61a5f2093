"""The unit seed of gradient code where floats of several dtypes meet (ad/seed_dtype.py).

A float64 loss that divides by, or averages with, a float32 or float16 value must give a
float64-exact gradient in every API that seeds gradient code with 1.0: `grad`,
`value_and_grad`, `jacrev` of a scalar, and the gradient values that second-order APIs
return beside their products (`jvp(grad(f))`, `hvp`), all equal to `vjp`'s pullback of a
float64 1.0 and to forward mode. Functions whose floats share one dtype keep the literal
seed, which the simplification passes fold away.
"""

import collections
import dataclasses
import types
import warnings

import numpy as np
import pytest

import s2s_ad as ad

S32 = np.float32(3.1)
S16 = np.float16(3.1)
W16 = np.array([0.5, 1.5, 2.5, 1.0], dtype=np.float16)


def divided_by_argument(w, s):
    return np.sum(w**2) / s


def divided_by_global_float16(w):
    return np.sum(np.sin(w)) / S16


def mean_over_converted(w, t):
    return np.mean((w - t.astype(np.float32)) ** 2) / np.float32(0.3)


def weighted_by_global(w):
    return np.sum(W16 * w**2) / np.sum(W16)


def one_dtype(w, s):
    return np.sum(w**2) / s


W = np.linspace(0.3, 1.2, 4)
T = np.linspace(-0.5, 0.5, 4)
# (function, arguments, the exact float64 gradient with respect to the first)
CASES = {
    "float32 argument divides": (divided_by_argument, (W, S32), 2 * W / np.float64(S32)),
    "float16 global divides": (divided_by_global_float16, (W,), np.cos(W) / np.float64(S16)),
    "float32 conversions": (
        mean_over_converted,
        (W, T),
        2 * (W - T.astype(np.float32)) / 4 / np.float64(np.float32(0.3)),
    ),
    "float16 weights": (weighted_by_global, (W,), 2 * W * W16 / np.sum(W16.astype(float))),
}


def _relative(got, want):
    return float(np.max(np.abs(np.asarray(got, dtype=float) - want)) / np.max(np.abs(want)))


@pytest.mark.parametrize("name", list(CASES))
def test_every_api_seeding_gradient_code_is_float64_exact(name):
    f, args, exact = CASES[name]
    v = np.linspace(-1.0, 1.0, 4)
    _, pullback = ad.vjp(f, *args)
    results = {
        "grad": ad.grad(f)(*args),
        "value_and_grad": ad.value_and_grad(f)(*args)[1],
        "jacrev": ad.jacrev(f)(*args),
        "jvp of grad (its value)": ad.jvp(ad.grad(f), args, (v,) + (None,) * (len(args) - 1))[0],
        "hvp (the gradient)": ad.hvp(f, args, (v,) + (None,) * (len(args) - 1))[0],
        "vjp": pullback(1.0)[0],
        "forward": ad.grad(f, mode="forward")(*args),
    }
    for api, got in results.items():
        assert _relative(got, exact) <= 1e-15, api
    assert np.array_equal(results["grad"], results["vjp"])
    assert np.array_equal(results["grad"], results["jvp of grad (its value)"])


@pytest.mark.parametrize("name", list(CASES))
def test_the_seed_is_a_float64_in_the_code(name):
    f, args, _ = CASES[name]
    source = ad.derivative_source(f, "gradient", args=args)
    reverse = source[source.index("# reverse sweep") :]
    assert "np.float64(" in reverse.splitlines()[1], source  # under the heading


def test_one_float_dtype_keeps_the_literal_seed():
    for args in [(W, 3.1), (W.astype(np.float32), S32), (W, np.float64(3.1))]:
        source = ad.derivative_source(one_dtype, "gradient", args=args)
        assert "np.float64(" not in source and "np.float32(" not in source, source


def helper_scale():
    return np.float32(3.1)


def helper_of_helper():
    return helper_scale() * 1.0


def converted_by_name(w, t):
    return np.sum(w * t.astype("float32")) / np.sum(t.astype("float32"))


def divided_by_helpers_value(w):
    return np.sum(w**2) / helper_scale()


def test_a_float32_made_in_a_helper():
    got = ad.grad(divided_by_helpers_value)(W)
    assert _relative(got, 2 * W / np.float64(S32)) <= 1e-15


def test_a_float32_made_in_a_helper_of_a_helper():
    def f(w):
        return np.sum(w**2) / helper_of_helper()

    got = ad.grad(f)(W)
    assert _relative(got, 2 * W / np.float64(S32)) <= 1e-15


def test_a_dtype_named_by_a_string():
    t = np.linspace(0.3, 0.9, 4)
    got = ad.grad(converted_by_name)(W, t)
    t32 = t.astype(np.float32)  # (the sum is a float32, as the plain call computes it)
    assert _relative(got, t32.astype(float) / np.float64(np.sum(t32))) <= 1e-15


# The items of structured arguments: code specialised to the arguments' shapes does not
# follow the dtype of `t[0]` or `hp.scale`, so the float dtypes they hold are read from the
# values on each call (api.py, `_held`) and the code is made for them.
Scale = collections.namedtuple("Scale", "scale offset")


@dataclasses.dataclass
class Hyper:
    scale: object
    steps: int = 3


class Plain:
    def __init__(self, scale):
        self.scale = scale


def by_tuple_item(w, t):
    return np.sum(w**2) / t[0]


def by_list_item(w, items):
    return np.sum(w**2) / items[1]


def by_dict_item(w, d):
    return np.sum(w**2) / d["scale"]


def by_nested_item(w, d):
    return np.sum(w**2) / d["inner"][0]["scale"]


def by_named_item(w, s):
    return np.sum(w**2) / s.scale + s.offset


def by_attribute(w, hp):
    return np.sum(w**2) / hp.scale


def by_array_item(w, d):
    return np.sum(w**2 / d["scales"])


STRUCTURED = {
    "tuple item": (by_tuple_item, lambda s: (s, 2)),
    "list item": (by_list_item, lambda s: [0.5, s]),
    "dict item": (by_dict_item, lambda s: {"scale": s, "name": "a"}),
    "nested item": (by_nested_item, lambda s: {"inner": [{"scale": s}]}),
    "NamedTuple field": (by_named_item, lambda s: Scale(s, 0.25)),
    "dataclass attribute": (by_attribute, lambda s: Hyper(s)),
    "object attribute": (by_attribute, lambda s: Plain(s)),
    "namespace attribute": (by_attribute, lambda s: types.SimpleNamespace(scale=s)),
    "array item": (by_array_item, lambda s: {"scales": np.full(4, s)}),
}


def _structured_apis(f, args):
    v = (np.linspace(-1.0, 1.0, 4), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (jit's fallback is logged)
        return {
            "grad": ad.grad(f)(*args),
            "value_and_grad": ad.value_and_grad(f)(*args)[1],
            "jit": ad.grad(f, jit=True)(*args),
            "jvp of grad (its value)": ad.jvp(ad.grad(f), args, v)[0],
            "hvp (the gradient)": ad.hvp(f, args, v)[0],
            "vjp": ad.vjp(f, *args)[1](1.0)[0],
            "forward": ad.grad(f, mode="forward")(*args),
        }


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", list(STRUCTURED))
def test_a_structured_arguments_float_item(name, dtype, caplog):
    f, make = STRUCTURED[name]
    scale = dtype(3.1)
    exact = 2 * W / np.float64(scale)
    for api, got in _structured_apis(f, (W, make(scale))).items():
        assert _relative(got, exact) <= 1e-15, api


@pytest.mark.parametrize("name", list(STRUCTURED))
def test_calls_alternating_the_items_dtype(name, caplog):
    """The code made for float64 items (the literal seed, folded away) is not run for
    float32 ones, nor the other way round: each call gets the code for its items."""
    f, make = STRUCTURED[name]
    gradient = ad.grad(f)
    for dtype in [np.float64, np.float32, np.float64, np.float16, np.float32, float]:
        scale = dtype(3.1)
        got = gradient(W, make(scale))
        assert _relative(got, 2 * W / np.float64(scale)) <= 1e-15, dtype
        assert np.array_equal(got, ad.vjp(f, W, make(scale))[1](1.0)[0]), dtype


class Counted:
    """A property whose reads are counted: reading the arguments for their dtypes must not
    run it (only the function's own reads do)."""

    reads = 0

    def __init__(self, scale):
        self._scale = scale

    @property
    def scale(self):
        Counted.reads += 1
        return self._scale


def test_reading_the_arguments_runs_no_property():
    from s2s_ad.ad.seed_dtype import held_float_dtypes

    Counted.reads = 0
    found = held_float_dtypes([Counted(S32), {"c": Counted(S32)}])
    assert Counted.reads == 0
    assert found == {np.dtype(np.float32)}  # (the attribute it stores the value in)
    assert held_float_dtypes([np, np.sum, print]) == set()  # (namespaces, not data)


DTYPE = "float32"


def converted_by_a_global_name(w, t):
    return np.sum(w * t.astype(DTYPE)) / np.sum(t.astype(DTYPE))


def test_a_dtype_named_by_a_global_string():
    t = np.linspace(0.3, 0.9, 4)
    got = ad.grad(converted_by_a_global_name)(W, t)
    t32 = t.astype(np.float32)
    assert _relative(got, t32.astype(float) / np.float64(np.sum(t32))) <= 1e-15


def inner_loss(w, s):
    return np.sum(w**3) / s


def calls_grad(w, s):
    return np.sum(ad.grad(inner_loss)(w, s))


def calls_value_and_grad(w, s):
    value, g = ad.value_and_grad(inner_loss)(w, s)
    return value + np.sum(g)


@pytest.mark.parametrize("scale", [S32, S16, np.float64(3.1), 3.1], ids=str)
@pytest.mark.parametrize("f", [calls_grad, calls_value_and_grad], ids=lambda f: f.__name__)
def test_grad_called_inside_seeds_as_grad_does(f, scale):
    """`grad(inner)(w, s)` inside a differentiated function: its gradient code is seeded as
    `grad` seeds it (ad/calls.py), so the value equals the plain call's and the
    derivative is float64-exact (the weak 1.0 gave 3.2e-8 off with a float32 `s`)."""
    value, got = ad.value_and_grad(f)(W, scale)
    assert value == f(W, scale)
    s = np.float64(scale)
    exact = 6 * W / s if f is calls_grad else (3 * W**2 + 6 * W) / s
    assert _relative(got, exact) <= 1e-15
    assert _relative(ad.grad(f, mode="forward")(W, scale), exact) <= 1e-15
