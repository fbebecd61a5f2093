"""Operators on objects of your classes: `a + b`, `dt * s`, `-s`, `a += b` call the methods
the class defines (`__add__`, `__rmul__`, `__neg__`), inlined, as Python calls them.

An operand's class is known when the derivative is made where the object is made in the
function (ssa/records.py's class facts, items of a list built here of them too), or given to
it: an argument, differentiated (its data read through its run-time value) or held fixed, a
module's object, an attribute or item of one (`d["a"]`, `self.state`). Python's order is
followed: the left operand's method, unless the right one's class is a subclass with a
reflected method of its own, or the left one is not an object of a user class (a number, an
array, a list), where the right one's reflected method runs. An array of one or more
dimensions on the left would instead apply the operator to each element (NumPy), which the
generated code refuses at run time (`rt.reflected_operand`).

Before (`State` defines `__add__` and `__rmul__`)::

    s = s + dt * f(s)

After (SSA, both methods inlined)::

    _t1 = f(s) …                  # the helper's statements
    _t2 = rt.reflected_operand(dt)
    _t3 = _t2 * _t1.pos; …       # State.__rmul__
    _t6 = s.pos + _t4.pos; …     # State.__add__
"""

from __future__ import annotations

import inspect

import gast

from .. import runtime
from ..frontend.nodes import root
from .callable_values import is_user_object
from .function_values import Named
from .ir import Atom, Const, Expr, Free, Prim
from .sharing import OPERATORS

# the methods of the operators a class of yours may define (`a + b` calls `a.__add__(b)`)
_OPERATOR_METHODS = {
    gast.Add: "add",
    gast.Sub: "sub",
    gast.Mult: "mul",
    gast.Div: "truediv",
    gast.MatMult: "matmul",
    gast.Pow: "pow",
}
_UNARY_METHODS = {gast.USub: "__neg__", gast.UAdd: "__pos__"}
_CONTAINERS = ("list", "tuple", "dict")


class ObjectOperators:
    """Mixed into the expression lowering (`lower_expr.py`)."""

    def _operator(self, node: gast.BinOp) -> Expr:
        """`a + b` (`-`, `*`, `/`, `@`, `**`): an object's operator method where Python calls
        one, else the primitive."""
        left, right = self._operand(node.left), self._operand(node.right)
        method = self._operator_method(type(node.op), left, right)
        if method is not None:
            return method
        return self._binop(type(node.op), operand_atom(left[0]), operand_atom(right[0]))

    def _operand(self, node: gast.expr) -> tuple[object, type | None]:
        """(what `node` gives an operator: its atom, or an object given to the function as
        `Known`; the class of that object where it is one of a user class known now)."""
        given = self._given_object(node)
        if given is not None:
            return given, type(given.free.value)
        atom = self._atom(node)
        return atom, self._class_made(atom)

    def _given_object(self, node: gast.expr) -> Named | None:
        """The object of a user class `node` names where it, or the root of its chain
        (`d["a"]`, `self.state`), is given to the function (ssa/callable_values.py)."""
        if not isinstance(node, (gast.Name, gast.Attribute, gast.Subscript)):
            return None
        name = root(node)
        bound = self.env.get(name)
        module = bound is None and name not in self.locals and isinstance(node, gast.Name)
        if not (isinstance(bound, Named) or (module and is_user_object(self.scope.lookup(name)))):
            return None
        if self._through_property(node):  # (computed from a differentiated object's data)
            return None
        known = self._known_binding(node)
        return known if known is not None and is_user_object(known.free.value) else None

    def _operator_method(self, op: type, left: tuple, right: tuple) -> Expr | None:
        """The inlined operator method Python calls for `a op b` (`left`, `right`: from
        `_operand`); None where neither operand is an object of a user class with one."""
        name = _OPERATOR_METHODS.get(op)
        (a, mine), (b, theirs) = left, right
        if name is None or (mine is None and theirs is None):
            return None
        method = f"__r{name}__"
        reflected = theirs is not None and theirs is not mine and self._operator_of(theirs, method)
        first = reflected and (  # (a subclass's reflected method, where it has its own)
            mine is None
            or (
                issubclass(theirs, mine)
                and self._class_entry(theirs, method) is not self._class_entry(mine, method)
            )
        )
        if first:
            return self._operator_call(b, method, self._reflected_operand(a, theirs), theirs)
        if mine is not None and self._operator_of(mine, f"__{name}__"):
            return self._operator_call(a, f"__{name}__", b, mine)
        if reflected:  # (the left object's class has no such method)
            return self._operator_call(b, method, a, theirs)
        return None  # (Python raises TypeError: the primitive does too, at the user's line)

    def _reflected_operand(self, a: object, cls: type) -> object:
        """`a`, checked at run time where it may be an array NumPy would not hand over
        whole (a class with `__array_ufunc__ = None` is handed the whole array)."""
        if (
            isinstance(a, (Const, Named))
            or self.kind_of(a) in _CONTAINERS
            or getattr(cls, "__array_ufunc__", 0) is None
        ):
            return a
        check = Prim(runtime.reflected_operand, (a,), spelled=self._rt("reflected_operand"))
        return self._atom_of(check)

    def _unary(self, node: gast.UnaryOp) -> Expr:
        """`-s` (`+s`) of an object of a user class: its `__neg__` (`__pos__`), inlined;
        the primitive for any other operand."""
        operand, cls = self._operand(node.operand)
        method = _UNARY_METHODS.get(type(node.op))
        if cls is not None and method is not None and self._operator_of(cls, method):
            return self._operator_call(operand, method, None, cls)
        return self._unary_primitive(type(node.op), operand_atom(operand))

    def _object_augmented(self, name: str, stmt, current: tuple, value: tuple) -> Expr | None:
        """`a += b` (`-=`, `*=`, …) on an object of a user class: `a + b` through its class's
        `__add__` where it has no `__iadd__` (Python's fallback); refused where it has one
        (it may update the object in place). None for any other value."""
        cls = current[1]
        op = type(stmt.op)
        if cls is None or op not in _OPERATOR_METHODS:
            return None
        in_place = f"__i{_OPERATOR_METHODS[op]}__"
        if self._operator_of(cls, in_place):
            sign = OPERATORS[op]  # (ssa/sharing.py's signs)
            raise self._unsupported(
                f"`{name} {sign}= …` through `{cls.__name__}.{in_place}` (it may update the "
                "object in place, which other names holding it would see)",
                hint=f"write `{name} = {name} {sign} …` where `__{_OPERATOR_METHODS[op]}__` "
                "gives the same value",
            )
        return self._operator_method(op, current, value)

    def _operator_of(self, cls: type, method: str) -> bool:
        """Whether `cls` defines the operator method `method` in Python (watched)."""
        return inspect.isfunction(self._class_entry(cls, method))

    def _operator_call(self, receiver: object, method: str, other: object, cls: type) -> Expr:
        """`receiver.method(other)` (no `other`: None), inlined (a `NotImplemented` it
        returns is not followed to the other operand's method: the code then fails where
        it reads the result)."""
        given = () if other is None else (other,)
        if isinstance(receiver, Named):  # an object given: its class's method, on it
            fn = self._class_entry(cls, method)
            callee = Free(f"type({receiver.free.source}).{method}", fn)
            return self._call_known(callee, (receiver, *given), ())
        return self._made_object_method(receiver, method, given, (), f"{cls.__name__}.{method}")


def operand_atom(operand: object) -> Atom:
    """An operand as the primitive takes it: a given object's run-time value (its atom),
    or the value held fixed."""
    if isinstance(operand, Named):
        live = getattr(operand, "atom", None)
        return operand.free if live is None else live
    return operand
