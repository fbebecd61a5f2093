# ruff: noqa: B905, RUF005, E731, RUF015, RUF012, B010, B009, RUF007, RUF059, E501
"""The 155th independent tester's programs (session 58): helpers that change module state in
place, and module arrays and values read before and after such a call, directly or through
local containers built every way Python offers.

Written from the README alone (s2s_ad's source and tests not read). Each program is a
realistic fragment of a training loop, scheduler, running statistics, cache, config or small
model; `reset()` restores every piece of module state in place (the same objects, their
original values). For every program and every API the derivative must equal what the plain
call computes (the helper really mutates the arrays, so a read after it sees the new values):
the value equals one plain call's, the module state after the call equals the plain call's,
the first derivative matches central differences (h = 1e-6, state reset before each
evaluation), forward mode equals reverse mode, and the Hessian matches central second
differences of the plain call (h = 1e-4). Programs marked `may_refuse` store a value that
depends on `x` into module state and read it back: a clear `S2SError` naming this file and
line is acceptable there; elsewhere a refusal is an over-refusal.

266 programs under 8 APIs: 1,713 checks pass, 417 are strict xfails in ten classes
(`FAILURE_CLASSES` below, each with a minimal repro; every case holds its numbers): six give
silent wrong numbers (a setter partial reached through a container, default, closure or helper
argument, in reverse mode; x-dependent stores through setter partials or a module object's
method; x-dependent stores into a module array read back through a local container made
before the call; a repeated module list `WS * 1`; a list updated by a module object's own
method or a class attribute's list; a closure model, whose Hessian runs its step twice), four
are over-refusals. Recorded failures raise `pytest.xfail.Exception` without a traceback, so
pytest does not parse this long file once per expected failure.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import operator
import os
import types

import numpy as np
import pytest

import s2s_ad as ad

THIS_FILE = os.path.basename(__file__)

# ----------------------------------------------------------------------------------------
# Module state
# ----------------------------------------------------------------------------------------


def _a(*v):
    return np.array(v, dtype=float)


WS = [_a(0.3, -0.2, 0.5), _a(0.1, 0.4, -0.6), _a(-0.5, 0.2, 0.7)]
VEL = [_a(0.05, 0.0, -0.05), _a(0.0, 0.1, 0.0), _a(-0.1, 0.0, 0.1)]
W = np.array([[1.4, -0.3, 0.2], [0.5, -1.6, 0.1], [0.3, 0.8, 1.2]])
B = _a(0.1, -0.2, 0.3)
CFG = {"lr": 0.1, "decay": 0.5, "mom": 0.9, "scale": 1.5}
STATS = {"mean": _a(0.2, -0.1, 0.4), "var": _a(1.0, 0.5, 2.0), "n": 3}
PARAMS = {"w1": _a(0.6, -0.4, 0.2), "w2": _a(-0.3, 0.9, 0.5), "b": _a(0.05, 0.1, -0.15)}
NESTED = [[_a(0.2, 0.3, -0.1), _a(0.7, -0.2, 0.4)], [_a(-0.6, 0.5, 0.1)]]
GROUPS = {"enc": [_a(0.4, 0.1, -0.3), _a(-0.2, 0.6, 0.2)], "dec": [_a(0.5, -0.5, 0.3)]}
NAMES = ["a", "b", "c"]
K = 1
ORDER = [2, 0]
CACHE = {}


class Net:
    def __init__(self, layers, scale):
        self.layers = layers
        self.scale = scale

    def forward(self, x):
        h = x
        for layer in self.layers:
            h = np.tanh(layer * h + 0.1)
        return np.sum(h * self.scale)

    def shrink(self):
        for layer in self.layers:
            layer *= 0.8

    def rescale(self):
        self.scale = self.scale * 0.5


class Opt:
    def __init__(self, lr):
        self.lr = lr

    def step(self, params):
        for p in params:
            p -= self.lr * np.cos(p)


class Bag:
    def __init__(self, ws):
        self.ws = ws


class Registry:
    weights = [_a(0.25, -0.35, 0.45), _a(-0.15, 0.55, 0.05)]


def _make_closure_model():
    ws = [_a(0.35, 0.15, -0.25), _a(0.65, -0.45, 0.2)]

    def step():
        for w in ws:
            w *= 0.7

    def loss(x):
        a = np.sum(np.sin(ws[0] * x))
        step()
        return a + np.sum(np.sin(ws[0] * x)) * np.sum(np.cos(ws[1] * x))

    def loss_copy(x):
        kept = list(ws)
        step()
        return np.sum(np.sin(kept[1] * x)) + np.sum(np.tanh(kept[0] * x))

    return ws, loss, loss_copy


CLOSURE_WS, CLOSURE_LOSS, CLOSURE_LOSS_COPY = _make_closure_model()
LR = 0.1
NET = Net([_a(0.9, -0.7, 0.3), _a(0.4, 0.8, -0.5)], 1.2)
OPT = Opt(0.1)
SET_LR = functools.partial(setattr, OPT, "lr")
SET_CFG_LR = functools.partial(CFG.__setitem__, "lr")
SETTERS = {"lr": SET_LR, "cfg": SET_CFG_LR}
SETTER_LIST = [SET_LR, SET_CFG_LR]


def _make_setter():
    setter = functools.partial(setattr, OPT, "lr")

    def set_it(v):
        setter(v)

    return set_it


SET_VIA_CLOSURE = _make_setter()

_ARRAYS = [
    *WS,
    *VEL,
    W,
    B,
    *STATS.values(),
    *PARAMS.values(),
    *NESTED[0],
    *NESTED[1],
    *GROUPS["enc"],
    *GROUPS["dec"],
    *NET.layers,
    *Registry.weights,
    *CLOSURE_WS,
]
_ARRAYS = [a for a in _ARRAYS if isinstance(a, np.ndarray)]
_VALUES = [a.copy() for a in _ARRAYS]
_LAYOUT = (
    list(WS),
    list(VEL),
    dict(CFG),
    dict(STATS),
    dict(PARAMS),
    (list(NESTED), [list(g) for g in NESTED]),
    (dict(GROUPS), {k: list(v) for k, v in GROUPS.items()}),
    list(NET.layers),
    list(Registry.weights),
    list(CLOSURE_WS),
)


def reset():
    """Put every piece of module state back: the same objects, their original values."""
    global LR
    ws, vel, cfg, stats, params, nested, groups, layers, reg, clo = _LAYOUT
    for a, v in zip(_ARRAYS, _VALUES):
        a[...] = v
    WS[:] = ws
    VEL[:] = vel
    CFG.clear()
    CFG.update(cfg)
    STATS.clear()
    STATS.update(stats)
    PARAMS.clear()
    PARAMS.update(params)
    NESTED[:] = nested[0]
    for g, items in zip(*nested):
        g[:] = items
    GROUPS.clear()
    GROUPS.update(groups[0])
    for k, items in groups[1].items():
        GROUPS[k][:] = items
    NET.layers[:] = layers
    NET.scale = 1.2
    Registry.weights[:] = reg
    CLOSURE_WS[:] = clo
    LR = 0.1
    OPT.lr = 0.1
    CACHE.clear()


def snapshot():
    return copy.deepcopy(
        {
            "WS": WS,
            "VEL": VEL,
            "W": W,
            "B": B,
            "CFG": CFG,
            "STATS": STATS,
            "PARAMS": PARAMS,
            "NESTED": NESTED,
            "GROUPS": GROUPS,
            "NET": (NET.layers, NET.scale),
            "OPT": OPT.lr,
            "CACHE": CACHE,
            "Registry": Registry.weights,
            "CLOSURE_WS": CLOSURE_WS,
            "LR": LR,
        }
    )


# ----------------------------------------------------------------------------------------
# The user's helpers that change module state in place
# ----------------------------------------------------------------------------------------


def sgd_step():
    for w in WS:
        w -= CFG["lr"] * np.sin(w)


def momentum_step():
    for v, w in zip(VEL, WS):
        v *= CFG["mom"]
        v += np.cos(w)
        w -= CFG["lr"] * v


def decay_lr():
    CFG["lr"] *= CFG["decay"]


def update_stats_const():
    STATS["mean"] += 0.1 * (WS[0] - STATS["mean"])
    STATS["var"] *= 0.9
    STATS["n"] += 1


def update_stats(v):
    STATS["mean"] *= 0.9
    STATS["mean"] += 0.1 * v
    STATS["n"] += 1


def count_batch(v):
    STATS["n"] += 1


def clip_W():
    np.clip(W, -1.0, 1.0, out=W)


def bump_W_row():
    W[0] += 0.25


def set_opt_lr(v):
    OPT.lr = v


def setattr_lr(v):
    setattr(OPT, "lr", v)


def partial_lr(v):
    SET_LR(v)


def partial_cfg_lr(v):
    SET_CFG_LR(v)


def dict_setter_lr(v):
    SETTERS["lr"](v)


def list_setter_cfg(v):
    SETTER_LIST[1](v)


def default_setter_lr(v, setter=SET_LR):
    setter(v)


def closure_setter_lr(v):
    SET_VIA_CLOSURE(v)


def fill_cache():
    CACHE["tW"] = np.tanh(W)


def cache_value(v):
    CACHE["y"] = v


def cached_features():
    if "feat" not in CACHE:
        CACHE["feat"] = np.cos(W) * 0.5
    return CACHE["feat"]


def scale_params():
    for k in PARAMS:
        PARAMS[k] *= 0.5


def scale_params_items():
    for _k, v in PARAMS.items():
        v *= 0.5


def rebind_params():
    PARAMS["w1"] = PARAMS["w1"] * 0.5


def nested_step():
    for grp in NESTED:
        for a in grp:
            a += 0.1


def groups_step():
    for lst in GROUPS.values():
        for a in lst:
            a *= 1.1


def net_step():
    NET.shrink()


def x_step(g):
    for w in WS:
        w -= CFG["lr"] * g


def slice_assign_step():
    for w in WS:
        w[:] = w - CFG["lr"] * np.tanh(w)


def copyto_step():
    for w in WS:
        np.copyto(w, w * 0.9 + 0.01)


def ufunc_out_step():
    for w in WS:
        np.multiply(w, 0.8, out=w)


def element_step():
    WS[0][1] = 0.9
    WS[2][0] -= 0.3


def ellipsis_step():
    W[...] = np.tanh(W)


def rebind_all_params():
    for k in list(PARAMS):
        PARAMS[k] = PARAMS[k] * 0.5


def grow_ws():
    WS.append(np.full(3, 0.1))


def global_decay():
    global LR
    LR *= 0.5


def train_step():
    sgd_step()
    decay_lr()


def step_and_norm():
    sgd_step()
    return float(np.sum(WS[0] ** 2))


def scale_list(ws, c):
    for w in ws:
        w *= c


STEP_HALF = functools.partial(scale_list, WS, 0.5)


def registry_step():
    for w in Registry.weights:
        w -= 0.2 * np.sin(w)


def swap_ws():
    WS[0], WS[1] = WS[1], WS[0]


def dict_setter_cfg(v):
    SETTERS["cfg"](v)


def list_setter_opt(v):
    SETTER_LIST[0](v)


def default_setter_cfg(v, setter=SET_CFG_LR):
    setter(v)


def _make_cfg_setter():
    setter = functools.partial(CFG.__setitem__, "lr")

    def set_it(v):
        setter(v)

    return set_it


SET_CFG_VIA_CLOSURE = _make_cfg_setter()
SET_OP = functools.partial(operator.setitem, CFG, "lr")
SET_LAMBDA = lambda v: setattr(OPT, "lr", v)
SET_W0 = functools.partial(WS[0].__setitem__, 0)


def closure_setter_cfg(v):
    SET_CFG_VIA_CLOSURE(v)


def operator_setter_cfg(v):
    SET_OP(v)


def lambda_setter_lr(v):
    SET_LAMBDA(v)


def array_item_setter(v):
    SET_W0(v)


class Sched:
    def __init__(self, opt):
        self.opt = opt

    def step(self):
        self.opt.lr *= 0.5

    def set(self, v):
        self.opt.lr = v


SCHED = Sched(OPT)


def stats_update_method(v):
    STATS.update(mean=v)


def copyto_store(v):
    np.copyto(WS[0], v)


def slice_store(v):
    WS[0][:] = v


def add_store(v):
    WS[0] += v


def setdefault_store(v):
    CACHE.setdefault("y", v)


def params_store(v):
    PARAMS["w1"] += v


def layers_store(v):
    for layer in NET.layers:
        layer += 0.1 * v


STEP_LAMBDA = lambda: sgd_step()
HOOKS = {"step": sgd_step, "decay": decay_lr}
HOOK_LIST = [sgd_step, decay_lr]
SETTER_TUPLE = (SET_LR, SET_CFG_LR)


class Stepper:
    def __init__(self, ws, lr):
        self.ws = ws
        self.lr = lr

    def __call__(self):
        for w in self.ws:
            w -= self.lr * np.sin(w)


STEPPER = Stepper(WS, 0.1)
BOUND_SHRINK = NET.shrink


class OptSetters:
    setter = SET_LR


def apply_setter(setter, v):
    setter(v)


def getattr_setter(v):
    getattr(OPT, "__setattr__")("lr", v)


def set_lr_method_x(v):
    OPT.__dict__["lr"] = v


def opt_setter_class_attr(v):
    OptSetters.setter(v)


def tuple_setter_lr(v):
    SETTER_TUPLE[0](v)


# ----------------------------------------------------------------------------------------
# Programs: a. local containers of a module list, across an optimiser step
# ----------------------------------------------------------------------------------------


def a01_comprehension(x):
    ws = [w for w in WS]
    a = np.sum(np.sin(ws[0] * x))
    sgd_step()
    return a + np.sum(np.tanh(ws[1] * x)) * np.sum(ws[0] * x)


def a02_comprehension_copies(x):
    ws = [w.copy() for w in WS]
    a = np.sum(np.sin(ws[0] * x))
    sgd_step()
    return a * np.sum(np.tanh(ws[1] * x)) + np.sum(WS[1] * x)


def a03_map_asarray(x):
    ws = list(map(np.asarray, WS))
    sgd_step()
    return np.sum(np.sin(ws[2] * x)) + np.sum(np.exp(0.3 * ws[0] * x))


def a04_map_array_copies(x):
    ws = list(map(np.array, WS))
    sgd_step()
    return np.sum(np.sin(ws[2] * x)) + np.sum(np.exp(0.3 * WS[0] * x))


def a05_zip_with_weights(x):
    pairs = list(zip(WS, [1.0, 2.0, 3.0]))
    sgd_step()
    total = 0.0
    for w, c in pairs:
        total = total + c * np.sum(np.sin(w * x))
    return total


def a06_enumerate(x):
    items = list(enumerate(WS))
    a = np.sum(np.cos(items[1][1] * x))
    momentum_step()
    for i, w in items:
        a = a + (i + 1) * np.sum(np.tanh(w * x))
    return a


def a07_sorted_by_first(x):
    ws = sorted(WS, key=lambda w: float(w[0]))
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) * 2.0 + np.sum(ws[-1] * x**2)


def a08_reversed(x):
    ws = list(reversed(WS))
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[2] * x))


def a09_list_call(x):
    ws = list(WS)
    before = np.sum(np.sin(ws[1] * x))
    sgd_step()
    return before * np.sum(np.cos(ws[1] * x))


def a10_tuple_call(x):
    ws = tuple(WS)
    before = np.sum(np.sin(ws[0] * x))
    sgd_step()
    return before + np.sum(np.sin(ws[0] * x)) + np.sum(ws[2] * x)


def a11_copy_copy(x):
    ws = copy.copy(WS)
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def a12_deepcopy(x):
    ws = copy.deepcopy(WS)
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(WS[0] * x))


def a13_join_plus(x):
    ws = WS + [B]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(ws[3] * x) + np.sum(np.tanh(ws[2] * x))


def a14_extend(x):
    ws = []
    ws.extend(WS)
    sgd_step()
    return np.sum(np.sin(ws[1] * x)) * np.sum(np.cos(ws[2] * x))


def a15_append_loop(x):
    ws = []
    for w in WS:
        ws.append(w)
    sgd_step()
    total = 0.0
    for w in ws:
        total = total + np.sum(np.sin(w * x))
    return total


def a16_append_loop_scaled(x):
    ws = []
    for w in WS:
        ws.append(w * 1.0)
    sgd_step()
    total = 0.0
    for w in ws:
        total = total + np.sum(np.sin(w * x))
    return total + np.sum(WS[2] * x)


def a17_starred_first_rest(x):
    first, *rest = WS
    a = np.sum(np.sin(first * x))
    sgd_step()
    return a + np.sum(np.sin(first * x)) + np.sum(np.tanh(rest[1] * x))


def a18_starred_init_last(x):
    *init, last = WS
    sgd_step()
    return np.sum(np.sin(init[0] * x)) + np.sum(np.exp(0.5 * last * x))


def a19_nested_display(x):
    nest = [[WS[0], WS[1]], [WS[2]]]
    sgd_step()
    return np.sum(np.sin(nest[0][1] * x)) + np.sum(np.tanh(nest[1][0] * x))


def a20_dict_of_lists_display(x):
    g = {"a": WS[:2], "b": [WS[2]]}
    sgd_step()
    return np.sum(np.sin(g["a"][0] * x)) + np.sum(np.tanh(g["b"][0] * x))


def a21_bag_object(x):
    bag = Bag(WS)
    sgd_step()
    return np.sum(np.sin(bag.ws[0] * x)) + np.sum(np.cos(bag.ws[2] * x))


def a22_next_iter(x):
    w = next(iter(WS))
    a = np.sum(np.sin(w * x))
    sgd_step()
    return a * np.sum(np.sin(w * x))


def a23_slice(x):
    ws = WS[1:]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def a24_index_variable(x):
    i = 2
    w = WS[i]
    sgd_step()
    return np.sum(np.sin(w * x)) + np.sum(np.sin(WS[i] * x))


def a25_module_index(x):
    w = WS[K]
    sgd_step()
    return np.sum(np.sin(w * x)) * np.sum(np.cos(WS[K - 1] * x))


def a26_index_list(x):
    ws = [WS[j] for j in ORDER]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def a27_alias(x):
    ws = WS
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def a28_direct_before_after(x):
    a = np.sum(np.sin(WS[0] * x))
    sgd_step()
    b = np.sum(np.sin(WS[0] * x))
    return a * b + np.sum(WS[2] * x)


def a29_stack_before(x):
    M = np.stack(WS)
    sgd_step()
    return np.sum(np.sin(M @ x)) + np.sum(np.tanh(np.stack(WS) @ x))


def a30_zip_shifted(x):
    pairs = list(zip(WS, WS[1:]))
    sgd_step()
    total = 0.0
    for a, b in pairs:
        total = total + np.sum(np.sin(a * x) * b)
    return total


def a31_enumerate_start(x):
    items = list(enumerate(WS, 1))
    sgd_step()
    total = 0.0
    for k, w in items:
        total = total + np.sum(np.sin(w * x)) / k
    return total


def a32_filter(x):
    ws = list(filter(lambda w: w[0] > 0.0, WS))
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[-1] * x))


def a33_dict_zip_names(x):
    d = dict(zip(NAMES, WS))
    sgd_step()
    return np.sum(np.sin(d["a"] * x)) + np.sum(np.tanh(d["c"] * x))


def a34_list_plus_local(x):
    ws = list(WS) + [np.sin(x)]
    sgd_step()
    return np.sum(ws[0] * ws[3]) + np.sum(np.tanh(ws[1] * x))


def a35_loop_step_in_middle(x):
    total = 0.0
    for i in range(len(WS)):
        total = total + np.sum(np.sin(WS[i] * x))
        if i == 0:
            sgd_step()
    return total


def a36_two_steps(x):
    ws = list(WS)
    total = 0.0
    for t in range(2):
        total = total + np.sum(np.sin(ws[t] * x))
        momentum_step()
    return total + np.sum(np.tanh(ws[0] * x))


def a37_optimizer_object_step(x):
    ws = [w for w in WS]
    a = np.sum(np.sin(ws[0] * x))
    OPT.step(WS)
    return a + np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def a38_comprehension_then_step_twice(x):
    ws = [w for w in WS[:2]]
    sgd_step()
    a = np.sum(np.sin(ws[0] * x))
    sgd_step()
    return a + np.sum(np.sin(ws[0] * x))


def a39_sum_of_list(x):
    ws = list(WS)
    sgd_step()
    s = sum(ws)
    return np.sum(np.sin(s * x))


def a40_zip_star(x):
    cols = list(zip(*WS))
    sgd_step()
    return np.sum(np.sin(np.array(cols[0]) * x)) + np.sum(np.sin(WS[0] * x))


# ----------------------------------------------------------------------------------------
# b. module dicts of arrays: copies, views of the dict, .get
# ----------------------------------------------------------------------------------------


def b01_dict_call_inplace(x):
    d = dict(PARAMS)
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["w2"] * x))


def b02_dict_call_rebind(x):
    d = dict(PARAMS)
    rebind_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.sin(PARAMS["w1"] * x))


def b03_splat_inplace(x):
    d = {**PARAMS}
    scale_params_items()
    return np.sum(np.sin(d["w1"] * x)) * np.sum(np.cos(d["b"] * x))


def b04_dict_copy_rebind(x):
    d = PARAMS.copy()
    rebind_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.sin(d["w2"] * x))


def b05_dict_copy_inplace(x):
    d = PARAMS.copy()
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.sin(d["w2"] * x))


def b06_values_list(x):
    vals = list(PARAMS.values())
    scale_params()
    return np.sum(np.sin(vals[0] * x)) + np.sum(np.tanh(vals[2] * x))


def b07_items_loop_append(x):
    kept = []
    for _k, v in PARAMS.items():
        kept.append(v)
    scale_params_items()
    total = 0.0
    for v in kept:
        total = total + np.sum(np.sin(v * x))
    return total


def b08_get_after(x):
    w = PARAMS.get("w1")
    a = np.sum(np.sin(w * x))
    rebind_params()
    return a + np.sum(np.sin(PARAMS.get("w1") * x))


def b09_get_default_module_array(x):
    w = PARAMS.get("missing", WS[0])
    sgd_step()
    return np.sum(np.sin(w * x)) + np.sum(np.tanh(PARAMS.get("w2", B) * x))


def b10_next_iter_values(x):
    w = next(iter(PARAMS.values()))
    scale_params()
    return np.sum(np.sin(w * x)) * 3.0


def b11_dict_comprehension(x):
    d = {k: v for k, v in PARAMS.items()}
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.sin(d["b"] * x))


def b12_dict_comprehension_copies(x):
    d = {k: v.copy() for k, v in PARAMS.items()}
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.sin(PARAMS["b"] * x))


def b13_sorted_items(x):
    items = sorted(PARAMS.items())
    scale_params()
    total = 0.0
    for _k, v in items:
        total = total + np.sum(np.sin(v * x))
    return total


def b14_items_list_indexed(x):
    items = list(PARAMS.items())
    scale_params_items()
    return np.sum(np.sin(items[1][1] * x)) + np.sum(np.cos(items[0][1] * x))


def b15_values_loop_before_after(x):
    a = 0.0
    for v in PARAMS.values():
        a = a + np.sum(np.sin(v * x))
    scale_params()
    for v in PARAMS.values():
        a = a + np.sum(np.sin(v * x))
    return a


def b16_alias_dict(x):
    d = PARAMS
    rebind_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["w2"] * x))


# ----------------------------------------------------------------------------------------
# c. schedulers: a config dict's number changed by a helper
# ----------------------------------------------------------------------------------------


def c01_lr_before_after(x):
    lr0 = CFG["lr"]
    decay_lr()
    return lr0 * np.sum(np.sin(x)) + CFG["lr"] * np.sum(np.tanh(x) ** 2)


def c02_dict_copy_scalar(x):
    cfg = dict(CFG)
    decay_lr()
    return cfg["lr"] * np.sum(np.sin(x)) + CFG["lr"] * np.sum(np.exp(0.5 * x))


def c03_alias_cfg(x):
    cfg = CFG
    decay_lr()
    return cfg["lr"] * np.sum(np.sin(x) ** 2)


def c04_loop_decay(x):
    total = 0.0
    for t in range(3):
        total = total + CFG["lr"] * np.sum(np.sin(x * (t + 1)))
        decay_lr()
    return total


def c05_get_after(x):
    decay_lr()
    return CFG.get("lr", 1.0) * np.sum(np.cos(x)) + CFG.get("warmup", 2.0) * np.sum(x * x)


def c06_history_list(x):
    lrs = [CFG["lr"]]
    decay_lr()
    lrs.append(CFG["lr"])
    decay_lr()
    lrs.append(CFG["lr"])
    return sum(lr * np.sum(np.sin(x * lr * 10.0)) for lr in lrs)


def c07_decay_then_step(x):
    ws = list(WS)
    decay_lr()
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) * CFG["lr"] * 10.0


def c08_splat_scalar(x):
    cfg = {**CFG, "extra": 2.0}
    decay_lr()
    return (cfg["lr"] + CFG["lr"]) * np.sum(np.sin(x)) * cfg["extra"]


def c09_values_of_cfg(x):
    vals = list(CFG.values())
    decay_lr()
    return vals[0] * np.sum(np.sin(x)) + list(CFG.values())[0] * np.sum(np.cos(x))


# ----------------------------------------------------------------------------------------
# d. running statistics
# ----------------------------------------------------------------------------------------


def d01_stats_const_direct(x):
    a = np.sum(np.sin(STATS["mean"] * x))
    update_stats_const()
    return a + np.sum(np.sin(STATS["mean"] * x)) / np.sqrt(np.sum(STATS["var"]))


def d02_stats_local_name(x):
    m = STATS["mean"]
    update_stats_const()
    return np.sum(np.tanh(m * x)) + STATS["n"] * np.sum(np.sin(x)) * 0.1


def d03_stats_local_copy(x):
    m = STATS["mean"].copy()
    update_stats_const()
    return np.sum(np.tanh(m * x)) + np.sum(np.tanh(STATS["mean"] * x))


def d04_stats_dict_copy(x):
    st = dict(STATS)
    update_stats_const()
    return np.sum(np.sin(st["mean"] * x) * st["var"]) + st["n"] * np.sum(x**2) * 0.01


def d05_stats_x_dependent_read(x):
    y = np.tanh(x)
    update_stats(y)
    return np.sum(STATS["mean"] * x)


def d06_stats_x_dependent_not_read(x):
    y = np.tanh(x)
    count_batch(y)
    return np.sum(y * y) * STATS["n"]


def d07_stats_x_dependent_other_key(x):
    y = np.sin(x)
    update_stats(y)
    return np.sum(np.exp(STATS["var"] * x * 0.2)) + np.sum(y**2)


def d08_ema_loop_const(x):
    total = 0.0
    for _ in range(2):
        total = total + np.sum(np.sin(STATS["mean"] * x))
        update_stats_const()
    return total


def d09_stats_values_list(x):
    vals = [v for v in STATS.values() if isinstance(v, np.ndarray)]
    update_stats_const()
    return np.sum(np.sin(vals[0] * x)) + np.sum(np.sin(vals[1] * x))


def d10_stats_x_dependent_via_alias(x):
    st = STATS
    update_stats(np.sin(x))
    return np.sum(np.cos(st["mean"] * x))


# ----------------------------------------------------------------------------------------
# e. np.clip(W, out=W) and row updates of a module matrix
# ----------------------------------------------------------------------------------------


def e01_clip_direct(x):
    a = np.sum(np.tanh(W @ x))
    clip_W()
    return a + np.sum(np.sin(W @ x))


def e02_clip_rows_list(x):
    rows = list(W)
    clip_W()
    return np.sum(np.sin(rows[0] * x)) + np.sum(np.sin(rows[1] * x))


def e03_clip_transpose_view(x):
    Wt = W.T
    clip_W()
    return np.sum(np.sin(Wt @ x))


def e04_clip_copy(x):
    Wc = W.copy()
    clip_W()
    return np.sum(np.sin(Wc @ x)) + np.sum(np.tanh(W @ x))


def e05_bump_row(x):
    r = W[0]
    a = np.sum(np.sin(r * x))
    bump_W_row()
    return a + np.sum(np.sin(r * x)) + np.sum(np.tanh(W @ x))


def e06_clip_in_container(x):
    mats = {"W": W, "B": B}
    clip_W()
    return np.sum(np.sin(mats["W"] @ x + mats["B"]))


# ----------------------------------------------------------------------------------------
# f. setters: attribute, setattr, partials of setattr and __setitem__, stored in places
# ----------------------------------------------------------------------------------------


def f01_set_attr(x):
    a = OPT.lr * np.sum(np.sin(x))
    set_opt_lr(0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def f02_setattr(x):
    a = OPT.lr * np.sum(np.sin(x))
    setattr_lr(0.03)
    return a + OPT.lr * np.sum(np.exp(0.5 * x))


def f03_partial_setattr(x):
    lr0 = OPT.lr
    partial_lr(0.02)
    return lr0 * np.sum(np.sin(x)) + OPT.lr * np.sum(np.tanh(x))


def f04_partial_setitem(x):
    lr0 = CFG["lr"]
    partial_cfg_lr(0.04)
    return lr0 * np.sum(np.sin(x)) + CFG["lr"] * np.sum(np.tanh(x))


def f05_dict_of_setters(x):
    a = OPT.lr * np.sum(np.sin(x))
    dict_setter_lr(0.07)
    return a + OPT.lr * np.sum(np.sin(2.0 * x))


def f06_list_of_setters(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    list_setter_cfg(0.07)
    return a + CFG["lr"] * np.sum(np.sin(2.0 * x))


def f07_default_setter(x):
    a = OPT.lr * np.sum(np.sin(x))
    default_setter_lr(0.06)
    return a + OPT.lr * np.sum(np.cos(3.0 * x))


def f08_closure_setter(x):
    a = OPT.lr * np.sum(np.sin(x))
    closure_setter_lr(0.09)
    return a + OPT.lr * np.sum(np.cos(3.0 * x))


def f09_alias_object(x):
    o = OPT
    partial_lr(0.2)
    return o.lr * np.sum(np.sin(x) ** 2)


def f10_setter_in_loop(x):
    total = 0.0
    for t in range(3):
        total = total + OPT.lr * np.sum(np.sin(x + t))
        partial_lr(OPT.lr * 0.5)
    return total


def f11_setter_x_dependent(x):
    partial_lr(float(np.tanh(x[0])))
    return OPT.lr * np.sum(np.sin(x))


def f12_dict_setter_x_dependent(x):
    dict_setter_lr(float(np.sum(x * x)))
    return OPT.lr * np.sum(np.cos(x))


def f13_default_setter_x_dependent(x):
    default_setter_lr(float(np.sin(x[1])))
    return OPT.lr * np.sum(np.tanh(x))


def f14_closure_setter_x_dependent(x):
    closure_setter_lr(float(x[2] * x[0]))
    return OPT.lr * np.sum(np.exp(0.3 * x))


def f15_list_setter_x_dependent(x):
    list_setter_cfg(float(np.cos(x[0])))
    return CFG["lr"] * np.sum(np.sin(x))


def f16_setitem_partial_x_dependent(x):
    partial_cfg_lr(float(np.sum(np.sin(x))))
    return CFG["lr"] * np.sum(x * x)


def f17_setattr_x_dependent(x):
    setattr_lr(float(np.sum(x)))
    return OPT.lr * np.sum(np.sin(x))


def f18_setter_x_dependent_not_read(x):
    partial_lr(float(np.tanh(x[0])))
    return np.sum(np.sin(x) * CFG["scale"])


# ----------------------------------------------------------------------------------------
# g. caches
# ----------------------------------------------------------------------------------------


def g01_fill_cache(x):
    fill_cache()
    return np.sum(np.sin(CACHE["tW"] @ x))


def g02_cache_x_dependent(x):
    y = np.sin(x)
    cache_value(y)
    return np.sum(CACHE["y"] * x)


def g03_memo(x):
    a = np.sum(np.sin(cached_features() @ x))
    clip_W()
    return a + np.sum(np.tanh(cached_features() @ x))


def g04_cache_get_default(x):
    y = np.tanh(x)
    before = CACHE.get("y", 0.0)
    cache_value(y)
    return np.sum(before * x) + np.sum(CACHE.get("y", 0.0) * x)


def g05_cache_const_then_matrix(x):
    fill_cache()
    c = CACHE
    clip_W()
    return np.sum(np.sin(c["tW"] @ x)) + np.sum(np.sin(W @ x))


def g06_cache_x_dependent_not_read(x):
    y = np.tanh(x)
    cache_value(y)
    return np.sum(y * W[0]) + len(CACHE)


# ----------------------------------------------------------------------------------------
# h. nested module containers and objects
# ----------------------------------------------------------------------------------------


def h01_nested_module(x):
    grp = NESTED[0]
    a = np.sum(np.sin(grp[1] * x))
    nested_step()
    return a + np.sum(np.sin(grp[1] * x)) + np.sum(np.tanh(NESTED[1][0] * x))


def h02_nested_flatten(x):
    flat = [a for grp in NESTED for a in grp]
    nested_step()
    return np.sum(np.sin(flat[0] * x)) + np.sum(np.sin(flat[2] * x))


def h03_groups_dict_of_lists(x):
    enc = GROUPS["enc"]
    groups_step()
    return np.sum(np.sin(enc[0] * x)) + np.sum(np.tanh(GROUPS["dec"][0] * x))


def h04_groups_values_loop(x):
    lists = list(GROUPS.values())
    groups_step()
    total = 0.0
    for lst in lists:
        for a in lst:
            total = total + np.sum(np.sin(a * x))
    return total


def h05_groups_copy(x):
    g = GROUPS.copy()
    groups_step()
    return np.sum(np.sin(g["enc"][1] * x)) * 2.0


def h06_net_layers(x):
    layers = NET.layers
    a = NET.forward(x)
    net_step()
    return a + np.sum(np.sin(layers[0] * x)) + NET.forward(x)


def h07_net_layers_copy(x):
    layers = list(NET.layers)
    net_step()
    return np.sum(np.sin(layers[1] * x)) + np.sum(np.sin(NET.layers[1] * x))


def h08_net_rescale(x):
    a = NET.forward(x)
    NET.rescale()
    return a + NET.forward(x)


def h09_net_first_rest(x):
    first, *rest = NET.layers
    net_step()
    return np.sum(np.sin(first * x)) + np.sum(np.tanh(rest[0] * x))


def h10_groups_items_loop(x):
    kept = []
    for _k, lst in GROUPS.items():
        kept.extend(lst)
    groups_step()
    return np.sum(np.sin(kept[0] * x)) + np.sum(np.sin(kept[2] * x))


def h11_nested_get(x):
    lst = GROUPS.get("dec", [])
    groups_step()
    return np.sum(np.sin(lst[0] * x)) + np.sum(np.cos(GROUPS.get("enc", [B])[0] * x))


def h12_momentum_vel(x):
    vs = list(VEL)
    momentum_step()
    return np.sum(np.sin(vs[0] * x)) + np.sum(np.sin(WS[0] * x))


# ----------------------------------------------------------------------------------------
# i. a step with a value that depends on x (stored into module arrays, then read)
# ----------------------------------------------------------------------------------------


def i01_x_step_read(x):
    g = np.tanh(x)
    x_step(g)
    return np.sum(np.sin(WS[0] * x))


def i02_x_step_through_list(x):
    ws = list(WS)
    x_step(np.sin(x))
    return np.sum(ws[1] * x)


def i03_x_step_not_read(x):
    a = np.sum(np.sin(WS[0] * x))
    x_step(np.tanh(x))
    return a + CFG["lr"] * np.sum(x * x)


# ----------------------------------------------------------------------------------------
# j. more ways to build a local container of module arrays
# ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Holder:
    ws: list


def j01_star_display(x):
    ws = [*WS, B]
    sgd_step()
    total = 0.0
    for w in ws:
        total = total + np.sum(np.sin(w * x))
    return total


def j02_star_tuple(x):
    ws = (*WS,)
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[2] * x))


def j03_repeat(x):
    ws = WS * 1
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j04_reverse_slice(x):
    ws = WS[::-1]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j05_index_fill(x):
    ws = [None] * len(WS)
    for i, w in enumerate(WS):
        ws[i] = w
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[2] * x))


def j06_dict_loop_fill(x):
    d = {}
    for k, v in PARAMS.items():
        d[k] = v
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["w2"] * x))


def j07_dict_kwargs(x):
    d = dict(PARAMS, extra=B)
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["extra"] * x))


def j08_dict_double_star(x):
    d = dict(**PARAMS)
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["b"] * x))


def j09_splat_override(x):
    d = {**PARAMS, "w1": PARAMS["w1"] * 2.0}
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["w2"] * x))


def j10_update(x):
    d = {}
    d.update(PARAMS)
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["w2"] * x))


def j11_dict_of_items(x):
    d = dict(PARAMS.items())
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["w2"] * x))


def j12_dict_sorted_items(x):
    d = dict(sorted(PARAMS.items()))
    scale_params()
    return np.sum(np.sin(d["w1"] * x)) + np.sum(np.tanh(d["b"] * x))


def j13_conditional_comprehension(x):
    ws = [w for w in WS if np.sum(w) > 0.0]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[-1] * x))


def j14_iadd_list(x):
    ws = []
    ws += WS
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j15_map_identity_lambda(x):
    ws = list(map(lambda w: w, WS))
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j16_map_scaled_lambda(x):
    ws = list(map(lambda w: w * 2.0, WS))
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(WS[1] * x))


def j17_slice_views(x):
    ws = [w[:] for w in WS]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j18_reshape_views(x):
    ws = [w.reshape(3) for w in WS]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[2] * x))


def j19_max_key(x):
    w = max(WS, key=lambda w: float(np.sum(w)))
    sgd_step()
    return np.sum(np.sin(w * x)) * 2.0


def j20_chain(x):
    arrs = list(itertools.chain(WS, VEL))
    momentum_step()
    return np.sum(np.sin(arrs[0] * x)) + np.sum(np.sin(arrs[3] * x))


def j21_islice(x):
    ws = list(itertools.islice(WS, 2))
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j22_dict_of_list_copy(x):
    d = {"ws": list(WS)}
    sgd_step()
    return np.sum(np.sin(d["ws"][0] * x)) + np.sum(np.tanh(d["ws"][2] * x))


def j23_singletons(x):
    ws = [[w] for w in WS]
    sgd_step()
    return np.sum(np.sin(ws[0][0] * x)) + np.sum(np.tanh(ws[1][0] * x))


def j24_live_values_view(x):
    vals = PARAMS.values()
    rebind_params()
    return np.sum(np.sin(list(vals)[0] * x)) + np.sum(np.tanh(list(vals)[1] * x))


def j25_live_items_view(x):
    items = PARAMS.items()
    rebind_all_params()
    total = 0.0
    for _k, v in items:
        total = total + np.sum(np.sin(v * x))
    return total


def j26_setdefault(x):
    w = PARAMS.setdefault("w1", B)
    scale_params()
    return np.sum(np.sin(w * x)) * 2.0


def j27_next_iter_key(x):
    k = next(iter(PARAMS))
    w = PARAMS[k]
    rebind_params()
    return np.sum(np.sin(w * x)) + np.sum(np.sin(PARAMS[k] * x))


def j28_last_index(x):
    idx = len(WS) - 1
    w = WS[idx]
    sgd_step()
    return np.sum(np.sin(w * x)) + np.sum(np.sin(WS[idx - 1] * x))


def j29_enumerate_keep(x):
    keep = WS[0]
    for i, w in enumerate(WS):
        if i == 1:
            keep = w
    sgd_step()
    return np.sum(np.sin(keep * x)) * 2.0


def j30_tuple_of_lists(x):
    pair = (WS, VEL)
    momentum_step()
    return np.sum(np.sin(pair[0][0] * x)) + np.sum(np.sin(pair[1][0] * x))


def j31_zip_two_module_lists(x):
    pairs = list(zip(WS, VEL))
    momentum_step()
    total = 0.0
    for w, v in pairs:
        total = total + np.sum(np.sin(w * x) * np.cos(v))
    return total


def j32_min_key(x):
    w = min(WS, key=lambda w: float(w[2]))
    sgd_step()
    return np.sum(np.tanh(w * x)) * 2.0


def j33_np_array_copy(x):
    M = np.array(WS)
    sgd_step()
    return np.sum(np.sin(M @ x)) + np.sum(np.sin(WS[0] * x))


def j34_asarray_each(x):
    ws = [np.asarray(w) for w in WS]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j35_ravel_each(x):
    ws = [np.ravel(w) for w in WS]
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j36_dataclass_holder(x):
    h = Holder(list(WS))
    sgd_step()
    return np.sum(np.sin(h.ws[0] * x)) + np.sum(np.tanh(h.ws[1] * x))


def j37_namespace(x):
    ns = types.SimpleNamespace(ws=WS)
    sgd_step()
    return np.sum(np.sin(ns.ws[0] * x)) + np.sum(np.tanh(ns.ws[1] * x))


def j38_tuple_of_generator(x):
    ws = tuple(w for w in WS)
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j39_dict_comprehension_enumerate(x):
    d = {i: w for i, w in enumerate(WS)}
    sgd_step()
    return np.sum(np.sin(d[0] * x)) + np.sum(np.tanh(d[2] * x))


def j40_pairs_then_dict(x):
    pairs = list(zip(NAMES, WS))
    sgd_step()
    d = dict(pairs)
    return np.sum(np.sin(d["a"] * x)) + np.sum(np.tanh(d["b"] * x))


def j41_bag_of_copy_dict(x):
    bag = Bag(dict(PARAMS))
    scale_params()
    return np.sum(np.sin(bag.ws["w1"] * x)) + np.sum(np.tanh(bag.ws["b"] * x))


def j42_get_default_list(x):
    ws = CFG.get("ws", WS)
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def j43_sum_generator_before_after(x):
    a = sum(np.sum(np.sin(w * x)) for w in WS)
    sgd_step()
    b = sum(np.sum(np.sin(w * x)) for w in WS)
    return a * b


def j44_comprehension_pairs_index(x):
    ws = [(i, WS[i]) for i in range(len(WS))]
    sgd_step()
    return np.sum(np.sin(ws[1][1] * x)) + ws[2][0] * np.sum(np.tanh(ws[2][1] * x))


# ----------------------------------------------------------------------------------------
# k. helpers changing arrays in other ways, helpers calling helpers, closures, class lists
# ----------------------------------------------------------------------------------------


def k01_slice_assign(x):
    ws = list(WS)
    a = np.sum(np.sin(ws[0] * x))
    slice_assign_step()
    return a + np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(WS[1] * x))


def k02_copyto(x):
    ws = [w for w in WS]
    copyto_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def k03_ufunc_out(x):
    first, *rest = WS
    ufunc_out_step()
    return np.sum(np.sin(first * x)) + np.sum(np.tanh(rest[0] * x))


def k04_element_update(x):
    w0 = WS[0]
    ws = list(WS)
    element_step()
    return np.sum(np.sin(w0 * x)) + np.sum(np.tanh(ws[2] * x))


def k05_ellipsis_rows(x):
    rows = [W[i] for i in range(3)]
    ellipsis_step()
    return np.sum(np.sin(rows[0] * x)) + np.sum(np.sin(rows[2] * x))


def k06_rebind_all(x):
    vals = list(PARAMS.values())
    d = PARAMS
    rebind_all_params()
    return np.sum(np.sin(vals[0] * x)) + np.sum(np.sin(d["w1"] * x))


def k07_grow_then_loop(x):
    grow_ws()
    total = 0.0
    for w in WS:
        total = total + np.sum(np.sin(w * x))
    return total


def k08_global_decay(x):
    lr0 = LR
    global_decay()
    return lr0 * np.sum(np.sin(x)) + LR * np.sum(np.tanh(x))


def k09_nested_helpers(x):
    ws = list(WS)
    lr0 = CFG["lr"]
    train_step()
    return np.sum(np.sin(ws[0] * x)) * (lr0 + CFG["lr"])


def k10_value_helper(x):
    n = step_and_norm()
    return n * np.sum(np.sin(WS[0] * x))


def k11_partial_step(x):
    ws = [w for w in WS]
    STEP_HALF()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


def k12_class_attribute_list(x):
    ws = Registry.weights
    a = np.sum(np.sin(ws[0] * x))
    registry_step()
    return a + np.sum(np.sin(ws[0] * x)) + np.sum(np.cos(Registry.weights[1] * x))


def k13_closure_model(x):
    return CLOSURE_LOSS(x)


k14_closure_itself = CLOSURE_LOSS
k15_closure_copy_itself = CLOSURE_LOSS_COPY


def k16_swap_module_list(x):
    ws = list(WS)
    swap_ws()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(WS[0] * x))


def k17_step_in_loop_over_copy(x):
    total = 0.0
    for w in list(WS):
        total = total + np.sum(np.sin(w * x))
        sgd_step()
    return total


def k18_step_in_loop_over_module(x):
    total = 0.0
    for w in WS:
        total = total + np.sum(np.sin(w * x))
        sgd_step()
    return total


def k19_while_loop(x):
    i = 0
    total = 0.0
    ws = list(WS)
    while i < len(ws):
        total = total + np.sum(np.sin(ws[i] * x)) * np.sum(np.cos(ws[0] * x))
        sgd_step()
        i += 1
    return total


def k20_class_list_copy(x):
    ws = list(Registry.weights)
    registry_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[1] * x))


# ----------------------------------------------------------------------------------------
# l. more setters
# ----------------------------------------------------------------------------------------


def l01_dict_setter_cfg(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    dict_setter_cfg(0.07)
    return a + CFG["lr"] * np.sum(np.sin(2.0 * x))


def l02_list_setter_opt(x):
    a = OPT.lr * np.sum(np.sin(x))
    list_setter_opt(0.07)
    return a + OPT.lr * np.sum(np.sin(2.0 * x))


def l03_setter_from_state(x):
    a = OPT.lr * np.sum(np.sin(x))
    partial_lr(OPT.lr * 0.5)
    return a + OPT.lr * np.sum(np.cos(x))


def l04_setter_in_function(x):
    a = OPT.lr * np.sum(np.sin(x))
    SET_LR(0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def l05_local_dict_of_setters(x):
    setters = {"lr": SET_LR}
    a = OPT.lr * np.sum(np.sin(x))
    setters["lr"](0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def l06_default_setter_cfg(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    default_setter_cfg(0.02)
    return a + CFG["lr"] * np.sum(np.cos(x))


def l07_closure_setter_cfg(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    closure_setter_cfg(0.02)
    return a + CFG["lr"] * np.sum(np.cos(x))


def l08_operator_setitem_partial(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    operator_setter_cfg(0.03)
    return a + CFG["lr"] * np.sum(np.cos(x))


def l09_getattr_read(x):
    a = getattr(OPT, "lr") * np.sum(np.sin(x))
    partial_lr(0.04)
    return a + getattr(OPT, "lr") * np.sum(np.cos(x))


def l10_lambda_setter(x):
    a = OPT.lr * np.sum(np.sin(x))
    lambda_setter_lr(0.04)
    return a + OPT.lr * np.sum(np.cos(x))


def l11_scheduler_object(x):
    a = OPT.lr * np.sum(np.sin(x))
    SCHED.step()
    return a + OPT.lr * np.sum(np.cos(x)) + SCHED.opt.lr * np.sum(x * x)


def l12_array_item_setter(x):
    ws = list(WS)
    a = np.sum(np.sin(ws[0] * x))
    array_item_setter(0.9)
    return a + np.sum(np.sin(ws[0] * x))


def l13_setters_in_loop(x):
    total = 0.0
    for v in (0.08, 0.06, 0.04):
        total = total + OPT.lr * np.sum(np.sin(x * v * 10.0))
        dict_setter_lr(v)
    return total


def l14_scheduler_set_method(x):
    a = OPT.lr * np.sum(np.sin(x))
    SCHED.set(0.01)
    return a + OPT.lr * np.sum(np.cos(x))


# ----------------------------------------------------------------------------------------
# m. values depending on x stored into module arrays and read back
# ----------------------------------------------------------------------------------------


def m01_stats_update_method(x):
    stats_update_method(np.tanh(x))
    return np.sum(STATS["mean"] * x)


def m02_copyto_store_list(x):
    ws = list(WS)
    copyto_store(np.sin(x))
    return np.sum(ws[0] * x)


def m03_slice_store_comprehension(x):
    ws = [w for w in WS]
    slice_store(np.tanh(x))
    return np.sum(np.sin(ws[0] * x))


def m04_add_store_starred(x):
    first, *rest = WS
    add_store(np.sin(x))
    return np.sum(first * x)


def m05_scheduler_set_x(x):
    SCHED.set(float(np.tanh(x[0])))
    return OPT.lr * np.sum(np.sin(x))


def m06_setdefault_store(x):
    setdefault_store(np.sin(x))
    return np.sum(CACHE["y"] * x)


def m07_dict_copy_then_store(x):
    d = dict(STATS)
    update_stats(np.sin(x))
    return np.sum(d["mean"] * x)


def m08_map_asarray_then_store(x):
    ws = list(map(np.asarray, WS))
    add_store(np.tanh(x))
    return np.sum(ws[0] * x)


def m09_layers_store(x):
    layers = list(NET.layers)
    layers_store(np.sin(x))
    return np.sum(np.sin(layers[0] * x))


def m10_store_then_read_copy_made_after(x):
    add_store(np.sin(x))
    w = WS[0].copy()
    return np.sum(w * x)


def m11_lambda_setter_x(x):
    lambda_setter_lr(float(np.sin(x[0])))
    return OPT.lr * np.sum(np.sin(x))


def m12_operator_setter_x(x):
    operator_setter_cfg(float(np.sin(x[1])))
    return CFG["lr"] * np.sum(np.cos(x))


def m13_store_via_dict_of_lists(x):
    g = {"ws": WS}
    add_store(np.sin(x))
    return np.sum(g["ws"][0] * x)


def m14_store_not_read(x):
    ws = list(WS)
    add_store(np.sin(x))
    return np.sum(np.sin(ws[1] * x))


# ----------------------------------------------------------------------------------------
# n. objects and models
# ----------------------------------------------------------------------------------------


def n01_namespace_copy(x):
    ns = types.SimpleNamespace(ws=list(WS), d=dict(PARAMS))
    sgd_step()
    scale_params()
    return np.sum(np.sin(ns.ws[0] * x)) + np.sum(np.tanh(ns.d["w2"] * x))


def n02_net_forward_layers_copy(x):
    layers = list(NET.layers)
    a = NET.forward(x)
    net_step()
    return a * NET.forward(x) + np.sum(np.sin(layers[1] * x))


def n03_net_comprehension(x):
    layers = [layer for layer in NET.layers]
    net_step()
    NET.rescale()
    return np.sum(np.sin(layers[0] * x)) * NET.scale


def n04_opt_step_net_layers(x):
    layers = NET.layers
    a = np.sum(np.sin(layers[0] * x))
    OPT.step(NET.layers)
    return a + np.sum(np.sin(layers[0] * x)) + NET.forward(x)


def n05_holder_of_module_list(x):
    h = Holder(WS)
    sgd_step()
    return np.sum(np.sin(h.ws[0] * x)) + np.sum(np.tanh(h.ws[1] * x))


# ----------------------------------------------------------------------------------------
# o. a value depending on x added into WS[0] by a helper, read back through containers
# ----------------------------------------------------------------------------------------


def o01_alias(x):
    ws = WS
    add_store(np.sin(x))
    return np.sum(ws[0] * x)


def o02_tuple_call(x):
    ws = tuple(WS)
    add_store(np.sin(x))
    return np.sum(ws[0] * x)


def o03_slice(x):
    ws = WS[:]
    add_store(np.sin(x))
    return np.sum(ws[0] * x)


def o04_copy_copy(x):
    ws = copy.copy(WS)
    add_store(np.sin(x))
    return np.sum(ws[0] * x)


def o05_next_iter(x):
    w = next(iter(WS))
    add_store(np.sin(x))
    return np.sum(w * x)


def o06_zip(x):
    pairs = list(zip(WS, NAMES))
    add_store(np.sin(x))
    return np.sum(pairs[0][0] * x)


def o07_enumerate(x):
    items = list(enumerate(WS))
    add_store(np.sin(x))
    return np.sum(items[0][1] * x)


def o08_sorted(x):
    ws = sorted(WS, key=lambda w: float(w[0]))
    add_store(np.sin(x))
    return np.sum(ws[1] * x)


def o09_reversed(x):
    ws = list(reversed(WS))
    add_store(np.sin(x))
    return np.sum(ws[2] * x)


def o10_nested_display(x):
    nest = [[WS[0]], [WS[1], WS[2]]]
    add_store(np.sin(x))
    return np.sum(nest[0][0] * x)


def o11_bag(x):
    bag = Bag(WS)
    add_store(np.sin(x))
    return np.sum(bag.ws[0] * x)


def o12_index_variable(x):
    i = 0
    w = WS[i]
    add_store(np.sin(x))
    return np.sum(w * x)


def o13_append_loop(x):
    ws = []
    for w in WS:
        ws.append(w)
    add_store(np.sin(x))
    return np.sum(ws[0] * x)


def o14_extend(x):
    ws = [B]
    ws.extend(WS)
    add_store(np.sin(x))
    return np.sum(ws[1] * x)


def o15_plus(x):
    ws = list(WS) + [B]
    add_store(np.sin(x))
    return np.sum(ws[0] * x)


def o16_dict_zip(x):
    d = dict(zip(NAMES, WS))
    add_store(np.sin(x))
    return np.sum(d["a"] * x)


def o17_direct_module_read(x):
    add_store(np.sin(x))
    return np.sum(WS[0] * x)


def o18_loop_over_module(x):
    add_store(np.sin(x))
    total = 0.0
    for w in WS:
        total = total + np.sum(w * x)
    return total


def o19_holder_dataclass(x):
    h = Holder(list(WS))
    add_store(np.sin(x))
    return np.sum(h.ws[0] * x)


def o20_get_default(x):
    w = CFG.get("missing", WS[0])
    add_store(np.sin(x))
    return np.sum(w * x)


def o21_values_of_params(x):
    vals = list(PARAMS.values())
    params_store(np.sin(x))
    return np.sum(vals[0] * x)


def o22_params_get(x):
    w = PARAMS.get("w1")
    params_store(np.sin(x))
    return np.sum(w * x)


def o23_params_items_loop(x):
    kept = []
    for _k, v in PARAMS.items():
        kept.append(v)
    params_store(np.sin(x))
    return np.sum(kept[0] * x)


def o24_params_splat(x):
    d = {**PARAMS}
    params_store(np.sin(x))
    return np.sum(d["w1"] * x)


# ----------------------------------------------------------------------------------------
# p. repeated lists
# ----------------------------------------------------------------------------------------


def p01_repeat_twice(x):
    ws = WS * 2
    sgd_step()
    return np.sum(np.sin(ws[3] * x)) + np.sum(np.tanh(ws[1] * x))


def p02_repeat_left(x):
    ws = 2 * WS
    sgd_step()
    return np.sum(np.sin(ws[4] * x)) + np.sum(np.tanh(ws[0] * x))


def p03_repeat_item(x):
    ws = [WS[0]] * 2
    sgd_step()
    return np.sum(np.sin(ws[1] * x)) * np.sum(np.cos(ws[0] * x))


def p04_repeat_copy(x):
    ws = list(WS) * 1
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[2] * x))


def p05_repeat_tuple(x):
    ws = tuple(WS) * 1
    sgd_step()
    return np.sum(np.sin(ws[0] * x)) + np.sum(np.tanh(ws[2] * x))


def p06_repeat_dict_values(x):
    vals = list(PARAMS.values()) * 1
    scale_params()
    return np.sum(np.sin(vals[0] * x)) + np.sum(np.tanh(vals[1] * x))


def p07_repeat_before_after(x):
    a = np.sum(np.sin((WS * 1)[0] * x))
    sgd_step()
    return a + np.sum(np.sin((WS * 1)[0] * x))


# ----------------------------------------------------------------------------------------
# q. the step reached through hooks: a lambda, a dict or list of functions, a callable
#    object, a bound method
# ----------------------------------------------------------------------------------------


def q01_lambda_hook(x):
    ws = list(WS)
    a = np.sum(np.sin(ws[0] * x))
    STEP_LAMBDA()
    return a + np.sum(np.sin(ws[0] * x)) * np.sum(np.cos(WS[1] * x))


def q02_dict_hook(x):
    ws = [w for w in WS]
    a = np.sum(np.sin(ws[0] * x))
    HOOKS["step"]()
    return a + np.sum(np.sin(ws[0] * x)) * np.sum(np.cos(WS[1] * x))


def q03_list_hooks(x):
    lr0 = CFG["lr"]
    a = np.sum(np.sin(WS[0] * x))
    for hook in HOOK_LIST:
        hook()
    return a * lr0 + CFG["lr"] * np.sum(np.sin(WS[0] * x))


def q04_callable_object(x):
    ws = list(WS)
    a = np.sum(np.sin(ws[0] * x))
    STEPPER()
    return a + np.sum(np.sin(ws[0] * x)) * np.sum(np.cos(WS[1] * x))


def q05_bound_method(x):
    layers = list(NET.layers)
    a = np.sum(np.sin(layers[0] * x))
    BOUND_SHRINK()
    return a + np.sum(np.sin(layers[0] * x)) + NET.forward(x)


def q06_nested_def_step(x):
    ws = list(WS)

    def step():
        for w in ws:
            w *= 0.5

    a = np.sum(np.sin(WS[0] * x))
    step()
    return a + np.sum(np.sin(WS[0] * x)) * np.sum(np.cos(ws[1] * x))


def q07_hook_by_name(x):
    a = CFG["lr"] * np.sum(np.sin(x))
    HOOKS["decay"]()
    return a + CFG["lr"] * np.sum(np.cos(x))


def q08_stepper_attribute_list(x):
    ws = STEPPER.ws
    a = np.sum(np.sin(ws[0] * x))
    STEPPER()
    return a + np.sum(np.sin(ws[0] * x))


# ----------------------------------------------------------------------------------------
# s. more setters and x-dependent stores through setters
# ----------------------------------------------------------------------------------------


def s01_setter_passed_to_helper(x):
    a = OPT.lr * np.sum(np.sin(x))
    apply_setter(SET_LR, 0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def s02_setter_tuple(x):
    a = OPT.lr * np.sum(np.sin(x))
    tuple_setter_lr(0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def s03_setter_class_attribute(x):
    a = OPT.lr * np.sum(np.sin(x))
    opt_setter_class_attr(0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def s04_getattr_dunder_setattr(x):
    a = OPT.lr * np.sum(np.sin(x))
    getattr_setter(0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def s05_dict_of_instance(x):
    a = OPT.lr * np.sum(np.sin(x))
    set_lr_method_x(0.05)
    return a + OPT.lr * np.sum(np.cos(x))


def s06_setter_passed_x(x):
    apply_setter(SET_LR, float(np.sin(x[0])))
    return OPT.lr * np.sum(np.cos(x))


def s07_instance_dict_x(x):
    set_lr_method_x(float(np.sin(x[0])))
    return OPT.lr * np.sum(np.cos(x))


def s08_setter_in_function_x(x):
    SET_LR(float(np.sin(x[0])))
    return OPT.lr * np.sum(np.cos(x))


def s09_setattr_in_function_x(x):
    setattr(OPT, "lr", float(np.sin(x[0])))
    return OPT.lr * np.sum(np.cos(x))


def s10_module_dict_in_function_x(x):
    CFG["lr"] = float(np.sin(x[0]))
    return CFG["lr"] * np.sum(np.cos(x))


# ----------------------------------------------------------------------------------------
# The harness
# ----------------------------------------------------------------------------------------

X = _a(0.37, -0.81, 0.52)
V = _a(0.3, -0.7, 0.45)
H1 = 1e-6
H2 = 1e-4
RTOL, ATOL = 1e-5, 1e-6
FR_RTOL, FR_ATOL = 1e-9, 1e-11  # forward against reverse: the same derivative, two ways

# x-dependent values stored into module state and read back: refusing is acceptable. So is a
# refusal the README documents for unusual code: `dict(**PARAMS)` (`**kwargs` of unknown keys)
# and the function's own nested def updating module arrays in place (a global updated in place).
MAY_REFUSE = {
    "j08_dict_double_star",
    "q06_nested_def_step",
    "d05_stats_x_dependent_read",
    "d10_stats_x_dependent_via_alias",
    "f11_setter_x_dependent",
    "f12_dict_setter_x_dependent",
    "f13_default_setter_x_dependent",
    "f14_closure_setter_x_dependent",
    "f15_list_setter_x_dependent",
    "f16_setitem_partial_x_dependent",
    "f17_setattr_x_dependent",
    "g02_cache_x_dependent",
    "g04_cache_get_default",
    "i01_x_step_read",
    "i02_x_step_through_list",
    "m01_stats_update_method",
    "m02_copyto_store_list",
    "m03_slice_store_comprehension",
    "m04_add_store_starred",
    "m05_scheduler_set_x",
    "m06_setdefault_store",
    "m07_dict_copy_then_store",
    "m08_map_asarray_then_store",
    "m09_layers_store",
    "m10_store_then_read_copy_made_after",
    "m11_lambda_setter_x",
    "m12_operator_setter_x",
    "m13_store_via_dict_of_lists",
    *(name for name in globals() if name.startswith("o") and name[1:3].isdigit()),
    "s06_setter_passed_x",
    "s07_instance_dict_x",
    "s08_setter_in_function_x",
    "s09_setattr_in_function_x",
    "s10_module_dict_in_function_x",
}

PROGRAMS = {
    name: fn
    for name, fn in sorted(globals().items())
    if callable(fn) and name[:1] in "abcdefghijklmnopqs" and name[1:3].isdigit() and name[3] == "_"
}
APIS = ["grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian"]


def _plain(f, x):
    reset()
    return float(f(x.copy()))


@functools.cache
def reference(name):
    f = PROGRAMS[name]
    value = _plain(f, X)
    state = snapshot()
    n = X.size
    g = np.zeros(n)
    for i in range(n):
        e = np.zeros(n)
        e[i] = H1
        g[i] = (_plain(f, X + e) - _plain(f, X - e)) / (2 * H1)
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.zeros(n), np.zeros(n)
            ei[i], ej[j] = H2, H2
            h[i, j] = (
                _plain(f, X + ei + ej)
                - _plain(f, X + ei - ej)
                - _plain(f, X - ei + ej)
                + _plain(f, X - ei - ej)
            ) / (4 * H2 * H2)
    reset()
    return value, state, g, h


def _same_state(a, b, where=""):
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{where}: keys {set(a)} vs {set(b)}"
        for k in a:
            _same_state(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), f"{where}: lengths {len(a)} vs {len(b)}"
        for i, (p, q) in enumerate(zip(a, b)):
            _same_state(p, q, f"{where}[{i}]")
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f"state {where}")


def run_api(api, f):
    """(value or None, first or second derivative, module state after the call)."""
    reset()
    x = X.copy()
    value = None
    if api == "grad":
        d = ad.grad(f)(x)
    elif api == "grad_fwd":
        d = ad.grad(f, mode="forward")(x)
    elif api == "value_and_grad":
        value, d = ad.value_and_grad(f)(x)
    elif api == "vjp":
        value, pullback = ad.vjp(f, x)
        state = snapshot()
        (d,) = pullback(1.0)
        _same_state(state, snapshot(), "after the pullback")
    elif api == "jvp":
        value, d = ad.jvp(f, (x,), (V.copy(),))
    elif api == "jacfwd":
        d = ad.jacfwd(f)(x)
    elif api == "jacrev":
        d = ad.jacrev(f)(x)
    elif api == "hessian":
        d = ad.hessian(f)(x)
    else:
        raise AssertionError(api)
    state = snapshot()
    reset()
    return value, np.asarray(d, dtype=float), state


def check(name, api):
    f = PROGRAMS[name]
    value0, state0, g0, h0 = reference(name)
    try:
        value, d, state = run_api(api, f)
    except ad.S2SError as e:
        msg = str(e)
        assert THIS_FILE in msg, f"refusal does not name the file: {msg}"
        assert name in MAY_REFUSE, f"over-refusal of ordinary code: {msg}"
        return
    finally:
        reset()
    _same_state(state0, state, "module state")
    if value is not None:
        np.testing.assert_allclose(float(value), value0, rtol=1e-12, atol=1e-14)
    if api == "hessian":
        np.testing.assert_allclose(d, h0, rtol=RTOL, atol=ATOL)
    elif api == "jvp":
        np.testing.assert_allclose(d, g0 @ V, rtol=RTOL, atol=ATOL)
    else:
        np.testing.assert_allclose(d, g0, rtol=RTOL, atol=ATOL)
    if api in ("grad_fwd", "jacfwd"):
        other = "grad" if api == "grad_fwd" else "jacrev"
        try:
            _, r, _ = run_api(other, f)
        except ad.S2SError:
            return
        finally:
            reset()
        np.testing.assert_allclose(d, r, rtol=FR_RTOL, atol=FR_ATOL)


# The failures this file found: each class with a minimal repro, then each (program, api) with
# the numbers (plain call against s2s_ad), as strict xfails.
FAILURE_CLASSES = {
    "setter_reached": (
        "SILENT WRONG NUMBER in reverse mode (grad, value_and_grad, vjp, jacrev, hessian; jvp, "
        "grad(mode='forward') and jacfwd are right): a module setter partial reached through a "
        "dict, list, tuple, default argument, closure, helper argument or "
        "getattr(OPT, '__setattr__') and called in a helper. Repro: "
        "SET_LR = functools.partial(setattr, OPT, 'lr'); SETTERS = {'lr': SET_LR}; "
        "def h(v): SETTERS['lr'](v); def f(x): a = OPT.lr * np.sum(np.sin(x)); h(0.07); "
        "return a + OPT.lr * np.sum(np.sin(2.0 * x)) -- the reverse sweep reads the rate set by "
        "h for the read made before h (OPT.lr = 0.1). Known since the 154th tester (README)."
    ),
    "setter_stores_x": (
        "SILENT WRONG NUMBER in every API: a helper stores a value depending on x through a "
        "module setter partial (setattr or __setitem__ or operator.setitem partial, directly or "
        "through a dict, list, default, closure or helper argument) or a module object's method "
        "(SCHED.set(v): self.opt.lr = v), and the function reads it back. Repro: "
        "SET_LR = functools.partial(setattr, OPT, 'lr'); def h(v): SET_LR(v); "
        "def f(x): h(float(np.tanh(x[0]))); return OPT.lr * np.sum(np.sin(x)) -- the derivative "
        "through the stored rate is dropped, with no refusal (setattr(OPT, 'lr', v) in the "
        "helper, SET_LR(v) in the function and a lambda setter are refused at the call)."
    ),
    "store_read_through_container": (
        "SILENT WRONG NUMBER in every API: a helper adds a value depending on x into a module "
        "array (def add_store(v): WS[0] += v) and the function reads that array back through a "
        "local container made before the call. Repro: def f(x): ws = WS[:]; "
        "add_store(np.sin(x)); return np.sum(ws[0] * x) -- not refused (ws = WS, list(WS), "
        "tuple(WS), list(reversed(WS)) and WS[0] are refused at the call) and the derivative "
        "through the stored value is lost. Same with [w for w in WS], first, *rest = WS, "
        "copy.copy(WS), next(iter(WS)), list(zip(WS, NAMES)), list(enumerate(WS)), "
        "[[WS[0]], [WS[1], WS[2]]], Bag(WS), w = WS[i], an append loop, extend, "
        "list(WS) + [B], dict(zip(NAMES, WS)), a dataclass, CFG.get(k, WS[0]), dict(STATS), "
        "list(map(np.asarray, WS)), {'ws': WS}, and PARAMS' list(values()), get, items() loop "
        "and {**PARAMS}."
    ),
    "repeated_module_list": (
        "SILENT WRONG VALUE AND DERIVATIVE in every API: a module list repeated (WS * 1, "
        "WS * 2, 2 * WS) holds the very arrays, yet after a helper updating them in place "
        "(for w in WS: w -= CFG['lr'] * np.sin(w)) its items give the old values. Repro: "
        "def f(x): ws = WS * 1; sgd_step(); return np.sum(np.sin(ws[0] * x)) + "
        "np.sum(np.tanh(ws[1] * x)) ([WS[0]] * 2, list(WS) * 1 and tuple(WS) * 1 are right)."
    ),
    "method_over_own_list": (
        "SILENT WRONG NUMBER in reverse mode (and vjp's and jacrev's value where noted): the "
        "arrays of a list held by a class attribute (Registry.weights, updated by a module "
        "helper), by a module callable object (STEPPER(): for w in self.ws: w -= ...) or "
        "updated by a bound method held in a global (BOUND_SHRINK = NET.shrink; "
        "NET.shrink() itself is right) are read in the reverse sweep after the update for reads "
        "made before it. Repro: def f(x): ws = list(WS); a = np.sum(np.sin(ws[0] * x)); "
        "STEPPER(); return a + np.sum(np.sin(ws[0] * x)) * np.sum(np.cos(WS[1] * x)). "
        "Known for a class attribute's list and a method looping over self's list (README)."
    ),
    "closure_model": (
        "SILENT WRONG NUMBER: a closure model (a list ws closed over, step() updating its arrays "
        "in place, loss(x) reading ws[0] before and after step()): hessian runs step() twice "
        "(the closed-over arrays end stepped twice, the Hessian is wrong) whether loss is "
        "differentiated itself or called from a module function; reverse grad and "
        "value_and_grad of loss itself read the stepped array for the read made before step()."
    ),
    "refused_star_display": (
        "OVER-REFUSAL: ws = [*WS, B] and ws = (*WS,) of a module list are refused, with a "
        "message about '*WS in a call' although they are displays (list(WS) + [B] works)."
    ),
    "refused_max_key": (
        "OVER-REFUSAL (documented in the README): w = max(WS, key=lambda w: float(np.sum(w))) "
        "and min(WS, key=...) of a module list are refused."
    ),
    "refused_local_setter_dict": (
        "OVER-REFUSAL: setters = {'lr': SET_LR}; setters['lr'](0.05) in the function is refused "
        "as 'a list or dict of functions made in the function, used as a value', while the "
        "message says calling an item by a literal key (setters[0](x)) is supported."
    ),
    "refused_other_item": (
        "OVER-REFUSAL: ws = list(WS); add_store(np.sin(x)) (WS[0] += v); "
        "return np.sum(np.sin(ws[1] * x)) is refused as reading the stored value back, though "
        "only another item (WS[1]) is read."
    ),
}

XFAIL_CASES = {
    ("f05_dict_of_setters", "grad"): (
        "setter_reached",
        "grad [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("f05_dict_of_setters", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [0.196618, 0.0620641, 0.157653] (right) differs from grad [0.168649, 0.0413792, 0.131618]",
    ),
    ("f05_dict_of_setters", "hessian"): (
        "setter_reached",
        "hessian [-0.214114, 0, 0, 0, 0.330361, 0, 0, 0, -0.276255] vs plain (central differences) [-0.224962, 0, 0, 0, 0.35209, 0, 0, 0, -0.291161]",
    ),
    ("f05_dict_of_setters", "jacfwd"): (
        "setter_reached",
        "jacfwd [0.196618, 0.0620641, 0.157653] (right) differs from jacrev [0.168649, 0.0413792, 0.131618]",
    ),
    ("f05_dict_of_setters", "jacrev"): (
        "setter_reached",
        "jacrev [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("f05_dict_of_setters", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("f05_dict_of_setters", "vjp"): (
        "setter_reached",
        "vjp [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("f07_default_setter", "grad"): (
        "setter_reached",
        "grad [-0.105286, 0.158917, -0.12792] vs plain (central differences) [-0.067993, 0.186497, -0.0932076]",
    ),
    ("f07_default_setter", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [-0.067993, 0.186497, -0.0932076] (right) differs from grad [-0.105286, 0.158917, -0.12792]",
    ),
    ("f07_default_setter", "hessian"): (
        "setter_reached",
        "hessian [-0.261814, 0, 0, 0, 0.452412, 0, 0, 0, -0.0356427] vs plain (central differences) [-0.276279, 0, 0, 0, 0.481383, 0, 0, 0, -0.0555179]",
    ),
    ("f07_default_setter", "jacfwd"): (
        "setter_reached",
        "jacfwd [-0.067993, 0.186497, -0.0932076] (right) differs from jacrev [-0.105286, 0.158917, -0.12792]",
    ),
    ("f07_default_setter", "jacrev"): (
        "setter_reached",
        "jacrev [-0.105286, 0.158917, -0.12792] vs plain (central differences) [-0.067993, 0.186497, -0.0932076]",
    ),
    ("f07_default_setter", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [-0.105286, 0.158917, -0.12792] vs plain (central differences) [-0.067993, 0.186497, -0.0932076]",
    ),
    ("f07_default_setter", "vjp"): (
        "setter_reached",
        "vjp [-0.105286, 0.158917, -0.12792] vs plain (central differences) [-0.067993, 0.186497, -0.0932076]",
    ),
    ("f08_closure_setter", "grad"): (
        "setter_reached",
        "grad [-0.157929, 0.238376, -0.191881] vs plain (central differences) [-0.148606, 0.245271, -0.183202]",
    ),
    ("f08_closure_setter", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [-0.148606, 0.245271, -0.183202] (right) differs from grad [-0.157929, 0.238376, -0.191881]",
    ),
    ("f08_closure_setter", "hessian"): (
        "setter_reached",
        "hessian [-0.392721, 0, 0, 0, 0.678617, 0, 0, 0, -0.0534641] vs plain (central differences) [-0.396337, 0, 0, 0, 0.68586, 0, 0, 0, -0.0584329]",
    ),
    ("f08_closure_setter", "jacfwd"): (
        "setter_reached",
        "jacfwd [-0.148606, 0.245271, -0.183202] (right) differs from jacrev [-0.157929, 0.238376, -0.191881]",
    ),
    ("f08_closure_setter", "jacrev"): (
        "setter_reached",
        "jacrev [-0.157929, 0.238376, -0.191881] vs plain (central differences) [-0.148606, 0.245271, -0.183202]",
    ),
    ("f08_closure_setter", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [-0.157929, 0.238376, -0.191881] vs plain (central differences) [-0.148606, 0.245271, -0.183202]",
    ),
    ("f08_closure_setter", "vjp"): (
        "setter_reached",
        "vjp [-0.157929, 0.238376, -0.191881] vs plain (central differences) [-0.148606, 0.245271, -0.183202]",
    ),
    ("f11_setter_x_dependent", "grad"): (
        "setter_stores_x",
        "grad [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("f11_setter_x_dependent", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("f11_setter_x_dependent", "hessian"): (
        "setter_stores_x",
        "hessian [-0.128009, 0, 0, 0, 0.256392, 0, 0, 0, -0.175891] vs plain (central differences) [1.41987, 0.603097, 0.759073, 0.603097, 0.256392, 0, 0.759073, 0, -0.175891]",
    ),
    ("f11_setter_x_dependent", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("f11_setter_x_dependent", "jacrev"): (
        "setter_stores_x",
        "jacrev [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("f11_setter_x_dependent", "jvp"): (
        "setter_stores_x",
        "jvp [0.0663975] vs plain (central differences) [0.101615]",
    ),
    ("f11_setter_x_dependent", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("f11_setter_x_dependent", "vjp"): (
        "setter_stores_x",
        "vjp [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("f12_dict_setter_x_dependent", "grad"): (
        "setter_stores_x",
        "grad [-0.384542, 0.770207, -0.528382] vs plain (central differences) [1.4578, -3.26302, 2.06085]",
    ),
    ("f12_dict_setter_x_dependent", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [-0.384542, 0.770207, -0.528382] vs plain (central differences) [1.4578, -3.26302, 2.06085]",
    ),
    ("f12_dict_setter_x_dependent", "hessian"): (
        "setter_stores_x",
        "hessian [-0.991437, 0, 0, 0, -0.733213, 0, 0, 0, -0.922839] vs plain (central differences) [3.45266, 1.12179, -0.743771, 1.12179, 1.89939, 1.5582, -0.743771, 1.5582, 3.02294]",
    ),
    ("f12_dict_setter_x_dependent", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [-0.384542, 0.770207, -0.528382] vs plain (central differences) [1.4578, -3.26302, 2.06085]",
    ),
    ("f12_dict_setter_x_dependent", "jacrev"): (
        "setter_stores_x",
        "jacrev [-0.384542, 0.770207, -0.528382] vs plain (central differences) [1.4578, -3.26302, 2.06085]",
    ),
    ("f12_dict_setter_x_dependent", "jvp"): (
        "setter_stores_x",
        "jvp [-0.892279] vs plain (central differences) [3.64883]",
    ),
    ("f12_dict_setter_x_dependent", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [-0.384542, 0.770207, -0.528382] vs plain (central differences) [1.4578, -3.26302, 2.06085]",
    ),
    ("f12_dict_setter_x_dependent", "vjp"): (
        "setter_stores_x",
        "vjp [-0.384542, 0.770207, -0.528382] vs plain (central differences) [1.4578, -3.26302, 2.06085]",
    ),
    ("f13_default_setter_x_dependent", "grad"): (
        "setter_stores_x",
        "grad [-0.633527, -0.399552, -0.559007] vs plain (central differences) [-0.633527, -0.287784, -0.559007]",
    ),
    ("f13_default_setter_x_dependent", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [-0.633527, -0.399552, -0.559007] vs plain (central differences) [-0.633527, -0.287784, -0.559007]",
    ),
    ("f13_default_setter_x_dependent", "hessian"): (
        "setter_stores_x",
        "hessian [0.448526, 0, 0, 0, -0.535073, 0, 0, 0, 0.534075] vs plain (central differences) [0.448526, 0.603097, 0, 0.603097, 0.343058, 0.532157, 0, 0.532157, 0.534075]",
    ),
    ("f13_default_setter_x_dependent", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [-0.633527, -0.399552, -0.559007] vs plain (central differences) [-0.633527, -0.287784, -0.559007]",
    ),
    ("f13_default_setter_x_dependent", "jacrev"): (
        "setter_stores_x",
        "jacrev [-0.633527, -0.399552, -0.559007] vs plain (central differences) [-0.633527, -0.287784, -0.559007]",
    ),
    ("f13_default_setter_x_dependent", "jvp"): (
        "setter_stores_x",
        "jvp [-0.161925] vs plain (central differences) [-0.240163]",
    ),
    ("f13_default_setter_x_dependent", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [-0.633527, -0.399552, -0.559007] vs plain (central differences) [-0.633527, -0.287784, -0.559007]",
    ),
    ("f13_default_setter_x_dependent", "vjp"): (
        "setter_stores_x",
        "vjp [-0.633527, -0.399552, -0.559007] vs plain (central differences) [-0.633527, -0.287784, -0.559007]",
    ),
    ("f14_closure_setter_x_dependent", "grad"): (
        "setter_stores_x",
        "grad [0.064496, 0.0452682, 0.0674646] vs plain (central differences) [1.66115, 0.0452682, 1.20355]",
    ),
    ("f14_closure_setter_x_dependent", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [0.064496, 0.0452682, 0.0674646] vs plain (central differences) [1.66115, 0.0452682, 1.20355]",
    ),
    ("f14_closure_setter_x_dependent", "hessian"): (
        "setter_stores_x",
        "hessian [0.0193488, 0, 0, 0, 0.0135804, 0, 0, 0, 0.0202394] vs plain (central differences) [0.367976, 0.122346, 3.37686, 0.122346, 0.0135804, 0.0870541, 3.37686, 0.0870541, 0.279719]",
    ),
    ("f14_closure_setter_x_dependent", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [0.064496, 0.0452682, 0.0674646] vs plain (central differences) [1.66115, 0.0452682, 1.20355]",
    ),
    ("f14_closure_setter_x_dependent", "jacrev"): (
        "setter_stores_x",
        "jacrev [0.064496, 0.0452682, 0.0674646] vs plain (central differences) [1.66115, 0.0452682, 1.20355]",
    ),
    ("f14_closure_setter_x_dependent", "jvp"): (
        "setter_stores_x",
        "jvp [0.0180202] vs plain (central differences) [1.00825]",
    ),
    ("f14_closure_setter_x_dependent", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [0.064496, 0.0452682, 0.0674646] vs plain (central differences) [1.66115, 0.0452682, 1.20355]",
    ),
    ("f14_closure_setter_x_dependent", "vjp"): (
        "setter_stores_x",
        "vjp [0.064496, 0.0452682, 0.0674646] vs plain (central differences) [1.66115, 0.0452682, 1.20355]",
    ),
    ("f15_list_setter_x_dependent", "grad"): (
        "setter_stores_x",
        "grad [0.869234, 0.642838, 0.809092] vs plain (central differences) [0.820702, 0.642838, 0.809092]",
    ),
    ("f15_list_setter_x_dependent", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [0.869234, 0.642838, 0.809092] vs plain (central differences) [0.820702, 0.642838, 0.809092]",
    ),
    ("f15_list_setter_x_dependent", "hessian"): (
        "setter_stores_x",
        "hessian [-0.337144, 0, 0, 0, 0.675273, 0, 0, 0, -0.463255] vs plain (central differences) [-1.13656, -0.249333, -0.313817, -0.249333, 0.675273, 0, -0.313817, 0, -0.463255]",
    ),
    ("f15_list_setter_x_dependent", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [0.869234, 0.642838, 0.809092] vs plain (central differences) [0.820702, 0.642838, 0.809092]",
    ),
    ("f15_list_setter_x_dependent", "jacrev"): (
        "setter_stores_x",
        "jacrev [0.869234, 0.642838, 0.809092] vs plain (central differences) [0.820702, 0.642838, 0.809092]",
    ),
    ("f15_list_setter_x_dependent", "jvp"): (
        "setter_stores_x",
        "jvp [0.174875] vs plain (central differences) [0.160315]",
    ),
    ("f15_list_setter_x_dependent", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [0.869234, 0.642838, 0.809092] vs plain (central differences) [0.820702, 0.642838, 0.809092]",
    ),
    ("f15_list_setter_x_dependent", "vjp"): (
        "setter_stores_x",
        "vjp [0.869234, 0.642838, 0.809092] vs plain (central differences) [0.820702, 0.642838, 0.809092]",
    ),
    ("f16_setitem_partial_x_dependent", "grad"): (
        "setter_stores_x",
        "grad [0.0993142, -0.217418, 0.139577] vs plain (central differences) [1.09075, 0.515795, 1.06242]",
    ),
    ("f16_setitem_partial_x_dependent", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [0.0993142, -0.217418, 0.139577] vs plain (central differences) [1.09075, 0.515795, 1.06242]",
    ),
    ("f16_setitem_partial_x_dependent", "hessian"): (
        "setter_stores_x",
        "hessian [0.268417, 0, 0, 0, 0.268417, 0, 0, 0, 0.268417] vs plain (central differences) [1.26372, -1.00014, 1.61181, -1.00014, -1.19535, -0.688789, 1.61181, -0.688789, 1.5451]",
    ),
    ("f16_setitem_partial_x_dependent", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [0.0993142, -0.217418, 0.139577] vs plain (central differences) [1.09075, 0.515795, 1.06242]",
    ),
    ("f16_setitem_partial_x_dependent", "jacrev"): (
        "setter_stores_x",
        "jacrev [0.0993142, -0.217418, 0.139577] vs plain (central differences) [1.09075, 0.515795, 1.06242]",
    ),
    ("f16_setitem_partial_x_dependent", "jvp"): (
        "setter_stores_x",
        "jvp [0.244796] vs plain (central differences) [0.444256]",
    ),
    ("f16_setitem_partial_x_dependent", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [0.0993142, -0.217418, 0.139577] vs plain (central differences) [1.09075, 0.515795, 1.06242]",
    ),
    ("f16_setitem_partial_x_dependent", "vjp"): (
        "setter_stores_x",
        "vjp [0.0993142, -0.217418, 0.139577] vs plain (central differences) [1.09075, 0.515795, 1.06242]",
    ),
    ("j01_star_display", "grad"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "grad_fwd"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "hessian"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "jacfwd"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "jacrev"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "jvp"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "value_and_grad"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j01_star_display", "vjp"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "grad"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "grad_fwd"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "hessian"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "jacfwd"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "jacrev"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "jvp"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "value_and_grad"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j02_star_tuple", "vjp"): (
        "refused_star_display",
        "refused: unsupported construct: `*WS` in a call, where the number of elements of `WS` is not known when the derivative is made; build it where the call can see",
    ),
    ("j03_repeat", "grad"): (
        "repeated_module_list",
        "grad [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("j03_repeat", "grad_fwd"): (
        "repeated_module_list",
        "grad_fwd [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("j03_repeat", "hessian"): (
        "repeated_module_list",
        "hessian [-0.0107081, 0, 0, 0, 0.0839227, 0, 0, 0, 0.133472] vs plain (central differences) [-0.00784577, 0, 0, 0, 0.0634343, 0, 0, 0, 0.10276]",
    ),
    ("j03_repeat", "jacfwd"): (
        "repeated_module_list",
        "jacfwd [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("j03_repeat", "jacrev"): (
        "repeated_module_list",
        "jacrev [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("j03_repeat", "jvp"): (
        "repeated_module_list",
        "value -0.0492465 vs plain -0.0482459; jvp [-0.0228712] vs plain (central differences) [-0.0280582]",
    ),
    ("j03_repeat", "value_and_grad"): (
        "repeated_module_list",
        "value -0.0492465 vs plain -0.0482459; value_and_grad [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("j03_repeat", "vjp"): (
        "repeated_module_list",
        "value -0.0492465 vs plain -0.0482459; vjp [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("j19_max_key", "grad"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "grad_fwd"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "hessian"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "jacfwd"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "jacrev"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "jvp"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "value_and_grad"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j19_max_key", "vjp"): (
        "refused_max_key",
        "refused: unsupported construct: `max` with `key=` or `default=`; compute the keys first, or write the loop that finds the max",
    ),
    ("j32_min_key", "grad"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "grad_fwd"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "hessian"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "jacfwd"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "jacrev"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "jvp"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "value_and_grad"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("j32_min_key", "vjp"): (
        "refused_max_key",
        "refused: unsupported construct: `min` with `key=` or `default=`; compute the keys first, or write the loop that finds the min",
    ),
    ("k12_class_attribute_list", "grad"): (
        "method_over_own_list",
        "grad [0.394293, -0.387059, 0.70884] vs plain (central differences) [0.443563, -0.452901, 0.793463]",
    ),
    ("k12_class_attribute_list", "grad_fwd"): (
        "method_over_own_list",
        "grad_fwd [0.443563, -0.452901, 0.793463] (right) differs from grad [0.394293, -0.387059, 0.70884]",
    ),
    ("k12_class_attribute_list", "hessian"): (
        "method_over_own_list",
        "hessian [-0.0220235, 0, 0, 0, -0.231107, 0, 0, 0, -0.0642034] vs plain (central differences) [-0.0231661, 0, 2.22045e-08, 0, -0.237821, 2.22045e-08, 2.22045e-08, 2.22045e-08, -0.0732804]",
    ),
    ("k12_class_attribute_list", "jacfwd"): (
        "method_over_own_list",
        "jacfwd [0.443563, -0.452901, 0.793463] (right) differs from jacrev [0.492526, -0.514789, 0.87464]",
    ),
    ("k12_class_attribute_list", "jacrev"): (
        "method_over_own_list",
        "jacrev [0.492526, -0.514789, 0.87464] vs plain (central differences) [0.443563, -0.452901, 0.793463]",
    ),
    ("k12_class_attribute_list", "value_and_grad"): (
        "method_over_own_list",
        "value_and_grad [0.394293, -0.387059, 0.70884] vs plain (central differences) [0.443563, -0.452901, 0.793463]",
    ),
    ("k12_class_attribute_list", "vjp"): (
        "method_over_own_list",
        "value 4.14231 vs plain 4.02611; vjp [0.492526, -0.514789, 0.87464] vs plain (central differences) [0.443563, -0.452901, 0.793463]",
    ),
    ("k13_closure_model", "hessian"): (
        "closure_model",
        "hessian [-0.0161538, 0.00395724, 0.00372354, 0.00395724, 0.010219, -0.00515526, 0.00372354, -0.00515526, 0.00658439] vs plain (central differences) [-0.0516482, 0.0114222, 0.0108018, 0.0114222, 0.0303154, -0.0149208, 0.0108018, -0.0149208, 0.0215311]; module state after the call differs from the plain call's",
    ),
    ("k14_closure_itself", "grad"): (
        "closure_model",
        "grad [0.969439, 0.406163, -0.686915] vs plain (central differences) [1.07356, 0.450831, -0.761282]",
    ),
    ("k14_closure_itself", "grad_fwd"): (
        "closure_model",
        "grad_fwd [1.07356, 0.450831, -0.761282] (right) differs from grad [0.969439, 0.406163, -0.686915]",
    ),
    ("k14_closure_itself", "hessian"): (
        "closure_model",
        "hessian [-0.0469024, 0.0114222, 0.0108018, 0.0114222, 0.0294973, -0.0149208, 0.0108018, -0.0149208, 0.0191004] vs plain (central differences) [-0.0516482, 0.0114222, 0.0108018, 0.0114222, 0.0303154, -0.0149208, 0.0108018, -0.0149208, 0.0215311]",
    ),
    ("k14_closure_itself", "value_and_grad"): (
        "closure_model",
        "value_and_grad [0.969439, 0.406163, -0.686915] vs plain (central differences) [1.07356, 0.450831, -0.761282]",
    ),
    ("l02_list_setter_opt", "grad"): (
        "setter_reached",
        "grad [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("l02_list_setter_opt", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [0.196618, 0.0620641, 0.157653] (right) differs from grad [0.168649, 0.0413792, 0.131618]",
    ),
    ("l02_list_setter_opt", "hessian"): (
        "setter_reached",
        "hessian [-0.214114, 0, 0, 0, 0.330361, 0, 0, 0, -0.276255] vs plain (central differences) [-0.224962, 0, 0, 0, 0.35209, 0, 0, 0, -0.291161]",
    ),
    ("l02_list_setter_opt", "jacfwd"): (
        "setter_reached",
        "jacfwd [0.196618, 0.0620641, 0.157653] (right) differs from jacrev [0.168649, 0.0413792, 0.131618]",
    ),
    ("l02_list_setter_opt", "jacrev"): (
        "setter_reached",
        "jacrev [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("l02_list_setter_opt", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("l02_list_setter_opt", "vjp"): (
        "setter_reached",
        "vjp [0.168649, 0.0413792, 0.131618] vs plain (central differences) [0.196618, 0.0620641, 0.157653]",
    ),
    ("l05_local_dict_of_setters", "grad"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "grad_fwd"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "hessian"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "jacfwd"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "jacrev"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "jvp"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "value_and_grad"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l05_local_dict_of_setters", "vjp"): (
        "refused_local_setter_dict",
        "refused: unsupported construct: `setters`, a list or dict of functions made in the function, used as a value; loop over it (`for f in setters:`, a dict's `.val",
    ),
    ("l13_setters_in_loop", "grad"): (
        "setter_reached",
        "grad [0.0698445, 0.0619019, 0.0677673] vs plain (central differences) [0.147081, 0.128977, 0.142342]",
    ),
    ("l13_setters_in_loop", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [0.147081, 0.128977, 0.142342] (right) differs from grad [0.0698445, 0.0619019, 0.0677673]",
    ),
    ("l13_setters_in_loop", "hessian"): (
        "setter_reached",
        "hessian [-0.0115818, 0, 0, 0, 0.0242156, 0, 0, 0, -0.016087] vs plain (central differences) [-0.0264254, 0, 0, 0, 0.0551385, 0, 0, 0, -0.0366857]",
    ),
    ("l13_setters_in_loop", "jacfwd"): (
        "setter_reached",
        "jacfwd [0.147081, 0.128977, 0.142342] (right) differs from jacrev [0.0698445, 0.0619019, 0.0677673]",
    ),
    ("l13_setters_in_loop", "jacrev"): (
        "setter_reached",
        "jacrev [0.0698445, 0.0619019, 0.0677673] vs plain (central differences) [0.147081, 0.128977, 0.142342]",
    ),
    ("l13_setters_in_loop", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [0.0698445, 0.0619019, 0.0677673] vs plain (central differences) [0.147081, 0.128977, 0.142342]",
    ),
    ("l13_setters_in_loop", "vjp"): (
        "setter_reached",
        "vjp [0.0698445, 0.0619019, 0.0677673] vs plain (central differences) [0.147081, 0.128977, 0.142342]",
    ),
    ("m03_slice_store_comprehension", "grad"): (
        "store_read_through_container",
        "grad [0.35096, -0.573497, 0.463038] vs plain (central differences) [0.671823, -0.956206, 0.852056]",
    ),
    ("m03_slice_store_comprehension", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.35096, -0.573497, 0.463038] vs plain (central differences) [0.671823, -0.956206, 0.852056]",
    ),
    ("m03_slice_store_comprehension", "hessian"): (
        "store_read_through_container",
        "hessian [-0.0163659, 0, 0, 0, -0.231423, 0, 0, 0, -0.056104] vs plain (central differences) [1.44726, 0, 0, 0, -0.210908, 0, 0, 0, 0.934582]",
    ),
    ("m03_slice_store_comprehension", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.35096, -0.573497, 0.463038] vs plain (central differences) [0.671823, -0.956206, 0.852056]",
    ),
    ("m03_slice_store_comprehension", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.35096, -0.573497, 0.463038] vs plain (central differences) [0.671823, -0.956206, 0.852056]",
    ),
    ("m03_slice_store_comprehension", "jvp"): (
        "store_read_through_container",
        "jvp [0.715102] vs plain (central differences) [1.25432]",
    ),
    ("m03_slice_store_comprehension", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.35096, -0.573497, 0.463038] vs plain (central differences) [0.671823, -0.956206, 0.852056]",
    ),
    ("m03_slice_store_comprehension", "vjp"): (
        "store_read_through_container",
        "vjp [0.35096, -0.573497, 0.463038] vs plain (central differences) [0.671823, -0.956206, 0.852056]",
    ),
    ("m04_add_store_starred", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m04_add_store_starred", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m04_add_store_starred", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("m04_add_store_starred", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m04_add_store_starred", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m04_add_store_starred", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("m04_add_store_starred", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m04_add_store_starred", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m05_scheduler_set_x", "grad"): (
        "setter_stores_x",
        "grad [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("m05_scheduler_set_x", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("m05_scheduler_set_x", "hessian"): (
        "setter_stores_x",
        "hessian [-0.128009, 0, 0, 0, 0.256392, 0, 0, 0, -0.175891] vs plain (central differences) [1.41987, 0.603097, 0.759073, 0.603097, 0.256392, 0, 0.759073, 0, -0.175891]",
    ),
    ("m05_scheduler_set_x", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("m05_scheduler_set_x", "jacrev"): (
        "setter_stores_x",
        "jacrev [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("m05_scheduler_set_x", "jvp"): (
        "setter_stores_x",
        "jvp [0.0663975] vs plain (central differences) [0.101615]",
    ),
    ("m05_scheduler_set_x", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("m05_scheduler_set_x", "vjp"): (
        "setter_stores_x",
        "vjp [0.330036, 0.244077, 0.307201] vs plain (central differences) [0.447427, 0.244077, 0.307201]",
    ),
    ("m07_dict_copy_then_store", "grad"): (
        "store_read_through_container",
        "grad [0.216162, -0.162429, 0.409688] vs plain (central differences) [0.250658, -0.218278, 0.454815]",
    ),
    ("m07_dict_copy_then_store", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.216162, -0.162429, 0.409688] vs plain (central differences) [0.250658, -0.218278, 0.454815]",
    ),
    ("m07_dict_copy_then_store", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [0.173086, 0, 0, 0, 0.0792324, 0, 0, 0, 0.147726]",
    ),
    ("m07_dict_copy_then_store", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.216162, -0.162429, 0.409688] vs plain (central differences) [0.250658, -0.218278, 0.454815]",
    ),
    ("m07_dict_copy_then_store", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.216162, -0.162429, 0.409688] vs plain (central differences) [0.250658, -0.218278, 0.454815]",
    ),
    ("m07_dict_copy_then_store", "jvp"): (
        "store_read_through_container",
        "jvp [0.362908] vs plain (central differences) [0.432659]",
    ),
    ("m07_dict_copy_then_store", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.216162, -0.162429, 0.409688] vs plain (central differences) [0.250658, -0.218278, 0.454815]",
    ),
    ("m07_dict_copy_then_store", "vjp"): (
        "store_read_through_container",
        "vjp [0.216162, -0.162429, 0.409688] vs plain (central differences) [0.250658, -0.218278, 0.454815]",
    ),
    ("m08_map_asarray_then_store", "grad"): (
        "store_read_through_container",
        "grad [0.653992, -0.86959, 0.9777] vs plain (central differences) [0.977627, -1.31643, 1.37904]",
    ),
    ("m08_map_asarray_then_store", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.653992, -0.86959, 0.9777] vs plain (central differences) [0.977627, -1.31643, 1.37904]",
    ),
    ("m08_map_asarray_then_store", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.52025, 0, 0, 0, 0.504904, 0, 0, 0, 1.16017]",
    ),
    ("m08_map_asarray_then_store", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.653992, -0.86959, 0.9777] vs plain (central differences) [0.977627, -1.31643, 1.37904]",
    ),
    ("m08_map_asarray_then_store", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.653992, -0.86959, 0.9777] vs plain (central differences) [0.977627, -1.31643, 1.37904]",
    ),
    ("m08_map_asarray_then_store", "jvp"): (
        "store_read_through_container",
        "jvp [1.24488] vs plain (central differences) [1.83535]",
    ),
    ("m08_map_asarray_then_store", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.653992, -0.86959, 0.9777] vs plain (central differences) [0.977627, -1.31643, 1.37904]",
    ),
    ("m08_map_asarray_then_store", "vjp"): (
        "store_read_through_container",
        "vjp [0.653992, -0.86959, 0.9777] vs plain (central differences) [0.977627, -1.31643, 1.37904]",
    ),
    ("m12_operator_setter_x", "grad"): (
        "setter_stores_x",
        "grad [0.261913, -0.524592, 0.359884] vs plain (central differences) [0.261913, 1.19201, 0.359884]",
    ),
    ("m12_operator_setter_x", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [0.261913, -0.524592, 0.359884] vs plain (central differences) [0.261913, 1.19201, 0.359884]",
    ),
    ("m12_operator_setter_x", "hessian"): (
        "setter_stores_x",
        "hessian [0.675273, 0, 0, 0, 0.499395, 0, 0, 0, 0.62855] vs plain (central differences) [0.675273, -0.249333, -1.11022e-08, -0.249333, 3.3014, -0.342598, -1.11022e-08, -0.342598, 0.62855]",
    ),
    ("m12_operator_setter_x", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [0.261913, -0.524592, 0.359884] vs plain (central differences) [0.261913, 1.19201, 0.359884]",
    ),
    ("m12_operator_setter_x", "jacrev"): (
        "setter_stores_x",
        "jacrev [0.261913, -0.524592, 0.359884] vs plain (central differences) [0.261913, 1.19201, 0.359884]",
    ),
    ("m12_operator_setter_x", "jvp"): (
        "setter_stores_x",
        "jvp [0.607736] vs plain (central differences) [-0.593888]",
    ),
    ("m12_operator_setter_x", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [0.261913, -0.524592, 0.359884] vs plain (central differences) [0.261913, 1.19201, 0.359884]",
    ),
    ("m12_operator_setter_x", "vjp"): (
        "setter_stores_x",
        "vjp [0.261913, -0.524592, 0.359884] vs plain (central differences) [0.261913, 1.19201, 0.359884]",
    ),
    ("m13_store_via_dict_of_lists", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m13_store_via_dict_of_lists", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m13_store_via_dict_of_lists", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("m13_store_via_dict_of_lists", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m13_store_via_dict_of_lists", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m13_store_via_dict_of_lists", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("m13_store_via_dict_of_lists", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m13_store_via_dict_of_lists", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("m14_store_not_read", "grad"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "grad_fwd"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "hessian"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "jacfwd"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "jacrev"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "jvp"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "value_and_grad"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("m14_store_not_read", "vjp"): (
        "refused_other_item",
        "refused: unsupported construct: call of `add_store` given a value that carries a derivative, which it stores (line 482 of `add_store`: `WS[0] += v`), where the",
    ),
    ("o03_slice", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o03_slice", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o03_slice", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o03_slice", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o03_slice", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o03_slice", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o03_slice", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o03_slice", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o04_copy_copy", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o04_copy_copy", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o04_copy_copy", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o04_copy_copy", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o04_copy_copy", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o04_copy_copy", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o04_copy_copy", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o04_copy_copy", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o05_next_iter", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o05_next_iter", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o05_next_iter", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o05_next_iter", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o05_next_iter", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o05_next_iter", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o05_next_iter", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o05_next_iter", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o06_zip", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o06_zip", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o06_zip", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o06_zip", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o06_zip", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o06_zip", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o06_zip", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o06_zip", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o07_enumerate", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o07_enumerate", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o07_enumerate", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o07_enumerate", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o07_enumerate", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o07_enumerate", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o07_enumerate", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o07_enumerate", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o10_nested_display", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o10_nested_display", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o10_nested_display", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o10_nested_display", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o10_nested_display", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o10_nested_display", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o10_nested_display", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o10_nested_display", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o11_bag", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o11_bag", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o11_bag", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o11_bag", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o11_bag", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o11_bag", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o11_bag", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o11_bag", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o12_index_variable", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o12_index_variable", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o12_index_variable", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o12_index_variable", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o12_index_variable", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o12_index_variable", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o12_index_variable", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o12_index_variable", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o13_append_loop", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o13_append_loop", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o13_append_loop", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o13_append_loop", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o13_append_loop", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o13_append_loop", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o13_append_loop", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o13_append_loop", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o14_extend", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o14_extend", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o14_extend", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o14_extend", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o14_extend", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o14_extend", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o14_extend", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o14_extend", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o15_plus", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o15_plus", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o15_plus", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o15_plus", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o15_plus", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o15_plus", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o15_plus", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o15_plus", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o16_dict_zip", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o16_dict_zip", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o16_dict_zip", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o16_dict_zip", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o16_dict_zip", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o16_dict_zip", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o16_dict_zip", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o16_dict_zip", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o19_holder_dataclass", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o19_holder_dataclass", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o19_holder_dataclass", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o19_holder_dataclass", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o19_holder_dataclass", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o19_holder_dataclass", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o19_holder_dataclass", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o19_holder_dataclass", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o20_get_default", "grad"): (
        "store_read_through_container",
        "grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o20_get_default", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o20_get_default", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, 0, 0, 0, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o20_get_default", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o20_get_default", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o20_get_default", "jvp"): (
        "store_read_through_container",
        "jvp [1.29408] vs plain (central differences) [1.99159]",
    ),
    ("o20_get_default", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o20_get_default", "vjp"): (
        "store_read_through_container",
        "vjp [0.661615, -0.924287, 0.99688] vs plain (central differences) [1.00658, -1.48278, 1.44815]",
    ),
    ("o21_values_of_params", "grad"): (
        "store_read_through_container",
        "grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o21_values_of_params", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o21_values_of_params", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, -1.11022e-08, 0, -1.11022e-08, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o21_values_of_params", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o21_values_of_params", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o21_values_of_params", "jvp"): (
        "store_read_through_container",
        "jvp [1.38908] vs plain (central differences) [2.08659]",
    ),
    ("o21_values_of_params", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o21_values_of_params", "vjp"): (
        "store_read_through_container",
        "vjp [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o22_params_get", "grad"): (
        "store_read_through_container",
        "grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o22_params_get", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o22_params_get", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, -1.11022e-08, 0, -1.11022e-08, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o22_params_get", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o22_params_get", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o22_params_get", "jvp"): (
        "store_read_through_container",
        "jvp [1.38908] vs plain (central differences) [2.08659]",
    ),
    ("o22_params_get", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o22_params_get", "vjp"): (
        "store_read_through_container",
        "vjp [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o23_params_items_loop", "grad"): (
        "store_read_through_container",
        "grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o23_params_items_loop", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o23_params_items_loop", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, -1.11022e-08, 0, -1.11022e-08, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o23_params_items_loop", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o23_params_items_loop", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o23_params_items_loop", "jvp"): (
        "store_read_through_container",
        "jvp [1.38908] vs plain (central differences) [2.08659]",
    ),
    ("o23_params_items_loop", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o23_params_items_loop", "vjp"): (
        "store_read_through_container",
        "vjp [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o24_params_splat", "grad"): (
        "store_read_through_container",
        "grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o24_params_splat", "grad_fwd"): (
        "store_read_through_container",
        "grad_fwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o24_params_splat", "hessian"): (
        "store_read_through_container",
        "hessian [0, 0, 0, 0, 0, 0, 0, 0, 0] vs plain (central differences) [1.73086, -1.11022e-08, 0, -1.11022e-08, 0.792324, 0, 0, 0, 1.47726]",
    ),
    ("o24_params_splat", "jacfwd"): (
        "store_read_through_container",
        "jacfwd [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o24_params_splat", "jacrev"): (
        "store_read_through_container",
        "jacrev [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o24_params_splat", "jvp"): (
        "store_read_through_container",
        "jvp [1.38908] vs plain (central differences) [2.08659]",
    ),
    ("o24_params_splat", "value_and_grad"): (
        "store_read_through_container",
        "value_and_grad [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("o24_params_splat", "vjp"): (
        "store_read_through_container",
        "vjp [0.961615, -1.12429, 0.69688] vs plain (central differences) [1.30658, -1.68278, 1.14815]",
    ),
    ("p01_repeat_twice", "grad"): (
        "repeated_module_list",
        "grad [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("p01_repeat_twice", "grad_fwd"): (
        "repeated_module_list",
        "grad_fwd [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("p01_repeat_twice", "hessian"): (
        "repeated_module_list",
        "hessian [-0.0107081, 0, 0, 0, 0.0839227, 0, 0, 0, 0.133472] vs plain (central differences) [-0.00784577, 0, 0, 0, 0.0634343, 0, 0, 0, 0.10276]",
    ),
    ("p01_repeat_twice", "jacfwd"): (
        "repeated_module_list",
        "jacfwd [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("p01_repeat_twice", "jacrev"): (
        "repeated_module_list",
        "jacrev [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("p01_repeat_twice", "jvp"): (
        "repeated_module_list",
        "value -0.0492465 vs plain -0.0482459; jvp [-0.0228712] vs plain (central differences) [-0.0280582]",
    ),
    ("p01_repeat_twice", "value_and_grad"): (
        "repeated_module_list",
        "value -0.0492465 vs plain -0.0482459; value_and_grad [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("p01_repeat_twice", "vjp"): (
        "repeated_module_list",
        "value -0.0492465 vs plain -0.0482459; vjp [0.398017, 0.163401, -0.06199] vs plain (central differences) [0.359012, 0.153637, -0.0627025]",
    ),
    ("p02_repeat_left", "grad"): (
        "repeated_module_list",
        "grad [0.396265, 0.184346, -0.103366] vs plain (central differences) [0.357725, 0.169375, -0.0939999]",
    ),
    ("p02_repeat_left", "grad_fwd"): (
        "repeated_module_list",
        "grad_fwd [0.396265, 0.184346, -0.103366] vs plain (central differences) [0.357725, 0.169375, -0.0939999]",
    ),
    ("p02_repeat_left", "hessian"): (
        "repeated_module_list",
        "hessian [-0.0200251, 0, 0, 0, 0.0384213, 0, 0, 0, -0.00841903] vs plain (central differences) [-0.0147141, 0, 0, 0, 0.0283796, 0, 0, 0, -0.00692446]",
    ),
    ("p02_repeat_left", "jacfwd"): (
        "repeated_module_list",
        "jacfwd [0.396265, 0.184346, -0.103366] vs plain (central differences) [0.357725, 0.169375, -0.0939999]",
    ),
    ("p02_repeat_left", "jacrev"): (
        "repeated_module_list",
        "jacrev [0.396265, 0.184346, -0.103366] vs plain (central differences) [0.357725, 0.169375, -0.0939999]",
    ),
    ("p02_repeat_left", "jvp"): (
        "repeated_module_list",
        "value -0.0628927 vs plain -0.0584485; jvp [-0.0566774] vs plain (central differences) [-0.0535451]",
    ),
    ("p02_repeat_left", "value_and_grad"): (
        "repeated_module_list",
        "value -0.0628927 vs plain -0.0584485; value_and_grad [0.396265, 0.184346, -0.103366] vs plain (central differences) [0.357725, 0.169375, -0.0939999]",
    ),
    ("p02_repeat_left", "vjp"): (
        "repeated_module_list",
        "value -0.0628927 vs plain -0.0584485; vjp [0.396265, 0.184346, -0.103366] vs plain (central differences) [0.357725, 0.169375, -0.0939999]",
    ),
    ("q04_callable_object", "grad"): (
        "method_over_own_list",
        "grad [1.05238, -0.647916, 1.6469] vs plain (central differences) [1.08175, -0.667523, 1.69323]",
    ),
    ("q04_callable_object", "grad_fwd"): (
        "method_over_own_list",
        "grad_fwd [1.08175, -0.667523, 1.69323] (right) differs from grad [1.05238, -0.647916, 1.6469]",
    ),
    ("q04_callable_object", "hessian"): (
        "method_over_own_list",
        "hessian [-0.0357896, 0.0285457, -0.0421091, 0.0285457, -0.11637, 0.0727785, -0.0421091, 0.0727785, -0.465915] vs plain (central differences) [-0.0367717, 0.0285457, -0.0421091, 0.0285457, -0.117011, 0.0727785, -0.0421091, 0.0727785, -0.472077]",
    ),
    ("q04_callable_object", "jacfwd"): (
        "method_over_own_list",
        "jacfwd [1.08175, -0.667523, 1.69323] (right) differs from jacrev [1.05238, -0.647916, 1.6469]",
    ),
    ("q04_callable_object", "jacrev"): (
        "method_over_own_list",
        "jacrev [1.05238, -0.647916, 1.6469] vs plain (central differences) [1.08175, -0.667523, 1.69323]",
    ),
    ("q04_callable_object", "value_and_grad"): (
        "method_over_own_list",
        "value_and_grad [1.05238, -0.647916, 1.6469] vs plain (central differences) [1.08175, -0.667523, 1.69323]",
    ),
    ("q04_callable_object", "vjp"): (
        "method_over_own_list",
        "vjp [1.05238, -0.647916, 1.6469] vs plain (central differences) [1.08175, -0.667523, 1.69323]",
    ),
    ("q05_bound_method", "grad"): (
        "method_over_own_list",
        "grad [1.60689, -1.24587, 0.365665] vs plain (central differences) [1.77701, -1.36396, 0.424936]",
    ),
    ("q05_bound_method", "grad_fwd"): (
        "method_over_own_list",
        "grad_fwd [1.77701, -1.36396, 0.424936] (right) differs from grad [1.60689, -1.24587, 0.365665]",
    ),
    ("q05_bound_method", "hessian"): (
        "method_over_own_list",
        "hessian [-0.485014, 0, 0, 0, -0.557855, 0, 0, 0, -0.00696152] vs plain (central differences) [-0.537969, 1.11022e-08, 1.11022e-08, 1.11022e-08, -0.610492, 1.11022e-08, 1.11022e-08, 1.11022e-08, -0.00975817]",
    ),
    ("q05_bound_method", "jacfwd"): (
        "method_over_own_list",
        "jacfwd [1.77701, -1.36396, 0.424936] (right) differs from jacrev [1.60689, -1.24587, 0.365665]",
    ),
    ("q05_bound_method", "jacrev"): (
        "method_over_own_list",
        "jacrev [1.60689, -1.24587, 0.365665] vs plain (central differences) [1.77701, -1.36396, 0.424936]",
    ),
    ("q05_bound_method", "value_and_grad"): (
        "method_over_own_list",
        "value_and_grad [1.60689, -1.24587, 0.365665] vs plain (central differences) [1.77701, -1.36396, 0.424936]",
    ),
    ("q05_bound_method", "vjp"): (
        "method_over_own_list",
        "vjp [1.60689, -1.24587, 0.365665] vs plain (central differences) [1.77701, -1.36396, 0.424936]",
    ),
    ("q08_stepper_attribute_list", "grad"): (
        "method_over_own_list",
        "grad [0.537879, -0.355994, 0.876489] vs plain (central differences) [0.567249, -0.3756, 0.92282]",
    ),
    ("q08_stepper_attribute_list", "grad_fwd"): (
        "method_over_own_list",
        "grad_fwd [0.567249, -0.3756, 0.92282] (right) differs from grad [0.537879, -0.355994, 0.876489]",
    ),
    ("q08_stepper_attribute_list", "hessian"): (
        "method_over_own_list",
        "hessian [-0.0162942, 0, 0, 0, -0.0105284, 0, 0, 0, -0.105704] vs plain (central differences) [-0.0172763, 0, 0, 0, -0.0111693, 0, 0, 0, -0.111867]",
    ),
    ("q08_stepper_attribute_list", "jacfwd"): (
        "method_over_own_list",
        "jacfwd [0.567249, -0.3756, 0.92282] (right) differs from jacrev [0.596307, -0.394763, 0.96639]",
    ),
    ("q08_stepper_attribute_list", "jacrev"): (
        "method_over_own_list",
        "jacrev [0.596307, -0.394763, 0.96639] vs plain (central differences) [0.567249, -0.3756, 0.92282]",
    ),
    ("q08_stepper_attribute_list", "value_and_grad"): (
        "method_over_own_list",
        "value_and_grad [0.537879, -0.355994, 0.876489] vs plain (central differences) [0.567249, -0.3756, 0.92282]",
    ),
    ("q08_stepper_attribute_list", "vjp"): (
        "method_over_own_list",
        "value 1.05829 vs plain 1.00735; vjp [0.596307, -0.394763, 0.96639] vs plain (central differences) [0.567249, -0.3756, 0.92282]",
    ),
    ("s01_setter_passed_to_helper", "grad"): (
        "setter_reached",
        "grad [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s01_setter_passed_to_helper", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [0.075152, 0.105164, 0.0619379] (right) differs from grad [0.0285356, 0.0706893, 0.018547]",
    ),
    ("s01_setter_passed_to_helper", "hessian"): (
        "setter_reached",
        "hessian [-0.0646971, 0, 0, 0, 0.00173944, 0, 0, 0, -0.068235] vs plain (central differences) [-0.0827779, 0, 0, 0, 0.0379538, 0, 0, 0, -0.093079]",
    ),
    ("s01_setter_passed_to_helper", "jacfwd"): (
        "setter_reached",
        "jacfwd [0.075152, 0.105164, 0.0619379] (right) differs from jacrev [0.0285356, 0.0706893, 0.018547]",
    ),
    ("s01_setter_passed_to_helper", "jacrev"): (
        "setter_reached",
        "jacrev [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s01_setter_passed_to_helper", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s01_setter_passed_to_helper", "vjp"): (
        "setter_reached",
        "vjp [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s02_setter_tuple", "grad"): (
        "setter_reached",
        "grad [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s02_setter_tuple", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [0.075152, 0.105164, 0.0619379] (right) differs from grad [0.0285356, 0.0706893, 0.018547]",
    ),
    ("s02_setter_tuple", "hessian"): (
        "setter_reached",
        "hessian [-0.0646971, 0, 0, 0, 0.00173944, 0, 0, 0, -0.068235] vs plain (central differences) [-0.0827779, 0, 0, 0, 0.0379538, 0, 0, 0, -0.093079]",
    ),
    ("s02_setter_tuple", "jacfwd"): (
        "setter_reached",
        "jacfwd [0.075152, 0.105164, 0.0619379] (right) differs from jacrev [0.0285356, 0.0706893, 0.018547]",
    ),
    ("s02_setter_tuple", "jacrev"): (
        "setter_reached",
        "jacrev [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s02_setter_tuple", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s02_setter_tuple", "vjp"): (
        "setter_reached",
        "vjp [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s04_getattr_dunder_setattr", "grad"): (
        "setter_reached",
        "grad [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s04_getattr_dunder_setattr", "grad_fwd"): (
        "setter_reached",
        "grad_fwd [0.075152, 0.105164, 0.0619379] (right) differs from grad [0.0285356, 0.0706893, 0.018547]",
    ),
    ("s04_getattr_dunder_setattr", "hessian"): (
        "setter_reached",
        "hessian [-0.0646971, 0, 0, 0, 0.00173944, 0, 0, 0, -0.068235] vs plain (central differences) [-0.0827779, 0, 0, 0, 0.0379538, 0, 0, 0, -0.093079]",
    ),
    ("s04_getattr_dunder_setattr", "jacfwd"): (
        "setter_reached",
        "jacfwd [0.075152, 0.105164, 0.0619379] (right) differs from jacrev [0.0285356, 0.0706893, 0.018547]",
    ),
    ("s04_getattr_dunder_setattr", "jacrev"): (
        "setter_reached",
        "jacrev [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s04_getattr_dunder_setattr", "value_and_grad"): (
        "setter_reached",
        "value_and_grad [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s04_getattr_dunder_setattr", "vjp"): (
        "setter_reached",
        "vjp [0.0285356, 0.0706893, 0.018547] vs plain (central differences) [0.075152, 0.105164, 0.0619379]",
    ),
    ("s06_setter_passed_x", "grad"): (
        "setter_stores_x",
        "grad [-0.130766, 0.261913, -0.17968] vs plain (central differences) [2.1904, 0.261913, -0.17968]",
    ),
    ("s06_setter_passed_x", "grad_fwd"): (
        "setter_stores_x",
        "grad_fwd [-0.130766, 0.261913, -0.17968] vs plain (central differences) [2.1904, 0.261913, -0.17968]",
    ),
    ("s06_setter_passed_x", "hessian"): (
        "setter_stores_x",
        "hessian [-0.337144, 0, 0, 0, -0.249333, 0, 0, 0, -0.313817] vs plain (central differences) [-1.91173, 0.675273, -0.463255, 0.675273, -0.249333, 0, -0.463255, 0, -0.313817]",
    ),
    ("s06_setter_passed_x", "jacfwd"): (
        "setter_stores_x",
        "jacfwd [-0.130766, 0.261913, -0.17968] vs plain (central differences) [2.1904, 0.261913, -0.17968]",
    ),
    ("s06_setter_passed_x", "jacrev"): (
        "setter_stores_x",
        "jacrev [-0.130766, 0.261913, -0.17968] vs plain (central differences) [2.1904, 0.261913, -0.17968]",
    ),
    ("s06_setter_passed_x", "jvp"): (
        "setter_stores_x",
        "jvp [-0.303425] vs plain (central differences) [0.392924]",
    ),
    ("s06_setter_passed_x", "value_and_grad"): (
        "setter_stores_x",
        "value_and_grad [-0.130766, 0.261913, -0.17968] vs plain (central differences) [2.1904, 0.261913, -0.17968]",
    ),
    ("s06_setter_passed_x", "vjp"): (
        "setter_stores_x",
        "vjp [-0.130766, 0.261913, -0.17968] vs plain (central differences) [2.1904, 0.261913, -0.17968]",
    ),
}
# Fixed in session 58 after this file was written (setter partials and helpers reached
# through a dict, list, tuple, default argument or closure are writers; an x-dependent value
# stored through a setter partial in a helper is refused where it is read back; starred
# module lists in displays are joined when run): these cases pass now.
FIXED_IN_SESSION_58 = {
    *(
        ("f05_dict_of_setters", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f07_default_setter", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f08_closure_setter", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f11_setter_x_dependent", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f12_dict_setter_x_dependent", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f13_default_setter_x_dependent", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f14_closure_setter_x_dependent", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("j01_star_display", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("j02_star_tuple", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("l02_list_setter_opt", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("l13_setters_in_loop", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m12_operator_setter_x", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("s02_setter_tuple", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f15_list_setter_x_dependent", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("f16_setitem_partial_x_dependent", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m05_scheduler_set_x", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m07_dict_copy_then_store", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m13_store_via_dict_of_lists", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o04_copy_copy", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o06_zip", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o10_nested_display", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o11_bag", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o14_extend", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o15_plus", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o16_dict_zip", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o19_holder_dataclass", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o24_params_splat", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("s01_setter_passed_to_helper", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("s06_setter_passed_x", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("j03_repeat", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("p01_repeat_twice", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("p02_repeat_left", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m03_slice_store_comprehension", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m08_map_asarray_then_store", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o03_slice", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o07_enumerate", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o12_index_variable", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o13_append_loop", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o21_values_of_params", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("m04_add_store_starred", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o05_next_iter", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o20_get_default", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o22_params_get", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
    *(
        ("o23_params_items_loop", a)
        for a in ("grad", "grad_fwd", "value_and_grad", "vjp", "jvp", "jacfwd", "jacrev", "hessian")
    ),
}
XFAIL_CASES = {k: v for k, v in XFAIL_CASES.items() if k not in FIXED_IN_SESSION_58}
XFAILS = {k: f"{FAILURE_CLASSES[c]} -- {nums}" for k, (c, nums) in XFAIL_CASES.items()}


def _cases():
    for name in PROGRAMS:
        for api in APIS:
            reason = XFAILS.get((name, api))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, api, marks=marks, id=f"{name}-{api}")


@pytest.mark.parametrize(("name", "api"), list(_cases()))
def test_program(name, api):
    if (name, api) not in XFAILS:
        check(name, api)
        return
    # A recorded failure (a strict xfail marker): reported as the marker's expected failure
    # without pytest re-reading this long file for the traceback (0.2 s a test otherwise).
    try:
        check(name, api)
    except Exception as e:
        raise pytest.xfail.Exception(f"{type(e).__name__}: {e}"[:400], pytrace=False) from None


def test_reset_restores_everything():
    reset()
    before = snapshot()
    for f in PROGRAMS.values():
        reset()
        f(X.copy())
    reset()
    _same_state(before, snapshot(), "reset")


def test_program_count():
    assert len(PROGRAMS) >= 80
