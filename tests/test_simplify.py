"""Passes that remove work: common subexpressions in the intermediate form, and the
simplification passes on generated code. Each is checked on its output and on the derivative
it leaves (against central differences and the other mode)."""

import numpy as np

import s2s_ad as ad
from s2s_ad.pipeline import ssa_source
from s2s_ad.testing import check_grads, check_modes_agree


def repeated_slices(x):
    return np.sum((x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def test_a_repeated_primitive_becomes_a_copy_and_one_adjoint():
    source = ssa_source(repeated_slices)
    assert source.count("x[:-1]") == 1
    reverse = ad.derivative_source(repeated_slices)
    scatters = reverse.count("rt.getitem_vjp") + reverse.count("rt.scatter_add")
    assert scatters == 2  # x[1:] and the shared x[:-1]
    x = np.linspace(-1.0, 1.5, 7)
    check_grads(repeated_slices, (x,))
    check_modes_agree(repeated_slices, (x,))


def branch_then_after(x, flag):
    if flag:  # noqa: SIM108 (the branch is the point)
        a = np.sin(x)
    else:
        a = x
    b = np.sin(x)
    return a * b


def carried(x):
    s = np.sin(x)
    for _ in range(3):
        x = x * 0.5
        s = s + np.sin(x)  # another x each time: never the sin before the loop
    return s


def integer_and_float_literals(x, n):
    return np.sum(n * 1) + np.sum(x * 1.0) + np.sum(n * 1.0)


TABLE = np.array([1.0, 2.0])


def global_reads(x):
    return x * TABLE[0] + x * TABLE[0]


def test_only_dominating_values_of_single_assignments_are_shared():
    source = ssa_source(branch_then_after)
    assert source.count("np.sin(x)") == 2  # the branch's value does not reach past the branch
    assert ssa_source(carried).count("np.sin(") == 2
    literals = ssa_source(integer_and_float_literals)
    assert "n * 1\n" in literals and "n * 1.0" in literals
    assert ssa_source(global_reads).count("TABLE[0]") == 2
    for flag in (True, False):
        check_grads(branch_then_after, (0.7, flag))
    check_grads(carried, (0.7,))
    check_modes_agree(carried, (0.7,))


# a value computed outside a branch or loop body is not shared with an occurrence inside
# it (its derivative would be computed where that body does not run), but for values
# without a derivative


def shared_then_branch(x):
    if np.sum(np.sqrt(x)) < 1e-3:  # only compared
        return np.sum(x * 2.0)
    return np.sum(np.sqrt(x) * 3.0)


def shared_then_loop(x):
    acc = np.sum(x)
    for _ in range(int(np.sum(np.sqrt(x)))):
        acc = acc + np.sum(np.sqrt(x))
    return acc


def lengths_in_a_loop(xs):
    s = 0.0
    for i in range(len(xs)):
        s = s + xs[i] * float(len(xs))
    return s


def test_a_value_is_shared_with_a_branch_or_loop_body_only_without_a_derivative():
    assert ssa_source(shared_then_branch).count("np.sqrt(x)") == 2
    assert ssa_source(shared_then_loop).count("np.sqrt(x)") == 2
    assert ssa_source(lengths_in_a_loop).count("len(xs)") == 1  # shared into the loop
    zero = np.zeros(2)  # the branch returns first; the loop runs no iteration
    apis = [ad.grad, lambda f: ad.grad(f, mode="forward"), ad.jacfwd, ad.jacrev]
    with np.errstate(all="raise"):  # no 0 * inf: nothing differentiates the square root
        for api in apis:
            np.testing.assert_array_equal(api(shared_then_branch)(zero), [2.0, 2.0])
            np.testing.assert_array_equal(api(shared_then_loop)(zero), [1.0, 1.0])
        np.testing.assert_array_equal(ad.hessian(shared_then_loop)(zero), np.zeros((2, 2)))
    check_grads(shared_then_branch, (np.array([0.3, 0.5]),))
    check_grads(shared_then_loop, (np.array([1.3, 2.5]),))
    check_modes_agree(shared_then_loop, (np.array([1.3, 2.5]),))
    check_grads(lengths_in_a_loop, (np.array([1.3, 2.5, -0.4]),))


calls = []


def noisy(x):
    calls.append(x)
    return 2.0 * x


ad.defvjp(noisy, lambda g, ans, x: 2.0 * g)
ad.defjvp(noisy, lambda d, ans, x: 2.0 * d)


def twice_through_a_user_rule(x):
    return noisy(x) + noisy(x)


def test_a_user_rule_may_have_effects_so_it_is_never_shared():
    assert ssa_source(twice_through_a_user_rule).count("noisy(x)") == 2
    calls.clear()
    assert ad.grad(twice_through_a_user_rule)(1.5) == 4.0
    assert len(calls) == 2


def copies(x):
    y = x
    z = y * 2.0
    w = z
    return np.sin(w) * y


def code_lines(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if not line.strip().startswith("#")]


def test_copies_are_read_through_and_then_dropped():
    source = ad.derivative_source(copies)
    assert "y = x" not in code_lines(source) and "w = z" not in code_lines(source)
    assert "_t1 = x * 2.0" in source or "z = x * 2.0" in source
    check_grads(copies, (0.4,))
    check_modes_agree(copies, (0.4,))


def literal_arithmetic(x):
    scale = 2.0 * 0.25
    third = 1.0 / 3.0
    huge = 1e308 * 10.0  # inf: left to run time
    return x * scale * third + x * (huge - huge) * 0.0 if x > 1e9 else x * scale * third


def test_literal_arithmetic_is_folded_except_where_not_finite():
    source = ad.derivative_source(literal_arithmetic)
    assert "2.0 * 0.25" not in source and "0.5" in source
    assert "1.0 / 3.0" not in source and repr(1.0 / 3.0) in source
    assert "1e+308 * 10.0" in source
    check_grads(literal_arithmetic, (0.4,))
    assert ad.grad(literal_arithmetic)(0.4) == 0.5 * (1.0 / 3.0)


def counted(x):
    total = 0.0
    for k in range(3):
        if k < 10:  # the first test is on literals: folded, its branch kept
            total = total + x**k
    return total


def test_folding_keeps_results_of_loops_and_branches():
    check_grads(counted, (1.3,))
    check_modes_agree(counted, (1.3,))


def squared_tanh(x):
    c = np.tanh(x)
    return c * c


def test_an_expression_the_forward_sweep_computed_is_read_not_recomputed():
    for mode in ("reverse", "gradient"):
        lines = code_lines(ad.derivative_source(squared_tanh, mode=mode))
        assert sum(line.count("c * c") for line in lines) == 1, lines
    check_grads(squared_tanh, (0.3,))
    check_modes_agree(squared_tanh, (0.3,))


def two_slices(x):
    return np.sum(x[1:] ** 2) + np.sum(x[[0, 0, 1]] * x[:2].sum())


def test_slices_accumulate_in_place_into_the_fresh_adjoint():
    assert "rt.scatter_add(" in ad.derivative_source(two_slices)
    assert "rt.scatter_add(" not in ad.derivative_source(two_slices, mode="gradient")
    x = np.linspace(0.5, 1.5, 5)
    check_grads(two_slices, (x,))
    check_modes_agree(two_slices, (x,))
    np.testing.assert_allclose(ad.hessian(two_slices)(x), ad.jacfwd(ad.grad(two_slices))(x))


def test_scatter_add_adds_out_of_place_unless_it_may_write():
    from s2s_ad import runtime as rt

    x = np.zeros(4)
    shared = np.ones(4)
    shared.flags.writeable = False
    out = rt.scatter_add(shared, 2.0, x, slice(1, 3))
    np.testing.assert_array_equal(out, [1.0, 3.0, 3.0, 1.0])
    np.testing.assert_array_equal(shared, np.ones(4))
    narrow = np.ones(4, dtype=np.float32)
    assert rt.scatter_add(narrow, np.ones(2), x, [0, 0]).dtype == np.float64  # no downcast
    total = np.zeros(4)
    assert rt.scatter_add(total, np.ones(2), x, [1, 1]) is total
    np.testing.assert_array_equal(total, [0.0, 2.0, 0.0, 0.0])  # repeated: both added


def _dead_code_removed(source: str) -> str:
    import ast
    import textwrap

    from s2s_ad.simplify.dead_code import eliminate_dead_code

    tree = ast.parse(textwrap.dedent(source)).body[0]
    eliminate_dead_code(tree)
    return ast.unparse(tree)


def test_a_value_overwritten_before_any_read_is_dropped_only_then():
    # straight-line: the first value of `a_bar` is never read
    assert "a_bar = t\n" not in _dead_code_removed(
        "def f(t, b):\n    a_bar = t\n    c = b * 2.0\n    a_bar = t + c\n    return a_bar"
    )
    kept = [
        # read between
        "def f(t, b):\n    a_bar = t\n    c = a_bar * 2.0\n    a_bar = t + c\n    return a_bar",
        # updated in place between (`+=` reads it)
        "def f(t, b):\n    a_bar = t\n    a_bar += b\n    a_bar = t + a_bar\n    return a_bar",
        # a branch between may return it, a loop between may read it
        "def f(t, b):\n    a_bar = t\n    if b:\n        return a_bar\n    a_bar = t + b\n"
        "    return a_bar",
        "def f(t, b):\n    a_bar = t\n    for i in b:\n        c = a_bar\n    a_bar = t + b\n"
        "    return a_bar + c",
        # a closure made between reads its name when called (here: the later value, but
        # a closure is not looked into)
        "def f(t, b):\n    a_bar = t\n    def g():\n        return a_bar\n    a_bar = b\n"
        "    return g",
    ]
    for source in kept:
        assert "a_bar = t\n" in _dead_code_removed(source) + "\n", source
    # the gradient of a function whose negations fold leaves no such store
    source = ad.derivative_source(
        negations_in_a_row, "gradient", wrt=(0, 1, 2), args=(1.5, -2.0, 3.0)
    )
    assert code_lines(source).count("a_bar = _t5") == 0, source
    check_grads(negations_in_a_row, (1.5, -2.0, 3.0))
    grads = ad.grad(negations_in_a_row, wrt=(0, 1, 2))(1.5, -2.0, 3.0)
    assert grads == (2.0 - 3.0, -1.5, -1.5)  # -b - c, -a, -a


def negations_in_a_row(a, b, c):
    return -(-(-(a * b))) - (-(-c)) * a  # noqa: B002 (negations on purpose)


# `and`/`or` with literal operands (simplify/constant_folding.py): every operand list of
# up to three from flags (Python's `not`, and comparisons, which give NumPy's `np.True_` of
# NumPy numbers), a number and literals, folded, gives the value the written one gives, of
# the same type, for every value of the names; and the same truth where only it is read
_OPERANDS = ["a", "b", "c", "u", "True", "False", "0", "1", "2.5"]


def _bool_op_sources():
    import itertools

    for n in (2, 3):
        for operands in itertools.product(_OPERANDS, repeat=n):
            for op in (" and ", " or "):
                yield op.join(operands)


def _fold_and_run(expression):
    import ast

    from s2s_ad.simplify.constant_folding import fold_constants

    source = (
        "def f(p, q, u):\n    a = not p > 0\n    b = not q > 0\n    c = p > 0\n"
        f"    r = {expression}\n    if {expression}:\n        return r, 1\n    return r, 0"
    )
    tree = ast.parse(source).body[0]
    fold_constants(tree)
    folded = ast.unparse(tree.body[3].value)
    results = []
    for text in (source, ast.unparse(tree)):
        namespace: dict = {}
        exec(text, namespace)
        numbers = (-1, 1, np.float64(-1.0), np.float64(1.0))
        results.append([namespace["f"](p, q, u) for p in numbers for q in (-1, 1) for u in (0, 3)])
    branch = tree.body[4]  # (taken, where the test folds to a literal)
    return folded, results, ast.unparse(branch.test) if type(branch) is ast.If else None


def test_literals_in_and_or_are_dropped_only_where_the_value_is_the_same():
    for expression in _bool_op_sources():
        folded, (written, after), _ = _fold_and_run(expression)
        assert [(type(v), v, k) for (v, k) in written] == [(type(v), v, k) for (v, k) in after], (
            expression,
            folded,
        )


def test_a_flag_and_true_is_the_flag():
    """`while c and n < 50` with `n = 0` folds to `c and True`: the flag itself, where it is
    known to be Python's True or False (`u and True` gives True for u = 3; `c and True`,
    `c` a comparison, gives `True` for NumPy's `np.True_`), or where only its truth is read
    (an `if`'s or `while`'s test, a name read only so)."""
    expected = {
        "a and True": "a",
        "a or False": "a",
        "a and True and b": "a and b",
        "a and b and True": "a and b",
        "True and a and True": "a",
        "a and False and b": "a and False",
        "u and True": "u and True",
        "a and 1": "a and 1",
        "u or False": "u or False",
        "c and True": "c and True",
    }
    for expression, want in expected.items():
        folded, _, test = _fold_and_run(expression)
        assert folded == want, expression
        if expression.endswith("True") and "False" not in expression:
            assert test == expression.replace(" and True", "").replace("True and ", ""), test
