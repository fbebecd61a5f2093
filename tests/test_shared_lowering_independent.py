"""Independent tests, written from the README alone by a tester who had not read the code:
one lowering shared by every transformation of a function, and the one-walk simplification
passes (copy propagation, reuse of values across nested blocks, literal propagation of the
unit seed). It found: a module attribute rebound (`cfg.act = cfg.cube`) or the function's
own defaults reassigned after a first transformation were not followed; `if not False:`
and copies made before a loop were left in the code by the one-walk passes at first.

Written from the README alone. Each program is one a user would write; each test checks
the numbers against the plain call and central differences, forward against reverse,
and (for second order) hessian against jacfwd(grad), jacrev(grad), grad(grad) and
central differences of the gradient.
"""

# ruff: noqa: B007, B905, RUF005, RUF007, RUF015, RUF059, SIM108
# (user programs as people write them: unused loop counters, zip without strict, ...)

from __future__ import annotations

import math

import numpy as np
import pytest

import s2s_ad as ad

RTOL = 1e-5
ATOL = 1e-7
EPS = 1e-6


# ---- structure helpers


def leaves(tree):
    """Flatten floats / float arrays in tuples, lists and dicts (sorted keys)."""
    if isinstance(tree, dict):
        out = []
        for k in sorted(tree):
            out += leaves(tree[k])
        return out
    if isinstance(tree, (tuple, list)):
        out = []
        for t in tree:
            out += leaves(t)
        return out
    return [tree]


def rebuild(tree, it):
    if isinstance(tree, dict):
        return {k: rebuild(tree[k], it) for k in sorted(tree)}
    if isinstance(tree, tuple):
        return tuple(rebuild(t, it) for t in tree)
    if isinstance(tree, list):
        return [rebuild(t, it) for t in tree]
    return next(it)


def perturb(tree, index, flat_pos, delta):
    """A copy of tree with element flat_pos of leaf number index moved by delta."""
    ls = [np.array(x, dtype=float) for x in leaves(tree)]
    ls[index].reshape(-1)[flat_pos] += delta
    out = [
        float(x) if np.ndim(x) == 0 and not isinstance(orig, np.ndarray) else x
        for x, orig in zip(ls, leaves(tree))
    ]
    return rebuild(tree, iter(out))


def central_grad(f, args, wrt=0, eps=EPS):
    """Central differences of scalar f w.r.t. args[wrt], in args[wrt]'s structure."""
    target = args[wrt]
    result = []
    for li, leaf in enumerate(leaves(target)):
        arr = np.zeros(np.shape(leaf))
        for k in range(arr.size):
            plus = list(args)
            minus = list(args)
            plus[wrt] = perturb(target, li, k, eps)
            minus[wrt] = perturb(target, li, k, -eps)
            arr.reshape(-1)[k] = (f(*plus) - f(*minus)) / (2 * eps)
        result.append(arr if np.ndim(leaf) else float(arr))
    return rebuild(target, iter(result))


def central_jac(f, x, eps=EPS):
    """Jacobian of an array function f(x) by central differences: out.shape + x.shape."""
    x = np.asarray(x, dtype=float)
    out0 = np.asarray(f(x))
    jac = np.zeros(out0.shape + x.shape)
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        col = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps)
        jac.reshape(out0.shape + (x.size,))[..., k] = col
    return jac


def close(a, b, rtol=RTOL, atol=ATOL):
    la, lb = leaves(a), leaves(b)
    assert len(la) == len(lb), (a, b)
    for u, v in zip(la, lb):
        np.testing.assert_allclose(np.asarray(u, float), np.asarray(v, float), rtol=rtol, atol=atol)


def dot(a, b):
    return sum(float(np.sum(np.asarray(u) * np.asarray(v))) for u, v in zip(leaves(a), leaves(b)))


def random_like(tree, rng):
    ls = leaves(tree)
    out = [
        rng.standard_normal(np.shape(x)) if np.ndim(x) else float(rng.standard_normal()) for x in ls
    ]
    return rebuild(tree, iter(out))


def check_first_order(f, args, wrt=0, order=("grad", "vag", "jvp", "vjp"), seed=0):
    """Run the transformations in `order` on the same f and check each one."""
    rng = np.random.default_rng(seed)
    plain = f(*args)
    ref = central_grad(f, args, wrt)
    for name in order:
        if name == "grad":
            close(ad.grad(f, wrt=wrt)(*args), ref)
        elif name == "vag":
            v, g = ad.value_and_grad(f, wrt=wrt)(*args)
            assert v == pytest.approx(plain, rel=1e-12, abs=1e-12)
            close(g, ref)
        elif name == "jvp":
            t = random_like(args[wrt], rng)
            tangents = [None] * len(args)
            tangents[wrt] = t
            v, jv = ad.jvp(f, tuple(args), tuple(tangents))
            assert v == pytest.approx(plain, rel=1e-12, abs=1e-12)
            assert float(jv) == pytest.approx(dot(ref, t), rel=RTOL, abs=1e-6)
        elif name == "vjp":
            v, pb = ad.vjp(f, *args)
            assert v == pytest.approx(plain, rel=1e-12, abs=1e-12)
            close(pb(1.0)[wrt], ref)
            close(pb(2.5)[wrt], rebuild(ref, iter([2.5 * np.asarray(x) for x in leaves(ref)])))
        elif name == "jacfwd":
            close(ad.jacfwd(f, wrt=wrt)(*args), ref)
        elif name == "jacrev":
            close(ad.jacrev(f, wrt=wrt)(*args), ref)
        elif name == "jacobian":
            close(ad.jacobian(f, wrt=wrt)(*args), ref)
        elif name == "fwdgrad":
            close(ad.grad(f, wrt=wrt, mode="forward")(*args), ref)
        else:
            raise AssertionError(name)
    return ref


def check_second_order(f, args, wrt=0, order=("hessian", "jacfwd_grad", "jacrev_grad", "hvp")):
    """args[wrt] is a float or a 1-D array; f returns a scalar."""
    x = args[wrt]

    def g_of(xx):
        a = list(args)
        a[wrt] = xx
        return np.asarray(ad.grad(f, wrt=wrt)(*a), dtype=float)

    ref = central_jac(g_of, np.asarray(x, dtype=float))
    h_main = None
    for name in order:
        if name == "hessian":
            h = np.asarray(ad.hessian(f, wrt=wrt)(*args), dtype=float)
            np.testing.assert_allclose(
                h, np.swapaxes(h, -1, -2) if h.ndim == 2 else h, rtol=1e-9, atol=1e-9
            )
            h_main = h
        elif name == "jacfwd_grad":
            h = np.asarray(ad.jacfwd(ad.grad(f, wrt=wrt), wrt=wrt)(*args), dtype=float)
        elif name == "jacrev_grad":
            h = np.asarray(ad.jacrev(ad.grad(f, wrt=wrt), wrt=wrt)(*args), dtype=float)
        elif name == "gradgrad":
            h = np.asarray(ad.grad(ad.grad(f, wrt=wrt), wrt=wrt)(*args), dtype=float)
        elif name == "hvp":
            v = np.linspace(0.3, -0.7, np.size(x)).reshape(np.shape(x))
            tangents = [None] * len(args)
            tangents[wrt] = v if np.ndim(x) else float(v)
            g, hv = ad.hvp(f, tuple(args), tuple(tangents))
            np.testing.assert_allclose(np.asarray(g, float), g_of(x), rtol=1e-12, atol=1e-12)
            want = ref.reshape(np.size(x), np.size(x)) @ np.ravel(v)
            np.testing.assert_allclose(np.ravel(hv), want, rtol=RTOL, atol=1e-5)
            continue
        else:
            raise AssertionError(name)
        np.testing.assert_allclose(h, ref, rtol=RTOL, atol=1e-5)
        if h_main is not None:
            np.testing.assert_allclose(h, h_main, rtol=1e-9, atol=1e-9)
    return ref


ALL_FIRST = ("grad", "vag", "jvp", "vjp", "jacfwd", "jacrev", "jacobian", "fwdgrad")


# ---- A. one function, many transformations


def spring_energy(x, k=2.0, dt=0.05, steps=20):
    """Velocity Verlet of a nonlinear spring; energy at the end plus a path penalty."""
    v = 0.0 * x
    path = 0.0
    for _ in range(steps):
        a = -k * x - 0.3 * x**3
        v = v + 0.5 * dt * a
        x = x + dt * v
        a = -k * x - 0.3 * x**3
        v = v + 0.5 * dt * a
        path = path + dt * np.sum(x * x)
    return np.sum(0.5 * v * v + 0.5 * k * x * x) + 0.1 * path


@pytest.mark.parametrize(
    "order",
    [
        ("hessian", "grad", "jvp", "vjp", "jacfwd", "jacrev", "jacobian", "vag", "fwdgrad"),
        ("vjp", "jacrev", "grad", "fwdgrad", "vag", "jacobian", "jvp", "jacfwd", "hessian"),
    ],
)
def test_spring_many_transformations_scalar_then_array(order):
    for args in [(0.7,), (np.array([0.7, -0.2, 1.1]),), (np.array([[0.4, 0.1], [0.9, -0.5]]),)]:
        first = [o for o in order if o != "hessian"]
        if order[0] == "hessian" and np.ndim(args[0]) <= 1:
            check_second_order(spring_energy, args, order=("hessian", "jacfwd_grad"))
        check_first_order(spring_energy, args, order=first)
        if order[-1] == "hessian" and np.ndim(args[0]) <= 1:
            check_second_order(spring_energy, args)


def test_spring_scalar_gradgrad_and_defaults_by_keyword():
    x = 0.8
    check_second_order(spring_energy, (x,), order=("gradgrad", "hessian", "jacfwd_grad"))
    # keyword k changes the function; all transformations must see it
    f = lambda x, k: spring_energy(x, k=k)  # noqa: E731
    ref = central_grad(f, (x, 3.0), wrt=1)
    close(ad.grad(f, wrt=1)(x, 3.0), ref)
    close(ad.grad(spring_energy)(x, 3.0), central_grad(spring_energy, (x, 3.0)))
    close(ad.grad(spring_energy, wrt="k")(x, 3.0), ref)


def mlp_loss(params, x, y):
    h = x
    for W, b in params[:-1]:
        h = np.tanh(W @ h + b)
    W, b = params[-1]
    out = W @ h + b
    return np.mean((out - y) ** 2) + 1e-3 * sum(np.sum(W * W) for W, _ in params)


def _mlp_params(sizes, seed):
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((m, n)) * 0.5, rng.standard_normal(m) * 0.1)
        for n, m in zip(sizes[:-1], sizes[1:])
    ]


def test_mlp_list_of_tuples_two_depths_and_structures():
    x = np.array([0.5, -1.0, 0.25])
    y = np.array([0.3])
    p2 = _mlp_params([3, 4, 1], 1)
    p3 = _mlp_params([3, 4, 2, 1], 2)
    check_first_order(mlp_loss, (p2, x, y), order=("grad", "vjp", "jvp"))
    check_first_order(mlp_loss, (p3, x, y), order=("vag", "grad", "jvp", "vjp"))
    # back to the first structure, now as a tuple of lists
    p2t = tuple([W, b] for W, b in p2)
    check_first_order(mlp_loss, (p2t, x, y), order=("grad", "vag", "vjp"))
    # gradient w.r.t. the input x of the same function, forward and reverse, and its Hessian
    check_first_order(mlp_loss, (p3, x, y), wrt=1, order=ALL_FIRST)
    check_second_order(mlp_loss, (p3, x, y), wrt=1)


def dict_model(theta, t, obs):
    """Exponential decay with an offset, parameters in a dict."""
    pred = theta["amp"] * np.exp(-theta["rate"] * t) + theta["offset"]
    r = pred - obs
    return 0.5 * np.sum(r * r)


def test_dict_params_scalar_leaves_then_array_leaves():
    t = np.linspace(0.0, 2.0, 7)
    obs = 1.5 * np.exp(-0.8 * t) + 0.2
    th1 = {"amp": 1.2, "rate": 0.5, "offset": 0.1}
    check_first_order(dict_model, (th1, t, obs), order=("grad", "jvp", "vjp", "vag"))
    th2 = {"amp": np.array([1.2, 0.3]), "rate": np.array([0.5, 2.0]), "offset": 0.1}
    t2 = t[:, None]
    obs2 = np.stack([obs, 0.5 * obs], axis=1)
    check_first_order(dict_model, (th2, t2, obs2), order=("vjp", "grad", "vag", "jvp"))
    check_first_order(dict_model, (th1, t, obs), order=("vag",))
    # the same function w.r.t. the time grid (array), all modes, and its Hessian
    check_first_order(dict_model, (th1, t, obs), wrt=1, order=ALL_FIRST)
    check_second_order(dict_model, (th1, t, obs), wrt=1)


def vec_field(x):
    """R^3 -> R^3, a loop and a branch."""
    y = x.copy()
    for i in range(3):
        if np.sum(y) > 0.0:
            y = y * np.cos(y) + 0.1 * x
        else:
            y = y + np.sin(x * y)
    return y


def test_vector_output_jacobians_agree_in_every_order():
    for x in [np.array([0.3, 0.2, 0.4]), np.array([-0.3, -0.2, -0.4]), np.array([0.9, -1.3, 0.2])]:
        ref = central_jac(vec_field, x)
        for name in ["jacrev", "jacobian", "jacfwd", "jacrev"]:
            close(getattr(ad, name)(vec_field)(x), ref)
        out, pb = ad.vjp(vec_field, x)
        close(out, vec_field(x))
        u = np.array([1.0, -2.0, 0.5])
        close(pb(u)[0], u @ ref)
        v = np.array([0.2, 0.1, -1.0])
        out2, jv = ad.jvp(vec_field, (x,), (v,))
        close(out2, vec_field(x))
        close(jv, ref @ v)


# ---- B. the shared lowering must not go stale


def activation(z):
    return np.tanh(z)


GAIN = 1.5


def layer_loss(w, x):
    return np.sum(activation(w * x) * GAIN)


def test_redefined_global_helper_is_followed_by_every_transformation():
    global activation
    original = activation
    w = np.array([0.3, -0.8, 1.1])
    x = np.array([1.0, 2.0, -0.5])
    try:
        check_first_order(layer_loss, (w, x), order=("grad", "jvp"))
        check_second_order(layer_loss, (w, x), order=("hessian",))

        def activation(z):
            return np.sin(z) + 0.5 * z * z

        assert layer_loss(w, x) == pytest.approx(
            np.sum((np.sin(w * x) + 0.5 * (w * x) ** 2) * GAIN)
        )
        # every transformation, in another order, must follow the new definition
        check_first_order(
            layer_loss, (w, x), order=("vjp", "jacfwd", "vag", "grad", "jvp", "jacrev")
        )
        check_second_order(layer_loss, (w, x), order=("jacfwd_grad", "hessian", "hvp"))
    finally:
        activation = original
    check_first_order(layer_loss, (w, x), order=("grad", "vjp", "jvp"))
    check_second_order(layer_loss, (w, x), order=("hessian",))


def test_rebound_global_constant_scalar_then_array():
    global GAIN
    w = np.array([0.3, -0.8, 1.1])
    x = np.array([1.0, 2.0, -0.5])
    try:
        check_first_order(layer_loss, (w, x), order=("grad", "jvp", "vjp"))
        GAIN = 4.0
        check_first_order(layer_loss, (w, x), order=("grad", "vag", "jvp", "vjp", "jacrev"))
        check_second_order(layer_loss, (w, x))
        GAIN = np.array([1.0, -2.0, 0.5])  # now broadcasts elementwise
        check_first_order(layer_loss, (w, x), order=ALL_FIRST)
        check_second_order(layer_loss, (w, x))
        GAIN = np.array([[1.0], [2.0]])  # now broadcasts to (2, 3)
        check_first_order(layer_loss, (w, x), order=ALL_FIRST)
        check_second_order(layer_loss, (w, x))
    finally:
        GAIN = 1.5


def inner_sq(z):
    return z * z


def middle(z):
    return inner_sq(z) + np.sin(z)


def outer_loss(x):
    s = 0.0
    for i in range(3):
        s = s + np.sum(middle(x * (i + 1)))
    return s


def test_redefined_helper_of_a_helper():
    global inner_sq
    original = inner_sq
    x = np.array([0.2, -0.4])
    try:
        check_first_order(outer_loss, (x,), order=("grad", "jvp", "vjp"))
        check_second_order(outer_loss, (x,), order=("hessian", "jacrev_grad"))

        def inner_sq(z):
            return z * z * z

        check_first_order(outer_loss, (x,), order=("jvp", "grad", "vjp", "jacfwd", "fwdgrad"))
        check_second_order(outer_loss, (x,), order=("jacrev_grad", "hessian", "hvp"))
        check_second_order(outer_loss, (0.7,), order=("gradgrad", "hessian"))
    finally:
        inner_sq = original


def make_loss(scale):
    act = np.tanh

    def loss(w):
        return np.sum(act(w) * scale) + scale * np.sum(w**2)

    def set_act(fn):
        nonlocal act
        act = fn

    return loss, set_act


def test_closure_cell_rebound_to_another_function():
    loss, set_act = make_loss(2.0)
    w = np.array([0.5, -0.3])
    check_first_order(loss, (w,), order=("grad", "jvp", "vjp"))
    check_second_order(loss, (w,), order=("hessian",))
    set_act(np.sin)
    assert loss(w) == pytest.approx(np.sum(np.sin(w) * 2.0) + 2.0 * np.sum(w**2))
    check_first_order(loss, (w,), order=("vjp", "grad", "jvp", "jacfwd", "jacrev", "vag"))
    check_second_order(loss, (w,), order=("hessian", "jacfwd_grad", "hvp"))


def test_two_closures_over_different_scales_share_code_not_values():
    la, _ = make_loss(2.0)
    lb, set_b = make_loss(-3.0)
    w = np.array([0.5, -0.3])
    for _ in range(2):
        check_first_order(la, (w,), order=("grad",))
        check_first_order(lb, (w,), order=("grad", "jvp"))
        check_second_order(la, (w,), order=("hessian",))
        check_second_order(lb, (w,), order=("hessian",))
    set_b(np.arctan)
    check_first_order(la, (w,), order=("grad", "vjp"))
    check_first_order(lb, (w,), order=("grad", "vjp"))
    check_second_order(lb, (w,), order=("hessian", "jacfwd_grad"))


def ste_round(x):
    return np.round(x * 4.0) / 4.0


def quantized_loss(w, x):
    q = ste_round(w)
    return np.sum((q * x - 1.0) ** 2) + 0.1 * np.sum(w * w)


def test_custom_rule_registered_after_first_grad_is_used():
    w = np.array([0.31, -0.72, 1.13])
    x = np.array([1.0, 2.0, -0.5])
    # before the rule: round has zero derivative, so only the penalty counts
    g0 = ad.grad(quantized_loss)(w, x)
    close(g0, 0.2 * w)
    _, j0 = ad.jvp(quantized_loss, (w, x), (np.ones(3), None))
    assert float(j0) == pytest.approx(float(np.sum(0.2 * w)))
    # a straight-through estimator, registered after the first calls
    ad.defvjp(ste_round, lambda g, ans, x: g)
    ad.defjvp(ste_round, lambda d, ans, x: d)
    q = ste_round(w)
    want = 2.0 * (q * x - 1.0) * x + 0.2 * w
    close(ad.grad(quantized_loss)(w, x), want)
    v, g = ad.value_and_grad(quantized_loss)(w, x)
    assert v == quantized_loss(w, x)
    close(g, want)
    _, pb = ad.vjp(quantized_loss, w, x)
    close(pb(1.0)[0], want)
    _, j1 = ad.jvp(quantized_loss, (w, x), (np.ones(3), None))
    assert float(j1) == pytest.approx(float(np.sum(want)))
    close(ad.jacfwd(quantized_loss)(w, x), want)
    close(ad.jacrev(quantized_loss)(w, x), want)
    # second order: d/dw of 2 (q x - 1) x + 0.2 w with dq/dw = 1 (through the rule)
    close(ad.hessian(quantized_loss)(w, x), np.diag(2.0 * x * x + 0.2))


def softclip(z):
    return 2.0 * np.tanh(z / 2.0)


def softclip_loss(w):
    t = w * 1.0
    for _ in range(2):
        t = softclip(t) + 0.5 * w
    return np.sum(t**2)


def test_custom_rule_replaced_by_a_second_rule():
    w = np.array([0.4, -1.2, 2.0])
    check_first_order(softclip_loss, (w,), order=("grad", "jvp"))
    check_second_order(softclip_loss, (w,), order=("hessian",))
    # an exact rule: the numbers must not change
    ad.defvjp(softclip, lambda g, ans, z: g * (1.0 - (ans / 2.0) ** 2))
    ad.defjvp(softclip, lambda d, ans, z: d * (1.0 - (ans / 2.0) ** 2))
    check_first_order(softclip_loss, (w,), order=("vjp", "grad", "jvp", "jacrev"))
    check_second_order(softclip_loss, (w,), order=("hessian", "jacfwd_grad"))
    # a deliberately scaled rule (e.g. a gradient damping trick): it must be used
    ad.defvjp(softclip, lambda g, ans, z: 0.5 * g * (1.0 - (ans / 2.0) ** 2))
    ad.defjvp(softclip, lambda d, ans, z: 0.5 * d * (1.0 - (ans / 2.0) ** 2))

    def by_hand(w):
        t = w * 1.0
        dt = np.ones_like(w)
        for _ in range(2):
            s = softclip(t)
            dt = 0.5 * (1.0 - (s / 2.0) ** 2) * dt + 0.5
            t = s + 0.5 * w
        return 2.0 * t * dt

    want = by_hand(w)
    close(ad.grad(softclip_loss)(w), want)
    close(ad.jacfwd(softclip_loss)(w), want)
    _, pb = ad.vjp(softclip_loss, w)
    close(pb(1.0)[0], want)
    _, jv = ad.jvp(softclip_loss, (w,), (np.array([1.0, 0.0, 0.0]),))
    assert float(jv) == pytest.approx(want[0])


def drag_quad(v):
    return 0.1 * v * np.abs(v)


def drag_lin(v):
    return 0.3 * v


def fall(v0, dt=0.1, n=8):
    v = v0
    for _ in range(n):
        v = v + dt * (9.81 - drag(v))
    return np.sum(v * v)


drag = drag_quad


def test_reassigned_module_level_function_name():
    global drag
    v0 = 2.0
    try:
        check_first_order(fall, (v0,), order=("grad", "jvp", "vjp"))
        check_second_order(fall, (v0,), order=("gradgrad", "hessian"))
        drag = drag_lin
        check_first_order(fall, (v0,), order=("vjp", "jvp", "grad", "vag", "fwdgrad", "jacfwd"))
        check_second_order(fall, (v0,), order=("hessian", "gradgrad", "jacfwd_grad"))
        check_first_order(fall, (np.array([1.0, 3.0]),), order=("grad", "jacrev", "jvp"))
        drag = drag_quad
        check_first_order(fall, (np.array([1.0, 3.0]),), order=("jvp", "grad", "jacfwd"))
        check_second_order(fall, (v0,), order=("gradgrad",))
    finally:
        drag = drag_quad


def _import_module(tmp_path, name, source):
    import importlib
    import sys

    (tmp_path / f"{name}.py").write_text(source)
    sys.path.insert(0, str(tmp_path))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(tmp_path))


MODULE_SOURCE = """
import numpy as np


def act(z):
    return np.tanh(z)


def cube(z):
    return z ** 3


def layer(z):
    return act(z) * 2.0
"""


def test_monkeypatched_module_attribute_first_calls_after_patch(tmp_path):
    cfg = _import_module(tmp_path, "s9_cfg_a", MODULE_SOURCE)

    def loss(x):
        return np.sum(cfg.act(x) * x)

    x = np.array([0.3, -0.5, 0.8])
    close(ad.grad(loss)(x), central_grad(loss, (x,)))
    cfg.act = cfg.cube  # loss is now sum(x ** 4)
    v, jv = ad.jvp(loss, (x,), (np.ones(3),))
    assert v == pytest.approx(loss(x))
    assert float(jv) == pytest.approx(float(np.sum(4 * x**3)))
    close(ad.jacfwd(loss)(x), 4 * x**3)
    close(ad.hessian(loss)(x), np.diag(12 * x**2))


def test_monkeypatched_module_attribute_cached_grad(tmp_path):
    cfg = _import_module(tmp_path, "s9_cfg_b", MODULE_SOURCE)

    def loss(x):
        return np.sum(cfg.act(x) * x)

    x = np.array([0.3, -0.5, 0.8])
    ad.grad(loss)(x)
    cfg.act = cfg.cube
    close(ad.grad(loss)(x), 4 * x**3)


def test_rebinding_a_global_of_the_helpers_own_module(tmp_path):
    cfg = _import_module(tmp_path, "s9_cfg_c", MODULE_SOURCE)
    layer = cfg.layer

    def loss(x):
        return np.sum(layer(x) * x)

    x = np.array([0.3, -0.5, 0.8])
    check_first_order(loss, (x,), order=("grad", "jvp"))
    cfg.act = cfg.cube  # layer's own global: layer(z) = 2 z^3
    assert loss(x) == pytest.approx(np.sum(2 * x**4))
    check_first_order(loss, (x,), order=("jvp", "grad", "vjp", "jacfwd", "jacrev"))
    check_second_order(loss, (x,), order=("hessian", "jacfwd_grad"))
    close(ad.hessian(loss)(x), np.diag(24 * x**2))


def test_changed_defaults_of_the_differentiated_function():
    def ridge(x, s=2.0):
        return np.sum(s * x**2)

    x = np.array([0.3, -0.5])
    close(ad.grad(ridge)(x), 4.0 * x)
    ridge.__defaults__ = (5.0,)
    v, jv = ad.jvp(ridge, (x,), (np.ones(2),))
    assert v == pytest.approx(ridge(x))
    close(ad.grad(ridge)(x), 10.0 * x)


USE_BIAS = True
MASK = None
COEFS = (1.0, 0.5, 0.25)
N_STEPS = 3
ACT_TABLE = {"act": np.tanh}


def flagged(x):
    y = x * x
    if USE_BIAS:
        y = y + np.sin(x)
    if MASK is not None:
        y = y * MASK
    s = 0.0
    for c in COEFS:
        s = s * x + c
    for _ in range(N_STEPS):
        y = y + 0.1 * ACT_TABLE["act"](y)
    return np.sum(y) + np.sum(s)


def test_global_flags_tuples_counts_and_table_entries_change():
    global USE_BIAS, MASK, COEFS, N_STEPS
    x = np.array([0.3, -0.5, 0.8])
    try:
        check_first_order(flagged, (x,), order=("grad", "jvp"))
        check_second_order(flagged, (x,), order=("hessian",))
        USE_BIAS = False
        MASK = np.array([1.0, 0.0, 2.0])
        COEFS = (2.0, -1.0, 0.0, 3.0)
        N_STEPS = 1
        ACT_TABLE["act"] = np.sin
        check_first_order(flagged, (x,), order=("vjp", "jvp", "grad", "jacfwd", "jacrev"))
        check_second_order(flagged, (x,), order=("jacfwd_grad", "hessian", "hvp"))
    finally:
        USE_BIAS, MASK, COEFS, N_STEPS = True, None, (1.0, 0.5, 0.25), 3
        ACT_TABLE["act"] = np.tanh


class Pendulum:
    def __init__(self, length):
        self.length = length

    def accel(self, th):
        return -9.81 / self.length * np.sin(th)

    def energy(self, th0, dt=0.02, n=15):
        th, om = th0, 0.0 * th0
        for _ in range(n):
            om = om + dt * self.accel(th)
            th = th + dt * om
        return np.sum(0.5 * om * om + 9.81 / self.length * (1.0 - np.cos(th)))


PEND = Pendulum(1.3)


def pend_loss(th0):
    return PEND.energy(th0)


def test_method_redefined_on_the_class_after_first_calls():
    th0 = np.array([0.4, 1.1])
    original = Pendulum.accel
    try:
        check_first_order(pend_loss, (th0,), order=("grad", "jvp", "vjp"))
        check_second_order(pend_loss, (th0,), order=("hessian",))

        def accel_damped(self, th):
            return -9.81 / self.length * np.sin(th) - 0.2 * th

        Pendulum.accel = accel_damped
        check_first_order(pend_loss, (th0,), order=("jvp", "vjp", "grad", "jacrev"))
        check_second_order(pend_loss, (th0,), order=("hessian", "jacfwd_grad"))
        PEND.length = 0.7  # data: read live
        check_first_order(pend_loss, (th0,), order=("grad", "jvp"))
        check_second_order(pend_loss, (0.5,), order=("gradgrad", "hessian"))
    finally:
        Pendulum.accel = original
        PEND.length = 1.3


# ---- C. reuse of values across blocks
# Programs where a value is copied or computed, then a loop or branch reassigns one of the
# names, then the same expression is computed again; and programs whose result is a
# loop-carried value (the unit seed 1.0 must not be propagated into the loop).


def p_loop_reassign(x, y):
    t = x * y
    for i in range(3):
        x = np.sin(x) + 0.1 * t
        u = x * y
        t = t + u
    return np.sum(t * (x * y))


def p_copy_then_loop(a, y):
    b = a
    t = a * y + 1.0
    for i in range(4):
        if i % 2 == 0:
            a = a * 0.9 + 0.05 * np.cos(b)
        s = a * y + 1.0
        t = t + s * (a * y + 1.0)
    return np.sum(t + b * y + 1.0)


def p_ifelse_same_expr(x, y):
    t = x * y + 1.0
    if np.sum(x) > 0:
        x = x * 2.0
        u = (x * y) + 1.0
    else:
        y = y - 1.0
        u = x * y + 1.0
    return np.sum(t * u + (x * y + 1.0))


def p_while_break(x, y):
    t = x * y
    k = 0
    while k < 10:
        x = x * 1.1 + 0.01 * t
        if np.sum(x * y) > 3.0:
            break
        t = x * y
        k = k + 1
    return np.sum(t + x * y) + k


def p_nested_loops(x, y):
    acc = 0.0
    z = x
    for i in range(2):
        w = z * y
        for j in range(3):
            if j == 1:
                z = z + 0.1 * np.tanh(w)
            w = z * y
            acc = acc + np.sum(w * w)
        acc = acc + np.sum(z * y)
    return acc + np.sum(z * y)


def p_unit_seed(x, y):
    s = 1.0 * x
    if not False:
        s = s * 1.0 + 0.0
    r = 1.0
    for i in range(2):
        r = r * 1.0
        s = s + r * np.sin(s)
    return np.sum(s * 1.0) * r


def p_continue(x, y):
    t = x * y
    out = 0.0
    for i in range(5):
        if i == 2:
            continue
        x = x + 0.2 * np.cos(t)
        t = x * y
        out = out + np.sum(t)
    return out + np.sum(x * y)


def p_alias_swap(x, y):
    a = x
    b = y
    for i in range(3):
        a, b = b * 0.5 + 0.1 * a, a
        c = a * b
    return np.sum(c + a * b + x * y)


def p_early_return(x, y):
    t = x * y
    for i in range(6):
        x = x + 0.3 * np.sin(t)
        t = x * y
        if np.sum(t) > 2.5:
            return np.sum(t * t)
    return np.sum(x * y)


def p_while_else(x, y):
    t = x * y
    n = 0
    while n < 3:
        t = t + np.exp(-x * y)
        x = x + 0.1
        n += 1
    else:
        t = t * (x * y)
    return np.sum(t)


def p_loop_partial_reassign(x, y):
    # name reassigned only on some iterations, depending on value
    t = x * y
    s = 0.0
    for i in range(5):
        if np.sum(t) > 0.3 * i:
            x = x * 0.8
        s = s + np.sum(x * y) + np.sum(t)
        t = x * y
    return s


def p_ternary_repeat(x, y):
    t = x * y if np.sum(x) > 0 else x + y
    for i in range(2):
        x = (x * y if i == 0 else x - y) + 0.1 * t
    return np.sum((x * y if np.sum(x) > 0 else x + y) * t)


def q_sin_then_cos(x, y):
    for i in range(3):
        x = np.sin(x) * 1.5 + 0.1 * y
    return np.sum(np.cos(x) * y)


def q_exp_reuse(x, y):
    e = np.exp(x)
    for i in range(3):
        x = np.exp(x) * 0.3 + y
    return np.sum(np.exp(x) + e)


def q_tanh_branch(x, y):
    t = np.tanh(x)
    if np.sum(x) > 0:
        x = np.tanh(x * y)
    else:
        x = x * y
    return np.sum(np.tanh(x) * t + 1.0 - t * t)


def q_seed_loop_scalar(x, y):
    s = 1.0
    for i in range(4):
        s = s * x + y
    return s


def q_seed_while(x, y):
    s = x
    n = 0
    while n < 5:
        s = s * 0.9 + math.sin(s) * y
        if s > 3.0:
            break
        n += 1
    return s


def q_seed_return_in_branch(x, y):
    s = x * y
    if x > 0:
        return s
    for i in range(2):
        s = s * s + 1.0
    return s


def q_square_product(x, y):
    z = x * x
    for i in range(3):
        x = x * x * 0.5 + y
        z = z + x * x
    return np.sum(z + 2.0 * x)


def q_sqrt_reuse(x, y):
    r = np.sqrt(x * x + 1.0)
    for i in range(2):
        x = np.sqrt(x * x + 1.0) * y
    return np.sum(r * np.sqrt(x * x + 1.0))


def q_log_div(x, y):
    a = 1.0 / x
    for i in range(3):
        x = x + 0.1 * np.log(x) + 0.05 * y
        a = a + 1.0 / x
    return np.sum(a * np.log(x))


def q_nested_cos(x, y):
    c = np.cos(x)
    for i in range(2):
        for j in range(2):
            if j == 0:
                x = np.sin(x) + c * 0.1
            else:
                c = np.cos(x)
    return np.sum(np.cos(x) + c * y)


def q_tuple_loop_scalar(x, y):
    a, b = x, y
    for i in range(3):
        a, b = a * b, a + b * 0.5
        if a > 10.0:
            break
    return a * b + a * 1.0


def q_mul_by_one_literal(x, y):
    g = 1.0
    h = g * x
    for i in range(3):
        g = g * 1.0
        h = h * g + np.sin(h) * y
        g = g * 0.5
    return np.sum(h * g)


def r_vec_loop_out(x, y):
    out = x * 1.0
    for i in range(3):
        out = out * y + np.sin(out)
        if i == 1:
            out = out[::-1] * 1.0
    return out


def r_vec_while_break(x, y):
    h = x
    k = 0
    while True:
        h = np.tanh(h * y + 0.5)
        k += 1
        if k >= 4 or np.max(h) > 0.95:
            break
    return h * y


def r_slices(x, y):
    a = x
    b = a[1:] * y[:-1]
    for i in range(2):
        c = a[:-1] * b
        a = np.concatenate([a[:1], a[1:] + 0.1 * c])
        b = a[1:] * y[:-1]
    return np.sum(b * b) + np.sum(a[:-1] * b)


def r_scalar_return_loop(x, y):
    s = x
    for i in range(6):
        s = s * y + math.cos(s)
        if s > 2.0:
            return s * s
        if s < -2.0:
            break
    return s


def r_elem_updates(x, y):
    a = np.zeros(3)
    b = a
    for i in range(3):
        a[i] = x[i] * y[i]
        if i > 0:
            a[i] = a[i] + a[i - 1] * x[i]
    return np.sum(b * a + x * y)


def r_accum_copy(x, y):
    g = x
    tot = 0.0
    for i in range(4):
        h = g
        g = g * 0.5 + np.sin(h) * y
        tot = tot + np.sum(h * g)
    return tot + np.sum(g)


def r_list_carry(x, y):
    xs = [x]
    for i in range(3):
        xs.append(np.sin(xs[-1]) * y + xs[0])
    return np.sum(xs[-1] * xs[1]) + np.sum(xs[0] * y)


def r_dict_carry(x, y):
    st = {"p": x, "v": y * 0.0}
    for i in range(4):
        st = {"p": st["p"] + 0.1 * st["v"], "v": st["v"] - 0.1 * np.sin(st["p"])}
    return np.sum(st["p"] * st["v"]) + np.sum(st["p"] ** 2)


BLOCK_PROGRAMS = [
    p_loop_reassign,
    p_copy_then_loop,
    p_ifelse_same_expr,
    p_while_break,
    p_nested_loops,
    p_unit_seed,
    p_continue,
    p_alias_swap,
    p_early_return,
    p_while_else,
    p_loop_partial_reassign,
    p_ternary_repeat,
    q_sin_then_cos,
    q_exp_reuse,
    q_tanh_branch,
    q_square_product,
    q_sqrt_reuse,
    q_log_div,
    q_nested_cos,
    q_mul_by_one_literal,
    r_slices,
    r_elem_updates,
    r_accum_copy,
    r_list_carry,
    r_dict_carry,
]
SCALAR_PROGRAMS = [
    q_seed_loop_scalar,
    q_seed_while,
    q_seed_return_in_branch,
    q_tuple_loop_scalar,
    r_scalar_return_loop,
]


@pytest.mark.parametrize("prog", BLOCK_PROGRAMS, ids=lambda f: f.__name__)
def test_block_program_all_modes_and_second_order(prog):
    rng = np.random.default_rng(sum(map(ord, prog.__name__)))
    lo = 0.5 if prog is q_log_div else -1.0
    hi = 2.0 if prog is q_log_div else 1.0
    for trial in range(2):
        args = (rng.uniform(lo, hi, 3), rng.uniform(-1.0, 1.0, 3))
        for wrt in (0, 1):
            order = ALL_FIRST if trial == 0 else tuple(reversed(ALL_FIRST))
            check_first_order(prog, args, wrt=wrt, order=order, seed=trial)
            check_second_order(
                prog, args, wrt=wrt, order=("hessian", "jacfwd_grad", "jacrev_grad", "hvp")
            )


@pytest.mark.parametrize("prog", SCALAR_PROGRAMS, ids=lambda f: f.__name__)
def test_scalar_loop_carried_result_seed(prog):
    rng = np.random.default_rng(7)
    for _ in range(4):
        args = (float(rng.uniform(-1.0, 1.0)), float(rng.uniform(0.5, 1.5)))
        for wrt in (0, 1):
            check_first_order(prog, args, wrt=wrt, order=("grad", "vjp", "jvp", "vag", "fwdgrad"))
            check_second_order(prog, args, wrt=wrt, order=("gradgrad", "hessian", "jacfwd_grad"))
            # third derivative: grad(grad(grad)) against central differences of grad(grad)
            g2 = ad.grad(ad.grad(prog, wrt=wrt), wrt=wrt)
            g3 = ad.grad(g2, wrt=wrt)(*args)
            close(g3, central_grad(g2, args, wrt=wrt), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("prog", [r_vec_loop_out, r_vec_while_break], ids=lambda f: f.__name__)
def test_vector_result_from_loop_forward_equals_reverse(prog):
    rng = np.random.default_rng(3)
    for _ in range(3):
        x, y = rng.uniform(-1.0, 1.0, 3), rng.uniform(-1.0, 1.0, 3)
        for wrt in (0, 1):

            def fw(v, wrt=wrt, x=x, y=y):
                return prog(v, y) if wrt == 0 else prog(x, v)

            ref = central_jac(fw, (x, y)[wrt])
            close(ad.jacrev(prog, wrt=wrt)(x, y), ref)
            close(ad.jacfwd(prog, wrt=wrt)(x, y), ref)
            close(ad.jacobian(prog, wrt=wrt)(x, y), ref)
            out, pb = ad.vjp(prog, x, y)
            np.testing.assert_array_equal(out, prog(x, y))
            u = rng.standard_normal(3)
            close(pb(u)[wrt], u @ ref)
            t = [None, None]
            t[wrt] = rng.standard_normal(3)
            out2, jv = ad.jvp(prog, (x, y), tuple(t))
            np.testing.assert_array_equal(out2, prog(x, y))
            close(jv, ref @ t[wrt])


# ---- D. the printed code


import types as _types  # noqa: E402

MODES = ("reverse", "forward", "vector", "gradient", "hessian")


def _twin(f):
    """A new function object with f's code, globals, defaults and closure."""
    return _types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, f.__closure__)


@pytest.mark.parametrize(
    "prog",
    [p_nested_loops, p_while_break, q_nested_cos, r_dict_carry, spring_energy],
    ids=lambda f: f.__name__,
)
def test_generated_source_does_not_depend_on_transformation_order(prog):
    """The shared lowering must not be changed by one transformation for the next."""
    args = (np.full(3, 0.3), np.full(3, 0.4)) if prog is not spring_energy else (np.full(3, 0.3),)
    a, b = _twin(prog), _twin(prog)
    first = {}
    for mode in MODES:
        first[mode] = ad.derivative_source(
            a, mode, args=args if mode in ("gradient", "hessian") else None
        )
        ad.grad(a)(*args)
    ad.hessian(b)(*args)
    ad.jacrev(b)(*args)
    ad.jvp(b, args, tuple(np.ones_like(x) for x in args))
    ssa_before = ad.ssa_source(b)
    for mode in reversed(MODES):
        got = ad.derivative_source(b, mode, args=args if mode in ("gradient", "hessian") else None)
        assert got == first[mode], mode
    assert ad.ssa_source(b) == ssa_before == ad.ssa_source(a)
    # and the numbers of the twin equal the original's
    close(ad.grad(b)(*args), ad.grad(prog)(*args), rtol=0, atol=0)
    close(ad.hessian(b)(*args), ad.hessian(prog)(*args), rtol=0, atol=0)


def _exec_source(src, f):
    import s2s_ad.runtime as rt

    ns = dict(f.__globals__)
    ns.update({"np": np, "rt": rt, "math": math})
    exec(compile(src, "<printed>", "exec"), ns)
    return ns


@pytest.mark.parametrize(
    "prog",
    [p_loop_reassign, p_copy_then_loop, p_early_return, q_log_div, r_slices],
    ids=lambda f: f.__name__,
)
def test_printed_gradient_and_jvp_code_runs_and_agrees(prog):
    lo = 0.5 if prog is q_log_div else -1.0
    rng = np.random.default_rng(11)
    x, y = rng.uniform(lo, 1.0, 3), rng.uniform(-1.0, 1.0, 3)
    src = ad.derivative_source(prog, "gradient", args=(x, y))
    assert "# reverse sweep" in src
    ns = _exec_source(src, prog)
    fn = [v for k, v in ns.items() if k.startswith(prog.__name__) and k.endswith("_grad")][0]
    got = fn(x, y)
    if isinstance(got, tuple):  # f_value_and_grad: (value, gradient)
        assert got[0] == prog(x, y)
        got = got[1]
    close(got, central_grad(prog, (x, y)))
    src = ad.derivative_source(prog, "forward")
    ns = _exec_source(src, prog)
    fn = [v for k, v in ns.items() if k.startswith(prog.__name__) and k.endswith("_jvp")][0]
    t = rng.standard_normal(3)
    value, tangent = fn(x, y, t)
    assert value == prog(x, y)
    assert float(tangent) == pytest.approx(dot(central_grad(prog, (x, y)), t), rel=RTOL)
    src = ad.derivative_source(prog, "reverse")
    ns = _exec_source(src, prog)
    fn = [v for k, v in ns.items() if k.startswith(prog.__name__) and k.endswith("_vjp")][0]
    value, pullback = fn(x, y)
    assert value == prog(x, y)
    bars = pullback(1.0)
    close(bars[0] if isinstance(bars, tuple) else bars, central_grad(prog, (x, y)))


def test_cli_show_and_check_on_a_program_file(tmp_path):
    import os
    import subprocess
    import sys

    path = tmp_path / "s9_prog.py"
    path.write_text(
        "import numpy as np\n\n\n"
        "def f(x, y):\n"
        "    t = x * y\n"
        "    for i in range(3):\n"
        "        x = np.sin(x) + 0.1 * t\n"
        "        if np.sum(x * y) > 1.0:\n"
        "            break\n"
        "        t = x * y\n"
        "    return np.sum(t * (x * y))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(ad.__file__)))
    run = [sys.executable, "-m", "s2s_ad"]
    args = ["--args", "np.full(3, 0.3)", "np.full(3, 0.4)"]
    for extra in (
        args,
        ["--mode", "forward"] + args,
        ["--stage", "ssa"],
        ["--mode", "hessian"] + args,
    ):
        r = subprocess.run(
            run + ["show", f"{path}:f"] + extra,
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
        assert "def f" in r.stdout or "f(x, y)" in r.stdout, r.stdout
    r = subprocess.run(
        run + ["check", f"{path}:f", "--args", "np.full(3, 0.3)", "np.full(3, 0.4)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "checks passed" in r.stdout


def smooth_id(x):
    s = 1.0 * x
    if not False:
        s = s * 1.0 + 0.0
    return np.sum(np.sin(s))


def running_sq(x, y):
    z = x * x
    for i in range(3):
        x = np.sin(x) * y
        z = z + x * x
    return np.sum(z)


def test_literal_flags_and_unit_factors_numbers():
    x = np.array([0.2, -0.4])
    check_first_order(smooth_id, (x,), order=ALL_FIRST)
    check_second_order(smooth_id, (x,))
    check_first_order(running_sq, (x, np.array([0.7, 1.3])), order=ALL_FIRST)
    check_second_order(running_sq, (x, np.array([0.7, 1.3])))


def test_if_not_false_is_folded_in_printed_code():
    for mode in ("forward", "reverse"):
        src = ad.derivative_source(smooth_id, mode)
        code = [line.split("#")[0] for line in src.splitlines()]
        assert not any(line.strip().startswith(("if ", "else")) for line in code), src


def test_loop_invariant_adjoint_copy_is_read_through():
    import re

    src = ad.derivative_source(running_sq, "gradient", args=(np.ones(2), np.ones(2)))
    assert not re.search(r"^\s+z_\d+_bar = z_\d+_bar$", src, re.M), src
