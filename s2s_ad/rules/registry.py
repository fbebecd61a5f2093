"""The rule registry: for each primitive, its tangent and adjoint as expression templates.

A template is Python source over placeholder names: the rule's parameter names (`x`, `y`),
its keyword names (`axis`), `ans` (the primitive's result), `d` (the incoming tangent in a
JVP, or cotangent in a VJP), and the module aliases `np`, `math`, `rt` (the runtime) and `M`
(`np` or `math`, whichever family the rule belongs to). Each template is linear in `d`.

For an elementwise primitive the Jacobian is diagonal, so one template per parameter serves
both modes: `sin: d * M.cos(x)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..ssa.ir import Atom, Const, Prim

SAME_CALL = "<same call with the tangent in place of this argument>"  # linear in that argument


@dataclass(frozen=True)
class Site:
    """One call of a primitive: its operands bound to the rule's parameter and keyword names."""

    params: dict[str, Atom]
    keywords: dict[str, Atom]

    def const(self, name: str, default: object = None) -> object:
        """The literal value of a parameter or keyword, `default` when absent or not literal."""
        atom = self.params.get(name, self.keywords.get(name))
        return atom.value if isinstance(atom, Const) else default

    def is_const(self, name: str) -> bool:
        return isinstance(self.params.get(name, self.keywords.get(name)), Const)


Template = str | Callable[[Site], str] | None


@dataclass(frozen=True)
class Rule:
    """How one primitive differentiates.

    `jvp[i]` / `vjp[i]` is the contribution through parameter `i` (None: no derivative flows
    through it). `unbroadcast` sums VJP contributions back to the parameter's shape.
    `keywords` are the further arguments (positional or keyword) with their defaults.
    """

    name: str
    params: tuple[str, ...]
    jvp: tuple[Template, ...]
    vjp: tuple[Template, ...]
    keywords: tuple[tuple[str, object], ...] = ()
    unbroadcast: bool = False
    family: str = "np"
    nondiff: bool = False

    def bind(self, prim: Prim) -> Site | None:
        """Map the call's operands to parameter and keyword names; None if they do not fit."""
        names = list(self.params) + [k for k, _ in self.keywords]
        if len(prim.args) > len(names):
            return None
        params: dict[str, Atom] = {}
        keywords: dict[str, Atom] = {}
        for name, atom in [*zip(names, prim.args, strict=False), *prim.kwargs]:
            if name in self.params:
                params[name] = atom
            else:
                keywords[name] = atom
        if len(params) != len(self.params):
            return None
        for name, default in self.keywords:
            keywords.setdefault(name, Const(default))
        return Site(params, keywords)


REGISTRY: dict[object, Rule] = {}


def register(fn: object, rule: Rule) -> None:
    """Make `rule` the derivative of `fn` (an operator, ufunc, or any callable)."""
    REGISTRY[fn] = rule


def lookup(fn: object) -> Rule | None:
    try:
        return REGISTRY.get(fn)
    except TypeError:  # unhashable callee
        return None


def elementwise(name: str, params: tuple[str, ...], *partials: Template, family="np") -> Rule:
    """A rule whose Jacobian is diagonal: the same template is the JVP and the VJP."""
    return Rule(
        name,
        params,
        jvp=partials,
        vjp=partials,
        unbroadcast=len(params) > 1,
        family=family,
    )


def nondifferentiable(name: str) -> Rule:
    """A rule for a function whose output carries no derivative (shapes, rounding, tests)."""
    return Rule(name, (), jvp=(), vjp=(), nondiff=True)
