"""Updates through an item of a local list or dict, for the statement lowering:
`hist["loss"].append(v)`, `rows[i][j] = v`, `params["w"][0] = v`, `buf[i % 2].extend(ys)`,
`v = buf["q"].pop(0)`, and deeper paths (`state["h"]["loss"].append(v)`).

Python updates the item object itself. The SSA form reads the item into a name of its own,
updates it by that name as any local list or array is updated (with the same checks,
ssa/aliasing.py: a name holding the item that is read later is rebound to the new version,
or refused; any other list, tuple, dict or object read later that may hold it is checked
when called, `keep = [rows[0]]`), and assigns the new version back into the container,
which gives the container a new version (and the names holding the container the checks of
`c[k] = v`). Another slot of the same container may hold the same object (`[[0.0] * 2] *
2`, `{"a": xs, "b": xs}`), which Python's update would change too: `rt.sole_item` checks,
when called, that none does, and, where the item's kind is not followed (a dict's items),
that it is the list or dict the update takes it for.
Before → after:

    hist["loss"].append(v)        _t3 = hist['loss']
                                  hist_loss = rt.sole_item(_t3, hist, 'loss', …)
                                  hist_loss_1 = rt.append(hist_loss, v)
                                  hist_1 = rt.setitem(hist, hist_loss_1, 'loss')
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import replace

import gast

from .. import runtime
from ..errors import S2SError
from ..frontend import nodes
from ..frontend.validate import DICT_UPDATES, LIST_UPDATES, item_receiver, subscript_root
from .ir import Assign, Const, Index, Prim, SliceItem, Var


def updates_an_item(stmt: gast.stmt) -> bool:
    """`c[k].append(v)`, `c[k].pop()`, … as a statement: a list item updated in place."""
    return item_receiver(stmt) is not None


class ItemPaths:
    """The mixin: `_item_statement` lowers `c[k].append(v)` (…), `_through_item` an update
    of any kind through `c[k]`."""

    def _item_statement(self, stmt: gast.Expr | gast.Assign) -> bool:
        """`c[k].append(v)` (`.extend(ys)`, `.insert(i, v)`, `.pop(…)`, also as a value:
        `v = c[k].pop()`) on an item of a local list or dict: True when lowered, False where
        `c` is not known to be one."""
        call = stmt.value
        receiver = call.func.value
        if not self._is_list(subscript_root(receiver)):
            return False

        def update(item: gast.Name) -> None:
            method = gast.Attribute(value=item, attr=call.func.attr, ctx=gast.Load())
            renamed = gast.Call(func=method, args=call.args, keywords=call.keywords)
            if isinstance(stmt, gast.Assign):
                lowered = gast.Assign(targets=stmt.targets, value=renamed, type_comment=None)
            else:
                lowered = gast.Expr(value=renamed)
            self._stmt(gast.copy_location(lowered, stmt))

        expect = "dict" if call.func.attr in DICT_UPDATES else "list"
        self._through_item(receiver, update, f"`.{call.func.attr}()`", expect=expect)
        return True

    def _extends_item(self, stmt: gast.AugAssign) -> bool:
        """`c[k] += ys` where `c[k]` is known to be a list (a dict's entry, a list's item at
        a literal position): Python extends that list in place, `c[k].extend(ys)`."""
        target = stmt.target
        if not (
            isinstance(stmt.op, gast.Add)
            and isinstance(target, gast.Subscript)
            and isinstance(target.value, gast.Name)
            and target.value.id in self.env
            and isinstance(target.slice, gast.Constant)
        ):
            return False
        index = Index((Const(target.slice.value),), False)
        read = Prim(operator.getitem, (self.env[target.value.id], index))
        if (self.kind_of(read) or "").split("/")[0] != "list":
            return False
        method = gast.Attribute(value=nodes.loaded(target), attr="extend", ctx=gast.Load())
        call = gast.Call(func=method, args=[stmt.value], keywords=[])
        self._stmt(gast.copy_location(gast.Expr(value=call), stmt))
        return True

    def _setdefault_statement(self, stmt: gast.stmt) -> bool:
        """`d.setdefault(k, []).append(v)` (or another update `_item_statement` lowers,
        also `v = d.setdefault(k, []).pop()`) on a local dict `d`, `k` a literal or a name:
        `d.setdefault(k, [])`, then `d[k].append(v)`; False for any other statement."""
        call = stmt.value if isinstance(stmt, (gast.Expr, gast.Assign)) else None
        if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)):
            return False
        inner, method = call.func.value, call.func.attr
        if not (
            isinstance(inner, gast.Call)
            and isinstance(inner.func, gast.Attribute)
            and inner.func.attr == "setdefault"
            and inner.args
            and isinstance(inner.args[0], (gast.Constant, gast.Name))
            and method in ("append", *LIST_UPDATES)
            and (isinstance(stmt, gast.Expr) or method == "pop")
            and self._is_local_dict(inner.func.value)  # ssa/dicts.py
        ):
            return False
        self._expr(inner)  # the entry, made where missing
        item = gast.Subscript(value=inner.func.value, slice=inner.args[0], ctx=gast.Load())
        updated = gast.Call(
            func=gast.Attribute(value=item, attr=method, ctx=gast.Load()),
            args=call.args,
            keywords=call.keywords,
        )
        if isinstance(stmt, gast.Assign):
            rewritten = gast.Assign(targets=stmt.targets, value=updated, type_comment=None)
        else:
            rewritten = gast.Expr(value=updated)
        self._stmt(gast.copy_location(rewritten, stmt))
        return True

    def _through_item(
        self,
        item: gast.Subscript,
        update: Callable,
        what: str,
        shown: gast.expr | None = None,
        expect: str | None = None,
    ) -> None:
        """`update(name)` lowers the update with `item` (`c[k]` of a local list or dict `c`,
        or a deeper path) spelled as the gast name `name`; `what`: the update, and `shown`:
        the item as the user wrote it (else `item`), for messages. `expect`: "list" or
        "dict", what the item must be where its kind is not known here (a dict's items'
        kinds are not followed), checked when called (`rt.sole_item`)."""
        base = item.value
        if isinstance(base, gast.Subscript):  # `a[i][j]…`: through `a[i]`, then its `[j]`

            def inner(holder: gast.Name) -> None:
                outer = _subscript(holder, item.slice)
                self._through_item(outer, update, what, shown or item, expect)

            key = item.slice.value if isinstance(item.slice, gast.Constant) else None
            self._through_item(base, inner, what, expect="dict" if isinstance(key, str) else "list")
            return
        container = base.id
        spelled = gast.unparse(shown or item).strip()
        owner = gast.unparse((shown or item).value).strip()
        if not self._is_list(container):
            raise self._unsupported(
                f"{what} through `{spelled}`, an item of `{owner}`, which s2s_ad does not "
                "know here to be a list or dict",
                hint="keep the list or array in a name of its own, update it by that name, "
                f"and build `{owner}` from it afterwards",
            )
        index = self._index(item.slice)
        if index.is_tuple or isinstance(index.items[0], SliceItem):
            raise self._unsupported(
                f"{what} through a slice of `{container}` (`{spelled}`: a new list, not an item)",
                hint="update one item at a time",
            )
        current = self.env[container]
        read = self._atom_of(Prim(operator.getitem, (current, index)))
        message = (
            f"unsupported construct: {what} on `{spelled}`, whose object another slot of "
            f"`{owner}` also is or holds (Python's update would change both)"
        )
        hint = "make each item an object of its own: `[[0.0] * n for _ in range(m)]`, `list(xs)`"
        facts = (self.filename, self.line, message, hint)
        known = (self.kind_of(read) or "").split("/")[0] in ("list", "dict")
        expected = ()
        if expect is not None and not known:
            expected = (
                Const(expect),
                Const(
                    f"unsupported construct: {what} through `{spelled}`, an item on whose "
                    f"path is not a {expect} here, as s2s_ad took it to be (a dict's items' "
                    "kinds are not followed); keep that item in a name of its own and "
                    "update it by that name"
                ),
            )
        checked = Prim(
            runtime.sole_item,
            (read, current, index.items[0], *map(Const, facts), *expected),
            spelled=self._rt("sole_item"),
        )
        temp = self.namer.fresh(_item_name(container, item.slice))
        self._define(temp, checked)
        if expected:
            self.kinds[self.env[temp].name] = expect  # (checked when called)
        roots = self.__dict__.setdefault("item_roots", {})
        roots[temp] = roots.get(container, container)  # (the user's name at the path's root)
        self._edge(self.env[temp].name, read.name, same=True, certain=True)
        written_back = self.__dict__.setdefault("written_back", [])
        written_back.append(current.name)  # (its holders: checked by the assignment back)
        start = len(self.body)
        try:
            update(nodes.name(temp))
        except S2SError as error:  # (messages name the item as the user wrote it)
            error.message = _respelled(error.message, temp, spelled)
            error.hint = _respelled(error.hint, temp, spelled)
            error.args = (error.one_line(),)
            raise
        finally:
            written_back.pop()
        for at in range(start, len(self.body)):  # the run-time checks' messages too
            stmt = self.body[at]
            if isinstance(stmt, Assign) and getattr(stmt.value, "fn", None) is runtime.unshared:
                args = tuple(
                    Const(_respelled(a.value, temp, spelled))
                    if isinstance(a, Const) and isinstance(a.value, str)
                    else a
                    for a in stmt.value.args
                )
                self.body[at] = replace(stmt, value=replace(stmt.value, args=args))
        new = self.env.pop(temp)
        del roots[temp]
        self._set_item(_subscript(nodes.name(container), item.slice), new)

    def _item_in_loop(self, name: str, value: str) -> bool:
        """Whether `name` is an item's own name (`_through_item`) updated in a loop where
        the list, tuple, dict or object `value` may hold its object from an earlier
        iteration (`snaps.append(hist["loss"])`): no loop carries the item's name, so the
        back edge cannot check them (aliasing.py's `_assume_apart`); checked when called."""
        if name not in self.__dict__.get("item_roots", {}) or not self.loop_lines:
            return False
        kind = (self.kind_of(Var(value)) or "").split("/")[0]
        return kind in ("list", "tuple", "dict") or self._holds_objects_made(Var(value))

    def _written_back_into(self, value: str) -> bool:
        """Whether `value` may be the container an update through its item assigns the
        item back into (`_through_item`): the assignment back checks it and its holders."""
        return any(self._possibly_same(value, c) for c in self.__dict__.get("written_back", ()))


def _respelled(text: str, temp: str, spelled: str) -> str:
    """`text` with the item's name `temp` (in backquotes) as the user wrote the item."""
    return text.replace(f"`{temp}`", f"`{spelled}`").replace(f"`{temp} ", f"`{spelled} ")


def _subscript(value: gast.expr, index: gast.expr) -> gast.Subscript:
    return gast.Subscript(value=value, slice=index, ctx=gast.Load())


def _item_name(container: str, index: gast.expr) -> str:
    """A readable name for the item `container[index]`: `hist_loss`, `rows_0`, `rows_item`."""
    key = index.value if isinstance(index, gast.Constant) else None
    if isinstance(key, str) and key.isidentifier():
        return f"{container}_{key}"
    if isinstance(key, int) and not isinstance(key, bool) and key >= 0:
        return f"{container}_{key}"
    return f"{container}_item"
