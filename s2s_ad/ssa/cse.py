"""Common-subexpression elimination on the intermediate form, before differentiation.

Before: `_t2 = x[:-1]` … `_t7 = x[:-1]`. After: `_t2 = x[:-1]` … `_t7 = _t2`: the value is
computed once, and the derivative code then has one adjoint to scatter back into `x`
instead of two. A later primitive is replaced by an earlier identical one only when

- the primitive is pure: NumPy, `math` and operator functions with a rule in s2s_ad's table
  (not a user's own rule or helper function, which may have effects, nor a list display);
- no variable it reads, nor the one holding the first, is assigned between the two (in a
  loop's body: anywhere in the loop, which runs again), so both read the same values; an
  attribute read (`cfg.train`) is read again after any call kept for its effect or without a
  rule of the table, which may set it (a helper's `cfg.train = False`), through that name or
  another (an alias, its class, a module's object), and so is an item read or a length
  (`w[0]`, `len(w)` of `w = W`: a helper's `W[0] = 3.0`); and it reads no global (a helper
  called in between could rebind it); and
- the earlier one comes before it in the same block, or, for a value without a derivative
  (`len(xs)`, `x > 0`, `np.exp(-0.5)`), in an enclosing one: a differentiated value's
  derivative would then be computed where the branch or loop body holding the later one
  does not run. With `if math.sqrt(x) < 1e-3: return 2.0 * x` then `return math.sqrt(x)`,
  one shared square root's adjoint, zero where the branch returns first, would be
  multiplied by its infinite derivative at 0: nan, or a division by zero on Python floats,
  where the plain program never differentiates it (an independent tester's programs).

So `np.sin(y_1) * np.sin(y_1)` in a loop's body computes the sine once, though `y_1`, the
value the loop carries, is assigned before the loop and again at the end of each iteration.
(The simplification passes reuse values across blocks in the generated code, where that
changes no derivative: `simplify/available_values.py`.)

Literals are compared with their types (`x * 1` and `x * 1.0` differ for integer arrays,
`x * 0.0` and `x * -0.0` in the sign of zeros).
"""

from __future__ import annotations

import ast
import operator

from .. import runtime
from ..rules.registry import CATEGORY, lookup
from .ir import (
    ATTRIBUTE,
    LIST,
    Assign,
    Const,
    Effect,
    For,
    Function,
    If,
    Index,
    Prim,
    SliceItem,
    Var,
    While,
    With,
    walk,
)
from .sharing import holds_module_object


def eliminate_common_subexpressions(fn: Function) -> Function:
    """Replace repeated pure primitives in `fn` by copies of the first (in place)."""
    _block(fn.body, _Seen())
    return fn


class _Seen:
    """The pure values at hand: a value's place (`place`) → the variable holding it, with
    the index from each variable to the places it holds or is read by, so an assignment
    forgets them cheaply. One table for the whole walk: a nested block adds to it and
    forgets from it, and `leave` undoes that (copying what a block inherits into a table of
    its own, at every level, grew with the square of a function's length where early
    returns nest the rest of it one level deeper each)."""

    def __init__(self) -> None:
        self.holder: dict[object, str] = {}
        self.reads: dict[object, set[str]] = {}  # a place → the variables its value reads
        self.involving: dict[str, set[object]] = {}
        # a copy made here (`_t7 = _t2`) → the value's holder: keys read the holder's name,
        # so `_t7 * y` after it is `_t2 * y` (two entries of a loop's tape otherwise)
        self.copies: dict[str, str] = {}
        self.copied: dict[str, set[str]] = {}  # a holder → its copies (to forget them)
        # the variables holding a module's object, or an item or attribute of one (`m = M`,
        # `sc = CFG["scale"]`): a helper may change it in place between two reads
        self.modules: set[str] = set()
        self.block = 0  # the number of the block walked (values with a derivative: its own)
        self.blocks = 0  # the blocks entered so far
        self.log: list[tuple] = []  # the changes made, undone by `leave`
        self.attributes: set[object] = set()  # the places of attribute reads (`cfg.scale`)
        self.contents: set[object] = set()  # … and of item reads and lengths (`w[0]`)

    def place(self, key: tuple, names: set[str]) -> object:
        """Where `key`'s value is kept: a value without a derivative (a length, a
        comparison, a call of constants) under its key, at hand in nested blocks too; any
        other under its key and its block's number, at hand in that block only."""
        if not names or CATEGORY.get(key[0]) == "nondifferentiable":
            return key
        return (self.block, key)

    def add(self, place: object, holder: str, names: set[str], value: Prim) -> None:
        self._insert(place, holder, names)
        self.log.append((_ADDED, place))
        if value.style == ATTRIBUTE:
            self.attributes.add(place)
        elif value.fn in _CONTENT_READS:
            self.contents.add(place)

    def forget_attributes(self, contents: bool = True) -> None:
        """Forget every attribute read at hand (and item read and length: `contents`): a
        call may have set it, through any name of the object (an alias, its class, a
        module's object)."""
        read = [*self.attributes, *self.contents] if contents else self.attributes
        for place in [p for p in read if p in self.holder]:
            holder, names = self._remove(place)
            self.log.append((_REMOVED, place, holder, names))

    def forget(self, assigned: set[str] | tuple[str, ...]) -> None:
        for name in assigned:
            for place in self.involving.pop(name, ()):
                holder, names = self._remove(place)
                self.log.append((_REMOVED, place, holder, names))
        if self.copies:
            for name in assigned:
                holder = self.copies.pop(name, None)
                if holder is not None:
                    self.copied[holder].discard(name)
                    self.log.append((_UNCOPIED, name, holder))
                for copy in self.copied.pop(name, ()):
                    del self.copies[copy]
                    self.log.append((_UNCOPIED, copy, name))

    def note_copy(self, copy: str, holder: str) -> None:
        self._copy(copy, holder)
        self.log.append((_COPIED, copy, holder))

    def enter(self, without: set[str]) -> tuple[int, int]:
        """Start a nested block, without what it assigns (a loop's next iteration) nor the
        values with a derivative at hand here; `leave` takes what this returns."""
        mark = (len(self.log), self.block)
        self.blocks += 1
        self.block = self.blocks
        self.forget(without)
        return mark

    def leave(self, mark: tuple[int, int]) -> list[tuple]:
        """Undo what the nested block changed; the values and copies at hand before it that
        it forgot (`drop` forgets them again, after the statement holding it)."""
        start, self.block = mark
        changes = self.log[start:]
        del self.log[start:]
        for change in reversed(changes):
            kind = change[0]
            if kind is _ADDED:
                self._remove(change[1])
            elif kind is _REMOVED:
                self._insert(*change[1:])
            elif kind is _COPIED:
                del self.copies[change[1]]
                self.copied[change[2]].discard(change[1])
            else:
                self._copy(*change[1:])
        first: dict[object, tuple] = {}  # a place or copy → its first change in the block
        for change in changes:
            first.setdefault(change[1], change)
        return [c for c in first.values() if c[0] is _REMOVED or c[0] is _UNCOPIED]

    def drop(self, forgotten: list[tuple]) -> None:
        """Forget the values and copies `leave` said a nested block forgot (each branch
        forgets what it assigns: together, what the statement assigns)."""
        for change in forgotten:
            if change[0] is _REMOVED and change[1] in self.holder:
                self._remove(change[1])
                self.log.append(change)
            elif change[0] is _UNCOPIED and self.copies.get(change[1]) == change[2]:
                del self.copies[change[1]]
                self.copied[change[2]].discard(change[1])
                self.log.append(change)

    def _insert(self, place: object, holder: str, names: set[str]) -> None:
        self.holder[place] = holder
        self.reads[place] = names
        for name in names | {holder}:
            self.involving.setdefault(name, set()).add(place)

    def _remove(self, place: object) -> tuple[str, set[str]]:
        holder, names = self.holder.pop(place), self.reads.pop(place)
        for name in names | {holder}:
            places = self.involving.get(name)
            if places is not None:
                places.discard(place)
        return holder, names

    def _copy(self, copy: str, holder: str) -> None:
        self.copies[copy] = holder
        self.copied.setdefault(holder, set()).add(copy)


# the changes of the log: a value added or removed, a copy noted or forgotten
_ADDED, _REMOVED, _COPIED, _UNCOPIED = "added", "removed", "copied", "uncopied"


def _block(block: list, seen: _Seen) -> None:
    """A value is reused while none of the variables it reads or is held by is assigned
    again, within its block: a branch's or loop's body starts with only the values without a
    derivative at hand (not what a loop assigns), and after it what it assigns is forgotten."""
    for k, stmt in enumerate(block):
        if isinstance(stmt, Assign):
            if holds_module_object(stmt.value, seen.modules):
                seen.modules.add(stmt.target)
            found = _key(stmt.value, seen.copies, seen.modules)
            seen.forget((stmt.target,))
            if found is None:
                if (seen.attributes or seen.contents) and _may_set_attributes(stmt.value):
                    # (`[]`, `{}`: a new list or dict, which changes no other's items)
                    seen.forget_attributes(contents=stmt.value.fn not in _NEW_CONTAINERS)
                continue
            key, names = found
            place = seen.place(key, names)
            holder = seen.holder.get(place)
            if holder is not None:
                block[k] = Assign(stmt.target, Var(holder), stmt.line, shared=True)
                seen.note_copy(stmt.target, holder)
            elif stmt.target not in names:
                seen.add(place, stmt.target, names, stmt.value)
            continue
        if isinstance(stmt, If):  # (what a branch assigns: what it forgot, no walk of it)
            forgotten = _nested(stmt.body, seen, set()) + _nested(stmt.orelse, seen, set())
            seen.drop(forgotten)
            continue
        if isinstance(stmt, Effect) and (seen.attributes or seen.contents):
            # (a call kept for its effect; `print(…)` sets no item of a list)
            seen.forget_attributes(contents=not _prints_only(stmt))
        assigned = {s.target for s in walk([stmt]) if isinstance(s, (Assign, For, With))}
        if isinstance(stmt, (For, While)):
            _nested(stmt.body, seen, assigned)
        seen.forget(assigned)


# reads of what a list or dict holds, which a call may change through another name (`w[0]`,
# `len(w)` of `w = W`, a module's list a helper sets an item of or appends to): forgotten,
# as attribute reads are, after such a call
_CONTENT_READS = frozenset({operator.getitem, runtime.dict_get, len})
_NEW_CONTAINERS = frozenset({runtime.make_list, runtime.make_dict})


def _prints_only(stmt: Effect) -> bool:
    """Whether every call `stmt` makes is `print(…)` (or it makes none: `assert`)."""
    calls = (n for n in ast.walk(stmt.node) if isinstance(n, ast.Call))
    return all(isinstance(c.func, ast.Name) and c.func.id == "print" for c in calls)


def _may_set_attributes(value: object) -> bool:
    """Whether a value's primitive may set an attribute: a call with no rule of NumPy's,
    `math`'s or the operators' (a helper of the user's, a method of an object)."""
    if not isinstance(value, Prim) or value.fn is runtime.unshared:
        return False
    return lookup(value.fn) is None or CATEGORY.get(value.fn) == "user"


def _nested(block: list, seen: _Seen, without: set[str]) -> list[tuple]:
    """Walk a branch's or loop's body; what it forgot of the values at hand before it."""
    mark = seen.enter(without)
    _block(block, seen)
    return seen.leave(mark)


def _key(
    value: object, copies: dict[str, str], modules: frozenset | set = frozenset()
) -> tuple[tuple, set[str]] | None:
    """What identifies the value of a pure primitive and the variables it reads (a copy
    made here by its holder's name, `copies`), or None when it may not be shared."""
    if not isinstance(value, Prim) or value.style == LIST:
        return None
    names: set[str] = set()
    try:
        rule = lookup(value.fn)
        if rule is None or CATEGORY.get(value.fn) == "user":
            return None
        args = tuple(_operand(a, names, copies, modules) for a in value.args)
        kwargs = tuple((k, _operand(a, names, copies, modules)) for k, a in value.kwargs)
        key = (value.fn, args, kwargs)
        hash(key)
    except (TypeError, _Unshared):
        return None
    return key, names


class _Unshared(Exception):
    """An operand whose value may differ between two reads of the same name."""


def _operand(atom: object, names: set[str], copies: dict[str, str], modules) -> object:
    if isinstance(atom, Var):
        if atom.name in modules:
            raise _Unshared  # (a module's object: a helper may change it in place)
        name = copies.get(atom.name, atom.name)
        names.add(name)
        return ("var", name)
    if isinstance(atom, Const):
        return ("const", type(atom.value), repr(atom.value))
    if isinstance(atom, Index):
        return (
            "index",
            atom.is_tuple,
            tuple(_operand(i, names, copies, modules) for i in atom.items),
        )
    if isinstance(atom, SliceItem):
        parts = (atom.lower, atom.upper, atom.step)
        return (
            "slice",
            *(None if p is None else _operand(p, names, copies, modules) for p in parts),
        )
    raise _Unshared  # a global: a helper called in between may rebind it
