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
    locations.increment_lineno(ours, 9)
    gast.increment_lineno(theirs, 9)
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
