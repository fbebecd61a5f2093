"""Run-time failures of derivative code must name the user's line that failed.

Written by an independent tester from the README and issue 19 only (no look at s2s_ad's
code or its other tests).  Each program below marks the line whose derivative fails at
the chosen input with a comment tag (``# E``, ``# A``, ...); the tests find that line with
``inspect`` and check that every API reports ``<file>:<line>:`` for it, quoting it, in one
line of text.  At an ordinary input the same programs must differentiate correctly.
"""

import inspect
import linecache
import math
import re
import warnings

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.errors import ComplexValueError, EvaluationError, NumericalError

# ---------------------------------------------------------------------------------------
# programs (module level: s2s_ad reads their source)
# ---------------------------------------------------------------------------------------


def p_chain(x):
    a = x * 2.0
    b = a + 1.0
    c = math.sqrt(x)  # E
    d = c * b
    return d * 3.0


def p_adjacent(x):
    u = math.sqrt(x + 1.0)  # A
    v = math.sqrt(1.0 - x)  # B
    return u * v + x


def p_branch_same(x, k):
    if k > 0:  # noqa: SIM108
        r = math.sqrt(x) * 2.0  # A
    else:
        r = math.sqrt(x) * 3.0  # B
    return r + x


def p_cse_passive(x):
    if math.sqrt(x) < 1.0:  # P  # noqa: SIM108
        s = 2.0
    else:
        s = 3.0
    y = s * math.sqrt(x)  # E
    return y


def p_passive_print_same(x):
    m = math.sqrt(x)  # P
    label = f"{m:.3f}"
    y = x * 4.0
    z = math.sqrt(x) + y  # E
    return z + len(label) * 0.0


def p_rebound(x):
    z = x * x + 1.0
    s = math.sqrt(z)  # A
    z = x - 1.0
    s = s + math.sqrt(z)  # B
    return s


def p_identical_text(x):
    t = x
    s = 0.0
    for _ in range(3):
        s = s + math.sqrt(t)  # A
        t = t - 1.0
    t = t * t
    s = s + math.sqrt(t)  # B
    return s


def p_loop(x, n):
    acc = 0.0
    for i in range(n):
        u = x * float(i)
        w = math.sqrt(x - float(i))  # E
        acc = acc + u * w
    return acc


def p_while(x):
    s = 0.0
    t = x
    while t > 0.2:
        s = s + math.sqrt(t - 0.25)  # E
        t = t * 0.5
    return s


def p_break(x):
    s = 0.0
    for i in range(10):
        c = x - float(i)
        if c < 0.0:
            break
        s = s + c * 0.5
        s = s + math.sqrt(c)  # E
    return s


def p_early(x):
    y = x * x
    if y > 4.0:
        return math.log(y)
    z = math.acos(x)  # E
    return z + y


def p_early_return_fails(x):
    y = x * 3.0
    if x > 1.5:
        return math.sqrt(x - 2.0) + y  # R
    w = math.sin(x)
    return w * y


def _h_norm(a, b):
    s = a * a + b * b
    return math.sqrt(s)  # H


def p_helper(x):
    y = x - 1.0
    r = _h_norm(y, y)  # C
    return r * 2.0


def _h_sqrt(t):
    return math.sqrt(t) * 1.5  # H


def p_helper_twice(x):
    r1 = _h_sqrt(x + 1.0)  # C1
    r2 = _h_sqrt(x)  # C2
    return r1 + r2


def p_helper_loop(x):
    s = 0.0
    for i in range(4):
        s = s + _h_sqrt(x - float(i))  # C
    return s


def p_nested(x):
    def inner(t):
        u = t * 3.0
        return math.asin(u)  # N

    a = x * 5.0
    b = inner(x)  # C
    return a + b


def p_lambda(x):
    sq = lambda t: math.sqrt(t)  # L  # noqa: E731
    v = sq(x - 2.0) + x  # C
    return v * v


def p_comprehension(x):
    ks = [0.0, 1.0, 2.0]
    vals = [math.sqrt(x - k) for k in ks]  # E
    return sum(vals)


def p_dict(x):
    d = {"a": x * 2.0, "b": x - 1.0}
    d["c"] = math.sqrt(d["b"])  # E
    return d["a"] * d["c"]


def p_list(x):
    parts = [x * 2.0, x + 1.0]
    parts.append(math.asin(x - 1.0))  # E
    return parts[0] + parts[1] * parts[2]


def p_tuple(x):
    pair = (x * 2.0, x - 1.0)
    a, b = pair
    c = a + b
    h = math.hypot(b, b - 0.0)  # E
    return c * h


def p_multiline(x):
    a = x * 2.0
    y = (  # S
        a + math.sqrt(x)  # E
    )
    return y * a


def p_powhalf(x):
    a = x * 2.0
    y = x**0.5  # E
    return a + y


def p_pow15(x):
    a = x * 2.0
    y = x**1.5  # E
    return a + y


def p_negpow(x):
    a = x * 2.0
    y = x**-2.0  # E
    return a + y


def p_second_overflow(x):
    a = x + 1.0
    y = x**-1.0  # E
    return a * 1e-200 + y * 1e-200


def p_atan2(x, y):
    a = x * 2.0
    c = math.atan2(y, x)  # E
    return a + c


def p_asin_merge(x):
    t = x * 0.5
    u = t + 0.5
    w = math.asin(u)  # E
    v = w * w
    return v + t


def p_complex(x):
    a = x * 2.0
    y = (a - 1.0) ** 0.5  # E
    return a + y


def p_log_needed(x):
    a = x * 2.0
    y = math.log(x)  # E
    return a + y * y


def p_log_unneeded(x):
    a = x * 2.0
    y = math.log(x)  # E
    return a + y


def p_loop_plain_fails(x):
    s = 1.0
    for i in range(5):
        s = s + x * float(i)
        s = s * math.log(x - float(i))  # E
    return s


def p_branch_later(x):
    if x > 0.5:  # noqa: SIM108
        y = x * x
    else:
        y = math.sqrt(x) + x  # E
    return y * 2.0


def p_np_layer(w, x):
    h = np.tanh(w @ x)
    r = np.sqrt(h * h + 0.0)  # E
    return np.sum(r) + np.sum(w * w)


def p_np_loop(x):
    acc = np.zeros_like(x)
    for k in range(4):
        acc = acc + x * float(k)
        acc = acc + np.sqrt(x - float(k))  # E
    return np.sum(acc)


def p_np_errstate(x):
    y = x * 2.0
    with np.errstate(divide="raise", invalid="raise"):
        z = np.sqrt(x)  # E
    return np.sum(z * y)


def p_np_scalar_math(x):
    total = float(np.sum(x * x))
    r = math.sqrt(total)  # E
    return r * 2.0 + np.sum(x)


def p_accum(x):
    a = x * x
    b = math.sqrt(x)  # E
    c = x * 3.0
    return a + b + c


def p_norm(x):
    s = x * x  # A
    r = math.sqrt(s)  # E
    return r + s


def p_abspow(x):
    a = x * 2.0
    y = abs(x) ** 0.3  # E
    return a + y


def p_gen_sum(x):
    ks = [0.0, 1.0, 2.0]
    s = sum(math.sqrt(x - k) for k in ks)  # E
    return s * x


def _h_pair(t):
    a = t * 2.0
    b = math.sqrt(t)  # H
    return a, b


def p_helper_pair(x):
    p, q = _h_pair(x)  # C
    return p * q + p


def _h_outer(t):
    u = t - 0.5
    return _h_sqrt(u) + u  # M


def p_helper_chain(x):
    y = x * 1.0
    z = _h_outer(y)  # C
    return z * 2.0


def p_checkpointed(x, n):
    s = 0.0
    for i in ad.checkpoint(range(n)):
        s = s + x * float(i)
        s = s + math.sqrt(x - float(i))  # E
    return s


def p_hoist_passive(x):
    n = int(math.sqrt(x)) + 2  # P
    s = 0.0
    for i in range(n):
        s = s + math.sqrt(x) * float(i)  # E
    return s


def p_loop_body_chain(x, n):
    s = 0.0
    for i in range(n):
        a = x - float(i)  # A
        b = a * a  # B
        c = math.sqrt(b)  # E
        s = s + c
    return s


def p_plain_merge(x):
    a = x - 1.0
    b = a * 2.0
    c = math.log(b)  # E
    d = c + a
    return d * d


def p_docstring(
    x,
    scale=2.0,
):
    """A docstring.

    Over several lines.
    """
    # a comment

    a = x * scale

    b = math.asin(x)  # E
    return a + b


def p_integrate_lambda(x):
    return _h_apply(lambda t: math.sqrt(t - 1.0), x)  # C


def _h_apply(fn, v):
    w = v * 2.0
    return fn(v) + w  # H


class _Model:
    def __init__(self, c):
        self.c = c

    def loss(self, x):
        a = x * self.c
        b = math.sqrt(x - self.c)  # E
        return a + b


_MODEL = _Model(0.5)


def p_vec_out(x):
    a = x[0] * 2.0
    b = math.sqrt(float(x[1]))  # E
    return np.array([a, b, a * b])


def p_branch_chain(x):
    if x > 0.5:
        y = x * x
        z = y + 1.0
    elif x > -0.5:
        y = x * 3.0
        z = math.sqrt(x + 0.25) + y  # E1
    else:
        y = x - 1.0
        z = math.acos(y + 2.5) * y  # E2
    return z * 2.0


def p_stop_cse(x):
    a = ad.stop_gradient(math.sqrt(x))  # P
    b = math.sqrt(x) * 2.0  # E
    return a + b + x


def p_floor_cse(x):
    k = math.floor(math.sqrt(x))  # P
    b = math.sqrt(x) * 2.0  # E
    return b * (k + 1.0)


def p_so_merge1(x):
    a = x * 3.0
    b = x**1.5  # E
    return a + b


def p_so_merge2(x):
    a = x * x
    b = x**1.5  # E
    c = a * 2.0
    return c + b


def p_so_merge3(x):
    b = x**1.5  # E
    a = math.sin(x)
    return a * 2.0 + b


def p_so_merge4(x):
    t = x + 0.0
    b = t**1.5  # E
    a = t * 2.0
    return a + b


def p_acosh(x):
    a = x * 2.0
    y = math.acosh(x)  # E
    return a + y


def p_math_pow(x):
    a = x * 2.0
    y = math.pow(x, 0.5)  # E
    return a + y


def p_comp_multiline(x):
    ks = [0.0, 1.0, 2.0]
    vals = [  # S
        math.sqrt(x - k)  # E
        for k in ks
    ]
    return sum(vals)


def p_dict_comp(x):
    items = {"a": 0.0, "b": 1.0}
    d = {k: math.sqrt(x - v) for k, v in items.items()}  # E
    return d["a"] + d["b"]


def p_loop_return(x, n):
    s = 0.0
    for i in range(n):
        if x - i < 0.5:
            return math.sqrt(x - i - 0.25) * 2.0 + s  # R
        s = s + x * i
    return s


def p_augmented(x):
    s = x * 1.0
    s += math.asin(x)  # E
    s *= 2.0
    return s


def _inner_nested_grad(t):
    a = t * 3.0
    b = math.sqrt(t)  # H
    return a * b


_D_INNER = ad.grad(_inner_nested_grad)


def p_calls_grad(x):
    y = x * 1.0
    d = _D_INNER(y)  # C
    return d * x


def p_calls_grad_inline(x):
    y = x * 1.0
    d = ad.grad(_inner_nested_grad)(y)  # C
    return d * x


def _loss2(w, c):
    a = w * c
    b = math.asin(w)  # L
    return a + b


LOSS_AT_2 = lambda w: _loss2(w, 2.0)  # LW  # noqa: E731


def p_slogdet(a):
    b = a * 2.0
    _sign, logdet = np.linalg.slogdet(b)  # E
    return logdet + np.sum(b)


def p_elem_updates(x):
    a = np.zeros(3)
    for i in range(3):
        a[i] = math.sqrt(x[i])  # E
    return np.sum(a * a * x)


def p_masked(x):
    safe = np.where(x > 0, np.sqrt(np.abs(x)), 0.0)  # M
    return np.sum(safe * x)


def p_nested_twice(x):
    def inner(t):
        return math.sqrt(t) * 2.0  # N

    a = inner(1.0 - x)  # C1
    b = inner(x)  # C2
    return a + b


def p_map_lambda(x):
    vals = list(map(lambda t: math.sqrt(t), [x + 1.0, 1.0 - x]))  # E
    return sum(vals)


def p_continue(x):
    s = 0.0
    for i in range(4):
        if i == 2:
            continue
        s = s + math.sqrt(x - i)  # E
    return s


def p_nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(3):
            s = s + math.sqrt(x - i - j)  # E
    return s


def p_dead_local(x):
    unused = math.sqrt(x)  # noqa: F841
    return x * 2.0


def p_compare_only(x):
    if math.sqrt(x) < 1.0:
        return x * 2.0
    return x * 3.0


def p_int_only(x):
    k = int(math.sqrt(x) * 10.0)
    return x * k


def p_pair_nested(x):
    def pair(t):
        return t * 2.0, math.sqrt(t)

    a, _b = pair(x)
    return a * x


def _h_two(t):
    return t * 2.0, math.sqrt(t)


def p_pair_unused(x):
    a, _b = _h_two(x)
    return a * x


def p_pair_index(x):
    p = _h_two(x)
    return p[0] * x


@ad.grad
def dec_grad(x):
    a = x * 2.0
    b = math.sqrt(x)  # DG
    return a + b


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def line_of(fn, tag):
    """The line of ``fn``'s source holding the comment ``# tag``."""
    lines, start = inspect.getsourcelines(fn)
    hits = [start + i for i, text in enumerate(lines) if re.search(rf"#\s*{tag}\b", text)]
    assert len(hits) == 1, (fn.__name__, tag, hits)
    return hits[0]


def lines_of(spec):
    return {line_of(fn, tag) if fn is not None else _file_line(tag) for fn, tag in spec}


def check_located(exc, file, allowed):
    """``exc`` is an S2SError naming ``file`` at one of the ``allowed`` lines."""
    msg = str(exc)
    assert isinstance(exc, ad.S2SError), (type(exc), msg)
    assert "\n" not in msg, msg
    m = re.match(r"^(.+?):(\d+): ", msg)
    assert m, msg
    assert m.group(1) == file, msg
    line = int(m.group(2))
    assert line in allowed, f"reported line {line}, expected one of {sorted(allowed)}: {msg}"
    quoted = linecache.getline(file, line).strip()
    assert quoted and quoted in msg, (quoted, msg)
    return line


def _tangent(v):
    if isinstance(v, np.ndarray):
        return np.ones_like(v)
    return 1.0


def _run_jvp(f, args):
    return ad.jvp(f, args, (_tangent(args[0]),) + (None,) * (len(args) - 1))


def _run_vjp(f, args):
    _out, pb = ad.vjp(f, *args)
    return pb(1.0)


def _raising(fn):
    """Run ``fn`` with NumPy's floating point errors raised."""

    def run(f, args):
        with np.errstate(all="raise"):
            return fn(f, args)

    return run


APIS = {
    "grad": lambda f, a: ad.grad(f)(*a),
    "value_and_grad": lambda f, a: ad.value_and_grad(f)(*a),
    "grad_forward": lambda f, a: ad.grad(f, mode="forward")(*a),
    "jvp": _run_jvp,
    "vjp": _run_vjp,
    # jacfwd pushes all directions at once as NumPy arrays: Python's 0.0 divisor becomes
    # NumPy's inf with a warning, so it is asked to raise there.
    "jacfwd": _raising(lambda f, a: ad.jacfwd(f)(*a)),
    "jacrev": lambda f, a: ad.jacrev(f)(*a),
    "hessian": lambda f, a: ad.hessian(f)(*a),
    "grad_grad": lambda f, a: ad.grad(ad.grad(f))(*a),
    "jacfwd_grad": _raising(lambda f, a: ad.jacfwd(ad.grad(f))(*a)),
    "jacrev_grad": lambda f, a: ad.jacrev(ad.grad(f))(*a),
    "hvp": lambda f, a: ad.hvp(f, a, (_tangent(a[0]),) + (None,) * (len(a) - 1)),
}
FIRST = ("grad", "value_and_grad", "grad_forward", "jvp", "vjp", "jacfwd", "jacrev")
SECOND = ("hessian", "grad_grad", "jacfwd_grad", "jacrev_grad", "hvp")
ALL = FIRST + SECOND


def expect_failure_at(api, fn, args, spec):
    allowed = lines_of(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ad.S2SError) as info:
            APIS[api](fn, args)
    return check_located(info.value, fn.__code__.co_filename, allowed)


# ---------------------------------------------------------------------------------------
# the catalogue: (id, function, failing arguments, acceptable (function, tag) lines,
# APIs that must fail, an ordinary point)
# ---------------------------------------------------------------------------------------

CASES = [
    ("chain", p_chain, (0.0,), [(p_chain, "E")], ALL, (1.3,)),
    ("adjacent_B", p_adjacent, (1.0,), [(p_adjacent, "B")], ALL, (0.3,)),
    ("adjacent_A", p_adjacent, (-1.0,), [(p_adjacent, "A")], ALL, (-0.4,)),
    ("branch_same_B", p_branch_same, (0.0, 0), [(p_branch_same, "B")], ALL, (0.7, 0)),
    ("branch_same_A", p_branch_same, (0.0, 1), [(p_branch_same, "A")], ALL, (0.7, 1)),
    ("cse_passive", p_cse_passive, (0.0,), [(p_cse_passive, "E")], ALL, (0.5,)),
    ("passive_label", p_passive_print_same, (0.0,), [(p_passive_print_same, "E")], ALL, (2.0,)),
    ("rebound_B", p_rebound, (1.0,), [(p_rebound, "B")], ALL, (1.7,)),
    ("identical_text_A", p_identical_text, (2.0,), [(p_identical_text, "A")], ALL, (2.5,)),
    ("identical_text_B", p_identical_text, (3.0,), [(p_identical_text, "B")], ALL, (3.5,)),
    ("loop_late", p_loop, (3.0, 4), [(p_loop, "E")], ALL, (3.5, 4)),
    ("while_late", p_while, (2.0,), [(p_while, "E")], ALL, (2.2,)),
    ("break_late", p_break, (3.0,), [(p_break, "E")], ALL, (3.5,)),
    ("early_fallthrough", p_early, (1.0,), [(p_early, "E")], ALL, (0.5,)),
    ("early_return", p_early_return_fails, (2.0,), [(p_early_return_fails, "R")], ALL, (2.5,)),
    ("helper", p_helper, (1.0,), [(_h_norm, "H"), (p_helper, "C")], ALL, (1.5,)),
    ("helper_twice", p_helper_twice, (0.0,), [(_h_sqrt, "H"), (p_helper_twice, "C2")], ALL, (0.5,)),
    ("helper_loop", p_helper_loop, (3.0,), [(_h_sqrt, "H"), (p_helper_loop, "C")], ALL, (3.5,)),
    ("nested_def", p_nested, (1.0 / 3.0,), [(p_nested, "N"), (p_nested, "C")], ALL, (0.1,)),
    ("lambda", p_lambda, (2.0,), [(p_lambda, "L"), (p_lambda, "C")], ALL, (2.5,)),
    ("comprehension", p_comprehension, (2.0,), [(p_comprehension, "E")], ALL, (2.5,)),
    ("dict", p_dict, (1.0,), [(p_dict, "E")], ALL, (1.5,)),
    ("list_append", p_list, (2.0,), [(p_list, "E")], ALL, (1.5,)),
    ("tuple_hypot", p_tuple, (1.0,), [(p_tuple, "E")], ALL, (1.5,)),
    ("multiline", p_multiline, (0.0,), [(p_multiline, "E"), (p_multiline, "S")], ALL, (1.0,)),
    ("powhalf", p_powhalf, (0.0,), [(p_powhalf, "E")], ALL, (0.8,)),
    ("pow15_second", p_pow15, (0.0,), [(p_pow15, "E")], SECOND, (0.8,)),
    ("negpow_overflow", p_negpow, (1e-103,), [(p_negpow, "E")], ALL, (0.8,)),
    ("second_overflow", p_second_overflow, (1e-120,), [(p_second_overflow, "E")], SECOND, (0.8,)),
    ("atan2", p_atan2, (0.0, 0.0), [(p_atan2, "E")], ALL, (0.8, 0.3)),
    ("asin_merge", p_asin_merge, (1.0,), [(p_asin_merge, "E")], ALL, (0.2,)),
    ("complex", p_complex, (0.0,), [(p_complex, "E")], ALL, (1.2,)),
    ("accum", p_accum, (0.0,), [(p_accum, "E")], ALL, (0.6,)),
    ("norm", p_norm, (0.0,), [(p_norm, "E")], ALL, (0.6,)),
    ("abspow", p_abspow, (0.0,), [(p_abspow, "E")], ALL, (0.6,)),
    ("generator_sum", p_gen_sum, (2.0,), [(p_gen_sum, "E")], ALL, (2.5,)),
    ("helper_pair", p_helper_pair, (0.0,), [(_h_pair, "H"), (p_helper_pair, "C")], ALL, (0.6,)),
    (
        "helper_chain",
        p_helper_chain,
        (0.5,),
        [(_h_sqrt, "H"), (_h_outer, "M"), (p_helper_chain, "C")],
        ALL,
        (0.9,),
    ),
    ("checkpointed", p_checkpointed, (3.0, 4), [(p_checkpointed, "E")], ALL, (3.5, 4)),
    ("hoist_passive", p_hoist_passive, (0.0,), [(p_hoist_passive, "E")], ALL, (2.0,)),
    ("loop_body_chain", p_loop_body_chain, (2.0, 4), [(p_loop_body_chain, "E")], ALL, (2.5, 4)),
    ("docstring", p_docstring, (1.0,), [(p_docstring, "E")], ALL, (0.4,)),
    (
        "lambda_to_helper",
        p_integrate_lambda,
        (1.0,),
        [(p_integrate_lambda, "C"), (_h_apply, "H")],
        ALL,
        (1.5,),
    ),
    ("method", _MODEL.loss, (0.5,), [(_Model.loss, "E")], ALL, (1.5,)),
    ("branch_chain_E1", p_branch_chain, (-0.25,), [(p_branch_chain, "E1")], ALL, (0.2,)),
    ("branch_chain_E2", p_branch_chain, (-0.5,), [(p_branch_chain, "E2")], ALL, (-0.7,)),
    ("stop_gradient_cse", p_stop_cse, (0.0,), [(p_stop_cse, "E")], ALL, (0.6,)),
    ("floor_cse", p_floor_cse, (0.0,), [(p_floor_cse, "E")], ALL, (0.6,)),
    ("second_order_merge1", p_so_merge1, (0.0,), [(p_so_merge1, "E")], SECOND, (0.6,)),
    ("second_order_merge2", p_so_merge2, (0.0,), [(p_so_merge2, "E")], SECOND, (0.6,)),
    ("second_order_merge3", p_so_merge3, (0.0,), [(p_so_merge3, "E")], SECOND, (0.6,)),
    ("second_order_merge4", p_so_merge4, (0.0,), [(p_so_merge4, "E")], SECOND, (0.6,)),
    ("acosh", p_acosh, (1.0,), [(p_acosh, "E")], ALL, (1.6,)),
    ("math_pow", p_math_pow, (0.0,), [(p_math_pow, "E")], ALL, (0.6,)),
    (
        "comprehension_multiline",
        p_comp_multiline,
        (2.0,),
        [(p_comp_multiline, "S"), (p_comp_multiline, "E")],
        ALL,
        (2.5,),
    ),
    ("dict_comprehension", p_dict_comp, (1.0,), [(p_dict_comp, "E")], ALL, (1.5,)),
    ("loop_return", p_loop_return, (2.25, 5), [(p_loop_return, "R")], ALL, (2.4, 5)),
    ("augmented", p_augmented, (1.0,), [(p_augmented, "E")], ALL, (0.3,)),
    (
        "calls_module_grad",
        p_calls_grad,
        (0.0,),
        [(_inner_nested_grad, "H"), (p_calls_grad, "C")],
        ALL,
        (0.5,),
    ),
    (
        "calls_grad_inline",
        p_calls_grad_inline,
        (0.0,),
        [(_inner_nested_grad, "H"), (p_calls_grad_inline, "C")],
        ALL,
        (0.5,),
    ),
    ("lambda_of_loss", LOSS_AT_2, (1.0,), [(_loss2, "L"), (None, "LW")], ALL, (0.3,)),
    (
        "nested_def_twice_C2",
        p_nested_twice,
        (0.0,),
        [(p_nested_twice, "N"), (p_nested_twice, "C2")],
        ALL,
        (0.5,),
    ),
    (
        "nested_def_twice_C1",
        p_nested_twice,
        (1.0,),
        [(p_nested_twice, "N"), (p_nested_twice, "C1")],
        ALL,
        (0.5,),
    ),
    ("map_lambda_second", p_map_lambda, (1.0,), [(p_map_lambda, "E")], ALL, (0.5,)),
    ("map_lambda_first", p_map_lambda, (-1.0,), [(p_map_lambda, "E")], ALL, (0.5,)),
    ("continue", p_continue, (3.0,), [(p_continue, "E")], ALL, (4.5,)),
    ("nested_loops", p_nested_loops, (4.0,), [(p_nested_loops, "E")], ALL, (4.5,)),
    ("log_plain_fails", p_log_needed, (-1.0,), [(p_log_needed, "E")], ALL, (1.2,)),
    ("loop_plain_fails", p_loop_plain_fails, (3.0,), [(p_loop_plain_fails, "E")], ALL, (4.5,)),
    ("plain_merge", p_plain_merge, (1.0,), [(p_plain_merge, "E")], ALL, (1.7,)),
]

# NumPy programs: NumPy gives inf and nan with a warning where Python raises, so these run
# under np.errstate(all="raise") (or the program's own np.errstate), where the derivative
# code fails with FloatingPointError.  grad(grad(f)) needs a scalar input: left out.
ALL_NP = tuple(api for api in ALL if api != "grad_grad")
_W0 = np.zeros((2, 3))
_X3 = np.array([1.0, -2.0, 0.5])
_W1 = np.array([[0.1, -0.2, 0.3], [0.4, 0.1, -0.1]])
NP_CASES = [
    (
        "np_scalar_math",
        p_np_scalar_math,
        (np.zeros(3),),
        [(p_np_scalar_math, "E")],
        ALL_NP,
        (np.array([0.5, -1.0, 2.0]),),
    ),
    (
        "np_slogdet_singular",
        p_slogdet,
        (np.array([[1.0, 2.0], [2.0, 4.0]]),),
        [(p_slogdet, "E")],
        ALL_NP,
        (np.array([[2.0, 1.0], [0.5, 3.0]]),),
    ),
    (
        "np_element_updates",
        p_elem_updates,
        (np.array([1.0, 0.0, 2.0]),),
        [(p_elem_updates, "E")],
        ALL_NP,
        (np.array([1.0, 0.5, 2.0]),),
    ),
    ("np_layer", p_np_layer, (_W0, _X3), [(p_np_layer, "E")], ALL_NP, (_W1, _X3)),
    (
        "np_loop_late",
        p_np_loop,
        (np.array([3.0, 5.0]),),
        [(p_np_loop, "E")],
        ALL_NP,
        (np.array([3.5, 5.0]),),
    ),
]

# (the shared-subexpression cases, cse_passive … floor_cse, were strict xfails: the error
# named the line whose copy of the value carries no derivative; ad/derivative_lines.py)
_FAILING_PARAMS = [
    pytest.param(_api, _fn, _bad, _spec, id=f"{_cid}-{_api}")
    for _cid, _fn, _bad, _spec, _apis, _good in CASES
    for _api in _apis
]

_NP_PARAMS = [
    pytest.param(api, fn, bad, spec, id=f"{cid}-{api}")
    for cid, fn, bad, spec, apis, _good in NP_CASES
    for api in apis
]


@pytest.mark.parametrize(("api", "fn", "bad", "spec"), _FAILING_PARAMS)
def test_failure_names_the_failing_line(api, fn, bad, spec):
    expect_failure_at(api, fn, bad, spec)


@pytest.mark.parametrize(("api", "fn", "bad", "spec"), _NP_PARAMS)
def test_numpy_failure_names_the_failing_line(api, fn, bad, spec):
    with np.errstate(all="raise"):
        line = expect_failure_at(api, fn, bad, spec)
    assert line in lines_of(spec)


@pytest.mark.parametrize("api", ALL_NP)
def test_users_own_errstate(api):
    # the function asks NumPy to raise itself: no errstate around the call
    x = np.array([4.0, 0.0, 1.0])
    expect_failure_at(api, p_np_errstate, (x,), [(p_np_errstate, "E")])


def test_complex_is_refused_as_complex_everywhere():
    for api in ALL:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(ComplexValueError):
                APIS[api](p_complex, (0.0,))


@pytest.mark.parametrize("api", ["grad", "value_and_grad", "grad_forward", "jvp", "vjp"])
def test_error_classes(api):
    # a derivative that divides by zero is numerical, one the plain call raises is an
    # evaluation error; both are S2SErrors
    with pytest.raises(NumericalError):
        APIS[api](p_chain, (0.0,))
    with pytest.raises(NumericalError):
        APIS[api](p_negpow, (1e-103,))
    with pytest.raises(ad.S2SError) as info:
        APIS[api](p_log_needed, (-1.0,))
    assert not isinstance(info.value, ComplexValueError)


PLAIN_FAILS = {"log_plain_fails", "loop_plain_fails", "plain_merge"}
# a gradient called inside: the plain call runs derivative code and fails like it
PLAIN_DERIVATIVE_FAILS = {"calls_module_grad", "calls_grad_inline"}


@pytest.mark.parametrize(
    ("cid", "fn", "bad", "spec"),
    [pytest.param(c[0], c[1], c[2], c[3], id=c[0]) for c in CASES],
)
def test_plain_call_at_the_failing_point(cid, fn, bad, spec):
    if cid in PLAIN_DERIVATIVE_FAILS:
        with pytest.raises(ad.S2SError) as info:
            fn(*bad)
        check_located(info.value, fn.__code__.co_filename, lines_of(spec))
        return
    if cid not in PLAIN_FAILS:
        fn(*bad)  # the derivative fails, the function itself does not
        return
    with pytest.raises(ValueError) as info:
        fn(*bad)
    frames = [tb for tb in _frames(info.tb) if tb.tb_frame.f_code is fn.__code__]
    assert frames[-1].tb_lineno in lines_of(spec)


def _frames(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


# ---------------------------------------------------------------------------------------
# at ordinary points the same programs differentiate correctly
# ---------------------------------------------------------------------------------------


def _central(f, args, h=1e-6):
    x = args[0]
    rest = args[1:]
    if not isinstance(x, np.ndarray):
        return (np.asarray(f(x + h, *rest)) - np.asarray(f(x - h, *rest))) / (2 * h)
    cols = {}
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        cols[i] = (np.asarray(f(x + e, *rest)) - np.asarray(f(x - e, *rest))) / (2 * h)
    out_shape = next(iter(cols.values())).shape
    out = np.zeros(out_shape + x.shape)
    for i, col in cols.items():
        out[(..., *i)] = col
    return out


@pytest.mark.parametrize(
    ("fn", "good"),
    [pytest.param(c[1], c[5], id=c[0]) for c in CASES + NP_CASES],
)
def test_ordinary_point_derivatives(fn, good):
    value = fn(*good)
    g = ad.grad(fn)(*good)
    if fn is not p_stop_cse:  # stop_gradient: not the function's derivative, by design
        np.testing.assert_allclose(g, _central(fn, good), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ad.grad(fn, mode="forward")(*good), g, rtol=1e-10, atol=1e-12)
    v2, g2 = ad.value_and_grad(fn)(*good)
    assert v2 == value
    np.testing.assert_allclose(g2, g, rtol=1e-12, atol=1e-14)
    v3, t3 = _run_jvp(fn, good)
    assert v3 == value
    np.testing.assert_allclose(t3, np.sum(g), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_run_vjp(fn, good)[0], g, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ad.jacfwd(fn)(*good), g, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ad.jacrev(fn)(*good), g, rtol=1e-10, atol=1e-12)
    gfun = ad.grad(fn)
    hess = ad.hessian(fn)(*good)
    np.testing.assert_allclose(hess, _central(gfun, good), rtol=1e-4, atol=1e-6)
    if fn is p_stop_cse:
        np.testing.assert_allclose(g, 1.0 + 1.0 / math.sqrt(good[0]), rtol=1e-12)
    np.testing.assert_allclose(ad.jacfwd(ad.grad(fn))(*good), hess, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ad.jacrev(ad.grad(fn))(*good), hess, rtol=1e-10, atol=1e-12)
    _g_hvp, hv = APIS["hvp"](fn, good)
    np.testing.assert_allclose(_g_hvp, g, rtol=1e-12, atol=1e-14)
    ones = _tangent(good[0])
    expected_hv = np.tensordot(hess, ones, axes=np.ndim(ones)) if np.ndim(ones) else hess
    np.testing.assert_allclose(hv, expected_hv, rtol=1e-10, atol=1e-12)
    if not isinstance(good[0], np.ndarray):
        np.testing.assert_allclose(ad.grad(ad.grad(fn))(*good), hess, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------
# one derivative function called again: the failing branch or trip is not the first one
# ---------------------------------------------------------------------------------------

BUILDERS = {
    "grad": lambda f: ad.grad(f),
    "value_and_grad": lambda f: ad.value_and_grad(f),
    "grad_forward": lambda f: ad.grad(f, mode="forward"),
    "jacfwd": lambda f: ad.jacfwd(f),
    "jacrev": lambda f: ad.jacrev(f),
    "hessian": lambda f: ad.hessian(f),
    "grad_grad": lambda f: ad.grad(ad.grad(f)),
    "jacfwd_grad": lambda f: ad.jacfwd(ad.grad(f)),
    "jacrev_grad": lambda f: ad.jacrev(ad.grad(f)),
}


def _call_expect(fn, call, args, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="raise"), pytest.raises(ad.S2SError) as info:
            call(*args)
    return check_located(info.value, fn.__code__.co_filename, lines_of(spec))


@pytest.mark.parametrize("api", list(BUILDERS))
def test_branch_taken_on_a_later_call(api):
    d = BUILDERS[api](p_branch_later)
    first = d(2.0)
    _call_expect(p_branch_later, d, (0.0,), [(p_branch_later, "E")])
    again = d(2.0)
    np.testing.assert_array_equal(np.asarray(again, dtype=object), np.asarray(first, dtype=object))


@pytest.mark.parametrize("api", list(BUILDERS))
def test_branches_alternate(api):
    d = BUILDERS[api](p_branch_chain)
    d(1.0)
    _call_expect(p_branch_chain, d, (-0.25,), [(p_branch_chain, "E1")])
    d(0.2)
    _call_expect(p_branch_chain, d, (-0.5,), [(p_branch_chain, "E2")])
    d(-0.7)
    _call_expect(p_branch_chain, d, (-0.25,), [(p_branch_chain, "E1")])


@pytest.mark.parametrize("api", list(BUILDERS))
def test_loop_longer_on_a_later_call(api):
    d = BUILDERS[api](p_loop)
    d(3.0, 3)  # i = 0, 1, 2: fine
    _call_expect(p_loop, d, (3.0, 4), [(p_loop, "E")])
    d(3.0, 2)
    _call_expect(
        p_loop_body_chain, BUILDERS[api](p_loop_body_chain), (1.0, 3), [(p_loop_body_chain, "E")]
    )


@pytest.mark.parametrize("api", ["grad", "grad_forward", "hessian"])
def test_while_trip_count_grows(api):
    d = BUILDERS[api](p_while)
    d(0.3)  # one trip, t - 0.25 = 0.05
    d(0.6)  # two trips
    _call_expect(p_while, d, (1.0,), [(p_while, "E")])  # 1.0, 0.5, 0.25: third trip
    _call_expect(p_while, d, (4.0,), [(p_while, "E")])  # fifth trip
    d(4.4)


# ---------------------------------------------------------------------------------------
# vector outputs, decorators, helpers in other files
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda x: ad.jvp(p_vec_out, (x,), (np.ones(2),)), id="jvp"),
        pytest.param(lambda x: ad.vjp(p_vec_out, x)[1](np.ones(3)), id="vjp"),
        pytest.param(lambda x: ad.jacfwd(p_vec_out)(x), id="jacfwd"),
        pytest.param(lambda x: ad.jacrev(p_vec_out)(x), id="jacrev"),
        pytest.param(lambda x: ad.jacobian(p_vec_out)(x), id="jacobian"),
    ],
)
def test_vector_output(call):
    _call_expect(p_vec_out, call, (np.array([1.0, 0.0]),), [(p_vec_out, "E")])
    good = np.array([1.0, 0.49])
    jac = ad.jacfwd(p_vec_out)(good)
    np.testing.assert_allclose(ad.jacrev(p_vec_out)(good), jac, rtol=1e-12)
    np.testing.assert_allclose(jac, _central(p_vec_out, (good,)), rtol=1e-6)


with open(__file__) as _src:
    _SOURCE_LINES = _src.read().splitlines()


def _file_line(tag):
    hits = [i + 1 for i, text in enumerate(_SOURCE_LINES) if re.search(rf"#\s*{tag}\b", text)]
    assert len(hits) == 1, hits
    return hits[0]


def test_decorated_grad():
    assert dec_grad(0.25) == pytest.approx(2.0 + 1.0)
    with pytest.raises(ad.S2SError) as info:
        dec_grad(0.0)
    check_located(info.value, __file__, {_file_line("DG")})


def test_helper_in_another_file(tmp_path, monkeypatch):
    (tmp_path / "elsewhere_t18.py").write_text(
        "import math\n"
        "\n"
        "\n"
        "def shrink(t):\n"
        "    u = t * 0.5\n"
        "    v = math.sqrt(u)  # HX\n"
        "    return v + u\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import elsewhere_t18

    src = (
        "import elsewhere_t18\n"
        "\n"
        "\n"
        "def f(x):\n"
        "    a = x * 3.0\n"
        "    b = elsewhere_t18.shrink(x)  # CX\n"
        "    return a * b\n"
    )
    (tmp_path / "user_t18.py").write_text(src)
    import user_t18

    helper_file = elsewhere_t18.__file__
    user_file = user_t18.__file__
    for api in ALL:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            with pytest.raises(ad.S2SError) as info:
                APIS[api](user_t18.f, (0.0,))
        msg = str(info.value)
        assert "\n" not in msg
        assert msg.startswith((f"{helper_file}:6:", f"{user_file}:6:")), (api, msg)
    np.testing.assert_allclose(ad.grad(user_t18.f)(2.0), _central(user_t18.f, (2.0,)), rtol=1e-6)


def test_value_not_needed_by_grad_still_fails_like_the_plain_call():
    # the plain call raises at E; value_and_grad and forward mode do too
    for api in ("value_and_grad", "grad_forward", "jvp"):
        expect_failure_at(api, p_log_unneeded, (-1.0,), [(p_log_unneeded, "E")])


@pytest.mark.xfail(
    strict=True,
    reason="documented in the README: grad, and the Hessian through grad's code specialised"
    " to the shapes, skip a statement whose value they never need, so math.log(-1.0) does"
    " not raise",
)
@pytest.mark.parametrize("api", ["grad", "hessian"])
def test_grad_skips_the_plain_failure(api):
    expect_failure_at(api, p_log_unneeded, (-1.0,), [(p_log_unneeded, "E")])


@pytest.mark.xfail(
    strict=True,
    raises=EvaluationError,
    reason="np.where's masked adjoint of np.sqrt at an unselected 0 computes 0/0: it warns"
    " 'invalid value' (fails under np.errstate(all='raise')) where the plain call is silent"
    " and the derivative is exactly 0",
)
@pytest.mark.parametrize("api", ["grad", "grad_forward", "vjp", "hessian"])
def test_masked_where_is_silent(api):
    x = np.array([1.0, 0.0, -2.0])
    with np.errstate(all="raise"):
        p_masked(x)
        APIS[api](p_masked, (x,))


@pytest.mark.parametrize(
    ("fn", "args", "tag"),
    [
        pytest.param(p_chain, ["0.0"], "E", id="chain"),
        pytest.param(p_loop, ["3.0", "4"], "E", id="loop_late"),
    ],
)
def test_cli_check_names_the_line(fn, args, tag):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run(
        [sys.executable, "-m", "s2s_ad", "check", f"{__file__}:{fn.__name__}", "--args", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    out = proc.stderr.strip() or proc.stdout.strip()
    assert "\n" not in out, out
    assert f"{__file__}:{line_of(fn, tag)}:" in out, out


# ---------------------------------------------------------------------------------------
# no error where no derivative of the failing operation is needed
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ALL)
@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        pytest.param(p_dead_local, (2.0, 0.0), id="dead_local"),
        pytest.param(p_compare_only, (2.0, 0.0), id="compare_only"),
        pytest.param(p_int_only, (0.0, 0.0), id="int_only"),
        pytest.param(p_pair_nested, (0.0, 4.0), id="nested_pair_unused"),
        pytest.param(
            p_pair_unused,
            (0.0, 4.0),
            id="helper_pair_unused",
        ),
        pytest.param(
            p_pair_index,
            (0.0, 4.0),
            id="helper_pair_index",
        ),
    ],
)
def test_no_error_where_no_derivative_is_needed(fn, expected, api):
    first, second = expected
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = APIS[api](fn, (0.0,))
    if api in ("value_and_grad", "jvp", "hvp"):
        out = out[1]
    elif api == "vjp":
        out = out[0]
    want = first if api in FIRST else second
    assert out == pytest.approx(want)
