"""The one place that builds Python `ast` nodes (keyword constructors only)."""

from __future__ import annotations

import ast
import functools
import operator

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
    "+": ast.Add,
    "-": ast.Sub,
    "*": ast.Mult,
    "/": ast.Div,
    "//": ast.FloorDiv,
    "%": ast.Mod,
    "**": ast.Pow,
    "@": ast.MatMult,
    "&": ast.BitAnd,
    "|": ast.BitOr,
    "^": ast.BitXor,
}
_UNARY_NODES = {"-": ast.USub, "+": ast.UAdd, "not ": ast.Not, "~": ast.Invert}
_COMPARE_NODES = {
    "<": ast.Lt,
    "<=": ast.LtE,
    ">": ast.Gt,
    ">=": ast.GtE,
    "==": ast.Eq,
    "!=": ast.NotEq,
    "is": ast.Is,
    "is not": ast.IsNot,
}


# one context each, shared by the names built (as Python's parser shares them, and `clone`
# does): a node's context is replaced, never changed; a new one per name was a fifth of it
_LOAD, _STORE = ast.Load(), ast.Store()


def name(identifier: str) -> ast.Name:
    return ast.Name(identifier, _LOAD)


def store(identifier: str) -> ast.Name:
    return ast.Name(identifier, _STORE)


def constant(value: object) -> ast.expr:
    """The literal `value` (a negative number one literal, as constant folding would leave
    `-c`: no fold for the simplification to find, and run again for)."""
    if value is Ellipsis:
        return ast.Constant(value=...)
    if isinstance(value, tuple):
        return ast.Tuple(elts=[constant(v) for v in value], ctx=ast.Load())
    if isinstance(value, slice):  # a literal slice in an index (ssa/lower_expr.py)
        bounds = (value.start, value.stop, value.step)
        return _slice_call([None if b is None else constant(b) for b in bounds])
    return ast.Constant(value=value)


def parse_expr(source: str) -> ast.expr:
    """A fresh tree for the expression `source` (parsed once per distinct text)."""
    return clone(_parsed(source))


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
    if kind is ast.Name:
        if bindings is None:
            return ast.Name(id=node.id, ctx=node.ctx)
        if node.id not in bindings:
            raise KeyError(f"template name `{node.id}` has no binding")
        bound = bindings[node.id]
        return name(bound) if type(bound) is str else clone(bound)
    if kind is ast.Constant:
        return ast.Constant(value=node.value, kind=node.kind)
    fields = getattr(kind, "_fields", None)
    if not fields or not isinstance(node, ast.AST):
        return node  # identifiers, constants, None; contexts and operators
    copied = kind.__new__(kind)
    for field in fields:
        setattr(copied, field, clone(getattr(node, field, None), bindings))
    return copied


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
        return ast.Tuple(elts=items, ctx=ast.Load()) if a.is_tuple else items[0]
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


def _slice_call(parts: list[ast.expr | None]) -> ast.Call:
    """`slice(lower, upper, step)` of the parts (None: absent), written as short as it reads
    the same: slice(1, None, None) is slice(1, None), and slice(None, None) is slice(None)."""
    lower, upper, step = parts
    args = [p or ast.Constant(value=None) for p in parts]
    if step is None:
        args.pop()
        if lower is None and upper is None:
            args.pop()
    return ast.Call(func=name("slice"), args=args, keywords=[])


def index_syntax(index: Index) -> ast.expr:
    """An index as written inside `x[...]`: `1:3, :`."""
    items = []
    for item in index.items:
        if isinstance(item, SliceItem):
            lower, upper, step = _slice_parts(item)
            items.append(ast.Slice(lower=lower, upper=upper, step=step))
        else:
            items.append(atom(item))
    return ast.Tuple(elts=items, ctx=ast.Load()) if index.is_tuple else items[0]


def expr(e: Expr) -> ast.expr:
    """The Python expression for one SSA right-hand side."""
    if not isinstance(e, Prim):
        return atom(e)
    if e.fn is operator.getitem and isinstance(e.args[1], Index):
        return ast.Subscript(value=atom(e.args[0]), slice=index_syntax(e.args[1]), ctx=ast.Load())
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
    keywords = [ast.keyword(arg=k, value=v) for k, v in kwargs]
    if style == LIST:
        return ast.List(elts=args, ctx=ast.Load())
    if style == ATTRIBUTE:
        return ast.Attribute(value=args[0], attr=spelled, ctx=ast.Load())
    if style == METHOD:
        method = ast.Attribute(value=args[0], attr=spelled, ctx=ast.Load())
        return ast.Call(func=method, args=args[1:], keywords=keywords)
    if not kwargs and fn in BINARY_OPERATORS and len(args) == 2:
        op = _BINOP_NODES[BINARY_OPERATORS[fn]]()
        return ast.BinOp(left=args[0], op=op, right=args[1])
    if not kwargs and fn in UNARY_OPERATORS and len(args) == 1:
        return ast.UnaryOp(op=_UNARY_NODES[UNARY_OPERATORS[fn]](), operand=args[0])
    if not kwargs and fn in COMPARE_OPERATORS and len(args) == 2:
        op = _COMPARE_NODES[COMPARE_OPERATORS[fn]]()
        return ast.Compare(left=args[0], ops=[op], comparators=[args[1]])
    if fn is operator.getitem and not kwargs and len(args) == 2:
        return ast.Subscript(value=args[0], slice=args[1], ctx=ast.Load())
    return ast.Call(func=parse_expr(spelled or fn.__name__), args=args, keywords=keywords)


def add(total: ast.expr, term: ast.expr) -> ast.expr:
    """`total + term`, written `total - t` when `term` is `-t`."""
    if isinstance(term, ast.UnaryOp) and isinstance(term.op, ast.USub):
        return ast.BinOp(left=total, op=ast.Sub(), right=term.operand)
    return ast.BinOp(left=total, op=ast.Add(), right=term)


def targets(names: list[str]) -> ast.expr:
    """Assignment targets: one name, or a tuple of names to unpack into."""
    if len(names) == 1:
        return store(names[0])
    return ast.Tuple(elts=[store(n) for n in names], ctx=ast.Store())


def assign(target: str | list[str], value: ast.expr) -> ast.Assign:
    """`target = value`; with a list of names, `a, b = value`."""
    names = [target] if isinstance(target, str) else target
    return ast.Assign(targets=[targets(names)], value=value, lineno=0)


def call_named(function: str, args: list[ast.expr]) -> ast.Call:
    """`function(*args)` for a function the generated code knows by name."""
    return ast.Call(func=name(function), args=args, keywords=[])


def is_comment(stmt: ast.stmt) -> bool:
    """Whether `stmt` is a comment (`comment`)."""
    if type(stmt) is not ast.Expr:
        return False
    value = stmt.value
    return (
        type(value) is ast.Constant
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
    return body if any(not is_comment(s) for s in body) else [*body, ast.Pass()]


def if_(test: ast.expr, body: list[ast.stmt], orelse: list[ast.stmt]) -> ast.If:
    return ast.If(test=test, body=block(body), orelse=block(orelse) if orelse else [])


def for_(target: str | ast.expr, iterable: ast.expr, body: list[ast.stmt]) -> ast.For:
    target_node = store(target) if isinstance(target, str) else target
    return ast.For(target=target_node, iter=iterable, body=block(body), orelse=[], lineno=0)


def while_(test: ast.expr, body: list[ast.stmt]) -> ast.While:
    return ast.While(test=test, body=block(body), orelse=[])


def with_(context: ast.expr, body: list[ast.stmt], target: str | None = None) -> ast.With:
    item = ast.withitem(context_expr=context, optional_vars=target and store(target))
    return ast.With(items=[item], body=block(body), lineno=0)


def comment(text: str) -> ast.Expr:
    return ast.Expr(value=ast.Constant(value=COMMENT_MARK + text))


def tuple_of(elts: list[ast.expr]) -> ast.expr:
    return ast.Tuple(elts=elts, ctx=ast.Load())


def returns(values: list[ast.expr], as_tuple: bool) -> ast.Return:
    value = tuple_of(values) if as_tuple else values[0]
    return ast.Return(value=value)


def function(fname: str, params: list[str], body: list[ast.stmt], defaults=()) -> ast.FunctionDef:
    arguments = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=p) for p in params],
        kwonlyargs=[],
        kw_defaults=[],
        defaults=list(defaults),
    )
    return ast.FunctionDef(
        name=fname, args=arguments, body=body, decorator_list=[], returns=None, type_params=[]
    )
