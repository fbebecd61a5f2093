"""Readable loop derivatives (issue 20 item 3): the flags of early exits folded into
`and`/`or` (simplify/flags.py), comments only for lines that exist (simplify/comments.py),
no self-copies. Each pass is checked on its output, on Python's semantics of the fold for
every kind of operand, and on the derivatives it leaves (central differences, forward
against reverse, the primal value)."""

import ast
import itertools
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.codegen.emit import to_source
from s2s_ad.simplify import simplify
from s2s_ad.simplify.comments import prune_comments
from s2s_ad.simplify.flags import fold_flags
from s2s_ad.testing import check_grads, check_modes_agree

sys.path.insert(0, str(Path(__file__).parent))
from derivative_tests import derivative_tests
from golden_functions import projectile_range, series_until_small
from hessian_checks import assert_hessian_consistent


def while_until_landed(v, angle):
    """The projectile with the event as the loop's test."""
    x, y = 0.0, 0.0
    vx, vy = v * np.cos(angle), v * np.sin(angle)
    while y >= 0.0:
        x = x + vx * 0.01
        y = y + vy * 0.01
        vy = vy - 9.81 * 0.01
    return x


def returns_from_loop(v, angle):
    """The projectile that returns from inside the loop."""
    x, y = 0.0, 0.0
    vx, vy = v * np.cos(angle), v * np.sin(angle)
    while True:
        x = x + vx * 0.01
        y = y + vy * 0.01
        vy = vy - 9.81 * 0.01
        if y < 0.0:
            return x * vx


def continue_and_break(x):
    total = 0.0
    for k in range(8):
        if k % 3 == 1:
            continue
        total = total + np.sin(x * k)
        if total > 1.5:
            break
    return total


CASES = [
    (projectile_range, (12.0, 0.8)),
    (while_until_landed, (9.0, 0.6)),
    (returns_from_loop, (11.0, 0.7)),
    (series_until_small, (0.5, 20)),
    (continue_and_break, (0.4,)),
    (continue_and_break, (1.3,)),
]
test_jvp_and_vjp_match_numeric, test_grad_forward_equals_reverse = derivative_tests(CASES)


@pytest.mark.parametrize(("fn", "args"), [c for c in CASES if np.ndim(c[1][0]) == 0])
def test_second_derivatives(fn, args):
    assert_hessian_consistent(fn, args)


def test_value_and_grad_gives_the_plain_value():
    for fn, args in CASES[:4]:
        value, _ = ad.value_and_grad(fn, wrt=0)(*args)
        assert value == fn(*args)


def run(code: str, **env) -> dict:
    exec(code, {}, env)
    return env


def folded(source: str) -> str:
    tree = ast.parse(source).body[0]
    fold_flags(tree)
    return ast.unparse(tree)


FLAGS = {  # the branch values: (then, else) → the fold, with `a` known to be Python's bool
    ("True", "s"): "t = a or s",
    ("a", "s"): "t = a or s",
    ("s", "a"): "t = a and s",
    ("False", "s"): "t = not a and s",
    ("s", "True"): "t = not a or s",
    ("s", "False"): "t = a and s",
    ("True", "a"): "t = a",
    ("True", "False"): "t = a",
}


@pytest.mark.parametrize(("branches", "expected"), FLAGS.items())
def test_a_flag_picked_by_an_if_becomes_and_or(branches, expected):
    then, other = branches
    source = (
        f"def f(x, s):\n    a = not x <= 0\n    if a:\n        t = {then}\n    else:\n"
        f"        t = {other}\n    return t"
    )
    result = folded(source)
    assert expected in result and "if a" not in result
    xs = [-1.0, 1.0, np.float64(-1.0), np.float64(1.0)]
    for x, s in itertools.product(xs, [True, False, 0.0, 2.5, np.float64(0.0)]):
        assert (
            run(result + "\nr = f(x, s)", x=x, s=s, f=None)["r"]
            == run(source + "\nr = f(x, s)", x=x, s=s)["r"]
        )


@pytest.mark.parametrize("then", ["True", "False"])
def test_an_operand_not_known_boolean_is_left_in_its_branch_when_the_fold_would_differ(then):
    # `if a: t = True else: t = s` is `a or s` only for a boolean `a`: with a = 2.5, `a or s`
    # is 2.5; `if a: t = s else: t = False` likewise with a = 0.0
    branches = ("True", "s") if then == "True" else ("s", "False")
    source = (
        f"def f(a, s):\n    if a:\n        t = {branches[0]}\n    else:\n        t = {branches[1]}"
        "\n    return t"
    )
    assert folded(source).count("if a") == 1


def test_only_flags_leave_the_branch_and_values_read_in_it_stay():
    source = """def f(c, r, s, y):
    if c:
        r2 = y
        s2 = True
        u = s2
    else:
        r2 = r
        s2 = s
        u = 0
    return (r2, s2, u)"""
    result = folded(source)
    assert "s2 = c or s" not in result  # read by `u = s2` in its branch: stays
    source = source.replace("u = s2", "u = 1")
    result = folded(source)
    assert "s2 = c or s" not in result  # `c` is a parameter: not known to be a boolean
    assert "s2 = c or s" not in folded(
        source.replace("def f(c, r, s, y):", "def f(x, r, s, y):\n    c = x > 1")
    )  # a comparison: NumPy's `np.True_` of NumPy numbers, which `c or s` would give
    result = folded(source.replace("def f(c, r, s, y):", "def f(x, r, s, y):\n    c = not x <= 1"))
    assert "s2 = c or s" in result and "r2 = y" in result
    for x, r, s in itertools.product([0.0, 2.0, np.float64(2.0)], [1.0], [True, False]):
        env = run(result + "\nv = f(x, r, s, 5.0)", x=x, r=r, s=s)
        plain = run(
            source.replace("def f(c, r, s, y):", "def f(x, r, s, y):\n    c = not x <= 1")
            + "\nv = f(x, r, s, 5.0)",
            x=x,
            r=r,
            s=s,
        )
        assert env["v"] == plain["v"]


def test_the_loop_test_after_break_is_one_expression():
    source = ad.derivative_source(series_until_small, mode="forward")
    assert "_t9 = _t8 and _k_2 < n" in source
    assert "if _t7:" not in source and "if _t8:" not in source
    assert "True" not in source  # neither `_stop = True` in a branch nor `True and …`


def test_primal_comments_name_only_what_the_code_holds():
    # each comment's target is assigned by the code, and each name it reads is in the code
    for fn in (projectile_range, series_until_small, returns_from_loop):
        for mode in ("reverse", "gradient"):
            source = ad.derivative_source(fn, mode=mode)
            code = "\n".join(line for line in source.splitlines() if "#" not in line)
            words = set(re.findall(r"\w+", code))
            for line in source.splitlines():
                line = line.strip()
                if line.startswith("# ") and " = " in line:
                    target, value = line[2:].split(" = ", 1)
                    assert re.search(rf"\b{target} = ", code), (fn.__name__, mode, line)
                    read = set(re.findall(r"(?<![\w.])[A-Za-z_]\w*", value)) - {"not"}
                    assert read <= words, (fn.__name__, mode, line)
    # the comments of copies the passes removed are gone
    assert "# x_3 = x_1" not in ad.derivative_source(projectile_range, wrt=(0, 1))


def test_a_comment_whose_line_was_rewritten_shows_the_line_as_it_runs():
    tree = ast.parse("def f(vx):\n    t = vx * 0.01\n    'X'\n    u = t * 2\n").body[0]
    from s2s_ad.codegen.build import comment

    tree.body[1] = comment("t = vx * dt")
    tree.body.append(comment("gone = t"))  # nothing follows it, and no line assigns `gone`
    prune_comments(tree)
    assert to_source(tree).splitlines() == [
        "def f(vx):",
        "    t = vx * 0.01",
        "    # t = vx * 0.01",
        "    u = t * 2",
    ]


def test_self_copies_are_dropped():
    tree = ast.parse("def f(x):\n    y = x * 2\n    y = y\n    return y\n").body[0]
    simplify(tree)
    assert ast.unparse(tree) == "def f(x):\n    y = x * 2\n    return y"


def test_specialised_loop_code_has_no_self_copy():
    source = ad.derivative_source(projectile_range, mode="gradient", wrt=(0, 1), args=(12.0, 0.8))
    for line in source.splitlines():
        if " = " in line:
            target, value = line.strip().split(" = ", 1)
            assert target != value, line


def test_grad_of_the_examples_agrees_with_the_tangent():
    check_grads(projectile_range, (12.0, 0.8))
    check_modes_agree(series_until_small, (0.5, 20))


EXIT_LOOP = """def f(n, x):
    _stop_1 = False
    _t1 = 0 < n
    while _t1:
        x = x * 0.5
        _t7 = x < 0.001
        _stop_3 = _t7 or _stop_1
        _t8 = not _stop_3
        _t9 = _t8 and x < n
        _t1 = _t9
        _stop_1 = _stop_3
    return x"""


def exit_folded(source: str) -> str:
    from s2s_ad.simplify.exit_flags import fold_exit_flags

    tree = ast.parse(source).body[0]
    fold_exit_flags(tree)
    return ast.unparse(tree)


def test_a_carried_exit_flag_reads_false_in_the_loop():
    result = exit_folded(EXIT_LOOP)
    assert "_stop_3 = _t7\n" in result
    for n, x in itertools.product([0, 1, 3], [1.0, 0.0011, 1e-5, np.float64(1e-5)]):
        plain = run(EXIT_LOOP + "\nr = f(n, x)", n=n, x=x)["r"]
        assert run(result + "\nr = f(n, x)", n=n, x=x)["r"] == plain


def test_an_exit_flag_read_as_a_value_keeps_python_s_value():
    """Returned, the flag is `np.False_ or False`, Python's False, where `x` is NumPy's: its
    reads stay (truth_values.py)."""
    source = EXIT_LOOP.replace("    return x", "    return (x, _stop_1)")
    assert "_t7 or _stop_1" in exit_folded(source)


@pytest.mark.parametrize(
    "change",
    [
        ("_stop_1 = False", "_stop_1 = x > 5"),  # not known false before the loop
        ("_t8 = not _stop_3", "_t8 = not _t7"),  # the loop test does not imply it
        ("        _t1 = _t9\n", "        _t1 = _t9 or _stop_3\n"),  # nor here
        ("        _stop_1 = _stop_3\n", "        _stop_1 = _stop_3 or _t9\n"),  # no copy
    ],
)
def test_a_flag_not_proven_false_stays(change):
    source = EXIT_LOOP.replace(*change)
    assert "_t7 or _stop_1" in exit_folded(source)


def test_the_examples_forward_code_has_no_exit_flags():
    for fn in (projectile_range, series_until_small):
        for mode in ("forward", "gradient"):
            source = ad.derivative_source(fn, mode=mode)
            assert "_stop" not in source and "if _t8:" not in source, (fn.__name__, mode)


def halve_until_small(x):
    while x > 1.0:
        x = x * 0.5
    return x


def test_the_output_cotangent_has_the_name_a_person_gives_it():
    # the returned variable's name; the function's for a `return` inside the loop; a
    # returned parameter's version keeps its own, since `x_bar` is the parameter's gradient
    assert "def pullback(x_bar):" in ad.derivative_source(projectile_range)
    assert "def pullback(total_bar):" in ad.derivative_source(series_until_small)
    assert "def pullback(returns_from_loop_bar):" in ad.derivative_source(returns_from_loop)
    source = ad.derivative_source(halve_until_small, mode="gradient")
    assert re.match(r"def halve_until_small_grad\(x, x_\d+_bar=1\.0\):", source)
    check_grads(halve_until_small, (13.0,))
    check_modes_agree(halve_until_small, (13.0,))
