"""An attribute or item of a module's (or closure's) object set by assignment, as `setattr`
and `__setitem__` set it.

    STATE.scale = STATE.scale * 0.5     →   setattr(STATE, "scale", STATE.scale * 0.5)
    ACC.count += 1                      →   setattr(ACC, "count", ACC.count + 1)
    HOLD["s"].lr = v                    →   setattr(HOLD["s"], "lr", v)
    HISTORY["loss"] = float(loss)       →   HISTORY.__setitem__("loss", float(loss))

Python's assignment to an attribute is a call of the object's `__setattr__`, which is what
`setattr` calls, and to an item one of `__setitem__`: the same effect, which the function
keeps where it stands, with what such a call gets (ssa/effects.py): its reads bound where
they stand where the function reads the object again (ssa/state_reads.py), a value carrying a
derivative refused where it is read back (ad/stored_derivatives.py). A local object's are
left to the checks of assignments (frontend/validate.py, ssa/element_targets.py).

`x.a += v` is `x.a + v` only where `x.a` holds a value `+=` rebinds, a number, a string or a
tuple, as it does when the derivative is made (a list or an array would be updated in place:
left to the checks too, which refuse it); the same for `D[k] += v`, its key a literal.
"""

from __future__ import annotations

import ast
import copy
import numbers

import gast
from gast import Assign, Attribute, AugAssign, Name, Subscript

from ..frontend import nodes
from ..frontend.locations import fix_missing_locations
from ..frontend.scope import Scope, is_missing
from .stored_values import loop_items, object_path

# compound statements whose blocks hold statements (an attribute set in one is set there)
_BLOCKS = ("body", "orelse", "finalbody", "handlers")
# values `x.a += v` rebinds (`x.a = x.a + v`), as Python's `+=` does
_REBOUND = (numbers.Number, str, bytes, tuple)


def set_module_attributes(node: gast.FunctionDef, scope: Scope) -> gast.FunctionDef:
    """`node` with its assignments to attributes and items of module or closure objects
    written as calls of `setattr` and `__setitem__` (in place); `node` as it is where there
    are none."""
    found = [(block, i) for block, i, stmt in _statements(node.body) if _sets_attribute(stmt)]
    if not found:
        return node
    local = _bound_names(node)
    items = _module_items_looped(node, scope, local)
    for block, i in found:
        stmt = block[i]
        target = stmt.targets[0] if isinstance(stmt, Assign) else stmt.target
        path = object_path(target)
        if path is None:
            continue
        looped = path[0] in items  # (`for o in OBJS: o.lr = v`)
        if not looped and (path[0] in local or is_missing(scope.lookup(path[0]))):
            continue
        if isinstance(stmt, AugAssign) and (looped or not _rebinds(target, scope)):
            continue
        setter = _as_setattr if isinstance(target, Attribute) else _as_setitem
        block[i] = setter(stmt, target)
    return node


def _statements(block: list):
    """(block, index, statement) of every statement under `block`, nested ones included."""
    for i, stmt in enumerate(block):
        yield block, i, stmt
        for field in _BLOCKS:
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _sets_attribute(stmt: gast.stmt) -> bool:
    """`a.b = v`, `a[k] = v` (one target, a key not a slice) or the same augmented."""
    if isinstance(stmt, Assign):
        return len(stmt.targets) == 1 and _settable(stmt.targets[0])
    return isinstance(stmt, AugAssign) and _settable(stmt.target)


def _settable(target: gast.expr) -> bool:
    if isinstance(target, Subscript):
        return _plain_key(target.slice)
    return isinstance(target, Attribute)


def _plain_key(key: gast.expr) -> bool:
    """A key read twice as it is read once (`+=`): names, literals, attributes, tuples."""
    if isinstance(key, gast.Tuple):
        return all(map(_plain_key, key.elts))
    return isinstance(key, (Name, gast.Constant, Attribute))


def _bound_names(node: gast.FunctionDef) -> set[str]:
    """The names the function binds (its parameters included): its locals."""
    every = nodes.descendants(node)
    return {n.id for n in every if isinstance(n, Name) and not isinstance(n.ctx, gast.Load)}


def _module_items_looped(node: gast.FunctionDef, scope: Scope, local: set[str]) -> set[str]:
    """The names only loops bind, to the items of a module's list or dict (`o` of `for o in
    OBJS`, `for o in HOLD.values()`, `for i, o in enumerate(OBJS)`): their objects are the
    module's."""
    every = list(nodes.descendants(node))
    looped = loop_items(every)
    found = {
        name
        for name, path in looped.items()
        if path[0] not in local and not is_missing(scope.lookup(path[0]))
    }
    if not found:
        return found
    targets = {id(m) for n in every if isinstance(n, gast.For) for m in nodes.descendants(n.target)}
    bound = (n for n in every if isinstance(n, Name) and not isinstance(n.ctx, gast.Load))
    return found - {n.id for n in bound if id(n) not in targets}


def _rebinds(target: Attribute, scope: Scope) -> bool:
    """Whether the attribute `target` names holds, now, a value `+=` rebinds."""
    path = object_path(target)
    value = scope.lookup(path[0])
    try:
        for step in path[1:]:  # (`["s"]`: an item by a literal key)
            literal = step.startswith("[")
            value = value[ast.literal_eval(step[1:-1])] if literal else getattr(value, step)
    except Exception:  # (not there now: not known)
        return False
    return isinstance(value, _REBOUND)


def _as_setattr(stmt: gast.stmt, target: Attribute) -> gast.Expr:
    """`setattr(obj, "a", value)` for `obj.a = value` (`obj.a op value` for `obj.a op=`)."""
    value = stmt.value
    if isinstance(stmt, AugAssign):
        read = Attribute(value=copy.deepcopy(target.value), attr=target.attr, ctx=gast.Load())
        value = gast.BinOp(left=read, op=stmt.op, right=value)
    name = gast.Constant(value=target.attr, kind=None)
    setter = Name(id="setattr", ctx=gast.Load(), annotation=None, type_comment=None)
    call = gast.Call(func=setter, args=[_loaded(target.value), name, value], keywords=[])
    made = gast.copy_location(gast.Expr(value=call), stmt)
    return fix_missing_locations(made)


def _as_setitem(stmt: gast.stmt, target: Subscript) -> gast.Expr:
    """`obj.__setitem__(k, value)` for `obj[k] = value` (`obj[k] op value` for `obj[k] op=`)."""
    value = stmt.value
    if isinstance(stmt, AugAssign):
        read = Subscript(value=copy.deepcopy(target.value), slice=copy.deepcopy(target.slice))
        read.ctx = gast.Load()
        value = gast.BinOp(left=_loaded(read), op=stmt.op, right=value)
    method = Attribute(value=_loaded(target.value), attr="__setitem__", ctx=gast.Load())
    call = gast.Call(func=method, args=[_loaded(target.slice), value], keywords=[])
    made = gast.copy_location(gast.Expr(value=call), stmt)
    return fix_missing_locations(made)


def _loaded(node: gast.expr) -> gast.expr:
    """`node` read (its context `Load`): the object whose attribute is set."""
    for n in nodes.descendants(node):
        if hasattr(n, "ctx"):
            n.ctx = gast.Load()
    return node
