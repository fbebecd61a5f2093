"""The rule registry: for each primitive, its tangent and adjoint as expression templates.

A template is Python source over placeholder names: the rule's parameter names (`x`, `y`),
its keyword names (`axis`), `ans` (the primitive's result), `d` (the incoming tangent in a
JVP, or cotangent in a VJP), and the module aliases `np`, `math`, `rt` (the runtime) and `M`
(`np` or `math`, whichever family the rule belongs to). Each template is linear in `d`.

For an elementwise primitive the Jacobian is diagonal, so one template per parameter serves
both modes: `sin: d * M.cos(x)`.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from ..ssa.ir import Atom, Const, Prim

SAME_CALL = "<same call with the tangent in place of this argument>"  # linear in that argument
REQUIRED = "<a keyword argument without a default>"
NOT_DEFINED = "<a user rule not given for this mode>"


@dataclass(frozen=True)
class Site:
    """One call of a primitive: its operands bound to the rule's parameter and keyword names."""

    params: dict[str, Atom]
    keywords: dict[str, Atom]
    # the shapes known statically (a derivative specialised to argument shapes), by parameter
    # or keyword name, and `ans` for the result
    shapes: dict[str, tuple] = field(default_factory=dict)
    # the shapes that hold for every argument (ad/known_shapes.py: a tuple, or `Like(name)`
    # for the shape of another value; `shapes` where the derivative is specialised): only
    # compared, to leave out `rt.unbroadcast` and `rt.along`
    known: dict[str, object] = field(default_factory=dict)
    # the parameter names whose operands are known to be numbers or arrays, not sequences
    numbers: frozenset[str] = frozenset()
    # the dtype facts (ad/dtypes.py) of operands and `ans`, in code specialised to dtypes
    # (None: code for any dtypes)
    dtypes: dict[str, tuple] | None = None

    def __init__(
        self,
        params: dict[str, Atom],
        keywords: dict[str, Atom],
        shapes: dict[str, tuple] | None = None,
        known: dict[str, object] | None = None,
        numbers: frozenset[str] = frozenset(),
        dtypes: dict[str, tuple] | None = None,
    ) -> None:
        # the fields set directly (the generated `__init__` of a frozen dataclass sets each
        # through `object.__setattr__`, three times slower: two sites per differentiated
        # statement); shapes and known facts absent: empty, as their default factories made
        fields = self.__dict__
        fields["params"] = params
        fields["keywords"] = keywords
        fields["shapes"] = {} if shapes is None else shapes
        fields["known"] = {} if known is None else known
        fields["numbers"] = numbers
        fields["dtypes"] = dtypes

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
    `positional` is the order of positional arguments when it is not params then keywords
    (`np.where(condition, x, y)`). `references` binds further template names to objects the
    generated code calls (a user's own derivative functions): (name in template, object,
    preferred name in generated code). `selectors` are keywords through which, by policy,
    no derivative flows even when they depend on the input: they only pick or shape (the
    condition of `np.where`, the array whose shape `np.full_like` copies). A `variadic`
    rule may be called with only its first parameters (`np.einsum` of 1 to 4 operands).
    `literals` are keywords that must be written as literals: the templates depend on them.

    Vector (multi-direction) tangent mode gives every tangent a leading direction axis. A
    `diagonal` (elementwise) rule's JVP templates work there as they are; `batched` gives
    JVP templates written for that leading axis; any other rule's JVP is applied to each
    direction in turn (`rt.per_direction`).
    """

    name: str
    params: tuple[str, ...]
    jvp: tuple[Template, ...]
    vjp: tuple[Template, ...]
    keywords: tuple[tuple[str, object], ...] = ()
    unbroadcast: bool = False
    family: str = "np"
    nondiff: bool = False
    positional: tuple[str, ...] = ()
    references: tuple[tuple[str, object, str], ...] = ()
    selectors: tuple[str, ...] = ()
    variadic: bool = False
    diagonal: bool = False
    batched: tuple[Template, ...] = ()
    literals: tuple[str, ...] = ()  # keywords whose value the templates read (`return_sign`)
    arrays: bool = False  # reads a known list or tuple as one array (ssa/lower_expr.py)
    # the tangent when every parameter is active, one template of all their tangents (`d0`,
    # `d1`, … in parameter order), in both tangent modes: for a function linear in its
    # operands jointly (a list's structure), where the sum of the per-operand templates
    # builds the same value at more cost: `rt.append(d0, d1)`, the tangent of `[*xs, v]`,
    # where `append(xs_dot, zeros) + append(zeros, v_dot)` made and added zeros item by item
    joint: str = ""
    # the library's other names of parameters, given by keyword: (its name, the rule's)
    # (`np.clip(x, min=0.0)`, NumPy 2.1's names, and `x.clip(min=…)`'s)
    aliases: tuple[tuple[str, str], ...] = ()
    # parameters a call may leave out, bound to None then (`np.clip(x, a_max=1.0)`)
    optional: tuple[str, ...] = ()
    # what the rule does not cover of a call it binds, said (`assume_a="banded"`), or None
    unsupported: Callable[[Site], str | None] | None = None

    def positions(self) -> list[str]:
        """Parameter and keyword names in the order positional arguments fill them."""
        return list(self.positional or [*self.params, *(k for k, _ in self.keywords)])

    def given(self, prim: Prim) -> dict[str, Atom] | None:
        """The call's operands by parameter or keyword name, as Python binds them; None when
        there are too many, or a keyword is unknown or given twice (SciPy's `scipy.stats`
        rules bind their optional trailing parameters from this)."""
        names = self.positions()
        if len(prim.args) > len(names):
            return None
        given = dict(zip(names, prim.args, strict=False))
        for name, atom in self._renamed(prim.kwargs) if self.aliases else prim.kwargs:
            if name in given or name not in names:
                return None
            given[name] = atom
        return given

    def _renamed(self, kwargs: tuple) -> tuple:
        """The call's keywords, an alias given (`min=`) by the rule's name (`a_min=`)."""
        other = dict(self.aliases)
        return tuple((other.get(name, name), atom) for name, atom in kwargs)

    @cached_property
    def _names(self) -> tuple[tuple[str, ...], frozenset[str], frozenset[str], tuple]:
        """(`positions()`, every name a call may give, the parameters' names, each keyword
        with the operand a call leaving it out binds, None where it is required): what
        `bind` reads of every call, found once (a rule never changes; a literal is frozen, so
        each site may share its default's)."""
        names = tuple(self.positions())
        known = {*names, *self.params, *(k for k, _ in self.keywords)}
        defaults = tuple((k, None if d is REQUIRED else Const(d)) for k, d in self.keywords)
        everything = frozenset(known | {a for a, _ in self.aliases})
        return names, everything, frozenset(self.params), defaults

    @property
    def names(self) -> frozenset[str]:
        """Every parameter and keyword name a call may give."""
        return self._names[1]

    def bind(self, prim: Prim) -> Site | None:
        """Map the call's operands to parameter and keyword names; None if they do not fit."""
        names, known, parameters, defaults = self._names
        if len(prim.args) > len(names):
            return None
        params: dict[str, Atom] = {}
        keywords: dict[str, Atom] = {}
        kwargs = self._renamed(prim.kwargs) if self.aliases else prim.kwargs
        for given in (zip(names, prim.args, strict=False), kwargs):
            for name, atom in given:
                if name not in known:  # a keyword the rule does not know could change it
                    return None
                if name in parameters:
                    params[name] = atom
                else:
                    keywords[name] = atom
        for name in self.optional:
            if name not in params:
                params[name] = Const(None)
        if len(params) != len(self.params) and set(params) != set(self.params[: len(params)]):
            return None
        if len(params) < len(self.params) and not (self.variadic and params):
            return None
        for name, default in defaults:
            if name not in keywords:
                if default is None:  # required
                    return None
                keywords[name] = default
        if self.literals and any(not isinstance(keywords[n], Const) for n in self.literals):
            return None
        return Site(params, keywords)


REGISTRY: dict[object, Rule] = {}
CATEGORY: dict[object, str] = {}  # fn → the kind of rule: "reductions", "linalg", "user", …


# NumPy functions of these kinds read a list or tuple operand as one array (`np.ravel([[a,
# b], [c, d]])`), so the lowering converts a known one first and their rules see an array
# and lay out its tangent as one (directions first in vector mode); the joining functions
# (`np.stack`, `np.concatenate`, …) and `np.select` read a list of separate arrays instead
ARRAY_READERS = {"shapes", "selection", "linalg", "tail", "indexing", "reductions"}
READS_ITEMS = {"np.select", "np.linalg.multi_dot"}


def register(fn: object, rule: Rule, category: str = "user") -> None:
    """Make `rule` the derivative of `fn` (an operator, ufunc, or any callable)."""
    if category in ARRAY_READERS and rule.name.startswith("np.") and rule.name not in READS_ITEMS:
        rule = replace(rule, arrays=True)
    REGISTRY[fn] = rule
    CATEGORY[fn] = category


def rules_by_category() -> dict[str, list[str]]:
    """Rule names grouped by category (optional libraries' rules once they are loaded)."""
    _load_optional_rules()
    groups: dict[str, list[str]] = {}
    for fn, rule in REGISTRY.items():
        groups.setdefault(CATEGORY[fn], []).append(rule.name)
    return {category: sorted(names) for category, names in sorted(groups.items())}


def registrar(category: str) -> Callable[[object, Rule], None]:
    """`register` for one rule module: `register = registrar("reductions")`."""
    return lambda fn, rule: register(fn, rule, category)


def lookup(fn: object) -> Rule | None:
    try:
        rule = REGISTRY.get(fn)
    except TypeError:  # unhashable callee
        return None
    if rule is None and (_load_optional_rules() or (fn in _NEEDS and _load_rules_needing(fn))):
        rule = REGISTRY.get(fn)
    return rule


# library module: our rule module for it
_OPTIONAL = {
    "scipy.special": "special",
    "scipy.stats": "stats",
    "scipy.signal": "scipy_signal",
    "scipy.linalg": "scipy_linalg",
}
_loaded: set[str] = set()
_unloaded = set(_OPTIONAL)  # those whose rules are not registered yet
# functions of always-present modules whose derivatives call an optional library: `math`'s
# gamma functions differentiate to `scipy.special.digamma`
_NEEDS = {math.lgamma: "scipy.special", math.gamma: "scipy.special"}


def _load_optional_rules() -> bool:
    """Register rules for optional libraries the user has imported (never imported here
    first, so `import s2s_ad` stays cheap). True if new rules were registered.

    Asked on every lookup of a function with no rule (each call of a user's helper): the
    modules are imported at the top, not here (two `import` statements were most of it)."""
    modules = sys.modules
    if modules.keys().isdisjoint(_unloaded):  # (most calls: a few lookups in C, no list;
        # a dict's keys check the smaller set's items, not the modules, for one in them)
        return False
    new = [m for m in _OPTIONAL if m in modules and m not in _loaded]
    for module in new:
        _loaded.add(module)
        _unloaded.discard(module)
        importlib.import_module(f"{__package__}.{_OPTIONAL[module]}")
    return bool(new)


def _load_rules_needing(fn: object) -> bool:
    """Import the optional library `fn`'s rule needs (if installed), registering its rules."""
    needed = _NEEDS.get(fn)
    if needed is None or needed in _loaded:
        return False
    try:
        importlib.import_module(needed)
    except ImportError:  # not installed: no rule, the usual located error
        return False
    return _load_optional_rules()


def elementwise(name: str, params: tuple[str, ...], *partials: Template, family="np") -> Rule:
    """A rule whose Jacobian is diagonal: the same template is the JVP and the VJP."""
    return Rule(
        name,
        params,
        jvp=partials,
        vjp=partials,
        unbroadcast=len(params) > 1,
        family=family,
        diagonal=True,
        arrays=family == "np",
    )


def nondifferentiable(name: str) -> Rule:
    """A rule for a function whose output carries no derivative (shapes, rounding, tests)."""
    return Rule(name, (), jvp=(), vjp=(), nondiff=True)
