"""`frontend.gast_conversion` builds the tree `gast` builds: the same classes, fields and
attributes, node for node, for every construct Python's parser gives."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import gast
import pytest

from s2s_ad.frontend.gast_conversion import ast_to_gast, parse

ROOT = Path(__file__).resolve().parent.parent
# the front end's own code, and the users' programs the tests differentiate
SOURCES = [*(ROOT / "s2s_ad" / "frontend").glob("*.py"), *(ROOT / "tests").glob("*programs*.py")]

CONSTRUCTS = """
import numpy as np
from . import x as y
@decorator(1)
async def f(a, /, b: int = 2, *args, c, d=3, **kw) -> float:
    '''Doc.'''
    global g
    nonlocal h
    x: float = 1.0
    x += 2 ** -3
    y = [i for i in range(3) if i] + list({k: v for k, v in kw.items()})
    z = {1, 2} | {e async for e in s}
    w = (lambda q, *r: q)(*a, **kw)
    u = f"{x!r:>{width}} {y}" + b"raw" + 1j.imag
    v = x if y else ...
    t = a[1:2, ::3, ...]
    del t[0]
    async with m as (n, o), p:
        await q
    async for r in s:
        break
    else:
        continue
    try:
        raise E from F
    except (A, B) as exc:
        pass
    finally:
        assert x, "message"
    try:
        pass
    except* C:
        pass
    while not x and y or z:
        yield from w
    match command:
        case [Point(x=0, y=0), *rest] | {"k": 1, **others} if rest:
            return None
        case str() | None as s:
            return s
    return (yield)
class K(Base, metaclass=Meta):
    attribute: int
    def m(self): return self.attribute @ other
"""


def _same(ours: object, theirs: object, where: str) -> None:
    assert type(ours) is type(theirs), where
    if isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            _same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, gast.AST):
        assert ours is not theirs, where
        assert ours.__dict__.keys() == theirs.__dict__.keys(), where
        for key, value in theirs.__dict__.items():
            _same(ours.__dict__[key], value, f"{where}.{key}")
    elif isinstance(theirs, float) and math.isnan(theirs):
        assert math.isnan(ours), where
    else:
        assert ours == theirs, where


def test_every_construct_converts_as_gast_does():
    tree = ast.parse(CONSTRUCTS)
    _same(ast_to_gast(tree), gast.ast_to_gast(tree), "module")


@pytest.mark.parametrize("path", sorted(SOURCES), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_source_file_converts_as_gast_does(path):
    source = path.read_text(encoding="utf-8")
    _same(parse(source), gast.parse(source), path.name)


def test_an_expression_and_a_node_built_by_hand():
    _same(parse("a.b(c) * -2", mode="eval"), gast.parse("a.b(c) * -2", mode="eval"), "eval")
    built = ast.BinOp(left=ast.Name(id="x", ctx=ast.Load()), op=ast.Add(), right=ast.Constant(1))
    _same(ast_to_gast(built), gast.ast_to_gast(built), "built")  # no line numbers set


def test_a_syntax_error_is_pythons():
    with pytest.raises(SyntaxError):
        parse("def f(:\n    pass")
