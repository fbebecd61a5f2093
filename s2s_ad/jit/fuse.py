"""Inline single-use elementwise temporaries of derivative code, for Numba to fuse.

Numba fuses an elementwise expression into one loop (no temporary arrays), but only within
one statement; the generated code names every intermediate value. Before Numba compiles it,
each temporary that is assigned once, read once, by a later statement of the same block, from
an expression of arithmetic and NumPy calls whose names are not rebound in between, is
substituted into that statement:

    _t3 = _t2 ** 2                          _t4 = _t1 - _t2 ** 2
    _t4 = _t1 - _t3                  →

The same operations on the same values in the same order: the same numbers. Only the code
Numba compiles changes; its lines keep their numbers in the generated source
(`derivative_source` shows it as generated), so Numba's messages name the shown lines.
"""

from __future__ import annotations

import ast
from collections import Counter

_PURE = (ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Attribute, ast.Call, ast.Load)
_OPERATORS = (ast.operator, ast.unaryop)


def fused(function: ast.FunctionDef, numpy: str) -> ast.FunctionDef:
    """`function` with single-use elementwise temporaries substituted into their one use;
    `numpy`: the name NumPy has in it."""
    loads = Counter(n.id for n in ast.walk(function) if _is_load(n))
    stores = Counter(
        n.id for n in ast.walk(function) if isinstance(n, ast.Name) and not _is_load(n)
    )
    for node in ast.walk(function):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, field, _fused_block(block, loads, stores, numpy))
    return function


def _fused_block(
    block: list[ast.stmt], loads: Counter, stores: Counter, numpy: str
) -> list[ast.stmt]:
    kept: list[ast.stmt] = []
    for position, statement in enumerate(block):
        kept.append(statement)
        name = _temporary(statement, loads, stores, numpy)
        if name is None:
            continue
        reads = {n.id for n in ast.walk(statement.value) if _is_load(n)}
        for use in block[position + 1 :]:
            if not isinstance(use, (ast.Assign, ast.Return)):
                break  # a loop or a branch: not followed into
            if any(_is_load(n) and n.id == name for n in ast.walk(use)):
                _substitute(use, name, statement.value)
                kept.pop()
                break
            if not _passes_over(use, reads | {name}, numpy):
                break
    return kept


def _passes_over(statement: ast.stmt, names: set[str], numpy: str) -> bool:
    """Whether an expression reading `names` may move past `statement`: it binds only other
    names and calls only NumPy (no helper that updates an array in place, no item write)."""
    if not isinstance(statement, ast.Assign):
        return False
    targets = [n for t in statement.targets for n in ast.walk(t)]
    if not all(isinstance(n, (ast.Name, ast.Tuple, ast.Store)) for n in targets):
        return False
    if {n.id for n in targets if isinstance(n, ast.Name)} & names:
        return False
    calls = [n for n in ast.walk(statement.value) if isinstance(n, ast.Call)]
    return all(_is_numpy(c.func, numpy) for c in calls)


def _temporary(statement: ast.stmt, loads: Counter, stores: Counter, numpy: str) -> str | None:
    """The name `statement` assigns, when it is a single-use, single-assignment temporary of
    a pure expression."""
    if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
        return None
    target = statement.targets[0]
    if not isinstance(target, ast.Name) or loads[target.id] != 1 or stores[target.id] != 1:
        return None
    value = statement.value
    if not all(isinstance(n, (*_PURE, *_OPERATORS)) for n in ast.walk(value)):
        return None
    calls = [n for n in ast.walk(value) if isinstance(n, ast.Call)]
    if any(c.keywords or not _is_numpy(c.func, numpy) for c in calls):
        return None  # only `np.f(...)` calls: elementwise or reductions, no effects
    return target.id


_UPDATES = frozenset(("put", "place", "putmask", "copyto", "fill_diagonal", "put_along_axis"))


def _is_numpy(func: ast.expr, numpy: str) -> bool:
    """A call of a NumPy function that updates no argument in place."""
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == numpy
        and func.attr not in _UPDATES
    )


def _is_load(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)


def _substitute(statement: ast.stmt, name: str, value: ast.expr) -> None:
    for node in ast.walk(statement):
        for field, child in ast.iter_fields(node):
            if _is_load(child) and child.id == name:
                setattr(node, field, value)
            elif isinstance(child, list):
                for k, item in enumerate(child):
                    if _is_load(item) and item.id == name:
                        child[k] = value
