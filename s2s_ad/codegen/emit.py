"""Emit Python source from `ast` with `ast.unparse`, turning comment markers into `# …`.

`unparse` is `ast.unparse`, the same text, faster: the standard unparser finds each node's
method by name per visit and opens a generator-based context manager per parenthesis and
block; `_Unparser` looks methods up once per class and uses small context-manager objects.
"""

from __future__ import annotations

import ast
import math
from ast import Attribute, BinOp, Call, Compare, Constant, Name, Slice, Subscript, Tuple, UnaryOp

from .build import COMMENT_MARK, DERIVATIVE_LINE, LINE, located
from .line_breaks import breaks_only_at_newlines
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
    if _Unparser is not None:  # (no line numbers needed: `get_type_comment` below)
        unparser = _Unparser()
        unparser.comments = True
        unparser.stamps = [] if table is not None else None
        text = unparser.visit(node)
        if table is not None:
            # (each newline written by `fill`: the counts the stamps hold are the lines)
            counted = text.count("\n") == unparser.newlines
            _line_tables(unparser._source, unparser.stamps, table, derivatives, counted)
    else:
        text = ast.unparse(located(node))
    if _ESCAPED_MARK not in text and _as_lines_joined(text):
        return text + "\n"  # (what the loop below gives, written at once)
    lines = []
    for line in text.splitlines():  # markers the unparser wrote as strings (a docstring's place)
        stripped = line.lstrip()
        if _ESCAPED_MARK in stripped and stripped[:1] in "'\"":
            text = ast.literal_eval(stripped)[len(COMMENT_MARK) :]
            line = line[: len(line) - len(stripped)] + "# " + text
        lines.append(line)
    return "\n".join(lines) + "\n"


def _as_lines_joined(text: str) -> bool:
    """Whether `text` is `"\\n".join(text.splitlines())`: no line break but "\\n", no
    trailing one."""
    return not text.endswith("\n") and breaks_only_at_newlines(text)


def _line_tables(
    pieces: list[str],
    stamps: list[tuple[int, int, int, int | None]],
    table: dict[int, int],
    derivatives: dict[int, int] | None,
    counted: bool = False,
) -> None:
    """Fill `table` with {source line: user line} from the unparser's written `pieces` and
    the stamped statements' (index of the first piece written for it, the newlines `fill`
    and `maybe_newline` wrote before it, user line, derivative line), and `derivatives` (if
    given) with {source line: derivative line} where there is one: the statement starts
    after the newline its `fill` writes first (none before the first piece). `counted`: no
    piece holds a newline but theirs (else they are counted in one pass over the pieces)."""
    newlines, before = 0, 0
    for index, written, line, derivative in stamps:
        if counted:
            newlines = written
        else:
            newlines += "".join(pieces[before:index]).count("\n")
            before = index
        first = pieces[index] if index < len(pieces) else ""
        at = newlines + 1 + first.startswith("\n")
        table[at] = line
        if derivative is not None and derivatives is not None:
            derivatives[at] = derivative


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
        newlines = 0  # the newlines `fill` and `maybe_newline` wrote
        comments = False  # comment markers written as comments (`to_source`)
        _avoid_backslashes = False  # (Python 3.13's unparser has no such attribute)

        def traverse(self, node) -> None:
            if isinstance(node, list):
                for item in node:
                    self.traverse(item)
                return
            kind = type(node)
            # most of generated code: written in one call, not per node (strings written
            # otherwise inside an f-string's braces: the standard methods then)
            if kind in _PLAIN and not self._avoid_backslashes:
                text = _plain_text(node, self._precedences)
                if text is not None:
                    self._source.append(text)
                    return
            method = _METHODS.get(kind)
            if method is None:
                name = "visit_" + kind.__name__
                method = _METHODS[kind] = getattr(type(self), name, type(self).generic_visit)
            stamps = self.stamps
            if stamps is not None:
                own = node.__dict__
                if LINE in own:
                    source = self._source
                    stamps.append((len(source), self.newlines, own[LINE], own.get(DERIVATIVE_LINE)))
            method(self, node)

        # the standard `write`, `maybe_newline`, `fill` and `get_precedence`, compiled with
        # the rest: they are called for every statement and most punctuation
        def write(self, *text: str) -> None:
            self._source.extend(text)

        def maybe_newline(self) -> None:
            if self._source:
                self._source.append("\n")
                self.newlines += 1

        def fill(self, text: str = "") -> None:
            source = self._source
            if source:
                source.append("\n")
                self.newlines += 1
            source.append("    " * self._indent + text)

        def get_precedence(self, node) -> object:
            return self._precedences.get(node, _TEST)

        def get_type_comment(self, node) -> str | None:
            # the standard method reads `node.lineno` first, which the statements built for
            # generated code lack (a walk gave each one, a fiftieth of the emission): read
            # only where a module's `# type: ignore` lines were noted, so never here
            ignores = self._type_ignores
            comment = (ignores.get(node.lineno) if ignores else None) or node.type_comment
            return None if comment is None else f" # type: {comment}"

        def visit_Constant(self, node) -> None:
            # a negative number never comes from parsing, so the standard unparser writes it
            # bare: `-1.0 ** 0.5` would read back as `-(1.0 ** 0.5)`, `-2 .real` likewise
            value = node.value
            negative = type(value) in (int, float) and math.copysign(1, value) < 0
            if negative and self.get_precedence(node) > _POWER:
                with self.delimit("(", ")"):
                    super().visit_Constant(node)
                return
            super().visit_Constant(node)

        def visit_Assign(self, node) -> None:
            # `name = value`, most of generated code, in one piece where the value is plain
            targets, value = node.targets, node.value
            plain = len(targets) == 1 and type(targets[0]) is Name
            if (
                plain
                and type(value) in _PLAIN
                and not self._avoid_backslashes
                and node.type_comment is None
                and not self._type_ignores  # (`get_type_comment` is None: no comment)
            ):
                text = _plain_text(value, self._precedences)
                if text is not None:
                    self.fill(f"{targets[0].id} = {text}")
                    return
            super().visit_Assign(node)

        def visit_Expr(self, node) -> None:
            value = node.value
            text = value.value if type(value) is Constant else None
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
_CONTAINERS = frozenset((Subscript, Tuple, Slice, Compare))  # (`_container_text`)
_PLAIN = frozenset((Name, Constant, BinOp, UnaryOp, Call, Attribute, *_CONTAINERS))
if _Unparser is not None:
    _Precedence = ast._Precedence
    # the precedences read per node, as plain values: an `IntEnum` member read from its
    # class is a descriptor call in Python (half a microsecond, a sixth of the writing)
    _TEST, _ATOM, _FACTOR, _POWER, _TUPLE, _CMP = (
        _Precedence.TEST,
        _Precedence.ATOM,
        _Precedence.FACTOR,
        _Precedence.POWER,
        _Precedence.TUPLE,
        _Precedence.CMP,
    )
    _CMP_NEXT = _CMP.next()
    _COMPARE = {getattr(ast, name): text for name, text in _Unparser.cmpops.items()}
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
    """`node`'s text, where it is made of names, numbers, strings, arithmetic, attributes,
    calls with positional or keyword arguments, subscripts, tuples and comparisons; else None
    (the unparser's own methods write it). `precedences`: the unparser's, read and set as its
    methods do (a node shared by two parents is parenthesised as they would)."""
    kind = type(node)
    if kind is Name:
        return node.id
    if kind is Constant:
        return _constant_text(node, precedences)
    if kind is BinOp:
        operator, precedence = _BINARY[type(node.op)]
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
        return f"({text})" if precedences.get(node, _TEST) > precedence else text
    if kind is UnaryOp:
        operator, precedence = _UNARY[type(node.op)]
        precedences[node.operand] = precedence
        operand = _plain_text(node.operand, precedences)
        if operand is None:
            return None
        space = "" if precedence is _FACTOR else " "
        text = f"{operator}{space}{operand}"
        return f"({text})" if precedences.get(node, _TEST) > precedence else text
    if kind is Call:
        precedences[node.func] = _ATOM
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
    if kind is Attribute:
        value = node.value
        precedences[value] = _ATOM
        text = _plain_text(value, precedences)
        if text is None:
            return None
        # `3 .real`: an integer literal's dot would read as a decimal point
        space = " " if type(value) is Constant and isinstance(value.value, int) else ""
        return f"{text}{space}.{node.attr}"
    if kind in _CONTAINERS:
        return _container_text(node, precedences)
    return None


def _container_text(node: ast.expr, precedences: dict) -> str | None:
    """A subscript, tuple, slice or comparison's text as the unparser's methods write it,
    where its parts are plain (`_plain_text`); else None."""
    kind = type(node)
    if kind is Subscript:
        value, index = node.value, node.slice
        precedences[value] = _ATOM
        text = _plain_text(value, precedences)
        if isinstance(index, Tuple) and index.elts:  # `x[1:2, 0]`: no parentheses
            inner = _items_text(index.elts, precedences)
        else:
            inner = _plain_text(index, precedences)
        return None if text is None or inner is None else f"{text}[{inner}]"
    if kind is Tuple:
        elts = node.elts
        parenthesised = not elts or precedences.get(node, _TEST) > _TUPLE
        inner = _items_text(elts, precedences)
        return None if inner is None else f"({inner})" if parenthesised else inner
    if kind is Slice:
        lower, upper, step = (
            _part_text(p, precedences) for p in (node.lower, node.upper, node.step)
        )
        if lower is None or upper is None or step is None:
            return None
        return f"{lower}:{upper}:{step}" if node.step else f"{lower}:{upper}"
    return _compare_text(node, precedences)


def _items_text(items: list[ast.expr], precedences: dict) -> str | None:
    """`items_view`'s text: one item with a comma after it, else the items joined by `, `."""
    texts = [_plain_text(item, precedences) for item in items]
    if None in texts:
        return None
    return texts[0] + "," if len(texts) == 1 else ", ".join(texts)


def _part_text(part: ast.expr | None, precedences: dict) -> str | None:
    """A slice's bound: "" where absent."""
    return _plain_text(part, precedences) if part else ""


def _compare_text(node: ast.Compare, precedences: dict) -> str | None:
    """A comparison's text (`visit_Compare`'s), where its operands are plain; else None."""
    parenthesised = precedences.get(node, _TEST) > _CMP
    for operand in (node.left, *node.comparators):  # (all set first, as the unparser does)
        precedences[operand] = _CMP_NEXT
    texts = [_plain_text(node.left, precedences)]
    for operator, operand in zip(node.ops, node.comparators, strict=False):  # (as it does)
        spelled = _COMPARE.get(type(operator))
        texts.append(None if spelled is None else f" {spelled} ")
        texts.append(_plain_text(operand, precedences))
    if None in texts:
        return None
    text = "".join(texts)
    return f"({text})" if parenthesised else text


def _constant_text(node: ast.Constant, precedences: dict) -> str | None:
    """A float, int, bool, None or string literal as `_Unparser.visit_Constant` writes it
    outside an f-string (a negative number parenthesised where an operator binds tighter
    than `**`)."""
    value = node.value
    kind = type(value)
    if kind is float:
        text = repr(value)
        if "n" in text:  # an infinity or a NaN: no literal spells them
            text = text.replace("inf", _INFINITY).replace("nan", f"({_INFINITY}-{_INFINITY})")
    elif kind is int or kind is bool or value is None or kind is str:
        text = repr(value)  # (a string: what `_write_constant` writes outside f-strings)
    else:
        return None  # complex numbers, bytes, tuples, `...`
    if getattr(node, "kind", None) == "u":
        return None
    negative = (kind is int or kind is float) and math.copysign(1, value) < 0
    if negative and precedences.get(node, _TEST) > _POWER:
        return f"({text})"
    return text
