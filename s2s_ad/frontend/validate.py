"""Admit only the syntax the lowering handles (the allow-list in `syntax.py`); refuse the rest
early, with the user's file:line and what to write instead.

Before: a parsed `FunctionDef`. After: the same tree, known to hold only node classes of
`syntax.LOWERED`, code only in the fields listed there, and only the forms of them the
lowering takes (names or elements as targets).

    def f(x):                   f.py:2: unsupported construct: `while … else`; set a flag
        while x < 1.0:  # <-    in the loop instead
            x = x * 2.0
        else:
            x = -x
        return x
"""

from __future__ import annotations

from typing import NamedTuple

import gast
from gast import AST, FunctionDef, Return, Starred  # (asked of every node: no lookups)

from ..errors import UnsupportedSyntaxError
from .parse import without_docstring
from .starred import admitted_among
from .syntax import LOWERED, NOT_YET, REFUSED


def validate(node: gast.FunctionDef, filename: str) -> None:
    """Raise `UnsupportedSyntaxError` at the first construct the lowering cannot handle.

    The signature of `node` itself (defaults, annotations) was evaluated by Python when its
    `def` ran: only its body is the differentiated code.
    """
    body = without_docstring(node.body)
    reached: list[tuple[gast.AST, int]] = []
    returns: list[gast.Return] = []  # those of the function itself, not of nested ones
    for stmt in body:
        _reachable(stmt, filename, stmt.lineno, reached, returns)
    # the nodes reached are every node of the body but annotations, which hold no `def`,
    # and whose starred expressions are never checked: the same as walking the body again
    nodes = [n for n, _ in reached]
    nested = {n.name for n in nodes if type(n) is FunctionDef}
    # (the starred expressions their assignments, calls and displays admit: asked where any)
    starred = admitted_among(nodes) if Starred in map(type, nodes) else ()
    for child, line in reached:
        kind = type(child)
        if kind is Starred and id(child) not in starred:
            raise _error("starred expression `*x`", "pass the elements explicitly", filename, line)
        if nested and calls_nested(child, nested):
            continue  # `add(v)` for its effect on the enclosing function's lists and arrays
        check = _CHECKS.get(kind.__name__)
        if check is not None:
            check(child, filename, line)
    if not any(r.value is not None for r in returns):
        line = body[-1].lineno if body else node.lineno
        raise UnsupportedSyntaxError(
            f"`{node.name}` does not return a value",
            filename=filename,
            line=line,
            hint="return the value to differentiate",
        )


def _reachable(
    node: gast.AST,
    filename: str,
    line: int,
    found: list | None = None,
    returns: list | None = None,
) -> list[tuple[gast.AST, int]]:
    """`node` and every node in its code, with its line (or its parent's), refusing at once
    a class in no table of `syntax.py` and code in a field not listed for its class.
    Appended to `found` depth first (one list: no generator per level of nesting); the
    `return` statements `nodes.walk_own(node)` finds (none in nested functions or lambdas
    below `node`) to `returns`."""
    found = [] if found is None else found
    if returns is not None and type(node) is Return:
        returns.append(node)
    line = getattr(node, "lineno", None) or line
    plan = _PLANS.get(type(node))
    if plan is None:
        plan = _plan(type(node))
    if type(plan) is _Refusal:  # a class no table admits
        raise _error(plan.construct, plan.hint, filename, line)
    found.append((node, line))
    for name, refusal in plan:
        value = getattr(node, name, None)
        if type(value) is list:
            children = value  # (its items that are no nodes skipped)
        elif isinstance(value, AST):
            children = (value,)
        else:
            continue
        if refusal is not None:  # located at the refused code (a decorator's line)
            refused = [v for v in children if isinstance(v, AST)]
            if not refused:
                continue
            construct, hint, own_line = refusal
            raise _error(
                construct,
                hint,
                filename,
                getattr(refused[0], "lineno", line) if own_line else line,
            )
        for child in children:
            if isinstance(child, AST):
                own = returns if type(child) not in _SCOPES else None
                _reachable(child, filename, line, found, own)
    return found


class _Refusal(NamedTuple):
    construct: str
    hint: str


# class → what `_reachable` does with each of its fields, in field order: (field, None) to
# walk its code, (field, (construct, hint, at the code's own line?)) to refuse code there
# (ignored fields left out); a `_Refusal` for a class no table admits. (Each class's tables
# read once, not once per node.)
_PLANS: dict[type, tuple | _Refusal] = {}


def _plan(kind: type) -> tuple | _Refusal:
    name = kind.__name__
    if name in REFUSED or name in NOT_YET:
        construct, hint = REFUSED.get(name) or NOT_YET[name]
        later = " (not supported yet)" if name in NOT_YET else ""
        plan: tuple | _Refusal = _Refusal(f"{construct}{later}", hint)
    elif (fields := LOWERED.get(name)) is None:
        plan = _Refusal(f"`{name}`", "rewrite it with assignments, operators and calls")
    else:
        steps = []
        for field in kind._fields:
            if field in fields.ignored:
                continue
            if field in fields.refused:
                steps.append((field, (*fields.refused[field], True)))
            elif field not in fields.lowered:
                hint = "rewrite it with assignments, operators and calls"
                steps.append((field, (f"code in the `{field}` of `{name}`", hint, False)))
            else:
                steps.append((field, None))
        plan = tuple(steps)
    _PLANS[kind] = plan
    return plan


_SCOPES = (gast.FunctionDef, gast.Lambda)  # code of its own: its `return`s are not ours


def _error(construct: str, hint: str, filename: str, line: int | None) -> UnsupportedSyntaxError:
    return UnsupportedSyntaxError(
        f"unsupported construct: {construct}", filename=filename, line=line, hint=hint
    )


def star_parameter_error(name: str, what: str, filename: str, line: int) -> UnsupportedSyntaxError:
    """`*args` and `**kwargs` parameters: the one message for them, from any stage."""
    return UnsupportedSyntaxError(
        f"`{name}` takes {what}",
        filename=filename,
        line=line,
        hint="name each parameter explicitly",
    )


def _check_nested_def(node: gast.FunctionDef, filename: str, line: int) -> None:
    for annotation in annotations(node):
        if not is_type_expression(annotation):
            raise _error(
                f"an annotation of the nested function `{node.name}` that computes "
                "(it is evaluated when the `def` runs)",
                "annotate with a type (float, np.ndarray, list[float]) or drop the annotation",
                filename,
                annotation.lineno,
            )


def annotations(node: gast.FunctionDef) -> list[gast.expr]:
    """The annotations of a nested function's parameters and result, in source order."""
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    found = [p.annotation for p in params if p.annotation is not None]
    return found + ([node.returns] if node.returns is not None else [])


def is_type_expression(node: gast.expr) -> bool:
    """A constant, a name, `a.b`, `a[b, c]`, `[a, b]` or `a | b` of such: evaluating it only
    reads names (no call, no side effect)."""
    if isinstance(node, (gast.Constant, gast.Name)):
        return True
    if isinstance(node, gast.Attribute):
        return is_type_expression(node.value)
    if isinstance(node, gast.Subscript):
        return is_type_expression(node.value) and is_type_expression(node.slice)
    if isinstance(node, (gast.Tuple, gast.List)):
        return all(is_type_expression(e) for e in node.elts)
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.BitOr):
        return is_type_expression(node.left) and is_type_expression(node.right)
    return False


def calls_nested(stmt: gast.AST, nested: set[str] | dict) -> bool:
    """`g(...)` as a statement, `g` a nested function: inlined for its effect on the enclosing
    function's lists and arrays (ssa/aliasing.py), its result dropped."""
    call = stmt.value if isinstance(stmt, gast.Expr) else None
    named = isinstance(call, gast.Call) and isinstance(call.func, gast.Name)
    return named and call.func.id in nested


def _check_assignment(
    node: gast.Assign | gast.AugAssign | gast.AnnAssign, filename: str, line: int
) -> None:
    targets = node.targets if isinstance(node, gast.Assign) else [node.target]
    for target in targets:
        _check_target(target, filename, line)
    if isinstance(node, gast.AnnAssign) and node.value is None:
        raise _error(
            "annotation without a value",
            "give the variable a value where it is declared",
            filename,
            line,
        )


def is_append(stmt: gast.stmt) -> bool:
    """`xs.append(v)`: on a local list, a new version of the list (other expression
    statements are kept for their effect: ssa/effects.py)."""
    call = stmt.value if isinstance(stmt, gast.Expr) else None
    return (
        isinstance(call, gast.Call)
        and isinstance(call.func, gast.Attribute)
        and call.func.attr == "append"
        and isinstance(call.func.value, gast.Name)
        and len(call.args) == 1
        and not call.keywords
    )


def is_list_update(stmt: gast.stmt) -> bool:
    """`xs.pop(…)`, `xs.extend(ys)`, `xs.insert(i, v)`, `d.update(e)`, `d.setdefault(k, v)`
    as a statement, on a local name."""
    return isinstance(stmt, gast.Expr) and is_list_update_call(stmt.value)


LIST_UPDATES = ("pop", "extend", "insert")


DICT_UPDATES = ("update", "setdefault")  # (and `pop`)


def is_list_update_call(call: object) -> bool:
    """A call of `.pop`, `.extend` or `.insert` (of a list), or `.update` or `.setdefault`
    (of a dict) on a name: a new version of that list or dict."""
    return (
        isinstance(call, gast.Call)
        and isinstance(call.func, gast.Attribute)
        and call.func.attr in (*LIST_UPDATES, *DICT_UPDATES)
        and isinstance(call.func.value, gast.Name)
    )


def item_receiver(stmt: gast.stmt) -> gast.Subscript | None:
    """`c[k]` of `c[k].append(v)` (or `.pop(…)`, `.extend(ys)`, `.insert(i, v)`, a dict
    item's `.update(…)`, `.setdefault(…)`) as a statement, or `v = c[k].pop()`: a list or
    dict item of the local `c` updated in place (deeper too: `c[i][j]`)."""
    call = stmt.value if isinstance(stmt, (gast.Expr, gast.Assign)) else None
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)):
        return None
    receiver, method = call.func.value, call.func.attr
    if not isinstance(receiver, gast.Subscript):
        return None
    if method not in ("append", *LIST_UPDATES, *DICT_UPDATES):
        return None
    if isinstance(stmt, gast.Assign) and method not in ("pop", "setdefault"):
        return None
    if method == "append" and (len(call.args) != 1 or call.keywords):
        return None
    return receiver if subscript_root(receiver) is not None else None


def subscript_root(node: gast.expr) -> str | None:
    """The name `a` at the root of `a[i][j]`, if a name."""
    while isinstance(node, gast.Subscript):
        node = node.value
    return node.id if isinstance(node, gast.Name) else None


def _check_target(target: gast.AST, filename: str, line: int | None) -> None:
    if isinstance(target, (gast.Name, gast.Subscript)):
        return
    if isinstance(target, gast.Tuple):  # names, elements and tuples of them, left to right
        for element in target.elts:  # `first, *rest = xs`: frontend/starred.py
            inner = element.value if isinstance(element, gast.Starred) else element
            _check_target(inner, filename, line)
        return
    hint = "assign to a plain local name, an element `a[i]`, or a tuple of those"
    if isinstance(target, gast.Attribute):
        construct = (
            f"assignment to an attribute (`.{target.attr} = …` would change the object for "
            "every name that holds it)"
        )
        hint = (
            "make a new object instead: `p = p._replace(w=...)` (a NamedTuple), "
            "`p = dataclasses.replace(p, w=...)` (a dataclass), `m = Model(...)`; or " + hint
        )
    else:
        construct = "assignment to this kind of target"
    raise UnsupportedSyntaxError(
        f"unsupported construct: {construct}", filename=filename, line=line, hint=hint
    )


# The forms of lowered classes the lowering takes, checked once every class is known to be in
# the allow-list (so `yield x` is refused as `yield`, not as a value thrown away).
_CHECKS = {
    "FunctionDef": _check_nested_def,
    "Assign": _check_assignment,
    "AugAssign": _check_assignment,
    "AnnAssign": _check_assignment,
}
