"""Text as a value: f-strings and str methods, lowered to calls Python itself makes.

A mixin of the expression lowering. `f"{x:.3f}"` is `format(x, '.3f')` (with `!r`, `!s`,
`!a`: of `repr(x)`, `str(x)`, `ascii(x)`), and the pieces of an f-string are joined by `+`;
a method of a string literal (`'{:.2f}'.format(x)`, `', '.join(names)`) is that method
call. None of them has a derivative: a derivative that would flow through one is refused
(no rule), and text used only for printing or labels is passive.

Before::

    label = f"loss {x:.3f}"

After (SSA)::

    _t1 = format(x, '.3f')
    label = 'loss ' + _t1
"""

from __future__ import annotations

import builtins
import operator

import gast

from .ir import METHOD, Atom, Const, Expr, Prim

# Methods of `str` that neither arrays nor lists have: on a local value, text work.
STRING_ONLY_METHODS = frozenset(
    {
        *("upper", "lower", "casefold", "title", "capitalize", "swapcase", "strip", "lstrip"),
        *("rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "replace"),
        *("format", "join", "zfill", "center", "ljust", "rjust", "isdigit", "isalpha"),
        *("removeprefix", "removesuffix", "partition", "rpartition", "expandtabs", "encode"),
    }
)
_CONVERSIONS = {ord("s"): builtins.str, ord("r"): builtins.repr, ord("a"): builtins.ascii}


class Strings:
    """The mixin: f-strings and methods of string literals as values."""

    def _formatted_string(self, node: gast.JoinedStr) -> Expr:
        pieces: list[Atom] = []
        for value in node.values:
            if isinstance(value, gast.Constant):
                pieces.append(Const(value.value))
                continue
            item = self._atom(value.value)
            convert = _CONVERSIONS.get(value.conversion)
            if convert is not None:
                item = self._atom_of(Prim(convert, (item,), spelled=convert.__name__))
            spec = Const("") if value.format_spec is None else self._atom(value.format_spec)
            pieces.append(self._atom_of(Prim(builtins.format, (item, spec), spelled="format")))
        if not pieces:
            return Const("")
        joined: Expr = pieces[0]
        for piece in pieces[1:]:
            joined = Prim(operator.add, (self._atom_of(joined), piece))
        return joined

    def _string_method(self, node: gast.Call, args: tuple, kwargs: tuple) -> Prim | None:
        """`'…'.format(x)`, `', '.join(names)`: a method of a string literal; `name.upper()`:
        a method only strings have, of a local value; else None."""
        func = node.func
        if not isinstance(func, gast.Attribute):
            return None
        value = func.value
        if isinstance(value, gast.Constant) and isinstance(value.value, str):
            receiver = Const(value.value)
        elif func.attr in STRING_ONLY_METHODS and self._is_local_chain(value):
            receiver = self._atom(value)
        else:
            return None
        method = getattr(str, func.attr, None)
        if method is None:
            return None
        return Prim(method, (receiver, *args), kwargs, spelled=func.attr, style=METHOD)
