"""Common-subexpression elimination on the intermediate form, before differentiation.

Before: `_t2 = x[:-1]` … `_t7 = x[:-1]`. After: `_t2 = x[:-1]` … `_t7 = _t2`: the value is
computed once, and the derivative code then has one adjoint to scatter back into `x`
instead of two. A later primitive is replaced by an earlier identical one only when

- the primitive is pure: NumPy, `math` and operator functions with a rule in s2s_ad's table
  (not a user's own rule or helper function, which may have effects, nor a list display);
- no variable it reads, nor the one holding the first, is assigned between the two (in a
  loop's body: anywhere in the loop, which runs again), so both read the same values, and
  it reads no global (a helper called in between could rebind it); and
- the earlier one dominates it: it comes before it in the same block or an enclosing one
  (a value computed inside a branch or loop body is not reused after it).

So `np.sin(y_1) * np.sin(y_1)` in a loop's body computes the sine once, though `y_1`, the
value the loop carries, is assigned before the loop and again at the end of each iteration.

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

    def copy(self, without: set[str] = frozenset()) -> _Seen:
        inner = _Seen()
        inner.holder = dict(self.holder)
        inner.involving = {name: set(keys) for name, keys in self.involving.items()}
        inner.forget(without)
        return inner

    def add(self, key: tuple, holder: str, names: set[str]) -> None:
        self.holder[key] = holder
        for name in names | {holder}:
            self.involving.setdefault(name, set()).add(key)

    def forget(self, assigned: set[str]) -> None:
        for name in assigned:
            for key in self.involving.pop(name, ()):
                self.holder.pop(key, None)


def _block(block: list, seen: _Seen) -> None:
    """A value is reused while none of the variables it reads or is held by is assigned
    again: a loop's body starts without the values of what the loop assigns (its next
    iteration sees them assigned), and after a branch or loop what it assigns is forgotten."""
    for k, stmt in enumerate(block):
        if isinstance(stmt, Assign):
            found = _key(stmt.value)
            seen.forget({stmt.target})
            if found is None:
                continue
            key, names = found
            if key in seen.holder:
                block[k] = Assign(stmt.target, Var(seen.holder[key]), stmt.line, shared=True)
            elif stmt.target not in names:
                seen.add(key, stmt.target, names)
            continue
        assigned = {s.target for s in walk([stmt]) if isinstance(s, (Assign, For, With))}
        if isinstance(stmt, If):
            _block(stmt.body, seen.copy())
            _block(stmt.orelse, seen.copy())
        elif isinstance(stmt, (For, While)):
            _block(stmt.body, seen.copy(without=assigned))
        seen.forget(assigned)


def _key(value: object) -> tuple[tuple, set[str]] | None:
    """What identifies the value of a pure primitive and the variables it reads, or None
    when it may not be shared."""
    if not isinstance(value, Prim) or value.style == LIST:
        return None
    names: set[str] = set()
    try:
        rule = lookup(value.fn)
        if rule is None or CATEGORY.get(value.fn) == "user":
            return None
        args = tuple(_operand(a, names) for a in value.args)
        kwargs = tuple((k, _operand(a, names)) for k, a in value.kwargs)
        key = (value.fn, args, kwargs)
        hash(key)
    except (TypeError, _Unshared):
        return None
    return key, names


class _Unshared(Exception):
    """An operand whose value may differ between two reads of the same name."""


def _operand(atom: object, names: set[str]) -> object:
    if isinstance(atom, Var):
        names.add(atom.name)
        return ("var", atom.name)
    if isinstance(atom, Const):
        return ("const", type(atom.value), repr(atom.value))
    if isinstance(atom, Index):
        return ("index", atom.is_tuple, tuple(_operand(i, names) for i in atom.items))
    if isinstance(atom, SliceItem):
        parts = (atom.lower, atom.upper, atom.step)
        return ("slice", *(None if p is None else _operand(p, names) for p in parts))
    raise _Unshared  # a global: a helper called in between may rebind it
