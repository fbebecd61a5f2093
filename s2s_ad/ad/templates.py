"""Instantiate rule templates: parse once, substitute placeholder names with operands."""

from __future__ import annotations

import ast
import functools
import operator
import types
from ast import Call, Name
from collections.abc import Callable
from dataclasses import replace
from functools import cache

import numpy as np

from ..codegen import build
from ..custom import rule_function
from ..errors import UnknownCalleeError
from ..frontend.library import library_note, module_name
from ..naming import Aliases, first_free
from ..rules.registry import NOT_DEFINED, SAME_CALL, Rule, Site, Template, lookup
from ..ssa.ir import Assign, Atom, Const, Free, Function, Prim, Var
from ..ssa.records import construction_hint
from .masks import FINITE

Refer = Callable[[object, str], str]
SQUARES = (operator.mul, np.multiply)  # `x * x`: a product of a value with itself
# on lists, tuples and strings these join, repeat and format
SEQUENCE_OPERATORS = ("operator.add", "operator.mul", "operator.mod")


@cache
def _parse(template: str) -> ast.expr:
    return build.parse_expr(template)


def instantiate(template: str, bindings: dict[str, ast.expr | str]) -> ast.expr:
    """A fresh copy of the parsed `template` with its names replaced by `bindings`."""
    return build.clone(_parse(template), bindings)


def contribution(
    rule: Rule,
    site: Site,
    prim: Prim,
    index: int,
    incoming: str,
    answer: str,
    aliases: Aliases,
    *,
    reverse: bool,
    refer: Refer,
    vector: str | None = None,
    mask: str | None = None,
) -> ast.expr:
    """The derivative that flows through parameter `index`, given the incoming `d`.

    `refer(obj, preferred)` names an object the generated code calls (a user's rule).
    `vector`: in the vector tangent mode, a name free for a lambda's parameter (tangents
    there have a leading direction axis). `mask`: in reverse mode, the name of the result's
    branch mask (ad/masks.py): the contribution is zero where it is False."""
    template: Template = (rule.vjp if reverse else rule.jvp)[index]
    param = rule.params[index]
    if vector and not rule.diagonal:
        if rule.batched:
            template = rule.batched[index]
        else:  # the JVP applied to each direction in turn
            one = contribution(
                rule, site, prim, index, vector, answer, aliases, reverse=False, refer=refer
            )
            return _call(f"{aliases.rt}.per_direction", _lambda(vector, one), build.name(incoming))
    text = template(site) if callable(template) else template  # (a site's may be the call)
    if text is SAME_CALL:
        expr = _same_call(prim, rule.positions().index(param), param, incoming)
        return _masked(expr, mask, aliases) if reverse else expr
    # the names the template reads, and those read below: each binding is copied where used
    wanted = {*_names_in(text), param, "d", "ans"}
    bindings = _bindings(wanted, rule, site, incoming, answer, aliases)
    for placeholder, obj, preferred in rule.references:
        bindings[placeholder] = refer(obj, preferred)
    if vector and rule.diagonal and _may_broadcast(rule, site, param):
        # line the direction axis up in front of the result's axes: (n, 1, …, *x.shape)
        along = [_tree(bindings["d"]), _tree(bindings["ans"])]
        bindings["d"] = _call(f"{aliases.rt}.along", *along)
    expr = instantiate(text, bindings)
    if reverse and text not in FINITE:  # masked at the result's shape, before the sum
        expr = _masked(expr, mask, aliases)  # down to the operand's shape
    if reverse and rule.unbroadcast and _may_broadcast(rule, site, param):
        expr = _call(f"{aliases.rt}.unbroadcast", expr, _tree(bindings[param]))
    return expr


def _tree(binding: ast.expr | str) -> ast.expr:
    """A binding as a tree of its own (a string binding is a name read)."""
    return build.name(binding) if type(binding) is str else binding


@cache
def _names_in(template: str) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(_parse(template)) if isinstance(n, Name))


def _bindings(
    wanted: set[str], rule: Rule, site: Site, incoming: str, answer: str, aliases: Aliases
) -> dict[str, ast.expr | str]:
    """What each name in `wanted` that a template may read stands for: an operand by its
    parameter or keyword name, the incoming derivative `d`, the result `ans`, the modules
    (a name read as a string: `build.clone` makes its node where it is used)."""
    keywords, params = site.keywords, site.params
    bindings: dict[str, ast.expr | str] = {"d": incoming, "ans": answer}  # (always wanted)
    for name in wanted:
        if name in bindings:
            continue
        if name in _MODULES:  # (named at once: no dict of the fixed names made per call)
            bindings[name] = _module(name, rule, aliases)
        elif name == "d_" and "d" in keywords:  # a keyword named `d` (multigammaln)
            bindings[name] = _operand(keywords["d"])
        elif name in keywords:
            bindings[name] = _operand(keywords[name])
        elif name in params:
            bindings[name] = _operand(params[name])
    return bindings


_MODULES = frozenset({"np", "math", "rt", "M"})  # the module names a template may read


def _module(name: str, rule: Rule, aliases: Aliases) -> str:
    """The alias of the module `name` stands for in a template (`M`: the rule's own)."""
    if name == "M":
        name = "math" if rule.family == "math" else "np"
    return aliases.rt if name == "rt" else aliases.math if name == "math" else aliases.np


def _operand(atom: object) -> ast.expr | str:
    return atom.name if type(atom) is Var else build.atom(atom)


def _is_active(atom: object, active: set[str]) -> bool:
    return isinstance(atom, Var) and atom.name in active


def _masked(expr: ast.expr, mask: str | None, aliases: Aliases) -> ast.expr:
    return expr if mask is None else _call(f"{aliases.rt}.masked", expr, build.name(mask))


def _call(dotted: str, *args: ast.expr) -> ast.expr:
    return Call(build.parse_expr(dotted), list(args), [])  # (by position: faster)


def _lambda(param: str, body: ast.expr) -> ast.expr:
    arguments = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg=param)], kwonlyargs=[], kw_defaults=[], defaults=[]
    )
    return ast.Lambda(args=arguments, body=body)


def zeros_like(
    value: Atom | ast.expr, aliases: Aliases, scalars: frozenset[str] = frozenset()
) -> ast.expr:
    """A zero derivative shaped like `value`, for a path on which no derivative flows: the
    literal `0.0` (what `rt.zeros_like` gives them) for the names in `scalars`, known to hold
    Python numbers or NumPy scalars (ad/dtypes.py)."""
    arg = value if isinstance(value, ast.expr) else build.atom(value)
    if type(arg) is Name and arg.id in scalars:
        return build.constant(0.0)
    return Call(func=build.parse_expr(f"{aliases.rt}.zeros_like"), args=[arg], keywords=[])


def _with_facts(fn: Function, site: Site, answer: str) -> Site:
    """`site`, as `rule.bind` made it, with the statically known facts (shapes, dtypes) of
    the call's operands (by rule name) and result (`ans`), from `fn`'s by variable: set in
    place (a site is its statement's own, made by `bind` for it; a second `Site` with the
    facts, as `Site.__init__` sets fields, cost a Python call per differentiated statement)."""
    # (each field read once: an attribute of a `Function` is a lookup at each use, compiled)
    shapes, known, numbers, dtypes = fn.shapes, fn.known_shapes, fn.numbers, fn.dtypes
    params = site.params
    named = [(k, a.name) for k, a in params.items() if type(a) is Var]
    named += [(k, a.name) for k, a in site.keywords.items() if type(a) is Var]
    named.append(("ans", answer))
    facts = site.__dict__  # (the fields `Site.__init__` sets)
    if shapes:
        facts["shapes"] = _facts_of(named, shapes)
    if known or numbers:
        if known is shapes and shapes:  # specialised: the same facts (a copy)
            facts["known"] = dict(facts["shapes"])
        else:
            facts["known"] = _facts_of(named, known)
        if numbers:  # (of a list made in place: a generator expression, compiled, makes a
            # closure and a generator at each call)
            facts["numbers"] = frozenset(
                [k for k, a in params.items() if type(a) is Var and a.name in numbers]
            )
    if dtypes:
        facts["dtypes"] = _facts_of(named, dtypes)
    return site


def _facts_of(named: list[tuple[str, str]], facts: dict[str, object]) -> dict[str, object]:
    """{slot: the fact of the variable in it} for the `(slot, variable)` pairs in `named`."""
    return {slot: facts[name] for slot, name in named if name in facts}


def _may_broadcast(rule: Rule, site: Site, param: str) -> bool:
    """Whether another operand may broadcast `param` to a larger shape.

    Not when its shape is known to be the result's; scalar literals and other values known
    to be 0-d cannot broadcast it, nor can the same variable (`h * h`); a selector can
    (`np.where(mask, x, 0.0)`).
    """
    shapes, params = site.known, site.params
    known = shapes.get(param)
    if known is not None and known == shapes.get("ans"):
        return False
    mine = params[param]
    named = [(name, a) for name, a in params.items() if name != param]
    if rule.selectors:
        named += [(name, a) for name, a in site.keywords.items() if name in rule.selectors]
    # a known 0-d variable as the other operand: not where `param` may be a list it repeats
    scalars = param in site.numbers or rule.name not in SEQUENCE_OPERATORS
    for name, a in named:  # (a loop, not `all`: no closure and generator made per call)
        kind = type(a)  # (compared first: a dataclass's `==` of another type is slow)
        if not (
            (kind is type(mine) and a == mine)
            or (kind is Const and _zero_dimensional(a.value))
            or (scalars and shapes.get(name) == ())
        ):
            return True
    return False


def _zero_dimensional(value: object) -> bool:
    """Whether a literal is 0-d: a Python number at once (`np.ndim` of one, through its
    `asarray`, cost as much as the rest of a binary operator's check)."""
    return type(value) in _PYTHON_SCALARS or np.ndim(value) == 0


_PYTHON_SCALARS = (int, float, bool, complex)


def result_shaped(
    fn: Function, stmt: Assign, active: set[str], total: ast.expr, aliases: Aliases, vector: bool
) -> ast.expr:
    """The tangent `total` of an elementwise `stmt`, broadcast to the result's shape where
    a passive operand may have broadcast the primal.

    A tangent has its primal's shape. Each term of an elementwise rule has at least its own
    operand's shape, so when every operand is active their sum has the result's shape; a
    passive array operand (`data - mu`, `np.zeros(3) + s`, `np.where(mask, s, 0.0)`) can
    make the result larger than every active operand. Before → after (`mu` a float):
        `_t1_dot = -mu_dot`  →  `_t1_dot = rt.broadcast_tangent(-mu_dot, _t1)`
    Left out where a term's template broadcasts its `d` against every passive operand or
    the result (`d * y`), or the known shapes show an active operand has the result's shape.
    """
    rule, site = rule_for(fn, stmt)
    if not rule.diagonal or rule.family == "math":  # math functions take and give floats
        return total
    operands = dict(site.params)
    operands.update((k, a) for k, a in site.keywords.items() if k in rule.selectors)
    mine = {k for k, a in site.params.items() if isinstance(a, Var) and a.name in active}
    shapes = fn.known_shapes
    passive = {  # those that may make the result larger: not 0-d literals or known scalars
        k
        for k, a in operands.items()
        if k not in mine
        and not (isinstance(a, Const) and _zero_dimensional(a.value))
        and not (isinstance(a, Var) and shapes.get(a.name) == ())
    }
    result = shapes.get(stmt.target)
    if not passive or result == ():
        return total
    if result is not None and any(shapes.get(operands[k].name) == result for k in mine):
        return total
    for k in mine:
        template = rule.jvp[rule.params.index(k)]
        text = template(site) if callable(template) else template
        names = _broadcast_names(_parse(text)) if text is not SAME_CALL else set()
        if "ans" in names or passive <= names:
            return total
    if not vector:
        return _call(f"{aliases.rt}.broadcast_tangent", total, build.name(stmt.target))
    if isinstance(total, Call) and ast.unparse(total.func) == f"{aliases.rt}.along":
        total = total.args[0]  # `rt.broadcast_directions` lines the axes up itself
    return _call(f"{aliases.rt}.broadcast_directions", total, build.name(stmt.target))


def _broadcast_names(node: ast.expr) -> set[str]:
    """The names whose shapes the value of a template broadcasts together: those reached
    through arithmetic, comparisons and NumPy's elementwise functions (not through `np.sum`,
    a subscript or a conditional expression)."""
    if isinstance(node, Name):
        return {node.id}
    if isinstance(node, ast.BinOp):
        return _broadcast_names(node.left) | _broadcast_names(node.right)
    if isinstance(node, ast.UnaryOp):
        return _broadcast_names(node.operand)
    parts: list[ast.expr] = []
    if isinstance(node, ast.Compare):
        parts = [node.left, *node.comparators]
    elif isinstance(node, Call) and _elementwise(node.func) and not node.keywords:
        parts = node.args
    return set().union(*map(_broadcast_names, parts))


def _elementwise(func: ast.expr) -> bool:
    """`np.where`, a NumPy ufunc (`np.exp`), `rt.xlogy` or `rt.pow_term` in a template."""
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, Name)):
        return False
    if func.value.id == "np":
        return func.attr == "where" or isinstance(getattr(np, func.attr, None), np.ufunc)
    return func.value.id == "rt" and func.attr in ("xlogy", "pow_term")


def _same_call(prim: Prim, position: int, param: str, incoming: str) -> ast.expr:
    """The primal call with `param` (passed at `position` or by name) replaced by `incoming`:
    for linear slots."""
    tangent = Var(incoming)
    args = tuple(tangent if i == position else a for i, a in enumerate(prim.args))
    kwargs = tuple((k, tangent if k == param else a) for k, a in prim.kwargs)
    return build.expr(replace(prim, args=args, kwargs=kwargs))


def _function_argument_hint(prim: Prim, label: str) -> str | None:
    """For a library function given a function of the user's (`odeint(rhs, y0, t)`): the
    library calls it in code s2s_ad does not read, so only a rule or the user's own loop can
    carry the derivative through it."""
    given = [a.source for a in (*prim.args, *(v for _, v in prim.kwargs)) if _is_function(a)]
    if not given:
        return None
    return (
        f"`{label}` calls `{given[0]}` inside the library, where s2s_ad cannot follow; write "
        "the iteration in your own code (for an ODE, a loop of explicit Runge-Kutta steps "
        f"over `{given[0]}`, differentiated exactly), or give `{label}` a rule with "
        "s2s_ad.defvjp and s2s_ad.defjvp"
    )


def _is_function(atom: object) -> bool:
    return isinstance(atom, Free) and isinstance(atom.value, types.FunctionType)


def rule_for(fn: Function, stmt: Assign) -> tuple[Rule, Site]:
    """The rule and bound site of an active statement, or a located error saying what is missing."""
    prim = stmt.value
    assert isinstance(prim, Prim)
    rule = lookup(prim.fn)
    if rule is not None and rule.nondiff:  # (active only by a join: `z if c else x`)
        return rule, Site({}, {})  # no derivative flows through any argument
    label = prim.spelled or getattr(prim.fn, "__name__", None) or repr(prim.fn)
    if rule is None and rule_function(prim.fn) is not None:  # called by flat gradient code
        what, filename, line = rule_function(prim.fn)
        raise UnknownCalleeError(
            f"{what} is differentiated again for a second derivative (the gradient code "
            f"calls it), but it is not Python s2s_ad can read, and it has no rule",
            filename=filename,
            line=line,
            hint="write the rule as a Python function of NumPy calls (s2s_ad differentiates "
            "it, e.g. `lambda g, ans, x: g * scipy.special.expit(x)`), or give the rule "
            "function rules of its own with s2s_ad.defvjp and s2s_ad.defjvp",
        )
    if rule is None and module_name(prim.fn).startswith("s2s_ad.runtime"):
        raise UnknownCalleeError(
            f"no derivative rule for `{label}`, a helper of s2s_ad's derivative code: this "
            "operation has no derivative of the next order yet",
            filename=fn.filename,
            line=stmt.line,
            hint="see the README's list under 'Second and higher derivatives'; take this "
            "derivative by central differences of the one below it, or write the step with "
            "operations that have it",
        )
    if rule is None:
        raise UnknownCalleeError(
            f"no derivative rule for `{label}`, which is applied to a differentiated value",
            filename=fn.filename,
            line=stmt.line,
            hint=construction_hint(prim.fn)
            or _made_inside_hint(prim.fn, label)
            or _function_argument_hint(prim, label)
            or _unknown_hint(label) + library_note(prim.fn),
        )
    site = rule.bind(prim)
    if site is None:
        known = rule.positions()
        unknown = [name for name, _ in prim.kwargs if name not in rule.names]
        what = f"the keyword `{unknown[0]}`" if unknown else "arguments"
        written = dict(zip(known, prim.args, strict=False)) | dict(prim.kwargs)
        variable = [k for k in rule.literals if k in written and not isinstance(written[k], Const)]
        if variable and not unknown:
            raise UnknownCalleeError(
                f"`{label}`'s argument `{variable[0]}` is a variable; its derivative rule "
                "depends on its value",
                filename=fn.filename,
                line=stmt.line,
                hint=f"write it as a literal where you call it (e.g. `{variable[0]}="
                f"{dict(rule.keywords).get(variable[0])!r}`: the rule's code is made for its "
                "value)",
            )
        raise UnknownCalleeError(
            f"`{label}` is called with {what} its derivative rule does not know",
            filename=fn.filename,
            line=stmt.line,
            hint=f"call it as {rule.name}({', '.join(known)}), or give it your own rule "
            "with s2s_ad.defvjp and s2s_ad.defjvp",
        )
    why = rule.unsupported(site) if rule.unsupported is not None else None
    if why is not None:
        raise UnknownCalleeError(
            f"`{label}` {why}: its derivative rule does not cover this call",
            filename=fn.filename,
            line=stmt.line,
            hint="call it with the options its rule covers (`s2s-ad rules --list`), or give "
            "it your own rule with s2s_ad.defvjp and s2s_ad.defjvp",
        )
    return rule, site


def _made_inside_hint(fn: object, label: str) -> str | None:
    """What to write instead of a transformation of s2s_ad's or a `functools.partial`
    applied inside the function to a differentiated value (ssa/derivative_calls.py
    differentiates `grad(g)(x)` and `value_and_grad(g)(x)` only)."""
    if fn is functools.partial:
        return (
            "a partial made inside the function of a differentiated value is not followed; "
            "write a lambda or a nested def instead: `lambda z: f(z, scale=w)`"
        )
    if module_name(fn).startswith("s2s_ad."):
        return (
            f"`{label}` inside a differentiated function is not differentiated; only "
            "`grad(g)(x)` and `value_and_grad(g)(x)` are (their flat gradient code): write "
            "it with them (a JVP of a scalar function is `grad(g)(x) @ v`), or compute it "
            "outside and pass the value in"
        )
    return None


def _unknown_hint(label: str) -> str:
    return (
        f"give it a rule: s2s_ad.defvjp({label}, lambda g, ans, x: ...) and "
        f"s2s_ad.defjvp({label}, lambda d, ans, x: ...), one function per argument; or use "
        "a supported NumPy/math function (`s2s-ad rules` lists them), or wrap the value in "
        "s2s_ad.stop_gradient if no derivative should flow"
    )


def contributions(
    fn: Function,
    stmt: Assign,
    active: set[str],
    incoming: Callable[[Var], str],
    aliases: Aliases,
    *,
    reverse: bool,
    refer: Refer,
    vector: bool = False,
    mask: str | None = None,
) -> list[tuple[Var, ast.expr]]:
    """(operand, derivative through it) for each active operand of `stmt`.

    `incoming(operand)` names the derivative that flows in: the operand's tangent (forward)
    or the result's adjoint (reverse). An active variable in a slot with no derivative (a
    keyword such as `axis`, or a parameter whose template is None) is an error, never a
    silent zero.
    """
    value = stmt.value
    if not isinstance(value, Prim):  # a copy
        active_copy = isinstance(value, Var) and value.name in active
        return [(value, build.name(incoming(value)))] if active_copy else []
    rule, site = rule_for(fn, stmt)
    if value.fn is operator.getitem:
        _check_indexed_object(fn, stmt, active)
    if fn.shapes or fn.known_shapes or fn.numbers or fn.dtypes:
        site = _with_facts(fn, site, stmt.target)
    if not reverse and rule.joint:
        operands = [site.params.get(p) for p in rule.params]
        if all([_is_active(a, active) for a in operands]):  # (a list: no closure per call)
            tangents = {f"d{k}": build.name(incoming(a)) for k, a in enumerate(operands)}
            joint = instantiate(rule.joint, {**tangents, "rt": build.name(aliases.rt)})
            return [(operands[0], joint)]
    found = []
    # (per statement: a `Namer` of all the function's names made each time was quadratic)
    direction = first_free(fn.taken_names, "d")[0] if vector else None
    for index, param in enumerate(rule.params[: len(site.params)]):
        atom = site.params[param]
        if isinstance(atom, Var) and atom.name in active:
            template = (rule.vjp if reverse else rule.jvp)[index]
            if template is None:
                raise _no_derivative(fn, stmt, rule, param)
            if template is NOT_DEFINED:
                raise _mode_not_defined(fn, stmt, rule, reverse)
            term = contribution(
                rule,
                site,
                value,
                index,
                incoming(atom),
                stmt.target,
                aliases,
                reverse=reverse,
                refer=refer,
                vector=direction,
                mask=mask,
            )
            found.append((atom, term))
    for name, atom in site.keywords.items():
        if isinstance(atom, Var) and atom.name in active and name not in rule.selectors:
            raise _no_derivative(fn, stmt, rule, name)
    if value.fn in SQUARES and len(found) == 2 and found[0][0] == found[1][0]:
        # `x * x`: `d * x + x * d` is exactly `2.0 * (d * x)`, one product fewer
        doubled = ast.BinOp(left=build.constant(2.0), op=ast.Mult(), right=found[0][1])
        return [(found[0][0], doubled)]
    return found


def _check_indexed_object(fn: Function, stmt: Assign, active: set[str]) -> None:
    """Refuse a differentiated value in the index of an object that is not an array or a
    container (`np.s_[x]`, `np.mgrid[0:x]`, your own `__getitem__`): what it returns may
    depend on the value, and no derivative would flow through the index."""
    base, index = stmt.value.args
    if not any([_is_active(a, active) for a in index.atoms()]):  # (a list: no closure)
        return
    copies, followed = _copies(fn), set()
    while isinstance(base, Var) and base.name in copies and base.name not in followed:
        followed.add(base.name)  # `R = np.r_` then `R[x, y]`: follow the copies
        base = copies[base.name]
    if isinstance(base, Free) and not _is_container(base.value):
        raise UnknownCalleeError(
            f"`{base.source}[...]` is indexed with a value that depends on the differentiated "
            "input; no derivative flows through an index",
            filename=fn.filename,
            line=stmt.line,
            hint="build the value with a function that has a rule (np.concatenate, np.stack, "
            "np.linspace of constants, …; `np.r_[a, b]` and `np.c_[a, b]` written as such), "
            "or wrap it in s2s_ad.stop_gradient",
        )


def _copies(fn: Function) -> dict[str, Var | Free]:
    """`{target: value}` of the copies among `fn`'s statements (`R = np.r_`), found once per
    function (its statements are frozen; per indexing, the search was quadratic)."""
    found = fn.__dict__.get("_copies")
    if found is None:
        kinds = (Var, Free)
        found = {s.target: s.value for s in fn.assigns() if isinstance(s.value, kinds)}
        fn.__dict__["_copies"] = found
    return found


def _is_container(value: object) -> bool:
    """An array (of any library), list, tuple, dict or string: indexing reads elements."""
    kinds = (list, tuple, dict, str, np.generic)
    return isinstance(value, kinds) or hasattr(type(value), "__array_function__")


def _no_derivative(fn: Function, stmt: Assign, rule: Rule, slot: str) -> UnknownCalleeError:
    return UnknownCalleeError(
        f"`{rule.name}` has no derivative with respect to its argument `{slot}`, "
        "which depends on the differentiated input",
        filename=fn.filename,
        line=stmt.line,
        hint="make that argument a constant, or differentiate with respect to other inputs",
    )


def _mode_not_defined(fn: Function, stmt: Assign, rule: Rule, reverse: bool) -> UnknownCalleeError:
    given, missing = ("forward", "reverse") if reverse else ("reverse", "forward")
    define = "defvjp" if reverse else "defjvp"
    return UnknownCalleeError(
        f"`{rule.name}` has a user-defined rule for {given} mode only, and is differentiated "
        f"here in {missing} mode",
        filename=fn.filename,
        line=stmt.line,
        hint=f"give its {missing} rule too: s2s_ad.{define}({rule.name}, ...)",
    )
