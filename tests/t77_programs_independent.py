"""Programs a user writes, run under every API (tester 77).

Run as a script: `python tests/t77_programs_independent.py OUT.pickle [names...]` computes every
program's values, derivatives, generated sources and errors and pickles them, encoded so that
two runs (compiled passes, and `S2S_AD_PURE_PYTHON=1`) can be compared bit for bit. The test
file `test_compiled_passes_independent.py` runs it in subprocesses.
"""

from __future__ import annotations

import math
import os
import pickle
import sys
import traceback
from dataclasses import fields, is_dataclass

import numpy as np
import scipy.special as sps

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import t77_models_independent as lib

import s2s_ad as ad

# ----------------------------------------------------------------------------------------------
# the programs


def mlp_params_loss(params, x, y):
    for W, b in params[:-1]:
        x = np.tanh(W @ x + b)
    W, b = params[-1]
    out = W @ x + b
    return np.sum((out - y) ** 2) / len(params)


def model_loss(model, x, y):
    pred = model(x)
    return lib.mse(pred, y)


def loop_break_else(x, n):
    acc = 0.0
    for i in range(n):
        x = np.sin(x) * 1.3 + 0.1 * i
        acc = acc + np.sum(x * x)
        if acc > 4.0:
            break
    else:
        acc = acc * 2.0
    return acc + np.sum(x)


def while_newton(a):
    # a few Newton steps of sqrt, stopped by a tolerance
    y = a * 0.5 + 0.5
    k = 0
    while k < 20:
        y_new = 0.5 * (y + a / y)
        if abs(y_new - y) < 1e-12:
            y = y_new
            break
        y = y_new
        k += 1
    return y * y + math.log(a) * y


def make_loss(scale, shift):
    def loss(w):
        z = w * scale - shift
        return np.sum(np.log(np.cosh(z)))

    return loss


closure_loss = make_loss(1.7, np.array([0.1, -0.3, 0.5]))

cubic_lambda = lambda x: np.sum(x**3 - 2.0 * x) + np.prod(x)  # noqa: E731


def comprehension_loss(x):
    terms = [np.sin(x[i]) * (i + 1) for i in range(len(x))]
    weights = {k: float(k) * 0.5 for k in range(3)}
    return sum(terms) + sum(weights[k] * x[k] ** 2 for k in weights)


def helpers_loss(W, b, x, t):
    h = lib.dense(W, b, x)
    return lib.mse(h, t) + np.sum(lib.softplus(h)) + np.sum(lib.normalise(h) * t)


def special_loss(x):
    s = np.sum(sps.gammaln(x + 2.0) + sps.expit(x) * sps.erf(x))
    return s + sps.logsumexp(x) + np.sum(sps.xlogy(x + 1.5, x * x + 1.0))


def piecewise(x):
    if x < -1.0:
        y = -x * x
    elif x < 0.0:
        y = math.sin(x) * 2.0
    elif x < 0.5:
        y = x**3 + x
    elif x < 1.0:
        y = math.exp(x) - 1.0
    elif x < 2.0:
        y = math.log(x) + x
    else:
        y = math.sqrt(x) * 3.0
    return y * y + x


def scalar_mix(a, b):
    c = math.log(a) * b + a**b - math.atan2(a, b)
    d = abs(c - 1.0) + max(a, b) * min(a, b)
    return math.tanh(c) * d + math.hypot(a, b)


def softmax_xent(logits, labels):
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(np.sum(labels * logp, axis=1))


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def local_updates(x):
    a = np.zeros(4)
    a[0] = x[0] ** 2
    a[1:3] = x[1:3] * x[0]
    a[3] = np.sum(x)
    a[1:] += np.cos(a[:-1])
    b = a.copy()
    b[b > 0.5] = 0.0
    return np.sum(a * a) + np.sum(b)


def pendulum(theta0, omega2, damping):
    theta, v = theta0, 0.0
    dt = 0.05
    energy = 0.0
    for _ in ad.checkpoint(range(40), every=8):
        a = -omega2 * np.sin(theta) - damping * v
        v = v + dt * a
        theta = theta + dt * v
        energy = energy + v * v
    return energy + theta * theta


def vector_field(x):
    # R^3 -> R^4, for the Jacobians
    return np.array([x[0] * x[1], np.sin(x[2]) + x[0], np.exp(x[1] * 0.3), x[0] * x[1] * x[2]])


def scaler_loss(s, x):
    m = lib.Scaler(s)
    return np.sum(np.tanh(m.apply(x)) ** 2)


def tuple_return_helper(x):
    def stats(v):
        return np.mean(v), np.std(v)

    mu, sd = stats(x * 2.0)
    return mu * sd + np.sum(x**2)


def nested_loops_continue(x):
    total = 0.0
    for i in range(3):
        for j in range(3):
            if (i + j) % 2 == 1:
                continue
            total = total + np.sum(np.sin(x * (i + 1)) * (j + 1))
    return total


# ---- constructs the README refuses (errors compared between compiled and source)


def err_try(x):
    try:
        y = np.sin(x)
    except ValueError:
        y = x
    return np.sum(y)


def err_global(x):
    global COUNTER
    COUNTER = 1
    return np.sum(x)


def err_yield_gen(x):
    def gen():
        yield x
        yield x * 2

    return np.sum(sum(gen()))


def err_recursive(x, n):
    if n == 0:
        return np.sum(x)
    return err_recursive(x * 1.1, n - 1)


def err_inplace_arg(x):
    x += 1.0
    return np.sum(x * x)


def err_del(x):
    y = x * 2.0
    del y
    return np.sum(x)


def err_walrus(x):
    if (y := np.sum(x)) > 0:
        return y * 2.0
    return y


def err_non_scalar(x):
    return np.sin(x) * 2.0


def err_no_rule(x):
    return np.sum(np.frexp(x)[0])


def err_sqrt_zero(x):
    y = x * 0.0
    return math.sqrt(y) + x


def err_class_in_fn(x):
    class Local:
        pass

    return np.sum(x)


def err_match(x, k):
    match k:
        case 1:
            y = x * 2.0
        case _:
            y = x
    return np.sum(y)


def err_nonlocal(x):
    total = 0.0

    def add(v):
        nonlocal total
        total = total + v

    add(np.sum(x))
    return total


def err_complex(x):
    return np.sum(np.abs(x * 1j + 1.0) ** 2)


# ----------------------------------------------------------------------------------------------
# encoding, comparing


def enc(obj):
    """A bit-exact, picklable description of a value."""
    if isinstance(obj, np.ndarray):
        return ("nd", obj.dtype.str, obj.shape, obj.tobytes().hex())
    if isinstance(obj, np.generic):
        return ("np", obj.dtype.str, obj.tobytes().hex())
    if isinstance(obj, bool):
        return ("bool", obj)
    if isinstance(obj, float):
        return ("float", obj.hex())
    if isinstance(obj, int):
        return ("int", obj)
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, tuple):
        return ("tuple", type(obj).__name__, [enc(v) for v in obj])
    if isinstance(obj, list):
        return ("list", [enc(v) for v in obj])
    if isinstance(obj, dict):
        return ("dict", [(repr(k), enc(v)) for k, v in obj.items()])
    if is_dataclass(obj):
        return (
            "dc",
            type(obj).__name__,
            [(f.name, enc(getattr(obj, f.name))) for f in fields(obj)],
        )
    if hasattr(obj, "__dict__"):
        return ("obj", type(obj).__name__, [(k, enc(v)) for k, v in vars(obj).items()])
    return ("repr", repr(obj))


def describe_error(e: BaseException) -> dict:
    frames = traceback.extract_tb(e.__traceback__)
    here = os.path.abspath(__file__)
    user = [
        (os.path.basename(f.filename), f.lineno, f.line)
        for f in frames
        if os.path.abspath(f.filename) == here or f.filename.startswith("<")
    ]
    chain = []
    c = e.__cause__ or e.__context__
    while c is not None and len(chain) < 5:
        chain.append((type(c).__module__, type(c).__qualname__))
        c = c.__cause__ or c.__context__
    attrs = {}
    for name in ("filename", "lineno", "line", "hint", "source_line", "function"):
        if hasattr(e, name):
            try:
                attrs[name] = repr(getattr(e, name))
            except Exception as inner:  # pragma: no cover
                attrs[name] = "<unreadable " + type(inner).__name__ + ">"
    return {
        "type": (type(e).__module__, type(e).__qualname__),
        "mro": [k.__qualname__ for k in type(e).__mro__],
        "message": str(e),
        "user_frames": user,
        "chain": chain,
        "attrs": attrs,
        "notes": list(getattr(e, "__notes__", [])),
    }


def attempt(fn):
    try:
        return {"ok": fn()}
    except RecursionError as e:  # keep the kind, a frame list would be huge
        return {"error": {"type": ("builtins", "RecursionError"), "message": str(e)[:200]}}
    except Exception as e:
        return {"error": describe_error(e)}


def central(f, args, i, h=1e-6):
    """Central differences of scalar f with respect to args[i] (float or float array)."""
    x = args[i]
    if isinstance(x, float):
        lo = list(args)
        hi = list(args)
        lo[i], hi[i] = x - h, x + h
        return (f(*hi) - f(*lo)) / (2 * h)
    g = np.zeros_like(x, dtype=float)
    for k in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[k] += h
        xm[k] -= h
        hi = list(args)
        lo = list(args)
        hi[i], lo[i] = xp, xm
        g[k] = (f(*hi) - f(*lo)) / (2 * h)
    return g


def rel_err(a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / (1e-6 + np.abs(b)), initial=0.0))


# ----------------------------------------------------------------------------------------------
# the cases


def rng_arrays():
    rng = np.random.default_rng(77)
    return rng


SOURCE_MODES = ("reverse", "forward", "vector", "gradient", "hessian")


def full_checks(name, f, args, float_args, *, second=True, sources=True):
    """Every API on f at args; returns {key: attempt-result}. float_args: indices differentiated."""
    out = {}
    out["plain"] = attempt(lambda: enc(f(*args)))
    for i in float_args:
        out[f"grad{i}"] = attempt(lambda i=i: enc(ad.grad(f, wrt=i)(*args)))
        out[f"grad_fwd{i}"] = attempt(lambda i=i: enc(ad.grad(f, wrt=i, mode="forward")(*args)))
        out[f"vag{i}"] = attempt(lambda i=i: enc(ad.value_and_grad(f, wrt=i)(*args)))
        out[f"fd{i}"] = attempt(lambda i=i: enc(central(f, args, i)))
        if second:
            out[f"hessian{i}"] = attempt(lambda i=i: enc(ad.hessian(f, wrt=i)(*args)))
            out[f"jacfwd_grad{i}"] = attempt(
                lambda i=i: enc(ad.jacfwd(ad.grad(f, wrt=i), wrt=i)(*args))
            )
    tangents = tuple(
        (np.ones_like(a) * 0.3 if isinstance(a, np.ndarray) else 0.3) if k in float_args else None
        for k, a in enumerate(args)
    )
    out["jvp"] = attempt(lambda: enc(ad.jvp(f, tuple(args), tangents)))

    def run_vjp():
        val, pb = ad.vjp(f, *args)
        return enc((val, pb(1.0)))

    out["vjp"] = attempt(run_vjp)
    if sources:
        out["ssa"] = attempt(lambda: ad.ssa_source(f))
        for mode in SOURCE_MODES:
            out[f"src_{mode}"] = attempt(lambda mode=mode: ad.derivative_source(f, mode))
        out["src_gradient_args"] = attempt(
            lambda: ad.derivative_source(f, "gradient", args=tuple(args))
        )
        out["src_forward_args"] = attempt(
            lambda: ad.derivative_source(f, "forward", args=tuple(args))
        )
    return out


def case_mlp():
    rng = rng_arrays()
    params = [
        (rng.standard_normal((4, 3)) * 0.5, rng.standard_normal(4) * 0.1),
        (rng.standard_normal((2, 4)) * 0.5, rng.standard_normal(2) * 0.1),
    ]
    x, y = rng.standard_normal(3), rng.standard_normal(2)
    out = {"plain": attempt(lambda: enc(mlp_params_loss(params, x, y)))}
    out["grad"] = attempt(lambda: enc(ad.grad(mlp_params_loss)(params, x, y)))
    out["vag"] = attempt(lambda: enc(ad.value_and_grad(mlp_params_loss)(params, x, y)))
    out["grad_x"] = attempt(lambda: enc(ad.grad(mlp_params_loss, wrt="x")(params, x, y)))
    out["fd_x"] = attempt(lambda: enc(central(mlp_params_loss, (params, x, y), 1)))
    out["hess_x"] = attempt(lambda: enc(ad.hessian(mlp_params_loss, wrt=1)(params, x, y)))
    out["jacrev_grad_x"] = attempt(
        lambda: enc(ad.jacrev(ad.grad(mlp_params_loss, wrt=1), wrt=1)(params, x, y))
    )
    out["src"] = attempt(lambda: ad.derivative_source(mlp_params_loss, "reverse"))
    out["src_args"] = attempt(
        lambda: ad.derivative_source(mlp_params_loss, "gradient", args=(params, x, y))
    )
    out["ssa"] = attempt(lambda: ad.ssa_source(mlp_params_loss))

    # central differences of W1[0, 1]
    def f01(h):
        p = [(params[0][0].copy(), params[0][1]), params[1]]
        p[0][0][0, 1] += h
        return mlp_params_loss(p, x, y)

    out["fd_W1_01"] = attempt(lambda: enc((f01(1e-6) - f01(-1e-6)) / 2e-6))
    return out


def case_model():
    rng = rng_arrays()
    model = lib.MLP(
        [
            lib.Dense(rng.standard_normal((5, 3)) * 0.4, np.zeros(5)),
            lib.Dense(rng.standard_normal((2, 5)) * 0.4, rng.standard_normal(2) * 0.1),
        ]
    )
    x, y = rng.standard_normal(3), rng.standard_normal(2)
    out = {"plain": attempt(lambda: enc(model_loss(model, x, y)))}
    out["grad"] = attempt(lambda: enc(ad.grad(model_loss)(model, x, y)))
    out["vag"] = attempt(lambda: enc(ad.value_and_grad(model_loss, wrt=(0, 1))(model, x, y)))
    out["grad_fwd_x"] = attempt(
        lambda: enc(ad.grad(model_loss, wrt=1, mode="forward")(model, x, y))
    )
    out["grad_x"] = attempt(lambda: enc(ad.grad(model_loss, wrt=1)(model, x, y)))
    out["fd_x"] = attempt(lambda: enc(central(model_loss, (model, x, y), 1)))
    out["hess_x"] = attempt(lambda: enc(ad.hessian(model_loss, wrt=1)(model, x, y)))

    def fdb(h):
        m = lib.MLP([lib.Dense(model.layers[0].W, model.layers[0].b.copy()), model.layers[1]])
        m.layers[0].b[2] += h
        return model_loss(m, x, y)

    out["fd_b0_2"] = attempt(lambda: enc((fdb(1e-6) - fdb(-1e-6)) / 2e-6))
    out["src"] = attempt(lambda: ad.derivative_source(model_loss, "reverse"))
    out["src_args"] = attempt(
        lambda: ad.derivative_source(model_loss, "gradient", args=(model, x, y))
    )
    return out


def case_loop_break_else():
    x = np.array([0.3, -0.2, 0.5])
    res = {}
    for n in (2, 5, 12):  # n=2 runs the else, the others break
        sub = full_checks("loop", loop_break_else, (x, n), (0,), second=(n == 5), sources=(n == 5))
        res.update({f"n{n}_{k}": v for k, v in sub.items()})
    return res


def case_while():
    return full_checks("while", while_newton, (2.3,), (0,))


def case_closure():
    return full_checks("closure", closure_loss, (np.array([0.2, -0.4, 1.1]),), (0,))


def case_lambda():
    return full_checks("lambda", cubic_lambda, (np.array([0.5, 1.5, -0.7]),), (0,))


def case_comprehension():
    return full_checks("compr", comprehension_loss, (np.array([0.4, -1.2, 0.9, 2.0]),), (0,))


def case_helpers():
    rng = rng_arrays()
    W, b = rng.standard_normal((3, 4)) * 0.5, rng.standard_normal(3) * 0.1
    x, t = rng.standard_normal(4), rng.standard_normal(3)
    return full_checks("helpers", helpers_loss, (W, b, x, t), (0, 2), second=True)


def case_special():
    return full_checks("special", special_loss, (np.array([0.3, 1.7, 2.5]),), (0,))


def case_piecewise():
    res = {}
    for k, x in enumerate((-1.5, -0.4, 0.2, 0.7, 1.4, 3.0)):
        sub = full_checks("pw", piecewise, (x,), (0,), sources=(k == 0))
        res.update({f"x{k}_{key}": v for key, v in sub.items()})
    return res


def case_scalar_mix():
    return full_checks("scalar", scalar_mix, (1.3, 0.7), (0, 1))


def case_softmax():
    rng = rng_arrays()
    logits = rng.standard_normal((4, 3))
    labels = np.eye(3)[[0, 2, 1, 1]]
    return full_checks("softmax", softmax_xent, (logits, labels), (0,))


def case_rosenbrock():
    return full_checks("rosen", rosenbrock, (np.array([0.5, 1.2, -0.3, 0.8, 1.1]),), (0,))


def case_local_updates():
    return full_checks("local", local_updates, (np.array([0.9, 0.2, -0.4, 0.3]),), (0,))


def case_pendulum():
    return full_checks("pend", pendulum, (0.8, 4.0, 0.3), (0, 1, 2), second=False)


def case_scaler():
    return full_checks("scaler", scaler_loss, (0.6, np.array([0.1, -0.5, 0.9])), (0,))


def case_tuple_helper():
    return full_checks("tuphelp", tuple_return_helper, (np.array([0.1, -0.5, 0.9, 1.3]),), (0,))


def case_nested_continue():
    return full_checks("nested", nested_loops_continue, (np.array([0.1, -0.5, 0.9]),), (0,))


def case_jacobians():
    x = np.array([0.4, -1.1, 0.7])
    out = {"plain": attempt(lambda: enc(vector_field(x)))}
    out["jacfwd"] = attempt(lambda: enc(ad.jacfwd(vector_field)(x)))
    out["jacrev"] = attempt(lambda: enc(ad.jacrev(vector_field)(x)))
    out["jacobian_auto"] = attempt(lambda: enc(ad.jacobian(vector_field)(x)))
    out["jacobian_rev"] = attempt(lambda: enc(ad.jacobian(vector_field, mode="reverse")(x)))

    def fd():
        cols = []
        for k in range(3):
            e = np.zeros(3)
            e[k] = 1e-6
            cols.append((vector_field(x + e) - vector_field(x - e)) / 2e-6)
        return np.stack(cols, axis=1)

    out["fd"] = attempt(lambda: enc(fd()))
    out["jvp"] = attempt(lambda: enc(ad.jvp(vector_field, (x,), (np.array([1.0, 0.5, -2.0]),))))

    def run_vjp():
        val, pb = ad.vjp(vector_field, x)
        return enc((val, pb(np.array([1.0, -1.0, 0.5, 2.0]))))

    out["vjp"] = attempt(run_vjp)
    out["hvp"] = attempt(
        lambda: enc(ad.hvp(rosenbrock, (np.array([0.5, 1.2, -0.3]),), (np.array([1.0, 0.0, 2.0]),)))
    )
    out["src_vector"] = attempt(lambda: ad.derivative_source(vector_field, "vector"))
    return out


ERRORS = {
    "try": (err_try, (np.ones(3),)),
    "global": (err_global, (np.ones(3),)),
    "yield": (err_yield_gen, (np.ones(3),)),
    "recursive": (err_recursive, (np.ones(3), 3)),
    "inplace_arg": (err_inplace_arg, (np.ones(3),)),
    "del": (err_del, (np.ones(3),)),
    "walrus": (err_walrus, (np.ones(3),)),
    "non_scalar": (err_non_scalar, (np.ones(3),)),
    "no_rule": (err_no_rule, (np.array([1.5, 2.5]),)),
    "sqrt_zero": (err_sqrt_zero, (0.5,)),
    "class_in_fn": (err_class_in_fn, (np.ones(3),)),
    "match": (err_match, (np.ones(3), 1)),
    "nonlocal": (err_nonlocal, (np.ones(3),)),
    "complex": (err_complex, (np.ones(3),)),
}


def case_errors():
    out = {}
    for name, (f, args) in ERRORS.items():
        out[f"{name}_grad"] = attempt(lambda f=f, args=args: enc(ad.grad(f)(*args)))
        out[f"{name}_fwd"] = attempt(lambda f=f, args=args: enc(ad.grad(f, mode="forward")(*args)))
        out[f"{name}_hess"] = attempt(lambda f=f, args=args: enc(ad.hessian(f)(*args)))
        out[f"{name}_src"] = attempt(lambda f=f: ad.derivative_source(f))
        out[f"{name}_ssa"] = attempt(lambda f=f: ad.ssa_source(f))
    return out


CASES = {
    name[len("case_") :]: fn for name, fn in list(globals().items()) if name.startswith("case_")
}


def main(argv):
    out_path = argv[0]
    names = argv[1:] or list(CASES)
    import s2s_ad.compiled as comp

    results = {name: CASES[name]() for name in names}
    meta = {"compiled_modules": sorted(comp.compiled_modules())}
    with open(out_path, "wb") as fh:
        pickle.dump({"results": results, "meta": meta}, fh)


if __name__ == "__main__":
    main(sys.argv[1:])
