"""First and second derivatives of functions whose structured arguments hold values without a
derivative beside the float arrays: ints, bools, integer arrays, strings, None, enums, functions
and configuration sub-records, used as exponents, loop bounds, indices, branch selectors and
multipliers.

Written by an independent tester from the README and issue 17 only (neither s2s_ad's source nor
its other tests were read). Every program is checked against its plain call and against central
differences of this file's own: the value of `value_and_grad`, the gradient, the Hessian
(symmetric), `jacfwd(grad)`, `jacrev(grad)`, `jvp` and `vjp` of `grad`, `hvp`, and `grad(grad)`
for scalar inputs. A check that fails is a strict expected failure with its reason.
"""

# The programs spell out `if` statements as users write them (branches are what is tested).
# ruff: noqa: SIM108

from __future__ import annotations

import copy
import dataclasses
import enum
import functools
import math
import types
import warnings
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import s2s_ad as ad

# --------------------------------------------------------------------------------------------
# structures: leaves, paths, rebuilding
# --------------------------------------------------------------------------------------------


def is_float_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def is_container(v):
    if isinstance(v, (dict, list, tuple)):
        return True
    static = (enum.Enum, type, functools.partial, np.ufunc, np.ndarray, np.generic, str, bytes)
    if isinstance(v, static) or v is None or isinstance(v, (int, float)):
        return False
    if isinstance(v, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return False
    return hasattr(v, "__dict__")


def children(v):
    """(path component, child) pairs of a container; a component is (kind, key)."""
    if isinstance(v, dict):
        return [(("k", k), c) for k, c in v.items()]
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return [(("a", n), getattr(v, n)) for n in v._fields]
    if isinstance(v, (list, tuple)):
        return [(("i", i), c) for i, c in enumerate(v)]
    return [(("a", n), c) for n, c in vars(v).items()]


def leaves(tree, path=()):
    """Every leaf of `tree` with its path, in a fixed order."""
    if is_container(tree):
        out = []
        for comp, child in children(tree):
            out.extend(leaves(child, (*path, comp)))
        return out
    return [(path, tree)]


def get(tree, path):
    """The item of `tree` at `path`; a NamedTuple, dataclass or object must keep its type."""
    for kind, key in path:
        if kind == "a":
            tree = getattr(tree, key)
        else:
            tree = tree[key]
    return tree


def rebuild(tree, fill: Callable[[tuple, Any], Any], path=()):
    """A copy of `tree` whose every leaf is `fill(path, leaf)` (objects made without `__init__`)."""
    if not is_container(tree):
        return fill(path, tree)
    if isinstance(tree, dict):
        return {k: rebuild(c, fill, (*path, ("k", k))) for k, c in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(
            *[rebuild(getattr(tree, n), fill, (*path, ("a", n))) for n in tree._fields]
        )
    if isinstance(tree, (list, tuple)):
        items = [rebuild(c, fill, (*path, ("i", i))) for i, c in enumerate(tree)]
        return type(tree)(items)
    new = copy.copy(tree)
    for n, c in vars(tree).items():
        object.__setattr__(new, n, rebuild(c, fill, (*path, ("a", n))))
    return new


def float_paths(tree):
    return [(p, np.shape(v)) for p, v in leaves(tree) if is_float_leaf(v)]


def static_paths(tree):
    return [p for p, v in leaves(tree) if not is_float_leaf(v)]


def flat(tree):
    """The float leaves of `tree` as one vector."""
    parts = [np.ravel(np.asarray(v, dtype=float)) for _, v in leaves(tree) if is_float_leaf(v)]
    return np.concatenate(parts) if parts else np.zeros(0)


def unflat(tree, vec, static=None):
    """`tree` with its float leaves taken from `vec`; static leaves kept (static='keep') or None."""
    offsets, pos = {}, 0
    for p, shape in float_paths(tree):
        n = int(np.prod(shape))
        offsets[p] = (pos, shape)
        pos += n

    def fill(path, leaf):
        if path in offsets:
            start, shape = offsets[path]
            chunk = vec[start : start + int(np.prod(shape))]
            if isinstance(leaf, np.ndarray):
                return chunk.reshape(shape).copy()
            return type(leaf)(chunk[0]) if isinstance(leaf, np.floating) else float(chunk[0])
        return leaf if static == "keep" else None

    return rebuild(tree, fill)


def flat_like(result, template, strict=True):
    """The float leaves of a derivative `result` laid out as `template`'s float leaves, requiring
    None at `template`'s static leaves (unless not `strict`: the references)."""
    parts = []
    for p, shape in float_paths(template):
        v = np.asarray(get(result, p), dtype=float)
        assert v.shape == shape, (p, v.shape, shape)
        parts.append(np.ravel(v))
    for p in static_paths(template) if strict else ():
        assert get(result, p) is None, f"derivative at static leaf {p}: {get(result, p)!r}"
    return np.concatenate(parts) if parts else np.zeros(0)


def matrix_like(result, template):
    """A second-derivative result (template's structure of template's structures) as a matrix."""
    rows = []
    for p, shape in float_paths(template):
        outer = get(result, p)
        block = []
        for q, shape_q in float_paths(template):
            b = np.asarray(get(outer, q), dtype=float)
            assert b.shape == shape + shape_q, (p, q, b.shape)
            block.append(b.reshape(int(np.prod(shape)), int(np.prod(shape_q))))
        rows.append(np.concatenate(block, axis=1))
        for q in static_paths(template):
            assert get(outer, q) is None, f"second derivative at static leaf {q}"
    for p in static_paths(template):
        assert get(result, p) is None, f"second derivative at static leaf {p}"
    return np.concatenate(rows, axis=0)


# --------------------------------------------------------------------------------------------
# references
# --------------------------------------------------------------------------------------------

STEP = 1e-5
RTOL, ATOL = 1e-5, 1e-6


def with_arg(args, wrt, value):
    return tuple(value if i == wrt else a for i, a in enumerate(args))


def cd_grad(f, args, wrt):
    x0 = args[wrt]
    v0 = flat(x0)
    out = np.zeros_like(v0)
    for j in range(v0.size):
        e = np.zeros_like(v0)
        e[j] = STEP
        fp = f(*with_arg(args, wrt, unflat(x0, v0 + e, "keep")))
        fm = f(*with_arg(args, wrt, unflat(x0, v0 - e, "keep")))
        out[j] = (fp - fm) / (2 * STEP)
    return out


def gradient_flat(f, args, wrt, at):
    x0 = args[wrt]
    return flat_like(ad.grad(f, wrt)(*with_arg(args, wrt, unflat(x0, at, "keep"))), x0, False)


def cd_hessian(f, args, wrt):
    v0 = flat(args[wrt])
    cols = []
    for j in range(v0.size):
        e = np.zeros_like(v0)
        e[j] = STEP
        gp = gradient_flat(f, args, wrt, v0 + e)
        gm = gradient_flat(f, args, wrt, v0 - e)
        cols.append((gp - gm) / (2 * STEP))
    return np.stack(cols, axis=1)


def cd_hvp(f, args, wrt, v):
    v0 = flat(args[wrt])
    gp = gradient_flat(f, args, wrt, v0 + STEP * v)
    gm = gradient_flat(f, args, wrt, v0 - STEP * v)
    return (gp - gm) / (2 * STEP)


def assert_close(ours, ref, rtol=RTOL, atol=ATOL):
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    assert ours.shape == ref.shape, (ours.shape, ref.shape)
    assert np.all(np.isfinite(ours)), f"not finite: {ours}"
    assert np.all(np.isfinite(ref)), f"reference not finite: {ref}"
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol)


def direction(n, seed=7):
    return np.random.default_rng(seed).standard_normal(n)


def tangents_for(args, wrt, vec):
    return [unflat(a, vec) if i == wrt else None for i, a in enumerate(args)]


def exact_hessian(f, args, wrt):
    """`hessian`'s matrix when it matches central differences, else None (then the 1e-10
    comparisons of the other transformations fall back to central differences)."""
    try:
        h = matrix_like(ad.hessian(f, wrt)(*args), args[wrt])
        assert_close(h, cd_hessian(f, args, wrt))
        return h
    except Exception:
        return None


def check_second(ours, f, args, wrt):
    ref = cd_hessian(f, args, wrt)
    assert_close(ours, ref)
    h = exact_hessian(f, args, wrt)
    if h is not None:
        np.testing.assert_allclose(ours, h, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------------------------
# records, classes and helpers of the programs
# --------------------------------------------------------------------------------------------


class Act(enum.Enum):
    TANH = "tanh"
    SQUARE = "square"
    LINEAR = "linear"


class Order(enum.IntEnum):
    ONE = 1
    TWO = 2
    THREE = 3


class PowP(NamedTuple):
    w: np.ndarray
    n: int


class StepP(NamedTuple):
    a: float
    steps: int


class IdxP(NamedTuple):
    w: np.ndarray
    idx: np.ndarray


class MaskP(NamedTuple):
    w: np.ndarray
    mask: np.ndarray


class ModeP(NamedTuple):
    w: np.ndarray
    mode: str
    n: int


class BiasP(NamedTuple):
    w: np.ndarray
    b: Any
    use_bias: bool


class EnumP(NamedTuple):
    w: np.ndarray
    act: Act


class FnP(NamedTuple):
    w: np.ndarray
    act: Callable


class Cfg(NamedTuple):
    n_steps: int
    order: int
    name: str


class NestedP(NamedTuple):
    w: np.ndarray
    scale: float
    cfg: Cfg


class FnLayer(NamedTuple):
    W: np.ndarray
    b: np.ndarray
    act: Callable


class NamedTupleLayerP(NamedTuple):
    layer: FnLayer
    cfg: Cfg


class MulP(NamedTuple):
    w: np.ndarray
    k: int
    counts: np.ndarray


@dataclasses.dataclass
class DC:
    w: np.ndarray
    n: int
    mode: str


@dataclasses.dataclass(frozen=True)
class FrozenDC:
    w: np.ndarray
    c: float
    act: Act
    order: Order


@dataclasses.dataclass
class Solver:
    h: float
    n_steps: int
    method: str


@dataclasses.dataclass
class Problem:
    y0: np.ndarray
    k: float
    solver: Solver


@dataclasses.dataclass
class PropDC:
    w: np.ndarray
    k: int

    @property
    def scale(self):
        return self.k * 2

    @property
    def w2(self):
        return self.w**2

    def energy(self, x):
        return np.sum(self.w * x**self.k)


@dataclasses.dataclass
class CallDC:
    W: np.ndarray
    b: np.ndarray
    act: Callable
    n_repeat: int

    def __call__(self, x):
        for _ in range(self.n_repeat):
            x = self.act(self.W @ x + self.b)
        return x


@dataclasses.dataclass
class OptDC:
    w: np.ndarray
    bias: Any
    shift: int


class Layer:
    def __init__(self, W, b, act, n_out):
        self.W = W
        self.b = b
        self.act = act
        self.n_out = n_out

    def __call__(self, x):
        z = self.W @ x + self.b
        if self.act == "tanh":
            return np.tanh(z)
        if self.act == "square":
            return z * z
        return z


class Model:
    def __init__(self, layers, n_iter, idx):
        self.layers = layers
        self.n_iter = n_iter
        self.idx = idx

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def __call__(self, x):
        y = x
        for _ in range(self.n_iter):
            y = self.forward(y) * 0.5 + x
        return np.sum(y[self.idx] ** 2)


class Poly:
    def __init__(self, c, order, var):
        self.c = c
        self.order = order
        self.var = var

    @property
    def degree(self):
        return self.order - 1

    def value(self, x):
        s = 0.0
        for k in range(self.order):
            s = s + self.c[k] * x**k
        return s


class Integrator:
    def __init__(self, rate, steps, dt, rhs):
        self.rate = rate
        self.steps = steps
        self.dt = dt
        self.rhs = rhs

    def run(self, y):
        for _ in range(self.steps):
            y = y + self.dt * self.rhs(y, self.rate)
        return y


def softplus(z):
    return np.log1p(np.exp(z))


def cube(z):
    return z * z * z


def decay(y, rate):
    return -rate * np.sin(y)


def apply_act(name, z):
    if name == "tanh":
        return np.tanh(z)
    if name == "softplus":
        return softplus(z)
    return z


def power_sum(p):
    return np.sum(p.w**p.n)


def sub_cfg_steps(cfg, x, scale):
    for _ in range(cfg.n_steps):
        x = np.sin(x) * scale + x**cfg.order * 0.1
    return x


def layer_call(p, x):
    return p.act(p.W @ x + p.b)


def replace_twice(p):
    p = p._replace(w=p.w * 1.5, n=p.n + 1)
    return np.sum(p.w**p.n)


def scale_by(d, x):
    return x * d["k"] + d["w"] ** d["n"]


# --------------------------------------------------------------------------------------------
# the programs
# --------------------------------------------------------------------------------------------


def nt_pow(p):
    return np.sum(p.w**p.n)


def nt_pow_scaled_x(x, p):
    return np.sum(p.w * x**p.n)


def nt_loop_bound(p, x):
    for _ in range(p.steps):
        x = np.sin(x) * p.a + 0.1
    return np.sum(x**2)


def nt_index_repeat(p):
    return np.sum(np.tanh(p.w[p.idx]) ** 2)


def nt_index_2d(p):
    return np.sum(p.w[p.idx] ** 3)


def nt_mask(p):
    return np.sum(p.w[p.mask] ** 2) + np.sum(np.sin(p.w[~p.mask]))


def nt_mode(p):
    y = p.w * 1.5
    if p.mode == "tanh":
        y = np.tanh(y)
    elif p.mode == "cube":
        y = y**3
    return np.sum(y**p.n)


def nt_replace(p):
    p = p._replace(w=p.w * 1.5, n=p.n + 1)
    return np.sum(p.w**p.n)


def nt_replace_helper(p):
    return replace_twice(p) + np.sum(p.w)


def nt_bias_flag(p, x):
    y = p.w * x
    if p.use_bias:
        y = y + p.b
    return np.sum(np.tanh(y) ** 2)


def nt_bias_none(p, x):
    y = p.w * x
    if p.b is not None:
        y = y + p.b
    return np.sum(np.exp(y * 0.3))


def nt_enum(p):
    if p.act is Act.TANH:
        y = np.tanh(p.w)
    elif p.act == Act.SQUARE:
        y = p.w * p.w
    else:
        y = p.w
    return np.sum(y**2)


def nt_function_field(p, x):
    return np.sum(p.act(p.w * x) ** 2)


def nt_user_function_field(p, x):
    return np.sum(p.act(p.w @ x))


def nt_nested_cfg(p, x):
    for _ in range(p.cfg.n_steps):
        x = x + p.scale * np.sin(x) ** p.cfg.order
    if p.cfg.name == "sum":
        return np.sum(x * p.w)
    return np.prod(x * p.w)


def nt_sub_helper(p, x):
    return np.sum(sub_cfg_steps(p.cfg, x * p.w, p.scale))


def nt_multipliers(p):
    return np.sum(p.k * p.w**2) + np.sum(p.counts * np.sin(p.w)) + np.sum(p.w * p.k)


def nt_negative_exponent(p):
    return np.sum(p.w**p.n)


def nt_computed_exponent(p):
    m = p.n - 1
    return np.sum(p.w ** (m * 2)) + np.sum(p.w ** (p.n // 2))


def nt_whole_to_helper(p):
    return power_sum(p) * 0.5 + np.sum(p.w)


def dict_pow(d):
    return np.sum(d["w"] ** d["n"]) + d["c"] ** d["n"]


def dict_index_scale(d):
    return np.sum(d["w"][d["idx"]] * d["scale"]) ** 2


def dict_mode(d, x):
    z = d["W"] @ x
    if d["mode"] == "softplus":
        z = softplus(z)
    elif d["mode"] == "tanh":
        z = np.tanh(z)
    return np.sum(z**2)


def dict_keys_loop(d):
    s = 0.0
    for k in d["names"]:
        s = s + np.sum(d[k] ** d["n"])
    return s


def dict_get_default(d, x):
    scale = d.get("scale", 1)
    shift = d.get("shift", 0.5)
    return np.sum((d["w"] * x * scale + shift) ** 2)


def dict_nested(d, x):
    h = np.tanh(d["layer"]["W"] @ x + d["layer"]["b"])
    for _ in range(d["cfg"]["n"]):
        h = apply_act(d["cfg"]["act"], h) * 0.9
    return np.sum(h**2)


def dict_none_bool(d, x):
    y = d["w"] * x
    if d["bias"] is not None:
        y = y + d["bias"]
    if d["square"]:
        y = y * y
    return np.sum(y)


def dict_function(d, x):
    return np.sum(d["act"](d["w"] * x)) + np.sum(d["post"](x) * d["w"])


def dict_to_helper(d, x):
    return np.sum(scale_by(d, x) ** 2)


def dict_items_loop(d):
    s = 0.0
    for k, v in d.items():
        if k.startswith("w"):
            s = s + np.sum(v**2) * d["k"]
    return s


def tuple_unpack(p):
    w, n, mode = p
    if mode == "double":
        w = w * 2.0
    return np.sum(w**n)


def tuple_scalar_int(p):
    a, n, b = p
    return a**n + b * n


def tuple_index_count(p, x):
    w, idx, k = p
    y = w[idx] * x[idx]
    for _ in range(k):
        y = np.tanh(y)
    return np.sum(y)


def list_layers_named(layers, x):
    for W, b, act in layers:
        z = W @ x + b
        if act == "tanh":
            x = np.tanh(z)
        else:
            x = z
    return np.sum(x**2)


def list_layers_functions(layers, x):
    for W, b, act in layers:
        x = act(W @ x + b)
    return np.sum(x**2)


def list_layers_index(layers, x):
    for i in range(len(layers)):
        x = layers[i][2](layers[i][0] @ x + layers[i][1])
    return np.sum(x**2)


def dc_replace(p):
    q = dataclasses.replace(p, w=np.tanh(p.w), n=p.n + 1)
    if q.mode == "sum":
        return np.sum(q.w**q.n)
    return np.sum(q.w * p.w**q.n)


def dc_frozen_enum(p, x):
    y = p.w * x
    if p.act == Act.TANH:
        y = np.tanh(y)
    s = 0.0
    for k in range(int(p.order)):
        s = s + p.c * np.sum(y ** (k + 1))
    return s


def dc_intenum_exponent(p, x):
    return np.sum(p.w * x**p.order) * p.order + p.c**p.order


def dc_sub_record(p):
    y = p.y0
    for _ in range(p.solver.n_steps):
        if p.solver.method == "euler":
            y = y - p.solver.h * p.k * y**3
        else:
            y = y - p.solver.h * p.k * np.sin(y)
    return np.sum(y**2)


def dc_replace_loop(p):
    for _ in range(p.solver.n_steps):
        p = dataclasses.replace(p, y0=p.y0 - p.solver.h * p.k * p.y0**2)
    return np.sum(p.y0)


def dc_property(p, x):
    return np.sum(p.w2 * x) * p.scale + np.sum(p.w) / p.k


def dc_method(p, x):
    return p.energy(x) + p.energy(x * 2.0)


def dc_call(m, x):
    return np.sum(m(x) ** 2)


def dc_optional(p, x):
    y = np.roll(p.w, p.shift) * x
    if p.bias is None:
        return np.sum(np.sin(y))
    return np.sum(np.sin(y + p.bias))


def obj_layer(layer, x):
    return np.sum(layer(x) ** 2) / layer.n_out


def obj_model(model, x):
    return model(x)


def obj_model_fixed(x, model):
    return model(x)


def obj_poly(poly, x):
    if poly.var == "x":
        return poly.value(x) * poly.degree
    return poly.value(x * 2.0)


def obj_poly_fixed(x, poly):
    return poly.value(x) + poly.degree * x


def obj_integrator(sim, y):
    return np.sum(sim.run(y) ** 2)


def obj_integrator_fixed(y, sim):
    return np.sum(sim.run(y) ** 2)


def nested_mixed(p, x):
    w = p["params"][0]
    n, mode = p["params"][1]
    opts = p["params"][2]
    y = w * x
    if mode == "tanh":
        y = np.tanh(y)
    return np.sum(y**n) * opts["k"] + np.sum(opts["v"][opts["idx"]])


def list_of_dicts(ps, x):
    s = 0.0
    for p in ps:
        s = s + np.sum((p["W"] @ x) ** p["n"])
    return s


def loop_every(p, x):
    for i in range(p["steps"]):
        if i % p["every"] == 0:
            x = x * p["a"]
        else:
            x = np.sin(x)
    return np.sum(x)


def while_max_iter(p, x):
    k = 0
    while k < p["max_iter"]:
        x = x - p["lr"] * (x**3 - 1.0)
        k += 1
    return np.sum(x**2)


def iterate_int_array(p):
    s = 0.0
    for j in p.idx:
        s = s + p.w[j] ** 2 * (j + 1)
    return s


def comprehension_order(p, x):
    return sum(p["c"][k] * x**k for k in range(p["order"] + 1))


def take_index(p):
    return np.sum(np.take(p.w, p.idx) ** 2) + np.sum(np.take(p.w, p.idx, axis=0) * p.w[0])


def reshape_shape(p):
    m = p["w"].reshape(p["shape"])
    return np.sum(np.tanh(m @ m.T))


def slice_bounds(p):
    return np.sum(p["w"][p["start"] : p["stop"]] ** 2) * np.sum(p["w"][:: p["step"]])


def axis_reduce(p):
    return np.sum(np.sum(p["w"] ** 2, axis=p["axis"]) ** 2)


def norm_ord(p):
    return np.linalg.norm(p["w"], ord=p["ord"]) ** 2


def where_mask(p):
    return np.sum(np.where(p.mask, p.w**2, np.sin(p.w)))


def times_bool_mask(p):
    return np.sum(p.w * p.mask * p.w)


def int_array_powers(p):
    return np.sum(p["w"] ** p["powers"])


def scalar_pow_negative(x, p):
    return x ** p["n"] + p["k"] * x


def scalar_loop_cfg(x, cfg):
    for _ in range(cfg.n_steps):
        x = x - 0.1 * np.sin(x) ** cfg.order
    if cfg.name == "square":
        return x * x
    return x


def local_array_from_int(p):
    a = np.zeros(p["n"])
    for i in range(p["n"]):
        a[i] = p["w"][i] ** (i + 1)
    return np.sum(a * np.arange(p["n"]))


def eye_from_int(p):
    m = np.eye(p["n"]) * p["lam"] + np.outer(p["w"], p["w"])
    return np.sum(m @ m)


def names_list(p):
    s = 0.0
    for name in p["order"]:
        s = s * 0.5 + np.sum(p["values"][name] ** 2)
    return s * len(p["order"])


def fstring_selector(p):
    label = f"{p.mode}-{p.n}"
    if label == "poly-3":
        return np.sum(p.w**3)
    return np.sum(p.w)


def intenum_multiplier(p):
    return np.sum(p.w * p.order.value) + np.sum(p.w**p.order) * p.order


def comb_coefficients(p):
    s = 0.0
    for k in range(p.n + 1):
        s = s + math.comb(p.n, k) * np.sum(p.w**k)
    return s


def int_branch_parity(p):
    if p.n % 2 == 0:
        return np.sum(p.w ** (p.n // 2))
    return np.sum(np.cos(p.w) * max(p.n, 1))


def divide_by_int(p):
    return np.sum(p.w / p.n) + np.sum(p.n / (p.w + 3.0))


def numpy_int_scalars(p):
    return np.sum(p["w"] ** p["n"] * p["k"])


def bool_multiplier(p, x):
    return np.sum(p["w"] * x * p["flag"] + p["w"] ** 2 * (not p["flag"]))


def callable_object_field(p, x):
    return np.sum(p["layer"](x) * p["w"])


def partial_field(p, x):
    return np.sum(p["act"](p["w"] * x))


def helper_in_loop(p, x):
    for _ in range(p.cfg.n_steps):
        x = layer_call(p.layer, x)
    return np.sum(x**p.cfg.order)


def wrt_both(p, x):
    return np.sum(p.w**p.n * np.sin(x))


def negative_base_int_scalar(p):
    return p["c"] ** p["n"] + p["c"] ** (p["n"] + 1) * p["w"][0]


def method_fixed_object(x, p):
    return p.energy(x) * p.scale


def int_field_replaced(p):
    p = p._replace(n=p.n * 2)
    for _ in range(p.n):
        p = p._replace(w=np.sin(p.w) + 0.2)
    return np.sum(p.w**2)


def mode_in_helper(p, x):
    return np.sum(apply_act(p["act"], p["W"] @ x) ** 2)


def cumsum_int_axis(p):
    return np.sum(np.cumsum(p["w"], axis=p["axis"]) ** 2)


def repeat_tile_counts(p):
    return np.sum(np.repeat(p["w"], p["reps"]) ** 2) + np.sum(np.tile(p["w"], p["tiles"]) ** 3)


def stride_slice(p):
    return np.sum(p.w[p.idx[0] :: p.idx[1]] ** 2)


def min_int_exponent(p):
    return np.sum(np.abs(p.w) ** min(p.n, 3)) + np.sum(p.w ** max(p.n, 1))


# --------------------------------------------------------------------------------------------
# the arguments
# --------------------------------------------------------------------------------------------

W3 = np.array([0.7, -1.3, 0.4])
W4 = np.array([0.3, -0.8, 1.1, -0.5])
X3 = np.array([0.5, -0.9, 1.2])
M23 = np.array([[0.2, -0.4, 0.6], [0.5, 0.1, -0.3]])
M33 = np.array([[0.3, -0.2, 0.1], [0.4, 0.2, -0.5], [-0.1, 0.3, 0.2]])
M32 = np.array([[0.3, -0.2], [0.1, 0.4], [0.2, -0.5]])


class Case(NamedTuple):
    fn: Callable
    make: Callable  # () -> args
    wrt: int = 0


def _cfg(n, order, name):
    return Cfg(n_steps=n, order=order, name=name)


def _layers_named():
    return [(M33 * 1.0, W3 * 0.1, "tanh"), (M23 * 1.0, np.array([0.1, -0.2]), "linear")]


def _model():
    layers = [Layer(M33 * 0.8, W3 * 0.1, "tanh", 3), Layer(M33.T * 0.5, -W3 * 0.1, "square", 3)]
    return Model(layers, 2, np.array([0, 2, 2]))


CASES = {
    "nt_pow_int": Case(nt_pow, lambda: (PowP(W3.copy(), 3),)),
    "nt_pow_npint": Case(nt_pow, lambda: (PowP(W3.copy(), np.int64(4)),)),
    "nt_pow_x_passive_record": Case(nt_pow_scaled_x, lambda: (X3.copy(), PowP(W3.copy(), 3))),
    "nt_loop_bound": Case(nt_loop_bound, lambda: (StepP(0.9, 3), X3.copy())),
    "nt_index_repeat": Case(nt_index_repeat, lambda: (IdxP(W4.copy(), np.array([0, 2, 2, 3])),)),
    "nt_index_2d": Case(nt_index_2d, lambda: (IdxP(W4.copy(), np.array([[0, 1], [3, 3]])),)),
    "nt_mask": Case(nt_mask, lambda: (MaskP(W4.copy(), np.array([True, False, True, False])),)),
    "nt_mode_tanh": Case(nt_mode, lambda: (ModeP(W3.copy(), "tanh", 2),)),
    "nt_mode_cube_negative": Case(nt_mode, lambda: (ModeP(W3.copy(), "cube", 3),)),
    "nt_replace": Case(nt_replace, lambda: (PowP(W3.copy(), 2),)),
    "nt_replace_in_helper": Case(nt_replace_helper, lambda: (PowP(W3.copy(), 2),)),
    "nt_bool_flag": Case(nt_bias_flag, lambda: (BiasP(W3.copy(), W3[::-1].copy(), True), X3)),
    "nt_bool_flag_off": Case(nt_bias_flag, lambda: (BiasP(W3.copy(), W3[::-1] * 1.0, False), X3)),
    "nt_none_field": Case(nt_bias_none, lambda: (BiasP(W3.copy(), None, False), X3.copy())),
    "nt_enum": Case(nt_enum, lambda: (EnumP(W3.copy(), Act.TANH),)),
    "nt_enum_square": Case(nt_enum, lambda: (EnumP(W3.copy(), Act.SQUARE),)),
    "nt_numpy_function_field": Case(nt_function_field, lambda: (FnP(W3.copy(), np.tanh), X3)),
    "nt_user_function_field": Case(
        nt_user_function_field, lambda: (FnP(M23.copy(), softplus), X3.copy())
    ),
    "nt_nested_cfg_sum": Case(
        nt_nested_cfg, lambda: (NestedP(W3.copy(), 0.3, _cfg(3, 2, "sum")), X3.copy())
    ),
    "nt_nested_cfg_prod": Case(
        nt_nested_cfg, lambda: (NestedP(W3.copy(), 0.3, _cfg(2, 3, "prod")), X3.copy())
    ),
    "nt_nested_cfg_wrt_x": Case(
        nt_nested_cfg, lambda: (NestedP(W3.copy(), 0.3, _cfg(2, 3, "sum")), X3.copy()), 1
    ),
    "nt_sub_record_helper": Case(
        nt_sub_helper, lambda: (NestedP(W3.copy(), 0.7, _cfg(2, 2, "x")), X3.copy())
    ),
    "nt_int_multipliers": Case(nt_multipliers, lambda: (MulP(W3.copy(), 3, np.array([1, 0, 2])),)),
    "nt_negative_int_exponent": Case(nt_negative_exponent, lambda: (PowP(W3.copy(), -2),)),
    "nt_computed_exponent": Case(nt_computed_exponent, lambda: (PowP(W3.copy(), 3),)),
    "nt_whole_record_helper": Case(nt_whole_to_helper, lambda: (PowP(W3.copy(), 3),)),
    "dict_pow_negative_scalar": Case(dict_pow, lambda: ({"w": W3.copy(), "n": 3, "c": -1.5},)),
    "dict_index_scale": Case(
        dict_index_scale, lambda: ({"w": W4.copy(), "idx": np.array([3, 1, 1]), "scale": 2},)
    ),
    "dict_mode_softplus": Case(
        dict_mode, lambda: ({"W": M23.copy(), "mode": "softplus"}, X3.copy())
    ),
    "dict_mode_tanh_wrt_x": Case(
        dict_mode, lambda: ({"W": M23.copy(), "mode": "tanh"}, X3.copy()), 1
    ),
    "dict_names_loop": Case(
        dict_keys_loop,
        lambda: ({"a": W3.copy(), "b": -W4, "names": ("a", "b"), "n": 3},),
    ),
    "dict_get_default": Case(dict_get_default, lambda: ({"w": W3.copy(), "scale": 3}, X3.copy())),
    "dict_nested_cfg": Case(
        dict_nested,
        lambda: (
            {"layer": {"W": M33.copy(), "b": W3 * 0.1}, "cfg": {"n": 2, "act": "softplus"}},
            X3.copy(),
        ),
    ),
    "dict_none_bool": Case(
        dict_none_bool, lambda: ({"w": W3.copy(), "bias": None, "square": True}, X3.copy())
    ),
    "dict_function_values": Case(
        dict_function,
        lambda: ({"w": W3.copy(), "act": np.sin, "post": cube}, X3.copy()),
    ),
    "dict_to_helper": Case(dict_to_helper, lambda: ({"w": W3.copy(), "k": 2, "n": 3}, X3.copy())),
    "dict_items_loop": Case(
        dict_items_loop,
        lambda: ({"w1": W3.copy(), "k": 3, "w2": W4.copy(), "mode": "x", "idx": np.array([1])},),
    ),
    "tuple_unpack_mode": Case(tuple_unpack, lambda: ((W3.copy(), 3, "double"),)),
    "tuple_scalar_int": Case(tuple_scalar_int, lambda: ((-1.3, 3, 0.7),)),
    "tuple_index_count": Case(
        tuple_index_count, lambda: ((W4.copy(), np.array([0, 3, 3]), 2), W4[::-1].copy())
    ),
    "list_layers_named_acts": Case(list_layers_named, lambda: (_layers_named(), X3.copy())),
    "list_layers_named_wrt_x": Case(list_layers_named, lambda: (_layers_named(), X3.copy()), 1),
    "list_layers_functions": Case(
        list_layers_functions,
        lambda: ([(M33.copy(), W3 * 0.1, np.tanh), (M23.copy(), W3[:2] * 1.0, softplus)], X3),
    ),
    "list_layers_indexed_functions": Case(
        list_layers_index,
        lambda: ([(M33.copy(), W3 * 0.1, np.tanh), (M23.copy(), W3[:2] * 1.0, softplus)], X3),
    ),
    "dc_replace": Case(dc_replace, lambda: (DC(W3.copy(), 2, "sum"),)),
    "dc_replace_other_mode": Case(dc_replace, lambda: (DC(W3.copy(), 2, "mix"),)),
    "dc_frozen_enum": Case(
        dc_frozen_enum, lambda: (FrozenDC(W3.copy(), 0.8, Act.TANH, Order.THREE), X3.copy())
    ),
    "dc_intenum_exponent": Case(
        dc_intenum_exponent,
        lambda: (FrozenDC(W3.copy(), -1.2, Act.LINEAR, Order.THREE), X3.copy()),
    ),
    "dc_sub_record_euler": Case(
        dc_sub_record, lambda: (Problem(W3.copy(), 0.8, Solver(0.1, 4, "euler")),)
    ),
    "dc_sub_record_sin": Case(
        dc_sub_record, lambda: (Problem(W3.copy(), 0.8, Solver(0.1, 3, "sin")),)
    ),
    "dc_replace_in_loop": Case(
        dc_replace_loop, lambda: (Problem(W3.copy(), 0.8, Solver(0.1, 3, "euler")),)
    ),
    "dc_properties": Case(dc_property, lambda: (PropDC(W3.copy(), 3), X3.copy())),
    "dc_method": Case(dc_method, lambda: (PropDC(W3.copy(), 3), X3.copy())),
    "dc_method_fixed_wrt_x": Case(method_fixed_object, lambda: (X3.copy(), PropDC(W3.copy(), 3))),
    "dc_call_function_field": Case(
        dc_call, lambda: (CallDC(M33.copy(), W3 * 0.1, np.tanh, 2), X3.copy())
    ),
    "dc_call_user_function_wrt_x": Case(
        dc_call, lambda: (CallDC(M33 * 0.5, W3 * 0.1, softplus, 2), X3.copy()), 1
    ),
    "dc_optional_none_roll": Case(dc_optional, lambda: (OptDC(W3.copy(), None, 1), X3.copy())),
    "dc_optional_bias_roll": Case(
        dc_optional, lambda: (OptDC(W3.copy(), W3[::-1].copy(), -1), X3.copy())
    ),
    "obj_layer_tanh": Case(obj_layer, lambda: (Layer(M33.copy(), W3 * 0.1, "tanh", 3), X3)),
    "obj_layer_square": Case(obj_layer, lambda: (Layer(M23.copy(), W3[:2] * 1.0, "square", 2), X3)),
    "obj_model": Case(obj_model, lambda: (_model(), X3.copy())),
    "obj_model_fixed_wrt_x": Case(obj_model_fixed, lambda: (X3.copy(), _model())),
    "obj_poly_property": Case(obj_poly, lambda: (Poly(W4.copy(), 4, "x"), -1.3)),
    "obj_poly_fixed_scalar": Case(obj_poly_fixed, lambda: (-1.3, Poly(W4.copy(), 4, "x"))),
    "obj_integrator_function_field": Case(
        obj_integrator, lambda: (Integrator(0.7, 3, 0.2, decay), X3.copy())
    ),
    "obj_integrator_fixed_wrt_y": Case(
        obj_integrator_fixed, lambda: (X3.copy(), Integrator(0.7, 3, 0.2, decay))
    ),
    "nested_mixed": Case(
        nested_mixed,
        lambda: (
            {"params": (W3.copy(), (3, "tanh"), {"k": 2, "v": W4.copy(), "idx": np.array([0, 0])})},
            X3.copy(),
        ),
    ),
    "list_of_dicts": Case(
        list_of_dicts,
        lambda: ([{"W": M23.copy(), "n": 2}, {"W": M33.copy(), "n": 3}], X3.copy()),
    ),
    "loop_every": Case(loop_every, lambda: ({"steps": 4, "every": 2, "a": 1.1}, X3.copy())),
    "while_max_iter": Case(while_max_iter, lambda: ({"max_iter": 3, "lr": 0.1}, X3.copy())),
    "iterate_int_array": Case(iterate_int_array, lambda: (IdxP(W4.copy(), np.array([3, 0, 3])),)),
    "comprehension_order": Case(comprehension_order, lambda: ({"c": W4.copy(), "order": 3}, -0.8)),
    "comprehension_order_wrt_x": Case(
        comprehension_order, lambda: ({"c": W4.copy(), "order": 3}, -0.8), 1
    ),
    "take_index": Case(take_index, lambda: (IdxP(W4.copy(), np.array([2, 2, 0])),)),
    "reshape_shape_tuple": Case(
        reshape_shape, lambda: ({"w": np.linspace(-1.0, 1.0, 6), "shape": (2, 3)},)
    ),
    "slice_bounds": Case(
        slice_bounds, lambda: ({"w": W4.copy(), "start": 1, "stop": 3, "step": 2},)
    ),
    "axis_reduce": Case(axis_reduce, lambda: ({"w": M23.copy(), "axis": 1},)),
    "norm_ord_int": Case(norm_ord, lambda: ({"w": W3.copy(), "ord": 3},)),
    "where_bool_mask": Case(
        where_mask, lambda: (MaskP(W4.copy(), np.array([True, False, False, True])),)
    ),
    "times_bool_mask": Case(
        times_bool_mask, lambda: (MaskP(W4.copy(), np.array([True, False, True, True])),)
    ),
    "int_array_powers_negative_base": Case(
        int_array_powers, lambda: ({"w": W4.copy(), "powers": np.array([1, 2, 3, 4])},)
    ),
    "scalar_pow_negative_base_gradgrad": Case(
        scalar_pow_negative, lambda: (-1.4, {"n": 3, "k": 2})
    ),
    "scalar_loop_cfg_gradgrad": Case(scalar_loop_cfg, lambda: (0.9, _cfg(3, 2, "square"))),
    "local_array_from_int": Case(local_array_from_int, lambda: ({"w": W4.copy(), "n": 3},)),
    "eye_from_int": Case(eye_from_int, lambda: ({"w": W3.copy(), "n": 3, "lam": 0.5},)),
    "names_list": Case(
        names_list,
        lambda: ({"order": ["b", "a"], "values": {"a": W3.copy(), "b": W4.copy()}},),
    ),
    "fstring_selector": Case(fstring_selector, lambda: (ModeP(W3.copy(), "poly", 3),)),
    "intenum_multiplier": Case(
        intenum_multiplier, lambda: (FrozenDC(W3.copy(), 0.5, Act.LINEAR, Order.TWO),)
    ),
    "comb_coefficients": Case(comb_coefficients, lambda: (PowP(W3.copy(), 3),)),
    "int_branch_parity_even": Case(int_branch_parity, lambda: (PowP(W3.copy(), 4),)),
    "int_branch_parity_odd": Case(int_branch_parity, lambda: (PowP(W3.copy(), 3),)),
    "divide_by_int": Case(divide_by_int, lambda: (PowP(W3.copy(), -3),)),
    "numpy_int_scalars": Case(
        numpy_int_scalars, lambda: ({"w": W3.copy(), "n": np.int32(3), "k": np.int64(-2)},)
    ),
    "bool_multiplier": Case(bool_multiplier, lambda: ({"w": W3.copy(), "flag": True}, X3.copy())),
    "callable_object_field": Case(
        callable_object_field,
        lambda: ({"w": W3.copy(), "layer": Layer(M33.copy(), W3 * 0.1, "tanh", 3)}, X3.copy()),
    ),
    "partial_field": Case(
        partial_field,
        lambda: ({"w": W3.copy(), "act": functools.partial(apply_act, "softplus")}, X3.copy()),
    ),
    "helper_in_loop_sub_records": Case(
        helper_in_loop,
        lambda: (
            NamedTupleLayerP(FnLayer(M33 * 0.6, W3 * 0.1, np.tanh), _cfg(3, 3, "x")),
            X3.copy(),
        ),
    ),
    "wrt_x_with_int_record": Case(wrt_both, lambda: (PowP(W3.copy(), 3), X3.copy()), 1),
    "negative_base_int_scalar_leaf": Case(
        negative_base_int_scalar, lambda: ({"c": -0.7, "n": 3, "w": W3.copy()},)
    ),
    "int_field_replaced_loop_bound": Case(int_field_replaced, lambda: (PowP(W3.copy(), 2),)),
    "mode_in_helper": Case(
        mode_in_helper, lambda: ({"W": M23.copy(), "act": "softplus"}, X3.copy())
    ),
    "cumsum_int_axis": Case(cumsum_int_axis, lambda: ({"w": M23.copy(), "axis": 0},)),
    "repeat_tile_counts": Case(
        repeat_tile_counts, lambda: ({"w": W3.copy(), "reps": np.array([1, 0, 2]), "tiles": 2},)
    ),
    "stride_slice_from_int_array": Case(stride_slice, lambda: (IdxP(W4.copy(), np.array([1, 2])),)),
    "min_max_int_exponent": Case(min_int_exponent, lambda: (PowP(W3.copy(), 5),)),
}


# --------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------


def run_check(name, check):
    case = CASES[name]
    args = case.make()
    f, wrt = case.fn, case.wrt
    x0 = args[wrt]
    n = flat(x0).size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if check == "value_and_grad":
            plain = f(*case.make())
            value, g = ad.value_and_grad(f, wrt)(*args)
            np.testing.assert_allclose(value, plain, rtol=1e-13, atol=0.0)
            assert_close(flat_like(g, x0), cd_grad(f, args, wrt))
        elif check == "hessian":
            h = matrix_like(ad.hessian(f, wrt)(*args), x0)
            assert_close(h, cd_hessian(f, args, wrt))
            np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-10)
        elif check == "jacfwd_grad":
            check_second(matrix_like(ad.jacfwd(ad.grad(f, wrt), wrt)(*args), x0), f, args, wrt)
        elif check == "jacrev_grad":
            check_second(matrix_like(ad.jacrev(ad.grad(f, wrt), wrt)(*args), x0), f, args, wrt)
        elif check == "jvp_grad":
            v = direction(n)
            g, hv = ad.jvp(ad.grad(f, wrt), list(args), tangents_for(args, wrt, v))
            assert_close(flat_like(g, x0), flat_like(ad.grad(f, wrt)(*args), x0), 1e-12, 0.0)
            assert_close(flat_like(hv, x0), cd_hvp(f, args, wrt, v))
        elif check == "vjp_grad":
            u = direction(n, seed=11)
            g, pullback = ad.vjp(ad.grad(f, wrt), *args)
            assert_close(flat_like(g, x0), flat_like(ad.grad(f, wrt)(*args), x0), 1e-12, 0.0)
            cts = pullback(unflat(x0, u))
            assert_close(flat_like(cts[wrt], x0), cd_hvp(f, args, wrt, u))
        elif check == "hvp":
            v = direction(n, seed=3)
            g, hv = ad.hvp(f, list(args), tangents_for(args, wrt, v))
            if isinstance(g, tuple) and not is_float_leaf(x0) and not isinstance(x0, tuple):
                g, hv = g[wrt], hv[wrt]
            assert_close(flat_like(g, x0), flat_like(ad.grad(f, wrt)(*args), x0), 1e-12, 0.0)
            assert_close(flat_like(hv, x0), cd_hvp(f, args, wrt, v))
        elif check == "grad_grad":
            gg = ad.grad(ad.grad(f, wrt), wrt)(*args)
            check_second(np.reshape(np.asarray(gg, dtype=float), (1, 1)), f, args, wrt)
        else:
            raise AssertionError(check)


def checks_of(name):
    case = CASES[name]
    x0 = case.make()[case.wrt]
    out = ["value_and_grad", "hessian", "jacfwd_grad", "jacrev_grad", "jvp_grad", "vjp_grad"]
    if is_float_leaf(x0) and np.ndim(x0) == 0:
        out.append("grad_grad")
    else:
        out.append("hvp")
    return out


TRANSFORM = {
    "vg": "value_and_grad(f)",
    "h": "hessian(f)",
    "jf": "jacfwd(grad(f))",
    "jr": "jacrev(grad(f))",
    "jv": "jvp(grad(f))",
    "vj": "vjp(grad(f))",
    "hvp": "hvp(f)",
    "gg": "grad(grad(f))",
}
CHECK = {
    "value_and_grad": "vg",
    "hessian": "h",
    "jacfwd_grad": "jf",
    "jacrev_grad": "jr",
    "jvp_grad": "jv",
    "vjp_grad": "vj",
    "hvp": "hvp",
    "grad_grad": "gg",
}
_TYPES = (
    "not the argument's class (README: derivatives keep the argument's structure and types; "
    "grad, hessian and hvp do)"
)
LIST = (
    f"the derivative of a NamedTuple argument comes back as a plain list (`Derivatives`), {_TYPES}"
)
DICT = f"the derivative of a dataclass or object argument comes back as a plain dict, {_TYPES}"
COT = (
    "the pullback refuses a cotangent of the argument's own class ('the cotangent is not "
    "structured like the output': grad(f)'s output is taken as a dict there)"
)
STATIC = (
    "a derivative where None is right (the leaf holds an int, bool, str, int array or "
    "function), at the static leaf "
)
NAN = (
    "NaN rows where central differences are finite: the derivative with respect to an int "
    "exponent (log of a negative base) leaks into the float entries"
)
REFUSED_INT = (
    "refused ('... has no derivative with respect to its argument, which depends on the "
    "differentiated input'): the int leaf of the record is taken as differentiated, "
)
INTERNAL = "internal error (EvaluationError) in the derivative code: "
REFUSED_LOOP_FN = (
    "refused: 'call of `act`, a function held in a local variable' for `for W, b, act in "
    "layers: act(...)` (README: functions in lists and `for W, b in params` work)"
)
REFUSED_INDEX_FN = (
    "refused: 'call of `layers[i][2]`, a function taken from a value computed in the "
    "function' (the README documents this refusal: a function at a computed index)"
)
REFUSED_HELPER_FN = (
    "refused: 'method `.act()` of a local value' when a helper receives a NamedTuple holding "
    "a function (`p.act(...)` in the differentiated function itself works)"
)
ENUM_LEAF = "the gradient's Enum leaf is a made-up member `<Act.None: None>` instead of None"
ENUM_ZIP = "internal ValueError: 'zip() argument 2 is shorter than argument 1' (an Enum leaf)"
ENUM_TANGENT = (
    "a tangent with None at an IntEnum leaf is refused: 'the tangent for `p` is not "
    "structured like its primal'"
)
INTENUM = (
    "TypeError in s2s_ad/runtime/records.py making the derivative record of a frozen "
    "dataclass with an IntEnum field: 'object.__new__(Order) is not safe, use int.__new__()'"
)

XFAIL: dict[tuple[str, str], str] = {}


def _xf(name, checks, reason):
    for check in checks.split():
        XFAIL[(name, check)] = f"{TRANSFORM[check]}: {reason}"


_xf("nt_enum", "vg hvp", ENUM_LEAF)
_xf("nt_enum", "h", STATIC + "`act`: a block")
_xf("nt_enum", "jf", ENUM_ZIP)
_xf("nt_enum", "jr jv vj", LIST)
_xf("nt_enum_square", "vg hvp", ENUM_LEAF)
_xf("nt_enum_square", "h", STATIC + "`act`: a block")
_xf("nt_enum_square", "jf", ENUM_ZIP)
_xf("nt_enum_square", "jr jv vj", LIST)
_xf("dict_get_default", "vj", STATIC + "`scale`: 12.330800000000002")
# (dict_items_loop "h jf": INTERNAL TypeError: len(None) before session 16's one list tangent)
_xf("list_layers_functions", "vg h jf jr jv vj hvp", REFUSED_LOOP_FN)
_xf("list_layers_indexed_functions", "vg h jf jr jv vj hvp", REFUSED_INDEX_FN)
_xf("dc_frozen_enum", "vg h jf jr vj hvp", INTENUM)
_xf("dc_frozen_enum", "jv", ENUM_TANGENT)
_xf("dc_intenum_exponent", "vg h jf jr vj hvp", INTENUM)
_xf("dc_intenum_exponent", "jv", ENUM_TANGENT)
_xf("intenum_multiplier", "vg h jf jr vj hvp", INTENUM)
_xf("intenum_multiplier", "jv", ENUM_TANGENT)
_xf("helper_in_loop_sub_records", "vg h jf jr jv vj hvp", REFUSED_HELPER_FN)


def _params():
    out = []
    for name in CASES:
        for check in checks_of(name):
            reason = XFAIL.get((name, CHECK[check]))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(name, check, id=f"{name}-{check}", marks=marks))
    return out


@pytest.mark.parametrize(("name", "check"), _params())
def test_static_leaves(name, check):
    try:
        run_check(name, check)
    except Exception as e:  # one line per failure: the reasons above quote these messages
        message = " ".join(str(e).split())[:600]
        pytest.fail(f"{name} {check}: {type(e).__name__}: {message}", pytrace=False)
