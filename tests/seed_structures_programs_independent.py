# ruff: noqa: B905, SIM108  (user programs, written as users write them)
"""Programs for tests/test_seed_structures_independent.py (an independent tester).

Float64 losses meeting float32 and float16 values held in the structured arguments a user
passes (dicts, tuples, lists, NamedTuples, dataclasses, objects, SimpleNamespaces, nested),
the way people write training code and configs.  Module-level so s2s_ad can read them.
Functions whose derivative cache matters to one test (a call sequence that must not reuse
stale code) are used by that test only.
"""

import dataclasses
import functools
from typing import ClassVar, NamedTuple

import numpy as np

import s2s_ad as ad

# --------------------------------------------------------------------------- records


@dataclasses.dataclass
class Hyper:
    temp: object
    l2: object
    name: str = "run"
    n_steps: int = 3


@dataclasses.dataclass
class ScaleBox:
    scale: object


@dataclasses.dataclass(frozen=True)
class FrozenScale:
    scale: object


@dataclasses.dataclass(slots=True)
class SlotsDataclassScale:
    scale: object


class ScaleNT(NamedTuple):
    scale: object
    tag: str = "a"


class PlainScale:
    def __init__(self, scale):
        self.scale = scale


class Params(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class RecordParams:
    w: np.ndarray
    b: np.ndarray
    s: object


@dataclasses.dataclass
class Precision:
    scale: float
    dtype: str


@dataclasses.dataclass
class Batch:
    X: np.ndarray
    y: np.ndarray
    weight: object = 1.0


# --------------------------------------------------------------------------- one item read


def loss_dict(w, cfg):
    return np.sum(w**3) / cfg["scale"]


def loss_attr(w, hp):
    return np.sum(w**3) / hp.scale


def loss_index(w, t):
    return np.sum(w**3) / t[1]


def loss_nested(w, cfg):
    return np.sum(w**3) / cfg["opt"]["sched"][0]["scale"]


def loss_nested_obj(w, cfg):
    return np.sum(w**3) / cfg["opt"][1].scale


def grad_by_scale(w, s):
    """The exact gradient of np.sum(w**3) / s, in float64."""
    return 3.0 * w**2 / np.float64(s)


def hessian_by_scale(w, s):
    return np.diag(6.0 * w / np.float64(s))


# A second copy of each, for the sequences of calls (their caches start empty there).


def cycle_dict(w, cfg):
    return np.sum(w**3) / cfg["scale"]


def cycle_attr(w, hp):
    return np.sum(w**3) / hp.scale


def cycle_index(w, t):
    return np.sum(w**3) / t[1]


def cycle_nested(w, cfg):
    return np.sum(w**3) / cfg["opt"]["sched"][0]["scale"]


def cycle_nested_obj(w, cfg):
    return np.sum(w**3) / cfg["opt"][1].scale


def cycle_second_dict(w, cfg):
    return np.sum(w**3) / cfg["scale"]


def cycle_second_attr(w, hp):
    return np.sum(w**3) / hp.scale


def cycle_second_index(w, t):
    return np.sum(w**3) / t[1]


def cycle_jit_tuple(w, t):
    return np.sum(w**3) / t[1]


# --------------------------------------------------------------------------- realistic programs


def linreg_loss(w, data, hp):
    """Mean squared error over a data dict, tempered and penalised by a dataclass."""
    r = data["X"] @ w - data["y"]
    return np.mean(r**2) / hp.temp + hp.l2 * np.sum(w**2)


def linreg_grad_reference(w, data, hp):
    X = np.asarray(data["X"], np.float64)
    r = X @ w - np.asarray(data["y"], np.float64)
    return 2.0 * X.T @ r / len(r) / np.float64(hp.temp) + 2.0 * np.float64(hp.l2) * w


def mlp_loss(params, batch, cfg):
    """A list of (W, b) layers, a float32 batch, a config of several kinds of value."""
    h = batch["X"]
    for W, b in params[:-1]:
        h = h @ W + b
        if cfg["act"] == "tanh":
            h = np.tanh(h)
        else:
            h = np.maximum(h, 0.0)
    W, b = params[-1]
    out = h @ W + b
    loss = np.mean((out[:, 0] - batch["y"]) ** 2) / cfg["temp"]
    if cfg["use_l2"]:
        for W, _ in params:
            loss = loss + cfg["l2"] * np.sum(W**2)
    return loss * cfg["n_layers"] / len(params)


def weighted_terms(w, weights, offsets):
    """float16 weights in a list, offsets in a tuple, read in a loop by enumerate/zip."""
    total = 0.0
    for i, (a, c) in enumerate(zip(weights, offsets)):
        total = total + a * np.sum(np.sin(w * (i + 1.0)) + c)
    return total


def weighted_terms_reference(w, weights, offsets):
    g = np.zeros_like(w)
    for i, a in enumerate(weights):
        g = g + np.float64(a) * (i + 1.0) * np.cos(w * (i + 1.0))
    return g


def config_loss(w, cfg):
    """A config of Python floats, np.float32/np.float16, ints, strings, bools and a list."""
    h = np.tanh(w) if cfg["act"] == "tanh" else w
    loss = np.sum(h**2) / cfg["scale"]
    for k in range(cfg["n"]):
        loss = loss + cfg["offsets"][k] * np.sum(w)
    if cfg["use_reg"]:
        loss = loss + np.sum(w**4) / cfg["reg"]
    return loss


def config_loss_reference(w, cfg):
    if cfg["act"] == "tanh":
        t = np.tanh(w)
        g = 2.0 * t * (1.0 - t**2) / np.float64(cfg["scale"])
    else:
        g = 2.0 * w / np.float64(cfg["scale"])
    for k in range(cfg["n"]):
        g = g + np.float64(cfg["offsets"][k])
    if cfg["use_reg"]:
        g = g + 4.0 * w**3 / np.float64(cfg["reg"])
    return g


def _penalty(w, hp):
    return hp.l2 * np.sum(w**2) / hp.temp


def helper_loss(w, data, hp):
    """The float32 items are read in a helper the loss calls."""
    return np.sum((data["X"] @ w) ** 2) + _penalty(w, hp)


def helper_loss_reference(w, data, hp):
    X = np.asarray(data["X"], np.float64)
    return 2.0 * X.T @ (X @ w) + 2.0 * np.float64(hp.l2) * w / np.float64(hp.temp)


def comprehension_loss(w, cfg):
    return sum([np.sum(w**2) / s for s in cfg["scales"]]) + sum(np.sum(w) * c for c in cfg["coefs"])


def comprehension_loss_reference(w, cfg):
    g = np.zeros_like(w)
    for s in cfg["scales"]:
        g = g + 2.0 * w / np.float64(s)
    for c in cfg["coefs"]:
        g = g + np.float64(c)
    return g


def nested_def_loss(w, cfg):
    def shrink(v):
        return v / cfg["scale"]

    return np.sum(shrink(w**2)) + np.sum(w * cfg["shift"])


def while_loss(w, hp):
    i = 0
    total = 0.0
    while i < len(hp.scales):
        total = total + np.sum(w**2) / hp.scales[i]
        i += 1
    return total


def branch_loss(w, cfg):
    loss = np.sum(w**2)
    if cfg["use"]:
        loss = loss / cfg["scale"]
    return loss


DEFAULT_CFG = {"scale": np.float32(3.1), "name": "default"}


def default_arg_loss(w, cfg=DEFAULT_CFG):
    return np.sum(w**3) / cfg["scale"]


def keyword_loss(w, cfg, extra=None):
    loss = np.sum(w**3) / cfg["scale"]
    if extra is not None:
        loss = loss + np.sum(w) * extra["k"]
    return loss


def ns_params_loss(p, data):
    """SimpleNamespace (or any record) parameters, differentiated."""
    return np.sum((data.X @ p.w + p.b) ** 2) / p.s


def params_nt_loss(p, batch, hp):
    """NamedTuple parameters, a dataclass batch of float32/float16 arrays, a dict of hypers."""
    pred = batch.X @ p.W + p.b
    return np.sum(batch.weight * (pred - batch.y) ** 2) / hp["temp"] + hp["l2"] * np.sum(p.W**2)


def params_nt_reference(p, batch, hp):
    X = np.asarray(batch.X, np.float64)
    r = X @ p.W + p.b - np.asarray(batch.y, np.float64)
    wt = np.float64(batch.weight)
    T = np.float64(hp["temp"])
    L = np.float64(hp["l2"])
    return Params(2.0 * wt * X.T @ r / T + 2.0 * L * p.W, np.array(2.0 * wt * np.sum(r) / T))


def stress_loss(w, data, hp, scales):
    """The function the 40 dtype combinations go through, one gradient function for all."""
    r = data["X"] @ w - data["y"]
    loss = np.sum(r**2) / hp.temp
    for s in scales:
        loss = loss + np.sum(w**2) / s
    return loss * hp.l2


def stress_reference(w, data, hp, scales):
    X = np.asarray(data["X"], np.float64)
    r = X @ w - np.asarray(data["y"], np.float64)
    g = 2.0 * X.T @ r / np.float64(hp.temp)
    for s in scales:
        g = g + 2.0 * w / np.float64(s)
    return g * np.float64(hp.l2)


def mutated_dict_loss(w, cfg):
    return np.sum(w**3) / cfg["scale"]


def partial_target(w, cfg):
    return np.sum(w**3) / cfg["scale"]


def product_loss(w, d):
    """Two float32 items multiplied by the seed first in the adjoint."""
    return np.sum(w * d["a"] * d["b"])


def float32_array_loss(w, d):
    return np.sum(w**2) / np.sum(d["v"]) + np.sum(w * d["X"] * d["X"])


# ------------------------------------------------------------------ library bugs (strict xfails)


class ClassLevelScale:
    scale = np.float32(3.1)


@dataclasses.dataclass
class ClassVarScale:
    lr: float
    scale: ClassVar[np.float32] = np.float32(3.1)


class BaseScale:
    scale = np.float32(3.1)


class DerivedScale(BaseScale):
    def __init__(self):
        self.lr = 0.1


class SlotsScale:
    __slots__ = ("scale",)

    def __init__(self, scale):
        self.scale = scale


class GetattrScale:
    def __getattr__(self, name):
        return np.float32(3.1)


def bug_class_attr(w, hp):
    return np.sum(w**3) / hp.scale


def bug_classvar(w, hp):
    return np.sum(w**3) / hp.scale


def bug_inherited(w, hp):
    return np.sum(w**3) / hp.scale


def bug_slots(w, hp):
    return np.sum(w**3) / hp.scale


def bug_getattr(w, hp):
    return np.sum(w**3) / hp.scale


def bug_set(w, scales):
    total = 0.0
    for s in scales:
        total = total + np.sum(w**3) / s
    return total


def bug_record_array(w, rec):
    return np.sum(w**3) / rec["scale"][0]


def bug_dtype_in_dict(w, cfg):
    return np.sum(w**3) / np.asarray(cfg["scale"], dtype=cfg["dtype"])


def bug_dtype_in_dataclass(w, prec):
    return np.sum(w**3) / np.array(prec.scale, dtype=prec.dtype)


def bug_dtype_argument(w, scale, dtype):
    return np.sum(w**3) / np.asarray(scale, dtype=dtype)


class Model:
    """An object with methods: held fixed and bound (identity in the cache key)."""

    def __init__(self, scale):
        self.scale = scale
        self.cfg = {"scale": scale}

    def loss(self, w):
        return np.sum(w**3) / self.scale

    def loss_cfg(self, w):
        return np.sum(w**3) / self.cfg["scale"]

    def __call__(self, w):
        return np.sum(w**3) / self.scale


class ModelForPartial:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, w):
        return np.sum(w**3) / self.scale


class ModelForCall:
    def __init__(self, scale):
        self.scale = scale

    def __call__(self, w):
        return np.sum(w**3) / self.scale


class ModelForCfg:
    def __init__(self, scale):
        self.cfg = {"scale": scale}

    def loss(self, w):
        return np.sum(w**3) / self.cfg["scale"]


class GlobalScale:
    scale = 3.1


def bug_global_class_attr(w):
    return np.sum(w**3) / GlobalScale.scale


class MutableClassScale:
    scale = 3.1


def bug_arg_class_attr_mutated(w, hp):
    return np.sum(w**3) / hp.scale


GLOBAL_CFG = {"scale": 3.1}


def bug_global_dict_mutated(w):
    return np.sum(w**3) / GLOBAL_CFG["scale"]


def make_closure_loss(cfg):
    def closure_loss(w):
        return np.sum(w**3) / cfg["scale"]

    return closure_loss


def bug_jacrev_cycle(w, s):
    return np.sum(w**3) / s


def bug_jacobian_cycle(w, s):
    return np.sum(w**3) / s


def bug_jacrev_cycle_array(w, x):
    return np.sum(w**3) / np.sum(x)


def inner_scaled(w, s):
    return np.sum(w**3) / s


def bug_grad_inside(w, cfg):
    """grad called inside a differentiated function, its float32 scale from a dict."""
    return np.sum(ad.grad(inner_scaled)(w, cfg["scale"]))


def bug_grad_inside_plain(w, s):
    return np.sum(ad.grad(inner_scaled)(w, s))


def partial_of(fn, **kw):
    return functools.partial(fn, **kw)
