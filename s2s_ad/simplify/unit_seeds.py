"""Multiplications by an array of ones dropped, where the shapes say the product is the other
factor itself (shape-specialised code only).

`grad`'s cotangent is the literal 1.0 (ad/reverse.py, `unit_seed`); the adjoint of a whole
sum spreads it as `np.full_like(y, 1.0)`, which the next rule multiplies by its partial
derivative. Before → after (all of `t`'s shape):

    t_bar = np.full_like(t, 1.0)            t_bar = np.full_like(t, 1.0)   # dead: removed
    u_bar = t_bar * (1.0 - t * t)     →     u_bar = 1.0 - t * t

Exact: `1 * v` is `v` bit for bit (signed zeros, infinities and NaNs included) when the
product has `v`'s shape and dtype. Both are checked: the other factor `e` is elementwise
arithmetic (operators, literals) over names whose known shapes are `t`'s or `()`, reading
`t` itself, so `e` has `t`'s shape and a dtype NumPy promoted from `t`'s, which the ones
(of `t`'s dtype) cannot widen. `t` and the ones are each assigned once.
"""

from __future__ import annotations

import ast
from collections import Counter

from .names import nodes, stores

_ELEMENTWISE = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def drop_unit_factors(tree: ast.FunctionDef, shapes: dict[str, tuple]) -> bool:
    """Replace `ones * e` and `e * ones` by `e` under `tree`, in place; True if any."""
    if not shapes:
        return False
    assigned = Counter(stores(tree))
    ones: dict[str, str] = {}  # name of the ones → the array whose shape and dtype it has
    for node in nodes(tree):
        if type(node) is ast.Assign and len(node.targets) == 1:
            target = node.targets[0]
            like = _ones_like(node.value)
            if type(target) is not ast.Name or like is None or like not in shapes:
                continue
            if assigned[target.id] == 1 and assigned[like] <= 1:
                ones[target.id] = like
    if not ones:
        return False
    changed = False
    for node in nodes(tree):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.BinOp) and (kept := _product(value, ones, shapes)):
                setattr(node, field, kept)
                changed = True
            elif type(value) is list:
                for i, item in enumerate(value):
                    if isinstance(item, ast.BinOp) and (kept := _product(item, ones, shapes)):
                        value[i] = kept
                        changed = True
    return changed


def _ones_like(value: ast.expr) -> str | None:
    """`t` when `value` is `np.full_like(t, 1.0)` (or `np.ones_like(t)`)."""
    if type(value) is not ast.Call or value.keywords or type(value.func) is not ast.Attribute:
        return None
    func, args = value.func, value.args
    if type(func.value) is not ast.Name or func.value.id not in ("np", "numpy"):
        return None  # the NumPy aliases generated code uses (naming.Aliases)
    if not args or type(args[0]) is not ast.Name:
        return None
    if func.attr == "ones_like" and len(args) == 1:
        return args[0].id
    one = args[1] if len(args) == 2 else None
    if func.attr == "full_like" and type(one) is ast.Constant and type(one.value) is float:
        return args[0].id if one.value == 1.0 else None
    return None


def _product(node: ast.BinOp, ones: dict[str, str], shapes: dict) -> ast.expr | None:
    """The other factor of `ones * e` / `e * ones` when it may stand for the product."""
    if type(node.op) is not ast.Mult:
        return None
    for factor, other in ((node.left, node.right), (node.right, node.left)):
        if type(factor) is ast.Name and factor.id in ones:
            like = ones[factor.id]
            if _elementwise_of(other, like, shapes):
                return other
    return None


def _elementwise_of(expr: ast.expr, like: str, shapes: dict) -> bool:
    """Whether `expr` is arithmetic over literals and names of `like`'s shape (or scalars),
    reading `like` itself."""
    shape = shapes[like]
    reads_like = False
    for node in ast.walk(expr):
        if type(node) is ast.Name:
            if shapes.get(node.id) not in (shape, ()):
                return False
            reads_like |= node.id == like
        elif type(node) is ast.Constant:
            if type(node.value) not in (int, float):
                return False
        elif type(node) is ast.BinOp:
            if type(node.op) not in _ELEMENTWISE:
                return False
        elif type(node) is ast.UnaryOp:
            if type(node.op) not in (ast.USub, ast.UAdd):
                return False
        elif not isinstance(node, (ast.expr_context, ast.operator, ast.unaryop)):
            return False
    return reads_like and bool(shape)  # an array: `e` is one too, as the product
