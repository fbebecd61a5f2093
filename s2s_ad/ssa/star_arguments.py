"""`*args` and `**kwargs`: starred calls and star parameters, specialised on the arity.

A call `f(x, *ws)` or `g(**opts)` is lowered with one operand per element where the lowering
knows how many there are (a tuple display, a name bound to one, a dict display or a local
dict whose keys are literals): a function with star parameters is then called with a known
number of positional arguments and known keyword names. Its derivative is made for that
arity (`ad/calls.py` names the flattened parameters `ws_0, ws_1, …` and `opts_<key>`, and
the cache key of the callee's derivative holds the arity); the callee's lowering binds
`ws` statically to the tuple of its parameters and `opts` to a dict of its own. A nested
function's star parameters are bound the same way where it is inlined. Where the arity is
not known, a located error says what to write. Before → after:

    def layer(x, *weights):            def layer(x, weights_0, weights_1):   # (SSA)
        h = x                              h_1 = x @ weights_0
        for w in weights:                  …
            h = np.tanh(h @ w)
        return h
    y = layer(x, *(W1, W2))            y = layer(x, W1, W2)
"""

from __future__ import annotations

import operator

import gast

from .. import runtime
from ..naming import star_parameter_names
from ..runtime import append, make_list, setitem
from .ir import Atom, Const, Expr, Index, Prim, SliceItem, Var
from .kinds import JOINS
from .lower_expr import _int_literal
from .partials import PARTIAL_KEYWORDS

_SAME_LENGTH = (tuple, list, *runtime.IDENTITY_CHECKS)  # (made once: `_length_made`)
UNKNOWN_LENGTH_HINT = (
    "build it where the call can see its length: a tuple `ws = (w1, w2)` (or a list display "
    "`[w1, w2]`) in the function, or pass the elements explicitly: `f(x, w1, w2)`"
)


class StarArguments:
    """The mixin: starred arguments of calls, and the star parameters of the function being
    lowered or of a nested function being inlined."""

    # calls

    def _call_arguments(self, node: gast.Call, argument=None) -> tuple[tuple, tuple]:
        """The positional atoms and (keyword, atom) pairs of a call, `*xs` and `**opts`
        expanded where their length or keys are known. `argument` lowers each argument
        written out (by default to an atom; a function value for an inlined call)."""
        argument = argument or self._atom
        args: list[Atom] = []
        for arg in node.args:
            if isinstance(arg, gast.Starred):
                args.extend(self._starred_items(arg.value))
            else:
                args.append(argument(arg))
        kwargs: list[tuple[str, Atom]] = []
        for kw in node.keywords:
            if kw.arg is None:
                items = self._double_starred_items(kw.value)
                if isinstance(kw.value, gast.Name) and kw.value.id == PARTIAL_KEYWORDS:
                    # a partial's call (ssa/partials.py): a keyword given again overrides it
                    given = {name for name, _ in items}
                    kwargs = [(name, atom) for name, atom in kwargs if name not in given]
                kwargs.extend(items)
            else:
                kwargs.append((kw.arg, argument(kw.value)))
        return tuple(args), tuple(kwargs)

    def _display_items(self, elts: list[gast.expr]) -> list[Atom]:
        """The items of a tuple or list display, `*xs` expanded where its length is known."""
        items: list[Atom] = []
        for elt in elts:
            if isinstance(elt, gast.Starred):
                items.extend(self._starred_items(elt.value))
            else:
                items.append(self._atom(elt))
        return items

    def _display_parts(self, elts: list[gast.expr]) -> list:
        """The items of a tuple or list display as runs of atoms, `*xs` expanded where its
        length is known (`_display_items`), and between them, where it is not (`*WS` of a
        module's list, `*f(x)` of a helper's result), the atom of a list of its items."""
        parts: list = [[]]
        for elt in elts:
            if not isinstance(elt, gast.Starred):
                parts[-1].append(self._atom(elt))
                continue
            items, whole = self._starred_or_whole(elt.value)
            if items is not None:
                parts[-1].extend(items)
            else:
                parts += [self._atom_of(self._builtin_prim(list, (whole,))), []]
        return parts

    def _joined_display(self, parts: list) -> Expr:
        """A list display as a value, of its `_display_parts`: `[]` with its items appended,
        or, where a starred item's length is not known when the derivative is made (`[*WS,
        x]`), the lists of the items around it joined with it (`rt.concat`: its length
        found when run)."""
        if len(parts) == 1:
            return self._list_of(parts[0])
        joined = self._atom_of(self._list_of(parts[0]))
        for part in parts[1:]:
            if isinstance(part, list) and not part:
                continue
            right = self._atom_of(self._list_of(part)) if isinstance(part, list) else part
            concat = Prim(runtime.concat, (joined, right), spelled=self._rt("concat"))
            joined = self._atom_of(concat)
        return joined

    def _starred_items(self, node: gast.expr) -> list[Atom]:
        """The elements of `*node`, whose number the lowering knows."""
        items, _ = self._starred_or_whole(node)
        if items is not None:
            return items
        shown = gast.unparse(node).strip()
        raise self._unsupported(
            f"`*{shown}` in a call, where the number of elements of `{shown}` is not known "
            "when the derivative is made",
            hint=UNKNOWN_LENGTH_HINT,
        )

    def _starred_or_whole(self, node: gast.expr) -> tuple[list[Atom] | None, Atom | None]:
        """The elements of `*node` where the lowering knows their number, else None and the
        atom of `node` itself."""
        if isinstance(node, (gast.Tuple, gast.List)):  # (`*[*pair(x), x]`: joined if need be)
            parts = self._display_parts(node.elts)
            if len(parts) == 1:
                return parts[0], None
            return None, self._atom_of(self._joined_display(parts))
        if isinstance(node, gast.Name) and isinstance(self.env.get(node.id), tuple):
            return list(self.env[node.id]), None
        if isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Slice):
            sliced = self._sliced_items(node)  # `*params[1:]`: items of `params` itself
            if sliced is not None:
                return sliced, None
        whole = self._atom(node)
        if isinstance(whole, Const) and isinstance(whole.value, (tuple, list)):
            return [Const(item) for item in whole.value], None
        length = self.lengths.get(whole.name) if isinstance(whole, Var) else None
        if length is not None:  # a local list or tuple of known length: its items
            items = [
                self._atom_of(Prim(operator.getitem, (whole, Index((Const(k),), False))))
                for k in range(length)
            ]
            return items, None
        return None, whole

    def _double_starred_items(self, node: gast.expr) -> list[tuple[str, Atom]]:
        """The (keyword, value) pairs of `**node`, whose keys the lowering knows."""
        if isinstance(node, gast.Dict) and all(
            isinstance(k, gast.Constant) and isinstance(k.value, str) for k in node.keys
        ):
            return [(k.value, self._atom(v)) for k, v in zip(node.keys, node.values, strict=True)]
        shown = gast.unparse(node).strip()
        keys = self._known_keys(self._atom(node)) if isinstance(node, gast.Name) else None
        if keys is None or not all(isinstance(k, str) for k in keys):
            raise self._unsupported(
                f"`**{shown}` in a call, where the keys of `{shown}` are not known when the "
                "derivative is made",
                hint="pass the keywords explicitly (`f(x, scale=s)`), or build the dict in the "
                "function with literal keys (`opts = {'scale': s}`)",
            )
        dict_atom = self._atom(node)
        return [
            (key, self._atom_of(Prim(operator.getitem, (dict_atom, Index((Const(key),), False)))))
            for key in keys
        ]

    def _sliced_items(self, node: gast.Subscript) -> list[Atom] | None:
        """The items of `xs[a:b:c]` read from `xs` (of known length, literal bounds)."""
        base = self._atom(node.value)
        length = self.lengths.get(base.name) if isinstance(base, Var) else None
        bounds = [node.slice.lower, node.slice.upper, node.slice.step]
        values = [None if b is None else _int_literal(b) for b in bounds]
        if length is None or any(
            v is None and b is not None for v, b in zip(values, bounds, strict=True)
        ):
            return None
        return [
            self._atom_of(Prim(operator.getitem, (base, Index((Const(k),), False))))
            for k in range(length)[slice(*values)]
        ]

    # the function's own star parameters (a helper, its derivative made for one arity)

    def _bind_star_parameters(self, stars: dict) -> None:
        """Bind `*args` to the tuple of its flattened parameters and `**kwargs` to a dict of
        its own, for the arity `stars` gives (parameter → count, or → keyword names)."""
        args = self.node.args
        for star, what in ((args.vararg, "*args"), (args.kwarg, "**kwargs")):
            if star is not None and star.id not in stars:
                raise self._unsupported(
                    f"`{self.node.name}` takes {what}, and the number of its arguments is not "
                    "known here",
                    hint="call it from the differentiated function with the arguments written "
                    "out, or name each parameter explicitly",
                )
        if args.vararg is not None:
            names = self._star_names(args.vararg.id, stars[args.vararg.id])
            at = len(args.posonlyargs) + len(args.args)
            self.params[at:at] = names
            self.env[args.vararg.id] = tuple(self._star_parameter(n) for n in names)
        if args.kwarg is not None:
            keys = stars[args.kwarg.id]
            names = self._star_names(args.kwarg.id, keys)
            self.params.extend(names)
            values = [self._star_parameter(n) for n in names]
            pairs = [(Const(k), v) for k, v in zip(keys, values, strict=True)]
            self._define(args.kwarg.id, self._dict_of(pairs))

    def _star_names(self, name: str, arity: int | tuple) -> list[str]:
        names = star_parameter_names(name, arity)
        clash = [n for n in names if n in self.taken]
        if clash:
            raise self._unsupported(
                f"the name `{clash[0]}` in `{self.node.name}`, which s2s_ad gives the "
                f"arguments of its star parameter `{name}`",
                hint=f"rename `{clash[0]}`",
            )
        return names

    def _star_parameter(self, name: str) -> Var:
        var = Var(self.namer.version(name))
        self.env[name] = var
        self.param_versions[name] = var.name
        return var

    # a nested function's star parameters, where it is inlined

    def _bind_nested_stars(
        self, fn: gast.FunctionDef, args: tuple, kwargs: dict, known: list[str]
    ) -> tuple[tuple, dict, dict]:
        """(positional arguments left, keywords left, bindings of `*args` / `**kwargs`) for
        inlining `fn`; `known` its named parameters."""
        bound: dict = {}
        positional = len(fn.args.posonlyargs) + len(fn.args.args)
        if fn.args.vararg is not None:
            bound[fn.args.vararg.id] = tuple(args[positional:])
            args = args[:positional]
        if fn.args.kwarg is not None:
            extra = [(Const(k), v) for k, v in kwargs.items() if k not in known]
            kwargs = {k: v for k, v in kwargs.items() if k in known}
            bound[fn.args.kwarg.id] = self._atom_of(self._dict_of(extra))
        return args, kwargs, bound

    @property
    def lengths(self) -> dict[str, int | None]:
        """SSA name → the length of the list or tuple it holds, where the lowering knows it."""
        return self.__dict__.setdefault("_lengths", {})

    def note_length(self, target: str, value) -> None:
        """Record the length of the list or tuple `target` holds (`_length_made`), None
        where it differs from before: lower_expr.py's `note_kind` calls it last."""
        lengths = self.lengths  # (a property: looked up once)
        length = self._length_made(value)
        if target in lengths and lengths[target] != length:
            length = None  # a join, or a loop header whose body grows the list
        lengths[target] = length

    def _length_made(self, value) -> int | None:
        """The length of the list or tuple `value` makes, where the lowering knows it."""
        if isinstance(value, Var):
            return self.lengths.get(value.name)
        if isinstance(value, Const) and isinstance(value.value, (tuple, list)):
            return len(value.value)
        if not isinstance(value, Prim):
            return None
        fn, args = value.fn, value.args
        if fn is make_list:
            return 0
        if fn in JOINS:
            lengths = [self._length_made(a) if isinstance(a, (Var, Const)) else None for a in args]
            return None if None in lengths else sum(lengths)
        if not args or not isinstance(args[0], (Var, Const)):
            return None
        first = self._length_made(args[0])  # (the only length the other calls ask)
        if fn is append:
            return None if first is None else first + 1
        if fn in _SAME_LENGTH:
            return first
        if fn is setitem and self.kind_of(args[0]) in ("list", "tuple"):
            return first
        if fn is operator.getitem and first is not None:  # `L[1:3]`
            return _sliced_length(first, args[1])
        return None

    def _known_keys(self, atom: Atom) -> tuple | None:
        """The keys of a local dict known to the lowering (made by a display, `dict(...)`
        and assignments of literal keys), in order; None when not known."""
        if not isinstance(atom, Var) or self.kind_of(atom) != "dict":
            return None
        entries = self.entries.get(atom.name)  # ssa/entry_kinds.py
        return None if entries is None else tuple(entries)


def _sliced_length(length: int, index: Index) -> int | None:
    """The length of `L[a:b:c]` for a sequence of `length` and literal bounds."""
    item = index.items[0] if len(index.items) == 1 and not index.is_tuple else None
    if not isinstance(item, SliceItem):
        return None
    parts = (item.lower, item.upper, item.step)
    if not all(p is None or (isinstance(p, Const) and isinstance(p.value, int)) for p in parts):
        return None
    return len(range(length)[slice(*(p.value if p else None for p in parts))])
