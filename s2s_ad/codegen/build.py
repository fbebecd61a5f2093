"""The one place that builds Python `ast` nodes (keyword constructors only)."""

from __future__ import annotations

import ast

from ..ssa.ir import BINARY_OPERATORS, UNARY_OPERATORS, Atom, Const, Expr, Free, Prim, Var

COMMENT_MARK = "\x00s2s-comment:"  # an expression statement the emitter turns into `# …`

_BINOP_NODES = {
    "+": ast.Add,
    "-": ast.Sub,
    "*": ast.Mult,
    "/": ast.Div,
    "//": ast.FloorDiv,
    "%": ast.Mod,
    "**": ast.Pow,
    "@": ast.MatMult,
}
_UNARY_NODES = {"-": ast.USub, "+": ast.UAdd, "not ": ast.Not}


def name(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Load())


def store(identifier: str) -> ast.Name:
    return ast.Name(id=identifier, ctx=ast.Store())


def constant(value: object) -> ast.expr:
    if isinstance(value, tuple):
        return ast.Tuple(elts=[constant(v) for v in value], ctx=ast.Load())
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=-value))
    return ast.Constant(value=value)


def parse_expr(source: str) -> ast.expr:
    return ast.parse(source, mode="eval").body


def atom(a: Atom) -> ast.expr:
    if isinstance(a, Var):
        return name(a.name)
    if isinstance(a, Const):
        return constant(a.value)
    if isinstance(a, Free):
        return parse_expr(a.source)
    raise TypeError(f"not an atom: {a!r}")


def expr(e: Expr) -> ast.expr:
    """The Python expression for one SSA right-hand side."""
    if not isinstance(e, Prim):
        return atom(e)
    return call(e.fn, [atom(a) for a in e.args], [(k, atom(v)) for k, v in e.kwargs], e.spelled)


def call(
    fn: object, args: list[ast.expr], kwargs: list[tuple[str, ast.expr]], spelled: str | None
) -> ast.expr:
    """`fn(*args, **kwargs)`, written infix when `fn` is an operator."""
    if fn in BINARY_OPERATORS and not kwargs and len(args) == 2:
        op = _BINOP_NODES[BINARY_OPERATORS[fn]]()
        return ast.BinOp(left=args[0], op=op, right=args[1])
    if fn in UNARY_OPERATORS and not kwargs and len(args) == 1:
        return ast.UnaryOp(op=_UNARY_NODES[UNARY_OPERATORS[fn]](), operand=args[0])
    keywords = [ast.keyword(arg=k, value=v) for k, v in kwargs]
    return ast.Call(func=parse_expr(spelled or fn.__name__), args=args, keywords=keywords)


def add(total: ast.expr, term: ast.expr) -> ast.expr:
    """`total + term`, written `total - t` when `term` is `-t`."""
    if isinstance(term, ast.UnaryOp) and isinstance(term.op, ast.USub):
        return ast.BinOp(left=total, op=ast.Sub(), right=term.operand)
    return ast.BinOp(left=total, op=ast.Add(), right=term)


def assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[store(target)], value=value, lineno=0)


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
