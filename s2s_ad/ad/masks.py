"""Masked adjoints under `np.where`: the branch not taken contributes exactly zero.

`np.where(c, f(x), g(x))` reads `f(x)` only where `c` holds. Its reverse sweep sends the
elements of `f(x)` that `c` does not select a zero cotangent, which the partials of an
elementwise chain `f` multiply on the way back to `x`; where a partial is infinite or nan
there (`sqrt` at 0, `log` of 0, `0 / 0`), 0 · inf is nan. Mathematically those elements
do not reach the result, so their contribution is zero.

Before: the reverse sweep of a function. After: each *masked* statement — elementwise,
assigned once, every active use of its value in its own block either a branch of an
`np.where` (or an `rt.masked` of derivative code) or an operand of another masked
statement — first computes which of its elements a selected element depends on
(`rt.reach`, a boolean array of its shape: the OR over its uses of the use's mask, each
ANDed with the mask of the use's own result), and its contributions to its operands are
set to zero elsewhere (`rt.masked`), before they are summed down to an operand's shape.
Before → after, for `np.sum(np.where(x > 0, np.sqrt(x), 0.0))`:

    _t2_bar = rt.unbroadcast(np.where(_t1, _t3_bar, 0.0), _t2)
    x_bar = _t2_bar / (2.0 * _t2)
→
    _t2_bar = rt.unbroadcast(np.where(_t1, _t3_bar, 0.0), _t2)
    _t2_mask = rt.reach(_t2, _t1)
    x_bar = rt.masked(_t2_bar / (2.0 * _t2), _t2_mask)

The forward sweep needs nothing: `np.where` picks the tangent of the selected branch. The
masks and `rt.masked` are derivative code with rules of their own (rules/masks.py), so the
reverse sweep of a gradient (second derivatives) masks its own chains the same way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

from .. import runtime
from ..codegen import build
from ..naming import Aliases
from ..rules.registry import lookup
from ..ssa.ir import (
    Assign,
    Atom,
    Const,
    Effect,
    For,
    Function,
    If,
    Prim,
    Return,
    Var,
    While,
    With,
    used_vars,
)


@dataclass(frozen=True)
class Use:
    """An active use of a masked value: in `target`'s statement, as a branch selected by
    `mask` (None: an operand of the elementwise statement, with `target`'s own mask);
    `negate`: the branch taken where the mask is False (`np.where`'s second branch)."""

    target: str
    mask: Atom | None = None
    negate: bool = False


def masked_statements(
    fn: Function, active: set[str], placed: dict[int, object] | None = None
) -> dict[str, list[Use]]:
    """The masked values of `fn` (see the module docstring), each with its active uses.
    `placed`: id(statement) → id(the block its derivative is placed in, deferred.py, or the
    ids of the arms of an `if` it is placed in each of), where that is not its own."""
    assigns = fn.assigns()
    if not _any_selection(assigns):
        return {}  # every chain of masked values ends in a selection: none here
    placed = placed or {}
    counts: dict[str, int] = {}
    owner: dict[str, tuple[Assign, int]] = {}  # target → (statement, id of its block)
    uses: dict[str, list[tuple[object, int]]] = {}
    for block, key in _blocks(fn.body, id(fn.body)):
        for stmt in block:
            where = placed.get(id(stmt), key)
            for var in _reads(stmt):
                uses.setdefault(var, []).append((stmt, where))
            if isinstance(stmt, (Assign, For)):
                counts[stmt.target] = counts.get(stmt.target, 0) + 1
            if isinstance(stmt, Assign):
                owner[stmt.target] = (stmt, where)
    found: dict[str, list[Use] | None] = {}
    carried: dict[int, frozenset[str] | None] = {}  # id(statement) → `_carried`, once

    def carries(user: Assign, var: str) -> bool:
        if id(user) not in carried:
            carried[id(user)] = _carried(user)
        return carried[id(user)] is None or var in carried[id(user)]

    def uses_of(var: str) -> list[Use] | None:
        if var in found:
            return found[var]
        found[var] = None  # (assigned once in SSA: no cycles; this also stops one)
        if var not in owner or counts.get(var) != 1 or var in fn.params:
            return None
        stmt, block = owner[var]
        if stmt.target not in active or not _elementwise(stmt):
            return None
        result: list[Use] = []
        for user, where in uses.get(var, []):
            if isinstance(user, (Effect, If)) or (isinstance(user, While) and user.test == var):
                continue  # printed, asserted or tested: no derivative flows back
            if not isinstance(user, Assign) or user.target not in active:
                if isinstance(user, Assign):
                    continue  # no derivative flows back through an inactive result
                return None  # returned, iterated, a context: read whole
            if where != block:
                return None
            if not carries(user, var):
                continue  # only a shape or a condition: `rt.unbroadcast(g, var)`
            picked = _selections(user, var)
            if picked is None:
                if not _elementwise(user) or uses_of(user.target) is None:
                    return None
                result.append(Use(user.target))
            else:
                result += picked
        found[var] = result or None
        return found[var]

    # a mask is made only where needed: a statement whose partials may be infinite, and
    # the statements after it whose masks its own mask is made of (in program order)
    needed: dict[str, list[Use]] = {}
    for stmt in assigns:
        var = stmt.target
        if uses_of(var) is None:
            continue
        if _has_partials(stmt, active) or any(v in needed for v in used_vars(stmt.value)):
            needed[var] = found[var]
    return needed


def _any_selection(assigns: list[Assign]) -> bool:
    """Whether a statement of `assigns` selects (`np.where`, …): a loop, where a generator
    expression, compiled, resumed a generator for each statement."""
    for stmt in assigns:
        value = stmt.value
        if isinstance(value, Prim) and value.fn in _SELECTING:
            return True
    return False


# templates that multiply the cotangent by no partial: a zero cotangent stays zero
FINITE = {
    "d",
    "-d",
    "np.where(condition, d, 0.0)",
    "np.where(condition, 0.0, d)",
    "rt.masked(d, mask)",
}


def _has_partials(stmt: Assign, active: set[str]) -> bool:
    """Whether an active operand's adjoint template multiplies by a partial."""
    prim = stmt.value
    if not isinstance(prim, Prim):
        return False  # a copy
    rule = lookup(prim.fn)
    site = rule.bind(prim)
    if site is None:
        return True
    for index, param in enumerate(rule.params[: len(site.params)]):
        atom = site.params[param]
        if isinstance(atom, Var) and atom.name in active and rule.vjp[index] not in FINITE:
            return True
    return False


def mask_code(
    target: str, uses: list[Use], emitted: dict[str, str], name: str, aliases: Aliases
) -> ast.stmt | None:
    """`name = rt.reach(target, masks…)`: the elements of `target` a selected element depends
    on. A use whose own result is masked but got no adjoint (no mask emitted) sent none."""
    masks: list[ast.expr] = []
    for use in uses:
        own = emitted.get(use.target)
        if use.mask is None and own is None:
            continue
        if use.mask is None:
            masks.append(build.name(own))
            continue
        mask = build.atom(use.mask)
        if use.negate:
            mask = build.call_named(f"{aliases.np}.logical_not", [mask])
        if own is not None:
            mask = ast.BinOp(left=mask, op=ast.BitAnd(), right=build.name(own))
        masks.append(mask)
    if not masks:
        return None
    reach = build.call_named(f"{aliases.rt}.reach", [build.name(target), *masks])
    return build.assign(name, reach)


def _carried(stmt: Assign) -> frozenset[str] | None:
    """The variables a derivative flows to through `stmt` (None: any it reads): not one
    only in a selector slot of its rule (the condition of `np.where`, the shape
    `rt.unbroadcast` reads), as activity analysis decides (ad/activity.py)."""
    prim = stmt.value
    if not isinstance(prim, Prim):
        return None
    rule = lookup(prim.fn)
    site = rule.bind(prim) if rule is not None else None
    if site is None:
        return None
    slots = [*site.params.values()]
    slots += [a for k, a in site.keywords.items() if k not in rule.selectors]
    return frozenset(a.name for a in slots if isinstance(a, Var))


_SELECTING = (np.where, runtime.masked)  # what selects a branch's elements


def _selections(stmt: Assign, var: str) -> list[Use] | None:
    """The uses of `var` as a selected branch in `stmt` (`np.where`, `rt.masked`); None if
    `stmt` selects nothing. As the condition of `np.where` it carries no derivative."""
    prim = stmt.value
    if not isinstance(prim, Prim) or prim.fn not in _SELECTING:
        return None
    rule = lookup(prim.fn)
    site = rule.bind(prim) if rule else None
    if site is None:
        return None
    if prim.fn is runtime.masked:
        mask = site.keywords.get("mask")
        return [Use(stmt.target, mask)] if site.params.get("value") == Var(var) else []
    condition = site.keywords.get("condition")
    if not isinstance(condition, (Var, Const)):
        return None
    picked = []
    if site.params.get("x") == Var(var):
        picked.append(Use(stmt.target, condition))
    if site.params.get("y") == Var(var):
        picked.append(Use(stmt.target, condition, negate=True))
    return picked


def _elementwise(stmt: Assign) -> bool:
    """A copy, or a call whose rule is elementwise (diagonal), `np.where` and `rt.masked`."""
    value = stmt.value
    if isinstance(value, Var):
        return True
    if not isinstance(value, Prim):
        return False
    rule = lookup(value.fn)
    return rule is not None and (rule.diagonal or value.fn is runtime.masked)


def _blocks(body: list, key: int) -> list[tuple[list, int]]:
    """Every statement list of `body`, nested ones included, each with the id of the block
    it runs as part of: its own, but a `with` body's is its enclosing block's (it runs once,
    where it stands: a value made in `with np.errstate(...)` and read after it, or in the
    reverse sweep's `with`, is read in straight-line code)."""
    found = [(body, key)]
    for stmt in body:
        if isinstance(stmt, If):
            found += _blocks(stmt.body, id(stmt.body)) + _blocks(stmt.orelse, id(stmt.orelse))
        elif isinstance(stmt, (For, While)):
            found += _blocks(stmt.body, id(stmt.body))
        elif isinstance(stmt, With):
            found += _blocks(stmt.body, key)
    return found


def _reads(stmt: object) -> list[str]:
    """The variables a statement reads itself (not in its nested blocks)."""
    if isinstance(stmt, Assign):
        return used_vars(stmt.value)
    if isinstance(stmt, Return):
        return [a.name for a in stmt.values if isinstance(a, Var)]
    if isinstance(stmt, If):
        return [stmt.test.name] if isinstance(stmt.test, Var) else []
    if isinstance(stmt, While):
        return [stmt.test, *stmt.carried]
    if isinstance(stmt, For):
        it = stmt.iterable
        return [*(used_vars(it) if isinstance(it, Prim) else _atom(it)), *stmt.carried]
    if isinstance(stmt, Effect):
        return list(stmt.reads)
    if isinstance(stmt, With):
        return _atom(stmt.context)
    return []


def _atom(a: object) -> list[str]:
    return [a.name] if isinstance(a, Var) else []


__all__ = ["Use", "mask_code", "masked_statements"]
