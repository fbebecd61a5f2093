"""A pullback reads the state outside the derivative as the forward call left it.

`vjp`'s pullback runs later than the forward sweep, when the module's globals, the
attributes of its objects and the function's closure may have been rebound (`SCALE = 3.0`,
`cfg.scale = 3.0`, a `nonlocal` assignment, between `vjp` and the call of the pullback).
JAX's and autograd's pullbacks give the VJP at the point of the forward call. Here each value
the pullback reads from outside the derivative code (a global, a closure's variable, the
longest chain of attributes and literal items rooted at one, `HOLDERS[0].w`) is bound to a
name of its own at the end of the forward sweep,
just before the pullback is defined, and the pullback reads that name.

Before::                                  After::

    def f_vjp(x):                             def f_vjp(x):
        _t1 = x * SCALE                           _t1 = x * SCALE
        ...                                       ...
                                                  SCALE_read = SCALE
        def pullback(f_bar):                      def pullback(f_bar):
            x_bar = _t1_bar * SCALE                   x_bar = _t1_bar * SCALE_read

An array (or a list, tuple, dict or object holding arrays) is bound as a copy, `W_read =
rt.snapshot(W)`: one updated in place (`W *= 2`) after `vjp` is not seen by the pullback, as
with JAX, whose arrays are immutable (autograd's pullback sees it). Modules, classes and
functions are never bound (their attributes' values are, where they are data). The views
the forward sweep took of such arrays (`W[1:]`), the arguments and the returned value are
kept by `vjp` itself (`s2s_ad/snapshots.py`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import partial
from inspect import getattr_static

import numpy as np

from ..codegen import build
from ..frontend.nodes import chain_value
from ..naming import Namer
from ..ssa.effect_calls import is_data

# data no caller can update in place (anything else, `CFG.W.T` too, is bound by
# `rt.snapshot`, which copies the arrays in it)
_IMMUTABLE = (int, float, complex, str, bytes, np.generic, type(None))
MISSING = object()  # what `resolve` gives for a name bound nowhere it looks (a builtin)


def bind_state_reads(
    tree: ast.FunctionDef,
    resolve: Callable[[str], object],
    namer: Namer,
    runtime: str,
    helpers: frozenset[str] = frozenset(),
    bound_where_read: bool = False,
) -> None:
    """Rewrite, in place, the pullback nested in `tree` (`def pullback`, if any) to read
    the values of its free names and attribute chains bound before it. `resolve`: what a
    name the generated code does not bind names (a cell's content, a global), else
    `MISSING`; `namer`: fresh names for the bindings; `runtime`: the name the code calls the
    runtime by (`rt.snapshot` of arrays); `helpers`: the names of the derivative code of
    helpers it calls, whose pullbacks hold the data given to them; `bound_where_read`: the
    code reads the module's data through copies bound where each primitive reads it
    (`ssa/state_reads.py`, a helper changes it), so the forward sweep's own names for it
    stay the module's (`w = WBUF` sees the helper's write, as in the plain call)."""
    at = next((k for k, s in enumerate(tree.body) if isinstance(s, ast.FunctionDef)), None)
    if at is None:
        return
    pullback = tree.body[at]
    local = _bound(tree)  # (the pullback's own names too: it is nested in `tree`)
    reads = _StateReads(local, resolve, namer, runtime)
    pullback.body = [reads.visit(stmt) for stmt in pullback.body]
    snapshot = partial(_snapshot, runtime)
    tree.body[at:at] = [
        build.assign(name, snapshot(value) if mutable else value)
        for name, value, mutable in reads.bindings.values()
    ]
    # the forward sweep's own names for such data (`M = G_POS`, `w = LAYERS[i]`, `for w in
    # LAYERS`), which the pullback or a loop's tape may hold, and such data given to a
    # helper (`_dense_vjp(x, W1, b1)`, whose pullback holds it): copies too
    forward = () if bound_where_read else tree.body[:at]
    written = _written_objects(forward)  # (`setattr(_t1, "lr", v)`: the module's own object)
    for node in (n for stmt in forward for n in ast.walk(stmt)):
        if isinstance(node, ast.Assign) and written & {_target(node), _root(node.value)}:
            continue
        if isinstance(node, ast.Assign) and reads.holds_state(node.value):
            node.value = snapshot(node.value)
        elif isinstance(node, ast.For) and reads.holds_state(node.iter):
            node.iter = snapshot(node.iter)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in helpers:
            node.args = [snapshot(a) if reads.holds_state(a) else a for a in node.args]
            for k in node.keywords:
                k.value = snapshot(k.value) if reads.holds_state(k.value) else k.value


# calls setting what their first argument holds, and methods setting their object's
_SETTING_CALLS = frozenset(("setattr", "delattr", "setitem", "__setattr__", "__setitem__"))
_SETTING_METHODS = frozenset(("__setattr__", "__setitem__", "__delattr__", "update"))
# … and methods changing what a list, dict or set holds (`HIST["loss"].append(v)`)
_CHANGING_METHODS = _SETTING_METHODS | {"append", "extend", "insert", "add", "setdefault"}
_CHANGING_METHODS |= {"pop", "popitem", "remove", "clear", "appendleft", "popleft"}


def _written_objects(statements: list) -> set[str]:
    """The names the forward sweep sets an attribute or item of, or changes the contents of
    (`setattr(_t1, "lr", v)`, `_t1.__setitem__(k, v)`, `HIST["loss"].append(v)`: `HIST`):
    the module's own objects, not snapshots of them (`h = HIST["loss"]` sees the append)."""
    written: set[str] = set()
    for node in (n for stmt in statements for n in ast.walk(stmt)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if isinstance(func, ast.Attribute) and name in _CHANGING_METHODS:
            target = func.value  # (`_t1.__setattr__("n", v)`, `HIST["loss"].append(v)`)
        elif name in _SETTING_CALLS and node.args:
            target = node.args[0]  # (`setattr(_t1, …)`, `object.__setattr__(_t1, …)`)
        else:
            continue
        root = _root(target)
        if root is not None:
            written.add(root)
    return written


def _root(node: ast.expr) -> str | None:
    """The name a chain of attributes and items starts from (`HIST` of `HIST["loss"]`)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _target(node: ast.Assign) -> str | None:
    first = node.targets[0] if len(node.targets) == 1 else None
    return first.id if isinstance(first, ast.Name) else None


def _snapshot(runtime: str, value: ast.expr) -> ast.Call:
    return build.call_named(f"{runtime}.snapshot", [value])


def _bound(fn: ast.FunctionDef) -> set[str]:
    """The names `fn` binds: its parameters, its assignments' and loops' targets, its
    nested functions' names (their parameters and bodies too: a name is free for the
    pullback only where the generated code binds it nowhere)."""
    names = {fn.name}
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return names


class _StateReads(ast.NodeTransformer):
    """Free names and attribute chains of data replaced by names bound before the pullback;
    `bindings`: the source of each chain → (the name bound, the chain's tree, whether its
    value may be updated in place, bound as a copy)."""

    def __init__(
        self, local: set[str], resolve: Callable[[str], object], namer: Namer, runtime: str
    ) -> None:
        self.local, self.resolve, self.namer, self.runtime = local, resolve, namer, runtime
        self.bindings: dict[str, tuple[str, ast.expr, bool]] = {}

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self._bound_or_visited(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        return self._bound_or_visited(node)  # (`CFG.scale`; `CFG.method(x)`: no data)

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        return self._bound_or_visited(node)  # (`HOLDERS[0].w`, `BY_NAME["layer"].w`)

    def _bound_or_visited(self, node: ast.expr) -> ast.expr:
        """The name bound to `node`'s value where it reads data from outside the derivative
        code (the longest such chain: `HOLDERS[0].w`, not `HOLDERS`), else `node` with its
        parts visited."""
        if isinstance(node.ctx, ast.Load):
            value = self._static(node)
            if value is not MISSING and is_data(value):
                source = ast.unparse(node)
                if source not in self.bindings:
                    preferred = re.sub(r"\W+", "_", source).strip("_")
                    name = self.namer.fresh(f"{preferred}_read")
                    self.bindings[source] = (name, node, not isinstance(value, _IMMUTABLE))
                return ast.Name(id=self.bindings[source][0], ctx=ast.Load())
        return node if isinstance(node, ast.Name) else self.generic_visit(node)

    def holds_state(self, node: ast.expr) -> bool:
        """Whether `node` is a name, attribute or item of data outside the derivative code
        that the caller may update in place (`G_POS`, `GL[0]`, `LAYERS[i]`, `CFG.W`)."""
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if not isinstance(root, ast.Name) or root.id in self.local:
            return False
        held = self.resolve(root.id)
        if held is MISSING or root.id == self.runtime:
            return False  # (a builtin; the runtime's own values: `rt.unbound._t4`)
        value = self._static(node)  # (MISSING where an index is computed: `LAYERS[i]`)
        if value is MISSING:
            return is_data(held)  # (an item of the module's list, not a module's attribute)
        return is_data(value) and not isinstance(value, _IMMUTABLE)

    def _static(self, node: ast.expr) -> object:
        """The object a chain of names, attributes and literal items rooted outside the
        derivative code names now, found without running code (a property is its
        descriptor), else `MISSING`."""
        return chain_value(
            node,
            lambda name: MISSING if name in self.local else self.resolve(name),
            get=getattr_static,
            kinds=ast,
            missing=MISSING,
        )
