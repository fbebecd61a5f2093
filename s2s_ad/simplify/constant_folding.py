"""Constant folding on generated code: operators applied to literals become one literal,
`and`/`or` after a literal the operand they give, and an `if` on a literal becomes the
branch it takes.

Before: `_t3 = 0 < 10`, `scale = 2.0 * 0.5`, `_t2 = not False`, `_t4 = True and k < n`,
After:  `_t3 = True`,   `scale = 1.0`,       `_t2 = True`,      `_t4 = k < n`,
Before: `_t5 = _t2 and True` (`_t5` read only for its truth: `while c and n < 50`, `n = 0`),
After:  `_t5 = _t2`,
Before: `if True: a = b`,  `2.0 * (1.0 * x)` (grad's unit cotangent, for `x * x`).
After:  `a = b`,           `2.0 * x`.

The literals are Python numbers and booleans, and generated code applies Python's own
operators to them at run time, so folding with the same operators here gives the very value
the code would compute. NaN/inf policy: a fold whose result is not a finite number (`1e308 *
10.0`, `0.0 / 0.0`), or that raises (`1 / 0`), or that would make an integer of more than 64
bits is left as written, so the program warns or fails at run time exactly as it did.
"""

from __future__ import annotations

import ast
import enum
import math
import operator
from ast import (
    AST,
    Add,
    Assign,
    BinOp,
    BoolOp,
    Compare,
    Constant,
    Div,
    Eq,
    Expr,
    FloorDiv,
    For,
    FunctionDef,
    Gt,
    GtE,
    If,
    Lt,
    LtE,
    Mod,
    Mult,
    Name,
    Not,
    NotEq,
    Or,
    Pass,
    Pow,
    Return,
    Sub,
    UAdd,
    UnaryOp,
    USub,
    While,
)
from collections import Counter

from .facts import Names
from .flags import Booleans, boolean
from .names import BLOCKS, SIMPLE, StoredNames, assigned_name, child_fields, loads, statements

BINARY = {
    Add: operator.add,
    Sub: operator.sub,
    Mult: operator.mul,
    Div: operator.truediv,
    FloorDiv: operator.floordiv,
    Mod: operator.mod,
    Pow: operator.pow,
}
UNARY = {USub: operator.neg, UAdd: operator.pos, Not: operator.not_}
# the classes `_foldable` or `_decided` may accept (as facts.py's `operators`)
_CANDIDATES = frozenset({BinOp, BoolOp, UnaryOp, Compare, If})
COMPARE = {
    Lt: operator.lt,
    LtE: operator.le,
    Gt: operator.gt,
    GtE: operator.ge,
    Eq: operator.eq,
    NotEq: operator.ne,
}


class Folded(enum.IntEnum):
    """What a run folded (falsy: nothing). A name bound once given a literal is read as it
    by the unit seeds' literals (unit_seeds.py): no value at hand changes for another name,
    as a folded rebinding's or a branch taken may (simplify/__init__.py)."""

    NOTHING = 0
    SOLE_LITERALS = 1  # each statement folded assigns a literal to a name bound only there
    OTHER = 2
    # … or to a name bound elsewhere too, whose literal reaches no read (`_read_nowhere`),
    # or folds only what copy propagation never looks up (`_Tested.looked_up`: `[:-1]`)
    UNREAD_LITERALS = 3


def fold_constants(tree: FunctionDef, facts: Names | None = None) -> Folded:
    """Fold operators on literals and branches on literals in place; what, if anything.
    `facts`: the statements' facts, where known (those of the statements rewritten are
    forgotten; taking a branch moves statements, unchanged)."""
    facts = facts or Names()
    every = facts.everywhere(tree)
    parts = [part for part in every if _may_fold(part.operators)]
    if not parts:
        return Folded.NOTHING  # the common case, found from the facts
    folded = []
    looked_up = False  # a fold copy propagation may look up (`_Tested.looked_up`)
    booleans = Booleans(tree, facts)  # (found only if a literal ends an `and`/`or`)
    for part in parts:  # (a fold makes new foldable operators only in its own part)
        stmt = part.stmt
        # a compound statement's own parts (its test, iterable; handlers): its blocks'
        # statements are parts of their own
        tested = _Tested(stmt, booleans)
        if _fold_fields(stmt, () if type(stmt) in SIMPLE else BLOCKS, tested):
            facts.changed(stmt)  # (a compound statement's: all, as handlers hold statements)
            folded.append(stmt)
            looked_up |= tested.looked_up and not _literal_of_name(stmt)
            looked_up |= type(stmt) not in _HEADED  # (a `try`'s handlers: statements)
    if _take_branches(tree):
        return Folded.OTHER
    if not folded:
        return Folded.NOTHING
    stored = Counter(name for part in every for name in part.stores)
    rebound = [stmt for stmt in folded if not _literal_of_sole_name(stmt, stored)]
    if not rebound:
        return Folded.SOLE_LITERALS
    if not looked_up and _read_nowhere(tree, [s for s in rebound if _literal_of_name(s)]):
        return Folded.UNREAD_LITERALS
    return Folded.OTHER


def _may_fold(operators: list[AST]) -> bool:
    """Whether one of a part's `operators` folds, or is an `if` on a literal (a loop: `any`
    of a generator made a closure and a generator for every part)."""
    for node in operators:
        if _foldable(node) or _decided(node):
            break
    else:
        return False
    return True


def _literal_of_sole_name(stmt: ast.stmt, stored: Counter) -> bool:
    """Whether `stmt` is `name = literal` (a number or boolean, as the unit factors read
    them) of a name bound nowhere else."""
    return (
        _literal_of_name(stmt)
        and type(stmt.value.value) in (float, int, bool)
        and stored[stmt.targets[0].id] == 1
    )


def _literal_of_name(stmt: ast.stmt) -> bool:
    """Whether `stmt` is `name = literal`."""
    return (
        type(stmt) is Assign
        and type(stmt.value) is Constant
        and len(stmt.targets) == 1
        and type(stmt.targets[0]) is Name
    )


def _read_nowhere(tree: FunctionDef, assigns: list[Assign]) -> bool:
    """Whether the literal each of `assigns` (`name = literal`) gives reaches no read of
    its name where copy propagation (available_values.py) would read it through: up to the
    next statement of its block storing the name (a loop or branch, or `name += …`,
    forgets the values of what it stores first; a nested function stores for later), else
    the block's end. (Its folding made the literal a value at hand; what it held before,
    an expression of literals, no longer is: nothing else at hand changes.) Typically a
    loop's first test, `_t3 = 0 < 4`, before the `while _t3:` that assigns it again."""
    pending = {id(stmt) for stmt in assigns}
    stores_of = StoredNames()
    for stmt, block in statements(tree.body):
        if id(stmt) not in pending:
            continue
        pending.discard(id(stmt))
        after = next(i for i, s in enumerate(block) if s is stmt) + 1
        if not _unread_after(block[after:], stmt.targets[0].id, stores_of):
            return False
        if not pending:
            break
    return not pending  # (each found: `statements` enters what `everywhere` does)


def _unread_after(rest: list[ast.stmt], name: str, stores_of: StoredNames) -> bool:
    """Whether no statement of `rest` reads `name` before one stores it (as `_read_nowhere`
    says)."""
    for stmt in rest:
        kind = type(stmt)
        if kind is Assign or kind is Expr or kind is Return:  # read, then stored
            if name in loads(stmt):
                return False
            if name in stores_of(stmt):
                return True
        elif kind is FunctionDef:  # (runs later: stores nothing here)
            if name in loads(stmt):
                return False
        else:
            if name in stores_of(stmt):
                return True
            if name in loads(stmt):
                return False
    return True


def fold_literal_value(stmt: Assign) -> bool:
    """Fold `stmt`'s value in place where it is operators on literals only; True if folded.
    Copy propagation calls it where it put a literal, so that the statement after reads the
    folded value in the same walk: a chain of constants (`x_bar = x_bar + 2.0`, the adjoint
    of a long sum) then takes one round of the passes, not one per link. (A negated literal
    and values that read names are left to this pass: `fold_negations` and
    `drop_unit_factors` read them first.)"""
    value = stmt.value
    return type(value) is BinOp and _literals_only(value) and _fold_fields(stmt, ("targets",))


def _literals_only(node: ast.expr) -> bool:
    kind = type(node)
    if kind is BinOp:
        return _literals_only(node.left) and _literals_only(node.right)
    if kind is UnaryOp:
        return _literals_only(node.operand)
    return kind is Constant


def _decided(node: AST) -> bool:
    return type(node) is If and type(node.test) is Constant


def _take_branches(node: AST) -> bool:
    """Replace each `if` on a literal under `node` by the statements of the branch taken."""
    changed = False
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
            continue
        kept: list[ast.stmt] = []
        for stmt in block:
            changed |= _take_branches(stmt)
            if _decided(stmt):
                kept += stmt.body if stmt.test.value else stmt.orelse
                changed = True
            else:
                kept.append(stmt)
        setattr(node, field, kept or [Pass()])
    return changed


class _Tested:
    """Of a statement being folded: the names known to hold True or False, and whether an
    expression of it is read only for its truth (the test of an `if` or `while`, the value
    of a name read only so): a literal ending an `and`/`or` is dropped only after those, or
    there."""

    def __init__(self, stmt: ast.stmt, booleans: Booleans) -> None:
        self.stmt, self.booleans = stmt, booleans
        # whether a fold gave other than a literal, or one an operator reads: copy
        # propagation (available_values.py) looks up an operator's expression, whose
        # parts' changed (a literal alone it never finds)
        self.looked_up = False

    def __call__(self, node: ast.expr) -> bool:
        stmt = self.stmt
        if type(stmt) is If or type(stmt) is While:
            return node is stmt.test
        name = assigned_name(stmt)
        return name is not None and node is stmt.value and self.booleans.tested(name)


def _fold_fields(node: AST, skipped: tuple[str, ...] = (), tested: _Tested | None = None) -> bool:
    """Fold, innermost first, every operator on literals below `node` (not in the fields
    `skipped` of `node` itself). `tested`: what is known of the statement's flags, where
    known (`_Tested`)."""
    changed = False
    for field in child_fields(type(node)):
        if field in skipped:
            continue
        value = getattr(node, field, None)
        items = value if type(value) is list else [value]
        for i, item in enumerate(items):
            kind = type(item)
            if kind is Name or kind is Constant or not isinstance(item, AST):
                continue  # nothing to fold below those
            changed |= _fold_fields(item, (), tested)
            if (
                kind in _CANDIDATES
                and _foldable(item)
                and (folded := _folded(item, tested)) is not None
            ):
                if type(value) is list:
                    value[i] = folded
                else:
                    setattr(node, field, folded)
                changed = True
                if tested is not None and (
                    type(folded) is not Constant or type(node) in _LOOKED_UP
                ):
                    tested.looked_up = True
    return changed


_LOOKED_UP = (BinOp, UnaryOp)  # the operators copy propagation looks up
# the statements whose own parts are expressions only (`fold_constants`' kinds)
_HEADED = SIMPLE | {If, While, For}


def _foldable(node: AST) -> bool:
    if type(node) is BinOp:
        if type(node.left) is not Constant and type(node.right) is not Constant:
            return False  # (most products of generated code: both ways below need one)
        if _unit_inside(node) is not None:
            return True
        return type(node.op) in BINARY and None not in _numbers(node.left, node.right)
    if type(node) is UnaryOp:
        return type(node.op) in UNARY and None not in _numbers(node.operand)
    if type(node) is BoolOp:
        return any(type(v) is Constant for v in node.values)
    if type(node) is Compare:
        return (
            len(node.ops) == 1
            and type(node.ops[0]) in COMPARE
            and None not in _numbers(node.left, node.comparators[0])
        )
    return False


def _folded(node: ast.expr, tested: _Tested | None = None) -> ast.expr | None:
    """The literal `node` evaluates to, or None when the fold is left to run time."""
    if type(node) is BoolOp:
        return _folded_bool_op(node, tested)
    if type(node) is BinOp:
        if (inner := _unit_inside(node)) is not None:
            return inner
        op, operands = BINARY[type(node.op)], (node.left, node.right)
    elif type(node) is UnaryOp:
        op, operands = UNARY[type(node.op)], (node.operand,)
    else:
        op, operands = COMPARE[type(node.ops[0])], (node.left, node.comparators[0])
    try:
        value = op(*_numbers(*operands))
    except (ArithmeticError, ValueError):
        return None
    return Constant(value=value) if _representable(value) else None


def _folded_bool_op(node: BoolOp, tested: _Tested | None) -> ast.expr | None:
    """`node` without the operands Python's rule makes needless, or None if none is: `and`
    gives its first falsy operand, else its last (`or`: truthy). A literal that decides
    (`False` in an `and`) ends it; one that does not (`True`) is never given unless last,
    and last it gives what the rest gave when they are all Python's True or False (`a and
    True` is `a` of a flag, not of a number, nor of NumPy's `np.True_`, a comparison of NumPy
    numbers: `np.True_ and True` is `True`), or the same truth where that alone is read."""
    decides = type(node.op) is Or  # the truth of a literal that ends the evaluation
    kept: list[ast.expr] = []
    for value in node.values:
        if _number(value) is None:
            kept.append(value)
        elif bool(value.value) == decides:
            kept.append(value)  # given, if reached: what follows is never evaluated
            break
        elif value is node.values[-1] and type(value.value) is bool:
            flags = kept and (
                all(boolean(v, tested.booleans if tested else set()) for v in kept)
                or (tested is not None and tested(node))
            )
            if not flags:
                kept.append(value)
        elif value is node.values[-1]:
            kept.append(value)
    if len(kept) == len(node.values):
        return None
    return kept[0] if len(kept) == 1 else BoolOp(node.op, kept)


def _unit_inside(node: BinOp) -> BinOp | None:
    """`c * e` for `c * (1.0 * e)` (either order of either product), `c` a float literal: the
    same value whatever `e` holds (a float, an int, an array of any real dtype), since `1.0 *`
    only converts `e` as `c *` does anyway. `grad`'s unit cotangent leaves such products."""
    if type(node.op) is not Mult:
        return None
    for c, inner in ((node.left, node.right), (node.right, node.left)):
        if type(c) is not Constant or type(c.value) is not float:
            continue
        if type(inner) is not BinOp or type(inner.op) is not Mult:
            continue
        for one, e in ((inner.left, inner.right), (inner.right, inner.left)):
            if type(one) is Constant and type(one.value) is float and one.value == 1.0:
                operands = (c, e) if c is node.left else (e, c)
                return BinOp(operands[0], Mult(), operands[1])
    return None


def _numbers(*operands: ast.expr) -> list:
    return [_number(o) for o in operands]


def _number(node: ast.expr) -> int | float | bool | None:
    if isinstance(node, Constant) and type(node.value) in (int, float, bool):
        return node.value
    return None


def _representable(value: object) -> bool:
    if type(value) is float:
        return math.isfinite(value)
    return type(value) in (int, bool) and abs(value) < 2**63
