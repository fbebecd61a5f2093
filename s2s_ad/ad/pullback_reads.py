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

Arrays are bound, not copied: one updated in place (`W[:] = 0`) after `vjp` is seen by the
pullback, as with autograd (NumPy's arrays are mutable; JAX's are not). Modules, classes and
functions are never bound (their attributes' values are, where they are data).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from inspect import getattr_static

from ..codegen import build
from ..frontend.nodes import chain_value
from ..naming import Namer
from ..ssa.effect_calls import is_data

MISSING = object()  # what `resolve` gives for a name bound nowhere it looks (a builtin)


def bind_state_reads(tree: ast.FunctionDef, resolve: Callable[[str], object], namer: Namer) -> None:
    """Rewrite, in place, the pullback nested in `tree` (`def pullback`, if any) to read
    the values of its free names and attribute chains bound before it. `resolve`: what a
    name the generated code does not bind names (a cell's content, a global), else
    `MISSING`; `namer`: fresh names for the bindings."""
    at = next((k for k, s in enumerate(tree.body) if isinstance(s, ast.FunctionDef)), None)
    if at is None:
        return
    pullback = tree.body[at]
    local = _bound(tree)  # (the pullback's own names too: it is nested in `tree`)
    reads = _StateReads(local, resolve, namer)
    pullback.body = [reads.visit(stmt) for stmt in pullback.body]
    tree.body[at:at] = [build.assign(name, value) for name, value in reads.bindings.values()]


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
    `bindings`: the source of each chain → (the name bound, the chain's tree)."""

    def __init__(self, local: set[str], resolve: Callable[[str], object], namer: Namer) -> None:
        self.local, self.resolve, self.namer = local, resolve, namer
        self.bindings: dict[str, tuple[str, ast.expr]] = {}

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
                    self.bindings[source] = (self.namer.fresh(f"{preferred}_read"), node)
                return ast.Name(id=self.bindings[source][0], ctx=ast.Load())
        return node if isinstance(node, ast.Name) else self.generic_visit(node)

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
