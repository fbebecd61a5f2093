"""Common-subexpression elimination on the intermediate form, before differentiation.

Before: `_t2 = x[:-1]` … `_t7 = x[:-1]`. After: `_t2 = x[:-1]` … `_t7 = _t2`: the value is
computed once, and the derivative code then has one adjoint to scatter back into `x`
instead of two. A later primitive is replaced by an earlier identical one only when

- the primitive is pure: NumPy, `math` and operator functions with a rule in s2s_ad's table
  (not a user's own rule or helper function, which may have effects, nor a list display);
- every variable it reads is assigned exactly once, so both read the same values, and it
  reads no global (a helper called in between could rebind it); and
- the earlier one dominates it: it comes before it in the same block or an enclosing one
  (a value computed inside a branch or loop body is not reused after it).

Literals are compared with their types (`x * 1` and `x * 1.0` differ for integer arrays,
`x * 0.0` and `x * -0.0` in the sign of zeros).
"""

from __future__ import annotations

from collections import Counter

from ..rules.registry import CATEGORY, lookup
from .ir import LIST, Assign, Const, For, Function, If, Index, Prim, SliceItem, Var, While, walk


def eliminate_common_subexpressions(fn: Function) -> Function:
    """Replace repeated pure primitives in `fn` by copies of the first (in place)."""
    counts = Counter(fn.params)
    counts.update(s.target for s in walk(fn.body) if isinstance(s, (Assign, For)))
    once = {name for name, n in counts.items() if n == 1}
    _block(fn.body, {}, once)
    return fn


def _block(block: list, seen: dict, once: set[str]) -> None:
    for k, stmt in enumerate(block):
        if isinstance(stmt, Assign):
            key = _key(stmt.value, once)
            if key is None:
                continue
            if key in seen:
                block[k] = Assign(stmt.target, Var(seen[key]), stmt.line)
            elif stmt.target in once:
                seen[key] = stmt.target
        elif isinstance(stmt, If):
            _block(stmt.body, dict(seen), once)
            _block(stmt.orelse, dict(seen), once)
        elif isinstance(stmt, (For, While)):
            _block(stmt.body, dict(seen), once)


def _key(value: object, once: set[str]) -> tuple | None:
    """What identifies the value of a pure primitive, or None when it may not be shared."""
    if not isinstance(value, Prim) or value.style == LIST:
        return None
    try:
        rule = lookup(value.fn)
        if rule is None or CATEGORY.get(value.fn) == "user":
            return None
        args = tuple(_operand(a, once) for a in value.args)
        kwargs = tuple((k, _operand(a, once)) for k, a in value.kwargs)
        key = (value.fn, args, kwargs)
        hash(key)
    except (TypeError, _Unshared):
        return None
    return key


class _Unshared(Exception):
    """An operand whose value may differ between two reads of the same name."""


def _operand(atom: object, once: set[str]) -> object:
    if isinstance(atom, Var):
        if atom.name not in once:
            raise _Unshared
        return ("var", atom.name)
    if isinstance(atom, Const):
        return ("const", type(atom.value), repr(atom.value))
    if isinstance(atom, Index):
        return ("index", atom.is_tuple, tuple(_operand(i, once) for i in atom.items))
    if isinstance(atom, SliceItem):
        parts = (atom.lower, atom.upper, atom.step)
        return ("slice", *(None if p is None else _operand(p, once) for p in parts))
    raise _Unshared  # a global: a helper called in between may rebind it
