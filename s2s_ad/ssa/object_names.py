"""Local names given a known object: `a, b = pair`, `enc = model.encoder`, `layer =
self.layers[0]`, then `a.forward(x)`.

The object a chain of attributes and literal indices names is known when the derivative is
made (held fixed: the object itself; differentiated: an example of its structure,
ssa/live_objects.py), so the local name is bound to it as the chain is: its methods are
inlined where called, and a differentiated object's data is read through its run-time atom.
Unpacking a known tuple or list that holds objects binds each target to its item, as
`pair[0]`, `pair[1]` would (Python reads the items in order; reads have no effect).

Before (`pair` a tuple of two layers, differentiated)::

    a, b = pair
    return b.forward(a.forward(x))

After (SSA)::

    _t1 = pair[0]
    _t2 = pair[1]
    _t3 = _t2.W        (b.forward inlined on a.forward's result, inlined first)
    ...
"""

from __future__ import annotations

import types

import gast

from ..callables import is_known_value
from ..errors import S2SError
from ..frontend import nodes
from ..frontend.scope import is_missing
from .callable_values import Known
from .function_values import Named
from .ir import Free
from .live_objects import followed


class ObjectNames:
    """The mixin: assignments whose value is a known object, or a sequence holding some."""

    def _bind_known_object(self, target: gast.expr, value: gast.expr) -> bool:
        """`target = value` where `value` names known objects: bound statically (True), or
        left to the ordinary lowering (False)."""
        if type(value) not in _NAMING:
            return False  # (a call, arithmetic: the common case, at once)
        if not all(_names(target) <= rebound for rebound in self.rebound_by_loops):
            return False  # a loop's name holds the object on some iterations only
        if isinstance(target, gast.Name):
            if isinstance(value, gast.Tuple) and any(self._names_objects(e) for e in value.elts):
                # `pair = (model.encoder, model.decoder)`: a static tuple of the bindings
                self.env[target.id] = tuple(self._item_binding(e) for e in value.elts)
                return True
            bound = self._object_binding(value) or self._sequence_binding(value)
            if bound is None:
                return False
            self.env[target.id] = bound
            return True
        if not isinstance(target, (gast.Tuple, gast.List)):
            return False
        if isinstance(value, (gast.Tuple, gast.List)):
            return self._bind_pairwise(target, value)
        static = self.env.get(value.id) if isinstance(value, gast.Name) else None
        if isinstance(static, tuple) and _holds_binding(static):  # `a, b = pair` of a
            return self._bind_static(target, static)  # `pair = (m.encoder, m.decoder)`
        owner = self._known_free(value)
        if owner is None or not _holds_sequence(owner.value):
            return False
        parts = _unpacked(target, len(owner.value))
        if parts is None:
            return False  # (the ordinary lowering reports a length that does not fit)
        for item_target, index in parts:
            if isinstance(item_target, gast.Starred):  # `first, *rest = layers`: a slice
                self._bind_rest(item_target.value, value, owner, index)
                continue
            item = gast.copy_location(
                gast.Subscript(value=value, slice=nodes.constant(index), ctx=gast.Load()), value
            )
            self._bind_item(item_target, item)
        return True

    def _bind_item(self, target: gast.expr, item: gast.expr) -> None:
        """One target of an unpacking given its item: an object's binding, or its value."""
        if not self._bind_known_object(target, item):
            self._bind_target(target, self._binding(item))

    def _bind_rest(self, target: gast.expr, value: gast.expr, owner: Free, part: slice) -> None:
        """`*rest` of a known list or tuple of objects (`owner`, which `value` names): the
        list of the items `part` takes, bound as the chain `value[part]` (its objects
        followed: `for layer in rest`)."""
        if not isinstance(target, gast.Name):
            raise self._unsupported(
                "a starred target other than a name, unpacking objects",
                hint="unpack into a name: `first, *rest = layers`",
            )
        bounds = [nodes.constant(b) if b is not None else None for b in (part.start, part.stop)]
        sliced = gast.Subscript(
            value=value, slice=gast.Slice(bounds[0], bounds[1], None), ctx=gast.Load()
        )
        sliced = gast.copy_location(sliced, value)
        spelled = f"{owner.source}[{part.start}:{'' if part.stop is None else part.stop}]"
        items = Free(spelled, list(owner.value[part]))
        atom = self._live(sliced) if self._live_root(value) else None
        self.env[target.id] = Known(items, atom=atom)

    def _refuse_joined_objects(self, name: str, envs: list[dict], live) -> None:
        """After an `if`: `name` given a differentiated object on some path is refused
        where it is read later (`live(name)`; its data is read on the path that bound it)."""
        # (a list, not a generator: asked of every name a branch binds, nested ifs included)
        if any([getattr(env.get(name), "atom", None) is not None for env in envs]) and live(name):
            raise self._unsupported(
                f"`{name}`, given an object the derivative is taken with respect to in a "
                "branch, read after the `if`",
                hint=f"call its methods inside each branch (`{name}.forward(x)` there), or "
                "choose by an index into a list of layers in a loop over them",
            )

    def _bind_pairwise(self, target: gast.Tuple | gast.List, value: gast.Tuple | gast.List):
        """`(a, b), c = pair, 2.0`: each target given its value, where one of them names
        known objects, and no value reads a name the targets bind (`a, b = b, a` reads
        both before either is bound)."""
        elements = (*target.elts, *value.elts)
        if len(target.elts) != len(value.elts) or any(
            isinstance(e, gast.Starred) for e in elements
        ):
            return False
        if not any(self._names_objects(v) for v in value.elts):
            return False
        read = {n.id for n in gast.walk(value) if isinstance(n, gast.Name)}
        if not read.isdisjoint(_names(target)):
            # `a, b = b, a`: every value read first, then bound, where each is a name
            if not all(isinstance(t, gast.Name) for t in target.elts):
                return False
            return self._bind_static(target, tuple(self._item_binding(v) for v in value.elts))
        for item_target, item in zip(target.elts, value.elts, strict=True):
            self._bind_item(item_target, item)
        return True

    def _bind_static(self, target: gast.expr, bound: object) -> bool:
        """`target` given the binding `bound` already made: an object's to a name, a static
        tuple's items to a tuple of targets of its length; any other by `_bind_target`."""
        if isinstance(target, gast.Name) and isinstance(bound, Named):
            self.env[target.id] = bound
            return True
        fits = isinstance(bound, tuple) and isinstance(target, (gast.Tuple, gast.List))
        if not fits or len(bound) != len(target.elts) or _starred(target):
            self._bind_target(target, bound)
            return True
        for item_target, item in zip(target.elts, bound, strict=True):
            self._bind_static(item_target, item)
        return True

    def _held_object(self, node: gast.expr) -> Named | None:
        """A global or closure object of your class with code, or a container of them,
        held fixed (`MODEL`, `PAIR[0]`, `cfg.layers`), as a helper given it is inlined with
        it known; None for anything else (a local value, a differentiated object, data)."""
        if isinstance(node, gast.Name):
            if node.id in self.env or node.id in self.locals:
                return None
            value = self.scope.lookup(node.id)
            if is_missing(value) or not is_known_value(value):
                return None
            self.scope.reads[node.id] = value  # (rebinding the name makes a new derivative)
            return Named(Free(node.id, value))
        if not isinstance(node, (gast.Attribute, gast.Subscript)) or self._live_root(node):
            return None
        chain = self._chain_if_known(node)
        return Named(chain) if chain is not None and is_known_value(chain.value) else None

    def _chain_if_known(self, node: gast.expr) -> Free | None:
        """`_known_chain`, or None where it names nothing when the derivative is made
        (`LOG[-1]` of a list still empty: data read at run time, as any other)."""
        try:
            chain = self._known_chain(node)
            if chain is None and isinstance(node, gast.Attribute) and self._free_root(node):
                chain = self._known_chain(node, free_root=True)  # `CFG.model`, watched
            return chain
        except S2SError:
            return None

    def _free_root(self, node: gast.expr) -> bool:
        """Whether the chain `node` starts at a global or closure name (of the user's)."""
        while isinstance(node, (gast.Attribute, gast.Subscript)):
            node = node.value
        if not isinstance(node, gast.Name) or node.id in self.env or node.id in self.locals:
            return False
        root = self.scope.lookup(node.id)  # (not s2s_ad's runtime: `rt.unbound._t2`)
        return not (isinstance(root, types.ModuleType) and root.__name__.startswith("s2s_ad"))

    def _item_binding(self, node: gast.expr) -> object:
        """A display's item: the object it names, or its value (an atom, a tuple)."""
        return self._object_binding(node) or self._binding(node)

    def _sequence_binding(self, node: gast.expr) -> Known | None:
        """`layers = model.layers`: a known list or tuple holding objects, bound as the
        chain is (`layers[0]`, `for layer in layers` then follow its objects)."""
        return self._chain_binding(node, _holds_sequence)

    def _chain_binding(self, node: gast.expr, accepts) -> Known | None:
        """The binding of what a chain of attributes and literal indices names, where
        `accepts` takes its value: a differentiated object's example with its run-time
        atom, or the value held fixed; None for anything else."""
        if not isinstance(node, (gast.Attribute, gast.Subscript)):
            return None
        if self._live_root(node):
            owner = self._live_record(node)
            if owner is None or not accepts(owner.value):
                return None
            return Known(owner, atom=self._live(node))
        chain = self._chain_if_known(node)
        return Known(chain) if chain is not None and accepts(chain.value) else None

    def _names_objects(self, node: gast.expr) -> bool:
        """Whether `node` names known objects: one, a known sequence holding some, or a
        display of such (`(first, second)`)."""
        if isinstance(node, (gast.Tuple, gast.List)):
            return any(self._names_objects(e) for e in node.elts)
        if self._object_binding(node) is not None:
            return True
        known = self._known_free(node)
        return known is not None and _holds_sequence(known.value)

    def _object_binding(self, node: gast.expr) -> Known | None:
        """The binding of the known object of the user's class `node` names (a chain from a
        known or differentiated object, or a local name already bound to one), else None."""
        if isinstance(node, gast.Name):
            bound = self.env.get(node.id)
            known = isinstance(bound, Named) and followed(bound.free.value)
            return bound if known else None
        return self._chain_binding(node, followed)

    def _known_free(self, node: gast.expr) -> Free | None:
        """The known value (an example, for a differentiated one) a name or a chain names,
        with how the code spells it; None for any other."""
        if isinstance(node, gast.Name):  # (`q, p = PAIR`: a global tuple of models too)
            bound = self._held_object(node) or self.env.get(node.id)
            return bound.free if isinstance(bound, Named) else None
        if isinstance(node, (gast.Attribute, gast.Subscript)):
            return self._chain_if_known(node)
        return None


# the values that may name objects: a name, a chain, a display of them
_NAMING = frozenset((gast.Name, gast.Attribute, gast.Subscript, gast.Tuple, gast.List))


def _names(target: gast.expr) -> set[str]:
    """The names an assignment target binds."""
    if isinstance(target, gast.Name):
        return {target.id}
    if isinstance(target, (gast.Tuple, gast.List)):
        return set().union(*(_names(t) for t in target.elts))
    if isinstance(target, gast.Starred):
        return _names(target.value)
    return set()


def _unpacked(target: gast.Tuple | gast.List, length: int) -> list | None:
    """(target, index) for each target unpacking a sequence of `length` items, a starred
    one given the slice of the items it takes; None where the targets do not fit."""
    elts = target.elts
    starred = [i for i, t in enumerate(elts) if isinstance(t, gast.Starred)]
    if not starred:
        return list(zip(elts, range(length), strict=True)) if len(elts) == length else None
    if len(starred) > 1 or len(elts) - 1 > length:
        return None
    at, after = starred[0], len(elts) - 1 - starred[0]
    stop = length - after
    indices = [*range(at), slice(at, stop), *range(stop, length)]
    return list(zip(elts, indices, strict=True))


def _starred(target: gast.Tuple | gast.List) -> bool:
    return any(isinstance(t, gast.Starred) for t in target.elts)


def _holds_binding(items: tuple) -> bool:
    """Whether a static tuple holds an object's binding (at any depth)."""
    return any(
        isinstance(item, Named) or (isinstance(item, tuple) and _holds_binding(item))
        for item in items
    )


def _holds_sequence(value: object) -> bool:
    """Whether `value` is a tuple or list holding an object of the user's class."""
    return isinstance(value, (tuple, list)) and _holds_object(value)


def _holds_object(items: tuple | list) -> bool:
    """Whether some item of `items` is an object of the user's class (methods to inline)."""
    return any(
        followed(item) or (isinstance(item, (tuple, list)) and _holds_object(item))
        for item in items
    )
