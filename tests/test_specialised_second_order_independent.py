# ruff: noqa: SIM108, B007, RUF005, E501
# (user code as people write it: if-blocks, zip, unused loop names are what is tested)
"""Second derivatives and jacrev through code specialised to the arguments' shapes and dtypes.

By an independent tester who read only the README and issue 19 (not s2s_ad's source or its
other tests). Each program of tests/specialised_second_order_programs_independent.py is
differentiated with several argument signatures, in a fixed order and alternating, by one
`hessian(f)` / `jacrev(f)` object kept across the calls, and each result is checked against
central differences of `grad`, against `jacfwd(grad(f))`, for symmetry, against the
shape-generic route (the same function reached through a tuple argument, which is not
specialised), and `value_and_grad`'s value against the plain call.
"""

import numpy as np
import pytest
from specialised_second_order_programs_independent import SCALAR, VECTOR

import s2s_ad as ad

H_STEP = 1e-5


# ----------------------------------------------------------------- helpers


def _is_float32(v):
    return isinstance(v, (np.ndarray, np.floating)) and np.asarray(v).dtype == np.float32


def _any_float32(args):
    return any(_is_float32(a) for a in args)


def _upcast(args):
    out = []
    for a in args:
        if _is_float32(a):
            a = np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else np.float64(a)
        out.append(a)
    return tuple(out)


def _as_tuple(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


def _bump(args, j, k, h):
    """args with the k-th element of argument j moved by h (float64 arithmetic)."""
    a = list(args)
    v = a[j]
    if isinstance(v, np.ndarray):
        w = v.astype(np.float64, copy=True)
        w.reshape(-1)[k] += h
        a[j] = w.astype(v.dtype) if v.dtype != np.float64 else w
    else:
        a[j] = type(v)(v + h) if isinstance(v, np.floating) else float(v) + h
    return tuple(a)


def _size(v):
    return np.asarray(v).size


def _shape(v):
    return np.shape(v)


def central_hessian(f, wrt, args):
    """Blocks H[i][j] = d grad_i / d arg_j by central differences of ad.grad (float64 args)."""
    wrts = _as_tuple(wrt)
    g = ad.grad(f, wrt=wrts)
    blocks = [[None] * len(wrts) for _ in wrts]
    for bj, j in enumerate(wrts):
        n = _size(args[j])
        cols = [[] for _ in wrts]
        for k in range(n):
            gp = g(*_bump(args, j, k, H_STEP))
            gm = g(*_bump(args, j, k, -H_STEP))
            for bi in range(len(wrts)):
                cols[bi].append(
                    (np.asarray(gp[bi], float) - np.asarray(gm[bi], float)) / (2 * H_STEP)
                )
        for bi, i in enumerate(wrts):
            shape_i, shape_j = _shape(args[i]), _shape(args[j])
            if n == 0:
                blocks[bi][bj] = np.zeros(shape_i + shape_j)
            else:
                m = np.stack(cols[bi], axis=-1)  # shape_i + (n,)
                blocks[bi][bj] = m.reshape(shape_i + shape_j)
    return blocks


def blocks_of(h, wrt):
    """The hessian's result as a list of lists of arrays."""
    if isinstance(wrt, tuple):
        return [[np.asarray(h[i][j]) for j in range(len(wrt))] for i in range(len(wrt))]
    return [[np.asarray(h)]]


def assert_close(got, want, rtol, atol, what):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


def flat_square(b, shape_i, shape_j):
    return np.asarray(b).reshape(int(np.prod(shape_i, dtype=int)), int(np.prod(shape_j, dtype=int)))


def check_scalar_program(f, wrt, args, hess_obj, tag):
    """Every second-order check on one call; returns the Hessian blocks."""
    wrts = _as_tuple(wrt)
    f32 = _any_float32(args)
    # value_and_grad's value equals the plain call, bit for bit
    val, _ = ad.value_and_grad(f, wrt=wrt)(*args)
    plain = f(*args)
    assert np.asarray(val).dtype == np.asarray(plain).dtype, f"{tag}: value dtype"
    assert np.array_equal(np.asarray(val), np.asarray(plain)), f"{tag}: value {val} != {plain}"

    h = hess_obj(*args)
    hb = blocks_of(h, wrt)
    for bi, i in enumerate(wrts):
        for bj, j in enumerate(wrts):
            assert np.shape(hb[bi][bj]) == _shape(args[i]) + _shape(args[j]), f"{tag}: block shape"

    if f32:
        ref_args = _upcast(args)
        ref = blocks_of(ad.hessian(f, wrt=wrt)(*ref_args), wrt)
        rtol, atol = 2e-3, 2e-3
    else:
        ref_args = args
        ref = central_hessian(f, wrt, args)
        rtol, atol = 1e-6, 1e-6
    for bi in range(len(wrts)):
        for bj in range(len(wrts)):
            scale = max(1.0, float(np.max(np.abs(ref[bi][bj]), initial=0.0)))
            assert_close(
                hb[bi][bj], ref[bi][bj], rtol, atol * scale, f"{tag}: H[{bi}][{bj}] vs reference"
            )

    # symmetry
    for bi, i in enumerate(wrts):
        for bj, j in enumerate(wrts):
            a = flat_square(hb[bi][bj], _shape(args[i]), _shape(args[j]))
            b = flat_square(hb[bj][bi], _shape(args[j]), _shape(args[i])).T
            tol = 1e-4 if f32 else 1e-10
            assert_close(
                a, b, tol, tol * max(1.0, float(np.max(np.abs(a), initial=0.0))), f"{tag}: symmetry"
            )

    # jacfwd(grad(f)) agrees
    jg = ad.jacfwd(ad.grad(f, wrt=wrt), wrt=wrt)(*args)
    if isinstance(wrt, tuple):
        jb = [[np.asarray(jg[i][j]) for j in range(len(wrts))] for i in range(len(wrts))]
    else:
        jb = [[np.asarray(jg)]]
    tol = 1e-5 if f32 else 1e-11
    for bi in range(len(wrts)):
        for bj in range(len(wrts)):
            s = max(1.0, float(np.max(np.abs(hb[bi][bj]), initial=0.0)))
            assert_close(jb[bi][bj], hb[bi][bj], tol, tol * s, f"{tag}: jacfwd(grad) vs hessian")

    # hvp agrees with H @ v (all arguments are primals of hvp; v zero off wrt)
    if not f32:
        rng = np.random.default_rng(7)
        tangents = []
        for p, a in enumerate(args):
            if p in wrts:
                tangents.append(
                    rng.standard_normal(_shape(a))
                    if isinstance(a, np.ndarray)
                    else float(rng.standard_normal())
                )
            elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
                tangents.append(np.zeros_like(a))
            elif isinstance(a, float):
                tangents.append(0.0)
            else:
                tangents.append(None)
        _, hv = ad.hvp(f, tuple(args), tuple(tangents))
        hv = hv if isinstance(hv, tuple) else (hv,)
        for bi, i in enumerate(wrts):
            want = 0.0
            for bj, j in enumerate(wrts):
                m = flat_square(hb[bi][bj], _shape(args[i]), _shape(args[j]))
                want = want + m @ np.asarray(tangents[j], float).reshape(-1)
            want = np.asarray(want).reshape(_shape(args[i]))
            s = max(1.0, float(np.max(np.abs(want), initial=0.0)))
            assert_close(hv[i], want, 1e-10, 1e-10 * s, f"{tag}: hvp vs H v")
    return hb


def _label(sig_index):
    return f"sig{sig_index}"


# ----------------------------------------------------------------- scalar programs: hessian

SCALAR_IDS = [p[0] for p in SCALAR]


@pytest.mark.parametrize("prog", SCALAR, ids=SCALAR_IDS)
def test_hessian_every_signature_in_order(prog):
    name, f, wrt, sigs = prog
    h = ad.hessian(f, wrt=wrt)
    for s, make in enumerate(sigs):
        check_scalar_program(f, wrt, make(), h, f"{name} {_label(s)}")


@pytest.mark.parametrize("prog", SCALAR, ids=SCALAR_IDS)
def test_hessian_alternating_signatures_reused_object(prog):
    """One hessian object, the signatures called in the order 0,1,0,2,1,0,... against a fresh one."""
    name, f, wrt, sigs = prog
    h = ad.hessian(f, wrt=wrt)
    order = [0] + [i for s in range(1, len(sigs)) for i in (s, 0, s)] + list(range(len(sigs)))[::-1]
    first = {}
    for s in order:
        args = sigs[s]()
        got = blocks_of(h(*args), wrt)
        if s in first:
            for bi in range(len(got)):
                for bj in range(len(got)):
                    assert np.array_equal(got[bi][bj], first[s][bi][bj]), (
                        f"{name} sig{s}: changed on a later call"
                    )
                    assert got[bi][bj].dtype == first[s][bi][bj].dtype
        else:
            first[s] = got
    # a fresh transformation per signature agrees bit for bit with the reused one
    for s in range(len(sigs)):
        fresh = blocks_of(ad.hessian(f, wrt=wrt)(*sigs[s]()), wrt)
        for bi in range(len(fresh)):
            for bj in range(len(fresh)):
                assert np.array_equal(fresh[bi][bj], first[s][bi][bj]), (
                    f"{name} sig{s}: fresh != reused"
                )


def _wrapper(f, n):
    """A new function object calling f as a helper (named parameters: *args is refused)."""
    if n == 1:

        def g(a0):
            return f(a0)
    elif n == 2:

        def g(a0, a1):
            return f(a0, a1)
    elif n == 3:

        def g(a0, a1, a2):
            return f(a0, a1, a2)
    elif n == 4:

        def g(a0, a1, a2, a3):
            return f(a0, a1, a2, a3)
    else:

        def g(a0, a1, a2, a3, a4):
            return f(a0, a1, a2, a3, a4)

    return g


@pytest.mark.parametrize("prog", SCALAR, ids=SCALAR_IDS)
def test_hessian_reverse_order_first_call(prog):
    """The last signature called first, through a new wrapper (nothing cached for it yet)."""
    name, f, wrt, sigs = prog
    h1 = ad.hessian(f, wrt=wrt)
    wrapped = {}
    for s in reversed(range(len(sigs))):
        n = len(sigs[s]())
        if n not in wrapped:
            wrapped[n] = ad.hessian(_wrapper(f, n), wrt=wrt)
        a = blocks_of(wrapped[n](*sigs[s]()), wrt)
        b = blocks_of(h1(*sigs[s]()), wrt)
        for bi in range(len(a)):
            for bj in range(len(a)):
                s_ = max(1.0, float(np.max(np.abs(b[bi][bj]), initial=0.0)))
                assert_close(a[bi][bj], b[bi][bj], 1e-12, 1e-12 * s_, f"{name} sig{s}: via wrapper")


@pytest.mark.parametrize("prog", SCALAR, ids=SCALAR_IDS)
def test_hessian_equals_structure_route(prog):
    """The specialised code gives the numbers of the generic, structured route."""
    name, f, wrt, sigs = prog
    wrts = _as_tuple(wrt)
    h = ad.hessian(f, wrt=wrt)
    for s, make in enumerate(sigs):
        args = make()
        if _any_float32(args):
            continue
        spec = blocks_of(h(*args), wrt)
        gb = central_hessian(f, wrt, args)  # reference for the structured route too
        try:
            gen = _generic_route_explicit(f, wrt, args)
        except _Skip:
            continue
        for bi in range(len(wrts)):
            for bj in range(len(wrts)):
                sc = max(1.0, float(np.max(np.abs(gb[bi][bj]), initial=0.0)))
                assert_close(
                    gen[bi][bj],
                    gb[bi][bj],
                    1e-6,
                    1e-6 * sc,
                    f"{name} sig{s}: structured route vs differences",
                )
                assert_close(
                    spec[bi][bj],
                    gen[bi][bj],
                    1e-12,
                    1e-12 * sc,
                    f"{name} sig{s}: specialised vs structured",
                )


class _Skip(Exception):
    pass


def _generic_route_explicit(f, wrt, args):
    """Hessian through a dict argument: d = {'a0': ..., ...}; f(d['a0'], d['a1'], ...)."""
    n = len(args)
    wrts = _as_tuple(wrt)
    callers = {
        1: lambda d: f(d["a0"]),
        2: lambda d: f(d["a0"], d["a1"]),
        3: lambda d: f(d["a0"], d["a1"], d["a2"]),
        4: lambda d: f(d["a0"], d["a1"], d["a2"], d["a3"]),
        5: lambda d: f(d["a0"], d["a1"], d["a2"], d["a3"], d["a4"]),
    }
    if n not in callers:
        raise _Skip
    d = {f"a{i}": args[i] for i in range(n)}
    # only the wrt entries may be floats that vary; the dict's other float leaves get
    # Hessian blocks of their own which we simply ignore
    hd = ad.hessian(callers[n])(d)
    out = []
    for i in wrts:
        row = []
        for j in wrts:
            row.append(np.asarray(hd[f"a{i}"][f"a{j}"]))
        out.append(row)
    return out


# ----------------------------------------------------------------- grad of grad for scalars


def s_folded(x):
    scale = 0.5
    if x > 0.0:
        if scale < 1.0:
            y = np.sin(x) * x * scale
        elif 1.5 > 1.0:
            y = x**4
        else:
            y = x
    else:
        y = np.cos(x) ** 2
    return y + x**3


def s_flag_loop(x):
    debug = False
    for i in range(3):
        if not debug:
            x = x * np.cos(x) + 0.1 * i
        else:
            x = x + 1.0
    return x * x


def s_while_break(x):
    y = x
    k = 0
    while True:
        y = np.tanh(y) + 0.2 * x
        k += 1
        if k >= 4:
            break
    return y**2


def s_helper_closure(x):
    c = 1.7

    def inner(z):
        return np.exp(-c * z * z)

    return inner(x) * np.log1p(x * x) + SHIFT_S * x


SHIFT_S = 0.3


@pytest.mark.parametrize(
    "f",
    [s_folded, s_flag_loop, s_while_break, s_helper_closure],
    ids=["s_folded", "s_flag_loop", "s_while_break", "s_helper_closure"],
)
@pytest.mark.parametrize("x0", [0.6, -0.7, 1.3], ids=["p06", "m07", "p13"])
def test_grad_of_grad_scalar(f, x0):
    g = ad.grad(f)
    gg = ad.grad(g)
    want = (g(x0 + H_STEP) - g(x0 - H_STEP)) / (2 * H_STEP)
    got = gg(x0)
    assert isinstance(got, float) or np.ndim(got) == 0
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ad.hessian(f)(x0), got, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ad.jacfwd(g)(x0), got, rtol=1e-12, atol=1e-13)
    # then a 0-d array and a NumPy scalar through the same hessian object
    h = ad.hessian(f)
    h(x0)
    np.testing.assert_allclose(h(np.array(x0)), got, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h(np.float64(x0)), got, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(h(x0), got, rtol=1e-12, atol=1e-13)
    # value_and_grad value
    v, _ = ad.value_and_grad(f)(x0)
    assert v == f(x0)


# ----------------------------------------------------------------- vector programs: jacrev

VECTOR_IDS = [p[0] for p in VECTOR]


def central_jacobian(f, j, args):
    y0 = np.asarray(f(*args))
    n = _size(args[j])
    cols = []
    for k in range(n):
        yp = np.asarray(f(*_bump(args, j, k, H_STEP)), float)
        ym = np.asarray(f(*_bump(args, j, k, -H_STEP)), float)
        cols.append((yp - ym) / (2 * H_STEP))
    if n == 0:
        return np.zeros(y0.shape + _shape(args[j]))
    return np.stack(cols, axis=-1).reshape(y0.shape + _shape(args[j]))


def check_vector_program(f, wrt, args, jr, jf, tag):
    out = np.asarray(f(*args))
    a = jr(*args)
    b = jf(*args)
    assert np.shape(a) == out.shape + _shape(args[wrt]), f"{tag}: jacrev shape {np.shape(a)}"
    sc = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    assert_close(a, b, 1e-12, 1e-12 * sc, f"{tag}: jacrev vs jacfwd")
    c = central_jacobian(f, wrt, args)
    assert_close(a, c, 1e-6, 1e-7 * sc, f"{tag}: jacrev vs central differences")
    # jacobian (auto) and reverse
    d = ad.jacobian(f, wrt=wrt, mode="reverse")(*args)
    assert_close(d, a, 1e-13, 1e-13 * sc, f"{tag}: jacobian(reverse) vs jacrev")
    e = ad.jacobian(f, wrt=wrt)(*args)
    assert_close(e, a, 1e-12, 1e-12 * sc, f"{tag}: jacobian(auto) vs jacrev")
    return np.asarray(a)


@pytest.mark.parametrize("prog", VECTOR, ids=VECTOR_IDS)
def test_jacrev_every_signature_alternating(prog):
    name, f, wrt, sigs = prog
    jr = ad.jacrev(f, wrt=wrt)
    jf = ad.jacfwd(f, wrt=wrt)
    order = list(range(len(sigs))) + [0] + list(range(len(sigs)))[::-1] + [len(sigs) - 1, 0]
    first = {}
    for s in order:
        args = sigs[s]()
        a = check_vector_program(f, wrt, args, jr, jf, f"{name} sig{s}")
        if s in first:
            assert np.array_equal(a, first[s]), f"{name} sig{s}: changed on a later call"
        else:
            first[s] = a


@pytest.mark.parametrize("prog", SCALAR, ids=SCALAR_IDS)
def test_jacrev_of_grad_alternating(prog):
    """jacrev(grad(f)) against the hessian, one object across signatures."""
    name, f, wrt, sigs = prog
    if isinstance(wrt, tuple):
        pytest.skip("tuple wrt: covered by hessian")
    jr = ad.jacrev(ad.grad(f, wrt=wrt), wrt=wrt)
    h = ad.hessian(f, wrt=wrt)
    for s in list(range(len(sigs))) + [0]:
        args = sigs[s]()
        a = np.asarray(jr(*args))
        b = np.asarray(h(*args))
        tol = 1e-5 if _any_float32(args) else 1e-11
        sc = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        assert_close(a, b, tol, tol * sc, f"{name} sig{s}: jacrev(grad) vs hessian")


@pytest.mark.parametrize("prog", SCALAR, ids=SCALAR_IDS)
def test_jacrev_of_scalar_is_gradient(prog):
    """jacrev of a scalar output is the gradient, for every signature."""
    name, f, wrt, sigs = prog
    if isinstance(wrt, tuple):
        pytest.skip("tuple wrt")
    jr = ad.jacrev(f, wrt=wrt)
    g = ad.grad(f, wrt=wrt)
    for s in list(range(len(sigs))) + [0]:
        args = sigs[s]()
        a = jr(*args)
        b = g(*args)
        assert np.shape(a) == np.shape(b)
        sc = max(1.0, float(np.max(np.abs(b), initial=0.0)))
        tol = 1e-6 if _any_float32(args) else 1e-13
        assert_close(a, b, tol, tol * sc, f"{name} sig{s}: jacrev of scalar vs grad")


# ----------------------------------------------------------------- targeted cases


def _kw_power(x, scale=1.0, power=2):
    return np.sum(scale * x**power)


def test_hessian_keyword_arguments_change_between_calls():
    h = ad.hessian(_kw_power)
    x = np.array([0.3, 0.5])
    for kwargs, diag in [
        ({}, [2.0, 2.0]),
        ({"scale": 2.0}, [4.0, 4.0]),
        ({"scale": np.array([1.0, 3.0])}, [2.0, 6.0]),
        ({"power": 3}, [1.8, 3.0]),
        ({}, [2.0, 2.0]),
        ({"power": 3, "scale": 0.5}, [0.9, 1.5]),
    ]:
        got = h(x, **kwargs)
        np.testing.assert_allclose(got, np.diag(diag), rtol=1e-14, atol=0)
    j = ad.jacrev(lambda x, scale=1.0: scale * x**2)
    np.testing.assert_allclose(j(x), np.diag([0.6, 1.0]), rtol=1e-14)
    np.testing.assert_allclose(j(x, scale=3.0), np.diag([1.8, 3.0]), rtol=1e-14)
    assert j(x, scale=np.array([[1.0], [2.0]])).shape == (2, 2, 2)
    np.testing.assert_allclose(j(x), np.diag([0.6, 1.0]), rtol=1e-14)


def _bool_arg(x, flag):
    if flag:
        return np.sum(x**3)
    return np.sum(np.cos(x))


def test_hessian_python_bool_argument_alternating():
    h = ad.hessian(_bool_arg)
    jr = ad.jacrev(ad.grad(_bool_arg))
    x = np.array([0.3, 0.5, 0.2])
    for flag in [True, False, True, False, np.True_, np.False_]:
        want = np.diag(6 * x) if flag else np.diag(-np.cos(x))
        np.testing.assert_allclose(h(x, flag), want, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(jr(x, flag), want, rtol=1e-14, atol=1e-15)


def _many(x):
    return np.sum(np.sin(x) * x**2)


def test_more_than_sixteen_signatures_alternating():
    """21 shapes, twice round: past the 16 specialised signatures the checked path takes over."""
    h = ad.hessian(_many)
    jr = ad.jacrev(lambda x: np.sin(x) * x**2)
    for _ in range(2):
        for n in list(range(1, 22)) + [3, 1, 17]:
            x = np.linspace(0.1, 1.0, n).reshape((n,) if n % 2 else (1, n))
            d2 = (2 - x**2) * np.sin(x) + 4 * x * np.cos(x)
            d1 = np.cos(x) * x**2 + 2 * x * np.sin(x)
            H = h(x)
            assert H.shape == x.shape + x.shape
            np.testing.assert_allclose(
                np.diag(H.reshape(n, n)), d2.reshape(-1), rtol=1e-13, atol=1e-15
            )
            assert np.count_nonzero(H.reshape(n, n) - np.diag(np.diag(H.reshape(n, n)))) == 0
            J = jr(x)
            np.testing.assert_allclose(
                np.diag(J.reshape(n, n)), d1.reshape(-1), rtol=1e-13, atol=1e-15
            )


G_WEIGHTS = np.ones(3)


def _global_weights(x):
    return np.sum((x * G_WEIGHTS) ** 2 * np.sin(x))


def test_global_rebound_to_other_shapes():
    global G_WEIGHTS
    h = ad.hessian(_global_weights)
    x = np.array([0.3, 0.5, 0.7])
    try:
        for w in [np.ones(3), np.ones((2, 1)) * 2.0, 3.0, np.array([1.0, 2.0, 3.0]), np.ones(3)]:
            G_WEIGHTS = w
            ref = central_hessian(_global_weights, 0, (x,))[0][0]
            np.testing.assert_allclose(
                h(x), ref, rtol=1e-6, atol=1e-6 * max(1.0, np.max(np.abs(ref)))
            )
    finally:
        G_WEIGHTS = np.ones(3)


def _unbound_flag(x):
    if np.sum(x) > 0:
        flag = True
    if flag:
        return np.sum(x**3)
    return np.sum(x)


def test_flag_bound_on_one_path_only_still_raises_where_unbound():
    """`flag = True` is its only assignment, but it is unbound when the branch is not taken."""
    h = ad.hessian(_unbound_flag)
    x = np.array([0.3, 0.5])
    np.testing.assert_allclose(h(x), np.diag(6 * x), rtol=1e-14)
    for api in [
        h,
        ad.jacfwd(ad.grad(_unbound_flag)),
        ad.jacrev(ad.grad(_unbound_flag)),
        ad.grad(_unbound_flag),
    ]:
        with pytest.raises(Exception, match="flag"):
            api(-x)
    np.testing.assert_allclose(h(x), np.diag(6 * x), rtol=1e-14)


def _for_target_flag(x):
    flag = False
    y = np.sum(x)
    for flag in [True]:
        y = y + 0.0
    if np.sum(x) > 0:
        if flag:
            y = np.sum(x**3)
        else:
            y = np.sum(x**2)
    return y


def test_flag_rebound_by_a_for_target_is_not_folded():
    x = np.array([0.3, 0.5])
    for api in [
        ad.hessian(_for_target_flag),
        ad.jacfwd(ad.grad(_for_target_flag)),
        ad.jacrev(ad.grad(_for_target_flag)),
    ]:
        np.testing.assert_allclose(api(x), np.diag(6 * x), rtol=1e-14)


def _int_mode(x):
    mode = 1
    kind = "cubic"
    if np.sum(x) > 0:
        if mode == 1 and kind == "cubic":
            return np.sum(x**3)
        elif mode == 2:
            return np.sum(x)
    return np.sum(x**2)


def test_int_and_string_constants_in_conditions():
    x = np.array([0.3, 0.5])
    for api in [
        ad.hessian(_int_mode),
        ad.jacfwd(ad.grad(_int_mode)),
        ad.jacrev(ad.grad(_int_mode)),
    ]:
        np.testing.assert_allclose(api(x), np.diag(6 * x), rtol=1e-14)
        np.testing.assert_allclose(api(-x), 2 * np.eye(2), rtol=1e-14)
    assert ad.grad(ad.grad(_int_mode))(0.5) == pytest.approx(3.0, rel=1e-14)
    assert ad.grad(ad.grad(_int_mode))(-0.5) == pytest.approx(2.0, rel=1e-14)


def _cube_sum(a):
    return np.sum(a**3)


def test_jacrev_of_scalar_float16_has_grad_dtype():
    a = np.array([0.5, 0.25], np.float16)
    assert ad.jacrev(_cube_sum)(a).dtype == ad.grad(_cube_sum)(a).dtype == np.float16


def test_second_derivative_of_float16_scalar_keeps_dtype():
    a = np.float16(0.5)
    assert type(ad.hessian(_cube_sum)(a)) is np.float16
    assert type(ad.jacfwd(ad.grad(_cube_sum))(a)) is np.float16
    assert type(ad.jacrev(ad.grad(_cube_sum))(a)) is np.float16


def test_result_types_follow_each_call():
    """Python float, NumPy scalars and 0-d arrays through one hessian object, alternating."""
    h = ad.hessian(_cube_sum)
    j = ad.jacrev(lambda a: np.sin(a) * a)
    cases = [
        (0.5, float, np.float64),
        (np.float64(0.5), np.float64, np.float64),
        (np.array(0.5), np.ndarray, np.float64),
        (np.float32(0.5), np.float32, np.float32),
        (np.array([0.5]), np.ndarray, np.float64),
        (0.5, float, np.float64),
        (np.array(0.5, np.float32), np.ndarray, np.float32),
    ]
    for a, typ, dt in cases + cases[::-1]:
        r = h(a)
        assert type(r) is typ, (type(a), type(r))
        assert np.asarray(r).dtype == dt
        np.testing.assert_allclose(
            np.asarray(r).reshape(-1), [3.0], rtol=1e-7 if dt == np.float32 else 1e-15
        )
        r = j(a)
        assert type(r) is typ, (type(a), type(r))
        assert np.asarray(r).dtype == dt


def test_integer_and_bool_data_of_the_same_shape_alternating():
    def lin(w, X):
        return np.sum(np.tanh(X @ w) ** 2) + np.sum(w * X[0])

    h = ad.hessian(lin)
    w = np.array([0.3, -0.2, 0.5])
    Xf = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    refs = {}
    for X in [
        Xf.astype(np.int64),
        Xf,
        Xf > 0,
        Xf.astype(np.int32),
        Xf.astype(np.int64),
        Xf > 0,
        Xf,
    ]:
        key = X.dtype.str
        got = h(w, X)
        assert got.dtype == np.float64
        if key not in refs:
            refs[key] = central_hessian(lin, 0, (w, X))[0][0]
        np.testing.assert_allclose(got, refs[key], rtol=1e-6, atol=1e-7)


def test_zero_size_and_one_element_alternating():
    def f(x):
        return np.sum(x**2 * np.exp(x))

    h = ad.hessian(f)
    j = ad.jacrev(lambda x: np.exp(x) * x)
    for x in [
        np.zeros(0),
        np.ones(1) * 0.3,
        np.zeros((0, 3)),
        np.ones((1, 1)) * 0.2,
        np.zeros(0),
        np.array(0.3),
        0.3,
        np.ones(3) * 0.1,
        np.zeros((3, 0)),
    ]:
        xa = np.asarray(x, float)
        d2 = (2 + 4 * xa + xa**2) * np.exp(xa)
        d1 = (1 + xa) * np.exp(xa)
        H = np.asarray(h(x))
        J = np.asarray(j(x))
        assert H.shape == xa.shape + xa.shape and J.shape == xa.shape + xa.shape
        n = xa.size
        np.testing.assert_allclose(np.diag(H.reshape(n, n)), d2.reshape(-1), rtol=1e-14)
        np.testing.assert_allclose(np.diag(J.reshape(n, n)), d1.reshape(-1), rtol=1e-14)


def test_big_endian_arrays():
    """Data read from files may be big-endian: same shape, a dtype of another byte order."""

    def f(w, X):
        return np.sum(np.log1p((X @ w) ** 2))

    w = np.array([0.3, -0.2])
    X = np.array([[1.0, 0.5], [0.2, -1.0], [0.7, 0.1]])
    h = ad.hessian(f)
    ref = h(w, X)
    for ww, XX in [
        (w, X.astype(">f8")),
        (w.astype(">f8"), X),
        (w, X),
        (w.astype(">f8"), X.astype(">f8")),
    ]:
        got = h(ww, XX)
        np.testing.assert_allclose(got, ref, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ref, central_hessian(f, 0, (w, X))[0][0], rtol=1e-6, atol=1e-7)
