"""Tester 112: objects of user classes, cross-cutting (operators, unnamed receivers,
mixed-class loops, properties named like array attributes, records with array fields)."""

import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import s2s_ad as ad

H = 1e-6
RTOL = 1e-5
ATOL = 1e-7


def fd_grad(f, x, *rest):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = H
        g[i] = (f(x + e, *rest) - f(x - e, *rest)) / (2 * H)
    return g


def fd_hess(f, x, *rest):
    h = 1e-4
    x = np.asarray(x, dtype=float)
    n = x.size
    Hm = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ei[i] = h
            ej = np.zeros(n)
            ej[j] = h
            ei = ei.reshape(x.shape)
            ej = ej.reshape(x.shape)
            Hm[i, j] = (
                f(x + ei + ej, *rest)
                - f(x + ei - ej, *rest)
                - f(x - ei + ej, *rest)
                + f(x - ei - ej, *rest)
            ) / (4 * h * h)
    return Hm


def check_all(f, x, *rest):
    """f(x, *rest) scalar; x float array."""
    x = np.asarray(x, dtype=float)
    v0 = f(x, *rest)
    g_fd = fd_grad(f, x, *rest)
    v, g = ad.value_and_grad(f)(x, *rest)
    np.testing.assert_allclose(v, v0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g, g_fd, rtol=RTOL, atol=ATOL)
    gf = ad.grad(f, mode="forward")(x, *rest)
    np.testing.assert_allclose(gf, g_fd, rtol=RTOL, atol=ATOL)
    t = np.linspace(0.3, -0.7, x.size).reshape(x.shape)
    pv, tv = ad.jvp(f, (x, *rest), (t,) + (None,) * len(rest))
    np.testing.assert_allclose(pv, v0, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tv, np.sum(g_fd * t), rtol=RTOL, atol=ATOL)
    out, pb = ad.vjp(f, x, *rest)
    np.testing.assert_allclose(out, v0, rtol=1e-12, atol=1e-12)
    ct = pb(1.5)
    np.testing.assert_allclose(ct[0], 1.5 * g_fd, rtol=RTOL, atol=ATOL)
    hs = ad.hessian(f)(x, *rest)
    np.testing.assert_allclose(
        np.asarray(hs).reshape(x.size, x.size), fd_hess(f, x, *rest), rtol=1e-4, atol=1e-5
    )


# ---------------------------------------------------------------- classes


class Meters:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        if isinstance(o, Meters):
            return Meters(self.v + o.v)
        return NotImplemented

    def __radd__(self, o):
        if o == 0:
            return self
        return NotImplemented

    def __sub__(self, o):
        return Meters(self.v - o.v)

    def __neg__(self):
        return Meters(-self.v)

    def __mul__(self, s):
        if isinstance(s, Meters):
            return NotImplemented
        return Meters(self.v * s)

    def __rmul__(self, s):
        return Meters(s * self.v)

    def norm(self):
        return np.sqrt(np.sum(self.v**2))


class Feet:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return NotImplemented

    def __radd__(self, o):
        # Meters + Feet -> Meters.__add__ gives NotImplemented -> Feet.__radd__
        return Meters(o.v + 0.3048 * self.v)


class Dual:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a + o.a, self.b + o.b)
        return Dual(self.a + o, self.b)

    def __radd__(self, o):
        return Dual(o + self.a, self.b)

    def __sub__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a - o.a, self.b - o.b)
        return Dual(self.a - o, self.b)

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a * o.a, self.a * o.b + self.b * o.a)
        return Dual(self.a * o, self.b * o)

    def __rmul__(self, o):
        return Dual(o * self.a, o * self.b)

    def __neg__(self):
        return Dual(-self.a, -self.b)


class Vec:
    def __init__(self, v):
        self.v = v

    def __matmul__(self, o):
        return np.dot(self.v, o.v)

    def __add__(self, o):
        return Vec(self.v + o.v)

    def __mul__(self, s):
        return Vec(self.v * s)

    def norm(self):
        return np.sqrt(self.v @ self.v)

    def scaled(self, s):
        return Vec(self.v * s)

    @property
    def size(self):
        return np.sum(np.abs(self.v))

    @property
    def T(self):
        return Vec(self.v[::-1])

    @property
    def shape(self):
        return np.max(self.v)


class Mat:
    def __init__(self, M):
        self.M = M

    def __matmul__(self, o):
        if isinstance(o, Vec):
            return Vec(self.M @ o.v)
        return NotImplemented


class Acc:
    """has __iadd__ returning a new object"""

    def __init__(self, t):
        self.t = t

    def __iadd__(self, o):
        return Acc(self.t + o)


class Spring:
    def __init__(self, k):
        self.k = k

    def energy(self, x):
        return 0.5 * self.k * np.sum(x**2)


class Damper:
    def __init__(self, c):
        self.c = c

    def energy(self, x):
        return self.c * np.sum(np.sin(x))


class Particle:
    def __init__(self, pos, mass):
        self.pos = pos
        self.mass = mass

    def potential(self, other):
        d = self.pos - other.pos
        return self.mass * other.mass / np.sqrt(d * d + 1.0)


class Dense:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def f(self, x):
        return np.tanh(self.W @ x + self.b)


class Scale:
    def __init__(self, s):
        self.s = s

    def f(self, x):
        return self.s * x


class Rec(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclasses.dataclass
class DRec:
    W: np.ndarray
    c: float


W0 = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]])
X0 = np.array([0.7, -0.3, 1.1])


# ---------------------------------------------------------------- programs


def p_units_sum(x):
    a = Meters(x)
    b = Meters(x * x)
    c = 2.0 * a + b * 3.0 - (-a)
    return c.norm()


def p_units_builtin_sum(x):
    ms = [Meters(x), Meters(np.sin(x)), Meters(x**3)]
    return sum(ms).norm()


def p_units_notimpl_feet(x):
    m = Meters(x)
    f = Feet(x * x)
    return (m + f).norm()


def p_units_iadd(x):
    a = Meters(x)
    a += Meters(np.cos(x))
    a += Meters(x)
    return a.norm()


def p_acc_iadd(x):
    acc = Acc(0.0)
    for i in range(3):
        acc += np.sum(x ** (i + 1))
    return acc.t


class M2:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        return M2(self.v + o.v)

    def __radd__(self, o):
        return M2(o + self.v)

    def norm(self):
        return np.sqrt(np.sum(self.v**2))


def p_plain_radd_sum(x):
    ms = [M2(x), M2(np.sin(x)), M2(x * x)]
    return sum(ms).norm()


def p_dual_poly(x):
    # derivative of y^3 - 2y + 1 at y = sum(x) via duals, times the value
    y = Dual(np.sum(x), 1.0)
    p = y * y * y - 2.0 * y + 1.0
    return p.a * p.b


def p_dual_radd_rmul(x):
    y = Dual(x[0], x[1])
    z = 3.0 * y + 1.0
    w = 1.0 + z * y
    q = -w
    return q.a * q.a + q.b


def p_vec_matmul(x):
    v = Vec(x)
    w = Vec(np.cos(x))
    return v @ w + (v * 2.0).norm()


def p_mat_vec(x):
    M = Mat(np.outer(x, x) + np.eye(3))
    v = Vec(np.sin(x))
    return (M @ v).norm()


def p_unnamed_chain(x):
    return Vec(x).scaled(3.0).norm() + (Vec(x) + Vec(x * x)).norm()


def p_dict_items(x):
    d = {"a": Dense(W0, np.zeros(2)), "b": Scale(2.0)}
    h = d["a"].f(x)
    return np.sum(d["b"].f(h) ** 2)


def p_list_last(x):
    items = [Scale(0.5), Scale(np.sum(x))]
    return np.sum(items[-1].f(x) * items[0].f(x))


def p_mixed_loop(x):
    total = 0.0
    for term in [Spring(2.0), Damper(0.7), Spring(np.sum(x))]:
        total = total + term.energy(x)
    return total


def p_mixed_loop_appended(x):
    terms = []
    terms.append(Spring(1.5))
    terms.append(Damper(np.cos(x[0])))
    total = 0.0
    for t in terms:
        total += t.energy(x)
    return total


def p_dict_layers(x):
    layers = {"l1": Dense(W0, np.array([0.1, -0.1])), "l2": Scale(1.7)}
    h = x
    for _name, layer in layers.items():
        h = layer.f(h)
    return np.sum(h**2)


def p_dict_values(x):
    layers = {"a": Scale(2.0), "b": Dense(np.eye(3) * 0.5, x)}
    h = x
    for layer in layers.values():
        h = layer.f(h)
    return np.sum(h)


def p_particles(x):
    ps = [Particle(x[0], 1.0), Particle(x[1], 2.0), Particle(x[2], 0.5)]
    e = 0.0
    for i in range(3):
        for j in range(i + 1, 3):
            e = e + ps[i].potential(ps[j])
    return e


def p_particles_forces(x):
    ps = [Particle(xi, 1.0 + 0.1 * k) for k, xi in enumerate(x)]
    e = 0.0
    for p in ps:
        for q in ps:
            if p is not q:
                e = e + 0.5 * p.potential(q)
    return e


def p_props_made_here(x):
    v = Vec(x)
    return v.size + v.T.norm() * v.shape


def p_props_unnamed(x):
    return (Vec(x) * 2.0).size + Vec(x).T.v[0]


def p_props_arg(x, v):
    return np.sum(x * v.size) + v.shape * x[0]


def p_rec_T(x, rec):
    return np.sum(np.tanh(rec.W.T @ (rec.W @ x + rec.b)))


def p_rec_shape(x, rec):
    n = rec.W.shape[0]
    return np.sum(rec.W @ x) / n + rec.W.shape[1] * np.sum(x**2)


def p_drec(x, d):
    return d.c * np.sum((d.W.T @ d.W @ x) ** 2)


def p_rec_made_here(x):
    r = Rec(W0 * np.sum(x), np.ones(2))
    return np.sum(r.W.T @ (r.W @ x)) + r.W.shape[0]


def p_neg_sub_chain(x):
    a = Meters(x)
    b = Meters(np.exp(x))
    c = -(a - b) - (-b)
    return np.sum(c.v**2)


def p_helper_builds(x):
    return total_energy([Spring(1.0), Damper(2.0)], x)


def total_energy(terms, x):
    e = 0.0
    for t in terms:
        e = e + t.energy(x)
    return e


PROGRAMS = {
    "units_sum": p_units_sum,
    "units_builtin_sum": p_units_builtin_sum,
    "units_notimpl_feet": p_units_notimpl_feet,
    "units_iadd": p_units_iadd,
    "plain_radd_sum": p_plain_radd_sum,
    "dual_poly": p_dual_poly,
    "dual_radd_rmul": p_dual_radd_rmul,
    "vec_matmul": p_vec_matmul,
    "mat_vec": p_mat_vec,
    "unnamed_chain": p_unnamed_chain,
    "dict_items": p_dict_items,
    "list_last": p_list_last,
    "mixed_loop": p_mixed_loop,
    "mixed_loop_appended": p_mixed_loop_appended,
    "dict_layers": p_dict_layers,
    "dict_values": p_dict_values,
    "particles": p_particles,
    "particles_forces": p_particles_forces,
    "props_made_here": p_props_made_here,
    "props_unnamed": p_props_unnamed,
    "rec_made_here": p_rec_made_here,
    "neg_sub_chain": p_neg_sub_chain,
    "helper_builds": p_helper_builds,
}

# (the one finding, "units_builtin_sum": `sum(...)` of a class whose `__radd__` is
# `if o == 0: return self` / `return NotImplemented` was refused; a comparison of literals is
# decided when the derivative is made since session 45, so `0 == 0` picks `return self`)
XFAIL: dict = {}


def _params():
    out = []
    for k, f in PROGRAMS.items():
        marks = [pytest.mark.xfail(strict=True, reason=XFAIL[k])] if k in XFAIL else []
        out.append(pytest.param(f, id=k, marks=marks))
    return out


@pytest.mark.parametrize("f", _params())
def test_program(f):
    check_all(f, X0)


def test_props_arg():
    check_all(p_props_arg, X0, Vec(np.array([1.0, -2.0, 0.5])))


def test_rec_T_wrt_x():
    check_all(p_rec_T, X0, Rec(W0, np.array([0.2, -0.1])))


def test_rec_shape_wrt_x():
    check_all(p_rec_shape, X0, Rec(W0, np.array([0.2, -0.1])))


def test_drec_wrt_x():
    check_all(p_drec, X0, DRec(W0, 0.7))


def test_rec_T_wrt_rec():
    rec = Rec(W0, np.array([0.2, -0.1]))
    g = ad.grad(p_rec_T, wrt=1)(X0, rec)
    gfw = ad.grad(p_rec_T, wrt=1, mode="forward")(X0, rec)
    gW = fd_grad(lambda W: p_rec_T(X0, Rec(W, rec.b)), W0)
    gb = fd_grad(lambda b: p_rec_T(X0, Rec(W0, b)), rec.b)
    for gg in (g, gfw):
        assert isinstance(gg, Rec)
        np.testing.assert_allclose(gg.W, gW, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(gg.b, gb, rtol=RTOL, atol=ATOL)


def test_drec_wrt_rec_and_hessian():
    d = DRec(W0, 0.7)
    g = ad.grad(p_drec, wrt=1)(X0, d)
    gW = fd_grad(lambda W: p_drec(X0, DRec(W, 0.7)), W0)
    gc = fd_grad(lambda c: p_drec(X0, DRec(W0, float(c))), np.array(0.7))
    np.testing.assert_allclose(g.W, gW, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(g.c, gc, rtol=RTOL, atol=ATOL)
    h = ad.hessian(p_drec, wrt=1)(X0, d)
    # d2f/dc dW = gW / c
    np.testing.assert_allclose(h.c.W, gW / 0.7, rtol=1e-5, atol=1e-7)


def test_props_arg_wrt_obj():
    v = Vec(np.array([1.0, -2.0, 0.5]))
    g = ad.grad(p_props_arg, wrt=1)(X0, v)
    gfd = fd_grad(lambda a: p_props_arg(X0, Vec(a)), v.v)
    np.testing.assert_allclose(g.v, gfd, rtol=RTOL, atol=ATOL)


def test_iadd_class_refused_located():
    # README: `a += b` is refused where the class defines `__iadd__` (located error).
    with pytest.raises(Exception) as ei:
        ad.grad(p_acc_iadd)(X0)
    assert "test_objects_cross_cutting_independent.py" in str(ei.value)
    assert "__iadd__" in str(ei.value)
