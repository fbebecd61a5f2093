"""`gast.parse`, the same tree, converted from Python's `ast` about twice as fast.

gast's converter (`gast.ast3.Ast3ToGAst`) finds each node's method by building its name per
visit, looks its gast class up by name, and builds every node through keyword arguments.
`_Converter` keeps gast's own methods for the nodes it treats specially (names, parameters,
`def`s, handlers) and does the rest, the generic copy, from a table made once per class:
the same classes, fields and attributes as gast's. Converting a function was about a
twentieth of transforming it.
"""

from __future__ import annotations

import ast

import gast

try:  # (gast's converter class is not public API: its version range is pinned)
    from gast.ast3 import Ast3ToGAst
except ImportError:  # pragma: no cover - another gast layout: its own converter
    Ast3ToGAst = None


def parse(source: str, mode: str = "exec") -> gast.AST:
    """`gast.parse(source, mode=mode)`: a gast tree, with Python's line numbers.

    Raises SyntaxError as `ast.parse` does."""
    return ast_to_gast(ast.parse(source, mode=mode))


def ast_to_gast(node: ast.AST) -> gast.AST:
    """`gast.ast_to_gast(node)`: the same classes, fields and attributes."""
    if _Converter is None:  # pragma: no cover
        return gast.ast_to_gast(node)
    return _Converter().visit(node)


# node class → gast's method for it, or `generic_visit`
_METHODS: dict[type, object] = {}
# node class → (gast class or None for a class gast does not have, fields, attributes)
_PLANS: dict[type, tuple] = {}
_MISSING = object()
_AST = ast.AST  # (asked of every field converted: no module attribute lookup each time)


def _plan(kind: type) -> tuple:
    target = getattr(gast, kind.__name__, None)
    _PLANS[kind] = plan = (target, kind._fields, kind._attributes)
    return plan


_Converter = None
if Ast3ToGAst is not None:

    class _Converter(Ast3ToGAst):
        def visit(self, node):
            kind = node.__class__
            method = _METHODS.get(kind)
            if method is None:
                method = getattr(type(self), "visit_" + kind.__name__, None)
                if method is None or method is ast.NodeVisitor.visit_Constant:
                    method = type(self).generic_visit  # (only a warning for old visitors)
                _METHODS[kind] = method
            return method(self, node)

        def _visit(self, node):
            if isinstance(node, _AST):
                return self.visit(node)
            if isinstance(node, list):
                return [self._visit(item) for item in node]
            return node

        def generic_visit(self, node):
            # gast's: `cls(**{field: converted})` for the fields `node` has, then each of
            # its attributes `node` has set
            kind = node.__class__
            target, fields, attributes = _PLANS.get(kind) or _plan(kind)
            if target is None:
                return None  # (gast's: a node not part of its AST)
            new = target.__new__(target)
            own = new.__dict__
            parsed = node.__dict__  # (a parsed node holds all its fields and attributes)
            for field in fields:
                if field in parsed:
                    value = parsed[field]
                else:
                    value = getattr(node, field, _MISSING)
                    if value is _MISSING:
                        continue
                if value.__class__ is list:
                    value = [self._visit(item) for item in value]
                elif isinstance(value, _AST):
                    value = self.visit(value)
                own[field] = value  # (a name, a number, None: as it is)
            for attribute in attributes:
                if attribute in parsed:
                    own[attribute] = parsed[attribute]
                    continue
                value = getattr(node, attribute, _MISSING)
                if value is not _MISSING:
                    own[attribute] = value
            return new

        def visit_Name(self, node):
            # gast's: `Name(id, ctx, annotation=None, type_comment=None)` at `node`'s place
            new = _NAME.__new__(_NAME)
            own = new.__dict__
            own["id"], own["ctx"] = node.id, self.visit(node.ctx)
            own["annotation"] = own["type_comment"] = None
            _copy_location(own, node)
            return new


_NAME = gast.Name


def _copy_location(own: dict, node: ast.AST) -> None:
    """`ast.copy_location` into the attributes `own` of a gast node of `node`'s kind
    (written into its dict: with `ast.copy_location` the conversion takes 15 % more
    instructions, a name being most nodes)."""
    for attribute in ("lineno", "col_offset"):
        value = getattr(node, attribute, None)
        if value is not None:
            own[attribute] = value
    for attribute in ("end_lineno", "end_col_offset"):
        if hasattr(node, attribute):
            own[attribute] = getattr(node, attribute)
