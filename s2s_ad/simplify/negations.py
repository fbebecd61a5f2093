"""Negations folded into the one expression reading them, as a person writes a difference.

The adjoint of a difference is a negated cotangent, and a rule's factor a product by a
literal, each on a line of its own; where the name holding it is read once, by a later
statement of the same block, the sign goes into that statement. Rosenbrock's gradient:

    _t8_bar = 2 * _t8                            _t7_bar = -2 * _t8
    _t7_bar = -_t8_bar                     →     _t2_bar = _t7_bar - _t4_bar * (2 * _t2)
    _t3_bar = -_t4_bar
    _t2_bar = _t7_bar + _t3_bar * (2 * _t2)

The folds (`m` the negated value, `c` a number literal):

    a + -m → a - m        -m + a → a - m        a - -m → a + m
    a + -m * e → a - m * e (either factor, either side of `+`)    a - -m * e → a + m * e
    c * -m → -c * m (a float `c`)      -(c * e) → -c * e      a - m * -c → a + m * c

Exact, bit for bit, on real floating values (a derivative's): negation is exact and rounding
symmetric, so `(-m) * e` is `-(m * e)`, and `a - y` is `a + (-y)` by IEEE 754's definition.
Integers wrap alike. The same numbers, but perhaps a zero's sign, where an integer meets a
float (its zero has no sign: `-0.0 + -0` is `0.0`, `-0.0 - 0` is `-0.0`) and on complex
values (which s2s_ad refuses before they reach derivative code: ssa/complex_values.py): a
product's real part is a difference (`-(0 - 0)` is `-0.0`, `-0.0 - -0.0` is `0.0`), and a real
operand is promoted with an imaginary part +0 before the sign changes or after.

A list's derivative (`rt.Derivatives`) subtracts as it adds a negation. The folds moving a
literal apply only where the value it multiplies is known to be real (ad/dtypes.py): `2 * e`
repeats a list, and a literal times a complex value is `(c + 0j) * e`, whose zero part can
make nan of an infinity. And `c1 * (c2 * e)` → `(c1 * c2) * e` where that is exact
(`_rescaled`). Nothing moves into a loop or branch, and nothing it reads is assigned between
the two statements, so the value is the one computed before.
"""

from __future__ import annotations

import ast
import math
from ast import (
    AST,
    Add,
    Assign,
    BinOp,
    Call,
    Constant,
    Div,
    FloorDiv,
    FunctionDef,
    MatMult,
    Mod,
    Mult,
    Name,
    Pow,
    Return,
    Sub,
    UnaryOp,
    USub,
)
from collections import Counter

from ..codegen.build import LINE
from .facts import SIMPLE, Names
from .names import assigned_name, listed_statements, loads, stores
from .unit_seeds import expression_fact

_NUMBERS = (int, float)


def fold_negations(
    tree: FunctionDef, dtypes: dict | None = None, facts: Names | None = None
) -> bool:
    """Fold each negation or literal product read once into its reader, in place; True if
    any. `dtypes`: ad/dtypes.py's facts of the variables, where known; `facts`: the names
    of statements (those rewritten forgotten)."""
    dtypes, facts = dtypes or {}, facts or Names()
    rescaled = False
    candidates: set[str] = set()
    blocks: dict[int, list[ast.stmt]] = {}  # the blocks holding a candidate, by id
    for stmt, block in listed_statements(tree.body):
        target = assigned_name(stmt)
        if target is None:
            continue
        value = stmt.value
        if type(value) is BinOp and (found := _rescaled(value, dtypes) or _flipped(value, dtypes)):
            stmt.value, rescaled = found, True
            facts.changed(stmt)
        if _foldable_value(stmt.value):
            candidates.add(target)
            blocks[id(block)] = block
    if not candidates:
        return rescaled  # the common case: no walk of the expressions
    parts = facts.everywhere(tree)
    reads = Counter([n for part in parts for n in part.loads if n in candidates])
    writes = Counter([n for part in parts for n in part.stores + part.deleted if n in candidates])
    parameters = {n for part in parts for n in part.parameters}
    once = {n for n in candidates if reads[n] == 1 and writes[n] == 1 and n not in parameters}
    changed = rescaled
    if once:
        for block in blocks.values():
            changed |= _fold_block(block, once, dtypes, facts)
    return changed


def _foldable_value(value: ast.expr) -> bool:
    """`-m`, or `c * e` / `e * c` with `c` a number literal."""
    if type(value) is UnaryOp:
        return type(value.op) is USub
    return type(value) is BinOp and type(value.op) is Mult and _literal_factor(value)


def _literal_factor(product: BinOp) -> tuple[Constant, ast.expr] | None:
    for c, e in ((product.left, product.right), (product.right, product.left)):
        if type(c) is Constant and type(c.value) in _NUMBERS:
            return c, e
    return None


def _fold_block(block: list[ast.stmt], once: set[str], dtypes: dict, facts: Names) -> bool:
    gone: set[int] = set()  # indices of the statements now in their readers
    earlier: dict[str, int] = {}  # a name of `once` passed over → its statement's index
    for i, stmt in enumerate(block):
        name = assigned_name(stmt)
        if name not in once:
            continue
        pending = [i]
        while pending:
            k = pending.pop()
            if not _fold_statement(block, k, gone, dtypes, facts):
                earlier[assigned_name(block[k])] = k
                continue
            # a name passed over that the value moved reads has a new reader, where it
            # may fold now (`_t5 = -x`, `_t6 = -_t5`, `_t7 = _t6 * 0.5`: `x * 0.5`)
            pending += [earlier.pop(n) for n in facts.of(block[k]).loads if n in earlier]
    if gone:  # (one pass over the block: a deletion each would move its tail each time)
        block[:] = [stmt for i, stmt in enumerate(block) if i not in gone]
    return bool(gone)


def _fold_statement(
    block: list[ast.stmt], i: int, gone: set[int], dtypes: dict, facts: Names
) -> bool:
    """Fold `block[i]`'s value into its reader if it folds (`i` then `gone`); whether."""
    stmt = block[i]
    name = assigned_name(stmt)
    # (what `stmt`'s value reads: its target, a name, reads nothing)
    reader = _reader(block, i, name, set(facts.of(stmt).loads), facts, gone)
    if reader is None:
        return False
    fold = _fold_into(reader, name, stmt.value, dtypes)
    if fold is None:
        return False
    # an error computing the value folded in (a rule's factor, where the reader only
    # adds, negates or scales it) is the folded statement's user line's (asked of the
    # reader's value before the fold, only where there is one)
    blamed = LINE in stmt.__dict__ and _may_fail(stmt.value) and not _may_fail(reader.value)
    owner, field, replacement = fold
    setattr(owner, field, replacement)
    facts.changed(reader)
    gone.add(i)
    if blamed:
        setattr(reader, LINE, getattr(stmt, LINE))
    return True


def _may_fail(value: ast.expr) -> bool:
    """Whether computing `value` may raise or make a complex value: a call, a power or a
    division (not a sum, a sign or a product)."""
    return any(
        type(node) is Call or (type(node) is BinOp and type(node.op) in _FAILING)
        for node in ast.walk(value)
    )


_FAILING = frozenset({Pow, Div, FloorDiv, Mod, MatMult})


def _reader(
    block: list[ast.stmt], i: int, name: str, operands: set[str], facts: Names, gone: set[int]
) -> ast.stmt | None:
    """The statement after `block[i]` reading `name`, when it is a simple assignment or
    return and nothing between assigns what `block[i]`'s value reads; else None. (`gone`:
    the indices of statements folded into their readers, still in `block`.)"""
    for j in range(i + 1, len(block)):  # (no copy of the block's tail per statement)
        if j in gone:
            continue
        stmt = block[j]
        if name in (facts.of(stmt).loads if type(stmt) in SIMPLE else loads(stmt)):
            return stmt if type(stmt) in (Assign, Return) else None
        if operands.intersection(stores(stmt)):
            return None
    return None


def _fold_into(
    reader: ast.stmt, name: str, value: ast.expr, dtypes: dict
) -> tuple[AST, str, ast.expr] | None:
    """Where the read of `name` in `reader` folds `value` (module docstring): into the
    read's parent, or into the sum or difference above a product holding it, as (the node,
    its field, the new value of that field); None where it does not. Nothing is changed."""
    chain = _path_to(reader, name)
    if chain is None or len(chain) < 2:
        return None  # absent, in a list (a call's arguments), or the whole value: a copy
    parent, field = chain[-1]
    read = getattr(parent, field)
    replacement = _folded(parent, read, value, dtypes)
    if replacement is not None:
        owner, owner_field = chain[-2]
    elif len(chain) > 2:
        owner, owner_field = chain[-3]
        replacement = _folded_in_sum(chain[-2][0], parent, read, value, dtypes)
    if replacement is None:
        return None
    return owner, owner_field, replacement


def _path_to(reader: ast.stmt, name: str) -> list[tuple[AST, str]] | None:
    """The (node, field) pairs from `reader` down to its read of `name`, through operators'
    operands only; None where it is elsewhere."""
    chain: list[tuple[AST, str]] = []
    node: AST = reader
    fields: tuple[str, ...] = ("value",)
    while type(node) is not Name:
        for field in fields:
            child = getattr(node, field, None)
            if isinstance(child, AST) and name in loads(child):
                chain.append((node, field))
                node = child
                break
        else:
            return None
        fields = ("left", "right", "operand")
    return chain


def _folded(parent: AST, read: Name, value: ast.expr, dtypes: dict) -> ast.expr | None:
    """The parent of the read `read` with `value` folded in, or None."""
    negated = _negated(value)
    kind = type(parent)
    if negated is not None and kind is BinOp:
        other = parent.right if parent.left is read else parent.left
        if type(parent.op) is Add:  # a + -m, -m + a
            return BinOp(left=other, op=Sub(), right=negated)
        if type(parent.op) is Sub and parent.right is read:  # a - -m
            return BinOp(left=parent.left, op=Add(), right=negated)
        if type(parent.op) is Mult and _float_literal(other) and _real(negated, dtypes):
            return _product(negated, _minus(other), parent.left is read)  # c * -m
    literal = _literal_factor(value) if type(value) is BinOp else None
    if literal is not None and kind is UnaryOp and type(parent.op) is USub:
        c, e = literal  # -(c * e)
        if _real(e, dtypes):
            return _product(_minus(c), e, value.left is c)
    if literal is not None and kind is BinOp and type(parent.op) is Mult:
        read_left = parent.left is read  # c1 * (c2 * e)
        product = _product(value, parent.right if read_left else parent.left, read_left)
        return _rescaled(product, dtypes)
    return None


def _rescaled(node: ast.expr, dtypes: dict) -> ast.expr | None:
    """`(c1 * c2) * e` for `c1 * (c2 * e)` (either order of either product), where that is
    the same value bit for bit: `c2` a power of two, at least 1, so `c2 * e` is exact (or
    overflows, as the product by `c1`, at least 1 in size, then does too); `c1` a float; for an
    integer `c2`, `e` known to be floating (an integer array's `c2 * e` may wrap)."""
    if type(node) is not BinOp or type(node.op) is not Mult:
        return None
    outer = _literal_factor(node)
    if outer is None or type(outer[0].value) is not float or type(outer[1]) is not BinOp:
        return None
    (c1, inner), (c2, e) = outer, _literal_factor(outer[1]) or (None, None)
    if c2 is None or type(inner.op) is not Mult or not _power_of_two(c2.value):
        return None
    fact = expression_fact(e, dtypes)
    if not _real_fact(fact) or (type(c2.value) is int and not _floating(fact)):
        return None
    scale = c1.value * c2.value
    if not (abs(c1.value) >= 1.0 and math.isfinite(scale)):
        return None
    return _product(Constant(value=scale), e, node.left is c1)


def _power_of_two(value: float) -> bool:
    return value >= 1 and math.isfinite(value) and math.frexp(value)[0] == 0.5


def _real(node: ast.expr, dtypes: dict) -> bool:
    """Whether `node` is known to hold real numbers: a literal's product with a complex value
    multiplies by `c + 0j`, whose zero part may flip a zero's sign or make nan of inf."""
    return _real_fact(expression_fact(node, dtypes))


def _real_fact(fact: tuple | None) -> bool:
    """A fact (ad/dtypes.py) of real numbers: Python's float, int or bool, a real dtype."""
    return fact is not None and (
        fact[1] in (float, int, bool) or getattr(fact[1], "kind", "") in ("f", "i", "u", "b")
    )


def _floating(fact: tuple | None) -> bool:
    return fact is not None and (fact[1] is float or getattr(fact[1], "kind", "") == "f")


def _folded_in_sum(
    grand: AST, product: AST, read: Name, value: ast.expr, dtypes: dict
) -> ast.expr | None:
    """`a - m * e` for `a + -m * e` (and the other forms) where `read` is a factor of
    `product`, an operand of the sum or difference `grand`; or None."""
    negated = _negated(value)
    if negated is None or type(product) is not BinOp or type(product.op) is not Mult:
        return None
    if type(grand) is not BinOp or type(grand.op) not in (Add, Sub):
        return None
    other = product.right if product.left is read else product.left
    adds = type(grand.op) is Sub  # `a - -m * e` adds; `a + -m * e` subtracts
    if adds and grand.right is not product:
        return None
    if (size := _negative_number(other)) is not None:  # `a + -m * -1.0`: `a + m * 1.0`
        adds = not adds
        positive = _term(negated, size, product.left is read, dtypes)
    else:
        positive = _product(negated, other, product.left is read)
    a = grand.left if grand.right is product else grand.right
    return BinOp(left=a, op=Add() if adds else Sub(), right=positive)


def _negated(value: ast.expr) -> ast.expr | None:
    """`m` for `-m`."""
    if type(value) is UnaryOp and type(value.op) is USub:
        return value.operand
    return None


def _flipped(node: BinOp, dtypes: dict) -> BinOp | None:
    """`a + m * c` for `a - m * -c` (`c` a number; either factor), `a - m * c` for
    `a + m * -c` or `m * -c + a`: a negative literal a fold left where a name held it
    (`a - m` for `a + m * -1.0`: `_term`); and `a - c` for `a + -c` or `-c + a`, `a + c` for
    `a - -c`, `c` a float (IEEE 754 defines `a - c` as `a + (-c)`; an integer `-c` may not
    fit an unsigned array's dtype, where `a - c` wraps)."""
    if type(node.op) not in (Add, Sub):
        return None
    adds = type(node.op) is Sub
    sides = [(node.right, node.left)] + ([(node.left, node.right)] if not adds else [])
    for product, a in sides:
        if type(size := _negative_number(product)) is float:  # `a + -0.5`: `a - 0.5`
            return BinOp(left=a, op=Add() if adds else Sub(), right=Constant(size))
        if type(product) is not BinOp or type(product.op) is not Mult:
            continue
        for factor, other in ((product.left, product.right), (product.right, product.left)):
            if (size := _negative_number(factor)) is not None:
                positive = _term(other, size, factor is product.right, dtypes)
                return BinOp(left=a, op=Add() if adds else Sub(), right=positive)
    return None


def _term(e: ast.expr, c: float, in_order: bool, dtypes: dict) -> ast.expr:
    """`e * c` (`c * e` where not `in_order`) as a term of a sum or difference: `e` itself
    for `c` the float 1.0 and `e` known floating, the same value bit for bit (the sum is a
    new value anyway); `grad`'s unit seed read through a negated cotangent leaves
    `a + -1.0 * b`, which turns to `a - b`, not `a - 1.0 * b`."""
    if type(c) is float and c == 1.0 and _floating(expression_fact(e, dtypes)):
        return e
    return _product(e, Constant(value=c), in_order)


def _negative_number(node: ast.expr) -> int | float | None:
    """`c` for the literal `-c` (`c` a positive float or int), as built or as parsed: an
    int's sign moves as a negated name's does (`a + -m * e`), the same numbers but perhaps a
    zero's sign where it meets a float (module docstring)."""
    if type(node) is UnaryOp and type(node.op) is USub:
        node, sign = node.operand, -1
    else:
        sign = 1
    if type(node) is Constant and type(node.value) in _NUMBERS and sign * node.value < 0:
        return abs(node.value)
    return None


def _float_literal(node: ast.expr) -> bool:
    return type(node) is Constant and type(node.value) is float


def _minus(c: Constant) -> Constant:
    return Constant(value=-c.value)


def _product(first: ast.expr, second: ast.expr, in_order: bool) -> BinOp:
    """`first * second`, or `second * first` where the original had them the other way."""
    left, right = (first, second) if in_order else (second, first)
    return BinOp(left=left, op=Mult(), right=right)
