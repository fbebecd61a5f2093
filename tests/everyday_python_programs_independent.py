# ruff: noqa: B905, UP033, B008, UP031  (the everyday spellings under test, kept as people write them)
"""Everyday Python around NumPy code, differentiated (tester 81, README only).

Each program takes float arrays and returns a scalar unless noted.  CASES lists
(name, function, argument builder, kind) where kind is "ok" (must differentiate),
or "refused" (the README lists the construct as refused: a located error is expected).
"""

import dataclasses
import functools
import itertools
import logging
import operator
import warnings
from typing import NamedTuple

import everyday_lib_independent as lib
import numpy as np

LOG = logging.getLogger("everyday81")
LAYERS = [
    np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4], [0.0, 0.2, 0.6]]),
    np.array([[0.9, 0.1, 0.0], [-0.3, 0.4, 0.2], [0.1, -0.5, 0.7]]),
]
SCALE = 1.5
MODE = "square"
PAIRS = [(np.sin, 1.0), (np.cos, 2.0), (np.tanh, -0.5)]
POWERS = [lambda v, k=k: v**k for k in range(3)]


# ---------------------------------------------------------------- functools / itertools
def reduce_layers(x):
    h = functools.reduce(lambda h, W: np.tanh(W @ h), LAYERS, x)
    return np.sum(h**2)


def reduce_add_list(x):
    s = functools.reduce(operator.add, [x, x**2, np.sin(x)])
    return np.sum(s * s)


def reduce_compose_functions(x):
    h = functools.reduce(lambda acc, fn: fn(acc), [np.sin, np.tanh, np.exp], x)
    return np.sum(h)


def reduce_scalars_mul(x):
    return functools.reduce(operator.mul, [x[0], x[1], x[2]], 1.0)


def accumulate_loop(x):
    total = 0.0
    for s in itertools.accumulate([x[0], x[1], x[2]]):
        total = total + s * s
    return total


def accumulate_mul_arrays(x):
    total = 0.0
    for p in itertools.accumulate([x, np.cos(x), x + 1.0], operator.mul):
        total = total + np.sum(p)
    return total


def product_loop(x):
    total = 0.0
    for i, j in itertools.product(range(3), range(2)):
        total = total + x[i] * x[j] ** 2
    return total


def product_of_lists(x):
    total = 0.0
    for a, c in itertools.product([x, np.sin(x)], [1.0, -2.0]):
        total = total + c * np.sum(a**2)
    return total


def chain_scalars(x):
    total = 0.0
    for v in itertools.chain([x[0], x[1]], [x[2]]):
        total = total + np.sin(v) * v
    return total


def chain_arrays(x):
    total = 0.0
    for a in itertools.chain([x, 2.0 * x], [x**2]):
        total = total + np.sum(np.tanh(a))
    return total


# ---------------------------------------------------------------- builtins over lists
def map_sum(x):
    return sum(map(np.sin, [x[0], x[1], x[2]]))


def map_two_lists(x):
    ys = [np.cos(x), x**2]
    return np.sum(sum(map(lambda a, b: a * b, [x, x + 1.0], ys)))


def filter_positive(x):
    return sum(filter(lambda v: v > 0.0, [x[0], -x[1], x[2] * x[0]]))


def zip_enumerate_arrays(x):
    xs = [x, np.sin(x)]
    ys = [x**2, np.cos(x)]
    total = 0.0
    for i, (a, b) in enumerate(zip(xs, ys)):
        total = total + (i + 1.0) * np.sum(a * b)
    return total


def reversed_list(x):
    xs = [x, x**2, np.sin(x)]
    total = 0.0
    w = 1.0
    for a in reversed(xs):
        total = total + w * np.sum(a)
        w = w * 2.0
    return total


def sorted_key_lambda(x):
    xs = [x, 2.0 * x, x**2]
    ordered = sorted(xs, key=lambda a: float(np.sum(a)))
    return np.sum(ordered[0] * ordered[-1])


def function_data_pairs(x):
    total = 0.0
    for fn, c in PAIRS:
        total = total + c * np.sum(fn(x))
    return total


def local_function_data_pairs(x):
    pairs = [(np.sin, 1.0), (np.cos, 2.0)]
    total = 0.0
    for fn, c in pairs:
        total = total + c * np.sum(fn(x))
    return total


def sorted_pairs_by_weight(x):
    total = 0.0
    for fn, c in sorted(PAIRS, key=lambda p: p[1]):
        total = total * 0.5 + c * np.sum(fn(x))
    return total


def comprehension_lambdas(x):
    fs = [lambda v, k=k: v**k for k in range(3)]
    total = 0.0
    for f in fs:
        total = total + np.sum(f(x))
    return total


def global_comprehension_lambdas(x):
    total = 0.0
    for f in POWERS:
        total = total + np.sum(f(x) * x)
    return total


def break_over_functions(x):
    total = 0.0
    for fn in [np.sin, np.cos, np.tanh]:
        total = total + np.sum(fn(x))
        if total > 1.0:
            break
    return total


def continue_over_functions(x):
    total = 0.0
    for k, fn in enumerate([np.sin, np.cos, np.tanh]):
        if k == 1:
            continue
        total = total + np.sum(fn(x) ** 2)
    return total


def zip_functions(x):
    total = 0.0
    for fn, c in zip([np.sin, np.cos], [1.0, 2.0]):
        total = total + c * np.sum(fn(x))
    return total


def zip_star_pairs(x):
    pairs = [(x[0], x[1]), (x[2], x[0])]
    firsts, seconds = zip(*pairs)
    return sum(firsts) * sum(seconds)


def enumerate_reversed(x):
    total = 0.0
    for i, v in enumerate(reversed([x[0], x[1], x[2]])):
        total = total + (i + 1.0) * v**3
    return total


# ---------------------------------------------------------------- refused syntax
def walrus(x):
    if (n := np.sum(x**2)) > 0.5:
        return n * 2.0
    return n


def match_string(x):
    match MODE:
        case "square":
            return np.sum(x**2)
        case _:
            return np.sum(x)


def match_tuple(x):
    match (MODE, 2):
        case ("square", k):
            return np.sum(x**k)
        case _:
            return np.sum(x)


def try_numeric(x):
    try:
        y = np.sum(np.log(x))
    except FloatingPointError:
        y = 0.0
    return y


def global_statement(x):
    global SCALE
    return np.sum(SCALE * x)


def nonlocal_nested(x):
    acc = 0.0

    def add(v):
        nonlocal acc
        acc = acc + v

    add(np.sum(x**2))
    return acc


def max_key(x):
    xs = [x, 2.0 * x]
    return np.sum(max(xs, key=lambda a: float(np.sum(a))))


# ---------------------------------------------------------------- effects
def fstring_print(x):
    s = np.sum(x**2)
    print(f"loss {s:.3f} first {x[0]:.2f}")
    return s * 3.0


def print_in_loop(x):
    total = 0.0
    for i in range(3):
        total = total + x[i] ** 2
        print("step", i, f"{float(total):.4f}")
    return total


def logging_info(x):
    s = np.sum(np.sin(x))
    LOG.info("value %s", float(s))
    return s * s


def warnings_warn(x):
    s = np.sum(x)
    if s > 0.0:
        warnings.warn("positive sum", UserWarning, stacklevel=1)
    return s * s


def assert_message(x):
    assert x.shape == (3,), f"expected three, got {x.shape}"
    return np.sum(np.exp(x))


def try_around_print(x):
    s = np.sum(x**3)
    try:
        print(f"{float(s):.3f}")
    except ValueError:
        print("bad")
    return s


def errstate_block(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.sum(np.log(x) * x)
    return y


def global_read(x):
    return np.sum(SCALE * x**2) + SCALE


def helper_logs(v):
    LOG.info("helper %d", 1)
    return np.tanh(v)


def logging_in_helper(x):
    return np.sum(helper_logs(x) * x)


# ---------------------------------------------------------------- decorators, helpers
def passthrough(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)

    return wrapper


@passthrough
def decorated_helper(v, c=2.0):
    return c * np.sin(v)


def uses_wraps_decorator(x):
    return np.sum(decorated_helper(x, c=3.0) ** 2)


def doubling(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return 2.0 * fn(*args, **kwargs)

    return wrapper


@doubling
def doubled_helper(v):
    return np.cos(v)


def uses_scaling_decorator(x):
    return np.sum(doubled_helper(x))


@functools.lru_cache(maxsize=None)
def coef(k):
    return 1.0 / (k + 1.0)


def uses_lru_cache(x):
    total = 0.0
    for i in range(3):
        total = total + coef(i) * x[i] ** 2
    return total


class Util:
    factor = 3.0

    @staticmethod
    def squash(v):
        return np.tanh(v) * 2.0

    @classmethod
    def scaled(cls, v):
        return cls.factor * v


def uses_staticmethod(x):
    return np.sum(Util.squash(x) * x)


def uses_classmethod(x):
    return np.sum(Util.scaled(x) ** 2)


class Holder:
    def __init__(self, w):
        self.w = w

    @property
    def w2(self):
        return self.w * 2.0

    def energy(self, x):
        return np.sum(self.w2 * x**2)


HOLDER = Holder(np.array([1.0, -0.5, 0.25]))


def uses_property(x):
    return HOLDER.energy(x) + np.sum(HOLDER.w2 * x)


def core(v, a, p=1.0):
    return a * np.sum(v**p)


def middle(v, *args, **kwargs):
    return core(v, *args, **kwargs)


def outer(v, *args, **kwargs):
    return middle(v, *args, **kwargs)


def args_kwargs_forwarding(x):
    return outer(x, 2.0, p=3.0) + outer(x, 0.5)


def kwonly_helper(v, *, scale, shift=0.0):
    return scale * v + shift


def uses_kwonly(x):
    return np.sum(kwonly_helper(x, scale=2.0, shift=1.0) ** 2)


def posonly_helper(a, b, /, c=1.0):
    return a * b + c


def uses_posonly(x):
    return np.sum(posonly_helper(x, np.sin(x), c=0.5))


def array_default_helper(v, w=np.array([1.0, 2.0, 3.0])):
    return np.sum(w * v**2)


def uses_array_default(x):
    return array_default_helper(x) + array_default_helper(x, w=x)


def function_default_helper(v, act=np.tanh):
    return np.sum(act(v))


def uses_function_default(x):
    return function_default_helper(x) + function_default_helper(x, act=np.sin)


def uses_lib_scaler(x):
    return np.sum(lib.Scaler(2.0).apply(x) ** 2)


def uses_lib_scaler_call(x):
    return np.sum(lib.Scaler(2.0)(x))


LIB_SCALER = lib.Scaler(0.5)


def uses_lib_global_scaler(x):
    return np.sum(LIB_SCALER(x) * lib.double(x))


@dataclasses.dataclass
class Spring:
    k: float
    rest: np.ndarray

    def energy(self, x):
        return 0.5 * self.k * np.sum((x - self.rest) ** 2)

    def __call__(self, x):
        return self.energy(x) + np.sum(np.sin(x))


SPRING = Spring(2.0, np.array([0.1, 0.2, 0.3]))


def dataclass_method(x):
    return SPRING.energy(x) * 2.0


def dataclass_call(x):
    return SPRING(x)


def spring_loss(spring, x):
    return spring.energy(x) + spring(x)


def stats_dict(v):
    return {"mean": np.mean(v), "sq": np.sum(v**2), "n": len(v)}


def uses_dict_helper(x):
    d = stats_dict(x)
    return d["mean"] * d["sq"] / d["n"]


class Stats(NamedTuple):
    mean: float
    spread: float


def stats_tuple(v):
    m = np.mean(v)
    return Stats(m, np.sum((v - m) ** 2))


def uses_namedtuple_helper(x):
    s = stats_tuple(x)
    return s.mean * s.spread + s[1]


def nested_def_closure(x):
    scale = np.sum(x)

    def inner(v):
        return scale * np.sin(v)

    return np.sum(inner(x) ** 2)


def nested_params(params, x):
    total = 0.0
    for W, b in params["layers"]:
        x = np.tanh(W @ x + b)
    for a, c in params["extra"]:
        total = total + np.sum(a * c)
    return np.sum(x**2) + total


def vector_output_effects(x):
    print("vector", len(x))
    return np.sin(x) * x[0]


# ---------------------------------------------------------------- more effects and helpers
def fstring_self_documenting(x):
    s = np.sum(x**2)
    print(f"{s=:.4f} {x[0]=}")
    return s * s


def fstring_repr_conversion(x):
    y = np.tanh(x)
    print(f"{y!r} {len(y)!s:>4}")
    return np.sum(y)


def print_sep_end(x):
    s = np.sum(np.sin(x))
    print("a", float(s), sep="|", end=";\n")
    print(s, x.shape, "%.3f" % s)
    return s


def root_logging_fstring(x):
    s = np.sum(x**3)
    logging.warning(f"root warn {float(s):.3f}")
    return s


def warn_in_loop(x):
    total = 0.0
    for i in range(3):
        total = total + np.exp(x[i])
        if x[i] > 0.5:
            warnings.warn(f"big element {i}", RuntimeWarning, stacklevel=1)
    return total


def except_branch_runs(x):
    s = np.sum(x)
    try:
        print(1 // 0)
    except ZeroDivisionError:
        print("caught", f"{float(s):.2f}")
    finally:
        print("finally")
    return s * np.sum(np.cos(x))


def errstate_raise_block(x):
    with np.errstate(all="raise"):
        y = np.sum(np.sqrt(x) * x)
    return y


CFG = {"scale": 2.0, "act": np.tanh}


def global_dict_read(x):
    return np.sum(CFG["scale"] * CFG["act"](x))


def lambda_default_helper(v, act=lambda t: t**2 + t):
    return np.sum(act(v))


def uses_lambda_default(x):
    return lambda_default_helper(x) * lambda_default_helper(np.sin(x))


def uses_kwargs_dict(x):
    opts = {"p": 3.0}
    return outer(x, 2.0, **opts) + outer(x, *[0.5], p=2.0)


def kwonly_forward(v, *, scale=1.0, **rest):
    return kwonly_helper(v, scale=scale, **rest)


def uses_kwonly_forward(x):
    return np.sum(kwonly_forward(x, scale=1.5, shift=-0.5) ** 3)


def uses_static_via_instance(x):
    u = Util()
    return np.sum(u.squash(x)) + np.sum(Util.scaled(np.cos(x)))


class Poly:
    def __init__(self, c):
        self.c = c

    @classmethod
    def quadratic(cls):
        return cls(np.array([1.0, -2.0, 0.5]))

    def __call__(self, v):
        total = 0.0
        for k, ck in enumerate(self.c):
            total = total + ck * v**k
        return total


QUAD = Poly.quadratic()


def uses_callable_poly(x):
    return np.sum(QUAD(x) * x)


def uses_local_class_method(x):
    return Holder(np.cos(x)).energy(x)


def map_with_helper_defaults(x):
    return sum(map(lambda_default_helper, [x, x**2]))


def enumerate_zip_three(x):
    total = 0.0
    for i, (a, b, c) in enumerate(zip([x[0], x[1]], [x[1], x[2]], [x[2], x[0]]), 1):
        total = total + i * a * b - c
    return total


def sorted_reverse_ties(x):
    xs = [x[0], x[0] * 1.0, x[1], x[2]]
    ys = sorted(xs, reverse=True)
    return ys[0] * 3.0 + ys[1] * 2.0 + ys[-1]


def nested_closure_chain(x):
    a = np.sum(x)

    def f1(v):
        def f2(u):
            return a * u**2

        return f2(v) + a

    return np.sum(f1(np.sin(x)))


def namedtuple_asdict(x):
    s = stats_tuple(x)
    d = s._asdict()
    return d["mean"] * d["spread"]


def dict_values_sum(x):
    d = stats_dict(x)
    return sum(v for k, v in d.items() if k != "n")


def assert_np_all(x):
    assert np.all(np.isfinite(x)), "non-finite input"
    assert x.ndim == 1, "vector expected"
    return np.sum(x * np.log1p(x**2))


def walrus_in_comprehension(x):
    return sum([y * y for v in [x[0], x[1]] if (y := v * 2.0) > 0.0])


# ---------------------------------------------------------------- caches, wrappers, locations
SHIFT = 1.0


@functools.lru_cache(maxsize=None)
def cached_shift(k):
    return SHIFT * k + 0.5


def uses_cached_global(x):
    total = 0.0
    for i in range(3):
        total = total + cached_shift(i) * x[i] ** 2
    return total


@functools.lru_cache(maxsize=None)
def cached_printing(k):
    print("building coefficient", k)
    return 1.0 / (k + 2.0)


def uses_cached_printing(x):
    return cached_printing(1) * np.sum(x**2) + cached_printing(2) * x[0]


CALLS = []


def counting(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        CALLS.append(fn.__name__)
        print("calling", fn.__name__)
        return fn(*args, **kwargs)

    return wrapper


@counting
def counted_helper(v):
    return np.sin(v) * v


def uses_counting_decorator(x):
    return np.sum(counted_helper(x))


def warn_location(x):
    s = np.sum(x**2)
    warnings.warn("located warning", UserWarning, stacklevel=1)
    return s


def log_location(x):
    s = np.sum(np.cos(x))
    LOG.info("located log %.3f", float(s))
    return s


def print_array(x):
    y = np.tanh(x)
    print(y, np.round(x, 2))
    print(repr(float(y[0])))
    return np.sum(y * x)
