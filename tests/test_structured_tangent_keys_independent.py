"""Independent tests (63rd tester): keys of structured tangents and cotangents.

jvp tangents, vjp cotangents, hvp tangents and jvp/vjp of grad(f) for structured
arguments and outputs: invalid keys are refused with a located ArgumentError, valid
forms give central-difference numbers.
"""

import collections
import copy
import dataclasses
import os
import re
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import ArgumentError

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7
HERE = os.path.basename(__file__)


# ----------------------------------------------------------------- structures
class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    name: str
    n: int


class Model:
    def __init__(self, W, c):
        self.W = W
        self.c = c

    def __call__(self, x):
        return np.tanh(self.W @ x) * self.c


class Rec(NamedTuple):
    a: float
    s: np.ndarray


# ----------------------------------------------------------------- programs
def f_nt(p, x):
    return np.sum(np.tanh(p.w * x + p.b))


def f_dc(layer, x):
    h = np.sin(layer.W @ x + layer.b) * layer.n
    return np.sum(h**2)


def f_obj(model, x):
    return np.sum(model(x) ** 2)


def f_list(xs):
    return xs[0] * np.cos(xs[1]) + xs[2] ** 2


def f_intkeys(d):
    return d[0] * d[1] + np.sin(d[2])


def f_tuplekeys(d):
    return np.exp(d[(0, 1)]) * d[(1, 0)]


def f_ordered(d):
    return np.sum(d["u"] * d["v"]) + d["u"][0] ** 3


def f_empty(cfg, x):
    return np.sin(x) * (len(cfg) + 1.0)


def f_dictdict(d):
    return d["enc"]["w"] * d["dec"]["w"] + np.cos(d["enc"]["b"])


def f_nested(layers, x):
    for layer in layers:
        x = np.tanh(layer["p"].w * x + layer["p"].b) * layer["scale"]
    return np.sum(x)


def f_dict_out(x, y):
    return {"loss": x * y, "aux": np.sin(x)}


def f_nt_out(x):
    return Rec(a=x[0] * x[1], s=np.cos(x))


def f_dc_arg_out(layer):
    return {"h": layer.W @ layer.b, "m": np.sum(layer.b) * 2.0}


def f_list_out(x):
    return [x**2, {"k": np.sin(x)}]


def f_scalar_nt(p):
    return np.sum(p.w**3) * p.b + np.sin(p.b)


def f_scalar_dict(d):
    return np.sum(d["w"] ** 2 * d["v"]) + d["c"] ** 3


# ----------------------------------------------------------------- data
def nt():
    return Params(np.array([0.3, -0.7, 1.1]), 0.2)


def dc():
    return Layer(np.array([[0.5, -0.2], [0.1, 0.4]]), np.array([0.3, -0.1]), "l1", 2)


def obj():
    return Model(np.array([[0.5, -0.2], [0.1, 0.4], [0.7, 0.2]]), 1.3)


X2 = np.array([0.4, -0.9])
X3 = np.array([0.4, -0.9, 0.25])


def nested():
    return [
        {"p": Params(np.array([0.3, -0.5]), 0.1), "scale": 1.2},
        {"p": Params(np.array([0.8, 0.2]), -0.3), "scale": 0.7},
    ]


# ----------------------------------------------------------------- reference
def _is_nt(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _rec_fields(x):
    if _is_nt(x):
        return list(x._fields)
    if dataclasses.is_dataclass(x):
        return [f.name for f in dataclasses.fields(x)]
    return list(vars(x))


def _is_leaf(x):
    return isinstance(x, (float, np.floating, np.ndarray, int, str, type(None), np.integer))


def _get(t, kind, key):
    """Read the tangent entry the README documents for one item of the primal."""
    if t is None:
        return None
    if kind == "seq":
        return t[key]
    if kind == "dict":
        return t.get(key) if isinstance(t, dict) else None
    if isinstance(t, dict):
        return t.get(key)
    return getattr(t, key)


def axpy(p, t, s):
    """p + s * t over the primal's structure (missing or None tangent: zero)."""
    if t is None:
        return p
    if _is_leaf(p):
        if isinstance(p, (int, str, np.integer)) or p is None:
            return p
        return p + s * np.asarray(t, dtype=float) if isinstance(p, np.ndarray) else p + s * float(t)
    if isinstance(p, dict):
        out = type(p)()
        for k, v in p.items():
            out[k] = axpy(v, _get(t, "dict", k), s)
        return out
    if _is_nt(p):
        return type(p)(*[axpy(getattr(p, f), _get(t, "rec", f), s) for f in p._fields])
    if isinstance(p, (list, tuple)):
        return type(p)(axpy(v, _get(t, "seq", i), s) for i, v in enumerate(p))
    q = copy.copy(p)
    for f in _rec_fields(p):
        setattr(q, f, axpy(getattr(p, f), _get(t, "rec", f), s))
    return q


def flat(x, like):
    """Float leaves of x read along the structure of `like` (a zero where x has none)."""
    out = []
    if _is_leaf(like):
        if isinstance(like, (int, str, np.integer)) or like is None:
            return out
        out.append(np.zeros(np.shape(like)) if x is None else np.asarray(x, dtype=float))
        return out
    if isinstance(like, dict):
        for k, v in like.items():
            out += flat(None if x is None else _get(x, "dict", k), v)
        return out
    if _is_nt(like) or not isinstance(like, (list, tuple)):
        for f in _rec_fields(like):
            out += flat(None if x is None else _get(x, "rec", f), getattr(like, f))
        return out
    for i, v in enumerate(like):
        out += flat(None if x is None else x[i], v)
    return out


def fd_jvp(f, primals, tangents):
    plus = [axpy(p, t, EPS) for p, t in zip(primals, tangents)]
    minus = [axpy(p, t, -EPS) for p, t in zip(primals, tangents)]
    yp, ym = f(*plus), f(*minus)
    y = f(*primals)
    return [(a - b) / (2 * EPS) for a, b in zip(flat(yp, y), flat(ym, y))], y


def assert_close_lists(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


def basis_dirs(p):
    """Unit tangents, one per float element of p, as full own-type structures."""
    leaves = flat(p, p)
    n = sum(np.size(v) for v in leaves)
    for j in range(n):
        vec = np.zeros(n)
        vec[j] = 1.0
        yield j, build(p, vec, [0])


def build(p, vec, pos):
    if _is_leaf(p):
        if isinstance(p, (int, str, np.integer)) or p is None:
            return None
        k = np.size(p)
        v = vec[pos[0] : pos[0] + k]
        pos[0] += k
        return v.reshape(np.shape(p)) if isinstance(p, np.ndarray) else float(v[0])
    if isinstance(p, dict):
        return {k: build(v, vec, pos) for k, v in p.items()}
    if _is_nt(p):
        return type(p)(*[build(getattr(p, f), vec, pos) for f in p._fields])
    if isinstance(p, (list, tuple)):
        return type(p)(build(v, vec, pos) for v in p)
    return {f: build(getattr(p, f), vec, pos) for f in _rec_fields(p)}


def fd_vjp(f, primals, ct):
    """Reference J^T ct per argument, flattened, by central differences of <ct, f>."""
    y = f(*primals)
    ctl = flat(ct, y)
    res = []
    for i, p in enumerate(primals):
        if _is_leaf(p) and not isinstance(p, (float, np.ndarray)):
            res.append([])
            continue
        g = []
        for _, d in basis_dirs(p):
            args_p = list(primals)
            args_m = list(primals)
            args_p[i] = axpy(p, d, EPS)
            args_m[i] = axpy(p, d, -EPS)
            yp, ym = flat(f(*args_p), y), flat(f(*args_m), y)
            g.append(sum(np.sum(c * (a - b)) for c, a, b in zip(ctl, yp, ym)) / (2 * EPS))
        res.append(np.array(g))
    return res


def flat_vec(x, like):
    parts = flat(x, like)
    return np.concatenate([np.ravel(v) for v in parts]) if parts else np.zeros(0)


def assert_located(excinfo):
    msg = str(excinfo.value)
    assert re.search(re.escape(HERE) + r"[:\", line ]+\d+", msg), msg


# ================================================================ invalid jvp tangents
INVALID_JVP = [
    ("nt_int_key", f_nt, (nt(), X3), ({0: np.ones(3)}, None)),
    ("nt_misspelt", f_nt, (nt(), X3), ({"W": np.ones(3)}, None)),
    ("nt_extra", f_nt, (nt(), X3), ({"w": np.ones(3), "b": 1.0, "c": 1.0}, None)),
    ("dc_misspelt", f_dc, (dc(), X2), ({"w": np.ones((2, 2))}, None)),
    ("dc_int_key", f_dc, (dc(), X2), ({1: np.ones(2)}, None)),
    ("obj_misspelt", f_obj, (obj(), X2), ({"W": np.ones((3, 2)), "C": 1.0}, None)),
    ("intkeys_str", f_intkeys, ({0: 1.0, 1: 2.0, 2: 0.5},), ({"0": 1.0},)),
    ("intkeys_extra", f_intkeys, ({0: 1.0, 1: 2.0, 2: 0.5},), ({0: 1.0, 3: 1.0},)),
    ("tuplekeys_wrong", f_tuplekeys, ({(0, 1): 0.3, (1, 0): 2.0},), ({(0, 2): 1.0},)),
    ("tuplekeys_list_key", f_tuplekeys, ({(0, 1): 0.3, (1, 0): 2.0},), ({0: 1.0},)),
    (
        "ordered_extra",
        f_ordered,
        (collections.OrderedDict(u=np.array([0.5, 1.5]), v=np.array([2.0, -1.0])),),
        ({"u": np.ones(2), "w": np.ones(2)},),
    ),
    ("empty_dict_extra", f_empty, ({}, 0.7), ({"a": 1.0}, 1.0)),
    (
        "dictdict_inner",
        f_dictdict,
        ({"enc": {"w": 0.5, "b": 0.1}, "dec": {"w": -1.2}},),
        ({"enc": {"w": 1.0, "bias": 1.0}},),
    ),
    (
        "dictdict_outer",
        f_dictdict,
        ({"enc": {"w": 0.5, "b": 0.1}, "dec": {"w": -1.2}},),
        ({"encoder": {"w": 1.0}},),
    ),
    (
        "nested_deep_misspelt",
        f_nested,
        (nested(), X2),
        ([{"p": {"w": np.ones(2)}}, {"p": {"bb": 1.0}}], None),
    ),
    ("nested_deep_int_key", f_nested, (nested(), X2), (({"p": {0: np.ones(2)}}, {}), None)),
    ("nested_scale_typo", f_nested, (nested(), X2), ([{"scal": 1.0}, {}], None)),
]


@pytest.mark.parametrize("name,f,primals,tangents", INVALID_JVP, ids=[c[0] for c in INVALID_JVP])
def test_jvp_invalid_key_refused(name, f, primals, tangents):
    with pytest.raises(ArgumentError) as e:
        ad.jvp(f, primals, tangents)
    assert_located(e)


# ================================================================ valid jvp tangents
VALID_JVP = [
    ("nt_dict_by_name", f_nt, (nt(), X3), ({"w": np.array([1.0, -2.0, 0.5]), "b": 0.7}, None)),
    ("nt_missing_leaf", f_nt, (nt(), X3), ({"b": 1.0}, np.array([0.1, 0.2, -0.3]))),
    ("nt_own_type", f_nt, (nt(), X3), (Params(np.array([0.2, 0.1, -1.0]), -0.4), None)),
    (
        "dc_dict_static_omitted",
        f_dc,
        (dc(), X2),
        ({"W": np.ones((2, 2)), "b": np.array([1.0, -1.0])}, None),
    ),
    (
        "dc_dict_static_none",
        f_dc,
        (dc(), X2),
        ({"W": np.ones((2, 2)), "b": np.array([1.0, -1.0]), "name": None, "n": None}, None),
    ),
    (
        "dc_own_type_holding_int",
        f_dc,
        (dc(), X2),
        (Layer(np.array([[1.0, 0.0], [0.5, 2.0]]), np.array([0.3, 0.3]), "l1", 2), X2),
    ),
    ("obj_dict", f_obj, (obj(), X2), ({"W": np.full((3, 2), 0.5), "c": 1.0}, None)),
    ("obj_partial", f_obj, (obj(), X2), ({"c": 2.0}, np.array([1.0, 1.0]))),
    ("list_as_tuple", f_list, ([0.3, 1.2, -0.8],), ((1.0, -0.5, 2.0),)),
    ("intkeys_missing", f_intkeys, ({0: 1.0, 1: 2.0, 2: 0.5},), ({0: 1.0, 2: -2.0},)),
    ("tuplekeys_ok", f_tuplekeys, ({(0, 1): 0.3, (1, 0): 2.0},), ({(0, 1): 1.0, (1, 0): 0.5},)),
    (
        "ordered_plain_dict",
        f_ordered,
        (collections.OrderedDict(u=np.array([0.5, 1.5]), v=np.array([2.0, -1.0])),),
        ({"v": np.array([1.0, 0.5]), "u": np.array([-1.0, 2.0])},),
    ),
    ("empty_dict_ok", f_empty, ({}, 0.7), ({}, 1.0)),
    (
        "dictdict_missing",
        f_dictdict,
        ({"enc": {"w": 0.5, "b": 0.1}, "dec": {"w": -1.2}},),
        ({"enc": {"b": 1.0}, "dec": {"w": 2.0}},),
    ),
    (
        "nested_records_as_dicts",
        f_nested,
        (nested(), X2),
        (
            (
                {"p": {"w": np.array([1.0, 0.5])}, "scale": 1.0},
                {"p": Params(np.array([0.2, -0.1]), 0.3)},
            ),
            np.array([0.5, -0.5]),
        ),
    ),
]


@pytest.mark.parametrize("name,f,primals,tangents", VALID_JVP, ids=[c[0] for c in VALID_JVP])
def test_jvp_valid_forms_match_fd(name, f, primals, tangents):
    out, tout = ad.jvp(f, primals, tangents)
    want, y = fd_jvp(f, primals, tangents)
    assert_close_lists(flat(out, y), flat(y, y))
    assert_close_lists(flat(tout, y), want)


# ================================================================ vjp cotangents
INVALID_VJP = [
    ("dict_out_extra", f_dict_out, (0.4, 1.5), {"loss": 1.0, "aux": 1.0, "extra": 1.0}),
    ("dict_out_typo", f_dict_out, (0.4, 1.5), {"los": 1.0}),
    ("nt_out_int_key", f_nt_out, (np.array([0.3, -0.6]),), {0: 1.0}),
    ("nt_out_typo", f_nt_out, (np.array([0.3, -0.6]),), {"a": 1.0, "S": np.ones(2)}),
    ("list_out_inner_typo", f_list_out, (np.array([0.3, -0.6]),), [np.ones(2), {"K": np.ones(2)}]),
    ("dc_arg_dict_out_typo", f_dc_arg_out, (dc(),), {"h": np.ones(2), "mm": 1.0}),
]


@pytest.mark.parametrize("name,f,primals,ct", INVALID_VJP, ids=[c[0] for c in INVALID_VJP])
def test_vjp_invalid_key_refused(name, f, primals, ct):
    _, pullback = ad.vjp(f, *primals)
    with pytest.raises(ArgumentError) as e:
        pullback(ct)
    assert_located(e)


VALID_VJP = [
    ("dict_out_full", f_dict_out, (0.4, 1.5), {"loss": 1.0, "aux": -2.0}),
    ("dict_out_missing", f_dict_out, (0.4, 1.5), {"aux": 3.0}),
    ("nt_out_as_dict", f_nt_out, (np.array([0.3, -0.6]),), {"a": 2.0, "s": np.array([1.0, -1.0])}),
    ("nt_out_own_type", f_nt_out, (np.array([0.3, -0.6]),), Rec(0.5, np.array([0.2, 0.7]))),
    ("nt_out_missing", f_nt_out, (np.array([0.3, -0.6]),), {"s": np.array([1.0, 2.0])}),
    (
        "list_out_tuple",
        f_list_out,
        (np.array([0.3, -0.6]),),
        (np.array([1.0, 0.5]), {"k": np.ones(2)}),
    ),
    ("dc_arg_dict_out", f_dc_arg_out, (dc(),), {"h": np.array([1.0, -2.0]), "m": 0.5}),
]


@pytest.mark.parametrize("name,f,primals,ct", VALID_VJP, ids=[c[0] for c in VALID_VJP])
def test_vjp_valid_forms_match_fd(name, f, primals, ct):
    _, pullback = ad.vjp(f, *primals)
    grads = pullback(ct)
    want = fd_vjp(f, primals, ct)
    for g, p, w in zip(grads, primals, want):
        if len(w) == 0:
            continue
        np.testing.assert_allclose(flat_vec(g, p), w, rtol=RTOL, atol=ATOL)


# ================================================================ hvp and jvp/vjp of grad(f)
def fd_hvp(f, p, t):
    g = ad.grad(f)
    gp, gm = g(axpy(p, t, EPS)), g(axpy(p, t, -EPS))
    return (flat_vec(gp, p) - flat_vec(gm, p)) / (2 * EPS)


def fd_hvp_exact(f, p, t):
    """Hessian-vector product from central differences of central-difference gradients."""
    h = 1e-4

    def num_grad(q):
        return np.array(
            [(f(axpy(q, d, h)) - f(axpy(q, d, -h))) / (2 * h) for _, d in basis_dirs(q)]
        )

    return (num_grad(axpy(p, t, h)) - num_grad(axpy(p, t, -h))) / (2 * h)


def scalar_dict():
    return {"w": np.array([0.5, -1.0]), "v": np.array([2.0, 0.3]), "c": 0.8}


def test_hvp_nt_typo_refused():
    with pytest.raises(ArgumentError) as e:
        ad.hvp(f_scalar_nt, (Params(np.array([0.5, -1.0]), 0.7),), ({"ww": np.ones(2)},))
    assert_located(e)


def test_hvp_dict_extra_refused():
    with pytest.raises(ArgumentError) as e:
        ad.hvp(f_scalar_dict, (scalar_dict(),), ({"w": np.ones(2), "z": 1.0},))
    assert_located(e)


@pytest.mark.parametrize(
    "t",
    [{"w": np.array([1.0, 2.0])}, {"b": 1.0}, Params(np.array([0.3, -0.2]), 0.5)],
    ids=["by_name", "missing_w", "own_type"],
)
def test_hvp_nt_valid(t):
    p = Params(np.array([0.5, -1.0]), 0.7)
    res = ad.hvp(f_scalar_nt, (p,), (t,))
    hv = res[1] if isinstance(res, tuple) and len(res) == 2 and not _is_nt(res) else res
    np.testing.assert_allclose(
        flat_vec(hv, p), fd_hvp_exact(f_scalar_nt, p, t), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(flat_vec(hv, p), fd_hvp(f_scalar_nt, p, t), rtol=RTOL, atol=ATOL)


def test_jvp_of_grad_typo_refused():
    with pytest.raises(ArgumentError) as e:
        ad.jvp(ad.grad(f_scalar_dict), (scalar_dict(),), ({"W": np.ones(2)},))
    assert_located(e)


def test_jvp_of_grad_nt_int_key_refused():
    with pytest.raises(ArgumentError) as e:
        ad.jvp(ad.grad(f_scalar_nt), (Params(np.array([0.5, -1.0]), 0.7),), ({1: 1.0},))
    assert_located(e)


def test_jvp_of_grad_valid_missing():
    d = scalar_dict()
    t = {"v": np.array([1.0, -1.0]), "c": 2.0}
    g, tg = ad.jvp(ad.grad(f_scalar_dict), (d,), (t,))
    np.testing.assert_allclose(flat_vec(g, d), flat_vec(ad.grad(f_scalar_dict)(d), d), rtol=1e-12)
    np.testing.assert_allclose(flat_vec(tg, d), fd_hvp(f_scalar_dict, d, t), rtol=RTOL, atol=ATOL)


def test_vjp_of_grad_typo_refused():
    p = Params(np.array([0.5, -1.0]), 0.7)
    _, pb = ad.vjp(ad.grad(f_scalar_nt), p)
    with pytest.raises(ArgumentError) as e:
        pb({"w": np.ones(2), "bias": 1.0})
    assert_located(e)


def test_vjp_of_grad_valid_by_name():
    p = Params(np.array([0.5, -1.0]), 0.7)
    ct = {"w": np.array([1.0, 0.5])}
    _, pb = ad.vjp(ad.grad(f_scalar_nt), p)
    (gp,) = pb(ct)
    # Hessian is symmetric: H ct = directional derivative of the gradient along ct
    np.testing.assert_allclose(flat_vec(gp, p), fd_hvp(f_scalar_nt, p, ct), rtol=RTOL, atol=ATOL)


def f_intkey_out(x):
    return {0: np.sin(x), 1: {"inner": x * x}}


def test_vjp_intkey_out_nested_extra_refused():
    _, pb = ad.vjp(f_intkey_out, np.array([0.2, 0.9]))
    with pytest.raises(ArgumentError) as e:
        pb({0: np.ones(2), 1: {"inner": np.ones(2), "outer": np.ones(2)}})
    assert_located(e)


def test_vjp_intkey_out_valid_missing():
    x = np.array([0.2, 0.9])
    ct = {1: {"inner": np.array([1.0, -3.0])}}
    _, pb = ad.vjp(f_intkey_out, x)
    (g,) = pb(ct)
    np.testing.assert_allclose(g, fd_vjp(f_intkey_out, (x,), ct)[0], rtol=RTOL, atol=ATOL)


def test_hvp_nested_typo_refused():
    def loss(layers):
        return f_nested(layers, X2)

    with pytest.raises(ArgumentError) as e:
        ad.hvp(loss, (nested(),), ([{"p": {"w": np.ones(2)}}, {"p": {"B": 1.0}}],))
    assert_located(e)


def test_dc_static_leaf_any_tangent_not_read():
    t = {"W": np.ones((2, 2)), "b": np.array([0.5, 0.5]), "name": "zz", "n": 7}
    _, tout = ad.jvp(f_dc, (dc(), X2), (t, None))
    want, _ = fd_jvp(f_dc, (dc(), X2), (t, None))
    np.testing.assert_allclose(tout, want[0], rtol=RTOL, atol=ATOL)
