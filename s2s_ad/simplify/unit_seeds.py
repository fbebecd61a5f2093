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

The same holds for a flag (a boolean or integer literal) in code of every mode: `elif 1.5 >
1.0:` nested in a branch folds to `_t5 = True` (`if 0 and z > a:` to `_t5 = 0`), and the
forward sweep's `if _t5:` drops its `else`; read as `True`, the reverse sweep's `if _t5:` in
the matching branch drops its `else` too, which read values no longer computed (code
differentiated again would refuse those names).

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
(of `t`'s dtype) cannot widen. The ones are assigned once, and `t` too, or all its values
are of one dtype (code specialised to argument dtypes, ad/dtypes.py); `e` is not a bare name
(the product is a new array; `e` then is one too, never an alias of another), unless it is
an operand of arithmetic, whose result is new anyway.

With the dtypes known, `e` need not read `t`: the ones are left out wherever they cannot
widen `e`'s dtype, and ones scaled by a literal (`100.0 * ones`) become that literal,
where `e` has the ones' dtype exactly (so the literal rounds as it does in the ones).
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    Add,
    Assign,
    Attribute,
    AugAssign,
    BinOp,
    Call,
    Constant,
    Div,
    For,
    FunctionDef,
    Load,
    Mult,
    Name,
    Pow,
    Sub,
    UAdd,
    UnaryOp,
    USub,
)
from collections import Counter
from functools import cached_property

import numpy as np

from ..ad.dtypes import WEAK_FLOAT, promoted
from .constant_folding import BINARY, UNARY
from .facts import SIMPLE, Names, own_names
from .names import BLOCKS, child_fields, listed_statements, substitute_own_loads

_ELEMENTWISE = (Add, Sub, Mult, Div, Pow)
_SIGNS = (USub, UAdd)


def drop_unit_factors(
    tree: FunctionDef,
    shapes: dict[str, tuple],
    dtypes: dict[str, tuple] | None = None,
    facts: Names | None = None,
) -> bool:
    """Read literals for the names that can hold nothing else, and replace `ones * e` and
    `e * ones` by `e` (`c * e` for ones scaled by a literal `c`) under `tree`, in place; True
    if any. `dtypes`: ad/dtypes.py's facts of the variables, where known; `facts`: the
    names of statements (those rewritten forgotten)."""
    changed = False
    found = _Inventory(tree, facts)
    while True:  # a product by 1.0 dropped may leave a literal to read further (`0.001 *
        # f_bar`: `0.001`, filling `np.full_like(t, _t2_bar)`): to its own fixed point
        read = _propagate_literals(tree, found)
        if not (_drop_ones(tree, found, shapes, dtypes or {}) or found.assigns_changed):
            return changed or read  # (no round finding nothing, where none can find more)
        changed = True
        found.refresh()


def may_follow_removal(dropped: list[ast.stmt], tree: FunctionDef, facts: Names) -> bool:
    """Whether `drop_unit_factors`, with nothing to do before the statements `dropped` were
    removed from `tree`, may find something after. A removal changes what it finds only by
    the bindings it counts: a name bound once less may hold one literal now, or be ones
    assigned once, or be the `t` of a fill now of one dtype. Not a name read nowhere (no
    read to rewrite, no copy of it, no product by it), nor one still bound otherwise than
    by a value it reads (`_settles`), unless a fill is like it."""
    lost: set[str] = set()
    for part in facts.within(dropped):
        lost.update(part.stores, part.deleted, part.parameters)
    if not lost:
        return False
    read: set[str] = set()  # the names of `lost` still read
    settled: set[str] = set()  # … and still bound by a statement that `_settles`
    for part in facts.everywhere(tree):
        if not lost.isdisjoint(part.loads):
            read.update(lost.intersection(part.loads))
            if _fills_like(part.assigns, lost):
                return True
        if not lost.isdisjoint(part.stores) and _settles(part.stmt):
            settled.update(lost.intersection(part.stores))
    return not read <= settled


def _settles(stmt: ast.AST) -> bool:
    """Whether each name `stmt` binds is bound by it otherwise than by a value the unit
    factors read (a literal, a name, a sign, a fill or a product): a loop's target, `+=`,
    a sum … A name so bound holds no one literal and is no ones (their bindings counted)."""
    kind = type(stmt)
    if kind is Assign:
        value = stmt.value
        return type(value) is BinOp and type(value.op) is not Mult
    return kind is For or kind is AugAssign


def _fills_like(assigns: list[Assign], names: set[str]) -> bool:
    """Whether one of `assigns` is a fill (`_filled_like`) like one of `names`."""
    for node in assigns:
        filled = _filled_like(node.value) if type(node.value) is Call else None
        if filled is not None and filled[0] in names:
            return True
    return False


class _Inventory:
    """What both parts ask of the whole function, gathered from the statements' facts
    (facts.py; the rewriting walks run only in statements with something to rewrite), once
    a call: replacing reads by literals and products by a factor changes no store, no
    statement and no assignment's target, only the facts of the statements rewritten
    (`refresh` finds those again, where a new inventory walked every statement)."""

    def __init__(self, tree: FunctionDef, facts: Names | None = None) -> None:
        self.facts = facts or Names()
        parts = self.parts = self.facts.everywhere(tree)  # the function's, its statements'
        self.rewritten: list[int] = []  # the indices in `parts` of those rewritten since
        self.read: set[str] = set()  # the names read as literals since: no read of one left
        # whether the literals read in since made an assignment's value a literal, of a
        # name not read as one yet (`b = -a`: `b = -1.0`)
        self.assigns_changed = False
        # every binding: loop and tuple targets, `+=`, `as` …
        self.stored = Counter([n for part in parts for n in part.stores])
        self.parameters = {n for part in parts for n in part.parameters}  # lambdas' too
        # the `name = value` statements, in the order of a breadth-first walk (a scaled
        # ones found earlier may be scaled again by a later one)
        self.assigns = [
            stmt
            for stmt in _breadth_first(tree)
            if type(stmt) is Assign and len(stmt.targets) == 1 and type(stmt.targets[0]) is Name
        ]

    def refresh(self) -> None:
        """The facts of the statements rewritten since the last, as `Names.everywhere`
        finds them (a compound statement's own: never kept)."""
        parts, facts = self.parts, self.facts
        for index in self.rewritten:
            stmt = parts[index].stmt
            parts[index] = facts.of(stmt) if type(stmt) in SIMPLE else own_names(stmt)
        self.rewritten.clear()
        self.__dict__.pop("operands", None)  # (`cached_property`'s: found again if asked)

    @cached_property
    def operands(self) -> set[int]:
        """The ids of the nodes that are operands of arithmetic (asked only where a product
        may be dropped)."""
        return {key for part in self.parts for key in part.operands}


def _breadth_first(tree: FunctionDef) -> list[AST]:
    """The statements under `tree` (and what holds them: `except` handlers, `case`s) in
    the order of `frontend.nodes.descendants`' walk, found without entering expressions."""
    found: list[AST] = [tree]
    for node in found:
        if type(node) in SIMPLE:
            continue  # (holds no statement)
        for field in child_fields(type(node)):
            value = getattr(node, field, None)
            if type(value) is list:
                found += [v for v in value if isinstance(v, _HOLDERS)]
    return found


# the nodes that are or hold statements (a lambda or comprehension holds none)
_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def _propagate_literals(tree: FunctionDef, found: _Inventory | None = None) -> bool:
    found = found or _Inventory(tree)
    values: dict[str, list[ast.expr]] = {}  # name → the values `name = value` assigns
    for node in found.assigns:
        value = node.value
        if type(value) is UnaryOp:  # `-1.0` (`-f_bar` of the unit seed read as 1.0)
            value = _negated_number(value)
        if type(value) in _LITERAL_OR_NAME:  # (any other: it counts as a store only,
            # which leaves the name fewer values than stores, as `_one_literal` refuses it)
            values.setdefault(node.targets[0].id, []).append(value)
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
    # (those read as literals before in this call: their reads are gone, and neither part
    # makes a read of a name)
    fresh = literal.keys() - found.read
    found.assigns_changed = False
    if not fresh:
        return False  # no read to rewrite: no rewriting walk
    found.read |= fresh
    changed = False
    for index, part in enumerate(found.parts):  # (a statement's own parts: not its blocks')
        if not fresh.isdisjoint(part.loads):
            substitute_own_loads(part.stmt, literal, lambda value: Constant(value=value))
            found.facts.changed(part.stmt)
            found.rewritten.append(index)
            changed = True
            found.assigns_changed |= _may_hold_literal(part.assigns, literal)
    return changed


def _may_hold_literal(assigns: list[Assign], literal: dict) -> bool:
    """Whether one of `assigns` is `name = -c`, `c` a number just read in for a name, of a
    name not in `literal`: a value `_propagate_literals` reads now, and did not (a literal
    read in for a copy's name, `b = a`, gives `b` the value it had through `a`): only then
    may its next round find another literal name."""
    for node in assigns:
        targets = node.targets
        if len(targets) == 1 and type(targets[0]) is Name and targets[0].id not in literal:
            value = node.value
            if type(value) is UnaryOp and type(_negated_number(value)) is Constant:
                return True
    return False


_LITERAL_OR_NAME = frozenset({Constant, Name})  # the values `_one_literal` accepts


def _negated_number(value: UnaryOp) -> ast.expr:
    """`-c` of a float or integer literal as the literal it is (Python's parser writes it as
    an operator on `c`); any other operator as it is."""
    operand = value.operand
    negated = type(value.op) is USub and type(operand) is Constant
    if negated and type(operand.value) in (float, int):
        return Constant(value=-operand.value)
    return value


def _one_literal(name: str, assigned: list[ast.expr], literal: dict) -> tuple | None:
    """`(c,)` when every value in `assigned` is the float, boolean or integer literal `c` (a
    flag: its branch folds in both sweeps; `0` of a folded `0 and …` too), `name` itself,
    or a name known to hold `c`; else None."""
    found: float | bool | int | None = None
    for value in assigned:
        if type(value) is Name and value.id == name:
            continue  # `n = n`
        if type(value) is Name and value.id in literal:
            constant = literal[value.id]
        elif type(value) is Constant and type(value.value) in (float, bool, int):
            constant = value.value
        else:
            return None
        if found is not None and repr(found) != repr(constant):
            return None  # two literals (0.0 and -0.0 differ too)
        found = constant
    return None if found is None else (found,)


def _drop_ones(
    tree: FunctionDef, found: _Inventory, shapes: dict[str, tuple], dtypes: dict[str, tuple]
) -> bool:
    if not shapes:
        return False
    assigned = found.stored
    ones: dict[str, tuple[str, float]] = {}  # name of the ones → (like, the value it holds)
    for node in found.assigns:
        value = node.value
        func = value.func if type(value) is Call else None
        # (only `np.full_like` and `np.ones_like` fill: most calls told apart by the name)
        filled = _filled_like(value) if type(func) is Attribute and func.attr in _FILLS else None
        if filled is None or filled[0] not in shapes:
            continue
        like, c = filled
        # `like` assigned again (restored from a loop's tape): all its values of one dtype;
        # filled with another literal (`np.mean`'s seed `1.0 / n`): as `c * ones`, of a
        # float dtype (`_scaled`)
        one_dtype = assigned[like] <= 1 or like in dtypes
        float_fill = c == 1.0 or _is_float(dtypes.get(like))
        if assigned[node.targets[0].id] == 1 and one_dtype and float_fill:
            ones[node.targets[0].id] = (like, c)
    for node in found.assigns if ones else ():  # `c * ones`: `like`'s shape filled with
        # `c`, of its dtype
        value = node.value
        if type(value) is BinOp and type(value.op) is Mult:
            scaled = _scaled(value, ones, dtypes)
            if scaled is not None and assigned[node.targets[0].id] == 1:
                ones[node.targets[0].id] = scaled
    # the rewriting walk only where a product by ones, or by the literal 1.0, is there to drop
    check = (ones, shapes, dtypes)
    # id → its replacement or None (a node stays where it was found, or is kept in its
    # parent's place and not looked at again); a product absent: None, nothing to drop
    kept_for = {}
    dropping = []  # the indices of the parts holding a product to drop, in order
    for index, part in enumerate(found.parts):
        drops = False
        for product in part.products:
            if _by_ones_or_one(product, ones):
                operand = id(product) in found.operands
                kept = kept_for[id(product)] = _replacement(product, *check, operand=operand)
                drops = drops or kept is not None
        if drops:
            dropping.append(index)
    for index in dropping:
        stmt = found.parts[index].stmt
        _rewrite_products(stmt, kept_for, check)
        found.facts.changed(stmt)
    found.rewritten += dropping
    return bool(dropping)


def _rewrite_products(stmt: AST, kept_for: dict, check: tuple) -> None:
    """Replace the products found to drop in the own parts of `stmt` (not its blocks)."""
    # pre-order, as before: a product is looked at before anything under it changes
    walked, node_class = [stmt], AST
    for node in walked:
        operand = type(node) in _ARITHMETIC  # `node`'s value is new whatever its operands
        for field in child_fields(type(node)):
            value = getattr(node, field, None)
            if node is stmt and field in BLOCKS and type(value) is list:
                continue  # statements of their own
            if type(value) is list:
                for i, item in enumerate(value):
                    if type(item) is BinOp and (kept := _kept(item, False, kept_for, check)):
                        value[i] = kept
                walked += [v for v in value if isinstance(v, node_class)]
            elif isinstance(value, node_class):
                if type(value) is BinOp and (kept := _kept(value, operand, kept_for, check)):
                    setattr(node, field, kept)
                    value = kept
                walked.append(value)


def _by_ones_or_one(product: BinOp, ones: dict) -> bool:
    """Whether a factor of `product` is a name of ones or the literal 1.0: the products
    `_replacement` may drop, found without looking at the other factor."""
    for factor in (product.left, product.right):
        kind = type(factor)
        if kind is Name and factor.id in ones:
            return True
        if kind is Constant and type(factor.value) is float and factor.value == 1.0:
            return True
    return False


def _kept(node: BinOp, operand: bool, kept_for: dict, check: tuple) -> ast.expr | None:
    """`node`'s replacement as found before the walk; a product the walk made (`c * e`) is
    looked at as the walk finds it, as before."""
    if id(node) in kept_for:
        return kept_for[id(node)]
    return _replacement(node, *check, operand=operand) if type(node.op) is Mult else None


_ARITHMETIC = (BinOp, UnaryOp)


def _replacement(
    node: BinOp, ones: dict, shapes: dict, dtypes: dict, *, operand: bool = False
) -> ast.expr | None:
    kept = _product(node, ones, shapes, dtypes, operand) if ones else None
    return kept if kept is not None else _unit_product(node, dtypes, operand)


def _unit_product(node: BinOp, dtypes: dict, operand: bool) -> ast.expr | None:
    """`e` for `1.0 * e` or `e * 1.0`, the same value bit for bit and of `e`'s type, where `e`
    is a Python float or a NumPy floating scalar, or, as an `operand` of arithmetic (whose
    result is a new value anyway), a floating array: not where an array `e` itself would be
    kept (the product is a new one, which nothing else shares)."""
    if type(node.op) is not Mult:
        return None
    for one, e in ((node.left, node.right), (node.right, node.left)):
        if type(one) is Constant and type(one.value) is float and one.value == 1.0:
            fact = expression_fact(e, dtypes)
            if fact == WEAK_FLOAT or (_is_float(fact) and (fact[0] == "scalar" or operand)):
                return e
    return None


def fill_known_shapes(
    tree: FunctionDef, shapes: dict, dtypes: dict, facts: Names | None = None
) -> bool:
    """`np.full_like(t, c)` / `np.ones_like(t)` as `np.full(shape, c)` (the same values) where
    the code is specialised to `t`'s shape and float dtype, in place; True if any. `t` is
    then not read for its shape: a loop that computed it only for that dies (issue 19).
    Run once the other passes are done (they read the ones by `t`). `facts`: the names of
    statements (those rewritten forgotten)."""
    changed = False
    for node, _ in listed_statements(tree.body):
        if type(node) is not Assign or type(node.value) is not Call:
            continue  # (a fill is a call)
        if fill := _static_fill(node.value, shapes, dtypes):
            node.value = fill
            if facts is not None:
                facts.changed(node)
            changed = True
    return changed


def shape_only_read(value: ast.expr, shapes: dict, dtypes: dict) -> str | None:
    """`t` when `value` is `np.full_like(t, c)` or `np.ones_like(t)` that `fill_known_shapes`
    writes without `t` (its shape and float dtype known), else None: dead-code elimination
    counts no read of `t` there, so what computed `t` only for its shape dies in the same
    round as the rest, not in a round of its own after the filling."""
    func = value.func if type(value) is Call else None
    if type(func) is not Attribute or func.attr not in _FILLS:
        return None  # (most values: no fill, told apart by the name at once)
    like = (_filled_like(value) or (None,))[0]
    shape, fact = shapes.get(like), dtypes.get(like)
    if like is None or type(shape) is not tuple or not _is_float(fact) or fact[0] != "strong":
        return None
    return like


def _static_fill(value: ast.expr, shapes: dict, dtypes: dict) -> ast.expr | None:
    like = shape_only_read(value, shapes, dtypes)
    if like is None:
        return None
    shape, fact, fill = shapes[like], dtypes[like], _filled_like(value)[1]
    numpy = value.func.value.id  # the generated code's alias
    args = [Constant(value=shape), Constant(value=fill)]
    if fact[1] != np.float64:  # (a float fill makes float64)
        args.append(Attribute(value=Name(id=numpy, ctx=Load()), attr=fact[1].name))
    full = Attribute(value=Name(id=numpy, ctx=Load()), attr="full", ctx=Load())
    return Call(func=full, args=args, keywords=[])


def _numpy_function(value: ast.expr) -> str | None:
    """`f` when `value` is a call `np.f(…)` with positional arguments only, else None."""
    if type(value) is not Call or value.keywords or type(value.func) is not Attribute:
        return None
    func = value.func
    if type(func.value) is not Name or func.value.id not in ("np", "numpy"):
        return None  # the NumPy aliases generated code uses (naming.Aliases)
    return func.attr


_FILLS = frozenset({"full_like", "ones_like"})  # the functions `_filled_like` accepts


def _filled_like(value: ast.expr) -> tuple[str, float] | None:
    """(t, c) when `value` is `np.full_like(t, c)`, `c` a float literal, or `np.ones_like(t)`
    (c = 1.0); else None."""
    name = _numpy_function(value)
    args = value.args if name is not None else None
    if not args or type(args[0]) is not Name:
        return None
    if name == "ones_like" and len(args) == 1:
        return args[0].id, 1.0
    fill = args[1] if len(args) == 2 else None
    if name == "full_like" and type(fill) is Constant and type(fill.value) is float:
        return args[0].id, fill.value
    return None


def _scaled(value: ast.expr, ones: dict, dtypes: dict) -> tuple[str, float] | None:
    """(like, c) when `value` is `c * ones` or `ones * c` (`c` a float literal) of ones of a
    float dtype: the product is `like`'s shape filled with `c` rounded to that dtype."""
    if type(value) is not BinOp or type(value.op) is not Mult:
        return None
    for factor, other in ((value.left, value.right), (value.right, value.left)):
        if type(factor) is Name and factor.id in ones and type(other) is Constant:
            like, one = ones[factor.id]
            fact = dtypes.get(like)
            if one == 1.0 and type(other.value) is float and _is_float(fact):
                return like, other.value
    return None


def _is_float(fact: tuple | None) -> bool:
    return fact is not None and fact[0] in ("strong", "scalar") and _real(fact)


def _real(fact: tuple) -> bool:
    return fact[1].kind == "f"


def _product(node: BinOp, ones: dict, shapes: dict, dtypes: dict, operand: bool) -> ast.expr | None:
    """What may stand for `ones * e` / `e * ones` (ones filled with `c`): `e` itself (c = 1)
    or `c * e`, where that is the product bit for bit (`e` a name only as an `operand` of
    arithmetic, where no one keeps the product itself)."""
    if type(node.op) is not Mult:
        return None
    for factor, other in ((node.left, node.right), (node.right, node.left)):
        if type(factor) is Name and factor.id in ones:
            like, c = ones[factor.id]
            reads_like = _elementwise_of(other, like, shapes)
            if reads_like is None:
                continue
            if c == 1.0 and (type(other) is not Name or operand):  # a new array
                if reads_like or _no_wider(dtypes.get(like), other, dtypes, exact=False):
                    return other
            elif c != 1.0 and _no_wider(dtypes.get(like), other, dtypes, exact=True):
                scale = Constant(value=c)
                return (
                    BinOp(scale, Mult(), other)
                    if factor is node.left
                    else (BinOp(other, Mult(), scale))
                )
    return None


def _elementwise_of(expr: ast.expr, like: str, shapes: dict) -> bool | None:
    """Whether `expr` reads `like` itself (not through a call), where it is arithmetic and
    NumPy ufunc calls (`np.cos(x)`: one result, of its operands' broadcast shape) over
    literals and names of `like`'s shape (or scalars), one at least of `like`'s shape; None
    if it is not. (A call may give another dtype, `np.isnan(like)`: a read through one says
    nothing of the dtype.)"""
    shape = shapes[like]
    reads_like = whole = False
    pending = [(expr, False)]
    while pending:
        node, in_call = pending.pop()
        kind = type(node)
        if kind is Name:
            found = shapes.get(node.id)
            if found not in (shape, ()):
                return None
            reads_like |= node.id == like and not in_call
            whole |= found == shape
        elif kind is Constant:
            if type(node.value) not in (int, float):
                return None
        elif kind is BinOp and type(node.op) in _ELEMENTWISE:
            pending += ((node.left, in_call), (node.right, in_call))
        elif kind is UnaryOp and type(node.op) in _SIGNS:
            pending.append((node.operand, in_call))
        elif kind is Call and _is_ufunc_call(node):
            pending += ((arg, True) for arg in node.args)
        else:
            return None
    # an array: `e` is one too, as the product
    return reads_like if whole and shape else None


def _is_ufunc_call(call: Call) -> bool:
    """Whether `call` is `np.f(a, …)` of a NumPy ufunc of one result, positional arguments
    only (no `out=`, `where=`, `dtype=`)."""
    found = _ufunc(call)
    return found is not None and found.nout == 1 and len(call.args) == found.nin


def _ufunc(call: Call) -> np.ufunc | None:
    """The NumPy ufunc `call` calls as `np.f(…)` with positional arguments only, else None."""
    found = getattr(np, _numpy_function(call) or "", None)
    return found if isinstance(found, np.ufunc) else None


def _no_wider(like: tuple | None, expr: ast.expr, dtypes: dict, *, exact: bool) -> bool:
    """Whether ones of `like`'s dtype leave the dtype of `expr` as it is (`exact`: the same
    dtype, so a literal filling them rounds as it does in `c * expr`)."""
    if like is None or like[0] == "weak":
        return False
    fact = expression_fact(expr, dtypes)
    if fact is None or fact[0] == "weak":
        return False
    return fact[1] == like[1] if exact else np.result_type(like[1], fact[1]) == fact[1]


# the operators `_elementwise_of` accepts, as constant folding applies them
_OPERATORS = {op: BINARY[op] for op in _ELEMENTWISE} | {op: UNARY[op] for op in _SIGNS}


def expression_fact(expr: ast.expr, dtypes: dict) -> tuple | None:
    """The dtype fact (ad/dtypes.py) of arithmetic over names of known dtypes and literals."""
    kind = type(expr)
    if kind is Name:
        return dtypes.get(expr.id)
    if kind is Constant:
        return ("weak", type(expr.value)) if type(expr.value) in (int, float) else None
    if kind is BinOp:
        operands = [expression_fact(expr.left, dtypes), expression_fact(expr.right, dtypes)]
        fn = _OPERATORS.get(type(expr.op))
    elif kind is UnaryOp:
        operands = [expression_fact(expr.operand, dtypes)]
        fn = _OPERATORS.get(type(expr.op))
    elif kind is Call:  # `np.cos(t)`: a NumPy ufunc
        operands = [expression_fact(arg, dtypes) for arg in expr.args]
        fn = _ufunc(expr)
    else:
        return None
    if None in operands or fn is None:
        return None
    return promoted(fn, operands)
