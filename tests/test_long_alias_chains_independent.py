"""Independent tests (tester 89) of in-place updates, aliases and views in long,
update-heavy functions, written from the README alone (no library code or tests read).

Each program below is a function a user might write: an optimiser updating a dict of
parameters many times, a simulation writing rows of a state array, a list of arrays
appended to and read back, a buffer filled slice by slice, with aliases made early and
read late, views taken before a loop and read after it, names made the same object on one
branch only, aliases carried by loops, helpers and containers holding one array twice.
Some are generated as source text with 50-300 updates of one dict, list or array.

For each program plain Python runs, every API used must either give the plain call's value
and derivatives that match central differences (forward mode matching reverse mode), or
refuse with an `S2SError` whose message names the file and a line of the program. Where the
README says a construct is supported, a refusal is a failure too. Findings are strict xfails.
"""

# The programs are user code kept as people write it: loop counters left unused, and `if`
# statements binding an alias on one branch (what is tested), so these two rules are off.
# ruff: noqa: B007, SIM108

import atexit
import copy
import importlib.util
import inspect
import os
import re
import shutil
import sys
import tempfile

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------------------------------
# the numerical-checking helper
# ---------------------------------------------------------------------------------------

H = 1e-6
RTOL = 1e-6


def _flatten(tree):
    """A float vector of the leaves of `tree` (arrays, floats, lists, tuples, dicts)."""
    if isinstance(tree, np.ndarray):
        return np.asarray(tree, dtype=float).ravel().copy()
    if isinstance(tree, (float, np.floating)):
        return np.array([float(tree)])
    if isinstance(tree, dict):
        parts = [_flatten(tree[k]) for k in tree]
    elif isinstance(tree, (list, tuple)):
        parts = [_flatten(v) for v in tree]
    else:
        raise TypeError(f"cannot flatten {type(tree)}")
    return np.concatenate(parts) if parts else np.zeros(0)


def _flatten_like(tree, template):
    """`tree`'s leaves in the order of `template`'s (a gradient's dict keys may differ)."""
    if isinstance(template, dict):
        parts = [_flatten_like(tree[k], template[k]) for k in template]
        return np.concatenate(parts) if parts else np.zeros(0)
    if isinstance(template, (list, tuple)):
        assert len(tree) == len(template)
        parts = [_flatten_like(a, b) for a, b in zip(tree, template, strict=True)]
        return np.concatenate(parts) if parts else np.zeros(0)
    if isinstance(template, np.ndarray):
        assert np.shape(tree) == template.shape, (np.shape(tree), template.shape)
    return _flatten(tree)


def _unflatten(vec, template):
    """A structure like `template` holding the numbers of `vec`."""
    pos = [0]

    def build(t):
        if isinstance(t, np.ndarray):
            n = t.size
            out = np.array(vec[pos[0] : pos[0] + n], dtype=float).reshape(t.shape)
            pos[0] += n
            return out
        if isinstance(t, (float, np.floating)):
            pos[0] += 1
            return float(vec[pos[0] - 1])
        if isinstance(t, dict):
            return {k: build(v) for k, v in t.items()}
        if isinstance(t, list):
            return [build(v) for v in t]
        if isinstance(t, tuple):
            return tuple(build(v) for v in t)
        raise TypeError(type(t))

    out = build(template)
    assert pos[0] == len(vec)
    return out


def _with(args, wrt, value):
    return tuple(value if i == wrt else a for i, a in enumerate(args))


def _central(f, args, wrt):
    """Central differences of the scalar f with respect to args[wrt], element by element."""
    x0 = _flatten(args[wrt])
    g = np.zeros_like(x0)
    for i in range(x0.size):
        e = np.zeros_like(x0)
        e[i] = H
        fp = f(*_with(args, wrt, _unflatten(x0 + e, args[wrt])))
        fm = f(*_with(args, wrt, _unflatten(x0 - e, args[wrt])))
        g[i] = (float(fp) - float(fm)) / (2 * H)
    return g


def _central_jac(f, args, wrt):
    """Central differences of a vector-valued f: (out.size, in.size)."""
    x0 = _flatten(args[wrt])
    cols = []
    for i in range(x0.size):
        e = np.zeros_like(x0)
        e[i] = H
        fp = _flatten(f(*_with(args, wrt, _unflatten(x0 + e, args[wrt]))))
        fm = _flatten(f(*_with(args, wrt, _unflatten(x0 - e, args[wrt]))))
        cols.append((fp - fm) / (2 * H))
    return np.stack(cols, axis=1)


def _close(got, want, scale, what):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    err = np.max(np.abs(got - want)) if got.size else 0.0
    ref = max(np.max(np.abs(want)) if want.size else 0.0, 1e-3 * (1.0 + abs(scale)))
    assert err <= RTOL * ref, (
        f"{what}: max error {err:.3e} against scale {ref:.3e}\n got  {got}\n want {want}"
    )


def _same_value(got, want, what):
    """The primal of a derivative call must be the plain call's (to rounding)."""
    g, w = _flatten(_to_tree(got)), _flatten(_to_tree(want))
    assert g.shape == w.shape, f"{what}: shapes {g.shape} vs {w.shape}"
    np.testing.assert_allclose(
        g, w, rtol=1e-12, atol=1e-300, err_msg=f"{what}: not the plain call's value"
    )


def _unchanged(a, b):
    """Derivative calls never modify the arguments."""
    if isinstance(a, (int, str, bool, type(None))):
        assert a == b
    else:
        np.testing.assert_array_equal(_flatten(a), _flatten(b), err_msg="an argument changed")


def _to_tree(v):
    if isinstance(v, (int, np.integer)):
        return float(v)
    return v


def _located(err, f):
    """The error must be an S2SError naming the program's file and one of its lines."""
    msg = str(err)
    path = inspect.getsourcefile(f)
    with open(path) as fh:
        n_lines = len(fh.read().splitlines())
    m = re.search(re.escape(path) + r":(\d+)", msg)
    assert m, f"the error does not name {path}:LINE: {type(err).__name__}: {msg}"
    assert 1 <= int(m.group(1)) <= n_lines, msg
    return int(m.group(1))


class Report:
    def __init__(self):
        self.refused = []
        self.ran = []


def _api(report, name, f, call, allow_refusal):
    try:
        out = call()
    except ad.S2SError as e:
        line = _located(e, f)
        report.refused.append((name, line, str(e)))
        if not allow_refusal:
            raise AssertionError(
                f"{name} refused a program the README says is supported: {type(e).__name__}: {e}"
            ) from e
        return None
    report.ran.append(name)
    return out


def check(f, make_args, *, wrt=0, seeds=(0, 1), refusal="never", forward=True, reverse=True):
    """Check value_and_grad, grad (at a second point) and jvp against the plain call and
    central differences. `refusal`: "never" (supported: must run), "allowed" (a located
    refusal or right numbers), "expected" (must be refused, at its line)."""
    allow = refusal != "never"
    rep = Report()
    for k, seed in enumerate(seeds):
        args = make_args(np.random.default_rng(seed))
        kept = copy.deepcopy(args)
        plain = f(*copy.deepcopy(args))
        vg = g = None
        if reverse:
            vg = _api(
                rep,
                "value_and_grad",
                f,
                lambda args=args: ad.value_and_grad(f, wrt=wrt)(*args),
                allow,
            )
        fd = None
        if vg is not None:
            val, g = vg
            _same_value(val, plain, "value_and_grad")
            fd = _central(f, args, wrt)
            _close(_flatten_like(g, args[wrt]), fd, plain, f"gradient at seed {seed}")
        if reverse and k == len(seeds) - 1:
            g2 = _api(rep, "grad", f, lambda args=args: ad.grad(f, wrt=wrt)(*args), allow)
            if g2 is not None:
                fd = _central(f, args, wrt) if fd is None else fd
                _close(_flatten_like(g2, args[wrt]), fd, plain, f"grad at seed {seed}")
        if forward:
            rng = np.random.default_rng(100 + seed)
            v = _unflatten(rng.standard_normal(_flatten(args[wrt]).size), args[wrt])
            tangents = tuple(v if i == wrt else None for i in range(len(args)))
            fw = _api(
                rep, "jvp", f, lambda args=args, tangents=tangents: ad.jvp(f, args, tangents), allow
            )
            if fw is not None:
                out, tout = fw
                _same_value(out, plain, "jvp")
                fd = _central(f, args, wrt) if fd is None else fd
                _close(float(tout), fd @ _flatten(v), fd @ _flatten(v), f"jvp at seed {seed}")
                if g is not None:  # forward mode against reverse mode, to rounding
                    gv = _flatten_like(g, args[wrt]) @ _flatten(v)
                    assert abs(float(tout) - gv) <= 1e-9 * (1.0 + abs(gv)), (float(tout), gv)
        for a, b in zip(args, kept, strict=True):
            _unchanged(a, b)
    _summary(f, rep)
    if refusal == "expected":
        assert not rep.ran, f"expected a refusal, but {rep.ran} ran"
    return rep


def _summary(f, rep):
    """One line per program (shown with `pytest -s`): which APIs ran, which refused where."""
    refused = sorted({(name, line) for name, line, _ in rep.refused})
    print(f"[t89] {f.__name__}: ran {sorted(set(rep.ran))}, refused {refused}")
    for _, _, msg in rep.refused[:1]:
        print(f"[t89]   {msg[:300]}")


def check_jacobian(f, make_args, *, wrt=0, seeds=(0, 1), refusal="never"):
    """jacobian (auto), jacfwd, jacrev and vjp against central differences."""
    allow = refusal != "never"
    rep = Report()
    for seed in seeds:
        args = make_args(np.random.default_rng(seed))
        plain = f(*copy.deepcopy(args))
        J = _central_jac(f, args, wrt)
        for name, api in (("jacobian", ad.jacobian), ("jacfwd", ad.jacfwd), ("jacrev", ad.jacrev)):
            got = _api(rep, name, f, lambda api=api, args=args: api(f, wrt=wrt)(*args), allow)
            if got is not None:
                _close(np.reshape(got, J.shape), J, 1.0, f"{name} at seed {seed}")
        res = _api(rep, "vjp", f, lambda args=args: ad.vjp(f, *args), allow)
        if res is not None:
            out, pullback = res
            _same_value(out, plain, "vjp")
            ct = np.random.default_rng(7 + seed).standard_normal(np.shape(plain))
            got = pullback(ct)[wrt]
            _close(_flatten(got), np.ravel(ct) @ J, 1.0, f"vjp at seed {seed}")
    _summary(f, rep)
    if refusal == "expected":
        assert not rep.ran, f"expected a refusal, but {rep.ran} ran"
    return rep


def check_hessian(f, make_args, *, seeds=(0, 1)):
    """hessian against central differences of the (already checked) gradient."""
    for seed in seeds:
        args = make_args(np.random.default_rng(seed))
        x = args[0]
        Hm = np.asarray(ad.hessian(f)(*args)).reshape(x.size, x.size)
        gfun = ad.grad(f)
        cols = []
        for i in range(x.size):
            e = np.zeros(x.size)
            e[i] = 1e-5
            gp = gfun(*_with(args, 0, x + e.reshape(x.shape)))
            gm = gfun(*_with(args, 0, x - e.reshape(x.shape)))
            cols.append((np.ravel(gp) - np.ravel(gm)) / 2e-5)
        ref = np.stack(cols, axis=1)
        err = np.max(np.abs(Hm - ref))
        assert err <= 1e-5 * max(1.0, np.max(np.abs(ref))), f"hessian error {err}"


def vec(n, scale=0.5, shift=0.0):
    return lambda rng: (shift + scale * rng.standard_normal(n),)


def vec_and(n, *rest, scale=0.5):
    return lambda rng: (scale * rng.standard_normal(n), *rest)


# constants the programs read (module globals, never differentiated)
A_LS = np.array(
    [
        [1.0, 0.2, -0.3, 0.1, 0.0],
        [0.1, 0.9, 0.2, -0.2, 0.3],
        [-0.2, 0.1, 1.1, 0.0, 0.2],
        [0.0, 0.3, -0.1, 0.8, 0.1],
        [0.2, 0.0, 0.1, 0.1, 1.2],
        [0.3, -0.1, 0.0, 0.2, 0.4],
    ]
)
Y_LS = np.array([0.5, -0.2, 0.3, 0.1, -0.4, 0.2])


# ---------------------------------------------------------------------------------------
# A. optimisers updating dicts of parameters many times
# ---------------------------------------------------------------------------------------


def ls_grads(w, b):
    """The gradient of sum((A w + b - y)^2) by hand (a helper returning new values)."""
    r = A_LS @ w + b - Y_LS
    return 2.0 * (A_LS.T @ r), 2.0 * r


def adam_dict(x, n_steps):
    params = {"w": x * 1.0, "b": np.zeros(6)}
    m = {"w": np.zeros(5), "b": np.zeros(6)}
    v = {"w": np.zeros(5), "b": np.zeros(6)}
    start = params  # the same dict: sees every update
    first_w = params["w"]  # the first array: rebinding the key leaves it alone
    b1, b2, lr, eps = 0.9, 0.999, 0.05, 1e-8
    losses = []
    for t in range(1, n_steps + 1):
        gw, gb = ls_grads(params["w"], params["b"])
        m["w"] = b1 * m["w"] + (1.0 - b1) * gw
        m["b"] = b1 * m["b"] + (1.0 - b1) * gb
        v["w"] = b2 * v["w"] + (1.0 - b2) * gw * gw
        v["b"] = b2 * v["b"] + (1.0 - b2) * gb * gb
        mw_hat = m["w"] / (1.0 - b1**t)
        mb_hat = m["b"] / (1.0 - b1**t)
        vw_hat = v["w"] / (1.0 - b2**t)
        vb_hat = v["b"] / (1.0 - b2**t)
        params["w"] = params["w"] - lr * mw_hat / (np.sqrt(vw_hat) + eps)
        params["b"] = params["b"] - lr * mb_hat / (np.sqrt(vb_hat) + eps)
        r = A_LS @ params["w"] + params["b"] - Y_LS
        losses.append(np.sum(r * r))
    final = np.sum((A_LS @ start["w"] + start["b"] - Y_LS) ** 2)
    drift = np.sum((start["w"] - first_w) ** 2)
    return final + 0.1 * drift + 0.01 * sum(losses)


def test_adam_dict():
    check(adam_dict, lambda rng: (rng.standard_normal(5), 4))
    check(adam_dict, lambda rng: (rng.standard_normal(5), 40), seeds=(2, 3))


def momentum_dict_loop_over_keys(x):
    params = {"w1": x[:3] * 1.0, "w2": x[3:] * 2.0, "s": np.ones(2)}
    vel = {k: np.zeros_like(p) for k, p in params.items()}
    record = {}
    for step in range(12):
        grads = {}
        grads["w1"] = np.tanh(params["w1"]) + 0.1 * params["s"][0]
        grads["w2"] = params["w2"] ** 3 * 0.1 - 0.2
        grads["s"] = np.sin(params["s"]) * np.sum(params["w1"])
        for k in params:
            vel[k] = 0.8 * vel[k] - 0.05 * grads[k]
            params[k] = params[k] + vel[k]
        if step % 4 == 0:
            record[step] = params["w1"]  # the array bound now; later steps rebind the key
    total = 0.0
    for k in sorted(record):
        total = total + np.sum(record[k] ** 2)
    return total + np.sum(params["w2"] ** 2) + np.sum(np.cos(params["s"])) + np.sum(vel["w1"])


def test_momentum_dict_loop_over_keys_reverse():
    check(momentum_dict_loop_over_keys, vec(5), forward=False)


JVP_ZERO_TANGENT_INDEXED = (
    "forward mode: a dict entry that starts as a constant array (np.ones(2)) and is updated "
    "from the differentiated values in the loop has the scalar zero 0.0 as its tangent on "
    "entry, and the tangent code indexes it (`_t8_dot[0]`): EvaluationError \"'float' object "
    "is not subscriptable\" at `params['s'][0]` for a program reverse mode differentiates"
)


# (a strict xfail until session 41: JVP_ZERO_TANGENT_INDEXED; the tangent of a dict entry
# written as a constant array is now a zero array, which the tangent code may index)
def test_momentum_dict_loop_over_keys_jvp():
    check(momentum_dict_loop_over_keys, vec(5), reverse=False)


def sgd_dict_alias_and_copy(x, n_steps):
    p = {"w": x * 1.0, "c": np.array([0.5, -0.5])}
    same = p  # alias of the dict
    shallow = p.copy()  # a new dict holding the same arrays
    frozen = dict(p)  # another new dict
    for t in range(n_steps):
        w = p["w"]
        c = p["c"]
        gw = 2.0 * (w - 0.3) + c[0] * np.cos(w)
        gc = np.array([np.sum(np.sin(w)), np.sum(w) * c[1]])
        p["w"] = w - 0.1 * gw
        p["c"] = c - 0.05 * gc
        if t == 2:
            same["extra"] = p["w"] * 2.0  # a new key through the alias
    out = np.sum(same["w"] ** 2) + np.sum(shallow["w"] * frozen["c"][0])
    if "extra" in p:
        out = out + np.sum(p["extra"])
    return out + np.sum(p["c"] ** 2)


def test_sgd_dict_alias_and_copy_reverse():
    # three steps add the key "extra" through the alias; two do not
    check(sgd_dict_alias_and_copy, lambda rng: (rng.standard_normal(4), 3), forward=False)
    check(sgd_dict_alias_and_copy, lambda rng: (rng.standard_normal(4), 2), forward=False)


# (a strict xfail until session 41: forward mode, the same fault: the dict entry `c` starts as
# the constant np.array([0.5, -0.5]) and is updated from the differentiated values in the loop;
# its tangent on entry is the scalar 0.0 and `c[0]` fails: EvaluationError "'float' object is
# not subscriptable" at `gw = ... + c[0] * np.cos(w)`; reverse mode is exact; the tangent of a
# dict entry written as a constant array is now a zero array)
def test_sgd_dict_alias_and_copy_jvp():
    check(sgd_dict_alias_and_copy, lambda rng: (rng.standard_normal(4), 3), reverse=False)


def sgd_dict_alias_and_copy_active_start(x, n_steps):
    # as above, but every entry starts from the differentiated argument
    p = {"w": x * 1.0, "c": x[:2] * 0.5}
    same = p
    shallow = p.copy()
    frozen = dict(p)
    for t in range(n_steps):
        w = p["w"]
        c = p["c"]
        gw = 2.0 * (w - 0.3) + c[0] * np.cos(w)
        gc = np.array([np.sum(np.sin(w)), np.sum(w) * c[1]])
        p["w"] = w - 0.1 * gw
        p["c"] = c - 0.05 * gc
        if t == 2:
            same["extra"] = p["w"] * 2.0
    out = np.sum(same["w"] ** 2) + np.sum(shallow["w"] * frozen["c"][0])
    if "extra" in p:
        out = out + np.sum(p["extra"])
    return out + np.sum(p["c"] ** 2)


def test_sgd_dict_alias_and_copy_active_start():
    check(sgd_dict_alias_and_copy_active_start, lambda rng: (rng.standard_normal(4), 3))


def inplace_key_update_read_through_array(x):
    p = {"w": x * 1.0}
    w0 = p["w"]  # the very array the dict holds
    for t in range(3):
        p["w"] -= 0.1 * np.sin(p["w"])  # in place: w0 sees it
    return np.sum(w0**2) + 0.5 * np.sum(p["w"])


def test_inplace_item_updates_with_container_read_after():
    # refused at run time at the update (`L[i] += ...` on an array item), a located error;
    # the three programs are defined next to their variants below
    check(inplace_key_update_read_through_array, vec(5), refusal="allowed")
    check(inplace_key_update_of_local_array, vec(5), refusal="allowed")
    check(inplace_list_item_update_of_local_array, vec(5), refusal="allowed")


def inplace_key_update_read_through_array_only(x):
    p = {"w": x * 1.0}
    w0 = p["w"]  # the very array the dict holds
    for t in range(3):
        p["w"] -= 0.1 * np.sin(p["w"])  # in place: w0 sees it
    return np.sum(w0**2)


# (a strict xfail until session 41, silently wrong: `w0 = p['w']` then `p['w'] -= v` in a loop:
# the update changes the array w0 is; with p not read after the loop s2s_ad neither refuses (as
# it does when p is read after) nor sees the update: value 0.1853 vs plain 0.0993 at the first
# point, gradient off by 0.29 of 0.35; now refused, located: the run-time check of `c[k] -= v`
# is kept though its result is unread, and `out=` in a statement of its own is refused as in an
# assignment)
def test_inplace_key_update_read_through_array_dict_not_read_after():
    check(inplace_key_update_read_through_array_only, vec(5), refusal="allowed")


def inplace_key_update_of_local_array(x):
    a = np.tanh(x)
    d = {"w": a, "scale": np.ones(1)}
    for t in range(4):
        d["w"] -= 0.25 * a * d["scale"][0]  # the array `a` itself
        d["scale"] = d["scale"] * 0.5
    return np.sum(a**2) + np.sum(d["w"])


def inplace_key_update_of_local_array_only(x):
    a = np.tanh(x)
    d = {"w": a, "scale": np.ones(1)}
    for t in range(4):
        d["w"] -= 0.25 * a * d["scale"][0]  # the array `a` itself
        d["scale"] = d["scale"] * 0.5
    return np.sum(a**2)


# (a strict xfail until session 41, silently wrong: `d = {'w': a}` then `d['w'] -= v` in a loop
# changes the local array `a`; with d not read afterwards s2s_ad drops the update and reads `a`
# as before the loop, no error: value 0.1754 vs plain 0.0623, gradient off by 0.36 of 0.20; now
# refused, located: the run-time check of `c[k] -= v` is kept though its result is unread, and
# `out=` in a statement of its own is refused as in an assignment)
def test_inplace_key_update_of_local_array_dict_not_read_after():
    check(inplace_key_update_of_local_array_only, vec(5), refusal="allowed")


def inplace_list_item_update_of_local_array(x):
    a = x * 1.0
    layers = [a, np.ones(5)]
    layers[0] -= 0.5 * x  # README: `L[i] += ...` on an array item is refused
    layers[1] = layers[1] * 2.0
    return np.sum(a**2) + np.sum(layers[1] * layers[0])


def inplace_list_item_update_of_local_array_only(x):
    a = x * 1.0
    layers = [a, np.ones(5)]
    layers[0] -= 0.5 * x  # README: `L[i] += ...` on an array item is refused
    layers[1] = layers[1] * 2.0
    return np.sum(a**2)


# (a strict xfail until session 41, silently wrong: README: `L[i] += ...` on an array item is
# refused; `layers[0] -= 0.5 * x` with the list not read afterwards runs, and `a` (the same
# array) is read as before the update: value sum(x^2) where the plain call gives sum(x^2)/4
# (0.1853 vs 0.0463), gradient 2x vs x/2; now refused, located: the run-time check of `c[k] -=
# v` is kept though its result is unread, and `out=` in a statement of its own is refused as in
# an assignment)
def test_inplace_list_item_update_list_not_read_after():
    check(inplace_list_item_update_of_local_array_only, vec(5), refusal="allowed")


def inplace_key_update_alone(x):
    p = {"w": x * 1.0, "b": np.zeros(2)}
    for t in range(5):
        p["w"] -= 0.1 * p["w"]
        p["b"] = p["b"] + 0.1
    return np.sum(p["w"] ** 2) + np.sum(p["b"])


def test_inplace_key_update_alone():
    # no other name holds p["w"]'s array: this should be exact (or at worst refused at its line)
    check(inplace_key_update_alone, vec(5), refusal="allowed")


# ---------------------------------------------------------------------------------------
# B. simulations writing rows of a state array
# ---------------------------------------------------------------------------------------


def heat_rows(x, n_t):
    n = x.shape[0]
    U = np.zeros((n_t, n))
    U[0] = np.sin(x) + 1.0
    r = 0.2
    for t in range(1, n_t):
        prev = U[t - 1]
        U[t, 1:-1] = prev[1:-1] + r * (prev[2:] - 2.0 * prev[1:-1] + prev[:-2])
        U[t, 0] = prev[0] + r * (prev[1] - prev[0])
        U[t, -1] = prev[-1] + r * (prev[-2] - prev[-1])
    energy = 0.0
    for t in range(n_t):
        energy = energy + np.sum(U[t] ** 2) / n_t
    return energy + np.sum(U[-1] * U[0])


def test_heat_rows_row_view_refused_or_exact():
    # `prev = U[t - 1]` is a view of U read after `U[t, ...] = ...`: documented as refused
    check(heat_rows, lambda rng: (rng.standard_normal(6), 8), refusal="allowed")


def heat_rows_direct(x, n_t):
    n = x.shape[0]
    U = np.zeros((n_t, n))
    U[0] = np.sin(x) + 1.0
    r = 0.2
    for t in range(1, n_t):
        U[t, 1:-1] = U[t - 1, 1:-1] + r * (U[t - 1, 2:] - 2.0 * U[t - 1, 1:-1] + U[t - 1, :-2])
        U[t, 0] = U[t - 1, 0] + r * (U[t - 1, 1] - U[t - 1, 0])
        U[t, -1] = U[t - 1, -1] + r * (U[t - 1, -2] - U[t - 1, -1])
    energy = 0.0
    for t in range(n_t):
        energy = energy + np.sum(U[t] ** 2) / n_t
    return energy + np.sum(U[-1] * U[0])


def test_heat_rows_direct():
    check(heat_rows_direct, lambda rng: (rng.standard_normal(6), 8))


def heat_rows_view_before_loop(x, n_t):
    n = x.shape[0]
    U = np.zeros((n_t, n))
    last = U[-1]  # a view taken before any row is written
    first = U[0]
    U[0] = np.cos(x)
    for t in range(1, n_t):
        U[t] = U[t - 1] + 0.1 * (np.roll(U[t - 1], 1) - 2.0 * U[t - 1] + np.roll(U[t - 1], -1))
    # Python: `last` and `first` are views, so they hold the rows written
    return np.sum(last**2) + np.sum(first * last)


def test_heat_rows_view_before_loop():
    check(heat_rows_view_before_loop, lambda rng: (rng.standard_normal(5), 6), refusal="allowed")


def particles_inplace(x, n_steps):
    pos = np.reshape(x * 1.0, (3, 2))
    vel = np.zeros((3, 2))
    start = pos  # the same array: every `pos += ...` below changes it
    start_copy = pos.copy()
    dt = 0.05
    for step in range(n_steps):
        force = np.zeros((3, 2))
        for i in range(3):
            for j in range(3):
                if i != j:
                    d = pos[i] - pos[j]
                    r2 = np.sum(d * d) + 0.5
                    force[i] = force[i] - d / r2**1.5
        vel += dt * force
        vel *= 0.99
        pos += dt * vel
    travelled = np.sum((start - start_copy) ** 2)
    return travelled + np.sum(pos[:, 0]) + 0.1 * np.sum(vel**2)


def test_particles_inplace_augmented_refused_or_exact():
    # `pos += ...` with `start = pos` read later: the README checks such updates (rt.unshared)
    check(particles_inplace, lambda rng: (rng.standard_normal(6), 5), refusal="allowed")


def particles_element_updates(x, n_steps):
    pos = np.reshape(x * 1.0, (3, 2))
    vel = np.zeros((3, 2))
    start = pos  # the same array: the element updates below are seen through it
    start_copy = pos.copy()
    dt = 0.05
    for step in range(n_steps):
        force = np.zeros((3, 2))
        for i in range(3):
            for j in range(3):
                if i != j:
                    d = pos[i] - pos[j]
                    r2 = np.sum(d * d) + 0.5
                    force[i] = force[i] - d / r2**1.5
        vel = (vel + dt * force) * 0.99
        for i in range(3):
            pos[i] = pos[i] + dt * vel[i]
    travelled = np.sum((start - start_copy) ** 2)
    return travelled + np.sum(pos[:, 0]) + 0.1 * np.sum(vel**2)


def test_particles_element_updates():
    # README: "after `b = a` both names see the update" of an element update
    check(particles_element_updates, lambda rng: (rng.standard_normal(6), 5))


def rk4_buffers(x, n_steps):
    n = x.shape[0]
    K = np.zeros((4, n))
    k1 = K[0]  # a view of the first stage, read after the loop
    y = x * 1.0
    h = 0.1
    traj = np.zeros((n_steps + 1, n))
    traj[0] = y
    for s in range(n_steps):
        K[0] = -y + np.sin(y)
        K[1] = -(y + 0.5 * h * K[0]) + np.sin(y + 0.5 * h * K[0])
        K[2] = -(y + 0.5 * h * K[1]) + np.sin(y + 0.5 * h * K[1])
        K[3] = -(y + h * K[2]) + np.sin(y + h * K[2])
        y = y + h / 6.0 * (K[0] + 2.0 * K[1] + 2.0 * K[2] + K[3])
        traj[s + 1] = y
    return np.sum(traj[-1] ** 2) + np.sum(np.mean(traj, axis=0)) + np.sum(k1)


def test_rk4_buffers():
    check(rk4_buffers, lambda rng: (rng.standard_normal(4), 6), refusal="allowed")


def rk4_buffers_no_view(x, n_steps):
    n = x.shape[0]
    K = np.zeros((4, n))
    y = x * 1.0
    h = 0.1
    traj = np.zeros((n_steps + 1, n))
    traj[0] = y
    for s in range(n_steps):
        K[0] = -y + np.sin(y)
        K[1] = -(y + 0.5 * h * K[0]) + np.sin(y + 0.5 * h * K[0])
        K[2] = -(y + 0.5 * h * K[1]) + np.sin(y + 0.5 * h * K[1])
        K[3] = -(y + h * K[2]) + np.sin(y + h * K[2])
        y = y + h / 6.0 * (K[0] + 2.0 * K[1] + 2.0 * K[2] + K[3])
        traj[s + 1] = y
    return np.sum(traj[-1] ** 2) + np.sum(np.mean(traj, axis=0)) + np.sum(K[0])


def test_rk4_buffers_no_view():
    check(rk4_buffers_no_view, lambda rng: (rng.standard_normal(4), 6))


def lotka_volterra_history(x, n_steps):
    state = np.array([1.0 + 0.1 * x[0], 0.5 + 0.1 * x[1]])
    a, b, c, d = 1.0 + x[2] * 0.1, 0.4, 0.8, 0.3
    hist = []
    dt = 0.05
    for t in range(n_steps):
        hist.append(state.copy())
        prey, pred = state[0], state[1]
        dprey = a * prey - b * prey * pred
        dpred = d * prey * pred - c * pred
        state[0] = prey + dt * dprey
        state[1] = pred + dt * dpred
    hist.append(state)  # the live array: nothing changes it after
    total = 0.0
    for k, s in enumerate(hist):
        total = total + (k + 1) * 0.01 * np.sum(s**2)
    return total + hist[-1][0] * hist[0][1]


def test_lotka_volterra_history():
    check(lotka_volterra_history, lambda rng: (rng.standard_normal(3), 12))


def lotka_volterra_history_live(x, n_steps):
    state = np.array([1.0 + 0.1 * x[0], 0.5 + 0.1 * x[1]])
    hist = []
    dt = 0.05
    for t in range(n_steps):
        hist.append(state)  # Python: every item is the same array, the final state
        prey, pred = state[0], state[1]
        state[0] = prey + dt * (prey - 0.4 * prey * pred)
        state[1] = pred + dt * (0.3 * prey * pred - 0.8 * pred)
    total = 0.0
    for s in hist:
        total = total + np.sum(s**2)
    return total


def test_lotka_volterra_history_live():
    check(lotka_volterra_history_live, lambda rng: (rng.standard_normal(2), 6), refusal="allowed")


def double_buffer_stencil(x, n_iter):
    cur = np.tanh(x) * 1.0
    nxt = np.zeros_like(cur)
    first_buf = cur  # the first buffer, whichever name holds it later
    for it in range(n_iter):
        nxt[0] = cur[0]
        nxt[-1] = cur[-1]
        nxt[1:-1] = 0.25 * cur[:-2] + 0.5 * cur[1:-1] + 0.25 * cur[2:]
        cur, nxt = nxt, cur  # ping-pong
    return np.sum(cur**2) + 0.5 * np.sum(first_buf) + 0.1 * np.sum(nxt)


def test_double_buffer_stencil():
    # `first_buf` is one of the two buffers the loop swaps: refused at its line, or exact
    check(double_buffer_stencil, lambda rng: (rng.standard_normal(6), 4), refusal="allowed")
    check(double_buffer_stencil, lambda rng: (rng.standard_normal(6), 5), refusal="allowed")


def double_buffer_no_alias(x, n_iter):
    cur = np.tanh(x) * 1.0
    nxt = np.zeros_like(cur)
    for it in range(n_iter):
        nxt[0] = cur[0]
        nxt[-1] = cur[-1]
        nxt[1:-1] = 0.25 * cur[:-2] + 0.5 * cur[1:-1] + 0.25 * cur[2:]
        cur, nxt = nxt, cur
    return np.sum(cur**2) + 0.1 * np.sum(nxt)


def test_double_buffer_no_alias():
    check(double_buffer_no_alias, lambda rng: (rng.standard_normal(6), 5), refusal="allowed")


def damped_oscillator_while(x):
    state = np.array([x[0], x[1]]) * 1.0
    t = 0.0
    dt = 0.05
    log = np.zeros((200, 2))
    k = 0
    peak = state  # alias of the live state
    while t < 1.0:
        acc = -4.0 * state[0] - 0.3 * state[1]
        state[1] = state[1] + dt * acc
        state[0] = state[0] + dt * state[1]
        log[k] = state
        k += 1
        t += dt
        if np.sum(state**2) > 50.0:
            break
    return np.sum(log[:k, 0] ** 2) * dt + peak[0] + np.sum(state) * 0.5


def test_damped_oscillator_while():
    check(damped_oscillator_while, lambda rng: (rng.standard_normal(2),))


# ---------------------------------------------------------------------------------------
# C. lists of arrays appended to and read back
# ---------------------------------------------------------------------------------------


def rnn_hidden_list(x, n_steps):
    W = np.array([[0.5, -0.3, 0.1], [0.2, 0.4, -0.2], [-0.1, 0.3, 0.6]])
    h = np.tanh(x[:3])
    hs = [h]
    everything = hs  # the same list: sees every append
    outs = []
    for t in range(n_steps):
        inp = x[3:6] * np.cos(0.3 * t)
        h = np.tanh(W @ hs[-1] + inp)
        hs.append(h)
        if t >= 1:
            outs.append(hs[-1] - hs[-2])
    acc = 0.0
    for k in range(len(everything)):
        acc = acc + np.sum(everything[k] ** 2) * (k + 1)
    for o in outs:
        acc = acc + 0.5 * np.sum(o**2)
    return acc + np.sum(hs[len(hs) // 2])


def test_rnn_hidden_list():
    check(rnn_hidden_list, lambda rng: (rng.standard_normal(6), 7))


def fibonacci_arrays(x, n):
    seq = [x * 1.0, np.sin(x)]
    for k in range(n):
        seq.append(0.5 * seq[-1] + 0.4 * seq[-2])
    tail = seq[-3:]
    head = seq[:2]
    s = 0.0
    for v in tail:
        s = s + np.sum(v**2)
    for v in head:
        s = s + 0.1 * np.sum(v)
    seq[0] = seq[0] * 2.0  # replacing an item: `head` is another list, unchanged
    return s + np.sum(seq[0]) + np.sum(head[0])


def test_fibonacci_arrays():
    check(fibonacci_arrays, lambda rng: (rng.standard_normal(4), 9))


def list_pop_insert_queue(x):
    queue = [x * 1.0, x * 2.0, x**2]
    seen = queue
    total = 0.0
    for step in range(6):
        front = queue.pop(0)
        total = total + np.sum(front * np.cos(step * 0.5))
        queue.append(np.tanh(front) + 0.1 * step)
        if step == 2:
            queue.insert(0, front * 0.5)
    return total + np.sum(seen[0]) + len(seen) * np.sum(queue[-1])


def test_list_pop_insert_queue():
    check(list_pop_insert_queue, vec(4))


def list_float_items_updated(x):
    acc = [0.0, 0.0, 0.0]
    same = acc
    for i in range(x.shape[0]):
        acc[i % 3] += x[i] ** 2
        acc[(i + 1) % 3] -= 0.5 * np.sin(x[i])
        acc[2] *= 0.9
    for k in range(3):
        same[k] = same[k] * (k + 1.0)
    return acc[0] * acc[1] + acc[2] + same[1]


def test_list_float_items_updated():
    check(list_float_items_updated, vec(7))


def list_alias_rebound_in_loop(x):
    batch = []
    first_batches = batch  # the first list: gets the items appended until it is replaced
    total = 0.0
    for t in range(6):
        batch.append(x * (t + 1.0))
        if len(batch) == 3:
            total = total + np.sum(np.stack(batch) ** 2) * 0.01
            batch = []
    s = 0.0
    for item in first_batches:
        s = s + np.sum(np.sin(item))
    return s + total


# (a strict xfail until session 41, silently wrong: `first_batches = batch` before a loop that
# appends to `batch` and rebinds `batch = []` after 3 appends: Python's first_batches holds
# those 3 items; s2s_ad's has none of them, no error: value 0.1034 vs plain 2.130, gradient off
# by 5.95 of 6.05; now refused at run time at the update, located, where Python's alias would
# see it)
def test_list_alias_rebound_in_loop():
    check(list_alias_rebound_in_loop, vec(4), refusal="allowed")


def list_alias_rebound_on_branch(x, restart):
    log = [x * 1.0]
    archive = log  # the same list ...
    if restart:
        log = [x * 5.0]  # ... unless this branch runs
    for k in range(3):
        log.append(np.tanh(log[-1]) * (k + 1.0))
    return np.sum(archive[-1] ** 2) + 0.5 * len(archive)


def test_list_alias_rebound_on_branch_taken():
    check(list_alias_rebound_on_branch, vec_and(4, True), refusal="allowed")


# (a strict xfail until session 41, silently wrong: `archive = log; if restart: log = [...]`
# then `log.append(...)` 3 times: where the branch is not taken archive is log and sees the
# appends; s2s_ad neither refuses nor sees them (archive[-1] stays x): value 0.6136 vs plain
# 4.990, gradient off by 10.7 of 11.3; now refused at run time at the update, located, where
# Python's alias would see it)
def test_list_alias_rebound_on_branch_not_taken():
    check(list_alias_rebound_on_branch, vec_and(4, False), refusal="allowed")


def list_alias_made_after_append_in_loop(x):
    L = [x * 1.0]
    view = [x * 0.0]
    for t in range(3):
        L.append(L[-1] * 0.5 + np.sin(L[-1]))
        view = L  # from now on the same list
    L.append(x * 7.0)
    return np.sum(view[-1] ** 2) + len(view)


# (a strict xfail until session 41, silently wrong: `view = L` at the end of a loop body, then
# `L.append(x * 7.0)` after the loop: Python's view[-1] is x * 7; s2s_ad reads the list as at
# the loop's end, no error: value 5.819 vs plain 14.08, gradient off by 26.3 of 31.4; now
# refused at run time at the update, located, where Python's alias would see it)
def test_list_alias_made_after_append_in_loop():
    check(list_alias_made_after_append_in_loop, vec(5), refusal="allowed")


def list_same_array_twice(x):
    a = np.tanh(x)
    pair = [a, a]
    pair[0] = pair[0] * 2.0  # replaces the first slot; the second still holds `a`
    s = np.sum(pair[0] * pair[1])
    pair.append(a)
    for k in range(4):
        pair.append(pair[-1] * 0.5 + pair[0] * 0.1)
    return s + np.sum(pair[-1] ** 2) + np.sum(pair[1])


def test_list_same_array_twice():
    check(list_same_array_twice, vec(5))


def list_same_array_twice_updated(x):
    a = np.tanh(x)
    pair = [a, a]
    a[0] = 3.0 * x[1]  # Python: both slots see it
    return np.sum(pair[0] * pair[1]) + np.sum(a)


def test_list_same_array_twice_updated():
    # README: an update through one name while a container holding it is read later is checked
    check(list_same_array_twice_updated, vec(5), refusal="allowed")


def list_item_row_alias(x):
    rows = [np.sin(x), np.cos(x), x**2]
    row = rows[1]
    first = rows[0]
    for k in range(3):
        rows[k] = rows[k] * (k + 1.0)  # replaces items: `row` and `first` keep the old arrays
    rows.append(row + first)
    return np.sum(rows[-1] ** 2) + np.sum(rows[1]) + np.sum(first)


def test_list_item_row_alias():
    check(list_item_row_alias, vec(5))


# ---------------------------------------------------------------------------------------
# D. buffers filled slice by slice
# ---------------------------------------------------------------------------------------


def feature_buffer(x, n_blocks):
    n = x.shape[0]
    buf = np.zeros(n_blocks * n)
    scales = np.zeros(n_blocks)
    for k in range(n_blocks):
        block = np.sin((k + 1) * x) / (k + 1)
        buf[k * n : (k + 1) * n] = block
        scales[k] = np.sum(block**2)
    buf[:n] += 0.5 * x  # the first block again
    buf[-n:] *= 2.0
    total = np.dot(buf, buf) + np.sum(scales * np.arange(1.0, n_blocks + 1))
    return total + buf[0] * buf[-1]


def test_feature_buffer():
    check(feature_buffer, lambda rng: (rng.standard_normal(4), 5))


def design_matrix_columns(x, degree):
    n = x.shape[0]
    V = np.ones((n, degree + 1))
    for j in range(1, degree + 1):
        V[:, j] = V[:, j - 1] * x
    G = V.T @ V + 0.1 * np.eye(degree + 1)
    rhs = V.T @ np.cos(np.arange(n) * 1.0)
    coef = np.linalg.solve(G, rhs)
    resid = V @ coef - np.cos(np.arange(n) * 1.0)
    V[:, 0] = resid  # reuse the first column as scratch
    return np.sum(resid**2) + np.sum(V[:, 0] * x) + np.sum(coef**2) * 0.01


def test_design_matrix_columns():
    check(design_matrix_columns, lambda rng: (0.8 * rng.standard_normal(6), 3))


def ring_buffer_moving_average(x, window):
    ring = np.zeros(window)
    out = np.zeros(x.shape[0])
    head = 0
    for t in range(x.shape[0]):
        ring[head] = x[t] ** 2 + np.sin(x[t])
        head = (head + 1) % window
        out[t] = np.sum(ring) / window
    smoothed = out[window - 1 :]
    return np.sum(smoothed**2) + 0.1 * np.sum(ring)


def test_ring_buffer_moving_average():
    check(ring_buffer_moving_average, lambda rng: (rng.standard_normal(9), 3))


def buffer_head_view_read_after_fill(x):
    buf = np.zeros(8)
    head = buf[:4]  # a view, taken before the buffer is filled
    for k in range(4):
        buf[2 * k : 2 * k + 2] = np.array([np.sin(x[k]), np.cos(x[k]) * x[k]])
    return np.sum(head**2) + np.sum(buf)


def test_buffer_head_view_read_after_fill():
    # `head` is a view of `buf` read after updates of `buf`: documented as refused
    check(buffer_head_view_read_after_fill, vec(4), refusal="allowed")


def buffer_filled_then_views(x):
    buf = np.zeros(8)
    for k in range(4):
        buf[2 * k : 2 * k + 2] = np.array([np.sin(x[k]), np.cos(x[k]) * x[k]])
    head = buf[:4]  # views made after the last update: no update follows
    grid = buf.reshape(2, 4)
    cols = grid.T
    return np.sum(head**2) + np.sum(cols[1] * cols[2]) + np.sum(grid[1] ** 3)


def test_buffer_filled_then_views():
    check(buffer_filled_then_views, vec(4))


def image_patches(x):
    img = np.reshape(np.tanh(x), (4, 4))
    out = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            patch = img[i : i + 2, j : j + 2]  # a view read at once, never updated
            out[i, j] = np.sum(patch * np.array([[1.0, -1.0], [0.5, 0.25]]))
    out[1, :] = out[1, :] - np.mean(out[1, :])
    out[:, 2] *= 0.5
    return np.sum(out**2) + np.sum(img[0, :3] * out[0])


def test_image_patches():
    check(image_patches, vec(16))


def scatter_accumulate_buffer(x, n_rounds):
    idx = np.array([0, 2, 1, 3, 0, 2])
    acc = np.zeros(4)
    counts = np.zeros(4)
    for r in range(n_rounds):
        for k in range(idx.shape[0]):
            acc[idx[k]] += x[k] * (r + 1) * 0.5
            counts[idx[k]] += 1.0
        acc = acc * 0.9
    mean = acc / counts
    acc[0] = mean[1] * mean[2]
    return np.sum(mean**2) + acc[0] + np.sum(acc[1:] * x[:3])


def test_scatter_accumulate_buffer():
    check(scatter_accumulate_buffer, lambda rng: (rng.standard_normal(6), 4))


# ---------------------------------------------------------------------------------------
# E. aliases made early and used late; names made the same object on one branch only
# ---------------------------------------------------------------------------------------


def early_alias_late_update(x):
    state = np.zeros(6)
    prev = state  # the same array, read 40 lines below
    state[0] = np.sin(x[0])
    state[1] = np.cos(x[1]) * x[0]
    scale = 1.0 + 0.1 * x[2] ** 2
    state[2] = state[0] * scale
    state[3] = state[1] - state[2]
    tmp = np.tanh(state[:4])
    norm = np.sum(tmp**2) + 1.0
    state[4] = norm * 0.5
    state[5] = state[4] - state[3]
    a = state[0] + state[5]
    b = state[1] * state[2]
    c = a * b + np.sum(state) * 0.1
    d = np.exp(-(c**2))
    e = d * scale
    r = np.array([a, b, c, d, e])
    r = r / (np.sum(r**2) + 1.0)
    s = np.sum(np.cumsum(r))
    for k in range(6):
        state[k] = state[k] * 0.5 + s * 0.1
    t = np.sum(prev * prev)
    state[0] = state[0] + t * 0.01
    u = prev[0] * 3.0  # after the last update: prev is still state
    v = np.dot(prev, np.arange(6.0))
    w = u + v + t
    return w + np.sum(state) * 0.2 + e


def test_early_alias_late_update():
    check(early_alias_late_update, vec(3))


def branch_alias_copy_or_same(x, share):
    a = np.tanh(x) * 1.0
    if share:
        b = a
    else:
        b = a.copy()
    for k in range(a.shape[0]):
        a[k] = a[k] * 2.0 + 0.1 * k
    a[0] = a[0] + np.sum(a[1:])
    return np.sum(b**2) + np.sum(a)


def test_branch_alias_copy_or_same():
    # sharing on one branch only: README says it is checked when called (located error)
    check(branch_alias_copy_or_same, vec_and(5, True), refusal="allowed")
    # and where the branch copies, the same derivative code must run and be exact
    check(branch_alias_copy_or_same, vec_and(5, False))


def branch_alias_dict(x, restart):
    cfg = {"w": x * 1.0, "lr": 0.1}
    base = cfg
    if restart:
        cfg = {"w": x * 0.5, "lr": 0.2}
    for t in range(5):
        cfg["w"] = cfg["w"] - cfg["lr"] * np.sin(cfg["w"])
    return np.sum(base["w"] ** 2) + np.sum(cfg["w"])


def test_branch_alias_dict_restart():
    check(branch_alias_dict, vec_and(5, True), refusal="allowed")


# (a strict xfail until session 41, silently wrong: `base = cfg; if restart: cfg = {...}` then
# `cfg['w'] = ...` in a loop: where the branch is not taken base is cfg and sees the updates;
# s2s_ad gives base['w'] = x, no error: value 0.2459 vs plain 0.1259, gradient off by 0.41 of
# 0.83 (arrays in the same shape are refused); now refused at run time at the update, located,
# where Python's alias would see it)
def test_branch_alias_dict_no_restart():
    check(branch_alias_dict, vec_and(5, False), refusal="allowed")


def join_after_loop_choose_buffer(x, pick):
    a = np.zeros(5)
    b = np.zeros(5)
    for i in range(5):
        a[i] = np.sin(x[i])
        b[i] = np.cos(x[i])
    c = a if pick else b
    c[0] = c[0] * 3.0 + x[1]
    return np.sum(a**2) + 2.0 * np.sum(b**2) + np.sum(c)


def test_join_after_loop_choose_buffer():
    check(join_after_loop_choose_buffer, vec_and(5, True), refusal="allowed")
    check(join_after_loop_choose_buffer, vec_and(5, False), refusal="allowed")


def join_copy_then_update(x, pick):
    a = np.sin(x)
    b = np.cos(x)
    c = a.copy() if pick else b.copy()
    for i in range(5):
        c[i] = c[i] * (i + 1.0)
    return np.sum(a**2) + 2.0 * np.sum(b**2) + np.sum(c**2)


def test_join_copy_then_update():
    check(join_copy_then_update, vec_and(5, True))
    check(join_copy_then_update, vec_and(5, False))


# ---------------------------------------------------------------------------------------
# F. aliases carried by loops: back edges, nested loops, break, while
# ---------------------------------------------------------------------------------------


def alias_before_loop_both_names_updated(x, n_outer):
    grid = np.zeros(5)
    same = grid  # one array, two names, carried by the loops
    total = 0.0
    for outer in range(n_outer):
        for i in range(5):
            grid[i] = grid[i] * 0.5 + np.sin(x[i] * (outer + 1))
            total = total + same[i] * x[(i + 1) % 5]
        same[0] = same[0] + 0.1 * grid[4]
        if outer % 2 == 1:
            grid[4] = grid[4] * 0.9
    return total + np.sum(same**2) + np.sum(grid)


def test_alias_before_loop_both_names_updated():
    check(alias_before_loop_both_names_updated, lambda rng: (rng.standard_normal(5), 4))


def alias_made_in_loop_before_update(x):
    w = np.zeros(5)
    acc = 0.0
    for i in range(5):
        v = w  # made each iteration, before the update
        v[i] = x[i] ** 2 + np.sin(x[i])
        acc = acc + w[i] * x[i]
        for j in range(i):
            v[j] = v[j] * 0.9
            acc = acc + 0.1 * w[j]
    return acc + np.sum(w**2) + np.sum(v)


def test_alias_made_in_loop_before_update():
    check(alias_made_in_loop_before_update, vec(5))


def nested_loops_break_alias(x, limit):
    a = np.zeros(5)
    b = a
    c = b
    rows = 0
    for outer in range(3):
        i = 0
        while i < 5:
            c[i] = c[i] + x[i] ** 2 * (outer + 1)
            if np.sum(a) > limit:
                break
            i += 1
        rows += 1
        if b[0] > 2.0 * limit:
            break
    return np.sum(a * x) + np.sum(b**2) + rows * 0.0 + c[4]


def test_nested_loops_break_alias():
    check(nested_loops_break_alias, lambda rng: (rng.standard_normal(5), 0.5))  # breaks early
    check(nested_loops_break_alias, lambda rng: (rng.standard_normal(5), 100.0))  # never breaks


def dict_alias_taken_on_one_iteration(x, n_steps):
    params = {"w": x * 1.0, "n": 0.0}
    checkpoint = {"w": x * 0.0, "n": 0.0}
    for t in range(n_steps):
        params["w"] = params["w"] * 0.9 + 0.05 * np.sin(params["w"])
        params["n"] = params["n"] + np.sum(params["w"])
        if t == 2:
            checkpoint = params  # Python: the same dict, so it sees the later steps too
    return np.sum(checkpoint["w"] ** 2) + 0.01 * checkpoint["n"]


# (a strict xfail until session 41, silently wrong: `checkpoint = params` on one iteration,
# after that iteration's updates: the later iterations' `params['w'] = ...` are seen through
# checkpoint in Python; s2s_ad reads checkpoint as the dict was when the alias was made, no
# error: value 0.5419 vs plain 0.3284; now refused at run time at the update, located, where
# Python's alias would see it)
def test_dict_alias_taken_on_one_iteration():
    check(
        dict_alias_taken_on_one_iteration,
        lambda rng: (rng.standard_normal(5), 8),
        refusal="allowed",
    )


def dict_alias_at_end_of_body_then_update(x):
    d = {"w": x * 1.0}
    e = {"w": x * 0.0}
    for t in range(3):
        d["w"] = d["w"] * 0.5 + 0.1
        e = d
    d["w"] = d["w"] * 3.0  # after the loop: e is d
    return np.sum(e["w"] ** 2)


# (a strict xfail until session 41, silently wrong: `e = d` at the end of a loop body, then
# `d['w'] = d['w'] * 3.0` after the loop: e is d, so Python's e['w'] is tripled; s2s_ad gives
# e['w'] as at the loop's end, no error: value 0.1605 vs plain 1.444; now refused at run time at
# the update, located, where Python's alias would see it)
def test_dict_alias_at_end_of_body_then_update():
    check(dict_alias_at_end_of_body_then_update, vec(5), refusal="allowed")


def dict_alias_at_end_of_body_no_later_update(x):
    d = {"w": x * 1.0}
    e = {"w": x * 0.0}
    for t in range(3):
        d["w"] = d["w"] * 0.5 + 0.1
        e = d
    return np.sum(e["w"] ** 2) + np.sum(d["w"])


def test_dict_alias_at_end_of_body_no_later_update():
    check(dict_alias_at_end_of_body_no_later_update, vec(5))


def while_dict_alias_after_first_update(x):
    d = {"w": x * 1.0}
    e = {"w": x}
    t = 0
    while True:
        d["w"] = np.sin(d["w"]) + 0.1
        if t == 0:
            e = d
        t += 1
        if t > 3:
            break
    return np.sum(e["w"] ** 2)


# (a strict xfail until session 41, silently wrong: a `while True` loop left by `break`: `e = d`
# after the first update, the later iterations update d['w'], which Python's e sees; s2s_ad
# gives e['w'] after the first iteration, no error: value 0.2500 vs plain 0.9498; now refused at
# run time at the update, located, where Python's alias would see it)
def test_while_dict_alias_after_first_update():
    check(while_dict_alias_after_first_update, vec(5), refusal="allowed")


def snapshot_every_k_steps(x, n_steps):
    d = {"w": x * 1.0}
    snap = {"w": x * 0.0}
    for t in range(n_steps):
        d["w"] = d["w"] - 0.1 * np.tanh(d["w"])
        if t % 3 == 0:
            snap = d  # meant as a snapshot, but it is the same dict
    d["w"] = d["w"] * 2.0
    return np.sum(snap["w"] ** 2)


# (a strict xfail until session 41, silently wrong: `snap = d` every third step (no copy): the
# later steps and `d['w'] = d['w'] * 2.0` after the loop are seen through snap in Python; s2s_ad
# gives snap['w'] without them, no error: value 0.1008 vs plain 0.4032; now refused at run time
# at the update, located, where Python's alias would see it)
def test_snapshot_every_k_steps():
    check(snapshot_every_k_steps, lambda rng: (rng.standard_normal(5), 10), refusal="allowed")


def snapshot_every_k_steps_copied(x, n_steps):
    d = {"w": x * 1.0}
    snap = {"w": x * 0.0}
    for t in range(n_steps):
        d["w"] = d["w"] - 0.1 * np.tanh(d["w"])
        if t % 3 == 0:
            snap = d.copy()  # a real snapshot: a new dict (sharing arrays that are never updated)
    d["w"] = d["w"] * 2.0
    return np.sum(snap["w"] ** 2) + np.sum(d["w"])


def test_snapshot_every_k_steps_copied():
    check(snapshot_every_k_steps_copied, lambda rng: (rng.standard_normal(5), 10))


def loop_carried_same_object_on_entry(x, n_steps):
    pos = np.zeros(4)
    vel = np.zeros(4)
    p_alias = pos
    v_alias = vel
    for step in range(n_steps):
        for i in range(4):
            vel[i] = vel[i] * 0.9 - 0.1 * np.sin(pos[i]) + 0.05 * x[i]
        for i in range(4):
            pos[i] = pos[i] + 0.1 * v_alias[i]
        p_alias[0] = p_alias[0] * 0.99
    return np.sum(p_alias**2) + np.sum(v_alias * x) + pos[3]


def test_loop_carried_same_object_on_entry():
    check(loop_carried_same_object_on_entry, lambda rng: (rng.standard_normal(4), 6))


def loop_rebinds_copy_then_updates(x):
    cur = x * 1.0
    for t in range(4):
        old = cur  # the array of this iteration
        cur = cur * 0.9 + 0.1 * np.sin(cur)  # a new array; `old` keeps the previous one
        old[0] = 1.0  # updates the previous array only
        cur[1] = cur[1] + old[0] * 0.1
    return np.sum(cur**2) + np.sum(old)


def test_loop_rebinds_copy_then_updates():
    check(loop_rebinds_copy_then_updates, vec(5))


def accumulate_history_rows(x, n_steps):
    n = x.shape[0]
    hist = np.zeros((n_steps, n))
    state = np.tanh(x) * 1.0
    for t in range(n_steps):
        state = state * 0.8 + 0.2 * np.roll(state, 1)
        hist[t] = state
        if t > 0:
            hist[t] = hist[t] + 0.1 * hist[t - 1]
        state[0] = hist[t, -1]
    return np.sum(hist**2) + np.sum(state)


def test_accumulate_history_rows():
    check(accumulate_history_rows, lambda rng: (rng.standard_normal(4), 7))


# ---------------------------------------------------------------------------------------
# G. helpers (plain Python functions of this module) that update their argument in place,
#    or return new values, or return their argument
# ---------------------------------------------------------------------------------------


def normalise_inplace(v):
    v /= np.sum(v**2) ** 0.5 + 1.0


def clip_row_inplace(M, i, limit):
    M[i] = np.tanh(M[i] / limit) * limit


def normalised(v):
    return v / (np.sum(v**2) ** 0.5 + 1.0)


def passthrough(v):
    return v


def power_iteration_helper_inplace(x, n_iter):
    M = np.outer(np.tanh(x), np.cos(x)) + np.eye(x.shape[0])
    v = np.ones(x.shape[0])
    for k in range(n_iter):
        v = M @ v
        normalise_inplace(v)  # README: refused at the call, naming the helper's line
    return np.sum(v**2) + v[0]


def test_power_iteration_helper_inplace_refused():
    check(
        power_iteration_helper_inplace, lambda rng: (rng.standard_normal(4), 5), refusal="expected"
    )


def clip_rows_helper_inplace(x):
    M = np.reshape(x * 3.0, (2, 3))
    for i in range(2):
        clip_row_inplace(M, i, 1.5)
    return np.sum(M**2)


def test_clip_rows_helper_inplace_refused():
    check(clip_rows_helper_inplace, vec(6), refusal="expected")


def power_iteration_helper_returns_new(x, n_iter):
    M = np.outer(np.tanh(x), np.cos(x)) + np.eye(x.shape[0])
    v = np.ones(x.shape[0])
    history = [v]
    for k in range(n_iter):
        v = normalised(M @ v)
        history.append(v)
        v[0] = v[0] + 0.01 * k  # an element update of the array the list also holds
    return np.sum(v**2) + np.sum(history[1])


def test_power_iteration_helper_returns_new():
    # `history` holds the array updated right after: checked when called (README)
    check(
        power_iteration_helper_returns_new,
        lambda rng: (rng.standard_normal(4), 5),
        refusal="allowed",
    )


def power_iteration_helper_returns_new_no_history(x, n_iter):
    M = np.outer(np.tanh(x), np.cos(x)) + np.eye(x.shape[0])
    v = np.ones(x.shape[0])
    norms = []
    for k in range(n_iter):
        v = normalised(M @ v)
        norms.append(np.sum(v**2))
        v[0] = v[0] + 0.01 * k
    return np.sum(v**2) + sum(norms)


def test_power_iteration_helper_returns_new_no_history():
    check(power_iteration_helper_returns_new_no_history, lambda rng: (rng.standard_normal(4), 5))


def alias_through_passthrough_helper(x):
    a = np.sin(x) * 1.0
    b = passthrough(a)  # the same array
    for i in range(x.shape[0]):
        b[i] = b[i] * (i + 1.0)
    return np.sum(a**2) + np.sum(b)


def test_alias_through_passthrough_helper():
    # README: an alias returned by a helper is checked when called (or seen: both are fine)
    check(alias_through_passthrough_helper, vec(5), refusal="allowed")


def nested_def_updates_enclosing(x):
    buf = np.zeros(6)
    log = []

    def push(k, v):
        buf[k] = v  # README: a nested function's updates of enclosing arrays are seen
        log.append(v * 2.0)

    for k in range(6):
        push(k, np.sin(x[k]) * (k + 1))
    push(0, buf[0] + buf[5])
    return np.sum(buf**2) + sum(log) * 0.1


def test_nested_def_updates_enclosing():
    check(nested_def_updates_enclosing, vec(6))


# ---------------------------------------------------------------------------------------
# H. dicts and lists holding the same array twice
# ---------------------------------------------------------------------------------------


def dict_same_array_two_keys(x):
    shared = np.tanh(x)
    d = {"enc": shared, "dec": shared, "bias": np.zeros(5)}
    for t in range(6):
        d["enc"] = d["enc"] * 0.9 + 0.1 * np.sin(d["dec"])  # rebinding: "dec" keeps `shared`
        d["bias"] = d["bias"] + 0.05 * d["enc"]
    return np.sum(d["enc"] * d["dec"]) + np.sum(d["bias"] ** 2) + np.sum(shared)


def test_dict_same_array_two_keys():
    check(dict_same_array_two_keys, vec(5))


def dict_same_array_two_keys_updated(x):
    shared = np.tanh(x)
    d = {"enc": shared, "dec": shared}
    shared[0] = 2.0 * x[1]  # Python: both keys see it
    return np.sum(d["enc"] * d["dec"])


def test_dict_same_array_two_keys_updated():
    check(dict_same_array_two_keys_updated, vec(5), refusal="allowed")


def dict_two_keys_augmented(x):
    shared = np.tanh(x)
    d = {"enc": shared, "dec": shared}
    d["enc"] += 1.0  # in place on the shared array: "dec" sees it
    return np.sum(d["enc"] * d["dec"]) + np.sum(shared)


def test_dict_two_keys_augmented():
    check(dict_two_keys_augmented, vec(5), refusal="allowed")
    check(dict_two_keys_augmented_only_other_key_read, vec(5), refusal="allowed")


def dict_two_keys_augmented_only_other_key_read(x):
    shared = np.tanh(x)
    d = {"enc": shared, "dec": shared}
    d["enc"] += 1.0
    return np.sum(d["dec"] ** 2)


def list_twice_then_rebuilt(x):
    a = np.sin(x)
    L = [a, a, np.cos(x)]
    for k in range(3):
        L[k] = L[k] * (k + 2.0)  # each slot gets a new array; `a` is never updated
    L.append(a)
    M = L
    for k in range(5):
        M.append(M[-1] * 0.5 + L[k % 3] * 0.1)
    return np.sum(L[-1] ** 2) + np.sum(a * L[0]) + len(M) * 0.0


def test_list_twice_then_rebuilt():
    check(list_twice_then_rebuilt, vec(5))


def dict_of_lists_of_arrays(x):
    store = {"train": [], "valid": []}
    alias = store
    for t in range(6):
        key = "train" if t % 3 else "valid"
        store[key] = store[key] + [np.sin(x * (t + 1))]  # a new list each time
    store["train"] = store["train"] + [x**2]
    total = 0.0
    for v in alias["train"]:
        total = total + np.sum(v**2)
    for v in alias["valid"]:
        total = total + 0.5 * np.sum(v)
    return total


def test_dict_of_lists_of_arrays():
    check(dict_of_lists_of_arrays, vec(4))


# ---------------------------------------------------------------------------------------
# I. views: .T, reshape, ravel, slices taken before a loop and read after it
# ---------------------------------------------------------------------------------------


def transpose_view_read_after_update(x):
    M = np.reshape(x * 1.0, (2, 3))
    MT = M.T  # a view
    for j in range(3):
        M[0, j] = M[0, j] + M[1, j] * 0.5
    return np.sum(MT[:, 0] ** 2) + np.sum(M)


def test_transpose_view_read_after_update():
    check(transpose_view_read_after_update, vec(6), refusal="allowed")


def reshape_view_read_after_loop(x):
    grid = np.zeros((3, 3))
    flat = grid.reshape(-1)  # a view of the grid
    for i in range(3):
        grid[i] = np.sin(x[3 * i : 3 * i + 3]) * (i + 1)
    return np.sum(flat**2) + flat[4]


def test_reshape_view_read_after_loop():
    check(reshape_view_read_after_loop, vec(9), refusal="allowed")


def view_updated_base_read(x):
    a = np.tanh(x) * 1.0
    tail = a[2:]
    tail *= 2.0  # README: refused, naming both
    return np.sum(a**2)


def test_view_updated_base_read_refused():
    check(view_updated_base_read, vec(5), refusal="expected")


def view_before_loop_no_updates(x, n_steps):
    state = np.tanh(x) * 1.0
    left = state[:3]  # views of an array that is never updated again: the loop rebinds `state`
    right = state[3:]
    acc = 0.0
    for t in range(n_steps):
        state = state * 0.8 + 0.1 * np.roll(state, 1)
        acc = acc + np.sum(state[:3] * left) - np.sum(state[3:] * right)
    return acc + np.sum(left**2) + np.sum(state)


def test_view_before_loop_no_updates():
    check(view_before_loop_no_updates, lambda rng: (rng.standard_normal(6), 8))


def ravel_of_copy_updated(x):
    M = np.reshape(np.sin(x), (2, 3))
    flat = M.ravel().copy()  # a copy: free to update
    for k in range(6):
        flat[k] = flat[k] * (k + 1.0)
    M[1] = M[1] * 3.0
    return np.sum(flat * M.ravel()) + np.sum(M.T[0])


def test_ravel_of_copy_updated():
    check(ravel_of_copy_updated, vec(6))


def out_argument_with_alias(x):
    a = x * 1.0
    b = a
    np.add(a, x, out=a)  # README: `out=` is refused
    return np.sum(b**2)


# (a strict xfail until session 41, silently wrong: README: `out=` is refused; `np.add(a, x,
# out=a)` (a = x * 1.0) is accepted instead, the value right and the derivative wrong in both
# modes: gradient 4x where d/dx sum((2x)^2) = 8x (np.multiply(..., out=a) is refused as the
# README says); now refused, located: the run-time check of `c[k] -= v` is kept though its
# result is unread, and `out=` in a statement of its own is refused as in an assignment)
def test_out_argument_with_alias():
    check(out_argument_with_alias, vec(5), refusal="allowed")


def out_argument_in_loop(x, n_steps):
    acc = np.zeros(5)
    for t in range(n_steps):
        step = np.sin(x * (t + 1)) * 0.1
        np.add(acc, step, out=acc)  # accumulate in place
    return np.sum(acc**2) + np.sum(acc * x)


# (a strict xfail until session 41, silently wrong: `np.add(acc, step, out=acc)` accumulating in
# a loop: README says `out=` is refused; it runs, value right, gradient wrong (off by 0.375 of
# 0.484 at the first point); now refused, located: the run-time check of `c[k] -= v` is kept
# though its result is unread, and `out=` in a statement of its own is refused as in an
# assignment)
def test_out_argument_in_loop():
    check(out_argument_in_loop, lambda rng: (rng.standard_normal(5), 4), refusal="allowed")


def copyto_and_fill_refused(x):
    a = np.zeros(5)
    np.copyto(a, np.sin(x))
    return np.sum(a**2)


def test_copyto_refused():
    check(copyto_and_fill_refused, vec(5), refusal="expected")


# ---------------------------------------------------------------------------------------
# J. generated programs: the same dict, list or array updated 50-300 times in sequence
# ---------------------------------------------------------------------------------------

_GEN_DIR = tempfile.mkdtemp(prefix="s2s_t89_gen_")
atexit.register(shutil.rmtree, _GEN_DIR, True)
_GEN_COUNT = [0]


def _load(source, name):
    """Write `source` as a module of its own (s2s_ad reads functions from their files)."""
    _GEN_COUNT[0] += 1
    mod_name = f"t89_generated_{_GEN_COUNT[0]}"
    path = os.path.join(_GEN_DIR, mod_name + ".py")
    with open(path, "w") as fh:
        fh.write(source)
    spec = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = mod
    spec.loader.exec_module(mod)
    return getattr(mod, name)


def gen_dict_optimiser(n_updates, alias_every, keep_in_list):
    """`p` updated n_updates times, with aliases of the dict and of its arrays made along
    the way (before later updates) and all read at the end. The arrays are kept in a list
    (`kept.append(p["w"])`) or under names of their own (`w17 = p["w"]`)."""
    lines = [
        "import numpy as np",
        "",
        "",
        "def unrolled(x):",
        '    p = {"w": x * 1.0, "b": x[:3] * 0.1, "n": 0.0}',
        "    same = p",
        "    kept = []",
    ]
    kept_names = []
    for k in range(n_updates):
        r = k % 4
        if r == 0:
            lines.append(f'    p["w"] = p["w"] - 0.01 * np.tanh(p["w"] + p["b"][{k % 3}])')
        elif r == 1:
            lines.append(f'    p["b"] = p["b"] * 0.99 + 0.001 * p["w"][{k % 2}:{k % 2 + 3}]')
        elif r == 2:
            lines.append(
                f'    p["n"] = p["n"] + 0.001 * np.sum(p["w"] ** 2) * {1.0 + (k % 5) * 0.1}'
            )
        else:
            lines.append('    p["w"] = p["w"] * 0.999 + 0.0005 * np.sin(p["w"])')
        if k % alias_every == alias_every - 1:
            if keep_in_list:
                lines.append(f'    kept.append(p["w"])  # the array bound after update {k}')
            else:
                lines.append(f'    w{k} = p["w"]  # the array bound after update {k}')
                kept_names.append(f"w{k}")
            lines.append(f"    q{k} = p  # the same dict: sees every later update")
    if kept_names:
        lines.append(f"    kept = [{', '.join(kept_names)}]")
    lines.append("    out = np.sum(same['w'] ** 2) + same['n'] + np.sum(same['b'])")
    lines.append("    for i, a in enumerate(kept):")
    lines.append("        out = out + 0.01 * (i + 1) * np.sum(a * x)")
    aliases = [k for k in range(n_updates) if k % alias_every == alias_every - 1]
    for k in aliases[:: max(1, len(aliases) // 5)]:
        lines.append(f"    out = out + 0.1 * np.sum(q{k}['w'])")
    lines.append("    return out")
    return _load("\n".join(lines) + "\n", "unrolled")


@pytest.mark.parametrize("n_updates,alias_every", [(60, 7), (150, 13), (300, 29)])
def test_generated_dict_optimiser(n_updates, alias_every):
    f = gen_dict_optimiser(n_updates, alias_every, keep_in_list=False)
    check(f, vec(5), seeds=(0, 1))


KEPT_IN_LIST_REFUSED = (
    "wrongful refusal: after `kept.append(p['w'])` (or `kept = [p['w']]`, `kept['a'] = "
    "p['w']`), replacing the key `p['w'] = p['w'] - ...` is refused as 'element assignment "
    "on `p`, whose value shares memory with `kept`: the update would change both'; it changes "
    "no array (a plain name `k = p['w']` is accepted), and plain Python runs it"
)


# (a strict xfail until session 41: KEPT_IN_LIST_REFUSED; a list holding an item
# read out of a dict no longer counts as holding the dict)
def test_generated_dict_optimiser_arrays_kept_in_list():
    check(gen_dict_optimiser(150, 13, keep_in_list=True), vec(5))


def parameter_history(x, n_steps):
    params = {"w": x * 1.0, "b": np.array([0.1, -0.1])}
    history = []
    for t in range(n_steps):
        history.append(params["w"])  # the current array; the step below replaces it
        gw = np.tanh(params["w"]) + 0.1 * params["b"][0]
        gb = np.array([np.sum(params["w"]), np.sum(params["w"] ** 2)])
        params["w"] = params["w"] - 0.1 * gw
        params["b"] = params["b"] - 0.01 * gb
    path = 0.0
    for k in range(1, len(history)):
        path = path + np.sum((history[k] - history[k - 1]) ** 2)
    return path + np.sum(params["w"] ** 2)


# (a strict xfail until session 41: KEPT_IN_LIST_REFUSED; a list holding an item
# read out of a dict no longer counts as holding the dict)
def test_parameter_history_reverse():
    check(parameter_history, lambda rng: (rng.standard_normal(4), 6), forward=False)


def gen_list_log(n_updates):
    """A list appended to n_updates times; aliases of the list made along the way."""
    lines = [
        "import numpy as np",
        "",
        "",
        "def unrolled(x):",
        "    log = [x * 1.0]",
        "    everything = log",
    ]
    for k in range(n_updates):
        if k % 3 == 0:
            lines.append(f"    log.append(np.sin(log[-1]) * {0.9 + 0.001 * k:.3f})")
        elif k % 3 == 1:
            lines.append(f"    log.append(log[-1] * 0.5 + log[{k // 2}] * 0.25)")
        else:
            lines.append("    log.append(np.tanh(log[-2] + log[-1]))")
        if k % 25 == 24:
            lines.append(f"    alias{k} = log")
            lines.append(f"    first{k} = log[{k // 3}]")
    lines.append("    out = 0.0")
    lines.append("    for v in everything:")
    lines.append("        out = out + np.sum(v ** 2) * 0.01")
    for k in range(24, n_updates, 25):
        lines.append(f"    out = out + np.sum(alias{k}[-1] * first{k}) + len(alias{k}) * 0.0")
    lines.append("    return out")
    return _load("\n".join(lines) + "\n", "unrolled")


@pytest.mark.parametrize("n_updates", [50, 200])
def test_generated_list_log(n_updates):
    check(gen_list_log(n_updates), vec(4))


def gen_array_element_chain(n_updates, n):
    """One array updated element by element n_updates times, read through aliases."""
    lines = [
        "import numpy as np",
        "",
        "",
        "def unrolled(x):",
        f"    a = np.zeros({n})",
        "    b = a",
        "    total = 0.0",
    ]
    for k in range(n_updates):
        i, j = k % n, (k * 7 + 3) % n
        if k % 5 == 4:
            lines.append(f"    b[{i}] = b[{i}] * 0.9 + np.sin(a[{j}]) * 0.1")
        else:
            c = 0.5 + 0.01 * (k % 7)
            lines.append(f"    a[{i}] = a[{i}] * 0.8 + x[{k % n}] * {c:.2f} + 0.1 * b[{j}]")
        if k % 40 == 39:
            lines.append(f"    c{k} = b  # another name for the same array")
            lines.append(f"    total = total + np.sum(c{k} ** 2) * 0.01")
    names = [f"c{k}" for k in range(39, n_updates, 40)]
    reads = " + ".join(f"np.sum({c} * x)" for c in names) or "0.0"
    lines.append(f"    return total + np.sum(a ** 2) + {reads}")
    return _load("\n".join(lines) + "\n", "unrolled")


@pytest.mark.parametrize("n_updates", [80, 250])
def test_generated_array_element_chain(n_updates):
    check(gen_array_element_chain(n_updates, 6), vec(6))


def gen_dict_loop_with_long_body(n_body, n_iter):
    """A loop whose body updates one dict n_body times; the dict is aliased before the loop
    and an array it holds is kept before the loop."""
    lines = [
        "import numpy as np",
        "",
        "",
        "def looped(x):",
        '    s = {"u": x * 1.0, "v": x[::-1] * 0.5}',
        "    outer = s",
        '    start_u = s["u"]',
        f"    for it in range({n_iter}):",
    ]
    for k in range(n_body):
        if k % 2 == 0:
            lines.append(f'        s["u"] = s["u"] + 0.01 * np.sin(s["v"] * {1 + k % 3})')
        else:
            lines.append(
                f'        s["v"] = s["v"] * 0.995 - 0.01 * np.tanh(s["u"] - {0.01 * k:.2f})'
            )
    lines.append('    return np.sum(outer["u"] ** 2) + np.sum(outer["v"] * start_u)')
    return _load("\n".join(lines) + "\n", "looped")


@pytest.mark.parametrize("n_body,n_iter", [(50, 3), (120, 2)])
def test_generated_dict_loop_with_long_body(n_body, n_iter):
    check(gen_dict_loop_with_long_body(n_body, n_iter), vec(4))


def gen_dict_alias_late_in_chain(n_updates, alias_at):
    """A straight-line chain with `snap = p` made at update `alias_at`, then more updates:
    snap is p, so it sees every later update."""
    lines = ["import numpy as np", "", "", "def chain(x):", '    p = {"w": x * 1.0}']
    for k in range(n_updates):
        lines.append(f'    p["w"] = p["w"] * 0.99 + 0.01 * np.cos(p["w"] * {1 + k % 4})')
        if k == alias_at:
            lines.append("    snap = p")
    lines.append('    return np.sum(snap["w"] ** 2) + 0.5 * np.sum(p["w"])')
    return _load("\n".join(lines) + "\n", "chain")


@pytest.mark.parametrize("n_updates,alias_at", [(60, 5), (200, 150)])
def test_generated_dict_alias_late_in_chain(n_updates, alias_at):
    check(gen_dict_alias_late_in_chain(n_updates, alias_at), vec(4))


def gen_dict_alias_in_loop_then_chain(n_after):
    """`best = params` on an improving step inside a loop (no copy), then n_after straight
    updates after the loop: Python's best is params, so it sees them all."""
    lines = [
        "import numpy as np",
        "",
        "",
        "def train(x):",
        '    params = {"w": x * 1.0}',
        '    best = {"w": x * 0.0}',
        "    best_loss = 1e9",
        "    for t in range(6):",
        '        params["w"] = params["w"] - 0.1 * np.sin(params["w"])',
        '        loss = np.sum(params["w"] ** 2)',
        "        if loss < best_loss:",
        "            best_loss = loss",
        "            best = params",
    ]
    for k in range(n_after):
        lines.append(f'    params["w"] = params["w"] * 0.99 + 0.001 * {k % 5 + 1}')
    lines.append('    return np.sum(best["w"] ** 2) + best_loss * 0.0')
    return _load("\n".join(lines) + "\n", "train")


def gen_loop_body_back_edge(n_body, kind):
    """A loop whose body updates one container n_body times, reading another name, which a
    back edge at the end of the body makes the same object for the next iteration."""
    lines = ["import numpy as np", "", "", "def f(x):"]
    if kind == "array":
        lines += [
            "    a = np.zeros(6)",
            "    b = np.ones(6)",
            "    s = 0.0",
            "    for it in range(3):",
        ]
        for k in range(n_body):
            i, j = k % 6, (k * 5 + 1) % 6
            lines.append(f"        a[{i}] = a[{i}] * 0.7 + x[{k % 6}] * {0.3 + 0.01 * (k % 9):.2f}")
            lines.append(f"        s = s + b[{j}] * {0.01 * (k % 4 + 1):.2f}")
        lines += ["        c = a", "        b = c", "    return s + np.sum(b ** 2)"]
    elif kind == "same_on_entry":
        lines += ["    a = np.zeros(6)", "    b = a", "    s = 0.0", "    for it in range(3):"]
        for k in range(n_body):
            i, j = k % 6, (k * 5 + 1) % 6
            if k % 2:
                lines.append(
                    f"        a[{i}] = a[{i}] * 0.7 + x[{k % 6}] * {0.3 + 0.01 * (k % 9):.2f}"
                )
            else:
                lines.append(f"        b[{j}] = b[{j}] * 0.6 + a[{i}] * 0.2")
            lines.append(f"        s = s + b[{j}] * a[{i}] * 0.01")
        lines += ["    return s + np.sum(b ** 2)"]
    else:  # dict
        lines += [
            '    d = {"w": x * 1.0}',
            '    e = {"w": x * 0.0}',
            "    s = 0.0",
            "    for it in range(3):",
        ]
        for k in range(n_body):
            lines.append(f'        d["w"] = d["w"] * 0.9 + 0.1 * np.sin(d["w"] * {1 + k % 3})')
            lines.append('        s = s + np.sum(e["w"]) * 0.01')
        lines += ["        e = d", '    return s + np.sum(e["w"] ** 2)']
    return _load("\n".join(lines) + "\n", "f")


@pytest.mark.parametrize("n_body", [3, 60])
def test_generated_array_back_edge(n_body):
    # b = a at the end of the body: the next iteration's a[i] = ... changes b (refused or exact)
    check(gen_loop_body_back_edge(n_body, "array"), vec(6), refusal="allowed")


@pytest.mark.parametrize("n_body", [4, 80])
def test_generated_same_object_on_entry(n_body):
    check(gen_loop_body_back_edge(n_body, "same_on_entry"), vec(6))


# (a strict xfail until session 41, silently wrong: generated: 60 updates of d['w'] per
# iteration reading e, and `e = d` at the end of the body; from the second iteration e is d in
# Python; s2s_ad reads e as the old dict, no error: value 5.6435 vs plain 5.6492, gradient about
# 10 times off; now refused at run time at the update, located, where Python's alias would see
# it)
def test_generated_dict_back_edge():
    check(gen_loop_body_back_edge(60, "dict"), vec(6), refusal="allowed")


# (a strict xfail until session 41, silently wrong: generated: `best = params` in a loop's
# branch (no copy), then 80 updates of params['w'] after the loop; best is params in Python and
# sees them all; s2s_ad gives best['w'] as at the loop's end, no error: value 0.0325 vs plain
# 0.1474; now refused at run time at the update, located, where Python's alias would see it)
def test_generated_dict_alias_in_loop_then_chain():
    check(gen_dict_alias_in_loop_then_chain(80), vec(4), refusal="allowed")


# ---------------------------------------------------------------------------------------
# K. numerical codes that update arrays in place, element by element (and their
#    Jacobians, vjp and Hessians)
# ---------------------------------------------------------------------------------------


def gauss_seidel(x, n_sweeps):
    n = x.shape[0]
    A = 4.0 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    b = np.sin(x) + 1.0
    u = np.zeros(n)
    u_alias = u  # the same array, read after the sweeps
    for sweep in range(n_sweeps):
        for i in range(n):
            s = b[i]
            for j in range(n):
                if j != i:
                    s = s - A[i, j] * u[j]  # reads values updated in this sweep
            u[i] = s / A[i, i]
    resid = A @ u_alias - b
    return np.sum(u_alias**2) + np.sum(resid**2) + u[0]


def test_gauss_seidel():
    check(gauss_seidel, lambda rng: (rng.standard_normal(4), 3))


def test_gauss_seidel_hessian():
    check_hessian(gauss_seidel, lambda rng: (rng.standard_normal(4), 2))


def thomas_solve(x):
    n = x.shape[0]
    a = np.full(n, -1.0)
    b = 2.5 + 0.1 * np.tanh(x)
    c = np.full(n, -1.0)
    d = np.cos(x) * x
    cp = np.zeros(n)
    dp = np.zeros(n)
    cp[0] = c[0] / b[0]
    dp[0] = d[0] / b[0]
    for i in range(1, n):
        m = b[i] - a[i] * cp[i - 1]
        cp[i] = c[i] / m
        dp[i] = (d[i] - a[i] * dp[i - 1]) / m
    sol = np.zeros(n)
    sol[-1] = dp[-1]
    for i in range(n - 2, -1, -1):
        sol[i] = dp[i] - cp[i] * sol[i + 1]
    return sol


def thomas_energy(x):
    sol = thomas_solve(x)
    return np.sum(sol**2) + sol[0] * sol[-1]


def test_thomas_energy():
    check(thomas_energy, vec(6))
    check_hessian(thomas_energy, vec(4))


def test_thomas_solve_jacobian():
    check_jacobian(thomas_solve, vec(5))


def lu_in_place(x):
    n = 3
    M = np.reshape(x * 1.0, (n, n)) + 3.0 * np.eye(n)
    LU = M.copy()
    for k in range(n):
        for i in range(k + 1, n):
            LU[i, k] = LU[i, k] / LU[k, k]
            for j in range(k + 1, n):
                LU[i, j] = LU[i, j] - LU[i, k] * LU[k, j]
    rhs = np.array([1.0, 2.0, -1.0])
    y = np.zeros(n)
    for i in range(n):
        y[i] = rhs[i] - np.dot(LU[i, :i], y[:i])
    sol = np.zeros(n)
    for i in range(n - 1, -1, -1):
        sol[i] = (y[i] - np.dot(LU[i, i + 1 :], sol[i + 1 :])) / LU[i, i]
    return sol


def test_lu_in_place_jacobian():
    check_jacobian(lu_in_place, lambda rng: (0.3 * rng.standard_normal(9),))


def lu_in_place_loss(x):
    sol = lu_in_place(x)
    return np.sum(sol**2) + np.prod(sol[:2])


def test_lu_in_place_loss():
    check(lu_in_place_loss, lambda rng: (0.3 * rng.standard_normal(9),))


def cholesky_in_place(x):
    n = 3
    B = np.reshape(x, (n, n))
    S = B @ B.T + 2.0 * np.eye(n)
    L = np.zeros((n, n))
    same = L
    for j in range(n):
        s = S[j, j]
        for k in range(j):
            s = s - L[j, k] ** 2
        L[j, j] = np.sqrt(s)
        for i in range(j + 1, n):
            t = S[i, j]
            for k in range(j):
                t = t - L[i, k] * L[j, k]
            L[i, j] = t / L[j, j]
    logdet = 2.0 * np.sum(np.log(np.diag(same)))
    return logdet + np.sum(same**2) * 0.1


def test_cholesky_in_place():
    check(cholesky_in_place, lambda rng: (0.5 * rng.standard_normal(9),))


def sir_model_dict(x, n_days):
    state = {"S": 0.99 + 0.0 * x[0], "I": 0.01 * (1.0 + x[0] ** 2), "R": 0.0}
    observed = state  # the same dict
    beta = 0.3 + 0.05 * np.tanh(x[1])
    gamma = 0.1 + 0.02 * np.tanh(x[2])
    infected = np.zeros(n_days)
    for day in range(n_days):
        new_inf = beta * state["S"] * state["I"]
        new_rec = gamma * state["I"]
        state["S"] = state["S"] - new_inf
        state["I"] = state["I"] + new_inf - new_rec
        state["R"] = state["R"] + new_rec
        infected[day] = state["I"]
    peak_day = int(np.argmax(infected))
    return observed["R"] + np.sum(infected**2) + infected[peak_day] + observed["S"] * 0.5


def test_sir_model_dict():
    check(sir_model_dict, lambda rng: (rng.standard_normal(3), 30))


def kalman_filter_inplace(x):
    obs = np.array([0.3, 0.5, 0.2, 0.9, 1.1, 0.8, 1.3])
    q = 0.1 + 0.05 * x[0] ** 2
    r = 0.2 + 0.05 * x[1] ** 2
    mean = np.array([x[2], 0.0])
    cov = np.eye(2)
    F = np.array([[1.0, 1.0], [0.0, 1.0]])
    means = np.zeros((obs.shape[0], 2))
    nll = 0.0
    for t in range(obs.shape[0]):
        mean = F @ mean
        cov = F @ cov @ F.T
        cov[0, 0] += q
        cov[1, 1] += q
        s = cov[0, 0] + r
        resid = obs[t] - mean[0]
        gain = cov[:, 0] / s
        mean = mean + gain * resid
        cov = cov - np.outer(gain, cov[0, :])
        means[t] = mean
        nll = nll + 0.5 * (np.log(s) + resid**2 / s)
    return nll + 0.01 * np.sum(means**2)


def test_kalman_filter_inplace():
    check(kalman_filter_inplace, vec(3))


def test_kalman_filter_inplace_hessian():
    check_hessian(kalman_filter_inplace, vec(3), seeds=(0,))


def early_alias_hessian_target(x):
    a = np.zeros(4)
    b = a
    for i in range(4):
        a[i] = np.sin(x[i]) * x[(i + 1) % 4]
        b[(i + 2) % 4] = b[(i + 2) % 4] + 0.5 * a[i] ** 2
    return np.sum(b * a) + np.sum(a**3) * 0.1


def test_early_alias_hessian():
    check(early_alias_hessian_target, vec(4))
    check_hessian(early_alias_hessian_target, vec(4))


def buffer_rows_output(x):
    out = np.zeros((3, 4))
    alias = out
    for i in range(3):
        out[i] = np.tanh(x * (i + 1)) + 0.1 * i
        alias[i, 0] = alias[i, 0] * x[1]
    return alias.ravel()


def test_buffer_rows_output_jacobian():
    check_jacobian(buffer_rows_output, vec(4))


def dict_state_vector_output(x):
    s = {"pos": x[:2] * 1.0, "vel": x[2:] * 1.0}
    obs = s
    for t in range(5):
        s["vel"] = s["vel"] - 0.1 * np.sin(s["pos"])
        s["pos"] = s["pos"] + 0.1 * s["vel"]
    return np.concatenate([obs["pos"], obs["vel"] * 2.0])


def test_dict_state_vector_output_jacobian():
    check_jacobian(dict_state_vector_output, vec(4))


# ---------------------------------------------------------------------------------------
# L. dicts and lists carried by loops: swaps, aliases before the loop, resets, best-so-far
# ---------------------------------------------------------------------------------------


def dict_state_ping_pong(x, n_steps):
    cur = {"u": np.tanh(x), "v": x * 0.5}
    nxt = {"u": x * 0.0, "v": x * 0.0}
    for t in range(n_steps):
        cur, nxt = nxt, cur  # swap the two dicts
        cur["u"] = nxt["u"] + 0.1 * nxt["v"]
        cur["v"] = nxt["v"] - 0.1 * np.sin(cur["u"])
    return np.sum(cur["u"] ** 2) + 2.0 * np.sum(nxt["v"]) + np.sum(cur["v"] * nxt["u"])


def test_dict_state_ping_pong():
    check(dict_state_ping_pong, lambda rng: (rng.standard_normal(4), 5))


def dict_state_rotate_with_temp(x):
    a = {"w": x * 1.0}
    c = {"w": x * 2.0}
    for k in range(5):
        a["w"] = np.sin(a["w"]) + c["w"] * 0.1
        d = a
        a = c
        c = d
    return np.sum(a["w"] ** 2) + 2.0 * np.sum(c["w"])


def test_dict_state_rotate_with_temp():
    check(dict_state_rotate_with_temp, vec(5))


def list_logs_swapped(x):
    a = [x * 1.0]
    c = [x * 2.0]
    for k in range(5):
        a, c = c, a
        a.append(a[-1] * 0.5 + c[-1] * 0.1)
    return np.sum(a[-1] ** 2) + 2.0 * np.sum(c[-1]) + len(a) + np.sum(c[0])


def test_list_logs_swapped():
    check(list_logs_swapped, vec(5))


def dict_two_names_both_updated_in_loop(x, n_steps):
    model = {"w": x * 1.0, "v": x * 0.5}
    view = model  # one dict, two names, both updated in the loop
    for k in range(n_steps):
        model["w"] = model["w"] * 0.9 + np.sin(view["v"])
        view["v"] = view["v"] * 0.9 + np.cos(model["w"]) * 0.1
        if k % 3 == 2:
            view["w"] = view["w"] - 0.05 * model["v"]
    return np.sum(model["v"] ** 2) + np.sum(view["w"] ** 2)


def test_dict_two_names_both_updated_in_loop():
    check(dict_two_names_both_updated_in_loop, lambda rng: (rng.standard_normal(5), 7))


def list_two_names_both_appended_in_loop(x):
    a = [x * 1.0]
    b = a
    for k in range(5):
        a.append(a[-1] * 0.9 + np.sin(b[-1]))
        b.append(b[-1] * 0.5)
    return np.sum(a[-1] ** 2) + len(b) + np.sum(b[3]) + np.sum(a[6])


def test_list_two_names_both_appended_in_loop():
    check(list_two_names_both_appended_in_loop, vec(5))


def early_stopping_best_params(x, n_epochs):
    params = {"w": x * 1.0, "b": x[:2] * 0.1}
    best = {"w": x * 0.0, "b": x[:2] * 0.0}
    best_loss = 1e9
    target = np.array([0.3, -0.2, 0.1, 0.5])
    for epoch in range(n_epochs):
        pred = np.tanh(params["w"]) + params["b"][0] - params["b"][1]
        loss = np.sum((pred - target) ** 2)
        gw = 2.0 * (pred - target) * (1.0 - np.tanh(params["w"]) ** 2)
        gb = np.array([np.sum(2.0 * (pred - target)), -np.sum(2.0 * (pred - target))])
        lr = 0.2 if epoch < 4 else 2.5  # a schedule that overshoots late
        params["w"] = params["w"] - lr * gw
        params["b"] = params["b"] - 0.1 * lr * gb
        if loss < best_loss:
            best_loss = loss
            best = params  # a bug users write: no copy, so best follows params
    final = np.tanh(best["w"]) + best["b"][0] - best["b"][1]
    return np.sum((final - target) ** 2) + 0.0 * best_loss


# (a strict xfail until session 41, silently wrong: early stopping with `best = params` (no
# copy) in the improving branch: best is params, so the later epochs' `params['w'] = ...` are
# seen through it in Python; s2s_ad gives best as when the alias was made, no error: value
# 0.2291 vs plain 54.38; now refused at run time at the update, located, where Python's alias
# would see it)
def test_early_stopping_best_params():
    check(early_stopping_best_params, lambda rng: (rng.standard_normal(4), 8), refusal="allowed")


def early_stopping_best_params_copied(x, n_epochs):
    params = {"w": x * 1.0, "b": x[:2] * 0.1}
    best = {"w": x * 0.0, "b": x[:2] * 0.0}
    best_loss = 1e9
    target = np.array([0.3, -0.2, 0.1, 0.5])
    for epoch in range(n_epochs):
        pred = np.tanh(params["w"]) + params["b"][0] - params["b"][1]
        loss = np.sum((pred - target) ** 2)
        gw = 2.0 * (pred - target) * (1.0 - np.tanh(params["w"]) ** 2)
        gb = np.array([np.sum(2.0 * (pred - target)), -np.sum(2.0 * (pred - target))])
        lr = 0.2 if epoch < 4 else 2.5  # a schedule that overshoots late
        params["w"] = params["w"] - lr * gw
        params["b"] = params["b"] - 0.1 * lr * gb
        if loss < best_loss:
            best_loss = loss
            best = dict(params)  # a new dict: later key replacements do not reach it
    final = np.tanh(best["w"]) + best["b"][0] - best["b"][1]
    return np.sum((final - target) ** 2) + np.sum(params["w"]) * 0.01


def test_early_stopping_best_params_copied():
    check(early_stopping_best_params_copied, lambda rng: (rng.standard_normal(4), 8))


def epoch_stats_reset(x, n_epochs):
    stats = {"w": x * 1.0}
    first_epoch = stats  # the first epoch's dict
    for epoch in range(n_epochs):
        stats["w"] = stats["w"] * 0.5 + 1.0
        if epoch == 1:
            stats = {"w": x * 3.0}  # a fresh dict from the second epoch on
    return np.sum(first_epoch["w"] ** 2) + np.sum(stats["w"])


# (a strict xfail until session 41, silently wrong: `first_epoch = stats` before a loop that
# rebinds `stats = {...}` on its second iteration: the updates made before are seen through
# first_epoch in Python; s2s_ad gives first_epoch['w'] = x, no error: value 8.394 vs plain
# 19.10; now refused at run time at the update, located, where Python's alias would see it)
def test_epoch_stats_reset():
    check(epoch_stats_reset, lambda rng: (rng.standard_normal(5), 4), refusal="allowed")


def epoch_stats_new_keys(x):
    stats = {"n": 0.0}
    first = stats
    for t in range(4):
        stats["w0"] = x * (t + 1.0)  # a key first added inside the loop
        stats["n"] = stats["n"] + np.sum(x) * t
        if t == 1:
            stats = {"n": 0.0}
    return first["n"] + np.sum(first["w0"])


@pytest.mark.xfail(
    strict=True,
    reason="as above with a key first added in the loop: plain Python reads first['w0']; "
    "s2s_ad raised EvaluationError KeyError: 'w0' at the return line ('the plain call raises "
    "this too ...'), which the plain call does not (since session 41: refused at run time at "
    "the update, located, as `first` may be `stats` there: a refusal, where this test wants "
    "the program run)",
)
def test_epoch_stats_new_keys():
    # README: `d[k] = v` is seen through aliases `e = d`; this run-time error is no refusal
    check(epoch_stats_new_keys, vec(5))
