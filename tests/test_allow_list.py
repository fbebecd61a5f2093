"""The allow-list (`s2s_ad/frontend/syntax.py`) covers all of Python's syntax: every node class
of `ast` (3.11 to 3.14) is lowered, refused, or never in a function body, and every field of
a lowered class that can hold code is lowered, ignored (Python never evaluates it) or refused.

Each lowered class and field position is exercised by a program below whose value and
derivatives are checked against the plain call and central differences, in both modes; each
refused one by a program (or, where Python 3.11 cannot parse it, a hand-built tree) whose
error names the file and the line marked `# <- error`. A class or field nobody listed fails.
"""

import ast
import inspect
import logging
import re
import textwrap
import warnings
from pathlib import Path

import gast
import numpy as np
import pytest
from derivative_tests import assert_located_refusal, derivative_tests, marked_line

import s2s_ad as ad
from s2s_ad.errors import NameResolutionError, UnsupportedSyntaxError
from s2s_ad.frontend import syntax, validate
from s2s_ad.testing import assert_same_value, check_grads, check_modes_agree

# Node classes later Pythons add, which the running one may not have.
ADDED_AFTER_311 = {
    "TypeAlias": "3.12",
    "TypeVar": "3.12",
    "ParamSpec": "3.12",
    "TypeVarTuple": "3.12",
    "type_param": "3.12",
    "TemplateStr": "3.14",
    "Interpolation": "3.14",
}
# Fields that later Pythons add to classes the lowering handles.
FIELDS_ADDED_AFTER_311 = {("FunctionDef", "type_params")}
# gast spells `ast.arg` (a parameter) as `Name(ctx=Param())`.
GAST_NAME = {"arg": "Name"}
# Fields of lowered classes that hold no code: names, constants, flags, comments.
NOT_CODE = {
    "FunctionDef": {"name", "type_comment"},
    "Assign": {"type_comment"},
    "For": {"type_comment"},
    "AnnAssign": {"simple"},
    "Constant": {"value", "kind"},
    "Attribute": {"attr"},
    "Name": {"id", "type_comment"},
    "With": {"type_comment"},
    "FormattedValue": {"conversion"},
    "keyword": {"arg"},
    "comprehension": {"is_async"},  # a flag: `async for` (refused by ssa/comprehensions.py)
}
TABLES = {
    "lowered": set(syntax.LOWERED),
    "refused": set(syntax.REFUSED),
    "not yet": set(syntax.NOT_YET),
    "never in a function": set(syntax.NEVER_IN_A_FUNCTION),
}


def ast_classes() -> set[str]:
    """Every node class of the running Python's `ast`, and those later Pythons add."""
    found, pending = set(), [ast.AST]
    while pending:
        cls = pending.pop()
        if cls.__name__ not in found:
            found.add(cls.__name__)
            pending += cls.__subclasses__()
    return {GAST_NAME.get(name, name) for name in found} | set(ADDED_AFTER_311)


def gast_classes() -> set[str]:
    return {
        name
        for name in dir(gast)
        if isinstance(getattr(gast, name), type) and issubclass(getattr(gast, name), gast.AST)
    }


@pytest.mark.parametrize("name", sorted(ast_classes() | gast_classes()))
def test_every_node_class_is_in_exactly_one_table(name):
    tables = [table for table, names in TABLES.items() if name in names]
    assert len(tables) == 1, f"`{name}` is in {tables or 'no table'}: list it in syntax.py"


@pytest.mark.parametrize("name", sorted(syntax.LOWERED))
def test_every_field_of_a_lowered_class_is_placed(name):
    """A field a new Python adds to a lowered class fails here until it is placed."""
    fields = syntax.LOWERED[name]
    placed = {*fields.lowered, *fields.ignored, *fields.refused, *NOT_CODE.get(name, ())}
    present = set(getattr(gast, name)._fields) | set(getattr(ast, name, ast.AST)._fields)
    if name == "Name":  # also a parameter: `ast.arg`, whose field `arg` is gast's `id`
        present |= {"id" if f == "arg" else f for f in ast.arg._fields}
    assert present == placed, f"`{name}`: fields {present ^ placed} are not placed"


def test_the_tables_of_syntax_py_are_disjoint():
    names = [n for table in TABLES.values() for n in table]
    assert len(names) == len(set(names))


# Lowered: programs exercising every class and field position of the table, their values
# and derivatives checked against the plain call and central differences in both modes.


def assignments(x, y):
    a = b = x * y  # two targets
    u, v = a, b  # a tuple of names as the target
    u += y
    w: undefined_type() = u * v  # noqa: F821  (a local's annotation is never evaluated)
    ...
    return w - v


def branches(x, y):
    if x > y:
        z = x - y
    elif x < 0.0:
        z = x * x
    else:
        pass
        z = y
    t = z if z > 0.5 else -z
    both = (x > 0.0 and y > 0.0) or not x < y
    return t * 2.0 if both else t


def comparisons(x, y):
    s = x
    if 0.0 < x <= y:
        s = s * 2.0
    if x >= y or x == y or x != y:
        s = s + y
    if y is not None and x is not None and not x is y:  # noqa: E714
        s = s * 3.0
    return s


def arithmetic(x, y):
    a = (x + y) * (x - y) / (1.0 + y * y) ** 2
    b = x @ y
    c = x // 1.0 + x % 1.0
    mask = ((x > 0.0) & (y > 0.0)) | ((x > 5.0) ^ (y > 5.0))
    return np.sum(np.where(~mask, a, -a)) + b + np.sum(c) + np.sum(+x - (-y))


def indexing(x):
    a = np.sum(x[1:3]) + x[::2] @ x[1::2] + x[-1]
    m = x.reshape((2, 2))
    b = m[0, :] * m.T[1]
    c = np.clip(x, a_min=-1.0, a_max=1.0)
    d = np.zeros(4)
    d[1:3] = x[0:2]
    e = [x[0], x[1]]
    e.append(x[2])
    return a + np.sum(b) + np.sum(c * d) + np.sum(np.array(e))


def loops(x, n):
    s = 0.0
    for i in range(n):
        if i == 1:
            continue
        s = s + x * i
        if s > 100.0:
            break
    for k, v in enumerate((x, 2.0 * x)):
        s = s + v * k
    k = 0
    while k < 3:
        s = s * 0.5 + x
        k = k + 1
    return s


def nested(x, y):
    def g(u: float, /, v: np.ndarray | float, w: float = 2.0, *, c: "float" = 0.5) -> float:
        return u * v + w * c

    return g(x, y) + g(x, y, 3.0, c=1.5)


LOG = logging.getLogger("s2s_ad.tests.allow_list")


def passive(x, y):
    assert x is not None, f"x = {x!r:>{8}}"
    with np.errstate(divide="ignore"), warnings.catch_warnings(record=True) as caught:
        z = np.log(x * x) + y * len(caught)
    try:
        if z is None:
            raise ValueError("no value") from None
    except (TypeError, ValueError) as err:
        LOG.debug("failed: %s", err)
    else:
        LOG.debug(f"z = {z:.3f}")
    finally:
        LOG.debug("done")
    return z * y


def comprehensions(x, y):
    squares = [x * k for k in range(3) if k > 0]
    total = sum(a * b for a in squares for b in (x, y))
    return total + y * len({k % 2 for k in range(4)})


def starred_and_membership(x, y):
    first, *rest = [x, y, x * y]  # a starred target gets a list
    s = first * sum(rest)
    if "relu" in ("relu", "tanh") and "sigmoid" not in ("relu",):
        s = s * 2.0
    return s * (len(rest) in (2, 3)) + x * (x not in (1.0, 2.0))


def lambdas(x, y):
    scale = lambda u, w=2.0, *, c=0.5: u * w * c  # noqa: E731
    return scale(x) + (lambda v: v * y)(x)


def dicts(x, y):
    d = {"w": x, "b": y * x}
    powers = {i: x**i for i in range(3) if i > 0}
    return d["w"] * d["b"] + powers[2]


def star_arguments(x, y):
    def g(t, *ts, **options):
        return t * ts[0] * options["scale"]

    pair = (x, y)
    return g(*pair, scale=2.0) + g(x, *[y], **{"scale": x})


LOWERED_PROGRAMS = [
    (assignments, (1.3, 0.7)),
    (branches, (1.3, 0.7)),
    (branches, (-0.4, 0.7)),
    (comparisons, (0.5, 0.7)),
    (arithmetic, (np.array([0.3, -1.2, 2.4]), np.array([1.1, 0.2, -0.6]))),
    (indexing, (np.array([0.3, -1.2, 2.4, 0.8]),)),
    (loops, (0.7, 4)),
    (nested, (1.3, 0.7)),
    (passive, (1.3, 0.7)),
    (comprehensions, (1.3, 0.7)),
    (starred_and_membership, (1.3, 0.7)),
    (lambdas, (1.3, 0.7)),
    (dicts, (1.3, 0.7)),
    (star_arguments, (1.3, 0.7)),
]


def for_else(x):
    s = 0.0
    for i in range(3):
        s = s + x * i
        if s > 100.0:
            break
    else:
        s = s * x
    return s


def while_else(x):
    k = 0
    while k < 3:
        x = x * 1.5
        k = k + 1
    else:
        x = x + 1.0
    return x


LOOP_ELSE = [(for_else, (0.7,)), (while_else, (0.7,))]

test_lowered_jvp_and_vjp, test_lowered_grad_forward_equals_reverse = derivative_tests(
    LOWERED_PROGRAMS + LOOP_ELSE
)


def positions(fn) -> tuple[set[str], set[tuple[str, str]]]:
    """(the node classes, the (class, field) positions holding code) in `fn`'s body."""
    source = fn if isinstance(fn, str) else inspect.getsource(fn)
    tree = gast.parse(textwrap.dedent(source)).body[0]
    classes, fields = set(), set()
    for node in (n for stmt in tree.body for n in gast.walk(stmt)):
        classes.add(type(node).__name__)
        for name, value in gast.iter_fields(node):
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, gast.AST) for v in values):
                fields.add((type(node).__name__, name))
    return classes, fields


def test_every_lowered_class_and_field_has_a_program():
    programs = [fn for fn, _ in LOWERED_PROGRAMS + LOOP_ELSE]
    classes, fields = set(), set()
    for fn in programs:
        found = positions(fn)
        classes |= found[0]
        fields |= found[1]
    assert set(syntax.LOWERED) - classes == set()
    wanted = {
        (name, field)
        for name, entry in syntax.LOWERED.items()
        for field in (*entry.lowered, *entry.ignored)
    }
    assert wanted - fields == set()


def test_a_nested_annotation_reads_its_names_when_the_def_runs():
    def later(x):
        def g(y: Later) -> float:  # <- error  # noqa: F821
            return y * 2.0

        Later = float  # noqa: F841
        return g(x)

    with pytest.raises(NameError):
        later(1.0)
    with pytest.raises(NameResolutionError, match="`Later` is used before it is assigned") as info:
        ad.grad(later)(1.0)
    assert (info.value.filename, info.value.line) == (__file__, marked_line(later))


def test_a_nested_function_without_return_returns_none():
    def quiet(x):
        def g(y):
            z = y * 2.0  # noqa: F841

        nothing = g(x)
        return x * 3.0 if nothing is None else x

    check_grads(quiet, (1.5,))
    check_modes_agree(quiet, (1.5,))


# Refused: programs whose error must name this file and the marked line, in both modes.


def uses_try(x):
    try:  # <- error
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("f") as fh:  # <- error
        y = x * len(fh.name)
    return y


def uses_async(x):
    async def inner(t):  # <- error
        return t

    return x


def uses_await_and_async_loops(x):
    async def inner(t):  # <- error
        async with t:
            async for u in t:
                await u
        return t

    return x


def uses_yield(x):
    yield x  # <- error


def uses_yield_from(x):
    yield from x  # <- error


def uses_global(x):
    global SOMETHING  # <- error
    SOMETHING = x
    return x


def uses_nonlocal(x):
    y = x

    def scale():
        nonlocal y  # <- error
        y = y * 2.0

    return y


def uses_del(x):
    y = x
    del y  # <- error
    return x


def uses_class(x):
    class Box:  # <- error
        pass

    return x


def uses_import(x):
    import os  # <- error

    return x * len(os.sep)


def uses_import_from(x):
    from os import sep  # <- error

    return x * len(sep)


def uses_walrus(x):
    if (y := x * 2.0) > 0:  # <- error
        return y
    return x


def uses_starred(x):
    args = np.array([x, 2.0])
    return np.maximum(*args)  # <- error


def uses_set(x):
    return x * len({x, 2.0})  # <- error


def uses_match(x):
    match x:  # <- error
        case 1.0 | None:
            return x
        case [1, *rest]:
            return rest
        case {"k": 1, **rest}:
            return rest
        case complex(real=0.0) as z:
            return z
    return x


def uses_shift(x):
    return x * (1 << 2)  # <- error


def uses_right_shift(x):
    return x * (8 >> 2)  # <- error


# refused field positions of lowered classes


def decorated_nested(x):
    @staticmethod  # <- error
    def g(t):
        return t

    return x


def call_unpacks_keywords(x):
    return np.sum(x, **OPTIONS)  # <- error


OPTIONS = {"axis": 0}


def computing_annotation(x):
    def g(t: np.asarray(1.0)) -> float:  # <- error
        return t

    return g(x)


def computing_return_annotation(x):
    def g(t) -> np.result_type(1.0):  # <- error
        return t

    return g(x)


def annotation_without_value(x):
    y: float  # <- error
    y = x
    return y


REFUSED_PROGRAMS = [
    (uses_try, "`try` around an assignment"),
    (uses_with, "`with … as name`"),
    (uses_async, "`async def`"),
    (uses_await_and_async_loops, "`async def`"),
    (uses_yield, "`yield`"),
    (uses_yield_from, "`yield from`"),
    (uses_global, "`global`"),
    (uses_nonlocal, "`nonlocal`"),
    (uses_del, "`del`"),
    (uses_class, "class definition"),
    (uses_import, "`import`"),
    (uses_import_from, "`import`"),
    (uses_walrus, ":="),
    (uses_starred, r"`\*args` in a call, where the number of elements"),
    (uses_set, "set display"),
    (uses_match, "`match`"),
    (uses_shift, "`<<`"),
    (uses_right_shift, "`>>`"),
    (decorated_nested, "a decorated nested function"),
    (call_unpacks_keywords, r"`\*\*OPTIONS` in a call, where the keys"),
    (computing_annotation, "an annotation of the nested function `g` that computes"),
    (computing_return_annotation, "an annotation of the nested function `g` that computes"),
    (annotation_without_value, "annotation without a value"),
]


@pytest.mark.parametrize(
    ("fn", "match"), REFUSED_PROGRAMS, ids=lambda c: getattr(c, "__name__", "")
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_refused_with_a_located_error(fn, match, mode):
    assert_located_refusal(fn, match, mode)


# `except*` in a module of its own: ruff reads this file as Python 3.10
TRY_STAR = """
def uses_try_star(x):
    try:  # <- error
        y = x * 2.0
    except* ValueError:
        y = x
    return y
"""


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_try_star_is_refused_with_a_located_error(tmp_path, mode):
    path = tmp_path / "try_star.py"
    path.write_text(TRY_STAR)
    namespace = {}
    exec(compile(TRY_STAR, str(path), "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError, match=r"`try … except\*`") as info:
        ad.derivative_source(namespace["uses_try_star"], mode=mode)
    assert (info.value.filename, info.value.line) == (str(path), 3)


def test_every_refused_class_python_parses_has_a_program():
    classes = positions(TRY_STAR)[0]
    for fn, _ in REFUSED_PROGRAMS:
        classes |= positions(fn)[0]
    refused = set(syntax.REFUSED) | set(syntax.NOT_YET)
    assert refused - classes - set(ADDED_AFTER_311) == set()


def test_every_refused_field_position_has_a_program():
    fields = set()
    for fn, _ in REFUSED_PROGRAMS:
        fields |= positions(fn)[1]
    refused = {(n, f) for n, entry in syntax.LOWERED.items() for f in entry.refused}
    assert refused - fields - FIELDS_ADDED_AFTER_311 == set()


# Refused wherever met: every class outside the allow-list in a hand-built tree (the classes
# Python 3.11 cannot parse among them), and code in a field the table does not list.

LINE = 7


def function_of(*body: gast.stmt) -> gast.FunctionDef:
    tree = gast.parse("def f(x):\n    return x").body[0]
    tree.body = [*body, tree.body[-1]]
    return tree


def hand_built(name: str) -> gast.AST:
    cls = getattr(gast, name, None) or type(name, (gast.AST,), {"_fields": ()})
    node = cls(**dict.fromkeys(cls._fields))
    node.lineno = node.end_lineno = LINE
    node.col_offset = node.end_col_offset = 0
    return node


def assert_refused_at(tree: gast.FunctionDef, line: int, match: str) -> None:
    with pytest.raises(UnsupportedSyntaxError, match=match) as info:
        validate.validate(tree, "where.py")
    assert (info.value.filename, info.value.line) == ("where.py", line)
    assert info.value.hint


def in_a_statement(node: gast.AST) -> gast.Expr:
    """`node` as the value of an expression statement at LINE (a lowered position)."""
    statement = gast.Expr(value=node)
    statement.lineno = statement.end_lineno = LINE
    statement.col_offset = statement.end_col_offset = 0
    return statement


REFUSED_ANYWHERE = sorted(
    set(syntax.REFUSED) | set(syntax.NOT_YET) | set(syntax.NEVER_IN_A_FUNCTION)
)


@pytest.mark.parametrize("name", REFUSED_ANYWHERE)
def test_a_class_outside_the_allow_list_is_refused_wherever_met(name):
    entry = syntax.REFUSED.get(name) or syntax.NOT_YET.get(name) or (f"`{name}`",)
    assert_refused_at(function_of(in_a_statement(hand_built(name))), LINE, re.escape(entry[0]))


def test_a_class_no_table_knows_is_refused():
    novel = hand_built("FromAFuturePython")
    assert_refused_at(function_of(in_a_statement(novel)), LINE, "`FromAFuturePython`")


def test_code_in_a_field_the_table_does_not_list_is_refused():
    constant = gast.Constant(value=gast.Name(id="x", ctx=gast.Load(), annotation=None,
                                             type_comment=None), kind=None)  # fmt: skip
    assert_refused_at(
        function_of(in_a_statement(constant)), LINE, "code in the `value` of `Constant`"
    )


def test_type_parameters_of_a_nested_function_are_refused():
    """`def g[T](y)` (Python 3.12): built by hand, as 3.11 cannot parse it."""
    nested = gast.parse("def g(y):\n    return y").body[0]
    gast.increment_lineno(nested, LINE - 1)
    nested.type_params = [hand_built("TypeVar")]
    nested.type_params[0].name = "T"
    assert_refused_at(function_of(nested), LINE, "type parameters")


def test_no_source_holds_a_class_never_in_a_function():
    """The parser makes none of them: not in s2s_ad's own source, nor in this file."""
    import s2s_ad.pipeline  # (run alone, nothing else has imported it)

    # (by name: a pass compiled by Cython has no source file inspect would find)
    paths = [m.__name__.replace(".", "/") + ".py" for m in (s2s_ad.api, s2s_ad.pipeline, validate)]
    paths = [Path(s2s_ad.__file__).parent.parent / path for path in paths]
    for path in [*paths, __file__]:
        with open(path) as source:
            module = gast.parse(source.read())
        found = {type(n).__name__ for n in gast.walk(module)} - {"Module"}
        assert found & syntax.NEVER_IN_A_FUNCTION == set()


# The assertion the shared helpers make: a value must equal the plain call's, bit for bit.


@pytest.mark.parametrize(
    ("ours", "plain"),
    [
        (1.0 + 2.0**-52, 1.0),
        (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 2.0**-51])),
        (np.array([1.0, 2.0], dtype=np.float32), np.array([1.0, 2.0])),
        (np.array([[1.0, 2.0]]), np.array([1.0, 2.0])),
        ((1.0, 2.0), (1.0, 3.0)),
        ([1.0], (1.0,)),
        (np.nan, 1.0),
    ],
)
def test_a_different_value_fails_the_primal_assertion(ours, plain):
    with pytest.raises(AssertionError, match="differs from the plain call"):
        assert_same_value(ours, plain, "the value")


def test_an_equal_value_passes_the_primal_assertion():
    assert_same_value((np.array([np.nan, 1.0]), 2.0), (np.array([np.nan, 1.0]), 2.0), "value")
