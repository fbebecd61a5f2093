"""`d.update(...)`, `d.setdefault(k, v)`, `d.pop(k[, v])`, `{**d, k: v}` and
`copy.deepcopy(x)` on local dicts and lists (ssa/dicts.py, ssa/item_paths.py): new versions
of the dict with the checks of `d[k] = v`, in every mode and to second order. Before, each
was refused ("updates a dict in place", "no derivative rule for `copy.deepcopy`")."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import s2s_ad
from s2s_ad.testing import check_grads


def update_display_and_keywords(x):
    d = {"a": x[0], "b": [x[1]]}
    d.update({"a": x[2] * 2.0, "c": x[0] ** 2})
    d.update(e=x[1] * x[2])
    return d["a"] * d["c"] + d["e"] + d["b"][0]


def update_from_dict(x):
    defaults = {"lr": 0.1, "scale": x[0]}
    given = {"scale": x[1] * 3.0, "shift": x[2]}
    defaults.update(given)
    return defaults["scale"] * defaults["shift"] + defaults["lr"] * x[0]


def starred_display(x):
    base = {"w": x[0], "v": x[1]}
    d = {**base, "w": x[2] * 3.0}
    e = {"k": 1.0, **d}
    return e["w"] * e["v"] + e["k"] * base["w"]


def setdefault_history(x):
    hist = {}
    for i in range(3):
        hist.setdefault("loss", []).append(x[i] ** 2)
        hist.setdefault("norm", [])
        hist["norm"].append(np.sqrt(x[i] ** 2 + 1.0))
    return sum(hist["loss"]) * hist["norm"][2]


def setdefault_values(x):
    d = {"a": x[0]}
    v = d.setdefault("a", 5.0) + d.setdefault("b", x[1] * 2.0)
    return v * d["b"]


def setdefault_pop(x):
    buf = {"q": [x[0], x[1]]}
    first = buf.setdefault("q", []).pop(0)
    return first * sum(buf["q"]) + x[2]


def pop_entries(x):
    d = {"a": x[0], "b": x[1] * 2.0, "c": x[2]}
    v = d.pop("b")
    w = d.pop("z", x[0] * 3.0)
    return v * w + sum(d.values()) * len(d)


def update_in_loop(x):
    state = {"m": 0.0, "v": 0.0}
    for i in range(3):
        g = x[i] * 2.0
        state.update(m=0.9 * state["m"] + 0.1 * g, v=0.99 * state["v"] + 0.01 * g * g)
    return state["m"] / np.sqrt(state["v"] + 1e-8)


def deep_copied_rows(x):
    rows = [[x[0], x[1]], [x[2]]]
    saved = copy.deepcopy(rows)
    rows[0][0] = x[1] * 5.0
    return saved[0][0] * rows[0][0] + sum(saved[1])


def deep_copied_params(x):
    p = {"w": x * 2.0, "hist": [x[0]]}
    best = copy.deepcopy(p)
    p["w"] = p["w"] * 0.5
    p["hist"].append(x[1])
    best.update(score=np.sum(best["w"] ** 2))
    return best["score"] * len(p["hist"]) + np.sum(p["w"]) * best["hist"][0]


def extended_entry(x):
    hist = {"loss": [x[0]]}
    hist["loss"] += [x[1] * 2.0]  # (extends the entry in place: `.extend`)
    j = hist["loss"] + hist["loss"]
    return j[0] * j[3] + j[1]


PROGRAMS = [
    extended_entry,
    update_display_and_keywords,
    update_from_dict,
    starred_display,
    setdefault_history,
    setdefault_values,
    setdefault_pop,
    pop_entries,
    update_in_loop,
    deep_copied_rows,
    deep_copied_params,
]
POINTS = [np.array([0.3, -0.7, 1.1]), np.array([1.2, 0.4, -0.5])]


def _central(f, x, h=1e-6):
    return np.array([(f(x + e) - f(x - e)) / (2 * h) for e in np.eye(len(x)) * h])


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_every_mode_matches_central_differences(f):
    for x in POINTS:
        check_grads(f, (x,))  # the JVP against differences, the VJP against the JVP, value
        expected = _central(f, x)
        np.testing.assert_allclose(s2s_ad.grad(f)(x), expected, rtol=1e-6, atol=1e-7)
        forward = s2s_ad.grad(f, mode="forward")(x)
        np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-7)
        value, tangent = s2s_ad.jvp(f, (x,), (np.array([1.0, -2.0, 0.5]),))
        assert value == f(x)
        np.testing.assert_allclose(tangent, expected @ [1.0, -2.0, 0.5], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_hessian(f):
    x = POINTS[0]
    expected = _central(s2s_ad.grad(f), x)
    np.testing.assert_allclose(s2s_ad.hessian(f)(x), expected, rtol=1e-5, atol=1e-6)


def update_argument_entries(params, x):
    merged = {"scale": 1.0, "shift": 0.0}
    merged.update(params)
    return np.sum(merged["scale"] * x + merged["shift"])


def test_update_from_a_dict_argument():
    params, x = {"scale": 1.5, "shift": -0.3}, np.array([0.2, 0.4])
    check_grads(update_argument_entries, (params, x))
    grads = s2s_ad.grad(update_argument_entries)(params, x)
    np.testing.assert_allclose([grads["scale"], grads["shift"]], [0.6, 2.0])


def pop_missing(x):
    d = {"a": x[0]}
    return d.pop("b") * x[1]


def test_pop_of_a_missing_key_raises_as_python_does():
    with pytest.raises(KeyError):
        pop_missing(POINTS[0])
    with pytest.raises(s2s_ad.S2SError, match="KeyError"):
        s2s_ad.grad(pop_missing)(POINTS[0])


def update_unknown_keys(x):
    d = {"a": x[0]}
    other = {}
    for k in ("a", "b"):
        other[k] = x[1]
    d.update(other)
    return d["a"] * d["b"]


def sgd_steps(x):
    params = {"w": x[:2] * 1.0, "b": x[2] * 1.0}
    for _ in range(2):
        grads = {"w": 2.0 * params["w"], "b": np.sin(params["b"])}
        params.update({k: params[k] - 0.1 * grads[k] for k in params})
    return np.sum(params["w"] ** 2) + params["b"]


def merged_unknown_keys(x):
    base = {"a": x[0]}
    extra = {}
    for k in ("b", "c"):
        extra[k] = x[1] * x[2]
    d = {**base, **extra, "d": x[0] * 2.0}
    e = base | extra
    e |= {"f": x[2]}
    return d["b"] * d["d"] + e["c"] * e["a"] * e["f"]


def item_updates(x):
    cfg = {"opt": {"lr": 0.1, "m": x[0]}, "n": 2}
    cfg["opt"].update(lr=x[1] * 2.0)
    v = cfg["opt"].setdefault("beta", x[0] * 3.0)
    return cfg["opt"]["lr"] * cfg["opt"]["m"] + v * x[2]


def popped_statement(x):
    d = {"a": x[0], "b": x[1] * 2.0}
    d.pop("b")
    return d["a"] * 2.0 + len(d)


@pytest.mark.parametrize(
    "f", [update_unknown_keys, sgd_steps, merged_unknown_keys, item_updates, popped_statement]
)
def test_updates_of_keys_not_followed_and_through_items(f):
    """`.update(e)` of a dict whose keys the lowering does not know (`rt.updated`), and
    updates through an item (ssa/item_paths.py)."""
    for x in POINTS:
        check_grads(f, (x,))
        expected = _central(f, x)
        np.testing.assert_allclose(s2s_ad.grad(f)(x), expected, rtol=1e-6, atol=1e-7)
        forward = s2s_ad.grad(f, mode="forward")(x)
        np.testing.assert_allclose(forward, expected, rtol=1e-6, atol=1e-7)
    hess = s2s_ad.hessian(f)(POINTS[0])
    np.testing.assert_allclose(hess, _central(s2s_ad.grad(f), POINTS[0]), rtol=1e-5, atol=1e-6)


def popped_missing_statement(x):
    d = {"a": x[0]}
    d.pop("zz")  # (nothing reads the entry: the KeyError must be raised all the same)
    return x[0] * 2.0


def test_pop_of_a_missing_key_as_a_statement_raises():
    with pytest.raises(s2s_ad.S2SError, match="KeyError"):
        s2s_ad.grad(popped_missing_statement)(POINTS[0])
    with pytest.raises(s2s_ad.S2SError, match="KeyError"):
        s2s_ad.hessian(popped_missing_statement)(POINTS[0])


def update_from_pairs(x):
    d = {"a": x[0]}
    d.update([("a", x[1])])
    return d["a"]


def test_update_from_pairs_is_refused_at_its_line():
    with pytest.raises(s2s_ad.S2SError, match=r"list or tuple of pairs") as info:
        s2s_ad.grad(update_from_pairs)(POINTS[0])
    assert "test_dict_updates.py" in str(info.value)
    assert "for k, v in pairs: d[k] = v" in str(info.value)


def update_shared(x):
    d = {"a": x[0]}
    e = d
    d.update(a=x[1] * 2.0)
    return e["a"] * x[2]


def setdefault_then_alias(x):
    d = {"a": [x[0]]}
    lst = d.setdefault("a", [])
    lst.append(x[1] * 3.0)
    return sum(d["a"]) * x[2]


def pop_shared(x):
    d = {"a": x[0], "b": x[1]}
    keep = d
    d.pop("a")
    return sum(keep.values()) * x[2]


@pytest.mark.parametrize("f", [update_shared, setdefault_then_alias, pop_shared])
def test_updates_another_name_sees_are_exact_or_refused(f):
    """Python's update changes the dict every name holding it sees."""
    x = POINTS[0]
    try:
        g = s2s_ad.grad(f)(x)
    except s2s_ad.S2SError as error:
        assert "test_dict_updates.py" in str(error)
        return
    np.testing.assert_allclose(g, _central(f, x), rtol=1e-6, atol=1e-7)
