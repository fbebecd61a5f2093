# ruff: noqa: RUF005, B905, B007, SIM108, B010
"""Programs for tests/test_object_lists_independent.py (tester 86).

Lists of objects of the user's own classes made inside the differentiated function.
`GOOD` lists programs s2s_ad should differentiate (or refuse with a located error);
`MIXED` lists programs whose items' class may differ: refused or exact, never wrong.
"""

import dataclasses
import functools
import sys

import numpy as np

import tests.object_lists_lib_independent as lib
from tests.object_lists_lib_independent import LibCubic, LibDense

W1 = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]])
B1 = np.array([0.05, -0.1])
W2 = np.array([[0.7, -0.2], [0.3, 0.9], [-0.4, 0.25]])
B2 = np.array([0.0, 0.1, -0.05])
CS = (1.0, 2.0, 3.0)


class A:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * np.sin(x))

    def scaled(self, s):
        return A(self.w * s)

    def to_b(self):
        return B(self.w)

    def __call__(self, x):
        return np.sin(self.w) * x


class B:
    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * np.cos(x) ** 2)

    def scaled(self, s):
        return B(self.w * s)

    def __call__(self, x):
        return np.cos(self.w) * x


class SubA(A):
    def energy(self, x):
        return 2.0 * np.sum(self.w * np.sin(x)) + np.sum(self.w**2)


class SubA2(A):
    pass


class K:
    """Holds a constant key for sorting beside its weights."""

    def __init__(self, w, k):
        self.w = w
        self.k = k

    def energy(self, x):
        return np.sum(self.w * np.tanh(x)) * self.k


@dataclasses.dataclass
class Dense:
    W: np.ndarray
    b: np.ndarray

    def __call__(self, h):
        return np.tanh(self.W @ h + self.b)


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b

    def apply(self, h):
        return self.W @ h + self.b


def _total(hs, x):
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def _make_two(x):
    return [A(x), A(x * 2.0)]


# ---------------------------------------------------------------- one class: exact


def p_literal(x):
    hs = [A(x), A(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_append_loop(x):
    hs = []
    for c in CS:
        hs.append(A(x * c))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_append_range(x):
    hs = []
    for i in range(3):
        hs.append(A(np.sin(x) + i))
    s = 0.0
    for h in hs:
        s = s + h.energy(x) * (h.energy(x) + 1.0)
    return s


def p_append_branch(x):
    hs = [A(x)]
    if np.sum(x) > 0:
        hs.append(A(x**2))
    else:
        hs.append(A(x * 3.0))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_append_branch_one_side(x):
    hs = [A(x)]
    if np.sum(x) < 0:
        hs.append(A(x**2))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_comprehension(x):
    hs = [A(x * c) for c in CS]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_comprehension_filter(x):
    hs = [A(x * c) for c in CS if c > 1.5]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_comprehension_of_energies(x):
    hs = [A(x * c) for c in CS]
    es = [h.energy(x) for h in hs]
    return es[0] * es[1] + es[2]


def p_sum_generator(x):
    hs = [A(x), A(np.cos(x))]
    return sum(h.energy(x) for h in hs)


def p_insert(x):
    hs = [A(x)]
    hs.insert(0, A(x**2))
    s = 1.0
    for h in hs:
        s = s * h.energy(x)
    return s


def p_extend(x):
    hs = [A(x)]
    hs.extend([A(x * 2.0), A(np.exp(0.2 * x))])
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_iadd(x):
    hs = [A(x)]
    hs += [A(x * 3.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_concat(x):
    hs = [A(x)]
    gs = hs + [A(x * 3.0)]
    s = 0.0
    for g in gs:
        s = s + g.energy(x)
    return s


def p_star_display(x):
    hs = [A(x), A(x * 2.0)]
    gs = [*hs, A(x * 3.0)]
    s = 0.0
    for g in gs:
        s = s + g.energy(x)
    return s


def p_pop_last(x):
    hs = [A(x), A(x * 2.0), A(x * 5.0)]
    hs.pop()
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_pop_first(x):
    hs = [A(x * 5.0), A(x), A(x * 2.0)]
    first = hs.pop(0)
    s = first.energy(x) * 0.5
    for h in hs:
        s = s + h.energy(x)
    return s


def p_del_item(x):
    hs = [A(x * 5.0), A(x), A(x * 2.0)]
    del hs[0]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_slice(x):
    hs = [A(x * 5.0), A(x), A(x**2)]
    s = 0.0
    for h in hs[1:]:
        s = s + h.energy(x)
    return s


def p_step_slice(x):
    hs = [A(x * 5.0), A(x), A(x**2)]
    s = 0.0
    w = 1.0
    for h in hs[::-1]:
        s = s + w * h.energy(x)
        w = w + 1.0
    return s


def p_reversed(x):
    hs = [A(x), A(x**2)]
    s = 0.0
    for h in reversed(hs):
        s = s * 0.5 + h.energy(x)
    return s


def p_reverse_in_place(x):
    hs = [A(x), A(x**2)]
    hs.reverse()
    s = 0.0
    for h in hs:
        s = s * 0.5 + h.energy(x)
    return s


def p_sorted_key(x):
    hs = [K(x, 3.0), K(x**2, 1.0), K(np.sin(x), 2.0)]
    s = 0.0
    w = 1.0
    for h in sorted(hs, key=lambda h: h.k):
        s = s + w * h.energy(x)
        w = w * 2.0
    return s


def p_sort_in_place(x):
    hs = [K(x, 3.0), K(x**2, 1.0), K(np.sin(x), 2.0)]
    hs.sort(key=lambda h: h.k)
    s = 0.0
    w = 1.0
    for h in hs:
        s = s + w * h.energy(x)
        w = w * 2.0
    return s


def p_repeat(x):
    hs = [A(x), A(x * 2.0)] * 2
    s = 0.0
    for h in hs:
        s = s * 0.5 + h.energy(x)
    return s


def p_list_copy(x):
    hs = [A(x), A(x * 2.0)]
    gs = list(hs)
    s = 0.0
    for g in gs:
        s = s + g.energy(x)
    return s


def p_copy_method(x):
    hs = [A(x), A(x * 2.0)]
    gs = hs.copy()
    gs.append(A(x * 4.0))
    s = 0.0
    for g in gs:
        s = s + g.energy(x)
    for h in hs:
        s = s + 0.5 * h.energy(x)
    return s


def p_enumerate(x):
    hs = [A(x), A(x * 2.0), A(x**2)]
    s = 0.0
    for i, h in enumerate(hs):
        s = s + (i + 1) * h.energy(x)
    return s


def p_zip_two_lists(x):
    hs = [A(x), A(x * 2.0)]
    gs = [B(x**2), B(x + 1.0)]
    s = 0.0
    for h, g in zip(hs, gs):
        s = s + h.energy(x) * g.energy(x)
    return s


def p_zip_weights(x):
    hs = [A(x * c) for c in CS]
    ws = [0.5, -1.0, 2.0]
    s = 0.0
    for w, h in zip(ws, hs):
        s = s + w * h.energy(x)
    return s


def p_nested_lists(x):
    rows = [[A(x), A(x * 2.0)], [A(x**2)]]
    s = 0.0
    for row in rows:
        for h in row:
            s = s + h.energy(x)
    return s


def p_list_in_tuple(x):
    pair = ([A(x), A(x * 2.0)], 0.5)
    hs, c = pair
    s = 0.0
    for h in hs:
        s = s + c * h.energy(x)
    return s


def p_list_in_tuple_index(x):
    pair = ([A(x), A(x * 2.0)], 0.5)
    s = 0.0
    for h in pair[0]:
        s = s + pair[1] * h.energy(x)
    return s


def p_list_in_dict(x):
    d = {"hs": [A(x), A(x * 2.0)], "c": 0.5}
    s = 0.0
    for h in d["hs"]:
        s = s + d["c"] * h.energy(x)
    return s


def p_helper_gets_list(x):
    hs = [A(x), A(x * 2.0)]
    return _total(hs, x)


def p_helper_returns_list(x):
    hs = _make_two(x)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_nested_loops_build(x):
    hs = []
    for i in range(2):
        for j in range(2):
            hs.append(A(x * (i + 2 * j + 1)))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_break_build(x):
    hs = []
    for c in (1.0, 2.0, 3.0, 4.0):
        if c > 2.5:
            break
        hs.append(A(x * c))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_continue_build(x):
    hs = []
    for c in (1.0, 2.0, 3.0, 4.0):
        if c == 2.0:
            continue
        hs.append(A(x * c))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_data_break_loop(x):
    hs = [A(x * c) for c in CS]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
        if s > 1.0:
            break
    return s


def p_subclass_override(x):
    hs = [SubA(x), SubA(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_subclass_inherit(x):
    hs = [SubA2(x), SubA2(x**2)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_other_module(x):
    hs = [LibCubic(x), LibCubic(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_other_module_attr(x):
    hs = [lib.A(x), lib.A(np.sin(x))]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_same_name_other_module(x):
    hs = [lib.A(x), lib.A(x * 2.0)]
    gs = [A(x), A(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    for g in gs:
        s = s + 10.0 * g.energy(x)
    return s


def p_scaled_stored_back(x):
    hs = [A(x), A(x * 2.0)]
    hs = [h.scaled(3.0) for h in hs]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_scaled_appended(x):
    hs = [A(x), A(x * 2.0)]
    gs = []
    for h in hs:
        gs.append(h.scaled(0.5))
    s = 0.0
    for g in gs:
        s = s + g.energy(x)
    return s


def p_item_replaced_same_class(x):
    hs = [A(x), A(x * 2.0)]
    hs[1] = A(x**2)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_swap_items(x):
    hs = [A(x), A(x**2)]
    hs[0], hs[1] = hs[1], hs[0]
    s = 0.0
    w = 1.0
    for h in hs:
        s = s + w * h.energy(x)
        w = w + 2.0
    return s


def p_clear_then_append(x):
    hs = [A(x * 9.0)]
    hs.clear()
    hs.append(A(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_rebind_alias(x):
    hs = [A(x), A(x * 2.0)]
    gs = hs
    hs = [B(x)]
    s = 0.0
    for g in gs:
        s = s + g.energy(x)
    return s


def p_copy_then_mixed(x):
    hs = [A(x), A(x * 2.0)]
    gs = hs[:]
    gs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_callable_items(x):
    hs = [A(x), A(x * 2.0)]
    h_ = x
    for h in hs:
        h_ = h(h_)
    return np.sum(h_**2)


def p_network_literal(x):
    layers = [Dense(W1, B1), Dense(W2, B2)]
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h**2)


def p_network_params_from_x(x):
    layers = [Dense(W1 * x[0], B1), Dense(W2, B2 * x[1])]
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h**2)


def p_network_built_loop(x):
    layers = []
    for W, b in ((W1, B1), (W2, B2)):
        layers.append(Dense(W, b + 0.1 * np.sum(x)))
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h**2)


def p_network_other_module(x):
    layers = [LibDense(W1, B1), LibDense(W2, B2)]
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h**2)


def p_affine_method(x):
    layers = [Affine(W1, B1), Affine(W2, B2)]
    h = x
    for layer in layers:
        h = np.tanh(layer.apply(h))
    return np.sum(h**2)


def p_network_reversed_square(x):
    W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [0.3, 0.2, 0.1]])
    layers = [Dense(W, B2), Dense(W.T, B2 * 2.0), Dense(W * x[0], B2)]
    h = x
    for layer in reversed(layers):
        h = layer(h)
    return np.sum(h**2)


def p_while_index(x):
    hs = [A(x), A(x * 2.0)]
    s = 0.0
    i = 0
    while i < len(hs):
        h = hs[i]
        s = s + h.energy(x)
        i = i + 1
    return s


def p_literal_index_bound(x):
    hs = [A(x), A(x**2)]
    h = hs[1]
    return h.energy(x)


def p_map_lambda(x):
    hs = [A(x), A(x**2)]
    return sum(map(lambda h: h.energy(x), hs))


GOOD = [
    p_literal,
    p_append_loop,
    p_append_range,
    p_append_branch,
    p_append_branch_one_side,
    p_comprehension,
    p_comprehension_filter,
    p_comprehension_of_energies,
    p_sum_generator,
    p_insert,
    p_extend,
    p_iadd,
    p_concat,
    p_star_display,
    p_pop_last,
    p_pop_first,
    p_del_item,
    p_slice,
    p_step_slice,
    p_reversed,
    p_reverse_in_place,
    p_sorted_key,
    p_sort_in_place,
    p_repeat,
    p_list_copy,
    p_copy_method,
    p_enumerate,
    p_zip_two_lists,
    p_zip_weights,
    p_nested_lists,
    p_list_in_tuple,
    p_list_in_tuple_index,
    p_list_in_dict,
    p_helper_gets_list,
    p_helper_returns_list,
    p_nested_loops_build,
    p_break_build,
    p_continue_build,
    p_data_break_loop,
    p_subclass_override,
    p_subclass_inherit,
    p_other_module,
    p_other_module_attr,
    p_same_name_other_module,
    p_scaled_stored_back,
    p_scaled_appended,
    p_item_replaced_same_class,
    p_swap_items,
    p_clear_then_append,
    p_rebind_alias,
    p_copy_then_mixed,
    p_callable_items,
    p_network_literal,
    p_network_params_from_x,
    p_network_built_loop,
    p_network_other_module,
    p_affine_method,
    p_network_reversed_square,
    p_while_index,
    p_literal_index_bound,
    p_map_lambda,
]


# ------------------------------------------- the items' class may differ: refused or exact


def _add_b(lst, x):
    lst.append(B(x))


class Registrar:
    def __init__(self, w):
        self.w = w

    def register(self, lst):
        lst.append(B(self.w))
        return 0.0


def m_two_classes(x):
    hs = [A(x), B(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_item_replaced(x):
    hs = [A(x), A(x * 2.0)]
    hs[1] = B(x)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_last_item_replaced(x):
    hs = [A(x), A(x * 2.0)]
    hs[-1] = B(x)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_append_other(x):
    hs = [A(x)]
    hs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_append_other_untaken_branch(x):
    hs = [A(x)]
    if np.sum(x) > 100.0:
        hs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_alias_append(x):
    hs = [A(x), A(x * 2.0)]
    gs = hs
    gs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_loop_reads_then_appends(x):
    hs = [A(x)]
    s = 0.0
    for k in range(2):
        for h in hs:
            s = s + h.energy(x)
        hs.append(B(x))
    return s


def m_conditional_comprehension(x):
    hs = [A(x * c) if c > 1.5 else B(x * c) for c in CS]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_insert_other(x):
    hs = [A(x)]
    hs.insert(0, B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_extend_other(x):
    hs = [A(x)]
    hs.extend([B(x)])
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_extend_list_of_other(x):
    hs = [A(x)]
    gs = [B(x), B(x * 2.0)]
    hs.extend(gs)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_iadd_other(x):
    hs = [A(x)]
    hs += [B(x)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_concat_other(x):
    hs = [A(x)]
    gs = [B(x * 2.0)]
    ks = hs + gs
    s = 0.0
    for k in ks:
        s = s + k.energy(x)
    return s


def m_star_other(x):
    hs = [A(x)]
    ks = [*hs, B(x)]
    s = 0.0
    for k in ks:
        s = s + k.energy(x)
    return s


def m_slice_assign_other(x):
    hs = [A(x), A(x * 2.0)]
    hs[0:1] = [B(x)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_enumerate_replace(x):
    hs = [A(x), A(x * 2.0)]
    for i, h in enumerate(hs):
        if i == 0:
            hs[i] = B(x)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_rows_of_two_classes(x):
    rows = [[A(x)], [B(x)]]
    s = 0.0
    for row in rows:
        for h in row:
            s = s + h.energy(x)
    return s


def m_dict_of_lists(x):
    d = {"a": [A(x)], "b": [B(x * 2.0)]}
    s = 0.0
    for key in ("a", "b"):
        for h in d[key]:
            s = s + h.energy(x)
    return s


def m_tuple_of_groups(x):
    groups = ([A(x), A(x * 2.0)], [B(x)])
    s = 0.0
    for group in groups:
        for h in group:
            s = s + h.energy(x)
    return s


def m_branch_rebinds_list(x):
    if np.sum(x) > 0:
        hs = [A(x)]
    else:
        hs = [B(x)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_helper_appends(x):
    hs = [A(x)]
    _add_b(hs, x)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_method_appends(x):
    hs = [A(x)]
    r = Registrar(x * 2.0)
    s = r.register(hs)
    for h in hs:
        s = s + h.energy(x)
    return s


def m_alias_in_tuple(x):
    hs = [A(x)]
    pair = (hs, 1.0)
    pair[0].append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_alias_in_dict(x):
    hs = [A(x)]
    d = {"h": hs}
    d["h"].append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_alias_in_outer_list(x):
    hs = [A(x)]
    outer = [hs]
    outer[0].append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_method_returns_other(x):
    hs = [A(x), A(x * 2.0)]
    hs = [h.to_b() for h in hs]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_method_returns_other_stored(x):
    hs = [A(x), A(x * 2.0)]
    h0 = hs[0]
    hs[0] = h0.to_b()
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_subclass_scaled_is_base(x):
    hs = [SubA(x), SubA(x * 2.0)]
    hs = [h.scaled(3.0) for h in hs]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_base_and_subclass(x):
    hs = [A(x), SubA(x)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_same_name_two_modules(x):
    hs = [A(x), lib.A(x)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_class_alias(x):
    Cls = B
    hs = [A(x)]
    hs.append(Cls(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_classes_in_loop(x):
    hs = []
    for Cls in (A, B):
        hs.append(Cls(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_class_by_condition(x):
    Cls = A if np.sum(x) > 0 else B
    hs = [Cls(x), Cls(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_repeat_then_replace(x):
    hs = [A(x)] * 2
    hs[0] = B(x)
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_zip_mixed(x):
    hs = [A(x), A(x * 2.0)]
    gs = [B(x), A(x)]
    s = 0.0
    for h, g in zip(hs, gs):
        s = s + h.energy(x) * g.energy(x)
    return s


def m_sorted_mixed(x):
    hs = [A(x)]
    gs = [B(x * 2.0)]
    s = 0.0
    for h in sorted(hs + gs, key=lambda h: 0.0):
        s = s + h.energy(x)
    return s


def m_appended_in_while(x):
    hs = [A(x)]
    n = 0
    while n < 2:
        hs.append(B(x * n))
        n = n + 1
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_helper_returns_mixed(x):
    hs = _make_two(x)
    hs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_mixed_callable_layers(x):
    layers = [A(x), B(x * 2.0)]
    h_ = x
    for layer in layers:
        h_ = layer(h_)
    return np.sum(h_**2)


def m_network_layer_replaced(x):
    layers = [Dense(W1, B1), Dense(W2, B2)]
    layers[1] = LibDense(W2, B2 * 2.0)
    h = x
    for layer in layers:
        h = layer(h)
    return np.sum(h**2)


def m_swap_lists(x):
    hs = [A(x)]
    gs = [B(x)]
    hs, gs = gs, hs
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def m_pop_and_push_other(x):
    hs = [A(x), A(x * 2.0)]
    hs.pop()
    hs.append(B(x))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


MIXED = [
    m_two_classes,
    m_item_replaced,
    m_last_item_replaced,
    m_append_other,
    m_append_other_untaken_branch,
    m_alias_append,
    m_loop_reads_then_appends,
    m_conditional_comprehension,
    m_insert_other,
    m_extend_other,
    m_extend_list_of_other,
    m_iadd_other,
    m_concat_other,
    m_star_other,
    m_slice_assign_other,
    m_enumerate_replace,
    m_rows_of_two_classes,
    m_dict_of_lists,
    m_tuple_of_groups,
    m_branch_rebinds_list,
    m_helper_appends,
    m_method_appends,
    m_alias_in_tuple,
    m_alias_in_dict,
    m_alias_in_outer_list,
    m_method_returns_other,
    m_method_returns_other_stored,
    m_subclass_scaled_is_base,
    m_base_and_subclass,
    m_same_name_two_modules,
    m_class_alias,
    m_classes_in_loop,
    m_class_by_condition,
    m_repeat_then_replace,
    m_zip_mixed,
    m_sorted_mixed,
    m_appended_in_while,
    m_helper_returns_mixed,
    m_mixed_callable_layers,
    m_network_layer_replaced,
    m_swap_lists,
    m_pop_and_push_other,
]


# ------------------------------------------------ classes built in unusual ways


class Shadow:
    def __init__(self, w, energy):
        self.w = w
        self.energy = energy

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class Factory:
    def __new__(cls, w):
        return B(w)

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class Morph:
    def __init__(self, w):
        self.w = w
        self.__class__ = B

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class Post(A):
    def __init__(self, w):
        super().__init__(w * 2.0)


MAKER = A


def p_shadow_list(x):
    hs = [Shadow(x, lambda z: np.sum(z**3)), Shadow(x * 2.0, lambda z: np.sum(z**3))]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_shadow_one(x):
    h = Shadow(x, lambda z: np.sum(z**3))
    return h.energy(x)


def p_new_list(x):
    hs = [Factory(x), Factory(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_new_one(x):
    h = Factory(x)
    return h.energy(x)


def p_morph_list(x):
    hs = [Morph(x), Morph(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_local_shadows_class(x):
    A = B
    hs = [A(x), A(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_comprehension_var_shadows_class(x):
    hs = [A(x) for A in (B, B)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_global_maker(x):
    hs = [MAKER(x), MAKER(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_default_class(x, Cls=B):
    hs = [Cls(x), Cls(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_super_init(x):
    hs = [Post(x), Post(x**2)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_module_attr_class(x):
    hs = [A_ALIAS_MODULE.A(x), A_ALIAS_MODULE.A(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_for_else_append(x):
    hs = [A(x)]
    for c in CS:
        if c > 10.0:
            break
    else:
        hs.append(A(x * 2.0))
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_list_grows_in_loop_same_class(x):
    hs = [A(x)]
    s = 0.0
    for k in range(2):
        for h in hs:
            s = s + h.energy(x)
        hs.append(A(x * (k + 2.0)))
    return s


def p_energy_of_item_attr(x):
    hs = [A(x), A(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + np.sum(h.w**2)
    return s


def p_nested_comp(x):
    hs = [A(x * c * d) for c in CS for d in (1.0, -1.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_rebound_in_loop(x):
    hs = [A(x)]
    s = 0.0
    for k in range(3):
        hs = [h.scaled(0.5) for h in hs]
        for h in hs:
            s = s + h.energy(x)
    return s


def cubic(z):
    return np.sum(z**3)


class Shadow2:
    def __init__(self, w):
        self.w = w
        self.energy = cubic

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class SetA:
    def __init__(self, w):
        setattr(self, "w", w)

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class DictA:
    def __init__(self, w):
        self.__dict__["w"] = w * 3.0

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


def twice(fn):
    @functools.wraps(fn)
    def wrapper(self, x):
        return 2.0 * fn(self, x)

    return wrapper


class Wrapped:
    def __init__(self, w):
        self.w = w

    @twice
    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class GetAttr:
    def __init__(self, w):
        self.w = w

    def __getattribute__(self, name):
        if name == "w":
            return object.__getattribute__(self, "w") * 2.0
        return object.__getattribute__(self, name)

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class Static:
    def __init__(self, w):
        self.w = w

    @staticmethod
    def energy(x):
        return np.sum(np.sin(x) ** 2)


class WProp:
    def __init__(self, w):
        self._w = w

    @property
    def w(self):
        return self._w * 3.0

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class SlotsA:
    __slots__ = ("w",)
    k = 2.0

    def __init__(self, w):
        self.w = w

    def energy(self, x):
        return self.k * np.sum(self.w * np.sin(x))


class InitKw:
    def __init__(self, w, scale=2.0):
        self.w = w * scale

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


class Morph2:
    def __init__(self, w, cls):
        self.w = w
        self.__class__ = cls

    def energy(self, x):
        return np.sum(self.w * np.sin(x))


def _loop(hs, x):
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_morph_one(x):
    h = Morph(x)
    return h.energy(x)


def p_morph2_list(x):
    hs = [Morph2(x, B), Morph2(x * 2.0, B)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_shadow2_list(x):
    hs = [Shadow2(x), Shadow2(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_shadow2_one(x):
    h = Shadow2(x)
    return h.energy(x)


def p_setattr(x):
    hs = [SetA(x), SetA(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_dict(x):
    hs = [DictA(x), DictA(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_wrapped(x):
    hs = [Wrapped(x), Wrapped(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_getattribute(x):
    hs = [GetAttr(x), GetAttr(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_static(x):
    hs = [Static(x), Static(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x) * np.sum(h.w)
    return s


def p_wprop(x):
    hs = [WProp(x), WProp(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_slots(x):
    hs = [SlotsA(x), SlotsA(x * 2.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


def p_initkw(x):
    hs = [InitKw(x), InitKw(x, scale=5.0)]
    s = 0.0
    for h in hs:
        s = s + h.energy(x)
    return s


A_ALIAS_MODULE = sys.modules[__name__]


def w_getattribute_one(x):
    h = GetAttr(x)
    return h.energy(x)


def p_one_object(x):
    h = A(x)
    return h.energy(x)
