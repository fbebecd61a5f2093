"""Programs of tests/test_state_and_structures_independent.py (the 55th independent tester).

Written from the README alone. Five groups:

A. functions reading module state (globals, attributes of namespaces, classes and objects,
   closed-over variables, global arrays) that the caller changes between `vjp` and the
   pullback call;
B. functions calling helpers that change the module state they read in the middle of the
   function (`set_scale(2.0); a = x * SCALE; set_scale(3.0)`);
C. functions of a dict of arrays looping over its keys with string tests, and of
   NamedTuples passed on with `*p`, at second order;
D. functions with an integer argument, for `hvp` with a zero tangent for it;
E. recurrent cells and other helpers called several times with different arguments
   differentiated, for `s2s-ad export`.

`reset_state()` puts every piece of module state back as it was at import (in place: the
functions read the globals by name, the tests hold some of the objects).
"""

import types
from typing import NamedTuple

import numpy as np

import s2s_ad

# ---------------------------------------------------------------------------------------
# A. state changed between vjp and the pullback
# ---------------------------------------------------------------------------------------

A_SCALE = 2.0
A_POW = 3
A_IDX = 1
A_N = 3
A_FLAG = True
A_THRESH = 0.0
A_SHIFT = 1
A_LO = -0.5
A_HI = 0.5
A_SPEC = "ij,j->i"
A_W = np.array([0.5, -1.0, 2.0])
A_M = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]])
A_CFG = types.SimpleNamespace(scale=2.0, sub=types.SimpleNamespace(scale=2.0))
A_LAYERS = [
    np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3], [1.0, 0.0, 1.0]]),
    np.array([[1.0, 2.0, 3.0]]),
]
A_HP = {"lr": 2.0}


class ACfg:
    scale = 2.0


A_INST = ACfg()

A_HOLDERS = [types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0]))]
A_BY_NAME = {"layer": types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0]))}


def a_global(x):
    return np.sum((x * A_SCALE) ** 2)


def a_cfg(x):
    return np.sum(np.sin(x) * A_CFG.scale)


def a_cfg_sub(x):
    return np.sum(np.tanh(x * A_CFG.sub.scale) ** 2)


def a_class_attr(x):
    return np.sum(np.sin(x) ** 2 * ACfg.scale)


def a_inherited_attr(x):
    return np.sum(np.cos(x) * A_INST.scale) ** 2


def a_array(x):
    return np.sum(np.tanh(A_W * x))


def a_matmul(x):
    return np.sum(np.tanh(A_M @ x) ** 2)


def a_index(x):
    return x[A_IDX] ** 2 + np.sum(x) * x[A_IDX]


def a_power(x):
    return np.sum(x**A_POW)


def a_loop_count(x):
    acc = 0.0
    for i in range(A_N):
        acc = acc + np.sin(x[i]) * A_SCALE**i
    return acc**2


def a_loop(x):
    for _ in range(3):
        x = np.sin(x) * A_SCALE
    return np.sum(x**2)


def a_branch(x):
    if A_SCALE > 1.0:  # noqa: SIM108
        y = np.sin(x) * A_SCALE
    else:
        y = x * x
    return np.sum(y**2)


def a_flag(x):
    if A_FLAG:
        return np.sum(np.sin(x) * A_SCALE)
    return np.sum(np.cos(x))


def a_where(x):
    return np.sum(np.where(x > A_THRESH, x * A_SCALE, x**2) ** 2)


def a_roll(x):
    return np.sum(np.roll(x, A_SHIFT) * np.arange(3.0) * x)


def a_clip(x):
    return np.sum(np.clip(x * A_SCALE, A_LO, A_HI) ** 2)


def a_einsum(x):
    return np.sum(np.einsum(A_SPEC, A_M, x) ** 2)


def a_dict_read(x):
    return np.sum((x * A_HP["lr"]) ** 2)


def a_layers(x):
    for W in A_LAYERS:
        x = np.tanh(W @ x)
    return np.sum(x)


def _a_inner(v):
    return np.sin(v) * A_SCALE


def _a_mid(v):
    return _a_inner(v) * A_CFG.scale


def a_helper(x):
    return np.sum(_a_inner(x) ** 2)


def a_helper_nested(x):
    return np.sum(_a_mid(x) ** 2)


def a_helper_in_loop(x):
    for _ in range(3):
        x = _a_inner(x)
    return np.sum(x**2)


def a_nested_def(x):
    def inner(v):
        return v * A_SCALE

    return np.sum(inner(np.sin(x)) ** 2)


def a_lambda(x):
    g = lambda v: np.tanh(v * A_SCALE)  # noqa: E731
    return np.sum(g(x) ** 2)


def a_checkpointed(x):
    for _ in s2s_ad.checkpoint(range(4)):
        x = np.sin(x) * A_SCALE
    return np.sum(x)


def a_early_return(x):
    if np.sum(x) > A_THRESH:
        return np.sum(x * A_SCALE) ** 2
    return np.sum(x)


def a_vector(x):
    return np.sin(x) * A_SCALE + x * A_W


def a_vector_loop(x):
    out = []
    for i in range(3):
        out.append(x[i] * A_SCALE**i)
    return np.array(out)


def a_dict_params(params, x):
    total = 0.0
    for name in params:
        total = total + np.sum(np.tanh(params[name] * x * A_SCALE))
    return total


def a_inner_grad(v):
    return np.sum(np.sin(v) * A_SCALE)


def a_grad_inside(x):
    gx = s2s_ad.grad(a_inner_grad)(x)
    return np.sum(gx * x)


def a_item_attr(x):
    return np.sum(np.tanh(A_HOLDERS[0].w * x))


def a_dict_item_attr(x):
    return np.sum(np.tanh(A_BY_NAME["layer"].w * x))


def make_closure_scalar():
    s = 2.0

    def f(x):
        return np.sum(np.sin(x) * s) ** 2

    def set_s(v):
        nonlocal s
        s = v

    return f, set_s


def make_closure_array():
    w = np.array([1.0, 2.0, 3.0])

    def f(x):
        return np.sum(np.tanh(w * x) ** 2)

    def set_w(v):
        nonlocal w
        w = v

    return f, set_w


def make_closure_loop():
    s = 2.0

    def f(x):
        for _ in range(3):
            x = np.sin(x) * s
        return x

    def set_s(v):
        nonlocal s
        s = v

    return f, set_s


class Model:
    def __init__(self):
        self.w = np.array([1.0, 2.0, 3.0])
        self.scale = 2.0

    def loss(self, x):
        return np.sum(np.tanh(self.w * x) * self.scale)

    def predict(self, x):
        return np.tanh(self.w * x) * self.scale


A_MODEL = Model()


class Dense:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.tanh(self.w * x)


class Net:
    def __init__(self):
        self.layers = [Dense(np.array([1.0, 2.0, 3.0])), Dense(np.array([0.5, 0.5, 0.5]))]
        self.cfg = types.SimpleNamespace(scale=2.0)

    def loss(self, x):
        for layer in self.layers:
            x = layer(x)
        return np.sum(x * self.cfg.scale) ** 2


A_NET = Net()

# ---------------------------------------------------------------------------------------
# B. helpers changing module state in the middle of the function
# ---------------------------------------------------------------------------------------

SCALE = 1.0
COUNT = 0.0
P = types.SimpleNamespace(scale=1.0)
WBUF = np.array([1.0, 1.0, 1.0])
LBUF = [1.0]
HP = {"lr": 1.0}


def set_scale(v):
    global SCALE
    SCALE = v


def set_scale_via(v):
    set_scale(v)


def set_p(v):
    P.scale = v


def set_w(v):
    WBUF[0] = v


def set_w_all(v):
    WBUF[:] = v


def fill_w(v):
    WBUF.fill(v)


def copy_w(v):
    np.copyto(WBUF, v)


def mul_w(v):
    global WBUF
    WBUF *= v


def set_l(v):
    LBUF[0] = v


def set_hp(v):
    HP["lr"] = v


def bump():
    global COUNT
    COUNT = COUNT + 1.0


def set_attr_of(obj, v):
    obj.scale = v


def set_via_globals(v):
    globals()["SCALE"] = v


class Box:
    scale = 1.0

    def set(self, v):
        self.scale = v

    def set_on_class(self, v):
        type(self).scale = v

    def apply(self, v):
        return v * self.scale


BOX = Box()


def times_scale(v):
    return v * SCALE


def times_p(v):
    return v * P.scale


def times_w(v):
    return v * WBUF


def scale_then_bump(v):
    y = v * SCALE
    set_scale(SCALE + 1.0)
    return y


def times_scale_and_set(v):
    set_scale(2.0)
    y = v * SCALE
    set_scale(3.0)
    return y


def b_global(x):
    set_scale(2.0)
    a = x * SCALE
    set_scale(3.0)
    return np.sum(a * a)


def b_global_both(x):
    set_scale(2.0)
    a = np.sin(x) * SCALE
    set_scale(3.0)
    return np.sum(a * a * SCALE)


def b_namespace(x):
    set_p(2.0)
    a = np.sin(x) * P.scale
    set_p(3.0)
    return np.sum(a * a * P.scale)


def b_array_item(x):
    set_w(2.0)
    a = x * WBUF
    set_w(5.0)
    return np.sum(a * a * WBUF)


def b_array_all(x):
    set_w_all(2.0)
    a = np.tanh(x * WBUF)
    set_w_all(0.5)
    return np.sum(a * WBUF)


def b_array_fill(x):
    fill_w(2.0)
    a = x * WBUF
    fill_w(3.0)
    return np.sum(a * WBUF) ** 2


def b_array_copyto(x):
    copy_w(2.0)
    a = np.sin(x * WBUF)
    copy_w(3.0)
    return np.sum(a * WBUF)


def b_array_imul(x):
    a = x * WBUF
    mul_w(2.0)
    return np.sum(a * a * WBUF)


def b_list_item(x):
    set_l(2.0)
    a = x * LBUF[0]
    set_l(3.0)
    return np.sum(a * a * LBUF[0])


def b_dict_item(x):
    set_hp(2.0)
    a = x * HP["lr"]
    set_hp(3.0)
    return np.sum(a * a * HP["lr"])


def b_method(x):
    BOX.set(2.0)
    a = x * BOX.scale
    BOX.set(3.0)
    return np.sum(np.sin(a) * BOX.scale)


def b_method_reader(x):
    BOX.set(2.0)
    a = BOX.apply(x)
    BOX.set(3.0)
    return np.sum(BOX.apply(a) ** 2)


def b_via_helper(x):
    set_scale_via(2.0)
    a = x * SCALE
    set_scale_via(3.0)
    return np.sum(a * a)


def b_loop(x):
    for k in range(3):
        set_scale(k + 1.5)
        x = np.sin(x * SCALE)
    return np.sum(x)


def b_while(x):
    k = 0
    while k < 3:
        set_scale(k + 1.0)
        x = np.sin(x) * SCALE
        k = k + 1
    return np.sum(x)


def b_branch(x):
    if np.sum(x) > 0:
        set_scale(2.0)
    else:
        set_scale(0.5)
    a = x * SCALE
    set_scale(7.0)
    return np.sum(a**3)


def b_counter(x):
    bump()
    a = x * COUNT
    bump()
    return np.sum(a * a * COUNT)


def b_reader_sets(x):
    set_scale(2.0)
    y = scale_then_bump(x)
    y = scale_then_bump(np.sin(y))
    return np.sum(y * y)


def b_reader_after(x):
    set_scale(2.0)
    a = x * SCALE
    set_scale(3.0)
    return np.sum(times_scale(a) ** 2)


def b_setter_inside_helper(x):
    a = times_scale_and_set(x)
    return np.sum(a * a * SCALE)


def b_lambda(x):
    set_scale(2.0)
    r = lambda v: v * SCALE  # noqa: E731
    a = r(x)
    set_scale(3.0)
    return np.sum(a * a * SCALE)


def b_nested_def(x):
    def r(v):
        return v * SCALE

    set_scale(2.0)
    a = r(x)
    set_scale(3.0)
    return np.sum(a * r(a))


def b_params(params, x):
    set_scale(2.0)
    a = params["w"] * x * SCALE
    set_scale(3.0)
    return np.sum(np.tanh(a) * params["b"] * SCALE)


def b_vector(x):
    set_scale(2.0)
    a = x * SCALE
    set_scale(3.0)
    return a * a * SCALE


# --- found wrong (strict expected failures in the test file) ---


def b_reader_helper(x):
    set_scale(2.0)
    a = times_scale(x)
    set_scale(3.0)
    return np.sum(a * a * SCALE)


def b_reader_helper_twice(x):
    set_scale(2.0)
    a = times_scale(x)
    set_scale(3.0)
    b = times_scale(a)
    return np.sum(b * b)


def b_reader_helper_loop(x):
    for k in range(3):
        set_scale(k + 1.0)
        x = times_scale(np.sin(x))
    return np.sum(x * x)


def b_namespace_reader_helper(x):
    set_p(2.0)
    a = times_p(x)
    set_p(3.0)
    return np.sum(times_p(a) ** 2)


def b_inner_grad(v):
    return np.sum(np.sin(v) * SCALE)


def b_grad_inside(x):
    set_scale(2.0)
    gx = s2s_ad.grad(b_inner_grad)(x)
    set_scale(3.0)
    return np.sum(gx * x * SCALE)


def b_array_reader_helper(x):
    set_w(2.0)
    a = times_w(x)
    set_w(3.0)
    return np.sum(a * a)


def b_setter_given_object(x):
    set_attr_of(P, 2.0)
    a = x * P.scale
    set_attr_of(P, 3.0)
    return np.sum(a * a)


def b_class_attr_setter(x):
    BOX.set_on_class(2.0)
    a = x * Box.scale
    BOX.set_on_class(3.0)
    return np.sum(a * a)


def b_local_alias(x):
    w = WBUF
    set_w(2.0)
    a = x * w
    set_w(5.0)
    return np.sum(a * w)


def b_checkpointed(x):
    for k in s2s_ad.checkpoint(range(4)):
        set_scale(k + 1.0)
        x = x * SCALE
    return np.sum(x)


def b_globals_dict(x):
    set_via_globals(2.0)
    a = x * SCALE
    set_via_globals(3.0)
    return np.sum(a * a)


def make_closure_setter():
    s = 1.0

    def set_s(v):
        nonlocal s
        s = v

    def f(x):
        set_s(2.0)
        a = x * s
        set_s(3.0)
        return np.sum(a * a)

    return f


def reset_state():
    """Every global, attribute and array of groups A and B as at import."""
    global A_SCALE, A_POW, A_IDX, A_N, A_FLAG, A_THRESH, A_SHIFT, A_LO, A_HI, A_SPEC
    global A_W, A_M, A_LAYERS, A_HP, A_CFG, A_HOLDERS, A_BY_NAME
    global SCALE, COUNT, P, WBUF, LBUF, HP
    A_SCALE, A_POW, A_IDX, A_N, A_FLAG, A_THRESH = 2.0, 3, 1, 3, True, 0.0
    A_SHIFT, A_LO, A_HI, A_SPEC = 1, -0.5, 0.5, "ij,j->i"
    A_W = np.array([0.5, -1.0, 2.0])
    A_M = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]])
    A_LAYERS = [
        np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3], [1.0, 0.0, 1.0]]),
        np.array([[1.0, 2.0, 3.0]]),
    ]
    A_HP = {"lr": 2.0}
    A_CFG = types.SimpleNamespace(scale=2.0, sub=types.SimpleNamespace(scale=2.0))
    ACfg.scale = 2.0
    A_INST.__dict__.clear()
    A_HOLDERS = [types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0]))]
    A_BY_NAME = {"layer": types.SimpleNamespace(w=np.array([1.0, 2.0, 3.0]))}
    A_MODEL.w = np.array([1.0, 2.0, 3.0])
    A_MODEL.scale = 2.0
    A_NET.layers = [Dense(np.array([1.0, 2.0, 3.0])), Dense(np.array([0.5, 0.5, 0.5]))]
    A_NET.cfg = types.SimpleNamespace(scale=2.0)
    SCALE = 1.0
    COUNT = 0.0
    P = types.SimpleNamespace(scale=1.0)
    WBUF = np.array([1.0, 1.0, 1.0])
    LBUF = [1.0]
    HP = {"lr": 1.0}
    Box.scale = 1.0
    BOX.__dict__.clear()


def state_summary():
    """What group B's programs leave behind, to compare with the plain call's."""
    return (SCALE, COUNT, P.scale, tuple(WBUF), tuple(LBUF), HP["lr"], Box.scale, BOX.scale)


# ---------------------------------------------------------------------------------------
# C. dicts looped over with string tests, NamedTuples passed on with *p, at second order
# ---------------------------------------------------------------------------------------


def c_startswith(params, x):
    total = 0.0
    for name in params:
        if name.startswith("w"):
            total = total + np.sum(np.tanh(params[name] * x) ** 2)
        else:
            total = total + 0.5 * np.sum(params[name] ** 3)
    return total


def c_sorted_endswith(params, x):
    total = 0.0
    for name in sorted(params):
        if name.endswith("1"):
            total = total * 1.5 + np.sum(np.sin(params[name]) * x)
        else:
            total = total + np.sum(params[name] ** 2 * x**2)
    return total


def c_list_keys(params, x):
    keys = list(params)
    total = np.sum(params[keys[0]] * params[keys[-1]])
    for k in keys:
        if "w" in k:
            total = total + np.sum(np.exp(params[k] * 0.3) * x)
    return total


def c_items(params, x):
    total = 0.0
    for name, value in params.items():
        if name.startswith("b"):
            total = total + np.sum(value**2) * np.sum(x)
        elif name.startswith("w"):
            total = total + np.sum(np.cos(value * x))
    return total


def c_enumerate(params, x):
    total = 0.0
    for i, name in enumerate(params):
        if name.startswith("w"):
            total = total + (i + 1.0) * np.sum(params[name] ** 3)
        else:
            total = total + np.sum(params[name] * x) ** 2
    return total


def c_sorted_items(params, x):
    total = 0.0
    for name, value in sorted(params.items()):
        if name[0] == "w":
            total = total + np.sum(np.log1p(value**2))
        else:
            total = total * 1.5 + np.sum(value * x)
    return total


def c_split(params, x):
    total = 0.0
    for name in params:
        kind, idx = name.split("_")
        if kind == "w" and idx == "1":
            total = total + np.sum(params[name] ** 2 * x)
        elif kind == "w":
            total = total + np.sum(np.tanh(params[name]))
        else:
            total = total + np.sum(params[name] ** 4)
    return total


def c_prefix_tuple(params, x):
    total = 0.0
    for name in params:
        if name.lower().startswith(("w", "k")):
            total = total + np.sum(np.tanh(params[name] * x) ** 2)
        else:
            total = total + np.sum(params[name] ** 2) * 0.5
    return total


def c_int_suffix(params, x):
    total = 0.0
    for name in sorted(params):
        k = int(name[1:])
        total = total + k * np.sum(np.sin(params[name] * x))
    return total


def c_mlp(params, x):
    h = x
    n = len([k for k in params if k.startswith("W")])
    for i in range(n):
        h = np.tanh(params["W" + str(i)] @ h + params[f"b{i}"])
    return np.sum(h**2)


def c_nested(params, x):
    total = 0.0
    for layer_name in sorted(params):
        layer = params[layer_name]
        for name in layer:
            if name.startswith("w"):
                total = total + np.sum(np.tanh(layer[name] * x) ** 2)
            else:
                total = total + np.sum(layer[name] ** 2)
    return total


def _c_penalty(name, value):
    if name.startswith("w"):
        return 0.1 * np.sum(value**4)
    return 0.0


def c_helper(params, x):
    total = 0.0
    for name in params:
        total = total + _c_penalty(name, params[name]) + np.sum(np.sin(params[name] * x))
    return total


def c_static_leaves(params, x):
    total = 0.0
    for name in params:
        if name.startswith("w"):
            total = total + np.sum(np.tanh(params[name] * x) ** 2) * params["n"]
    if params["act"] == "square":
        total = total * total
    return total


def c_build_dict(params, x):
    out = {}
    for name in params:
        if name.startswith("w"):
            out[name] = np.tanh(params[name] * x)
        else:
            out[name] = params[name] ** 2
    return sum(np.sum(v**2) for v in out.values())


def c_comprehension(params, x):
    ws = [params[k] for k in params if k.startswith("w")]
    bs = [params[k] for k in sorted(params) if k.startswith("b")]
    return sum(np.sum(w * x) ** 2 for w in ws) + sum(np.sum(b**3) for b in bs)


def cs_startswith(t, params):
    total = 0.0
    for name in params:
        if name.startswith("w"):
            total = total + np.sum(np.sin(t * params[name]))
        else:
            total = total + t * t * np.sum(params[name])
    return total


def cs_sorted_enumerate(t, params):
    total = 0.0
    for i, name in enumerate(sorted(params)):
        if name.startswith("b"):
            total = total + np.cos(t * (i + 1.0)) * params[name]
        else:
            total = total + t**3 * params[name]
    return total


def cs_items(t, params):
    total = 0.0
    for name, value in params.items():
        if name.endswith("2"):  # noqa: SIM108
            total = total + np.exp(0.5 * t) * value
        else:
            total = total + np.sin(t * value)
    return total


class Layer(NamedTuple):
    w: np.ndarray
    b: np.ndarray


class Coeffs(NamedTuple):
    a: float
    b: float
    c: float


def _layer(w, b, x):
    return np.tanh(w * x + b)


def _dense(w, b, x, scale=1.0):
    return np.sum(np.tanh(w @ x + b) ** 2) * scale


def _poly(a, b, c, t):
    return a * t**2 + b * np.sin(t) + c * a * b


def nt_star(p, x):
    return np.sum(_layer(*p, x) ** 2)


def nt_star_dense(p, x):
    return _dense(*p, x, scale=2.0)


def nt_star_scalars(p, t):
    return _poly(*p, t) ** 2


def nt_star_fixed(t, p):
    return _poly(*p, t) ** 2


def nt_star_fixed_array(p, x):
    return np.sum(_layer(*p, x) ** 2)


# ---------------------------------------------------------------------------------------
# D. integer arguments held fixed by hvp
# ---------------------------------------------------------------------------------------


def d_loop(x, n):
    for _ in range(n):
        x = np.sin(x) * 1.2
    return np.sum(x**2)


def d_power(x, n):
    return np.sum(x**n)


def d_int_first(n, x):
    return np.sum(np.tanh(x * n) ** 2)


def d_scalar(t, n):
    acc = 0.0
    for k in range(1, n + 1):
        acc = acc + np.sin(k * t) / k
    return acc**2


def d_two_ints(x, n, m, y):
    return np.sum(x[:n] ** 3) * m + np.sum(x * y) ** 2


def d_flag(x, use_square):
    if use_square:
        return np.sum(x**4)
    return np.sum(np.exp(x))


def d_index(x, i):
    return x[i] ** 3 + np.sum(x**2) * x[i]


class Steps(NamedTuple):
    w: np.ndarray
    n: int


def d_dict_int_leaf(p, x):
    y = x
    for _ in range(p["n"]):
        y = np.sin(p["w"] * y)
    return np.sum(y**2)


def d_namedtuple_int_leaf(p, x):
    y = x
    for _ in range(p.n):
        y = np.sin(p.w * y)
    return np.sum(y**2)


# ---------------------------------------------------------------------------------------
# E. helpers called several times with different arguments differentiated, for export
# ---------------------------------------------------------------------------------------

E_DECAY = 0.5


def _e_cell(h, x, W, U):
    return np.tanh(W @ h + U @ x)


def e_rnn3(W, U, xs):
    h = np.zeros(2)
    h = _e_cell(h, xs[0], W, U)
    h = _e_cell(h, xs[1], W, U)
    h = _e_cell(h, xs[2], W, U)
    return np.sum(h**2)


def e_rnn_loop(W, U, xs):
    h = np.zeros(2)
    for t in range(xs.shape[0]):
        h = _e_cell(h, xs[t], W, U)
    return np.sum(h**2)


def e_rnn_const_input(W, U, xs):
    h = np.zeros(2)
    h = _e_cell(h, np.ones(3), W, U)
    h = _e_cell(h, xs[0], W, U)
    return np.sum(h**2)


def _e_mix(a, b):
    return np.sin(a) * b + a * a


def e_two_roles(x, c):
    u = _e_mix(x, c)
    v = _e_mix(c, x)
    w = _e_mix(np.ones(3), x)
    z = _e_mix(x, np.ones(3))
    return np.sum(u * v + w * z)


def _e_gru_cell(h, x, Wz, Wh):
    z = 1.0 / (1.0 + np.exp(-(Wz @ np.concatenate([h, x]))))
    hh = np.tanh(Wh @ np.concatenate([h * z, x]))
    return (1.0 - z) * h + z * hh


def e_gru(Wz, Wh, xs):
    h = np.zeros(2)
    h = _e_gru_cell(h, xs[0], Wz, Wh)
    h = _e_gru_cell(h, xs[1], Wz, Wh)
    return np.sum(h) * E_DECAY


def _e_lstm_cell(h, c, x, W):
    g = W @ np.concatenate([h, x])
    i = 1.0 / (1.0 + np.exp(-g[0:2]))
    f = 1.0 / (1.0 + np.exp(-g[2:4]))
    o = 1.0 / (1.0 + np.exp(-g[4:6]))
    u = np.tanh(g[6:8])
    c = f * c + i * u
    h = o * np.tanh(c)
    return h, c


def e_lstm(W, xs):
    h = np.zeros(2)
    c = np.zeros(2)
    h, c = _e_lstm_cell(h, c, xs[0], W)
    h, c = _e_lstm_cell(h, c, xs[1], W)
    h, c = _e_lstm_cell(h, c, xs[2], W)
    return np.sum(h**2) + 0.1 * np.sum(c)


def _e_pair(h, x):
    return h * x, np.sin(h) + x


def e_tuple_roles(x):
    a, b = _e_pair(np.ones(3), x)
    c, d = _e_pair(x, a)
    e, _ = _e_pair(b, d)
    return np.sum(c * e)


def _e_kw_cell(h, x, scale=1.0):
    return np.tanh(h * scale + x)


def e_keyword_roles(x):
    h = _e_kw_cell(np.zeros(3), x)
    h = _e_kw_cell(h, x, scale=2.0)
    h = _e_kw_cell(x, h, scale=0.5)
    return np.sum(h)


# --- found refused (strict expected failures): the cell calls a helper of its own ---


def _e_affine(W, h, U, x):
    return W @ h + U @ x


def _e_cell_with_helper(h, x, W, U):
    return np.tanh(_e_affine(W, h, U, x))


def e_rnn_cell_with_helper(W, U, xs):
    h = np.zeros(2)
    h = _e_cell_with_helper(h, xs[0], W, U)
    h = _e_cell_with_helper(h, xs[1], W, U)
    return np.sum(h**2)
