"""Dicts as local values: displays, `dict(...)`, `d[k]` with literal and computed keys,
`d[k] = v` (a new version, seen through aliases), `.items()/.values()/.keys()/.get()`,
`len`, loops over dicts, dicts made and read by helpers, and the loop a dict
comprehension becomes — in reverse, forward, vector (jacfwd) and second-order code, each
against central differences and the plain call; and the located refusals."""

import numpy as np
import pytest
from derivative_tests import second_differences, two_argument_tests

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree

NAMES = ("w", "b")


def display(x, y):
    d = {"w": x, "b": y * 2.0}
    return np.sum(d["w"] * d["b"])


def dict_call(x, y):
    d = dict(w=x, b=np.sin(y))
    return np.sum(d["w"] ** 2 * d["b"])


def computed_keys(x, y):
    d = {}
    for k in NAMES:
        d[k] = x * y if k == "w" else x + y
    key = NAMES[1]
    return np.sum(d["w"] * d[key])


def update(x, y):
    d = {"w": x}
    d["w"] = d["w"] * y
    d["b"] = np.cos(y)
    d["w"] = d["w"] + d["b"]
    return np.sum(d["w"] * x + d["b"])


def alias(x, y):
    d = {"w": x}
    e = d
    d["b"] = y * x
    return np.sum(e["b"] * e["w"])


def items_loop(x, y):
    d = {"w": x, "b": y * x, "c": 3.0}
    s = 0.0
    for k, v in d.items():
        s = s + np.sum(v * v) * (2.0 if k == "b" else 1.0)
    return s


def values_sum(x, y):
    d = {"w": x * y, "b": np.exp(y)}
    return np.sum(sum(d.values()) * x)


def values_loop(x, y):
    d = {"w": x * y, "b": y}
    s = 0.0
    for v in d.values():
        s = s + np.sum(np.tanh(v))
    return s


def keys_loop(x, y):
    d = {"w": x, "b": y * y}
    s = 0.0
    for k in d:
        s = s + np.sum(d[k] * y)
    for k in d.keys():  # noqa: SIM118  (the method, as users write it)
        s = s + np.sum(d[k] * x)
    return s


def get_entries(x, y):
    d = {"w": x * y}
    return np.sum(d.get("w", y) * d.get("c", y * y) + d.get("w"))


def length(x, y):
    d = {"w": x, "b": y}
    return np.sum(x * y) * len(d)


def make_params(x, y):
    return {"w": x, "b": y * y}


def apply(params, z):
    total = 0.0
    for _name, value in params.items():
        total = total + np.sum(value * z)
    return total + np.sum(params["w"])


def helper_dicts(x, y):
    p = make_params(x, y)
    return apply(p, y) + np.sum(p["b"] * x)


def copies(x, y):
    d = {"w": x}
    e = dict(d)
    e["w"] = e["w"] * y
    c = e.copy()
    c["b"] = y
    return np.sum(d["w"] + e["w"] * c["w"] + c["b"])


def comprehension_loop(x, y):  # `{k: v * 2.0 for k, v in zip(NAMES, [x, y])}`, lowered
    d = {}
    for k, v in zip(NAMES, [x, y]):  # noqa: B905  (the lowering takes zip without keywords)
        d[k] = v * 2.0
    return np.sum(d["w"] * d["b"])


def comprehension_over_items(x, y):  # `{k: v * 2.0 for k, v in d.items() if k != "c"}`
    d = {"a": x, "b": y * x, "c": y}
    e = {}
    for k, v in d.items():
        if k != "c":
            e[k] = v * 2.0
    return np.sum(e["a"] * e["b"]) * len(e)


def nested(x, y):
    d = {"layer": {"w": x, "b": y}, "scale": 2.0}
    inner = d["layer"]
    return np.sum(inner["w"] * d["layer"]["b"]) * d["scale"]


def carried(x, y):
    state = {"h": x, "c": y}
    for _ in range(3):
        state["h"] = np.tanh(state["h"] * y + state["c"])
        state["c"] = state["c"] * 0.5
    return np.sum(state["h"])


def tuple_keys(x, y):
    d = {(0, 1): x, (1, 0): y}
    d[0, 0] = x * y
    return np.sum(d[0, 1] * d[1, 0] + d[0, 0])


def int_keys(x, y):
    d = {}
    for i in range(3):
        d[i] = x * (i + 1.0) + y
    s = 0.0
    for i in range(len(d)):
        s = s + np.sum(d[i] * d.get(i + 1, y))
    return s


def zip_keys_values(x, y):
    d = {"a": x, "b": y * x}
    s = 0.0
    for k, v in zip(d.keys(), d.values()):  # noqa: SIM911, B905  (as users write it)
        s = s + np.sum(v) * (2.0 if k == "a" else 3.0)
    return s


def branches(x, y):
    d = {"a": x}
    if np.sum(x) > 0:
        d["b"] = y
    else:
        d["b"] = x * y
    return np.sum(d["a"] * d["b"])


def replace_entry_shape(x, y):
    d = {"a": x}
    d["a"] = np.sum(d["a"] * y)
    return d["a"] * 2.0


def values_list(x, y):
    d = {"a": x, "b": y}
    vs = list(d.values())
    return np.sum(vs[0] * vs[1])


def items_pairs(x, y):
    d = {"a": x, "b": y}
    s = 0.0
    for pair in d.items():
        s = s + np.sum(pair[1])
    return s


CASES = [display, dict_call, computed_keys, update, alias, items_loop, values_sum]
CASES += [values_loop, keys_loop, get_entries, length, helper_dicts, copies]
CASES += [comprehension_loop, comprehension_over_items, nested, carried, tuple_keys]
CASES += [int_keys, zip_keys_values, branches, replace_entry_shape, values_list, items_pairs]
rng = np.random.default_rng(15)
ELEMENTS = {
    "float": (0.7, -1.3),
    "array": (rng.uniform(0.5, 1.5, 3), rng.uniform(-1.5, -0.5, 3)),
}


test_both_modes, test_jacobians = two_argument_tests(CASES, ELEMENTS)


POINTS = {"float": 0.7, "array": np.array([0.7, -0.4])}


# flat gradient code does not call helpers yet (a located refusal, not a dict matter)
SECOND = [fn for fn in CASES if fn is not helper_dicts]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("fn", SECOND, ids=lambda f: f.__name__)
def test_hessian(fn, point):
    x = POINTS[point]
    y = x * 0.5 - 1.1
    expected = second_differences(lambda v: fn(v, y), x)
    for hessian in (ad.hessian(fn), ad.jacfwd(ad.grad(fn)), ad.jacrev(ad.grad(fn))):
        got = np.reshape(hessian(x, y), expected.shape)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


# dict arguments, used whole (their structure is known when the derivative is made)


def argument_items(params, x):
    s = 0.0
    for _k, v in params.items():
        s = s + np.sum(np.tanh(v * x))
    return s + np.sum(params["w"] * 2.0)


def argument_copied(params, x):
    p = params.copy()
    p["w"] = p["w"] * x
    for k in params:
        p[k] = p[k] * 0.5 + params[k]
    return np.sum(p["w"] + p["b"]) * len(params)


def argument_values(params, x):
    return np.sum(sum(params.values()) * x) + np.sum(params.get("b", x) * params.get("c", x))


def argument_to_helper(params, x):
    return apply(params, x) * np.sum(make_params(x, params["b"])["b"])


PARAMS = {"w": np.array([0.3, -0.2, 0.5]), "b": np.array([0.1, 0.4, -0.3])}
X = np.array([1.0, 2.0, 0.5])
ARGUMENT_CASES = [argument_items, argument_copied, argument_values, argument_to_helper]


@pytest.mark.parametrize("fn", ARGUMENT_CASES, ids=lambda f: f.__name__)
def test_dict_arguments(fn):
    """The gradient with respect to a dict is a dict, in both modes, for every use."""
    check_grads(fn, (PARAMS, X))
    check_modes_agree(fn, (PARAMS, X))
    for mode in ("reverse", "forward"):
        grads = ad.grad(fn, mode=mode)(PARAMS, X)
        assert isinstance(grads, dict) and set(grads) == set(PARAMS)


@pytest.mark.parametrize("fn", ARGUMENT_CASES[:3], ids=lambda f: f.__name__)
def test_dict_arguments_second_order(fn):
    expected = second_differences(lambda v: fn(PARAMS, v), X)
    for hessian in (ad.hessian(fn, wrt=1), ad.jacfwd(ad.grad(fn, wrt=1), wrt=1)):
        np.testing.assert_allclose(hessian(PARAMS, X), expected, rtol=1e-6, atol=1e-6)


def dict_of_layers(params, x):
    """A dict of `(W, b)` tuples, unpacked in the loop header (a fresh tester's program)."""
    h = x
    for name, (W, b) in params.items():
        h = np.sin(W @ h + b) * (1.0 + 0.1 * len(name))
    return np.sum(h**2)


LAYERS = {
    "first": (np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4], [0.0, 0.2, 0.6]]), X * 0.1),
    "second": (np.array([[0.2, 0.1, -0.7], [0.4, -0.3, 0.5], [0.9, 0.1, 0.2]]), X[::-1] * 0.2),
}


def test_nested_targets_over_items():
    """`for k, (W, b) in d.items()`: the gradient is a dict of tuples, in both modes, and the
    Hessian with respect to `x` matches second differences."""
    check_grads(dict_of_layers, (LAYERS, X))
    check_modes_agree(dict_of_layers, (LAYERS, X))
    for mode in ("reverse", "forward"):
        grads = ad.grad(dict_of_layers, mode=mode)(LAYERS, X)
        assert set(grads) == set(LAYERS)
        assert all(isinstance(g, tuple) and len(g) == 2 for g in grads.values())
    expected = second_differences(lambda v: dict_of_layers(LAYERS, v), X)
    actual = ad.hessian(dict_of_layers, wrt=1)(LAYERS, X)
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


def dict_result(x):
    return {"a": x * 2.0, "b": np.sin(x), "c": 1.0}


def test_dict_result():
    """A dict returned: its tangent and its cotangent are dicts."""
    x = np.array([0.3, -1.2, 0.5])
    value, tangent = ad.jvp(dict_result, (x,), (np.ones(3),))
    assert value["c"] == 1.0
    np.testing.assert_allclose(tangent["a"], 2.0 * np.ones(3))
    np.testing.assert_allclose(tangent["b"], np.cos(x))
    _, pullback = ad.vjp(dict_result, x)
    (cotangent,) = pullback({"a": np.ones(3), "b": np.full(3, 2.0), "c": 0.0})
    np.testing.assert_allclose(cotangent, 2.0 + 2.0 * np.cos(x))


# refusals: a located error that says what to write


def updated_from_pairs(x):
    d = {"w": x}
    d.update([("b", x)])  # <- error
    return np.sum(d["w"])


def added(x):
    d = {"w": x}
    return np.sum((d + d)["w"])  # <- error


def popped_item(x):
    d = {"w": x}
    _, e = d.popitem()  # <- error
    return np.sum(e)


def from_pairs(x):
    d = dict([("w", x)])  # <- error
    return np.sum(d["w"])


def updated_argument(params, x):
    params["c"] = x  # <- error
    return np.sum(params["w"])


@pytest.mark.parametrize(
    ("fn", "args", "message"),
    [
        (updated_from_pairs, (0.7,), r"list or tuple of pairs.*for k, v in pairs: d\[k\] = v"),
        (added, (0.7,), r"`add` with a dict operand"),
        (popped_item, (0.7,), r"`.popitem\(\)`, which updates a dict in place"),
        (from_pairs, (0.7,), r"no derivative rule for `dict`"),
        (updated_argument, (PARAMS, X), r"in-place update of the argument `params`.*copy\(\)"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_refusals(fn, args, message):
    import inspect

    lines, first = inspect.getsourcelines(fn)
    line = first + next(i for i, text in enumerate(lines) if "# <- error" in text)
    for mode in ("reverse", "forward"):
        with pytest.raises(S2SError, match=message) as info:
            ad.grad(fn, mode=mode)(*args)
        assert info.value.line == line and info.value.filename == __file__


def unpacked_display(x):
    d = {"w": x}
    e = {**d, "b": x * 2.0}
    return np.sum(e["w"] * e["b"])


def set_default(x):
    d = {"w": x}
    e = d.setdefault("b", x * 3.0)
    return np.sum(e * d["w"]) + np.sum(d.setdefault("w", 0.0))


@pytest.mark.parametrize("fn", [unpacked_display, set_default])
def test_formerly_refused_updates(fn):
    """`{**d, k: v}` and `d.setdefault(k, v)` (refused until session 43): exact."""
    x = np.array([0.7, -0.2])
    expected = np.array([(fn(x + e) - fn(x - e)) / 2e-6 for e in np.eye(2) * 1e-6])
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(ad.grad(fn, mode=mode)(x), expected, rtol=1e-6, atol=1e-8)


EXPORTED = """
import numpy as np


def layer(x, *weights):
    h = x
    for w in weights:
        h = np.tanh(h * w)
    return h


def loss(params, x):
    d = {"w": params["w"] * 2.0, "b": params["b"]}
    s = 0.0
    for _k, v in d.items():
        s = s + np.sum(layer(x, v, d.get("b", x)))
    return s + np.sum(sum(d.values()))
"""


def test_export_of_dicts_and_star_helpers(tmp_path):
    """The exported module (NumPy only) computes what s2s_ad computes."""
    import importlib.util

    from s2s_ad import cli

    source = tmp_path / "dict_loss.py"
    source.write_text(EXPORTED)
    target = tmp_path / "dict_loss_grad.py"
    assert cli.main(["export", f"{source}:loss", "-o", str(target)]) in (0, None)
    lines = target.read_text().splitlines()
    assert not any("s2s_ad" in line for line in lines if line.startswith(("import", "from")))
    modules = []
    for path in (source, target):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    params = {"w": np.array([0.3, 0.5]), "b": np.array([1.2, -0.4])}
    x = np.array([0.7, -0.2])
    value, grads = modules[1].loss_value_and_grad(params, x)
    expected_value, expected = ad.value_and_grad(modules[0].loss)(params, x)
    assert value == expected_value
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-12)
    check_grads(modules[0].loss, (params, x))
