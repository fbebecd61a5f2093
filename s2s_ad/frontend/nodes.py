"""The one place that builds gast nodes, always with keywords (positional gast constructors
change between gast versions)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

import gast

_FIELDS: dict[type, tuple[str, ...]] = {}  # class → its fields


def walk_own(node: gast.AST):
    """Like `gast.walk`, without entering nested function definitions (other scopes).
    Each node's children in `gast.iter_child_nodes`' order, found without its generators."""
    pending = [node]
    pop, push, extend, AST, scopes = pending.pop, pending.append, pending.extend, gast.AST, _SCOPES
    while pending:
        current = pop()
        yield current
        kind = type(current)
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = kind._fields
        for field in fields:
            value = getattr(current, field, None)
            if isinstance(value, AST):
                if not isinstance(value, scopes):
                    push(value)
            elif isinstance(value, list):
                extend([v for v in value if isinstance(v, AST) and not isinstance(v, scopes)])


_SCOPES = (gast.FunctionDef, gast.Lambda)


def own_statements(block: list[gast.stmt]) -> Iterator[gast.stmt]:
    """Every statement of `block` and of the blocks nested in it (branches, loops, `with`,
    `try` handlers, `match` cases), not nested functions (other scopes) nor theirs:
    `walk_own`'s statements, found without walking an expression."""
    for stmt in block:
        if isinstance(stmt, gast.FunctionDef):
            continue
        yield stmt
        for field in _BLOCKS:
            inner = getattr(stmt, field, None)
            if inner:
                for item in inner:
                    if isinstance(item, gast.stmt):
                        yield from own_statements([item])
                    else:  # an `except` handler or a `match` case: a block of its own
                        yield from own_statements(item.body)


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")


_LEAF_FIELDS = ("ctx", "op", "ops")  # contexts and operators: no names below them
# class → fields that may hold nodes; the commonest leaves known to hold none (a gast name's
# annotation may be a node: an `ast` name's id is a string, a constant's value a number)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {
    ast.Name: (),
    ast.Constant: (),
    gast.Name: ("annotation",),
    gast.Constant: (),
}


def descendants(node: gast.AST) -> list[gast.AST]:
    """The nodes under `node` (itself included) but contexts and operators, in no
    particular order: `gast.walk`'s nodes, found several times faster (one list, each
    class's fields looked up once)."""
    found = [node]
    child_fields, node_class, append = _CHILD_FIELDS.get, gast.AST, found.append
    for current in found:  # grows as it goes: a breadth-first walk
        kind = type(current)
        fields = child_fields(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
        for field in fields:
            value = getattr(current, field, None)
            if type(value) is list:
                found += [v for v in value if isinstance(v, node_class)]
            elif isinstance(value, node_class):
                append(value)
    return found


def names_in(node: gast.AST) -> set[str]:
    """The identifiers of every name under `node` (itself included): what a pass's
    `Namer` keeps clear of."""
    return {n.id for n in descendants(node) if isinstance(n, _NAME)}


_NAME = gast.Name  # (asked of every node of `names_in`: no module lookup each time)


def child_nodes(node: gast.AST) -> list[gast.AST]:
    """`gast.iter_child_nodes(node)` but contexts and operators, as a list (no generator;
    each class's fields looked up once, as `descendants`): the walk of the comprehension
    scopes and of `frontend/locations.py`."""
    kind = type(node)
    fields = _CHILD_FIELDS.get(kind)
    if fields is None:
        fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
    found = []
    for field in fields:
        value = getattr(node, field, None)
        if type(value) is list:
            found += [v for v in value if isinstance(v, gast.AST)]
        elif isinstance(value, gast.AST):
            found.append(value)
    return found


def replace_children(node: gast.AST, replacement: Callable[[gast.AST], gast.AST | None]) -> None:
    """Replace, in place, every node under `node` (not itself) for which `replacement`
    gives another (None: kept), in a field or a list; walked without recursion."""
    for parent in descendants(node):
        for field, value in gast.iter_fields(parent):
            items = value if isinstance(value, list) else [value]
            for k, item in enumerate(items):
                new = replacement(item) if isinstance(item, gast.AST) else None
                if new is None or new is item:
                    continue
                if isinstance(value, list):
                    value[k] = new
                else:
                    setattr(parent, field, new)


def dotted(node: object, kinds: object = gast) -> list[str] | None:
    """`['st', 'norm']` for `st.norm`; None for anything but a chain of names. `kinds`: the
    module whose tree `node` is of, gast's, or `ast` for generated code."""
    parts: list[str] = []
    while isinstance(node, kinds.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, kinds.Name) else None


def chain_value(
    node: object,
    lookup: Callable[[str], object],
    *,
    get: Callable[[object, str, object], object] = getattr,
    kinds: object = gast,
    missing: object = None,
) -> object:
    """The object a chain of names, attributes and literal items names (`a.b`, `a["k"]`,
    `a[0]`): its root `lookup(name)`, each attribute `get(obj, attr, missing)` (`getattr`,
    or `inspect.getattr_static` to run no code), each item of a dict, list or tuple;
    `missing` for any other expression or where a part is missing. `kinds`: as `dotted`'s."""
    if isinstance(node, kinds.Name):
        return lookup(node.id)
    if isinstance(node, kinds.Attribute):
        held = chain_value(node.value, lookup, get=get, kinds=kinds, missing=missing)
        return missing if held is missing else get(held, node.attr, missing)
    if isinstance(node, kinds.Subscript) and isinstance(node.slice, kinds.Constant):
        held = chain_value(node.value, lookup, get=get, kinds=kinds, missing=missing)
        if isinstance(held, (dict, list, tuple)):
            try:
                return held[node.slice.value]
            except (IndexError, KeyError, TypeError):
                return missing
    return missing


def root(node: gast.expr) -> str | None:
    """The name at the root of `a.b[i].c`, if a name."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def name(identifier: str, *, store: bool = False) -> gast.Name:
    ctx = gast.Store() if store else gast.Load()
    return gast.Name(id=identifier, ctx=ctx, annotation=None, type_comment=None)


def constant(value: object) -> gast.Constant:
    return gast.Constant(value=value, kind=None)


def assign(target: str | gast.expr, value: gast.expr, like: gast.AST) -> gast.Assign:
    node = target if isinstance(target, gast.AST) else name(target, store=True)
    return gast.copy_location(gast.Assign(targets=[node], value=value, type_comment=None), like)


def _spanning(node: gast.stmt, like: gast.AST, body: list[gast.stmt]) -> gast.stmt:
    """`node` located at `like`, its last line the last line of its body (liveness is by line)."""
    gast.copy_location(node, like)
    ends = [getattr(s, "end_lineno", None) for s in body] + [getattr(like, "end_lineno", None)]
    node.end_lineno = max(e for e in ends if e is not None)
    return node


def if_(test: gast.expr, body: list[gast.stmt], like: gast.AST) -> gast.If:
    return _spanning(gast.If(test=test, body=body, orelse=[]), like, body)


def if_else(
    test: gast.expr, body: list[gast.stmt], orelse: list[gast.stmt], like: gast.AST
) -> gast.If:
    return _spanning(gast.If(test=test, body=body, orelse=orelse), like, body + orelse)


def while_(test: gast.expr, body: list[gast.stmt], like: gast.AST) -> gast.While:
    return _spanning(gast.While(test=test, body=body, orelse=[]), like, body)


def not_(operand: gast.expr) -> gast.expr:
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def and_(*values: gast.expr) -> gast.expr:
    return gast.BoolOp(op=gast.And(), values=list(values))


def less(left: gast.expr, right: gast.expr) -> gast.expr:
    return gast.Compare(left=left, ops=[gast.Lt()], comparators=[right])


def loaded(target: gast.Subscript) -> gast.Subscript:
    """The element `a[i]` read, for the target `a[i]` written."""
    return gast.Subscript(value=target.value, slice=target.slice, ctx=gast.Load())


def tuple_of(elts: list[gast.expr], *, store: bool = False) -> gast.Tuple:
    return gast.Tuple(elts=elts, ctx=gast.Store() if store else gast.Load())


def plus(left: gast.expr, right: gast.expr) -> gast.expr:
    return gast.BinOp(left=left, op=gast.Add(), right=right)


def for_(target: gast.expr, iter_: gast.expr, body: list[gast.stmt], like: gast.AST) -> gast.For:
    loop = gast.For(target=target, iter=iter_, body=body, orelse=[], type_comment=None)
    return _spanning(loop, like, body)


def call(func: str | gast.expr, args: list[gast.expr], like: gast.AST | None = None) -> gast.Call:
    callee = name(func) if isinstance(func, str) else func
    node = gast.Call(func=callee, args=args, keywords=[])
    return gast.copy_location(node, like) if like is not None else node


def method_call(obj: str, method: str, args: list[gast.expr], like: gast.AST) -> gast.Expr:
    """The statement `obj.method(*args)`."""
    func = gast.Attribute(value=name(obj), attr=method, ctx=gast.Load())
    return gast.copy_location(gast.Expr(value=call(func, args)), like)


def empty_list() -> gast.List:
    return gast.List(elts=[], ctx=gast.Load())


def empty_dict() -> gast.Dict:
    return gast.Dict(keys=[], values=[])


def element(obj: str, index: gast.expr, *, store: bool = False) -> gast.Subscript:
    ctx = gast.Store() if store else gast.Load()
    return gast.Subscript(value=name(obj), slice=index, ctx=ctx)


def function_def(
    identifier: str, args: gast.arguments, body: list[gast.stmt], like: gast.AST
) -> gast.FunctionDef:
    """`def identifier(args): body`, located at `like` (a lambda made a nested def)."""
    node = gast.FunctionDef(
        name=identifier,
        args=args,
        body=body,
        decorator_list=[],
        returns=None,
        type_comment=None,
        type_params=[],
    )
    return _spanning(node, like, body)
