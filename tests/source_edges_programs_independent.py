# ruff: noqa
# fmt: off
"""Programs for tests/test_source_edges_independent.py: source-finding edges.

Written from the README alone. Each function is something a user writes in a real file.
"""
from __future__ import annotations

import functools
import math

import numpy as np

# ---------------------------------------------------------------- decorators


def plain_deco(fn):
    return fn


def deco_with_args(scale):
    def wrap(fn):
        fn.scale = scale
        return fn

    return wrap


def wraps_deco(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@plain_deco
def dec_plain(x):
    y = np.sin(x) * 2.0
    return np.sum(y * y)


@deco_with_args(
    scale=3.0,
)
def dec_args(x):
    return np.sum(np.cos(x) * x)


@plain_deco
@deco_with_args(2.0)
@plain_deco
def dec_stacked(x):
    z = x * x
    return np.sum(z * np.exp(-x))


@wraps_deco
def dec_wraps(x):
    return np.sum(np.tanh(x) ** 2)


# ---------------------------------------------------------------- endings


def ends_pass(x):
    y = x * 3.0
    if np.sum(y) > 1e9:
        pass
    return np.sum(y * x)
    pass


def ends_ellipsis(x):
    return np.sum(x ** 3)
    ...


def ends_docstring_only_body(x):
    """Docstring first."""
    return np.sum(np.log1p(x * x))


def ends_bare_string(x):
    y = np.sum(x * x)
    return y
    "a bare string at the end"


def ends_trailing_comment(x):
    y = np.sum(np.sqrt(x * x + 1.0))
    return y
    # a trailing comment that is part of no statement


# a comment between functions


def ends_else_pass(x):
    s = np.sum(x)
    if s > 0.0:
        s = s * s
    else:
        pass
    return s


def ends_multiline_return(x):
    a = np.sum(x)
    return (
        a * a
        + np.sum(np.sin(x))
        - 3.0
    )


def ends_multiline_string(x):
    label = """a
multi-line
string"""
    return np.sum(x * x) + len(label)


def ends_backslash(x):
    return np.sum(x * 2.0) + \
        np.sum(x ** 2)


def ends_lambda(x):
    sq = lambda v: v * v  # noqa: E731
    return np.sum(sq(x))


def ends_nested_def(x):
    def inner(v):
        return np.sin(v) * v

    return np.sum(inner(x))


def one_liner(x): return np.sum(x * x)


def semicolons(x):
    a = x * 2.0; b = a + 1.0; c = np.sum(b * b)
    return c


def adjacent_a(x):
    return np.sum(x * 5.0)
def adjacent_b(x):  # noqa: E302
    return np.sum(x * 7.0) + np.sum(x * x)


def unicode_names(x):
    "Ωμέγα: café ✓"
    αβ = x * 2.0  # é
    return np.sum(αβ * np.cos(x))


# ---------------------------------------------------------------- classes, nesting


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        y = np.tanh(x * self.w)
        return np.sum(y * y)

    @staticmethod
    def static_loss(x):
        return np.sum(np.exp(x) * 0.5)

    @classmethod
    def class_loss(cls, x):
        return np.sum(x ** 4)


def make_closure(c):
    def closure(x):
        return np.sum(np.sin(x * c))

    return closure


closure_fn = make_closure(1.5)

if True:

    def in_if(x):
        return np.sum(x * x * x)
else:

    def in_if(x):
        return np.sum(x)


lambda_fn = lambda x: np.sum(np.sin(x) * x)  # noqa: E731


def future_annot(x: np.ndarray, k: float = 2.0) -> float:
    y: np.ndarray = x * k
    return np.sum(y * y)


# ---------------------------------------------------------------- literals in comments


def literals(x):
    a = x * -0.0
    b = x * 1e-300
    c = x * 1e16
    d = x + 12345678901234567890123
    e = np.minimum(x, float("inf"))
    f = np.where(np.isnan(x), float("nan"), x)
    tag = "a 'quoted' \"string\"\n"
    g = x if tag is not None else x * 2.0
    h = x * True
    k = np.clip(x, a_min=-5.0, a_max=5.0)
    return np.sum(a + b * 1e290 + c * 1e-16 + (d - 12345678901234567890123) * 0.0 + e + f + g + h + k)


def methods_attrs(x):
    m = x.sum(axis=0)
    t = x.T @ x
    n = np.linalg.norm(x)
    p = np.pi * m
    return np.sum(p) + np.sum(t) * 0.1 + n + x.mean(axis=1, keepdims=True).sum()


def scalar_math(x):
    y = math.sqrt(x)
    return y * 3.0 + x


def scalar_log(x):
    y = x * 2.0
    return math.log(y - 3.0) + y


# ---------------------------------------------------------------- rendering of primal comments


def neg_base_pow(x):
    a = (-2.0) ** 2.0 * x
    b = (-0.5) ** 3 * x
    c = (x * x + 1.0) ** -1.5
    d = (-x) ** 2
    return np.sum(a + b + c + d)


def tuples_slices(x):
    a = x.sum(axis=(0, 1))
    b = x.reshape((3, 2))
    c = x[1:, ::2]
    d = x[:, None, ...]
    e = x[-1, :-1]
    f = np.transpose(x, axes=[1, 0])
    return a + np.sum(b * b) + np.sum(c) + np.sum(d ** 2) + np.sum(e) + np.sum(f[0])


def strings_and_none(x):
    s = 'it\'s "q" \\ \t é ✓'
    t = "line1\nline2"
    u = b"bytes"
    n = None
    flag = False
    k = 10 ** 30
    j = -(2 ** 63)
    z = x * (1.0 if n is None else 2.0)
    return np.sum(z * z) + len(s) + len(t) + len(u) + float(flag) + (k - k) + (j - j)


def keyword_calls(x):
    a = np.sum(x, axis=0, keepdims=True)
    b = np.mean(x, axis=-1)
    c = np.linalg.norm(x, ord=2, axis=1)
    d = np.clip(x, -1.0, a_max=1.0)
    e = np.std(x, ddof=1)
    return np.sum(a) + np.sum(b * b) + np.sum(c) + np.sum(d ** 3) + e


def constants_np(x):
    a = x * np.pi
    b = x + np.e
    c = np.minimum(x, np.inf)
    d = x * math.tau
    e = np.maximum(x, -np.inf)
    f = x * 1e-5 + 1e5
    g = x * 0.1 + 1 / 3
    return np.sum(a + b + c + d + e + f + g)


def floats_extreme(x):
    a = x * 5e-324
    b = x * 1e308
    c = x * 0.30000000000000004
    d = x * 100000000000000000.0
    e = x * -1e-7
    return np.sum(a * 1e300 + b * 1e-308 + c + d * 1e-16 + e)


def float_inf_nan(x):
    big = float("inf")
    small = -float("inf")
    q = float("nan")
    a = np.clip(x, small, big)
    b = x if not math.isnan(q) else x * 3.0
    return np.sum(a * b)


def boolean_ops(x):
    m = (x > 0.0) & (x < 10.0)
    a = np.where(m, x * x, -x)
    b = np.where(~m | (x > 5.0), 0.0, x)
    return np.sum(a + b)


def aug_and_ann(x):
    y: float = 0.0
    y += np.sum(x)
    y *= 2.0
    y -= 1.0
    y /= 3.0
    y **= 2
    return y


def chained_assign(x):
    a = b = x * 2.0
    c, d = a + 1.0, b - 1.0
    return np.sum(c * d)


def loop_comments(x, n=3):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(x * (i + 1)))
    while s > 100.0:
        s = s / 2.0
    return s


def dict_list_display(x):
    d = {"w": x * 2.0, "b": x + 1.0, 3: x}
    L = [x, x * x, -x]
    t = (L[0], d["w"])
    return np.sum(d["w"] * d["b"]) + np.sum(L[1]) + np.sum(t[1]) + np.sum(d[3])


def fstring_print(x):
    v = np.sum(x * x)
    msg = f"value {v:.3f} {'q'!r}"
    label = "%.2f" % v
    return v + 0.0 * len(msg) + 0.0 * len(label)


def nested_attr(x):
    a = np.linalg.norm(x)
    b = np.linalg.det(np.outer(x, x) + np.eye(x.shape[0]))
    c = x.T.dot(x)
    return a + b + c


def int_and_float_attr(x):
    n = x.shape[0]
    a = x * float(n)
    b = x * (3).__float__()
    return np.sum(a + b)


# ---------------------------------------------------------------- located errors
# Each function below is refused (README: still refused) or fails while its derivative
# runs; the line marked `# <- here` is the one the error must name.

G_STATE = 0.0


@plain_deco
@deco_with_args(
    2.0,
)
def err_walrus_decorated(x):
    y = x * 2.0
    z = np.sum(y)
    return (w := z * z)  # <- here


def err_del_before_pass(x):
    y = x * 2.0
    t = y + 1.0
    del t  # <- here
    return np.sum(y)
    pass


def err_one_liner(x): return np.sum((w := x * x))  # <- here


def err_global_end(x):
    global G_STATE  # <- here
    return np.sum(x * G_STATE)


def err_multiline_return(x):
    y = np.sum(x)
    return (
        y * y
        + (w := y)  # <- here
    )


def err_nested_def_end(x):
    def inner(v):
        del v  # <- here
        return 1.0

    return np.sum(x * 2.0) + inner(x)


def err_semicolon(x):
    a = x * 2.0; del a; b = x + 1.0  # <- here
    return np.sum(b)


def err_yield_end(x):
    y = x * 2.0
    yield np.sum(y)  # <- here


class Holder:
    def method_err(self, x):
        y = x * 3.0
        import os  # <- here
        return np.sum(y) + 0.0 * len(os.sep)

    @staticmethod
    def static_err(x):
        y = x * 3.0
        return np.sum((w := y))  # <- here


def err_match_end(x):
    y = np.sum(x)
    match 1:  # <- here
        case 1:
            return y
    return y * 2.0


def err_backslash(x):
    y = x * 2.0
    return np.sum(y) + \
        (w := 1.0)  # <- here


def err_after_unicode(x):
    "ünïcödé ✓ — 日本語"
    é = x * 2.0
    return np.sum((w := é))  # <- here


def err_in_lambda(x):
    f = lambda v: (w := v * 2.0)  # <- here  # noqa: E731
    return np.sum(f(x))


def rt_sqrt_end(x):
    y = x * 1.0
    z = y - 1.0
    return math.sqrt(z) * 2.0 + \
        y  # <- here (continuation: either line of the statement)


@plain_deco
def rt_log_decorated(x):
    a = x * 2.0
    b = a - 3.0
    return math.log(b) + (  # <- here
        a
    )


def rt_asin_one_liner(x): return math.asin(x) * 2.0  # <- here


def rt_sqrt_in_loop(x):
    s = 0.0
    for i in range(3):
        s = s + math.sqrt(x - i)  # <- here
    return s


def rt_shapes(x, w):
    y = np.tanh(x)
    z = w @ y  # <- here
    return np.sum(z)


def plain_literal_assigns(x):
    nz = -0.0
    big = 1e400
    tiny = 1e-400
    h = 0x1F
    u = 1_000.5
    huge = 123456789012345678901234567890
    neg = -5
    tup = (1, 2.5, -3)
    s = "tab\there"
    e = ...
    n = None
    t = True
    y = x * nz + x * u + np.minimum(x, big) + x * tiny + x * h
    y = y + (huge - 123456789012345678901234567890) + neg + tup[1] * x + len(s)
    y = y + (0.0 if e is ... else 1.0) + (0.0 if n is None else 1.0) + x * t
    return np.sum(y)


def plain_name_assigns(x):
    a = x
    b = a
    c = b * 2.0
    d = np.pi
    e = math.inf
    return np.sum(c * d) + np.sum(np.minimum(b, e))


# ---------------------------------------------------------------- tables for the tests

X3 = (0.3, -0.7, 1.2)
M23 = ((1.0, 2.0, 3.0), (4.0, 5.0, 6.0))

# name -> argument kind: "v" a 3-vector, "m" a 2x3 matrix
GOOD = {
    "dec_plain": "v", "dec_args": "v", "dec_stacked": "v", "dec_wraps": "v",
    "ends_pass": "v", "ends_ellipsis": "v", "ends_docstring_only_body": "v",
    "ends_bare_string": "v", "ends_trailing_comment": "v", "ends_else_pass": "v",
    "ends_multiline_return": "v", "ends_multiline_string": "v", "ends_backslash": "v",
    "ends_lambda": "v", "ends_nested_def": "v", "one_liner": "v", "semicolons": "v",
    "adjacent_a": "v", "adjacent_b": "v", "unicode_names": "v", "closure_fn": "v",
    "in_if": "v", "lambda_fn": "v", "future_annot": "v", "literals": "v",
    "methods_attrs": "m", "neg_base_pow": "v", "tuples_slices": "m",
    "strings_and_none": "v", "keyword_calls": "m", "constants_np": "v",
    "floats_extreme": "v", "float_inf_nan": "v", "boolean_ops": "v", "aug_and_ann": "v",
    "chained_assign": "v", "loop_comments": "v", "dict_list_display": "v",
    "fstring_print": "v", "nested_attr": "v", "plain_literal_assigns": "v",
    "plain_name_assigns": "v",
}
