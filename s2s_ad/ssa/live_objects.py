"""Differentiating with respect to an object whose methods are called (Equinox-style
modules): `def loss(model, x): return model(x)` with `model` differentiated.

Before lowering, a differentiated parameter whose structure holds code (an object of a user
class with methods, a function among its leaves: `pytrees.TreeDef` records both) is bound to
`Known(Free(name, example), atom=Var(name))`: the EXAMPLE (`pytrees.example`, rebuilt from the
structure, so any value of that structure makes the same derivative) says which code runs —
`model(x)` is `type(model).__call__`, `self.act(h)` the function held, `for layer in
self.layers` unrolled to the list's length — while data is read from the run-time value
through the atom (`getattr` / `getitem` primitives of ssa/records.py), so derivatives flow.

Before (`model` differentiated, `def __call__(self, x): return np.tanh(self.W @ x)`)::

    return model(x)

After (SSA)::

    _t1 = model.W
    _t2 = _t1 @ x
    _t3 = np.tanh(_t2)
"""

from __future__ import annotations

import ast
import inspect
import types

import gast

from .. import pytrees
from ..callables import is_known_value
from ..frontend.nodes import root
from .callable_values import Known, is_user_object
from .entry_kinds import LIVE_CLASSES
from .function_values import is_function_value
from .ir import Atom, Free


def holds_code(value: object) -> bool:
    """`value` (an example) is, or holds, an object with methods or a function."""
    at = pytrees.node(value)
    if at is None:
        return is_known_value(value)
    if is_known_value(value):
        return True
    return any(holds_code(c) for c in pytrees.children(value, at))


def holds_array_named_field(value: object) -> bool:
    """`value` (an example) is, or holds, a record with a field named like an array
    attribute (`d.T`, `p.shape`): only its example tells the lowering that `d.T` reads the
    field, not the transpose of `d`."""
    from .lower_expr import ARRAY_ATTRIBUTES  # (lower_expr.py imports this module's users)

    at = pytrees.node(value)
    if at is None:
        return False
    if at.kind in _RECORDS and any(_is_field(at, name) for name in ARRAY_ATTRIBUTES):
        return True
    return any(holds_array_named_field(c) for c in pytrees.children(value, at))


def _is_field(at: pytrees.Node, name: str) -> bool:
    """Whether a record of node `at` has the attribute `name`: a field, or its class's
    (`class Thermostat: T = 0.5`, read through the object, held fixed)."""
    return name in at.keys or (at.kind != "namedtuple" and hasattr(at.type, name))


_RECORDS = ("namedtuple", "dataclass", "object")


def followed(value: object) -> bool:
    """An object whose code is inlined, or a record with a field named like an array
    attribute: a local name or loop variable given one is bound to it when the derivative
    is made (ssa/object_names.py, ssa/known_loops.py), so `a.size` reads the field."""
    if is_user_object(value):
        return True
    at = pytrees.node(value)
    return at is not None and at.kind in _RECORDS and holds_array_named_field(value)


def live_examples(trees: dict) -> dict:
    """{parameter: example} for the structured parameters holding code, or a field named
    like an array attribute."""
    examples = {name: pytrees.example(tree) for name, tree in trees.items()}
    return {
        name: ex for name, ex in examples.items() if holds_code(ex) or holds_array_named_field(ex)
    }


def bind_live_parameters(lowering: object, examples: dict) -> None:
    """Each of `examples`' parameters bound to its example, read through its atom; the
    classes of those that are objects of user classes noted (ssa/entry_kinds.py)."""
    classes = lowering.__dict__.setdefault(LIVE_CLASSES, {})
    for name, value in examples.items():
        atom = lowering.env[name]
        lowering.env[name] = Known(Free(name, value), atom=atom)
        if is_user_object(value):
            classes[atom.name] = lowering._note_operator_class(type(value))


class LiveObjects:
    """The mixin: chains rooted at a differentiated object (a `Known` with an atom)."""

    def _live_root(self, node: gast.expr) -> bool:
        bound = self.env.get(root(node) or "")
        return isinstance(bound, Known) and bound.atom is not None

    def _live(self, node: gast.expr) -> Atom | None:
        """The run-time value `node` names when its root is a differentiated object, read
        through getattr / getitem (so it has a derivative); None for any other root."""
        if not self._live_root(node):
            return None
        if isinstance(node, gast.Name):
            return self.env[node.id].atom
        return self._atom(node)

    def _live_code(self, node: gast.Attribute):
        """`self.act` of a differentiated `self`: the function it holds (code, known from the
        example); a property's value, its getter inlined on the run-time value; None for data
        (read through the atom: ssa/records.py)."""
        getter = self._live_property(node)
        if getter is not None:
            return getter
        if self._through_property(node.value):
            return None  # `self.weight.T`: data computed by a property, read through the atom
        chain = self._known_chain(node)
        if chain is None or is_user_object(chain.value) or not is_function_value(chain.value):
            return None
        if isinstance(chain.value, types.MethodType) and is_user_object(chain.value.__self__):
            raise self._unsupported(
                f"`{ast.unparse(gast.gast_to_ast(node))}`, a method of an object the derivative "
                "is taken with respect to, used as a value",
                hint="call the method where it is used: `self.forward(x)`",
            )
        return chain

    def _live_field(self, node: gast.Attribute) -> bool:
        """`d.T` where `d` names a record (of a differentiated structure) with a field `T`,
        or whose class has one: the field, not the array attribute of that name."""
        owner = self._live_record(node.value)
        at = pytrees.node(owner.value) if owner is not None else None
        return at is not None and at.kind in _RECORDS and _is_field(at, node.attr)

    def _live_record(self, node: gast.expr) -> Free | None:
        """The example `node` names, when it is a differentiated record or a chain of one
        (a NamedTuple, a `SimpleNamespace` too: records with no code of their own)."""
        if not self._live_root(node) or self._through_property(node):
            return None
        if isinstance(node, gast.Name):
            return self.env[node.id].free
        return self._known_chain(node)

    def _live_property(self, node: gast.Attribute):
        """`m.weight`, a property of a differentiated object's class: a call of its getter
        with `m` bound to the run-time value (the example's data are placeholders, never
        given to user code)."""
        owner = self._live_owner(node.value)
        if owner is None:
            return None
        found = inspect.getattr_static(type(owner.value), node.attr, None)
        if not isinstance(found, property) or found.fget is None:
            return None
        bound = Known(owner, atom=self._live(node.value))
        getter = Free(f"type({owner.source}).{node.attr}.fget", found.fget)
        return self._call_known(getter, (bound,), ())

    def _live_owner(self, node: gast.expr) -> Free | None:
        """The example `node` names, when it is a differentiated object or a chain of one."""
        found = self._live_record(node)
        if found is None or isinstance(node, gast.Name):
            return found
        return found if is_user_object(found.value) else None

    def _through_property(self, node: gast.expr) -> bool:
        """Whether a step of the chain `node` reads a property (computed, not stored)."""
        while isinstance(node, (gast.Attribute, gast.Subscript)):
            if isinstance(node, gast.Attribute):
                owner = self._live_owner(node.value)
                found = (
                    inspect.getattr_static(type(owner.value), node.attr, None) if owner else None
                )
                if isinstance(found, property):
                    return True
            node = node.value
        return False
