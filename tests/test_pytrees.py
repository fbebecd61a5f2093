"""Nested structures (pytrees) as arguments and results: tuples, lists, dicts, NamedTuples,
dataclasses and objects at any nesting, in both modes, jvp/vjp, the Jacobians and hessian.

Each function is checked against central differences (`check_grads`), reverse mode against
forward mode with each mode's primal value against the plain call (`check_modes_agree`), and
at second order (`hessian`, against second differences of the function itself)."""

import dataclasses
import itertools
from typing import NamedTuple

import numpy as np
import pytest
from derivative_tests import derivative_tests, second_differences

import s2s_ad as ad
from s2s_ad import pytrees
from s2s_ad.errors import ArgumentError
from s2s_ad.runtime import DerivativeRecord
from s2s_ad.testing import assert_same_value, check_grads, check_modes_agree, plain_value

rng = np.random.default_rng(16)


class Layer(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class Config:
    scale: float
    name: str


class Box:
    def __init__(self, w):
        self.w = w
        self.steps = 3


def mlp(params, x):
    """autograd's neural-net layout: a list of (W, b) tuples."""
    for W, b in params:
        x = np.tanh(W @ x + b)
    return np.sum(x**2)


def mlp_last_linear(params, x):
    """`params[:-1]`, `params[-1]`, `len(params)`."""
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    return np.sum((W @ x + b) ** 2) / len(params)


def sliced_from_one(params, x):
    """`params[1:]`, `params[0]`."""
    W0, b0 = params[0]
    h = np.sin(W0 @ x + b0)
    for layer in params[1:]:
        h = np.tanh(layer[0] @ h + layer[1])
    return np.sum(h)


def zipped(params, xs):
    """`zip(params, xs)` of a structured argument and a list of arrays."""
    total = 0.0
    for (W, b), x in zip(params, xs, strict=True):
        total = total + np.sum(np.tanh(W @ x + b))
    return total


def unpacked(params, x):
    """Nested unpacking and starred unpacking."""
    (W1, b1), *rest = params
    h = np.tanh(W1 @ x + b1)
    ((W2, b2),) = rest
    return np.sum(W2 @ h + b2)


def layer_out(layer, x):
    W, b = layer
    return np.tanh(W @ x + b)


def network(params, x):
    for layer in params:
        x = layer_out(layer, x)
    return x


def through_helpers(params, x):
    """The whole structure, and its items, passed to helpers."""
    return np.sum(network(params, x) ** 2) + np.sum(layer_out(params[0], x))


def concatenated(blocks, w):
    """`np.concatenate` of a list argument (refused in reverse mode before)."""
    return np.sum(np.concatenate(blocks) * w) + np.sum(np.concatenate(blocks) ** 2)


def dict_of_layers(model, x):
    """A dict holding a list of NamedTuples, a float and static leaves (an int, a string)."""
    h = x
    for layer in model["layers"]:
        h = np.tanh(layer[0] @ h + layer[1])
    return np.sum(h) * model["scale"] * model["repeat"]


def built_and_returned(params, x):
    """New structures built from a structured argument, returned: a list and a dict."""
    W, b = params[0]
    y = np.tanh(W @ x + b)
    pairs = [(y, np.sum(y)), {"first": y[0], "w": W * 2.0}]
    return pairs


def tuple_of_dicts(params, x):
    a, b = params
    return np.sum(a["w"] * x) + b["v"] ** 2 + np.sum(np.sin(a["u"]))


def two_structures(params, extra, x):
    """Two structured arguments (a tuple `wrt` in `check_modes_agree`)."""
    (W, b), c = params[0], extra["c"]
    return np.sum(np.tanh(W @ x + b) * c) + extra["d"][1] ** 2


def sin_and_double(x):
    return np.sin(x), x * 2.0


def tuple_result_returned_and_indexed(x):
    """A helper's tuple result read by a literal index and returned whole (its item's
    adjoint was dropped before: a silent wrong derivative)."""
    t = sin_and_double(x)
    a = t[0]
    return a * 3.0, t


def tuple_result_iterated(x):
    """A helper's tuple result used other than by literal indexing (refused before)."""
    t = sin_and_double(x)
    total = t[1] * 0.5
    for v in t:
        total = total + np.sum(v * v)
    return total + np.sum(t[-1])


def layers(*sizes):
    return [
        (rng.standard_normal((m, n)), rng.standard_normal(m)) for n, m in itertools.pairwise(sizes)
    ]


X2 = rng.standard_normal(2)
PARAMS = layers(2, 3, 2)
MODEL = {
    "layers": [Layer(*p) for p in layers(2, 3, 1)],
    "scale": 0.7,
    "repeat": 2,
    "name": "model",
}
CASES = [
    (mlp, (PARAMS, X2)),
    (mlp, (layers(2, 4, 3, 1), X2)),  # another length: a derivative of its own
    (mlp, (tuple(PARAMS), X2)),
    (mlp, ([Layer(*p) for p in PARAMS], X2)),
    (mlp_last_linear, (layers(2, 3, 3, 1), X2)),
    (sliced_from_one, (layers(2, 3, 2), X2)),
    (zipped, (layers(2, 3), [rng.standard_normal(2)])),
    (zipped, (layers(2, 2, 2), [rng.standard_normal(2), rng.standard_normal(2)])),
    (unpacked, (layers(2, 3, 2), X2)),
    (through_helpers, (layers(2, 2, 2), X2)),
    (concatenated, ([rng.standard_normal(2), rng.standard_normal(3)], rng.standard_normal(5))),
    (dict_of_layers, (MODEL, X2)),
    (built_and_returned, (PARAMS, X2)),
    (tuple_of_dicts, (({"w": X2 * 1.5, "u": X2}, {"v": 0.3}), X2)),
    (two_structures, (PARAMS, {"c": 0.5, "d": [1.0, 2.0]}, X2)),
    (tuple_result_returned_and_indexed, (0.7,)),
    (tuple_result_returned_and_indexed, (X2,)),
    (tuple_result_iterated, (0.7,)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_gradients_come_back_in_the_arguments_structure(mode):
    g = ad.grad(dict_of_layers, mode=mode)(MODEL, X2)
    assert type(g) is dict and list(g) == list(MODEL)
    assert type(g["layers"]) is list and all(type(item) is Layer for item in g["layers"])
    assert g["layers"][0].W.shape == MODEL["layers"][0].W.shape
    assert type(g["scale"]) is float
    assert g["repeat"] is None and g["name"] is None  # static leaves: no derivative
    value, g2 = ad.value_and_grad(dict_of_layers, mode=mode)(MODEL, X2)
    assert_same_value(value, plain_value(dict_of_layers, (MODEL, X2)), "value_and_grad")
    for a, b in zip(pytrees.float_leaves(g), pytrees.float_leaves(g2), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def uses_first(params, x):
    return np.sum(params[0] * x)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_records_in_a_structure_come_back_as_their_class(mode):
    """A dataclass and a plain object beside the arrays: their gradients are instances of
    their classes made without `__init__`, their static attributes None."""
    params = [X2 * 2.0, Config(0.5, "c"), Box(np.ones(2))]
    g = ad.grad(uses_first, mode=mode)(params, X2)
    np.testing.assert_allclose(g[0], X2)
    assert type(g[1]) is Config and g[1].scale == 0.0 and g[1].name is None
    assert type(g[2]) is Box and np.array_equal(g[2].w, np.zeros(2)) and g[2].steps is None


def test_record_derivatives_become_the_records_class():
    """What generated code holds for a record (`rt.DerivativeRecord`, missing = zero) turns
    into the user's class, like `rt.Derivatives` into a NamedTuple."""
    from s2s_ad.api import _like

    box = Box(np.ones(2))
    out = _like(DerivativeRecord({"w": np.full(2, 3.0)}), box)
    assert type(out) is Box and np.array_equal(out.w, np.full(2, 3.0)) and out.steps is None
    config = _like(DerivativeRecord({}), Config(2.0, "x"))
    assert type(config) is Config and config.scale == 0.0 and config.name is None
    layer = _like(pytrees.as_derivative(Layer(1.0, 2.0)), Layer(0.5, 0.5))
    assert layer == Layer(1.0, 2.0)


def test_vjp_and_jvp_of_a_structured_result():
    """The cotangent given to a pullback and the tangent returned are structured like the
    output (the user's types), and the primal is the plain call's."""
    args = (PARAMS, X2)
    out, pullback = ad.vjp(built_and_returned, *args)
    assert_same_value(out, plain_value(built_and_returned, args), "vjp's value")
    cotangent = [(np.linspace(0.5, 1.5, 3), 1.0), {"first": 2.0, "w": np.ones((3, 2))}]
    g_params, _ = pullback(cotangent)
    assert type(g_params) is list and type(g_params[0]) is tuple
    tangents = (pytrees.map_leaves(np.ones_like, PARAMS), np.zeros(2))
    value, tangent = ad.jvp(built_and_returned, args, tangents)
    assert_same_value(value, out, "jvp's value")
    assert type(tangent) is list and type(tangent[0]) is tuple and type(tangent[1]) is dict
    # <cotangent, J·t> = <Jᵀ·cotangent, t>
    lhs = sum(np.sum(a * b) for a, b in zip(_leaves(cotangent), _leaves(tangent), strict=True))
    rhs = sum(np.sum(a * b) for a, b in zip(_leaves(g_params), _leaves(tangents[0]), strict=True))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def _leaves(value):
    return pytrees.float_leaves(value)


def test_a_tangent_not_structured_like_its_primal_is_a_located_error():
    with pytest.raises(ArgumentError, match="not structured like its primal") as info:
        ad.jvp(mlp, (PARAMS, X2), ([(np.ones((3, 2)), np.ones(3))], np.zeros(2)))
    assert info.value.filename == __file__
    with pytest.raises(ArgumentError, match="not structured like its primal"):
        ad.jvp(mlp, (PARAMS, X2), ([(np.ones((3, 3)), np.ones(3))] * 2, np.zeros(2)))


def test_a_structure_without_floats_is_refused():
    with pytest.raises(ArgumentError, match="cannot differentiate `mlp` with respect to"):
        ad.grad(mlp)([(1, 2)], X2)


# Jacobians and Hessians with respect to structures: JAX's layout


def vector_out(params, x):
    W, b = params["layer"]
    return np.tanh(W @ x + b) * params["scale"]


def structured_out(params, x):
    return {"y": vector_out(params, x), "s": np.sum(params["layer"][1] ** 2)}


JPARAMS = {"layer": (rng.standard_normal((3, 2)), rng.standard_normal(3)), "scale": 1.3}


def _numeric_jacobian(f, args, k):
    """∂f/∂args[k], JAX's layout, by central differences of `f` along each element."""
    x = args[k]
    flat, tree = pytrees.flatten(x)
    out = f(*args)

    def along(i, j, h):
        moved = [np.array(v, dtype=float) if pytrees.is_leaf(v) else v for v in flat]
        shape = np.shape(moved[i])
        moved[i] = (moved[i].ravel() + h * np.eye(moved[i].size)[j]).reshape(shape)
        moved = [float(m) if np.ndim(m) == 0 and pytrees.is_leaf(m) else m for m in moved]
        return f(*args[:k], pytrees.unflatten(tree, moved), *args[k + 1 :])

    def block(o_leaf_index, i):
        leaf = flat[i]
        cols = []
        for j in range(int(np.size(leaf))):
            plus = pytrees.float_leaves(along(i, j, 1e-6))[o_leaf_index]
            minus = pytrees.float_leaves(along(i, j, -1e-6))[o_leaf_index]
            cols.append((np.asarray(plus) - np.asarray(minus)) / 2e-6)
        o = pytrees.float_leaves(out)[o_leaf_index]
        return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(o) + np.shape(leaf))

    n_out = len(pytrees.float_leaves(out))
    return [
        [block(o, i) for i in range(len(flat)) if pytrees.is_leaf(flat[i])] for o in range(n_out)
    ]


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
@pytest.mark.parametrize("f", [vector_out, structured_out])
def test_jacobian_with_respect_to_a_structure(f, mode):
    args = (JPARAMS, X2)
    jac = ad.jacobian(f, mode=mode)(*args)
    expected = _numeric_jacobian(f, args, 0)
    per_output = [jac] if f is vector_out else [jac["y"], jac["s"]]
    for blocks, numbers in zip(per_output, expected, strict=True):
        assert type(blocks) is dict and type(blocks["layer"]) is tuple
        for ours, theirs in zip(_leaves(blocks), numbers, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-8)
    if f is structured_out:
        assert jac["y"]["layer"][0].shape == (3, 3, 2) and type(jac["s"]["scale"]) is float


def test_jacobian_with_a_tuple_wrt_of_structures():
    def f(params, x):
        return vector_out(params, x) * np.sum(x)

    by_columns = ad.jacfwd(f, (0, 1))(JPARAMS, X2)
    by_rows = ad.jacrev(f, (0, 1))(JPARAMS, X2)
    assert type(by_columns) is tuple and type(by_columns[0]) is dict
    for a, b in zip(_leaves(by_columns), _leaves(by_rows), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def unrolled(params, x):
    """Second order through a structure read by literal indices and unpacking."""
    (W1, b1), (W2, b2) = params
    return np.sum(np.tanh(W2 @ np.tanh(W1 @ x + b1) + b2) ** 2)


def dict_model(params, x):
    return np.sum(np.sin(params["w"] * x)) * params["s"] + params["s"] ** 3


def _dense_hessian(h, x):
    """JAX's nested layout of a Hessian with respect to `x` as one n-by-n matrix."""
    leaves = pytrees.float_leaves(x)
    rows = pytrees.derivative_leaves(h, x)
    return np.block(
        [
            [
                np.reshape(b, (np.size(a), np.size(c)))
                for b, c in zip(_leaves(row), leaves, strict=True)
            ]
            for row, a in zip(rows, leaves, strict=True)
        ]
    )


def _second_differences(f, args):
    """Second differences of `f` in the flat vector of its first argument's float leaves
    (the shared helper, through a rebuild of the structure)."""
    x = args[0]
    flat = np.concatenate([np.ravel(v) for v in _leaves(x)])

    def at(v):
        pieces, start = [], 0
        for leaf in _leaves(x):
            pieces.append(v[start : start + np.size(leaf)].reshape(np.shape(leaf)))
            start += np.size(leaf)
        items = iter(float(p) if np.ndim(p) == 0 else p for p in pieces)
        moved = pytrees.map_leaves(lambda v: next(items) if pytrees.is_leaf(v) else v, x)
        return f(moved, *args[1:])

    return second_differences(at, flat)


@pytest.mark.parametrize(
    ("f", "args"),
    [
        (unrolled, (layers(2, 2, 1), X2)),
        (dict_model, ({"w": X2, "s": 0.4}, X2)),
        (tuple_of_dicts, (({"w": X2 * 1.5, "u": X2}, {"v": 0.3}), X2)),
        (mlp, (layers(2, 2, 1), X2)),
        (mlp_last_linear, (layers(2, 2, 1), X2)),
        (sliced_from_one, (layers(2, 2, 1), X2)),
        (zipped, (layers(2, 2), [X2])),
        (unpacked, (layers(2, 2, 1), X2)),
        (through_helpers, (layers(2, 2, 2), X2)),
        (concatenated, ([X2, X2[:1]], rng.standard_normal(3))),
        (dict_of_layers, ({**MODEL, "layers": [Layer(*p) for p in layers(2, 1)]}, X2)),
        (two_structures, (layers(2, 1), {"c": 0.5, "d": [1.0, 2.0]}, X2)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_hessian_with_respect_to_a_structure(f, args):
    h = ad.hessian(f)(*args)
    assert type(h) is type(args[0])
    np.testing.assert_allclose(_dense_hessian(h, args[0]), _second_differences(f, args), atol=1e-5)
    # forward over the reverse gradient, as jacfwd(grad(f)): the same numbers
    again = ad.jacfwd(ad.grad(f))(*args)
    np.testing.assert_allclose(
        _dense_hessian(again, args[0]), _dense_hessian(h, args[0]), rtol=1e-12
    )


def test_a_structure_is_part_of_the_derivatives_cache_key():
    """A list of two layers and one of three: each gets code of its own, both right."""
    for params in (layers(2, 2, 1), layers(2, 3, 3, 1), layers(2, 1)):
        check_modes_agree(mlp, (params, X2))
        check_grads(mlp, (params, X2))


def test_export_of_a_structured_argument():
    """The exported module takes the structure as it is; the gradient comes back in the
    runtime's derivative forms, copied: lists (of tuples, lists, NamedTuples) and dicts."""
    from s2s_ad.export import export_source
    from s2s_ad.pipeline import derivative

    params = [Layer(*p) for p in layers(2, 3, 1)]
    source = export_source(mlp, derivative(mlp, "value_and_gradient", ("params",)))
    assert "import s2s_ad" not in source and "from s2s_ad" not in source
    namespace: dict = {}
    exec(compile(source, "exported.py", "exec"), namespace)
    value, gradient = namespace["mlp_value_and_grad"](params, X2)
    expected_value, expected = ad.value_and_grad(mlp)(params, X2)
    assert value == expected_value
    assert isinstance(gradient, list) and all(isinstance(item, list) for item in gradient)
    for ours, theirs in zip(_leaves(list(map(tuple, gradient))), _leaves(expected), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_hessian_vector_product_with_respect_to_a_structure():
    params = layers(2, 2, 1)
    tangent = pytrees.map_leaves(lambda leaf: np.full(np.shape(leaf), 0.3), params)
    grad, product = ad.hvp(mlp, (params, X2), (tangent, None))
    assert type(grad) is list and type(grad[0]) is tuple and type(product[1]) is tuple
    for ours, theirs in zip(_leaves(grad), _leaves(ad.grad(mlp)(params, X2)), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    dense = _dense_hessian(ad.hessian(mlp)(params, X2), params)
    flat = np.concatenate([np.ravel(v) for v in _leaves(tangent)])
    ours = np.concatenate([np.ravel(v) for v in _leaves(product)])
    np.testing.assert_allclose(ours, dense @ flat, rtol=1e-10, atol=1e-12)


def test_a_records_adjoint_adds_into_a_lists_zeros():
    """`rt.getitem_vjp` of a list holding a record: the record's zero (0.0 from
    `rt.zeros_like`) plus its adjoint (`rt.DerivativeRecord`, from attribute reads) is
    that adjoint, which the API turns into the record's class."""
    from s2s_ad import runtime as rt
    from s2s_ad.api import _like

    params = [X2, Config(0.5, "c")]
    adjoint = rt.getitem_vjp(DerivativeRecord({"scale": 2.0}), params, 1)
    assert type(adjoint[1]) is DerivativeRecord and adjoint[1]["scale"] == 2.0
    g = _like(adjoint, params)
    assert type(g[1]) is Config and g[1].scale == 2.0 and np.array_equal(g[0], np.zeros(2))


def test_a_cotangent_not_structured_like_the_output_is_a_located_error():
    _, pullback = ad.vjp(built_and_returned, PARAMS, X2)
    with pytest.raises(ArgumentError, match="the cotangent is not structured like the output"):
        pullback([(np.ones(3),), {"first": 1.0}])
    _, pullback = ad.vjp(tuple_result_returned_and_indexed, 0.7)
    with pytest.raises(ArgumentError, match="give a tuple of 2 cotangents") as info:
        pullback((1.0,))
    assert info.value.filename == __file__
