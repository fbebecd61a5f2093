# ruff: noqa: B007, B023, B904, B905, E731, RUF001, RUF021, SIM108  (the programs are written as users write them, on purpose)
"""Tester brief 121 (round 2 of the faster transformation): programs a user would write that
stress the lowering (loops' bodies, early returns, `break`/`continue` in nested loops and
branches, comprehensions and lambdas), the differentiation (comments showing primal lines,
keyword matching of library calls, seed dtypes, literal operands, adjoint names of items and
unusual identifiers) and the simplification (copy propagation, dead code, constant folding
in `try`/`except`, flags read for their truth).

Every program is checked four ways: `grad` against central differences, `jvp` against `grad`,
`value_and_grad`'s value (and `jvp`'s primal) against the plain call bit for bit, and
`derivative_source(f, mode="gradient", args=(x,))` compiles. A few also check `hessian`
against central differences of `grad`.

Written from the README alone (no source, no other tests read).
"""

import numpy as np
import pytest

import s2s_ad as ad

# ---------------------------------------------------------------------------------------
# (a) the lowering: loops, early returns, break/continue, comprehensions, lambdas
# ---------------------------------------------------------------------------------------


def p_nested_break_continue(x):
    s = 0.0
    for i in range(x.shape[0]):
        for j in range(x.shape[0]):
            if j > i:
                break
            if (i + j) % 3 == 0:
                continue
            s = s + x[i] * np.sin(x[j])
        if s > 50.0:
            return s * 2.0
    return s


def p_early_return_inner(x):
    acc = 1.0
    for i in range(3):
        for j in range(x.shape[0]):
            acc = acc * (1.0 + 0.1 * x[j])
            if acc > 1.5 and j > 1:
                return acc + x[0]
    return -acc


def p_early_return_in_branch_in_loop(x):
    y = x * 1.0
    for k in range(5):
        y = np.tanh(y) + 0.3 * x
        if k == 2:
            if np.sum(y) > 0.0:
                return np.sum(y**2)
            else:
                return np.sum(y)
    return 0.0


def p_for_else_break(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] ** 2
        if s > 100.0:
            break
    else:
        s = s * 3.0
    return s + x[0]


def p_while_break_continue(x):
    i = 0
    s = 0.0
    while True:
        i += 1
        if i % 2 == 0:
            continue
        s = s + np.cos(x[i % x.shape[0]]) * x[0]
        if i >= 7:
            break
    return s


def p_continue_in_nested_while(x):
    total = 0.0
    i = 0
    while i < 3:
        j = 0
        while j < x.shape[0]:
            j += 1
            if j == 2:
                continue
            total = total + x[j - 1] * x[i]
        i += 1
    return total


def p_comp_in_loop(x):
    total = 0.0
    for k in range(1, 4):
        terms = [x[i] ** k / k for i in range(x.shape[0]) if i != k]
        total = total + sum(terms)
    return total


def p_nested_comp(x):
    m = np.array([[x[i] * x[j] for j in range(3)] for i in range(3)])
    return np.sum(m * np.arange(9.0).reshape(3, 3))


def p_generator_sum(x):
    return sum(x[i] * x[i + 1] for i in range(x.shape[0] - 1))


def p_lambda_list(x):
    fs = [lambda v: np.sin(v), lambda v: v**2, lambda v: np.exp(-v)]
    s = 0.0
    for f in fs:
        s = s + np.sum(f(x))
    return s


def p_lambda_list_nested_loop(x):
    fs = [np.tanh, lambda v: v * 0.5, lambda v: np.cos(v) * v]
    y = x
    for r in range(2):
        for f in fs:
            y = f(y) + 0.1 * x
    return np.sum(y)


def p_lambda_list_indexed(x):
    fs = [lambda v: v**3, lambda v: np.log1p(v * v)]
    return np.sum(fs[0](x)) + np.sum(fs[-1](x))


def p_lambda_comp_literal(x):
    fs = [lambda v, k=k: v**k for k in range(1, 4)]
    s = 0.0
    for f in fs:
        s = s + np.sum(f(x))
    return s


def p_lambda_closure_in_loop(x):
    s = 0.0
    for k in range(3):
        g = lambda v: np.sin(v * k)
        s = s + np.sum(g(x))
    return s


def p_comp_reads_loop_var_and_lambda(x):
    s = 0.0
    for k in range(2):
        sq = lambda v: v * v + k
        vals = [sq(x[i]) * (i + k) for i in range(x.shape[0])]
        s = s + sum(vals)
    return s


# ---------------------------------------------------------------------------------------
# (b) the differentiation: subscripts, keyword arguments, dtypes, literals, names
# ---------------------------------------------------------------------------------------


def p_neg_index_slices(x):  # x (3, 4)
    y = np.zeros_like(x)
    y[-1, 1:-1] = x[0, 1:-1] ** 2
    y[0] = x[-1] * 2.0
    y[:, 0] += x[:, -1]
    y[1, ::2] = np.sin(x[1, ::-2])
    return np.sum(y * x)


def p_x_i_slice_n(x):  # x (3, 4)
    n = x.shape[1] - 1
    s = 0.0
    for i in range(x.shape[0]):
        s = s + np.sum(x[i, 1:n] * x[i, 0 : n - 1])
        s = s + x[i, -1] * x[-i - 1, 0]
    return s


def p_kw_sum_keepdims(x):  # x (3, 4)
    m = np.sum(x, keepdims=True, axis=0)
    v = np.mean(x, axis=1, keepdims=False)
    return np.sum(m * x) + np.sum(v**2)


def p_kw_clip_all_keywords(x):  # x (3, 4)
    c = np.clip(a_min=-0.5, a_max=0.8, a=x)
    return np.sum(c * x)


def p_kw_var_std(x):  # x (3, 4)
    a = np.var(x, ddof=1, axis=0)
    b = np.std(keepdims=True, axis=1, a=x)
    return np.sum(a) + np.sum(b * x)


def p_kw_max_prod_cumsum(x):  # x (3, 4)
    mx = np.max(x, keepdims=True, axis=1)
    p = np.prod(x, axis=0)
    c = np.cumsum(x, axis=1)
    return np.sum(mx) + np.sum(p) + np.sum(c[:, -1])


def p_kw_transpose_concat(x):  # x (3, 4)
    t = np.transpose(axes=(1, 0), a=x)
    c = np.concatenate((x, t.T * 2.0), axis=0)
    s = np.stack([x[0], x[1]], axis=1)
    return np.sum(c**2) + np.sum(s[:, 0] * s[:, 1])


def p_kw_norm_where(x):  # x (3, 4)
    n = np.linalg.norm(x, axis=1, ord=2)
    w = np.where(x > 0.0, x, 0.1 * x)
    return np.sum(n) + np.sum(w * w)


def p_kw_omitted_defaults(x):  # x (3, 4)
    return np.sum(np.mean(x)) + np.sum(np.var(x)) + np.max(x) + np.linalg.norm(x)


def p_kw_tensordot_einsum(x):  # x (3, 4)
    a = np.tensordot(x, x, axes=([1], [1]))
    b = np.einsum("ij,ij->i", x, x)
    return np.sum(a) + np.sum(b)


W64 = np.linspace(0.5, 1.5, 4)
SCALE32 = np.float32(0.7)
CFG = {"shift": np.float32(0.25), "w": W64}


def p_float32_x_float64_global(x):  # x float32 (4,)
    y = x * W64 + SCALE32
    return np.sum(np.tanh(y) ** 2)


def p_float32_x_dict_global(x):  # x float32 (4,)
    y = (x + CFG["shift"]) * CFG["w"]
    return np.sum(y**2) / 3.0


def p_float32_only(x):  # x float32 (4,)
    s = np.sum(x * x)
    return 1.0 / (s + np.float32(1.0))


def p_float32_astype(x):  # x float32 (4,)
    y = x.astype(np.float64) * 1.5
    return np.sum(np.sin(y)) + np.float32(2.0) * np.sum(x)


def p_literal_operands(x):  # x (4,)
    c0 = np.array(2.0)
    a = x * c0 + c0 * x[0]
    b = np.float64(3.0) * x - x ** np.float32(2)
    c = 2**x + x**2 + 1 / (x + 3)
    d = np.sum(a) * np.float32(0.5) + 0.5 * np.sum(b)
    return d + np.sum(c) * np.int64(2)


def p_zero_d_array_arithmetic(x):  # x (4,)
    s = np.sum(x)  # NumPy scalar
    z = np.array(s)  # 0-d array
    z = z * z + 1.0
    return float(z) * 0.5 + np.sum(x * np.array(1.5))


def p_dict_string_tuple_keys(x):  # x (4,)
    d = {"a": x * 1.0, ("b", 1): np.zeros(4)}
    d["a"] = d["a"] * 2.0
    d[("b", 1)] = d[("b", 1)] + x**2
    d["a"] = d["a"] + np.sin(x)
    return np.sum(d["a"] * d[("b", 1)])


def p_dict_item_array_update(x):  # x (4,)
    d = {"w": x * 1.0, "v": x**2}
    d["w"][0] = d["v"][1] * 3.0
    d["v"][-1] = 0.5 * d["w"][2]
    return np.sum(d["w"] * d["v"])


def p_dict_keys_alike(x):  # keys that would make alike identifiers
    d = {"a_b": x * 1.0, "a b": x * 2.0, ("a", "b"): x * 3.0, "a-b": x**2, 1: x + 1.0, "1": x - 1.0}
    d["a_b"] = d["a_b"] * d["a b"]
    d[("a", "b")] = d[("a", "b")] + d["a-b"]
    d[1] = d[1] * d["1"]
    return np.sum(d["a_b"]) + np.sum(d[("a", "b")] * 0.5) + np.sum(d[1]) + np.sum(d["a-b"])


def p_dict_keys_odd_strings(x):  # keys with quotes, '#', newlines
    d = {"it's": x * 1.0, 'say "hi"': x * 2.0, "a\nb": x * 3.0, "# not a comment": x**2}
    d["it's"] = d["it's"] * d['say "hi"']
    d["a\nb"] = d["a\nb"] + d["# not a comment"]
    return np.sum(d["it's"]) + np.sum(d["a\nb"])


def p_tuple_key_loop(x):  # x (4,)
    d = {}
    for i in range(2):
        for j in range(2):
            d[(i, j)] = x[i + j] * (i + 1.0) - x[j]
    s = 0.0
    for i in range(2):
        s = s + d[(i, 0)] * d[(i, 1)]
    return s


def p_array_item_updates(x):  # x (4,)
    y = np.ones(6)
    y[1:5] = x
    y[-1] = y[0] + x[-1] * 2.0
    y[2] *= x[1]
    y[0] -= np.sum(x)
    return np.sum(y**2)


def p_non_ascii_names(x):  # x (4,)
    α = 0.5
    σ2 = np.sum(x**2)
    μ = np.mean(x)
    β_ü = np.exp(-μ)
    return α * σ2 + np.log(1.0 + σ2) + β_ü


def p_non_ascii_argument(θ):
    λ = 0.1
    return np.sum(θ**2) * λ + np.sum(np.cos(θ))


def p_generated_name_clashes(x):
    x_bar = x * 2.0
    _t1 = np.sin(x_bar)
    _t0 = x_bar + _t1
    out_bar = np.sum(_t0)
    pullback = out_bar * 0.5
    x_dot = pullback + np.sum(x)
    rt = x_dot * 1.0
    return rt + out_bar


def p_kw_positional_mix(x):  # x (3, 4)
    a = np.mean(x, 0, None, None, True)
    b = np.sum(axis=None, a=x)
    c = np.clip(x, None, 0.5)
    d = np.var(x, 1, None, None, 0, keepdims=True)
    return np.sum(a * x) + b + np.sum(c) + np.sum(d)


def p_kw_method_calls(x):  # x (3, 4)
    a = x.sum(keepdims=True, axis=1)
    b = x.mean(axis=0)
    c = x.clip(max=0.42, min=-0.1)
    return np.sum(a * x) + np.sum(b**2) + np.sum(c * x)


def p_kw_loop_reductions(x):  # x (3, 4)
    s = 0.0
    for ax in range(2):
        s = s + np.sum(np.max(x, axis=ax, keepdims=True) * np.sum(keepdims=True, axis=ax, a=x))
    return s


def p_item_updates_in_loop(x):  # x (3, 4)
    y = np.zeros((3, 4))
    for i in range(3):
        y[i, 1:-1] = x[i, 1:-1] * (i + 1.0)
        y[-i - 1, 0] = x[i, -1] ** 2
        y[i, -1] += x[-1, i]
    return np.sum(y * y)


def p_dict_items_in_loop(x):  # x (4,)
    state = {"pos": x * 1.0, ("vel", 0): np.zeros(4), "k#1": 0.5}
    for step in range(3):
        state[("vel", 0)] = state[("vel", 0)] - state["k#1"] * state["pos"]
        state["pos"] = state["pos"] + 0.1 * state[("vel", 0)]
        if step == 1:
            continue
        state["k#1"] = state["k#1"] * 1.1
    return np.sum(state["pos"] ** 2) + np.sum(state[("vel", 0)])


def p_list_items_neg(x):  # x (4,)
    L = [x[0], x[1] * 2.0, x[2] ** 2, x[3]]
    L[-1] = L[-2] + L[0]
    L[1] = L[-1] * L[1]
    return L[-1] + L[1] + L[2] * L[0]


def p_unicode_loop_and_dict(x):  # x (4,)
    ω = {"α": x * 1.0, "β": 2.0}
    for ι in range(2):
        ω["α"] = ω["α"] * ω["β"] - np.sin(ω["α"])
    σ2 = np.sum(ω["α"] ** 2)
    return σ2


# ---------------------------------------------------------------------------------------
# (c) the simplification: copies, dead code, constant folding in try/except, flags
# ---------------------------------------------------------------------------------------


def p_copy_chain(x):
    y = x
    z = y
    w = z * 2.0
    unused = np.exp(x)  # noqa: F841
    y = y + 1.0
    z = w
    return np.sum(y * z) + np.sum(x)


def p_copy_then_inplace(x):
    y = x.copy()
    z = y * 1.0
    z *= 2.0
    y += z
    return np.sum(y * x)


def p_dead_loop(x):
    s = 0.0
    dead = 0.0
    for i in range(3):
        dead = dead + np.sum(np.exp(x))
        s = s + np.sum(x * i)
    return s


LOG = []


def p_try_passive_literals(x):
    s = np.sum(x**2)
    try:
        LOG.append(2.5)
        LOG.append("step " + str(3))
    except ValueError:
        LOG.append(0.0)
        LOG.append(-1)
    return 2.5 * s


def p_try_except_raise_caught(x):
    s = np.sum(x**3)
    try:
        if 2 * 3 == 6:
            raise ArithmeticError("six " + str(6))
    except ArithmeticError:
        LOG.append(1.5 * 2)
    else:
        LOG.append(0)
    finally:
        LOG.append(4.0)
    return s * 1.5


def p_try_in_loop_passive(x):
    s = 0.0
    for i in range(x.shape[0]):
        try:
            if i == 2:
                raise KeyError("k" + str(i))
            LOG.append(i * 0.5)
        except KeyError:
            LOG.append(-1.0)
        s = s + (i + 1.0) * x[i] ** 2
    return s


def p_try_nested_handlers(x):
    y = np.tanh(x)
    try:
        try:
            raise ValueError(2.0)
        except ValueError:
            LOG.append(3)
            raise IndexError("inner")
    except IndexError:
        LOG.append(0.25)
    return np.sum(y * y)


def p_constant_folding(x):
    c = 2**3
    d = c / 4
    e = d * 0 + 1
    if d > 1:
        y = x * d
    else:
        y = x * 100.0
    return np.sum(y * e) + (c - 8) * np.sum(x**5)


def p_while_and_or(x):
    k = 0
    done = False
    y = x * 1.0
    while not done and k < 10 or k < 2:
        y = np.tanh(y) + 0.5 * x
        k += 1
        done = np.max(np.abs(y)) > 0.6 and k > 3
    return np.sum(y**2)


def p_flag_truth(x):
    flag = x[0] > 0.0 and np.sum(x) < 10.0
    other = 0
    s = np.sum(x**2)
    if flag or other:
        s = s * 2.0
    if not (flag and other):
        s = s + x[1]
    found = False
    i = 0
    while i < x.shape[0] and not found:
        found = x[i] > 0.35
        s = s + x[i]
        i += 1
    return s


# more programs: closures' late binding, comprehension scopes, integer folding, aliases,
# odd subscripts and keys, shadowed builtins, keyword orders, float32 with float64 globals

G64 = np.array([1.0, 2.0, 0.5, 0.25])


def q_late_binding(x):
    k = 2.0
    g = lambda v: v * k
    k = 3.0
    h = lambda v, k=k: v * k
    k = 5.0
    return np.sum(g(x)) + np.sum(h(x))


def q_comp_shadow(x):
    i = 3
    ys = [x[i] * 2.0 for i in range(2)]
    return x[i] * 10.0 + sum(ys)


def q_int_folding(x):
    a = -7 // 2
    b = -7 % 3
    c = 2**-1
    d = round(2.5)
    e = (10**20) * 1e-20
    f = True + True
    return np.sum(x) * a + x[0] * b + x[1] * c + x[2] * d + x[3] * e * f


def q_f32_literal_fold(x):
    c = np.float32(0.1) * 3
    return np.sum(x * c)


def q_alias_reassign(x):
    a = x
    x = x * 2.0
    b = a
    a = a + x
    return np.sum(a * b)


def q_swap_loop(x):
    a, b = x[0], x[1]
    for i in range(3):
        a, b = b, a * b + x[2]
        if i == 1:
            continue
    return a + b


def q_while_or_values(x):
    n = 3
    s = 0.0
    while n and s < 5.0:
        s = s + np.sum(x**2) + 0.5
        n -= 1
    flag = 0 or n
    if flag:
        s = s * 2.0
    return s


def q_ret_in_while_else(x):
    i = 0
    while i < 4:
        for j in range(3):
            if x[j] > 0.4:
                return x[j] * i
            if j == i:
                break
        i += 1
    else:
        return np.sum(x) * 7.0
    return 0.0


def q_neg_zero(x):
    z = -0.0
    return np.sum(x * z) + np.sum(x) * (0.0 * -1) + np.sum(np.copysign(x, z))


def q_comp_in_loop_after(x):
    s = 0.0
    c = 1.0
    for k in range(3):
        ys = [x[j] * c for j in range(k + 1)]
        c = c + 1.0
        s = s + sum(ys)
    return s


def q_bool_int_mix(x):
    m = x > 0.0
    n = np.sum(m)
    return np.sum(x * m) + n * x[0] + np.sum(x[m] ** 2)


def q_dict_get_default(x):
    d = {"a": x * 2.0}
    y = d.get("b", x * 3.0)
    z = d.get("a", 0.0)
    return np.sum(y * z)


def q_idx_odd(x):
    a = x[..., None] * x[None, :]
    b = x[::-1, np.newaxis]
    c = x[1:3:1]
    d = x[(0,)]
    return np.sum(a) + np.sum(b * 2.0) + np.sum(c) + d


def q_keys_braces(x):
    d = {"{a}": x * 1.0, "b\\c": x * 2.0, "%s": x**2, "": x + 1.0}
    d["{a}"] = d["{a}"] * d["b\\c"] + d["%s"] * d[""]
    return np.sum(d["{a}"])


def q_shadow_builtins(x):
    sum = 2.0
    len = np.sum(x)
    _ = x * sum
    __x = np.sin(_)
    return len * np.sum(__x)


def q_kw_norm(x):
    return (
        np.linalg.norm(x, ord=1)
        + np.linalg.norm(x, None, None, True)[0]
        + np.linalg.norm(ord=3, x=x)
    )


def q_kw_dot_swapped(x):
    return np.dot(b=x * 2.0, a=x) + np.inner(x, x)


def q_kw_linspace_arange(x):
    w = np.linspace(start=0.0, stop=1.0, num=4)
    return np.sum(x * w) + np.sum(x * np.arange(stop=4, start=0, step=1))


def q_f32_loop_ret(x):
    s = np.float32(0.0)
    for i in range(4):
        s = s + x[i] * G64[i]
        if s > 10.0:
            return s
    return s * s


def q_zero_d(x):
    return x * x * 2 + np.sin(x) + 1


def q_f32_comp(x):
    return sum([x[i] * np.float32(0.5) ** i for i in range(4)])


def q_f32_div(x):
    n = x.shape[0]
    return np.sum(x) / n + 1.0 / (np.sum(x * x) + 1)


# names the generated code might use too (SSA versions, `_bar`, the function's own name), helpers
# returning early from nested loops, called in a loop, lambdas holding comprehensions


def helper_early(v, k):
    for i in range(v.shape[0]):
        for j in range(i):
            if v[i] * v[j] < -0.05 * k:
                return v[i] * v[j] * k
            if j == 1:
                break
    return np.sum(v) * k


def r_ssa_names(x):
    d = x * 1.0
    d_1 = x * 2.0
    d = d * d_1
    d_2 = d + 1.0
    d = d * d_2
    return np.sum(d + d_1)


def r_ssa_names_dict(x):
    d = {"a": x * 1.0}
    d_1 = x * 3.0
    d["a"] = d["a"] * d_1
    d_2 = {"a": d_1}
    d["a"] = d["a"] + d_2["a"]
    return np.sum(d["a"] * d_1)


def r_fn_named(x):
    r_fn_named = x * 2.0
    r_fn_named_bar = np.sin(r_fn_named)
    return np.sum(r_fn_named_bar)


def r_ret_named(x):
    r_ret_named_bar = x * 1.0
    r_ret_named_dot = r_ret_named_bar**2
    x_1 = r_ret_named_dot + x
    x = x_1 * 2.0
    return np.sum(x)


def r_loop_names(x):
    s = 0.0
    s_1 = 1.0
    for i in range(3):
        s_2 = s + x[i]
        s = s_2 * s_1
        s_1 = s_1 + x[i + 1]
    return s + s_1


def r_unicode_keys_items(x):
    d = {"σ": x * 1.0, "s": x * 2.0, "σ2": x**2}
    d["σ"] = d["σ"] * d["s"] + d["σ2"]
    return np.sum(d["σ"])


def r_tape_names(x):
    y = x * 1.0
    ys = []
    for i in range(3):
        y = np.tanh(y) * x
        ys.append(y)
    ys_tape = ys[0]
    _tape = ys[-1]
    return np.sum(ys_tape * _tape)


def r_seed_names(x):
    out_bar = 3.0
    seed = np.sum(x) * out_bar
    g = seed**2
    return g


def r_calls_helper_in_loop(x):
    s = 0.0
    for k in range(1, 4):
        s = s + helper_early(x * k, k)
    return s


def r_lambda_with_comp(x):
    g = lambda v: sum([v[i] ** 2 for i in range(v.shape[0])])
    s = 0.0
    for k in range(2):
        s = s + g(x * (k + 1.0))
    return s


def r_comp_filter_on_values(x):
    return sum([x[i] * x[i] for i in range(x.shape[0]) if x[i] > 0.0])


def r_nested_def_in_loop(x):
    s = 0.0
    for k in range(3):

        def h(v):
            return np.cos(v) * k

        s = s + np.sum(h(x))
    return s


def r_dict_comp_in_loop(x):
    s = 0.0
    for k in range(2):
        d = {f"w{i}": x[i] * (k + 1.0) for i in range(3)}
        s = s + d["w0"] * d["w2"] + d["w1"]
    return s


def r_while_else_return(x):
    i = 0
    s = 0.0
    while i < 4:
        s = s + x[i] ** 2
        if s > 1.0:
            break
        i += 1
    else:
        return s * 2.0
    return s


def r_lambdas_tuple_loop(x):
    ops = (lambda v: v + 1.0, np.sin, lambda v: v * v)
    y = x
    for i in range(2):
        for op in ops:
            if i == 1 and op is np.sin:
                continue
            y = op(y)
    return np.sum(y)


def r_zip_enumerate(x):
    ws = [0.5, 1.5, 2.5]
    s = 0.0
    for i, (w, v) in enumerate(zip(ws, [x[0], x[1], x[2]])):
        if i == 1:
            continue
        s = s + w * v**2
    return s


# ---------------------------------------------------------------------------------------
# the table
# ---------------------------------------------------------------------------------------

X1 = np.array([0.3, -0.2, 0.45, 0.1])
X2 = np.array([[0.3, -0.2, 0.45, 0.1], [0.25, 0.6, -0.35, 0.2], [-0.15, 0.4, 0.05, 0.7]])
X32 = np.array([0.3, -0.2, 0.45, 0.1], dtype=np.float32)

PROGRAMS = {
    "nested_break_continue": (p_nested_break_continue, X1),
    "early_return_inner": (p_early_return_inner, np.array([0.5, 1.0, 2.0, 1.5])),
    "early_return_in_branch_in_loop": (p_early_return_in_branch_in_loop, X1),
    "for_else_break": (p_for_else_break, X1),
    "while_break_continue": (p_while_break_continue, X1),
    "continue_in_nested_while": (p_continue_in_nested_while, X1),
    "comp_in_loop": (p_comp_in_loop, X1 + 1.0),
    "nested_comp": (p_nested_comp, X1),
    "generator_sum": (p_generator_sum, X1),
    "lambda_list": (p_lambda_list, X1),
    "lambda_list_nested_loop": (p_lambda_list_nested_loop, X1),
    "lambda_list_indexed": (p_lambda_list_indexed, X1),
    "lambda_comp_literal": (p_lambda_comp_literal, X1),
    "lambda_closure_in_loop": (p_lambda_closure_in_loop, X1),
    "comp_reads_loop_var_and_lambda": (p_comp_reads_loop_var_and_lambda, X1),
    "neg_index_slices": (p_neg_index_slices, X2),
    "x_i_slice_n": (p_x_i_slice_n, X2),
    "kw_sum_keepdims": (p_kw_sum_keepdims, X2),
    "kw_clip_all_keywords": (p_kw_clip_all_keywords, X2),
    "kw_var_std": (p_kw_var_std, X2),
    "kw_max_prod_cumsum": (p_kw_max_prod_cumsum, X2),
    "kw_transpose_concat": (p_kw_transpose_concat, X2),
    "kw_norm_where": (p_kw_norm_where, X2),
    "kw_omitted_defaults": (p_kw_omitted_defaults, X2),
    "kw_tensordot_einsum": (p_kw_tensordot_einsum, X2),
    "float32_x_float64_global": (p_float32_x_float64_global, X32),
    "float32_x_dict_global": (p_float32_x_dict_global, X32),
    "float32_only": (p_float32_only, X32),
    "float32_astype": (p_float32_astype, X32),
    "literal_operands": (p_literal_operands, X1),
    "zero_d_array_arithmetic": (p_zero_d_array_arithmetic, X1),
    "dict_string_tuple_keys": (p_dict_string_tuple_keys, X1),
    "dict_item_array_update": (p_dict_item_array_update, X1),
    "dict_keys_alike": (p_dict_keys_alike, X1),
    "dict_keys_odd_strings": (p_dict_keys_odd_strings, X1),
    "tuple_key_loop": (p_tuple_key_loop, X1),
    "array_item_updates": (p_array_item_updates, X1),
    "non_ascii_names": (p_non_ascii_names, X1),
    "kw_positional_mix": (p_kw_positional_mix, X2),
    "kw_method_calls": (p_kw_method_calls, X2),
    "kw_loop_reductions": (p_kw_loop_reductions, X2),
    "item_updates_in_loop": (p_item_updates_in_loop, X2),
    "dict_items_in_loop": (p_dict_items_in_loop, X1),
    "list_items_neg": (p_list_items_neg, X1),
    "unicode_loop_and_dict": (p_unicode_loop_and_dict, X1),
    "non_ascii_argument": (p_non_ascii_argument, X1),
    "generated_name_clashes": (p_generated_name_clashes, X1),
    "copy_chain": (p_copy_chain, X1),
    "copy_then_inplace": (p_copy_then_inplace, X1),
    "dead_loop": (p_dead_loop, X1),
    "try_passive_literals": (p_try_passive_literals, X1),
    "try_except_raise_caught": (p_try_except_raise_caught, X1),
    "try_in_loop_passive": (p_try_in_loop_passive, X1),
    "try_nested_handlers": (p_try_nested_handlers, X1),
    "constant_folding": (p_constant_folding, X1),
    "while_and_or": (p_while_and_or, X1),
    "flag_truth": (p_flag_truth, X1),
    "late_binding": (q_late_binding, X1),
    "comp_shadow": (q_comp_shadow, X1),
    "int_folding": (q_int_folding, X1),
    "f32_literal_fold": (q_f32_literal_fold, X1),
    "alias_reassign": (q_alias_reassign, X1),
    "swap_loop": (q_swap_loop, X1),
    "while_or_values": (q_while_or_values, X1),
    "ret_in_while_else": (q_ret_in_while_else, X1),
    "neg_zero": (q_neg_zero, X1),
    "comp_in_loop_after": (q_comp_in_loop_after, X1),
    "bool_int_mix": (q_bool_int_mix, X1),
    "dict_get_default": (q_dict_get_default, X1),
    "idx_odd": (q_idx_odd, X1),
    "keys_braces": (q_keys_braces, X1),
    "shadow_builtins": (q_shadow_builtins, X1),
    "kw_norm": (q_kw_norm, X1),
    "kw_dot_swapped": (q_kw_dot_swapped, X1),
    "kw_linspace_arange": (q_kw_linspace_arange, X1),
    "f32_loop_ret": (q_f32_loop_ret, X32),
    "f32_comp": (q_f32_comp, X32),
    "f32_div": (q_f32_div, X32),
    "zero_d_argument": (q_zero_d, np.array(0.7)),
    "ssa_names": (r_ssa_names, X1),
    "ssa_names_dict": (r_ssa_names_dict, X1),
    "fn_named": (r_fn_named, X1),
    "ret_named": (r_ret_named, X1),
    "loop_names": (r_loop_names, X1),
    "unicode_keys_items": (r_unicode_keys_items, X1),
    "tape_names": (r_tape_names, X1),
    "seed_names": (r_seed_names, X1),
    "calls_helper_in_loop": (r_calls_helper_in_loop, X1),
    "lambda_with_comp": (r_lambda_with_comp, X1),
    "comp_filter_on_values": (r_comp_filter_on_values, X1),
    "nested_def_in_loop": (r_nested_def_in_loop, X1),
    "dict_comp_in_loop": (r_dict_comp_in_loop, X1),
    "while_else_return": (r_while_else_return, X1),
    "lambdas_tuple_loop": (r_lambdas_tuple_loop, X1),
    "zip_enumerate": (r_zip_enumerate, X1),
    "float32_scalar_argument": (q_zero_d, np.float32(0.7)),
}

HESSIAN_PROGRAMS = [
    "nested_break_continue",
    "comp_in_loop",
    "lambda_list",
    "kw_sum_keepdims",
    "neg_index_slices",
    "dict_string_tuple_keys",
    "non_ascii_names",
    "try_in_loop_passive",
    "while_and_or",
    "float32_x_float64_global",
    "dict_items_in_loop",
    "item_updates_in_loop",
    "ret_in_while_else",
    "f32_loop_ret",
    "zero_d_argument",
    "calls_helper_in_loop",
    "ssa_names_dict",
]

# name -> reason: genuine bugs found (strict expected failures), filled in below per test
PENDING = {
    (test, "lambdas_tuple_loop"): "refused: `continue` in a loop over a tuple of functions "
    "(UnsupportedSyntaxError: break or continue in a loop over functions or layers; the README "
    "lists `break` in such loops as not yet supported)"
    for test in ("grad_fd", "jvp_grad", "value", "source")
}


def _mark(test, name):
    reason = PENDING.get((test, name))
    if reason:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))
    return name


def _params(test, names=None):
    return [_mark(test, n) for n in (names or PROGRAMS)]


def _fd_grad(f, x, eps=1e-6):
    """Central differences, in float64 (a float32 argument is widened first)."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        g[idx] = (float(f(xp)) - float(f(xm))) / (2 * eps)
    return g


def _tols(x):
    # float32 gradients are rounded to float32 (the argument's dtype)
    return (2e-6, 1e-6) if x.dtype == np.float32 else (1e-6, 1e-8)


@pytest.mark.parametrize("name", _params("grad_fd"))
def test_grad_vs_central_differences(name):
    f, x = PROGRAMS[name]
    g = ad.grad(f)(x.copy())
    assert np.shape(g) == x.shape
    rtol, atol = _tols(x)
    np.testing.assert_allclose(
        np.asarray(g, dtype=np.float64), _fd_grad(f, x), rtol=rtol * 10, atol=atol * 100
    )


@pytest.mark.parametrize("name", _params("jvp_grad"))
def test_jvp_vs_grad(name):
    f, x = PROGRAMS[name]
    rng = np.random.default_rng(7)
    v = rng.standard_normal(x.shape).astype(x.dtype)
    primal, tangent = ad.jvp(f, (x.copy(),), (v,))
    g = ad.grad(f)(x.copy())
    expected = float(np.sum(np.asarray(g, dtype=np.float64) * v))
    rtol, atol = _tols(x)
    np.testing.assert_allclose(float(tangent), expected, rtol=rtol, atol=atol)
    plain = f(x.copy())
    assert float(primal) == float(plain)


@pytest.mark.parametrize("name", _params("value"))
def test_value_and_grad_value_bit_for_bit(name):
    f, x = PROGRAMS[name]
    plain = f(x.copy())
    value, g = ad.value_and_grad(f)(x.copy())
    assert type(value) is type(plain) or np.asarray(value).dtype == np.asarray(plain).dtype, (
        type(value),
        type(plain),
    )
    assert np.asarray(value).tobytes() == np.asarray(plain).tobytes(), (value, plain)
    g2 = ad.grad(f)(x.copy())
    np.testing.assert_array_equal(g, g2)


@pytest.mark.parametrize("name", _params("source"))
def test_derivative_source_compiles(name):
    f, x = PROGRAMS[name]
    src = ad.derivative_source(f, mode="gradient", args=(x.copy(),))
    assert isinstance(src, str) and src.strip()
    compile(src, f"<{name}_grad>", "exec")
    src_r = ad.derivative_source(f)
    compile(src_r, f"<{name}_vjp>", "exec")


@pytest.mark.parametrize("name", _params("hessian", HESSIAN_PROGRAMS))
def test_hessian_vs_differences_of_grad(name):
    f, x = PROGRAMS[name]
    h = np.asarray(ad.hessian(f)(x.copy()), dtype=np.float64)
    n = x.size
    assert h.shape == x.shape + x.shape
    x64 = np.array(x, dtype=np.float64)
    gf = ad.grad(f)
    eps = 1e-5
    ref = np.zeros((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = eps
        e = e.reshape(x.shape)
        ref[:, k] = (np.ravel(gf(x64 + e)) - np.ravel(gf(x64 - e))) / (2 * eps)
    rtol = 1e-4 if x.dtype == np.float32 else 1e-6
    np.testing.assert_allclose(h.reshape(n, n), ref, rtol=rtol, atol=1e-6)
