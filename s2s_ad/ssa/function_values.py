"""Function values in the statement lowering: names bound to functions, and the user's
helpers given a function as an argument (DESIGN.md, "Growing the language", principle 4).

A mixin of the lowering (`lower.py`), beside `nested_functions.py`, which inlines nested
`def`s (and lambdas, made `def`s by `lambdas.py`) where they are called. Here:

- `act = np.tanh` / `act = helper` / `act = g` (a nested function): the name is bound
  statically to that function (`Named` for a function known by its module-level name, the
  very binding of `g` otherwise); `act(h)` calls it. In a loop, only a name that held a
  function before it (which the loop then holds `Rebound`, `nested_functions.py`); else
  the name stays a plain value there (a call of it is refused, as before).
- `apply(f, x)`, `apply` a module-level function of the user and an argument a function
  value (a lambda, a nested def, a module-level or NumPy function): the call is inlined, the
  helper's parameter bound to the function, so the derivative is specialised to it; a
  different callback at another call gets its own code, and the caller's derivative depends
  on every free name the helper read (redefining one makes a new derivative). A lambda or
  nested def passed in is `Closed` over the caller's values at the call: the helper's own
  names cannot reach it, as in Python.

Before (`def apply(f, v): return f(v) * 2.0` at module level, inside `def g(x)`)::

    s = 3.0
    return apply(lambda z: np.sin(z) * s, x)

After (SSA)::

    s = 3.0
    _t1 = np.sin(x)
    _t2 = _t1 * s
    _t3 = _t2 * 2.0
    g = _t3
    return g

For other builtins taking a function (`map(f, xs)`, helper D's): `_function_argument(node)`
gives the binding of a function-valued argument (None for any other value), and
`_call_function_value(name, binding, args, kwargs)` lowers one call of it.
"""

from __future__ import annotations

import inspect
import math
import sys
import types
from dataclasses import dataclass

import gast
import numpy as np

from ..ad.calls import is_literal
from ..callables import default_values, gradient_made_from, is_known_value, parameter_defaults
from ..errors import S2SError
from ..frontend.library import is_library_function, module_name
from ..frontend.nodes import descendants, root
from ..frontend.scope import Scope
from ..frontend.validate import is_append, item_receiver
from ..rules.registry import lookup
from .ir import Const, Free, Prim
from .module_reads import read_through_module
from .names import load_lines, param_names
from .super_calls import method_cell_only

_CONTEXT = ("env", "scope", "locals", "def_names", "filename")


@dataclass(frozen=True)
class Named:
    """A name bound statically to a function known by its module-level name (`np.tanh`)."""

    free: Free


@dataclass(frozen=True, eq=False)
class Closed:
    """A nested function (or a choice of them) passed to a helper, with the values of the
    function it was defined in, as they were at the call of the helper."""

    binding: object
    context: tuple  # the defining function's (env, scope, locals, def_names, filename)


@dataclass(frozen=True, eq=False)
class FunctionItems:
    """A list, tuple or dict display of functions made in the function (`fs = [np.tanh,
    cube]`, `{"a": partial(f, k=k)}`, lambdas too): known when the derivative is made,
    each item a function binding; looped over (unrolled), indexed by a literal, bound to a
    name by item, or given to a helper. `keys`: a dict's (literals), None for a sequence."""

    items: tuple
    keys: tuple | None = None

    def item(self, key: object) -> object | None:
        """The binding at the literal `key`, or None where there is none."""
        if self.keys is not None:
            return self.items[self.keys.index(key)] if key in self.keys else None
        if isinstance(key, int) and not isinstance(key, bool) and -len(self.items) <= key:
            return self.items[key] if key < len(self.items) else None
        return None


def literal_key(node: gast.expr) -> int | str | None:
    """The key of `xs[2]`, `xs[-1]`, `d['act']`; None for a computed one."""
    sign = 1
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        sign, node = -1, node.operand
        if not (isinstance(node, gast.Constant) and type(node.value) is int):
            return None
    if isinstance(node, gast.Constant) and isinstance(node.value, (int, str)):
        return sign * node.value if sign == -1 else node.value
    return None


def is_function_value(value: object) -> bool:
    """A value called as a function: not a class (`np.float64` is a dtype), an array or a
    module."""
    return callable(value) and not isinstance(value, (type, np.ndarray, types.ModuleType))


def is_user_helper(value: object) -> bool:
    """A function of the user's that is inlined (a library's, e.g. `scipy.integrate.odeint`
    given the user's right-hand side, is a primitive: its rule, or "no derivative rule")."""
    return (
        inspect.isfunction(value)
        and lookup(value) is None
        and not module_name(value).startswith("s2s_ad.")
        and not is_library_function(value)
    )


class FunctionValues:
    """The mixin: function-valued names and arguments."""

    # names bound to functions

    def _bind_function_value(self, target: str, value: gast.expr) -> bool:
        """`target = <function>`: bind `target` to the function statically (True), or leave
        the assignment to the ordinary lowering (False)."""
        if not all(target in rebound for rebound in self.rebound_by_loops):
            return False  # a loop's name holds a function on some iterations only
        binding = self._function_argument(value)
        if binding is None:
            return False
        self.env[target] = binding
        return True

    def _function_argument(self, node: gast.expr) -> object | None:
        """The function binding `node` names, or None when it is not a function value; a
        display of them, or a name bound to one, is `FunctionItems`."""
        if isinstance(node, gast.Name) and node.id in self.env:
            bound = self.env[node.id]
            if isinstance(bound, FunctionItems):
                return bound
            return bound if self._is_function(node.id) and self._callable_binding(bound) else None
        if isinstance(node, (gast.List, gast.Tuple, gast.Dict, gast.Subscript)):
            return self._function_items(node)
        if not isinstance(node, (gast.Name, gast.Attribute)) or self._is_local_chain(node):
            return None
        dotted = []
        while isinstance(node, gast.Attribute):
            dotted.insert(0, node.attr)
            node = node.value
        if not isinstance(node, gast.Name):
            return None
        dotted.insert(0, node.id)
        value = self.scope.resolve(dotted)  # a missing name: the ordinary lowering reports it
        return Named(Free(".".join(dotted), value)) if is_function_value(value) else None

    def _function_items(self, node: gast.expr) -> object | None:
        """`[f, g]`, `(f, g)`, `{"a": f}` of function values: their `FunctionItems`; `fs[0]`,
        `d["a"]` of such a name, or `ACTS["cube"]` of a module's dict: the item's binding."""
        if isinstance(node, gast.Subscript):
            key = literal_key(node.slice)
            if key is None and isinstance(node.slice, gast.Name):  # a loop's key (known_loops)
                bound = self.env.get(node.slice.id)
                key = self.__dict__.get("known_keys", {}).get(getattr(bound, "name", None))
            if key is None:
                return None
            if isinstance(node.value, (gast.Name, gast.List, gast.Tuple, gast.Dict)):
                items = self._function_argument(node.value)  # a name bound to them, a display
                if isinstance(items, FunctionItems):
                    return items.item(key)
                if not isinstance(node.value, gast.Name):
                    return None
            name = root(node.value)
            if name is None or name in self.env or name in self.locals:
                return None  # (an object's items: its own machinery, callable_values.py)
            try:
                chain = self._known_chain(node, free_root=True)  # `ACTS["cube"]` of a module
            except S2SError:  # (no such item now: the ordinary lowering reads it at run time)
                return None
            return Named(chain) if chain is not None and is_function_value(chain.value) else None
        if isinstance(node, gast.Dict):
            if not node.keys or not all(isinstance(k, gast.Constant) for k in node.keys):
                return None  # (`**opts` has no key)
            keys, values = tuple(k.value for k in node.keys), node.values
        else:
            if not node.elts or any(isinstance(e, gast.Starred) for e in node.elts):
                return None
            keys, values = None, node.elts
        items = [self._function_argument(v) for v in values]
        if not all(isinstance(b, (Named, Closed)) or self._callable_binding(b) for b in items):
            return None
        return FunctionItems(tuple(items), keys)

    def _callable_binding(self, bound: object) -> bool:
        from .nested_functions import Chosen, Nested

        if isinstance(bound, Chosen):
            return all(
                b is not None and self._callable_binding(b) for b in (bound.then, bound.orelse)
            )
        return isinstance(bound, (Nested, Named, Closed))

    def _call_function_value(self, name: str, bound: object, args: tuple, kwargs: tuple):
        """One call of a function binding (what `_call_bound` does for every kind)."""
        return self._call_bound(name, bound, args, kwargs)

    def _call_named(self, bound: Named, args: tuple, kwargs: tuple):
        """`act(h)` with `act = np.tanh`: the call `np.tanh(h)`."""
        callee = bound.free
        made_here = getattr(callee.value, "_s2s_made_by", None) is not None  # grad(g): a call
        if _needs_resolving(callee.value) and not made_here:  # a partial, a callable object
            # what it runs (callable_values.py); a differentiated object keeps its atom
            live = (getattr(bound, "atom", None), None, False)
            return self._call_known(callee, args, kwargs, live=live)
        given = (*args, *dict(kwargs).values())
        if any(isinstance(a, (Named, Closed)) for a in given):
            # another module's function given only known values (`m(x)` of a class there):
            # called, its own derivative made for them, as `m.forward(x)` is
            here = getattr(callee.value, "__globals__", None) is self.scope.globals
            closed = any(isinstance(a, Closed) for a in given)  # (a lambda: inlined or refused)
            if is_user_helper(callee.value) and (here or closed):
                return self._inline_helper(callee.source, callee.value, args, kwargs)
            args = tuple(self._as_value(a, callee.source) for a in args)
            kwargs = tuple((k, self._as_value(a, callee.source)) for k, a in kwargs)
        if self.inline_effects or self.inline_readers:  # (`fn(x)` in `apply(noisy, x)`)
            inlined = self._inlined_call(callee, args, kwargs)
            if inlined is not None:
                return inlined
        if any(name == "out" for name, _ in kwargs):
            raise self._unsupported(
                "a call with `out=`, which writes into an existing array",
                hint="assign the result instead",
            )
        self._refuse_writing_call(gast.Call(func=None, args=[], keywords=[]), callee.value)
        args, kwargs = self._callee_updates(callee, args, kwargs)  # ssa/callee_updates.py
        return Prim(callee.value, args, kwargs, spelled=callee.source)

    def _as_value(self, argument: object, callee: str):
        """An argument of a call that is not inlined: a function known by name is a value."""
        if isinstance(argument, Named):  # a differentiated object: its run-time value
            atom = getattr(argument, "atom", None)
            return argument.free if atom is None else atom
        if isinstance(argument, Closed):
            raise self._unsupported(
                f"a lambda or nested function passed to `{callee}`, which is not a function "
                "of this module (s2s_ad cannot follow the function into it)",
                hint="call the function in a loop, or define it at module level",
            )
        return argument

    def _call_closed(self, name: str, bound: Closed, args: tuple, kwargs: tuple):
        """A lambda or nested def given to a helper, run among its own function's values."""
        saved = self._context()
        before = bound.context[0]
        if bound.context[1] is self.scope:  # passed to a nested def: the same function's values
            stale = sorted(
                n for n in self._reads(bound.binding) if self.env.get(n) is not before.get(n)
            )
            if stale:
                raise self._unsupported(
                    f"call of `{name}`, a function passed to a nested function, which reads "
                    f"`{stale[0]}`: the nested function rebinds or updates that name",
                    hint="give the nested function's own names other names, or pass the "
                    "value as an argument",
                )
        self._enter_context(bound.context)
        try:
            result = self._call_bound(name, bound.binding, args, kwargs)
            changed = [n for n in before if self.env.get(n) is not before[n]]
        finally:
            self._enter_context(saved)
        if changed:
            raise self._unsupported(
                f"call of `{name}`, a function passed to a helper, which updates "
                f"`{changed[0]}` of the function it was defined in",
                hint="return the new value from the function instead",
            )
        return result

    def _reads(self, bound: object) -> set[str]:
        """The names the functions a binding may be read (their closures)."""
        from .names import loaded_names
        from .nested_functions import Chosen, Nested

        if isinstance(bound, Chosen):
            return self._reads(bound.then) | self._reads(bound.orelse)
        if isinstance(bound, Nested):
            return loaded_names(bound.fn)
        if isinstance(bound, Closed):
            return self._reads(bound.binding)
        return set()

    def _context(self) -> tuple:
        return tuple(getattr(self, field) for field in _CONTEXT)

    def _enter_context(self, context: tuple) -> None:
        for field, value in zip(_CONTEXT, context, strict=True):
            setattr(self, field, dict(value) if field == "env" else value)

    # helpers given function values

    def _helper_with_functions(self, node: gast.Call):
        """The inlined result of `helper(..., f, ...)` with a function value among the
        arguments, or None for any other call."""
        if not isinstance(node, gast.Call):
            return None
        func = node.func
        if not isinstance(func, (gast.Name, gast.Attribute)) or self._is_local_chain(func):
            return None
        if isinstance(func, gast.Name) and func.id in self.locals:
            return None
        helper = self._free_chain(func)
        name, fn = helper.source, helper.value
        if not is_user_helper(fn):
            return None
        given = [*node.args, *(k.value for k in node.keywords)]
        found = {id(a): self._function_argument(a) for a in given}
        if all(f is None for f in found.values()):
            # an object of yours held fixed (`helper(MODEL, x)`, `helper(pairs[0], x)`):
            # inlined too, where it can be, so its methods are followed (ssa/object_names.py)
            found = {id(a): self._held_object(a) for a in given}
            known = any(f is not None for f in found.values()) or _known_defaults(fn)
            positional = []  # (what each parameter is given, up to a `*xs`)
            for a in node.args:
                if isinstance(a, gast.Starred):
                    break
                positional.append(found.get(id(a)))
            keywords = tuple((k.arg, found.get(id(k.value))) for k in node.keywords if k.arg)
            if not known or not self._inlinable(fn, tuple(positional), keywords):
                return None

        def argument(a: gast.expr) -> object:  # (`*xs`, `**opts`: their items, as atoms)
            f = found.get(id(a))
            return self._passed(f) if f is not None else self._atom(a)

        args, kwargs = self._call_arguments(node, argument)
        return self._inline_helper(name, fn, args, kwargs)

    def _argument(self, node: gast.expr):
        """An argument of a call that is inlined: an atom, or a function value as passed."""
        binding = self._function_argument(node)
        return self._atom(node) if binding is None else self._passed(binding)

    def _passed(self, binding: object) -> object:
        """A function binding as a helper receives it: closed over the caller's values."""
        if isinstance(binding, (Named, Closed)):
            return binding
        if isinstance(binding, FunctionItems):
            return FunctionItems(tuple(self._passed(b) for b in binding.items), binding.keys)
        return Closed(binding, self._context())

    def _inlined_call(self, callee: Free, args: tuple, kwargs: tuple):
        """A call of a helper of yours, inlined where `lower` asks: in code differentiated
        again (`inline_effects`), one that prints or draws random numbers, so its statements
        run once, where the call stands (the helper's own flat gradient code would run them
        again, and draw other numbers); in a function calling a helper that writes state it
        reads (`inline_readers`), any that writes none, so its reads are bound where they
        stand (ssa/state_reads.py). None for a call not inlined (a helper that cannot be and
        only prints is called: its `print`s run twice). Refused where a helper drawing random
        numbers cannot be inlined into code differentiated again."""
        from .effect_calls import helper_draw, helper_effect, helper_writes

        fn = callee.value
        made_from = gradient_made_from(fn)  # `grad(g)(x)` inside: g's gradient code
        if made_from is not None:
            if self.inline_effects:
                self._refuse_effectful_gradient(made_from)
            return None
        if not is_user_helper(fn):
            return None
        try:  # (a helper that cannot be inlined is called, as before, not refused)
            inlinable = (
                fn not in self.__dict__.get("_inlining_helpers", ())
                and self._inlinable(fn, args, kwargs)
                and not self._clashing(helper_tree(fn)[2])
            )
        except S2SError:  # (one returning no value, …)
            inlinable = False
        if self.inline_readers and helper_writes(fn) is None:
            if inlinable:
                return self._inline_helper(callee.source, fn, args, kwargs, "which reads state")
            if self.inline_effects:  # (code differentiated again: its gradient code reruns
                self._refuse_reading_helper(callee.source, fn)  # it after those writes)
        if not self.inline_effects or helper_effect(fn) is None:
            return None
        if inlinable:
            return self._inline_helper(callee.source, fn, args, kwargs, "which draws or prints")
        draw = helper_draw(fn)
        if draw is None:
            return None
        raise self._unsupported(
            f"call of `{callee.source}`, which draws random numbers ({draw}), in a function "
            "differentiated twice (hessian, hvp, jacfwd or jacrev of grad): the derivative "
            "code would run the helper again and draw other numbers; s2s_ad copies such a "
            "helper into the function's code, which it can only where the helper is defined "
            "at module level beside the function, with literal defaults, and updates none of "
            "its arguments",
            hint=f"define `{callee.source}` so, or draw the numbers in the differentiated "
            "function itself, or pass them in as an argument",
        )

    def _refuse_reading_helper(self, name: str, fn: types.FunctionType) -> None:
        """A helper reading module data that cannot be inlined, in code differentiated again
        of a function calling a helper that changes module state: the helper's own gradient
        code runs it again after the change, and would read the changed data."""
        from .effect_calls import data_read, helper_reads

        read = data_read(fn)
        modules = {module for module, _ in read}
        written = self.inline_readers  # ((module, name) written; name None: an object)
        if read & written or any(m in modules and n is None for m, n in written):
            raise self._unsupported(
                f"call of `{name}`, which reads module data ({helper_reads(fn)}) a helper "
                "the function "
                "calls may change, in a function differentiated twice: the derivative code "
                "would run it again after the change; s2s_ad copies such a helper into the "
                "function's code only where it is defined beside the function, with literal "
                "defaults, updates none of its arguments, and reads no global named like a "
                "local of the function",
                hint=f"pass the value `{name}` reads as an argument, or define `{name}` so",
            )

    def _refuse_effectful_gradient(self, g: types.FunctionType) -> None:
        """`grad(g)(x)` inside code differentiated again, `g` drawing random numbers,
        printing or changing module state (`Q.pop()`): its gradient code's own derivative
        would run `g` again (other numbers drawn, another item taken, a line printed twice)."""
        from .effect_calls import helper_draw, helper_effect

        draw = helper_draw(g)
        found = f"draws random numbers ({draw})" if draw else helper_effect(g)
        if found is not None and draw is None:
            found = f"runs {found}"
        if found is not None:
            raise self._unsupported(
                f"a derivative of `{g.__name__}`, which {found}, called inside a function "
                f"differentiated twice: the second derivative would run `{g.__name__}` again",
                hint=f"draw the numbers, take the items or print in the outer function and "
                f"pass them to `{g.__name__}` as arguments",
            )

    def _inline_helper(
        self,
        name: str,
        fn: types.FunctionType,
        args: tuple,
        kwargs: tuple,
        why: str = "given a function as an argument",
    ):
        if name.startswith("_s2s_"):  # (the API's stand-in for a value: not the user's name)
            name = fn.__qualname__
        where = f"`{name}` ({why})"
        closure = fn.__closure__ and not method_cell_only(fn)  # (`super()`: ssa/super_calls.py)
        elsewhere = fn.__globals__ is not self.scope.globals
        if closure or (elsewhere and self._module_alias(fn) is None):
            raise self._unsupported(
                f"call of {where}, which is defined inside a function (or in a module "
                "Python has not imported by its name)",
                hint=f"define `{name}` at module level",
            )
        tree, filename, free = helper_tree(fn)
        cells = {}
        if elsewhere:  # its module's names read in its module (ssa/module_reads.py)
            alias, cell = self._module_alias(fn)
            renamed = read_through_module(tree, free, fn.__globals__, self.scope.globals, alias)
            for kept in sorted(free - renamed):  # (the same objects in both: watched there)
                if kept in fn.__globals__:
                    self.scope.watch(fn.__globals__, kept, fn.__globals__[kept])
            free = (free - renamed) | ({alias} if renamed else set())
            cells[alias] = cell
        end = getattr(tree, "end_lineno", None) or tree.lineno  # (its lines, for messages)
        self.__dict__.setdefault("inlined_from", []).append((tree.lineno, end, fn.__qualname__))
        module_names = self._module_names()
        clash = self._clashing(free - cells.keys())
        if clash:
            raise self._unsupported(
                f"call of {where}, which reads the module's `{clash[0]}`, a name the "
                "differentiated function also uses for a value of its own",
                hint=f"rename `{clash[0]}` in one of the two functions",
            )
        for taken in function_names(tree)[0]:
            self.namer.reserve(taken)  # no generated name may hide the helper's globals
        module_names |= free
        defaults = self._helper_defaults(fn)
        updated = updated_parameters(tree, self._rebinds(tree, args, kwargs))
        if updated:
            param, line = updated[0]
            raise self._unsupported(
                f"call of {where}, which updates its argument `{param}` in place (line "
                f"{line}): the caller's names would not see the update",
                hint=f"make `{name}` return the new value instead of updating `{param}`",
            )
        from .nested_functions import Nested, defined_functions

        for read, lines in load_lines(tree).items():
            self.loads.setdefault(read, []).extend(lines)
        saved = self._context()
        own = function_names(tree)[1]
        helper_scope = Scope(self.scope.globals, cells, self.scope.reads)  # the caller's record
        helpers = self.__dict__.setdefault("_inlining_helpers", [])
        if fn in helpers:
            raise self._unsupported(
                f"recursive call of {where}", hint="write the recursion as a loop"
            )
        # the helper's nested functions are its own: a method `__call__` inlined inside
        # another class's `__call__` is no recursion
        saved_inlining, self.inlining = self.inlining, []
        helpers.append(fn)
        sites = self.__dict__.setdefault("inline_sites", [])  # (ssa/effects.py: warnings)
        sites.append((self.filename, self.line))
        self._enter_context(({}, helper_scope, own, defined_functions(tree.body), filename))
        self._enter_method(fn)  # its class, for `super()` (ssa/super_calls.py)
        try:
            return self._inline(Nested(tree, defaults), args, kwargs)
        finally:
            self._leave_method()
            self._enter_context(saved)
            helpers.pop()
            sites.pop()
            self.inlining = saved_inlining

    def _module_alias(self, fn: types.FunctionType) -> tuple[str, types.CellType] | None:
        """(the name, the cell) by which the generated code reads the module of `fn`, a
        helper of another module inlined (ssa/module_reads.py); None where Python has not
        imported that module by its name (`sys.modules` does not hold it)."""
        aliases = self.__dict__.setdefault("_module_aliases", {})
        key = id(fn.__globals__)
        if key not in aliases:
            module = sys.modules.get(fn.__globals__.get("__name__", ""))
            if module is None or getattr(module, "__dict__", None) is not fn.__globals__:
                aliases[key] = None
            else:
                stem = module.__name__.rpartition(".")[2]
                alias = self.namer.fresh(f"_s2s_{stem}" if stem.isidentifier() else "_s2s_module")
                cell = self.root_scope.closure[alias] = types.CellType(module)
                aliases[key] = (alias, cell)
        return aliases[key]

    def _clashing(self, free: set[str]) -> list[str]:
        """The names a helper reads from the module that the function uses for values of
        its own (inlined, the helper would read those)."""
        module_names = self._module_names()
        return sorted(n for n in free if self.namer.is_taken(n) and n not in module_names)

    def _module_names(self) -> set[str]:
        """Names the generated code reads from the module: the differentiated function's
        free names that its closure does not hold (first called in its own context)."""
        if not hasattr(self, "_read_from_module"):
            _, _, free = function_names(self.node)
            self._read_from_module = free - set(self.scope.closure)
            # the generated code's names for NumPy and math, where the module's are the same
            for alias, module in ((self.aliases.np, np), (self.aliases.math, math)):
                if self.scope.globals.get(alias) is module:
                    self._read_from_module.add(alias)
        return self._read_from_module

    def _helper_defaults(self, fn: types.FunctionType) -> dict:
        """The helper's defaults (evaluated when its `def` ran): literals as such; known
        functions and objects, their code followed; any other (`w=np.ones(3)`) the object
        Python made, read through a cell of the generated code (updated in place, it is
        read as it is then). Watched, however the helper was reached (a default's default:
        `helper.__defaults__ = …` later makes a new derivative)."""
        self.scope.watch_defaults(fn)
        defaults = {}
        for param, value in parameter_defaults(fn).items():
            if is_literal(value):
                defaults[param] = Const(value)
                continue
            name = self.namer.fresh(f"_s2s_default_{param}")
            self.root_scope.closure[name] = types.CellType(value)
            if is_known_value(value):  # `model=MODEL`: known, its code followed
                from .callable_values import Known  # (it imports this module)

                defaults[param] = Known(Free(name, value))
            else:
                defaults[param] = Free(name, value)
        return defaults


def _known_defaults(fn: types.FunctionType) -> bool:
    """Whether a default of `fn` is a function or an object with code (`model=MODEL`)."""
    return any(not is_literal(d) and is_known_value(d) for d in default_values(fn))


def helper_tree(fn: types.FunctionType) -> tuple[gast.FunctionDef, str, set[str]]:
    """The helper's tree as a nested def is before it is inlined (returns and jumps
    rewritten), its file, and the names it reads from its module."""
    from ..frontend.parse import parse_function
    from ..frontend.scope import Scope
    from ..pipeline import lowerable_tree  # the one front end: comprehensions, lambdas, …

    parsed = parse_function(fn)
    tree = lowerable_tree(parsed, Scope.of(fn))
    return (tree, parsed.filename, function_names(tree)[2])


def function_names(tree: gast.FunctionDef) -> tuple[set[str], set[str], set[str]]:
    """(every name, the names it binds, the names it reads from elsewhere) of `tree`."""
    names = {n.id for n in descendants(tree) if isinstance(n, gast.Name)}
    own = {
        n.id
        for n in descendants(tree)
        if isinstance(n, gast.Name) and not isinstance(n.ctx, gast.Load)
    }
    own |= {n.name for n in descendants(tree) if isinstance(n, gast.FunctionDef) and n is not tree}
    return names, own, names - own


def updated_parameters(tree: gast.FunctionDef, rebinds=None) -> list[tuple[str, int]]:
    """(parameter, line) of every update in place of a parameter of `tree` (`p += e`,
    `p[i] = e`, `p.append(e)`), in it and in its nested functions. `rebinds(p, op)`:
    whether `p op= e` makes a new object instead, for the value given (ObjectOperators)."""
    params = set(param_names(tree))
    found = []
    for node in descendants(tree):
        target = None
        if isinstance(node, gast.AugAssign):
            target = node.target
            named = isinstance(target, gast.Name)
            if named and rebinds is not None and rebinds(target.id, type(node.op)):
                continue
        elif isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store):
            target = node.value
        elif isinstance(node, gast.Expr) and is_append(node):
            target = node.value.func.value
        elif isinstance(node, (gast.Expr, gast.Assign)) and item_receiver(node) is not None:
            target = item_receiver(node)  # `p["h"].append(e)`
        while isinstance(target, gast.Subscript):  # `p[i][j] = e`
            target = target.value
        if isinstance(target, gast.Name) and target.id in params:
            found.append((target.id, node.lineno if hasattr(node, "lineno") else tree.lineno))
    return sorted(found, key=lambda item: item[1])


def _needs_resolving(value: object) -> bool:
    from .callable_values import needs_resolving  # it builds on this module

    return needs_resolving(value)
