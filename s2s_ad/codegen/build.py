"""The one place that builds Python `ast` nodes (fields given by position, in `_fields` order)."""

from __future__ import annotations

import ast
import functools
import operator
from ast import (
    AST,
    Add,
    Assign,
    Attribute,
    BinOp,
    BitAnd,
    BitOr,
    BitXor,
    Call,
    Compare,
    Constant,
    Div,
    Eq,
    FloorDiv,
    For,
    FunctionDef,
    Gt,
    GtE,
    If,
    Invert,
    Is,
    IsNot,
    List,
    Load,
    Lt,
    LtE,
    MatMult,
    Mod,
    Mult,
    Name,
    Not,
    NotEq,
    Pass,
    Pow,
    Return,
    Slice,
    Store,
    Sub,
    Subscript,
    Tuple,
    UAdd,
    UnaryOp,
    USub,
    While,
    With,
)
from keyword import iskeyword

from ..ssa.ir import (
    ATTRIBUTE,
    BINARY_OPERATORS,
    COMPARE_OPERATORS,
    LIST,
    METHOD,
    UNARY_OPERATORS,
    Atom,
    Const,
    Expr,
    Free,
    Index,
    Operand,
    Prim,
    SliceItem,
    Var,
)

COMMENT_MARK = "\x00s2s-comment:"  # an expression statement the emitter turns into `# …`
FORWARD_SWEEP, REVERSE_SWEEP = "forward sweep", "reverse sweep"  # the sweeps' headings

_BINOP_NODES = {
    "+": Add,
    "-": Sub,
    "*": Mult,
    "/": Div,
    "//": FloorDiv,
    "%": Mod,
    "**": Pow,
    "@": MatMult,
    "&": BitAnd,
    "|": BitOr,
    "^": BitXor,
}
_UNARY_NODES = {"-": USub, "+": UAdd, "not ": Not, "~": Invert}
_COMPARE_NODES = {
    "<": Lt,
    "<=": LtE,
    ">": Gt,
    ">=": GtE,
    "==": Eq,
    "!=": NotEq,
    "is": Is,
    "is not": IsNot,
}


# one context each, shared by the nodes built (as Python's parser shares them, and `clone`
# does): a node's context is replaced, never changed; a new one per name was a fifth of it.
# Nodes are built with their fields given by position, in `_fields` order: by keyword,
# Python's constructor takes half as long again
_LOAD, _STORE = Load(), Store()


def name(identifier: str) -> Name:
    return Name(identifier, _LOAD)


def store(identifier: str) -> Name:
    return Name(identifier, _STORE)


def constant(value: object) -> ast.expr:
    """The literal `value` (a negative number one literal, as constant folding would leave
    `-c`: no fold for the simplification to find, and run again for)."""
    if value is Ellipsis:
        return Constant(...)
    if isinstance(value, tuple):
        return Tuple([constant(v) for v in value], _LOAD)
    if isinstance(value, slice):  # a literal slice in an index (ssa/lower_expr.py)
        bounds = (value.start, value.stop, value.step)
        return _slice_call([None if b is None else constant(b) for b in bounds])
    return Constant(value)


def parse_expr(source: str) -> ast.expr:
    """A fresh tree for the expression `source` (parsed once per distinct text; a dotted
    name, as most are, `np.exp`, `rt.unbroadcast`, built as the parser builds it)."""
    parts = _dotted_parts(source)
    if parts is None:
        return clone(_parsed(source))
    node = name(parts[0])
    for part in parts[1:]:
        node = Attribute(node, part, _LOAD)
    return node


@functools.cache
def _dotted_parts(source: str) -> tuple[str, ...] | None:
    """The names of the dotted name `source` (`("np", "exp")`), or None for another text
    (ASCII names only: the parser normalises others)."""
    parts = tuple(source.split("."))
    if all(p.isascii() and p.isidentifier() and not iskeyword(p) for p in parts):
        return parts
    return None


@functools.cache
def _parsed(source: str) -> ast.expr:
    return ast.parse(source, mode="eval").body


def clone(node, bindings: dict[str, ast.expr | str] | None = None):
    """A structural copy of an `ast` tree (much cheaper than `copy.deepcopy`); with
    `bindings`, each name in the tree is replaced by a copy of its binding (a tree, or a
    name read, given as a string). Contexts and operators, which have no fields, are
    shared, as the parser shares them."""
    kind = type(node)
    if kind is list:
        return [clone(item, bindings) for item in node]
    if kind is Name:
        if bindings is None:
            return Name(node.id, node.ctx)
        if node.id not in bindings:
            raise KeyError(f"template name `{node.id}` has no binding")
        bound = bindings[node.id]
        return name(bound) if type(bound) is str else clone(bound)
    if kind is Constant:
        return Constant(node.value, node.kind)
    fields = getattr(kind, "_fields", None)
    if not fields or not isinstance(node, AST):
        return node  # identifiers, constants, None; contexts and operators
    copied = kind.__new__(kind)
    own = copied.__dict__  # (where `setattr` puts a node's fields)
    for field in fields:
        value = getattr(node, field, None)
        # a field that is shared as it is, written without a call (half of them)
        own[field] = value if type(value) in _SHARED else clone(value, bindings)
    return copied


# what `clone` shares rather than copies: identifiers, None, contexts and operators
_SHARED = frozenset(
    {str, type(None), *(k for base in (ast.expr_context, ast.operator, ast.unaryop,
                                       ast.cmpop, ast.boolop) for k in base.__subclasses__())}
)  # fmt: skip


def located(node: ast.stmt) -> ast.stmt:
    """Give `node` and the statements nested in it the line number `ast.unparse` reads
    (a cheap stand-in for `ast.fix_missing_locations`, which visits every expression)."""
    node.lineno = 0
    for field in ("body", "orelse"):
        for inner in getattr(node, field, ()):
            located(inner)
    return node


# the attribute giving a generated statement the line of the user's statement it comes from
# (the code's line table, codegen/emit.py): kept by the passes that change a statement in
# place, absent from statements they make anew
LINE = "s2s_line"
# on a copy of a primal statement: the line its derivative is blamed on, where that is
# another (ad/derivative_lines.py); read when the code is differentiated again
DERIVATIVE_LINE = "s2s_derivative_line"


class DerivativeLine(int):
    """The line stamped on a statement of a derivative (a tangent's, an adjoint's): where
    the code differentiated was generated code, the line named for it is that code's
    statement's derivative line (`DERIVATIVE_LINE`), if it has one."""


def stamped(statements: list[ast.stmt], line: int | None, attribute: str = LINE) -> None:
    """Give each statement of `statements` not stamped yet the user's `line` it comes from
    (statements nested in them were stamped with their own lines first)."""
    if line is None:
        return
    for statement in statements:
        if attribute not in statement.__dict__:
            setattr(statement, attribute, line)


def atom(a: Operand) -> ast.expr:
    """An operand as a value; an index as the value `x[...]` would receive (`slice(1, 3)`)."""
    if isinstance(a, Index):
        items = [_index_value(i) for i in a.items]
        return Tuple(items, _LOAD) if a.is_tuple else items[0]
    if isinstance(a, Var):
        return name(a.name)
    if isinstance(a, Const):
        return constant(a.value)
    if isinstance(a, Free):
        return parse_expr(a.source)
    raise TypeError(f"not an atom: {a!r}")


def _slice_parts(item: SliceItem) -> list[ast.expr | None]:
    return [None if p is None else atom(p) for p in (item.lower, item.upper, item.step)]


def _index_value(item: Atom | SliceItem) -> ast.expr:
    if isinstance(item, SliceItem):
        return _slice_call(_slice_parts(item))
    return atom(item)


def _slice_call(parts: list[ast.expr | None]) -> Call:
    """`slice(lower, upper, step)` of the parts (None: absent), written as short as it reads
    the same: slice(1, None, None) is slice(1, None), and slice(None, None) is slice(None)."""
    lower, upper, step = parts
    args = [p or Constant(None) for p in parts]
    if step is None:
        args.pop()
        if lower is None and upper is None:
            args.pop()
    return Call(name("slice"), args, [])


def index_syntax(index: Index) -> ast.expr:
    """An index as written inside `x[...]`: `1:3, :`."""
    items = []
    for item in index.items:
        if isinstance(item, SliceItem):
            lower, upper, step = _slice_parts(item)
            items.append(Slice(lower, upper, step))
        else:
            items.append(atom(item))
    return Tuple(items, _LOAD) if index.is_tuple else items[0]


def expr(e: Expr) -> ast.expr:
    """The Python expression for one SSA right-hand side."""
    if not isinstance(e, Prim):
        return atom(e)
    if e.fn is operator.getitem and isinstance(e.args[1], Index):
        return Subscript(atom(e.args[0]), index_syntax(e.args[1]), _LOAD)
    args = [atom(a) for a in e.args]
    return call(e.fn, args, [(k, atom(v)) for k, v in e.kwargs], e.spelled, e.style)


def call(
    fn: object,
    args: list[ast.expr],
    kwargs: list[tuple[str, ast.expr]],
    spelled: str | None,
    style: str = "call",
) -> ast.expr:
    """`fn(*args, **kwargs)` written as the user wrote it: infix, method, attribute or call."""
    keywords = [ast.keyword(k, v) for k, v in kwargs]
    if style == LIST:
        return List(args, _LOAD)
    if style == ATTRIBUTE:
        return Attribute(args[0], spelled, _LOAD)
    if style == METHOD:
        return Call(Attribute(args[0], spelled, _LOAD), args[1:], keywords)
    if not kwargs and fn in BINARY_OPERATORS and len(args) == 2:
        op = _BINOP_NODES[BINARY_OPERATORS[fn]]()
        return BinOp(args[0], op, args[1])
    if not kwargs and fn in UNARY_OPERATORS and len(args) == 1:
        return UnaryOp(_UNARY_NODES[UNARY_OPERATORS[fn]](), args[0])
    if not kwargs and fn in COMPARE_OPERATORS and len(args) == 2:
        op = _COMPARE_NODES[COMPARE_OPERATORS[fn]]()
        return Compare(args[0], [op], [args[1]])
    if fn is operator.getitem and not kwargs and len(args) == 2:
        return Subscript(args[0], args[1], _LOAD)
    return Call(parse_expr(spelled or fn.__name__), args, keywords)


def add(total: ast.expr, term: ast.expr) -> ast.expr:
    """`total + term`, written `total - t` when `term` is `-t`."""
    if isinstance(term, UnaryOp) and isinstance(term.op, USub):
        return BinOp(total, Sub(), term.operand)
    return BinOp(total, Add(), term)


def targets(names: list[str]) -> ast.expr:
    """Assignment targets: one name, or a tuple of names to unpack into."""
    if len(names) == 1:
        return store(names[0])
    return Tuple([store(n) for n in names], _STORE)


def assign(target: str | list[str], value: ast.expr) -> Assign:
    """`target = value`; with a list of names, `a, b = value`."""
    names = [target] if isinstance(target, str) else target
    return Assign([targets(names)], value, lineno=0)


def call_named(function: str, args: list[ast.expr]) -> Call:
    """`function(*args)` for a function the generated code knows by name."""
    return Call(name(function), args, [])


def is_comment(stmt: ast.stmt) -> bool:
    """Whether `stmt` is a comment (`comment`)."""
    if type(stmt) is not ast.Expr:
        return False
    value = stmt.value
    return (
        type(value) is Constant
        and type(value.value) is str
        and value.value.startswith(COMMENT_MARK)
    )


KEPT_FOR_EFFECT = "s2s_kept_for_effect"  # dead-code elimination never removes these


def kept_for_effect(stmt: ast.stmt, effect: bool = True) -> ast.stmt:
    """`stmt`, marked to run even when nothing reads what it assigns (`effect`): a call of a
    user function that prints, logs, calls back (simplify/dead_code.py)."""
    if effect:
        setattr(stmt, KEPT_FOR_EFFECT, True)
    return stmt


def block(body: list[ast.stmt]) -> list[ast.stmt]:
    """`body`, with a `pass` when it holds no statement but comments."""
    return body if any(not is_comment(s) for s in body) else [*body, Pass()]


def if_(test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt]) -> If:
    return If(test, block(body), block(orelse) if orelse else [])


def for_(target: str | ast.expr, iterable: ast.expr, body: list[ast.stmt]) -> For:
    target_node = store(target) if isinstance(target, str) else target
    return For(target_node, iterable, block(body), [], lineno=0)


def while_(test: ast.expr, body: list[ast.stmt]) -> While:
    return While(test, block(body), [])


def with_(context: ast.expr, body: list[ast.stmt], target: str | None = None) -> With:
    item = ast.withitem(context_expr=context, optional_vars=target and store(target))
    return With([item], block(body), lineno=0)


def comment(text: str) -> ast.Expr:
    return ast.Expr(Constant(COMMENT_MARK + text))


def tuple_of(elts: list[ast.expr]) -> ast.expr:
    return Tuple(elts, _LOAD)


def returns(values: list[ast.expr], as_tuple: bool) -> Return:
    value = tuple_of(values) if as_tuple else values[0]
    return Return(value)


def function(fname: str, params: list[str], body: list[ast.stmt], defaults=()) -> FunctionDef:
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=p) for p in params],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=list(defaults),
    )
    return FunctionDef(
        name=fname, args=arguments, body=body, decorator_list=[], returns=None, type_params=[]
    )
