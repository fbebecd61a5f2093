# ruff: noqa: B007, B905, RUF005, SIM108  (user programs, written as users write them)
"""Programs for tests/test_item_activity_independent.py (an independent tester's).

User programs whose lists, tuples and dicts mix values that depend on the
differentiated inputs with data, constants and counters: built in loops and
branches, overwritten by index, swapped, joined, sliced, nested, read back by
literal, negative, computed and sliced indices.  Each must be differentiated
with the derivative flowing through every item that really depends on the
inputs (forward mode, jvp/jacfwd and the forward-over-reverse Hessian).
"""

import numpy as np

# ---------------------------------------------------------------- positions


def swap_items(x, c):
    L = [x * 2.0, c]
    L[0], L[1] = L[1], L[0]
    return L[1] ** 2 + L[0] * L[1]


def overwrite_negative(x, c):
    L = [c, c * 2.0, 3.0]
    L[-1] = np.sin(x)
    return L[2] * L[0] + L[-1] ** 2


def computed_index(x, data, k):
    L = [data[0], x * data[1], data[2]]
    i = int(k) % 3
    return L[i] ** 2 + L[i - 3] * data[0]


def index_from_len(x, data):
    L = [data[0], x, data[1]]
    i = len(data) - 2
    return np.exp(L[i]) + L[len(L) - 1]


def index_loop_built(x, data):
    L = []
    for i in range(4):
        if i == 2:
            L.append(x * data[i])
        else:
            L.append(data[i])
    s = 0.0
    for j in range(len(L)):
        s = s + L[j] ** 3
    return s


def cond_append(x, data, flag):
    L = [data[0]]
    if flag:
        L.append(x * x)
    else:
        L.append(data[1])
    L.append(data[2])
    return L[1] * L[-1] + L[-2] ** 2


def tape_alternating(x, data, n):
    L = []
    for i in range(n):
        if i % 2 == 0:
            L.append(data[i])
        else:
            L.append(x * data[i])
    return L[1] ** 2 + L[-1] * L[0] + L[n - 1] ** 3


def tape_late_param(x, data, n):
    # the parameter enters only at the last iteration
    L = []
    for i in range(n):
        if i == n - 1:
            L.append(np.cos(x))
        else:
            L.append(data[i])
    return L[-1] ** 2 + L[0] + L[n - 1] * L[1]


def slices(x, data):
    L = [data[0], data[1], x, x * 2.0]
    a = L[2:]
    b = L[::-1]
    c = L[-3:-1]
    return a[0] * b[0] + c[-1] ** 2 + sum(L[1:3])


def concat(x, data):
    L = [data[0], data[1]]
    M = [x, data[2]]
    N = L + M
    P = M + L
    R = M * 2
    return N[2] ** 2 + P[0] * N[-1] + R[2] ** 3 + (L * 2)[3]


def conversions(x, data):
    t = (data[0], x)
    L = list(t)
    L.append(data[1])
    u = tuple(L)
    a, b, c = u
    return b**3 + a * c + L[1] * u[1]


def zip_enumerate(w, data):
    params = [w[0], w[1], w[2]]
    xs = [data[0], data[1], data[2]]
    s = 0.0
    for p, d in zip(params, xs):
        s = s + (p * d) ** 2
    for i, p in enumerate(params):
        s = s + i * p**3
    return s


def pairs_transposed(w, data):
    pairs = []
    for i in range(3):
        if i == 1:
            pairs.append((data[i], w[i]))
        else:
            pairs.append((w[i], data[i]))
    s = 0.0
    for a, b in pairs:
        s = s + a * b**2
    ws, ds = zip(*pairs)
    return s + ds[1] ** 3 + ws[1] * ws[0]


def rotate_loop(x, data, n):
    L = [x, data[0], data[1]]
    for i in range(n):
        L = L[1:] + L[:1]
    return L[0] ** 2 + L[1] * 3.0 + L[2] ** 3


def insert_pop(x, data):
    L = [data[0], x]
    L.insert(0, data[1])
    y = L.pop(0)
    L.insert(1, x * x)
    L.extend([data[2], x])
    return L[1] + L[2] ** 2 + L[-1] * L[-2] + y * L[0]


def pop_shift(x, data):
    L = [data[0], data[1], x]
    L.pop(0)
    L.pop(0)
    return L[0] ** 2


def sort_select(x, data):
    L = [data[0], x, data[1]]
    s = sorted(L)
    m = max(L)
    return s[0] * 2.0 + s[-1] ** 2 + m * s[1]


def reversed_list(x, data):
    L = [x, data[0], data[1]]
    R = list(reversed(L))
    return R[-1] ** 3 + R[0]


def starred(x, data):
    L = [data[0], data[1], x]
    first, *rest = L
    *init, last = L
    return rest[-1] ** 2 + init[0] * last + first


def chain_updates(x, data):
    L = [data[0], data[1], data[2], data[3]]
    L[0] = x
    for i in range(1, len(L)):
        L[i] = L[i - 1] * L[i]
    return L[3] ** 2


def chain_forward_updates(x, data):
    L = [data[0], data[1], data[2]]
    L[-1] = L[-1] * x
    for i in range(len(L) - 1):
        L[i] = L[i] + np.sin(L[i + 1]) if i == 0 else L[i]
        L[i + 1] = L[i + 1] + 0.0
    L[1] = L[1] + L[2] * L[0]
    return L[0] ** 2 + L[1]


def last_update(x, data, n):
    L = [data[0]]
    for i in range(n):
        L.append(data[1])
        L[-1] = L[-1] + x * L[-2]
    return L[-1] ** 2


def iadd_list(x, data):
    L = [data[0]]
    L += [x * 2.0]
    L *= 2
    return L[3] ** 2 + L[1] * L[2]


def comprehension_mix(x, data):
    L = [x if i == 2 else data[i] for i in range(4)]
    M = [v * 2.0 for v in L]
    d = {k: v for k, v in zip(["a", "b", "c", "d"], M)}
    return M[2] ** 2 + d["c"] + L[-2] * d["a"]


def tuple_grow(x, data):
    t = ()
    for i in range(3):
        t = t + ((data[i] if i != 1 else x * data[i]),)
    a, b, c = t
    return b**2 + t[1] * a + c


def _mixed(x, d):
    return [d * 2.0, np.exp(x), d + 1.0]


def helper_mixed(x, data):
    L = _mixed(x, data[0])
    M = _mixed(data[1], x)
    return L[1] ** 2 + M[0] * M[2] + L[0]


def closure_append(x, data):
    L = [data[0]]

    def add(v):
        L.append(v)

    add(data[1])
    add(x * x)
    return L[-1] ** 2 + L[1] * L[2]


def branch_positions(x, data, flag):
    if flag:
        L = [x, data[0]]
    else:
        L = [data[0], x]
    return L[1] ** 2 + L[0]


def branch_overwrite(x, data):
    L = [data[0], data[1]]
    if data[2] > 0:
        L[1] = x
    return L[1] ** 3


def while_hist(x, data):
    hist = [data[0]]
    v = data[0]
    while v < 5.0:
        v = v + 1.0
        hist.append(v * x)
    return hist[-1] ** 2 + hist[1]


def alias_append(x, data):
    L = [data[0]]
    M = L
    M.append(x * 3.0)
    M[0] = M[0] + x
    return L[-1] ** 2 + L[0] ** 2


def list_in_dict_append(x, data):
    L = [data[0]]
    d = {"L": L}
    L.append(x)
    return d["L"][-1] ** 2 + d["L"][0]


def list_in_list_append(x, data):
    L = [data[0]]
    outer = [L, data[1]]
    L.append(x * x)
    return outer[0][1] ** 2 + outer[1]


def list_in_tuple_setitem(x, data):
    L = [data[0], data[1]]
    t = (L, data[2])
    L[1] = x
    return t[0][1] ** 3 + t[1]


def inner_list_setitem(x, data):
    rows = [[data[0], data[1]], [data[2], data[3]]]
    r = rows[1]
    r[0] = x * 2.0
    return rows[1][0] ** 2 + rows[0][1]


def inner_list_setitem_direct(x, data):
    rows = [[data[0], data[1]], [data[2], data[3]]]
    rows[1][0] = x * 2.0
    return rows[1][0] ** 2 + rows[0][1]


# ------------------------------------------------------------------- dicts


def dict_get(x, data):
    d = {"w": x, "c": data[0]}
    a = d.get("w", data[1])
    b = d.get("missing", x * 2.0)
    c = d.get("c", x)
    return a**2 + b**3 + c * a


def dict_overwrite_alias(x, data):
    d = {"a": data[0], "b": data[1]}
    d["a"] = x * d["b"]
    e = d
    e["c"] = np.sin(x)
    return d["a"] ** 2 + d["c"] + e["b"]


def dict_computed_keys(x, data):
    keys = ["p", "q", "r"]
    d = {}
    for i, k in enumerate(keys):
        if k == "q":
            d[k] = x * data[i]
        else:
            d[k] = data[i]
    s = 0.0
    for k in keys:
        s = s + d[k] ** 2
    return s + d["q"] * d["r"]


def dict_int_keys(x, data):
    d = {}
    for i in range(3):
        d[i] = data[i]
    d[2] = d[2] * x
    return d[2] ** 2 + d[0] + d.get(1, 0.0) * d[2]


def dict_swap(x, data):
    d = {"a": x, "b": data[0]}
    d["a"], d["b"] = d["b"], d["a"]
    return d["b"] ** 3 + d["a"]


def dict_items_rebuild(x, data):
    d = {"w": x, "s": data[0], "t": data[1]}
    e = {}
    for k, v in d.items():
        e[k] = v * 2.0
    vals = list(e.values())
    return e["w"] ** 2 + vals[0] * vals[1] + sum(vals)


def dict_copy_update(x, data):
    d = {"a": data[0]}
    e = d.copy()
    e["a"] = x
    f = dict(e)
    return f["a"] ** 2 + d["a"]


def dict_of_lists(x, data):
    d = {"a": [data[0], x], "b": [x * x, data[1]]}
    row = d["b"]
    return d["a"][1] ** 2 + row[0] * d["a"][0] + row[-1]


def dict_list_append(x, data):
    d = {"a": [data[0], data[1]]}
    d["a"].append(x)
    return d["a"][-1] ** 2 + d["a"][2] * data[2]


def list_of_dicts(x, data):
    recs = []
    for i in range(3):
        recs.append({"v": data[i], "w": x * data[i] if i == 1 else data[i]})
    s = 0.0
    for r in recs:
        s = s + r["v"] * r["w"]
    return s + recs[1]["w"] ** 2 + recs[-1].get("w", x)


# -------------------------------------------------------- states over time


def ode_dict(k, y0, n):
    state = {"y": y0, "v": 0.0, "t": 0.0}
    for i in range(n):
        a = -k * state["y"]
        state = {
            "y": state["y"] + 0.1 * state["v"],
            "v": state["v"] + 0.1 * a,
            "t": state["t"] + 0.1,
        }
    return state["y"] ** 2 + state["v"] + state["t"]


def ode_dict_setitem(k, y0, n):
    state = {"y": y0, "v": 0.0}
    for i in range(n):
        a = -k * state["y"] * abs(state["y"])
        state["y"] = state["y"] + 0.1 * state["v"]
        state["v"] = state["v"] + 0.1 * a
    return state["y"] ** 2 + state["v"]


def rnn_hist(W, xs, h0):
    hist = [h0]
    for t in range(xs.shape[0]):
        hist.append(np.tanh(W @ hist[-1] + xs[t]))
    return np.sum(hist[-1] ** 2) + np.sum(hist[1] * hist[2]) + np.sum(hist[0])


def traj_read(theta, y0, n, k):
    traj = [y0]
    y = y0
    for i in range(n):
        y = y + 0.1 * np.sin(theta * y)
        traj.append(y)
    return traj[k] ** 2 + traj[-1] * traj[0] + traj[k + 1]


def traj_pairs(theta, y0, n):
    traj = [(0, y0)]
    for i in range(n):
        t, y = traj[-1]
        traj.append((t + 1, y + 0.1 * np.cos(theta * y) * (t + 1)))
    s = 0.0
    for t, y in traj[1:]:
        s = s + t * y**2
    return s + traj[-1][1]


def lstm_like(W, xs):
    state = (np.zeros(2), np.zeros(2))
    outs = []
    for t in range(xs.shape[0]):
        h, c = state
        z = W @ np.concatenate([h, xs[t]])
        c = c * 0.5 + np.tanh(z)
        h = np.tanh(c)
        state = (h, c)
        outs.append(h)
    return np.sum(outs[-1] ** 2) + np.sum(outs[0] * state[1])


def counter_state(x, n):
    state = [0, x, 0.0]
    for i in range(n):
        state = [state[0] + 1, state[1] * 0.9 + state[2], state[2] + 0.1 * state[1]]
    return state[1] ** 2 + state[2] * state[0]


def state_delayed_activity(x, n):
    # item 2 becomes active only through item 1 after two steps
    s = [x, 1.0, 2.0]
    for i in range(n):
        s = [s[0], s[0] * 0.5 + s[1], s[1] + s[2]]
    return s[2] ** 2


def hist_stride(x, data, n):
    hist = []
    for i in range(n):
        hist.append(data[i])
        hist.append(x * data[i])
    return hist[1] ** 2 + hist[-1] * hist[-2] + sum(hist[1::2])


# --------------------------------------------------------------- batches


def power_loop(x, ps):
    s = 0.0
    for i in range(len(ps)):
        s = s + x[i] ** ps[i]
    return s


def power_list(x, data):
    pw = [2.0, 3.0, float(data[0])]
    s = 0.0
    for i in range(len(pw)):
        s = s + x[i] ** pw[i]
    return s


def power_tape(x, ps, n):
    acc = []
    for i in range(n):
        acc.append((x[i % 3] ** ps[i], ps[i]))
    s = 0.0
    for v, p in acc:
        s = s + v * p
    return s


def logistic_batches(w, X, y, bs):
    batches = []
    for s in range(0, X.shape[0], bs):
        batches.append((X[s : s + bs], y[s : s + bs]))
    nll = 0.0
    for Xb, yb in batches:
        z = Xb @ w
        nll = nll + np.sum(np.logaddexp(0.0, z) - yb * z)
    return nll / X.shape[0]


def lsq_masked(w, X, y, wts):
    terms = []
    for i in range(X.shape[0]):
        mask = wts[i] > 0
        r = (X[i] @ w - y[i]) * np.sqrt(np.abs(wts[i]))
        terms.append((r, mask))
    s = 0.0
    for r, m in terms:
        if m:
            s = s + r**2
    return s


def poisson_dict(w, X, counts, expo):
    parts = {"ll": 0.0, "n": 0}
    for b in range(0, X.shape[0], 2):
        eta = X[b : b + 2] @ w + np.log(expo[b : b + 2])
        parts["ll"] = parts["ll"] + np.sum(counts[b : b + 2] * eta - np.exp(eta))
        parts["n"] = parts["n"] + 2
    return -parts["ll"] / parts["n"]


def int_mask_batches(w, X, y, idx):
    chunks = [idx[:3], idx[3:]]
    out = []
    for ch in chunks:
        out.append((X[ch] @ w - y[ch], ch.shape[0]))
    s = 0.0
    for r, m in out:
        s = s + np.sum(r**2) / m
    return s + np.sum(out[0][0] * out[-1][0][:1])


def bool_mask_list(w, X, y):
    masks = [y > 0.5, y <= 0.5]
    losses = []
    for m in masks:
        z = X[m] @ w
        losses.append(np.sum(np.log1p(np.exp(-np.abs(z)))) + np.sum(np.maximum(z, 0.0)))
    return losses[0] + 2.0 * losses[-1]


def sqrt_data_weights(w, X, v):
    ws = [np.sqrt(v[i]) for i in range(v.shape[0])]
    rows = [(ws[i], X[i]) for i in range(len(ws))]
    s = 0.0
    for a, xi in rows:
        s = s + a * np.tanh(xi @ w) ** 2
    return s


def structured_params(params, x):
    # params: list of (W, b) tuples; layers' outputs kept in a list with x
    acts = [x]
    for W, b in params:
        acts.append(np.tanh(W @ acts[-1] + b))
    return np.sum(acts[-1] ** 2) + np.sum(acts[1]) * np.sum(acts[0])


def dict_params(p, data):
    h = {"x": data[0], "y": data[1]}
    h["z"] = p["a"] * h["x"] + p["b"] ** 2
    h["x"] = h["z"] * h["y"]
    return h["x"] ** 2 + h["y"] + h.get("z", 0.0)


# ----------------------------------------------------------- vector outputs


def vec_out(x, data):
    L = [data[0], x[0] * data[1], x[1]]
    L[0] = L[0] + L[2]
    return np.array([L[0], L[1] ** 2, L[-1] * L[0]])


def vec_stack_hist(x, data, n):
    hist = [data]
    for i in range(n):
        hist.append(np.sin(hist[-1]) * x + data)
    return np.stack(hist[1:])[:, 0] + hist[-1][1]


# ------------------------------- negative positions after the length changes


def setitem_neg_append_read_neg(x, d):
    L = [d, d]
    L[-1] = x
    L.append(d)
    return L[-2] ** 2


def iadd_neg_append_read_neg(x, d):
    L = [d, d]
    L[-1] += x
    L.append(d)
    return L[-2] ** 2


def setitem_neg2_append_read_both(x, d):
    L = [d, d, d]
    L[-2] = x
    L.append(d)
    return L[1] ** 2 + L[-3]


def setitem_neg_append_loop(x, d, n):
    L = [d, d]
    for i in range(n):
        L[-1] = L[-1] * x
        L.append(d)
    return L[1] ** 2 + L[-2]


def running_sum_hist(x, data, n):
    # a running history: each new entry starts from data and adds x times the previous
    hist = [data[0]]
    for i in range(n):
        hist.append(data[1])
        hist[-1] = hist[-1] + x * hist[-2]
    return hist[-1] ** 2 + hist[-2]


# ------------- data exponents routed through items: x ** p with x negative


def nan_probe_concat(x, ps):
    L = [x] + [ps[0]]
    return L[0] ** L[-1]


def nan_probe_slice(x, ps):
    L = [ps[0], x, ps[1]]
    M = L[1:]
    return M[0] ** M[1]


def nan_probe_swap(x, ps):
    L = [ps[0], x]
    L[0], L[1] = L[1], L[0]
    return L[0] ** L[1]


def nan_probe_unpack(x, ps):
    L = [x, ps[0], ps[1]]
    b, *rest = L
    return b ** rest[0] + b ** rest[-1]


def nan_probe_loop_pairs(x, ps):
    pairs = []
    for i in range(len(ps)):
        pairs.append((x * (i + 1), ps[i]))
    s = 0.0
    for b, q in pairs:
        s = s + b**q
    return s


def nan_probe_loop_dicts(x, ps):
    recs = []
    for i in range(len(ps)):
        recs.append({"b": x * (i + 1), "p": ps[i]})
    s = 0.0
    for r in recs:
        s = s + r["b"] ** r["p"]
    return s


def nan_probe_zip(x, ps):
    bs = [x, x * 2.0]
    s = 0.0
    for b, q in zip(bs, [ps[0], ps[1]]):
        s = s + b**q
    return s


def nan_probe_setitem_neg(x, ps):
    L = [ps[0], ps[1]]
    L[-2] = x
    return L[0] ** L[-1]


def nan_probe_enumerate(x, ps):
    L = [ps[0], ps[1]]
    s = 0.0
    for i, q in enumerate(L):
        s = s + (x * (i + 1)) ** q
    return s


def nan_probe_nested(x, ps):
    d = {"a": [x, ps[0]], "b": (ps[1], x)}
    return d["a"][0] ** d["a"][1] + d["b"][1] ** d["b"][0]


def nan_probe_state_dict(x, ps, n):
    st = {"b": x, "p": ps[0]}
    for i in range(n):
        st = {"b": st["b"] * 1.5, "p": st["p"] + 1.0}
    return st["b"] ** st["p"]


def nan_probe_list_arg(x, ps):
    L = list(ps)
    s = 0.0
    for q in L:
        s = s + x**q
    return s


def nan_probe_scalar_loop(x, ps):
    s = 0.0
    for i in range(len(ps)):
        s = s + x ** ps[i]
    return s


def nan_probe_taped_base(x, ps):
    y = x
    s = 0.0
    for i in range(len(ps)):
        s = s + y ** ps[i]
        y = y * 1.1
    return s


# -------------------------------------- updates through a container's alias


def refused_list_in_dict_append(x, data):
    L = [data[0]]
    d = {"L": L}
    L.append(x)
    return d["L"][-1] ** 2 + d["L"][0]


def refused_inner_alias_setitem(x, data):
    rows = [[data[0], data[1]], [data[2], data[3]]]
    r = rows[1]
    r[0] = x * 2.0
    return rows[1][0] ** 2 + rows[0][1]


def refused_dict_item_append(x, data):
    d = {"a": [data[0], data[1]]}
    d["a"].append(x)
    return d["a"][-1] ** 2


def setitem_neg_append_read_computed_neg(x, d):
    L = [d, d]
    L[-1] = x
    L.append(d)
    k = -2
    return L[k] ** 2


def setitem_neg_two_appends_read_neg(x, d):
    L = [d, d]
    L[-1] = x
    L.append(d)
    L.append(d)
    return L[-3] ** 2


def setitem_neg_alias_append_read_neg(x, d):
    L = [d, d]
    L[-1] = x
    M = L
    M.append(d)
    return L[-2] ** 2


def setitem_neg_append_tuple_of_reads(x, d):
    t = [d, d]
    t[-1] = x
    t.append(d)
    a, b, c = t[-3], t[-2], t[-1]
    return b**2 + a * c
