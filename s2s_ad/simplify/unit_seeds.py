"""`grad`'s unit cotangent followed through: names that can only hold the literal, and
multiplications by an array of ones where the shapes say the product is the other factor.

A name every assignment of which is one same literal, or a copy of itself or of another such
name, holds that literal wherever it is read, loops included (where copy propagation, which
follows the order of statements, stops at the loop's own `y_bar = y_bar`):

    y_1_bar = 1.0                              # dead: removed
    for i in reversed(range(100)):
        y_2_bar = y_1_bar                      # dead: removed
        y_1_bar = y_1_bar                      # dead: removed
        x_bar = x_bar + 2.0 * (y_2_bar * x)  → x_bar = x_bar + 2.0 * (1.0 * x)

The ones (shape-specialised code only):

`grad`'s cotangent is the literal 1.0 (ad/reverse.py, `unit_seed`); the adjoint of a whole
sum spreads it as `np.full_like(y, 1.0)`, which the next rule multiplies by its partial
derivative. Before → after (all of `t`'s shape):

    t_bar = np.full_like(t, 1.0)            t_bar = np.full_like(t, 1.0)   # dead: removed
    u_bar = t_bar * (1.0 - t * t)     →     u_bar = 1.0 - t * t

Exact: `1 * v` is `v` bit for bit (signed zeros, infinities and NaNs included) when the
product has `v`'s shape and dtype. Both are checked: the other factor `e` is elementwise
arithmetic (operators, literals) over names whose known shapes are `t`'s or `()`, reading
`t` itself, so `e` has `t`'s shape and a dtype NumPy promoted from `t`'s, which the ones
(of `t`'s dtype) cannot widen. `t` and the ones are each assigned once, and `e` is not a
bare name (the product is a new array; `e` then is one too, never an alias of another).
"""

from __future__ import annotations

import ast
from collections import Counter

from ..frontend.nodes import descendants
from .names import nodes, substitute_loads

_ELEMENTWISE = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


def drop_unit_factors(tree: ast.FunctionDef, shapes: dict[str, tuple]) -> bool:
    """Read literals for the names that can hold nothing else, and replace `ones * e` and
    `e * ones` by `e` under `tree`, in place; True if any."""
    found = _Inventory(tree)
    return _propagate_literals(tree, found) | _drop_ones(tree, found, shapes)


class _Inventory:
    """What both parts ask of the whole function, gathered in one walk (the rewriting walks
    run only where there is something to rewrite). Replacing reads by literals changes no
    store, no assignment's target and no product's place: it holds after that part too."""

    def __init__(self, tree: ast.FunctionDef) -> None:
        self.stored: Counter = Counter()  # every binding: loop and tuple targets, `+=`, `as` …
        self.assigns: list[ast.Assign] = []  # the `name = value` statements
        self.parameters: set[str] = set()  # lambdas' too
        self.loaded: set[str] = set()
        self.products: list[ast.BinOp] = []
        store, load, name, assign, binop, mult = (
            ast.Store,
            ast.Load,
            ast.Name,
            ast.Assign,
            ast.BinOp,
            ast.Mult,
        )
        for node in descendants(tree):
            kind = type(node)
            if kind is name:
                context = type(node.ctx)
                if context is store:
                    self.stored[node.id] += 1
                elif context is load:
                    self.loaded.add(node.id)
            elif kind is binop:
                if type(node.op) is mult:
                    self.products.append(node)
            elif kind is assign:
                if len(node.targets) == 1 and type(node.targets[0]) is name:
                    self.assigns.append(node)
            elif kind is ast.arg:
                self.parameters.add(node.arg)


def _propagate_literals(tree: ast.FunctionDef, found: _Inventory | None = None) -> bool:
    found = found or _Inventory(tree)
    values: dict[str, list[ast.expr]] = {}  # name → the values `name = value` assigns
    for node in found.assigns:
        values.setdefault(node.targets[0].id, []).append(node.value)
    stored, parameters = found.stored, found.parameters
    candidates = {
        name: assigned
        for name, assigned in values.items()
        if stored[name] == len(assigned) and name not in parameters
    }
    literal: dict[str, float] = {}
    changed = True
    while changed:  # copies of copies: to a fixed point
        changed = False
        for name, assigned in candidates.items():
            if name not in literal and (one := _one_literal(name, assigned, literal)):
                literal[name] = one[0]
                changed = True
    if found.loaded.isdisjoint(literal):
        return False  # no read to rewrite: no rewriting walk
    return substitute_loads(tree, literal, lambda value: ast.Constant(value=value))


def _one_literal(name: str, assigned: list[ast.expr], literal: dict) -> tuple | None:
    """`(c,)` when every value in `assigned` is the float literal `c`, `name` itself, or a
    name known to hold `c`; else None."""
    found: float | None = None
    for value in assigned:
        if type(value) is ast.Name and value.id == name:
            continue  # `n = n`
        if type(value) is ast.Name and value.id in literal:
            constant = literal[value.id]
        elif type(value) is ast.Constant and type(value.value) is float:
            constant = value.value
        else:
            return None
        if found is not None and repr(found) != repr(constant):
            return None  # two literals (0.0 and -0.0 differ too)
        found = constant
    return None if found is None else (found,)


def _drop_ones(tree: ast.FunctionDef, found: _Inventory, shapes: dict[str, tuple]) -> bool:
    if not shapes:
        return False
    assigned = found.stored
    ones: dict[str, str] = {}  # name of the ones → the array whose shape and dtype it has
    for node in found.assigns:
        like = _ones_like(node.value)
        if like is None or like not in shapes:
            continue
        if assigned[node.targets[0].id] == 1 and assigned[like] <= 1:
            ones[node.targets[0].id] = like
    # the rewriting walk only where a product by ones is there to drop
    if not ones or all(_product(n, ones, shapes) is None for n in found.products):
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
    if type(expr) is ast.Name:
        return False  # the product is a new array, the name another's: no aliases made
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
