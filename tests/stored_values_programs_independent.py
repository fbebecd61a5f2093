"""Programs for `test_stored_values_independent.py` (the 129th tester's).

Helpers that store a value somewhere the differentiated function can read it back: a module
object's attribute, a module list or dict, a global, an object or container passed in. Each
`r_*` function stores a value made from a differentiated argument and reads it back after
the call (s2s_ad must refuse it at the line marked `# CALL`); each `a_*` function must be
differentiated, and exactly. `reset()` puts the module's state back before every call.
"""

import dataclasses
import functools
import operator
import types

import numpy as np

import s2s_ad
from s2s_ad import checkpoint

# ---------------------------------------------------------------- module state


class Recorder:
    shared = 0.0

    def __init__(self):
        self.last = 0.0
        self.hist = []
        self.step = 0

    def record(self, v):
        self.last = v

    def push(self, v):
        self.hist.append(v)

    def last_times(self, s):
        return self.last * s

    def record_shared(self, v):
        type(self).shared = v

    def log_only(self, v):
        self.hist.append(float(np.sum(v)))


@dataclasses.dataclass
class Tracker:
    best: float = 1e9
    last: float = 0.0
    calls: int = 0


class Smoothed:
    """A value kept behind a property setter."""

    def __init__(self):
        self._value = 0.0

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, v):
        self._value = v


class Store:
    """A dict-like of the user's own."""

    def __init__(self):
        self.data = {}

    def __setitem__(self, k, v):
        self.data[k] = v

    def __getitem__(self, k):
        return self.data[k]


class StepLR:
    """A learning-rate scheduler: its state is a step counter."""

    def __init__(self, lr0, gamma):
        self.lr0 = lr0
        self.gamma = gamma
        self.t = 0

    def step(self):
        self.t += 1

    def lr(self):
        return self.lr0 * self.gamma**self.t


class Logger:
    def __init__(self):
        self.records = []

    def log(self, step, loss):
        self.records.append((step, float(loss)))


class Particle:
    def __init__(self):
        self.pos = np.zeros(3)
        self.vel = np.zeros(3)

    def kick(self, force, dt):
        self.vel = self.vel + force * dt

    def drift(self, dt):
        self.pos = self.pos + self.vel * dt


STATE = types.SimpleNamespace()
REC = Recorder()
TRACK = Tracker()
SMOOTH = Smoothed()
STORE = Store()
SCHED = StepLR(0.5, 0.9)
LOGGER = Logger()
PART = Particle()
LOG = []
CACHE = {}
HIST = {"loss": []}
BUF = np.zeros(3)
G_LAST = 0.0
G_STEP = 0
ALIAS = STATE
REG = {"rec": Recorder()}


def _make_recorder():
    seen = []

    def push(v):
        seen.append(v)

    def last():
        return seen[-1]

    def clear():
        seen.clear()

    return push, last, clear


CLOSED_PUSH, CLOSED_LAST, CLOSED_CLEAR = _make_recorder()
_delta_prev = {}


def reset():
    global G_LAST, G_STEP
    STATE.__dict__.clear()
    STATE.last = 0.0
    STATE.scale = 1.5
    STATE.step = 0
    STATE.hist = []
    STATE.inner = types.SimpleNamespace(last=0.0)
    STATE.converged = False
    STATE.n = 0
    STATE.train = True
    REC.__init__()
    Recorder.shared = 0.0
    TRACK.best, TRACK.last, TRACK.calls = 1e9, 0.0, 0
    SMOOTH._value = 0.0
    STORE.data.clear()
    SCHED.t = 0
    LOGGER.records.clear()
    PART.__init__()
    LOG.clear()
    CACHE.clear()
    CACHE["lr"] = 0.1
    HIST["loss"].clear()
    BUF[:] = 0.0
    G_LAST = 0.0
    G_STEP = 0
    CLOSED_CLEAR()
    _delta_prev.clear()
    REG["rec"].__init__()


def snapshot():
    """Everything the programs may change, as plain Python values."""

    def plain(v):
        if isinstance(v, np.ndarray | np.generic):
            return np.asarray(v).tolist()
        if isinstance(v, list | tuple):
            return [plain(u) for u in v]
        if isinstance(v, dict):
            return {k: plain(u) for k, u in v.items()}
        if isinstance(v, types.SimpleNamespace):
            return plain(vars(v))
        return v

    return plain(
        {
            "STATE": vars(STATE),
            "REC": vars(REC),
            "shared": Recorder.shared,
            "TRACK": dataclasses.asdict(TRACK),
            "SMOOTH": SMOOTH._value,
            "STORE": STORE.data,
            "SCHED": SCHED.t,
            "LOGGER": LOGGER.records,
            "PART": vars(PART),
            "LOG": LOG,
            "CACHE": CACHE,
            "HIST": HIST,
            "BUF": BUF,
            "G": (G_LAST, G_STEP),
        }
    )


reset()

# ---------------------------------------------------------------- helpers


def keep(v):
    STATE.last = v


def keep_set(v):
    setattr(STATE, "last", v)  # noqa: B010 (what is tested)


def keep_named(name, v):
    setattr(STATE, name, v)


def keep_global(v):
    global G_LAST
    G_LAST = v


def add_global(v):
    global G_LAST
    G_LAST += v


def log_append(v):
    LOG.append(v)


def log_extend(v):
    LOG.extend([v, 2.0 * v])


def log_insert(v):
    LOG.insert(0, v)


def log_float(v):
    LOG.append(float(v))


def log_pair(step, v):
    LOG.append((step, v))


def log_record(v):
    LOG.append({"loss": v})


def cache_put(v):
    CACHE["y"] = v


def cache_update(v):
    CACHE.update(y=v)


def cache_default(v):
    CACHE.setdefault("y", v)


def cache_opset(v):
    operator.setitem(CACHE, "y", v)


def hist_push(v):
    HIST["loss"].append(v)


def keep_inner(v):
    STATE.inner.last = v


def keep_hist(v):
    STATE.hist.append(v)


def track(v):
    TRACK.last = v
    TRACK.calls += 1


def keep_dict_dunder(v):
    STATE.__dict__["last"] = v


def keep_object_setattr(v):
    object.__setattr__(STATE, "last", v)


def keep_vars_update(v):
    vars(STATE).update(last=v)


def keep_in_branch(v):
    if v > 0.0:
        STATE.last = v
    else:
        STATE.last = -v


def keep_in_loop(v):
    for k in range(2):
        LOG.append(v * (k + 1.0))


def keep_made(v):
    tmp = v * 2.0
    STATE.last = np.sum(tmp) / 2.0


def keep_float(v):
    STATE.last = float(v)


def keep_tuple(v):
    STATE.last = (v, 1.0)


def keep_list(v):
    STATE.last = [v, v * 2.0]


def keep_and_return(v):
    STATE.last = v
    return v * 2.0


def keep_and_read(v):
    STATE.last = v
    return STATE.last * 2.0


def log_and_sum(v):
    LOG.append(v)
    return sum(LOG)


def outer_log(v):
    keep(v * 2.0)


def outer_outer_log(v):
    outer_log(v + 1.0)


def get_last():
    return STATE.last


def scaled_last(s):
    return STATE.last * s


def get_state():
    return STATE


def keep_via_getter(v):
    get_state().last = v


def smooth_set(v):
    SMOOTH.value = v


def store_set(v):
    STORE["y"] = v


def buf_write(v):
    BUF[:] = v


def buf_item(v):
    BUF[0] = v


def buf_add(v):
    BUF[...] += v


def buf_copyto(v):
    np.copyto(BUF, v)


def keep_into(obj, v):
    setattr(obj, "last", v)  # noqa: B010


KEEP_STATE = functools.partial(keep_into, STATE)


def put(box, v):
    box.w = v


def put_item(d, v):
    d["w"] = v


def put_list(buf, v):
    buf.append(v)


def double(s):
    s.w = s.w * 2.0


def store_first(objs, v):
    objs[0].w = v


def keep_kw(*, value, scale=1.0):
    STATE.last = value * scale


def keep_star(*vals):
    STATE.last = vals[0] + vals[1]


def delta(v, _prev=_delta_prev):
    """The change since the last call: a memo in a mutable default."""
    old = _prev.get("v", 0.0)
    _prev["v"] = v
    return v - old


def tick():
    STATE.step += 1


def tick_global():
    global G_STEP
    G_STEP += 1


def set_train(cfg, flag):
    cfg.train = flag


def mark_converged(v):
    STATE.converged = bool(v < 1.0)


def note_size(v):
    STATE.n = len(v)


def log_unread(history, v):
    history.append(v)


def on_loss_print(v):
    LOG.append(float(v))


def on_loss_track(v):
    TRACK.calls += 1


CALLBACKS = [on_loss_print, on_loss_track]


def mse(pred, target):
    return np.mean((pred - target) ** 2)


def dense(w, x, b):
    return np.tanh(w @ x + b)


def make_box(v):
    b = types.SimpleNamespace()
    b.w = v * 2.0
    return b


# ---------------------------------------------------------------- refused programs
# (each reads back what a helper stored from a differentiated value)


def r_attr(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return y + STATE.last * 0.5


def r_setattr(x):
    y = np.sum(np.sin(x))
    keep_set(y)  # CALL
    return y * STATE.last


def r_setattr_named(x):
    y = np.sum(np.sin(x))
    keep_named("last", y)  # CALL
    return y + STATE.last


def r_global(x):
    y = np.sum(x * x)
    keep_global(y * 3.0)  # CALL
    return G_LAST * y


def r_global_aug(x):
    y = np.sum(x * x)
    add_global(y)  # CALL
    return G_LAST + y


def r_append(x):
    y = np.sum(np.cos(x))
    log_append(y)  # CALL
    return x[0] * LOG[-1]


def r_extend(x):
    y = np.sum(np.cos(x))
    log_extend(y)  # CALL
    return LOG[-2] + LOG[-1]


def r_insert(x):
    y = np.sum(np.cos(x))
    log_insert(y)  # CALL
    return LOG[0] * 2.0


def r_float_read(x):
    y = np.sum(x**3)
    log_float(y)  # CALL
    return LOG[-1] + y


def r_pair_read(x):
    y = np.sum(x**3)
    log_pair(0, y)  # CALL
    return LOG[-1][1] * 2.0


def r_record_read(x):
    y = np.sum(x**3)
    log_record(y)  # CALL
    return LOG[-1]["loss"] + 1.0


def r_cache_put(x):
    y = np.sum(np.exp(x))
    cache_put(y)  # CALL
    return CACHE["y"] * CACHE["lr"]


def r_cache_update(x):
    y = np.sum(np.exp(x))
    cache_update(y)  # CALL
    return CACHE["y"]


def r_cache_default(x):
    y = np.sum(np.exp(x))
    cache_default(y)  # CALL
    return CACHE["y"] + y


def r_cache_get(x):
    y = np.sum(np.exp(x))
    cache_put(y)  # CALL
    return CACHE.get("y", 0.0) + y


def r_operator_setitem(x):
    y = np.sum(np.exp(x))
    cache_opset(y)  # CALL
    return CACHE["y"] * y


def r_hist_dict(x):
    y = np.sum(np.tanh(x))
    hist_push(y)  # CALL
    return HIST["loss"][-1] * 3.0


def r_nested_attr(x):
    y = np.sum(np.tanh(x))
    keep_inner(y)  # CALL
    return STATE.inner.last + y


def r_attr_list(x):
    y = np.sum(np.tanh(x))
    keep_hist(y)  # CALL
    return STATE.hist[-1] * y


def r_method(x):
    y = np.sum(x**2)
    REC.record(y)  # CALL
    return REC.last + y


def r_method_push(x):
    y = np.sum(x**2)
    REC.push(y)  # CALL
    return REC.hist[-1] * 2.0


def r_method_reads_self(x):
    y = np.sum(x**2)
    REC.record(y)  # CALL
    return REC.last_times(3.0)


def r_class_attr(x):
    y = np.sum(x**2)
    REC.record_shared(y)  # CALL
    return Recorder.shared * 2.0


def r_dataclass(x):
    y = np.sum(np.sin(x) ** 2)
    track(y)  # CALL
    return TRACK.last + y


def r_passed_box(x, box):
    y = np.sum(x**2)
    put(box, y)  # CALL
    return box.w + y


def r_passed_dict(x, d):
    y = np.sum(x**2)
    put_item(d, y)  # CALL
    return d["w"] * 2.0


def r_passed_list(x, buf):
    y = np.sum(x**2)
    put_list(buf, y)  # CALL
    return buf[-1] + y


def r_passed_recorder(x, rec):
    y = np.sum(x**2)
    rec.record(y)  # CALL
    return rec.last * y


def r_passed_particle(f, part):
    part.kick(f, 0.1)  # CALL
    part.drift(0.1)
    return np.sum(part.pos**2)


def r_double_diff(s):
    double(s)  # CALL
    return np.sum(s.w**2)


def r_nested_helper(x):
    y = np.sum(x**2)
    outer_log(y)  # CALL
    return STATE.last + y


def r_nested_helper2(x):
    y = np.sum(x**2)
    outer_outer_log(y)  # CALL
    return STATE.last * y


def r_keyword(x):
    y = np.sum(x**2)
    keep_kw(value=y, scale=2.0)  # CALL
    return STATE.last + y


def r_star_args(x):
    y = np.sum(x**2)
    vals = (y, x[0])
    keep_star(*vals)  # CALL
    return STATE.last + y


def r_loop_calls(x):
    y = np.sum(x**2)
    for _ in range(3):
        y = y * 0.9 + x[0]
        keep(y)  # CALL
    return STATE.last * 2.0


def r_next_iteration(x):
    acc = 0.0
    for i in range(3):
        acc = acc + STATE.last
        keep(x[i] * x[i])  # CALL
    return acc


def r_branch_store(x):
    y = np.sum(x**2) - 1.0
    keep_in_branch(y)  # CALL
    return STATE.last + y


def r_loop_store(x):
    y = np.sum(x**2)
    keep_in_loop(y)  # CALL
    return LOG[-1] + LOG[-2]


def r_read_in_branch(x, flag):
    y = np.sum(x**2)
    keep(y)  # CALL
    if flag:
        return STATE.last + y
    return y


def r_made_value(x):
    keep_made(np.tanh(x))  # CALL
    return STATE.last * 2.0


def r_float_store(x):
    y = np.sum(x**2)
    keep_float(y)  # CALL
    return STATE.last + y


def r_tuple_store(x):
    y = np.sum(x**2)
    keep_tuple(y)  # CALL
    return STATE.last[0] + y


def r_list_store(x):
    y = np.sum(x**2)
    keep_list(y)  # CALL
    return STATE.last[1] + y


def r_keep_and_return(x):
    y = np.sum(x**2)
    z = keep_and_return(y)  # CALL
    return z + STATE.last


def r_read_via_getter(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return y + get_last()


def r_read_via_scaled_getter(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return y * scaled_last(2.0)


def r_read_module_alias(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return ALIAS.last + y


def r_read_local_alias(x):
    st = STATE
    y = np.sum(x**2)
    keep(y)  # CALL
    return st.last + y


def r_read_getattr(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return getattr(STATE, "last") + y  # noqa: B009


def r_read_vars(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return vars(STATE)["last"] + y


def r_store_dict_dunder(x):
    y = np.sum(x**2)
    keep_dict_dunder(y)  # CALL
    return STATE.last + y


def r_store_object_setattr(x):
    y = np.sum(x**2)
    keep_object_setattr(y)  # CALL
    return STATE.last + y


def r_store_vars_update(x):
    y = np.sum(x**2)
    keep_vars_update(y)  # CALL
    return STATE.last + y


def r_store_via_getter(x):
    y = np.sum(x**2)
    keep_via_getter(y)  # CALL
    return STATE.last + y


def r_partial(x):
    y = np.sum(x**2)
    KEEP_STATE(y)  # CALL
    return STATE.last + y


def r_closure_recorder(x):
    y = np.sum(x**2)
    CLOSED_PUSH(y)  # CALL
    return CLOSED_LAST() + y


def r_mutable_default(x):
    a = delta(np.sum(x))  # CALL
    b = delta(np.sum(x**2))
    return a * b


def r_property_setter(x):
    y = np.sum(x**2)
    smooth_set(y)  # CALL
    return SMOOTH.value + y


def r_custom_setitem(x):
    y = np.sum(x**2)
    store_set(y)  # CALL
    return STORE["y"] + y


def r_buf_write(x):
    buf_write(x * 2.0)  # CALL
    return np.sum(BUF * x)


def r_buf_item(x):
    buf_item(x[1] * 2.0)  # CALL
    return np.sum(BUF) + x[0]


def r_buf_add(x):
    buf_add(x * 2.0)  # CALL
    return np.sum(BUF**2)


def r_buf_copyto(x):
    buf_copyto(x * 2.0)  # CALL
    return np.sum(BUF**2)


def r_store_first(x, objs):
    y = np.sum(x**2)
    store_first(objs, y)  # CALL
    return objs[0].w + y


def r_helper_reads_own_store(x):
    y = np.sum(x**2)
    return keep_and_read(y)  # CALL


def r_helper_sums_log(x):
    y = np.sum(x**2)
    return log_and_sum(y)  # CALL


def r_training_loop(w, xs, ys):
    """Gradient steps inside the loss, with the step's loss kept in a module tracker the
    loss then adds as a penalty."""
    for k in range(2):
        pred = xs @ w
        loss = mse(pred, ys)
        track(loss)  # CALL
        w = w - 0.1 * (xs.T @ (pred - ys)) / len(ys) * (k + 1.0)
    return mse(xs @ w, ys) + 0.01 * TRACK.last


# ---------------------------------------------------------------- accepted programs


def a_log_unread(x):
    y = np.sum(x**2)
    log_append(y)
    return y * 2.0


def a_float_unread(x):
    y = np.sum(np.sin(x))
    log_float(y)
    return y * y


def a_keep_unread(x):
    y = np.sum(np.sin(x))
    keep(y)
    return y * 3.0


def a_history_local(w, xs, ys):
    history = []
    for _ in range(3):
        loss = mse(xs @ w, ys)
        log_unread(history, loss)
        w = w - 0.05 * xs.T @ (xs @ w - ys)
    return mse(xs @ w, ys)


def a_logger_method(w, xs, ys):
    loss = mse(xs @ w, ys)
    for step in range(2):
        LOGGER.log(step, loss)
        loss = loss * 0.5 + mse(xs @ (w * 0.9), ys)
    return loss


def a_callbacks(x):
    y = np.sum(np.exp(-(x**2)))
    for cb in CALLBACKS:
        cb(y)
    return y


def a_set_train(x, cfg):
    set_train(cfg, False)
    y = np.sum(x**2)
    if cfg.train:
        return y * 2.0
    return y * 3.0


def a_set_train_module(x):
    set_train(STATE, False)
    y = np.sum(x**2)
    if STATE.train:
        return y * 2.0
    return y * 3.0


def a_step_counter(x):
    tick()
    lr = 0.1 / (1.0 + STATE.step)
    return np.sum(x**2) * lr


def a_step_counter_global(x):
    tick_global()
    tick_global()
    return np.sum(x**2) * G_STEP


def a_scheduler(w, xs, ys):
    for _ in range(2):
        g = xs.T @ (xs @ w - ys)
        w = w - SCHED.lr() * g
        SCHED.step()
    return mse(xs @ w, ys) * SCHED.lr()


def a_fixed_arg_store(x, data):
    keep(np.sum(data) * 2.0)
    return np.sum(x**2) * STATE.last


def a_read_before(x):
    prev = STATE.last
    scale = STATE.scale
    y = np.sum(x**2) * scale
    keep(y)
    return y - prev


def a_ordinary_helpers(w, b, x, t):
    h = dense(w, x, b)
    return mse(h, t) + 0.1 * np.sum(w**2)


def a_other_attribute(x):
    y = np.sum(x**2)
    keep(y)
    return y * STATE.scale


def a_other_key(x):
    y = np.sum(x**2)
    cache_put(y)
    return y * CACHE["lr"]


def a_store_bool(x):
    y = np.sum(x**2)
    mark_converged(y)
    if STATE.converged:
        return y * 2.0
    return y


def a_store_size(x):
    note_size(x)
    return np.sum(x**2) / STATE.n


def a_log_len(x):
    y = np.sum(x**2)
    log_append(y)
    return y * len(LOG)


def a_wrt_other(x, y):
    keep(np.sum(x * x))
    return STATE.last * np.sum(y**2)


def a_made_box(x):
    b = make_box(np.sum(x**2))
    return b.w + 1.0


def a_log_then_nested(x):
    y = np.sum(x**2)
    outer_log(y)
    return np.sqrt(y)


def a_method_log_only(x):
    y = np.sum(np.cos(x))
    REC.log_only(x)
    return y * y


def a_step_counter_dataclass(x):
    y = np.sum(x**2)
    on_loss_track(y)
    return y * TRACK.calls


def a_keep_after_last_read(x):
    y = np.sum(x**2) * STATE.scale + STATE.last
    keep(y)
    LOG.append(y)
    return y


# ---------------------------------------------------------------- second batch

HOLDERS = {"state": STATE}
OBJS = [STATE]


@dataclasses.dataclass
class Cell:
    w: float = 0.0

    def set_w(self, v):
        self.w = v


def put_kw(*, box, v):
    box.w = v


def keep_global_via_method(v):
    keep_global(v)


def r_read_via_module_dict(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return HOLDERS["state"].last + y


def r_read_via_module_list(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    return OBJS[0].last + y


def r_passed_keyword(x, box):
    y = np.sum(x**2)
    put_kw(box=box, v=y)  # CALL
    return box.w + y


def r_passed_star(x, box):
    y = np.sum(x**2)
    args = (box, y)
    put(*args)  # CALL
    return box.w + y


def r_passed_alias(x, d):
    e = d
    y = np.sum(x**2)
    put_item(d, y)  # CALL
    return e["w"] + y


def r_passed_getattr(x, box):
    y = np.sum(x**2)
    put(box, y)  # CALL
    return getattr(box, "w") + y  # noqa: B009


def r_passed_nested(x, cfg):
    y = np.sum(x**2)
    put(cfg.state, y)  # CALL
    return cfg.state.w + y


def r_passed_dataclass_method(x, cell):
    y = np.sum(x**2)
    cell.set_w(y)  # CALL
    return cell.w + y


def r_global_two_hops(x):
    y = np.sum(x**2)
    keep_global_via_method(y)  # CALL
    return G_LAST + y


def r_while_next_iteration(x):
    acc = 0.0
    i = 0
    while i < 3:
        acc = acc + STATE.last * 2.0
        keep(x[i] ** 2)  # CALL
        i += 1
    return acc


def r_store_twice_read(x):
    y = np.sum(x**2)
    keep(y)  # CALL
    z = STATE.last * 2.0
    keep(z)  # CALL
    return STATE.last + z


def r_two_functions_store_array(x):
    buf_write(np.tanh(x))  # CALL
    return np.sum(BUF * BUF)


def a_log_and_keep_unread(x):
    y = np.sum(x**2)
    keep(y)
    LOG.append(y)
    return y


def a_jvp_none_tangent(x, y):
    keep(np.sum(x * x))
    return STATE.last * np.sum(y**2)


def a_history_direct(w, xs, ys):
    history = []
    for _ in range(3):
        loss = mse(xs @ w, ys)
        history.append(loss)
        w = w - 0.05 * xs.T @ (xs @ w - ys)
    return mse(xs @ w, ys)


def a_sim_counter(x):
    for _ in range(3):
        x = x + 0.1 * np.sin(x)
        tick()
    return np.sum(x**2) / STATE.step


def a_read_before_in_branch(x, warm):
    if warm:  # noqa: SIM108
        base = STATE.last
    else:
        base = 0.0
    y = np.sum(x**2) + base
    keep(y)
    return y * 2.0


def a_store_fixed_then_read(x, data):
    keep(np.sum(data**2))
    return np.sum(x**2) + STATE.last


# ---------------------------------------------------------------- third batch


def read_w(box):
    return box.w


def r_store_in_function_branch(x, flag):
    y = np.sum(x**2)
    if flag:
        keep(y)  # CALL
    return STATE.last + y


def r_module_dict_method(x):
    y = np.sum(x**2)
    REG["rec"].record(y)  # CALL
    return REG["rec"].last + y


def r_method_keyword(x):
    y = np.sum(x**2)
    REC.record(v=y)  # CALL
    return REC.last + y


def r_passed_read_by_helper(x, box):
    y = np.sum(x**2)
    put(box, y)  # CALL
    return read_w(box) + y


def a_log_in_branch(x, flag):
    y = np.sum(x**2)
    if flag:
        log_append(y)
    return y * 2.0


def r_nested_def(x):
    def note(v):
        STATE.last = v

    y = np.sum(x**2)
    note(y)  # CALL
    return STATE.last + y


def r_lambda_setattr(x):
    note = lambda v: setattr(STATE, "last", v)  # noqa: E731
    y = np.sum(x**2)
    note(y)  # CALL
    return STATE.last + y


def r_dataclass_replace_store(x):
    y = np.sum(x**2)
    track(y * 0.5)  # CALL
    track(y)  # CALL
    return TRACK.last * TRACK.calls


NOTE = lambda v: setattr(STATE, "last", v)  # noqa: E731


def r_module_lambda_setattr(x):
    y = np.sum(x**2)
    NOTE(y)  # CALL
    return STATE.last + y


def a_lambda_setattr_unread(x):
    note = lambda v: setattr(STATE, "last", v)  # noqa: E731
    y = np.sum(x**2)
    note(y)
    return y * 2.0


def r_checkpointed_loop(x):
    y = np.sum(x**2)
    for _ in checkpoint(range(4), every=2):
        y = y * 0.5 + x[0]
        keep(y)  # CALL
    return STATE.last + y


def r_inner_grad(x):
    g = s2s_ad.grad(r_attr)(x)  # CALL
    return np.sum(g**2)


def r_passed_method_keyword(x, rec):
    y = np.sum(x**2)
    rec.record(v=y)  # CALL
    return rec.last + y


def r_helper_keyword_passed(x, d):
    y = np.sum(x**2)
    put_item(d=d, v=y)  # CALL
    return d["w"] + y
