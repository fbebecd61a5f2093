"""Where a helper of yours stores a value made from its arguments, for others to read.

    def record(v):
        STATE.last = v                  # stores its argument in a module's object

    def record_into(s, v):
        s.last = v                      # … or in an object it is given

The derivative code calls such a helper with primal values: what it stores holds no
derivative. Read back by the function (`return STATE.last * 3.0`), the derivative through it
would be lost, silently; `ad/stored_derivatives.py` refuses that. Helpers that store only
what their arguments do not make (`cfg.train = False`, a counter `STATE.step += 1`) are left
alone, as are helpers that log a value nothing reads back.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import gast

from ..errors import S2SError
from ..frontend import nodes
from ..frontend.library import is_library_function
from ..frontend.nodes import descendants, root
from ..frontend.parse import parse_function
from .effect_calls import READING_METHODS, SETTING_BUILTINS


@dataclass(frozen=True)
class Store:
    """A statement storing a value made from the helper's parameters: `where`, described
    (`line 14 of record: STATE.last = v`); the module names whose objects it writes
    (`STATE`), and the helper's parameters whose objects it writes (`s`)."""

    where: str
    names: frozenset[str]
    params: frozenset[str]


_READING: set = set()  # the helpers being read (a recursive helper: the outer reading decides)


def stored_parameters(fn: types.FunctionType, depth: int = 0) -> Store | None:
    """The first statement of `fn` (or of a helper of the user's it calls by name, given a
    value made from `fn`'s parameters) storing a value made from its parameters in an object
    others may read: a module's (or closure's) name, or an object a parameter names. None
    where there is none, or where its source cannot be read."""
    if is_library_function(fn) or depth > 3 or fn.__code__ in _READING:
        return None
    try:
        node = parse_function(fn).node
    except S2SError:
        return None
    _READING.add(fn.__code__)
    try:
        return _first_store(fn, node, depth)
    finally:
        _READING.discard(fn.__code__)


def _first_store(fn: types.FunctionType, node: gast.FunctionDef, depth: int) -> Store | None:
    args = node.args
    params = [p.id for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    params += [a.id for a in (args.vararg, args.kwarg) if a is not None]
    body = [n for stmt in node.body for n in nodes.walk_own(stmt)]
    scoped = (gast.Global, gast.Nonlocal)
    declared = {name for n in body if isinstance(n, scoped) for name in n.names}
    own = {
        n.id for n in body if isinstance(n, gast.Name) and type(n.ctx) is not gast.Load
    } - declared
    made = _made_from(body, set(params))
    for n in body:
        stored, roots = _stored(n, declared)
        written = {r for r in roots if r is not None}
        names = {w for w in written - own - set(params) if not _module(fn, w)}
        objects = written & set(params)
        if (names or objects) and _reads(stored) & made:
            where = f"line {n.lineno} of `{fn.__qualname__}`: `{_first_line(n)}`"
            return Store(where, frozenset(names), frozenset(objects))
        if isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id not in own:
            found = _stored_by_callee(fn, n, made, set(params), depth)
            if found is not None:
                return found
    return None


def _made_from(body: list, params: set[str]) -> set[str]:
    """The names bound to values made from `params` (to a fixed point: loops)."""
    made = set(params)
    assigns = [n for n in body if isinstance(n, (gast.Assign, gast.AugAssign, gast.For))]
    for _ in range(len(assigns) + 1):
        before = len(made)
        for n in assigns:
            value = n.iter if isinstance(n, gast.For) else n.value
            if _reads(value) & made:
                targets = n.targets if isinstance(n, gast.Assign) else [n.target]
                made |= {m.id for t in targets for m in descendants(t) if isinstance(m, gast.Name)}
        if len(made) == before:
            break
    return made


def _stored(n: gast.AST, declared: set[str]) -> tuple[gast.AST | None, list]:
    """(What statement `n` stores, the names at the roots of the objects it stores it in) for
    `P.a = v`, `W[0] = v`, `G = v` (`G` declared global), `LOG.append(v)` (a method's
    call whose result is unused), `setattr(P, "a", v)`; (None, []) for any other node."""
    if isinstance(n, (gast.Assign, gast.AugAssign)):
        targets = n.targets if isinstance(n, gast.Assign) else [n.target]
        roots = [
            root(t) if isinstance(t, (gast.Attribute, gast.Subscript)) else t.id
            for t in targets
            if isinstance(t, (gast.Attribute, gast.Subscript))
            or (isinstance(t, gast.Name) and t.id in declared)
        ]
        return (n.value, roots) if roots else (None, [])
    if isinstance(n, gast.Expr) and isinstance(n.value, gast.Call):  # (its result unused)
        call = n.value
        func = call.func
        if isinstance(func, gast.Name) and func.id in SETTING_BUILTINS and call.args:
            return gast.Tuple(elts=call.args[1:], ctx=gast.Load()), [root(call.args[0])]
        if isinstance(func, gast.Attribute) and func.attr not in READING_METHODS:
            given = [*call.args, *(k.value for k in call.keywords)]
            return gast.Tuple(elts=given, ctx=gast.Load()), [root(func.value)]
    return None, []


def _stored_by_callee(
    fn: types.FunctionType, call: gast.Call, made: set[str], params: set[str], depth: int
) -> Store | None:
    """A helper `fn` calls by name, given values made from `fn`'s parameters, that stores
    one: where it stores it, its parameters mapped to the names `fn` gave them."""
    callee = fn.__globals__.get(call.func.id)
    if not isinstance(callee, types.FunctionType):
        return None
    given = given_arguments(callee, call.args, [(k.arg, k.value) for k in call.keywords])
    if not any(_reads(arg) & made for arg in given.values()):
        return None
    found = stored_parameters(callee, depth + 1)
    if found is None:
        return None
    mine = {root(given[p]) for p in found.params if p in given}
    return Store(found.where, found.names, frozenset(mine & params))


def _module(fn: types.FunctionType, name: str) -> bool:
    """Whether `name` is a module in `fn`'s globals (`np.random.seed(v)`: no object read back)."""
    return isinstance(fn.__globals__.get(name), types.ModuleType)


def given_arguments(callee: types.FunctionType, args, keywords) -> dict[str, object]:
    """The parameter of `callee` each of `args` (positional) and `keywords` ((name, value)
    pairs) is given to; what `*args` or `**kwargs` would take is left out."""
    code = callee.__code__
    given = dict(zip(code.co_varnames[: code.co_argcount], args, strict=False))
    given.update((name, value) for name, value in keywords if name is not None)
    return given


def _reads(node: gast.AST) -> set[str]:
    return {n.id for n in descendants(node) if type(n) is gast.Name and type(n.ctx) is gast.Load}


def _first_line(node: gast.AST) -> str:
    return gast.unparse(node).strip().splitlines()[0]
