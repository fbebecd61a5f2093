"""Reject unsupported syntax early, with the user's file:line and what to write instead.

Before: a parsed `FunctionDef`. After: the same tree, known to hold only constructs the
lowering handles (so the lowering never meets an unknown node).
"""

from __future__ import annotations

import gast

from ..errors import UnsupportedSyntaxError
from . import nodes
from .parse import without_docstring

# Constructs that are never differentiated, with what to do instead.
REJECTED: dict[type, tuple[str, str]] = {
    gast.Try: ("`try` statement", "move error handling outside the differentiated function"),
    gast.With: ("`with` block", "move the context manager outside the differentiated function"),
    gast.AsyncWith: ("`async with`", "differentiate a plain synchronous function"),
    gast.AsyncFor: ("`async for`", "differentiate a plain synchronous function"),
    gast.AsyncFunctionDef: ("`async def`", "differentiate a plain synchronous function"),
    gast.Await: ("`await`", "differentiate a plain synchronous function"),
    gast.Yield: ("`yield` (a generator)", "return a value or a list instead of yielding"),
    gast.YieldFrom: ("`yield from` (a generator)", "return a value or a list instead"),
    gast.Global: ("`global` declaration", "pass the value in as an argument and return it"),
    gast.Nonlocal: ("`nonlocal` declaration", "pass the value in as an argument and return it"),
    gast.Delete: ("`del` statement", "let the name go out of scope instead"),
    gast.ClassDef: ("class definition", "define the class at module level"),
    gast.Import: ("`import` inside the function", "import at module level"),
    gast.ImportFrom: ("`import` inside the function", "import at module level"),
    gast.Raise: ("`raise` statement", "check inputs before calling the derivative"),
    gast.Assert: ("`assert` statement", "check inputs before calling the derivative"),
    gast.Lambda: ("`lambda`", "define a named helper with `def` at module level"),
    gast.NamedExpr: ("assignment expression `:=`", "assign on a line of its own"),
    gast.Starred: ("starred expression `*x`", "pass the elements explicitly"),
    gast.Set: ("set display", "use a tuple or a list"),
    gast.SetComp: ("set comprehension", "use a loop that builds a list"),
    gast.DictComp: ("dict comprehension", "use a loop"),
    gast.GeneratorExp: ("generator expression", "use a loop"),
    gast.Match: ("`match` statement", "use `if`/`elif`"),
}

# Constructs still to come.
NOT_YET: dict[type, tuple[str, str]] = {
    gast.Dict: ("dict display", "pass the values as separate arguments, or build a tuple"),
    gast.ListComp: ("list comprehension", "write a `for` loop that appends to a list"),
    gast.JoinedStr: ("f-string", "format text outside the differentiated function"),
}

SUPPORTED_OPERATORS = (
    gast.Add,
    gast.Sub,
    gast.Mult,
    gast.Div,
    gast.Pow,
    gast.MatMult,
    gast.FloorDiv,
    gast.Mod,
    gast.BitAnd,
    gast.BitOr,
    gast.BitXor,
    gast.Invert,
    gast.USub,
    gast.UAdd,
)


def validate(node: gast.FunctionDef, filename: str) -> None:
    """Raise `UnsupportedSyntaxError` at the first construct the lowering cannot handle."""
    _check_signature(node, filename)
    body = without_docstring(node.body)
    returns = [n for stmt in body for n in nodes.walk_own(stmt) if isinstance(n, gast.Return)]
    if not any(r.value is not None for r in returns):
        for stmt in body:  # a generator: say so (its values come from `yield`, not `return`)
            for child in nodes.walk_own(stmt):
                if isinstance(child, (gast.Yield, gast.YieldFrom)):
                    _check_node(child, filename)
        line = body[-1].lineno if body else node.lineno
        raise UnsupportedSyntaxError(
            f"`{node.name}` does not return a value",
            filename=filename,
            line=line,
            hint="return the value to differentiate",
        )
    for stmt in body:
        for child in gast.walk(stmt):
            _check_node(child, filename)


def _check_signature(node: gast.FunctionDef, filename: str) -> None:
    if node.decorator_list:
        raise UnsupportedSyntaxError(
            f"unsupported construct: a decorated nested function `{node.name}`",
            filename=filename,
            line=node.lineno,
            hint="define it without decorators",
        )
    args = node.args
    for star, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
        if star is not None:
            raise star_parameter_error(node.name, what, filename, node.lineno)


def star_parameter_error(name: str, what: str, filename: str, line: int) -> UnsupportedSyntaxError:
    """`*args` and `**kwargs` parameters: the one message for them, from any stage."""
    return UnsupportedSyntaxError(
        f"`{name}` takes {what}",
        filename=filename,
        line=line,
        hint="name each parameter explicitly",
    )


def _check_node(child: gast.AST, filename: str) -> None:
    line = getattr(child, "lineno", None)
    kind = type(child)
    if kind in REJECTED:
        construct, hint = REJECTED[kind]
        raise UnsupportedSyntaxError(
            f"unsupported construct: {construct}", filename=filename, line=line, hint=hint
        )
    if kind in NOT_YET:
        construct, hint = NOT_YET[kind]
        raise UnsupportedSyntaxError(
            f"unsupported construct: {construct} (not supported yet)",
            filename=filename,
            line=line,
            hint=hint,
        )
    if isinstance(child, (gast.BinOp, gast.UnaryOp, gast.AugAssign)):
        op = child.op
        if not isinstance(op, SUPPORTED_OPERATORS) and not isinstance(op, gast.Not):
            raise UnsupportedSyntaxError(
                f"unsupported operator `{type(op).__name__}`",
                filename=filename,
                line=line,
                hint="use arithmetic operators or NumPy functions",
            )
    if isinstance(child, gast.FunctionDef):
        _check_signature(child, filename)
    if isinstance(child, gast.Expr) and not is_append(child) and not _is_constant(child):
        raise UnsupportedSyntaxError(
            "unsupported construct: an expression statement whose value is thrown away",
            filename=filename,
            line=line,
            hint="assign it to a name, or move side effects such as print() out of the function",
        )
    if isinstance(child, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = child.targets if isinstance(child, gast.Assign) else [child.target]
        for target in targets:
            _check_target(target, filename, line)
    if isinstance(child, gast.AnnAssign) and child.value is None:
        raise UnsupportedSyntaxError(
            "unsupported construct: annotation without a value",
            filename=filename,
            line=line,
            hint="give the variable a value where it is declared",
        )


def _is_constant(stmt: gast.Expr) -> bool:
    """A constant standing alone: a docstring, text used as a comment, `...` (desugar drops
    it)."""
    return isinstance(stmt.value, gast.Constant)


def is_append(stmt: gast.stmt) -> bool:
    """`xs.append(v)` on a local name: the one expression statement s2s_ad takes."""
    call = stmt.value if isinstance(stmt, gast.Expr) else None
    return (
        isinstance(call, gast.Call)
        and isinstance(call.func, gast.Attribute)
        and call.func.attr == "append"
        and isinstance(call.func.value, gast.Name)
        and len(call.args) == 1
        and not call.keywords
    )


def _check_target(target: gast.AST, filename: str, line: int | None) -> None:
    if isinstance(target, (gast.Name, gast.Subscript)):
        return
    if isinstance(target, gast.Tuple) and all(isinstance(e, gast.Name) for e in target.elts):
        return
    if isinstance(target, gast.Attribute):
        construct = "assignment to an attribute"
    else:
        construct = "assignment to this kind of target"
    raise UnsupportedSyntaxError(
        f"unsupported construct: {construct}",
        filename=filename,
        line=line,
        hint="assign to a plain local name (or a tuple of names)",
    )
