"""The transformation's speed-ups keep its behaviour: the garbage collector's state after a
derivative is made (or refused), the one-walk liveness of a loop body
(`ssa.names.first_uses`) against what each name's reads and writes say, and the faster
walks (line numbers, `walk_own`, `unparse`, dead code) against what they replace."""

import ast
import copy
import gc
import random
import textwrap
from pathlib import Path

import gast
import numpy as np
import pytest

import s2s_ad as ad
from s2s_ad.codegen.emit import unparse
from s2s_ad.errors import S2SError
from s2s_ad.frontend import locations, nodes
from s2s_ad.simplify.dead_code import eliminate_dead_code
from s2s_ad.ssa.names import first_uses, may_read_first


def _square_sum(x):
    return np.sum(x * x)


def _no_return(x):
    x * 2.0


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_kept(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert np.allclose(ad.grad(_square_sum)(np.array([1.0, 2.0])), [2.0, 4.0])
        assert gc.isenabled() is enabled
        with pytest.raises(S2SError):
            ad.grad(_no_return)(1.0)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def _body(source: str) -> list:
    return gast.parse(textwrap.dedent(source)).body


CASES = [
    # read first / assigned first / untouched, on straight-line code
    ("a = b + 1\nb = 2\nc = a", {"b": True, "a": False, "c": False}),
    # a branch assigns only where both arms do; its test is read first
    ("if t:\n    a = 1\nelse:\n    a = 2\nb = a", {"t": True, "a": False, "b": False}),
    ("if t:\n    a = 1\nb = a", {"t": True, "a": True, "b": False}),
    # a loop may run no iteration: it assigns nothing for what follows
    ("for i in r:\n    a = i\nb = a", {"r": True, "a": True, "b": False, "i": False}),
    # a loop's body reading its own target does not read the name before the loop
    ("for k in ks:\n    v = k\n    w = v", {"ks": True, "k": False, "v": False, "w": False}),
    ("while w:\n    x = y\ny = 1", {"w": True, "y": True, "x": False}),
    ("x += 1", {"x": True}),
]


@pytest.mark.parametrize("source, expected", CASES)
def test_first_uses(source, expected):
    body = _body(source)
    found = first_uses(body)
    for name, first in expected.items():
        assert (found.get(name) is True) is first
        assert may_read_first(name, body) is first


# The faster walks give what the library functions they replace give (issue 19, part 6).

_SOURCES = sorted(Path(ad.__file__).parent.rglob("*.py"))


def _stripped(tree: gast.AST, seed: int) -> gast.AST:
    """`tree` with some line attributes deleted and some set to None, as passes leave them."""
    chance = random.Random(seed)
    for node in gast.walk(tree):
        for attribute in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
            if attribute in node._attributes and chance.random() < 0.3:
                if attribute in node.__dict__ and chance.random() < 0.5:
                    delattr(node, attribute)
                else:
                    setattr(node, attribute, None)
    return tree


@pytest.mark.parametrize("path", _SOURCES[::9], ids=lambda p: p.name)
def test_locations_as_gast_sets_them(path):
    tree = _stripped(gast.parse(path.read_text()), seed=len(path.name))
    ours, theirs = copy.deepcopy(tree), copy.deepcopy(tree)
    locations.fix_missing_locations(ours)
    gast.fix_missing_locations(theirs)
    assert gast.dump(ours, include_attributes=True) == gast.dump(theirs, include_attributes=True)


def _walk_own_by_gast(node):
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        for child in gast.iter_child_nodes(current):
            if not isinstance(child, (gast.FunctionDef, gast.Lambda)):
                pending.append(child)


@pytest.mark.parametrize("path", _SOURCES[::9], ids=lambda p: p.name)
def test_walk_own_order(path):
    tree = gast.parse(path.read_text())
    for node in [tree, *[n for n in gast.walk(tree) if isinstance(n, gast.FunctionDef)]]:
        ours, theirs = list(nodes.walk_own(node)), list(_walk_own_by_gast(node))
        assert len(ours) == len(theirs) and all(a is b for a, b in zip(ours, theirs, strict=True))


@pytest.mark.parametrize("path", _SOURCES[::3], ids=lambda p: p.name)
def test_own_statements_find_walk_owns_statements(path):
    """`own_statements` (no expression walked) finds the statements `walk_own` finds, so
    the returns pass sees the same `return`s."""
    tree = gast.parse(path.read_text())
    for node in [n for n in gast.walk(tree) if isinstance(n, gast.FunctionDef)]:
        ours = [id(n) for n in nodes.own_statements(node.body)]
        theirs = [id(n) for n in nodes.walk_own(node) if isinstance(n, gast.stmt) and n is not node]
        assert sorted(ours) == sorted(theirs)
    nested = "def f(x):\n    def g():\n        return 1\n    class C:\n        y = 2\n    return x"
    outer = gast.parse(nested).body[0]
    ours = [id(n) for n in nodes.own_statements(outer.body)]
    assert sorted(ours) == sorted(
        id(n) for n in nodes.walk_own(outer) if isinstance(n, gast.stmt) and n is not outer
    )


@pytest.mark.parametrize("path", _SOURCES[::6], ids=lambda p: p.name)
def test_unparse_as_ast(path):
    tree = ast.parse(path.read_text())
    assert unparse(tree) == ast.unparse(tree)
    for node in list(ast.walk(tree))[::5]:
        if isinstance(node, (ast.stmt, ast.expr)):
            assert unparse(node) == ast.unparse(node)


def test_unparse_of_derivative_code():
    tree = ast.parse(ad.derivative_source(_square_sum, mode="reverse"))
    assert unparse(tree) == ast.unparse(tree)


def test_emptied_branch_frees_its_test():
    """Dead assignments empty an `if`; removing it leaves its test unread, and what only the
    test read is dead too (the count of reads is kept, not made again)."""
    tree = ast.parse(
        textwrap.dedent(
            """
            def f(x):
                t = x > 0.0
                u = t
                if u:
                    a = x * 2.0
                    if t:
                        c = a
                else:
                    b = x + 1.0
                v = x * 3.0
                return v
            """
        )
    ).body[0]
    assert eliminate_dead_code(tree)
    assert ast.unparse(tree) == "def f(x):\n    v = x * 3.0\n    return v"


# Session 7's pass speed-ups keep each pass's result (issue 19, part 6).

_FLAG_FOLDS = [
    # a fold that needs no boolean analysis, then one that asks whether its test is a boolean
    "def f(a, b, y):\n    if b:\n        s = c\n    else:\n        s = b\n"
    "    u = a < y\n    if u:\n        t = True\n    else:\n        t = y\n    return s, t",
    # the asked test is the result of an earlier fold (`u = w and v`)
    "def f(w, y):\n    v = w < y\n    if w:\n        u = v\n    else:\n        u = w\n"
    "    if u:\n        t = y\n    else:\n        t = False\n    return t",
    # … and a boolean: the second fold asks, after the first folded
    "def f(a, y):\n    w = a < y\n    v = w < y\n    if w:\n        u = v\n    else:\n"
    "        u = w\n    if u:\n        t = y\n    else:\n        t = False\n    return t",
    # a test that is no boolean: the fold that needs one is left alone
    "def f(u, y):\n    if u:\n        t = True\n    else:\n        t = y\n    return t",
]


@pytest.mark.parametrize("source", _FLAG_FOLDS)
def test_flag_folds_ask_for_booleans_only_where_they_matter(source):
    """`fold_flags` finds the known booleans lazily: the code is what folding with the
    booleans found first (the pass before the speed-up) gives."""
    from s2s_ad.simplify.flags import _fold_blocks, fold_flags, known_booleans

    lazy, eager = ast.parse(source).body[0], ast.parse(source).body[0]
    assert fold_flags(lazy) == _fold_blocks(eager, known_booleans(eager))
    assert ast.unparse(lazy) == ast.unparse(eager)


_UNIT_SEEDS = [
    # the seed read in a loop, and a sum's ones multiplying an elementwise factor
    "def f_grad(x, t):\n    y_bar = 1.0\n    x_bar = 0.0\n    for i in range(3):\n"
    "        y2_bar = y_bar\n        x_bar = x_bar + y2_bar * x\n"
    "    t_bar = np.full_like(t, 1.0)\n    u_bar = t_bar * (1.0 - t * t)\n    return x_bar, u_bar",
    # nothing to rewrite: the literal is not read, the ones multiply a bare name
    "def f_grad(x, t):\n    y_bar = 1.0\n    t_bar = np.full_like(t, 1.0)\n    u_bar = t_bar * x\n"
    "    return u_bar",
    # two literals: no name holds one
    "def f_grad(x, c):\n    y_bar = 1.0\n    if c:\n        y_bar = 2.0\n    return x * y_bar",
]


@pytest.mark.parametrize("source", _UNIT_SEEDS)
def test_unit_seeds_rewrite_only_what_the_analyses_find(source):
    """`drop_unit_factors` gathers its analyses in one walk and rewrites only where they
    found something: the result is the one of reading the tree afresh for each part (the
    pass before the speed-up), and no change is reported where the code stays the same."""
    from s2s_ad.simplify import unit_seeds

    shapes = {"t": (3,), "x": (3,), "t_bar": (3,), "c": ()}
    ours, theirs = ast.parse(source).body[0], ast.parse(source).body[0]
    before = ast.dump(ours)
    changed = unit_seeds.drop_unit_factors(ours, shapes)
    assert changed == (ast.dump(ours) != before)
    reference = unit_seeds._propagate_literals(theirs, unit_seeds._Inventory(theirs))
    reference |= unit_seeds._drop_ones(theirs, unit_seeds._Inventory(theirs), shapes, {})
    assert changed == reference
    assert ast.dump(ours) == ast.dump(theirs)


@pytest.mark.parametrize(
    ("source", "rounds", "expected"),
    [
        # literals read in, no product dropped: a second round would find nothing
        ("def f(x):\n    a = 1.0\n    y = a * x\n    return y", 1, "y = 1.0 * x"),
        # `b = -a` read as `b = -1.0`: a literal `b` holds, read in by the second round
        ("def f(x):\n    a = 1.0\n    b = -a\n    y = b * x\n    return y", 2, "y = -1.0 * x"),
    ],
)
def test_unit_seeds_round_after_literals_only_where_one_may_follow(
    source, rounds, expected, monkeypatch
):
    """`drop_unit_factors` runs no round that cannot find anything: after one that only
    read literals in (which drops no product and changes no store), another only where an
    assignment now holds a literal it did not (session 50)."""
    from s2s_ad.simplify import unit_seeds

    calls = []
    drop_ones = unit_seeds._drop_ones
    monkeypatch.setattr(unit_seeds, "_drop_ones", lambda *args: calls.append(1) or drop_ones(*args))
    tree = ast.parse(source).body[0]
    assert unit_seeds.drop_unit_factors(tree, {"x": (3,)})
    assert len(calls) == rounds
    assert expected in ast.unparse(tree)


# Session 14: passes rerun only where a change may give them more to do (issue 19, part 6).

_SWEEPS = [
    # the only binding of `a` goes: nothing another pass reads changes but reads
    ("def f(x):\n    a = x * 2.0\n    return x", "SOLE_BINDINGS"),
    # a dead loop: its target and what it assigns are bound nowhere else
    ("def f(x):\n    for i in range(3):\n        b = x * 2.0\n    return x", "SOLE_BINDINGS"),
    # liveness goes by names: a kept statement binds a removed one's name only where it
    # binds another, read one too (a tuple's), or as a loop's target; removed from the
    # function's own block
    ("def f(x):\n    a, b = divmod(x, 2.0)\n    a = x * 2.0\n    return b", "TOP_REBINDINGS"),
    (
        "def f(x):\n    s = 0.0\n    for i in range(3):\n        s = s + x\n    i = 2.0\n"
        "    return s",
        "TOP_REBINDINGS",
    ),
    # a parameter assigned again
    ("def f(x):\n    x = x * 2.0\n    return 1.0", "TOP_REBINDINGS"),
    # a self-copy (a rebinding by definition)
    ("def f(x):\n    y = x\n    y = y\n    return y", "TOP_REBINDINGS"),
    # … removed from a loop's body or a branch: the value before it reaches further
    (
        "def f(x):\n    y = x\n    for i in range(3):\n        y = y\n    return y",
        "REBINDINGS",
    ),
    # … but not where it was overwritten before any read and its name had no value from
    # the block before (from outside, forgotten: the branch assigns it), or its name is
    # read nowhere
    (
        "def f(x):\n    s = x\n    if x > 0:\n        s = 2.0\n        s = x * x\n    return s",
        "UNREAD_REBINDINGS",
    ),
    (
        "def f(x, u):\n    for i in range(3):\n        u = x * 2.0\n    return x",
        "UNREAD_REBINDINGS",
    ),
    # (`s = 2.0` gone, `x * 3.0` held by `s` is at hand to `s = x * x`: nothing reads it
    # there, but the block made it: not told apart)
    (
        "def f(x):\n    s = x\n    if x > 0:\n        s = x * 3.0\n        y = s\n"
        "        s = 2.0\n        s = x * x\n    return s + y",
        "REBINDINGS",
    ),
    # a nested function's parameter
    ("def f(x):\n    def g(v):\n        v = 2.0\n        return x\n    return g", "REBINDINGS"),
    ("def f(x):\n    return x", "NOTHING"),
]


@pytest.mark.parametrize(("source", "kind"), _SWEEPS)
def test_dead_code_says_whether_it_removed_a_rebinding(source, kind):
    from s2s_ad.simplify.dead_code import Removed

    tree = ast.parse(source).body[0]
    assert eliminate_dead_code(tree) is Removed[kind]


_FOLDS = [
    # a literal given to a name bound once: the unit factors' literals read it through
    ("def f(x):\n    t = 0.5 * 0.01\n    return x * t", "SOLE_LITERALS"),
    # a loop's first test: the loop assigns it again, forgetting the literal
    (
        "def f(n):\n    t = 0 < 4\n    while t:\n        n = n + 1\n        t = n < 3\n"
        "    return n",
        "UNREAD_LITERALS",
    ),
    # a literal no operator reads, and no name holds
    ("def f(x):\n    return x[: -1]", "UNREAD_LITERALS"),
    # … but one read before the name is assigned again, or an operator's operand
    ("def f(n):\n    t = 0 < 4\n    y = t\n    t = n < 3\n    return y, t", "OTHER"),
    ("def f(x):\n    return x * -1", "OTHER"),
]


@pytest.mark.parametrize(("source", "kind"), _FOLDS)
def test_constant_folding_says_whether_copy_propagation_may_find_more(source, kind):
    from s2s_ad.simplify.constant_folding import Folded, fold_constants

    tree = ast.parse(source).body[0]
    assert fold_constants(tree) is Folded[kind]


def _programs_for_sweeps():
    import golden_functions as gf

    return [gf.tanh_layer, gf.while_with_branch, gf.early_exit, gf.projectile_range,
            gf.series_until_small, gf.calls_helper, gf.comprehension]  # fmt: skip


@pytest.mark.parametrize("mode", ["reverse", "gradient", "hessian", "forward"])
def test_narrow_reruns_after_dead_code_give_the_same_code(mode, monkeypatch):
    """After a sweep that removed only names' sole bindings, only in-place accumulation and
    the tape-entry pass run again (and the other narrower reruns, `NARROWER`): the code is
    the one every pass rerun gives."""
    import sys

    import s2s_ad.simplify as simplify
    from s2s_ad.pipeline import forget_all

    sys.path.insert(0, str(Path(__file__).parent))
    functions = _programs_for_sweeps()
    ours = [ad.derivative_source(f, mode) for f in functions]
    forget_all()
    monkeypatch.setattr(simplify, "NARROWER", {})
    try:
        assert [ad.derivative_source(f, mode) for f in functions] == ours
    finally:
        forget_all()


def _drop_ones_by_the_generator_walk(tree, shapes):
    """The rewriting walk before session 14: `names.nodes`' generator, each node's fields
    read after the node itself was rewritten."""
    from s2s_ad.simplify import unit_seeds
    from s2s_ad.simplify.names import nodes

    found = unit_seeds._Inventory(tree)
    ones = {}
    for node in found.assigns:
        filled = unit_seeds._filled_like(node.value)  # (ones only, as then)
        like = filled[0] if filled is not None and filled[1] == 1.0 else None
        if like in shapes and found.stored[node.targets[0].id] == 1 and found.stored[like] <= 1:
            ones[node.targets[0].id] = (like, 1.0)
    check = (ones, shapes, {})
    for node in nodes(tree):
        operand = type(node) in (ast.BinOp, ast.UnaryOp)
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.BinOp):
                if kept := unit_seeds._replacement(value, *check, operand=operand):
                    setattr(node, field, kept)
            elif type(value) is list:
                for i, item in enumerate(value):
                    if isinstance(item, ast.BinOp) and (
                        kept := unit_seeds._replacement(item, *check)
                    ):
                        value[i] = kept


_NESTED_ONES = [
    # a product by ones whose parent, by ones too, is replaced by it
    "def f_grad(t):\n    o = np.full_like(t, 1.0)\n    p = np.full_like(t, 1.0)\n"
    "    u = o * (p * (t * t))\n    w = o * (p * t) + 1.0\n    return u, w",
    # in a call's arguments (no operand), and under a sign
    "def f_grad(t):\n    o = np.full_like(t, 1.0)\n    u = np.sin(o * (t + 1.0), o * t)\n"
    "    w = -(o * (t * 2.0)) * (o * t)\n    return u, w",
]


@pytest.mark.parametrize("source", _NESTED_ONES)
def test_unit_seeds_walk_rewrites_as_the_generator_walk_did(source):
    """The rewriting walk reuses the replacements found before it and visits each node
    before anything under it changes: the same code as the walk it replaced."""
    from s2s_ad.simplify import unit_seeds

    shapes = {"t": (3,), "o": (3,), "p": (3,)}
    ours, theirs = ast.parse(source).body[0], ast.parse(source).body[0]
    unit_seeds._drop_ones(ours, unit_seeds._Inventory(ours), shapes, {})
    _drop_ones_by_the_generator_walk(theirs, shapes)
    assert ast.unparse(ours) == ast.unparse(theirs)
    assert ast.unparse(ours) != ast.unparse(ast.parse(source).body[0])


@pytest.mark.parametrize(
    "source", ["a = b = c", "a, (b, c) = d", "x[i], y = z", "a += 1", "for i, j in k:\n    p = 1"]
)
def test_stores_of_a_statement_read_off_its_targets(source):
    """`stores` reads a simple statement's targets only: the names, in the order, of the
    walk of the whole statement."""
    from s2s_ad.simplify.names import _names_in, stores

    stmt = ast.parse(source).body[0]
    assert stores(stmt) == _names_in(stmt, ast.Store)


def _leaves_nothing_to_do(tree, in_place, shapes, dtypes) -> list[str]:
    """The simplification passes that change a copy of the simplified `tree` again."""
    import s2s_ad.simplify as simplify
    from s2s_ad.simplify.facts import Names

    changing = []
    for simplify_pass in (*simplify.PASSES, simplify.accumulate_in_place):
        again = copy.deepcopy(tree)
        if simplify_pass is simplify.drop_unit_factors:
            changed = simplify_pass(again, shapes, dtypes, Names())
        elif simplify_pass is simplify.fold_negations:
            changed = simplify_pass(again, dtypes, Names())
        elif simplify_pass is simplify.accumulate_in_place:
            changed = in_place is not None and simplify_pass(again, in_place)
        else:
            changed = simplify_pass(again, Names())
        if changed:
            changing.append(simplify_pass.__name__)
    return changing


@pytest.mark.parametrize("kind", ["mlp", "physics", "stencil", "gp", "pythonic", "optimiser"])
def test_the_simplification_leaves_no_pass_anything_to_do(kind, monkeypatch):
    """The passes run in one round in the order each enables the next (simplify/__init__.py),
    a pass again only where another's change may give it more to do: the code they leave is
    one no pass changes (realistic code of 25 lines, its gradient, value and gradient, and
    Hessian code)."""
    import sys

    from s2s_ad import pipeline

    sys.path.insert(0, str(Path(__file__).parent))
    import realistic_long_programs_independent as rp

    simplify, left = pipeline.simplify, []

    def checked(tree, in_place=None, shapes=None, dtypes=None):
        simplified = simplify(tree, in_place, shapes, dtypes)
        left.extend(_leaves_nothing_to_do(simplified, in_place, shapes, dtypes))
        return simplified

    monkeypatch.setattr(pipeline, "simplify", checked)
    f, x = rp.load_source(rp.source(kind, 25), kind).f, rp.point(kind)
    try:
        ad.grad(f)(x)
        ad.value_and_grad(f)(x)
        ad.hessian(f)(x)
    finally:
        pipeline.forget_all()
    assert not left
