# ruff: noqa: B023, E501, B905, RUF005, B008, RUF015, B007, RUF059  (lambdas are called at once; long reasons)
"""Independent tests of the Jacobians' per-signature fast path (issue 19).

Written from the README alone, without reading s2s_ad/ or tests/: every
program calls one kept Jacobian function (``jacfwd(f)``, ``jacrev(f)``,
``jacobian(f)``) repeatedly and compares each call with a *fresh* Jacobian
function made for that call (whose first call takes the checked path): the same
result bit for bit (type, dtype, shape, structure), the same exception (type and
message), the same warnings.  Where they succeed, forward and reverse must agree
and, for float64 arguments, central differences must agree too.

A failing check is kept as a strict expected failure whose reason is the
observed failure.
"""

import contextlib
import inspect
import io
import math
import threading
import warnings

import numpy as np
import pytest

import s2s_ad as ad

MAKERS = {"jacfwd": ad.jacfwd, "jacrev": ad.jacrev, "jacobian": ad.jacobian}


# ---------------------------------------------------------------------------
# harness
# ---------------------------------------------------------------------------


class Outcome:
    def __init__(self, ok, value=None, exc=None, warns=()):
        self.ok, self.value, self.exc, self.warns = ok, value, exc, list(warns)

    def __repr__(self):
        if self.ok:
            return f"Outcome(ok, {self.value!r}, warns={self.warns})"
        return f"Outcome(raised {type(self.exc).__name__}: {self.exc}, warns={self.warns})"


def run(thunk):
    out = io.StringIO()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            value = thunk()
        except Exception as exc:
            o = Outcome(False, exc=exc, warns=[(w.category, str(w.message)) for w in caught])
            o.stdout = out.getvalue()
            return o
    o = Outcome(True, value, warns=[(w.category, str(w.message)) for w in caught])
    o.stdout = out.getvalue()
    return o


def assert_same(a, b, path="result"):
    """a and b are the same structure, types, dtypes and bits."""
    assert type(a) is type(b), f"{path}: type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif a is None:
        pass
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype, f"{path}: dtype {a.dtype} != {b.dtype}"
        assert np.shape(a) == np.shape(b), f"{path}: shape {np.shape(a)} != {np.shape(b)}"
        np.testing.assert_array_equal(a, b, err_msg=path, strict=True)
    elif isinstance(a, (float, int, bool)):
        assert (a == b) or (a != a and b != b), f"{path}: {a!r} != {b!r}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


def assert_outcomes_same(kept, fresh, where, exact_warnings=False):
    if fresh.ok:
        assert kept.ok, (
            f"{where}: kept raised {type(kept.exc).__name__}: {kept.exc}; fresh returned {fresh.value!r}"
        )
        assert_same(kept.value, fresh.value, where)
    else:
        assert not kept.ok, (
            f"{where}: fresh raised {type(fresh.exc).__name__}: {fresh.exc}; kept returned {kept.value!r}"
        )
        assert type(kept.exc) is type(fresh.exc), f"{where}: {type(kept.exc)} != {type(fresh.exc)}"
        assert str(kept.exc) == str(fresh.exc), f"{where}: message {kept.exc} != {fresh.exc}"
    if exact_warnings:
        assert kept.warns == fresh.warns, f"{where}: warnings {kept.warns} != {fresh.warns}"
    else:
        # the kinds of warnings; their exact counts are checked by test_warnings_*
        assert set(kept.warns) == set(fresh.warns), (
            f"{where}: warnings {kept.warns} != {fresh.warns}"
        )
    assert kept.stdout == fresh.stdout, f"{where}: printed {kept.stdout!r} != {fresh.stdout!r}"


def leaves(tree):
    if isinstance(tree, (tuple, list)):
        for t in tree:
            yield from leaves(t)
    elif isinstance(tree, dict):
        for t in tree.values():
            yield from leaves(t)
    else:
        yield tree


def assert_close_trees(a, b, where, rtol=1e-9, atol=1e-11, nan_anywhere=False):
    la, lb = list(leaves(a)), list(leaves(b))
    assert len(la) == len(lb), where
    for x, y in zip(la, lb):
        if x is None or y is None:
            assert x is None and y is None, where
            continue
        if nan_anywhere:
            # documented: forward mode spreads a nan over all directions, reverse
            # over all rows; compare where both are not nan
            keep = ~(np.isnan(x) | np.isnan(y))
            x, y = np.asarray(x)[keep], np.asarray(y)[keep]
        low = np.result_type(x) == np.float32 or np.result_type(y) == np.float32
        np.testing.assert_allclose(
            x,
            y,
            rtol=1e-5 if low else rtol,
            atol=1e-6 if low else atol,
            err_msg=where,
            equal_nan=True,
        )


def central_jacobian(f, args, wrt, eps=1e-6):
    """Jacobian of f w.r.t. the single float64 argument args[wrt] (array output)."""
    args = list(args)
    x0 = args[wrt]
    scalar_in = not isinstance(x0, np.ndarray)
    x0 = np.array(x0, dtype=np.float64)
    out0 = np.asarray(f(*args), dtype=np.float64)
    jac = np.zeros(out0.shape + x0.shape)
    for idx in np.ndindex(*x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[idx] += eps
        xm[idx] -= eps
        args[wrt] = float(xp) if scalar_in else xp
        fp = np.asarray(f(*args), dtype=np.float64)
        args[wrt] = float(xm) if scalar_in else xm
        fm = np.asarray(f(*args), dtype=np.float64)
        jac[(Ellipsis,) + idx] = (fp - fm) / (2 * eps)
    return jac


def copy_args(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def check_program(
    f,
    steps,
    wrt=0,
    makers=("jacfwd", "jacrev", "jacobian"),
    fd=True,
    jit=False,
    fd_rtol=1e-5,
    fd_atol=1e-6,
    nan_anywhere=False,
):
    """Run the steps through one kept Jacobian function per maker.

    A step is a tuple of arguments (a call), or a callable (run between calls:
    it changes a global, a default, ...).  Each call is compared with a fresh
    Jacobian function's call on the same arguments.
    """
    kw = {"wrt": wrt}
    if jit:
        kw["jit"] = True
    kept = {name: MAKERS[name](f, **kw) for name in makers}
    n_calls = refused = 0
    for step_no, step in enumerate(steps):
        if callable(step):
            step()
            continue
        args = step
        n_calls += 1
        results = {}
        for name in makers:
            where = f"{name}, step {step_no}, args {args!r}"
            k = run(lambda: kept[name](*copy_args(args)))
            fresh_args = copy_args(args)
            fr = run(lambda: MAKERS[name](f, **kw)(*fresh_args))
            if name == "jacobian" and fr.ok and k.ok:
                # auto picks a mode by timing: the kept result must be one of the
                # fresh modes' results, bit for bit
                alts = [fr] + [
                    run(lambda m=m: MAKERS[m](f, **kw)(*copy_args(args)))
                    for m in ("jacfwd", "jacrev")
                ]
                errors = []
                for alt in alts:
                    try:
                        assert_outcomes_same(k, alt, where)
                        break
                    except AssertionError as e:
                        errors.append(str(e))
                else:
                    raise AssertionError(errors[0])
            else:
                assert_outcomes_same(k, fr, where)
            if (
                not fr.ok
                and isinstance(fr.exc, ad.S2SError)
                and "refus" in "".join(map(str, [fr.exc])).lower()
            ):
                refused += 1
            results[name] = k
        oks = [r for r in results.values() if r.ok]
        if len(oks) >= 2:
            for r in oks[1:]:
                assert_close_trees(
                    r.value,
                    oks[0].value,
                    f"modes disagree at step {step_no}",
                    nan_anywhere=nan_anywhere,
                )
        if fd and oks and not isinstance(wrt, tuple):
            plain = [a for a in args]
            iw = wrt if isinstance(wrt, int) else list(inspect.signature(f).parameters).index(wrt)
            x = plain[iw]
            if (isinstance(x, float) and type(x) is float) or (
                isinstance(x, np.ndarray) and x.dtype == np.float64
            ):
                val = oks[0].value
                if isinstance(val, (np.ndarray, float)) and not isinstance(val, np.float32):
                    expected = central_jacobian(f, plain, iw)
                    np.testing.assert_allclose(
                        np.asarray(val),
                        expected,
                        rtol=fd_rtol,
                        atol=fd_atol,
                        err_msg=f"central differences, step {step_no}",
                    )
    return n_calls


def xs(*shapes, seed=0, dtype=np.float64, lo=-1.0, hi=1.0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, s).astype(dtype) for s in shapes]


def rnd(shape, seed=0, dtype=np.float64, lo=-1.0, hi=1.0):
    return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


# ---------------------------------------------------------------------------
# programs
# ---------------------------------------------------------------------------


def dense_tanh(x, W, b):
    return np.tanh(W @ x + b)


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def log_softmax(z):
    m = np.max(z)
    return z - m - np.log(np.sum(np.exp(z - m)))


def mlp_batch(X, W1, W2):
    H = np.tanh(X @ W1)
    return H @ W2


def rk4_decay(y0, dt, n):
    y = y0
    for _ in range(n):
        k1 = -0.5 * y * y
        k2 = -0.5 * (y + 0.5 * dt * k1) ** 2
        k3 = -0.5 * (y + 0.5 * dt * k2) ** 2
        k4 = -0.5 * (y + dt * k3) ** 2
        y = y + dt / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def leapfrog(q, p, dt, n):
    for _ in range(n):
        p = p - 0.5 * dt * np.sin(q)
        q = q + dt * p
        p = p - 0.5 * dt * np.sin(q)
    return np.concatenate([q, p])


def horner(c, t):
    acc = np.zeros_like(t)
    for ci in c:
        acc = acc * t + ci
    return acc


def head_squares(x, k):
    return x[:k] ** 2


def rolled(x, k):
    return np.roll(x, k) * x


def positives(x):
    return x[x > 0] ** 2


def relu_sq(x):
    return np.where(x > 0, x**2, 0.0)


def tuple_or_array(x):
    if np.sum(x) > 0:
        return x * 2.0, np.sin(x)
    return x * 3.0


def scalar_or_array(x):
    if x[0] > 0:
        return np.sum(x**2)
    return x * 2.0


def sorted_top(x):
    s = np.sort(x)
    return s[-2:] * s[0]


def argmax_pick(x):
    i = np.argmax(x)
    return x * x[i]


W_G = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])


def global_linear(x):
    return W_G @ x


SCALE = 2.0


def scaled(x):
    return SCALE * np.sin(x)


ACT = np.tanh


def global_act(x):
    return ACT(x) * x


def helper_a(v):
    return v * v


def helper_b(v):
    return v * v * v


HELPER = helper_a


def uses_helper(x):
    return HELPER(x) + x


def with_default(x, c=2.0):
    return c * x**2


def _make_closure(buf):
    def inner(x):
        return buf * np.cos(x)

    return inner


CLOSURE_BUF = np.array([1.0, 2.0, 3.0])
closure_f = _make_closure(CLOSURE_BUF)


def identity(x):
    return x


def double(x):
    return 2.0 * x


def constant_out(x):
    return np.ones(3)


def two_outputs(x):
    return np.sum(x**2), x * 2.0


def two_args(x, y):
    return x * np.sin(y) + y**2


def careful_log(x):
    if np.sum(x) < 0:
        raise ValueError("negative total")
    return np.log(np.sum(x)) * x


def inv_scalar(x, d):
    return x / d


def sqrt_scalar(x):
    return math.sqrt(x) * x


def log_scalar(x):
    return math.log(x) + x


def np_log_vec(x):
    return np.log(x) * x


def shape_mismatch(x, y):
    return x * y


def poly_scalar(x):
    return x**3 - 2.0 * x


def sin_scalar(x):
    return np.sin(x) * x


def apply_fn(fn, x):
    return fn(x) + x


def square(v):
    return v * v


def cube(v):
    return v * v * v


def reduce_mode(x, mode):
    if mode == "sum":
        return np.cumsum(x)
    return np.cumsum(x) / len(x)


def flagged(x, flag):
    if flag:
        return np.exp(x)
    return x * 3.0


def optional_shift(x, shift):
    if shift is None:
        return x**2
    return (x - shift) ** 2


def tile_n(x, n):
    return np.tile(x, n) * 1.5


def gather(x, idx):
    return x[idx] * x[idx]


def masked(x, mask):
    return np.exp(x[mask])


def branch_on_y(x, y):
    if y[0] > 0:
        return x * y
    return x - y


def printing(x):
    print("norm", float(np.sum(x * x)))
    return np.sin(x)


def float32_mix(x):
    return x * W_G[0]


def cross_entropy_rows(logits, labels):
    m = np.max(logits, axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.sum(np.exp(logits - m), axis=1))
    return lse - logits[np.arange(len(labels)), labels]


def gauss_loglik(mu, sigma, data):
    r = (data - mu) / sigma
    return -0.5 * r * r - np.log(sigma)


def spring_forces(pos):
    d = pos[1:] - pos[:-1] - 1.0
    e = 0.5 * d * d
    f = np.zeros_like(pos)
    f[:-1] = f[:-1] + d
    f[1:] = f[1:] - d
    return f * np.sum(e)


def dict_out(x):
    return {"a": x * 2.0, "b": np.sum(x)}


def list_out(x):
    return [x * 2.0, np.cos(x)]


def empty_ok(x):
    return x * 2.0 + 1.0


def code_a(x):
    return x * 2.0


def code_b(x):
    return x * 5.0


def swap_code(x):
    return x * 2.0


def _other_swap_code():
    def swap_code(x):
        return x * 5.0

    return swap_code.__code__


SWAP_CODE_B = _other_swap_code()


def softplus_user(v):
    return np.log1p(np.exp(v))


def uses_softplus(x):
    return softplus_user(x) * 2.0


def nan_safe(x):
    return np.where(x > 0, np.sqrt(np.where(x > 0, x, 1.0)), 0.0)


def rosen_terms(x):
    return 100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2


def polar(r, theta):
    return np.stack([r * np.cos(theta), r * np.sin(theta)])


def tanh_rnn(h, W, n):
    for _ in range(n):
        h = np.tanh(W @ h)
    return h


def while_newton(x):
    y = x
    k = 0
    while np.max(np.abs(y * y - x)) > 1e-12 and k < 50:
        y = 0.5 * (y + x / y)
        k += 1
    return y


def break_loop(x, limit):
    acc = np.zeros_like(x)
    for i in range(10):
        acc = acc + np.sin(x * (i + 1))
        if np.sum(acc) > limit:
            break
    return acc


def matrix_fun(A):
    return A @ A.T + np.trace(A) * A


def det_inv(A):
    return np.linalg.inv(A) * np.linalg.det(A)


def cumulative(x):
    return np.cumprod(x) + np.cumsum(x**2)


def norm_rows(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


# ---------------------------------------------------------------------------
# scenarios: id -> builder returning dict(f=..., steps=[...], **options)
# ---------------------------------------------------------------------------

SCENARIOS = {}


def scenario(name):
    def deco(builder):
        assert name not in SCENARIOS
        SCENARIOS[name] = builder
        return builder

    return deco


def _set(name, value):
    def step():
        globals()[name] = value

    step.__name__ = f"set_{name}"
    return step


@scenario("dense_layer_many_values")
def _():
    W, b = rnd((4, 3), 1), rnd(4, 2)
    return dict(f=dense_tanh, steps=[(rnd(3, s), W, b) for s in range(5)])


@scenario("dense_layer_alternating_shapes")
def _():
    steps = []
    for s in range(3):
        steps.append((rnd(3, s), rnd((4, 3), s + 10), rnd(4, s + 20)))
        steps.append((rnd(5, s), rnd((2, 5), s + 10), rnd(2, s + 20)))
    return dict(f=dense_tanh, steps=steps)


@scenario("dense_layer_float32_float64")
def _():
    steps = []
    for s in range(2):
        for dt in (np.float64, np.float32, np.float64):
            steps.append((rnd(3, s, dt), rnd((4, 3), 7, dt), rnd(4, 8, dt)))
    return dict(f=dense_tanh, steps=steps)


@scenario("dense_layer_mixed_dtypes_args")
def _():
    # x float32 but W float64 then everything float32: same x signature, other args differ
    x32 = rnd(3, 1, np.float32)
    return dict(
        f=dense_tanh,
        steps=[
            (x32, rnd((4, 3), 2), rnd(4, 3)),
            (x32, rnd((4, 3), 2, np.float32), rnd(4, 3, np.float32)),
            (x32, rnd((4, 3), 2), rnd(4, 3, np.float32)),
            (x32, rnd((4, 3), 2), rnd(4, 3)),
        ],
        fd=False,
    )


@scenario("softmax_shapes_dtypes")
def _():
    steps = [
        (rnd(n, s, dt),) for s in range(2) for n in (3, 5, 1) for dt in (np.float64, np.float32)
    ]
    return dict(f=softmax, steps=steps)


@scenario("log_softmax_repeated")
def _():
    return dict(f=log_softmax, steps=[(rnd(4, s, lo=-3, hi=3),) for s in range(6)])


@scenario("mlp_batch_shapes")
def _():
    W1, W2 = rnd((3, 4), 1), rnd((4, 2), 2)
    return dict(
        f=mlp_batch, steps=[(rnd((b, 3), s), W1, W2) for s, b in enumerate([2, 5, 2, 1, 5])]
    )


@scenario("rk4_changing_step_count")
def _():
    return dict(f=rk4_decay, steps=[(rnd(3, 0, lo=0.1), 0.1, n) for n in (5, 0, 1, 17, 5)])


@scenario("rk4_scalar_y0_changing_n_and_dt")
def _():
    return dict(f=rk4_decay, steps=[(0.8, 0.1, 3), (0.8, 0.2, 7), (0.3, 0.05, 0), (0.8, 0.1, 3)])


@scenario("leapfrog_wrt_q_changing_n")
def _():
    return dict(
        f=leapfrog,
        steps=[(rnd(2, s), rnd(2, s + 5), 0.1, n) for s, n in enumerate([4, 1, 9, 0, 4])],
    )


@scenario("leapfrog_wrt_both")
def _():
    return dict(
        f=leapfrog,
        wrt=(0, 1),
        steps=[(rnd(2, s), rnd(2, s + 5), 0.1, n) for s, n in enumerate([4, 2, 4, 3])],
    )


@scenario("horner_coefficients_length")
def _():
    return dict(f=horner, steps=[(rnd(k, k), rnd(4, 9)) for k in (3, 1, 5, 3)])


@scenario("horner_wrt_t")
def _():
    return dict(f=horner, wrt=1, steps=[(rnd(k, k), rnd(4, k + 9)) for k in (3, 2, 3, 6)])


@scenario("slice_by_int_argument")
def _():
    x = rnd(6, 3)
    return dict(f=head_squares, steps=[(x, 3), (x, 5), (x, 0), (x, 6), (x, -2), (x, 3)])


@scenario("roll_by_int_argument")
def _():
    x = rnd(5, 3)
    return dict(f=rolled, steps=[(x, 1), (x, 2), (x, -1), (x, 0), (x, 1)])


@scenario("boolean_mask_of_values")
def _():
    return dict(
        f=positives,
        steps=[
            (np.array([1.0, -2.0, 3.0]),),
            (np.array([-1.0, 2.0, -3.0]),),
            (np.array([-1.0, -2.0, -3.0]),),
            (np.array([1.0, 2.0, 3.0]),),
            (np.array([1.0, -2.0, 3.0]),),
        ],
    )


@scenario("relu_squared_where")
def _():
    return dict(f=relu_sq, steps=[(rnd(5, s),) for s in range(5)])


@scenario("branch_tuple_or_array")
def _():
    return dict(
        f=tuple_or_array,
        steps=[
            (np.array([1.0, 2.0]),),
            (np.array([-1.0, -2.0]),),
            (np.array([1.0, 2.0]),),
            (np.array([-3.0, 1.0]),),
        ],
    )


@scenario("branch_scalar_or_array")
def _():
    return dict(
        f=scalar_or_array,
        steps=[
            (np.array([1.0, 2.0]),),
            (np.array([-1.0, 2.0]),),
            (np.array([1.0, -2.0]),),
            (np.array([-1.0, -2.0]),),
        ],
    )


@scenario("sort_top_two")
def _():
    return dict(f=sorted_top, steps=[(rnd(5, s),) for s in range(5)])


@scenario("argmax_pick")
def _():
    return dict(f=argmax_pick, steps=[(rnd(4, s),) for s in range(5)])


@scenario("global_array_updated_in_place")
def _():
    W0 = W_G.copy()

    def bump():
        W_G[...] = W_G * 3.0 + 1.0

    def restore():
        W_G[...] = W0

    x = rnd(3, 1)
    return dict(
        f=global_linear,
        steps=[(x,), bump, (x,), (rnd(3, 2),), bump, (x,), restore, (x,)],
        cleanup=restore,
    )


@scenario("global_array_rebound")
def _():
    W0 = W_G

    def restore():
        globals()["W_G"] = W0

    x = rnd(3, 1)
    return dict(
        f=global_linear,
        steps=[
            (x,),
            _set("W_G", W0 * -2.0),
            (x,),
            _set("W_G", np.ones((4, 3))),
            (x,),
            restore,
            (x,),
        ],
        cleanup=restore,
    )


@scenario("global_constant_rebound")
def _():
    x = rnd(3, 1)
    restore = _set("SCALE", 2.0)
    return dict(
        f=scaled,
        steps=[
            (x,),
            _set("SCALE", 3.0),
            (x,),
            _set("SCALE", np.float32(0.5)),
            (x,),
            _set("SCALE", np.array([1.0, 2.0, 3.0])),
            (x,),
            restore,
            (x,),
        ],
        cleanup=restore,
    )


@scenario("global_activation_rebound")
def _():
    x = rnd(3, 1)
    restore = _set("ACT", np.tanh)
    return dict(
        f=global_act,
        steps=[(x,), _set("ACT", np.sin), (x,), _set("ACT", square), (x,), restore, (x,)],
        cleanup=restore,
    )


@scenario("global_helper_rebound")
def _():
    x = rnd(3, 1)
    restore = _set("HELPER", helper_a)
    return dict(
        f=uses_helper,
        steps=[(x,), _set("HELPER", helper_b), (x,), (rnd(4, 2),), restore, (x,)],
        cleanup=restore,
    )


@scenario("defaults_changed")
def _():
    x = rnd(3, 1)

    def set_defaults(v):
        def step():
            with_default.__defaults__ = (v,)

        return step

    restore = set_defaults(2.0)
    return dict(
        f=with_default,
        steps=[(x,), set_defaults(5.0), (x,), set_defaults(np.float32(1.5)), (x,), restore, (x,)],
        cleanup=restore,
    )


@scenario("closure_array_updated_in_place")
def _():
    x = rnd(3, 1)
    old = CLOSURE_BUF.copy()

    def bump():
        CLOSURE_BUF[...] = [5.0, -1.0, 0.5]

    def restore():
        CLOSURE_BUF[...] = old

    return dict(f=closure_f, steps=[(x,), bump, (x,), restore, (x,)], cleanup=restore)


@scenario("two_outputs_tuple")
def _():
    return dict(f=two_outputs, steps=[(rnd(n, n),) for n in (3, 2, 3, 1)])


@scenario("two_args_wrt_tuple")
def _():
    return dict(f=two_args, wrt=(0, 1), steps=[(rnd(3, s), rnd(3, s + 1)) for s in range(4)])


@scenario("two_args_wrt_name")
def _():
    return dict(f=two_args, wrt="y", steps=[(rnd(3, s), rnd(3, s + 1)) for s in range(4)])


@scenario("two_args_wrt_1_broadcast")
def _():
    return dict(
        f=two_args,
        wrt=1,
        steps=[(rnd(3, 0), 0.5), (rnd(3, 1), 0.25), (rnd(3, 2), rnd(3, 3)), (rnd(3, 0), 0.5)],
    )


@scenario("user_valueerror_after_success")
def _():
    return dict(
        f=careful_log,
        steps=[
            (np.array([1.0, 2.0]),),
            (np.array([3.0, 2.0]),),
            (np.array([-5.0, 2.0]),),
            (np.array([1.0, 2.0]),),
            (np.array([-5.0, 2.0]),),
        ],
    )


@scenario("python_division_by_zero")
def _():
    return dict(f=inv_scalar, steps=[(1.0, 2.0), (3.0, 4.0), (1.0, 0.0), (1.0, 2.0), (2.0, 0.0)])


@scenario("numpy_division_by_zero_array")
def _():
    return dict(
        f=inv_scalar,
        steps=[(rnd(3, 1), rnd(3, 2)), (rnd(3, 1), np.zeros(3)), (rnd(3, 3), rnd(3, 2))],
        fd=False,
    )


@scenario("math_sqrt_at_zero")
def _():
    return dict(f=sqrt_scalar, steps=[(1.0,), (4.0,), (0.0,), (2.0,), (0.0,)], fd=False)


@scenario("math_log_domain_error")
def _():
    return dict(f=log_scalar, steps=[(1.0,), (2.0,), (-1.0,), (3.0,), (-1.0,)], fd=False)


@scenario("np_log_negative_warning")
def _():
    return dict(
        f=np_log_vec,
        steps=[
            (np.array([1.0, 2.0]),),
            (np.array([-1.0, 2.0]),),
            (np.array([-1.0, 2.0]),),
            (np.array([0.0, 2.0]),),
            (np.array([1.0, 2.0]),),
        ],
        fd=False,
        nan_anywhere=True,
    )


@scenario("shape_mismatch_after_success")
def _():
    return dict(
        f=shape_mismatch,
        steps=[
            (rnd(3, 0), rnd(3, 1)),
            (rnd(3, 0), rnd(4, 1)),
            (rnd(3, 0), rnd(3, 1)),
            (rnd(3, 0), rnd(4, 1)),
        ],
    )


@scenario("nan_and_inf_values")
def _():
    return dict(
        f=dense_tanh,
        steps=[
            (rnd(3, 0), rnd((2, 3), 1), rnd(2, 2)),
            (np.array([np.nan, 1.0, 2.0]), rnd((2, 3), 1), rnd(2, 2)),
            (np.array([np.inf, 1.0, -np.inf]), rnd((2, 3), 1), rnd(2, 2)),
            (rnd(3, 0), rnd((2, 3), 1), rnd(2, 2)),
        ],
        fd=False,
    )


@scenario("scalar_kinds_float_first")
def _():
    return dict(
        f=poly_scalar,
        steps=[
            (0.5,),
            (np.float64(0.5),),
            (np.array(0.5),),
            (np.float32(0.5),),
            (0.7,),
            (np.float64(0.7),),
            (np.array(0.7),),
            (np.float32(0.7),),
        ],
    )


@scenario("scalar_kinds_numpy_first")
def _():
    return dict(
        f=sin_scalar,
        steps=[
            (np.float64(0.5),),
            (0.5,),
            (np.float32(0.25),),
            (np.array(0.5),),
            (np.array(0.5, dtype=np.float32),),
            (0.25,),
            (np.float64(0.1),),
        ],
    )


@scenario("scalar_kinds_0d_first")
def _():
    return dict(
        f=sin_scalar,
        steps=[(np.array(0.5),), (np.float64(0.5),), (0.5,), (np.array(0.3),), (np.float64(0.2),)],
    )


@scenario("int_then_float_differentiated")
def _():
    return dict(f=poly_scalar, steps=[(1.5,), (2,), (1.5,), (True,), (2.5,)])


@scenario("int_array_after_float_array")
def _():
    return dict(
        f=relu_sq,
        steps=[
            (rnd(3, 1),),
            (np.array([1, -2, 3]),),
            (rnd(3, 2),),
            (np.array([1.0, 2.0, 3.0], dtype=np.float16),),
            (rnd(3, 3),),
        ],
    )


@scenario("complex_after_float")
def _():
    return dict(
        f=relu_sq,
        steps=[(rnd(3, 1),), (np.array([1.0 + 1j, 2.0, 3.0]),), (rnd(3, 2),), (complex(1.0, 0.0),)],
        fd=False,
    )


@scenario("function_argument_changes")
def _():
    x = rnd(3, 1)
    return dict(
        f=apply_fn,
        wrt=1,
        steps=[(square, x), (cube, x), (square, x), (np.sin, x), (np.cos, x), (cube, x)],
    )


@scenario("lambda_argument_changes")
def _():
    x = rnd(3, 1)
    return dict(
        f=apply_fn,
        wrt=1,
        steps=[(lambda v: v * 2.0, x), (lambda v: v * v, x), (lambda v: np.exp(v), x)],
    )


@scenario("string_argument_changes")
def _():
    x = rnd(4, 1)
    return dict(f=reduce_mode, steps=[(x, "sum"), (x, "mean"), (x, "sum"), (rnd(4, 2), "mean")])


@scenario("bool_flag_changes")
def _():
    x = rnd(3, 1)
    return dict(f=flagged, steps=[(x, True), (x, False), (x, True), (x, 0), (x, 1)])


@scenario("none_or_array_argument")
def _():
    x = rnd(3, 1)
    return dict(
        f=optional_shift, steps=[(x, None), (x, rnd(3, 2)), (x, None), (x, 0.5), (x, rnd(3, 4))]
    )


@scenario("tile_count_argument")
def _():
    x = rnd(2, 1)
    return dict(f=tile_n, steps=[(x, 2), (x, 3), (x, 1), (x, 2)])


@scenario("gather_index_values_change")
def _():
    x = rnd(5, 1)
    return dict(
        f=gather,
        steps=[
            (x, np.array([0, 1, 1])),
            (x, np.array([4, 4, 4])),
            (x, np.array([2, 0, 3])),
            (x, [1, 2, 3]),
            (x, np.array([0, 1, 1])),
        ],
    )


@scenario("bool_mask_argument_values_change")
def _():
    x = rnd(4, 1)
    return dict(
        f=masked,
        steps=[
            (x, np.array([True, False, True, False])),
            (x, np.array([True, True, True, False])),
            (x, np.array([False] * 4)),
            (x, np.array([True] * 4)),
            (x, np.array([True, False, True, False])),
        ],
    )


@scenario("passive_array_decides_branch")
def _():
    x = rnd(3, 1)
    return dict(
        f=branch_on_y,
        steps=[
            (x, np.array([1.0, 2.0, 3.0])),
            (x, np.array([-1.0, 2.0, 3.0])),
            (x, np.array([1.0, 2.0, 3.0])),
        ],
    )


@scenario("print_every_call")
def _():
    return dict(f=printing, steps=[(rnd(3, s),) for s in range(3)] + [(rnd(2, 9),), (rnd(3, 0),)])


@scenario("float32_input_float64_global")
def _():
    return dict(
        f=float32_mix,
        steps=[(rnd(3, 1, np.float32),), (rnd(3, 2),), (rnd(3, 3, np.float32),)],
        fd=False,
    )


@scenario("cross_entropy_labels_change")
def _():
    logits = rnd((3, 4), 1)
    return dict(
        f=cross_entropy_rows,
        steps=[
            (logits, np.array([0, 1, 2])),
            (logits, np.array([3, 3, 0])),
            (rnd((3, 4), 2), np.array([1, 1, 1])),
            (rnd((2, 4), 2), np.array([1, 0])),
        ],
    )


@scenario("gauss_loglik_wrt_mu_sigma")
def _():
    return dict(
        f=gauss_loglik,
        wrt=(0, 1),
        steps=[
            (0.1, 1.2, rnd(5, 1)),
            (0.3, 0.7, rnd(5, 2)),
            (np.float64(0.1), np.float64(1.2), rnd(5, 1)),
            (0.1, 1.2, rnd(3, 1)),
        ],
    )


@scenario("gauss_loglik_wrt_sigma_scalar")
def _():
    return dict(
        f=gauss_loglik,
        wrt=1,
        steps=[(0.1, 1.2, rnd(5, 1)), (0.3, 0.7, rnd(5, 2)), (0.1, 2.0, rnd(2, 1))],
    )


@scenario("spring_chain_forces")
def _():
    return dict(f=spring_forces, steps=[(np.cumsum(1.0 + 0.1 * rnd(n, n)),) for n in (4, 4, 6, 4)])


@scenario("dict_output")
def _():
    return dict(f=dict_out, steps=[(rnd(3, s),) for s in range(3)] + [(rnd(2, 5),)])


@scenario("list_output")
def _():
    return dict(f=list_out, steps=[(rnd(3, s),) for s in range(3)] + [(rnd(2, 5),)])


@scenario("empty_arrays")
def _():
    return dict(
        f=empty_ok,
        steps=[(np.zeros(0),), (rnd(2, 1),), (np.zeros(0),), (np.zeros((0, 3)),), (np.zeros(0),)],
    )


@scenario("nan_safe_sqrt_where")
def _():
    return dict(
        f=nan_safe,
        steps=[
            (np.array([1.0, -1.0, 0.0]),),
            (np.array([4.0, 2.0, 9.0]),),
            (np.array([0.0, 0.0, -2.0]),),
        ],
        fd=False,
    )


@scenario("rosenbrock_terms_sizes")
def _():
    return dict(f=rosen_terms, steps=[(rnd(n, n),) for n in (2, 5, 2, 10, 5)])


@scenario("polar_wrt_theta")
def _():
    return dict(
        f=polar,
        wrt=1,
        steps=[(1.5, rnd(3, 1)), (2.0, rnd(3, 2)), (rnd(3, 3), rnd(3, 4)), (1.5, 0.3)],
    )


@scenario("rnn_steps_change")
def _():
    W = rnd((3, 3), 5) * 0.8
    return dict(f=tanh_rnn, steps=[(rnd(3, s), W, n) for s, n in enumerate([3, 0, 5, 3, 1])])


@scenario("while_newton_sqrt")
def _():
    return dict(
        f=while_newton,
        steps=[
            (np.array([2.0, 3.0]),),
            (np.array([9.0, 0.25]),),
            (np.array([2.0, 3.0]),),
            (np.array([1e6, 1.0]),),
        ],
        fd_rtol=1e-4,
    )


@scenario("break_at_value_limit")
def _():
    x = np.array([0.3, 0.2])
    return dict(f=break_loop, steps=[(x, 0.5), (x, 100.0), (x, -100.0), (x, 0.5)])


@scenario("matrix_function")
def _():
    return dict(f=matrix_fun, steps=[(rnd((2, 2), 1),), (rnd((2, 3), 2),), (rnd((2, 2), 3),)])


@scenario("inverse_times_det")
def _():
    return dict(
        f=det_inv,
        steps=[(np.eye(2) + 0.1 * rnd((2, 2), s),) for s in range(3)]
        + [(np.eye(3) + 0.1 * rnd((3, 3), 7),), (np.array([[1.0, 2.0], [2.0, 4.0]]),)],
        fd=False,
    )


@scenario("cumulative_ops")
def _():
    return dict(f=cumulative, steps=[(rnd(n, n),) for n in (3, 4, 3)])


@scenario("row_normalise")
def _():
    return dict(
        f=norm_rows, steps=[(rnd((2, 3), s),) for s in range(3)] + [(np.zeros((2, 3)),)], fd=False
    )


@scenario("many_signatures_beyond_16")
def _():
    steps = [(rnd(n, n),) for n in range(1, 21)] + [(rnd(n, n + 50),) for n in (1, 5, 19, 20)]
    return dict(f=softmax, steps=steps, fd=False)


@scenario("noncontiguous_and_fortran")
def _():
    base = rnd((4, 6), 1)
    return dict(
        f=mlp_batch,
        steps=[
            (np.ascontiguousarray(base[:, :3]), rnd((3, 4), 2), rnd((4, 2), 3)),
            (base[:, ::2], rnd((3, 4), 2), rnd((4, 2), 3)),
            (np.asfortranarray(base[:, :3]), rnd((3, 4), 2), rnd((4, 2), 3)),
            (base[::-1, 3:], rnd((3, 4), 2), rnd((4, 2), 3)),
        ],
    )


@scenario("readonly_and_byteswapped")
def _():
    ro = rnd(3, 1)
    ro.setflags(write=False)
    be = rnd(3, 2).astype(">f8")
    return dict(f=softmax, steps=[(rnd(3, 0),), (ro,), (be,), (rnd(3, 0),), (be,)])


# ---------------------------------------------------------------------------
# more programs for the dedicated tests below
# ---------------------------------------------------------------------------


def linear_map(x):
    return W_G @ x


class Cfg:
    act = staticmethod(np.tanh)
    gain = 1.0


CFG = Cfg()


def cfg_layer(x):
    return CFG.act(x) * CFG.gain


def _make_rebindable():
    s = 1.0

    def f(x):
        return s * x * x

    def set_s(v):
        nonlocal s
        s = v

    return f, set_s


closure_scalar_f, set_closure_scalar = _make_rebindable()


def mysoft(v):
    return np.log1p(np.exp(v))


def uses_mysoft(x):
    return mysoft(x) * x


def default_none(x, w=None, k=2):
    if w is None:
        w = np.ones_like(x)
    return w * x**k


def energy_terms(q, k):
    return 0.5 * k * q * q + np.cos(q)


def scalar_loss(w):
    return np.sum(np.tanh(w) ** 2) + np.sum(w**4)


def pair_loss(w, v):
    return np.sum(w * w * v) + np.sum(np.sin(w))


def chain_200(x):
    return np.sin(x[1:]) * np.cos(x[:-1]) + x[1:] ** 2


class MyArray(np.ndarray):
    pass


# ---------------------------------------------------------------------------
# dedicated tests
# ---------------------------------------------------------------------------

ALL = ["jacfwd", "jacrev", "jacobian"]


def _warning_steps():
    return [
        (
            "np_log_negative",
            np_log_vec,
            [
                (np.array([1.0, 2.0]),),
                (np.array([-1.0, 2.0]),),
                (np.array([-1.0, 2.0]),),
                (np.array([-1.0, -2.0]),),
            ],
        ),
        (
            "divide_by_zero",
            inv_scalar,
            [(rnd(3, 1), rnd(3, 2)), (rnd(3, 1), np.zeros(3)), (rnd(3, 1), np.zeros(3))],
        ),
    ]


_WARN_FIRST_CALL = (
    "a fresh {m}'s first call gives one more RuntimeWarning than the kept {m}'s later calls with the same "
    "arguments ({detail})"
)


@pytest.mark.parametrize(
    "maker, prog",
    [
        ("jacfwd", "np_log_negative"),
        ("jacrev", "np_log_negative"),
        ("jacobian", "np_log_negative"),
        ("jacfwd", "divide_by_zero"),
        ("jacrev", "divide_by_zero"),
        ("jacobian", "divide_by_zero"),
    ],
)
def test_warnings_same_on_every_call_as_fresh(maker, prog):
    """The exact warnings of a repeated call equal a fresh function's first call."""
    name, f, steps = [p for p in _warning_steps() if p[0] == prog][0]
    kept = MAKERS[maker](f)
    for i, args in enumerate(steps):
        k = run(lambda: kept(*args))
        fr = run(lambda: MAKERS[maker](f)(*args))
        assert_outcomes_same(k, fr, f"{maker} step {i}", exact_warnings=True)


def warn_log_fwd(x):
    return np.log(x) * x


def warn_log_rev(x):
    return np.log(x) * x


def warn_log_auto(x):
    return np.log(x) * x


@pytest.mark.parametrize(
    "maker, f",
    [
        ("jacfwd", warn_log_fwd),
        ("jacrev", warn_log_rev),
        ("jacobian", warn_log_auto),
    ],
    ids=["jacfwd", "jacrev", "jacobian"],
)
def test_warnings_first_and_later_calls_equal_plain_call(maker, f):
    """Each call (the first, which makes the code, and later ones on the fast path) gives
    the plain call's RuntimeWarnings, as many times (no derivative of its own warns here:
    d/dx log(x)*x = log(x) + 1 reuses log(x))."""
    x = np.array([-1.0, 2.0])
    kept = MAKERS[maker](f)
    plain = run(lambda: f(x)).warns
    calls = [run(lambda: kept(x)).warns for _ in range(3)]
    assert calls == [plain] * 3, f"plain {plain}, calls {calls}"


@pytest.mark.parametrize("maker", ALL)
@pytest.mark.parametrize(
    "prog",
    ["identity", "double", "linear_map", "constant_out", "poly_scalar_arr", "two_outputs", "dense"],
)
def test_mutating_returned_jacobian_does_not_change_next_call(maker, prog):
    f, args = {
        "identity": (identity, (rnd(3, 1),)),
        "double": (double, (rnd(3, 1),)),
        "linear_map": (linear_map, (rnd(3, 1),)),
        "constant_out": (constant_out, (rnd(2, 1),)),
        "poly_scalar_arr": (poly_scalar, (np.array(0.5),)),
        "two_outputs": (two_outputs, (rnd(3, 1),)),
        "dense": (dense_tanh, (rnd(3, 1), rnd((2, 3), 2), rnd(2, 3))),
    }[prog]
    w0 = W_G.copy()
    kept = MAKERS[maker](f)
    first = kept(*args)
    expected = MAKERS[maker](f)(*args)
    for leaf in leaves(first):
        if isinstance(leaf, np.ndarray):
            leaf[...] = 123.0
    try:
        np.testing.assert_array_equal(
            W_G, w0, err_msg="the global matrix changed through the Jacobian"
        )
        second = kept(*args)
        assert_same(second, expected)
        third = kept(*args)
        assert_same(third, expected)
    finally:
        W_G[...] = w0


@pytest.mark.parametrize("maker", ALL)
def test_mutating_input_after_call(maker):
    x = rnd(3, 1)
    W, b = rnd((2, 3), 2), rnd(2, 3)
    kept = MAKERS[maker](dense_tanh)
    kept(x, W, b)
    x[...] = [5.0, -5.0, 0.25]
    W[0, 0] = 7.0
    k = kept(x, W, b)
    assert_same(k, MAKERS[maker](dense_tanh)(x.copy(), W.copy(), b.copy()))
    # the same array object again, changed in place after a second call
    x *= -0.5
    assert_same(kept(x, W, b), MAKERS[maker](dense_tanh)(x.copy(), W.copy(), b.copy()))


@pytest.mark.parametrize("maker", ALL)
def test_keyword_then_positional_calls(maker):
    f = two_args
    x, y = rnd(3, 1), rnd(3, 2)
    kept = MAKERS[maker](f, wrt=1)
    calls = [
        ((x, y), {}),
        ((x,), {"y": y}),
        ((), {"x": x, "y": y}),
        ((x, y), {}),
        ((x * 2.0, y), {}),
        ((), {"y": y * 0.5, "x": x}),
        ((x, y * 0.5), {}),
    ]
    for args, kw in calls:
        k = run(lambda: kept(*args, **kw))
        fr = run(lambda: MAKERS[maker](f, wrt=1)(*args, **kw))
        assert_outcomes_same(k, fr, f"{maker} {args} {kw}")
        assert k.ok, k


@pytest.mark.parametrize("maker", ALL)
def test_wrong_argument_counts_after_success(maker):
    kept = MAKERS[maker](two_args)
    x, y = rnd(3, 1), rnd(3, 2)
    kept(x, y)
    kept(x, y)
    for args in [(x,), (x, y, y), (), (x, y)]:
        k = run(lambda: kept(*args))
        fr = run(lambda: MAKERS[maker](two_args)(*args))
        assert_outcomes_same(k, fr, f"{maker} {len(args)} args")
        if len(args) != 2:
            assert not k.ok, f"{maker}: {len(args)} arguments accepted: {k}"


@pytest.mark.parametrize("maker", ALL)
def test_defaults_used_then_given(maker):
    x = rnd(3, 1)
    kept = MAKERS[maker](default_none)
    for args in [(x,), (x, None), (x, rnd(3, 2)), (x,), (x, None, 3), (x, rnd(3, 2), 1), (x,)]:
        assert_outcomes_same(
            run(lambda: kept(*args)), run(lambda: MAKERS[maker](default_none)(*args)), str(args)
        )


@pytest.mark.parametrize("maker", ALL)
def test_config_object_attribute_rebound(maker):
    x = rnd(3, 1)
    kept = MAKERS[maker](cfg_layer)
    try:
        for change in [
            None,
            ("gain", 3.0),
            ("act", staticmethod(np.sin)),
            ("gain", np.float32(2.0)),
            ("act", staticmethod(cube)),
        ]:
            if change:
                setattr(Cfg, *change) if change[0] == "act" else setattr(CFG, *change)
            assert_outcomes_same(
                run(lambda: kept(x)), run(lambda: MAKERS[maker](cfg_layer)(x)), str(change)
            )
    finally:
        Cfg.act = staticmethod(np.tanh)
        CFG.gain = 1.0
        CFG.__dict__.pop("gain", None)


@pytest.mark.parametrize("maker", ALL)
def test_instance_attribute_function_rebound(maker):
    x = rnd(3, 1)
    kept = MAKERS[maker](cfg_layer)
    try:
        kept(x)
        CFG.act = np.sin  # instance attribute now shadows the class's
        k = run(lambda: kept(x))
        fr = run(lambda: MAKERS[maker](cfg_layer)(x))
        assert_outcomes_same(k, fr, "instance act")
        np.testing.assert_allclose(k.value, np.diag(np.cos(x)), rtol=1e-12)
    finally:
        CFG.__dict__.pop("act", None)


@pytest.mark.parametrize("maker", ALL)
def test_closure_scalar_rebound(maker):
    x = rnd(3, 1)
    kept = MAKERS[maker](closure_scalar_f)
    try:
        for v in [1.0, 4.0, np.float32(0.5), 2.0]:
            set_closure_scalar(v)
            assert_outcomes_same(
                run(lambda: kept(x)), run(lambda: MAKERS[maker](closure_scalar_f)(x)), str(v)
            )
    finally:
        set_closure_scalar(1.0)


@pytest.mark.parametrize("maker", ALL)
def test_user_rule_defined_between_calls(maker):
    """'defining or changing a rule drops cached derivatives'."""
    x = rnd(3, 1)
    kept = MAKERS[maker](uses_mysoft)
    kept(x)
    kept(x)
    import scipy.special

    wrong = 0.5  # a deliberately different rule, so a stale derivative shows
    ad.defjvp(mysoft, lambda d, ans, v: d * wrong)
    ad.defvjp(mysoft, lambda g, ans, v: g * wrong)
    k = run(lambda: kept(x))
    fr = run(lambda: MAKERS[maker](uses_mysoft)(x))
    ad.defjvp(mysoft, lambda d, ans, v: d * scipy.special.expit(v))
    ad.defvjp(mysoft, lambda g, ans, v: g * scipy.special.expit(v))
    assert_outcomes_same(k, fr, "after defjvp/defvjp")
    k2 = run(lambda: kept(x))
    fr2 = run(lambda: MAKERS[maker](uses_mysoft)(x))
    assert_outcomes_same(k2, fr2, "after the rule is changed again")


@pytest.mark.parametrize("maker", ALL)
def test_user_error_names_the_users_line_on_later_calls(maker):
    kept = MAKERS[maker](careful_log)
    kept(np.array([1.0, 2.0]))
    kept(np.array([2.0, 2.0]))
    line = inspect.getsourcelines(careful_log)[1] + 2  # the raise
    for i in range(2):
        with pytest.raises(Exception) as info:
            kept(np.array([-3.0, 1.0]))
        text = str(info.value) + "".join(
            f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}\n"
            for tb in _walk_tb(info.value.__traceback__)
        )
        assert f"test_jacobian_cache_independent.py:{line}" in text or "negative total" in str(
            info.value
        ), text
        assert "negative total" in str(info.value)


def _walk_tb(tb):
    while tb is not None:
        yield tb
        tb = tb.tb_next


@pytest.mark.parametrize("maker", ALL)
def test_errstate_raise_on_later_call(maker):
    kept = MAKERS[maker](np_log_vec)
    x = np.array([-1.0, 2.0])
    run(lambda: kept(np.array([1.0, 2.0])))
    run(lambda: kept(x))
    with np.errstate(invalid="raise"):
        k = run(lambda: kept(x))
        fr = run(lambda: MAKERS[maker](np_log_vec)(x))
    assert_outcomes_same(k, fr, "errstate raise")
    assert not k.ok
    assert isinstance(k.exc, (FloatingPointError, ad.S2SError)), k


@pytest.mark.parametrize("maker", ALL)
def test_warnings_as_errors_on_later_call(maker):
    kept = MAKERS[maker](np_log_vec)
    x = np.array([-1.0, 2.0])
    run(lambda: kept(x))
    run(lambda: kept(x))

    def strict(thunk):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                return ("ok", thunk())
            except Exception as e:
                return ("err", type(e), str(e))

    k = strict(lambda: kept(x))
    fr = strict(lambda: MAKERS[maker](np_log_vec)(x))
    assert k[0] == "err" and fr[0] == "err", (k, fr)
    assert k[1:] == fr[1:]


@pytest.mark.parametrize("maker", ALL)
def test_ndarray_subclass_after_plain(maker):
    x = rnd(3, 1)
    sub = x.view(MyArray)
    kept = MAKERS[maker](softmax)
    for args in [(x,), (sub,), (x,), (sub,)]:
        assert_outcomes_same(
            run(lambda: kept(*args)),
            run(lambda: MAKERS[maker](softmax)(*args)),
            type(args[0]).__name__,
        )


@pytest.mark.parametrize("maker", ALL)
def test_matrix_and_masked_array_after_plain(maker):
    x = rnd((2, 2), 1)
    kept = MAKERS[maker](matrix_fun)
    for args in [(x,), (np.ma.masked_array(x, mask=[[0, 1], [0, 0]]),), (x,)]:
        assert_outcomes_same(
            run(lambda: kept(*args)),
            run(lambda: MAKERS[maker](matrix_fun)(*args)),
            type(args[0]).__name__,
        )


@pytest.mark.parametrize("maker", ALL)
def test_list_argument_then_array(maker):
    kept = MAKERS[maker](energy_terms)
    for args in [
        (rnd(3, 1), 2.0),
        ([0.1, 0.2, 0.3], 2.0),
        (rnd(3, 1), 2.0),
        ((0.1, 0.2, 0.3), 2.0),
        (rnd(3, 1), 2.0),
    ]:
        assert_outcomes_same(
            run(lambda: kept(*args)),
            run(lambda: MAKERS[maker](energy_terms)(*args)),
            type(args[0]).__name__,
        )


@pytest.mark.parametrize("maker", ALL)
def test_k_int_then_float_then_array_passive(maker):
    q = rnd(3, 1)
    kept = MAKERS[maker](energy_terms)
    for k in [2, 2.0, 3, np.float64(2.0), np.array(2.0), rnd(3, 5), np.int64(4), 2]:
        assert_outcomes_same(
            run(lambda: kept(q, k)), run(lambda: MAKERS[maker](energy_terms)(q, k)), repr(k)
        )


@pytest.mark.parametrize("maker", ALL)
def test_threads_share_one_jacobian(maker):
    kept = MAKERS[maker](dense_tanh)
    cases = []
    for s in range(6):
        n = 2 + s % 3
        dt = np.float32 if s % 2 else np.float64
        cases.append((rnd(n, s, dt), rnd((3, n), s + 10, dt), rnd(3, s + 20, dt)))
    expected = [MAKERS[maker](dense_tanh)(*c) for c in cases]
    errors = []
    barrier = threading.Barrier(6)

    def worker(t):
        try:
            barrier.wait()
            for r in range(30):
                i = (t + r) % len(cases)
                got = kept(*cases[i])
                assert_same(got, expected[i]) if maker != "jacobian" else assert_close_trees(
                    got, expected[i], "t"
                )
        except Exception as e:
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]


@pytest.mark.parametrize("maker", ALL)
def test_threads_first_calls_concurrent(maker):
    """Many threads making the first call of a kept Jacobian at once, for several signatures."""
    for rep in range(3):
        kept = MAKERS[maker](rosen_terms)
        cases = [(rnd(n, n + rep),) for n in (2, 3, 4, 5, 3, 2, 4, 5)]
        expected = [MAKERS[maker](rosen_terms)(*c) for c in cases]
        errors = []
        barrier = threading.Barrier(len(cases))

        def worker(i):
            try:
                barrier.wait()
                for _ in range(5):
                    got = kept(*cases[i])
                    if maker == "jacobian":
                        assert_close_trees(got, expected[i], "t")
                    else:
                        assert_same(got, expected[i])
            except Exception as e:
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(cases))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:3]


# second order ------------------------------------------------------------


def _second_order_steps():
    return [
        (rnd(n, s, dt),)
        for s, (n, dt) in enumerate(
            [
                (3, np.float64),
                (3, np.float64),
                (4, np.float64),
                (3, np.float32),
                (3, np.float64),
                (1, np.float64),
            ]
        )
    ]


@pytest.mark.parametrize("kind", ["hessian", "jacfwd_grad", "jacrev_grad"])
@pytest.mark.parametrize("prog", ["scalar_loss", "rosen"])
def test_second_order_repeated(kind, prog):
    f = {"scalar_loss": scalar_loss, "rosen": lambda_rosen}[prog]
    make = {
        "hessian": lambda: ad.hessian(f),
        "jacfwd_grad": lambda: ad.jacfwd(ad.grad(f)),
        "jacrev_grad": lambda: ad.jacrev(ad.grad(f)),
    }[kind]
    kept = make()
    steps = (
        _second_order_steps() if prog == "scalar_loss" else [(rnd(n, n),) for n in (2, 3, 2, 5, 3)]
    )
    for i, args in enumerate(steps):
        k = run(lambda: kept(*args))
        fr = run(lambda: make()(*args))
        assert_outcomes_same(k, fr, f"{kind} step {i}")
        if args[0].dtype == np.float64:
            g = ad.grad(f)
            x0 = args[0]
            cd = np.stack(
                [(g(x0 + 1e-6 * e) - g(x0 - 1e-6 * e)) / 2e-6 for e in np.eye(len(x0))], axis=-1
            )
            np.testing.assert_allclose(k.value, cd, rtol=1e-5, atol=1e-6)


def lambda_rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@pytest.mark.parametrize("kind", ["hessian", "jacfwd_grad", "jacrev_grad"])
def test_second_order_wrt_tuple(kind):
    f = pair_loss
    make = {
        "hessian": lambda: ad.hessian(f, wrt=(0, 1)),
        "jacfwd_grad": lambda: ad.jacfwd(ad.grad(f, wrt=(0, 1)), wrt=(0, 1)),
        "jacrev_grad": lambda: ad.jacrev(ad.grad(f, wrt=(0, 1)), wrt=(0, 1)),
    }[kind]
    kept = make()
    for s, n in enumerate([2, 2, 3, 2]):
        args = (rnd(n, s), rnd(n, s + 1))
        assert_outcomes_same(
            run(lambda: kept(*args)), run(lambda: make()(*args)), f"{kind} step {s}"
        )


@pytest.mark.parametrize("kind", ["hessian", "jacfwd_grad", "jacrev_grad"])
def test_second_order_global_rebound(kind):
    f = scaled_loss
    make = {
        "hessian": lambda: ad.hessian(f),
        "jacfwd_grad": lambda: ad.jacfwd(ad.grad(f)),
        "jacrev_grad": lambda: ad.jacrev(ad.grad(f)),
    }[kind]
    kept = make()
    x = rnd(3, 1)
    try:
        for v in [2.0, 5.0, np.float32(0.5)]:
            globals()["SCALE"] = v
            assert_outcomes_same(run(lambda: kept(x)), run(lambda: make()(x)), f"SCALE={v}")
        globals()["HELPER"] = helper_b
        assert_outcomes_same(run(lambda: kept(x)), run(lambda: make()(x)), "HELPER=helper_b")
    finally:
        globals()["SCALE"] = 2.0
        globals()["HELPER"] = helper_a


def scaled_loss(x):
    return SCALE * np.sum(HELPER(x))


# jit -----------------------------------------------------------------------

numba = pytest.importorskip


@pytest.mark.parametrize("maker", ["jacfwd", "jacrev"])
@pytest.mark.parametrize(
    "prog", ["chain", "softmax", "rk4", "global_const", "global_array", "scalar"]
)
def test_jit_repeated_calls(maker, prog):
    pytest.importorskip("numba")
    x = rnd(5, 1)
    spec = {
        "chain": (chain_200, [(rnd(n, n),) for n in (5, 5, 7, 5)], []),
        "softmax": (softmax, [(rnd(n, n),) for n in (3, 3, 4, 3)] + [(rnd(3, 9, np.float32),)], []),
        "rk4": (rk4_decay, [(rnd(3, 0, lo=0.1), 0.1, n) for n in (3, 0, 5, 3)], []),
        "global_const": (scaled, [(x,), _set("SCALE", 7.0), (x,), _set("SCALE", 2.0), (x,)], []),
        "global_array": (
            global_linear,
            [(rnd(3, 1),), "bump", (rnd(3, 1),), "restore", (rnd(3, 1),)],
            [],
        ),
        "scalar": (
            poly_scalar,
            [(0.5,), (0.7,), (np.float64(0.5),), (np.float32(0.5),), (0.5,)],
            [],
        ),
    }[prog]
    f, steps, _ = spec
    w0 = W_G.copy()

    def bump():
        W_G[...] = W_G * 2.0 - 1.0

    def restore():
        W_G[...] = w0

    steps = [bump if s == "bump" else restore if s == "restore" else s for s in steps]
    kept = MAKERS[maker](f, jit=True)
    try:
        for i, step in enumerate(steps):
            if callable(step):
                step()
                continue
            k = run(lambda: kept(*step))
            fr = run(lambda: MAKERS[maker](f, jit=True)(*step))
            nojit = run(lambda: MAKERS[maker](f)(*step))
            assert_outcomes_same(k, fr, f"jit {maker} step {i}")
            assert k.ok, k
            assert_close_trees(k.value, nojit.value, f"jit against NumPy, step {i}")
    finally:
        restore()
        globals()["SCALE"] = 2.0


# ---------------------------------------------------------------------------
# passive arguments whose *values* (not types) change what the code must do
# ---------------------------------------------------------------------------


class Activation:
    def __init__(self, fn):
        self.fn = fn

    def __call__(self, v):
        return self.fn(v)


class Scaler:
    def __init__(self, k):
        self.k = k

    def apply(self, v):
        return self.k * v * v


def with_callable_object(act, x):
    return act(x) * 2.0


def with_bound_method(method, x):
    return method(x) + x


def net_layers(x, layers):
    for W, b in layers:
        x = np.tanh(W @ x + b)
    return x


def dict_params(x, p):
    out = x * p["a"]
    if "b" in p:
        out = out + np.sin(x) * p["b"]
    return out


def reshaped(x, shape):
    return np.tanh(x.reshape(shape)) * 2.0


def reshape_rows(x, n):
    return np.cos(x.reshape(n, -1))


def zeros_pad(x, n):
    z = np.zeros(n)
    return np.concatenate([x * x, z])


def einsum_spec(x, spec):
    return np.einsum(spec, x, x)


def sum_axis(X, ax):
    return np.sum(X**2, axis=ax)


def cumsum_axis(X, ax):
    return np.cumsum(np.sin(X), axis=ax)


def mean_keep(X, ax, keep):
    return np.mean(X * X, axis=ax, keepdims=keep)


def transpose_axes(X, axes):
    return np.transpose(X, axes) * X.sum()


def step_slice(x, step):
    return x[::step] * x[0]


def take_idx(x, i):
    return x[i] * x


def clip_bounds(x, lo, hi):
    return np.clip(x, lo, hi) ** 2


def poly_degree(x, deg):
    return x**deg


def select_by_label(x, label):
    table = {"relu": np.maximum(x, 0.0), "sq": x * x}
    return table[label]


@scenario("callable_objects_differ_by_attribute")
def _():
    x = rnd(3, 1)
    return dict(
        f=with_callable_object,
        wrt=1,
        steps=[
            (Activation(np.tanh), x),
            (Activation(np.sin), x),
            (Activation(cube), x),
            (Activation(np.tanh), x),
        ],
    )


@scenario("bound_methods_of_different_objects")
def _():
    x = rnd(3, 1)
    a, b = Scaler(2.0), Scaler(-3.0)
    return dict(f=with_bound_method, wrt=1, steps=[(a.apply, x), (b.apply, x), (a.apply, x)])


@scenario("partial_functions_differ")
def _():
    import functools

    x = rnd(3, 1)
    return dict(
        f=apply_fn,
        wrt=1,
        steps=[
            (functools.partial(poly_degree, deg=2), x),
            (functools.partial(poly_degree, deg=3), x),
            (functools.partial(with_default, c=5.0), x),
        ],
    )


@scenario("layer_list_lengths_change")
def _():
    l2 = [(rnd((3, 3), 1), rnd(3, 2)), (rnd((3, 3), 3), rnd(3, 4))]
    l3 = l2 + [(rnd((3, 3), 5), rnd(3, 6))]
    l1 = l2[:1]
    x = rnd(3, 0)
    return dict(f=net_layers, steps=[(x, l2), (x, l3), (x, l1), (x, l2), (x, []), (x, tuple(l3))])


@scenario("layer_list_shapes_change")
def _():
    la = [(rnd((3, 3), 1), rnd(3, 2))]
    lb = [(rnd((2, 3), 1), rnd(2, 2))]
    x = rnd(3, 0)
    return dict(f=net_layers, steps=[(x, la), (x, lb), (x, la)])


@scenario("dict_passive_keys_change")
def _():
    x = rnd(3, 0)
    return dict(
        f=dict_params,
        steps=[
            (x, {"a": 2.0}),
            (x, {"a": 2.0, "b": 3.0}),
            (x, {"a": 1.0}),
            (x, {"a": rnd(3, 2), "b": 1.0}),
        ],
    )


@scenario("reshape_to_tuple_argument")
def _():
    x = rnd(6, 0)
    return dict(
        f=reshaped,
        steps=[(x, (2, 3)), (x, (3, 2)), (x, (6,)), (x, (1, 6)), (x, (2, 3)), (x, [3, 2])],
    )


@scenario("reshape_rows_int_argument")
def _():
    x = rnd(6, 0)
    return dict(f=reshape_rows, steps=[(x, 2), (x, 3), (x, 6), (x, 1), (x, 2)])


@scenario("zeros_of_int_size")
def _():
    x = rnd(2, 0)
    return dict(f=zeros_pad, steps=[(x, 1), (x, 3), (x, 0), (x, 1)])


@scenario("einsum_spec_string")
def _():
    x = rnd(3, 0)
    return dict(f=einsum_spec, steps=[(x, "i,i->i"), (x, "i,j->ij"), (x, "i,i->"), (x, "i,i->i")])


@scenario("sum_over_int_axis")
def _():
    X = rnd((2, 3), 0)
    return dict(f=sum_axis, steps=[(X, 0), (X, 1), (X, -1), (X, 0), (X, None)])


@scenario("cumsum_over_int_axis")
def _():
    X = rnd((2, 3), 0)
    return dict(f=cumsum_axis, steps=[(X, 0), (X, 1), (X, 0), (X, np.int64(1))])


@scenario("mean_axis_keepdims_flags")
def _():
    X = rnd((2, 3), 0)
    return dict(
        f=mean_keep, steps=[(X, 0, False), (X, 0, True), (X, 1, True), (X, 1, False), (X, 0, False)]
    )


@scenario("transpose_axes_tuple")
def _():
    X = rnd((2, 3, 2), 0)
    return dict(
        f=transpose_axes, steps=[(X, (0, 1, 2)), (X, (2, 1, 0)), (X, (1, 0, 2)), (X, (0, 1, 2))]
    )


@scenario("slice_step_int")
def _():
    x = rnd(6, 0)
    return dict(f=step_slice, steps=[(x, 1), (x, 2), (x, 3), (x, -1), (x, 1)])


@scenario("index_int_changes")
def _():
    x = rnd(4, 0)
    return dict(f=take_idx, steps=[(x, 0), (x, 3), (x, -1), (x, 1), (x, slice(1, 3)), (x, 0)])


@scenario("clip_bounds_change")
def _():
    x = rnd(5, 0)
    return dict(
        f=clip_bounds,
        steps=[(x, -0.5, 0.5), (x, -2.0, 2.0), (x, 0.0, 0.1), (x, -0.5, 0.5)],
        fd=False,
    )


@scenario("power_degree_int_float")
def _():
    x = rnd(3, 0, lo=0.2, hi=1.0)
    return dict(f=poly_degree, steps=[(x, 2), (x, 3), (x, 0), (x, 1), (x, 2.5), (x, -1), (x, 2)])


@scenario("label_string_selects_expression")
def _():
    x = rnd(4, 0)
    return dict(f=select_by_label, steps=[(x, "relu"), (x, "sq"), (x, "relu")])


def kwonly_scale(x, *, scale=2.0):
    return scale * np.sin(x)


def helper_with_default(v, p=2.0):
    return v**p


def uses_helper_default(x):
    return helper_with_default(x) + x


def default_array(x, w=np.ones(3)):
    return w * np.exp(x)


def mixed_static_output(x):
    return x * 2.0, len(x)


def same_array_twice(a, b):
    return a * b + np.sin(a)


def returns_passive(x, y):
    return x * 2.0, y


@scenario("keyword_only_default_then_given")
def _():
    x = rnd(3, 1)
    # calls with scale=... go through steps that are callables below
    return dict(f=kwonly_scale, steps=[(x,), (x,), (rnd(3, 2),)])


@scenario("helper_defaults_changed")
def _():
    x = rnd(3, 1, lo=0.2)

    def setd(v):
        def step():
            helper_with_default.__defaults__ = (v,)

        return step

    return dict(
        f=uses_helper_default,
        steps=[(x,), setd(3.0), (x,), setd(1.5), (x,), setd(2.0), (x,)],
        cleanup=setd(2.0),
    )


@scenario("default_array_updated_in_place")
def _():
    x = rnd(3, 1)
    w = default_array.__defaults__[0]

    def bump():
        w[...] = [1.0, -2.0, 0.5]

    def restore():
        w[...] = 1.0

    return dict(f=default_array, steps=[(x,), bump, (x,), restore, (x,)], cleanup=restore)


@scenario("static_leaf_in_output")
def _():
    return dict(f=mixed_static_output, steps=[(rnd(n, n),) for n in (3, 3, 2, 3)], fd=False)


@scenario("same_array_passed_twice")
def _():
    x, y = rnd(3, 1), rnd(3, 2)
    return dict(f=same_array_twice, steps=[(x, x), (x, y), (x, x), (y, x)])


@scenario("returns_passive_argument")
def _():
    return dict(f=returns_passive, steps=[(rnd(2, s), rnd(3, s)) for s in range(3)], fd=False)


@scenario("wrt_negative_index")
def _():
    return dict(f=two_args, wrt=-1, steps=[(rnd(3, s), rnd(3, s + 1)) for s in range(3)], fd=False)


@pytest.mark.parametrize("maker", ALL)
def test_keyword_only_argument_given_then_defaulted(maker):
    x = rnd(3, 1)
    kept = MAKERS[maker](kwonly_scale)
    for kw in [{}, {}, {"scale": 5.0}, {}, {"scale": 5.0}, {}]:
        assert_outcomes_same(
            run(lambda: kept(x, **kw)), run(lambda: MAKERS[maker](kwonly_scale)(x, **kw)), str(kw)
        )


@pytest.mark.parametrize("maker", ALL)
def test_kwdefaults_changed(maker):
    x = rnd(3, 1)
    kept = MAKERS[maker](kwonly_scale)
    try:
        for v in [2.0, 7.0, 2.0]:
            kwonly_scale.__kwdefaults__ = {"scale": v}
            k = run(lambda: kept(x))
            assert_outcomes_same(k, run(lambda: MAKERS[maker](kwonly_scale)(x)), str(v))
            np.testing.assert_allclose(k.value, np.diag(v * np.cos(x)), rtol=1e-12)
    finally:
        kwonly_scale.__kwdefaults__ = {"scale": 2.0}


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobian_explicit_modes_repeated(mode):
    kept = ad.jacobian(rosen_terms, mode=mode)
    for n in (3, 4, 3, 6, 4):
        x = rnd(n, n)
        k = run(lambda: kept(x))
        fr = run(lambda: ad.jacobian(rosen_terms, mode=mode)(x))
        if mode == "auto":
            assert_close_trees(k.value, fr.value, "auto")
        else:
            assert_outcomes_same(k, fr, f"{mode} n={n}")


def code_swap_fwd(x):
    return x * 2.0


def code_swap_rev(x):
    return x * 2.0


def code_swap_auto(x):
    return x * 2.0


def _code_x5():
    def code_swap_fwd(x):
        return x * 5.0

    def code_swap_rev(x):
        return x * 5.0

    def code_swap_auto(x):
        return x * 5.0

    return {
        "jacfwd": code_swap_fwd.__code__,
        "jacrev": code_swap_rev.__code__,
        "jacobian": code_swap_auto.__code__,
    }


CODE_X5 = _code_x5()
CODE_SWAP_F = {"jacfwd": code_swap_fwd, "jacrev": code_swap_rev, "jacobian": code_swap_auto}


@pytest.mark.parametrize(
    "maker, who",
    [
        ("jacfwd", "kept"),
        ("jacfwd", "fresh"),
        ("jacrev", "kept"),
        ("jacrev", "fresh"),
        ("jacobian", "kept"),
        ("jacobian", "fresh"),
    ],
)
def test_code_replaced_between_calls(maker, who):
    """README: a derivative is cached per function object *and code*."""
    f = CODE_SWAP_F[maker]
    old = f.__code__
    x = np.array([1.0, 2.0])
    kept = MAKERS[maker](f)
    try:
        np.testing.assert_array_equal(kept(x), 2.0 * np.eye(2))
        kept(x)
        f.__code__ = CODE_X5[maker]
        got = kept(x) if who == "kept" else MAKERS[maker](f)(x)
        np.testing.assert_array_equal(got, 5.0 * np.eye(2))
    finally:
        f.__code__ = old


def frac_power(x, p):
    return x**p + x


def frac_power_vec(x, p):
    return np.array([x**p, x * 2.0])


def scale_list(x, s):
    return x * s


@scenario("complex_result_at_runtime_scalar")
def _():
    return dict(
        f=frac_power,
        steps=[(8.0, 0.5), (4.0, 0.5), (-8.0, 0.5), (9.0, 0.5), (-8.0, 1.0 / 3.0)],
        fd=False,
    )


@scenario("complex_result_at_runtime_array_output")
def _():
    return dict(
        f=frac_power_vec,
        steps=[(8.0, 0.5), (4.0, 0.5), (-8.0, 0.5), (9.0, 0.5), (-8.0, 0.5)],
        fd=False,
    )


@scenario("wrong_kinds_for_differentiated_argument")
def _():
    return dict(
        f=scale_list,
        steps=[
            (rnd(3, 1), 2.0),
            (None, 2.0),
            (rnd(3, 1), 2.0),
            ("abc", 2.0),
            (rnd(3, 1), 2.0),
            (np.array(["a", "b", "c"]), 2.0),
            (rnd(3, 1), 2.0),
            (np.array([1.0, 2.0, 3.0], dtype=object), 2.0),
            (rnd(3, 1), 2.0),
        ],
        fd=False,
    )


@pytest.mark.parametrize("maker", ALL)
def test_results_of_two_calls_do_not_share_memory(maker):
    kept = MAKERS[maker](double)
    x = rnd(3, 1)
    a, b = kept(x), kept(x)
    assert a is not b and not np.shares_memory(a, b)
    c = MAKERS[maker](identity)(x)
    d = MAKERS[maker](identity)(x)
    assert not np.shares_memory(c, d)
    assert not np.shares_memory(a, x)


@pytest.mark.parametrize("maker", ALL)
@pytest.mark.parametrize("who", ["fresh", "kept"])
def test_complex_scalar_result_is_refused(maker, who):
    kept = MAKERS[maker](frac_power)
    if who == "kept":
        kept(8.0, 0.5)
        kept(4.0, 0.5)
    with pytest.raises(ad.S2SError, match="complex"):
        kept(-8.0, 0.5)


def dtype_by_value(x):
    if x[0] > 0:
        return (x * 2.0).astype(np.float32)
    return x * 3.0


def scalar_kind_by_value(x):
    if x > 0:
        return float(x * x)
    return np.float64(x) * 3.0


def out_rank_by_value(x):
    if x[0] > 0:
        return np.outer(x, x)
    return x * x


@scenario("output_dtype_depends_on_value")
def _():
    return dict(
        f=dtype_by_value,
        steps=[
            (np.array([1.0, 2.0]),),
            (np.array([-1.0, 2.0]),),
            (np.array([1.0, 3.0]),),
            (np.array([-2.0, 2.0]),),
        ],
        fd=False,
    )


@scenario("output_scalar_kind_depends_on_value")
def _():
    return dict(
        f=scalar_kind_by_value,
        steps=[(0.5,), (-0.5,), (0.25,), (-0.25,), (np.float64(0.5),), (np.float64(-0.5),)],
    )


@scenario("output_rank_depends_on_value")
def _():
    return dict(
        f=out_rank_by_value,
        steps=[
            (np.array([1.0, 2.0]),),
            (np.array([-1.0, 2.0]),),
            (np.array([1.0, 3.0]),),
            (np.array([-2.0, 2.0]),),
        ],
    )


class Model:
    def __init__(self, W, b):
        self.W, self.b = W, b

    def forward(self, x):
        return np.tanh(self.W @ x + self.b)


MODEL = Model(rnd((2, 3), 1), rnd(2, 2))


@scenario("bound_method_model_weights_rebound")
def _():
    W0, b0 = MODEL.W, MODEL.b

    def rebind_same_shape():
        MODEL.W = rnd((2, 3), 7)

    def rebind_new_shape():
        MODEL.W, MODEL.b = rnd((4, 3), 8), rnd(4, 9)

    def update_in_place():
        MODEL.W[...] = 0.5

    def restore():
        MODEL.W, MODEL.b = W0, b0

    x = rnd(3, 0)
    return dict(
        f=MODEL.forward,
        steps=[
            (x,),
            (x,),
            rebind_same_shape,
            (x,),
            rebind_new_shape,
            (x,),
            (x,),
            update_in_place,
            (x,),
            restore,
            (x,),
        ],
        cleanup=restore,
    )


@pytest.mark.parametrize("maker", ["jacfwd", "jacobian", "jacrev"])
def test_wrt_repeated_index(maker):
    x, y = rnd(3, 0), rnd(3, 1)
    kept = MAKERS[maker](two_args, wrt=(0, 0))
    expected = ad.jacrev(two_args, wrt=0)(x, y)
    for _ in range(3):
        try:
            got = kept(x, y)
        except ad.S2SError:
            continue  # a located refusal would be fine
        assert isinstance(got, tuple) and len(got) == 2
        for block in got:
            np.testing.assert_allclose(block, expected, rtol=1e-12)


# ---------------------------------------------------------------------------
# the scenario runner (last, so that every scenario above is collected)
# ---------------------------------------------------------------------------
XFAIL = {}


def _param(name):
    if name in XFAIL:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=XFAIL[name]), id=name)
    return pytest.param(name, id=name)


@pytest.mark.parametrize("name", [_param(n) for n in SCENARIOS])
def test_program(name):
    spec = SCENARIOS[name]()
    cleanup = spec.pop("cleanup", None)
    f, steps = spec.pop("f"), spec.pop("steps")
    try:
        check_program(f, steps, **spec)
    finally:
        if cleanup is not None:
            cleanup()
