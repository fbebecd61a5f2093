"""The primal comments' direct rendering (`ssa.render.render_line`) writes what the
unparser writes, for every assignment of the test programs and for the literals and
callees it must leave to the unparser."""

from __future__ import annotations

import importlib
import operator
import types

import numpy as np
import pytest

from s2s_ad import pipeline
from s2s_ad import runtime as rt
from s2s_ad.codegen import build
from s2s_ad.codegen.emit import unparse
from s2s_ad.ssa.ir import CALL, METHOD, Assign, Const, Free, Index, Prim, SliceItem, Var, walk
from s2s_ad.ssa.render import as_parsed, render_line, render_stmt

# modules of plain functions: the golden programs, the testers' programs
PROGRAM_MODULES = [
    "golden_functions",
    "independent_programs",
    "hessian_checks",
    "test_counted_loops_independent",
    "test_branch_derivatives_independent",
    "test_item_demand_independent",
    "long_programs_independent",
]


def unparsed(stmt: Assign) -> str:
    """(negative literals as parsed: `x ** (-1.5)`, the user's spelling, not the code's)"""
    return unparse(build.located(as_parsed(render_stmt(stmt))))


def assignments(module_name: str) -> list[Assign]:
    module = importlib.import_module(module_name)
    found = []
    for value in vars(module).values():
        if not isinstance(value, types.FunctionType) or value.__module__ != module.__name__:
            continue
        try:
            ssa = pipeline.to_ssa(value)
        except Exception:  # refused or not meant to lower: nothing to render
            continue
        found += [s for s in walk(ssa.body) if type(s) is Assign]
    return found


@pytest.mark.parametrize("module_name", PROGRAM_MODULES)
def test_every_assignment_of_the_programs(module_name):
    statements = assignments(module_name)
    assert len(statements) > 50
    for stmt in statements:
        assert render_line(stmt) == unparsed(stmt)


class Unhashable:
    __hash__ = None

    def __call__(self, *args, **kwargs):
        return 0.0


x, y = Var("x"), Var("y")
# subscripts and index operands, written directly (slices, negative and string keys, tuples)
one, minus, none = Const(1), Const(-2), Const(None)
INDICES = [
    Index((Const(2),), False),
    Index((Const(-1),), False),
    Index((Const(-1.5),), False),
    Index((Const(-0.0),), False),
    Index((Const(float("-inf")),), False),
    Index((Const("w"),), False),
    Index((Const('it\'s "q"'),), False),
    Index((Const(True),), False),
    Index((none,), False),
    Index((Const(...),), False),
    Index((Const((1, 2)),), False),
    Index((y,), False),
    Index((y,), True),
    Index((), True),
    Index((y, Free("Y", 1)), True),
    Index((y, Free("np.newaxis", None)), True),
    Index((SliceItem(one, None, None),), False),
    Index((SliceItem(None, minus, None),), False),
    Index((SliceItem(Const(2), minus, Const(2)),), False),
    Index((SliceItem(None, None, Const(-1)),), False),
    Index((SliceItem(None, None, none),), False),
    Index((SliceItem(none, none, None),), False),
    Index((SliceItem(y, x, None),), True),
    Index((SliceItem(None, None, None), Const(0)), True),
    Index((Const(0), SliceItem(minus, None, None)), True),
]
SUBSCRIPTS = [Prim(operator.getitem, (x, index)) for index in INDICES]
SUBSCRIPTS += [Prim(operator.getitem, (Free("np.r_", np.r_), INDICES[0]))]
SUBSCRIPTS += [Prim(operator.getitem, (Const("abc"), INDICES[0]))]
SUBSCRIPTS += [Prim(rt.setitem, (x, y, index), (), "rt.setitem") for index in INDICES]
CASES = [
    Prim(operator.mul, (x, Const(-1.0))),
    Prim(operator.pow, (Const(-2.0), x)),
    Prim(operator.mul, (x, Const(-0.0))),
    Prim(operator.mul, (x, Const(float("inf")))),
    Prim(operator.add, (x, Const(float("nan")))),
    Prim(operator.add, (x, Const(10**30))),
    Prim(operator.add, (x, Const(1e-300))),
    Prim(operator.neg, (Const(1.5),)),
    Prim(operator.not_, (x,)),
    Prim(operator.is_not, (x, Const(None))),
    Prim(operator.getitem, (x, y)),
    Prim(operator.getitem, (x, Const(2))),
    Prim(np.sum, (x,), (("axis", Const(0)), ("keepdims", Const(True))), "np.sum"),
    Prim(np.sum, (x,), (("where", Const("a")),), "np.sum"),
    Prim(np.real, (Const(1.0),), (), "real", METHOD),
    Prim(np.sum, (x, Const((1, 2))), (), "np.sum"),
    Prim(Unhashable(), (x,), (("k", y),), "f", CALL),
    Prim(np.sin, (Free("np.pi", np.pi),), (), "np.sin"),
    Free("SCALE", 2.0),
    Const("text"),
    *SUBSCRIPTS,
]


@pytest.mark.parametrize("value", CASES, ids=[f"case{k}" for k in range(len(CASES))])
def test_literals_and_callees(value):
    stmt = Assign("t", value, 1)
    assert render_line(stmt) == unparsed(stmt)
