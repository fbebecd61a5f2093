"""Derivatives made by s2s_ad called inside a differentiated function (DESIGN.md, "Growing
the language", principle 6): `dg = grad(g)` at module level (resolved by
`callables.resolve`), and `grad(g)(x)`, `value_and_grad(g, wrt=1)(a, x)`, `grad(grad(g))(x)`,
`grad(lambda t: …)(x)` called at once, made here when the derivative is made.

Their flat gradient code is Python source s2s_ad generated: a helper like any other, with its
own derivative. A lambda or nested def given to `grad` becomes a function of its own whose
extra parameters are the values it closes over, passed by keyword at the call, so that
derivatives flow through them as they do through a closure.

Before (inside `def f(x, w)`)::

    return np.sum(ad.grad(lambda t: np.sum(t * w) ** 2)(x))

After (SSA)::

    _t1 = _s2s_made(x, w=w)      # _s2s_made: grad of `def _lambda(t, w)`, through a cell
    f = np.sum(_t1)
"""

from __future__ import annotations

import ast
import functools
import itertools
import linecache
import types

import gast

from ..errors import S2SError
from ..frontend.library import module_name
from .function_values import Named
from .ir import Atom, Const, Free
from .names import loaded_names, stored_names
from .nested_functions import Nested

_TRANSFORMS = ("grad", "value_and_grad")
_LIFTED = itertools.count()


def _method_or_object(given: object) -> bool:
    """A bound method, a partial, or an object of a class of yours called (`grad(MODEL)`)."""
    if isinstance(given, (types.MethodType, functools.partial)):
        return True
    return isinstance(type(given).__dict__.get("__call__"), types.FunctionType)


def _label(name: str) -> str:
    return "the lambda" if name.startswith("_lambda") else f"the nested function `{name}`"


class DerivativeCalls:
    """The mixin: `grad(g)(x)` and the like, made at specialisation."""

    def _transform_call(self, node: gast.Call) -> tuple[Free, tuple] | None:
        """`ad.grad(g)` or `ad.value_and_grad(lambda t: …, wrt=1)` called at once: made now,
        (the derivative, keyword arguments for the values a lambda closes over)."""
        transform = self._transform(node.func)
        if transform is None:
            return None
        if any(isinstance(a, gast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            return None
        extra: tuple = ()
        values = []
        for a in node.args:
            bound = self.env.get(a.id) if isinstance(a, gast.Name) else None
            if isinstance(bound, Nested) and not values:  # a lambda or a nested def
                function, extra = self._lifted(a.id, bound)
                values.append(function)
            else:
                values.append(self._static_operand(a))
        keywords = {k.arg: self._static_operand(k.value) for k in node.keywords}
        given = values[0] if values else None
        if _method_or_object(given):
            # (its flat gradient code would be the method's, `self` among its parameters)
            shown = ast.unparse(gast.gast_to_ast(node.args[0]))
            raise self._unsupported(
                f"`{getattr(transform, '__name__', 'grad')}({shown})` called inside a "
                "differentiated function, of a method or callable object: s2s_ad makes such "
                "derivatives inside only of functions",
                hint=f"give it a function: `{transform.__name__}(lambda v: {shown}(v))`, or "
                "a module-level function calling it",
            )
        try:
            made = transform(*values, **keywords)
        except S2SError as exc:
            if exc.filename is not None:
                raise
            located = type(exc)(exc.message, filename=self.filename, line=self.line, hint=exc.hint)
            raise located from None
        name = self.namer.fresh("_s2s_made")  # read through a cell where the call is passive
        self.root_scope.closure[name] = types.CellType(made)
        return Free(name, made), extra

    def _transform(self, func: gast.expr) -> object | None:
        from .. import api

        if not isinstance(func, (gast.Name, gast.Attribute)) or self._is_local_chain(func):
            return None
        transform = self._free_chain(func).value
        if any(transform is getattr(api, name) for name in _TRANSFORMS):
            return transform
        if module_name(transform).startswith("s2s_ad.") and callable(transform):
            name = getattr(transform, "__name__", "")
            if name in ("jacobian", "jacfwd", "jacrev", "hessian", "jvp", "vjp", "hvp"):
                raise self._unsupported(
                    f"`{name}` called inside a differentiated function (only `grad` and "
                    "`value_and_grad` are, as their flat gradient code)",
                    hint="compute it outside and pass the value, or write it with `grad`",
                )
        return None

    def _lifted(self, name: str, bound: Nested) -> tuple[types.FunctionType, tuple]:
        """A lambda or nested def given to `grad` inside: a function of its own, the values
        it closes over as extra parameters (passed by keyword at the call, so that
        derivatives flow through them too)."""
        tree = bound.fn
        args = tree.args
        if bound.defaults or args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
            raise self._unsupported(
                f"`{_label(name)}` given to a derivative inside the differentiated function has "
                "defaults or star parameters",
                hint="give it plain parameters, or define it at module level",
            )
        params = [a.id for a in args.args]
        own = set(params) | stored_names(tree.body)
        closed = sorted(
            n
            for n in loaded_names(tree) - own
            if n in self.env or n in self.locals or n in self.scope.closure
        )
        for n in closed:
            if self._is_function(n) or not isinstance(self.env.get(n, Const(None)), Atom):
                raise self._unsupported(
                    f"`{_label(name)}` given to a derivative inside the differentiated function "
                    f"closes over `{n}`, a function",
                    hint=f"pass `{n}` the module-level function by its name instead",
                )
        body = ast.unparse(gast.gast_to_ast(tree)).split("\n", 1)[1]
        header = f"def {tree.name}({', '.join([*params, *closed])}):\n"
        source = "\n" * (tree.lineno - 1) + header + body + "\n"
        filename = f"<s2s_ad lifted {tree.name} {next(_LIFTED)}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace: dict = {}
        exec(compile(source, filename, "exec"), self.scope.globals, namespace)
        function = namespace[tree.name]
        function._s2s_where = (self.filename, tree.lineno)
        return function, tuple((n, self._name(n)) for n in closed)

    def _static_operand(self, node: gast.expr) -> object:
        """A value known now: a literal, a tuple of them, a module-level function, a
        derivative of one (`grad(grad(g))`)."""
        if isinstance(node, gast.Call):
            made = self._transform_call(node)
            if made is not None and not made[1]:
                return made[0].value
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, gast.Tuple):
            return tuple(self._static_operand(e) for e in node.elts)
        bound = self.env.get(node.id) if isinstance(node, gast.Name) else None
        if isinstance(bound, Named):
            return bound.free.value
        if isinstance(node, (gast.Name, gast.Attribute)) and not self._is_local_chain(node):
            return self._free_chain(node).value
        raise self._unsupported(
            "a derivative made inside the differentiated function of a function that is not "
            "known before it runs (a local value, a lambda given to a derivative with values "
            "it closes over)",
            hint="define the function at module level and write `dg = s2s_ad.grad(g)` there, "
            "or `s2s_ad.grad(g)` of that module-level `g`",
        )
