"""Render an SSA function as Python source: what `s2s-ad show --stage ssa` prints."""

from __future__ import annotations

import ast
import copy
import dataclasses
import math
import operator

from ..codegen import build
from ..codegen.emit import to_source, unparse
from .effects import calls_effect
from .ir import (
    ATTRIBUTE,
    BINARY_OPERATORS,
    CALL,
    COMPARE_OPERATORS,
    LIST,
    METHOD,
    UNARY_OPERATORS,
    Assign,
    Const,
    Effect,
    For,
    Free,
    Function,
    If,
    Index,
    Prim,
    Return,
    SliceItem,
    Stmt,
    Var,
    While,
    With,
)


def render_stmt(stmt: Stmt) -> ast.stmt:
    if isinstance(stmt, Assign):
        rendered = build.assign(stmt.target, build.expr(stmt.value))
        return build.kept_for_effect(rendered, calls_effect(stmt.value))
    if isinstance(stmt, Return):
        return build.returns([build.atom(a) for a in stmt.values], stmt.is_tuple)
    if isinstance(stmt, If):
        return build.if_(build.atom(stmt.test), render_block(stmt.body), render_block(stmt.orelse))
    if isinstance(stmt, For):
        return build.for_(stmt.target, iterable(stmt), render_block(stmt.body))
    if isinstance(stmt, While):
        return build.while_(build.name(stmt.test), render_block(stmt.body))
    if isinstance(stmt, Effect):  # a copy: the simplification passes rewrite in place
        return copy.deepcopy(stmt.node)
    if isinstance(stmt, With):
        return build.with_(build.atom(stmt.context), render_block(stmt.body), stmt.target)
    raise TypeError(f"unknown statement {stmt!r}")


def iterable(loop: For) -> ast.expr:
    return (
        build.expr(loop.iterable) if isinstance(loop.iterable, Prim) else build.atom(loop.iterable)
    )


def render_block(block: list[Stmt]) -> list[ast.stmt]:
    return [render_stmt(s) for s in block]


def render_line(stmt: Stmt) -> str:
    """One statement as one line of source, e.g. for the primal comment in the adjoint."""
    if type(stmt) is Assign:
        text = _plain_text(stmt.value)
        if text is not None:
            return f"{stmt.target} = {text}"
    return unparse(build.located(as_parsed(render_stmt(stmt))))


def as_parsed(node: ast.AST) -> ast.AST:
    """`node` with each negative number literal as Python's parser makes it, the operator
    `-` on the number, so a line reads as the user's (`x ** (-1.5)`); in place. (Each node
    once, by its fields, not by `ast.walk` and `ast.iter_fields`, which read them twice.)"""
    todo = [node]
    while todo:
        parent = todo.pop()
        for field in parent._fields:
            value = getattr(parent, field, None)
            if type(value) is list:
                for k, item in enumerate(value):
                    if _negative(item):
                        value[k] = _negated(item)
                    elif isinstance(item, ast.AST):
                        todo.append(item)
            elif _negative(value):
                setattr(parent, field, _negated(value))
            elif isinstance(value, ast.AST):
                todo.append(value)
    return node


def _negative(node: object) -> bool:
    """A negative number literal (-0.0 stays one literal, as it was written)."""
    return type(node) is ast.Constant and type(node.value) in (int, float) and node.value < 0


def _negated(number: ast.Constant) -> ast.expr:
    return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(-number.value))


def render_header(loop: For | While) -> str:
    """A loop's first line (`for i in range(n):`, `while _t3:`), its body not rendered."""
    return render_line(dataclasses.replace(loop, body=[])).splitlines()[0]


def _plain_text(value) -> str | None:
    """`ast.unparse`'s text of a right-hand side of names and literals that need no
    parentheses (operators, calls, methods, attributes, lists of them), written directly:
    one primal comment per differentiated line, where the tree and its unparsing cost a
    tenth of the derivative's making; None for anything else (slices, strings, negative
    or unusual literals), which the unparser writes."""
    if type(value) is not Prim:
        return _plain_atom(value)
    if value.fn is operator.getitem and len(value.args) == 2 and type(value.args[1]) is Index:
        return _plain_subscript(*value.args)
    args = [_plain_atom(a) if type(a) is not Index else _plain_index(a) for a in value.args]
    keywords = [_plain_atom(v) for _, v in value.kwargs]
    if None in args or None in keywords:
        return None
    kwargs = [f"{k}={text}" for (k, _), text in zip(value.kwargs, keywords, strict=True)]
    fn, style = value.fn, value.style
    try:
        special = fn in _OPERATORS_AND_ITEMS
    except TypeError:  # an unhashable callable: called by name
        special = False
    if special and style == CALL and not kwargs and len(args) == 2:
        symbol = BINARY_OPERATORS.get(fn) or COMPARE_OPERATORS.get(fn)
        if symbol is not None:
            return f"{args[0]} {symbol} {args[1]}"
    if special and style == CALL and not kwargs and len(args) == 1 and fn in UNARY_OPERATORS:
        return UNARY_OPERATORS[fn] + args[0]
    listed = ", ".join(args[1:] + kwargs)
    if style == METHOD and type(value.args[0]) is not Const:  # `1.0.real` needs spaces
        return f"{args[0]}.{value.spelled}({listed})"
    if style == ATTRIBUTE and type(value.args[0]) is not Const and len(args) == 1:
        return f"{args[0]}.{value.spelled}"
    if style == LIST and not kwargs:
        return f"[{', '.join(args)}]"
    callee = value.spelled or getattr(fn, "__name__", None)
    if style == CALL and callee and _dotted(callee) and not special:
        return f"{callee}({', '.join(args + kwargs)})"
    return None


# written as operators or subscripts by `build.call`
_OPERATORS_AND_ITEMS = {*BINARY_OPERATORS, *UNARY_OPERATORS, *COMPARE_OPERATORS, operator.getitem}


def _plain_atom(atom) -> str | None:
    kind = type(atom)
    if kind is Var:
        return atom.name
    if kind is Free:
        return atom.source if _dotted(atom.source) else None
    if kind is Const:
        value = atom.value
        if value is None or type(value) is bool:
            return repr(value)
        if type(value) is int and value >= 0:
            return repr(value)
        if type(value) is float and math.copysign(1.0, value) > 0 and math.isfinite(value):
            return repr(value)
    return None


def _plain_subscript(base, index: Index) -> str | None:
    """`x[i, 1:n]` as the unparser writes `build.expr`'s subscript: the index's items with
    no parentheses around them, a lone tuple item with a comma after it (most of the lines
    left to the unparser were subscripts)."""
    if type(base) not in (Var, Free) or not index.items:
        return None
    text = _plain_atom(base)
    items = [_index_item(item) for item in index.items]
    if text is None or None in items:
        return None
    if not index.is_tuple:
        return f"{text}[{items[0]}]"
    return f"{text}[{items[0]},]" if len(items) == 1 else f"{text}[{', '.join(items)}]"


def _plain_index(index: Index) -> str | None:
    """An index given as an operand (`rt.setitem(x, v, i)`), where it is one item and no
    slice (`build.atom` writes the item itself); None for anything else."""
    if index.is_tuple or len(index.items) != 1 or type(index.items[0]) is SliceItem:
        return None
    return _index_item(index.items[0])


def _index_item(item) -> str | None:
    """An item inside `x[...]`: a slice's bounds written `lower:upper:step`, each absent
    one empty (a step given as itself, even `None`)."""
    if type(item) is not SliceItem:
        return _index_atom(item)
    parts = ["" if p is None else _index_atom(p) for p in (item.lower, item.upper, item.step)]
    if None in parts:
        return None
    lower, upper, step = parts
    return f"{lower}:{upper}" if item.step is None else f"{lower}:{upper}:{step}"


def _index_atom(atom) -> str | None:
    """An atom inside an index, where nothing binds tighter than it: also a string (as
    `repr` writes it, as the unparser does) and a negative number, `-1` as `as_parsed`
    makes it."""
    if type(atom) is Const:
        value = atom.value
        if type(value) is str:
            return repr(value)
        if type(value) in (int, float) and value < 0 and math.isfinite(value):
            return "-" + repr(-value)
    return _plain_atom(atom)


def _dotted(source: str) -> bool:
    return all(part.isidentifier() for part in source.split("."))


def render_function(fn: Function) -> str:
    return to_source(build.function(fn.name, fn.params, render_block(fn.body))).rstrip("\n")
