"""Loops whose target nests tuples, or whose iterable nests `enumerate` and `zip`, for the
loop lowering (`loop_iteration.py` hands over the forms it does not take itself).

`for i, (a, b) in enumerate(zip(xs, ys))` iterates over one index, as the simple forms do:
`enumerate` and `zip` are taken apart statically (the index, and each sequence read at it),
so no list of tuples is built; any other iterable is indexed (`rt.sequence`), and an element
that is a tuple at run time is unpacked by item (`for (a, b), c in zip(pairs, cs)`).
Before → after (the top of the loop body):

    for i, (a, b) in enumerate(zip(xs, ys)):      for _i in range(min(len(xs), len(ys))):
                                                      i = _i; a = xs[_i]; b = ys[_i]
"""

from __future__ import annotations

import builtins
import functools
import operator

import gast

from .. import runtime
from .ir import Atom, Const, Index, Prim

# An element as the lowering knows it: a value (index → primitive), or a tuple of elements.
Element = object


class NestedTargets:
    """The mixin: `_nested_iteration` returns what `_loop_iteration` returns."""

    def _nested_iteration(self, stmt: gast.For, it: gast.expr):
        """(iterable, index name, [(name, index → value)]) for any `for` loop whose target
        is a name or nests tuples of names."""
        leaves = _leaf_names(stmt.target)
        if leaves is None:
            raise self._unsupported(
                "this form of `for` loop target",
                hint="name each element: `for i, (a, b) in enumerate(zip(xs, ys))`",
            )
        seqs, element = self._plan(it)
        bound: dict[str, Atom] = {}

        def value_of(name: str, index: Atom) -> Atom:
            """The value the element at `index` gives `name` (the whole target unpacked
            at the first name)."""
            if not bound:
                bound.update(self._unpack(stmt.target, element, index))
            return bound[name]

        # (a partial, not a lambda: `value_of` in the closure would refer to itself, and keep
        # the lowering from being freed until a cyclic collection)
        pairs = [(name, functools.partial(value_of, name)) for name in leaves]
        return self._range_over(seqs), self.namer.fresh("_i"), pairs

    def _plan(self, it: gast.expr) -> tuple[list[Atom], Element]:
        """(the sequences whose shortest bounds the loop, index → element)."""
        callee = self._loop_callee(it)
        plain = (
            callee is not None and it.args and not any(isinstance(a, gast.Starred) for a in it.args)
        )
        if callee is builtins.zip and plain and all(k.arg == "strict" for k in it.keywords):
            plans = [self._plan(arg) for arg in it.args]
            seqs, elements = [s for seqs, _ in plans for s in seqs], tuple(e for _, e in plans)
            if it.keywords:  # zip(…, strict=True): Python's error when the lengths differ
                strict = self._atom(it.keywords[0].value)
                counts = [self._atom_of(self._range_over(s)) for s, _ in plans]
                checked = Prim(runtime.zip_range, (strict, *counts), spelled=self._rt("zip_range"))
                seqs = [self._atom_of(checked)]
            return seqs, elements
        if callee is builtins.enumerate and plain:
            args = [*it.args, *(k.value for k in it.keywords if k.arg == "start")]
            if 1 <= len(args) <= 2 and all(k.arg == "start" for k in it.keywords):
                seqs, inner = self._plan(args[0])
                if len(args) == 1:
                    return seqs, (lambda index: index, inner)
                start = self._atom(args[1])
                return seqs, (lambda index: Prim(operator.add, (start, index)), inner)
        seq = self._sequence(it)
        return [seq], self._element(seq)

    def _unpack(self, target: gast.expr, element: Element, index: Atom) -> dict[str, Atom]:
        """{name: value} for a (nested) target bound to `element`, as Python unpacks: a
        tuple of parts known statically, or a value read item by item after checking it
        has as many items as the target names (`rt.exactly`)."""
        if isinstance(target, gast.Name):
            return {target.id: self._whole(element, index)}
        if isinstance(element, tuple):
            if len(element) != len(target.elts):
                raise self._unsupported(
                    f"unpacking {len(element)} values into {len(target.elts)} names",
                    hint="use as many names as there are values",
                )
            parts = element
        else:
            value = Prim(runtime.exactly, (self._whole(element, index), Const(len(target.elts))))
            whole = self._atom_of(Prim(value.fn, value.args, spelled=self._rt("exactly")))
            parts = [
                lambda _, k=k: Prim(operator.getitem, (whole, Index((Const(k),), False)))
                for k in range(len(target.elts))
            ]
        found: dict[str, Atom] = {}
        for elt, part in zip(target.elts, parts, strict=True):
            found.update(self._unpack(elt, part, index))
        return found

    def _whole(self, element: Element, index: Atom) -> Atom:
        """The value of `element` at `index`: a tuple value for a static tuple (`(i, x)`)."""
        if isinstance(element, tuple):
            return self.tuple_atom(tuple(self._whole(e, index) for e in element))
        return self._atom_of(element(index))


def _leaf_names(target: gast.expr) -> list[str] | None:
    if isinstance(target, gast.Name):
        return [target.id]
    if isinstance(target, gast.Tuple):
        names = [_leaf_names(e) for e in target.elts]
        return None if any(n is None for n in names) else [n for ns in names for n in ns]
    return None


def nests(target: gast.expr, it: gast.expr) -> bool:
    """Whether a loop needs `_nested_iteration`: a target with a tuple inside, or
    `enumerate`/`zip` of something other than their simple form (`for i, v in …`)."""
    if isinstance(target, gast.Tuple) and any(not isinstance(e, gast.Name) for e in target.elts):
        return True
    func = it.func if isinstance(it, gast.Call) else None
    if not isinstance(func, gast.Name) or func.id not in ("enumerate", "zip"):
        return False
    if func.id == "zip" and it.keywords:
        return True  # zip(xs, ys, strict=True)
    if not isinstance(target, gast.Tuple):
        return True  # `for pair in zip(xs, ys)`: the element is a tuple of elements
    inner = [a for a in it.args if isinstance(a, gast.Call) and isinstance(a.func, gast.Name)]
    return any(a.func.id in ("enumerate", "zip") for a in inner)
