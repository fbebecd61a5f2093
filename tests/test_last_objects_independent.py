"""Independent tests (tester 104): in-place operators on objects made in the function,
a subclass's reflected methods, next(iter(...)), NamedTuple arguments with their own
operators.  Written from the README alone."""

import os
import zlib
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad

HERE = os.path.basename(__file__)
H = 1e-6
RTOL, ATOL = 1e-5, 1e-6


# ----------------------------------------------------------------------------- classes
class V:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, o):
        return V(self.a + o.a, self.b + o.b)

    def __sub__(self, o):
        return V(self.a - o.a, self.b - o.b)

    def __mul__(self, c):
        return V(self.a * c, self.b * c)

    def __rmul__(self, c):
        return V(c * self.a, c * self.b)


class VI:
    def __init__(self, a):
        self.a = a

    def __add__(self, o):
        return VI(self.a + o.a)

    def __iadd__(self, o):
        self.a = self.a + 2.0 * o.a
        return self


class Base:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return Base(self.v + o.v)

    def __sub__(self, o):
        return Base(self.v - o.v)

    def __mul__(self, o):
        return Base(self.v * o.v)


class Sub(Base):
    def __radd__(self, o):
        return Sub(2.0 * self.v + o.v)

    def __rsub__(self, o):
        return Sub(o.v - 3.0 * self.v)

    def __rmul__(self, o):
        return Sub(o.v * self.v * self.v)


class Base2:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return Base2(self.v + o.v)

    def __radd__(self, o):
        return Base2(5.0 * self.v + o.v)


class Sub2(Base2):  # inherits __radd__ unchanged: the left operand's __add__ goes first
    pass


class Sc:
    def __init__(self, v):
        self.v = v

    def __mul__(self, c):
        return Sc(self.v * c)

    def __rmul__(self, c):
        return Sc(self.v * c * c)

    def __add__(self, c):
        return Sc(self.v + c)

    def __radd__(self, c):
        return Sc(self.v - c)


class P(NamedTuple):
    a: float
    b: float


class PA(NamedTuple):
    a: float
    b: float

    def __add__(self, o):
        return PA(self.a + o.a * o.b, self.b + o.b)

    def __mul__(self, c):
        return PA(self.a * c, self.b * c * c)


# ----------------------------------------------------------------------------- programs
# 1. in-place operators
def iadd_basic(x, y):
    a = V(x, y)
    a += V(y, x)
    return a.a * a.b


def isub_basic(x, y):
    a = V(x * y, y)
    a -= V(np.sin(x), x)
    return a.a + a.b * a.a


def imul_basic(x, y):
    a = V(x, y)
    a *= y
    return a.a * a.b + a.a


def iops_chain(x, y):
    a = V(x, y)
    a += V(y, y)
    a *= x
    a -= V(1.0, x)
    return a.a * a.b


def iadd_loop(x, y):
    s = V(x, y)
    for _ in range(3):
        s += V(s.b, s.a) * 0.5
    return s.a * s.b


def imul_loop_range(x, y):
    s = V(x, y)
    for i in range(3):
        s *= 1.0 + 0.1 * i * x
    return s.a + s.b


def euler_iadd(x, y):
    s = V(x, y)
    dt = 0.1
    for _ in range(4):
        s += V(s.b, -np.sin(s.a)) * dt
    return s.a**2 + s.b


def iadd_alias(x, y):
    a = V(x, y)
    b = a
    a += V(y, 1.0)
    return b.a * a.a + b.b * a.b


def imul_alias(x, y):
    a = V(x, y)
    b = a
    a *= x
    return b.a + a.a * b.b


def iadd_in_list(x, y):
    objs = [V(x, y), V(y, x)]
    acc = V(0.0, 0.0)
    for o in objs:
        acc += o * x
    return acc.a * acc.b


def iadd_list_item(x, y):
    objs = [V(x, y), V(y, x)]
    a = objs[0]
    a += objs[1]
    return a.a * objs[0].a + objs[0].b


def iadd_branch(x, y):
    a = V(x, y)
    if x > 1.0:
        a += V(y, y)
    else:
        a -= V(x, 1.0)
    return a.a * a.b


def iadd_with_iadd_method(x, y):
    a = VI(x)
    a += VI(y)
    return a.a * x


def iadd_with_iadd_alias(x, y):
    a = VI(x)
    b = a
    a += VI(y)
    return b.a * y


# 2. reflected methods of a subclass
def sub_radd(x, y):
    r = Base(x) + Sub(y)
    return r.v * x


def sub_rsub(x, y):
    r = Base(x) - Sub(y)
    return r.v * r.v


def sub_rmul(x, y):
    r = Base(x) * Sub(y)
    return r.v + x


def sub_same_class(x, y):
    r = Sub(x) + Sub(y)
    return r.v * y


def inherited_radd(x, y):
    r = Base2(x) + Sub2(y)
    return r.v * x


def rmul_literal(x, y):
    a = 2.0 * V(x, y)
    return a.a * a.b


def rmul_literal_sc(x, y):
    s = 3.0 * Sc(x)
    return s.v * y


def radd_literal_sc(x, y):
    s = 1.5 + Sc(x * y)
    return s.v * s.v


def rmul_literal_in_loop(x, y):
    s = V(x, y)
    for _ in range(3):
        s = 0.5 * s + V(y, x)
    return s.a * s.b


def rmul_literal_imul(x, y):
    s = Sc(x)
    s *= y
    s = 2.0 * s
    return s.v


# 3. next(iter(...))
def next_list(x, y):
    xs = [x * y, y, x]
    return next(iter(xs)) * y


def next_tuple(x, y):
    xs = (np.sin(x), y)
    return next(iter(xs)) + x * y


def next_dict_key(x, y):
    d = {"a": x * y, "b": y}
    k = next(iter(d))
    return d[k] * x


def next_list_of_lists(x, y):
    rows = [[x, y], [y, x * x]]
    r = next(iter(rows))
    return r[0] * r[1] + rows[1][1]


def next_dict_values(x, y):
    d = {"a": np.exp(x), "b": y}
    return next(iter(d.values())) * y


def next_list_arg(xs, y):
    return next(iter(xs)) * y + xs[1]


def next_dict_arg(d, y):
    return next(iter(d.values())) * y + d["b"]


def next_iter_objects(x, y):
    objs = [V(x, y), V(y, x)]
    o = next(iter(objs))
    return o.a * o.b


# 4. NamedTuple arguments
def nt_own_add(p, q):
    r = p + q
    return r.a * r.b


def nt_own_mul(p, c):
    r = p * c
    return r.a + r.b


def nt_own_iadd(p, q):
    p += q
    return p.a * p.b


def nt_plain_join(p, q):
    r = p + q
    return r[0] * r[3] + r[1] * r[2]


def nt_plain_join_len(p, q):
    r = p + q
    return sum(r) * len(r)


def nt_plain_join_unpack(p, x):
    a, b, c, d = p + P(x, x * x)
    return a * d + b * c


class Base3:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return Base3(self.v + o.v)

    def __radd__(self, o):
        return Base3(self.v + 4.0 * o.v)


class Sub3(Base3):  # overrides __radd__: asked first
    def __radd__(self, o):
        return Sub3(self.v * o.v)


def overridden_radd(x, y):
    r = Base3(x) + Sub3(y)
    return r.v + x


def inherited_radd_iadd(x, y):
    r = Base2(x)
    r += Sub2(y)
    return r.v * y


def isub_subclass_rsub(x, y):
    r = Base(x)
    r -= Sub(y)
    return r.v * x


def iadd_float(x, y):
    s = Sc(x)
    s += y * y
    return s.v * x


def iadd_list_index(x, y):
    objs = [V(x, y), V(y, x)]
    objs[0] += objs[1]
    return objs[0].a * objs[0].b + objs[1].a


def nt_own_mul_int(p, x):
    r = p * 2
    return r.a * x + r.b


def nt_rmul_int_repeats(p, x):
    r = 2 * p
    return sum(r) * x + len(r)


PROGRAMS = {
    # name: (function, template args, options)
    "iadd_basic": (iadd_basic, (1.0, 1.0), {"hess": True}),
    "isub_basic": (isub_basic, (1.0, 1.0), {}),
    "imul_basic": (imul_basic, (1.0, 1.0), {"hess": True}),
    "iops_chain": (iops_chain, (1.0, 1.0), {}),
    "iadd_loop": (iadd_loop, (1.0, 1.0), {"hess": True}),
    "imul_loop_range": (imul_loop_range, (1.0, 1.0), {}),
    "euler_iadd": (euler_iadd, (1.0, 1.0), {"hess": True}),
    "iadd_alias": (iadd_alias, (1.0, 1.0), {}),
    "imul_alias": (imul_alias, (1.0, 1.0), {}),
    "iadd_in_list": (iadd_in_list, (1.0, 1.0), {}),
    "iadd_list_item": (iadd_list_item, (1.0, 1.0), {}),
    "iadd_branch": (iadd_branch, (1.0, 1.0), {}),
    "iadd_with_iadd_method": (iadd_with_iadd_method, (1.0, 1.0), {"expect": "refuse"}),
    "iadd_with_iadd_alias": (iadd_with_iadd_alias, (1.0, 1.0), {"expect": "refuse"}),
    "sub_radd": (sub_radd, (1.0, 1.0), {"hess": True}),
    "sub_rsub": (sub_rsub, (1.0, 1.0), {}),
    "sub_rmul": (sub_rmul, (1.0, 1.0), {}),
    "sub_same_class": (sub_same_class, (1.0, 1.0), {}),
    "inherited_radd": (inherited_radd, (1.0, 1.0), {}),
    "rmul_literal": (rmul_literal, (1.0, 1.0), {"hess": True}),
    "rmul_literal_sc": (rmul_literal_sc, (1.0, 1.0), {}),
    "radd_literal_sc": (radd_literal_sc, (1.0, 1.0), {}),
    "rmul_literal_in_loop": (rmul_literal_in_loop, (1.0, 1.0), {}),
    "rmul_literal_imul": (rmul_literal_imul, (1.0, 1.0), {}),
    "next_list": (next_list, (1.0, 1.0), {"hess": True}),
    "next_tuple": (next_tuple, (1.0, 1.0), {}),
    "next_dict_key": (next_dict_key, (1.0, 1.0), {}),
    "next_list_of_lists": (next_list_of_lists, (1.0, 1.0), {"hess": True}),
    "next_dict_values": (next_dict_values, (1.0, 1.0), {}),
    "next_list_arg": (next_list_arg, ([1.0, 1.0], 1.0), {}),
    "next_dict_arg": (next_dict_arg, ({"a": 1.0, "b": 1.0}, 1.0), {}),
    "next_iter_objects": (next_iter_objects, (1.0, 1.0), {}),
    "nt_own_add": (nt_own_add, (PA(1.0, 1.0), PA(1.0, 1.0)), {"expect": "exact_or_refuse"}),
    "nt_own_mul": (nt_own_mul, (PA(1.0, 1.0), 1.0), {"expect": "exact_or_refuse"}),
    "nt_own_iadd": (nt_own_iadd, (PA(1.0, 1.0), PA(1.0, 1.0)), {"expect": "exact_or_refuse"}),
    "nt_plain_join": (nt_plain_join, (P(1.0, 1.0), P(1.0, 1.0)), {}),
    "nt_plain_join_len": (nt_plain_join_len, (P(1.0, 1.0), P(1.0, 1.0)), {}),
    "nt_plain_join_unpack": (nt_plain_join_unpack, (P(1.0, 1.0), 1.0), {}),
    "overridden_radd": (overridden_radd, (1.0, 1.0), {}),
    "inherited_radd_iadd": (inherited_radd_iadd, (1.0, 1.0), {}),
    "isub_subclass_rsub": (isub_subclass_rsub, (1.0, 1.0), {}),
    "iadd_float": (iadd_float, (1.0, 1.0), {}),
    "iadd_list_index": (iadd_list_index, (1.0, 1.0), {}),
    "nt_own_mul_int": (nt_own_mul_int, (PA(1.0, 1.0), 1.0), {"expect": "exact_or_refuse"}),
    "nt_rmul_int_repeats": (
        nt_rmul_int_repeats,
        (PA(1.0, 1.0), 1.0),
        {"expect": "exact_or_refuse"},
    ),
}

_INHERITED = (
    "WRONG value and derivative in every API, no error: Base2(x) + Sub2(y) where Sub2 inherits "
    "Base2.__radd__ unchanged calls __radd__ first; Python calls Base2.__add__ (the reflected "
    "method goes first only when the subclass provides a different one)"
)
XFAIL = {
    "inherited_radd": _INHERITED,
    "inherited_radd_iadd": _INHERITED + " (through r += Sub2(y))",
}
# Fixed after this file was written (their strict xfails passed; the reasons stay in XFAIL as
# the record): a subclass's reflected method goes first only where it is its own (session 43).
FIXED = {"inherited_radd", "inherited_radd_iadd"}


# ----------------------------------------------------------------------------- harness
def _leaves(t):
    if isinstance(t, float):
        return [t]
    if isinstance(t, dict):
        return [v for k in t for v in _leaves(t[k])]
    return [v for item in t for v in _leaves(item)]


def _rebuild(t, it):
    if isinstance(t, float):
        return float(next(it))
    if isinstance(t, dict):
        return {k: _rebuild(t[k], it) for k in t}
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        return type(t)(*[_rebuild(v, it) for v in t])
    return type(t)(_rebuild(v, it) for v in t)


def _grad_leaves(template, g):
    """Leaves of a gradient read in the template's structure."""
    if isinstance(template, float):
        return [float(g)]
    if isinstance(template, dict):
        return [v for k in template for v in _grad_leaves(template[k], g[k])]
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        assert type(g) is type(template), f"gradient of a {type(template).__name__} is a {type(g)}"
        return [
            v for f in template._fields for v in _grad_leaves(getattr(template, f), getattr(g, f))
        ]
    return [v for i, item in enumerate(template) for v in _grad_leaves(item, g[i])]


def _close(got, want, what):
    got, want = np.asarray(got, float), np.asarray(want, float)
    assert got.shape == want.shape, f"{what}: shape {got.shape} vs {want.shape}"
    assert np.allclose(got, want, rtol=RTOL, atol=ATOL), f"{what}: {got} vs {want}"


def _same(got, want, what):
    assert np.allclose(got, want, rtol=1e-12, atol=0.0), f"{what} primal {got} vs plain {want}"


def _check_refusal(e):
    msg = str(e)
    assert HERE in msg, f"refusal does not name the file: {msg}"
    assert "line" in msg or f"{HERE}:" in msg, f"refusal does not name the line: {msg}"


def _run(f, args, hess):
    n = len(args)
    leaves = np.array(_leaves(args))
    m = len(leaves)

    def flat_call(v):
        return f(*_rebuild(args, iter(v)))

    plain = flat_call(leaves)
    fd = np.array(
        [(flat_call(leaves + H * e) - flat_call(leaves - H * e)) / (2 * H) for e in np.eye(m)]
    )

    wrt = tuple(range(n))

    def flat_grad(g):
        return np.array(_grad_leaves(args, g))

    # grad, reverse and forward
    for mode in ("reverse", "forward"):
        kw = {} if mode == "reverse" else {"mode": "forward"}
        g = ad.grad(f, wrt=wrt, **kw)(*args)
        _close(flat_grad(tuple(g)), fd, f"grad {mode}")
        val, g2 = ad.value_and_grad(f, wrt=wrt, **kw)(*args)
        _same(val, plain, f"value_and_grad {mode}")
        _close(flat_grad(tuple(g2)), fd, f"value_and_grad {mode} gradient")
    # jvp
    rng = np.random.default_rng(7)
    tv = rng.standard_normal(m)
    tang = _rebuild(args, iter(tv))
    out, tout = ad.jvp(f, tuple(args), tuple(tang))
    _same(out, plain, "jvp")
    _close(tout, fd @ tv, "jvp tangent")
    # vjp
    out, pb = ad.vjp(f, *args)
    _same(out, plain, "vjp")
    _close(flat_grad(tuple(pb(1.0))), fd, "vjp cotangent")
    # hessian w.r.t. the first (scalar) argument
    if hess:
        assert isinstance(args[0], float)
        hx = ad.hessian(f)(*args)
        g0 = ad.grad(f)
        rest = args[1:]
        want = (g0(args[0] + 1e-5, *rest) - g0(args[0] - 1e-5, *rest)) / 2e-5
        _close(hx, want, "hessian")


def _params():
    out = []
    for name in PROGRAMS:
        xfail = name in XFAIL and name not in FIXED
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[name])] if xfail else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.mark.parametrize("name", _params())
def test_program(name):
    f, template, opts = PROGRAMS[name]
    expect = opts.get("expect", "exact")
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _ in range(2):
        args = _rebuild(template, iter(rng.uniform(0.6, 1.6, len(_leaves(template)))))
        try:
            _run(f, args, opts.get("hess", False))
        except ad.S2SError as e:
            _check_refusal(e)
            if expect == "exact":
                raise AssertionError(f"wrongful refusal: {e}") from e
            return
    if expect == "refuse":
        raise AssertionError("not refused (class defines __iadd__)")
