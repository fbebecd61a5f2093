# ruff: noqa: RUF005, RUF017, SIM102, SIM108, B007, B905
# (the programs join lists with `+`, `sum(lists, [])`, bind a list or an array in `if`
# statements and keep unused loop names: that is what is tested)
"""Tester 99 (independent, written from the README alone): lists, tuples and dicts taken out
of containers (dict entries at literal keys, items at literal positions, attributes of
dataclasses, NamedTuples and plain objects, arguments holding lists), joined with `+` or
repeated with `*`, next to `+` and `*` of arrays and numbers taken out of the same kinds of
containers (arithmetic).

Every program is checked at two random points against the plain call and central
differences: the value of every API call, `grad` (reverse and forward), `value_and_grad`,
`jvp` along random directions, `vjp` (dot-product test against central differences), the
Jacobians of vector outputs, and `hessian` (or `jvp` of `grad` for structured arguments)
against differences of the gradient.  A refusal must be an `S2SError` naming this file and
a line; refusals that are acceptable are asserted as such, wrongful ones are strict xfails.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import operator
import os
import re
import zlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad

THIS_FILE = os.path.basename(__file__)
H = 1e-6
RTOL = 1e-6
ATOL = 1e-6


# --------------------------------------------------------------------------------------------
# structures: float leaves, paths, maps (written here, from the README's description)
# --------------------------------------------------------------------------------------------


def _is_float_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, float | np.floating):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _is_record(v):
    return dataclasses.is_dataclass(v) and not isinstance(v, type)


def _children(s):
    """(key, child) pairs of a container, or None for a leaf."""
    if isinstance(s, tuple) and hasattr(s, "_fields"):
        return [(f, getattr(s, f)) for f in s._fields]
    if isinstance(s, list | tuple):
        return list(enumerate(s))
    if isinstance(s, dict):
        return [(k, s[k]) for k in sorted(s, key=str)]
    if _is_record(s):
        return [(f.name, getattr(s, f.name)) for f in dataclasses.fields(s)]
    if isinstance(s, SimpleNamespace) or (
        hasattr(s, "__dict__") and not callable(s) and type(s).__module__ == __name__
    ):
        return [(k, v) for k, v in sorted(vars(s).items())]
    if hasattr(s, "__dict__") and type(s).__module__ == __name__:
        return [(k, v) for k, v in sorted(vars(s).items())]
    return None


def leaves(s, path=()):
    if _is_float_leaf(s):
        return [(path, s)]
    ch = _children(s)
    if ch is None:
        return []
    out = []
    for k, v in ch:
        out.extend(leaves(v, path + (k,)))
    return out


def get(s, path):
    for k in path:
        if isinstance(s, tuple) and hasattr(s, "_fields") and isinstance(k, str):
            s = getattr(s, k)
        elif isinstance(s, list | tuple | dict):
            s = s[k]
        else:
            s = getattr(s, k)
    return s


def tree_map(s, fn, path=()):
    """A copy of `s` with every float leaf replaced by fn(path, leaf)."""
    if _is_float_leaf(s):
        return fn(path, s)
    if isinstance(s, tuple) and hasattr(s, "_fields"):
        return type(s)(*[tree_map(getattr(s, f), fn, path + (f,)) for f in s._fields])
    if isinstance(s, list):
        return [tree_map(v, fn, path + (i,)) for i, v in enumerate(s)]
    if isinstance(s, tuple):
        return tuple(tree_map(v, fn, path + (i,)) for i, v in enumerate(s))
    if isinstance(s, dict):
        return {k: tree_map(v, fn, path + (k,)) for k, v in s.items()}
    ch = _children(s)
    if ch is None:
        return s
    new = copy.copy(s)
    for k, v in ch:
        object.__setattr__(new, k, tree_map(v, fn, path + (k,)))
    return new


def random_like(s, rng):
    def fn(path, v):
        if isinstance(v, np.ndarray):
            return rng.standard_normal(v.shape)
        return float(rng.standard_normal())

    return tree_map(s, fn)


def axpy(s, t, eps):
    """s + eps * t, leafwise (t laid out like s)."""
    return tree_map(s, lambda path, v: v + eps * get(t, path))


def to_vec(out):
    return np.atleast_1d(np.asarray(out, dtype=float)).ravel()


# --------------------------------------------------------------------------------------------
# the programs: module-level helpers and classes they use
# --------------------------------------------------------------------------------------------


@dataclass
class Rec:
    a: list
    b: list


class RecNT(NamedTuple):
    a: list
    b: list


@dataclass
class Arr:
    a: np.ndarray
    b: np.ndarray


@dataclass
class Mixed:
    xs: list
    w: np.ndarray


class Net:
    def __init__(self, enc, dec):
        self.enc = enc
        self.dec = dec

    def layers(self):
        return self.enc + self.dec

    def __call__(self, h):
        for W in self.enc + self.dec:
            h = np.tanh(W * h + 0.1)
        return h


class MatNet:
    def __init__(self, enc, dec):
        self.enc = enc
        self.dec = dec

    def forward(self, h):
        for W in self.enc + self.dec:
            h = np.tanh(W @ h)
        return h


@dataclass
class DCModel:
    enc: list
    dec: list

    def forward(self, h):
        for W in self.enc + self.dec:
            h = np.sin(W @ h)
        return h


class NTModel(NamedTuple):
    enc: list
    dec: list


class Logger:
    def __init__(self, hist):
        self.hist = hist

    def joined(self):
        return self.hist["loss"] + self.hist["val"]


GLOBAL_CFG = {"a": [0.5, 1.5], "b": [2.0]}
GLOBAL_PAIR = ([0.25, -0.5], np.array([1.0, 2.0, 3.0]))


def _weighted(vs):
    s = 0.0
    for i, v in enumerate(vs):
        s = s + (i + 1.0) * v**2
    return s


def _make_hist(x):
    return {"loss": [np.sum(x**2), x[0]], "aux": [x[1] * x[2]]}


def _make_pair(x):
    return [x[0], x[1] ** 2], np.sin(x)


def _join(a, b):
    return a + b


def _layers_of(params):
    return params["enc"] + params["dec"]


# ---------- A. dict entries at literal keys, local dicts -------------------------------------


def d_hist_loop_scalar(x):
    hist = {"loss": [], "norm": []}
    w = x
    for i in range(3):
        w = w - 0.1 * np.sin(w)
        hist["loss"].append(np.sum(w**2))
        hist["norm"].append(np.sqrt(np.sum(w**2) + 1.0))
    allv = hist["loss"] + hist["norm"]
    return allv[0] * allv[-1] + allv[2] * allv[3] + len(allv) * sum(allv)


def d_hist_loop_vector(x):
    hist = {"loss": [], "val": []}
    w = x
    for i in range(2):
        w = np.tanh(w + 0.5)
        hist["loss"].append(np.sum(w**2))
        hist["val"].append(w[0] * w[1])
    return np.array(hist["loss"] + hist["val"])


def d_get_join(x):
    d = {"a": [x[0], x[1] ** 2], "b": [np.sin(x[2])]}
    j = d.get("a") + d.get("b")
    return j[0] * j[2] + j[1] - j[-1] ** 2 + len(j) + max(d["b"] + d["a"])


def d_get_default(x):
    d = {"a": [x[0] * x[1], x[2]]}
    j = d.get("b", []) + d["a"] + d.get("c", [x[1]])
    return np.sum(np.array(j) ** 3)


def d_arrays_arith(x):
    d = {"a": x * 2.0, "b": np.sin(x)}
    s = d["a"] + d["b"]
    return np.sum(s * s)


def d_mixed(x):
    d = {"xs": [x[0], x[1]], "w": x * 3.0}
    j = d["xs"] + [d["w"][2]]
    a = d["w"] + d["w"]
    return j[0] * j[2] + np.sum(a * x) + j[1]


def d_tuples(x):
    d = {"p": (x[0], x[1] * x[2]), "q": (np.cos(x[2]),)}
    t = d["p"] + d["q"]
    r = d["p"] * 2
    return t[0] + t[1] * t[2] + len(t) * t[-1] + r[3] * r[0]


def d_repeat(x):
    d = {"a": [x[0], x[1]], "w": x}
    r = d["a"] * 2
    s = d["w"] * 2
    return np.sum(np.array(r) * np.arange(1.0, 5.0)) + np.sum(s**2) + len(r)


def d_nested_cfg(x):
    cfg = {"enc": {"layers": [x[0], x[1]]}, "dec": {"layers": [x[2] * x[3]]}}
    ls = cfg["enc"]["layers"] + cfg["dec"]["layers"]
    h = 1.0
    for a in ls:
        h = np.tanh(a * h + 0.3)
    return h + ls[-1] * ls[0]


def d_update_in_loop(x):
    d = {"a": [], "b": [x[0]]}
    for i in range(3):
        d["a"] = d["a"] + [x[i] * (i + 1)]
    j = d["a"] + d["b"]
    return np.array(j)


def d_copy(x):
    d = {"a": [x[0], x[1]], "b": [x[2]]}
    e = dict(d)
    e["b"] = e["b"] + [x[0] * x[2]]
    j = d["b"] + e["b"]
    return np.array(j + d["a"])


def d_branch(x):
    if x[0] > 0:
        d = {"a": [x[0]], "b": [x[1], x[2]]}
    else:
        d = {"a": [x[1]], "b": [x[2]]}
    j = d["a"] + d["b"]
    return sum((i + 1.0) * v**2 for i, v in enumerate(j)) + len(j)


def d_scalars_arith(x):
    d = {"a": x[0] * x[1], "b": np.sin(x[2])}
    return (d["a"] + d["b"]) ** 2 + d["a"] * 2


def d_item_and_list(x):
    d = {"a": [x[0]], "b": x[1]}
    j = d["a"] + [d["b"]]
    k = d["b"] + d["b"]
    return j[0] * j[1] + k * j[-1]


def d_values_join(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    out = []
    for v in d.values():
        out = out + v
    return np.array(out) * np.arange(1.0, 4.0)


def d_plus_eq(x):
    hist = {"loss": [x[0]]}
    hist["loss"] += [x[1] * 2.0]
    j = hist["loss"] + hist["loss"]
    return np.array(j) * np.arange(1.0, 5.0)


def d_extend_join(x):
    hist = {"a": [], "b": []}
    for i in range(3):
        hist["a"].extend([x[i], x[i] ** 2])
        if i % 2 == 0:
            hist["b"].append(np.exp(-x[i]))
    j = hist["b"] + hist["a"]
    return j[0] * j[2] + j[1] + j[-1] * j[len(hist["b"])]


def d_join_to_helper(x):
    d = {"a": [x[0], x[1]], "b": [x[2]]}
    return _weighted(d["a"] + d["b"])


def d_helper_dict(x):
    h = _make_hist(x)
    j = h["loss"] + h["aux"]
    return np.array(j)


def d_join_arrays_stack(x):
    hist = {"states": [], "extra": [x * 0.5]}
    s = x
    for i in range(2):
        s = np.sin(s) + 0.1 * s
        hist["states"].append(s)
    m = np.stack(hist["states"] + hist["extra"])
    return np.sum(m[0] * m[2]) + np.sum(m[1] ** 2)


def d_sum_arrays_join(x):
    d = {"a": [x, x**2], "b": [np.cos(x)]}
    s = sum(d["a"] + d["b"])
    c = np.concatenate(d["b"] + d["a"])
    return np.sum(s**2) + np.sum(c[: len(x)] * c[-len(x) :])


def d_equal_lengths_scalar(x):
    a = {"u": [x[0], x[1]], "v": [x[2], x[3]]}
    j = a["u"] + a["v"]
    return j[3] * j[0] + j[1] * j[2] ** 2 + sum(j) / len(j)


def d_equal_lengths_vector(x):
    a = {"u": [x[0] * x[1], x[1]], "v": [x[2], np.sin(x[3])]}
    return np.array(a["u"] + a["v"])


def d_ints_index(x):
    cfg = {"ia": [0, 1], "ib": [1, 2], "names": ["a", "b"]}
    idx = cfg["ia"] + cfg["ib"]
    names = cfg["names"] + ["c"]
    return np.sum(x[idx] ** 2 * np.arange(1.0, 5.0)) * len(names)


def d_shape_tuple(x):
    cfg = {"shape": (2,), "tail": (2,)}
    m = x.reshape(cfg["shape"] + cfg["tail"])
    return np.sum(m @ m)


def d_enumerate_join(x):
    d = {"a": [x[0], x[1]], "b": [x[2]]}
    s = 0.0
    for i, v in enumerate(d["b"] + d["a"]):
        s = s + np.cos(v) * (i + 1)
    return s


def d_join_then_append(x):
    d = {"a": [x[0], x[1]], "b": [x[2]]}
    j = d["a"] + d["b"]
    j.append(x[3])
    return np.array(j + d["a"]) * np.arange(1.0, 7.0)


def d_alias_iadd(x):
    d = {"a": [x[0], x[1]], "b": [x[2]]}
    j = d["a"]
    j += d["b"]
    return np.array(d["a"] + j)


# ---------- B. items at literal positions of lists and tuples --------------------------------


def t_pair_join(x):
    xs = [x[0], x[1]]
    W = np.outer(x, x)
    pair = (xs, W)
    j = pair[0] + [x[2]]
    M = pair[1] + pair[1]
    return j[0] * j[2] + np.sum(M) * j[1]


def t_cfg_list_of_dicts(x):
    cfg = [{"layers": [x[0], x[1]]}, {"layers": [x[2]]}]
    ls = cfg[0]["layers"] + cfg[1]["layers"]
    return np.array([a * b for a, b in zip(ls, ls[1:] + ls[:1])])


def t_repeat_vs_mul(x):
    t = ([x[0], x[1]], x[2])
    r = t[0] * 2
    m = t[1] * 2
    return np.array(r) * m


def t_list_items_hetero(x):
    items = [[x[0]], x[1:3]]
    j = items[0] + items[0]
    a = items[1] + items[1]
    return np.sum(a) * j[1] + len(j) * j[0]


def t_nested_tuple(x):
    t = (([x[0]], [x[1], x[2]]), x)
    j = t[0][0] + t[0][1]
    return np.sum(np.array(j) * t[1][:3])


def t_unpack(x):
    pair = ([np.sin(x[0]), x[1]], x * 2.0)
    a, b = pair
    j = a + [b[0]]
    return np.array(j) * b[:3]


def t_groups_loop(x):
    groups = [([x[0], x[1]], x[2]), ([x[2]], x[0])]
    acc = []
    for xs, w in groups:
        acc = acc + xs + [w]
    return np.array(acc)


def t_branch_item(x):
    if x[0] > 0:
        v = [x[1]]
    else:
        v = x[1:2]
    box = (v, x)
    j = box[0] + box[0]
    return np.sum(np.array(j) * np.arange(1.0, len(j) + 1.0))


def t_helper_pair(x):
    pair = _make_pair(x)
    j = pair[0] + [pair[1][2]]
    a = pair[1] + pair[1]
    return np.sum(np.array(j)) * np.sum(a) + j[1]


# ---------- C. attributes of dataclasses, NamedTuples, objects -------------------------------


def o_dataclass_join(x):
    r = Rec([x[0]], [x[1], x[2]])
    j = r.a + r.b
    return j[0] * j[1] * j[2] + len(j)


def o_namedtuple_replace(x):
    r = RecNT([x[0]], [x[1]])
    r = r._replace(a=r.a + [x[2]])
    j = r.a + r.b
    return np.array(j) * np.arange(1.0, 4.0)


def o_object_method(x):
    net = Net([x[0], x[1]], [x[2]])
    h = net(x[3])
    ls = net.layers()
    return h * ls[-1] + ls[0]


def o_dataclass_arrays(x):
    r = Arr(x * 2.0, np.cos(x))
    return np.sum((r.a + r.b) ** 2)


def o_mixed(x):
    r = Mixed([x[0], x[1]], x * x)
    j = r.xs + [r.w[2]]
    return np.array(j) * np.sum(r.w + r.w)


def o_namespace(x):
    ns = SimpleNamespace(a=[x[0], x[1]], b=[x[2]])
    j = ns.a + ns.b
    return np.array(j) * np.arange(1.0, 4.0)


def o_obj_in_dict(x):
    d = {"r": Rec([x[0], x[1]], [x[2]])}
    j = d["r"].a + d["r"].b
    return j[0] * j[2] + j[1]


def o_logger(x):
    lg = Logger({"loss": [x[0] ** 2, x[1]], "val": [x[2]]})
    j = lg.joined()
    return np.array(j) * np.arange(1.0, 4.0)


# ---------- D. arguments holding lists -------------------------------------------------------


def a_params_dict(params, x):
    h = x
    for W in params["enc"] + params["dec"]:
        h = np.tanh(W @ h)
    return np.sum(h**2)


def a_params_list(params, x):
    h = x
    layers = params[0] + params[1]
    for W in layers:
        h = np.sin(W @ h)
    return np.sum(h) + np.sum(layers[0] * layers[-1])


def a_pair_arg(pair, x):
    j = pair[0] + [pair[1]]
    s = 0.0
    for v in j:
        s = s + np.sum(np.tanh(v * x))
    return s + np.sum(j[0] * j[2])


def a_dataclass_model(model, x):
    return np.sum(model.forward(x) ** 2)


def a_plain_object(net, x):
    return np.sum(net.forward(x) ** 2)


def a_namedtuple_arg(p, x):
    h = x
    for W in p.enc + p.dec:
        h = np.tanh(W @ h + 0.1)
    return np.sum(h * x)


def a_namedtuple_floats(p, x):
    j = p.a + p.b
    return j[0] * x[0] + j[1] * np.sum(x) + 10.0 * j[-1]


def a_hist_floats(hist, x):
    j = hist["loss"] + hist["norm"]
    return j[0] * x[0] + j[2] * j[1] + np.sum(x) * j[-1]


def a_hist_floats_vector(hist, x):
    return np.array(hist["loss"] + hist["norm"]) * x[0]


def a_dict_arrays_arith(p, x):
    return np.sum((p["a"] + p["b"]) * x) + np.sum(p["a"] * 2 * p["b"])


def a_dict_mixed(p, x):
    j = p["ws"] + [p["b"]]
    return sum(np.sum(np.tanh(w * x)) for w in j) + np.sum(j[2] * j[0])


def a_nested_dict(cfg, x):
    h = x
    for W in cfg["enc"]["layers"] + cfg["dec"]["layers"]:
        h = np.tanh(W @ h)
    return np.sum(h)


def a_list_of_dicts(cfgs, x):
    ls = cfgs[0]["layers"] + cfgs[1]["layers"]
    return np.sum(ls[0] * x) * np.sum(ls[-1] * x) + len(ls)


def a_repeat_arg(p, x):
    h = x
    for W in p["enc"] * 2:
        h = np.tanh(W @ h)
    return np.sum(h**2)


def a_copy_dict_arg(p, x):
    q = dict(p)
    ls = q["enc"] + q["dec"]
    return np.sum(ls[1] @ x) + np.sum(ls[2] @ x) ** 2


def a_copy_update(p, x):
    q = dict(p)
    q["enc"] = q["enc"] + [np.eye(3) * x[0]]
    h = x
    for W in q["enc"] + q["dec"]:
        h = np.tanh(W @ h)
    return np.sum(h)


def a_nt_replace(p, x):
    p = p._replace(enc=p.enc + p.dec)
    h = x
    for W in p.enc:
        h = np.sin(W @ h)
    return np.sum(h**2) + len(p.enc)


def a_tuple_of_tuples(t, x):
    j = t[0] + t[1]
    return j[0] * x[0] + j[1] * j[2] + len(j)


def a_ints_static(cfg, x):
    idx = cfg["idx"] + cfg["more"]
    return np.sum(x[idx] ** 2 * cfg["w"])


def a_helper_layers(params, x):
    h = x
    for W in _layers_of(params):
        h = np.tanh(W @ h)
    return np.sum(h)


def a_dataclass_rec_arg(r, x):
    j = r.a + r.b
    return j[0] * x[0] + j[-1] * x[1] + j[1] * j[2]


def a_join_args(xs, ys):
    j = xs + ys
    return j[0] * j[3] + j[1] * j[2]


# ---------- H. more arguments ------------------------------------------------------------------


def h_nt_arg_arrays(p, x):
    return np.sum((p.a + p.b) * x) + np.sum(p.a * 2)


def h_dataclass_arg_mixed(r, x):
    j = r.xs + [r.w]
    return sum(np.sum(v * x) for v in j) + np.sum(j[0] * j[-1])


def h_logger_arg(lg, x):
    j = lg.joined()
    return j[0] * x[0] + j[1] * j[2] + np.sum(x) * j[-1]


def h_get_default_arg(d, x):
    j = d.get("c", []) + d["a"]
    return np.sum(j[0] * x) * np.sum(j[-1] * x)


def h_model_plus_local(model, x):
    h = x
    for W in model.enc + [np.eye(3) * 0.5] + model.dec:
        h = np.sin(W @ h)
    return np.sum(h)


# ---------- I. other spellings of a join ------------------------------------------------------


def i_sum_lists_start(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    flat = sum([d["a"], d["b"]], [])
    return np.array(flat) * np.arange(1.0, 4.0)


def i_reduce_add(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    flat = functools.reduce(operator.add, [d["a"], d["b"]])
    chained = list(itertools.chain(d["b"], d["a"]))
    return np.array(flat) * np.arange(1.0, 4.0) + np.array(chained)


def i_starred_display(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    return np.array([*d["a"], *d["b"]]) * np.arange(1.0, 4.0)


def i_sum_arrays_and_floats(x):
    d = {"a": [x, x**2], "b": [x[0]]}
    return np.sum(sum(d["a"] + d["b"]) ** 2)


def i_shape_join(x):
    m = x.reshape(x.shape + (1,))
    z = np.zeros(m.shape[:1] + (2,))
    return np.sum(m * (z + 1.0) * m)


def i_computed_keys(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    out = []
    for k in ("b", "a"):
        out = out + d[k]
    return np.array(out) * np.arange(1.0, 4.0)


def i_dict_comprehension(x):
    d = {k: [x[i], x[i] ** 2] for i, k in enumerate(("a", "b"))}
    j = d["a"] + d["b"]
    return np.array(j)


def i_dict_comprehension_scalar(x):
    d = {k: [x[i]] for i, k in enumerate(("a", "b"))}
    j = d["a"] + d["b"]
    return j[0] + 2.0 * j[-1]


def i_sum_lists_start_scalar(x):
    flat = sum([[x[0]], [x[1]]], [])
    return flat[0] + 2.0 * flat[-1]


# ---------- C'. the same function called with a list, then an array, in one slot --------------


def k_heldfixed_kind(x, c):
    j = c + [x[0]]
    w = np.arange(1.0, len(j) + 1.0) ** 2
    return np.sum(np.array(j) * w)


def k_dict_kind(x, cfg):
    j = cfg["a"] + [x[0] * x[1]]
    w = np.arange(1.0, len(j) + 1.0) ** 2
    return np.sum(np.array(j) * w)


def k_diff_kind(c, x):
    j = c + [x[0]]
    w = np.arange(1.0, len(j) + 1.0) ** 2
    return np.sum(np.array(j) * w) * x[1]


class Holder:
    pass


HOLDER = Holder()
HOLDER.xs = [1.0, 2.0]


def k_global_attr_kind(x):
    j = HOLDER.xs + [x[0]]
    w = np.arange(1.0, len(j) + 1.0) ** 2
    return np.sum(np.array(j) * w) * x[1]


# ---------- J. one side of the join carries no derivative -------------------------------------


def j_const_entry(x):
    d = {"c": [1.0, 2.0], "v": [x[0]]}
    j = d["c"] + d["v"]
    return j[1] + 10.0 * j[-1]


def j_const_entry_updated(x):
    d = {"c": [1.0], "v": [x[0]]}
    d["c"] = d["c"] + [2.0]
    j = d["c"] + d["v"]
    return j[1] + 10.0 * j[-1]


def j_copy_heldfixed(p, x):
    q = dict(p)
    q["a"] = q["a"] + [x[0]]
    j = q["a"] + q["b"]
    return j[1] + 10.0 * j[-1]


def j_copy_heldfixed_new_item(p, x):
    q = dict(p)
    q["a"] = [x[0]]
    j = q["a"] + q["b"]
    return j[0] + 10.0 * j[-1]


def j_copy_method_new_key(p, x):
    q = p.copy()
    q["c"] = [x[0]]
    j = q["c"] + q["b"]
    return j[0] + 10.0 * j[-1]


def j_copy_heldfixed_plain(p, x):
    q = dict(p)
    j = q["a"] + [x[0]] + q["b"]
    return j[1] + 10.0 * j[-1]


def j_heldfixed_updated_local(p, x):
    d = {"a": p["a"], "b": p["b"]}
    d["a"] = d["a"] + [x[0]]
    j = d["a"] + d["b"]
    return j[1] + 10.0 * j[-1]


def j_loop_const_then_active(x):
    hist = {"c": [], "v": []}
    for i in range(2):
        hist["c"].append(float(i))
        hist["v"].append(x[i] ** 2)
    j = hist["v"] + hist["c"]
    return j[1] + 10.0 * j[-1] + j[0]


def j_replace_heldfixed(r, x):
    r = dataclasses.replace(r, a=r.a + [x[0]])
    j = r.a + r.b
    return j[1] + 10.0 * j[-1]


def j_nt_replace_heldfixed(r, x):
    r = r._replace(a=r.a + [x[0]])
    j = r.a + r.b
    return j[1] + 10.0 * j[-1]


# ---------- E. helpers both ways, globals, loops, branches ----------------------------------


def e_helper_polymorphic(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    j = _join(d["a"], d["b"])
    s = _join(x, x)
    return np.array(j) * s[:3]


def e_global_dict(x):
    c = GLOBAL_CFG["a"] + GLOBAL_CFG["b"]
    return np.sum(np.array(c) * x[:3])


def e_global_mixed(x):
    j = GLOBAL_CFG["a"] + [x[0]]
    k = GLOBAL_PAIR[0] + [x[2]]
    a = GLOBAL_PAIR[1] + x[:3]
    return np.array(j) * x[1] + np.array(k) * a


def e_training_hist(x):
    w = x.copy()
    hist = {"loss": [], "gnorm": []}
    for step in range(4):
        g = 2.0 * (w - 1.0) + np.cos(w)
        hist["loss"].append(np.sum((w - 1.0) ** 2) + np.sum(np.sin(w)))
        hist["gnorm"].append(np.sqrt(np.sum(g**2)))
        w = w - 0.1 * g
    rec = hist["loss"] + hist["gnorm"]
    return rec[3] + 0.5 * rec[4] + rec[-1] / len(rec)


def e_while_hist(x):
    hist = {"a": [], "b": [x[0]]}
    v = x[1]
    i = 0
    while i < 3:
        v = np.sin(v) + x[2]
        hist["a"].append(v)
        i += 1
    j = hist["a"] + hist["b"]
    return j[0] * j[3] + j[2]


def e_nested_logs(x):
    logs = {"train": {"loss": []}, "val": {"loss": []}}
    w = x
    for i in range(2):
        w = np.tanh(w)
        logs["train"]["loss"].append(np.sum(w))
        logs["val"]["loss"].append(np.sum(w**2))
    j = logs["train"]["loss"] + logs["val"]["loss"]
    return np.array(j)


def e_branch_update(x):
    d = {"a": [x[0]], "b": [x[1]]}
    if x[0] > 0:
        d["a"] = d["a"] + [x[2]]
    else:
        d["b"] = d["b"] + d["b"]
    j = d["a"] + d["b"]
    return sum(v * (i + 1.0) for i, v in enumerate(j))


def e_zip_joins(x):
    d = {"a": [x[0]], "b": [x[1]], "c": [x[2]], "e": [x[3]]}
    s = 0.0
    for u, v in zip(d["a"] + d["b"], d["c"] + d["e"]):
        s = s + u * v
    return s


# ---------- F. a name or item that is a list on one path and an array on another ---------------


def _either(x):
    if x[0] > 0:
        return [x[1]]
    return x[1:2]


def _join_lists(a, b):
    return a + b


def u_branch_plain(x):
    if x[0] > 0:
        v = [x[1]]
    else:
        v = x[1:2]
    j = v + v
    return j[0] + 2.0 * j[-1]


def u_branch_vector(x):
    if x[0] > 0:
        v = [x[1], x[2]]
    else:
        v = x[1:3]
    return np.array(v + v)


def u_dict_entry_branch(x):
    d = {"a": x[:2]}
    if x[0] > 0:
        d["a"] = [x[0], x[1]]
    j = d["a"] + d["a"]
    return j[0] + 2.0 * j[-1]


def u_attr_branch(x):
    r = Mixed([x[1]], x) if x[0] > 0 else Mixed(x[1:2], x)
    j = r.xs + r.xs
    return j[0] + 2.0 * j[-1]


def u_loop_rebind(x):
    v = x[1:2]
    for i in range(2):
        v = [v[0] * 1.5]
    j = v + v
    return j[0] + 2.0 * j[-1]


def u_helper_either(x):
    r = _either(x)
    j = r + r
    return j[0] + 2.0 * j[-1]


def u_tuple_or_array(x):
    t = (x[1], x[2]) if x[0] > 0 else x[1:3]
    j = t + t
    return j[0] + 2.0 * j[1] + 3.0 * j[-1]


def u_repeat_either(x):
    box = {"v": [x[1]] if x[0] > 0 else x[1:2]}
    j = box["v"] * 2
    return j[0] + 2.0 * j[-1]


# ---------- G. more of what people write ------------------------------------------------------


def g_join_empty(x):
    d = {"a": [x[0], x[1]], "e": []}
    j = d["a"] + d["e"]
    k = d["e"] + d["a"]
    return np.array(j + k)


def g_nested_rows(x):
    d = {"top": [[x[0], x[1]]], "bottom": [[x[2], x[0] * x[1]]]}
    rows = d["top"] + d["bottom"]
    M = np.array(rows)
    return np.sum(M @ M) + M[1, 0]


def g_stack_tuple_items(x):
    t = ((x, np.cos(x)), (x**2,))
    return np.sum(np.stack(t[0] + t[1]) ** 2)


def g_helper_lists_only(x):
    d = {"a": [x[0]], "b": [x[1], x[2]]}
    j = _join_lists(d["a"], d["b"])
    return np.array(j) * np.arange(1.0, 4.0)


def g_items_loop(x):
    params = {"enc": [x[0], x[1]], "dec": [x[2]]}
    allp = []
    for name, vs in params.items():
        allp = allp + vs
    return np.array(allp) * np.arange(1.0, 4.0)


def g_hist_arrays_for(x):
    hist = {"s": []}
    s = x
    for i in range(2):
        s = np.sin(s)
        hist["s"].append(s)
    return np.sum(np.stack(hist["s"] + hist["s"]) ** 2)


def g_hist_scalars_while(x):
    hist = {"a": []}
    v = x[1]
    i = 0
    while i < 2:
        v = np.sin(v) + x[2]
        hist["a"].append(v)
        i += 1
    j = hist["a"] + hist["a"]
    return j[0] * j[3]


def g_local_list_append_while(x):
    a = []
    v = x[1]
    i = 0
    while i < 2:
        v = np.sin(v) + x[2]
        a.append(v)
        i += 1
    d = {"a": a, "b": [x[0]]}
    j = d["a"] + d["b"]
    return j[0] * j[2] + j[1]


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    fn: object
    make: object  # make(rng, point) -> args tuple
    wrt: tuple = (0,)
    hess: bool = False
    xfail: str | None = None
    refuse: bool = False  # a refusal (located S2SError) is the accepted outcome


def X(n):
    def make(rng, point):
        x = rng.uniform(0.3, 1.2, n) * np.where(rng.random(n) < 0.5, -1.0, 1.0)
        x[0] = abs(x[0]) if point == 0 else -abs(x[0])
        return (x,)

    return make


def mats(rng, *shapes):
    return [rng.standard_normal(s) * 0.5 for s in shapes]


def mk_params_dict(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (2, 3))
    return ({"enc": [W1, W2], "dec": [W3]}, X(3)(rng, point)[0])


def mk_params_list(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (3, 3))
    return ([[W1, W2], [W3]], X(3)(rng, point)[0])


def mk_pair_arg(rng, point):
    a, b, c = mats(rng, (3,), (3,), (3,))
    return (([a, b], c), X(3)(rng, point)[0])


def mk_dc_model(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (3, 3))
    return (DCModel([W1, W2], [W3]), X(3)(rng, point)[0])


def mk_plain_object(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (2, 3))
    return (MatNet([W1], [W2, W3]), X(3)(rng, point)[0])


def mk_nt_model(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (3, 3))
    return (NTModel([W1, W2], [W3]), X(3)(rng, point)[0])


def mk_nt_floats(rng, point):
    a, b, c, d = (float(v) for v in rng.uniform(-1, 1, 4))
    return (RecNT([a, b], [c, d]), X(3)(rng, point)[0])


def mk_hist_floats(rng, point):
    a, b, c, d = (float(v) for v in rng.uniform(-1, 1, 4))
    return ({"loss": [a, b], "norm": [c, d]}, X(3)(rng, point)[0])


def mk_dict_arrays(rng, point):
    a, b = mats(rng, (3,), (3,))
    return ({"a": a, "b": b}, X(3)(rng, point)[0])


def mk_dict_mixed(rng, point):
    a, b, c = mats(rng, (3,), (3,), (3,))
    return ({"ws": [a, b], "b": c}, X(3)(rng, point)[0])


def mk_nested_dict(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (2, 3))
    return ({"enc": {"layers": [W1, W2]}, "dec": {"layers": [W3]}}, X(3)(rng, point)[0])


def mk_list_of_dicts(rng, point):
    a, b, c = mats(rng, (3,), (3,), (3,))
    return ([{"layers": [a, b]}, {"layers": [c]}], X(3)(rng, point)[0])


def mk_repeat_arg(rng, point):
    W1, W2 = mats(rng, (3, 3), (3, 3))
    return ({"enc": [W1, W2]}, X(3)(rng, point)[0])


def mk_get_arg(rng, point):
    a, b, c = mats(rng, (3,), (3,), (3,))
    return ({"a": [a], "b": [b, c]}, X(3)(rng, point)[0])


def mk_copy_dict(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (3, 3))
    return ({"enc": [W1, W2], "dec": [W3]}, X(3)(rng, point)[0])


def mk_tuple_of_tuples(rng, point):
    a, b, c = (float(v) for v in rng.uniform(-1, 1, 3))
    return (((a, b), (c,)), X(3)(rng, point)[0])


def mk_list_plain(rng, point):
    a, b = (float(v) for v in rng.uniform(-1, 1, 2))
    return ([a, b], X(3)(rng, point)[0])


def mk_ints_static(rng, point):
    return ({"idx": [0, 1], "more": [1, 2], "w": rng.uniform(0.5, 1.5, 4)}, X(3)(rng, point)[0])


def mk_dict_hist(rng, point):
    a = float(rng.uniform(-1, 1))
    return ({"loss": [a]}, X(3)(rng, point)[0])


def mk_rec_arg(rng, point):
    a, b, c = (float(v) for v in rng.uniform(-1, 1, 3))
    return (Rec([a], [b, c]), X(3)(rng, point)[0])


def mk_join_args(rng, point):
    a, b, c, d = (float(v) for v in rng.uniform(-1, 1, 4))
    return ([a, b], [c, d])


def mk_nt_arrays(rng, point):
    a, b = mats(rng, (3,), (3,))
    return (RecNT(a, b), X(3)(rng, point)[0])


def mk_mixed_arg(rng, point):
    a, b, c = mats(rng, (3,), (3,), (3,))
    return (Mixed([a, b], c), X(3)(rng, point)[0])


def mk_blocks(rng, point):
    W1, W2, W3 = mats(rng, (3, 3), (3, 3), (3, 3))
    return ({"blocks": [[W1], [W2, W3]]}, X(3)(rng, point)[0])


def mk_logger(rng, point):
    a, b, c = (float(v) for v in rng.uniform(-1, 1, 3))
    return (Logger({"loss": [a, b], "val": [c]}), X(3)(rng, point)[0])


def mk_get_default_arg(rng, point):
    a, b = mats(rng, (3,), (3,))
    return ({"a": [a, b]}, X(3)(rng, point)[0])


def mk_params_then_local(rng, point):
    W1, W2 = mats(rng, (3, 3), (3, 3))
    return (DCModel([W1], [W2]), X(3)(rng, point)[0])


def mk_kind(first_list):
    def make(rng, point):
        x = X(3)(rng, point)[0]
        vals = [float(v) for v in rng.uniform(0.5, 1.5, 2)]
        as_list = (point == 0) == first_list
        return (x, vals if as_list else np.array(vals))

    return make


def mk_dict_kind(first_list):
    def make(rng, point):
        x = X(3)(rng, point)[0]
        vals = [float(v) for v in rng.uniform(0.5, 1.5, 2)]
        as_list = (point == 0) == first_list
        return (x, {"a": vals if as_list else np.array(vals)})

    return make


def mk_diff_kind(first_list):
    def make(rng, point):
        x = X(3)(rng, point)[0]
        vals = [float(v) for v in rng.uniform(0.5, 1.5, 2)]
        as_list = (point == 0) == first_list
        return (vals if as_list else np.array(vals), x)

    return make


def mk_global_attr(rng, point):
    HOLDER.xs = [1.0, 2.0] if point == 0 else np.array([1.0, 2.0])
    return X(3)(rng, point)


def mk_fixed_dict(rng, point):
    return ({"a": [0.5], "b": [0.25]}, X(3)(rng, point)[0])


def mk_fixed_rec(rng, point):
    return (Rec([0.5], [0.25]), X(3)(rng, point)[0])


def mk_fixed_nt(rng, point):
    return (RecNT([0.5], [0.25]), X(3)(rng, point)[0])


CASES = [
    # A
    Case("d_hist_loop_scalar", d_hist_loop_scalar, X(3), hess=True),
    Case("d_hist_loop_vector", d_hist_loop_vector, X(3)),
    Case("d_get_join", d_get_join, X(3), hess=True),
    Case("d_get_default", d_get_default, X(3), hess=True),
    Case("d_arrays_arith", d_arrays_arith, X(3), hess=True),
    Case("d_mixed", d_mixed, X(3), hess=True),
    Case("d_tuples", d_tuples, X(3), hess=True),
    Case("d_repeat", d_repeat, X(3), hess=True),
    Case("d_nested_cfg", d_nested_cfg, X(4), hess=True),
    Case("d_update_in_loop", d_update_in_loop, X(3)),
    Case("d_copy", d_copy, X(3)),
    Case("d_branch", d_branch, X(3), hess=True),
    Case("d_scalars_arith", d_scalars_arith, X(3), hess=True),
    Case("d_item_and_list", d_item_and_list, X(3), hess=True),
    Case("d_values_join", d_values_join, X(3)),
    Case("d_plus_eq", d_plus_eq, X(3)),
    Case("d_extend_join", d_extend_join, X(3), hess=True),
    Case("d_join_to_helper", d_join_to_helper, X(3), hess=True),
    Case("d_helper_dict", d_helper_dict, X(3)),
    Case("d_join_arrays_stack", d_join_arrays_stack, X(3), hess=True),
    Case("d_sum_arrays_join", d_sum_arrays_join, X(3), hess=True),
    Case("d_equal_lengths_scalar", d_equal_lengths_scalar, X(4), hess=True),
    Case("d_equal_lengths_vector", d_equal_lengths_vector, X(4)),
    Case("d_ints_index", d_ints_index, X(4), hess=True),
    Case("d_shape_tuple", d_shape_tuple, X(4), hess=True),
    Case("d_enumerate_join", d_enumerate_join, X(3), hess=True),
    Case("d_join_then_append", d_join_then_append, X(4)),
    Case("d_alias_iadd", d_alias_iadd, X(3)),
    # B
    Case("t_pair_join", t_pair_join, X(3), hess=True),
    Case("t_cfg_list_of_dicts", t_cfg_list_of_dicts, X(3)),
    Case("t_repeat_vs_mul", t_repeat_vs_mul, X(3)),
    Case("t_list_items_hetero", t_list_items_hetero, X(3), hess=True),
    Case("t_nested_tuple", t_nested_tuple, X(3), hess=True),
    Case("t_unpack", t_unpack, X(3)),
    Case("t_groups_loop", t_groups_loop, X(3)),
    Case("t_branch_item", t_branch_item, X(3)),
    Case("t_helper_pair", t_helper_pair, X(3), hess=True),
    # C
    Case("o_dataclass_join", o_dataclass_join, X(3), hess=True),
    Case("o_namedtuple_replace", o_namedtuple_replace, X(3)),
    Case("o_object_method", o_object_method, X(4), hess=True),
    Case("o_dataclass_arrays", o_dataclass_arrays, X(3), hess=True),
    Case("o_mixed", o_mixed, X(3)),
    Case("o_namespace", o_namespace, X(3)),
    Case("o_obj_in_dict", o_obj_in_dict, X(3), hess=True),
    Case("o_logger", o_logger, X(3)),
    # D
    Case("a_params_dict", a_params_dict, mk_params_dict, wrt=(0, 1), hess=True),
    Case("a_params_list", a_params_list, mk_params_list, wrt=(0, 1), hess=True),
    Case("a_pair_arg", a_pair_arg, mk_pair_arg, wrt=(0, 1), hess=True),
    Case("a_dataclass_model", a_dataclass_model, mk_dc_model, wrt=(0, 1), hess=True),
    Case("a_plain_object", a_plain_object, mk_plain_object, wrt=(0, 1)),
    Case("a_namedtuple_arg", a_namedtuple_arg, mk_nt_model, wrt=(0, 1), hess=True),
    Case("a_namedtuple_floats", a_namedtuple_floats, mk_nt_floats, wrt=(0, 1), hess=True),
    Case("a_hist_floats", a_hist_floats, mk_hist_floats, wrt=(0, 1), hess=True),
    Case("a_hist_floats_vector", a_hist_floats_vector, mk_hist_floats, wrt=(0, 1)),
    Case("a_dict_arrays_arith", a_dict_arrays_arith, mk_dict_arrays, wrt=(0, 1), hess=True),
    Case("a_dict_mixed", a_dict_mixed, mk_dict_mixed, wrt=(0, 1), hess=True),
    Case("a_nested_dict", a_nested_dict, mk_nested_dict, wrt=(0, 1)),
    Case("a_list_of_dicts", a_list_of_dicts, mk_list_of_dicts, wrt=(0, 1), hess=True),
    Case("a_repeat_arg", a_repeat_arg, mk_repeat_arg, wrt=(0, 1), hess=True),
    Case("a_copy_dict_arg", a_copy_dict_arg, mk_copy_dict, wrt=(0, 1)),
    Case("a_copy_update", a_copy_update, mk_copy_dict, wrt=(0, 1)),
    Case("a_nt_replace", a_nt_replace, mk_nt_model, wrt=(0, 1), hess=True),
    Case("a_tuple_of_tuples", a_tuple_of_tuples, mk_tuple_of_tuples, wrt=(0, 1), hess=True),
    Case("a_ints_static", a_ints_static, mk_ints_static, wrt=(0, 1)),
    Case("a_helper_layers", a_helper_layers, mk_params_dict, wrt=(0, 1)),
    Case("a_dataclass_rec_arg", a_dataclass_rec_arg, mk_rec_arg, wrt=(0, 1), hess=True),
    Case("a_join_args", a_join_args, mk_join_args, wrt=(0, 1), hess=True),
    # E
    Case("e_helper_polymorphic", e_helper_polymorphic, X(3)),
    Case("e_global_dict", e_global_dict, X(3)),
    Case("e_global_mixed", e_global_mixed, X(3)),
    Case("e_training_hist", e_training_hist, X(3), hess=True),
    Case("e_while_hist", e_while_hist, X(3), hess=True),
    Case("e_nested_logs", e_nested_logs, X(3)),
    Case("e_branch_update", e_branch_update, X(3), hess=True),
    Case("e_zip_joins", e_zip_joins, X(4), hess=True),
    # F
    Case("u_branch_plain", u_branch_plain, X(3)),
    Case("u_branch_vector", u_branch_vector, X(3)),
    Case("u_dict_entry_branch", u_dict_entry_branch, X(3)),
    Case("u_attr_branch", u_attr_branch, X(3)),
    Case("u_loop_rebind", u_loop_rebind, X(3)),
    Case("u_helper_either", u_helper_either, X(3)),
    Case("u_tuple_or_array", u_tuple_or_array, X(3)),
    Case("u_repeat_either", u_repeat_either, X(3)),
    # G
    Case("g_join_empty", g_join_empty, X(3)),
    Case("g_nested_rows", g_nested_rows, X(3), hess=True),
    Case("g_stack_tuple_items", g_stack_tuple_items, X(3), hess=True),
    Case("g_helper_lists_only", g_helper_lists_only, X(3)),
    Case("g_items_loop", g_items_loop, X(3)),
    Case("g_hist_arrays_for", g_hist_arrays_for, X(3), hess=True),
    Case("g_hist_scalars_while", g_hist_scalars_while, X(3), hess=True),
    Case("g_local_list_append_while", g_local_list_append_while, X(3), hess=True),
    # H
    Case("h_nt_arg_arrays", h_nt_arg_arrays, mk_nt_arrays, wrt=(0, 1), hess=True),
    Case("h_dataclass_arg_mixed", h_dataclass_arg_mixed, mk_mixed_arg, wrt=(0, 1), hess=True),
    Case("h_logger_arg", h_logger_arg, mk_logger, wrt=(0, 1), hess=True),
    Case("h_get_default_arg", h_get_default_arg, mk_get_default_arg, wrt=(0, 1)),
    Case("h_model_plus_local", h_model_plus_local, mk_params_then_local, wrt=(0, 1)),
    # I
    Case("i_sum_lists_start", i_sum_lists_start, X(3)),
    Case("i_reduce_add", i_reduce_add, X(3)),
    Case("i_starred_display", i_starred_display, X(3)),
    Case("i_sum_arrays_and_floats", i_sum_arrays_and_floats, X(3), hess=True),
    Case("i_shape_join", i_shape_join, X(3), hess=True),
    Case("i_computed_keys", i_computed_keys, X(3)),
    Case("i_dict_comprehension", i_dict_comprehension, X(3)),
    # C'
    Case("k_heldfixed_list_then_array", k_heldfixed_kind, mk_kind(True)),
    Case("k_dict_array_then_list", k_dict_kind, mk_dict_kind(False)),
    Case("k_diff_array_then_list", k_diff_kind, mk_diff_kind(False), wrt=(0, 1)),
    Case("k_global_attr_list_then_array", k_global_attr_kind, mk_global_attr),
    # J
    Case("j_const_entry", j_const_entry, X(3), hess=True),
    Case("j_const_entry_updated", j_const_entry_updated, X(3), hess=True),
    Case("j_copy_heldfixed", j_copy_heldfixed, mk_fixed_dict, wrt=(1,), hess=True),
    Case(
        "j_copy_heldfixed_new_item", j_copy_heldfixed_new_item, mk_fixed_dict, wrt=(1,), hess=True
    ),
    Case("j_copy_method_new_key", j_copy_method_new_key, mk_fixed_dict, wrt=(1,), hess=True),
    Case("j_copy_heldfixed_plain", j_copy_heldfixed_plain, mk_fixed_dict, wrt=(1,), hess=True),
    Case(
        "j_heldfixed_updated_local", j_heldfixed_updated_local, mk_fixed_dict, wrt=(1,), hess=True
    ),
    Case("j_loop_const_then_active", j_loop_const_then_active, X(3), hess=True),
    Case("j_replace_heldfixed", j_replace_heldfixed, mk_fixed_rec, wrt=(1,), hess=True),
    Case("j_nt_replace_heldfixed", j_nt_replace_heldfixed, mk_fixed_nt, wrt=(1,), hess=True),
    Case("i_dict_comprehension_scalar", i_dict_comprehension_scalar, X(3), hess=True),
    Case("i_sum_lists_start_scalar", i_sum_lists_start_scalar, X(3), hess=True),
]


# --------------------------------------------------------------------------------------------
# what this tester found (strict xfails), and the refusals accepted as such
# --------------------------------------------------------------------------------------------

_JVP_X2 = "jvp tangent exactly twice the central difference"

XFAIL = {
    # silently wrong numbers and shapes
    "t_branch_item": (
        "WRONG: box = (v, x) with v = [x[1]] when x[0] > 0 (else x[1:2]); box[0] + box[0] is "
        "a join at the point, differentiated as arithmetic: d/dx1 of j[0]+2j[-1] (np.array "
        "form) is 3, grad reverse gives 4, grad forward 6, " + _JVP_X2 + "; vjp wrong"
    ),
    "u_branch_plain": (
        "WRONG: v = [x[1]] if x[0] > 0 else x[1:2] (if/else); j = v + v; j[0] + 2*j[-1]: "
        "d/dx1 = 3, grad reverse 4, grad forward 6, " + _JVP_X2 + " (values right)"
    ),
    "u_branch_vector": (
        "WRONG shape: v = [x[1], x[2]] if x[0] > 0 else x[1:3]; np.array(v + v) has 4 entries, "
        "jacfwd and jacobian return shape (2, 3) instead of (4, 3); jacrev rows "
        "[0,0,0],[0,0,0],[0,2,0],[0,0,2] instead of [0,1,0],[0,0,1],[0,1,0],[0,0,1]; vjp wrong; "
        "jvp raises a bare ValueError (broadcast (2,) to (4,)) from s2s_ad/api.py _like"
    ),
    "u_dict_entry_branch": (
        "WRONG jvp: d = {'a': x[:2]}; if x[0] > 0: d['a'] = [x[0], x[1]]; d['a'] + d['a']: "
        + _JVP_X2
        + " (7.136 vs 3.568) while grad, vjp and hessian refuse"
    ),
    "u_attr_branch": (
        "WRONG jvp: r = Mixed([x[1]], x) if x[0] > 0 else Mixed(x[1:2], x); r.xs + r.xs: "
        + _JVP_X2
        + " (-4.939 vs -2.469) while grad and vjp refuse"
    ),
    "u_loop_rebind": (
        "WRONG at both points, no branch: v = x[1:2]; for i in range(2): v = [v[0] * 1.5]; "
        "j = v + v; j[0] + 2*j[-1]: d/dx1 = 6.75, grad reverse 9, grad forward 13.5, "
        + _JVP_X2
        + ", vjp wrong"
    ),
    "u_helper_either": (
        "WRONG: a helper returning [x[1]] or x[1:2] by a branch; r + r; j[0] + 2*j[-1]: "
        "d/dx1 = 3, grad reverse 4, forward 6, " + _JVP_X2
    ),
    "u_tuple_or_array": (
        "WRONG: t = (x[1], x[2]) if x[0] > 0 else x[1:3]; t + t; j[0] + 2j[1] + 3j[-1]: "
        "grad reverse [0, 0, 6] where [0, 1, 5] is right (forward right); vjp wrong"
    ),
    "i_dict_comprehension_scalar": (
        "WRONG jvp: d = {k: [x[i]] for i, k in enumerate(('a', 'b'))}; j = d['a'] + d['b']; "
        "j[0] + 2*j[-1]: the tangents are added elementwise (jvp -0.274 vs -0.039, 6.171 vs "
        "3.577) while grad, vjp and hessian refuse"
    ),
    "i_sum_lists_start_scalar": (
        "WRONG: flat = sum([[x[0]], [x[1]]], []) (Python joins the lists); flat[0] + "
        "2*flat[-1]: grad forward [3, 3, 0] where [1, 2, 0] is right, jvp wrong; reverse refuses"
    ),
    "j_copy_heldfixed": (
        "WRONG: q = dict(p) of a dict argument held fixed; q['a'] = q['a'] + [x[0]]; "
        "j = q['a'] + q['b']; j[1] + 10*j[-1]: grad(wrt=1, mode='forward') [11, 0, 0] where "
        "[1, 0, 0] is right, jvp 11 times too big; reverse refuses"
    ),
    "j_copy_heldfixed_new_item": (
        "WRONG: q = dict(p) (p held fixed); q['a'] = [x[0]]; j = q['a'] + q['b']; "
        "j[0] + 10*j[-1]: grad forward [11, 0, 0] where [1, 0, 0] is right, jvp 11x; "
        "reverse refuses"
    ),
    "j_copy_method_new_key": (
        "WRONG: q = p.copy() (p held fixed); q['c'] = [x[0]]; j = q['c'] + q['b']: grad "
        "forward [11, 0, 0] where [1, 0, 0] is right, jvp 11x; reverse refuses"
    ),
    "a_namedtuple_floats": (
        "WRONG jvp with respect to a NamedTuple argument RecNT(a=[f, f], b=[f, f]): "
        "j = p.a + p.b gets the elementwise sum of the tangents (jvp 18.527 vs 7.160, 3.256 vs "
        "3.576) while grad (both modes) and vjp refuse"
    ),
    # errors from inside s2s_ad
    "d_join_arrays_stack": (
        "INTERNAL: jvp raises EvaluationError TypeError 'Value after * must be an iterable, "
        "not float' from rt.append at hist['states'].append(s) (dict {'states': [], 'extra': "
        "[...]}, appended in a for loop), saying the plain call raises it too; it does not"
    ),
    "e_while_hist": (
        "INTERNAL: jvp raises EvaluationError TypeError 'Value after * must be an iterable, "
        "not float' from rt.append at hist['a'].append(v) (dict {'a': [], 'b': [x[0]]}, "
        "appended in a while loop)"
    ),
    "a_copy_update": (
        "INTERNAL + refusal: q = dict(params); q['enc'] = q['enc'] + [np.eye(3) * x[0]]; "
        "for W in q['enc'] + q['dec']: grad(wrt=x, mode='forward') and jvp raise "
        "EvaluationError IndexError 'list index out of range' (W_dot = _t11_dot[_i]); reverse "
        "refuses ('cannot tell is one'); wrt params works"
    ),
    "i_dict_comprehension": (
        "INTERNAL: np.array(d['a'] + d['b']) of a dict comprehension of lists: jvp raises a "
        "bare ValueError (broadcast (2,) to (4,)) from s2s_ad/api.py; other APIs refuse"
    ),
    "i_sum_lists_start": (
        "INTERNAL: np.array(sum([d['a'], d['b']], [])): jvp, jacfwd and jacobian raise "
        "EvaluationError ValueError from rt.broadcast_sum (the plain call does not); "
        "vjp and jacrev refuse"
    ),
    # refusals of code that is fine
    "d_update_in_loop": (
        "REFUSED wrongly: d = {'a': [], 'b': [x[0]]}; d['a'] = d['a'] + [v] in a loop: jvp "
        "refuses ('`+` of a list or tuple and a value of type float'): both operands are lists; "
        "grad, jacfwd, jacrev work"
    ),
    "h_get_default_arg": (
        "REFUSED wrongly: d.get('c', []) + d['a'] of a dict argument: jvp with a dict tangent "
        "refuses ('`+` of a list or tuple and a value of type float'); grad and vjp work"
    ),
    "d_plus_eq": (
        "REFUSED wrongly: hist['loss'] += [v] (no other name holds the list) refused in every "
        "mode, though hist['loss'].extend([v]) is supported (message clear)"
    ),
    "d_helper_dict": (
        "REFUSED wrongly: h = _make_hist(x) returns a dict display of list displays; "
        "h['loss'] + h['aux'] refused by jvp, vjp and the Jacobians ('cannot tell is one')"
    ),
    "o_namedtuple_replace": (
        "REFUSED wrongly: r = RecNT([x0], [x1]); r = r._replace(a=r.a + [x2]): jvp, jacfwd "
        "and jacobian refuse ('cannot tell is one'); vjp and jacrev work"
    ),
    "a_namedtuple_arg": (
        "REFUSED wrongly: for W in p.enc + p.dec with p a NamedTuple argument of lists of "
        "arrays: grad (both modes), jvp and vjp refuse (a dataclass or dict argument works)"
    ),
    "a_nt_replace": (
        "REFUSED wrongly: p = p._replace(enc=p.enc + p.dec) of a NamedTuple argument: "
        "refused in every mode with respect to p, and by vjp"
    ),
    "a_helper_layers": (
        "REFUSED wrongly: helper `return params['enc'] + params['dec']` of a dict argument: "
        "refused in every mode with respect to params (inlined in the function it works)"
    ),
    "g_helper_lists_only": (
        "REFUSED wrongly: a helper `def _join_lists(a, b): return a + b` given two lists: "
        "jvp, vjp and the Jacobians refuse ('cannot tell is one')"
    ),
    "e_helper_polymorphic": (
        "REFUSED wrongly: a helper `return a + b` called with two lists and with two arrays: "
        "jvp, vjp and the Jacobians refuse"
    ),
    # ("i_starred_display", `[*d['a'], *d['b']]` of a local dict display: refused wrongly
    # until session 58; starred items of unknown length in a display are joined when run)
    "j_replace_heldfixed": (
        "REFUSED wrongly: r = dataclasses.replace(r, a=r.a + [x[0]]) of a dataclass argument "
        "held fixed, then r.a + r.b: refused in every mode with respect to x"
    ),
    "j_nt_replace_heldfixed": (
        "REFUSED wrongly: r = r._replace(a=r.a + [x[0]]) of a NamedTuple argument held fixed, "
        "then r.a + r.b: refused in every mode with respect to x"
    ),
}

# refusals that are acceptable: located, and the code is ambiguous or documented as refused
REFUSE = {
    "d_alias_iadd",  # j = d["a"]; j += d["b"]: documented, clear
    "o_namespace",  # SimpleNamespace built in the function (message points to defvjp)
    "u_repeat_either",  # box["v"] a list or an array by path, `* 2`: refused, located
    "k_heldfixed_list_then_array",  # array + list at run time: documented refusal
    "k_dict_array_then_list",
    "k_diff_array_then_list",
    "k_global_attr_list_then_array",
}


# --------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------


def _close(got, want, rtol=RTOL, atol=ATOL):
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        return False, f"shape {got.shape} != {want.shape}"
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want))
        g8, w8 = np.round(got.ravel()[:8], 6), np.round(want.ravel()[:8], 6)
        return False, f"max |diff| {err:.3g}: got {g8} want {w8}"
    return True, ""


def _same_value(got, plain):
    """The primal value an API returns equals the plain call's."""
    if isinstance(plain, np.ndarray):
        if not isinstance(got, np.ndarray) or got.shape != plain.shape:
            return False, f"value {got!r} is not like plain {plain!r}"
    ok, msg = _close(got, plain, rtol=1e-12, atol=1e-13)
    return ok, msg


def _structure_matches(g, p):
    """The gradient is laid out like the argument: same container types and leaf shapes."""
    if _is_float_leaf(p):
        return np.shape(g) == np.shape(p), f"leaf shape {np.shape(g)} != {np.shape(p)}"
    ch = _children(p)
    if ch is None:
        return True, ""
    if type(g) is not type(p):
        return False, f"type {type(g).__name__} != {type(p).__name__}"
    for k, v in ch:
        ok, msg = _structure_matches(get(g, (k,)), v)
        if not ok:
            return False, f"[{k!r}] {msg}"
    return True, ""


def _with_arg(args, k, val):
    a = list(args)
    a[k] = val
    return tuple(a)


def fd_dir(fn, args, k, t):
    """Central difference of fn along tangent t of argument k."""
    plus = fn(*_with_arg(args, k, axpy(args[k], t, H)))
    minus = fn(*_with_arg(args, k, axpy(args[k], t, -H)))
    return (to_vec(plus) - to_vec(minus)) / (2 * H)


def fd_grad(fn, args, k):
    """Central differences, leaf by leaf element: a list of (path, array of partials)."""
    out = []
    for path, leaf in leaves(args[k]):
        arr = np.asarray(leaf, dtype=float)
        g = np.zeros(arr.shape)
        for idx in np.ndindex(arr.shape):
            e = np.zeros(arr.shape)
            e[idx] = 1.0
            unit = tree_map(
                args[k],
                lambda p, v, path=path, e=e: (
                    (e if isinstance(v, np.ndarray) else float(e))
                    if p == path
                    else (np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0)
                ),
            )
            g[idx] = fd_dir(fn, args, k, unit)[0]
        out.append((path, g))
    return out


def _located(exc):
    msg = str(exc)
    return THIS_FILE in msg and re.search(r"line \d+|:\d+", msg) is not None


class Problems(list):
    def add(self, what, ok, msg=""):
        if not ok:
            self.append(f"{what}: {msg}")


def _check_grad_struct(problems, label, g, args, k, fdg):
    ok, msg = _structure_matches(g, args[k])
    problems.add(f"{label} structure", ok, msg)
    if not ok:
        return
    for path, want in fdg:
        try:
            got = get(g, path)
        except Exception as e:
            problems.add(f"{label} {path}", False, f"missing: {e!r}")
            continue
        ok, msg = _close(got, want)
        problems.add(f"{label} {path}", ok, msg)


def run_case(case: Case):
    problems = Problems()
    refusals = []
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))

    def attempt(label, thunk):
        try:
            return True, thunk()
        except ad.S2SError as e:
            refusals.append((label, e))
            if not _located(e):
                problems.append(f"{label}: refusal not located: {type(e).__name__}: {e}")
            return False, None
        except Exception as e:
            problems.append(f"{label}: INTERNAL {type(e).__name__}: {str(e)[:300]}")
            return False, None

    for point in range(2):
        args = case.make(rng, point)
        for k in case.wrt:
            check_argument(case, args, k, f"p{point} wrt{k}", rng, problems, attempt)
    return problems, refusals


def check_argument(case, args, k, tag, rng, problems, attempt):
    """Every API at `args`, with respect to argument `k`."""
    fn = case.fn
    plain = fn(*args)
    scalar = np.ndim(plain) == 0
    if scalar:
        fdg = fd_grad(fn, args, k)
        for mode in ("reverse", "forward"):
            ok, g = attempt(
                f"{tag} grad[{mode}]", lambda mode=mode: ad.grad(fn, wrt=k, mode=mode)(*args)
            )
            if ok:
                _check_grad_struct(problems, f"{tag} grad[{mode}]", g, args, k, fdg)
        ok, vg = attempt(f"{tag} value_and_grad", lambda: ad.value_and_grad(fn, wrt=k)(*args))
        if ok:
            problems.add(f"{tag} value_and_grad value", *_same_value(vg[0], plain))
            _check_grad_struct(problems, f"{tag} value_and_grad", vg[1], args, k, fdg)
    # jvp along two random directions
    for _ in range(2):
        t = random_like(args[k], rng)
        tangents = [None] * len(args)
        tangents[k] = t
        ok, res = attempt(f"{tag} jvp", lambda tangents=tangents: ad.jvp(fn, args, tangents))
        if ok:
            out, tan = res
            problems.add(f"{tag} jvp value", *_same_value(out, plain))
            want = fd_dir(fn, args, k, t)
            got = to_vec(tan) if np.ndim(plain) else tan
            problems.add(f"{tag} jvp tangent", *_close(got, want if np.ndim(plain) else want[0]))
            if np.ndim(plain) and np.shape(tan) != np.shape(plain):
                problems.append(f"{tag} jvp tangent shape {np.shape(tan)} != {np.shape(plain)}")
    # vjp: <pullback(u), t> against <u, central difference along t>
    ok, res = attempt(f"{tag} vjp", lambda: ad.vjp(fn, *args))
    if ok:
        out, pb = res
        problems.add(f"{tag} vjp value", *_same_value(out, plain))
        u = rng.standard_normal(np.shape(plain)) if np.ndim(plain) else 1.0
        ok2, cts = attempt(f"{tag} vjp pullback", lambda: pb(u))
        if ok2:
            ct = cts[k]
            ok3, msg = _structure_matches(ct, args[k])
            problems.add(f"{tag} vjp cotangent structure", ok3, msg)
            if ok3:
                t = random_like(args[k], rng)
                lhs = vdot_ct(ct, t, args[k])
                rhs = float(np.dot(to_vec(u), fd_dir(fn, args, k, t)))
                problems.add(f"{tag} vjp <ct,t> vs <u,FD>", *_close(lhs, rhs))
    # Jacobians of vector outputs with respect to an array argument
    if not scalar and isinstance(args[k], np.ndarray):
        J_fd = np.stack([fd_dir(fn, args, k, e) for e in np.eye(args[k].size)], axis=-1)
        J_fd = J_fd.reshape(np.shape(plain) + args[k].shape)
        jacs = (("jacobian", ad.jacobian), ("jacfwd", ad.jacfwd), ("jacrev", ad.jacrev))
        for name, jac in jacs:
            ok, J = attempt(f"{tag} {name}", lambda jac=jac: jac(fn, wrt=k)(*args))
            if ok:
                problems.add(f"{tag} {name}", *_close(J, J_fd))
    # second derivatives, against central differences of the (checked) gradient
    if case.hess and scalar and _grad_works(fn, args, k):
        check_second_order(fn, args, k, tag, rng, problems, attempt)


def check_second_order(fn, args, k, tag, rng, problems, attempt):
    def g_of(*a):
        return to_vec(leaves_vec(ad.grad(fn, wrt=k)(*a), a[k]))

    if isinstance(args[k], np.ndarray):
        H_fd = np.stack([fd_dir(g_of, args, k, e) for e in np.eye(args[k].size)], axis=-1)
        ok, Hs = attempt(f"{tag} hessian", lambda: ad.hessian(fn, wrt=k)(*args))
        if ok:
            problems.add(f"{tag} hessian", *_close(Hs, H_fd, rtol=1e-5, atol=1e-5))
        return
    t = random_like(args[k], rng)
    tangents = [None] * len(args)
    tangents[k] = t
    ok, res = attempt(f"{tag} jvp(grad)", lambda: ad.jvp(ad.grad(fn, wrt=k), args, tangents))
    if ok:
        want = fd_dir(g_of, args, k, t)
        ok3, msg = _structure_matches(res[1], args[k])
        problems.add(f"{tag} jvp(grad) structure", ok3, msg)
        if ok3:
            got = leaves_vec(res[1], args[k])
            problems.add(f"{tag} jvp(grad)", *_close(got, want, rtol=1e-5, atol=1e-5))


def _grad_works(fn, args, k):
    try:
        ad.grad(fn, wrt=k)(*args)
        return True
    except Exception:
        return False


def leaves_vec(s, like):
    """The float leaves of `s` at the paths of `like`'s float leaves, flattened into one vector."""
    parts = [np.ravel(np.asarray(get(s, path), dtype=float)) for path, _ in leaves(like)]
    return np.concatenate(parts) if parts else np.zeros(0)


def vdot_ct(ct, t, like):
    tot = 0.0
    for path, _ in leaves(like):
        tot += float(np.sum(np.asarray(get(ct, path), dtype=float) * np.asarray(get(t, path))))
    return tot


# Fixed after this file was written (their strict xfails passed; the reasons stay in XFAIL
# as the record): a NamedTuple argument's fields are followed by name, and a list default
# of `.get` has a zero list as its tangent (session 43).
FIXED = {"a_namedtuple_arg", "a_namedtuple_floats", "h_get_default_arg"}
# (and: a dict entry that is a list has a zero list as its tangent where another entry is
# written, `hist["loss"] += [v]` extends the entry, a helper's dict display is followed)
FIXED |= {"d_update_in_loop", "d_plus_eq", "d_helper_dict", "d_join_arrays_stack", "e_while_hist"}
FIXED |= {"o_namedtuple_replace", "a_nt_replace"}  # (`_replace` of a list field regrown)
# WRONG results now refused at their line (`+` perhaps of lists: its derivative checked);
# checked as refusals: no API may give a wrong number, and one must refuse.
NOW_REFUSED = {
    "t_branch_item",
    "u_branch_plain",
    "u_branch_vector",
    "u_dict_entry_branch",
    "u_attr_branch",
    "u_loop_rebind",
    "u_helper_either",
    "u_tuple_or_array",
    "i_dict_comprehension",
    "i_dict_comprehension_scalar",
    "i_sum_lists_start",
    "i_sum_lists_start_scalar",
    "j_copy_heldfixed",
    "j_copy_heldfixed_new_item",
    "j_copy_method_new_key",
}


def _params():
    out = []
    for c in CASES:
        c.xfail = c.xfail or XFAIL.get(c.name)
        c.refuse = c.refuse or c.name in REFUSE
        if c.name in FIXED or c.name in NOW_REFUSED:
            c.xfail = None
        c.refuse = c.refuse or c.name in NOW_REFUSED
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
        out.append(pytest.param(c, id=c.name, marks=marks))
    return out


@pytest.mark.parametrize("case", _params())
def test_program(case):
    problems, refusals = run_case(case)
    if case.refuse:
        assert refusals, "expected a located refusal, got none"
    else:
        problems = problems + [
            f"{lbl}: REFUSED {type(e).__name__}: {str(e)[:400]}" for lbl, e in refusals
        ]
    assert not problems, "\n".join(problems[:12])
