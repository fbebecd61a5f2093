"""Independent tests of issue 19 part 6 (a faster transformation: front-end passes,
simplification, AD stage, emitter) and of `jit=True` sums along axes.

Written from the README and issue 19 alone.  Every program of
``transform_speed_programs_independent`` is checked under grad, value_and_grad, jvp, vjp,
forward mode, the Jacobians and (where marked) hessian: against central differences,
forward against reverse, values against the plain call, and the generated source must
compile.  Refused programs must name their file and line.  ``jit=True`` runs must give
the NumPy backend's numbers and say (``runs_of``) whether they ran compiled.
"""

import copy
import dataclasses
import inspect
import logging
import os
import sys
import warnings

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

import transform_speed_programs_independent as P

import s2s_ad as ad

CASES = {c["name"]: c for c in P.CASES}
SCALAR = sorted(n for n, c in CASES.items() if c["out"] == "scalar")
VECTOR = sorted(n for n, c in CASES.items() if c["out"] == "vector")
SECOND = sorted(n for n, c in CASES.items() if c["second"])

# (test, program) -> what is wrong: strict expected failures, one per bug found
XFAIL = {
    # (the Hessians of losses with sums along an axis, `jit_sum_axis_loss` and
    # `jit_row_normalise_hessian`, ran as NumPy code: `rt.unreduce_directions` had no Numba
    # version; strict expected failures until it got one)
    # (`refused_recursion` was refused naming its `def` line, not the recursive call's:
    # a strict expected failure until the caller's AD stage located it, ad/calls.py)
}


def _params(test, names):
    out = []
    for n in names:
        reason = XFAIL.get((test, n))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(n, id=n, marks=marks))
    return out


# ---------------------------------------------------------------------------
# trees of floats
# ---------------------------------------------------------------------------


def _is_float_leaf(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (float, np.floating)):
        return True
    return isinstance(v, np.ndarray) and v.dtype.kind == "f"


def _children(t):
    """(kind, keys, values) of a container, or None for a leaf."""
    if isinstance(t, tuple) and hasattr(t, "_fields"):
        return "namedtuple", list(range(len(t))), list(t)
    if isinstance(t, (list, tuple)):
        return type(t).__name__, list(range(len(t))), list(t)
    if isinstance(t, dict):
        return "dict", list(t), list(t.values())
    if dataclasses.is_dataclass(t) or (
        hasattr(t, "__dict__") and not callable(t) and not isinstance(t, type)
    ):
        return "object", list(vars(t)), list(vars(t).values())
    if hasattr(t, "__dict__") and type(t).__module__ == P.__name__:
        return "object", list(vars(t)), list(vars(t).values())
    return None


def leaves(t):
    """Float leaves of t, depth first, as a list."""
    if _is_float_leaf(t):
        return [t]
    ch = _children(t)
    if ch is None:
        return []
    out = []
    for v in ch[2]:
        out.extend(leaves(v))
    return out


def grad_leaves(g, like):
    """The gradient's leaves at the positions of like's float leaves (None -> missing)."""
    if _is_float_leaf(like):
        return [g]
    ch = _children(like)
    if ch is None:
        return []
    kind, keys, values = ch
    out = []
    for k, v in zip(keys, values, strict=True):
        if kind == "dict":
            sub = g[k]
        elif kind in ("object",):
            sub = getattr(g, k)
        else:
            sub = g[k]
        out.extend(grad_leaves(sub, v))
    return out


def replace_leaves(t, new):
    """t with its float leaves replaced, in order, by the items of the iterator new."""
    if _is_float_leaf(t):
        v = next(new)
        return type(t)(v) if isinstance(t, float) else v
    ch = _children(t)
    if ch is None:
        return t
    kind, keys, values = ch
    vals = [replace_leaves(v, new) for v in values]
    if kind == "namedtuple":
        return type(t)(*vals)
    if kind == "list":
        return vals
    if kind == "tuple":
        return tuple(vals)
    if kind == "dict":
        return dict(zip(keys, vals, strict=True))
    obj = copy.copy(t)
    for k, v in zip(keys, vals, strict=True):
        object.__setattr__(obj, k, v)
    return obj


def flat(t):
    return np.concatenate(
        [np.ravel(np.asarray(v, dtype=float)) for v in leaves(t)] or [np.zeros(0)]
    )


def unflat(t, vec):
    parts, i = [], 0
    for v in leaves(t):
        a = np.asarray(v)
        parts.append(vec[i : i + a.size].reshape(a.shape) if a.ndim else float(vec[i]))
        i += a.size
    return replace_leaves(t, iter(parts))


def wrt_tuple(c):
    return c["wrt"] if isinstance(c["wrt"], tuple) else (c["wrt"],)


def with_wrt(args, idx, val):
    args = list(args)
    args[idx] = val
    return tuple(args)


def central_grad(f, args, idx, h=1e-6):
    base = flat(args[idx])
    g = np.zeros_like(base)
    for k in range(base.size):
        e = np.zeros_like(base)
        e[k] = h
        fp = f(*with_wrt(args, idx, unflat(args[idx], base + e)))
        fm = f(*with_wrt(args, idx, unflat(args[idx], base - e)))
        g[k] = (fp - fm) / (2 * h)
    return g


def central_jac(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        fp = np.asarray(f(x + e.reshape(x.shape)))
        fm = np.asarray(f(x - e.reshape(x.shape)))
        cols.append(((fp - fm) / (2 * h)).ravel())
    return np.stack(cols, axis=-1)


def close(a, b, rtol=1e-5, atol=1e-6):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert np.allclose(a, b, rtol=rtol, atol=atol), f"\n{a}\n!=\n{b}"


def grads_as_list(g, c):
    return list(g) if isinstance(c["wrt"], tuple) else [g]


def equal_values(a, b):
    """Bit for bit, structure by structure (the value of the plain call)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        assert np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True), (a, b)
    else:
        assert a == b or (a != a and b != b), (a, b)


# ---------------------------------------------------------------------------
# first order, scalar outputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("grad_cd", SCALAR))
def test_grad_against_central_differences(name):
    c = CASES[name]
    args = c["args"]()
    g = ad.grad(c["fn"], wrt=c["wrt"])(*args)
    for idx, gi in zip(wrt_tuple(c), grads_as_list(g, c), strict=True):
        ours = np.concatenate(
            [np.ravel(np.asarray(v, dtype=float)) for v in grad_leaves(gi, args[idx])]
            or [np.zeros(0)]
        )
        close(ours, central_grad(c["fn"], args, idx))


@pytest.mark.parametrize("name", _params("value_and_grad", SCALAR))
def test_value_and_grad_value_is_the_plain_call(name):
    c = CASES[name]
    args = c["args"]()
    plain = c["fn"](*c["args"]())
    for mode in ("reverse", "forward"):
        v, g = ad.value_and_grad(c["fn"], wrt=c["wrt"], mode=mode)(*args)
        equal_values(v, plain)
        g2 = ad.grad(c["fn"], wrt=c["wrt"])(*args)
        for idx, a, b in zip(wrt_tuple(c), grads_as_list(g, c), grads_as_list(g2, c), strict=True):
            close(flat_of(a, args[idx]), flat_of(b, args[idx]), rtol=1e-9, atol=1e-12)


def flat_of(g, like):
    return np.concatenate(
        [np.ravel(np.asarray(v, dtype=float)) for v in grad_leaves(g, like)] or [np.zeros(0)]
    )


@pytest.mark.parametrize("name", _params("jvp_vjp", SCALAR + VECTOR))
def test_jvp_against_vjp_dot_product(name):
    c = CASES[name]
    args = c["args"]()
    plain = c["fn"](*c["args"]())
    rng = np.random.default_rng(7)
    wrt = wrt_tuple(c)
    tangents = []
    for i, a in enumerate(args):
        if i in wrt:
            tangents.append(unflat(a, rng.standard_normal(flat(a).size)))
        else:
            tangents.append(None)
    out, t_out = ad.jvp(c["fn"], tuple(args), tuple(tangents))
    equal_values(out, plain)
    out2, pullback = ad.vjp(c["fn"], *args)
    equal_values(out2, plain)
    u = rng.standard_normal(np.shape(out)) if np.ndim(out) else 1.3
    cts = pullback(u)
    lhs = float(np.sum(np.asarray(t_out) * u))
    rhs = 0.0
    for i in wrt:
        rhs += float(flat_of(cts[i], args[i]) @ flat(tangents[i]))
    assert np.isclose(lhs, rhs, rtol=1e-9, atol=1e-11), (lhs, rhs)
    # the tangent against central differences along the same direction
    h = 1e-6
    plus = tuple(
        unflat(a, flat(a) + h * flat(t)) if t is not None else a
        for a, t in zip(args, tangents, strict=True)
    )
    minus = tuple(
        unflat(a, flat(a) - h * flat(t)) if t is not None else a
        for a, t in zip(args, tangents, strict=True)
    )
    cd = (np.asarray(c["fn"](*plus), dtype=float) - np.asarray(c["fn"](*minus), dtype=float)) / (
        2 * h
    )
    close(t_out, cd)


@pytest.mark.parametrize("name", _params("source", SCALAR + VECTOR))
def test_derivative_source_compiles(name):
    c = CASES[name]
    args = c["args"]()
    wrt = c["wrt"]
    for mode in ("reverse", "forward"):
        # an object whose methods are called is only known from example arguments
        generic = not any(
            type(a).__module__ == P.__name__ and not isinstance(a, tuple) for a in args
        )
        src = ad.derivative_source(c["fn"], mode, wrt=wrt, args=None if generic else args)
        compile(src, f"<{name} {mode}>", "exec")
    if c["out"] == "scalar":
        src = ad.derivative_source(c["fn"], "gradient", wrt=wrt, args=args)
        compile(src, f"<{name} gradient>", "exec")
    else:
        src = ad.derivative_source(c["fn"], "vector", wrt=wrt, args=args)
        compile(src, f"<{name} vector>", "exec")


# ---------------------------------------------------------------------------
# Jacobians of array outputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("jacobians", VECTOR))
def test_jacobians_agree_with_central_differences(name):
    c = CASES[name]
    (x,) = c["args"]()
    out = np.asarray(c["fn"](x))
    ref = central_jac(c["fn"], x).reshape(out.shape + x.shape)
    jf = ad.jacfwd(c["fn"])(x)
    jr = ad.jacrev(c["fn"])(x)
    close(jf, ref)
    close(jr, ref)
    close(jf, jr, rtol=1e-9, atol=1e-12)
    # later calls (the fast path) give the same numbers
    close(ad.jacfwd(c["fn"])(x), jf, rtol=0, atol=0)
    close(ad.jacobian(c["fn"])(x), jf, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# second order
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("hessian", SECOND))
def test_hessian_against_central_differences_of_gradient(name):
    c = CASES[name]
    args = c["args"]()
    idx = wrt_tuple(c)[0]
    x = args[idx]
    if not (_is_float_leaf(x)):
        # structured arguments: grad(grad) along a direction against differences
        g = ad.grad(c["fn"], wrt=idx)
        rng = np.random.default_rng(3)
        v = rng.standard_normal(flat(x).size)
        _, hv = ad.jvp(
            g, args, tuple(unflat(a, v) if i == idx else None for i, a in enumerate(args))
        )
        h = 1e-5
        gp = flat_of(g(*with_wrt(args, idx, unflat(x, flat(x) + h * v))), x)
        gm = flat_of(g(*with_wrt(args, idx, unflat(x, flat(x) - h * v))), x)
        close(flat_of(hv, x), (gp - gm) / (2 * h), rtol=1e-4, atol=1e-6)
        return
    H = np.asarray(ad.hessian(c["fn"], wrt=idx)(*args), dtype=float)
    n = np.size(x)
    Hm = H.reshape(n, n)
    close(Hm, Hm.T, rtol=1e-8, atol=1e-10)
    g = ad.grad(c["fn"], wrt=idx)
    h = 1e-5
    base = np.ravel(np.asarray(x, dtype=float))
    cols = []
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        gp = np.ravel(g(*with_wrt(args, idx, unflat(x, base + e))))
        gm = np.ravel(g(*with_wrt(args, idx, unflat(x, base - e))))
        cols.append((gp - gm) / (2 * h))
    close(Hm, np.stack(cols, axis=-1), rtol=1e-4, atol=1e-6)
    # grad(grad) for scalars, jacfwd(grad) for arrays
    if np.ndim(x) == 0:
        close(ad.grad(ad.grad(c["fn"], wrt=idx), wrt=idx)(*args), H, rtol=1e-9, atol=1e-12)
    else:
        close(ad.jacfwd(ad.grad(c["fn"], wrt=idx), wrt=idx)(*args), H, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------
# refused code
# ---------------------------------------------------------------------------


def _marked_line(fn):
    lines, start = inspect.getsourcelines(fn)
    for k, text in enumerate(lines):
        if "# refused here" in text:
            return start + k
    raise AssertionError("no marked line")


REFUSED_NAMES = [r[0].__name__ for r in P.REFUSED]


@pytest.mark.parametrize("name", _params("refused", REFUSED_NAMES))
@pytest.mark.parametrize("api", ["grad", "jvp"])
def test_refused_code_names_file_and_line(name, api):
    entry = next(r for r in P.REFUSED if r[0].__name__ == name)
    fn, args, piece = entry[:3]
    line = _marked_line(entry[3] if len(entry) > 3 else fn)
    with pytest.raises(ad.S2SError) as info:
        if api == "grad":
            ad.grad(fn)(*copy.deepcopy(args))
        else:
            ad.jvp(fn, copy.deepcopy(args), copy.deepcopy(args))
    msg = str(info.value)
    assert os.path.basename(P.__file__) in msg, msg
    assert f":{line}:" in msg or f"line {line}" in msg, (line, msg)
    assert piece in msg, msg
    assert len(msg) > 60, msg  # says what to write instead, not just a name


# ---------------------------------------------------------------------------
# jit=True: sums along axes and over whole arrays
# ---------------------------------------------------------------------------


JIT_IDS = [f"{fn.__name__}-{api}" for fn, _, api, _ in P.JIT_CASES]


def _jit_params():
    out = []
    for k, i in enumerate(JIT_IDS):
        reason = XFAIL.get(("jit", i))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(k, id=i, marks=marks))
    return out


def _reference(fn, api, args):
    """Central differences of what the API computes."""
    if api == "jacfwd":
        (x,) = args
        out = np.asarray(fn(x))
        return central_jac(fn, x).reshape(out.shape + x.shape)
    if api == "hessian":
        (x,) = args
        g = ad.grad(fn)
        return central_jac(g, x).reshape(x.shape + x.shape)
    if api == "jacrev":
        (x,) = args
        out = np.asarray(fn(x))
        return central_jac(fn, x).reshape(out.shape + x.shape)
    if np.asarray(args[0]).dtype == np.float32:
        x64 = np.asarray(args[0], dtype=np.float64)
        return central_grad(fn, (x64, *args[1:]), 0).reshape(np.shape(x64))
    return central_grad(fn, args, 0).reshape(np.shape(args[0]))


@pytest.mark.parametrize("k", _jit_params())
def test_jit_sums(k, caplog):
    pytest.importorskip("numba")
    from s2s_ad.jit.backend import runs_of

    fn, make, api, compiles = P.JIT_CASES[k]
    args = make()
    api_fn = getattr(ad, api)
    key = (
        fn.__name__
        + {
            "grad": "_grad",
            "value_and_grad": "_value_and_grad",
            "hessian": "_grad_jvp",
            "jacfwd": "_jvp",
            "jacrev": "_value_and_grad_jvp",
        }[api]
    )
    with caplog.at_level(logging.WARNING, logger="s2s_ad.jit"), warnings.catch_warnings():
        warnings.simplefilter("error")
        first = api_fn(fn, jit=True)(*args)
        ran_first = dict(runs_of(fn))
        second = api_fn(fn, jit=True)(*args)
    numpy_result = api_fn(fn, jit=False)(*args)
    ran = runs_of(fn)
    mine = {n: v for n, v in ran.items() if n.startswith(key) and (api != "grad" or n == key)}
    assert mine, ran
    jit_warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("s2s_ad.jit")
        and r.levelno >= logging.WARNING
        and fn.__name__ in r.getMessage()
    ]
    compiled = all(mine.values())
    assert {n: v for n, v in ran_first.items() if n in mine} == mine, (ran_first, ran)
    if compiles is not None:
        assert compiled is compiles, (ran, jit_warnings)
    if compiled:
        assert jit_warnings == [], jit_warnings
    elif fn.__name__ not in _WARNED:
        # one warning per function, naming the generated line and Numba's reason
        assert len(jit_warnings) == 1, jit_warnings
        assert "NumPy" in jit_warnings[0], jit_warnings
        if np.asarray(args[0]).dtype == np.float64:
            assert "line" in jit_warnings[0], jit_warnings
    if not compiled:
        _WARNED.add(fn.__name__)
    if api == "value_and_grad":
        equal_values(first[0], fn(*args))
        equal_values(first[0], numpy_result[0])
        assert type(first[0]) is type(fn(*args)), (type(first[0]), type(fn(*args)))
        first, second, numpy_result = first[1], second[1], numpy_result[1]
    close(first, numpy_result, rtol=1e-12, atol=1e-14)
    close(second, first, rtol=0, atol=0)
    assert np.asarray(first).dtype == np.asarray(numpy_result).dtype
    assert np.shape(first) == np.shape(numpy_result)
    tol = 1e-2 if np.asarray(args[0]).dtype == np.float32 else 1e-5
    close(first, _reference(fn, api, args), rtol=tol, atol=tol)


_WARNED = set()


def _warned_before(fn):
    return fn.__name__ in _WARNED


def test_jit_sum_reaching_inf_gives_numpy_numbers_and_warning():
    """A row summing to 0: log gives -inf, the gradient inf; the README says such a result
    is recomputed by the NumPy code, so its RuntimeWarning is given too."""
    pytest.importorskip("numba")
    fn = P.jit_log_row_sums
    x = np.array([[0.5, 1.0, 0.25], [0.5, -0.5, 0.0], [1.0, 2.0, 0.5]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = ad.grad(fn, jit=True)(x)
    with warnings.catch_warnings(record=True) as caught_numpy:
        warnings.simplefilter("always")
        ref = ad.grad(fn)(x)
    assert np.array_equal(ours, ref, equal_nan=True)
    assert np.isinf(ours[1]).all()
    assert sorted(
        str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
    ) == sorted(str(w.message) for w in caught_numpy if issubclass(w.category, RuntimeWarning))
    assert caught_numpy
    # finite again: the compiled code's numbers
    x2 = np.abs(x) + 0.1
    close(ad.grad(fn, jit=True)(x2), ad.grad(fn)(x2), rtol=1e-12, atol=0)


PLAIN_ARGS = sorted(
    n
    for n in SCALAR
    if all(_is_float_leaf(a) or isinstance(a, (int, np.ndarray)) for a in CASES[n]["args"]())
)


@pytest.mark.parametrize("name", _params("source_runs", PLAIN_ARGS))
def test_gradient_source_runs_and_gives_grads_numbers(name):
    """The text derivative_source(f, "gradient", args=...) shows, compiled and run by
    us, gives grad's numbers bit for bit (where it calls no helper's derivative)."""
    import math

    import s2s_ad.runtime as rt

    c = CASES[name]
    args = c["args"]()
    src = ad.derivative_source(c["fn"], "gradient", wrt=c["wrt"], args=args)
    namespace = dict(vars(P))
    namespace.update(np=np, rt=rt, math=math)
    exec(compile(src, f"<{name} gradient>", "exec"), namespace)
    fname = src.split("def ", 1)[1].split("(", 1)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = namespace[fname](*args)
        except NameError as e:
            # a helper's derivative (helper_vjp) lives in s2s_ad's cache, not in the text
            assert "_vjp" in str(e) or "_grad" in str(e), e
            return
        ours = ad.grad(c["fn"], wrt=c["wrt"])(*args)
    if fname.endswith("_value_and_grad"):
        equal_values(result[0], c["fn"](*args))
        result = result[1]
    for a, b in zip(grads_as_list(result, c), grads_as_list(ours, c), strict=True):
        assert np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)), (a, b)
