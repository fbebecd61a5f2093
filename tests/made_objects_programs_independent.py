# ruff: noqa: B023, SIM108, RUF059  (late binding and unused eig outputs are what is tested)
"""Programs for tester 83: objects made inside the function, lists of lambdas, eig.

Every program takes float64 arrays and returns a float scalar.
"""

import dataclasses

import made_objects_lib_independent as mlib
import numpy as np
from made_objects_lib_independent import Affine as LibAffine

SCALE = 0.7
W3 = np.array([[0.5, -0.2, 0.1], [0.3, 0.4, -0.6], [-0.1, 0.2, 0.8]])
C3 = np.array([0.3, -1.1, 0.7])


# ---------------------------------------------------------------------------------------------
# classes
# ---------------------------------------------------------------------------------------------


class Holder:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x**2)

    def scaled(self, s):
        return Holder(self.w * s)

    def twice(self, x):
        return 2.0 * self.energy(x)

    def global_energy(self, x):
        return SCALE * np.sum(np.sin(self.w) * x)


class Other:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(np.exp(self.w) * x)


class Model:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)


class Layer:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def __call__(self, x):
        return np.sin(self.W @ x) + self.b


class Sq:
    def __init__(self, v):
        self.v = v

    @property
    def norm2(self):
        return np.sum(self.v**2)

    @property
    def unit(self):
        return self.v / np.sqrt(self.norm2)


class Util:
    @staticmethod
    def squash(x):
        return x / (1.0 + x**2)

    def apply(self, x):
        return np.sum(self.squash(x))


class Computed:
    """`__init__` computes attributes from its arguments (stores expressions)."""

    def __init__(self, W, s):
        self.W = np.tanh(W) * s
        self.n = np.sum(W**2)

    def value(self, x):
        return np.sum(self.W * x) + self.n * np.sum(x)


class WithDefault:
    def __init__(self, a, b=2.0, *, c=0.5):
        self.a = a
        self.b = b
        self.c = c

    def value(self, x, p=3.0):
        return np.sum(self.a * x**p) * self.b + self.c * np.sum(x)


class Busy:
    """`__init__` does more than store values (a loop)."""

    def __init__(self, w, n):
        acc = 0.0
        for k in range(n):
            acc = acc + w * (k + 1)
        self.w = acc

    def value(self, x):
        return np.sum(self.w * x)


class Inner:
    def __init__(self, a):
        self.a = a

    def f(self, x):
        return np.sum(np.cos(self.a * x))


class Outer:
    def __init__(self, inner, s):
        self.inner = inner
        self.s = s

    def f(self, x):
        return self.s * self.inner.f(x)


class Base:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * x)


class Sub(Base):
    def energy(self, x):
        return super().energy(x) ** 2 + np.sum(self.w)


class Counter:
    def __init__(self, w):
        self.w = w
        self.hits = 0.0

    def value(self, x):
        return np.sum(self.w * x) * (1.0 + self.hits)


class Chain:
    def __init__(self, a):
        self.a = a

    def step(self, x):
        return np.tanh(self.a * x)

    def run(self, x, n):
        for _ in range(n):
            x = self.step(x)
        return x

    def __call__(self, x):
        return np.sum(self.run(x, 3))


@dataclasses.dataclass
class DC:
    a: np.ndarray
    b: float = 1.0

    def value(self, x):
        return np.sum(self.a * np.exp(self.b * x))


class Tagged:
    def __init__(self, w, tag):
        self.w = w
        self.tag = tag

    def value(self, x):
        if self.tag == "sq":
            return np.sum(self.w * x**2)
        return np.sum(self.w * x)


def use_holder(h, x):
    return h.energy(x) + 1.0


def use_two(a, b, x):
    return a.energy(x) * b.energy(x)


# ---------------------------------------------------------------------------------------------
# 1. objects made inside the function: programs of one argument x (3,)
# ---------------------------------------------------------------------------------------------


def o_holder_inline(x):
    return Holder(np.sin(x)).energy(x)


def o_holder_named(x):
    h = Holder(x**2)
    return h.energy(x)


def o_model_forward(x):
    h = Model(W3, x * 0.5)
    return np.sum(h.forward(x) ** 2)


def o_model_W_from_x(x):
    W = np.outer(x, x) * 0.3
    h = Model(W, C3)
    return np.sum(h.forward(x))


def o_layer_call(x):
    return np.sum(Layer(W3, x**2)(x))


def o_layer_named_call(x):
    lay = Layer(W3 * x[0], C3)
    return np.sum(lay(x) ** 2)


def o_property(x):
    s = Sq(x * 2.0)
    return s.norm2 + np.sum(s.unit * C3)


def o_property_inline(x):
    return Sq(np.cos(x)).norm2


def o_static_through_object(x):
    u = Util()
    return np.sum(u.squash(x)) + u.apply(x * 2.0)


def o_static_inline(x):
    return np.sum(Util().squash(x**2))


def o_method_returns_object(x):
    return Holder(x).scaled(2.0).energy(x)


def o_method_returns_object_named(x):
    h = Holder(np.exp(x))
    g = h.scaled(x[1])
    return g.energy(x) - h.energy(x)


def o_lib_call(x):
    return np.sum(LibAffine(W3, x)(x))


def o_lib_module_attr(x):
    q = mlib.Quad(x)
    return q.value(x) + q.size2


def o_lib_same_name(x):
    return mlib.Holder(x).energy(x) + Holder(x).energy(x)


def o_loop_made(x):
    s = 0.0
    for k in range(3):
        h = Holder(x * (k + 1.0))
        s = s + h.energy(x)
    return s


def o_loop_made_chain(x):
    h = Holder(x)
    for _ in range(3):
        h = h.scaled(0.5)
    return h.energy(x)


def o_two_objects(x):
    a = Holder(x)
    b = Holder(x**2)
    return a.energy(x) * b.energy(x) + a.energy(x**2)


def o_made_twice(x):
    h = Holder(x)
    e1 = h.energy(x)
    h = Holder(np.sin(x))
    e2 = h.energy(x)
    return e1 * 2.0 + e2


def o_made_twice_other_class(x):
    h = Holder(x)
    e1 = h.energy(x)
    h = Other(x)
    return e1 + h.energy(x)


def o_given_to_helper(x):
    h = Holder(np.tanh(x))
    return use_holder(h, x) ** 2


def o_two_given_to_helper(x):
    return use_two(Holder(x), Holder(np.cos(x)), x)


def o_method_reads_global(x):
    return Holder(x).global_energy(x)


def o_method_calls_method(x):
    return Holder(x**2).twice(x)


def o_init_computes(x):
    c = Computed(x, 2.0)
    return c.value(x)


def o_init_computes_fixed_W(x):
    c = Computed(C3, x[0])
    return c.value(x)


def o_defaults_kwonly(x):
    a = WithDefault(x)
    b = WithDefault(x**2, 0.5, c=x[0])
    return a.value(x) + b.value(x, p=2.0)


def o_nested_objects(x):
    o = Outer(Inner(x), x[2])
    return o.f(x) + o.inner.f(x * 2.0)


def o_subclass_super(x):
    return Sub(x).energy(x)


def o_attr_read(x):
    h = Holder(x**3)
    return np.sum(h.w) + np.sum(Holder(x).w * x)


def o_chain_call_loop(x):
    return Chain(x)(x)


def o_dataclass_made(x):
    d = DC(x, b=0.5)
    return d.value(x) + DC(np.cos(x)).value(x)


def o_tag_branch_in_method(x):
    return Tagged(x, "sq").value(x) + Tagged(x, "lin").value(x)


def o_made_in_branch_used_inside(x):
    if np.sum(x) > 0:
        h = Holder(x)
        r = h.energy(x)
    else:
        h = Holder(-x)
        r = h.energy(x)
    return r


def o_in_list_loop(x):
    hs = [Holder(x), Holder(x**2), Holder(np.sin(x))]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def o_in_comprehension(x):
    return sum(Holder(x * c).energy(x) for c in (1.0, 2.0, 3.0))


def o_busy_init_fixed(x):
    b = Busy(C3, 3)
    return b.value(x)


def o_counter_hits(x):
    c = Counter(x)
    return c.value(x)


# objects made from one argument, differentiated with respect to another


def o2_wrt_second(w, x):
    h = Holder(w)
    return h.energy(x) + Model(W3, w).forward(x) @ x


def o2_wrt_first_fixed_data(w, x):
    lay = Layer(np.outer(w, x), x)
    return np.sum(lay(w))


# expected refusals (README: "not yet" / "refused with a located error")


def r_made_in_branch_read_after(x):
    if np.sum(x) > 0:
        h = Holder(x)
    else:
        h = Holder(-x)
    return h.energy(x)


def r_rebound_other_class_in_branch(x):
    h = Holder(x)
    if x[0] > 0:
        h = Other(x)
    return h.energy(x)


def r_busy_init_active(x):
    b = Busy(x, 3)
    return b.value(x)


def r_attr_assign(x):
    h = Holder(x)
    h.w = x**2
    return h.energy(x)


# ---------------------------------------------------------------------------------------------
# 2. lists of lambdas made by comprehensions
# ---------------------------------------------------------------------------------------------


def apply_all(fs, x):
    s = 0.0
    for f in fs:
        s = s + np.sum(f(x))
    return s


def apply_second(fs, x):
    return np.sum(fs[1](x))


def l_powers_loop(x):
    fs = [lambda v, k=k: v**k for k in range(3)]
    s = 0.0
    for f in fs:
        s = s + np.sum(f(x))
    return s


def l_late_binding(x):
    fs = [lambda v: v * k for k in (1.0, 2.0)]
    return np.sum(fs[0](x) ** 2) + np.sum(fs[1](x))


def l_late_binding_loop(x):
    fs = [lambda v: np.sin(v) * k for k in (1.0, 2.0, 5.0)]
    s = 0.0
    for f in fs:
        s = s + np.sum(f(x))
    return s


def l_kwonly_defaults(x):
    fs = [lambda v, *, k=k: v * k for k in (1.0, 3.0)]
    return np.sum(fs[0](x) * fs[1](x))


def l_indexed(x):
    fs = [lambda v, k=k: np.sin(v * k) for k in (0.5, 1.5, 2.5)]
    return np.sum(fs[-1](x)) + np.sum(fs[0](x) ** 2)


def l_to_helper(x):
    fs = [lambda v, k=k: np.exp(v / k) for k in (1.0, 2.0)]
    return apply_all(fs, x) + apply_second(fs, x)


def l_enumerate(x):
    fs = [lambda v, k=k: v ** (k + 1) for k in range(3)]
    s = 0.0
    for i, f in enumerate(fs):
        s = s + (i + 1.0) * np.sum(f(x))
    return s


def l_closes_over_x(x):
    fs = [lambda v, k=k: v * x[k] for k in range(3)]
    return np.sum(fs[0](x) + fs[2](x**2))


def l_late_closure_x(x):
    fs = [lambda v: v + k * x for k in range(3)]
    return np.sum(fs[0](x) * fs[1](x))


def l_default_from_x(x):
    fs = [lambda v, c=x[k]: v * c for k in range(2)]
    return np.sum(fs[0](x)) + np.sum(fs[1](x) ** 2)


def l_over_functions(x):
    fs = [lambda v, g=g: g(v) * 2.0 for g in (np.sin, np.cos, np.tanh)]
    return apply_all(fs, x)


def l_with_condition(x):
    fs = [lambda v, k=k: v**k for k in range(4) if k != 2]
    return apply_all(fs, x)


def l_two_fors(x):
    fs = [lambda v, a=a, b=b: a * v + b * v**2 for a in (1.0, 2.0) for b in (0.5, -0.5)]
    return apply_all(fs, x)


def l_enclosing_rebound(x):
    c = 1.0
    fs = [lambda v: v * c for _ in range(2)]
    c = 3.0
    return np.sum(fs[0](x) ** 2)


def l_enclosing_rebound_x(x):
    c = x
    fs = [lambda v: v * c for _ in range(2)]
    c = x**2
    return np.sum(fs[1](x))


def l_nested_call(x):
    fs = [lambda v, k=k: np.tanh(k * v) for k in (1.0, 2.0)]
    return np.sum(fs[1](fs[0](x)))


def l_in_method_obj(x):
    fs = [lambda v, k=k: Holder(v * k).energy(v) for k in (1.0, 2.0)]
    return fs[0](x) + fs[1](x)


# expected refusals: comprehensions over computed values


def r_lambdas_over_array(x):
    fs = [lambda v, c=c: v * c for c in x]
    return np.sum(fs[0](x))


def r_lambdas_over_computed_range(x):
    n = x.shape[0]
    fs = [lambda v, k=k: v**k for k in range(n)]
    return apply_all(fs, x)


def r_lambda_computed_index(x):
    fs = [lambda v, k=k: v * k for k in (1.0, 2.0)]
    i = int(x[0] > 0)
    return np.sum(fs[i](x))


# ---------------------------------------------------------------------------------------------
# 3. eig and eigvals
# ---------------------------------------------------------------------------------------------

T3 = np.array([[1.0, 0.4, -0.3], [0.0, 2.2, 0.5], [0.0, 0.0, 3.7]])
U3 = np.array([[0.2, -0.1, 0.3], [0.4, 0.1, -0.2], [-0.3, 0.2, 0.1]])


def mat(x):
    return T3 + 0.3 * np.outer(x, C3) + 0.2 * np.diag(x**2) + U3 * x[0]


def e_eigvals_sum_sq(x):
    return np.sum(np.linalg.eigvals(mat(x)) ** 2)


def e_eigvals_sorted_weighted(x):
    w = np.sort(np.linalg.eigvals(mat(x)))
    return w @ np.array([1.0, -2.0, 0.5]) + np.prod(w)


def e_eig_values(x):
    w, V = np.linalg.eig(mat(x))
    return np.sum(np.sin(w))


def e_eig_max(x):
    w, _ = np.linalg.eig(mat(x))
    return np.max(w) * np.min(w)


def e_eig_vectors_sq(x):
    w, V = np.linalg.eig(mat(x))
    return np.sum(V**2 * W3)


def e_eig_vector_products(x):
    w, V = np.linalg.eig(mat(x))
    return (V[:, 0] @ V[:, 1]) ** 2 + (V[0, 2] * V[1, 2])


def e_eig_projector(x):
    w, V = np.linalg.eig(mat(x))
    k = np.argmax(w)
    v = V[:, k]
    return v @ W3 @ v


def e_eig_reconstruct(x):
    w, V = np.linalg.eig(mat(x))
    A = V @ np.diag(w) @ np.linalg.inv(V)
    return np.sum(A * W3)


def e_eig_both(x):
    w, V = np.linalg.eig(mat(x))
    return np.sum(w * np.sum(V**2 * C3[:, None], axis=0))


def e_eig_full_matrix(a):
    w, V = np.linalg.eig(a)
    return np.sum(w**3) + np.sum((V * V) @ C3)


def e_eigvals_full_matrix(a):
    return np.sum(np.exp(np.linalg.eigvals(a) * 0.5))


def e_eig_in_loop(x):
    s = 0.0
    for k in range(2):
        w = np.linalg.eigvals(mat(x * (k + 1.0) * 0.5))
        s = s + np.sum(w**2) * (k + 1.0)
    return s


def e_eig_in_object(x):
    return Spec(mat(x)).top(x)


class Spec:
    def __init__(self, a):
        self.a = a

    def top(self, x):
        w, V = np.linalg.eig(self.a)
        return np.sum(w * w) + np.sum(V[:, 0] ** 2 * x)


def e_eig_through_lambda_list(x):
    fs = [lambda a, p=p: np.sum(np.linalg.eigvals(a) ** p) for p in (1, 2, 3)]
    return apply_all(fs, mat(x))


# ---------------------------------------------------------------------------------------------
# more attempts at wrong numbers
# ---------------------------------------------------------------------------------------------


class SelfReads:
    def __init__(self, w):
        self.w = w
        self.w2 = self.w * 2.0
        self.w = self.w + 1.0

    def value(self, x):
        return np.sum(self.w * x) + np.sum(self.w2 * x**2)


class Pairwise:
    def __init__(self, w):
        self.w = w

    def dot(self, other):
        return np.sum(self.w * other.w)


class Both:
    def __init__(self, a, b):
        self.p = (a, b)

    def value(self, x):
        a, b = self.p
        return np.sum(a * x) * np.sum(b * x)


class Forwarding:
    def __init__(self, W):
        self.W = W

    def forward(self, x):
        return np.tanh(self.W @ x)

    def __call__(self, x):
        return self.forward(x) * 2.0


def m_alias_then_rebind(x):
    h = Holder(x)
    h2 = h
    h = Holder(x**2)
    return h2.energy(x) + 3.0 * h.energy(x)


def m_arg_rebound_after(x):
    h = Holder(x)
    x = x + 1.0
    return h.energy(x)


def m_inplace_after_made(x):
    v = x.copy()
    h = Holder(v)
    v += 1.0
    return h.energy(x)


def m_item_write_after_made(x):
    v = x * 1.0
    h = Holder(v)
    v[0] = x[1] ** 2
    return h.energy(x)


def m_init_reads_self(x):
    return SelfReads(x).value(x)


def m_pairwise(x):
    a = Holder(x)
    b = Pairwise(x**2)
    return Pairwise(x).dot(b) + a.energy(x)


def m_tuple_attr(x):
    return Both(x, np.sin(x)).value(x)


def m_kw_constructor(x):
    return np.sum(Model(b=x, W=W3).forward(x))


def m_call_calls_forward(x):
    return np.sum(Forwarding(np.outer(x, C3))(x))


def m_class_chosen(x):
    cls = Holder if x[0] > 0 else Other
    return cls(x).energy(x)


def m_made_twice_computed(x):
    a = Computed(x, 1.0)
    b = Computed(x**2, 3.0)
    return a.value(x) - b.value(x)


def m_shadowed_k(x):
    k = 10.0
    fs = [lambda v: v * k for k in (1.0, 2.0)]
    return np.sum(fs[0](x)) * k


def m_literal_default_shadows(x):
    fs = [lambda v, k=1.0: v * k for k in (2.0, 3.0)]
    return np.sum(fs[0](x) ** 2) + np.sum(fs[1](x))


def m_param_named_like_var(x):
    fs = [lambda k: k * 2.0 for k in (5.0, 7.0)]
    return np.sum(fs[0](x) * fs[1](x))


def m_kwonly_mixed_binding(x):
    fs = [lambda v, *, a=k: v * a * k for k in (1.0, 2.0)]
    return np.sum(fs[0](x)) + np.sum(fs[1](x) ** 2)


def m_default_expr(x):
    fs = [lambda v, c=k * 2.0 + 1.0: v**2 * c for k in (1.0, 2.0)]
    return np.sum(fs[0](x) + fs[1](x))


def m_late_range(x):
    fs = [lambda v: v**k for k in range(3)]
    return np.sum(fs[0](x))


def m_default_then_rebound(x):
    c = 2.0
    fs = [lambda v, c=c: v * c for _ in range(2)]
    c = 5.0
    return np.sum(fs[0](x)) * c


def m_eig_raw_vectors(x):
    w, V = np.linalg.eig(mat(x))
    return np.sum(V[:, 0]) + V[2, 1] * 3.0


def m_eig_result_attrs(x):
    r = np.linalg.eig(mat(x))
    return np.sum(r.eigenvalues**2) + np.sum(r.eigenvectors**2 * W3)


def m_eig_result_index(x):
    r = np.linalg.eig(mat(x))
    return np.sum(r[0] ** 2) + np.sum(r[1][:, 1] ** 2 * C3)


def m_eig_left(x):
    w, V = np.linalg.eig(mat(x))
    Vi = np.linalg.inv(V)
    return np.sum(Vi[0] * V[:, 0] * C3) + w[1]


def m_eig_negative(x):
    a = -mat(x) + np.diag([0.0, 4.0, 0.0])
    w, V = np.linalg.eig(a)
    return np.sum(w**2 * np.array([1.0, 2.0, 3.0])) + np.sum(V**4)


def m_eig_2x2(x):
    a = np.array([[x[0] + 2.0, x[1]], [0.5 * x[2], -x[0]]])
    w, V = np.linalg.eig(a)
    return np.sum(w * np.array([1.0, -1.0])) ** 2 + (V[0, 0] * V[1, 0]) ** 2


def m_eigvals_transpose(x):
    return np.sum(np.linalg.eigvals(mat(x).T) ** 3)


class GlobalInit:
    def __init__(self, c):
        self.c = c * SCALE

    def value(self, x):
        return np.sum(self.c * x**2)


def o_init_reads_global(x):
    return GlobalInit(np.sin(x)).value(x)
