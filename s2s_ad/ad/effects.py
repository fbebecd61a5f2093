"""The reverse sweep of a `with` block (`ssa/context_managers.py`).

Its forward sweep runs inside the context; the adjoint of its body runs in the pullback,
after the context exited: inside `rt.reentered(cm)`, an `np.errstate` of the same settings
again, nothing for other context managers. Statements kept for their effect
(`ssa/effects.py`) have no adjoint: the reverse sweep skips them, and so does the rerun of a
checkpointed loop's segments, which refuses a helper that has effects of its own.

    with _t1:                       # forward sweep
        y = np.log(x)
    ...
    with rt.reentered(_t1):         # reverse sweep
        x_bar = y_bar / x
"""

from __future__ import annotations

import ast
import collections
import io
import types

from ..codegen import build
from ..errors import UnsupportedSyntaxError
from ..naming import Aliases
from ..ssa.effect_calls import (
    ARGUMENT_CHANGING,
    CHANGING_METHODS,
    STREAM_WRITES,
    changes_container,
    changes_given,
    helper_effect,
    reads_stream,
    streams_reached,
)
from ..ssa.effects import ITEM_TAKING, prim_draws
from ..ssa.ir import (
    Assign,
    Effect,
    For,
    Free,
    Function,
    If,
    Prim,
    Var,
    While,
    With,
    used_vars,
    walk,
)
from ..ssa.stored_values import called_name


def with_adjoint(stmt: With, adjoint: list[ast.stmt], aliases: Aliases) -> list[ast.stmt]:
    """The adjoint code of `stmt`'s body, inside its context entered again (none: none)."""
    if not any(not isinstance(s, ast.Expr) or not _is_comment(s) for s in adjoint):
        return adjoint
    context = ast.Call(
        func=build.parse_expr(f"{aliases.rt}.reentered"),
        args=[build.atom(stmt.context)],
        keywords=[],
    )
    return [build.with_(context, adjoint)]


def _is_comment(stmt: ast.Expr) -> bool:
    value = stmt.value
    return isinstance(value, ast.Constant) and isinstance(value.value, str)


def _takes_item(value: object) -> bool:
    if not isinstance(value, Prim):
        return False
    if changes_given(value.fn) or reads_stream(value.fn):
        return True  # `next(it)`, `heapq.heappop(h)`, `bisect.insort(xs, v)`: a local's too
    # (the methods taking an item: a rerun cannot stand None in for their value, as it
    # does for the others' (`reverse.forward`); the functions advancing or changing what they
    # are given are refused there too, the rerun's reads of it would differ)
    return getattr(value.fn, "__name__", "") in ITEM_TAKING and changes_container(value.fn)


def _changes_given(node: object) -> bool:
    """A statement calling `bisect.insort(xs, v)`, `heapq.heappush(h, v)`, `next(it)`: the
    rerun would leave it out and read what the forward sweep changed."""
    return _called(node) in ARGUMENT_CHANGING


def _called(node: object) -> str | None:
    """The name a statement calling a function calls it by (`insort` of `bisect.insort(…)`)."""
    call = getattr(node, "value", None)
    return called_name(call) if hasattr(call, "func") else None


# calls kept for their effect that only write out (a line, a log record, a warning)
_OUTPUT_CALLS = frozenset(
    {"print", "warn", "debug", "info", "warning", "error", "critical", "exception", "log"}
    | {"write", "writelines", "writerow", "writerows", "flush"}
)


def _module_objects_held(fn: Function) -> dict[str, Free]:
    """The variables bound to a module's list, dict, set or object (`lg = LG`, `h = lg`)."""
    held: dict[str, Free] = {}
    for stmt in walk(fn.body):
        value = stmt.value if isinstance(stmt, Assign) else None
        if type(value) is Free and _state_object(value.value):
            held[stmt.target] = value
        elif type(value) is Var and value.name in held:
            held[stmt.target] = held[value.name]
    return held


def _refuse_state_read_back(body: list, filename: str, held: dict[str, Free]) -> None:
    """A checkpointed loop whose statements change module state (`Q[0].append(v)`,
    `REC.record(v)`, a helper storing) and that reads that state (`len(Q[0])`,
    `len(REC.log)`): the pullback recomputes the loop's segments after the loop ran, when
    the state holds what the later iterations stored. What a statement calling a list's,
    dict's or set's method changes is its receiver's module name; a call of anything else
    may change any module object, as far as s2s_ad sees (a method, a helper, a handler).
    A read through a local bound to the module's object (`held`: `lg = LG; len(lg)`) is one
    too. Refused at the change."""
    changed: dict[str, int] = {}  # module name → the line changing it
    anything: int | None = None  # the line of a call that may change any
    for stmt in body:
        value = stmt.value if isinstance(stmt, Assign) else None
        if isinstance(value, Prim) and changes_container(value.fn) and value.spelled:
            changed.setdefault(_root_of(value.spelled), stmt.line)  # (`Q[0].append` inlined)
        elif (
            isinstance(value, Prim)
            and isinstance(value.fn, types.FunctionType)
            and anything is None
            and helper_effect(value.fn) is not None
        ):
            anything = stmt.line
        call = _effect_call(stmt)
        if call is None or _root_name(call.func) is None:
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _OUTPUT_CALLS:
            continue
        if isinstance(call.func, ast.Attribute) and name in CHANGING_METHODS:
            changed.setdefault(_root_name(call.func), stmt.line)
        elif anything is None:
            anything = stmt.line
    if not changed and anything is None:
        return
    for stmt in body:
        value = stmt.value if isinstance(stmt, Assign) else None
        for atom in value.args if isinstance(value, Prim) else ():
            atom = held.get(atom.name, atom) if type(atom) is Var else atom  # (`len(lg)`)
            if type(atom) is not Free or not _state_object(atom.value):
                continue
            line = changed.get(_root_of(atom.source), anything)
            if line is not None:
                raise UnsupportedSyntaxError(
                    "unsupported construct: a change of module state in a checkpointed loop "
                    f"that reads it back (`{atom.source}`, line {stmt.line}): the pullback "
                    "recomputes the loop's segments after the loop ran, when the state holds "
                    "what the later iterations stored",
                    filename=filename,
                    line=line,
                    hint="keep the count or value in a variable the loop carries, or do not "
                    "checkpoint the loop",
                )


def _root_of(spelled: str) -> str:
    """The module name a spelled chain starts from (`Q` of `Q[0].append`)."""
    return spelled.split(".")[0].split("[")[0]


def _effect_call(stmt: object) -> ast.Call | None:
    """The call a statement kept for its effect makes (`Q[0].append(v)`), else None."""
    node = getattr(stmt, "node", None) if isinstance(stmt, Effect) else None
    call = getattr(node, "value", None)
    return call if isinstance(call, ast.Call) else None


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _state_object(value: object) -> bool:
    """A module's list, dict, set, deque or object of a class (not an array of numbers, a
    number, a string, a module or a function): what an effect may store in."""
    if isinstance(value, (list, dict, set, collections.deque)):
        return True
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, (type, types.ModuleType))
        and (not callable(value))
    )


def _refuse_stream_value(value: Prim, line: int, filename: str) -> None:
    """A module's stream's method whose value is read in a checkpointed loop (`n = W.write(
    s)`, `W.tell()`, `W.getvalue()`): the recomputed segments have no count (nothing is
    written again) and read the stream as the later iterations left it."""
    name = value.spelled or value.fn.__name__
    if reads_stream(value.fn, STREAM_WRITES):
        what = "whose count of what it wrote is read: the pullback recomputes the loop's "
        what += "segments without writing again, so it has no count to read"
        hint = "count the text written yourself (`len(text)`), or do not checkpoint the loop"
    else:
        what = "a read of a module's stream: the pullback recomputes the loop's segments "
        what += "after the loop ran, when the stream holds what the later iterations wrote"
        hint = "read what you need of the stream before the loop, or do not checkpoint the loop"
    raise UnsupportedSyntaxError(
        f"unsupported construct: `{name}` in a checkpointed loop, {what}",
        filename=filename,
        line=line,
        hint=hint,
    )


def _of_stream(fn: object) -> bool:
    """Whether `fn` is a method of a file or stream (`W.tell`, `W.getvalue`)."""
    return isinstance(getattr(fn, "__self__", None), io.IOBase)


def _variables_read(stmts: list) -> set[str]:
    """The variables `stmts` read (values, tests, loops' sequences, effects, contexts)."""
    read: set[str] = set()
    for stmt in stmts:
        kind = type(stmt)
        if kind is Assign:
            read.update(used_vars(stmt.value))
        elif kind is If or kind is With:
            read.update(used_vars(stmt.test if kind is If else stmt.context))
        elif kind is For:
            read.update(used_vars(stmt.iterable))
        elif kind is While:
            read.add(stmt.test)
        elif kind is Effect:
            read.update(stmt.reads)
    return read


def refuse_effects_in_rerun(loop: For, fn: Function) -> None:
    """The pullback of a checkpointed loop runs its segments again (`reverse.segments`):
    the loop's own statements kept for their effect are left out then, but a helper of
    yours it calls runs whole again, with the `print`s inside it: refused, as is a random draw
    (`rng.normal(…)`), which would draw other numbers, a method taking an item out of a list,
    dict or set (`Q.pop()`), which would take another, and a read of module state a helper
    changes (`ssa/state_reads.py`), which would read the changed value."""
    body = walk(loop.body)
    read = _variables_read(body)
    _refuse_state_read_back(body, fn.filename, _module_objects_held(fn))
    for stmt in body:
        value = stmt.value if isinstance(stmt, Assign) else None
        if isinstance(stmt, Assign) and stmt.target in fn.state_reads:  # (ssa/state_reads.py)
            raise UnsupportedSyntaxError(
                "unsupported construct: a read of module state a helper the function calls "
                "changes, in a checkpointed loop: the pullback would read it again, changed, "
                "when it recomputes the loop's segments",
                filename=fn.filename,
                line=stmt.line,
                hint="read the value into a variable before the loop and use that, or do not "
                "checkpoint the loop",
            )
        if isinstance(value, Prim) and prim_draws(value):
            name = value.spelled or getattr(value.fn, "__name__", "the generator")
            raise UnsupportedSyntaxError(
                f"unsupported construct: `{name}` in a checkpointed loop, which draws random "
                "numbers: the pullback would draw other ones when it recomputes the loop's "
                "segments",
                filename=fn.filename,
                line=stmt.line,
                hint="draw all the numbers before the loop (one array, a row per iteration) "
                "and read a row in it, or do not checkpoint the loop",
            )
        if _takes_item(value) or (isinstance(stmt, Effect) and _changes_given(stmt.node)):
            name = _called(stmt.node) if value is None else value.spelled or value.fn.__name__
            raise UnsupportedSyntaxError(
                f"unsupported construct: `{name}` in a checkpointed loop, which takes an item "
                "out of (or changes) a list, dict, set, heap or iterator: the pullback would "
                "take another when it recomputes the loop's segments",
                filename=fn.filename,
                line=stmt.line,
                hint="take the items before the loop, or do not checkpoint the loop",
            )
        if isinstance(value, Prim) and stmt.target in read and _of_stream(value.fn):
            _refuse_stream_value(value, stmt.line, fn.filename)
        if not (isinstance(value, Prim) and isinstance(value.fn, types.FunctionType)):
            continue
        found = helper_effect(value.fn)
        streams = sorted(streams_reached(value.fn)) if found is None else ()
        if streams:  # (`len(LOG.getvalue())` in it: the recomputed segments read it moved on)
            found = f"a read of the module's stream `{streams[0]}`"
        if found is not None:
            name = value.spelled or value.fn.__name__
            raise UnsupportedSyntaxError(
                f"unsupported construct: call of `{name}` in a checkpointed loop, which runs "
                f"{found} again when the pullback recomputes the loop's segments",
                filename=fn.filename,
                line=stmt.line,
                hint=f"move that statement out of `{name}` into the loop's body (it then runs "
                "once), or do not checkpoint the loop",
            )
