"""Independent tests (tester 65): class hierarchies and objects held in local names.

Written from the README alone, without reading s2s_ad's code or its other tests. Users
differentiate functions of objects of their own classes (PyTorch/Equinox style), with
respect to the object (its arrays) or holding it fixed (`grad(f, wrt=1)(model, x)`), at
first and second order. Two constructs are under test:

1. `super()` in methods: chains of several levels, diamonds and mixins (the MRO of the
   object's class decides), `super().__call__`, a base method dispatching to an override
   (`self.act(h)`), defaults and keywords, loops and branches around `super()`, tuples
   returned through `super()`, properties, `__init__` of objects built inside;
2. objects given to local names: `a, b = pair`, `enc = model.encoder`,
   `layer = model.layers[0]`, `first, *rest = layers`, `(a, b), c = pair, 2.0`, swaps,
   names bound in branches and loops, nested containers, helpers given such names, and
   the same function called again with another object or after in-place changes.

Every derivative is checked against central differences (float64, eps 1e-6), forward mode
against reverse mode, `jvp`/`vjp` against the gradient, and every primal value an API
returns against the plain call. Second derivatives (`jvp`, `vjp`, `jacfwd`, `jacrev`,
`jacobian` of `grad(f, wrt=...)`, `hessian`, `hvp`) are checked against central
differences of the gradient. A refusal passes only where the README or the brief allows
one and only as an `S2SError` naming this file and a line of the code concerned; strict
expected failures record the bugs found.
"""

import copy
import dataclasses
import functools
import inspect
import os
import re
import types
import typing
import warnings

import numpy as np
import pytest

import s2s_ad as ad

# --------------------------------------------------------------------------- harness

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7
THIS_FILE = os.path.basename(__file__)

_OPAQUE = (
    str,
    int,
    bool,
    type(None),
    type,
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    np.ufunc,
    functools.partial,
)


def _is_float_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _children(obj):
    if isinstance(obj, (tuple, list)):
        return list(enumerate(obj))
    if isinstance(obj, dict):
        return list(obj.items())
    if isinstance(obj, _OPAQUE):
        return []
    if hasattr(obj, "__dict__"):
        return list(vars(obj).items())
    return []


def leaves(obj, path=()):
    """(path, value) of every float leaf of a structure of tuples, lists, dicts, objects"""
    if _is_float_leaf(obj):
        yield path, obj
        return
    for k, v in _children(obj):
        yield from leaves(v, (*path, k))


def get(obj, path):
    for k in path:
        obj = obj[k] if isinstance(obj, (tuple, list, dict)) else getattr(obj, k)
    return obj


def with_leaf(obj, path, val):
    """a copy of `obj` (sharing the other leaves) with the leaf at `path` replaced"""
    if not path:
        return val
    k, rest = path[0], path[1:]
    if isinstance(obj, tuple):
        items = list(obj)
        items[k] = with_leaf(items[k], rest, val)
        return type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    if isinstance(obj, list):
        items = list(obj)
        items[k] = with_leaf(items[k], rest, val)
        return items
    if isinstance(obj, dict):
        d = dict(obj)
        d[k] = with_leaf(d[k], rest, val)
        return d
    new = copy.copy(obj)
    object.__setattr__(new, k, with_leaf(getattr(obj, k), rest, val))
    return new


def map_leaves(obj, fn):
    out = obj
    for p, v in list(leaves(obj)):
        out = with_leaf(out, p, fn(p, v))
    return out


def random_like(obj, rng):
    def mk(p, v):
        if isinstance(v, np.ndarray):
            return rng.standard_normal(v.shape)
        return float(rng.standard_normal())

    return map_leaves(obj, mk)


def inner(a, b):
    """sum over a's float leaves of <a_leaf, b_leaf>"""
    tot = 0.0
    for p, v in leaves(a):
        w = get(b, p)
        if w is not None:
            tot += float(np.sum(np.asarray(v) * np.asarray(w)))
    return tot


def perturb(args, wrt, t, alpha):
    args = list(args)
    args[wrt] = map_leaves(args[wrt], lambda p, v: v + alpha * get(t, p))
    return tuple(args)


def num_grad(f, args, wrt):
    """central differences leaf by leaf, element by element: {path: array or float}"""
    res = {}
    for p, v in leaves(args[wrt]):
        if isinstance(v, np.ndarray):
            g = np.zeros(v.shape)
            for idx in np.ndindex(v.shape):
                e = np.zeros(v.shape)
                e[idx] = EPS
                a1 = list(args)
                a1[wrt] = with_leaf(args[wrt], p, v + e)
                a2 = list(args)
                a2[wrt] = with_leaf(args[wrt], p, v - e)
                g[idx] = (f(*a1) - f(*a2)) / (2 * EPS)
            res[p] = g
        else:
            a1 = list(args)
            a1[wrt] = with_leaf(args[wrt], p, v + EPS)
            a2 = list(args)
            a2[wrt] = with_leaf(args[wrt], p, v - EPS)
            res[p] = (f(*a1) - f(*a2)) / (2 * EPS)
    return res


def close(a, b, rtol=RTOL, atol=ATOL, what=""):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    assert np.allclose(a, b, rtol=rtol, atol=atol), (what, a, b)


def compare_tree(g, ref, rtol=1e-10, atol=1e-12, what=""):
    for p, v in leaves(ref):
        close(get(g, p), v, rtol, atol, what=(what, p))


def same_value(out, plain, what):
    assert type(out) is type(plain) or np.ndim(plain) == 0, (what, type(out), type(plain))
    assert np.array_equal(out, plain), (what, out, plain)


def grad_matches_numeric(g, f, args, wrt):
    for p, v in num_grad(f, args, wrt).items():
        close(get(g, p), v, what=("reverse vs central differences", p))


def check_first(f, args, wrt=0):
    """value, reverse vs central differences, forward vs reverse, jvp, vjp, jacfwd/jacrev"""
    args = tuple(args)
    plain = f(*args)
    val, g = ad.value_and_grad(f, wrt=wrt)(*args)
    same_value(val, plain, "value_and_grad's value")
    if not isinstance(args[wrt], (np.ndarray, float)):
        assert type(g) is type(args[wrt]), (type(g), type(args[wrt]))
    grad_matches_numeric(g, f, args, wrt)
    compare_tree(ad.grad(f, wrt=wrt)(*args), g, what="grad vs value_and_grad")
    gf = ad.grad(f, wrt=wrt, mode="forward")(*args)
    compare_tree(gf, g, rtol=1e-9, atol=1e-11, what="forward vs reverse")
    t = random_like(args[wrt], np.random.default_rng(7))
    tangents = tuple(t if i == wrt else None for i in range(len(args)))
    out, tout = ad.jvp(f, args, tangents)
    same_value(out, plain, "jvp's value")
    close(tout, inner(g, t), rtol=1e-9, atol=1e-11, what="jvp vs grad")
    out, pullback = ad.vjp(f, *args)
    same_value(out, plain, "vjp's value")
    compare_tree(pullback(1.0)[wrt], g, what="vjp vs grad")
    compare_tree(ad.jacrev(f, wrt=wrt)(*args), g, rtol=1e-9, atol=1e-11, what="jacrev")
    compare_tree(ad.jacfwd(f, wrt=wrt)(*args), g, rtol=1e-9, atol=1e-11, what="jacfwd")
    return g


def contract(J, out_tree, t):
    """Jacobian blocks (output structure of input structures) applied to the tangent t"""

    def mk(p_out, v):
        jl = get(J, p_out)
        tot = 0.0
        for p_in, tv in leaves(t):
            tv = np.asarray(tv)
            tot = tot + np.tensordot(np.asarray(get(jl, p_in)), tv, axes=tv.ndim)
        return tot

    return map_leaves(out_tree, mk)


SECOND_APIS = ("jvp", "vjp", "jacfwd", "jacrev", "jacobian", "hessian", "hvp")


def check_second(f, args, wrt_inner=0, wrt_outer=0, apis=SECOND_APIS):
    """derivatives of grad(f, wrt=wrt_inner) with respect to args[wrt_outer]"""
    args = tuple(args)
    G = ad.grad(f, wrt=wrt_inner)
    g0 = G(*args)
    t = random_like(args[wrt_outer], np.random.default_rng(11))
    gp = G(*perturb(args, wrt_outer, t, EPS))
    gm = G(*perturb(args, wrt_outer, t, -EPS))
    fd = map_leaves(g0, lambda p, v: (get(gp, p) - get(gm, p)) / (2 * EPS))
    tangents = tuple(t if i == wrt_outer else None for i in range(len(args)))
    if "jvp" in apis:
        out, tout = ad.jvp(G, args, tangents)
        compare_tree(out, g0, what="jvp(grad)'s value")
        compare_tree(tout, fd, rtol=RTOL, atol=ATOL, what="jvp(grad) vs central differences")
    if "vjp" in apis:
        c = random_like(g0, np.random.default_rng(13))
        out, pullback = ad.vjp(G, *args)
        compare_tree(out, g0, what="vjp(grad)'s value")
        ct = pullback(c)[wrt_outer]
        close(inner(ct, t), inner(fd, c), what="vjp(grad) dot product with central differences")
    for name in ("jacfwd", "jacrev", "jacobian", "hessian"):
        if name not in apis:
            continue
        if name == "hessian":
            if wrt_inner != wrt_outer:
                continue
            J = ad.hessian(f, wrt=wrt_inner)(*args)
        else:
            J = getattr(ad, name)(G, wrt=wrt_outer)(*args)
        compare_tree(
            contract(J, g0, t), fd, rtol=RTOL, atol=ATOL, what=(name, "vs central differences")
        )
    if "hvp" in apis and wrt_inner == wrt_outer:
        gh, hv = ad.hvp(f, args, tangents)
        compare_tree(gh, g0, rtol=1e-9, atol=1e-11, what="hvp's gradient")
        compare_tree(hv, fd, rtol=RTOL, atol=ATOL, what="hvp vs central differences")


def check_all_second(f, args, mixed=False):
    """the Hessian in x with the object held fixed, the derivative of that gradient in the
    object (as the sixty-second tester's programs take it) and the Hessian in the object;
    the APIs shared out so that each is used on each program; `mixed`: also the derivative
    in x of the gradient in the object"""
    check_second(f, args, 1, 1, ("jvp", "vjp", "hessian", "hvp", "jacrev"))
    check_second(f, args, 1, 0, ("jvp", "vjp", "jacfwd", "jacobian"))
    check_second(f, args, 0, 0, ("hessian", "hvp"))
    if mixed:
        check_second(f, args, 0, 1, ("jvp", "vjp", "jacrev"))


def assert_clear_error(exc, *where):
    """an s2s_ad error, raised before the derivative runs, naming this file and a line of
    one of `where` (functions or classes)"""
    assert isinstance(exc, ad.S2SError), (type(exc), exc)
    assert type(exc).__name__ != "EvaluationError", f"error from the derivative code: {exc}"
    msg = str(exc)
    m = re.search(re.escape(THIS_FILE) + r":(\d+):", msg)
    assert m, msg
    line = int(m.group(1))
    ranges = []
    for obj in where:
        src, start = inspect.getsourcelines(obj)
        ranges.append((start, start + len(src) - 1))
    assert any(a <= line <= b for a, b in ranges), (line, ranges, msg)


def refused_or_right(f, args, wrts, where, second=True):
    """for what may be refused: a clear located error or the right numbers"""
    for wrt in wrts:
        try:
            check_first(f, args, wrt)
        except ad.S2SError as exc:
            assert_clear_error(exc, f, *where)
    if second:
        for a, b in ((1, 1), (1, 0), (0, 0)):
            try:
                check_second(f, args, a, b)
            except ad.S2SError as exc:
                assert_clear_error(exc, f, *where)


def R(seed, *shape):
    rng = np.random.default_rng(seed)
    if not shape:
        return float(rng.uniform(0.3, 1.2))
    return rng.standard_normal(shape) * 0.7


X4 = np.array([0.3, -0.8, 0.5, 1.1])
X3 = np.array([0.4, -0.2, 0.9])


# --------------------------------------------------------------------------- models


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return self.W @ x + self.b

    def __call__(self, x):
        return np.tanh(self.forward(x))


class Scaled(Dense):
    def __init__(self, W, b, c):
        super().__init__(W, b)
        self.c = c

    def forward(self, x):
        return self.c * super().forward(x)


class Shifted(Scaled):
    def __init__(self, W, b, c, s):
        super().__init__(W, b, c)
        self.s = s

    def forward(self, x):
        return super().forward(x) + self.s


class Top(Shifted):
    def forward(self, x):
        return np.sin(super().forward(x))


class Residual(Dense):
    """a residual block: x + the base layer"""

    def forward(self, x):
        return x + np.tanh(super().forward(x))


# a diamond: the MRO of the object's class decides where super() goes
class A:
    def __init__(self, w):
        self.w = w

    def f(self, x):
        return self.w * x


class B(A):
    def f(self, x):
        return 2.0 * super().f(x) + np.sin(x)


class C(A):
    def f(self, x):
        return super().f(x) ** 2 + self.w


class D(B, C):
    def f(self, x):
        return np.tanh(super().f(x))


class D2(B, C):
    pass


class E(B):
    pass


class F(B):
    def f(self, x):
        return super().f(x) - 0.5 * x


class CallBase:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return self.W @ x


class CallSub(CallBase):
    def __init__(self, W, g):
        super().__init__(W)
        self.g = g

    def __call__(self, x):
        return np.tanh(self.g * super().__call__(x))


class Block:
    """the base method calls self.act, which subclasses override"""

    def __init__(self, W):
        self.W = W

    def act(self, h):
        return h

    def forward(self, x):
        h = self.W @ x
        return self.act(h)


class TanhBlock(Block):
    def act(self, h):
        return np.tanh(h)


class SoftBlock(TanhBlock):
    def act(self, h):
        return np.log1p(np.exp(super().act(h)))

    def forward(self, x):
        return super().forward(x) * 2.0


class NormMixin:
    def normalize(self, h):
        return h / np.sqrt(np.sum(h * h) + 1e-3)


class ResidualMixin:
    def forward(self, x):
        return x + super().forward(x)


class NormDense(NormMixin, Dense):
    def forward(self, x):
        return self.normalize(super().forward(x))


class ResDense(ResidualMixin, Dense):
    pass


class ResNormDense(ResidualMixin, NormDense):
    pass


class DefBase:
    def __init__(self, W):
        self.W = W

    def forward(self, x, scale=1.0, power=2):
        return scale * (self.W @ x) ** power


class DefSub(DefBase):
    def forward(self, x, scale=3.0):
        return super().forward(x, scale=scale * 0.5) + super().forward(x, power=1)


class KwDense(Dense):
    def forward(self, x, gain=1.0):
        return gain * super().forward(x)


class KwSub(KwDense):
    def forward(self, x, gain=2.0):
        return super().forward(x, gain=gain) + super().forward(x)


class VarArgs(Dense):
    def forward(self, *args, **kwargs):
        return np.sin(super().forward(*args, **kwargs))


class Twice(Dense):
    def forward(self, x):
        return super().forward(x) * super().forward(2.0 * x)


class LoopSuper(Dense):
    def forward(self, x):
        h = x
        for i in range(3):
            h = np.tanh(super().forward(h)) * (i + 1.0)
        return h


class BranchSuper(Dense):
    def __init__(self, W, b, use):
        super().__init__(W, b)
        self.use = use

    def forward(self, x):
        if self.use:
            return super().forward(x) * 2.0
        return -super().forward(x)


class Base2:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.W @ x

    def __call__(self, x):
        return self.post(self.forward(x))

    def post(self, h):
        return h


class Sub2(Base2):
    def post(self, h):
        return np.tanh(super().post(h))


class Sub3(Sub2):
    def forward(self, x):
        return super().forward(x) + x


@dataclasses.dataclass
class DLinear:
    W: np.ndarray
    b: np.ndarray

    def forward(self, x):
        return self.W @ x + self.b


@dataclasses.dataclass
class DScaled(DLinear):
    c: float = 1.0

    def forward(self, x):
        return self.c * np.tanh(super().forward(x))


class TupleRet(Dense):
    def forward(self, x):
        h = super().forward(x)
        return h, np.sum(h**2)


class TupleRetSub(TupleRet):
    def forward(self, x):
        h, r = super().forward(x)
        return np.tanh(h), r * 0.5


class SuperOtherMethod(Dense):
    def helper(self, x):
        return np.cos(x)

    def forward(self, x):
        return super().forward(self.helper(x))


class SuperOtherMethod2(SuperOtherMethod):
    def helper(self, x):
        return super().helper(x) * 2.0 + self.b[0]


class KAttrBase:
    K = 1.5

    def __init__(self, w, n):
        self.w = w
        self.n = n

    def forward(self, x):
        h = x
        for _ in range(self.n):
            h = np.tanh(self.K * self.w * h)
        return h


class KAttrSub(KAttrBase):
    def forward(self, x):
        return super().forward(x) * self.K


class KAttrSub2(KAttrBase):
    def forward(self, x):
        return super().forward(x) + self.K * x


class CheckpointSuper(Dense):
    def forward(self, x):
        h = x
        for _ in ad.checkpoint(range(4), every=2):
            h = np.tanh(super().forward(h))
        return h


# physics: a base Potential and subclasses
class Potential:
    def __init__(self, k):
        self.k = k

    def pair(self, r):
        return self.k * r**2

    def energy(self, pos):
        e = 0.0
        n = pos.shape[0]
        for i in range(n):
            for j in range(i + 1, n):
                d = pos[i] - pos[j]
                r = np.sqrt(np.sum(d * d))
                e = e + self.pair(r)
        return e


class LennardJones(Potential):
    def __init__(self, eps, sigma):
        super().__init__(0.0)
        self.eps = eps
        self.sigma = sigma

    def pair(self, r):
        s6 = (self.sigma / r) ** 6
        return 4.0 * self.eps * (s6 * s6 - s6)


class Confined(LennardJones):
    def __init__(self, eps, sigma, wall):
        super().__init__(eps, sigma)
        self.wall = wall

    def energy(self, pos):
        return super().energy(pos) + self.wall * np.sum(pos**4)


class Morse(Potential):
    def __init__(self, D, a, r0):
        super().__init__(0.1)
        self.D = D
        self.a = a
        self.r0 = r0

    def pair(self, r):
        return self.D * (1.0 - np.exp(-self.a * (r - self.r0))) ** 2 + super().pair(r)


# objects built inside the function, their __init__ calling super().__init__
class InitBase:
    def __init__(self, W):
        self.W = W


class InitSub(InitBase):
    def __init__(self, W, s):
        super().__init__(np.tanh(W) * s)
        self.s = s


class InitSub2(InitSub):
    def __init__(self, W, s, b):
        super().__init__(W, s)
        self.b = b * 2.0


class OldStyle(InitBase):
    def __init__(self, W, s):
        super(OldStyle, self).__init__(W * s)  # noqa: UP008  (the two-argument form on purpose)
        self.s = s


# containers
class Model:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, x):
        h = x
        for layer in self.layers:
            h = layer(h)
        return h

    def first_last(self, x):
        first = self.layers[0]
        last = self.layers[-1]
        return last(first(x))

    def starred(self, x):
        first, *rest = self.layers
        h = first(x)
        for r in rest:
            h = r(h)
        return h


class AE:
    def __init__(self, encoder, decoder):
        self.encoder = encoder
        self.decoder = decoder

    def __call__(self, x):
        return self.decoder(self.encoder(x))


class AEM:
    def __init__(self, encoder, decoder, pair):
        self.encoder = encoder
        self.decoder = decoder
        self.pair = pair

    def __call__(self, x):
        enc = self.encoder
        dec = self.decoder
        a, b = self.pair
        return dec(b(a(enc(x))))


class Holder:
    def __init__(self, parts):
        self.parts = parts

    def count(self):
        return len(self.parts)


class Box:
    """holds layers as attributes, no methods"""

    def __init__(self, encoder, decoder):
        self.encoder = encoder
        self.decoder = decoder


class Seq:
    """holds a list of layers, no methods"""

    def __init__(self, layers):
        self.layers = layers


class Parts:
    """holds a nested tuple of layers, no methods"""

    def __init__(self, parts):
        self.parts = parts


@dataclasses.dataclass
class DCSeq:
    layers: list


class NTPair(typing.NamedTuple):
    encoder: object
    decoder: object


def d44(seed):
    return Dense(R(seed, 4, 4), R(seed + 1, 4))


def d34(seed):
    return Dense(R(seed, 3, 4), R(seed + 1, 3))


# --------------------------------------------------------------------------- losses


def forward_loss(m, x):
    return np.sum(m.forward(x) ** 2)


def call_loss(m, x):
    return np.sum(m(x))


def diamond_loss(obj, x):
    return np.sum(obj.f(x))


def two_objs_loss(b, d, x):
    return np.sum(b.f(x) * d.f(x))


def tuple_ret_loss(m, x):
    h, r = m.forward(x)
    return np.sum(h) + r


def energy_loss(pot, pos):
    return pot.energy(pos)


def out_fn(m, x):
    return m.forward(x)


def model_loss(model, x):
    return np.sum(model(x) ** 2)


def first_last_loss(model, x):
    return np.sum(model.first_last(x) ** 2)


def model_starred_loss(model, x):
    return np.sum(model.starred(x) ** 2)


def mlp_loss(layers, x):
    h = x
    for layer in layers[:-1]:
        h = layer(h)
    return np.sum(layers[-1].forward(h) ** 2)


def build_sub(W, s, x):
    m = InitSub(W, s)
    return np.sum((m.W @ x) ** 2) * m.s


def build_sub2(W, s, b, x):
    m = InitSub2(W, s, b)
    return np.sum(np.sin(m.W @ x + m.b))


def build_old(W, s, x):
    m = OldStyle(W, s)
    return np.sum((m.W @ x) ** 2)


def build_and_call(W, b, c, x):
    m = Scaled(W, b, c)
    return np.sum(m.forward(x))


def unpack_pair(pair, x):
    a, b = pair
    return np.sum(b.forward(a(x)) ** 2)


def attr_local(model, x):
    enc = model.encoder
    dec = model.decoder
    z = enc(x)
    return np.sum(dec.forward(z) ** 2) + 0.1 * np.sum(z)


def index_local(model, x):
    layer = model.layers[0]
    last = model.layers[-1]
    h = layer(x)
    return np.sum(last.forward(h) ** 2)


def index_method(model, x):
    layer = model.layers[0]
    return np.sum(layer.forward(x) ** 2)


def nested_target(pair, x):
    (a, b), c = pair, 2.0
    return c * np.sum(b(a(x)))


def nested_parts(model, x):
    enc, (d1, d2) = model.parts
    z = enc(x)
    return np.sum(d1.forward(z) * d2.forward(z))


def alias_model(model, x):
    m = model
    e = m.encoder
    return np.sum(e(x))


def reassigned(model, x):
    layer = model.layers[0]
    h = layer(x)
    layer = model.layers[1]
    h = layer(h)
    return np.sum(h * h)


def loop_enumerate(model, x):
    h = x
    for i, layer in enumerate(model.layers):
        h = layer(h) * (i + 1.0)
    return np.sum(h**2)


def apply_twice(layer, x):
    return layer(x) * 2.0


def pass_local(model, x):
    enc = model.encoder
    return np.sum(apply_twice(enc, x) ** 2)


def dict_local(blocks, x):
    enc = blocks["enc"]
    dec = blocks["dec"]
    return np.sum(dec(enc(x)) ** 2)


def chained(model, x):
    enc = model.encoder
    l0 = enc.layers[0]
    l1 = enc.layers[1]
    return np.sum(l1(l0(x)) ** 2)


def list_unpack(layers, x):
    a, b, c = layers
    return np.sum(c(b(a(x))) ** 2)


def tuple_then_index(pair, x):
    t = pair
    a = t[0]
    return np.sum(a(x) ** 2) + np.sum(t[1].forward(a(x)))


def tuple_display(model, x):
    a, b = model.encoder, model.decoder
    return np.sum(b(a(x)) ** 2)


def enc_layers(model, x):
    enc = model.encoder
    h = x
    for layer in enc.layers:
        h = layer(h)
    return np.sum(model.decoder(h) ** 2)


def two_paths(model, x):
    enc = model.encoder
    return np.sum(enc(x) ** 2) + np.sum(model.encoder.W * enc.W) + np.sum(enc.b)


def pair_two_paths(pair, x):
    a, b = pair
    return np.sum(b(a(x))) + np.sum(pair[0].W ** 2) + np.sum(a.W)


def tied(model, x):
    enc = model.encoder
    z = np.tanh(enc.W @ x + enc.b)
    return np.sum((enc.W.T @ z - x) ** 2)


def read_layer(layer, x):
    return np.tanh(layer.W @ x + layer.b)


def helper_attrs(pair, x):
    a, b = pair
    return np.sum(read_layer(b, read_layer(a, x)) ** 2)


def same_twice(model, x):
    l1 = model.layers[0]
    l2 = model.layers[0]
    return np.sum(l2(l1(x)) ** 2)


def swap_attrs(pair, x):
    a, b = pair
    a, b = b, a
    return np.sum(np.tanh(a.W @ np.tanh(b.W @ x + b.b) + a.b) ** 2)


def starred_attrs(layers, x):
    first, *rest = layers
    h = np.tanh(first.W @ x + first.b)
    for layer in rest:
        h = np.tanh(layer.W @ h + layer.b)
    return np.sum(h**2)


def loop_pairs_attrs(pairs, x):
    h = x
    for pair in pairs:
        a, b = pair
        h = np.tanh(b.W @ np.tanh(a.W @ h + a.b) + b.b)
    return np.sum(h**2)


def loop_target_attrs(pairs, x):
    h = x
    for a, b in pairs:
        h = np.tanh(b.W @ np.tanh(a.W @ h + a.b) + b.b)
    return np.sum(h**2)


def aem_loss(m, x):
    return np.sum(m(x) ** 2)


def loop_plain(model, x):
    h = x
    for layer in model.layers:
        h = layer(h)
    return np.sum(h**2)


def box_direct(model, x):
    return np.sum(model.decoder.forward(model.encoder.forward(x)) ** 2)


def box_local(model, x):
    enc = model.encoder
    return np.sum(model.decoder.forward(enc.forward(x)) ** 2)


# local names the brief names as claimed to work, refused today


def starred_call(layers, x):
    first, *rest = layers
    h = first(x)
    for layer in rest:
        h = layer(h)
    return np.sum(h**2)


def starred_method(layers, x):
    first, *rest = layers
    h = first.forward(x)
    for layer in rest:
        h = layer.forward(h)
    return np.sum(h**2)


def starred_last(layers, x):
    *init, last = layers
    return np.sum(last.forward(init[0].forward(x)) ** 2)


def swap_call(pair, x):
    a, b = pair
    a, b = b, a
    return np.sum(a(b(x)) ** 2)


def swap_method(pair, x):
    a, b = pair
    a, b = b, a
    return np.sum(a.forward(np.tanh(b.forward(x))) ** 2)


def tuple_built(model, x):
    pair = (model.encoder, model.decoder)
    a, b = pair
    return np.sum(b(a(x)) ** 2)


def layers_local(model, x):
    layers = model.layers
    first = layers[0]
    h = first(x)
    for layer in layers[1:]:
        h = layer(h)
    return np.sum(h**2)


# names bound in branches and loops (a clear located error is acceptable)


def branch_call(m, x, flag):
    if flag:  # noqa: SIM108  (a name bound in a branch on purpose)
        layer = m.layers[0]
    else:
        layer = m.layers[1]
    return np.sum(layer(x) ** 2)


def branch_call_data(m, x):
    if np.sum(x) > 0:  # noqa: SIM108
        layer = m.layers[0]
    else:
        layer = m.layers[1]
    return np.sum(layer(x) ** 2)


def branch_method(m, x, flag):
    if flag:  # noqa: SIM108
        layer = m.layers[0]
    else:
        layer = m.layers[1]
    return np.sum(layer.forward(x) ** 2)


def branch_attrs(m, x, flag):
    if flag:  # noqa: SIM108
        layer = m.layers[0]
    else:
        layer = m.layers[1]
    return np.sum(np.tanh(layer.W @ x + layer.b) ** 2)


def cond_expr(m, x, flag):
    layer = m.layers[0] if flag else m.layers[1]
    return np.sum(layer(x) ** 2)


def loop_index(model, x):
    h = x
    for i in range(len(model.layers)):
        layer = model.layers[i]
        h = layer(h)
    return np.sum(h**2)


def while_local(model, x):
    h = x
    i = 0
    while i < 2:
        layer = model.layers[i]
        h = layer(h)
        i += 1
    return np.sum(h**2)


def loop_rebind_attrs(m, x):
    h = x
    layer = m.layers[0]
    for _ in range(3):
        h = np.tanh(layer.W @ h + layer.b)
        layer = m.layers[1]
    return np.sum(h**2)


def pairs_loop_call(pairs, x):
    h = x
    for a, b in pairs:
        h = b(a(h))
    return np.sum(h**2)


def get_pair(model):
    return model.encoder, model.decoder


def helper_returns(model, x):
    e, d = get_pair(model)
    return np.sum(d(e(x)))


# plain things around the objects


def mixed_loss(params, model, xs):
    total = 0.0
    for i, x in enumerate(xs):
        h = model(x)
        total = total + params["scale"] * np.sum(h**2) + np.sum(params["w"] * x) * (i + 1)
    return total / len(xs)


def wb_and_model(params, model, x):
    h = x
    for W, b in params:
        h = np.tanh(W @ h + b)
    return np.sum(model.forward(h) ** 2)


# replacements assigned to classes in the cache tests (module level, beside the losses)


def forward_sin(self, x):
    return self.W @ np.sin(x) + self.b


def act_sin(self, h):
    return np.sin(h)


# --------------------------------------------------------------------------- the harness itself


def test_harness_finds_a_wrong_gradient():
    m = Scaled(R(1, 3, 4), R(2, 3), 0.8)
    ng = num_grad(forward_loss, (m, X4), 0)
    h = forward_loss(m, X4)
    assert h > 0
    wrong = Scaled(ng[("W",)] * 1.001, ng[("b",)], ng[("c",)])
    with pytest.raises(AssertionError):
        grad_matches_numeric(wrong, forward_loss, (m, X4), 0)
    right = Scaled(ng[("W",)], ng[("b",)], ng[("c",)])
    grad_matches_numeric(right, forward_loss, (m, X4), 0)
    # the analytic gradient in x of sum((c (W x + b))^2)
    gx = 2 * m.c * m.W.T @ (m.c * (m.W @ X4 + m.b))
    close(num_grad(forward_loss, (m, X4), 1)[()], gx)


# --------------------------------------------------------------------------- super()

SUPER_CASES = [
    ("scaled", forward_loss, lambda: (Scaled(R(1, 3, 4), R(2, 3), 1.3), X4)),
    ("shifted", forward_loss, lambda: (Shifted(R(3, 3, 4), R(4, 3), 1.3, R(5, 3)), X4)),
    ("top_three_levels", forward_loss, lambda: (Top(R(6, 3, 4), R(7, 3), 1.3, R(8, 3)), X4)),
    ("top_through_base_call", call_loss, lambda: (Top(R(9, 3, 4), R(10, 3), 0.6, R(11, 3)), X4)),
    ("residual", forward_loss, lambda: (Residual(R(12, 4, 4), R(13, 4)), X4)),
    ("diamond_D", diamond_loss, lambda: (D(0.7), X3)),
    ("diamond_D2_no_override", diamond_loss, lambda: (D2(0.7), X3)),
    ("diamond_B", diamond_loss, lambda: (B(0.7), X3)),
    ("diamond_C", diamond_loss, lambda: (C(0.7), X3)),
    ("inherited_E", diamond_loss, lambda: (E(0.7), X3)),
    ("override_F", diamond_loss, lambda: (F(0.7), X3)),
    ("super_call", call_loss, lambda: (CallSub(R(14, 3, 4), 0.8), X4)),
    ("dispatch_tanh", forward_loss, lambda: (TanhBlock(R(15, 3, 4)), X4)),
    ("dispatch_soft", forward_loss, lambda: (SoftBlock(R(16, 3, 4)), X4)),
    ("mixin_norm", forward_loss, lambda: (NormDense(R(17, 3, 4), R(18, 3)), X4)),
    ("mixin_residual", forward_loss, lambda: (ResDense(R(19, 4, 4), R(20, 4)), X4)),
    ("mixin_residual_norm", forward_loss, lambda: (ResNormDense(R(21, 4, 4), R(22, 4)), X4)),
    ("defaults", forward_loss, lambda: (DefSub(R(23, 3, 4)), X4)),
    ("keywords", forward_loss, lambda: (KwSub(R(24, 3, 4), R(25, 3)), X4)),
    ("varargs", forward_loss, lambda: (VarArgs(R(26, 3, 4), R(27, 3)), X4)),
    ("twice", forward_loss, lambda: (Twice(R(28, 3, 4), R(29, 3)), X4)),
    ("in_loop", forward_loss, lambda: (LoopSuper(R(30, 4, 4), R(31, 4)), X4)),
    ("in_branch_true", forward_loss, lambda: (BranchSuper(R(32, 4, 4), R(33, 4), True), X4)),
    ("in_branch_false", forward_loss, lambda: (BranchSuper(R(34, 4, 4), R(35, 4), False), X4)),
    ("base_call_post", call_loss, lambda: (Sub2(R(36, 4, 4)), X4)),
    ("base_call_post_forward", call_loss, lambda: (Sub3(R(37, 4, 4)), X4)),
    ("dataclass", forward_loss, lambda: (DScaled(R(38, 3, 4), R(39, 3), 0.8), X4)),
    ("tuple_through_super", tuple_ret_loss, lambda: (TupleRetSub(R(40, 3, 4), R(41, 3)), X4)),
    (
        "other_method_via_super",
        forward_loss,
        lambda: (SuperOtherMethod2(R(42, 3, 4), R(43, 3)), X4),
    ),
    ("class_attribute_and_int", forward_loss, lambda: (KAttrSub(R(44, 4), 3), X4)),
    ("checkpointed_loop", forward_loss, lambda: (CheckpointSuper(R(45, 4, 4), R(46, 4)), X4)),
]


@pytest.mark.parametrize("name,f,make", SUPER_CASES, ids=[c[0] for c in SUPER_CASES])
def test_super(name, f, make):
    """with respect to the object and to x, first and second order"""
    args = make()
    check_first(f, args, 0)
    check_first(f, args, 1)
    check_all_second(f, args)


def test_super_int_field_gradient_is_none():
    g = ad.grad(forward_loss)(KAttrSub(R(47, 4), 3), X4)
    assert g.n is None
    assert isinstance(g, KAttrSub)


def test_diamond_two_objects_one_call():
    """B.f's super() goes to A for a B and to C for a D, in the same call"""
    for b, d in ((B(0.3), D(0.7)), (D(0.2), B(1.1)), (E(0.4), D2(0.9))):
        for wrt in (0, 1, 2):
            check_first(two_objs_loss, (b, d, X4), wrt)
    check_second(two_objs_loss, (B(0.3), D(0.7), X4), 2, 2)
    check_second(two_objs_loss, (B(0.3), D(0.7), X4), 2, 1)


def test_one_grad_object_every_class_of_the_diamond():
    """one gradient function given objects of every class of the hierarchy in turn"""
    G0 = ad.grad(diamond_loss)
    G1 = ad.grad(diamond_loss, wrt=1)
    for cls in (B, D, C, E, F, D2, A, B, D):
        obj = cls(0.7)
        g = G0(obj, X3)
        assert type(g) is cls
        grad_matches_numeric(g, diamond_loss, (obj, X3), 0)
        grad_matches_numeric(G1(obj, X3), diamond_loss, (obj, X3), 1)


@pytest.mark.parametrize(
    "pot",
    [LennardJones(0.9, 0.8), Confined(0.9, 0.8, 0.05), Morse(1.2, 1.5, 0.9)],
    ids=["lennard_jones", "confined_super_energy", "morse_super_pair"],
)
def test_potentials(pot):
    pos = np.array([[0.0, 0.0], [1.1, 0.1], [0.2, 1.2]]) + 0.05 * R(48, 3, 2)
    check_first(energy_loss, (pot, pos), 0)
    check_first(energy_loss, (pot, pos), 1)
    check_all_second(energy_loss, (pot, pos))
    # the forces of the same potential at a second configuration: the same derivative
    pos2 = pos * 1.05
    grad_matches_numeric(ad.grad(energy_loss, wrt=1)(pot, pos2), energy_loss, (pot, pos2), 1)


def test_potentials_list_mixed_classes():
    """a sum over a list of potentials of different subclasses"""

    pots = [LennardJones(0.9, 0.8), Morse(1.2, 1.5, 0.9), Confined(0.5, 0.7, 0.02)]
    pos = np.array([[0.0, 0.0], [1.0, 0.2], [0.3, 1.1]])
    check_first(total_energy, (pots, pos), 0)
    check_first(total_energy, (pots, pos), 1)
    check_second(total_energy, (pots, pos), 1, 1, ("jvp", "hessian"))


def total_energy(pots, pos):
    e = 0.0
    for p in pots:
        e = e + p.energy(pos)
    return e


@pytest.mark.parametrize(
    "m",
    [
        Top(R(49, 3, 4), R(50, 3), 0.7, R(51, 3)),
        ResNormDense(R(52, 4, 4), R(53, 4)),
        SoftBlock(R(54, 3, 4)),
    ],
    ids=["top", "res_norm", "soft_block"],
)
def test_vector_output_jacobians(m):
    for wrt in (0, 1):
        args = (m, X4)
        t = random_like(args[wrt], np.random.default_rng(3))
        tangents = tuple(t if i == wrt else None for i in range(2))
        out, tout = ad.jvp(out_fn, args, tangents)
        same_value(out, out_fn(*args), "jvp's value")
        fd = (out_fn(*perturb(args, wrt, t, EPS)) - out_fn(*perturb(args, wrt, t, -EPS))) / (
            2 * EPS
        )
        close(tout, fd)
        for api in ("jacfwd", "jacrev", "jacobian"):
            J = getattr(ad, api)(out_fn, wrt=wrt)(*args)
            close(contract(J, out, t), fd, what=api)
        c = np.random.default_rng(4).standard_normal(out.shape)
        out2, pullback = ad.vjp(out_fn, *args)
        same_value(out2, out_fn(*args), "vjp's value")
        close(inner(pullback(c)[wrt], t), float(c @ fd))


def test_mlp_of_subclassed_layers_list():
    layers = [
        d44(55),
        Top(R(57, 4, 4), R(58, 4), 0.5, R(59, 4)),
        ResDense(R(60, 4, 4), R(61, 4)),
        Scaled(R(62, 2, 4), R(63, 2), 0.7),
    ]
    check_first(mlp_loss, (layers, X4), 0)
    check_first(mlp_loss, (layers, X4), 1)
    check_all_second(mlp_loss, (layers, X4), mixed=True)


def test_model_of_subclassed_layers():
    model = Model([d44(64), Residual(R(66, 4, 4), R(67, 4)), NormDense(R(68, 3, 4), R(69, 3))])
    check_first(model_loss, (model, X4), 0)
    check_first(model_loss, (model, X4), 1)
    check_all_second(model_loss, (model, X4), mixed=True)


def test_objects_built_inside_with_super_init():
    W, b = R(70, 3, 4), R(71, 3)
    for wrt in (0, 1, 2):
        check_first(build_sub, (W, 0.7, X4), wrt)
    for wrt in (0, 1, 2, 3):
        check_first(build_sub2, (W, 0.7, b, X4), wrt)
    check_second(build_sub, (W, 0.7, X4), 0, 0)
    check_second(build_sub, (W, 0.7, X4), 2, 1)


def test_two_argument_super_in_init_built_inside_refused_clearly():
    """`super(OldStyle, self).__init__(W * s)` in an object built inside: README says an
    object whose __init__ does more than store values gives a located error"""
    refused_or_right(build_old, (R(72, 3, 4), 0.5, X4), (0, 1), (OldStyle,), second=False)


def test_method_of_object_built_inside_refused_clearly():
    """README: calling an object built inside the function is refused with a located error"""
    refused_or_right(
        build_and_call, (R(73, 3, 4), R(74, 3), 0.5, X4), (0, 3), (Scaled,), second=False
    )


class Explicit(Dense):
    def forward(self, x):
        return 0.5 * super(Explicit, self).forward(x) ** 2  # noqa: UP008


class SBase:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def act(h):
        return np.tanh(h)

    def forward(self, x):
        return self.act(self.w * x)


class SSub(SBase):
    @staticmethod
    def act(h):
        return SBase.act(h) ** 2

    def forward(self, x):
        return super().forward(x) + super().act(x * self.w)


class ClsBase:
    K = 2.0

    def __init__(self, w):
        self.w = w

    @classmethod
    def factor(cls):
        return cls.K

    def forward(self, x):
        return self.factor() * self.w * x


class ClsSub(ClsBase):
    K = 3.0

    @classmethod
    def factor(cls):
        return super().factor() + 1.0


@pytest.mark.parametrize(
    "m",
    [Explicit(R(75, 3, 4), R(76, 3)), SSub(0.4), ClsSub(R(77, 4))],
    ids=["two_argument_super", "staticmethod_via_super", "classmethod_super"],
)
def test_super_forms_refused_clearly_or_right(m):
    x = X3 if isinstance(m, SSub) else X4
    refused_or_right(forward_loss, (m, x), (0, 1), (type(m), *type(m).__mro__[1:-1]), second=False)


# --------------------------------------------------------------------------- local names

LOCAL_CASES = [
    ("unpack_tuple", unpack_pair, lambda: ((d34(80), Scaled(R(82, 2, 3), R(83, 2), 0.9)), X4)),
    (
        "unpack_list",
        unpack_pair,
        lambda: ([d34(84), Top(R(86, 2, 3), R(87, 2), 0.9, R(88, 2))], X4),
    ),
    (
        "attribute_names",
        attr_local,
        lambda: (AE(d34(89), Top(R(91, 2, 3), R(92, 2), 0.4, R(93, 2))), X4),
    ),
    (
        "index_names",
        index_local,
        lambda: (Model([d44(98), d44(100), Scaled(R(102, 2, 4), R(103, 2), 1.1)]), X4),
    ),
    (
        "index_method",
        index_method,
        lambda: (Model([Top(R(104, 3, 4), R(105, 3), 0.5, R(106, 3))]), X4),
    ),
    ("nested_target", nested_target, lambda: ((d44(107), ResDense(R(109, 4, 4), R(110, 4))), X4)),
    (
        "nested_parts",
        nested_parts,
        lambda: (Holder((d44(111), (d34(113), Scaled(R(115, 3, 4), R(116, 3), 0.5)))), X4),
    ),
    (
        "reassigned",
        reassigned,
        lambda: (Model([d44(121), Scaled(R(123, 3, 4), R(124, 3), 0.5)]), X4),
    ),
    (
        "loop_enumerate",
        loop_enumerate,
        lambda: (Model([d44(125), Residual(R(127, 4, 4), R(128, 4))]), X4),
    ),
    ("passed_to_helper", pass_local, lambda: (AE(d34(129), d44(131)), X4)),
    (
        "dict_items",
        dict_local,
        lambda: ({"enc": d34(133), "dec": Top(R(135, 2, 3), R(136, 2), 0.4, R(137, 2))}, X4),
    ),
    ("chained_names", chained, lambda: (AE(Model([d44(138), d34(140)]), d44(142)), X4)),
    (
        "three_from_list",
        list_unpack,
        lambda: ([d44(144), ResDense(R(146, 4, 4), R(147, 4)), d34(148)], X4),
    ),
    (
        "tuple_display",
        tuple_display,
        lambda: (AE(d44(154), Shifted(R(156, 3, 4), R(157, 3), 0.3, R(158, 3))), X4),
    ),
    (
        "encoder_layers_loop",
        enc_layers,
        lambda: (AE(Model([d44(159), Residual(R(161, 4, 4), R(162, 4))]), d34(163)), X4),
    ),
    ("two_paths_one_object", two_paths, lambda: (AE(d44(165), d34(167)), X4)),
    (
        "pair_two_paths",
        pair_two_paths,
        lambda: ((d44(169), Scaled(R(171, 3, 4), R(172, 3), 0.5)), X4),
    ),
    ("tied_weights", tied, lambda: (AE(d44(173), d34(175)), X4)),
    (
        "helper_reads_attributes",
        helper_attrs,
        lambda: ((d44(177), Scaled(R(179, 3, 4), R(180, 3), 0.6)), X4),
    ),
    ("same_object_two_names", same_twice, lambda: (Model([d44(181)]), X4)),
    ("swap_attributes", swap_attrs, lambda: ((d44(183), Scaled(R(185, 4, 4), R(186, 4), 0.3)), X4)),
    (
        "starred_attributes",
        starred_attrs,
        lambda: ([d44(187), Scaled(R(189, 4, 4), R(190, 4), 0.3), d34(191)], X4),
    ),
    (
        "loop_pair_unpack_attributes",
        loop_pairs_attrs,
        lambda: ([(d44(193), d44(195)), (d44(197), d44(199))], X4),
    ),
    (
        "loop_target_attributes",
        loop_target_attrs,
        lambda: ([(d44(201), d44(203)), (d44(205), d44(207))], X4),
    ),
    (
        "method_first_last",
        first_last_loss,
        lambda: (Model([d44(209), Top(R(211, 4, 4), R(212, 4), 0.5, R(213, 4)), d34(214)]), X4),
    ),
    (
        "method_local_names",
        aem_loss,
        lambda: (
            AEM(
                d44(216),
                d34(218),
                (Top(R(220, 4, 4), R(221, 4), 0.3, R(222, 4)), ResDense(R(223, 4, 4), R(224, 4))),
            ),
            X4,
        ),
    ),
    ("held_box_local", box_local, lambda: (Box(d44(229), d34(231)), X4)),
]


@pytest.mark.parametrize("name,f,make", LOCAL_CASES, ids=[c[0] for c in LOCAL_CASES])
def test_local_names(name, f, make):
    """with respect to the object and to x, first and second order"""
    args = make()
    check_first(f, args, 0)
    check_first(f, args, 1)
    check_all_second(f, args)


@pytest.mark.parametrize(
    "f,make",
    [
        (unpack_pair, lambda s: ((d34(s), Scaled(R(s + 2, 2, 3), R(s + 3, 2), 0.9)), X4)),
        (
            index_local,
            lambda s: (Model([d44(s), d44(s + 2), Scaled(R(s + 4, 2, 4), R(s + 5, 2), 1.1)]), X4),
        ),
        (
            attr_local,
            lambda s: (AE(d34(s), Top(R(s + 2, 2, 3), R(s + 3, 2), 0.4, R(s + 4, 2))), X4),
        ),
        (nested_target, lambda s: ((d44(s), d34(s + 2)), X4)),
        (helper_attrs, lambda s: ((d44(s), d34(s + 2)), X4)),
        (forward_loss, lambda s: (Top(R(s, 3, 4), R(s + 1, 3), 0.5 + s / 1000, R(s + 2, 3)), X4)),
    ],
    ids=["unpack", "index", "attribute", "nested_target", "helper", "super_chain"],
)
def test_other_objects_and_in_place_changes(f, make):
    """one gradient function, new objects of the same structure, then arrays changed in
    place: each call gives the derivative at the current values"""
    for wrt in (0, 1):
        G = ad.grad(f, wrt=wrt)
        for seed in (300, 400, 500):
            args = make(seed)
            grad_matches_numeric(G(*args), f, args, wrt)
        for _, v in leaves(args[0]):
            if isinstance(v, np.ndarray):
                v *= 1.7
                v += 0.1
        grad_matches_numeric(G(*args), f, args, wrt)
        out, _ = ad.jvp(
            f,
            args,
            tuple(
                random_like(a, np.random.default_rng(1)) if i == wrt else None
                for i, a in enumerate(args)
            ),
        )
        same_value(out, f(*args), "jvp's value after the change")


def two_models(m1, m2, x):
    a = m1
    b = m2
    return np.sum(a.forward(x) * b.forward(x))


def shared_pair(layers, x):
    first, second = layers
    return np.sum(second(first(x)) ** 2)


def test_same_object_passed_twice_and_shared_layer():
    """one object as two arguments (one differentiated, one held fixed), and one layer
    twice in a list: each position its own derivative, as the plain call perturbed there"""
    m = Top(R(590, 4, 4), R(591, 4), 0.5, R(592, 4))
    for wrt in (0, 1, 2):
        check_first(two_models, (m, m, X4), wrt)
    check_second(two_models, (m, m, X4), 2, 0, ("jvp", "vjp"))
    check_second(two_models, (m, m, X4), 0, 0, ("hessian",))
    layer = d44(593)
    for wrt in (0, 1):
        check_first(shared_pair, ([layer, layer], X4), wrt)


def test_vjp_pullback_keeps_values_of_the_call():
    pair = (d34(600), Scaled(R(602, 2, 3), R(603, 2), 0.9))
    ref0 = ad.grad(unpack_pair)(pair, X4)
    ref1 = ad.grad(unpack_pair, wrt=1)(pair, X4)
    _, pullback = ad.vjp(unpack_pair, pair, X4)
    pair[0].W *= 3.0
    pair[1].b[:] = 0.5
    cts = pullback(1.0)
    compare_tree(cts[0], ref0)
    close(cts[1], ref1)


def test_attribute_and_class_attribute_changes_are_seen():
    o = KAttrSub(R(604, 4), 3)
    G0, G1 = ad.grad(forward_loss), ad.grad(forward_loss, wrt=1)
    G0(o, X4), G1(o, X4)
    KAttrBase.K = 0.5
    try:
        grad_matches_numeric(G1(o, X4), forward_loss, (o, X4), 1)
        grad_matches_numeric(G0(o, X4), forward_loss, (o, X4), 0)
    finally:
        KAttrBase.K = 1.5
    o.n = 2
    grad_matches_numeric(G1(o, X4), forward_loss, (o, X4), 1)
    grad_matches_numeric(G0(o, X4), forward_loss, (o, X4), 0)


def test_redefined_method_without_super_is_followed():
    """control for the strict expected failures below: no super() in the way"""
    o = Dense(R(605, 3, 4), R(606, 3))
    t = TanhBlock(R(607, 3, 4))
    G = ad.grad(forward_loss, wrt=1)
    G(o, X4), G(t, X4)
    old_f, old_a = Dense.forward, TanhBlock.act
    Dense.forward, TanhBlock.act = forward_sin, act_sin
    try:
        grad_matches_numeric(G(o, X4), forward_loss, (o, X4), 1)
        grad_matches_numeric(G(t, X4), forward_loss, (t, X4), 1)
    finally:
        Dense.forward, TanhBlock.act = old_f, old_a
    grad_matches_numeric(G(o, X4), forward_loss, (o, X4), 1)


def test_plain_things_around_objects():
    """dict parameters, a list of arrays, a loop and a model with super() in one function"""
    params = {"scale": 0.7, "w": R(608, 4)}
    model = Model([Top(R(609, 4, 4), R(610, 4), 0.5, R(611, 4)), Residual(R(612, 4, 4), R(613, 4))])
    xs = [X4, X4[::-1].copy(), X4 * 0.5]
    for wrt in (0, 1, 2):
        check_first(mixed_loss, (params, model, xs), wrt)
    check_second(mixed_loss, (params, model, xs), 0, 0)
    check_second(mixed_loss, (params, model, xs), 1, 1)
    check_second(mixed_loss, (params, model, xs), 0, 1)


def test_list_of_wb_tuples_with_model():
    params = [(R(614, 4, 4), R(615, 4)), (R(616, 4, 4), R(617, 4))]
    model = ResNormDense(R(618, 4, 4), R(619, 4))
    for wrt in (0, 1, 2):
        check_first(wb_and_model, (params, model, X4), wrt)
    check_second(wb_and_model, (params, model, X4), 0, 0)
    check_second(wb_and_model, (params, model, X4), 1, 0)


def test_training_loop_new_objects_each_step():
    """gradient descent on an object with super(), a new object each step"""
    model = Model(
        [Top(R(620, 4, 4), R(621, 4), 0.5, R(622, 4)), Scaled(R(623, 2, 4), R(624, 2), 0.8)]
    )
    vg = ad.value_and_grad(model_loss)
    losses = []
    for step in range(4):
        val, g = vg(model, X4)
        same_value(val, model_loss(model, X4), "value")
        if step in (0, 3):
            grad_matches_numeric(g, model_loss, (model, X4), 0)
        losses.append(val)
        layers = []
        for layer, gl in zip(model.layers, g.layers, strict=True):
            new = copy.copy(layer)
            for k, v in vars(layer).items():
                gv = getattr(gl, k)
                if gv is not None:
                    setattr(new, k, v - 0.05 * gv)
            layers.append(new)
        model = Model(layers)
    assert losses[-1] < losses[0]


OTHER_MODULE = """\
import numpy as np


class Base:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return self.W @ x


class Sub(Base):
    def forward(self, x):
        return np.tanh(super().forward(x))


class Explicit(Base):
    def forward(self, x):
        return np.tanh(Base.forward(self, x))


class Layer:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return np.tanh(self.W @ x)
"""


@pytest.fixture(scope="module")
def other_models(tmp_path_factory):
    """a models module beside this one: classes imported from another file"""
    import importlib.util

    path = tmp_path_factory.mktemp("t65") / "t65_models.py"
    path.write_text(OTHER_MODULE)
    spec = importlib.util.spec_from_file_location("t65_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_class_from_another_module_methods_work(other_models):
    """control: methods of classes of another module, and the base's method by name; the
    Hessian, hvp and jacobian of grad work on them"""
    for cls in (other_models.Base, other_models.Explicit):
        m = cls(R(625, 3, 4))
        check_first(forward_loss, (m, X4), 0)
        check_first(forward_loss, (m, X4), 1)
        check_second(forward_loss, (m, X4), 1, 1, ("hessian", "hvp", "jacobian", "jvp"))


@pytest.mark.xfail(
    strict=True,
    raises=ad.S2SError,
    reason=(
        "vjp/jvp/jacfwd/jacrev of grad(f, wrt=1) with an object of another module's class: refused "
        "naming the gradient code's `m.forward.__func__(m, x)` as 'a method used as a value'; "
        "hessian and hvp work"
    ),
)
@pytest.mark.parametrize(
    "api,inner_outer", [("vjp", (1, 1)), ("jvp", (1, 0)), ("jacrev", (1, 0)), ("jacfwd", (0, 0))]
)
def test_second_order_object_of_another_module(other_models, api, inner_outer):
    m = other_models.Explicit(R(628, 3, 4))
    check_second(forward_loss, (m, X4), *inner_outer, (api,))


@pytest.mark.parametrize("wrt", [0, 1])
def test_super_in_class_from_another_module(other_models, wrt):
    check_first(forward_loss, (other_models.Sub(R(626, 3, 4)), X4), wrt)


def test_callable_object_from_another_module(other_models):
    check_first(call_loss, (other_models.Layer(R(627, 3, 4)), X4), 1)


# refusals the README or the brief allow: a clear located error or the right numbers


def _model2():
    return Model([d44(700), Scaled(R(702, 4, 4), R(703, 4), 0.5)])


def _model2_x():
    return (_model2(), X4)


@pytest.mark.parametrize(
    "f,make",
    [
        (branch_method, lambda: (_model2(), X4, True)),
        (branch_method, lambda: (_model2(), X4, False)),
        (cond_expr, lambda: (_model2(), X4, True)),
        (cond_expr, lambda: (_model2(), X4, False)),
        (loop_index, _model2_x),
        (while_local, _model2_x),
        (pairs_loop_call, lambda: ([(d44(704), d44(706)), (d44(708), d44(710))], X4)),
        (helper_returns, lambda: (AE(d44(712), d34(714)), X4)),
        (branch_attrs, lambda: (_model2(), X4, True)),
        (loop_rebind_attrs, _model2_x),
    ],
    ids=[
        "branch_method_true",
        "branch_method_false",
        "conditional_expression_true",
        "conditional_expression_false",
        "loop_computed_index",
        "while_computed_index",
        "loop_over_pairs_call",
        "helper_returns_objects",
        "branch_attributes",
        "loop_rebinds_name",
    ],
)
def test_branches_and_loops_refused_clearly_or_right(f, make):
    refused_or_right(f, make(), (0, 1), ())


# ------------------------------------------------------------------ strict expected failures


class PropBase:
    def __init__(self, W, s):
        self.W = W
        self.s = s

    @property
    def weight(self):
        return self.W * 2.0


class PropPlain(PropBase):
    def forward(self, x):
        return self.weight @ x


class PropSub(PropBase):
    @property
    def weight(self):
        return super().weight * self.s

    def forward(self, x):
        return self.weight @ x


class PropViaSuper(PropBase):
    def forward(self, x):
        return np.tanh(super().weight @ x)


class KSuper:
    k = 1.5

    def __init__(self, w):
        self.w = w

    def forward(self, x):
        return self.k * self.w * x


class KSuperSub(KSuper):
    k = 2.5

    def forward(self, x):
        return super().forward(x) + super().k * x


def test_property_without_super_works():
    """control: a property is its getter, inlined (README)"""
    check_first(forward_loss, (PropPlain(R(800, 3, 4), 0.6), X4), 0)
    check_first(forward_loss, (PropPlain(R(800, 3, 4), 0.6), X4), 1)


def test_super_in_property():
    check_first(forward_loss, (PropSub(R(801, 3, 4), 0.6), X4), 1)


def test_super_property_read_in_method():
    check_first(forward_loss, (PropViaSuper(R(802, 3, 4), 0.6), X4), 0)


def test_super_class_attribute():
    check_first(forward_loss, (KSuperSub(R(803, 4)), X4), 1)


def test_starred_unpack_then_call():
    check_first(starred_call, ([d44(804), ResDense(R(806, 4, 4), R(807, 4)), d34(808)], X4), 0)


def test_starred_unpack_then_method():
    check_first(starred_method, ([d44(810), Scaled(R(812, 4, 4), R(813, 4), 0.5), d34(814)], X4), 1)


def test_starred_last_then_method():
    check_first(starred_last, ([d44(816), Scaled(R(818, 4, 4), R(819, 4), 0.5), d34(820)], X4), 0)


def test_starred_unpack_in_method():
    model = Model([d44(822), Top(R(824, 4, 4), R(825, 4), 0.3, R(826, 4)), d34(827)])
    check_first(model_starred_loss, (model, X4), 0)


def test_swap_then_call():
    check_first(swap_call, ((d44(829), Scaled(R(831, 4, 4), R(832, 4), 0.3)), X4), 0)


def test_swap_then_method():
    check_first(swap_method, ((d44(833), Scaled(R(835, 4, 4), R(836, 4), 0.3)), X4), 1)


def test_local_tuple_of_objects_unpacked():
    check_first(tuple_built, (AE(d44(837), d34(839)), X4), 0)


def test_local_list_then_literal_index():
    check_first(
        layers_local, (Model([d44(841), Scaled(R(843, 4, 4), R(844, 4), 0.5), d34(845)]), X4), 0
    )


@pytest.mark.parametrize("flag", [True, False])
def test_branch_bound_layer_called(flag):
    refused_or_right(branch_call, (_model2(), X4, flag), (0,), (), second=False)


def test_branch_on_data_bound_layer_called():
    refused_or_right(branch_call_data, (_model2(), -np.abs(X4)), (0, 1), (), second=False)


def test_branch_bound_object_error_names_an_object():
    with pytest.raises(ad.S2SError) as info:
        ad.grad(branch_attrs)(
            Model([DLinear(R(846, 4, 4), R(847, 4)), DLinear(R(848, 4, 4), R(849, 4))]), X4, True
        )
    assert "nested function" not in str(info.value), str(info.value)


def test_differentiated_plain_containers_work():
    """control: the containers of the next failures, differentiated (wrt=0)"""
    check_first(loop_plain, (Seq([d44(850), Scaled(R(852, 3, 4), R(853, 3), 0.5)]), X4), 0)
    check_first(index_local, (DCSeq([d44(854), d34(856)]), X4), 0)
    check_first(box_direct, (NTPair(d44(858), d34(860)), X4), 0)
    check_first(loop_plain, (Model([d44(850), Scaled(R(852, 3, 4), R(853, 3), 0.5)]), X4), 1)


def test_held_fixed_methodless_container_loop():
    check_first(loop_plain, (Seq([d44(862), Scaled(R(864, 3, 4), R(865, 3), 0.5)]), X4), 1)


def test_held_fixed_dataclass_container_index():
    check_first(index_local, (DCSeq([d44(866), d34(868)]), X4), 1)


def test_held_fixed_namedtuple_of_layers():
    check_first(box_direct, (NTPair(d44(870), d34(872)), X4), 1)


def test_held_fixed_methodless_nested_parts():
    parts = Parts((d44(874), (d34(876), Scaled(R(878, 3, 4), R(879, 3), 0.5))))
    check_first(nested_parts, (parts, X4), 1)


def _stale_check(obj, wrt, cls, name, new):
    G = ad.grad(forward_loss, wrt=wrt)
    G(obj, X4)
    old = cls.__dict__[name]
    setattr(cls, name, new)
    try:
        grad_matches_numeric(G(obj, X4), forward_loss, (obj, X4), wrt)
    finally:
        setattr(cls, name, old)


@pytest.mark.parametrize("wrt", [0, 1])
def test_redefined_base_method_reached_by_super(wrt):
    _stale_check(Scaled(R(880, 3, 4), R(881, 3), 1.2), wrt, Dense, "forward", forward_sin)


def test_redefined_base_method_three_levels_down():
    _stale_check(Top(R(882, 3, 4), R(883, 3), 1.2, R(884, 3)), 1, Dense, "forward", forward_sin)


def test_redefined_method_called_by_super_act():
    _stale_check(SoftBlock(R(885, 3, 4)), 1, TanhBlock, "act", act_sin)


def test_held_fixed_object_class_reassigned():
    o = KAttrSub(R(886, 4), 3)
    G = ad.grad(forward_loss, wrt=1)
    G(o, X4)
    o.__class__ = KAttrSub2
    grad_matches_numeric(G(o, X4), forward_loss, (o, X4), 1)


class OptShift:
    def __init__(self, w):
        self.w = w

    def f(self, x, shift=None):
        if shift is not None:
            x = x + shift
        return self.w * x


class OptShiftSub(OptShift):
    def f(self, x):
        return super().f(x, shift=1.5)


def opt_shift_loss(m, x):
    return np.sum(m.f(x) ** 2)


def test_method_default_none_no_syntax_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = ad.grad(opt_shift_loss, wrt=1)(OptShiftSub(0.5), X3)
    grad_matches_numeric(g, opt_shift_loss, (OptShiftSub(0.5), X3), 1)
