"""Lambdas become nested `def`s (DESIGN.md, "Growing the language", principle 3).

A nested `def` is already inlined where it is called (`nested_functions.py`), with its
closure read at the call and its defaults evaluated at the `def`, as Python does; a lambda is
the same function written as an expression. So:

- `name = lambda params: body` becomes `def name(params): return body` (the binding is the
  same, flow-sensitive: chosen by an `if`, rebound by a loop);
- `name = A if test else B` with a lambda in an arm becomes an `if` binding `name` in each
  branch (Python evaluates one arm, and a lambda's only effect is evaluating its defaults);
- any other lambda (an argument `apply(lambda z: z * w, x)`, called at once
  `(lambda z: z * z)(x)`) becomes a `def` of a fresh name just before its statement, and the
  name takes its place. Its defaults are evaluated there, before the rest of the statement:
  the same values unless the statement's own earlier calls update them in place. In a
  `while` test, which runs every iteration, a lambda with defaults is refused.

Before::

    act = lambda z, a=alpha: np.tanh(a * z)
    return apply(lambda v: act(v) * w, x)

After::

    def act(z, a=alpha):
        return np.tanh(a * z)
    def _lambda(v):
        return act(v) * w
    return apply(_lambda, x)
"""

from __future__ import annotations

import gast
from gast import Lambda  # (asked of every node: no lookup each time)

from ..errors import UnsupportedSyntaxError
from ..frontend import nodes
from ..naming import Namer

LAMBDA_PREFIX = "_lambda"


def lift_lambdas(node: gast.FunctionDef, filename: str = "") -> gast.FunctionDef:
    """`node` with every lambda in its body (nested functions' included) made a `def`."""
    every = nodes.descendants(node)
    if not any(type(n) is Lambda for n in every):
        return node  # the common case: nothing to lift, no statement to visit
    taken = {n.id for n in every if isinstance(n, gast.Name)}
    taken |= {n.name for n in every if isinstance(n, gast.FunctionDef)}
    _Lifter(Namer(taken), filename).function(node)
    return node


class _Lifter:
    def __init__(self, namer: Namer, filename: str) -> None:
        self.namer = namer
        self.filename = filename

    def function(self, fn: gast.FunctionDef) -> None:
        fn.body = self.block(fn.body)

    def block(self, stmts: list[gast.stmt]) -> list[gast.stmt]:
        out: list[gast.stmt] = []
        for stmt in stmts:
            out.extend(self.stmt(stmt))
        return out

    def stmt(self, stmt: gast.stmt) -> list[gast.stmt]:
        if isinstance(stmt, gast.FunctionDef):
            lifted = self.hoist(stmt.args, stmt)  # lambdas among a nested def's defaults
            self.function(stmt)
            return [*lifted, stmt]
        named = _named_lambda(stmt)
        if named is not None:
            return self.stmt(self.as_def(named[0], named[1]))
        chosen = _chosen_lambda(stmt)
        if chosen is not None:
            return self.stmt(chosen)
        for field in ("body", "orelse"):
            if isinstance(getattr(stmt, field, None), list):
                setattr(stmt, field, self.block(getattr(stmt, field)))
        heads = [getattr(stmt, f, None) for f in ("test", "iter", "value", "targets", "target")]
        lifted = []
        for head in heads:
            for part in head if isinstance(head, list) else [head]:
                if isinstance(part, gast.AST):
                    lifted += self.hoist(part, stmt)
        return [*lifted, stmt]

    def hoist(self, node: gast.AST, stmt: gast.stmt) -> list[gast.stmt]:
        """The `def`s of the lambdas in `node` (outermost ones), each replaced by its name."""
        lifted: list[gast.stmt] = []
        conditional = _conditionally_evaluated(node)
        for parent in list(_walk_outside_lambdas(node)):
            for field, value in gast.iter_fields(parent):
                values = value if isinstance(value, list) else [value]
                for i, child in enumerate(values):
                    if not isinstance(child, gast.Lambda):
                        continue
                    where = _refused_position(child, stmt, conditional)
                    if where is not None:
                        raise UnsupportedSyntaxError(
                            f"unsupported construct: a lambda with defaults {where}",
                            filename=self.filename,
                            line=child.lineno,
                            hint="define the function with `def` on a line of its own before",
                        )
                    name = self.namer.fresh(LAMBDA_PREFIX)
                    lifted += self.stmt(self.as_def(name, child))
                    reference = gast.copy_location(nodes.name(name), child)
                    if isinstance(value, list):
                        value[i] = reference
                    else:
                        setattr(parent, field, reference)
        return lifted

    def as_def(self, name: str, fn: gast.Lambda) -> gast.FunctionDef:
        result = gast.copy_location(gast.Return(value=fn.body), fn.body)
        return nodes.function_def(name, fn.args, [result], like=fn)


def _refused_position(fn: gast.Lambda, stmt: gast.stmt, conditional: set[int]) -> str | None:
    """Where hoisting a lambda with defaults would evaluate them when Python does not."""
    if not (fn.args.defaults or any(d is not None for d in fn.args.kw_defaults)):
        return None
    if isinstance(stmt, gast.While):
        return "in a `while` test (its defaults are evaluated at every test)"
    if id(fn) in conditional:
        return "in a part of an expression Python may not evaluate (`a if c else b`, `and`, `or`)"
    return None


def _conditionally_evaluated(node: gast.AST) -> set[int]:
    """The ids of the nodes in `node` that Python evaluates only on some paths: the arms
    of `a if c else b`, the operands of `and`/`or` after the first, a chained comparison's
    later operands."""
    found: set[int] = set()
    for parent in nodes.descendants(node):
        arms: list[gast.AST] = []
        if isinstance(parent, gast.IfExp):
            arms = [parent.body, parent.orelse]
        elif isinstance(parent, gast.BoolOp):
            arms = parent.values[1:]
        elif isinstance(parent, gast.Compare):
            arms = parent.comparators[1:]
        for arm in arms:
            found |= {id(n) for n in nodes.descendants(arm)}
    return found


def _walk_outside_lambdas(node: gast.AST):
    """`node` and its descendants, not entering lambdas (a lambda's own lambdas are lifted
    when its `def` is) or nested defs."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        for child in gast.iter_child_nodes(current):
            if not isinstance(child, (gast.Lambda, gast.FunctionDef)):
                pending.append(child)


def _named_lambda(stmt: gast.stmt) -> tuple[str, gast.Lambda] | None:
    """(`name`, the lambda) for `name = lambda …: …`."""
    if (
        isinstance(stmt, gast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], gast.Name)
        and isinstance(stmt.value, gast.Lambda)
    ):
        return stmt.targets[0].id, stmt.value
    return None


def _chosen_lambda(stmt: gast.stmt) -> gast.If | None:
    """`name = A if test else B`, a lambda in an arm, as an `if` assigning each arm."""
    if not (
        isinstance(stmt, gast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], gast.Name)
        and isinstance(stmt.value, gast.IfExp)
    ):
        return None
    choice = stmt.value
    if not any(isinstance(arm, (gast.Lambda, gast.IfExp)) for arm in (choice.body, choice.orelse)):
        return None
    if not any(isinstance(n, gast.Lambda) for n in nodes.descendants(choice)):
        return None
    target = stmt.targets[0].id
    branches = [[nodes.assign(target, arm, stmt)] for arm in (choice.body, choice.orelse)]
    node = nodes.if_(choice.test, branches[0], stmt)
    node.orelse = branches[1]
    return node
