"""A helper of another module, inlined: the names it reads from its module, read there.

The generated code runs among the differentiated function's globals, so a helper inlined
from `models.py` cannot spell `W` or `act` as `models.py` means them. Each such read is
rewritten, before the lowering, to an attribute of that module, bound in a cell of the
generated code (`_s2s_models`), and read there when the code runs, as the function's own
globals are (a module-level array rebound later is read anew):

    def forward(self, x):                    # models.py
        return act(self.W @ x) * SCALE     →    _s2s_models.act(self.W @ x) * _s2s_models.SCALE

A name both modules bind to the same module or function (`np`, a function the caller
imported) stays as it is, its entry in the helper's module watched; builtins stay too.
"""

from __future__ import annotations

import types

import gast

_MISSING = object()


def read_through_module(
    tree: gast.FunctionDef, free: set[str], module: dict, caller: dict, alias: str
) -> set[str]:
    """Rewrite in place the reads in `tree` of the names in `free` that `module` (the
    helper's globals) binds, unless `caller` (the generated code's globals) binds them to
    the same module or function; return the names rewritten."""
    renamed = {
        name
        for name in free
        if name in module and not _same_code(module[name], caller.get(name, _MISSING))
    }
    if renamed:
        _rename(tree, renamed, alias)
    return renamed


def _same_code(value: object, other: object) -> bool:
    shared = isinstance(value, (types.ModuleType, types.FunctionType, type))
    return shared and value is other


def _rename(tree: gast.AST, names: set[str], alias: str) -> None:
    pending = [tree]
    while pending:
        node = pending.pop()
        for field, value in gast.iter_fields(node):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if _is_read(item, names):
                        value[i] = _through(item, alias)
                    elif isinstance(item, gast.AST):
                        pending.append(item)
            elif _is_read(value, names):
                setattr(node, field, _through(value, alias))
            elif isinstance(value, gast.AST):
                pending.append(value)


def _is_read(node: object, names: set[str]) -> bool:
    return type(node) is gast.Name and type(node.ctx) is gast.Load and node.id in names


def _through(name: gast.Name, alias: str) -> gast.Attribute:
    """`alias.name`, at `name`'s place in the source."""
    root = gast.Name(id=alias, ctx=gast.Load(), annotation=None, type_comment=None)
    read = gast.Attribute(value=root, attr=name.id, ctx=gast.Load())
    for node in (root, read):
        gast.copy_location(node, name)
        node.end_lineno = getattr(name, "end_lineno", None)
        node.end_col_offset = getattr(name, "end_col_offset", None)
    return read
