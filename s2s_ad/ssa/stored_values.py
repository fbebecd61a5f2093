"""Where a helper of yours stores a value made from its arguments, for others to read.

    def record(v):
        STATE.last = v                  # stores its argument in a module's object

    def record_into(s, v):
        s.last = v                      # … or in an object it is given

The derivative code calls such a helper with primal values: what it stores holds no
derivative. Read back by the function (`return STATE.last * 3.0`), the derivative through it
would be lost, silently; `ad/stored_derivatives.py` refuses that. Helpers that store only
what their arguments do not make (`cfg.train = False`, a counter `STATE.step += 1`) are left
alone, as are helpers that log a value nothing reads back.
"""

from __future__ import annotations

import ast
import functools
import operator
import re
import types
import weakref
from dataclasses import dataclass

import gast
import numpy as np

from ..errors import S2SError
from ..frontend import nodes
from ..frontend.library import is_library_function
from ..frontend.nodes import descendants, root
from ..frontend.parse import parse_function
from .effect_calls import (
    NUMPY_WRITERS,
    READING_METHODS,
    SETTING_BUILTINS,
    defaults_or_module_lookup,
)


@dataclass(frozen=True)
class Store:
    """A statement storing a value made from the helper's parameters: `where`, described
    (`line 14 of record: STATE.last = v`); the paths of the module objects it writes, from
    a module's name through literal attributes and keys (`("STATE", "last")`, `("CACHE",
    "['y']")`, `("LOG", CONTENTS)` for `LOG.append(v)`), the same paths from the helper's
    parameters whose objects it writes (`("s", "last")`), and the parameters the value
    stored is made from (`v`)."""

    where: str
    paths: frozenset[tuple[str, ...]]
    params: frozenset[tuple[str, ...]]
    sources: frozenset[str]
    # an update in place of what a parameter names (`a *= s`): a store into a module's
    # object given, not into a local's (a number is rebound; an array or list passed is
    # refused when the call runs: ssa/callee_updates.py)
    in_place: bool = False


_READING: set = set()  # the helpers being read (a recursive helper: the outer reading decides)


def stored_parameters(fn: types.FunctionType, depth: int = 0) -> tuple[Store, ...]:
    """The statements of `fn` (and of the helpers of the user's it calls by name, given
    values made from `fn`'s parameters) storing a value made from its parameters in an
    object others may read: a module's (or closure's) name, or an object a parameter names.
    None found where its source cannot be read."""
    generated = fn.__code__.co_filename.startswith("<s2s_ad")  # (s2s_ad's own code stores none)
    if generated or is_library_function(fn) or depth > 3 or fn.__code__ in _READING:
        return ()
    analysed = _analysed(fn)
    if analysed is None:
        return ()
    own, calls = analysed
    _READING.add(fn.__code__)
    try:
        found = []
        for where, paths, objects, sources, in_place in own:  # (a module is no object stored in)
            mine = frozenset(p for p in paths if not _module(fn, p[0]))
            if mine or objects:
                found.append(Store(where, mine, objects, sources, in_place))
        for call, made_by in calls:  # (looked up now: the module's names may be rebound)
            found += _stored_by_callee(fn, call, made_by, depth)
        return tuple(found)
    finally:
        _READING.discard(fn.__code__)


# code → what `_analysed` reads of its source (asked at every call of the helper)
_ANALYSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _analysed(fn: types.FunctionType) -> tuple[list, list] | None:
    """(Its own stores: (where, paths, parameters written, parameters stored), the calls of
    functions by name, each with what each parameter's value makes), read once per code;
    None where its source cannot be read."""
    if fn.__code__ in _ANALYSED:
        return _ANALYSED[fn.__code__]
    try:
        node = parse_function(fn).node
    except S2SError:
        node = None
    found = _ANALYSED[fn.__code__] = None if node is None else _read_stores(fn, node)
    return found


def _read_stores(fn: types.FunctionType, node: gast.FunctionDef) -> tuple[list, list]:
    args = node.args
    params = [p.id for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    params += [a.id for a in (args.vararg, args.kwarg) if a is not None]
    body = [n for stmt in node.body for n in nodes.walk_own(stmt)]
    scoped = (gast.Global, gast.Nonlocal)
    declared = {name for n in body if isinstance(n, scoped) for name in n.names}
    # (`a *= s` of an array or list updates the object: it does not make `a` another's)
    updated = {id(n.target) for n in body if isinstance(n, gast.AugAssign)}
    own = {
        n.id
        for n in body
        if isinstance(n, gast.Name) and type(n.ctx) is not gast.Load and id(n) not in updated
    } - declared
    made_by = {p: _made_from(body, {p}) for p in params}  # (each parameter's, apart)
    looped = loop_items(body)
    stores, calls = [], []
    for n in body:
        found = statement_store(n, declared)
        stored, targets, contents = found if found[1] else _parameter_updated(n)
        in_place = not found[1] and all(isinstance(t, gast.Name) for t in targets)
        paths = {path for path in map(object_path, targets) if path is not None}
        paths = {looped.get(path[0], path) for path in paths}  # (`for o in objs: o.lr = v`)
        paths = {(*path, CONTENTS) for path in paths} if contents else paths
        if isinstance(n, gast.AugAssign):  # (`WS[0] += v` of an array: what it holds, too)
            paths |= {(*p, CONTENTS) for p in paths if _mutable_at(p, fn.__globals__)}
        # (`WS[0][:] = v`, `W[i] = v`: into what the object indexed holds)
        computed = [t.value for t in targets if _computed_item(t)]
        paths |= {(*p, CONTENTS) for p in map(object_path, computed) if p is not None}
        mine = frozenset(p for p in paths if p[0] not in own | set(params))
        # (a parameter rebound in the helper, `v = v.copy()`, names its own object)
        objects = frozenset(p for p in paths if p[0] in params and p[0] not in own)
        carried = _carried(stored) if mine or objects else set()
        sources = frozenset(p for p, made in made_by.items() if carried & made)
        if sources:
            where = f"line {n.lineno} of `{fn.__qualname__}`: `{_first_line(n)}`"
            stores.append((where, mine, objects, sources, in_place))
        if isinstance(n, gast.Call) and _called_from_outside(n.func, own, params):
            calls.append((n, made_by))
    return stores, calls


def loop_items(body: list) -> dict[str, tuple[str, ...]]:
    """A loop's names for the items of a container (`o` of `for o in objs`, `for o in
    d.values()`, `for k, o in d.items()`, `for i, o in enumerate(OBJS)`) → the container's
    path: a store into an item is one into the container (any of its items)."""
    found = {}
    for n in body:
        if not isinstance(n, gast.For):
            continue
        container = n.iter
        while isinstance(container, gast.Call):
            if container.args and _called_on_items(container):
                container = container.args[0]  # `enumerate(objs)`, `reversed(objs)`
            elif _of_values(container.func):
                container = container.func.value  # `d.values()`, `d.items()`
            else:
                break
        path = object_path(container)
        if path is not None:
            for name in descendants(n.target):
                if isinstance(name, gast.Name):
                    found[name.id] = path
    return found


def _called_on_items(call: gast.Call) -> bool:
    """`enumerate(xs)`, `reversed(xs)`, `list(xs)`, `sorted(xs)`, `iter(xs)`: their items
    are `xs`'s."""
    return isinstance(call.func, gast.Name) and call.func.id in _ITEM_PASSING


def _of_values(func: gast.expr) -> bool:
    return isinstance(func, gast.Attribute) and func.attr in ("values", "items")


_ITEM_PASSING = frozenset(("enumerate", "reversed", "list", "sorted", "iter", "tuple"))


def _parameter_updated(n: gast.AST) -> tuple[gast.AST | None, list, bool]:
    """`statement_store`'s answer for an update of a name's object in place: `a *= s` (an
    array's or list's contents; a number's rebinding stores nothing, `_read_stores` keeps
    only the parameters' and module names'), `np.clip(a, lo, hi, out=a)`."""
    if isinstance(n, gast.AugAssign) and isinstance(n.target, gast.Name):
        return gast.Tuple(elts=[n.value], ctx=gast.Load()), [n.target], True
    if isinstance(n, gast.Call):
        out = [k.value for k in n.keywords if k.arg == "out"]
        if out:
            given = [*n.args, *(k.value for k in n.keywords if k.arg != "out")]
            return gast.Tuple(elts=given, ctx=gast.Load()), out, True
    return None, [], False


def _made_from(body: list, params: set[str]) -> set[str]:
    """The names bound to values made from `params` (to a fixed point: loops)."""
    made = set(params)
    assigns = [n for n in body if isinstance(n, (gast.Assign, gast.AugAssign, gast.For))]
    for _ in range(len(assigns) + 1):
        before = len(made)
        for n in assigns:
            value = n.iter if isinstance(n, gast.For) else n.value
            if _carried(value) & made:
                targets = n.targets if isinstance(n, gast.Assign) else [n.target]
                made |= {m.id for t in targets for m in descendants(t) if isinstance(m, gast.Name)}
        if len(made) == before:
            break
    return made


def statement_store(n: gast.AST, declared: set[str]) -> tuple[gast.AST | None, list, bool]:
    """(What statement `n` stores, the objects it stores it in, as written, whether it
    changes their contents rather than a slot) for `P.a = v`, `W[0] = v`, `G = v` (`G`
    declared global), `setattr(P, "a", v)`, `W.__setitem__(0, v)`; `LOG.append(v)` (a
    method's call whose result is unused), `np.copyto(B, v)`, `heapq.heappush(H, v)`
    (contents); (None, [], False) for any other node."""
    if isinstance(n, (gast.Assign, gast.AugAssign)):
        targets = n.targets if isinstance(n, gast.Assign) else [n.target]
        written = [
            t
            for t in targets
            if isinstance(t, (gast.Attribute, gast.Subscript))
            or (isinstance(t, gast.Name) and t.id in declared)
        ]
        return (n.value, written, False) if written else (None, [], False)
    # (a call whose result is unused; a setter a lambda returns: `lambda v: setattr(P, "a", v)`)
    returned = isinstance(n, gast.Return) and isinstance(n.value, gast.Call)
    if returned and called_name(n.value) not in _WRITE_FIRST_ARGUMENT:
        return None, [], False
    if isinstance(n, (gast.Expr, gast.Return)) and isinstance(n.value, gast.Call):
        call = n.value
        func = call.func
        called = called_name(call)
        if called in _KEYED and _method_of_object(func) and call.args:  # `W.__setitem__(0, v)`
            key = call.args[0]
            target = func.value
            if isinstance(key, gast.Constant) and isinstance(key.value, str) and "attr" in called:
                target = gast.Attribute(value=target, attr=key.value, ctx=gast.Load())
            elif isinstance(key, gast.Constant):
                target = gast.Subscript(value=target, slice=key, ctx=gast.Load())
            return gast.Tuple(elts=call.args[1:], ctx=gast.Load()), [target], False
        if called in _WRITE_FIRST_ARGUMENT and call.args:
            name = call.args[1] if len(call.args) > 1 else None
            key = name.value if isinstance(name, gast.Constant) else None
            target = call.args[0]  # (`setattr(P, "a", v)` writes `P.a`)
            if isinstance(key, str) and "attr" in called:
                target = gast.Attribute(value=target, attr=key, ctx=gast.Load())
            given = call.args[2:] if called in _KEYED else call.args[1:]
            # (`np.copyto(B, v)`, `heapq.heappush(H, v)`: what the object holds)
            contents = called not in _KEYED and called not in SETTING_BUILTINS
            return gast.Tuple(elts=given, ctx=gast.Load()), [target], contents
        if isinstance(func, gast.Attribute) and _is_vars_call(func.value):
            given = [*call.args, *(k.value for k in call.keywords)]  # `vars(P).update(a=v)`
            return gast.Tuple(elts=given, ctx=gast.Load()), [func.value.args[0]], True
        if isinstance(func, gast.Attribute) and func.attr not in READING_METHODS:
            given = [*call.args, *(k.value for k in call.keywords)]
            return gast.Tuple(elts=given, ctx=gast.Load()), [func.value], True
    return None, [], False


# Python's setters called as functions (`setattr(P, "a", v)`, `operator.setitem(H, "k", v)`)
SETTERS = (setattr, operator.setitem, object.__setattr__)


def partial_setter_target(callee: object) -> tuple[object, str] | None:
    """(The object, the step of the slot) a setter's `partial` sets when called with a
    value (`partial(setattr, OBJ, "lr")`: OBJ, "lr"; `partial(operator.setitem, D, "k")`
    and `partial(D.__setitem__, "k")`: D, "['k']"), else None."""
    if not isinstance(callee, functools.partial) or callee.keywords:
        return None
    if callee.func in SETTERS and len(callee.args) == 2:
        target, key = callee.args
        return target, key if callee.func is not operator.setitem else f"[{key!r}]"
    # an object's own setter (`partial(CFG.__setitem__, "lr")`, `partial(OPT.__setattr__,
    # "lr")`): the object it is bound to
    owner, name = getattr(callee.func, "__self__", None), getattr(callee.func, "__name__", "")
    own = owner is not None and not isinstance(owner, (type, types.ModuleType))
    if own and name in ("__setitem__", "__setattr__") and len(callee.args) == 1:
        key = callee.args[0]
        return owner, key if name == "__setattr__" else f"[{key!r}]"
    return None


def object_paths(target: object, roots: dict[str, object], depth: int = 3) -> list[tuple]:
    """The paths from the names of `roots` (a module's globals) to the object `target`,
    by identity, through the items of lists, tuples and dicts and the attributes of objects
    (`("OBJS", "[0]")`, `("HOLD", "['s']")`); a few levels deep, a hundred items each."""
    found: list[tuple] = []

    def visit(value: object, path: tuple, left: int) -> None:
        if value is target:
            found.append(path)
        elif left and isinstance(value, (list, tuple)):
            for i, item in enumerate(value[:100]):
                visit(item, (*path, f"[{i!r}]"), left - 1)
        elif left and isinstance(value, dict):
            for key, item in list(value.items())[:100]:
                visit(item, (*path, f"[{key!r}]"), left - 1)
        elif left and not isinstance(value, _NOT_OBJECTS) and hasattr(value, "__dict__"):
            for name, item in list(vars(value).items())[:100]:
                visit(item, (*path, name), left - 1)

    for name, value in list(roots.items()):
        if not name.startswith("__"):
            visit(value, (name,), depth)
    return found


_NOT_OBJECTS = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType)


def same_object_paths(path: tuple[str, ...], roots: dict[str, object]) -> set[tuple]:
    """The other paths from the names of `roots` (a module's globals) to the slot `path`
    names (its last step, of the object the rest reaches now): `("OPT", "lr")` for
    `("SCHED", "opt", "lr")` where `SCHED.opt is OPT` (a method's `self.opt.lr = v`)."""
    if len(path) < 2 or path[-1] == CONTENTS:
        return set()
    held = object_at(path[:-1], roots)
    if held is None or isinstance(held, _NOT_OBJECTS) or not hasattr(held, "__dict__"):
        return set()
    return {(*found, path[-1]) for found in object_paths(held, roots, depth=2)} - {path}


def _computed_item(target: gast.expr) -> bool:
    """`a[i]`, `a[1:]`, `a[:, 0]`: an item at a key that is no literal."""
    return isinstance(target, gast.Subscript) and not isinstance(target.slice, gast.Constant)


def _mutable_at(path: tuple[str, ...], roots: dict[str, object]) -> bool:
    """Whether the object at `path` now is one an update in place changes (an array, a
    list, a dict): a local holding it sees the update."""
    return isinstance(object_at(path, roots), (np.ndarray, list, dict))


def object_at(path: tuple[str, ...], roots: dict[str, object]) -> object:
    """The object `path` names from the names of `roots` now (None where a step is not
    there, or is no literal)."""
    if not path or path[0] not in roots or CONTENTS in path:
        return None
    held = roots[path[0]]
    for step in path[1:]:
        try:
            keyed = step.startswith("[")
            held = held[ast.literal_eval(step[1:-1])] if keyed else getattr(held, step)
        except Exception:  # (not there now, or a key that is no literal)
            return None
    return held


def source_path(source: str) -> tuple[str, ...]:
    """The path of a module's object as spelled (`("HOLD", "['s']", "lr")` of
    `HOLD['s'].lr`), in `object_path`'s steps (`P.__dict__['w']` is `P.w`)."""
    steps = _STEPS.findall(source)
    for i, step in enumerate(steps[:-1]):
        if step == "__dict__" and steps[i + 1][:2] in ("['", '["'):
            steps[i + 1] = steps[i + 1][2:-2]
    return tuple(s for s in steps if s != "__dict__")


_STEPS = re.compile(r"\[[^\]]*\]|[^.\[]+")


def spelled_path(path: tuple[str, ...]) -> str:
    """`OBJS[0].lr` of ("OBJS", "[0]", "lr")."""
    steps = (s if s.startswith("[") or not i else f".{s}" for i, s in enumerate(path))
    return "".join(steps)


CONTENTS = "*"  # a path's last step for what an object holds (`LOG.append(v)` changes `LOG`'s)

# calls writing into their first argument: Python's setters (`operator.setitem`,
# `object.__setattr__` too) and NumPy's functions writing into an array (`np.copyto(BUF, v)`)
_KEYED = frozenset(("setattr", "setitem", "__setattr__", "__setitem__"))
# the functions of `heapq` and `bisect` putting a value in the list they are given
_PUTTING = frozenset(
    ("heappush", "heappushpop", "heapreplace", "insort", "insort_left", "insort_right")
)
_WRITE_FIRST_ARGUMENT = _KEYED | SETTING_BUILTINS | NUMPY_WRITERS | _PUTTING
# the names a setter called as a function is reached through (`object.__setattr__(P, …)`)
_SETTER_HOLDERS = frozenset(("object", "dict", "list", "operator", "type"))


def _method_of_object(func: gast.expr) -> bool:
    """Whether `func` is a setter method of an object (`W.__setitem__`), not one called as a
    function through its type or module (`object.__setattr__`, `operator.setitem`)."""
    if not isinstance(func, gast.Attribute):
        return False
    holder = func.value
    return not (isinstance(holder, gast.Name) and holder.id in _SETTER_HOLDERS)


def called_name(call: gast.Call) -> str | None:
    """`setattr` of `setattr(…)`, `setitem` of `operator.setitem(…)` (of an `ast` or a
    `gast` call)."""
    func = call.func
    return getattr(func, "id", None) or getattr(func, "attr", None)


def _is_getattr(node: gast.expr) -> bool:
    """`getattr(obj, "name")` (a literal name; no default)."""
    return (
        isinstance(node, gast.Call)
        and getattr(node.func, "id", None) == "getattr"
        and len(node.args) == 2
        and isinstance(node.args[1], gast.Constant)
        and isinstance(node.args[1].value, str)
    )


def _is_vars_call(node: gast.expr) -> bool:
    return (
        isinstance(node, gast.Call)
        and getattr(node.func, "id", None) == "vars"
        and len(node.args) == 1
    )


def object_path(node: gast.expr) -> tuple[str, ...] | None:
    """`("STATE", "last")` of `STATE.last`, `("CACHE", "['y']")` of `CACHE["y"]`, `("P",)` of
    `P[i].w` (a computed key: the whole object from there), None where no name is at the
    root."""
    steps: list[str] = []
    while isinstance(node, (gast.Attribute, gast.Subscript)) or _is_getattr(node):
        if isinstance(node, gast.Call):  # `getattr(REC, "hist")` is `REC.hist`
            steps.append(node.args[1].value)
            node = node.args[0]
            continue
        if isinstance(node, gast.Attribute) and node.attr == "__dict__":
            pass  # (`P.__dict__` holds what `P` does: `P.__dict__.update(a=v)` changes `P`)
        elif isinstance(node, gast.Attribute):
            steps.append(node.attr)
        elif isinstance(node.slice, gast.Constant):
            key = node.slice.value  # (`P.__dict__["w"]` is `P.w`)
            dunder = isinstance(node.value, gast.Attribute) and node.value.attr == "__dict__"
            steps.append(key if dunder and isinstance(key, str) else f"[{key!r}]")
            node = node.value if dunder and isinstance(key, str) else node  # (past it)
        else:
            steps.clear()  # (a computed key: any item of what it indexes)
        node = node.value
    return (node.id, *reversed(steps)) if isinstance(node, gast.Name) else None


def _called_from_outside(func: gast.expr, own: set[str], params: list[str]) -> bool:
    """Whether a call's `func` is a name, attribute or literal item reached from a module's
    or closure's name or a parameter's default (`record(v)`, `CALLBACKS["lr"](v)`,
    `setter(v)` of `setter=set_lr`), not from a local."""
    if isinstance(func, gast.Call):
        return False
    name = root(func)
    return name is not None and (name not in own or name in params)


def _stored_by_callee(fn: types.FunctionType, call: gast.Call, made_by: dict, depth: int):
    """The stores of a helper (or a setter's `partial`) `fn` calls, its parameters mapped
    to those of `fn` whose values it was given (objects written, values stored)."""
    callee = nodes.chain_value(call.func, defaults_or_module_lookup(fn))
    setter = partial_setter_target(callee)
    if setter is not None:
        return _stored_by_setter(fn, call, made_by, setter)
    if not isinstance(callee, types.FunctionType):
        return []
    found = []
    given = given_arguments(callee, call.args, [(k.arg, k.value) for k in call.keywords])
    for store in stored_parameters(callee, depth + 1):
        objects = frozenset(
            (*object_path(given[path[0]]), *path[1:])  # (`keep(obj, v)` doing `obj.last = v`)
            for path in store.params
            if path[0] in given and root(given[path[0]]) in made_by
        )
        carried = set().union(*(_carried(given[p]) for p in store.sources if p in given))
        sources = {p for p, made in made_by.items() if carried & made}
        if sources:
            found.append(
                Store(store.where, store.paths, objects, frozenset(sources), store.in_place)
            )
    return found


def _stored_by_setter(fn: types.FunctionType, call: gast.Call, made_by: dict, setter: tuple):
    """The store of a setter's `partial` `fn` calls (`set_lr(v)` of `set_lr = partial(
    setattr, OPT, "lr")`): into the module's object it sets, of what `fn` gives it."""
    target, step = setter
    paths = frozenset((*path, step) for path in object_paths(target, fn.__globals__))
    given = [*call.args, *(k.value for k in call.keywords)]
    carried = set().union(*(_carried(value) for value in given))
    sources = frozenset(p for p, made in made_by.items() if carried & made)
    if not (paths and sources):
        return []
    where = f"line {call.lineno} of `{fn.__qualname__}`: `{_first_line(call)}`"
    return [Store(where, paths, frozenset(), sources)]


def _module(fn: types.FunctionType, name: str) -> bool:
    """Whether `name` is a module in `fn`'s globals (`np.random.seed(v)`: no object read back)."""
    return isinstance(fn.__globals__.get(name), types.ModuleType)


def given_arguments(callee: types.FunctionType, args, keywords) -> dict[str, object]:
    """The parameter of `callee` each of `args` (positional) and `keywords` ((name, value)
    pairs) is given to; what `*args` or `**kwargs` would take is left out."""
    code = callee.__code__
    given = dict(zip(code.co_varnames[: code.co_argcount], args, strict=False))
    given.update((name, value) for name, value in keywords if name is not None)
    return given


# what carries no derivative of its operands: a comparison, a length, a truth value, a type
_FLAT_BUILTINS = frozenset(("len", "bool", "int", "round", "isinstance", "type", "id", "hash"))
_METADATA = frozenset(("shape", "ndim", "size", "dtype"))


def _carried(node: gast.AST) -> set[str]:
    """The names whose values `node`'s value may carry a derivative of: not those read only
    in a comparison, `len(v)`, `bool(…)`, `int(…)`, `v.shape` and the like."""
    found: set[str] = set()
    pending = [node]
    while pending:
        n = pending.pop()
        if isinstance(n, gast.Compare):
            continue
        if isinstance(n, gast.Call) and getattr(n.func, "id", None) in _FLAT_BUILTINS:
            continue
        if isinstance(n, gast.Attribute) and n.attr in _METADATA:
            continue
        if type(n) is gast.Name and type(n.ctx) is gast.Load:
            found.add(n.id)
        pending.extend(gast.iter_child_nodes(n))
    return found


def _first_line(node: gast.AST) -> str:
    return gast.unparse(node).strip().splitlines()[0]
