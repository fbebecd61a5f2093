"""The one place that builds gast nodes, always with keywords (positional gast constructors
change between gast versions)."""

from __future__ import annotations

import gast


def name(identifier: str, *, store: bool = False) -> gast.Name:
    ctx = gast.Store() if store else gast.Load()
    return gast.Name(id=identifier, ctx=ctx, annotation=None, type_comment=None)


def constant(value: object) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target: str | gast.expr, value: gast.expr, like: gast.AST) -> gast.Assign:
    node = target if isinstance(target, gast.AST) else name(target, store=True)
    return gast.copy_location(gast.Assign(targets=[node], value=value, type_comment=None), like)


def if_(test: gast.expr, body: list[gast.stmt], like: gast.AST) -> gast.If:
    return gast.copy_location(gast.If(test=test, body=body, orelse=[]), like)


def while_(test: gast.expr, body: list[gast.stmt], like: gast.AST) -> gast.While:
    return gast.copy_location(gast.While(test=test, body=body, orelse=[]), like)


def not_(operand: gast.expr) -> gast.expr:
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def and_(*values: gast.expr) -> gast.expr:
    return gast.BoolOp(op=gast.And(), values=list(values))


def less(left: gast.expr, right: gast.expr) -> gast.expr:
    return gast.Compare(left=left, ops=[gast.Lt()], comparators=[right])


def loaded(target: gast.Subscript) -> gast.Subscript:
    """The element `a[i]` read, for the target `a[i]` written."""
    return gast.Subscript(value=target.value, slice=target.slice, ctx=gast.Load())


def plus(left: gast.expr, right: gast.expr) -> gast.expr:
    return gast.BinOp(left=left, op=gast.Add(), right=right)
