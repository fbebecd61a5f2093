"""Emit Python source from `ast` with `ast.unparse`, turning comment markers into `# …`.

`unparse` is `ast.unparse`, the same text, faster: the standard unparser finds each node's
method by name per visit and opens a generator-based context manager per parenthesis and
block; `_Unparser` looks methods up once per class and uses small context-manager objects.
"""

from __future__ import annotations

import ast
import math

from .build import COMMENT_MARK, DERIVATIVE_LINE, LINE, located
from .primal_lines import place_primal_lines

_ESCAPED_MARK = COMMENT_MARK.encode("unicode_escape").decode()


def to_source(
    node: ast.AST, table: dict[int, int] | None = None, derivatives: dict[int, int] | None = None
) -> str:
    """Source for `node`, with comment markers written as real comments. `table`: filled
    with the line of the user's statement (`build.LINE`) each statement stamped with one
    comes from, by the line (from 1) that statement starts on in the source; `derivatives`
    likewise with the lines their derivatives are blamed on (`build.DERIVATIVE_LINE`).
    Primal lines still held by statements (code not simplified) are written first."""
    place_primal_lines(node)
    located(node)
    if _Unparser is not None:
        unparser = _Unparser()
        unparser.comments = True
        unparser.stamps = [] if table is not None else None
        text = unparser.visit(node)
        if table is not None:
            table.update(_line_table(unparser._source, unparser.stamps))
        if table is not None and derivatives is not None:
            stamps = [(index, line) for index, _, line in unparser.stamps if line is not None]
            derivatives.update(_line_table(unparser._source, stamps))
    else:
        text = ast.unparse(node)
    lines = []
    for line in text.splitlines():  # markers the unparser wrote as strings (a docstring's place)
        stripped = line.lstrip()
        if _ESCAPED_MARK in stripped and stripped[:1] in "'\"":
            text = ast.literal_eval(stripped)[len(COMMENT_MARK) :]
            line = line[: len(line) - len(stripped)] + "# " + text
        lines.append(line)
    return "\n".join(lines) + "\n"


def _line_table(pieces: list[str], stamps: list[tuple[int, int]]) -> dict[int, int]:
    """{source line: user line} from the unparser's written `pieces` and the stamped
    statements' (index of the first piece written for it, user line): the statement starts
    after the newline its `fill` writes first (none before the first piece)."""
    table, newlines, counted = {}, 0, 0
    for index, line, *_ in stamps:
        newlines += "".join(pieces[counted:index]).count("\n")
        counted = index
        first = pieces[index] if index < len(pieces) else ""
        table[newlines + 1 + first.startswith("\n")] = line
    return table


def unparse(node: ast.AST) -> str:
    """`ast.unparse(node)`, the same text."""
    if _Unparser is None:  # an interpreter without the standard unparser's class
        return ast.unparse(node)
    return _Unparser().visit(node)


class _Delimited:
    """`delimit(start, end)` of the standard unparser: `start` on entry, `end` on exit."""

    __slots__ = ("end", "start", "unparser")

    def __init__(self, unparser, start: str, end: str) -> None:
        self.unparser, self.start, self.end = unparser, start, end

    def __enter__(self) -> None:
        self.unparser.write(self.start)

    def __exit__(self, *exc: object) -> None:
        self.unparser.write(self.end)


class _Block:
    """`block(extra=…)` of the standard unparser: `:` and one more indentation level."""

    __slots__ = ("extra", "unparser")

    def __init__(self, unparser, extra: str | None) -> None:
        self.unparser, self.extra = unparser, extra

    def __enter__(self) -> None:
        self.unparser.write(":")
        if self.extra:
            self.unparser.write(self.extra)
        self.unparser._indent += 1

    def __exit__(self, *exc: object) -> None:
        self.unparser._indent -= 1


class _Neither:
    """No delimiters (`contextlib.nullcontext`)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


_NEITHER = _Neither()
_METHODS: dict[type, object] = {}  # node class → the unparser's method that writes it
_Unparser = None
if hasattr(ast, "_Unparser"):

    class _Unparser(ast._Unparser):  # the standard one's methods, dispatched faster
        stamps: list[tuple] | None = None  # `to_source`'s line tables, when asked
        comments = False  # comment markers written as comments (`to_source`)

        def traverse(self, node) -> None:
            if isinstance(node, list):
                for item in node:
                    self.traverse(item)
                return
            kind = node.__class__
            if kind in _PLAIN:  # most of generated code: written in one call, not per node
                text = _plain_text(node, self._precedences)
                if text is not None:
                    self._source.append(text)
                    return
            method = _METHODS.get(kind)
            if method is None:
                name = "visit_" + kind.__name__
                method = _METHODS[kind] = getattr(type(self), name, type(self).generic_visit)
            stamps = self.stamps
            if stamps is not None and LINE in node.__dict__:
                own = node.__dict__
                stamps.append((len(self._source), own[LINE], own.get(DERIVATIVE_LINE)))
            method(self, node)

        def visit_Constant(self, node) -> None:
            # a negative number never comes from parsing, so the standard unparser writes it
            # bare: `-1.0 ** 0.5` would read back as `-(1.0 ** 0.5)`, `-2 .real` likewise
            value = node.value
            negative = type(value) in (int, float) and math.copysign(1, value) < 0
            if negative and self.get_precedence(node) > ast._Precedence.POWER:
                with self.delimit("(", ")"):
                    super().visit_Constant(node)
                return
            super().visit_Constant(node)

        def visit_Assign(self, node) -> None:
            # `name = value`, most of generated code, in one piece where the value is plain
            targets, value = node.targets, node.value
            plain = len(targets) == 1 and type(targets[0]) is ast.Name
            if plain and value.__class__ in _PLAIN and self.get_type_comment(node) is None:
                text = _plain_text(value, self._precedences)
                if text is not None:
                    self.fill(f"{targets[0].id} = {text}")
                    return
            super().visit_Assign(node)

        def visit_Expr(self, node) -> None:
            value = node.value
            text = value.value if type(value) is ast.Constant else None
            if self.comments and type(text) is str and text.startswith(COMMENT_MARK):
                self.fill()
                self.write("# " + text[len(COMMENT_MARK) :])
                return
            super().visit_Expr(node)

        def delimit(self, start: str, end: str) -> _Delimited:
            return _Delimited(self, start, end)

        def delimit_if(self, start: str, end: str, condition: bool):
            return _Delimited(self, start, end) if condition else _NEITHER

        def block(self, *, extra: str | None = None) -> _Block:
            return _Block(self, extra)


# The expressions most generated code is made of, written as the unparser writes them (the
# same text, parentheses and precedence bookkeeping) by one recursive function: the unparser
# dispatches each node to a method and opens a context manager per parenthesis.
_PLAIN = frozenset((ast.Name, ast.Constant, ast.BinOp, ast.UnaryOp, ast.Call, ast.Attribute))
if _Unparser is not None:
    _Precedence = ast._Precedence
    _BINARY = {
        kind: (text, _Unparser.binop_precedence[text])
        for kind, text in ((getattr(ast, name), text) for name, text in _Unparser.binop.items())
    }
    _UNARY = {
        kind: (text, _Unparser.unop_precedence[text])
        for kind, text in ((getattr(ast, name), text) for name, text in _Unparser.unop.items())
    }
    _INFINITY = ast._INFSTR
    # `precedence.next()` of each operator's (an enum call per operator written, before)
    _NEXT = {precedence: precedence.next() for _, precedence in _BINARY.values()}


def _plain_text(node: ast.expr, precedences: dict) -> str | None:
    """`node`'s text, where it is made of names, numbers, arithmetic, attributes and calls
    with positional or keyword arguments; else None (the unparser's own methods write it).
    `precedences`: the unparser's, read and set as its methods do (a node shared by two
    parents is parenthesised as they would)."""
    kind = node.__class__
    if kind is ast.Name:
        return node.id
    if kind is ast.Constant:
        return _number_text(node, precedences)
    if kind is ast.BinOp:
        operator, precedence = _BINARY[node.op.__class__]
        if operator == "**":  # right-associative
            left_precedence, right_precedence = _NEXT[precedence], precedence
        else:
            left_precedence, right_precedence = precedence, _NEXT[precedence]
        precedences[node.left] = left_precedence
        left = _plain_text(node.left, precedences)
        if left is None:
            return None
        precedences[node.right] = right_precedence
        right = _plain_text(node.right, precedences)
        if right is None:
            return None
        text = f"{left} {operator} {right}"
        return f"({text})" if precedences.get(node, _Precedence.TEST) > precedence else text
    if kind is ast.UnaryOp:
        operator, precedence = _UNARY[node.op.__class__]
        precedences[node.operand] = precedence
        operand = _plain_text(node.operand, precedences)
        if operand is None:
            return None
        space = "" if precedence is _Precedence.FACTOR else " "
        text = f"{operator}{space}{operand}"
        return f"({text})" if precedences.get(node, _Precedence.TEST) > precedence else text
    if kind is ast.Call:
        precedences[node.func] = _Precedence.ATOM
        parts = [_plain_text(node.func, precedences)]
        for arg in node.args:
            parts.append(_plain_text(arg, precedences))
        for keyword in node.keywords:
            value = _plain_text(keyword.value, precedences)
            name = "**" if keyword.arg is None else keyword.arg + "="
            parts.append(None if value is None else name + value)
        if None in parts:
            return None
        return f"{parts[0]}({', '.join(parts[1:])})"
    if kind is ast.Attribute:
        value = node.value
        precedences[value] = _Precedence.ATOM
        text = _plain_text(value, precedences)
        if text is None:
            return None
        # `3 .real`: an integer literal's dot would read as a decimal point
        space = " " if type(value) is ast.Constant and isinstance(value.value, int) else ""
        return f"{text}{space}.{node.attr}"
    return None


def _number_text(node: ast.Constant, precedences: dict) -> str | None:
    """A float, int, bool or None literal as `_Unparser.visit_Constant` writes it (a
    negative number parenthesised where an operator binds tighter than `**`)."""
    value = node.value
    kind = type(value)
    if kind is float:
        text = repr(value)
        if "n" in text:  # an infinity or a NaN: no literal spells them
            text = text.replace("inf", _INFINITY).replace("nan", f"({_INFINITY}-{_INFINITY})")
    elif kind is int or kind is bool or value is None:
        text = repr(value)
    else:
        return None  # strings, complex numbers, tuples, `...`
    if getattr(node, "kind", None) == "u":
        return None
    negative = kind is not bool and value is not None and math.copysign(1, value) < 0
    if negative and precedences.get(node, _Precedence.TEST) > _Precedence.POWER:
        return f"({text})"
    return text
