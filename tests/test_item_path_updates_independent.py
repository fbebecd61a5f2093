# ruff: noqa: E501  (the expected-failure reasons quote code and numbers in full)
"""Independent tests: updates through an item of a local list or dict.

``hist["loss"].append(v)``, ``rows[i][j] = v``, ``d["w"][0] = v`` and deeper paths, and
the cases where the item object is shared with another name or slot.  Each program is
either ordinary (no sharing: s2s_ad must give Python's numbers) or sharing (Python's numbers,
or an ``S2SError`` naming this file and a line of the program).
"""

import copy
import os
import re
import types

import numpy as np
import pytest

import s2s_ad

THIS_FILE = os.path.basename(__file__)
POINTS = [np.array([0.3, -0.7, 1.1, 0.5]), np.array([1.2, 0.4, -0.9, 0.8])]
ORDINARY = []
SHARING = []


XFAILS = {
    "pop_as_statement": "wrongful refusal: `buf['q'].pop(0)` as a statement after `buf['q'].append(v)`, buf = {'q': [...]} a display: 'does not know here to be a list'",
    "copy_copy_ordinary": "wrongful refusal: `cur = copy.copy(base)` of a local list is UnknownCalleeError 'no derivative rule for `copy.copy`' (the hint asks for a defvjp rule; list(base) works)",
    "dict_item_pop": "wrongful refusal: `v = hist['loss'].pop()` (pop of an item list used as a value) is refused as UnsupportedSyntaxError 'updates `the value` in place' (unclear: names no list)",
    "ring_pop_front": "wrongful refusal: `v = buf['q'].pop(0)` (pop of an item list used as a value) is refused as UnsupportedSyntaxError 'updates `the value` in place' (unclear: names no list)",
    "pop_in_branch": "wrongful refusal: `v = hist['loss'].pop()` (pop of an item list used as a value) is refused as UnsupportedSyntaxError 'updates `the value` in place' (unclear: names no list)",
    "nested_dict_logs": "wrongful refusal: `logs['train']['loss'].append(v)` with logs a dict display of dicts of lists: 'does not know here to be a list or dict'",
    "deep_dict_of_list_of_arrays": "wrongful refusal: `m['layers'][1][0] = v` with m = {'layers': [a.copy(), b.copy()]}: 'does not know here to be a list or dict'",
    "list_of_lists_of_lists_append": "wrongful refusal: `hist[i % 2][i // 2].append(v)` on a display [[[], []], [[], []]]: 'does not know here to be a list or dict'",
    "object_holds_list": "wrong number, no error: box = _Holder(hist['loss']); hist['loss'].append(v); sum(box.items): value -0.21 vs Python -0.91 at x=[.3,-.7,1.1,.5]; grad [-.7,.3,0,0] vs fd [-.7,1.3,0,-1.4] (both modes)",
    "list_in_two_dicts": "wrong number, no error: a in d1 and d2; d1['l'].append(v); sum(d2['l']): value 0.30 vs 0.79; grad [1,0,0,0] vs fd [1,-1.4,0,0] (both modes)",
    "list_in_two_lists": "wrong number, no error: lst in outer1 and outer2; outer1[0].append(v); sum(outer2[0]): value -0.40 vs 0.15; grad [1,1,0,0] vs fd [1,1,.5,1.1]",
    "item_appended_into_two": "wrong number, no error: a.append(inner); b.append(inner); a[0].append(v); sum(b[0]): value 0.33 vs -2.75; grad [1.1,0,.3,0] vs fd [1.1,4.4,-2.5,0]",
    "helper_returned_item_alias": "wrong number, no error: losses = _get_losses(hist) (returns h['loss']); hist['loss'].append(v); sum(losses): value 0.30 vs -0.47; grad [1,0,0,0] vs fd [1,1.1,-.7,0]",
    "snapshot_in_loop": "wrong number, no error: snaps.append(hist['loss']) in the loop after hist['loss'].append(v): value 6.09 vs 10.79; grad [.6,0,0,0] vs fd [.6,-1.4,2.2,0]",
    "list_holding_item_of_list": "wrong number, no error: keep = [rows[0]]; rows[0][0] = v; keep[0][0]: value -0.40 vs -0.45; grad [1,1,0,0] vs fd [0,1,0,1]",
    "dict_values_view_list": "wrong number, no error: vals = list(hist.values()); hist['loss'].append(v); sum(vals[0]): value -0.21 vs -0.595; grad [-.7,.3,0,0] vs fd [-.7,.85,-.35,-.77]",
    "zip_rows_after_update": "wrong number, no error: pairs = [(r, r) for r in rows]; rows[1][0] = v; pairs[1][0][0]: value 0.55 vs 1.2; grad [0,0,.5,1.1] vs fd [4,0,0,2.4]",
    "sorted_copy_holds_items": "wrong number, no error: srt = sorted(rows, key=len); rows[0].append(v); sum(srt[0]): value -0.35 vs 0.75; grad [0,.5,0,-.7] vs fd [0,.5,1,1.5]",
}
HESSIAN_XFAILS = {
    "nested_dict_logs": "hessian refused as gradient: wrongful refusal: `logs['train']['loss'].append(v)` with logs a dict display of dicts of lists: 'does not know here to be a list or dict'",
    "list_of_lists_of_lists_append": "hessian refused as gradient: wrongful refusal: `hist[i % 2][i // 2].append(v)` on a display [[[], []], [[], []]]: 'does not know here to be a list or dict'",
    "deep_dict_of_list_of_arrays": "hessian refused as gradient: wrongful refusal: `m['layers'][1][0] = v` with m = {'layers': [a.copy(), b.copy()]}: 'does not know here to be a list or dict'",
}


def ordinary(reason=None):
    def deco(f):
        ORDINARY.append((f, reason))
        return f

    return deco


def sharing(reason=None):
    def deco(f):
        SHARING.append((f, reason))
        return f

    return deco


def _central(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _check_refusal(f, err):
    msg = str(err)
    m = re.search(re.escape(THIS_FILE) + r":(\d+)", msg)
    assert m, f"refusal does not name {THIS_FILE}:LINE: {msg}"
    first = f.__code__.co_firstlineno
    last = max(ln for _, _, ln in f.__code__.co_lines() if ln is not None)
    assert first <= int(m.group(1)) <= last, f"line {m.group(1)} not in {f.__name__}: {msg}"


def _check(f, allow_refusal):
    for x0 in POINTS:
        try:
            value, g = s2s_ad.value_and_grad(f)(x0.copy())
        except s2s_ad.S2SError as err:
            if not allow_refusal:
                pytest.fail(f"ordinary code refused: {type(err).__name__}: {err}")
            _check_refusal(f, err)
            with pytest.raises(s2s_ad.S2SError):
                s2s_ad.grad(f, mode="forward")(x0.copy())
            return "refused"
        ref = f(x0.copy())
        np.testing.assert_allclose(value, ref, rtol=1e-12, atol=1e-12)
        fd = _central(f, x0.copy())
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)
        gf = s2s_ad.grad(f, mode="forward")(x0.copy())
        np.testing.assert_allclose(gf, g, rtol=1e-10, atol=1e-10)
    return "exact"


# ----------------------------------------------------------------------------------------
# ordinary programs: no item is shared; s2s_ad must give Python's numbers
# ----------------------------------------------------------------------------------------


@ordinary()
def train_log_hist(x):
    w = np.zeros(4)
    hist = {"loss": [], "grad_norm": []}
    for _t in range(3):
        r = w - x
        loss = np.sum(r**2)
        gr = 2.0 * r
        hist["loss"].append(loss)
        hist["grad_norm"].append(np.sqrt(np.sum(gr**2) + 1e-3))
        w = w - 0.1 * gr
    return hist["loss"][-1] + 0.1 * sum(hist["grad_norm"])


@ordinary()
def per_layer_buffers(x):
    bufs = [[] for _ in range(3)]
    h = x
    for layer in range(3):
        h = np.tanh(h * (layer + 1.0) + 0.1)
        bufs[layer].append(np.sum(h))
        bufs[layer].append(np.sum(h**2))
    return sum(b[0] * b[1] for b in bufs)


@ordinary()
def ring_buffer_two(x):
    buf = [[], []]
    for i in range(4):
        buf[i % 2].append(x[i] * (i + 1.0))
    return sum(buf[0]) * sum(buf[1])


@ordinary()
def rows_extend(x):
    rows = [[x[0]], [x[1]]]
    for i in range(2):
        rows[i].extend([x[2] * i, x[3] ** 2])
    return np.sum(np.array(rows) ** 2)


@ordinary()
def dict_item_insert(x):
    d = {"q": [x[0], x[1]]}
    d["q"].insert(0, np.sin(x[2]))
    d["q"].insert(2, x[3] * x[0])
    return d["q"][0] * 2.0 + d["q"][1] * d["q"][2] + d["q"][3]


@ordinary()
def dict_item_pop(x):
    hist = {"loss": [x[0] ** 2, x[1] * x[2], x[3]]}
    last = hist["loss"].pop()
    first = hist["loss"].pop(0)
    return last * first + sum(hist["loss"]) + len(hist["loss"])


@ordinary()
def grid_from_nested(x):
    grid = [[0.0] * 3 for _ in range(2)]
    for i in range(2):
        for j in range(3):
            grid[i][j] = np.sin(x[i] * (j + 1.0)) + x[j + 1]
    a = np.array(grid)
    return np.sum(a @ a.T)


@ordinary()
def grid_augmented(x):
    grid = [[x[0], x[1]], [x[2], x[3]]]
    for i in range(2):
        for j in range(2):
            grid[i][j] += x[i + j] * grid[j][i]
    return np.linalg.det(np.array(grid))


@ordinary()
def params_elementwise(x):
    params = {"w": x * 1.5, "b": np.ones(2)}
    for i in range(4):
        params["w"][i] = params["w"][i] * x[(i + 1) % 4] + 0.1
    params["b"][0] = np.sum(params["w"])
    return np.sum(params["w"] ** 2) + params["b"][0] * params["b"][1]


@ordinary()
def list_of_arrays_first(x):
    ws = [x[:2] * 2.0, x[2:] + 1.0]
    for k in range(2):
        ws[k][0] = np.exp(ws[k][1]) * ws[k][0]
    return np.sum(ws[0] * ws[1])


@ordinary()
def cube_three_deep(x):
    cube = [[[0.0, 0.0] for _ in range(2)] for _ in range(2)]
    for i in range(2):
        for j in range(2):
            for k in range(2):
                cube[i][j][k] = x[i] * x[j + 2] + k * x[k]
    return np.sum(np.array(cube) ** 2)


@ordinary()
def branchy_logging(x):
    log = {"pos": [], "neg": []}
    for i in range(4):
        if x[i] > 0:
            log["pos"].append(x[i] ** 2)
        else:
            log["neg"].append(np.exp(x[i]))
    return sum(log["pos"]) - 2.0 * sum(log["neg"]) + len(log["pos"])


@ordinary()
def while_logging(x):
    hist = {"v": []}
    v = x[0]
    n = 0
    while n < 3:
        v = np.cos(v) + x[n + 1]
        hist["v"].append(v)
        n += 1
    return hist["v"][0] * hist["v"][-1]


@ordinary()
def nested_dict_logs(x):
    logs = {"train": {"loss": []}, "val": {"loss": []}}
    for i in range(2):
        logs["train"]["loss"].append(x[i] ** 2)
        logs["val"]["loss"].append(x[i + 2] * x[i])
    return sum(logs["train"]["loss"]) * sum(logs["val"]["loss"])


@ordinary()
def alias_read_after_update(x):
    rows = [[x[0], x[1]], [x[2], x[3]]]
    rows[0][1] = x[2] * x[3]
    r0 = rows[0]
    return r0[0] * r0[1] + rows[1][0]


@ordinary()
def ring_pop_front(x):
    buf = {"q": [x[0], x[1]]}
    total = 0.0
    for i in range(2, 4):
        buf["q"].append(x[i] * buf["q"][-1])
        old = buf["q"].pop(0)
        total = total + old * buf["q"][0]
    return total + sum(buf["q"])


@ordinary()
def rows_from_copies(x):
    base = [x[0], x[1], x[2]]
    rows = [list(base) for _ in range(2)]
    rows[1][2] = x[3] ** 3
    return sum(rows[0]) * sum(rows[1])


def _loss_term(v, c):
    return np.tanh(v * c) ** 2


@ordinary()
def helper_values_logged(x):
    hist = {"loss": []}
    for i in range(4):
        hist["loss"].append(_loss_term(x[i], 0.5 * (i + 1)))
    return max(hist["loss"]) + sum(hist["loss"])


def _make_hist(x):
    h = {"loss": [x[0]]}
    h["loss"].append(x[1] * 2.0)
    return h


@ordinary()
def helper_builds_hist(x):
    hist = _make_hist(x)
    hist["loss"].append(x[2] * x[3])
    return sum(hist["loss"]) * hist["loss"][1]


@ordinary()
def sgd_dict_params(x):
    params = {"w": np.zeros(4)}
    for _t in range(3):
        for i in range(4):
            params["w"][i] -= 0.2 * (params["w"][i] - x[i] ** 2)
    return np.sum(params["w"] * x)


@ordinary()
def list_of_arrays_row_update(x):
    ws = [np.outer(x[:2], x[2:]), np.eye(2)]
    ws[0][1] = ws[0][0] * x[0]
    ws[1][0, 1] = x[3]
    return np.sum(ws[0] @ ws[1])


@ordinary()
def per_layer_activations_stacked(x):
    acts = {"h": [], "z": []}
    h = x
    for k in range(2):
        z = h * (1.0 + k) - 0.2
        acts["z"].append(z)
        h = np.tanh(z)
        acts["h"].append(h)
    return np.sum(np.stack(acts["h"]) * np.stack(acts["z"]))


@ordinary()
def grid_item_after_append(x):
    rows = [[], []]
    for i in range(4):
        rows[i // 2].append(x[i])
    rows[1][0] = rows[0][1] * rows[1][1]
    return np.sum(np.array(rows) ** 2)


@ordinary()
def insert_in_loop(x):
    d = {"s": [x[0]]}
    for i in range(1, 4):
        d["s"].insert(0, d["s"][0] * x[i] + 0.1)
    return d["s"][0] + 2.0 * d["s"][-1] + d["s"][1]


@ordinary()
def pop_in_branch(x):
    hist = {"loss": [x[0], x[1], x[2]]}
    if x[3] > 0.6:  # noqa: SIM108 (a branch on purpose)
        v = hist["loss"].pop()
    else:
        v = hist["loss"].pop(0)
    return v * sum(hist["loss"])


@ordinary()
def deep_dict_of_list_of_arrays(x):
    m = {"layers": [x[:2].copy(), x[2:].copy()]}
    m["layers"][1][0] = m["layers"][0][1] ** 2
    m["layers"][0][0] += m["layers"][1][1]
    return np.sum(m["layers"][0] * m["layers"][1])


@ordinary()
def list_of_lists_of_lists_append(x):
    hist = [[[], []], [[], []]]
    for i in range(4):
        hist[i % 2][i // 2].append(x[i] ** 2)
        hist[i % 2][i // 2].append(x[i])
    return sum(sum(c[0] * c[1] for c in r) for r in hist)


@ordinary()
def hist_mean_of_last(x):
    hist = {"loss": []}
    w = x.copy()
    for _t in range(4):
        w = w - 0.3 * np.sin(w)
        hist["loss"].append(np.mean(w**2))
    recent = hist["loss"][-2:]
    return sum(recent) / len(recent)


@ordinary()
def rows_jac_vector(x):
    grid = [[0.0] * 2 for _ in range(2)]
    for i in range(2):
        for j in range(2):
            grid[i][j] = x[i] * np.exp(x[j + 2])
    return np.array(grid).ravel()


@ordinary()
def pop_as_statement(x):
    buf = {"q": [x[0], x[1], x[2]]}
    buf["q"].append(x[3] ** 2)
    buf["q"].pop(0)
    buf["q"].pop()
    return buf["q"][0] * buf["q"][1]


@ordinary()
def list_of_arrays_loop_comprehension(x):
    ws = [x * (k + 1.0) for k in range(3)]
    for k in range(3):
        ws[k][0] = np.tanh(ws[k][k + 1])
        ws[k][3] += ws[k][0] * 0.5
    return sum(np.sum(w**2) for w in ws)


@ordinary()
def logging_with_break(x):
    hist = {"loss": [], "step": []}
    v = x[0]
    for i in range(1, 4):
        v = v * 0.5 + x[i]
        hist["loss"].append(v**2)
        hist["step"].append(i)
        if len(hist["loss"]) >= 2:
            break
    return sum(hist["loss"]) + hist["step"][-1]


@ordinary()
def grid_branch_update(x):
    grid = [[x[0], x[1]], [x[2], x[3]]]
    for i in range(2):
        if grid[i][0] > 0:
            grid[i][1] = grid[i][0] * 2.0
        else:
            grid[i][1] += np.exp(grid[i][0])
    return np.sum(np.array(grid) ** 2)


@ordinary()
def rows_augmented_loop_of_lists(x):
    rows = [[x[0], x[1]] for _ in range(2)]
    for i in range(2):
        for j in range(2):
            rows[i][j] *= x[2 + i] + j
    return rows[0][0] * rows[1][1] + rows[0][1] - rows[1][0]


@ordinary()
def copy_copy_ordinary(x):
    base = [x[0], x[1]]
    cur = copy.copy(base)
    cur[0] = x[2] * x[3]
    return sum(cur) * sum(base)


# ----------------------------------------------------------------------------------------
# sharing programs: Python's numbers, or a located refusal
# ----------------------------------------------------------------------------------------


@sharing()
def repeated_row(x):
    rows = [[0.0] * 2] * 2
    rows[0][1] = x[0] * x[1]
    return rows[1][1] + x[2]


@sharing()
def same_row_twice(x):
    row = [x[0], x[1]]
    rows = [row, row]
    rows[0][0] = x[2] ** 2
    return rows[1][0] * rows[1][1]


@sharing()
def alias_of_item_read_later(x):
    hist = {"loss": [x[0]]}
    losses = hist["loss"]
    hist["loss"].append(x[1] * x[2])
    return sum(losses) + len(losses)


@sharing()
def shallow_dict_copy(x):
    hist = {"loss": [x[0]]}
    old = dict(hist)
    hist["loss"].append(x[1] ** 2)
    return sum(old["loss"]) * x[3]


@sharing()
def shallow_dot_copy(x):
    hist = {"loss": [x[0]]}
    old = hist.copy()
    hist["loss"].append(x[2] * 3.0)
    return sum(old["loss"]) + old["loss"][-1]


@sharing()
def copy_module_copy(x):
    hist = {"loss": [x[0], x[1]]}
    old = copy.copy(hist)
    hist["loss"][0] = x[3] * 5.0
    return old["loss"][0] * old["loss"][1]


@sharing()
def list_of_rows_copy(x):
    rows = [[x[0]], [x[1]]]
    rows2 = list(rows)
    rows[0].append(x[2])
    return sum(rows2[0]) * len(rows2[0])


@sharing()
def rows_dot_copy_update(x):
    rows = [[x[0], x[1]], [x[2], x[3]]]
    rows2 = rows.copy()
    rows2[0][0] = x[3] ** 2
    return rows[0][0] * rows[1][1]


@sharing()
def namespace_holds_list(x):
    hist = {"loss": [x[0]]}
    ns = types.SimpleNamespace(items=hist["loss"])
    hist["loss"].append(x[1] * x[2])
    return sum(ns.items)


class _Holder:
    def __init__(self, items):
        self.items = items


@sharing()
def object_holds_list(x):
    hist = {"loss": [x[0]]}
    box = _Holder(hist["loss"])
    hist["loss"].append(x[3] * 2.0)
    return sum(box.items) * x[1]


@sharing()
def list_in_two_dicts(x):
    a = [x[0]]
    d1 = {"l": a}
    d2 = {"l": a}
    d1["l"].append(x[1] ** 2)
    return sum(d2["l"])


@sharing()
def list_in_two_lists(x):
    lst = [x[0]]
    outer1 = [lst]
    outer2 = [lst, [x[1]]]
    outer1[0].append(x[2] * x[3])
    return sum(outer2[0]) + outer2[1][0]


@sharing()
def item_appended_into_two(x):
    inner = [x[0]]
    a = []
    b = []
    a.append(inner)
    b.append(inner)
    a[0].append(x[1] * 4.0)
    return sum(b[0]) * x[2]


@sharing()
def array_and_view_in_dict(x):
    a = x * 2.0
    d = {"w": a, "v": a[:2]}
    d["w"][0] = x[1] ** 2
    return d["v"][0] + d["v"][1]


@sharing()
def array_twice_in_dict(x):
    a = x * 1.0 + 1.0
    d = {"w": a, "u": a}
    d["w"][1] = x[2] * x[3]
    return np.sum(d["u"] ** 2)


@sharing()
def array_twice_in_list(x):
    a = np.sin(x)
    ws = [a, a]
    ws[0][0] = x[3] * 3.0
    return ws[1][0] * ws[1][2]


@sharing()
def array_read_by_name_after_dict_update(x):
    a = x**2
    d = {"w": a}
    d["w"][0] = x[1] * 10.0
    return a[0] + a[2]


@sharing()
def alias_name_of_row(x):
    rows = [[x[0], x[1]], [x[2], x[3]]]
    r0 = rows[0]
    rows[0][1] = x[2] * 7.0
    return r0[1] * r0[0]


@sharing()
def shared_buffers_ring(x):
    bufs = [[]] * 2
    for i in range(4):
        bufs[i % 2].append(x[i] * (i + 1.0))
    return sum(bufs[0]) * len(bufs[1])


@sharing()
def slot_rebound_to_other(x):
    bufs = [[x[0]], [x[1]]]
    bufs[0] = bufs[1]
    bufs[0].append(x[2] ** 2)
    return sum(bufs[1]) * x[3]


@sharing()
def pop_seen_by_alias(x):
    hist = {"loss": [x[0], x[1], x[2]]}
    a = hist["loss"]
    hist["loss"].pop()
    return sum(a) * len(a)


@sharing()
def insert_seen_by_alias(x):
    hist = {"loss": [x[0], x[1]]}
    a = hist["loss"]
    hist["loss"].insert(0, x[3] * 6.0)
    return a[0] * a[1]


@sharing()
def extend_seen_through_copy(x):
    rows = [[x[0]], [x[1]]]
    snap = rows[:]
    rows[1].extend([x[2], x[3]])
    return sum(snap[1]) * len(snap[1])


@sharing()
def argument_view_in_list(x):
    ws = [x[:2]]
    ws[0][0] = 2.0 * x[3]
    return np.sum(x**2)


@sharing()
def argument_in_dict(x):
    params = {"w": x}
    params["w"][1] = params["w"][0] * 3.0
    return np.sum(x * params["w"])


def _get_losses(h):
    return h["loss"]


@sharing()
def helper_returned_item_alias(x):
    hist = {"loss": [x[0]]}
    losses = _get_losses(hist)
    hist["loss"].append(x[1] * x[2])
    return sum(losses)


@sharing()
def snapshot_in_loop(x):
    hist = {"loss": []}
    snaps = []
    for i in range(3):
        hist["loss"].append(x[i] ** 2)
        snaps.append(hist["loss"])
    return sum(len(s) for s in snaps) + sum(snaps[0])


@sharing()
def alias_read_each_iteration(x):
    hist = {"loss": [x[3]]}
    view = hist["loss"]
    total = 0.0
    for i in range(3):
        hist["loss"].append(x[i] * 2.0)
        total = total + view[-1]
    return total


@sharing()
def branch_makes_sharing(x):
    row = [x[0], x[1]]
    if x[2] > 0:  # noqa: SIM108 (a branch on purpose)
        rows = [row, row]
    else:
        rows = [list(row), list(row)]
    rows[0][1] = x[3] * 4.0
    return rows[1][1] * rows[1][0]


@sharing()
def cube_shared_inner_rows(x):
    cube = [[[0.0] * 2] * 2 for _ in range(2)]
    cube[0][0][1] = x[0] * x[1]
    cube[1][1][0] = x[2]
    return cube[0][1][1] + cube[1][0][0] * x[3]


@sharing()
def list_holding_item_of_list(x):
    rows = [[x[0], x[1]], [x[2]]]
    keep = [rows[0]]
    rows[0][0] = x[3] ** 2
    return keep[0][0] + keep[0][1]


@sharing()
def array_item_view_of_local(x):
    a = np.cos(x)
    d = {"m": a.reshape(2, 2)}
    d["m"][0][1] = x[0] * 9.0
    return np.sum(a * a)


@sharing()
def augmented_on_shared_array(x):
    a = x * 3.0
    ws = [a, a.copy()]
    b = a
    ws[0][2] += x[1] ** 2
    return np.sum(b) + np.sum(ws[1])


@sharing()
def list_items_then_np_array(x):
    zero = [0.0, 0.0]
    grid = [zero, zero]
    for i in range(2):
        grid[i][i] = x[i] + x[i + 2]
    return np.sum(np.array(grid) ** 2)


@sharing()
def dict_values_view_list(x):
    hist = {"loss": [x[0]], "acc": [x[1]]}
    vals = list(hist.values())
    hist["loss"].append(x[2] * x[3])
    return sum(vals[0]) * sum(vals[1])


@sharing()
def zip_rows_after_update(x):
    rows = [[x[0], x[1]], [x[2], x[3]]]
    pairs = [(r, r) for r in rows]
    rows[1][0] = x[0] * 8.0
    return pairs[1][0][0] * pairs[1][1][1]


@sharing()
def sorted_copy_holds_items(x):
    rows = [[x[1]], [x[0]]]
    srt = sorted(rows, key=len)
    rows[0].append(x[2] * 2.0)
    return sum(srt[0]) * x[3]


@sharing()
def repeated_row_augmented(x):
    rows = [[x[0], x[1]]] * 2
    for i in range(2):
        rows[i][0] += x[2 + i]
    return rows[0][0] * rows[1][1]


@sharing()
def dict_in_two_slots_nested(x):
    d = {"w": x * 1.0}
    cfgs = [d, d]
    cfgs[0]["w"][0] = x[3] * 2.0
    return np.sum(cfgs[1]["w"])


@sharing()
def copy_copy_rows(x):
    rows = [[x[0], x[1]], [x[2]]]
    rows2 = copy.copy(rows)
    rows[0][0] = x[3] ** 2
    return rows2[0][0] + rows2[0][1]


@sharing()
def buffers_alias_ring_read(x):
    bufs = [[], []]
    even = bufs[0]
    for i in range(4):
        bufs[i % 2].append(x[i] * 2.0)
    return sum(even) * x[1]


@sharing()
def array_in_list_and_dict(x):
    a = x + 1.0
    ws = [a]
    d = {"w": a}
    ws[0][2] = x[0] ** 2
    return np.sum(d["w"] * x)


@sharing()
def deepcopy_is_safe(x):
    hist = {"loss": [x[0]]}
    old = copy.deepcopy(hist)
    hist["loss"].append(x[1] * 3.0)
    return sum(old["loss"]) + sum(hist["loss"])


@sharing()
def tuple_holds_item(x):
    hist = {"loss": [x[0]]}
    pair = (hist["loss"], x[2])
    hist["loss"].append(x[1] * 5.0)
    return sum(pair[0]) * pair[1]


# ----------------------------------------------------------------------------------------
# tests
# ----------------------------------------------------------------------------------------


# Fixed after this file was written (their strict xfails passed; the reasons stay in
# XFAILS as the record): a list read out of a container is checked, when called, against
# every other list, tuple, dict or object read later that may hold it (in loops too), and
# `list(d.values())`, `sorted(rows, key=…)` hold the same items; `v = c[k].pop()` and
# paths through items whose kind is not followed (`logs["train"]["loss"].append(v)`) are
# lowered, the item's kind checked when called; `copy.copy` of a list is `list(xs)`.
FIXED = {
    "copy_copy_ordinary",
    "dict_item_pop",
    "nested_dict_logs",
    "ring_pop_front",
    "pop_in_branch",
    "deep_dict_of_list_of_arrays",
    "list_of_lists_of_lists_append",
    "pop_as_statement",
    "object_holds_list",
    "list_in_two_dicts",
    "list_in_two_lists",
    "item_appended_into_two",
    "helper_returned_item_alias",
    "snapshot_in_loop",
    "list_holding_item_of_list",
    "dict_values_view_list",
    "zip_rows_after_update",
    "sorted_copy_holds_items",
}


def _params(entries):
    out = []
    for f, reason in entries:
        reason = reason or XFAILS.get(f.__name__)
        reason = None if f.__name__ in FIXED else reason
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(f, id=f.__name__, marks=marks))
    return out


@pytest.mark.parametrize("f", _params(ORDINARY))
def test_ordinary_exact(f):
    if f is rows_jac_vector:
        x0 = POINTS[0]
        jac = s2s_ad.jacobian(f)(x0.copy())
        h = 1e-6
        fd = np.stack([(f(x0 + h * e) - f(x0 - h * e)) / (2 * h) for e in np.eye(4)], axis=-1)
        np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-6)
        for mode in ("forward", "reverse"):
            j2 = s2s_ad.jacobian(f, mode=mode)(x0.copy())
            np.testing.assert_allclose(j2, jac, rtol=1e-10, atol=1e-10)
        return
    assert _check(f, allow_refusal=False) == "exact"


@pytest.mark.parametrize("f", _params(SHARING))
def test_sharing_exact_or_located(f):
    _check(f, allow_refusal=True)


HESSIAN_PROGRAMS = [
    grid_from_nested,
    params_elementwise,
    nested_dict_logs,
    list_of_lists_of_lists_append,
    deep_dict_of_list_of_arrays,
]


@pytest.mark.parametrize(
    "f",
    [
        pytest.param(
            f,
            id=f.__name__,
            marks=[pytest.mark.xfail(strict=True, reason=HESSIAN_XFAILS[f.__name__])]
            if f.__name__ in HESSIAN_XFAILS and f.__name__ not in FIXED
            else [],
        )
        for f in HESSIAN_PROGRAMS
    ],
)
def test_hessian(f):
    x0 = POINTS[1]
    hess = s2s_ad.hessian(f)(x0.copy())
    g = s2s_ad.grad(f)
    h = 1e-5
    fd = np.stack([(g(x0 + h * e) - g(x0 - h * e)) / (2 * h) for e in np.eye(4)])
    np.testing.assert_allclose(hess, fd, rtol=1e-5, atol=1e-5)


# (was a strict xfail, fixed: "unclear message: the refusal of `hist['loss'].append(v)`
# after `pair = (hist['loss'], x[2])` names the other holder as `('pair', 'a tuple')` (an
# internal tuple's repr) and says 'update `('pair', 'a tuple')` by it'")
def test_tuple_holder_message_names_pair():
    with pytest.raises(s2s_ad.S2SError) as info:
        s2s_ad.grad(tuple_holds_item)(POINTS[0].copy())
    msg = str(info.value)
    assert "`pair`" in msg and "('pair'" not in msg, msg


# (was a strict xfail, fixed: "unclear message: `copy.copy(rows)` of a local list of lists
# is refused as UnknownCalleeError asking for a defvjp rule for copy.copy, not as a list copy")
def test_copy_copy_rows_message():
    with pytest.raises(s2s_ad.S2SError) as info:
        s2s_ad.grad(copy_copy_rows)(POINTS[0].copy())
    assert "defvjp" not in str(info.value), str(info.value)
