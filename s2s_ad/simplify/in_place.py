"""In-place accumulation into adjoint arrays that nothing else refers to.

Before:
    x_bar = rt.getitem_vjp(_t2_bar, x, slice(None, -1))
    x_bar = x_bar + rt.getitem_vjp(_t4_bar, x, slice(1, None))
After:
    x_bar = rt.getitem_vjp(_t2_bar, x, slice(None, -1))
    x_bar = rt.scatter_add(x_bar, _t4_bar, x, slice(1, None))

`rt.getitem_vjp` returns a new array (zeros, with the cotangent written where `x[index]`
came from). Until a statement reads the name holding it, that name is its only reference,
so the next slice's cotangent can go straight into it (`total[index] += g`) instead of
into more fresh zeros followed by a whole-array sum. `rt.scatter_add` still checks at run
time that it holds a writable array of the right shape and dtype, and adds out of place
otherwise. Freshness is followed through one straight-line block: a loop, a branch or a
nested function ends it. Not applied to code that is differentiated again (Hessians): its
tangent would need a rule for the update.
"""

from __future__ import annotations

import ast

from ..codegen import build
from .facts import Names
from .names import assigned_name, loads, stores

FRESH = ("getitem_vjp", "scatter_add")  # runtime helpers that return a new array


def accumulate_in_place(tree: ast.FunctionDef, runtime: str, facts: Names | None = None) -> bool:
    """Rewrite `a = a + rt.getitem_vjp(g, x, i)` for a fresh `a` in place; True if any.
    `facts`: the names of statements, kept for other passes (those rewritten forgotten)."""
    return _block(tree.body, runtime, facts)


def _block(block: list[ast.stmt], runtime: str, facts: Names | None) -> bool:
    fresh: set[str] = set()
    changed = False
    for stmt in block:
        for field in ("body", "orelse"):
            nested = getattr(stmt, field, None)
            if isinstance(nested, list):  # a loop, branch or nested function: its own blocks
                changed |= _block(nested, runtime, facts)
                fresh.clear()
        target = assigned_name(stmt)
        scatter = _scatter_onto(stmt, target, runtime) if target in fresh else None
        if scatter is not None:
            g, x, index = scatter.args
            stmt.value = ast.Call(
                func=build.parse_expr(f"{runtime}.scatter_add"),
                args=[ast.Name(id=target, ctx=ast.Load()), g, x, index],
                keywords=[],
            )
            if facts is not None:
                facts.changed(stmt)
            changed = True
        if fresh:  # read (maybe kept) or rebound: not fresh (none is after a nested block)
            fresh -= {*loads(stmt), *stores(stmt)}
        if target is not None and _makes_fresh(stmt.value, runtime):
            fresh.add(target)
    return changed


def _scatter_onto(stmt: ast.Assign, target: str, runtime: str) -> ast.Call | None:
    """The `rt.getitem_vjp(g, x, i)` call when `stmt` is `target = target + that call`
    and the call does not itself read `target`."""
    value = stmt.value
    if not (
        isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Add)
        and isinstance(value.left, ast.Name)
        and value.left.id == target
        and _is_runtime_call(value.right, runtime, ("getitem_vjp",))
        and len(value.right.args) == 3
        and not value.right.keywords
        and target not in loads(value.right)
    ):
        return None
    return value.right


def _makes_fresh(value: ast.expr, runtime: str) -> bool:
    return _is_runtime_call(value, runtime, FRESH)


def _is_runtime_call(node: ast.expr, runtime: str, names: tuple[str, ...]) -> bool:
    """Whether `node` calls one of the runtime's helpers `names` (asked of every assignment:
    the call's attribute first)."""
    func = node.func if type(node) is ast.Call else None
    return (
        type(func) is ast.Attribute
        and func.attr in names
        and type(func.value) is ast.Name
        and func.value.id == runtime
    )
