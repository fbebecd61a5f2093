"""`functools.reduce` and `itertools.accumulate`, `chain` and `product` over sequences, for
the expression lowering (`builtins.py` asks `_fold_call` first): the loop a person would
write, lowered as such, so whatever the loop's body may call (a lambda, a nested def, an
operator, a function of a list of functions) works, in every mode and to second order.

    functools.reduce(f, xs, init)        _acc = init
                                         for _a in xs:
                                             _acc = f(_acc, _a)
    functools.reduce(f, xs)              the same from `xs[0]` over `xs[1:]`
    itertools.accumulate(xs, f)          each `_acc` appended to a new list (`initial=` first)
    itertools.chain(xs, ys)              the items of each appended in turn
    itertools.product(xs, ys)            the tuples of nested loops

`accumulate`, `chain` and `product` make one-shot iterators: as for `map`, only where Python
consumes them at once (a loop, `list(…)`, …); `product(…, repeat=n)` and
`chain.from_iterable` are refused at the user's line. They are found by the names they are
called by: one imported under another name (`from functools import reduce as fold`) is a
library call, refused as before.
"""

from __future__ import annotations

import functools
import itertools
import operator

import gast

from ..frontend import nodes
from .function_values import FunctionItems
from .ir import Var

FOLDS = (functools.reduce, itertools.accumulate, itertools.chain, itertools.product)
ONE_SHOT = (itertools.accumulate, itertools.chain, itertools.product)
# the names they are called by (`reduce` imported under another name is not followed)
_SPELLED = frozenset(("reduce", "accumulate", "chain", "product", "from_iterable"))


class Folds:
    """The mixin; the lowering supplies `_stmt`, `_atom`, `_callee_object` (effects.py),
    `_here` (builtins.py), `namer` and `env`."""

    def _fold_call(self, node: gast.Call, consumed: bool):
        """The lowering of a call of one of `FOLDS`; None for any other call."""
        func = node.func
        spelled = func.attr if isinstance(func, gast.Attribute) else getattr(func, "id", None)
        if spelled not in _SPELLED:  # (most calls: no name to resolve)
            return None
        fn = self._callee_object(func)
        if getattr(fn, "__self__", None) is itertools.chain and fn.__name__ == "from_iterable":
            raise self._unsupported(
                "`itertools.chain.from_iterable(…)`, whose items s2s_ad does not write out",
                hint="name the lists: `itertools.chain(xs, ys)`, or write the loop yourself",
            )
        if not any(fn is fold for fold in FOLDS):
            return None
        name = f"{fn.__module__}.{fn.__name__}"
        if any(fn is it for it in ONE_SHOT) and not consumed:
            raise self._unsupported(
                f"`{name}(…)` kept as a value (Python makes a one-shot iterator)",
                hint=f"consume it at once: `list({name}(…))`, or loop over it",
            )
        keywords = {k.arg: k.value for k in node.keywords}
        if any(isinstance(a, gast.Starred) for a in node.args) or None in keywords:
            raise self._unsupported(
                f"`{name}` with `*` or `**` arguments", hint="name the sequences"
            )
        if fn is functools.reduce and 2 <= len(node.args) <= 3 and not keywords:
            return self._reduce(node.args[0], node.args[1], node.args[2:])
        if fn is itertools.accumulate and set(keywords) <= {"func", "initial"}:
            func = node.args[1] if len(node.args) > 1 else keywords.get("func")
            if 1 <= len(node.args) <= 2 and not (len(node.args) == 2 and "func" in keywords):
                return self._accumulate(node.args[0], func, keywords.get("initial"))
        if fn is itertools.chain and not keywords:
            return self._chain(node.args)
        if fn is itertools.product and not keywords and node.args:
            return self._product(node.args)
        raise self._unsupported(
            f"`{name}` called with arguments s2s_ad does not write as a loop",
            hint="write the loop yourself",
        )

    def _reduce(self, func: gast.expr, iterable: gast.expr, initial: list[gast.expr]):
        seq = self._fold_sequence(iterable)
        acc = self.namer.fresh("_acc")
        rest = self._first_or(initial, seq, acc)
        self._fold_loop(rest, lambda item: [self._fold_step(acc, func, item)])
        return self._after_loop(acc)

    def _accumulate(self, iterable: gast.expr, func: gast.expr | None, initial: gast.expr | None):
        seq = self._fold_sequence(iterable)
        acc, out = self.namer.fresh("_acc"), self.namer.fresh("_accumulated")
        self._stmt(nodes.assign(out, nodes.empty_list(), self._here()))
        rest = self._first_or([] if initial is None else [initial], seq, acc)
        self._stmt(nodes.method_call(out, "append", [nodes.name(acc)], self._here()))
        self._fold_loop(
            rest,
            lambda item: [
                self._fold_step(acc, func, item),
                nodes.method_call(out, "append", [nodes.name(acc)], self._here()),
            ],
        )
        return self._after_loop(out)

    def _chain(self, iterables: list[gast.expr]):
        out = self.namer.fresh("_chained")
        self._stmt(nodes.assign(out, nodes.empty_list(), self._here()))
        for iterable in iterables:
            seq = self._fold_sequence(iterable)
            self._fold_loop(
                seq,
                lambda item: [nodes.method_call(out, "append", [nodes.name(item)], self._here())],
            )
        return self._after_loop(out)

    def _product(self, iterables: list[gast.expr]):
        out = self.namer.fresh("_product")
        self._stmt(nodes.assign(out, nodes.empty_list(), self._here()))
        seqs = [self._fold_sequence(iterable) for iterable in iterables]
        items = [self.namer.fresh("_a") for _ in seqs]
        body = [
            nodes.method_call(
                out, "append", [nodes.tuple_of([nodes.name(i) for i in items])], self._here()
            )
        ]
        for seq, item in reversed(list(zip(seqs, items, strict=True))):
            body = [nodes.for_(nodes.name(item, store=True), nodes.name(seq), body, self._here())]
        self._lower_loops(body, items, out)
        return self._after_loop(out)

    # the loops

    def _fold_sequence(self, iterable: gast.expr) -> str:
        """`iterable`, evaluated once, as Python does, under a name of its own."""
        self.consume(iterable)
        seq = self.namer.fresh("_seq")
        functions = self._function_argument(iterable)  # `[np.sin, f]`: unrolled, known
        self.env[seq] = functions if isinstance(functions, FunctionItems) else self._atom(iterable)
        return seq

    def _first_or(self, initial: list[gast.expr], seq: str, acc: str) -> gast.expr:
        """`acc = initial`, iterating over `seq`; else `acc = seq[0]`, over `seq[1:]`."""
        here = self._here()
        if initial:
            self._stmt(nodes.assign(acc, initial[0], here))
            return nodes.name(seq)
        first = gast.Subscript(value=nodes.name(seq), slice=nodes.constant(0), ctx=gast.Load())
        self._stmt(nodes.assign(acc, first, here))
        rest = gast.Slice(lower=nodes.constant(1), upper=None, step=None)
        return gast.Subscript(value=nodes.name(seq), slice=rest, ctx=gast.Load())

    def _fold_step(self, acc: str, func: gast.expr | None, item: str) -> gast.stmt:
        """`acc = func(acc, item)` (`acc + item` without a function)."""
        callee = None if func is None else self._callee_object(func)
        if func is None or callee is operator.add:
            value = gast.BinOp(left=nodes.name(acc), op=gast.Add(), right=nodes.name(item))
        elif callee is operator.mul:
            value = gast.BinOp(left=nodes.name(acc), op=gast.Mult(), right=nodes.name(item))
        else:
            value = gast.Call(func=func, args=[nodes.name(acc), nodes.name(item)], keywords=[])
        return nodes.assign(acc, value, self._here())

    def _fold_loop(self, iterable: gast.expr | str, body_of) -> None:
        item = self.namer.fresh("_a")
        iterable = nodes.name(iterable) if isinstance(iterable, str) else iterable
        loop = nodes.for_(nodes.name(item, store=True), iterable, body_of(item), self._here())
        self._lower_loops([loop], [item], None)

    def _lower_loops(self, stmts: list[gast.stmt], items: list[str], out: str | None) -> None:
        saved = self.locals
        self.locals = saved | set(items) | ({out} if out else set())  # the loops' own names
        try:
            for stmt in stmts:
                self._stmt(stmt)
        finally:
            self.locals = saved

    def _after_loop(self, carried: str):
        """The value a loop left in `carried`, under a version of its own, as the loop's
        names read after it get (a pullback that replays the loop rebinds the loop's own)."""
        return Var(self._define(self.namer.fresh(carried), self.env[carried]))
