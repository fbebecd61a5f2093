"""Loops that update an array in place through one name and read it through another.

The lowering models values: an element update `v[0] = e` gives `v` a new SSA version, and
`ssa/aliasing.py` rebinds every other name of the same object (`w` after `v = w`) to that
version too. A loop carries only the names it assigns, so a name the loop never assigns
(`w`) kept the value it had before the loop in every iteration: later iterations read the
array as never updated, a silently wrong value and derivative. This pass, a mixin of the
lowering, makes a loop carry every name that may share memory with a name the loop updates
in place, and tells the alias analysis what the loop's header versions share.

Before (the loop carries `s` and `v`; `w` reads the value before the loop)::

    w = x * 1.0
    v = w
    for _ in range(2):
        s = s + w[0]
        v[0] = v[0] * 2.0

After (SSA: `w` is carried too; its header `w_1` is the very object `v_1` is, so the update
rebinds it and the next iteration reads the updated array)::

    v_1 = v
    w_1 = w
    for _ in range(2):
        _t1 = w_1[0]
        ...
        v_2 = rt.setitem(v_1, _t3, 0)
        s_1 = s_2
        v_1 = v_2
        w_1 = v_2

The headers are assumed to share only when the body rebinds neither name whole (no `v = …`,
`v += …`); at the end of the body they must still share as assumed (`w` and `v` rebound to
the same version), else the loop is refused, naming both names. Names that perhaps share (a
join, an item of a list, a name the body rebinds: `v[0] = …; v = x * 3.0`) keep the run-time
check `rt.unshared` of `ssa/aliasing.py`, which refuses the update when they do share.
"""

from __future__ import annotations

import gast
from gast import Assign, AugAssign, Call, Expr, Name, Store, Subscript  # (the walk: no lookups)

from ..frontend.nodes import descendants
from ..frontend.validate import is_append, is_list_update_call, item_receiver, subscript_root
from ..naming import is_generated_tape
from .ir import Var
from .sharing import targets


def updated_in_place(every: list[gast.AST], *, augmented: bool = True) -> set[str]:
    """Names the statements whose nodes are `every` (a loop body's `_body_nodes`,
    ssa/aliasing.py) update in place: `a[i] = v`, `a[i] += v`, `xs.append(v)`, `xs.pop()`,
    …, and (`augmented`) `a += v`: an array's in-place update, or a float's rebinding, which
    the lowering checks at run time (`rt.unshared`)."""
    names: set[str] = set()
    for node in every:
        if isinstance(node, Subscript) and isinstance(node.ctx, Store):
            base = node.value
            while isinstance(base, Subscript):  # a[i][j] = v updates a's item
                base = base.value
            if isinstance(base, Name):
                names.add(base.id)
        elif augmented and isinstance(node, AugAssign) and isinstance(node.target, Name):
            names.add(node.target.id)
        elif isinstance(node, Expr) and is_append(node):
            names.add(node.value.func.value.id)
        elif isinstance(node, (Expr, Assign)) and item_receiver(node) is not None:
            names.add(subscript_root(item_receiver(node)))  # `c[k].append(v)` updates `c`
        elif isinstance(node, Call) and is_list_update_call(node):
            names.add(node.func.value.id)
    return names


class LoopSharing:
    """The mixin: `_sharing_updates` before a loop's headers are made, `_note_sharing_headers`
    after, `_check_sharing_headers` at the end of its body."""

    def _sharing_updates(self, every: list[gast.AST]) -> set[str]:
        """Names bound before the loop that may share memory with a name the body updates
        in place (directly, or through a name the body binds to one: `v = w`, `v = g(w)`):
        the loop must carry them when it reads them, as it does the names it assigns.
        (`every`: the body's `_body_nodes`, ssa/aliasing.py.)"""
        updated = updated_in_place(every)
        # the tapes of s2s_ad's own derivative code hold copies of values, never aliases
        updated = {n for n in updated if not is_generated_tape(self.filename, n)}
        if not updated:
            return set()
        reached = self._names_feeding(every, updated)
        values = {self.env[n].name for n in reached if isinstance(self.env.get(n), Var)}
        related = self._related_to_any(values)  # (one walk, not one per name bound)
        shared = {
            name
            for name, bound in self.env.items()
            if name not in reached and isinstance(bound, Var) and bound.name in related
        }
        shared |= {n for n in reached if n in self.env and n not in updated}
        # an inner loop may carry only what every enclosing loop carries (or binds): else
        # its exit copy is a version bound only if the outer body runs, which an outer loop
        # run zero times leaves unbound after it; such a name keeps the alias analysis's
        # check instead (`rt.unshared` at run time, or a refusal naming both names)
        return {n for n in shared if self._carried_around(n)}

    def _carried_around(self, name: str) -> bool:
        """Whether every enclosing loop carries `name`, or its value was bound inside that
        loop (a static tuple: whether every enclosing loop carries it)."""
        if isinstance(self.env[name], Var):
            return self._can_rebind(name)
        return all(name in carried for carried in self.carried_by_loops)

    def _names_feeding(self, every: list[gast.AST], updated: set[str]) -> set[str]:
        """`updated` and every name the body's assignments to them (transitively) read:
        what the updated object may be (`v = w` in the loop: `w`). (`every`: the body's
        `_body_nodes`.)"""
        reached = set(updated)
        stores = [s for s in every if isinstance(s, (gast.Assign, gast.For))]
        changed = True
        while changed:
            changed = False
            for stmt in stores:
                bound = {  # names bound whole: `a[i] = w` copies into `a`
                    n.id
                    for t in targets(stmt)
                    for n in descendants(t)
                    if isinstance(n, Name) and isinstance(n.ctx, gast.Store)
                }
                if not bound & reached:
                    continue
                value = stmt.value if isinstance(stmt, gast.Assign) else stmt.iter
                if isinstance(stmt, gast.Assign) and not self._may_alias(value, set()):
                    continue  # a new value (`v = w * 2.0`): not the object `w` is
                read = {
                    n.id
                    for n in descendants(value)
                    if isinstance(n, Name) and isinstance(n.ctx, gast.Load)
                }
                if not read <= reached:
                    reached |= read
                    changed = True
        return reached

    def _note_sharing_headers(
        self,
        carried: dict[str, str],
        before: dict[str, object],
        every: list[gast.AST],
        only: set[str],
    ) -> None:
        """The header versions of two carried names whose values before the loop are the
        same object (or one a view of the other), one of them updated in place by the body
        and neither rebound whole by it, share as those values do: a certain edge between
        the headers (the merge with the back edge alone would say only "perhaps", and an
        update would be checked at run time by `rt.unshared`, which refuses it). (`every`:
        the body's `_body_nodes`.)"""
        updated = updated_in_place(every, augmented=False)
        # `v = …`, `v += …`, `for v in …`: perhaps another object next time (the names the
        # body's statements assign: `sharing.assigned_names`)
        rebound = {n.id for n in every if isinstance(n, Name) and isinstance(n.ctx, gast.Store)}
        pairs: list[tuple[str, str, str]] = []
        names = sorted(n for n in carried if isinstance(before.get(n), Var) and n not in rebound)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                if a not in updated and b not in updated:
                    continue
                pre_a, pre_b = before[a].name, before[b].name
                relation = self._relation(pre_a, pre_b)
                if relation not in ("same", "view"):
                    continue
                child, parent = (a, b) if pre_b in self._ancestors(pre_a) else (b, a)
                self._edge(carried[child], carried[parent], same=relation == "same", certain=True)
                pairs.append((child, parent, relation))
        self.sharing_headers.append(pairs)
        self.sharing_only.append(only & set(carried))

    def _check_sharing_headers(self, carried: dict[str, str], line: int) -> None:
        """At the end of the body: the values carried into the next iteration must share as
        the headers were assumed to; else refuse, naming both names."""
        for child, parent, relation in self.sharing_headers[-1]:
            a, b = self.env[child], self.env[parent]
            if a == Var(carried[child]) and b == Var(carried[parent]):
                continue  # neither changed in the body
            both = isinstance(a, Var) and isinstance(b, Var)
            if both and (a == b or self._relation(a.name, b.name) == relation):
                continue
            shares = "the same array as" if relation == "same" else "a view of"
            raise self._unsupported(
                f"a loop (line {line}) that updates `{child}` or `{parent}` in place, where "
                f"`{child}` is {shares} `{parent}` when the loop starts but an iteration "
                "rebinds one of them to another value: later iterations would update one "
                "without the other",
                hint=f"make `{child}` a copy before the loop (`{child} = {parent}.copy()`), "
                "or rebind both names",
            )

    def _note_joined_sharing(self, joins: dict[str, tuple[str, list]]) -> None:
        """After an `if`: two names that are the very same object on every branch (`v = w`
        before, both rebound to an inner loop's exit copies on one branch) are after the
        join too, a certain edge (the joins alone say "perhaps", and the loop around the
        `if` would refuse the update as rebinding one of them)."""
        copies = {  # on each branch, the values certainly the same object as the name's
            name: [self._certain_copies(value.name) for value in values]
            for name, (_, values) in joins.items()
            if all(isinstance(value, Var) for value in values)
        }
        names = sorted(copies)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                branches = zip(joins[a][1], joins[b][1], copies[a], copies[b], strict=True)
                if all(x.name in up_y or y.name in up_x for x, y, up_x, up_y in branches):
                    self._edge(joins[a][0], joins[b][0], same=True, certain=True)

    def _certain_copies(self, name: str) -> set[str]:
        """`name` and the values it certainly is the very same object as (`v = w`)."""
        seen, pending = {name}, [name]
        while pending:
            for parent, same, certain in self.made_from.get(pending.pop(), ()):
                if same and certain and parent not in seen:
                    seen.add(parent)
                    pending.append(parent)
        return seen

    def _drop_unchanged_sharing(self, carried: dict[str, str]) -> None:
        """At the end of the body: a name carried only because it may share memory with an
        updated one, which no iteration rebound, is the same value in every iteration: not
        carried after all (a header without a back edge, which the adjoint of a loop with
        nothing else to differentiate would leave without an adjoint)."""
        for name in sorted(self.sharing_only[-1]):
            if self.env[name] == Var(carried[name]):
                del carried[name]

    def _leave_sharing_headers(self) -> None:
        self.sharing_exits = self.sharing_headers.pop()
        self.sharing_only.pop()

    def _note_sharing_exits(self) -> None:
        """After the loop, the exit copies of two headers that share, taken together, share
        as the headers do (`v = w` before an inner loop: still one object after it)."""
        for child, parent, relation in self.sharing_exits:
            a, b = self.env.get(child), self.env.get(parent)
            if isinstance(a, Var) and isinstance(b, Var) and a != b:
                self._edge(a.name, b.name, same=relation == "same", certain=True)
        self.sharing_exits = []
