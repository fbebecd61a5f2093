"""The intermediate form: three-address statements over atoms, each name assigned once.

An atom is a local SSA variable (`Var`), a literal (`Const`) or a free name read live from
the function's globals or closure (`Free`, e.g. `np.pi`, `SCALE`). A `Prim` applies one
primitive (an operator or a resolved function object) to atoms.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Var:
    """A local SSA variable."""

    name: str


@dataclass(frozen=True)
class Const:
    """A literal: number, string, bool, None, or a tuple of those."""

    value: object


@dataclass(frozen=True)
class Free:
    """A name or attribute chain that is not local, spelled as the user wrote it; never active."""

    source: str
    value: object = field(compare=False, repr=False, default=None)


Atom = Var | Const | Free


@dataclass(frozen=True)
class Prim:
    """One primitive applied to atoms: `fn(*args, **kwargs)`.

    `fn` is the resolved object (`operator.mul` for `*`, `numpy.sin`, `math.exp`, …);
    `spelled` is how the user wrote the callee, kept so the output reads like the input.
    """

    fn: object
    args: tuple[Atom, ...]
    kwargs: tuple[tuple[str, Atom], ...] = ()
    spelled: str | None = None


Expr = Prim | Var | Const | Free


@dataclass(frozen=True)
class Assign:
    """`target = value`: the only way a name gets a value; each target is new."""

    target: str
    value: Expr
    line: int


@dataclass(frozen=True)
class Return:
    """The function's result: one atom, or a tuple of atoms when `is_tuple`."""

    values: tuple[Atom, ...]
    is_tuple: bool
    line: int


Stmt = Assign | Return


@dataclass
class Function:
    """A function in SSA form."""

    name: str
    params: list[str]
    body: list[Stmt]
    filename: str
    first_line: int
    taken_names: set[str] = field(default_factory=set)
    # (parameter, line) of each `x += e` that updates an argument's object in place
    inplace_arguments: list[tuple[str, int]] = field(default_factory=list)

    @property
    def result(self) -> Return:
        last = self.body[-1]
        assert isinstance(last, Return)
        return last

    def assigns(self) -> list[Assign]:
        return [s for s in self.body if isinstance(s, Assign)]


# Python's operators as primitives: the emitter writes them infix, the rules key on them.
BINARY_OPERATORS: dict[object, str] = {
    operator.add: "+",
    operator.sub: "-",
    operator.mul: "*",
    operator.truediv: "/",
    operator.floordiv: "//",
    operator.mod: "%",
    operator.pow: "**",
    operator.matmul: "@",
}
UNARY_OPERATORS: dict[object, str] = {operator.neg: "-", operator.pos: "+", operator.not_: "not "}


def operands(expr: Expr) -> tuple[Atom, ...]:
    """Every atom an expression reads: positional arguments, then keyword values."""
    if isinstance(expr, Prim):
        return expr.args + tuple(v for _, v in expr.kwargs)
    return (expr,)


def used_vars(expr: Expr) -> list[str]:
    return [a.name for a in operands(expr) if isinstance(a, Var)]
