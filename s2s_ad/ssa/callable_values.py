"""Calls whose callee is a value known when the derivative is made (DESIGN.md, "Growing the
language", principle 4): a function held in an object, a list or a dict, a method of an
object the derivative is specialised to, a `functools.partial`, a callable object, a
transparent `functools.wraps` wrapper, a derivative made by s2s_ad (`dg = grad(g)`; those
made at the call, `grad(g)(x)`, are `derivative_calls.py`'s; loops over a known list of
layers, `known_loops.py`'s).

A mixin of the lowering, beside `function_values.py` (names bound to functions, helpers
given functions). A name bound to a KNOWN value (`Named`: a function, or an object of a
user class such as `self` when `grad(model.loss)` binds it) roots chains that are resolved
here at specialisation: `self.forward(x)` is `type(self).forward(self, x)`, inlined with
`self` known again, so the methods it calls resolve too; `self.W` is read live (held
fixed, as a global is); `layer(x)` runs `type(layer).__call__`. What the callable binds
(`self`, a partial's arguments) is read in the generated code through the chain that named
it (`_s2s_bound0.forward.__self__` is written `_s2s_bound0`). `callables.resolve` says what
a callable runs.

Before (`grad(model.loss)`, `def loss(self, x): return np.sum(self.forward(x))`,
`def forward(self, x): return np.tanh(self.W * x)`)::

    _s2s_callee(_s2s_bound0, x)

After (SSA of the generated closure `loss(x)`)::

    _t1 = _s2s_bound0.W * x
    _t2 = np.tanh(_t1)
    _t3 = np.sum(_t2)
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import types
from dataclasses import dataclass

import gast
import numpy as np

from ..callables import is_known_value, made_by_s2s_ad, resolve, transparently_wraps
from ..errors import UnsupportedSyntaxError
from ..frontend import nodes
from ..frontend.library import is_library_file, is_library_function
from ..frontend.scope import is_missing
from .function_values import Named, is_function_value, is_user_helper, literal_key
from .ir import Free
from .super_calls import is_super_attribute, method_cell_only


@dataclass(frozen=True)
class Known(Named):
    """A function or object bound here (an argument of an inlined call, what a callable
    binds, a layer of an unrolled loop): a user function it names is inlined where called,
    so second derivatives follow it.

    `atom`: for an object that is (part of) a differentiated argument (ssa/live_objects.py),
    the run-time value: `free.value` is then an EXAMPLE of the same structure, which says
    what code runs (methods, function attributes, list lengths), while data is read through
    `atom` (getattr / getitem primitives, so derivatives flow)."""

    atom: object = None


def is_user_object(value: object) -> bool:
    """An instance of a class of the user's (not a number, an array, a container, a
    function, a module or a library's object): its methods have source to inline."""
    if isinstance(value, (type, types.ModuleType, types.FunctionType, np.ndarray, np.generic)):
        return False
    if isinstance(value, (int, float, complex, str, bytes, list, tuple, dict, set, frozenset)):
        return False
    cls = type(value)
    if cls.__module__ in ("builtins", "functools"):
        return False
    module = sys.modules.get(cls.__module__)
    filename = getattr(module, "__file__", None)
    if cls.__module__.split(".")[0] in ("numpy", "scipy", "s2s_ad"):
        return False
    return not (filename and is_library_file(filename))


def needs_resolving(value: object) -> bool:
    """A callable that is not called as it is: a partial, a bound method, a callable object,
    a transparent wrapper, a derivative made by s2s_ad."""
    if isinstance(value, types.FunctionType):
        if is_library_function(value):
            return False  # a library's function is a primitive: never unwrapped or read
        return (
            getattr(value, "_s2s_made_by", None) is not None
            or transparently_wraps(value) is not None
        )
    if isinstance(value, (type, types.BuiltinFunctionType, np.ufunc)):
        return False
    if isinstance(value, functools.partial):
        return True
    return callable(value) and resolve(value) is not None


class CallableValues:
    """The mixin: calls of known values, attribute reads of known objects."""

    # known values

    def _known_chain(self, node: gast.expr, free_root: bool = False) -> Free | None:
        """`self.forward`, `self.layers[0]`, `FS[1]`, `OPS['act']`: the value a chain of
        attributes and literal indices names, when its root is a name bound to a known
        value or (with an index in it, or `free_root`) a global; None for any other."""
        steps: list[tuple[str, object]] = []
        cursor = node
        while isinstance(cursor, (gast.Attribute, gast.Subscript)):
            if isinstance(cursor, gast.Attribute):
                steps.append(("attr", cursor.attr))
            elif literal_key(cursor.slice) is not None:
                steps.append(("item", literal_key(cursor.slice)))
            else:
                return None
            cursor = cursor.value
        if not isinstance(cursor, gast.Name) or not steps:
            return None
        bound = self.env.get(cursor.id)
        if isinstance(bound, Named):
            free = bound.free
        elif cursor.id in self.env or cursor.id in self.locals:
            return None
        elif free_root or any(kind == "item" for kind, _ in steps):
            value = self.scope.lookup(cursor.id)
            if is_missing(value):
                return None
            self.scope.reads[cursor.id] = value  # rebinding the global makes a new derivative
            free = Free(cursor.id, value)
        else:
            return None
        source, value = free.source, free.value
        for kind, key in reversed(steps):
            self._watch(value, kind, key)
            if value is None and getattr(bound, "atom", None) is not None:
                return None  # a data leaf of a differentiated object's example (`self.W.T`)
            try:
                value = getattr(value, key) if kind == "attr" else value[key]
            except (AttributeError, LookupError, TypeError):
                raise self._unsupported(
                    f"`{ast.unparse(gast.gast_to_ast(node))}`: "
                    f"{type(value).__name__} has no {'attribute' if kind == 'attr' else 'item'} "
                    f"{key!r} when the derivative is made",
                    hint="give the object that attribute or item before differentiating",
                ) from None
            if isinstance(value, types.BuiltinMethodType) and isinstance(
                getattr(value, "__self__", None), np.ndarray
            ):
                return None  # `self.W.dot`: a method of data, called on the array read
            source = f"{source}.{key}" if kind == "attr" else f"{source}[{key!r}]"
        return Free(source, value)

    def _watch(self, holder: object, kind: str, key: object) -> None:
        """The derivative depends on what `holder.key` / `holder[key]` holds when it is a
        function or an object (its code follows them; arrays and numbers are read live)."""
        if kind == "item":
            if isinstance(holder, (list, tuple, dict)):
                value = holder[key] if key in _Keys(holder) else None
                if _shapes_code(value):
                    self.scope.watch(holder, key, value)
            return
        own = getattr(holder, "__dict__", None)
        if own is not None:
            value = own.get(key, getattr(holder, key, None))
            if _shapes_code(value):
                self.scope.watch(own, key, value)  # absent from it: it stays absent
        if not isinstance(holder, type) and (own is None or key not in own):
            self.scope.watch_class(holder)  # its class's entry is what it reads
            self.scope.watch_lookup(type(holder).__mro__, key)

    def _known_argument(self, node: gast.expr) -> object:
        """An argument of an inlined call: a function or a user object known now stays
        known (`Named`), anything else is an atom."""
        binding = self._function_argument(node)
        if isinstance(binding, Known):  # a differentiated object keeps its atom
            return binding
        if isinstance(binding, Named):  # known here: inlined where it is called
            return Known(binding.free)
        if binding is not None:
            return self._passed(binding)
        known = self._known_binding(node)
        return self._atom(node) if known is None else known

    def _known_binding(self, node: gast.expr) -> Named | None:
        """What `node` names when it is a function or object known now (an argument's,
        given or held fixed, a module's, a chain of them: `self.layers[0]`); a
        differentiated object keeps its run-time atom. None for any other value."""
        if isinstance(node, gast.Name) and isinstance(self.env.get(node.id), Named):
            return self.env[node.id]
        chain = self._known_chain(node)
        free = isinstance(node, gast.Name) and node.id not in self.env
        if chain is None and free and node.id not in self.locals:
            value = self.scope.lookup(node.id)
            chain = None if is_missing(value) else Free(node.id, value)
            if chain is not None and is_user_object(value):
                self.scope.reads[node.id] = value  # its methods are followed: watched
        if chain is not None and _followed(chain.value):
            live = self._live(node) if is_user_object(chain.value) else None
            return Known(chain, atom=live)
        return None

    # calls

    def _call_value(self, node: gast.Call):
        """The lowered call when its callee is a value this module resolves, else None."""
        if is_super_attribute(node.func):
            return self._super_call(node)  # ssa/super_calls.py
        if isinstance(node.func, gast.Call):  # `ad.grad(g)(x)`: made now
            applied = self._partial_applied(node)
            if applied is not None:
                return self._expr(applied)
            made = self._transform_call(node.func)
            if made is None:
                return None
            callee, extra = made
            args, kwargs = self._call_arguments(node, self._known_argument)
            return self._call_known(callee, args, (*kwargs, *extra))
        callee = self._callee_value(node.func)
        if callee is None:
            return None
        # a differentiated object (ssa/live_objects.py): its run-time value, for its data
        callee_atom = self._live(node.func) if is_user_object(callee.value) else None
        args, kwargs = self._call_arguments(node, self._known_argument)
        owner = None  # `self.forward(x)`: the object `self` names, for what the method binds
        owner_atom = None
        if isinstance(node.func, gast.Attribute):
            value = node.func.value
            owner = self._known_chain(value) or self._known_name(value)
            if owner is None and isinstance(value, (gast.Name, gast.Attribute)):
                owner = None if self._is_local_chain(value) else self._free_chain(value)
            owner_atom = self._live(value) if owner is not None else None
        live = (callee_atom, owner_atom, self._live_root(node.func))
        return self._call_known(callee, args, kwargs, owner, live)

    def _partial_applied(self, node: gast.Call) -> gast.Call | None:
        """`partial(f, a, k=v)(b)` made and called at once is the call `f(a, b, k=v)`: Python
        evaluates the partial's arguments first, then the call's, as this call does."""
        made = node.func
        if not made.args or any(isinstance(a, gast.Starred) for a in made.args):
            return None
        if not isinstance(made.func, (gast.Name, gast.Attribute)) or self._is_local_chain(
            made.func
        ):
            return None
        if self._free_chain(made.func).value is not functools.partial:
            return None
        given = {k.arg for k in node.keywords}
        keywords = [k for k in made.keywords if k.arg not in given] + list(node.keywords)
        applied = nodes.call(made.args[0], [*made.args[1:], *node.args], like=node)
        applied.keywords = keywords
        return applied

    def _known_name(self, node: gast.expr) -> Free | None:
        bound = self.env.get(node.id) if isinstance(node, gast.Name) else None
        return bound.free if isinstance(bound, Named) else None

    def _callee_value(self, func: gast.expr) -> Free | None:
        if isinstance(func, gast.Name):
            bound = self.env.get(func.id)
            if isinstance(bound, Named):
                value = bound.free.value
                if needs_resolving(value):
                    return bound.free
                inline = isinstance(bound, Known) and isinstance(value, types.FunctionType)
                return bound.free if inline and self._inlinable(value) else None
            if func.id in self.env or func.id in self.locals:
                return None
            value = self.scope.lookup(func.id)
            if is_missing(value):
                return None
            forced = func.id == "_s2s_callee" and func.id in self.scope.closure
            return Free(func.id, value) if forced or needs_resolving(value) else None
        chain = self._known_chain(func)
        if chain is not None:
            return chain
        if isinstance(func, gast.Attribute) and not self._is_local_chain(func):
            free = self._free_chain(func)  # `MODEL.forward`: watched step by step
            return self._known_chain(func, free_root=True) if needs_resolving(free.value) else None
        return None

    def _call_known(
        self,
        callee: Free,
        args: tuple,
        kwargs: tuple,
        owner: Free | None = None,
        live: tuple = (None, None, False),
    ):
        """A call of the known value `callee`: resolved to the function it runs, what it
        binds passed first; inlined where it is a helper of this module. `live`: the
        run-time atoms of `callee` and `owner` when they are differentiated objects, and
        whether `callee` was reached from one."""
        value = callee.value
        made = getattr(value, "_s2s_bound", None)  # the API's closure for `partial(f, act=…)`
        if made is not None and not live[2]:  # what it binds, read from the callable it made
            callee = Free(f"{callee.source}._s2s_bound[1]", made[1])
            value = made[1]
        if is_user_object(value):  # `layer(x)`: the class's `__call__` now
            self._watch(value, "attr", "__call__")
        fn, path, positional, keywords = _bindings(value, "")
        given = dict(kwargs)
        bound = {
            k: self._bound_atom(callee, p, v, owner, live)
            for k, (p, v) in keywords
            if k not in given
        }
        args = (*(self._bound_atom(callee, p, v, owner, live) for p, v in positional), *args)
        kwargs = (*bound.items(), *kwargs)
        spelled = callee.source + path  # the function itself: `layer.__call__.__func__`
        if getattr(fn, "_s2s_made_by", None) is not None:  # made by s2s_ad: never inlined
            # grad's flat gradient code, for the defaults the call leaves; else refused
            made = made_by_s2s_ad(fn, (len(args), frozenset(k for k, _ in kwargs)))
            self.root_scope.derived.extend(getattr(made, "_s2s_dependencies", ()))
            target = Free(spelled, fn if made is None else made)  # called as `dg` if passive
            return self._call_named(Named(target), self._values(args), self._values(kwargs))
        if isinstance(fn, types.FunctionType) and self._inlinable(fn, args, kwargs):
            inlining = self.__dict__.setdefault("_inlining_known", [])
            inlining.append(fn)  # a method calling itself is called, not inlined again
            try:
                return self._inline_helper(fn.__name__, fn, args, kwargs)
            finally:
                inlining.pop()
        if callee.source == "_s2s_callee":
            self._refuse_functions_given(fn, (*args, *dict(kwargs).values()))
        return self._call_named(Named(Free(spelled, fn)), self._values(args), self._values(kwargs))

    def _refuse_functions_given(self, fn: object, given: tuple) -> None:
        """The API gave `fn` a function it cannot follow: located at `fn`'s `def`."""
        for item in given:
            if isinstance(item, Named) and is_function_value(item.free.value):
                code = getattr(fn, "__code__", None)
                raise UnsupportedSyntaxError(
                    f"unsupported construct: `{getattr(fn, '__name__', fn)}` given a function "
                    "as an argument, but it is a closure, defined in another module, or has "
                    "defaults that are not literals or updates its arguments (s2s_ad inlines "
                    "a function given functions)",
                    filename=code.co_filename if code else None,
                    line=code.co_firstlineno if code else None,
                    hint="define it at module level with literal defaults, or close over the "
                    "function in a lambda: grad(lambda x: f(x, fn))",
                )

    def _inlinable(self, fn: types.FunctionType, args: tuple = (), kwargs: tuple = ()) -> bool:
        """Whether to inline `fn`: a helper of the user's, of this module or of another
        imported by its name (ssa/module_reads.py), that does not update its arguments;
        then what it is given stays known inside it (its defaults: `_helper_defaults`)."""
        from .function_values import helper_tree, updated_parameters

        closure = fn.__closure__ and not method_cell_only(fn)  # (`super()`: ssa/super_calls.py)
        if not is_user_helper(fn) or closure:
            return False
        if fn.__globals__ is not self.scope.globals and self._module_alias(fn) is None:
            return False  # (another module's: inlined where its module is imported by name)
        if fn in self.__dict__.get("_inlining_known", ()):
            return False
        tree = helper_tree(fn)[0]
        return not updated_parameters(tree, self._rebinds(tree, args, kwargs))

    def _values(self, items: tuple) -> tuple:
        """Known objects given to a call that is not inlined: passed as values (read live);
        a function passed on stays a function (`_call_named` inlines or refuses)."""

        def value(item):
            if isinstance(item, Named) and not is_function_value(item.free.value):
                return item.free if getattr(item, "atom", None) is None else item.atom
            return item

        if items and isinstance(items[0], tuple):
            return tuple((k, value(v)) for k, v in items)
        return tuple(value(item) for item in items)

    def _bound_atom(
        self, callee: Free, path: str, value: object, owner: Free | None, live: tuple
    ) -> object:
        """What a callable binds, as the generated code reads it: `obj.method.__self__` is
        `obj` itself; a differentiated object keeps its run-time atom."""
        source = callee.source + path
        if path == "" and live[0] is not None:  # `layer(x)`: `layer` bound as `self`
            return Known(Free(source, value), atom=live[0])
        if path == ".__self__" and owner is not None and owner.value is value:
            source = owner.source  # `self.forward.__self__` is `self`
            if live[1] is not None:
                return Known(Free(source, value), atom=live[1])
        if live[2] and is_user_object(value):
            # `self.fn = self.sub.forward`: the object it binds is an example's, or one
            # outside the structure: its data would be read held fixed
            raise self._unsupported(
                f"calling `{callee.source}`, a callable held by an object the derivative is "
                f"taken with respect to, which binds another object ({type(value).__name__})",
                hint="call the method through the object that holds it: `self.sub.forward(x)`",
            )
        atom = Free(source, value)
        if _followed(value):
            return Known(atom)
        return atom

    # attribute reads of known objects

    def _known_attribute(self, node: gast.Attribute) -> Free | None:
        """`self.W` of a known `self`, `_s2s_bound0.layers[0].W` in generated code: its
        value, read live (held fixed)."""
        root = nodes.root(node)
        if root is None:
            return None
        if self._live_root(node):  # a differentiated object: ssa/live_objects.py
            return self._live_code(node)
        if isinstance(self.env.get(root), Named) or (
            root not in self.env and root not in self.locals
        ):
            return self._known_chain(node)
        return None


def _followed(value: object) -> bool:
    """A value whose code the lowering follows: a function, an object with methods, or a
    list or dict holding functions (`callables.is_known_value`)."""
    return is_user_object(value) or is_function_value(value) or is_known_value(value)


def _shapes_code(value: object) -> bool:
    return callable(value) or is_user_object(value) or isinstance(value, (list, dict, tuple))


class _Keys:
    def __init__(self, holder: object) -> None:
        self.holder = holder

    def __contains__(self, key: object) -> bool:
        if isinstance(self.holder, dict):
            return key in self.holder
        return isinstance(key, int) and -len(self.holder) <= key < len(self.holder)


def _bindings(value: object, prefix: str) -> tuple[object, str, list, list]:
    """(the function `value` runs, its path from `value`, [(path, value)] of what it binds
    by position, in order, [(keyword, (path, value))] of what it binds by keyword), as
    `callables.resolve(value)` resolves it; a library function (`partial(np.power, 2.0)`)
    is the function run."""
    if isinstance(value, functools.partial):
        fn, path, inner_pos, inner_kw = _bindings(value.func, prefix + ".func")
        own_pos = [(f"{prefix}.args[{i}]", v) for i, v in enumerate(value.args)]
        kw = dict(inner_kw)
        kw.update({k: (f"{prefix}.keywords[{k!r}]", v) for k, v in (value.keywords or {}).items()})
        return fn, path, inner_pos + own_pos, list(kw.items())
    if isinstance(value, types.MethodType):
        fn, path, inner_pos, inner_kw = _bindings(value.__func__, prefix + ".__func__")
        return fn, path, [(f"{prefix}.__self__", value.__self__), *inner_pos], inner_kw
    if isinstance(value, types.FunctionType):
        wrapped = transparently_wraps(value)
        if wrapped is not None:
            return _bindings(wrapped, prefix + ".__wrapped__")
        return value, prefix, [], []
    call = inspect.getattr_static(type(value), "__call__", None)
    if not isinstance(call, types.FunctionType):
        return value, prefix, [], []  # a builtin, a ufunc: called as it is
    fn, path, inner_pos, inner_kw = _bindings(call, prefix + ".__call__.__func__")
    return fn, path, [(prefix, value), *inner_pos], inner_kw


__all__ = ["CallableValues", "is_user_object", "needs_resolving"]
