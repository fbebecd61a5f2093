"""The intermediate form: three-address statements over atoms, each name assigned once.

An atom is a local SSA variable (`Var`), a literal (`Const`) or a free name read live from
the function's globals or closure (`Free`, e.g. `np.pi`, `SCALE`). A `Prim` applies one
primitive (an operator or a resolved function object) to atoms.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

from ..naming import DEFAULT_ALIASES, Aliases


class found_once:
    """`functools.cached_property` without its lock (Python 3.11's takes and releases one at
    the first read of every instance's value): the value is kept in the instance's
    `__dict__`, which later reads find first."""

    def __init__(self, find) -> None:
        self.find = find
        self.name = find.__name__
        self.__doc__ = find.__doc__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.find(instance)
        return value


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
class SliceItem:
    """`lower:upper:step` inside an index; each part an atom or absent."""

    lower: Atom | None
    upper: Atom | None
    step: Atom | None

    def atoms(self) -> tuple[Atom, ...]:
        return tuple(a for a in (self.lower, self.upper, self.step) if a is not None)


@dataclass(frozen=True)
class Index:
    """The index of `x[...]`: atoms and slices, one per axis when `is_tuple`."""

    items: tuple[Atom | SliceItem, ...]
    is_tuple: bool

    def atoms(self) -> tuple[Atom, ...]:
        found: list[Atom] = []
        for item in self.items:
            found.extend(item.atoms() if isinstance(item, SliceItem) else (item,))
        return tuple(found)


Operand = Atom | Index

# How a primitive is written in source: `f(x)`, `x.f(y)`, `x.T`, `[a, b]`, or an operator.
CALL, METHOD, ATTRIBUTE, LIST = "call", "method", "attribute", "list"


@dataclass(frozen=True)
class Prim:
    """One primitive applied to atoms: `fn(*args, **kwargs)`.

    `fn` is the resolved object (`operator.mul` for `*`, `numpy.sin`, `math.exp`, …);
    `spelled` is how the user wrote the callee (`np.sin`, or the method or attribute name
    when `style` is METHOD or ATTRIBUTE), kept so the output reads like the input.
    """

    fn: object
    args: tuple[Operand, ...]
    kwargs: tuple[tuple[str, Atom], ...] = ()
    spelled: str | None = None
    style: str = CALL

    @found_once
    def variables(self) -> tuple[str, ...]:
        """The names of the variables it reads, found once (a `Prim` never changes): every
        analysis of the derivative asks them of every statement."""
        return tuple(a.name for a in operands(self) if isinstance(a, Var))


Expr = Prim | Var | Const | Free


@dataclass(frozen=True)
class Assign:
    """`target = value`: the only way a name gets a value; each target is new."""

    target: str
    value: Expr
    line: int
    # a copy common-subexpression elimination made of an earlier identical value (ssa/cse.py)
    shared: bool = False


@dataclass(frozen=True)
class Return:
    """The function's result: one atom, or a tuple of atoms when `is_tuple`."""

    values: tuple[Atom, ...]
    is_tuple: bool
    line: int


@dataclass(frozen=True)
class If:
    """`if test: body else: orelse`; each branch ends with the copies that join its versions."""

    test: Atom
    body: list
    orelse: list
    line: int


@dataclass(frozen=True)
class For:
    """`for target in iterable: body`.

    `carried` are the loop's header variables: each is assigned before the loop and again
    by a copy at the end of the body (the copies stand in for phi nodes). `checkpoint`: None,
    or the loop is marked `s2s_ad.checkpoint(…, every)` and this is `every` (Const(None): √n).
    """

    target: str
    iterable: Prim | Atom
    body: list
    carried: tuple[str, ...]
    line: int
    checkpoint: Atom | None = None


@dataclass(frozen=True)
class While:
    """`while test: body`; `test` is a carried variable recomputed at the end of the body."""

    test: str
    body: list
    carried: tuple[str, ...]
    line: int


@dataclass(frozen=True, eq=False)
class Effect:
    """A statement kept for its effect, copied as the user wrote it (`print(x_1)`,
    `assert n_1 > 0, 'empty'`, `raise ValueError(…)`, a passive `try`): `node` is its Python
    tree with local names renamed to their SSA versions (`ssa/effects.py`); `reads` the
    variables it reads. It assigns nothing, carries no derivative, and runs once, where it
    stands, in the primal or forward sweep only."""

    node: object  # an `ast.stmt`; generated code gets a copy (`render.py`)
    reads: tuple[str, ...]
    line: int
    # (a helper called, a statement of it storing a value made from what it is given, the
    # paths of the module objects and the variables of the objects it stores it in, the
    # variables the value is made from: ssa/stored_values.py)
    stores: tuple[tuple[str, str, frozenset, frozenset, frozenset], ...] = ()


@dataclass(frozen=True, eq=False)
class With:
    """`with context: body`, the body lowered like any block (`ssa/context_managers.py`);
    `context` is the evaluated context manager. Forward mode runs the body and its tangents
    inside; reverse mode runs the forward sweep of the body inside, and its adjoint inside
    an `np.errstate` of the same settings again, outside other ones (`rt.reentered`)."""

    context: Atom
    body: list
    line: int
    target: str | None = None  # `as name`: the SSA variable entering binds


Stmt = Assign | Return | If | For | While | Effect | With


@dataclass
class Function:
    """A function in SSA form."""

    name: str
    params: list[str]
    body: list[Stmt]
    filename: str
    first_line: int
    taken_names: set[str] = field(default_factory=set)
    last_line: int | None = None  # (of the `def`: statements beyond come from inlined helpers)
    inlined_from: tuple[tuple[int, int, str], ...] = ()  # helpers' (first, last line, name)
    state_reads: frozenset[str] = frozenset()  # the module state read where it stands
    aliases: Aliases = DEFAULT_ALIASES  # how generated code names the modules
    # (parameter, line) of each `x += e` that updates an argument's object in place
    inplace_arguments: list[tuple[str, int]] = field(default_factory=list)
    # element updates, appends, updates through views of parameters (recorded, not refused)
    argument_updates: list[tuple[str, int]] = field(default_factory=list)
    # variable → shape, where it follows from the argument shapes the derivative is
    # specialised to (`ad/shapes.py`); empty for a derivative for every shape
    shapes: dict[str, tuple] = field(default_factory=dict)
    # variable → dtype fact (`ad/dtypes.py`), likewise, in code specialised to argument dtypes
    dtypes: dict[str, tuple] = field(default_factory=dict)
    # the float dtypes the structured arguments hold, in code made for them (ad/seed_dtype.py)
    held: frozenset = frozenset()
    # variable → shape that holds in every call of the derivative: `shapes` in specialised
    # code, else 0-d scalars and `Like(name)`: another value's shape (`ad/known_shapes.py`)
    known_shapes: dict[str, object] = field(default_factory=dict)
    # the variables known to be numbers or arrays, never lists, tuples or strings (the same)
    numbers: frozenset[str] = frozenset()
    # "list" or "tuple" when the result is known to be one (`+` of two calls then joins)
    result_kind: str | None = None
    # the kinds of the result's items at literal positions, keys or attributes (a tuple
    # `return xs, W`, a dict display): ssa/entry_kinds.py's entries, None where not known
    result_entries: dict | None = None
    # whether the result is (or a tuple result holds) an object this function made, or a
    # list of them (ssa/records.py): a caller inlines it to follow the object's class
    result_objects: bool = False
    # (the global, whether the result may be its very object) for each module global or
    # closure variable the result may be or share memory with (ssa/aliasing.py): a caller
    # updating the result in place would update it
    result_globals: tuple[tuple[str, bool], ...] = ()
    # whether the result may be or hold a view of a dict (`d.values()`; ssa/aliasing.py),
    # which sees the dict's later changes: a caller inlines it to follow the view
    result_views: bool = False
    # whether the result may be an argument's very object (`return d`; ssa/aliasing.py): a
    # caller giving it a list or dict inlines it, so an update through the result is seen
    result_arguments: bool = False
    # whether the result may be an item or attribute of an argument, or of one of its items
    # (`return d.get("k")`, `return s.buf`; ssa/aliasing.py): a caller giving it a module's
    # container or object refuses an update through the result
    result_items: bool = False
    # parameter → the structure of its argument (`pytrees.TreeDef`), where the derivative
    # is made for one: its static leaves carry no derivative (ad/integers.py)
    structures: dict = field(default_factory=dict)
    # the paths of literal keys of the result's items whose derivatives the calling code
    # reads (a helper's `a, _ = helper(x)`: {(0,)}), None for all; the positions of a tuple
    # result it never reads (`dead_outputs`) are not seeded, so their derivatives, which may
    # be infinite where the read ones are finite (`math.sqrt` at 0), are never formed
    # (read_items.py)
    reads: frozenset | None = None
    dead_outputs: frozenset[int] = frozenset()

    @property
    def result(self) -> Return:
        last = self.body[-1]
        assert isinstance(last, Return)
        return last

    def assigns(self) -> list[Assign]:
        """Every assignment, at any depth, in program order."""
        return [s for s in walk(self.body) if isinstance(s, Assign)]


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
    operator.and_: "&",
    operator.or_: "|",
    operator.xor: "^",
}
UNARY_OPERATORS: dict[object, str] = {
    operator.neg: "-",
    operator.pos: "+",
    operator.not_: "not ",
    operator.invert: "~",
}
COMPARE_OPERATORS: dict[object, str] = {
    operator.lt: "<",
    operator.le: "<=",
    operator.gt: ">",
    operator.ge: ">=",
    operator.eq: "==",
    operator.ne: "!=",
    operator.is_: "is",
    operator.is_not: "is not",
}


def walk(block: list) -> list:
    """Every statement of `block` and of the blocks nested in it, in program order."""
    found: list = []
    _walk_into(block, found)
    return found


def _walk_into(block: list, found: list) -> None:
    """Append to `found` what `walk(block)` gives (one list, not one per block)."""
    for stmt in block:
        found.append(stmt)
        kind = type(stmt)
        if kind is If:
            _walk_into(stmt.body, found)
            _walk_into(stmt.orelse, found)
        elif kind is For or kind is While or kind is With:
            _walk_into(stmt.body, found)


def operands(expr: Expr) -> tuple[Atom, ...]:
    """Every atom an expression reads: positional arguments (inside indices too), keywords."""
    if isinstance(expr, Prim):
        atoms: list[Atom] = []
        for arg in expr.args:
            atoms.extend(arg.atoms() if isinstance(arg, Index) else (arg,))
        return (*atoms, *(v for _, v in expr.kwargs))
    return (expr,)


def used_vars(expr: Expr) -> tuple[str, ...]:
    """The names of the variables an expression reads."""
    if isinstance(expr, Prim):
        return expr.variables
    return (expr.name,) if isinstance(expr, Var) else ()
