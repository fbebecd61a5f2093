# ruff: noqa: RUF059, B905, RUF005  (written as users write them: the constructs are tested)
"""Tester 82's programs: folds, list items, loops over known lists, SciPy factorisations.

Every program takes one float array ``x`` and returns a float. Written from the README only.
"""

import functools
import itertools
import operator
from functools import reduce
from itertools import accumulate, chain, product

import numpy as np
import scipy.linalg as sla
from scipy.linalg import cho_factor, cho_solve, expm, lu_factor, lu_solve

_R = np.random.default_rng(82)
W1 = _R.standard_normal((4, 3)) * 0.5
W2 = _R.standard_normal((4, 4)) * 0.5
W3 = _R.standard_normal((2, 4)) * 0.5
LAYERS = [W1, W2, W3]
XS_GP = np.linspace(-1.0, 1.0, 5)
YS_GP = np.sin(2.0 * XS_GP) + 0.1 * _R.standard_normal(5)
A_BASE = np.array([[4.0, 1.0, 0.5], [0.3, 3.0, 0.2], [0.1, 0.7, 5.0]])
V3 = np.array([0.5, -1.0, 2.0])
XS_FIT = np.linspace(0.0, 2.0, 7)
YS_FIT = np.array([0.3, 0.1, 0.7, 1.2, 2.1, 3.3, 4.0])
YS_FIT2 = np.stack([YS_FIT, np.cos(XS_FIT)], axis=1)


def square(z):
    return z * z


def softplus(z):
    return np.log1p(np.exp(z))


# --------------------------------------------------------------------------- folds


def fold_layers_lambda(x):
    h = reduce(lambda h, W: np.tanh(W @ h), LAYERS, x)
    return np.sum(h**2)


def fold_no_initial(x):
    s = functools.reduce(lambda a, b: a * 0.5 + b * b, [x[0], x[1], x[2]])
    return s * x[0]


def fold_operator_mul(x):
    p = reduce(operator.mul, [x[0], x[1], x[2], 2.0])
    q = reduce(operator.add, [x, x**2, np.sin(x)], np.zeros(3))
    return p + np.sum(q * q)


def fold_nested_def(x):
    def step(acc, w):
        return acc * np.cos(w) + w * acc

    return reduce(step, [x[0], x[1], x[2], x[0] * x[1]], 1.5)


def fold_compose_list(x):
    fns = [np.sin, np.tanh, square, softplus]
    h = reduce(lambda h, f: f(h), fns, x)
    return np.sum(h)


def fold_numpy_function(x):
    m = reduce(np.maximum, [x, x**2 - 0.3, np.sin(3.0 * x)])
    return np.sum(m * x)


def fold_tuple_accumulator(x):
    s, p = reduce(lambda acc, v: (acc[0] + v, acc[1] * v), [x[0], x[1], x[2]], (0.0, 1.0))
    return s * p + s


def _fold_helper(ws, x):
    return reduce(lambda h, W: softplus(W @ h), ws, x)


def fold_in_helper(x):
    h = _fold_helper(LAYERS, x)
    return np.sum(np.sin(h))


def accumulate_running_sums(x):
    sums = list(accumulate([x[0], x[1], x[2], x[0] * x[2]]))
    return sum(s * s for s in sums)


def accumulate_products_initial(x):
    prods = list(itertools.accumulate([x[0], x[1], x[2]], operator.mul, initial=1.5))
    total = 0.0
    for i, p in enumerate(prods):
        total = total + (i + 1) * p
    return total


def accumulate_arrays_lambda(x):
    total = 0.0
    for h in accumulate([x, 2.0 * x, x**2], lambda a, b: np.tanh(a) + b):
        total = total + np.sum(h * h)
    return total


def accumulate_in_comprehension(x):
    return sum(np.sum(np.cos(h)) for h in accumulate([x, np.sin(x), x * x[0]]))


def chain_mixed(x):
    total = 0.0
    for v in chain([x[0], x[1]], [x[2] * x[0]], [np.sin(x), x[1:]]):
        total = total + np.sum(v**2) * 0.5 + np.sum(v)
    return total


def chain_in_sum(x):
    return sum(np.sum(np.exp(0.3 * v)) for v in itertools.chain([x, x[::-1]], [x[:2]]))


def product_sweep(x):
    total = 0.0
    for a, b in product([x[0], x[1]], [0.5, 1.5, x[2]]):
        total = total + np.sin(a * b)
    return total


def product_three_comprehension(x):
    return sum(a * b + c for a, b, c in itertools.product([x[0], 1.0], [x[1], x[2]], [x[0] * x[1]]))


def product_list_value(x):
    pairs = list(product([x, np.cos(x)], [2.0, x[0]]))
    return sum(np.sum(a * b) for a, b in pairs)


# ---------------------------------------------------------------------- list items


def item_old_then_replaced(x):
    L = [x[0] * 2.0, x[1], x[2] ** 2]
    old = L[0]
    L[0] = np.sin(x[1]) * x[2]
    return old * L[0] + L[0] + old**2


def item_swap(x):
    L = [x[0], x[1] * 3.0, x[2]]
    L[0], L[1] = L[1], L[0]
    return L[0] * 1.0 + L[1] * 2.0 + L[2] * L[0]


def item_swap_arrays(x):
    L = [x, np.sin(x)]
    L[0], L[1] = L[1], L[0]
    return np.sum(L[0] * np.arange(1.0, 4.0)) + np.sum(L[1] ** 3)


def item_rows_loop(x):
    rows = [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    for i in range(3):
        for j in range(3):
            rows[i][j] = x[i] * x[j] + (i - j)
    M = np.array(rows)
    return np.sum(M @ M) + np.trace(M)


def item_rows_add_loop(x):
    rows = [[x[0], x[1]], [x[2], x[0] * x[1]]]
    for k in range(3):
        for i in range(2):
            rows[i][(i + k) % 2] += x[k] * (i + 1)
    return rows[0][0] * rows[1][1] - rows[0][1] * rows[1][0]


def item_depth_three(x):
    cube = [[[x[0], x[1]], [x[2], 1.0]], [[2.0, x[0]], [x[1], x[2]]]]
    cube[1][0][1] = x[2] ** 2
    cube[0][1][0] += x[0] * x[1]
    for i in range(2):
        cube[i][i][1] += np.sin(x[i])
    return np.sum(np.array(cube) ** 2)


def item_dict_of_lists(x):
    d = {"w": [x[0], x[1]], "b": [x[2]]}
    d["w"][0] = np.tanh(x[1])
    d["w"][1] += x[0] * x[2]
    d["b"][0] = d["b"][0] * d["w"][0]
    return d["w"][0] * d["w"][1] + d["b"][0]


def item_other_shape(x):
    rows = [x, x * 2.0]
    rows[-1] = np.reshape(rows[-1], (-1, 1))
    return np.sum(rows[-1] * rows[0])


def item_other_shape_scalar(x):
    L = [x, x[0]]
    L[0] = np.sum(L[0] ** 2)
    L[1] = np.stack([x, x])
    return L[0] * np.sum(L[1])


def item_name_before_after(x):
    L = [np.sin(x), x * x]
    a = L[0]
    L[0] = L[0] * 2.0 + L[1]
    b = L[0]
    L[1] = a + b
    return np.sum(a * b) + np.sum(L[1] ** 2)


def item_helper_reads_list(x):
    rows = [[x[0], x[1]], [x[2], 0.5]]

    def det2(r):
        return r[0][0] * r[1][1] - r[0][1] * r[1][0]

    before = det2(rows)
    rows[1][1] = x[0] * x[1]
    rows[0][1] += x[2]
    return before * det2(rows) + det2(rows)


def _det2(r):
    return r[0][0] * r[1][1] - r[0][1] * r[1][0]


def item_module_helper_reads_list(x):
    rows = [[x[0], x[1]], [x[2], 0.5]]
    before = _det2(rows)
    rows[1][1] = x[0] * x[1]
    return before + _det2(rows) * 2.0


def item_rebind_alias_array(x):
    L = [x, x**2]
    a = L[0]
    L[0] = L[0] * 3.0
    return np.sum(a * L[0]) + np.sum(L[0])


def item_update_in_loop_carried(x):
    L = [x[0], x[1], x[2]]
    for k in range(4):
        i = k % 3
        L[i] = L[i] * np.cos(L[(i + 1) % 3]) + 0.1 * k
    return L[0] + L[1] * L[2]


# aliasing attempts: Python semantics, or a located refusal


def alias_shared_inner_twice(x):
    inner = [x[0], x[1]]
    outer = [inner, inner]
    outer[0][0] = x[2] * 3.0
    return outer[1][0] * x[0] + outer[1][1]


def alias_repeated_rows(x):
    rows = [[0.0, 0.0]] * 2
    rows[0][0] = x[0]
    rows[1][1] = x[1] * x[2]
    return rows[0][0] * 2.0 + rows[1][0] * 3.0 + rows[0][1] * x[0]


def alias_appended_to_two_lists(x):
    item = [x[0], x[1]]
    A = []
    B = []
    A.append(item)
    B.append(item)
    A[0][0] = x[2] ** 2
    return B[0][0] * x[1] + A[0][1]


def alias_shallow_copy(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    r2 = list(rows)
    r2[0][0] = x[1] * 5.0
    return rows[0][0] * x[2] + r2[1][0]


def alias_slice_copy(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    r2 = rows[:]
    r2[1][1] = x[0] * 4.0
    return rows[1][1] + rows[0][0] * r2[1][1]


def alias_loop_variable(x):
    rows = [[x[0], 1.0], [x[1], 2.0], [x[2], 3.0]]
    for row in rows:
        row[1] = row[0] * row[1]
    return rows[0][1] + rows[1][1] * rows[2][1]


def alias_dict_holds_list(x):
    L = [x[0], x[1]]
    d = {"a": L}
    L[0] = x[2] * 2.0
    return d["a"][0] * x[0] + d["a"][1]


def alias_tuple_holds_list(x):
    L = [x[0], x[1]]
    t = (L, x[2])
    L[1] = np.sin(x[2])
    return t[0][1] * t[1] + t[0][0]


def alias_name_bound_to_item(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    first = rows[0]
    rows[0][1] = x[2] * 7.0
    return first[1] + rows[0][0]


def alias_item_updated_through_name(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    r = rows[1]
    r[0] = x[0] * 6.0
    return rows[1][0] * x[1] + r[1]


def alias_dict_entry_name(x):
    d = {"w": [x[0], x[1]]}
    w = d["w"]
    d["w"][0] = x[2] * 2.0
    return w[0] + w[1]


def alias_comprehension_copy(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    r2 = [r for r in rows]
    r2[0][1] = x[2] * 3.0
    return rows[0][1] * x[0] + r2[0][0]


def alias_zip_items(x):
    a = [x[0], x[1]]
    b = [x[2], 1.0]
    for r, s in zip([a, b], [2.0, 3.0]):
        r[0] = r[0] * s
    return a[0] * b[0] + a[1]


def alias_returned_list(x):
    def make(v):
        row = [v[0], v[1]]
        return [row, row]

    rows = make(x)
    rows[0][1] = x[2] * 5.0
    return rows[1][1] * x[0] + rows[0][0]


# ------------------------------------------------------------- module-level lists


PAIRS = [(np.sin, 1.0), (np.tanh, 2.0), (square, 0.5)]
PAIRS_DATA = [(np.tanh, W1, np.array([0.1, -0.2, 0.3, 0.0])), (softplus, W2, np.zeros(4))]
QUADS = [(np.sin, 0.5, 1.0, "a"), (np.cos, 2.0, -0.5, "b"), (softplus, 1.0, 0.25, "c")]
FNS = [np.sin, np.tanh, square, softplus, np.cos]
PAIRS_MUT = [(np.sin, 1.0), (np.cos, 2.0)]
FNS_MUT = [np.sin, square, np.tanh]


def pairs_loop(x):
    total = 0.0
    for fn, c in PAIRS:
        total = total + c * np.sum(fn(x))
    return total


def pairs_enumerate(x):
    total = 0.0
    for i, (fn, c) in enumerate(PAIRS):
        total = total + (i + 1.0) * np.sum(fn(c * x) ** 2)
    return total


def pairs_data_layers(x):
    h = x
    for act, W, b in PAIRS_DATA:
        h = act(W[:, : h.shape[0]] @ h + b)
    return np.sum(h**2)


def quads_loop(x):
    total = 0.0
    for fn, a, b, name in QUADS:
        if name == "b":
            total = total + np.sum(fn(a * x + b)) * 2.0
        else:
            total = total + np.sum(fn(a * x + b))
    return total


def fns_tail(x):
    h = x
    for f in FNS[1:]:
        h = f(h)
    return np.sum(h)


def fns_reversed(x):
    h = x
    for f in FNS[::-1]:
        h = f(h) * 0.9
    return np.sum(h)


def fns_head_and_tail(x):
    a = x
    for f in FNS[:2]:
        a = f(a)
    b = x
    for f in FNS[-2:]:
        b = f(b)
    return np.sum(a * b)


def fns_enumerate_slice(x):
    total = 0.0
    for i, f in enumerate(FNS[1::2]):
        total = total + (i + 1.0) * np.sum(f(x))
    return total


def pairs_mut_loop(x):
    total = 0.0
    for fn, c in PAIRS_MUT:
        total = total + c * np.sum(fn(x))
    return total


def fns_mut_tail(x):
    h = x
    for f in FNS_MUT[1:]:
        h = f(h) + 0.1
    return np.sum(h)


# ---------------------------------------------------------------------- SciPy


def _gp_nll(x, lower):
    ell = np.exp(x[0])
    amp = np.exp(x[1])
    noise = np.exp(x[2])
    d = XS_GP[:, None] - XS_GP[None, :]
    K = amp * np.exp(-0.5 * d**2 / ell**2) + (noise + 1e-3) * np.eye(5)
    c, low = cho_factor(K, lower=lower)
    alpha = cho_solve((c, low), YS_GP)
    logdet = 2.0 * np.sum(np.log(np.diag(c)))
    return 0.5 * YS_GP @ alpha + 0.5 * logdet


def gp_nll_lower(x):
    return _gp_nll(x, True)


def gp_nll_upper(x):
    return _gp_nll(x, False)


def gp_nll_inline(x):
    ell = np.exp(x[0])
    d = XS_GP[:, None] - XS_GP[None, :]
    K = np.exp(x[1]) * np.exp(-0.5 * d**2 / ell**2) + np.exp(x[2]) * np.eye(5)
    factor = sla.cho_factor(K, lower=True)
    alpha = sla.cho_solve(factor, YS_GP)
    return 0.5 * np.dot(YS_GP, alpha) + np.sum(np.log(np.diag(factor[0])))


def _spd(x):
    B = np.array([[x[0], 0.2, x[1]], [x[2], 1.0, 0.1], [0.3, x[0] * x[1], 1.5]])
    return B @ B.T + np.eye(3)


def cho_whole_factor(x):
    c, low = cho_factor(_spd(x))
    return np.sum(c**2) + np.sum(cho_solve((c, low), V3 * x[2]))


def cho_matrix_rhs(x):
    A = _spd(x)
    c, low = cho_factor(A, lower=True)
    Y = cho_solve((c, low), np.stack([x, x**2], axis=1))
    return np.sum(Y * Y)


def _lu_matrix(x):
    return A_BASE + np.array([[x[0], x[1], 0.0], [0.0, x[2], x[0]], [x[1] * x[2], 0.0, x[1]]])


def lu_trans0(x):
    lu, piv = lu_factor(_lu_matrix(x))
    return np.sum(lu_solve((lu, piv), V3 + x) ** 2)


def lu_trans1(x):
    lu, piv = lu_factor(_lu_matrix(x))
    return np.sum(lu_solve((lu, piv), V3 * x[0], trans=1) ** 2)


def lu_trans2(x):
    lu, piv = lu_factor(_lu_matrix(x))
    return np.sum(np.sin(lu_solve((lu, piv), V3 + x, trans=2)))


def lu_logdet(x):
    lu, piv = sla.lu_factor(_lu_matrix(x))
    return np.sum(np.log(np.abs(np.diag(lu)))) + np.sum(lu**2) * 0.01


def lu_pivoting(x):
    A = np.array([[x[0] * 0.1, 2.0, x[1]], [3.0, x[2], 1.0], [1.0, 1.0, 5.0 + x[0]]])
    f = lu_factor(A)
    return np.sum(lu_solve(f, V3) * x)


def expm_sum(x):
    A = np.array([[0.0, x[0], 0.1], [-x[0], 0.2 * x[1], x[2]], [0.3, -x[2], -0.5]])
    return np.sum(expm(A) @ V3)


def expm_markov(x):
    r = np.exp(x)
    Q = np.array([[-r[0], r[0], 0.0], [0.0, -r[1], r[1]], [r[2], 0.0, -r[2]]])
    P = sla.expm(0.7 * Q)
    return np.log(P[0, 2]) + P[1, 1] ** 2


def polyfit_y(x):
    y = YS_FIT + np.concatenate([x, x[::-1], x[:1]]) * 0.3
    c = np.polyfit(XS_FIT, y, 2)
    return np.sum(c**2) + c[0] * c[1]


def polyfit_x(x):
    xs = XS_FIT + 0.05 * np.concatenate([x, np.sin(x), x[1:2]])
    c = np.polyfit(xs, YS_FIT, 3)
    return np.sum(c * np.arange(1.0, 5.0))


def polyfit_y2d(x):
    Y = YS_FIT2 * np.concatenate([x, x, x[:1]])[:, None]
    C = np.polyfit(XS_FIT, Y, 2)
    return np.sum(C[0] * C[2]) + np.sum(C**2)


def polyfit_rcond(x):
    xs = XS_FIT * (1.0 + 0.1 * x[0])
    c = np.polyfit(xs, YS_FIT * x[1] + x[2], 2, rcond=1e-10)
    return np.polyval(c, 0.5) + np.sum(c**2)


def polyfit_w(x):
    c = np.polyfit(XS_FIT, YS_FIT * x[0], 2, w=np.ones(7))
    return np.sum(c)


def polyfit_full(x):
    c, res, rank, sv, rc = np.polyfit(XS_FIT, YS_FIT * x[0], 2, full=True)
    return np.sum(c)


def polyfit_cov(x):
    c, V = np.polyfit(XS_FIT, YS_FIT * x[0], 2, cov=True)
    return np.sum(c)


def product_repeat(x):
    return sum(a * b for a, b in product([x[0], x[1]], repeat=2))


def chain_from_iterable(x):
    return sum(v for v in chain.from_iterable([[x[0], x[1]], [x[2]]]))


def fold_compose_functions(x):
    f = reduce(lambda f, g: lambda z: g(f(z)), [np.sin, np.tanh, square])
    return np.sum(f(x))


def alias_rows_from_named_lists(x):
    r1 = [x[0], x[1]]
    r2 = [x[2], 1.0]
    rows = [r1, r2]
    rows[0][0] = x[1] * 4.0
    return r1[0] * x[2] + rows[1][0]


def alias_update_named_after_append(x):
    inner = [x[0], x[1]]
    A = []
    A.append(inner)
    inner[0] = x[2] * 3.0
    return A[0][0] * x[0] + inner[1]


def alias_append_own_row(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    rows.append(rows[0])
    rows[2][1] = x[0] * 2.0
    return rows[0][1] * x[2] + rows[2][0]


def alias_dict_two_keys(x):
    L = [x[0], x[1]]
    d = {"a": L, "b": L}
    d["a"][0] = x[2] * 2.0
    return d["b"][0] * x[1] + d["a"][1]


def alias_nested_list_of_named(x):
    L = [x[0], x[1]]
    M = [L]
    M[0][0] = x[2] * 2.0
    return L[0] * x[0] + M[0][1]


def alias_copy_method(x):
    rows = [[x[0], x[1]], [x[2], 1.0]]
    r2 = rows.copy()
    r2[1][0] = x[0] * 3.0
    return rows[1][0] * x[1] + r2[0][0]


def alias_tuple_of_lists_items(x):
    pairs = [([x[0], x[1]], 1.0), ([x[2], 2.0], 3.0)]
    other = [pairs[0]]
    pairs[0][0][1] = x[2] * 5.0
    return other[0][0][1] * x[0] + pairs[1][1]


def alias_name_rebound_to_list(x):
    a = [x[0], x[1]]
    b = a
    b[0] = x[2] * 2.0
    return a[0] * x[1] + b[1]


def alias_extend_rows(x):
    rows = [[x[0], x[1]]]
    more = [[x[2], 1.0]]
    rows.extend(more)
    rows[1][0] = x[0] * 3.0
    return more[0][0] * x[1] + rows[0][0]


def alias_join_rows(x):
    top = [[x[0], x[1]]]
    rows = top + [[x[2], 1.0]]
    rows[0][1] = x[2] * 4.0
    return top[0][1] * x[0] + rows[1][0]


def cho_lower_whole_factor(x):
    c, low = cho_factor(_spd(x), lower=True)
    return np.sum(c * np.arange(1.0, 10.0).reshape(3, 3)) + np.sum(np.log(np.diag(c)))


def lu_matrix_rhs_trans1(x):
    lu, piv = lu_factor(_lu_matrix(x))
    Y = lu_solve((lu, piv), np.stack([V3, x, x**2], axis=1), trans=1)
    return np.sum(Y**2) + np.sum(lu * lu)


def pipeline_fold_gp(x):
    feats = list(accumulate([x[0], x[1], x[2]], operator.add))
    rows = [[f, f * f] for f in feats]
    rows[0][1] = rows[0][1] + x[2]
    M = np.array(rows)
    A = M.T @ M + np.eye(2)
    c, low = cho_factor(A)
    return np.sum(cho_solve((c, low), np.array([1.0, 2.0]))) + reduce(operator.mul, feats)


FNS_GROW = [np.sin, square]


def fns_grow_whole(x):
    h = x
    for f in FNS_GROW:
        h = f(h) + 0.1
    return np.sum(h)


def fns_grow_tail(x):
    h = x
    for f in FNS_GROW[1:]:
        h = f(h) + 0.1
    return np.sum(h)


def fns_grow_reversed(x):
    h = x
    for f in FNS_GROW[::-1]:
        h = f(h) + 0.1
    return np.sum(h)


def fns_grow_head(x):
    h = x
    for f in FNS_GROW[:2]:
        h = f(h) + 0.1
    return np.sum(h)


def pairs_grow_tail(x):
    total = 0.0
    for fn, c in PAIRS_MUT[1:]:
        total = total + c * np.sum(fn(x))
    return total


FNS_SHRINK = [np.sin, square, np.tanh, softplus]


def fns_shrink_tail(x):
    h = x
    for f in FNS_SHRINK[1:]:
        h = f(h) + 0.1
    return np.sum(h)


def fns_shrink_reversed(x):
    h = x
    for f in FNS_SHRINK[::-1]:
        h = f(h) + 0.1
    return np.sum(h)
