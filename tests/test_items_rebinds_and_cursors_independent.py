# ruff: noqa: B007, B009, B010, RUF005, RUF059 (unused loop counters, getattr, setattr and + of lists are what is tested)
"""Module state reached through local names and helpers, `x op= v` of module numbers, and
cursors a helper moves: by the 147th independent tester, from the README alone.

Each program has a `reset` giving the module its starting state (in place) and a function
`f` of `x`. Checked under `grad` (both modes), `value_and_grad`, `jvp`, `vjp`, `jacrev`,
`jacfwd` and `hessian`: the value against one plain call, the derivative against central
differences (each evaluation from the reset state; `hessian` against central differences of
`grad`), and the module state after the derivative call against the state after one plain
call. A program that may be refused must raise an `S2SError` naming the user's line, with
the module untouched or as one plain call leaves it. Bugs are strict expected failures
(`XFAIL`, each reason saying what is wrong). `python this_file.py NAME ...` prints a
program's outcome under every API.

Found (at 4e546c3): wrong values and derivatives in every API when a local alias of a
module's list or dict (`w = W`, `idx = CS.idx`, `c = CUR`) is read before and after a helper
changes its item (`R_ALIAS`); wrong reverse-mode gradients when a module's list is read by a
primitive (`np.take(x, CS.idx)`, `x * CS.wl`, `np.where(CS.mask, ...)`) and then changed in
place by a helper (`R_LIST`, `R_TAKE`, `R_WHERE`); a state-moving helper run twice at second
order (`R_SECOND`); a module's item reached through a helper calling a helper, or an
identity helper, updated on a copy (`R_DEEP`, `R_IDENT`); run-time refusals leaving the
module updated twice (jacrev) or half-updated (`R_JACREV_TWICE`, `R_HALF`); two crashes and
two over-refusals.
"""

import copy
import types

import numpy as np
import pytest

import s2s_ad as ad

X3 = np.array([0.3, -0.7, 1.1])
X4 = np.array([0.3, -0.7, 1.1, 0.45])
XM = np.array([[0.3, -0.7, 1.1], [0.2, 0.9, -0.4]])

# --------------------------------------------------------------------------------------
# module state: each program's globals, given their starting values by its reset
# (in place where the type allows, so the objects keep their identity between calls)
# --------------------------------------------------------------------------------------

CACHE1 = None
CACHE2 = None
STATE1 = None
STATE2 = None
D1 = None
QUEUE1 = None
QUEUE2 = None
NEST1 = None
NEST2 = None
NEST3 = None
NEST4 = None
NEST5 = None
NEST6 = None
NEST7 = None
STATE3 = None
D2 = None
CACHE3 = None
QUEUE3 = None
CACHE4 = None
STATE4 = None
STATE5 = None
CACHE5 = None
STATE6 = None
D3 = None
QUEUE4 = None
NEST8 = None
CACHE6 = None
CACHE7 = None
NEST9 = None
STATE7 = None
D4 = None
CONFIG1 = None
CONFIG2 = None
CONFIG3 = None
WEIGHTS1 = None
WEIGHTS2 = None
WEIGHTS3 = None
MODEL1 = None
MODEL2 = None
MODEL3 = None
CONFIG4 = None
CONFIG5 = None
CONFIG6 = None
CONFIG7 = None
CONFIG8 = None
CONFIG9 = None
WEIGHTS4 = None
BUFS1 = None
BUFS2 = None
BUFS3 = None
BUFS4 = None
BUFS5 = None
BUFS6 = None
MODEL4 = None
CONFIG10 = None
BUFS7 = None
BUFS8 = None
BUFS9 = None
CS = None
KEYED1 = None
CURD = None
POS1 = None
GI = None
IDXA = None
NEST11 = None
NEST12 = None
NEST13 = None
NEST10 = None
NEST14 = None
NEST15 = None
NEST16 = None
STATE8 = None
STATE9 = None
D5 = None
D6 = None
D7 = None
D8 = None
D9 = None
D10 = None
D11 = None
D12 = None
D13 = None
D14 = None
D15 = None
STATE10 = None
STATE11 = None
NEST17 = None
NEST18 = None
NEST19 = None
NEST20 = None
NEST21 = None
STATE12 = None
D16 = None
D17 = None
D18 = None
CONFIG11 = None
WEIGHTS5 = None
ST = None
KEYED2 = None
KEYED3 = None
CS3 = None
CS5 = None
CURD2 = None
IDX6 = None
POS3 = None
LOG2 = None
LOG3 = None
DK = None
DW = None
STATE13 = None
STATE14 = None
CONFIG16 = None
DL = None
WL3 = None
DLR = None
DLR2 = None
S4 = None
ROWS2 = None
POS2 = None
WL1 = None
WL2 = None
KEYED4 = None
MODEL7 = None
MODEL8 = None
MODEL9 = None
NESTL = None
TL = None
CACHE8 = None
NEST22 = None
CACHE9 = None
HOLD1 = None
HOLD2 = None
CACHE10 = None
CACHE11 = None
CACHE12 = None
D19 = None
D20 = None
QUEUE5 = None
QUEUE6 = None
QUEUE7 = None
CACHE13 = None
CONFIG12 = None
WEIGHTS6 = None
MODEL5 = None
CONFIG13 = None
MODEL6 = None
CONFIG14 = None
CONFIG15 = None
WEIGHTS7 = None
LOG1 = None
CURS = None


def _as_plain(v):
    if isinstance(v, types.SimpleNamespace):
        return ("ns", {k: _as_plain(w) for k, w in vars(v).items()})
    if isinstance(v, dict):
        return {k: _as_plain(w) for k, w in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_as_plain(w) for w in v)
    if isinstance(v, np.ndarray):
        return ("arr", v.copy())
    if hasattr(v, "__dict__") and not isinstance(v, type):
        return ("obj", type(v).__name__, {k: _as_plain(w) for k, w in vars(v).items()})
    return v


def _same(a, b):
    if isinstance(a, tuple) and len(a) == 2 and a[0] == "arr":
        return (
            isinstance(b, tuple)
            and len(b) == 2
            and b[0] == "arr"
            and a[1].shape == b[1].shape
            and np.array_equal(a[1], b[1])
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return (
            type(a) is type(b)
            and len(a) == len(b)
            and all(_same(p, q) for p, q in zip(a, b, strict=True))
        )
    return type(a) is type(b) and a == b


def _line_of(tag):
    """The line number of the line of this file ending in `# at:tag`."""
    with open(__file__) as fh:
        for n, line in enumerate(fh, 1):
            if line.rstrip().endswith(f"# at:{tag}"):
                return n
    raise AssertionError(tag)


PROGRAMS = {}


def _reset_value(name, init):
    g = globals()
    cur = g.get(name)
    new = copy.deepcopy(init)
    if type(cur) is type(new) and isinstance(new, dict):
        cur.clear()
        cur.update(new)
    elif type(cur) is type(new) and isinstance(new, list):
        cur[:] = new
    elif type(cur) is type(new) and isinstance(new, types.SimpleNamespace):
        cur.__dict__.clear()
        cur.__dict__.update(vars(new))
    elif (
        isinstance(cur, np.ndarray)
        and isinstance(new, np.ndarray)
        and cur.shape == new.shape
        and cur.dtype == new.dtype
    ):
        cur[...] = new
    else:
        g[name] = new


def prog(name, x0, kind="exact", tag=None, order2=True, **init):
    """kind: exact (must differentiate exactly), either (exact, or refused at `tag`'s line),
    refuse (must be refused at `tag`'s line)."""

    def deco(f):
        PROGRAMS[name] = types.SimpleNamespace(
            name=name, f=f, x0=x0, kind=kind, tag=tag, order2=order2, init=init
        )
        return f

    return deco


def _reset(p):
    for k, v in p.init.items():
        _reset_value(k, v)


def _snap_of(p):
    return {k: copy.deepcopy(_as_plain(globals()[k])) for k in p.init}


def _states_same(a, b):
    return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)


# ======================================================================================
# 1. a module's container or object reached through a local name or a helper
# ======================================================================================


@prog("get_append", 1.3, "either", "get_append", CACHE1={"k": [1.0, 2.0]})
def f_get_append(x):
    d = CACHE1
    h = d.get("k")
    h.append(0.5)  # at:get_append
    return x * sum(h)


@prog("get_append_x", 1.3, "either", "get_append_x", CACHE2={"k": [1.0, 2.0]})
def f_get_append_x(x):
    d = CACHE2
    h = d.get("k")
    h.append(x * 2.0)  # at:get_append_x
    return x * len(h)


@prog("buf_setitem", X3, "either", "buf_setitem", STATE1=types.SimpleNamespace(buf=np.ones(3)))
def f_buf_setitem(x):
    s = STATE1
    b = s.buf
    b[0] = 3.0  # at:buf_setitem
    return np.sum(x * b)


@prog("buf_setitem_x", X3, "either", "buf_setitem_x", STATE2=types.SimpleNamespace(buf=np.ones(3)))
def f_buf_setitem_x(x):
    s = STATE2
    b = s.buf
    b[1] = x[0] * 2.0  # at:buf_setitem_x
    return np.sum(x * b)


@prog("next_iter_values", 0.7, "either", "next_iter_values", D1={"a": [1.0], "b": [2.0]})
def f_next_iter_values(x):
    d = D1
    h = next(iter(d.values()))
    h.append(3.0)  # at:next_iter_values
    return x * sum(h) + x * x


@prog("max_queue", 0.7, "either", "max_queue", QUEUE1=[[1.0], [2.0, 3.0]])
def f_max_queue(x):
    q = QUEUE1
    m = max(q)
    m.append(1.5)  # at:max_queue
    return x * sum(m)


@prog("min_queue_sum", 0.7, "either", "min_queue_sum", QUEUE2=[[4.0], [2.0, 3.0]])
def f_min_queue_sum(x):
    q = QUEUE2
    m = min(q)
    m[0] = 9.0  # at:min_queue_sum
    return x * m[0] + x * m[1]


def item_of(d):
    return d["a"]["b"]


def pair_of(d):
    return d["a"]["b"], d["c"]


@prog("helper_positional", 0.9, "either", "helper_positional", NEST1={"a": {"b": [1.0, 2.0]}})
def f_helper_positional(x):
    lst = item_of(NEST1)
    lst.append(4.0)  # at:helper_positional
    return x * sum(lst)


@prog("helper_keyword", 0.9, "either", "helper_keyword", NEST2={"a": {"b": [1.0, 2.0]}})
def f_helper_keyword(x):
    lst = item_of(d=NEST2)
    lst.append(4.0)  # at:helper_keyword
    return x * sum(lst)


@prog("helper_alias", 0.9, "either", "helper_alias", NEST3={"a": {"b": [1.0, 2.0]}})
def f_helper_alias(x):
    n = NEST3
    lst = item_of(n)
    lst.append(4.0)  # at:helper_alias
    return x * sum(lst)


@prog(
    "helper_tuple",
    0.9,
    "either",
    "helper_tuple",
    NEST4={"a": {"b": [1.0, 2.0]}, "c": [5.0]},
)
def f_helper_tuple(x):
    lst, other = pair_of(NEST4)
    other.append(4.0)  # at:helper_tuple
    return x * sum(lst) + x * sum(other)


@prog(
    "helper_tuple_index",
    0.9,
    "either",
    "helper_tuple_index",
    NEST5={"a": {"b": [1.0, 2.0]}, "c": [5.0]},
)
def f_helper_tuple_index(x):
    t = pair_of(NEST5)
    t[0].append(x * 0.5)  # at:helper_tuple_index
    return x * sum(t[0])


@prog(
    "helper_array_setitem",
    X3,
    "either",
    "helper_array_setitem",
    NEST6={"a": {"b": np.array([1.0, 2.0, 3.0])}},
)
def f_helper_array_setitem(x):
    arr = item_of(NEST6)
    arr[0] = 5.0  # at:helper_array_setitem
    return np.sum(x * arr)


@prog(
    "helper_array_iadd",
    X3,
    "either",
    "helper_array_iadd",
    NEST7={"a": {"b": np.array([1.0, 2.0, 3.0])}},
)
def f_helper_array_iadd(x):
    arr = item_of(NEST7)
    arr += 1.0  # at:helper_array_iadd
    return np.sum(x * arr)


@prog(
    "get_get_attr",
    X3,
    "either",
    "get_get_attr",
    STATE3=types.SimpleNamespace(inner=types.SimpleNamespace(w=np.ones(3))),
)
def f_get_get_attr(x):
    s = STATE3
    inner = s.inner
    w = inner.w
    w *= 2.0  # at:get_get_attr
    return np.sum(x * w)


@prog("loop_values_append", 0.6, "either", "loop_values_append", D2={"a": [1.0], "b": [2.0]})
def f_loop_values_append(x):
    d = D2
    t = 0.0
    for h in d.values():
        h.append(1.0)  # at:loop_values_append
        t = t + x * len(h)
    return t


@prog("setdefault_append", 0.6, "either", "setdefault_append", CACHE3={"k": [1.0]})
def f_setdefault_append(x):
    d = CACHE3
    h = d.setdefault("k", [])  # at:setdefault_append
    h.append(2.0)
    return x * sum(h)


@prog("pop_then_read", 0.6, "either", "pop_then_read", QUEUE3=[[1.0], [2.0, 3.0]])
def f_pop_then_read(x):
    q = QUEUE3
    last = q[-1]
    last.pop()  # at:pop_then_read
    return x * sum(last)


@prog("item_extend_loop", 0.6, "either", "item_extend_loop", CACHE4={"k": [1.0]})
def f_item_extend_loop(x):
    d = CACHE4
    h = d["k"]
    t = 0.0
    for i in range(3):
        h.extend([0.5])  # at:item_extend_loop
        t = t + x * sum(h)
    return t


def first_row(s):
    return s.rows[0]


@prog(
    "helper_attr_row",
    X3,
    "either",
    "helper_attr_row",
    STATE4=types.SimpleNamespace(rows=[np.ones(3), np.zeros(3)]),
)
def f_helper_attr_row(x):
    r = first_row(STATE4)
    r[2] = 7.0  # at:helper_attr_row
    return np.sum(x * r)


@prog(
    "helper_via_local_object",
    X3,
    "either",
    "helper_via_local_object",
    STATE5=types.SimpleNamespace(rows=[np.ones(3), np.zeros(3)]),
)
def f_helper_via_local_object(x):
    s = STATE5
    r = first_row(s=s)
    r -= 0.25  # at:helper_via_local_object
    return np.sum(x * r * x)


# --- reads only, and new lists built from the items: must work exactly --------------


@prog("read_get", 1.3, CACHE5={"k": [1.0, 2.0]})
def f_read_get(x):
    d = CACHE5
    h = d.get("k")
    return x * sum(h) + x * h[0]


@prog("read_buf", X3, STATE6=types.SimpleNamespace(buf=np.array([1.0, 2.0, 3.0])))
def f_read_buf(x):
    s = STATE6
    b = s.buf
    return np.sum(x * b * x)


@prog("read_next_iter", 0.7, D3={"a": [1.5], "b": [2.0]})
def f_read_next_iter(x):
    d = D3
    h = next(iter(d.values()))
    return x * h[0] * x


@prog("read_max", 0.7, QUEUE4=[[1.0], [2.0, 3.0]])
def f_read_max(x):
    q = QUEUE4
    m = max(q)
    return x * sum(m) + np.sin(x) * m[1]


@prog("read_helper_tuple", 0.9, NEST8={"a": {"b": [1.0, 2.0]}, "c": [5.0]})
def f_read_helper_tuple(x):
    lst, other = pair_of(NEST8)
    return x * sum(lst) * other[0]


def copy_of(d):
    return list(d["k"])


def copy_nested(d):
    return list(d["a"]["b"])


@prog("new_list_append", 0.8, CACHE6={"k": [1.0, 2.0]})
def f_new_list_append(x):
    lst = copy_of(CACHE6)
    lst.append(x * 3.0)
    return x * sum(lst)


@prog("new_list_alias_setitem", 0.8, CACHE7={"k": [1.0, 2.0]})
def f_new_list_alias_setitem(x):
    d = CACHE7
    lst = copy_of(d)
    lst[0] = x * x
    return x * sum(lst)


@prog("new_list_nested_keyword", 0.8, NEST9={"a": {"b": [1.0, 2.0]}})
def f_new_list_nested_keyword(x):
    lst = copy_nested(d=NEST9)
    lst.append(x)
    lst[1] = lst[1] * x
    return sum(lst) * x


@prog("new_array_copy_update", X3, STATE7=types.SimpleNamespace(buf=np.array([1.0, 2.0, 3.0])))
def f_new_array_copy_update(x):
    s = STATE7
    b = s.buf.copy()
    b[0] = 5.0
    b *= 2.0
    return np.sum(x * b)


@prog("read_in_loop", X3, D4={"a": np.array([1.0, 2.0, 3.0]), "b": np.array([0.5, 0.5, 0.5])})
def f_read_in_loop(x):
    d = D4
    t = 0.0
    for v in d.values():
        t = t + np.sum(v * x * x)
    return t


# ======================================================================================
# 2. x op= v of a number read out of a module's dict, list or object
# ======================================================================================


@prog("lr_imul", 1.2, CONFIG1={"lr": 0.4, "n": 3})
def f_lr_imul(x):
    lr = CONFIG1["lr"]
    lr *= 0.5
    return x * x * lr


@prog("lr_iadd_x", 1.2, CONFIG2={"lr": 0.4})
def f_lr_iadd_x(x):
    lr = CONFIG2["lr"]
    lr += x
    lr -= 0.1
    return lr * x


@prog("lr_all_ops", 1.2, CONFIG3={"a": 0.4, "b": 1.5})
def f_lr_all_ops(x):
    a = CONFIG3["a"]
    a += x
    a -= 0.2
    a *= x
    a /= 1.7
    a **= 2
    b = CONFIG3["b"]
    b **= x
    return a + b


@prog("weights_loop", 0.8, WEIGHTS1=[0.5, 1.0, 1.5])
def f_weights_loop(x):
    acc = 0.0
    for w in WEIGHTS1:
        w += 0.1
        acc = acc + w * x * x
    return acc


@prog("weights_loop_x", 0.8, WEIGHTS2=[0.5, 1.0, 1.5])
def f_weights_loop_x(x):
    acc = 0.0
    for w in WEIGHTS2:
        w *= x
        w += 1.0
        acc = acc + w * w
    return acc


@prog("weights_loop_break", 0.8, WEIGHTS3=[0.5, 1.0, 1.5, 2.0])
def f_weights_loop_break(x):
    acc = 0.0
    for w in WEIGHTS3:
        w -= 0.25
        if w > 1.0:
            break
        acc = acc + w * np.sin(x)
    return acc + x


def scale_of(m):
    return m.scale


@prog("helper_scale", 0.8, MODEL1=types.SimpleNamespace(scale=2.5))
def f_helper_scale(x):
    c = scale_of(MODEL1)
    c -= 1
    return c * x**2


@prog("helper_scale_x", 0.8, MODEL2=types.SimpleNamespace(scale=2.5))
def f_helper_scale_x(x):
    c = scale_of(MODEL2)
    c *= x
    c /= 2.0
    return c * np.cos(x)


@prog("attr_local", X3, MODEL3=types.SimpleNamespace(scale=2.5, shift=0.5))
def f_attr_local(x):
    m = MODEL3
    s = m.scale
    s **= 2
    t = m.shift
    t += np.sum(x)
    return np.sum(x * s) * t


@prog("nested_dict_number", 0.8, CONFIG4={"opt": {"lr": 0.1, "mom": [0.9, 0.99]}})
def f_nested_dict_number(x):
    lr = CONFIG4["opt"]["lr"]
    b1 = CONFIG4["opt"]["mom"][0]
    lr *= 3.0
    b1 -= x
    return lr * x + b1 * b1


@prog("loop_rebind_number", 0.8, CONFIG5={"lr": 0.5})
def f_loop_rebind_number(x):
    lr = CONFIG5["lr"]
    y = x
    for i in range(4):
        y = y - lr * y * y
        lr *= 0.5
    return y


@prog("enumerate_dict_items", 0.8, CONFIG6={"a": 0.5, "b": 1.5})
def f_enumerate_dict_items(x):
    acc = 0.0
    for i, (k, v) in enumerate(CONFIG6.items()):
        v *= i + 1.0
        v += x
        acc = acc + v * v
    return acc


@prog("tuple_iadd", 0.8, CONFIG7={"t": (1.0, 2.0)})
def f_tuple_iadd(x):
    t = CONFIG7["t"]
    t += (x,)
    return t[0] * x + t[2] * t[2]


@prog("np_scalar_imul", 0.8, CONFIG8={"lr": np.float64(0.4)})
def f_np_scalar_imul(x):
    lr = CONFIG8["lr"]
    lr *= x
    return lr * x


@prog("checkpoint_number", 0.8, CONFIG9={"lr": 0.5})
def f_checkpoint_number(x):
    lr = CONFIG9["lr"]
    y = x
    for i in ad.checkpoint(range(4)):
        y = y - lr * np.sin(y)
        lr *= 0.8
    return y * x


@prog("checkpoint_loop_weights", 0.8, WEIGHTS4=[0.5, 1.0, 1.5])
def f_checkpoint_loop_weights(x):
    y = x
    for w in ad.checkpoint(WEIGHTS4):
        w *= 0.5
        y = y + w * np.sin(y)
    return y


# --- the same on an array or a list item: must be refused, module untouched -----------


@prog("array_item_iadd", X3, "refuse", "array_item_iadd", BUFS1={"w": np.array([1.0, 2.0, 3.0])})
def f_array_item_iadd(x):
    b = BUFS1["w"]
    b += 1.0  # at:array_item_iadd
    return np.sum(x * b)


@prog(
    "array_item_imul_x", X3, "refuse", "array_item_imul_x", BUFS2={"w": np.array([1.0, 2.0, 3.0])}
)
def f_array_item_imul_x(x):
    b = BUFS2["w"]
    b *= x  # at:array_item_imul_x
    return np.sum(x * b)


@prog("list_item_iadd", 0.8, "refuse", "list_item_iadd", BUFS3={"l": [1.0, 2.0]})
def f_list_item_iadd(x):
    lst = BUFS3["l"]
    lst += [x]  # at:list_item_iadd
    return x * sum(lst)


@prog("list_item_iadd_const", 0.8, "refuse", "list_item_iadd_const", BUFS4={"l": [1.0, 2.0]})
def f_list_item_iadd_const(x):
    lst = BUFS4["l"]
    lst += [3.0]  # at:list_item_iadd_const
    return x * sum(lst)


@prog("list_item_imul", 0.8, "refuse", "list_item_imul", BUFS5={"l": [1.0, 2.0]})
def f_list_item_imul(x):
    lst = BUFS5["l"]
    lst *= 2  # at:list_item_imul
    return x * sum(lst)


@prog("rows_loop_imul", X3, "refuse", "rows_loop_imul", BUFS6=[np.ones(3), np.full(3, 2.0)])
def f_rows_loop_imul(x):
    acc = 0.0
    for row in BUFS6:
        row *= 2.0  # at:rows_loop_imul
        acc = acc + np.sum(row * x)
    return acc


@prog(
    "attr_array_isub",
    X3,
    "refuse",
    "attr_array_isub",
    MODEL4=types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0])),
)
def f_attr_array_isub(x):
    w = scale_w(MODEL4)
    w -= 0.5  # at:attr_array_isub
    return np.sum(x * w)


def scale_w(m):
    return m.w


@prog("zero_d_array_imul", 0.8, "refuse", "zero_d_array_imul", CONFIG10={"lr": np.array(0.4)})
def f_zero_d_array_imul(x):
    lr = CONFIG10["lr"]
    lr *= 0.5  # at:zero_d_array_imul
    return lr * x * x


@prog(
    "refuse_later_in_loop",
    X3,
    "refuse",
    "refuse_later_in_loop",
    BUFS7={"a": 1.0, "b": np.array([1.0, 2.0, 3.0])},
)
def f_refuse_later_in_loop(x):
    acc = 0.0
    for v in BUFS7.values():
        v += 1.0  # at:refuse_later_in_loop
        acc = acc + np.sum(v * x)
    return acc


@prog(
    "refuse_after_half_update",
    X3,
    "refuse",
    "refuse_after_half_update",
    BUFS8={"a": [1.0], "b": np.array([1.0, 2.0, 3.0])},
)
def f_refuse_after_half_update(x):
    BUFS8["a"].append(2.0)
    b = BUFS8["b"]
    b /= 2.0  # at:refuse_after_half_update
    return np.sum(x * b) * len(BUFS8["a"])


@prog("ipow_array_item", X3, "refuse", "ipow_array_item", BUFS9=[np.array([1.0, 2.0, 3.0])])
def f_ipow_array_item(x):
    b = BUFS9[0]
    b **= 2  # at:ipow_array_item
    return np.sum(x * b)


# ======================================================================================
# 3. a helper (or setattr) moving module state after indexing with it
# ======================================================================================

CURSOR0 = dict(i=0, lo=0, hi=2, step=1, key="a", idx=[0, 1], k=0)


def advance():
    CS.i = CS.i + 1


def advance_slice():
    CS.lo = CS.lo + 1
    CS.hi = CS.hi + 1


def advance_step():
    CS.step = CS.step + 1


def advance_key():
    CS.key = "b" if CS.key == "a" else "c"


def advance_idx_rebind():
    CS.idx = [i + 1 for i in CS.idx]


def advance_idx_inplace():
    CS.idx[0] = CS.idx[0] + 2


def advance_idx_append():
    CS.idx.append(3)


def advance_k():
    CS.k = 1 - CS.k


def advance_dict():
    CURD["i"] += 1


def advance_pos():
    POS1[0] += 1


def advance_global():
    global GI
    GI = GI + 1


def advance_arr():
    IDXA[...] = IDXA + 1


_C = dict(CS=types.SimpleNamespace(**CURSOR0))


@prog("cursor_basic", X4, **_C)
def f_cursor_basic(x):
    a = x[CS.i]
    advance()
    b = x[CS.i]
    return a * a * b


@prog("cursor_twice", X4, **_C)
def f_cursor_twice(x):
    a = x[CS.i]
    advance()
    advance()
    b = x[CS.i]
    return a * np.sin(b) + a * x[CS.i - 1]


@prog("cursor_slice", X4, **_C)
def f_cursor_slice(x):
    a = x[CS.lo : CS.hi]
    advance_slice()
    b = x[CS.lo : CS.hi]
    return np.sum(a * b * b)


@prog("cursor_slice_open", X4, **_C)
def f_cursor_slice_open(x):
    a = x[CS.lo :]
    advance_slice()
    b = x[: CS.hi]
    return np.sum(a**2) + np.sum(b**3)


@prog("cursor_step", X4, **_C)
def f_cursor_step(x):
    a = x[:: CS.step]
    advance_step()
    b = x[:: CS.step]
    return np.sum(a * a) * np.sum(b)


@prog("cursor_dict_key", X3, KEYED1={"a": 2.0, "b": 3.0, "c": 5.0}, **_C)
def f_cursor_dict_key(x):
    a = x * KEYED1[CS.key]
    advance_key()
    b = x * KEYED1[CS.key]
    return np.sum(a * b * x)


@prog("cursor_idx_rebind", X4, **_C)
def f_cursor_idx_rebind(x):
    a = x[CS.idx]
    advance_idx_rebind()
    b = x[CS.idx]
    return np.sum(a * b * a)


@prog("cursor_idx_inplace", X4, **_C)
def f_cursor_idx_inplace(x):
    a = x[CS.idx]
    advance_idx_inplace()
    b = x[CS.idx]
    return np.sum(a * a * b)


@prog("cursor_idx_append", X4, **_C)
def f_cursor_idx_append(x):
    a = x[CS.idx]
    advance_idx_append()
    b = x[CS.idx]
    return np.sum(a * a) * np.sum(b * b)


@prog("cursor_setitem", X4, **_C)
def f_cursor_setitem(x):
    y = x * 1.0
    y[CS.i] = x[1] * x[2]
    advance()
    y[CS.i] = y[0] * 3.0
    return np.sum(y * y)


@prog("cursor_loop", X4, **_C)
def f_cursor_loop(x):
    s = 0.0
    for t in range(3):
        s = s + x[CS.i] ** 2 * (t + 1.0)
        advance()
    return s


@prog("cursor_loop_while", X4, **_C)
def f_cursor_loop_while(x):
    s = 0.0
    while CS.i < 3:
        v = x[CS.i]
        advance()
        s = s + v * x[CS.i]
    return s


def take(x):
    v = x[CS.i]
    advance()
    return v


@prog("cursor_helper", X4, **_C)
def f_cursor_helper(x):
    a = take(x)
    b = take(x)
    return a * b * b + take(x)


def take_slice(x):
    v = x[CS.lo : CS.hi]
    advance_slice()
    return v


@prog("cursor_helper_slice_loop", X4, **_C)
def f_cursor_helper_slice_loop(x):
    s = 0.0
    for t in range(2):
        s = s + np.sum(take_slice(x) ** 2) * (t + 1.0)
    return s


@prog("cursor_tuple_index", XM, **_C)
def f_cursor_tuple_index(x):
    a = x[CS.k, CS.i]
    advance()
    advance_k()
    b = x[CS.k, CS.i]
    return a * a * b


@prog("cursor_tuple_slice", XM, **_C)
def f_cursor_tuple_slice(x):
    a = x[CS.k, CS.lo : CS.hi]
    advance_k()
    advance_slice()
    b = x[CS.k, CS.lo : CS.hi]
    return np.sum(a * b)


@prog("cursor_setattr", X4, **_C)
def f_cursor_setattr(x):
    a = x[CS.i]
    setattr(CS, "i", 2)
    b = x[CS.i]
    return a * b * b


@prog("cursor_setattr_loop", X4, **_C)
def f_cursor_setattr_loop(x):
    s = 0.0
    for t in range(3):
        s = s + np.sin(x[CS.i]) * x[CS.i + 1]
        setattr(CS, "i", CS.i + 1)
    return s


@prog("cursor_dict", X4, CURD={"i": 0})
def f_cursor_dict(x):
    a = x[CURD["i"]]
    advance_dict()
    b = x[CURD["i"]]
    return a * a * b


@prog("cursor_list", X4, POS1=[0])
def f_cursor_list(x):
    a = x[POS1[0]]
    advance_pos()
    b = x[POS1[0]]
    return a * a * b


@prog("cursor_global", X4, GI=0)
def f_cursor_global(x):
    a = x[GI]
    advance_global()
    b = x[GI]
    return a * a * b


@prog("cursor_array_idx", X4, IDXA=np.array([0, 1]))
def f_cursor_array_idx(x):
    a = x[IDXA]
    advance_arr()
    b = x[IDXA]
    return np.sum(a * a * b)


@prog("cursor_local_alias", X4, **_C)
def f_cursor_local_alias(x):
    c = CS
    a = x[c.i]
    advance()
    b = x[c.i]
    return a * a * b


@prog("cursor_saved_int", X4, **_C)
def f_cursor_saved_int(x):
    i = CS.i
    advance()
    return x[i] * x[CS.i] ** 2


@prog("cursor_loop_break", X4, **_C)
def f_cursor_loop_break(x):
    s = 0.0
    for t in range(5):
        v = x[CS.i]
        advance()
        if CS.i >= 3:
            break
        s = s + v * v * x[CS.i]
    return s


@prog("cursor_nested_loop_helper", X4, **_C)
def f_cursor_nested_loop_helper(x):
    s = 0.0
    for t in range(2):
        for u in range(2):
            s = s + take(x) * x[CS.i % 4]
    return s


@prog("cursor_write_in_loop", X4, **_C)
def f_cursor_write_in_loop(x):
    y = np.zeros(4)
    for t in range(3):
        y[CS.i] = x[CS.i + 1] * x[CS.i]
        advance()
    return np.sum(y * y)


@prog("cursor_checkpoint", X4, "either", "cursor_checkpoint", **_C)
def f_cursor_checkpoint(x):
    s = 0.0
    for t in ad.checkpoint(range(3)):
        s = s + x[CS.i] * x[CS.i + 1]  # at:cursor_checkpoint
        advance()
    return s


# ======================================================================================
# more ways to reach a module's item (batch 2)
# ======================================================================================


def same_dict(d):
    return d


def outer_item(d):
    return item_of(d)


def first_value(d):
    for k in d:
        return d[k]
    return None


def item_default(d=None):
    return (d if d is not None else NEST10)["a"]["b"]


class Picker:
    @staticmethod
    def pick(d):
        return d["a"]["b"]


pick_lambda = lambda d: d["a"]["b"]  # noqa: E731


@prog(
    "helper_returns_container",
    0.9,
    "either",
    "helper_returns_container",
    NEST11={"a": {"b": [1.0]}},
)
def f_helper_returns_container(x):
    d = same_dict(NEST11)
    d["a"]["b"].append(2.0)  # at:helper_returns_container
    return x * sum(NEST11["a"]["b"])


@prog("helper_two_deep", 0.9, "either", "helper_two_deep", NEST12={"a": {"b": [1.0]}})
def f_helper_two_deep(x):
    lst = outer_item(NEST12)
    lst.append(2.0)  # at:helper_two_deep
    return x * sum(lst)


@prog("helper_loop_return", 0.9, "either", "helper_loop_return", NEST13={"a": [1.0], "b": [2.0]})
def f_helper_loop_return(x):
    lst = first_value(NEST13)
    lst.append(2.0)  # at:helper_loop_return
    return x * sum(lst)


@prog("helper_default_global", 0.9, "either", "helper_default_global", NEST10={"a": {"b": [1.0]}})
def f_helper_default_global(x):
    lst = item_default()
    lst.append(2.0)  # at:helper_default_global
    return x * sum(lst)


@prog("helper_staticmethod", 0.9, "either", "helper_staticmethod", NEST14={"a": {"b": [1.0]}})
def f_helper_staticmethod(x):
    lst = Picker.pick(NEST14)
    lst.append(2.0)  # at:helper_staticmethod
    return x * sum(lst)


@prog("helper_lambda", 0.9, "either", "helper_lambda", NEST15={"a": {"b": [1.0]}})
def f_helper_lambda(x):
    lst = pick_lambda(NEST15)
    lst.append(2.0)  # at:helper_lambda
    return x * sum(lst)


@prog("helper_star_args", 0.9, "either", "helper_star_args", NEST16={"a": {"b": [1.0]}})
def f_helper_star_args(x):
    lst = item_of(*[NEST16])
    lst.append(2.0)  # at:helper_star_args
    return x * sum(lst)


@prog("getattr_buf", X3, "either", "getattr_buf", STATE8=types.SimpleNamespace(buf=np.ones(3)))
def f_getattr_buf(x):
    s = STATE8
    b = getattr(s, "buf")
    b[0] = 4.0  # at:getattr_buf
    return np.sum(x * b)


@prog("vars_buf", X3, "either", "vars_buf", STATE9=types.SimpleNamespace(buf=np.ones(3)))
def f_vars_buf(x):
    b = vars(STATE9)["buf"]  # at:vars_buf
    b[0] = 4.0
    return np.sum(x * b)


@prog("items_unpack", 0.9, "either", "items_unpack", D5={"a": [1.0], "b": [2.0]})
def f_items_unpack(x):
    d = D5
    k, h = next(iter(d.items()))
    h.append(3.0)  # at:items_unpack
    return x * sum(h)


@prog("cond_alias", 0.9, "either", "cond_alias", D6={"a": [1.0]})
def f_cond_alias(x):
    h = D6["a"] if x > 0 else []
    h.append(3.0)  # at:cond_alias
    return x * sum(h)


@prog("list_elem_iadd", 0.9, "either", "list_elem_iadd", D7={"a": [1.0, 2.0]})
def f_list_elem_iadd(x):
    h = D7["a"]
    h[0] += 1.5  # at:list_elem_iadd
    return x * sum(h)


@prog("list_elem_iadd_x", 0.9, "either", "list_elem_iadd_x", D8={"a": [1.0, 2.0]})
def f_list_elem_iadd_x(x):
    h = D8.get("a")
    h[1] *= x  # at:list_elem_iadd_x
    return x * sum(h)


@prog("sort_item", 0.9, "either", "sort_item", D9={"a": [3.0, 1.0, 2.0]})
def f_sort_item(x):
    h = D9["a"]
    h.sort()  # at:sort_item
    return x * h[0] + x * x * h[2]


@prog("clear_item", 0.9, "either", "clear_item", D10={"a": [3.0, 1.0]})
def f_clear_item(x):
    d = D10
    h = d["a"]
    t = x * sum(h)
    h.clear()  # at:clear_item
    return t + x * len(h)


@prog("fill_item", X3, "either", "fill_item", D11={"a": np.ones(3)})
def f_fill_item(x):
    d = D11
    b = d["a"]
    b.fill(2.0)  # at:fill_item
    return np.sum(x * b)


@prog("np_out_item", X3, "either", "np_out_item", D12={"a": np.ones(3)})
def f_np_out_item(x):
    b = D12.get("a")
    np.multiply(b, 3.0, out=b)  # at:np_out_item
    return np.sum(x * b)


@prog("ellipsis_item", X3, "either", "ellipsis_item", D13={"a": np.ones(3)})
def f_ellipsis_item(x):
    s = D13
    b = s["a"]
    b[...] = x  # at:ellipsis_item
    return np.sum(x * b)


@prog("slice_iadd_item", X3, "either", "slice_iadd_item", D14={"a": np.ones(3)})
def f_slice_iadd_item(x):
    b = item_first(D14)
    b[:2] += 1.0  # at:slice_iadd_item
    return np.sum(x * b)


def item_first(d):
    return d["a"]


@prog("view_of_item", X3, "either", "view_of_item", D15={"a": np.ones(4)})
def f_view_of_item(x):
    v = D15["a"][1:]
    v[0] = 5.0  # at:view_of_item
    return np.sum(x * v)


@prog(
    "reshape_view_item",
    X4,
    "either",
    "reshape_view_item",
    STATE10=types.SimpleNamespace(w=np.ones(4)),
)
def f_reshape_view_item(x):
    s = STATE10
    m = s.w.reshape(2, 2)
    m[0, 0] = 3.0  # at:reshape_view_item
    return np.sum(x * s.w)


class Acc:
    def __init__(self, v):
        self.v = v

    def __iadd__(self, o):
        self.v = self.v + o
        return self


@prog("object_iadd", 0.9, "refuse", "object_iadd", STATE11=types.SimpleNamespace(acc=Acc(1.0)))
def f_object_iadd(x):
    a = STATE11.acc
    a += 2.0  # at:object_iadd
    return x * a.v


# --- read-only and copy cases of batch 2 ------------------------------------------


@prog("read_helper_two_deep", 0.9, NEST17={"a": {"b": [1.0, 3.0]}})
def f_read_helper_two_deep(x):
    lst = outer_item(NEST17)
    return x * sum(lst) * lst[1]


def deeper_item(d):
    return outer_item(d)


@prog("helper_three_deep", X3, "either", "helper_three_deep", NEST18={"a": {"b": np.ones(3)}})
def f_helper_three_deep(x):
    arr = deeper_item(NEST18)
    arr[0] = 4.0  # at:helper_three_deep
    return np.sum(x * arr)


@prog("helper_two_deep_x", 0.9, "either", "helper_two_deep_x", NEST19={"a": {"b": [1.0]}})
def f_helper_two_deep_x(x):
    lst = outer_item(NEST19)
    lst.append(x * x)  # at:helper_two_deep_x
    return x * sum(lst)


@prog("helper_two_deep_iadd", X3, "either", "helper_two_deep_iadd", NEST20={"a": {"b": np.ones(3)}})
def f_helper_two_deep_iadd(x):
    arr = outer_item(NEST20)
    arr += 2.0  # at:helper_two_deep_iadd
    return np.sum(x * arr)


@prog("read_helper_three_deep", X3, NEST21={"a": {"b": np.array([1.0, 2.0, 3.0])}})
def f_read_helper_three_deep(x):
    arr = deeper_item(NEST21)
    return np.sum(x * arr * x)


@prog("read_vars_buf", X3, STATE12=types.SimpleNamespace(buf=np.array([1.0, 2.0, 3.0])))
def f_read_vars_buf(x):
    b = vars(STATE12)["buf"]
    return np.sum(x * b * b)


@prog("copy_then_update", X3, D16={"a": np.array([1.0, 2.0, 3.0])})
def f_copy_then_update(x):
    b = np.array(item_first(D16))
    b[0] = x[0]
    b += x
    return np.sum(b * b)


@prog("sorted_copy_update", 0.9, D17={"a": [3.0, 1.0, 2.0]})
def f_sorted_copy_update(x):
    h = sorted(D17["a"])
    h[0] = x
    h.append(x * x)
    return sum(h) * x


@prog("list_rebuild_add", 0.9, D18={"a": [3.0, 1.0]})
def f_list_rebuild_add(x):
    h = D18["a"]
    h = h + [x]
    return sum(h) * x


# --- numbers: the type changes between calls (a cached derivative must re-check) ----


@prog("number_then_array", 0.8, CONFIG11={"lr": 0.4})
def f_number_then_array(x):
    lr = CONFIG11["lr"]
    lr *= 0.5  # at:number_then_array
    return np.sum(lr * x * x)


@prog("weights_then_arrays", 0.8, WEIGHTS5=[0.5, 1.0])
def f_weights_then_arrays(x):
    acc = 0.0
    for w in WEIGHTS5:
        w += 0.1  # at:weights_then_arrays
        acc = acc + np.sum(w * x)
    return acc


# --- more cursors ------------------------------------------------------------------


class Stepper:
    def __init__(self):
        self.i = 0

    def step(self):
        self.i += 1


@prog("cursor_method", X4, ST=Stepper())
def f_cursor_method(x):
    a = x[ST.i]
    ST.step()
    b = x[ST.i]
    return a * a * b


@prog("cursor_range_slice", X4, **_C)
def f_cursor_range_slice(x):
    a = x[CS.i : CS.i + 2]
    advance()
    b = x[CS.i : CS.i + 2]
    return np.sum(a * b * b)


@prog("cursor_slice_assign", X4, **_C)
def f_cursor_slice_assign(x):
    y = x * 1.0
    y[CS.lo : CS.hi] = x[2:4] * 2.0
    advance_slice()
    y[CS.lo : CS.hi] = y[0:2] * x[0]
    return np.sum(y * y)


@prog("cursor_fancy_assign", X4, **_C)
def f_cursor_fancy_assign(x):
    y = x * 1.0
    y[CS.idx] = x[2:4] ** 2
    advance_idx_rebind()
    y[CS.idx] = y[CS.idx] * x[0]
    return np.sum(y * y)


@prog("cursor_elem_iadd", X4, **_C)
def f_cursor_elem_iadd(x):
    y = x * 1.0
    y[CS.i] += x[3] * x[2]
    advance()
    y[CS.i] *= y[0]
    return np.sum(y * y)


@prog("cursor_np_take", X4, **_C)
def f_cursor_np_take(x):
    a = np.take(x, CS.idx)
    advance_idx_inplace()
    b = np.take(x, CS.idx)
    return np.sum(a * a * b)


@prog("cursor_np_take_rebind", X4, **_C)
def f_cursor_np_take_rebind(x):
    a = np.take(x, CS.idx)
    advance_idx_rebind()
    b = np.take(x, CS.idx)
    return np.sum(a * a * b)


@prog("cursor_np_take_int", X4, **_C)
def f_cursor_np_take_int(x):
    a = np.take(x, CS.i)
    advance()
    b = np.take(x, CS.i)
    return a * a * b


@prog("cursor_method_take", X4, **_C)
def f_cursor_method_take(x):
    a = x.take(CS.idx)
    advance_idx_inplace()
    b = x.take(CS.idx)
    return np.sum(a * a * b)


@prog("cursor_np_array_of_idx", X4, **_C)
def f_cursor_np_array_of_idx(x):
    a = x[np.array(CS.idx)]
    advance_idx_inplace()
    b = x[np.array(CS.idx)]
    return np.sum(a * a * b)


@prog("cursor_idx_item_inplace", X4, **_C)
def f_cursor_idx_item_inplace(x):
    a = x[CS.idx[0]]
    advance_idx_inplace()
    b = x[CS.idx[0]]
    return a * a * b


@prog("cursor_roll", X4, **_C)
def f_cursor_roll(x):
    a = np.roll(x, CS.i)
    advance()
    b = np.roll(x, CS.i)
    return np.sum(a * x * b)


@prog("cursor_helper_reads_and_moves", X4, **_C)
def f_cursor_helper_reads_and_moves(x):
    s = 0.0
    for t in range(2):
        v = take(x)
        s = s + v * x[CS.i] * x[CS.i]
    return s


def advance_by(n):
    CS.i = CS.i + n


@prog("cursor_advance_arg", X4, **_C)
def f_cursor_advance_arg(x):
    a = x[CS.i]
    advance_by(2)
    b = x[CS.i]
    advance_by(-1)
    return a * b * x[CS.i]


@prog("cursor_negative", X4, **_C)
def f_cursor_negative(x):
    a = x[-1 - CS.i]
    advance()
    return a * a * x[-1 - CS.i]


@prog(
    "cursor_nested_dict_key", X3, KEYED2={"a": {"u": 2.0}, "b": {"u": 3.0}, "c": {"u": 5.0}}, **_C
)
def f_cursor_nested_dict_key(x):
    a = x * KEYED2[CS.key]["u"]
    advance_key()
    return np.sum(a * x * KEYED2[CS.key]["u"])


@prog(
    "cursor_key_of_arrays",
    X3,
    KEYED3={"a": np.array([1.0, 2.0, 3.0]), "b": np.array([0.5, -1.0, 2.0]), "c": np.ones(3)},
    **_C,
)
def f_cursor_key_of_arrays(x):
    a = np.sum(x * KEYED3[CS.key])
    advance_key()
    b = np.sum(x * x * KEYED3[CS.key])
    return a * b


@prog("cursor_matrix_row_col", XM, **_C)
def f_cursor_matrix_row_col(x):
    r = x[CS.k]
    c = x[:, CS.i]
    advance()
    advance_k()
    return np.sum(r * r) * np.sum(c) + x[CS.k][CS.i] * np.sum(x[:, CS.i])


# --- cursors: more index forms (batch 3) --------------------------------------------

_C3 = dict(
    CS3=types.SimpleNamespace(
        mask=[True, False, True, False],
        arr=np.array([0, 1]),
        wl=[1.0, 2.0, 3.0, 4.0],
        wa=np.array([1.0, 2.0, 3.0, 4.0]),
        tup=(0, 1),
        ni=np.int64(0),
    )
)


def flip_mask():
    CS3.mask[1] = True
    CS3.mask[0] = False


def bump_arr():
    CS3.arr += 1


def bump_wl():
    CS3.wl[0] = CS3.wl[0] * 3.0


def bump_wa():
    CS3.wa *= 2.0


def bump_tup():
    CS3.tup = (2, 3)


def bump_ni():
    CS3.ni = CS3.ni + 1


@prog("cursor_mask_list", X4, **_C3)
def f_cursor_mask_list(x):
    a = x[CS3.mask]
    flip_mask()
    b = x[CS3.mask]
    return np.sum(a * a * b)


@prog("cursor_where_mask", X4, **_C3)
def f_cursor_where_mask(x):
    a = np.where(CS3.mask, x, 0.0)
    flip_mask()
    b = np.where(CS3.mask, x * x, 1.0)
    return np.sum(a * b)


@prog("cursor_attr_array_idx", X4, **_C3)
def f_cursor_attr_array_idx(x):
    a = x[CS3.arr]
    bump_arr()
    b = x[CS3.arr]
    return np.sum(a * a * b)


@prog("cursor_weights_list", X4, **_C3)
def f_cursor_weights_list(x):
    a = np.sum(x * np.array(CS3.wl))
    bump_wl()
    b = np.sum(x * x * np.array(CS3.wl))
    return a * b


@prog("cursor_weights_array", X4, **_C3)
def f_cursor_weights_array(x):
    a = np.dot(x, CS3.wa)
    bump_wa()
    b = np.dot(x * x, CS3.wa)
    return a * b


@prog("cursor_tuple_attr", X4, **_C3)
def f_cursor_tuple_attr(x):
    a = x[CS3.tup[0]] * x[CS3.tup[1]]
    bump_tup()
    return a * x[CS3.tup[0]] * x[CS3.tup[1]] ** 2


@prog("cursor_np_int", X4, **_C3)
def f_cursor_np_int(x):
    a = x[CS3.ni]
    bump_ni()
    return a * a * x[CS3.ni]


@prog("cursor_take_along", X4, **_C3)
def f_cursor_take_along(x):
    a = np.take_along_axis(x, CS3.arr, axis=0)
    bump_arr()
    b = np.take_along_axis(x, CS3.arr, axis=0)
    return np.sum(a * a * b)


@prog("cursor_list_comp", X4, **_C)
def f_cursor_list_comp(x):
    a = [x[j] for j in CS.idx]
    advance_idx_inplace()
    b = [x[j] for j in CS.idx]
    return a[0] * a[1] * b[0] + b[1] * a[0]


@prog("cursor_loop_over_idx", X4, **_C)
def f_cursor_loop_over_idx(x):
    s = 0.0
    for j in CS.idx:
        s = s + x[j] ** 2
    advance_idx_inplace()
    for j in CS.idx:
        s = s * x[j]
    return s


# ======================================================================================
# batch 4: helpers reading the global themselves, copies sharing items, aliases of numbers
# ======================================================================================


def cache_item():
    return CACHE8["k"]


def nest_item_direct():
    return item_of(NEST22)


def ident(v):
    return v


class Holder:
    def __init__(self):
        self.buf = np.ones(3)

    def get_buf(self):
        return self.buf

    @property
    def view(self):
        return self.buf


@prog("helper_reads_global", 0.9, "either", "helper_reads_global", CACHE8={"k": [1.0]})
def f_helper_reads_global(x):
    h = cache_item()
    h.append(2.0)  # at:helper_reads_global
    return x * sum(h)


@prog(
    "helper_reads_global_deep",
    0.9,
    "either",
    "helper_reads_global_deep",
    NEST22={"a": {"b": [1.0]}},
)
def f_helper_reads_global_deep(x):
    h = nest_item_direct()
    h.append(2.0)  # at:helper_reads_global_deep
    return x * sum(h)


@prog("identity_helper", 0.9, "either", "identity_helper", CACHE9={"k": [1.0]})
def f_identity_helper(x):
    h = ident(CACHE9["k"])
    h.append(2.0)  # at:identity_helper
    return x * sum(h)


@prog("method_returns_attr", X3, "either", "method_returns_attr", HOLD1=Holder())
def f_method_returns_attr(x):
    b = HOLD1.get_buf()
    b[0] = 5.0  # at:method_returns_attr
    return np.sum(x * b)


@prog("property_returns_attr", X3, "either", "property_returns_attr", HOLD2=Holder())
def f_property_returns_attr(x):
    h = HOLD2
    b = h.view
    b *= 3.0  # at:property_returns_attr
    return np.sum(x * b)


@prog("display_item", 0.9, "either", "display_item", CACHE10={"k": [1.0]})
def f_display_item(x):
    h = [CACHE10["k"], [0.0]][0]
    h.append(2.0)  # at:display_item
    return x * sum(h)


@prog("tuple_unpack_item", 0.9, "either", "tuple_unpack_item", CACHE11={"k": [1.0]})
def f_tuple_unpack_item(x):
    h, n = CACHE11["k"], 2
    h.append(2.0)  # at:tuple_unpack_item
    return x * sum(h) * n


@prog("local_lambda_item", 0.9, "either", "local_lambda_item", CACHE12={"k": [1.0]})
def f_local_lambda_item(x):
    get = lambda: CACHE12["k"]  # noqa: E731
    h = get()
    h.append(2.0)  # at:local_lambda_item
    return x * sum(h)


@prog("dict_copy_item", 0.9, "either", "dict_copy_item", D19={"a": [1.0]})
def f_dict_copy_item(x):
    h = dict(D19)["a"]
    h.append(2.0)  # at:dict_copy_item
    return x * sum(h)


@prog("splat_copy_item", 0.9, "either", "splat_copy_item", D20={"a": [1.0]})
def f_splat_copy_item(x):
    h = {**D20}["a"]
    h.append(2.0)  # at:splat_copy_item
    return x * sum(h)


@prog("slice_copy_item", 0.9, "either", "slice_copy_item", QUEUE5=[[1.0], [2.0]])
def f_slice_copy_item(x):
    h = QUEUE5[:][0]
    h.append(2.0)  # at:slice_copy_item
    return x * sum(h)


@prog("star_copy_item", 0.9, "either", "star_copy_item", QUEUE6=[[1.0], [2.0]])
def f_star_copy_item(x):
    h = [*QUEUE6][1]  # at:star_copy_item
    h.append(2.0)
    return x * sum(h)


@prog("zip_loop_items", 0.9, "either", "zip_loop_items", QUEUE7=[[1.0], [2.0]])
def f_zip_loop_items(x):
    t = 0.0
    for h, c in zip(QUEUE7, [1.0, 2.0], strict=True):
        h.append(c)  # at:zip_loop_items
        t = t + x * sum(h)
    return t


@prog("or_default_item", 0.9, "either", "or_default_item", CACHE13={"k": [1.0]})
def f_or_default_item(x):
    h = CACHE13.get("k") or []
    h.append(2.0)  # at:or_default_item
    return x * sum(h)


# --- numbers: aliases must keep the old value ----------------------------------------


@prog("number_alias_kept", 1.1, CONFIG12={"lr": 0.4})
def f_number_alias_kept(x):
    lr = CONFIG12["lr"]
    old = lr
    lr *= x
    return lr * old + CONFIG12["lr"] * x


@prog("number_reread_module", 1.1, WEIGHTS6=[0.5, 1.5])
def f_number_reread_module(x):
    for w in WEIGHTS6:
        w += x
    return sum(WEIGHTS6) * x + w * w


@prog("number_pair_helper", 1.1, MODEL5=types.SimpleNamespace(a=0.5, b=2.0))
def f_number_pair_helper(x):
    a, b = ab_of(MODEL5)
    a += x
    b **= 0.5
    return a * b * x


def ab_of(m):
    return m.a, m.b


@prog("number_int_count", 1.1, CONFIG13={"n": 2})
def f_number_int_count(x):
    n = CONFIG13["n"]
    n += 1
    return x**n


@prog("number_getattr", 1.1, MODEL6=types.SimpleNamespace(s=1.5))
def f_number_getattr(x):
    s = getattr(MODEL6, "s")
    s -= x
    return s * s


@prog("number_while_break", 1.1, CONFIG14={"lr": 0.9})
def f_number_while_break(x):
    lr = CONFIG14["lr"]
    y = x
    while True:
        y = y * lr + np.sin(y)
        lr *= 0.5
        if lr < 0.2:
            break
    return y


@prog("number_nested_def", 1.1, CONFIG15={"lr": 0.4})
def f_number_nested_def(x):
    def step(v):
        lr = CONFIG15["lr"]
        lr *= v
        return lr

    return step(x) * step(x * 2.0)


@prog("number_checkpoint_break", 0.8, WEIGHTS7=[0.5, 1.0, 1.5, 2.0])
def f_number_checkpoint_break(x):
    y = x
    for w in ad.checkpoint(WEIGHTS7):
        w -= 0.25
        if w > 1.0:
            break
        y = y + w * np.sin(y)
    return y


# --- cursors: more ways to move them -------------------------------------------------


def log_it(v):
    LOG1.append(v)


@prog("cursor_len_log", X4, LOG1=[])
def f_cursor_len_log(x):
    a = x[len(LOG1)]
    log_it(1.0)
    b = x[len(LOG1)]
    return a * a * b


@prog("cursor_comprehension", X4, **_C)
def f_cursor_comprehension(x):
    vs = [take(x) for _ in range(3)]
    return vs[0] * vs[1] * vs[2] + vs[0] ** 2


@prog("cursor_branch_advance", X4, **_C)
def f_cursor_branch_advance(x):
    a = x[CS.i]
    if x[1] < 0:
        advance()
    return a * a * x[CS.i]


@prog("cursor_lambda_setattr", X4, **_C)
def f_cursor_lambda_setattr(x):
    adv = lambda: setattr(CS, "i", CS.i + 1)  # noqa: E731
    a = x[CS.i]
    adv()
    return a * a * x[CS.i]


@prog("cursor_getattr", X4, **_C)
def f_cursor_getattr(x):
    a = x[getattr(CS, "i")]
    advance()
    return a * a * x[getattr(CS, "i")]


@prog("cursor_dict_of_ns", X4, CURS={"main": types.SimpleNamespace(i=0)})
def f_cursor_dict_of_ns(x):
    a = x[CURS["main"].i]
    bump_main()
    return a * a * x[CURS["main"].i]


def bump_main():
    CURS["main"].i += 1


@prog("cursor_errstate", X4, **_C)
def f_cursor_errstate(x):
    with np.errstate(all="ignore"):
        a = x[CS.i]
        advance()
        b = x[CS.i]
    return a * a * b


@prog("cursor_ifexp", X4, **_C)
def f_cursor_ifexp(x):
    a = x[CS.i if x[0] > 0 else 3]
    advance()
    return a * a * x[CS.i if x[0] > 0 else 3]


def scatter(y, v):
    y = y.copy()
    y[CS.i] = v
    advance()
    return y


def scatter_first(y, v):
    y = y.copy()
    y[0] = v
    advance()
    return y


@prog("helper_copy_setitem_advances", X4, **_C)
def f_helper_copy_setitem_advances(x):
    y = np.zeros(4)
    y = scatter_first(y, x[0] * x[1])
    return np.sum(y * x)


@prog("cursor_helper_setitem", X4, **_C)
def f_cursor_helper_setitem(x):
    y = np.zeros(4)
    y = scatter(y, x[2] * x[3])
    y = scatter(y, x[0] ** 2)
    return np.sum(y * x)


# --- cursors: a module's list read by a primitive, then changed in place by a helper ---

_C5 = dict(
    CS5=types.SimpleNamespace(
        wl=[1.0, 2.0, 3.0, 4.0],
        mask=[True, False, True, False],
        counts=[1, 2, 1, 1],
        rows=[[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 3.0]],
        cond=[x > 0 for x in [1.0, -1.0, 1.0, -1.0]],
    )
)


def bump5():
    CS5.wl[0] = CS5.wl[0] * 3.0
    CS5.mask[1] = True
    CS5.mask[0] = False
    CS5.counts[0] = 3
    CS5.rows[0][0] = 5.0


@prog("list_times_x", X4, **_C5)
def f_list_times_x(x):
    a = np.sum(x * x * CS5.wl)
    bump5()
    return a * np.sum(x * CS5.wl)


@prog("list_np_dot", X4, **_C5)
def f_list_np_dot(x):
    a = np.dot(x * x, CS5.wl)
    bump5()
    return a * np.dot(x, CS5.wl)


@prog("list_np_multiply", X4, **_C5)
def f_list_np_multiply(x):
    a = np.sum(np.multiply(x, CS5.wl) ** 2)
    bump5()
    return a + np.sum(np.multiply(x, CS5.wl))


@prog("list_repeat", X4, **_C5)
def f_list_repeat(x):
    a = np.repeat(x, CS5.counts)
    bump5()
    b = np.repeat(x, CS5.counts)
    return np.sum(a**2) * np.sum(b[:4] * b[:4] * b[:4])


@prog("list_matmul", X4, **_C5)
def f_list_matmul(x):
    a = np.array(CS5.rows) @ (x * x)
    bump5()
    b = np.array(CS5.rows) @ x
    return np.sum(a * b)


@prog("list_matmul_direct", X4, **_C5)
def f_list_matmul_direct(x):
    a = np.dot(CS5.rows, x * x)
    bump5()
    b = np.dot(CS5.rows, x)
    return np.sum(a * b)


@prog("list_where_np", X4, **_C5)
def f_list_where_np(x):
    a = np.where(CS5.mask, x * x, x)
    bump5()
    return np.sum(a * x)


@prog("list_sum_python", X4, **_C5)
def f_list_sum_python(x):
    a = sum(w * v for w, v in zip(CS5.wl, x, strict=True))
    bump5()
    return a * a * sum(w * v for w, v in zip(CS5.wl, x, strict=True))


@prog("list_index_item_number", X4, **_C5)
def f_list_index_item_number(x):
    a = x[0] * CS5.wl[0]
    bump5()
    return a * a * CS5.wl[0] * x[1]


def take_rows(x):
    a = np.dot(CS5.rows, x)
    bump5()
    return a


@prog("list_dot_in_helper", X4, **_C5)
def f_list_dot_in_helper(x):
    a = take_rows(x * x)
    return np.sum(a * np.dot(CS5.rows, x))


# --- state changed by the function itself or by a helper rebinding an item -----------


@prog(
    "direct_list_setitem_after_read",
    X4,
    "either",
    "direct_list_setitem_after_read",
    WL1=[1.0, 2.0, 3.0, 4.0],
)
def f_direct_list_setitem_after_read(x):
    a = np.sum(x * x * WL1)
    WL1[0] = 3.0  # at:direct_list_setitem_after_read
    return a * np.sum(x * WL1)


@prog(
    "direct_list_append_after_read",
    X4,
    "either",
    "direct_list_append_after_read",
    WL2=[1.0, 2.0, 3.0, 4.0],
)
def f_direct_list_append_after_read(x):
    a = np.sum(x * x * WL2[-4:])
    WL2.append(7.0)  # at:direct_list_append_after_read
    return a * np.sum(x * WL2[-4:])


def replace_key():
    KEYED4["a"] = KEYED4["a"] * 2.0


@prog("helper_rebinds_dict_item", X4, KEYED4={"a": np.array([1.0, 2.0, 3.0, 4.0])})
def f_helper_rebinds_dict_item(x):
    a = np.sum(x * x * KEYED4["a"])
    replace_key()
    return a * np.sum(x * KEYED4["a"])


def scale_attr():
    MODEL7.w = MODEL7.w * 2.0


@prog("helper_rebinds_attr", X4, MODEL7=types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0, 4.0])))
def f_helper_rebinds_attr(x):
    a = np.sum(x * x * MODEL7.w)
    scale_attr()
    return a * np.sum(x * MODEL7.w)


def scale_attr_inplace():
    MODEL8.w *= 2.0


@prog(
    "helper_scales_attr_inplace", X4, MODEL8=types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0, 4.0]))
)
def f_helper_scales_attr_inplace(x):
    a = np.sum(x * x * MODEL8.w)
    scale_attr_inplace()
    return a * np.sum(x * MODEL8.w)


def bump_power():
    MODEL9.p = MODEL9.p + 1.0


@prog("helper_moves_exponent", X4, MODEL9=types.SimpleNamespace(p=2.0))
def f_helper_moves_exponent(x):
    a = np.sum(np.abs(x) ** MODEL9.p)
    bump_power()
    return a * np.sum(np.abs(x) ** MODEL9.p)


def bump_nested_list():
    NESTL["w"][0] = NESTL["w"][0] + 1.0


@prog("helper_moves_dict_list", X4, NESTL={"w": [1.0, 2.0, 3.0, 4.0]})
def f_helper_moves_dict_list(x):
    a = np.sum(x * x * np.asarray(NESTL["w"]))
    bump_nested_list()
    return a * np.sum(x * NESTL["w"])


def bump_tuple_list():
    TL[0][0] = 9.0


@prog("helper_moves_list_in_tuple", X4, TL=([1.0, 2.0, 3.0, 4.0],))
def f_helper_moves_list_in_tuple(x):
    a = np.sum(x * x * TL[0])
    bump_tuple_list()
    return a * np.sum(x * TL[0])


@prog("list_item_number_then_move", X4, **_C5)
def f_list_item_number_then_move(x):
    w = CS5.wl
    a = np.sum(x * x) * w[0]
    bump5()
    return a * w[0] * x[1]


# --- a local alias of a module's list or dict, its item read before and after a helper
# --- changes it


def bump_wl3():
    WL3[0] = 3.0


def set_lr4():
    DLR["lr"] = 5.0


def adv_s4():
    S4.i = S4.i + 1


@prog("alias_list_item_moved", 2.0, WL3=[1.0, 2.0])
def f_alias_list_item_moved(x):
    w = WL3
    a = x * w[0]
    bump_wl3()
    return a * w[0]


@prog("alias_dict_item_moved", 2.0, DLR={"lr": 1.0})
def f_alias_dict_item_moved(x):
    d = DLR
    a = x * d["lr"]
    set_lr4()
    return a * d["lr"]


@prog("alias_dict_get_moved", 2.0, DLR2={"lr": 1.0})
def f_alias_dict_get_moved(x):
    d = DLR2
    a = x * d.get("lr")
    set_lr5()
    return a * d.get("lr") * x


def set_lr5():
    DLR2["lr"] = 5.0


@prog("alias_object_attr_moved", 2.0, S4=types.SimpleNamespace(i=0))
def f_alias_object_attr_moved(x):
    s = S4
    a = x * (s.i + 1.0)
    adv_s4()
    return a * (s.i + 1.0)


def bump_rows():
    ROWS2[1][0] = 4.0


@prog("alias_nested_list_moved", X3, ROWS2=[[1.0, 2.0], [3.0, 0.5]])
def f_alias_nested_list_moved(x):
    r = ROWS2[1]
    a = np.sum(x) * r[0]
    bump_rows()
    return a * r[0] + np.sum(x * x) * r[1]


@prog("alias_list_index_cursor", X4, POS2=[0])
def f_alias_list_index_cursor(x):
    p = POS2
    a = x[p[0]]
    move_pos2()
    return a * a * x[p[0]]


def move_pos2():
    POS2[0] = POS2[0] + 2


# --- batch 8: aliases and direct writes, lengths and keys after a helper ---------------


def log_two(v):
    LOG2.append(v)


@prog("alias_len_after_append", 1.5, LOG2=[])
def f_alias_len_after_append(x):
    lg = LOG2
    n = len(lg)
    log_two(1.0)
    return x * (n + 1.0) * len(lg)


@prog("direct_len_after_append", 1.5, LOG3=[])
def f_direct_len_after_append(x):
    n = len(LOG3)
    log_three(1.0)
    return x * (n + 1.0) * len(LOG3) * x


def log_three(v):
    LOG3.append(v)


def add_key():
    DK["c"] = 4.0


@prog("alias_keys_after_helper", 1.5, DK={"a": 1.0, "b": 2.0})
def f_alias_keys_after_helper(x):
    d = DK
    a = x * sum(d.values())
    add_key()
    t = 0.0
    for k in d:
        t = t + d[k] * x
    return a * t


@prog("direct_dict_write_alias", 1.5, "either", "direct_dict_write_alias", DW={"lr": 1.0})
def f_direct_dict_write_alias(x):
    d = DW
    a = x * d["lr"]
    DW["lr"] = 5.0  # at:direct_dict_write_alias
    return a * d["lr"]


def bump_state_list():
    STATE13.wl[0] = 7.0


@prog("object_list_alias_moved", 1.5, STATE13=types.SimpleNamespace(wl=[1.0, 2.0]))
def f_object_list_alias_moved(x):
    s = STATE13
    a = x * s.wl[0]
    bump_state_list()
    return a * s.wl[0] * x


@prog("object_list_local_moved", 1.5, STATE14=types.SimpleNamespace(wl=[1.0, 2.0]))
def f_object_list_local_moved(x):
    wl = STATE14.wl
    a = x * wl[0]
    bump_state_list14()
    return a * wl[0] * x


def bump_state_list14():
    STATE14.wl[0] = 7.0


def set_lr_number():
    CONFIG16["lr"] = 0.1


@prog("number_read_then_helper_op", 1.5, CONFIG16={"lr": 0.4})
def f_number_read_then_helper_op(x):
    lr = CONFIG16["lr"]
    set_lr_number()
    lr *= x
    return lr * CONFIG16["lr"] * x


@prog("alias_loop_items_moved", 1.5, DL={"a": [1.0], "b": [2.0]})
def f_alias_loop_items_moved(x):
    d = DL
    t = 0.0
    for k in ["a", "b"]:
        h = d[k]
        a = x * h[0]
        bump_dl(k)
        t = t + a * h[0]
    return t


def bump_dl(k):
    DL[k][0] = DL[k][0] + 1.0


# --- batch 9: cursors held in a local alias of a module list or dict -------------------


def move_curd2():
    CURD2["lo"] += 1
    CURD2["hi"] += 1


@prog("alias_dict_slice_cursor", X4, CURD2={"lo": 0, "hi": 2})
def f_alias_dict_slice_cursor(x):
    c = CURD2
    a = x[c["lo"] : c["hi"]]
    move_curd2()
    b = x[c["lo"] : c["hi"]]
    return np.sum(a * a * b)


def move_idx6():
    IDX6[0] = IDX6[0] + 2


@prog("alias_index_list", X4, IDX6=[0, 1])
def f_alias_index_list(x):
    idx = IDX6
    a = x[idx]
    move_idx6()
    b = x[idx]
    return np.sum(a * a * b)


@prog("attr_index_list_local", X4, **_C)
def f_attr_index_list_local(x):
    idx = CS.idx
    a = x[idx]
    advance_idx_inplace()
    b = x[idx]
    return np.sum(a * a * b)


@prog("alias_cursor_loop", X4, POS3=[0])
def f_alias_cursor_loop(x):
    p = POS3
    s = 0.0
    for t in range(3):
        s = s + x[p[0]] ** 2 * (t + 1.0)
        move_pos3()
    return s


def move_pos3():
    POS3[0] = POS3[0] + 1


# ======================================================================================
# the checks
# ======================================================================================

H = 1e-6


def _plain(p, x):
    _reset(p)
    return p.f(x)


def _central(p, x, fun=None):
    fun = fun or (lambda v: _plain(p, v))
    x = np.asarray(x, dtype=float)
    g = np.zeros(x.shape + np.shape(fun(x)))
    for i in np.ndindex(x.shape) if x.shape else [()]:
        e = np.zeros(x.shape)
        e[i] = H
        g[i] = (np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * H)
    return g if x.shape else g[()]


def _x(p):
    return p.x0 if np.isscalar(p.x0) else p.x0.copy()


def _direction(p):
    return 1.0 if np.isscalar(p.x0) else np.linspace(0.3, 1.2, p.x0.size).reshape(p.x0.shape)


def _run_api(api, p):
    """(value or None, gradient) of the API, from the reset state."""
    _reset(p)
    x = _x(p)
    if api == "grad":
        return None, ad.grad(p.f)(x)
    if api == "grad_fwd":
        return None, ad.grad(p.f, mode="forward")(x)
    if api == "value_and_grad":
        return ad.value_and_grad(p.f)(x)
    if api == "jvp":
        v, t = ad.jvp(p.f, (x,), (_direction(p),))
        return v, ("dir", t)
    if api == "vjp":
        v, pb = ad.vjp(p.f, x)
        return v, pb(1.0)[0]
    if api == "jacrev":
        return None, ad.jacrev(p.f)(x)
    if api == "jacfwd":
        return None, ad.jacfwd(p.f)(x)
    if api == "hessian":
        return None, ("hess", ad.hessian(p.f)(x))
    raise AssertionError(api)


APIS = ["grad", "grad_fwd", "value_and_grad", "jvp", "vjp", "jacrev", "jacfwd", "hessian"]


def _check(p, api):
    value_plain = _plain(p, _x(p))
    state_plain = _snap_of(p)
    _reset(p)
    state_start = _snap_of(p)
    try:
        value, g = _run_api(api, p)
    except ad.S2SError as e:
        state_after = _snap_of(p)
        assert p.kind in ("either", "refuse"), f"refused: {e}"
        line = _line_of(p.tag)
        assert f"{line}" in str(e), f"refused, not at line {line}: {e}"
        assert _states_same(state_after, state_start) or _states_same(state_after, state_plain), (
            f"refused, module half-updated: {state_after} (plain {state_plain})"
        )
        return "refused"
    state_after = _snap_of(p)
    assert p.kind != "refuse", "not refused"
    assert _states_same(state_after, state_plain), (
        f"module state {state_after} after {api}, {state_plain} after one plain call"
    )
    if value is not None:
        assert np.allclose(value, value_plain, rtol=1e-12, atol=1e-12), (value, value_plain)
    grad_cd = _central(p, _x(p))
    if isinstance(g, tuple) and g[0] == "dir":
        expect = np.sum(grad_cd * _direction(p))
        assert np.allclose(g[1], expect, rtol=1e-5, atol=1e-7), (g[1], expect)
    elif isinstance(g, tuple) and g[0] == "hess":
        hess_cd = _central(p, _x(p), fun=lambda v: _grad_at(p, v))
        hess_cd = np.asarray(hess_cd)
        assert np.allclose(g[1], hess_cd, rtol=1e-4, atol=1e-6), (g[1], hess_cd)
    else:
        assert np.allclose(g, grad_cd, rtol=1e-5, atol=1e-7), (g, grad_cd)
    return "exact"


def _grad_at(p, v):
    _reset(p)
    return ad.grad(p.f)(v)


R_DEEP = (
    "silent wrong module state: a helper calling a helper that returns the module's item "
    "(`lst = outer_item(NEST)`, `outer_item` returning `item_of(d)`), then updated in place "
    "(`lst.append(v)`, `arr[0] = v`, `arr += v`), is neither refused nor run on the module: "
    "the derivative updates a copy, the module keeps its old item (one plain call updates it)"
)
R_DEEP_JACREV = (
    "silent wrong number: jacrev runs the plain call (the module's item is updated) and "
    "then its code updates a copy of the updated item again: the Jacobian of "
    "`x * sum(lst)` after `lst.append(2.0)` is 5.0 where 3.0 is right (4.24 for 3.43 with "
    "`append(x * x)`, [5, 5, 5] for [3, 3, 3] with `arr += 2.0`)"
)
R_TAKE = (
    "silent wrong gradient in reverse mode: `np.take(x, C.idx)` / `x.take(C.idx)` read "
    "before a helper changes `C.idx` (in place or rebinding it) is differentiated with the "
    "list's final value in the pullback (forward mode and `x[C.idx]` are right)"
)
R_WHERE = (
    "silent wrong gradient in reverse mode: `np.where(C.mask, x, 0.0)` with a module's "
    "list mask that a helper then changes in place: the pullback uses the changed mask "
    "(forward mode and `x[C.mask]` are right)"
)
R_HALF = (
    "refused at run time after an earlier effect of the same call ran: "
    "`BUFS8['a'].append(2.0)` is done, `b /= 2.0` (b the module's array) refused: the "
    "module is left half-updated, neither as before nor as one plain call"
)
R_TUPLE = (
    "over-refusal: `t = CONFIG['t']; t += (x,)` of a module's tuple is refused as an "
    "in-place update of a global, though `+=` on a tuple rebinds `t` as on a number"
)
R_VARS = (
    "over-refusal: `vars(STATE12)['buf']` of a module object is refused as a `vars` call "
    "that can read local variables (only `vars()` without an argument does)"
)

R_SECOND = (
    "second order runs a state-moving helper twice: a helper that copies an array, sets "
    "an item and calls `advance()` leaves `CS.i` at 2 after `hessian` where one plain call "
    "leaves 1 (the index it reads the second time is the moved one, so the Hessian of "
    "`cursor_helper_setitem` is wrong too, not symmetric, silently)"
)
R_IDENT = (
    "silent wrong module state: `h = ident(CACHE['k'])`, a helper returning its argument "
    "given the module's item, then `h.append(2.0)`: not refused, the derivative appends to "
    "a copy and the module keeps its old list (jacrev: 5.0 where 3.0 is right)"
)

R_LIST_REPEAT = (
    "crash in reverse mode: `np.repeat(x, CS.counts)` with a module's list of counts a "
    "helper then changes in place: the pullback repeats by the changed counts, a "
    "ValueError whose message claims the plain call raises it too (it does not)"
)

R_ALIAS = (
    "silent wrong value and derivative in every API: a local alias of a module's list or "
    "dict (`w = W`, `d = D`, `r = ROWS[1]`, `p = POS`), its item read before and after a "
    "helper changes that item (`W[0] = 3.0`, `D['lr'] = 5.0`, `POS[0] += 2`): the second "
    "read gives the old item (`w = W; a = x * w[0]; bump(); return a * w[0]` is 2.0 at "
    "x = 2 where the plain call gives 6.0; `lg = LOG; n = len(lg); log(v); len(lg)` gives "
    "the old length; `wl = STATE.wl` too); read through the global's own name, or an "
    "object's attribute through an alias of the object, it is right (hessian mostly right); "
    "the same for cursors: `c = CUR; x[c['lo'] : c['hi']]`, `idx = CS.idx; x[idx]`"
)

XFAIL = {
    # (R_DEEP, R_DEEP_JACREV, R_IDENT: a module's item reached through two helpers, or an
    # identity helper, updated in place: the module kept its old item, silently, until
    # session 55 refused it at the update, ssa/aliasing.py)
    # (R_TAKE, R_WHERE, R_LIST, R_LIST_REPEAT: a module's list read by a NumPy function or
    # an operator, or a local name for it read as an index, then changed by a helper: the
    # pullback read it changed, wrong gradients silently or a crash, until session 55 copied
    # it where it is read, ssa/state_reads.py)
    # (R_JACREV_TWICE: jacrev ran the plain call before its code refused an update when it
    # ran, until session 56: such code is swept row by row, vector_reverse.py)
    ("refuse_after_half_update", "*"): R_HALF,
    # (R_ALIAS: a local name for a module's list or dict went stale after a helper changed
    # its item, the value and derivative wrong silently, until session 55: ssa/cse.py reads
    # items, lengths and what a module's object holds again after such a call)
    # (R_LIST of `helper_moves_list_in_tuple`, a module's list read through a tuple's item:
    # until session 56, which follows what a local holds out of a module's container)
    # (R_LIST_DOT: `np.dot(x, WL)` of a module's list crashed in reverse mode until
    # session 56: rt.dot_vjp_left/right take lists)
    ("cursor_helper_setitem", "hessian"): R_SECOND,
    ("helper_copy_setitem_advances", "hessian"): R_SECOND,
    ("tuple_iadd", "*"): R_TUPLE,
    ("read_vars_buf", "*"): R_VARS,
}


def _params():
    out = []
    for name, p in PROGRAMS.items():
        for api in APIS:
            if api == "hessian" and not p.order2:
                continue
            reason = XFAIL.get((name, api)) or XFAIL.get((name, "*"))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(name, api, marks=marks, id=f"{name}-{api}"))
    return out


@pytest.mark.parametrize(("name", "api"), _params())
def test_program(name, api):
    _check(PROGRAMS[name], api)


# ======================================================================================
# a number the derivative was made for, an array on a later call (the cached derivative)
# ======================================================================================


@pytest.mark.parametrize("api", ["grad", "grad_fwd", "value_and_grad", "jvp", "vjp", "hessian"])
@pytest.mark.parametrize(
    ("name", "key", "later", "tag"),
    [
        ("number_then_array", "CONFIG11", {"lr": np.array([0.4, 0.8])}, "number_then_array"),
        ("number_then_array", "CONFIG11", {"lr": np.array(0.4)}, "number_then_array"),
        ("weights_then_arrays", "WEIGHTS5", [0.5, np.array([1.0, 2.0])], "weights_then_arrays"),
    ],
)
def test_number_then_array(name, key, later, tag, api):
    p = PROGRAMS[name]
    _check(p, api)  # a number: exact
    q = types.SimpleNamespace(**{**vars(p), "init": {key: later}, "kind": "refuse", "tag": tag})
    _check(q, api)  # an array now: refused, the module as it was or as one plain call left it


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        res = []
        for api in APIS:
            try:
                res.append(f"{api}:{_check(PROGRAMS[name], api)}")
            except Exception as e:
                res.append(f"{api}:FAIL[{type(e).__name__}: {str(e)[:300]}]".replace("\n", " "))
        print(name, " | ".join(res), flush=True)
