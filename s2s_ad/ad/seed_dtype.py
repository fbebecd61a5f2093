"""The dtype of `grad`'s unit seed: the literal 1.0 where that is exact, else a NumPy float.

`grad` seeds its reverse sweep with the output's cotangent 1.0. Written as the literal the
passes fold it away (simplify/unit_seeds.py: no `np.full_like(y, 1.0)`, no `* 1.0`), but a
Python float is weak under NumPy's promotion rules (NEP 50,
https://numpy.org/neps/nep-0050-scalar-promotion.html): `1.0 / s` of a float32 `s` is a
float32, where the cotangent of a float64 output, `np.float64(1.0)`, gives a float64, so the
gradient of a float64 loss would carry float32 rounding (3e-8 relative; 4e-4 with float16)
where `vjp`'s pullback and forward mode are exact.

The literal gives the same numbers as a seed of any float dtype wherever the function holds
floats of one dtype only (ints, bools and Python numbers beside them): each operation then
computes in that dtype either way. Where floats of two dtypes meet — float32 or float16
arguments, globals or closure values, `np.float32(…)` and `dtype=` conversions beside
float64 ones — the seed is `np.float64(1.0)` (the output's dtype where the dtype analysis
knows it, else float64), as `vjp`'s cotangent of that output would be. The user's
helpers it calls are read too: the float types their code names, the globals and closure
values they read (a float32 a helper makes divides the seed as well).

    >>> import operator
    >>> from s2s_ad.ssa.ir import Assign, Function, Prim, Return, Var
    >>> product = Prim(operator.mul, (Var("w"), Var("s")))
    >>> body = [Assign("y", product, 2), Return((Var("y"),), False, 2)]
    >>> fn = Function("f", ["w", "s"], body, "f.py", 1)
    >>> fn.dtypes = {"w": ("strong", np.dtype("float64")), "s": ("scalar", np.dtype("float32"))}
    >>> seed_dtype(fn)
    dtype('float64')
    >>> fn.dtypes["s"] = ("strong", np.dtype("float64"))
    >>> seed_dtype(fn) is None
    True
"""

from __future__ import annotations

import types
import weakref

import numpy as np

from ..frontend.library import is_library_function, module_root
from ..ssa.ir import Assign, Const, Free, Function, Prim, Var, operands, walk


def seed_dtype(fn: Function) -> np.dtype | None:
    """None where `grad`'s literal seed 1.0 is exact for `fn` (its floats are of one dtype);
    else the float dtype its seed is made of. `fn.held`: the float dtypes the items of its
    structured arguments hold (`hp.scale` of a dataclass, `t[0]`), which its code reads by
    attribute or index where the dtype analysis does not follow them."""
    if len(_float_dtypes(fn) | fn.held) <= 1:
        return None
    known = output_float_dtype(fn)
    # (float64 where unknown, a Python float's precision: at worst the more exact)
    return known if known is not None else np.dtype(np.float64)


def output_float_dtype(fn: Function) -> np.dtype | None:
    """The NumPy float dtype of `fn`'s one returned value where the dtype analysis knows it
    (code specialised to argument dtypes), else None."""
    values = fn.result.values
    one = values[0] if len(values) == 1 else None
    fact = fn.dtypes.get(one.name) if isinstance(one, Var) else None
    if fact is None or fact[0] == "weak":
        return None
    dtype = np.dtype(fact[1])
    return dtype if dtype.kind == "f" else None


def _float_dtypes(fn: Function) -> set[np.dtype]:
    """The float dtypes of `fn`'s values as far as they are known: its variables' dtype
    facts (code specialised to argument dtypes), the values of globals and closure variables
    it reads and the items of the containers they are (`CFG["scale"]`), and the float types
    and dtypes it names (`np.float32(s)`, `.astype("f")`, `dtype="float32"`)."""
    found: set[np.dtype] = set()
    for dtype in {f[1] for f in fn.dtypes.values() if f[0] != "weak"}:  # (a few distinct)
        _note_leaf(np.dtype(dtype), found)
    helpers: set[types.FunctionType] = set()
    noted: set[int] = set()  # (the ids of the values noted: each once, held by the code)
    called: set[int] = set()  # (the ids of the callees read: each once, called on many lines)
    for stmt in walk(fn.body):
        if type(stmt) is not Assign or type(stmt.value) is not Prim:
            continue
        prim = stmt.value
        if id(prim.fn) not in called:
            called.add(id(prim.fn))
            _note_once(prim.fn, found, noted)
            _note_helper(getattr(prim.fn, "__func__", prim.fn), found, helpers)
        atoms = operands(prim)
        for atom in atoms:
            kind = type(atom)
            # (a literal string is a dtype only where one is taken: `d["f"]` is a key)
            if kind is Free or (kind is Const and type(atom.value) is not str):
                _note_once(atom.value, found, noted)
        if _takes_dtype(prim):  # `x.astype("f")`, `dtype="float32"`: a string names one
            for atom in atoms:
                if type(atom) is Const and type(atom.value) is str:
                    _note_spelling(atom.value, found)
    return found


# the NumPy float types a helper's code may name as attributes (`np.float32(…)`)
_FLOAT_NAMES = frozenset({"float16", "half", "float32", "single", "float64", "double"})


def _float_spellings() -> dict[str, np.dtype]:
    """Each string that names a float dtype (`"float32"`, `"f4"`, `"f"`, `"<f4"`) → it;
    looked up, never parsed: NumPy's parser warns of deprecated aliases and raises
    SyntaxError on some strings (`"02"`), and a dict key is no dtype."""
    found: dict[str, np.dtype] = {}
    for dtype in map(np.dtype, (np.float16, np.float32, np.float64, np.longdouble)):
        sized = f"f{dtype.itemsize}"
        for spelling in (dtype.name, dtype.char, sized, dtype.str):
            found[spelling] = dtype
            for order in "<>=|":
                found[order + spelling.lstrip("<>=|")] = dtype
    found.update(half=np.dtype(np.float16), single=np.dtype(np.float32))
    found.update(double=np.dtype(np.float64), float=np.dtype(np.float64))
    return found


_FLOAT_SPELLINGS = _float_spellings()


def _note_spelling(text: str, found: set[np.dtype]) -> None:
    """Add the float dtype `text` spells, if it spells one."""
    dtype = _FLOAT_SPELLINGS.get(text)
    if dtype is not None:
        found.add(dtype)


def _takes_dtype(prim: Prim) -> bool:
    """Whether a string among `prim`'s operands is a dtype: a `dtype=` keyword, or the
    argument of `.astype(…)` or `np.dtype(…)`."""
    spelled = prim.spelled or ""
    if spelled.endswith(("astype", "dtype")):
        return True
    return bool(prim.kwargs) and any(k == "dtype" for k, _ in prim.kwargs)


def _note_helper(function: object, found: set[np.dtype], seen: set) -> None:
    """Add the float dtypes a function of the user's that `fn` calls may make: those its
    code (nested functions' included) names, of the globals and closure values it reads, and
    of the user's functions it calls in turn — by name, as its values' dtypes are unknown to
    the analysis (a float32 a helper returns divides `grad`'s seed too)."""
    if type(function) is not types.FunctionType or function in seen:
        return
    if is_library_function(function) or module_root(function) == "s2s_ad":
        return  # (the runtime's helpers name float32 for float16 counts: not the user's)
    seen.add(function)
    for cell in function.__closure__ or ():
        try:
            _note(cell.cell_contents, found)
        except ValueError:  # (an empty cell)
            continue
    pending = [function.__code__]
    while pending:
        code = pending.pop()
        for name in code.co_names:
            if name in _FLOAT_NAMES:
                found.add(np.dtype(name))
            value = function.__globals__.get(name)
            _note(value, found)
            _note_helper(value, found, seen)
        for const in code.co_consts:
            if type(const) is types.CodeType:
                pending.append(const)
            elif type(const) is str and len(const) > 1:  # (not "f": as likely a dict key)
                _note_spelling(const, found)


def _note(value: object, found: set[np.dtype]) -> None:
    """Add the float dtypes a global or closure value holds or names (`add_held`), a few
    levels and a few dozen items each: a global table is not searched whole."""
    add_held(value, found, _GLOBAL_DEPTH, _MOST_ITEMS)


_GLOBAL_DEPTH, _MOST_ITEMS = 3, 64


def _note_once(value: object, found: set[np.dtype], noted: set[int]) -> None:
    """`_note(value, found)` unless `value` (by identity, in `noted`) was noted already:
    the callee of many lines (`np.exp`, whose attributes noting it reads, its `types` a few
    dozen strings) or a global read on many, noted once adds all it adds."""
    if id(value) not in noted:
        noted.add(id(value))
        _note(value, found)


def _note_leaf(value: object, found: set[np.dtype]) -> bool:
    """Add the float dtype of an array, a NumPy scalar, a dtype or a float type (a record
    array's float fields); whether `value` is one of those."""
    if isinstance(value, (np.ndarray, np.generic)):
        dtype = value.dtype
    elif isinstance(value, np.dtype):
        dtype = value
    elif isinstance(value, type):
        if issubclass(value, np.floating):
            found.add(np.dtype(value))
        return True
    else:
        return False
    if dtype.kind == "f":
        found.add(dtype)
    elif dtype.fields:  # a record array's fields (`rec["scale"]`)
        found.update(field[0] for field in dtype.fields.values() if field[0].kind == "f")
    return True


def held_float_dtypes(values: list) -> frozenset:
    """The float dtypes the arguments `values` (tuples, dicts, dataclasses …, given to a
    function) hold or name, which its code reads by item or attribute (`t[0]`, `hp.scale`,
    `cfg["dtype"]`) where the dtype analysis does not follow: their arrays' and NumPy
    scalars' dtypes, the dtypes and float types they hold and the strings spelling one,
    their objects' attributes, class attributes and slots; none for Python floats (weak
    under NumPy's promotion). Asked on every call of code specialised to a signature with
    structures: tuples, lists and dicts of arrays are walked without a call per item."""
    found: set = set()
    for value in values:
        add_held(value, found)
    return frozenset(found)


def add_held(value: object, found: set, depth: int = 8, most: int | None = None) -> None:
    """Add to `found` the float dtypes `value` holds or names (`held_float_dtypes`),
    `depth` levels of items down; containers and objects of more than `most` items are
    left out (None: none are)."""
    kind = type(value)
    if kind in _CONTAINERS or isinstance(value, _CONTAINER_TYPES):  # (NamedTuples too)
        items = value.values() if isinstance(value, dict) else value
    elif kind is str:
        _note_spelling(value, found)
        return
    elif kind in _NUMBERS or _note_leaf(value, found) or depth == 0:
        return
    else:
        items = _attributes(value)
    if most is not None and len(items) > most:
        return
    for item in items:
        if type(item) is np.ndarray and item.dtype.kind == "f":  # (the commonest item)
            found.add(item.dtype)
        elif type(item) not in _NUMBERS and depth > 0:
            add_held(item, found, depth - 1, most)


_NUMBERS = frozenset((float, int, bool, type(None)))
_CONTAINER_TYPES = (dict, tuple, list, set, frozenset)
_CONTAINERS = frozenset(_CONTAINER_TYPES)


def _attributes(value: object) -> list:
    """The values an object's attributes may read: its fields (a NamedTuple's are its
    items), its slots, and its class's attributes, inherited ones too (`hp.scale` of a
    class that sets `scale = np.float32(3.1)`), methods and dunders aside."""
    kind = type(value)
    if kind.__module__ == "builtins":  # a module's or function's namespace: not its data
        return []
    found = list(getattr(value, "__dict__", {}).values())
    names = _CLASS_NAMES.get(kind)
    if names is None:
        names = _CLASS_NAMES[kind] = _class_names(kind)
    for name in names:
        try:
            found.append(getattr(value, name))
        except AttributeError:  # (an empty slot)
            continue
    return found


_CLASS_NAMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _class_names(kind: type) -> tuple:
    """The names of `kind`'s slots and of its classes' attributes other than methods and
    dunders: found once per class (their values are read on each call)."""
    names: list = []
    for klass in kind.__mro__[:-1]:  # (not `object`'s)
        slots = getattr(klass, "__slots__", ())
        names += [slots] if isinstance(slots, str) else [n for n in slots if type(n) is str]
        if klass.__module__ != "builtins":  # (not `__dataclass_fields__` …)
            names += [k for k, v in vars(klass).items() if k[:2] != "__" and _plain_attribute(v)]
    return tuple(dict.fromkeys(names))


def _plain_attribute(value: object) -> bool:
    """A class attribute read as it is: no method, and no property or other descriptor,
    whose reading would run the user's code."""
    return not callable(value) and not hasattr(type(value), "__get__")
