"""Every error path: a located `S2SError` subclass naming the construct, never a traceback
from inside s2s_ad and never a wrong number. The offending line carries `# <- error`."""

import contextlib
import inspect
import math
import warnings

import numpy as np
import pytest
from derivative_tests import marked_line

import s2s_ad as ad
from s2s_ad.errors import (
    ComplexValueError,
    NameResolutionError,
    S2SError,
    SourceError,
    UnknownCalleeError,
    UnsupportedSyntaxError,
)
from s2s_ad.testing import check_grads


def uses_try(x):
    try:  # <- error
        y = x * 2.0
    except ValueError:
        y = x
    return y


def uses_with(x):
    with open("f") as fh:  # <- error
        y = x
    return y


def element_of_argument(x):
    x[0] = 1.0  # <- error
    return np.sum(x)


def element_through_view(x):
    y = np.zeros(3)
    z = y[1:]
    z[0] = x  # <- error
    return np.sum(y)


def element_of_global(x):
    GLOBAL_ARRAY[0] = x  # <- error
    return np.sum(GLOBAL_ARRAY)


GLOBAL_ARRAY = np.zeros(3)


def append_to_argument(xs, x):
    xs.append(x)  # <- error
    return np.sum(np.array(xs))


def list_method(x):
    ys = [x, x]
    ys.reverse()  # <- error
    return np.sum(np.array(ys))


def uses_exec(x):
    exec("y = 2")  # <- error
    return x


def uses_eval(x):
    return eval("x * 2") * x  # <- error


def nested_recursion(x):
    def down(t):
        return down(t - 1.0)  # <- error

    return down(x)


def nested_as_value(x):
    def inner(t):
        return t

    functions = (inner, x)  # <- error  (a list of functions alone is known: session 37)
    return functions[0](x)


def max_with_key(x):
    return max([x, -x], key=abs)  # <- error


def uses_yield(x):
    yield x  # <- error


def uses_global(x):
    global SOMETHING  # <- error
    SOMETHING = x
    return x


def uses_del(x):
    y = x
    del y  # <- error
    return x


def uses_lambda(x):
    gs = (lambda t: t * 2.0, x)  # <- error  (beside data: not a list of functions)
    return gs[0](x)


def sorts_a_local(x):
    idx = [2, 0, 1]
    idx.sort()  # <- error
    return x[idx]


def uses_import(x):
    import os  # <- error

    return x * len(os.sep)


def mixed_returns(x):
    if x > 0.0:
        return x, x
    return x  # <- error


def no_return(x):
    y = x * 2.0  # <- error


def star_args(*xs):  # <- error
    return xs[0]


def method_call(x):
    return x.nancumsum()  # <- error


def attribute_target(x):
    x.y = 2.0  # <- error
    return x


def undefined_name(x):
    return x * NOT_DEFINED_ANYWHERE  # <- error  # noqa: F821


def used_before_assignment(x):
    y = z * x  # <- error  # noqa: F821
    z = 2.0
    return y


def unknown_callee(x):
    return np.sum(np.unique(x))  # <- error


def unknown_in_loop(x, n):
    for _ in range(n):
        x = np.sum(np.nancumsum(x))  # <- error
    return x


def recursive(x, n):
    if n > 0:
        x = recursive(x, n - 1)  # <- error
    return x * 2.0


def calls_recursive(x):
    return recursive(x, 3)  # <- error


def star_helper(*ts):
    return ts


def calls_star_helper(x):
    xs = np.array([x, x])
    return star_helper(*xs)[0] * 3.0  # <- error


def active_keyword(x):
    return math.log(2.0, x)  # <- error


def unpack_call(x):
    a, b = divmod(x, 2.0)  # <- error
    return a * x


async def uses_async(x):  # <- error
    return x * 2.0


def class_inside(x):
    class Box:  # <- error
        pass

    return x


def uses_nonlocal(x):
    y = x

    def scale():
        nonlocal y  # <- error
        y = y * 2.0

    scale()
    return y


def comprehension_in_while_test(x):
    while sum(x * i for i in range(3)) < 10.0:  # <- error
        x = x * 2.0
        if x < 0.1:
            continue
    return x


def generator_kept_lazy(x):
    g = (x * i for i in range(3))  # <- error
    return sum(g)


def uses_match(x):
    match x:  # <- error
        case 1.0:
            return x
    return x * 2.0


def walrus(x):
    if (y := x * 2.0) > 0:  # <- error
        return y
    return x


def try_finally(x):
    try:  # <- error
        y = x * 2.0
    finally:
        print("done")
    return y


def uses_suppress(x):
    with contextlib.suppress(ValueError):  # <- error
        y = np.log(x)
    return y


def keyword_arguments(x, **options):  # <- error
    return x * 2.0


def set_display(x):
    s = {x, 2.0}  # <- error
    return x * len(s)


def dict_of_active_pairs(x):
    d = dict(zip(["a", "b"], [x, 2.0 * x], strict=True))  # <- error
    return d["a"] * d["b"]


def starred_call(x):
    args = np.array([x, 2.0])
    return np.maximum(*args)  # <- error


def returns_inside_with(x):
    with np.errstate(all="ignore"):
        return np.log(x)  # <- error


def complex_literal(t):
    return np.abs(np.exp(1j * t) + 2.0) ** 2  # <- error


def fft_power(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)  # <- error


def calls_a_function_argument(x, fn):
    return fn(x) * 2.0  # <- error


def _doubled(x):
    yield x * 2.0


def calls_a_generator(x):
    return sum(_doubled(x))  # <- error


CASES = [
    (uses_try, UnsupportedSyntaxError, "`try`"),
    (uses_with, UnsupportedSyntaxError, "`with … as name`"),
    (element_of_argument, UnsupportedSyntaxError, "in-place update of the argument `x`"),
    (element_through_view, UnsupportedSyntaxError, "`z` is a view of `y`"),
    (element_of_global, UnsupportedSyntaxError, "carries a derivative"),
    (append_to_argument, UnsupportedSyntaxError, r"argument `xs` \(append\)"),
    (list_method, UnsupportedSyntaxError, r"method `.reverse\(\)` of the local `ys`"),
    (max_with_key, UnsupportedSyntaxError, "`max` with `key=`"),
    (nested_recursion, UnsupportedSyntaxError, "recursive call of the nested function `down`"),
    (nested_as_value, UnsupportedSyntaxError, "the nested function `inner` used as a value"),
    (uses_exec, UnsupportedSyntaxError, "call of `exec`, which can read local variables"),
    (uses_eval, UnsupportedSyntaxError, "call of `eval`, which can read local variables"),
    (uses_yield, UnsupportedSyntaxError, "yield"),
    (uses_global, UnsupportedSyntaxError, "`global`"),
    (uses_del, UnsupportedSyntaxError, "`del`"),
    (uses_lambda, UnsupportedSyntaxError, "a lambda used as a value"),
    (sorts_a_local, UnsupportedSyntaxError, r"method `.sort\(\)` of the local `idx`"),
    (uses_import, UnsupportedSyntaxError, "import"),
    (mixed_returns, UnsupportedSyntaxError, "different numbers of values"),
    (no_return, UnsupportedSyntaxError, "does not return a value"),
    (star_args, UnsupportedSyntaxError, r"\*args"),
    (method_call, UnsupportedSyntaxError, r"method `.nancumsum\(\)` of a local value"),
    (attribute_target, UnsupportedSyntaxError, "assignment to an attribute"),
    (undefined_name, NameResolutionError, "NOT_DEFINED_ANYWHERE"),
    (used_before_assignment, NameResolutionError, "used before it is assigned"),
    (unknown_callee, UnknownCalleeError, "np.unique"),
    (unknown_in_loop, UnknownCalleeError, "np.nancumsum"),
    (calls_star_helper, UnsupportedSyntaxError, r"`\*xs` in a call, where the number"),
    (active_keyword, UnknownCalleeError, "argument `base`"),
    (unpack_call, UnknownCalleeError, "divmod"),
    (uses_async, UnsupportedSyntaxError, "async def"),
    (class_inside, UnsupportedSyntaxError, "class definition"),
    (uses_nonlocal, UnsupportedSyntaxError, "`nonlocal`"),
    (comprehension_in_while_test, UnsupportedSyntaxError, "`while` loop that uses `continue`"),
    (generator_kept_lazy, UnsupportedSyntaxError, "generator expression whose elements are not"),
    (uses_match, UnsupportedSyntaxError, "`match`"),
    (walrus, UnsupportedSyntaxError, ":="),
    (try_finally, UnsupportedSyntaxError, "`try` around an assignment"),
    (uses_suppress, UnsupportedSyntaxError, "swallows exceptions"),
    (keyword_arguments, UnsupportedSyntaxError, r"\*\*kwargs"),
    (set_display, UnsupportedSyntaxError, "set display"),
    (dict_of_active_pairs, UnknownCalleeError, "no derivative rule for `dict`"),
    (starred_call, UnsupportedSyntaxError, r"`\*args` in a call, where the number of elements"),
    (returns_inside_with, UnsupportedSyntaxError, "`return` inside a `with` block"),
    (complex_literal, ComplexValueError, "the literal `1j`"),
    (fft_power, ComplexValueError, "np.fft.fft"),
    (calls_a_function_argument, UnsupportedSyntaxError, "function-valued arguments"),
    (calls_a_generator, UnsupportedSyntaxError, "generator function"),
]


@pytest.mark.parametrize(("fn", "kind", "match"), CASES, ids=lambda c: getattr(c, "__name__", ""))
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_located_error(fn, kind, match, mode):
    with pytest.raises(kind, match=match) as info:
        ad.derivative_source(fn, mode=mode)
    error = info.value
    assert error.filename == __file__
    assert error.line == marked_line(fn)
    assert str(error).startswith(f"{__file__}:{error.line}: ")
    assert error.hint, "every error says what to do instead"


@pytest.mark.parametrize(("fn", "kind", "match"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_the_cli_prints_one_line_and_exits_2(fn, kind, match, capsys):
    from s2s_ad import cli

    code = cli.main(["show", f"{__file__}:{fn.__name__}"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith(f"s2s-ad: {__file__}:{marked_line(fn)}: ")


def test_the_catalogue_has_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_recursion_is_a_located_error(mode):
    with pytest.raises(UnsupportedSyntaxError, match="recursive call of `recursive`") as info:
        ad.derivative_source(calls_recursive, mode=mode)
    assert info.value.filename == __file__
    assert info.value.line == marked_line(recursive)  # the call, not the `def`
    assert info.value.hint == "write the recursion as a loop"


def test_unknown_callee_on_inactive_values_is_fine():
    def sorts_constant(x):
        order = np.unique(np.arange(3.0))
        return x * np.sum(order)

    assert ad.grad(sorts_constant)(2.0) == 3.0


def test_builtin_has_no_source():
    with pytest.raises(SourceError, match="not a Python function"):
        ad.derivative_source(math.sin)


def test_lambda_without_source_is_rejected():
    square = eval("lambda x: x * x")  # a lambda's source is found by its line: none here
    with pytest.raises(S2SError, match=r"lambda.*`def`"):
        ad.grad(square)(1.0)


def test_function_without_source():
    namespace = {}
    exec("def made(x):\n    return x * x\n", namespace)
    with pytest.raises(SourceError, match="cannot read the source"):
        ad.grad(namespace["made"])(1.0)


def doubles_in_place(x):
    y = x
    y *= 2.0  # <- error
    return np.sum(y)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_in_place_update_of_an_argument_array(mode):
    with pytest.raises(UnsupportedSyntaxError, match="in-place update of the argument `x`") as info:
        ad.grad(doubles_in_place, mode=mode)(np.ones(3))
    assert info.value.line == marked_line(doubles_in_place)
    with pytest.raises(UnsupportedSyntaxError, match="in-place"):
        ad.vjp(doubles_in_place, np.ones(3))


def scales_items_in_loop(xs, c):
    for i in range(len(xs)):
        xs[i] += c * xs[i]  # <- error
    return sum(v * v for v in xs)


def scales_entries_in_loop(d, c):
    for k in ["a", "b"]:
        d[k] = d[k] * (1.0 + c)  # <- error
    return d["a"] * d["b"]


def grows_in_loop(xs, c):
    for _ in range(2):
        xs.append(xs[-1] * c)  # <- error
    return xs[-1]


def adds_in_loop(x, c):
    for _ in range(3):
        x += c  # <- error
    return np.sum(x * x)


def copies_then_updates_in_loop(xs, c):
    for i in range(len(xs)):
        xs = list(xs)
        xs[i] = xs[i] * c
    return xs[0] * xs[1]


@pytest.mark.parametrize(
    ("fn", "args"),
    [
        (scales_items_in_loop, lambda: ([1.0, 2.0, 3.0], 0.5)),
        (scales_entries_in_loop, lambda: ({"a": 1.0, "b": 2.0}, 0.5)),
        (grows_in_loop, lambda: ([1.0, 2.0], 0.5)),
        (adds_in_loop, lambda: (np.array([1.0, 2.0]), 0.5)),
    ],
    ids=lambda f: getattr(f, "__name__", ""),
)
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_in_place_update_of_an_argument_in_a_loop(fn, args, mode):
    """The first iteration updates the caller's list, dict or array, as Python does: refused
    as the same update outside a loop is (before, the gradient was made on new versions and
    the caller's value was left as it was, where the plain call changes it)."""
    given = args()
    with pytest.raises(UnsupportedSyntaxError, match="in-place update of the argument") as info:
        ad.grad(fn, wrt=1, mode=mode)(*given)
    assert info.value.line == marked_line(fn)
    assert np.array_equal(given[0], args()[0]) if isinstance(given[0], np.ndarray) else True
    assert given[0] == args()[0] if not isinstance(given[0], np.ndarray) else True


def test_an_argument_copied_in_the_loop_before_its_update_is_fine():
    xs = [1.0, 2.0]
    grads = ad.grad(copies_then_updates_in_loop, wrt=(0, 1))(xs, 0.5)
    check_grads(lambda a, b, c: copies_then_updates_in_loop([a, b], c), (1.0, 2.0, 0.5))
    assert xs == [1.0, 2.0] and grads[1] == pytest.approx(2 * 0.5 * 1.0 * 2.0)


def test_in_place_update_of_a_float_argument_is_fine():
    assert ad.grad(doubles_in_place)(3.0) == 2.0
    assert ad.grad(doubles_in_place, mode="forward")(3.0) == 2.0


# Run-time failures of the result's own pullback (the first lines of the reverse sweep, whose
# primal assignment grad's code leaves out) are reported at the `return` line; before, at the
# line that made the value the result reads (a loop's body, a parameter's `def`).


def mean_of_powers(x, n):
    s = 0.0
    for i in range(n):
        s = s + x ** (i + 1) / (i + 1)
    return s / n  # <- error


def straight_ratio(x, n):
    y = x * x
    return y / n  # <- error


def while_total(x, n):
    total, k = 0.0, 0
    while k < n:
        total = total + math.sin(x * k)
        k = k + 1
    return total / k  # <- error


def body_failure(x, n):
    y = x * 2.0
    z = math.log(y - 2.0 * x + n)  # <- error
    return z * y


def dead_intermediate(x, n):
    # its pullback, 0.5 * 0.0 ** -0.5, does not read `r`: grad's code leaves this line out
    r = (x - 1.5 + n) ** 0.5  # <- error
    return x * x + r


@pytest.mark.parametrize(
    "fn",
    [mean_of_powers, straight_ratio, while_total, body_failure, dead_intermediate],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize(
    "api",
    [
        lambda f: ad.grad(f)(1.5, 0),
        lambda f: ad.value_and_grad(f)(1.5, 0),
        lambda f: ad.grad(ad.grad(f))(1.5, 0),
        lambda f: ad.hessian(f)(1.5, 0),
        lambda f: ad.grad(f, mode="forward")(1.5, 0),
    ],
    ids=["grad", "value_and_grad", "grad of grad", "hessian", "forward"],
)
def test_a_failing_pullback_names_the_users_line(fn, api):
    with pytest.raises(ad.S2SError) as info:
        api(fn)
    assert f"{__file__}:{marked_line(fn)}:" in str(info.value)


# the simplification passes merge statements of several lines into one (`x_bar = 3.0 + 1.0 /
# math.sqrt(1.0 - x * x)` holds the pullbacks of two lines) and leave no primal comment
# above it; the code's line table (codegen/emit.py) still names the statement's own line


def merged_pullbacks(x):
    b = x * 3.0
    a = math.asin(x)  # <- error
    return a + b


def merged_in_a_branch(x):
    if x >= 0.0:  # noqa: SIM108
        y = x**0.5  # <- error
    else:
        y = -x
    return y * 3.0


def merged_in_a_loop(x):
    s = 0.0
    for k in range(3):
        t = math.asin(x) * k  # <- error
        s = s + t
    return s


@pytest.mark.parametrize(
    "fn, x",
    [(merged_pullbacks, 1.0), (merged_in_a_branch, 0.0), (merged_in_a_loop, 1.0)],
    ids=["straight", "branch", "loop"],
)
@pytest.mark.parametrize(
    "api",
    [
        ad.grad,
        ad.value_and_grad,
        lambda f: ad.grad(ad.grad(f)),
        ad.hessian,
        lambda f: ad.jacfwd(ad.grad(f)),
        lambda f: ad.grad(f, mode="forward"),
    ],
    ids=["grad", "value_and_grad", "grad of grad", "hessian", "jacfwd of grad", "forward"],
)
def test_a_failing_merged_statement_names_its_own_line(fn, x, api):
    with pytest.raises(ad.S2SError) as info:
        api(fn)(x)
    assert f"{__file__}:{marked_line(fn)}:" in str(info.value)


# one computation shared by several lines (ssa/cse.py): its derivative is blamed on the
# first line whose copy of the value carries one; a failure of the value itself, on the
# line that computes it first, as the plain call fails there


def shared_with_a_condition(x):
    if math.sqrt(x) < 1.0:  # <- first  # noqa: SIM108
        s = 2.0
    else:
        s = 3.0
    return s * math.sqrt(x)  # <- error


def shared_with_a_loop_count(x):
    n = int(math.sqrt(x)) + 2  # <- first
    s = 0.0
    for i in range(n):
        s = s + math.sqrt(x) * float(i)  # <- error
    return s


def shared_with_a_floor(x):
    k = math.floor(math.sqrt(x))  # <- first
    b = math.sqrt(x) * 2.0  # <- error
    return b * (k + 1.0)


def shared_with_a_stopped_gradient(x):
    c = ad.stop_gradient(math.sqrt(x))  # <- first
    return c + math.sqrt(x) * 2.0  # <- error


def shared_with_a_label(x):
    label = "root " + str(math.sqrt(x))  # <- first
    y = math.sqrt(x) * 3.0  # <- error
    return y if label else 0.0


def shared_both_differentiated(x):
    a = math.sqrt(x) * 3.0  # <- first  # <- error
    b = math.sqrt(x) * 2.0
    return a + b


SHARED = [
    shared_with_a_condition,
    shared_with_a_loop_count,
    shared_with_a_floor,
    shared_with_a_stopped_gradient,
    shared_with_a_label,
    shared_both_differentiated,
]
FIRST_AND_SECOND_ORDER = [
    ad.grad,
    ad.value_and_grad,
    lambda f: ad.grad(f, mode="forward"),
    lambda f: lambda x: ad.jvp(f, (x,), (1.0,)),
    lambda f: ad.grad(ad.grad(f)),
    ad.hessian,
    lambda f: ad.jacfwd(ad.grad(f)),
    lambda f: ad.jacrev(ad.grad(f)),
]
ORDER_IDS = ["grad", "value_and_grad", "forward", "jvp", "grad of grad", "hessian",
             "jacfwd of grad", "jacrev of grad"]  # fmt: skip


def first_line(fn) -> int:
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, text in enumerate(lines) if "# <- first" in text)


@pytest.mark.parametrize("fn", SHARED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("api", FIRST_AND_SECOND_ORDER, ids=ORDER_IDS)
def test_a_shared_value_s_derivative_names_the_line_that_differentiates_it(fn, api):
    with pytest.raises(ad.S2SError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # vector modes: NumPy's 0/0 too
        api(fn)(0.0)  # the square root's derivative at 0: a division by zero
    assert f"{__file__}:{marked_line(fn)}:" in str(info.value)


@pytest.mark.parametrize("fn", SHARED, ids=lambda f: f.__name__)
@pytest.mark.parametrize("api", FIRST_AND_SECOND_ORDER, ids=ORDER_IDS)
def test_a_shared_value_s_own_failure_names_the_line_computing_it_first(fn, api):
    with pytest.raises(ValueError):
        fn(-1.0)  # the plain call fails there: math domain error
    with pytest.raises(ad.S2SError) as info:
        api(fn)(-1.0)
    assert f"{__file__}:{first_line(fn)}:" in str(info.value)
