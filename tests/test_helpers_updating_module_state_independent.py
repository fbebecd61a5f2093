"""The 151st independent tester: module state given to a helper that updates it in place.

Written from the README alone (s2s_ad's code and tests unread). Each program is one a user
would write: running statistics, EMAs of weights, optimiser state, buffers normalised in
place, helpers calling helpers, methods of module-level objects, keywords, results used or
ignored, loops, branches, `while`/`break`, checkpointed loops; the module's arrays, lists,
dicts of arrays, objects' array attributes and views of them (`M[0]`, `M.T`,
`M.reshape(-1)`) are given to a helper of the user's that updates its argument in place.

For every program that must work: the value equals one plain call's; the module state (and
the printed text) after each API call equals what one plain call leaves (the state is reset
before each call); the gradient matches central differences; forward (`jacfwd`,
`grad(mode="forward")`, `jvp`) matches reverse (`grad`, `vjp`, `jacrev`, `jacobian`,
`value_and_grad`); `hessian` matches second differences of the plain function. Programs
that must be refused (a helper storing a value carrying a derivative into module state the
function then reads back) must raise `S2SError` naming this file and the user's line.
Programs marked "refused or right" (locals updated by helpers, local views and aliases of
module state, checkpointed loops changing module state) must do one of the two, never give
silently wrong numbers.

What fails is a strict expected failure whose reason holds a minimal repro (the `_…`
constants above `XFAIL`): silently wrong numbers where a helper called for its value
updates the module's array itself, where a local view (`r = M[0]`), a loop's element or row,
a helper's parameter or the function's argument is the module's array read around the
update, where the helper is reached through its default, `**{…}`, a tuple of arrays, a
module-level `partial`, a class attribute or `a.clip(…, out=a)`, and in second derivatives
through updating helpers; a store not refused when read back through a module-level view
or a helper's default; a comprehension calling an updating helper for its effect, dropped;
and refusals of code that works (a read-only local given beside the updated array, a
length read back, a checkpointed loop reading an array no helper changes).
"""

# ruff: noqa: E731, B007, B905

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import os
from functools import partial
from types import SimpleNamespace

import numpy as np
import pytest

import s2s_ad as ad

HERE = os.path.basename(__file__)

# ---------------------------------------------------------------------------------------------
# Module state: every mutable object the programs read or update, with its pristine copy.
# ---------------------------------------------------------------------------------------------

RNG0 = np.random.default_rng(151)

M = RNG0.standard_normal((3, 3)) * 0.5
N = RNG0.standard_normal((3, 3)) * 0.5
W = RNG0.standard_normal((3, 3)) * 0.4
W_AVG = RNG0.standard_normal((3, 3)) * 0.4
G = RNG0.standard_normal((3, 3)) * 2.0  # a "gradient" buffer to clip
OPT_M = RNG0.standard_normal((3, 3)) * 0.1
OPT_V = np.abs(RNG0.standard_normal((3, 3))) * 0.1
RUNNING_MEAN = RNG0.standard_normal(3) * 0.1
RUNNING_VAR = np.abs(RNG0.standard_normal(3)) + 0.5
BUF = RNG0.standard_normal(3)
VEC = RNG0.standard_normal(3)
DATA = RNG0.standard_normal((4, 3))
LAYERS = [RNG0.standard_normal((3, 3)) * 0.5, RNG0.standard_normal((3, 3)) * 0.5]
PARAMS = {"w": RNG0.standard_normal((3, 3)) * 0.5, "b": RNG0.standard_normal(3) * 0.1}
COUNTS = np.zeros(2, dtype=int)
M32 = (RNG0.standard_normal((3, 3)) * 0.5).astype(np.float32)
MASK = np.ones(3)
LOG = []
RNG = np.random.default_rng(7)
_RNG_STATE0 = copy.deepcopy(RNG.bit_generator.state)
Z0D = np.zeros(())
CFG = {"arr": RNG0.standard_normal(3), "scale": 0.5}


class Stats:
    """Running statistics kept by a module-level object, updated by its own methods."""

    def __init__(self, n):
        self.mean = np.zeros(n)
        self.var = np.ones(n)
        self.buf = np.linspace(0.5, 1.5, n)
        self.count = 0

    def decay(self, r):
        self.buf *= r

    def update(self, batch, momentum=0.9):
        update_running(self.mean, batch.mean(axis=0), momentum)
        update_running(self.var, batch.var(axis=0), momentum)
        self.count += 1

    def normalised(self, h):
        return (h - self.mean) / np.sqrt(self.var + 1e-5)


class Adam:
    def __init__(self, shape, b1=0.9, b2=0.99):
        self.m = np.full(shape, 0.1)
        self.v = np.full(shape, 0.2)
        self.b1 = b1
        self.b2 = b2

    def absorb(self, g):
        scale_inplace(self.m, self.b1)
        self.m += (1.0 - self.b1) * g
        np.multiply(self.v, self.b2, out=self.v)
        self.v += (1.0 - self.b2) * g * g


M_FLAT = M.reshape(-1)  # a module-level view of M
M_ROW0 = M[0]  # another
REG = {"m": M, "bufs": [BUF]}  # a registry holding the module's arrays themselves


class Holder:
    def __init__(self, arr):
        self.arr = arr  # the module's array itself, not a copy


HOLDER = Holder(VEC)


class Tracker:
    def __init__(self):
        self.buf = np.array([0.5, -0.25, 1.0])

    def step(self, x):
        self.buf *= 0.9
        return np.dot(self.buf, x)

    def absorb(self, v):
        self.buf += v

    def read_then_decay(self, x):
        y = np.sum(np.sin(self.buf * x))
        scale_inplace(self.buf, 0.9)
        return y


TRACKER = Tracker()


class Layer:
    def __init__(self, k):
        self.w = np.arange(9.0).reshape(3, 3) / 10 - 0.3 * k
        self.w_avg = np.eye(3)

    def track(self, d=0.5):
        ema_(self.w_avg, self.w, d)


MODEL = [Layer(1), Layer(2)]


class Config:
    SCALE = np.array([1.0, 0.5, 2.0])  # a class attribute holding an array


NS = SimpleNamespace(buf=np.array([0.2, -0.4, 0.6]))
CONFIG = Config()  # SCALE read through an instance is still the class's array

STATS = Stats(3)
ADAM = Adam((3, 3))
HOLD = {"stats": Stats(3)}

_GLOBAL_NAMES = [
    "M",
    "N",
    "W",
    "W_AVG",
    "G",
    "OPT_M",
    "OPT_V",
    "RUNNING_MEAN",
    "RUNNING_VAR",
    "BUF",
    "VEC",
    "DATA",
    "LAYERS",
    "PARAMS",
    "CFG",
    "COUNTS",
    "M32",
    "MASK",
    "LOG",
    "Z0D",
    "STATS",
    "ADAM",
    "HOLD",
    "TRACKER",
    "MODEL",
    "NS",
]
_PRISTINE = {name: copy.deepcopy(globals()[name]) for name in _GLOBAL_NAMES}


def _restore(obj, orig):
    """Put `orig`'s contents back into `obj`, keeping `obj`'s identity (and its arrays')."""
    if isinstance(obj, np.ndarray):
        obj[...] = orig
        return obj
    if isinstance(obj, list):
        for i, item in enumerate(orig):
            if i < len(obj) and isinstance(obj[i], np.ndarray) and obj[i].shape == item.shape:
                obj[i][...] = item
            elif i < len(obj) and (isinstance(obj[i], (list, dict)) or hasattr(obj[i], "__dict__")):
                _restore(obj[i], item)
            else:
                obj[i : i + 1] = [copy.deepcopy(item)]
        del obj[len(orig) :]
        return obj
    if isinstance(obj, dict):
        for k in list(obj):
            if k not in orig:
                del obj[k]
        for k, item in orig.items():
            if k in obj and isinstance(obj[k], np.ndarray) and obj[k].shape == item.shape:
                obj[k][...] = item
            elif k in obj and (isinstance(obj[k], (list, dict)) or hasattr(obj[k], "__dict__")):
                _restore(obj[k], item)
            else:
                obj[k] = copy.deepcopy(item)
        return obj
    if hasattr(obj, "__dict__"):
        _restore(obj.__dict__, orig.__dict__)
        return obj
    raise TypeError(type(obj))


_CONFIG_SCALE0 = Config.SCALE.copy()


def reset():
    Config.SCALE[...] = _CONFIG_SCALE0
    for name in _GLOBAL_NAMES:
        _restore(globals()[name], _PRISTINE[name])
    RNG.bit_generator.state = copy.deepcopy(_RNG_STATE0)


def snapshot():
    state = {name: copy.deepcopy(globals()[name]) for name in _GLOBAL_NAMES}
    state["RNG"] = copy.deepcopy(RNG.bit_generator.state)
    state["Config.SCALE"] = Config.SCALE.copy()
    return state


def _same(a, b, path="state"):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, f"{path}: shape {a.shape} != {b.shape}"
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13, err_msg=path)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (u, v) in enumerate(zip(a, b)):
            _same(u, v, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert set(a) == set(b), f"{path}: keys {set(a)} != {set(b)}"
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]")
    elif hasattr(a, "__dict__"):
        _same(a.__dict__, b.__dict__, f"{path}.")
    elif isinstance(a, float):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(a)), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


# ---------------------------------------------------------------------------------------------
# The user's helpers.
# ---------------------------------------------------------------------------------------------


def scale_inplace(a, s):
    a *= s


def add_inplace(a, v):
    a += v


def update_running(running, batch_stat, momentum):
    running *= momentum
    running += (1.0 - momentum) * batch_stat


def ema_(avg, w, decay=0.9):
    avg *= decay
    avg += (1.0 - decay) * w


def normalise_(b):
    b /= np.sqrt(np.sum(b * b))


def clip_(g, lim=1.0):
    np.clip(g, -lim, lim, out=g)


def adam_moments_(m, v, g, b1=0.9, b2=0.99):
    m *= b1
    m += (1.0 - b1) * g
    np.multiply(v, b2, out=v)
    v += (1.0 - b2) * g * g


def decay_then_shift(a):
    scale_inplace(a, 0.5)  # a helper calling a helper
    add_inplace(a, 0.25)


def scale_and_report(a, s):
    a *= s
    return float(np.sum(a))


def step_and_value(a, x):
    a *= 0.5
    return np.sum(a @ x)


def halve_returning(a):
    a *= 0.5
    return a


def acc(t, v):
    t += v
    return t


def set_first_row(a, v):
    a[0] = v


def tanh_(a):
    a[:] = np.tanh(a)


def fill_ones(a):
    a[...] = 1.0


def copy_into(dst, src):
    np.copyto(dst, src)


def add_out(a, v):
    np.add(a, v, out=a)


def scale_all_(d, s):
    for k in d:
        d[k] *= s


def scale_each_(arrs, s):
    for a in arrs:
        a *= s


def axpy_(y, a, x):
    y += a * x


def bump_column(a, j):
    a[:, j] += 1.0


def project(x):
    return M @ x


def relu_(a):
    a[a < 0] = 0.0


def floor_(a, lo):
    np.maximum(a, lo, out=a)


def count_(c):
    c += 1


def decay_default(a=M):  # the module's array as the helper's default
    a *= 0.5


def store_default(v, a=BUF):
    a[:] = v


def step_and_argmax(a, x):
    a *= 0.5
    return int(np.argmax(a @ x))


def step_pair(a, x):
    a *= 0.5
    return a, np.sum(np.sin(a @ x))


def step_through_helper_then_value(a, x):
    scale_inplace(a, 0.5)
    return np.sum(a @ x)


def value_then_step(a, x):
    v = np.sum(np.sin(a @ x))
    a *= 0.5
    return v


def step_returning_new(a, x):
    a *= 0.5
    return x + 1.0


def store_and_ret(a, x):
    a += x
    return np.sum(x * x)


def put(a, v):
    a[...] = v


class Ops:
    @staticmethod
    def scale_(a, s):
        a *= s

    @classmethod
    def shift_(cls, a, v):
        a += v


class Scaler:
    def __init__(self, s):
        self.s = s

    def apply_(self, a):
        a *= self.s


SCALER = Scaler(0.5)


TRAINING = True


def bn_layer(h):
    update_running(RUNNING_MEAN, h.mean(axis=0), 0.9)  # a value of x, never read back
    return h - h.mean(axis=0)


def bn_layer_eval_aware(h):
    if TRAINING:
        update_running(RUNNING_MEAN, np.mean(DATA, axis=0), 0.9)
    return h - RUNNING_MEAN


def buffered_layer(h):
    scale_inplace(BUF, 0.5)
    return h * BUF


def cond_update(a, x):
    if np.sum(x) > 0:
        a *= 2.0
    else:
        a *= 0.5


def clip_norm_(g, max_norm):
    n = np.sqrt(np.sum(g * g))
    if n <= max_norm:
        return
    g *= max_norm / n


def halve_until_(a, lim):
    for _ in range(10):
        if np.max(np.abs(a)) < lim:
            break
        a *= 0.5


def scale_log(a, s):
    a *= s
    print("scaled by", s)


def resample_(mask):
    mask[...] = RNG.random(3) > 0.3  # a dropout mask drawn into a module buffer


def scale_record(a, s):
    a *= s
    LOG.append(float(np.sum(a)))


def scale_row_(a):
    r = a[0]
    r *= 2.0


def rows_(a):
    for row in a:
        row *= 0.5


def outer_(a):
    scale_inplace(a[0], 3.0)


def scale_all(*arrs):
    for a in arrs:
        a *= 0.5


def ops_(a):
    a **= 2
    a -= 0.1
    a /= 2.0


def matmul_(a, b):
    a @= b


def none_ret(a):
    a *= 2.0
    return None


def get_row(a):
    return a[0]


def read_then_halve(v):
    y = np.sum(np.sin(M @ v))
    scale_inplace(M, 0.5)
    return y


def shrink_and_check(a, tol):
    a *= 0.5
    return bool(np.max(np.abs(a)) < tol)


def read_update_read(x, w):
    y = np.sum(np.sin(w @ x))
    scale_inplace(M, 0.5)  # w is M here: the plain call's w sees the update
    return y + np.sum(np.sin(w @ x))


def read_global_update_param(x, w):
    y = np.sum(np.sin(M @ x))
    scale_inplace(w, 0.5)  # w is M: the global M read after it sees the update
    return y + np.sum(np.sin(M @ x))


def read_attr_update_by_name(x, obj):
    y = np.sum(np.sin(obj.buf * x))
    STATS.decay(0.5)  # obj is STATS
    return y + np.sum(np.sin(obj.buf * x))


def set_column_(a, v):
    a[:, 0] = v


DECAY = lambda a: scale_inplace(a, 0.5)  # a module-level lambda
HALVE = partial(scale_inplace, s=0.5)  # a module-level partial
UPDATERS = {"decay": scale_inplace, "shift": add_inplace}  # helpers in a dict
DECAY_STATS = STATS.decay  # a bound method kept at module level
OPS = SimpleNamespace(scale=scale_inplace, shift=add_inplace)  # helpers as attributes
PAIR = (M, N)  # a module tuple holding the module's arrays
NESTED = {"a": {"b": M}}


def bump_attr(obj, s):
    obj.buf *= s


# ---------------------------------------------------------------------------------------------
# Programs that must work: value, state, gradient, modes and Hessian all as the plain call's.
# ---------------------------------------------------------------------------------------------


def p_brief_example(x):
    y = np.sum(M @ x**2)
    scale_inplace(M, 2.0)
    return y + np.sum(M @ x)


def p_read_before_in_pullback(x):
    y = np.sum(np.sin(M @ x))  # the pullback needs M as it was here
    scale_inplace(M, -1.5)
    return y + np.sum(np.cos(M @ x) ** 2)


def p_batchnorm_running_stats(x):
    h = DATA * x  # a batch of 4, features scaled by x
    mu = np.mean(DATA, axis=0)
    var = np.var(DATA, axis=0)
    update_running(RUNNING_MEAN, mu, 0.9)
    update_running(RUNNING_VAR, var, 0.9)
    z = (h - RUNNING_MEAN) / np.sqrt(RUNNING_VAR + 1e-5)
    return np.sum(np.tanh(z) ** 2)


def p_batchnorm_stats_of_x_not_read(x):
    h = np.tanh(DATA * x)
    mu = np.mean(h, axis=0)
    update_running(RUNNING_MEAN, mu, 0.8)  # stores a value of x, never read back
    return np.sum((h - mu) ** 2)


def p_ema_of_weights(x):
    y = np.tanh(W @ x)
    ema_(W_AVG, W, decay=0.95)
    z = np.tanh(W_AVG @ y)
    return np.sum(z**2) + np.sum(y)


def p_ema_positional_decay(x):
    ema_(W_AVG, W, 0.5)
    ema_(W_AVG, W, 0.5)
    return np.sum((W_AVG @ x) ** 2)


def p_adam_moments(x):
    adam_moments_(OPT_M, OPT_V, G)
    upd = OPT_M / (np.sqrt(OPT_V) + 1e-8)
    return np.sum((upd @ x) ** 2) + np.sum(OPT_V @ x)


def p_adam_keywords(x):
    adam_moments_(m=OPT_M, v=OPT_V, g=G, b2=0.9)
    return np.sum(np.sin(OPT_M @ x) * (OPT_V @ x))


def p_clip_out(x):
    clip_(G)
    return np.sum(np.tanh(G @ x))


def p_clip_keyword_limit(x):
    a = np.sum(G @ x)
    clip_(G, lim=0.5)
    return a * np.sum(G @ (x * x))


def p_normalise_buffer(x):
    y = np.dot(BUF, x) ** 2
    normalise_(BUF)
    return y + np.dot(BUF, np.sin(x))


def p_helper_calls_helper(x):
    y = np.sum(M @ x)
    decay_then_shift(M)
    return y * np.sum(M @ np.exp(x))


def p_keywords(x):
    scale_inplace(a=M, s=3.0)
    y = np.sum(M @ x)
    scale_inplace(M, s=0.1)
    return y + np.sum((M @ x) ** 2)


def p_result_ignored(x):
    _ = scale_and_report(M, 2.0)
    return np.sum(M @ x**2)


def p_result_used(x):
    total = scale_and_report(M, 2.0)
    return total * np.sum(M @ x)


def p_result_value_of_x(x):
    y = step_and_value(M, x)
    return y + np.sum((M @ x) ** 2)


def p_returns_its_argument(x):
    h = halve_returning(M)
    return np.sum(h @ x) + np.sum(M @ x**2)


def p_returns_its_argument_ignored(x):
    _ = halve_returning(N)
    return np.sum(np.tanh(N @ x))


def p_in_loop(x):
    acc_ = 0.0
    for _ in range(3):
        scale_inplace(M, 0.9)
        acc_ = acc_ + np.sum(np.sin(M @ x))
    return acc_


def p_in_loop_over_list(x):
    h = x
    for layer in LAYERS:
        h = np.tanh(layer @ h)
        scale_inplace(layer, 0.5)
    return np.sum(h**2) + np.sum(LAYERS[0] @ x)


def p_branch(x):
    if np.sum(x) > 0:
        scale_inplace(M, 2.0)
    else:
        add_inplace(M, 1.0)
    return np.sum((M @ x) ** 2)


def p_branch_on_state(x):
    y = np.sum(M @ x)
    add_inplace(VEC, 1.0)
    if VEC[0] > 0.5:
        y = y * np.sum(VEC * x)
    return y


def p_while_break(x):
    y = 0.0
    k = 0
    while True:
        scale_inplace(BUF, 2.0)
        y = y + np.dot(BUF, x)
        k += 1
        if np.max(np.abs(BUF)) > 5.0 or k >= 6:
            break
    return y * y


def p_while_condition_on_state(x):
    y = np.sum(x)
    while np.max(np.abs(BUF)) < 4.0:
        scale_inplace(BUF, 1.5)
        y = y + np.dot(BUF, np.sin(x))
    return y


def p_view_row(x):
    y = np.sum(M @ x)
    scale_inplace(M[0], 3.0)
    return y + np.sum((M @ x) ** 2)


def p_view_transpose(x):
    y = np.sum(M @ x)
    add_inplace(M.T, np.arange(3.0))  # adds to columns of M.T, i.e. rows of M
    return y * np.sum(M @ x)


def p_view_reshape(x):
    scale_inplace(M.reshape(-1), 0.25)
    return np.sum(np.tanh(M @ x))


def p_view_column(x):
    y = np.sum(np.exp(M @ x))
    add_inplace(M[:, 1], 1.0)
    return y + np.sum(np.exp(M @ x))


def p_view_slice_rows(x):
    tanh_(M[1:])
    return np.sum((M @ x) ** 3)


def p_set_first_row(x):
    set_first_row(M, np.ones(3))
    return np.sum(M @ x**2)


def p_fill(x):
    y = np.sum(M @ x)
    fill_ones(M)
    return y * np.sum(M @ x)


def p_copyto(x):
    y = np.sum((M @ x) ** 2)
    copy_into(M, N)
    return y + np.sum(M @ x)


def p_add_out(x):
    add_out(M, N)
    return np.sum(np.sin(M @ x))


def p_list_item(x):
    scale_inplace(LAYERS[1], 2.0)
    return np.sum(LAYERS[1] @ np.tanh(LAYERS[0] @ x))


def p_list_whole(x):
    scale_each_(LAYERS, 0.5)
    return np.sum(LAYERS[1] @ np.tanh(LAYERS[0] @ x))


def p_dict_item(x):
    y = np.sum(PARAMS["w"] @ x + PARAMS["b"])
    scale_inplace(PARAMS["w"], 0.5)
    return y + np.sum((PARAMS["w"] @ x + PARAMS["b"]) ** 2)


def p_dict_whole(x):
    scale_all_(PARAMS, 2.0)
    return np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))


def p_cfg_array(x):
    scale_inplace(CFG["arr"], CFG["scale"])
    return np.sum(CFG["arr"] * x**2)


def p_object_attribute(x):
    y = np.sum(STATS.buf * x)
    scale_inplace(STATS.buf, 2.0)
    return y + np.sum(STATS.buf * x**2)


def p_object_method(x):
    y = np.sum(STATS.buf * x)
    STATS.decay(0.5)
    return y * np.sum(STATS.buf * x)


def p_object_method_in_loop(x):
    y = 0.0
    for _ in range(3):
        STATS.decay(0.8)
        y = y + np.sum(STATS.buf * np.sin(x))
    return y


def p_object_update_method(x):
    STATS.update(DATA, momentum=0.5)
    h = STATS.normalised(x)
    return np.sum(h**2) + STATS.count


def p_object_given_to_helper(x):
    bump_attr(STATS, 3.0)
    return np.sum(STATS.buf * x**2)


def p_object_in_dict(x):
    s = HOLD["stats"]
    s.decay(0.25)
    return np.sum(HOLD["stats"].buf * x)


def p_optimiser_object(x):
    ADAM.absorb(G)
    return np.sum((ADAM.m / np.sqrt(ADAM.v)) @ x**2)


def p_two_arrays(x):
    axpy_(M, 0.5, N)
    return np.sum(M @ x) * np.sum(N @ x)


def p_local_alias_of_module(x):
    m = M
    scale_inplace(m, 2.0)
    return np.sum(M @ x) + np.sum(m @ x**2)


def p_local_alias_read_before(x):
    old = M  # an alias: the plain call sees the update through it
    y = np.sum(old @ x)
    scale_inplace(M, 2.0)
    return y + np.sum(old @ x**2)


def p_local_copy_before(x):
    old = M.copy()
    scale_inplace(M, 2.0)
    return np.sum((M - old) @ x**2)


def p_numbers_rebound(x):
    total = 0.0
    total = acc(total, np.sum(x**2))
    total = acc(total, 1.0)
    return total * np.sum(M @ x)


def p_numbers_rebound_in_loop(x):
    t = 0.0
    for i in range(3):
        t = acc(t, x[i] ** 2)
    return t


def p_module_number_rebound(x):
    s = acc(CFG["scale"], 0.5)  # a float: CFG is unchanged
    return s * np.sum(x**2) + CFG["scale"]


def p_ema_in_loop_with_break(x):
    y = 0.0
    for t in range(5):
        ema_(W_AVG, W, decay=0.5)
        y = y + np.sum(np.tanh(W_AVG @ x))
        if t == 2:
            break
    return y


def p_state_updated_after_last_read(x):
    y = np.sum(np.tanh(M @ x) ** 2)
    scale_inplace(M, 10.0)  # nothing reads M after this
    return y


def p_derivative_stored_not_read(x):
    y = np.sum(M @ x)
    add_inplace(BUF, np.tanh(x))  # BUF never read back
    return y**2


def p_value_helper_read_after(x):
    y = step_and_value(M, x)  # called for its value, which carries a derivative
    return y + np.sum((M @ x) ** 2)


def p_value_helper_only(x):
    return step_and_value(M, x)


def p_value_helper_ignored(x):
    _ = step_and_value(M, x)
    return np.sum(np.tanh(M @ x))


def p_method_step_value(x):
    y = TRACKER.step(x)
    return y * np.sum(TRACKER.buf * x)


def p_method_step_in_loop(x):
    y = 0.0
    for _ in range(3):
        y = y + TRACKER.step(x) ** 2
    return y


def p_module_view_read_before(x):
    y = np.sum(np.sin(M_FLAT[:3] * x))  # M_FLAT is a module-level view of M
    scale_inplace(M, 2.0)
    return y + np.sum(M_FLAT[3:6] * x**2)


def p_module_row_view_read_after(x):
    y = np.sum(M @ x)
    add_inplace(M, 1.0)
    return y * np.sum(M_ROW0 * x)  # M_ROW0 is M[0], updated too


def p_registry_item_updated(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(REG["m"], 0.5)  # REG["m"] is M itself
    return y + np.sum(np.sin(M @ x))


def p_registry_list_item(x):
    y = np.dot(BUF, x) ** 2
    normalise_(REG["bufs"][0])  # BUF itself
    return y + np.dot(BUF, x) ** 2


def p_holder_attribute_is_module_array(x):
    y = np.sum(VEC * x**2)
    scale_inplace(HOLDER.arr, 3.0)  # HOLDER.arr is VEC
    return y + np.sum(VEC * x)


def p_read_then_update_in_loop(x):
    y = 0.0
    for _ in range(3):
        y = y + np.sum(np.sin(M @ x))
        scale_inplace(M, 0.7)
    return y


def p_update_in_branch_in_loop_break(x):
    y = 0.0
    for i in range(5):
        if i % 2 == 0:
            ema_(W_AVG, W, decay=0.6)
        y = y + np.sum(np.tanh(W_AVG @ x) ** 2)
        if y > 1.0:
            break
    return y


def p_nested_def_updates(x):
    def shrink():
        scale_inplace(M, 0.5)

    y = np.sum(np.exp(M @ x))
    shrink()
    return y + np.sum(np.exp(M @ x))


def p_lambda_updates(x):
    shrink = lambda a: scale_inplace(a, 0.5)
    y = np.sum(M @ x**2)
    shrink(M)
    return y + np.sum(M @ x**2)


def p_partial_updates(x):
    halve = partial(scale_inplace, s=0.5)
    y = np.sum(M @ x**2)
    halve(M)
    return y * np.sum(M @ x)


def p_index_update_helper(x):
    y = np.sum(np.tanh(M @ x))
    bump_column(M, 1)
    return y + np.sum(np.tanh(M @ x))


def p_two_updates_then_read(x):
    scale_inplace(M, 2.0)
    add_inplace(M, N)
    return np.sum((M @ x) ** 2)


def p_grad_inside(x):
    gy = ad.grad(lambda v: np.sum(np.sin(M @ v)))(x)
    scale_inplace(M, 0.5)
    return np.sum(gy * x) + np.sum(M @ x**2)


def p_running_mean_of_x_inline_not_read(x):
    h = np.tanh(DATA * x)
    update_running(RUNNING_MEAN, np.mean(h, axis=0), 0.8)  # never read back
    return np.sum(h**2)


def p_other_helper_reads_global(x):
    y = np.sum(np.sin(project(x)))
    scale_inplace(M, 0.5)
    return y + np.sum(np.sin(project(x)))


def p_mask_update(x):
    y = np.sum(M @ x)
    relu_(M)
    return y * np.sum(np.tanh(M @ x))


def p_maximum_out(x):
    floor_(G, -0.5)
    return np.sum(np.sin(G @ x))


def p_keywords_result_ignored(x):
    _ = scale_and_report(a=M, s=0.5)
    return np.sum(np.cos(M @ x))


def p_int_counter_array(x):
    count_(COUNTS)
    return np.sum(x**2) * COUNTS[0]


def p_update_before_and_after_reads(x):
    scale_inplace(M, 2.0)
    y = np.sum(np.sin(M @ x))
    scale_inplace(M, 2.0)
    z = np.sum(np.cos(M @ x))
    scale_inplace(M, 0.25)
    return y * z + np.sum(M @ x**2)


def p_while_tolerance_loop(x):
    # normalise the buffer until converged, then use it
    k = 0
    while abs(np.sqrt(np.sum(BUF * BUF)) - 1.0) > 1e-12 and k < 5:
        normalise_(BUF)
        k += 1
    return np.dot(BUF, np.tanh(x)) * k


def p_nested_loops(x):
    y = 0.0
    for i in range(2):
        for j in range(2):
            scale_inplace(M[i], 0.5 + j)
            y = y + np.sum(np.sin(M @ x))
    return y


def p_view_reshape_then_read_flat(x):
    y = np.sum(M.reshape(-1)[:3] * x)
    scale_inplace(M.reshape(-1), 3.0)
    return y + np.sum(M.reshape(-1)[3:6] * x**2)


def p_object_counter_and_buffer(x):
    STATS.update(DATA)
    STATS.update(DATA * 2.0, momentum=0.5)
    h = STATS.normalised(x * x)
    return np.sum(h) * STATS.count


def p_helper_default_is_module_array(x):
    y = np.sum(np.sin(M @ x))
    decay_default()  # halves M, the helper's default
    return y + np.sum(np.sin(M @ x))


def p_value_helper_argmax(x):
    i = step_and_argmax(M, x)
    return x[i] ** 2 + np.sum(np.sin(M @ x))


def p_value_helper_pair(x):
    a, v = step_pair(M, x)
    return v + np.sum(np.sin(a @ x))  # a is M itself


def p_value_helper_pair_reads_module(x):
    _, v = step_pair(M, x)
    return v + np.sum(np.sin(M @ x))


def p_value_helper_through_helper(x):
    v = step_through_helper_then_value(M, x)
    return v * np.sum(np.sin(M @ x))


def p_value_then_step(x):
    v = value_then_step(M, x)
    return v + np.sum(np.sin(M @ x))


def p_value_helper_returns_new(x):
    z = step_returning_new(M, x)
    return np.sum(np.sin(M @ z))


def p_value_helper_in_loop(x):
    y = 0.0
    for _ in range(3):
        y = y + step_and_value(M, x) ** 2
    return y


def p_value_helper_in_condition(x):
    y = np.sum(np.sin(M @ x))
    if step_and_value(M, x) > -100.0:
        y = y + np.sum(np.sin(M @ x))
    return y


def p_kwargs_dict(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(**{"a": M, "s": 0.5})
    return y + np.sum(np.sin(M @ x))


def p_tuple_of_module_arrays(x):
    y = np.sum(np.sin(M @ x))
    scale_each_((M, N), 0.5)
    return y + np.sum(np.sin(M @ x)) * np.sum(N @ x)


def p_list_display_of_module_arrays(x):
    y = np.sum(np.sin(N @ x))
    scale_each_([M, N], 2.0)
    return y * np.sum(np.sin(N @ x))


def p_staticmethod_and_classmethod(x):
    y = np.sum(np.sin(M @ x))
    Ops.scale_(M, 0.5)
    Ops.shift_(M, 1.0)
    return y + np.sum(np.sin(M @ x))


def p_method_of_other_object(x):
    y = np.sum(np.sin(M @ x))
    SCALER.apply_(M)
    return y + np.sum(np.sin(M @ x))


def p_batchnorm_layer_helper(x):
    h = np.tanh(DATA * x)
    z = bn_layer(h)
    return np.sum(z**2)


def p_batchnorm_layer_eval_aware(x):
    z = bn_layer_eval_aware(DATA * x)
    return np.sum(np.tanh(z) ** 2) + np.sum(RUNNING_MEAN * x)


def p_layer_helper_updates_then_reads(x):
    y = buffered_layer(x)
    return np.sum(np.sin(y)) + np.sum(BUF * x)


def p_clip_norm_early_return(x):
    y = np.sum(np.sin(G @ x))
    clip_norm_(G[0], 1.0)
    clip_norm_(G[1], 50.0)  # returns early
    return y + np.sum(np.sin(G @ x))


def p_halve_until_break_in_helper(x):
    y = np.sum(np.sin(G @ x))
    halve_until_(G, 1.0)
    return y + np.sum(np.sin(G @ x))


def p_branch_in_helper_on_x(x):
    y = np.sum(np.sin(BUF * x))
    cond_update(BUF, x)  # x only read, as the branch's test
    return y + np.sum(np.sin(BUF * x))


def p_stored_value_read_only_as_shape(x):
    scale_inplace(M, np.sum(x))  # stored, but only M's shape is read back
    return np.sum(x**2) * M.shape[0]


def p_stored_value_read_only_as_len(x):
    scale_inplace(M, np.sum(x))  # stored, but only len(M) is read back
    return np.sum(x**2) * len(M)


def p_stored_after_copy_read(x):
    prev = M.copy()
    scale_inplace(M, np.sum(x))  # stored, never read back: prev is a copy
    return np.sum(np.sin(prev @ x))


def p_helper_prints(x):
    y = np.sum(np.sin(M @ x))
    scale_log(M, 0.5)
    return y + np.sum(np.sin(M @ x))


def p_dropout_mask_drawn_into_buffer(x):
    resample_(MASK)
    h = np.tanh(M @ x) * MASK
    return np.sum(h**2)


def p_helper_logs_to_module_list(x):
    y = np.sum(np.sin(M @ x))
    scale_record(M, 0.5)
    return y + np.sum(np.sin(M @ x)) + len(LOG)


def p_helper_updates_through_its_own_view(x):
    y = np.sum(np.sin(M @ x))
    scale_row_(M)
    return y + np.sum(np.sin(M @ x))


def p_helper_loops_over_rows(x):
    y = np.sum(np.sin(M @ x))
    rows_(M)
    return y + np.sum(np.sin(M @ x))


def p_helper_gives_a_view_to_a_helper(x):
    y = np.sum(np.sin(M @ x))
    outer_(M)
    return y + np.sum(np.sin(M @ x))


def p_star_args_helper(x):
    y = np.sum(np.sin(M @ x))
    scale_all(M, N)
    return y + np.sum(np.sin(M @ x)) * np.sum(N @ x)


def p_power_minus_divide_in_place(x):
    y = np.sum(np.sin(M @ x))
    ops_(M)
    return y + np.sum(np.sin(M @ x))


def p_matmul_in_place(x):
    y = np.sum(np.sin(M @ x))
    matmul_(M, N)
    return y + np.sum(np.sin(M @ x))


def p_helper_returning_none_in_expression(x):
    y = np.sum(np.sin(M @ x))
    z = none_ret(M) or 0.0
    return y + np.sum(np.sin(M @ x)) + z


def p_checkpointed_loop_reads_unchanged_module_array(x):
    h = x
    for t in ad.checkpoint(range(4)):
        h = np.tanh(W @ h)  # W: no helper changes it
        scale_inplace(BUF, 0.5)  # BUF: never read by the function
    return np.sum(h**2)


def p_model_layers_track_ema(x):
    h = x
    for layer in MODEL:
        h = np.tanh(layer.w @ h)
        ema_(layer.w_avg, layer.w)
    return np.sum(h**2) + np.sum(MODEL[0].w_avg @ x)


def p_model_layers_by_index(x):
    h = x
    for i in range(len(MODEL)):
        h = np.tanh(MODEL[i].w @ h)
        ema_(MODEL[i].w_avg, MODEL[i].w, decay=0.5)
    return np.sum(h**2) + np.sum(MODEL[1].w_avg @ x)


def p_dict_keys_loop(x):
    y = np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))
    for k in PARAMS:
        scale_inplace(PARAMS[k], 0.5)
    return y + np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))


def p_local_alias_of_dict_item_read_after(x):
    sc = CFG["arr"]  # the very array: the plain call sees the update through it
    y = np.sum(np.sin(sc * x))
    scale_inplace(CFG["arr"], 2.0)
    return y + np.sum(np.sin(sc * x))


def p_local_alias_of_attribute_read_after(x):
    b = STATS.buf
    y = np.sum(np.sin(b * x))
    scale_inplace(STATS.buf, 2.0)
    return y + np.sum(np.sin(b * x))


def p_local_alias_of_list_item_read_after(x):
    first = LAYERS[0]
    y = np.sum(np.sin(first @ x))
    scale_inplace(LAYERS[0], 2.0)
    return y + np.sum(np.sin(first @ x))


def p_grad_of_an_updating_function_inside(x):
    g = ad.grad(p_read_before_in_pullback)(x)  # runs the helper's update once
    return np.sum(g * x)


def p_updating_function_called_for_its_value(x):
    y = p_read_before_in_pullback(x)  # a function of the user's that updates M via a helper
    return y * np.sum(np.sin(M @ x))


def p_helper_reads_then_updates_called_for_value(x):
    return read_then_halve(x)


def p_method_reads_then_decays_through_helper(x):
    y = TRACKER.read_then_decay(x)
    return y + np.sum(TRACKER.buf * x**2)


def p_early_return_after_update(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(M, 0.5)
    if np.sum(M) > 100.0:
        return y
    add_inplace(M, 0.25)
    return y + np.sum(np.sin(M @ x))


def p_update_in_for_else(x):
    y = 0.0
    for i in range(3):
        y = y + np.sum(np.sin(M @ x)) * (i + 1)
        if i > 10:
            break
    else:
        scale_inplace(M, 3.0)
    return y + np.sum(np.sin(M @ x))


def p_update_inside_errstate(x):
    with np.errstate(divide="ignore"):
        y = np.sum(np.sin(M @ x))
        normalise_(BUF)
    return y + np.dot(BUF, x) ** 2


def p_converged_flag_from_helper(x):
    y = 0.0
    for _ in range(10):
        y = y + np.dot(BUF, np.sin(x))
        if shrink_and_check(BUF, 0.5):
            break
    return y + np.dot(BUF, x) ** 2


def p_nested_def_in_loop(x):
    def decay_all():
        scale_inplace(M, 0.8)
        ema_(W_AVG, M, decay=0.5)

    y = 0.0
    for _ in range(2):
        y = y + np.sum(np.tanh(W_AVG @ x)) * np.sum(M @ x)
        decay_all()
    return y


def p_helper_reads_its_argument_around_the_update(x):
    return read_update_read(x, M)


def p_helper_reads_global_updates_parameter(x):
    return read_global_update_param(x, M)


def p_helper_reads_object_parameter_around_update(x):
    return read_attr_update_by_name(x, STATS)


def p_float32_module_array(x):
    y = np.sum(np.sin(M32 @ x))
    scale_inplace(M32, 0.3)
    return y + np.sum(np.sin(M32 @ x))


def p_training_step_everything(x):
    # forward pass of a two-layer network on the batch DATA * x, batch-norm statistics,
    # an EMA of the weights and the optimiser's moments, all kept in module state
    h = np.tanh((DATA * x) @ LAYERS[0].T)
    update_running(STATS.mean, np.mean(DATA, axis=0), 0.9)
    update_running(STATS.var, np.var(DATA, axis=0), 0.9)
    h = STATS.normalised(h)
    out = h @ LAYERS[1].T
    loss = np.mean(out**2)
    ema_(W_AVG, LAYERS[0], decay=0.99)
    clip_(G, lim=0.5)
    adam_moments_(OPT_M, OPT_V, G, b1=0.8)
    STATS.count += 1
    penalty = 1e-3 * np.sum((W_AVG @ x) ** 2)
    return loss + penalty + 1e-4 * np.sum(OPT_M @ x) / np.sqrt(np.sum(OPT_V) + 1.0)


def p_while_continue_read_then_update(x):
    y = 0.0
    k = 0
    while k < 5:
        k += 1
        if k % 2 == 0:
            continue
        y = y + np.sum(np.sin(M @ x)) * k
        scale_inplace(M, 0.7)
    return y


def p_for_enumerate_rows_updated(x):
    y = 0.0
    for i, w in enumerate(W_AVG):  # rows of a module array: views
        y = y + np.dot(w, np.sin(x)) * (i + 1)
        ema_(W_AVG, W, decay=0.5)
    return y


def p_for_rows_updated_minimal(x):
    y = 0.0
    for w in N:
        y = y + np.dot(w, np.sin(x))
        scale_inplace(N, 2.0)
    return y


def p_list_elements_read_around_indexed_update(x):
    y = 0.0
    for i, w in enumerate(LAYERS):
        y = y + np.sum(np.sin(w @ x))
        scale_inplace(LAYERS[i], 0.5)  # w is LAYERS[i]: it sees the update
        y = y + np.sum(np.sin(w @ x))
    return y


def p_list_elements_read_around_whole_update(x):
    y = 0.0
    for w in LAYERS:
        y = y + np.sum(np.tanh(w @ x))
        scale_each_(LAYERS, 0.5)
    return y + np.sum(LAYERS[0] @ x)


def p_layer_attribute_read_around_update(x):
    y = 0.0
    for layer in MODEL:
        y = y + np.sum(np.sin(layer.w @ x))
        scale_inplace(layer.w, 0.5)
        y = y + np.sum(np.sin(layer.w @ x))
    return y


def p_dict_items_read_around_keyed_update(x):
    y = 0.0
    for k, v in PARAMS.items():
        y = y + np.sum(np.sin(v)) * np.sum(x**2)
        scale_inplace(PARAMS[k], 0.5)
        y = y + np.sum(np.sin(v)) * np.sum(x)
    return y


def p_module_level_lambda(x):
    y = np.sum(np.sin(M @ x))
    DECAY(M)
    return y + np.sum(np.sin(M @ x))


def p_module_level_partial(x):
    y = np.sum(np.sin(M @ x))
    HALVE(M)
    return y + np.sum(np.sin(M @ x))


def p_helper_from_a_dict(x):
    y = np.sum(np.sin(M @ x))
    UPDATERS["decay"](M, 0.5)
    UPDATERS["shift"](M, 0.25)
    return y + np.sum(np.sin(M @ x))


def p_module_level_bound_method(x):
    y = np.sum(np.sin(STATS.buf * x))
    DECAY_STATS(0.5)
    return y + np.sum(np.sin(STATS.buf * x))


def p_bound_method_in_local(x):
    decay = STATS.decay
    y = np.sum(np.sin(STATS.buf * x))
    decay(0.5)
    return y + np.sum(np.sin(STATS.buf * x))


def p_comprehension_for_effect(x):
    y = np.sum(np.sin(LAYERS[0] @ x))
    _ = [scale_inplace(a, 0.5) for a in LAYERS]
    return y + np.sum(np.sin(LAYERS[0] @ x)) * np.sum(LAYERS[1] @ x)


def p_map_for_effect(x):
    y = np.sum(np.sin(M @ x))
    list(map(normalise_, [BUF, VEC]))
    return y + np.dot(BUF, x) * np.dot(VEC, x) + np.sum(np.sin(M @ x))


def p_lambda_called_at_once(x):
    y = np.sum(np.sin(M @ x))
    (lambda a: scale_inplace(a, 0.5))(M)
    return y + np.sum(np.sin(M @ x))


def p_conditional_expression_statement(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(M, 0.5) if np.sum(x) > 0 else add_inplace(M, 1.0)
    return y + np.sum(np.sin(M @ x))


def p_generator_sum_of_reports(x):
    total = sum(scale_and_report(a, 0.5) for a in LAYERS)
    return total * np.sum(np.sin(LAYERS[0] @ x))


def p_any_short_circuits_updates(x):
    done = any(shrink_and_check(a, 10.0) for a in LAYERS)  # stops after the first
    return np.sum(np.sin(LAYERS[0] @ x)) + np.sum(LAYERS[1] @ x) * done


def p_comprehension_reads_after_update(x):
    scale_each_(LAYERS, 0.5)
    return sum([np.sum(np.tanh(a @ x)) for a in LAYERS])


def p_class_attribute_array(x):
    y = np.sum(np.sin(Config.SCALE * x))
    scale_inplace(Config.SCALE, 0.5)
    return y + np.sum(np.sin(Config.SCALE * x))


def p_namespace_attribute_array(x):
    y = np.sum(np.sin(NS.buf * x))
    normalise_(NS.buf)
    return y + np.sum(np.sin(NS.buf * x))


def p_helper_from_a_namespace(x):
    y = np.sum(np.sin(M @ x))
    OPS.scale(M, 0.5)
    OPS.shift(M, 0.25)
    return y + np.sum(np.sin(M @ x))


def p_array_through_getattr(x):
    y = np.sum(np.sin(STATS.buf * x))
    scale_inplace(getattr(STATS, "buf"), 0.5)  # noqa: B009
    return y + np.sum(np.sin(STATS.buf * x))


def p_array_through_instance_dict(x):
    y = np.sum(np.sin(STATS.buf * x))
    scale_inplace(STATS.__dict__["buf"], 0.5)
    return y + np.sum(np.sin(STATS.buf * x))


def p_array_through_module_tuple(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(PAIR[0], 0.5)
    return y + np.sum(np.sin(M @ x))


def p_array_through_nested_dict(x):
    y = np.sum(np.sin(M @ x))
    scale_inplace(NESTED["a"]["b"], 0.5)
    return y + np.sum(np.sin(M @ x))


def p_class_attribute_through_instance(x):
    y = np.sum(np.sin(CONFIG.SCALE * x))
    scale_inplace(CONFIG.SCALE, 0.5)
    return y + np.sum(np.sin(CONFIG.SCALE * x))


def p_local_view_read_only_before_update(x):
    r = M[0]
    y = np.sum(np.sin(r * x))  # the pullback needs r as it was here
    scale_inplace(M, 2.0)
    return y * np.sum(N @ x)


def p_local_transpose_read_only_before_update(x):
    t = M.T
    y = np.sum(np.sin(t @ x))
    scale_inplace(M, 2.0)
    return y


# ---------------------------------------------------------------------------------------------
# Programs that must be refused at the user's line (marked `# refused here`).
# ---------------------------------------------------------------------------------------------


def r_brief_refusal(x):
    scale_inplace(M, np.sum(x))  # refused here
    return np.sum(M @ x)


def r_add_x_then_read(x):
    add_inplace(BUF, x)  # refused here
    return np.sum(BUF * x)


def r_running_mean_of_x_read_back(x):
    h = np.tanh(DATA * x)
    update_running(RUNNING_MEAN, np.mean(h, axis=0), 0.9)  # refused here
    return np.sum((h - RUNNING_MEAN) ** 2)


def r_ema_towards_x(x):
    ema_(VEC, x, decay=0.5)  # refused here
    return np.sum(VEC**2)


def r_keyword_scale_of_x(x):
    scale_inplace(s=x[0], a=M)  # refused here
    return np.sum(M @ x)


def r_view_of_module(x):
    scale_inplace(M[0], x[1])  # refused here
    return np.sum(M @ x)


def r_object_attribute(x):
    scale_inplace(STATS.buf, np.sum(x))  # refused here
    return np.sum(STATS.buf)


def r_method_of_module_object(x):
    STATS.decay(x[0])  # refused here
    return np.sum(STATS.buf * x)


def r_copyto_x(x):
    copy_into(BUF, np.sin(x))  # refused here
    return np.dot(BUF, BUF)


def r_set_row_of_x(x):
    set_first_row(M, x)  # refused here
    return np.sum(M @ x)


def r_dict_item(x):
    scale_inplace(PARAMS["b"], x[2])  # refused here
    return np.sum(PARAMS["b"] * x)


def r_in_loop(x):
    y = 0.0
    for _ in range(2):
        y = y + np.sum(M @ x)
        scale_inplace(M, x[0])  # refused here
    return y


def r_helper_calls_helper(x):
    axpy_(N, x[0], M)  # refused here
    return np.sum(N @ x)


def r_adam_with_grad_of_x(x):
    g = np.outer(x, x)
    adam_moments_(OPT_M, OPT_V, g)  # refused here
    return np.sum(OPT_M @ x)


def r_read_back_through_module_view(x):
    set_first_row(M, np.tanh(x))  # refused here
    return np.sum(M_ROW0 * x)  # M_ROW0 is M[0]


def r_read_back_through_holder(x):
    add_inplace(HOLDER.arr, x)  # refused here
    return np.sum(VEC * x)  # HOLDER.arr is VEC


def r_read_back_through_registry(x):
    scale_inplace(REG["m"], x[0])  # refused here
    return np.sum(M @ x)


def r_read_back_by_other_helper(x):
    scale_inplace(M, np.sum(x))  # refused here
    return np.sum(project(x))


def r_method_absorb(x):
    TRACKER.absorb(np.sin(x))  # refused here
    return np.dot(TRACKER.buf, x)


def r_read_back_next_iteration(x):
    y = 0.0
    for _ in range(3):
        y = y + np.sum(np.tanh(VEC * x))
        add_inplace(VEC, x)  # refused here
    return y


def r_module_view_read_flat(x):
    scale_inplace(M, x[0])  # refused here
    return np.sum(M_FLAT[:3] * x)


def r_store_through_default(x):
    store_default(np.sin(x))  # refused here
    return np.sum(BUF * x)  # BUF is store_default's default


def r_store_by_value_helper(x):
    y = store_and_ret(BUF, x)  # refused here
    return y + np.sum(BUF * x)


def r_object_given_to_helper(x):
    bump_attr(STATS, x[0])  # refused here
    return np.sum(STATS.buf * x)


def r_alias_made_before(x):
    b = BUF
    add_inplace(BUF, x)  # refused here
    return np.sum(b * x)


def r_zero_d_array(x):
    put(Z0D, np.sum(x))  # refused here
    return Z0D * x[0]


def r_stats_update_then_normalised(x):
    STATS.update(DATA * x)  # refused here
    return np.sum(STATS.normalised(x) ** 2)


def r_clip_bounds_of_x(x):
    clip_(G, lim=1.0)
    clip_(G, lim=x[0] ** 2)  # refused here
    return np.sum(G @ x)


def r_in_while_loop(x):
    y = 0.0
    k = 0
    while k < 3:
        add_inplace(VEC, 0.1 * x)  # refused here
        y = y + np.sum(VEC * x)
        k += 1
    return y


def r_in_branch_taken(x):
    if np.sum(x) > -10.0:
        scale_inplace(M, np.tanh(x[0]))  # refused here
    return np.sum(M @ x)


def r_store_through_transpose(x):
    add_inplace(M.T, x)  # refused here
    return np.sum(M @ x)


def r_store_through_reshape(x):
    scale_inplace(M.reshape(-1), x[2])  # refused here
    return np.sum(np.sin(M @ x))


def r_store_through_attribute_slice(x):
    add_inplace(STATS.buf[1:], x[:2])  # refused here
    return np.sum(STATS.buf * x)


def r_store_through_dict_item_strided(x):
    scale_inplace(CFG["arr"][::2], x[0])  # refused here
    return np.sum(CFG["arr"] * x)


def r_store_through_column_read_through_row(x):
    set_column_(M, np.tanh(x))  # refused here
    return np.sum(M[0] * x)


def r_store_chained_through_two_helpers(x):
    add_inplace(BUF, x)  # refused here
    copy_into(M[0], BUF)  # refused here
    return np.sum(M @ x)


# ---------------------------------------------------------------------------------------------
# Refused or right (never silently wrong): locals updated by helpers, checkpointed loops.
# ---------------------------------------------------------------------------------------------


def e_local_scaled(x):
    y = x * 2.0
    scale_inplace(y, 3.0)
    return np.sum(y**2)


def e_local_copy_of_module(x):
    w = M.copy()
    scale_inplace(w, 2.0)
    return np.sum(w @ x) + np.sum(M @ x)


def e_local_normalised(x):
    v = np.sin(x)
    normalise_(v)
    return np.sum(v * x)


def e_checkpointed_loop(x):
    y = 0.0
    for _ in ad.checkpoint(range(4)):
        scale_inplace(M, 0.9)
        y = y + np.sum(np.sin(M @ x))
    return y


def e_checkpointed_loop_ema(x):
    h = x
    for t in ad.checkpoint(range(4), every=2):
        ema_(W_AVG, W, decay=0.5)
        h = np.tanh(W_AVG @ h)
    return np.sum(h**2)


def e_checkpointed_loop_update_unread(x):
    h = x
    for t in ad.checkpoint(range(4)):
        h = np.tanh(W @ h)
        scale_inplace(BUF, 0.5)  # BUF never read by the function
    return np.sum(h**2)


def e_local_row_view_read_after(x):
    r = M[0]  # a view: the plain call sees the update through it
    y = np.sum(np.sin(r * x))
    scale_inplace(M, 2.0)
    return y + np.sum(np.sin(r * x**2))


def e_local_slice_view_read_after(x):
    r = M[1:]
    y = np.sum(r @ x)
    add_inplace(M, 1.0)
    return y * np.sum(r @ x)


def e_local_column_view_read_after(x):
    c = M[:, 0]
    scale_inplace(M, 2.0)
    return np.sum(np.tanh(c * x))


def e_local_flat_view_read_after(x):
    flat = M.reshape(-1)
    scale_inplace(M, 0.5)
    return np.sum(flat[:3] * x**2) + np.sum(flat[3:6] * x)


def e_local_transpose_read_after(x):
    t = M.T
    y = np.sum(np.sin(t @ x))
    scale_inplace(M, 2.0)
    return y + np.sum(np.sin(t @ x))


def e_local_view_of_list_item(x):
    r = LAYERS[0][0]
    ema_(LAYERS[0], LAYERS[1], decay=0.5)
    return np.sum(r * x**2)


def e_local_view_of_attribute(x):
    head = STATS.buf[:2]
    STATS.decay(0.5)
    return np.sum(head * x[:2] ** 2) + np.sum(STATS.buf * x)


def e_local_view_helper_given_view(x):
    r = M[0]
    scale_inplace(r, 2.0)
    return np.sum(M @ x)


def e_stored_then_overwritten(x):
    scale_inplace(M, x[0])  # a value of x stored ...
    fill_ones(M)  # ... then overwritten by a constant before M is read
    return np.sum(M @ x)


def e_stored_read_in_branch_not_taken(x):
    add_inplace(BUF, x)
    if np.sum(x) > 100.0:
        return np.sum(BUF * x)
    return np.sum(x**2)


def e_checkpointed_loop_state_read_after_loop(x):
    h = x
    for t in ad.checkpoint(range(4)):
        h = np.tanh(W @ h)
        scale_inplace(BUF, 0.5)
    return np.sum(h**2) + np.dot(BUF, x)


def e_checkpointed_loop_state_read_before_loop(x):
    y = np.sum(np.sin(M @ x))
    h = x
    for t in ad.checkpoint(range(3)):
        h = np.tanh(W @ h)
        scale_inplace(M, 0.5)
    return y + np.sum(h**2)


def e_checkpointed_loop_method(x):
    y = 0.0
    for t in ad.checkpoint(range(4), every=2):
        STATS.decay(0.9)
        y = y + np.sum(STATS.buf * np.sin(x))
    return y


def e_local_view_given_to_helper_quadratic(x):
    r = M[0]
    scale_inplace(r, 2.0)  # doubles M's first row
    return np.sum((M @ x) ** 2)


def e_model_layers_method(x):
    h = x
    for layer in MODEL:
        h = np.tanh(layer.w @ h)
        layer.track()
    return np.sum(h**2) + np.sum(MODEL[1].w_avg @ x)


def e_dict_items_loop(x):
    y = np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))
    for k, v in PARAMS.items():
        scale_inplace(v, 0.5)
    return y + np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))


def e_dict_values_loop(x):
    y = np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))
    for v in PARAMS.values():
        scale_inplace(v, 0.5)
    return y + np.sum(np.tanh(PARAMS["w"] @ x + PARAMS["b"]))


def e_local_view_from_a_helper(x):
    r = get_row(M)  # M[0], a view, through a helper of the user's
    y = np.sum(np.sin(r * x))
    scale_inplace(M, 2.0)
    return y + np.sum(np.sin(r * x))


def e_local_alias_of_dict_item_given_to_helper(x):
    sc = CFG["arr"]
    y = np.sum(np.sin(sc * x))
    scale_inplace(sc, 2.0)
    return y + np.sum(np.sin(CFG["arr"] * x))


def e_returned_view_read_after_update(x):
    r = halve_returning(M[0])  # r is M[0], a view
    scale_inplace(M, 2.0)
    return np.sum(np.sin(r * x))


# ---------------------------------------------------------------------------------------------
# The harness.
# ---------------------------------------------------------------------------------------------

X0 = np.array([0.3, -0.45, 0.7])
X_NEG = np.array([-0.3, -0.45, 0.2])

WORKS = [
    p_brief_example,
    p_read_before_in_pullback,
    p_batchnorm_running_stats,
    p_batchnorm_stats_of_x_not_read,
    p_ema_of_weights,
    p_ema_positional_decay,
    p_adam_moments,
    p_adam_keywords,
    p_clip_out,
    p_clip_keyword_limit,
    p_normalise_buffer,
    p_helper_calls_helper,
    p_keywords,
    p_result_ignored,
    p_result_used,
    p_result_value_of_x,
    p_returns_its_argument,
    p_returns_its_argument_ignored,
    p_in_loop,
    p_branch,
    p_branch_on_state,
    p_while_break,
    p_while_condition_on_state,
    p_view_row,
    p_view_transpose,
    p_view_reshape,
    p_view_column,
    p_view_slice_rows,
    p_set_first_row,
    p_fill,
    p_copyto,
    p_add_out,
    p_list_item,
    p_list_whole,
    p_dict_item,
    p_dict_whole,
    p_cfg_array,
    p_object_attribute,
    p_object_method,
    p_object_method_in_loop,
    p_object_update_method,
    p_object_given_to_helper,
    p_optimiser_object,
    p_two_arrays,
    p_local_alias_read_before,
    p_local_copy_before,
    p_numbers_rebound,
    p_numbers_rebound_in_loop,
    p_module_number_rebound,
    p_ema_in_loop_with_break,
    p_state_updated_after_last_read,
    p_derivative_stored_not_read,
    p_value_helper_read_after,
    p_value_helper_only,
    p_value_helper_ignored,
    p_module_view_read_before,
    p_module_row_view_read_after,
    p_registry_item_updated,
    p_registry_list_item,
    p_holder_attribute_is_module_array,
    p_read_then_update_in_loop,
    p_update_in_branch_in_loop_break,
    p_nested_def_updates,
    p_lambda_updates,
    p_partial_updates,
    p_index_update_helper,
    p_two_updates_then_read,
    p_grad_inside,
    p_running_mean_of_x_inline_not_read,
    p_other_helper_reads_global,
    p_mask_update,
    p_maximum_out,
    p_keywords_result_ignored,
    p_int_counter_array,
    p_update_before_and_after_reads,
    p_while_tolerance_loop,
    p_nested_loops,
    p_view_reshape_then_read_flat,
    p_object_counter_and_buffer,
    p_helper_default_is_module_array,
    p_value_helper_argmax,
    p_value_helper_pair,
    p_value_helper_pair_reads_module,
    p_value_helper_through_helper,
    p_value_then_step,
    p_value_helper_returns_new,
    p_value_helper_in_loop,
    p_value_helper_in_condition,
    p_kwargs_dict,
    p_tuple_of_module_arrays,
    p_list_display_of_module_arrays,
    p_staticmethod_and_classmethod,
    p_method_of_other_object,
    p_batchnorm_layer_helper,
    p_batchnorm_layer_eval_aware,
    p_layer_helper_updates_then_reads,
    p_clip_norm_early_return,
    p_halve_until_break_in_helper,
    p_branch_in_helper_on_x,
    p_stored_value_read_only_as_shape,
    p_stored_value_read_only_as_len,
    p_stored_after_copy_read,
    p_helper_prints,
    p_dropout_mask_drawn_into_buffer,
    p_helper_logs_to_module_list,
    p_helper_updates_through_its_own_view,
    p_helper_loops_over_rows,
    p_helper_gives_a_view_to_a_helper,
    p_star_args_helper,
    p_power_minus_divide_in_place,
    p_matmul_in_place,
    p_helper_returning_none_in_expression,
    p_checkpointed_loop_reads_unchanged_module_array,
    p_model_layers_track_ema,
    p_model_layers_by_index,
    p_dict_keys_loop,
    p_local_alias_of_dict_item_read_after,
    p_local_alias_of_attribute_read_after,
    p_local_alias_of_list_item_read_after,
    p_grad_of_an_updating_function_inside,
    p_updating_function_called_for_its_value,
    p_helper_reads_then_updates_called_for_value,
    p_method_reads_then_decays_through_helper,
    p_early_return_after_update,
    p_update_in_for_else,
    p_update_inside_errstate,
    p_converged_flag_from_helper,
    p_nested_def_in_loop,
    p_helper_reads_its_argument_around_the_update,
    p_helper_reads_global_updates_parameter,
    p_helper_reads_object_parameter_around_update,
    p_float32_module_array,
    p_training_step_everything,
    p_while_continue_read_then_update,
    p_for_enumerate_rows_updated,
    p_for_rows_updated_minimal,
    p_list_elements_read_around_indexed_update,
    p_list_elements_read_around_whole_update,
    p_layer_attribute_read_around_update,
    p_dict_items_read_around_keyed_update,
    p_module_level_lambda,
    p_module_level_partial,
    p_helper_from_a_dict,
    p_module_level_bound_method,
    p_bound_method_in_local,
    p_comprehension_for_effect,
    p_map_for_effect,
    p_lambda_called_at_once,
    p_conditional_expression_statement,
    p_comprehension_reads_after_update,
    p_class_attribute_array,
    p_namespace_attribute_array,
    p_helper_from_a_namespace,
    p_array_through_getattr,
    p_array_through_instance_dict,
    p_array_through_module_tuple,
    p_array_through_nested_dict,
    p_class_attribute_through_instance,
    p_local_view_read_only_before_update,
    p_local_transpose_read_only_before_update,
]

REFUSED = [
    r_brief_refusal,
    r_add_x_then_read,
    r_running_mean_of_x_read_back,
    r_ema_towards_x,
    r_keyword_scale_of_x,
    r_view_of_module,
    r_object_attribute,
    r_method_of_module_object,
    r_copyto_x,
    r_set_row_of_x,
    r_dict_item,
    r_in_loop,
    r_helper_calls_helper,
    r_adam_with_grad_of_x,
    r_read_back_through_module_view,
    r_read_back_through_holder,
    r_read_back_through_registry,
    r_read_back_by_other_helper,
    r_method_absorb,
    r_read_back_next_iteration,
    r_module_view_read_flat,
    r_store_through_default,
    r_store_by_value_helper,
    r_object_given_to_helper,
    r_alias_made_before,
    r_zero_d_array,
    r_stats_update_then_normalised,
    r_clip_bounds_of_x,
    r_in_while_loop,
    r_in_branch_taken,
    r_store_through_transpose,
    r_store_through_reshape,
    r_store_through_attribute_slice,
    r_store_through_dict_item_strided,
    r_store_through_column_read_through_row,
    r_store_chained_through_two_helpers,
]

REFUSED_OR_RIGHT = [
    p_any_short_circuits_updates,
    p_generator_sum_of_reports,
    p_in_loop_over_list,
    p_method_step_in_loop,
    p_method_step_value,
    p_local_alias_of_module,
    p_object_in_dict,
    e_local_scaled,
    e_local_copy_of_module,
    e_local_normalised,
    e_checkpointed_loop,
    e_checkpointed_loop_ema,
    e_checkpointed_loop_update_unread,
    e_local_row_view_read_after,
    e_local_slice_view_read_after,
    e_local_column_view_read_after,
    e_local_flat_view_read_after,
    e_local_transpose_read_after,
    e_local_view_of_list_item,
    e_local_view_of_attribute,
    e_local_view_helper_given_view,
    e_stored_then_overwritten,
    e_stored_read_in_branch_not_taken,
    e_checkpointed_loop_state_read_after_loop,
    e_checkpointed_loop_state_read_before_loop,
    e_checkpointed_loop_method,
    e_local_view_given_to_helper_quadratic,
    e_model_layers_method,
    e_dict_items_loop,
    e_dict_values_loop,
    e_local_view_from_a_helper,
    e_local_alias_of_dict_item_given_to_helper,
    e_returned_view_read_after_update,
]

# Programs without second derivatives worth checking (piecewise linear in x, or kinks).
# `hessian` of the first is refused, as the README says (`grad(g)(x)` inside a function
# differentiated twice, `g` changing module state): see test_second_order_refusals.
NO_HESSIAN = {"p_grad_of_an_updating_function_inside"}

# Known bugs: (program name, check) -> reason with a minimal repro.
_MU_LOCAL = (
    "refused, wrongly: a helper updating its FIRST argument (a module array) given a local as "
    "another, read-only, argument is refused as if the local were updated, by a run-time "
    "check of the local against itself (`rt.unshared(mu, mu, ...)` always raises): "
    "`def add_(a, v): a += v` / `def f(x): mu = np.mean(D, axis=0); add_(V, mu); "
    "return np.sum(x * x)` with module arrays V, D -> UnsupportedSyntaxError 'call of `add_` "
    "for its effect, given the local `mu`: it may update its argument in place (`a += v`)'; "
    "the plain call works and `mu` is never updated (`add_(V, np.mean(D, axis=0))` works); "
    "the same for the function's argument `x` given to `cond_update(BUF, x)` that only tests it"
)
_VALUE_HELPER = (
    "silently wrong: a helper called for its value, a value carrying a derivative, that also "
    "updates a module array in place loses the update under every API: `def step(a, x): "
    "a *= 0.5; return np.sum(a @ x)` / `def f(x): y = step(M, x); return y + np.sum(M @ x)` "
    "-> grad, vjp, jacfwd, jacrev, value_and_grad (both modes), hessian leave M unchanged "
    "(the plain call halves it), and value and gradient use the unhalved M (value 1.08 where "
    "the plain call gives 0.72 for M = arange(9).reshape(3, 3) / 10, x = [.3, -.5, .7]); "
    "`_ = step(M, x)` as a statement or a helper returning `float(np.sum(a))` are right"
)
_GRAD_INSIDE = (
    "silently wrong Hessian: `grad(g)(x)` called inside, where `g` reads a module array that a "
    "helper then updates in place: `def f(x): gy = ad.grad(lambda v: np.sum(np.sin(M @ v)))"
    "(x); scale_inplace(M, 0.5); return np.sum(gy * x)` -> `hessian(f)`, `jacfwd(grad(f))` "
    "and `jacrev(grad(f))` mix the halved M into the second-order terms (the Hessian is "
    "neither the one with M nor the one with M / 2); grad, forward grad and the value are "
    "right, and without the update the Hessian is right"
)
_MODULE_VIEW_STORE = (
    "silently wrong gradient, not refused: a helper stores a value carrying a derivative into a "
    "module array that the function reads back through a module-level view of it: "
    "`M = np.zeros((2, 3)); ROW = M[0]` / `def set_first_row(a, v): a[0] = v` / "
    "`def f(x): set_first_row(M, np.tanh(x)); return np.sum(ROW * x)` -> grad is tanh(x) "
    "(ROW counted as a constant) where it is tanh(x) + x * (1 - tanh(x)**2); read back as "
    "`M[0] * x` it is refused at the call, as it should be for `ROW` too"
)
_DEFAULT_UPDATE = (
    "silently wrong gradient in reverse mode: a helper whose DEFAULT is the module's array "
    "updates it in place: `def decay(a=M): a *= 0.5` / `def f(x): y = np.sum(np.sin(M @ x)); "
    "decay(); return y + np.sum(np.sin(M @ x))` -> grad, vjp, jacrev, value_and_grad and "
    "hessian read the halved M for the first term too (grad [-0.005, 0.293, 0.591] where "
    "central differences give [-0.009, 0.437, 0.883] for M = arange(9).reshape(3, 3) / 10 - "
    "0.3, x = [.3, -.5, .7]); forward mode and the state are right; `decay(M)` is right"
)
_DEFAULT_STORE = (
    "silently wrong gradient, not refused: a helper whose DEFAULT is the module's array "
    "stores a value carrying a derivative there, read back: `def store(v, a=BUF): a[:] = v` / "
    "`def f(x): store(np.sin(x)); return np.sum(BUF * x)` -> every API gives sin(x) (BUF "
    "counted as a constant) where the derivative is sin(x) + x * cos(x); `store(np.sin(x), "
    "BUF)` is refused at the call, as this should be"
)
_LOCAL_VIEW = (
    "silently wrong value and derivatives, every API: a local VIEW of a module array (`M[0]`, "
    "`M[1:]`, `M[:, 0]`, `M.reshape(-1)`, `LAYERS[0][0]`, `STATS.buf[:2]`) read after a helper "
    "updates the module array in place is read as it was before the update: `M = np.ones((2, "
    "3))` / `def f(x): r = M[0]; scale_inplace(M, 2.0); return np.sum(r * x)` -> "
    "value_and_grad gives (6.0, [1, 1, 1]) at x = [1, 2, 3] where the plain call gives 12.0 "
    "(its gradient [2, 2, 2]); neither refused nor checked (`m = M` is refused at the call, "
    "`t = M.T` is right); the same for `r = get_row(M)` of a helper returning `a[0]`"
)
_KWARGS = (
    "silently wrong gradient in reverse mode: the module's array given to an updating helper "
    "through `**{...}`: `def f(x): y = np.sum(np.sin(M @ x)); scale_inplace(**{'a': M, 's': "
    "0.5}); return y + np.sum(np.sin(M @ x))` -> grad, vjp, jacrev and hessian read the halved "
    "M for the first term; forward mode, the value and the state are right, and "
    "`scale_inplace(a=M, s=0.5)` is right"
)
_CONTAINER_ARG = (
    "silently wrong gradient in reverse mode: the module's arrays given to an updating helper "
    "inside a tuple or list made at the call: `def scale_each_(arrs, s): for a in arrs: a *= s` "
    "/ `def f(x): y = np.sum(np.sin(M @ x)); scale_each_((M, N), 0.5); return y + "
    "np.sum(np.sin(M @ x))` -> grad, vjp, jacrev and hessian read the halved M for the first "
    "term; forward mode, the value and the state are right, and a module list "
    "`scale_each_(LAYERS, 0.5)` is right"
)
_SHAPE_READ = (
    "refused, wrongly: a value carrying a derivative stored into a module array by a helper, "
    "where the function reads back only the array's length or shape, which carry no "
    "derivative: `def f(x): scale_inplace(M, np.sum(x)); return np.sum(x ** 2) * len(M)` "
    "(or `M.shape[0]`) -> UnsupportedSyntaxError 'call of `scale_inplace` given a value that "
    "carries a derivative, which it stores ..., where the function reads it back'; the README "
    "lets a length be read back (`len(LOG)`)"
)
_CHECKPOINT_UNCHANGED = (
    "refused, wrongly, in reverse mode: a checkpointed loop reading a module array no helper "
    "changes, beside a helper updating another module array the function never reads: "
    "`def f(x): h = x; for t in ad.checkpoint(range(4)): h = np.tanh(W @ h); "
    "scale_inplace(BUF, 0.5)` / `return np.sum(h ** 2)` -> UnsupportedSyntaxError at "
    "`h = np.tanh(W @ h)`: 'a read of module state a helper the function calls changes, in a "
    "checkpointed loop'; W is never changed (forward mode is right)"
)
_HESSIAN_VIEW_ARG = (
    "silently wrong Hessian and state, where first order refuses: a local view of a module "
    "array given to an updating helper: `M = np.ones((2, 3))` / `def f(x): r = M[0]; "
    "scale_inplace(r, 2.0); return np.sum((M @ x) ** 2)` -> grad, vjp, jacrev, forward grad "
    "refuse at the call ('given the local `r`'), but `hessian(f)(x)` runs, leaves M[0] at 1 "
    "(the plain call doubles it) and gives 4 * ones((3, 3)) where the Hessian is "
    "10 * ones((3, 3))"
)
_SECOND_ORDER_HELPER = (
    "silently wrong Hessian: a helper called for its value that reads a module array and then "
    "updates it through another helper: `def inner(v): y = np.sum(np.sin(M @ v)); "
    "scale_inplace(M, 0.5); return y` / `def f(x): return inner(x)` -> `hessian(f)(x)` and "
    "`jacfwd(grad(f))(x)` are half of `hessian(inner)(x)` (the second order reads the halved M; "
    "the README: f_grad runs the helper's forward sweep a second time), where they are equal; "
    "grad, the value and the state are right"
)
_PARAMETER_IS_MODULE_ARRAY = (
    "silently wrong value and gradient, every API: a helper given the module's array as a "
    "parameter reads it before and after updating the module's array by its global name: "
    "`M = np.ones((2, 3))` / `def rur(x, w): y = np.sum(w @ x); scale_inplace(M, 2.0); "
    "return y + np.sum(w @ x)` / `def f(x): return rur(x, M)` -> value_and_grad gives (24.0, "
    "[8, 8, 8]) and forward mode (24.0, [4, 4, 4]) at x = [1, 2, 3] where the plain call "
    "gives 36.0 and the gradient is [6, 6, 6] (the two `w @ x` are merged as if `w` could not "
    "change); the same with the module's array given to the differentiated function itself "
    "(test_module_array_given_as_the_functions_argument)"
)
_LOOP_ROWS = (
    "silently wrong gradient in reverse mode: a loop over the rows of a module array (views) "
    "that a helper updates in place in the loop's body: `A = np.ones((2, 3))` / `def f(x): "
    "y = 0.0; for w in A: y = y + np.dot(w, np.sin(x)); scale_inplace(A, 2.0)` / `return y` "
    "-> grad at x = 0 is [8, 8, 8] (the pullback reads the rows as they end, 4 each) where it "
    "is [3, 3, 3] (forward mode's); the value and the state are right"
)
_LIST_ELEMENT = (
    "silently wrong value and gradient, every API: a loop's element of a module list (the "
    "array itself) read before and after a helper updates it by index: `L = [np.ones(3)]` / "
    "`def f(x): y = 0.0; for w in L: y = y + np.sum(w * x); scale_inplace(L[0], 2.0); "
    "y = y + np.sum(w * x)` / `return y` -> value_and_grad gives (12.0, [4, 4, 4]) and "
    "forward mode (12.0, [2, 2, 2]) at x = [1, 2, 3] where the plain call gives 18.0 and the "
    "gradient is [3, 3, 3] (the two reads of `w` are one value); the same for `for k, v in "
    "PARAMS.items()` with `scale_inplace(PARAMS[k], 0.5)` between two reads of `v`"
)
_LIST_ELEMENT_WHOLE = (
    "silently wrong gradient in reverse mode: a loop over a module list whose body reads the "
    "element and then has a helper update every array of the list: `for w in LAYERS: y = y + "
    "np.sum(np.tanh(w @ x)); scale_each_(LAYERS, 0.5)` -> grad, vjp, jacrev and hessian read "
    "the elements as they end (the `for w in A` rows bug above, for a list); forward mode, "
    "the value and the state are right"
)
_MODULE_PARTIAL = (
    "silently wrong gradient in reverse mode: a module-level `functools.partial` of an "
    "updating helper: `HALVE = partial(scale_inplace, s=0.5)` / `def f(x): y = "
    "np.sum(np.sin(M @ x)); HALVE(M); return y + np.sum(np.sin(M @ x))` -> grad, vjp, jacrev "
    "and hessian read the halved M for the first term; forward mode, the value and the state "
    "are right, as are the same partial made inside the function and a module-level lambda"
)
_COMPREHENSION = (
    "silently wrong value, gradient and state, every API: a comprehension calling an updating "
    "helper on a module list's arrays for its effect: `L = [np.ones(3), np.ones(3)]` / `def "
    "f(x): _ = [scale_inplace(a, 2.0) for a in L]; return np.sum(L[0] * x)` -> "
    "value_and_grad (both modes) gives (6.0, [1, 1, 1]) at x = [1, 2, 3] and leaves L as it "
    "was, where the plain call doubles both arrays and gives 12.0 (gradient [2, 2, 2]); the "
    "same loop written as a `for` statement is refused at the call"
)
_CLASS_ATTRIBUTE = (
    "silently wrong gradient in reverse mode: a class attribute holding an array given to an "
    "updating helper: `class Config: SCALE = np.ones(3)` / `def f(x): y = "
    "np.sum(np.sin(Config.SCALE * x)); scale_inplace(Config.SCALE, 2.0); return y + "
    "np.sum(np.sin(Config.SCALE * x))` -> grad at x = 0 is [4, 4, 4] (the pullback reads the "
    "doubled SCALE for the first term) where it is [3, 3, 3] (forward mode's); the value and "
    "the state are right, as is the same with an instance's or a SimpleNamespace's attribute"
)
XFAIL = {
    **{
        ("p_batchnorm_running_stats", c): _MU_LOCAL
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        ("p_batchnorm_stats_of_x_not_read", c): _MU_LOCAL
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    ("p_result_value_of_x", "value_and_state"): _VALUE_HELPER,
    ("p_result_value_of_x", "grad_vs_central"): _VALUE_HELPER,
    ("p_value_helper_read_after", "value_and_state"): _VALUE_HELPER,
    ("p_value_helper_read_after", "grad_vs_central"): _VALUE_HELPER,
    ("p_result_value_of_x", "hessian"): _VALUE_HELPER,
    ("p_value_helper_read_after", "hessian"): _VALUE_HELPER,
    ("p_value_helper_only", "value_and_state"): _VALUE_HELPER,
    ("p_value_helper_pair", "value_and_state"): _VALUE_HELPER,
    ("p_grad_inside", "hessian"): _GRAD_INSIDE,
    **{
        ("p_class_attribute_array", c): _CLASS_ATTRIBUTE
        for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        ("e_returned_view_read_after_update", a): _LOCAL_VIEW
        for a in ("grad", "grad_forward", "vjp", "jacfwd", "jacrev", "value_and_state")
    },
    **{
        ("p_comprehension_for_effect", c): _COMPREHENSION
        for c in ("value_and_state", "grad_vs_central", "hessian")
    },
    **{
        ("p_module_level_partial", c): _MODULE_PARTIAL
        for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        ("p_list_elements_read_around_indexed_update", c): _LIST_ELEMENT
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    ("p_dict_items_read_around_keyed_update", "value_and_state"): _LIST_ELEMENT,
    ("p_dict_items_read_around_keyed_update", "grad_vs_central"): _LIST_ELEMENT,
    **{
        ("p_list_elements_read_around_whole_update", c): _LIST_ELEMENT_WHOLE
        for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        (name, c): _LOOP_ROWS
        for name in ("p_for_enumerate_rows_updated", "p_for_rows_updated_minimal")
        for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        ("p_helper_reads_its_argument_around_the_update", c): _PARAMETER_IS_MODULE_ARRAY
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    ("p_updating_function_called_for_its_value", "hessian"): _SECOND_ORDER_HELPER,
    ("p_helper_reads_then_updates_called_for_value", "hessian"): _SECOND_ORDER_HELPER,
    ("e_local_view_helper_given_view", "hessian"): _HESSIAN_VIEW_ARG,
    ("e_local_view_given_to_helper_quadratic", "hessian"): _HESSIAN_VIEW_ARG,
    **{
        ("p_checkpointed_loop_reads_unchanged_module_array", c): _CHECKPOINT_UNCHANGED
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        (name, c): _SHAPE_READ
        for name in ("p_stored_value_read_only_as_shape", "p_stored_value_read_only_as_len")
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        ("p_branch_in_helper_on_x", c): _MU_LOCAL
        for c in ("value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{("p_kwargs_dict", c): _KWARGS for c in ("grad_vs_central", "forward_vs_reverse", "hessian")},
    **{
        (name, c): _CONTAINER_ARG
        for name in ("p_tuple_of_module_arrays", "p_list_display_of_module_arrays")
        for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        (name, a): _LOCAL_VIEW
        for name in (
            "e_local_row_view_read_after",
            "e_local_column_view_read_after",
            "e_local_slice_view_read_after",
            "e_local_flat_view_read_after",
            "e_local_view_of_attribute",
            "e_local_view_of_list_item",
            "e_local_view_from_a_helper",
        )
        for a in ("grad", "grad_forward", "vjp", "jacfwd", "jacrev", "hessian", "value_and_state")
    },
    **{
        ("p_helper_default_is_module_array", c): _DEFAULT_UPDATE
        for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
    },
    **{
        (name, c): _VALUE_HELPER
        for name in (
            "p_value_helper_argmax",
            "p_value_helper_pair_reads_module",
            "p_value_then_step",
            "p_value_helper_returns_new",
            "p_value_helper_in_loop",
        )
        for c in ("value_and_state", "grad_vs_central", "hessian")
    },
    **{
        ("r_store_through_default", a): _DEFAULT_STORE
        for a in ("grad", "grad_forward", "vjp", "jacfwd", "jacrev", "hessian")
    },
    **{
        ("r_read_back_through_module_view", a): _MODULE_VIEW_STORE
        for a in ("grad", "grad_forward", "vjp", "jacfwd", "jacrev", "hessian")
    },
}

# Fixed after this file was written (session 56: a local view of a module's array read across
# an update, loops over a module's rows updated; a module's array given in a tuple, a list,
# `**{…}`, as a class attribute, a helper's default or to a module-level partial): passing
# tests now.
for _fixed in [
    ("e_local_column_view_read_after", "grad"),
    ("e_local_column_view_read_after", "grad_forward"),
    ("e_local_column_view_read_after", "hessian"),
    ("e_local_column_view_read_after", "jacfwd"),
    ("e_local_column_view_read_after", "jacrev"),
    ("e_local_column_view_read_after", "value_and_state"),
    ("e_local_column_view_read_after", "vjp"),
    ("e_local_row_view_read_after", "grad"),
    ("e_local_row_view_read_after", "grad_forward"),
    ("e_local_row_view_read_after", "hessian"),
    ("e_local_row_view_read_after", "jacfwd"),
    ("e_local_row_view_read_after", "jacrev"),
    ("e_local_row_view_read_after", "value_and_state"),
    ("e_local_row_view_read_after", "vjp"),
    ("e_local_slice_view_read_after", "grad"),
    ("e_local_slice_view_read_after", "grad_forward"),
    ("e_local_slice_view_read_after", "hessian"),
    ("e_local_slice_view_read_after", "jacfwd"),
    ("e_local_slice_view_read_after", "jacrev"),
    ("e_local_slice_view_read_after", "value_and_state"),
    ("e_local_slice_view_read_after", "vjp"),
    ("e_local_view_from_a_helper", "grad"),
    ("e_local_view_from_a_helper", "grad_forward"),
    ("e_local_view_from_a_helper", "hessian"),
    ("e_local_view_from_a_helper", "jacfwd"),
    ("e_local_view_from_a_helper", "jacrev"),
    ("e_local_view_from_a_helper", "value_and_state"),
    ("e_local_view_from_a_helper", "vjp"),
    ("e_local_view_given_to_helper_quadratic", "hessian"),
    ("e_local_view_helper_given_view", "hessian"),
    ("e_local_view_of_attribute", "grad"),
    ("e_local_view_of_attribute", "grad_forward"),
    ("e_local_view_of_attribute", "hessian"),
    ("e_local_view_of_attribute", "jacfwd"),
    ("e_local_view_of_attribute", "jacrev"),
    ("e_local_view_of_attribute", "value_and_state"),
    ("e_local_view_of_attribute", "vjp"),
    ("e_local_view_of_list_item", "grad"),
    ("e_local_view_of_list_item", "grad_forward"),
    ("e_local_view_of_list_item", "hessian"),
    ("e_local_view_of_list_item", "jacfwd"),
    ("e_local_view_of_list_item", "jacrev"),
    ("e_local_view_of_list_item", "value_and_state"),
    ("e_local_view_of_list_item", "vjp"),
    ("p_for_enumerate_rows_updated", "grad_vs_central"),
    ("p_for_enumerate_rows_updated", "forward_vs_reverse"),
    ("p_for_enumerate_rows_updated", "hessian"),
    ("p_for_rows_updated_minimal", "grad_vs_central"),
    ("p_for_rows_updated_minimal", "forward_vs_reverse"),
    ("p_for_rows_updated_minimal", "hessian"),
    ("p_class_attribute_array", "forward_vs_reverse"),
    ("p_class_attribute_array", "grad_vs_central"),
    ("p_class_attribute_array", "hessian"),
    ("p_helper_default_is_module_array", "forward_vs_reverse"),
    ("p_helper_default_is_module_array", "grad_vs_central"),
    ("p_helper_default_is_module_array", "hessian"),
    ("p_kwargs_dict", "forward_vs_reverse"),
    ("p_kwargs_dict", "grad_vs_central"),
    ("p_kwargs_dict", "hessian"),
    ("p_list_display_of_module_arrays", "forward_vs_reverse"),
    ("p_list_display_of_module_arrays", "grad_vs_central"),
    ("p_list_display_of_module_arrays", "hessian"),
    ("p_module_level_partial", "forward_vs_reverse"),
    ("p_module_level_partial", "grad_vs_central"),
    ("p_module_level_partial", "hessian"),
    ("p_tuple_of_module_arrays", "forward_vs_reverse"),
    ("p_tuple_of_module_arrays", "grad_vs_central"),
    ("p_tuple_of_module_arrays", "hessian"),
]:
    del XFAIL[_fixed]
# Fixed in session 57 (a helper updating a module's arrays through a loop name of its own or
# by giving one to another helper, read around by a loop's element, a dict's value, a local
# view `M.reshape(-1)` or the helper's parameter): passing tests now.
for _fixed in [
    ("e_local_flat_view_read_after", "grad"),
    ("e_local_flat_view_read_after", "grad_forward"),
    ("e_local_flat_view_read_after", "hessian"),
    ("e_local_flat_view_read_after", "jacfwd"),
    ("e_local_flat_view_read_after", "jacrev"),
    ("e_local_flat_view_read_after", "value_and_state"),
    ("e_local_flat_view_read_after", "vjp"),
    ("p_dict_items_read_around_keyed_update", "grad_vs_central"),
    ("p_dict_items_read_around_keyed_update", "value_and_state"),
    ("p_helper_reads_its_argument_around_the_update", "forward_vs_reverse"),
    ("p_helper_reads_its_argument_around_the_update", "hessian"),
    ("p_helper_reads_then_updates_called_for_value", "hessian"),
    ("p_list_elements_read_around_indexed_update", "forward_vs_reverse"),
    ("p_list_elements_read_around_indexed_update", "grad_vs_central"),
    ("p_list_elements_read_around_indexed_update", "hessian"),
    ("p_list_elements_read_around_indexed_update", "value_and_state"),
    ("p_list_elements_read_around_whole_update", "forward_vs_reverse"),
    ("p_list_elements_read_around_whole_update", "grad_vs_central"),
    ("p_list_elements_read_around_whole_update", "hessian"),
    ("p_updating_function_called_for_its_value", "hessian"),
]:
    del XFAIL[_fixed]
# Fixed in session 58 (an inlined helper's returned item of a module's array, `r =
# halve_returning(M[0])`, read after an update: the value it returns is copied where used)
for _api in ("grad", "grad_forward", "vjp", "jacfwd", "jacrev", "value_and_state"):
    del XFAIL[("e_returned_view_read_after_update", _api)]
# (the comprehension dropped, as `_COMPREHENSION` says: `jacrev` runs the plain call first,
# which halves the arrays, so its gradient differs from `grad`'s since session 56 too)
XFAIL[("p_comprehension_for_effect", "forward_vs_reverse")] = _COMPREHENSION

CHECKS = ["value_and_state", "grad_vs_central", "forward_vs_reverse", "hessian"]


def _plain(f, x):
    reset()
    value = f(x.copy())
    return value, snapshot()


def _printed(call):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = call()
    return result, out.getvalue()


def _central_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        reset()
        up = f(x + e)
        reset()
        down = f(x - e)
        g[i] = (up - down) / (2 * h)
    reset()
    return g


def _central_hessian(f, x, h=1e-4):
    """Second differences of the plain function, the state reset before each call."""

    def at(v):
        reset()
        return f(v)

    n = x.size
    ref = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros_like(x)
            ej = np.zeros_like(x)
            ei[i] = h
            ej[j] = h
            ref[i, j] = (at(x + ei + ej) - at(x + ei - ej) - at(x - ei + ej) + at(x - ei - ej)) / (
                4 * h * h
            )
    reset()
    return ref


def _api_calls(f, x):
    """Each API call run on a fresh state: name -> (value or None, gradient-like result)."""
    t = np.array([0.2, -0.7, 0.4])

    def run_vjp():
        out, pb = ad.vjp(f, x.copy())
        return out, pb(1.0)[0]

    return {
        "grad": lambda: (None, ad.grad(f)(x.copy())),
        "grad_forward": lambda: (None, ad.grad(f, mode="forward")(x.copy())),
        "value_and_grad": lambda: ad.value_and_grad(f)(x.copy()),
        "value_and_grad_forward": lambda: ad.value_and_grad(f, mode="forward")(x.copy()),
        "vjp": run_vjp,
        "jvp": lambda: ad.jvp(f, (x.copy(),), (t,)),
        "jacfwd": lambda: (None, ad.jacfwd(f)(x.copy())),
        "jacrev": lambda: (None, ad.jacrev(f)(x.copy())),
        "jacobian": lambda: (None, ad.jacobian(f)(x.copy())),
    }


# Refused since session 57 (they were silent wrong values, gradients and module state,
# `_VALUE_HELPER`): a helper called for a value carrying a derivative, given a module's array
# it updates in place; the refusal names the call's line and leaves the module as it was.
VALUE_HELPERS_REFUSED = [
    p_result_value_of_x,
    p_value_helper_read_after,
    p_value_helper_only,
    p_value_helper_argmax,
    p_value_helper_pair,
    p_value_helper_pair_reads_module,
    p_value_then_step,
    p_value_helper_returns_new,
    p_value_helper_in_loop,
]
WORKS = [f for f in WORKS if f not in VALUE_HELPERS_REFUSED]


@pytest.mark.parametrize("f", VALUE_HELPERS_REFUSED, ids=lambda f: f.__name__)
def test_value_helper_updating_module_array_refused(f):
    calls = {**_api_calls(f, X0), "hessian": lambda: ad.hessian(f)(X0.copy())}
    for name, call in calls.items():
        reset()
        before = snapshot()
        with pytest.raises(ad.S2SError, match="given the module's `M`, which it updates") as e:
            call()
        assert HERE in str(e.value), name
        _same(snapshot(), before, f"{name}: module state")
    reset()


def _params(programs, checks):
    out = []
    for f in programs:
        for check in checks:
            marks = []
            reason = XFAIL.get((f.__name__, check))
            if reason is not None:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(f, check, id=f"{f.__name__}-{check}", marks=marks))
    return out


@pytest.mark.parametrize(("f", "check"), _params(WORKS, CHECKS))
def test_works(f, check):
    for x in (X0, X_NEG):
        _check_one(f, check, x)


def _check_one(f, check, x):
    (value, state), printed = _printed(lambda: _plain(f, x))
    if check == "value_and_state":
        for name, call in _api_calls(f, x).items():
            reset()
            (out, _), text = _printed(call)
            assert text == printed, f"{name} printed {text!r}, the plain call {printed!r}"
            _same(snapshot(), state, f"{name}: module state")
            if out is not None:
                np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-13, err_msg=name)
        if f.__name__ not in NO_HESSIAN:
            reset()
            _, text = _printed(lambda: ad.hessian(f)(x.copy()))
            assert text == printed, f"hessian printed {text!r}, the plain call {printed!r}"
            _same(snapshot(), state, "hessian: module state")
    elif check == "grad_vs_central":
        reset()
        g = ad.grad(f)(x.copy())
        np.testing.assert_allclose(g, _central_grad(f, x), rtol=1e-6, atol=1e-7)
    elif check == "forward_vs_reverse":
        results = {}
        for name, call in _api_calls(f, x).items():
            if name == "jvp":
                continue
            reset()
            results[name] = np.asarray(call()[1])
        reset()
        t = np.array([0.2, -0.7, 0.4])
        _, tangent = ad.jvp(f, (x.copy(),), (t,))
        ref = results["grad"]
        for name, r in results.items():
            np.testing.assert_allclose(r, ref, rtol=1e-10, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(tangent, ref @ t, rtol=1e-10, atol=1e-12, err_msg="jvp")
    elif check == "hessian":
        if f.__name__ in NO_HESSIAN:
            pytest.skip("no second derivative here")
        reset()
        hess = ad.hessian(f)(x.copy())
        ref = _central_hessian(f, x)
        np.testing.assert_allclose(hess, ref, rtol=1e-5, atol=1e-5)
    reset()


def _marked_lines(f):
    """The lines marked `# refused here` (either may be named where two stores chain)."""
    lines, start = inspect.getsourcelines(f)
    marked = [start + k for k, line in enumerate(lines) if "# refused here" in line]
    assert marked, "no marked line"
    return marked


def _marked_line(f):
    return _marked_lines(f)[0]


REFUSAL_APIS = {
    "grad": lambda f, x: ad.grad(f)(x),
    "grad_forward": lambda f, x: ad.grad(f, mode="forward")(x),
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0)[0],
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "hessian": lambda f, x: ad.hessian(f)(x),
}


def _refusal_params():
    out = []
    for f in REFUSED:
        for api in REFUSAL_APIS:
            marks = []
            reason = XFAIL.get((f.__name__, api))
            if reason is not None:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(f, api, id=f"{f.__name__}-{api}", marks=marks))
    return out


@pytest.mark.parametrize(("f", "api"), _refusal_params())
def test_refused_at_users_line(f, api):
    reset()
    with pytest.raises(ad.S2SError) as info:
        REFUSAL_APIS[api](f, X0.copy())
    message = str(info.value)
    assert any(f"{HERE}:{line}:" in message for line in _marked_lines(f)), message
    reset()


def _refused_or_right_params():
    out = []
    for f in REFUSED_OR_RIGHT:
        for api in [*REFUSAL_APIS, "value_and_state"]:
            marks = []
            reason = XFAIL.get((f.__name__, api))
            if reason is not None:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            out.append(pytest.param(f, api, id=f"{f.__name__}-{api}", marks=marks))
    return out


@pytest.mark.parametrize(("f", "api"), _refused_or_right_params())
def test_refused_or_right(f, api):
    x = X0
    value, state = _plain(f, x)
    reset()
    try:
        if api == "value_and_state":
            for name, call in _api_calls(f, x).items():
                reset()
                out, _ = call()
                _same(snapshot(), state, f"{name}: module state")
                if out is not None:
                    np.testing.assert_allclose(out, value, rtol=1e-12, err_msg=name)
            return
        result = np.asarray(REFUSAL_APIS[api](f, x.copy()))
        _same(snapshot(), state, f"{api}: module state")
    except ad.S2SError as error:
        assert HERE in str(error), str(error)
        return
    finally:
        reset()
    g = _central_grad(f, x)
    if api == "vjp":
        np.testing.assert_allclose(result, g, rtol=1e-6, atol=1e-7)
    elif api == "hessian":
        ref = _central_hessian(f, x)
        np.testing.assert_allclose(result, ref, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_allclose(result, g, rtol=1e-6, atol=1e-7)
    reset()


# ---------------------------------------------------------------------------------------------
# Beyond one argument and one call: a training loss over a dict of parameters, a pullback
# called after the state moved on, vector outputs, Hessian-vector products, `jit=True`.
# ---------------------------------------------------------------------------------------------

EMA_PARAMS = {"w": np.zeros((3, 3)), "b": np.zeros(3)}
_EMA_PARAMS0 = copy.deepcopy(EMA_PARAMS)
TRAIN_PARAMS = {"w": RNG0.standard_normal((3, 3)) * 0.5, "b": np.array([0.1, -0.2, 0.3])}


def _reset_ema():
    for k in EMA_PARAMS:
        EMA_PARAMS[k][...] = _EMA_PARAMS0[k]


def loss_tracking_ema(params, x):
    h = np.tanh(params["w"] @ x + params["b"])
    for k in params:
        ema_(EMA_PARAMS[k], params[k], 0.5)  # the parameters' EMA, never read back here
    return np.sum(h**2)


def loss_tracking_ema_of_one(params, x):
    h = np.tanh(params["w"] @ x + params["b"])
    ema_(EMA_PARAMS["w"], params["w"], 0.5)
    return np.sum(h**2)


def loss_reading_ema_back(params, x):
    ema_(EMA_PARAMS["w"], params["w"], 0.5)  # refused here
    return np.sum(np.tanh(EMA_PARAMS["w"] @ x) ** 2)


_PARAMS_LOCAL = (
    "refused, wrongly: the parameters (an argument) given as the read-only argument of a helper "
    "updating a module array: `def ema_(avg, w, d=0.9): avg *= d; avg += (1 - d) * w` / "
    "`def loss(params, x): ema_(EMA['w'], params['w'], 0.5); return np.sum(np.tanh(params['w'] "
    "@ x) ** 2)` -> UnsupportedSyntaxError 'call of `ema_` for its effect, given the local "
    "`params`: it may update its argument in place (`avg *= decay`)', though only `avg` is "
    "updated (the `mu` bug above, for an argument)"
)


@pytest.mark.parametrize(
    "loss",
    [
        pytest.param(loss_tracking_ema, marks=pytest.mark.xfail(strict=True, reason=_PARAMS_LOCAL)),
        pytest.param(
            loss_tracking_ema_of_one, marks=pytest.mark.xfail(strict=True, reason=_PARAMS_LOCAL)
        ),
    ],
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_training_loss_keeps_an_ema_of_its_parameters(loss, mode):
    params = copy.deepcopy(TRAIN_PARAMS)
    _reset_ema()
    value = loss(params, X0)
    state = copy.deepcopy(EMA_PARAMS)
    _reset_ema()
    out, g = ad.value_and_grad(loss, mode=mode)(params, X0)
    _same(EMA_PARAMS, state, "EMA_PARAMS")
    assert out == pytest.approx(value, rel=1e-12)
    for k in ("w", "b"):
        num = np.zeros_like(params[k])
        for idx in np.ndindex(params[k].shape):
            up = copy.deepcopy(params)
            down = copy.deepcopy(params)
            up[k][idx] += 1e-6
            down[k][idx] -= 1e-6
            _reset_ema()
            a = loss(up, X0)
            _reset_ema()
            b = loss(down, X0)
            num[idx] = (a - b) / 2e-6
        np.testing.assert_allclose(g[k], num, rtol=1e-6, atol=1e-7)
    _reset_ema()


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_training_loss_reading_its_ema_back_is_refused(mode):
    _reset_ema()
    with pytest.raises(ad.S2SError) as info:
        ad.grad(loss_reading_ema_back, mode=mode)(copy.deepcopy(TRAIN_PARAMS), X0)
    assert HERE in str(info.value)
    assert str(_marked_line(loss_reading_ema_back)) in str(info.value)
    _reset_ema()


@pytest.mark.parametrize(
    "f", [p_brief_example, p_read_before_in_pullback, p_ema_of_weights, p_object_method]
)
def test_pullback_called_after_the_state_moved_on(f):
    """A training loop's pattern: the pullback of one step called after later steps ran."""
    reset()
    g_first = _central_grad(f, X0)
    reset()
    _, pullback = ad.vjp(f, X0.copy())
    after_one = snapshot()
    f(X0.copy())  # a second step moves the module's state on
    f(X0.copy())
    (g,) = pullback(1.0)
    np.testing.assert_allclose(g, g_first, rtol=1e-6, atol=1e-7)
    (g_again,) = pullback(1.0)
    np.testing.assert_allclose(g_again, g, rtol=1e-15)
    reset()
    f(X0.copy())
    _same(after_one, snapshot(), "state after vjp")
    reset()


def v_decay_between_outputs(x):
    y = M[:2] @ np.sin(x)
    scale_inplace(M, 0.5)
    return y + M[:2] @ x**2


def v_running_stats_vector(x):
    update_running(RUNNING_MEAN, np.mean(DATA, axis=0), 0.5)
    return np.tanh(x - RUNNING_MEAN) * np.sum(W @ x)


def v_method_and_views(x):
    STATS.decay(2.0)
    add_inplace(M[0], 1.0)
    return np.stack([np.sum(STATS.buf * x), np.sum(M[0] * x**2)])


@pytest.mark.parametrize("f", [v_decay_between_outputs, v_running_stats_vector, v_method_and_views])
@pytest.mark.parametrize("api", ["jacfwd", "jacrev", "jacobian", "jacobian_forward", "vjp", "jvp"])
def test_vector_outputs(f, api):
    reset()
    value = f(X0.copy())
    state = snapshot()
    cols = []
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1e-6
        reset()
        up = f(X0 + e)
        reset()
        down = f(X0 - e)
        cols.append((up - down) / 2e-6)
    jac = np.stack(cols, axis=-1)
    reset()
    if api == "vjp":
        out, pullback = ad.vjp(f, X0.copy())
        np.testing.assert_allclose(out, value, rtol=1e-12)
        ct = np.arange(1.0, 1.0 + value.size).reshape(value.shape)
        np.testing.assert_allclose(pullback(ct)[0], ct @ jac, rtol=1e-6, atol=1e-7)
    elif api == "jvp":
        t = np.array([0.2, -0.7, 0.4])
        out, tangent = ad.jvp(f, (X0.copy(),), (t,))
        np.testing.assert_allclose(out, value, rtol=1e-12)
        np.testing.assert_allclose(tangent, jac @ t, rtol=1e-6, atol=1e-7)
    else:
        fn = {
            "jacfwd": ad.jacfwd,
            "jacrev": ad.jacrev,
            "jacobian": ad.jacobian,
            "jacobian_forward": lambda g: ad.jacobian(g, mode="forward"),
        }[api]
        np.testing.assert_allclose(fn(f)(X0.copy()), jac, rtol=1e-6, atol=1e-7)
    _same(snapshot(), state, f"{api}: module state")
    reset()


@pytest.mark.parametrize(
    "f", [p_brief_example, p_read_before_in_pullback, p_normalise_buffer, p_in_loop, p_view_row]
)
def test_hvp(f):
    reset()
    f(X0.copy())
    state = snapshot()
    t = np.array([0.2, -0.7, 0.4])
    reset()
    g, ht = ad.hvp(f, (X0.copy(),), (t,))
    _same(snapshot(), state, "hvp: module state")
    np.testing.assert_allclose(g, _central_grad(f, X0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ht, _central_hessian(f, X0) @ t, rtol=1e-5, atol=1e-5)
    reset()


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(
    "f",
    [p_brief_example, p_adam_moments, p_object_method, p_while_break, p_ema_of_weights],
)
def test_jit(f):
    value, state = _plain(f, X0)
    for _ in range(2):  # the first call compiles (or falls back), the second runs what it made
        reset()
        out, g = ad.value_and_grad(f, jit=True)(X0.copy())
        _same(snapshot(), state, "jit: module state")
        assert out == pytest.approx(value, rel=1e-12)
        np.testing.assert_allclose(g, _central_grad(f, X0), rtol=1e-6, atol=1e-7)
    reset()


# ---------------------------------------------------------------------------------------------
# In-place idioms inside the helper: each helper changes the module's M in its own way, the
# function reads M before and after the call.
# ---------------------------------------------------------------------------------------------


def idiom_fill(a):
    a.fill(0.5)


def idiom_sort(a):
    a.sort(axis=1)


def idiom_np_put(a):
    np.put(a, [0, 4], [1.0, 2.0])


def idiom_method_put(a):
    a.put([0, 4], [1.0, 2.0])


def idiom_fill_diagonal(a):
    np.fill_diagonal(a, 0.0)


def idiom_negative_out(a):
    np.negative(a, out=a)


def idiom_method_clip_out(a):
    a.clip(-0.2, 0.2, out=a)


def idiom_exp_out(a):
    np.exp(a, out=a)


def idiom_place(a):
    np.place(a, a > 0, 0.0)


def idiom_putmask(a):
    np.putmask(a, a < 0, -a)


def idiom_boolean_mask(a):
    a[a > 0.1] *= 3.0


def idiom_fancy_index(a):
    a[[0, 2], 1] += 1.0


def idiom_ellipsis(a):
    a[...] = np.tanh(a * 3)


def idiom_transpose_row(a):
    a.T[0] *= 2.0


def idiom_flat(a):
    a.flat[[1, 5]] = 7.0


def idiom_ravel_view(a):
    a.ravel()[:2] *= -1.0


def idiom_add_own_transpose(a):
    a += a.T


def idiom_mod(a):
    a %= 0.25


def idiom_floor_out(a):
    np.floor(a * 10, out=a)


def idiom_cumsum_out(a):
    np.cumsum(a, axis=0, out=a)


def idiom_roll(a):
    a[:] = np.roll(a, 1, axis=0)


IDIOMS = [
    idiom_fill,
    idiom_sort,
    idiom_np_put,
    idiom_method_put,
    idiom_fill_diagonal,
    idiom_negative_out,
    idiom_method_clip_out,
    idiom_exp_out,
    idiom_place,
    idiom_putmask,
    idiom_boolean_mask,
    idiom_fancy_index,
    idiom_ellipsis,
    idiom_transpose_row,
    idiom_flat,
    idiom_ravel_view,
    idiom_add_own_transpose,
    idiom_mod,
    idiom_floor_out,
    idiom_cumsum_out,
    idiom_roll,
]


def _program_with(helper):
    def f(x):
        y = np.sum(np.sin(M @ x))
        helper(M)
        return y + np.sum(np.sin(M @ x))

    f.__name__ = f.__qualname__ = f"p_{helper.__name__}"
    return f


_METHOD_CLIP = (
    "silently wrong gradient in reverse mode: the method form `a.clip(lo, hi, out=a)` in a "
    "helper given the module's array: `def clip_(a): a.clip(-0.2, 0.2, out=a)` / `def f(x): "
    "y = np.sum(np.sin(M @ x)); clip_(M); return y + np.sum(np.sin(M @ x))` -> grad, vjp, "
    "jacrev and hessian read the clipped M for the first term; forward mode, the value and "
    "the state are right, and `np.clip(a, lo, hi, out=a)` is right"
)
IDIOM_XFAIL = {
    ("idiom_method_clip_out", c): _METHOD_CLIP
    for c in ("grad_vs_central", "forward_vs_reverse", "hessian")
}
# (fixed in session 56: `a.clip(lo, hi, out=a)` counts as an update of `a`)
del IDIOM_XFAIL[("idiom_method_clip_out", "forward_vs_reverse")]
del IDIOM_XFAIL[("idiom_method_clip_out", "grad_vs_central")]
del IDIOM_XFAIL[("idiom_method_clip_out", "hessian")]


def _idiom_params():
    out = []
    for helper in IDIOMS:
        for check in CHECKS:
            reason = IDIOM_XFAIL.get((helper.__name__, check))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(helper, check, id=f"{helper.__name__}-{check}", marks=marks))
    return out


@pytest.mark.parametrize(("helper", "check"), _idiom_params())
def test_in_place_idioms_in_helpers(helper, check):
    f = _program_with(helper)
    for x in (X0, X_NEG):
        _check_one(f, check, x)


@pytest.mark.parametrize("api", ["hessian", "jacfwd_of_grad", "hvp"])
def test_second_order_refusals(api):
    """`grad(g)(x)` inside a function differentiated twice, `g` updating module state."""
    f = p_grad_of_an_updating_function_inside
    reset()
    with pytest.raises(ad.S2SError) as info:
        if api == "hessian":
            ad.hessian(f)(X0.copy())
        elif api == "jacfwd_of_grad":
            ad.jacfwd(ad.grad(f))(X0.copy())
        else:
            ad.hvp(f, (X0.copy(),), (np.ones(3),))
    _, start = inspect.getsourcelines(f)
    assert f"{HERE}:{start + 1}:" in str(info.value), str(info.value)
    reset()


def loss_with_weights(x, w):
    y = np.sum(np.sin(w @ x))
    scale_inplace(M, 0.5)  # called as loss_with_weights(x, M): w is M
    return y + np.sum(np.sin(w @ x))


def loss_with_default_weights(x, w=M):
    y = np.sum(np.sin(w @ x))
    scale_inplace(M, 0.5)
    return y + np.sum(np.sin(w @ x))


_ARGUMENT_IS_MODULE_ARRAY = (
    "silently wrong value and gradient: the module's array given to the differentiated "
    "function as an argument (or its default) that a helper then updates by the module's "
    "name: `M = np.ones((2, 3))` / `def f(x, w): y = np.sum(w @ x); scale_inplace(M, 2.0); "
    "return y + np.sum(w @ x)` / `value_and_grad(f)(x, M)` at x = [1, 2, 3] -> (24.0, [8, 8, "
    "8]) in reverse mode and (24.0, [4, 4, 4]) in forward mode where the plain call gives 36.0 "
    "and the gradient is [6, 6, 6] (the two `w @ x` are merged, and the pullback reads the "
    "updated w for both); refusing it would do"
)


@pytest.mark.xfail(strict=True, reason=_ARGUMENT_IS_MODULE_ARRAY)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
@pytest.mark.parametrize("how", ["argument", "default"])
def test_module_array_given_as_the_functions_argument(how, mode):
    if how == "argument":
        f, args = loss_with_weights, (X0.copy(), M)
    else:
        f, args = loss_with_default_weights, (X0.copy(),)
    reset()
    value = f(*args)
    state = snapshot()
    reset()
    try:
        out, g = ad.value_and_grad(f, mode=mode)(*args)
    except ad.S2SError as error:  # a refusal at the user's line would do
        assert HERE in str(error)
        return
    _same(snapshot(), state, "module state")
    assert out == pytest.approx(value, rel=1e-12)
    plain = (lambda v: f(v, M)) if how == "argument" else f
    np.testing.assert_allclose(g, _central_grad(plain, X0), rtol=1e-6, atol=1e-7)
    reset()


STEP = 0
LR = 0.5


def tick():
    global STEP
    STEP += 1


def decay_lr():
    global LR
    LR = LR * 0.5


def loss_counting_steps(x):
    tick()
    scale_inplace(BUF, 0.5)
    return np.sum(x**2) * STEP + np.dot(BUF, x)


def loss_with_decaying_rate(x):
    y = LR * np.sum(x**2)
    decay_lr()
    return y + LR * np.sum(np.sin(x))


@pytest.mark.parametrize("f", [loss_counting_steps, loss_with_decaying_rate])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_numbers_rebound_by_global_helpers(f, mode):
    """Numbers a helper rebinds with `global`, beside an array it updates in place."""
    global STEP, LR

    def fresh():
        global STEP, LR
        STEP, LR = 0, 0.5
        reset()

    fresh()
    value = f(X0.copy())
    state = (STEP, LR, snapshot())
    fresh()
    out, g = ad.value_and_grad(f, mode=mode)(X0.copy())
    assert state[:2] == (STEP, LR)
    _same(snapshot(), state[2], "module state")
    assert out == pytest.approx(value, rel=1e-12)
    num = np.zeros(3)
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1e-6
        fresh()
        up = f(X0 + e)
        fresh()
        down = f(X0 - e)
        num[i] = (up - down) / 2e-6
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7)
    fresh()
