"""`functools.partial(f, a, k=v)` made in the function: a lambda, then a nested `def`.

A partial is a function of its own, given to a helper (`integrate(partial(decay, k=k),
y0, dt, n)`) or bound to a name and called later; the lowering follows lambdas and nested
defs there (lambdas.py, nested_functions.py), and a partial is the same function written
another way. Its arguments are evaluated once, where it is made, as a lambda's defaults
are, so they become keyword-only parameters with those defaults:

    partial(decay, k, c=0.5)   →   lambda *_s2s_args, _s2s_p1_0=k, _s2s_p1_c=0.5,
                                          **_s2s_kwargs: decay(_s2s_p1_0, *_s2s_args,
                                                               c=_s2s_p1_c, **_s2s_kwargs)

Only where `f` is a module's or closure's function, or a local name bound once (read when
the partial is called: the same function), and the arguments hold no `*` or `**`; a partial
made and called at once is the call itself (callable_values.py). A call of the partial
giving one of its keywords again overrides it, as Python's partial lets it (the
lowering keeps the last value given for a keyword there, star_arguments.py).
"""

from __future__ import annotations

import functools
import re

import gast
from gast import Call, FunctionDef, Load, Name  # (the walk of every node: no lookups)

from ..frontend import nodes
from ..frontend.scope import Scope
from ..naming import Namer

_ARGS = "_s2s_args"
PARTIAL_KEYWORDS = "_s2s_kwargs"  # (star_arguments.py: a keyword given again overrides)


def lower_partials(node: gast.FunctionDef, scope: Scope) -> gast.FunctionDef:
    """`node` with every partial it makes (nested functions' included) a lambda."""
    every = nodes.descendants(node)
    stores: dict[str, int] = {}
    for n in every:
        if isinstance(n, Name) and not isinstance(n.ctx, Load):
            stores[n.id] = stores.get(n.id, 0) + 1
        elif isinstance(n, FunctionDef) and n is not node:
            stores[n.name] = stores.get(n.name, 0) + 1
    called = {id(n.func) for n in every if isinstance(n, Call)}
    namer = Namer({n.id for n in every if isinstance(n, Name)} | set(stores))
    for parent in every:
        for field, value in gast.iter_fields(parent):
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if id(item) in called or not _is_partial(item, stores, scope):
                    continue
                made = _as_lambda(item, namer)
                if isinstance(value, list):
                    value[i] = made
                else:
                    setattr(parent, field, made)
    return node


def _is_partial(node: object, stores: dict, scope: Scope) -> bool:
    """`partial(f, …)` of a function `f` named by a module's, a closure's or a once-bound
    local name, without `*`/`**` arguments."""
    if not isinstance(node, gast.Call) or not node.args:
        return False
    if any(isinstance(a, gast.Starred) for a in node.args) or any(
        k.arg is None for k in node.keywords
    ):
        return False
    if _resolved(node.func, stores, scope) is not functools.partial:
        return False
    f = node.args[0]
    while isinstance(f, gast.Attribute):
        f = f.value
    return isinstance(f, gast.Name) and stores.get(f.id, 0) <= 1


def _resolved(func: gast.expr, stores: dict, scope: Scope) -> object:
    dotted = []
    while isinstance(func, gast.Attribute):
        dotted.insert(0, func.attr)
        func = func.value
    if not isinstance(func, gast.Name) or func.id in stores:
        return None
    if (dotted[-1] if dotted else func.id) != "partial":
        return None  # (no other call's callee looked up: looking up watches it)
    return scope.resolve([func.id, *dotted])


def _as_lambda(call: gast.Call, namer: Namer) -> gast.Lambda:
    stem = namer.fresh("_s2s_p")
    bound, passed, defaults = [], [], []
    for k, value in enumerate(call.args[1:]):
        bound.append(_arg(f"{stem}_{k}"))
        passed.append(nodes.name(f"{stem}_{k}"))
        defaults.append(value)
    keywords = []
    for keyword in call.keywords:
        bound.append(_arg(f"{stem}_{keyword.arg}"))
        keywords.append(gast.keyword(arg=keyword.arg, value=nodes.name(f"{stem}_{keyword.arg}")))
        defaults.append(keyword.value)
    rest = gast.Starred(value=nodes.name(_ARGS), ctx=gast.Load())
    body = gast.Call(
        func=call.args[0],
        args=[*passed, rest],
        keywords=[*keywords, gast.keyword(arg=None, value=nodes.name(PARTIAL_KEYWORDS))],
    )
    arguments = gast.arguments(
        args=[],
        posonlyargs=[],
        vararg=_arg(_ARGS),
        kwonlyargs=bound,
        kw_defaults=defaults,
        kwarg=_arg(PARTIAL_KEYWORDS),
        defaults=[],
    )
    made = gast.Lambda(args=arguments, body=body)
    given = {id(n) for n in gast.walk(call)}  # (the user's expressions keep their places)
    for n in gast.walk(made):
        if id(n) not in given and "lineno" in n._attributes:
            gast.copy_location(n, call)
            n.end_lineno, n.end_col_offset = call.end_lineno, call.end_col_offset
    return made


def user_parameter(name: str) -> str:
    """The user's name of a partial's bound argument (`_s2s_p_1_target` → `target`; a
    positional one: its place among the partial's arguments), else `name` itself."""
    found = re.fullmatch(r"_s2s_p(?:_\d+)?_(.+)", name)
    return name if found is None else found.group(1)


def _arg(name: str) -> gast.Name:
    return gast.Name(id=name, ctx=gast.Param(), annotation=None, type_comment=None)
