"""Locals holding a module's object, or an item of one, read before and after a helper (or
a setter's `partial`) changes the module: `r = M[0]` (a view of the module's array),
`d = CFG; d["arr"]`, `idx = IDXS["i"]` (a list of indices in a module's dict),
`SET_M00 = partial(M.__setitem__, (0, 0))`; setters called in a loop whose iterations read
what they set (a local `partial(setattr, …)`, `lambda: STATE.__setattr__(…)`, `setattr(h,
…)` of `h = HOLD["s"]`). The plain call reads the changed state through
them; so must every derivative, in both sweeps. Each derivative equals central differences,
its value the plain call's, and the module state after it the state one plain call leaves."""

import functools

import numpy as np
import pytest
from module_state_checks import assert_exact

import s2s_ad as ad

M0 = np.array([[1.0, 2.0, 0.5], [0.3, -1.0, 2.0], [0.7, 0.2, -0.4]])
M = M0.copy()
CFG = {"arr": np.array([0.5, 1.5, -0.5]), "k": 2.0}
IDXS = {"i": [0, 2, 1]}
W = [0.5, -1.5, 2.0]


class Box:
    pass


HOLD = {"s": Box()}
STATE = Box()


def reset():
    M[:] = M0
    CFG["arr"] = np.array([0.5, 1.5, -0.5])
    IDXS["i"] = [0, 2, 1]
    W[:] = [0.5, -1.5, 2.0]
    HOLD["s"].buf = np.array([1.0, -2.0, 0.5])
    HOLD["s"].rate = 1.0
    STATE.n = 0


def snapshot():
    held = HOLD["s"].buf.tolist(), HOLD["s"].rate, STATE.n
    return M.tolist(), CFG["arr"].tolist(), list(IDXS["i"]), list(W), held


reset()


def bump_m():
    M[0, 0] += 1.0
    M[1, 2] *= 2.0


def double_arr():
    CFG["arr"] *= 2.0


def double_buf():
    HOLD["s"].buf *= 2.0


def sort_idx():
    IDXS["i"].sort()


def set_idx():
    IDXS["i"][0] = 2


SET_M00 = functools.partial(M.__setitem__, (0, 0))
APPEND_W = functools.partial(W.append)


def row_view(x):
    r = M[0]
    a = r @ x
    bump_m()
    b = r @ x
    return a * b


def slice_view(x):
    r = M[1:]
    a = np.sum(r @ np.sin(x))
    bump_m()
    return a + np.sum(r @ x)


def element(x):
    e = M[1, 2]
    a = e * x
    bump_m()
    return np.sum(a * M[1, 2] * x)


def row_view_copied_name(x):
    r = M[0]
    s = r
    a = s @ x
    bump_m()
    return a * (r @ x)


def rows_in_loop(x):
    y = 0.0
    for i in range(3):
        r = M[i]
        y = y + np.tanh(r @ x)
        bump_m()
        y = y + r @ x
    return y


def dict_alias(x):
    d = CFG
    a = d["arr"] * x
    double_arr()
    b = d["arr"] * x
    return np.sum(a * b)


def dict_item_kept(x):
    arr = CFG["arr"]
    a = np.sum(arr * x)
    double_arr()
    return a * np.sum(arr * x**2)


def held_object_attribute(x):
    o = HOLD["s"]
    a = o.buf @ x
    double_buf()
    return a * (o.buf @ x)


def index_list_sorted(x):
    idx = IDXS["i"]
    a = x[idx]
    sort_idx()
    b = x[idx]
    return np.sum(a * b * np.array([1.0, 2.0, 3.0]))


def index_list_set(x):
    idx = IDXS["i"]
    a = np.take(x, idx)
    set_idx()
    b = np.take(x, idx)
    return np.sum(a * b * np.array([1.0, 2.0, 3.0]))


def setter_partial_of_array(x):
    m = M
    a = m @ x
    SET_M00(9.0)
    b = m @ x
    return np.sum(a * b)


def append_partial_of_list(x):
    a = np.sum(np.array(W) * x)
    APPEND_W(1.0)
    return a * len(W) + np.sum(np.array(W[:3]) * x**2)


def local_partial_setter_in_loop(x):
    put = functools.partial(setattr, HOLD["s"], "rate")
    w = x
    for i in range(2):
        put(0.5 * (i + 1))
        w = w * HOLD["s"].rate + np.sin(w)
    return np.sum(w)


def own_setter_lambda_in_loop(x):
    bump = lambda: STATE.__setattr__("n", STATE.n + 1)  # noqa: E731
    s = 0.0
    for _ in range(3):
        bump()
        s = s + np.sum(x**2) * STATE.n
    return s


def setattr_of_local_holder_in_loop(x):
    h = HOLD["s"]
    w = x
    for i in range(3):
        setattr(h, "rate", 0.25 * i)  # noqa: B010
        w = w + np.tanh(w) * HOLD["s"].rate
    return np.sum(w)


PROGRAMS = [
    local_partial_setter_in_loop,
    own_setter_lambda_in_loop,
    setattr_of_local_holder_in_loop,
    row_view,
    slice_view,
    element,
    row_view_copied_name,
    rows_in_loop,
    dict_alias,
    dict_item_kept,
    held_object_attribute,
    index_list_sorted,
    index_list_set,
    setter_partial_of_array,
    append_partial_of_list,
]
X = np.array([0.5, -1.0, 2.0])


@pytest.mark.parametrize("api", ["grad", "grad_forward", "value_and_grad", "jacrev", "hessian"])
@pytest.mark.parametrize("f", PROGRAMS, ids=lambda f: f.__name__)
def test_module_holder_read_across_writer_is_exact(f, api):
    assert_exact(f, X, api, reset, snapshot)


LG = []
HIST = {"a": []}


def log_one():
    LG.append(1.0)
    HIST["a"].append(1.0)


def checkpointed_len_of_local(x):
    lg = LG
    w = x
    for _ in ad.checkpoint(range(4), every=2):
        w = w * 0.9 + np.sin(w) * len(lg)
        log_one()
    return np.sum(w)


def checkpointed_len_of_copied_local(x):
    lg = LG
    h = lg
    w = x
    for _ in ad.checkpoint(range(4), every=2):
        log_one()
        w = w * 0.9 + np.sin(w) * len(h)
    return np.sum(w)


def checkpointed_item_of_local_dict(x):
    d = HIST
    w = x
    for _ in ad.checkpoint(range(4), every=2):
        w = w * 0.9 + np.sin(w) * len(d["a"])
        log_one()
    return np.sum(w)


@pytest.mark.parametrize(
    "f",
    [checkpointed_len_of_local, checkpointed_len_of_copied_local, checkpointed_item_of_local_dict],
    ids=lambda f: f.__name__,
)
def test_checkpointed_read_through_local_of_changed_state_is_refused(f):
    LG.clear()
    HIST["a"].clear()
    with pytest.raises(ad.S2SError, match="checkpointed loop that reads it back"):
        ad.grad(f)(X)
