"""Records in the lowering: reading an attribute of a local value, and building a NamedTuple,
a dataclass or an object of a user class inside the differentiated function.

Before: `obj.attr` of a local value, `Params(w, b=b)`, `Model(w)` (a class whose `__init__`
only stores values). After: the primitives `getattr` (written `obj.attr`), `rt.new_record`
(the class's own constructor, for NamedTuples and dataclasses) and `rt.new_object` (an object
made without `__init__`, holding the values its `__init__` would store, each lowered here):

    p = Params(w, b=b)        _t1 = [w, b]; p = rt.new_record(Params, ('w', 'b'), _t1)
    m = Model(w)              _t2 = w * 2.0; _t3 = [_t2]; m = rt.new_object(Model, ('W',), _t3)
    y = m.W @ x               _t4 = m.W; y = _t4 @ x

Their rules are in rules/records.py, the runtime helpers in runtime/records.py.
"""

from __future__ import annotations

import ast
import builtins
import copy
import dataclasses
import inspect
import operator
import types
import weakref

import gast

from .. import runtime
from ..errors import S2SError, UnsupportedSyntaxError, with_article
from ..frontend import nodes
from ..frontend.library import is_library_function
from ..frontend.nodes import descendants
from ..frontend.parse import parse_function, without_docstring
from ..runtime import append, make_list, new_object, new_record, replaced, sequence
from .ir import ATTRIBUTE, Atom, Const, Expr, Free, Prim, Return, Var
from .kinds import helper_facts, holds_class, is_namedtuple, is_users

_LITERALS = (int, float, str, bytes, bool, type(None))


OBJECTS = "object_classes"  # SSA name → the class of the object it holds, made here
ITEMS = "item_classes"  # … → the class of every item of the list it holds, or EMPTY_LIST
ENTRY_CLASSES_READ = "entry_classes_read"  # names of containers an item's class was read of
EMPTY_LIST = "<an empty list>"  # (the item class of `[]`: any first item's)
NONE_VALUES = "none_values"  # SSA names holding None (in a join, no class of their own)
_NONE = Const(None)  # (compared with at every binding: made once)
# (the callees `_classes_of` asks about at every binding: no module lookup each time)
_ITEM_READS = (operator.getitem, getattr, runtime.dict_get)


class Records:
    """Mixed into the expression lowering (`lower_expr.py`)."""

    def _record_attribute(self, node: gast.Attribute, value: Atom | None = None) -> Expr:
        """`obj.attr` of a local value that is not an array attribute: a record's attribute;
        a property of an object this function made, its getter inlined (`self.w2`). `value`:
        `obj`, where lowered already."""
        value = self._atom(node.value) if value is None else value
        cls = self._class_made(value)
        found = self._class_entry(cls, node.attr) if cls is not None else None
        getter = found.fget if isinstance(found, property) else None
        if inspect.isfunction(getter) and self._inlinable(getter):
            spelled = f"{cls.__name__}.{node.attr}"
            return self._inlined_for_class(value, spelled, getter, ((value,), ()), "a property")
        return Prim(getattr, (value, Const(node.attr)), spelled=node.attr, style=ATTRIBUTE)

    # The class of an object made here is a fact of the SSA value holding it (`h = Holder(w)`),
    # carried by copies (`g = h`, a method's result) and by joins whose values are all of one
    # class; so is the class of all the items of a list built here of such objects (`[A(x),
    # A(y)]`, `hs.append(A(z))`: `for h in hs` reads objects of that class). A loop's header
    # takes its class from the value before the loop, and its body is lowered before its
    # back edge is known: a back edge of another class, where a method was inlined on that
    # class, is refused.

    def _class_made(self, atom: object) -> type | None:
        """The class of the object `atom` is, where this function made it, else None."""
        return self.__dict__.get(OBJECTS, {}).get(getattr(atom, "name", None))

    def _inlined_for_class(self, atom: Var, spelled: str, fn, given: tuple, why: str) -> Expr:
        """`fn`, a method or property getter of the class of `atom`, inlined (`spelled`, for
        messages; `given`: (positional, keyword) arguments): the class of `atom`, and of the
        values it comes from, is noted as relied on (a loop's back edge may not change it)."""
        used = self.__dict__.setdefault("classes_used", set())
        used.add(atom.name)
        used.update(self.__dict__.get("class_sources", {}).get(atom.name, ()))
        return self._inline_helper(spelled, fn, *given, why)

    def _holds_objects_made(self, atom: object) -> bool:
        """Whether `atom` is an object this function made, or a list built here of them (of
        one class, or of several at known places: ssa/entry_kinds.py)."""
        name = getattr(atom, "name", None)
        found = self.__dict__.get(ITEMS, {}).get(name)
        if self._class_made(atom) is not None or isinstance(found, type):
            return True
        return isinstance(atom, Var) and holds_class(self._entries_made(atom))

    def _result_objects(self) -> bool:
        """`Function.result_objects`: whether the function returns objects it made."""
        last = self.body[-1] if self.body else None
        return isinstance(last, Return) and any(map(self._holds_objects_made, last.values))

    def _object_helper_call(self, callee: Free, args: tuple, kwargs: tuple) -> Expr | None:
        """A helper of yours given an object made here (or a list of them), or returning
        one it makes (`s = make_spring(k)`, `energy(s, x)`): inlined, so the object's class
        is followed into it and out of it (its methods are inlined where called) and its
        construction is watched here; None for any other call, or a helper that cannot be
        inlined (then the method call is refused, saying why).

        So is a helper given a list or dict (or an item of one) that it may return (`def
        same(d): return d`: `e = same(d)` is then `d`'s object), and one that may return a
        dict's view (`def values_of(d): return d.values()`), or is given one: Python's view
        is live, and inlined it is known here as one, so an update of the dict while it is
        read later is refused (ssa/aliasing.py), while a number the helper computes from it
        holds no view."""
        fn = callee.value
        if not isinstance(fn, types.FunctionType) or not is_users(fn):
            return None
        given = (*args, *(value for _, value in kwargs))
        _, _, makes_objects, returns_views, returns_given, _, _ = helper_facts(fn)
        follows = makes_objects or returns_views or any(map(self._holds_objects_made, given))
        gives_view = any(isinstance(a, Var) and self._holds_view_of(a.name) for a in given)
        follows = follows or gives_view  # (what it makes of the view: a view, or a value)
        # (`e = same(d)` of `def same(d): return d`: `e` is then known to be `d`'s object)
        items = [a for a in given if getattr(a, "name", None) in self.item_of]  # perhaps lists
        containers = any(map(self._holds_items, given)) or bool(items)
        follows = follows or (returns_given and containers)
        if not follows:
            return None
        if fn in self.__dict__.get("_inlining_helpers", ()) or not self._inlinable(
            fn, args, kwargs
        ):
            return None
        why = "given or making objects"
        if returns_views or gives_view:
            why = "given or returning a dict's view"
        elif returns_given and containers:
            why = "returning a list or dict it is given"
        return self._inline_helper(callee.source, fn, args, kwargs, why)

    def _returns_objects_made(self, callee: object) -> bool:
        """Whether calling `callee` makes an object this function follows (told before the
        call is lowered): a helper of yours returning objects it makes (a static method
        too), or a class method of your class whose every `return` calls `cls(…)`."""
        if isinstance(callee, types.MethodType) and is_user_class(callee.__self__):
            fn = callee.__func__
            if not isinstance(fn, types.FunctionType) or not is_users(fn):
                return False
            try:
                tree = parse_function(fn).node
            except S2SError:
                return False
            first = tree.args.args[0].id if tree.args.args else None
            returns = [n for n in descendants(tree) if isinstance(n, gast.Return)]
            return bool(returns) and all(
                isinstance(r.value, gast.Call)
                and isinstance(r.value.func, gast.Name)
                and r.value.func.id == first
                for r in returns
            )
        helper = isinstance(callee, types.FunctionType) and is_users(callee)
        return helper and helper_facts(callee)[2]

    def _class_callee(self, func: gast.expr) -> Free | None:
        """The class a call makes an object of, where the callee is not named by a module's
        name: `cls(w)` in a class method inlined (`cls` bound to the class), `type(s)(w)` and
        `s.__class__(w)` of an object `s` made here (the class as the code spells it)."""
        if isinstance(func, gast.Name):
            bound = self.env.get(func.id)
            return bound if isinstance(bound, Free) and is_user_class(bound.value) else None
        if isinstance(func, gast.Call) and len(func.args) == 1 and not func.keywords:
            typed = func.func
            if not isinstance(typed, gast.Name) or typed.id in self.env or typed.id in self.locals:
                return None
            if self.scope.resolve([typed.id]) is not builtins.type:
                return None
            of = func.args[0]
        elif isinstance(func, gast.Attribute) and func.attr == "__class__":
            of = func.value
        else:
            return None
        if not isinstance(of, gast.Name):
            return None
        cls = self._class_made(self.env.get(of.id))
        return self.__dict__.get("class_atoms", {}).get(cls) if cls is not None else None

    def _item_class(self, node: gast.expr) -> type | None:
        """The class of `hs[i]`, an item of a list built here of objects of one class."""
        if not (isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name)):
            return None
        bound = self.env.get(node.value.id)
        found = self.__dict__.get(ITEMS, {}).get(getattr(bound, "name", None))
        return found if isinstance(found, type) else None

    def _note_classes(self, target: str, value: object, joined: bool) -> None:
        """`target = value` (`joined`: one value of a join, `a if c else b`)."""
        made, items, sources = self._classes_of(value)
        fn = value.fn if isinstance(value, Prim) else None
        if isinstance(fn, type) and fn in NOT_LOWERED:
            # (made by its own constructor: its methods are not followed, the hint says why)
            self.__dict__.setdefault("unlowered", {})[target] = fn
        # (a literal's type asked first: any other value's `==` is two dataclass methods)
        nones = self.__dict__.get(NONE_VALUES, ())
        if (type(value) is Const and value == _NONE) or getattr(value, "name", None) in nones:
            # (`_result = None` before the returns: no class of its own)
            self.__dict__.setdefault(NONE_VALUES, set()).add(target)
        if joined:
            self._note_class_join(target, [value], made)
            return
        if made is not None:
            self.__dict__.setdefault(OBJECTS, {})[target] = made
            self._note_operator_class(made)  # (ssa/object_operators.py)
        if items is not None:
            self.__dict__.setdefault(ITEMS, {})[target] = items
        if sources:
            found = self.__dict__.setdefault("class_sources", {})
            found[target] = {*sources, *(s for n in sources for s in found.get(n, ()))}

    def _classes_of(self, value: object) -> tuple[type | None, object, list[str]]:
        """(the class of the object `value` gives, the class of the items of the list it
        gives or `EMPTY_LIST`, the names they come from); None where not known."""
        objects = self.__dict__.get(OBJECTS, {})
        items = self.__dict__.get(ITEMS, {})
        if isinstance(value, Var):
            known = objects.get(value.name), items.get(value.name)
            return (*known, [value.name] if known != (None, None) else [])
        if not isinstance(value, Prim):
            return None, None, []
        fn, args = value.fn, value.args  # (read once: each an attribute lookup)
        if fn is new_object or fn is new_record:
            # (the class as the code spells it, for its class methods' `cls`)
            self.__dict__.setdefault("class_atoms", {})[args[0].value] = args[0]
            return args[0].value, None, []
        names = [a.name for a in args if isinstance(a, Var)]
        if fn is replaced:  # `p._replace(b=…)`: a record of `p`'s class
            found = objects.get(getattr(args[0], "name", None))
            return (found, None, names[:1]) if found is not None else (None, None, [])
        if fn in _ITEM_READS:
            found = items.get(getattr(args[0], "name", None))  # `hs[i]`: a list of one
            if not isinstance(found, type):  # `d["a"]`, `a.w`, `t[0]`: ssa/entry_kinds.py
                found = self.entry_class(args[0], args[1])
                if isinstance(found, type):  # (a loop may not change it: entry_kinds.py)
                    self.__dict__.setdefault(ENTRY_CLASSES_READ, set()).update(names[:1])
            return (found, None, names[:1]) if isinstance(found, type) else (None, None, [])
        if fn is make_list:  # `[A(x), A(y)]`
            found = {objects.get(getattr(a, "name", None)) for a in args}
            found = found if args else {EMPTY_LIST}
        elif fn is sequence:  # `for h in hs` iterates it
            found = {items.get(getattr(args[0], "name", None))}
        elif fn is append:  # `hs.append(A(z))`
            xs, item = args
            found = {items.get(getattr(xs, "name", None))} - {EMPTY_LIST}
            found.add(objects.get(getattr(item, "name", None)))
        else:
            return None, None, []
        if len(found) != 1 or None in found:
            return None, None, []
        return None, found.pop(), names

    def _note_class_join(self, target: str, values: list, made: type | None = None) -> None:
        """`target` is perhaps any of `values` (a branch's join, a loop's header and its back
        edge, an `a if c else b`; noted again for each): of their class if they all have one,
        a list of items of their class if they all are. `made`: the class of the one value
        that is not a name (`rt.new_object(cls, …)`)."""
        names = [v.name for v in values if isinstance(v, Var) and v.name != target]
        unnamed = any(not isinstance(v, Var) for v in values)
        for facts, given in ((OBJECTS, made), (ITEMS, None)):
            found = self._joined_class(facts, target, names, given if unnamed else ())
            if found is None:
                continue
            old, shown = found
            users = sorted(k for k, b in self.env.items() if getattr(b, "name", None) in names)
            what = f"`{users[0]}`" if users else "a name"
            held = "an object" if facts == OBJECTS else "a list of objects"
            raise UnsupportedSyntaxError(
                f"unsupported construct: {what} holds {held} of `{old.__name__}` made in the "
                f"function when the loop starts, and {shown} after an iteration: the methods "
                f"inlined for `{old.__name__}` would be the wrong ones",
                filename=self.filename,
                line=self.made_on.get(names[0], self.line) if names else self.line,
                hint="bind the new value to another name, or make every object the loop "
                "gives it of the same class",
            )  # (at the rebinding, not at the loop's last line)

    def _joined_class(
        self, facts: str, target: str, names: list[str], unnamed
    ) -> tuple[type, str] | None:
        """Join the class fact `facts` of `names` (and `unnamed`'s, a class or None, where
        given) into `target`'s; (its old class, what it is now) where that changed a class
        a method was inlined for, else None."""
        known = self.__dict__.setdefault(facts, {})
        joined = self.__dict__.setdefault(facts + " joined", set())
        # (None on a path, as a function's result before a `return` ran: a method called on
        # it fails there as in Python, whatever class the others give)
        nones = self.__dict__.get(NONE_VALUES, ())
        found = {known.get(n) for n in names if n not in nones}
        if unnamed != ():
            found.add(unnamed)
        if target in joined:
            found.add(known.get(target))
        joined.add(target)
        if len(found) > 1:
            found.discard(EMPTY_LIST)  # (no items: those of the others)
        cls = found.pop() if len(found) == 1 else None
        if cls is not None:
            known[target] = cls
            sources = self.__dict__.setdefault("class_sources", {})
            sources[target] = {*names, *(x for n in names for x in sources.get(n, ()))}
            return None
        old = known.pop(target, None)
        if isinstance(old, type) and target in self.__dict__.get("classes_used", ()):
            return old, "another value"
        return None

    def _made_object_method(
        self, receiver: Atom, attr: str, args: tuple, kwargs: tuple, spelled: str
    ) -> Expr | None:
        """`obj.method(…)` of an object this function made (`Holder(w).energy(x)`, `h =
        Scaler(s); h.apply(x)`): the method (a static one without `self`) inlined with `self`
        bound to the object, where the lowering can inline it; None for anything else."""
        cls = self._class_made(receiver)
        method = self._class_entry(cls, attr) if cls is not None else None
        if isinstance(method, staticmethod):
            fn, given = method.__func__, args
        elif isinstance(method, classmethod) and cls in self.__dict__.get("class_atoms", {}):
            fn, given = method.__func__, (self.class_atoms[cls], *args)  # `self.coef()`
        elif inspect.isfunction(method):
            fn, given = method, (receiver, *args)
        else:
            return None  # a property, a class method, data: as before
        if not self._inlinable(fn):
            return None
        why = "a method of an object made here"
        return self._inlined_for_class(receiver, spelled, fn, (given, kwargs), why)

    def _class_entry(self, cls: type, attr: str) -> object:
        """What `attr` names in the class `cls` of an object made here (None where nothing),
        watched: a method redefined later (`A.energy = …`, on `A` or a base) makes a new
        derivative, as it does for objects given as arguments."""
        self.scope.watch_mro(cls)
        found = self.scope.watch_lookup(cls.__mro__, attr)
        wanted = callable(found) or isinstance(found, (property, classmethod))
        return found if wanted else None

    def _construction(self, callee: Free, args: tuple, kwargs: tuple) -> Expr | None:
        """`cls(...)` of a NamedTuple, a dataclass or a user class with its own `__init__`,
        as a record primitive; None for other callees (and classes this does not build)."""
        cls = callee.value
        if not is_user_class(cls):
            return None
        # what the object is made by, watched: `__init__` redefined (on it or a base), its
        # bases reassigned, `__getattribute__` added later make a new derivative
        self.scope.watch_mro(cls)
        for name in ("__init__", *_SPECIAL):
            self.scope.watch_lookup(cls.__mro__, name)
        if is_namedtuple(cls) or _is_plain_dataclass(cls):
            self._refuse_array_names(cls.__name__, _field_names(cls))
            names = self._bound_fields(cls, callee, args, kwargs)
            items = self._atom_of(self._list_of([atom for _, atom in names]))
            fields = Const(tuple(name for name, _ in names))
            return Prim(runtime.new_record, (callee, fields, items), spelled=self._rt("new_record"))
        init = cls.__dict__.get("__init__") if "__init__" in vars(cls) else _inherited_init(cls)
        if init is None and not args and not kwargs and _stateless(cls):
            # `Util()` of a class of methods alone: an object with no attributes of its own
            return Prim(
                runtime.new_object,
                (callee, Const(()), self._atom_of(self._list_of([]))),
                spelled=self._rt("new_object"),
            )
        if not inspect.isfunction(init) or is_library_function(init):
            return None  # no `__init__` of the user's: as any other call
        emitted = len(self.body)
        try:
            return self._stored_by_init(cls, callee, init, args, kwargs)
        except _NotLowered as reason:
            # the plain call: exact where no derivative flows through it; where one does,
            # the missing rule is reported with this reason (ad/templates.py)
            del self.body[emitted:]
            NOT_LOWERED[cls] = str(reason)
            return None

    def _refuse_array_names(self, kind: str, names) -> None:
        """`p.T`, `p.shape`, … read as the array attributes they name (`lower_expr.py`): a
        record built here must not hold attributes of those names."""
        from .lower_expr import ARRAY_ATTRIBUTES

        clash = [name for name in names if name in ARRAY_ATTRIBUTES]
        if clash:
            raise self._unsupported(
                f"{with_article(kind)} with an attribute named `.{clash[0]}`, which reads as the "
                "array attribute of that name",
                hint=f"rename the attribute (`.{clash[0]}_`)",
            )

    def _replaced(self, record: Atom, args: tuple, kwargs: tuple, spelled: str) -> Expr:
        """`p._replace(w=v)` / `dataclasses.replace(p, w=v)`: a copy with new attributes."""
        if args or not kwargs:
            raise self._unsupported(
                f"`{spelled}` with positional arguments or none",
                hint="name the attributes to replace: `p._replace(w=new_w)`",
            )
        self._refuse_array_names("record", [name for name, _ in kwargs])
        items = self._atom_of(self._list_of([atom for _, atom in kwargs]))
        names = Const(tuple(name for name, _ in kwargs))
        return Prim(runtime.replaced, (record, names, items), spelled=self._rt("replaced"))

    def _bound_fields(
        self, cls: type, callee: Free, args: tuple, kwargs: tuple
    ) -> list[tuple[str, Atom]]:
        """(field, atom) for each argument of `cls(...)`, by the constructor's signature."""
        try:
            bound = inspect.signature(cls).bind(*args, **dict(kwargs))
        except TypeError as exc:
            raise self._unsupported(
                f"`{callee.source}(...)` with arguments that do not fit its fields ({exc})",
                hint=f"pass {callee.source}'s fields by position or by name",
            ) from None
        return list(bound.arguments.items())

    def _stored_by_init(self, cls: type, callee: Free, init, args: tuple, kwargs: tuple) -> Expr:
        """An object whose `__init__` only stores values: each value lowered here, with the
        `__init__`'s parameters bound to the call's arguments."""
        _refuse_special_class(cls)
        stored: dict[str, Atom] = {}
        self._run_init(cls, init, args, kwargs, stored)
        self._refuse_array_names(cls.__name__, stored)
        items = self._atom_of(self._list_of(list(stored.values())))
        fields = Const(tuple(stored))
        return Prim(runtime.new_object, (callee, fields, items), spelled=self._rt("new_object"))

    def _run_init(self, cls: type, init, args: tuple, kwargs: tuple, stored: dict) -> None:
        """Lower what `init` stores into `stored` (attribute → atom), following
        `super().__init__(…)` into the next class's `__init__`."""
        body, where = _init_body(init)
        values, self_name = _bound_parameters(cls, init, args, kwargs)
        for stmt in body:
            parent = _super_init_call(stmt)
            if parent is not None:
                lowered = [
                    self._init_value(
                        _stored_reads(a, self_name, stored), values, init, self_name, cls, where
                    )
                    for a in parent.args
                ]
                named = [
                    (
                        k.arg,
                        self._init_value(
                            _stored_reads(k.value, self_name, stored),
                            values,
                            init,
                            self_name,
                            cls,
                            where,
                        ),
                    )
                    for k in parent.keywords
                ]
                self._run_parent_init(cls, init, tuple(lowered), tuple(named), stored, where, stmt)
                values.update({f"{self_name}.{name}": atom for name, atom in stored.items()})
                continue
            target, expr = _stored_value(stmt, self_name)
            if target is None:
                found = f"{_statement_named(stmt)}, not `{self_name}.name = value`"
                raise _init_refusal(cls, where, stmt, found)
            _refuse_special_store(cls, target)
            expr = _stored_reads(expr, self_name, stored)
            stored[target] = self._init_value(expr, values, init, self_name, cls, where)
            values[f"{self_name}.{target}"] = stored[target]  # read back as `self.W`

    def _run_parent_init(self, cls, init, args, kwargs, stored, where, stmt) -> None:
        base = _next_init(cls, init)
        if base is object.__init__:
            if args or kwargs:
                raise _init_refusal(
                    cls, where, stmt, "`super().__init__(…)` of `object` with arguments"
                )
            return
        if not inspect.isfunction(base) or is_library_function(base):
            raise _init_refusal(cls, where, stmt, "`super().__init__(…)` of a class not your own")
        self._run_init(cls, base, args, kwargs, stored)

    def _init_value(
        self, expr: gast.expr, values: dict, init, self_name: str, cls: type, where: str
    ) -> Atom:
        """The value `__init__` stores, lowered with its parameters bound to `values`."""
        for name in _loaded_names(expr):
            if name == self_name:
                raise _init_refusal(cls, where, expr, f"a value that reads `{self_name}`")
            if name in values:
                continue
            if not self._same_free_name(name, init):
                found = (
                    f"a value that reads `{name}`, which the differentiated function does not "
                    "see as its `__init__` does"
                )
                raise _init_refusal(cls, where, expr, found)
        saved = {name: self.env.get(name) for name in values}
        self.env.update(values)
        try:
            return self._atom(expr)
        except S2SError:  # a construct the lowering refuses (`lambda`, `*xs`, …)
            found = "a value written in a form not lowered here"
            raise _init_refusal(cls, where, expr, found) from None
        finally:
            for name, old in saved.items():
                if old is None:
                    self.env.pop(name, None)
                else:
                    self.env[name] = old

    def _same_free_name(self, name: str, init) -> bool:
        """Whether the free name `name` of `__init__` means the same object here."""
        if name in self.env or name in self.locals or name in self.nested_defs:
            return False
        code = init.__code__
        if name in code.co_freevars:
            cell = init.__closure__[code.co_freevars.index(name)]
            theirs = cell.cell_contents
        else:
            missing = object()
            theirs = init.__globals__.get(name, getattr(builtins, name, missing))
            if theirs is missing:
                return False
        return self.scope.lookup(name) is theirs


class _NotLowered(Exception):
    """Why a construction is left to the plain call."""


# class → why building its objects is left to the plain call (for the missing-rule message)
NOT_LOWERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def unlowered_hint(cls: type) -> str:
    """Why the methods of an object of `cls` the function made are not followed."""
    return (
        f"; objects of `{cls.__name__}` made in the function are made by its own constructor, "
        f"and their methods not followed, since {NOT_LOWERED.get(cls, 'it is not lowered')}: "
        "make `__init__` only store values (`self.w = w`), or make the object outside the "
        "function and pass it in"
    )


def construction_hint(fn: object) -> str | None:
    """What to write instead, when `fn` is a class whose construction was not lowered and a
    derivative flows through it."""
    reason = NOT_LOWERED.get(fn) if isinstance(fn, type) else None
    if reason is None:
        return None
    return (
        f"objects of `{fn.__name__}` are built inside a differentiated function only when its "
        f"`__init__` just stores values (`self.W = W`, `self.b = np.zeros(n)`), and {reason}; "
        "build the object outside the function and pass it in, or use a NamedTuple or a "
        "dataclass"
    )


_STATEMENTS = {
    gast.If: "an `if`",
    gast.For: "a `for` loop",
    gast.While: "a `while` loop",
    gast.Assert: "an `assert`",
    gast.Try: "a `try`",
    gast.With: "a `with` block",
    gast.Raise: "a `raise`",
    gast.Return: "a `return`",
}


def _statement_named(stmt: gast.stmt) -> str:
    """What `stmt` is, as a refusal names it (`an `if``, `a call `self.setup()``)."""
    if isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Call):
        return f"a call `{ast.unparse(gast.gast_to_ast(stmt.value))}`"
    return _STATEMENTS.get(type(stmt), "a statement")


def _init_refusal(cls: type, where: str, node: gast.AST, found: str) -> _NotLowered:
    line = getattr(node, "lineno", None)
    return _NotLowered(f"`{cls.__name__}.__init__` ({where}:{line}) has {found}")


def _stateless(cls: type) -> bool:
    """A plain class (no `__new__` or `__slots__` in it or its bases, of which only `object`
    is not the user's: `Doubled(Base)` overriding a class attribute) whose objects Python
    makes with no attributes of their own."""
    return all(
        klass is object
        or (
            is_user_class(klass) and "__new__" not in vars(klass) and "__slots__" not in vars(klass)
        )
        for klass in cls.__mro__
    )


def is_user_class(cls: object) -> bool:
    return (
        isinstance(cls, type)
        and cls.__module__ not in ("builtins", "numpy")
        and not cls.__module__.startswith(("numpy.", "s2s_ad"))
        and not issubclass(cls, BaseException)
    )


def _is_plain_dataclass(cls: type) -> bool:
    """A dataclass whose `__init__` is the generated one and does nothing more."""
    params = getattr(cls, "__dataclass_params__", None)
    return (
        dataclasses.is_dataclass(cls)
        and params is not None
        and params.init
        and not hasattr(cls, "__post_init__")
        and all(f.init for f in dataclasses.fields(cls))
    )


def _bound_parameters(cls: type, init, args: tuple, kwargs: tuple) -> tuple[dict, str]:
    """(parameter → atom, the name of `self`) for `init` called with these atoms."""
    signature = inspect.signature(init)
    try:
        bound = signature.bind(None, *args, **dict(kwargs))
    except TypeError as exc:
        raise _NotLowered(f"its arguments do not fit `{init.__qualname__}` ({exc})") from None
    given = set(bound.arguments)
    bound.apply_defaults()
    params = list(signature.parameters.values())
    values: dict[str, Atom] = {}
    for param in params[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise _NotLowered(f"`{init.__qualname__}` takes `*{param.name}`")
        value = bound.arguments[param.name]
        values[param.name] = value if param.name in given else _default_atom(value, param.name)
    return values, params[0].name


def _super_init_call(stmt: gast.stmt) -> gast.Call | None:
    """The call `super().__init__(…)` when `stmt` is one."""
    call = stmt.value if isinstance(stmt, gast.Expr) else None
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)):
        return None
    inner = call.func.value
    is_super = (
        call.func.attr == "__init__"
        and isinstance(inner, gast.Call)
        and isinstance(inner.func, gast.Name)
        and inner.func.id == "super"
        and not inner.args
    )
    return call if is_super else None


def _next_init(cls: type, init):
    """The `__init__` after `init`'s class in `cls`'s method resolution order."""
    mro = cls.__mro__
    owner = next(k for k, klass in enumerate(mro) if vars(klass).get("__init__") is init)
    return next(vars(k)["__init__"] for k in mro[owner + 1 :] if "__init__" in vars(k))


def _field_names(cls: type) -> tuple:
    if dataclasses.is_dataclass(cls):
        return tuple(f.name for f in dataclasses.fields(cls))
    return tuple(cls._fields)


def _inherited_init(cls: type):
    for klass in cls.__mro__[1:-1]:
        if "__init__" in vars(klass):
            return vars(klass)["__init__"]
    return None


def _stored_value(stmt: gast.stmt, self_name: str) -> tuple[str | None, gast.expr | None]:
    """(attribute, value) of `self.attribute = value` (annotated or not)."""
    if isinstance(stmt, gast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, gast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None, None
    if (
        isinstance(target, gast.Attribute)
        and isinstance(target.value, gast.Name)
        and target.value.id == self_name
    ):
        return target.attr, value
    return None, None


class _StoredReads(gast.NodeTransformer):
    """`self.W` read after `self.W = …` in an `__init__`: the name `self.W`, bound to the
    value stored (a name no Python code can spell, so it cannot clash)."""

    def __init__(self, self_name: str, stored: dict) -> None:
        self.self_name = self_name
        self.stored = stored

    def visit_Attribute(self, node: gast.Attribute) -> gast.expr:
        value = node.value
        if isinstance(value, gast.Name) and value.id == self.self_name and node.attr in self.stored:
            return nodes.name(f"{self.self_name}.{node.attr}")
        return self.generic_visit(node)


def _stored_reads(expr: gast.expr, self_name: str, stored: dict) -> gast.expr:
    return _StoredReads(self_name, stored).visit(copy.deepcopy(expr))


def _loaded_names(expr: gast.expr) -> list[str]:
    return [n.id for n in descendants(expr) if isinstance(n, gast.Name)]


def _default_atom(value: object, name: str) -> Atom:
    if isinstance(value, _LITERALS) or (
        isinstance(value, tuple) and all(isinstance(v, _LITERALS) for v in value)
    ):
        return Const(value)
    raise _NotLowered(f"it leaves `{name}` to its default, which is not a literal")


def _init_body(init) -> tuple[list[gast.stmt], str]:
    try:
        parsed = parse_function(init)
    except S2SError as exc:
        raise _NotLowered(f"the source of its `__init__` cannot be read ({exc})") from None
    return without_docstring(parsed.node.body), parsed.filename


def _refuse_special_store(cls: type, target: str) -> None:
    """`self.target = value` in `__init__` that does not just put `value` in the object's
    own attributes for methods to read as a field: `self.__class__ = B` (the object changes
    class), an attribute of a class's method or property name (the object's own hides the
    method: `self.energy = cubic`), a data descriptor's (its setter runs instead)."""
    if target.startswith("__") and target.endswith("__"):
        raise _NotLowered(f"`{cls.__name__}.__init__` assigns `self.{target}`")
    found = inspect.getattr_static(cls, target, None)
    if callable(found) or hasattr(type(found), "__set__") or isinstance(found, property):
        raise _NotLowered(
            f"`{cls.__name__}.__init__` stores `self.{target}`, a name its class gives a "
            "method, property or descriptor"
        )


# what makes an object differ from one given its attributes one by one
_SPECIAL = ("__new__", "__setattr__", "__getattribute__", "__slots__", "__post_init__")


def _refuse_special_class(cls: type) -> None:
    """Classes for which an object made without `__init__` and given its attributes one by
    one might differ from the one Python makes."""
    special = [name for name in _SPECIAL if any(name in vars(k) for k in cls.__mro__[:-1])]
    if type(cls).__call__ is not type.__call__:  # a metaclass that makes objects its way
        raise _NotLowered(f"the metaclass of `{cls.__name__}` defines `__call__`")
    if special or dataclasses.is_dataclass(cls):
        found = f"`{special[0]}`" if special else "an `__init__` of its own"
        raise _NotLowered(f"`{cls.__name__}` defines {found}")
