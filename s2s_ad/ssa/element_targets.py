"""Assignment targets for the statement lowering (`lower.py`): names, elements `a[i]` and
tuples of those, bound left to right as Python does, and the in-place updates they make.

An element update gives the array a new SSA version (`rt.setitem`), after the checks that no
one else sees the object (an argument, an alias, a view: `ssa/aliasing.py`). In a tuple or
chained assignment every value is evaluated first, then the targets are bound in order, so
`i, a[i] = 2, v` indexes with the new `i`; a later value that is (or, checked at run time,
may be) a view of an array an earlier target updated is refused, as SSA would give its old
value.

Before::

    a[0], a[1] = u, v

After (SSA)::

    a_1 = rt.setitem(a, u, 0)
    a_2 = rt.setitem(a_1, v, 1)
"""

from __future__ import annotations

import operator

import gast

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..frontend.nodes import root
from ..frontend.starred import has_star
from .ir import Atom, Const, Index, Prim, SliceItem, Var
from .lower_expr import Binding


class ElementTargets:
    """The mixin: `_bind_target`, `_set_item` and the checks of an in-place update."""

    def _bind_target(self, target: gast.expr, value: Binding) -> None:
        """Bind `target` (a name, an element `a[i]`, a tuple of those) to `value`, already
        evaluated; a tuple's targets are bound left to right, as Python does (`i, a[i] = …`
        indexes with the new `i`)."""
        if isinstance(target, gast.Name):
            if isinstance(value, tuple):
                self.env[target.id] = value
            else:
                self._define(target.id, value)
            return
        if isinstance(target, gast.Subscript):
            self._set_item(target, self._as_atom(value))
            return
        if has_star(target):  # `first, *rest = xs`: ssa/builtins.py
            target, value = self._starred_target(target, value)
        if all(isinstance(elt, gast.Name) for elt in target.elts) and not isinstance(value, tuple):
            # a helper's tuple result, a tuple argument, rows: each item named after its target
            for k, elt in enumerate(target.elts):
                self._define(elt.id, Prim(operator.getitem, (value, Index((Const(k),), False))))
            return
        if not isinstance(value, tuple):  # every item is read before any target is bound
            value = tuple(
                self._atom_of(Prim(operator.getitem, (value, Index((Const(k),), False))))
                for k in range(len(target.elts))
            )
        if len(value) != len(target.elts):
            raise UnsupportedSyntaxError(
                f"cannot unpack {len(value)} values into {len(target.elts)} names",
                filename=self.filename,
                line=self.line,
                hint="use as many names as there are values",
            )
        updated: list[Var] = []  # the arrays earlier targets updated, as they were
        for elt, item in zip(target.elts, value, strict=True):
            item = self._read_before_updates(item, updated)
            before = self.env.get(elt.value.id) if is_element(elt) else None
            self._bind_target(elt, item)
            if isinstance(before, Var):
                updated.append(before)

    def _read_before_updates(self, item: Binding, updated: list[Var]) -> Binding:
        """`a[i], a[j] = a[j], a[i]`: Python binds the item `a[i]` after updating `a[i]`;
        the SSA form has its old value. Exact where the item is a copy or a number; refused
        where it is (or, checked at run time, may be) a view of an array updated before."""
        if not isinstance(item, Var):
            return item
        for old in updated:
            relation = self._relation(item.name, old.name)
            if relation is None or self._item_of_list(item, old):
                continue  # (`xs[0], xs[1] = xs[1], xs[0]`: the items, not views of the list)
            what = "an assignment whose later value is a view of an array an earlier target updated"
            hint = "assign in separate statements, copying the value first (`.copy()`)"
            if relation != "maybe":
                raise self._unsupported(what, hint=hint)
            item = self._checked_unshared(item, old, f"unsupported construct: {what}", hint)
        return item

    def _item_of_list(self, item: Var, container: Var) -> bool:
        """Whether `item` was read out of the list (or dict) `container` as one of its
        items: replacing items of the list leaves it as it is."""
        kind = (self.kind_of(container) or "").split("/")[0]
        return kind in ("list", "dict") and self._may_be_item_of(item.name, container.name)

    def _is_list(self, name: str) -> bool:
        """Whether `name` holds a list (or a dict), whatever its items' kind: `[]`
        ("list/*"), a list of lists ("list/list")."""
        bound = self.env.get(name)
        kind = self.kind_of(bound) if isinstance(bound, Var) else None
        return (kind or "").split("/")[0] in ("list", "dict")

    def _set_item(self, target: gast.Subscript, value: Atom) -> None:
        """`a[i] = v` on a local array: `a_1 = rt.setitem(a, v, i)`, a new version of `a`."""
        base = target.value
        if isinstance(base, gast.Subscript) and self._is_list(root(base) or ""):

            def update(item: gast.Name) -> None:  # `rows[i][j] = v`: ssa/item_paths.py
                self._set_item(
                    gast.Subscript(value=item, slice=target.slice, ctx=gast.Store()), value
                )

            self._through_item(base, update, "element assignment")
            return
        if not isinstance(base, gast.Name):
            raise self._unsupported(
                "assignment to an element of something other than a local array",
                hint="assign elements of arrays the function created (e.g. with np.zeros)",
            )
        index = self._index(target.slice)
        is_list = self._is_list(base.id)
        self.element_index = target.slice  # which element: ssa/aliasing.py
        try:
            self._update(base.id, "element assignment", of_list=is_list)
        finally:
            self.element_index = None
        is_dict = is_list and self.kind_of(self.env[base.id]) == "dict"  # tuple keys: fine
        if is_list and not is_dict and (index.is_tuple or isinstance(index.items[0], SliceItem)):
            raise self._unsupported(
                f"assignment to a slice of the list `{base.id}` (it may change its length)",
                hint=f"assign one item at a time: `{base.id}[i] = v`",
            )
        current = self.env[base.id]
        self._define(
            base.id, Prim(runtime.setitem, (current, value, index), spelled=self._rt("setitem"))
        )
        self._rebind_aliases(base.id)

    def _update(self, name: str, what: str, *, of_list: bool = False) -> None:
        """Refuse an in-place update that someone else would see: of an argument, a global,
        or a value another name still refers to (the SSA form gives the update a new version)."""
        current = self.env.get(name)
        if not isinstance(current, Var):
            raise self._unsupported(
                f"{what} on `{name}`, which is not a local array or list",
                hint="update arrays and lists the function created (e.g. with np.zeros or [])",
            )
        if self._argument_of(current) is not None:
            if self.recording:
                self.argument_updates.append((self._argument_of(current), self.line))
                return
            raise self._unsupported(
                f"in-place update of the argument `{name}` ({what}), "
                "which would modify the caller's value",
                hint=f"copy it first: `{name} = {name}.copy()`",
            )
        self._check_sharing(name, what, element=True, of_list=of_list)  # ssa/aliasing.py


def is_element(target: gast.expr) -> bool:
    """`a[i]` as a target: an update of the local `a`."""
    return isinstance(target, gast.Subscript) and isinstance(target.value, gast.Name)
