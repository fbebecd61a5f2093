# ruff: noqa: B007, B009, B010 (setattr and getattr with literal names are what is tested)
"""Programs mixing module-level state with everyday Python, by the 146th independent tester.

Written from the README alone. Each program is checked the same way: the value of
`value_and_grad` against one plain call, the gradient (reverse and forward) against central
differences, `jvp` and `vjp` against it too, and the module state after each derivative call
against the state after one plain call (effects run exactly once). Second order: `hessian`,
`jacfwd(grad(f))`, `jacrev(grad(f))` against central differences of the gradient. Bugs are
strict expected failures whose reason says what is wrong.
"""

import collections
import contextlib
import dataclasses
import functools
import heapq
import io
import logging
import operator
import re
import sys
import types

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import UnsupportedSyntaxError

X0 = np.array([0.3, -0.7, 1.1])

# --------------------------------------------------------------------------------------
# module state
# --------------------------------------------------------------------------------------

STATE = types.SimpleNamespace(n=0, scale=1.5, last=None, lr=0.5, total=0.0, tag="", arr=None)
CFG = types.SimpleNamespace(alpha=0.3, beta=2.0)
NAMES = ["alpha", "beta"]
ACT = types.SimpleNamespace(name="tanh")
CURSOR = types.SimpleNamespace(i=0, idx=[0, 1], axis=0, step=1, k=1, key="a")


def advance_cursor():
    CURSOR.i = CURSOR.i + 1


CACHE = {}
QUEUES = {"a": [1.0, 2.0], "b": [0.5]}
HIST = [1.0]
LOG = []
EVENTS = []
BUF = [0.0]
log = logging.getLogger("s2s_ad_tester146")


class Model:
    def __init__(self):
        self.k = 2.0
        self.steps = 0

    def bump(self):
        self.steps += 1
        self.k = self.k * 0.9


class Acc:
    def __init__(self):
        self.total = 0.0
        self.count = 0


class Tracker:
    def __init__(self):
        self.seen = []

    def log(self, v):
        self.seen.append(v)


class Sched:
    k = 2.0
    calls = 0


class RunningMean:
    def __init__(self):
        self.m = 0.0

    def push(self, v):
        self.m = 0.9 * self.m + 0.1 * v


MODEL = Model()
ACC = Acc()
RUNNING = RunningMean()
STATS = {"mean": 0.0}
TRACK = Tracker()
DQ = collections.deque()
HEAP = []
ARR = np.zeros(3)
REC = types.SimpleNamespace(items={}, hist=[])


def record(v):
    LOG.append(float(v))


HOOKS = {"on_step": lambda v: LOG.append(v)}
OBS = types.SimpleNamespace(cb=record, seen=0)
CBS = [record]
CALLBACKS = {"act": np.tanh, "post": lambda v: v * 2.0}


class LrSched:
    def __init__(self):
        self.lr = 0.5

    def step(self):
        self.lr = self.lr * 0.5


def halve_rate():
    RATE.lr = RATE.lr * 0.5


def decay_given(obj):
    obj.lr = obj.lr * 0.5


def decay_vars():
    vars(RATE).update(lr=RATE.lr * 0.5)


def decay_dunder_dict():
    RATE.__dict__["lr"] = RATE.__dict__["lr"] * 0.5


class Opt:
    def __init__(self):
        self.lr = 0.5

    def decay(self):
        setattr(self, "lr", self.lr * 0.5)

    def decay_named(self, name):
        setattr(self, name, getattr(self, name) * 0.5)


@dataclasses.dataclass(frozen=True)
class FrozenOpt:
    lr: float = 0.5

    def decay(self):
        object.__setattr__(self, "lr", self.lr * 0.5)


@dataclasses.dataclass
class PlainOpt:
    lr: float = 0.5


def halve_rate_array():
    RATE_ARR[0] = RATE_ARR[0] * 0.5


OPT = Opt()
FROZEN_OPT = FrozenOpt()
PLAIN_OPT = PlainOpt()
RATE_ARR = np.array([0.5])
RATE = types.SimpleNamespace(lr=0.5)
RATE_ALIAS = RATE
RATE_HOLD = {"state": RATE}
RATE_LIST = [RATE]
RATE_TUPLE = (RATE,)
OPT_CFG = types.SimpleNamespace(opt=types.SimpleNamespace(lr=0.5))
RATE_CACHE = {"lr": 0.5}
RATE_BUF = [0.5]
SCHEDS = {"main": LrSched()}
SCHED_LIST = [LrSched()]
RATE_SETTER = functools.partial(setattr, RATE, "lr")
DECAY_HOOKS = {"decay": lambda: setattr(RATE, "lr", RATE.lr * 0.5)}
DECAY_LIST = [lambda: setattr(RATE, "lr", RATE.lr * 0.5)]
DECAY = lambda: setattr(RATE, "lr", RATE.lr * 0.5)  # noqa: E731
DECAY_OBJ = types.SimpleNamespace(cb=halve_rate)
DECAY_DICT = {"cb": halve_rate}


def reset():
    RATE.lr = 0.5
    OPT.lr = 0.5
    object.__setattr__(FROZEN_OPT, "lr", 0.5)
    PLAIN_OPT.lr = 0.5
    RATE_ARR[:] = 0.5
    OPT_CFG.opt.lr = 0.5
    RATE_CACHE["lr"] = 0.5
    RATE_BUF[:] = [0.5]
    SCHEDS["main"].lr = 0.5
    SCHED_LIST[0].lr = 0.5
    STATE.n = 0
    STATE.scale = 1.5
    STATE.last = None
    STATE.lr = 0.5
    STATE.total = 0.0
    STATE.tag = ""
    CURSOR.i = 0
    CURSOR.idx = [0, 1]
    CURSOR.axis = 0
    CURSOR.step = 1
    CURSOR.k = 1
    CURSOR.key = "a"
    STATE.arr = None
    for k in list(vars(CFG)):
        delattr(CFG, k)
    CFG.alpha = 0.3
    CFG.beta = 2.0
    CACHE.clear()
    QUEUES.clear()
    QUEUES.update({"a": [1.0, 2.0], "b": [0.5]})
    HIST[:] = [1.0]
    LOG.clear()
    EVENTS.clear()
    BUF[:] = [0.0]
    MODEL.k = 2.0
    MODEL.steps = 0
    ACC.total = 0.0
    ACC.count = 0
    OBS.seen = 0
    TRACK.seen = []
    Sched.k = 2.0
    Sched.calls = 0
    DQ.clear()
    HEAP.clear()
    ARR[:] = 0.0
    REC.items = {}
    REC.hist = []
    RUNNING.m = 0.0
    STATS["mean"] = 0.0


def snapshot():
    return repr(
        (
            sorted(vars(STATE).items()),
            sorted(vars(CFG).items()),
            sorted(CACHE.items()),
            sorted(QUEUES.items()),
            HIST,
            LOG,
            EVENTS,
            BUF,
            sorted(vars(MODEL).items()),
            sorted(vars(ACC).items()),
            OBS.seen,
            TRACK.seen,
            Sched.k,
            Sched.calls,
            list(DQ),
            HEAP,
            ARR,
            REC.items,
            REC.hist,
            RUNNING.m,
            STATS,
            RATE.lr,
            sorted(vars(CURSOR).items()),
            OPT.lr,
            FROZEN_OPT.lr,
            PLAIN_OPT.lr,
            RATE_ARR,
            OPT_CFG.opt.lr,
            RATE_CACHE,
            RATE_BUF,
            SCHEDS["main"].lr,
            SCHED_LIST[0].lr,
        )
    )


# --------------------------------------------------------------------------------------
# helpers the programs call
# --------------------------------------------------------------------------------------


def set_scale(v):
    STATE.scale = v


def halve():
    STATE.lr = STATE.lr * 0.5


def scaled(v, c):
    return v * c


def read_last():
    return STATE.last


def note(i):
    EVENTS.append(i)


def bump_if_big(v):
    if v > 1.0:
        STATE.scale = STATE.scale * 0.5
        STATE.n = STATE.n + 1


def inner(z):
    setattr(STATE, "n", STATE.n + 1)
    return np.sum(z**3) * STATE.scale


# --------------------------------------------------------------------------------------
# programs that work
# --------------------------------------------------------------------------------------


def p_setattr_loop(x):
    # a step counter kept on a module namespace by setattr, read back each step
    y = x
    for i in range(3):
        setattr(STATE, "n", STATE.n + 1)
        y = np.sin(y) * STATE.scale + 0.1 * STATE.n
    return np.sum(y**2)


def p_getattr_names(x):
    total = 0.0
    for name in ("alpha", "beta"):
        c = getattr(CFG, name)
        total = total + c * np.sum(x**2)
    return total


def p_setattr_computed_names(x):
    for name in ("scale", "lr"):
        setattr(STATE, name, getattr(STATE, name) * 2.0)
    return np.sum(x * STATE.scale + x**2 * STATE.lr)


def p_helper_sets_scale_in_loop(x):
    y = x
    for i in range(3):
        set_scale(STATE.scale + 1.0)
        y = np.sin(y) * STATE.scale
    return np.sum(y)


def p_lr_decay_helper(x):
    y = x
    for i in range(4):
        y = y - STATE.lr * np.cos(y)
        halve()
    return np.sum(y**2)


def p_lr_decay_lambda(x):
    decay = lambda: setattr(STATE, "lr", STATE.lr * 0.5)  # noqa: E731
    y = x
    for i in range(3):
        y = y - STATE.lr * y**3
        decay()
    return np.sum(y)


def p_method_bumps_module_object(x):
    y = x
    for i in range(3):
        MODEL.bump()
        y = np.tanh(y * MODEL.k)
    return np.sum(y) * MODEL.steps


def p_while_on_module_counter(x):
    y = x
    setattr(STATE, "n", 0)
    while STATE.n < 3:
        y = y * 0.9 + np.sin(y)
        setattr(STATE, "n", STATE.n + 1)
    return np.sum(y)


def p_while_break_else(x):
    y = x
    i = 0
    while i < 5:
        setattr(STATE, "n", STATE.n + 1)
        y = np.cos(y) * STATE.scale
        if np.sum(y) > 100.0:
            break
        i += 1
    else:
        setattr(STATE, "last", "finished")
    return np.sum(y**2)


def p_counts_and_totals(x):
    y = x
    for i in range(3):
        y = np.tanh(y) * 1.2
        setattr(ACC, "count", ACC.count + 1)
        setattr(STATE, "total", STATE.total + float(i))
    return np.sum(y) * ACC.count + STATE.total


def p_hist_last(x):
    h = HIST[-1]
    return h * np.sum(np.exp(x))


def p_queue_append_constant(x):
    QUEUES["a"].append(3.0)
    w = QUEUES["a"][-1]
    return w * np.sum(x**2)


def p_queue_pop(x):
    w = QUEUES["a"].pop()
    return w * np.sum(x**2) + len(QUEUES["a"])


def p_hook_in_dict(x):
    y = x
    for i in range(3):
        y = np.sin(y) * 1.3
        HOOKS["on_step"](np.sum(y))
    return np.sum(y**2)


def p_callback_on_object(x):
    y = np.tanh(x)
    OBS.cb(np.sum(y))
    setattr(OBS, "seen", OBS.seen + 1)
    return np.sum(y * x) * OBS.seen


def p_callback_list(x):
    y = np.exp(-(x**2))
    for cb in CBS:
        cb(np.sum(y))
    return np.sum(y)


def p_callbacks_dict(x):
    f = CALLBACKS["act"]
    g = CALLBACKS["post"]
    return np.sum(g(f(x)))


def p_filter_sorted(x):
    vals = [x[0] ** 2, x[1] * 3.0, np.sin(x[2]), x[0] * x[1]]
    pos = list(filter(lambda v: v > 0.0, vals))
    ordered = sorted(vals, key=lambda v: abs(v))
    EVENTS.append(len(pos))
    return sum(pos) + ordered[-1] * ordered[0]


def p_partial_map_sorted(x):
    f = functools.partial(scaled, c=CFG.beta)
    parts = list(map(f, [x[0], x[1], x[2]]))
    ordered = sorted(parts, key=lambda t: -t)
    return ordered[0] * 2.0 + ordered[-1]


def p_logging_and_events(x):
    y = np.log1p(x**2)
    log.info("mean %f", float(np.mean(y)))
    EVENTS.append("logged")
    return np.sum(y)


def p_log_and_print(x):
    y = np.tanh(x)
    v = np.sum(y**2)
    LOG.append(float(v))
    print("loss", v)
    return v


def p_partial_print(x):
    cb = functools.partial(print, "step")
    y = x
    for i in range(2):
        y = np.cos(y) + y
        cb(i)
    return np.sum(y)


def p_nested_print(x):
    def show(v):
        print("val", v)
        return v

    y = show(np.sum(x**2))
    return y * 2.0


def p_conditional_helper(x):
    # a helper halves a module scale when the state grows, read back at once
    y = x
    for i in range(4):
        y = np.sin(y) * 2.0 + y
        bump_if_big(float(np.sum(y * y)))
        y = y * STATE.scale
    return np.sum(y)


def p_class_attribute_setattr(x):
    y = x
    for i in range(3):
        setattr(Sched, "calls", Sched.calls + 1)
        setattr(Sched, "k", Sched.k * 0.8)
        y = np.tanh(y * Sched.k)
    return np.sum(y**2) + Sched.calls


def p_for_break_else_counter(x):
    y = x
    for i in range(10):
        setattr(STATE, "n", STATE.n + 1)
        y = y * 1.5 + np.cos(y)
        if STATE.n >= 3:
            break
    else:
        setattr(STATE, "last", "exhausted")
    return np.sum(y) * STATE.n


def p_mode_switch_branch(x):
    if STATE.last is None:
        setattr(STATE, "last", "eval")
        y = np.tanh(x) * 2.0
    else:
        y = x
    if STATE.last == "eval":
        y = y * y
    return np.sum(y)


def p_lr_schedule_while(x):
    y = x
    it = 0
    while STATE.lr > 0.1:
        y = y - STATE.lr * (y**3 - 1.0)
        setattr(STATE, "lr", STATE.lr * 0.6)
        it += 1
    return np.sum(y**2) + it


def p_checkpoint_hook(x):
    y = x
    for i in ad.checkpoint(range(4)):
        y = np.sin(y) * 1.1
        HOOKS["on_step"](i)
    return np.sum(y)


def p_checkpoint_setattr_counter(x):
    y = x
    for i in ad.checkpoint(range(5)):
        y = np.sin(y) * 1.2
        setattr(STATE, "n", STATE.n + 1)
    return np.sum(y**2) + STATE.n


def p_checkpoint_method_log(x):
    y = x
    for i in ad.checkpoint(range(4)):
        y = np.cos(y) + y * 0.5
        TRACK.log(i)
    return np.sum(y)


def p_method_log_float(x):
    y = x
    for i in range(3):
        y = np.cos(y) + y * 0.5
        TRACK.log(float(np.sum(y)))
    return np.sum(y) + len(TRACK.seen)


def p_checkpoint_print(x):
    y = x
    for i in ad.checkpoint(range(3)):
        y = np.tanh(y) * 2.0
        print("it", i)
    return np.sum(y)


def p_checkpoint_events_break(x):
    y = x
    for i in ad.checkpoint(range(6)):
        y = np.sin(y) + 1.0
        EVENTS.append(i)
        if i == 3:
            break
    return np.sum(y)


def p_getattr_default(x):
    a = getattr(CFG, "gamma", 1.5)
    b = getattr(CFG, "alpha", 9.0)
    return np.sum(x**2) * a + b * np.sum(x)


def p_hasattr_branches(x):
    y = x
    if hasattr(CFG, "alpha"):
        y = y * CFG.alpha
    if not hasattr(CFG, "gamma"):
        y = np.sin(y)
    return np.sum(y)


def p_names_loop_setattr(x):
    total = 0.0
    for name in NAMES:
        setattr(CFG, name, getattr(CFG, name) + 1.0)
        total = total + getattr(CFG, name) * np.sum(x**2)
    return total


def p_enumerate_names(x):
    total = 0.0
    for i, name in enumerate(NAMES):
        setattr(STATE, "n", STATE.n + i)
        total = total + getattr(CFG, name) * np.sum(np.cos(x)) * STATE.n
    return total


def p_string_tag(x):
    y = np.tanh(x)
    for i in range(2):
        setattr(STATE, "tag", STATE.tag + f"{i}")
    return np.sum(y) * len(STATE.tag)


def p_while_getattr_break(x):
    y = x
    k = 0
    while True:
        y = np.sin(y) * getattr(CFG, NAMES[k % 2])
        k += 1
        setattr(STATE, "n", k)
        if k >= 4:
            break
    return np.sum(y**2) + STATE.n


def p_sorted_names_by_value(x):
    total = 0.0
    for name in sorted(NAMES, key=lambda n: getattr(CFG, n)):
        total = total * 0.5 + getattr(CFG, name) * np.sum(np.sin(x))
    return total


def p_store_copies_only(x):
    # stores of differentiated values never read back: the state must equal the plain call's
    y = np.exp(x)
    setattr(STATE, "arr", y.copy())
    LOG.append(y[0])
    operator.setitem(CACHE, "v", np.sum(y))
    return np.sum(y)


def p_errstate_setattr(x):
    with np.errstate(divide="ignore"):
        y = np.log(np.abs(x) + 1.0)
        setattr(STATE, "n", STATE.n + 1)
    return np.sum(y) * STATE.n


def p_comprehension_of_setattr(x):
    _ = [setattr(STATE, "n", STATE.n + i) for i in range(3)]
    return np.sum(x**2) * STATE.n


def p_range_from_module_counter(x):
    for k in range(2):
        MODEL.bump()
    y = x
    for i in range(MODEL.steps):
        y = np.sin(y) * MODEL.k
    return np.sum(y)


def record_value(v):
    LOG.append(float(v))
    return v


def count_positive(v):
    setattr(STATE, "n", STATE.n + 1)
    return v > 0.0


def abs_counting(v):
    STATE.n = STATE.n + 1
    return abs(v)


def p_map_recording_helper(x):
    ys = list(map(record_value, [x[0] ** 2, np.sin(x[1]), x[2] * 3.0]))
    return sum(ys) * ys[0]


def p_filter_counting_predicate(x):
    vals = [x[0] ** 2, x[1] * 3.0, np.sin(x[2])]
    pos = list(filter(count_positive, vals))
    return sum(pos) * 2.0


def p_sorted_counting_key(x):
    vals = [x[0] ** 2, x[1] * 3.0, np.sin(x[2])]
    s = sorted(vals, key=abs_counting)
    return s[0] * s[-1] + s[1]


def p_tap_lambda(x):
    tap = lambda v: (LOG.append(float(v)), v)[1]  # noqa: E731
    y = tap(np.sum(x**2)) * 2.0
    return tap(y) + np.sum(x)


def p_comprehension_recording(x):
    ys = [record_value(x[i] * (i + 1.0)) for i in range(3)]
    return sum(v**2 for v in ys)


WORKING = [
    p_setattr_loop,
    p_getattr_names,
    p_setattr_computed_names,
    p_helper_sets_scale_in_loop,
    p_lr_decay_helper,
    p_lr_decay_lambda,
    p_method_bumps_module_object,
    p_while_on_module_counter,
    p_while_break_else,
    p_counts_and_totals,
    p_hist_last,
    p_queue_append_constant,
    p_queue_pop,
    p_hook_in_dict,
    p_callback_on_object,
    p_callback_list,
    p_callbacks_dict,
    p_filter_sorted,
    p_partial_map_sorted,
    p_logging_and_events,
    p_log_and_print,
    p_partial_print,
    p_nested_print,
    p_conditional_helper,
    p_class_attribute_setattr,
    p_for_break_else_counter,
    p_mode_switch_branch,
    p_lr_schedule_while,
    p_checkpoint_hook,
    p_checkpoint_setattr_counter,
    p_checkpoint_method_log,
    p_method_log_float,
    p_checkpoint_print,
    p_checkpoint_events_break,
    p_getattr_default,
    p_hasattr_branches,
    p_names_loop_setattr,
    p_enumerate_names,
    p_string_tag,
    p_while_getattr_break,
    p_sorted_names_by_value,
    p_store_copies_only,
    p_errstate_setattr,
    p_comprehension_of_setattr,
    p_range_from_module_counter,
    p_map_recording_helper,
    p_filter_counting_predicate,
    p_sorted_counting_key,
    p_tap_lambda,
    p_comprehension_recording,
]

# --------------------------------------------------------------------------------------
# programs that store a differentiated value in module state in the function itself and
# read it back: every one gives a wrong derivative with no error
# --------------------------------------------------------------------------------------


def p_setattr_readback(x):
    v = np.sum(x**2)
    setattr(STATE, "last", v)
    return STATE.last * 3.0


def p_setattr_readback_plus_local(x):
    v = np.sum(x**2)
    setattr(STATE, "last", v)
    return STATE.last * 3.0 + v


def p_setattr_getattr(x):
    v = np.sum(x**2)
    setattr(STATE, "last", v)
    return getattr(STATE, "last") * 3.0


def p_setattr_name_variable(x):
    key = "last"
    setattr(STATE, key, np.sum(x**2))
    return getattr(STATE, key) * 3.0


def p_setattr_user_object(x):
    setattr(ACC, "total", np.sum(np.exp(x)))
    t = ACC.total
    return t * t


def p_object_setattr(x):
    v = np.sum(np.sin(x))
    object.__setattr__(ACC, "total", v)
    return ACC.total**2


def p_operator_setitem(x):
    v = np.sum(np.sin(x))
    operator.setitem(CACHE, "y", v)
    return CACHE["y"] * 2.0


def p_operator_setitem_get(x):
    v = np.sum(np.sin(x))
    operator.setitem(CACHE, "y", v)
    return CACHE.get("y") * 2.0


def p_dict_setitem_dunder(x):
    dict.__setitem__(CACHE, "y", np.sum(x**2))
    return CACHE["y"] * 3.0


def p_buf_setitem(x):
    operator.setitem(BUF, 0, np.sum(x**3))
    return BUF[0] * 2.0


def p_setattr_accumulate_loop(x):
    # a running total kept on a module object, as a training loop's metric would be
    y = x
    for i in range(3):
        y = np.tanh(y) * 1.2
        setattr(ACC, "total", ACC.total + np.sum(y))
    return ACC.total


def p_setattr_local_alias(x):
    st = STATE
    v = np.sum(x * x)
    setattr(st, "last", v)
    return st.last + STATE.last


def p_queue_append_differentiated(x):
    QUEUES["a"].append(np.sum(x**2))
    return QUEUES["a"][-1] * 3.0


def p_nested_def_setattr(x):
    def keep(v):
        setattr(STATE, "last", v)

    keep(np.sum(x**2))
    return STATE.last * 3.0


def p_setattr_then_helper_reads(x):
    setattr(STATE, "last", np.sum(x**2))
    return read_last() * 3.0


def p_setattr_scale_from_x(x):
    setattr(STATE, "scale", np.sum(x) * 0.5)
    y = np.sin(x) * STATE.scale
    return np.sum(y)


def p_attribute_list_append(x):
    REC.hist.append(np.sum(x**2))
    return REC.hist[-1] * 3.0


def p_getattr_list_append(x):
    getattr(REC, "hist").append(np.sum(x**2))
    return getattr(REC, "hist")[-1] * 3.0


def p_heappush_read(x):
    heapq.heappush(HEAP, np.sum(x**2))
    return HEAP[0] * 3.0


def p_array_setitem_dunder(x):
    ARR.__setitem__(0, np.sum(x**2))
    return ARR[0] * 3.0


def p_dict_update_dunder(x):
    STATE.__dict__.update(last=np.sum(x**2))
    return STATE.last * 3.0


def p_setattr_in_loop_read_after(x):
    y = x
    for i in range(3):
        y = np.sin(y) + 0.5
        setattr(STATE, "last", np.sum(y))
    return STATE.last * 2.0


def p_nested_dict_setitem(x):
    operator.setitem(REC.items, "loss", np.sum(x**2))
    return REC.items["loss"] * 3.0


def p_append_then_pop(x):
    LOG.append(np.sum(x**2))
    v = LOG.pop()
    return v * 3.0


def p_running_mean_in_dict(x):
    # an exponential moving average of the loss kept in a module dict, returned
    y = x
    for i in range(3):
        y = np.sin(y) + y * 0.5
        operator.setitem(STATS, "mean", 0.9 * STATS["mean"] + 0.1 * np.sum(y))
    return STATS["mean"] * 2.0


STORED_READ_BACK = [
    p_setattr_readback,
    p_setattr_readback_plus_local,
    p_setattr_getattr,
    p_setattr_name_variable,
    p_setattr_user_object,
    p_object_setattr,
    p_operator_setitem,
    p_operator_setitem_get,
    p_dict_setitem_dunder,
    p_buf_setitem,
    p_setattr_accumulate_loop,
    p_setattr_local_alias,
    p_queue_append_differentiated,
    p_nested_def_setattr,
    p_setattr_then_helper_reads,
    p_setattr_scale_from_x,
    p_attribute_list_append,
    p_getattr_list_append,
    p_heappush_read,
    p_array_setitem_dunder,
    p_dict_update_dunder,
    p_setattr_in_loop_read_after,
    p_nested_dict_setitem,
    p_append_then_pop,
    p_running_mean_in_dict,
]

# --------------------------------------------------------------------------------------
# refused programs
# --------------------------------------------------------------------------------------


def r_attribute_counter(x):
    y = x
    for i in range(3):
        STATE.scale = STATE.scale * 0.5
        y = y * STATE.scale + np.cos(y)
    return np.sum(y)


def r_augmented_counter_while(x):
    y = x
    while True:
        ACC.count += 1
        y = np.tanh(y) + 0.5
        if ACC.count >= 3:
            break
    return np.sum(y * y)


def r_vars_read(x):
    a = vars(CFG)["alpha"]
    return np.sum(np.exp(a * x))


def r_cache_counter(x):
    CACHE["n"] = CACHE.get("n", 0) + 1
    return np.sum(x) * CACHE["n"]


def r_len_of_log(x):
    k = len(LOG) + 2.0
    ys = list(map(lambda v: v * k, [x[0], x[1]]))
    LOG.append(k)
    return ys[0] * ys[1] + x[2] ** 3


def r_nested_def_logs_int(x):
    def step(v, k):
        EVENTS.append(k)
        return v * 0.5 + np.sin(v)

    y = x
    for k in range(3):
        y = step(y, k)
    return np.sum(y)


def r_checkpoint_then_setattr(x):
    y = x
    for i in ad.checkpoint(range(4)):
        y = np.sin(y) * STATE.scale
    setattr(STATE, "n", STATE.n + 4)
    return np.sum(y) + STATE.n


def r_checkpoint_helper_logs(x):
    y = x
    for i in ad.checkpoint(range(5)):
        y = np.sin(y) * STATE.scale
        note(i)
    return np.sum(y**2)


def r_method_of_local_from_module_dict(x):
    s = SCHEDS["main"]
    y = x
    for i in range(3):
        y = y - s.lr * np.sin(y) * y
        s.step()
    return np.sum(y**2)


def r_setattr_new_attribute(x):
    setattr(CFG, "gamma", 0.7)
    return np.sum(x**2) * CFG.gamma


def r_store_final_array(x):
    y = x
    for i in range(3):
        y = np.sin(y) + y
        LOG.append(np.sum(y))
    setattr(STATE, "arr", y)
    return np.sum(y**2)


def r_activation_by_config_name(x):
    act = getattr(np, ACT.name)
    return np.sum(act(x) ** 2)


def r_setdefault_alias(x):
    d = CACHE.setdefault("k", [])
    d.append(3.0)
    return sum(d) * np.sum(x**3)


def r_hist_append_read(x):
    HIST.append(2.0)
    h = HIST[-1]
    return h * np.sum(np.sin(x))


# (program, the kind of call that refuses it, whether it plainly should work)
REFUSED = [
    (
        r_vars_read,
        "grad",
        "`vars(CFG)['alpha']` of a module object (no local variables read) is refused",
    ),
    # (r_len_of_log, `len(LOG)` of a module list the function appends a float to, refused as
    # 'read back in a computation' until session 56: `test_len_of_log_is_exact`)
    (
        r_nested_def_logs_int,
        "grad",
        "`EVENTS.append(k)` of an int loop counter is refused as if "
        "`step(y, k)` updated `k` in place",
    ),
    (
        r_checkpoint_then_setattr,
        "grad",
        "a setattr of `STATE.n` after a checkpointed loop refuses the "
        "loop's read of `STATE.scale`, which nothing changes "
        "('a helper the function calls changes')",
    ),
    (
        r_checkpoint_helper_logs,
        "grad",
        "`note(i)`, a helper appending to the module list EVENTS, in a checkpointed loop refuses "
        "the loop's read of `STATE.scale`, which the helper never changes (`EVENTS.append(i)` "
        "written in the loop works)",
    ),
    (
        r_method_of_local_from_module_dict,
        "grad",
        "`s = SCHEDS['main']; s.step()` is refused ('call it on a copy'), while "
        "`SCHEDS['main'].step()` works and gives the right gradient",
    ),
    (
        r_setattr_new_attribute,
        "grad",
        "`setattr(CFG, 'gamma', 0.7)` then `CFG.gamma` is refused with a NameResolutionError "
        "saying `CFG.gamma` is not defined, though the function defines it one line above",
    ),
    (
        r_activation_by_config_name,
        "grad",
        "`act = getattr(np, ACT.name)`, an activation chosen by a config string, is refused as "
        "'a function held in a local variable, unknown when the derivative is made', though "
        "module attributes are watched",
    ),
    (r_setdefault_alias, "grad", None),
    (r_hist_append_read, "grad", None),
    (
        p_setattr_loop,
        "jacfwd_jacrev",
        "`jacfwd(jacrev(f))`, the Hessian as JAX users write it, is refused "
        "('the vector code of Jacobians is not differentiated again')",
    ),
]

# --------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------


def fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        reset()
        up = f(x + e)
        reset()
        down = f(x - e)
        g[i] = (up - down) / (2 * eps)
    return g


def plain(f, x):
    reset()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        value = f(x)
    return value, snapshot(), out.getvalue()


def run(call):
    reset()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = call()
    return result, snapshot(), out.getvalue()


def first_order(f, x):
    value, state, printed = plain(f, x)
    g_fd = fd_grad(f, x)
    (v1, g1), s1, o1 = run(lambda: ad.value_and_grad(f)(x))
    assert v1 == value, "value_and_grad's value differs from the plain call's"
    assert (s1, o1) == (state, printed), "state or output after value_and_grad"
    np.testing.assert_allclose(g1, g_fd, rtol=1e-5, atol=1e-7, err_msg="reverse gradient")
    g2, s2, o2 = run(lambda: ad.grad(f, mode="forward")(x))
    assert (s2, o2) == (state, printed), "state or output after forward grad"
    np.testing.assert_allclose(g2, g1, rtol=1e-10, atol=1e-12, err_msg="forward vs reverse")
    t = np.array([0.5, -1.0, 2.0])
    (v3, d3), s3, o3 = run(lambda: ad.jvp(f, (x,), (t,)))
    assert v3 == value
    assert (s3, o3) == (state, printed), "state or output after jvp"
    np.testing.assert_allclose(d3, g1 @ t, rtol=1e-10, atol=1e-12, err_msg="jvp")
    (v4, ct), s4, o4 = run(lambda: (lambda r: (r[0], r[1](1.0)[0]))(ad.vjp(f, x)))
    assert v4 == value
    assert (s4, o4) == (state, printed), "state or output after vjp and its pullback"
    np.testing.assert_allclose(ct, g1, rtol=1e-10, atol=1e-12, err_msg="vjp")
    return g1


def fd_hessian(f, x, eps=1e-5):
    rows = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = eps
        reset()
        up = ad.grad(f)(x + e)
        reset()
        down = ad.grad(f)(x - e)
        rows.append((up - down) / (2 * eps))
    return np.array(rows)


@pytest.mark.parametrize("f", WORKING, ids=lambda f: f.__name__)
def test_first_order(f):
    first_order(f, X0.copy())


# (146th tester: `grad` of `lambda z: grad(f)(z)[i]` refused `LOG.append(y[0])` as keeping
# `y`, "which the function then updates in place (`full_like` is a library function)", in
# the derivative code, until session 55: s2s_ad's own checks and fills only read)
SECOND_ORDER_OVER_REFUSALS = {}

SECOND = ["hessian", "jacfwd_grad", "jacrev_grad", "grad_of_grad"]


def second(f, api, x):
    if api == "hessian":
        return ad.hessian(f)(x)
    if api == "jacfwd_grad":
        return ad.jacfwd(ad.grad(f))(x)
    if api == "jacrev_grad":
        return ad.jacrev(ad.grad(f))(x)
    rows = []
    for i in range(x.size):
        reset()  # each row is one call of the function
        rows.append(ad.grad(lambda z, i=i: ad.grad(f)(z)[i])(x))
    return np.array(rows)


@pytest.mark.parametrize("api", SECOND)
@pytest.mark.parametrize("f", WORKING, ids=lambda f: f.__name__)
def test_second_order(f, api, request):
    if (f.__name__, api) in SECOND_ORDER_OVER_REFUSALS:
        reason = SECOND_ORDER_OVER_REFUSALS[f.__name__, api]
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    x = X0.copy()
    _, state, printed = plain(f, x)
    h_fd = fd_hessian(f, x)
    h, s, o = run(lambda: second(f, api, x))
    np.testing.assert_allclose(h, h_fd, rtol=1e-4, atol=1e-6)
    if api != "grad_of_grad":  # that one calls the function once per row
        assert (s, o) == (state, printed), "state or output after a second-order call"


# (146th tester) a differentiated value stored in module state inside the function (setattr,
# object.__setattr__, operator.setitem, dict.__setitem__, ARR.__setitem__, __dict__.update,
# heapq.heappush, append to a dict's or an attribute's list, a nested def's setattr) and read
# back (attribute, getattr, item, .get, .pop(), a local alias, a helper) counted as a
# constant: zero or partial gradient in every mode, silently, until session 55; refused at
# the store now, before anything runs (the module left as it was)
@pytest.mark.parametrize("api", ["grad", "grad_forward", "jvp"])
@pytest.mark.parametrize("f", STORED_READ_BACK, ids=lambda f: f.__name__)
def test_stored_value_read_back_refused(f, api):
    reset()
    before = snapshot()
    x = X0.copy()
    with pytest.raises(UnsupportedSyntaxError) as info:
        if api == "grad":
            ad.grad(f)(x)
        elif api == "grad_forward":
            ad.grad(f, mode="forward")(x)
        else:
            ad.jvp(f, (x,), (np.ones_like(x),))
    message = str(info.value)
    assert re.search(r"test_module_state_programs_independent\.py:\d+", message), message
    assert "carries a derivative" in message or "read back" in message, message
    assert snapshot() == before


# (146th tester) `STATE.scale = STATE.scale * 0.5`, `ACC.count += 1` on a module object, an
# int counter `CACHE['n'] = …` in a module dict and `setattr(STATE, 'arr', y)` of the final
# array were refused, while `setattr(…)` of the same value worked, until session 55 (set as
# `setattr` and `__setitem__` set them: ssa/module_attributes.py)
@pytest.mark.parametrize(
    "f",
    [r_attribute_counter, r_augmented_counter_while, r_cache_counter, r_store_final_array],
    ids=lambda f: f.__name__,
)
def test_attribute_set_on_a_module_object(f):
    first_order(f, X0.copy())


def refused_call(f, kind, x):
    if kind == "grad":
        return ad.grad(f)(x)
    return ad.jacfwd(ad.jacrev(f))(x)


@pytest.mark.parametrize("f, kind, why", REFUSED, ids=lambda p: getattr(p, "__name__", None))
def test_refusal_is_located(f, kind, why):
    reset()
    with pytest.raises(Exception) as info:
        refused_call(f, kind, X0.copy())
    message = str(info.value)
    assert re.search(r"test_module_state_programs_independent\.py:\d+", message), message
    assert "Traceback" not in message


def _over_refusal_params():
    out = []
    for f, kind, why in REFUSED:
        if why is None:
            continue
        mark = pytest.mark.xfail(strict=True, reason="over-refusal: " + why)
        out.append(pytest.param(f, kind, id=f"{f.__name__}-{kind}", marks=mark))
    return out


@pytest.mark.parametrize("f, kind", _over_refusal_params())
def test_over_refusal_should_work(f, kind):
    x = X0.copy()
    if kind == "grad":
        first_order(f, x)
    else:
        reset()
        h = ad.jacfwd(ad.jacrev(f))(x)
        np.testing.assert_allclose(h, fd_hessian(f, x), rtol=1e-4, atol=1e-6)


def test_len_of_log_is_exact():
    first_order(r_len_of_log, X0.copy())


# --------------------------------------------------------------------------------------
# a learning rate (a plain float, no derivative) halved after each step by some route, read
# by the next step: reverse mode must read the rate each step used
# --------------------------------------------------------------------------------------


def d_setitem_module_dict(x):
    y = x
    for i in range(3):
        y = y - RATE_CACHE["lr"] * np.sin(y) * y
        operator.setitem(RATE_CACHE, "lr", RATE_CACHE["lr"] * 0.5)
    return np.sum(y**2)


def d_setitem_module_list(x):
    y = x
    for i in range(3):
        y = y - RATE_BUF[0] * np.sin(y) * y
        operator.setitem(RATE_BUF, 0, RATE_BUF[0] * 0.5)
    return np.sum(y**2)


def d_method_of_object_in_dict(x):
    y = x
    for i in range(3):
        y = y - SCHEDS["main"].lr * np.sin(y) * y
        SCHEDS["main"].step()
    return np.sum(y**2)


def d_method_of_object_in_list(x):
    y = x
    for i in range(3):
        y = y - SCHED_LIST[0].lr * np.sin(y) * y
        SCHED_LIST[0].step()
    return np.sum(y**2)


def d_read_through_alias(x):
    y = x
    for i in range(3):
        y = y - RATE_ALIAS.lr * np.sin(y) * y
        setattr(RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def d_read_through_holder(x):
    y = x
    for i in range(3):
        y = y - RATE_HOLD["state"].lr * np.sin(y) * y
        setattr(RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def d_write_through_local(x):
    st = RATE
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        setattr(st, "lr", st.lr * 0.5)
    return np.sum(y**2)


def d_nested_namespace(x):
    y = x
    for i in range(3):
        y = y - OPT_CFG.opt.lr * np.sin(y) * y
        setattr(OPT_CFG.opt, "lr", OPT_CFG.opt.lr * 0.5)
    return np.sum(y**2)


def d_nested_namespace_local(x):
    opt = OPT_CFG.opt
    y = x
    for i in range(3):
        y = y - opt.lr * np.sin(y) * y
        setattr(opt, "lr", opt.lr * 0.5)
    return np.sum(y**2)


def d_helper_given_holder_item(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        decay_given(RATE_HOLD["state"])
    return np.sum(y**2)


def d_helper_given_nested(x):
    y = x
    for i in range(3):
        y = y - OPT_CFG.opt.lr * np.sin(y) * y
        decay_given(OPT_CFG.opt)
    return np.sum(y**2)


def d_helper_vars_update(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        decay_vars()
    return np.sum(y**2)


def d_helper_dunder_dict(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        decay_dunder_dict()
    return np.sum(y**2)


def d_nested_def_setattr(x):
    def dec():
        setattr(RATE, "lr", RATE.lr * 0.5)

    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        dec()
    return np.sum(y**2)


def d_local_partial_setattr(x):
    dec = functools.partial(setattr, RATE, "lr")
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        dec(RATE.lr * 0.5)
    return np.sum(y**2)


def d_hook_in_dict(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        DECAY_HOOKS["decay"]()
    return np.sum(y**2)


def d_hook_list_loop(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        for h in DECAY_LIST:
            h()
    return np.sum(y**2)


def d_module_lambda(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        DECAY()
    return np.sum(y**2)


def d_callback_on_object(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        DECAY_OBJ.cb()
    return np.sum(y**2)


def d_callback_from_dict_local(x):
    cb = DECAY_DICT["cb"]
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        cb()
    return np.sum(y**2)


def d_while_hook(x):
    y = x
    while RATE.lr > 0.1:
        y = y - RATE.lr * np.sin(y) * y
        DECAY_HOOKS["decay"]()
    return np.sum(y**2)


def d_getattr_key_read(x):
    key = "lr"
    y = x
    for i in range(3):
        y = y - getattr(RATE, key) * np.sin(y) * y
        setattr(RATE, key, getattr(RATE, key) * 0.5)
    return np.sum(y**2)


def d_read_through_lambda_and_helper(x):
    lr = lambda: RATE.lr  # noqa: E731
    y = x
    for i in range(3):
        y = y - lr() * np.sin(y) * y
        y = y - read_rate() * y**3
        setattr(RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def read_rate():
    return RATE.lr


def d_rates_collected_first(x):
    rates = []
    y = x
    for i in range(3):
        rates.append(RATE.lr)
        setattr(RATE, "lr", RATE.lr * 0.5)
    for r in rates:
        y = y - r * np.sin(y) * y
    return np.sum(y**2)


def d_method_setattr_self(x):
    y = x
    for i in range(3):
        y = y - OPT.lr * np.sin(y) * y
        OPT.decay()
    return np.sum(y**2)


def d_method_setattr_named(x):
    y = x
    for i in range(3):
        y = y - OPT.lr * np.sin(y) * y
        OPT.decay_named("lr")
    return np.sum(y**2)


def d_frozen_dataclass_method(x):
    y = x
    for i in range(3):
        y = y - FROZEN_OPT.lr * np.sin(y) * y
        FROZEN_OPT.decay()
    return np.sum(y**2)


def d_dataclass_setattr(x):
    y = x
    for i in range(3):
        y = y - PLAIN_OPT.lr * np.sin(y) * y
        setattr(PLAIN_OPT, "lr", PLAIN_OPT.lr * 0.5)
    return np.sum(y**2)


def d_module_array_helper(x):
    y = x
    for i in range(3):
        y = y - RATE_ARR * np.sin(y) * y
        halve_rate_array()
    return np.sum(y**2)


def d_module_array_fill(x):
    y = x
    for i in range(3):
        y = y - RATE_ARR[0] * np.sin(y) * y
        RATE_ARR.fill(RATE_ARR[0] * 0.5)
    return np.sum(y**2)


def rate_step(y):
    return y - RATE.lr * np.sin(y) * y


def d_helper_reads_rate(x):
    y = x
    for i in range(3):
        y = rate_step(y)
        setattr(RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def d_lambda_reads_rate_in_while(x):
    st = lambda y: y - RATE.lr * np.sin(y) * y  # noqa: E731
    y = x
    while RATE.lr > 0.1:
        y = st(y)
        setattr(RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


DECAY_WORKING = [
    d_setitem_module_dict,
    d_setitem_module_list,
    d_method_of_object_in_dict,
    d_method_of_object_in_list,
    d_read_through_alias,
    d_read_through_holder,
    d_write_through_local,
    d_nested_namespace,
    d_nested_namespace_local,
    d_helper_given_holder_item,
    d_helper_given_nested,
    d_helper_vars_update,
    d_helper_dunder_dict,
    d_nested_def_setattr,
    d_local_partial_setattr,
    d_hook_in_dict,
    d_hook_list_loop,
    d_module_lambda,
    d_callback_on_object,
    d_callback_from_dict_local,
    d_while_hook,
    d_getattr_key_read,
    d_read_through_lambda_and_helper,
    d_rates_collected_first,
    d_method_setattr_self,
    d_method_setattr_named,
    d_frozen_dataclass_method,
    d_dataclass_setattr,
    d_module_array_helper,
    d_module_array_fill,
    d_helper_reads_rate,
    d_lambda_reads_rate_in_while,
]


def w_object_setattr(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        object.__setattr__(RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def w_setattr_through_module_dict_item(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        setattr(RATE_HOLD["state"], "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def w_setattr_through_module_list_item(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        setattr(RATE_LIST[0], "lr", RATE_LIST[0].lr * 0.5)
    return np.sum(y**2)


def w_setattr_through_module_tuple_item(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        setattr(RATE_TUPLE[0], "lr", RATE_TUPLE[0].lr * 0.5)
    return np.sum(y**2)


def w_setattr_through_sys_modules(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        setattr(sys.modules[__name__].RATE, "lr", RATE.lr * 0.5)
    return np.sum(y**2)


def w_map_setattr(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        list(map(setattr, [RATE], ["lr"], [RATE.lr * 0.5]))
    return np.sum(y**2)


def w_module_partial_setattr(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        RATE_SETTER(RATE.lr * 0.5)
    return np.sum(y**2)


def w_bound_dunder_setattr(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        RATE.__setattr__("lr", RATE.lr * 0.5)
    return np.sum(y**2)


def w_dunder_dict_update(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        RATE.__dict__.update(lr=RATE.lr * 0.5)
    return np.sum(y**2)


def w_setattr_star_args(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        args = (RATE, "lr", RATE.lr * 0.5)
        setattr(*args)
    return np.sum(y**2)


DECAY_WRONG = [
    w_object_setattr,
    w_setattr_through_module_dict_item,
    w_setattr_through_module_list_item,
    w_setattr_through_module_tuple_item,
    w_setattr_through_sys_modules,
    w_map_setattr,
    w_module_partial_setattr,
    w_bound_dunder_setattr,
    w_dunder_dict_update,
    w_setattr_star_args,
]


@pytest.mark.parametrize("f", DECAY_WORKING, ids=lambda f: f.__name__)
def test_rate_decay_first_order(f):
    first_order(f, X0.copy())


@pytest.mark.parametrize("api", ["hessian", "jacfwd_grad", "jacrev_grad"])
@pytest.mark.parametrize("f", DECAY_WORKING, ids=lambda f: f.__name__)
def test_rate_decay_second_order(f, api):
    x = X0.copy()
    _, state, printed = plain(f, x)
    h_fd = fd_hessian(f, x)
    h, s, o = run(lambda: second(f, api, x))
    np.testing.assert_allclose(h, h_fd, rtol=1e-4, atol=1e-6)
    assert (s, o) == (state, printed)


# (146th tester) a module object's rate changed by object.__setattr__, by setattr on the
# object reached through a module dict, list or tuple item or sys.modules, by map(setattr,
# ...), setattr(*args), RATE.__setattr__(...), RATE.__dict__.update(...) or a module-level
# partial(setattr, ...) was read by the pullback at its final value, silently, until session
# 55 counted each as a write of module state (ssa/state_reads.py)
@pytest.mark.parametrize("f", DECAY_WRONG, ids=lambda f: f.__name__)
def test_rate_decay_wrong_route(f):
    first_order(f, X0.copy())


@pytest.mark.parametrize("f", DECAY_WRONG, ids=lambda f: f.__name__)
def test_rate_decay_wrong_route_forward_is_right(f):
    x = X0.copy()
    _, state, _ = plain(f, x)
    g_fd = fd_grad(f, x)
    g, s, _ = run(lambda: ad.grad(f, mode="forward")(x))
    np.testing.assert_allclose(g, g_fd, rtol=1e-5, atol=1e-7)
    assert s == state


def p_normalise_by_running_mean(x):
    # batch-norm style: a running mean of a stop-gradient value, subtracted each step
    y = x
    for i in range(3):
        y = np.sin(y) + y * 0.5
        RUNNING.push(float(ad.stop_gradient(np.mean(y))))
        y = y - RUNNING.m
    return np.sum(y**2)


@pytest.mark.xfail(
    strict=True,
    reason="over-refusal: `RUNNING.push(float(ad.stop_gradient(np.mean(y))))`, a method storing "
    "a running mean of a stop-gradient value, is refused as 'given a value that carries a "
    "derivative'",
)
def test_running_mean_of_stop_gradient_value():
    x = X0.copy()
    reset()
    means = []
    y = x
    for i in range(3):
        y = np.sin(y) + y * 0.5
        RUNNING.push(float(np.mean(y)))
        means.append(RUNNING.m)
        y = y - RUNNING.m

    def twin(z):
        for m in means:
            z = np.sin(z) + z * 0.5
            z = z - m
        return np.sum(z**2)

    g_ref = np.array([(twin(x + e) - twin(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    _, state, _ = plain(p_normalise_by_running_mean, x)
    g, s, _ = run(lambda: ad.grad(p_normalise_by_running_mean)(x))
    np.testing.assert_allclose(g, g_ref, rtol=1e-5)
    assert s == state


def test_grad_called_inside_first_order():
    # `inner` bumps a module counter; `grad(inner)(x)` inside runs it once
    def p_grad_inside(x):
        g = ad.grad(inner)(x)
        return np.sum(g * x)

    first_order(p_grad_inside, X0.copy())


def test_grad_called_inside_second_order_is_refused_at_its_line():
    def p_grad_inside(x):
        g = ad.grad(inner)(x)
        return np.sum(g * x)

    reset()
    with pytest.raises(Exception, match=r"test_module_state_programs_independent\.py:\d+"):
        ad.hessian(p_grad_inside)(X0.copy())


def p_vector_out_counter(x):
    setattr(STATE, "n", STATE.n + 1)
    LOG.append(STATE.n)
    return np.sin(x) * STATE.n + x[::-1]


@pytest.mark.parametrize("api", ["jacfwd", "jacrev", "jacobian", "jacobian_auto", "vjp_twice"])
def test_vector_output_with_effects(api):
    x = X0.copy()
    _, state, _ = plain(p_vector_out_counter, x)
    cols = []
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1e-6
        reset()
        up = p_vector_out_counter(x + e)
        reset()
        cols.append((up - p_vector_out_counter(x - e)) / 2e-6)
    jac = np.stack(cols, axis=-1)
    reset()
    if api == "vjp_twice":
        _, pb = ad.vjp(p_vector_out_counter, x)
        c1 = pb(np.ones(3))[0]
        c2 = pb(np.ones(3))[0]
        np.testing.assert_allclose(c1, jac.sum(0), rtol=1e-6)
        np.testing.assert_array_equal(c1, c2)
    else:
        fn = {
            "jacfwd": ad.jacfwd,
            "jacrev": ad.jacrev,
            "jacobian": ad.jacobian,
            "jacobian_auto": functools.partial(ad.jacobian, mode="auto"),
        }[api]
        np.testing.assert_allclose(fn(p_vector_out_counter)(x), jac, rtol=1e-6)
    assert snapshot() == state


# --------------------------------------------------------------------------------------
# module objects, dicts, lists and partials changed between derivative calls
# --------------------------------------------------------------------------------------

VCFG = types.SimpleNamespace(alpha=0.3, beta=2.0)
VNAME = "alpha"
VNAMES = ["alpha"]
VCALLBACKS = {"act": np.tanh}
VCBS = [np.tanh]
VOBJ = types.SimpleNamespace(cb=np.tanh)
VPF = functools.partial(scaled, c=2.0)
VKEYS = {"k": lambda v: v}


def v_getattr_global_name(x):
    return getattr(VCFG, VNAME) * np.sum(x**2)


def v_getattr_list_name(x):
    return getattr(VCFG, VNAMES[0]) * np.sum(x**2)


def v_dict_callback(x):
    return np.sum(VCALLBACKS["act"](x))


def v_dict_callback_local(x):
    f = VCALLBACKS["act"]
    return np.sum(f(x))


def v_list_callbacks(x):
    y = x
    for cb in VCBS:
        y = cb(y)
    return np.sum(y)


def v_list_callback_index(x):
    return np.sum(VCBS[0](x))


def v_object_callback(x):
    return np.sum(VOBJ.cb(x))


def v_partial_keywords(x):
    return np.sum(VPF(x))


def v_sorted_key(x):
    s = sorted([x[0], x[1], x[2]], key=VKEYS["k"])
    return s[0] * 3.0 + s[-1]


def _change(kind):
    global VNAME
    if kind == "name":
        VNAME = "beta"
    elif kind == "names":
        VNAMES[0] = "beta"
    elif kind == "dict":
        VCALLBACKS["act"] = np.sin
    elif kind == "list_append":
        VCBS.append(np.sin)
    elif kind == "list_set":
        VCBS[0] = np.sin
    elif kind == "object":
        VOBJ.cb = np.sin
    elif kind == "partial":
        VPF.keywords["c"] = 5.0
    elif kind == "key":
        VKEYS["k"] = lambda v: -v


@pytest.fixture
def restore_v():
    yield
    global VNAME
    VNAME = "alpha"
    VNAMES[:] = ["alpha"]
    VCALLBACKS["act"] = np.tanh
    VCBS[:] = [np.tanh]
    VOBJ.cb = np.tanh
    VPF.keywords["c"] = 2.0
    VKEYS["k"] = lambda v: v


CHANGES = [
    (v_getattr_global_name, "name"),
    (v_getattr_list_name, "names"),
    (v_dict_callback, "dict"),
    (v_dict_callback_local, "dict"),
    (v_list_callbacks, "list_append"),
    (v_list_callbacks, "list_set"),
    (v_list_callback_index, "list_set"),
    (v_object_callback, "object"),
    (v_partial_keywords, "partial"),
    (v_sorted_key, "key"),
]


@pytest.mark.parametrize("f, kind", CHANGES, ids=[f"{f.__name__}-{k}" for f, k in CHANGES])
def test_changed_between_calls(f, kind, restore_v):
    x = X0.copy()
    ad.grad(f)(x)
    ad.grad(f, mode="forward")(x)
    ad.jvp(f, (x,), (x,))
    ad.hessian(f)(x)
    _change(kind)
    g_fd = np.array([(f(x + e) - f(x - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    v, g = ad.value_and_grad(f)(x)
    assert v == f(x)
    np.testing.assert_allclose(g, g_fd, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(ad.grad(f, mode="forward")(x), g, rtol=1e-10)
    np.testing.assert_allclose(ad.jvp(f, (x,), (np.eye(3)[0],))[1], g[0], rtol=1e-10)
    h_fd = np.array([(ad.grad(f)(x + e) - ad.grad(f)(x - e)) / 2e-5 for e in np.eye(3) * 1e-5])
    np.testing.assert_allclose(ad.hessian(f)(x), h_fd, rtol=1e-4, atol=1e-6)


def test_printed_once_under_every_api():
    x = X0.copy()
    calls = [
        lambda f: f(x),
        lambda f: ad.grad(f)(x),
        lambda f: ad.value_and_grad(f)(x),
        lambda f: ad.grad(f, mode="forward")(x),
        lambda f: ad.jvp(f, (x,), (x,)),
        lambda f: ad.vjp(f, x)[1](1.0),
        lambda f: ad.hessian(f)(x),
        lambda f: ad.jacfwd(ad.grad(f))(x),
        lambda f: ad.jacrev(ad.grad(f))(x),
        lambda f: ad.jacrev(f)(x),
    ]
    for f in (p_partial_print, p_nested_print, p_checkpoint_print, p_log_and_print):
        outputs = {run(lambda c=c, f=f: c(f))[2] for c in calls}
        assert len(outputs) == 1, (f.__name__, outputs)


def j_setattr_decay(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        setattr(RATE, "lr", RATE.lr * 0.5)
    return y * 2.0


def j_helper_decay(x):
    y = x
    for i in range(3):
        y = y - RATE.lr * np.sin(y) * y
        halve_rate()
    return y[::-1] + y[0]


def j_setitem_decay(x):
    y = x
    for i in range(3):
        y = y - RATE_CACHE["lr"] * np.sin(y) * y
        operator.setitem(RATE_CACHE, "lr", RATE_CACHE["lr"] * 0.5)
    return np.cumsum(y)


JACOBIAN_APIS = {
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "jacobian": lambda f, x: ad.jacobian(f)(x),
    "jacobian_auto": lambda f, x: ad.jacobian(f, mode="auto")(x),
}


@pytest.mark.parametrize("api", sorted(JACOBIAN_APIS))
@pytest.mark.parametrize(
    "f", [j_setattr_decay, j_helper_decay, j_setitem_decay], ids=lambda f: f.__name__
)
def test_rate_decay_jacobians(f, api):
    x = X0.copy()
    _, state, _ = plain(f, x)
    cols = []
    for e in np.eye(3) * 1e-6:
        reset()
        up = f(x + e)
        reset()
        cols.append((up - f(x - e)) / 2e-6)
    jac = np.stack(cols, axis=-1)
    got, s, _ = run(lambda: JACOBIAN_APIS[api](f, x))
    np.testing.assert_allclose(got, jac, rtol=1e-5, atol=1e-8)
    assert s == state
    rows = []
    for r in np.eye(3):
        reset()
        rows.append(ad.vjp(f, x)[1](r)[0])
    np.testing.assert_allclose(np.stack(rows), jac, rtol=1e-5, atol=1e-8)


# --------------------------------------------------------------------------------------
# an index kept in module state (a cursor into the data), moved by the function
# --------------------------------------------------------------------------------------


def c_take_with_cursor(x):
    total = 0.0
    for k in range(2):
        total = total + np.take(x, CURSOR.i) ** 2 * (k + 1.0)
        setattr(CURSOR, "i", CURSOR.i + 1)
    return total


def c_weight_from_cursor(x):
    total = 0.0
    for k in range(3):
        total = total + np.sum(x**2) * (CURSOR.i + 1.0)
        advance_cursor()
    return total


def c_index_setattr_loop(x):
    total = 0.0
    for k in range(2):
        total = total + x[CURSOR.i] ** 2 * (k + 1.0)
        setattr(CURSOR, "i", CURSOR.i + 1)
    return total


def c_index_helper_loop(x):
    total = 0.0
    for k in range(2):
        total = total + x[CURSOR.i] ** 2 * (k + 1.0)
        advance_cursor()
    return total


def c_index_setattr_no_loop(x):
    a = x[CURSOR.i] ** 2
    setattr(CURSOR, "i", 2)
    return a + x[CURSOR.i] * 3.0


def c_index_helper_no_loop(x):
    a = x[CURSOR.i] ** 2
    advance_cursor()
    return a * 2.0


def c_slice_from_cursor(x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(x[CURSOR.i :] ** 2) * (k + 1.0)
        setattr(CURSOR, "i", CURSOR.i + 1)
    return total


def c_roll_by_cursor(x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(np.roll(x, CURSOR.i) * np.array([1.0, 2.0, 3.0])) ** 2
        advance_cursor()
    return total


def c_axis_from_state(x):
    m = np.outer(x, x) * np.array([0.1, 0.2, 0.3])
    total = 0.0
    for k in range(2):
        total = total + np.sum(np.sum(m, axis=CURSOR.axis) * np.array([1.0, -2.0, 0.5]))
        setattr(CURSOR, "axis", 1)
    return total


def c_repeat_count_from_state(x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(np.repeat(x, CURSOR.k) ** 3)
        setattr(CURSOR, "k", CURSOR.k + 1)
    return total


def c_index_through_local(x):
    total = 0.0
    for k in range(2):
        i = CURSOR.i
        total = total + x[i] ** 2 * (k + 1.0)
        advance_cursor()
    return total


def c_fancy_index_from_state(x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(x[CURSOR.idx] ** 2) * (k + 1.0)
        setattr(CURSOR, "idx", [2, 2])
    return total


def c_tuple_index_from_state(x):
    m = np.outer(x, x)
    total = 0.0
    for k in range(2):
        total = total + m[CURSOR.k, CURSOR.i] * (k + 1.0)
        setattr(CURSOR, "i", CURSOR.i + 1)
    return total


def c_slice_step_from_state(x):
    total = 0.0
    for k in range(2):
        total = total + np.sum(x[:: CURSOR.step] ** 2) * (k + 1.0)
        setattr(CURSOR, "step", 2)
    return total


@pytest.mark.parametrize(
    "f",
    [
        c_take_with_cursor,
        c_weight_from_cursor,
        c_roll_by_cursor,
        c_axis_from_state,
        c_repeat_count_from_state,
        c_index_through_local,
    ],
    ids=lambda f: f.__name__,
)
def test_cursor_working(f):
    first_order(f, X0.copy())


def c_dict_key_from_state(x):
    d = {"a": x[0] ** 2, "b": x[1] * 3.0}
    v = d[CURSOR.key]
    setattr(CURSOR, "key", "b")
    return v * 2.0 + d[CURSOR.key]


def c_list_item_from_state(x):
    parts = [x[0] ** 2, x[1] * 3.0, np.sin(x[2])]
    v = parts[CURSOR.i]
    setattr(CURSOR, "i", 2)
    return v * 2.0


def c_element_assignment_at_cursor(x):
    y = np.zeros(3)
    y[CURSOR.i] = x[0] * 2.0
    setattr(CURSOR, "i", 2)
    return np.sum(y * np.array([1.0, 2.0, 3.0])) + x[1] ** 2


def pick_at_cursor(y):
    return y[CURSOR.i] ** 2


def c_helper_indexes_at_cursor(x):
    total = 0.0
    for k in range(2):
        total = total + pick_at_cursor(x) * (k + 1.0)
        setattr(CURSOR, "i", CURSOR.i + 1)
    return total


CURSOR_WRONG = [
    c_index_setattr_loop,
    c_index_helper_loop,
    c_index_setattr_no_loop,
    c_index_helper_no_loop,
    c_fancy_index_from_state,
    c_tuple_index_from_state,
    c_dict_key_from_state,
    c_list_item_from_state,
    c_element_assignment_at_cursor,
    c_helper_indexes_at_cursor,
]


# (146th tester) reverse mode indexed with the cursor's final value, silently (the slices:
# an EvaluationError in the pullback), until session 55 bound each part of an index read
# from module state where it stands (ssa/state_reads.py)
@pytest.mark.parametrize(
    "f",
    CURSOR_WRONG,
    ids=lambda f: f.__name__,
)
def test_cursor_index_moved(f):
    first_order(f, X0.copy())


@pytest.mark.parametrize(
    "f",
    CURSOR_WRONG,
    ids=lambda f: f.__name__,
)
def test_cursor_index_moved_forward_is_right(f):
    x = X0.copy()
    _, state, _ = plain(f, x)
    g_fd = fd_grad(f, x)
    g, s, _ = run(lambda: ad.grad(f, mode="forward")(x))
    np.testing.assert_allclose(g, g_fd, rtol=1e-5, atol=1e-7)
    assert s == state


@pytest.mark.parametrize(
    "f", [c_slice_from_cursor, c_slice_step_from_state], ids=lambda f: f.__name__
)
def test_cursor_slice_moved(f):
    first_order(f, X0.copy())
