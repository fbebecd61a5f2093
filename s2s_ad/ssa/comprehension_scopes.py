"""The scope of a comprehension's targets, as in Python 3: they bind names of the
comprehension's own, which never leak and never touch a name of the enclosing function.

`comprehensions.py` turns each comprehension into a loop of the enclosing function; this
module picks the names that loop binds. A target keeps its spelling when nothing else in the
function (a variable, a parameter, a global, a nested `def`, a comprehension rewritten
before) uses that name; otherwise it gets a fresh one, renamed wherever the comprehension's
scope reads it.

Before → after (the function also has a variable `a`, so the target is renamed):

    a = 2.0                             a = 2.0
    ys = [a * x for a in xs]            ys = [a_1 * x for a_1 in xs]
    return a * sum(ys)                  return a * sum(ys)
"""

from __future__ import annotations

import gast
from gast import Load, Name  # (asked of every node of the function: no lookup each time)

from ..frontend.nodes import child_nodes, descendants

COMPREHENSIONS = (gast.ListComp, gast.GeneratorExp, gast.SetComp, gast.DictComp)


def target_names(target: gast.expr) -> list[str]:
    """The names a comprehension target binds (`a`, `w, x`, `i, (a, b)`), in order."""
    return [n.id for n in descendants(target) if isinstance(n, gast.Name)]


def elements(comp: gast.expr) -> list[gast.expr]:
    """What a comprehension evaluates per element: `elt`, or a dict comprehension's key and
    value (in that order, as Python 3.8+ evaluates them)."""
    return [comp.key, comp.value] if isinstance(comp, gast.DictComp) else [comp.elt]


class TargetNames:
    """For the whole function: which comprehension targets may keep their spelling."""

    def __init__(self, node: gast.FunctionDef) -> None:
        self.outside: set[str] = set()  # names used other than as a comprehension variable
        self.kept: set[str] = set()  # targets a rewritten comprehension kept as spelled
        self.assigned: set[str] = set()  # the function's own locals (parameters included)
        for part in [node.args, *node.body]:  # parameters are the function's names too
            self._visit(part, frozenset())

    def keeps(self, name: str) -> bool:
        """Whether a comprehension's target `name` may be the loop's variable as spelled:
        the function uses it nowhere else, and no comprehension rewritten before (an
        enclosing one, or one earlier in the function) kept it."""
        if name in self.outside or name in self.kept:
            return False
        self.kept.add(name)
        return True

    def _visit(self, node: gast.AST, bound: frozenset[str]) -> None:
        # (each node with the comprehension targets bound there; a stack, not a recursion
        # through `iter_child_nodes`' generator: the walk is of the whole function)
        pending = [(node, bound)]
        while pending:
            node, bound = pending.pop()
            if isinstance(node, Name):
                if node.id not in bound:
                    self.outside.add(node.id)
                    if not isinstance(node.ctx, Load):
                        self.assigned.add(node.id)
            elif isinstance(node, COMPREHENSIONS):
                inner = bound
                for k, gen in enumerate(node.generators):
                    pending.append((gen.iter, bound if k == 0 else inner))
                    inner = inner | set(target_names(gen.target))
                    pending += [(cond, inner) for cond in gen.ifs]
                pending += [(part, inner) for part in elements(node)]
            else:
                pending += [(child, bound) for child in child_nodes(node)]


def rename(node: gast.AST, mapping: dict[str, str]) -> None:
    """Rename, in place, the names of `mapping` that `node` reads or binds in the scope
    where `mapping` applies: an inner comprehension or a `lambda` binding the same name
    starts a scope of its own (its first iterable and a lambda's defaults are still ours)."""
    if not mapping:
        return
    if isinstance(node, gast.Name):
        node.id = mapping.get(node.id, node.id)
        return
    if isinstance(node, COMPREHENSIONS):
        inner = dict(mapping)
        for k, gen in enumerate(node.generators):
            rename(gen.iter, mapping if k == 0 else inner)
            for bound in target_names(gen.target):
                inner.pop(bound, None)
            for cond in gen.ifs:
                rename(cond, inner)
        for part in elements(node):
            rename(part, inner)
        return
    if isinstance(node, gast.Lambda):
        args = node.args
        for default in [*args.defaults, *(d for d in args.kw_defaults if d is not None)]:
            rename(default, mapping)
        params = {p.id for p in descendants(args) if isinstance(p, gast.Name)}
        rename(node.body, {k: v for k, v in mapping.items() if k not in params})
        return
    for child in gast.iter_child_nodes(node):
        rename(child, mapping)


def rename_own(comp: gast.expr, mapping: dict[str, str]) -> None:
    """Rename the comprehension's own targets, and their reads in its scope (not in its
    first iterable, which the enclosing scope evaluates)."""
    for k, gen in enumerate(comp.generators):
        rename(gen.target, mapping)
        if k:
            rename(gen.iter, mapping)
        for cond in gen.ifs:
            rename(cond, mapping)
    for part in elements(comp):
        rename(part, mapping)
