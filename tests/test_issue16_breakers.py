"""Independent breakers for issue 16 (structures, objects, function values).

Written by a second fresh tester from the README and the issue only, after the merge, and
kept as written. It found a silently wrong derivative (a helper whose body is `return
model(x)`: zero with respect to the model), fixed; what still fails is `PENDING_TESTS`."""

import copy
import dataclasses
import functools
from typing import NamedTuple

import numpy as np

import s2s_ad as ad

H = 1e-6
RTOL = 1e-5
ATOL = 1e-6
RNG = np.random.default_rng(0)


def rnd(*shape):
    return RNG.normal(size=shape) * 0.5


# ---------------------------------------------------------------- tree utils
def is_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, float):
        return True
    if isinstance(v, np.floating):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def children(t):
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        return [(("i", i), v) for i, v in enumerate(t)]
    if isinstance(t, (tuple, list)):
        return [(("i", i), v) for i, v in enumerate(t)]
    if isinstance(t, dict):
        return [(("k", k), v) for k, v in t.items()]
    if callable(t) and not hasattr(t, "__dict__"):
        return []
    if isinstance(t, (int, str, type(None), np.ndarray)) or (
        callable(t) and not dataclasses.is_dataclass(t) and type(t).__module__ != __name__
    ):
        return []
    if hasattr(t, "__dict__") and type(t).__module__ == __name__:
        return [(("a", k), v) for k, v in vars(t).items()]
    return []


def leaves(t, path=()):
    if is_leaf(t):
        return [(path, t)]
    out = []
    for k, v in children(t):
        out += leaves(v, path + (k,))
    return out


def get(t, path):
    for kind, k in path:
        t = getattr(t, k) if kind == "a" else t[k]
    return t


def replace(t, path, val):
    if not path:
        return val
    (kind, k), rest = path[0], path[1:]
    if kind == "a":
        new = copy.copy(t)
        object.__setattr__(new, k, replace(getattr(t, k), rest, val))
        return new
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        items = list(t)
        items[k] = replace(t[k], rest, val)
        return type(t)(*items)
    if isinstance(t, tuple):
        items = list(t)
        items[k] = replace(t[k], rest, val)
        return tuple(items)
    if isinstance(t, list):
        items = list(t)
        items[k] = replace(t[k], rest, val)
        return items
    new = dict(t)
    new[k] = replace(t[k], rest, val)
    return new


def numgrad(f, args, wrt=0):
    """central differences of scalar f w.r.t. args[wrt]; dict path -> array"""
    out = {}
    for path, leaf in leaves(args[wrt]):
        a = np.array(leaf, dtype=float)
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            vals = []
            for s in (H, -H):
                b = a.copy()
                b[idx] += s
                nl = float(b) if isinstance(leaf, float) else b.astype(np.asarray(leaf).dtype)
                na = list(args)
                na[wrt] = replace(args[wrt], path, nl)
                vals.append(float(f(*na)))
            g[idx] = (vals[0] - vals[1]) / (2 * H)
        out[path] = g
    return out


def same_structure(g, t, where="root"):
    if is_leaf(t):
        assert g is not None, f"gradient leaf None at {where}"
        assert np.shape(g) == np.shape(t), f"shape {np.shape(g)} vs {np.shape(t)} at {where}"
        return
    if isinstance(t, (int, str, type(None))) or (callable(t) and not children(t)):
        return
    assert type(g) is type(t), f"type {type(g).__name__} vs {type(t).__name__} at {where}"
    for k, v in children(t):
        sub = getattr(g, k[1]) if k[0] == "a" else g[k[1]]
        same_structure(sub, v, f"{where}/{k[1]}")


def close(a, b, what=""):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    ok = np.abs(a - b) <= ATOL + RTOL * np.abs(b)
    assert ok.all(), f"WRONG {what}: {a} vs {b}"


def tree_close(g, ref_tree, t, what):
    same_structure(g, t)
    for path, _ in leaves(t):
        close(get(g, path), get(ref_tree, path), f"{what} at {path}")


def check(f, args, wrt=0, forward=True, hessian=False, fn_for_fd=None):
    """the full battery for scalar f"""
    plain = f(*args)
    ff = fn_for_fd or f
    wrts = wrt if isinstance(wrt, tuple) else (wrt,)
    val, g = ad.value_and_grad(f, wrt=wrt)(*args)
    assert val == plain or np.allclose(val, plain, rtol=1e-14, atol=0), f"primal {val} vs {plain}"
    gs = g if isinstance(wrt, tuple) else (g,)
    for w, gw in zip(wrts, gs):
        num = numgrad(ff, args, w)
        same_structure(gw, args[w])
        for path, _ in leaves(args[w]):
            close(get(gw, path), num[path], f"reverse vs FD wrt {w} at {path}")
    if forward:
        gf = ad.grad(f, wrt=wrt, mode="forward")(*args)
        gfs = gf if isinstance(wrt, tuple) else (gf,)
        for w, gw, gv in zip(wrts, gs, gfs):
            same_structure(gv, args[w])
            for path, _ in leaves(args[w]):
                close(get(gv, path), get(gw, path), f"forward vs reverse wrt {w} at {path}")
    if hessian:
        check_hessian(f, args, wrts[0])
    return g


def check_hessian(f, args, w=0):
    hs = ad.hessian(f, wrt=w)(*args)
    gradf = ad.grad(f, wrt=w)
    lv = leaves(args[w])
    for pi, li in lv:
        for pj, lj in lv:
            block = np.asarray(get(get(hs, pi), pj), dtype=float)
            # FD of reverse gradient leaf pi w.r.t. leaf pj
            a = np.array(lj, dtype=float)
            ref = np.zeros(np.shape(li) + a.shape)
            for idx in np.ndindex(a.shape):
                gg = []
                for s in (H, -H):
                    b = a.copy()
                    b[idx] += s
                    nl = float(b) if isinstance(lj, float) else b
                    na = list(args)
                    na[w] = replace(args[w], pj, nl)
                    gg.append(np.asarray(get(gradf(*na), pi), dtype=float))
                ref[(...,) + idx] = (gg[0] - gg[1]) / (2 * H)
            close(block, ref, f"hessian block {pi},{pj}")


def check_jvp(f, args, tangents, outleaves=True):
    plain = f(*args)
    out, tout = ad.jvp(f, args, tangents)
    for path, leaf in leaves(plain) or [((), plain)]:
        close(get(out, path), leaf, f"jvp primal at {path}")
        assert np.array_equal(np.asarray(get(out, path)), np.asarray(leaf))

    # FD along tangents
    def shift(s):
        na = []
        for a, t in zip(args, tangents):
            if t is None:
                na.append(a)
                continue
            for path, leaf in leaves(a):
                tl = get(t, path)
                a = replace(
                    a,
                    path,
                    leaf + s * np.asarray(tl)
                    if not isinstance(leaf, float)
                    else leaf + s * float(tl),
                )
            na.append(a)
        return f(*na)

    up, dn = shift(H), shift(-H)
    for path, leaf in leaves(plain) or [((), plain)]:
        ref = (np.asarray(get(up, path), float) - np.asarray(get(dn, path), float)) / (2 * H)
        close(get(tout, path), ref, f"jvp tangent at {path}")
    return tout


def check_vjp(f, args, ct, wrt=0):
    plain = f(*args)
    out, pb = ad.vjp(f, *args)
    for path, leaf in leaves(plain) or [((), plain)]:
        assert np.array_equal(np.asarray(get(out, path)), np.asarray(leaf)), "vjp primal"
    cts = pb(ct)

    def scal(*a):
        o = f(*a)
        return sum(
            float(np.sum(np.asarray(get(o, p)) * np.asarray(get(ct, p))))
            for p, _ in (leaves(o) or [((), o)])
        )

    num = numgrad(scal, args, wrt)
    same_structure(cts[wrt], args[wrt])
    for path, _ in leaves(args[wrt]):
        close(get(cts[wrt], path), num[path], f"vjp vs FD at {path}")
    return cts


# ---------------------------------------------------------------- structures
X = rnd(2)
Y = rnd(1)


def net_readme(params, x):
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    return np.sum((W @ x + b) ** 2) / len(params)


def mk_params(sizes=(2, 3, 1)):
    return [(rnd(o, i), rnd(o)) for i, o in zip(sizes[:-1], sizes[1:])]


def test_s01_list_of_Wb_readme():
    check(net_readme, (mk_params(), X), hessian=True)


def test_s02_list_of_Wb_three_layers_and_cache():
    check(net_readme, (mk_params((2, 3, 3, 1)), X))
    check(net_readme, (mk_params((2, 4, 1)), X))


def dict_of_lists(p, x):
    h = x
    for W, b in zip(p["W"], p["b"]):
        h = np.sin(W @ h + b)
    return np.sum(h**2) + p["scale"] * np.sum(h)


def test_s03_dict_of_lists_zip():
    p = {"W": [rnd(3, 2), rnd(2, 3)], "b": [rnd(3), rnd(2)], "scale": 0.7}
    check(dict_of_lists, (p, X), hessian=True)


class Params(NamedTuple):
    w: np.ndarray
    b: float


def nt_loss(p, x):
    return np.sum(np.tanh(p.w * x + p.b) ** 2)


def test_s04_namedtuple():
    check(nt_loss, (Params(rnd(2), 0.3), X), hessian=True)


@dataclasses.dataclass
class DCParams:
    w: np.ndarray
    b: np.ndarray
    c: float = 1.5


def dc_loss(p, x):
    return np.sum(np.exp(p.w * x) * p.c + p.b**2)


def test_s05_dataclass_params():
    check(dc_loss, (DCParams(rnd(2), rnd(2), 1.5), X), hessian=True)


class Plain:
    def __init__(self, w, s):
        self.w = w
        self.s = s


def plain_loss(p, x):
    return np.sum(np.cos(p.w * p.s) * x)


def test_s06_plain_object_params():
    check(plain_loss, (Plain(rnd(2), 0.4), X), hessian=True)


def deep_nest(p, x):
    inner = p["enc"]
    a = inner.w[0] @ x + inner.w[1]
    return np.sum(np.tanh(a)) * p["t"][1]["k"] + p["t"][0]


def test_s07_deep_nesting():
    p = {"enc": Params([rnd(3, 2), rnd(3)], 0.0), "t": (0.5, {"k": 1.2})}
    check(deep_nest, (p, X), hessian=True)


def slicing_loss(params, xs):
    (W1, b1), *rest = params
    h = np.tanh(W1 @ xs[0] + b1)
    for (W, b), x in zip(rest, xs[1:]):
        h = np.tanh(W @ h + b) + np.sum(x)
    last = params[-1][1]
    return np.sum(h**2) + np.sum(last) * len(params[1:])


def test_s08_star_unpack_zip_slice():
    params = [(rnd(3, 2), rnd(3)), (rnd(3, 3), rnd(3)), (rnd(2, 3), rnd(2))]
    xs = [rnd(2), rnd(2), rnd(2)]
    check(slicing_loss, (params, xs))


def concat_loss(blocks, v):
    z = np.concatenate(blocks)
    return np.sum(z**3) * np.sum(v)


def test_s09_concatenate_list_argument():
    check(concat_loss, ([rnd(2), rnd(3), rnd(1)], rnd(2) + 2.0), hessian=True)


def helper_layer(layer, x):
    W, b = layer
    return np.tanh(W @ x + b)


def whole_to_helper(params, x):
    for layer in params:
        x = helper_layer(layer, x)
    return np.sum(x)


def test_s10_structure_parts_to_helper():
    check(whole_to_helper, (mk_params((2, 3, 2)), X))


def build_struct(p, x):
    out = {"h": [np.tanh(p[0] * x), p[1] * x], "s": np.sum(p[0] * p[1])}
    return out


def test_s11_vjp_structured_output():
    p = (rnd(2), rnd(2))
    ct = {"h": [np.ones(2), rnd(2)], "s": 0.3}
    check_vjp(build_struct, (p, X), ct)


def test_s12_jvp_structured_in_out():
    p = (rnd(2), rnd(2))
    t = (rnd(2), rnd(2))
    check_jvp(build_struct, (p, X), (t, None))


def int_leaves(p, x):
    return np.sum(p["w"] ** p["n"]) * x + len(p["name"])


def test_s13_int_string_leaves_held_fixed():
    p = {"w": rnd(3) + 2.0, "n": 3, "name": "abc"}
    g = check(int_leaves, (p, 1.3))
    assert g["n"] is None and g["name"] is None


def f32_loss(p, x):
    return np.sum(np.tanh(p["w"] * x))


def test_s14_float32_leaf_dtype():
    p = {"w": rnd(3).astype(np.float32), "v": 0.5}
    g = ad.grad(lambda p, x: f32_loss(p, x) * p["v"])(p, 1.0)
    assert g["w"].dtype == np.float32


# ---------------------------------------------------------------- objects with methods
@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


class MLP:
    def __init__(self, layers, act=np.tanh):
        self.layers, self.act = layers, act

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = self.act(layer(x))
        return self.layers[-1](x)


def mse(model, x, y):
    return np.mean((model(x) - y) ** 2)


def mk_mlp(sizes=(2, 3, 1), act=np.tanh):
    return MLP([Dense(rnd(o, i), rnd(o)) for i, o in zip(sizes[:-1], sizes[1:])], act)


def test_o01_readme_mlp_wrt_model():
    m = mk_mlp()
    g = check(mse, (m, X, Y))
    assert g.act is None


def test_o02_readme_mlp_hessian():
    check_hessian(mse, (mk_mlp(), X, Y))


def my_act(z):
    return z / (1.0 + z * z)


def test_o03_user_act_attribute():
    check(mse, (mk_mlp((2, 3, 2, 1), act=my_act), X, Y))


SOFTSIGN = lambda z: z / (1.0 + np.abs(z))  # noqa: E731


def test_o04_lambda_act_attribute():
    check(mse, (mk_mlp((2, 3, 1), act=SOFTSIGN), X, Y))


def test_o05_swap_act_no_stale():
    m = mk_mlp((2, 3, 1))
    g1 = ad.grad(mse)(m, X, Y)
    m2 = MLP(m.layers, act=np.sin)
    check(mse, (m2, X, Y))
    m.act = np.sin  # mutate the attribute
    g3 = ad.grad(mse)(m, X, Y)
    g2 = ad.grad(mse)(m2, X, Y)
    for i in range(2):
        close(g3.layers[i].W, g2.layers[i].W, "after mutating act")
    assert not np.allclose(g1.layers[0].W, g3.layers[0].W)


def test_o06_add_layer_no_stale():
    m = mk_mlp((2, 3, 1))
    ad.grad(mse)(m, X, Y)
    m.layers.append(Dense(rnd(1, 1), rnd(1)))
    check(mse, (m, X, Y))


class Scaled:
    def __init__(self, w, log_s):
        self.w = w
        self.log_s = log_s

    @property
    def scale(self):
        return np.exp(self.log_s)

    def forward(self, x):
        return self.scale * np.sin(self.w * x)

    def __call__(self, x):
        return self.forward(x) + self.w


def obj_loss(m, x):
    return np.sum(m(x) ** 2)


def test_o07_property_and_method():
    check(obj_loss, (Scaled(rnd(2), 0.2), X), hessian=True)


def test_o08_bound_method_grad():
    net = Scaled(rnd(2), 0.1)

    class Holder:
        pass

    # bound method of a module-level class
    check(net.forward_loss if hasattr(net, "forward_loss") else (lambda x: obj_loss(net, x)), (X,))


class Net:
    def __init__(self, layers):
        self.layers = layers

    def loss(self, x, y):
        h = x
        for layer in self.layers:
            h = layer(h)
        return np.sum((h - y) ** 2)

    def ploss(self, params, x):
        h = x
        for W, b in params:
            h = np.tanh(W @ h + b)
        return np.sum(h**2) + self.lam * sum(np.sum(W**2) for W, _ in params)


def penalised(loss_fn, x, y):
    return loss_fn(x, y) + 0.01 * np.sum(x**2)


def test_o09_readme_bound_method_wrt_x():
    net = Net([Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2))])
    y = rnd(2)
    check(net.loss, (X, y), fn_for_fd=lambda x, y: net.loss(x, y), hessian=True)


def test_o10_readme_callback_bound_method():
    net = Net([Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2))])
    y = rnd(2)
    check(penalised, (net.loss, X, y), wrt=1)


def test_o11_bound_method_params_list():
    net = Net([])
    net.lam = 0.05
    check(net.ploss, (mk_params((2, 3, 2)), X), fn_for_fd=lambda p, x: net.ploss(p, x))


def test_o12_partial_kw_bound():
    f = functools.partial(net_readme, x=X)
    check(f, (mk_params(),), fn_for_fd=lambda p: net_readme(p, X), hessian=True)


def test_o13_nested_partial_model():
    f = functools.partial(functools.partial(mse, y=Y), x=X)
    check(f, (mk_mlp(),), fn_for_fd=lambda m: mse(m, X, Y))


def train(loss_fn, model, steps=3, lr=0.1):
    """builds a new model each step"""
    hist = []
    for _ in range(steps):
        val, g = ad.value_and_grad(loss_fn)(model)
        num = numgrad(loss_fn, (model,))
        for path, _ in leaves(model):
            close(get(g, path), num[path], f"train step at {path}")
        assert val == loss_fn(model)
        model = MLP(
            [Dense(L.W - lr * gL.W, L.b - lr * gL.b) for L, gL in zip(model.layers, g.layers)],
            model.act,
        )
        hist.append(val)
    return hist


def test_o14_training_loop_new_model_each_step():
    hist = train(functools.partial(mse, x=X, y=Y), mk_mlp((2, 4, 1)), steps=4)
    assert hist[-1] < hist[0]


def test_o15_forward_partial_model():
    f = functools.partial(mse, x=X, y=Y)
    m = mk_mlp((2, 3, 1), act=my_act)
    gr = ad.grad(f)(m)
    gf = ad.grad(f, mode="forward")(m)
    tree_close(gf, gr, m, "forward vs reverse")


def test_o16_jvp_model_tangent():
    m = mk_mlp((2, 3, 2))
    t = mk_mlp((2, 3, 2))
    check_jvp(lambda m, x: m(x), (m, X), (t, None))


def model_out(m, x):
    return m(x)


def test_o17_jvp_model_tangent_module_fn():
    m = mk_mlp((2, 3, 2))
    t = mk_mlp((2, 3, 2))
    check_jvp(model_out, (m, X), (t, None))


def test_o18_vjp_model_cotangent():
    m = mk_mlp((2, 3, 2))
    cts = check_vjp(model_out, (m, X), rnd(2))
    assert isinstance(cts[0], MLP) and isinstance(cts[0].layers[0], Dense)


def test_o19_jvp_tangent_dict_for_record():
    m = Dense(rnd(2, 2), rnd(2))
    t = {"W": rnd(2, 2)}  # missing b => zero
    out, tout = ad.jvp(model_out, (m, X), (t, None))
    ref = (
        model_out(Dense(m.W + H * t["W"], m.b), X) - model_out(Dense(m.W - H * t["W"], m.b), X)
    ) / (2 * H)
    close(tout, ref, "dict tangent for dataclass")


def dict_and_model(p, m, x):
    return np.sum(m(x * p["s"]) ** 2) + np.sum(p["v"] ** 2)


def test_o20_value_and_grad_wrt_dict_and_model():
    p = {"s": 1.3, "v": rnd(2)}
    check(dict_and_model, (p, mk_mlp((2, 3, 1)), X), wrt=(0, 1))


def test_o21_hessian_small_dataclass_model():
    check_hessian(lambda m, x: np.sum(m(x) ** 2), (Dense(rnd(2, 2), rnd(2)), X))


def sq_out(m, x):
    return np.sum(m(x) ** 2)


def test_o22_hessian_dense_module_fn():
    check(sq_out, (Dense(rnd(2, 2), rnd(2)), X), hessian=True)


def test_o23_jacobian_wrt_model():
    m = Dense(rnd(2, 2), rnd(2))
    J = ad.jacobian(model_out)(m, X)
    for path, leaf in leaves(m):
        blk = get(J, path)
        assert np.shape(blk) == (2,) + np.shape(leaf)
        for idx in np.ndindex(np.shape(leaf)):
            col = []
            for s in (H, -H):
                a = np.array(leaf, float)
                a[idx] += s
                col.append(model_out(replace(m, path, a), X))
            close(blk[(slice(None),) + idx], (col[0] - col[1]) / (2 * H), f"jac {path}")


def test_o24_grad_of_callable_object():
    layer = Dense(rnd(3, 2), rnd(3))
    f = lambda x: np.sum(layer(x))  # noqa: E731
    check(f, (X,))
    # grad(layer) directly needs scalar output: use a scalar layer
    sl = Dense(rnd(1, 2)[0], 0.3)  # W @ x scalar
    v, g = ad.value_and_grad(sl)(X)
    assert v == sl(X)
    close(g, numgrad(sl, (X,))[()], "grad(layer)")


class Encoder:
    def __init__(self, d):
        self.d = d

    def __call__(self, x):
        return self.d(x) * 2.0


class AE:
    def __init__(self, enc, dec):
        self.enc = enc
        self.dec = dec

    def __call__(self, x):
        return self.dec(self.enc(x))


def test_o25_nested_submodels():
    m = AE(Encoder(Dense(rnd(3, 2), rnd(3))), Dense(rnd(2, 3), rnd(2)))
    check(lambda m, x: np.sum((m(x) - x) ** 2), (m, X), hessian=True)


class Residual:
    def __init__(self, blocks, gain):
        self.blocks = blocks
        self.gain = gain

    def __call__(self, x):
        for i, blk in enumerate(self.blocks):
            x = x + self.gain * (i + 1) * blk(x)
        return x


def test_o26_residual_enumerate():
    m = Residual([Dense(rnd(2, 2), rnd(2)) for _ in range(3)], 0.5)
    check(sq_out, (m, X), hessian=True)


class SumHeads:
    def __init__(self, heads):
        self.heads = heads

    def __call__(self, x):
        return sum(h(x) for h in self.heads)


def test_o27_comprehension_over_layers():
    m = SumHeads([Dense(rnd(2, 2), rnd(2)), Dense(rnd(2, 2), rnd(2))])
    check(sq_out, (m, X))


class Base:
    def act(self, z):
        return np.tanh(z) * self.alpha

    def __call__(self, x):
        return self.act(self.W @ x)


class Child(Base):
    def __init__(self, W, alpha):
        self.W = W
        self.alpha = alpha


def test_o28_inherited_methods():
    check(sq_out, (Child(rnd(2, 2), 0.8), X), hessian=True)


class DictModel:
    def __init__(self, p):
        self.p = p

    def __call__(self, x):
        return np.tanh(self.p["W"] @ x + self.p["b"])


def test_o29_model_with_dict_attribute():
    check(sq_out, (DictModel({"W": rnd(2, 2), "b": rnd(2)}), X))


class Mixed:
    def __init__(self, layers, n, name):
        self.layers = layers
        self.n = n
        self.name = name

    def __call__(self, x):
        for _ in range(self.n):
            x = self.layers[0](x)
        return x


def test_o30_int_and_str_attributes_fixed():
    m = Mixed([Dense(rnd(2, 2), rnd(2))], 2, "m")
    g = check(sq_out, (m, X))
    assert g.n is None and g.name is None


def inside_build(w, x):
    m = Plain(w, 0.5)
    return np.sum(np.cos(m.w * m.s) * x)


def test_o31_object_built_inside():
    check(inside_build, (rnd(2), X), hessian=True)


def replace_inside(p, x):
    q = dataclasses.replace(p, w=p.w * 2.0)
    r = Params(q.w, 0.1)._replace(b=p.c)
    return np.sum(r.w * x) * r.b


def test_o32_replace_inside():
    check(replace_inside, (DCParams(rnd(2), rnd(2), 1.1), X), hessian=True)


# ---------------------------------------------------------------- functions as values
def apply(fn, x):
    return fn(x)


def cube(z):
    return z**3


def cb_loss(fn, x):
    return np.sum(apply(fn, x) * x)


def test_f01_callback_argument_two_callbacks():
    check(cb_loss, (cube, X), wrt=1)
    check(cb_loss, (np.sin, X), wrt=1)
    check(cb_loss, (cube, X), wrt=1)


def dict_fns(p, fns, x):
    h = fns["hidden"](p["W"] @ x)
    return np.sum(fns["out"](h))


def test_f02_functions_in_dict_argument():
    p = {"W": rnd(3, 2)}
    check(dict_fns, (p, {"hidden": np.tanh, "out": cube}, X))


def list_fns(fs, x):
    y = x
    for f in fs:
        y = f(y)
    return np.sum(fs[0](y))


def test_f03_functions_in_list_argument():
    check(list_fns, ([np.sin, cube, my_act], X), wrt=1)


def scaled(z, c=1.0):
    return c * z**2


def map_partial(xs):
    return sum(map(functools.partial(scaled, c=2.0), xs))


def test_f04_map_partial():
    check(map_partial, ([1.1, 0.3, -0.7],))


def trace(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@trace
def decorated(z):
    return np.exp(z) * z


def uses_decorated(x):
    return np.sum(decorated(x))


def test_f05_wraps_decorator():
    check(uses_decorated, (X,), hessian=True)


def make_act(alpha):
    def act(z):
        return np.where(z > 0, z, alpha * z) + 0.1 * z**2

    return act


def test_f06_closure_from_factory_as_attribute():
    check(mse, (mk_mlp((2, 3, 1), act=make_act(0.2)), X, Y))
    check(mse, (mk_mlp((2, 3, 1), act=make_act(0.5)), X, Y))


def g_energy(x):
    return np.sum(np.sin(x) * x**2)


def grad_penalty(x):
    gx = ad.grad(g_energy)(x)
    return g_energy(x) + 0.5 * np.sum(gx**2)


def test_f07_grad_inside_gradient_norm_penalty():
    check(grad_penalty, (X,))


DG = ad.grad(g_energy)


def newton_obj(x):
    step = DG(x) / (np.abs(x) + 1.0)
    return np.sum((x - step) ** 2)


def test_f08_module_level_dg_inside():
    check(newton_obj, (X,))


def scalar_g(t, a):
    return a * t**3 + np.sin(t)


def profile(a):
    t = 0.3
    for _ in range(3):
        t = t - ad.grad(scalar_g)(t, a) / 4.0
    return scalar_g(t, a)


def test_f09_grad_inside_loop_newton():
    check(profile, (0.7,))


def vg_inside(x):
    v, g = ad.value_and_grad(g_energy)(x)
    return v * np.sum(g)


def test_f10_value_and_grad_inside():
    check(vg_inside, (X,))


def test_f11_partial_callback_to_helper():
    f = functools.partial(scaled, c=3.0)
    check(cb_loss, (f, X), wrt=1)


class Activ:
    def __init__(self, k):
        self.k = k

    def f(self, z):
        return np.tanh(self.k * z)


def obj_cb(obj, x):
    return np.sum(obj.f(x) ** 2)


def test_f12_object_with_method_argument_wrt_x_and_obj():
    a = Activ(1.7)
    check(obj_cb, (a, X), wrt=1)
    check(obj_cb, (a, X), wrt=0)
    check(obj_cb, (a, X), wrt=(0, 1))


def test_f13_bound_method_as_callback_to_helper():
    a = Activ(0.9)
    check(cb_loss, (a.f, X), wrt=1)


def test_f14_callable_object_as_callback():
    layer = Dense(rnd(2, 2), rnd(2))
    check(cb_loss, (layer, X), wrt=1)


def test_f15_partial_of_bound_method():
    net = Net([Dense(rnd(2, 2), rnd(2))])
    f = functools.partial(net.loss, y=rnd(2))
    check(f, (X,), fn_for_fd=lambda x: f(x))


@dataclasses.dataclass
class DCModel:
    layers: list
    temp: float

    def __call__(self, x):
        for L in self.layers:
            x = L(x)
        return x / self.temp


def reg_loss(model, x, y, lam):
    return mse(model, x, y) + lam * sum(np.sum(L.W**2) for L in model.layers)


def test_f16_dataclass_model_list_partial():
    m = DCModel([Dense(rnd(3, 2), rnd(3)), Dense(rnd(1, 3), rnd(1))], 1.3)
    f = functools.partial(reg_loss, x=X, y=Y, lam=0.01)
    g = check(f, (m,), fn_for_fd=lambda m: reg_loss(m, X, Y, 0.01), hessian=True)
    assert isinstance(g, DCModel)


def test_f17_hvp_dict_params():
    p = {"W": rnd(2, 2), "b": rnd(2)}
    f = lambda p, x: np.sum(np.tanh(p["W"] @ x + p["b"]) ** 2)  # noqa: E731
    v = {"W": rnd(2, 2), "b": rnd(2)}
    out = ad.hvp(f, (p, X), (v, None))
    # FD of the gradient along v
    gp = ad.grad(f)({"W": p["W"] + H * v["W"], "b": p["b"] + H * v["b"]}, X)
    gm = ad.grad(f)({"W": p["W"] - H * v["W"], "b": p["b"] - H * v["b"]}, X)
    g0, hv = out  # (gradient, H.v)
    tree_close(g0, ad.grad(f)(p, X), p, "hvp gradient")
    for k in "Wb":
        close(hv[k], (gp[k] - gm[k]) / (2 * H), f"hvp {k}")


def grad_wrt_name(model, x):
    return sq_out(model, x)


def test_f18_wrt_by_name_model():
    m = Dense(rnd(2, 2), rnd(2))
    g = ad.grad(grad_wrt_name, wrt="model")(m, X)
    num = numgrad(grad_wrt_name, (m, X))
    tree_close(g, {"W": None} and Dense(num[(("a", "W"),)], num[(("a", "b"),)]), m, "wrt name")


class Gated:
    def __init__(self, W, gate_fn, out_fn):
        self.W = W
        self.fns = {"gate": gate_fn, "out": out_fn}

    def __call__(self, x):
        z = self.W @ x
        return self.fns["out"](z) * self.fns["gate"](z)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_f19_functions_in_dict_attribute():
    check(sq_out, (Gated(rnd(2, 2), sigmoid, np.tanh), X), hessian=True)


def test_f20_two_models_same_structure_different_fn():
    a = Gated(rnd(2, 2), sigmoid, np.tanh)
    b = Gated(a.W.copy(), sigmoid, np.sin)
    ga = ad.grad(sq_out)(a, X)
    gb = ad.grad(sq_out)(b, X)
    close(gb.W, numgrad(sq_out, (b, X))[(("a", "W"),)], "second fn")
    close(ga.W, numgrad(sq_out, (a, X))[(("a", "W"),)], "first fn")


def hess_through_grad_inside(x):
    return np.sum(ad.grad(g_energy)(x) * x)


def test_f21_grad_of_lambda_is_refused_or_works():
    f = lambda z: np.sum(np.cos(z) * z)  # noqa: E731

    def outer(x):
        return ad.grad(f)(x)

    check(lambda x: np.sum(outer(x) ** 2), (X,))


def list_model_loss(models, x):
    total = 0.0
    for m in models:
        total = total + np.sum(m(x) ** 2)
    return total


def test_f22_list_of_models_argument():
    ms = [Dense(rnd(2, 2), rnd(2)), Child(rnd(2, 2), 0.5), Scaled(rnd(2), 0.0)]
    g = check(list_model_loss, (ms, X), hessian=True)
    assert [type(v) for v in g] == [Dense, Child, Scaled]


def tuple_model_nt(p, x):
    enc, dec = p
    return np.sum(dec(enc(x)) ** 2)


class Pair(NamedTuple):
    enc: Dense
    dec: Dense


def test_f23_namedtuple_of_models():
    p = Pair(Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2)))
    g = check(tuple_model_nt, (p, X), hessian=True)
    assert isinstance(g, Pair) and isinstance(g.enc, Dense)


def test_f24_jacrev_jacfwd_model():
    m = Dense(rnd(2, 2), rnd(2))
    Jr = ad.jacrev(model_out)(m, X)
    Jf = ad.jacfwd(model_out)(m, X)
    for path, _ in leaves(m):
        close(get(Jf, path), get(Jr, path), f"jacfwd vs jacrev {path}")


def test_f25_vjp_pullback_callback_wrt():
    out, pb = ad.vjp(cb_loss, cube, X)
    assert out == cb_loss(cube, X)
    ct = pb(1.0)
    close(ct[1], numgrad(cb_loss, (cube, X), 1)[()], "vjp callback")


def test_f26_jvp_bound_method():
    net = Net([Dense(rnd(2, 2), rnd(2))])
    y = rnd(2)
    t = rnd(2)
    v, tv = ad.jvp(net.loss, (X, y), (t, None))
    assert v == net.loss(X, y)
    ref = (net.loss(X + H * t, y) - net.loss(X - H * t, y)) / (2 * H)
    close(tv, ref, "jvp bound method")


# ---------------------------------------------------------------- round 2
def test_s09a_concatenate_first_order_only():
    check(concat_loss, ([rnd(2), rnd(3), rnd(1)], rnd(2) + 2.0))


def nt_models_attr(p, x):
    return np.sum(p.dec(p.enc(x)) ** 2)


def nt_models_index(p, x):
    return np.sum(p[1](p[0](x)) ** 2)


def test_f23a_namedtuple_of_models_attr():
    p = Pair(Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2)))
    check(nt_models_attr, (p, X))


def test_f23b_namedtuple_of_models_literal_index():
    p = Pair(Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2)))
    check(nt_models_index, (p, X))


def unpack_list_layers(layers, x):
    first, second = layers
    return np.sum(second(first(x)) ** 2)


def test_f23c_unpack_list_of_layers():
    check(unpack_list_layers, ([Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2))], X))


@dataclasses.dataclass(frozen=True)
class FrozenLin:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.sin(self.W @ x) + self.b


def test_o33_frozen_dataclass_equinox_style():
    g = check(sq_out, (FrozenLin(rnd(2, 2), rnd(2)), X), hessian=True)
    assert isinstance(g, FrozenLin)


class Lin(NamedTuple):
    W: np.ndarray
    b: np.ndarray

    def __call__(self, x):
        return np.tanh(self.W @ x + self.b)


def test_o34_namedtuple_with_call():
    g = check(sq_out, (Lin(rnd(2, 2), rnd(2)), X), hessian=True)
    assert isinstance(g, Lin)


class Headed:
    def __init__(self, layers, w_out):
        self.layers = layers
        self.w_out = w_out

    @property
    def first(self):
        return self.layers[0]

    def features(self, x, scale=2.0):
        h = self.first(x) * scale
        return h, np.sum(h)

    def __call__(self, x):
        h, s = self.features(x, scale=0.5)
        return self.w_out @ h + s


def test_o35_property_returning_layer_method_kw_tuple():
    m = Headed([Dense(rnd(3, 2), rnd(3))], rnd(3))
    check(lambda m, x: m(x) ** 2, (m, X), hessian=True)


def held_fixed(model, x):
    return np.sum(model(x) ** 2)


def test_o36_model_held_fixed_wrt_x():
    check(held_fixed, (mk_mlp((2, 3, 2)), X), wrt=1, hessian=True)


def test_o37_bound_method_hessian():
    net = Net([Dense(rnd(2, 2), rnd(2))])
    y = rnd(2)
    check_hessian(net.loss, (X, y))


def test_o38_partial_hessian_model():
    f = functools.partial(sq_out, x=X)
    check_hessian(f, (Dense(rnd(2, 2), rnd(2)),))


def test_o39_jvp_partial_model_tangent():
    f = functools.partial(model_out, x=X)
    m = mk_mlp((2, 2, 2))
    check_jvp(f, (m,), (mk_mlp((2, 2, 2)),))


def model_and_list(m, params, x):
    return np.sum(m(x) ** 2) + net_readme(params, x)


def test_o40_wrt_model_and_list():
    check(model_and_list, (mk_mlp((2, 2, 2)), mk_params(), X), wrt=(0, 1))


def helper_reads_self(m, x):
    return np.tanh(m.W @ x)


class ViaHelper:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return helper_reads_self(self, x) * 2.0


def test_o41_method_passes_self_to_module_helper():
    check(sq_out, (ViaHelper(rnd(2, 2)), X))


def test_o42_model_in_dict_argument():
    p = {"model": Dense(rnd(2, 2), rnd(2)), "lam": 0.1}
    g = check(lambda p, x: sq_out(p["model"], x) + p["lam"] * np.sum(p["model"].W ** 2), (p, X))
    assert isinstance(g["model"], Dense)


def test_o43_structure_change_back_and_forth():
    for sizes in [(2, 3, 1), (2, 3, 3, 1), (2, 3, 1)]:
        check(mse, (mk_mlp(sizes), X, Y), forward=False)


def test_o44_layer_class_swap_same_shape():
    m = MLP([Dense(rnd(2, 2), rnd(2)), Dense(rnd(1, 2), rnd(1))])
    ad.grad(mse)(m, X, Y)
    m2 = MLP([FrozenLin(rnd(2, 2), rnd(2)), Dense(rnd(1, 2), rnd(1))])
    check(mse, (m2, X, Y), forward=False)


class Swap:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return np.sin(self.w * x)


def call_cos(self, x):
    return np.cos(self.w * x)


def test_o45_redefine_method_no_stale():
    orig = Swap.__call__
    try:
        m = Swap(rnd(2))
        ad.grad(sq_out)(m, X)
        Swap.__call__ = call_cos
        check(sq_out, (m, X), forward=False)
    finally:
        Swap.__call__ = orig


def test_o46_mutate_fn_in_dict_attribute_no_stale():
    m = Gated(rnd(2, 2), sigmoid, np.tanh)
    ad.grad(sq_out)(m, X)
    m.fns["out"] = np.sin
    check(sq_out, (m, X), forward=False)


FS = [np.sin, cube]


def global_fn_list(x):
    return np.sum(FS[0](x) + FS[1](x))


def test_f27_global_function_list_rebound_item():
    ad.grad(global_fn_list)(X)
    old = FS[0]
    try:
        FS[0] = np.cos
        check(global_fn_list, (X,))
    finally:
        FS[0] = old


def test_f28_callback_list_mutated_between_calls():
    fs = [np.sin, cube, my_act]
    ad.grad(list_fns, wrt=1)(fs, X)
    fs[0] = np.cos
    check(list_fns, (fs, X), wrt=1)


def kw_callback(x, fn=np.tanh):
    return np.sum(fn(x) * x)


def test_f29_callback_keyword_and_default():
    check(kw_callback, (X,))
    check(lambda x: kw_callback(x, fn=cube), (X,))
    v, g = ad.value_and_grad(kw_callback)(X, fn=cube)
    assert v == kw_callback(X, fn=cube)
    close(g, numgrad(lambda x: kw_callback(x, fn=cube), (X,))[()], "kw fn")


def tuple_fns_enum(fns, x):
    s = 0.0
    for i, f in enumerate(fns):
        s = s + (i + 1.0) * np.sum(f(x))
    return s


def test_f30_tuple_of_functions_enumerate():
    check(tuple_fns_enum, ((np.sin, my_act, functools.partial(scaled, c=0.5)), X), wrt=1)


class GradInside:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return ad.grad(g_energy)(self.w * x)


def test_f31_grad_inside_model_call_wrt_model():
    check(sq_out, (GradInside(rnd(2)), X))


def dict_energy(p):
    return np.sum(np.sin(p["a"]) * p["b"] ** 2)


def param_grad_penalty(p):
    g = ad.grad(dict_energy)(p)
    return dict_energy(p) + np.sum(g["a"] ** 2) + np.sum(g["b"] ** 2)


def test_f32_grad_inside_wrt_dict_penalty():
    check(param_grad_penalty, ({"a": rnd(2), "b": rnd(2)},))


def model_energy(m, x):
    return np.sum(m(x))


def model_grad_penalty(m, x):
    gm = ad.grad(model_energy)(m, x)
    return np.sum(m(x) ** 2) + np.sum(gm.W**2) + np.sum(gm.b**2)


def test_f33_grad_inside_wrt_model_penalty():
    check(model_grad_penalty, (Dense(rnd(2, 2), rnd(2)), X))


def test_o47_shared_layer_twice_per_position():
    L = Dense(rnd(2, 2), rnd(2))
    m = MLP([L, L, Dense(rnd(1, 2), rnd(1))])
    check(mse, (m, X, Y))


def empty_hidden(params, x):
    return net_readme(params, x)


def test_s15_single_layer_empty_loop_and_float_bias():
    check(net_readme, ([(rnd(1, 2), 0.4)], X), hessian=True)


@dataclasses.dataclass(slots=True)
class SlotLin:
    W: np.ndarray
    c: float

    def __call__(self, x):
        return np.tanh(self.W @ x) * self.c


def test_o48_slots_dataclass():
    m = SlotLin(rnd(2, 2), 1.3)
    g = ad.grad(sq_out)(m, X)
    assert isinstance(g, SlotLin)
    for name in ("W", "c"):
        num = []
        for s in (H, -H):
            v = np.array(getattr(m, name), float)
            it = np.nditer(v, flags=["multi_index"])
        ref = np.zeros(np.shape(getattr(m, name)))
        for idx in np.ndindex(ref.shape):
            vals = []
            for s in (H, -H):
                v = np.array(getattr(m, name), float)
                v[idx] += s
                mm = SlotLin(m.W, m.c)
                setattr(mm, name, float(v) if name == "c" else v)
                vals.append(sq_out(mm, X))
            ref[idx] = (vals[0] - vals[1]) / (2 * H)
        close(getattr(g, name), ref, f"slots {name}")
    gf = ad.grad(sq_out, mode="forward")(m, X)
    close(gf.W, g.W, "slots fwd")


def test_o49_hessian_tuple_wrt_model_and_x():
    m = Dense(rnd(2, 2), rnd(2))
    h = ad.hessian(sq_out, wrt=(0, 1))(m, X)
    # h[1][1] is d2/dx2; compare with FD of grad wrt x
    gx = ad.grad(sq_out, wrt=1)
    ref = np.zeros((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = H
        ref[:, j] = (gx(m, X + e) - gx(m, X - e)) / (2 * H)
    close(h[1][1], ref, "hessian xx")
    # cross block d2/dx dW: h[1][0] has model structure of blocks x.shape + W.shape
    gm = ad.grad(sq_out, wrt=0)
    ref2 = np.zeros((2, 2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = H
        ref2[j] = (gm(m, X + e).W - gm(m, X - e).W) / (2 * H)
    blk = h[1][0].W
    close(blk, ref2, "hessian x,W")


# ---------------------------------------------------------------- round 3: model passed to a helper
def predict(model, x):
    return model(x)


def loss_via_predict(model, x):
    return np.sum(predict(model, x) ** 2)


def test_w01_helper_calls_model_wrt_model():
    check(loss_via_predict, (Dense(rnd(2, 2), rnd(2)), X))


def test_w02_helper_calls_model_wrt_x():
    check(loss_via_predict, (Dense(rnd(2, 2), rnd(2)), X), wrt=1)


def predict_fwd(model, x):
    return model.forward(x)


def test_w03_helper_calls_method_wrt_model():
    check(lambda m, x: np.sum(predict_fwd(m, x) ** 2), (Scaled(rnd(2), 0.3), X))


def run_layers(layers, x):
    for L in layers:
        x = L(x)
    return x


def loss_run_layers(layers, x):
    return np.sum(run_layers(layers, x) ** 2)


def test_w04_helper_loops_layers_list_arg():
    check(loss_run_layers, ([Dense(rnd(3, 2), rnd(3)), Dense(rnd(2, 3), rnd(2))], X))


def test_w05_mlp_through_predict():
    check(loss_via_predict, (mk_mlp((2, 3, 2)), X))


def evaluate(loss_fn, model, x, y):
    return loss_fn(model, x, y)


def test_w06_training_helper_given_loss_fn_wrt_model():
    check(evaluate, (mse, mk_mlp((2, 3, 1)), X, Y), wrt=1)


def test_x01_helper_calls_plain_object():
    check(loss_via_predict, (Swap(rnd(2)), X))


def first_layer(m, x):
    return m.layers[0](x)


def test_x02_helper_calls_attribute_layer():
    m = mk_mlp((2, 2, 1))
    check(lambda m, x: np.sum(first_layer(m, x) ** 2), (m, X))


def read_scale(m):
    return m.scale


def test_x03_helper_reads_property():
    check(lambda m, x: np.sum(read_scale(m) * m.w * x), (Scaled(rnd(2), 0.3), X))


class Trainer:
    def __init__(self, lam):
        self.lam = lam

    def loss(self, model, x):
        return np.sum(model(x) ** 2) + self.lam * np.sum(model.W**2)


def test_x04_bound_method_first_arg_is_model():
    tr = Trainer(0.1)
    g = check(
        tr.loss, (Dense(rnd(2, 2), rnd(2)), X), fn_for_fd=lambda m, x: tr.loss(m, x), hessian=True
    )
    assert isinstance(g, Dense)


def map_model(m, xs):
    return sum(map(m, xs))


def test_x05_map_over_callable_model():
    m = Dense(rnd(2)[None, :][0], 0.2)  # scalar-output
    check(lambda m, xs: map_model(m, xs) ** 2, (m, [rnd(2), rnd(2)]))


def dict_of_models(p, x):
    return np.sum(p["dec"](p["enc"](x)) ** 2)


def test_x06_dict_of_models_literal_keys():
    p = {"enc": Dense(rnd(3, 2), rnd(3)), "dec": Dense(rnd(2, 3), rnd(2))}
    g = check(dict_of_models, (p, X))
    assert isinstance(g["enc"], Dense)


def dict_of_models_items(p, x):
    s = 0.0
    for name, m in p.items():
        s = s + np.sum(m(x))
    return s


def test_x07_dict_of_models_items_loop():
    p = {"a": Dense(rnd(2, 2), rnd(2)), "b": Dense(rnd(2, 2), rnd(2))}
    check(dict_of_models_items, (p, X))


def test_x08_vjp_bound_method_vector():
    m = Scaled(rnd(2), 0.4)
    check_vjp(m.forward, (X,), rnd(2))


def test_x09_jacobian_bound_method():
    m = Scaled(rnd(2), 0.4)
    J = ad.jacobian(m.forward)(X)
    ref = np.zeros((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = H
        ref[:, j] = (m.forward(X + e) - m.forward(X - e)) / (2 * H)
    close(J, ref, "jacobian bound method")


def predict2(x, model):
    return model(x) + 0.5 * model(x * 2.0)


def test_w07_helper_model_second_param_called_twice():
    check(lambda m, x: np.sum(predict2(x, m) ** 2), (Dense(rnd(2, 2), rnd(2)), X))


def test_w08_helper_calls_model_hessian():
    check_hessian(loss_via_predict, (Dense(rnd(2, 2), rnd(2)), X))


# Refused with a located error (not yet) or issue 17: strict xfails (tests/conftest.py).
NOT_YET = "not yet: refused with a located error"
PENDING_TESTS = {
    # (models and layers unpacked from an argument, then called: work since session 36)
    "test_o34_namedtuple_with_call": NOT_YET + " (a NamedTuple with __call__ differentiated)",
    # (a model in a dict given to a helper: works since session 44, the class of an object
    # inside a differentiated structure is followed into the helper)
    # (a helper with a function default: inlined since session 36)
    "test_f33_grad_inside_wrt_model_penalty": NOT_YET + " (grad inside of a model's function)",
    "test_x07_dict_of_models_items_loop": NOT_YET + " (a loop over a dict of models)",
}
