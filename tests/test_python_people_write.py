"""The Python people write (issue 15), tested from the outside.

Programs a user coming from autograd or JAX writes: passive code (print, logging, warnings,
assert, raise, f-strings, `with np.errstate`, try/except around passive code), comprehensions,
lambdas, builtins and container methods, computed shapes, non-literal defaults, `*args` and
`**kwargs`, library functions implemented in Python, and objectives of the kinds found in
autograd's examples (written here in our own words).

Written from the README and the issue alone, without reading s2s_ad or its tests. Every
expected value comes from the plain call or from central differences, never from s2s_ad.

Each program is registered with `@program(category, args, ...)` and checked by
`check_program`: the value of `value_and_grad` (both modes), `jvp` and `vjp` equals the plain
call's exactly; what the program prints or logs or warns, and its effects on passive data, are
those of one plain call; gradients match central differences (step ~1e-6, relative tolerance
~1e-6) and forward matches reverse; `vjp` passes the dot-product test against central
differences along a random direction; for some, `hessian` matches second differences.

`expect="works"` (the default): a refusal fails the test with "REFUSED". `expect="refuse"`
(item 7 of the issue): the program must be refused with an `S2SError` naming this file and a
line in it. `expect="either"`: a located refusal is fine, but if it runs its numbers must be
right. `expect="rule_or_located"` (library functions): as "either", and a refusal must not
name a library's file.
"""

# ruff: noqa: E731, B905, B007, RUF005, RUF015, SIM108, C416, UP028, RUF059, B023, E741

from __future__ import annotations

import copy
import logging
import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
import scipy.special

import s2s_ad as ad

THIS_FILE = Path(__file__).name
THIS_PATH = str(Path(__file__).resolve())

# --------------------------------------------------------------------------------------------
# Passive side effects the programs may have: a log of events, a logger, a counter.
# --------------------------------------------------------------------------------------------

EVENTS: list = []
CALLS = {"n": 0}

log = logging.getLogger("people_write_user_code")


class _ListHandler(logging.Handler):
    def emit(self, record):
        EVENTS.append(("log", record.levelname, record.getMessage()))


log.addHandler(_ListHandler())
log.setLevel(logging.DEBUG)
log.propagate = False


def note(*items):
    """A helper called for its effect on passive data (a global list)."""
    EVENTS.append(("note", *items))


def count_call():
    CALLS["n"] += 1


SETTINGS = {"scale": 2.0, "eps": 1e-3, "verbose": True}

# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


@dataclass
class Program:
    name: str
    category: str
    fn: object
    args: tuple
    wrt: object = 0
    expect: str = "works"
    hessian: bool = False
    forward: bool = True
    smooth: bool = True  # False: skip the Hessian; central differences only at non-kinks
    rtol: float = 1e-6
    notes: str = ""
    lines: tuple = field(default=(0, 0))


PROGRAMS: list[Program] = []


def program(category, args, **kw):
    """Register a function as a test program (returns it unchanged)."""

    def deco(f):
        PROGRAMS.append(Program(f.__name__, category, f, tuple(args), **kw))
        return f

    return deco


def register(name, category, fn, args, **kw):
    """Register a function made elsewhere (a lambda, a closure)."""
    PROGRAMS.append(Program(name, category, fn, tuple(args), **kw))


R = np.random.default_rng(15)


def arr(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, size=shape)


# --------------------------------------------------------------------------------------------
# Harness
# --------------------------------------------------------------------------------------------


def is_float_leaf(x):
    if isinstance(x, bool):
        return False
    if isinstance(x, float | np.floating):
        return True
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def leaves(x):
    """The float leaves of a value, in order (tuples, lists, dicts)."""
    if is_float_leaf(x):
        return [x]
    if isinstance(x, tuple | list):
        return [leaf for item in x for leaf in leaves(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in leaves(x[k])]
    return []


def rebuild(x, new, pos=None):
    """`x` with its float leaves replaced, in order, by `new`."""
    if pos is None:
        pos = [0]
    if is_float_leaf(x):
        v = new[pos[0]]
        pos[0] += 1
        return v
    if isinstance(x, tuple):
        return tuple(rebuild(i, new, pos) for i in x)
    if isinstance(x, list):
        return [rebuild(i, new, pos) for i in x]
    if isinstance(x, dict):
        return {k: rebuild(v, new, pos) for k, v in x.items()}
    return x


def flat(x):
    return np.concatenate([np.ravel(np.asarray(v, dtype=float)) for v in leaves(x)] or [[]])


def unflat(x, vec):
    out, i = [], 0
    for leaf in leaves(x):
        n = np.size(leaf)
        if isinstance(leaf, np.ndarray):
            out.append(vec[i : i + n].reshape(leaf.shape))
        else:
            out.append(float(vec[i]))
        i += n
    return rebuild(x, out)


class Refused(Exception):
    pass


def same_value(a, b):
    """The plain call's value, exactly (nan equal to nan)."""
    if isinstance(a, tuple | list) or isinstance(b, tuple | list):
        if type(a) is not type(b) or len(a) != len(b):
            return False
        return all(same_value(x, y) for x, y in zip(a, b))
    a2, b2 = np.asarray(a), np.asarray(b)
    if a2.shape != b2.shape:
        return False
    return bool(np.array_equal(a2, b2, equal_nan=a2.dtype.kind == "f"))


class Recorder:
    """Runs a call, recording its stdout, user warnings, events and call counts."""

    def __init__(self, capsys):
        self.capsys = capsys

    def __call__(self, thunk):
        self.capsys.readouterr()
        EVENTS.clear()
        CALLS["n"] = 0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = thunk()
        out = self.capsys.readouterr().out
        user_warnings = [
            (w.category.__name__, str(w.message))
            for w in caught
            if issubclass(w.category, UserWarning)
        ]
        effects = (out, user_warnings, list(EVENTS), CALLS["n"])
        return result, effects


def quiet(capsys, thunk):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = thunk()
    capsys.readouterr()
    EVENTS.clear()
    return r


def wrt_indices(p):
    return p.wrt if isinstance(p.wrt, tuple) else (p.wrt,)


def central_gradient(p, capsys, args, h=1e-6):
    """Central differences of the plain call along each float leaf of args[wrt]."""
    grads = []
    for i in wrt_indices(p):
        x0 = flat(args[i])
        g = np.zeros_like(x0)
        for k in range(x0.size):
            step = h * max(1.0, abs(x0[k]))
            xp, xm = x0.copy(), x0.copy()
            xp[k] += step
            xm[k] -= step
            ap, am = list(copy.deepcopy(args)), list(copy.deepcopy(args))
            ap[i], am[i] = unflat(args[i], xp), unflat(args[i], xm)
            fp = quiet(capsys, lambda: p.fn(*ap))
            fm = quiet(capsys, lambda: p.fn(*am))
            g[k] = (float(fp) - float(fm)) / (2 * step)
        grads.append(g)
    return grads


def directional(p, capsys, args, tangents, h=1e-6):
    """(f(x + h t) - f(x - h t)) / 2h over all arguments with a tangent."""
    ap, am = list(copy.deepcopy(args)), list(copy.deepcopy(args))
    for i, t in enumerate(tangents):
        if t is None:
            continue
        x0, tv = flat(args[i]), flat(t)
        ap[i] = unflat(args[i], x0 + h * tv)
        am[i] = unflat(args[i], x0 - h * tv)
    fp = quiet(capsys, lambda: p.fn(*ap))
    fm = quiet(capsys, lambda: p.fn(*am))
    return (np.asarray(fp, dtype=float) - np.asarray(fm, dtype=float)) / (2 * h)


def central_hessian(p, capsys, args, h=1e-4):
    (i,) = wrt_indices(p)
    x0 = flat(args[i])
    n = x0.size

    def f(v):
        a = list(copy.deepcopy(args))
        a[i] = unflat(args[i], v)
        return float(quiet(capsys, lambda: p.fn(*a)))

    H = np.zeros((n, n))
    for j in range(n):
        for k in range(j, n):
            ej, ek = np.zeros(n), np.zeros(n)
            ej[j], ek[k] = h, h
            H[j, k] = H[k, j] = (
                f(x0 + ej + ek) - f(x0 + ej - ek) - f(x0 - ej + ek) + f(x0 - ej - ek)
            ) / (4 * h * h)
    return H


def close(actual, expected, rtol, what):
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(e))) if e.size else 1.0)
    if a.shape != e.shape or not np.all(np.abs(a - e) <= rtol * scale):
        raise AssertionError(
            f"WRONG: {what}\n  s2s_ad:   {np.array2string(a, precision=10)}\n"
            f"  expected: {np.array2string(e, precision=10)}"
        )


def located(err):
    """The message names this file and a line in it."""
    msg = str(err)
    if THIS_FILE not in msg:
        return False
    return bool(re.search(r"(line \d+|:\d+)", msg))


def derivative_call(thunk):
    try:
        return thunk()
    except ad.S2SError as err:
        raise Refused(err) from None


def check_program(p, capsys):
    args = tuple(p.args)
    rec = Recorder(capsys)
    fresh = lambda: copy.deepcopy(args)

    plain_value, plain_effects = rec(lambda: p.fn(*fresh()))

    # Reverse mode first: it decides whether the program is refused.
    err = None
    try:
        (value, grad_rev), effects = rec(
            lambda: derivative_call(lambda: ad.value_and_grad(p.fn, wrt=p.wrt)(*fresh()))
        )
    except Refused as refusal:
        err = refusal.args[0]
    if err is not None:
        if p.expect == "works":
            pytest.fail(f"REFUSED: {type(err).__name__}: {err}", pytrace=False)
        if not located(err):
            pytest.fail(f"UNLOCATED refusal: {type(err).__name__}: {err}", pytrace=False)
        if p.expect == "rule_or_located" and re.search(r"(numpy|scipy)[/\\]", str(err)):
            pytest.fail(f"LIBRARY SOURCE read: {err}", pytrace=False)
        # A refusal must be the same in forward mode.
        with pytest.raises(ad.S2SError) as fwd:
            ad.grad(p.fn, wrt=p.wrt, mode="forward")(*fresh())
        assert located(fwd.value), f"UNLOCATED forward refusal: {fwd.value}"
        return "refused"
    if p.expect == "refuse":
        pytest.fail("NOT REFUSED: the program was differentiated; item 7 says refuse", pytrace=False)

    assert same_value(value, plain_value), f"WRONG value: {value!r} != plain {plain_value!r}"
    assert effects == plain_effects, (
        f"WRONG effects (reverse): {effects!r}\n  plain: {plain_effects!r}"
    )
    # The arguments were not modified.
    for a, b in zip(fresh(), args):
        assert same_value(flat(a), flat(b))

    ref = central_gradient(p, capsys, fresh())
    rev = [flat(grad_rev)] if not isinstance(p.wrt, tuple) else [flat(g) for g in grad_rev]
    for i, (g, r) in enumerate(zip(rev, ref)):
        close(g, r, p.rtol, f"reverse gradient, wrt {wrt_indices(p)[i]}, vs central differences")
    # Structure of the gradient: that of the argument.
    for i, g in zip(wrt_indices(p), [grad_rev] if not isinstance(p.wrt, tuple) else grad_rev):
        assert type(g) is type(args[i]) or (
            is_float_leaf(args[i]) and is_float_leaf(g)
        ), f"gradient type {type(g)} for argument of type {type(args[i])}"

    if p.forward:
        (value_f, grad_fwd), effects_f = rec(
            lambda: derivative_call(
                lambda: ad.value_and_grad(p.fn, wrt=p.wrt, mode="forward")(*fresh())
            )
        )
        assert same_value(value_f, plain_value), f"WRONG forward value: {value_f!r}"
        assert effects_f == plain_effects, f"WRONG effects (forward): {effects_f!r}"
        fwd = [flat(grad_fwd)] if not isinstance(p.wrt, tuple) else [flat(g) for g in grad_fwd]
        for g, r in zip(fwd, rev):
            close(g, r, 1e-10, "forward gradient vs reverse gradient")

    # jvp along a random direction of every float argument.
    a0 = fresh()
    tangents = [
        unflat(a, R.standard_normal(flat(a).size)) if leaves(a) else None for a in a0
    ]
    (out, tan), effects_j = rec(lambda: derivative_call(lambda: ad.jvp(p.fn, fresh(), tangents)))
    assert same_value(out, plain_value), f"WRONG jvp value: {out!r}"
    assert effects_j == plain_effects, f"WRONG effects (jvp): {effects_j!r}"
    fd_dir = directional(p, capsys, a0, tangents)
    close(tan, fd_dir, p.rtol, "jvp vs central differences along a random direction")

    # vjp: the dot-product test against central differences.
    (out2, pullback), effects_v = rec(lambda: derivative_call(lambda: ad.vjp(p.fn, *fresh())))
    assert same_value(out2, plain_value), f"WRONG vjp value: {out2!r}"
    assert effects_v == plain_effects, f"WRONG effects (vjp): {effects_v!r}"
    ct = 1.0 if np.ndim(plain_value) == 0 else R.standard_normal(np.shape(plain_value))
    cts, effects_pb = rec(lambda: pullback(ct))
    assert effects_pb[0] == "" and effects_pb[2] == [], f"the pullback printed: {effects_pb!r}"
    lhs = sum(
        float(np.dot(flat(c), flat(t)))
        for c, t in zip(cts, tangents)
        if t is not None and c is not None
    )
    rhs = float(np.sum(np.asarray(ct) * fd_dir))
    close(lhs, rhs, p.rtol * 10, "vjp dot-product test vs central differences")

    if p.hessian:
        H, effects_h = rec(
            lambda: derivative_call(lambda: ad.hessian(p.fn, wrt=p.wrt)(*fresh()))
        )
        assert effects_h == plain_effects, f"WRONG effects (hessian): {effects_h!r}"
        (i,) = wrt_indices(p)
        n = flat(args[i]).size
        close(np.reshape(H, (n, n)), central_hessian(p, capsys, fresh()), 2e-4, "hessian")
    return "ok"


def _id(p):
    return f"{p.category}-{p.name}"


# ============================================================================================
# 1. Passive code passes through
# ============================================================================================


@program("passive", [arr(4)], hessian=True)
def print_intermediate(x):
    h = np.tanh(x)
    print("h =", h)
    s = np.sum(h**2)
    print("loss", s)
    return s


@program("passive", [0.7, 2.0])
def print_scalar_fstring(a, b):
    y = a * b + math.sin(a)
    print(f"a={a:.3f} b={b} y={y:.6f}")
    z = y**2
    print(f"{z=}")
    return z


@program("passive", [arr(3, 3)])
def print_shapes_and_types(w):
    print(w.shape, w.dtype, type(w).__name__, len(w))
    r = w @ w.T
    print("trace", np.trace(r), isinstance(r, np.ndarray))
    return np.trace(r)


@program("passive", [arr(5)], hessian=True)
def logging_in_function(x):
    log.debug("start with %d values", len(x))
    y = np.exp(0.3 * x)
    log.info("mean of y is %.5f", np.mean(y))
    if np.max(y) > 100.0:
        log.warning("large values")
    return np.sum(y * x)


@program("passive", [arr(4)])
def warnings_warn(x):
    s = np.sum(x**2)
    if s < 100.0:
        warnings.warn(f"small loss {s:.4f}", stacklevel=2)
    warnings.warn("always once")
    return s * 3.0


@program("passive", [arr(3), arr(3)], hessian=True)
def assert_shapes(x, y):
    assert x.shape == y.shape, "shapes differ"
    assert len(x) == 3
    assert np.all(np.isfinite(x)), f"non-finite in {x}"
    return np.dot(x, y) + np.sum(x**3)


@program("passive", [arr(4)])
def raise_on_bad_input(x):
    if x.ndim != 1:
        raise ValueError(f"expected a vector, got {x.ndim} dimensions")
    if not np.all(np.isfinite(x)):
        raise FloatingPointError("nan")
    return np.sum(np.sin(x))


@program("passive", [arr(3)])
def raise_in_untaken_branch_with_active_value(x):
    s = np.sum(x**2)
    if s > 1e6:
        raise RuntimeError(f"diverged: {s}")
    return s


@program("passive", [arr(6)])
def with_errstate_around_active_log(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(x > 0, np.log(np.abs(x) + 1.0) * x, x)
        z = np.sum(y**2)
    return z


@program("passive", [arr(6, lo=-2.0, hi=-0.5)])
def with_errstate_sqrt_of_negative_masked(x):
    with np.errstate(invalid="ignore"):
        r = np.sqrt(x)
    safe = np.where(np.isnan(r), 0.0, 1.0)
    return np.sum(x * safe) + np.sum(x**2)


@program("passive", [arr(4)])
def with_errstate_nested_in_loop(x):
    acc = 0.0
    for k in range(3):
        with np.errstate(over="ignore"):
            acc = acc + np.sum(np.exp(x * (k + 1)))
    return acc


@program("passive", [arr(3)])
def with_errstate_returning_inside(x):
    with np.errstate(all="ignore"):
        return np.sum(np.cosh(x))


@program("passive", [arr(4)], hessian=True)
def try_except_around_passive_config(x):
    try:
        scale = float(SETTINGS["scale"])
    except KeyError:
        scale = 1.0
    try:
        missing = SETTINGS["nope"]
    except KeyError:
        missing = 0.5
    finally:
        note("config read")
    return scale * np.sum(x**2) + missing * np.sum(x)


@program("passive", [arr(4)])
def try_except_parse_int(x):
    try:
        n = int("3")
    except ValueError:
        n = 1
    try:
        m = int("three")
    except ValueError as e:
        print("could not parse:", e)
        m = 2
    return np.sum(x[:n]) * m + np.sum(x[n:] ** 2)


@program("passive", [arr(4)])
def try_else_finally_passive(x):
    names = []
    try:
        names.append("a")
    except IndexError:
        names.append("b")
    else:
        names.append("c")
    finally:
        names.append("d")
    print("".join(names))
    return np.sum(x) * len(names)


@program("passive", [arr(3)])
def note_helper_for_effect(x):
    note("start", len(x))
    y = np.sin(x)
    note("middle")
    count_call()
    return np.sum(y * y)


@program("passive", [arr(3)])
def passive_comprehension_over_constants(x):
    weights = [0.5**k for k in range(len(x))]
    labels = {f"w{k}": k for k in range(3)}
    print(weights, labels)
    return np.sum(x * np.array(weights)) + len(labels)


@program("passive", [arr(4)])
def string_work(x):
    name = "layer_" + str(3)
    parts = name.split("_")
    msg = "-".join(p.upper() for p in parts)
    if msg.startswith("LAYER"):
        y = np.sum(x**2)
    else:
        y = np.sum(x)
    print(msg, name.replace("layer", "L"), f"{y:.3e}")
    return y


@program("passive", [arr(3), 2.0])
def isinstance_dispatch(x, scale):
    if isinstance(scale, float):
        s = scale
    else:
        s = 1.0
    if isinstance(x, list | tuple):
        x = np.array(x)
    return s * np.sum(np.tanh(x))


@program("passive", [arr(5)])
def print_in_loop_every_iteration(x):
    h = x
    for step in range(3):
        h = np.tanh(h) * 1.1
        print(f"step {step}: norm {np.linalg.norm(h):.6f}")
    return np.sum(h)


@program("passive", [arr(4)])
def print_active_value_directly(x):
    y = x * 2.0
    print(y)
    print(np.sum(y), y[0], y[1:3])
    return np.sum(y**2)


@program("passive", [1.3])
def print_python_float_repr(a):
    b = a * a
    print(b, repr(b), str(b))
    print(type(b).__name__)
    return b


@program("passive", [arr(3)])
def print_with_sep_end_and_file_kw(x):
    import sys

    print("a", "b", sep="|", end="!\n")
    print("values", x.round(3), file=sys.stdout)
    return np.sum(x**2)


@program("passive", [arr(4)])
def print_in_taken_and_untaken_branches(x):
    s = np.sum(x)
    if s > 0.0:
        print("positive", s)
        r = s**2
    else:
        print("non-positive", s)
        r = -s
    return r


@program("passive", [arr(4)])
def assert_with_active_condition(x):
    y = np.exp(x)
    assert np.all(y > 0.0), "exp is positive"
    assert np.sum(y) > 0.0
    return np.sum(np.log(y) * y)


@program("passive", [arr(4)])
def print_in_helper(x):
    return helper_that_prints(x, 2.0)


def helper_that_prints(v, c):
    print("helper got", v.shape, c)
    note("helper")
    return c * np.sum(v**2)


@program("passive", [arr(3)])
def passive_statements_in_while_loop(x):
    k = 0
    y = x
    while k < 3:
        print("iteration", k)
        assert k >= 0
        y = np.sin(y) + x
        k += 1
    return np.sum(y)


@program("passive", [arr(3)])
def logging_with_active_arguments_lazily(x):
    y = np.cumsum(x)
    log.info("y=%s total=%.4f", np.array2string(y, precision=3), np.sum(y))
    log.debug(f"eager {np.sum(y):.4f}")
    return np.sum(y**2)


@program("passive", [arr(3)])
def docstring_and_pass_and_ellipsis(x):
    """A docstring is a passive statement too."""
    pass
    ...
    return np.sum(x**3)


@program("passive", [arr(3)])
def with_warnings_catch_warnings(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.warn("hidden")
        y = np.sum(np.sin(x))
    return y


@program("passive", [arr(4)])
def print_then_modify_list(x):
    xs = [x[0], x[1]]
    print(len(xs))
    xs.append(x[2] * x[3])
    print(len(xs), xs[-1])
    return xs[0] * xs[1] + xs[2]
