"""Expression lowering: one gast expression → atoms and three-address statements.

Shared by the statement lowering (`lower.py`), which owns the control flow. Nested
expressions get temporaries `_t1, _t2, …`; short-circuit `and`/`or`, chained comparisons and
`a if c else b` become `If` statements whose branches assign one joined temporary. `+` and
`*` on values known to be lists or tuples join and repeat them (`kinds.py`).
"""

from __future__ import annotations

import ast
import builtins
import copy
import dataclasses
import functools
import inspect
import operator
from collections.abc import Callable

import gast
import numpy as np
from gast import (  # (the node checks of `_expr`, at every expression: no module lookups)
    Attribute,
    BinOp,
    BoolOp,
    Call,
    Compare,
    Constant,
    Dict,
    IfExp,
    JoinedStr,
    List,
    Name,
    Starred,
    Subscript,
    Tuple,
    UnaryOp,
)

from .. import runtime
from ..errors import NameResolutionError, UnsupportedSyntaxError
from ..frontend.nodes import descendants, root
from ..frontend.scope import Scope, is_missing
from ..naming import Aliases, Namer
from ..rules.definitions import definition_of, option_not_covered
from ..rules.registry import lookup
from .builtins import UPDATES_GIVING_NONE
from .dicts import DictValues
from .distributions import DISTRIBUTION_METHODS, FROZEN_HINT, FrozenDistributions
from .einsum_sublists import EinsumSublists
from .entry_kinds import EntryKinds
from .function_values import FunctionItems, Named
from .ir import (
    ATTRIBUTE,
    LIST,
    METHOD,
    Assign,
    Atom,
    Const,
    Expr,
    Free,
    If,
    Index,
    Prim,
    SliceItem,
    Stmt,
    Var,
)
from .kinds import SequenceKinds
from .library_keywords import keywords_as_positions
from .object_operators import ObjectOperators
from .records import NOT_LOWERED, Records, is_user_class, unlowered_hint
from .strings import Strings
from .super_calls import is_super_attribute

UNARYOPS = {
    gast.USub: operator.neg,
    gast.UAdd: operator.pos,
    gast.Not: operator.not_,
    gast.Invert: operator.invert,
}
CONCATENATORS = (type(np.r_), type(np.c_))  # `np.r_[...]` joins the arrays it is indexed with
COMPARISONS = {
    gast.Lt: operator.lt,
    gast.LtE: operator.le,
    gast.Gt: operator.gt,
    gast.GtE: operator.ge,
    gast.Eq: operator.eq,
    gast.NotEq: operator.ne,
    gast.Is: operator.is_,
    gast.IsNot: operator.is_not,
    gast.In: runtime.is_in,  # passive: a bool
    gast.NotIn: runtime.is_not_in,
}
# Attributes and methods of local arrays, and the NumPy function each one is.
ARRAY_ATTRIBUTES = {
    "T": np.transpose,
    "shape": np.shape,
    "ndim": np.ndim,
    "size": np.size,
    "dtype": np.result_type,
}
ARRAY_METHODS = {
    name: getattr(np, name)
    for name in (
        *("sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "dot"),
        *("reshape", "transpose", "ravel", "copy", "swapaxes", "squeeze", "clip", "take"),
        *("trace", "diagonal", "repeat", "argmax", "argmin", "argsort", "any", "all", "round"),
    )
}
ARRAY_METHODS.update(flatten=np.ravel, astype=np.ndarray.astype)


def _known_comparison(kind: object, left: Const | None, right: Const | None) -> Const | None:
    """The value of a comparison of two literals (or names bound to them: `o == 0` of
    `sum`'s start given to an operator method's `if o == 0: return self`), as Python
    computes it; for `is`/`is not`, only where one is None, True, False or `...` (`1.5 is not
    None` of a helper's `shift=None` given 1.5, inlined: Python's compiler would warn of "is
    not" with a literal in the generated code). None for any other comparison."""
    if left is None or right is None or kind in (runtime.is_in, runtime.is_not_in):
        return None
    values = (left.value, right.value)
    if kind in (operator.is_, operator.is_not):
        singletons = (None, True, False, Ellipsis)
        if not any(v is s for v in values for s in singletons):
            return None
    elif not all(type(v) in _SCALAR_LITERALS for v in values):
        return None
    try:
        return Const(bool(kind(*values)))
    except TypeError:  # (`None < 1`: Python raises it when called, and so does the code)
        return None


_SCALAR_LITERALS = (bool, int, float, str, type(None))


def _const(atom: object) -> Const | None:
    return atom if isinstance(atom, Const) else None


# where the local value may be an object of the user's (ssa/object_names.py)
_OBJECT_HINT = (
    "; an object of your class given to a local name is followed where the name is bound "
    "once, by a chain of attributes and literal indices (`layer = model.l1`, `a, b = pair`), "
    "not in a branch, in a loop rebinding it or at a computed index: else call the method "
    "through the object (`model.l1.forward(x)`, `for layer in model.layers:`)"
)

# a method of an object held by one made in the function, of a class not known there
_HELD_OBJECT_HINT = (
    "; the methods of an object another one made in the function holds are followed where "
    "its class is known when the derivative is made (`Outer(Inner(x), s)` calling "
    "`self.inner.f(x)`), not where it may differ by path: make both outside the function "
    "and pass the outer one in (`loss(x, Outer(Inner(a), s))`), or call the held object's "
    "method through the name it was made under (`inner = Inner(x)`, then `inner.f(x)`)"
)

# a method of an item of a list (records.py: the class of the items of a list built here)
_ITEM_OBJECT_HINT = (
    "; the items of a list are objects of a known class where the function builds the list "
    "of objects it makes by a display, `append` or `hs[1] = B(x)` (a loop over one of "
    "several classes runs its body once per item, up to 16), or by a comprehension of one "
    "class (not after `insert`, `extend`, `pop`, `+`, a slice or a copy): build it so, or "
    "make the objects outside and pass the list in (`loss(x, [A(a), B(b)])`)"
)

# Built-ins that read or run code on the caller's local variables: their derivative would be
# silently wrong, so they are refused wherever they appear. (Spelled through `builtins`: compiled
# by Cython, a bare `locals` or `globals` would name the compiled module's own.)
INTROSPECTION = tuple(
    getattr(builtins, name) for name in ("eval", "exec", "locals", "vars", "globals", "compile")
)

Binding = Atom | tuple[Atom, ...]  # a local name holds an atom, or statically a tuple of atoms


class ExprLowering(
    Strings,
    DictValues,
    EntryKinds,
    SequenceKinds,
    ObjectOperators,
    Records,
    FrozenDistributions,
    EinsumSublists,
):
    """State of a lowering in progress, and the expression half of it."""

    def __init__(
        self,
        node: gast.FunctionDef,
        scope: Scope,
        filename: str,
        aliases: Aliases,
        nodes: list[gast.AST] | None = None,
    ) -> None:
        """`nodes`: `descendants(node)`, where the caller has them."""
        self.node = node
        self.aliases = aliases
        self.scope = scope
        self.filename = filename
        self.line = node.lineno
        # before any rewriting: read once more in lower.py
        self.every_node = nodes if nodes is not None else descendants(node)
        names = [n for n in self.every_node if isinstance(n, Name)]
        self.taken = {n.id for n in names}
        self.locals = {n.id for n in names if isinstance(n.ctx, gast.Store)}
        self.stored_in_free = _stored_in_free(self.every_node, self.locals)
        self.namer = Namer(self.taken | set(vars(aliases).values()))
        self.env: dict[str, Binding] = {}
        self.body: list[Stmt] = []
        # every nested function bound to each name (ssa/nested_functions.py)
        self.nested_defs: dict[str, list[gast.FunctionDef]] = {}
        self.kinds: dict[str, str | None] = {}  # SSA name → "list" / "tuple" where known

    def _rt(self, name: str) -> str:
        """How generated code spells the runtime helper `name`."""
        return f"{self.aliases.rt}.{name}"

    def _builtin_prim(self, fn: Callable, args: tuple) -> Prim:
        """A builtin the generated code calls on its own (`len`, `min`, `tuple`), spelled by
        its name, or through the runtime where the function binds that name otherwise (a
        parameter `min`, a module's `from numpy import *`; locals are renamed)."""
        name = fn.__name__
        if name in getattr(self, "params", ()) or self.scope.lookup(name) is not fn:
            return Prim(fn, args, spelled=self._rt(f"python.{name}"))
        return Prim(fn, args, spelled=name)

    def emit(self, stmt: Stmt) -> None:
        if isinstance(stmt, Assign):
            if isinstance(stmt.value, Prim):
                self.note_maker(stmt.target, stmt.value.fn)  # ssa/context_managers.py
            self.note_kind(stmt.target, stmt.value)
        self.body.append(stmt)

    def note_kind(self, target: str, value: Expr) -> None:
        """What `target = value` is known to hold, joined with what it held before (a loop
        header, a joined temporary): its kind (kinds.py), its items' (entry_kinds.py), its
        length (star_arguments.py), in that order. (Each called here, not through a chain
        of `super()` calls: each of those looks the next one up along the lowering's long
        MRO, at every statement emitted.)"""
        self.note_sequence_kind(target, value)
        self.note_entries(target, value)
        self.note_length(target, value)

    def in_block(self, block: list[Stmt]) -> _Block:
        """`with self.in_block(b):` sends emitted statements to `b`."""
        return _Block(self, block)

    # atoms

    def _atom(self, node: gast.expr) -> Atom:
        return self._atom_of(self._expr(node))

    def _expr(self, node: gast.expr) -> Expr:
        if isinstance(node, Constant):
            return Const(node.value)
        if isinstance(node, Name):
            return self._name(node.id)
        if isinstance(node, Attribute):
            return self._attribute(node)
        if isinstance(node, BinOp):
            return self._operator(node)  # ssa/object_operators.py
        if isinstance(node, UnaryOp):
            return self._unary(node)  # ssa/object_operators.py
        if isinstance(node, Call):
            return self._call(node)
        if isinstance(node, Tuple):
            return self._tuple_value(node)
        if isinstance(node, Subscript):
            return self._subscript(node)
        if isinstance(node, Compare):
            return self._compare(self._atom(node.left), node.ops, node.comparators)
        if isinstance(node, BoolOp):
            return self._bool_op(node)
        if isinstance(node, IfExp):
            return self._joined(node.test, node.body, node.orelse)
        if isinstance(node, List):
            return self._list(node)
        if isinstance(node, JoinedStr):
            return self._formatted_string(node)  # ssa/strings.py
        if isinstance(node, Dict):
            return self._dict_display(node)  # ssa/dicts.py
        if isinstance(node, Starred):
            raise self._unsupported(
                "starred expression `*x` outside a call's arguments",
                hint="pass the elements explicitly",
            )
        raise self._unsupported(type(node).__name__, hint="rewrite it with operators and calls")

    def _name(self, name: str) -> Atom:
        named = self.env.get(name)
        if isinstance(named, Named):  # `act = np.tanh`: ssa/function_values.py
            live = getattr(named, "atom", None)  # a differentiated object: ssa/live_objects.py
            return named.free if live is None else live
        if self._is_function(name):  # ssa/nested_functions.py
            what = "a lambda" if name.startswith("_lambda") else f"the nested function `{name}`"
            raise self._unsupported(
                f"{what} used as a value",
                hint="call it directly, or define it at module level to pass it around",
            )
        bound = self.env.get(name)
        if isinstance(bound, FunctionItems):  # ssa/function_values.py
            raise self._unsupported(
                f"`{name}`, a list or dict of functions made in the function, used as a value",
                hint=f"loop over it (`for f in {name}:`, a dict's `.values()` or `.items()`),"
                f" call an item by a literal index or key (`{name}[0](x)`), or pass it to a "
                "helper of yours",
            )
        if isinstance(bound, tuple):  # a tuple bound statically, used as a value
            return self.tuple_atom(bound)
        if bound is not None:
            return bound
        if name in self.stored_in_free:
            method, line = self.stored_in_free[name]
            raise self._unsupported(
                f"`{name}`, an object of the module or of a closure that the function also "
                f"stores values in (`{name}.{method}(…)`, line {line}), read back in a "
                "computation: s2s_ad reads such an object's contents as constants, so the "
                "derivative of a value stored in it would be lost",
                hint=f"keep the values in a local list (`kept = []`, `kept.append(…)`) and "
                f"compute with it; fill `{name}` from it for its effect",
            )
        if name in self.locals:
            raise NameResolutionError(
                f"local variable `{name}` is used before it is assigned",
                filename=self.filename,
                line=self.line,
                hint="assign it first (a global of the same name is hidden by the local)",
            )
        if is_missing(self.scope.lookup(name)):
            raise NameResolutionError(
                f"name `{name}` is not defined",
                filename=self.filename,
                line=self.line,
                hint="define it at module level or pass it as an argument",
            )
        return Free(name, self.scope.lookup(name))

    def _length_of_stored(self, node: Call) -> Prim | None:
        """`len(LOG)` of a module's object the function stores values in (`LOG.append(v)`):
        a count, which carries no derivative, read where it stands (the contents are refused
        as constants: `_name`)."""
        func, args = node.func, node.args
        if not (isinstance(func, Name) and func.id == "len" and len(args) == 1):
            return None
        arg = args[0]
        stored = isinstance(arg, Name) and arg.id in self.stored_in_free
        if not stored or arg.id in self.env or node.keywords or self.scope.lookup("len") is not len:
            return None
        return Prim(len, (Free(arg.id, self.scope.lookup(arg.id)),), spelled="len")

    def _unary_primitive(self, op: type, operand: Atom) -> Expr:
        fn = UNARYOPS[op]
        if fn is operator.neg and isinstance(operand, Const) and _is_number(operand.value):
            return Const(-operand.value)
        return Prim(fn, (operand,))

    # attributes, calls, methods

    def _is_local_chain(self, node: gast.expr) -> bool:
        while isinstance(node, Attribute):
            node = node.value
        return not isinstance(node, Name) or node.id in self.env or node.id in self.locals

    def _attribute(self, node: Attribute) -> Expr:
        if is_super_attribute(node):  # `super().weight`: ssa/super_calls.py
            return self._super_attribute(node)
        if not self._is_local_chain(node):
            return self._free_chain(node)
        known = self._known_attribute(node)  # `self.W` of a known `self`: callable_values.py
        if known is not None:
            return known
        fn = ARRAY_ATTRIBUTES.get(node.attr)
        # a record's attribute (an array's other ones refused at run time), `d.T` too where
        # `d` is known to be a record with a field `T` (ssa/live_objects.py)
        if fn is None or self._live_field(node):
            return self._record_attribute(node)  # ssa/records.py
        value = self._atom(node.value)
        if self._class_made(value) is not None:  # an object of a class of yours: `o.size` of
            return self._record_attribute(node, value)  # a property (read as an array's, its
        return Prim(fn, (value,), spelled=node.attr, style=ATTRIBUTE)  # derivative was zero)

    def _call(self, node: Call) -> Expr:
        result = self._call_binding(node)
        # several results used as one value (`np.sum(inner(x)[0])`): a tuple made when run
        return self.tuple_atom(result) if isinstance(result, tuple) else result

    def _call_binding(self, node: Call) -> Expr | tuple[Atom, ...]:
        """A call's value; the static tuple of the results of a nested function or an
        inlined helper of yours returning several (`return c, a * b`), which an assignment
        binds as one (`r = pair(x)`: `r[0]` reads `c`)."""
        counted = self._length_of_stored(node)  # `len(LOG)` of `LOG.append(v)`
        if counted is not None:
            return counted
        called = self._call_value(node)  # a partial, a method, `fs[0]`: callable_values.py
        if called is not None:
            return called
        nested = self._nested_call(node)
        if nested is not None:
            return nested
        built = self._builtin_call(node)  # max, sorted, map, …: ssa/builtins.py
        if built is not None:
            return built
        frozen = self._frozen_distribution_call(node)  # `st.norm(m, s).pdf(x)`: distributions.py
        if frozen is not None:
            return frozen
        node = self._einsum_string_form(node) or node  # sublists: ssa/einsum_sublists.py
        # `*xs`, `**opts`: ssa/star_arguments.py
        args, kwargs = self._call_arguments(node, self._index_argument_lowering(node))
        func = node.func
        string = self._string_method(node, args, kwargs)  # ssa/strings.py
        if string is not None:
            return string
        # `layer(x)` or `Scaler(2.0)(x)` of an object made here: records.py
        named = isinstance(func, Name)
        made = self.env.get(func.id) if named else self._made_receiver(func)
        if made is not None:
            spelled = func.id if named else ast.unparse(gast.gast_to_ast(func))
            called = self._made_object_method(made, "__call__", args, kwargs, spelled)
            if called is not None:
                return called
        # `cls(w)` in a class method, `type(s)(w)` of an object made here: ssa/records.py
        made_class = self._class_callee(func)
        local = made_class is None and (not named or func.id in self.env or func.id in self.locals)
        if local and named:
            raise self._unsupported(
                f"call of `{func.id}`, a function held in a local variable, unknown when the "
                "derivative is made (function-valued arguments are known when it is made for "
                "argument values, by grad, jvp, vjp, …, not by derivative_source; a loop "
                "variable over `zip`, an item at a computed index, a function a helper returns "
                "are not)",
                hint=f"define `{func.id}`'s function at module level and call it by its name, "
                "or close over it (a nested def, or a name of the enclosing function); loop "
                "over the functions themselves (`for f in fs:`, `enumerate(fs)`) or index "
                "them with a literal"
                + (
                    f"; or differentiate a lambda giving it: `grad(lambda p: f(p, {func.id}))`"
                    if func.id in getattr(self, "params", ())
                    else ""
                ),
            )
        if local and isinstance(func, Attribute) and not isinstance(func.value, Name):
            receiver = func.value
            if self._told_made(receiver):  # `Holder(w).energy(x)`, `hs[0].f(x)`
                made = self._made_receiver(receiver)
            elif self._gives_known_object(receiver):  # `(v * 2.0).n2()`, `d["a"].f(x)`:
                made = self._atom(receiver)  # ssa/object_operators.py
                func = self._named_receiver(func, made)  # (lowered once, whatever it gives)
            else:
                made = None
            if made is not None:
                spelled = f"{ast.unparse(gast.gast_to_ast(func.value))}.{func.attr}"
                method = self._made_object_method(made, func.attr, args, kwargs, spelled)
                if method is not None:
                    return method
        if (
            local
            and isinstance(func, Attribute)
            and (self._is_local_chain(func) or self._is_free_array(func.value))
        ):
            return self._method(func, args, kwargs)
        callee = made_class or self._free_chain(func)
        if callee.value is super:  # (`super().name` is resolved: ssa/super_calls.py)
            self._refuse_super_value()
        if callee.value is slice and not kwargs and all(isinstance(a, Const) for a in args):
            # a literal, as `x[0, :2]`'s index is: the tuple holding it stays one too
            # (`(0, None, slice(None, 2))` in gradient code lowered again, not a list
            # appended to and converted), and Numba compiles a constant index
            return Const(slice(*(a.value for a in args)))
        if callee.value is dict:
            return self._dict_call(args, kwargs)  # ssa/dicts.py
        as_operator = self._operator_function_call(callee.value, args, kwargs)
        if as_operator is not None:  # `operator.add(a, b)`: ssa/object_operators.py
            return as_operator
        if callee.value is copy.deepcopy and len(args) == 1 and not kwargs:
            return Prim(runtime.deep_copy, args, spelled=self._rt("deep_copy"))
        if callee.value is copy.copy and len(args) == 1 and not kwargs:
            kind = (self.kind_of(args[0]) or "").split("/")[0]  # a shallow copy: as `list(xs)`
            if kind == "list":
                return self._builtin_prim(builtins.list, args)
            if kind == "dict":
                return Prim(runtime.copy_dict, args, spelled=self._rt("copy_dict"))
        record = self._construction(callee, args, kwargs)  # `Params(w, b)`: ssa/records.py
        if record is not None:
            return record
        if callee.value is dataclasses.replace and args:  # ssa/records.py
            return self._replaced(args[0], args[1:], kwargs, callee.source)
        inlined = self._object_helper_call(callee, args, kwargs)  # ssa/records.py
        if inlined is not None:
            return inlined
        if self.inline_effects or self.inline_readers:
            inlined = self._inlined_call(callee, args, kwargs)  # ssa/function_values.py
            if inlined is not None:
                return inlined
        self._refuse_writing_call(node, callee.value)  # `out=`, np.copyto: ssa/aliasing.py
        if any(callee.value is builtin for builtin in INTROSPECTION):
            raise self._unsupported(
                f"call of `{callee.source}`, which can read local variables s2s_ad cannot see",
                hint="write the computation out as code",
            )
        args, kwargs = self._callee_updates(callee, args, kwargs)  # ssa/callee_updates.py
        args, kwargs = self._rule_arguments(callee.value, args, kwargs)
        # (`np.polyfit`: differentiated through s2s_ad's definition, written as called)
        fn = definition_of(callee.value) or callee.value
        option = option_not_covered(fn, args, kwargs) if fn is not callee.value else None
        if option is not None:
            raise self._unsupported(
                f"`{callee.source}` with `{option}=`, whose derivative is not implemented",
                hint=f"call `{callee.source}` without `{option}=`",
            )
        return Prim(fn, args, kwargs, spelled=callee.source)

    def _rule_arguments(self, fn: object, args: tuple, kwargs: tuple) -> tuple:
        """(args, kwargs) of a call of a function with a rule: NumPy's own names of its
        parameters given by keyword passed by position (`np.mean(a=x)`: library_keywords.py);
        a known list or tuple given to a NumPy function that reads it as one array (a
        reduction, an elementwise function: `Rule.arrays`) converted by `np.asarray` first,
        whose rule lays out its tangent as the array's (in vector mode too): `np.std([a,
        b])` → `_t1 = np.asarray([a, b]); np.std(_t1)`."""
        try:
            rule = lookup(fn)
        except TypeError:  # an unhashable callee
            return args, kwargs
        if rule is None:
            return args, kwargs
        if kwargs:
            args, kwargs = keywords_as_positions(rule, fn, args, kwargs)
        if not rule.arrays:
            return args, kwargs
        return tuple(
            self._atom_of(Prim(np.asarray, (a,), spelled="np.asarray"))
            if self._list_or_tuple(a)
            else a
            for a in args
        ), kwargs

    def _list_or_tuple(self, atom: object) -> bool:
        """A known list or tuple: a local's (its kind), or a module's (`np.interp(x, XP, FP)`
        of lists `XP`, `FP`, which the rule's derivative indexes as arrays)."""
        if isinstance(atom, Free):
            return type(atom.value) in (list, tuple)
        return isinstance(atom, Var) and (self.kind_of(atom) or "").startswith(("list", "tuple"))

    def _method(self, func: Attribute, args: tuple, kwargs: tuple) -> Expr:
        if func.attr == "_replace":  # a NamedTuple's copy with new fields: ssa/records.py
            return self._replaced(self._atom(func.value), args, kwargs, "._replace(...)")
        if isinstance(func.value, Name) and func.value.id in self.env:
            receiver = self.env[func.value.id]  # `h = Holder(w); h.energy(x)`: records.py
            spelled = f"{func.value.id}.{func.attr}"
            method = self._made_object_method(receiver, func.attr, args, kwargs, spelled)
            if method is not None:
                return method
        listed = self._list_method(func, args, kwargs)  # xs.pop(), …: ssa/builtins.py
        if listed is None and func.attr == "pop" and self._is_local_dict(func.value):
            listed = self._dict_method(func, args, kwargs)  # d.pop(k): ssa/dicts.py
        if listed is not None:
            return listed
        self._refuse_writing_method(func)  # `a.sort()`, `a.fill(v)`: ssa/aliasing.py
        method = self._dict_method(func, args, kwargs)  # `d.items()`: ssa/dicts.py
        if method is not None:
            return method
        fn = ARRAY_METHODS.get(func.attr)
        if fn is None and func.attr in UPDATES_GIVING_NONE:  # `return out.append(v)`, a lambda's
            raise self._unsupported(
                f"`.{func.attr}()` of a list used as a value (it gives None)",
                hint=f"call `.{func.attr}()` as a statement of its own; a lambda's body is "
                "a value: write a nested `def` whose body calls it",
            )
        if fn is None:
            raise self._unsupported(
                f"method `.{func.attr}()` of a local value",
                hint=f"supported array methods are {', '.join(ARRAY_METHODS)}; "
                "or call the NumPy function" + self._receiver_hint(func),
            )
        receiver = self._atom(func.value)
        if fn in (np.reshape, np.transpose) and len(args) > 1:  # x.reshape(n * 4, 6) is
            args = (self.tuple_atom(args),)  # x.reshape((n * 4, 6)); x.transpose(1, 0) too
        return Prim(fn, (receiver, *args), kwargs, spelled=func.attr, style=METHOD)

    def _receiver_hint(self, func: Attribute) -> str:
        """The rest of the hint for a method no table knows, by what its receiver may be: an
        object held by one this function made (`self.inner.f(x)` in a method inlined), one
        of the user's objects or a generator under a local name, a frozen distribution."""
        made = self._class_made(self.env.get(root(func.value) or "")) is not None
        if made and not isinstance(func.value, Name):
            return _HELD_OBJECT_HINT  # (not a generator: `.f()` is also the F distribution's)
        bound = self.env.get(func.value.id) if isinstance(func.value, Name) else None
        unlowered = self.__dict__.get("unlowered", {}).get(getattr(bound, "name", None))
        if isinstance(func.value, Call):  # `Box(x).energy(x)`
            made = self._callee_object(func.value.func)
            unlowered = made if isinstance(made, type) and made in NOT_LOWERED else None
        if unlowered is not None:  # `b = Box(x)` of an `__init__` doing more than storing
            return unlowered_hint(unlowered)
        if getattr(bound, "name", None) in self.item_of:  # `for h in hs: h.f(x)`
            return _ITEM_OBJECT_HINT
        return (
            (_OBJECT_HINT if isinstance(func.value, Name) else "")
            + (FROZEN_HINT if func.attr in DISTRIBUTION_METHODS else "")
            + (_DRAW_HINT if not made and hasattr(np.random.Generator, func.attr) else "")
        )

    def _named_receiver(self, func: Attribute, receiver: Atom) -> Attribute:
        """`func` (`<expr>.f`) with its receiver, lowered already, read through a name of
        its own (`_s2s_receiver.f`): a method of a value of unknown class is then lowered as
        one of a local name, without lowering the expression again."""
        name = self.namer.fresh("_s2s_receiver")
        self.env[name] = receiver
        value = gast.copy_location(Name(name, gast.Load(), None, None), func.value)
        return gast.copy_location(Attribute(value, func.attr, gast.Load()), func)

    def _made_receiver(self, node: gast.expr) -> Atom | None:
        """The object a call constructing one of the user's classes makes, or an item of a
        list built here of such objects (`hs[0]`), lowered here, once, as the receiver of a
        method called on it at once; None for any other expression (records.py)."""
        if not self._told_made(node):
            return None
        made = self._atom(node)
        return made if self._class_made(made) is not None else None

    def _told_made(self, node: gast.expr) -> bool:
        """Whether `node` makes an object of the user's or reads an item of a list of one
        class built here (told before it is lowered: `_made_receiver`)."""
        return self._makes_object(node) or self._item_class(node) is not None

    def _makes_object(self, node: gast.expr) -> bool:
        """Whether `node` is a call that may make an object of the user's (told before it
        is lowered, so that anything else is lowered once, where it was): a class called, or
        a method of such an object, of a name bound to one (`h.scaled(2.0)`) or of an item of
        a list of them (`hs[0].scaled(2.0)`)."""
        if not isinstance(node, Call):
            return False
        func = node.func
        free = isinstance(func, (Name, Attribute)) and not self._is_local_chain(func)
        if free:  # a class, or a factory making one (`make_spring(k)`, `Spring.unit(k)`)
            callee = self._callee_object(func)
            if is_user_class(callee) or self._returns_objects_made(callee):
                return True
        if not isinstance(func, Attribute):
            return False
        if isinstance(func.value, Name):
            return self._class_made(self.env.get(func.value.id)) is not None
        if self._item_class(func.value) is not None:  # `hs[0].scaled(2.0)`
            return True
        return self._makes_object(func.value)

    def _is_free_array(self, node: gast.expr) -> bool:
        """Whether `node` is a global or closed-over chain naming an array (`W.T` in
        `W.T.dot(x)`): its methods are the array methods, with a derivative for `x`."""
        if self._is_local_chain(node):
            return False
        dotted = []
        while isinstance(node, Attribute):
            dotted.append(node.attr)
            node = node.value
        value = self.scope.resolve([node.id, *reversed(dotted)])
        return isinstance(value, np.ndarray)

    def _index_argument_lowering(self, node: Call) -> Callable | None:
        """How the arguments of a call of generated code's runtime helper that takes an
        index (`rt.getitem_vjp(g, x, (i, slice(1, None)))`, whose parameter is named
        `index`) are lowered: that tuple read as `x[...]`'s index is, integers and slices
        that carry no derivative, not a value built by appending to a list (which Numba
        cannot compile, and which reads worse); None: every argument as a value."""
        func = node.func
        if not (isinstance(func, Attribute) and isinstance(func.value, Name)):
            return None
        module = self.scope.resolve([func.value.id])
        if module is not runtime:
            return None
        helper = getattr(runtime, func.attr, None)
        position = index_position(helper) if inspect.isfunction(helper) else None
        if position is None or position >= len(node.args):
            return None
        index = node.args[position]
        if not isinstance(index, Tuple) or any(isinstance(e, Starred) for e in index.elts):
            return None
        return lambda arg: self._index(arg) if arg is index else self._atom(arg)

    def _free_chain(self, node: gast.expr) -> Free:
        """Resolve `np.linalg.norm`-like chains rooted at a free (global or closure) name."""
        parts: list[str] = []
        cursor = node
        while isinstance(cursor, Attribute):
            parts.append(cursor.attr)
            cursor = cursor.value
        if not isinstance(cursor, Name):
            spelled = ast.unparse(gast.gast_to_ast(node))
            raise self._unsupported(
                f"call of `{spelled}`, a function taken from a value computed in the function "
                "(a local list or dict of functions, an item at a computed index, a call's "
                "result): s2s_ad follows a function it knows when the derivative is made",
                hint="call the function by its name, or keep the functions in a module-level "
                "list or dict (or an argument) and index it with a literal: `OPS['act'](x)`",
            )
        dotted = [cursor.id, *reversed(parts)]
        value = self.scope.resolve(dotted)
        if is_missing(value):
            raise NameResolutionError(
                f"`{'.'.join(dotted)}` is not defined",
                filename=self.filename,
                line=self.line,
                hint="check the spelling and the module's imports",
            )
        return Free(".".join(dotted), value)

    # tuples and indexing

    def _tuple(self, node: Tuple) -> tuple[Atom, ...] | Atom:
        """A tuple display's items, bound statically; where a starred item's length is not
        known when the derivative is made (`(*WS, x)`), the tuple made when run, an atom."""
        # Every element is lowered before any name is rebound: `a, b = b, a` swaps.
        parts = self._display_parts(node.elts)  # `(*xs, y)`: ssa/star_arguments.py
        if len(parts) == 1:
            return tuple(parts[0])
        joined = self._atom_of(self._joined_display(parts))
        return self._atom_of(self._builtin_prim(tuple, (joined,)))

    def _tuple_value(self, node: Tuple) -> Expr:
        """A tuple used as a value (`np.concatenate((a, b))`): a literal when its items are,
        else `tuple()` of the list of its items, so that derivatives flow through it."""
        items = self._tuple(node)
        return self.tuple_atom(items) if isinstance(items, tuple) else items

    def tuple_atom(self, atoms: tuple[Atom, ...]) -> Atom:
        """A static tuple as a value: a literal, else `tuple()` of the list of its items."""
        if all(isinstance(a, Const) for a in atoms):
            return Const(tuple(a.value for a in atoms))
        items = self._atom_of(self._list_of(atoms))
        return self._atom_of(self._builtin_prim(tuple, (items,)))

    def _subscript(self, node: Subscript) -> Expr:
        target = node.value
        if isinstance(target, Name) and isinstance(self.env.get(target.id), tuple):
            return self._static_tuple_item(self.env[target.id], node.slice, target.id)
        value = self._atom(target)
        if isinstance(value, Free) and isinstance(value.value, CONCATENATORS):
            return self._index_concat(value, node.slice)
        return Prim(operator.getitem, (value, self._index(node.slice)))

    def _index_concat(self, maker: Free, index: gast.expr) -> Expr:
        """`np.r_[a, 0:3, b]` → `rt.index_concat(np.r_, [a, slice(0, 3), b])`: a join with
        derivatives, which the element read `np.r_[...]` would not carry."""
        items = []
        for node in index.elts if isinstance(index, Tuple) else [index]:
            if isinstance(node, gast.Slice):
                bounds = (node.lower, node.upper, node.step)
                parts = tuple(Const(None) if p is None else self._atom(p) for p in bounds)
                items.append(self._atom_of(self._builtin_prim(slice, parts)))
            else:
                items.append(self._atom(node))
        listed = self._atom_of(self._list_of(items))
        return Prim(runtime.index_concat, (maker, listed), spelled=self._rt("index_concat"))

    def _static_tuple_item(self, atoms: tuple[Atom, ...], index: gast.expr, name: str) -> Expr:
        """`r[1]` of a tuple bound statically: its item; `r[1:]`, `r[i]`: indexed as a
        tuple made when run."""
        position = _int_literal(index)
        if position is not None and -len(atoms) <= position < len(atoms):
            return atoms[position]
        if position is not None:  # (Python raises `IndexError` at every call)
            raise self._unsupported(
                f"the index {position} of the tuple `{name}` of {len(atoms)} items: out of range",
                hint=f"index it from 0 to {len(atoms) - 1}",
            )
        return Prim(operator.getitem, (self.tuple_atom(atoms), self._index(index)))

    def _index(self, node: gast.expr) -> Index:
        if isinstance(node, Tuple):
            return Index(tuple(self._index_item(e) for e in node.elts), True)
        return Index((self._index_item(node),), False)

    def _index_item(self, node: gast.expr) -> Atom | SliceItem:
        if isinstance(node, gast.Slice):
            parts = [
                None if p is None else self._atom(p) for p in (node.lower, node.upper, node.step)
            ]
            return SliceItem(*parts)
        return self._atom(node)

    def _list(self, node: List) -> Expr:
        return self._joined_display(self._display_parts(node.elts))  # `[*xs, y]`

    def _list_of(self, items) -> Expr:
        """`[a, b]` is `[]` with `a` and `b` appended: one primitive each."""
        value: Expr = Prim(runtime.make_list, (), style=LIST)
        for item in items:
            value = Prim(runtime.append, (self._atom_of(value), item), spelled=self._rt("append"))
        return value

    # comparisons and short-circuit logic

    def _compare(self, left: Atom, ops: list, comparators: list) -> Expr:
        """`a < b < c` is `a < b and b < c`, with `b` evaluated once and `c` only if needed."""
        kind = COMPARISONS.get(type(ops[0]))
        if kind is None:
            raise self._unsupported(
                f"comparison `{type(ops[0]).__name__}`",
                hint="use <, <=, >, >=, ==, !=, is, is not, in or not in",
            )
        right = self._atom(comparators[0])
        spelled = self._rt(kind.__name__) if kind in (runtime.is_in, runtime.is_not_in) else None
        # (`is` of literals written as such only: a name bound to a string kept its value
        # in the forward sweep before, which the emitter's tests read)
        literal = self._literal_of if kind not in (operator.is_, operator.is_not) else _const
        known = _known_comparison(kind, literal(left), literal(right))
        first = known or Prim(kind, (left, right), spelled=spelled)
        if len(ops) == 1:
            return first
        tested = self._atom_of(first)
        return self._join_branches(
            tested,
            lambda: self._compare(right, ops[1:], comparators[1:]),
            lambda: tested,
        )

    def _bool_op(self, node: BoolOp) -> Expr:
        """`a and b` is `b if a else a`; `a or b` is `a if a else b`, evaluating `b` lazily."""
        left = self._atom(node.values[0])
        for value in node.values[1:]:
            later = self._later(value)
            if isinstance(node.op, gast.And):
                left = self._atom_of(self._join_branches(left, later, lambda a=left: a))
            else:
                left = self._atom_of(self._join_branches(left, lambda a=left: a, later))
        return left

    def _later(self, node: gast.expr):
        return lambda: self._expr(node)

    def _joined(self, test: gast.expr, body: gast.expr, orelse: gast.expr) -> Atom:
        return self._join_branches(self._atom(test), self._later(body), self._later(orelse))

    def _join_branches(self, test: Atom, then, otherwise) -> Atom:
        """An `If` whose branches compute `then()` / `otherwise()` into one joined temporary."""
        test = self._read_once(test)
        result = self.namer.temp()
        blocks: list[list[Stmt]] = [[], []]
        for block, make in zip(blocks, (then, otherwise), strict=True):
            with self.in_block(block):
                value = make()
                if isinstance(value, Prim) and lookup(value.fn) is None:
                    # a call with no rule gets a name of its own: when no derivative flows
                    # into it, it needs none, though the other branch makes `result` active
                    value = self._atom_of(value)
                self.emit(Assign(result, value, self.line))
            self._note_binding(result, value, joined=True)  # ssa/aliasing.py
        self.emit(If(test, blocks[0], blocks[1], self.line))
        return Var(result)

    def _read_once(self, test: Atom) -> Atom:
        """An `if`'s test, a global's attribute (`SETTINGS.train`) read into a temporary: the
        reverse sweep takes the branch the forward sweep took, though a helper called since
        changed the attribute."""
        if not isinstance(test, Free):
            return test
        name = self.namer.temp()
        self.emit(Assign(name, test, self.line))
        return Var(name)

    def _atom_of(self, expr: Expr) -> Atom:
        if isinstance(expr, Prim):
            name = self.namer.temp()
            self.emit(Assign(name, expr, self.line))
            self._note_binding(name, expr)  # what it may share memory with: ssa/aliasing.py
            return Var(name)
        return expr

    def _unsupported(self, construct: str, *, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            f"unsupported construct: {construct}", filename=self.filename, line=self.line, hint=hint
        )


# Methods that store their arguments in the object they are called on.
# Methods that store their arguments in the receiver (a list or dict of the module's) and
# never update the arguments themselves (ssa/effects.py keeps such calls).
STORING_METHODS = frozenset({"append", "extend", "insert", "add", "update", "setdefault"})


def _stored_in_free(every: list[gast.AST], local: set[str]) -> dict[str, tuple[str, int]]:
    """Names, not local to the function, of objects it stores values in (`LOG.append(y)`):
    name → (the method, its first line). Such a statement is kept for its effect
    (ssa/effects.py); reading the object back elsewhere would read those values as constants."""
    found: dict[str, tuple[str, int]] = {}
    for n in every:
        if not isinstance(n, Call) or not isinstance(n.func, Attribute):
            continue
        receiver = n.func.value
        if n.func.attr not in STORING_METHODS or not isinstance(receiver, Name):
            continue
        if receiver.id not in local and receiver.id not in found:
            found[receiver.id] = (n.func.attr, n.lineno)
    return found


class _Block:
    def __init__(self, lowering: ExprLowering, block: list[Stmt]) -> None:
        self.lowering = lowering
        self.block = block

    def __enter__(self) -> list[Stmt]:
        self.saved = self.lowering.body
        self.lowering.body = self.block
        return self.block

    def __exit__(self, *exc: object) -> None:
        self.lowering.body = self.saved


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, complex)) and not isinstance(value, bool)


def _int_literal(node: gast.expr) -> int | None:
    """The value of an integer literal, `-1` included (a negated constant in the tree)."""
    sign = 1
    if isinstance(node, UnaryOp) and isinstance(node.op, (gast.USub, gast.UAdd)):
        sign = -1 if isinstance(node.op, gast.USub) else 1
        node = node.operand
    if isinstance(node, Constant) and isinstance(node.value, int):
        return sign * node.value
    return None


# a generator passed in or made in the function: its draws are not followed there
_DRAW_HINT = (
    "; for random numbers, draw from a generator of the module (`RNG = "
    "np.random.default_rng(0)` at module level, `RNG.normal(…)` in the function), or pass "
    "the numbers drawn as an argument"
)


@functools.cache
def index_position(helper: Callable) -> int | None:
    """The position of the parameter named `index` of a runtime helper, or None."""
    names = list(inspect.signature(helper).parameters)
    return names.index("index") if "index" in names else None
