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
(`method_cell_only`); `super()` anywhere else (outside a method so inlined, with arguments,
or naming something other than a method) is refused at its line.
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
        made = node.func.value
        stack = self.__dict__.get("_methods") or [None]
        bound = self.env.get(stack[-1][1]) if stack[-1] is not None else None
        # (a known object is bound as `Named`/`Known`: ssa/callable_values.py)
        owner = getattr(bound, "free", None)
        if made.args or made.keywords or owner is None:
            raise self._unsupported(
                f"`super().{func.attr}(...)` "
                + (
                    "with arguments"
                    if made.args or made.keywords
                    else "outside a method of an object the derivative knows the class of"
                ),
                hint="call the base class's method on the object: "
                f"`Base.{func.attr}(self, ...)`, or pass the object as an argument "
                f"(the derivative is made for its class; {_MRO_NOTE})",
            )
        cls, _ = stack[-1]
        try:
            method = getattr(super(cls, owner.value), func.attr)
        except (AttributeError, TypeError) as exc:
            raise self._unsupported(
                f"`super().{func.attr}(...)`: {exc}",
                hint=f"define `{func.attr}` in a base class of {type(owner.value).__name__}",
            ) from None
        if not (
            isinstance(method, types.MethodType)
            and method.__self__ is owner.value
            and isinstance(method.__func__, types.FunctionType)
            and self._inlinable(method.__func__)
        ):
            raise self._unsupported(
                f"`super().{func.attr}(...)`, which is not a method of the object defined "
                "in this module with literal defaults",
                hint=f"call `{func.attr}` by the name it has where it is defined",
            )
        callee = Free(f"super({cls.__name__}, {owner.source}).{func.attr}", method)
        atom = getattr(bound, "atom", None)  # a differentiated object's run-time value
        args, kwargs = self._call_arguments(node, self._known_argument)
        return self._call_known(callee, args, kwargs, owner, (None, atom, atom is not None))
