"""`super().forward(x)` in a method of an object whose class the lowering knows: the method
of the next class in the object's MRO, inlined with `self` bound as the caller's `self`.

Python's zero-argument `super()` reads the method's `__class__` cell (the class whose body
defines the method) and its first argument; both are known here when the method is inlined
for a known object (held fixed, or differentiated: ssa/live_objects.py), so the call is
resolved when the derivative is made, as `self.forward(x)` is:

    class Scaled(Dense):
        def forward(self, x):
            return self.c * super().forward(x)   →   the body of Dense.forward, inlined

A method whose only closure cell is `__class__` is inlined as a module-level function is
(`method_cell_only`). `super(Scaled, self)` naming the class is the same; `super().weight`
reads a base class's property (its getter inlined) or class attribute (held fixed). The
class dict the name is found in is watched: `Dense.forward = …` later makes a new
derivative.

A method made on its own (of a class of a module Python has not imported by its name, or
differentiated itself) is not inlined: its derivative is made for an object known at run
time only. There `super().forward(x)` is the first base after the
method's class defining `forward` (called as a function of its own, `Dense.forward(self,
x)`), which holds for every object only where no class derived from it places another base
after it (multiple inheritance): checked for the classes derived now, refused otherwise, and
watched for those derived later. `super()` anywhere else (outside a method, kept as a value,
naming a staticmethod) is refused at its line.
"""

from __future__ import annotations

import types

import gast

from ..frontend.scope import derived_classes, is_missing
from .ir import Free, Var

_MRO_NOTE = "super() is resolved from the object's class when the derivative is made"


def method_cell_only(fn: types.FunctionType) -> bool:
    """Whether `fn`'s only closure cell is the `__class__` of a method calling `super()`."""
    return fn.__code__.co_freevars == ("__class__",)


def is_super_attribute(node: gast.expr) -> bool:
    """`super().name`, zero-argument `super` (the attribute of a call of the name)."""
    return (
        isinstance(node, gast.Attribute)
        and isinstance(node.value, gast.Call)
        and isinstance(node.value.func, gast.Name)
        and node.value.func.id == "super"
    )


class SuperCalls:
    """The mixin: methods inlined for known objects, and their `super()` calls."""

    def _enter_method(self, fn: types.FunctionType) -> None:
        """Before `fn`'s body is inlined: its class and first parameter, for `super()`."""
        stack = self.__dict__.setdefault("_methods", [])
        code = fn.__code__
        if method_cell_only(fn) and code.co_argcount:
            stack.append((fn.__closure__[0].cell_contents, code.co_varnames[0]))
        else:
            stack.append(None)

    def _leave_method(self) -> None:
        self.__dict__["_methods"].pop()

    def _super_call(self, node: gast.Call):
        """`super().name(args)`: the method found after the method's class in the MRO of
        the object its first parameter names, called on that object (`_call_known`)."""
        func = node.func
        cls, bound, found = self._super_lookup(func)
        if isinstance(bound, Var):  # a method made on its own: its object known at run time
            if not isinstance(found, types.FunctionType):
                raise self._unsupported(
                    f"`super().{func.attr}(...)`, which is not a plain method of a base class "
                    "(a staticmethod, a classmethod, a callable attribute)",
                    hint=f"call `{func.attr}` by the name it has where it is defined",
                )
            args, kwargs = self._call_arguments(node, self._known_argument)
            return self._call_base_member(found, func.attr, (bound, *args), kwargs)
        owner = bound.free
        if not isinstance(found, types.FunctionType) or not self._inlinable(found):
            raise self._unsupported(
                f"`super().{func.attr}(...)`, which is not a method of the object defined "
                "in this module with literal defaults (a staticmethod, a classmethod, a "
                "callable attribute, a method of another module's class)",
                hint=f"call `{func.attr}` by the name it has where it is defined",
            )
        method = types.MethodType(found, owner.value)
        callee = Free(f"super({cls.__name__}, {owner.source}).{func.attr}", method)
        atom = getattr(bound, "atom", None)  # a differentiated object's run-time value
        args, kwargs = self._call_arguments(node, self._known_argument)
        return self._call_known(callee, args, kwargs, owner, (None, atom, atom is not None))

    def _super_attribute(self, node: gast.Attribute):
        """`super().weight`: a base class's property, its getter inlined on the object; or
        a class attribute, held fixed (`super().k`)."""
        cls, bound, found = self._super_lookup(node)
        if isinstance(found, property) and found.fget is not None:
            if isinstance(bound, Var):  # (an object known at run time only)
                return self._call_base_member(found.fget, node.attr, (bound,), ())
            source = f"super({cls.__name__}, {bound.free.source}).{node.attr}.fget"
            return self._call_known(Free(source, found.fget), (bound,), ())
        if callable(found) or isinstance(found, (property, staticmethod, classmethod)):
            raise self._unsupported(
                f"`super().{node.attr}`, a method or descriptor of a base class used as a value",
                hint=f"call it where it is used: `super().{node.attr}(...)`",
            )
        return self._base_member(found, node.attr)  # (a class attribute: held fixed, watched)

    def _super_lookup(self, node: gast.Attribute) -> tuple:
        """(the class `super` starts after, the object's binding, what the MRO after it
        holds under `node.attr`), the class dict it is found in watched (a method redefined
        later makes a new derivative). Refused outside a method of a known object."""
        made = node.value
        cls, bound = self._super_arguments(made)
        if isinstance(bound, Var) and isinstance(cls, type):
            return cls, bound, self._by_class(cls, node.attr)
        owner = getattr(bound, "free", None)  # (`Named`/`Known`: ssa/callable_values.py)
        mro = type(owner.value).__mro__ if owner is not None else ()
        if owner is None or cls not in mro:
            raise self._unsupported(
                f"`super().{node.attr}` outside a method of an object the derivative knows "
                "the class of",
                hint="call the base class's method on the object: "
                f"`Base.{node.attr}(self, ...)`, or pass the object as an argument "
                f"(the derivative is made for its class; {_MRO_NOTE})",
            )
        self.scope.watch_class(owner.value)  # (its MRO, which `__class__ = …` changes)
        found = self.scope.watch_lookup(mro[mro.index(cls) + 1 :], node.attr)
        if not is_missing(found):
            return cls, bound, found
        raise self._unsupported(
            f"`super().{node.attr}`: no base class of {cls.__name__} defines `{node.attr}`",
            hint=f"define `{node.attr}` in a base class of {type(owner.value).__name__}",
        )

    def _super_arguments(self, made: gast.Call) -> tuple:
        """(the class, the object's binding) of `super()` in the method being inlined, or
        of `super(Cls, self)` naming a class and a known object; (None, None) otherwise."""
        if made.keywords or len(made.args) not in (0, 2):
            return None, None
        if not made.args:
            stack = self.__dict__.get("_methods") or [self._own_method()]
            if stack[-1] is None:
                return None, None
            cls, first = stack[-1]
            return cls, self.env.get(first)
        named, obj = made.args
        if not isinstance(named, (gast.Name, gast.Attribute)) or self._is_local_chain(named):
            return None, None
        cls = self._free_chain(named).value
        bound = self.env.get(obj.id) if isinstance(obj, gast.Name) else None
        return (cls, bound) if isinstance(cls, type) else (None, None)

    def _own_method(self) -> tuple | None:
        """(its class, its first parameter) where the function differentiated is itself a
        method calling `super()` (made on its own, for its callers or differentiated)."""
        cell = self.root_scope.closure.get("__class__")
        if cell is None or not self.params or self.scope is not self.root_scope:
            return None
        try:
            return cell.cell_contents, self.params[0]
        except ValueError:  # (an empty cell)
            return None

    def _by_class(self, cls: type, attr: str) -> object:
        """What `super(cls, obj).attr` finds for an object known only at run time: the first
        base of `cls` defining `attr` (its entry watched, `Scope.watch_lookup`), the same for
        every class of the object derived from `cls` now (checked) and later (watched: a
        class defined since makes a new derivative, which checks again)."""
        found = self.scope.watch_lookup(cls.__mro__[1:], attr)
        if is_missing(found):
            raise self._unsupported(
                f"`super().{attr}`: no base class of {cls.__name__} defines `{attr}`",
                hint=f"define `{attr}` in a base class of {cls.__name__}",
            )
        for derived in derived_classes(cls):
            mro = derived.__mro__[derived.__mro__.index(cls) + 1 :]
            if next(vars(k)[attr] for k in mro if attr in vars(k)) is not found:
                name = getattr(found, "__qualname__", attr)
                raise self._unsupported(
                    f"`super().{attr}` in {cls.__name__}, whose next class defining `{attr}` "
                    f"is another for objects of {derived.__name__} (multiple inheritance) "
                    "than for objects of the class itself",
                    hint=f"call the base class's method by its name, `{name}(self, ...)`; or "
                    f"import the module defining {cls.__name__} by its name (its methods are "
                    "then followed for each object's own class)",
                )
        self.scope.watch_subclasses(cls)
        return found

    def _base_member(self, value: object, attr: str) -> Free:
        """`value` (a base class's method, getter or attribute) read through a cell of the
        generated code: its class may have no name in the caller's module."""
        label = "_s2s_" + getattr(value, "__qualname__", attr).replace(".", "_")
        name = self.namer.fresh(label if label.isidentifier() else "_s2s_base")
        self.root_scope.closure[name] = types.CellType(value)
        return Free(name, value)

    def _call_base_member(self, fn: types.FunctionType, attr: str, args: tuple, kwargs: tuple):
        """A call of a base class's method or getter found by `_by_class`, as a call of
        a function by its name is (its own derivative made for its callers)."""
        from .function_values import Named  # (it imports this module)

        return self._call_named(Named(self._base_member(fn, attr)), args, kwargs)

    def _refuse_super_value(self) -> None:
        """`super()` kept as a value (`s = super()`): only `super().name` is resolved."""
        raise self._unsupported(
            "`super()` used as a value",
            hint="read through it where it is used: `super().forward(x)`",
        )
