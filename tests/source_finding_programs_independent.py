"""Programs and helpers for tests/test_source_finding_independent.py.

Written by an independent tester from the README and issue 19 only: how s2s_ad finds and
checks a function's source (linecache with the function's module globals from the code's
first line, falling back to inspect), the shared check that a derivative's free names still
name the same objects, and the starred / nested-function validation.

Every program source here is written to a file under pytest's tmp_path by the tests and
loaded from there (from a path without sys.modules, by import, by compile + exec, from a zip).
"""

import importlib.util
import os
import textwrap

import numpy as np

import s2s_ad as ad

X = np.array([0.3, 0.7, 1.1])


def write_module(directory, name, source, *, newline=None, encoding="utf-8"):
    """Write `source` (dedented) to directory/name.py and return the path as a string."""
    path = os.path.join(str(directory), name + ".py")
    with open(path, "w", encoding=encoding, newline=newline) as fh:
        fh.write(textwrap.dedent(source))
    return path


def load_from_path(path, name):
    """A module loaded from its path, not added to sys.modules."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exec_file(path, namespace=None, *, source=None, filename=None):
    """compile(source, filename, "exec") run in `namespace`; defaults: the file's text and path."""
    if source is None:
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
    namespace = {} if namespace is None else namespace
    exec(compile(source, filename or path, "exec"), namespace)
    return namespace


def resolve(module, dotted):
    """module.a.b.c, where a part `()` calls the value (an instance of a class)."""
    value = module
    for part in dotted.split("."):
        if part == "()":
            value = value()
        elif isinstance(value, dict):
            value = value[part]
        else:
            value = getattr(value, part)
    return value


def central_gradient(f, x, eps=1e-6):
    x = np.asarray(x, dtype=float)
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = eps
        g[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def check_scalar_program(f, x, *, rtol=1e-6, atol=1e-8):
    """Gradient vs central differences, forward vs reverse (four ways), primal values.

    Returns a list of failure descriptions (empty when everything agrees).
    """
    failures = []
    x = np.array(x, dtype=float)
    plain = f(x.copy())
    reference = central_gradient(f, x)
    g = ad.grad(f)(x.copy())
    if not np.allclose(g, reference, rtol=1e-5, atol=1e-7):
        failures.append(f"grad {g} vs central differences {reference}")
    value, g2 = ad.value_and_grad(f)(x.copy())
    if value != plain:
        failures.append(f"value_and_grad value {value!r} vs plain call {plain!r}")
    if not np.allclose(g2, g, rtol=rtol, atol=atol):
        failures.append(f"value_and_grad gradient {g2} vs grad {g}")
    g_fwd = ad.grad(f, mode="forward")(x.copy())
    if not np.allclose(g_fwd, g, rtol=rtol, atol=atol):
        failures.append(f"forward-mode grad {g_fwd} vs reverse {g}")
    direction = np.array([0.5, -1.25, 2.0])[: x.size].reshape(x.shape)
    primal, tangent = ad.jvp(f, (x.copy(),), (direction,))
    if primal != plain:
        failures.append(f"jvp primal {primal!r} vs plain call {plain!r}")
    out, pullback = ad.vjp(f, x.copy())
    if out != plain:
        failures.append(f"vjp primal {out!r} vs plain call {plain!r}")
    (cotangent,) = pullback(1.0)
    if not np.allclose(tangent, np.sum(cotangent * direction), rtol=rtol, atol=atol):
        failures.append(f"jvp {tangent} vs vjp . direction {np.sum(cotangent * direction)}")
    if not np.allclose(cotangent, g, rtol=rtol, atol=atol):
        failures.append(f"vjp cotangent {cotangent} vs grad {g}")
    jf = ad.jacfwd(f)(x.copy())
    jr = ad.jacrev(f)(x.copy())
    if not (np.allclose(jf, jr, rtol=rtol, atol=atol) and np.allclose(jr, g, rtol=rtol, atol=atol)):
        failures.append(f"jacfwd {jf} vs jacrev {jr} vs grad {g}")
    return failures


def line_of(source, marker):
    """1-based line number of the unique line of the dedented source holding `marker`."""
    lines = textwrap.dedent(source).splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if marker in line]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


# ---------------------------------------------------------------------------------------
# Decorators, methods, layouts: every one differentiable; (id, dotted name) below.

LAYOUT_SOURCE = '''
"""A module of functions in the layouts people write."""
import functools
import numpy as np

REGISTRY = {}


def ident(f):
    return f


def tagged(scale, *, name="x"):
    def deco(f):
        REGISTRY[name] = f
        return f
    return deco


def register(**kw):
    REGISTRY.update(kw)
    return ident


def forwarding(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


def times3_plain(fn):
    def wrapper(x):
        return 3.0 * fn(x)
    return wrapper


def other_function(x):
    return np.sum(np.cos(x) * x)


def swap_for_other(f):
    return other_function


@ident
@tagged(
    2.0,
    name="multi",
)
@ident
def multi_decorated(x):
    return np.sum(np.sin(x) * x)


@tagged(1.0, name="args")
def decorated_with_args(x):
    return np.sum(x ** 3) - np.prod(x)


@forwarding
@forwarding
def stacked_forwarding(x):
    return np.sum(np.exp(x) * x)


@times3_plain
def wrapped_without_wraps(x):
    return np.sum(x ** 3)


@swap_for_other
def swapped(x):
    return np.sum(x * x)


@(lambda f: f)
def lambda_decorated(x):
    return np.sum(x * x * 5.0)


@register(loss=lambda x: np.sum(x * x * 7.0 + np.sin(x)))
def registered_beside_lambda(x):
    return np.sum(x)


def split_def(
    x,
    y=2.0,
    *,
    z=0.5,
):
    return np.sum(x * y) * np.sum(x) + z * np.sum(x)


def one_line(x): return np.sum(x * x * x)
def semicolons(x): y = x * x; return np.sum(y * x)
def one_line_lambda_factory(k): return (lambda v: np.sum(v * v * k))


class Model:
    s = 2.0

    def method(self, x):
        return np.sum(x * self.s) ** 2

    @staticmethod
    def static(x):
        return np.sum(np.tanh(x))

    @classmethod
    def klass(cls, x):
        return np.sum(x * cls.s * x)

    @property
    def w(self):
        return 1.5

    def uses_property(self, x):
        return np.sum(np.sin(x) * self.w)

    class Inner:
        def deep(self, x):
            return np.sum(x ** 4)


if True:
    def under_if(x):
        return np.sum(np.log1p(x * x))
else:
    def under_if(x):
        return 0.0


LONG_TEXT = """
def after_long_string(x):
    return np.sum(x)
"""
# def after_long_string(x):
#     return np.sum(x) * 1000.0
#
# a long comment block that looks like code


def after_long_string(x):
    return np.sum(x ** 4) + np.sum(x)


def ends_in_comments(x):
    y = np.sum(x * x)
    return y * 2.0
    # trailing comment
        # more, deeper


def ends_in_pass(x):
    y = np.sum(x * 5.0)
    if y > 1e9:
        pass
    return y * np.sum(x)


def body_with_dedented_text(x):
    doc = """
def body_with_dedented_text(x):
    return 0.0
"""
    y = x * 2.0 + \\
x
    return np.sum(y * x) + 0.0 * len(doc)


def redefined(x):
    return np.sum(x)


def redefined(x):  # noqa: F811 - the live one
    return np.sum(x * x * x * 4.0)


def shadows_itself(x):
    def shadows_itself(v):
        return v * 3.0
    return np.sum(shadows_itself(x) * x)


def outer(k):
    def inner(x):
        return np.sum(x * x) * k
    return inner


def make_class(k):
    class Local:
        def m(self, x):
            return np.sum(x * x * k)
    return Local()


square_lambda = lambda x: np.sum(x * x * 2.0)  # noqa: E731
pair_a, pair_b = (lambda x: np.sum(x * 3.0 * x)), (lambda x: np.sum(np.sin(x) * x))
closure = outer(3.0)
local_object = make_class(1.5)
'''

LAYOUT_CASES = [
    ("multi-line-decorators", "multi_decorated"),
    ("decorator-with-arguments", "decorated_with_args"),
    ("stacked-wraps-forwarders", "stacked_forwarding"),
    ("wrapper-without-wraps", "wrapped_without_wraps"),
    ("decorator-returns-other-function", "swapped"),
    ("lambda-as-decorator", "lambda_decorated"),
    ("lambda-in-decorator-arguments", "REGISTRY.loss"),
    ("decorator-registered-function", "REGISTRY.args"),
    ("def-line-split", "split_def"),
    ("one-line-def", "one_line"),
    ("semicolon-def", "semicolons"),
    ("method", "Model.().method"),
    ("staticmethod", "Model.static"),
    ("classmethod", "Model.klass"),
    ("method-reading-property", "Model.().uses_property"),
    ("nested-class-method", "Model.Inner.().deep"),
    ("def-under-if", "under_if"),
    ("after-long-string-and-comments", "after_long_string"),
    ("body-ends-in-comments", "ends_in_comments"),
    ("body-with-pass", "ends_in_pass"),
    ("body-with-dedented-string-and-continuation", "body_with_dedented_text"),
    ("redefined-name-live-one", "redefined"),
    ("nested-def-shadowing-its-outer-name", "shadows_itself"),
    ("closure", "closure"),
    ("class-defined-in-function", "local_object.m"),
    ("module-lambda", "square_lambda"),
    ("two-lambdas-one-line-first", "pair_a"),
    ("two-lambdas-one-line-second", "pair_b"),
]

# Expected gradients for a few, to catch a derivative of the wrong code (not just a self-
# consistent one): name -> function of x giving the gradient.
LAYOUT_EXPECTED = {
    "wrapped_without_wraps": lambda x: 9.0 * x**2,
    "swapped": lambda x: np.cos(x) - x * np.sin(x),
    "redefined": lambda x: 12.0 * x**2,
    "after_long_string": lambda x: 4.0 * x**3 + 1.0,
    "REGISTRY.loss": lambda x: 14.0 * x + np.cos(x),
}

# functools.wraps wrappers that change the value: README: "a decorator's wrapper hides the
# function, s2s_ad refuses" (a wrapper with a fixed signature and wraps).
WRAPPED_SOURCE = """
import functools
import numpy as np


def times3(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 3.0 * fn(x)
    return wrapper


@times3
def tripled(x):  # tripled-def
    return np.sum(x ** 3)


class Holder:
    @staticmethod
    @times3
    def st(x):  # st-def
        return np.sum(x * x)
"""

# ---------------------------------------------------------------------------------------
# Starred expressions and nested functions.

STARRED_SOURCE = """
import numpy as np

OPTS = {"a": 2.0}
GLOBAL_LIST = [1.0, 2.0]


def h3(a, b, c):
    return a * b + c


def hk(v, a=1.0):
    return v * a


def call_star_tuple(x):
    xs = (x[0], x[1], x[2])
    return h3(*xs)


def call_star_mixed(x):
    rest = [x[1], x[2]]
    return h3(x[0] * 2.0, *rest) * x[1]


def assign_star(x):
    a, *rest = [x[0], x[1], x[2]]
    return a * rest[0] * rest[1]


def assign_star_middle(x):
    a, *mid, z = [x[0], x[1], x[2], x[0] * x[1]]
    return a * z + mid[0] * mid[1]


def list_of_stars(x):
    a = [x[0], x[1]]
    b = [x[2]]
    return sum([*a, *b]) * x[0]


def tuple_of_stars(x):
    a = (x[0] * x[1],)
    t = (*a, x[2], *a)
    return t[0] + t[1] * t[2]


def kwargs_local(x):
    o = {"a": 3.0}
    return np.sum(hk(x, **o))


def print_star(x):
    print(*["value", "of"], "x")
    return np.sum(x * x)


def nested_append(x):
    out = []
    def add(v):
        out.append(v * v)
    for i in range(3):
        add(x[i])
    return sum(out)


def nested_append_twice(x):
    out = [x[0]]
    def add(v):
        out.append(v * out[-1])
    add(x[1])
    add(x[2])
    return out[0] + out[1] + out[2]


def nested_vararg(x):
    def inner(*vs):
        return sum(vs)
    return inner(x[0], x[1] * x[2])


def lambda_vararg(x):
    inner = lambda *vs: vs[0] * vs[1]  # noqa: E731
    return inner(x[0], x[2])


def nested_in_loop(x):
    s = 0.0
    for i in range(3):
        def h(v):
            return v * (i + 1.0)
        s = s + h(x[i]) * x[i]
    return s


def lambda_in_loop(x):
    s = 0.0
    for i in range(3):
        h = lambda v: v * (i + 1.0)  # noqa: E731
        s = s + h(x[i]) * x[i]
    return s


def starred_inside_nested(x):
    def inner(v):
        a, *r = [v[0], v[1], v[2]]
        return a * r[1]
    return inner(x)


def no_star_no_nested(x):
    return np.sum(x * x) * 2.0 ** 3
"""

STARRED_CASES = [
    "call_star_tuple",
    "call_star_mixed",
    "assign_star",
    "assign_star_middle",
    "list_of_stars",
    "tuple_of_stars",
    "kwargs_local",
    "print_star",
    "nested_append",
    "nested_append_twice",
    "nested_vararg",
    "lambda_vararg",
    "nested_in_loop",
    "lambda_in_loop",
    "starred_inside_nested",
    "no_star_no_nested",
]

# Refused: (function name, marker of the line the error must name, words the message holds).
REFUSED_SOURCE = """
import numpy as np

OPTS = {"a": 2.0}
GLOBAL_LIST = [1.0, 2.0]


def h3(a, b, c):
    return a * b + c


def hk(v, a=1.0):
    return v * a


def star_of_array(x):
    return h3(*x)  # star_of_array-line


def star_of_loop_list(x):
    xs = []
    for i in range(3):
        xs.append(x[i])
    return h3(*xs)  # star_of_loop_list-line


def star_of_global(x):
    return np.sum(x) * h3(*GLOBAL_LIST, 1.0)  # star_of_global-line


def kwargs_of_global(x):
    return np.sum(hk(x, **OPTS))  # kwargs_of_global-line


def star_in_nested_call(x):
    def inner(*vs):
        return vs[0]
    return inner(*x)  # star_in_nested_call-line


def nested_one_branch(x):
    if x[0] > 0:
        def h(v):
            return v * 2.0
    return h(x[1])  # nested_one_branch-line


def lambda_one_branch(x):
    if x[0] > 0:
        h = lambda v: v * 2.0  # noqa: E731
    return h(x[1])  # lambda_one_branch-line


def nested_in_comprehension_statement(x):
    out = [x[0]]
    def add(v):
        out.append(v)
        return v
    s = out[0] + sum([add(x[i]) for i in range(1, 3)])  # nested_in_comprehension_statement-line
    return s * x[0]


def star_params(*xs):  # star_params-line
    return xs[0] * xs[1]
"""

REFUSED_CASES = [
    ("star_of_array", "`*x`"),
    ("star_of_loop_list", "`*xs`"),
    ("star_of_global", "`*GLOBAL_LIST`"),
    ("kwargs_of_global", "`**OPTS`"),
    ("star_in_nested_call", "`*x`"),
    ("nested_one_branch", "`h`"),
    ("lambda_one_branch", "`h`"),
    ("nested_in_comprehension_statement", "`add`"),
    ("star_params", "star_params"),
]

# ---------------------------------------------------------------------------------------
# Rebinding: two modules of the same text (the same dependency names, other objects).

REBIND_SOURCE = """
import numpy as np

SCALE = 2.0


def sq(v):
    return v * v


def cube(v):
    return v * v * v


def helper(v):
    return v * v


def f(x):
    return np.sum(helper(x)) * SCALE


def inner(v):
    return v * v


def middle(v):
    return inner(v) + v


def g(x):
    return np.sum(middle(x))


def make(h):
    def closed(x):
        return np.sum(h(x))

    def set_h(new):
        nonlocal h
        h = new

    return closed, set_h


class Cfg:
    pass


cfg = Cfg()
cfg.act = sq


def uses_cfg(x):
    return np.sum(cfg.act(x))


def with_defaults(x, s=1.0, *, k=2.0):
    return np.sum(sq(x)) * k * s
"""

EDIT_V1 = """
import numpy as np


def f(x):
    return np.sum(x * x)
"""

# the same size as EDIT_V1 (an operator changed)
EDIT_SAME_SIZE = EDIT_V1.replace("x * x", "x + x")
EDIT_BODY = EDIT_V1.replace("np.sum(x * x)", "np.sum(np.sin(x) * x * 3.0)")
EDIT_LINES_ABOVE = "# a line\n# another line\n" + textwrap.dedent(EDIT_V1)

EXEC_HELPER_SOURCE = """
import numpy as np


def helper(v):
    return v * v


def f(x):
    return np.sum(helper(x)) + K


K = 1.0
"""
