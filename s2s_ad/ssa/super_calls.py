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
derivative. `super()` anywhere else (outside a method so inlined, kept as a value, naming a
staticmethod or a method of another module's class) is refused at its line.
"""

from __future__ import annotations

import types

import gast

from .ir import Free

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
        source = f"super({cls.__name__}, {bound.free.source}).{node.attr}"
        if isinstance(found, property) and found.fget is not None:
            return self._call_known(Free(f"{source}.fget", found.fget), (bound,), ())
        if callable(found) or isinstance(found, (property, staticmethod, classmethod)):
            raise self._unsupported(
                f"`super().{node.attr}`, a method or descriptor of a base class used as a value",
                hint=f"call it where it is used: `super().{node.attr}(...)`",
            )
        return Free(source, found)

    def _super_lookup(self, node: gast.Attribute) -> tuple:
        """(the class `super` starts after, the object's binding, what the MRO after it
        holds under `node.attr`), the class dict it is found in watched (a method redefined
        later makes a new derivative). Refused outside a method of a known object."""
        made = node.value
        cls, bound = self._super_arguments(made)
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
        for klass in mro[mro.index(cls) + 1 :]:
            if node.attr in vars(klass):
                found = vars(klass)[node.attr]
                self.scope.watch(klass.__dict__, node.attr, found)
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
            stack = self.__dict__.get("_methods") or [None]
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

    def _refuse_super_value(self) -> None:
        """`super()` kept as a value (`s = super()`): only `super().name` is resolved."""
        raise self._unsupported(
            "`super()` used as a value",
            hint="read through it where it is used: `super().forward(x)`",
        )
