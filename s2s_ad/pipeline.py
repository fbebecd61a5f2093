"""The stages in order: parse → validate → desugar → lower → refuse complex values → verify
→ AD → simplify → emit → compile."""

from __future__ import annotations

import ast
import contextlib
import copy
import gc
import math
import sys
import threading
import types
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import gast
import numpy as np

from . import pytrees, runtime
from .ad.calls import LENGTH, STATIC, Callees, is_literal
from .ad.dtypes import infer_dtypes
from .ad.forward import tangent_function
from .ad.integers import structure
from .ad.known_shapes import known_shapes
from .ad.own_defaults import compiled_defaults
from .ad.pullback_reads import MISSING, bind_state_reads
from .ad.read_items import dead_outputs, items_label, reads_matter
from .ad.reverse import adjoint_function, gradient_function
from .ad.seed_dtype import output_float_dtype, seed_dtype
from .ad.shapes import infer_shapes
from .callables import parameter_defaults
from .codegen.compile import compile_function
from .codegen.emit import to_source
from .compiled import passes_compiled
from .errors import RecursiveCallError, S2SError
from .frontend.locations import fix_missing_locations
from .frontend.nesting import nesting_depth, too_deeply_nested
from .frontend.nodes import descendants
from .frontend.parse import ParsedFunction, parse_function
from .frontend.scope import Scope, always_current, is_current
from .frontend.validate import validate
from .generation import GENERATION
from .located import READ, RESULT, in_users_code, register_lines
from .naming import Aliases, Namer
from .rules.registry import CATEGORY, lookup
from .simplify import simplify
from .ssa.complex_values import refuse_complex
from .ssa.comprehension_scopes import COMPREHENSIONS
from .ssa.comprehensions import lower_comprehensions
from .ssa.cse import eliminate_common_subexpressions
from .ssa.desugar import desugar
from .ssa.effects import answers_kept, calls_effect, first_effect
from .ssa.ir import Assign, For, Free, Function, Prim, Var, While, operands, used_vars, walk
from .ssa.jumps import eliminate_jumps
from .ssa.lambda_lists import write_out_lambda_lists
from .ssa.lambdas import lift_lambdas
from .ssa.live_objects import live_examples
from .ssa.loop_else import eliminate_loop_else
from .ssa.lower import lower
from .ssa.module_attributes import set_module_attributes
from .ssa.module_iterators import refuse_module_iterators
from .ssa.partials import lower_partials
from .ssa.render import render_function
from .ssa.returns import eliminate_returns
from .ssa.state_reads import calls_writer, read_where_written
from .ssa.verify import verify


@dataclass(frozen=True)
class Derivative:
    """A compiled derivative and the source it was compiled from."""

    function: types.FunctionType
    source: str
    params: list[str]
    wrt: tuple[str, ...]
    mode: str
    inplace_arguments: list[tuple[str, int]]
    filename: str
    returns_tuple: bool
    outputs: int
    returns_value: bool = False  # flat gradient code: whether it returns (value, gradients)
    # the helpers, modules and rule-given functions its free names named, callees' included
    dependencies: tuple = ()
    is_current: Callable[[], bool] = always_current
    # the first statement kept for its effect (`print`) it runs, its callees' too, described
    # (ssa/effects.py's `first_effect`); None: it runs none
    effects: str | None = None
    # the items of its result a caller reads that it was made for, None: all; the outputs
    # whose derivatives it neither takes nor gives (ad/read_items.py)
    reads: frozenset | None = None
    dead_outputs: frozenset[int] = frozenset()
    # whether it checks an in-place update when it runs (`rt.rebound(…)`): it may refuse
    # after the function's first statements ran, so nothing may run the plain call before
    refuses_when_run: bool = False


# modes whose code is differentiated again: no closures, no in-place updates (reverse.py)
FLAT_MODES = ("gradient", "flat_value_and_gradient")

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOWERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # SSA forms (`_lowered`)
# fn → argument shapes → (the `_LOWERED` entry told from, `plain_scalar_gradient`'s answer)
_SCALAR_GRADIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# fn → argument shapes → (the SSA form's statements told from, the shapes `infer_shapes`
# found): `grad` asks `plain_scalar_gradient` first, then makes the derivative of the same
# lowering (`_inferred_shapes`)
_SHAPES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()
_IN_PROGRESS: set[tuple] = set()


def derivative(
    fn: types.FunctionType,
    mode: str,
    wrt: tuple[str, ...],
    *,
    for_calls: bool = False,
    structures: tuple = (),
    shapes: tuple | None = None,
    dtypes: tuple | None = None,
    reads: frozenset | None = None,
    held: frozenset = frozenset(),
) -> Derivative:
    """The compiled derivative of `fn`, transformed once per (source code, mode, wrt).

    `for_calls`: the variant called from other generated code, which returns zeros where
    the public API's variant returns None (a symbolic zero). `structures`: (parameter,
    `pytrees.TreeDef`) for parameters passed as structures, (parameter, ("*", arity)) for
    star parameters; part of the cache key. `shapes`: one shape per
    parameter (None: not an array or scalar) to specialise the derivative to; `dtypes`: their
    dtypes (ad/dtypes.py's facts; None: unknown). `reads`: the paths of the result's items
    a calling derivative reads derivatives of (ad/read_items.py; None: all of it). `held`:
    the NumPy float dtypes the items of structured arguments hold (`grad`'s seed,
    ad/seed_dtype.py).
    """
    refusal = getattr(fn, "_s2s_refusal", None)  # gradient code made only for its arguments
    if refusal is not None:
        raise refusal
    with _LOCK:
        per_function = _CACHE.setdefault(fn, {})
        key = (fn.__code__, mode, wrt, for_calls, structures, shapes, dtypes, reads, held)
        if key not in per_function or not per_function[key].is_current():
            marker = (id(fn), key)
            if marker in _IN_PROGRESS:
                raise RecursiveCallError(
                    f"unsupported construct: recursive call of `{fn.__qualname__}`",
                    filename=fn.__code__.co_filename,
                    line=fn.__code__.co_firstlineno,
                    hint="write the recursion as a loop",
                    callee=fn,
                )
            outermost = not _IN_PROGRESS
            _within_compiled_reach(fn)
            _IN_PROGRESS.add(marker)
            try:
                with _without_collection(), _recursion_budget(outermost), answers_kept():
                    made = differentiate(
                        fn,
                        mode,
                        wrt,
                        for_calls=for_calls,
                        structures=dict(structures),
                        shapes=shapes,
                        dtypes=dtypes,
                        reads=reads,
                        held=held,
                    )
                # None: the items read leave nothing out, the code for all items serves
                per_function[key] = made or derivative(
                    fn,
                    mode,
                    wrt,
                    for_calls=for_calls,
                    structures=structures,
                    shapes=shapes,
                    dtypes=dtypes,
                    held=held,
                )
            except S2SError as exc:  # refused in generated code: at the user's statement
                located = in_users_code(exc)
                if located is exc:
                    raise
                raise located from None
            except RecursionError:  # the passes recursing into code nested hundreds deep
                raise in_users_code(too_deeply_nested(fn, "beyond the recursion limit")) from None
            finally:
                _IN_PROGRESS.discard(marker)
        return per_function[key]


@contextlib.contextmanager
def _without_collection():
    """No cyclic garbage collection while a derivative is made: the transformation builds
    many short-lived tree nodes, and each collection would scan every object the program
    holds (about a tenth of the transformation's time); collected after, as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_BUDGET = 1000  # the frames the transformation may recurse through: Python's default limit


# Compiled passes (setup.py) recurse on the C stack, which Python's recursion limit does not
# count. At a limit of L, Python compiles code at most 3 L levels deep (its compiler's scale),
# which they take at the default 1,000 (a 14,000-term sum on one line was differentiated and
# a 20,000-term one crashed the process, on an 8 MB stack); where a raised limit lets Python
# compile deeper code, its depth is counted first and refused past this.
_COMPILED_DEPTH = 5000


def _within_compiled_reach(fn: types.FunctionType) -> None:
    if 3 * sys.getrecursionlimit() <= _COMPILED_DEPTH or not passes_compiled():
        return
    if nesting_depth(fn) > _COMPILED_DEPTH:
        raise in_users_code(too_deeply_nested(fn, "beyond the compiled passes' stack"))


@contextlib.contextmanager
def _recursion_budget(outermost: bool):
    """The passes recurse into expressions and blocks: the outermost transformation gets
    `_BUDGET` frames beyond its caller's, wherever `grad` is called from (950 frames deep,
    a 20-term sum was refused as nested too deep); the limit is set back after."""
    limit = sys.getrecursionlimit()
    wanted = _stack_depth() + _BUDGET if outermost else 0
    if wanted <= limit:
        yield
        return
    sys.setrecursionlimit(wanted)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def forget_all() -> None:
    """Drop every cached derivative (a derivative rule changed)."""
    with _LOCK:
        _CACHE.clear()
        _LOWERED.clear()
        _SCALAR_GRADIENTS.clear()
        _SHAPES.clear()
        GENERATION[0] += 1


def to_ssa(
    fn: types.FunctionType,
    scope: Scope | None = None,
    param_kinds: dict | None = None,
    stars: dict | None = None,
    lengths: dict | None = None,
    examples: dict | None = None,
    inline: tuple[bool, frozenset] = (False, frozenset()),
    entries: dict | None = None,
) -> Function:
    """Stages up to the intermediate form: parse, validate, desugar, loops' `else`, returns,
    jumps, lower, verify, common subexpressions. `scope` records the free names the lowering
    resolved; `param_kinds` names the parameters passed as lists or tuples, `entries` the
    kinds of the items of those passed as structures (`pytrees.entry_kinds`); `inline`:
    (helpers that print or draw random numbers inlined; the state the helpers it calls
    change, where every other helper is inlined: `lower`'s `inline_effects`,
    `inline_readers`)."""
    parsed = parse_function(fn)
    scope = scope or Scope.of(fn)
    tree = lowerable_tree(parsed, scope)
    nodes = descendants(tree)  # (one walk for both)
    aliases = choose_aliases(tree, scope, nodes)
    ssa = lower(
        tree,
        scope,
        parsed.filename,
        aliases,
        param_kinds or {},
        stars=stars,
        entries=entries,
        lengths=lengths,
        examples=examples,
        nodes=nodes,
        inline_effects=inline[0],
        inline_readers=inline[1],
    )
    # a closure made by callables.py binding a callee: its statements are the callee's
    ssa.filename, ssa.first_line = getattr(fn, "_s2s_where", (ssa.filename, ssa.first_line))
    refuse_complex(ssa)
    refuse_module_iterators(ssa)
    verify(ssa)
    return eliminate_common_subexpressions(ssa)


def lowerable_tree(parsed: ParsedFunction, scope: Scope) -> gast.FunctionDef:
    """The stages before the lowering: comprehensions, lambdas, validate, desugar, loops'
    `else`, returns, jumps."""
    node = parsed.node
    # (one walk says whether there is anything to lift, where the source has the words a
    # comprehension and a lambda are written with: most functions have neither)
    text = "".join(parsed.source_lines)
    partials = "partial" in text
    if partials:  # `functools.partial(f, k=v)` made here: a lambda (ssa/partials.py)
        node = lower_partials(node, scope)
    words = "for" in text or "lambda" in text or partials
    kinds = set(map(type, descendants(node))) if words else set()
    if not _LIFTED.isdisjoint(kinds):
        # A list of lambdas over literal values is written out (ssa/lambda_lists.py; a walk
        # of every node and field, where there is a comprehension and a lambda); then
        # comprehensions become loops, so that a lambda in one is lifted into the loop (its
        # scope); then lambdas become defs, and the comprehensions in their bodies loops.
        if gast.ListComp in kinds and gast.Lambda in kinds:
            node = write_out_lambda_lists(node, scope.lookup("range") is range)
        node = lower_comprehensions(node, parsed.filename, scope)
        node = lower_comprehensions(lift_lambdas(node, parsed.filename), parsed.filename, scope)
        fix_missing_locations(node)  # the stages after expect every node located
    node = set_module_attributes(node, scope)  # `STATE.n += 1`: as `setattr` sets it
    validate(node, parsed.filename)
    tree = eliminate_loop_else(desugar(node))
    return eliminate_jumps(eliminate_returns(tree, parsed.filename))


_LIFTED = frozenset((*COMPREHENSIONS, gast.Lambda))


def ssa_source(fn: types.FunctionType) -> str:
    return render_function(to_ssa(fn)) + "\n"


def differentiate(
    fn: types.FunctionType,
    mode: str,
    wrt: tuple[str, ...],
    *,
    for_calls: bool = False,
    structures: dict | None = None,
    shapes: tuple | None = None,
    dtypes: tuple | None = None,
    reads: frozenset | None = None,
    held: frozenset = frozenset(),
) -> Derivative | None:
    """All stages: the `mode` derivative of `fn` with respect to the parameters `wrt`.

    Modes: reverse (`f_vjp` returning the value and a pullback), forward and vector
    (tangents of one or many directions; vector_rows: of flat value-and-gradient code in its
    cotangents, the value and the gradients' tangents, jacrev's rows), gradient (flat
    `f_grad`, differentiable again), value_and_gradient (flat, also returning the value),
    flat_value_and_gradient (the same, differentiable again), grad (flat, for `grad`'s fast
    path: it returns the value too only where it is not known statically to be a scalar).
    In those two, helpers' pullbacks are closures; gradient and flat_value_and_gradient
    (`FLAT_MODES`, differentiated again) call the helpers' own flat gradient code instead.
    """
    # structured arguments (`pytrees.TreeDef`); `*args`/`**kwargs`: their arity at the call
    trees = {p: s for p, s in (structures or {}).items() if isinstance(s, pytrees.TreeDef)}
    # a helper's parameter given a caller's structure with static leaves (ad/integers.py)
    static = {p: s[1] for p, s in (structures or {}).items() if p not in trees and s[0] == STATIC}
    # a tuple held fixed (api.static_structures): its length, for `f(*p)`
    fixed = {p: s[1] for p, s in (structures or {}).items() if p not in trees and s[0] == LENGTH}
    stars = {
        p: s[1]
        for p, s in (structures or {}).items()
        if p not in trees and p not in static and p not in fixed
    }
    kinds = {p: pytrees.kind_string(t) for p, t in trees.items() if pytrees.kind_string(t)}
    # `d["a"] + d["b"]` of lists in a dict argument joins them (ssa/entry_kinds.py)
    entries = {p: pytrees.entry_kinds(t) for p, t in trees.items() if t.node is not None}
    # `L + M` of list arguments joins them; `f(*params)` of a tuple argument knows its length
    lengths = {
        p: len(t.node.keys)
        for p, t in trees.items()
        if t.node.kind in ("list", "tuple", "namedtuple")
    }
    lengths.update(fixed)
    # items read by literal indices get adjoints of their own (ad/reverse.py)
    items = {
        p: (_TOP_KINDS[t.node.kind], _item_keys(t.node))
        for p, t in trees.items()
        if t.node.kind in _TOP_KINDS
    }
    # differentiated objects with methods: code from an example of their structure
    examples = live_examples(trees)  # (one held fixed: a derivative of this code's own)
    # (the static leaves' descriptions matter to activity, not to the lowering)
    lowered = tuple((p, s) for p, s in (structures or {}).items() if p not in static)
    key = (fn.__code__, lowered, tuple(examples))
    scope, ssa = _lowered(
        fn, key, lambda scope: to_ssa(fn, scope, kinds, stars, lengths, examples, entries=entries)
    )
    # helpers inlined: those that print or draw, in code differentiated again (their
    # statements run once); every one, where a helper changes state the function reads
    # (their reads are then bound where they stand: ssa/state_reads.py)
    module = fn.__globals__.get("__name__", "")
    readers = calls_writer(ssa, partial(_cell_or_global, (scope.closure,), fn.__globals__), module)
    # (with `readers`, code differentiated again refuses a helper reading module data that
    # it cannot inline: function_values.py's `_refuse_reading_helper`)
    effects = mode in FLAT_MODES and (readers or _calls_helper_with_effects(ssa))
    if effects or readers:
        scope, ssa = _lowered(
            fn,
            (*key, effects, readers),
            lambda scope: to_ssa(
                fn, scope, kinds, stars, lengths, examples, (effects, readers), entries
            ),
        )
    if readers:
        ssa = read_where_written(ssa)
    ssa.structures = {**{p: structure(t) for p, t in trees.items()}, **static}
    if reads is not None and not reads_matter(ssa, reads):
        return None  # `derivative` takes the code made for all items instead
    ssa.reads, ssa.dead_outputs = reads, dead_outputs(ssa.result, reads)
    if shapes is not None:
        ssa.shapes = dict(_inferred_shapes(fn, ssa, shapes))  # (a copy: the AD stage adds)
    if dtypes is not None:
        ssa.dtypes = infer_dtypes(ssa, dict(zip(ssa.params, dtypes, strict=True)))
    aliases = ssa.aliases
    cells = _alias_cells(aliases, scope)
    ssa.held = held
    tree, callees, with_value = _derivative_tree(fn, ssa, mode, wrt, for_calls, items)
    if mode == "reverse":  # the pullback, called later, reads the state as the call left it
        where = (callees.cells, cells, scope.closure)
        resolve = partial(_cell_or_global, where, fn.__globals__)
        helpers = frozenset(callees.cells)
        bind_state_reads(tree, resolve, callees.namer, aliases.rt, helpers, bool(readers))
    if reads is not None:  # one helper's code for other items read: a name of its own
        tree.name += items_label(reads)
    # flat gradient code is differentiated again: no in-place updates
    in_place = None if mode in FLAT_MODES else aliases.rt
    table: dict[int, int] = {}  # the code's line → the user's line (codegen/emit.py)
    derivatives: dict[int, int] = {}  # … → the line its derivative is blamed on, if another
    source = to_source(simplify(tree, in_place, ssa.shapes, ssa.dtypes), table, derivatives)
    cells.update(callees.cells)
    cells.update(scope.closure)
    label = f"{tree.name} of {ssa.filename}:{ssa.first_line}"
    defaults = compiled_defaults(fn, ssa.params, tree)  # `w=np.ones(3)` too
    try:
        compiled = compile_function(source, tree.name, fn.__globals__, cells, label, defaults)
    except SyntaxError as exc:  # (Python's limits: 100 levels of indentation, 20 of loops)
        if not exc.msg.startswith("too many"):
            raise
        raise in_users_code(too_deeply_nested(fn, f"its derivative: {exc.msg}")) from None
    register_lines(compiled.__code__.co_filename, statement_lines(ssa), table, derivatives)
    # flat gradient code: also what the function it was made from depended on (api.py),
    # and the statements kept for their effect it runs are that function's (at its lines)
    made = getattr(fn, "_s2s_made_from", None)
    dependencies = (
        *scope.dependencies(),
        *callees.dependencies,
        *(made.derivative.dependencies if made else ()),
    )
    return Derivative(
        compiled,
        source,
        ssa.params,
        wrt,
        mode,
        ssa.inplace_arguments,
        ssa.filename,
        ssa.result.is_tuple,
        len(ssa.result.values),
        with_value,
        dependencies,
        is_current(dependencies),
        (made.derivative.effects if made else first_effect(ssa)) or callees.effects,
        reads,
        ssa.dead_outputs,
        _checks_when_run(ssa),
    )


def _checks_when_run(ssa: Function) -> bool:
    """Whether `ssa` makes a run-time check of an in-place update (`runtime.RUN_TIME_CHECKS`)
    and reads a module's array, list, dict or object, which the plain call before it would
    have changed had the check refused (`b = BUFS["w"]; b += 1.0`)."""
    checks = mutable = False
    for stmt in walk(ssa.body):
        value = stmt.value if isinstance(stmt, Assign) else None
        if isinstance(value, Prim):
            module = getattr(value.fn, "__module__", None) or ""
            checks = checks or (
                module.startswith("s2s_ad.runtime") and value.fn.__name__ in _CHECKS
            )
        atoms = operands(value) if isinstance(value, Prim) else (value,)
        # (`BUFS.values()`: a method of the module's dict)
        owner = getattr(getattr(value, "fn", None), "__self__", None)
        mutable = mutable or any(_mutable_free(a) for a in atoms) or _mutable(owner)
        if checks and mutable:
            return True
    return False


_CHECKS = runtime.RUN_TIME_CHECKS


def _mutable_free(atom: object) -> bool:
    """A module's value a call may change in place (`_mutable`)."""
    return isinstance(atom, Free) and _mutable(atom.value)


def _mutable(value: object) -> bool:
    """Not a number, string, None, module or code: an array, list, dict or object."""
    plain = (int, float, complex, str, bytes, type(None), types.ModuleType)
    return not isinstance(value, plain) and not callable(value)


def gradient_seed_dtype(
    fn: types.FunctionType, dtypes: tuple, held: frozenset = frozenset()
) -> np.dtype | None:
    """The float dtype of the unit cotangent that gradient code of `fn` is seeded with for
    arguments of these dtype facts (ad/dtypes.py, one per parameter, None for a structure),
    as `grad`'s own code is: the one ad/seed_dtype.py gives where floats of several dtypes
    meet (`held`: those the items of structured arguments hold among them), else the
    output's NumPy float dtype where the dtype analysis knows it; None for Python's 1.0.
    From its SSA form, lowered once as `differentiate` lowers it for plain arguments.

    Raises S2SError where `fn` does not lower so (the derivative reports it)."""
    ssa = _plain_lowered(fn)[0]
    ssa.dtypes = infer_dtypes(ssa, dict(zip(ssa.params, dtypes, strict=True)))
    ssa.held = held
    mixed = seed_dtype(ssa)
    return mixed if mixed is not None else output_float_dtype(ssa)


def plain_scalar_gradient(fn: types.FunctionType, shapes: tuple) -> bool:
    """Whether `grad`'s code for `fn` specialised to `shapes` (one per parameter), for plain
    arguments, returns the gradients alone and runs no statement kept for its effect, told
    from the SSA form alone (lowered once, shared with the derivatives): `fn` calls only
    functions with rules of s2s_ad's own, no helper (whose effects its own derivative
    tells), updates no argument in place, runs no effect, and returns a value known to be a
    scalar. False where unsure, or where the lowering refuses (the derivative reports it).
    Asked on every checked call of a second derivative: told once per SSA form and shapes."""
    try:
        ssa, lowered = _plain_lowered(fn)
        with _LOCK:
            told = _SCALAR_GRADIENTS.setdefault(fn, {}).get(shapes)
            if told is None or told[0] is not lowered:  # (lowered again since)
                told = _SCALAR_GRADIENTS[fn][shapes] = (lowered, _scalar_gradient(fn, ssa, shapes))
    except (S2SError, RecursionError):  # (code nested too deep: `derivative` reports it,
        return False  # with its budget of frames)
    return told[1]


def known_result_shape(fn: types.FunctionType, shapes: tuple) -> tuple | str | None:
    """The shape of `fn`'s result for plain arguments of `shapes` (one per parameter),
    known from its SSA form: a shape, "tuple" for several values, None where unknown (or
    where the lowering refuses: the derivative reports it)."""
    try:
        return _result_shape(fn, _plain_lowered(fn)[0], shapes)
    except (S2SError, RecursionError):
        return None


def _plain_lowered(fn: types.FunctionType) -> tuple[Function, tuple]:
    """(`fn`'s SSA form for plain arguments, as `differentiate` lowers it, its `_LOWERED`
    entry: a new one where it was lowered again), under the pipeline's lock."""
    key = (fn.__code__, (), ())
    with _LOCK:
        _, ssa = _lowered(fn, key, lambda scope: to_ssa(fn, scope, {}, {}, {}, {}))
        return ssa, _LOWERED[fn][key]


def _result_shape(fn: types.FunctionType, ssa: Function, shapes: tuple) -> tuple | str | None:
    """`known_result_shape` of the SSA form `ssa`."""
    if ssa.result.is_tuple:
        return "tuple"
    found = _inferred_shapes(fn, ssa, shapes)
    shape = found.get(getattr(ssa.result.values[0], "name", ""))
    return shape if type(shape) is tuple else None


def _inferred_shapes(fn: types.FunctionType, ssa: Function, shapes: tuple) -> dict:
    """`infer_shapes` of `ssa` (one of `fn`'s SSA forms) for parameters of `shapes`, found once
    while the last form asked of has the same statements (they are never changed); the
    caller does not change the answer."""
    with _LOCK:
        per_function = _SHAPES.setdefault(fn, {})
        found = per_function.get(shapes)
        if found is None or found[0] is not ssa.body:
            found = per_function[shapes] = (
                ssa.body,
                infer_shapes(ssa, dict(zip(ssa.params, shapes, strict=True))),
            )
        return found[1]


def _scalar_gradient(fn: types.FunctionType, ssa: Function, shapes: tuple) -> bool:
    """`plain_scalar_gradient` of the SSA form `ssa`."""
    prims = [s.value for s in walk(ssa.body) if isinstance(s, Assign)]
    prims += [s.iterable for s in walk(ssa.body) if isinstance(s, For)]
    ruled = all(
        not isinstance(p, Prim) or (lookup(p.fn) is not None and CATEGORY.get(p.fn) != "user")
        for p in prims
    )
    if not ruled or ssa.inplace_arguments or first_effect(ssa) is not None:
        return False
    return _result_shape(fn, ssa, shapes) == ()


def _calls_helper_with_effects(ssa: Function) -> bool:
    """Whether `ssa` calls a helper of the user's that prints or draws random numbers: flat
    gradient code would run it twice (the call, then its own gradient code's forward sweep)."""
    return any(
        isinstance(stmt, Assign)
        and isinstance(stmt.value, Prim)
        and isinstance(stmt.value.fn, types.FunctionType)
        and calls_effect(stmt.value)
        for stmt in walk(ssa.body)
    )


def _lowered(
    fn: types.FunctionType, key: tuple, lower_in: Callable[[Scope], Function]
) -> tuple[Scope, Function]:
    """(the scope, the SSA form) of `fn`, lowered once per `key` (its code and the structure
    of its arguments) while the free names the lowering resolved still name the same objects:
    `grad`, `hessian`, `jvp` of one function share it. Each caller gets its own `Function`
    object (the AD stage sets its shapes); the statements are frozen and never changed."""
    per_function = _LOWERED.setdefault(fn, {})
    found = per_function.get(key)
    if found is None or not found[2]():
        scope = Scope.of(fn)
        scope.watch_defaults(fn)  # `fn.__defaults__ = …` later: made with the old ones
        made = getattr(fn, "_s2s_made_from", None)  # flat gradient code (api.gradient_code)
        if made is not None:
            scope.watch_made_from(made.fn, made.as_made)
        ssa = lower_in(scope)
        found = per_function[key] = (scope, ssa, is_current(scope.dependencies()))
    return found[0], copy.copy(found[1])


def _derivative_tree(
    fn: types.FunctionType,
    ssa: Function,
    mode: str,
    wrt: tuple[str, ...],
    for_calls: bool = False,
    structures: dict | None = None,
) -> tuple[ast.FunctionDef, Callees, bool]:
    """The AD stage: the derivative as a Python tree before simplification, the callees
    it calls, and whether it returns the value beside the gradients."""
    aliases = ssa.aliases
    ssa.known_shapes, ssa.numbers = known_shapes(ssa)  # no `rt.unbroadcast` of scalars
    callees = Callees(Namer(ssa.taken_names | set(vars(aliases).values())), derivative)
    with_value = mode in ("value_and_gradient", "flat_value_and_gradient") or (
        mode == "grad" and not _scalar_result(ssa)
    )
    if mode in ("gradient", "value_and_gradient", "flat_value_and_gradient", "grad"):
        tree = gradient_function(
            ssa,
            list(wrt),
            aliases,
            callees,
            _trailing_defaults(fn, ssa.params),
            with_value=with_value,
            with_calls=mode not in FLAT_MODES,  # these are differentiated again
            unit_seed=mode == "grad" and not with_value,  # only `grad` runs this code
            # (`grad`'s and `value_and_grad`'s: code not differentiated again)
            seed_dtype=seed_dtype(ssa) if mode in ("grad", "value_and_gradient") else None,
        )
    elif mode in ("forward", "vector", "vector_rows"):
        tree = tangent_function(
            ssa,
            list(wrt),
            aliases,
            callees,
            zeros_for_none=for_calls,
            vector=mode != "forward",
            rows=mode == "vector_rows",  # jacrev's: the value, the gradients' tangents
        )
    else:
        tree = adjoint_function(
            ssa, list(wrt), aliases, callees, zeros_for_none=for_calls, structures=structures
        )
    return tree, callees, with_value


_TOP_KINDS = {"tuple": "tuple", "namedtuple": "tuple", "list": "list", "dict": "dict"}


def _item_keys(at: pytrees.Node) -> tuple:
    """The keys an item of the node `at` is read by: indices (a NamedTuple's too), or a
    dict's keys."""
    return at.keys if at.kind == "dict" else tuple(range(len(at.keys)))


def _trailing_defaults(fn: types.FunctionType, params: list[str]) -> tuple:
    """The defaults of the last of `params` (positional ones, then keyword-only ones, as the
    flat gradient code takes them all by position) that have literal defaults: calls that
    leave them out, as `f`'s callers may, still bind."""
    defaults = parameter_defaults(fn)
    trailing: list = []
    for name in reversed(params):
        if name not in defaults or not is_literal(defaults[name]):
            break
        trailing.insert(0, defaults[name])
    return tuple(trailing)


def unsimplified_source(fn: types.FunctionType, mode: str, wrt: tuple[str, ...]) -> str:
    """The derivative as the AD stage writes it, before the simplification passes: what
    `s2s-ad show --stage tangent|adjoint` prints."""
    tree, _, _ = _derivative_tree(fn, to_ssa(fn), mode, wrt)
    return to_source(tree)


def statement_lines(ssa: Function) -> dict[str, int]:
    """The user's line of each name the SSA form assigns (a run-time error maps back); of
    the result (`RESULT`); and, under `READ + name`, of the one statement reading a name
    where one does (an adjoint whose primal line the code left out pulls back through it)."""
    lines = dict.fromkeys(ssa.params, ssa.first_line)
    lines[RESULT] = ssa.result.line
    readers: dict[str, set[int]] = {}
    for stmt in walk(ssa.body):
        if isinstance(stmt, (Assign, For)):
            lines[stmt.target] = stmt.line
        elif isinstance(stmt, While):
            lines[stmt.test] = stmt.line
        if isinstance(stmt, Assign):
            for name in used_vars(stmt.value):
                readers.setdefault(name, set()).add(stmt.line)
    for atom in ssa.result.values:
        if isinstance(atom, Var):
            readers.setdefault(atom.name, set()).add(ssa.result.line)
    lines.update({READ + name: next(iter(at)) for name, at in readers.items() if len(at) == 1})
    return lines


def _scalar_result(ssa: Function) -> bool:
    """Whether the function's result is known statically to be a scalar (no check needed)."""
    result = ssa.result
    return not result.is_tuple and ssa.shapes.get(getattr(result.values[0], "name", "")) == ()


MODULES = (("np", np), ("math", math), ("rt", runtime))


def choose_aliases(
    tree: gast.FunctionDef, scope: Scope, nodes: list[gast.AST] | None = None
) -> Aliases:
    """Names for NumPy, `math` and the runtime that cannot clash with the user's names.
    `nodes`: `descendants(tree)`, where the caller has them."""
    names = [n for n in (descendants(tree) if nodes is None else nodes) if type(n) is gast.Name]
    namer = Namer({n.id for n in names})
    local = {n.id for n in names if not isinstance(n.ctx, gast.Load)}  # assigned, parameters
    chosen = {}
    for role, module in MODULES:
        if namer.is_taken(role) and role not in local and scope.lookup(role) is module:
            chosen[role] = role  # the user's own binding is the same module
        else:
            chosen[role] = namer.fresh(role)
    return Aliases(**chosen)


def _cell_or_global(cells: tuple[dict, ...], globals_: dict, name: str) -> object:
    """What the generated code's free `name` names: a cell's content, else a global (the
    code's names are looked up so when it runs), else `pullback_reads.MISSING`."""
    for where in cells:
        if name in where:
            return where[name].cell_contents
    return globals_.get(name, MISSING)


def _alias_cells(aliases: Aliases, scope: Scope) -> dict[str, types.CellType]:
    """The cells through which generated code reaches the modules (not the user's closure)."""
    cells = {}
    for role, module in MODULES:
        alias = getattr(aliases, role)
        if alias not in scope.closure:
            cells[alias] = types.CellType(module)
    return cells
