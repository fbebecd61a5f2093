"""The allow-list of syntax: every node class the lowering handles, and for each the fields
that may hold code; every other class refused, with what to write instead.

Nothing here runs: `validate.py` walks a function against these tables, and
`tests/test_allow_list.py` proves every class of Python's `ast` (3.11 to 3.14) is in exactly
one of them, with a program per entry. Classes are named by their gast names (gast spells a
parameter `Name(ctx=Param())` where `ast` has `arg`).

Before: a class nobody listed (say `while … else`'s `orelse`, or a node class a new Python
adds) passed the old deny-list silently. After: `LOWERED["While"]` lists the fields whose code
is lowered; anything not listed, in a class or in a field, is refused at its line:

    LOWERED["AnnAssign"] = Fields(lowered=("target", "value"), ignored=("annotation",))
    `y: float = 2.0 * x`   the value and target are lowered; the annotation of a local is
                           never evaluated by Python (PEP 526), so dropping it is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fields:
    """Where a lowered node class may hold code.

    `lowered`: fields whose code is lowered. `ignored`: fields whose code Python never
    evaluates (dropping it is exact). `refused`: fields whose code, when present, is refused
    with (construct, hint). Code in any other field is refused too.
    """

    lowered: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()
    refused: dict[str, tuple[str, str]] = field(default_factory=dict)


_NONE = Fields()
_SYNC = "differentiate a plain synchronous function"

LOWERED: dict[str, Fields] = {
    # statements
    # A nested `def` is inlined where it is called. Its defaults are lowered; the annotations
    # of its parameters (`Name.annotation`) and result are evaluated when `def` runs, so
    # validate admits only type expressions (which only read names) and the lowering resolves
    # their names there.
    "FunctionDef": Fields(
        lowered=("args", "body", "returns"),
        refused={
            "decorator_list": ("a decorated nested function", "define it without decorators"),
            "type_params": ("type parameters of a nested function", "drop `[T]`"),
        },
    ),
    # `*args` / `**kwargs`: bound for the arity of each call (ssa/star_arguments.py)
    "arguments": Fields(
        lowered=("posonlyargs", "args", "vararg", "kwonlyargs", "kw_defaults", "kwarg", "defaults"),
    ),
    "Return": Fields(lowered=("value",)),
    "Assign": Fields(lowered=("targets", "value")),
    "AugAssign": Fields(lowered=("target", "op", "value")),
    # PEP 526: the annotation of a local variable is never evaluated.
    "AnnAssign": Fields(lowered=("target", "value"), ignored=("annotation",)),
    # `orelse` of a loop: see validate.LOOP_ELSE_LOWERED.
    "For": Fields(lowered=("target", "iter", "body", "orelse")),
    "While": Fields(lowered=("test", "body", "orelse")),
    "If": Fields(lowered=("test", "body", "orelse")),
    # Kept for their effect, copied as written (ssa/effects.py): a call or any expression
    # as a statement, `assert`, `raise`, and a `try` around those; a `with` block's body is
    # lowered, its context manager entered around it (ssa/context_managers.py).
    "Expr": Fields(lowered=("value",)),
    "Assert": Fields(lowered=("test", "msg")),
    "Raise": Fields(lowered=("exc", "cause")),
    "Try": Fields(lowered=("body", "handlers", "orelse", "finalbody")),
    "ExceptHandler": Fields(lowered=("type", "name", "body")),
    "With": Fields(lowered=("items", "body")),
    "withitem": Fields(lowered=("context_expr", "optional_vars")),  # `as` names: lowering
    "Pass": _NONE,
    "Break": _NONE,
    "Continue": _NONE,
    # expressions
    "BoolOp": Fields(lowered=("op", "values")),
    "BinOp": Fields(lowered=("left", "op", "right")),
    "UnaryOp": Fields(lowered=("op", "operand")),
    "IfExp": Fields(lowered=("test", "body", "orelse")),
    "Compare": Fields(lowered=("left", "ops", "comparators")),
    "Call": Fields(lowered=("func", "args", "keywords")),
    "keyword": Fields(lowered=("value",)),  # `f(**kw)` (arg None): ssa/star_arguments.py
    "Starred": Fields(lowered=("value", "ctx")),  # `f(*xs)`: ssa/star_arguments.py
    "Constant": _NONE,
    "JoinedStr": Fields(lowered=("values",)),  # f-strings: in statements kept for effect
    "FormattedValue": Fields(lowered=("value", "format_spec")),
    "Attribute": Fields(lowered=("value", "ctx")),
    "Subscript": Fields(lowered=("value", "slice", "ctx")),
    "Slice": Fields(lowered=("lower", "upper", "step")),
    "Name": Fields(lowered=("ctx", "annotation")),  # annotation: a nested def's parameter
    "List": Fields(lowered=("elts", "ctx")),
    # Comprehensions become loops before validation (ssa/comprehensions.py), which are then
    # validated like the user's code; `is_async` of a `comprehension` is refused there.
    "ListComp": Fields(lowered=("elt", "generators")),
    "SetComp": Fields(lowered=("elt", "generators")),
    "GeneratorExp": Fields(lowered=("elt", "generators")),
    "comprehension": Fields(lowered=("target", "iter", "ifs")),
    "Tuple": Fields(lowered=("elts", "ctx")),
    "Lambda": Fields(lowered=("args", "body")),  # a nested def (ssa/lambdas.py)
    "Dict": Fields(lowered=("keys", "values")),  # `{**d}` (a key None): the lowering refuses
    # lowered by ssa/comprehensions.py into `d = {}` and `d[k] = v`
    "DictComp": Fields(lowered=("key", "value", "generators")),
    # contexts (`Param`: gast's context of a parameter)
    "Load": _NONE,
    "Store": _NONE,
    "Param": _NONE,
    # operators
    **dict.fromkeys(("And", "Or", "Not", "Invert", "UAdd", "USub"), _NONE),
    **dict.fromkeys(("Add", "Sub", "Mult", "Div", "Pow", "MatMult", "FloorDiv", "Mod"), _NONE),
    **dict.fromkeys(("BitAnd", "BitOr", "BitXor"), _NONE),  # masks: `(x > 0) & (x < 1)`
    **dict.fromkeys(("Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "Is", "IsNot"), _NONE),
    **dict.fromkeys(("In", "NotIn"), _NONE),  # `name in ("relu", "tanh")`: a passive bool
}

# Never differentiated: (construct, what to do instead).
REFUSED: dict[str, tuple[str, str]] = {
    "TryStar": ("`try … except*` statement", "move error handling outside the function"),
    "AsyncWith": ("`async with`", _SYNC),
    "AsyncFor": ("`async for`", _SYNC),
    "AsyncFunctionDef": ("`async def`", _SYNC),
    "Await": ("`await`", _SYNC),
    "Yield": ("`yield` (a generator)", "return a value or a list instead of yielding"),
    "YieldFrom": ("`yield from` (a generator)", "return a value or a list instead"),
    "Global": ("`global` declaration", "pass the value in as an argument and return it"),
    "Nonlocal": ("`nonlocal` declaration", "pass the value in as an argument and return it"),
    "Delete": ("`del` statement", "let the name go out of scope instead"),
    "Del": ("`del` statement", "let the name go out of scope instead"),
    "ClassDef": ("class definition", "define the class at module level"),
    "Import": ("`import` inside the function", "import at module level"),
    "ImportFrom": ("`import` inside the function", "import at module level"),
    "alias": ("`import` inside the function", "import at module level"),
    "NamedExpr": ("assignment expression `:=`", "assign on a line of its own"),
    "Set": ("set display", "use a tuple or a list"),
    "Match": ("`match` statement", "use `if`/`elif`"),
    "match_case": ("`match` statement", "use `if`/`elif`"),
    **dict.fromkeys(
        ("MatchValue", "MatchSingleton", "MatchSequence", "MatchMapping", "MatchClass"),
        ("`match` pattern", "use `if`/`elif`"),
    ),
    **dict.fromkeys(("MatchStar", "MatchAs", "MatchOr"), ("`match` pattern", "use `if`/`elif`")),
    "TemplateStr": ("template string `t'…'`", "format text outside the function"),
    "Interpolation": ("template string `t'…'`", "format text outside the function"),
    "TypeAlias": ("`type` alias statement", "define the alias at module level"),
    **dict.fromkeys(
        ("TypeVar", "ParamSpec", "TypeVarTuple"),
        ("type parameters (`def g[T]`)", "drop the type parameters"),
    ),
    "LShift": ("operator `<<`", "use arithmetic operators or NumPy functions"),
    "RShift": ("operator `>>`", "use arithmetic operators or NumPy functions"),
}

# Refused for now, with the same located error and "(not supported yet)".
NOT_YET: dict[str, tuple[str, str]] = {}

# Classes the parser never puts in a function body: abstract bases, the roots of other parse
# modes, deprecated aliases (`ast.Num(1)` makes a `Constant`), Python 2's (gast keeps them).
# Met anyway (a hand-built tree), one is refused like any class in no table.
NEVER_IN_A_FUNCTION: frozenset[str] = frozenset(
    {
        *("AST", "mod", "stmt", "expr", "expr_context", "boolop", "operator", "unaryop"),
        *("cmpop", "excepthandler", "pattern", "type_ignore", "type_param", "slice"),
        *("Module", "Interactive", "Expression", "FunctionType", "TypeIgnore", "Suite"),
        *("Num", "Str", "Bytes", "NameConstant", "Ellipsis", "Index", "ExtSlice"),
        *("AugLoad", "AugStore", "Exec", "Print", "Repr"),
    }
)
