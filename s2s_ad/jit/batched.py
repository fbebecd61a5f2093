"""Write a rule's per-direction lambda as one batched helper call, for Numba to compile.

The vector tangent code applies a rule without a batched form to each direction in turn:

    x_bar_dot = rt.per_direction(lambda d: rt.getitem_vjp(d, x, _t15), _t2_bar_dot)

Numba cannot compile a lambda that captures values and is passed to another function. Before
Numba compiles the code, each such call whose lambda applies a helper with a batched Numba
version to its parameter (and only there) becomes that helper's call (directions.py):

    x_bar_dot = rt.getitem_vjp_directions(_t2_bar_dot, x, _t15)

The batched helper computes each direction as the lambda does and stacks them, as
`rt.per_direction` does: the same numbers. Only the code Numba compiles changes; its lines
keep their numbers (`derivative_source` shows the code as generated).
"""

from __future__ import annotations

import ast

# helpers taking the direction's cotangent first, with a Numba version for all directions
BATCHED = {"getitem_vjp": "getitem_vjp_directions"}


def batched(function: ast.FunctionDef, runtime: str = "rt") -> ast.FunctionDef:
    """`function` with `runtime.per_direction(lambda d: runtime.H(d, ...), D)` calls written
    `runtime.H_batched(D, ...)` where H has a batched version in `BATCHED`."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            found = _batched_call(node, runtime)
            if found is not None:
                node.func = ast.copy_location(found.func, node.func)
                node.func.value = ast.copy_location(found.func.value, node.func)
                node.args, node.keywords = found.args, found.keywords
    return function


def _batched_call(call: ast.Call, runtime: str) -> ast.Call | None:
    """The batched call that `call` is, or None where it is not of that form."""
    if not (_is_helper(call.func, runtime, "per_direction") and len(call.args) == 2):
        return None
    rule, directions = call.args
    if call.keywords or not isinstance(rule, ast.Lambda):
        return None
    params = rule.args
    if len(params.args) != 1 or params.posonlyargs or params.kwonlyargs or params.vararg:
        return None
    if params.kwarg or params.defaults:
        return None
    name, body = params.args[0].arg, rule.body
    if not isinstance(body, ast.Call) or body.keywords or not body.args:
        return None
    helper = next((h for h in BATCHED if _is_helper(body.func, runtime, h)), None)
    first, rest = body.args[0], body.args[1:]
    if helper is None or not (isinstance(first, ast.Name) and first.id == name):
        return None
    if any(isinstance(n, ast.Name) and n.id == name for a in rest for n in ast.walk(a)):
        return None  # the direction read elsewhere too
    func = ast.Attribute(value=ast.Name(id=runtime, ctx=ast.Load()), attr=BATCHED[helper])
    func.ctx = ast.Load()
    return ast.Call(func=func, args=[directions, *rest], keywords=[])


def _is_helper(func: ast.expr, runtime: str, name: str) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and func.attr == name
        and isinstance(func.value, ast.Name)
        and func.value.id == runtime
    )
