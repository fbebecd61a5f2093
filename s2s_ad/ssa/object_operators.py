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
generated code refuses at run time (`rt.reflected_operand`). So are, in a function that has
such objects, an operand of unknown class that turns out to be one (`rt.followed_operand`:
the rule of `+` or `-` would be the numbers') and a right operand of a subclass with its own
reflected method where the left class's method was inlined (`rt.right_operand`).

`sum(objects)` is `start + xs[0] + …` through the same methods (written out, or a loop over
a list of one class), `operator.add(a, b)` is `a + b`, and `isinstance(o, C)` is decided
where `o`'s class is known (an operator method choosing its result by its operand's class).

Before (`State` defines `__add__` and `__rmul__`)::

    s = s + dt * f(s)

After (SSA, both methods inlined)::

    _t1 = f(s) …                  # the helper's statements
    _t2 = rt.reflected_operand(dt)
    _t3 = _t2 * _t1.pos; …       # State.__rmul__
    _t6 = s.pos + _t4.pos; …     # State.__add__
"""

from __future__ import annotations

import ast
import builtins
import inspect
import operator

import gast

from .. import runtime
from ..callables import OPERATOR_METHOD_NAMES
from ..frontend import nodes
from ..frontend.nodes import root
from .callable_values import is_user_object
from .function_values import Named, is_user_helper
from .ir import Atom, Const, Expr, Free, Index, Prim, Var
from .kinds import holds_class
from .records import ITEMS
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
# `operator.add(a, b)`, … called as functions (`reduce`, `map` of them): lowered as the operator
# (on lists: a join, a repeat; on objects: their methods)
_OPERATOR_CALLS = {
    operator.add: gast.Add,
    operator.concat: gast.Add,
    operator.mul: gast.Mult,
    operator.sub: gast.Sub,
    operator.truediv: gast.Div,
    operator.matmul: gast.MatMult,
    operator.pow: gast.Pow,
}
_UNARY_CALLS = {operator.neg: gast.USub, operator.pos: gast.UAdd}
# the classes with operator methods whose objects this function has (`_has_objects`)
OPERATOR_CLASSES = "operator_classes"
LITERALS = "literals"  # SSA name → the literal it is bound to (lower.py's `_define`)
_CHAINS = (gast.Name, gast.Attribute, gast.Subscript)  # (what may name an object given)
_SUBJECTS = (gast.Name, gast.Constant)  # (lowered twice where not decided: nothing emitted)
_CONTAINERS = ("list", "tuple", "dict")


class ObjectOperators:
    """Mixed into the expression lowering (`lower_expr.py`)."""

    def _operator(self, node: gast.BinOp) -> Expr:
        """`a + b` (`-`, `*`, `/`, `@`, `**`): an object's operator method where Python calls
        one, else the primitive."""
        operands = []
        for side in (node.left, node.right):
            if isinstance(side, _CHAINS):
                operands.append(self._operand(side))
            else:  # (inline: a long sum on one line recurses through here, two frames a level)
                atom = self._atom_of(self._expr(side))
                operands.append((atom, self._class_made(atom)))
        return self._applied(type(node.op), *operands)

    def _applied(self, op: type, left: tuple, right: tuple) -> Expr:
        """`a op b` of two operands (from `_operand`): the method Python calls, or the
        primitive on operands checked when called (`_followed`)."""
        method = self._operator_method(op, left, right)
        if method is not None:
            return method
        return self._binop(op, self._followed(*left), self._followed(*right))

    def _operand(self, node: gast.expr) -> tuple[object, type | None]:
        """(what `node` gives an operator: its atom, or an object given to the function as
        `Known`; the class of that object where it is one of a user class known now)."""
        given = self._given_object(node)
        if given is not None:
            return given, self._note_operator_class(type(given.free.value))
        atom = self._atom(node)
        return atom, self._class_made(atom)

    def _gives_known_object(self, node: gast.expr) -> bool:
        """Whether `node` may give an object of a user class the lowering can know, told
        before it is lowered (a method called on it is then inlined for that class; for any
        other value, lowered once all the same): a name bound to one, or to a container
        holding one at a known place; an item or attribute of such a value (`d["a"]`,
        `pair.left`, `[A(x), B(y)][1]`, `v.half` of a property); an operator on one (`v * 2.0`,
        `-v`); a call making one, a method of one, a call given one (a helper, `sum`,
        `dataclasses.replace`); a display or `a if c else b` holding one."""
        if isinstance(node, gast.BinOp):
            return self._gives_known_object(node.left) or self._gives_known_object(node.right)
        if isinstance(node, gast.UnaryOp):
            return self._gives_known_object(node.operand)
        if isinstance(node, gast.IfExp):
            return self._gives_known_object(node.body) or self._gives_known_object(node.orelse)
        if isinstance(node, gast.Name):
            bound = self.env.get(node.id)
            if self._class_made(bound) is not None or self._given_class(node.id) is not None:
                return True
            return isinstance(bound, Var) and holds_class(self._entries_made(bound))
        if isinstance(node, gast.Call):  # `A(x)`, `(v * 2.0).scaled(s)`, `sum([A(x), A(y)])`
            method = isinstance(node.func, gast.Attribute)
            if self._makes_object(node) or (method and self._gives_known_object(node.func.value)):
                return True
            if is_user_helper(self._callee_object(node.func)):  # (its result: inlined)
                return True
            given = [*node.args, *(k.value for k in node.keywords)]
            return any(map(self._gives_known_object, given))  # (`sum`, given one)
        if isinstance(node, (gast.List, gast.Tuple)):
            return any(map(self._gives_known_object, node.elts))
        if isinstance(node, gast.Dict):
            return any(map(self._gives_known_object, node.values))
        if isinstance(node, (gast.Subscript, gast.Attribute)):
            if self.chain_class(node) is not None or self._item_class(node) is not None:
                return True
            return self._given_object(node) is not None or self._gives_known_object(node.value)
        return False

    def _note_operator_class(self, cls: type | None) -> type | None:
        """`cls`, noted where it defines operator methods (`_has_objects`)."""
        if cls is not None and any(name in OPERATOR_METHOD_NAMES for name in dir(cls)):
            self.__dict__.setdefault(OPERATOR_CLASSES, set()).add(cls)
        return cls

    def _given_object(self, node: gast.expr) -> Named | None:
        """The object of a user class `node` names where it, or the root of its chain
        (`d["a"]`, `self.state`), is given to the function (ssa/callable_values.py)."""
        known = self._given_binding(node)
        return known if known is not None and is_user_object(known.free.value) else None

    def _given_class(self, name: str) -> type | None:
        """The class of the object of a user class the local `name` is bound to where it
        is given to the function (`Known`); None for any other binding."""
        bound = self.env.get(name)
        value = bound.free.value if isinstance(bound, Named) else None
        return type(value) if is_user_object(value) else None

    def _given_binding(self, node: gast.expr) -> Named | None:
        """What `node` names where it, or the root of its chain, is given to the function
        and holds code (its value an example, for a differentiated argument); else None."""
        if not isinstance(node, _CHAINS):
            return None
        name = root(node)
        bound = self.env.get(name)
        module = bound is None and name not in self.locals and isinstance(node, gast.Name)
        if not (isinstance(bound, Named) or (module and is_user_object(self.scope.lookup(name)))):
            return None
        if self._through_property(node):  # (computed from a differentiated object's data)
            return None
        return self._known_binding(node)

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
        direct = mine is not None and self._operator_of(mine, f"__{name}__")
        if first:
            if mine is None:  # (an object with its own `__add__` there: Python calls that)
                a = self._followed(a, None)
            calls = [(b, method, self._reflected_operand(a, theirs), theirs)]
            if direct:  # (a `NotImplemented` it returns: the left one's `__add__`)
                calls.append((a, f"__{name}__", b, mine))
            return self._first_implemented(op, calls)
        if direct:
            if theirs is None:  # (of a subclass with its own `__radd__`, Python calls that)
                b = self._followed(b, None, (a, mine), method)
            calls = [(a, f"__{name}__", b, mine)]
            if reflected:  # (a `NotImplemented` it returns: the right one's `__radd__`)
                calls.append((b, method, a, theirs))
            return self._first_implemented(op, calls)
        if reflected:  # (the left object's class has no such method)
            return self._first_implemented(op, [(b, method, a, theirs)])
        return None  # (Python raises TypeError: the primitive does too, at the user's line)

    def _first_implemented(self, op: type, calls: list) -> Expr:
        """The first of the operator methods `calls` (receiver, method, other, class) in
        Python's order whose result is not `NotImplemented`: decided when the derivative is
        made where a method's test of the other operand is (`isinstance`), else checked when
        called (`rt.implemented`); refused where every one returns it (Python's TypeError)."""
        for receiver, method, other, cls in calls:
            result = self._operator_call(receiver, method, other, cls)
            atom = self._atom_of(result)
            literal = self._literal_of(atom)
            if literal is not None and literal.value is NotImplemented:
                continue  # (Python tries the next)
            fn = self._class_entry(cls, method)
            names = getattr(getattr(fn, "__code__", None), "co_names", ())
            if self._class_made(atom) is None and "NotImplemented" in names:  # (perhaps it)
                given = (atom, Const(f"{cls.__name__}.{method}"))
                return Prim(runtime.implemented, given, spelled=self._rt("implemented"))
            return atom
        sign = OPERATORS[op]
        raise self._unsupported(
            f"`{sign}` of operands whose methods all return NotImplemented here "
            f"({', '.join(f'`{c.__name__}.{m}`' for _, m, _, c in calls)}): Python raises "
            "TypeError",
            hint="give the operator operands its methods take",
        )

    def _followed(self, operand: object, cls: type | None, of=None, method=None) -> Atom:
        """`operand` (of class `cls`, None where not known) as an operator whose derivative
        follows no method of its class takes it: checked when called where it may be an
        object of a user class with its own operators, in a function that has such objects
        (`rt.followed_operand`); with `of` (the left operand, its class), that it is not of
        a subclass of that class with its own reflected `method` (`rt.right_operand`)."""
        atom = operand_atom(operand)
        if of is None and (cls is not None or not self._has_objects()):
            return atom
        if isinstance(atom, Const) or self.kind_of(atom) in _CONTAINERS:
            return atom
        if of is not None and not _overridden(of[1], method):
            return atom
        if of is None:
            check = Prim(runtime.followed_operand, (atom,), spelled=self._rt("followed_operand"))
        else:
            given = (atom, operand_atom(of[0]), Const(method))
            check = Prim(runtime.right_operand, given, spelled=self._rt("right_operand"))
        return self._atom_of(check)

    def _has_objects(self) -> bool:
        """Whether objects of user classes with operator methods reach this function's
        values (made here, given, in its lists): where a value of unknown class may be one."""
        found = self.__dict__.get(OPERATOR_CLASSES)
        return bool(found)

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

    def _object_sum(self, node: gast.Call) -> Expr | None:
        """`sum(xs)` (`sum(xs, start)`) of a list `xs` holding objects of your classes at
        known positions, or of one class (`_added_in_loop`): `start + xs[0] + xs[1] + …`
        through their operator methods, as Python adds them (the rule of `sum` is the
        numbers'); refused where some items' classes are known and others' not. None for
        any other sum."""
        given = [*node.args, *(k.value for k in node.keywords if k.arg == "start")]
        if not 1 <= len(given) <= 2:
            return None
        first = given[0]
        given_list = self._given_items(first)  # (a list of objects given to the function)
        if given_list is not None:
            return self._added(given, [self._operand(item) for item in given_list])
        if isinstance(first, gast.Name) and isinstance(self.env.get(first.id), Var):
            seq = self.env[first.id]
        elif isinstance(first, (gast.List, gast.Tuple)):  # `sum([A(x), A(y)])`
            seq = self._atom(first)
        else:
            return None
        entries = self._entries_made(seq)  # ssa/entry_kinds.py
        classes = [entry[2] for entry in entries.values()] if entries is not None else []
        spelled = ast.unparse(gast.gast_to_ast(first))
        if not any(classes):
            if isinstance(self.__dict__.get(ITEMS, {}).get(getattr(seq, "name", None)), type):
                return self._added_in_loop(first, given[1:])  # (of one class, any length)
            if isinstance(first, gast.Name):
                return None  # (lowered as any call)
            return self._builtin_prim(builtins.sum, (seq, *map(self._atom, given[1:])))
        if not all(classes):
            raise self._unsupported(
                f"`sum({spelled})` of a list holding objects of a class of yours and values "
                "whose class s2s_ad does not know",
                hint="add the items with `+` one by one, or keep only objects in the list",
            )
        items = []
        for position in range(len(entries)):
            item = self._atom_of(Prim(operator.getitem, (seq, Index((Const(position),), False))))
            items.append((item, self._class_made(item)))
        return self._added(given, items)

    def _known_isinstance(self, node: gast.Call) -> bool | None:
        """`isinstance(o, C)` where it is known when the derivative is made: `o` a literal,
        an object made here or given, `C` a class (or tuple of classes) of the module. An
        operator method testing its other operand (`if isinstance(o, Vec): …`) then keeps
        one branch, whose result has a known class. None where not known."""
        if len(node.args) != 2 or node.keywords or not isinstance(node.args[0], _SUBJECTS):
            return None
        spelled = node.args[1]
        parts = spelled.elts if isinstance(spelled, gast.Tuple) else [spelled]
        classes = tuple(self._callee_object(part) for part in parts)
        if not all(isinstance(c, type) for c in classes):
            return None
        subject, cls = self._operand(node.args[0])
        subject = self._literal_of(subject) or subject  # (`c = 1.5` given to `__add__`)
        if isinstance(subject, Const):
            return isinstance(subject.value, classes)
        return None if cls is None else issubclass(cls, classes)

    def _literal_of(self, atom: object) -> Const | None:
        """The literal `atom` is, or an SSA name is bound to (a bool, number, string or
        `NotImplemented`, a builtin name read as such); None for any other."""
        if isinstance(atom, Const):
            return atom
        if isinstance(atom, Free) and atom.value is NotImplemented:
            return Const(NotImplemented)
        return self.__dict__.get(LITERALS, {}).get(getattr(atom, "name", None))

    def _added_in_loop(self, xs: gast.expr, start: list) -> Expr:
        """`sum(xs, *start)` of a list of objects of one class: `total = start + xs[0]`
        (`0 + xs[0]`), then `total = total + v` for the others, a loop (ssa/folds.py)
        whose body calls the methods Python calls from the second item on."""
        seq = self._fold_sequence(xs)
        total = self.namer.fresh("_total")
        first = gast.Subscript(value=nodes.name(seq), slice=nodes.constant(0), ctx=gast.Load())
        begun = gast.BinOp(
            left=start[0] if start else nodes.constant(0), op=gast.Add(), right=first
        )
        self._stmt(nodes.assign(total, begun, self._here()))
        rest = gast.Slice(lower=nodes.constant(1), upper=None, step=None)
        others = gast.Subscript(value=nodes.name(seq), slice=rest, ctx=gast.Load())
        self._fold_loop(others, lambda item: [self._fold_step(total, None, item)])
        return self._after_loop(total)

    def _given_items(self, node: gast.expr) -> list[gast.expr] | None:
        """`xs[0]`, `xs[1]`, … of a list or tuple `node` given to the function that holds
        an object of a user class; None for any other value."""
        known = self._given_binding(node)
        given = None if known is None else known.free.value
        if not isinstance(given, (list, tuple)) or not any(map(is_user_object, given)):
            return None
        return [
            gast.Subscript(value=node, slice=gast.Constant(k, None), ctx=gast.Load())
            for k in range(len(given))
        ]

    def _added(self, given: list, items: list) -> Expr:
        """`start + items[0] + items[1] + …` (`given`: `sum`'s arguments; `items`: each
        item's operand), through their operator methods where objects."""
        total = self._operand(given[1]) if len(given) == 2 else (Const(0), None)
        for item in items:
            atom = self._atom_of(self._applied(gast.Add, total, item))
            total = (atom, self._class_made(atom))
        return operand_atom(total[0])

    def _operator_function_call(self, fn: object, args: tuple, kwargs: tuple) -> Expr | None:
        """`operator.add(a, b)` (`sub`, `mul`, `truediv`, `matmul`, `pow`, `concat`) as `a + b`,
        `operator.neg(a)` of an object as `-a`, `operator.getitem(a, k)` as `a[k]`; None for
        any other call."""
        if kwargs or not callable(fn) or getattr(fn, "__module__", None) != "_operator":
            return None
        if fn is operator.getitem and len(args) == 2:  # as `a[b]`: an item, by one key
            return Prim(operator.getitem, (args[0], Index((args[1],), False)))
        op = _OPERATOR_CALLS.get(fn)
        if op is not None and len(args) == 2:
            return self._applied(op, *((a, self._class_made(a)) for a in args))
        op = _UNARY_CALLS.get(fn)
        if op is not None and len(args) == 1:
            return self._applied_unary(op, args[0], self._class_made(args[0]))
        return None

    def _unary(self, node: gast.UnaryOp) -> Expr:
        """`-s` (`+s`) of an object of a user class: its `__neg__` (`__pos__`), inlined;
        the primitive for any other operand."""
        if isinstance(node.operand, _CHAINS):
            operand, cls = self._operand(node.operand)
        else:  # (inline: `- - - x` recurses through here, two frames a level)
            operand = self._atom_of(self._expr(node.operand))
            cls = self._class_made(operand)
        return self._applied_unary(type(node.op), operand, cls)

    def _applied_unary(self, op: type, operand: object, cls: type | None) -> Expr:
        """`-a` (`+a`, `not a`, `~a`): the method Python calls (`__neg__`, `__pos__`), or
        the primitive on the operand checked when called (`_followed`)."""
        method = _UNARY_METHODS.get(op)
        if cls is not None and method is not None and self._operator_of(cls, method):
            return self._operator_call(operand, method, None, cls)
        return self._unary_primitive(op, self._followed(operand, cls))

    def _object_augmented(self, name: str, stmt, current: tuple, value: tuple) -> Expr | None:
        """`a += b` (`-=`, `*=`, …) on an object of a user class: `a + b` through its class's
        `__add__` where it has no `__iadd__` (Python's fallback); refused where it has one
        (it may update the object in place). With `a` not known to be one and `b` one:
        `b.__radd__(a)` as for `a + b`. None for any other value."""
        cls = current[1]
        op = type(stmt.op)
        if (cls is None and value[1] is None) or op not in _OPERATOR_METHODS:
            return None
        in_place = f"__i{_OPERATOR_METHODS[op]}__"
        if cls is not None and self._operator_of(cls, in_place):
            sign = OPERATORS[op]  # (ssa/sharing.py's signs)
            raise self._unsupported(
                f"`{name} {sign}= …` through `{cls.__name__}.{in_place}` (it may update the "
                "object in place, which other names holding it would see)",
                hint=f"write `{name} = {name} {sign} …` where `__{_OPERATOR_METHODS[op]}__` "
                "gives the same value",
            )
        return self._operator_method(op, current, value)

    def _rebinds(self, tree: gast.FunctionDef, args: tuple, kwargs: tuple):
        """`rebinds(p, op)` for `updated_parameters`: whether `p op= e` in the helper `tree`,
        called with `args` and `kwargs`, makes a new object, the class of the one given (or
        made here) having no in-place method for `op` (Python then calls `__add__`, …): no
        update of the caller's object, so the helper may be inlined, its parameter known."""
        params = [a.id for a in [*tree.args.posonlyargs, *tree.args.args]]
        given = {**dict(zip(params, args, strict=False)), **dict(kwargs)}  # (`*xs`: fewer)

        def rebinds(param: str, op: type) -> bool:
            value, name = given.get(param), _OPERATOR_METHODS.get(op)
            if isinstance(value, Named):
                cls = type(value.free.value) if is_user_object(value.free.value) else None
            else:  # (an object made here: its class as the lowering knows it)
                cls = self._class_made(value)
            return None not in (cls, name) and not hasattr(cls, f"__i{name}__")

        return rebinds

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


def _overridden(cls: type, method: str) -> bool:
    """Whether a subclass of `cls` (defined now) has its own `method`."""
    found = getattr(cls, method, None)
    pending = list(cls.__subclasses__())
    while pending:
        sub = pending.pop()
        if getattr(sub, method, None) is not found:
            return True
        pending.extend(sub.__subclasses__())
    return False
