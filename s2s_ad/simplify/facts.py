"""What several passes ask of every statement (the names it reads and binds, its products
and operators), found once in a simplification and kept while no pass changes it.

Before, each pass walked the whole function for these; now the first to ask walks each
statement once, and later passes read the facts of the statements no pass has rewritten
since. A pass that rewrites a statement says so (`changed`); one that may have rewritten
any (a walk of the whole function) has its caller forget them all (`clear`). Removing a
statement changes no other's facts.

    >>> import ast
    >>> names = Names()
    >>> stmt = ast.parse("a = b + c").body[0]
    >>> names.of(stmt).loads
    ['c', 'b']
"""

from __future__ import annotations

import ast
from ast import (
    Assign,
    Attribute,
    BinOp,
    BoolOp,
    Call,
    Compare,
    Constant,
    FunctionDef,
    If,
    IfExp,
    Lambda,
    Load,
    Mult,
    Name,
    NamedExpr,
    Not,
    Store,
    UnaryOp,
)

from .names import _CHILDREN, BLOCKS, SIMPLE, _children


class StatementNames:
    """The facts of one statement: its `Name` nodes by context, the parameters of its
    lambdas, its assignments, products and operators (unit_seeds.py, constant_folding.py)."""

    __slots__ = (
        "assigns",
        "binds_within",
        "deleted",
        "for_truth",
        "loads",
        "operands",
        "operators",
        "parameters",
        "products",
        "stmt",
        "stores",
    )

    def __init__(self, stmt: ast.AST) -> None:
        self.stmt = stmt  # (held: its id stays its own while this is kept)
        self.loads: list[str] = []  # in the order `names.loads` gives them
        self.stores: list[str] = []
        self.deleted: list[str] = []
        self.parameters: list[str] = []
        self.assigns: list[Assign] = []  # the statement, or those in its handlers …
        self.products: list[BinOp] = []  # `a * b`
        self.operands: list[int] = []  # the ids of operands of operators
        self.operators: list[ast.AST] = []  # what constant folding may fold (`if`s too)
        # a lambda, comprehension or `:=` in it: its expressions bind names too (flags.py)
        self.binds_within = False
        # an `and`/`or`, `not`, `a if c else b` or runtime check in it, which may read a
        # name for its truth alone (truth_values.py): else it reads each for its value
        self.for_truth = False


class Names:
    """The `StatementNames` of simple statements, each found once until forgotten."""

    def __init__(self) -> None:
        # (keyed by the statement itself: a node hashes by identity, as its `id` would,
        # with no integer made per look-up)
        self._of: dict[ast.stmt, StatementNames] = {}

    def of(self, stmt: ast.stmt) -> StatementNames:
        """The names of a simple statement (in `names.SIMPLE`, those `of` answers for)."""
        found = self._of.get(stmt)
        if found is None:
            found = self._of[stmt] = own_names(stmt)
        return found

    def changed(self, stmt: ast.stmt) -> None:
        """Forget the names of `stmt`, which a pass rewrote; all of them if it holds blocks
        (its statements may have changed too)."""
        if type(stmt) in SIMPLE:
            self._of.pop(stmt, None)
        else:
            self._of.clear()

    def clear(self) -> None:
        self._of.clear()

    def everywhere(self, tree: FunctionDef) -> list[StatementNames]:
        """The names of every part of `tree` (its parameters included), a part at a time:
        `frontend.nodes.descendants`' names, grouped."""
        found = [own_names(tree)]
        self._add_within(tree.body, found)
        return found

    def within(self, block: list[ast.stmt]) -> list[StatementNames]:
        """The names of the statements of `block` and of those they hold, a statement at a
        time, in `everywhere`'s order."""
        found: list[StatementNames] = []
        self._add_within(block, found)
        return found

    def _add_within(self, block: list[ast.stmt], found: list[StatementNames]) -> None:
        cached, simple = self._of, SIMPLE
        pending = list(reversed(block))  # (`names.statements`' order)
        while pending:
            stmt = pending.pop()
            if type(stmt) in simple:
                names = cached.get(stmt)
                if names is None:
                    names = cached[stmt] = own_names(stmt)
                found.append(names)
                continue
            found.append(own_names(stmt))
            for field in ("orelse", "body"):
                inner = getattr(stmt, field, None)
                if type(inner) is list:
                    pending.extend(reversed(inner))


# the nodes constant folding asks about (simplify/constant_folding.py)
_OPERATORS = frozenset({BinOp, BoolOp, UnaryOp, Compare, If})
_BINDING_EXPRESSIONS = frozenset({Lambda, NamedExpr, ast.comprehension})
_TRUTH_CALLS = frozenset({"unshared", "followed_operand"})  # (truth_values.py's `rt.` ones)


def own_names(node: ast.AST) -> StatementNames:
    """The names under `node`, but not in the blocks of statements `names.statements`
    enters (a statement's own: its test, target, value, handlers …)."""
    found = StatementNames(node)
    loads, stores, operands = found.loads, found.stores, found.operands
    # (`stack.append` compiled is a direct list append; a bound method held in a local, as
    # for the interpreter, was a generic call per node)
    stack = [node]
    name, load, store, AST, fields_of = Name, Load, Store, ast.AST, _CHILDREN
    binop, unary, constant = BinOp, UnaryOp, Constant
    call, attribute, keyword, assign = Call, Attribute, ast.keyword, Assign
    mult = Mult
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is name:
            context = type(current.ctx)
            if context is load:
                loads.append(current.id)
            elif context is store:
                stores.append(current.id)
            else:
                found.deleted.append(current.id)
            continue  # its only child is its context
        if kind is constant:
            continue  # (a number or a string)
        # the commonest nodes, their children pushed as the general walk below pushes them
        if kind is binop:
            found.operators.append(current)
            if type(current.op) is mult:
                found.products.append(current)
            left, right = current.left, current.right
            operands += (id(left), id(right))
            stack.append(left)
            stack.append(right)
            continue
        if kind is call:
            func = current.func
            if type(func) is attribute and func.attr in _TRUTH_CALLS:
                found.for_truth = True
            stack.append(func)
            stack.extend(current.args)
            stack.extend(current.keywords)
            continue
        if kind is attribute:
            stack.append(current.value)
            continue
        if kind is keyword:
            stack.append(current.value)
            continue
        if kind is assign:
            found.assigns.append(current)
            stack.extend(current.targets)
            stack.append(current.value)
            continue
        if kind in _OPERATORS:
            found.operators.append(current)
            if kind is BoolOp or (kind is unary and type(current.op) is Not):
                found.for_truth = True
        elif kind in _BINDING_EXPRESSIONS:
            found.binds_within = True
        elif kind is IfExp:
            found.for_truth = True
        if kind is binop:
            if type(current.op) is Mult:
                found.products.append(current)
            operands += (id(current.left), id(current.right))
        elif kind is unary:
            operands.append(id(current.operand))
        elif kind is Assign:
            found.assigns.append(current)
        elif kind is ast.arg:
            found.parameters.append(current.arg)
        for field in fields_of.get(kind) or _children(kind):
            value = getattr(current, field, None)
            if type(value) is list:
                if current is node and field in BLOCKS:
                    continue  # statements of their own
                stack.extend([v for v in value if isinstance(v, AST)])
            elif isinstance(value, AST):
                stack.append(value)
    return found
