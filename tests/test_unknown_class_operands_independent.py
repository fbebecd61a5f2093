"""Independent tests (tester 107): objects of unknown class as operands, isinstance inside
operator methods, literal ``if`` tests, and plain numeric code.

Written from the README and the spec only. Every program is compared against central
differences under value_and_grad, grad (reverse and forward), jvp, vjp and hessian. A located
refusal (an S2SError naming this file and a line) is accepted only for the programs of claim 1
(an operand whose class s2s_ad cannot know when it makes the derivative).
"""

import math
import os
import re

import numpy as np
import pytest

import s2s_ad as ad

THIS = os.path.basename(__file__)


# ---------------------------------------------------------------- classes of claim 1
class Heavy:
    def __init__(self, m):
        self.m = m

    def __mul__(self, o):
        return self.m * o * 2.0

    def __rmul__(self, o):
        return o * self.m * 2.0

    def __add__(self, o):
        return self.m + o

    def __radd__(self, o):
        return o + self.m

    def __neg__(self):
        return -2.0 * self.m

    def __matmul__(self, o):
        return self.m * o


class Light:
    def __init__(self, m):
        self.m = m

    def __mul__(self, o):
        return self.m * self.m * o

    def __rmul__(self, o):
        return o * self.m * self.m

    def __add__(self, o):
        return 3.0 * self.m + o

    def __radd__(self, o):
        return o + 3.0 * self.m

    def __neg__(self):
        return -(self.m**3)

    def __matmul__(self, o):
        return self.m * o * o


class Base:
    def __init__(self, v):
        self.v = v

    def __add__(self, o):
        if isinstance(o, Base):
            return self.v + o.v
        return self.v + o

    def __radd__(self, o):
        return o + self.v


class SubR(Base):
    def __radd__(self, o):
        if isinstance(o, Base):
            return o.v * self.v
        return o * self.v


PICK = 1


# ---------------------------------------------------------------- classes of claim 2
class Vec:
    def __init__(self, a, b):
        self.a = a
        self.b = b

    def __add__(self, o):
        if isinstance(o, Vec):
            return Vec(self.a + o.a, self.b + o.b)
        return Vec(self.a + o, self.b + o)

    def __radd__(self, o):
        return Vec(o + self.a, o + self.b)

    def __mul__(self, o):
        if isinstance(o, Vec):
            return self.a * o.a + self.b * o.b
        return Vec(self.a * o, self.b * o)

    def __rmul__(self, o):
        return Vec(o * self.a, o * self.b)

    def __neg__(self):
        return Vec(-self.a, -self.b)

    def __matmul__(self, o):
        return self.a * o.b - self.b * o.a

    def n2(self):
        return self.a * self.a + self.b * self.b


class SubVec(Vec):
    def n2(self):
        return 2.0 * (self.a * self.a + self.b * self.b)


class Num:
    def __init__(self, v):
        self.v = v

    def __mul__(self, o):
        if isinstance(o, Num):
            return Num(self.v * o.v)
        elif isinstance(o, (int, float)):
            return Num(self.v * o)
        raise TypeError("bad operand")

    def __add__(self, o):
        if isinstance(o, Num):
            return Num(self.v + o.v)
        return Num(self.v + o)


class Strict:
    def __init__(self, v):
        self.v = v

    def __mul__(self, o):
        if isinstance(o, Strict):
            return self.v * o.v
        elif isinstance(o, float):
            return self.v * o * 10.0
        else:
            raise TypeError("only floats and Stricts")


def vdot(u, w):
    return u * w


# ---------------------------------------------------------------- claim 1 programs
def c1_loop_mixed_mul(x, y):
    ps = [Heavy(x), Light(y)]
    s = 0.0
    for p in ps:
        s = s + p * x
    return s


def c1_loop_mixed_add(x, y):
    ps = [Heavy(x), Light(y)]
    s = 0.5
    for p in ps:
        s = p + s * y
    return s


def c1_loop_mixed_rmul(x, y):
    ps = [Light(x), Heavy(y), Light(x * y)]
    s = 0.0
    for p in ps:
        s = s + x * p
    return s


def c1_index_mixed(x, y):
    ps = [Heavy(x), Light(y)]
    s = 0.0
    for i in range(len(ps)):
        s = s + ps[i] * y
    return s


def c1_while_index_mixed(x, y):
    ps = [Light(x), Heavy(y), Light(y)]
    s = 1.0
    i = 0
    while i < 3:
        s = s + ps[i] * s
        i += 1
    return s


def c1_dict_values_mixed(x, y):
    d = {"h": Heavy(x), "l": Light(y)}
    s = 0.0
    for p in d.values():
        s = s + 2.0 * p
    return s


def c1_neg_mixed(x, y):
    ps = [Heavy(x), Light(y)]
    s = 0.0
    for p in ps:
        s = s + (-p)
    return s


def c1_matmul_mixed(x, y):
    ps = [Light(x), Heavy(y)]
    s = 0.0
    for p in ps:
        s = s + p @ y
    return s


def c1_subclass_radd_picked(x, y):
    vs = [Base(y), SubR(y)]
    v = vs[PICK]
    s = Base(x)
    return s + v


def c1_index_one_class(x, y):
    hs = [Heavy(x), Heavy(y), Heavy(x * y)]
    s = 0.0
    for i in range(len(hs)):
        s = s + hs[i] * y
    return s


def c1_dict_values_one_class(x, y):
    d = {"a": Light(x), "b": Light(y)}
    s = 0.0
    for p in d.values():
        s = s + p * x
    return s


def c1_particles_energy(x, y):
    # a particle list of two kinds, energies summed with operators
    parts = [Heavy(x), Light(y), Heavy(y)]
    e = 0.0
    for q in parts:
        e = e + q * (x - y) * (x - y)
    return e


# ---------------------------------------------------------------- known classes (must be exact)
def k_loop_one_class(x, y):
    ps = [Heavy(x), Heavy(y)]
    s = 0.0
    for p in ps:
        s = s + p * x
    return s


def k_subclass_radd_direct(x, y):
    return Base(x) + SubR(y)


def k_base_plus_base(x, y):
    return Base(x) + Base(y) * 1.0 if False else Base(x) + Base(y)


# ---------------------------------------------------------------- claim 2 programs
def c2_vec_times_float(x, y):
    v = Vec(x, y) * 2.0
    return v.n2()


def c2_vec_times_vec(x, y):
    return Vec(x, y) * Vec(y, x)


def c2_float_times_vec(x, y):
    return (2.5 * Vec(x, y)).n2()


def c2_vec_plus_vec_dot(x, y):
    u = Vec(x, y) + Vec(y, 1.0)
    return u * u


def c2_vec_plus_scalar_dot(x, y):
    u = Vec(x, y) + 3.0
    return u * Vec(y, x * x)


def c2_neg_matmul(x, y):
    return -Vec(x, y) @ Vec(y * y, x)


def c2_loop_rebind(x, y):
    v = Vec(x, y)
    for _ in range(3):
        v = v * 0.5 + v
    return v * Vec(1.0, x)


def c2_num_int_literal(x, y):
    r = Num(x) * 3 + Num(y) * Num(x)
    return r.v


def c2_num_float_literal(x, y):
    r = (Num(x) + 1.5) * Num(y) * 0.25
    return r.v * r.v


def c2_vec_int_literal(x, y):
    return (Vec(x, y) * 2).n2()


def c2_strict_float(x, y):
    return Strict(x) * 0.5 + Strict(y) * Strict(x)


def c2_accumulate_list(x, y):
    vs = [Vec(x, y), Vec(y, x), Vec(x * y, 1.0)]
    acc = Vec(0.0, 0.0)
    for v in vs:
        acc = acc + v
    return acc * acc


def c2_helper_dot(x, y):
    return vdot(Vec(x, y), Vec(x, 2.0 * y)) + vdot(Vec(y, y), 3.0).n2()


def c2_subvec_isinstance(x, y):
    u = SubVec(x, y)
    w = u * Vec(y, x)
    return w + (u * 2.0).n2()


def c2_array_components(a):
    u = Vec(a[0:2], a[2:4])
    w = Vec(np.sin(a[2:4]), a[0:2] * a[0:2])
    return np.sum(u * w) + np.sum((u * 2.0).n2())


# ---------------------------------------------------------------- claim 3 programs
def c3_if_true_dead_log(x, y):
    if True:  # noqa: SIM108
        z = x * x * y
    else:
        z = math.log(x)
    return z


def c3_if_false_dead_sqrt(x, y):
    if False:
        return math.sqrt(x) + math.log(y)
    return x * y + np.sin(x)


def c3_if_true_in_loop(x, y):
    s = 0.0
    for i in range(3):
        if True:  # noqa: SIM108
            s = s + x * i + y * y
        else:
            s = s / (x - x)
    return s


def c3_if_false_dead_mixed_objects(x, y):
    if False:
        ps = [Heavy(x), Light(y)]
        s = 0.0
        for p in ps:
            s = s + p * x
        return s
    return (Vec(x, y) * Vec(x, y)) * y


def c3_if_one_literal(x, y):
    if 1:  # noqa: SIM108
        r = np.exp(x) * y
    else:
        r = math.acos(x)
    return r


# ---------------------------------------------------------------- claim 4 programs
def c4_isinstance_float(x, y):
    if isinstance(x, float):
        return x**3 * y
    return 0.0


def c4_isinstance_tuple(x, y):
    if isinstance(y, (int, float)):  # noqa: SIM108
        r = x * y + y
    else:
        r = x
    return r * r


def c4_isinstance_array(a):
    if isinstance(a, np.ndarray):
        return np.sum(np.tanh(a) * a)
    return 0.0


def c4_computed_index(a):
    s = 0.0
    for i in range(len(a) - 1):
        s = s + a[i] * a[i + 1]
    return s


def c4_dict_floats(x, y):
    d = {"p": x * y, "q": np.cos(x), "r": y * y}
    s = 0.0
    for v in d.values():
        s = s + v * v
    return s


def c4_list_floats_if_true(x, y):
    vals = [x, y, x * y]
    s = 1.0
    for v in vals:
        if True:
            s = s * (1.0 + v)
    return s


# ---------------------------------------------------------------- table
XY = (0.7, -1.3)
ARR = (np.array([0.3, -0.8, 1.1, 0.5]),)

PROGRAMS = [
    # name, function, args, refusal allowed (claim 1)
    (c1_loop_mixed_mul, XY, True),
    (c1_loop_mixed_add, XY, True),
    (c1_loop_mixed_rmul, XY, True),
    (c1_index_mixed, XY, True),
    (c1_while_index_mixed, XY, True),
    (c1_dict_values_mixed, XY, True),
    (c1_neg_mixed, XY, True),
    (c1_matmul_mixed, XY, True),
    (c1_subclass_radd_picked, XY, True),
    (c1_index_one_class, XY, True),
    (c1_dict_values_one_class, XY, True),
    (c1_particles_energy, XY, True),
    (k_loop_one_class, XY, False),
    (k_subclass_radd_direct, XY, False),
    (k_base_plus_base, XY, False),
    (c2_vec_times_float, XY, False),
    (c2_vec_times_vec, XY, False),
    (c2_float_times_vec, XY, False),
    (c2_vec_plus_vec_dot, XY, False),
    (c2_vec_plus_scalar_dot, XY, False),
    (c2_neg_matmul, XY, False),
    (c2_loop_rebind, XY, False),
    (c2_num_int_literal, XY, False),
    (c2_num_float_literal, XY, False),
    (c2_vec_int_literal, XY, False),
    (c2_strict_float, XY, False),
    (c2_accumulate_list, XY, False),
    (c2_helper_dot, XY, False),
    (c2_subvec_isinstance, XY, False),
    (c2_array_components, ARR, False),
    (c3_if_true_dead_log, (-0.7, 1.3), False),
    (c3_if_false_dead_sqrt, (-0.7, -1.3), False),
    (c3_if_true_in_loop, XY, False),
    (c3_if_false_dead_mixed_objects, XY, False),
    (c3_if_one_literal, (1.7, 0.4), False),
    (c4_isinstance_float, XY, False),
    (c4_isinstance_tuple, XY, False),
    (c4_isinstance_array, ARR, False),
    (c4_computed_index, ARR, False),
    (c4_dict_floats, XY, False),
    (c4_list_floats_if_true, XY, False),
]

APIS = ["value", "grad_rev", "grad_fwd", "jvp", "vjp", "hessian"]

# (program name, api) -> reason; filled from the runs (strict xfails). The one finding, a
# method called on an operator's or helper's result without a name (`(Vec(x, y) * 2.0).n2()`,
# "c2_float_times_vec", "c2_vec_int_literal", "c2_helper_dot", "c2_subvec_isinstance",
# "c2_array_components": refused as 'method `.n2()` of a local value'), is fixed in session 45.
FINDINGS: dict = {}


# ---------------------------------------------------------------- helpers
def _flat(args):
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in args])


def _unflat(vec, like):
    out, k = [], 0
    for a in like:
        if np.ndim(a) == 0:
            out.append(float(vec[k]))
            k += 1
        else:
            n = np.size(a)
            out.append(vec[k : k + n].reshape(np.shape(a)).copy())
            k += n
    return tuple(out)


def _f_flat(f, like):
    return lambda v: float(f(*_unflat(v, like)))


def _fd_grad(f, args, h=1e-6):
    g0 = _f_flat(f, args)
    v = _flat(args)
    g = np.zeros_like(v)
    for i in range(v.size):
        e = np.zeros_like(v)
        e[i] = h
        g[i] = (g0(v + e) - g0(v - e)) / (2 * h)
    return g


def _fd_hess(f, args, h=1e-3):
    g0 = _f_flat(f, args)
    v = _flat(args)
    n = v.size
    H = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = h
            ej[j] = h
            H[i, j] = (g0(v + ei + ej) - g0(v + ei - ej) - g0(v - ei + ej) + g0(v - ei - ej)) / (
                4 * h * h
            )
    return H


def _flat_grads(g, args):
    if len(args) == 1 and not isinstance(g, tuple):
        g = (g,)
    return np.concatenate([np.ravel(np.asarray(gi, dtype=float)) for gi in g])


def _flat_hess(H, args):
    sizes = [int(np.size(a)) for a in args]
    if len(args) == 1 and not isinstance(H, tuple):
        return np.asarray(H, dtype=float).reshape(sizes[0], sizes[0])
    if len(args) == 1 and isinstance(H, tuple) and not isinstance(H[0], tuple):
        return np.asarray(H[0], dtype=float).reshape(sizes[0], sizes[0])
    rows = []
    for i in range(len(args)):
        rows.append(
            np.hstack(
                [
                    np.asarray(H[i][j], dtype=float).reshape(sizes[i], sizes[j])
                    for j in range(len(args))
                ]
            )
        )
    return np.vstack(rows)


def _close(a, b, rtol, atol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.all(np.abs(a - b) <= atol + rtol * np.abs(b)), (a, b)


def _run(f, args, api):
    wrt = tuple(range(len(args))) if len(args) > 1 else 0
    if api == "value":
        val, _ = ad.value_and_grad(f, wrt=wrt)(*args)
        _close(val, f(*args), 1e-12, 1e-12)
        return
    if api in ("grad_rev", "grad_fwd"):
        mode = "reverse" if api == "grad_rev" else "forward"
        g = ad.grad(f, wrt=wrt, mode=mode)(*args)
        _close(_flat_grads(g, args), _fd_grad(f, args), 1e-6, 1e-7)
        return
    if api == "jvp":
        rng = np.random.default_rng(7)
        t = _unflat(rng.standard_normal(_flat(args).size), args)
        val, tan = ad.jvp(f, args, t)
        _close(val, f(*args), 1e-12, 1e-12)
        _close(tan, _fd_grad(f, args) @ _flat(t), 1e-6, 1e-7)
        return
    if api == "vjp":
        val, pb = ad.vjp(f, *args)
        _close(val, f(*args), 1e-12, 1e-12)
        ct = pb(1.5)
        if not isinstance(ct, tuple):
            ct = (ct,)
        _close(_flat_grads(tuple(ct), args), 1.5 * _fd_grad(f, args), 1e-6, 1e-7)
        return
    if api == "hessian":
        H = ad.hessian(f, wrt=wrt)(*args)
        _close(_flat_hess(H, args), _fd_hess(f, args), 1e-4, 1e-5)
        return
    raise AssertionError(api)


def _located(err):
    msg = str(err)
    return THIS in msg and re.search(r"(line \d+|:\d+)", msg) is not None


CASES = []
for _f, _args, _may_refuse in PROGRAMS:
    for _api in APIS:
        _marks = []
        _reason = FINDINGS.get((_f.__name__, _api))
        if _reason:
            _marks.append(pytest.mark.xfail(strict=True, reason=_reason))
        CASES.append(
            pytest.param(_f, _args, _may_refuse, _api, marks=_marks, id=f"{_f.__name__}-{_api}")
        )


@pytest.mark.parametrize("f, args, may_refuse, api", CASES)
def test_program(f, args, may_refuse, api):
    # the plain call must work (sanity of the program itself)
    f(*args)
    try:
        _run(f, args, api)
    except ad.S2SError as err:
        if may_refuse and _located(err):
            return  # claim 1: a located refusal is acceptable
        raise
