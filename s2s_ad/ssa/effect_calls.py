"""What a call may update in place: the calls a statement kept for its effect may make.

`only_reads(callee, call)`: `print`, `logging`, `warnings`, reading built-ins, NumPy functions
without `out=` (nor `np.copyto`, `np.random.shuffle`, …). `exposed(expr)`: the local names
whose objects a callee given `expr` could reach (`a`, `a[1:]`, `[a, b]`; not `a + 1`,
`str(a)`). `helper_update(fn)`: for a function of the user's, how it may update an argument
in place (`v[0] = …`, `v += …`, `v.sort()`, passing `v` on to such a call), read from its
source, views and aliases of its parameters included; None when it updates none.

    def report(w):               helper_update(report) → None
        print(np.mean(w))
    def fill(a, x):              helper_update(fill) → "line 2: `a[0] = x`"
        a[0] = x
"""

from __future__ import annotations

import bisect
import builtins
import collections
import functools
import heapq
import io
import linecache
import logging
import operator
import random
import sys
import sysconfig
import types
import warnings
import weakref

import gast
import numpy as np

from ..errors import S2SError
from ..frontend import nodes
from ..frontend.library import module_name
from ..frontend.nodes import descendants, root
from ..frontend.parse import parse_function
from ..naming import is_generated_tape
from .lower_expr import ARRAY_METHODS, STORING_METHODS
from .sharing import sharing_kind

# Built-ins that only read their arguments (they call `__str__`, `__len__`, … at most).
READING_BUILTINS = frozenset(
    getattr(builtins, name)
    for name in (
        *("print", "repr", "str", "format", "len", "isinstance", "issubclass", "type", "id"),
        *("float", "int", "bool", "complex", "abs", "round", "min", "max", "sum", "any", "all"),
        *("sorted", "list", "tuple", "dict", "set", "frozenset", "range", "enumerate", "zip"),
        *("hash", "ascii", "bin", "hex", "oct", "chr", "ord", "callable", "hasattr", "getattr"),
    )
)
# Methods of local values that only read them: array methods, str methods, dict views.
READING_METHODS = frozenset(
    {
        *ARRAY_METHODS,
        *("item", "tolist", "nonzero", "conj", "argmax", "argmin", "astype", "copy"),
        *("format", "join", "upper", "lower", "strip", "lstrip", "rstrip", "split", "rsplit"),
        *("startswith", "endswith", "replace", "count", "index", "find", "center", "ljust"),
        *("rjust", "zfill", "title", "capitalize", "splitlines", "encode", "decode"),
        *("keys", "values", "items", "get"),
    }
)
# NumPy functions that write into an argument.
NUMPY_WRITERS = frozenset(
    {"copyto", "put", "place", "putmask", "fill_diagonal", "put_along_axis", "shuffle"}
)
# Built-ins whose result is a new object holding none of its arguments' objects.
FRESH_BUILTINS = frozenset(
    getattr(builtins, name)
    for name in ("repr", "str", "format", "len", "float", "int", "bool", "round", "abs", "hash")
)


# NumPy functions and array methods whose result is a new number or array (`record(np.sum(y))`
# gives the callee nothing of `y` to update); views and copies-or-views are in ssa/sharing.py
FRESH_NUMPY = frozenset(
    {
        *(np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.std, np.var),
        *(np.median, np.average, np.cumsum, np.cumprod, np.diff, np.sort, np.copy),
        *(np.dot, np.vdot, np.inner, np.outer, np.trace, np.linalg.norm),
    }
)
FRESH_METHODS = frozenset(
    {"sum", "mean", "prod", "max", "min", "std", "var", "cumsum", "cumprod", "copy", "dot"}
)


# s2s_ad's run-time functions in derivative code that only read what they are given
_RUNTIME_READERS = frozenset(
    {"unshared", "sole_item", "immutable_item", "rebound", "key_present", "full_like"}
    | {"deep_copy"}
    | {"zeros_like", "unbroadcast", "full_like_directions", "unbroadcast_directions"}
)


def only_reads(callee: object, call: gast.Call) -> bool:
    """Whether calling `callee` certainly leaves the objects it is given unchanged."""
    if callee is None:
        return False
    if any(kw.arg == "out" for kw in call.keywords):
        return False
    try:
        if callee in READING_BUILTINS:
            return True
    except TypeError:  # unhashable
        return False
    owner = getattr(callee, "__self__", None)
    if owner is sys.stdout or owner is sys.stderr or isinstance(owner, logging.Logger):
        return True
    module = module_name(callee)
    if module.startswith("s2s_ad.runtime") and callee.__name__ in _RUNTIME_READERS:
        return True  # (derivative code differentiated again: its checks and fills)
    if module.split(".")[0] in ("logging", "warnings") or callee is warnings.warn:
        return True
    name = getattr(callee, "__name__", "")
    if isinstance(callee, np.ufunc):
        return True
    return module.split(".")[0] == "numpy" and name not in NUMPY_WRITERS


def exposed(node: gast.expr, resolve) -> set[str]:
    """Names whose objects (or views of them, or containers holding them) `node` may
    evaluate to: what a callee given `node` could update. Operators, f-strings and calls of
    `FRESH_BUILTINS` make new objects of their own."""
    if isinstance(node, gast.Name):
        return {node.id}
    if isinstance(node, (gast.BinOp, gast.UnaryOp, gast.Compare, gast.JoinedStr, gast.Constant)):
        return set()
    if isinstance(node, gast.Attribute) and node.attr in _METADATA:
        return set()  # `v.shape[0]` in `raise ValueError(v.shape[0])`: not `v`
    if isinstance(node, gast.Call):
        func = node.func
        if isinstance(func, gast.Attribute) and func.attr in FRESH_METHODS:
            return set()  # `y.mean()`: a new number or array
        callee = resolve(func)
        if isinstance(callee, np.ufunc) and not any(k.arg == "out" for k in node.keywords):
            return set()  # `np.tanh(y)`: a new array
        try:
            if callee in FRESH_BUILTINS or callee in FRESH_NUMPY:
                return set()
        except TypeError:  # unhashable
            pass
    found: set[str] = set()
    for child in gast.iter_child_nodes(node):  # `a.T`, `f(a)`, `[a, b]`, `a or b`, …
        if isinstance(child, gast.keyword):
            child = child.value
        if isinstance(child, gast.expr):
            found |= exposed(child, resolve)
    return found


# an array's attributes that are values of their own, immutable (a tuple, an integer, a
# dtype): given one, a callee can update nothing of the array
_METADATA = frozenset({"shape", "ndim", "size", "dtype", "itemsize", "nbytes"})

_LIBRARY_PATHS = tuple(
    path for path in {sysconfig.get_path("stdlib"), sysconfig.get_path("purelib")} if path
)
# the functions being read (not cached: a helper's globals may be rebound between calls)
_UPDATING: set = set()
_READING: set = set()


def helper_update(fn: types.FunctionType, depth: int = 0) -> str | None:
    """How `fn` may update an argument in place (a short description), or None if it
    certainly does not. A library's function (never read) or one nested too deep may."""
    if _library(fn):
        return f"`{fn.__qualname__}` is a library function"
    if depth > 3:
        return f"`{fn.__qualname__}` calls helpers too deeply nested to follow"
    if fn.__code__ in _UPDATING:
        return f"`{fn.__qualname__}` is recursive"
    try:
        node = parse_function(fn).node
    except S2SError:
        return f"the source of `{fn.__qualname__}` cannot be read"
    _UPDATING.add(fn.__code__)
    try:
        return _first_update(fn, node, depth)
    finally:
        _UPDATING.discard(fn.__code__)


def _first_update(fn: types.FunctionType, node: gast.FunctionDef, depth: int) -> str | None:
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    params += [a for a in (args.vararg, args.kwarg) if a is not None]
    holders = {p.id for p in params}  # names that may hold an argument's object or a view
    return first_update(node, holders, _resolver(fn, holders), depth)


def _resolver(fn: types.FunctionType, hidden: set | frozenset = frozenset()):
    """What a callee spelled `f` or `a.b.f` in `fn`'s source names through its module or
    cells (`_resolved`), as a function of the node; None for a name in `hidden` (a local)."""

    def resolve(func: gast.expr) -> object:
        dotted = nodes.dotted(func)
        return None if dotted is None or dotted[0] in hidden else _resolved(fn, dotted)

    return resolve


def first_update(
    node: gast.FunctionDef,
    holders: set[str],
    resolve,
    depth: int = 0,
    skip=None,
    filename: str = "",
    unknown_calls: bool = True,
) -> str | None:
    """Where the body of `node` may update in place an object one of `holders` names (or
    a name made to share it, `b = a`, `v = a[1:]`), described; None if nowhere. `skip`: a
    call not to count (the one asking), and where it stands, only what runs after it (a
    loop around it: all of the loop; `v = np.tanh(v)` after it, at the function's level:
    `v` then names another object). In derivative code compiled from `filename`, saving
    values on a tape (`_tape1.append((i, v))`) updates the tape, never the values.
    `unknown_calls`: whether a holder given to a callable not read (a library's) counts."""
    found = updating_node(node, holders, resolve, depth, skip, filename, unknown_calls)
    return None if found is None else _described_update(node, *found)


def _described_update(node: gast.FunctionDef, n: gast.AST, deeper: str) -> str:
    """`updating_node`'s finding `n` in `node`, described (a call's `deeper` description)."""
    if isinstance(n, (gast.Subscript, gast.Attribute)):
        return f"line {n.lineno}: `{gast.unparse(n).strip()} = …`"
    return deeper or f"line {getattr(n, 'lineno', node.lineno)}: `{gast.unparse(n).strip()}`"


def view_base(node: gast.expr, resolve) -> set[str]:
    """The name whose array `node` is certainly or may be a view of, by its spelling (`v`
    of `v[1:]`, `v.T`, `v.reshape(-1)`, `np.transpose(v)`), else none."""
    while isinstance(node, gast.Attribute) and node.attr in _VIEW_ATTRIBUTES:
        node = node.value
    if isinstance(node, gast.Subscript):
        node = node.value
    elif isinstance(node, gast.Call):
        func = node.func
        if isinstance(func, gast.Attribute) and func.attr in _VIEW_METHODS:
            node = func.value
        elif sharing_kind(resolve(func)) is not None and node.args:
            node = node.args[0]
        else:
            return set()
    return {node.id} if isinstance(node, gast.Name) else set()


_VIEW_ATTRIBUTES = frozenset({"T", "real", "imag", "mT"})
_VIEW_METHODS = frozenset({"reshape", "ravel", "view", "transpose", "swapaxes", "squeeze"})


def updating_node(
    node: gast.FunctionDef,
    holders: set[str],
    resolve,
    depth: int = 0,
    skip=None,
    filename: str = "",
    unknown_calls: bool = True,
) -> tuple | None:
    """`first_update`'s finding: the node updating a holder's object (a store's target, an
    augmented assignment, a call), with a call's deeper description ("": the call itself)."""
    holders = set(holders)
    body = _searched(node, skip, holders, resolve, filename)
    # the slots a holder is stored in (`STATE.last` of `STATE.last = v`): an update through
    # one updates the holder's object, not the slot's owner's (`STATE` is not `v`)
    slots: set[str] = set()
    for _ in range(len(body)):  # aliases and views: to a fixed point
        before = len(holders) + len(slots)
        for n in body:
            if isinstance(n, (gast.Assign, gast.For)) and exposed(_value(n), resolve) & holders:
                targets = n.targets if isinstance(n, gast.Assign) else [n.target]
                for t in targets:
                    _note_target(t, holders, slots)
        if len(holders) + len(slots) == before:
            break
    for n in body:
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            if root(n) in holders or _through_slot(n.value, slots):
                return n, ""
        elif isinstance(n, gast.AugAssign) and (
            root(n.target) in holders or _through_slot(n.target, slots)
        ):
            return n, ""
        elif isinstance(n, gast.Call):
            update = _call_update(n, holders, resolve, depth, unknown_calls)
            if update is None and isinstance(n.func, gast.Attribute):
                through = _through_slot(n.func.value, slots)  # (`STATE.last.append(w)`)
                update = "" if through and n.func.attr not in READING_METHODS else None
            if update is not None:
                return n, update
    return None


def item_update(
    node: gast.FunctionDef, containers: set[str], resolve, skip=None, filename: str = "", depth=0
) -> str | None:
    """Where the body of `node` (after `skip`, as `first_update`) may update in place an
    object held in one of `containers` (a module's list or dict a local's array was stored
    in), described; None if nowhere: `LOG[0][0] = 0.0`, `LOG[-1] *= 2.0`, `LOG[-1].fill(0)`,
    `np.clip(LOG[0], 0, 1, out=LOG[0])`, `for a in LOG: a *= 2.0`, `halve(LOG[-1])`, or a
    helper of yours doing so to the module's container (`double_last()`). Storing into the
    container itself changes no item it holds (`LOG.append(w)`, `LOG[0] = w`)."""
    containers = set(containers)
    items: set[str] = set()  # names bound to an item (`a` of `for a in LOG`, `a = LOG[-1]`)
    for n in nodes.descendants(node):  # (aliases: `b = LOG`; items: to the loop below)
        if isinstance(n, gast.Assign) and getattr(n.value, "id", None) in containers:
            containers |= {t.id for t in n.targets if isinstance(t, gast.Name)}
    for n in nodes.descendants(node):
        if isinstance(n, (gast.Assign, gast.For)):
            value = _value(n)
            taken = _item_of(value, containers)
            taken = taken or (isinstance(n, gast.For) and exposed(value, resolve) & containers)
            if taken:
                targets = n.targets if isinstance(n, gast.Assign) else [n.target]
                items |= {
                    m.id for t in targets for m in nodes.descendants(t) if isinstance(m, gast.Name)
                }
    if items:
        update = first_update(node, items, resolve, depth, skip, filename)
        if update is not None:
            return update
    for n in _searched(node, skip, set(), resolve, filename):
        line = getattr(n, "lineno", node.lineno)  # (the line as written: not desugared)
        where = f"line {line}: `{linecache.getline(filename, line).strip() or gast.unparse(n)}`"
        if isinstance(n, (gast.Subscript, gast.Attribute)) and isinstance(n.ctx, gast.Store):
            if _item_of(n.value, containers):
                return where
        elif isinstance(n, gast.AugAssign) and _item_of(n.target, containers):
            return where
        elif isinstance(n, gast.Call):
            update = _item_call_update(n, containers, resolve, depth)
            if update is not None:
                return update or where
    return None


def _item_of(node: gast.expr, containers: set[str]) -> bool:
    """Whether `node` reads an item of one of `containers`, or into one (`LOG[-1]`,
    `LOG[0][1:]`, `CACHE["w"].T`)."""
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        if isinstance(node, gast.Subscript) and isinstance(node.value, gast.Name):
            return node.value.id in containers
        node = node.value
    return False


def _item_call_update(call: gast.Call, containers: set[str], resolve, depth: int) -> str | None:
    """'' (this call) or a deeper description when `call` may update an item of one of
    `containers` in place, else None (`item_update`)."""
    func = call.func
    if any(k.arg == "out" and _item_of(k.value, containers) for k in call.keywords):
        return ""
    if isinstance(func, gast.Attribute) and _item_of(func.value, containers):
        return None if func.attr in READING_METHODS else ""
    callee = resolve(func)
    function = isinstance(callee, types.FunctionType) and depth <= 3
    passed = [*call.args, *(k.value for k in call.keywords)]
    if any(_item_of(arg, containers) for arg in passed) and not only_reads(callee, call):
        update = helper_update(callee, depth + 1) if function else ""
        if update is not None:
            return update
    if not function:
        return None
    # (a helper of yours reaching the module's container by its own name: `double_last()`)
    module = callee.__globals__
    own = {
        name for name in containers if name in module and resolve(nodes.name(name)) is module[name]
    }
    if not own or _library(callee):
        return None
    try:
        inner = parse_function(callee).node
    except S2SError:
        return None
    resolve = _resolver(callee)
    update = item_update(inner, own, resolve, None, callee.__code__.co_filename, depth + 1)
    return None if update is None else f"{update} of `{callee.__qualname__}`"


def _searched(node: gast.FunctionDef, skip, holders: set[str], resolve, filename: str) -> list:
    """The nodes of `node`'s body a search for an update reads: all but `skip` and the
    tapes' appends of derivative code compiled from `filename`; where `skip` is given, only
    what runs after it (`_after`, which drops from `holders` the names rebound after it)."""
    body = [
        n
        for stmt in node.body
        for n in nodes.walk_own(stmt)
        if n is not skip and not _appends_to_tape(n, filename)
    ]
    return body if skip is None else _after(node, body, skip, holders, resolve)


def _after(node: gast.FunctionDef, body: list, call: gast.AST, holders: set[str], resolve) -> list:
    """The nodes of `body` that run after `call`: those after its line, and all of a loop
    around it; `holders` rebound at the function's level after it, to a new object
    (`v = np.tanh(v)`, `v = v + 1.0`), name other objects from there on."""
    line = getattr(call, "end_lineno", None) or getattr(call, "lineno", None)
    if line is None:
        return body
    loops = [
        n
        for n in body
        if isinstance(n, (gast.For, gast.While)) and n.lineno <= call.lineno <= n.end_lineno
    ]
    if loops:
        inside = {id(m) for loop in loops for m in nodes.descendants(loop)}
        return [n for n in body if id(n) in inside or getattr(n, "lineno", 0) > line]
    kept = {id(n) for n in body}  # (tapes' appends and the call itself left out)
    after = []
    for stmt in node.body:
        if (stmt.end_lineno or stmt.lineno) <= line:
            continue
        nodes_of = [n for n in nodes.walk_own(stmt) if id(n) in kept]
        if stmt.lineno <= line:  # (an `if` or `with` holding the call: what follows it)
            after.extend(n for n in nodes_of if getattr(n, "lineno", 0) > line)
            continue
        after.extend(nodes_of)
        rebound = isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
        target = stmt.targets[0] if rebound else None
        if isinstance(target, gast.Name) and not exposed(stmt.value, resolve) & holders:
            holders.discard(target.id)
    return after


def _note_target(target: gast.expr, holders: set[str], slots: set[str]) -> None:
    """A target given a holder's object: a name becomes a holder (`b = a`, `p, q = a, b`),
    an attribute or item a slot holding it (`STATE.last = v`)."""
    if isinstance(target, gast.Name):
        holders.add(target.id)
    elif isinstance(target, (gast.Tuple, gast.List)):
        for element in target.elts:
            _note_target(element, holders, slots)
    elif isinstance(target, gast.Starred):
        _note_target(target.value, holders, slots)
    else:
        slots.add(gast.unparse(target).strip())


def _through_slot(node: gast.expr, slots: set[str]) -> bool:
    """Whether `node` reaches into a slot holding a holder's object (`STATE.last`,
    `STATE.last[0]`)."""
    if not slots:
        return False
    while isinstance(node, (gast.Attribute, gast.Subscript)):
        if gast.unparse(node).strip() in slots:
            return True
        node = node.value
    return False


def _value(n: gast.stmt) -> gast.expr:
    return n.value if isinstance(n, gast.Assign) else n.iter


def _call_update(
    call: gast.Call, holders: set[str], resolve, depth: int, unknown_calls: bool = True
) -> str | None:
    """'' (this call) or a deeper description when `call` may update a holder, else None
    (given to a callable not read, a library's: '' if `unknown_calls`, else None)."""
    func = call.func
    if any(k.arg == "out" and root(k.value) in holders for k in call.keywords):
        return ""  # (`a.clip(lo, hi, out=a)`, `np.add(a, b, out=a)`)
    if isinstance(func, gast.Attribute) and root(func.value) in holders:
        return None if func.attr in READING_METHODS else ""
    callee = resolve(func)
    if only_reads(callee, call):
        return None
    # (`setattr(P, "a", v)`, `heapq.heappush(H, v)`: only the object stored into changes;
    # `H.__setitem__(k, v)`: only `H`)
    passed = [*call.args, *(k.value for k in call.keywords)]
    if changes_first_only(callee):
        passed = call.args[:1]
    elif _sets_its_object(callee):
        passed = []
    given = {name for arg in passed for name in exposed(arg, resolve)} & holders
    if not given:
        return None
    if isinstance(callee, types.FunctionType) and (unknown_calls or not _library(callee)):
        return helper_update(callee, depth + 1)
    return "" if unknown_calls else None


def _library(fn: types.FunctionType) -> bool:
    """A library's function (s2s_ad's runtime among them), whose source is never read."""
    filename = fn.__code__.co_filename
    return filename.startswith(_LIBRARY_PATHS) or module_name(fn).startswith("s2s_ad.")


def changes_first_only(callee: object) -> bool:
    """Whether `callee` changes its first argument alone, storing the others in it
    (`setattr`, `operator.setitem`, `object.__setattr__`, `heapq.heappush`, `bisect.insort`)."""
    try:
        return callee in _FIRST_ARGUMENT_WRITERS
    except TypeError:  # unhashable
        return False


def changes_container(fn: object) -> bool:
    """Whether `fn` is a method changing the list, dict, set or deque it is bound to
    (`OUT.append`, `H.__setitem__`, `Q.popleft`; not `CACHE.get`)."""
    owner = getattr(fn, "__self__", None)
    return isinstance(owner, (list, dict, set, collections.deque)) and (
        getattr(fn, "__name__", "") not in READING_METHODS
    )


def writing_partial(fn: object) -> bool:
    """Whether `fn` is a `partial` of a setter or of a method changing its object
    (`partial(setattr, OPT, "lr")`, `partial(M.__setitem__, (0, 0))`, `partial(LOG.append)`)."""
    if not isinstance(fn, functools.partial):
        return False
    return changes_first_only(fn.func) or own_setter(fn.func) or changes_container(fn.func)


def _partial_target(fn: types.FunctionType, setter: functools.partial) -> str | None:
    """The name of `fn`'s module's global holding the object a writing partial changes (its
    first argument, or the object its method is bound to), else None."""
    target = setter.args[0] if changes_first_only(setter.func) and setter.args else None
    target = getattr(setter.func, "__self__", None) if target is None else target
    return next((k for k, v in fn.__globals__.items() if v is target), None)


def own_setter(fn: object) -> bool:
    """Whether `fn` is an object's own setter bound to it (`STATE.__setattr__`,
    `ARR.__setitem__`), not one reached through its type or module (`object.__setattr__`)."""
    owner = getattr(fn, "__self__", None)
    named = getattr(fn, "__name__", "") in ("__setattr__", "__setitem__", "__delattr__")
    return named and owner is not None and not isinstance(owner, (type, types.ModuleType))


def _sets_its_object(callee: object) -> bool:
    """Whether `callee` is an object's own setter (`own_setter`) or a list's, dict's, set's
    or deque's method storing what it is given (`LOG.append`), which changes that object
    alone, not what it is given."""
    owner = getattr(callee, "__self__", None)
    if isinstance(owner, (list, dict, set, collections.deque)):
        return getattr(callee, "__name__", "") in _STORING
    return own_setter(callee)


# the methods of a list, dict, set or deque storing what they are given in it
_STORING = STORING_METHODS | {"appendleft", "extendleft", "__setitem__"}


def helper_effect(fn: types.FunctionType, depth: int = 0) -> str | None:
    """A statement of `fn` (or of a helper of the user's it calls) kept for its effect,
    drawing random numbers or changing state others read, described, or None: what would
    run again if the call were made again."""
    return _first_step(fn, ("effect", "draw", "writes"), depth)


def helper_reads(fn: types.FunctionType) -> str | None:
    """A read of `fn` (or of a helper of the user's it calls) of its module's data (a
    global number, array, list or object: `is_data`), described, or None."""
    return _first_step(fn, ("reads",), 0)


def state_written(fn: types.FunctionType) -> frozenset:
    """(module, name) of what `fn` (or a helper of the user's it calls) may change for
    others to read (`_written`; name None: an object reached otherwise)."""
    return _collected(fn, "writes", lambda f, step: {(_module(f), n) for n in step[3]})


def data_read(fn: types.FunctionType) -> frozenset:
    """(module, name) of the module data `fn` (or a helper of the user's it calls) reads."""

    def data(f: types.FunctionType, step: tuple) -> set:
        name = step[1]
        return (
            {(_module(f), name)}
            if name in f.__globals__ and is_data(f.__globals__[name])
            else set()
        )

    return _collected(fn, "reads", data)


def _module(fn: types.FunctionType) -> str:
    return fn.__globals__.get("__name__", "")


def _collected(fn: types.FunctionType, kind: str, keep, depth: int = 0) -> frozenset:
    """What `keep(function, step)` gives of each step of `kind` of `fn` and of the helpers
    of the user's it calls by name (`_first_step`'s walk, every step)."""
    if _library(fn) or depth > 3 or fn.__code__ in _READING:
        return frozenset()
    _READING.add(fn.__code__)
    found: set = set()
    try:
        for step in _effect_steps(fn):
            if step[0] == kind:
                found |= keep(fn, step)
            for callee in _step_callees(fn, step):
                written = _partial_written(fn, callee, step)
                if written is None:
                    found |= _collected(callee, kind, keep, depth + 1)
                elif kind == "writes":
                    found |= keep(fn, written)
    finally:
        _READING.discard(fn.__code__)
    return frozenset(found)


def _step_callees(fn: types.FunctionType, step: tuple) -> list:
    """The functions of yours a "call", "callee" or "indirect" step may run (looked up now:
    globals may be rebound): `helper(v)`, `REC.record(v)`, `HANDLERS["w"](v)`, `Writer().
    emit(v)`, `setter(v)` of a default or a closure's variable; and the writing partials
    (`writing_partial`) a "callee" or "indirect" step may call (`CALLBACKS["lr"](v)`)."""
    if step[0] == "call":
        callee = fn.__globals__.get(step[1])
        return [callee] if isinstance(callee, types.FunctionType) else []
    if step[0] == "callee":
        func = step[1]
        computed = isinstance(func, gast.Subscript) and not isinstance(func.slice, gast.Constant)
        # (`CALLBACKS[i](v)`, `for k in D: D[k]()`: any item of the module's list or dict)
        targets = items_of(_reached(fn, func.value)) if computed else [_reached(fn, func)]
    elif step[0] == "indirect":
        targets = _indirect_values(fn, step[1], step[4])
    else:
        return []
    found = []
    for target in targets:
        function = target if writing_partial(target) else _function_run(target)
        if function is not None:
            found.append(function)
    return found


def _partial_written(fn: types.FunctionType, callee: object, step: tuple) -> tuple | None:
    """A writing partial a step calls, as a "writes" step of `fn` (the statement, its line,
    the global it changes), else None."""
    if not writing_partial(callee):
        return None
    return ("writes", step[2], step[3], frozenset((_partial_target(fn, callee),)))


def streams_reached(fn: types.FunctionType) -> frozenset:
    """The names of the module's files and streams `fn` (or a helper of yours it calls)
    reads or writes (`SIO.getvalue()`, `len(LOG.getvalue())`)."""

    def stream(f: types.FunctionType, step: tuple) -> set:
        return {step[1]} if isinstance(f.__globals__.get(step[1]), io.IOBase) else set()

    return _collected(fn, "reads", stream)


def is_data(value: object) -> bool:
    """A value code computes with (a number, an array, a list, an object's field), not code
    or a namespace: neither a module, a class, nor anything callable."""
    return not isinstance(value, (types.ModuleType, type)) and not callable(value)


def helper_writes(fn: types.FunctionType) -> str | None:
    """A statement of `fn` (or of a helper of the user's it calls) that may change what
    another function reads (`_written`: a global, a closure's variable, an object's
    attribute or item, an argument's too), described, or None."""
    return _first_step(fn, ("writes",), 0)


def helper_draw(fn: types.FunctionType) -> str | None:
    """A statement of `fn` (or of a helper of the user's it calls) that draws random
    numbers (`draws_random`), described, or None: run again, it draws other numbers."""
    return _first_step(fn, ("draw",), 0)


# the generators whose methods draw: NumPy's `np.random.default_rng()` and its legacy
# `np.random.normal` (a method of a hidden `RandomState`), Python's `random.gauss` (of a
# hidden `random.Random`)
GENERATORS = (np.random.Generator, np.random.RandomState, np.random.BitGenerator, random.Random)


def draws_random(callee: object, given: tuple = ()) -> bool:
    """Whether calling `callee` with the values `given` draws from a random generator
    (`rng.normal`, `np.random.rand`, `random.gauss`, `np.random.seed`; a generator's method
    called on it, `GENS["train"].normal`; a generator passed, `norm.rvs(random_state=rng)`):
    it advances the generator's state, so the derivative must make the call once, where the
    plain call makes it, never again."""
    if isinstance(getattr(callee, "__self__", None), GENERATORS):
        return True
    return any(isinstance(value, GENERATORS) for value in given)


def described_effect(statement: str, line: int, function: str) -> str:
    """How a statement kept for its effect is named in messages (`jit=True`'s fallback)."""
    return f"`{statement}`, line {line} of `{function}`"


def _first_step(fn: types.FunctionType, kinds: tuple[str, ...], depth: int) -> str | None:
    if _library(fn) or depth > 3:
        return None
    if fn.__code__ in _READING:
        return None  # recursion: the outer reading finds what there is
    _READING.add(fn.__code__)
    try:
        for step in _effect_steps(fn):
            kind = step[0]
            if kind in ("effect", "writes") and kind in kinds:
                return described_effect(step[1], step[2], fn.__qualname__)
            if kind == "draw" and kind in kinds and _call_draws(fn, step[3]):
                return described_effect(step[1], step[2], fn.__qualname__)
            reads = kind == "reads" and kind in kinds and step[1] in fn.__globals__
            if reads and is_data(fn.__globals__[step[1]]):
                return described_effect(step[1], step[2], fn.__qualname__)
            for callee in _step_callees(fn, step):
                written = _partial_written(fn, callee, step)
                if written is not None and "writes" in kinds:
                    return described_effect(written[1], written[2], fn.__qualname__)
                found = None if written is not None else _first_step(callee, kinds, depth + 1)
                if found is not None:
                    return found
        return None
    finally:
        _READING.discard(fn.__code__)


def _reaches_object(fn: types.FunctionType, func: gast.expr, own: set[str]) -> bool:
    """Whether a call's `func` starts from a module's name that is not a library's module
    (`REC.record`, `HANDLERS["w"]`, `REC`, `Writer().emit`): what it runs is looked up when
    asked (`_step_callees`). (A function called by its name is a "call" step.)"""
    start = func
    while isinstance(start, (gast.Attribute, gast.Subscript, gast.Call)):
        start = start.func if isinstance(start, gast.Call) else start.value
    if not isinstance(start, gast.Name) or start.id in own:
        return False
    value = fn.__globals__.get(start.id)
    if start is func and isinstance(value, types.FunctionType):
        return False
    if isinstance(value, types.ModuleType):
        return not (getattr(value, "__file__", None) or "").startswith(_LIBRARY_PATHS)
    return value is not None


def _function_run(target: object) -> types.FunctionType | None:
    """The function of yours calling `target` runs: itself, a method's function, the
    `__call__` of an object of a class of yours (`REC.record`, `Writer().emit`, a
    staticmethod, `HANDLERS["w"]`, `REC` of `REC(v)`); else None."""
    if isinstance(target, types.MethodType):
        target = target.__func__
    elif target is not None and not isinstance(target, (types.FunctionType, type)):
        target = type(target).__dict__.get("__call__")  # (an object of a class of yours)
    return target if isinstance(target, types.FunctionType) else None


def _bound_by_itself(fn: types.FunctionType, func: gast.expr, params: set, loops: dict) -> bool:
    """Whether a call's `func` starts from a name `fn` binds to what is given it when made
    or called: a parameter (its default), a loop's name, a closure's variable (`setter(v)`
    of `def decay(setter=set_lr)`, of `for s in SETTERS`, of `make_step(set_lr)`)."""
    name = root(func)
    return name is not None and (name in params or name in loops or name in fn.__code__.co_freevars)


def _indirect_values(fn: types.FunctionType, func: gast.expr, over: gast.expr | None) -> list:
    """What an "indirect" step's `func` may be now: from its root's default or closure
    cell, or from each item of what the loop binding the root iterates over."""
    lookup = defaults_or_module_lookup(fn)
    if over is None:
        roots = [lookup(root(func))]
    else:
        roots = items_of(nodes.chain_value(_container(over), lookup))
    return [nodes.chain_value(func, lambda _, held=held: held) for held in roots]


def defaults_or_module_lookup(fn: types.FunctionType):
    """A name's value as `fn` sees it before its body runs: a parameter's default, a closure
    cell's content, else its module's (or the builtins') (None where none)."""
    code = fn.__code__
    cells = dict(zip(code.co_freevars, fn.__closure__ or (), strict=False))
    positional = code.co_varnames[: code.co_argcount]
    defaults = fn.__defaults__ or ()
    first_default = len(positional) - len(defaults)

    def lookup(name: str) -> object:
        if name in cells:
            try:
                return cells[name].cell_contents
            except ValueError:  # (an empty cell)
                return None
        if name in (fn.__kwdefaults__ or {}):
            return fn.__kwdefaults__[name]
        if name in positional:
            at = positional.index(name) - first_default
            return defaults[at] if at >= 0 else None
        return _global_or_builtin(fn.__globals__, name)

    return lookup


def _loop_iterables(node: gast.FunctionDef) -> dict[str, gast.expr]:
    """Each name a `for` loop binds → what the loop iterates over."""
    found = {}
    for n in descendants(node):
        if isinstance(n, gast.For):
            for name in descendants(n.target):
                if isinstance(name, gast.Name):
                    found[name.id] = n.iter
    return found


def _container(over: gast.expr) -> gast.expr:
    """The container whose items a loop over `over` takes (`SETTERS` of `enumerate(
    SETTERS)`, of `SETTERS[1:]`, `CALLBACKS` of `CALLBACKS.values()`)."""
    while isinstance(over, (gast.Call, gast.Subscript)):
        if isinstance(over, gast.Subscript):  # (`SETTERS[1:]`: some of its items)
            if not isinstance(over.slice, gast.Slice):
                break
            over = over.value
            continue
        func = over.func
        if isinstance(func, gast.Attribute) and func.attr in ("values", "items"):
            over = func.value
        elif isinstance(func, gast.Name) and func.id in _ITEMS_KEPT and over.args:
            over = over.args[0]
        else:
            break
    return over


_ITEMS_KEPT = frozenset(("enumerate", "reversed", "list", "sorted", "iter", "tuple"))


def items_of(container: object) -> list:
    """The items of a list, tuple, set or dict (its values), a pair's parts too."""
    if isinstance(container, dict):
        container = list(container.values())
    if not isinstance(container, (list, tuple, set, frozenset)):
        return []
    items = list(container)[:100]
    return [part for item in items for part in (item if isinstance(item, tuple) else (item,))]


def _reached(fn: types.FunctionType, node: gast.expr) -> object:
    """The object `node` (names, attributes, literal items, a class called) names in
    `fn`'s module now; None where any step does not."""
    if isinstance(node, gast.Name):
        return fn.__globals__.get(node.id)
    if isinstance(node, gast.Call):  # `Writer()`: the class, whose methods the object has
        made = _reached(fn, node.func)
        return made if isinstance(made, type) else None
    if isinstance(node, gast.Attribute):
        owner = _reached(fn, node.value)
        if isinstance(node.value, gast.Call) and isinstance(owner, type):
            return owner.__dict__.get(node.attr) or getattr(owner, node.attr, None)
        return getattr(owner, node.attr, None) if owner is not None else None
    if isinstance(node, gast.Subscript) and isinstance(node.slice, gast.Constant):
        owner = _reached(fn, node.value)
        try:
            return owner[node.slice.value]
        except (TypeError, LookupError):
            return None
    return None


def _resolved(fn: types.FunctionType, dotted: list[str]) -> object:
    """The object `a.b.c` names in `fn`'s module now (None where any part is missing)."""
    value = _global_or_builtin(fn.__globals__, dotted[0])
    for attr in dotted[1:]:
        value = getattr(value, attr, None)
    return value


def _call_draws(fn: types.FunctionType, call: gast.Call) -> bool:
    """Whether `call`, in `fn`'s source, draws (`draws_random`) from a generator its
    module's names reach now: `RNG.normal(…)`, `GENS["train"].normal(…)`, `rvs(random_state=
    RNG)` (a parameter's or a local's generator is never looked up: none reaches it)."""
    func = call.func
    receiver = func.value if isinstance(func, gast.Attribute) else None
    given = [receiver, *call.args, *(k.value for k in call.keywords)]
    lookup = _module_lookup(fn)  # (one for the callee and every value it is given)
    values = tuple(nodes.chain_value(v, lookup) for v in given if v is not None)
    return draws_random(nodes.chain_value(func, lookup), values)


def _static_value(fn: types.FunctionType, node: gast.expr) -> object:
    """The object `node` names through `fn`'s module (`a.b`, `a["k"]`, `a[0]`), read now;
    None for any other expression, or a name `fn` binds."""
    return nodes.chain_value(node, _module_lookup(fn))


def _module_lookup(fn: types.FunctionType):
    """`chain_value`'s `lookup` of a name read in `fn`: what its module (or the builtins)
    binds now; None for a name `fn` binds."""
    own, module = _own_names(fn), fn.__globals__

    def lookup(name: str) -> object:
        return None if name in own else _global_or_builtin(module, name)

    return lookup


def _global_or_builtin(module: dict, name: str) -> object:
    """The module's global `name`, else the builtin, else None. (The builtin looked up only
    where the module has none: a `getattr` of a missing builtin is costly, and nearly every
    name read is a global.)"""
    return module[name] if name in module else getattr(builtins, name, None)


# code → what `_first_step` reads of its source, in order: ("effect", statement, line);
# ("draw", statement, line, the call) for a call (a draw if it reaches a generator);
# ("writes", statement, line, names) for a write of state others read (`_written`);
# ("reads", name, line) for a name it does not bind; ("call", name of a function called by
# name). Read once per code object (rendering a statement asks for every call it makes).
_STEPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_OWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # code → the names it binds


def _own_names(fn: types.FunctionType) -> set[str]:
    """The names `fn` binds (its parameters too), read with its steps (`_effect_steps`)."""
    return _OWN.get(fn.__code__, set())


def _effect_steps(fn: types.FunctionType) -> tuple:
    steps = _STEPS.get(fn.__code__)
    if steps is not None:
        return steps
    try:
        node = parse_function(fn).node
    except S2SError:
        node = None
    filename = fn.__code__.co_filename
    own = _OWN[fn.__code__] = _local_names(node) if node is not None else set()
    args = node.args if node is not None else None
    params = {p.id for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)} if args else set()
    found = []
    loops = _loop_iterables(node) if node is not None else {}
    for n in descendants(node) if node is not None else ():
        if _records_tape(n, filename):
            continue  # derivative code s2s_ad made (a helper's flat gradient code): its tapes
        # a statement of a call, or a `print` inside a value (`(print("y", v), v)[1]`)
        statement = isinstance(n, gast.Expr) and not isinstance(n.value, gast.Constant)
        statement = statement and not _changes_own_container(n.value, own - params)
        if statement or _prints(n, own) or _logs(fn, n):
            found.append(("effect", gast.unparse(n).strip(), n.lineno))
        elif _calls_by_name(n) and n.func.id != fn.__name__:
            found.append(("call", n.func.id))
        if _calls_by_name(n) and n.func.id not in own:  # (`SET_LR(v)`, a module's partial)
            setter = fn.__globals__.get(n.func.id)
            if writing_partial(setter):
                written = frozenset((_partial_target(fn, setter),))
                found.append(("writes", gast.unparse(n).strip(), n.lineno, written))
        if isinstance(n, gast.Call) and _reaches_object(fn, n.func, own):
            found.append(("callee", n.func, gast.unparse(n).strip(), n.lineno))
        elif isinstance(n, gast.Call) and _bound_by_itself(fn, n.func, params, loops):
            over = loops.get(root(n.func))  # (`for s in SETTERS: s(v)`: what it loops over)
            found.append(("indirect", n.func, gast.unparse(n).strip(), n.lineno, over))
        if isinstance(n, gast.Call):  # (a draw if it reaches a generator: `_call_draws`)
            line = getattr(n, "lineno", node.lineno)
            text = linecache.getline(filename, line).strip() or gast.unparse(n).strip()
            found.append(("draw", text, line, n))
        if isinstance(n, gast.Name) and type(n.ctx) is gast.Load and n.id not in own:
            found.append(("reads", n.id, n.lineno))  # (data if its global is: `is_data`)
            if is_iterator(fn.__globals__.get(n.id)):  # (any read takes its items)
                found.append(("writes", n.id, n.lineno, frozenset((n.id,))))
        written = _written(n, own, params, fn) | _streams_read(fn, n)
        if written:
            text = gast.unparse(n).strip().splitlines()[0]
            found.append(("writes", text, n.lineno, written))
    if node is not None:
        found += _updated_through_own_names(fn, node, own)
    steps = _STEPS[fn.__code__] = tuple(found)
    return steps


def _updated_through_own_names(fn: types.FunctionType, node: gast.FunctionDef, own: set) -> list:
    """("writes", …) steps for the module objects `fn` updates in place through a name of
    its own sharing them, or gives to a helper of the user's updating its argument (`for w
    in WS: w *= 0.5`, `a = CFG["arr"]; np.clip(a, 0, 1, out=a)`, `halve(WS[0])`):
    `_written` sees only a statement naming the global itself (`WS[0] *= 0.5`)."""
    module = fn.__globals__
    # (a global reached so is a loop's or assignment's value, or a call's argument)
    values = (
        v
        for n in descendants(node)
        for v in (
            [_value(n)]
            if isinstance(n, (gast.Assign, gast.For))
            else [*n.args, *n.keywords]
            if isinstance(n, gast.Call)
            else []
        )
    )
    names = {
        n.id
        for value in values
        for n in descendants(value)
        if isinstance(n, gast.Name) and type(n.ctx) is gast.Load and n.id not in own
    }
    steps = []
    for name in sorted(names):
        if name not in module or not _mutable_data(module[name]):
            continue
        resolve = _resolver(fn, own | {name})
        found = updating_node(node, {name}, resolve, unknown_calls=False)
        if found is not None:
            line = getattr(found[0], "lineno", node.lineno)
            text = linecache.getline(fn.__code__.co_filename, line).strip()
            text = text or gast.unparse(found[0]).strip()
            steps.append(("writes", text, line, frozenset((name,))))
    return steps


def _mutable_data(value: object) -> bool:
    """Data (`is_data`) a function could update in place: not a number nor a string."""
    immutable = (int, float, complex, str, bytes, np.generic, type(None))
    return is_data(value) and not isinstance(value, immutable)


SETTING_BUILTINS = frozenset(("setattr", "delattr"))  # (which change their first argument)


def _written(node: gast.AST, own: set[str], params: set[str], fn: types.FunctionType) -> frozenset:
    """The names whose objects a statement or call may change for other functions to read:
    `SCALE` of `global SCALE` or `nonlocal`, `P` of `P.scale = v` or `setattr(P, "scale",
    v)`, `WBUF` of `WBUF[0] = v`, `LOG` of `LOG.append(v)`, `Q` of `w = Q.pop()`, `IT` of
    `next(IT)`, `H` of `heapq.heappop(H)` (names the function does not bind, `own`; `fn`'s
    module tells a module's function, `np.sort`, from a method); None for an object reached
    otherwise (a parameter's, `params`: `self.scale = v`; `type(self).scale`,
    `globals()["S"]`); empty where it changes none."""
    if isinstance(node, (gast.Global, gast.Nonlocal)):
        return frozenset(node.names)
    if isinstance(node, (gast.Assign, gast.AugAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        roots = [root(t) for t in targets if isinstance(t, (gast.Attribute, gast.Subscript))]
    elif _calls_setter(node):
        roots = [root(node.args[0])]  # in a value too: a lambda's `setattr(P, "scale", v)`
    elif isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute):
        # a value made by changing an object: `return Q.pop()`, `(LOG.append(v), v)[1]`
        func = node.func
        if isinstance(_receiver(fn, func.value), types.ModuleType):  # `heapq.heappop(H)`
            roots = _changed_argument(node) if func.attr in ARGUMENT_CHANGING else []
        else:
            changing = func.attr in CHANGING_METHODS or func.attr in STREAM_READS
            changing = changing or func.attr in STREAM_WRITES  # (`n = LOG.write(line)`)
            roots = [root(func.value)] if changing else []
    elif _calls_by_name(node) and node.func.id in ARGUMENT_CHANGING and node.func.id not in own:
        roots = _changed_argument(node)  # `next(BATCHES)`
    elif isinstance(node, gast.Expr) and isinstance(node.value, gast.Call):
        func = node.value.func  # (a setter's call is the case above, visited on its own)
        reading = not isinstance(func, gast.Attribute) or func.attr in READING_METHODS
        roots = [] if reading else [root(func.value)]
    else:
        roots = []
    if isinstance(node, gast.Call):  # (`np.clip(M, lo, hi, out=M)`, `M.clip(…, out=M)`)
        roots += [root(k.value) for k in node.keywords if k.arg == "out"]
    return frozenset(
        None if name is None or name in params else name
        for name in roots
        if _not_local(name, own, params)
    )


# the methods of lists, dicts, sets and arrays that change their object, whatever their
# call's value is used for (a statement calling any other method is taken to change it too)
CHANGING_METHODS = frozenset(
    {
        *("append", "extend", "insert", "pop", "popitem", "remove", "clear", "update"),
        *("add", "discard", "setdefault", "sort", "reverse", "fill", "put", "resize"),
        *("itemset", "__setitem__", "__delitem__", "__setattr__", "__delattr__"),
        *("difference_update", "intersection_update", "symmetric_difference_update"),
        *("popleft", "appendleft", "extendleft", "rotate"),  # (a deque's)
    }
)


# functions changing the object given first: an iterator advanced, a heap or a sorted list
ARGUMENT_CHANGERS = (next, heapq.heappop, heapq.heappush, heapq.heappushpop, heapq.heapreplace)
ARGUMENT_CHANGERS += (heapq.heapify, bisect.insort_left, bisect.insort_right)
# the functions storing what they are given in their first argument, changing no other
_FIRST_ARGUMENT_WRITERS = frozenset(
    {setattr, operator.setitem, object.__setattr__, dict.__setitem__, heapq.heappush}
    | {heapq.heappushpop, heapq.heapreplace, bisect.insort_left, bisect.insort_right}
)
# (their names, as a helper's source calls them: `bisect.insort` is `insort_right`)
ARGUMENT_CHANGING = frozenset({f.__name__ for f in ARGUMENT_CHANGERS} | {"insort"})


def changes_given(fn: object) -> bool:
    """Whether `fn` is one of `ARGUMENT_CHANGERS` (`next`, `heapq.heappop`, …)."""
    return any(fn is changer for changer in ARGUMENT_CHANGERS)


def _receiver(fn: types.FunctionType, node: gast.expr) -> object:
    """What a method call's receiver names now: through `fn`'s module, or a closure cell of
    its (the generated code's `rt`, a cell of its own)."""
    found = _static_value(fn, node)
    if found is None and isinstance(node, gast.Name) and node.id in fn.__code__.co_freevars:
        cell = fn.__closure__[fn.__code__.co_freevars.index(node.id)]
        try:
            return cell.cell_contents
        except ValueError:  # (an empty cell)
            return None
    return found


# a stream's methods taking its next line or all that is left (`F.readline()`), and the
# callables given a stream to write to (`csv.writer(F)`, `logging.StreamHandler(F)`)
STREAM_READS = frozenset(("read", "readline", "readlines"))
STREAM_WRITES = frozenset(("write", "writelines"))
WRITER_FACTORIES = frozenset(("writer", "DictWriter", "StreamHandler"))


def reads_stream(fn: object, methods: frozenset = STREAM_READS) -> bool:
    """Whether `fn` is a stream's method taking what it reads (`F.readline`), or one of
    `methods` (`STREAM_WRITES`: `LOG.write`, whose count a caller may read)."""
    owner = getattr(fn, "__self__", None)
    return isinstance(owner, io.IOBase) and getattr(fn, "__name__", "") in methods


def stream_read_by(called: object, keyword: str | None) -> bool:
    """Whether a stream given to `called` (as `keyword`, None: by position) is read by it
    (`list(F)`, `csv.reader(F)`), not written to (`print(…, file=F)`, `csv.writer(F)`)."""
    return not (
        called is print or keyword == "file" or getattr(called, "__name__", "") in WRITER_FACTORIES
    )


def _streams_read(fn: types.FunctionType, node: gast.AST) -> frozenset:
    """The module's streams `node` reads (`for line in F`, `list(F)`, `csv.reader(F)`)."""
    if isinstance(node, gast.For):
        given = [(node.iter, None)]
        called = None
    elif isinstance(node, gast.Call):
        given = [(a, None) for a in node.args] + [(k.value, k.arg) for k in node.keywords]
        called = _static_value(fn, node.func)
    else:
        return frozenset()
    return frozenset(
        value.id
        for value, keyword in given
        if isinstance(value, gast.Name)
        and isinstance(_static_value(fn, value), io.IOBase)
        and stream_read_by(called, keyword)
    )


def is_iterator(value: object) -> bool:
    """An object used up as it is read: it has `__next__` (a generator, `zip(…)`); not a
    file or stream, which code writes to (`print(…, file=LOG)`) rather than iterates."""
    return hasattr(type(value), "__next__") and not isinstance(value, io.IOBase)


def _changed_argument(call: gast.Call) -> list:
    """The root of the first argument `call` changes, where it is a name's object
    (`next(iter(xs))` changes a new iterator: none)."""
    given = call.args[0] if call.args else None
    return [root(given)] if isinstance(given, (gast.Name, gast.Attribute, gast.Subscript)) else []


def _logs(fn: types.FunctionType, node: gast.AST) -> bool:
    """A call of a `logging` or `warnings` function, or a logger's method, inside a value
    (`(logger.warning("v %s", v), v)[1]`), as `fn`'s module names it now."""
    if not (isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute)):
        return False
    return logs_or_warns(_static_value(fn, node.func))


def logs_or_warns(called: object) -> bool:
    """A `logging` or `warnings` function, or a logger's method."""
    if isinstance(getattr(called, "__self__", None), logging.Logger):
        return True
    return module_name(called).startswith(("logging", "warnings", "_warnings"))


def _prints(node: gast.AST, own: set[str]) -> bool:
    """A call of Python's `print` (not a local of that name)."""
    if not isinstance(node, gast.Call):
        return False
    func = node.func
    return isinstance(func, gast.Name) and func.id == "print" and "print" not in own


def _calls_setter(node: object) -> bool:
    """`setattr(P, "a", v)` (or `delattr`) as an expression."""
    if not (isinstance(node, gast.Call) and node.args):
        return False
    return isinstance(node.func, gast.Name) and node.func.id in SETTING_BUILTINS


def _not_local(name: str | None, own: set[str], params: set[str]) -> bool:
    """An object other functions may read: no name (`type(self)`), a parameter's, or one
    the function does not bind."""
    return name is None or name in params or name not in own


def _local_names(node: gast.FunctionDef) -> set[str]:
    """The names `node` binds (its parameters too): none of them is a module's generator."""
    return {
        n.id for n in descendants(node) if isinstance(n, gast.Name) and type(n.ctx) is not gast.Load
    }


def _changes_own_container(call: gast.expr, made: set[str]) -> bool:
    """`out.append(v)`, `d.setdefault(k, v)` on a list, dict or set the helper made itself
    (`made`: the names it binds, not its parameters): a step of computing its value, no
    effect (an alias of a module's object is refused when the helper is lowered)."""
    if not (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)):
        return False
    receiver = call.func.value
    return (
        call.func.attr in CHANGING_METHODS
        and isinstance(receiver, gast.Name)
        and receiver.id in made
    )


def _calls_by_name(node: gast.AST) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name)


def _appends_to_tape(node: gast.AST, filename: str) -> bool:
    """The call `_tape1.append(…)` of s2s_ad's own derivative code."""
    return isinstance(node, gast.Call) and _records_tape(gast.Expr(value=node), filename)


def _records_tape(node: gast.AST, filename: str) -> bool:
    """`_tape1.append(…)` or `_checkpoints1.append(…)`: what reverse.py's forward sweep saves
    for the reverse sweep, a local list of the generated code, not an effect."""
    if not (isinstance(node, gast.Expr) and isinstance(node.value, gast.Call)):
        return False
    func = node.value.func
    return (
        isinstance(func, gast.Attribute)
        and func.attr == "append"
        and isinstance(func.value, gast.Name)
        and is_generated_tape(filename, func.value.id)
    )
