"""A loop's exit flag is false whenever the loop runs again: its reads at the start of an
iteration become `False`.

Lowering `break` (or `return` in a loop) carries a flag from one iteration to the next and
ends the loop when it is set; the loop only runs again while it is unset, so the carried
flag is known false where the body reads it, and the flag folds away.

Before:                                   After (then folded, dead code dropped):
    _stop_1 = False                           _t1 = 0 < n
    _t1 = 0 < n                               while _t1:
    while _t1:                                    _t7 = _t6 < 0.001
        _t7 = _t6 < 0.001                         _t8 = not _t7
        _stop_3 = _t7 or _stop_1                  _t1 = _t8 and _k_2 < n
        _t8 = not _stop_3
        _t1 = _t8 and _k_2 < n
        _stop_1 = _stop_3

For `while t:`, the body's last word on `t` is followed back through its single assignments
in the body (`t = u`, `u = a and b` → both true, `u = not s` → `s` false), each before the
next. A name `c` the body copies from such a false `s` once (`c = s`, after `s` is
assigned), that is `False` just before the loop, and every assignment of which gives a
boolean (simplify/flags.py) or every read of which takes only its truth (truth_values.py), is
`False` at the start of every iteration: its reads in the body before the copy become
`False`, and `x or False` of a boolean `x`, or of a name read only for its truth, becomes `x`.
"""

from __future__ import annotations

import ast
from ast import (
    AST,
    And,
    Assign,
    BoolOp,
    Constant,
    FunctionDef,
    Load,
    Module,
    Name,
    Not,
    Or,
    UnaryOp,
    While,
)

from .facts import Names
from .flags import Booleans, boolean
from .names import SIMPLE, assigned_name, stores


def fold_exit_flags(tree: FunctionDef, facts: Names | None = None) -> bool:
    """Read `False` for the carried exit flags of `while` loops under `tree` in place; True
    if any read was replaced. `facts`: the names of statements (facts.py); those of the
    statements rewritten are forgotten."""
    facts = facts or Names()
    # (the names known boolean, found once where first asked: most loops carry no flag
    # copied from a name their test makes false)
    booleans = Booleans(tree, facts)
    changed = False
    for block in _blocks(tree):
        for i, stmt in enumerate(block):
            if type(stmt) is While and type(stmt.test) is Name and not stmt.orelse:
                changed |= _fold_loop(stmt, block[:i], booleans, facts)
    return changed


def _blocks(node: AST) -> list[list[ast.stmt]]:
    """Every statement list under `node`, nested functions included, each before those
    inside it. A list found by one recursion (a generator nested per level passed each
    block up every level, and one was made per statement); the folds rewrite expressions
    only, no block."""
    found: list[list[ast.stmt]] = []
    _add_blocks(node, found)
    return found


def _add_blocks(node: AST, found: list[list[ast.stmt]]) -> None:
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            found.append(block)
            for stmt in block:
                if type(stmt) not in SIMPLE:  # (holds no block)
                    _add_blocks(stmt, found)


def _fold_loop(loop: While, before: list[ast.stmt], booleans: Booleans, facts: Names) -> bool:
    """`booleans`: the names known boolean, and those read only for their truth."""
    count: dict[str, int] = {}
    for name in stores(Module(body=loop.body, type_ignores=[])):
        count[name] = count.get(name, 0) + 1
    at: dict[str, int] = {}  # name → the index of its single top-level assignment
    for i, stmt in enumerate(loop.body):
        if (name := assigned_name(stmt)) is not None and count[name] == 1:
            at[name] = i
    false = _implied(loop.test.id, True, at, loop.body, len(loop.body))
    changed = False
    for c in at:
        copy = loop.body[at[c]].value
        if type(copy) is not Name or copy.id not in false or false[copy.id] >= at[c]:
            continue
        # (`False` for a flag that may be NumPy's `np.False_`: the same truth, where only
        # that is read)
        if (c in booleans or booleans.tested(c)) and _false_before(c, before):
            changed |= _read_false(loop.body[: at[c]], c, booleans, facts)
    return changed


def _implied(name: str, truth: bool, at: dict, body: list[ast.stmt], limit: int) -> dict:
    """The names known false at the end of the body when `name`, assigned once in the body
    before index `limit`, has truthiness `truth` there: name → its assignment's index."""
    if name not in at or at[name] >= limit:
        return {}
    index = at[name]
    value = body[index].value
    found = {} if truth else {name: index}
    if type(value) is Name:
        found |= _implied(value.id, truth, at, body, index)
    elif type(value) is UnaryOp and type(value.op) is Not:
        if type(value.operand) is Name:
            found |= _implied(value.operand.id, not truth, at, body, index)
    elif type(value) is BoolOp and type(value.op) is And and truth:
        for operand in value.values:
            if type(operand) is Name:
                found |= _implied(operand.id, True, at, body, index)
    return found


def _false_before(name: str, before: list[ast.stmt]) -> bool:
    """The last statement before the loop that stores `name` is `name = False`."""
    for stmt in reversed(before):
        if name in stores(stmt):
            value = getattr(stmt, "value", None)
            return assigned_name(stmt) == name and type(value) is Constant and value.value is False
    return False


def _read_false(statements: list[ast.stmt], flag: str, booleans: Booleans, facts: Names) -> bool:
    """Replace the reads of `flag` in `statements` by `False` in place; True if any. The
    facts of the statements rewritten are forgotten."""
    changed = False
    for stmt in statements:
        rewritten = False
        for node in ast.walk(stmt):
            for field, value in ast.iter_fields(node):
                items = value if isinstance(value, list) else [value]
                for k, item in enumerate(items):
                    if type(item) is Name and item.id == flag and type(item.ctx) is Load:
                        false = Constant(False)
                        if isinstance(value, list):
                            value[k] = false
                        else:
                            setattr(node, field, false)
                        changed = rewritten = True
        for node in ast.walk(stmt):  # `x or False` of a boolean `x`: `x`
            if type(node) is Assign and type(node.value) is BoolOp:
                name = assigned_name(node)
                tested = name is not None and booleans.tested(name)
                value = _without_false(node.value, booleans, tested)
                rewritten |= value is not node.value
                node.value = value
        if rewritten:
            facts.changed(stmt)
    return changed


def _without_false(value: BoolOp, booleans: Booleans, tested: bool) -> ast.expr:
    """`value` without its literals `False` (`x or False`: `x`), where `x` is a boolean or
    the value is read only for its truth (`tested`)."""
    if type(value.op) is not Or:
        return value
    kept = [v for v in value.values if not (type(v) is Constant and v.value is False)]
    if len(kept) == len(value.values) or not kept:
        return value
    if not (tested or boolean(kept[-1], booleans)):
        return value  # `x or False` is False, not `x`, for a falsy non-boolean `x`
    return kept[0] if len(kept) == 1 else BoolOp(Or(), kept)
