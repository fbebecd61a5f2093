"""Python's builtins over sequences and the list methods that update a list, for the
expression lowering (`lower_expr.py` calls `_builtin_call` and `_list_method` first).

- `max(xs)` / `min(xs)` → `rt.max_of(xs)` (ties split the derivative evenly, as `np.max`);
  `max(a, b, c)` → `rt.max_of([a, b, c])` (Python returns the same item).
- `sorted(xs, reverse=…, key=f)` → `rt.sorted_items(…)`; `reversed(xs)` → a list, last first.
- `map(f, xs, …)`, `filter(p, xs)`, `zip(xs, ys)` consumed at once → the loop a person would
  write, appending to a new list (any function value the lowering can call works as `f`);
  `zip(*pairs)` → `rt.unzip(pairs)`.
- `xs.pop(i)`, `xs.extend(ys)`, `xs.insert(i, v)` → new versions of `xs` built from slices and
  joins (their rules exist), checked like `xs.append(v)` (`ssa/aliasing.py`); `xs.index(v)` /
  `xs.count(v)` are passive.

Python's `reversed`, `map`, `filter` and `zip` return one-shot iterators: the lowering makes
lists of them only where Python consumes them at once (an argument of `list`, `tuple`,
`dict`, `set`, `sum`, `sorted`, `max`, `min`, `any`, `all`, `map`, `filter`, `zip`,
`enumerate`, a loop, a tuple unpacking); anywhere else they are refused. Before → after:

    L = list(map(f, xs))          _map = []
                                  for _i in range(len(xs)):
                                      _a = xs[_i]
                                      _t1 = f(_a)
                                      _map_1 = rt.append(_map, _t1) …
"""

from __future__ import annotations

import builtins
import operator

import gast

from .. import runtime
from ..frontend import nodes
from ..frontend.scope import is_missing
from ..frontend.validate import LIST_UPDATES, is_list_update  # noqa: F401  (re-exported)
from .ir import Const, Expr, Index, Prim, SliceItem, Var

ITERATORS = (builtins.reversed, builtins.map, builtins.filter, builtins.zip, builtins.enumerate)
# Builtins that iterate over their first argument once, at the call.
CONSUMERS = (
    *(builtins.list, builtins.tuple, builtins.sum, builtins.sorted, builtins.max, builtins.min),
    *(builtins.dict, builtins.set, builtins.frozenset),
    *(builtins.any, builtins.all, builtins.map, builtins.filter, builtins.zip, builtins.enumerate),
)
# the list updates that give None: a value of one is refused (`lower_expr._method`)
UPDATES_GIVING_NONE = ("append", "extend", "insert")
PASSIVE_METHODS = ("index", "count")


class Builtins:
    """The mixin; the lowering supplies the expression and statement lowering it uses."""

    consumed: gast.expr | None = None  # the iterator-making call Python consumes at once

    def _builtin(self, func: gast.expr) -> object:
        """The builtin `func` names (not shadowed by a local or a global), else None; in
        generated code, `rt.python.zip` too (a parameter of the function is named `zip`)."""
        if isinstance(func, gast.Attribute) and _runtime_python(func, self.aliases.rt):
            return getattr(builtins, func.attr, None)
        if not isinstance(func, gast.Name) or func.id in self.env or func.id in self.locals:
            return None
        value = self.scope.lookup(func.id)
        return None if is_missing(value) else value

    def consume(self, node: gast.expr) -> None:
        """`node` is iterated once, at once (a loop's iterable, an unpacked value)."""
        self.consumed = node

    def _builtin_call(self, node: gast.Call) -> Expr | None:
        """The lowering of a call of one of Python's sequence builtins (and of the folds of
        `functools` and `itertools`: ssa/folds.py); None for others."""
        folded = self._fold_call(node, self.consumed is node)
        if folded is not None:
            self.consumed = None
            return folded
        fn = self._builtin(node.func)
        if fn is None:
            return None
        consumed = self.consumed is node
        if any(fn is it for it in ITERATORS) and fn is not builtins.enumerate:
            if not consumed:
                raise self._unsupported(
                    f"`{fn.__name__}(…)` kept as a value (Python makes a one-shot iterator)",
                    hint=f"consume it at once: `list({fn.__name__}(…))`, or loop over it",
                )
            self.consumed = None
        if any(fn is c for c in CONSUMERS) and node.args:
            self.consume(node.args[0])  # its first argument may be an iterator
        if fn is builtins.max or fn is builtins.min:
            return self._extremum(node, fn)
        if fn is builtins.next and self._is_first_item(node):  # `next(iter(xs))`: `xs[0]`
            seq = self._atom(node.args[0].args[0])
            kind = (self.kind_of(seq) or "").split("/")[0]
            if kind == "dict":  # (a dict iterates its keys)
                seq = self._atom_of(Prim(runtime.dict_keys, (seq,), spelled=self._rt("dict_keys")))
            elif kind not in ("list", "tuple"):  # (a module dict's view: as a loop takes it)
                seq = self._atom_of(Prim(runtime.sequence, (seq,), spelled=self._rt("sequence")))
            return Prim(operator.getitem, (seq, Index((Const(0),), False)))
        start = node.args[1] if fn is builtins.sum and len(node.args) == 2 else None
        if fn is builtins.sum:  # (or `start=[]`)
            start = next((k.value for k in node.keywords if k.arg == "start"), start)
        if isinstance(start, (gast.List, gast.Tuple)):  # `sum(parts, [])`: joins, not sums
            raise self._unsupported(
                "`sum(…, [])` of lists (a join, whose derivative is not a sum's)",
                hint="join them with `list(itertools.chain(*parts))`, or in a loop: "
                "`out = out + part`",
            )
        if fn is builtins.isinstance:  # of an object of a known class: ssa/object_operators.py
            known = self._known_isinstance(node)
            if known is not None:
                return Const(known)
        if fn is builtins.sum:  # of objects of your classes: ssa/object_operators.py
            added = self._object_sum(node)
            if added is not None:
                self.consumed = None
                return added
        if fn is builtins.sorted:
            return self._sorted(node)
        if fn is builtins.reversed and len(node.args) == 1 and not node.keywords:
            seq = self._atom(node.args[0])
            return Prim(runtime.reversed_items, (seq,), spelled=self._rt("reversed_items"))
        if fn is builtins.map and len(node.args) >= 2 and not node.keywords:
            return self._map_loop(node.args[0], node.args[1:], keep=None)
        if fn is builtins.filter and len(node.args) == 2 and not node.keywords:
            return self._map_loop(node.args[0], node.args[1:], keep=True)
        if fn is builtins.zip and all(k.arg == "strict" for k in node.keywords):
            if len(node.args) == 1 and isinstance(node.args[0], gast.Starred):
                if not node.keywords:
                    pairs = self._atom(node.args[0].value)
                    return Prim(runtime.unzip, (pairs,), spelled=self._rt("unzip"))
            elif node.args:
                return self._map_loop(None, node.args, keep=None, keywords=node.keywords)
        if fn is builtins.enumerate and consumed:
            args = [*node.args, *(k.value for k in node.keywords if k.arg == "start")]
            if 1 <= len(args) <= 2 and all(k.arg == "start" for k in node.keywords):
                start = args[1] if len(args) == 2 else nodes.constant(0)
                return self._map_loop(None, args[:1], keep=None, counted=start)
        return None

    def _is_first_item(self, node: gast.Call) -> bool:
        """`next(iter(xs))` (no default): the first item of a local list, tuple, dict or
        view (Python's StopIteration where there is none: an IndexError here)."""
        inner = node.args[0] if len(node.args) == 1 and not node.keywords else None
        return (
            isinstance(inner, gast.Call)
            and isinstance(inner.func, gast.Name)
            and self.scope.lookup(inner.func.id) is builtins.iter
            and len(inner.args) == 1
            and not inner.keywords
        )

    # max, min, sorted

    def _extremum(self, node: gast.Call, fn) -> Expr | None:
        if node.keywords or not node.args:
            if any(k.arg in ("key", "default") for k in node.keywords):
                raise self._unsupported(
                    f"`{fn.__name__}` with `key=` or `default=`",
                    hint=f"compute the keys first, or write the loop that finds the {fn.__name__}",
                )
            return None
        helper = runtime.max_of if fn is builtins.max else runtime.min_of
        if any(isinstance(a, gast.Starred) for a in node.args):  # `max(*xs, y)`: spread
            atoms, _ = self._call_arguments(node)  # ssa/star_arguments.py
            items = atoms[0] if len(atoms) == 1 else self._atom_of(self._list_of(list(atoms)))
            return Prim(helper, (items,), spelled=self._rt(helper.__name__))
        if len(node.args) == 1:
            items = self._atom(node.args[0])
        else:  # max(a, b, c) returns the item max([a, b, c]) returns
            atoms = [self._atom(a) for a in node.args]
            sequences = any((self.kind_of(a) or "").startswith(("list", "tuple")) for a in atoms)
            if len(atoms) == 2 and not sequences:  # of numbers: its own rule (selection.py)
                return self._builtin_prim(fn, tuple(atoms))
            items = self._atom_of(self._list_of(atoms))  # (of lists: compared item by item)
        return Prim(helper, (items,), spelled=self._rt(helper.__name__))

    def _sorted(self, node: gast.Call) -> Expr:
        keywords = {k.arg: k.value for k in node.keywords}
        if len(node.args) != 1 or set(keywords) - {"reverse", "key"}:
            raise self._unsupported(
                "this call of `sorted`", hint="write `sorted(xs)`, with `reverse=` or `key=`"
            )
        key = keywords.get("key")
        if key is not None and self._function_argument(key) is not None:
            return self._sorted_by_keys(node.args[0], key, keywords.get("reverse"))
        seq = self._atom(node.args[0])
        if self.kind_of(seq) == "dict":  # `sorted(d)`: its keys, which carry no derivative
            seq = self._atom_of(Prim(runtime.dict_keys, (seq,), spelled=self._rt("dict_keys")))
        kwargs = tuple((k, self._atom(v)) for k, v in keywords.items())
        for name, value in kwargs:
            if name == "key" and isinstance(value, Var):
                raise self._unsupported(
                    "`sorted` with a `key=` computed in the function",
                    hint="pass a function (a lambda, a `def`) as `key=`",
                )
        return Prim(runtime.sorted_items, (seq,), kwargs, spelled=self._rt("sorted_items"))

    def _sorted_by_keys(self, items: gast.expr, key: gast.expr, reverse) -> Expr:
        """`sorted(xs, key=f)`, `f` a lambda or a function the lowering inlines: the keys
        are `[f(a) for a in xs]` (each item's once, in order, as `sorted` calls `f`), then
        the items in the order of the keys' stable sort."""
        seq = self.namer.fresh("_items")
        self.env[seq] = self._atom(items)
        keys = self._map_loop(key, [nodes.name(seq)], keep=None)
        kwargs = (("reverse", self._atom(reverse)),) if reverse is not None else ()
        return Prim(
            runtime.sorted_by_keys,
            (self.env[seq], keys),
            kwargs,
            spelled=self._rt("sorted_by_keys"),
        )

    # map, filter, zip: the loop a person would write

    def _map_loop(self, func, iterables: list[gast.expr], keep, counted=None, keywords=()) -> Var:
        """`[func(a, b) for a, b in zip(xs, ys)]` as a loop appending to a new list; for
        `filter` (`keep`), the items for which `func(a)` is true; `zip` (`func` None) the
        tuples; `enumerate` (`counted`: the start) the `(i, a)` pairs. Each iterable is
        evaluated once, before the loop, as Python does."""
        line = self._here()
        names = []
        for iterable in iterables:
            if isinstance(iterable, gast.Starred):
                raise self._unsupported(
                    "a starred argument of `map`, `filter` or `zip`",
                    hint="name the sequences: `zip(xs, ys)` (or `zip(*pairs)` alone)",
                )
            self.consume(iterable)
            seq = self._atom(iterable)
            name = self.namer.fresh("_seq")
            self.env[name] = seq
            names.append(name)
        items = [self.namer.fresh("_a") for _ in names]
        result = self.namer.fresh("_map" if keep is None else "_filter")
        self._define(result, Prim(runtime.make_list, (), style="list"))
        if counted is not None:  # enumerate(xs, start): the count is the first item
            start = self.namer.fresh("_start")
            self.env[start] = self._atom(counted)
            names.append(start)
            items.insert(0, self.namer.fresh("_k"))
        if func is None:
            value = nodes.tuple_of([nodes.name(n) for n in items])
        elif keep is not None and _is_none(func):
            value = nodes.name(items[0])
        else:
            call = gast.Call(func=func, args=[nodes.name(n) for n in items], keywords=[])
            value = call
        if keep is None:
            body = [_append(result, value, line)]
        else:
            test = value
            body = [nodes.if_(test, [_append(result, nodes.name(items[0]), line)], line)]
        if counted is not None:
            iterable = gast.Call(
                func=nodes.name("enumerate"), args=[nodes.name(n) for n in names], keywords=[]
            )
            target = nodes.tuple_of([nodes.name(n, store=True) for n in items], store=True)
        elif len(names) == 1:
            iterable, target = nodes.name(names[0]), nodes.name(items[0], store=True)
        else:
            zipped = gast.Call(  # `strict=` kept: the loop checks the lengths
                func=nodes.name("zip"), args=[nodes.name(n) for n in names], keywords=list(keywords)
            )
            iterable = zipped
            target = nodes.tuple_of([nodes.name(n, store=True) for n in items], store=True)
        loop = gast.For(target=target, iter=iterable, body=body, orelse=[], type_comment=None)
        loop = gast.copy_location(loop, line)
        loop.end_lineno = self.line
        saved = self.locals
        self.locals = saved | {*items, result}  # names of the loop, not globals
        try:
            self._stmt(loop)
        finally:
            self.locals = saved
        return self.env[result]

    def _here(self) -> gast.AST:
        """A node at the call's line, for the statements written for it."""
        line = nodes.constant(None)
        line.lineno = line.end_lineno = self.line
        line.col_offset = line.end_col_offset = 0
        return line

    # list methods

    def _list_method(self, func: gast.Attribute, args: tuple, kwargs: tuple) -> Expr | None:
        """`xs.pop(i)`, `xs.extend(ys)`, `xs.insert(i, v)` (new versions of `xs`), and the
        passive `xs.index(v)`, `xs.count(v)`; None for any other method."""
        attr = func.attr
        if attr in PASSIVE_METHODS and not kwargs:
            receiver = self._atom(func.value)
            return Prim(list.index if attr == "index" else list.count, (receiver, *args),
                        spelled=attr, style="method")  # fmt: skip
        if attr not in LIST_UPDATES or not isinstance(func.value, gast.Name) or kwargs:
            return None
        name = func.value.id
        if not self._is_list(name) or self.kind_of(self.env[name]) == "dict":  # (dicts.py's)
            return None  # refused by the caller as it was (`.pop()` of what?)
        current = self.env[name]
        if attr == "extend" and len(args) == 1:
            more = args[0]
            if (self.kind_of(more) or "").split("/")[0] not in ("list", "tuple"):
                more = self._atom_of(self._builtin_prim(builtins.list, (more,)))
            self._update(name, "`.extend()`", of_list=True)
            new = Prim(runtime.extend, (self.env[name], more), spelled=self._rt("extend"))
            result = Const(None)
        elif attr == "insert" and len(args) == 2:
            index, value = args
            self._update(name, "`.insert()`", of_list=True)
            current = self.env[name]
            front = self._atom_of(self._slice(current, None, index))
            front = self._atom_of(Prim(runtime.append, (front, value), spelled=self._rt("append")))
            back = self._atom_of(self._slice(current, index, None))
            new = Prim(runtime.concat, (front, back), spelled=self._rt("concat"))
            result = Const(None)
        elif attr == "pop" and len(args) <= 1:
            at = Prim(runtime.pop_index, (current, *args), spelled=self._rt("pop_index"))
            position = self._atom_of(at)
            result = self._atom_of(Prim(operator.getitem, (current, Index((position,), False))))
            self._update(name, "`.pop()`", of_list=True)
            current = self.env[name]
            after = self._atom_of(Prim(operator.add, (position, Const(1))))
            front = self._atom_of(self._slice(current, None, position))
            back = self._atom_of(self._slice(current, after, None))
            new = Prim(runtime.concat, (front, back), spelled=self._rt("concat"))
        else:
            raise self._unsupported(
                f"this call of `.{attr}()`",
                hint="`xs.pop()`, `xs.pop(i)`, `xs.extend(ys)`, `xs.insert(i, v)`",
            )
        self._define(name, new)
        self._rebind_aliases(name)
        return result

    def _slice(self, seq, lower, upper) -> Prim:
        return Prim(operator.getitem, (seq, Index((SliceItem(lower, upper, None),), False)))


def _append(result: str, value: gast.expr, like: gast.AST) -> gast.stmt:
    method = gast.Attribute(value=nodes.name(result), attr="append", ctx=gast.Load())
    call = gast.Call(func=method, args=[value], keywords=[])
    return gast.copy_location(gast.Expr(value=call), like)


def _is_none(node: gast.expr) -> bool:
    return isinstance(node, gast.Constant) and node.value is None


class StarredTargets:
    """`first, *rest = xs`: the items before and after the starred name, and a list of the
    ones between (Python's error when there are too few)."""

    def _starred_target(self, target: gast.Tuple, value) -> tuple[gast.Tuple, tuple]:
        """(the target with the star removed, the tuple of values it binds)."""
        elts = target.elts
        at = next(k for k, e in enumerate(elts) if isinstance(e, gast.Starred))
        before, after = at, len(elts) - at - 1
        if isinstance(value, tuple):  # a tuple display: split statically
            if len(value) < before + after:
                raise self._unsupported(
                    f"unpacking {len(value)} values into at least {before + after} names",
                    hint="use as many names as there are values",
                )
            middle = value[before : len(value) - after]
            listed = self._atom_of(self._list_of(middle))
            items = (*value[:before], listed, *value[len(value) - after :])
        else:
            checked = Prim(
                runtime.at_least, (value, Const(before), Const(after)), spelled=self._rt("at_least")
            )
            seq = self._atom_of(checked)
            firsts = [self._item(seq, Const(k)) for k in range(before)]
            upper = Const(-after) if after else None
            middle = self._atom_of(self._slice(seq, Const(before), upper))
            lasts = [self._item(seq, Const(k - after)) for k in range(after)]
            items = (*firsts, middle, *lasts)
        plain = [e.value if isinstance(e, gast.Starred) else e for e in elts]
        return nodes.tuple_of(plain, store=True), items

    def _item(self, seq, index: Const):
        return self._atom_of(Prim(operator.getitem, (seq, Index((index,), False))))


def _runtime_python(func: gast.Attribute, rt: str) -> bool:
    """Whether `func` is `rt.python.name`: a builtin as generated code spells it where the
    function binds its name (lower_expr.py, `_builtin_prim`)."""
    inner = func.value
    return (
        isinstance(inner, gast.Attribute)
        and inner.attr == "python"
        and isinstance(inner.value, gast.Name)
        and inner.value.id == rt
    )
