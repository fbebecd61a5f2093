"""Common-subexpression elimination on the intermediate form, before differentiation.

Before: `_t2 = x[:-1]` … `_t7 = x[:-1]`. After: `_t2 = x[:-1]` … `_t7 = _t2`: the value is
computed once, and the derivative code then has one adjoint to scatter back into `x`
instead of two. A later primitive is replaced by an earlier identical one only when

- the primitive is pure: NumPy, `math` and operator functions with a rule in s2s_ad's table
  (not a user's own rule or helper function, which may have effects, nor a list display);
- no variable it reads, nor the one holding the first, is assigned between the two (in a
  loop's body: anywhere in the loop, which runs again), so both read the same values, and
  it reads no global (a helper called in between could rebind it); and
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

from ..rules.registry import CATEGORY, lookup
from .ir import (
    LIST,
    Assign,
    Const,
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


def eliminate_common_subexpressions(fn: Function) -> Function:
    """Replace repeated pure primitives in `fn` by copies of the first (in place)."""
    _block(fn.body, _Seen())
    return fn


class _Seen:
    """The pure values at hand: key → the variable holding it, with the index from each
    variable to the keys it holds or is read by, so an assignment forgets them cheaply."""

    def __init__(self) -> None:
        self.holder: dict[tuple, str] = {}
        self.involving: dict[str, set[tuple]] = {}
        self.passive: dict[tuple, set[str]] = {}  # values without a derivative: what they read
        # a copy made here (`_t7 = _t2`) → the value's holder: keys read the holder's name,
        # so `_t7 * y` after it is `_t2 * y` (two entries of a loop's tape otherwise)
        self.copies: dict[str, str] = {}
        self.copied: dict[str, set[str]] = {}  # a holder → its copies (to forget them)

    def inner(self, without: set[str]) -> _Seen:
        """What a nested block starts with: the values without a derivative (a length, a
        comparison, a call of constants), none of `without` (what the block assigns: a
        loop's next iteration)."""
        inner = _Seen()
        for key, names in self.passive.items():
            if key in self.holder:
                inner.add(key, self.holder[key], names)
        for copy, holder in self.copies.items():
            inner.note_copy(copy, holder)
        inner.forget(without)
        return inner

    def add(self, key: tuple, holder: str, names: set[str]) -> None:
        if not names or CATEGORY.get(key[0]) == "nondifferentiable":
            self.passive[key] = names
        self.holder[key] = holder
        for name in names | {holder}:
            self.involving.setdefault(name, set()).add(key)

    def forget(self, assigned: set[str]) -> None:
        for name in assigned:
            for key in self.involving.pop(name, ()):
                self.holder.pop(key, None)
                self.passive.pop(key, None)
        if self.copies:
            for name in assigned:
                holder = self.copies.pop(name, None)
                if holder is not None:
                    self.copied[holder].discard(name)
                for copy in self.copied.pop(name, ()):
                    del self.copies[copy]

    def note_copy(self, copy: str, holder: str) -> None:
        self.copies[copy] = holder
        self.copied.setdefault(holder, set()).add(copy)


def _block(block: list, seen: _Seen) -> None:
    """A value is reused while none of the variables it reads or is held by is assigned
    again, within its block: a branch's or loop's body starts with only the values without a
    derivative at hand (not what a loop assigns), and after it what it assigns is forgotten."""
    for k, stmt in enumerate(block):
        if isinstance(stmt, Assign):
            found = _key(stmt.value, seen.copies)
            seen.forget({stmt.target})
            if found is None:
                continue
            key, names = found
            if key in seen.holder:
                block[k] = Assign(stmt.target, Var(seen.holder[key]), stmt.line, shared=True)
                seen.note_copy(stmt.target, seen.holder[key])
            elif stmt.target not in names:
                seen.add(key, stmt.target, names)
            continue
        assigned = {s.target for s in walk([stmt]) if isinstance(s, (Assign, For, With))}
        if isinstance(stmt, If):
            _block(stmt.body, seen.inner(set()))
            _block(stmt.orelse, seen.inner(set()))
        elif isinstance(stmt, (For, While)):
            _block(stmt.body, seen.inner(assigned))
        seen.forget(assigned)


def _key(value: object, copies: dict[str, str]) -> tuple[tuple, set[str]] | None:
    """What identifies the value of a pure primitive and the variables it reads (a copy
    made here by its holder's name, `copies`), or None when it may not be shared."""
    if not isinstance(value, Prim) or value.style == LIST:
        return None
    names: set[str] = set()
    try:
        rule = lookup(value.fn)
        if rule is None or CATEGORY.get(value.fn) == "user":
            return None
        args = tuple(_operand(a, names, copies) for a in value.args)
        kwargs = tuple((k, _operand(a, names, copies)) for k, a in value.kwargs)
        key = (value.fn, args, kwargs)
        hash(key)
    except (TypeError, _Unshared):
        return None
    return key, names


class _Unshared(Exception):
    """An operand whose value may differ between two reads of the same name."""


def _operand(atom: object, names: set[str], copies: dict[str, str]) -> object:
    if isinstance(atom, Var):
        name = copies.get(atom.name, atom.name)
        names.add(name)
        return ("var", name)
    if isinstance(atom, Const):
        return ("const", type(atom.value), repr(atom.value))
    if isinstance(atom, Index):
        return ("index", atom.is_tuple, tuple(_operand(i, names, copies) for i in atom.items))
    if isinstance(atom, SliceItem):
        parts = (atom.lower, atom.upper, atom.step)
        return ("slice", *(None if p is None else _operand(p, names, copies) for p in parts))
    raise _Unshared  # a global: a helper called in between may rebind it
