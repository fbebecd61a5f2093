"""Rewrite comprehensions and generator expressions into the loops a person would write.

Before: a parsed `FunctionDef` (before validation, so that the loops written here are
validated like the user's code). After: no list, set or dict comprehension and no generator
expression of a class `syntax.LOWERED` lists, except inside a `lambda`, an `assert` or a
`raise` (left as written); each became a loop, placed before the statement that used it, in
a scope of its own (`comprehension_scopes.py`). `any(...)`/`all(...)` of a generator stop
evaluating at the first element that decides them, as Python's do; `sum`, `max`, `min`,
`tuple`, `sorted`, `set` and `str.join` read the list the loop built. A comprehension that
Python evaluates only on some paths (in `a if c else b`, right of `and`/`or`) is built on
those paths only: the expression becomes `if` statements. Where the loop cannot go before
the statement (a `while` test, evaluated again before each iteration; a nested function
called out of order, `comprehension_order.py`), the pass refuses with a located error that
says what to write.

    def f(ws, xs):                        def f(ws, xs):
        hs = [np.tanh(w) for w in ws]         hs = []
        return sum(h * x for h, x in          for w in ws:
                   zip(hs, xs) if x > 0)          hs.append(np.tanh(w))
                                              _terms = []
                                              for h, x in zip(hs, xs):
                                                  if x > 0:
                                                      _terms.append(h * x)
                                              return sum(_terms)
"""

from __future__ import annotations

import builtins
import copy

import gast
from gast import FunctionDef, Name  # (asked of every node of the function: no lookups)

from ..errors import UnsupportedSyntaxError
from ..frontend import nodes
from ..frontend.nodes import descendants
from ..frontend.scope import Scope
from ..frontend.syntax import LOWERED
from ..naming import Namer
from .comprehension_order import (
    continues,
    evaluated_first,
    has_comprehension,
    is_block,
    location,
    out_of_order_call,
    values_of,
)
from .comprehension_scopes import (
    COMPREHENSIONS,
    TargetNames,
    rename_own,
    target_names,
)

# Builtins whose result is the same for a generator and for the list of its elements:
# (name, positional arguments they may take after the generator).
CONSUMERS = {"sum": 1, "max": 0, "min": 0, "tuple": 0, "sorted": 0, "set": 0, "list": 0}
SHORT_CIRCUIT = ("any", "all")
WRITE_A_LOOP = "assign the comprehension to a name on a line of its own"
READ_AFTER = "results_read_after"  # names a generated loop builds for the statement after it


def lower_comprehensions(
    node: gast.FunctionDef, filename: str, scope: Scope | None = None
) -> gast.FunctionDef:
    """Return `node` with its comprehensions rewritten into loops (see the module)."""
    every = descendants(node)  # (one walk for the three questions)
    if not any(isinstance(n, COMPREHENSIONS) for n in every):
        return node
    taken = {n.id for n in every if isinstance(n, Name)}
    nested = {n.name for n in every if isinstance(n, FunctionDef)} - {node.name}
    targets = TargetNames(node)
    rewriter = _Rewriter(Namer(taken), targets, filename, scope, targets.assigned | nested, nested)
    node.body = rewriter.block(node.body)
    return node


class _Rewriter:
    def __init__(self, namer, targets, filename, scope, locals_, nested) -> None:
        self.namer: Namer = namer
        self.targets: TargetNames = targets
        self.filename: str = filename
        self.scope: Scope | None = scope
        self.locals: set[str] = locals_
        self.nested: set[str] = nested

    # statements

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for stmt in stmts:
            pre: list[gast.stmt] = []
            keep = self._statement(stmt, pre)
            out += self.block(pre) if pre else []  # comprehensions in the loops' bodies
            if not keep:
                continue
            for field in ("body", "orelse", "finalbody"):
                if is_block(getattr(stmt, field, None)):
                    setattr(stmt, field, self.block(getattr(stmt, field)))
            for handler in getattr(stmt, "handlers", None) or ():
                handler.body = self.block(handler.body)
            out.append(stmt)
        return out

    def _statement(self, stmt: gast.stmt, pre: list[gast.stmt]) -> bool:
        """Hoist the comprehensions `stmt` evaluates before it runs into `pre`; False when
        the loops replace `stmt` (`ys = [...]` builds `ys` itself)."""
        if isinstance(stmt, (gast.Assert, gast.Raise)):
            return True  # kept as written: Python evaluates them only when the check runs
        if isinstance(stmt, gast.While) and self._in_any(stmt.test):
            self._while_test(stmt, pre)
            return True
        if isinstance(stmt, gast.For) and has_comprehension(stmt.target):
            raise self._error(stmt, "a comprehension in a `for` target", WRITE_A_LOOP)
        fields = evaluated_first(stmt)
        if not any(has_comprehension(e) for e in values_of(fields)):
            return True
        self._check_order(stmt, fields)
        at = location(stmt, fields)
        if (
            isinstance(stmt, gast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], gast.Name)
            and isinstance(stmt.value, (gast.ListComp, gast.DictComp))
            and self._lowered(stmt.value)
            and not self._reads(stmt.value, stmt.targets[0].id)
        ):  # `ys = [...]`: build `ys` itself, as a person would
            self._lower(stmt.value, at, pre, stmt.targets[0].id)
            return False
        for owner, field in fields:
            setattr(owner, field, self._expr(getattr(owner, field), at, pre))
        return True

    def _while_test(self, loop: gast.While, pre: list[gast.stmt]) -> None:
        """A `while` test holding a comprehension, evaluated before the loop and again at
        the end of each iteration, as Python evaluates it before each one:

            while sum(a for a in xs) < c:   →   _terms = [] / for a in xs: … / _while = …
                xs = xs * 2.0                   while _while:
                                                    xs = xs * 2.0
                                                    _terms_1 = [] / for a_1 in xs: … / _while = …
        """
        if continues(loop.body):  # `continue` would skip the test's evaluation at the end
            raise self._error(
                loop,
                "a comprehension in the test of a `while` loop that uses `continue`",
                "compute the test into a name before the loop, before each `continue` and at "
                "the end of the body, and test that name",
            )
        self._check_order(loop, [(loop, "test")])
        at = location(loop, [(loop, "test")])
        again = copy.deepcopy(loop.test)
        flag = self.namer.fresh("_while")
        pre.append(nodes.assign(flag, self._expr(loop.test, at, pre), at))
        end: list[gast.stmt] = []
        end.append(nodes.assign(flag, self._expr(again, at, end), at))
        loop.body = [*loop.body, *end]
        loop.test = nodes.name(flag)

    def _check_order(self, stmt: gast.stmt, fields: list[tuple[gast.AST, str]]) -> None:
        """The loops run before the rest of the statement: refuse where a nested function it
        calls could then change or see a value in another order (comprehension_order.py)."""
        name = out_of_order_call(values_of(fields), self.nested)
        if name is not None:
            raise self._error(
                stmt,
                f"a comprehension in a statement that also calls the nested function "
                f"`{name}`, which may update what the rest of the statement reads (the "
                "comprehension's loop runs first)",
                WRITE_A_LOOP,
            )

    # expressions

    def _expr(self, node, stmt, pre):
        """`node` with each comprehension it evaluates replaced by the name of its result."""
        if isinstance(node, list):
            return [self._expr(item, stmt, pre) for item in node]
        if not isinstance(node, gast.AST) or isinstance(node, gast.Lambda):
            return node  # a lambda's body runs when it is called
        if isinstance(node, gast.IfExp) and self._in_any(node.body, node.orelse):
            return self._choice(node, stmt, pre)
        if isinstance(node, gast.BoolOp) and self._in_any(*node.values[1:]):
            return self._short_circuit_operator(node, stmt, pre)
        if isinstance(node, gast.Call) and self._consumes(node):
            return self._consumer(node, stmt, pre)
        if isinstance(node, COMPREHENSIONS) and self._lowered(node):
            if isinstance(node, gast.GeneratorExp):
                raise self._error(
                    node,
                    "a generator expression whose elements are not consumed at once "
                    "(lazily, Python evaluates each only when it is asked for)",
                    "write a list comprehension `[…]`, or pass the generator straight to "
                    "sum, max, min, any, all, list, tuple or sorted",
                )
            return self._lower(node, stmt, pre)
        if isinstance(node, COMPREHENSIONS):
            return node  # a class the allow-list refuses: validate says so at its line
        for field, value in gast.iter_fields(node):
            if isinstance(value, (gast.AST, list)) and field != "ctx":
                setattr(node, field, self._expr(value, stmt, pre))
        return node

    def _in_any(self, *parts: gast.expr) -> bool:
        """Whether a comprehension this pass lowers is among `parts`."""
        return any(
            isinstance(n, COMPREHENSIONS) and self._lowered(n)
            for p in parts
            for n in descendants(p)
        )

    def _choice(self, node: gast.IfExp, stmt, pre) -> gast.expr:
        """`a if c else b` whose `a` or `b` holds a comprehension: an `if` statement, so
        that only the branch Python evaluates builds its list.

            _value = [f(x) for x in xs] if c else ys   →   if c:
                                                               _list = []
                                                               for x in xs: …
                                                               _value = _list
                                                           else:
                                                               _value = ys
        """
        test = self._expr(node.test, stmt, pre)
        result = self.namer.fresh("_value")
        branches = []
        for part in (node.body, node.orelse):
            block: list[gast.stmt] = []
            value = self._expr(part, stmt, block)
            branches.append([*block, nodes.assign(result, value, stmt)])
        choice = nodes.if_else(test, branches[0], branches[1], stmt)
        setattr(choice, READ_AFTER, {result})
        pre.append(choice)
        return nodes.name(result)

    def _short_circuit_operator(self, node: gast.BoolOp, stmt, pre) -> gast.expr:
        """`a and b` / `a or b` whose later operands hold a comprehension: each operand
        evaluated only while the result is still undecided, as Python does.

            _and = a
            if _and:
                …            (the loop of the comprehension in b)
                _and = b
        """
        conjunction = isinstance(node.op, gast.And)
        result = self.namer.fresh("_and" if conjunction else "_or")
        first, *rest = node.values
        pre.append(nodes.assign(result, self._expr(first, stmt, pre), stmt))
        undecided = nodes.name(result) if conjunction else nodes.not_(nodes.name(result))
        tail: list[gast.stmt] = pre
        for operand in rest:
            block: list[gast.stmt] = []
            value = self._expr(operand, stmt, block)
            step = nodes.if_(undecided, [*block, nodes.assign(result, value, stmt)], stmt)
            setattr(step, READ_AFTER, {result})
            tail.append(step)
            tail = step.body
        return nodes.name(result)

    def _consumes(self, call: gast.Call) -> bool:
        """`sum(gen)`, `any(gen)`, `", ".join(gen)`, …: a builtin that reads a generator
        once, whole (or up to the element that decides it)."""
        args = call.args
        if not args or not isinstance(args[0], gast.GeneratorExp) or not self._lowered(args[0]):
            return False
        if any(isinstance(a, gast.Starred) for a in args):
            return False
        func = call.func
        if isinstance(func, gast.Attribute) and func.attr == "join":
            return isinstance(func.value, gast.Constant) and len(args) == 1
        if not isinstance(func, gast.Name) or not self._is_builtin(func.id):
            return False
        if func.id in SHORT_CIRCUIT:
            return len(args) == 1 and not call.keywords
        return func.id in CONSUMERS and len(args) <= 1 + CONSUMERS[func.id]

    def _consumer(self, call: gast.Call, stmt: gast.stmt, pre: list[gast.stmt]) -> gast.expr:
        gen = call.args[0]
        kind = getattr(call.func, "id", None)
        if kind in SHORT_CIRCUIT:
            return self._short_circuit(gen, kind, stmt, pre)
        base = "_terms" if kind == "sum" else "_items"
        built = self._lower(gen, stmt, pre, self.namer.fresh(base))
        call.args[1:] = self._expr(call.args[1:], stmt, pre)
        call.keywords = self._expr(call.keywords, stmt, pre)
        if kind == "list":
            return built  # `list(gen)` is the list the loop built
        call.args[0] = built
        return call

    def _short_circuit(self, gen, kind: str, stmt: gast.stmt, pre: list[gast.stmt]):
        """`any(gen)` → a flag the loop sets at the first true element; every later
        iterable, condition and element is skipped, as Python's `any` never asks for them.

            _any = False
            for a in xs:
                if not _any and a > 1.0:
                    _any = True
        """
        self._rename_targets(gen)
        flag = self.namer.fresh(f"_{kind}")
        undecided = nodes.not_(nodes.name(flag)) if kind == "any" else nodes.name(flag)
        decides = gen.elt if kind == "any" else nodes.not_(gen.elt)
        body = [nodes.assign(flag, nodes.constant(kind == "any"), stmt)]
        for k, comp in reversed(list(enumerate(gen.generators))):
            tests = [undecided, *comp.ifs, *([decides] if k == len(gen.generators) - 1 else [])]
            body = [nodes.for_(comp.target, comp.iter, [_if_all(tests, body, stmt)], stmt)]
        self._check_targets(gen)
        setattr(body[0], READ_AFTER, {flag})
        pre += [nodes.assign(flag, nodes.constant(kind == "all"), stmt), *body]
        return nodes.name(flag)

    def _lower(self, comp, stmt, pre, result: str | None = None) -> gast.expr:
        """The loop building `comp`'s elements into `result` (a fresh name if None)."""
        self._rename_targets(comp)
        self._check_targets(comp)
        if isinstance(comp, gast.DictComp):
            result = result or self.namer.fresh("_dict")
            start = nodes.empty_dict()
            add = nodes.assign(nodes.element(result, comp.key, store=True), comp.value, stmt)
        else:
            base = "_items" if isinstance(comp, gast.SetComp) else "_list"
            result = result or self.namer.fresh(base)
            start = nodes.empty_list()
            add = nodes.method_call(result, "append", [comp.elt], stmt)
        body = [add]
        for gen in reversed(comp.generators):
            if gen.ifs:
                body = [_if_all(gen.ifs, body, stmt)]
            body = [nodes.for_(gen.target, gen.iter, body, stmt)]
        setattr(body[0], READ_AFTER, {result})
        pre += [nodes.assign(result, start, stmt), *body]
        if isinstance(comp, gast.SetComp):
            if not self._is_builtin("set"):
                raise self._error(
                    comp, "a set comprehension where `set` is not the builtin", "rename your `set`"
                )
            return nodes.call("set", [nodes.name(result)], comp)
        return nodes.name(result)

    def _rename_targets(self, comp) -> None:
        names = dict.fromkeys(n for gen in comp.generators for n in target_names(gen.target))
        mapping = {n: self.namer.fresh(n) for n in names if not self.targets.keeps(n)}
        rename_own(comp, mapping)

    def _check_targets(self, comp) -> None:
        for gen in comp.generators:
            if gen.is_async:
                raise self._error(
                    gen.iter,
                    "`async for` in a comprehension",
                    "differentiate a plain synchronous function",
                )
            parts = (n for n in gast.walk(gen.target) if not isinstance(n, gast.expr_context))
            if not all(isinstance(n, (gast.Name, gast.Tuple, gast.List)) for n in parts):
                raise self._error(
                    gen.iter,
                    "a comprehension target that is not a name or a tuple of names",
                    "bind the element to a name (`for a in xs`) and use it in the element",
                )

    # facts

    def _lowered(self, comp: gast.expr) -> bool:
        return type(comp).__name__ in LOWERED

    def _is_builtin(self, name: str) -> bool:
        if name in self.locals:
            return False
        if self.scope is None:
            return True
        return self.scope.lookup(name) is getattr(builtins, name)

    def _reads(self, comp: gast.expr, name: str) -> bool:
        """Whether building `comp` may read `name` (directly, or through a nested function
        it calls, which may read the enclosing variable)."""
        read = any(isinstance(n, gast.Name) and n.id == name for n in descendants(comp))
        return read or self._calls_nested(comp)

    def _calls_nested(self, node: gast.AST) -> bool:
        return any(
            isinstance(n, gast.Call) and isinstance(n.func, gast.Name) and n.func.id in self.nested
            for n in descendants(node)
        )

    def _error(self, node: gast.AST, construct: str, hint: str) -> UnsupportedSyntaxError:
        return UnsupportedSyntaxError(
            f"unsupported construct: {construct}",
            filename=self.filename,
            line=getattr(node, "lineno", None),
            hint=hint,
        )


def _if_all(tests: list[gast.expr], body: list[gast.stmt], like: gast.AST) -> gast.If:
    """`if t1 and t2 …:` — a comprehension's `if` clauses, tested left to right until one
    fails, as Python tests them."""
    test = tests[0] if len(tests) == 1 else nodes.and_(*tests)
    return nodes.if_(test, body, like)
