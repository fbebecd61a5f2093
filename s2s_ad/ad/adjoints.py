"""Bookkeeping of adjoint names during the reverse transform.

Adjoints are symbolic until something flows: a variable with no adjoint yet has a zero one,
never materialised unless two paths must agree. A first contribution that is a bare name is
not copied (`_t1_bar` is `z_bar` for `z = _t1 + c`); adding to an alias gives the variable a
name of its own. Inside loops, adjoints that live across iterations have a fixed *canonical*
name, which nothing may alias.
"""

from __future__ import annotations

import ast
import re
from ast import Name
from dataclasses import dataclass, field

from ..codegen import build
from ..naming import Aliases, Namer
from ..ssa.ir import Var
from .templates import zeros_like

_NOT_WORD = re.compile(r"\W")  # what a name cannot hold: `#` of `t#0`


def item_key(var: str, item: object) -> str:
    """The adjoint key of one item of a tuple, list or dict value: `t#0`, `p#'w'`."""
    return f"{var}#{item!r}"


def primal(key: str) -> ast.expr:
    """The primal value an adjoint key stands for: `t`, or `t[0]` for the key `t#0`."""
    name, _, item = key.partition("#")
    if not item:
        return build.name(name)
    index = build.constant(_item_of(item))
    return ast.Subscript(value=build.name(name), slice=index, ctx=ast.Load())


def _item_of(text: str) -> object:
    """The item `item_key` wrote as `text`, its `repr`: an index read at once, any other as
    Python reads it (`ast.literal_eval`, whose recursive closures each call leaves for the
    cyclic garbage collector: a helper's tuple result's items are many)."""
    digits = text[1:] if text.startswith("-") else text
    if digits.isascii() and digits.isdigit() and (digits == "0" or digits[0] != "0"):
        return int(text)
    return ast.literal_eval(text)


@dataclass
class State:
    names: dict[str, str] = field(default_factory=dict)
    owned: set[str] = field(default_factory=set)

    def copy(self) -> State:
        return State(dict(self.names), set(self.owned))


class Adjoints:
    def __init__(self, namer: Namer, aliases: Aliases, scalars: frozenset[str]) -> None:
        self.namer = namer
        self.aliases = aliases
        self.scalars = scalars  # names holding Python or NumPy scalars: their zero is 0.0
        self.state = State()
        self.canonical: dict[str, str] = {}

    @property
    def names(self) -> dict[str, str]:
        return self.state.names

    def seed(self, var: str, param: str) -> None:
        self._own(var, param)

    def _own(self, var: str, name: str) -> None:
        """From here on `name`, a name of its own, holds the adjoint of `var`."""
        self.state.names[var] = name
        self.state.owned.add(var)

    def add(self, var: str, value: ast.expr) -> list[ast.stmt]:
        """Statements adding `value` to the adjoint of `var`."""
        names, owned = self.state.names, self.state.owned
        fixed = self.canonical.get(var)
        if var not in names:
            # (a node's type compared: `isinstance` of another `ast` class is a slow check)
            if type(value) is Name and fixed is None and not self._is_canonical(value.id):
                names[var] = value.id
                return []
            name = names[var] = fixed or self.fresh(var)  # (`_own`, written out: no call)
            owned.add(var)
            return [build.assign(name, value)]
        value = build.add(build.name(names[var]), value)
        if var not in owned:
            names[var] = fixed or self.fresh(var)
            owned.add(var)
        return [build.assign(names[var], value)]

    def fresh(self, var: str) -> str:
        """A new adjoint name for `var` (`t#0`, item 0 of the tuple `t`, gets `t_0_bar`)."""
        # (an ASCII name is all word characters: no search; `t#0`, `a·b` are rewritten)
        plain = var.isascii() and var.isidentifier()
        readable = (var if plain else _NOT_WORD.sub("_", var)).rstrip("_")
        return self.namer.fresh(f"{readable}_bar")

    def reset(self, var: str) -> None:
        """`var` was (re)assigned here: before this point its adjoint starts from zero."""
        self.state.names.pop(var, None)
        self.state.owned.discard(var)

    def _is_canonical(self, name: str) -> bool:
        return name in self.canonical.values()

    def _value(self, current: str | None, like: str) -> ast.expr:
        """The adjoint held in `current`, or zeros shaped like the primal `like`."""
        if current:
            return build.name(current)
        return zeros_like(primal(like), self.aliases, self.scalars)

    # loops

    def fix(self, var: str, zero_like: Var) -> list[ast.stmt]:
        """Give `var` a canonical adjoint name for a loop, holding its current adjoint."""
        current = self.state.names.get(var)
        if var in self.canonical:  # fixed by an enclosing loop; it must hold a value here
            if current is not None:
                return []
            name = self.canonical[var]
        elif current is not None and var in self.state.owned and not self._aliased(var):
            self.canonical[var] = current
            return []
        else:
            name = self.canonical[var] = self.fresh(var)
        self._own(var, name)
        return [build.assign(name, self._value(current, zero_like.name))]

    def _aliased(self, var: str) -> bool:
        mine = self.state.names[var]
        return any(n == mine for v, n in self.state.names.items() if v != var)

    def settle(self, variables: list[str]) -> list[ast.stmt]:
        """At the end of a reverse loop body: each canonical adjoint back in its own name."""
        code = []
        for var in variables:
            name = self.canonical[var]
            current = self.state.names.get(var)
            if current != name:
                code.append(build.assign(name, self._value(current, var)))
            self._own(var, name)
        return code

    def release(self, variables: list[str]) -> None:
        for var in variables:
            self.canonical.pop(var, None)

    # branches

    def merge(
        self, before: State, then: State, otherwise: State
    ) -> tuple[list[ast.stmt], list[ast.stmt]]:
        """Make both branches end with the same adjoint names; the copies each branch needs."""
        then_code: list[ast.stmt] = []
        else_code: list[ast.stmt] = []
        merged = then.copy()
        for var in sorted(set(then.names) | set(otherwise.names)):
            a, b = then.names.get(var), otherwise.names.get(var)
            if a == b:
                continue
            target = self.canonical.get(var)
            if target is None:
                target = self._new_in(a, var, then, before) or self._new_in(
                    b, var, otherwise, before
                )
            target = target or self.fresh(var)
            for name, code in ((a, then_code), (b, else_code)):
                if name != target:
                    code.append(build.assign(target, self._value(name, var)))
            merged.names[var] = target
            merged.owned.add(var)
        self.state = merged
        return then_code, else_code

    @staticmethod
    def _new_in(name: str | None, var: str, branch: State, before: State) -> str | None:
        """`name` if the branch made it for `var` (so no other path refers to it)."""
        if name and var in branch.owned and name not in before.names.values():
            return name
        return None
