"""The vector tangent of a reduction, written for Numba: the sum over a tangent's axes.

A reduction's tangent in vector mode (jacfwd, jacrev, hessian) reduces the primal's axes,
one place further right: the directions' axis comes first (rules/reductions.py):

    _t2_dot = np.sum(_t1_dot, axis=rt.shifted(None, _t1, False), keepdims=False)

Numba's `np.sum` takes one integer axis, no tuple and no `keepdims`, and it has no
`rt.shifted`; so before Numba compiles the code, each such sum or mean whose `axis` is a
literal and `keepdims` is False becomes a helper of helpers.py (`rt.sum_directions`,
`rt.mean_directions`) given the axis the tangent is reduced along, None for every axis but
the directions':

    _t2_dot = rt.sum_directions(_t1_dot, None)

The same values (summed in order, where NumPy sums pairwise: the last bits of a long sum may
differ, as for every sum Numba compiles). Only the code Numba compiles changes.
"""

from __future__ import annotations

import ast

# the NumPy reductions whose vector tangents are rewritten → the helper that computes them
_HELPERS = {"sum": "sum_directions", "mean": "mean_directions"}


def direction_sums(function: ast.FunctionDef, numpy: str, helpers: str) -> None:
    """Rewrite, in place, the reductions of vector tangents under `function` that Numba
    cannot compile into the helpers' calls; `numpy`, `helpers`: the names NumPy and the
    runtime have in it."""
    for node in ast.walk(function):
        for field, value in ast.iter_fields(node):
            if isinstance(value, ast.Call):
                setattr(node, field, _rewritten(value, numpy, helpers) or value)
            elif isinstance(value, list):
                value[:] = [
                    (_rewritten(v, numpy, helpers) or v) if isinstance(v, ast.Call) else v
                    for v in value
                ]


def _rewritten(call: ast.Call, numpy: str, helpers: str) -> ast.Call | None:
    """`rt.sum_directions(d, axis)` for `np.sum(d, axis=rt.shifted(axis, x, False),
    keepdims=False)` (a literal `axis`: None or an integer), `mean` likewise; else None."""
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == numpy
        and func.attr in _HELPERS
        and len(call.args) == 1
    ):
        return None
    keywords = {k.arg: k.value for k in call.keywords}
    if set(keywords) != {"axis", "keepdims"} or not _is_constant(keywords["keepdims"], False):
        return None
    axis = _shifted_axis(keywords["axis"], helpers)
    if axis is None:
        return None
    helper = ast.Attribute(
        value=ast.Name(id=helpers, ctx=ast.Load()), attr=_HELPERS[func.attr], ctx=ast.Load()
    )
    made = ast.Call(func=helper, args=[call.args[0], ast.Constant(value=axis[0])], keywords=[])
    return ast.fix_missing_locations(ast.copy_location(made, call))  # the sum's line


def _shifted_axis(axis: ast.expr, helpers: str) -> tuple[int | None] | None:
    """(the tangent's axis,) for `rt.shifted(a, x, False)` of a literal `a` (None: every
    axis after the directions'), as `rt.shifted` gives it for an array `x`; else None."""
    if not (
        isinstance(axis, ast.Call)
        and isinstance(axis.func, ast.Attribute)
        and isinstance(axis.func.value, ast.Name)
        and axis.func.value.id == helpers
        and axis.func.attr == "shifted"
        and len(axis.args) == 3
        and not axis.keywords
        and _is_constant(axis.args[2], False)
    ):
        return None
    try:  # (the code is parsed from its source: `-1` is a negation of 1)
        primal = ast.literal_eval(axis.args[0])
    except ValueError:
        return None
    if primal is None:
        return (None,)
    if type(primal) is not int:
        return None
    return (primal + 1 if primal >= 0 else primal,)


def _is_constant(node: ast.expr, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value
