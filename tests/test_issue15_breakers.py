# ruff: noqa: B023, B905, E731, SIM118, UP031, UP032 -- the programs are written the way users write them
"""Issue 15 breakers: everyday Python a JAX/autograd user writes, checked against
the plain call and central differences only."""

import os
import re

import numpy as np
import pytest

import s2s_ad as ad

HERE = os.path.basename(__file__)
STEP = 1e-6


def _located(err):
    s = str(err)
    return HERE in s and re.search(r"line \d+|:\d+", s) is not None


def _num_grad(f, args, wrt):
    x = args[wrt]
    if np.isscalar(x) or np.ndim(x) == 0:

        def at(v):
            a = list(args)
            a[wrt] = v
            return float(f(*a))

        return (at(float(x) + STEP) - at(float(x) - STEP)) / (2 * STEP)
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += STEP
        xm = x.copy()
        xm[i] -= STEP
        a = list(args)
        a[wrt] = xp
        fp = float(f(*a))
        a[wrt] = xm
        fm = float(f(*a))
        g[i] = (fp - fm) / (2 * STEP)
    return g


def check(capsys, f, *args, wrt=0, fn=None):
    """fn: the function given to s2s_ad (defaults to f); f is the plain one."""
    fn = f if fn is None else fn
    capsys.readouterr()
    expect_val = f(*args)
    expect_out = capsys.readouterr().out
    num = _num_grad(f, args, wrt)
    capsys.readouterr()
    try:
        for mode in ("reverse", "forward"):
            g = ad.grad(fn, wrt=wrt, mode=mode)(*args)
            out = capsys.readouterr().out
            assert out == expect_out, f"{mode}: printed {out!r}, plain printed {expect_out!r}"
            np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7, err_msg=mode)
        v, g = ad.value_and_grad(fn, wrt=wrt)(*args)
        out = capsys.readouterr().out
    except ad.S2SError as err:
        # an EvaluationError is the generated code crashing, not a refusal: fail it
        if _located(err) and type(err).__name__ != "EvaluationError":
            pytest.skip(str(err))
        raise
    assert out == expect_out, f"value_and_grad printed {out!r}, plain printed {expect_out!r}"
    np.testing.assert_allclose(v, expect_val, rtol=1e-12, atol=0)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7)


X = np.array([0.3, -1.2, 0.7, 2.1])
W = np.array([0.5, 0.25, -0.4, 1.1])


# ---- passive code -------------------------------------------------------


def f_print_loop(x):
    s = 0.0
    for i in range(3):
        s = s + np.sin(x[i]) * x[i + 1]
        print("step", i, s)
    return s


def f_print_branch(x):
    t = np.sum(x**2)
    if t > 1.0:
        print(f"big {t:.4f}")
        t = np.sqrt(t)
    else:
        print("small", t)
    return t


def f_assert_loop(x):
    acc = 1.0
    for v in x:
        assert np.isfinite(v), "bad"
        acc = acc * (1.0 + 0.1 * v)
    assert acc > 0
    return acc


def f_fstring_value(x):
    total = np.dot(x, x)
    label = f"loss={total:.3f} n={len(x)}"
    print(label.upper())
    return total * 0.5


def f_errstate(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(np.abs(x)) / (1.0 + x**2)
    return np.sum(y)


def f_errstate_loop(x):
    s = 0.0
    for i in range(len(x)):
        with np.errstate(over="raise"):
            s = s + np.exp(0.5 * x[i])
            if i % 2 == 0:
                print("i", i)
    return s


def f_print_while(x):
    k = 0
    v = x[0]
    while k < 4:
        v = np.cos(v) + x[1]
        print("k=%d v=%.5f" % (k, v))
        k += 1
    return v


def f_raise_unreached(x):
    if x.shape[0] != 4:
        raise ValueError("need 4")
    print("shape ok", x.shape)
    return np.prod(x[:2]) + x[3]


# ---- comprehensions -------------------------------------------------------


def f_listcomp(x):
    ys = [np.tanh(a) * a for a in x]
    return sum(ys)


def f_nested_comp(x):
    pairs = [x[i] * x[j] for i in range(len(x)) for j in range(i + 1, len(x)) if (i + j) % 2 == 1]
    return sum(pairs)


def f_comp_shadow(x):
    a = 2.0
    ys = [a * 3.0 for a in x]  # comprehension's own a
    return sum(ys) + a * x[0]  # outer a is still 2.0


def f_comp_zip(x, w):
    return sum([wi * np.exp(xi) for wi, xi in zip(w, x)])


def f_comp_enum(x):
    return sum([(i + 1) * v**2 for i, v in enumerate(x)])


def f_dict_comp(x):
    d = {f"k{i}": x[i] ** 2 for i in range(len(x))}
    tot = 0.0
    for k, v in d.items():
        tot = tot + v * len(k)
    return tot


def f_genexp_sum(x, w):
    return sum(wi * xi for wi, xi in zip(w, x)) ** 2


def f_genexp_filtered(x):
    return sum(v * v * v for v in x if v > 0)


def f_comp_of_comp(x):
    rows = [[x[i] * x[j] for j in range(3)] for i in range(3)]
    m = np.array(rows)
    return np.trace(m @ m)


def f_comp_enum_zip(x, w):
    return sum([i * a * b for i, (a, b) in enumerate(zip(x, w))])


def f_comp_in_branch(x):
    if x[0] > 0:
        return max([np.sin(v) for v in x])
    return min([np.sin(v) for v in x])


# ---- lambdas ----------------------------------------------------------------


def f_lambda_assigned(x):
    sq = lambda v: v * v + 1.0
    return sq(x[0]) * sq(x[1])


def _apply_all(fun, xs):
    return [fun(v) for v in xs]


def f_lambda_to_helper(x):
    c = 0.5
    return sum(_apply_all(lambda v: np.exp(c * v), x))


def loss(w, x):
    return np.sum((np.tanh(w * x) - 0.5) ** 2)


def f_lambda_closure_default(x):
    scale = 3.0
    g = lambda v, s=scale: s * np.sin(v)
    return g(x[0]) + g(x[2], 2.0)


# ---- builtins ---------------------------------------------------------------


def f_max_list(x):
    return max([x[0] * 2.0, x[1] ** 2, x[2] + 1.0])


def f_min_array(x):
    return min(x) * max(x)


def f_max_args(x):
    return max(x[0], x[2], x[3] * 0.1) + min(x[1], x[2])


def f_sorted(x):
    s = sorted([v**2 for v in x])
    return s[0] + 2.0 * s[-1]


def f_sorted_reverse_key(x):
    s = sorted(list(x), reverse=True, key=lambda v: abs(v))
    return s[0] * s[1]


def f_reversed(x):
    acc = 0.0
    for i, v in enumerate(reversed(list(x))):
        acc = acc * 0.5 + v * (i + 1)
    return acc


def f_map_filter(x):
    pos = list(filter(lambda v: v > 0, x))
    return sum(map(lambda v: np.log(1.0 + v), pos))


def f_map_two(x, w):
    return sum(list(map(lambda a, b: a * b, x, w)))


def f_pop_insert(x):
    xs = list(x)
    last = xs.pop()
    xs.insert(0, last * 2.0)
    xs.extend([x[0], x[1]])
    return xs[0] * xs[1] + xs[-1] * len(xs)


def f_swap_star(x):
    a = list(x)
    a[0], a[3] = a[3], a[0]
    first, *rest = a
    return first * sum(rest)


def f_zip_star(x):
    pairs = [(x[0], x[1]), (x[2], x[3])]
    firsts, seconds = zip(*pairs)
    return sum(firsts) * sum(seconds)


# ---- dicts ----------------------------------------------------------------


def f_dict_params(x):
    params = {"w": x[:2], "b": x[2]}
    params["v"] = x[3] * 2.0
    out = np.sum(params["w"] ** 2) + params.get("b", 0.0) * params["v"]
    for k in params.keys():
        if k in ("b",):
            out = out + params[k]
    return out + params.get("missing", 1.5)


def f_dict_values(x):
    d = dict(a=x[0], b=x[1] * x[2])
    return sum(d.values()) * len(d)


# ---- *args / **kwargs ----------------------------------------------------------


def _combine(*args):
    s = 0.0
    for i, a in enumerate(args):
        s = s + (i + 1) * a
    return s


def _layer(x, *, w=1.0, b=0.0, **extra):
    y = np.tanh(w * x + b)
    if extra.get("square", False):
        y = y * y
    return y


def f_star_args(x):
    return _combine(x[0], x[1], x[2] ** 2)


def f_star_call(x):
    vals = [x[0], np.sin(x[1]), x[3]]
    return _combine(*vals)


def f_kwargs_call(x):
    opts = {"w": x[0], "b": x[1], "square": True}
    return np.sum(_layer(x[2:], **opts))


def _rnn_step(h, *params):
    wh, wx = params
    return np.tanh(wh * h + wx)


def f_rnn_args(x):
    h = 0.0
    for t in range(3):
        h = _rnn_step(h, x[0], x[t + 1])
    return h


# ---- computed shapes -------------------------------------------------------------


def f_reshape_computed(x):
    n = len(x) // 2
    m = x.reshape(n, 2)
    z = np.zeros((n, n + 1))
    z[:, :2] = m
    return np.sum(z.reshape(n * (n + 1)) ** 2) + np.sum(np.ones(n) * m[:, 0])


CASES_1 = [
    f_print_loop,
    f_print_branch,
    f_assert_loop,
    f_fstring_value,
    f_errstate,
    f_errstate_loop,
    f_print_while,
    f_raise_unreached,
    f_listcomp,
    f_nested_comp,
    f_comp_shadow,
    f_comp_enum,
    f_dict_comp,
    f_genexp_filtered,
    f_comp_of_comp,
    f_comp_in_branch,
    f_lambda_assigned,
    f_lambda_to_helper,
    f_lambda_closure_default,
    f_max_list,
    f_min_array,
    f_max_args,
    f_sorted,
    f_sorted_reverse_key,
    f_reversed,
    f_map_filter,
    f_pop_insert,
    f_swap_star,
    f_zip_star,
    f_dict_params,
    f_dict_values,
    f_star_args,
    f_star_call,
    f_kwargs_call,
    f_rnn_args,
    f_reshape_computed,
]
CASES_2 = [f_comp_zip, f_genexp_sum, f_comp_enum_zip, f_map_two]


@pytest.mark.parametrize("f", CASES_1, ids=lambda f: f.__name__)
def test_one_arg(capsys, f):
    check(capsys, f, X.copy())


@pytest.mark.parametrize("f", CASES_2, ids=lambda f: f.__name__)
@pytest.mark.parametrize("wrt", [0, 1])
def test_two_args(capsys, f, wrt):
    check(capsys, f, X.copy(), W.copy(), wrt=wrt)


def test_comp_in_branch_other_side(capsys):
    check(capsys, f_comp_in_branch, -X)


def test_grad_of_lambda_direct(capsys):
    xdata = np.array([0.2, -0.4, 1.3, 0.9])
    check(capsys, lambda w: loss(w, xdata), W.copy())


def test_grad_of_lambda_printing(capsys):
    check(capsys, lambda v: (print("at", v[0]), np.sum(v**3))[1], X.copy())


def test_value_and_grad_lambda_wrt_data(capsys):
    w0 = W.copy()
    check(capsys, lambda x: loss(w0, x) + max(x) * 0.5, X.copy())


# ---- round two: harder corners ---------------------------------------------------


def f_comp_shadows_param(x):
    ys = [x * 2.0 for x in x]  # target named like the parameter
    return sum(ys) * x[0]  # x is the array again here


def f_comp_loopvar_survives(x):
    i = 3
    ys = [x[i] ** 2 for i in range(2)]
    return sum(ys) + x[i]  # i is still 3


def f_comp_ifexp(x):
    return sum([v if v > 0 else 0.1 * v for v in x])


def f_genexp_max_min(x):
    return max(v * v for v in x) - min(np.sin(v) for v in x)


def f_max_tie_same(x):
    a = x[1] * 2.0
    return max([a, a, x[0]])  # the two equal entries are one value


def f_any_all(x):
    s = np.sum(x**2)
    if any(v > 2.0 for v in x) and all(v > -5.0 for v in x):
        s = s * x[0]
    return s


def f_set_comp_constants(x):
    parity = {i % 2 for i in range(5)}
    return len(parity) * np.sum(x) + (1 in parity) * x[1] ** 2


def f_comp_in_while(x):
    k = 0
    s = 0.0
    while k < 2:
        s = s + sum([np.cos(v + k) for v in x[k:]])
        k += 1
    return s


def f_dict_comp_items_filtered(x):
    d = {"a": x[0], "b": x[1], "c": x[2] * x[3]}
    e = {k: v**2 for k, v in d.items() if k != "b"}
    return sum(e.values()) + e.get("b", x[1])


def f_enumerate_items(x):
    d = {"p": x[0], "q": x[1] + x[2]}
    s = 0.0
    for i, (k, v) in enumerate(d.items()):
        s = s + (i + 1) * v * len(k)
    return s


def f_lambda_list_defaults(x):
    fs = [lambda v, k=k: v**k for k in range(1, 4)]
    return sum(f(x[0]) for f in fs)


def f_lambda_ifexp(x):
    ab = lambda v: v if v > 0 else -v
    return ab(x[0]) * ab(x[1])


def f_map_numpy_fn(x):
    return sum(map(np.tanh, x)) + sum(map(abs, x))


def f_float_of_active(x):
    vals = list(map(float, x))
    return vals[0] * vals[2]


def _wrap(*a, **k):
    return _layer(*a, **k)


def f_forward_star_kw(x):
    return np.sum(_wrap(x[:3], w=x[3], b=0.1))


def f_print_kwargs_array(x):
    y = x * 2.0
    print(y, sep="|", end=";\n")
    print("%s" % (y[:2],), flush=True)
    return np.sum(y**2)


def f_try_finally_passive(x):
    s = np.sum(np.exp(x))
    try:
        msg = "sum is " + str(len(x))
    finally:
        print("done")
    print(msg)
    return s


def _logger_helper(tag, v):
    print(tag, "->", round(float(v), 4))


def f_helper_for_effect(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + v**3
        _logger_helper(f"it{i}", s)
    return s


def f_dict_update_in_loop(x):
    d = {"a": x[0], "b": x[1]}
    for k in list(d):
        d[k] = d[k] * x[2]
    return d["a"] + d["b"] ** 2


def f_stack_comp(x):
    rows = [np.array([v, v**2]) for v in x]
    m = np.stack(rows)
    return np.sum(m[:, 1] * m[:, 0])


def f_zeros_len_fill(x):
    n = len(x)
    out = np.zeros(n * 2)
    for i in range(n):
        out[2 * i] = x[i]
        out[2 * i + 1] = x[i] ** 2
    return np.sum(out.reshape(n, -1)[:, 1] * out[::2])


def f_sorted_pairs_key(x):
    pairs = sorted(zip(list(x), [3, 1, 2, 0]), key=lambda p: p[1])
    return sum(a * (j + 1) for j, (a, _) in enumerate(pairs))


def f_index_count_in(x):
    xs = [x[0], x[1], x[2]]
    j = [10, 20, 30].index(20)
    return xs[j] * [1, 2, 2].count(2) + (xs[0] if 2 in [1, 2] else 0.0)


CASES_3 = [
    f_comp_shadows_param,
    f_comp_loopvar_survives,
    f_comp_ifexp,
    f_genexp_max_min,
    f_max_tie_same,
    f_any_all,
    f_set_comp_constants,
    f_comp_in_while,
    f_dict_comp_items_filtered,
    f_enumerate_items,
    f_lambda_list_defaults,
    f_lambda_ifexp,
    f_map_numpy_fn,
    f_float_of_active,
    f_forward_star_kw,
    f_print_kwargs_array,
    f_try_finally_passive,
    f_helper_for_effect,
    f_dict_update_in_loop,
    f_stack_comp,
    f_zeros_len_fill,
    f_sorted_pairs_key,
    f_index_count_in,
]


@pytest.mark.parametrize("f", CASES_3, ids=lambda f: f.__name__)
def test_round_two(capsys, f):
    check(capsys, f, X.copy())


# ---- second order: d2f/dx0^2 by grad(grad) against central differences -----------


def s_print_comp(a):
    ys = [np.sin(a * k) for k in range(1, 4)]
    print("ys", len(ys))
    return sum(ys) * a


def s_lambda_gen(a):
    sq = lambda v: v * v
    return sum(sq(a + k) * np.exp(-a) for k in range(3))


def s_max_errstate(a):
    with np.errstate(all="ignore"):
        return max([a**3, 2.0 * a, np.log(1.0 + a * a)])


@pytest.mark.parametrize(
    "f", [s_print_comp, s_lambda_gen, s_max_errstate], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_second_order(capsys, f, mode):
    a = 0.7
    h = 1e-4
    capsys.readouterr()
    f(a)
    one = capsys.readouterr().out
    num = (f(a + h) - 2 * f(a) + f(a - h)) / h**2
    capsys.readouterr()
    try:
        g2 = ad.grad(ad.grad(f, mode=mode), mode=mode)(a)
    except ad.S2SError as err:
        if _located(err):
            pytest.skip(str(err))
        raise
    out = capsys.readouterr().out
    assert out == one, f"printed {out!r}, plain printed {one!r}"
    np.testing.assert_allclose(g2, num, rtol=1e-5)


# ---- round three: what the derivative sees --------------------------------------


def f_print_types(x):
    s = np.sum(x**2)
    print(type(x).__name__, type(s).__name__, x.dtype, s.dtype, x.shape)
    print(repr(x[0]), repr(s))
    return s


def f_isinstance_branch(x):
    s = x[0] * x[1]
    if isinstance(s, float):
        return s * 2.0
    return s * 3.0


def f_fstring_eq(x):
    s = np.dot(x, x)
    print(f"{s=:.6f} {x[0]!r}")
    assert s > 0, f"s={s}"
    return np.sqrt(s)


def f_sum_start(x):
    return sum([v**2 for v in x], 0.5 * x[0])


def f_np_array_comp(x):
    return np.sum(np.array([np.sin(v) * v for v in x]) ** 2) + np.sum([v**2 for v in x])


def f_size_reshape(x):
    m = x.reshape(x.size // 2, int(np.prod(x.shape)) // 2)
    return np.sum(m @ m.T)


def f_reversed_range_enum_start(x):
    s = 0.0
    for i in reversed(range(len(x))):
        s = s * 0.9 + x[i]
    for j, v in enumerate(x, start=1):
        s = s + j * v**2
    return s


def f_kwargs_mixed(x):
    return np.sum(_layer(x[:2], **{"w": 2.0}, b=x[3]))


def f_tolist_comp(x):
    return sum([v * v for v in x.tolist()])


def f_print_in_comp(x):
    ys = [np.exp(v) for v in x if print("v", round(float(v), 3)) is None]
    return sum(ys)


def f_comp_closure_later(x):
    c = x[0]
    ys = [c * v for v in x]
    c = 100.0
    return sum(ys) + c


def f_print_count_helper(x):
    _logger_helper("start", x[0])
    return np.sum(np.exp(x)) * x[1]


CASES_4 = [
    f_print_types,
    f_isinstance_branch,
    f_fstring_eq,
    f_sum_start,
    f_np_array_comp,
    f_size_reshape,
    f_reversed_range_enum_start,
    f_kwargs_mixed,
    f_tolist_comp,
    f_print_in_comp,
    f_comp_closure_later,
    f_print_count_helper,
]


@pytest.mark.parametrize("f", CASES_4, ids=lambda f: f.__name__)
def test_round_three(capsys, f):
    check(capsys, f, X.copy())


def test_jacobian_of_lambda_prints_once(capsys):
    fn = lambda v: np.array([sum(a * a for a in v), max(v)])
    capsys.readouterr()
    expect = fn(X)
    capsys.readouterr()
    try:
        J = ad.jacobian(lambda v: np.array([sum(a * a for a in v), max(v)]), mode="reverse")(
            X.copy()
        )
    except ad.S2SError as err:
        if _located(err):
            pytest.skip(str(err))
        raise
    num = np.array([_num_grad(lambda v, k=k: fn(v)[k], [X.copy()], 0) for k in range(2)])
    assert expect.shape == (2,)
    np.testing.assert_allclose(J, num, rtol=1e-6, atol=1e-7)


# ---- round four ------------------------------------------------------------------


def f_dict_for_keys_sorted(x):
    d = {"b": x[1], "a": x[0]}
    for k in sorted(d):
        d[k] = d[k] + x[2] * len(k)
    for k in list(d.keys()):
        d[k] = d[k] * 2.0
    return d["a"] * d["b"]


def f_nested_genexp(x, w):
    return sum(sum(a * np.sin(b) for b in x) for a in w)


def f_rows_comp(x, w):
    m = np.outer(x, w)
    return sum([row @ w for row in m]) + sum(np.tanh(r).sum() for r in m)


def f_lambda_in_loop(x):
    s = 0.0
    for k in range(3):
        f = lambda v: v * (k + 1)
        s = s + f(x[k]) ** 2
    return s


def f_map_closing_active(x):
    return sum(list(map(lambda v: v * x[0], x)))


def f_print_starred(x):
    xs = [x[0] * 2.0, x[1]]
    print(*xs)
    print(", ".join(f"{v:.2f}" for v in x))
    print("{:.3f}".format(xs[0]), str(xs[1]))
    return xs[0] * xs[1]


def f_two_contexts(x):
    with np.errstate(divide="ignore"), np.printoptions(precision=3):
        print(x)
        y = np.sum(x / (1.0 + x**2))
    return y


def f_zip_star_transpose(x):
    m = [[x[0], x[1]], [x[2], x[3]]]
    cols = list(zip(*m))
    return cols[0][1] * cols[1][0] + sum(cols[1])


def f_sorted_unpack(x):
    a, b = sorted([x[0], x[1]])
    return a * 3.0 + b


def f_appended_max(x):
    xs = []
    for v in x:
        xs.append(np.sin(v) * v + v)  # no near-ties at X
    return max(xs) - min(xs)


def f_list_elem_inplace(x):
    xs = list(x)
    for i in range(len(xs)):
        xs[i] *= i + 1.0
    return sum(xs) * xs[0]


def f_dict_of_lists(x):
    params = {"layers": [x[:2], x[2:]], "scale": x[0]}
    return sum(np.sum(w**2) for w in params["layers"]) * params["scale"]


CASES_5 = [
    f_dict_for_keys_sorted,
    f_rows_comp,
    f_lambda_in_loop,
    f_map_closing_active,
    f_print_starred,
    f_two_contexts,
    f_zip_star_transpose,
    f_sorted_unpack,
    f_appended_max,
    f_list_elem_inplace,
    f_dict_of_lists,
]


@pytest.mark.parametrize("f", CASES_5, ids=lambda f: f.__name__)
def test_round_four(capsys, f):
    if f is f_rows_comp:
        check(capsys, f, X.copy(), W.copy())
        check(capsys, f, X.copy(), W.copy(), wrt=1)
    else:
        check(capsys, f, X.copy())


@pytest.mark.parametrize("wrt", [0, 1])
def test_nested_genexp(capsys, wrt):
    check(capsys, f_nested_genexp, X.copy(), W.copy(), wrt=wrt)


# ---- round five: specialisation, caching and scopes ---------------------------------


def _twice(fun, v):
    return fun(fun(v))


def f_helper_two_lambdas(x):
    a = _twice(lambda v: v * x[1], x[0])
    b = _twice(lambda v: np.sin(v) + 1.0, x[2])
    return a + b


def f_star_two_arities(x):
    return _combine(x[0], x[1]) * _combine(x[2], x[3], x[0], x[1])


def f_nested_def_star(x):
    def total(*vs, scale=1.0):
        return scale * sum(v * v for v in vs)

    return total(x[0], x[1]) + total(*[x[2], x[3]], scale=x[0])


def f_kwargs_from_comp(x):
    opts = {k: x[i] for i, k in enumerate(["w", "b"])}
    return np.sum(_layer(x[2:], **opts))


def f_gen_over_items(x):
    d = {"u": x[0], "v": x[1] * x[2]}
    wts = {"u": 2.0, "v": -1.0}
    return sum(v * wts[k] for k, v in d.items()) ** 2


def f_comp_name_like_helper(x):
    ys = [_twice * 2.0 for _twice in x]  # shadows the module helper inside only
    return sum(ys) + _twice(lambda v: v * v, x[3])


def f_max_array_builtin(x):
    m = np.array([[x[0], x[1]], [x[2], x[3]]])
    return max(m[:, 0]) + min(np.abs(m[1]))


CASES_6 = [
    f_helper_two_lambdas,
    f_star_two_arities,
    f_nested_def_star,
    f_kwargs_from_comp,
    f_gen_over_items,
    f_comp_name_like_helper,
    f_max_array_builtin,
]


@pytest.mark.parametrize("f", CASES_6, ids=lambda f: f.__name__)
def test_round_five(capsys, f):
    check(capsys, f, X.copy())


def test_two_lambdas_one_line():
    a = np.array([0.1, 0.2, 0.3, 0.4])
    b = np.array([1.0, -1.0, 2.0, 0.5])
    try:
        g1, g2 = ad.grad(lambda w: loss(w, a)), ad.grad(lambda w: loss(w, b) * 2.0)
        r1, r2 = g1(W.copy()), g2(W.copy())
    except ad.S2SError as err:
        if _located(err) and type(err).__name__ != "EvaluationError":
            pytest.skip(str(err))
        raise
    np.testing.assert_allclose(
        r1, _num_grad(lambda w: loss(w, a), [W.copy()], 0), rtol=1e-6, atol=1e-7
    )
    np.testing.assert_allclose(
        r2, _num_grad(lambda w: loss(w, b) * 2.0, [W.copy()], 0), rtol=1e-6, atol=1e-7
    )


def test_lambda_closure_read_live_across_calls():
    xd = np.array([0.2, -0.4, 1.3, 0.9])
    for c in [1.0, 3.0]:
        for mode in ("reverse", "forward"):
            try:
                g = ad.grad(lambda w: c * loss(w, xd) + max(w) * c, mode=mode)(W.copy())
            except ad.S2SError as err:
                if _located(err) and type(err).__name__ != "EvaluationError":
                    pytest.skip(str(err))
                raise
            num = _num_grad(lambda w: c * loss(w, xd) + max(w) * c, [W.copy()], 0)
            np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7, err_msg=f"c={c} {mode}")


# ---- round six -------------------------------------------------------------------


def _sum_over(fun, xs):
    return sum(fun(v) for v in xs)


def _map_over(fun, xs):
    return list(map(fun, xs))


def f_gen_in_fn_helper(x):
    return _sum_over(lambda v: v * np.exp(v), x)


def f_map_in_fn_helper(x):
    return sum(_map_over(np.cos, x)) * x[0]


def s_errstate_var(a):
    with np.errstate(all="ignore"):
        r = max([a**3, 2.0 * a, np.log(1.0 + a * a)])
    print(f"r={r:.4f}")
    return r


def s_dict_kwargs(a):
    p = {"w": a, "b": a * a}
    return np.sum(_layer(np.array([0.5, -0.3]), **p))


def s_star_sorted(a):
    first, *rest = sorted([a * a, np.sin(a), 2.0])
    return first * sum(rest)


@pytest.mark.parametrize("f", [f_gen_in_fn_helper, f_map_in_fn_helper], ids=lambda f: f.__name__)
def test_round_six(capsys, f):
    check(capsys, f, X.copy())


@pytest.mark.parametrize(
    "f", [s_errstate_var, s_dict_kwargs, s_star_sorted], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_second_order_more(capsys, f, mode):
    test_second_order(capsys, f, mode)
