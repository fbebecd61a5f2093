"""Copy and constant propagation on generated code.

Before:                      After (dead-code elimination then drops the copy):
    x_2_bar = x_1_bar            x_2_bar = x_1_bar
    _t3_bar = x_2_bar * 0.1      _t3_bar = x_1_bar * 0.1

After `a = b` (a name) or `a = 2.0` (a literal), later reads of `a` in the same block read
`b` or the literal instead, until `a` or `b` is assigned again. A compound statement (loop,
branch) is rewritten only with the copies whose names it does not assign. A nested
function (a pullback) reads its free variables when it runs, later: it is rewritten only
with copies whose names are each bound once in the whole function and not by it. Lambdas
are never entered. One walk per block: linear in the length of the code.
"""

from __future__ import annotations

import ast
from collections import Counter

from .names import loads, stores


def propagate_copies(tree: ast.FunctionDef) -> bool:
    """Replace reads of copies by their sources in place; True if any read was replaced."""
    bound = Counter(stores(tree))
    bound.update(a.arg for a in tree.args.args)
    return _block(tree.body, {name for name, n in bound.items() if n == 1})


class _Copies:
    """The copies in effect: name → the name or literal it holds, with the reverse index
    that makes forgetting them after a store cheap."""

    def __init__(self) -> None:
        self.of: dict[str, ast.expr] = {}
        self.readers: dict[str, set[str]] = {}  # source name → names holding a copy of it

    def add(self, target: str, source: ast.expr) -> None:
        self.of[target] = source
        for name in _names(source):
            self.readers.setdefault(name, set()).add(target)

    def forget(self, stores: set[str]) -> None:
        """Drop the copies that a store to any of `stores` makes stale."""
        for name in stores:
            self._drop(name)
            for target in self.readers.pop(name, ()):
                self._drop(target)

    def _drop(self, target: str) -> None:
        source = self.of.pop(target, None)
        for name in _names(source) if source is not None else ():
            self.readers.get(name, set()).discard(target)


def _block(block: list[ast.stmt], bound_once: set[str]) -> bool:
    copies = _Copies()
    changed = False
    for stmt in block:
        if isinstance(stmt, ast.FunctionDef):  # runs later: only names bound once
            own = {*stores(stmt), *(a.arg for a in stmt.args.args)}
            lasting = {
                a: b
                for a, b in copies.of.items()
                if {a, *_names(b)} <= bound_once and not {a, *_names(b)} & own
            }
            changed |= any([_replace(s, lasting) for s in stmt.body])
            changed |= _block(stmt.body, set())
            continue
        if isinstance(stmt, (ast.Assign, ast.Expr, ast.Return)):
            stored = {n for target in getattr(stmt, "targets", ()) for n in stores(target)}
            changed |= _replace(stmt, copies.of)  # the value is read before anything is stored
            copies.forget(stored)
        else:  # a loop or branch may store before it reads: only copies it leaves alone
            copies.forget(set(stores(stmt)))
            changed |= _replace(stmt, copies.of)
            for field in ("body", "orelse"):
                changed |= _block(getattr(stmt, field, None) or [], bound_once)
        source = _copy_of(stmt)
        if source is not None:
            copies.add(stmt.targets[0].id, source)
    return changed


def _names(value: ast.expr) -> list[str]:
    return [value.id] if isinstance(value, ast.Name) else []


def _copy_of(stmt: ast.stmt) -> ast.expr | None:
    """The name or literal `stmt` copies, if it is `a = b` or `a = 2.0`."""
    if not (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        return None
    value = stmt.value
    if isinstance(value, ast.Name) and value.id != stmt.targets[0].id:
        return value
    if isinstance(value, ast.Constant) and isinstance(value.value, (int, float)):
        return value
    return None


def _replace(node: ast.AST, copies: dict[str, ast.expr]) -> bool:
    """Replace reads of copied names under `node`, not entering lambdas or nested functions."""
    if not copies or not any(n in copies for n in loads(node)):
        return False  # the common case, found by the quick walk
    changed = False
    for field, value in ast.iter_fields(node):
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, ast.Name) and item.id in copies and isinstance(item.ctx, ast.Load):
                new = _copy(copies[item.id])
                if isinstance(value, list):
                    value[i] = new
                else:
                    setattr(node, field, new)
                changed = True
            elif isinstance(item, ast.AST) and not isinstance(item, (ast.Lambda, ast.FunctionDef)):
                changed |= _replace(item, copies)
    return changed


def _copy(source: ast.expr) -> ast.expr:
    if isinstance(source, ast.Name):
        return ast.Name(id=source.id, ctx=ast.Load())
    return ast.Constant(value=source.value)
