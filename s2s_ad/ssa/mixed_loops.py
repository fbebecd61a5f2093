"""Loops over a list the function builds of objects of several classes, or of dicts (lists,
objects) holding objects (session 45):
`for term in [Spring(k), Damper(c)]: f = f + term.force(s)`, over a name bound to such a list,
`enumerate` of one, and a dict's `.values()` and `.items()` holding them. The list's length
and the class at each position are known when the derivative is made (ssa/entry_kinds.py), so
the body is lowered once per item, the loop variable bound to that item, its class known: each
object's own methods and operators are inlined, as Python calls them. Before, the loop
variable's class was unknown and its methods were refused ("method of a local value").

A loop over objects of one class stays a loop (records.py's `ITEMS`); so does a body that
rebinds or updates the list it iterates (Python's loop would see the change), and a list
longer than `_MOST` items.

Before::

    for term in [Spring(k), Damper(c)]:
        f = f + term.force(s)

After (SSA, each `force` inlined for its class)::

    _t1 = [_t2, _t3]
    term = _t1[0]
    f_1 = f + k * s          # Spring.force
    term_1 = _t1[1]
    f_2 = f_1 - c * s        # Damper.force
"""

from __future__ import annotations

import operator

import gast

from .ir import Const, Index, Prim, Var
from .kinds import holds_class
from .names import stored_names
from .records import is_user_class

_MOST = 16  # items unrolled; a longer list is left to the loop (its code grows with each)
_VIEWS = ("values", "items")


class MixedLoops:
    """Mixed into the lowering, asked by `KnownLoops._unrolled`."""

    def _unrolled_mixed(self, stmt: gast.For, enumerated: tuple) -> bool:
        """The body once per item of a list (or dict) of objects of several classes made
        here, the loop variable bound to the item (True); False for any other loop."""
        target, iterable, index, start = enumerated
        view = _dict_view(iterable)
        source = view.func.value if view is not None else iterable
        if stmt.orelse or not _targets(target, view):
            return False
        if isinstance(source, gast.Name) and source.id in stored_names(stmt.body):
            return False  # (the body changes what it iterates: Python's loop sees it)
        seq = self._mixed_sequence(source, view is not None)
        if seq is None:
            return False
        container, keys = seq
        self._refuse_jumps(stmt)  # ssa/known_loops.py
        for i, key in enumerate(keys):
            if start is not None:
                self._define(index, Const(start + i))
            item = Prim(operator.getitem, (container, Index((Const(key),), False)))
            if view is not None and view.func.attr == "items":
                self._define(target.elts[0].id, Const(key))
                self._define(target.elts[1].id, item)
            else:
                self._define(target.id, item)
            self.iterated.append(([container], stmt.lineno, None))  # (updates: aliasing.py)
            try:
                self._block(stmt.body)
            finally:
                self.iterated.pop()
        return True

    def _mixed_sequence(self, node: gast.expr, of_dict: bool) -> tuple | None:
        """(the atom of the list or dict `node`, its positions or keys) where it holds
        objects of more than one class (or objects and other values) at known places, made
        here; None for anything else. A display is lowered only where it is one."""
        if isinstance(node, (gast.List, gast.Tuple)) and not of_dict:
            classes = list(map(self._constructed_class, node.elts))
            holding = any(  # (`[{"v": A(x)}, {"v": A(y)}]`: dicts holding objects)
                cls is None and self._gives_known_object(elt)
                for cls, elt in zip(classes, node.elts, strict=True)
            )
            if len(node.elts) > _MOST or not (_mixed(classes) or holding):
                return None
            if any(isinstance(e, gast.Starred) for e in node.elts):
                return None
            container = self._atom(node)  # (lowered: unrolled whatever its entries)
            entries = self._entries_made(container)
            return None if entries is None else (container, list(range(len(entries))))
        elif isinstance(node, gast.Name) and isinstance(self.env.get(node.id), Var):
            container = self.env[node.id]
        else:
            return None
        entries = self._entries_made(container)
        kind = (self.kind_of(container) or "").split("/")[0]
        wanted = ("dict",) if of_dict else ("list", "tuple")
        if entries is None or kind not in wanted or len(entries) > _MOST:
            return None
        found = [e if isinstance(e, tuple) else (None, None, None) for e in entries.values()]
        nested = any(holds_class(entry[1]) for entry in found)  # (dicts holding objects)
        if not (_mixed([entry[2] for entry in found]) or nested):
            return None
        return container, list(entries) if of_dict else list(range(len(entries)))

    def _constructed_class(self, node: gast.expr) -> type | None:
        """The class of the object a display's item makes or names, where told before it
        is lowered (`Spring(k)`, a name bound to one); else None."""
        if isinstance(node, gast.Call):
            cls = self._callee_object(node.func)
            return cls if is_user_class(cls) else None
        if isinstance(node, gast.Name):
            return self._class_made(self.env.get(node.id))
        return None


def _mixed(classes: list) -> bool:
    """Objects of more than one class, or objects and other values."""
    return len(set(classes)) > 1 and any(cls is not None for cls in classes)


def _dict_view(node: gast.expr) -> gast.Call | None:
    """`d.values()` or `d.items()` of a name, else None."""
    if (
        isinstance(node, gast.Call)
        and not node.args
        and not node.keywords
        and isinstance(node.func, gast.Attribute)
        and node.func.attr in _VIEWS
        and isinstance(node.func.value, gast.Name)
    ):
        return node
    return None


def _targets(target: gast.expr, view: gast.Call | None) -> bool:
    """A loop variable the unrolling binds: a name, or `k, v` of `.items()`."""
    if view is not None and view.func.attr == "items":
        return (
            isinstance(target, gast.Tuple)
            and len(target.elts) == 2
            and all(isinstance(n, gast.Name) for n in target.elts)
        )
    return isinstance(target, gast.Name)
