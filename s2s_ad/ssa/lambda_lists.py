"""A list of lambdas made by a comprehension over literal values, written out as the list
display it makes, before comprehensions become loops: the lowering knows a display of
functions (`FunctionItems`: looped over, indexed by literals), not a loop appending them.

    fs = [lambda v, k=k: v ** k for k in range(3)]
→
    fs = [lambda v, k=0: v ** k, lambda v, k=1: v ** k, lambda v, k=2: v ** k]

Exact as Python makes them: a default is evaluated when its lambda is made, with the loop
variable's value then; a lambda's body reads the variable when it runs, after the loop, so
its last value (`[lambda v: v ** k for k in range(3)]` are three squares: `k = 2`). Only a
comprehension of one `for` over `range` of integer literals, or a display of literals, with
no `if`, is written out; any other stays a comprehension (and is refused where it is used as
before).
"""

from __future__ import annotations

import builtins
import copy

import gast

from ..frontend import nodes


def write_out_lambda_lists(node: gast.FunctionDef, range_is_builtin: bool) -> gast.FunctionDef:
    """`node` with its comprehensions of lambdas over literal values written out (in place;
    walked without recursion: a lambda may hold an expression nested hundreds deep)."""
    nodes.replace_children(node, lambda item: _written_out(item, range_is_builtin))
    return node


def _written_out(node: gast.AST, range_is_builtin: bool) -> gast.List | None:
    if not isinstance(node, gast.ListComp) or not isinstance(node.elt, gast.Lambda):
        return None
    values = _literal_values(node, range_is_builtin)
    if values is None:
        return None
    name = node.generators[0].target.id
    items = [_made_at(node.elt, name, value, values[-1]) for value in values]
    return gast.copy_location(gast.List(elts=items, ctx=gast.Load()), node)


def _literal_values(node: gast.ListComp, range_is_builtin: bool) -> list | None:
    """The values the comprehension's one loop variable takes, where they are literal."""
    if len(node.generators) != 1:
        return None
    loop = node.generators[0]
    if loop.ifs or loop.is_async or not isinstance(loop.target, gast.Name):
        return None
    it = loop.iter
    if isinstance(it, (gast.List, gast.Tuple)):
        values = [_literal(e) for e in it.elts]
    elif (
        isinstance(it, gast.Call)
        and isinstance(it.func, gast.Name)
        and it.func.id == "range"
        and range_is_builtin
        and not it.keywords
        and 1 <= len(it.args) <= 3
    ):
        bounds = [_literal(a) for a in it.args]
        if not all(type(b) is int for b in bounds):
            return None
        values = list(builtins.range(*bounds))
    else:
        return None
    if not values or any(v is _NOT_LITERAL for v in values):
        return None
    return values


_NOT_LITERAL = object()


def _literal(node: gast.expr) -> object:
    """The value of a literal (a negative number too), else `_NOT_LITERAL`."""
    if isinstance(node, gast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        inner = _literal(node.operand)
        if type(inner) in (int, float):
            return -inner
    return _NOT_LITERAL


def _made_at(lam: gast.Lambda, name: str, value: object, last: object) -> gast.Lambda:
    """A copy of `lam` as the comprehension makes it where `name` is `value`: its defaults
    read `value`, its body (where no parameter hides `name`) the last value."""
    made = copy.deepcopy(lam)
    args = made.args
    args.defaults = [_replace_reads(d, name, value) for d in args.defaults]
    args.kw_defaults = [
        d if d is None else _replace_reads(d, name, value) for d in args.kw_defaults
    ]
    params = {a.id for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    params |= {a.id for a in (args.vararg, args.kwarg) if a is not None}
    if name not in params:
        made.body = _replace_reads(made.body, name, last)
    return made


def _replace_reads(node: gast.expr, name: str, value: object) -> gast.expr:
    """`node` with every read of `name` the literal `value` (in place; a bare name: the
    literal returned)."""

    def literal(item: gast.AST) -> gast.AST | None:
        if isinstance(item, gast.Name) and item.id == name and isinstance(item.ctx, gast.Load):
            return gast.copy_location(nodes.constant(value), item)
        return None

    nodes.replace_children(node, literal)
    return literal(node) or node
