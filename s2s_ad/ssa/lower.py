"""Lower a desugared gast function to three-address SSA (`ssa.ir.Function`).

Before: a validated, desugared `FunctionDef`. After: one primitive per statement, operands
are atoms, every name is assigned once (`x`, then `x_1`, …), temporaries are `_t1, _t2…`.
Tuples built from names are tracked statically, so `a, b = b, a` and `return s, t` need no
tuple primitive.

>>> import math, gast
>>> from s2s_ad.ssa.render import render_function
>>> from s2s_ad.frontend.scope import Scope
>>> src = 'def f(x, y):\\n    z = math.sin(x * y)\\n    z = z + x\\n    return z'
>>> tree = gast.parse(src).body[0]
>>> print(render_function(lower(tree, Scope({"math": math}, {}), "f.py")))
def f(x, y):
    _t1 = x * y
    z = math.sin(_t1)
    z_1 = z + x
    return z_1
"""

from __future__ import annotations

import operator

import gast

from ..errors import NameResolutionError, UnsupportedSyntaxError
from ..frontend.scope import Scope, is_missing
from ..naming import Namer
from .ir import Assign, Atom, Const, Expr, Free, Function, Prim, Return, Stmt, Var

BINOPS = {
    gast.Add: operator.add,
    gast.Sub: operator.sub,
    gast.Mult: operator.mul,
    gast.Div: operator.truediv,
    gast.Pow: operator.pow,
    gast.MatMult: operator.matmul,
    gast.FloorDiv: operator.floordiv,
    gast.Mod: operator.mod,
}
UNARYOPS = {gast.USub: operator.neg, gast.UAdd: operator.pos, gast.Not: operator.not_}

Binding = Atom | tuple[Atom, ...]  # a local name holds an atom, or statically a tuple of atoms


def lower(node: gast.FunctionDef, scope: Scope, filename: str) -> Function:
    """Lower the body of `node` to SSA; raises located errors for what it cannot lower."""
    return _Lowering(node, scope, filename).run()


class _Lowering:
    def __init__(self, node: gast.FunctionDef, scope: Scope, filename: str) -> None:
        self.node = node
        self.scope = scope
        self.filename = filename
        self.line = node.lineno
        self.taken = {n.id for n in gast.walk(node) if isinstance(n, gast.Name)}
        self.locals = _assigned_names(node)
        self.namer = Namer(self.taken)
        self.params = _param_names(node)
        self.env: dict[str, Binding] = {}
        for name in self.params:
            self.env[name] = Var(self.namer.version(name))
        self.body: list[Stmt] = []
        # SSA names that are still the very object passed in as an argument
        self.argument_of: dict[str, str] = {name: name for name in self.params}
        self.inplace_arguments: list[tuple[str, int]] = []

    def run(self) -> Function:
        for stmt in self.node.body:
            self.line = stmt.lineno
            self._stmt(stmt)
        taken = self.taken | {s.target for s in self.body if isinstance(s, Assign)}
        return Function(
            name=self.node.name,
            params=self.params,
            body=self.body,
            filename=self.filename,
            first_line=self.node.lineno,
            taken_names=taken,
            inplace_arguments=self.inplace_arguments,
        )

    # statements

    def _stmt(self, stmt: gast.stmt) -> None:
        if isinstance(stmt, gast.Assign):
            self._assign(stmt)
        elif isinstance(stmt, gast.AugAssign):
            self._augmented(stmt)
        elif isinstance(stmt, gast.Return):
            self._return(stmt)
        elif not isinstance(stmt, gast.Pass):  # validate lets nothing else through
            raise self._unsupported(type(stmt).__name__, hint="rewrite it as plain assignments")

    def _assign(self, stmt: gast.Assign) -> None:
        targets = stmt.targets
        if len(targets) > 1:  # a = b = expr: evaluate once, bind every target
            value = self._atom(stmt.value)
            for target in targets:
                self._bind_target(target, value)
            return
        target = targets[0]
        if isinstance(target, gast.Name):
            if isinstance(stmt.value, gast.Tuple):
                self.env[target.id] = self._tuple(stmt.value)
            else:
                self._define(target.id, self._expr(stmt.value))
            return
        self._bind_target(target, self._binding(stmt.value))

    def _augmented(self, stmt: gast.AugAssign) -> None:
        """`x += e` is `x = x + e`; on an argument it would update the caller's array in place."""
        name = stmt.target.id
        current = self._name(name)
        if isinstance(current, Var) and current.name in self.argument_of:
            self.inplace_arguments.append((self.argument_of[current.name], self.line))
        op = BINOPS[type(stmt.op)]
        self._define(name, Prim(op, (current, self._atom(stmt.value))))

    def _bind_target(self, target: gast.expr, value: Binding) -> None:
        if isinstance(target, gast.Name):
            if isinstance(value, tuple):
                self.env[target.id] = value
            else:
                self._define(target.id, value)
            return
        names = [elt.id for elt in target.elts]
        if not isinstance(value, tuple):
            raise self._unsupported(
                "unpacking a value that is not a tuple literal",
                hint="unpack tuples you built in the function, or index the result",
            )
        if len(value) != len(names):
            raise UnsupportedSyntaxError(
                f"cannot unpack {len(value)} values into {len(names)} names",
                filename=self.filename,
                line=self.line,
                hint="use as many names as there are values",
            )
        for name, atom in zip(names, value, strict=True):
            self._define(name, atom)

    def _define(self, user_name: str, value: Expr) -> None:
        target = self.namer.version(user_name)
        self.body.append(Assign(target, value, self.line))
        self.env[user_name] = Var(target)
        if isinstance(value, Var) and value.name in self.argument_of:  # `y = x`: y is x
            self.argument_of[target] = self.argument_of[value.name]

    def _return(self, stmt: gast.Return) -> None:
        if not isinstance(stmt.value, (gast.Name, gast.Constant, gast.Tuple)):
            # `return <expr>`: the result is named after the function, so its adjoint reads
            # `loss_bar` rather than `_t7_bar`.
            name = self.namer.fresh(self.node.name)
            self.body.append(Assign(name, self._expr(stmt.value), self.line))
            self.body.append(Return((Var(name),), False, self.line))
            return
        value = self._binding(stmt.value)
        if isinstance(value, tuple):
            self.body.append(Return(value, True, self.line))
        else:
            self.body.append(Return((value,), False, self.line))

    # expressions

    def _binding(self, node: gast.expr) -> Binding:
        """An atom, or a static tuple for a tuple literal or a name bound to one."""
        if isinstance(node, gast.Tuple):
            return self._tuple(node)
        if isinstance(node, gast.Name) and isinstance(self.env.get(node.id), tuple):
            return self.env[node.id]
        return self._atom(node)

    def _tuple(self, node: gast.Tuple) -> tuple[Atom, ...]:
        # Every element is lowered before any name is rebound: `a, b = b, a` swaps.
        return tuple(self._atom(elt) for elt in node.elts)

    def _atom(self, node: gast.expr) -> Atom:
        expr = self._expr(node)
        if isinstance(expr, Prim):
            name = self.namer.temp()
            self.body.append(Assign(name, expr, self.line))
            return Var(name)
        return expr

    def _expr(self, node: gast.expr) -> Expr:
        if isinstance(node, gast.Constant):
            return Const(node.value)
        if isinstance(node, gast.Name):
            return self._name(node.id)
        if isinstance(node, gast.Attribute):
            return self._free_chain(node, "attribute of a local value (`x.T`, `x.shape`)")
        if isinstance(node, gast.BinOp):
            fn = BINOPS[type(node.op)]
            return Prim(fn, (self._atom(node.left), self._atom(node.right)))
        if isinstance(node, gast.UnaryOp):
            return self._unary(node)
        if isinstance(node, gast.Call):
            return self._call(node)
        if isinstance(node, gast.Tuple):
            return self._constant_tuple(node)
        raise self._unsupported(type(node).__name__, hint="rewrite it with operators and calls")

    def _name(self, name: str) -> Atom:
        bound = self.env.get(name)
        if isinstance(bound, tuple):
            return self._constant_tuple_of(bound, name)
        if bound is not None:
            return bound
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

    def _unary(self, node: gast.UnaryOp) -> Expr:
        operand = self._atom(node.operand)
        fn = UNARYOPS[type(node.op)]
        if fn is operator.neg and isinstance(operand, Const) and _is_number(operand.value):
            return Const(-operand.value)
        return Prim(fn, (operand,))

    def _call(self, node: gast.Call) -> Prim:
        callee = self._free_chain(node.func, "method call on a local value (`x.sum()`)")
        args = tuple(self._atom(arg) for arg in node.args)
        kwargs = tuple((kw.arg, self._atom(kw.value)) for kw in node.keywords)
        if any(name is None for name, _ in kwargs):
            raise self._unsupported("`**kwargs` in a call", hint="pass keywords explicitly")
        return Prim(callee.value, args, kwargs, spelled=callee.source)

    def _free_chain(self, node: gast.expr, local_construct: str) -> Free:
        """Resolve `np.linalg.norm`-like chains rooted at a free (global or closure) name."""
        parts: list[str] = []
        cursor = node
        while isinstance(cursor, gast.Attribute):
            parts.append(cursor.attr)
            cursor = cursor.value
        if not isinstance(cursor, gast.Name):
            raise self._unsupported("call of a computed callee", hint="call a named function")
        if cursor.id in self.env or cursor.id in self.locals:
            raise self._unsupported(
                f"{local_construct} (not supported yet)",
                hint="call the NumPy function instead: np.transpose(x), np.shape(x), np.sum(x)",
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

    def _constant_tuple(self, node: gast.Tuple) -> Const:
        return self._constant_tuple_of(self._tuple(node), "tuple")

    def _constant_tuple_of(self, atoms: tuple[Atom, ...], what: str) -> Const:
        if all(isinstance(a, Const) for a in atoms):
            return Const(tuple(a.value for a in atoms))
        raise self._unsupported(
            f"`{what}`: a tuple of computed values used as a value (not supported yet)",
            hint="use tuples only to return or unpack several values",
        )

    def _unsupported(self, construct: str, *, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            f"unsupported construct: {construct}", filename=self.filename, line=self.line, hint=hint
        )


def _param_names(node: gast.FunctionDef) -> list[str]:
    args = node.args
    return [a.id for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def _assigned_names(node: gast.FunctionDef) -> set[str]:
    return {
        n.id for n in gast.walk(node) if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store)
    }


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, complex)) and not isinstance(value, bool)
