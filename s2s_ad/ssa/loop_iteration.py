"""What a `for` loop iterates over, for the statement lowering (`lower.py`).

`for i in range(n)` iterates as written; `for v in xs`, `enumerate(xs)`, `zip(xs, ys)` and
`reversed(xs)` (the tapes of generated derivative code) iterate over an index, so reverse
mode knows where each element went; a tuple target unpacks each element. What is not a
sequence (a dict, a set, an iterator) is listed first (`rt.sequence`), so the loop sees the
items Python's iteration gives.

Before: `for a, b in reversed(tape):`. After: `for _i in range(len(tape)):` with
`_item = tape[len(tape) - 1 - _i]; a = _item[0]; b = _item[1]` at the top of the body.
"""

from __future__ import annotations

import builtins
import operator

import gast

from .. import runtime
from ..custom import checkpoint
from .ir import Atom, Const, Index, Prim, Var
from .names import tuple_of_names
from .nested_targets import nests


class LoopIteration:
    """Loop heads: a mixin of the lowering (it uses the expression lowering's helpers)."""

    def _checkpointed(self, it: gast.expr) -> tuple[gast.expr, Atom | None]:
        """(what the loop iterates over, `every`) for `checkpoint(iterable, every)`; else
        (`it`, None)."""
        if self._loop_callee(it) is not checkpoint:
            return it, None
        args = [*it.args, *(k.value for k in it.keywords if k.arg == "every")]
        others = [k.arg for k in it.keywords if k.arg != "every"]
        if not 1 <= len(args) <= 2 or others or isinstance(args[0], gast.Starred):
            raise self._unsupported(
                "this call of `checkpoint`",
                hint="write `for item in s2s_ad.checkpoint(iterable)` or "
                "`s2s_ad.checkpoint(iterable, every=k)`",
            )
        every = self._atom(args[1]) if len(args) == 2 else Const(None)
        return args[0], every

    def _loop_iteration(self, stmt: gast.For, it: gast.expr):
        """(iterable, target name, [(element name, index → element)]) for a `for` loop.

        `for i in range(n)` iterates as written; `for v in xs`, `enumerate(xs)` and
        `zip(xs, ys)` iterate over an index, so reverse mode knows where each element went.
        """
        target = stmt.target
        over_dict = self._dict_loop(stmt, it)  # `for k, v in d.items()`: ssa/dicts.py
        if over_dict is not None:
            return over_dict
        callee = self._loop_callee(it)
        if callee is builtins.range and isinstance(target, gast.Name):
            return self._expr(it), target.id, []
        if nests(target, it):  # `for i, (a, b) in enumerate(zip(xs, ys))`: nested_targets.py
            return self._nested_iteration(stmt, it)
        if callee is builtins.enumerate:
            return self._enumerated(it, target)
        if callee is builtins.zip:
            if it.keywords or not tuple_of_names(target, len(it.args)):
                raise self._unsupported(
                    "this form of loop over `zip`",
                    hint="name each element: `for a, b in zip(xs, ys)`, without keywords",
                )
            seqs = [self._sequence(a) for a in it.args]
            pairs = [(e.id, self._element(s)) for e, s in zip(target.elts, seqs, strict=True)]
            return self._range_over(seqs), self.namer.fresh("_i"), pairs
        if callee is builtins.reversed and len(it.args) == 1:  # a tape, replayed backwards
            arg = it.args[0]
            local = isinstance(arg, gast.Name) and arg.id in self.locals  # a list or array
            seq = self._atom(arg) if local else self._sequence(arg)
            return (
                self._range_over([seq]),
                self.namer.fresh("_i"),
                self._unpacked(target, self._element(seq, backwards=True)),
            )
        if isinstance(target, gast.Name) or (
            isinstance(target, gast.Tuple) and tuple_of_names(target, len(target.elts))
        ):
            seq = self._sequence(it)
            return (
                self._range_over([seq]),
                self.namer.fresh("_i"),
                self._unpacked(target, self._element(seq)),
            )
        return self._nested_iteration(stmt, it)  # a nested target: ssa/nested_targets.py

    def _enumerated(self, it: gast.Call, target: gast.expr):
        """`for i, v in enumerate(xs, start)`: an index of its own, `i = start + index`."""
        args = [*it.args, *(k.value for k in it.keywords if k.arg == "start")]
        others = [k.arg for k in it.keywords if k.arg != "start"]
        if not tuple_of_names(target, 2) or not 1 <= len(args) <= 2 or others:
            raise self._unsupported(
                "this form of loop over `enumerate`",
                hint="name the index and the element: `for i, v in enumerate(xs)` or "
                "`enumerate(xs, start)`",
            )
        index, name = (e.id for e in target.elts)
        seq = self._sequence(args[0])
        elements = [(name, self._element(seq))]
        if len(args) == 1:
            return self._range_over([seq]), index, elements
        start = self._atom(args[1])
        counted = (index, lambda k: Prim(operator.add, (start, k)))
        return self._range_over([seq]), self.namer.fresh("_i"), [counted, *elements]

    def _sequence(self, node: gast.expr) -> Atom:
        """What the loop indexes: `node`'s value, or its items in a list when it is not a
        sequence (`rt.sequence`): a dict iterates over its keys, not `d[0], d[1], …`."""
        self.consume(node)  # `for x in map(f, xs)`: an iterator, consumed (ssa/builtins.py)
        seq = self._atom(node)
        if isinstance(seq, Var):
            self.sequences_made.append(seq)  # updated in the loop? ssa/aliasing.py
        if self.kind_of(seq) == "dict":  # its keys, which carry no derivative
            self.sequences_made.pop()  # assigning an entry leaves the keys as they are
            return self._atom_of(Prim(runtime.dict_keys, (seq,), spelled=self._rt("dict_keys")))
        return self._atom_of(Prim(runtime.sequence, (seq,), spelled=self._rt("sequence")))

    def _iterated_values(self, node: gast.expr) -> list[Var]:
        """The local values a `for` loop's iterable reads its elements from: `a` of
        `enumerate(a)`, `zip(a[1:], w)`, `reversed(a.T)` (an update of them in the loop
        changes what Python's iteration yields)."""
        if isinstance(node, gast.Call):
            if self._loop_callee(node) in (builtins.enumerate, builtins.zip, builtins.reversed):
                return [v for arg in node.args for v in self._iterated_values(arg)]
            return []
        while isinstance(node, gast.Subscript) or (
            isinstance(node, gast.Attribute) and node.attr in ("T", "real", "imag", "flat")
        ):
            node = node.value
        bound = self.env.get(node.id) if isinstance(node, gast.Name) else None
        if isinstance(bound, Var) and self.kind_of(bound) != "dict":  # a dict's keys: a copy
            return [bound]
        return []

    def _enumerate_index(self, stmt: gast.For, it: gast.expr) -> str | None:
        """`i` of `for i, v in enumerate(a)` (or of `enumerate(zip(a, w))`), `a` and `w`
        names, when the body never rebinds `i`: an update `a[i] = …` changes only the
        element this iteration already read, which Python's loop never reaches again."""
        if not (
            isinstance(it, gast.Call)
            and self._loop_callee(it) is builtins.enumerate
            and len(it.args) == 1
            and not it.keywords
            and isinstance(stmt.target, gast.Tuple)
            and isinstance(stmt.target.elts[0], gast.Name)
        ):
            return None
        arg = it.args[0]
        if isinstance(arg, gast.Call) and self._loop_callee(arg) is builtins.zip:
            leaves = arg.args
        else:
            leaves = [arg]
        if not all(isinstance(leaf, gast.Name) for leaf in leaves):
            return None
        index = stmt.target.elts[0].id
        return None if index in self._stored_in(stmt) else index  # ssa/aliasing.py, cached

    def _loop_callee(self, it: gast.expr) -> object:
        if isinstance(it, gast.Call) and not self._is_local_chain(it.func):
            return self._free_chain(it.func).value
        return None

    def _range_over(self, seqs: list[Atom]) -> Prim:
        lengths = [self._atom_of(self._builtin_prim(builtins.len, (s,))) for s in seqs]
        if len(lengths) > 1:
            lengths = [self._atom_of(self._builtin_prim(builtins.min, tuple(lengths)))]
        return self._builtin_prim(builtins.range, (lengths[0],))

    def _element(self, seq: Atom, *, backwards: bool = False):
        """index → the element of `seq` the loop reaches at that index."""

        def element(index: Atom) -> Prim:
            if backwards:  # len(seq) - 1 - index
                length = self._atom_of(self._builtin_prim(builtins.len, (seq,)))
                last = self._atom_of(Prim(operator.sub, (length, Const(1))))
                index = self._atom_of(Prim(operator.sub, (last, index)))
            return Prim(operator.getitem, (seq, Index((index,), False)))

        return element

    def _unpacked(self, target: gast.expr, element) -> list:
        """[(name, index → value)] for a loop target: a name, or a tuple of names unpacking
        each element (`for a, b in pairs`)."""
        if isinstance(target, gast.Name):
            return [(target.id, element)]
        item = self.namer.fresh("_item")
        pairs = [(item, element)]
        for k, name in enumerate(e.id for e in target.elts):
            index = Index((Const(k),), False)
            pairs.append(
                (name, lambda _, index=index: Prim(operator.getitem, (self.env[item], index)))
            )
        return pairs
