"""149th independent tester: module-held objects, local names for module arrays, setters.

Stores of derivative-carrying values into objects held in a module's dict or list, local
names bound to a module's arrays read before and after a helper changes them in place,
setters run once under every API, and a module's history/log of local arrays.
"""

import functools
import inspect
import re

import numpy as np
import pytest

import s2s_ad as ad

X0 = np.array([0.3, -0.7, 1.1])
EPS = 1e-6


class Box:
    def __init__(self):
        self.lr = 0.5
        self.n = 0


HOLD = {"s": Box(), "t": Box()}
OBJS = [Box(), Box()]
STATE = Box()
M0 = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 0.7], [0.2, 0.1, 1.5]])
M = M0.copy()
W = [0.5, -1.5, 2.0]
CFG = {"scale": [1.0, 2.0, 3.0], "arr": np.array([0.5, 1.5, -0.5])}
IDX = [0, 1, 2]
HISTORY = {}
LOG = []


def reset():
    for b in (*HOLD.values(), *OBJS, STATE):
        b.__dict__.clear()
        b.lr = 0.5
        b.n = 0
    M[...] = M0
    W[:] = [0.5, -1.5, 2.0]
    CFG["scale"][:] = [1.0, 2.0, 3.0]
    CFG["arr"][...] = [0.5, 1.5, -0.5]
    IDX[:] = [0, 1, 2]
    IDXS["i"][:] = [0, 2, 1]
    HISTORY.clear()
    LOG.clear()


def _norm(v):
    if isinstance(v, dict):
        return {k: _norm(u) for k, u in v.items()}
    if isinstance(v, (list, tuple)):
        return [_norm(u) for u in v]
    if isinstance(v, (np.ndarray, np.generic, float, int)):
        return np.asarray(v, dtype=float).tolist()
    return v


def snapshot():
    boxes = {
        "HOLD": {k: dict(b.__dict__) for k, b in HOLD.items()},
        "OBJS": [dict(b.__dict__) for b in OBJS],
        "STATE": dict(STATE.__dict__),
    }
    return _norm(
        {
            **boxes,
            "M": M,
            "W": W,
            "CFG": CFG,
            "IDX": IDX,
            "IDXS": IDXS,
            "HISTORY": HISTORY,
            "LOG": LOG,
        }
    )


def _close(a, b, rtol=1e-12, atol=1e-14):
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (a, b)
        for k in a:
            _close(a[k], b[k], rtol, atol)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for u, v in zip(a, b, strict=True):
            _close(u, v, rtol, atol)
    elif isinstance(a, float):
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol)
    else:
        assert a == b, (a, b)


def plain(f, x):
    reset()
    value = f(x.copy())
    return value, snapshot()


def central_grad(f, x):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = EPS
        reset()
        up = f(x + e)
        reset()
        down = f(x - e)
        g[i] = (up - down) / (2 * EPS)
    return g


def check_exact(f, x=X0, second=True):
    """Value, derivatives and module state in every API against the plain call."""
    value, state = plain(f, x)
    g_fd = central_grad(f, x)

    def state_ok(api):
        after = snapshot()
        try:
            _close(state, after)
        except AssertionError as err:
            raise AssertionError(f"{api}: module state {after} != plain {state}") from err

    reset()
    g = ad.grad(f)(x.copy())
    state_ok("grad")
    np.testing.assert_allclose(g, g_fd, rtol=1e-5, atol=1e-6)

    reset()
    v, g2 = ad.value_and_grad(f)(x.copy())
    state_ok("value_and_grad")
    np.testing.assert_allclose(v, value, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-13)

    reset()
    out, pb = ad.vjp(f, x.copy())
    state_ok("vjp")
    np.testing.assert_allclose(out, value, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(pb(1.0)[0], g, rtol=1e-12, atol=1e-13)

    t = np.array([0.4, -1.3, 0.9])
    reset()
    out, tan = ad.jvp(f, (x.copy(),), (t,))
    state_ok("jvp")
    np.testing.assert_allclose(out, value, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(tan, g @ t, rtol=1e-10, atol=1e-12)

    reset()
    jr = ad.jacrev(f)(x.copy())
    state_ok("jacrev")
    np.testing.assert_allclose(jr, g, rtol=1e-12, atol=1e-13)

    reset()
    jf = ad.jacfwd(f)(x.copy())
    state_ok("jacfwd")
    np.testing.assert_allclose(jf, g, rtol=1e-10, atol=1e-12)

    if second:
        reset()
        h = ad.hessian(f)(x.copy())
        state_ok("hessian")
        h_fd = np.zeros((x.size, x.size))
        gf = ad.grad(f)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = 1e-5
            reset()
            up = gf(x + e)
            reset()
            down = gf(x - e)
            h_fd[:, i] = (up - down) / 2e-5
        np.testing.assert_allclose(h, h_fd, rtol=1e-5, atol=1e-5)


APIS = {
    "grad": lambda f, x: ad.grad(f)(x),
    "value_and_grad": lambda f, x: ad.value_and_grad(f)(x),
    "vjp": lambda f, x: ad.vjp(f, x)[1](1.0),
    "jvp": lambda f, x: ad.jvp(f, (x,), (np.ones_like(x),)),
    "jacrev": lambda f, x: ad.jacrev(f)(x),
    "jacfwd": lambda f, x: ad.jacfwd(f)(x),
    "hessian": lambda f, x: ad.hessian(f)(x),
}


def marked_lines(f, marker):
    lines, start = inspect.getsourcelines(f)
    found = re.compile(rf"#.*\b{marker}\b")
    return [start + i for i, text in enumerate(lines) if found.search(text)]


def check_refused(f, marker="STORE", x=X0, apis=tuple(APIS)):
    """Refused with a located S2SError naming a marked line, in every API.

    `# STORE` marks the store (or in-place update); `# READ` a read refused on its own,
    `# UPDATE` the in-place update a store is refused for.
    """
    want = [n for m in (marker, "READ", "UPDATE") for n in marked_lines(f, m)]
    assert want, f"no `# {marker}` line in {f.__name__}"
    for api in apis:
        reset()
        with pytest.raises(ad.S2SError) as info:
            APIS[api](f, x.copy())
        text = str(info.value)
        assert any(f"{__file__}:{n}:" in text for n in want), (api, want, text)


# ---------------------------------------------------------------- 1. stores into held objects


def lr_of_first():
    return OBJS[0].lr


def r1_dict_item_direct(x):
    v = np.sin(x) * 2.0
    HOLD["s"].lr = v  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_list_item_helper(x):
    v = np.tanh(x)
    OBJS[0].lr = v  # STORE
    return np.sum(lr_of_first() * x)


def r1_loop_setattr_lambda(x):
    v = x * x
    for o in OBJS:
        setattr(o, "lr", v)  # noqa: B010 STORE
    get = lambda: OBJS[1].lr  # noqa: E731
    return np.sum(get() + x)


def r1_loop_setattr_lambda_assign(x):
    v = x * x
    for o in OBJS:
        o.lr = v  # STORE
    get = lambda: OBJS[1].lr  # noqa: E731
    return np.sum(get() + x)


def r1_values_setattr_dunder_dict(x):
    v = np.cos(x)
    for o in HOLD.values():
        setattr(o, "lr", v)  # noqa: B010 STORE
    return np.sum(HOLD["t"].__dict__["lr"] * x)


def r1_values_setattr_dunder_dict_assign(x):
    v = np.cos(x)
    for o in HOLD.values():
        o.lr = v  # STORE
    return np.sum(HOLD["t"].__dict__["lr"] * x)


def r1_key_name_direct(x):
    k = "s"
    v = np.exp(x * 0.5)
    HOLD[k].lr = v  # STORE
    return np.sum(HOLD["s"].lr)


def r1_next_iteration(x):
    acc = 0.0
    for i in range(3):
        acc = acc + np.sum(OBJS[0].lr * x)
        OBJS[0].lr = x[i] * 2.0  # STORE
    return acc


def r1_vars(x):
    v = np.sin(x)
    OBJS[1].lr = v  # STORE
    return np.sum(vars(OBJS[1])["lr"] ** 2)  # READ


def r1_getattr(x):
    v = x**3
    HOLD["t"].lr = v  # STORE
    return np.sum(getattr(HOLD["t"], "lr"))  # noqa: B009


def r1_alias_local(x):
    o = HOLD["s"]
    v = np.sin(x)
    o.lr = v  # STORE
    return np.sum(HOLD["s"].lr)


def r1_store_via_alias_read_module(x):
    v = np.sin(x)
    OBJS[0].lr = v  # STORE
    first = OBJS[0]
    return np.sum(first.lr * x)


def r1_helper_reads_dict_item(x):
    HOLD["s"].lr = np.tanh(x) * 3.0  # STORE
    return read_hold_s() + np.sum(x)


def read_hold_s():
    return np.sum(HOLD["s"].lr)


def r1_negative_index(x):
    OBJS[-1].lr = x * 2.0  # STORE
    return np.sum(OBJS[1].lr * x)


def r1_loop_index_store(x):
    for i in range(2):
        OBJS[i].lr = x * (i + 1.0)  # STORE
    return np.sum(OBJS[0].lr + OBJS[1].lr)


def r1_items_loop(x):
    for _k, o in HOLD.items():
        o.lr = np.sin(x)  # STORE
    return np.sum(HOLD["s"].lr)


def r1_scalar_store(x):
    s = np.sum(x**2)
    HOLD["s"].lr = s  # STORE
    return HOLD["s"].lr * 2.0


def r1_getattr_dynamic_name(x):
    name = "lr"
    OBJS[0].lr = np.sin(x)  # STORE
    return np.sum(getattr(OBJS[0], name))


def r1_partial_setattr_read(x):
    SET_OBJ0_LR(np.sin(x))  # STORE
    return np.sum(OBJS[0].lr * x)


SET_OBJ0_LR = functools.partial(setattr, OBJS[0], "lr")
PUT_HOLD_LR = lambda v: setattr(HOLD["s"], "lr", v)  # noqa: E731


def r1_lambda_setattr_read(x):
    PUT_HOLD_LR(np.tanh(x))  # STORE
    return np.sum(HOLD["s"].lr)


REFUSED_1 = [
    r1_dict_item_direct,
    r1_list_item_helper,
    r1_loop_setattr_lambda,
    r1_values_setattr_dunder_dict,
    r1_key_name_direct,
    r1_next_iteration,
    r1_vars,
    r1_getattr,
    r1_alias_local,
    r1_store_via_alias_read_module,
    r1_helper_reads_dict_item,
    r1_negative_index,
    r1_loop_index_store,
    r1_items_loop,
    r1_scalar_store,
    r1_getattr_dynamic_name,
    r1_partial_setattr_read,
    r1_lambda_setattr_read,
]


def w1_dict_item_not_read(x):
    v = np.sin(x) * 2.0
    HOLD["s"].lr = v
    return np.sum(v * x)


def w1_list_item_not_read(x):
    v = np.tanh(x)
    OBJS[0].lr = v
    return np.sum(v**2)


def w1_loop_setattr_not_read(x):
    v = x * x
    for o in OBJS:
        setattr(o, "lr", v)  # noqa: B010
    return np.sum(v + x)


def w1_loop_setattr_not_read_assign(x):
    v = x * x
    for o in OBJS:
        o.lr = v
    return np.sum(v + x)


def w1_values_setattr_not_read(x):
    v = np.cos(x)
    for o in HOLD.values():
        setattr(o, "lr", v)  # noqa: B010
    return np.sum(v * x)


def w1_values_setattr_not_read_assign(x):
    v = np.cos(x)
    for o in HOLD.values():
        o.lr = v
    return np.sum(v * x)


def w1_key_name_not_read(x):
    k = "t"
    v = np.exp(x * 0.5)
    HOLD[k].lr = v
    return np.sum(v)


def w1_read_before_store(x):
    old = HOLD["s"].lr
    HOLD["s"].lr = np.sin(x)
    return np.sum(old * x**2)


def w1_read_other_attr(x):
    OBJS[0].lr = np.sin(x)
    return np.sum(x * OBJS[0].n + x**2)


def w1_read_other_object(x):
    OBJS[0].lr = np.sin(x)
    return np.sum(x * OBJS[1].lr)


def w1_store_primal_float(x):
    s = np.sum(x**2)
    HOLD["s"].n = int(s > 1.0)
    return s * 2.0


def w1_partial_setattr_not_read(x):
    SET_OBJ0_LR(np.sin(x))
    return np.sum(np.sin(x) * x)


def w1_lambda_setattr_not_read(x):
    PUT_HOLD_LR(np.tanh(x))
    return np.sum(x**2)


def w1_loop_store_each_step(x):
    acc = 0.0
    for i in range(3):
        v = x[i] * 2.0
        OBJS[0].lr = v
        acc = acc + v * x[i]
    return acc


WORKS_1 = [
    w1_dict_item_not_read,
    w1_list_item_not_read,
    w1_loop_setattr_not_read,
    w1_values_setattr_not_read,
    w1_key_name_not_read,
    w1_read_before_store,
    w1_read_other_attr,
    w1_read_other_object,
    w1_store_primal_float,
    w1_partial_setattr_not_read,
    w1_lambda_setattr_not_read,
    w1_loop_store_each_step,
]


def w1_dict_item_unused_after(x):
    v = np.sin(x) * 2.0
    HOLD["s"].lr = v
    return np.sum(x**2)


def w1_list_item_copy_used_after(x):
    v = np.tanh(x)
    OBJS[0].lr = v.copy()
    return np.sum(v**2)


def w1_values_setattr_unused_after(x):
    for o in HOLD.values():
        setattr(o, "lr", np.cos(x))  # noqa: B010
    return np.sum(x**3)


def w1_values_setattr_unused_after_assign(x):
    for o in HOLD.values():
        o.lr = np.cos(x)
    return np.sum(x**3)


def w1_setattr_objs0_used_after(x):
    v = np.sin(x)
    setattr(OBJS[0], "lr", v)  # noqa: B010
    return np.sum(v * x)


def w1_setattr_objs0_used_after_assign(x):
    v = np.sin(x)
    OBJS[0].lr = v
    return np.sum(v * x)


WORKS_1 += [
    w1_dict_item_unused_after,
    w1_list_item_copy_used_after,
    w1_values_setattr_unused_after,
    w1_setattr_objs0_used_after,
]


# ---------------------------------------------------- 2. local names for a module's arrays


def bump_m():
    M[0, 0] += 1.0
    M[1, 2] *= 2.0


def grow_w():
    W[0] = W[0] + 1.0
    W[2] *= -1.0


def double_scale():
    CFG["scale"][0] *= 2.0


def double_arr():
    CFG["arr"] *= 2.0


def reverse_idx():
    IDX.reverse()


def scale_inplace(a, s):
    a *= s


BUMP_LAMBDA = lambda: M.__setitem__((0, 1), M[0, 1] + 3.0)  # noqa: E731


def w2_matmul_alias(x):
    m = M
    y1 = m @ x
    bump_m()
    y2 = m @ x
    return np.sum(y1 * y2)


def w2_dot_transpose_alias(x):
    m = M
    a = np.dot(m, np.sin(x))
    bump_m()
    b = m.T @ x
    return np.sum(a * b)


def w2_sum_list_alias(x):
    w = W
    s1 = sum(w)
    grow_w()
    s2 = sum(w)
    return np.sum(x * s1) + np.sum(x**2 * s2)


def w2_list_item_alias(x):
    w = W
    a = w[0] * x
    grow_w()
    b = w[0] * x + w[2]
    return np.sum(a * b)


def w2_np_array_of_cfg_item(x):
    sc = CFG["scale"]
    a = np.array(sc)
    double_scale()
    b = np.array(sc)
    return np.sum(x * a) + np.sum(x * x * b)


def w2_cfg_array_item(x):
    sc = CFG["arr"]
    a = sc * x
    double_arr()
    b = np.array(sc) * x
    return np.sum(a * b)


def w2_index_with_alias(x):
    idx = IDX
    a = x[idx]
    reverse_idx()
    b = x[idx]
    return np.sum(a * b * np.arange(3.0))


def w2_loop_alias(x):
    m = M
    acc = 0.0
    for _ in range(2):
        acc = acc + np.sum(np.tanh(m @ x))
        bump_m()
    return acc


def w2_lambda_bump(x):
    m = M
    y1 = m @ x
    BUMP_LAMBDA()
    y2 = m @ x
    return np.sum(y1 * np.sin(y2))


def w2_helper_given_module_array(x):
    m = M
    y1 = m @ x
    scale_inplace(M, 2.0)
    y2 = m @ x
    return np.sum(y1 * y2)


def w2_sum_mul_alias(x):
    w = W
    y = np.sum(x * np.array(w))
    grow_w()
    return y * np.sum(np.array(w) * x)


def w2_len_and_max(x):
    w = W
    a = max(w) * x
    grow_w()
    b = min(w) * x
    return np.sum(a * b)


def w2_np_asarray_alias(x):
    m = M
    a = np.asarray(m)[0] * x
    bump_m()
    b = np.asarray(m)[1] * x
    return np.sum(a + b * a)


def w2_einsum_alias(x):
    m = M
    a = np.einsum("ij,j->i", m, x)
    bump_m()
    b = np.einsum("ij,j->i", m, x)
    return np.sum(a * b)


WORKS_2 = [
    w2_matmul_alias,
    w2_dot_transpose_alias,
    w2_sum_list_alias,
    w2_list_item_alias,
    w2_np_array_of_cfg_item,
    w2_cfg_array_item,
    w2_index_with_alias,
    w2_loop_alias,
    w2_lambda_bump,
    w2_helper_given_module_array,
    w2_sum_mul_alias,
    w2_len_and_max,
    w2_np_asarray_alias,
    w2_einsum_alias,
]


# ------------------------------------------------------------ 3. setters run once per API

PUT_LR = lambda v: setattr(HOLD["s"], "lr", v)  # noqa: E731
SET_LR0 = functools.partial(setattr, OBJS[0], "lr")
SET_N5 = lambda: STATE.__setattr__("n", 5)  # noqa: E731
INC_N = lambda: STATE.__setattr__("n", STATE.n + 1)  # noqa: E731
PUT_T = lambda k, v: setattr(HOLD[k], "lr", v)  # noqa: E731


def w3_lambda_decay(x):
    PUT_LR(HOLD["s"].lr * 0.5)
    return np.sum(x**2) * HOLD["s"].lr


def w3_partial_decay(x):
    SET_LR0(OBJS[0].lr * 0.5)
    return np.sum(np.sin(x)) * OBJS[0].lr


def w3_dunder_setattr_const(x):
    SET_N5()
    return np.sum(x**2 * STATE.n)


def w3_dunder_setattr_increment(x):
    INC_N()
    return np.sum(x**3) * STATE.n


def w3_increment_in_loop(x):
    acc = 0.0
    for i in range(3):
        INC_N()
        acc = acc + x[i] ** 2 * STATE.n
    return acc


def w3_decay_in_loop(x):
    acc = 0.0
    for i in range(3):
        acc = acc + np.sin(x[i]) * HOLD["s"].lr
        PUT_LR(HOLD["s"].lr * 0.5)
    return acc


def w3_partial_in_loop(x):
    y = x
    for _ in range(2):
        y = np.tanh(y) * OBJS[0].lr
        SET_LR0(OBJS[0].lr + 1.0)
    return np.sum(y)


def w3_two_arg_lambda(x):
    PUT_T("t", HOLD["t"].lr * 3.0)
    return np.sum(x * HOLD["t"].lr) ** 2


def w3_store_scalar_not_read(x):
    y = np.sum(np.sin(x))
    PUT_LR(y)
    return y * 2.0


def w3_partial_store_not_read(x):
    y = np.sum(x**2)
    SET_LR0(y)
    return y + np.sum(x)


def w3_increment_then_decay(x):
    INC_N()
    PUT_LR(HOLD["s"].lr * STATE.n * 0.25)
    return np.sum(x**2) * HOLD["s"].lr + STATE.n * np.sum(x)


WORKS_3 = [
    w3_lambda_decay,
    w3_partial_decay,
    w3_dunder_setattr_const,
    w3_dunder_setattr_increment,
    w3_increment_in_loop,
    w3_decay_in_loop,
    w3_partial_in_loop,
    w3_two_arg_lambda,
    w3_store_scalar_not_read,
    w3_partial_store_not_read,
    w3_increment_then_decay,
]


# ------------------------------------------------------ 4. a module's history and log


def w4_history_and_log(x):
    v = np.tanh(x)
    HISTORY["a"] = v
    LOG.append(v)
    return np.sum(v**2)


def w4_update_before_store(x):
    v = np.sin(x)
    v += 1.0
    HISTORY["a"] = v
    LOG.append(v)
    return np.sum(v * x)


def w4_rebind_after_store(x):
    v = np.sin(x)
    HISTORY["a"] = v
    LOG.append(v)
    v = v + 1.0
    return np.sum(v * x)


def w4_copy_then_update(x):
    v = np.sin(x)
    HISTORY["a"] = v.copy()
    LOG.append(v.copy())
    v += 1.0
    return np.sum(v * x)


def w4_loop_keys(x):
    acc = 0.0
    for k in range(2):
        v = x * (k + 1.0)
        HISTORY[k] = v
        LOG.append(v)
        acc = acc + np.sum(v**2)
    return acc


def w4_key_variable(x):
    k = "loss"
    v = np.exp(x * 0.3)
    HISTORY[k] = v
    LOG.append(v)
    return np.sum(v)


def w4_scalar(x):
    v = np.sum(x**2)
    HISTORY["s"] = v
    LOG.append(v)
    return v * 3.0


WORKS_4 = [
    w4_history_and_log,
    w4_update_before_store,
    w4_rebind_after_store,
    w4_copy_then_update,
    w4_loop_keys,
    w4_key_variable,
    w4_scalar,
]


def r4_iadd_after(x):
    v = np.sin(x)
    HISTORY["a"] = v  # STORE
    LOG.append(v)  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_setitem_after(x):
    v = np.sin(x)
    HISTORY["a"] = v  # STORE
    LOG.append(v)  # STORE
    v[0] = 0.0  # UPDATE
    return np.sum(v * x)


def r4_out_after(x):
    v = np.sin(x)
    LOG.append(v)  # STORE
    np.multiply(v, 2.0, out=v)  # UPDATE
    return np.sum(v * x)


def r4_helper_updates_after(x):
    v = np.cos(x)
    HISTORY["a"] = v  # STORE
    scale_inplace(v, 3.0)  # UPDATE
    return np.sum(v * x)


def r4_history_only_imul(x):
    v = np.tanh(x)
    HISTORY["b"] = v  # STORE
    v *= 2.0  # UPDATE
    return np.sum(v)


def r4_loop_update(x):
    v = np.sin(x)
    for _ in range(2):
        LOG.append(v)  # STORE
        v += 0.5  # UPDATE
    return np.sum(v * x)


REFUSED_4 = [
    r4_iadd_after,
    r4_setitem_after,
    r4_out_after,
    r4_helper_updates_after,
    r4_history_only_imul,
    r4_loop_update,
]


# ------------------------------------------------------------------------- more of each

W_APPEND = lambda: W.append(1.0)  # noqa: E731
SET_W0 = lambda: W.__setitem__(0, 5.0)  # noqa: E731
SET_LAST = lambda v: STATE.__setattr__("last", v)  # noqa: E731


def store_hold_lr(v):
    HOLD["s"].lr = v


def total_lr(d):
    return sum(o.lr for o in d.values())


def r1_helper_stores_read_back(x):
    store_hold_lr(np.sin(x))  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_get_store_read_back(x):
    HOLD.get("s").lr = np.sin(x)  # STORE
    return np.sum(HOLD["s"].lr)


def r1_dunder_dict_subscript(x):
    OBJS[0].lr = np.tanh(x)  # STORE
    return np.sum(OBJS[0].__dict__["lr"])


def r1_later_loop_reads(x):
    for o in OBJS:
        o.lr = np.sin(x)  # STORE
    acc = 0.0
    for o in OBJS:
        acc = acc + np.sum(o.lr)
    return acc


def r1_augmented(x):
    HOLD["s"].lr += np.sum(x**2)  # STORE
    return HOLD["s"].lr * 2.0


def r1_helper_reads_dict(x):
    HOLD["t"].lr = np.sum(np.sin(x))  # STORE
    return total_lr(HOLD)


def r1_dunder_setattr_read(x):
    SET_LAST(np.sin(x))  # STORE
    return np.sum(STATE.last)


def r1_object_setattr_item(x):
    object.__setattr__(OBJS[1], "lr", np.cos(x))  # STORE
    return np.sum(OBJS[1].lr * x)


REFUSED_1 += [
    r1_helper_stores_read_back,
    r1_get_store_read_back,
    r1_dunder_dict_subscript,
    r1_later_loop_reads,
    r1_augmented,
    r1_helper_reads_dict,
    r1_dunder_setattr_read,
    r1_object_setattr_item,
]


def w1_dunder_setattr_not_read(x):
    SET_LAST(np.sin(x))
    return np.sum(x**2)


def w1_helper_stores_not_read(x):
    store_hold_lr(np.sin(x))
    return np.sum(x**2)


def w1_augmented_primal_only(x):
    HOLD["s"].n += 1
    return np.sum(x**2) * HOLD["s"].n


WORKS_1 += [w1_dunder_setattr_not_read, w1_helper_stores_not_read, w1_augmented_primal_only]


def w2_cfg_arr_dot(x):
    sc = CFG["arr"]
    a = np.dot(sc, x)
    double_arr()
    b = np.dot(sc, x)
    return a * b


def w2_cfg_arr_no_alias(x):
    a = CFG["arr"] * x
    double_arr()
    b = CFG["arr"] * x
    return np.sum(a * b)


def w2_module_array_no_alias(x):
    y1 = M @ x
    bump_m()
    y2 = M @ x
    return np.sum(y1 * y2)


def w2_helper_given_module_array_no_alias(x):
    y1 = M @ x
    scale_inplace(M, 2.0)
    y2 = M @ x
    return np.sum(y1 * y2)


def w2_cfg_arr_sum(x):
    sc = CFG["arr"]
    s1 = np.sum(sc) * x
    double_arr()
    s2 = np.sum(sc) * x
    return np.sum(s1 * s2 + s1)


def w2_list_item_replaced_by_lambda(x):
    w = W
    a = np.array(w) * x
    SET_W0()
    b = np.array(w) * x
    return np.sum(a * b)


def w2_list_appended(x):
    w = W
    a = np.sum(np.array(w)) * x
    W_APPEND()
    b = len(w) * x + np.sum(np.array(w)) * x
    return np.sum(a * b)


def w2_cfg_list_sum(x):
    sc = CFG["scale"]
    a = sum(sc) * x
    double_scale()
    b = sum(sc) * x
    return np.sum(a * b)


def w2_row_view(x):
    r = M[0]
    a = r @ x
    bump_m()
    b = r @ x
    return a * b


def w2_tanh_of_alias(x):
    m = M
    a = np.tanh(m) @ x
    bump_m()
    b = np.tanh(m) @ x
    return np.sum(a * b)


def w2_cfg_arr_twice(x):
    sc = CFG["arr"]
    a = sc * x
    double_arr()
    b = sc * x
    double_arr()
    c = sc * x
    return np.sum(a * b + c)


def w2_cfg_arr_plain_mul(x):
    sc = CFG["arr"]
    a = sc * x
    double_arr()
    b = sc * x
    return np.sum(a * b)


def w2_module_array_inplace_helper_alias_mul(x):
    m = M
    a = m[0] * x
    scale_inplace(M, 2.0)
    b = m[0] * x
    return np.sum(a * b)


WORKS_2 += [
    w2_cfg_arr_dot,
    w2_cfg_arr_no_alias,
    w2_module_array_no_alias,
    w2_helper_given_module_array_no_alias,
    w2_cfg_arr_sum,
    w2_list_item_replaced_by_lambda,
    w2_list_appended,
    w2_cfg_list_sum,
    w2_row_view,
    w2_tanh_of_alias,
    w2_cfg_arr_twice,
    w2_cfg_arr_plain_mul,
    w2_module_array_inplace_helper_alias_mul,
]


def decay_hold():
    PUT_LR(HOLD["s"].lr * 0.5)


def w3_setter_in_helper(x):
    decay_hold()
    decay_hold()
    return np.sum(np.sin(x)) * HOLD["s"].lr


def w3_setter_in_branch(x):
    if np.sum(x) > 0:
        INC_N()
    else:
        SET_N5()
    return np.sum(x**2) * (STATE.n + 1.0)


def w3_partial_then_lambda(x):
    SET_LR0(2.0)
    PUT_LR(OBJS[0].lr * 3.0)
    return np.sum(x * HOLD["s"].lr) + np.sum(x**2 * OBJS[0].lr)


def w3_setattr_read_into_local_then_decay(x):
    lr = HOLD["s"].lr
    PUT_LR(lr * 0.1)
    return np.sum(x**2) * lr + np.sum(x) * HOLD["s"].lr


WORKS_3 += [
    w3_setter_in_helper,
    w3_setter_in_branch,
    w3_partial_then_lambda,
    w3_setattr_read_into_local_then_decay,
]


def log_it(v):
    LOG.append(v)


def r4_extend_then_update(x):
    v = np.sin(x)
    LOG.extend([v])  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_insert_then_update(x):
    v = np.sin(x)
    LOG.insert(0, v)  # STORE
    v *= 3.0  # UPDATE
    return np.sum(v * x)


def r4_update_method_then_update(x):
    v = np.sin(x)
    HISTORY.update(a=v)  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_setdefault_then_update(x):
    v = np.sin(x)
    HISTORY.setdefault("a", v)  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_alias_then_update(x):
    v = np.sin(x)
    u = v
    LOG.append(u)  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_tuple_item_then_update(x):
    v = np.sin(x)
    HISTORY["a"] = (v, 1)  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_helper_logs_then_update(x):
    v = np.sin(x)
    log_it(v)  # STORE
    v += 1.0  # UPDATE
    return np.sum(v * x)


def r4_iadd_list_then_update(x):
    v = np.sin(x)
    LOG.extend((v,))  # STORE
    v[1] = 2.0  # UPDATE
    return np.sum(v * x)


REFUSED_4 += [
    r4_extend_then_update,
    r4_insert_then_update,
    r4_update_method_then_update,
    r4_setdefault_then_update,
    r4_alias_then_update,
    r4_tuple_item_then_update,
    r4_helper_logs_then_update,
    r4_iadd_list_then_update,
]


def w4_helper_logs(x):
    v = np.sin(x)
    log_it(v)
    return np.sum(v * x)


def w4_update_method(x):
    v = np.cos(x)
    HISTORY.update(a=v, b=2.0)
    return np.sum(v**2)


def w4_log_view_of_argument(x):
    v = x[:2]
    LOG.append(v)
    HISTORY["v"] = v
    return np.sum(v * v)


def w4_log_then_new_array(x):
    v = np.sin(x)
    LOG.append(v)
    v = np.tanh(v)
    v += 1.0
    return np.sum(v)


WORKS_4 += [w4_helper_logs, w4_update_method, w4_log_view_of_argument, w4_log_then_new_array]


def fill_m():
    np.multiply(M, 2.0, out=M)


def slice_m():
    M[:] = M * 2.0


def row_m():
    M[0] += 1.0


def w2_out_helper(x):
    m = M
    a = m @ x
    fill_m()
    b = m @ x
    return np.sum(a * b)


def w2_slice_assign_helper(x):
    m = M
    a = m @ x
    slice_m()
    b = m @ x
    return np.sum(a * b)


def w2_row_iadd_helper(x):
    m = M
    a = m @ x
    row_m()
    b = m @ x
    return np.sum(a * b)


WORKS_2 += [w2_out_helper, w2_slice_assign_helper, w2_row_iadd_helper]


PAIR = (Box(), Box())
NEST = {"a": [Box()]}
OPS = [functools.partial(setattr, HOLD["s"], "lr")]
PUT_VIA = lambda o, v: setattr(o, "lr", v)  # noqa: E731


def put_all(objs, v):
    for o in objs:
        o.lr = v


def r1_list_of_partials(x):
    OPS[0](np.sin(x))  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_helper_given_list(x):
    put_all(OBJS, np.tanh(x))  # STORE
    return np.sum(OBJS[1].lr)


def r1_dunder_dict_setitem(x):
    HOLD["s"].__dict__["lr"] = np.sin(x)  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_vars_update(x):
    HOLD["s"].__dict__.update(lr=np.sin(x))  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_method_setattr(x):
    HOLD["s"].__setattr__("lr", np.sin(x))  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_tuple_item(x):
    PAIR[0].lr = np.sin(x)  # STORE
    return np.sum(PAIR[0].lr * x)


def r1_nested_item(x):
    NEST["a"][0].lr = np.sin(x)  # STORE
    return np.sum(NEST["a"][0].lr * x)


def r1_getattr_default(x):
    OBJS[0].lr = np.sin(x)  # STORE
    return np.sum(getattr(OBJS[0], "lr", 0.0) * x)


def r1_two_arg_lambda_store(x):
    PUT_VIA(OBJS[0], np.sin(x))  # STORE
    return np.sum(OBJS[0].lr * x)


def r1_chained_alias(x):
    o = OBJS[0]
    o2 = o
    o2.lr = np.sin(x)  # STORE
    return np.sum(OBJS[0].lr * x)


def r1_comprehension_read(x):
    for o in OBJS:
        o.lr = np.sin(x)  # STORE
    return np.sum(sum([o.lr for o in OBJS]))


def r1_generator_read(x):
    OBJS[1].lr = np.sum(x**2)  # STORE
    return sum(o.lr for o in OBJS)


def r1_store_in_helper_read_in_helper(x):
    store_hold_lr(np.sum(np.sin(x)))  # STORE
    return read_hold_s() * 2.0


REFUSED_1 += [
    r1_list_of_partials,
    r1_helper_given_list,
    r1_dunder_dict_setitem,
    r1_vars_update,
    r1_method_setattr,
    r1_tuple_item,
    r1_nested_item,
    r1_getattr_default,
    r1_two_arg_lambda_store,
    r1_chained_alias,
    r1_comprehension_read,
    r1_generator_read,
    r1_store_in_helper_read_in_helper,
]


def put_one(o, v):
    o.lr = v


def put_vals(d, v):
    for o in d.values():
        o.lr = v


def r1_helper_given_object(x):
    put_one(HOLD["s"], np.sin(x))  # STORE
    return np.sum(HOLD["s"].lr * x)


def r1_helper_given_dict(x):
    put_vals(HOLD, np.sin(x))  # STORE
    return np.sum(HOLD["t"].lr * x)


REFUSED_1 += [r1_helper_given_object, r1_helper_given_dict]


def w1_helper_given_object_not_read(x):
    put_one(HOLD["s"], np.sin(x))
    return np.sum(x**2)


WORKS_1 += [w1_helper_given_object_not_read]


def extend_scale():
    CFG["scale"] += [4.0]


def add_arr():
    CFG["arr"] += 1.0


def global_iadd_m():
    global M
    M += 1.0


def out_add_arr():
    np.add(CFG["arr"], 1.0, out=CFG["arr"])


def w2_list_item_extended(x):
    sc = CFG["scale"]
    a = np.sum(np.array(sc)) * x
    extend_scale()
    b = len(sc) * x + np.array(sc)[:3] * x
    return np.sum(a * b)


def w2_cfg_arr_iadd(x):
    sc = CFG["arr"]
    a = sc * x
    add_arr()
    b = sc * x
    return np.sum(a * b)


def w2_global_iadd(x):
    m = M
    a = m @ x
    global_iadd_m()
    b = m @ x
    return np.sum(a * b)


def w2_out_add_arr(x):
    sc = CFG["arr"]
    a = sc * x
    out_add_arr()
    b = sc * x
    return np.sum(a * b)


WORKS_2 += [w2_list_item_extended, w2_cfg_arr_iadd, w2_global_iadd, w2_out_add_arr]


IDXS = {"i": [0, 2, 1]}


def sort_idx():
    IDXS["i"].sort()


def set_idx():
    IDXS["i"][0] = 2


def get_arr():
    return CFG["arr"]


def w2_dict_item_index_sorted(x):
    idx = IDXS["i"]
    a = x[idx]
    sort_idx()
    b = x[idx]
    return np.sum(a * b * np.array([1.0, 2.0, 3.0]))


def w2_dict_item_index_set(x):
    idx = IDXS["i"]
    a = np.take(x, idx)
    set_idx()
    b = np.take(x, idx)
    return np.sum(a * b * np.array([1.0, 2.0, 3.0]))


def w2_dict_alias_then_item(x):
    d = CFG
    a = d["arr"] * x
    double_arr()
    b = d["arr"] * x
    return np.sum(a * b)


def w2_getter_helper(x):
    a = get_arr() * x
    double_arr()
    b = get_arr() * x
    return np.sum(a * b)


def w2_copy_before_helper(x):
    sc = CFG["arr"].copy()
    a = sc * x
    double_arr()
    b = CFG["arr"] * x
    return np.sum(a * b)


def w2_read_only_after_helper(x):
    double_arr()
    sc = CFG["arr"]
    return np.sum(sc * x**2)


def w2_read_only_before_helper(x):
    sc = CFG["arr"]
    y = np.sum(sc * x**2)
    double_arr()
    return y


WORKS_2 += [
    w2_dict_item_index_sorted,
    w2_dict_item_index_set,
    w2_dict_alias_then_item,
    w2_getter_helper,
    w2_copy_before_helper,
    w2_read_only_after_helper,
    w2_read_only_before_helper,
]


def w2_minimal_no_alias(x):
    y = np.sum(CFG["arr"] * x**2)
    double_arr()
    return y


def w2_minimal_helper_given_m(x):
    y = np.sum(M @ x**2)
    scale_inplace(M, 2.0)
    return y


WORKS_2 += [w2_minimal_no_alias, w2_minimal_helper_given_m]


SET_M00 = functools.partial(M.__setitem__, (0, 0))
SET_N_PARTIAL = functools.partial(setattr, STATE, "n")


def w3_partial_setitem_module_array(x):
    m = M
    a = m @ x
    SET_M00(9.0)
    b = m @ x
    return np.sum(a * b)


def w3_read_before_and_after_const_setter(x):
    a = np.sum(x**2) * (STATE.n + 1.0)
    SET_N5()
    return a + np.sum(x**3) * STATE.n


def w3_while_count_setter(x):
    y = x
    while STATE.n < 3:
        y = np.sin(y) * (STATE.n + 1.0)
        INC_N()
    return np.sum(y)


def w3_partial_counter_in_loop(x):
    acc = 0.0
    for i in range(3):
        SET_N_PARTIAL(STATE.n + 2)
        acc = acc + np.sum(x * STATE.n) * x[i]
    return acc


def w3_hold_decay_vector_loop(x):
    y = x
    for _ in range(3):
        y = y * HOLD["s"].lr + np.sin(y)
        PUT_LR(HOLD["s"].lr * 0.5)
    return np.sum(y**2)


WORKS_3 += [
    w3_partial_setitem_module_array,
    w3_read_before_and_after_const_setter,
    w3_while_count_setter,
    w3_partial_counter_in_loop,
    w3_hold_decay_vector_loop,
]


def r1_values_next_iteration(x):
    acc = 0.0
    for i in range(3):
        acc = acc + sum(o.lr for o in HOLD.values()) * x[i]
        for o in HOLD.values():
            setattr(o, "lr", x[i] * 2.0)  # noqa: B010 STORE
    return acc


def r1_objs_next_iteration_setattr(x):
    acc = 0.0
    for i in range(3):
        acc = acc + OBJS[1].lr * x[i]
        for o in OBJS:
            setattr(o, "lr", np.sin(x[i]))  # noqa: B010 STORE
    return acc


def r1_lambda_next_iteration(x):
    acc = 0.0
    for i in range(3):
        acc = acc + HOLD["s"].lr * x[i]
        PUT_HOLD_LR(x[i] ** 2)  # STORE
    return acc


REFUSED_1 += [r1_values_next_iteration, r1_objs_next_iteration_setattr, r1_lambda_next_iteration]


# the same programs with attribute assignment in place of setattr
REFUSED_1 += [r1_loop_setattr_lambda_assign, r1_values_setattr_dunder_dict_assign]
WORKS_1 += [
    w1_loop_setattr_not_read_assign,
    w1_values_setattr_not_read_assign,
    w1_values_setattr_unused_after_assign,
    w1_setattr_objs0_used_after_assign,
]


def copy_into(dst, src):
    np.copyto(dst, src)


def r4_copyto_helper_after(x):
    v = np.sin(x)
    LOG.append(v)  # STORE
    copy_into(v, np.cos(x))  # UPDATE
    return np.sum(v * x)


def r4_update_later_in_loop(x):
    v = np.sin(x)
    HISTORY["a"] = v  # STORE
    for _ in range(2):
        v *= 1.5  # UPDATE
    return np.sum(v * x)


def r4_view_updated(x):
    v = np.sin(x)
    LOG.append(v)  # STORE
    w = v[:2]
    w += 1.0  # UPDATE
    return np.sum(v * x)


def r4_branch_update(x):
    v = np.sin(x)
    LOG.append(v)  # STORE
    if np.sum(x) > 0:
        v += 1.0  # UPDATE
    return np.sum(v * x)


REFUSED_4 += [r4_copyto_helper_after, r4_update_later_in_loop, r4_view_updated, r4_branch_update]


def w4_stored_each_iteration_new(x):
    acc = 0.0
    v = x
    for k in range(3):
        v = np.tanh(v) * 1.5
        HISTORY[k] = v
        LOG.append(v)
        acc = acc + np.sum(v)
    return acc


def w4_store_then_read_log(x):
    v = np.sin(x)
    LOG.append(v)
    return np.sum(v * x) + len(LOG)


WORKS_4 += [w4_stored_each_iteration_new, w4_store_then_read_log]


# ----------------------------------------------------------------------------- the tests

_REFUSED_NOT_WORKING = "refused though the stored value is not read back: "
XFAILS = {
    # (the 149th tester's entries for a module's array read after a helper changed it, and
    # for setattr of an array never read back, removed: fixed in session 55)
    # silent wrong numbers first
    "r1_dunder_setattr_read": (
        "refused at the read, not the store, with a wrong reason: "
        "`SET_LAST = lambda v: STATE.__setattr__('last', v)` then `STATE.last` says "
        "'`STATE.last` is not defined; check the spelling' though the plain call defines it"
    ),
    # refusals of what works
}


for _name in (
    "w1_loop_setattr_not_read",
    "w1_values_setattr_not_read",
    "w1_values_setattr_unused_after",
    "w1_setattr_objs0_used_after",
):
    if _name in XFAILS:  # (those fixed in session 55: left out)
        XFAILS[_name + "_assign"] = XFAILS[_name].replace("setattr(o, 'lr', v)", "o.lr = v")


def _params(funcs):
    out = []
    for f in funcs:
        marks = ()
        if f.__name__ in XFAILS:
            marks = (pytest.mark.xfail(strict=True, reason=XFAILS[f.__name__]),)
        out.append(pytest.param(f, id=f.__name__, marks=marks))
    return out


@pytest.mark.parametrize("f", _params(REFUSED_1))
def test_store_into_held_object_read_back_is_refused(f):
    check_refused(f)


@pytest.mark.parametrize("f", _params(WORKS_1))
def test_store_into_held_object_not_read_back_is_exact(f):
    check_exact(f)


@pytest.mark.parametrize("f", _params(WORKS_2))
def test_local_name_for_module_array_is_exact(f):
    check_exact(f)


@pytest.mark.parametrize("f", _params(WORKS_3))
def test_setter_runs_once_in_every_api(f):
    check_exact(f)


@pytest.mark.parametrize("f", _params(WORKS_4))
def test_history_and_log_of_local_is_exact(f):
    check_exact(f)


@pytest.mark.parametrize("f", _params(REFUSED_4))
def test_history_and_log_updated_after_is_refused(f):
    check_refused(f)
