"""Loops and how they end, in both modes: `for`/`while … else`, the loop's names read after
`break`, `continue`, `return` and normal exit, every `enumerate` and `range` form, helpers'
tuples read in loops, conditional expressions in loops, and local tuples indexed from the end.

Each program is checked against its plain call (the value every entry point returns) and
central differences, and reverse mode against forward mode (issue 14, items 1 and 13-17).
"""

import itertools

import numpy as np
import pytest
from derivative_tests import derivative_tests
from programs import load

import s2s_ad as ad
from s2s_ad.errors import S2SError
from s2s_ad.testing import check_grads, check_modes_agree


def assert_primal(f, args):
    """The value of `value_and_grad` (both modes), `jvp` and `vjp` is the plain call's."""
    plain = f(*args)
    for mode in ("reverse", "forward") if np.ndim(plain) == 0 else ():
        value, _ = ad.value_and_grad(f, wrt=0, mode=mode)(*args)
        np.testing.assert_allclose(value, plain, rtol=1e-14, atol=0.0, err_msg=mode)
    tangents = tuple(None if isinstance(a, int) else np.zeros_like(a) for a in args)
    np.testing.assert_allclose(ad.jvp(f, args, tangents)[0], plain, rtol=1e-14, atol=0.0)
    np.testing.assert_allclose(ad.vjp(f, *args)[0], plain, rtol=1e-14, atol=0.0)


def check_all(f, args):
    assert_primal(f, args)
    check_grads(f, args)
    check_modes_agree(f, args)


# Generated programs: every kind of loop, ended in every way, its names read after it.

# name: (lines before the loop, loop header, lines starting the body, the term added each
# iteration, a condition true from the third iteration on, one never true, what is read
# after the loop). The conditions read elements and indices only, never `x`, so central
# differences do not cross them.
LOOPS = {
    "range": ("", "for k in range(6):", "", "x * (k + 1.0) * v[k]", "k >= 2", "k > 9", "k * x"),
    "range_start": ("", "for k in range(1, 6):", "", "x * v[k]", "k >= 3", "k > 9", "k * x"),
    "range_step": ("", "for k in range(0, 6, 2):", "", "x * v[k]", "k >= 2", "k > 9", "k * x"),
    "range_down": (
        "",
        "for k in range(5, -1, -2):",
        "",
        "x * v[k] * k",
        "k <= 3",
        "k > 9",
        "(k + 1.0) * x",
    ),
    "array": ("", "for e in v:", "", "e * x", "e > 0.6", "e > 9.0", "e * x"),
    "enumerate": (
        "",
        "for i, e in enumerate(v):",
        "",
        "(i + 1.0) * e * x",
        "e > 0.6",
        "e > 9.0",
        "i * e * x",
    ),
    "enumerate_start": (
        "",
        "for i, e in enumerate(v, start=2):",
        "",
        "i * e * x",
        "e > 0.6",
        "e > 9.0",
        "i * e * x",
    ),
    "enumerate_one": (
        "",
        "for i, e in enumerate(v, 1):",
        "",
        "i * e * x",
        "i >= 3",
        "i > 9",
        "i * e * x",
    ),
    "enumerate_fixed": (
        "",
        "for i, e in enumerate(D, -1):",
        "",
        "i * e * x + v[0]",
        "e > 0.6",
        "e > 9.0",
        "(i + e) * x",
    ),
    "zip": ("", "for a, b in zip(v, w):", "", "a * b * x", "a > 0.6", "a > 9.0", "a * b * x"),
    "while": (
        "j = 0",
        "while j < 6:",
        "e = v[j]\nj = j + 1",
        "e * x * j",
        "e > 0.6",
        "e > 9.0",
        "e * j * x",
    ),
}

# name: (what ends an iteration, its `else` clause)
EXITS = {
    "normal": ("", ""),
    "break": ("if {taken}:\n    break", ""),
    "continue": ("if {taken}:\n    continue", ""),
    "return": ("if {taken}:\n    return np.sum(s * ({after}))", ""),
    "else_after_break": ("if {taken}:\n    break", "s = s * x"),
    "else_no_break": ("if {never}:\n    break", "s = s * x"),
    "else_without_break": ("", "s = s * x + 1.0"),
    "return_in_else": ("if {never}:\n    break", "return np.sum(s - x)"),
    "else_not_reached": ("if {taken}:\n    break", "return np.sum(s - x)"),
    "break_in_nested_if": (
        "if {taken}:\n    if k0 > 0.0:\n        break\n    s = s - x",
        "s = s / 2.0",
    ),
}


def _indented(text: str, depth: int) -> list[str]:
    return ["    " * depth + line for line in text.splitlines() if line.strip()]


def loop_program(loop: str, exit: str) -> str:
    before, header, start, term, taken, never, after = LOOPS[loop]
    jump, orelse = EXITS[exit]
    lines = ["D = np.array([0.1, 0.3, 0.9, 0.2, 0.7, 0.4])", "", "", "def f(x, v, w):"]
    lines += _indented("s = 0.0\nk0 = 1.0\n" + before, 1)
    lines += _indented(header, 1)
    lines += _indented(start, 2)
    lines += _indented(f"s = s + {term}", 2)
    lines += _indented(jump.format(taken=taken, never=never, after=after), 2)
    lines += _indented(f"s = s * 1.1 + 0.5 * ({term})", 2)
    if orelse:
        lines += _indented("else:", 1) + _indented(orelse, 2)
    lines += _indented(f"return np.sum(s + {after})", 1)
    return "\n".join(lines) + "\n"


V = np.array([0.1, 0.3, 0.9, 0.2, 0.7, 0.4])
W = np.array([1.5, -0.5, 0.8, 1.1, -1.2, 0.6])
XS = {"float": 0.7, "float64": np.float64(-0.4), "array": np.array([0.7, -0.3])}


@pytest.mark.parametrize(("loop", "exit"), list(itertools.product(LOOPS, EXITS)))
def test_loop_exit(loop, exit):
    """Value, JVP against central differences, VJP against JVP (the dot-product test)."""
    f = load(loop_program(loop, exit))
    for x in XS.values():
        args = (x, V.copy(), W.copy())
        plain = f(*args)
        value, _ = ad.value_and_grad(f)(*args)
        assert value == plain
        assert ad.jvp(f, args, (1.0 if np.ndim(x) == 0 else np.ones(2), None, None))[0] == plain
        check_grads(f, args)


def test_the_programs_take_the_exits_they_name():
    """The conditions are met where the names say (else the tests above test less)."""
    taken = load(loop_program("array", "else_after_break"))
    plain = load(loop_program("array", "else_no_break"))
    assert taken(1.0, V, W) != plain(1.0, V, W)
    returned = load(loop_program("while", "return"))
    normal = load(loop_program("while", "normal"))
    assert returned(1.0, V, W) != normal(1.0, V, W)


# The issue's programs and their neighbours.


def for_else(x):
    s = 0.0
    for i in range(4):
        s = s + x[i]
        if s > 100.0:
            break
    else:
        s = s * x[0]
    return s


def while_else(x):
    s = 0.0
    i = 0
    while i < 4:
        s = s + x[i]
        if s > 2.0:
            break
        i += 1
    else:
        s = s * x[0]
    return s * x[1]


def nested_else(x, v):
    s = 0.0
    for i in range(3):
        for e in v:
            if e > 0.55 + 0.2 * i:
                break
            s = s + e * x
        else:
            s = s - x  # the inner loop ran out: the outer loop's `continue`
            continue
        s = s * 1.5
    else:
        s = s + 1.0
    return s


def break_from_else(x, v):
    s = x
    for i in range(4):
        for e in v:
            s = s * 0.9 + e
        else:
            if i >= 1:
                break  # leaves the outer loop
        s = s + x * i
    else:
        s = s * 100.0
    return s * i


def return_in_loop_and_else(x, v):
    for e in v:
        x = x * 1.2 + e
        if x > 50.0:
            return x
    else:
        return x * e
    return -x


def else_in_nested_def(x, v):
    def g(y):
        for e in v:
            if e > 0.8:
                break
            y = y * e
        else:
            y = y + 10.0
        return y

    return g(x) + g(x * 2.0)


def after_break(v):
    for e in v:
        if e > 0.5:
            break
    return e * 2.0


def after_break_zip(v, w):
    for a, b in zip(v, w):
        if a > 0.5:
            break
    return a * b


def after_break_enumerate(v, x):
    for i, e in enumerate(v, start=3):
        if e > 0.5:
            break
    return i * e * x


def after_break_stepped(x):
    for k in range(0, 4, 2):
        break
    return (k + 1.0) * x


def after_break_while(x, v):
    j = 0
    while j < 6:
        e = v[j]
        j += 1
        if e > 0.5:
            break
    return e * j * x


def after_continue(x, v):
    for e in v:
        if e > 0.5:
            continue
        x = x * e
    return x * e


def empty_keeps_previous(x, n):
    k = 2.5
    e = x * 3.0
    for k in range(n):
        x = x * 1.5
    for e in np.zeros(n):
        x = x + 1.0
    return x * k + e


def empty_with_break_keeps_previous(x, v, n):
    e = x * 3.0
    for e in v[:n]:
        if e > 0.5:
            break
    return x * e


def assigned_in_branch_of_loop(x):
    for i in range(4):
        if x > i * 0.5:
            t = x * i
    return t * x


def enumerate_start(v):
    s = 0.0
    for i, e in enumerate(v, start=1):
        s = s + i * e
    return s


def enumerate_fixed(x):
    s = 0.0
    for i, e in enumerate(np.linspace(0.0, 1.0, 3), 2):
        s = s + i * e * x
    return s


def stepped_ranges(x, v):
    s = 0.0
    for k in range(5, 0, -1):
        s = s + v[k] * x**k
    for k in range(-4, 6, 3):
        s = s + k * v[k] * x
    for k in range(1, 6, 2):
        s = s * v[k]
    return s


def pair(x):
    return x * 2.0, x + 1.0


def helper_tuple_in_loop(x):
    res = pair(x)
    for i in range(3):
        return res[0]
    return x


def helper_tuple_accumulated(x):
    res = pair(x)
    s = 0.0
    for i in range(3):
        s = s + res[0] * res[1] * i
        if i == 1:
            return s * res[1]
    return s


def early_return_then_loop(x, v):
    if x > 10.0:
        return x
    for e in v:
        x = x + e
    return x * e


def conditional_expression_in_loop(x, v):
    s = 0.0
    for e in v:
        s = s + (e * x if e > -5.0 else np.sqrt(0.5 + x * x))
    return s


def conditional_expression_both_ways(x, v):
    s = 0.0
    for e in v:
        s = s + (e * x if e > 0.7 else np.sqrt(0.5 + x * x))
    return s


def negative_tuple_index(x):
    t = (x * 2.0, x + 1.0)
    return t[-1] * t[-2]


def passive_branch(y):
    a = y * np.ones(4) if y > 0.0 else np.linspace(0.1, 1.0, 4)
    return np.sum(a * y)


def rebound_in_loop(x):
    a = x * 1.0
    for i in range(2):
        b = a
        a = np.tanh(a)
    a[0] += 1.0
    return np.sum(a * a) + np.sum(b * a)


WEIGHTS = {0: 2.0, 1: 3.0, 5: 1.0}
SCALES = {3.0}


def over_dict_and_set(x, v):
    s = 0.0
    for k in WEIGHTS:  # the keys, as in Python, not WEIGHTS[0], WEIGHTS[1], ...
        s = s + k * x
    for a, c in zip(v, SCALES):
        s = s + a * c * x
    for i, k in enumerate(WEIGHTS, 1):
        s = s + i * k * x
    for k in reversed(WEIGHTS):
        s = s * 0.5 + k * x
    return s


def checkpointed_break(x, v):
    for k in ad.checkpoint(range(6)):
        x = np.sin(x) + v[k]
        if k >= 3:
            break
    else:
        x = x * 10.0
    return x * k


def reversed_break(x, v):
    for e in reversed(v):
        x = x * e
        if e > 0.8:
            break
    return x + e


def rows_break(m, x):
    for row in m:
        x = x + np.sum(row)
        if np.sum(row) > 0.0:
            break
    return x * np.sum(row * row)


def pairs_break(v):
    s = 0.0
    pairs = [(v[0], v[1]), (v[2], v[3])]
    for a, b in pairs:
        if a > 2.0:
            break
        s = s + a * b
    return s + a * b


V4 = np.array([0.5, 1.0, 2.0, -1.0])
VS = np.array([0.1, 0.3, 0.9, 0.2, 0.7, 0.4])
W6 = np.array([1.5, -0.5, 0.8, 1.1, -1.2, 0.6])


def element_update_through_alias(x):
    a = x * 1.0
    for i in range(2):
        b = a
        a[0] += 1.0  # b is the same object: it sees the update (ssa/aliasing.py)
    return np.sum(a * b)


CASES = [
    (for_else, (V4,)),
    (for_else, (V4 * 100.0,)),
    (while_else, (V4,)),
    (while_else, (V4 * 0.1,)),
    (nested_else, (0.7, VS)),
    (nested_else, (np.float64(0.7), VS * 0.1)),
    (break_from_else, (0.3, VS)),
    (return_in_loop_and_else, (0.3, VS)),
    (return_in_loop_and_else, (30.0, VS)),
    (else_in_nested_def, (0.7, VS)),
    (else_in_nested_def, (0.7, VS * 0.1)),
    (after_break, (VS,)),
    (after_break_zip, (VS, W6)),
    (after_break_enumerate, (VS, np.float64(1.3))),
    (after_break_stepped, (1.3,)),
    (after_break_while, (1.3, VS)),
    (after_continue, (1.3, VS)),
    (empty_keeps_previous, (1.3, 0)),
    (empty_keeps_previous, (1.3, 2)),
    (empty_with_break_keeps_previous, (1.3, VS, 0)),
    (empty_with_break_keeps_previous, (1.3, VS, 4)),
    (assigned_in_branch_of_loop, (1.3,)),
    (enumerate_start, (V4,)),
    (enumerate_fixed, (1.3,)),
    (stepped_ranges, (0.9, VS)),
    (helper_tuple_in_loop, (1.3,)),
    (helper_tuple_in_loop, (np.array([1.3, -0.2]),)),
    (helper_tuple_accumulated, (np.float64(1.3),)),
    (early_return_then_loop, (1.3, V4)),
    (early_return_then_loop, (11.3, V4)),
    (conditional_expression_in_loop, (np.float64(1.3), V4)),
    (conditional_expression_in_loop, (1.3, V4)),
    (conditional_expression_both_ways, (np.float64(1.3), V4)),
    (conditional_expression_both_ways, (np.array([1.3, 0.2]), V4)),
    (negative_tuple_index, (1.3,)),
    (passive_branch, (1.3,)),
    (passive_branch, (-1.3,)),
    (rebound_in_loop, (np.array([0.3, -0.4]),)),
    (over_dict_and_set, (1.3, V4)),
    (checkpointed_break, (0.3, VS)),
    (reversed_break, (0.3, VS)),
    (rows_break, (np.array([[-1.0, 0.2], [0.5, 0.1], [1.0, 2.0]]), 0.3)),
    (pairs_break, (V4 + 1.2,)),
    (element_update_through_alias, (np.array([0.5, 1.0, 2.0]),)),
]

test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_primal_values(fn, args):
    assert_primal(fn, args)


def test_issue_numbers():
    """The numbers issue 14 gives: the plain call's value, and the right gradients."""
    value, gradient = ad.value_and_grad(for_else)(V4)
    assert value == 1.25
    np.testing.assert_allclose(gradient, [3.0, 0.5, 0.5, 0.5])
    v = np.array([1.0, 2.0, 0.5, 0.1])
    value, gradient = ad.value_and_grad(enumerate_start)(v)
    assert value == enumerate_start(v) == 1.0 + 4.0 + 1.5 + 0.4
    np.testing.assert_allclose(gradient, [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(ad.grad(enumerate_start, mode="forward")(v), [1.0, 2.0, 3.0, 4.0])
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(ad.grad(after_break, mode=mode)(VS), [0, 0, 2.0, 0, 0, 0])
        assert ad.grad(after_break_stepped, mode=mode)(1.3) == 1.0  # k = 0 at the break
        assert ad.grad(helper_tuple_in_loop, mode=mode)(1.3) == 2.0
        assert ad.grad(empty_keeps_previous, mode=mode)(1.3, 0) == 2.5 + 3.0


def enumerate_one_name(x):  # each element a tuple (i, v): tests/test_builtins.py
    s = 0.0
    for pair in enumerate(VS):
        s = s + pair[1] * x * pair[0]
    return s


def test_enumerate_one_name():
    check_grads(enumerate_one_name, (np.array([0.3, 0.4]),))
    check_modes_agree(enumerate_one_name, (1.3,))


def zip_with_keyword(x):  # strict=True: Python's error when the lengths differ
    s = 0.0
    for a, b in zip(VS, W6, strict=True):
        s = s + a * b * x
    return s


def zip_strict_mismatch(x):
    s = 0.0
    for a, b in zip(VS, W6[:2], strict=True):
        s = s + a * b * x
    return s


def test_zip_with_keyword():
    check_grads(zip_with_keyword, (np.array([0.3, 0.4]),))
    check_modes_agree(zip_with_keyword, (1.3,))
    with pytest.raises(ValueError, match="argument 2 is shorter than argument 1"):
        zip_strict_mismatch(1.3)
    for mode in ("reverse", "forward"):
        with pytest.raises(S2SError, match="argument 2 is shorter than argument 1"):
            ad.grad(zip_strict_mismatch, mode=mode)(1.3)
